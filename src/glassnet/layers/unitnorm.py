"""Keras's ``UnitNormalization``: scale each sample to unit L2 norm."""

import numbers

import numpy as np

from ..backend import astype, get_namespace, is_half
from .base import Layer, sample_shape
from .batchnorm import overflow_scale

#: Keras's lower bound on the norm (``ops.normalize(..., epsilon=1e-12)``)
EPSILON = 1e-12


class UnitNormalization(Layer):
    """``y = x · min(1/‖x‖, 1/ε)`` over ``axis`` (Keras's ``x * minimum(rsqrt(Σ x²), 1/ε)``,
    ``ε = 1e-12``): each sample divided by its L2 norm, a norm below ε counting as ε (a
    zero sample stays zero). The same in training and at inference; no weights.

    Backward, with ``r = 1/‖x‖`` and the sum over ``axis``:
    ``dX = r · (dY − y ⊙ Σ dY ⊙ y)`` (the projection off ``y``), or ``dX = dY/ε`` where the
    norm was below ε (the bound is a constant).

    float16 samples are normalized in float32 (their squares underflow below |x| ≈ 2.4e-4, and
    ``1/‖x‖`` passes float16's largest, 65504, below ‖x‖ ≈ 1.5e-5); backward, the factor is
    capped at 65504, so that a zero sample's gradient stays finite.

    ``axis``: an axis or a list of them, counted with the batch axis (0, which cannot be
    normalized over): Keras's ``-1``, the last.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else axis
        for a in axes if isinstance(axes, list) else [axes]:
            if isinstance(a, bool) or not isinstance(a, numbers.Integral):
                raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                                f"Received: axis={axis!r:.80}")
        self.axis = [int(a) for a in axes] if isinstance(axes, list) else int(axes)

    @property
    def takes_vectors(self):
        return self.axis in (-1, [-1])  # a vector is one sample, normalized along it (Keras's default)

    def _axes(self, ndim):
        """``axis`` as a tuple of non-negative axes of a batch with ``ndim`` axes."""
        found = set()
        for a in self.axis if isinstance(self.axis, list) else [self.axis]:
            if not -ndim < a < ndim or a % ndim == 0:
                raise ValueError(f"{self._label()}: axis must name axes 1 to {ndim - 1} (or -{ndim - 1} to -1) of "
                                 f"its inputs, which have {ndim} axes with the batch's (0). Received: axis={self.axis}")
            found.add(a % ndim)
        return tuple(sorted(found))

    def build(self, input_shape):
        self._axes(len(sample_shape(input_shape)) + 1)
        super().build(input_shape)

    def forward(self, X, training=False):
        xp = get_namespace()
        axes = self._axes(X.ndim)
        half = is_half(X)
        if half:  # float16 squares underflow below |x| ≈ 2.4e-4 and 1/‖x‖ overflows: computed in float32
            X = astype(X, "float32")
        with np.errstate(over="ignore"):
            square_sum = xp.sum(X * X, axis=axes, keepdims=True)  # (float32 or float64 here: 1/ε is finite)
        scale = None
        if not bool(xp.all(xp.isfinite(square_sum))):
            # an |x| past the square root of the dtype's largest (1e19 in float32, 1e154 in float64): 1/‖x‖ = 0
            # would make the sample 0. Its sample divided by s, a power of two near its largest |x|, has the
            # same direction: y = (x/s)/‖x/s‖, and 1/‖x‖ = (1/‖x/s‖)/s (its norm is far above ε)
            scale = overflow_scale(X, axes, ~xp.isfinite(square_sum), keepdims=True)
            X = X / scale
            square_sum = xp.sum(X * X, axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):  # a zero sample: 1/0 = inf, then bounded by 1/ε
            # (min and max by position: NumPy 2.0 takes no keywords, a_min and a_max before 2.1)
            with_bound = xp.clip(1.0 / xp.sqrt(square_sum), None, 1.0 / EPSILON)
        Y = X * with_bound
        if scale is not None:
            with_bound = with_bound / scale
        self.Z, self.A = with_bound, Y  # for backward: the factor, and the output (float32 for float16)
        return astype(Y, "float16") if half else Y

    def backward(self, dY):
        xp = get_namespace()
        r, Y = self.Z, self.A
        half = is_half(dY)
        if half:  # the factor capped at float16's largest: a (near-)zero sample's dY · 1e12 would be inf
            dY, r = astype(dY, "float32"), xp.clip(r, None, float(np.finfo(np.float16).max))
        projected = dY - Y * xp.sum(dY * Y, axis=self._axes(dY.ndim), keepdims=True)
        dX = xp.where(self.Z < 1.0 / EPSILON, r * projected, r * dY)
        return astype(dX, "float16") if half else dX

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
