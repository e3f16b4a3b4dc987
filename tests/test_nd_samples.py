"""Dense on samples of several axes (over the last, as Keras's) and LayerNormalization over several
axes: values and gradients against Keras 3.15 in float64, torch in float64 and finite differences,
one SGD step as Keras takes it, and every way a model is stored or exported."""

import re

import numpy as np
import pytest

from glassnet import constraints, layers, losses, metrics, optimizers, regularizers
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
    model.summary(print_fn=lambda text, *args, **kwargs: lines.extend(text.splitlines()))
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


# -- fit and evaluate on targets of several axes (sequence tagging) ----------------------------
# (loss, output activation, metric, how near Keras's float64 loss is): Keras 3.15 takes the mean over the last
# axis in float32 even for float64 arrays (its result_type(float64, "float32") is float32), so its mse, mae and
# binary cross-entropy are float32's; the categorical ones sum, in float64
TAGGING = [("categorical_crossentropy", "softmax", "categorical_accuracy", 1e-13),
           ("sparse_categorical_crossentropy", "softmax", "sparse_categorical_accuracy", 1e-13),
           ("binary_crossentropy", "sigmoid", "binary_accuracy", 1e-6),
           ("mse", None, "mae", 1e-6), ("mae", None, "mse", 1e-6)]


def _tagging_data(loss, seed=10):
    rng = np.random.default_rng(seed)
    X, labels = rng.normal(size=(8, 5, 3)), rng.integers(0, 4, (8, 5))
    y = {"categorical_crossentropy": np.eye(4)[labels], "sparse_categorical_crossentropy": labels,
         "binary_crossentropy": rng.integers(0, 2, (8, 5, 4)).astype(float)}.get(loss, rng.normal(size=(8, 5, 4)))
    return X, y, {"none": None, "per sample": rng.random(8), "per position": rng.random((8, 5))}


@pytest.mark.parametrize("weights", ["none", "per sample", "per position"])
@pytest.mark.parametrize("loss, activation, metric, tol", TAGGING)
def test_per_position_targets_train_as_keras_in_float64(keras_x64, loss, activation, metric, tol, weights):
    keras, jax = keras_x64
    X, y, sample_weights = _tagging_data(loss)
    w = sample_weights[weights]
    theirs = keras.Sequential([keras.Input((5, 3), dtype="float64"),
                               keras.layers.Dense(6, activation="relu", dtype="float64"),
                               keras.layers.Dense(4, activation=activation, dtype="float64")])
    ours = Sequential([layers.Input((5, 3)), layers.Dense(6, activation="relu"), layers.Dense(4, activation=activation)],
                      dtype="float64")
    ours.set_weights(theirs.get_weights())
    # (Keras computes losses in float32 by default)
    their_loss = getattr(keras.losses, type(losses.get(loss)).__name__)(dtype="float64")
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss=their_loss, weighted_metrics=[metric])
    ours.compile(optimizer=optimizers.SGD(0.5), loss=loss, weighted_metrics=[metric])
    # Keras 3.15 refuses weights (n,) against losses (n, 5) ("Incompatible shapes for broadcasting"): it
    # takes a sample's weight for each of its positions as a column (n, 1), which glassnet reads so too
    w_theirs = w[:, None] if weights == "per sample" else w
    # as JAX arrays: Keras converts NumPy float64 targets and weights to float32 (its floatx)
    y_theirs, w_theirs = jax.numpy.asarray(y), None if w is None else jax.numpy.asarray(w_theirs)
    expected = theirs.evaluate(X, y_theirs, sample_weight=w_theirs, verbose=0, return_dict=True)
    got = ours.evaluate(X, y, sample_weight=w, verbose=0, return_dict=True)
    assert got.keys() == expected.keys()
    # Keras's evaluate and metrics count in float32; its loss itself, in float64 (see TAGGING)
    assert got["loss"] == pytest.approx(expected["loss"], rel=1e-6)
    assert got["loss"] == pytest.approx(float(their_loss(y_theirs, theirs(X), sample_weight=w_theirs)), rel=tol)
    assert got[metric] == pytest.approx(expected[metric], rel=1e-6)
    for _ in range(3):
        theirs.train_on_batch(X, y_theirs, sample_weight=w_theirs)
        ours.train_on_batch(X, y, sample_weight=w)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=0, atol=tol)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("loss, activation, metric, tol", TAGGING)
def test_per_position_targets_pass_the_gradient_check(loss, activation, metric, tol, reduction):
    X, y, sample_weights = _tagging_data(loss, seed=11)
    model = Sequential([layers.Input((5, 3)), layers.Dense(6, activation="tanh"), layers.Dense(4, activation=activation)],
                       seed=0, dtype="float64")
    model.compile(loss=type(losses.get(loss))(reduction=reduction), optimizer="sgd")
    for w in sample_weights.values():
        result = check_gradients(model, X, y, sample_weight=w)
        assert result.max_error < 1e-6, (w, result)


def test_per_position_loss_is_the_mean_over_positions_by_hand():
    X, y, sample_weights = _tagging_data("categorical_crossentropy", seed=12)
    model = Sequential([layers.Input((5, 3)), layers.Dense(4, activation="softmax")], seed=0, dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd", weighted_metrics=["categorical_accuracy"])
    P = model.predict(X, verbose=0)
    J = -(y * np.log(P)).sum(axis=-1)  # (8, 5): one loss per position
    hits = (P.argmax(-1) == y.argmax(-1)).astype(float)
    for w in (np.ones((8, 5)), np.repeat(sample_weights["per sample"][:, None], 5, axis=1), sample_weights["per position"]):
        given = w[:, 0] if np.all(w == w[:, :1]) else w  # (n,) where every position of a sample weighs the same
        logs = model.evaluate(X, y, sample_weight=given, verbose=0, return_dict=True)
        assert logs["loss"] == pytest.approx((w * J).mean(), rel=1e-13)
        assert logs["categorical_accuracy"] == pytest.approx((w * hits).sum() / w.sum(), rel=1e-13)


@pytest.mark.parametrize("weights", ["none", "per position"])
def test_per_position_sparse_metrics_equal_keras(keras_x64, weights):
    # sparse_top_k_categorical_accuracy and the sparse_categorical_crossentropy metric read one row per
    # sample and refused a tagger's labels (n, 5) in fit and evaluate ("one row per sample")
    keras, jax = keras_x64
    X, labels, sample_weights = _tagging_data("sparse_categorical_crossentropy", seed=14)
    w = sample_weights[weights]
    theirs = keras.Sequential([keras.Input((5, 3), dtype="float64"), keras.layers.Dense(4, activation="softmax",
                                                                                          dtype="float64")])
    ours = Sequential([layers.Input((5, 3)), layers.Dense(4, activation="softmax")], dtype="float64")
    ours.set_weights(theirs.get_weights())
    names = [keras.metrics.SparseTopKCategoricalAccuracy(k=2, dtype="float64"),
             keras.metrics.SparseCategoricalCrossentropy(dtype="float64")]
    theirs.compile(loss="sparse_categorical_crossentropy", weighted_metrics=names)
    ours.compile(loss="sparse_categorical_crossentropy",
                 weighted_metrics=[metrics.SparseTopKCategoricalAccuracy(k=2), "sparse_categorical_crossentropy"])
    expected = theirs.evaluate(X, jax.numpy.asarray(labels), sample_weight=None if w is None else jax.numpy.asarray(w),
                               verbose=0, return_dict=True)
    got = ours.evaluate(X, labels, sample_weight=w, batch_size=3, verbose=0, return_dict=True)
    for name in ("sparse_top_k_categorical_accuracy", "sparse_categorical_crossentropy"):
        assert got[name] == pytest.approx(expected[name], rel=1e-6), name
    history = ours.fit(X, labels, sample_weight=w, epochs=1, verbose=0).history
    assert set(history) >= {"sparse_top_k_categorical_accuracy", "sparse_categorical_crossentropy"}


@pytest.mark.parametrize("loss, activation, metric", [("binary_crossentropy", "sigmoid", "binary_accuracy"),
                                                       ("mse", None, "mae")])
def test_one_target_per_position_for_one_output_unit_equals_keras(keras_x64, loss, activation, metric):
    # targets (n, 5) for outputs (n, 5, 1), as (n,) for (n, 1) and as Keras takes them, were refused
    # ("takes targets of shape (n, 5, 1)")
    keras, jax = keras_x64
    rng = np.random.default_rng(15)
    X = rng.normal(size=(8, 5, 3))
    y = rng.integers(0, 2, (8, 5)).astype(float) if activation else rng.normal(size=(8, 5))
    theirs = keras.Sequential([keras.Input((5, 3), dtype="float64"),
                               keras.layers.Dense(1, activation=activation, dtype="float64")])
    ours = Sequential([layers.Input((5, 3)), layers.Dense(1, activation=activation)], dtype="float64")
    ours.set_weights(theirs.get_weights())
    their_loss = getattr(keras.losses, type(losses.get(loss)).__name__)(dtype="float64")
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss=their_loss, metrics=[metric])
    ours.compile(optimizer=optimizers.SGD(0.5), loss=loss, metrics=[metric])
    y_theirs = jax.numpy.asarray(y)
    expected = theirs.evaluate(X, y_theirs, verbose=0, return_dict=True)
    got = ours.evaluate(X, y, verbose=0, return_dict=True)
    assert got["loss"] == pytest.approx(expected["loss"], rel=1e-6)
    assert got[metric] == pytest.approx(expected[metric], rel=1e-6)
    for _ in range(3):
        theirs.train_on_batch(X, y_theirs)
        ours.train_on_batch(X, y)
    for mine, reference in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, reference, rtol=0, atol=1e-6)
    assert ours.fit(X, y, validation_data=(X, y), epochs=1, verbose=0).history.keys() >= {"val_loss", f"val_{metric}"}


@pytest.mark.parametrize("flatten", [False, True])
@pytest.mark.parametrize("trailing_one", [False, True])
def test_binary_io_u_and_threshold_metrics_of_one_target_per_position_equal_keras(keras_x64, flatten, trailing_one):
    # outputs (n, T) (a Flatten after Dense(1)) with targets (n, T, 1), which Keras squeezes, were refused
    # ('y must be 1-D or 2-D'); each pairing of (n, T, 1)/(n, T) outputs and targets gives Keras's value
    keras, jax = keras_x64
    rng = np.random.default_rng(17)
    X, y = rng.normal(size=(8, 5, 3)), rng.integers(0, 2, (8, 5)).astype(float)
    y = y[..., None] if trailing_one else y
    theirs = keras.Sequential([keras.Input((5, 3), dtype="float64"),
                               keras.layers.Dense(1, activation="sigmoid", dtype="float64")]
                              + [keras.layers.Flatten(dtype="float64")] * flatten)
    ours = Sequential([layers.Input((5, 3)), layers.Dense(1, activation="sigmoid")] + [layers.Flatten()] * flatten,
                      dtype="float64")
    ours.set_weights(theirs.get_weights())
    names = ["binary_io_u", "auc", "precision_at_recall", "precision"]
    theirs.compile(loss=keras.losses.BinaryCrossentropy(dtype="float64"), metrics=[
        keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.4, dtype="float64"),
        keras.metrics.AUC(num_thresholds=50, dtype="float64"), keras.metrics.PrecisionAtRecall(0.6, dtype="float64"),
        keras.metrics.Precision(thresholds=0.45, dtype="float64")])
    ours.compile(loss="binary_crossentropy", optimizer="sgd", metrics=[
        metrics.BinaryIoU(target_class_ids=[1], threshold=0.4), metrics.AUC(num_thresholds=50),
        metrics.PrecisionAtRecall(0.6), metrics.Precision(thresholds=0.45)])
    expected = theirs.evaluate(X, jax.numpy.asarray(y), verbose=0, return_dict=True)
    expected = {re.sub(r"_\d+$", "", name): value for name, value in expected.items()}  # (auc_3: made before)
    got = ours.evaluate(X, y, batch_size=3, verbose=0, return_dict=True)
    for name in ["loss", *names]:  # (Keras's loss tracker and its IoU's division are float32)
        assert got[name] == pytest.approx(expected[name], rel=1e-6), name
    assert 0 < got["binary_io_u"] < 1
    history = ours.fit(X, y, validation_data=(X, y), epochs=1, verbose=0).history
    assert set(history) >= {"binary_io_u", "val_binary_io_u"}


def test_per_position_weights_given_as_lists_weigh_as_arrays():
    # a list of lists (n, T), taken for x and y, was refused as weights ("must be a 1-D array ... (10, 5)")
    X, y, sample_weights = _tagging_data("categorical_crossentropy", seed=16)
    w = sample_weights["per position"]
    model = Sequential([layers.Input((5, 3)), layers.Dense(4, activation="softmax")], seed=0, dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    expected = model.evaluate(X, y, sample_weight=w, verbose=0)
    assert expected != pytest.approx(model.evaluate(X, y, verbose=0), rel=1e-3)
    assert model.evaluate(X, y, sample_weight=w.tolist(), verbose=0) == pytest.approx(expected, rel=1e-15)
    # (n, T, 1): the trailing 1 squeezed, as Keras does (it was refused: "one per position (n, 5)")
    assert model.evaluate(X, y, sample_weight=w[..., None], verbose=0) == pytest.approx(expected, rel=1e-15)
    with pytest.raises(ValueError, match=r"one weight per sample \(\d+,\) or one per position"):
        model.evaluate(X, y, sample_weight=np.stack([w, w], axis=-1), verbose=0)
    history = model.fit(X, y, validation_data=(X, y, w.tolist()), epochs=1, verbose=0, shuffle=False).history
    assert np.isfinite(history["val_loss"][0])


def test_sequence_tagger_learns_and_keeps_label_targets_for_validation():
    rng = np.random.default_rng(13)
    X = rng.normal(size=(200, 6, 3))
    labels = (X[..., 0] > 0).astype(int) + (X[..., 1] > 0)  # three tags, each position's own
    model = Sequential([layers.Input((6, 3)), layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")],
                       seed=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizers.Adam(0.02), metrics=["accuracy"])
    history = model.fit(X[:160], labels[:160], epochs=30, batch_size=32, validation_data=(X[160:], labels[160:, :, None]),
                        verbose=0).history
    assert history["accuracy"][-1] > 0.9 and history["val_accuracy"][-1] > 0.9, history
    assert model.predict(X[:2], verbose=0).shape == (2, 6, 3)


def test_per_position_targets_of_the_wrong_shape_are_named():
    X, labels = np.zeros((4, 5, 3)), np.zeros((4, 5), dtype=int)
    model = Sequential([layers.Input((5, 3)), layers.Dense(4, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match=r"loss 'categorical_crossentropy' takes targets of shape \(n, 5, 4\). "
                                         r"Received shape \(4, 5\)"):
        model.fit(X, labels, verbose=0)
    with pytest.raises(ValueError, match=r"one weight per sample \(4,\) or one per position \(4, 5\). "
                                         r"Received shape \(4, 4\)"):
        model.fit(X, np.eye(4)[labels], sample_weight=np.ones((4, 4)), verbose=0)
    with pytest.raises(ValueError, match=r"class_weight takes targets of one axis per sample"):
        model.fit(X, np.eye(4)[labels], class_weight={0: 2.0}, verbose=0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match=r"takes integer labels of shape \(n, 5\). Received shape \(4, 5, 4\)"):
        model.fit(X, np.zeros((4, 5, 4)), verbose=0)
    # Dice trained on outputs of several axes is no longer refused (its sums run over them as Keras's: see
    # tests/test_overlap_models_s55.py); Circle, whose embeddings are rows (n, d) and labels (n,), still is
    model.compile(loss="circle", optimizer="sgd")
    with pytest.raises(ValueError, match=r"Loss 'circle' takes one embedding per sample, outputs of shape "
                                         r"\(n, n_dims\), and one integer label per sample, y of shape \(n,\)"):
        model.fit(X, labels[:, 0], verbose=0)
    flat = Sequential([layers.Input((5, 3)), layers.Flatten(), layers.Dense(4)])
    flat.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"y must be 1-D or 2-D"):
        flat.fit(X, np.zeros((4, 5, 4)), verbose=0)


# -- BatchNormalization and RMSNormalization on samples of several axes ------------------------
def _batch_norm(rng, **options):
    layer = layers.BatchNormalization(momentum=0.9, epsilon=1e-3, dtype="float64", **options)
    layer((np.zeros((2, 3, 5, 4))))
    layer.set_weights([rng.normal(size=w.shape) if i < 2 else rng.random(w.shape) + 0.5
                       for i, w in enumerate(layer.get_weights())])
    return layer


@pytest.mark.parametrize("shape", [(5, 4), (3, 5, 4)])
def test_batch_normalization_of_sequences_equals_torch_in_float64(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(20)
    X, dY = rng.normal(size=(6, *shape)) * 3 + 1, rng.normal(size=(6, *shape))
    ours = layers.BatchNormalization(momentum=0.9, dtype="float64")
    ours(X)
    gamma, beta, mean, var = (rng.normal(size=(4,)), rng.normal(size=(4,)), rng.normal(size=(4,)), rng.random(4) + 0.5)
    ours.set_weights([gamma, beta, mean, var])
    # torch takes the features at axis 1: (n, ..., 4) → (n, 4, ...)
    x = torch.tensor(np.moveaxis(X, -1, 1), requires_grad=True)
    g, b = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    y = torch.nn.functional.batch_norm(x, None, None, g, b, training=True, eps=1e-3)
    (y * torch.tensor(np.moveaxis(dY, -1, 1))).sum().backward()
    np.testing.assert_allclose(ours.forward(X, training=True), np.moveaxis(y.detach().numpy(), 1, -1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.backward(dY), np.moveaxis(x.grad.numpy(), 1, -1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.grads["gamma"], g.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.grads["beta"], b.grad.numpy(), rtol=0, atol=1e-12)
    axes = tuple(range(X.ndim - 1))  # the moving statistics: each feature's over the batch and every position
    np.testing.assert_allclose(ours.moving_mean, 0.9 * mean + 0.1 * X.mean(axis=axes), rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours.moving_variance, 0.9 * var + 0.1 * X.var(axis=axes), rtol=0, atol=1e-14)
    moving = torch.nn.functional.batch_norm(x, torch.tensor(ours.moving_mean), torch.tensor(ours.moving_variance), g, b,
                                            training=False, eps=1e-3)
    np.testing.assert_allclose(ours.forward(X), np.moveaxis(moving.detach().numpy(), 1, -1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.backward(dY), dY * gamma / np.sqrt(ours.moving_variance + 1e-3), rtol=0, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_batch_and_rms_normalization_of_sequences_equal_keras(keras_x64, training):
    keras, jax = keras_x64
    rng = np.random.default_rng(21)
    X, dY = rng.normal(size=(6, 3, 5, 4)) * 3 + 1, rng.normal(size=(6, 3, 5, 4))
    for theirs, ours in [(keras.layers.BatchNormalization(momentum=0.9, dtype="float64"),
                          layers.BatchNormalization(momentum=0.9, dtype="float64")),
                         (keras.layers.RMSNormalization(dtype="float64"), layers.RMSNormalization(dtype="float64"))]:
        theirs(X), ours(X)
        weights = [rng.normal(size=w.shape) if i < 2 else rng.random(w.shape) + 0.5
                   for i, w in enumerate(theirs.get_weights())]
        theirs.set_weights(weights)
        ours.set_weights(weights)
        trainable = [v.value for v in theirs.trainable_variables]
        fixed = [v.value for v in theirs.non_trainable_variables]
        mode = {"training": training} if fixed else {}  # (Keras's RMSNormalization has no training argument)

        def objective(x, ws):
            return (theirs.stateless_call(ws, fixed, x, **mode)[0] * dY).sum()

        dX, dW = jax.grad(objective, argnums=(0, 1))(X, trainable)
        Y, moved = theirs.stateless_call(trainable, fixed, X, **mode)
        # Keras 3.15 normalizes float64 in float32 (its result_type(float64, "float32") is float32): float32's
        # digits, of outputs up to 20 and sums of 90 terms (torch, in float64, agrees to 1e-12 above)
        np.testing.assert_allclose(ours.forward(X, training=training), np.asarray(Y), rtol=0, atol=1e-5)
        np.testing.assert_allclose(ours.backward(dY), np.asarray(dX), rtol=0, atol=1e-5)
        for key, expected in zip(ours.weight_names, dW):
            np.testing.assert_allclose(ours.grads[key], np.asarray(expected), rtol=1e-5, atol=1e-5)
        for mine, expected in zip(ours.get_weights()[len(trainable):], moved):
            np.testing.assert_allclose(mine, np.asarray(expected), rtol=0, atol=1e-6)


def test_rms_normalization_of_sequences_equals_torch_in_float64():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(22)
    X, dY, scale = rng.normal(size=(6, 3, 5, 4)) * 3 + 1, rng.normal(size=(6, 3, 5, 4)), rng.normal(size=4)
    ours = layers.RMSNormalization(epsilon=1e-3, dtype="float64")
    ours(X)
    ours.set_weights([scale])
    x, s = torch.tensor(X, requires_grad=True), torch.tensor(scale, requires_grad=True)
    y = torch.nn.functional.rms_norm(x, (4,), s, eps=1e-3)
    (y * torch.tensor(dY)).sum().backward()
    np.testing.assert_allclose(ours.forward(X, training=True), y.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.backward(dY), x.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.grads["scale"], s.grad.numpy(), rtol=0, atol=1e-12)


def _normalized_tagger(**batch_norm):
    return Sequential([layers.Input((5, 3)), layers.Dense(4, activation="tanh"),
                       layers.BatchNormalization(beta_regularizer="l2", **batch_norm), layers.RMSNormalization(),
                       layers.Dense(3, activation="softmax")], seed=0, dtype="float64")


@pytest.mark.parametrize("batch_norm", [{}, {"center": False}, {"scale": False}, {"axis": 2}])
def test_batch_and_rms_normalization_of_sequences_pass_the_gradient_check(batch_norm):
    rng = np.random.default_rng(23)
    X, labels = rng.normal(size=(6, 5, 3)), rng.integers(0, 3, (6, 5))
    model = _normalized_tagger(**batch_norm)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    assert model.layers[1].moving_mean.shape == (4,) and model.layers[2].scale.shape == (4,)
    result = check_gradients(model, X, labels, sample_weight=rng.random((6, 5)))
    assert result.max_error < 1e-6, result


def test_batch_normalization_of_sequences_saves_exports_and_refuses_other_axes(tmp_path):
    rng = np.random.default_rng(24)
    X, labels = rng.normal(size=(12, 5, 3)), rng.integers(0, 3, (12, 5))
    model = _normalized_tagger()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(X, labels, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.gn")
    np.testing.assert_array_equal(load_model(tmp_path / "m.gn").predict(X, verbose=0), model.predict(X, verbose=0))
    assert layers.deserialize(layers.serialize(model.layers[1])).get_config() == model.layers[1].get_config()
    with pytest.raises(ValueError, match=r"BatchNormalization keeps statistics of each feature of the last axis: for "
                                         r"inputs of shape \(None, 5, 4\) axis must be -1 or 2. Received: axis=1"):
        Sequential([layers.Input((5, 4)), layers.BatchNormalization(axis=1)])
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from glassnet.onnx import export

    for dtype in ("float32", "float64"):
        ours = Sequential([layers.Input((2, 5, 3)), layers.BatchNormalization(moving_mean_initializer="random_normal",
                                                                              gamma_initializer="random_normal",
                                                                              beta_initializer="random_normal"),
                           layers.RMSNormalization(), layers.Dense(2)], seed=0, dtype=dtype)
        Xd = rng.normal(size=(7, 2, 5, 3)).astype(dtype)
        out = ort.InferenceSession(str(export(ours, tmp_path / f"{dtype}.onnx"))).run(None, {"input": Xd})[0]
        np.testing.assert_allclose(out, ours.predict(Xd, verbose=0), rtol=0, atol=1e-5 if dtype == "float32" else 1e-13)


def test_batch_normalization_of_sequences_exports_to_keras_files_keras_loads(keras_x64, tmp_path):
    keras, _ = keras_x64
    pytest.importorskip("h5py")
    rng = np.random.default_rng(25)
    X, labels = rng.normal(size=(12, 5, 3)), rng.integers(0, 3, (12, 5))
    model = _normalized_tagger()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    model.fit(X, labels, epochs=2, batch_size=4, verbose=0)
    model.export(tmp_path / "m.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert list(theirs.layers[1].moving_mean.shape) == [4]
    np.testing.assert_allclose(np.asarray(theirs(X)), model.predict(X, verbose=0), rtol=0, atol=1e-6)
    theirs.save(tmp_path / "back.keras")
    np.testing.assert_allclose(load_model(tmp_path / "back.keras").predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=0, atol=1e-14)


def test_a_model_without_input_builds_dense_on_the_last_axis_as_keras():
    # Keras builds Sequential([Dense(8), Dense(3)]) on x of shape (n, 5, 4) on the last axis; glassnet refused
    # "x must be a 2-D array of shape (n_samples, n_features)"
    rng = np.random.default_rng(0)
    x = rng.random((6, 5, 4))
    model = Sequential([layers.Dense(8, activation="relu"), layers.Dense(3)], dtype="float64", seed=0)
    out = model.predict(x, verbose=0)
    W, b, W2, b2 = model.get_weights()
    np.testing.assert_allclose(out, np.maximum(x @ W + b, 0) @ W2 + b2, rtol=1e-12)
    assert model.input_shape == (None, 5, 4)
    model.compile("sgd", "mse")
    model.fit(x, rng.random((6, 5, 3)), epochs=1, verbose=0)
    # a forgotten Flatten (one label per image): the error says what to add
    images = Sequential([layers.Dense(8, activation="relu"), layers.Dense(10, activation="softmax")])
    images.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"takes integer labels of shape \(n, 28\)\. Received shape \(4,\)\. For one "
                                         "output per sample, add a Flatten layer before the first Dense"):
        images.fit(rng.random((4, 28, 28)), np.arange(4), verbose=0)
