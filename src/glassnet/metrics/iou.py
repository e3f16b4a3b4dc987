"""Intersection over union from a confusion matrix summed over the batches, as Keras's
``iou_metrics``: :class:`IoU`, :class:`BinaryIoU`, :class:`MeanIoU`, :class:`OneHotIoU` and
:class:`OneHotMeanIoU`."""

import numpy as np

from .._validation import check_bool, check_int, check_number
from .base import Metric, _checked_weights, _no_nan, _numbers

#: the most classes an IoU metric counts: its confusion matrix holds num_classes² float64 numbers, 512 MiB at
#: 2**13 classes (far more than segmentation sets name: ADE20K's 150, LVIS's 1203), and 10**6 asked for 7.3 TiB
MAX_IOU_CLASSES = 2**13


def _num_classes(value):
    """``num_classes`` as an int from 2 to :data:`MAX_IOU_CLASSES`."""
    n = check_int(value, "num_classes", low=2)
    if n > MAX_IOU_CLASSES:
        raise ValueError(f"num_classes must be between 2 and {MAX_IOU_CLASSES} (MAX_IOU_CLASSES: the confusion matrix "
                         f"holds num_classes² float64 numbers, {n * n * 8 / 2**30:,.1f} GiB for {n}). "
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
    ``sparse_categorical_crossentropy``), as Keras's. Counted in float64 by default; an
    integer ``dtype`` (Keras's default, ``int32``) truncates the weights, as Keras."""

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
        integer = False
        if dtype is not None:
            try:
                integer = np.dtype(dtype).kind in "iu"
            except TypeError:
                pass  # the base names it
        super().__init__(name=name, dtype=None if integer else dtype)
        if integer:
            self.dtype = np.dtype(dtype).name

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def _state(self):
        return {"total_confusion_matrix": self.total_cm}  # (float64: weights may be fractions; Keras's int32)

    def _labels(self, values, name, sparse):
        values = _numbers(values, name)
        if not sparse:
            if values.ndim == 0:
                raise ValueError(f"{name} must hold rows of scores with sparse_{name}=False. Received a number.")
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
        w = np.ones(t.size) if sample_weight is None else _checked_weights(sample_weight)
        if w.ndim == 1 and t.ndim > 1 and w.size == t.shape[0]:  # one per sample: each of its labels
            w = np.repeat(w, t.size // t.shape[0])
        if w.size not in (1, t.size):
            raise ValueError(f"sample_weight must hold one weight per label ({t.size}) or per sample. Received shape "
                             f"{w.shape}.")
        t, p, w = t.ravel(), p.ravel(), np.broadcast_to(w.ravel(), t.size)
        if np.dtype(self.dtype or "float64").kind in "iu":
            w = np.trunc(w)  # as Keras casts them to its integer dtype
        k = self.num_classes
        kept = (t >= 0) & (t < k) & (p >= 0) & (p < k)
        if self.ignore_class is not None:
            kept &= t != self.ignore_class
        cells = t[kept].astype(np.int64) * k + p[kept].astype(np.int64)
        self.total_cm = self.total_cm + np.bincount(cells, weights=w[kept], minlength=k * k).reshape(k, k)

    def result(self):
        cm = self.total_cm
        tp = np.diag(cm)
        union = cm.sum(axis=0) + cm.sum(axis=1) - tp  # TP + FP + FN
        tp, union = tp[self.target_class_ids], union[self.target_class_ids]
        present = union > 1e-9  # as Keras: a class that never occurs is left out of the mean
        return float(np.sum(tp[present] / union[present]) / present.sum()) if present.any() else 0.0

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
