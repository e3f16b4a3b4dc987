"""The smooth activations: softplus and the log-sigmoid, GELU (with the complementary error function
:func:`erfc` it computes Φ with), SiLU, Mish, the exponential, softsign, sparse plus and squareplus."""

import numpy as np

from .._validation import check_bool, check_number
from ..backend import get_namespace, numpy_dtype
from .base import Activation, _largest, _logistic, _z_times


class Softplus(Activation):
    """``log(1 + e^z)``; derivative the logistic ``σ(z)``."""

    name = "softplus"
    output_range = (0.0, float("inf"))

    def forward(self, Z, out=None):
        # max(z, 0) + log(1 + e^{-|z|}): no overflow, within 3 ulp, and 10x faster than NumPy's
        # logaddexp(0, z) (128 x 512 float32: 0.10 ms against 1.0 ms); NaN stays NaN, quietly
        xp = get_namespace(Z)
        positive = xp.maximum(Z, xp.zeros_like(Z))  # (first: out may be Z itself)
        A = xp.abs(Z, out=out)
        xp.negative(A, out=A)
        xp.exp(A, out=A)
        xp.log1p(A, out=A)
        A += positive
        return A

    def derivative(self, Z, A):
        # σ(z) = 1 - e^{-softplus(z)}, from the output.
        return -get_namespace(Z).expm1(-A)


#: Chebyshev coefficients of erfc (Numerical Recipes, 3rd ed., §6.2.2, ``Erf::erfccheb``):
#: relative error below 2e-14 wherever erfc is a normal float64
_ERFC_COEFFICIENTS = (
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
    -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
    5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12,
    8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17)

#: float32 and float16 need the first ones only (relative error below 1e-9)
_ERFC_TERMS_SHORT = 16


def erfc(X):
    """The complementary error function ``erfc(x) = 1 - erf(x)`` of an array, elementwise.

    NumPy has none (``math.erfc`` takes one number; SciPy is an optional extra): the
    Chebyshev fit ``erfc(y) = t·exp(-y² + P(4t - 2))``, ``t = 2/(2 + y)`` for ``y = |x|``,
    and ``erfc(-y) = 2 - erfc(y)``. Accurate relative to the value, so the tail
    ``erfc(10) ≈ 2e-45`` keeps its digits (``1 - erf(x)`` would round it to 0).
    """
    xp = get_namespace(X)
    Y = xp.minimum(xp.abs(X), xp.full_like(X, 30.0))  # erfc(27) is already below every normal float64
    t = 2.0 / (2.0 + Y)
    ty = 4.0 * t - 2.0
    coefficients = _ERFC_COEFFICIENTS if numpy_dtype(X) == np.float64 else _ERFC_COEFFICIENTS[:_ERFC_TERMS_SHORT]
    # Clenshaw's recurrence d <- ty·d - dd + c, in three reused arrays (a fresh one per term cost 40%)
    d, dd, scratch = xp.full_like(X, coefficients[-1]), xp.zeros_like(X), xp.empty_like(X)
    for c in coefficients[-2:0:-1]:
        xp.multiply(ty, d, out=scratch)
        scratch -= dd
        scratch += c
        d, dd, scratch = scratch, d, dd
    E = t * xp.exp(-Y * Y + 0.5 * (coefficients[0] + ty * d) - dd)
    return xp.where(X >= 0, E, 2.0 - E)


_SQRT_HALF = 0.7071067811865476  # 1/√2
_INV_SQRT_2PI = 0.3989422804014327  # 1/√(2π)
_SQRT_2_OVER_PI = 0.7978845608028654  # √(2/π)


class GELU(Activation):
    """Gaussian error linear unit ``g(z) = z Φ(z)``, ``Φ`` the standard normal CDF
    ``Φ(z) = ½ erfc(-z/√2)`` (Keras's default, ``approximate=False``).

    Derivative ``g'(z) = Φ(z) + z φ(z)`` with ``φ(z) = e^{-z²/2}/√(2π)``, and
    ``Φ(z) = A / z`` from the output (½ at ``z = 0`` and for denormal z).

    ``approximate=True``: ``g(z) = ½ z (1 + tanh u)`` with
    ``u = √(2/π) (z + 0.044715 z³)``, computed as ``z σ(2u)`` (the same number, without
    the cancellation of ``1 + tanh u`` for negative z); ``g' = σ + 2 z σ(1 - σ) u'``.
    """

    name = "gelu"
    keras_arguments = ("approximate",)

    def __init__(self, approximate=False):
        self.approximate = check_bool(approximate, "approximate")
        # (just below) the minimum near z = -0.75: -0.169971 (erf form), -0.170041 (tanh form)
        self.output_range = (-0.17005 if self.approximate else -0.16998, float("inf"))

    def _u(self, Z):
        """``2u``, ``du/dz`` of the tanh form and ``C``, z clipped to ±50: beyond, σ(2u) is 0 or 1 (σ(1 - σ)
        is 0) in float64, and z³ stays finite."""
        xp = get_namespace(Z)
        C = xp.clip(Z, -50.0, 50.0)
        return 2.0 * _SQRT_2_OVER_PI * (C + 0.044715 * C * C * C), _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * C * C), C

    def forward(self, Z, out=None):
        if self.approximate:
            return _z_times(Z, _logistic(self._u(Z)[0]), out)
        Phi = erfc(-_SQRT_HALF * Z)
        Phi *= 0.5
        return _z_times(Z, Phi, out)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        if self.approximate:
            two_u, du, dA = self._u(Z)
            S = _logistic(two_u)
            # S + z (S (1 - S)) (2 du), with z clipped to ±50 (C, into which it is computed): S (1 - S) is 0 beyond,
            # so the product is the same ±0, not ±inf · 0 = NaN at z = ±inf
            dA *= S * (1.0 - S)
            dA *= 2.0 * du
            dA += S
            return dA
        # Φ = ½ to the dtype's precision for |z| below twice its smallest normal number, where A ≈ z/2 is
        # denormal and A / z lost Φ's digits (the smallest denormal z gave A = 0, so g' = 0)
        tiny = xp.abs(Z) < 2 * float(np.finfo(numpy_dtype(Z)).tiny)
        big = _largest(Z)  # Φ(±inf) = big / big = 1 and 0 / big = 0, where A / z was inf / inf
        D = xp.where(tiny, xp.ones_like(Z), Z)
        Phi = xp.clip(A, -big, big)
        Phi /= xp.clip(D, -big, big, out=D)
        Phi = xp.where(tiny, xp.full_like(Z, 0.5), Phi)
        C = xp.clip(Z, -40.0, 40.0)  # φ(40) is 0 in float64: z² cannot overflow, and C φ(C) is z φ(z) (±0 beyond)
        return Phi + C * (_INV_SQRT_2PI * xp.exp(-0.5 * C * C))

    def get_config(self):
        return {"approximate": self.approximate}


class SiLU(Activation):
    """Sigmoid linear unit, or swish: ``g(z) = z σ(z)``; ``g' = σ(z) + A (1 - σ(z))``."""

    name = "silu"
    output_range = (-0.28, float("inf"))  # the minimum, g(-1.28) = -0.278

    def forward(self, Z, out=None):
        return _z_times(Z, _logistic(Z), out)

    def derivative(self, Z, A):
        S = _logistic(Z)
        big = _largest(Z)
        dA = get_namespace(Z).clip(A, -big, big)  # g'(inf) = 1 + big · 0, not 1 + inf · 0
        dA *= 1.0 - S
        dA += S
        return dA


class Mish(Activation):
    """``g(z) = z tanh(softplus(z))``; ``g' = T + z (1 - T²) σ(z)`` with ``T = tanh(softplus(z))``.

    With ``e = e^z``: ``T = n / (n + 2)`` for ``n = e (e + 2)``, ``1 - T² = 2 (1 + T) / (n + 2)``
    and ``σ(z) = e / (1 + e)``: one exponential, no cancellation. Above z = 22, T is 1 and
    ``z (1 - T²) σ(z)`` below half of float64's ulp of 1, so ``e`` and that z are taken at
    ``min(z, 22)``: e never overflows, and g' is 1 from z = 21 up to inf (float16: ``min(z, 5.4)``,
    where ``e²`` still fits).
    """

    name = "mish"
    output_range = (-0.31, float("inf"))  # the minimum, g(-1.19) = -0.309

    @staticmethod
    def _clipped(Z):
        """z at most 22 (float16: 5.4), and -inf as the dtype's most negative number (e^z is 0 there)."""
        return get_namespace(Z).clip(Z, -_largest(Z), 22.0 if numpy_dtype(Z).itemsize > 2 else 5.4)

    def _parts(self, Z):
        xp = get_namespace(Z)
        E = self._clipped(Z)
        xp.exp(E, out=E)
        N = E * (E + 2.0)
        return E, N, N / (N + 2.0)

    def forward(self, Z, out=None):
        return _z_times(Z, self._parts(Z)[2], out)

    def derivative(self, Z, A):
        # z (1 - T²) σ(z) taken at C = min(z, 22) too: with e capped, z times its 1 - T² grew without bound (float16's
        # g'(1000) was 1.18, float64's g'(1e300) 1e283), and g'(inf) was inf
        E, N, T = self._parts(Z)
        dA = 2.0 * (1.0 + T) / (N + 2.0)
        dA *= self._clipped(Z)
        dA *= E / (1.0 + E)
        dA += T
        return dA


class Exponential(Activation):
    """``e^z``; its derivative is itself, ``A``. Overflows to inf above z ≈ 709 (88 in
    float32), as Keras's."""

    name = "exponential"
    output_range = (0.0, float("inf"))

    def forward(self, Z, out=None):
        with np.errstate(over="ignore"):  # e^1000 is inf, as in Keras, without a warning
            return get_namespace(Z).exp(Z)

    def derivative(self, Z, A):
        return A


class Softsign(Activation):
    """``z / (1 + |z|)``; derivative ``1 / (1 + |z|)² = (1 - |A|)²``."""

    name = "softsign"
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        big = _largest(Z)
        A = xp.clip(Z, -big, big, out=out)  # g(±inf) = ±big / (1 + big) = ±1, where inf / inf was NaN
        D = xp.abs(A)
        D += 1.0
        A /= D
        return A

    def derivative(self, Z, A):
        B = 1.0 - get_namespace(Z).abs(A)
        return B * B


class LogSigmoid(Activation):
    """``log σ(z) = -softplus(-z) = min(z, 0) - log(1 + e^{-|z|})`` (Keras's ``log_sigmoid``);
    derivative ``σ(-z) = 1 - e^A``, from the output (``-expm1(A)``: exact where A is tiny)."""

    name = "log_sigmoid"
    output_range = (-float("inf"), 0.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        zero = xp.zeros_like(Z)
        return xp.minimum(Z, zero) - xp.log1p(xp.exp(-xp.abs(Z)))

    def derivative(self, Z, A):
        return -get_namespace(Z).expm1(A)


class SparsePlus(Activation):
    """Keras's ``sparse_plus``: 0 for ``z <= -1``, ``(z + 1)²/4`` on ``(-1, 1)``, ``z`` for
    ``z >= 1``; derivative :class:`SparseSigmoid`'s ``clip(z + 1, 0, 2)/2`` (0 at -1, 1 at 1, as
    JAX's gradient)."""

    name = "sparse_plus"
    output_range = (0.0, float("inf"))

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        C = xp.clip(Z, -1.0, 1.0) + 1.0  # the square of the middle piece, which never overflows
        return xp.where(Z >= 1.0, Z, 0.25 * C * C)  # (C = 0 for z <= -1; NaN stays NaN)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return 0.5 * (xp.clip(Z, -1.0, 1.0) + 1.0)


class Squareplus(Activation):
    """Keras's ``squareplus(x, b=4)``: ``(z + √(z² + b))/2``, ``b >= 0``; derivative ``A/√(z² + b)``.

    With ``s = hypot(z, √b)`` (z² never overflows) the negative side is written
    ``b / (2 (s - z))``, without the cancellation of ``z + s`` (Keras's gives 0 from
    z = -1e8 on for ``b/(4|z|)``, and inf at z = -1e155); so the limits are 0 at -inf, inf at +inf
    (derivative 0 and 1). With ``b = 0`` it is relu, computed as relu (derivative ½ at 0)."""

    name = "squareplus"
    output_range = (0.0, float("inf"))
    keras_arguments = ("b",)

    def __init__(self, b=4):
        self.b = check_number(b, "b", low=0)

    def _value(self, Z):
        """``(A, s)`` for z already within the dtype's finite range."""
        xp = get_namespace(Z)
        S = xp.hypot(Z, xp.full_like(Z, self.b ** 0.5))
        # halves first: z/2 + s/2 stays finite at the largest z, and so does s/2 + |z|/2 below
        # the unused branches' 0/0 (b = 0, z = 0) and -inf + inf (z = -inf) quietly
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.where(Z >= 0, 0.5 * Z + 0.5 * S, (0.25 * self.b) / (0.5 * S - 0.5 * Z)), S

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if self.b == 0:  # (z + |z|)/2 is relu: halves of a subnormal z round to 0, and z = -5e-324 gave 0/0, NaN
            return xp.maximum(Z, xp.zeros_like(Z))
        A, S = self._value(Z)
        return xp.where(xp.isinf(Z), xp.maximum(Z, xp.zeros_like(Z)), A)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        if self.b == 0:  # relu's step, ½ at 0 as below, NaN kept (A/s was 0/5e-324 = 0 at z = 5e-324)
            D = xp.sign(Z)
            D += 1.0
            D *= 0.5
            return D
        big = _largest(Z)
        A, S = self._value(xp.clip(Z, -big, big))  # at ±inf: A/s = big/big = 1 and 0/big = 0
        nonzero = S != 0  # (NaN too: its NaN / NaN stays NaN)
        return xp.where(nonzero, A / xp.where(nonzero, S, xp.ones_like(S)), xp.full_like(Z, 0.5))

    def get_config(self):
        return {"b": self.b}
