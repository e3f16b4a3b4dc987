"""The accuracy metrics, as Keras's ``accuracy_metrics``: :class:`BinaryAccuracy`, :class:`Accuracy`
(exact match), :class:`CategoricalAccuracy`, :class:`SparseCategoricalAccuracy`, the top-k ones, and
Keras's functions of the same names, one value per sample (``binary_accuracy``: per element)."""

import numpy as np

from .._validation import check_bool, check_number, check_positive_int, on_host
from ..backend import floatx
from .base import Metric, _align, _class_labels, _NameFirst, _no_nan, _numbers, _same_rank, _weights


def _row_mean(matches):
    """The mean of each row of a boolean array, in float64: ``np.mean(matches, axis=-1)``, bit for bit,
    without its Python layer (a few microseconds of every small batch's step)."""
    return matches.sum(axis=-1, dtype=np.float64) / matches.shape[-1]


class BinaryAccuracy(Metric):
    """Share of outputs on the right side of ``threshold`` (mean over units)."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "binary_accuracy"

    def __init__(self, name=None, dtype=None, threshold=0.5):  # Keras's order
        self.threshold = check_number(threshold, "threshold")  # any finite number, as Keras (0 on logits)
        super().__init__(name=name, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}

    def _elements(self, Y, A):
        # as Keras: the outputs are thresholded, the targets compared as they are (a soft 0.8 matches nothing)
        return (A > self.threshold) == Y

    def values(self, Y, A):
        return _row_mean(self._elements(Y, A))


class Accuracy(_NameFirst):
    """Share of outputs exactly equal to their targets, averaged over the outputs of each
    sample (Keras's ``Accuracy``: for outputs already rounded or labelled; the string
    ``"accuracy"`` in ``compile`` is the binary or categorical accuracy, as in Keras)."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "accuracy"

    def _elements(self, Y, A):
        return A == Y

    def values(self, Y, A):
        return _row_mean(self._elements(Y, A))


class CategoricalAccuracy(_NameFirst):
    """Share of rows whose largest output is the one-hot target's class."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "categorical_accuracy"

    def values(self, Y, A):
        return (A.argmax(axis=-1) == Y.argmax(axis=-1)).astype(np.float64)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            return super().update_state(y_true, y_pred, sample_weight)
        Y, A, w = _align(y_true, y_pred, None, positions=True, row=True, number=True)
        if w is not None:  # sequences (n, m, k) only: each sample counts once, the share of its positions hit
            self._accumulate(self.values(Y, A), w)
            return
        self.total += np.count_nonzero(A.argmax(axis=-1) == Y.argmax(axis=-1))
        self.count += A.shape[0]


class SparseCategoricalAccuracy(_NameFirst):
    """Share of rows whose largest output is the integer label ``y_true`` (shape
    ``(n,)`` or ``(n, 1)``); inside ``fit``, where the loss has one-hot encoded
    the labels, the one-hot targets' class."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "sparse_categorical_accuracy"
    #: set by a model whose loss's ``ignore_class`` lies outside the classes (−1, 255): its one-hot
    #: targets then hold rows of zeros, the ignored samples, which count as misses, as Keras counts
    #: them (argmax would read them as class 0); other models skip the check
    _zero_rows = False

    def update_state(self, y_true, y_pred, sample_weight=None):
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, labels=True, positions=True, number=True)
        predicted = A.argmax(axis=-1)
        if Y.shape == A.shape and A.shape[1] > 1:  # one-hot, as fit passes the targets
            hit = predicted == Y.argmax(axis=-1)
            if self._zero_rows:
                hit &= Y.any(axis=-1)
        elif A.shape[1] > 1:  # a label -1, 3 of 3 outputs or 0.5 counted as a miss: refused, as its crossentropy's
            hit = predicted == _class_labels(Y[:, 0], A.shape[1])
        else:
            hit = predicted == Y[:, 0]
        if sample_weight is None:
            self.total += np.count_nonzero(hit)
            self.count += A.shape[0]
        else:
            self._accumulate(hit.astype(np.float64), sample_weight)


def _in_top_k(labels, A, k):
    """Whether each row's label is among its ``k`` largest outputs, as Keras's ``in_top_k``:
    rank = 1 + the number of outputs strictly above the label's (ties share the better
    rank; a NaN output at the label counts as the lowest). ``A`` may have more axes than
    two, as Keras's functions take them: the rows are its last axis, ``labels`` one per row."""
    shape, A = A.shape[:-1], A.reshape(-1, A.shape[-1])
    at_label = np.take_along_axis(A, labels.reshape(-1, 1).astype(np.intp), axis=1)
    at_label = np.where(np.isnan(at_label), -np.inf, at_label)
    return ((1 + np.count_nonzero(A > at_label, axis=1)) <= k).reshape(shape)


class TopKCategoricalAccuracy(Metric):
    """Share of rows whose one-hot target's class is among the ``k`` largest outputs (Keras's)."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "top_k_categorical_accuracy"

    def __init__(self, k=5, name=None, dtype=None):
        self.k = check_positive_int(k, "k")
        super().__init__(name=name, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "k": self.k}

    def values(self, Y, A):
        return _in_top_k(Y.argmax(axis=-1), A, self.k).astype(np.float64)


def _in_sorted_ids(labels, ids, k):
    """Keras's ``from_sorted_ids``: whether each label is among the first ``k`` of its row
    of ids (the classes already sorted by score, best first)."""
    return np.any(np.ravel(labels)[:, None] == ids.reshape(-1, ids.shape[-1])[:, :k], axis=1)


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """Share of rows whose integer label ``y_true`` is among the ``k`` largest outputs
    (Keras's); inside ``fit``, where the loss has one-hot encoded the labels, the
    one-hot targets' class. ``from_sorted_ids=True`` (Keras's): ``y_pred`` holds each
    row's class ids sorted by score, best first (at least ``k`` of them), instead of
    the scores; a row counts when its label is among its first ``k`` ids."""

    name = "sparse_top_k_categorical_accuracy"
    _zero_rows = False  # as SparseCategoricalAccuracy's

    def __init__(self, k=5, name=None, dtype=None, from_sorted_ids=False):
        self.from_sorted_ids = check_bool(from_sorted_ids, "from_sorted_ids")
        super().__init__(k, name, dtype)

    def get_config(self):
        config = super().get_config()
        return {**config, "from_sorted_ids": True} if self.from_sorted_ids else config

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_sorted_ids:
            labels, ids = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
            _no_nan(labels)  # (matched no id: a miss)
            if ids.ndim != 2 or labels.size != ids.shape[0]:
                raise ValueError("With from_sorted_ids=True, y_pred must hold one row of sorted class ids per "
                                 f"label of y_true. Received shapes {labels.shape} and {ids.shape}.")
            self._accumulate(_in_sorted_ids(labels, ids, self.k).astype(np.float64),
                             _weights(sample_weight, ids.shape[0], number=True))
            return
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, labels=True, positions=True, number=True)
        if Y.shape == A.shape and A.shape[1] > 1:  # one-hot, as fit passes the targets
            hit = _in_top_k(Y.argmax(axis=-1), A, self.k)
            if self._zero_rows:
                hit &= Y.any(axis=-1)
        else:
            hit = _in_top_k(_class_labels(Y[:, 0], A.shape[1]), A, self.k)
        self._accumulate(hit.astype(np.float64), sample_weight)


def _values_dtype(y_pred):
    """The dtype of the correlation functions' values: ``y_pred``'s float dtype (float32 outputs give float32
    values, as Keras's functions; they were float64), else (integer or boolean outputs, a list) the
    backend's floatx. (The accuracy functions' matches are floatx's whatever ``y_pred`` is, as Keras casts
    them.) The metric objects count in float64 whatever it is."""
    dtype = getattr(y_pred if isinstance(y_pred, np.ndarray) else on_host(y_pred, "y_pred"), "dtype", None)
    return dtype if isinstance(dtype, np.dtype) and dtype.kind == "f" else np.dtype(floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` equals ``y_true``, element by element (Keras 3's
    ``keras.metrics.binary_accuracy``; its metric averages them)."""
    Y, A = _same_rank(_numbers(y_true, "y_true"), _numbers(y_pred, "y_pred"))
    if Y.shape != A.shape:  # broadcast, they were compared as a table (or NumPy's broadcast error)
        raise ValueError(f"y_true and y_pred must have the same shape. Received {Y.shape} and {A.shape}.")
    return ((A > check_number(threshold, "threshold")) == Y).astype(floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 per sample whose largest output is the one-hot target's class (Keras's)."""
    Y, A = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
    if A.ndim == 0 or Y.shape != A.shape:  # integer labels' argmax is one number, compared with every row
        hint = " For integer labels use sparse_categorical_accuracy." if Y.shape == A.shape[:-1] else ""
        raise ValueError(f"y_true and y_pred must have the same shape. Received {Y.shape} and {A.shape}.{hint}")
    return (A.argmax(axis=-1) == Y.argmax(axis=-1)).astype(floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 per sample whose largest output is its integer label (shape ``(n,)`` or ``(n, 1)``; Keras's)."""
    Y, A = _labels_per_row(_numbers(y_true, "y_true"), _numbers(y_pred, "y_pred"))
    return (A.argmax(axis=-1) == Y).astype(floatx())


def _labels_per_row(Y, A):
    """``(Y, A)`` with one label per row of ``A`` (its last axis the classes): labels ``(n,)``
    or ``(n, 1)`` (a trailing 1 dropped), or the ValueError naming both shapes."""
    if Y.ndim == A.ndim and Y.ndim and Y.shape[-1] == 1:
        Y = Y[..., 0]
    if A.ndim == 0 or Y.shape != A.shape[:-1]:
        raise ValueError(f"y_true must hold one integer label per row of y_pred (shape {A.shape[:-1]} or "
                         f"{(*A.shape[:-1], 1)}). Received shapes {Y.shape} and {A.shape}.")
    return Y, A


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 per sample whose one-hot target's class is among its ``k`` largest outputs (Keras's)."""
    Y, A = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
    if A.ndim < 2 or Y.shape != A.shape:
        raise ValueError("y_true and y_pred must be one-hot rows and scores of one shape (n_samples, n_classes). "
                         f"Received shapes {Y.shape} and {A.shape}.")
    return _in_top_k(Y.argmax(axis=-1), A, check_positive_int(k, "k")).astype(floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 per sample whose integer label is among its ``k`` largest outputs (Keras's); with
    ``from_sorted_ids=True``, among the first ``k`` of its row of sorted class ids. Of the
    labels' shape, as Keras: ``(n,)`` or ``(n, 1)``."""
    Y = _numbers(y_true, "y_true")
    shape, (Y, A) = Y.shape, _labels_per_row(Y, _numbers(y_pred, "y_pred"))
    k = check_positive_int(k, "k")
    if A.ndim < 2:  # (one row of scores needs a label of shape (), which has no rows to rank)
        raise ValueError(f"y_pred must hold rows of scores, shape (n_samples, n_classes). Received shape {A.shape}.")
    if check_bool(from_sorted_ids, "from_sorted_ids"):
        return _in_sorted_ids(Y, A, k).astype(floatx()).reshape(shape)
    return _in_top_k(_class_labels(Y, A.shape[-1]), A, k).astype(floatx()).reshape(shape)
