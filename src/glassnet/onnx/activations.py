"""The ONNX form of each built-in activation: ``_ONNX_ACTIVATIONS`` maps an activation's class to
its builder, and each builder returns the name of ``g(Z)``; :func:`_activation` looks one up and
refuses a user callable."""

import numpy as np

from .. import activations as _activations
from ._numerics import (_clip_to_finite, _erfc, _expm1, _has_nan, _is_inf, _log1p, _nan_kept, _scaled, _sigmoid,
                        _where_nan_kept, _z_times)


def _along(axis):
    """ONNX's axes of glassnet's softmax ``axis``, or None for the last axis alone."""
    axes = list(axis) if isinstance(axis, tuple) else [axis]
    return None if axes == [-1] else axes


def _in_float32(g, Z, f):
    """``f(Z)`` computed in float32 where the model is float16, as glassnet's softmaxes compute it
    (f makes no float constants, which would be float16)."""
    if g.dtype != np.float16:
        return f(Z)
    A = f(g.node("Cast", [Z], to=g.helper.np_dtype_to_tensor_dtype(np.dtype(np.float32))))
    return g.node("Cast", [A], to=g.helper.np_dtype_to_tensor_dtype(g.dtype))


def _softmax(g, Z, beta, axis=-1):
    """``Softmax(β z)``, as predict computes it: for β ≠ 1 shifted by the row's maximum before
    the scaling, with β capped at the dtype's largest number, so that a huge β gives the argmax's
    one-hot rows where ``β z`` overflowed to ``inf − inf = NaN``. Along several axes at once (which
    ONNX's Softmax cannot): ``e^{z − max} / Σ e^{z − max}`` over them."""
    axes = _along(axis) or [-1]
    if beta != 1.0:
        top = g.node("ReduceMax", [Z], axes=axes, keepdims=1)
        Z = _scaled(g, g.node("Sub", [Z, top]), min(beta, float(np.finfo(g.dtype).max)))
    if len(axes) == 1:
        return g.node("Softmax", [Z], axis=axes[0])

    def over_axes(Z):
        E = g.node("Exp", [g.node("Sub", [Z, g.node("ReduceMax", [Z], axes=axes, keepdims=1)])])
        return g.node("Div", [E, g.node("ReduceSum", [E, g.constant(axes, "axes", dtype=np.int64)], keepdims=1)])

    return _in_float32(g, Z, over_axes)


def _argmax(g, Z):
    # one-hot of the row maximum, ties split: hits / Σ hits; a row with a NaN all NaN, as Argmax.forward
    # (onnxruntime's ReduceMax skips NaN: the row [0, NaN, inf, -inf] came out as [0, 0, 1, 0])
    elem = g.helper.np_dtype_to_tensor_dtype(g.dtype)
    top = g.node("ReduceMax", [Z], axes=[-1], keepdims=1)
    hits = g.node("Cast", [g.node("Equal", [Z, top])], to=elem)
    axes = g.constant([-1], "axes", dtype=np.int64)
    A = g.node("Div", [hits, g.node("ReduceSum", [hits, axes], keepdims=1)])
    return g.node("Where", [_has_nan(g, Z, [-1]), g.constant(float("nan"), "nan"), A])


def _log_softmax(g, Z, axis=-1):
    """``z − max z − log Σ e^{z − max z}`` over the row (or ``axis``), as LogSoftmax.forward (float16:
    in float32, as it computes it). float32: onnxruntime's LogSoftmax, which agrees; its float64 one
    did not keep a row with NaN or inf all NaN (``[inf, 1, 2, 3]`` came out as ``[NaN, -inf, -inf, -inf]``)."""
    axes = _along(axis) or [-1]
    if g.dtype != np.float64 and len(axes) == 1:
        return _in_float32(g, Z, lambda Z: g.node("LogSoftmax", [Z], axis=axes[0]))

    def over_axes(Z):
        shifted = g.node("Sub", [Z, g.node("ReduceMax", [Z], axes=axes, keepdims=1)])
        total = g.node("ReduceSum", [g.node("Exp", [shifted]), g.constant(axes, "axes", dtype=np.int64)], keepdims=1)
        return g.node("Sub", [shifted, g.node("Log", [total])])  # (a NaN in the row makes the sum NaN)

    return _in_float32(g, Z, over_axes)


def _leaky_relu(g, Z, a):
    if g.dtype == np.float32:
        return g.node("LeakyRelu", [Z], alpha=a.negative_slope)
    # ONNX attributes are float32; PRelu takes the slope as a float64 tensor.
    return g.node("PRelu", [Z, g.constant(a.negative_slope, "slope")])


def _softplus(g, Z, a):
    if g.dtype == np.float32:
        return g.node("Softplus", [Z])
    # onnxruntime has no float64 Softplus: max(z, 0) + log1p(e^{-|z|}), which never overflows
    # (and keeps softplus(-50) = 2e-22, which log(1 + 2e-22) rounds to 0).
    tail = g.node("Exp", [g.node("Neg", [g.node("Abs", [Z])])])
    return g.node("Add", [g.node("Relu", [Z]), _log1p(g, tail)])


def _elu(g, Z, a):
    # z for z > 0, α expm1(min(z, 0)) otherwise, as ELU.forward, with expm1's precision (onnxruntime has no
    # float64 Elu, and its float32 Elu gave 0 for z = -3e-8, where predict keeps the value). A Where, not
    # max(z, 0) + α·0: an α past the dtype's range (float32 1e39, inf) made that NaN for z > 0.
    negative = _scaled(g, _expm1(g, g.node("Min", [Z, g.constant(0.0, "zero")])), a.alpha)
    return g.node("Where", [g.node("Greater", [Z, g.constant(0.0, "zero")]), Z, negative])


def _step(g, Z, at_zero=1.0):
    zero = g.constant(0.0, "zero")
    step = g.node("Cast", [g.node("GreaterOrEqual", [Z, zero])], to=g.helper.np_dtype_to_tensor_dtype(g.dtype))
    if at_zero != 1:
        step = g.node("Where", [g.node("Equal", [Z, zero]), g.constant(at_zero, "at_zero"), step])
    return _nan_kept(g, Z, step)


def _sign(g, Z):
    positive = g.node("GreaterOrEqual", [Z, g.constant(0.0, "zero")])
    return _nan_kept(g, Z, g.node("Where", [positive, g.constant(1.0, "one"), g.constant(-1.0, "minus_one")]))


def _general_relu(g, Z, a):
    # Keras's relu(z, negative_slope, max_value, threshold), step by step as GeneralReLU computes it
    zero = g.constant(0.0, "zero")
    A = g.node("Where", [g.node("LessOrEqual", [Z, g.constant(a.threshold, "threshold")]), zero, Z])  # NaN stays NaN
    if a.max_value is not None:
        A = g.node("Clip", [A, zero, g.constant(a.max_value, "max_value")])
    if a.negative_slope:
        below = g.node("Relu", [g.node("Sub", [g.constant(a.threshold, "threshold"), Z])])
        A = g.node("Sub", [A, g.node("Mul", [below, g.constant(a.negative_slope, "slope")])])
    return A


def _selu(g, Z):
    # λ z for z > 0, λ α (e^{min(z, 0)} − 1) otherwise, as elu (no float64 Selu in onnxruntime; exact constants)
    negative = _expm1(g, g.node("Min", [Z, g.constant(0.0, "zero")]))
    A = g.node("Add", [g.node("Relu", [Z]), g.node("Mul", [negative, g.constant(_activations.SELU_ALPHA, "alpha")])])
    return g.node("Mul", [A, g.constant(_activations.SELU_SCALE, "scale")])


def _gelu(g, Z, a):
    if a.approximate:  # z σ(2u), u = √(2/π)(z + 0.044715 z³)
        cube = g.node("Mul", [g.node("Mul", [Z, Z]), Z])
        inner = g.node("Add", [Z, g.node("Mul", [cube, g.constant(0.044715, "c")])])
        return _z_times(g, Z, _sigmoid(g, _scaled(g, inner, 2 * 0.7978845608028654)))
    if g.dtype != np.float16:  # z · ½ erfc(-z/√2), as predict computes it (float32 1 + erf(z/√2) was 0 at z = -5.8)
        return _z_times(g, Z, _scaled(g, _erfc(g, _scaled(g, Z, -0.7071067811865476)), 0.5))
    # float16: z · ½ (1 + erf(z/√2)); onnxruntime has Erf in float32 only: computed there
    to_float32 = g.helper.np_dtype_to_tensor_dtype(np.dtype(np.float32))
    erf32 = g.node("Erf", [g.node("Cast", [_scaled(g, Z, 0.7071067811865476)], to=to_float32)])
    erf = g.node("Cast", [erf32], to=g.helper.np_dtype_to_tensor_dtype(g.dtype))
    half = g.node("Mul", [g.node("Add", [erf, g.constant(1.0, "one")]), g.constant(0.5, "half")])
    return _z_times(g, Z, half)


def _softsign(g, Z):
    # z clipped to ±big first, as Softsign.forward: ±big / (1 + big) = ±1 at ±inf, where inf / inf was NaN
    C = _clip_to_finite(g, Z)
    return g.node("Div", [C, g.node("Add", [g.node("Abs", [C]), g.constant(1.0, "one")])])


def _hard_sigmoid(g, Z):
    shifted = g.node("Add", [Z, g.constant(3.0, "three")])
    clipped = g.node("Clip", [shifted, g.constant(0.0, "zero"), g.constant(6.0, "six")])
    return g.node("Div", [clipped, g.constant(6.0, "six")])


def _celu(g, Z, a):
    # max(z, 0) + α expm1(min(z, 0)/α), with _expm1's precision, as CELU computes it: divided by α, not
    # multiplied by 1/α, which is inf for an α below the dtype's 1/max (float32 1e-39: 0 · inf = NaN at z >= 0)
    negative = g.node("Min", [Z, g.constant(0.0, "zero")])
    if a.alpha != 1.0:
        negative = g.node("Div", [negative, g.constant(a.alpha, "alpha")])
    return g.node("Add", [g.node("Relu", [Z]), _scaled(g, _expm1(g, negative), a.alpha)])


def _soft_shrink(g, Z, a):
    t = a.threshold
    inner = _where_nan_kept(g, Z, g.node("Less", [Z, g.constant(-t, "threshold")]),
                            g.node("Add", [Z, g.constant(t, "threshold")]), 0.0)
    return g.node("Where", [g.node("Greater", [Z, g.constant(t, "threshold")]),
                            g.node("Sub", [Z, g.constant(t, "threshold")]), inner])


def _log_sigmoid(g, Z):
    # min(z, 0) - log1p(e^{-|z|}), as LogSigmoid computes it
    tail = g.node("Exp", [g.node("Neg", [g.node("Abs", [Z])])])
    return g.node("Sub", [g.node("Min", [Z, g.constant(0.0, "zero")]), _log1p(g, tail)])


def _sparse_plus(g, Z):
    C = g.node("Add", [g.node("Clip", [Z, g.constant(-1.0, "low"), g.constant(1.0, "high")]), g.constant(1.0, "one")])
    middle = g.node("Mul", [g.node("Mul", [C, C]), g.constant(0.25, "quarter")])
    return g.node("Where", [g.node("GreaterOrEqual", [Z, g.constant(1.0, "one")]), Z, middle])


def _squareplus(g, Z, a):
    # s = √(z² + b) scaled by m = max(|z|, √b) (z² overflowed float32 from |z| = 2e19), then the two branches of
    # Squareplus: (z + s)/2 for z >= 0, b / (2 (s - z)) below; at ±inf the limits inf and 0
    root_b = a.b ** 0.5
    m = g.node("Max", [g.node("Abs", [Z]), g.constant(max(root_b, float(np.finfo(g.dtype).tiny)), "root_b")])
    ratio, ratio_b = g.node("Div", [Z, m]), g.node("Div", [g.constant(root_b, "root_b"), m])
    S = g.node("Mul", [m, g.node("Sqrt", [g.node("Add", [g.node("Mul", [ratio, ratio]),
                                                         g.node("Mul", [ratio_b, ratio_b])])])])
    half_s, half_z = _scaled(g, S, 0.5), _scaled(g, Z, 0.5)
    positive = g.node("Add", [half_z, half_s])
    negative = g.node("Div", [g.constant(0.25 * a.b, "quarter_b"), g.node("Sub", [half_s, half_z])])
    A = g.node("Where", [g.node("GreaterOrEqual", [Z, g.constant(0.0, "zero")]), positive, negative])
    return g.node("Where", [_is_inf(g, Z), g.node("Relu", [Z]), A])


def _tanh_shrink(g, Z):
    # z - tanh z cancels near 0: below the dtype's threshold the series z³ (1/3 - 2z²/15 + ...), Horner in
    # z², of a z zeroed above it (where it would overflow), as TanhShrink.forward
    small = g.node("Less", [g.node("Abs", [Z]), g.constant(_activations.tanh_shrink_threshold(g.dtype), "threshold")])
    X = g.node("Where", [small, Z, g.constant(0.0, "zero")])
    X2 = g.node("Mul", [X, X])
    S = g.constant(_activations.TANH_SHRINK_SERIES[-1], "c")
    for c in _activations.TANH_SHRINK_SERIES[-2::-1]:
        S = g.node("Add", [g.node("Mul", [S, X2]), g.constant(c, "c")])
    series = g.node("Mul", [g.node("Mul", [X, X2]), S])
    return g.node("Where", [small, series, g.node("Sub", [Z, g.node("Tanh", [Z])])])


def _sparsemax(g, Z):
    # τ = max_k (Σ_{j<=k} z_(j) - 1)/k over the row, shifted by its largest z and sorted in descending order
    # (TopK of the whole row), then max(z - τ, 0); a row with NaN or +inf, or all -inf, is NaN, as
    # Sparsemax.forward. The TopK sorts the rows as one matrix with a row of ones appended, whose τ is
    # dropped: onnxruntime 1.21 to 1.30 killed the process (SIGFPE) in a TopK of no rows, an empty batch
    largest = g.node("ReduceMax", [Z], axes=[-1], keepdims=1)
    total = g.node("ReduceSum", [Z, g.constant([-1], "axes", dtype=np.int64)], keepdims=1)
    bad = g.node("Or", [g.node("IsNaN", [total]), _is_inf(g, largest)])  # (not the sum's overflow)
    Z = g.node("Sub", [Z, largest])
    rows = g.node("Flatten", [Z], axis=-1)  # (m, n): the m rows of n numbers
    width = g.node("Shape", [rows], start=-1)
    one = g.helper.make_tensor("value", g.helper.np_dtype_to_tensor_dtype(g.dtype), [1], [1.0])
    ones = g.node("ConstantOfShape", [g.node("Concat", [g.constant([1], "one_row", dtype=np.int64), width], axis=0)],
                  value=one)  # (1, n)
    name = g.name("sorted")
    g.nodes.append(g.helper.make_node("TopK", [g.node("Concat", [rows, ones], axis=0), width],
                                      [name, name + "_indices"], name=name, axis=-1, largest=1, sorted=1))
    last = g.constant(-1, "axis", dtype=np.int64)
    cumulative = g.node("CumSum", [name, last])
    k = g.node("CumSum", [ones, last])  # 1, 2, ..., n
    ratios = g.node("Div", [g.node("Sub", [cumulative, g.constant(1.0, "one")]), k])
    tau = g.node("ReduceMax", [ratios], axes=[-1], keepdims=1)  # (m + 1, 1)
    zero, minus_one = g.constant([0], "zero", dtype=np.int64), g.constant([-1], "minus_one", dtype=np.int64)
    tau = g.node("Slice", [tau, zero, minus_one, zero])  # (m, 1): rows 0 to -1 of axis 0, the appended one off
    tau = g.node("Reshape", [tau, g.node("Shape", [largest])], allowzero=1)  # (a 0 in the shape is no copy)
    A = g.node("Relu", [g.node("Sub", [Z, tau])])
    return g.node("Where", [bad, g.constant(float("nan"), "nan"), A])


_ONNX_ACTIVATIONS = {
    _activations.GeneralReLU: _general_relu,
    _activations.ReLU6: lambda g, Z, a: g.node("Clip", [Z, g.constant(0.0, "zero"), g.constant(6.0, "six")]),
    _activations.SELU: lambda g, Z, a: _selu(g, Z),
    _activations.GELU: _gelu,
    _activations.SiLU: lambda g, Z, a: _z_times(g, Z, _sigmoid(g, Z)),
    _activations.Mish: lambda g, Z, a: _z_times(g, Z, g.node("Tanh", [_softplus(g, Z, a)])),
    _activations.HardSigmoid: lambda g, Z, a: _hard_sigmoid(g, Z),
    _activations.HardSiLU: lambda g, Z, a: _z_times(g, Z, _hard_sigmoid(g, Z)),
    _activations.Exponential: lambda g, Z, a: g.node("Exp", [Z]),
    _activations.Softsign: lambda g, Z, a: _softsign(g, Z),
    _activations.Linear: lambda g, Z, a: Z,
    _activations.ReLU: lambda g, Z, a: g.node("Relu", [Z]),
    _activations.Tanh: lambda g, Z, a: g.node("Tanh", [Z]),
    _activations.Sigmoid: lambda g, Z, a: _sigmoid(g, _scaled(g, Z, a.steepness)),
    _activations.BipolarSigmoid: lambda g, Z, a: g.node("Tanh", [_scaled(g, Z, 0.5 * a.steepness)]),
    _activations.Softmax: lambda g, Z, a: _softmax(g, Z, a.beta, a.axis),
    _activations.LogSoftmax: lambda g, Z, a: _log_softmax(g, Z, a.axis),
    _activations.LeakyReLU: _leaky_relu,
    _activations.ELU: _elu,
    _activations.Softplus: _softplus,
    _activations.Ramp: lambda g, Z, a: g.node("Clip", [Z, g.constant(-1.0, "low"), g.constant(1.0, "high")]),
    _activations.Step: lambda g, Z, a: _step(g, Z, a.at_zero),
    _activations.Sign: lambda g, Z, a: _sign(g, Z),
    _activations.Argmax: lambda g, Z, a: _argmax(g, Z),
    _activations.CELU: _celu,
    _activations.HardTanh: lambda g, Z, a: g.node("Clip", [Z, g.constant(-1.0, "low"), g.constant(1.0, "high")]),
    _activations.HardShrink: lambda g, Z, a: _where_nan_kept(
        g, Z, g.node("Greater", [g.node("Abs", [Z]), g.constant(a.threshold, "threshold")]), Z, 0.0),
    _activations.SoftShrink: _soft_shrink,
    _activations.TanhShrink: lambda g, Z, a: _tanh_shrink(g, Z),
    _activations.Threshold: lambda g, Z, a: _where_nan_kept(
        g, Z, g.node("Greater", [Z, g.constant(a.threshold, "threshold")]), Z, a.default_value),
    _activations.LogSigmoid: lambda g, Z, a: _log_sigmoid(g, Z),
    _activations.SparsePlus: lambda g, Z, a: _sparse_plus(g, Z),
    _activations.SparseSigmoid: lambda g, Z, a: _scaled(g, g.node("Clip", [
        g.node("Add", [Z, g.constant(1.0, "one")]), g.constant(0.0, "zero"), g.constant(2.0, "two")]), 0.5),
    _activations.Squareplus: _squareplus,
    _activations.Sparsemax: lambda g, Z, a: _sparsemax(g, Z),
}


def _activation(g, Z, activation, where):
    emit = _ONNX_ACTIVATIONS.get(type(activation))
    if emit is None:
        # a plain callable's repr is FunctionActivation(): its name says which one it is
        what = (f"the function {activation.name!r}" if isinstance(activation, _activations.FunctionActivation)
                else f"the activation {activation!r}")
        raise ValueError(
            f"Cannot export {what} of {where} to ONNX: only the built-in activations a layer takes "
            f"({', '.join(_activations.layer_names())}, and Threshold(threshold, default_value)) have an ONNX form."
        )
    return emit(g, Z, activation)
