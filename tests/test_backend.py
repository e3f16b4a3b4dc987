"""SPEC A12: the same layer, loss and optimizer code runs on any Array-API namespace.

Each test trains or evaluates a model twice from the same seed, once with
NumPy and once with another namespace, in float64, and requires the same
weights, losses and outputs. array-api-strict (the standard and nothing more,
on the CPU) is in the test extra; torch runs when it happens to be installed
(it is never a test dependency).
"""

import importlib.util
import pickle
import re

import numpy as np
import pytest

import glassnet
from glassnet import backend, callbacks, layers, optimizers
from glassnet.models import Sequential, load_model

from test_losses import CASES as LOSS_CASES, _targets

NAMESPACES = [
    pytest.param("array_api_strict", marks=pytest.mark.skipif(
        importlib.util.find_spec("array_api_strict") is None, reason="array-api-strict is not installed")),
    pytest.param("torch", marks=pytest.mark.skipif(
        importlib.util.find_spec("torch") is None or importlib.util.find_spec("array_api_compat") is None,
        reason="torch and array-api-compat are not installed (optional)")),
]


@pytest.fixture(params=NAMESPACES)
def namespace(request):
    return request.param


def _train(name, build, X, y, loss, optimizer="adam", epochs=2, dtype="float64", device=None, **fit_kwargs):
    """Weights, history, predictions and evaluation of one seeded training run under ``name``."""
    with backend.namespace(name, device=device):
        model = Sequential(build(), seed=3, dtype=dtype)
        opt = optimizers.get(optimizer) if isinstance(optimizer, str) else optimizers.deserialize(optimizer)
        model.compile(optimizer=opt, loss=loss, metrics=["accuracy"] if "crossentropy" in loss else [])
        history = model.fit(X, y, epochs=epochs, batch_size=16, verbose=0, **fit_kwargs)
        return {
            "weights": model.get_weights(),
            "history": history.history,
            "predict": model.predict(X),
            "evaluate": model.evaluate(X, y),
            "model": model,
        }


def _same(a, b, rtol=1e-10, atol=1e-12):
    for u, v in zip(a["weights"], b["weights"]):
        assert isinstance(v, np.ndarray)
        np.testing.assert_allclose(v, u, rtol=rtol, atol=atol)
    assert a["history"].keys() == b["history"].keys()
    for key in a["history"]:
        np.testing.assert_allclose(b["history"][key], a["history"][key], rtol=rtol, atol=atol)
    assert isinstance(b["predict"], np.ndarray)
    np.testing.assert_allclose(b["predict"], a["predict"], rtol=rtol, atol=atol)
    np.testing.assert_allclose(b["evaluate"], a["evaluate"], rtol=rtol, atol=atol)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    return X, (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)


def _mlp():
    return [layers.Dense(8, activation="relu", input_dim=5), layers.Dropout(0.25), layers.BatchNormalization(),
            layers.Dense(6, activation="tanh", kernel_regularizer=glassnet.regularizers.L1L2(1e-3, 1e-2)),
            layers.Dense(2, activation="softmax")]


def test_a_training_run_gives_numpys_weights_history_and_outputs(namespace, data):
    X, y = data
    reference = _train("numpy", _mlp, X, y, "sparse_categorical_crossentropy", validation_split=0.25)
    other = _train(namespace, _mlp, X, y, "sparse_categorical_crossentropy", validation_split=0.25)
    _same(reference, other)
    # the model's own arrays live in the namespace, not in NumPy
    assert not isinstance(other["model"].layers[0].params["W"], np.ndarray)


def _keras_mlp_layers():
    return [layers.Dense(8, input_dim=5), layers.PReLU(alpha_initializer="random_normal", alpha_regularizer="l1"),
            layers.AlphaDropout(0.2), layers.UnitNormalization(), layers.Identity(),
            layers.ActivityRegularization(l1=1e-3, l2=1e-2), layers.Dense(2, activation="softmax")]


def _rms_group_norm_layers():
    return [layers.Dense(8, input_dim=5), layers.RMSNormalization(epsilon=1e-3), layers.Dense(6, activation="tanh"),
            layers.GroupNormalization(3, gamma_regularizer="l2", beta_constraint="non_neg"),
            layers.GroupNormalization(2, center=False), layers.Dense(2, activation="softmax")]


# the layers added for Keras 3.15, and where each keeps a weight that must live in the namespace
@pytest.mark.parametrize("make, weights", [
    (_keras_mlp_layers, [(1, "alpha")]),  # PReLU, AlphaDropout, UnitNormalization, Identity, ActivityRegularization
    (_rms_group_norm_layers, [(1, "scale"), (3, "gamma")]),  # RMSNormalization, GroupNormalization
], ids=["prelu_alphadropout_unitnorm_identity", "rms_and_group_normalization"])
def test_keras_3_15_s_layers_train_as_on_numpy(namespace, data, make, weights):
    X, y = data
    reference = _train("numpy", make, X, y, "sparse_categorical_crossentropy")
    other = _train(namespace, make, X, y, "sparse_categorical_crossentropy")
    _same(reference, other)
    for index, key in weights:
        assert not isinstance(other["model"].layers[index].params[key], np.ndarray)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
                                       "adamw", "lion", "ftrl", "adafactor", "lamb", "muon", "schedulefreeadamw",
                                       {"class_name": "Adafactor", "config": {"learning_rate": 0.05, "clip_threshold": 0.5,
                                                                              "beta_2_decay": -0.5, "epsilon_1": 1e-3}},
                                       {"class_name": "Ftrl", "config": {"l1_regularization_strength": 0.01, "beta": 0.1,
                                                                         "l2_shrinkage_regularization_strength": 0.05,
                                                                         "learning_rate_power": -0.3}},
                                       {"class_name": "RMSprop", "config": {"centered": True, "momentum": 0.5}},
                                       {"class_name": "Adam", "config": {"amsgrad": True, "clipnorm": 0.5}},
                                       {"class_name": "SGD", "config": {"clipvalue": 0.01, "weight_decay": 0.1}},
                                       {"class_name": "SGD", "config": {"momentum": 0.5, "global_clipnorm": 0.1}}])
def test_every_optimizer_steps_as_on_numpy(namespace, data, optimizer):
    X, y = data
    build = lambda: [layers.Dense(4, activation="sigmoid", input_dim=5), layers.Dense(2, activation="softmax")]  # noqa: E731
    _same(_train("numpy", build, X, y, "sparse_categorical_crossentropy", optimizer),
          _train(namespace, build, X, y, "sparse_categorical_crossentropy", optimizer))


@pytest.mark.parametrize("loss, activation, kind", LOSS_CASES)
def test_every_loss_trains_as_on_numpy(namespace, loss, activation, kind):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = _targets(kind, rng, 40, 3)
    build = lambda: [layers.Dense(4, activation="elu", input_dim=3), layers.Dense(3, activation=activation)]  # noqa: E731
    _same(_train("numpy", build, X, y, loss, "sgd"), _train(namespace, build, X, y, loss, "sgd"))


@pytest.mark.parametrize("activation", ["linear", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu", "ramp",
                                        "softplus", "elu", "step", "sign", "selu", "gelu", "silu", "mish", "relu6",
                                        "hard_sigmoid", "hard_silu", "exponential", "softsign", "celu", "hard_shrink",
                                        "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus", "sparse_sigmoid",
                                        "squareplus", "tanh_shrink", "sparsemax"])
def test_every_hidden_activation_trains_as_on_numpy(namespace, data, activation):
    X, y = data
    build = lambda: [layers.Dense(4, activation=activation, input_dim=5), layers.Dense(1, activation="sigmoid")]  # noqa: E731
    _same(_train("numpy", build, X, y, "binary_crossentropy", "rmsprop"),
          _train(namespace, build, X, y, "binary_crossentropy", "rmsprop"))


def test_sample_weights_flatten_and_argmax_output(namespace):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2, 3))
    y = rng.integers(0, 3, size=30)
    w = rng.uniform(size=30)
    build = lambda: [layers.Flatten(input_shape=(2, 3)), layers.Dense(3, activation="softmax")]  # noqa: E731
    _same(_train("numpy", build, X, y, "sparse_categorical_crossentropy", sample_weight=w),
          _train(namespace, build, X, y, "sparse_categorical_crossentropy", sample_weight=w))
    with backend.namespace(namespace):
        out = glassnet.activations.get("argmax")(backend.from_numpy(np.array([[4.0, 3, 2, 4]])))
        np.testing.assert_array_equal(backend.to_numpy(out), [[0.5, 0, 0, 0.5]])


def test_reshape_and_permute_train_as_on_numpy(namespace):
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 2, 3, 4)), rng.integers(0, 2, size=30)
    build = lambda: [layers.Permute((3, 1, 2), input_shape=(2, 3, 4)), layers.Reshape((4, -1)),  # noqa: E731
                     layers.Flatten(), layers.Dense(6, activation="tanh"), layers.Reshape((3, 2)),
                     layers.Permute((2, 1)), layers.Flatten(), layers.Dense(1, activation="sigmoid")]
    _same(_train("numpy", build, X, y, "binary_crossentropy"), _train(namespace, build, X, y, "binary_crossentropy"))


def test_layers_on_samples_of_several_axes_train_as_on_numpy(namespace):
    # Dense on (n, T, F) and LayerNormalization over several axes reshaped with the arrays' .reshape method,
    # which the Array API's arrays lack: array-api-strict stopped with "'Array' object has no attribute 'reshape'"
    rng = np.random.default_rng(5)
    X, labels = rng.normal(size=(30, 4, 3)), rng.integers(0, 3, size=(30, 4))
    build = lambda: [layers.Input((4, 3)), layers.Dense(5, activation="tanh"),  # noqa: E731
                     layers.LayerNormalization(axis=[1, 2], gamma_initializer="random_normal"),
                     layers.BatchNormalization(), layers.Dense(3, activation="softmax")]
    weights = rng.random((30, 4))
    _same(_train("numpy", build, X, labels, "sparse_categorical_crossentropy", sample_weight=weights),
          _train(namespace, build, X, labels, "sparse_categorical_crossentropy", sample_weight=weights))


def test_discretization_and_category_encoding_train_as_on_numpy(namespace):
    rng = np.random.default_rng(4)
    X = np.c_[rng.normal(size=(30, 2)), rng.integers(0, 4, size=(30, 1))]
    y = rng.integers(0, 2, size=30)
    build = lambda: [layers.Discretization([-0.5, 0.0, 0.5], output_mode="one_hot", input_shape=(3,)),  # noqa: E731
                     layers.Flatten(), layers.Dense(4, activation="tanh"), layers.Dense(1, activation="sigmoid")]
    _same(_train("numpy", build, X, y, "binary_crossentropy"), _train(namespace, build, X, y, "binary_crossentropy"))
    build = lambda: [layers.CategoryEncoding(4, output_mode="count", input_shape=(1,)),  # noqa: E731
                     layers.Dense(1, activation="sigmoid")]
    ids = X[:, 2:]
    _same(_train("numpy", build, ids, y, "binary_crossentropy"), _train(namespace, build, ids, y, "binary_crossentropy"))


def test_embedding_trains_as_on_numpy(namespace):
    rng = np.random.default_rng(4)
    X, y = rng.integers(0, 6, size=(30, 3)), rng.integers(0, 2, size=30)
    build = lambda: [layers.Embedding(6, 4, input_shape=(3,), embeddings_regularizer="l2",  # noqa: E731
                                      embeddings_constraint="max_norm"),
                     layers.Flatten(), layers.Dense(1, activation="sigmoid")]
    reference, other = _train("numpy", build, X, y, "binary_crossentropy"), _train(namespace, build, X, y,
                                                                                  "binary_crossentropy")
    _same(reference, other)
    assert not isinstance(other["model"].layers[0].params["embeddings"], np.ndarray)


def test_float32_trains_close_to_numpy(namespace, data):
    X, y = data
    a = _train("numpy", _mlp, X, y, "sparse_categorical_crossentropy", dtype="float32")
    b = _train(namespace, _mlp, X, y, "sparse_categorical_crossentropy", dtype="float32")
    assert b["predict"].dtype == np.float32
    _same(a, b, rtol=1e-4, atol=1e-5)


def test_keras_api_round_trips(namespace, data, tmp_path):
    X, y = data
    with backend.namespace(namespace):
        model = Sequential([layers.Dense(4, activation="relu", input_dim=5), layers.Dense(2, activation="softmax")],
                           seed=0, dtype="float64")
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        stop = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
        model.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[stop])
        # train_on_batch: one full-batch step, the same as NumPy's below
        logs = model.train_on_batch(X, y, return_dict=True)
        grads = model.gradients(X, y)
        assert all(isinstance(g, np.ndarray) for g in grads)
        model.save(tmp_path / "m.gn")
        loaded = load_model(tmp_path / "m.gn")
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        lines = []
        model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
        # (after fit, as Keras 3.15: the 34 weights and Adam's 2 × 34 moments, step count and learning rate)
        assert any("Trainable params: 34" in line for line in lines)
        assert any("Total params: 104" in line for line in lines) and any("Optimizer params: 70" in line for line in lines)
        for copy_ in (pickle.loads(pickle.dumps(model)), glassnet.models.clone_model(model)):
            copy_.set_weights(model.get_weights())
            np.testing.assert_array_equal(copy_.predict(X), model.predict(X))
        weights = model.get_weights()
        model.set_weights([w * 0 for w in weights])
        assert not model.predict(X).std(axis=0).any()
        model.set_weights(weights)
        np.testing.assert_array_equal(model.get_weights()[0], weights[0])
    with backend.namespace("numpy"):
        ref = Sequential([layers.Dense(4, activation="relu", input_dim=5), layers.Dense(2, activation="softmax")],
                         seed=0, dtype="float64")
        ref.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        ref.fit(X, y, epochs=3, batch_size=8, verbose=0,
                callbacks=[callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)])
        ref_logs = ref.train_on_batch(X, y, return_dict=True)
        np.testing.assert_allclose(logs["loss"], ref_logs["loss"], rtol=1e-10)
        for g, r in zip(grads, ref.gradients(X, y)):
            np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12)


def test_keras_files_of_a_trained_model_are_written_in_any_namespace(namespace, data, tmp_path):
    # the optimizer's state went to NumPy with the namespace's dtype object (np.promote_types(torch.float64, ...)):
    # export(format="keras"), save_weights("*.weights.h5") and such a ModelCheckpoint failed after one step
    pytest.importorskip("h5py")
    X, y = data

    def trained(name):
        with backend.namespace(name):
            model = Sequential([layers.Dense(4, activation="relu", input_dim=5), layers.Dense(2, activation="softmax")],
                               seed=0, dtype="float64")
            model.compile(optimizer="nadam", loss="sparse_categorical_crossentropy")
            model.fit(X, y, epochs=2, batch_size=8, verbose=0, callbacks=[callbacks.ModelCheckpoint(
                str(tmp_path / f"{name}_{{epoch}}.weights.h5"), save_weights_only=True)])
            model.export(tmp_path / f"{name}.keras", format="keras")
            model.save_weights(tmp_path / f"{name}.weights.h5")
        return model

    trained(namespace), trained("numpy")
    for suffix in (".keras", ".weights.h5", "_2.weights.h5"):
        ours, ref = _model_from(tmp_path / f"{namespace}{suffix}"), _model_from(tmp_path / f"numpy{suffix}")
        for a, b in zip(ours.get_weights(), ref.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
        if suffix == ".keras":  # the optimizer's state (Nadam's moments and u_product) came along
            assert ours.optimizer.iterations == ref.optimizer.iterations > 0
            assert set(ours.optimizer.state) == {"momentum", "velocity"}
            for name in ("momentum", "velocity"):
                np.testing.assert_allclose(ours.optimizer.state[name], ref.optimizer.state[name], rtol=1e-10, atol=1e-13)


def _model_from(path):
    """The model a file written by the test above holds (a .keras file, or weights loaded into a fresh model)."""
    if path.suffix == ".keras":
        return load_model(path)
    model = Sequential([layers.Dense(4, activation="relu", input_dim=5), layers.Dense(2, activation="softmax")],
                       dtype="float64")
    model.load_weights(path)
    return model


def test_divergence_keeps_the_last_finite_weights(namespace):
    X = np.array([[1e3, -1e3]] * 8)
    y = np.array([[1e6]] * 8)
    with backend.namespace(namespace):
        model = Sequential([layers.Dense(1, input_dim=2)], seed=0, dtype="float32")
        model.compile(optimizer=optimizers.SGD(learning_rate=1e6), loss="mse")
        with pytest.warns(glassnet.models.DivergenceWarning):
            model.fit(X, y, epochs=5, batch_size=8, verbose=0)
        assert all(np.isfinite(w).all() for w in model.get_weights())


def test_set_namespace_accepts_names_and_modules_and_refuses_the_rest():
    array_api_strict = pytest.importorskip("array_api_strict")

    with backend.namespace("array_api_strict") as xp:
        assert xp.namespace is array_api_strict
        assert not backend.is_numpy()
    assert backend.is_numpy()
    with backend.namespace(array_api_strict):
        assert backend.get_namespace().namespace is array_api_strict
    with pytest.raises(ValueError, match="one of"):
        backend.set_namespace("tensorflow")
    with pytest.raises(ValueError, match="Array-API namespace; .* has no"):
        backend.set_namespace(object())
    assert backend.is_numpy()


def test_a_dtype_the_namespace_lacks_is_refused_by_name(data):
    pytest.importorskip("array_api_strict")
    X, y = data
    message = "dtype float16 is not available in the array namespace array_api_strict"
    with backend.namespace("array_api_strict"):
        with pytest.raises(ValueError, match=message):  # a declared input size builds the model at once
            Sequential([layers.Dense(2, activation="softmax", input_dim=5)], seed=0, dtype="float16")
        model = Sequential([layers.Dense(2, activation="softmax")], seed=0, dtype="float16")
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        with pytest.raises(ValueError, match=message):
            model.fit(X, y, epochs=1, verbose=0)
    declared = Sequential([layers.Dense(2, activation="softmax", input_dim=5)], seed=0, dtype="float16")
    declared.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with backend.namespace("array_api_strict"):  # built with NumPy, first used here: moved, and refused
        with pytest.raises(ValueError, match=message):
            declared.fit(X, y, epochs=1, verbose=0)
    declared.fit(X, y, epochs=1, verbose=0)  # left as it was: it still trains with NumPy


def _softmax_classifier():
    """A compiled 5-2 softmax classifier, in the namespace active when it is called."""
    model = Sequential([layers.Dense(2, activation="softmax", input_dim=5)], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


def test_a_model_stays_in_the_namespace_it_was_built_in(data):
    pytest.importorskip("array_api_strict")
    X, y = data
    with backend.namespace("array_api_strict"):
        model = _softmax_classifier()
        model.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="array_api_strict.*set_namespace"):
        model.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="array_api_strict.*set_namespace"):
        model.predict(X)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_an_unpickled_model_keeps_its_namespace_and_its_optimizer_state(data, how):
    # unpickled while NumPy is active, its weights moved to NumPy and its Adam moments stayed behind
    import copy

    pytest.importorskip("array_api_strict")
    X, y = data
    with backend.namespace("array_api_strict"):
        model = Sequential([layers.Dense(4, activation="relu", input_dim=5), layers.BatchNormalization(),
                            layers.Dense(2, activation="softmax")], seed=0)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(X, y, epochs=1, verbose=0)
    again = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
    with pytest.raises(ValueError, match="array_api_strict.*set_namespace"):  # the usual message, not a TypeError
        again.fit(X, y, epochs=1, verbose=0)
    with backend.namespace("array_api_strict"):
        np.testing.assert_array_equal(again.predict(X), model.predict(X))
        again.fit(X, y, epochs=1, verbose=0)
        model.fit(X, y, epochs=1, verbose=0)
        for a, b in zip(again.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_numpy_model_copied_under_another_namespace_stays_numpys(data, how):
    # unpickled or deep-copied while array_api_strict was active, a NumPy model bound its weights there and
    # called that namespace its own, its Adam moments and moving statistics staying NumPy's: it could train
    # nowhere (a raw "Only Array objects are allowed" there, "built with array_api_strict" under NumPy)
    import copy

    pytest.importorskip("array_api_strict")
    X, y = data
    model = Sequential([layers.Dense(4, activation="relu", input_dim=5), layers.BatchNormalization(),
                        layers.Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, verbose=0)
    with backend.namespace("array_api_strict"):
        again = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
        with pytest.raises(ValueError, match="built with the array namespace numpy"):
            again.fit(X, y, epochs=1, verbose=0)
    assert all(isinstance(w, np.ndarray) for w in again.weights)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    again.fit(X, y, epochs=1, verbose=0)
    model.fit(X, y, epochs=1, verbose=0)
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_namespace_with_immutable_arrays_is_refused_by_name():
    jnp = pytest.importorskip("jax.numpy")
    with pytest.raises(ValueError, match="glassnet writes its arrays in place, and jax.numpy's arrays are immutable"):
        backend.set_namespace(jnp)
    assert backend.namespace_name() == "numpy"


def test_jit_compile_under_another_namespace_says_it_trains_without_the_loops(data):
    pytest.importorskip("array_api_strict")
    X, y = data
    with backend.namespace("array_api_strict"):
        model = _softmax_classifier()
        model.jit_compile = True  # as compile(jit_compile=True) sets it where numba is installed
        with pytest.warns(UserWarning, match="jit_compile=True compiles NumPy loops; this model's arrays are "
                                             "array_api_strict's"):
            model.fit(X, y, epochs=1, verbose=0)


def _small_model(seed=0):
    model = Sequential([layers.Dense(4, activation="sigmoid", input_dim=3), layers.BatchNormalization(),
                        layers.Dropout(0.3), layers.Dense(2, activation="softmax")], seed=seed, dtype="float64")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def test_trace_gradient_check_and_diagnosis_work_in_the_namespace(namespace):
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, size=6)]
    results = {}
    for name in ("numpy", namespace):
        with backend.namespace(name):
            model = _small_model()
            model.name = "small"  # (unnamed, the second is "sequential_1", which the trace's header names)
            model.fit(X, Y, epochs=2, batch_size=3, verbose=0)
            t = model.trace(X[:2], Y[:2])
            check = glassnet.check_gradients(model, X, Y)
            diagnosis = model.diagnose(X, Y)
            results[name] = (t, check, diagnosis)
    (t0, c0, d0), (t1, c1, d1) = results["numpy"], results[namespace]
    assert c1.passed(), str(c1)
    assert c1.errors.keys() == c0.errors.keys()
    assert t1.loss == pytest.approx(t0.loss, rel=1e-12)
    for a, b in zip(t0.layers, t1.layers):
        for key in ("a_in", "a"):
            assert isinstance(getattr(b, key), np.ndarray)
            np.testing.assert_allclose(getattr(b, key), getattr(a, key), rtol=1e-10, atol=1e-14)
        for key in a.updates:
            np.testing.assert_allclose(b.updates[key], a.updates[key], rtol=1e-9, atol=1e-14)
    assert str(t1) == str(t0)
    for a, b in zip(d0.layers, d1.layers):
        assert (a.dead_fraction, a.saturated_fraction) == (b.dead_fraction, b.saturated_fraction)
        if a.grad_norm is not None:
            assert b.grad_norm == pytest.approx(a.grad_norm, rel=1e-9)


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_sklearn_estimators_compute_with_numpy_whatever_the_namespace(namespace, data):
    pytest.importorskip("sklearn", minversion="1.7", reason="glassnet.sklearn needs scikit-learn >= 1.7")
    from glassnet.sklearn import MLPClassifier

    X, y = data
    kwargs = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
    reference = MLPClassifier(**kwargs).fit(X, y)
    with backend.namespace(namespace):
        clf = MLPClassifier(**kwargs).fit(X, y)
        assert isinstance(clf.coefs_[0], np.ndarray)
        np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


def test_a_model_larger_than_one_optimizer_block_with_compiled_loops_requested(namespace):
    # more parameters than optimizers.BLOCK, and enough steps for the periodic flush
    # of tiny moments; jit_compile=True falls back to the namespace's own arithmetic
    rng = np.random.default_rng(5)
    n_in = optimizers.BLOCK // 64 + 7
    X, y = rng.normal(size=(70, n_in)), rng.integers(0, 3, size=70)
    assert (n_in + 1) * 64 > optimizers.BLOCK and 70 > optimizers.FLUSH_EVERY
    runs = []
    for name in ("numpy", namespace):
        with backend.namespace(name):
            model = Sequential([layers.Dense(64, activation="relu", input_dim=n_in), layers.Dense(3, activation="softmax")],
                               seed=0, dtype="float64")
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                          jit_compile=name != "numpy" and glassnet.kernels.available())
            model.fit(X, y, epochs=1, batch_size=1, verbose=0)
            runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


def test_image_compression_trains_its_autoencoder_in_the_namespace(namespace):
    from glassnet.classic.compression import compress_image

    image = (np.random.default_rng(0).random((16, 16)) * 255).astype(np.uint8)
    reference = compress_image(image, k=4, block_size=4, epochs=3, seed=0)
    with backend.namespace(namespace):
        result = compress_image(image, k=4, block_size=4, epochs=3, seed=0)
    assert isinstance(result.codes, np.ndarray)
    np.testing.assert_allclose(result.codes, reference.codes, atol=1e-5)
    assert result.psnr == pytest.approx(reference.psnr, rel=1e-6)


@pytest.mark.filterwarnings("ignore::glassnet.classic.CapacityWarning")
def test_the_classic_networks_compute_with_numpy_whatever_the_namespace(namespace):
    # their activations follow the NumPy arrays they are given (backend.get_namespace(array))
    from glassnet import classic

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    t, signs = np.array([0, 0, 0, 1]), np.array([-1, -1, -1, 1])
    grid = np.random.default_rng(0).random((30, 2))

    def results():
        return [
            classic.Perceptron(random_state=0).fit(X, signs).predict(X),
            classic.Adaline(random_state=0).fit(X, signs).predict(X),
            classic.perceptron_rule(X, t, epochs=3).weights,
            classic.delta_rule(X, t, activation="sigmoid", epochs=3).weights,
            classic.xor_network().predict(X),
            classic.Hopfield(random_state=0).fit(np.array([[1, -1, 1, -1], [1, 1, -1, -1]])).recall(np.array([1, -1, 1, 1])),
            classic.SOM((3, 3), epochs=2, random_state=0).fit(grid).quantization_error(grid),
        ]

    reference = results()
    with backend.namespace(namespace):
        for got, want in zip(results(), reference):
            assert isinstance(got, (np.ndarray, float))
            np.testing.assert_array_equal(got, want)


def test_arrays_live_on_the_device_given_to_set_namespace(data):
    # array-api-strict's second device refuses to mix with its CPU device, so any
    # array glassnet created without the device would make the run fail
    xp = pytest.importorskip("array_api_strict")
    X, y = data
    device = xp.Device("device1")
    reference = _train("numpy", _mlp, X, y, "sparse_categorical_crossentropy", validation_split=0.25)
    other = _train("array_api_strict", _mlp, X, y, "sparse_categorical_crossentropy", device=device,
                   validation_split=0.25)
    _same(reference, other)
    model = other["model"]
    assert model.layers[0].params["W"].device == device
    assert model.optimizer.state["m"].device == device
    with backend.namespace("array_api_strict"):  # the same namespace on its default device
        with pytest.raises(ValueError, match="built with the array namespace array_api_strict on device"):
            model.predict(X)
    # every entry point checks it first (these raised unrelated TypeError/AttributeError)
    with pytest.raises(ValueError, match="built with the array namespace array_api_strict"):
        model.set_weights(model.get_weights())
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="built with the array namespace array_api_strict"):
        glassnet.check_gradients(model, X[:3], y[:3])


def test_numpy_refuses_a_device_given_as_an_array_by_name():
    # "The truth value of an array with more than one element is ambiguous"
    with pytest.raises(ValueError, match="NumPy computes on the CPU only. Received: device=array"):
        backend.set_namespace("numpy", device=np.array(["cpu", "cpu"]))
    assert backend.is_numpy()


def test_numpy_takes_torch_s_cpu_device():
    # it refused it with "NumPy computes on the CPU only. Received: device=device(type='cpu')"
    torch = pytest.importorskip("torch")
    with backend.namespace("numpy", device=torch.device("cpu")) as xp:
        assert xp is np
    with pytest.raises(ValueError, match="NumPy computes on the CPU only"):
        backend.set_namespace("numpy", device=torch.device("meta"))


def test_a_device_the_namespace_cannot_use_is_refused():
    pytest.importorskip("array_api_strict")
    with pytest.raises(ValueError, match="array_api_strict cannot create arrays on device='gpu7'"):
        backend.set_namespace("array_api_strict", device="gpu7")
    with pytest.raises(ValueError, match="NumPy computes on the CPU only"):
        backend.set_namespace("numpy", device="cuda")
    assert backend.is_numpy()


def test_a_device_that_holds_no_values_is_refused():
    # torch's "meta" device makes arrays of shapes only: it was taken, and fit failed inside a loss ("Tensor.item()
    # cannot be called on meta tensors"), predict with "Cannot copy out of meta tensor"
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="cannot read back arrays on device='meta', which hold no values"):
        backend.set_namespace("torch", device="meta")
    assert backend.is_numpy()


def test_fit_and_predict_take_the_namespaces_own_arrays_from_any_device(data):
    # e.g. torch tensors on a GPU: they are read through DLPack (or copied to the host)
    xp = pytest.importorskip("array_api_strict")
    X, y = data
    device = xp.Device("device1")
    reference = _train("numpy", _mlp, X, y, "sparse_categorical_crossentropy")
    with backend.namespace("array_api_strict", device=device):
        Xd, yd = xp.asarray(X, device=device), xp.asarray(y, device=device)
        with pytest.raises(RuntimeError):
            np.asarray(Xd)  # what a plain conversion does with an array off the CPU
        model = Sequential(_mlp(), seed=3, dtype="float64")
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(Xd, yd, epochs=2, batch_size=16, verbose=0)
        np.testing.assert_allclose(model.predict(Xd), reference["predict"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(model.evaluate(Xd, yd), reference["evaluate"], rtol=1e-10)
        # everything that reads arrays back to the host works off the CPU device too
        w = xp.ones(X.shape[0], dtype=xp.float64, device=device)
        model.fit(Xd, yd, epochs=1, verbose=0, validation_data=(Xd, yd, w), sample_weight=w)
        assert "δ" in str(model.trace(Xd[:2, ...], yd[:2]))
        assert glassnet.check_gradients(model, Xd[:4, ...], yd[:4]).passed()
        assert model.diagnose(Xd, yd).layers


def test_onnx_export_reads_the_weights_from_any_device(data, tmp_path):
    xp = pytest.importorskip("array_api_strict")
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    X, y = data
    device = xp.Device("device1")  # its arrays refuse a plain np.asarray
    with backend.namespace("array_api_strict", device=device):
        model = Sequential([layers.Dense(4, activation="relu", input_dim=5), layers.BatchNormalization(),
                            layers.Dense(2, activation="softmax")], seed=0)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(X, y, epochs=1, verbose=0)
        glassnet.onnx.export(model, tmp_path / "m.onnx")
        expected = model.predict(X)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    got = session.run(None, {session.get_inputs()[0].name: X.astype(np.float32)})[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_unshuffled_batches_train_in_the_namespace(namespace):
    # X[a:b] on a 2-D array is not in the standard (array-api-strict refused it): fit slices X[a:b, ...]
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, (20, 1)).astype(float)

    def build():
        return [layers.Dense(1, input_dim=3, activation="sigmoid")]

    reference = _train("numpy", build, X, y, "binary_crossentropy", shuffle=False, sample_weight=np.linspace(0, 1, 20))
    _same(reference, _train(namespace, build, X, y, "binary_crossentropy", shuffle=False,
                            sample_weight=np.linspace(0, 1, 20)))


def test_a_namespace_block_and_a_seeded_build_hold_for_their_own_thread():
    import threading

    pytest.importorskip("array_api_strict")
    inside, entered, leave = {}, threading.Event(), threading.Event()

    def worker():
        with backend.namespace("numpy"):
            entered.set()
            leave.wait(5)
            inside["worker"] = backend.namespace_name()

    backend.set_namespace("array_api_strict")
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        entered.wait(5)
        inside["main"] = backend.namespace_name()  # the worker's block switched the whole process before
        leave.set()
        thread.join()
        after = backend.namespace_name()
    finally:
        backend.set_namespace("numpy")
    assert inside == {"worker": "numpy", "main": "array_api_strict"} and after == "array_api_strict"

    # a seeded draw in one thread is not another thread's
    go, done = threading.Event(), threading.Event()
    blocking = {"on": False}

    def pausing(shape, dtype=None):
        if blocking["on"]:
            go.set()
            done.wait(5)
        return np.zeros(shape, dtype)

    def seeded_model():
        model = Sequential([layers.Input(shape=(4,)), layers.Dense(3, kernel_initializer=pausing), layers.Dense(3)],
                           seed=0)
        model.build()
        return model.get_weights()[2]

    reference = seeded_model()
    blocking["on"] = True
    out = {}

    def other():
        go.wait(5)
        Sequential([layers.Input(shape=(4,)), layers.Dense(50)]).build()  # unseeded: draws from the global generator
        done.set()

    a = threading.Thread(target=lambda: out.setdefault("a", seeded_model()))
    b = threading.Thread(target=other)
    a.start()
    b.start()
    a.join()
    b.join()
    np.testing.assert_array_equal(out["a"], reference)


@pytest.mark.parametrize("name, formula", [
    ("hinge", lambda s, a: np.maximum(1 - s * a, 0)),
    ("perceptron", lambda s, a: np.maximum(-s * a, 0)),
    ("log_loss", lambda s, a: np.log1p(np.exp(-s * a))),
    ("squared_hinge", lambda s, a: np.maximum(1 - s * a, 0) ** 2),
])
def test_hinge_type_losses_read_01_labels_of_the_namespace_as_minus_1_and_1(namespace, name, formula):
    # called directly on the namespace's arrays, 0/1 labels were left as they were (hinge 0.79, Keras 1.11)
    from glassnet import losses

    rng = np.random.default_rng(6)
    y01, a = np.eye(2)[rng.integers(0, 2, size=6)], rng.normal(size=(6, 2))
    w = np.array([1.0, 2.0, 0.0, 1.0, 3.0, 1.0])
    expected = formula(2 * y01 - 1, a).mean(axis=1)  # NumPy float64, labels −1/+1
    with backend.namespace(namespace):
        loss = losses.get(name)
        Y, A, W = backend.from_numpy(y01), backend.from_numpy(a), backend.from_numpy(w)
        assert float(loss(Y, A)) == pytest.approx(expected.mean(), rel=1e-12)
        assert float(loss(Y, A, sample_weight=W)) == pytest.approx((expected * w).mean(), rel=1e-12)
        assert float(type(loss)(reduction="sum")(Y, A)) == pytest.approx(expected.sum(), rel=1e-12)
        gradient = backend.to_numpy(loss.gradient(Y, A))
    np.testing.assert_allclose(gradient, loss.gradient(2 * y01 - 1, a), rtol=1e-12)


def test_metrics_take_the_namespace_s_sample_weights(namespace):
    # metrics count with NumPy; a torch sample_weight raised "sum() got an unexpected keyword argument 'axis'"
    from glassnet import metrics

    rng = np.random.default_rng(8)
    labels, P = rng.integers(0, 3, size=7), rng.random((7, 3))
    Y, w = np.eye(3)[labels], np.array([1.0, 2.0, 0.0, 1.0, 3.0, 1.0, 0.5])
    hit = (P.argmax(axis=1) == labels).astype(float)
    expected = {"categorical_accuracy": (hit * w).sum() / w.sum(),
                "mse": (((Y - P) ** 2).mean(axis=1) * w).sum() / w.sum(),
                "root_mean_squared_error": np.sqrt((((Y - P) ** 2).mean(axis=1) * w).sum() / w.sum())}
    with backend.namespace(namespace):
        for name, value in expected.items():
            metric = metrics.get(name)
            metric.update_state(backend.from_numpy(Y), backend.from_numpy(P), sample_weight=backend.from_numpy(w))
            assert float(metric.result()) == pytest.approx(value, rel=1e-12), name
        metric = metrics.get("sparse_categorical_accuracy")
        metric.update_state(backend.from_numpy(labels), backend.from_numpy(P), sample_weight=backend.from_numpy(w))
        assert float(metric.result()) == pytest.approx(expected["categorical_accuracy"], rel=1e-12)


@pytest.mark.parametrize("shape", [(6,), (4, 3, 2)])
@pytest.mark.parametrize("reduction", ["sum", None])
def test_losses_of_1d_and_3d_arrays_of_the_namespace_are_numpy_s(namespace, shape, reduction):
    # a vector is one row, (n, m, k) outputs n·m rows (Keras); on array-api-strict the
    # reshape to rows raised AttributeError ('Array' object has no attribute 'reshape')
    from glassnet import losses

    rng = np.random.default_rng(9)
    Y, A = rng.normal(size=shape), rng.normal(size=shape)
    per_row = ((Y - A) ** 2).mean(axis=-1)  # NumPy float64
    loss = losses.MeanSquaredError(reduction=reduction)
    with backend.namespace(namespace):
        value = loss(backend.from_numpy(Y), backend.from_numpy(A))
        gradient = None if reduction is None else backend.to_numpy(loss.gradient(backend.from_numpy(Y),
                                                                                 backend.from_numpy(A)))
    if reduction is None:
        np.testing.assert_allclose(backend.to_numpy(value), per_row, rtol=1e-12)
    else:
        assert float(value) == pytest.approx(per_row.sum(), rel=1e-12)
        np.testing.assert_allclose(gradient, 2 * (A - Y) / shape[-1], rtol=1e-12)


@pytest.mark.parametrize("given", ["list", "numpy int", "namespace int", "namespace bool"])
def test_a_loss_takes_targets_of_any_kind_against_the_namespace_s_outputs(namespace, given):
    # Keras converts y_true to y_pred's dtype; a list or int64 labels against torch or
    # array-api-strict outputs raised TypeErrors ("Cannot interpret 'torch.float64' as a data type")
    from glassnet import losses

    Y = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    P = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]])
    expected = {  # NumPy float64, by the formulas
        "categorical_crossentropy": -np.mean(np.sum(Y * np.log(P), axis=1)),
        "mse": np.mean((Y - P) ** 2),
        "hinge": np.mean(np.maximum(1 - (2 * Y - 1) * P, 0)),
    }
    with backend.namespace(namespace):
        for dtype in ("float64", "float32"):
            A = backend.from_numpy(P, dtype)
            targets = {"list": Y.tolist(), "numpy int": Y, "namespace int": backend.from_numpy(Y),
                       "namespace bool": backend.from_numpy(Y.astype(bool))}[given]
            for name, value in expected.items():
                loss = losses.get(name)
                assert float(loss(targets, A)) == pytest.approx(value, rel=1e-12 if dtype == "float64" else 1e-6), name
                assert backend.numpy_dtype(loss.gradient(targets, A)) == dtype
            labels = Y.argmax(axis=1)
            sparse = {"list": labels.tolist(), "numpy int": labels, "namespace int": backend.from_numpy(labels),
                      "namespace bool": backend.from_numpy(labels)}[given]
            assert float(losses.get("sparse_categorical_crossentropy")(sparse, A)) == pytest.approx(
                expected["categorical_crossentropy"], rel=1e-12 if dtype == "float64" else 1e-6)


def test_streams_of_numpy_batches_train_in_the_active_namespace(namespace):
    # fit moved arrays to the namespace once, but a stream's batches came as NumPy arrays, which
    # array-api-strict refused mid-step
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(48, 3)), rng.integers(0, 2, 48)

    def batches(passes=1):
        for _ in range(passes):
            for start in range(0, 48, 16):
                yield X[start:start + 16], y[start:start + 16]

    def build():
        return [layers.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(2, activation="softmax")]

    reference = _train("numpy", build, X, y, "sparse_categorical_crossentropy", shuffle=False)
    with backend.namespace(namespace):
        model = Sequential(build(), seed=3, dtype="float64")
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(batches(2), steps_per_epoch=3, epochs=2, verbose=0)
        evaluated = model.evaluate(batches())
        predicted = model.predict(batches())
    for u, v in zip(reference["weights"], model.get_weights()):
        np.testing.assert_allclose(v, u, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.history["loss"], reference["history"]["loss"], rtol=1e-10)
    np.testing.assert_allclose(evaluated, reference["evaluate"], rtol=1e-10)
    np.testing.assert_allclose(predicted, reference["predict"], rtol=1e-10, atol=1e-12)


def test_a_dropout_layer_called_on_its_own_drops_in_the_namespace(namespace):
    # a weightless layer called on its own keeps dtype None: its mask was drawn in np.dtype(None),
    # float64, and multiplying the float32 inputs by it failed on array-api-strict ("mismatched dtypes")
    X = np.ones((4, 50), dtype=np.float32)
    with backend.namespace(namespace):
        drop = layers.Dropout(0.5, seed=3)
        Y = backend.to_numpy(drop(X, training=True))
    assert Y.dtype == np.float32 and set(np.unique(Y)) == {0.0, 2.0}
    np.testing.assert_array_equal(Y, layers.Dropout(0.5, seed=3)(X, training=True))  # NumPy's mask


@pytest.mark.parametrize("make", [lambda: layers.Dense(3), layers.BatchNormalization, layers.LayerNormalization,
                                  layers.RMSNormalization, lambda: layers.GroupNormalization(5),
                                  lambda: layers.Normalization(mean=0.0, variance=1.0)])
def test_a_layer_called_in_another_namespace_than_it_was_built_in_says_so(namespace, make):
    # a model refuses this with a ValueError (_check_namespace); a layer called on its own raised
    # torch's "matmul(): argument 'other' must be Tensor, not numpy.ndarray" or, from NumPy,
    # AttributeError: module 'numpy' has no attribute 'numpy_dtype'
    X = np.random.default_rng(0).normal(size=(4, 5))
    built_here = make()
    built_here(X)
    with backend.namespace(namespace):
        built_there = make()
        built_there(X)
        with pytest.raises(ValueError, match=r"built with the array namespace numpy, but .* is active"):
            built_here(X)
    with pytest.raises(ValueError, match=f"built with the array namespace {namespace}, but numpy is active"):
        built_there(X)
    if built_there.weights:  # set_weights too (NumPy's AttributeError: no attribute 'numpy_dtype')
        with pytest.raises(ValueError, match=f"built with the array namespace {namespace}, but numpy is active"):
            built_there.set_weights(built_there.get_weights())
    assert built_here(X).shape[0] == 4  # and it still works where it was built


def test_set_weights_of_the_wrong_shape_names_the_expected_shape_as_a_tuple(namespace):
    with backend.namespace(namespace):
        layer = layers.Dense(3)
        layer(np.zeros((2, 5)))
        with pytest.raises(ValueError, match=r"has shape \(2, 2\); expected \(5, 3\)\.$"):  # not torch.Size([5, 3])
            layer.set_weights([np.zeros((2, 2)), np.zeros(3)])



@pytest.mark.parametrize("given", ["list", "numpy float64", "number", "namespace float64", "namespace int"])
def test_a_loss_takes_sample_weights_of_any_kind_against_the_namespace_s_outputs(namespace, given):
    # Keras casts sample_weight to y_pred's dtype; NumPy weights against float32 torch outputs made
    # the gradient a NumPy float64 array (torch's *= gave way to NumPy's product), and array-api-strict
    # refused NumPy weights and weights of another dtype with TypeErrors
    from glassnet import losses

    Y = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    P = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]])
    w = np.full(4, 2.0) if given == "number" else np.array([1.0, 2.0, 0.0, 3.0])
    J = -np.log(P[np.arange(4), Y.argmax(1)])  # NumPy float64, by the formulas
    expected = {"mse": np.mean(w * np.mean((P - Y) ** 2, axis=1)), "categorical_crossentropy": np.mean(w * J),
                "sparse, ignore_class=2": np.sum((w * J)[[0, 1, 3]]) / 3}
    with backend.namespace(namespace):
        weights = {"list": w.tolist(), "numpy float64": w, "number": 2.0, "namespace float64": backend.from_numpy(w),
                   "namespace int": backend.from_numpy(w.astype(int))}[given]
        for dtype in ("float32", "float64"):
            A, labels = backend.from_numpy(P, dtype), backend.from_numpy(Y.argmax(1))
            rtol = 1e-12 if dtype == "float64" else 1e-6
            for name, value in expected.items():
                loss = losses.SparseCategoricalCrossentropy(ignore_class=2) if name.startswith("sparse") \
                    else losses.get(name)
                targets = labels if name.startswith("sparse") else backend.from_numpy(Y, dtype)
                assert loss(targets, A, sample_weight=weights) == pytest.approx(value, rel=rtol), name
                g = loss.gradient(targets, A, sample_weight=weights)
                assert not isinstance(g, np.ndarray) and backend.numpy_dtype(g) == dtype, name
            g = backend.to_numpy(losses.get("mse").gradient(backend.from_numpy(Y, dtype), A, sample_weight=weights))
            np.testing.assert_allclose(g, w[:, None] * 2 * (P - Y) / 12, rtol=rtol)


@pytest.mark.parametrize("name", ["mse", "categorical_crossentropy", "binary_crossentropy", "hinge", "huber",
                                  "sparse_categorical_crossentropy"])
def test_a_loss_called_on_torch_tensors_while_numpy_is_active_computes_with_numpy(name):
    # activations and metrics take another library's arrays and compute with NumPy; the losses raised
    # torch's TypeErrors ("sum() got an unexpected keyword argument 'axis'", "unsupported operand type(s)")
    torch = pytest.importorskip("torch")
    from glassnet import losses

    Y = np.array([[0.0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
    P = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    y, p = (Y[:, 1:2], P[:, 1:2]) if name in ("binary_crossentropy", "hinge") else (Y, P)
    per_sample = {  # NumPy float64, by the formulas (Keras's; huber's delta 1: every |p − y| < 1 here)
        "mse": np.mean((p - y) ** 2, axis=1),
        "categorical_crossentropy": -np.sum(y * np.log(p), axis=1),
        "sparse_categorical_crossentropy": -np.sum(y * np.log(p), axis=1),
        "binary_crossentropy": -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=1),
        "hinge": np.mean(np.maximum(1 - (2 * y - 1) * p, 0), axis=1),
        "huber": np.mean(0.5 * (p - y) ** 2, axis=1),
    }[name]
    targets = torch.from_numpy(Y.argmax(axis=1) if name.startswith("sparse") else y)
    loss = losses.get(name)
    assert backend.is_numpy()
    assert loss(targets, torch.from_numpy(p)) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert loss(targets, torch.from_numpy(p), sample_weight=torch.from_numpy(w)) == pytest.approx(
        np.mean(w * per_sample), rel=1e-12)
    gradient = loss.gradient(targets, torch.from_numpy(p), sample_weight=torch.from_numpy(w))
    assert isinstance(gradient, np.ndarray)
    np.testing.assert_allclose(gradient, loss.gradient(targets.numpy(), p, sample_weight=w), rtol=1e-12)
    if name == "mse":
        np.testing.assert_allclose(gradient, w[:, None] * 2 * (p - y) / (4 * 3), rtol=1e-12)
    # negative weights are taken, as Keras's (REINFORCE's signed weights): the loss of -w is minus that of w
    assert loss(targets, torch.from_numpy(p), sample_weight=torch.from_numpy(-w)) == pytest.approx(
        -np.mean(w * per_sample), rel=1e-12)
    with pytest.raises(ValueError, match="sample_weight must hold finite weights"):  # as NumPy's
        loss(targets, torch.from_numpy(p), sample_weight=torch.from_numpy(np.where(w > w.min(), w, np.nan)))


def test_the_torch_module_itself_means_its_array_api_namespace(data):
    # set_namespace(torch) was taken as a namespace as it is, and fit failed deep inside
    # (torch.full: "argument 'size' must be tuple of ints, not int"; torch.take has no axis)
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    X, y = data
    with backend.namespace(torch):
        model = _softmax_classifier()
        model.fit(X, y, epochs=2, batch_size=16, verbose=0)
        assert backend.namespace_name() == "array_api_compat.torch"
    reference = _softmax_classifier()
    reference.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert isinstance(model.layers[0].params["W"], torch.Tensor)
    np.testing.assert_allclose(model.get_weights()[0], reference.get_weights()[0], rtol=1e-5, atol=1e-7)


def test_adam_keeps_float16_models_moments_in_float32_on_torch_too():
    # NumPy's float16 models keep the optimizer state in float32 (float16 moments underflow:
    # (1 − β₂) g² is 0 for |g| < 8e-3, and Adam's steps grow ~1800×); the test was
    # str(dtype) == "float16", never true of torch.float16, so on torch the loss went from 4e-4 to 2.3
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = X @ np.array([0.01, -0.02, 0.005, 0.0]) + 0.001
    results = {}
    for name in ("numpy", "torch"):
        with backend.namespace(name):
            model = Sequential([layers.Dense(1, input_dim=4, kernel_initializer="zeros")], seed=0, dtype="float16")
            model.compile(optimizer=optimizers.Adam(learning_rate=1e-3), loss="mse")
            history = model.fit(X, y, epochs=3, batch_size=64, verbose=0)
            assert backend.numpy_dtype(model.optimizer.state["v"]) == np.float32
            results[name] = model.get_weights()[0], history.history["loss"]
    # three Adam steps of lr·m̂/(√v̂ + ε) ≈ 1e-3 each, against the sign of the gradient (float64, by hand)
    g = 2 * X.T @ (0.0 - y) / 64
    np.testing.assert_allclose(results["torch"][0][:, 0], -3e-3 * np.sign(g), atol=6e-4)
    np.testing.assert_allclose(results["torch"][0], results["numpy"][0], atol=2e-5)
    assert results["torch"][1][-1] < results["torch"][1][0]


def test_a_float16_softmax_on_torch_is_computed_in_float32_as_on_numpy():
    # e^z overflows float16 above z = 11: NumPy's float16 softmax computes in float32, but the test
    # was isinstance(Z, np.ndarray), so torch's gave NaN for a logit of 15 (inf / inf)
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    W, b = np.array([[15.0, 2.0, -3.0], [1.0, 2.0, 3.0]]), np.zeros(3)
    Z = X @ W
    expected = np.exp(Z - Z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)  # float64, by the formula
    with backend.namespace("torch"):
        model = Sequential([layers.Dense(3, activation="softmax", input_dim=2)], seed=0, dtype="float16")
        model.set_weights([W, b])
        predicted = model.predict(X)
        called = backend.to_numpy(glassnet.activations.softmax(backend.from_numpy(Z, "float16")))
    assert predicted.dtype == np.float16
    np.testing.assert_allclose(predicted, expected, rtol=2e-3, atol=1e-6)
    np.testing.assert_allclose(called, expected, rtol=2e-3, atol=1e-6)


def test_float16_losses_on_torch_clip_and_sum_as_on_numpy():
    # the float16 guards of the losses (the clip ε at float16's resolution, since 1 − 1e-7 is 1 there;
    # sums of squares in float32, since float16 overflows at 65504) tested isinstance(A, np.ndarray):
    # on torch, binary cross-entropy of saturated outputs was NaN and its gradient inf, and the MSE of
    # 20000 rows with errors of 3 was inf
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    from glassnet import losses

    y, p = np.array([[0.0], [1.0], [1.0], [0.0]]), np.array([[1.0], [0.0], [1.0], [0.0]])
    # by the formula, with the outputs clipped to [ε, 1 − ε]: the value in float32, as Keras's (its 1 − 1e-7 is
    # 1 − 1.19e-7), the gradient in float16 at float16's resolution
    clipped = np.clip(p, 1e-7, float(np.float32(1 - 1e-7)))
    bce = -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))
    errors = np.full((20000, 2), 3.0)
    with backend.namespace("torch"):
        f16 = lambda a: backend.from_numpy(a, "float16")  # noqa: E731
        loss = losses.get("binary_crossentropy")
        assert loss(f16(y), f16(p)) == pytest.approx(bce, rel=2e-3)
        assert np.isfinite(backend.to_numpy(loss.gradient(f16(y), f16(p)))).all()
        for name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
            Yc, Pc = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [0.5, 0.5]])
            targets = backend.from_numpy(Yc.argmax(axis=1)) if name.startswith("sparse") else f16(Yc)
            expected = -np.mean(np.sum(Yc * np.log(np.clip(Pc, 1e-7, 1)), axis=1))  # computed in float32: ε 1e-7
            assert losses.get(name)(targets, f16(Pc)) == pytest.approx(expected, rel=2e-3), name
            assert np.isfinite(backend.to_numpy(losses.get(name).gradient(targets, f16(Pc)))).all(), name
        assert losses.get("mse")(f16(np.zeros((20000, 2))), f16(errors)) == pytest.approx(9.0, rel=1e-3)


@pytest.mark.parametrize("make", [lambda: layers.BatchNormalization(), lambda: layers.LayerNormalization(),
                                  lambda: layers.GroupNormalization(groups=2), lambda: layers.RMSNormalization(),
                                  lambda: layers.UnitNormalization()],
                         ids=["batch", "layer", "group", "rms", "unit"])
def test_float16_normalization_on_torch_computes_in_float32_as_on_numpy(make):
    # the float32 path tested isinstance(X, np.ndarray): on torch a float16 row [40000, 1, -3, 2] normalized
    # to zeros (its squares are inf in float16), and UnitNormalization of values near 1e-4 (whose squares
    # underflow) gave rows of norm 8 and gradients 11 times NumPy's
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    X = np.array([[40000.0, 1.0, -3.0, 2.0], [-1.0, 2.0, 0.5, -2.0], [3.0, -4.0, 1.0, 0.0],
                  [1e-4, -2e-4, 1e-4, 5e-5]])
    dY = np.linspace(-1.0, 1.0, X.size).reshape(X.shape)
    results = {}
    for name in ("numpy", "torch"):
        with backend.namespace(name):
            layer = make()
            model = Sequential([layers.Input((4,)), layer], seed=0, dtype="float16")
            layer.needs_input_gradient = True
            outputs = backend.to_numpy(layer.forward(backend.from_numpy(X, "float16"), training=True))
            dX = backend.to_numpy(layer.backward(backend.from_numpy(dY, "float16")))
            results[name] = outputs, dX, [backend.to_numpy(g) for g in layer.grads.values()]
            assert model.predict(X, verbose=0).dtype == np.float16
    for ours, ref in zip(results["torch"][:2], results["numpy"][:2]):
        assert ours.dtype == np.float16 and np.isfinite(ours).all()
        np.testing.assert_allclose(ours.astype(np.float64), ref.astype(np.float64), rtol=2e-3, atol=2e-3)
    for ours, ref in zip(results["torch"][2], results["numpy"][2]):
        np.testing.assert_allclose(ours.astype(np.float64), ref.astype(np.float64), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("kind", ["bfloat16", "float8_e4m3fn", "sparse", "meta"])
@pytest.mark.parametrize("active", ["numpy", "torch"])
def test_a_torch_tensor_numpy_cannot_read_is_a_type_error_naming_the_argument(kind, active):
    # bfloat16, float8, sparse and meta tensors reached torch's own errors from deep in the conversion
    # ("Got unsupported ScalarType BFloat16", "Cannot copy out of meta tensor")
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    if not hasattr(torch, kind) and kind not in ("sparse", "meta"):
        pytest.skip(f"this torch has no {kind}")

    def odd(shape):
        t = torch.ones(shape)
        return t.to_sparse() if kind == "sparse" else t.to("meta") if kind == "meta" else t.to(getattr(torch, kind))

    with backend.namespace(active):
        model = Sequential([layers.Dense(2, activation="softmax", input_dim=3)], seed=0)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        x, y, w = torch.ones((4, 3)), torch.zeros(4, dtype=torch.int64), torch.ones(4)
        calls = {"x": lambda: model.predict(odd((4, 3)), verbose=0), "y": lambda: model.fit(x, odd(4), verbose=0),
                 "sample_weight": lambda: model.fit(x, y, sample_weight=odd(4), verbose=0),
                 "validation_data[1]": lambda: model.fit(x, y, validation_data=(x, odd(4)), verbose=0)}
        for name, call in calls.items():
            with pytest.raises(TypeError, match=rf"^{re.escape(name)} must hold numbers NumPy can read .*Received a "
                                                r"torch array of dtype torch\.\w+.*Convert it first"):
                call()
        model.fit(x, y, sample_weight=w, verbose=0)  # readable tensors still train


def test_an_activation_reads_a_list_as_numpy_does_in_any_namespace(namespace):
    # under torch a list went through torch.asarray: float32, where NumPy (and the losses) read float64
    with backend.namespace(namespace):
        for name in ("sigmoid", "gelu", "softmax"):
            out = glassnet.activations.get(name)([0.1, 0.2, -3.0])
            assert isinstance(out, np.ndarray) and out.dtype == np.float64, name
            np.testing.assert_array_equal(out, glassnet.activations.get(name)(np.array([0.1, 0.2, -3.0])))
        assert glassnet.activations.sigmoid(0.1) == pytest.approx(1 / (1 + np.exp(-0.1)), rel=1e-15)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3, 2)), ((2, 3), (3,)), ((3,), (3, 4)),
                                    ((2, 2, 3), (3, 4)), ((2, 3), (4, 3, 5)), ((), (2, 3))])
def test_the_namespace_s_dot_is_numpy_s(namespace, shapes):
    # custom activations and losses are written with get_namespace(Z) (docs/api.md); its dot was
    # vdot, so a (2, 3)·(3, 2) matrix product came back as one number, the sum of all products
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    with backend.namespace(namespace) as xp:
        product = backend.to_numpy(xp.dot(backend.from_numpy(a), backend.from_numpy(b)))
    expected = np.einsum("...i,i->...", a, b) if b.ndim == 1 else a * b if a.ndim == 0 else \
        np.einsum("...i,kij->...kj", a, b.reshape(-1, *b.shape[-2:])).reshape(*a.shape[:-1], *b.shape[:-2], b.shape[-1])
    np.testing.assert_allclose(product, expected, rtol=1e-12)


def _count_host_reads(torch, monkeypatch):
    """A counter of the reads of a torch tensor's values into Python or NumPy (each one waits for the device)."""
    reads = []
    for name in ("__float__", "__bool__", "__int__", "item", "tolist", "numpy", "__array__", "__dlpack__"):
        original = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, lambda self, *a, _f=original, _n=name, **k: reads.append(_n) or _f(self, *a, **k))
    return reads


def test_a_softmax_on_torch_never_waits_for_the_device_and_is_numpy_s(monkeypatch):
    # the overflow test of the softmax read float(min(Z)) and float(max(Z)) into Python: two waits for
    # the device in every forward pass (a GPU's training step stalled twice on top of the loss)
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    Z = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    wide = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])  # e^1000 overflows: shifted by each row's maximum
    e = np.exp(Z)
    expected = e / e.sum(axis=1, keepdims=True)  # float64, by the formula
    expected_wide = np.array([[1.0, 0.0, 0.0], expected[0]])
    with backend.namespace("torch"):
        reads = _count_host_reads(torch, monkeypatch)
        A, A_wide = (glassnet.activations.softmax(backend.from_numpy(z)) for z in (Z, wide))
        assert reads == []
        monkeypatch.undo()
    np.testing.assert_allclose(backend.to_numpy(A), expected, rtol=1e-15)
    np.testing.assert_allclose(backend.to_numpy(A_wide), expected_wide, rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("optimizer, regularizer, per_step", [("sgd", None, 1), (optimizers.SGD(clipnorm=0.1), None, 1),
                                                              (optimizers.SGD(global_clipnorm=0.1), None, 1),
                                                              ("sgd", glassnet.regularizers.L1L2(0.01, 0.01), 2)])
def test_a_training_step_on_torch_reads_the_device_once_for_its_loss(monkeypatch, data, optimizer, regularizer,
                                                                        per_step):
    # the loss is a Python number (History, divergence checks): one read a step, one more for each
    # regularized weight (its penalty), and one an epoch for the finite check of the weights; the softmax
    # output added two reads a step, the clipping two a variable, a penalty three
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    X, y = data  # 64 samples: 4 steps an epoch
    with backend.namespace("torch"):
        model = Sequential([layers.Dense(2, activation="softmax", input_dim=5, kernel_regularizer=regularizer)], seed=0)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        model.fit(X, y, epochs=1, batch_size=16, verbose=0)  # (builds the buffers)
        reads = _count_host_reads(torch, monkeypatch)
        model.fit(X, y, epochs=2, batch_size=16, verbose=0)
        monkeypatch.undo()
    assert len(reads) <= 2 * 4 * per_step + 2, reads


@pytest.mark.parametrize("clip", ["clipnorm", "global_clipnorm"])
@pytest.mark.parametrize("g, expected", [([3.0, 4.0], [-0.6, -0.8]), ([0.3, 0.4], [-0.3, -0.4]), ([0.0, 0.0], [0.0, 0.0]),
                                         ([1e20, 1e20], [-0.70710677, -0.70710677])])  # (‖g‖² overflows float32)
def test_clipping_by_norm_in_the_namespace_is_numpy_s(namespace, clip, g, expected):
    # steps of SGD(1) from w = 0, by hand: g scaled to norm 1 where its norm is above 1
    with backend.namespace(namespace):
        w = backend.from_numpy(np.zeros(2), "float32")
        optimizers.SGD(1.0, **{clip: 1.0}).apply(w, backend.from_numpy(np.array(g), "float32"))
        w = backend.to_numpy(w)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w, expected, rtol=1e-6)


@pytest.mark.parametrize("clip", ["clipnorm", "global_clipnorm"])
def test_clipping_by_norm_on_torch_never_waits_for_the_device(monkeypatch, clip):
    # the norm was read into Python (float(max |g|), float(Σ g²)): two waits for the device per
    # variable in every training step
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    with backend.namespace("torch"):
        w, g = backend.from_numpy(np.zeros(4)), backend.from_numpy(np.array([3.0, 4.0, 0.3, 0.4]))
        optimizer = optimizers.SGD(1.0, **{clip: 1.0})
        optimizer.build(4, w.dtype, slices=[slice(0, 2), slice(2, 4)])
        reads = _count_host_reads(torch, monkeypatch)
        optimizer.apply(w, g)
        assert reads == []
        monkeypatch.undo()
    expected = [-0.6, -0.8, -0.3, -0.4] if clip == "clipnorm" else -np.array([3.0, 4.0, 0.3, 0.4]) / np.hypot(5, 0.5)
    np.testing.assert_allclose(backend.to_numpy(w), expected, rtol=1e-15)


@pytest.mark.parametrize("dtype", ["float32", np.float64, np.dtype("float16")])
def test_an_optimizer_is_built_from_a_dtype_name_in_any_namespace(namespace, dtype):
    # build(size, "float32") raised TypeError: no NumPy dtype for 'float32' on torch and
    # array-api-strict (the namespace's own dtype only), where NumPy builds it
    if namespace == "array_api_strict" and np.dtype(dtype) == np.float16:
        pytest.skip("array-api-strict has no float16")
    with backend.namespace(namespace):
        optimizer = optimizers.Adam()
        optimizer.build(3, dtype)
        m = optimizer.state["m"]
        assert not isinstance(m, np.ndarray)
        # float16 weights keep their moments in float32, as on NumPy
        assert backend.numpy_dtype(m) == (np.float32 if np.dtype(dtype) == np.float16 else np.dtype(dtype))
        np.testing.assert_array_equal(backend.to_numpy(m), np.zeros(3))


def test_weight_penalties_of_float16_torch_weights_are_summed_without_overflow():
    # ΣW of 30000 float16 weights of 3 is 90000, beyond float16's 65504: the penalty was inf on torch
    # (and so the loss of a regularized float16 model), where NumPy sums float16 in float64
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    W = np.full((200, 150), 3.0)
    with backend.namespace("torch"):
        W16 = backend.from_numpy(W, "float16")
        # by hand: 0.01 · 30000 · 3 and 0.01 · 30000 · 9
        assert glassnet.regularizers.L1(0.01)(W16) == 900.0
        assert glassnet.regularizers.L2(0.01)(W16) == 2700.0
        assert glassnet.regularizers.L1L2(0.01, 0.01)(W16) == 3600.0


@pytest.mark.parametrize("regularizer", [glassnet.regularizers.L1(0.01), glassnet.regularizers.L2(0.01),
                                         glassnet.regularizers.L1L2(0.01, 0.02)])
def test_a_weight_penalty_on_torch_reads_the_device_once(monkeypatch, regularizer):
    # Σ|W| and Σ W² were each read into Python (Σ W² twice: its row sums and its tail), three waits
    # for the device per regularized weight in every training step
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    W = np.random.default_rng(0).normal(size=(3000,))
    expected = regularizer.l1 * np.abs(W).sum() + regularizer.l2 * (W ** 2).sum()  # float64, by the formula
    with backend.namespace("torch"):
        Wt = backend.from_numpy(W)
        reads = _count_host_reads(torch, monkeypatch)
        penalty = regularizer(Wt)
        monkeypatch.undo()
    assert len(reads) == 1, reads
    assert isinstance(penalty, float)
    assert penalty == pytest.approx(expected, rel=1e-13)


class _SumOfSquares(glassnet.regularizers.Regularizer):
    """0.01 · Σ x², written as a user would: the namespace's own sum (a 0-d array, not a float)."""

    def __call__(self, x):
        return 0.01 * backend.get_namespace(x).sum(x ** 2)

    def gradient(self, W):
        return 0.02 * W


@pytest.mark.parametrize("name", ["numpy", *NAMESPACES])
def test_a_custom_penalty_returning_the_namespace_s_scalar_gives_float_losses(name):
    # the penalty joined the loss as it came: fit's history, evaluate and train_on_batch gave torch
    # tensors under torch (np.float32 under NumPy) where every other loss is a float
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 4)), rng.normal(size=(32, 2))
    with backend.namespace(name):
        model = Sequential([layers.Dense(2, input_dim=4, kernel_regularizer=_SumOfSquares(),
                                         activity_regularizer=_SumOfSquares())], seed=0)
        model.compile(optimizer="sgd", loss="mse")
        history = model.fit(X, y, batch_size=16, verbose=0)
        W, b = (backend.to_numpy(w) for w in model.get_weights())
        values = [*history.history["loss"], model.evaluate(X, y, verbose=0), model.train_on_batch(X, y),
                  *model.losses]
    assert all(type(value) is float for value in values), [type(value) for value in values]
    A = X @ W + b  # evaluate's loss by the formula, in float64, from the weights before train_on_batch
    assert values[1] == pytest.approx(((A - y) ** 2).mean() + 0.01 * (W ** 2).sum() + 0.01 * (A ** 2).sum() / 32,
                                      rel=1e-5)


def test_a_training_step_through_an_adapted_normalization_layer_reads_the_device_once(monkeypatch, data):
    # its check for statistics read the count into Python in every forward pass: two reads a step
    # on torch (one wait for the device more); an unadapted layer is still refused
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    X, y = data  # 64 samples: 4 steps an epoch
    with backend.namespace("torch"):
        with pytest.raises(ValueError, match="has no mean and variance yet"):
            Sequential([layers.Normalization(input_dim=5), layers.Dense(1)]).predict(X)
        model = Sequential([layers.Normalization(input_dim=5), layers.Dense(1)], seed=0)
        model.layers[0].adapt(X)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(X, y, epochs=1, batch_size=16, verbose=0)  # (builds the buffers)
        reads = _count_host_reads(torch, monkeypatch)
        model.fit(X, y, epochs=2, batch_size=16, verbose=0)
        monkeypatch.undo()
        normalized = backend.to_numpy(model.layers[0].forward(backend.from_numpy(X)))
    assert len(reads) <= 2 * 4 + 2, reads
    np.testing.assert_allclose(normalized, (X - X.mean(axis=0)) / X.std(axis=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [None, -1])
def test_dice_and_tversky_compute_in_the_namespace_as_in_numpy(namespace, axis):
    from glassnet import losses

    rng = np.random.default_rng(4)
    Y, P, w = (rng.random((5, 3)) > 0.5).astype(float), rng.uniform(0.05, 0.95, size=(5, 3)), rng.uniform(0, 2, 5)
    for loss in (losses.Dice(axis=axis), losses.Tversky(0.3, 0.8, "sum", axis=axis)):
        expected, grad = loss(Y, P, sample_weight=w), loss.gradient(Y, P, sample_weight=w)
        unreduced = losses.Tversky(0.3, 0.8, None, axis=axis)(Y, P, sample_weight=w)
        with backend.namespace(namespace):
            for dtype, rtol in (("float64", 1e-12), ("float32", 1e-5)):
                A, T = backend.from_numpy(P, dtype), backend.from_numpy(Y, dtype)
                for weights in (backend.from_numpy(w), w):
                    assert loss(T, A, sample_weight=weights) == pytest.approx(expected, rel=rtol)
                    g = loss.gradient(T, A, sample_weight=weights)
                    assert not isinstance(g, np.ndarray) and backend.numpy_dtype(g) == dtype
                    np.testing.assert_allclose(backend.to_numpy(g), grad, rtol=rtol, atol=1e-7)
                got = losses.Tversky(0.3, 0.8, None, axis=axis)(T, A, sample_weight=backend.from_numpy(w))
                np.testing.assert_allclose(backend.to_numpy(got), unreduced, rtol=rtol)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_in_another_namespace_is_numpy_s(namespace, mode):
    # its penalty and gradient are written with the namespace's functions, as L1L2's
    W = np.random.default_rng(0).normal(size=(5, 4))
    regularizer = glassnet.regularizers.OrthogonalRegularizer(0.3, mode)
    with backend.namespace(namespace):
        Wt = backend.from_numpy(W)
        penalty, gradient = regularizer(Wt), backend.to_numpy(regularizer.gradient(Wt))
    assert isinstance(penalty, float) and penalty == pytest.approx(regularizer(W), rel=1e-12)
    np.testing.assert_allclose(gradient, regularizer.gradient(W), rtol=1e-12, atol=1e-15)


def test_quiet_floats_ignores_every_error_for_its_block_and_its_thread_only():
    """Training loops run inside backend.quiet_floats(), where the sigmoid's errstate (at every layer and
    pass) is skipped (backend.floats_quiet()); outside, and in other threads, it is entered."""
    import threading
    import warnings

    sigmoid = glassnet.activations.Sigmoid()
    z = np.array([-1e4, 0.0], np.float32)  # e^{1e4} overflows
    before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from an overflow would raise
        with np.errstate(all="warn"):
            np.testing.assert_array_equal(sigmoid(z), [0.0, 0.5])  # its own errstate
            seen = {}
            with backend.quiet_floats():
                assert np.geterr() == {"divide": "ignore", "over": "ignore", "under": "ignore", "invalid": "ignore"}
                assert backend.floats_quiet()
                np.testing.assert_array_equal(sigmoid(z), [0.0, 0.5])
                thread = threading.Thread(target=lambda: seen.update(quiet=backend._QUIET.get(), out=sigmoid(z)))
                thread.start()
                thread.join()
            assert seen["quiet"] is False  # a thread started inside has its own (NumPy's state too)
            np.testing.assert_array_equal(seen["out"], [0.0, 0.5])
            assert not backend._QUIET.get() and np.geterr()["over"] == "warn"
            with pytest.raises(ZeroDivisionError), backend.quiet_floats():
                1 / 0  # an error leaves the block as it found things
            assert not backend._QUIET.get() and np.geterr()["over"] == "warn"
            assert not backend.floats_quiet()
            with pytest.warns(RuntimeWarning, match="overflow"):
                np.exp(np.float32(1e4))  # (outside, NumPy's own state is back)
    assert np.geterr() == before


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_matmul_is_numpys_matmul_bit_for_bit(dtype, rng):
    """backend.matmul hands float32/float64 arrays to ndarray.dot (the same BLAS call, without matmul's
    ufunc machinery): Dense's products, transposed and vector ones too, must be matmul's to the bit."""
    for n, k, p in [(4, 2, 1), (32, 784, 32), (7, 3, 5), (1, 5, 3)]:
        X, W, dZ = (rng.normal(size=shape).astype(dtype) for shape in [(n, k), (k, p), (n, p)])
        for a, b in [(X, W), (X.T, dZ), (np.ones(n, dtype), dZ), (dZ, W.T)]:
            out = np.empty(np.matmul(a, b).shape, dtype)
            assert backend.matmul(a, b, out) is out
            assert out.tobytes() == np.matmul(a, b).tobytes()
            assert backend.matmul(a, b, None).tobytes() == out.tobytes()
    # other dtypes than out's: matmul's casting (float64 products into a float32 buffer)
    X, W, out = rng.normal(size=(4, 2)), rng.normal(size=(2, 1)), np.empty((4, 1), np.float32)
    backend.matmul(X, W, out)
    np.testing.assert_array_equal(out, np.matmul(X, W).astype(np.float32))
