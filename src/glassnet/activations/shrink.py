"""The shrinkage functions, which pull small inputs to 0: hard shrink, soft shrink and tanh shrink
(``z - tanh z``, with the series it sums near 0)."""

import numpy as np

from .._validation import check_number
from ..backend import astype, get_namespace, numpy_dtype
from .base import Activation


class HardShrink(Activation):
    """``z`` where ``|z| > threshold``, else 0 (Keras's ``hard_shrink(x, threshold=0.5)``);
    derivative 1 there, else 0. NaN stays NaN (Keras's ``where`` gives 0)."""

    name = "hard_shrink"
    selects = True  # (float16: Activation.selects)
    keras_arguments = ("threshold",)

    def __init__(self, threshold=0.5):
        self.threshold = check_number(threshold, "threshold")

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        return xp.where(xp.abs(Z) > self.threshold, Z, xp.where(xp.isnan(Z), Z, xp.zeros_like(Z)))

    def derivative(self, Z, A):
        return astype(get_namespace(Z).abs(Z) > self.threshold, Z.dtype)

    def get_config(self):
        return {"threshold": self.threshold}


class SoftShrink(Activation):
    """``z - t`` above ``t``, ``z + t`` below ``-t``, else 0, with ``t = threshold``
    (Keras's ``soft_shrink(x, threshold=0.5)``); derivative 1 outside ``[-t, t]``, else 0.
    NaN stays NaN (Keras's ``where`` gives 0)."""

    name = "soft_shrink"
    selects = True  # (float16: Activation.selects)
    keras_arguments = ("threshold",)

    def __init__(self, threshold=0.5):
        self.threshold = check_number(threshold, "threshold")

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        t = self.threshold
        inner = xp.where(xp.isnan(Z), Z, xp.zeros_like(Z))
        return xp.where(Z > t, Z - t, xp.where(Z < -t, Z + t, inner))

    def derivative(self, Z, A):
        return astype((Z > self.threshold) | (Z < -self.threshold), Z.dtype)

    def get_config(self):
        return {"threshold": self.threshold}


# z - tanh z = Σ_k c_k z^(2k+1) for k >= 1 (tanh's Taylor series, its signs turned), |z| < π/2: the
# coefficients of z³, z⁵, ..., z²⁵, then that of z²⁷, the first one left out
TANH_SHRINK_SERIES = (1 / 3, -2 / 15, 17 / 315, -62 / 2835, 1382 / 155925, -21844 / 6081075,
                      929569 / 638512875, -6404582 / 10854718875, 443861162 / 1856156927625,
                      -18888466084 / 194896477400625, 113927491862 / 2900518163668125,
                      -58870668456604 / 3698160658676859375)
_TANH_SHRINK_NEXT = 8374643517010684 / 1298054391195577640625


def tanh_shrink_threshold(dtype):
    """The ``|z|`` below which :class:`TanhShrink` sums its series in ``dtype``: there the first term
    left out, ``c_13 z²⁷``, is below half the rounding of the sum ``≈ z³/3`` (float64: 0.34, float32:
    0.79, float16: 1.14); above it ``z - tanh z`` loses at most a few digits to the cancellation."""
    eps = float(np.finfo(dtype).eps)
    return (0.5 * eps * TANH_SHRINK_SERIES[0] / abs(_TANH_SHRINK_NEXT)) ** (1 / (2 * len(TANH_SHRINK_SERIES)))


class TanhShrink(Activation):
    """``z - tanh(z)`` (Keras's ``tanh_shrink``); derivative ``tanh²(z)``.

    Near 0 the subtraction cancels (float32 at z = 1e-3 gave 3.49e-10 for 3.33e-10): there the value
    is the series ``z³/3 - 2z⁵/15 + 17z⁷/315 - ...`` (:data:`TANH_SHRINK_SERIES`, Horner in ``z²``),
    below :func:`tanh_shrink_threshold`; NaN and ±inf take ``z - tanh(z)`` (NaN, ±inf)."""

    name = "tanh_shrink"

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        small = xp.abs(Z) < tanh_shrink_threshold(numpy_dtype(Z))
        X = xp.where(small, Z, xp.zeros_like(Z))  # (the series of a large z would overflow)
        X2 = X * X
        S = xp.full_like(X, TANH_SHRINK_SERIES[-1])
        for c in TANH_SHRINK_SERIES[-2::-1]:
            S = S * X2 + c
        return xp.where(small, X * X2 * S, Z - xp.tanh(Z))

    def derivative(self, Z, A):
        T = get_namespace(Z).tanh(Z)
        return T * T
