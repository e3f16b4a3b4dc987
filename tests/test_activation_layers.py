"""Keras's activation layers: ReLU, LeakyReLU, ELU, Softmax (glassnet/layers/activation.py)."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import activations, layers
from glassnet.models import Sequential, load_model

X = np.array([[-10.0, -5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 5.0, 6.0, 10.0]], np.float32)


# The expected rows were computed with Keras 3.15.1 on JAX from float32 inputs:
#     keras.layers.<Layer>(...)(X)
@pytest.mark.parametrize("layer, keras", [
    (lambda: layers.LeakyReLU(), [-3.0, -1.5, -0.3, -0.15, 0, 0.5, 1, 2, 5, 6, 10]),  # Keras 3's default slope 0.3
    (lambda: layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=1.0),
     [-1.1, -0.6, -0.2, -0.15, -0.1, -0.05, 0, 2, 5, 6, 6]),
    (lambda: layers.ReLU(), [0, 0, 0, 0, 0, 0.5, 1, 2, 5, 6, 10]),
    (lambda: layers.ELU(alpha=0.5), [-0.49997729063, -0.496631026268, -0.316060274839, -0.196734666824, 0, 0.5, 1, 2, 5, 6,
                                     10]),
    (lambda: layers.Softmax(), None),
])
def test_activation_layers_compute_what_keras_computes(layer, keras):
    layer = layer()
    out = layer(X)
    if keras is None:  # Softmax: the softmax of the row
        keras = activations.softmax(X.astype(np.float64))[0]
    np.testing.assert_allclose(out[0], keras, rtol=1e-6, atol=1e-7)
    assert out.dtype == np.float32


def test_relu_layer_with_defaults_is_the_plain_relu():
    # the training loop's fast paths (in-place ReLU, compiled bias + ReLU) see the plain ReLU class
    assert type(layers.ReLU().activation) is activations.ReLU
    assert type(layers.ReLU(max_value=6.0).activation) is activations.GeneralReLU


@pytest.mark.parametrize("make, error, match", [
    (lambda: layers.ReLU(max_value=-1.0), ValueError, r"max_value must be >= 0. Received: max_value=-1.0"),
    (lambda: layers.ReLU(negative_slope=-0.1), ValueError, "negative_slope must be >= 0"),
    (lambda: layers.ReLU(threshold=None), TypeError, "threshold must be a number"),
    (lambda: layers.LeakyReLU(negative_slope=-1), ValueError, "negative_slope must be >= 0"),
    (lambda: layers.ELU(alpha="1"), TypeError, "alpha must be a number"),
    (lambda: layers.Softmax(axis=(1, 1.5)), TypeError, r"axis must be an integer or a non-empty list of integers"),
    (lambda: layers.Softmax(axis=[]), TypeError, r"axis must be an integer or a non-empty list .* Received: axis=\[\]"),
    (lambda: layers.ReLU(max_vlue=6), TypeError, "unexpected keyword argument 'max_vlue'. Did you mean 'max_value'"),
])
def test_activation_layer_arguments_are_checked(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_softmax_layer_of_axis_1_on_matrices_is_the_last_axis():
    assert layers.Softmax(axis=1)(np.zeros((2, 4))).tolist() == [[0.25] * 4] * 2  # (None, 4): axis 1 is the last
    assert layers.Softmax(axis=[-1])(np.zeros((1, 2))).tolist() == [[0.5, 0.5]]  # Keras takes a list of one axis


@pytest.mark.parametrize("shape, axis", [((3, 4), 1), ((3, 4), -2), ((3, 4), (1, 2)), ((2, 3, 4), [1, 3]),
                                         ((2, 3, 4), (2, -1)), ((2, 3, 4), 2)])
def test_softmax_layer_along_any_axis_equals_keras(keras_float64, rng, shape, axis):
    keras, reference = keras_float64
    X, dY = rng.normal(size=(5, *shape)), rng.normal(size=(5, *shape))
    layer = layers.Softmax(axis=axis, dtype="float64")
    Y = layer(X)  # (builds it)
    layer.forward(X, training=True)
    Y_k, dX_k, _ = reference(keras.layers.Softmax(axis=axis, dtype="float64"), X, dY)
    np.testing.assert_allclose(Y, Y_k, rtol=0, atol=1e-12)
    np.testing.assert_allclose(layer.backward(dY), dX_k, rtol=0, atol=1e-12)
    summed = tuple(a % (1 + len(shape)) for a in (axis if isinstance(axis, (list, tuple)) else [axis]))
    np.testing.assert_allclose(Y.sum(axis=summed), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", [activations.Softmax(axis=1), activations.Softmax(beta=2.0, axis=(1, 3)),
                                        activations.LogSoftmax(axis=-3), activations.LogSoftmax(axis=(1, 2))])
def test_softmax_along_other_axes_backward_is_the_finite_difference(rng, activation):
    Z, dA = rng.normal(size=(2, 3, 2, 4)), rng.normal(size=(2, 3, 2, 4))
    dZ = activation.backward(Z, activation.forward(Z), dA)
    h, numeric = 1e-6, np.empty_like(Z)
    for i in np.ndindex(Z.shape):
        up, down = Z.copy(), Z.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = np.sum((activation.forward(up) - activation.forward(down)) * dA) / (2 * h)
    np.testing.assert_allclose(dZ, numeric, rtol=0, atol=1e-8)


@pytest.mark.parametrize("axis, match", [
    (0, r"Softmax: axis 0 names the batch axis 0 of inputs of shape \(None, 3, 4\).*Received: axis=0"),
    (-3, r"axis -3 names the batch axis 0"),
    ((1, 0), r"axis \(1, 0\) names the batch axis"),
    (3, r"Softmax: axis must be in \[-3, 3\) for an input of 3 dimensions. Received: axis=3"),
    ((1, 1), r"axis names the same axis twice .* Received: axis=\(1, 1\)"),
    ([2, -1], r"axis names the same axis twice .* Received: axis=\(2, -1\)"),
])
def test_softmax_layer_refuses_an_axis_out_of_range_twice_or_the_batch(axis, match):
    # Keras computes axis=0 over the batch (a sample's output then depends on its batch): refused
    with pytest.raises(ValueError, match=match):
        Sequential([layers.Input((3, 4)), layers.Softmax(axis=axis)])
    with pytest.raises(ValueError, match=match.replace("Softmax", "Dense")):
        Sequential([layers.Input((3, 4)), layers.Dense(4, activation=activations.Softmax(axis=axis))])
    with pytest.raises(ValueError, match=match.replace("Softmax", "Activation")):
        Sequential([layers.Input((3, 4)), layers.Activation(activations.LogSoftmax(axis=axis))])


def keras_and_glassnet_models(keras, rng, last, keras_last):
    """Dense(12) → Reshape((3, 4)) → ``last``, in both, with the same weights (float64)."""
    ours = Sequential([layers.Input((6,)), layers.Dense(12, "tanh"), layers.Reshape((3, 4)), last], dtype="float64")
    ours.set_weights([rng.normal(0, 0.5, w.shape) for w in ours.get_weights()])
    theirs = keras.Sequential([keras.Input((6,), dtype="float64"), keras.layers.Dense(12, "tanh", dtype="float64"),
                               keras.layers.Reshape((3, 4), dtype="float64"), keras_last])
    theirs.set_weights(ours.get_weights())
    return ours, theirs


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "mse"])
def test_softmax_along_axis_1_trains_as_keras(keras64, rng, loss):
    # the softmax normalises the 3 steps, the cross-entropy the 4 features: its fused a − y would be wrong
    keras = keras64
    x, y = rng.normal(size=(8, 6)), rng.dirichlet(np.ones(4), size=(8, 3))
    ours, theirs = keras_and_glassnet_models(keras, rng, layers.Softmax(axis=1),
                                             keras.layers.Softmax(axis=1, dtype="float64"))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=1e-12)
    for model, optimizer in ((ours, glassnet.optimizers.SGD(0.25)), (theirs, keras.optimizers.SGD(0.25))):
        model.compile(optimizer=optimizer, loss=loss)
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)  # four steps
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-10)
    result = glassnet.check_gradients(ours, x, y)
    assert result.passed(1e-6), str(result)


def test_activation_softmax_on_3d_outputs_is_along_the_last_axis_as_keras(keras64, rng):
    keras = keras64
    x = rng.normal(size=(4, 6))
    ours, theirs = keras_and_glassnet_models(keras, rng, layers.Activation("softmax"),
                                             keras.layers.Activation("softmax", dtype="float64"))
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=1e-12)


@pytest.mark.parametrize("axis", [1, (1, 2)])
def test_softmax_layer_of_another_axis_in_keras_files_both_ways(keras64, rng, tmp_path, axis):
    keras = keras64
    x = rng.normal(size=(4, 6))
    ours, theirs = keras_and_glassnet_models(keras, rng, layers.Softmax(axis=axis),
                                             keras.layers.Softmax(axis=axis, dtype="float64"))
    theirs.save(tmp_path / "theirs.keras")
    np.testing.assert_allclose(load_model(tmp_path / "theirs.keras").predict(x, verbose=0),
                               theirs.predict(x, verbose=0), rtol=0, atol=1e-12)
    ours.export(tmp_path / "ours.keras", format="keras")
    np.testing.assert_allclose(keras.saving.load_model(tmp_path / "ours.keras").predict(x, verbose=0),
                               ours.predict(x, verbose=0), rtol=0, atol=1e-12)
    ours.save(tmp_path / "ours.gn")
    back = load_model(tmp_path / "ours.gn")
    assert np.ravel(back.layers[-1].get_config()["axis"]).tolist() == np.ravel(axis).tolist()
    np.testing.assert_array_equal(back.predict(x, verbose=0), ours.predict(x, verbose=0))


def test_symbolic_softmax_and_log_softmax_along_axis_1(rng, tmp_path):
    inputs = layers.Input((3, 4))
    probabilities = activations.softmax(inputs, axis=1)
    log_probabilities = activations.log_softmax(inputs, axis=(1, 2))
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    for outputs, expected in ((probabilities, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)),
                              (log_probabilities, x - np.log(np.exp(x).sum(axis=(1, 2), keepdims=True)))):
        model = glassnet.models.Model(inputs, outputs)
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)
        model.save(tmp_path / "m.gn")
        np.testing.assert_array_equal(load_model(tmp_path / "m.gn").predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"log_softmax"):
        model.export(tmp_path / "m.keras", format="keras")  # Keras's Activation layer computes along the last axis only


def test_leaky_relu_layer_takes_tf_kerass_alpha_with_a_warning():
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1 and layer.get_config()["negative_slope"] == 0.1


def model_with_activation_layers(dtype="float32"):
    return Sequential([layers.Dense(5, input_dim=3, bias_initializer="random_normal"),
                       layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), layers.Dense(5),
                       layers.LeakyReLU(), layers.Dense(4), layers.ELU(0.7), layers.Dense(3), layers.Softmax()],
                      dtype=dtype, seed=1)


def test_activation_layers_pass_the_gradient_check():
    rng = np.random.default_rng(0)
    model = model_with_activation_layers("float64")
    model.compile(loss="mse", optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(16, 3)), rng.dirichlet(np.ones(3), size=16))
    assert result.max_error < 1e-6, str(result)


def test_activation_layers_are_saved_and_loaded_with_their_arguments(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)), np.eye(3)[rng.integers(0, 3, 32)]
    model = model_with_activation_layers()
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert [type(layer).__name__ for layer in loaded.layers] == \
        ["Dense", "ReLU", "Dense", "LeakyReLU", "Dense", "ELU", "Dense", "Softmax"]
    assert loaded.layers[1].get_config() == {"name": "re_lu", "max_value": 1.0, "negative_slope": 0.1, "threshold": 0.2}
    assert loaded.layers[3].get_config()["negative_slope"] == 0.3 and loaded.layers[5].get_config()["alpha"] == 0.7
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    for layer in model.layers[1::2]:
        assert repr(type(layer).from_config(layer.get_config()).activation) == repr(layer.activation)


def test_activation_layers_export_to_onnx(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from glassnet.onnx import export

    model = model_with_activation_layers()
    model.build((3,))
    x = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    session = ort.InferenceSession(str(export(model, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model.predict(x), rtol=1e-5, atol=1e-6)


EDGES = np.array([np.nan, -np.inf, -1e4, -6.5, -1.0, -5e-324, -0.0, 0.0, 5e-324, 0.25, 1.0, 6.0, 1e4, np.inf])


@pytest.mark.parametrize("options", [dict(max_value=6.0), dict(max_value=1.0, negative_slope=0.2),
                                     dict(negative_slope=0.1), dict(max_value=6.0, negative_slope=0.1)])
def test_relu_with_arguments_keeps_nan_as_keras(options, monkeypatch):
    # relu(nan, max_value=6.0) was 0 (z > threshold is False for NaN), where Keras 3.15 gives NaN, as
    # max(0, z) does: a diverged network's NaN read as a unit that does not fire
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    expected = np.asarray(keras.activations.relu(EDGES, **options), np.float64)
    assert np.isnan(expected[0])
    # atol: XLA on the CPU flushes the denormal 5e-324 to 0, glassnet keeps it
    np.testing.assert_allclose(activations.GeneralReLU(**options)(EDGES), expected, rtol=1e-6, atol=1e-300)
    np.testing.assert_allclose(layers.ReLU(**options)(EDGES[None])[0], expected, rtol=1e-6, atol=1e-300)


@pytest.mark.parametrize("options", [dict(max_value=6.0), dict(threshold=0.5), dict(max_value=3.0, threshold=0.5),
                                     dict(negative_slope=0.2, max_value=3.0, threshold=0.5)])
def test_relu_with_arguments_keeps_nan_by_hand(options):
    # NaN stays NaN for every argument, as step, sign and the plain ReLU keep it (Keras on JAX gives 0 for
    # relu(nan, threshold=0.5): XLA turns its x · (x > threshold) into a select)
    for dtype in (np.float32, np.float64):
        out = activations.GeneralReLU(**options)(np.array([np.nan, 2.0, -1.0], dtype))
        assert np.isnan(out[0]) and out.dtype == dtype
        assert not np.isnan(out[1:]).any()


V = np.array([-3.0, -1.0, 0.0, 2.0])


@pytest.mark.parametrize("name, options, x", [
    ("Activation", dict(activation="relu"), V), ("ReLU", {}, V), ("LeakyReLU", {}, V), ("ELU", {}, V),
    ("Softmax", {}, np.array([1.0, 2.0, 3.0])), ("Activation", dict(activation="softmax"), np.array([1.0, 2.0, 3.0])),
    ("Softmax", {}, np.array([1, 2, 3])), ("Identity", {}, V), ("Dropout", dict(rate=0.5), V),
    ("GaussianNoise", dict(stddev=0.1), V), ("GaussianDropout", dict(rate=0.1), V),
    ("AlphaDropout", dict(rate=0.1), V), ("ActivityRegularization", dict(l1=0.1), V),
    ("Rescaling", dict(scale=1 / 255), np.array([0, 128, 255])), ("Rescaling", dict(scale=0.5, offset=1.0), V),
    ("Rescaling", dict(scale=[1.0, 2.0, 3.0, 4.0]), V), ("UnitNormalization", {}, np.array([3.0, 4.0])),
    ("Normalization", dict(axis=None, mean=2.0, variance=4.0), V),
    ("Normalization", dict(axis=None, mean=2.0, variance=4.0), np.array([1, 2, 3])),
    ("Normalization", dict(axis=None, mean=2.0, variance=4.0), np.array(3.0)),
    ("Normalization", dict(axis=None, mean=2.0, variance=4.0), np.linspace(0, 1, 24).reshape(2, 3, 4)),
    ("Normalization", dict(mean=[1.0, 2.0, 3.0, 4.0], variance=[1.0, 1.0, 4.0, 4.0]), V),
    ("Discretization", dict(bin_boundaries=[0.0]), V), ("ReLU", {}, np.array(-2.0)),
])
def test_weight_free_layers_on_a_vector_give_what_keras_gives(name, options, x, monkeypatch):
    # Keras 3 takes a vector (or a number) in these layers and returns an output of its shape;
    # glassnet's result is float32 (floatx) where Keras keeps int32 for integers (relu, Identity)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    expected = np.asarray(getattr(keras.layers, name)(**options)(x))
    out = getattr(layers, name)(**options)(x)
    assert out.shape == expected.shape == x.shape
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


def test_an_activation_layer_on_its_own_takes_any_shape_as_keras(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    ours, theirs = layers.Activation("elu"), keras.layers.Activation("elu")
    for x in (np.linspace(-2, 2, 6).reshape(2, 3), np.linspace(-2, 2, 10).reshape(2, 5),
              np.linspace(-2, 2, 24).reshape(2, 3, 4), np.linspace(-2, 2, 4)):
        np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=1e-6, atol=1e-7)


def test_activity_regularization_called_on_its_own_lists_the_penalty_as_keras(monkeypatch):
    # Keras's layer.losses after layer(x): R(x) / x.shape[0], also for a vector (divided by its length)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    ours, theirs = layers.ActivityRegularization(l1=0.1, l2=0.5), keras.layers.ActivityRegularization(l1=0.1, l2=0.5)
    assert ours.losses == []
    for x in (np.array([1.0, -2.0, 4.0]), np.array([[1.0, -2.0], [3.0, 0.0]])):
        ours(x), theirs(x)
        np.testing.assert_allclose(ours.losses, [float(v) for v in theirs.losses], rtol=1e-6)
    # by hand for the last: (0.1 · 6 + 0.5 · 14) / 2
    np.testing.assert_allclose(ours.losses, [3.8], rtol=1e-6)
    # in a model, the model's pass sets it (the last batch's penalty)
    model = Sequential([glassnet.Input((2,)), ours])
    model(np.ones((3, 2)))
    np.testing.assert_allclose(ours.losses, [(0.1 * 6 + 0.5 * 6) / 3], rtol=1e-6)


def _three_d_model(axis):
    model = Sequential([glassnet.Input((3, 4)), layers.Dense(5), layers.Softmax(axis=axis)], dtype="float64")
    model.compile("sgd", "categorical_crossentropy")
    return model


def test_a_softmax_along_another_axis_than_cross_entropy_s_is_said_at_fit_and_in_trace(rng):
    # it trained without a word: Softmax(axis=1) on (n, 3, 5) outputs makes each column a distribution,
    # while the cross-entropy sums each row of 5; and trace's rule read as the rows' softmax
    X, y = rng.normal(size=(4, 3, 4)), np.eye(5)[rng.integers(0, 5, size=(4, 3))]
    model = _three_d_model(axis=1)
    with pytest.warns(UserWarning, match=r"softmax normalises along axis 1 of its 3-D outputs, but loss "
                                         r"'categorical_crossentropy' sums along the last axis \(2\)"):
        model.fit(X, y, epochs=1, verbose=0)
    rule = model.trace(X[:1], y[:1]).layers[-1].delta_rule
    assert rule == "J_softmax(z^(3))ᵀ ∂J/∂a^(3), each line along axis 1 (not the rows)"
    for axis in (-1, 2):  # the last axis: the loss's own rows, fused with the loss (no Jacobian rule)
        model = _three_d_model(axis)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            model.fit(X, y, epochs=1, verbose=0)
        assert "axis" not in model.trace(X[:1], y[:1]).layers[-1].delta_rule
