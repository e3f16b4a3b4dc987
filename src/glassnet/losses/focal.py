"""The focal cross-entropies (Lin et al., 2017), as Keras's: binary and categorical cross-entropy
whose terms are scaled down by the focal factor ``(1 − p_t)^γ`` where the output is already right,
with class weights ``α``."""

import numpy as np

from .._validation import check_bool, check_number
from ..activations import Sigmoid, Softmax
from ..backend import astype, from_numpy, get_namespace, numpy_dtype
from .base import REDUCTION, _clip_epsilon, _inside_clip, _mean_last, _normalized
from .probabilistic import BinaryCrossentropy, CategoricalCrossentropy


def _focal_factor(M, gamma):
    """``(M^γ, dM^γ/dM)`` of ``M = 1 − p_t`` (clipped at 0 against rounding): Lin et al.'s focal factor.
    Where ``M = 0`` its derivative is 0 for ``γ = 0`` and taken as 0 for ``γ < 1`` (where it is infinite)."""
    xp = get_namespace(M)
    M = xp.maximum(M, 0)
    if not gamma:
        return xp.ones_like(M), 0.0
    if gamma >= 1:
        return M ** gamma, gamma * M ** (gamma - 1)
    inside = M > 0
    return M ** gamma, gamma * xp.where(inside, M, 1.0) ** (gamma - 1) * astype(inside, M.dtype)


class BinaryFocalCrossentropy(BinaryCrossentropy):
    """Keras's binary focal cross-entropy (Lin et al., 2017): each output's binary cross-entropy
    ``b`` times the focal factor ``(1 − p_t)^γ``, with ``p_t = y ŷ + (1 − y)(1 − ŷ)`` the
    probability given to the target, so that outputs already right count less:
    ``J = mean_k w (1 − p_t)^γ b``. With ``apply_class_balancing``, ``w = α`` for the 1s and
    ``1 − α`` for the 0s (``w = α y + (1 − α)(1 − y)``), else 1. ``γ = 0`` without balancing is
    :class:`BinaryCrossentropy`.

    As Keras's: ``b`` clips ŷ to ``[ε, 1 − ε]`` (``p_t`` does not); ``from_logits=True`` takes
    ``ŷ = σ(z)`` first and clips it as well (so a logit beyond about ±16 passes only the focal
    factor's gradient); ``label_smoothing`` s: ``y → y (1 − s) + s/2``, in ``p_t`` and ``w`` too.
    ``∂J/∂ŷ = w [γ (1 − p_t)^{γ−1} (1 − 2y) b + (1 − p_t)^γ ∂b/∂ŷ] / K`` (times ``σ'(z)`` for logits).
    α = ``alpha``, γ = ``gamma``; ``axis`` and ``reduction`` as :class:`BinaryCrossentropy`'s."""

    name = "binary_focal_crossentropy"

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
        self.alpha = check_number(alpha, "alpha", low=0, high=1)
        self.gamma = check_number(gamma, "gamma", low=0)

    def _parts(self, Y, A):
        """``(ŷ, w, F, dF/dŷ, b, db/dŷ)`` per output: the probabilities (``σ(z)`` for logits), the
        class weight, the focal factor, the cross-entropy, and the derivatives."""
        xp = get_namespace(A)
        Y = self._smooth(Y, 0.5)
        P = Sigmoid().forward(A) if self.from_logits else A
        eps = _clip_epsilon(self.epsilon, P)
        C = xp.clip(P, eps, 1 - eps)
        b = -(Y * xp.log(C) + (1 - Y) * xp.log(1 - C))
        db = _inside_clip((C - Y) / (C * (1 - C)), P, eps)
        F, dF = _focal_factor(1 - (Y * P + (1 - Y) * (1 - P)), self.gamma)  # d(1 − p_t)/dŷ = 1 − 2y
        w = Y * self.alpha + (1 - Y) * (1 - self.alpha) if self.apply_class_balancing else 1.0
        return P, w, F, dF * (1 - 2 * Y), b, db

    def per_sample(self, Y, A):
        _, w, F, _, b, _ = self._parts(Y, A)
        return _mean_last(w * F * b)

    def per_sample_gradient(self, Y, A):
        P, w, F, dF, b, db = self._parts(Y, A)
        dA = w * (dF * b + F * db) / A.shape[-1]
        return dA * (P * (1 - P)) if self.from_logits else dA

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None  # (binary cross-entropy's σ(z) − y is not this loss's)

    def get_config(self):
        return {**super().get_config(), "apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma}

    def __repr__(self):
        return (f"BinaryFocalCrossentropy(apply_class_balancing={self.apply_class_balancing}, alpha={self.alpha:g}, "
                f"gamma={self.gamma:g}, from_logits={self.from_logits}, "
                f"label_smoothing={self.label_smoothing:g}{self._keras_repr()})")


def _class_weights(alpha):
    """Categorical focal cross-entropy's ``alpha``: a number in ``[0, 1]``, or one weight ``>= 0``
    per class (a list: Keras suggests inverse class frequencies, which exceed 1)."""
    if isinstance(alpha, (list, tuple, np.ndarray)):
        weights = [check_number(a, f"alpha[{i}]", low=0) for i, a in enumerate(np.ravel(np.asarray(alpha, object)))]
        if not weights:
            raise ValueError("alpha must be a number in [0, 1] or a non-empty list of class weights. Received: alpha=[]")
        return weights
    return check_number(alpha, "alpha", low=0, high=1)


class CategoricalFocalCrossentropy(CategoricalCrossentropy):
    """Keras's categorical focal cross-entropy (Lin et al., 2017):
    ``J = −Σ_k α_k (1 − ŷ_k)^γ y_k log ŷ_k``, categorical cross-entropy whose terms are scaled
    down where the output is already near 1. ``alpha``: one number for every class, or a list
    of one weight per class. ``γ = 0`` and ``α = 1`` is :class:`CategoricalCrossentropy`.

    As Keras's: each output row is divided by its sum and clipped to ``[ε, 1 − ε]`` (both
    factors read the clipped ŷ); ``from_logits=True`` takes the softmax first;
    ``label_smoothing`` s: ``y → y (1 − s) + s/K``. With ``g_k = ∂J/∂ŷ_k =
    α_k y_k [γ (1 − ŷ_k)^{γ−1} log ŷ_k − (1 − ŷ_k)^γ / ŷ_k]`` (0 outside the clip), the
    gradient passes through the division by the sum (and the softmax), as categorical
    cross-entropy's. γ = ``gamma``; ``axis`` and ``reduction`` as :class:`CategoricalCrossentropy`'s."""

    name = "categorical_focal_crossentropy"

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.alpha = _class_weights(alpha)
        self.gamma = check_number(gamma, "gamma", low=0)

    def _parts(self, Y, A):
        """``(y, a, P, S, ŷ, α, ε)``: smoothed targets, the outputs (softmax of logits), the rows
        divided by their sums ``S``, clipped to ``ŷ``, and the class weights."""
        xp = get_namespace(A)
        Y = self._smooth(Y, 1 / A.shape[-1])
        if self.from_logits:
            A = Softmax().forward(A)
        alpha = self.alpha
        if isinstance(alpha, list):
            if len(alpha) != A.shape[-1]:
                raise ValueError(f"Loss {self.name!r}: alpha holds {len(alpha)} class weights, but the outputs have "
                                 f"{A.shape[-1]} classes. Give one weight per class, or one number.")
            alpha = from_numpy(np.asarray(alpha), numpy_dtype(A))
        eps = _clip_epsilon(self.epsilon, A)
        P, S = _normalized(A, eps)
        return Y, A, P, S, xp.clip(P, eps, 1 - eps), alpha, eps

    def per_sample(self, Y, A):
        Y, _, _, _, O, alpha, _ = self._parts(Y, A)
        xp = get_namespace(O)
        return -xp.sum(alpha * _focal_factor(1 - O, self.gamma)[0] * Y * xp.log(O), axis=-1)

    def per_sample_gradient(self, Y, A):
        Y, A, P, S, O, alpha, eps = self._parts(Y, A)
        xp = get_namespace(O)
        F, dF = _focal_factor(1 - O, self.gamma)  # d(1 − ŷ)^γ/dŷ = −dF
        G = _inside_clip(alpha * Y * (dF * xp.log(O) - F / O), P, eps)
        dA = (G - xp.sum(G * P, axis=-1, keepdims=True)) / S  # through a / S, as categorical cross-entropy's
        if self.from_logits:  # through the softmax a: a ⊙ (g − Σ g a)
            dA = A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))
        return dA

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None  # (softmax + cross-entropy's a − y is not this loss's)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma}

    def __repr__(self):
        alpha = self.alpha if isinstance(self.alpha, list) else f"{self.alpha:g}"
        return (f"CategoricalFocalCrossentropy(alpha={alpha}, gamma={self.gamma:g}, from_logits={self.from_logits}, "
                f"label_smoothing={self.label_smoothing:g}{self._keras_repr()})")
