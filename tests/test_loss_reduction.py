"""Keras's ``reduction`` of the losses and ``SparseCategoricalCrossentropy(ignore_class=...)``.

The reference numbers were computed with Keras 3.15.1 on JAX 0.10.2 (float32) from the
same arrays; the comments give the Keras code. No test imports Keras."""

import json
import zipfile

import numpy as np
import pytest

from glassnet import check_gradients, losses, metrics, regularizers
from glassnet.activations import Softmax
from glassnet.layers import Dense
from glassnet.models import Sequential, load_model
from glassnet.optimizers import SGD


def f32(values):
    return np.array(values, dtype=np.float32)


# -- the arrays of the direct calls --------------------------------------------------------------

Y2 = f32([[0, 1], [1, 0], [0.5, 0.5]])
A2 = f32([[0.1, 0.8], [0.7, 0.2], [0.3, 0.9]])
W2 = f32([0.5, 2.0, 1.5])
Y3 = f32([[[0, 1], [1, 0], [0.5, 0.5]], [[1, 1], [0, 0], [0.2, 0.4]]])  # (n, m, k) = (2, 3, 2)
A3 = f32([[[0.1, 0.8], [0.7, 0.2], [0.3, 0.9]], [[0.6, 0.5], [0.1, 0.3], [0.0, 0.8]]])
W3 = f32([0.5, 2.0])

# keras.losses.MeanSquaredError(reduction=r)(y, p, sample_weight=w); Keras refuses weights (n,) for
# (n, m, k) outputs, so its 3-D weighted numbers are those of sample_weight=W3[:, None], which is
# what glassnet reads W3 as (each sample's weight for its m rows). "mean" is the default
# "sum_over_batch_size" (the same numbers, which glassnet computed before it took reduction).
MSE_2D = {"mean": (0.063333333, 0.097499996), "sum": (0.189999998, 0.292499989),
          "mean_with_sample_weight": (0.063333333, 0.073124997)}
MSE_3D = {"mean": (0.090833336, 0.134166673), "sum": (0.545000017, 0.805000067),
          "mean_with_sample_weight": (0.090833336, 0.322000027)}


@pytest.mark.parametrize("reduction", list(MSE_2D))
def test_the_reductions_of_a_direct_call_are_keras_s(reduction):
    loss = losses.MeanSquaredError(reduction=reduction)
    assert loss(Y2, A2) == pytest.approx(MSE_2D[reduction][0], rel=1e-6)
    assert loss(Y2, A2, sample_weight=W2) == pytest.approx(MSE_2D[reduction][1], rel=1e-6)
    assert loss(Y3, A3) == pytest.approx(MSE_3D[reduction][0], rel=1e-6)
    assert loss(Y3, A3, sample_weight=W3) == pytest.approx(MSE_3D[reduction][1], rel=1e-6)
    assert loss(Y3, A3, sample_weight=W3[:, None]) == pytest.approx(MSE_3D[reduction][1], rel=1e-6)


def test_the_one_loss_of_a_vector_is_returned_as_it_is_as_keras():
    # Keras 3.15's reduce_values returns losses of shape () unreduced: a vector (one sample) weighted by a number
    # (or (1,), squeezed to it) gives w·J for "mean_with_sample_weight" too, 2 × 0.0966667; glassnet divided by
    # the weight (0.0966667); weights (1, 1) broadcast the loss to (1, 1), which is reduced: J
    y, p = np.array([0.0, 1.0, 0.5]), np.array([0.2, 0.7, 0.9])
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    for w in (2.0, np.array([2.0])):
        assert loss(y, p, sample_weight=w) == pytest.approx(0.19333333333333333, rel=1e-12)
        np.testing.assert_allclose(loss.gradient(y, p, w), 2.0 * 2 * (p - y) / 3, rtol=1e-12)  # of that value
    assert loss(y, p, sample_weight=np.array([[2.0]])) == pytest.approx(0.09666666666666666, rel=1e-12)
    np.testing.assert_allclose(loss.gradient(y, p, np.array([[2.0]])), 2 * (p - y) / 3, rtol=1e-12)


def test_mean_with_sample_weight_divides_by_the_weights_as_given():
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    # Σ w_i J_i / Σ w_i, by hand: J = [0.025, 0.065, 0.1]
    assert loss(Y2, A2, sample_weight=W2) == pytest.approx((0.5 * 0.025 + 2 * 0.065 + 1.5 * 0.1) / 4, rel=1e-6)
    # weights that sum to 0: the loss is 0 (Keras's divide_no_nan), and so is its gradient
    assert loss(Y2, A2, sample_weight=np.zeros(3)) == 0.0
    assert not np.any(loss.gradient(Y2, A2, sample_weight=np.zeros(3)))
    # Keras sums the weights it is given: one number counts once (0.19 is the "sum" 0.38 over 2)
    assert loss(Y2, A2, sample_weight=2.0) == pytest.approx(0.19, rel=1e-6)
    assert losses.MeanSquaredError(reduction="sum")(Y2, A2, sample_weight=2.0) == pytest.approx(0.38, rel=1e-6)


@pytest.mark.parametrize("reduction", [None, "none"])
def test_reduction_none_returns_the_weighted_per_sample_losses_in_the_batch_s_shape(reduction):
    loss = losses.MeanSquaredError(reduction=reduction)
    np.testing.assert_allclose(loss(Y2, A2), [0.024999999, 0.065000005, 0.099999987], rtol=1e-6)
    np.testing.assert_allclose(loss(Y2, A2, sample_weight=W2), [0.012499999, 0.13000001, 0.149999976], rtol=1e-6)
    np.testing.assert_allclose(loss(Y3, A3), [[0.024999999, 0.065000005, 0.099999987],
                                              [0.204999983, 0.050000001, 0.100000009]], rtol=1e-6)
    np.testing.assert_allclose(loss(Y3, A3, sample_weight=W3), [[0.0125, 0.0325, 0.05], [0.41, 0.1, 0.2]], rtol=1e-6)
    assert isinstance(loss(Y2, A2), np.ndarray)
    assert loss(f32([1, 2, 3]), f32([1, 2, 4])).shape == ()  # one vector: one sample, as Keras
    # weights (n, 1): a column, as Keras's (its losses take the weights' trailing 1); glassnet's were (3,)
    column = loss(Y2, A2, sample_weight=W2[:, None])
    assert column.shape == (3, 1)
    np.testing.assert_allclose(column, [[0.0125], [0.13000001], [0.14999998]], rtol=1e-6)
    assert loss(Y3, A3, sample_weight=W3[:, None]).shape == (2, 3)  # (n, m) losses keep their shape
    # the function forms are these values unweighted
    np.testing.assert_array_equal(loss(Y3, A3), losses.mean_squared_error(Y3, A3))


def _targets_and_outputs(cls):
    """Targets and outputs of 3 samples of 3 outputs that the loss ``cls`` takes."""
    labels, probabilities = np.array([0, 2, 1]), np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]])
    if cls in (losses.SparseCategoricalCrossentropy, losses.CategoricalGeneralizedCrossEntropy):
        return labels, probabilities
    if cls is losses.Circle:  # labels and unit-norm embeddings
        return np.array([0, 1, 0]), probabilities / np.linalg.norm(probabilities, axis=1, keepdims=True)
    return np.eye(3)[labels], probabilities


@pytest.mark.parametrize("cls", sorted(losses.CLASSES.values(), key=lambda cls: cls.__name__))
def test_unreduced_losses_weighted_by_a_column_are_a_column_as_keras(cls):
    # Keras 3.15's reduce_weighted_values gives the losses (n,) the trailing 1 of weights (n, 1) (its
    # squeeze_or_expand_to_same_rank): a column (3, 1) for every loss (Dice's and Tversky's one loss of the
    # batch too, times each weight; SparseCategoricalCrossentropy's with ignore_class too); glassnet gave (3,)
    Y, A = _targets_and_outputs(cls)
    w = np.array([0.5, 2.0, 0.0])
    for reduction in (None, "none"):
        loss = cls(reduction=reduction)
        column = loss(Y, A, sample_weight=w[:, None])
        assert column.shape == (3, 1)
        np.testing.assert_allclose(column[:, 0], loss(Y, A, sample_weight=w), rtol=1e-15)
        assert loss(Y, A, sample_weight=2.0).shape == np.shape(loss(Y, A))  # a number keeps the losses' shape


def test_unreduced_losses_with_ignore_class_weighted_by_a_column_are_a_column_as_keras():
    # Keras 3.15 merges its mask of ignore_class into the weights (n, 1): a column, the ignored sample's 0
    Y, A = _targets_and_outputs(losses.SparseCategoricalCrossentropy)
    column = losses.SparseCategoricalCrossentropy(ignore_class=2, reduction=None)(Y, A, sample_weight=[[0.5], [2], [1]])
    assert column.shape == (3, 1)
    np.testing.assert_allclose(column, [[0.17833747196936622], [0.0], [0.6931471805599453]], rtol=1e-12)


@pytest.mark.parametrize("cls", sorted(losses.CLASSES.values(), key=lambda cls: cls.__name__))
def test_an_empty_batch_gives_keras_s_empty_losses_and_an_empty_gradient(cls):
    # a batch of 0 rows raised "the batch is empty". Keras 3.15 returns its losses, shape (0,), as they are
    # whatever the reduction (its reduce_values leaves shapes () and (0,) unreduced: an empty array, not 0 or
    # NaN); with weights (0, 1) they are (0, 1), which its reductions sum to 0.0 (divide_no_nan). Dice and
    # Tversky sum over the whole batch: 1 − 0/ε = 1.0
    Y, A = (v[:0] for v in _targets_and_outputs(cls))
    whole_batch = cls in (losses.Dice, losses.Tversky)
    for reduction in losses.REDUCTIONS:
        loss = cls(reduction=reduction)
        value = loss(Y, A)
        if whole_batch:
            assert value == 1.0
        else:
            assert isinstance(value, np.ndarray) and value.shape == (0,) and value.dtype == np.float64
        weighted = loss(Y, A, sample_weight=np.zeros((0, 1)))
        if reduction in (None, "none"):
            assert weighted.shape == (0, 1)
        else:
            assert weighted == 0.0
            assert loss.gradient(Y, A).shape == (0, 3)  # the gradient of no losses: nothing, in the outputs' shape
            assert loss.gradient(Y, A, sample_weight=np.zeros(0)).shape == (0, 3)


def test_an_empty_batch_of_sequences_reduces_to_0_as_keras():
    # Keras 3.15: the losses of outputs (0, m, k) have shape (0, m), not (0,), so its reductions give 0.0
    for loss, Y in ((losses.MeanSquaredError, np.zeros((0, 2, 3))), (losses.SparseCategoricalCrossentropy,
                                                                      np.zeros((0, 2)))):
        assert loss(reduction=None)(Y, np.zeros((0, 2, 3))).shape == (0, 2)
        for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight"):
            assert loss(reduction=reduction)(Y, np.zeros((0, 2, 3))) == 0.0
            assert loss(reduction=reduction).gradient(Y, np.zeros((0, 2, 3))).shape == (0, 2, 3)


# per-position ("temporal") weights (n, m) for outputs (n, m, k), as Keras 3.15 in float64 (JAX_ENABLE_X64):
# keras.losses.<cls>(reduction=r, dtype="float64")(targets, PS, sample_weight=WS)
PS = np.array([[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]],
               [[0.25, 0.5, 0.25], [0.05, 0.05, 0.9], [0.6, 0.3, 0.1]]])
LS = np.array([[0, 2, 1], [1, 2, 0]])  # the labels, one per position
WS = np.array([[1.0, 0.5, 2.0], [3.0, 1.5, 0.0]])
PER_POSITION = {  # reduction -> (cross-entropy, MSE)
    "sum_over_batch_size": (0.7059774053513656, 0.12097222222222222),
    "sum": (4.235864432108193, 0.7258333333333333),
    "mean_with_sample_weight": (0.5294830540135241, 0.09072916666666667)}
PER_POSITION_NONE = ([[0.3566749439387323, 0.25541281188299536, 1.3862943611198906],
                      [2.0794415416798357, 0.15804077348673942, 0.0]],
                     [[0.046666666666666676, 0.043333333333333335, 0.2533333333333333], [0.375, 0.0075, 0.0]])


def test_per_position_weights_of_sequence_outputs_are_keras_s():
    # weights (n, m) for outputs (n, m, k) were refused: "sample_weight must hold one weight per sample (2,)"
    onehot = np.eye(3)[LS]
    for reduction, (ce, mse) in PER_POSITION.items():
        assert losses.SparseCategoricalCrossentropy(reduction=reduction)(LS, PS, sample_weight=WS) == \
            pytest.approx(ce, rel=1e-12)
        assert losses.CategoricalCrossentropy(reduction=reduction)(onehot, PS, sample_weight=WS) == \
            pytest.approx(ce, rel=1e-12)
        assert losses.MeanSquaredError(reduction=reduction)(onehot, PS, sample_weight=WS) == \
            pytest.approx(mse, rel=1e-12)
    np.testing.assert_allclose(losses.SparseCategoricalCrossentropy(reduction=None)(LS, PS, sample_weight=WS),
                               PER_POSITION_NONE[0], rtol=1e-12)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(onehot, PS, sample_weight=WS),
                               PER_POSITION_NONE[1], rtol=1e-12)
    # the gradient: each position's own weight (against finite differences of the loss)
    loss = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    numeric, h = np.zeros_like(PS), 1e-6
    for i in np.ndindex(PS.shape):
        up, down = PS.copy(), PS.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (loss(onehot, up, sample_weight=WS) - loss(onehot, down, sample_weight=WS)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(onehot, PS, sample_weight=WS), numeric, atol=1e-9)
    with pytest.raises(ValueError, match="sample_weight must hold one weight per sample"):
        losses.MeanSquaredError()(onehot, PS, sample_weight=WS[:, :2])  # neither (n,) nor (n, m)


@pytest.mark.parametrize("cls", sorted(losses.CLASSES.values(), key=lambda cls: cls.__name__))
def test_every_loss_takes_keras_s_reductions_and_names_the_valid_ones(cls):
    for reduction in losses.REDUCTIONS:
        loss = cls(reduction=reduction)
        assert loss.reduction == reduction
        assert type(loss).from_config(loss.get_config()).reduction == reduction
        assert losses.deserialize(losses.serialize(loss)).reduction == reduction  # kept in a model file
    assert "reduction" not in cls().get_config()  # files of the default losses stay as they were
    for bad in ("total", "SUM", 0, ["sum"]):
        with pytest.raises(ValueError, match=r"Invalid value for argument `reduction`. Expected one of "
                                             r"'sum_over_batch_size', 'mean', 'sum', 'mean_with_sample_weight', "
                                             r"'none', None. Received: reduction="):
            cls(reduction=bad)


def test_a_user_loss_gets_the_reductions_from_the_base():
    class Cubic(losses.Loss):
        def per_sample(self, Y, A):
            return np.mean((A - Y) ** 3, axis=-1)

        def per_sample_gradient(self, Y, A):
            return 3 * (A - Y) ** 2 / A.shape[-1]

    values = np.mean((A2 - Y2) ** 3, axis=-1)
    assert Cubic()(Y2, A2) == pytest.approx(values.mean())
    assert Cubic(reduction="sum")(Y2, A2, sample_weight=W2) == pytest.approx(np.dot(values, W2))
    np.testing.assert_allclose(Cubic(reduction="sum").gradient(Y2, A2, W2), W2[:, None] * 3 * (A2 - Y2) ** 2 / 2)
    assert repr(Cubic(reduction="sum")) == "Cubic(reduction='sum')"


@pytest.mark.parametrize("wrong, received", [
    (lambda Y, A: np.mean(A - Y, axis=-1), r"shape \(3,\)"),  # the per-sample losses' shape
    (lambda Y, A: (A - Y)[:, :1], r"shape \(3, 1\)"),
    (lambda Y, A: (A - Y).tolist(), "a list"),
])
def test_a_user_gradient_of_the_wrong_shape_is_named(wrong, received):
    # NumPy said "cannot reshape array of size 3 into shape (3,2)" (or a broadcast error with weights)
    class Halved(losses.Loss):
        def per_sample(self, Y, A):
            return np.mean((A - Y) ** 2, axis=-1)

        per_sample_gradient = staticmethod(wrong)

    for weights in (None, W2):
        with pytest.raises(ValueError, match=rf"Halved.per_sample_gradient\(Y, A\) must return dJ_i/dA, an array of "
                                             rf"A's shape \(3, 2\). Received {received}."):
            Halved().gradient(Y2, A2, weights)


@pytest.mark.parametrize("weights", [W2.astype(np.float64), [1, 2, 3], np.array([1, 0, 1]), 2.0, np.array([True, False, True])])
def test_unreduced_losses_keep_the_outputs_dtype_whatever_the_weights(weights):
    # Keras casts sample_weight to the losses' dtype; float64, int or scalar weights made float64 losses
    loss = losses.MeanSquaredError(reduction=None)
    got = loss(Y2, A2, sample_weight=weights)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.mean((A2 - Y2) ** 2, axis=-1) * np.asarray(weights, np.float32), rtol=1e-6)
    assert loss(Y3, A3, sample_weight=np.asarray(W3, np.float64)).dtype == np.float32


# -- training: the weights, History's loss and evaluate, as Keras ------------------------------------

X = f32([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3], [-0.7, 0.9, 0.4], [0.1, -0.4, -1.2], [2.0, 1.0, 0.5], [-1.1, 0.3, 0.8]])
W = f32([0.5, 2.0, 1.0, 0.0, 1.5, 3.0])
TARGETS = {
    "real": f32([[1.0, 0.0], [0.5, -0.5], [0.0, 2.0], [-1.0, 0.3], [0.7, 0.7], [0.2, -0.8]]),
    "onehot": f32([[1, 0], [0, 1], [0, 1], [1, 0], [1, 0], [0, 1]]),
    "multilabel": f32([[1, 0], [1, 1], [0, 1], [0, 0], [1, 0], [0, 1]]),
    "labels": np.array([0, 2, -1, 1, -1, 2]),
    "labels255": np.array([0, 2, 255, 1, 255, 2]),
    "labels_in": np.array([0, 2, 1, 2, 0, 1]),
}
START = {2: [f32([[0.2, -0.3], [0.4, 0.1], [-0.5, 0.6]]), f32([0.1, -0.2])],
         3: [f32([[0.2, -0.3, 0.1], [0.4, 0.1, -0.2], [-0.5, 0.6, 0.3]]), f32([0.1, -0.2, 0.05])]}


def _model(loss, activation, units):
    model = Sequential([Dense(units, activation=activation, input_dim=3)])
    model.set_weights(START[units])
    model.compile(optimizer=SGD(learning_rate=0.1), loss=loss)
    return model


# m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation=activation)]);
# m.set_weights(START[units]); m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=loss);
# h = m.fit(X, y, sample_weight=W or None, batch_size=4, epochs=1, shuffle=False) (two steps: 4 rows, 2 rows);
# then (History's loss, m.evaluate(X, y, sample_weight, batch_size=4), m.evaluate(...) at its default 32,
# the kernel, the bias)
KERAS_FITS = {
    ("MeanSquaredError", "sum", None, "real", True): (
        3.61882329, 2.7176168, 4.11030531,
        [[0.070810758, 0.466202796], [0.302836627, 0.266134262], [-0.181804895, 0.221855491]],
        [0.287826985, -0.402747512]),
    ("MeanSquaredError", "sum", None, "real", False): (
        4.76413631, 1.82644761, 3.07814813,
        [[0.201432094, -0.016280293], [0.205311731, 0.327736914], [0.127643704, 0.269400865]],
        [0.129513979, -0.015781993]),
    ("MeanSquaredError", "mean_with_sample_weight", None, "real", True): (
        0.889452934, 0.716221154, 0.69093293,
        [[0.168172106, -0.132864907], [0.375592798, 0.160456136], [-0.406789213, 0.528184474]],
        [0.157687426, -0.212920487]),
    ("MeanSquaredError", "mean_with_sample_weight", None, "real", False): (  # = "sum_over_batch_size"
        1.33410466, 0.999473631, 0.999473631,
        [[0.189591512, -0.134422556], [0.362913966, 0.175892115], [-0.324319541, 0.505137622]],
        [0.132939249, -0.158347756]),
    ("MeanAbsoluteError", "sum", None, "real", True): (
        2.67708325, 2.06445813, 4.03174973,
        [[0.082500003, 0.117500007], [0.430000007, 0.219999999], [-0.282499999, 0.457500011]],
        [0.200000003, -0.150000006]),
    ("MeanAbsoluteError", "mean_with_sample_weight", None, "real", True): (
        0.683809519, 0.608169734, 0.663779795,
        [[0.167380959, -0.200714275], [0.400952399, 0.132380947], [-0.447857141, 0.564523876]],
        [0.114285722, -0.180952385]),
    ("CategoricalCrossentropy", "sum", "softmax", "onehot", True): (  # the fused softmax + cross-entropy
        4.03763533, 3.26436925, 5.45911837,
        [[0.271820992, -0.371821016], [0.336963922, 0.163036063], [-0.41445601, 0.514455974]],
        [-0.073126942, -0.026873082]),
    ("CategoricalCrossentropy", "mean_with_sample_weight", "softmax", "onehot", True): (
        1.05552912, 0.979177952, 0.748878717,
        [[0.187882125, -0.287882119], [0.372347355, 0.12765266], [-0.475274295, 0.575274348]],
        [0.046391286, -0.146391287]),
    ("BinaryCrossentropy", "sum", "sigmoid", "multilabel", True): (  # the fused sigmoid + cross-entropy
        2.64614749, 2.41109204, 4.53223896,
        [[0.390386164, -0.34741354], [0.369532287, 0.130562872], [-0.517559588, 0.578614891]],
        [0.092420116, -0.108787946]),
    ("BinaryCrossentropy", "mean_with_sample_weight", "sigmoid", "multilabel", True): (
        0.709037125, 0.691466808, 0.609780192,
        [[0.248598129, -0.303649515], [0.391254365, 0.110640317], [-0.502851546, 0.592518866]],
        [0.100147679, -0.174535334]),
}


def _fit_and_compare(loss, activation, targets, weighted, expected):
    y = TARGETS[targets]
    units = 3 if targets.startswith("labels") else 2
    sample_weight = W if weighted else None
    model = _model(loss, activation, units)
    history = model.fit(X, y, sample_weight=sample_weight, batch_size=4, epochs=1, shuffle=False, verbose=0)
    logged, evaluated_by_4, evaluated, kernel, bias = expected
    assert history.history["loss"][0] == pytest.approx(logged, rel=1e-5)
    assert model.evaluate(X, y, sample_weight=sample_weight, batch_size=4) == pytest.approx(evaluated_by_4, rel=1e-5)
    assert model.evaluate(X, y, sample_weight=sample_weight) == pytest.approx(evaluated, rel=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.get_weights()[1], bias, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", list(KERAS_FITS), ids=lambda case: "-".join(str(part) for part in case))
def test_fit_with_a_reduction_trains_and_logs_as_keras(case):
    name, reduction, activation, targets, weighted = case
    loss = getattr(losses, name)(reduction=reduction)
    _fit_and_compare(loss, activation, targets, weighted, KERAS_FITS[case])


def test_class_weight_and_a_regularizer_with_a_reduction_train_as_keras():
    # class_weight={0: 1, 1: 3} is sample_weight for "mean_with_sample_weight"; the L2 penalty is added
    # to the reduced loss, unscaled (Keras 3.15, JAX: two epochs of the two steps above)
    for loss, reg, class_weight, (logged, evaluated, kernel) in (
        ("mean_with_sample_weight", None, {0: 1.0, 1: 3.0}, (
            [0.85659957, 0.81937724], 0.81190234,
            [[0.216829807, -0.316829801], [0.339921504, 0.160078496], [-0.478903711, 0.578903675]])),
        ("sum", regularizers.L2(0.01), None, (
            [3.27732491, 2.75577545], 2.34869742,
            [[0.298807502, -0.398009896], [0.160092607, 0.335919410], [-0.222340494, 0.321543008]])),
    ):
        model = Sequential([Dense(2, activation="softmax", kernel_regularizer=reg, input_dim=3)])
        model.set_weights(START[2])
        model.compile(optimizer=SGD(learning_rate=0.1), loss=losses.CategoricalCrossentropy(reduction=loss))
        history = model.fit(X, TARGETS["onehot"], class_weight=class_weight, batch_size=4, epochs=2, shuffle=False,
                            verbose=0)
        assert history.history["loss"] == pytest.approx(logged, rel=1e-5)
        assert model.evaluate(X, TARGETS["onehot"], batch_size=4) == pytest.approx(evaluated, rel=1e-5)
        np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
def test_mean_trains_bit_for_bit_as_the_default(weighted):
    sample_weight = W if weighted else None
    weights = []
    for reduction in ("sum_over_batch_size", "mean"):
        model = _model(losses.CategoricalCrossentropy(reduction=reduction), "softmax", 2)
        history = model.fit(X, TARGETS["onehot"], sample_weight=sample_weight, batch_size=4, epochs=2,
                            shuffle=False, verbose=0)
        weights.append((history.history["loss"], *model.get_weights()))
    assert weights[0][0] == weights[1][0]
    for default, mean in zip(weights[0][1:], weights[1][1:]):
        np.testing.assert_array_equal(default, mean)


def test_evaluate_and_validation_use_keras_s_batches_when_the_loss_depends_on_them():
    rng = np.random.default_rng(0)
    X40 = np.round(rng.standard_normal((40, 3)), 2).astype(np.float32)
    Y40 = np.round(rng.standard_normal((40, 2)), 2).astype(np.float32)
    model = _model(losses.MeanSquaredError(reduction="sum"), None, 2)
    # m.evaluate(X40, Y40): Keras's batches of 32 (32 rows, then 8), weighted by their sizes
    assert model.evaluate(X40, Y40) == pytest.approx(31.4081726, rel=1e-5)
    assert model.evaluate(X40, Y40, batch_size=40) == pytest.approx(45.2950783, rel=1e-5)
    # m.fit(X, y, batch_size=4, validation_data=(X40, Y40)): validated in fit's batches (or validation_batch_size)
    y = TARGETS["real"]
    history = model.fit(X, y, batch_size=4, shuffle=False, verbose=0, validation_data=(X40, Y40))
    assert history.history["val_loss"][0] == pytest.approx(3.92100787, rel=1e-5)
    model.set_weights(START[2])
    history = model.fit(X, y, batch_size=4, shuffle=False, verbose=0, validation_data=(X40, Y40),
                        validation_batch_size=10)
    assert history.history["val_loss"][0] == pytest.approx(9.80251884, rel=1e-5)
    assert model.test_on_batch(X40, Y40) == pytest.approx(39.2100792, rel=1e-5)  # one batch


@pytest.mark.parametrize("reduction", ["sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("loss, activation, targets", [
    (losses.MeanSquaredError, None, "real"),
    (losses.CategoricalCrossentropy, "softmax", "onehot"),  # fused: δ = (a − y) w_i / d
    (losses.BinaryCrossentropy, "sigmoid", "multilabel"),  # fused
    (losses.Huber, None, "real"),
])
def test_the_reduced_gradient_matches_finite_differences(reduction, loss, activation, targets):
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(2, activation=activation)], seed=0)
    model.compile(optimizer="sgd", loss=loss(reduction=reduction))
    for sample_weight in (None, W):
        result = check_gradients(model, X, TARGETS[targets], sample_weight=sample_weight)
        assert result.passed(1e-6), str(result)
        scale = 1.0 if reduction == "sum" else (len(X) if sample_weight is None else W.sum())
        default = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(2, activation=activation)], seed=0)
        default.compile(optimizer="sgd", loss=loss())
        expected = check_gradients(default, X, TARGETS[targets], sample_weight=sample_weight)
        for name, gradient in result.analytic.items():  # not 0 = 0: the default's gradient, scaled
            np.testing.assert_allclose(gradient * scale, expected.analytic[name] * len(X), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reduction", [None, "none"])
def test_reduction_none_cannot_train_and_says_so(reduction):
    model = Sequential([Dense(2, input_dim=3)])
    with pytest.raises(ValueError, match=r"A training loss must reduce the batch to one number, but "
                                         r"MeanSquaredError has reduction=.*for calling the loss on its own"):
        model.compile(optimizer="sgd", loss=losses.MeanSquaredError(reduction=reduction))
    model.compile(optimizer="sgd", loss=losses.MeanSquaredError())
    model.loss.reduction = reduction  # set after compile: fit refuses it
    with pytest.raises(ValueError, match="A training loss must reduce the batch to one number"):
        model.fit(X, TARGETS["real"], verbose=0)
    with pytest.raises(ValueError, match="A training loss must reduce the batch to one number"):
        losses.MeanSquaredError(reduction=reduction).gradient(Y2, A2)


def test_a_model_file_keeps_the_reduction_and_old_files_load(tmp_path):
    model = _model(losses.MeanSquaredError(reduction="sum"), None, 2)
    model.save(tmp_path / "sum.gn")
    loaded = load_model(tmp_path / "sum.gn")
    assert loaded.loss.reduction == "sum"
    for trained in (model, loaded):
        trained.fit(X, TARGETS["real"], batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], loaded.get_weights()[0])
    # a file written before reduction was stored: its loss config has no "reduction"
    plain = _model(losses.MeanSquaredError(), None, 2)
    plain.save(tmp_path / "plain.gn")
    with zipfile.ZipFile(tmp_path / "plain.gn") as archive:
        assert "reduction" not in archive.read("model.json").decode()
    assert load_model(tmp_path / "plain.gn").loss.reduction == "sum_over_batch_size"
    assert losses.deserialize({"class_name": "MeanSquaredError", "config": {}}).reduction == "sum_over_batch_size"
    assert json.loads(json.dumps(losses.serialize(losses.Huber(2.0, reduction=None)))) == \
        {"class_name": "Huber", "config": {"reduction": None, "delta": 2.0}}


# -- SparseCategoricalCrossentropy(ignore_class=...) --------------------------------------------------

P = f32([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.25, 0.5, 0.25], [0.05, 0.05, 0.9]])
WP = f32([1.0, 0.5, 2.0, 3.0, 1.5])
# keras.losses.SparseCategoricalCrossentropy(ignore_class=c, reduction=r)(labels, P, sample_weight=None / WP):
# the ignored samples weigh 0, and the batch means are over the kept samples
IGNORED = {
    (-1, (0, 2, -1, 1, -1)): {"sum_over_batch_size": (0.520215869, 0.897176445), "sum": (1.560647726, 2.691529274),
                              "mean_with_sample_weight": (0.520215929, 0.59811759)},
    (255, (0, 2, 255, 1, 255)): {"sum_over_batch_size": (0.520215869, 0.897176445),
                                 "sum": (1.560647726, 2.691529274),
                                 "mean_with_sample_weight": (0.520215929, 0.59811759)},
    (2, (0, 2, 1, 2, 0)): {"sum_over_batch_size": (1.348518133, 2.078855991), "sum": (4.045554161, 6.236567497),
                           "mean_with_sample_weight": (1.348518014, 1.385903835)},
}
IGNORED_NONE = {-1: ([0.356674969, 0.510825574, 0.0, 0.693147182, 0.0],
                     [0.356674969, 0.255412787, 0.0, 2.079441547, 0.0]),
                2: ([0.356674969, 0.0, 0.693147182, 0.0, 2.995732307],
                    [0.356674969, 0.0, 1.386294365, 0.0, 4.493598461])}


@pytest.mark.parametrize("ignored, labels", list(IGNORED))
def test_ignore_class_weighs_its_samples_0_as_keras(ignored, labels):
    for reduction, (plain, weighted) in IGNORED[ignored, labels].items():
        loss = losses.SparseCategoricalCrossentropy(ignore_class=ignored, reduction=reduction)
        assert loss(np.array(labels), P) == pytest.approx(plain, rel=1e-6)
        assert loss(np.array(labels), P, sample_weight=WP) == pytest.approx(weighted, rel=1e-6)
    plain, weighted = IGNORED_NONE[-1 if ignored == 255 else ignored]
    loss = losses.SparseCategoricalCrossentropy(ignore_class=ignored, reduction=None)
    np.testing.assert_allclose(loss(np.array(labels), P), plain, rtol=1e-6)
    np.testing.assert_allclose(loss(np.array(labels), P, sample_weight=WP), weighted, rtol=1e-6)
    # keras.losses.sparse_categorical_crossentropy(labels, P, ignore_class=c)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(np.array(labels), P, ignore_class=ignored),
                               plain, rtol=1e-6)


def test_ignore_class_by_hand_from_logits_and_when_every_sample_is_ignored():
    labels = np.array([0, 2, -1, 1, -1])
    J = -np.log([0.7, 0.6, 0.5])  # the three kept samples
    assert losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, P) == pytest.approx(J.mean(), rel=1e-6)
    logits = np.log(P) + 0.3
    assert losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(labels, logits) == \
        pytest.approx(0.520215929, rel=1e-6)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight"):
        loss = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction=reduction)
        assert loss(np.full(5, -1), P) == 0.0
        assert not np.signbit(loss(np.full(5, -1), P))  # +0.0, as Keras
        assert not np.any(loss.gradient(np.full(5, -1), P))
    # an ignored sample's loss is +0.0, as Keras's where(mask, loss, 0.0): its zero one-hot row gave −Σ 0 · log ŷ = −0.0
    for from_logits, outputs in ((False, P), (True, np.log(P) + 0.3), (True, np.log(P) - 30)):
        for per_sample in (losses.sparse_categorical_crossentropy(labels, outputs, from_logits, ignore_class=-1),
                           losses.SparseCategoricalCrossentropy(from_logits, ignore_class=-1, reduction=None)(
                               labels, outputs, sample_weight=WP)):
            assert per_sample[[2, 4]].tolist() == [0.0, 0.0]
            assert not np.signbit(per_sample).any()


# ignore_class with labels (n, m) for outputs (n, m, k): a mask per position, as Keras 3.15 in float64:
# keras.losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction=r, dtype="float64")(LS_IGNORED, PS[, WS])
LS_IGNORED = np.array([[0, -1, 1], [1, -1, 0]])
IGNORED_POSITIONS = {  # reduction -> (plain, weighted): the batch means are over the 4 kept positions
    "sum_over_batch_size": (0.5634487322061533, 0.9556027116846147),
    "sum": (2.2537949288246137, 3.8224108467384585),
    "mean_with_sample_weight": (0.5634487322061534, 0.6370684744564098)}


def test_ignore_class_masks_each_position_of_sequence_outputs_as_keras():
    # outputs (n, m, k) were refused: "ignore_class takes outputs of shape (n_samples, n_classes)"
    for reduction, (plain, weighted) in IGNORED_POSITIONS.items():
        loss = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction=reduction)
        assert loss(LS_IGNORED, PS) == pytest.approx(plain, rel=1e-12)
        assert loss(LS_IGNORED[..., None], PS) == pytest.approx(plain, rel=1e-12)  # labels (n, m, 1)
        assert loss(LS_IGNORED, PS, sample_weight=WS) == pytest.approx(weighted, rel=1e-12)
        logits = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=reduction)
        assert logits(LS_IGNORED, np.log(PS) + 0.3) == pytest.approx(plain, rel=1e-12)
    unreduced = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction=None)
    np.testing.assert_allclose(unreduced(LS_IGNORED, PS), [[0.3566749439387323, 0.0, 0.6931471805599453],
                                                           [0.6931471805599453, 0.0, 0.5108256237659905]], rtol=1e-12)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(LS_IGNORED, PS, ignore_class=-1),
                               unreduced(LS_IGNORED, PS), rtol=1e-12)
    np.testing.assert_allclose(unreduced(LS_IGNORED, PS, sample_weight=WS),
                               [[0.3566749439387323, 0.0, 1.3862943611198906], [2.0794415416798357, 0.0, 0.0]],
                               rtol=1e-12)
    assert losses.SparseCategoricalCrossentropy(ignore_class=-1)(np.full((2, 3), -1), PS) == 0.0
    # the gradient, as jax.grad of Keras's loss: 0 at the ignored positions, the mean over the kept ones
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    np.testing.assert_allclose(loss.gradient(LS_IGNORED, PS),
                               [[[-0.10714285714285715, 0.25, 0.25], [0.0, 0.0, 0.0], [0.25, -0.25, 0.25]],
                                [[0.25, -0.25, 0.25], [0.0, 0.0, 0.0], [-1 / 6, 0.25, 0.25]]], rtol=1e-12, atol=1e-15)
    weighted = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="mean_with_sample_weight")
    np.testing.assert_allclose(weighted.gradient(LS_IGNORED, PS, sample_weight=WS),
                               [[[-0.07142857142857145, 1 / 6, 1 / 6], [0.0, 0.0, 0.0], [1 / 3, -1 / 3, 1 / 3]],
                                [[0.5, -0.5, 0.5], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]], rtol=1e-12, atol=1e-15)


# (reduction, ignore_class, labels, weighted) -> as KERAS_FITS, with a softmax layer of 3 units and
# keras.losses.SparseCategoricalCrossentropy(ignore_class=..., reduction=...)
KERAS_IGNORED_FITS = {
    ("sum_over_batch_size", -1, "labels", False): (
        1.73988485, 1.58691514, 1.66040933,
        [[0.207778186, -0.255154967, 0.047376778], [0.367076427, 0.086757496, -0.153833941],
         [-0.42382288, 0.496934414, 0.326888502]],
        [0.07307975, -0.240391076, 0.117311336]),
    ("sum_over_batch_size", -1, "labels", True): (
        2.05329752, 1.47778559, 1.42192686,
        [[0.216448158, -0.146942481, -0.069505669], [0.359551609, 0.059183329, -0.118734933],
         [-0.504161954, 0.464679092, 0.439482868]],
        [0.020644501, -0.370312423, 0.299667925]),
    ("sum", -1, "labels", False): (
        4.43042898, 3.53489518, 5.83308029,
        [[0.183781758, -0.278692424, 0.094910651], [0.312016457, 0.091152698, -0.103169158],
         [-0.242702976, 0.373150557, 0.269552469]],
        [0.055196337, -0.218239129, 0.113042794]),
    ("sum", -1, "labels", True): (
        3.79060936, 2.76366806, 5.18588543,
        [[0.130120039, -0.180369705, 0.050249621], [0.311170548, 0.070152439, -0.081322946],
         [-0.425777227, 0.440977186, 0.384800106]],
        [-0.029680688, -0.402262419, 0.381943107]),
    ("mean_with_sample_weight", -1, "labels", True): (
        1.39949024, 1.2454896, 1.17238498,
        [[0.164605126, -0.263456494, 0.098851375], [0.366498083, 0.091145143, -0.157643244],
         [-0.464897871, 0.544615328, 0.320282578]],
        [0.054893993, -0.270624429, 0.165730432]),
    ("sum_over_batch_size", 255, "labels255", False): (  # = ignore_class=-1
        1.73988485, 1.58691514, 1.66040933,
        [[0.207778186, -0.255154967, 0.047376778], [0.367076427, 0.086757496, -0.153833941],
         [-0.42382288, 0.496934414, 0.326888502]],
        [0.07307975, -0.240391076, 0.117311336]),
    ("sum_over_batch_size", 2, "labels_in", False): (  # a class of the model ignored
        1.43860376, 1.2369355, 1.06677902,
        [[0.291745424, -0.374404699, 0.082659267], [0.358804673, 0.147041798, -0.205846474],
         [-0.408644468, 0.58310324, 0.225541279]],
        [0.144381821, -0.176896825, -0.017484993]),
}


@pytest.mark.parametrize("case", list(KERAS_IGNORED_FITS), ids=lambda case: "-".join(str(part) for part in case))
def test_fit_with_ignore_class_trains_and_logs_as_keras(case):
    reduction, ignored, targets, weighted = case
    loss = losses.SparseCategoricalCrossentropy(ignore_class=ignored, reduction=reduction)
    _fit_and_compare(loss, "softmax", targets, weighted, KERAS_IGNORED_FITS[case])


def test_fit_with_ignore_class_on_logits_trains_as_keras():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    _fit_and_compare(loss, None, "labels", False, (
        1.73988485, 1.58691537, 1.66040957,
        [[0.207778186, -0.255154967, 0.047376771], [0.367076427, 0.086757496, -0.153833941],
         [-0.42382288, 0.496934414, 0.326888502]],
        [0.07307975, -0.240391076, 0.117311336]))


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
def test_the_gradient_with_ignore_class_matches_finite_differences(reduction):
    for ignored, labels in ((-1, "labels"), (2, "labels_in")):
        model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(3, activation="softmax")], seed=0)
        model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(ignore_class=ignored,
                                                                                 reduction=reduction))
        for sample_weight in (None, W):
            result = check_gradients(model, X, TARGETS[labels], sample_weight=sample_weight)
            assert result.passed(1e-6), str(result)
            assert np.linalg.norm(result.analytic["dense_1/W"]) > 1e-3  # not 0 = 0


def test_the_ignored_samples_give_no_gradient():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    labels = np.array([0, 2, -1, 1, -1])
    Y = loss.prepare_targets(labels, 3)
    assert not np.any(Y[[2, 4]])  # labels outside the classes: zero rows
    for dA in (loss.gradient(Y, P), loss.fused_delta(Softmax(), Y, P)):
        assert not np.any(dA[[2, 4]]) and np.all(np.any(dA[[0, 1, 3]], axis=1))


def test_ignore_class_is_checked_and_kept():
    loss = losses.SparseCategoricalCrossentropy(ignore_class=np.int64(255), reduction="sum")
    assert loss.ignore_class == 255 and type(loss.ignore_class) is int
    assert loss.get_config() == {"reduction": "sum", "from_logits": False, "ignore_class": 255}
    assert repr(loss) == "SparseCategoricalCrossentropy(from_logits=False, ignore_class=255, reduction='sum')"
    assert losses.deserialize(losses.serialize(loss)).ignore_class == 255
    assert "ignore_class" not in losses.SparseCategoricalCrossentropy().get_config()
    for bad in (True, 1.0, "0"):
        with pytest.raises(TypeError, match=r"ignore_class must be an integer .*Received: ignore_class="):
            losses.SparseCategoricalCrossentropy(ignore_class=bad)
    # the targets: ignore_class may lie outside the classes; no other label may
    with pytest.raises(ValueError, match=r"integer class labels in \[0, 2\] \(or ignore_class=255\) .* from -1 to 2"):
        loss.prepare_targets(np.array([0, 2, -1]), 3)
    with pytest.raises(ValueError, match=r"integer class labels in \[0, 2\] for the model's 3 output units"):
        losses.SparseCategoricalCrossentropy().prepare_targets(np.array([0, 2, 255]), 3)


def test_a_user_metric_in_fit_sees_the_ignored_labels_as_given():
    seen = []

    def recorded(y_true, y_pred):
        seen.append(np.asarray(y_true).ravel().copy())
        return np.zeros(len(y_true))

    model = _model(losses.SparseCategoricalCrossentropy(ignore_class=-1), "softmax", 3)
    model.compile(optimizer=SGD(learning_rate=0.1), loss=model.loss, metrics=[recorded])
    model.fit(X, TARGETS["labels"], batch_size=6, shuffle=False, verbose=0)
    np.testing.assert_array_equal(seen[0], TARGETS["labels"])


# Keras 3.15 on JAX: Dense(3, softmax, kernel zeros, bias [0, 0, 1]) on any 8 inputs predicts class 2
# (then 0 and 1, tied); labels [0, 1, 2, c, c, 0, 1, c] with SparseCategoricalCrossentropy(ignore_class=c=5),
# metrics "accuracy", SparseTopKCategoricalAccuracy(k=1) and (k=2): the ignored samples count as misses
_KERAS_IGNORED_METRICS = {"loss": 1.3514447212219238, "accuracy": 0.125, "top1": 0.125, "top2": 0.625}


@pytest.mark.parametrize("ignored", [5, -1])  # -1 too: JAX's take_along_axis wraps it to the last class
def test_the_accuracies_count_the_ignored_samples_as_misses_as_keras(ignored):
    # "accuracy" under sparse cross-entropy read a label outside the classes (a row of zeros
    # after the one-hot encoding) as class 0, a hit whenever class 0 was predicted
    model = Sequential([Dense(3, activation="softmax", input_shape=(3,))])
    model.set_weights([np.zeros((3, 3)), np.array([0.0, 0.0, 1.0])])
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(ignore_class=ignored),
                  metrics=["accuracy", metrics.SparseTopKCategoricalAccuracy(k=1, name="top1"),
                           metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    labels = np.array([0, 1, 2, ignored, ignored, 0, 1, ignored])
    x = np.random.default_rng(0).random((8, 3)).astype(np.float32)
    logs = model.evaluate(x, labels, verbose=0, return_dict=True)
    assert logs == pytest.approx(_KERAS_IGNORED_METRICS, abs=1e-6)
    assert type(model.metrics[-3]) is metrics.SparseCategoricalAccuracy  # Keras's choice under this loss
    history = model.fit(x, labels, batch_size=3, epochs=1, verbose=0)  # the per-batch path of fit
    assert history.history["accuracy"] == [pytest.approx(0.125)]


def test_the_sparse_cross_entropy_metric_still_refuses_ignore_class():
    with pytest.raises(ValueError, match=r"counts every sample in glassnet: ignore_class must be None .*"
                                         r"Received: ignore_class=-1"):
        metrics.SparseCategoricalCrossentropy(ignore_class=-1)


@pytest.mark.parametrize("reduction, text", [
    ("sum_over_batch_size", "δ includes the 1/n of the mean loss"),
    ("sum", "δ of the summed loss, without 1/n"),
    ("mean_with_sample_weight", "δ includes the 1/Σw of the weighted mean loss"),
])
def test_trace_says_what_delta_is_divided_by(reduction, text):
    # it said "1/n of the mean loss" whatever the reduction; the numbers were right
    model = Sequential([Dense(2, "tanh", input_dim=2), Dense(1)], seed=0)
    model.compile("sgd", losses.MeanSquaredError(reduction=reduction))
    trace = model.trace(np.ones((3, 2)), np.ones(3))
    assert trace.reduction == reduction
    assert f"a batch of 3 examples (rows; {text})" in str(trace).splitlines()[0]


@pytest.mark.parametrize("reduction, text, divisor", [
    ("sum_over_batch_size", "δ includes the w_i/n of the weighted mean loss Σ w_i J_i / n", 2.0),
    ("sum", "δ of the weighted summed loss Σ w_i J_i: row i times w_i, without 1/n", 1.0),
    ("mean_with_sample_weight", "δ includes the w_i/Σw of the weighted mean loss", 4.0),
])
def test_trace_with_sample_weights_says_delta_carries_them(reduction, text, divisor):
    # With sample weights every row of δ is w_i ∂J_i/∂z / d, but the trace's first line said
    # only "δ includes the 1/n of the mean loss". By hand: ŷ = 0, y = (1, 2), w = (1, 3),
    # J_i = (ŷ − y_i)², ∂J_i/∂z = 2(ŷ − y_i) = (−2, −4).
    model = Sequential([Dense(1, input_dim=2, kernel_initializer="zeros")], dtype="float64")
    model.compile(SGD(0.1), losses.MeanSquaredError(reduction=reduction))
    step = model.trace(np.eye(2), np.array([1.0, 2.0]), sample_weight=np.array([1.0, 3.0]))
    np.testing.assert_allclose(step.layers[0].delta.ravel(), np.array([-2.0 * 1, -4.0 * 3]) / divisor, rtol=1e-15)
    assert f"a batch of 2 examples (rows; {text})" in str(step).splitlines()[0]
    assert step.to_dict()["sample_weight"] == [1.0, 3.0]
    one = model.trace(np.array([1.0, 0.0]), np.array(1.0), sample_weight=np.array([3.0]))
    assert "on 1 example (weight 3; δ includes it)" in str(one).splitlines()[0]
    assert model.trace(np.eye(2), np.array([1.0, 2.0])).to_dict()["sample_weight"] is None
