"""Exact ONNX forms of what ONNX lacks or computes less exactly, which several activations share:
``factor · Z``, ``log1p``, ``expm1``, glassnet's ``erfc``, the sigmoid with its tail, ``z · F`` at
z = -inf, and NaN kept NaN (where ONNX's reductions skip it too). Each takes the graph ``g`` and returns
the name of its result."""

import numpy as np

from .. import activations as _activations


def _scaled(g, Z, factor):
    """``factor · Z`` (no node when the factor is 1)."""
    return Z if factor == 1.0 else g.node("Mul", [Z, g.constant(factor, "scale")])


def _clip_to_finite(g, Z, high=True):
    """``Z`` with -inf (and +inf when ``high``) taken as the dtype's most negative (largest) number, NaN
    kept, as :func:`glassnet.activations._z_times` and Softsign clip it (Where: ONNX leaves Clip's
    NaN open)."""
    big = float(np.finfo(g.dtype).max)
    Z = g.node("Where", [g.node("Less", [Z, g.constant(-big, "lowest")]), g.constant(-big, "lowest"), Z])
    if high:
        Z = g.node("Where", [g.node("Greater", [Z, g.constant(big, "largest")]), g.constant(big, "largest"), Z])
    return Z


def _z_times(g, Z, F):
    """``z · F`` for a factor ``F`` that is 0 at z = -inf (σ, Φ, ...): -0 there, as predict computes it,
    not ``-inf · 0 = NaN``."""
    return g.node("Mul", [_clip_to_finite(g, Z, high=False), F])


def _sigmoid(g, Z):
    """``σ(z) = 1/(1 + e^{-z})``, accurate relative to the value down to the subnormals (where
    ``e^{-z}`` overflows and gives 0). onnxruntime's Sigmoid is accurate to an ulp of 1 only: float32
    σ(-17) came out twice too large and σ(-20) as 0; float64 (``½ tanh(z/2) + ½``) is off by 3e-8 at
    z = -20 and gives 0 below z ≈ -40."""
    return g.node("Reciprocal", [g.node("Add", [g.node("Exp", [g.node("Neg", [Z])]), g.constant(1.0, "one")])])


def _log1p(g, T):
    """``log(1 + t)`` without losing a small ``t`` to rounding (ONNX has no Log1p): with
    ``u = 1 + t`` rounded, ``log(u) · t/(u − 1)`` (Goldberg's correction), and ``t`` where ``u`` is 1."""
    one = g.constant(1.0, "one")
    U = g.node("Add", [T, one])
    D = g.node("Sub", [U, one])
    corrected = g.node("Mul", [g.node("Log", [U]), g.node("Div", [T, D])])  # (inf, NaN where D = 0: not taken)
    return g.node("Where", [g.node("Equal", [D, g.constant(0.0, "zero")]), T, corrected])


def _expm1(g, Z):
    """``e^z − 1`` for ``z <= 0`` without the cancellation of ``e^z − 1`` near 0 (ONNX has no Expm1;
    ``e^{-1e-8} − 1`` keeps 8 of float64's 16 digits): ``2t/(1 − t)`` with ``t = tanh(z/2)``, each
    term accurate relative to its value (``1 − t`` lies in [1, 2))."""
    t = g.node("Tanh", [_scaled(g, Z, 0.5)])
    return g.node("Div", [g.node("Add", [t, t]), g.node("Sub", [g.constant(1.0, "one"), t])])


def _nan_kept(g, Z, A):
    """``A`` where ``Z`` is a number, NaN where ``Z`` is NaN (as step and sign keep it)."""
    return g.node("Where", [g.node("IsNaN", [Z]), Z, A])


def _erfc(g, X):
    """``erfc(x)`` as :func:`glassnet.activations.erfc` computes it (onnxruntime has no float64 Erf):
    its Chebyshev fit ``t·exp(-y² + P(4t - 2))``, ``t = 2/(2 + y)``, ``y = min(|x|, 30)``, by
    Clenshaw's recurrence (float32: its shorter series), and ``2 - erfc(-x)`` for ``x < 0``."""
    Y = g.node("Min", [g.node("Abs", [X]), g.constant(30.0, "thirty")])
    t = g.node("Div", [g.constant(2.0, "two"), g.node("Add", [g.constant(2.0, "two"), Y])])
    ty = g.node("Sub", [g.node("Mul", [g.constant(4.0, "four"), t]), g.constant(2.0, "two")])
    coefficients = _activations._ERFC_COEFFICIENTS
    if g.dtype != np.float64:
        coefficients = coefficients[:_activations._ERFC_TERMS_SHORT]
    d, dd = g.constant(coefficients[-1], "erfc_c"), g.constant(0.0, "zero")
    for c in coefficients[-2:0:-1]:  # d <- ty·d - dd + c
        d, dd = g.node("Add", [g.node("Sub", [g.node("Mul", [ty, d]), dd]), g.constant(c, "erfc_c")]), d
    half_p = g.node("Mul", [g.constant(0.5, "half"), g.node("Add", [g.constant(coefficients[0], "erfc_c"),
                                                                   g.node("Mul", [ty, d])])])
    exponent = g.node("Sub", [g.node("Add", [g.node("Mul", [g.node("Neg", [Y]), Y]), half_p]), dd])
    E = g.node("Mul", [t, g.node("Exp", [exponent])])
    return g.node("Where", [g.node("GreaterOrEqual", [X, g.constant(0.0, "zero")]), E,
                            g.node("Sub", [g.constant(2.0, "two"), E])])


def _has_nan(g, Z, axes, keepdims=1):
    """Whether ``Z`` holds a NaN along ``axes`` (bool): onnxruntime's ReduceMax and ArgMax skip a NaN
    that is not first, where NumPy's max and argmax stop at it."""
    nan = g.node("Cast", [g.node("IsNaN", [Z])], to=g.helper.np_dtype_to_tensor_dtype(g.dtype))
    return g.node("Cast", [g.node("ReduceMax", [nan], axes=axes, keepdims=keepdims)], to=g.onnx.TensorProto.BOOL)


def _where_nan_kept(g, Z, condition, A, otherwise):
    """``A`` where ``condition``, else ``otherwise`` (a number), NaN kept NaN (the shrinks' and threshold's rule)."""
    return g.node("Where", [condition, A, _nan_kept(g, Z, g.constant(otherwise, "otherwise"))])


def _is_inf(g, X, **attributes):
    """``IsInf(X)``, which opset 17 has for float32 and float64 only: a float16 ``X`` is cast to
    float32 first (exact: every float16 is a float32)."""
    if g.dtype == np.float16:
        X = g.node("Cast", [X], to=g.helper.np_dtype_to_tensor_dtype(np.dtype(np.float32)))
    return g.node("IsInf", [X], **attributes)
