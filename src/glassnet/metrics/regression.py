"""The regression metrics: the mean squared and absolute errors, the root of the mean squared error
over the epoch, and :class:`R2Score`, the coefficient of determination streamed over batches."""

import warnings

import numpy as np

from .._validation import check_int, is_one_of
from .base import Metric, _align, _NameFirst, _output_weights, _refuse_sequences, _rows_of


class MeanSquaredError(_NameFirst):
    """Mean of ``(ŷ − y)²`` over the outputs and the samples seen (Keras's)."""

    _direction = "down"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "mean_squared_error"

    def values(self, Y, A):
        return np.mean((A - Y) ** 2, axis=-1)


class MeanAbsoluteError(_NameFirst):
    """Mean of ``|ŷ − y|`` over the outputs and the samples seen (Keras's)."""

    _direction = "down"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "mean_absolute_error"

    def values(self, Y, A):
        return np.mean(np.abs(A - Y), axis=-1)


class RootMeanSquaredError(MeanSquaredError):
    """``sqrt`` of the mean squared error over the epoch (Keras's: the root of the mean, not a
    mean of roots)."""

    name = "root_mean_squared_error"

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def _elements(self, Y, A):  # Keras's RMSE is the Mean of the element-wise squared errors
        return (A - Y) ** 2

    def result(self):
        return float(np.sqrt(super().result()))


class R2Score(Metric):
    """The coefficient of determination ``R² = 1 − Σ w (y − ŷ)² / Σ w (y − ȳ)²`` per output,
    streamed over batches as ``keras.metrics.R2Score`` (per-output sums of ``w d``, ``w d²``,
    ``w (y − ŷ)²`` and ``w``, with ``d = y − K`` and ``K`` the weighted mean of the first weighted
    targets, where Keras sums ``y`` itself: ``Σ w y² − (Σ w y)²/Σ w`` cancels to noise for targets far from 0,
    1e8 + N(0, 1), and to ±1e-17 for constant ones): over a whole data set it equals
    scikit-learn's ``r2_score``.
    ``class_aggregation``: ``"uniform_average"`` (the mean over outputs),
    ``"variance_weighted_average"`` (weighted by each output's variance) or ``None`` (one
    value per output). ``num_regressors`` p > 0 gives the adjusted
    ``1 − (1 − R²)(N − 1)/(N − p − 1)``, N counting every target value, as Keras does. As
    Keras, an output whose targets are constant scores 0 (NaN if it is predicted exactly), and the
    result before any data (or after ``reset_state()``) is NaN."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "r2_score"
    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name=None, dtype=None):
        if not is_one_of(class_aggregation, self._AGGREGATIONS):  # (an array: NumPy's "ambiguous" error)
            raise ValueError(f"class_aggregation must be one of {self._AGGREGATIONS}. "
                             f"Received: class_aggregation={class_aggregation!r}")
        self.class_aggregation = class_aggregation
        self.num_regressors = check_int(num_regressors, "num_regressors", low=0)
        self._outputs = None  # the outputs of the batches seen, kept by reset_state as Keras keeps its variables
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._sums = None  # (Σ w d, Σ w d², Σ w (y − ŷ)², Σ w), each (outputs,), once a batch is seen
        self._shift = None  # K of d = y − K, one per output: the weighted mean of its first weighted targets (NaN until then)
        self._num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        _refuse_sequences(self, y_true, y_pred)  # as Keras: per output, so a sequence's positions are no rows
        w = _output_weights(sample_weight, y_true, y_pred, metric=self)  # per sample or per element, as Keras's
        Y, A, _ = _align(y_true, y_pred, None)
        if self._sums is not None and self._sums.shape[1] != A.shape[1]:
            raise ValueError(f"R2Score has seen {self._sums.shape[1]} output(s); this batch has {A.shape[1]}.")
        self._outputs = A.shape[1]
        if A.shape[0] == 0:
            return  # an empty batch leaves the state as it was (its sums of nothing made result() NaN)
        W = np.ones_like(A, dtype=np.float64) if w is None else _rows_of(w, A)
        # K: each output's weighted mean of the first batch that weighs it (its first targets left
        # Σ w d² − (Σ w d)²/Σ w to cancel where the first sample weighed 7e-15: R² −8e-5 for Keras's −1e-14);
        # until then the output's weights are 0 and so are its sums, whatever K
        if self._shift is None:
            self._shift = np.full(A.shape[1], np.nan)
        weight = W.sum(axis=0)
        unset = np.isnan(self._shift) & (weight > 0)
        if unset.any():
            self._shift[unset] = (W * Y).sum(axis=0)[unset] / weight[unset]
        D = Y - np.where(np.isnan(self._shift), 0.0, self._shift)
        WD = W * D
        new = np.stack([WD.sum(axis=0), (WD * D).sum(axis=0), (W * (Y - A) ** 2).sum(axis=0), W.sum(axis=0)])
        self._sums = new if self._sums is None else self._sums + new
        self._num_samples += Y.size

    def _state(self):
        """Keras's variables: ``num_samples``, then per output the sums of ``y``, ``y²``, ``(y − ŷ)²`` and the
        weights (``sum``, ``squared_sum``, ``residual``, ``count``), from glassnet's shifted sums."""
        if self._sums is None:
            return {"num_samples": float(self._num_samples)}
        total_d, total_d2, residual, count = self._sums
        K = np.where(np.isnan(self._shift), 0.0, self._shift)  # y = d + K
        return {"num_samples": float(self._num_samples), "squared_sum": total_d2 + 2 * K * total_d + K * K * count,
                "sum": total_d + K * count, "residual": residual, "count": count}

    def result(self):
        if self._sums is None:
            # no data: NaN, as Keras's 0/0 (0.0 read as a model no better than the mean); with
            # class_aggregation=None one per output, once a batch (an empty one too) has shown them
            outputs = getattr(self, "_outputs", None)  # (a metric pickled before it existed has none)
            return np.full(outputs, np.nan) if self.class_aggregation is None and outputs else float("nan")
        total_d, total_d2, residual, count = self._sums
        with np.errstate(divide="ignore", invalid="ignore"):
            total = total_d2 - total_d * (total_d / count)  # Σ w (y − ȳ)²
            raw = 1 - residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2 = float(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            r2 = float(np.sum(total * raw) / np.sum(total))
        else:
            r2 = raw
        if self.num_regressors:
            n, p = self._num_samples, self.num_regressors
            if p >= n - 1:
                from ..models.divergence import user_stacklevel  # (the models import this module)
                warnings.warn("More independent predictors than data points in adjusted R2 score. Falling back to "
                              "standard R2 score." if p > n - 1 else "Division by zero in adjusted R2 score. "
                              "Falling back to standard R2 score.", UserWarning, stacklevel=user_stacklevel())
            else:
                r2 = 1 - (1 - r2) * (n - 1) / (n - p - 1)
        return r2

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
