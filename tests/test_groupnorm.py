"""GroupNormalization against Keras 3.15 (float64, jax.grad), finite differences, and through
regularizers, constraints, saving, .keras files, ONNX and trace."""

import json
import warnings

import numpy as np
import pytest

import glassnet
from glassnet.layers import BatchNormalization, Dense, Flatten, GroupNormalization, Input, LayerNormalization
from glassnet.models import Sequential, load_model
from glassnet.trace import trace


@pytest.mark.parametrize("kwargs, shape", [
    ({"groups": 4}, (6, 8)),
    ({"groups": 2, "axis": 1, "epsilon": 0.2}, (5, 8)),
    ({"groups": 1}, (4, 6)),  # layer normalization
    ({"groups": -1}, (4, 6)),  # instance normalization: one channel per group
    ({"groups": 3, "center": False}, (5, 6)),
    ({"groups": 3, "scale": False, "epsilon": 1e-5}, (5, 6)),
    ({"groups": 3, "center": False, "scale": False}, (5, 6)),
    ({"groups": 3}, (4, 5, 6)),  # each group's statistics over the sample's other axis too, as Keras
    ({"groups": 2, "axis": 3}, (2, 3, 2, 4)),
    ({"groups": 2, "epsilon": 0}, (5, 8)),  # Keras takes epsilon=0: the standard deviation alone
])
def test_output_and_gradients_equal_keras_in_float64(keras_float64, rng, kwargs, shape):
    keras, reference = keras_float64
    theirs = keras.layers.GroupNormalization(dtype="float64", **kwargs)
    theirs.build(shape)
    weights = [rng.normal(size=w.shape) for w in theirs.weights]
    for variable, value in zip(theirs.weights, weights):
        variable.assign(value)
    X, dY = rng.normal(loc=0.5, scale=2.0, size=shape), rng.normal(size=shape)
    Y_keras, dX_keras, dweights_keras = reference(theirs, X, dY)
    ours = GroupNormalization(dtype="float64", **kwargs)
    ours(np.zeros((1, *shape[1:])))
    assert list(ours.weight_names) == [w.name for w in theirs.weights]
    ours.set_weights(weights)
    Y = ours.forward(X, training=True)
    dX = ours.backward(dY)
    np.testing.assert_allclose(Y, Y_keras, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dX, dX_keras, rtol=0, atol=1e-12)
    for key, expected in zip(ours.weight_names, dweights_keras):
        np.testing.assert_allclose(ours.grads[key], expected, rtol=0, atol=1e-12)
    assert ours.get_config()["groups"] == theirs.get_config()["groups"]  # -1 becomes the channels, as Keras


def test_penalties_equal_keras_and_training_follows_it(keras_float64, rng):
    keras, _ = keras_float64
    x, y = rng.normal(size=(16, 5)) * 2 + 1, rng.normal(size=(16, 2))
    theirs = keras.Sequential([keras.Input((5,), dtype="float64"), keras.layers.Dense(6, dtype="float64"),
                               keras.layers.GroupNormalization(3, gamma_regularizer=keras.regularizers.L2(0.1),
                                                               beta_regularizer=keras.regularizers.L1(0.05),
                                                               dtype="float64"),
                               keras.layers.Dense(2, dtype="float64")])
    ours = Sequential([Input((5,)), Dense(6), GroupNormalization(3, gamma_regularizer=glassnet.regularizers.L2(0.1),
                                                                 beta_regularizer=glassnet.regularizers.L1(0.05)),
                       Dense(2)], dtype="float64")
    ours.build()
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    ours.layers[1].set_weights([rng.normal(size=6), rng.normal(size=6)])
    theirs.layers[1].set_weights(ours.layers[1].get_weights())
    np.testing.assert_allclose(sum(ours.layers[1].losses), sum(float(v) for v in theirs.layers[1].losses), atol=1e-12)
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    ours.compile(optimizer=glassnet.optimizers.SGD(0.5), loss="mse")
    # tensors: Keras's data adapters cast NumPy float64 to float32
    x_keras, y_keras = (keras.ops.convert_to_tensor(a, dtype="float64") for a in (x, y))
    for start in (0, 8):
        theirs.train_on_batch(x_keras[start:start + 8], y_keras[start:start + 8])
        ours.train_on_batch(x[start:start + 8], y[start:start + 8])
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights()):
        # Keras 3.15's train step is not all float64 (a model of Dense layers alone differs by
        # ~1e-7 after one step); check_gradients checks the penalties' gradients exactly
        np.testing.assert_allclose(mine, keras_weights, rtol=0, atol=1e-6)


def test_constraints_apply_after_each_update(rng):
    model = Sequential([Input((4,)), GroupNormalization(2, gamma_constraint="non_neg", beta_constraint="non_neg"),
                        Dense(1)], dtype="float64")
    model.compile(optimizer=glassnet.optimizers.SGD(1.0), loss="mse")
    model.fit(rng.normal(size=(16, 4)), rng.normal(size=(16, 1)) * 10, epochs=3, verbose=0)
    gamma, beta = model.layers[0].get_weights()
    assert gamma.min() >= 0 and beta.min() >= 0 and (beta == 0).any()


def test_weights_order_and_summary(rng):
    model = Sequential([Input((4,)), Dense(8), GroupNormalization(4), GroupNormalization(2, center=False), Dense(1)])
    model.build()
    assert [layer.weight_names for layer in model.layers[1:3]] == [("gamma", "beta"), ("gamma",)]
    assert model.layers[1].count_params() == 16 and model.layers[2].count_params() == 8
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert next(line for line in lines if "(GroupNormalization)" in line).split()[-1] == "16"
    assert model.count_params() == 40 + 16 + 8 + 9


def test_check_gradients_passes(rng):
    model = Sequential([Input((5,)), Dense(6, "tanh"), GroupNormalization(3, gamma_regularizer="l2",
                                                                         beta_regularizer="l1"), Dense(2)],
                       dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    model.build()
    model.layers[1].set_weights([rng.normal(size=6), rng.normal(size=6)])
    result = glassnet.check_gradients(model, rng.normal(size=(7, 5)), rng.normal(size=(7, 2)))
    assert result.max_error < 1e-6, str(result)
    assert {"group_normalization/gamma", "group_normalization/beta"} <= set(result.errors)


@pytest.mark.parametrize("bad, error, match", [
    ({"groups": 0}, ValueError, r"groups must be a positive integer \(or -1 for instance normalization\)\. "
                                r"Received: groups=0"),
    ({"groups": -2}, ValueError, r"Received: groups=-2"),
    ({"groups": 2.0}, TypeError, r"groups must be an integer"),
    ({"epsilon": -1e-3}, ValueError, r"epsilon must be >= 0: .*NaN.*Received: epsilon=-0\.001"),
    ({"epsilon": "small"}, TypeError, r"epsilon must be a number"),
    ({"axis": 0}, ValueError, r"axis must be -1 .*Received: axis=0"),
    ({"center": "no"}, TypeError, r"center must be True or False"),
    ({"gamma_regularizer": "l3"}, ValueError, r"gamma_regularizer: Unknown regularizer 'l3'"),
    ({"beta_constraint": "positive"}, ValueError, r"Unknown beta_constraint"),
])
def test_bad_arguments_are_named(bad, error, match):
    with pytest.raises(error, match=match):
        GroupNormalization(**bad)


# BatchNormalization and LayerNormalization check epsilon with GroupNormalization's code (ScaledNormalization)
@pytest.mark.parametrize("make, X, expected", [
    (lambda: GroupNormalization(2, epsilon=0), [[1.0, 3.0, 5.0, 5.0]], [[-1.0, 1.0, np.nan, np.nan]]),
    (lambda: LayerNormalization(epsilon=0), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]],
     [[-1.2247447967529297, 0.0, 1.2247447967529297], [np.nan, np.nan, np.nan]]),
    (lambda: BatchNormalization(epsilon=0), [[1.0, 2.0, 7.0], [3.0, 6.0, 7.0]], [[-1.0, -1.0, np.nan], [1.0, 1.0, np.nan]]),
])
def test_epsilon_0_divides_by_the_standard_deviation_alone_as_keras(make, X, expected):
    """Keras 3.15 takes epsilon=0 (its outputs, float32, written here): (x − μ)/σ exactly, and a constant
    feature or group, σ = 0, gives NaN, silently as Keras's; a saved layer keeps it."""
    layer = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (NumPy's divide-by-zero notice is not Keras's)
        Y = layer(np.array(X), training=True)
    np.testing.assert_allclose(Y, expected, rtol=1e-6, atol=0)
    again = glassnet.layers.deserialize(json.loads(json.dumps(glassnet.layers.serialize(layer))))
    assert again.epsilon == 0.0


@pytest.mark.parametrize("make", [BatchNormalization, LayerNormalization, lambda **kw: GroupNormalization(2, **kw)])
def test_a_negative_epsilon_is_refused_by_name(make):
    """Keras takes it, and gives NaN wherever the variance is below −ε (its BatchNormalization(epsilon=-1) gave
    NaN for every output of a batch of variance 0.25): glassnet says why instead."""
    with pytest.raises(ValueError, match=r"epsilon must be >= 0: it is added to the variance under a square root.*"
                                         r"Received: epsilon=-1\.0"):
        make(epsilon=-1.0)


@pytest.mark.parametrize("groups, channels", [(4, 6), (8, 6), (32, 16)])
def test_groups_must_divide_the_channels(groups, channels):
    with pytest.raises(ValueError, match=rf"groups must divide the number of channels \({channels}\)\. "
                                         rf"Received: groups={groups}"):
        GroupNormalization(groups)(np.ones((2, channels)))


def test_saves_loads_and_configs_round_trip(tmp_path, rng):
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    model = Sequential([Input((3,)), Dense(4), GroupNormalization(2, epsilon=1e-4, scale=False,
                                                                  beta_regularizer="l2", gamma_constraint="non_neg"),
                        GroupNormalization(-1), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    for layer in model.layers[1:3]:
        config = json.loads(json.dumps(glassnet.layers.serialize(layer)))
        assert glassnet.layers.deserialize(config).get_config() == layer.get_config()


def test_keras_files_both_ways(keras_float64, tmp_path, rng):
    keras, _ = keras_float64
    x = rng.normal(size=(9, 3))
    theirs = keras.Sequential([keras.Input((3,), dtype="float64"), keras.layers.Dense(6, dtype="float64"),
                               keras.layers.GroupNormalization(3, epsilon=1e-2, dtype="float64"),
                               keras.layers.GroupNormalization(-1, center=False, dtype="float64"),
                               keras.layers.Dense(2, dtype="float64")])
    for variable in theirs.layers[1].weights + theirs.layers[2].weights:
        variable.assign(rng.normal(size=variable.shape))
    theirs.save(tmp_path / "theirs.keras")
    ours = load_model(tmp_path / "theirs.keras")
    assert [layer.groups for layer in ours.layers[1:3]] == [3, 6] and ours.layers[2].weight_names == ("gamma",)
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(mine, keras_weights)
    np.testing.assert_allclose(ours.predict(x), np.asarray(theirs(x)), rtol=0, atol=1e-12)

    ours.layers[1].set_weights([rng.normal(size=6), rng.normal(size=6)])
    ours.export(tmp_path / "ours.keras", format="keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    assert [v.path.split("/")[-1] for v in again.layers[1].weights] == ["gamma", "beta"]
    for mine, keras_weights in zip(ours.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(mine, keras_weights)
    np.testing.assert_allclose(np.asarray(again(x)), ours.predict(x), rtol=0, atol=1e-12)


# float16: each layer within a few float16 steps of predict (onnxruntime rounds its float16 arithmetic
# its own way), which the following normalizations, one over 3 values, can magnify
@pytest.mark.parametrize("dtype, atol", [("float64", 1e-12), ("float32", 1e-5), ("float16", 3e-2)])
def test_onnx_equals_predict(tmp_path, rng, dtype, atol):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    # samples of shape (3, 6): each group's statistics over the 3 rows too
    model = Sequential([Input((3, 6)), GroupNormalization(3, epsilon=1e-2), GroupNormalization(2, center=False),
                        GroupNormalization(6, scale=False), Flatten(), Dense(6, "relu"), GroupNormalization(2),
                        Dense(2)], dtype=dtype)
    model.build()
    model.layers[0].set_weights([rng.normal(size=6), rng.normal(size=6)])
    export(model, tmp_path / "m.onnx")
    x = rng.normal(size=(11, 3, 6)).astype(dtype)
    out = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x})[0]
    np.testing.assert_allclose(out, model.predict(x), rtol=0, atol=atol)


def test_trace_shows_the_backward_rule(rng):
    model = Sequential([Input((3,)), Dense(4, "tanh"), GroupNormalization(2), Dense(1)], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    row = trace(model, rng.normal(size=(5, 3)), rng.normal(size=(5, 1))).layers[1]
    assert row.delta_rule.startswith("∂J/∂a^(2) = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε), g = γ ⊙ ∂J/∂a^(3)")
    assert "group of 2 channels (2 groups)" in row.delta_rule
    terms = row.backward_terms
    assert terms["σ² + ε"].shape == terms["mean(g)"].shape == (5, 2)
    expand = lambda a: np.repeat(a, 2, axis=1)  # noqa: E731  (one value per group, for each of its channels)
    g = row.dJ_da * terms["γ"]
    expected = (g - expand(terms["mean(g)"]) - terms["x̂"] * expand(terms["mean(g ⊙ x̂)"])) / np.sqrt(
        expand(terms["σ² + ε"]))
    np.testing.assert_allclose(row.dJ_da_in, expected, atol=1e-14)
