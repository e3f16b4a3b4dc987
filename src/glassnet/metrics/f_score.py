"""The F-scores, as Keras's ``f_score_metrics``: :class:`FBetaScore`, the weighted harmonic mean of
precision and recall per class, and :class:`F1Score`, its ``beta=1``."""

import numpy as np

from .._validation import check_number, is_one_of
from .base import Metric, _align, _refuse_sequences, _safe_divide


class FBetaScore(Metric):
    """``(1 + β²)PR / (β²P + R)`` per class, as ``keras.metrics.FBetaScore``: the
    weighted harmonic mean of precision and recall, ``beta`` > 0 (recall counts ``beta``
    times as much as precision; 1 is the F1 score). With ``threshold=None`` each row's
    largest output is its predicted class (equal maxima all count, an all-zero row
    predicts nothing), else every output above ``threshold`` is predicted. The targets
    count as given, as Keras's: a soft target ``y`` adds ``y`` to the true positives (or
    false negatives) and ``1 − y`` to the false positives of its output. One difference:
    for a single output unit and ``threshold=None`` glassnet predicts ``> 0.5``, where
    Keras's argmax over one column predicts every row positive. ``average``: ``None``
    (Keras's default: the per-class array), ``"micro"`` (the counts of every class
    pooled), ``"macro"`` (the mean over classes) or ``"weighted"`` (by support). Divided
    exactly, where Keras adds 1e-7 to each denominator (a difference below 1e-6)."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "fbeta_score"

    def __init__(self, average=None, beta=1.0, threshold=None, name=None, dtype=None):
        if not is_one_of(average, (None, "macro", "micro", "weighted")):
            raise ValueError(f"average must be None, 'macro', 'micro' or 'weighted'. Received: average={average!r:.100}")
        self.average = average
        self.beta = check_number(beta, "beta", low=0, low_open=True)
        self.threshold = None if threshold is None else check_number(threshold, "threshold", low=0, high=1)
        super().__init__(name=name, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}

    def reset_state(self):
        # zeros per class once the classes are known, as Keras's variables (a per-class result was [0.])
        self.tp = self.fp = self.fn = np.zeros_like(getattr(self, "tp", 0.0))

    def _state(self):
        if not np.ndim(self.tp):
            return {}  # the classes are not known yet (Keras's variables are made by the first batch)
        # Keras's intermediate_weights: the weight of each class's targets, Σ w y = TP + FN; "micro" pools the
        # classes' counts, as Keras's keeps them
        state = {"true_positives": self.tp, "false_positives": self.fp, "false_negatives": self.fn,
                 "intermediate_weights": self.tp + self.fn}
        return {name: np.sum(value) for name, value in state.items()} if self.average == "micro" else state

    def update_state(self, y_true, y_pred, sample_weight=None):
        _refuse_sequences(self, y_true, y_pred)  # as Keras's
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, metric=self)
        if self.threshold is not None or A.shape[-1] == 1:
            predicted = A > (0.5 if self.threshold is None else self.threshold)
        else:
            # equal maxima all count, and an all-zero row predicts nothing, as Keras
            predicted = (A == A.max(axis=-1, keepdims=True)) & (np.abs(A) > 1e-9)
        # per class, with the targets as given, as Keras: a soft target y counts y of a positive and 1 − y
        # of a negative (y > 0.5 made a target 0.6 a whole positive, and F1 0.67 where Keras has 0.57)
        w = np.ones(A.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        tp, fp, fn = w @ (predicted * Y), w @ (predicted * (1 - Y)), w @ (~predicted * Y)
        if np.ndim(self.tp) and np.shape(self.tp) != np.shape(tp):  # one column was broadcast to every class
            if np.any(self.tp) or np.any(self.fp) or np.any(self.fn):
                raise ValueError(f"{type(self).__name__} has seen {np.shape(self.tp)[0]} output(s); this batch has "
                                 f"{A.shape[1]}.")
            self.tp = self.fp = self.fn = 0.0  # reset, nothing counted: the classes of this batch
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def result(self):
        tp, fp, fn = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (self.tp, self.fp, self.fn))
        if self.average == "micro":
            tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
        b2 = self.beta**2
        score = _safe_divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)
        if self.average is None:
            return score
        if self.average == "weighted":
            support = tp + fn
            return float(np.sum(score * support) / support.sum()) if support.sum() else 0.0
        return float(np.mean(score))


class F1Score(FBetaScore):
    """Harmonic mean ``2PR / (P + R)`` per class, as ``keras.metrics.F1Score``: the
    :class:`FBetaScore` of ``beta=1``, counted as it counts. ``average``: ``"macro"``
    (glassnet's default: the mean over classes, one number for the logs), ``"micro"``,
    ``"weighted"`` (by support), or ``None`` for the per-class array (Keras's default)."""

    name = "f1_score"
    beta = 1.0  # (an F1Score pickled before it was an FBetaScore has no beta of its own)

    def __init__(self, average="macro", threshold=None, name=None, dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]  # as Keras's: always 1
        return config
