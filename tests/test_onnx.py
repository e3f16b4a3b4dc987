"""ONNX export: onnxruntime must compute what model.predict computes."""

import os
import warnings

import numpy as np
import pytest

from glassnet import activations, layers
from glassnet.layers import (Activation, BatchNormalization, Dense, Dropout, Flatten, GaussianDropout, GaussianNoise, Input,
                             Layer, LayerNormalization, Normalization, Rescaling, Reshape, Softmax, SpectralNormalization,
                             UnitNormalization)
from glassnet.models import Model, Sequential, load_model
from glassnet.onnx import export, to_onnx
from glassnet.utils import set_random_seed

onnx = pytest.importorskip("onnx", reason="ONNX export tests need onnx: pip install glassnet[onnx]")
ort = pytest.importorskip("onnxruntime", reason="ONNX export tests need onnxruntime: pip install glassnet[onnx]")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def trained(model, x, y, loss, epochs=2):
    """Train briefly so weights and batch-norm statistics are far from their initial values."""
    model.compile(optimizer="adam", loss=loss)
    model.fit(x, y, batch_size=16, epochs=epochs, verbose=0)
    return model


def shape_softmax_classifier(rng):
    x = rng.normal(size=(96, 20)).astype(np.float32)
    y = rng.integers(0, 5, 96)
    model = Sequential([
        Dense(32, "relu", input_dim=20), Dropout(0.3),
        Dense(16, "tanh"), Dropout(0.2),
        Dense(5, "softmax"),
    ])
    return trained(model, x, y, "sparse_categorical_crossentropy"), x


def shape_sigmoid_with_batchnorm(rng):
    x = (3 * rng.normal(size=(96, 8)) + 1).astype(np.float32)
    y = rng.integers(0, 2, 96)
    model = Sequential([
        Dense(12, "leaky_relu", input_dim=8), BatchNormalization(),
        Dense(6, activations.Sigmoid(steepness=2.0)),
        Dense(1, "sigmoid"),
    ])
    return trained(model, x, y, "binary_crossentropy"), x


def shape_flatten_regression(rng):
    x = rng.normal(size=(64, 4, 5)).astype(np.float32)
    y = rng.normal(size=(64, 3))
    model = Sequential([Flatten(input_shape=(4, 5)), Dense(10, "elu"), Dense(7, "softplus"), Dense(3)])
    return trained(model, x, y, "mse"), x


def shape_flatten_channels_first(rng):
    x = rng.normal(size=(64, 3, 4, 5)).astype(np.float32)  # (n, C, H, W): a Transpose before the Flatten
    y = rng.normal(size=(64, 2))
    model = Sequential([Flatten("channels_first", input_shape=(3, 4, 5)), Dense(6, "tanh"), Dense(2)])
    return trained(model, x, y, "mse"), x


def shape_batchnorm_first_with_activation_layers(rng):
    x = (5 * rng.normal(size=(80, 6)) - 2).astype(np.float32)
    y = rng.integers(0, 4, 80)
    model = Sequential([
        BatchNormalization(input_shape=(6,)),
        Dense(16), Activation("relu"), Dropout(0.5),
        Dense(4), Activation(activations.Softmax(beta=2.0)),
    ])
    return trained(model, x, y, "sparse_categorical_crossentropy"), x


def shape_deep_tanh_float64(rng):
    x = rng.normal(size=(64, 5))
    y = np.tanh(x[:, :2])
    model = Sequential(
        [
            Dense(9, "tanh", use_bias=False, input_dim=5),
            Dense(9, "bipolar_sigmoid"), BatchNormalization(),
            Dense(9, activations.LeakyReLU(0.2)),
            Dense(2, "tanh"),
        ],
        dtype="float64",
    )
    return trained(model, x, y, "mse"), x


def shape_normalization_noise_and_layernorm(rng):
    x = rng.normal(loc=[5.0, -2.0, 0.0, 30.0, 1.0, 0.5], scale=[2.0, 0.1, 1.0, 10.0, 3.0, 0.5],
                   size=(96, 6)).astype(np.float32)
    y = rng.integers(0, 3, 96)
    normalizer = Normalization()
    normalizer.adapt(x)
    model = Sequential([
        normalizer, GaussianNoise(0.2),
        Dense(16, "relu"), LayerNormalization(), GaussianDropout(0.3),
        Dense(8, "tanh"), Rescaling(0.5, offset=0.25), LayerNormalization(center=False, epsilon=1e-5),
        Dense(3, "softmax"),
    ])
    return trained(model, x, y, "sparse_categorical_crossentropy"), x


def shape_inverted_normalization_and_layernorm_float64(rng):
    x = rng.normal(size=(64, 5))
    y = rng.normal(size=(64, 2))
    model = Sequential([
        Rescaling(2.0, input_shape=(5,)), Dense(7, "elu"), LayerNormalization(scale=False), GaussianNoise(0.1),
        Dense(4), Normalization(mean=[1.0, -2.0, 0.5, 0.0], variance=[4.0, 0.25, 0.0, 1.0], invert=True),
        Normalization(axis=None, mean=0.5, variance=2.0), Dense(2),
    ], dtype="float64")
    return trained(model, x, y, "mse"), x


def shape_per_channel_rescaling_of_images(rng):
    x = rng.integers(0, 256, size=(48, 4, 5, 3)).astype(np.float32)  # (n, H, W, RGB) pixels
    y = rng.normal(size=(48, 2))
    model = Sequential([
        Rescaling([1 / 58.4, 1 / 57.1, 1 / 57.4], offset=[-2.12, -2.04, -1.80], input_shape=(4, 5, 3)),
        Flatten(), Dense(6, "tanh"), Rescaling([2.0] * 3 + [0.5] * 3), Dense(2),
    ])
    return trained(model, x, y, "mse"), x


def shape_nested_pinned_with_activity_penalties(rng):
    """A base nested twice, called with training=True (Monte-Carlo dropout and batch statistics in
    model(x)) and False, with activity penalties: the graph is predict's inference pass."""
    x = rng.normal(size=(64, 6)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    inner = Sequential([Dense(8, "relu", activity_regularizer="l1"), BatchNormalization(), Dropout(0.4)], name="inner")
    base = Sequential([Input((6,)), inner, Dense(5, "tanh", activity_regularizer="l2")], name="base")
    inputs = Input((6,))
    features = base(inputs, training=True)
    head = Sequential([Dense(3, activity_regularizer="l1_l2")], name="head")
    model = Sequential([Model(inputs, head(features, training=False)), Activation("softmax")])
    model = trained(model, x, y, "sparse_categorical_crossentropy")
    assert not np.allclose(model(x), model.predict(x))  # the pins hold in model(x): not what ONNX computes
    return model, x


SHAPES = [
    shape_nested_pinned_with_activity_penalties,
    shape_softmax_classifier,
    shape_sigmoid_with_batchnorm,
    shape_flatten_regression,
    shape_flatten_channels_first,
    shape_batchnorm_first_with_activation_layers,
    shape_deep_tanh_float64,
    shape_normalization_noise_and_layernorm,
    shape_inverted_normalization_and_layernorm_float64,
    shape_per_channel_rescaling_of_images,
]


@pytest.mark.parametrize("make", SHAPES, ids=lambda f: f.__name__)
def test_onnxruntime_equals_predict(make, rng, tmp_path):
    set_random_seed(1)
    model, x = make(rng)
    path = export(model, tmp_path / "model.onnx")
    fresh = rng.normal(scale=2.0, size=x.shape).astype(x.dtype)
    for inputs in (x, fresh):
        out = run_onnx(path, inputs)
        assert out.dtype == model.predict(inputs).dtype
        np.testing.assert_allclose(out, model.predict(inputs), rtol=1e-5, atol=1e-5)


def test_batchnorm_statistics_are_the_running_ones(rng, tmp_path):
    set_random_seed(2)
    model, x = shape_sigmoid_with_batchnorm(rng)
    bn = model.layers[1]
    assert not np.allclose(bn.state["moving_mean"], 0)  # the test would be weak otherwise
    # One sample at a time: batch statistics would make every output different.
    single = run_onnx(export(model, tmp_path / "m.onnx"), x[:1])
    np.testing.assert_allclose(single, model.predict(x[:1]), rtol=1e-5, atol=1e-6)




@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(name for name in activations.ACTIVATIONS  # (glu, threshold: no layer takes them)
                                         if activations.get(name).layer_refusal() is None))
def test_every_builtin_activation_exports(name, dtype, rng, tmp_path):
    set_random_seed(3)
    model = Sequential([Dense(7, "linear", input_dim=3), Dense(4, name)], dtype=dtype)
    model.build((3,))
    x = rng.normal(scale=3.0, size=(40, 3)).astype(dtype)
    x[0] = 0.0  # z = 0 exactly (zero biases): step/sign/ReLU edge cases and a 4-way argmax tie
    out = run_onnx(export(model, tmp_path / "m.onnx"), x)
    np.testing.assert_allclose(out, model.predict(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "activation",
    [activations.Sigmoid(0.5), activations.Softmax(beta=4.0), activations.BipolarSigmoid(3.0),
     activations.LeakyReLU(0.3), activations.ELU(0.5), activations.CELU(0.5), activations.HardShrink(1.0),
     activations.SoftShrink(0.25), activations.Squareplus(1.0), activations.Squareplus(0.0),
     activations.Threshold(0.5, -2.0)],
    ids=repr,
)
def test_activation_parameters_are_kept(activation, rng, tmp_path):
    model = Sequential([Dense(6, activation, input_dim=3)])
    model.build((3,))
    x = rng.normal(scale=2.0, size=(30, 3)).astype(np.float32)
    out = run_onnx(export(model, tmp_path / "m.onnx"), x)
    np.testing.assert_allclose(out, model.predict(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", [activations.CELU(), activations.HardTanh(), activations.HardShrink(),
                                        activations.SoftShrink(), activations.TanhShrink(),
                                        activations.Threshold(0.5, -2.0), activations.LogSigmoid(),
                                        activations.SparsePlus(), activations.SparseSigmoid(), activations.Squareplus(),
                                        activations.Sparsemax()], ids=repr)
def test_keras_315_activations_keep_nan_inf_and_edges_as_glassnet(activation, dtype, tmp_path):
    # predict refuses NaN and inf inputs: the graph of an Activation layer against the activation itself
    model = Sequential([Activation(activation, input_shape=(4,))], dtype=dtype)
    model.build((4,))
    z = np.array([[0, np.nan, np.inf, -np.inf], [0.5, -0.5, 1, -1], [1e30, -1e30, 3, -3], [-np.inf] * 4,
                  [np.inf, 1, 2, 3], [-np.inf, 0.5, 0.4, -1]], dtype)
    with np.errstate(all="ignore"):
        expected = activation(z)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), z), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("activation", [activations.Squareplus(), activations.Sparsemax()], ids=repr)
def test_squareplus_and_sparsemax_export_in_float16(activation, tmp_path):
    # opset 17's IsInf takes float32 and float64 only: onnxruntime refused their float16 graphs as invalid
    model = Sequential([Activation(activation, input_shape=(4,))], dtype="float16")
    model.build((4,))
    z = np.array([[0, np.nan, np.inf, -np.inf], [0.5, -0.5, 1, -1], [300, -300, 3, -3], [-np.inf] * 4,
                  [np.inf, 1, 2, 3], [-np.inf, 0.5, 0.4, -1]], "float16")
    with np.errstate(all="ignore"):
        expected = activation(z)
    out = run_onnx(export(model, tmp_path / "m.onnx"), z)
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype(np.float64), expected.astype(np.float64), rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize(("dtype", "large"), [("float16", 4e4), ("float32", 1e8), ("float64", 1e17)])
def test_sparsemax_of_large_logits_exports_as_predict_computes_it(dtype, large, tmp_path):
    # the graph shifts each row by its largest z, as Sparsemax.forward: unshifted, τ = z_(1) − 1 rounded to z_(1)
    # and the row was all 0; a finite row whose sum overflows float16 is no NaN row
    model = Sequential([Activation("sparsemax", input_shape=(3,))], dtype=dtype)
    model.build((3,))
    z = np.array([[large, 0.0, -large], [large, large, 0.0], [0.0, np.nan, 1.0], [np.inf, 0.0, 1.0]], dtype)
    out = run_onnx(export(model, tmp_path / "m.onnx"), z)
    np.testing.assert_array_equal(out[:2], [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    assert np.isnan(out[2:]).all()


def test_argmax_splits_ties_like_glassnet(tmp_path):
    model = Sequential([Dense(4, "argmax", input_dim=4)])
    model.build((4,))
    model.layers[0].params["W"][...] = np.eye(4)
    out = run_onnx(export(model, tmp_path / "m.onnx"), np.array([[4, 3, 2, 4]], dtype=np.float32))
    np.testing.assert_array_equal(out, [[0.5, 0, 0, 0.5]])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_max_pooling_keeps_a_nan_at_any_step(dtype, data_format, keepdims, tmp_path):
    # NumPy's max (predict's) is NaN where the steps hold a NaN; onnxruntime's ReduceMax kept it at the first step
    # only: a NaN made inside the model (e^100 − e^100 = inf − inf) came out as the other steps' maximum
    model = Sequential([Input((3, 2)), layers.GlobalMaxPooling1D(data_format=data_format, keepdims=keepdims)],
                       dtype=dtype)
    X = np.array([[[1, 0], [np.nan, 5], [2, -1]], [[1, np.nan], [3, 4], [0, 9]], [[-np.inf, 2], [7, 2], [8, np.nan]]],
                 dtype)
    if data_format == "channels_last":  # the max over the 3 steps of each of 2 features
        expected = [[np.nan, 5], [3, np.nan], [8, np.nan]]
    else:  # the max over the 2 steps of each of 3 features
        expected = [[1, np.nan, 2], [np.nan, 4, 9], [2, 7, np.nan]]
    expected = np.array(expected, dtype)
    if keepdims:
        expected = expected[:, None, :] if data_format == "channels_last" else expected[:, :, None]
    out = run_onnx(export(model, tmp_path / "m.onnx"), X)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, expected)  # (NaN where NaN)
    # through predict: the NaN of the second step, inf − inf, as in the hunt's model
    model = Sequential([Input((3, 2)), Activation("exponential"), Dense(1, use_bias=False),
                        layers.GlobalMaxPooling1D()])
    model.set_weights([np.array([[1.0], [-1.0]], dtype=np.float32)])
    x = np.array([[[1.0, 0.0], [100.0, 100.0], [0.0, 0.0]]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(model.predict(x, verbose=0)).all()
    assert np.isnan(run_onnx(export(model, tmp_path / "m.onnx"), x)).all()


def test_graph_has_symbolic_batch_and_checks(tmp_path):
    model = Sequential([Dense(3, "relu", input_dim=2), Dropout(0.5), Dense(1, "sigmoid")])
    model.build((2,))
    proto = to_onnx(model)
    onnx.checker.check_model(proto)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and dims[1].dim_value == 2
    assert "Dropout" not in {node.op_type for node in proto.graph.node}
    out = run_onnx(export(model, tmp_path / "m.onnx"), np.zeros((7, 2), dtype=np.float32))
    assert out.shape == (7, 1)


@pytest.mark.parametrize("make, shape", [
    (lambda: layers.GroupNormalization(groups=2), (6,)), (lambda: layers.GroupNormalization(groups=3), (4, 6)),
    (lambda: LayerNormalization(axis=[1, 3]), (3, 4, 5)), (lambda: Reshape((3, -1)), (12,)),
    (lambda: Flatten(data_format="channels_first"), (3, 4, 2)), (lambda: layers.Embedding(10, 3), (4,)),
    (lambda: layers.GlobalMaxPooling1D(keepdims=True), (6, 4)), (lambda: Activation("sparsemax"), (4,)),
    (lambda: layers.CategoryEncoding(num_tokens=4, output_mode="count"), (3,)),
    (lambda: BatchNormalization(), (4, 5))], ids=lambda v: "x".join(map(str, v)) if isinstance(v, tuple) else "")
def test_an_empty_batch_runs_in_onnxruntime(make, shape, tmp_path):
    # GroupNormalization reshaped (n, ...) to (n, -1, G, C/G): onnxruntime cannot resolve -1 beside n = 0
    # ("The input tensor cannot be reshaped to the requested shape. Input shape:{0,6}")
    model = Sequential([Input(shape), make()])
    out = run_onnx(export(model, tmp_path / "m.onnx"), np.zeros((0, *shape), np.float32))
    assert out.shape == (0, *model.layers[-1].output_shape) and out.dtype == np.float32


def test_custom_activation_is_refused():
    def cube(Z):
        return Z**3

    model = Sequential([Dense(2, cube, input_dim=2)])
    model.build((2,))
    with pytest.raises(ValueError, match="Cannot export the function 'cube' of layer 'dense' .*only the built-in"):
        to_onnx(model)

    class Cube(activations.Activation):
        def forward(self, Z, out=None):
            return Z**3

    model = Sequential([Dense(2, Cube(), input_dim=2)])
    model.build((2,))
    with pytest.raises(ValueError, match=r"Cannot export the activation Cube\(\) of layer 'dense' .*only the built-in") as info:
        to_onnx(model)
    # the names listed are those a layer takes (glu, which halves its input, was listed as having a form)
    listed = str(info.value).split("a layer takes (")[1].split(", and Threshold(")[0].split(", ")
    assert listed == activations.layer_names()
    assert "glu" not in listed and "relu" in listed and "tanh_shrink" in listed


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", [activations.GeneralReLU(0.1), activations.GeneralReLU(max_value=1.0),
                                        activations.GeneralReLU(0.2, 1.5, 0.5), activations.GELU(approximate=True)],
                         ids=repr)
def test_activations_with_arguments_export(activation, dtype, rng, tmp_path):
    model = Sequential([Dense(7, "linear", input_dim=3), Dense(4, activation)], dtype=dtype)
    model.build((3,))
    x = rng.normal(scale=3.0, size=(40, 3)).astype(dtype)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), model.predict(x), rtol=1e-5, atol=1e-6)


def test_custom_layer_is_refused():
    class Twice(Layer):
        def forward(self, X, training=False):
            return 2 * X

    model = Sequential([Dense(2, input_dim=2), Twice()])
    model.build((2,))
    with pytest.raises(ValueError, match="Cannot export layer .* of type Twice"):
        to_onnx(model)


def test_a_wrapped_subclass_of_dense_is_refused_by_name():
    # SpectralNormalization wraps any Dense, a subclass of the user's too: the export raised a bare
    # KeyError (the subclass's type) where a Dense subclass alone gets the ValueError naming the layer
    class Doubled(Dense):
        def forward(self, X, training=False):
            return 2 * super().forward(X, training)

    model = Sequential([Input((3,)), SpectralNormalization(Doubled(2), name="sn")])
    with pytest.raises(ValueError, match="Cannot export layer 'sn' of type SpectralNormalization wrapping Doubled "
                                         "to ONNX: only .*SpectralNormalization of a Dense or an Embedding"):
        to_onnx(model)


def test_unbuilt_model_and_wrong_type_are_refused():
    with pytest.raises(ValueError, match="built model"):
        to_onnx(Sequential([Dense(2)]))
    # a model of an Input alone was told to call fit or build, which cannot help: predict says "no layers"
    for empty in (Sequential(), Sequential([Input((3,))])):
        with pytest.raises(ValueError, match=r"The model has no layers, so there is nothing to export"):
            to_onnx(empty)
    with pytest.raises(TypeError, match="Sequential"):
        to_onnx("model.gn")


TARGETS = {  # y of X (300, 4): scikit-learn's kinds of classification target
    "binary_int": lambda X: np.where(X[:, 0] + X[:, 1] > 0, 3, 7),
    "binary_text": lambda X: np.where(X[:, 0] > 0, "yes", "no"),
    "multiclass_text": lambda X: np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)],
    "multiclass_float": lambda X: (X[:, 0] > 0) + (X[:, 1] > 0) + 1.0,
    "multilabel": lambda X: np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0].astype(int),
}


@pytest.mark.parametrize("target", TARGETS)
def test_a_fitted_classifier_exports_label_and_probabilities_as_scikit_learn(target, rng, tmp_path):
    # to_onnx(clf) was a TypeError; clf.model_ gave one probability column for two classes and no label
    # (or text labels). Reference: scikit-learn's own MLPClassifier, its weights copied into glassnet's
    pytest.importorskip("sklearn")
    import warnings

    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    from glassnet.sklearn import MLPClassifier

    X = rng.normal(size=(300, 4))
    y = TARGETS[target](X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        reference = SkMLPClassifier(hidden_layer_sizes=(6,), max_iter=50, random_state=0).fit(X, y)
        clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=1, random_state=0).fit(X, y)
    clf.coefs_, clf.intercepts_ = reference.coefs_, reference.intercepts_
    path = export(clf, tmp_path / "clf.onnx")
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]  # skl2onnx's, zipmap=False
    for n in (1, 7, 300):
        label, probabilities = session.run(None, {"input": X[:n]})
        expected = reference.predict(X[:n])
        np.testing.assert_array_equal(label, expected)
        assert label.dtype == (object if expected.dtype.kind == "U" else expected.dtype)  # text: ONNX strings
        np.testing.assert_allclose(probabilities, reference.predict_proba(X[:n]), rtol=1e-12, atol=1e-15)
    assert len(np.unique(label)) > 1  # both sides of the cut are seen


def test_a_fitted_regressor_exports_variable_and_an_unfitted_one_is_refused(rng, tmp_path):
    pytest.importorskip("sklearn")
    import warnings

    from sklearn.exceptions import NotFittedError

    from glassnet.sklearn import MLPClassifier, MLPRegressor

    X = rng.normal(size=(50, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, X[:, :2])
    session = ort.InferenceSession(str(export(estimator, tmp_path / "r.onnx")), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["variable"]
    (W1, W2), (b1, b2) = estimator.coefs_, estimator.intercepts_
    expected = np.maximum(X @ W1 + b1, 0) @ W2 + b2  # relu hidden layer, identity output, by hand
    np.testing.assert_allclose(session.run(None, {"input": X})[0], expected, rtol=1e-12, atol=1e-15)
    with pytest.raises(NotFittedError, match="not fitted"):
        to_onnx(MLPClassifier())
    with pytest.raises(TypeError, match="Sequential model or a glassnet.sklearn estimator. Received: str"):
        to_onnx("model.gn")


def test_export_replaces_only_an_onnx_file_unless_told(tmp_path):
    """export(model, path) replaced any file at path, a glassnet model included (the CLI refused):
    by default it now replaces an ONNX file or an empty one, as Keras's save replaces only .keras files."""
    x = np.array([[1.0, -2.0, 0.5]], dtype=np.float32)
    model = Sequential([Dense(2, input_dim=3)])
    model.build((3,))
    model.save(tmp_path / "model.gn")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    zipped = tmp_path / "renamed.onnx"  # a glassnet model under an ONNX name: still a zip archive
    zipped.write_bytes((tmp_path / "model.gn").read_bytes())
    kept = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for name in kept:
        with pytest.raises(FileExistsError, match=f"{name}' exists and is not an ONNX file.*pass overwrite=True"):
            export(model, tmp_path / name)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == kept
    # an earlier export, and an empty file, are replaced; overwrite=True replaces any file, False none
    (tmp_path / "empty.gn").touch()
    for name, overwrite in (("m.onnx", None), ("m.onnx", None), ("empty.gn", None), ("model.gn", True)):
        path = export(model, tmp_path / name, overwrite=overwrite)
        np.testing.assert_allclose(run_onnx(path, x), model.predict(x), rtol=1e-6)
    with pytest.raises(FileExistsError, match="exists and overwrite=False"):
        export(model, tmp_path / "m.onnx", overwrite=False)
    assert export(model, tmp_path / "new.onnx", overwrite=False) == str(tmp_path / "new.onnx")
    # an export under another name is told by its content: the next export replaces it (it said "exists and
    # is not an ONNX file" of the file it had just written)
    export(model, tmp_path / "plain.bin")
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "plain.bin"), x), model.predict(x), rtol=1e-6)
    with pytest.raises(TypeError, match="overwrite must be None, True or False. Received: overwrite='yes'"):
        export(model, tmp_path / "m.onnx", overwrite="yes")
    # model.save replaces no ONNX file (only its own kind), and model.export, Keras's name for export, follows
    # export's rule and takes overwrite too
    with pytest.raises(FileExistsError, match="model.gn' exists and is not a glassnet model file: it seems to be"):
        model.save(tmp_path / "model.gn")
    (tmp_path / "model.gn").unlink()
    model.save(tmp_path / "model.gn")
    with pytest.raises(FileExistsError, match="model.gn' exists and is not an ONNX file"):
        model.export(tmp_path / "model.gn")
    np.testing.assert_allclose(run_onnx(model.export(tmp_path / "model.gn", overwrite=True), x), model.predict(x),
                               rtol=1e-6)


def test_an_onnx_file_under_another_name_is_told_by_its_content(tmp_path):
    """An ONNX file named model.gn: load_model said "it is not a glassnet model file (a zip archive): File is not a
    zip file" (only the .onnx suffix was recognized), and model.save called it "a file of another kind"."""
    onnx = pytest.importorskip("onnx")
    model = Sequential([Dense(2, input_dim=3)])
    model.build((3,))
    path = export(model, tmp_path / "model.gn", overwrite=True)
    with pytest.raises(ValueError, match=r"model.gn': it is an ONNX file \(model.export's\), which runs in onnxruntime"):
        load_model(path)
    with pytest.raises(FileExistsError, match=r"model.gn' exists and is not a glassnet model file: it seems to be an "
                                              r"ONNX file"):
        model.save(path)
    # a model onnx's own helper writes (another producer, no producer_name) is told too
    graph = onnx.helper.make_graph([onnx.helper.make_node("Relu", ["x"], ["y"])], "g",
                                   [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])])
    other = tmp_path / "other.bin"
    other.write_bytes(onnx.helper.make_model(graph).SerializeToString())
    with pytest.raises(ValueError, match="it is an ONNX file"):
        load_model(other)


def test_failed_export_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    model = Sequential([Dense(2, lambda Z: Z, input_dim=2)])
    model.build((2,))
    with pytest.raises(ValueError):
        export(model, path)
    model = Sequential([Dense(2, input_dim=2)])
    model.build((2,))

    def disk_full(fd):
        raise OSError("No space left on device")

    monkeypatch.setattr("glassnet._io.os.fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        export(model, path)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["m.onnx"]  # no temporary file left behind


def test_missing_onnx_gives_install_hint(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    model = Sequential([Dense(2, input_dim=2)])
    model.build((2,))
    with pytest.raises(ImportError, match=r'pip install "glassnet\[onnx\]"'):
        to_onnx(model)


def test_float64_batchnorm_keeps_float64_precision(rng, tmp_path):
    # ONNX's epsilon attribute is a float32; a tiny variance exposed the rounding of 1e-3 (2.4e-8)
    model = Sequential([Dense(3, input_dim=4), BatchNormalization()], dtype="float64")
    model.build()
    bn = model.layers[1]
    bn.state["moving_variance"][...] = 1e-6
    bn.state["moving_mean"][...] = 0.3
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "bn.onnx"), x), model.predict(x), rtol=1e-13)


@pytest.mark.parametrize("shape", [(3,), (2, 3)], ids=["2-D", "several axes"])
def test_batchnorm_of_a_mean_far_from_zero_keeps_predicts_precision(shape, tmp_path):
    # onnxruntime's BatchNormalization (and the Mul and Add of several axes) computed x·s + (β − μ·s): for
    # μ = 1000 and σ = 0.033 the large x·s cancelled, 1.2e-3 off in float32 where predict, (x − μ)·s, is 4e-8 off
    model = Sequential([Input(shape), BatchNormalization()])
    model.set_weights([np.ones(3), np.zeros(3), np.full(3, 1000.0), np.full(3, 1e-4)])  # γ, β, μ, σ² (ε = 1e-3)
    x = np.array([1000.01, 999.99, 1000.005], dtype=np.float32).reshape(1, *[1] * (len(shape) - 1), 3)
    x = np.broadcast_to(x, (1, *shape)).copy()
    expected = np.broadcast_to([0.30180578, -0.30180578, 0.15090289], x.shape)  # (x − 1000)/sqrt(1.1e-3), exactly
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), expected, rtol=1e-6)


def test_a_declared_input_size_is_enough_to_export(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,))])  # not yet built, as for summary()
    x = np.ones((1, 3), dtype=np.float32)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), model.predict(x), rtol=1e-6)


@pytest.mark.parametrize("center, scale", [(False, True), (True, False), (False, False)])
def test_batchnorm_without_center_or_scale_exports(center, scale, rng, tmp_path):
    model = Sequential([Dense(4, input_dim=3), BatchNormalization(center=center, scale=scale), Dense(2)],
                       dtype="float64", seed=0)
    x = rng.normal(size=(16, 3))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, rng.normal(size=(16, 2)), epochs=2, verbose=0)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), model.predict(x), atol=1e-12)


@pytest.mark.parametrize("labels, units", [(["lo", "hi"], 2), (["lo", "hi"], 1), (["a", "b", "c"], 3)])
def test_a_classifier_with_class_labels_has_a_label_output_as_predict(labels, units, rng, tmp_path):
    # the class column of glassnet predict: argmax through the saved labels (p > 0.5 for one unit)
    from glassnet.cli._common import predicted_classes

    x = rng.normal(size=(200, 4)).astype(np.float32)
    out = "sigmoid" if units == 1 else "softmax"
    model = Sequential([Dense(8, "tanh", input_dim=4), Dense(units, out)], seed=0)
    model.metadata["classes"] = labels
    path = export(model, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probabilities, label = session.run(None, {"input": x})
    assert [o.name for o in session.get_outputs()] == ["output", "label"]
    P = model.predict(x)
    np.testing.assert_allclose(probabilities, P, rtol=1e-5, atol=1e-6)
    assert list(label) == [labels[k] for k in predicted_classes(P)]
    assert len(set(label)) == len(labels)  # every class occurs: the test sees each branch
    # without labels (a model of the Python API) there is one output, as before
    del model.metadata["classes"]
    session = ort.InferenceSession(str(export(model, tmp_path / "plain.onnx")), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["output"]


@pytest.mark.parametrize("activation, loss, threshold", [("tanh", "hinge", 0.0), ("tanh", None, 0.0),
                                                        ("linear", "perceptron", 0.0), ("sigmoid", "hinge", 0.5),
                                                        ("tanh", "mse", 0.5)])
def test_one_unit_label_is_cut_where_predict_cuts_it(activation, loss, threshold, rng, tmp_path):
    # the label output cut every single unit at 0.5, where glassnet predict reads a tanh or hinge
    # unit at 0 (its targets are -1 and +1): scores in (0, 0.5) got the other class than predict's
    x = rng.normal(size=(400, 4)).astype(np.float32)
    model = Sequential([Dense(1, activation, input_dim=4)], seed=0)
    if loss is not None:
        model.compile(optimizer="sgd", loss=loss)
    model.metadata["classes"] = ["no", "yes"]
    session = ort.InferenceSession(str(export(model, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
    _, label = session.run(None, {"input": x})
    score = model.predict(x, verbose=0)[:, 0]
    assert list(label) == ["yes" if s > threshold else "no" for s in score]
    assert ((score > 0) & (score <= 0.5)).any()  # rows where the two cuts differ are there


def test_the_label_of_a_row_with_nan_is_the_first_nans_as_predict(tmp_path):
    # glassnet predict's class column (and scikit-learn's predict) is NumPy's argmax, which stops at the first
    # NaN; onnxruntime's ArgMax skips NaN: the row [inf, NaN, -inf] was "a" where predict says "b"
    from glassnet.cli._common import predicted_classes

    model = Sequential([Input((2,)), Dense(2, use_bias=False), Dense(3, use_bias=False)])
    model.set_weights([np.array([[10.0, 0.0], [0.0, -10.0]], dtype=np.float32),
                       np.array([[1.0, 1.0, -1.0], [-1.0, 1.0, 1.0]], dtype=np.float32)])
    model.metadata["classes"] = ["a", "b", "c"]
    x = np.array([[3e38, 3e38], [1.0, -0.1]], dtype=np.float32)  # hidden [inf, -inf]: outputs [inf, NaN, -inf]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        P = model.predict(x, verbose=0)
    assert [model.metadata["classes"][k] for k in predicted_classes(P)] == ["b", "b"]
    session = ort.InferenceSession(str(export(model, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
    assert list(session.run(None, {"input": x})[1]) == ["b", "b"]
    # the graph's own rows: a NaN anywhere, several, all, none
    model = Sequential([Input((4,)), Activation("linear")])
    model.metadata["classes"] = ["a", "b", "c", "d"]
    P = np.array([[1, np.nan, 3, np.nan], [np.nan, 5, 1, 0], [0, 1, 2, np.nan], [np.nan] * 4, [-np.inf, 2, 2, 1],
                  [0, 0, 0, 0]], np.float32)
    session = ort.InferenceSession(str(export(model, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
    assert list(session.run(None, {"input": P})[1]) == ["b", "a", "d", "a", "b", "a"]


@pytest.mark.parametrize("name", ["step", "sign", activations.GeneralReLU(max_value=6.0),
                                  activations.GeneralReLU(max_value=1.0, threshold=0.5)], ids=str)
def test_step_sign_and_relu_with_arguments_keep_nan_in_onnx_as_in_glassnet(name, tmp_path):
    # predict refuses NaN inputs, but a diverged net computes NaN logits: onnxruntime read them as 0 / -1
    model = Sequential([Activation(name, input_shape=(4,))], dtype="float32")
    z = np.array([[np.nan, -2.0, 0.0, 3.0]], dtype=np.float32)
    out = run_onnx(export(model, tmp_path / "m.onnx"), z)
    np.testing.assert_array_equal(out, activations.get(name)(z))
    assert np.isnan(out[0, 0])


@pytest.mark.parametrize("at_zero, expected", [(0.0, [0, 0, 1]), (0.5, [0, 0.5, 1]), (1.0, [0, 1, 1])])
def test_a_step_keeps_its_value_at_zero_in_onnx(at_zero, expected, tmp_path):
    # seed 002's step, Step(at_zero=0), is 0 at z = 0; the exported graph computed z >= 0 for every step
    model = Sequential([Activation(activations.Step(at_zero=at_zero), input_shape=(3,))], dtype="float32")
    z = np.array([[-2.0, 0.0, 3.0]], dtype=np.float32)
    np.testing.assert_array_equal(run_onnx(export(model, tmp_path / "m.onnx"), z), [expected])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("beta, expected", [(1e308, [[0, 0, 1], [1, 0, 0]]), (2.5, None)])
def test_a_huge_softmax_beta_exports_the_argmax_not_nan(beta, expected, dtype, tmp_path):
    # predict gives the one-hot rows of the argmax; the graph multiplied z by β first, so β z
    # overflowed and onnxruntime returned NaN (in float32 β itself was inf)
    model = Sequential([Activation(activations.Softmax(beta=beta), input_shape=(3,))], dtype=dtype)
    z = np.array([[1.0, 2.0, 3.0], [0.5, -5.0, 0.0]], dtype=dtype)
    if expected is None:  # an ordinary β: the float64 formula
        expected = np.exp(beta * z.astype(np.float64)) / np.exp(beta * z.astype(np.float64)).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(z, verbose=0), expected, rtol=1e-6, atol=0)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), z), expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize("make, x, expected", [
    # α(e^z − 1) with α = 1 + 3e-8, which rounds to 1 in float32
    (lambda: Activation(activations.ELU(1 + 3e-8)), [[-2.0, -0.5, 1.0]],
     [[(1 + 3e-8) * np.expm1(-2.0), (1 + 3e-8) * np.expm1(-0.5), 1.0]]),
    (lambda: Activation(activations.Softmax(beta=1 + 5e-8)), [[0.0, 1.0, 3.0]],
     np.exp((1 + 5e-8) * np.array([[0.0, 1.0, 3.0]])) / np.exp((1 + 5e-8) * np.array([0.0, 1.0, 3.0])).sum()),
    (lambda: Rescaling(1 + 2.0**-30, offset=1e-300), [[1.0, 0.0]], [[1 + 2.0**-30, 1e-300]]),
    # ε = 1e-46 rounds to 0 in float32: a constant row was 0/0 = NaN; predict gives 0 (and x/|x| for RMS)
    (lambda: LayerNormalization(epsilon=1e-46), [[5.0, 5.0, 5.0]], [[0.0, 0.0, 0.0]]),
    (lambda: layers.RMSNormalization(epsilon=1e-46), [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]], [[0.0] * 3, [1.0] * 3]),
    (lambda: layers.GroupNormalization(groups=1, epsilon=1e-46), [[5.0, 5.0, 5.0]], [[0.0, 0.0, 0.0]])],
    ids=["elu", "softmax", "rescaling", "layer_norm", "rms_norm", "group_norm"])
def test_float64_constants_that_round_to_float32s_identity_are_kept(make, x, expected, tmp_path):
    # onnxruntime's NoopElimination (default session options) removed x · c and x + c for a float64 scalar c that is
    # 1 or 0 once rounded to float32: ELU's α = 1 + 3e-8 came out as 1 (3e-8 off), an ε of 1e-46 as 0
    x = np.array(x)
    model = Sequential([Input((x.shape[1],)), make()], dtype="float64")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-15, atol=0)
    session = ort.InferenceSession(to_onnx(model).SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], expected, rtol=1e-15, atol=0)
    proto = to_onnx(model)  # and no constant left unread (onnxruntime warns of one)
    assert {t.name for t in proto.graph.initializer} <= {name for node in proto.graph.node for name in node.input}


def test_model_export_writes_onnx_as_keras_export_does(rng, tmp_path):
    # Keras 3's model.export(path, format="onnx"): the same file as glassnet.onnx.export
    model = Sequential([Input(shape=(4,)), Dense(5, activation="tanh"), Dense(3, activation="softmax")], seed=0)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    path = model.export(tmp_path / "m.onnx", format="onnx")
    session = ort.InferenceSession(os.fspath(path))
    np.testing.assert_allclose(session.run(None, {session.get_inputs()[0].name: x})[0], model.predict(x), atol=1e-6)
    assert open(path, "rb").read() == to_onnx(model).SerializeToString()
    for fmt in ("tf_saved_model", "litert"):
        with pytest.raises(ValueError, match=f"format='{fmt}' needs TensorFlow or OpenVINO.*format='onnx'"):
            model.export(tmp_path / "x", format=fmt)
    with pytest.raises(ValueError, match=r"format must be one of \['keras', 'onnx'\]. Received: format='h5'"):
        model.export(tmp_path / "x", format="h5")
    with pytest.raises(ValueError, match="input_signature is for Keras"):
        model.export(tmp_path / "x", input_signature=[1])
    with pytest.raises(ValueError, match="export\\(\\) needs a built model"):
        Sequential([Dense(2)]).export(tmp_path / "y.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]  # nothing written by the refusals


@pytest.mark.parametrize("activation", [activations.Sigmoid(), activations.Sigmoid(3.0), activations.SiLU(),
                                        activations.GELU(approximate=True), activations.Softplus(), activations.Mish()],
                         ids=repr)
def test_float64_sigmoid_and_softplus_keep_their_tails(activation, tmp_path):
    # onnxruntime's float64 Sigmoid is 0.5 tanh(z/2) + 0.5 (σ(-20) off by 3e-8, σ(-50) = 0) and
    # log(1 + e^{-|z|}) rounds 1 + 2e-22 to 1: predict keeps full relative precision there
    z = np.logspace(-3, np.log10(700), 200)
    x = np.concatenate([-z[::-1], [0.0], z]).reshape(-1, 1)
    model = Sequential([Activation(activation, input_shape=(1,))], dtype="float64")
    tiny = np.finfo(np.float64).tiny  # (subnormal outputs aside)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), model.predict(x), rtol=1e-12, atol=tiny)


@pytest.mark.parametrize("activation", [activations.Sigmoid(), activations.Sigmoid(3.0), activations.SiLU(),
                                        activations.GELU(approximate=True), activations.GELU()], ids=repr)
def test_float32_sigmoid_matches_predict_relative_to_its_value(activation, tmp_path):
    # onnxruntime's float32 Sigmoid is accurate to an ulp of 1, not of the value: σ(-17) came out twice
    # too large, and a fifth of a trained binary classifier's probabilities missed predict's by over 1e-5;
    # gelu's 1 + erf(z/√2) lost its tail the same way (2e-3 off at z = -4, 0 instead of -2e-8 at z = -5.8)
    z = np.logspace(-10, np.log10(80), 200)
    x = np.concatenate([-z[::-1], [0.0], z]).reshape(-1, 1).astype(np.float32)
    model = Sequential([Activation(activation, input_shape=(1,))], dtype="float32")
    tiny = np.finfo(np.float32).tiny  # (subnormal outputs aside)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), model.predict(x), rtol=1e-5, atol=tiny)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", [activations.SELU(), activations.ELU(0.5)], ids=repr)
def test_elu_and_selu_keep_small_negative_inputs(activation, dtype, tmp_path):
    # α(e^z − 1) lost z's digits near 0 (e^{-1e-8} − 1 keeps half of them; float32 selu(-1e-8) was 0,
    # and so was onnxruntime's float32 Elu of -3e-8); predict computes expm1
    z = np.logspace(-12, np.log10(800), 200)
    x = np.concatenate([-z[::-1], [0.0], z]).reshape(-1, 1).astype(dtype)
    model = Sequential([Activation(activation, input_shape=(1,))], dtype=dtype)
    rtol = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), model.predict(x), rtol=rtol, atol=0)


@pytest.mark.parametrize("activation, dtype, expected", [
    (activations.CELU(alpha=1e-39), "float32", [-1e-39, 0.0, 2.0]),  # 1/α = inf in float32
    (activations.CELU(alpha=1e-310), "float64", [-1e-310, 0.0, 2.0]),  # 1/α = inf in float64
    (activations.ELU(alpha=1e39), "float32", [-np.inf, np.nan, 2.0])], ids=repr)  # α = inf: α·0 at z = 0, as Keras
def test_elu_and_celu_with_an_alpha_past_the_dtypes_range_keep_positive_inputs(activation, dtype, expected, tmp_path):
    # the graphs multiplied the positive branch by 0 · inf (CELU's 1/α, ELU's α): NaN for z >= 0 where predict
    # gives z
    model = Sequential([Input((3,)), Activation(activation)], dtype=dtype)
    z = np.array([[-1.0, 0.0, 2.0]], dtype=dtype)
    expected = np.array([expected], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(model.predict(z, verbose=0), expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), z), expected, rtol=1e-15, atol=0)


def test_float64_gelu_matches_predict_to_float64_precision(tmp_path):
    # its erf used to be onnxruntime's float32 one: 6e-9 off at z = 0.5, and 0 instead of -1.5e-250 at z = -34
    z = np.logspace(-6, np.log10(40), 200)
    x = np.concatenate([-z[::-1], [0.0], z]).reshape(-1, 1)
    model = Sequential([Activation("gelu", input_shape=(1,))], dtype="float64")
    np.testing.assert_allclose(run_onnx(export(model, tmp_path / "m.onnx"), x), model.predict(x), rtol=1e-12, atol=0)


def special_values(dtype, rng):
    """Rows of NaN, ±inf, ±large, the dtype's ±max, ±0 and ordinary numbers (rows of 4 for the row-wise ones)."""
    big = float(np.finfo(dtype).max)
    large = {"float16": 3e4, "float32": 1e30, "float64": 1e200}[dtype]
    rows = [[0, np.nan, np.inf, -np.inf], [-np.inf] * 4, [np.inf, 1, 2, 3], [-np.inf, 0.5, 0.4, -1],
            [np.inf, -np.inf, 1, 2], [large, -large, 3, -3], [big, -big, 10, -10], [1e-3, -1e-3, 20, -20],
            [-0.0, 5, -5, 2], [0.0, 0.0, 0.0, 0.0]]
    return np.concatenate([np.array(rows), rng.normal(scale=3.0, size=(20, 4))]).astype(dtype)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tanh_shrink_exports_its_series_near_zero_as_predict(dtype, tmp_path):
    # z − tanh z cancels near 0: the graph was Sub(z, Tanh z), float32 3.49e-10 at z = 1e-3 (true 3.33e-10);
    # now it sums the series below the threshold, as TanhShrink.forward
    model = Sequential([Activation("tanh_shrink", input_shape=(4,))], dtype=dtype)
    model.build((4,))
    z = np.geomspace(1e-3, 3.0, 400).reshape(-1, 4).astype(dtype)
    z = np.concatenate([z, -z])
    out = run_onnx(export(model, tmp_path / "m.onnx"), z)
    assert out.dtype == np.dtype(dtype)
    eps = float(np.finfo(dtype).eps)
    small = np.abs(z) < activations.tanh_shrink_threshold(np.dtype(dtype))
    assert small.any() and not small.all()
    predicted = model.predict(z, verbose=0)
    np.testing.assert_allclose(out[small], predicted[small], rtol=4 * eps, atol=0)
    # above, onnxruntime's Tanh may round tanh z ≈ z an ulp away from NumPy's
    assert (np.abs(out - predicted) <= 4 * eps * np.abs(z)).all()
    if dtype != "float16":  # (1e-9 / 3 is below float16's subnormals)
        assert abs(float(run_onnx(tmp_path / "m.onnx", np.full((1, 4), 1e-3, dtype))[0, 0]) - 1e-9 / 3) < 1e-9 / 3 * 1e-3


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("activation", [*sorted(name for name in activations.ACTIVATIONS  # those a layer can use
                                                if activations.get(name).layer_refusal() is None),
                                        activations.GELU(approximate=True)], ids=str)
def test_every_activation_exports_nan_inf_and_extremes_as_glassnet_in_every_dtype(activation, dtype, rng, tmp_path):
    # predict refuses NaN and inf: the graph of an Activation layer against the activation itself. Before,
    # silu, gelu, hard_silu and mish gave NaN at z = -inf (-inf · 0) where glassnet gives -0, softsign NaN at
    # ±inf (inf / inf) where glassnet gives ±1, argmax [0, 0, 1, 0] for the row [0, NaN, inf, -inf] (glassnet:
    # all NaN), and float64 log_softmax [NaN, -inf, -inf, -inf] for [inf, 1, 2, 3] (glassnet: all NaN)
    model = Sequential([Activation(activation, input_shape=(4,))], dtype=dtype)
    model.build((4,))
    z = special_values(dtype, rng)
    with np.errstate(all="ignore"):
        expected = np.asarray(activations.get(activation)(z)).astype(np.float64)
    out = run_onnx(export(model, tmp_path / "m.onnx"), z)
    assert out.dtype == np.dtype(dtype)
    rtol = {"float16": 2e-3, "float32": 1e-5, "float64": 1e-12}[dtype]
    atol = float(np.finfo(dtype).tiny)  # (subnormal outputs aside)
    out = out.astype(np.float64)
    with np.errstate(invalid="ignore"):  # (inf − inf where both are inf: equal, as the second test says)
        ok = (np.abs(out - expected) <= atol + rtol * np.abs(expected)) | (out == expected)
    ok |= np.isnan(out) & np.isnan(expected)  # NaN where glassnet gives NaN, and only there
    assert ok.all(), (z[~ok], out[~ok], expected[~ok])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_unit_normalization_exports_tiny_and_zero_samples_as_predict(dtype, tmp_path):
    # float16 squares underflow below |x| ≈ 2.4e-4: the graph takes the norm in float32, as predict does;
    # before, a row of 1e-4s came out · 65504 instead of unit, and a zero row NaN (0 · inf)
    model = Sequential([Input((3,)), UnitNormalization()], dtype=dtype)
    X = np.array([[1e-4, 2e-4, 2e-4], [3e-5, -4e-5, 0.0], [1e-6, 0.0, 0.0], [3e4, 4e4, 0.0], [0.0, 0.0, 0.0],
                  [1.0, 2.0, 2.0]], dtype=dtype)
    out = run_onnx(export(model, tmp_path / "m.onnx"), X)
    assert out.dtype == np.dtype(dtype)
    rtol = {"float16": 1e-3, "float32": 1e-6, "float64": 1e-15}[dtype]
    np.testing.assert_allclose(out, model.predict(X, verbose=0), rtol=rtol, atol=0)
    norms = np.linalg.norm(out[:4].astype(np.float64), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=2e-3)
    np.testing.assert_array_equal(out[4], 0.0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("make", [lambda: Softmax(axis=1), lambda: Softmax(axis=(1, 2)),
                                  lambda: Activation(activations.LogSoftmax(axis=-2)),
                                  lambda: Activation(activations.LogSoftmax(axis=[1, 2])),
                                  lambda: Activation(activations.Softmax(beta=2.0, axis=(1, -1)))])
def test_softmax_along_other_axes_exports(make, dtype, rng, tmp_path):
    model = Sequential([Input((6,)), Dense(12), Reshape((3, 4)), make()], dtype=dtype)
    x = rng.normal(scale=2.0, size=(5, 6)).astype(dtype)
    out = run_onnx(export(model, tmp_path / "m.onnx"), x)
    assert out.dtype == np.dtype(dtype)
    tolerance = {"float16": 1e-3, "float32": 1e-6, "float64": 1e-13}[dtype]
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=0, atol=tolerance)


def test_a_pipeline_is_refused_with_what_to_export_instead(rng):
    # to_onnx(pipe) said only "Received: Pipeline"; exporting pipe[-1], the obvious next try, gives a
    # file without the scaler, so the error names the steps the file will not compute
    pytest.importorskip("sklearn")
    import warnings

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from glassnet.sklearn import MLPClassifier

    X = rng.normal(size=(40, 3))
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0))
    for fitted in (False, True):
        if fitted:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning
                pipe.fit(X, X[:, 0] > 0)
        with pytest.raises(TypeError, match=r"Received: Pipeline\. .*not a Pipeline's other steps "
                                            r"\('standardscaler' \(StandardScaler\)\): export the estimator, pipe\[-1\]"):
            to_onnx(pipe)


def test_every_name_of_the_split_package_is_still_glassnet_onnx_s():
    # onnx.py (933 lines) became a package of one concept per module: every top-level name of its
    # modules is still glassnet.onnx.<name>, the same object (the CLI imports _class_labels and
    # _is_onnx_file from there, test_validation patches glassnet.onnx._PROTOBUF_LIMIT)
    import subprocess
    import sys
    from pathlib import Path

    import glassnet.onnx as package
    from conftest import names_kept

    modules = ("_graph", "_numerics", "activations", "layers", "outputs")
    defined = names_kept(package, "glassnet.onnx", modules)
    # with the 7 of __init__ (to_onnx, export, OPSET, ...): the old module's 63, then 3 more (_has_nan and
    # _global_max_pooling: onnxruntime's reductions skip NaN)
    assert defined == 59
    assert sorted(p.stem for p in Path(package.__file__).parent.glob("*.py")) == sorted(("__init__", *modules))
    # import onnx inside the package is the onnx package, imported by an export only, not by import glassnet
    program = ("import sys, glassnet, glassnet.onnx; print('onnx' in sys.modules, 'onnxruntime' in sys.modules)\n"
               "from glassnet.layers import Dense; from glassnet.models import Sequential\n"
               "glassnet.onnx.to_onnx(Sequential([Dense(2, input_dim=3)])); import onnx\n"
               "print(glassnet.onnx._require_onnx() is onnx is sys.modules['onnx'], hasattr(onnx, 'helper'))")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(Path(package.__file__).parents[2])))
    assert result.stdout == "False False\nTrue True\n", result.stderr


@pytest.mark.parametrize("make", [lambda: layers.LayerNormalization(), lambda: layers.GroupNormalization(groups=1),
                                  lambda: layers.BatchNormalization()], ids=["layer", "group", "batch"])
def test_float16_normalization_near_65504_exports_as_predict_computes_it(make):
    # predict normalizes a float16 batch in float32 (x − μ = 65504 − (−21835) passes float16's range); the
    # graph computed x̂ in float16 and gave -inf where predict gives -1.414
    ort = pytest.importorskip("onnxruntime")
    model = Sequential([layers.Input((3,)), make()], dtype="float16")
    X = np.array([[65504, 65504, -65504], [1, 2, 3], [-7, 0.5, 300]], np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = model.predict(X, verbose=0)
    session = ort.InferenceSession(to_onnx(model).SerializeToString())
    got = session.run(None, {session.get_inputs()[0].name: X})[0]
    assert got.dtype == np.float16 and np.isfinite(expected).all()
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=2e-3, atol=2e-3)
    # onnxruntime's CPU kernels widen float16 by themselves: the graph must say float32, for other runtimes
    onnx = pytest.importorskip("onnx")
    graph = onnx.shape_inference.infer_shapes(to_onnx(model)).graph
    types = {v.name: v.type.tensor_type.elem_type for v in graph.value_info}
    steps = [node for node in graph.node if node.op_type in ("Sub", "Div", "Mul", "Add", "LayerNormalization",
                                                             "BatchNormalization")]
    assert steps and all(types[node.output[0]] == onnx.TensorProto.FLOAT for node in steps), \
        [(node.op_type, types.get(node.output[0])) for node in steps]
