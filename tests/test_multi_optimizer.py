"""optimizers.OptimizerMap and MultiOptimizer (Keras 3.15's): each parameter array is stepped by the
optimizer its Keras path selects; equal to Keras's MultiOptimizer in float64."""

import numpy as np
import pytest

import glassnet
from glassnet import optimizers
from glassnet.layers import Dense, Input


def _model(trainable_middle=True, dtype="float64"):
    model = glassnet.models.Sequential([Input((3,)), Dense(5, activation="tanh", name="dense"),
                                        Dense(4, activation="tanh", name="dense_1", trainable=trainable_middle),
                                        Dense(2, name="out")], dtype=dtype)
    return model


def _data(n=32):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 3)), rng.standard_normal((n, 2))


# -- OptimizerMap -------------------------------------------------------------------------------

def test_optimizer_map_matches_an_exact_key_then_one_pattern_then_the_default():
    adam, sgd, rms, default = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop(), optimizers.Lion()
    opt_map = optimizers.OptimizerMap(default)
    opt_map["encoder/layer_0/dense"] = adam
    opt_map["encoder/.*"] = sgd
    opt_map["decoder"] = rms
    assert opt_map["encoder/layer_0/dense"] is adam  # exact first (the pattern matches it too)
    assert opt_map["encoder/layer_0/attention/query"] is sgd
    assert opt_map["decoder"] is rms and opt_map["decoder/layer_0/dense"] is default  # fullmatch, not search
    assert opt_map["xencoder/a"] is default
    assert len(opt_map) == 3 and list(opt_map) == ["encoder/layer_0/dense", "encoder/.*", "decoder"]
    del opt_map["decoder"]
    assert opt_map["decoder"] is default and opt_map.default_optimizer is default
    conflict = optimizers.OptimizerMap(default, {".*kernel.*": adam, ".*dense.*": sgd})
    with pytest.raises(ValueError, match="Multiple optimizers assigned to variable dense/kernel"):
        conflict["dense/kernel"]
    assert conflict["dense/bias"] is sgd


def test_optimizer_map_refuses_what_keras_refuses():
    opt_map = optimizers.OptimizerMap(optimizers.SGD(), {"a": optimizers.Adam()})
    with pytest.raises(ValueError, match="'a' already exists in the OptimizerMap"):
        opt_map["a"] = optimizers.SGD()
    with pytest.raises(ValueError, match="optimizer cannot be LossScaleOptimizer"):
        opt_map["b"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(ValueError, match="optimizer cannot be MultiOptimizer"):
        opt_map["b"] = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()))
    with pytest.raises(TypeError, match="key must be a string"):
        opt_map[3] = optimizers.SGD()
    with pytest.raises(ValueError, match="key must be a regular expression"):
        opt_map["("] = optimizers.SGD()
    with pytest.raises(TypeError, match="optimizer must be a glassnet.optimizers.Optimizer"):
        opt_map["b"] = "adam"
    with pytest.raises(TypeError, match="default_optimizer must be"):
        optimizers.OptimizerMap("sgd")
    with pytest.raises(ValueError, match="optimizer cannot be LossScaleOptimizer"):
        optimizers.OptimizerMap(optimizers.LossScaleOptimizer(optimizers.SGD()))
    with pytest.raises(TypeError, match="optimizer_map must be a dict"):
        optimizers.OptimizerMap(optimizers.SGD(), [("a", optimizers.Adam())])
    assert list(opt_map) == ["a"]  # nothing refused was set


def test_multi_optimizer_refuses_bad_arguments():
    with pytest.raises(TypeError, match="optimizer_map must be an OptimizerMap or a callable"):
        optimizers.MultiOptimizer(optimizers.Adam())
    with pytest.raises(TypeError, match="optimizer_map must be an OptimizerMap or a callable"):
        optimizers.MultiOptimizer(3)
    with pytest.raises(ValueError, match="loss_scale_factor must be None"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()), loss_scale_factor=2.0)
    with pytest.raises(TypeError, match="unexpected argument"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()), learning_rate=0.1)
    with pytest.raises(TypeError, match="name must be a str"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()), name=3)
    X, Y = _data(8)
    for selector, error, match in [
        (lambda v: "adam", ValueError, "is not an Optimizer instance"),
        (lambda v: optimizers.LossScaleOptimizer(optimizers.SGD()), ValueError, "LossScaleOptimizer cannot be used"),
        (lambda v: optimizers.SGD(use_ema=True), ValueError, "use_ema"),
    ]:
        model = _model()
        model.compile(optimizer=optimizers.MultiOptimizer(selector), loss="mse")
        with pytest.raises(error, match=match):
            model.fit(X, Y, epochs=1, verbose=0)


def test_learning_rate_is_the_sub_optimizers():
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.1), {"x": optimizers.Adam(0.2)}))
    assert [type(o).__name__ for o in multi.optimizers] == ["Adam", "SGD"]  # the map's, then the default (Keras)
    with pytest.raises(AttributeError, match="Learning rate cannot be accessed on a MultiOptimizer"):
        multi.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="Learning rate cannot be set on a MultiOptimizer"):
        multi.learning_rate = 0.1


# -- against Keras ----------------------------------------------------------------------------

def _keras_multi(keras, pattern):
    K = keras.optimizers
    return K.MultiOptimizer(K.OptimizerMap(K.SGD(0.05, momentum=0.9),
                                           {pattern: K.Adam(schedule(keras), global_clipnorm=0.5)}))


def schedule(lib):
    return lib.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5)


def _ours(pattern):
    return optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.05, momentum=0.9), {pattern: optimizers.Adam(schedule(glassnet), global_clipnorm=0.5)}))


@pytest.mark.parametrize("pattern", ["sequential/dense/.*", ".*kernel", "nothing"])
@pytest.mark.parametrize("frozen", [False, True])
def test_steps_equal_keras_multi_optimizer_in_float64(pattern, frozen, keras_x64):
    """Our fit's steps and Keras's MultiOptimizer.apply of the same gradients (glassnet's, taken from a
    twin model at the same weights): a run of the flat vector (dense), gathered arrays (kernels), an
    unused sub-optimizer, and a frozen layer, whose variables Keras's does not get."""
    keras, _ = keras_x64
    keras.config.set_floatx("float64")
    try:
        L = keras.layers
        # (dtype given: Keras keeps the global dtype policy of the first layer made, float32 in an earlier test)
        theirs = keras.Sequential([keras.Input((3,), dtype="float64"),
                                   L.Dense(5, activation="tanh", name="dense", dtype="float64"),
                                   L.Dense(4, activation="tanh", name="dense_1", dtype="float64"),
                                   L.Dense(2, name="out", dtype="float64")],
                                  name="sequential")  # (Keras numbers a second model sequential_1)
        theirs.layers[1].trainable = not frozen
        kopt = _keras_multi(keras, pattern)
        ours, twin = _model(not frozen), _model(not frozen)
        ours.set_weights(theirs.get_weights())
        ours.compile(optimizer=_ours(pattern), loss="mse")
        twin.compile(optimizer=optimizers.SGD(0.0), loss="mse")
        X, Y = _data()
        for step in range(4):
            batch = slice(8 * step, 8 * step + 8)
            twin.set_weights(ours.get_weights())
            twin.train_on_batch(X[batch], Y[batch])
            ours.train_on_batch(X[batch], Y[batch])
            grads = [np.array(layer.grads[k]) for layer in twin.layers if layer.trainable for k in layer.params]
            kopt.apply([keras.ops.convert_to_tensor(g) for g in grads], theirs.trainable_variables)
        for a, b in zip(theirs.get_weights(), ours.get_weights(), strict=True):
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
        assert ours.optimizer.iterations == int(kopt.iterations) == 4
        # each sub-optimizer counts its own steps; one without (trained) variables takes none
        k_counts = {type(o).__name__: int(o.iterations) for o in kopt.optimizers}
        assert {type(o).__name__: o.iterations for o in ours.optimizer.optimizers} == k_counts
    finally:
        keras.config.set_floatx("float32")


def test_a_frozen_layer_keeps_its_weights_and_its_sub_optimizer_state():
    X, Y = _data()
    model = _model()
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.05, momentum=0.9),
                                                              {".*kernel": optimizers.Adam(0.01)}))
    model.compile(optimizer=multi, loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    adam = multi.optimizers[0]
    before_w = model.layers[1].get_weights()
    before_m = adam.state["m"].copy()
    model.layers[1].trainable = False
    model.compile(optimizer=multi, loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(before_w, model.layers[1].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    frozen_kernel = adam.slices[1]  # dense_1's kernel, the second of Adam's variables
    np.testing.assert_array_equal(adam.state["m"][frozen_kernel], before_m[frozen_kernel])
    assert not np.array_equal(adam.state["m"][adam.slices[0]], before_m[adam.slices[0]])


# -- glassnet -----------------------------------------------------------------------------------

def test_callable_selector_gets_path_and_shape_and_jit_gives_the_same_steps():
    X, Y = _data()
    seen = []
    adam, sgd = optimizers.Adam(0.01), optimizers.SGD(0.05)

    def select(variable):
        seen.append((variable.path, variable.shape, variable.name))
        return adam if variable.name == "kernel" else sgd

    model = _model()
    model.compile(optimizer=optimizers.MultiOptimizer(select), loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert seen[:2] == [("sequential/dense/kernel", (3, 5), "kernel"), ("sequential/dense/bias", (5,), "bias")]
    assert model.optimizer.optimizers == [adam, sgd]
    with pytest.raises(ValueError, match="callable"):
        model.optimizer.get_config()
    pytest.importorskip("numba")
    plain, jit = _model(dtype="float32"), _model(dtype="float32")
    jit.set_weights(plain.get_weights())
    for m, flag in ((plain, False), (jit, True)):
        m.compile(optimizer=_ours(".*kernel"), loss="mse", jit_compile=flag)
        m.fit(X.astype("float32"), Y.astype("float32"), batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(plain.get_weights(), jit.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_config_round_trip_nested():
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.05, momentum=0.9),
                                                              {".*kernel": optimizers.Adam(0.01)}), name="mine")
    config = optimizers.serialize(multi)
    assert config["class_name"] == "MultiOptimizer"
    again = optimizers.deserialize(config)
    assert isinstance(again, optimizers.MultiOptimizer) and again.name == "mine"
    assert again.get_config() == multi.get_config()
    assert type(again.optimizer_map[".*kernel"]) is optimizers.Adam
    assert again.optimizer_map["x"].get_config() == optimizers.SGD(0.05, momentum=0.9).get_config()
    assert optimizers.MultiOptimizer.from_config(multi.get_config()).get_config() == multi.get_config()


# (two unnamed models are sequential and sequential_1, as in Keras: the pattern names both)
@pytest.mark.parametrize("pattern", [r"sequential(_\d+)?/dense/.*", ".*kernel"])
def test_save_and_load_resume_bit_for_bit(tmp_path, pattern):
    X, Y = _data()
    straight, first = _model(), _model()
    first.set_weights(straight.get_weights())
    for m in (straight, first):
        m.compile(optimizer=_ours(pattern), loss="mse")
    straight.fit(X, Y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    first.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "half.gn")
    resumed = glassnet.models.load_model(tmp_path / "half.gn")
    assert isinstance(resumed.optimizer, optimizers.MultiOptimizer)
    assert [o.iterations for o in resumed.optimizer.optimizers] == [o.iterations for o in first.optimizer.optimizers]
    for name, value in first.optimizer.state.items():
        np.testing.assert_array_equal(resumed.optimizer.state[name], value)
    resumed.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_callable_selector_is_not_saved_in_a_file(tmp_path):
    model = _model()
    model.compile(optimizer=optimizers.MultiOptimizer(lambda v: optimizers.SGD()), loss="mse")
    model.fit(*_data(8), verbose=0)
    with pytest.warns(UserWarning, match="MultiOptimizer whose optimizer_map is a callable"):
        model.save(tmp_path / "m.gn")
    assert not glassnet.models.load_model(tmp_path / "m.gn").compiled


def test_callbacks_set_and_log_each_sub_optimizer_s_rate():
    # Keras's LearningRateScheduler and ReduceLROnPlateau act on each sub-optimizer, logged as learning_rate_<name>
    X, Y = _data()
    model = _model()
    sgd, adam = optimizers.SGD(0.1, name="sgd"), optimizers.Adam(0.01, name="adam")
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {".*kernel": adam})), loss="mse")
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[
        glassnet.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
        glassnet.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)])
    # halved at each epoch's start; at the second's end (no improvement by 1e9) halved again
    assert history.history["learning_rate_adam"] == pytest.approx([0.005, 0.0025])
    assert history.history["learning_rate_sgd"] == pytest.approx([0.05, 0.025])
    assert sgd.learning_rate == pytest.approx(0.0125) and adam.learning_rate == pytest.approx(0.00125)
    with pytest.raises(ValueError, match="MultiOptimizer has 2 sub-optimizers"):
        glassnet.trace.trace(model, X[:1], Y[:1])
    # inside a LossScaleOptimizer too (its learning_rate is the MultiOptimizer's, which has none: an AttributeError)
    model.compile(optimizer=optimizers.LossScaleOptimizer(optimizers.MultiOptimizer(
        optimizers.OptimizerMap(optimizers.SGD(0.1), {".*kernel": optimizers.Adam(0.01)}))), loss="mse")
    with pytest.raises(ValueError, match="MultiOptimizer has 2 sub-optimizers"):
        glassnet.trace.trace(model, X[:1], Y[:1])
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[
        glassnet.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert history.history["learning_rate_sgd"] == pytest.approx([0.05, 0.025])


def test_backup_and_restore_keeps_each_sub_optimizer_s_rate(tmp_path):
    X, Y = _data()
    model = _model()
    sgd, adam = optimizers.SGD(0.1), optimizers.Adam(0.01)
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {".*kernel": adam})), loss="mse")
    backup = glassnet.callbacks.BackupAndRestore(str(tmp_path / "b"), delete_checkpoint=False)
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[backup,
                                                    glassnet.callbacks.LearningRateScheduler(lambda e, lr: lr / 4)])
    other = _model()
    sgd2, adam2 = optimizers.SGD(0.1), optimizers.Adam(0.01)
    other.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd2, {".*kernel": adam2})),
                  loss="mse")
    other.fit(X, Y, epochs=1, verbose=0, callbacks=[glassnet.callbacks.BackupAndRestore(str(tmp_path / "b"))])
    assert sgd2.learning_rate == pytest.approx(0.025) and adam2.learning_rate == pytest.approx(0.0025)


def test_keras_files_both_ways(tmp_path):
    keras = pytest.importorskip("keras")
    X, Y = _data(8)
    model = _model(dtype="float32")
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.05, momentum=0.9), {".*kernel": optimizers.Adam(0.01)})), loss="mse")
    model.fit(X, Y, verbose=0)
    model.export(tmp_path / "m.keras", format="keras")
    theirs = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(theirs.optimizer, keras.optimizers.MultiOptimizer)
    k_map = theirs.optimizer._optimizer_map
    assert type(k_map[".*kernel"]).__name__ == "Adam" and float(k_map.default_optimizer.momentum) == 0.9
    theirs.save(tmp_path / "k.keras")
    back = glassnet.models.load_model(tmp_path / "k.keras")
    assert isinstance(back.optimizer, optimizers.MultiOptimizer)
    assert type(back.optimizer.optimizer_map["sequential/out/kernel"]) is optimizers.Adam
    assert back.optimizer.optimizer_map["x"].momentum == 0.9


def test_a_model_that_grew_gets_a_fresh_multi_optimizer_with_the_same_map():
    X, Y = _data(16)
    model = _model()
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"sequential/dense/.*": optimizers.Adam(0.01, gradient_accumulation_steps=2)}))
    model.compile(optimizer=multi, loss="mse")
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    assert [o.iterations for o in multi.optimizers] == [4, 8] and multi.iterations == 8  # Adam: 8 steps, 4 updates
    model.pop()
    model.add(Dense(2, name="last"))
    fresh = model.optimizer
    assert fresh is not multi and not fresh.built and fresh.iterations == 0
    assert [o.iterations for o in fresh.optimizers] == [0, 0] and fresh.get_config() == multi.get_config()
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    assert fresh.paths[-2:] == ["sequential/last/kernel", "sequential/last/bias"]
    assert [o.iterations for o in multi.optimizers] == [4, 8]  # the old one untouched


def test_a_sub_optimizer_a_callable_chose_is_refused_for_another_model():
    # the callable names its optimizers at build, which came after fit marked them as the model's: a
    # second model compiled with the Adam it chose trained on from the first's moments, silently
    X, Y = _data(16)
    adam = optimizers.Adam(0.01)
    first = _model()
    first.compile(optimizer=optimizers.MultiOptimizer(lambda variable: adam), loss="mse")
    first.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    second = _model()
    second.compile(optimizer=adam, loss="mse")
    with pytest.raises(ValueError, match="This Adam object already trains another model"):
        second.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    third = _model()
    third.compile(optimizer=optimizers.MultiOptimizer(lambda variable: adam), loss="mse")
    with pytest.raises(ValueError, match="Adam object inside the MultiOptimizer already trains another model"):
        third.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    assert adam.iterations == 1
    first.fit(X, Y, epochs=1, batch_size=16, verbose=0)  # its own optimizer still trains it
    assert adam.iterations == 2


def test_inside_a_loss_scale_optimizer_its_state_and_steps_are_saved(tmp_path):
    # Keras's LossScaleOptimizer may wrap a MultiOptimizer: the file keeps the scale and each sub-optimizer's steps
    X, Y = _data(16)
    model = _model(trainable_middle=False)
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.1),
                                                              {"sequential/dense/.*": optimizers.Adam(0.01)}))
    model.compile(optimizer=optimizers.LossScaleOptimizer(multi, initial_scale=8.0, dynamic_growth_steps=3),
                  loss="mse")
    frozen = model.layers[1].get_weights()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(frozen, model.layers[1].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model.save(tmp_path / "m.gn")
    back = glassnet.models.load_model(tmp_path / "m.gn")
    inner = back.optimizer.inner_optimizer
    assert [o.iterations for o in inner.optimizers] == [8, 8] and back.optimizer.dynamic_scale == 8.0 * 2 ** 2
    for name, value in multi.state.items():
        np.testing.assert_array_equal(inner.state[name], value)


def test_a_diverged_run_names_each_sub_optimizer_s_rate():
    # the advice read optimizer.learning_rate, which a MultiOptimizer refuses (an AttributeError instead)
    X, Y = _data()
    model = _model()
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(1e300, name="sgd"), {".*kernel": optimizers.SGD(1e200, name="big")})), loss="mse")
    with pytest.warns(glassnet.models.DivergenceWarning,
                      match=r"Try lower learning rates \(currently big: 1e\+200, sgd: 1e\+300\)"):
        model.fit(X * 1e3, Y, epochs=3, verbose=0)


def test_a_key_that_matches_no_variable_is_said_as_muon_says_it():
    # nesting renames a nested model's default-named layers (the decoder's dense is dense_1 in the autoencoder),
    # and the second unnamed model is sequential_1: a key written with the old name silently trained nothing
    encoder = glassnet.models.Sequential([Input((3,)), Dense(2)], name="encoder")
    decoder = glassnet.models.Sequential([Dense(3)], name="decoder")
    autoencoder = glassnet.models.Sequential([encoder, decoder], name="autoencoder")
    assert [layer.name for layer in decoder.layers] == ["dense_1"]
    autoencoder.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"encoder/dense/.*": optimizers.Adam(), "decoder/dense/.*": optimizers.Adam()})),
        loss="mse")
    with pytest.warns(UserWarning, match=r"OptimizerMap key\(s\) \['decoder/dense/\.\*'\] match no variable.*"
                                         "'encoder/dense/kernel'"):
        autoencoder.fit(_data(8)[0], _data(8)[0], verbose=0)

