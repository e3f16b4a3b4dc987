"""Dense on samples of several axes (over the last, as Keras's) and LayerNormalization over several
axes: values and gradients against Keras 3.15 in float64, torch in float64 and finite differences,
one SGD step as Keras takes it, and every way a model is stored or exported."""

import numpy as np
import pytest

from glassnet import constraints, layers, optimizers, regularizers
from glassnet.gradcheck import check_gradients
from glassnet.models import Sequential, load_model
from test_mlp_layers import _keras_pass  # Keras's outputs and gradients of Σ dY ⊙ layer(X)


def _sequence_model(**dense):
    """(5, 4) samples → Dense over the last axis → LayerNormalization over both sample axes → Flatten → Dense."""
    return Sequential([layers.Input((5, 4)), layers.Dense(3, activation="tanh", **dense),
                       layers.LayerNormalization(axis=[1, 2], gamma_initializer="random_normal",
                                                 beta_initializer="random_normal"),
                       layers.Flatten(), layers.Dense(2, activation="softmax")], seed=0, dtype="float64")


# -- Dense over the last axis ---------------------------------------------------------------
def test_dense_acts_on_the_last_axis_of_each_sample():
    X = np.random.default_rng(0).normal(size=(2, 5, 4))
    model = Sequential([layers.Input((5, 4)), layers.Dense(3, activation="relu")], seed=0, dtype="float64")
    W, b = model.get_weights()
    np.testing.assert_allclose(model.predict(X), np.maximum(np.einsum("nti,iu->ntu", X, W) + b, 0), rtol=0, atol=1e-15)
    assert model.output_shape == (None, 5, 3) and model.count_params() == 4 * 3 + 3
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    assert any("(None, 5, 3)" in line and line.rstrip().endswith("15") for line in lines), lines


@pytest.mark.parametrize("dense", [{}, {"use_bias": False},
                                   {"kernel_regularizer": regularizers.L1L2(0.01, 0.1), "bias_regularizer": "l2"}])
def test_dense_on_sequences_passes_the_gradient_check(dense):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(6, 5, 4)), np.eye(2)[rng.integers(0, 2, 6)]
    model = _sequence_model(**dense)
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    result = check_gradients(model, X, y)
    assert result.max_error < 1e-6, result


def test_dense_on_sequences_trains_and_keeps_its_constraint():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(64, 5, 4))
    y = np.eye(2)[(X[:, :, 0].sum(axis=1) > 0).astype(int)]
    model = _sequence_model(kernel_constraint=constraints.MaxNorm(0.5))
    model.compile(loss="categorical_crossentropy", optimizer=optimizers.Adam(0.01))
    history = model.fit(X, y, epochs=30, batch_size=16, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]
    assert np.linalg.norm(model.layers[0].kernel, axis=0).max() <= 0.5 + 1e-12


def test_dense_on_sequences_gives_the_same_steps_compiled():
    pytest.importorskip("numba", reason="the compiled loops need numba")
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(64, 40, 16)).astype(np.float32), rng.normal(size=(64, 1)).astype(np.float32)

    def trained(jit):
        model = Sequential([layers.Input((40, 16)), layers.Dense(32, activation="relu"), layers.Flatten(),
                            layers.Dense(1)], seed=0)
        model.compile(loss="mse", optimizer="sgd", jit_compile=jit)
        model.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
        return model.get_weights()

    for plain, compiled in zip(trained(False), trained(True)):
        np.testing.assert_allclose(compiled, plain, rtol=1e-5, atol=1e-6)


def test_dense_forward_and_one_sgd_step_equal_keras_in_float64(keras_x64):
    keras, _ = keras_x64
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(8, 5, 4)), np.eye(2)[rng.integers(0, 2, 8)]
    theirs = keras.Sequential([keras.Input((5, 4), dtype="float64"),
                               keras.layers.Dense(3, activation="relu", kernel_regularizer=keras.regularizers.L2(0.1),
                                                  bias_initializer="random_normal", dtype="float64"),
                               keras.layers.Flatten(dtype="float64"),
                               keras.layers.Dense(2, activation="softmax", dtype="float64")])
    ours = Sequential([layers.Input((5, 4)), layers.Dense(3, activation="relu", kernel_regularizer=regularizers.L2(0.1)),
                       layers.Flatten(), layers.Dense(2, activation="softmax")], dtype="float64")
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(X), np.asarray(theirs(X)), rtol=0, atol=1e-14)
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss=keras.losses.CategoricalCrossentropy(dtype="float64"))
    ours.compile(optimizer=optimizers.SGD(0.5), loss="categorical_crossentropy")
    theirs.train_on_batch(X, y)
    ours.train_on_batch(X, y)
    for mine, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=0, atol=1e-13)


# -- LayerNormalization over several axes ---------------------------------------------------
CASES = [((4, 5), [1, 2]), ((4, 5), [-2, -1]), ((3, 4, 5), [1, 3]), ((3, 4, 5), [-1, 1]), ((4, 5), 1),
         ((3, 4, 5), (2, 3))]


@pytest.mark.parametrize("shape, axis", CASES)
def test_layer_normalization_over_several_axes_equals_keras(keras_x64, shape, axis):
    keras, jax = keras_x64
    rng = np.random.default_rng(5)
    X, dY = rng.normal(size=(6, *shape)) * 3 + 1, rng.normal(size=(6, *shape))
    theirs = keras.layers.LayerNormalization(axis=axis, gamma_initializer="random_normal",
                                             beta_initializer="random_normal", dtype="float64")
    theirs(X)
    ours = layers.LayerNormalization(axis=axis, dtype="float64")
    ours(X)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    Y, dX, dW = _keras_pass(jax, theirs, X, dY)
    # Keras 3.15 normalizes float64 in float32 (its result_type(float64, "float32") is float32): 1e-6
    np.testing.assert_allclose(ours.forward(X, training=True), Y, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.backward(dY), dX, rtol=0, atol=1e-6)
    for key, expected in zip(ours.weight_names, dW):
        np.testing.assert_allclose(ours.grads[key], expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("shape, axis", CASES)
def test_layer_normalization_over_several_axes_equals_torch_in_float64(shape, axis):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    X, dY = rng.normal(size=(6, *shape)) * 3 + 1, rng.normal(size=(6, *shape))
    ours = layers.LayerNormalization(axis=axis, epsilon=1e-3, dtype="float64")
    ours(X)
    gamma, beta = (rng.normal(size=w.shape) for w in ours.get_weights())
    ours.set_weights([gamma, beta])
    # torch normalizes the last axes: move the normalized ones there (in order), γ and β as Keras lays them out
    n_dims = X.ndim
    given = sorted(axis) if isinstance(axis, (list, tuple)) else [axis]
    axes = sorted(a % n_dims for a in given)
    order = [a for a in range(n_dims) if a not in axes] + axes
    x = torch.tensor(X, requires_grad=True)
    moved = x.permute(*order)
    kept = [X.shape[a] for a in axes]
    g = torch.tensor(gamma.reshape(kept), requires_grad=True)
    b = torch.tensor(beta.reshape(kept), requires_grad=True)
    y = torch.nn.functional.layer_norm(moved, kept, g, b, eps=1e-3).permute(*np.argsort(order))
    (y * torch.tensor(dY)).sum().backward()
    np.testing.assert_allclose(ours.forward(X, training=True), y.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.backward(dY), x.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.grads["gamma"], g.grad.numpy().reshape(gamma.shape), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.grads["beta"], b.grad.numpy().reshape(beta.shape), rtol=0, atol=1e-12)


def test_layer_normalization_over_several_axes_passes_the_gradient_check_with_regularizers():
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(5, 3, 4, 2)), rng.normal(size=(5, 1))
    model = Sequential([layers.Input((3, 4, 2)), layers.Dense(3),
                        layers.LayerNormalization(axis=[1, 3], gamma_regularizer="l2", beta_regularizer="l1",
                                                  gamma_initializer="random_normal", beta_initializer="random_normal"),
                        layers.Flatten(), layers.Dense(1)], seed=0, dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    assert model.layers[1].gamma.shape == (3, 3)
    result = check_gradients(model, X, y)
    assert result.max_error < 1e-6, result


def test_layer_normalization_axes_survive_the_config_and_bad_axes_are_named():
    layer = layers.LayerNormalization(axis=(-2, -1))
    assert layer.get_config()["axis"] == [-2, -1]
    assert layers.deserialize(layers.serialize(layer)).axis == [-2, -1]
    assert layers.LayerNormalization(axis=2).get_config()["axis"] == 2
    with pytest.raises(ValueError, match=r"axis 0 is the batch axis"):
        layers.LayerNormalization(axis=[0, 1])
    with pytest.raises(ValueError, match=r"axis \[1, 3\] is out of range for inputs of shape \(None, 4, 5\)"):
        Sequential([layers.Input((4, 5)), layers.LayerNormalization(axis=[1, 3])])


# -- files and exports ----------------------------------------------------------------------
def _trained_sequence_model():
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(12, 5, 4)), np.eye(2)[rng.integers(0, 2, 12)]
    model = _sequence_model(kernel_regularizer="l2")
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.fit(X, y, epochs=2, verbose=0)
    return model, X


def test_sequence_models_survive_glassnet_and_keras_weights_files(tmp_path):
    model, X = _trained_sequence_model()
    model.save(tmp_path / "m.gn")
    np.testing.assert_array_equal(load_model(tmp_path / "m.gn").predict(X), model.predict(X))
    pytest.importorskip("h5py")
    model.save_weights(tmp_path / "m.weights.h5")
    fresh = _sequence_model()
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(fresh.predict(X), model.predict(X))


def test_sequence_models_export_to_keras_files_keras_loads(keras_x64, tmp_path):
    keras, _ = keras_x64
    pytest.importorskip("h5py")
    model, X = _trained_sequence_model()
    model.export(tmp_path / "m.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert list(theirs.layers[1].gamma.shape) == [5, 3]
    np.testing.assert_allclose(np.asarray(theirs(X)), model.predict(X), rtol=0, atol=1e-6)  # (float32 statistics)
    theirs.save(tmp_path / "back.keras")
    np.testing.assert_allclose(load_model(tmp_path / "back.keras").predict(X), model.predict(X), rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [[1, 2], [1, 3], -1])
def test_sequence_models_export_to_onnx(tmp_path, dtype, axis):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    rng = np.random.default_rng(9)
    X = rng.normal(size=(7, 3, 4, 5)).astype(dtype)
    for use_bias in (True, False):
        model = Sequential([layers.Input((3, 4, 5)), layers.Dense(6, activation="relu", use_bias=use_bias),
                            layers.LayerNormalization(axis=axis, gamma_initializer="random_normal",
                                                      beta_initializer="random_normal"),
                            layers.Dense(2, activation="softmax")], seed=0, dtype=dtype)
        path = export(model, tmp_path / "m.onnx")
        out = ort.InferenceSession(str(path)).run(None, {"input": X})[0]
        assert out.shape == (7, 3, 4, 2)
        np.testing.assert_allclose(out, model.predict(X), rtol=0, atol=1e-6 if dtype == "float32" else 1e-14)
