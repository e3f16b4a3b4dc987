"""Reshape and Permute (layers/reshape.py, layers/permute.py) against Keras 3.15."""

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.gradcheck import check_gradients
from glassnet.models import Sequential

SHAPES = [(6, 4), (-1, 2), (4, -1, 3), (24,), (2, 3, 4), (3, 2, 2, -1)]
DIMS = [(1, 2, 3), (3, 1, 2), (2, 3, 1), (3, 2, 1), (1, 3, 2)]


@pytest.mark.parametrize("layer", [*(("Reshape", s) for s in SHAPES), *(("Permute", d) for d in DIMS)], ids=str)
def test_outputs_and_input_gradients_are_kerass(layer, keras_float64, rng):
    keras, reference = keras_float64
    kind, argument = layer
    X, ours = rng.normal(size=(5, 2, 3, 4)), getattr(layers, kind)(argument, dtype="float64")
    theirs = getattr(keras.layers, kind)(argument, dtype="float64")
    theirs.build((None, 2, 3, 4))
    Y = ours(X)
    dY = rng.normal(size=Y.shape)
    Y_keras, dX_keras, _ = reference(theirs, X, dY)
    np.testing.assert_array_equal(Y, Y_keras)
    ours.build(X.shape[1:])
    ours.forward(X)
    np.testing.assert_array_equal(ours.backward(dY), dX_keras)
    assert ours.compute_output_shape((None, 2, 3, 4)) == theirs.compute_output_shape((None, 2, 3, 4))
    assert ours.get_config()[{"Reshape": "target_shape", "Permute": "dims"}[kind]] == tuple(argument)


@pytest.mark.parametrize("kind, argument, sample, match", [
    ("Reshape", (5, 5), (2, 3, 4), r"The total size of the tensor must be unchanged. Received: input_shape=\(2, 3, 4\), "
                                   r"target_shape=\(5, 5\)"),
    ("Reshape", (-1, 5), (2, 3, 4), r"the input size cannot by divided by the specified dimensions in target_shape. "
                                    r"Received: input_shape=\(2, 3, 4\), target_shape=\(-1, 5\)"),
    ("Reshape", (0, -1), (2, 3, 4), "cannot by divided"),
    ("Permute", (2, 1), (2, 3, 4), r"expected ndim=3, found ndim=4. Full shape received: \(None, 2, 3, 4\)"),
])
def test_shapes_that_do_not_fit_give_kerass_errors(kind, argument, sample, match, monkeypatch):
    with pytest.raises(ValueError, match=match):
        getattr(layers, kind)(argument)(np.zeros((2, *sample)))
    with pytest.raises(ValueError, match=match):
        Sequential([layers.Input(sample), getattr(layers, kind)(argument)]).build()
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    with pytest.raises(ValueError, match=match.replace(r"\(None, 2, 3, 4\)", r"\(2, 2, 3, 4\)")):
        getattr(keras.layers, kind)(argument)(np.zeros((2, *sample)))


@pytest.mark.parametrize("kind, argument, error, match", [
    ("Reshape", (-2, 3), ValueError, r"Each dimension in `target_shape` must be a non-negative integer, or `-1` for "
                                     r"a single unknown dimension. Received: target_shape=\(-2, 3\)."),
    ("Reshape", (-1, 4, -1), ValueError, r"There must be at most one unknown dimension \(-1\) in `target_shape`. "
                                         r"Received: target_shape=\(-1, 4, -1\)."),
    ("Permute", (1, 1), ValueError, r"Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                                    r"`dims` must be consecutive and start from 1. Received dims=\(1, 1\)"),
    ("Permute", (0, 1), ValueError, r"must be consecutive and start from 1. Received dims=\(0, 1\)"),
])
def test_bad_arguments_give_kerass_errors(kind, argument, error, match, monkeypatch):
    with pytest.raises(error, match=match):
        getattr(layers, kind)(argument)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    with pytest.raises(error, match=match):
        getattr(keras.layers, kind)(argument)


def test_arguments_that_are_not_integers_are_refused_by_name():
    # (Keras takes a float or None there as a dynamic size and fails later, or sorts mixed types)
    for bad in (3, None, (1.5, 2), (True, 2), "ab"):
        with pytest.raises(TypeError, match="target_shape must be a tuple of integers"):
            layers.Reshape(bad)
        with pytest.raises(TypeError, match="dims must be a tuple of integers"):
            layers.Permute(bad)
    assert layers.Reshape([np.int64(3), -1]).target_shape == (3, -1)
    assert layers.Permute([np.int64(2), 1]).dims == (2, 1)


def _model():
    """A Dense before and after each layer: the first Dense's gradient comes back through both backwards."""
    return Sequential([layers.Input((2, 3, 4)), layers.Flatten(), layers.Dense(12, "tanh"), layers.Reshape((-1, 4)),
                       layers.Permute((2, 1)), layers.Reshape((2, 2, 3)), layers.Permute((3, 1, 2)), layers.Flatten(),
                       layers.Dense(2)], dtype="float64", seed=0)


def test_gradients_pass_back_through_reshape_and_permute(rng):
    model = _model()
    model.compile("sgd", "mse")
    x, y = rng.normal(size=(6, 2, 3, 4)), rng.normal(size=(6, 2))
    assert check_gradients(model, x, y).max_error < 1e-7
    assert [layer.output_shape for layer in model.layers[1:6]] == [(12,), (3, 4), (4, 3), (2, 2, 3), (3, 2, 2)]
    text = []
    model.summary(print_fn=lambda t: text.extend(t.splitlines()))
    assert "(None, 4, 3)" in "\n".join(text) and "(None, 3, 2, 2)" in "\n".join(text)


def test_a_model_that_starts_with_reshape_takes_samples_of_several_axes(rng):
    # as one that starts with Flatten: x of shape (n, 3, 4) was refused ("x must be a 2-D array")
    model = Sequential([layers.Reshape((12,)), layers.Dense(2)], seed=0)
    model.compile("sgd", "mse")
    x = rng.normal(size=(8, 3, 4))
    model.fit(x, rng.normal(size=(8, 2)), verbose=0)
    assert model.predict(x, verbose=0).shape == (8, 2) and model.layers[0].input_shape == (3, 4)


def test_model_files_round_trip_and_keras_reads_and_writes_them(tmp_path, rng, monkeypatch):
    pytest.importorskip("h5py")
    model = _model()
    model.compile("adam", "mse")
    x = rng.normal(size=(6, 2, 3, 4))
    model.fit(x, rng.normal(size=(6, 2)), epochs=2, verbose=0)
    model.save(tmp_path / "m.gnet")
    again = glassnet.models.load_model(tmp_path / "m.gnet")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.layers[2].target_shape == (-1, 4) and again.layers[3].dims == (2, 1)
    model.export(tmp_path / "m.keras", format="keras")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    from_glassnet = keras.saving.load_model(tmp_path / "m.keras")
    # (Keras's Input of the file computes in float32)
    np.testing.assert_allclose(np.asarray(from_glassnet(x)), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in from_glassnet.layers][2:6] == ["Reshape", "Permute", "Reshape", "Permute"]
    assert from_glassnet.layers[2].target_shape == (-1, 4) and from_glassnet.layers[5].dims == (3, 1, 2)
    theirs = keras.Sequential([keras.Input((2, 3, 4)), keras.layers.Permute((3, 2, 1)), keras.layers.Reshape((-1, 3)),
                               keras.layers.Flatten(), keras.layers.Dense(2)])
    theirs.save(tmp_path / "k.keras")
    ours = glassnet.models.load_model(tmp_path / "k.keras")
    assert [type(layer).__name__ for layer in ours.layers] == ["Permute", "Reshape", "Flatten", "Dense"]
    np.testing.assert_allclose(ours.predict(x.astype("float32"), verbose=0), np.asarray(theirs(x.astype("float32"))),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_graph_computes_what_predict_does(dtype, rng, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from glassnet.onnx import export

    model = _model() if dtype == "float64" else Sequential(
        [layers.Input((2, 3, 4)), layers.Permute((3, 1, 2)), layers.Reshape((4, -1)), layers.Flatten(),
         layers.Dense(3, "tanh"), layers.Reshape((3, 1)), layers.Permute((2, 1)), layers.Flatten()], dtype=dtype)
    model.build()
    x = rng.normal(size=(5, 2, 3, 4)).astype(dtype)
    session = ort.InferenceSession(str(export(model, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
    out = session.run(None, {"input": x})[0]
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-6 if dtype == "float32" else 1e-13, atol=0)


def test_trace_says_how_each_passes_the_gradient_back(rng):
    from glassnet.trace import trace

    model = _model()
    model.compile("sgd", "mse")
    rules = [(layer.kind, layer.delta_rule) for layer in trace(model, rng.normal(size=(2, 2, 3, 4)),
                                                                np.zeros((2, 2))).layers]
    assert ("Reshape", "∂J/∂a^(3) = ∂J/∂a^(4) reshaped to a^(3)'s (n, 12)") in rules
    assert ("Permute", "∂J/∂a^(4) = ∂J/∂a^(5) with its axes put back (transposed by (0, 2, 1))") in rules
    assert ("Permute", "∂J/∂a^(6) = ∂J/∂a^(7) with its axes put back (transposed by (0, 2, 3, 1))") in rules
