"""A property-based sweep of the public API with bad input (hypothesis, derandomized).

The rule it checks: every wrong type or value given to a constructor or method is a
ValueError or TypeError whose message names the argument (never an AttributeError,
IndexError, OverflowError, NumPy's broadcasting or "ambiguous truth value" error, nor a
result computed from nothing).
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet
from glassnet import (activations, callbacks, datasets, layers, losses, metrics, optimizers, preprocessing, regularizers,
                      utils)
from glassnet.models import Sequential

SWEEP = settings(derandomize=True, max_examples=60, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# values no numeric setting takes: no number at all, or a bool (True is no learning rate)
not_numbers_but_none = st.one_of(st.text(max_size=3), st.booleans(), st.lists(st.integers(), min_size=1, max_size=2),
                                 st.just({}), st.just(np.array([0.5, 0.5])), st.just(0.5j))
not_numbers = st.one_of(st.none(), not_numbers_but_none)
non_finite = st.sampled_from([math.nan, math.inf, -math.inf, 10**400])
negative = st.one_of(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False),
                     st.integers(max_value=-1))
not_positive_ints = st.one_of(st.integers(max_value=0), st.floats(allow_nan=True), st.booleans(), st.text(max_size=3),
                              st.just(np.array([2, 3])))
outside_unit = st.one_of(st.floats(max_value=-1e-9, allow_nan=False), st.floats(min_value=1 + 1e-9, allow_nan=False))


def _bad_real(low_bad, optional=False):
    """Not a number (None too unless ``optional``), not finite, or in the refused range ``low_bad``."""
    return st.one_of(not_numbers_but_none if optional else not_numbers, non_finite, low_bad)


# (callable taking the value, the argument's name, bad values)
CONSTRUCTORS = [
    (lambda v: losses.Circle(gamma=v), "gamma", _bad_real(st.floats(max_value=0, allow_nan=False))),
    (lambda v: losses.Circle(margin=v), "margin", st.one_of(not_numbers, non_finite)),
    (lambda v: losses.Circle(remove_diagonal=v), "remove_diagonal", st.one_of(st.none(), st.integers(), st.text())),
    (lambda v: losses.CategoricalGeneralizedCrossEntropy(v), "q",
     st.one_of(not_numbers, non_finite, outside_unit, st.just(0.0), st.just(1.0))),
    (lambda v: layers.Dense(v), "units", not_positive_ints),
    (lambda v: layers.Dropout(v), "rate", st.one_of(not_numbers, non_finite, outside_unit, st.just(1.0))),
    (lambda v: layers.GaussianDropout(v), "rate", st.one_of(not_numbers, non_finite, outside_unit, st.just(1.0))),
    (lambda v: layers.GaussianNoise(v), "stddev", _bad_real(negative)),
    (lambda v: layers.AlphaDropout(v), "rate", st.one_of(not_numbers, non_finite, outside_unit, st.just(1.0))),
    (lambda v: layers.PReLU(shared_axes=v), "shared_axes",
     st.one_of(st.integers(max_value=0), st.floats(), st.text(min_size=1, max_size=3), st.booleans())),
    (lambda v: layers.PReLU(alpha_initializer=v), "alpha_initializer",
     st.one_of(st.integers(), st.floats(), st.sampled_from(["zeroes", "xx"]))),
    (lambda v: layers.ActivityRegularization(l1=v), "l1", _bad_real(negative)),
    (lambda v: layers.ActivityRegularization(l2=v), "l2", _bad_real(negative)),
    (lambda v: layers.UnitNormalization(axis=v), "axis",
     st.one_of(st.floats(), st.text(min_size=1, max_size=3), st.booleans(), st.none())),
    (lambda v: layers.BatchNormalization(momentum=v), "momentum", _bad_real(outside_unit)),
    (lambda v: layers.BatchNormalization(epsilon=v), "epsilon", _bad_real(negative)),
    (lambda v: layers.LayerNormalization(epsilon=v), "epsilon", _bad_real(negative)),
    (lambda v: layers.RMSNormalization(epsilon=v), "epsilon", _bad_real(negative)),
    (lambda v: layers.RMSNormalization(axis=v), "axis",
     st.one_of(st.floats(), st.text(min_size=1, max_size=3), st.booleans(), st.none(), st.integers(max_value=-2))),
    (lambda v: layers.GroupNormalization(epsilon=v), "epsilon", _bad_real(negative)),
    (lambda v: layers.GroupNormalization(groups=v), "groups",
     st.one_of(st.integers(max_value=-2), st.just(0), st.floats(), st.text(max_size=3), st.booleans(), st.none())),
    (lambda v: layers.LeakyReLU(negative_slope=v), "negative_slope", _bad_real(negative)),
    (lambda v: layers.ReLU(max_value=v), "max_value", st.one_of(non_finite, negative, st.text(max_size=3))),
    # Keras 3.15's activations with arguments: as classes and as Keras's functions
    (lambda v: activations.CELU(alpha=v), "alpha", _bad_real(st.floats(max_value=0, allow_nan=False))),
    (lambda v: activations.celu(np.ones(2), alpha=v), "alpha", _bad_real(st.floats(max_value=0, allow_nan=False))),
    (lambda v: activations.Squareplus(b=v), "b", _bad_real(negative)),
    (lambda v: activations.squareplus(np.ones(2), v), "b", _bad_real(negative)),
    (lambda v: activations.HardShrink(threshold=v), "threshold", st.one_of(not_numbers, non_finite)),
    (lambda v: activations.soft_shrink(np.ones(2), threshold=v), "threshold", st.one_of(not_numbers, non_finite)),
    (lambda v: activations.threshold(np.ones(2), v, 0.0), "threshold", st.one_of(not_numbers_but_none, non_finite)),
    (lambda v: activations.Threshold(0.5, default_value=v), "default_value",
     st.one_of(not_numbers_but_none, non_finite)),
    (lambda v: layers.Dense(3, use_bias=v), "use_bias", st.one_of(st.none(), st.text(max_size=3), st.integers())),
    (lambda v: layers.Dense(3, kernel_initializer=v), "kernel_initializer",
     st.one_of(st.integers(), st.floats(), st.sampled_from(["glorot", "he", "xx"]))),
    (lambda v: layers.Dense(3, bias_initializer=v), "bias_initializer",
     st.one_of(st.integers(), st.floats(), st.sampled_from(["zeroes", "xx"]))),
    (lambda v: layers.Dense(3, kernel_regularizer=v), "kernel_regularizer",
     st.one_of(st.integers(), st.floats(), st.sampled_from(["l3", "xx"]))),
    (lambda v: metrics.R2Score(class_aggregation=v), "class_aggregation",
     st.one_of(st.text(max_size=3), st.integers(), st.just(np.array(["uniform_average"])),
               st.just(np.array([1.0, 2.0])))),
    (lambda v: metrics.TopKCategoricalAccuracy(k=v), "k", not_positive_ints),
    (lambda v: metrics.Precision(thresholds=v), "thresholds",
     st.one_of(st.just([]), st.just([0.5, 1.5]), non_finite, outside_unit, st.text(max_size=2))),
    # any finite number, as Keras (0 on logits): only non-numbers and NaN/inf are refused
    (lambda v: metrics.BinaryAccuracy(threshold=v), "threshold", st.one_of(not_numbers, non_finite)),
    (lambda v: metrics.PearsonCorrelation(axis=v), "axis", st.one_of(
        st.none(), st.booleans(), st.floats(), st.text(max_size=3), st.just(()), st.just((0, "1")))),
    (lambda v: metrics.ConcordanceCorrelation(axis=v), "axis", st.one_of(st.none(), st.floats(), st.just([1.5]))),
    (lambda v: regularizers.OrthogonalRegularizer(factor=v), "factor", _bad_real(negative)),
    (lambda v: regularizers.OrthogonalRegularizer(mode=v), "mode", st.one_of(
        st.none(), st.integers(), st.text(max_size=3), st.just(np.array(["rows", "rows"])))),
    (lambda v: metrics.AUC(num_thresholds=v), "num_thresholds", st.one_of(st.integers(max_value=1), st.floats(),
                                                                         st.text(max_size=2))),
]
# Keras's X-at-Y metrics: the value in [0, 1], at least one threshold
for _cls, _argument in ((metrics.PrecisionAtRecall, "recall"), (metrics.RecallAtPrecision, "precision"),
                        (metrics.SensitivityAtSpecificity, "specificity"),
                        (metrics.SpecificityAtSensitivity, "sensitivity")):
    CONSTRUCTORS += [
        (lambda v, cls=_cls, argument=_argument: cls(**{argument: v}), _argument,
         st.one_of(not_numbers, non_finite, outside_unit)),
        (lambda v, cls=_cls: cls(0.5, num_thresholds=v), "num_thresholds",
         st.one_of(st.integers(max_value=0), st.floats(), st.text(max_size=2))),
    ]
for _name in ("SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion", "Ftrl", "Adafactor", "Lamb",
              "Muon", "ScheduleFreeAdamW"):
    _cls = getattr(optimizers, _name)
    CONSTRUCTORS += [
        (lambda v, cls=_cls: cls(learning_rate=v), "learning_rate", _bad_real(negative)),
        (lambda v, cls=_cls: cls(clipnorm=v), "clipnorm", _bad_real(negative, optional=True)),
        (lambda v, cls=_cls: cls(clipvalue=v), "clipvalue", _bad_real(negative, optional=True)),
        (lambda v, cls=_cls: cls(global_clipnorm=v), "global_clipnorm", _bad_real(negative, optional=True)),
    ]
    if _name != "SGD":
        CONSTRUCTORS.append((lambda v, cls=_cls: cls(epsilon=v), "epsilon", _bad_real(negative)))
CONSTRUCTORS += [
    (lambda v: optimizers.SGD(momentum=v), "momentum", _bad_real(outside_unit)),
    (lambda v: optimizers.SGD(nesterov=v), "nesterov", st.one_of(st.none(), st.text(max_size=3), st.integers())),
    (lambda v: optimizers.Adam(beta_1=v), "beta_1", _bad_real(outside_unit)),
    (lambda v: optimizers.Adam(beta_2=v), "beta_2", _bad_real(outside_unit)),
    (lambda v: optimizers.RMSprop(rho=v), "rho", _bad_real(outside_unit)),
    (lambda v: optimizers.LossScaleOptimizer(v), "inner_optimizer",
     st.one_of(st.none(), st.text(max_size=3), st.integers(), st.floats())),
    (lambda v: optimizers.LossScaleOptimizer(optimizers.Adam(), initial_scale=v), "initial_scale",
     st.one_of(_bad_real(negative), st.just(0.0))),
    (lambda v: optimizers.LossScaleOptimizer(optimizers.Adam(), dynamic_growth_steps=v), "dynamic_growth_steps",
     not_positive_ints),
    (lambda v: optimizers.MultiOptimizer(v), "optimizer_map",
     st.one_of(st.none(), st.text(max_size=3), st.integers(), st.floats(), st.builds(optimizers.Adam))),
    (lambda v: optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()), loss_scale_factor=v),
     "loss_scale_factor", st.one_of(st.floats(), st.integers(), st.text(max_size=2))),
    (lambda v: optimizers.OptimizerMap(v), "default_optimizer",
     st.one_of(st.none(), st.text(max_size=3), st.integers(), st.floats())),
    (lambda v: optimizers.OptimizerMap(optimizers.SGD(), v), "optimizer_map",
     st.one_of(st.text(max_size=3), st.integers(), st.floats(), st.lists(st.integers(), max_size=2))),
    (lambda v: datasets.make_spiral(20, noise=v), "noise", _bad_real(negative)),
    (lambda v: datasets.make_xor(v), "n_samples", not_positive_ints),
    (lambda v: datasets.make_plane_separation(weights=v), "weights", st.one_of(
        st.text(min_size=1, max_size=3), st.just([1.0, None]), st.just(10**400), st.just([10**400, 1]))),
    (lambda v: datasets.cheese_festival(weights=v), "weights", st.one_of(
        st.text(min_size=1, max_size=3), st.just([1.0, None, 1.0]), st.just([1, 10**400, 1]))),
    (lambda v: datasets.logic_gate("xor", dtype=v), "dtype",
     st.one_of(st.sampled_from([0, False, "", "U1", "complex64", "xx"]), st.just({}))),
    (lambda v: preprocessing.to_categorical([0, 1], dtype=v), "dtype",
     st.one_of(st.sampled_from([0, False, "", "U1", "complex64", "xx"]), st.just({}))),
    (lambda v: preprocessing.to_categorical([0, 1], num_classes=v), "num_classes",
     st.one_of(st.integers(max_value=1), st.floats(), st.text(max_size=2))),
    (lambda v: preprocessing.MinMaxScaler(feature_range=v).fit(np.eye(3)), "feature_range",
     st.one_of(st.just((1, 0)), st.just((0, 0)), st.just((0, math.nan)), st.text(max_size=2), st.integers())),
    (lambda v: preprocessing.split(np.eye(10), validation=v), "validation", _bad_real(outside_unit)),
    (lambda v: preprocessing.kfold(10, k=v), "k", st.one_of(st.integers(max_value=1), st.integers(min_value=11),
                                                             st.floats(), st.text(max_size=2))),
    (lambda v: utils.normalize(np.eye(3), order=v), "order", st.one_of(st.text(max_size=2), st.none(),
                                                                       st.just(math.nan), st.booleans(),
                                                                       st.just(10**400))),
    (lambda v: layers.Reshape(v), "target_shape", st.one_of(
        st.integers(), st.none(), st.text(min_size=1, max_size=2), st.just((-2, 3)), st.just((-1, 4, -1)),
        st.just((1.5, 2)), st.just((True, 2)))),
    (lambda v: layers.Embedding(v, 2), "input_dim", not_positive_ints),
    (lambda v: layers.Embedding(3, v), "output_dim", not_positive_ints),
    (lambda v: layers.Embedding(3, 2, embeddings_initializer=v), "embeddings_initializer",
     st.one_of(st.integers(), st.floats(), st.sampled_from(["zeroes", "xx"]))),
    (lambda v: layers.Embedding(3, 2, mask_zero=v), "mask_zero", st.one_of(st.just(True), st.integers(min_value=1),
                                                                        st.text(min_size=1, max_size=2))),
    (lambda v: layers.Embedding(3, 2, weights=v), "weights", st.one_of(
        st.just(np.ones((2, 2))), st.just(np.full((3, 2), "1")), st.text(max_size=2), st.just([[1.0, None]] * 3))),
    (lambda v: layers.Embedding(3, 2)(v), "Layer Embedding looks up integer ids", st.one_of(
        st.just(np.array([[3.0]])), st.just(np.array([[-1]])), st.just(np.array([[0.5]])),
        st.just(np.array([[np.inf]])))),
    (lambda v: layers.Permute(v), "dims", st.one_of(
        st.integers(), st.none(), st.text(min_size=1, max_size=2), st.just((0, 1)), st.just((1, 1)), st.just((2, 3)),
        st.just((1.0, 2.0)), st.just((2, True)))),
    (lambda v: layers.GlobalAveragePooling1D(data_format=v), "data_format", st.one_of(
        st.text(max_size=2), st.integers(), st.just("channels_middle"), st.just(["channels_last"]))),
    (lambda v: layers.GlobalMaxPooling1D(keepdims=v), "keepdims", st.one_of(
        st.integers(), st.none(), st.text(max_size=2), st.just([True]))),
    (lambda v: layers.GlobalMaxPooling1D()(v), "expected ndim=3", st.one_of(
        st.just(np.zeros((2, 3))), st.just(np.zeros((2, 3, 4, 5))))),
    (lambda v: layers.CategoryEncoding(v), "num_tokens", st.one_of(
        st.integers(max_value=0), st.none(), st.floats(), st.text(max_size=2), st.booleans())),
    (lambda v: layers.CategoryEncoding(3, output_mode=v), "output_mode", st.one_of(
        st.text(max_size=2), st.none(), st.integers(), st.just("int"))),
    (lambda v: layers.Discretization(bin_boundaries=v), "bin_boundaries", st.one_of(
        st.just([1.0, 0.0]), st.just([0.0, math.nan]), st.just([math.inf]), st.text(min_size=1, max_size=2),
        st.just([[0.0, 1.0]]), st.just(["a"]))),
    (lambda v: layers.Discretization(num_bins=v), "num_bins", st.one_of(
        st.integers(max_value=0), st.none(), st.floats(), st.text(min_size=1, max_size=2), st.booleans())),
    (lambda v: layers.Discretization(num_bins=2, epsilon=v), "epsilon", st.one_of(
        st.floats(max_value=0), st.floats(min_value=1.0, exclude_min=True), non_finite, st.text(max_size=2),
        st.booleans(), st.none())),
    (lambda v: layers.Discretization(num_bins=2, output_mode=v), "output_mode", st.one_of(
        st.text(max_size=2), st.none(), st.integers(), st.just("binary"))),
    (lambda v: callbacks.RemoteMonitor(root=v), "root", st.one_of(
        st.none(), st.integers(), st.text(max_size=5), st.sampled_from(["ftp://h/", "http://", "http://[::1", "localhost:9000"]),
        st.just(b"http://localhost"))),
    (lambda v: callbacks.RemoteMonitor(field=v), "field", st.one_of(st.none(), st.integers(), st.just(""), st.just(b"d"))),
    (lambda v: callbacks.RemoteMonitor(headers=v), "headers", st.one_of(
        st.text(max_size=3), st.integers(), st.just([("X", "y")]), st.just({"X": 1}), st.just({1: "y"}),
        st.just({"X": "a\nB: c"}), st.just({"": "y"}))),
    (lambda v: callbacks.RemoteMonitor(send_as_json=v), "send_as_json", st.one_of(st.none(), st.integers(), st.text())),
    (lambda v: callbacks.RemoteMonitor(timeout=v), "timeout", _bad_real(st.floats(max_value=0, allow_nan=False))),
    (lambda v: layers.SpectralNormalization(layers.Dense(2), power_iterations=v), "power_iterations",
     not_positive_ints),
    (lambda v: layers.SpectralNormalization(v), "layer", st.one_of(
        st.integers(), st.floats(), st.none(), st.text(max_size=3), st.just(layers.ReLU()), st.just(layers.Flatten()),
        st.just(layers.SpectralNormalization(layers.Dense(2))))),
    (lambda v: _built_model().set_weights([v, np.zeros(3)]), "weights[0]", st.one_of(
        st.just(np.full((3, 3), 1 + 2j)), st.just(np.full((3, 3), "1")), st.just([[1.0, None, 0.0]] * 3),
        st.just(np.ones((2, 3))), st.none(), st.text(max_size=2))),
]


def _built_model():
    model = Sequential([layers.Input((3,)), layers.Dense(3)])
    model.build()
    return model


@settings(SWEEP, max_examples=400)  # about 6 values for each of the ~70 arguments
@given(data=st.data())
def test_bad_settings_are_refused_by_name(data):
    make, name, bad = data.draw(st.sampled_from(CONSTRUCTORS), label="argument")
    value = data.draw(bad, label=name)
    with np.errstate(all="ignore"), pytest.raises((ValueError, TypeError)) as caught:
        make(value)
    assert name in str(caught.value), f"{name}={value!r}: {caught.value}"


# -- Model.fit / evaluate / predict ---------------------------------------------------------

X = np.random.default_rng(0).normal(size=(12, 3))
Y = np.eye(3)[np.arange(12) % 3]


def _model():
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(3, activation="softmax")],
                       seed=0)
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    return model


bad_fit = {
    "batch_size": not_positive_ints.filter(lambda v: v is not None),
    "epochs": st.one_of(st.integers(max_value=-1), st.floats(), st.booleans(), st.text(max_size=2)),
    "validation_split": st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-9), non_finite,
                                  st.text(max_size=2), st.booleans(), st.just(0.99)),
    "validation_data": st.sampled_from([(X[:5], Y[:4]), (X[:5, :2], Y[:5]), (X[:5], Y[:5, :2]), X[:5], (X[:5],),
                                        (X[:5], Y[:5], np.ones(4)), (X[:0], Y[:0]), "x", {"x": X},
                                        (X[:5], Y[:5], np.zeros(5))]),
    # (negative weights are no longer bad: taken, as Keras's, for REINFORCE's signed weights)
    "class_weight": st.sampled_from([{5: 1.0}, {0: math.inf}, {0: math.nan}, {"a": 1}, [1, 2, 3], {0: "x"},
                                     {0.5: 1}, {0: 0, 1: 0, 2: 0}]),
    "sample_weight": st.sampled_from([np.ones(11), np.full(12, math.inf), np.full(12, math.nan), "x",
                                      np.ones((12, 2)), np.zeros(12), np.ones(13), [[1, 2]] * 12]),
    "callbacks": st.sampled_from(["x", [1], 5, (None,)]),
    "shuffle": st.sampled_from(["x", 1, None, "batches"]),
    "initial_epoch": st.one_of(st.integers(max_value=-1), st.floats(), st.text(max_size=2)),
    "verbose": st.one_of(st.integers(min_value=3), st.integers(max_value=-1), st.text(max_size=2), st.floats()),
    "validation_freq": st.one_of(st.integers(max_value=0), st.floats(), st.just([0]), st.text(max_size=2)),
    "steps_per_epoch": st.one_of(st.integers(max_value=0), st.floats()),
    "validation_batch_size": st.one_of(st.integers(max_value=0), st.floats()),
}


@settings(SWEEP, max_examples=120)  # about 9 values for each of the 13 arguments
@given(data=st.data())
def test_bad_fit_arguments_are_refused_by_name(data):
    name = data.draw(st.sampled_from(sorted(bad_fit)), label="argument")
    value = data.draw(bad_fit[name], label=name)
    model, before = _model(), None
    before = [w.copy() for w in model.get_weights()]
    with np.errstate(all="ignore"), pytest.raises((ValueError, TypeError)) as caught:
        model.fit(X, Y, verbose=0, epochs=2, **{name: value})
    assert name in str(caught.value), f"{name}={value!r}: {caught.value}"
    for got, want in zip(model.get_weights(), before):  # refused before any training
        np.testing.assert_array_equal(got, want)


# (y of shape (12, 3, 1) for outputs (12, 3) is not bad: Keras drops the trailing 1, and so does glassnet)
bad_xy = [
    (X[:11], Y), (X[:0], Y[:0]), (np.where(X > 1, np.nan, X), Y), (X, np.where(Y > 0, np.nan, Y)),
    (X[:, :, None], Y), ("abc", Y), (X, "abc"), (X, None), (None, Y), ([[1, 2], [1]], Y[:2]),
    (X, Y[:, :2]), (X[:, :2], Y), (X, np.stack([Y, Y], axis=-1)), (np.array([[None] * 3] * 12), Y), (3.0, Y), (X, 1.0),
    ({"a": X}, Y), (X + 0j, Y), (X, np.full((12, 3), "a")),
]


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
@pytest.mark.parametrize("case", range(len(bad_xy)))
def test_bad_x_and_y_are_refused_by_name(method, case):
    x, y = bad_xy[case]
    kwargs = {"verbose": 0} if method in ("fit", "evaluate") else {}
    with np.errstate(all="ignore"), pytest.raises((ValueError, TypeError)) as caught:
        getattr(_model(), method)(x, y, **kwargs)
    assert any(word in str(caught.value) for word in ("x", "y")), caught.value


@pytest.mark.parametrize("name, value", [
    ("batch_size", 0), ("batch_size", -1), ("batch_size", 1.5), ("batch_size", True), ("verbose", 3),
    ("callbacks", "x"), ("steps", 0), ("steps", 1.5), ("sample_weight", np.ones(11)), ("sample_weight", np.zeros(12)),
    ("sample_weight", np.full(12, np.nan)), ("return_dict", "yes"),  # (-np.ones(12) is taken now, as Keras's)
])
def test_bad_evaluate_arguments_are_refused_by_name(name, value):
    with pytest.raises((ValueError, TypeError), match=name):
        _model().evaluate(X, Y, **{name: value})


@pytest.mark.parametrize("name, value", [
    ("x", X[:, :2]), ("x", X[:, :, None]), ("x", "abc"), ("x", X[:0]), ("x", np.where(X > 1, np.inf, X)),
    ("batch_size", 0), ("batch_size", 1.5), ("batch_size", False), ("verbose", -1), ("callbacks", 5), ("steps", 0),
    ("steps", "2"),
])
def test_bad_predict_arguments_are_refused_by_name(name, value):
    kwargs = {"x": X, name: value}
    with pytest.raises((ValueError, TypeError), match=name):
        _model().predict(**kwargs)


# -- the newer APIs: subclassed Models, symbolic tensors, activity penalties ----------------------

class _TwoDense(glassnet.Model):
    def __init__(self):
        super().__init__()
        self.d1, self.d2 = layers.Dense(3), layers.Dense(2)

    def call(self, x, training=False):
        return self.d2(self.d1(x))


class _NoSuperInit(glassnet.Model):
    def __init__(self):  # (no super().__init__(), and no layer set that would say so)
        self.units = 3

    def call(self, x):
        return x


def _built_subclass():
    model = _TwoDense()
    model.build((None, 3))
    return model


class _Returns(regularizers.Regularizer):
    """An activity penalty returning ``value(x)`` in place of one number."""

    def __init__(self, value):
        self.value = value

    def __call__(self, x):
        return self.value(x)


def _fit_with_activity(value):
    model = Sequential([layers.Input((3,)), layers.Dense(3, activity_regularizer=_Returns(value))])
    model.compile("sgd", "mse")
    model.fit(X, Y, verbose=0)


def _with_weight_penalty(layer, use):
    """``use`` (fit, evaluate, losses) of a model whose last layer is ``layer``, its regularizer a :class:`_Returns`."""
    model = Sequential([layers.Input((3,)), layers.Dense(3), layer])
    model.compile("sgd", "mse")
    return {"fit": lambda: model.fit(X, Y, verbose=0), "evaluate": lambda: model.evaluate(X, Y, verbose=0),
            "losses": lambda: model.losses}[use]()


# (what is done, the error, what its message says): each was a bare Python or NumPy error, or silently
# ignored, before
NEWER_APIS = [
    # __init__ without super().__init__(): "'_NoSuperInit' object has no attribute '_pins'"
    (lambda: _NoSuperInit()(X), RuntimeError, r"does not call super\(\).__init__\(\)"),
    (lambda: _NoSuperInit().fit(X, Y), RuntimeError, r"does not call super\(\).__init__\(\)"),
    # a layer given to an attribute of a built subclass: ignored (the traced chain kept the old one), as Keras refuses
    (lambda: setattr(_built_subclass(), "d2", layers.Dense(7)), ValueError, r"already built: self.d2 = Dense"),
    (lambda: setattr(_built_subclass(), "head", [layers.Dense(7)]), ValueError, "self.head = Dense"),
    (lambda: delattr(_built_subclass(), "d2"), ValueError, "already built, with self.d2's layers"),
    # arithmetic and NumPy on an Input: "unsupported operand type(s) for /: 'InputLayer' and 'float'", a ufunc's
    # error, and an object array from np.asarray
    (lambda: layers.Input((4,)) / 255.0, TypeError, "arithmetic on a layer's output"),
    (lambda: 2 * layers.Input((4,)), TypeError, "arithmetic on a layer's output"),
    (lambda: layers.Input((4,))[:, 0], TypeError, "arithmetic on a layer's output"),
    (lambda: np.tanh(layers.Input((4,))), TypeError, "holds no numbers"),
    (lambda: np.asarray(layers.Input((4,))), TypeError, "holds no numbers"),
    (lambda: losses.mean_squared_error(layers.Input((4,)), layers.Input((4,))), TypeError, "arithmetic"),
    # an activity penalty that is not one number: float()'s "only 0-dimensional arrays can be converted..."
    (lambda: _fit_with_activity(lambda x: 0.01 * x), TypeError, r"activity_regularizer .* must return one number"),
    (lambda: _fit_with_activity(lambda x: np.array([0.1])), TypeError, "activity_regularizer .* Received: array"),
    (lambda: _fit_with_activity(lambda x: None), TypeError, "activity_regularizer .* Received: None"),
    (lambda: _fit_with_activity(lambda x: "0.1"), TypeError, "activity_regularizer .* Received: '0.1'"),
    # a weight penalty that is not one number: the same bare error in fit and model.losses, and evaluate gave
    # the loss as an array
    (lambda: _with_weight_penalty(layers.Dense(3, kernel_regularizer=_Returns(lambda w: 0.01 * w)), "fit"),
     TypeError, r"kernel_regularizer of layer 'dense_1' .* must return one number, the penalty of the layer's kernel "
                r"of shape \(3, 3\)"),
    (lambda: _with_weight_penalty(layers.Dense(3, bias_regularizer=_Returns(lambda w: None)), "losses"),
     TypeError, "bias_regularizer of layer 'dense_1' .* Received: None"),
    (lambda: _with_weight_penalty(layers.PReLU(alpha_regularizer=_Returns(lambda w: w)), "evaluate"),
     TypeError, r"alpha_regularizer of layer 'p_re_lu' .* of shape \(3,\)"),
    (lambda: _with_weight_penalty(layers.BatchNormalization(gamma_regularizer=_Returns(lambda w: "1")), "fit"),
     TypeError, "gamma_regularizer of layer 'batch_normalization' .* Received: '1'"),
    # an object in place of a class or function: "'Dense' object has no attribute '__name__'"
    (lambda: glassnet.saving.register_keras_serializable()(layers.Dense(2)), TypeError, "decorates a class or a function"),
    (lambda: glassnet.saving.register_keras_serializable(package="t")(5), TypeError, "decorates a class or a function"),
    (lambda: glassnet.saving.get_registered_name(5), TypeError, "get_registered_name takes a class or a function"),
]


@pytest.mark.parametrize("case", range(len(NEWER_APIS)))
def test_bad_use_of_the_newer_apis_is_refused_with_what_to_do(case):
    make, error, match = NEWER_APIS[case]
    with pytest.raises(error, match=match):
        make()
