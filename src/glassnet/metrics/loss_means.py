"""The losses as metrics: the mean over the epoch of a loss's per-sample values (``_LossMean``), as
Keras's metrics of the losses' names (``metrics=["binary_crossentropy"]``): the cross-entropies,
the hinges, MAPE, MSLE, Poisson, KL divergence, log-cosh and the cosine similarity."""

import numpy as np

from .. import losses as _losses
from .._validation import check_bool, check_number
from .base import _align, _class_labels, _NameFirst


class _LossMean(_NameFirst):
    """The mean over the epoch of a loss's per-sample values, as Keras's metrics of the
    losses' names (``metrics=["binary_crossentropy"]``)."""

    # Keras's: a smaller result is better (EarlyStopping's mode="auto" reads it, under any name)
    _direction = "down"

    def _loss(self):
        raise NotImplementedError

    def values(self, Y, A):
        # a diverged model's NaN or infinite outputs give a NaN or infinite mean, as Keras's, without
        # the RuntimeWarnings of inf - inf or inf / inf (errors under the tests' filter)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.asarray(self._loss().per_sample(Y, A), dtype=np.float64)


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


class CategoricalCrossentropy(BinaryCrossentropy):
    """The categorical cross-entropy of :class:`glassnet.losses.CategoricalCrossentropy` (one-hot
    targets), averaged over the epoch."""

    name = "categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0, axis=-1):  # Keras's order
        _losses.CategoricalCrossentropy(axis=axis)  # refuses any other axis, by name
        super().__init__(name, dtype, from_logits, label_smoothing)

    def _loss(self):
        return _losses.CategoricalCrossentropy(self.from_logits, self.label_smoothing)


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
        self.from_logits = _losses.SparseCategoricalCrossentropy(from_logits, axis=axis).from_logits
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, labels=True, positions=True, number=True)
        if not (Y.shape == A.shape and A.shape[1] > 1):  # integer labels, not fit's one-hot rows
            Y = np.eye(A.shape[1])[_class_labels(Y[:, 0], A.shape[1]).astype(np.intp)]
        self._accumulate(self.values(Y, A), sample_weight)

    def _loss(self):  # of the one-hot rows made above
        return _losses.CategoricalCrossentropy(self.from_logits)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


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


class CosineSimilarity(_LossMean):
    """The cosine ``Σ_k u_k v_k`` of ``y`` and ``ŷ`` (each row divided by its norm, at least
    1e-7), averaged over the epoch: Keras's metric, the negative of the loss
    :class:`glassnet.losses.CosineSimilarity` (1 where they point the same way).
    ``axis`` only at its default, −1."""

    name = "cosine_similarity"
    _direction = "up"  # Keras's: the negative of the loss, larger is better

    def __init__(self, name=None, dtype=None, axis=-1):  # Keras's order
        _losses.CosineSimilarity(axis=axis)  # refuses any other axis, by name
        super().__init__(name=name, dtype=dtype)

    def _loss(self):
        return _losses.CosineSimilarity()

    def values(self, Y, A):
        return -super().values(Y, A)
