"""The confusion counts at thresholds: :class:`Precision`, :class:`Recall` and the four cells
(:class:`TruePositives`, ...), as Keras's ``confusion_metrics``, with the counting they share
(outputs above one threshold or a list of them, evenly spaced ones through Keras's buckets)."""

import numbers

import numpy as np

from .._keywords import _named_init
from .._validation import check_number, check_positive_int
from .base import Metric, _align, _output_weights, _rows_of, _safe_divide


def _evenly_spaced(thresholds):
    """Keras's ``is_evenly_distributed_thresholds``: at least 3 thresholds, ``i / (n − 1)`` to within
    1e-7. Keras then counts through buckets, with the outputs clipped to [0, 1] first."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    n = len(thresholds)
    return n >= 3 and bool(np.allclose(thresholds, np.arange(n) / (n - 1), atol=1e-7))


def _check_thresholds(value):
    """``thresholds`` as the confusion-count metrics take them: None, a number in [0, 1]
    (a float) or a non-empty list of them."""
    if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0):  # (a 0-d array has no len(): a number's check)
        if len(value) == 0:
            raise ValueError("thresholds must be a number in [0, 1] or a non-empty list of them.")
        return [check_number(t, "thresholds", low=0, high=1) for t in value]
    return None if value is None else check_number(value, "thresholds", low=0, high=1)


def _confusion_counts(predicted, actual, sample_weight, axis):
    """``(tp, fp, fn)`` of boolean ``predicted``/``actual`` summed over ``axis`` (None: all of
    them), each output counting its weight (``sample_weight`` broadcast to the outputs); unweighted, as
    counts of the boolean arrays (no weight temporaries: ~3x faster per batch)."""
    if sample_weight is None:
        tp = np.count_nonzero(predicted & actual, axis=axis)
        return tp, np.count_nonzero(predicted, axis=axis) - tp, np.count_nonzero(actual, axis=axis) - tp
    w = sample_weight  # per output, A's shape
    return (np.sum((predicted & actual) * w, axis=axis), np.sum((predicted & ~actual) * w, axis=axis),
            np.sum((~predicted & actual) * w, axis=axis))


def _check_class_id(class_id):
    """``class_id`` as an int (a NumPy int would not go into JSON), or None."""
    if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, numbers.Integral)
                                 or class_id < 0):
        raise ValueError(f"class_id must be a non-negative int or None. Received: class_id={class_id!r}")
    return None if class_id is None else int(class_id)


def _class_column(Y, A, class_id):
    """``(Y, A)`` ``(n, k)``, or only their column ``class_id`` ``(n, 1)``."""
    if class_id is None:
        return Y, A
    if class_id >= A.shape[-1]:
        raise ValueError(f"class_id={class_id} but the model has {A.shape[-1]} output unit(s).")
    return Y[:, class_id : class_id + 1], A[:, class_id : class_id + 1]


def _list_counts(thresholds, evenly, Y, A, w):
    """``(tp, fp, tn, fn)``, each ``(T,)``, of the outputs ``A`` against a list of ``thresholds``, every
    output pooled, ``w`` (``A``'s shape) or None weighing each. Evenly spaced thresholds (``evenly``) are
    counted as Keras counts them, through the buckets of :func:`_threshold_counts` on the outputs clipped
    to [0, 1] (an output on a threshold may count above it); others as ``A > t``."""
    if evenly:
        return _threshold_counts(np.asarray(thresholds, dtype=np.float64), Y != 0, np.clip(A, 0.0, 1.0), w,
                                 evenly=True)
    # (thresholds, rows, outputs): each output against each threshold
    predicted = A[None] > np.reshape(np.asarray(thresholds, dtype=np.float64), (-1, 1, 1))
    actual = np.broadcast_to(Y != 0, predicted.shape)
    tp, fp, fn = _confusion_counts(predicted, actual, w, axis=(1, 2))
    tn, _, _ = _confusion_counts(~predicted, ~actual, w, axis=(1, 2))
    return np.stack([tp, fp, tn, fn]).astype(np.float64)


class Precision(Metric):
    """``TP / (TP + FP)`` over every output, as ``keras.metrics.Precision``: an
    output is a predicted positive when it exceeds ``thresholds`` (0.5), a true
    positive when its target is nonzero as well. With several outputs (one-hot or
    multi-label targets) the counts run over all of them (micro average);
    ``class_id`` restricts them to one output unit; ``top_k`` counts only each
    row's k largest outputs (then the threshold defaults to none: they are the
    predicted positives). A list of ``thresholds`` gives one value per threshold;
    evenly spaced ones are counted through Keras's buckets (:func:`_list_counts`).
    Sample weights weigh a row's counts (compile's ``weighted_metrics``), or each output's
    (per element, as Keras: :func:`_output_weights`). Sequence
    outputs ``(n, m, k)`` count every position as a row, as Keras, weighted per
    position ``(n, m)`` or per sample ``(n,)`` (which Keras refuses). ``threshold`` (by
    keyword) is glassnet's older name of ``thresholds``, an alias: give one of them."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "precision"

    @_named_init  # (Recall's mistyped keyword names Recall; TruePositives(threshold=) suggests thresholds)
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None, *, threshold=None):
        if thresholds is not None and threshold is not None:  # `threshold`: glassnet's older name
            raise ValueError("Give thresholds or threshold (its older name), not both. Received: "
                             f"thresholds={thresholds!r:.100}, threshold={threshold!r:.100}")
        value = thresholds if thresholds is not None else threshold
        if value is None:
            value = 0.5 if top_k is None else None
        self.thresholds = value = _check_thresholds(value)
        # as Keras: with evenly spaced thresholds an output above 1 is not above the threshold 1
        self._clip = isinstance(value, list) and _evenly_spaced(value)
        self.top_k = None if top_k is None else check_positive_int(top_k, "top_k")
        self.class_id = _check_class_id(class_id)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        # one count per threshold of a list (result() before any update was a 0-d array), else a number
        several = isinstance(self.thresholds, list) and len(self.thresholds) > 1
        self.true_positives, self.false_positives, self.false_negatives = (
            np.zeros(len(self.thresholds)) if several else 0.0 for _ in range(3))

    def get_config(self):
        config = {**super().get_config(), "thresholds": self.thresholds, "class_id": self.class_id}
        if self.top_k is not None:
            config["top_k"] = self.top_k
        return config

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.top_k is not None and np.ndim(y_pred) == 1:
            # Keras's top_k runs along the last axis: a 1-D y_pred is one row of outputs, where
            # _align would make it a column of one output per row (and keep all of them)
            y_true, y_pred = np.reshape(y_true, (1, -1)), np.reshape(y_pred, (1, -1))
            if np.ndim(sample_weight) == 1:
                sample_weight = np.reshape(sample_weight, (1, -1))
        w = _output_weights(sample_weight, y_true, y_pred, self.class_id, metric=self)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        if self.top_k is not None:  # as Keras: the other outputs become −inf, before class_id
            # ties: the lower index first; a NaN output ranks above every number, as Keras's top_k (JAX's)
            order = np.lexsort((-A, ~np.isnan(A)), axis=1)[:, : self.top_k]
            # (in the outputs' float dtype: float32 outputs are counted in float32, as without top_k)
            top = np.full(A.shape, -np.inf, dtype=A.dtype if A.dtype.kind == "f" else np.float64)
            np.put_along_axis(top, order, np.take_along_axis(A, order, axis=1), axis=1)
            A = top
        Y, A = _class_column(Y, A, self.class_id)
        w = _rows_of(w, A)
        if isinstance(self.thresholds, list):  # one count per threshold
            tp, fp, _, fn = _list_counts(self.thresholds, self._clip, Y, A, w)
        else:  # one threshold (none with top_k alone): totals, the fast counts fit needs each batch
            predicted = A > (-np.inf if self.thresholds is None else self.thresholds)
            tp, fp, fn = _confusion_counts(predicted, Y != 0, w, axis=None)
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.false_negatives = self.false_negatives + fn

    def _value(self, hits, total):
        value = _safe_divide(np.asarray(hits, dtype=np.float64), np.asarray(total, dtype=np.float64))
        if isinstance(self.thresholds, list) and len(self.thresholds) > 1:
            return value  # one value per threshold, as Keras
        return float(np.ravel(value)[0])  # one threshold (or none yet counted): a number

    def result(self):
        return self._value(self.true_positives, self.true_positives + self.false_positives)

    def _state(self):  # Keras's variables: one count per threshold, (1,) for one
        return {"true_positives": np.atleast_1d(self.true_positives),
                "false_positives": np.atleast_1d(self.false_positives)}


class Recall(Precision):
    """``TP / (TP + FN)``, counted as :class:`Precision` (``keras.metrics.Recall``): ``thresholds``
    (or its alias ``threshold``), ``top_k`` and ``class_id`` as Precision's."""

    name = "recall"

    def result(self):
        return self._value(self.true_positives, self.true_positives + self.false_negatives)

    def _state(self):
        return {"true_positives": np.atleast_1d(self.true_positives),
                "false_negatives": np.atleast_1d(self.false_negatives)}


class _ConfusionCount(Metric):
    """How many outputs fall in one cell of the confusion matrix, as Keras's
    ``TruePositives``, ``FalsePositives``, ``TrueNegatives`` and ``FalseNegatives``
    (the imbalanced-classification tutorials' metrics): an output is a predicted
    positive when it exceeds ``thresholds`` (0.5), an actual positive when its target
    is nonzero; every output of every row counts (several output units too). A list of
    ``thresholds`` gives one count per threshold (evenly spaced ones see the outputs
    clipped to [0, 1] and counted through Keras's buckets, :func:`_list_counts`). Sample
    weights weigh a row's counts, or each output's (:func:`_output_weights`); sequence
    outputs ``(n, m, k)`` count every position, as :class:`Precision`."""

    #: which cell: (predicted positive, actual positive)
    cell = (True, True)

    @_named_init
    def __init__(self, thresholds=None, name=None, dtype=None):
        self.thresholds = _check_thresholds(0.5 if thresholds is None else thresholds)
        self._clip = isinstance(self.thresholds, list) and _evenly_spaced(self.thresholds)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        several = isinstance(self.thresholds, list) and len(self.thresholds) > 1
        self.accumulator = np.zeros(len(self.thresholds)) if several else 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        w = _output_weights(sample_weight, y_true, y_pred, metric=self)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        thresholds = self.thresholds if isinstance(self.thresholds, list) else [self.thresholds]
        cell = {(True, True): 0, (True, False): 1, (False, False): 2, (False, True): 3}[self.cell]
        counts = _list_counts(thresholds, self._clip, Y, A, _rows_of(w, A))[cell]
        self.accumulator = self.accumulator + (counts if np.ndim(self.accumulator) else float(counts[0]))

    def result(self):
        return self.accumulator.copy() if np.ndim(self.accumulator) else float(self.accumulator)

    def _state(self):
        return {"accumulator": np.atleast_1d(self.accumulator)}  # (Keras's: one count per threshold)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.thresholds}


class TruePositives(_ConfusionCount):
    """Outputs above the threshold whose target is positive (``keras.metrics.TruePositives``)."""

    name = "true_positives"
    cell = (True, True)


class FalsePositives(_ConfusionCount):
    """Outputs above the threshold whose target is 0 (``keras.metrics.FalsePositives``)."""

    name = "false_positives"
    cell = (True, False)


class TrueNegatives(_ConfusionCount):
    """Outputs at or below the threshold whose target is 0 (``keras.metrics.TrueNegatives``)."""

    name = "true_negatives"
    cell = (False, False)


class FalseNegatives(_ConfusionCount):
    """Outputs at or below the threshold whose target is positive (``keras.metrics.FalseNegatives``)."""

    name = "false_negatives"
    cell = (False, True)


def _threshold_counts(thresholds, positive, A, w=None, per_output=False, evenly=False):
    """``(tp, fp, tn, fn)`` stacked, each ``(T,)`` (every output pooled) or ``(T, K)`` (``per_output``):
    an output of ``A`` ``(n, K)`` is a predicted positive at each of the sorted ``thresholds`` it exceeds
    (NaN at none, or at the first one where ``evenly``, as Keras), an actual positive where ``positive``;
    ``w`` ``(n, K)`` weighs each output (None: 1).
    ``evenly``: Keras's evenly spaced thresholds (``A`` clipped to [0, 1]), which it counts through buckets:
    an output is above the first ``ceil(p·(T − 1))`` of them (at least 1 when the first is −ε), which can
    differ from ``p > t`` by one threshold where ``p·(T − 1)`` rounds across an integer (an output equal to a
    threshold), so glassnet counts them the same way.

    A prediction is positive at the thresholds below it: their number, then per number the weight
    of the positives and negatives, summed from the top (no (thresholds × predictions) table)."""
    T = len(thresholds)
    if evenly:
        above = np.ceil(A * (T - 1))
        # a NaN output is above the first threshold only: Keras's bucket index of NaN becomes bucket 0
        # when cast to int32 (its AUC put a diverged model's NaN outputs there, on the curve's first point)
        above[np.isnan(above)] = 1
        above = above.astype(np.intp)
        if thresholds[0] < 0:  # AUC's −ε: every output is above it (Keras's relu of the bucket)
            above = np.maximum(above, 1)
    else:
        above = np.searchsorted(thresholds, A, side="left")
        above[np.isnan(A)] = 0  # NaN > t is false at every threshold (searchsorted puts it last)
    K = A.shape[1] if per_output else 1
    if per_output:  # one bincount for all outputs: output k counts in bins k·(T+1) ...
        above += np.arange(K) * (T + 1)
    pos, neg = (np.bincount(above[side], None if w is None else w[side], minlength=K * (T + 1))
                .astype(np.float64).reshape(K, T + 1) for side in (positive, ~positive))
    tp = np.cumsum(pos[:, ::-1], axis=1)[:, ::-1][:, 1:].T  # (T, K): weight of positives above threshold j
    fp = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1][:, 1:].T
    # those at or below it summed from the bottom, not total − above: that difference left 8.9e-16 of false
    # negatives where there were none, a recall of 1 − 1e-16, and PrecisionAtRecall(1.0) 0 where Keras has 1
    tn, fn = np.cumsum(neg, axis=1)[:, :T].T, np.cumsum(pos, axis=1)[:, :T].T
    counts = np.stack([tp, fp, tn, fn])
    return counts if per_output else counts[..., 0]
