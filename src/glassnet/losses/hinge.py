"""The hinge and margin losses: of labels in {−1, 1} through the margin ``y ŷ`` (hinge, squared hinge,
the perceptron criterion, the logistic loss; 0/1 labels read as −1/+1, as Keras's hinge), and of
categorical targets (Keras's categorical hinge, the multiclass hinge, seed 004's MaxMargin), with
the negative log-likelihood of log-probabilities, which shares the latter's targets."""

import math

import numpy as np

from .._validation import check_array, check_number, on_host
from ..activations import LogSoftmax, Sigmoid
from ..backend import astype, floatx, get_namespace, is_numpy
from .base import REDUCTION, Loss, _like_outputs, _mean_last, _not_an_array
from .probabilistic import CategoricalCrossentropy


def _to_bipolar(y, loss_name, name):
    """Labels in {-1, 1}; 0/1 labels are mapped 0 -> -1 as Keras's hinge does."""
    values = np.unique(y)
    if y.dtype.kind in "iub":  # a float array, as the other losses' targets (2.0·y − 1.0 of ints was float64)
        y = y.astype(floatx())
    if np.all(np.isin(values, (0, 1))):
        return 2.0 * y - 1.0
    if np.all(np.isin(values, (-1, 1))):
        return y
    raise ValueError(
        f"{name} must hold labels in {{-1, 1}} (or {{0, 1}}) for loss {loss_name!r}. "
        f"Received values {values[:5].tolist()}."
    )


class _SignedLabelLoss(Loss):
    """Losses on labels in {−1, 1}: 0/1 labels are read as −1/+1, as Keras's hinge does
    (in fit once, in :meth:`prepare_targets`; called directly or as a metric, at each call)."""

    def prepare_targets(self, y, n_outputs, name="y"):
        return _to_bipolar(super().prepare_targets(y, n_outputs, name), self.name, name)

    @staticmethod
    def _signed(Y, A, like_outputs=False):
        """``Y`` with 0/1 labels as −1/+1; ``like_outputs``: NumPy integer or bool labels in the float dtype of
        ``A`` first, as :func:`_pair` casts them for every other loss (2.0·Y − 1.0 of ints was float64, which
        _pair kept: float64 losses of float32 outputs). The metrics (``metrics.Hinge``) leave it off: they count
        int labels in float64, as they count the other losses' (the hinge metric's values stay as they were)."""
        if not isinstance(A, np.ndarray) and hasattr(A, "shape") and not is_numpy():
            Y = _like_outputs(Y, A)  # in the outputs' namespace and dtype: 2·Y − 1 of int or bool labels
        elif _not_an_array(Y):  # a list of 0/1 labels (left as it was, it was read as labels 0 and 1), a masked
            # array (its data: masked arithmetic kept a masked 0), a DataFrame; a list in floatx, as Keras's
            Y = check_array(Y, "y_true", ndim=None, dtype=None if hasattr(Y, "shape") else floatx(), allow_empty=True,
                            finite=False)
        elif is_numpy():
            Y = on_host(Y)  # a torch tensor: with NumPy, as _pair reads it
        if like_outputs and isinstance(Y, np.ndarray) and Y.dtype.kind in "iub":
            dtype = getattr(A if isinstance(A, np.ndarray) else on_host(A, "y_pred"), "dtype", None)
            if isinstance(dtype, np.dtype) and dtype.kind == "f":
                Y = Y.astype(dtype)
        # any namespace's array: a torch or array-api-strict one kept its 0s (hinge 0.79 for Keras's 1.11)
        xp = get_namespace(Y)
        if math.prod(Y.shape) and bool(xp.all((Y == 0) | (Y == 1))):
            return 2.0 * Y - 1.0
        return Y

    def __call__(self, y_true, y_pred, sample_weight=None):
        return super().__call__(self._signed(y_true, y_pred, like_outputs=True), y_pred, sample_weight)

    def gradient(self, Y, A, sample_weight=None):
        return super().gradient(self._signed(Y, A, like_outputs=True), A, sample_weight)


class Hinge(_SignedLabelLoss):
    """Margin hinge ``J = mean_k max(0, m - y ŷ)`` with ``y ∈ {-1, 1}`` (seed 004's
    ``max(0, m − cx)``; Keras's hinge is ``margin=1``); ``∂J/∂ŷ = -y·1{y ŷ < m} / K``."""

    name = "hinge"

    def __init__(self, reduction=REDUCTION, name=None, dtype=None, *, margin=1.0):  # Keras's, then the margin
        super().__init__(name, reduction, dtype)
        self.margin = check_number(margin, "margin", low=0)

    def per_sample(self, Y, A):
        return _mean_last(get_namespace(A).maximum(self.margin - Y * A, 0))

    def per_sample_gradient(self, Y, A):
        return -Y * astype(self.margin - Y * A > 0, A.dtype) / A.shape[-1]

    def get_config(self):
        # the margin only where it is not Keras's 1: Keras's Hinge takes no margin argument, and its
        # from_config (and keras.losses.deserialize) refused glassnet's config of a default Hinge()
        config = super().get_config()
        return config if self.margin == 1.0 else {**config, "margin": self.margin}

    def __repr__(self):
        return f"Hinge(margin={self.margin:g}{self._keras_repr()})"


class SquaredHinge(_SignedLabelLoss):
    """Keras's squared hinge ``J = mean_k max(0, 1 − y ŷ)²`` with ``y ∈ {−1, 1}`` (0/1 labels
    read as −1/+1, as Keras); ``∂J/∂ŷ = −2 y max(0, 1 − y ŷ) / K``."""

    name = "squared_hinge"

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        M = get_namespace(A).maximum(1.0 - Y * A, 0)
        return _mean_last(M * M)

    def per_sample_gradient(self, Y, A):
        return -2.0 * Y * get_namespace(A).maximum(1.0 - Y * A, 0) / A.shape[-1]


class PerceptronLoss(_SignedLabelLoss):
    """The perceptron criterion ``J = mean_k max(0, -y ŷ)``.

    Its (sub)gradient is ``-y / K`` where ``y ŷ ≤ 0``, else 0: at ``y ŷ = 0``
    (zero weights, say) the point counts as a mistake, as in the perceptron
    algorithm of seed 003 (``y_i⟨w, x_i⟩ ≤ 0``), so gradient descent from
    ``w = 0`` makes the rule's first update ``w + η y x`` instead of standing still."""

    name = "perceptron"

    def per_sample(self, Y, A):
        return _mean_last(get_namespace(A).maximum(-Y * A, 0))

    def per_sample_gradient(self, Y, A):
        return -Y * astype(-Y * A >= 0, A.dtype) / A.shape[-1]


class LogLoss(_SignedLabelLoss):
    """Logistic loss ``J = mean_k log(1 + e^{-y ŷ})``; ``∂J/∂ŷ = -y σ(-y ŷ) / K``."""

    name = "log_loss"

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        return _mean_last(xp.logaddexp(xp.zeros_like(A), -Y * A))

    def per_sample_gradient(self, Y, A):
        return -Y * Sigmoid().forward(-Y * A) / A.shape[-1]


class _CategoricalTargets(CategoricalCrossentropy):
    """Losses on categorical targets: categorical cross-entropy's checks of the
    targets (one distribution per row), none of its options."""

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):
        Loss.__init__(self, name, reduction, dtype)

    def get_config(self):
        return Loss.get_config(self)

    def __repr__(self):
        return Loss.__repr__(self)


class NegativeLogLikelihood(_CategoricalTargets):
    """NLL on log-probabilities (a ``log_softmax`` output): ``J = -Σ_k y_k ŷ_k``."""

    name = "nll"

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        # only the target's log-probability counts: an impossible class's −inf, times its 0, made the loss NaN
        with np.errstate(invalid="ignore"):
            return -xp.sum(xp.where(Y != 0, Y * A, xp.zeros_like(A)), axis=-1)

    def per_sample_gradient(self, Y, A):
        return -Y

    def fused_delta(self, activation, Y, A, sample_weight=None):
        if type(activation) is not LogSoftmax:
            return None
        dZ = get_namespace(A).exp(A) - Y
        dZ /= self._divisor(A.shape[0], sample_weight)
        if sample_weight is not None:
            dZ *= sample_weight[:, None]
        return dZ


class MulticlassHinge(_CategoricalTargets):
    """Multiclass hinge summed over the wrong classes (Weston–Watkins SVM):
    ``J = Σ_{j≠c} max(0, 1 + ŷ_j - ŷ_c)``. Seed 004's MaxMargin, which counts only
    the strongest wrong class, is :class:`MaxMargin`; the two agree when at most
    one wrong class is within the margin."""

    name = "multiclass_hinge"

    def _margins(self, Y, A):
        xp = get_namespace(A)
        correct = xp.sum(Y * A, axis=-1, keepdims=True)
        return xp.maximum(1 + A - correct, 0) * (1 - Y)

    def per_sample(self, Y, A):
        return get_namespace(A).sum(self._margins(Y, A), axis=-1)

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        active = astype(self._margins(Y, A) > 0, A.dtype)
        return active - Y * xp.sum(active, axis=-1, keepdims=True)

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None


class MaxMargin(CategoricalCrossentropy):
    """Seed 004's MaxMargin ``J = [max_{k≠c} (ŷ_k + m) − ŷ_c]_+`` (one-hot ``y``
    marks the class c) with gradient ``∂J/∂ŷ_s = (δ_{s k*} − δ_{s c}) 1{J > 0}``,
    ``k*`` the strongest wrong class (the first of equal ones)."""

    name = "max_margin"

    def __init__(self, margin=1.0, reduction=REDUCTION, name=None, dtype=None):
        Loss.__init__(self, name, reduction, dtype)
        self.margin = check_number(margin, "margin", low=0)

    def prepare_targets(self, y, n_outputs, name="y"):
        Y = super().prepare_targets(y, n_outputs, name)
        if n_outputs < 2:
            raise ValueError(f"Loss {self.name!r} needs at least 2 output units (classes). Received {n_outputs}.")
        if Y.size and not np.all((Y == 0) | (Y == 1)):
            raise ValueError(f"{name} must be one-hot rows for loss {self.name!r} (exactly one 1 per row).")
        return Y

    def _parts(self, Y, A):
        """``(J per row, one-hot of k*)``."""
        xp = get_namespace(A)
        correct = xp.sum(Y * A, axis=-1)
        wrong = xp.where(Y > 0, -xp.inf, A)
        k_star = xp.argmax(wrong, axis=-1)
        strongest = xp.max(wrong, axis=-1)
        J = xp.maximum(strongest + self.margin - correct, 0)
        onehot = astype(xp.arange(A.shape[-1])[None, :] == k_star[:, None], A.dtype)
        return J, onehot

    def per_sample(self, Y, A):
        return self._parts(Y, A)[0]

    def per_sample_gradient(self, Y, A):
        J, onehot = self._parts(Y, A)
        return (onehot - Y) * astype(J > 0, A.dtype)[:, None]

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None

    def get_config(self):
        return {**Loss.get_config(self), "margin": self.margin}

    def __repr__(self):
        return f"MaxMargin(margin={self.margin:g}{self._keras_repr()})"


class CategoricalHinge(Loss):
    """Keras's categorical hinge ``J = max(0, 1 + max_k (1 − y_k) ŷ_k − Σ_k y_k ŷ_k)`` (one-hot
    ``y``: the strongest wrong output against the right one, where a wrong output below 0
    counts as 0); ``∂J/∂ŷ = (g − y) 1{J > 0}``, ``g`` the ``(1 − y)``-weighted indicator of
    the maximum (shared equally by equal ones, as Keras's gradient shares it)."""

    name = "categorical_hinge"

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def _parts(self, Y, A):
        """``(J per row, ∂ max_k (1 − y_k) ŷ_k / ∂ŷ)``."""
        xp = get_namespace(A)
        wrong = (1.0 - Y) * A
        strongest = xp.max(wrong, axis=-1, keepdims=True)
        at_max = astype(wrong == strongest, A.dtype)
        J = xp.maximum(strongest[..., 0] - xp.sum(Y * A, axis=-1) + 1.0, 0)
        return J, (1.0 - Y) * at_max / xp.sum(at_max, axis=-1, keepdims=True)

    def per_sample(self, Y, A):
        return self._parts(Y, A)[0]

    def per_sample_gradient(self, Y, A):
        J, G = self._parts(Y, A)
        return (G - Y) * astype(J > 0, A.dtype)[:, None]
