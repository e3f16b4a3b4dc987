"""Metrics (SPEC A8), streamed over batches as Keras does.

A metric has ``update_state(Y, A, sample_weight=None)``, ``result()`` and
``reset_state()``; the model resets it each epoch. ``Y`` and ``A`` are the
prepared targets and the outputs, both ``(n, n_outputs)``.
Plain functions :func:`accuracy_score` and :func:`confusion_matrix` work on
label arrays.
"""

import numpy as np

from ._registry import lookup


class Metric:
    name = "metric"
    #: whether a model's training and evaluation pass the sample weights to it
    #: (compile's weighted_metrics; plain metrics are unweighted, as Keras)
    weighted = False

    def __init__(self, name=None):
        if name is not None:
            self.name = name
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def values(self, Y, A):
        """Per-sample values, shape ``(n,)``."""
        raise NotImplementedError

    def update_state(self, Y, A, sample_weight=None):
        v = self.values(Y, A)
        if sample_weight is None:
            self.total += float(v.sum())
            self.count += v.shape[0]
        else:
            self.total += float(np.dot(v, sample_weight))
            self.count += float(np.sum(sample_weight))

    def result(self):
        return self.total / self.count if self.count else 0.0

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class BinaryAccuracy(Metric):
    """Share of outputs on the right side of ``threshold`` (mean over units)."""

    name = "binary_accuracy"

    def __init__(self, name=None, threshold=0.5):
        self.threshold = threshold
        super().__init__(name)

    def values(self, Y, A):
        return np.mean((A > self.threshold) == (Y > self.threshold), axis=-1)


class CategoricalAccuracy(Metric):
    """Share of rows whose largest output is the one-hot target's class."""

    name = "categorical_accuracy"

    def values(self, Y, A):
        return (A.argmax(axis=-1) == Y.argmax(axis=-1)).astype(np.float64)

    def update_state(self, Y, A, sample_weight=None):
        if sample_weight is not None:
            return super().update_state(Y, A, sample_weight)
        self.total += np.count_nonzero(A.argmax(axis=-1) == Y.argmax(axis=-1))
        self.count += A.shape[0]


class SparseCategoricalAccuracy(CategoricalAccuracy):
    name = "sparse_categorical_accuracy"


class MeanSquaredError(Metric):
    name = "mean_squared_error"

    def values(self, Y, A):
        return np.mean((A - Y) ** 2, axis=-1)


class MeanAbsoluteError(Metric):
    name = "mean_absolute_error"

    def values(self, Y, A):
        return np.mean(np.abs(A - Y), axis=-1)


def _safe_divide(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


class Precision(Metric):
    """``TP / (TP + FP)``. One output unit: positive when ``A > threshold``.
    Several units: the predicted class is the argmax and the score is the
    macro average over classes."""

    name = "precision"

    def __init__(self, name=None, threshold=0.5):
        self.threshold = threshold
        super().__init__(name)

    def reset_state(self):
        self.tp = self.pred_pos = self.true_pos = 0.0
        self.binary = True

    def update_state(self, Y, A, sample_weight=None):
        self.binary = A.shape[-1] == 1
        if self.binary:
            y, p, k = (Y[:, 0] > self.threshold).astype(int), (A[:, 0] > self.threshold).astype(int), 2
        else:
            y, p, k = np.argmax(Y, axis=-1), np.argmax(A, axis=-1), A.shape[-1]
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        true_1h, pred_1h = np.eye(k)[y] * w[:, None], np.eye(k)[p]
        self.tp = self.tp + (true_1h * pred_1h).sum(axis=0)
        self.pred_pos = self.pred_pos + (pred_1h * w[:, None]).sum(axis=0)
        self.true_pos = self.true_pos + true_1h.sum(axis=0)

    def per_class(self):
        """Per-class precision and recall arrays (class 1 only for one unit)."""
        tp, pp, ap = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (self.tp, self.pred_pos, self.true_pos))
        precision, recall = _safe_divide(tp, pp), _safe_divide(tp, ap)
        if self.binary:
            return precision[1:], recall[1:]
        return precision, recall

    def result(self):
        return float(np.mean(self.per_class()[0]))


class Recall(Precision):
    """``TP / (TP + FN)``, averaged like :class:`Precision`."""

    name = "recall"

    def result(self):
        return float(np.mean(self.per_class()[1]))


class F1Score(Precision):
    """Harmonic mean ``2PR / (P + R)`` per class, averaged like :class:`Precision`."""

    name = "f1_score"

    def result(self):
        p, r = self.per_class()
        return float(np.mean(_safe_divide(2 * p * r, p + r)))


class MeanMetricWrapper(Metric):
    """A function ``fn(y_true, y_pred)`` as a metric (as Keras): the mean of its
    values over the epoch. ``fn`` returns one value per sample (shape ``(n,)``,
    or ``(n, k)``, averaged over the last axis) or one number for the batch
    (weighted by the batch size). ``y_true`` arrives as the model trains on it:
    integer labels one-hot encoded for ``sparse_categorical_crossentropy``."""

    def __init__(self, fn, name=None):
        if not callable(fn):
            raise TypeError(f"fn must be a callable fn(y_true, y_pred). Received: {fn!r}")
        self.fn = fn
        super().__init__(name or getattr(fn, "__name__", None) or type(fn).__name__)

    def values(self, Y, A):
        v = np.asarray(self.fn(Y, A), dtype=np.float64)
        n = Y.shape[0]
        if v.ndim == 0:
            return np.full(n, float(v))
        if v.shape[0] != n:
            raise ValueError(f"Metric {self.name!r} returned an array of shape {v.shape}; expected one number "
                             f"or one value per sample ({n},).")
        return v.reshape(n, -1).mean(axis=1)


METRICS = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError,
    "mse": lambda: MeanSquaredError(name="mse"),
    "mean_absolute_error": MeanAbsoluteError,
    "mae": lambda: MeanAbsoluteError(name="mae"),
    "precision": Precision,
    "recall": Recall,
    "f1_score": F1Score,
}


def get(identifier, loss=None, n_outputs=None):
    """Return a :class:`Metric`. ``"accuracy"``/``"acc"`` is resolved as Keras
    does from the output shape and the loss: one output unit → binary accuracy,
    several → categorical accuracy (also for integer labels, which the loss
    has already one-hot encoded)."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        name = identifier.lower()
        if n_outputs == 1:
            return BinaryAccuracy(name=name)
        return CategoricalAccuracy(name=name)
    valid = dict(METRICS, accuracy=None, acc=None)
    if isinstance(identifier, str) and identifier.lower() not in METRICS:
        raise ValueError(f"Unknown metric {identifier!r}. Valid names: {', '.join(sorted(valid))}.")
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier) and not isinstance(identifier, (Metric, type)):
        return MeanMetricWrapper(identifier)
    return lookup(identifier, METRICS, "metric", instance_of=Metric)


def saved_name(identifier):
    """The name a model file stores for a compiled metric, or None when only the
    user's code can rebuild it (a function, or a metric under a name of its own)."""
    if isinstance(identifier, str):
        return identifier
    if isinstance(identifier, Metric) and not isinstance(identifier, MeanMetricWrapper) \
            and identifier.name.lower() in METRICS:
        return identifier.name
    return None


def accuracy_score(y_true, y_pred):
    """Share of equal labels."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length. Received {y_true.shape[0]} and {y_pred.shape[0]}.")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """``C[i, j]`` = number of samples of class ``i`` predicted as ``j``."""
    y_true, y_pred = np.asarray(y_true).ravel().astype(np.int64), np.asarray(y_pred).ravel().astype(np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length. Received {y_true.shape[0]} and {y_pred.shape[0]}.")
    if (y_true < 0).any() or (y_pred < 0).any():
        raise ValueError("y_true and y_pred must be non-negative integer class labels.")
    k = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C
