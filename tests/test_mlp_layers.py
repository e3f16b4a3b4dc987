"""Keras's PReLU, AlphaDropout, Identity, UnitNormalization and ActivityRegularization: values and gradients against
Keras 3.15 in float64, finite differences, AlphaDropout's moments, and every way a model is
stored or exported (glassnet files, Keras .keras files, ONNX)."""

import numpy as np
import pytest

import glassnet

from glassnet import layers
from glassnet.gradcheck import check_gradients
from glassnet.models import Sequential, load_model


def _model(dtype="float64", **prelu):
    return Sequential([layers.Input(shape=(4,)), layers.Dense(5),
                       layers.PReLU(alpha_initializer="random_normal", **prelu), layers.AlphaDropout(0.3, seed=2),
                       layers.UnitNormalization(), layers.Identity(), layers.ActivityRegularization(l1=1e-3, l2=1e-2),
                       layers.Dense(1, activation="sigmoid")],
                      seed=0, dtype=dtype)


# -- hand-worked values and gradients ------------------------------------------------------
def test_prelu_is_x_above_zero_and_alpha_x_below_with_its_gradients():
    layer = layers.PReLU()
    X = np.array([[2.0, -1.0, 0.0], [-3.0, 0.5, -0.5]])
    layer(X)
    layer.set_weights([np.array([0.1, 0.2, 0.3])])
    np.testing.assert_allclose(layer.forward(X, training=True), [[2.0, -0.2, 0.0], [-0.3, 0.5, -0.15]])
    dX = layer.backward(np.ones_like(X))
    np.testing.assert_allclose(dX, [[1.0, 0.2, 0.0], [0.1, 1.0, 0.3]])  # slope 0 at x = 0, as Keras's relu
    np.testing.assert_allclose(layer.grads["alpha"], [-3.0, -1.0, -0.5])  # Σ min(x, 0)
    # ±inf as Keras 3.15's relu(x) − α·relu(−x) gives them (x − x·[x < 0] + α·x·[x < 0] made both NaN)
    layer.set_weights([np.array([1.0, 0.25, 0.1])])
    np.testing.assert_array_equal(layer(np.array([[np.inf, -np.inf, -2.0]])), np.float32([[np.inf, -np.inf, -0.2]]))


def test_prelu_shares_alpha_along_shared_axes_and_counts_its_weights():
    layer = layers.PReLU(shared_axes=[1])
    layer.build((3, 4))
    assert layer.get_weights()[0].shape == (1, 4) and layer.count_params() == 4
    assert layers.PReLU().count_weights((3, 4)) == 12
    with pytest.raises(ValueError, match=r"shared_axes must name axes 1 to 2 of inputs of shape \(None, 3, 4\)"):
        layers.PReLU(shared_axes=3).build((3, 4))  # (the inputs' shape, not α's: it said (None, 3, 1))
    with pytest.raises(ValueError, match="shared_axes must be None, a positive integer"):
        layers.PReLU(shared_axes=0)


def test_unit_normalization_divides_by_the_norm_and_bounds_it_by_epsilon():
    layer = layers.UnitNormalization()
    X = np.array([[3.0, 4.0], [0.0, 0.0], [1e-14, 0.0]])
    np.testing.assert_allclose(layer(X), [[0.6, 0.8], [0.0, 0.0], [1e-2, 0.0]])  # Keras: x · min(1/‖x‖, 1e12)
    layer.forward(X, training=True)
    dX = layer.backward(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]]))
    # (I − y yᵀ)/‖x‖: [1 − 0.36, −0.48]/5; where bounded, dY · 1e12
    np.testing.assert_allclose(dX, [[0.64 / 5, -0.48 / 5], [1e12, 1e12], [1e12, 1e12]])
    with pytest.raises(ValueError, match="axis must name axes 1 to 1"):
        layers.UnitNormalization(axis=0)(X)
    with pytest.raises(TypeError, match="expected an int or a list/tuple of ints"):
        layers.UnitNormalization(axis="last")


def test_unit_normalization_keeps_a_zero_sample_zero_in_float16():
    # 1/ε = 1e12 is inf in float16: a zero row gave 0 · inf = NaN (a PReLU before it, α = 0 at first, makes
    # such rows, and fit stopped as diverged at the first batch); the bound is now float16's largest, 65504
    model = Sequential([layers.Input((3,)), layers.UnitNormalization()], dtype="float16")
    X = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]], dtype=np.float16)
    Y = model.predict(X, verbose=0)
    np.testing.assert_array_equal(Y[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(Y[1], [1 / 3, 2 / 3, 2 / 3], atol=1e-3)  # ‖(1, 2, 2)‖ = 3


def test_unit_normalization_of_tiny_float16_samples_matches_float64():
    # float16 squares underflow below |x| ≈ 2.4e-4 (a row of 1e-4s had a norm of 0 and came out · 65504, not unit)
    X = np.array([[1e-4, 2e-4, 2e-4], [3e-5, -4e-5, 0.0], [1e-6, 0.0, 0.0], [3e4, 4e4, 0.0], [0.0, 0.0, 0.0]],
                 dtype=np.float16)
    half, full = layers.UnitNormalization(), layers.UnitNormalization()
    Y = half.forward(X, training=True)
    expected = full.forward(X.astype(np.float64), training=True)
    assert Y.dtype == np.float16
    np.testing.assert_allclose(Y, expected, rtol=1e-3, atol=0)
    dY = np.array([[1.0, -0.5, 0.25]] * 5, dtype=np.float16)
    dX, reference = half.backward(dY), full.backward(dY.astype(np.float64))
    assert dX.dtype == np.float16
    np.testing.assert_allclose(dX[:2], reference[:2], rtol=2e-3, atol=1e-3 * np.abs(reference[:2]).max())
    np.testing.assert_allclose(dX[3], reference[3], rtol=2e-3, atol=1e-8)
    # below ‖x‖ = 1/65504 the float16 gradient's factor is capped at 65504 (float16's largest): finite
    np.testing.assert_array_equal(dX[4], np.float16(65504) * dY[4])
    assert np.isfinite(dX).all()


def test_unit_normalization_after_a_prelu_trains_in_float16():
    # PReLU's α starts at 0, so rows of negative inputs reach UnitNormalization as zeros: their gradient
    # (dY · 1e12) must stay finite in float16, or fit stops as diverged at the first batch
    rng = np.random.default_rng(0)
    X = -np.abs(rng.normal(size=(64, 3))).astype(np.float16)
    X[::2] *= -1
    y = (X[:, 0] > 0).astype(np.float16)
    model = Sequential([layers.Input((3,)), layers.Dense(3), layers.PReLU(), layers.UnitNormalization(),
                        layers.Dense(1, activation="sigmoid")], dtype="float16", seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    history = model.fit(X, y, epochs=3, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 3 and np.isfinite(history.history["loss"]).all()


def test_identity_passes_values_and_gradients_through():
    layer = layers.Identity()
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(layer(X), X)
    np.testing.assert_array_equal(layer.backward(X), X)
    assert layer.count_params() == 0 and layer.get_config()["name"] is None


def test_every_new_layer_passes_the_gradient_check_and_prelu_alpha_trains(rng):
    X, y = rng.normal(size=(6, 4)), rng.integers(0, 2, size=(6, 1)).astype(float)
    model = _model(alpha_regularizer="l2")
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    result = check_gradients(model, X, y)
    assert result.max_error < 1e-6, result  # alpha among the tensors checked
    assert any("alpha" in name for name in result.errors)
    before = model.layers[1].get_weights()[0]
    model.fit(X, y, epochs=3, verbose=0)
    assert np.abs(model.layers[1].get_weights()[0] - before).max() > 1e-4


def test_prelu_alpha_is_trainable_and_frozen_like_other_weights():
    model = _model()
    model.build()
    prelu = model.layers[1]
    assert [w.shape for w in prelu.trainable_weights] == [(5,)] and prelu.non_trainable_weights == []
    assert model.count_params() == 4 * 5 + 5 + 5 + 5 + 1
    prelu.trainable = False
    assert prelu.trainable_weights == [] and len(prelu.non_trainable_weights) == 1


# -- AlphaDropout --------------------------------------------------------------------------
def test_alpha_dropout_keeps_the_mean_and_variance_of_selu_activations():
    rng = np.random.default_rng(0)
    scale, alpha = layers.AlphaDropout.SCALE, layers.AlphaDropout.ALPHA
    Z = rng.normal(size=(400_000, 5))
    A = scale * np.where(Z > 0, Z, alpha * np.expm1(Z))  # SELU of N(0, 1): mean 0, variance 1
    Y = layers.AlphaDropout(0.2, seed=1, dtype="float64")(A, training=True)
    assert abs(A.mean()) < 0.01 and abs(A.var() - 1) < 0.01
    assert abs(Y.mean() - A.mean()) < 0.01 and abs(Y.var() - A.var()) < 0.01
    np.testing.assert_array_equal(layers.AlphaDropout(0.2, seed=1, dtype="float64")(A[:10]), A[:10])  # inference: identity


def test_alpha_dropout_is_keras_s_affine_map_of_the_kept_inputs():
    layer = layers.AlphaDropout(0.25, seed=3, dtype="float64")
    X = np.random.default_rng(1).normal(size=(50, 4))
    Y = layer(X, training=True)
    a, b, alpha_p = layer.affine
    assert alpha_p == pytest.approx(-1.7580993408473766)
    assert a == pytest.approx(((1 - 0.25) * (1 + 0.25 * alpha_p**2)) ** -0.5, rel=1e-15)
    dropped = np.isclose(Y, a * alpha_p + b, rtol=0, atol=1e-12)
    assert 0.1 < dropped.mean() < 0.4
    np.testing.assert_allclose(Y[~dropped], a * X[~dropped] + b, rtol=0, atol=1e-14)
    # the same seed draws the same mask; the mask is a·k, the backward pass's factor
    again = layers.AlphaDropout(0.25, seed=3, dtype="float64")
    again(X)  # built; inference draws nothing
    np.testing.assert_array_equal(again.forward(X, training=True), Y)
    np.testing.assert_allclose(again.backward(np.ones_like(X)), np.where(dropped, 0.0, a))


def test_alpha_dropout_noise_shape_shares_the_draw():
    layer = layers.AlphaDropout(0.5, noise_shape=(None, 1), seed=0)
    Y = layer(np.ones((200, 3)), training=True)
    assert np.all(Y == Y[:, :1])
    with pytest.raises(ValueError, match="noise_shape"):
        layers.AlphaDropout(0.5, noise_shape=(None, 2))(np.ones((2, 3)), training=True)


# -- files and exports ---------------------------------------------------------------------
def test_the_new_layers_survive_a_glassnet_file(tmp_path, rng):
    model = _model(alpha_regularizer="l1", alpha_constraint="non_neg", shared_axes=None)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    X = rng.normal(size=(8, 4))
    model.fit(X, rng.integers(0, 2, size=(8, 1)).astype(float), epochs=1, verbose=0)
    path = tmp_path / "m.glassnet.npz"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    prelu = loaded.layers[1]
    assert type(prelu.alpha_regularizer).__name__ == "L1" and type(prelu.alpha_constraint).__name__ == "NonNeg"
    assert loaded.layers[2].get_config()["rate"] == 0.3 and loaded.layers[2].seed == 2
    assert loaded.layers[5].l1 == 1e-3 and loaded.layers[5].l2 == 1e-2


def test_unit_normalization_keeps_its_axes_in_its_config():
    layer = layers.UnitNormalization(axis=[1, 2])
    assert layer.get_config()["axis"] == [1, 2]
    assert layers.deserialize(layers.serialize(layer)).axis == [1, 2]


def test_onnx_export_equals_predict(tmp_path, rng):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    X = rng.normal(size=(9, 4))
    X[0] = 0.0  # a zero row: UnitNormalization's bound
    for dtype, tol in (("float64", 1e-14), ("float32", 1e-6)):
        model = _model(dtype)
        path = tmp_path / f"m_{dtype}.onnx"
        export(model, path)
        out = ort.InferenceSession(str(path)).run(None, {"input": X.astype(dtype)})[0]
        np.testing.assert_allclose(out, model.predict(X.astype(dtype)), atol=tol)


# -- Keras 3.15 in float64 -----------------------------------------------------------------
def _keras_pass(jax, layer, X, dY):
    """Keras's outputs, input gradient and weight gradients of ``Σ dY ⊙ layer(X)``."""
    weights = [v.value for v in layer.trainable_variables]

    def objective(x, ws):
        return (layer.stateless_call(ws, [], x)[0] * dY).sum()

    dX, dW = jax.grad(objective, argnums=(0, 1))(X, weights)
    return np.asarray(layer(X)), np.asarray(dX), [np.asarray(w) for w in dW]


@pytest.mark.parametrize("case", ["prelu", "prelu_shared", "unit", "unit_axes", "identity"])
def test_values_and_gradients_equal_keras_in_float64(keras_x64, case):
    keras, jax = keras_x64
    rng = np.random.default_rng(7)
    shape = (6, 3, 4) if case in ("prelu_shared", "unit_axes") else (6, 4)
    X, dY = rng.normal(size=shape), rng.normal(size=shape)
    X[0, 0] = 0.0
    random = keras.initializers.RandomNormal(seed=1)
    theirs, ours = {
        "prelu": (keras.layers.PReLU(alpha_initializer=random, dtype="float64"), layers.PReLU()),
        "prelu_shared": (keras.layers.PReLU(alpha_initializer=random, shared_axes=[1], dtype="float64"),
                         layers.PReLU(shared_axes=1)),
        "unit": (keras.layers.UnitNormalization(dtype="float64"), layers.UnitNormalization()),
        "unit_axes": (keras.layers.UnitNormalization(axis=[1, 2], dtype="float64"),
                      layers.UnitNormalization(axis=[1, 2])),
        "identity": (keras.layers.Identity(dtype="float64"), layers.Identity()),
    }[case]
    theirs(X)
    ours.dtype = "float64"
    ours(X)
    ours.set_weights(theirs.get_weights())
    Y, dX, dW = _keras_pass(jax, theirs, X, dY)
    np.testing.assert_allclose(ours.forward(X, training=True), Y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.backward(dY), dX, rtol=0, atol=1e-12)
    for key, expected in zip(ours.weight_names, dW):
        np.testing.assert_allclose(ours.grads[key], expected, rtol=0, atol=1e-12)


def test_alpha_dropout_equals_keras_given_keras_s_mask(keras_x64):
    keras, _ = keras_x64
    X = np.random.default_rng(3).normal(size=(40, 5))
    theirs = keras.layers.AlphaDropout(0.3, seed=4, dtype="float64")
    Y = np.asarray(theirs(X, training=True))
    ours = layers.AlphaDropout(0.3, dtype="float64")
    a, b, alpha_p = ours.affine
    kept = ~np.isclose(Y, a * alpha_p + b, rtol=0, atol=1e-12)
    ours(X)
    ours.fixed_mask = a * kept
    np.testing.assert_allclose(ours.forward(X, training=True), Y, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(theirs(X)), ours(X))


def test_keras_files_round_trip_with_keras(keras_x64, tmp_path):
    keras, _ = keras_x64
    pytest.importorskip("h5py")
    X = np.random.default_rng(5).normal(size=(10, 4))
    model = _model(shared_axes=None)
    path = tmp_path / "ours.keras"
    model.export(path, format="keras")
    theirs = keras.saving.load_model(path)
    assert [type(layer).__name__ for layer in theirs.layers] == [type(layer).__name__ for layer in model.layers]
    np.testing.assert_allclose(np.asarray(theirs(X)), model.predict(X), rtol=0, atol=1e-12)
    back = tmp_path / "theirs.keras"
    theirs.save(back)
    loaded = load_model(back)
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=0, atol=1e-12)


# -- ActivityRegularization ----------------------------------------------------------------
def _regularized_model():
    return Sequential([layers.Input(shape=(3,)), layers.Dense(4, activation="tanh"),
                       layers.ActivityRegularization(l1=0.01, l2=0.03), layers.Dense(1)], seed=1, dtype="float64")


def test_activity_regularization_adds_its_penalty_of_each_batch_to_the_loss(rng):
    model = _regularized_model()
    model.compile(loss="mse", optimizer="sgd")
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    A = model(X, training=True)
    H = model.layers[0].forward(X)  # the activations the layer sees
    penalty = (0.01 * np.abs(H).sum() + 0.03 * (H**2).sum()) / 8  # divided by the batch size, as Keras
    assert model.losses == [pytest.approx(penalty, rel=1e-14)]  # after a direct call, as Keras lists it
    data_loss = np.mean((A - y) ** 2)
    assert model.compute_loss(y=y, y_pred=A) == pytest.approx(data_loss + penalty, rel=1e-14)
    # evaluate: each batch's own penalty, weighted by its size
    halves = [(X[:4], y[:4]), (X[4:], y[4:])]
    expected = np.mean([model.compute_loss(y=yb, y_pred=model.forward(xb)) for xb, yb in halves])
    assert model.evaluate(X, y, batch_size=4) == pytest.approx(expected, rel=1e-12)
    result = check_gradients(model, X, y)
    assert result.max_error < 1e-6, result
    np.testing.assert_array_equal(layers.ActivityRegularization(l1=1.0)(X), X.astype(np.float32))


def test_activity_regularization_penalty_and_gradient_equal_keras(keras_x64):
    keras, jax = keras_x64
    X = np.random.default_rng(2).normal(size=(6, 4))
    X[0, 0] = 0.0
    theirs = keras.layers.ActivityRegularization(l1=0.02, l2=0.05, dtype="float64")
    theirs(X)
    keras_penalty = float(theirs.losses[0])
    ours = layers.ActivityRegularization(l1=0.02, l2=0.05, dtype="float64")
    ours(X)
    assert ours.losses == [pytest.approx(keras_penalty, rel=1e-13)]
    # Keras's gradient of the penalty it adds: regularizer(x)/batch size; a model's pass keeps the
    # output and adds the penalty's gradient to the one from above before the layer's backward
    keras_grad = jax.grad(lambda x: theirs.activity_regularizer(x) / x.shape[0])(X)
    dY = np.random.default_rng(3).normal(size=X.shape)
    ours.keep_activity(ours.forward(X, training=True))
    dX = ours.backward(ours.add_activity_gradient(dY))
    away = X != 0  # at x = 0 JAX's |x|' is 1; glassnet's L1 takes sign(0) = 0, as for weights
    np.testing.assert_allclose(dX[away], (dY + np.asarray(keras_grad))[away], rtol=0, atol=1e-13)
    assert dX[0, 0] == dY[0, 0]
    assert ours.get_config()["l1"] == theirs.get_config()["l1"] == 0.02


def test_activity_regularization_after_a_dense_is_keras_dense_activity_regularizer(keras_x64):
    # ActivityRegularization after the Dense adds the same penalty: the loss and one SGD step equal Keras's
    keras, _ = keras_x64
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 5)), rng.normal(size=(16, 3))
    theirs = keras.Sequential([keras.Input((5,), dtype="float64"), keras.layers.Dense(
        8, activation="relu", activity_regularizer=keras.regularizers.L1L2(l1=0.02, l2=0.01), dtype="float64"),
        keras.layers.Dense(3, dtype="float64")])
    ours = Sequential([layers.Input((5,)), layers.Dense(8, activation="relu"),
                       layers.ActivityRegularization(l1=0.02, l2=0.01), layers.Dense(3)], dtype="float64")
    for model in (theirs, ours):
        model.compile(loss="mse", optimizer="sgd")
    ours.set_weights(theirs.get_weights())
    assert ours.evaluate(x, y, batch_size=16, verbose=0) == pytest.approx(
        theirs.evaluate(x, y, batch_size=16, verbose=0), rel=1e-7)  # Keras's loss tracker keeps float32
    theirs.train_on_batch(x, y)
    ours.train_on_batch(x, y)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):  # (Keras's learning rate is a float32 0.01)
        np.testing.assert_allclose(a, np.asarray(b), rtol=0, atol=1e-9)


# -- activity_regularizer= on any layer ----------------------------------------------------
def _sparse_autoencoders(keras, activity_regularizer):
    """The Keras blog's sparse autoencoder (784 → 32 → 784, here 20 → 32 → 20), Keras's and glassnet's
    with the same weights; ``activity_regularizer(module)`` gives each its regularizer."""
    rng = np.random.default_rng(5)
    theirs = keras.Sequential([keras.Input((20,)), keras.layers.Dense(
        32, activation="relu", activity_regularizer=activity_regularizer(keras.regularizers)),
        keras.layers.Dense(20, activation="sigmoid")])
    ours = Sequential([layers.Input((20,)), layers.Dense(
        32, activation="relu", activity_regularizer=activity_regularizer(glassnet.regularizers)),
        layers.Dense(20, activation="sigmoid")], dtype="float64")
    theirs.set_weights([rng.normal(0, 0.5, w.shape) for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    ours.compile(optimizer=glassnet.optimizers.SGD(0.5), loss="binary_crossentropy")
    return ours, theirs, rng.uniform(size=(24, 20))


@pytest.mark.parametrize("regularizer", [lambda m: m.l1(1e-5), lambda m: m.L1L2(l1=2**-6, l2=2**-5)])
def test_dense_activity_regularizer_trains_as_keras(keras64, regularizer):
    # Keras's Dense(32, activation="relu", activity_regularizer=regularizers.l1(1e-5)): glassnet refused the
    # argument; now R(A)/n of the output after its activation joins the loss and its gradient, as Keras's
    # (factors exact in float32: Keras keeps them as float32 numbers)
    ours, theirs, x = _sparse_autoencoders(keras64, regularizer)
    assert ours.evaluate(x, x, batch_size=8, verbose=0) == pytest.approx(
        theirs.evaluate(x, x, batch_size=8, verbose=0), rel=1e-12)
    history = [model.fit(x, x, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
               for model in (ours, theirs)]
    np.testing.assert_allclose(history[0], history[1], rtol=1e-10)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):  # six SGD steps
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-10)
    assert ours.evaluate(x, x, verbose=0) == pytest.approx(theirs.evaluate(x, x, verbose=0), rel=1e-12)


def test_model_losses_list_activity_penalties_as_keras(keras64):
    # Keras's model.losses: after model(x) each activity penalty R(Y)/n (before the weight penalties); a pass of
    # fit, evaluate or predict leaves none
    keras = keras64
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 4))
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        5, "tanh", kernel_regularizer="l2", activity_regularizer=keras.regularizers.L1L2(2**-3, 2**-2)),
        keras.layers.ActivityRegularization(l2=0.25), keras.layers.Dense(2, activity_regularizer=keras.regularizers.L2(0.5))])
    ours = Sequential([layers.Input((4,)), layers.Dense(
        5, "tanh", kernel_regularizer="l2", activity_regularizer=glassnet.regularizers.L1L2(2**-3, 2**-2)),
        layers.ActivityRegularization(l2=0.25), layers.Dense(2, activity_regularizer=glassnet.regularizers.L2(0.5))],
                      dtype="float64")
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile(loss="mse", optimizer="sgd")
    assert len(ours.losses) == len(theirs.losses) == 1  # the kernel's penalty only
    ours(x), theirs(x)
    np.testing.assert_allclose(ours.losses, [float(v) for v in theirs.losses], rtol=1e-12)
    assert len(ours.losses) == 4
    np.testing.assert_allclose(ours.layers[0].losses, [float(v) for v in theirs.layers[0].losses], rtol=1e-12)
    for model in (ours, theirs):
        model.predict(x, verbose=0)
    assert len(ours.losses) == len(theirs.losses) == 1


def test_layers_take_any_activity_regularizer_keras_takes(keras64):
    # every Keras layer takes activity_regularizer (its base Layer's); the penalty is of the layer's output
    x = np.random.default_rng(2).normal(size=(5, 3))
    for ours, theirs in ((layers.Activation("relu", activity_regularizer="l1", dtype="float64"),
                          keras64.layers.Activation("relu", activity_regularizer="l1")),
                         (layers.Dropout(0.5, activity_regularizer=glassnet.regularizers.L2(0.25), dtype="float64"),
                          keras64.layers.Dropout(0.5, activity_regularizer=keras64.regularizers.L2(0.25)))):
        np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-15)  # (dropout: inference)
        np.testing.assert_allclose(ours.losses, [float(v) for v in theirs.losses], rtol=1e-13)
        assert ours.get_config()["activity_regularizer"]["config"] == theirs.get_config()["activity_regularizer"][
            "config"]
    layer = layers.Embedding(4, 2, activity_regularizer="l1", dtype="float64")
    assert layer.losses == []
    layer(np.array([[1, 2], [3, 0]]))
    assert layer.losses == [pytest.approx(0.01 * np.abs(layer.get_weights()[0]).sum() / 2, rel=1e-14)]


@pytest.mark.parametrize("bad", [3, "nope", lambda y: 0.0])
def test_bad_activity_regularizer_is_named(bad):
    # Keras: "Could not interpret regularizer identifier: 3"; a plain function has no gradient, which glassnet needs
    with pytest.raises(ValueError, match="activity_regularizer: (Unknown|Could not interpret) regularizer"):
        layers.Dense(2, activity_regularizer=bad)
    with pytest.raises(ValueError, match="give the wrapper the activity_regularizer"):
        layers.SpectralNormalization(layers.Dense(2, activity_regularizer="l2"))


def test_activity_regularizer_is_saved_and_read_by_keras(keras64, tmp_path):
    # Keras writes the regularizer's config under "activity_regularizer"; glassnet's files carry it both ways
    ours, theirs, x = _sparse_autoencoders(keras64, lambda m: m.L1L2(l1=2**-6, l2=2**-5))
    theirs.save(tmp_path / "theirs.keras")
    ours.export(tmp_path / "ours.keras", format="keras")
    ours.save(tmp_path / "ours.gn")
    for loaded in (load_model(tmp_path / "theirs.keras"), load_model(tmp_path / "ours.gn"),
                   keras64.models.load_model(tmp_path / "ours.keras")):
        assert loaded.layers[0].activity_regularizer.get_config() == {"l1": 2**-6, "l2": 2**-5}
        assert loaded.layers[1].activity_regularizer is None
    reloaded = load_model(tmp_path / "ours.gn")
    reloaded.compile(optimizer="sgd", loss="binary_crossentropy")
    assert reloaded.evaluate(x, x, verbose=0) == pytest.approx(ours.evaluate(x, x, verbose=0), rel=1e-12)


@pytest.mark.parametrize("output", ["linear", "softmax"])
def test_a_custom_loop_s_loss_and_gradients_hold_the_activity_penalties_as_keras(keras64, output):
    # Keras's loop: logits = model(x, training=True) under a GradientTape, loss = loss_fn(y, logits) + sum(model.losses).
    # glassnet's: grads, logits = model.gradients(x, y, ..., return_outputs=True), then the same sum; model.losses lacked
    # the activity penalties after gradients (its pass cleared them), so the loop's loss missed R(Y)/n of every layer
    jax = pytest.importorskip("jax")
    keras = keras64
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        5, "tanh", kernel_regularizer="l2", activity_regularizer=keras.regularizers.L1L2(2**-6, 2**-5)),
        keras.layers.BatchNormalization(activity_regularizer=keras.regularizers.L1(2**-4)),
        keras.layers.Dense(3, output, activity_regularizer=keras.regularizers.L2(2**-3))])
    ours = Sequential([layers.Input((4,)), layers.Dense(
        5, "tanh", kernel_regularizer="l2", activity_regularizer=glassnet.regularizers.L1L2(2**-6, 2**-5)),
        layers.BatchNormalization(activity_regularizer=glassnet.regularizers.L1(2**-4)),
        layers.Dense(3, output, activity_regularizer=glassnet.regularizers.L2(2**-3))], dtype="float64")
    theirs.set_weights([rng.normal(0, 0.5, w.shape) if "variance" not in w.path else np.ones(w.shape)
                        for w in theirs.weights])
    ours.set_weights(theirs.get_weights())
    loss = "mse" if output == "linear" else "categorical_crossentropy"
    ours.compile(loss=loss)
    loss_fn = keras.losses.MeanSquaredError() if output == "linear" else keras.losses.CategoricalCrossentropy()

    def keras_loss(trainable):
        logits, _, penalties = theirs.stateless_call(trainable, [v.value for v in theirs.non_trainable_variables], x,
                                                     training=True, return_losses=True)
        return loss_fn(y, logits) + sum(penalties)

    want, want_grads = jax.value_and_grad(keras_loss)([v.value for v in theirs.trainable_variables])
    grads, logits = ours.gradients(x, y, trainable_only=True, return_outputs=True)
    assert len(ours.losses) == 4  # three activity penalties, then the kernel's
    assert float(loss_fn(y, logits)) + sum(ours.losses) == pytest.approx(float(want), rel=1e-13)
    assert ours.compute_loss(y=y, y_pred=logits) == pytest.approx(float(want), rel=1e-13)
    for got, expected in zip(grads, want_grads, strict=True):
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-11, atol=1e-14)



@pytest.mark.parametrize("case", ["softmax_last_class_weight", "nd_frozen_nested_sample_weight"])
def test_activity_penalties_of_other_layers_train_as_keras(keras64, case):
    # the penalty of a Softmax output (the fused softmax/crossentropy delta is then not taken), of N-D outputs
    # (n = the batch), of a frozen layer (Keras still adds it) and of a nested model's layer, with class and
    # sample weights (they weight the loss, not the penalty)
    rng = np.random.default_rng(4)

    def stack(m, nested):
        ar = m.regularizers.L1L2(2**-6, 2**-5)
        if case == "softmax_last_class_weight":
            return [m.layers.Dense(3, activity_regularizer=ar), m.layers.LayerNormalization(activity_regularizer=ar),
                    m.layers.Dense(3), m.layers.Softmax(activity_regularizer=m.regularizers.L2(2**-2))]
        inner = nested([m.Input((3, 4)), m.layers.Dense(5, "tanh", activity_regularizer=ar)], name="inner")
        return [inner, m.layers.Flatten(activity_regularizer=ar), m.layers.Dense(4, "relu", activity_regularizer=ar),
                m.layers.BatchNormalization(activity_regularizer=m.regularizers.L1(2**-4)), m.layers.Dense(3)]

    shape = (4,) if case == "softmax_last_class_weight" else (3, 4)
    theirs = keras64.Sequential([keras64.Input(shape), *stack(keras64, keras64.Sequential)])
    ours = Sequential([layers.Input(shape), *stack(glassnet, lambda ls, name: Sequential(ls, name=name, dtype="float64"))],
                      dtype="float64")
    ours.build()
    theirs.set_weights([rng.normal(0, 0.5, w.shape) if "variance" not in w.path else np.ones(w.shape)
                        for w in theirs.weights])
    ours.set_weights(theirs.get_weights())
    x = rng.normal(size=(7, *shape))
    if case == "softmax_last_class_weight":
        y, weights = rng.integers(0, 3, 7), {"class_weight": {0: 0.5, 1: 2.0, 2: 1.5}}
        loss = "sparse_categorical_crossentropy"
    else:
        theirs.layers[2].trainable = ours.layers[2].trainable = False
        y, weights, loss = rng.normal(size=(7, 3)), {"sample_weight": rng.uniform(0.2, 2, 7)}, "mse"
    theirs.compile(optimizer=keras64.optimizers.SGD(0.3), loss=loss)
    ours.compile(optimizer=glassnet.optimizers.SGD(0.3), loss=loss)
    history = [model.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0, **weights).history["loss"]
               for model in (ours, theirs)]
    np.testing.assert_allclose(history[0], history[1], rtol=1e-12)
    for got, want in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-12)
    ours(x), theirs(x)
    np.testing.assert_allclose(ours.losses, [float(v) for v in theirs.losses], rtol=1e-12)


def test_a_model_pickled_before_layers_took_activity_regularizer_keeps_its_penalty():
    # written by glassnet at 1664d9a, whose layers had no activity_regularizer and whose ActivityRegularization kept
    # its penalty as "regularizer": unpickled, predict failed (no attribute 'activity_regularizer')
    import pickle
    from pathlib import Path

    model = pickle.loads((Path(__file__).parent / "data" / "glassnet-1664d9a-activity.pkl").read_bytes())
    x, y = np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([[0.5], [-1.0]])
    h = np.tanh(x @ np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.75]]) + [0.1, -0.2, 0.3])
    out = h @ np.array([[1.0], [-2.0], [0.5]]) + 0.25
    np.testing.assert_allclose(model.predict(x, verbose=0), out, rtol=1e-12)
    penalty = (0.25 * np.abs(h).sum() + 0.5 * (h**2).sum()) / 2  # R(h) / n
    assert model.evaluate(x, y, verbose=0) == pytest.approx(np.mean((out - y) ** 2) + penalty, rel=1e-12)
    model(x)
    assert model.losses == pytest.approx([penalty], rel=1e-12)


def test_dropout_rate_set_after_the_layer_was_made_is_the_one_training_uses():
    """``layer.rate = ...`` after construction was ignored in training (the mask's threshold and scale were
    fixed at __init__) while get_config, and so a saved model, said the new rate; Keras reads it at each call."""
    from glassnet.layers import Dropout

    layer = Dropout(0.5, seed=0)
    layer.rate = 0.0
    x = np.ones((200, 50), dtype=np.float32)
    np.testing.assert_array_equal(layer(x, training=True), x)
    layer.rate = 0.75
    y = layer(x, training=True)
    assert set(np.unique(y)) == {0.0, 4.0} and abs(float(np.mean(y == 0)) - 0.75) < 0.02
    assert layer.get_config()["rate"] == 0.75
    with pytest.raises(ValueError, match="rate must be < 1"):
        layer.rate = 1.0
