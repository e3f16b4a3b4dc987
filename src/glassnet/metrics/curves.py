"""Metrics read off the ROC and precision-recall curves counted at many thresholds: :class:`AUC`,
the area under them, and the best of one rate where another reaches a value
(:class:`PrecisionAtRecall`, :class:`RecallAtPrecision`, :class:`SensitivityAtSpecificity`,
:class:`SpecificityAtSensitivity`), as Keras's ``confusion_metrics``."""

import numpy as np

from .._validation import check_array, check_bool, check_int, check_number, check_positive_int
from .base import Metric, _align, _output_weights, _refuse_sequences, _rows_of, _safe_divide
from .confusion import _check_class_id, _class_column, _evenly_spaced, _threshold_counts

#: the names of Keras's variables of the counts at each threshold (``variables``)
_COUNT_NAMES = ("true_positives", "false_positives", "true_negatives", "false_negatives")




#: the most thresholds AUC counts at (each update counts at every one; 10**9 hung building the list)
MAX_THRESHOLDS = 10**6


class AUC(Metric):
    """Area under the ROC or precision-recall curve, as ``keras.metrics.AUC``.

    Predictions are counted at ``num_thresholds`` thresholds (2 to :data:`MAX_THRESHOLDS`)
    spread evenly over [0, 1] (the first just below 0, the last just above 1), or at the given
    ``thresholds``: an output above a threshold is a predicted positive, a
    nonzero target a positive. The area is the Riemann sum over the thresholds
    of the curve's points: the trapezoid rule for ``summation_method=
    "interpolation"`` on the ROC curve (``"minoring"``/``"majoring"``: the lower
    or upper of each pair), Davis & Goadrich's interpolation on the PR curve.
    Outputs are pooled (one curve) unless ``multi_label=True`` (one curve per
    output, then their mean). ``from_logits`` applies the sigmoid first.
    Pooled, sequence outputs ``(n, m, k)`` count every position, as :class:`Precision`;
    ``multi_label=True`` takes ``(n, k)`` outputs only, as Keras.

    ``label_weights`` (one non-negative weight per output), as Keras: with
    ``multi_label=True`` the result is the weighted mean of the outputs' areas
    ``Σ_k w_k AUC_k / Σ_k w_k`` (0 when every weight is 0); pooled, each output's
    predictions count with its weight (times the sample's weight). ``num_labels``
    (only with ``multi_label=True``) is the number of outputs the metric expects.
    """

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "auc"
    _CURVES = ("ROC", "PR")
    _SUMMATIONS = ("interpolation", "minoring", "majoring")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if str(curve).upper() not in self._CURVES:
            raise ValueError(f"curve must be 'ROC' or 'PR'. Received: curve={curve!r}")
        if str(summation_method).lower() not in self._SUMMATIONS:
            raise ValueError("summation_method must be 'interpolation', 'minoring' or 'majoring'. "
                             f"Received: summation_method={summation_method!r}")
        self.curve, self.summation_method = str(curve).upper(), str(summation_method).lower()
        self.multi_label = check_bool(multi_label, "multi_label")
        self.from_logits = check_bool(from_logits, "from_logits")
        self.num_labels = None if num_labels is None else check_positive_int(num_labels, "num_labels")
        if self.num_labels is not None and not self.multi_label:
            raise ValueError(f"num_labels is needed only when multi_label is True (as Keras): pooled outputs make "
                             f"one curve whatever their number. Received: num_labels={num_labels!r}")
        self.label_weights = None
        if label_weights is not None:
            self.label_weights = check_array(label_weights, "label_weights", ndim=1, dtype=np.float64)
            if (self.label_weights < 0).any():
                raise ValueError(f"label_weights must be non-negative. Received: {self.label_weights.tolist()!r:.200}")
            if self.num_labels is not None and len(self.label_weights) != self.num_labels:
                raise ValueError(f"label_weights must have num_labels={self.num_labels} entries, one per output. "
                                 f"Received {len(self.label_weights)}.")
        if thresholds is not None:
            values = sorted(check_number(t, "thresholds", low=0, high=1) for t in np.ravel(thresholds))
            self._given, inner = values, values
        else:
            n = check_int(num_thresholds, "num_thresholds", low=2, high=MAX_THRESHOLDS)
            self._given, inner = None, np.arange(1, n - 1) / (n - 1)  # Keras's (i + 1) / (n − 1), to the bit
        eps = 1e-7  # Keras's backend.epsilon()
        self._thresholds = np.concatenate([[0.0 - eps], inner, [1.0 + eps]])
        # as Keras: with evenly spaced thresholds (the default, whatever num_thresholds: with 2 there are
        # none inside to test the spacing) outputs are clipped to [0, 1] before counting
        self._clip = thresholds is None or _evenly_spaced(np.concatenate([[0.0], inner, [1.0]]))
        self.num_thresholds = len(self._thresholds)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._counts = None  # (tp, fp, tn, fn), each (num_thresholds,) or (num_thresholds, outputs)

    def _state(self):
        counts = self._counts
        if counts is None:
            if self.multi_label and self.num_labels is None:
                return {}  # the outputs are not known yet (Keras's variables are made by the first batch)
            shape = (4, self.num_thresholds) + ((self.num_labels,) if self.multi_label else ())
            counts = np.zeros(shape)
        return dict(zip(_COUNT_NAMES, counts))

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.multi_label:  # one curve per output unit: sequences have no rows of units to take them from
            _refuse_sequences(self, y_true, y_pred, "with multi_label=True")
        weights = _output_weights(sample_weight, y_true, y_pred, metric=self)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        if self.from_logits:
            with np.errstate(over="ignore"):
                A = 1.0 / (1.0 + np.exp(-A))
        if self._clip:
            A = np.clip(A, 0.0, 1.0)  # NaN stays NaN
        expected = self.num_labels or (None if self.label_weights is None else len(self.label_weights))
        if expected is not None and A.shape[1] != expected:
            given = f"num_labels={self.num_labels}" if self.num_labels else f"{expected} label_weights"
            raise ValueError(f"AUC was made for {expected} outputs ({given}), but y_pred has {A.shape[1]} "
                             f"(shape {A.shape}).")
        w = _rows_of(weights, A)
        if self.label_weights is not None and not self.multi_label:  # multi_label weighs the areas instead
            w = np.broadcast_to(self.label_weights, A.shape) if w is None else w * self.label_weights
        new = _threshold_counts(self._thresholds, Y != 0, A, w, per_output=self.multi_label, evenly=self._clip)
        if self._counts is not None and self._counts.shape != new.shape:  # multi_label: one count per output
            raise ValueError(f"AUC has seen {self._counts.shape[-1]} output(s); this batch has {A.shape[1]}.")
        self._counts = new if self._counts is None else self._counts + new

    def result(self):
        if self._counts is None:
            return 0.0
        tp, fp, tn, fn = self._counts
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:-1] - tp[1:]
            p = tp + fp
            slope = _safe_divide(dtp, np.maximum(p[:-1] - p[1:], 0))
            intercept = tp[1:] - slope * p[1:]
            ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _safe_divide(p[:-1], np.maximum(p[1:], 0)), 1.0)
            terms = _safe_divide(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        else:
            recall = _safe_divide(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _safe_divide(fp, fp + tn), recall
            else:
                x, y = recall, _safe_divide(tp, tp + fp)
            pair = (y[:-1], y[1:])
            heights = {"interpolation": (pair[0] + pair[1]) / 2, "minoring": np.minimum(*pair),
                       "majoring": np.maximum(*pair)}[self.summation_method]
            terms = (x[:-1] - x[1:]) * heights
        by_output = terms.sum(axis=0)
        if not self.multi_label:
            return float(by_output)
        if self.label_weights is None:
            return float(np.mean(by_output))
        return float(_safe_divide(by_output @ self.label_weights, self.label_weights.sum()))

    def get_config(self):
        config = {**super().get_config(), "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "from_logits": self.from_logits}
        if self.num_labels is not None:
            config["num_labels"] = self.num_labels
        if self.label_weights is not None:
            config["label_weights"] = self.label_weights.tolist()
        if self._given is not None:
            config["thresholds"] = list(self._given)
        else:
            config["num_thresholds"] = self.num_thresholds
        return config


class _SensitivitySpecificityBase(Metric):
    """The best of one rate where another reaches ``value``, as Keras's ``SensitivitySpecificityBase``.

    The confusion counts are summed over the batches at ``num_thresholds`` thresholds 0,
    1/(n − 1), …, 1 (the outputs clipped to [0, 1] first, as Keras; one threshold: 0.5, unclipped);
    an output above a threshold is a predicted positive, a nonzero target a positive, every output
    of every row counts (``class_id``: only that output unit), weighted by the sample weights.
    With ``recall = TP/(TP + FN)`` (sensitivity), ``precision = TP/(TP + FP)`` and
    ``specificity = TN/(TN + FP)`` at each threshold ``t`` (0 where a denominator is 0), the result is
    Keras's ``_find_max_under_constraint``: ``max(0, max{dependent_t : constrained_t >= value})``,
    0 when no threshold meets the constraint. Maximized (``mode="auto"`` of the callbacks)."""

    #: the subclass's argument for ``value``, then the rates: (constrained, dependent)
    argument, rates = None, (None, None)
    _direction = "up"  # Keras's: a larger result is better

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        self.value = check_number(value, self.argument, low=0, high=1)
        setattr(self, self.argument, self.value)  # Keras's attribute: self.recall, self.precision, ...
        self.num_thresholds = check_int(num_thresholds, "num_thresholds", low=1, high=MAX_THRESHOLDS)
        self.class_id = _check_class_id(class_id)
        n = self.num_thresholds
        # Keras's: 0, (i + 1)/(n − 1), 1 (evenly spaced: clipped outputs), or 0.5 alone
        self._thresholds = np.array([0.5]) if n == 1 else np.concatenate([[0.0], np.arange(1, n - 1) / (n - 1), [1.0]])
        self._clip = n > 1
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._counts = np.zeros((4, self.num_thresholds))  # tp, fp, tn, fn at each threshold

    def _state(self):
        return dict(zip(_COUNT_NAMES, self._counts))

    def update_state(self, y_true, y_pred, sample_weight=None):
        w = _output_weights(sample_weight, y_true, y_pred, self.class_id, metric=self)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        Y, A = _class_column(Y, A, self.class_id)
        if self._clip:
            A = np.clip(A, 0.0, 1.0)  # NaN stays NaN: above the first threshold alone, as Keras counts it
        w = _rows_of(w, A)
        self._counts = self._counts + _threshold_counts(self._thresholds, Y != 0, A, w, evenly=self._clip)

    def result(self):
        tp, fp, tn, fn = self._counts
        rate = {"recall": _safe_divide(tp, tp + fn), "precision": _safe_divide(tp, tp + fp),
                "specificity": _safe_divide(tn, tn + fp)}
        constrained, dependent = (rate[key] for key in self.rates)
        return float(np.max(np.where(constrained >= self.value, dependent, 0.0), initial=0.0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self.argument: self.value}


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision ``TP/(TP + FP)`` at a threshold whose recall is at least ``recall``
    (``keras.metrics.PrecisionAtRecall``; counted as :class:`_SensitivitySpecificityBase`)."""

    name = "precision_at_recall"
    argument, rates = "recall", ("recall", "precision")

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall ``TP/(TP + FN)`` at a threshold whose precision is at least ``precision``,
    0 when none reaches it (``keras.metrics.RecallAtPrecision``)."""

    name = "recall_at_precision"
    argument, rates = "precision", ("precision", "recall")

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity ``TP/(TP + FN)`` at a threshold whose specificity ``TN/(TN + FP)`` is at
    least ``specificity`` (``keras.metrics.SensitivityAtSpecificity``)."""

    name = "sensitivity_at_specificity"
    argument, rates = "specificity", ("specificity", "recall")

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity ``TN/(TN + FP)`` at a threshold whose sensitivity ``TP/(TP + FN)`` is at
    least ``sensitivity`` (``keras.metrics.SpecificityAtSensitivity``)."""

    name = "specificity_at_sensitivity"
    argument, rates = "sensitivity", ("recall", "specificity")

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)
