"""The losses as metrics: the mean over the epoch of a loss's per-sample values (``_LossMean``), as
Keras's metrics of the losses' names (``metrics=["binary_crossentropy"]``): the cross-entropies,
the hinges, MAPE, MSLE, Poisson, KL divergence, log-cosh and the cosine similarity."""

import numpy as np

from .. import losses as _losses
from .._validation import check_bool, check_number
from ..losses.base import _loss_dtype, _reduces_last
from .base import _align, _class_labels, _NameFirst, _no_nan, _numbers, _samplewise


class _LossMean(_NameFirst):
    """The mean over the epoch of a loss's per-sample values, as Keras's metrics of the
    losses' names (``metrics=["binary_crossentropy"]``)."""

    # Keras's: a smaller result is better (EarlyStopping's mode="auto" reads it, under any name)
    _direction = "down"

    def _loss(self):
        raise NotImplementedError

    def values(self, Y, A):
        dtype = _loss_dtype(A)  # float16 outputs in float32, as the losses compute them (in float16 their clip ε
        if dtype is not None:  # became 0.001: KL divergence read 2.68 where Keras's metric gives 2.90)
            Y, A = Y.astype(dtype), A.astype(dtype)
        if A.dtype.kind == "f" and Y.dtype.itemsize < A.dtype.itemsize:  # in y_pred's dtype, as Keras casts y_true
            Y = Y.astype(A.dtype)  # (and the loss, losses._pair): float16 targets made MAPE, MSLE and the cosine float16's
        # a diverged model's NaN or infinite outputs give a NaN or infinite mean, as Keras's, without
        # the RuntimeWarnings of inf - inf or inf / inf (errors under the tests' filter)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.asarray(self._loss().per_sample(Y, A), dtype=np.float64)


def _check_axis(axis):
    """``axis`` of the metrics that reduce one axis, as their loss checks it (an integer; its range is
    checked against the outputs' rank at each batch)."""
    return _losses.CategoricalCrossentropy(axis=axis).axis


class _AlongAxis(_LossMean):
    """A loss's metric that takes Keras's ``axis`` (the cosine similarity, the categorical cross-entropy):
    for the outputs' last axis (−1 by default; ``1`` for ``(n, k)``) the mean over samples of the rows'
    values; for another, Keras's ``MeanMetricWrapper``: the loss along ``axis`` (values of the outputs' shape
    without it: ``(k,)`` for ``axis=0`` of ``(n, k)``), each sample (first axis of those values) its mean,
    counted as Keras's ``Mean`` counts them (:func:`~glassnet.metrics.base._samplewise`)."""

    axis = -1
    _sign = 1.0

    def _axis_loss(self):
        """The loss along :attr:`axis`, unreduced."""
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.axis == -1 or _reduces_last(self._axis_loss(), np.ndim(y_pred)):
            return super().update_state(y_true, y_pred, sample_weight)
        Y, A = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
        _no_nan(Y)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # (as values())
            values = self._sign * np.asarray(self._axis_loss()(Y, A), dtype=np.float64)
        v, w = _samplewise(values, sample_weight, np.mean)
        self.total += float(np.sum(v))
        self.count += float(np.sum(w)) if w is not None else (v.shape[0] if v.ndim else 1)

    def get_config(self):
        config = super().get_config()
        return {**config, "axis": self.axis} if self.axis != -1 else config


class MeanAbsolutePercentageError(_LossMean):
    """Keras's ``100 · mean |y − ŷ| / max(|y|, 1e-7)`` (:class:`glassnet.losses.MeanAbsolutePercentageError`)."""

    name = "mean_absolute_percentage_error"

    def _loss(self):
        return _losses.MeanAbsolutePercentageError()


class MeanSquaredLogarithmicError(_LossMean):
    """Keras's ``mean (log(1 + ŷ) − log(1 + y))²`` (:class:`glassnet.losses.MeanSquaredLogarithmicError`)."""

    name = "mean_squared_logarithmic_error"

    def _loss(self):
        return _losses.MeanSquaredLogarithmicError()


class Hinge(_LossMean):
    """Keras's hinge ``mean_k max(0, 1 − y ŷ)`` averaged over the epoch, 0/1 labels read as
    −1/+1 in each batch, as Keras (:class:`glassnet.losses.Hinge`)."""

    name = "hinge"

    def _loss(self):
        return _losses.Hinge()

    def values(self, Y, A):
        return super().values(_losses.Hinge._signed(Y, A), A)


class BinaryCrossentropy(_LossMean):
    """The binary cross-entropy of :class:`glassnet.losses.BinaryCrossentropy`, averaged over the epoch."""

    name = "binary_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0):  # Keras's order
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = check_number(label_smoothing, "label_smoothing", low=0, high=1)
        super().__init__(name=name, dtype=dtype)

    def _loss(self):
        return _losses.BinaryCrossentropy(self.from_logits, self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(_AlongAxis, BinaryCrossentropy):
    """The categorical cross-entropy of :class:`glassnet.losses.CategoricalCrossentropy` (one-hot
    targets), averaged over the epoch; ``axis`` the classes' (Keras's; :class:`_AlongAxis`)."""

    name = "categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0, axis=-1):  # Keras's order
        self.axis = _check_axis(axis)
        super().__init__(name, dtype, from_logits, label_smoothing)

    def _loss(self):
        return _losses.CategoricalCrossentropy(self.from_logits, self.label_smoothing)

    def _axis_loss(self):
        return _losses.CategoricalCrossentropy(self.from_logits, self.label_smoothing, self.axis, reduction=None)


class SparseCategoricalCrossentropy(_LossMean):
    """The categorical cross-entropy of integer labels ``y_true`` (shape ``(n,)`` or ``(n, 1)``),
    averaged over the epoch; inside ``fit``, where the loss has one-hot encoded the labels, of
    the one-hot targets."""

    name = "sparse_categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, ignore_class=None, axis=-1):  # Keras's order
        if ignore_class is not None:  # the loss takes it; this metric would count those samples all the same
            raise ValueError("The SparseCategoricalCrossentropy metric counts every sample in glassnet: ignore_class "
                             "must be None (to leave samples out, give them sample_weight 0 and list the metric in "
                             f"weighted_metrics). Received: ignore_class={ignore_class!r}")
        loss = _losses.SparseCategoricalCrossentropy(from_logits, axis=axis)
        self.from_logits, self.axis = loss.from_logits, loss.axis
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        # (the default axis, at every batch of fit: no loss object made to check it)
        if self.axis != -1 and not _reduces_last(_losses.SparseCategoricalCrossentropy(axis=self.axis), np.ndim(y_pred)):
            raise ValueError(f"SparseCategoricalCrossentropy reads the classes along the last axis of y_pred (its "
                             f"integer labels index it): axis must be -1 or {np.ndim(y_pred) - 1} for y_pred of shape "
                             f"{np.shape(y_pred)}. Received: axis={self.axis}.")
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, labels=True, positions=True, number=True)
        if not (Y.shape == A.shape and A.shape[1] > 1):  # integer labels, not fit's one-hot rows
            Y = np.eye(A.shape[1])[_class_labels(Y[:, 0], A.shape[1]).astype(np.intp)]
        self._accumulate(self.values(Y, A), sample_weight)

    def _loss(self):  # of the one-hot rows made above
        return _losses.CategoricalCrossentropy(self.from_logits)

    def get_config(self):
        config = {**super().get_config(), "from_logits": self.from_logits}
        return {**config, "axis": self.axis} if self.axis != -1 else config


class Poisson(_LossMean):
    """Keras's ``mean_k (ŷ − y log(ŷ + 1e-7))`` averaged over the epoch (:class:`glassnet.losses.Poisson`)."""

    name = "poisson"

    def _loss(self):
        return _losses.Poisson()


class KLDivergence(_LossMean):
    """Keras's ``Σ_k y log(y / ŷ)`` (both clipped to ``[1e-7, 1]``) averaged over the epoch
    (:class:`glassnet.losses.KLDivergence`)."""

    name = "kl_divergence"

    def _loss(self):
        return _losses.KLDivergence()


class LogCoshError(_LossMean):
    """Keras's ``mean_k log cosh(ŷ − y)`` averaged over the epoch (:class:`glassnet.losses.LogCosh`);
    its name is Keras's ``logcosh``."""

    name = "logcosh"

    def _loss(self):
        return _losses.LogCosh()


class SquaredHinge(Hinge):
    """Keras's ``mean_k max(0, 1 − y ŷ)²`` averaged over the epoch, 0/1 labels read as −1/+1 in
    each batch (:class:`glassnet.losses.SquaredHinge`)."""

    name = "squared_hinge"

    def _loss(self):
        return _losses.SquaredHinge()


class CategoricalHinge(_LossMean):
    """Keras's ``max(0, 1 + max_k (1 − y_k) ŷ_k − Σ_k y_k ŷ_k)`` averaged over the epoch
    (:class:`glassnet.losses.CategoricalHinge`)."""

    name = "categorical_hinge"

    def _loss(self):
        return _losses.CategoricalHinge()


class CosineSimilarity(_AlongAxis):
    """The cosine ``Σ_k u_k v_k`` of ``y`` and ``ŷ`` (each row divided by its norm, at least
    1e-7), averaged over the epoch: Keras's metric, the negative of the loss
    :class:`glassnet.losses.CosineSimilarity` (1 where they point the same way). ``axis``
    (Keras's) the axis the cosine is taken along: any of the outputs' rank (:class:`_AlongAxis`;
    ``axis=0`` of ``(n, k)`` outputs: the mean of the ``k`` columns' cosines)."""

    name = "cosine_similarity"
    _direction = "up"  # Keras's: the negative of the loss, larger is better
    _sign = -1.0

    def __init__(self, name=None, dtype=None, axis=-1):  # Keras's order
        self.axis = _check_axis(axis)
        super().__init__(name=name, dtype=dtype)

    def _loss(self):
        return _losses.CosineSimilarity()

    def _axis_loss(self):
        return _losses.CosineSimilarity(self.axis, reduction=None)

    def values(self, Y, A):
        return -super().values(Y, A)
