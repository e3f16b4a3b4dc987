"""The correlation metrics, as Keras's ``correlation_metrics``: Pearson's r and Lin's concordance
of each row, as functions and as metrics averaged over the samples."""

import numbers

import numpy as np

from .accuracy import _values_dtype
from .base import Metric, _checked_weights, _no_nan, _numbers, _same_rank, _samplewise


def _check_axis(axis):
    """``axis``: an integer or a tuple of them (Keras's ``ops.mean`` axes)."""
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if not axes or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"axis must be an integer or a tuple of integers. Received: axis={axis!r:.100}")
    return tuple(int(a) for a in axes) if isinstance(axis, (tuple, list)) else int(axis)


def _paired(y_true, y_pred, axis):
    """``(Y, A)`` of one shape, as Keras's ``squeeze_or_expand_to_same_rank`` lines them up;
    ``axis`` checked against it."""
    Y, A = _same_rank(_numbers(y_true, "y_true"), _numbers(y_pred, "y_pred"))
    if Y.shape != A.shape or A.ndim == 0:
        raise ValueError(f"y_true and y_pred must have one shape (at least 1-D). Received {Y.shape} and {A.shape}.")
    for a in axis if isinstance(axis, tuple) else (axis,):
        if not -A.ndim <= a < A.ndim:
            raise ValueError(f"axis={axis} is out of range for y_pred of shape {A.shape}.")
    return Y.astype(np.float64), A.astype(np.float64)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's ``r = mean((y − ȳ)/σ_y · (ŷ − ŷ̄)/σ_ŷ)`` along ``axis`` (population σ), as Keras's
    ``keras.metrics.pearson_correlation``: one value per row for ``(n, k)`` arrays (NaN where a
    row is constant, and so for one output unit), computed in float64, returned in ``y_pred``'s
    float dtype (:func:`_values_dtype`)."""
    return _pearson(y_true, y_pred, axis).astype(_values_dtype(y_pred))


def _pearson(y_true, y_pred, axis=-1):
    """:func:`pearson_correlation` in float64, as :class:`PearsonCorrelation` counts it."""
    axis = _check_axis(axis)
    Y, A = _paired(y_true, y_pred, axis)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant row: 0/0, NaN as Keras's
        Y = Y - Y.mean(axis=axis, keepdims=True)
        A = A - A.mean(axis=axis, keepdims=True)
        Y = Y / Y.std(axis=axis, keepdims=True)
        A = A / A.std(axis=axis, keepdims=True)
    return np.mean(Y * A, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance ``ρ_c = 2 cov(y, ŷ) / (σ_y² + σ_ŷ² + (ȳ − ŷ̄)² + 1e-7)`` along ``axis``, as
    Keras's ``keras.metrics.concordance_correlation`` computes it: the mean of
    ``2 (y − ŷ̄)(ŷ − ŷ̄) / norm`` (whose mean is the covariance), ``1e-7`` Keras's epsilon; computed
    in float64, returned in ``y_pred``'s float dtype (:func:`_values_dtype`)."""
    return _concordance(y_true, y_pred, axis).astype(_values_dtype(y_pred))


def _concordance(y_true, y_pred, axis=-1):
    """:func:`concordance_correlation` in float64, as :class:`ConcordanceCorrelation` counts it."""
    axis = _check_axis(axis)
    Y, A = _paired(y_true, y_pred, axis)
    y_mean, a_mean = Y.mean(axis=axis, keepdims=True), A.mean(axis=axis, keepdims=True)
    y_var, a_var = (Y - y_mean).var(axis=axis, keepdims=True), (A - a_mean).var(axis=axis, keepdims=True)
    covar = (Y - a_mean) * (A - a_mean)
    norm = y_var + a_var + (y_mean - a_mean) ** 2
    return np.mean(2 * covar / (norm + 1e-7), axis=axis)


class _Correlation(Metric):
    """The mean over samples of ``function`` (one value per row along ``axis``), streamed as
    Keras's ``MeanMetricWrapper``: ``Σ w_i v_i / Σ w_i`` over every batch, ``sample_weight`` one
    per value (or broadcast to them, as Keras's ``Mean``)."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    def __init__(self, name=None, dtype=None, axis=-1):  # Keras's order
        self.axis = _check_axis(axis)
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        _no_nan(_numbers(y_true, "y_true"))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # NaN from a diverged model's outputs
            values = type(self).function(y_true, y_pred, axis=self.axis)
        # NaN weights gave a number; negative ones are weights, as Keras's Mean takes them (Σ w v / Σ w)
        v, w = _samplewise(values, _checked_weights(sample_weight, signed=True), np.mean)
        self.total += float(np.sum(v))
        self.count += float(np.sum(w)) if w is not None else (v.shape[0] if v.ndim else 1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PearsonCorrelation(_Correlation):
    """:func:`pearson_correlation` of each row, averaged over the samples (Keras's
    ``PearsonCorrelation``; maximized by ``mode="auto"``)."""

    name = "pearson_correlation"
    function = staticmethod(_pearson)  # (float64: the public function returns y_pred's dtype)


class ConcordanceCorrelation(_Correlation):
    """:func:`concordance_correlation` of each row, averaged over the samples (Keras's
    ``ConcordanceCorrelation``; maximized by ``mode="auto"``)."""

    name = "concordance_correlation"
    function = staticmethod(_concordance)
