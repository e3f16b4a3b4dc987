"""Every metric class of ``glassnet.metrics``, called standalone, with bad input (STYLE.md rule 6).

Each call either gives its documented result (an empty batch leaves the state as it was, as
Keras; a diverged model's NaN or infinite outputs give a number or NaN; negative weights, in a
running mean, Keras's Σ w v / Σ w) or raises a ValueError
or TypeError naming ``y_true``, ``y_pred`` or ``sample_weight``: never an IndexError, a
ZeroDivisionError, NumPy's own message, or a RuntimeWarning (errors under the tests' filter).
"""

import inspect

import numpy as np
import pandas as pd
import pytest

from glassnet import metrics

#: the arguments a metric needs beyond its defaults
NEEDS = {"PrecisionAtRecall": {"recall": 0.5}, "RecallAtPrecision": {"precision": 0.5},
         "SensitivityAtSpecificity": {"specificity": 0.5}, "SpecificityAtSensitivity": {"sensitivity": 0.5},
         "IoU": {"num_classes": 3, "target_class_ids": [0, 1]}, "MeanIoU": {"num_classes": 3},
         "OneHotIoU": {"num_classes": 3, "target_class_ids": [0, 1]}, "OneHotMeanIoU": {"num_classes": 3}}
CLASSES = sorted((c for name, c in vars(metrics).items() if inspect.isclass(c) and issubclass(c, metrics.Metric)
                  and (c.__module__ + ".").startswith(metrics.__name__ + ".") and not name.startswith("_")
                  and c not in (metrics.Metric, metrics.MeanMetricWrapper, metrics.Mean, metrics.Sum)),
                 key=lambda c: c.__name__)
LABELS = np.array([0, 1, 2, 1])
SCORES = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.3, 0.5], [0.5, 0.4, 0.1]])


def _good(cls):
    """(y_true, y_pred) the metric takes: labels for the sparse ones, else one-hot rows and scores."""
    if cls.__name__ in ("IoU", "MeanIoU"):
        return LABELS, SCORES.argmax(axis=1)
    if cls.__name__.startswith("Sparse"):
        return LABELS, SCORES
    return np.eye(3)[LABELS], SCORES


def _with(values, row, value):
    values = values.astype(np.float64)
    values[row] = value
    return values


def _cases(Y, P):
    """(case, y_true, y_pred, sample_weight)"""
    n = len(Y)
    yield "short y_true", Y[:-1], P, None
    yield "short y_pred", Y, P[:-1], None
    yield "3-D y_pred", Y, P[..., None] * np.ones(2), None
    yield "empty", Y[:0], P[:0], None
    yield "NaN y_true", _with(Y, 0, np.nan), P, None
    yield "inf y_true", _with(Y, 0, np.inf), P, None
    yield "NaN y_pred", Y, _with(P, 0, np.nan), None
    yield "inf y_pred", Y, _with(P, 0, np.inf), None
    yield "text y_true", Y.astype(str), P, None
    yield "text y_pred", Y, P.astype(str), None
    if Y.ndim == 1:
        yield "negative label", _with(Y, 0, -1), P, None
        yield "label >= outputs", _with(Y, 0, 3), P, None
        yield "fractional label", _with(Y, 0, 0.5), P, None
    yield "weights short", Y, P, np.ones(n - 1)
    yield "weights (n, 5)", Y, P, np.ones((n, 5))
    yield "negative weights", Y, P, -np.ones(n)
    yield "NaN weights", Y, P, np.full(n, np.nan)
    yield "text weights", Y, P, np.array(["a"] * n)
    yield "None y_true", None, P, None
    yield "None y_pred", Y, None, None
    yield "lists", Y.tolist(), P.tolist(), np.ones(n).tolist()
    yield "tuples", tuple(Y.tolist()), tuple(map(tuple, P.tolist())) if P.ndim == 2 else tuple(P.tolist()), None
    yield "pandas", pd.DataFrame(Y) if Y.ndim == 2 else pd.Series(Y), pd.DataFrame(P), pd.Series(np.ones(n))


CASES = [(cls, *case) for cls in CLASSES for case in _cases(*_good(cls))]


def test_the_table_holds_every_registered_metric_class():
    # (the classes are defined in the modules of the package glassnet.metrics: a check of their module
    # against glassnet.metrics alone found none after the split, and the table tested nothing)
    assert set(CLASSES) == set(metrics.CLASSES.values()) - {metrics.Mean, metrics.Sum}


@pytest.mark.parametrize("cls, case, y_true, y_pred, sample_weight", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_bad_input_is_a_documented_result_or_an_error_naming_the_argument(cls, case, y_true, y_pred, sample_weight):
    m = cls(**NEEDS.get(cls.__name__, {}))
    takes_labels = cls in (metrics.IoU, metrics.MeanIoU)
    before = np.asarray(m.result(), dtype=np.float64)
    try:
        m.update_state(y_true, y_pred, sample_weight=sample_weight)
    except (ValueError, TypeError) as error:
        assert any(name in str(error) for name in ("y_true", "y_pred", "sample_weight", "outputs")), str(error)
        assert "operands could not be broadcast" not in str(error) and "empty sequence" not in str(error), str(error)
        # (IoU's y_pred: labels, never NaN)
        assert case not in ("empty", "lists", "tuples", "pandas", *(() if takes_labels else ("NaN y_pred",))), str(error)
        return
    result = np.asarray(m.result(), dtype=np.float64)
    if case == "empty":  # as Keras: nothing counted
        np.testing.assert_array_equal(result, np.broadcast_to(before, result.shape))  # (FBetaScore's per output)
    elif case in ("lists", "tuples", "pandas"):  # the same numbers as the arrays'
        expected = cls(**NEEDS.get(cls.__name__, {}))
        expected.update_state(*_good(cls))
        np.testing.assert_allclose(result, np.asarray(expected.result(), dtype=np.float64), rtol=1e-12)
    elif case == "negative weights":  # a running mean takes them, as Keras's: Σ w v / Σ w of w = -1 is the mean
        expected = cls(**NEEDS.get(cls.__name__, {}))
        expected.update_state(*_good(cls))
        np.testing.assert_allclose(result, np.asarray(expected.result(), dtype=np.float64), rtol=1e-12)
    else:  # only a diverged model's outputs may be taken (and, by IoU, labels out of range, as Keras: not counted)
        assert case in ("NaN y_pred", "inf y_pred") or takes_labels and "label" in case, (case, result)


# what the table found, each against its reference
@pytest.mark.parametrize("cls", [metrics.BinaryIoU, metrics.OneHotIoU, metrics.OneHotMeanIoU])
def test_iou_of_an_empty_batch_leaves_the_state_unchanged(cls):
    # BinaryIoU divided by the 0 rows (ZeroDivisionError), the one-hot ones took an empty argmax
    m = cls(**NEEDS.get(cls.__name__, {}))
    Y, P = np.eye(3)[LABELS], SCORES
    if cls is metrics.BinaryIoU:
        Y, P = Y[:, :1], P[:, :1]
    m.update_state(Y, P)
    before = m.result()
    m.update_state(Y[:0], P[:0])
    assert m.result() == before


@pytest.mark.parametrize("metric, weight", [(metrics.BinaryIoU(), -1.0), (metrics.BinaryIoU(), np.nan),
                                            (metrics.BinaryIoU(), np.inf), (metrics.PearsonCorrelation(), np.nan),
                                            (metrics.PearsonCorrelation(), np.inf),
                                            (metrics.ConcordanceCorrelation(), np.nan),
                                            (metrics.ConcordanceCorrelation(), np.inf)])
def test_negative_or_non_finite_weights_are_refused_as_by_every_other_metric(metric, weight):
    # they were counted: BinaryIoU of weights -1 was 0.0 (negative weights: the metrics that count samples by
    # their weights refuse them; the correlations, running means as Keras's Mean, take them since session 55,
    # see test_negative_weights_s55.py)
    with pytest.raises(ValueError, match="sample_weight must hold (finite|non-negative) weights"):
        metric.update_state(np.array([[1.0], [0.0], [1.0]]), np.array([[0.9], [0.2], [0.4]]),
                            sample_weight=np.array([1.0, weight, 1.0]))


@pytest.mark.parametrize("metric", [metrics.R2Score(), metrics.MeanAbsolutePercentageError(),
                                    metrics.BinaryCrossentropy(), metrics.F1Score(), metrics.LogCoshError()])
def test_infinite_targets_are_refused_as_nan_ones(metric):
    # R2Score, MAPE, F1Score computed inf - inf: a RuntimeWarning, then NaN
    with pytest.raises(ValueError, match="y_true contains NaN or infinite values"):
        metric.update_state(np.array([[1.0], [np.inf], [0.0]]), np.array([[0.9], [0.2], [0.4]]))


@pytest.mark.parametrize("metric", [metrics.CategoricalCrossentropy(), metrics.SparseCategoricalCrossentropy(),
                                    metrics.CategoricalHinge(), metrics.LogCoshError(), metrics.Poisson(),
                                    metrics.CosineSimilarity(), metrics.ConcordanceCorrelation()])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_diverged_model_s_outputs_give_nan_or_inf_without_a_warning(metric, value):
    # each leaked a RuntimeWarning (inf / inf, inf - inf, logaddexp of NaN)
    Y = LABELS if isinstance(metric, metrics.SparseCategoricalCrossentropy) else np.eye(3)[LABELS]
    metric.update_state(Y, _with(SCORES, 0, value))
    assert not np.isfinite(metric.result())


@pytest.mark.parametrize("label", [-1, 3, 0.5])
def test_sparse_categorical_accuracy_refuses_labels_outside_the_outputs(label):
    # they counted as misses (0.25 of 4 rows), where its crossentropy and top-k refused them
    with pytest.raises(ValueError, match="y_true must hold integer labels 0..2 for 3 outputs"):
        metrics.SparseCategoricalAccuracy().update_state(_with(LABELS, 0, label), SCORES)


def test_r2_score_of_an_empty_first_batch_counts_nothing():
    # the sums of nothing made every later result() NaN; the result of no data is NaN, as Keras 3.15's
    m = metrics.R2Score()
    m.update_state(np.zeros((0, 2)), np.zeros((0, 2)))
    assert np.isnan(m.result())
    m.update_state(np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.5, 2.0], [2.5, 5.0]]))
    assert m.result() == pytest.approx((1 - 0.5 / 2 + 1) / 2)


@pytest.mark.parametrize("metric", [metrics.MeanSquaredError, metrics.CategoricalCrossentropy,
                                    metrics.CategoricalAccuracy, metrics.CosineSimilarity])
def test_a_vector_s_weights_one_per_element_are_refused_by_name(metric):
    # a 1-D pair is one sample of the metrics that reduce each row, as in Keras (whose broadcast of (3,) weights
    # to the one value fails) and glassnet's losses: one weight, (1,) or a number; (3,) was taken per element, then
    # refused as "one weight per sample (1,)", which did not say why (scikit-learn's habit: three 1-D arrays)
    with pytest.raises(ValueError, match=r"of shape \(3,\) are one sample of 3 outputs, as Keras's metrics read "
                                         r"them.*give columns: y_true\[:, None\], y_pred\[:, None\]\. Received "
                                         r"sample_weight of shape \(3,\)"):
        metric().update_state(np.array([0.0, 1.0, 0.0]), np.array([0.2, 0.5, 0.3]), sample_weight=np.ones(3))
    # element-wise metrics take them, one per element, as Keras's
    assert metrics.BinaryAccuracy()(np.array([0.0, 1.0, 0.0]), np.array([0.2, 0.5, 0.3]),
                                    sample_weight=np.array([1.0, 2.0, 1.0])) == 0.5
