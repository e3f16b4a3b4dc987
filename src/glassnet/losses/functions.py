"""Keras's loss functions ``fn(y_true, y_pred)`` of per-sample losses (``losses.mean_squared_error``,
``losses.categorical_crossentropy``, ...; the short names ``mse``, ``mae``, ``mape``, ``msle``), and
:class:`FunctionLoss`, a user's function with its gradient trained as a loss."""

import types

import numpy as np

from ..backend import astype, numpy_dtype
from .base import Loss
from .circle import Circle, _in_loss_dtype
from .focal import BinaryFocalCrossentropy, CategoricalFocalCrossentropy
from .hinge import CategoricalHinge, Hinge, SquaredHinge
from .overlap import Dice, Tversky
from .probabilistic import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalGeneralizedCrossEntropy,
                            KLDivergence, Poisson, SparseCategoricalCrossentropy)
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError)


def _per_sample(loss, y_true, y_pred):
    """``loss(y_true, y_pred)``, the per-sample losses (``reduction=None``), in the dtype Keras's function
    returns: ``y_pred``'s (:func:`_rounded`)."""
    return _rounded(loss(y_true, y_pred), y_pred)


def _rounded(values, y_pred):
    """The losses ``values`` of float16 outputs ``y_pred`` (computed in floatx, as the loss classes compute
    them: Keras's ``Loss`` casts to its dtype) rounded to float16 once, as Keras's functions return them (they
    compute in ``y_pred``'s float16, where the clip bound 1 − 1e-7 is 1); others as they are."""
    if str(getattr(y_pred, "dtype", "")).rpartition(".")[2] == "float16" and numpy_dtype(values) != np.float16:
        with np.errstate(over="ignore"):  # a loss past float16's 65504 is inf, as Keras's, without NumPy's warning
            return astype(values, "float16")
    return values


# Keras's functions fn(y_true, y_pred) -> the per-sample losses (the loss with reduction=None: one
# value per sample, in the batch's shape; a vector gives one number). Called, they compute; given to
# compile (loss=losses.categorical_crossentropy), they stand for the loss of their name, which
# carries the gradient training needs.
def mean_squared_error(y_true, y_pred):
    """``mean_k (y − ŷ)²`` per sample, as ``keras.losses.mean_squared_error``."""
    return _per_sample(MeanSquaredError(reduction=None), y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """``mean_k |y − ŷ|`` per sample, as ``keras.losses.mean_absolute_error``."""
    return _per_sample(MeanAbsoluteError(reduction=None), y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 · mean_k |y − ŷ| / max(|y|, 1e-7)`` per sample, as Keras's."""
    return _per_sample(MeanAbsolutePercentageError(reduction=None), y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean_k (log(1 + ŷ) − log(1 + y))²`` per sample (both clipped at 1e-7 first), as Keras's."""
    return _per_sample(MeanSquaredLogarithmicError(reduction=None), y_true, y_pred)


def huber(y_true, y_pred, delta=1.0):
    """The Huber loss per sample, as ``keras.losses.huber``: ``½e²`` for ``|e| <= delta``, else
    ``delta (|e| − ½ delta)``, with ``e = ŷ − y``, averaged over the outputs."""
    return _per_sample(Huber(delta, reduction=None), y_true, y_pred)


def poisson(y_true, y_pred):
    """``mean_k (ŷ − y log(ŷ + 1e-7))`` per sample, as ``keras.losses.poisson``."""
    return _per_sample(Poisson(reduction=None), y_true, y_pred)


def hinge(y_true, y_pred):
    """``mean_k max(0, 1 − y ŷ)`` per sample, 0/1 labels read as −1/+1, as ``keras.losses.hinge``."""
    return _per_sample(Hinge(reduction=None), y_true, y_pred)


def log_cosh(y_true, y_pred):
    """``mean_k log cosh(ŷ − y)`` per sample, as ``keras.losses.log_cosh``."""
    return _per_sample(LogCosh(reduction=None), y_true, y_pred)


def kl_divergence(y_true, y_pred):
    """``Σ_k y log(y / ŷ)`` per sample (both clipped to ``[1e-7, 1]``), as ``keras.losses.kl_divergence``."""
    return _per_sample(KLDivergence(reduction=None), y_true, y_pred)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``−Σ_k u_k v_k`` per sample of the rows divided by their norms, as ``keras.losses.cosine_similarity``."""
    return _per_sample(CosineSimilarity(axis, reduction=None), y_true, y_pred)


def squared_hinge(y_true, y_pred):
    """``mean_k max(0, 1 − y ŷ)²`` per sample, 0/1 labels read as −1/+1, as ``keras.losses.squared_hinge``."""
    return _per_sample(SquaredHinge(reduction=None), y_true, y_pred)


def categorical_hinge(y_true, y_pred):
    """``max(0, 1 + max_k (1 − y_k) ŷ_k − Σ_k y_k ŷ_k)`` per sample, as ``keras.losses.categorical_hinge``."""
    return _per_sample(CategoricalHinge(reduction=None), y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """The binary cross-entropy per sample (the mean over ``axis``), as Keras's; ``from_logits`` and
    ``label_smoothing`` as :class:`BinaryCrossentropy`'s."""
    return _per_sample(BinaryCrossentropy(from_logits, label_smoothing, axis, reduction=None), y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``−Σ_k y_k log ŷ_k`` per sample (one-hot ``y_true``), as Keras's; ``from_logits``,
    ``label_smoothing`` and ``axis`` (the classes) as :class:`CategoricalCrossentropy`'s."""
    return _per_sample(CategoricalCrossentropy(from_logits, label_smoothing, axis, reduction=None), y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """``−log ŷ_c`` per sample for integer labels ``c`` (shape ``(n,)`` or ``(n, 1)``), as Keras's;
    ``from_logits``, ``ignore_class`` and ``axis`` as :class:`SparseCategoricalCrossentropy`'s."""
    return _per_sample(SparseCategoricalCrossentropy(from_logits, ignore_class, reduction=None, axis=axis), y_true,
                       y_pred)


def dice(y_true, y_pred, axis=None):
    """``1 − 2 Σ y ŷ / (Σ y + Σ ŷ + 1e-7)``, the sums over ``axis`` (None: every axis, one number), as
    ``keras.losses.dice``."""
    return _per_sample(Dice(reduction=None, axis=axis), y_true, y_pred)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 − I / (I + α Σ y (1 − ŷ) + β Σ ŷ (1 − y) + 1e-7)``, ``I = Σ y ŷ``, α = ``alpha``, β = ``beta``,
    the sums over ``axis`` (None: every axis, one number), as ``keras.losses.tversky``."""
    return _per_sample(Tversky(alpha, beta, reduction=None, axis=axis), y_true, y_pred)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0.0, axis=-1):
    """The binary focal cross-entropy per sample (the mean over ``axis``), as Keras's; ``apply_class_balancing``,
    ``alpha``, ``gamma``, ``from_logits`` and ``label_smoothing`` as :class:`BinaryFocalCrossentropy`'s."""
    return _per_sample(BinaryFocalCrossentropy(apply_class_balancing, alpha, gamma, from_logits, label_smoothing, axis,
                                               reduction=None), y_true, y_pred)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """``−Σ_k α_k (1 − ŷ_k)^γ y_k log ŷ_k`` per sample (one-hot ``y_true``), as Keras's; α = ``alpha``,
    γ = ``gamma``, ``from_logits``, ``label_smoothing`` and ``axis`` as :class:`CategoricalFocalCrossentropy`'s."""
    return _per_sample(CategoricalFocalCrossentropy(alpha, gamma, from_logits, label_smoothing, axis, reduction=None),
                       y_true, y_pred)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 − ŷ_c^q) / q`` per sample for integer labels ``c`` (shape ``(n,)`` or ``(n, 1)``), as Keras's."""
    return _per_sample(CategoricalGeneralizedCrossEntropy(q, reduction=None), y_true, y_pred)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """The Circle loss of each embedding against the reference ones (by default the batch itself), as
    ``keras.losses.circle``: ``(n,)`` losses of integer labels ``y_true`` and unit-norm embeddings ``y_pred``.
    ``ref_labels`` and ``ref_embeddings``: the references' labels and embeddings (each None: the batch's
    own); ``remove_diagonal``, ``gamma`` and ``margin`` as :class:`Circle`'s."""
    loss = Circle(gamma, margin, remove_diagonal, reduction=None)
    return _rounded(loss._parts(y_true, _in_loss_dtype(y_pred), ref_labels, ref_embeddings)[0], y_pred)


# tf.keras's short names (Keras 3 keeps them as strings: loss="mse")
mse, mae, mape, msle = mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, \
    mean_squared_logarithmic_error


class FunctionLoss(Loss):
    """A user's function ``fn(y_true, y_pred)`` of per-sample losses ``J_i`` (shape ``(n,)``), as Keras's
    ``compile(loss=fn)``, trained through its ``per_sample_gradient(y_true, y_pred)`` attribute
    (``∂J_i/∂A``, A's shape), as an activation function trains through its ``derivative``. A model
    file holds it by its registered name."""

    def __init__(self, function):
        if not (isinstance(function, types.FunctionType) and callable(getattr(function, "per_sample_gradient", None))):
            raise TypeError(f"function must be a function fn(y_true, y_pred) with a per_sample_gradient attribute. "
                            f"Received: {function!r:.100}")
        super().__init__(name=function.__name__)
        self.function = function

    def per_sample(self, Y, A):
        return self.function(Y, A)

    def per_sample_gradient(self, Y, A):
        return self.function.per_sample_gradient(Y, A)
