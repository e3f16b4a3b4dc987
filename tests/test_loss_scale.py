"""optimizers.LossScaleOptimizer: Keras 3.15's dynamic loss scaling around another optimizer."""

import numpy as np
import pytest

import glassnet
from glassnet import optimizers
from glassnet.layers import ActivityRegularization, Dense
from glassnet.models import Sequential, load_model

#: steps whose gradient holds an inf or a NaN (skipped, the scale halved)
BAD_STEPS = {2: np.inf, 3: np.nan, 9: -np.inf}


def _gradients(rng, n=14, size=7):
    grads = rng.standard_normal((n, size))
    for step, value in BAD_STEPS.items():
        grads[step, step % size] = value
    return grads


def _ours(make_inner, grads, w0):
    opt = optimizers.LossScaleOptimizer(make_inner(), initial_scale=8.0, dynamic_growth_steps=3)
    w, scales, counters, iterations = w0.copy(), [], [], []
    for g in grads:
        opt.apply(w, g.copy())
        scales.append(opt.dynamic_scale)
        counters.append(opt.step_counter)
        iterations.append(opt.iterations)
    return w, scales, counters, iterations


@pytest.mark.parametrize("inner", ["sgd", "adam", "adamw_ema"])
def test_scale_trajectory_skipped_steps_and_weights_equal_keras_s_in_float64(inner, keras_x64):
    keras, _ = keras_x64
    makers = {
        "sgd": (lambda: optimizers.SGD(0.1, momentum=0.9), lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
        "adam": (lambda: optimizers.Adam(0.01), lambda: keras.optimizers.Adam(0.01)),
        "adamw_ema": (lambda: optimizers.AdamW(0.01, use_ema=True, ema_momentum=0.5),
                      lambda: keras.optimizers.AdamW(0.01, use_ema=True, ema_momentum=0.5)),
    }
    ours, theirs = makers[inner]
    rng = np.random.default_rng(3)
    grads, w0 = _gradients(rng), rng.standard_normal(7)
    w, scales, counters, iterations = _ours(ours, grads, w0)

    keras.config.set_floatx("float64")
    try:
        variable = keras.Variable(w0, dtype="float64")
        opt = keras.optimizers.LossScaleOptimizer(theirs(), initial_scale=8.0, dynamic_growth_steps=3)
        opt.build([variable])
        # stateless_apply: the stateful apply's cond with assignments fails eagerly under JAX
        names = [v.path.split("/", 1)[1] if v.path.startswith("loss_scale") else v.path for v in opt.variables]
        trainable, state = [variable.value], [v.value for v in opt.variables]
        k_scales, k_counters, k_iterations = [], [], []
        for g in grads:
            trainable, state = opt.stateless_apply(state, [keras.ops.convert_to_tensor(g, dtype="float64")],
                                                   trainable)
            found = dict(zip(names, state))
            k_scales.append(float(found["dynamic_scale"]))
            k_counters.append(int(found["step_counter"]))
            k_iterations.append(int(next(value for name, value in found.items()
                                         if name.endswith("/iteration"))))
    finally:
        keras.config.set_floatx("float32")
    assert scales == k_scales and counters == k_counters and iterations == k_iterations
    assert iterations[-1] == len(grads) - len(BAD_STEPS)
    np.testing.assert_allclose(w, np.asarray(trainable[0]), rtol=0, atol=1e-12)
    if inner == "adamw_ema":
        # no moving average after a skipped step, as Keras's (its inner optimizer does not run)
        theirs_average = next(value for name, value in found.items() if name.endswith("_average"))
        np.testing.assert_allclose(opt_average(ours, grads, w0), np.asarray(theirs_average), rtol=0, atol=1e-12)


def opt_average(make_inner, grads, w0):
    opt = optimizers.LossScaleOptimizer(make_inner(), initial_scale=8.0, dynamic_growth_steps=3)
    w = w0.copy()
    for g in grads:
        opt.apply(w, g.copy())
    return opt.state["average"]


def test_a_skipped_step_leaves_weights_state_and_iterations_alone():
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.1), initial_scale=4.0, dynamic_growth_steps=2)
    w = np.ones(3)
    opt.apply(w, np.array([1.0, 2.0, 3.0]))
    before = (w.copy(), {k: v.copy() for k, v in opt.state.items()}, opt.iterations)
    opt.apply(w, np.array([1.0, np.inf, 3.0]))
    assert opt.dynamic_scale == 2.0 and opt.step_counter == 0 and opt.iterations == before[2] == 1
    np.testing.assert_array_equal(w, before[0])
    for name, value in opt.state.items():
        np.testing.assert_array_equal(value, before[1][name])
    # finite steps: the gradient is divided by the scale before the inner rule
    sgd = optimizers.LossScaleOptimizer(optimizers.SGD(1.0), initial_scale=4.0, dynamic_growth_steps=2)
    w = np.zeros(2)
    sgd.apply(w, np.array([4.0, 8.0]))
    np.testing.assert_array_equal(w, [-1.0, -2.0])
    sgd.apply(w, np.array([4.0, 8.0]))
    assert sgd.dynamic_scale == 8.0 and sgd.step_counter == 0  # doubled after 2 finite steps


def _model(dtype, optimizer, regularized=False):
    glassnet.config.set_floatx(dtype)
    try:
        layers = [Dense(4, activation="tanh", input_dim=3, kernel_regularizer="l2" if regularized else None,
                        bias_regularizer="l1" if regularized else None)]
        if regularized:
            layers.append(ActivityRegularization(l1=0.01, l2=0.02))
        model = Sequential([*layers, Dense(1)])
        model.compile(optimizer=optimizer, loss="mse")
    finally:
        glassnet.config.set_floatx("float32")
    return model


def test_fit_with_a_loss_scale_equals_fit_without_one_penalties_included():
    # a power-of-2 scale multiplies and divides exactly: the scaled gradient of the loss and of every
    # penalty (weights' and activity's), unscaled, is the plain one bit for bit
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((32, 3)), rng.standard_normal((32, 1))
    weights = None
    results = []
    for optimizer in (optimizers.SGD(0.05, momentum=0.9),
                      optimizers.LossScaleOptimizer(optimizers.SGD(0.05, momentum=0.9), initial_scale=2.0**10,
                                                    dynamic_growth_steps=5)):
        model = _model("float64", optimizer, regularized=True)
        if weights is None:
            weights = model.get_weights()
        model.set_weights(weights)
        history = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        results.append((model.get_weights(), history.history["loss"]))
    for ours, plain in zip(results[1][0], results[0][0]):
        np.testing.assert_array_equal(ours, plain)
    assert results[1][1] == results[0][1]
    assert optimizer.dynamic_scale == 2.0**10 * 2**2 and optimizer.iterations == 12  # 12 finite steps: doubled twice


def _embedding_model():
    L = glassnet.layers
    return [L.Input((2,)), L.Embedding(6, 3, embeddings_regularizer="l2"), L.Flatten(), Dense(1)]


def _wrapped_dense_model():
    L = glassnet.layers
    return [L.Input((3,)), L.SpectralNormalization(Dense(4, activation="tanh", kernel_regularizer="l2",
                                                         bias_regularizer="l1")), Dense(1)]


@pytest.mark.parametrize("build", [_embedding_model, _wrapped_dense_model], ids=["embedding", "wrapped_dense"])
def test_the_penalties_of_embeddings_and_wrapped_layers_are_scaled_with_the_loss(build):
    # Embedding's regularizer gradient was added unscaled, then divided by the scale (2^10 times too small);
    # the model set the scale on its layers, so SpectralNormalization's Dense added its penalty unscaled
    rng = np.random.default_rng(1)
    X = rng.integers(0, 6, size=(32, build()[0].input_shape[-1])).astype(np.float64)
    Y = rng.standard_normal((32, 1))
    results = []
    for optimizer in (optimizers.SGD(0.05), optimizers.LossScaleOptimizer(optimizers.SGD(0.05), initial_scale=2.0**10)):
        model = Sequential(build(), dtype="float64", seed=0)
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for ours, plain in zip(results[1], results[0]):
        np.testing.assert_array_equal(ours, plain)


def test_float16_training_trains_with_loss_scaling_where_the_plain_optimizer_underflows():
    # targets of ~1e-6: the mean squared error's delta 2(a − y)/n is ~1e-8, below float16's smallest
    # subnormal (6e-8), so every plain gradient is 0 and nothing moves; scaled by 2^15 it is representable
    rng = np.random.default_rng(1)
    X = rng.uniform(0.5, 1.0, (256, 3)).astype(np.float16)
    Y = (X.astype(np.float64) @ np.array([[1.0], [2.0], [3.0]]) * 2e-7).astype(np.float16)
    finals = {}
    for scaled in (False, True):
        inner = optimizers.Adam(1e-3)
        optimizer = optimizers.LossScaleOptimizer(inner) if scaled else inner
        glassnet.config.set_floatx("float16")
        try:
            model = Sequential([Dense(1, input_dim=3, kernel_initializer="zeros")])
            model.compile(optimizer=optimizer, loss="mse")
        finally:
            glassnet.config.set_floatx("float32")
        model.fit(X, Y, batch_size=256, epochs=20, verbose=0)
        finals[scaled] = model.get_weights()[0]
    assert np.all(finals[False] == 0)
    assert np.all(finals[True] > 0)


def test_an_overflowing_scale_is_halved_until_the_float16_steps_are_finite():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((64, 3)).astype(np.float16)
    Y = (X.astype(np.float32) @ np.ones((3, 1))).astype(np.float16)
    glassnet.config.set_floatx("float16")
    try:
        model = Sequential([Dense(8, activation="tanh", input_dim=3), Dense(1)])
        optimizer = optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=2.0**24)
        model.compile(optimizer=optimizer, loss="mse")
    finally:
        glassnet.config.set_floatx("float32")
    first = model.evaluate(X, Y, verbose=0)
    model.fit(X, Y, batch_size=16, epochs=10, verbose=0)
    assert optimizer.dynamic_scale < 2.0**24  # 2^24 · (a gradient of ~1) overflows float16's 65504
    assert optimizer.iterations > 0 and np.all([np.isfinite(w).all() for w in model.get_weights()])
    assert model.evaluate(X, Y, verbose=0) < first


def test_save_and_load_resume_identically(tmp_path):
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((40, 3)), rng.standard_normal((40, 1))

    def make():
        return _model("float64", optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=2.0**8,
                                                                dynamic_growth_steps=4))

    model = make()
    weights = model.get_weights()
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # 5 steps: scale doubled once, counter 1
    assert (model.optimizer.dynamic_scale, model.optimizer.step_counter) == (2.0**9, 1)
    model.save(tmp_path / "m.glassnet")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    loaded = load_model(tmp_path / "m.glassnet")
    assert isinstance(loaded.optimizer, optimizers.LossScaleOptimizer)
    assert (loaded.optimizer.dynamic_scale, loaded.optimizer.step_counter, loaded.optimizer.iterations) == (2.0**9, 1, 5)
    loaded.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.optimizer.get_scalars() == model.optimizer.get_scalars()
    assert not all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))


def test_config_round_trips_and_keras_files_both_ways(tmp_path, monkeypatch):
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, momentum=0.5), initial_scale=4.0,
                                        dynamic_growth_steps=3, name="scaled")
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert repr(again) == repr(opt) and again.name == "scaled"
    assert optimizers.get(optimizers.serialize(opt)).get_config() == opt.get_config()
    assert opt.learning_rate == 0.1
    opt.learning_rate = 0.2  # delegated to the inner optimizer, as Keras's
    assert opt.inner_optimizer.learning_rate == 0.2 and opt.scale_loss(3.0) == 12.0
    assert optimizers.Adam().scale_loss(3.0) == 3.0

    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    model = Sequential([Dense(2, input_dim=3)])
    model.compile(optimizer=opt, loss="mse")
    model.export(tmp_path / "ours.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    assert isinstance(theirs.optimizer, keras.optimizers.LossScaleOptimizer)
    assert theirs.optimizer.initial_scale == 4.0 and theirs.optimizer.dynamic_growth_steps == 3
    assert isinstance(theirs.optimizer.inner_optimizer, keras.optimizers.SGD)
    assert theirs.optimizer.inner_optimizer.momentum == 0.5
    theirs.save(tmp_path / "theirs.keras")
    back = load_model(tmp_path / "theirs.keras")
    assert isinstance(back.optimizer.inner_optimizer, optimizers.SGD)
    assert back.optimizer.inner_optimizer.momentum == 0.5 and back.optimizer.dynamic_growth_steps == 3


def test_jit_compile_trains_as_the_numpy_path():
    # the inner Adam runs glassnet.kernels' compiled loop (bit for bit NumPy's) on the unscaled gradient
    pytest.importorskip("numba")
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((32, 3)).astype(np.float32), rng.standard_normal((32, 1)).astype(np.float32)
    start, results = None, []
    for jit in (False, True):
        model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(1)])
        optimizer = optimizers.LossScaleOptimizer(optimizers.Adam(0.01), dynamic_growth_steps=3)
        model.compile(optimizer=optimizer, loss="mse", jit_compile=jit)
        start = model.get_weights() if start is None else start
        model.set_weights(start)
        model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        assert optimizer.inner_optimizer.jit_compile is jit
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"inner_optimizer": "adam"}, TypeError, "inner_optimizer must be a glassnet.optimizers.Optimizer"),
    ({"inner_optimizer": None}, TypeError, "inner_optimizer must be"),
    ({"initial_scale": 0}, ValueError, "initial_scale must be > 0"),
    ({"initial_scale": -2.0}, ValueError, "initial_scale must be > 0"),
    ({"initial_scale": float("inf")}, ValueError, "initial_scale must be finite"),
    ({"initial_scale": "big"}, TypeError, "initial_scale must be a number"),
    ({"dynamic_growth_steps": 2.5}, TypeError, "dynamic_growth_steps"),
    ({"dynamic_growth_steps": 0}, ValueError, "dynamic_growth_steps"),
    ({"clipnorm": 1.0}, ValueError, "set it on the inner_optimizer"),
    ({"dynamic": False}, ValueError, "dynamic=False"),
    ({"momentum": 0.9}, TypeError, "unexpected argument"),
    # a second scale: fit scales the loss by the outer one and the gradient was divided by both (2^15 too small)
    ({"inner_optimizer": optimizers.LossScaleOptimizer(optimizers.Adam())}, ValueError,
     "inner_optimizer cannot be a LossScaleOptimizer"),
])
def test_bad_arguments_get_typed_errors(kwargs, error, match):
    arguments = {"inner_optimizer": optimizers.Adam(), **kwargs}
    with pytest.raises(error, match=match):
        optimizers.LossScaleOptimizer(**arguments)


@pytest.mark.parametrize("wrap", [
    lambda opt: optimizers.LossScaleOptimizer(opt),
    lambda opt: optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(), {".*bias": opt})),
    lambda opt: optimizers.LossScaleOptimizer(optimizers.MultiOptimizer(optimizers.OptimizerMap(opt))),
    # a callable selector names its sub-optimizers only when it is asked, at build: the check must ask it first
    lambda opt: optimizers.MultiOptimizer(lambda variable: opt),
    lambda opt: optimizers.LossScaleOptimizer(optimizers.MultiOptimizer(lambda variable: opt)),
])
def test_an_optimizer_that_trains_another_model_cannot_be_wrapped_for_a_new_one(wrap):
    # its moments and iterations are the first model's: the second trained on from them, and the first
    # then on from the second's (both silently)
    rng = np.random.default_rng(6)
    X, Y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    adam = optimizers.Adam(0.01)
    first = _model("float32", adam)
    first.fit(X, Y, epochs=1, verbose=0)
    second = _model("float32", wrap(adam))
    with pytest.raises(ValueError, match="Adam object inside the .* already trains another model"):
        second.fit(X, Y, epochs=1, verbose=0)
    assert adam.iterations == 1
    first.fit(X, Y, epochs=1, verbose=0)  # its own optimizer still trains it
    assert adam.iterations == 2


def test_a_file_with_a_bad_loss_scale_state_is_refused(tmp_path):
    import json
    import zipfile

    from glassnet.models.saving import CONFIG_NAME

    rng = np.random.default_rng(6)
    model = _model("float64", optimizers.LossScaleOptimizer(optimizers.SGD(0.1)))
    model.fit(rng.standard_normal((8, 3)), rng.standard_normal((8, 1)), verbose=0)
    model.save(tmp_path / "m.glassnet")
    with zipfile.ZipFile(tmp_path / "m.glassnet") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members[CONFIG_NAME])
    assert config["optimizer_state"]["scalars"] == {"dynamic_scale": 2.0**15, "step_counter": 1}
    for bad in ({"dynamic_scale": -1.0, "step_counter": 1}, {"dynamic_scale": 8.0, "step_counter": 1.5},
                {"dynamic_scale": 8.0}):
        config["optimizer_state"]["scalars"] = bad
        with zipfile.ZipFile(tmp_path / "bad.glassnet", "w") as zf:
            for name, data in members.items():
                zf.writestr(name, json.dumps(config) if name == CONFIG_NAME else data)
        with pytest.raises(ValueError, match="optimizer state is not LossScaleOptimizer's"):
            load_model(tmp_path / "bad.glassnet")
    # a plain optimizer's file with such a record is refused too
    config["optimizer_state"]["scalars"] = {"dynamic_scale": 8.0, "step_counter": 0}
    config["compile"]["optimizer"] = optimizers.serialize(optimizers.SGD(0.1))
    with zipfile.ZipFile(tmp_path / "bad.glassnet", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, json.dumps(config) if name == CONFIG_NAME else data)
    with pytest.raises(ValueError, match="optimizer state is not SGD's"):
        load_model(tmp_path / "bad.glassnet")


def test_trace_shows_the_inner_optimizer_s_step_and_leaves_the_scale_alone():
    rng = np.random.default_rng(7)
    X, Y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    plain = _model("float64", optimizers.SGD(0.1))
    scaled = _model("float64", optimizers.LossScaleOptimizer(optimizers.SGD(0.1), initial_scale=4.0,
                                                             dynamic_growth_steps=1))
    scaled.set_weights(plain.get_weights())
    ours, theirs = scaled.trace(X, Y), plain.trace(X, Y)
    for a, b in zip(ours.layers, theirs.layers):
        for key in a.updates:
            np.testing.assert_array_equal(a.updates[key], b.updates[key])
    assert scaled.optimizer.get_scalars() == {"dynamic_scale": 4.0, "step_counter": 0}


def test_a_wrapped_nadam_steps_as_the_plain_one(rng):
    # docs/api.md: Keras 3.15 on JAX leaves a wrapped Nadam's Π_t at 1, so its loss-scaled Nadam leaves
    # its own plain one's path; glassnet's keeps the schedule: with finite gradients, the wrapper only
    # multiplies and divides the gradient by a power of two, so the weights are the plain Nadam's exactly
    X, y = rng.normal(size=(32, 4)), rng.normal(size=(32, 2))
    weights = []
    for wrap in (False, True):
        model = Sequential([Dense(2, input_dim=4)], seed=0, dtype="float64")
        inner = optimizers.Nadam(0.01)
        model.compile(optimizers.LossScaleOptimizer(inner) if wrap else inner, "mse")
        model.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for plain, scaled in zip(*weights):
        np.testing.assert_array_equal(scaled, plain)
