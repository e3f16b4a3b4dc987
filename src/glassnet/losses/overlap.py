"""Keras's overlap losses of masks: Dice and Tversky, ``J = 1 − N / D`` of sums over ``axis`` (the
whole batch by default, or each sample's)."""

import math

import numpy as np

from .._validation import _as_array, check_number, on_host
from ..backend import astype, get_namespace, numpy_dtype
from .base import (EPSILON, REDUCTION, _UNREDUCED, Loss, _as_given, _check_reduces, _given_shape, _pair,
                   _weighted_shape, _weights_like)


def _overlap_axis(axis):
    """Keras's ``axis`` of Dice and Tversky: None (every axis), an integer or a tuple of them."""
    if axis is None:
        return None
    many = isinstance(axis, (tuple, list))
    axes = tuple(axis) if many else (axis,)
    if not axes or any(isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError("axis must be None (every axis), an integer or a tuple of integers (the axes the loss "
                        f"sums over). Received: axis={axis!r:.100}")
    if len(set(axes)) != len(axes):
        raise ValueError(f"axis must not repeat an axis. Received: axis={axis!r:.100}")
    return tuple(int(a) for a in axes) if many else int(axis)


class _Overlap(Loss):
    """Keras's overlap losses ``J = 1 − N / D`` of sums over ``axis`` (:class:`Dice`,
    :class:`Tversky`): with ``I = Σ y ŷ``, ``N = c·I`` and ``D = c_I·I + c_y·Σ y + c_ŷ·Σ ŷ + ε``
    (ε = 1e-7), so ``∂J/∂ŷ = (N (c_I y + c_ŷ) − D c y) / D²``.

    ``axis=None`` (Keras's default) sums over every axis, the batch's too: one loss for the
    whole batch, not a mean of per-sample losses (so the loss fit logs depends on the batch
    size). Axes that leave the batch axis 0 give one loss per sample (``axis=-1`` for outputs
    ``(n, k)``, ``(1, 2, 3)`` for images ``(n, h, w, c)``); the batch axis with only some of the
    others is refused. Outputs of several axes per sample train as Keras's (a tagger's ``(n, m, k)``,
    images ``(n, h, w, c)``). As Keras, the losses are multiplied by ``sample_weight`` (one number,
    one weight per sample, or per position ``(n, m, ...)``, as fit passes them for outputs ``(n, m, k)``,
    along axes the loss keeps; with ``axis=None`` the one loss by each: ``n`` values ``w_i J``), then
    reduced: ``"sum_over_batch_size"`` divides their sum by their number, ``"sum"`` by 1,
    ``"mean_with_sample_weight"`` by the sum of the weights; a single value is returned as it is.
    Float16 outputs are summed in float32."""

    targets_in_output_range = True
    axis = None

    def _coefficients(self):
        """``(c, c_I, c_y, c_ŷ)``."""
        raise NotImplementedError

    def _axes(self, ndim):
        """The axes summed over, as non-negative integers."""
        if self.axis is None:
            return tuple(range(ndim))
        given = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        if any(not -ndim <= a < ndim for a in given):
            raise ValueError(f"{type(self).__name__}: axis={self.axis!r} is out of range for outputs of {ndim} axes.")
        axes = tuple(sorted(a % ndim for a in given))
        if 0 in axes and len(axes) < ndim:
            raise ValueError(f"{type(self).__name__}: axis={self.axis!r} sums over the batch axis 0 but not over "
                             f"all {ndim} axes of the outputs: give axis=None for one loss for the whole batch, "
                             "or axes other than 0 for one loss per sample.")
        return axes

    def _inputs(self, y_true, y_pred):
        """``(Y, A, dtype)``: float16 in float32 (its sums overflow at 65504), and the outputs' dtype."""
        Y, A = _pair(self, y_true, y_pred)
        dtype = numpy_dtype(A)
        if dtype == np.float16:
            Y, A = astype(Y, "float32"), astype(A, "float32")
        return Y, A, dtype

    def _parts(self, Y, A):
        """``(N, D, axes)``, the sums kept as axes of length 1."""
        xp = get_namespace(A)
        axes = self._axes(len(A.shape))
        c, c_i, c_y, c_a = self._coefficients()
        intersection = xp.sum(Y * A, axis=axes, keepdims=True)
        D = c_i * intersection + c_y * xp.sum(Y, axis=axes, keepdims=True) + c_a * xp.sum(A, axis=axes, keepdims=True)
        return c * intersection, D + EPSILON, axes

    def _weighted(self, A, axes, sample_weight):
        """``(w, shape)``: the weights of the losses kept as axes of length 1 (None, one number,
        or ``(n, 1, ..., 1)``) and the shape of the weighted losses."""
        kept = tuple(s for i, s in enumerate(A.shape) if i not in axes)
        if sample_weight is None:
            return None, kept
        if isinstance(sample_weight, (list, tuple)):  # (a ragged one named: np.shape's NumPy error did not)
            sample_weight = _as_array(sample_weight, "sample_weight")
        given = tuple(getattr(sample_weight, "shape", np.shape(sample_weight)))
        if len(given) == 0:  # one number, counted once (Keras)
            return check_number(float(on_host(sample_weight)), "sample_weight", low=0), kept
        if len(given) > 1 and given != (A.shape[0], 1):  # per position (n, m, ...), what fit passes for (n, m, k)
            return self._position_weights(A, axes, sample_weight, given), (given if 0 in axes else kept)
        w = _weights_like(sample_weight, A.shape[0], A)
        w = get_namespace(A).reshape(w, (A.shape[0],) + (1,) * (len(A.shape) - 1))
        return w, (kept if 0 not in axes else (A.shape[0],))

    def _position_weights(self, A, axes, sample_weight, given):
        """Weights ``(n, m, ...)`` of the leading axes of the outputs (each of their length or 1), as
        ``(n, m, ..., 1)`` against the losses kept as axes of length 1. As Keras's: with ``axis=None``
        the one loss times each weight; with per-sample axes, one weight per loss, so never along an
        axis the loss sums over (Keras's broadcast refuses those too)."""
        n, ndim = A.shape[0], len(A.shape)
        fits = (len(given) <= ndim and given[0] == n
                and all(g in (1, A.shape[i]) and (g == 1 or 0 in axes or i not in axes)
                        for i, g in enumerate(given[1:], 1)))
        if not fits:
            kept = tuple(s for i, s in enumerate(A.shape) if i not in axes)
            per_loss = (f" or one per position, of the outputs' leading axes {tuple(A.shape[:-1])}" if 0 in axes
                        else f" or one per loss {kept}" if len(kept) > 1 else "")
            raise ValueError(f"{type(self).__name__}: sample_weight must hold one weight per sample ({n},){per_loss} "
                             f"(axis={self.axis!r} sums over the outputs' axes {axes}, shape {tuple(A.shape)}). "
                             f"Received shape {given}.")
        size = math.prod(given)
        flat = (get_namespace(sample_weight).reshape(sample_weight, (size,)) if hasattr(sample_weight, "__dlpack__")
                else np.reshape(sample_weight, (size,)))
        w = _weights_like(flat, size, A)  # (checked: numbers, finite; in the outputs' namespace)
        return get_namespace(A).reshape(w, given + (1,) * (ndim - len(given)))

    def per_sample(self, Y, A):
        """Keras's unreduced losses ``1 − N / D``, in ``A``'s shape without the summed axes
        (one number for ``axis=None``)."""
        N, D, axes = self._parts(Y, A)
        return get_namespace(A).reshape(1 - N / D, tuple(s for i, s in enumerate(A.shape) if i not in axes))

    def _weights_and_shape(self, A, axes, sample_weight):
        """``(w, shape)`` of :meth:`_weighted`, the shape Keras's (:func:`_weighted_shape`: ``(n, 1)`` for
        weights ``(n, 1)``) where it holds the same values."""
        w, shape = self._weighted(A, axes, sample_weight)
        return w, _weighted_shape(tuple(s for i, s in enumerate(A.shape) if i not in axes), sample_weight, shape)

    def __call__(self, y_true, y_pred, sample_weight=None):
        Y, A, _ = self._inputs(y_true, y_pred)
        xp = get_namespace(A)
        N, D, axes = self._parts(Y, A)
        w, shape = self._weights_and_shape(A, axes, sample_weight)
        values = xp.reshape(1 - N / D if w is None else (1 - N / D) * w, shape)
        if self.reduction in _UNREDUCED or shape == (0,):  # (an empty batch's losses, as Keras returns them:
            return values  # float16's in float32, as Keras's Loss computes in floatx)
        return float(xp.sum(values)) / self._reduced_over(shape, sample_weight)

    def gradient(self, Y, A, sample_weight=None):
        _check_reduces(self)
        given = _given_shape(A)
        Y, A, dtype = self._inputs(Y, A)
        N, D, axes = self._parts(Y, A)
        c, c_i, _, c_a = self._coefficients()
        dA = (N * (c_i * Y + c_a) - D * (c * Y)) / (D * D)
        w, shape = self._weights_and_shape(A, axes, sample_weight)
        if w is not None:  # the one loss of axis=None, weighted by each sample: by their sum
            dA = dA * (get_namespace(A).sum(w) if 0 in axes and not isinstance(w, float) else w)
        dA = _as_given(dA / self._reduced_over(shape, sample_weight), given)
        return dA if numpy_dtype(dA) == dtype else astype(dA, dtype)

    def _depends_on_batching(self):
        return self.axis is None or super()._depends_on_batching()

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dice(_Overlap):
    """Keras's Dice loss ``J = 1 − 2 Σ y ŷ / (Σ y + Σ ŷ + ε)``, the sums over ``axis`` (every
    axis by default: see :class:`_Overlap` for ``axis``, the weights and the reductions): 0 where
    the outputs are the 0/1 targets, near 1 where they do not overlap. For masks: targets in
    ``[0, 1]``, outputs a ``sigmoid`` or ``softmax``."""

    name = "dice"

    def __init__(self, reduction=REDUCTION, name=None, axis=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)
        self.axis = _overlap_axis(axis)

    def _coefficients(self):
        return 2.0, 0.0, 1.0, 1.0


class Tversky(_Overlap):
    """Keras's Tversky loss ``J = 1 − I / (I + α Σ y (1 − ŷ) + β Σ ŷ (1 − y) + ε)`` with
    ``I = Σ y ŷ``, the sums over ``axis`` (every axis by default: see :class:`_Overlap`). ``α``
    (``alpha``) weighs the missed targets, ``β`` (``beta``) the outputs where there are none (Keras's docs call them
    the other way round: its ``fp`` is ``Σ y (1 − ŷ)``); ``α = β = ½`` is :class:`Dice` (up to
    ε). Salehi et al., 2017."""

    name = "tversky"

    def __init__(self, alpha=0.5, beta=0.5, reduction=REDUCTION, name=None, axis=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)
        self.alpha = check_number(alpha, "alpha", low=0)
        self.beta = check_number(beta, "beta", low=0)
        self.axis = _overlap_axis(axis)

    def _coefficients(self):  # D = I + α (Σ y − I) + β (Σ ŷ − I) + ε
        return 1.0, 1.0 - self.alpha - self.beta, self.alpha, self.beta

    def get_config(self):  # Keras's order
        return {**Loss.get_config(self), "alpha": self.alpha, "beta": self.beta, "axis": self.axis}
