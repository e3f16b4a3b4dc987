"""The hard activations: piecewise-linear stand-ins for the sigmoid, SiLU and tanh (Keras's hard sigmoid,
hard SiLU, hard tanh, sparse sigmoid)."""

from ..backend import astype, get_namespace
from .base import Activation, _z_times


class HardSigmoid(Activation):
    """Keras 3's piecewise-linear sigmoid ``relu6(z + 3) / 6``: 0 below -3, 1 above 3,
    ``z/6 + ½`` between; derivative ``1/6`` where ``0 < A < 1``, else 0."""

    name = "hard_sigmoid"
    selects = True  # (float16: Activation.selects)
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).clip(Z + 3.0, 0.0, 6.0) / 6.0

    def derivative(self, Z, A):
        return astype((A > 0) & (A < 1), Z.dtype) / 6.0


class HardSiLU(Activation):
    """Hard swish ``g(z) = z · hard_sigmoid(z)``; ``g' = hard_sigmoid(z) + z/6`` on (-3, 3)."""

    name = "hard_silu"
    output_range = (-0.375, float("inf"))  # the minimum, g(-1.5) = -3/8

    @staticmethod
    def _hard_sigmoid(Z):
        """``clip(z + 3, 0, 6) / 6``, in one new array."""
        H = Z + 3.0
        get_namespace(Z).clip(H, 0.0, 6.0, out=H)
        H /= 6.0
        return H

    def forward(self, Z, out=None):
        return _z_times(Z, self._hard_sigmoid(Z), out)

    def derivative(self, Z, A):
        inside = astype((Z > -3) & (Z < 3), Z.dtype)
        dA = get_namespace(Z).clip(Z, -3.0, 3.0)  # ±3 · 0 outside, not ±inf · 0
        dA *= inside
        dA /= 6.0
        dA += self._hard_sigmoid(Z)
        return dA


class HardTanh(Activation):
    """``z`` clipped to ``[-1, 1]`` (Keras's ``hard_tanh``); derivative 1 on ``[-1, 1]``, ends
    included as JAX's gradient has them, 0 outside (:class:`Ramp` takes 0 at ±1)."""

    name = "hard_tanh"
    selects = True  # (float16: Activation.selects)
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).clip(Z, -1.0, 1.0)

    def derivative(self, Z, A):
        return astype((Z >= -1) & (Z <= 1), Z.dtype)


class SparseSigmoid(Activation):
    """Keras's ``sparse_sigmoid`` ``clip(z + 1, 0, 2)/2``: 0 below -1, 1 above 1, ``(z + 1)/2``
    between; derivative ½ on ``(-1, 1)``, 0 outside, and at the kinks ±1 the mean of the two
    one-sided slopes, ¼, as JAX's gradient of ``clip``."""

    name = "sparse_sigmoid"
    selects = True  # (float16: Activation.selects)
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        return 0.5 * get_namespace(Z).clip(Z + 1.0, 0.0, 2.0)

    def derivative(self, Z, A):
        return 0.25 * (astype((Z >= -1) & (Z <= 1), Z.dtype) + astype((Z > -1) & (Z < 1), Z.dtype))
