"""Intersection over union from a confusion matrix summed over the batches, as Keras's
``iou_metrics``: :class:`IoU`, :class:`BinaryIoU`, :class:`MeanIoU`, :class:`OneHotIoU` and
:class:`OneHotMeanIoU`."""

import warnings

import numpy as np

from .._validation import check_bool, check_int, check_number
from .base import Metric, _checked_weights, _no_nan, _numbers

#: the most classes an IoU metric counts: its confusion matrix holds num_classes² numbers of its dtype, 256 MiB
#: of int32 (512 MiB of float64 or int64) at 2**13 classes (far more than segmentation sets name: ADE20K's 150, LVIS's
#: 1203), and 10**6 asked for 7.3 TiB
MAX_IOU_CLASSES = 2**13

#: Keras's ``backend.epsilon()``, which its IoU results add to each denominator
_EPSILON = np.float32(1e-7)


def _num_classes(value):
    """``num_classes`` as an int from 2 to :data:`MAX_IOU_CLASSES`."""
    n = check_int(value, "num_classes", low=2)
    if n > MAX_IOU_CLASSES:
        raise ValueError(f"num_classes must be between 2 and {MAX_IOU_CLASSES} (MAX_IOU_CLASSES: the confusion matrix "
                         f"holds num_classes² numbers of its dtype, of float64 {n * n * 8 / 2**30:,.1f} GiB for {n}). "
                         f"Received: num_classes={n}")
    return n


def _class_ids(values, num_classes):
    """``target_class_ids`` as a list of ints in ``[0, num_classes)``, not empty."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"target_class_ids must be a list or tuple of class ids. Received: target_class_ids={values!r:.100}")
    ids = [check_int(i, "target_class_ids") for i in values]
    if not ids:
        raise ValueError("target_class_ids must name at least one class. Received: target_class_ids=[]")
    if not all(0 <= i < num_classes for i in ids):
        raise ValueError(f"target_class_ids must be in the range [0, {num_classes}) of num_classes={num_classes}. "
                         f"Received: target_class_ids={ids!r:.100}")
    return ids


class IoU(Metric):
    """Intersection over union ``TP / (TP + FP + FN)`` of each class of ``target_class_ids``,
    averaged over those that occur (in the targets or the predictions), as
    ``keras.metrics.IoU``: a ``num_classes`` × ``num_classes`` confusion matrix is summed
    over the batches, each element counting its sample weight (``num_classes`` from 2 to
    :data:`MAX_IOU_CLASSES`). ``y_true`` and ``y_pred`` hold integer class labels of any
    shape (one per element: segmentation maps too), or with ``sparse_y_true=False``/
    ``sparse_y_pred=False`` scores whose argmax over ``axis`` is the class. Labels outside
    ``[0, num_classes)`` and targets equal to ``ignore_class`` are not counted, as Keras.
    Sample weights: one per label, or one per sample (row).
    In ``fit`` it gets the targets as given (integer labels stay labels under
    ``sparse_categorical_crossentropy``), as Keras's.

    As Keras's, the confusion matrix is kept in the metric's ``dtype``, ``int32`` by default: an
    integer dtype truncates fractional weights (0.5 counts 0; a warning says so, ``dtype="float64"``
    counts them), and a count beyond the dtype's largest is a ValueError (where Keras's wraps round);
    ``float32`` counts exactly up to 2**24 per cell, as Keras's. ``result()`` is Keras's: a NumPy
    float32, each class's ``TP / (TP + FP + FN + 1e-7)`` averaged over the classes that occur."""

    _direction = "up"  # as Keras's (mode="auto" of EarlyStopping and the others reads it)

    name = "io_u"
    builtin = False  # the targets as the caller gave them, as Keras's IoU reads them

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        self.num_classes = _num_classes(num_classes)
        self.target_class_ids = _class_ids(target_class_ids, self.num_classes)
        self.ignore_class = None if ignore_class is None else check_int(ignore_class, "ignore_class")
        self.sparse_y_true = check_bool(sparse_y_true, "sparse_y_true")
        self.sparse_y_pred = check_bool(sparse_y_pred, "sparse_y_pred")
        self.axis = check_int(axis, "axis")
        dtype = "int32" if dtype is None else dtype  # Keras's default ("int")
        try:
            integer = np.dtype(dtype).kind in "iu"
        except TypeError:
            integer = False  # the base names it
        super().__init__(name=name, dtype=None if integer else dtype)
        if integer:
            self.dtype = np.dtype(dtype).name

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes), dtype=self.dtype)

    def _state(self):
        return {"total_confusion_matrix": self.total_cm}

    def _labels(self, values, name, sparse):
        values = _numbers(values, name)
        if not sparse:
            if values.ndim == 0:
                raise ValueError(f"{name} must hold rows of scores with sparse_{name}=False. Received a number.")
            if not -values.ndim <= self.axis < values.ndim:  # (NumPy's AxisError, or an OverflowError for 2**63)
                raise ValueError(f"{type(self).__name__}: axis={self.axis} is out of range for {name} of shape "
                                 f"{values.shape}: axis must lie in [{-values.ndim}, {values.ndim - 1}] (-1, the "
                                 "last axis, by default).")
            return values.argmax(axis=self.axis)
        if not np.all(values == np.round(values)):
            bad = values[values != np.round(values)].flat[0].item()
            raise ValueError(f"{name} must hold integer class labels with sparse_{name}=True ({bad!r} is not one); "
                             f"for scores or one-hot rows pass sparse_{name}=False.")
        return values

    def update_state(self, y_true, y_pred, sample_weight=None):
        _no_nan(_numbers(y_true, "y_true"))
        if _numbers(y_true, "y_true").size == 0 and _numbers(y_pred, "y_pred").size == 0:
            return  # an empty batch leaves the state as it was, as Keras (it divided by its 0 rows)
        t, p = self._labels(y_true, "y_true", self.sparse_y_true), self._labels(y_pred, "y_pred", self.sparse_y_pred)
        if t.size != p.size:
            raise ValueError(f"y_true and y_pred must give one class label per element, as many of each. Received "
                             f"{t.size} and {p.size} labels (shapes {np.shape(y_true)} and {np.shape(y_pred)}).")
        # negative or NaN weights were counted (the IoU of weights -1 was 0.0)
        w = None if sample_weight is None else _checked_weights(sample_weight, metric=self)
        if w is not None and w.ndim == 1 and t.ndim > 1 and w.size == t.shape[0]:  # one per sample: its labels'
            w = np.repeat(w, t.size // t.shape[0])
        if w is not None and w.size not in (1, t.size):
            raise ValueError(f"sample_weight must hold one weight per label ({t.size}) or per sample. Received shape "
                             f"{w.shape}.")
        t, p = t.ravel(), p.ravel()
        integer = self.total_cm.dtype.kind in "iu"
        if w is not None:
            w = np.broadcast_to(w.ravel(), t.size)
            if integer and (w != np.trunc(w)).any():  # as Keras casts them to its integer dtype (and warns)
                from ..models.divergence import user_stacklevel  # (models import the metrics)

                warnings.warn(f"{type(self).__name__} counts in {self.dtype}, which truncates the fractional sample "
                              "weights (0.5 counts 0), as Keras's: give dtype='float64' to count them.",
                              stacklevel=user_stacklevel())
            if integer:
                w = np.trunc(w)
        k = self.num_classes
        kept = (t >= 0) & (t < k) & (p >= 0) & (p < k)
        if self.ignore_class is not None:
            kept &= t != self.ignore_class
        cells = t[kept].astype(np.int64) * k + p[kept].astype(np.int64)
        # this batch's counts exactly (int64 unweighted; float64 sums of whole weights are exact to 2**53), then
        # added to the matrix in its dtype, as Keras's total_cm + current_cm
        counts = np.bincount(cells, weights=None if w is None else w[kept], minlength=k * k).reshape(k, k)
        if not integer:
            self.total_cm = self.total_cm + counts.astype(self.total_cm.dtype)
            return
        total = self.total_cm.astype(np.int64) + counts.astype(np.int64)
        largest = np.iinfo(self.total_cm.dtype).max
        if total.max(initial=0) > largest:
            raise ValueError(f"{type(self).__name__} counts in {self.dtype} (Keras's default), and a count of its "
                             f"confusion matrix would pass {largest:,} (Keras's would wrap round): give "
                             "dtype='int64' (or 'float64') for so many labels.")
        self.total_cm = total.astype(self.total_cm.dtype)

    def result(self):
        """Keras's result, a NumPy float32: the sums and ``TP + FP + FN`` in the matrix's dtype (integers
        exactly), then in float32 each target class's ``TP / (TP + FP + FN + 1e-7)``, 0 for a class that never
        occurs (a denominator <= 1e-9), averaged over those that do: ``Σ IoU / (n_occurring + 1e-7)``."""
        cm = self.total_cm
        if cm.dtype.kind in "iu":  # (exact: Keras's int32 sums would wrap round only where its counts had)
            cm = cm.astype(np.int64)
        tp = np.diag(cm)
        union = cm.sum(axis=0) + cm.sum(axis=1) - tp  # TP + FP + FN
        ids = self.target_class_ids
        tp, union = tp[ids].astype(np.float32), union[ids].astype(np.float32)
        present = union > np.float32(1e-9)  # as Keras: a class that never occurs is left out of the mean
        iou = np.where(present, tp / (union + _EPSILON), np.float32(0))
        return np.float32(np.sum(iou, dtype=np.float32) / (np.sum(present, dtype=np.float32) + _EPSILON))

    #: the arguments a subclass fixes, which its config leaves out (as Keras's)
    _fixed = ()

    def get_config(self):
        config = {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                  "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                  "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
        return {key: value for key, value in config.items() if key not in self._fixed}


class BinaryIoU(IoU):
    """:class:`IoU` of two classes, as ``keras.metrics.BinaryIoU``: an output at or above
    ``threshold`` predicts class 1, else 0; ``y_true`` holds 0/1 labels; ``target_class_ids``
    ``(0, 1)`` averages the IoU of both."""

    name = "binary_io_u"

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = check_number(threshold, "threshold")

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = (_numbers(y_pred, "y_pred") >= self.threshold).astype(np.int64)
        super().update_state(y_true, predicted, sample_weight)

    def get_config(self):
        config = super().get_config()
        return {**{key: config[key] for key in ("name", "dtype") if key in config},
                "target_class_ids": self.target_class_ids, "threshold": self.threshold}


class MeanIoU(IoU):
    """:class:`IoU` averaged over every class, as ``keras.metrics.MeanIoU``."""

    name = "mean_io_u"
    _fixed = ("target_class_ids",)

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        classes = _num_classes(num_classes)  # (before its list of class ids)
        super().__init__(classes, list(range(classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)


class OneHotIoU(IoU):
    """:class:`IoU` of one-hot targets (``sparse_y_true=False``), as ``keras.metrics.OneHotIoU``."""

    name = "one_hot_io_u"
    _fixed = ("sparse_y_true",)

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` of one-hot targets (``sparse_y_true=False``), as ``keras.metrics.OneHotMeanIoU``."""

    name = "one_hot_mean_io_u"
    _fixed = ("target_class_ids", "sparse_y_true")

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)
