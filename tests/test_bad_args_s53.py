"""Bad arguments found in session 53 (hargs F1-F5): a sparse loss's or metric's integer labels of the outputs'
shape (they were read as one-hot rows: a silent wrong loss), ``Mean``/``Sum`` weights that are NaN, infinite
or negative, ragged lists that reached NumPy unnamed, the IoU metrics' ``axis`` past the inputs' rank, and the
scikit-learn MLPs' huge ``hidden_layer_sizes``. Keras's numbers are recorded here (Keras 3.15 on JAX); no test
imports Keras."""

import math

import numpy as np
import pytest

import glassnet as g
from glassnet import layers, losses, metrics

P3 = np.array([0.2, 0.3, 0.5])
P = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
SHAPES = "takes integer class labels of the outputs' shape without its last axis"

# -- F1. integer labels of the outputs' shape -------------------------------------------------------------------

SAME_SHAPE = [  # (labels, outputs): Keras's "must have the same shape up until the last dimension"
    (np.array([0, 1, 2]), P3),  # one vector: 2.59 (labels read as the weights 0, 1, 2)
    (np.array([0.0, 1.0, 2.0]), P3),  # (float labels against one vector too)
    (np.array([7, 0, 0]), P3),  # 11.27, a label of 3 classes
    (np.array([-1, 2, 0]), P3),  # 0.80, a negative label
    (np.array([[2, 0, 1], [1, 1, 0]]), P),  # 2.81
    ([[0, 0, 1], [1, 0, 0]], P),  # a list: labels, whatever its values
    (np.zeros((2, 3, 4), dtype=int), np.full((2, 3, 4), 0.25)),  # sequences: labels (2, 3) or (2, 3, 1)
]


@pytest.mark.parametrize("labels, outputs", SAME_SHAPE)
@pytest.mark.parametrize("make", [losses.SparseCategoricalCrossentropy,
                                  lambda: losses.SparseCategoricalCrossentropy(reduction=None),
                                  lambda: losses.SparseCategoricalCrossentropy(from_logits=True),
                                  losses.CategoricalGeneralizedCrossEntropy])
def test_sparse_losses_refuse_labels_of_the_outputs_shape_as_keras(make, labels, outputs):
    loss = make()
    with pytest.raises(ValueError, match=SHAPES):
        loss(labels, outputs)
    with pytest.raises(ValueError, match=SHAPES):
        loss.gradient(labels, outputs)


def test_sparse_loss_functions_and_ignore_class_refuse_them_too():
    with pytest.raises(ValueError, match=r"y_true of shape \(\) or \(1,\)\. Received targets \(3,\) and outputs "
                                         r"\(3,\)"):
        losses.sparse_categorical_crossentropy(np.array([0, 1, 2]), P3)
    with pytest.raises(ValueError, match=SHAPES + r".*pass their labels, y_true\.argmax\(axis=-1\)"):
        losses.SparseCategoricalCrossentropy(ignore_class=0)(np.array([[2, 0, 1], [1, 1, 0]]), P)
    with pytest.raises(ValueError, match=SHAPES):
        losses.categorical_generalized_cross_entropy(np.array([0, 1, 2]), P3, q=0.5)


def test_a_sparse_loss_takes_one_label_for_one_vector_as_keras():
    # Keras 3.15: SparseCategoricalCrossentropy()(2, [.2, .3, .5]) = 0.6931472 (glassnet refused it: "targets and
    # outputs must have the same shape"); CategoricalGeneralizedCrossEntropy()(2, ...) = 0.58578646
    loss = losses.SparseCategoricalCrossentropy()
    for label in (2, np.int64(2), 2.0, [2], np.array([2])):
        # (a list of outputs is read in floatx, float32, as Keras reads it: session 56)
        assert loss(label, [0.2, 0.3, 0.5]) == pytest.approx(math.log(2), rel=1e-6)
        assert loss(label, np.array([0.2, 0.3, 0.5])) == pytest.approx(math.log(2), rel=1e-12)
    none = losses.SparseCategoricalCrossentropy(reduction=None)(2, P3)
    assert np.shape(none) == () and float(none) == pytest.approx(math.log(2), rel=1e-12)  # Keras's shape ()
    # the gradient of −log(a_c / Σa): 1/Σa − 1/a_c at the label, 1/Σa elsewhere
    np.testing.assert_allclose(loss.gradient(2, P3), [1.0, 1.0, -1.0], rtol=1e-12)
    assert losses.CategoricalGeneralizedCrossEntropy()(2, P3) == pytest.approx((1 - math.sqrt(0.5)) / 0.5, rel=1e-12)
    # labels (n, 1) of one output unit (n, 1): labels, as Keras's (1.19e-7 there, −log(1 − 1e-7) here)
    assert losses.SparseCategoricalCrossentropy()(np.array([[0], [0]]), np.ones((2, 1))) == pytest.approx(1e-7)
    # outputs of no axis stay refused as before (the labels' shape has no axis to drop)
    for label in (0, [0]):
        with pytest.raises(ValueError, match="the outputs must have at least one axis|same shape"):
            loss(label, 0.5)


def test_labels_of_other_shapes_are_named_with_both_shapes():
    with pytest.raises(ValueError, match=r"y_true of shape \(2,\) or \(2, 1\)\. Received targets \(5,\) and outputs "
                                         r"\(2, 3\)"):  # (it said "Received targets (5, 3)", the one-hot rows)
        losses.SparseCategoricalCrossentropy()(np.array([2, 0, 1, 1, 1]), P)
    with pytest.raises(ValueError, match=r"Received targets \(2,\) and outputs \(2, 3, 4\)"):
        losses.SparseCategoricalCrossentropy()(np.zeros(2, dtype=int), np.full((2, 3, 4), 0.25))


def test_the_labels_keras_takes_give_its_numbers():
    # Keras 3.15: labels (2,) or (2, 1) of P: 0.6019864; (2, 3) of (2, 3, 4): 1.3862944; generalized (2,): 0.51829654
    sparse = losses.SparseCategoricalCrossentropy()
    for labels in (np.array([2, 0]), np.array([[2], [0]]), [2, 0], [[2], [0]]):
        assert sparse(labels, P) == pytest.approx(0.6019864, rel=1e-6)
    assert sparse(np.zeros((2, 3), dtype=int), np.full((2, 3, 4), 0.25)) == pytest.approx(math.log(4), rel=1e-12)
    assert sparse(np.zeros((2, 3, 1), dtype=int), np.full((2, 3, 4), 0.25)) == pytest.approx(math.log(4), rel=1e-12)
    assert losses.CategoricalGeneralizedCrossEntropy()(np.array([2, 0]), P) == pytest.approx(0.51829654, rel=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_hot_float_rows_are_still_what_fit_passes(dtype):
    # the training step's contract: prepared one-hot rows of the outputs' shape and dtype, unchecked
    A = P.astype(dtype)
    rows = np.eye(3, dtype=dtype)[[2, 0]]
    sparse, plain = losses.SparseCategoricalCrossentropy(), losses.CategoricalCrossentropy()
    assert sparse(rows, A) == pytest.approx(plain(rows, A), rel=1e-6)
    np.testing.assert_allclose(sparse.gradient(rows, A), plain.gradient(rows, A), rtol=1e-6)
    generalized = losses.CategoricalGeneralizedCrossEntropy()
    assert generalized(rows, A) == pytest.approx(generalized(np.array([2, 0]), A), rel=1e-6)


def test_fit_and_evaluate_with_a_sparse_loss_are_the_standalone_loss_of_the_labels():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 4)), rng.integers(0, 3, 64)
    model = g.Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"),
                          layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_categorical_crossentropy"])
    history = model.fit(X, y, epochs=3, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    result = model.evaluate(X, y, verbose=0, return_dict=True)
    expected = losses.SparseCategoricalCrossentropy()(y, model.predict(X, verbose=0))
    assert result["loss"] == pytest.approx(expected, rel=1e-5)
    assert result["sparse_categorical_crossentropy"] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name", ["array_api_strict", "torch"])
def test_other_namespaces_tell_labels_from_fits_rows_alike(name):
    pytest.importorskip(name)
    pytest.importorskip("array_api_compat")
    from glassnet import backend

    with backend.namespace(name):
        xp = backend.get_namespace()
        A = xp.asarray(P)
        sparse = losses.SparseCategoricalCrossentropy()
        assert sparse(xp.asarray([2, 0]), A) == pytest.approx(0.6019864, rel=1e-6)
        assert sparse(xp.asarray(np.eye(3)[[2, 0]]), A) == pytest.approx(0.6019864, rel=1e-6)  # fit's rows
        assert sparse(2, A[0, ...]) == pytest.approx(math.log(2), rel=1e-12)
        with pytest.raises(ValueError, match=SHAPES):
            sparse(xp.asarray([[2, 0, 1], [1, 1, 0]]), A)
        with pytest.raises(ValueError, match=SHAPES):
            sparse.gradient(xp.asarray([0.0, 1.0, 2.0], dtype=xp.float64), xp.asarray(P3))


SPARSE_METRICS = [metrics.SparseCategoricalCrossentropy, metrics.SparseCategoricalAccuracy,
                  lambda: metrics.SparseTopKCategoricalAccuracy(k=1)]


@pytest.mark.parametrize("make", SPARSE_METRICS)
@pytest.mark.parametrize("labels, outputs", [(np.array([[2, 0, 1], [1, 1, 0]]), P), ([[0, 0, 1], [1, 0, 0]], P),
                                             (np.zeros((2, 3, 4), dtype=int), np.full((2, 3, 4), 0.25))])
def test_sparse_metrics_refuse_labels_of_the_outputs_shape_as_keras(make, labels, outputs):
    # the cross-entropy metric gave 2.81 for labels [[2, 0, 1], [1, 1, 0]]; Keras's three refuse them
    with pytest.raises(ValueError, match=r"y_true must hold integer class labels, one per row of y_pred"):
        make().update_state(labels, outputs)
    with pytest.raises(ValueError, match=r"y_true must hold integer class labels, one per row of y_pred"):
        make().update_state(labels, outputs, sample_weight=np.ones(2))


@pytest.mark.parametrize("make", SPARSE_METRICS)
def test_sparse_metrics_take_labels_and_fits_one_hot_rows(make):
    expected = make()
    expected.update_state(np.array([2, 0]), P)
    for targets in (np.array([[2], [0]]), [2, 0], np.eye(3)[[2, 0]], np.eye(3, dtype="float32")[[2, 0]]):
        metric = make()
        metric.update_state(targets, P)
        assert float(metric.result()) == pytest.approx(float(expected.result()), rel=1e-6)


# -- F2. Mean and Sum check their weights as every other metric ----------------------------------------------------

@pytest.mark.parametrize("make", [metrics.Mean, metrics.Sum])
@pytest.mark.parametrize("weights", [[np.nan, 1, 1], [np.inf, 1, 1], np.nan])
def test_mean_and_sum_refuse_nan_and_infinite_weights(make, weights):
    # Mean gave nan; Sum gave inf
    with pytest.raises(ValueError, match="sample_weight must hold finite weights"):
        make().update_state(np.array([1.0, 2.0, 3.0]), sample_weight=weights)


@pytest.mark.parametrize("weights, mean, total", [([-1, 1, 1], 4.0, 4.0), ([1, -1, 0], 0.0, -1.0), (-1.0, 2.0, -6.0)])
def test_mean_and_sum_take_negative_weights_as_keras(weights, mean, total):
    # (they were refused with the NaN ones; Keras's Mean is Σ w v / Σ w for any sign, 0 where Σ w = 0 (its
    # divide_no_nan), and its Sum Σ w v: (-1 + 2 + 3) / 1 = 4, (1 - 2) / 0 -> 0, a number weighs the batch's mean)
    values = np.array([1.0, 2.0, 3.0])
    assert metrics.Mean()(values, sample_weight=weights) == pytest.approx(mean, abs=1e-15)
    assert metrics.Sum()(values, sample_weight=weights) == pytest.approx(total, abs=1e-15)


def test_mean_and_sum_keep_their_numbers_for_good_weights():
    mean = metrics.Mean()
    mean.update_state(np.array([1.0, 2.0, 3.0]), sample_weight=[0, 1, 1])
    mean.update_state(np.array([[1.0, 3.0]]), sample_weight=np.array([[1.0, 1.0]]))
    assert mean.result() == pytest.approx((2 + 3 + 2) / 3)
    total = metrics.Sum()
    total.update_state(np.array([1.0, 2.0, 3.0]), sample_weight=2.0)
    assert total.result() == pytest.approx(12.0)


# -- F3. ragged lists are named --------------------------------------------------------------------------------

RAGGED = [[1.0], [1.0, 2.0]]
T2 = np.eye(3)[[0, 1]]
P2 = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])


def _perceptron(cls):
    return lambda: cls().fit(np.ones((2, 2)), RAGGED)


@pytest.mark.parametrize("call, name", [
    (lambda: metrics.MeanSquaredError().update_state(T2, P2, sample_weight=RAGGED), "sample_weight"),
    (lambda: metrics.Accuracy().update_state(T2, P2, sample_weight=RAGGED), "sample_weight"),
    (lambda: metrics.MeanMetricWrapper(lambda t, p: (t - p) ** 2).update_state(T2, P2, sample_weight=RAGGED),
     "sample_weight"),
    (lambda: metrics.CategoricalAccuracy().update_state(T2, P2, sample_weight=RAGGED), "sample_weight"),
    (lambda: metrics.SparseCategoricalAccuracy().update_state([0, 1], P2, sample_weight=RAGGED), "sample_weight"),
    (lambda: metrics.Mean().update_state([1.0, 2.0], sample_weight=RAGGED), "sample_weight"),
    (lambda: metrics.MeanSquaredError().update_state(np.zeros((2, 3, 2)), np.zeros((2, 3, 2)),
                                                     sample_weight=RAGGED), "sample_weight"),
    (lambda: losses.Dice()(T2, P2, sample_weight=RAGGED), "sample_weight"),
    (lambda: losses.Tversky()(T2, P2, sample_weight=RAGGED), "sample_weight"),
    (lambda: losses.Circle()(RAGGED, P2), "y_true"),
    (_perceptron(g.classic.Perceptron), "y"),
    (_perceptron(g.classic.Adaline), "y"),
    (lambda: layers.CategoryEncoding(num_tokens=3)(RAGGED), "the input of Layer CategoryEncoding"),
])
def test_ragged_lists_are_named(call, name):
    # (NumPy's "setting an array element with a sequence ... inhomogeneous shape" before: the rows named now)
    with pytest.raises(ValueError, match=f"^{name} could not be converted to an array: its rows differ in length "
                                         r"\(row 0 has 1 value, row 1 has 2\); give every row the same length\.$"):
        call()


def test_the_keras_wrappers_name_a_ragged_x_or_y():
    pytest.importorskip("sklearn")
    wrapper = g.wrappers.SKLearnClassifier(model=lambda X, y: None)
    with pytest.raises(ValueError, match="^y could not be converted to an array"):
        wrapper.fit(np.ones((2, 2)), RAGGED)
    with pytest.raises(ValueError, match="^X could not be converted to an array"):
        wrapper.fit(RAGGED, [0, 1])


# -- F4. the IoU metrics' axis against the inputs' rank ----------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: metrics.OneHotMeanIoU(num_classes=3, axis=2).update_state(np.eye(3), np.eye(3) * 0.8 + 0.05),
    lambda: metrics.OneHotIoU(num_classes=3, target_class_ids=[0], axis=-3).update_state(np.eye(3), np.eye(3)),
    lambda: metrics.MeanIoU(num_classes=3, sparse_y_pred=False, axis=2**63).update_state([0, 1, 2], np.eye(3)),
])
def test_iou_axis_out_of_range_is_named(call):
    # NumPy's AxisError, and an OverflowError for 2**63
    with pytest.raises(ValueError, match=r"IoU: axis=-?\d+ is out of range for y_\w+ of shape \(3, 3\): axis must "
                                         r"lie in \[-2, 1\]"):
        call()


def test_iou_axis_in_range_still_counts():
    for axis in (-1, 1):
        metric = metrics.OneHotMeanIoU(num_classes=3, axis=axis)
        metric.update_state(np.eye(3), np.eye(3) * 0.8 + 0.05)
        assert float(metric.result()) == pytest.approx(1.0, abs=1e-6)


# -- F5. the scikit-learn MLPs' hidden_layer_sizes too large for the machine ---------------------------------------

@pytest.mark.parametrize("sizes", [(10**12,), [10**12], (2, 10**12)])
def test_mlp_hidden_layer_sizes_too_large_is_named(sizes):
    pytest.importorskip("sklearn")
    from glassnet.sklearn import MLPClassifier, MLPRegressor

    X = np.random.default_rng(0).normal(size=(20, 3))
    y = (X[:, 0] > 0).astype(int)
    for estimator, target in ((MLPClassifier, y), (MLPRegressor, X[:, 0])):
        # NumPy's MemoryError "Unable to allocate 21.8 TiB for an array with shape (3, 1000000000000)"
        with pytest.raises(ValueError, match=r"^hidden_layer_sizes=.*1000000000000.* for 3 features needs more "
                                             r"memory than this machine can allocate"):
            estimator(hidden_layer_sizes=sizes, max_iter=1).fit(X, target)
