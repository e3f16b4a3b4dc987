"""Weight constraints as Keras applies them (glassnet/constraints.py; Dense's kernel_constraint
and bias_constraint, applied after each step by models/training.py).

The expected numbers were computed with Keras 3.15.1 on JAX (float32): ``constraint(W)``
for each constraint below, and ``get_weights()`` of the same two-layer model trained from the
same weights (``set_weights``, ``shuffle=False``, batches of 4, ``SGD(0.1)``, loss "mse").
"""

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import constraints
from glassnet.layers import Dense
from glassnet.models import Sequential, load_model
from glassnet.optimizers import SGD

W = np.array([[0.5, -1.2, 2.0, 0.1], [1.5, 0.3, -0.4, 0.2], [-0.7, 2.2, 1.0, -0.3]], dtype="float32")

KERAS = {
    "MaxNorm(2)": [[0.49999997, -0.950914681, 1.76090181, 0.0999999791], [1.49999988, 0.23772867, -0.352180362, 0.199999958], [-0.699999928, 1.74334347, 0.880450904, -0.299999952]],  # noqa: E501
    "MaxNorm(1.5, axis=1)": [[0.314140409, -0.753937006, 1.25656164, 0.0628280863], [1.41177547, 0.2823551, -0.376473457, 0.188236728], [-0.414401919, 1.30240607, 0.592002749, -0.177600831]],  # noqa: E501
    "MaxNorm(2, axis=[0, 1])": [[0.261175841, -0.626822054, 1.04470336, 0.0522351675], [0.783527493, 0.156705514, -0.20894067, 0.104470335], [-0.365646183, 1.14917374, 0.522351682, -0.156705514]],  # noqa: E501
    "MinMaxNorm(0.5, 1.5, 0.7)": [[0.453615308, -0.85923022, 1.52447343, 0.123541392], [1.36084592, 0.214807555, -0.304894686, 0.247082785], [-0.635061443, 1.57525539, 0.762236714, -0.370624185]],  # noqa: E501
    "MinMaxNorm(axis=1)": [[0.209426939, -0.502624691, 0.837707758, 0.0418853872], [0.941183686, 0.188236743, -0.250982314, 0.125491157], [-0.276267946, 0.868270695, 0.39466849, -0.118400551]],  # noqa: E501
    "NonNeg()": [[0.5, 0, 2, 0.100000001], [1.5, 0.300000012, 0, 0.200000003], [0, 2.20000005, 1, 0]],
    "UnitNorm()": [[0.28915745, -0.47545734, 0.880450904, 0.267261147], [0.867472351, 0.118864335, -0.176090181, 0.534522295], [-0.404820412, 0.871671736, 0.440225452, -0.801783502]],  # noqa: E501
    "UnitNorm(axis=1)": [[0.209426939, -0.502624691, 0.837707758, 0.0418853872], [0.941183686, 0.188236743, -0.250982314, 0.125491157], [-0.276267946, 0.868270695, 0.39466849, -0.118400551]],  # noqa: E501
    # axis=None: one norm of all the weights (a TypeError here, and a Keras file with it failed to load)
    "MaxNorm(2, axis=None)": [[0.261175841, -0.626822054, 1.04470336, 0.0522351675], [0.783527493, 0.156705514, -0.20894067, 0.104470335], [-0.365646183, 1.14917374, 0.522351682, -0.156705514]],  # noqa: E501
    "MinMaxNorm(0.5, 1.5, 0.7, axis=None)": [[0.287117302, -0.68908155, 1.14846921, 0.0574234612], [0.861351907, 0.172270387, -0.229693845, 0.114846922], [-0.401964217, 1.26331615, 0.574234605, -0.172270387]],  # noqa: E501
    "UnitNorm(axis=None)": [[0.130587921, -0.313411027, 0.522351682, 0.0261175837], [0.391763747, 0.0783527568, -0.104470335, 0.0522351675], [-0.182823092, 0.574586868, 0.261175841, -0.0783527568]],  # noqa: E501
}


@pytest.mark.parametrize("expression", sorted(KERAS))
def test_each_constraint_matches_keras(expression):
    constraint = eval(expression, vars(constraints))
    projected = constraint(W)
    np.testing.assert_allclose(projected, KERAS[expression], rtol=1e-6, atol=1e-7)
    assert projected.dtype == np.float32
    assert W[0, 1] == np.float32(-1.2)  # called, a constraint projects a copy


def test_in_place_keeps_the_dtype_and_writes_into_the_array():
    W64 = W.astype("float64")
    view = W64[:]
    constraints.apply_in_place(constraints.MaxNorm(2), view)
    assert W64.dtype == np.float64
    np.testing.assert_allclose(W64, KERAS["MaxNorm(2)"], rtol=1e-6)
    assert np.sqrt((W64 ** 2).sum(axis=0)).max() <= 2
    constraints.apply_in_place(lambda w: np.abs(w), view)  # a function's result is copied in
    assert (W64 >= 0).all() and W64.dtype == np.float64


def test_keras_defaults_names_and_configs():
    assert constraints.MaxNorm().get_config() == {"max_value": 2.0, "axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.NonNeg().get_config() == {}
    for name, cls in [("max_norm", constraints.MaxNorm), ("min_max_norm", constraints.MinMaxNorm),
                      ("non_neg", constraints.NonNeg), ("unit_norm", constraints.UnitNorm)]:
        assert type(constraints.get(name)) is cls and type(constraints.get(cls.__name__)) is cls
        assert type(constraints.get(cls)) is cls
        assert getattr(constraints, name) is cls
    c = constraints.MinMaxNorm(0.5, 1.5, rate=0.7, axis=[0, 1])
    assert constraints.deserialize(constraints.serialize(c)).get_config() == c.get_config()
    assert type(c).from_config(c.get_config()).get_config() == c.get_config()
    f = lambda w: w  # noqa: E731
    assert constraints.get(f) is f and constraints.get(None) is None
    assert constraints.Constraint()(W) is W


@pytest.mark.parametrize("cls", [constraints.MaxNorm, constraints.MinMaxNorm, constraints.UnitNorm])
def test_axis_none_configs_round_trip_as_keras_writes_them(cls):
    # Keras 3.15 serializes MaxNorm(2, axis=None) as {"class_name": "MaxNorm", "config": {"max_value": 2,
    # "axis": None}}; glassnet refused axis=None ("axis must be an integer or a list of integers")
    c = cls(axis=None)
    assert c.get_config()["axis"] is None
    assert constraints.deserialize(constraints.serialize(c)).get_config() == c.get_config()
    assert constraints.get({"class_name": cls.__name__, "config": {"axis": None}}).get_config() == c.get_config()
    assert cls(axis=None)(np.float32(2.0)) == pytest.approx(1.0 if cls is not constraints.MaxNorm else 2.0)


@pytest.mark.parametrize("make, error, match", [
    (lambda: constraints.MaxNorm(-1), ValueError, r"max_value must be >= 0"),
    (lambda: constraints.MinMaxNorm(min_value=-0.5), ValueError, r"min_value must be >= 0"),
    (lambda: constraints.MinMaxNorm(min_value=2, max_value=1), ValueError, r"max_value must be >= 2"),
    (lambda: constraints.MinMaxNorm(rate=1.5), ValueError, r"rate must be <= 1"),
    (lambda: constraints.MaxNorm("3"), TypeError, r"max_value must be a number"),
    (lambda: constraints.UnitNorm(axis="rows"), TypeError, r"axis must be an integer, a list of integers or None"),
    (lambda: constraints.MaxNorm(axis=10**30), ValueError, r"axis must name axes of the weights, between -64 and 63"),
    (lambda: constraints.UnitNorm(axis=[0, -10**30]), ValueError, r"axis must name axes of the weights"),
    (lambda: Dense(2, kernel_constraint=5), ValueError, r"Could not interpret kernel_constraint identifier: 5"),
    (lambda: Dense(2, bias_constraint="maxnorm2"),
     ValueError, r"Unknown bias_constraint 'maxnorm2'\. Valid names: max_norm, min_max_norm, non_neg, unit_norm"),
    (lambda: constraints.deserialize({"class_name": "Os", "config": {}}), ValueError, r"Unknown constraint 'Os'"),
    # None projected to a NaN; complex weights: "float() argument must be a string or a real number"
    (lambda: constraints.MaxNorm()(None), TypeError, r"w must be an array-like of numbers. Received: w=None"),
    (lambda: constraints.UnitNorm()(np.ones(2, complex)), ValueError, r"w holds complex numbers"),
])
def test_bad_arguments_are_refused_with_their_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_float32_norms_along_a_long_strided_axis_keep_float32_s_precision():
    # float32 columns of 100 000 weights summed row after row: UnitNorm's columns had norms off by 8.8e-6 from 1
    # (Keras 3.15: 4.5e-8); the float64 result is the reference
    W = np.random.default_rng(5).normal(size=(100_000, 4)).astype(np.float32)
    projected = constraints.UnitNorm()(W)
    assert projected.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(projected.astype(np.float64), axis=0), 1.0, rtol=0, atol=1e-7)
    np.testing.assert_allclose(projected, constraints.UnitNorm()(W.astype(np.float64)), rtol=2e-7, atol=0)
    in_place = W.copy()
    constraints.MaxNorm(100.0).apply_in_place(in_place)  # norms near 316: each column scaled to 100
    np.testing.assert_allclose(np.linalg.norm(in_place.astype(np.float64), axis=0), 100.0, rtol=1e-7)


@pytest.mark.parametrize("w, constraint, dtype, expected", [
    # Keras 3.15 (JAX): convert_to_tensor reads a list of floats as float32 (floatx), of integers as int32;
    # glassnet gave float64 for the floats
    ([[3.0, 4.0]], constraints.UnitNorm(), "float32", [[1.0, 1.0]]),
    (((3.0, 4.0),), constraints.MaxNorm(), "float32", [[2.0, 2.0]]),
    ([[3, 4.5]], constraints.NonNeg(), "float32", [[3.0, 4.5]]),
    (3.0, constraints.NonNeg(), "float32", 3.0),
    # NonNeg's ops.maximum(w, 0) keeps integers (glassnet gave float32), booleans become int32
    (np.array([[-1, 2]], np.int32), constraints.NonNeg(), "int32", [[0, 2]]),
    (np.array([[1, 2]], np.uint8), constraints.NonNeg(), "uint8", [[1, 2]]),
    ([[-3, 4]], constraints.NonNeg(), "int32", [[0, 4]]),
    (np.array([[True, False]]), constraints.NonNeg(), "int32", [[1, 0]]),
    # the norm constraints compute in floats: integers give float32
    (np.array([[-1, 2]], np.int32), constraints.UnitNorm(), "float32", [[-0.9999998807907104, 1.0]]),
    (np.array([[3.0, 4.0]], np.float16), constraints.UnitNorm(), "float16", [[1.0, 1.0]]),
])
def test_the_result_has_kerass_dtype(w, constraint, dtype, expected):
    projected = constraint(w)
    assert projected.dtype == dtype
    np.testing.assert_allclose(projected, expected, rtol=1e-7)


def test_lists_of_floats_follow_floatx():
    gn.config.set_floatx("float64")  # (set back to float32 after each test)
    assert constraints.UnitNorm()([[3.0, 4.0]]).dtype == np.float64
    assert constraints.MaxNorm()(np.array([[3, 4]])).dtype == np.float64


@pytest.mark.parametrize("constraint, expected", [
    # Keras 3.15 (float32): an infinite weight gives NaN, as in glassnet, which warned "invalid value encountered"
    (constraints.MaxNorm(), [[np.nan, 0.99999994], [0.0, 0.99999994]]),
    (constraints.MinMaxNorm(), [[np.nan, 0.70710671], [np.nan, 0.70710671]]),
    (constraints.UnitNorm(), [[np.nan, 0.70710671], [0.0, 0.70710671]]),
    (constraints.NonNeg(), [[np.inf, 1.0], [1.0, 1.0]]),
])
def test_an_infinite_weight_gives_kerass_nan_without_a_warning(constraint, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        projected = constraint(np.array([[np.inf, 1.0], [1.0, 1.0]], np.float32))
    np.testing.assert_allclose(projected, expected, rtol=1e-7)


X = np.array([[0.2, -0.1, 0.4], [1.0, 0.5, -0.3], [-0.6, 0.8, 0.1], [0.3, 0.3, 0.9],
              [0.7, -0.9, 0.2], [-0.2, 0.4, -0.5], [0.9, 0.1, 0.6], [0.0, -0.7, 0.3]], dtype="float32")
Y = np.array([[1.0, 0.0], [0.5, -0.5], [0.2, 0.8], [-0.3, 0.4], [0.6, 0.1], [0.0, -1.0], [0.9, 0.3], [-0.4, 0.2]],
             dtype="float32")
INITIAL = [W, np.array([-0.1, 0.2, -0.3, 0.05], "float32"),
           np.array([[0.3, -0.6], [0.9, 0.4], [-0.5, 0.7], [0.2, 0.1]], "float32"), np.array([0.1, -0.2], "float32")]

KERAS_TRAINED = {
    # fit(X, Y, batch_size=4, epochs=1, shuffle=False): 2 steps
    "fit": [[[0.469039977, -0.703472912, 1.27668321, 0.105067149], [1.29121149, 0.171934098, -0.253872812, 0.196074039], [-0.60230732, 1.31360734, 0.646153688, -0.299745888]], [0.0208643284, 0.149066389, 0, 0.0444940329], [[0.292697161, -0.605091512], [0.78965646, 0.372571021], [-0.432743162, 0.620824695], [0.198285788, 0.0972397923]], [0.0931031704, -0.257442206]],  # noqa: E501
    # gradient_accumulation_steps=2, one train_on_batch(X[:4]): no update, yet the constraints are applied
    "accumulated 1": [[[0.433736175, -0.713185966, 1.32067645, 0.0999999791], [1.3012085, 0.178296492, -0.264135301, 0.199999958], [-0.607230663, 1.30750751, 0.660338223, -0.299999952]], [0, 0.200000003, 0, 0.0500000007], [[0.300000012, -0.600000024], [0.899999976, 0.400000006], [-0.5, 0.699999988], [0.200000003, 0.100000001]], [0.100000001, -0.200000003]],  # noqa: E501
    # ... then train_on_batch(X[4:]): the update
    "accumulated 2": [[[0.453507334, -0.703333914, 1.29280889, 0.102566957], [1.2955488, 0.16934669, -0.259022862, 0.197970167], [-0.604883552, 1.29092515, 0.651869118, -0.299789399]], [0.00371874287, 0.170779735, 0, 0.047079999], [[0.295187742, -0.602898121], [0.844057202, 0.384817004], [-0.471881598, 0.656260014], [0.198936582, 0.0985428393]], [0.0906707421, -0.232400343]],  # noqa: E501
    # use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2, fit as above: the average follows the
    # weights before the constraints (and fit ends with the average: a negative bias)
    "ema": [[[0.496791542, -0.951307774, 1.63105011, 0.104818091], [1.39010715, 0.22006315, -0.328879654, 0.196572304], [-0.654458404, 1.73668361, 0.823776484, -0.300368726]], [-0.0466665849, 0.143409446, -0.183440477, 0.0457395166], [[0.292618454, -0.600656509], [0.787703454, 0.374314249], [-0.476851344, 0.639233828], [0.199292392, 0.0984093994]], [0.0715640858, -0.240046114]],  # noqa: E501
}


def _model(optimizer, **first):
    first = {"kernel_constraint": constraints.MaxNorm(1.5), "bias_constraint": constraints.NonNeg(), **first}
    model = gn.Sequential([gn.Input(shape=(3,)), Dense(4, activation="relu", **first), Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    model.set_weights(INITIAL)
    return model


def _assert_weights(model, expected):
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_two_sgd_steps_match_keras():
    model = _model(SGD(0.1))
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    _assert_weights(model, KERAS_TRAINED["fit"])


def test_names_work_in_dense_as_in_keras():
    model = _model(SGD(0.1), kernel_constraint=constraints.MaxNorm(1.5), bias_constraint="non_neg")
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    _assert_weights(model, KERAS_TRAINED["fit"])


def test_constraints_apply_at_every_step_of_gradient_accumulation_as_keras():
    model = _model(SGD(0.1, gradient_accumulation_steps=2))
    model.train_on_batch(X[:4], Y[:4])
    _assert_weights(model, KERAS_TRAINED["accumulated 1"])
    model.train_on_batch(X[4:], Y[4:])
    _assert_weights(model, KERAS_TRAINED["accumulated 2"])


def test_the_moving_average_follows_the_weights_before_the_constraints_as_keras():
    model = _model(SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2))
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    _assert_weights(model, KERAS_TRAINED["ema"])


def test_a_frozen_layer_is_not_constrained():
    model = _model(SGD(0.1), kernel_constraint=constraints.MaxNorm(0.1), trainable=False)
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], W)
    np.testing.assert_array_equal(model.layers[0].get_weights()[1], INITIAL[1])
    model.layers[0].trainable = True  # takes effect at the next fit
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    assert np.sqrt((model.layers[0].kernel ** 2).sum(axis=0)).max() <= 0.1


def test_a_function_constrains_the_weights():
    model = _model(SGD(1.0), kernel_constraint=lambda w: np.clip(w, -0.25, 0.25), bias_constraint=None)
    model.fit(X, Y, batch_size=4, epochs=3, verbose=0)
    assert np.abs(model.layers[0].kernel).max() <= 0.25
    assert model.layers[0].bias.min() < 0  # no bias constraint


def test_trace_shows_the_update_with_the_constraints():
    model = _model(SGD(0.1))
    step = model.trace(X[:4], Y[:4])
    model.train_on_batch(X[:4], Y[:4])
    first = step.layers[0]
    np.testing.assert_allclose(first.params["W"] + first.updates["W"], model.layers[0].kernel, atol=1e-7)
    np.testing.assert_allclose(first.params["b"] + first.updates["b"], model.layers[0].bias, atol=1e-7)
    assert model.layers[0].bias.min() == 0


def test_save_and_load_keep_the_constraints(tmp_path):
    model = _model(SGD(0.1))
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "m.glassnet")
    loaded = load_model(tmp_path / "m.glassnet")
    dense = loaded.layers[0]
    assert repr(dense.kernel_constraint) == "MaxNorm(max_value=1.5, axis=0)"
    assert type(dense.bias_constraint) is constraints.NonNeg
    assert dense.get_config() == model.layers[0].get_config()
    loaded.compile(optimizer=SGD(5.0), loss="mse")  # a large step: the norms would grow past 1.5
    loaded.fit(X, Y * 10, batch_size=4, epochs=2, verbose=0)
    assert np.sqrt((dense.kernel ** 2).sum(axis=0)).max() <= 1.5
    assert dense.bias.min() >= 0


def test_a_custom_function_is_left_out_of_a_file_with_a_warning(tmp_path):
    model = _model(SGD(0.1), kernel_constraint=lambda w: w)
    with pytest.warns(UserWarning, match="kernel_constraint .* is not saved: a model file holds no code"):
        model.save(tmp_path / "m.glassnet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dense = load_model(tmp_path / "m.glassnet").layers[0]
    assert dense.kernel_constraint is None and type(dense.bias_constraint) is constraints.NonNeg


def test_clone_model_keeps_a_custom_function():
    def clip(w):
        return np.clip(w, -1, 1)

    clone = gn.models.clone_model(_model(SGD(0.1), kernel_constraint=clip))
    assert clone.layers[0].kernel_constraint is clip


# Keras 3.15: Dense(3) -> {Layer,Batch}Normalization(gamma_constraint=NonNeg(), beta_constraint=MaxNorm(0.05))
# -> Dense(2), mse, SGD(0.5), 2 full-batch steps from these weights; gamma, beta and Dense's first row after fit
_NORM_X = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3], [-0.7, 1.1, 0.4], [0.9, -0.4, -1.2]], np.float32)
_NORM_Y = np.array([[1.0, -2.0], [0.5, 1.5], [-1.0, 0.3], [2.0, 0.0]], np.float32)
_NORM_W = np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [-0.5, 0.2, 0.3]], np.float32)
_NORM_W2 = np.array([[0.7, -0.3], [0.2, 0.9], [-0.4, 0.5]], np.float32)
_KERAS_NORM = {
    "LayerNormalization": ([1.1121819019317627, 0.026617588475346565, 0.35757532715797424],
                           [0.04170208424329758, 0.026711221784353256, 0.006888061296194792],
                           [0.41536498069763184, -0.5198936462402344, 0.7045287489891052]),
    "BatchNormalization": ([0.8201501369476318, 0.0, 0.2704640328884125],
                           [0.02288227342069149, -0.036332711577415466, 0.02561887726187706],
                           [0.9404826760292053, -0.24696233868598938, 0.7663856744766235]),
}


@pytest.mark.parametrize("kind", sorted(_KERAS_NORM))
def test_normalization_gamma_and_beta_constraints_train_as_keras(kind, tmp_path):
    import glassnet.layers

    def model():
        norm = getattr(glassnet.layers, kind)(gamma_constraint=constraints.NonNeg(), beta_constraint=constraints.MaxNorm(0.05))
        m = Sequential([Dense(3, input_dim=3), norm, Dense(2)])
        m.compile(optimizer=SGD(0.5), loss="mse")
        return m

    m = model()
    weights = m.get_weights()
    weights[:4] = [_NORM_W, np.zeros(3, np.float32), np.array([1.5, -0.2, 0.8], np.float32),
                   np.array([0.3, -0.2, 0.1], np.float32)]
    weights[-2:] = [_NORM_W2, np.zeros(2, np.float32)]
    m.set_weights(weights)
    m.fit(_NORM_X, _NORM_Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    gamma, beta, first_row = _KERAS_NORM[kind]
    out = m.get_weights()
    np.testing.assert_allclose(out[2], gamma, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[3], beta, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[0][0], first_row, rtol=1e-5)
    m.save(tmp_path / "norm.gn")
    layer = load_model(tmp_path / "norm.gn").layers[1]
    assert repr(layer.gamma_constraint) == "NonNeg()" and repr(layer.beta_constraint) == "MaxNorm(max_value=0.05, axis=0)"


def test_a_function_returning_another_shape_is_refused_not_broadcast():
    # W[...] = constraint(W) broadcast a (1, 2) or (2,) result over every row of the (3, 2) kernel
    # (column sums written into each row); Keras's variable.assign refuses another shape
    class ColumnSums(constraints.Constraint):
        def __call__(self, w):
            return w.sum(axis=0)

    W = np.arange(6.0).reshape(3, 2)
    for constraint in (lambda w: w[:1], ColumnSums()):
        with pytest.raises(ValueError, match=r"returned shape \(.*\) for weights of shape \(3, 2\)"):
            constraints.apply_in_place(constraint, W)
    np.testing.assert_array_equal(W, np.arange(6.0).reshape(3, 2))  # unchanged
    model = _model(SGD(0.1), kernel_constraint=lambda w: w.mean(axis=0), bias_constraint=None)
    with pytest.raises(ValueError, match="A constraint must return weights of the shape it receives"):
        model.fit(X, Y, batch_size=4, epochs=1, verbose=0)


@pytest.mark.parametrize("constraint, shown", [
    (constraints.MaxNorm(axis=5), "5"), (constraints.MinMaxNorm(axis=-3), "-3"),
    (constraints.UnitNorm(axis=[0, 5]), r"\[0, 5\]"), (constraints.MaxNorm(axis=[1, -1]), r"\[1, -1\]"),
])
def test_an_axis_the_weights_lack_is_refused_by_name(constraint, shown):
    # NumPy's AxisError "axis 5 is out of bounds for array of dimension 2", from inside the training step
    # (or "duplicate value in 'axis'" for an axis named twice)
    match = rf"{type(constraint).__name__}\(.*\): axis must name distinct axes of the weights \(from -2 to 1 for " \
            rf"weights of shape \(3, 4\)\). Received: axis={shown}$"
    with pytest.raises(ValueError, match=match):
        constraint(np.ones((3, 4)))
    model = _model(SGD(0.1), kernel_constraint=constraint, bias_constraint=None)  # a (3, 4) kernel
    with pytest.raises(ValueError, match=match):
        model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    # the axes it has, counted from either end, as NumPy
    np.testing.assert_allclose(constraints.UnitNorm(axis=-1)(np.full((2, 2), 3.0)), np.full((2, 2), 0.5**0.5),
                               rtol=1e-6)
