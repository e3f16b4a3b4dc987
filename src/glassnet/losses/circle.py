"""Keras's Circle loss (Sun et al., 2020), a metric-learning loss of integer labels and unit-norm
embeddings, whose samples' losses depend on the whole batch."""

import math

import numpy as np

from .._validation import _as_array, check_array, check_bool, check_number
from ..backend import astype, from_numpy, get_namespace, is_numpy, numpy_dtype, to_numpy
from .base import (REDUCTION, _BATCH_MEAN, _UNREDUCED, Loss, _check_reduces, _keras_arguments, _loss_dtype,
                   _not_an_array, _weighted_shape, _weights_like)


def _in_loss_dtype(y_pred):
    """Embeddings ``y_pred`` of float16 (a NumPy array, or the namespace's) in floatx, as Keras's ``Loss`` casts
    them (:func:`~glassnet.losses.base._loss_dtype`), for the value; else as given (:meth:`Circle._parts` checks)."""
    if isinstance(y_pred, np.ndarray) or hasattr(y_pred, "dtype") and not is_numpy():
        dtype = _loss_dtype(y_pred)
        if dtype is not None:
            return astype(y_pred, dtype)
    return y_pred


def _masked_logsumexp(V, mask):
    """``(log Σ_j∈mask e^{V_ij}, softmax over the mask)`` of each row: −inf and zeros where a row's mask is empty."""
    xp = get_namespace(V)
    V = xp.where(mask, V, -math.inf)
    m = xp.max(V, axis=-1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)
    E = xp.exp(V - m)  # (e^{−inf} = 0 outside the mask)
    total = xp.sum(E, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = (m + xp.log(total))[:, 0]
        soft = xp.where(total > 0, E / xp.where(total > 0, total, 1.0), 0.0)
    return lse, soft


class Circle(Loss):
    """Keras's Circle loss (Sun et al., 2020), a metric-learning loss of integer labels ``c`` and
    unit-norm embeddings ``ŷ`` (a linear ``Dense`` then ``UnitNormalization``): with the cosine
    distances ``D_ij = max(1 − ŷ_i·ŷ_j, 0)`` of the samples of the batch, the positives ``P`` (the
    same label; without ``j = i`` when ``remove_diagonal``) and negatives ``N`` (another label),

    ``J_i = softplus(log Σ_{j∈P} e^{−γ (m + D_ij)₊ (m − D_ij)} + log Σ_{j∈N} e^{γ (1 + m − D_ij)₊ (1 − m − D_ij)})``

    with ``γ = gamma``, ``m = margin``. Each sample's loss depends on the whole batch, so the loss
    ``fit`` logs depends on the batches. As Keras's, a sample without positives or negatives (or
    whose loss underflows) has ``J_i = 0`` and is left out of the batch means: ``"sum_over_batch_size"``
    and ``"mean"`` give ``Σ w_i J_i / n_{J>0}``, ``"mean_with_sample_weight"`` ``Σ w_i J_i / Σ_{J>0} w_i``
    (0 when nothing is left). The gradient (:meth:`gradient`) flows through both factors of each
    ``ŷ_i·ŷ_j``; that count is piecewise constant."""

    name = "circle"

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction=REDUCTION, name=None,
                 dtype=None):  # Keras's order
        _keras_arguments(self, name, reduction, dtype)
        self.gamma = check_number(gamma, "gamma", low=0, low_open=True)
        self.margin = check_number(margin, "margin")
        self.remove_diagonal = check_bool(remove_diagonal, "remove_diagonal")

    def _labels(self, y, n, name):
        labels = _as_array(y, name) if _not_an_array(y) else to_numpy(y)  # (a ragged list named; a masked array's data)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1 or labels.shape[0] != n:
            raise ValueError(f"{name} must hold one integer label per embedding, shape ({n},) or ({n}, 1), for loss "
                             f"{self.name!r}. Received shape {labels.shape}.")
        if labels.dtype.kind not in "biuf" or (labels.dtype.kind == "f" and not np.all(np.mod(labels, 1) == 0)):
            raise ValueError(f"{name} must hold integer labels for loss {self.name!r}.")
        return labels.astype(np.int64)

    def prepare_targets(self, y, n_outputs, name="y"):
        """The integer labels ``y`` (shape ``(n,)`` or ``(n, 1)``) as a column ``(n, 1)``."""
        y = _as_array(y, name)
        return self._labels(y, y.shape[0] if y.ndim else -1, name).reshape(-1, 1).astype(float)

    def _parts(self, y_true, y_pred, ref_labels=None, ref_embeddings=None):
        """``(J, dJ/dS, A, R)``: the losses, their derivatives by the similarities ``S = A Rᵀ``."""
        A = y_pred if not _not_an_array(y_pred) else check_array(
            y_pred, "y_pred", ndim=2, dtype=None if hasattr(y_pred, "shape") else float, allow_empty=True)
        if len(A.shape) != 2:
            raise ValueError(f"Loss {self.name!r}: y_pred must be embeddings of shape (n_samples, n_dims). "
                             f"Received shape {tuple(A.shape)}.")
        xp = get_namespace(A)
        R = A if ref_embeddings is None else ref_embeddings
        if _not_an_array(R):
            R = from_numpy(check_array(R, "ref_embeddings", ndim=2, dtype=numpy_dtype(A)), numpy_dtype(A))
        if len(R.shape) != 2 or R.shape[1] != A.shape[1]:
            raise ValueError(f"ref_embeddings must have shape (m, {A.shape[1]}). Received shape {tuple(R.shape)}.")
        y = self._labels(y_true, A.shape[0], "y_true")
        ref = y if ref_labels is None else self._labels(ref_labels, R.shape[0], "ref_labels")
        if A.shape[0] == 0 or R.shape[0] == 0:  # no pairs: no losses, or losses 0 as Keras's (no positives)
            J = xp.zeros((A.shape[0],), dtype=A.dtype)
            return J, xp.zeros((A.shape[0], R.shape[0]), dtype=A.dtype), A, R
        same = y[:, None] == ref[None, :]
        P = same & ~np.eye(*same.shape, dtype=bool) if self.remove_diagonal else same
        P, N = xp.asarray(P), xp.asarray(~same)
        gamma, m = self.gamma, self.margin
        S = A @ xp.matrix_transpose(R)
        D = xp.maximum(1 - S, 0.0)
        a, b = xp.maximum(m + D, 0.0), xp.maximum(1 + m - D, 0.0)  # the weights of positives and negatives
        pos, soft_pos = _masked_logsumexp(-gamma * a * (m - D), P)
        neg, soft_neg = _masked_logsumexp(gamma * b * (1 - m - D), N)
        x = pos + neg
        J = xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))  # softplus, exact for any x (0 at −inf)
        sig = xp.exp(x - J)  # σ(x) = softplus'(x), without overflow
        dpos = gamma * 2 * D * astype(m + D > 0, A.dtype)  # d/dD of −γ (m + D)(m − D)
        dneg = -gamma * 2 * (1 - D) * astype(1 + m - D > 0, A.dtype)  # d/dD of γ (1 + m − D)(1 − m − D)
        dD = sig[:, None] * (soft_pos * dpos + soft_neg * dneg)
        return J, -dD * astype(1 - S > 0, A.dtype), A, R

    def _weights(self, J, sample_weight):
        """``(c, d)``: the weights of the losses (Keras's mask ``J > 0`` folded in) and the divisor."""
        xp = get_namespace(J)
        kept = astype(J > 0, J.dtype)
        w = kept if sample_weight is None else _weights_like(sample_weight, J.shape[0], J) * kept
        if self.reduction == "sum" or self.reduction in _UNREDUCED:
            return w, 1.0
        total = float(xp.sum(kept if self.reduction in _BATCH_MEAN or sample_weight is None else w))
        return w, (total if total else math.inf)

    def per_sample(self, Y, A):
        return self._parts(Y, A)[0]

    def __call__(self, y_true, y_pred, sample_weight=None):
        J = self._parts(y_true, _in_loss_dtype(y_pred))[0]
        w, d = self._weights(J, sample_weight)
        shape = _weighted_shape(tuple(J.shape), sample_weight)  # ((n, 1) for weights (n, 1), as Keras's)
        if self.reduction in _UNREDUCED or shape == (0,):  # (an empty batch's losses, as Keras returns them)
            return get_namespace(J).reshape(J * w if sample_weight is not None else J, shape)
        return float(get_namespace(J).sum(J * w)) / d

    def gradient(self, Y, A, sample_weight=None):
        """``∂J/∂A`` of the batch loss: ``G A' + Gᵀ A`` with ``G_ij = c_i ∂J_i/∂S_ij / d`` (``S = A Aᵀ``)."""
        _check_reduces(self)
        J, dS, A, _ = self._parts(Y, A)
        w, d = self._weights(J, sample_weight)
        G = dS * (w / d)[:, None]
        return G @ A + get_namespace(A).matrix_transpose(G) @ A

    def _depends_on_batching(self):
        return True

    def get_config(self):
        return {**Loss.get_config(self), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}

    def __repr__(self):
        return (f"Circle(gamma={self.gamma:g}, margin={self.margin:g}, remove_diagonal={self.remove_diagonal}"
                f"{self._keras_repr()})")
