"""RMSNormalization against Keras 3.15 (float64, jax.grad), finite differences, and through
saving, .keras files, ONNX and trace."""

import json
import warnings

import numpy as np
import pytest

import glassnet
from glassnet.layers import Dense, Input, RMSNormalization
from glassnet.models import Sequential, load_model
from glassnet.trace import trace


def _built(layer, shape, weights):
    layer(np.zeros((1, *shape[1:])))
    layer.set_weights(weights)
    return layer


@pytest.mark.parametrize("kwargs, shape", [({}, (6, 5)), ({"epsilon": 0.3}, (6, 5)), ({"axis": 1}, (4, 7)),
                                           ({"axis": [-1], "epsilon": 1e-2}, (3, 4, 5)), ({"axis": 2}, (3, 4, 5)),
                                           ({"epsilon": 0}, (6, 5))])  # (Keras takes 0: the root mean square alone)
def test_output_and_gradients_equal_keras_in_float64(keras_float64, rng, kwargs, shape):
    keras, reference = keras_float64
    theirs = keras.layers.RMSNormalization(dtype="float64", **kwargs)
    theirs.build(shape)
    scale = rng.normal(size=theirs.scale.shape)
    theirs.scale.assign(scale)
    X, dY = rng.normal(loc=0.5, scale=2.0, size=shape), rng.normal(size=shape)
    Y_keras, dX_keras, (dscale_keras,) = reference(theirs, X, dY)
    ours = _built(RMSNormalization(dtype="float64", **kwargs), shape, [scale])
    Y = ours.forward(X, training=True)
    dX = ours.backward(dY)
    np.testing.assert_allclose(Y, Y_keras, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dX, dX_keras, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.grads["scale"], dscale_keras, rtol=0, atol=1e-12)


def test_weight_is_keras_scale_of_ones_and_counts_in_the_summary():
    layer = RMSNormalization()
    assert layer.weight_names == ("scale",) and layer.count_weights((7,)) == 7
    model = Sequential([Input((4,)), Dense(7), RMSNormalization(), Dense(1)])
    model.build()
    np.testing.assert_array_equal(model.layers[1].get_weights()[0], np.ones(7, dtype="float32"))
    assert model.layers[1].count_params() == 7 and model.count_params() == 35 + 7 + 8
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    row = next(line for line in lines if "rms_normalization (RMSNormalization)" in line)
    assert row.split()[-1] == "7"
    # the scale lives in the model's flat parameter vector: a step changes it in place
    before = model.layers[1].params["scale"].copy()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 4)) * np.arange(4), np.arange(8.0)[:, None], verbose=0)
    assert not np.array_equal(model.layers[1].params["scale"], before)


def test_check_gradients_passes(rng):
    model = Sequential([Input((5,)), Dense(6, "tanh"), RMSNormalization(epsilon=1e-3), Dense(2)], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    result = glassnet.check_gradients(model, rng.normal(size=(7, 5)), rng.normal(size=(7, 2)))
    assert result.max_error < 1e-6, str(result)
    assert "rms_normalization/scale" in result.errors


@pytest.mark.parametrize("bad, error, match", [
    ({"epsilon": -1}, ValueError, r"epsilon must be >= 0: it is added to the mean square under a square root.*"
                                  r"Received: epsilon=-1\.0"),
    ({"epsilon": "small"}, TypeError, r"epsilon must be a number"),
    ({"axis": 0}, ValueError, r"axis must be -1 .*Received: axis=0"),
    ({"axis": 1.5}, TypeError, r"axis must be an integer"),
    ({"axis": [1, 2]}, ValueError, r"over the last axis, not over several axes: .*Flatten"),
])
def test_bad_arguments_are_named(bad, error, match):
    with pytest.raises(error, match=match):
        RMSNormalization(**bad)


def test_epsilon_0_divides_by_the_root_mean_square_alone_as_keras():
    """Keras 3.15's outputs (float32) for epsilon=0: x/rms(x), and an all-zero sample 0·∞ = NaN, silently as Keras's."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy's divide-by-zero notice is not Keras's)
        Y = RMSNormalization(epsilon=0)(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], dtype="float32"))
    np.testing.assert_allclose(Y, [[0.4629100263118744, 0.9258200526237488, 1.3887300491333008], [np.nan] * 3],
                               rtol=1e-6, atol=0)


def test_an_axis_other_than_the_last_is_refused_on_build():
    with pytest.raises(ValueError, match=r"axis must be -1 or 2\. Received: axis=1"):
        RMSNormalization(axis=1)(np.ones((4, 2, 3)))


def test_saves_loads_and_configs_round_trip(tmp_path, rng):
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    model = Sequential([Input((3,)), Dense(4), RMSNormalization(epsilon=1e-4), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    config = json.loads(json.dumps(glassnet.layers.serialize(model.layers[1])))
    assert config["config"]["epsilon"] == 1e-4 and glassnet.layers.deserialize(config).epsilon == 1e-4


def test_keras_files_both_ways(keras_float64, tmp_path, rng):
    keras, _ = keras_float64
    x = rng.normal(size=(9, 3))
    theirs = keras.Sequential([keras.Input((3,), dtype="float64"), keras.layers.Dense(4, dtype="float64"),
                               keras.layers.RMSNormalization(epsilon=1e-3, dtype="float64"),
                               keras.layers.Dense(2, dtype="float64")])
    theirs.layers[1].scale.assign(rng.normal(size=4))
    theirs.save(tmp_path / "theirs.keras")
    ours = load_model(tmp_path / "theirs.keras")
    assert isinstance(ours.layers[1], RMSNormalization) and ours.layers[1].epsilon == 1e-3
    np.testing.assert_array_equal(ours.layers[1].get_weights()[0], theirs.layers[1].scale.numpy())
    np.testing.assert_allclose(ours.predict(x), np.asarray(theirs(x)), rtol=0, atol=1e-12)

    ours.layers[1].set_weights([rng.normal(size=4)])
    ours.export(tmp_path / "ours.keras", format="keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    assert again.layers[1].get_config()["axis"] == [-1] and again.layers[1].scale.path.endswith("/scale")
    np.testing.assert_array_equal(again.layers[1].scale.numpy(), ours.layers[1].get_weights()[0])
    np.testing.assert_allclose(np.asarray(again(x)), ours.predict(x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype, atol", [("float64", 1e-12), ("float32", 1e-5), ("float16", 1e-2)])
def test_onnx_equals_predict(tmp_path, rng, dtype, atol):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    model = Sequential([Input((5,)), Dense(6, "relu"), RMSNormalization(epsilon=1e-2), Dense(2)], dtype=dtype)
    model.build()
    model.layers[1].set_weights([rng.normal(size=6)])
    export(model, tmp_path / "m.onnx")
    x = rng.normal(size=(11, 5)).astype(dtype)
    out = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x})[0]
    np.testing.assert_allclose(out, model.predict(x), rtol=0, atol=atol)


def test_trace_shows_the_backward_rule(rng):
    model = Sequential([Input((3,)), Dense(4, "tanh"), RMSNormalization(), Dense(1)], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
    row = trace(model, x, y).layers[1]
    assert row.delta_rule.startswith("∂J/∂a^(2) = r ⊙ (g − x̂ ⊙ mean(g ⊙ x̂)), g = s ⊙ ∂J/∂a^(3)")
    g, x_hat, r = row.dJ_da * row.backward_terms["s"], row.backward_terms["x̂"], row.backward_terms["r"]
    np.testing.assert_allclose(row.dJ_da_in, r * (g - x_hat * (g * x_hat).mean(axis=1, keepdims=True)), atol=1e-14)


@pytest.mark.parametrize("layer", [RMSNormalization(), glassnet.layers.GroupNormalization(2)],
                         ids=lambda layer: type(layer).__name__)
def test_float16_inputs_past_256_are_normalized_not_overflowed(tmp_path, layer, rng):
    # float16 squares overflow above 256 (65504): the statistics are taken in float32, as moments does
    X = rng.normal(scale=2000.0, size=(5, 6))
    out16 = Sequential([Input((6,)), layer], dtype="float16").predict(X.astype("float16"))
    out64 = Sequential([Input((6,)), type(layer).from_config({**layer.get_config(), "dtype": "float64"})],
                       dtype="float64").predict(X.astype("float16").astype("float64"))
    assert np.isfinite(out16).all()
    np.testing.assert_allclose(out16, out64, rtol=0, atol=1e-2)
