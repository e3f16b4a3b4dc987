"""Export a :class:`~glassnet.models.Sequential` model to ONNX (SPEC B4).

>>> from glassnet.onnx import export
>>> export(model, "model.onnx")                    # doctest: +SKIP
>>> import onnxruntime as ort                      # doctest: +SKIP
>>> ort.InferenceSession("model.onnx").run(None, {"input": x})[0]   # == model.predict(x)

The graph computes what :meth:`Sequential.predict` computes (inference mode):

* ``Dense``: ``Z = X W + b`` as ``Gemm`` (``MatMul`` without bias; ``MatMul`` and ``Add`` on samples of several
  axes, over the last), then its activation;
* ``SpectralNormalization``: its Dense or Embedding, with the kernel or table as training left it
  (normalized; inference does not normalize);
* ``Activation``: the activation alone;
* ``Dropout``: nothing (dropout is the identity at inference);
* ``BatchNormalization``: ONNX ``BatchNormalization`` with the running statistics (samples of
  several axes: ``Mul`` and ``Add`` along the last);
* ``Flatten``: ``Flatten(axis=1)`` (after a ``Transpose`` that moves the channels last for
  ``data_format="channels_first"``);
* ``Reshape``: ONNX ``Reshape`` to ``(n, *output_shape)``; ``Permute``: ``Transpose`` with ``perm=(0, *dims)``;
* ``GlobalAveragePooling1D``, ``GlobalMaxPooling1D``: ``ReduceMean``, ``ReduceMax`` over the steps axis;
* ``GaussianNoise``, ``GaussianDropout``, ``AlphaDropout``, ``Identity``, ``ActivityRegularization``: nothing (identity at
  inference);
* ``PReLU``: ONNX ``PRelu`` with the slopes ``α``;
* ``Embedding``: ``Gather`` of the table's rows at the ids, ``Cast`` from the float input to int64 (the graph
  does not check the ids: onnxruntime refuses an id ≥ ``input_dim``, ONNX reads a negative one from the end
  and the cast truncates a fraction, where predict raises ``ValueError``);
* ``UnitNormalization``: ``X · Min(1/Sqrt(ReduceSum(X²)), 1e12)``, Keras's bounded inverse norm;
* ``LayerNormalization``: ONNX ``LayerNormalization`` (opset 17) in float32; in float64 its
  steps (``ReduceMean``, ``Sub``, ``Mul``, ``Sqrt``, ``Div``, ``Add``), since ONNX's epsilon
  attribute is a float32 (the steps in float32 too over axes with others between them, ``axis=[1, 3]``,
  which ONNX's, normalizing from one axis to the last, cannot take);
* ``RMSNormalization``: ``X · scale / Sqrt(ReduceMean(X²) + ε)``;
* ``GroupNormalization``: ``Reshape`` to ``(n, −1, G, C/G)``, the steps of ``LayerNormalization``
  over axes 1 and 3, ``Reshape`` back, then ``γ`` and ``β`` per channel (ε in the model's precision; both
  layers take a float16 model's statistics in float32, as predict does);
* ``Rescaling``: ``Mul`` and ``Add`` (by a number, or per channel by a 1-D constant); ``Normalization``: ``Sub`` and ``Div`` by
  ``max(sqrt(variance), ε)`` (``Mul`` and ``Add`` with ``invert=True``).
* ``Discretization``: the bin as ``ReduceSum(Cast(GreaterOrEqual(X, boundaries)))`` (NaN to the last bin, by
  ``Where(IsNaN(X))``); ``CategoryEncoding`` and Discretization's encodings: ``Equal`` against ``0, 1, …``, then
  ``ReduceMax`` (multi_hot) or ``ReduceSum`` (count) over the sample's ids. An id out of range gives a row of
  zeros there (as Keras on JAX): a graph cannot raise predict's ValueError.

Every built-in activation has an exact ONNX form: ``relu``, ``tanh``,
``sigmoid`` (steepness λ: ``1/(1 + e^{-λz})``, which keeps the tail onnxruntime's ``Sigmoid``
loses), ``bipolar_sigmoid``
(``2σ(λz) − 1 = tanh(λz/2)``), ``softmax`` (β: ``Softmax(βz)``),
``log_softmax``, ``leaky_relu``, ``elu``, ``softplus``, ``linear``, ``ramp``
(``Clip``), ``step`` and ``sign`` (comparisons) and the tie-splitting
``argmax``, Keras's ``selu``, ``gelu`` (float32 and float64: glassnet's erfc, as predict computes it,
onnxruntime having no float64 Erf and ``1 + erf`` losing the tail below z ≈ -3; float16: Erf in float32),
``silu``, ``mish``, ``relu6``, ``hard_sigmoid``, ``hard_silu``, ``exponential``, ``softsign``, ``celu``,
``hard_shrink``, ``hard_tanh``, ``log_sigmoid``, ``soft_shrink``, ``sparse_plus``, ``sparse_sigmoid``,
``squareplus``, ``tanh_shrink`` (near 0 its series, as predict), ``threshold``, ``sparsemax`` (``TopK``
of the row, ``CumSum``) and
relu with arguments (``GeneralReLU``). A user callable cannot be translated and raises ``ValueError``
(``glu``, which no layer takes, has no form either). In float16, float32 and float64 alike each graph
gives what the activation gives for NaN, ±inf and the dtype's extremes too: ``z · F`` (silu, gelu,
hard_silu, mish) takes z = -inf as the dtype's most negative number (-0, not ``-inf · 0 = NaN``),
softsign clips z to the finite range (±1 at ±inf), and argmax and log_softmax keep a row with a NaN
(log_softmax: with +inf, or all -inf) all NaN.

The batch dimension is symbolic (``"N"``); input ``"input"``, output ``"output"``,
in the model's dtype (float32, float64 or float16; onnxruntime's CPU kernels run many float16 nodes
in float32 and drop the casts between them, so where predict overflows float16 to inf or NaN,
``Rescaling(6e4)`` before a ``UnitNormalization`` for one, onnxruntime may give a finite number, and
ties of ``argmax`` or a step can land on the other side). A classifier trained by ``glassnet train``
(its class labels in ``model.metadata["classes"]``) has a second output, ``"label"``:
the class label of each row as text, as ``glassnet predict`` prints it. A fitted
``glassnet.sklearn`` estimator exports with scikit-learn's outputs, as skl2onnx names them
(``zipmap=False``): ``label`` (``predict``: ``classes_``'s values, int64, float64 or text; 0/1
int64 columns for multilabel) and ``probabilities`` (``predict_proba``) of a classifier,
``variable`` of a regressor. ``onnx`` is an optional extra
(``pip install "glassnet[onnx]"``); the file is written atomically.
"""


import os
import sys

import numpy as np

from . import activations as _activations
from .backend import to_numpy
from ._io import atomic_write, check_replace
from ._validation import check_path
from .layers import (ELU, Activation, ActivityRegularization, AlphaDropout, BatchNormalization, CategoryEncoding,
                     Dense, Discretization, Dropout, Embedding, Flatten, GaussianDropout, GaussianNoise,
                     GlobalAveragePooling1D, GlobalMaxPooling1D, GroupNormalization, Identity, LayerNormalization,
                     LeakyReLU, Normalization, Permute, PReLU, ReLU, Rescaling, Reshape, RMSNormalization, Softmax,
                     SpectralNormalization, UnitNormalization)

__all__ = ["export", "to_onnx", "OPSET"]

OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; read by onnxruntime >= 1.13


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export requires the onnx package: pip install \"glassnet[onnx]\" (or pip install onnx)."
        ) from None
    return onnx


class _Graph:
    """Collects nodes and constant tensors with unique names."""

    def __init__(self, onnx, dtype):
        self.onnx = onnx
        self.helper = onnx.helper
        self.dtype = np.dtype(dtype)
        self.nodes = []
        self.initializers = []
        self._count = 0

    def name(self, base):
        self._count += 1
        return f"{base}_{self._count}"

    def constant(self, value, base="const", dtype=None):
        array = np.asarray(to_numpy(value), dtype=dtype or self.dtype)  # weights of any namespace or device
        name = self.name(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op, inputs, base=None, **attributes):
        out = self.name(base or op.lower())
        self.nodes.append(self.helper.make_node(op, list(inputs), [out], name=out, **attributes))
        return out


# ---- activations: each returns the name of g(Z) ------------------------------
def _scaled(g, Z, factor):
    """``factor · Z`` (no node when the factor is 1)."""
    return Z if factor == 1.0 else g.node("Mul", [Z, g.constant(factor, "scale")])


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
    has_nan = g.node("ReduceMax", [g.node("Cast", [g.node("IsNaN", [Z])], to=elem)], axes=[-1], keepdims=1)
    return g.node("Where", [g.node("Cast", [has_nan], to=g.onnx.TensorProto.BOOL), g.constant(float("nan"), "nan"), A])


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


def _leaky_relu(g, Z, a):
    if g.dtype == np.float32:
        return g.node("LeakyRelu", [Z], alpha=a.negative_slope)
    # ONNX attributes are float32; PRelu takes the slope as a float64 tensor.
    return g.node("PRelu", [Z, g.constant(a.negative_slope, "slope")])


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


def _softplus(g, Z, a):
    if g.dtype == np.float32:
        return g.node("Softplus", [Z])
    # onnxruntime has no float64 Softplus: max(z, 0) + log1p(e^{-|z|}), which never overflows
    # (and keeps softplus(-50) = 2e-22, which log(1 + 2e-22) rounds to 0).
    tail = g.node("Exp", [g.node("Neg", [g.node("Abs", [Z])])])
    return g.node("Add", [g.node("Relu", [Z]), _log1p(g, tail)])


def _expm1(g, Z):
    """``e^z − 1`` for ``z <= 0`` without the cancellation of ``e^z − 1`` near 0 (ONNX has no Expm1;
    ``e^{-1e-8} − 1`` keeps 8 of float64's 16 digits): ``2t/(1 − t)`` with ``t = tanh(z/2)``, each
    term accurate relative to its value (``1 − t`` lies in [1, 2))."""
    t = g.node("Tanh", [_scaled(g, Z, 0.5)])
    return g.node("Div", [g.node("Add", [t, t]), g.node("Sub", [g.constant(1.0, "one"), t])])


def _elu(g, Z, a):
    # max(z, 0) + α expm1(min(z, 0)): z for z > 0, α(e^z − 1) below, with expm1's precision (onnxruntime
    # has no float64 Elu, and its float32 Elu gave 0 for z = -3e-8, where predict keeps the value)
    negative = _expm1(g, g.node("Min", [Z, g.constant(0.0, "zero")]))
    return g.node("Add", [g.node("Relu", [Z]), g.node("Mul", [negative, g.constant(a.alpha, "alpha")])])


def _nan_kept(g, Z, A):
    """``A`` where ``Z`` is a number, NaN where ``Z`` is NaN (as step and sign keep it)."""
    return g.node("Where", [g.node("IsNaN", [Z]), Z, A])


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


def _where_nan_kept(g, Z, condition, A, otherwise):
    """``A`` where ``condition``, else ``otherwise`` (a number), NaN kept NaN (the shrinks' and threshold's rule)."""
    return g.node("Where", [condition, A, _nan_kept(g, Z, g.constant(otherwise, "otherwise"))])


def _celu(g, Z, a):
    # max(z, 0) + α expm1(min(z, 0)/α), with _expm1's precision, as CELU computes it
    negative = _expm1(g, _scaled(g, g.node("Min", [Z, g.constant(0.0, "zero")]), 1.0 / a.alpha))
    return g.node("Add", [g.node("Relu", [Z]), _scaled(g, negative, a.alpha)])


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


def _is_inf(g, X, **attributes):
    """``IsInf(X)``, which opset 17 has for float32 and float64 only: a float16 ``X`` is cast to
    float32 first (exact: every float16 is a float32)."""
    if g.dtype == np.float16:
        X = g.node("Cast", [X], to=g.helper.np_dtype_to_tensor_dtype(np.dtype(np.float32)))
    return g.node("IsInf", [X], **attributes)


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
    # Sparsemax.forward
    largest = g.node("ReduceMax", [Z], axes=[-1], keepdims=1)
    total = g.node("ReduceSum", [Z, g.constant([-1], "axes", dtype=np.int64)], keepdims=1)
    bad = g.node("Or", [g.node("IsNaN", [total]), _is_inf(g, largest)])  # (not the sum's overflow)
    Z = g.node("Sub", [Z, largest])
    width = g.node("Shape", [Z], start=-1)
    name = g.name("sorted")
    g.nodes.append(g.helper.make_node("TopK", [Z, width], [name, name + "_indices"], name=name, axis=-1,
                                      largest=1, sorted=1))
    last = g.constant(-1, "axis", dtype=np.int64)
    cumulative = g.node("CumSum", [name, last])
    one = g.helper.make_tensor("value", g.helper.np_dtype_to_tensor_dtype(g.dtype), [1], [1.0])
    k = g.node("CumSum", [g.node("ConstantOfShape", [g.node("Shape", [Z])], value=one), last])
    ratios = g.node("Div", [g.node("Sub", [cumulative, g.constant(1.0, "one")]), k])
    tau = g.node("ReduceMax", [ratios], axes=[-1], keepdims=1)
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


# ---- layers --------------------------------------------------------------------
def _dense(g, X, layer, name=None):
    """``g(X W + b)``; ``name``: the model's layer that holds the Dense (a SpectralNormalization, whose
    kernel, already normalized by training, is exported as it is: inference does not normalize)."""
    name = name or layer.name
    W = g.constant(layer.params["W"], f"{name}_W")
    if layer.use_bias and len(layer.input_shape) == 1:
        Z = g.node("Gemm", [X, W, g.constant(layer.params["b"], f"{name}_b")], base=f"{name}_z")
    else:  # (samples of several axes: Gemm takes 2-D inputs only, MatMul broadcasts over the leading axes)
        Z = g.node("MatMul", [X, W], base=f"{name}_z")
        if layer.use_bias:
            Z = g.node("Add", [Z, g.constant(layer.params["b"], f"{name}_b")], base=f"{name}_zb")
    return _activation(g, Z, layer.activation, f"layer {name!r}")


def _batch_norm(g, X, layer):
    values = dict(zip(layer.weight_names, (to_numpy(w) for w in layer.weights)))
    # ONNX's epsilon attribute is a float32: 1e-3 would become 1.0000000475e-3 and cost a
    # float64 model ~1e-8. The variance carries ε instead, in the model's precision.
    values["moving_variance"] = values["moving_variance"] + values["moving_variance"].dtype.type(layer.epsilon)
    values.setdefault("gamma", np.ones_like(values["moving_mean"]))  # scale=False
    values.setdefault("beta", np.zeros_like(values["moving_mean"]))  # center=False
    if len(layer.input_shape) > 1:
        # ONNX's BatchNormalization takes the channels at axis 1: samples (n, ..., features) are scaled and
        # shifted along the last axis instead, y = x·s + (β − m·s) with s = γ/sqrt(σ² + ε)
        s = values["gamma"] / np.sqrt(values["moving_variance"])
        Y = g.node("Mul", [X, g.constant(s, f"{layer.name}_scale")])
        return g.node("Add", [Y, g.constant(values["beta"] - values["moving_mean"] * s, f"{layer.name}_shift")],
                      base=layer.name)
    keys = ("gamma", "beta", "moving_mean", "moving_variance")
    inputs = [X] + [g.constant(values[key], f"{layer.name}_{key}") for key in keys]
    return g.node("BatchNormalization", inputs, base=layer.name, epsilon=0.0)


def _flatten(g, X, layer):
    if layer._channels_moved(1 + len(layer.input_shape)):  # channels_first: (n, C, H, W) read as (n, H, W, C)
        X = g.node("Transpose", [X], base=f"{layer.name}_channels_last",
                   perm=[0, *range(2, 1 + len(layer.input_shape)), 1])
    return g.node("Flatten", [X], base=layer.name, axis=1)


def _reshape(g, X, layer):
    # the batch axis kept (0 copies it), each sample to the shape the layer resolved at build
    shape = g.constant([0, *layer.output_shape], f"{layer.name}_shape", dtype=np.int64)
    return g.node("Reshape", [X, shape], base=layer.name)


def _layer_norm(g, X, layer):
    n_dims = 1 + len(layer.input_shape)
    axes = sorted(axis % n_dims for axis in layer._axes)
    # γ and β shaped to broadcast from the first normalized axis on ((4, 5) for axis=[1, 2] on (4, 5) samples)
    shape = [n if i in axes else 1 for i, n in enumerate(layer.input_shape, 1)][axes[0] - 1:]
    gamma = (to_numpy(layer.params["gamma"]) if layer.scale else np.ones(shape)).reshape(shape)
    beta = to_numpy(layer.params["beta"]).reshape(shape) if layer.center else None
    if g.dtype == np.float32 and axes == list(range(axes[0], n_dims)):  # ONNX's takes the axes from `axis` to the last
        inputs = [X, g.constant(gamma, f"{layer.name}_gamma")]
        if layer.center:
            inputs.append(g.constant(beta, f"{layer.name}_beta"))
        return g.node("LayerNormalization", inputs, base=layer.name, axis=axes[0], epsilon=layer.epsilon)
    # float64 (and axes with others between them): x̂ = (x − μ)/sqrt(σ² + ε) step by step, ε in the model's precision
    centered = g.node("Sub", [X, g.node("ReduceMean", [X], axes=axes, keepdims=1)])
    var = g.node("ReduceMean", [g.node("Mul", [centered, centered])], axes=axes, keepdims=1)
    std = g.node("Sqrt", [g.node("Add", [var, g.constant(layer.epsilon, "epsilon")])])
    Y = g.node("Mul", [g.node("Div", [centered, std]), g.constant(gamma, f"{layer.name}_gamma")])
    return g.node("Add", [Y, g.constant(beta, f"{layer.name}_beta")]) if layer.center else Y


def _statistics_dtype(g, X):
    """``(X, dtype)`` for a normalization's statistics: float16 in float32 (its squares overflow
    above 256), as predict takes them, else the model's dtype."""
    if g.dtype != np.float16:
        return X, g.dtype
    return g.node("Cast", [X], to=g.onnx.TensorProto.FLOAT), np.float32


def _model_dtype(g, X):
    """A statistic back in the model's dtype (from float32 for float16), as predict rounds it."""
    return X if g.dtype != np.float16 else g.node("Cast", [X], to=g.helper.np_dtype_to_tensor_dtype(g.dtype))


def _rms_norm(g, X, layer):
    Xs, dtype = _statistics_dtype(g, X)
    mean_square = g.node("ReduceMean", [g.node("Mul", [Xs, Xs])], axes=[-1], keepdims=1)
    inv_rms = g.node("Reciprocal", [g.node("Sqrt", [g.node("Add", [
        mean_square, g.constant(layer.epsilon, f"{layer.name}_epsilon", dtype)])])])
    X_hat = g.node("Mul", [X, _model_dtype(g, inv_rms)])
    return g.node("Mul", [X_hat, g.constant(layer.params["scale"], f"{layer.name}_scale")], base=layer.name)


def _group_norm(g, X, layer):
    C = layer.input_shape[-1]
    grouped_shape = g.constant([0, -1, layer.groups, C // layer.groups], f"{layer.name}_groups", dtype=np.int64)
    Xg = g.node("Reshape", [X, grouped_shape])
    Xs, dtype = _statistics_dtype(g, Xg)
    mean = g.node("ReduceMean", [Xs], axes=[1, 3], keepdims=1)
    centered = g.node("Sub", [Xs, mean])
    var = g.node("ReduceMean", [g.node("Mul", [centered, centered])], axes=[1, 3], keepdims=1)
    inv_std = g.node("Reciprocal", [g.node("Sqrt", [g.node("Add", [
        var, g.constant(layer.epsilon, f"{layer.name}_epsilon", dtype)])])])
    # x̂ = (x − μ)·(1/sqrt(σ² + ε)) in the model's dtype, as predict computes it
    X_hat = g.node("Mul", [g.node("Sub", [Xg, _model_dtype(g, mean)]), _model_dtype(g, inv_std)])
    Y = g.node("Reshape", [X_hat, g.node("Shape", [X])])
    if layer.scale:
        Y = g.node("Mul", [Y, g.constant(layer.params["gamma"], f"{layer.name}_gamma")])
    if layer.center:
        Y = g.node("Add", [Y, g.constant(layer.params["beta"], f"{layer.name}_beta")])
    return Y


def _rescaling(g, X, layer):
    # a per-channel scale or offset is a 1-D constant, broadcast against the last axis as in NumPy
    Y = g.node("Mul", [X, g.constant(layer.scale, f"{layer.name}_scale")], base=layer.name)
    return g.node("Add", [Y, g.constant(layer.offset, f"{layer.name}_offset")]) if np.any(layer.offset) else Y


def _normalization(g, X, layer):
    mean, std = (to_numpy(v) for v in layer._statistics())
    mean, std = g.constant(mean, f"{layer.name}_mean"), g.constant(std, f"{layer.name}_std")
    if layer.invert:
        return g.node("Add", [g.node("Mul", [X, std]), mean], base=layer.name)
    return g.node("Div", [g.node("Sub", [X, mean]), std], base=layer.name)


def _encode(g, ids, layer, mode, depth):
    """Keras's encodings of the ``(n, k)`` float ids, as :func:`glassnet.layers.category_encoding.encode`."""
    hot = g.node("Cast", [g.node("Equal", [g.node("Unsqueeze", [ids, g.constant([-1], dtype=np.int64)]),
                                          g.constant(np.arange(depth), f"{layer.name}_tokens")])],
                 to=g.helper.np_dtype_to_tensor_dtype(g.dtype))  # (n, k, depth)
    if mode == "one_hot":
        if layer.input_shape[-1] != 1:
            return hot
        return g.node("Squeeze", [hot, g.constant([1], dtype=np.int64)], base=layer.name)
    if mode == "multi_hot":
        return g.node("ReduceMax", [hot], axes=[1], keepdims=0, base=layer.name)
    return g.node("ReduceSum", [hot, g.constant([1], dtype=np.int64)], keepdims=0, base=layer.name)


def _discretization(g, X, layer):
    boundaries = layer.bin_boundaries
    if boundaries is None:
        raise ValueError(f"Cannot export layer {layer.name!r} (Discretization): it has no bin_boundaries yet; call "
                         "its adapt(data) first.")
    base = layer.name if layer.output_mode == "int" else None
    nan = g.node("IsNaN", [X])
    if not boundaries:  # one bin: every value's is 0 (NaN's too), of X's shape
        ids = g.node("Mul", [g.node("Cast", [nan], to=g.helper.np_dtype_to_tensor_dtype(g.dtype)),
                             g.constant(0, f"{layer.name}_zero")], base=base)
    else:
        above = g.node("GreaterOrEqual", [g.node("Unsqueeze", [X, g.constant([-1], dtype=np.int64)]),
                                          g.constant(boundaries, f"{layer.name}_boundaries")])
        count = g.node("ReduceSum", [g.node("Cast", [above], to=g.helper.np_dtype_to_tensor_dtype(g.dtype)),
                                     g.constant([-1], dtype=np.int64)], keepdims=0)
        ids = g.node("Where", [nan, g.constant(len(boundaries), f"{layer.name}_last"), count], base=base)
    return ids if layer.output_mode == "int" else _encode(g, ids, layer, layer.output_mode, len(boundaries) + 1)


def _unit_norm(g, X, layer):
    axes = g.constant(list(layer._axes(1 + len(layer.input_shape))), f"{layer.name}_axes", dtype=np.int64)
    Xs, dtype = _statistics_dtype(g, X)  # float16 in float32, as predict (its squares underflow)
    square_sum = g.node("ReduceSum", [g.node("Mul", [Xs, Xs]), axes], keepdims=1)
    inv_norm = g.node("Reciprocal", [g.node("Sqrt", [square_sum])])
    bounded = g.node("Min", [inv_norm, g.constant(1e12, f"{layer.name}_inv_epsilon", dtype)])
    if g.dtype != np.float16:
        return g.node("Mul", [X, bounded], base=layer.name)
    return g.node("Cast", [g.node("Mul", [Xs, bounded])], to=g.helper.np_dtype_to_tensor_dtype(g.dtype),
                  base=layer.name)


_ONNX_LAYERS = {
    Dense: _dense,
    # the wrapped layer under the wrapper's name, with the matrix training normalized (inference does not)
    SpectralNormalization: lambda g, X, layer: _ONNX_LAYERS[type(layer.layer)](g, X, layer.layer, layer.name),
    Activation: lambda g, X, layer: _activation(g, X, layer.activation, f"layer {layer.name!r}"),
    **{cls: lambda g, X, layer: _activation(g, X, layer.activation, f"layer {layer.name!r}")
       for cls in (ReLU, LeakyReLU, ELU, Softmax)},  # Keras's activation layers are Activation layers
    Dropout: lambda g, X, layer: X,
    BatchNormalization: _batch_norm,
    Flatten: _flatten,
    Reshape: _reshape,
    Permute: lambda g, X, layer: g.node("Transpose", [X], base=layer.name, perm=[0, *layer.dims]),
    # (opset 17: the axes are an attribute; an input from opset 18)
    GlobalAveragePooling1D: lambda g, X, layer: g.node("ReduceMean", [X], base=layer.name, axes=[layer.steps_axis],
                                                       keepdims=int(layer.keepdims)),
    GlobalMaxPooling1D: lambda g, X, layer: g.node("ReduceMax", [X], base=layer.name, axes=[layer.steps_axis],
                                                   keepdims=int(layer.keepdims)),
    GaussianNoise: lambda g, X, layer: X,
    GaussianDropout: lambda g, X, layer: X,
    AlphaDropout: lambda g, X, layer: X,
    Identity: lambda g, X, layer: X,
    ActivityRegularization: lambda g, X, layer: X,
    PReLU: lambda g, X, layer: g.node("PRelu", [X, g.constant(layer.params["alpha"], f"{layer.name}_alpha")],
                                      base=layer.name),
    Embedding: lambda g, X, layer, name=None: g.node(
        "Gather", [g.constant(layer.params["embeddings"], f"{name or layer.name}_embeddings"),
                   g.node("Cast", [X], to=g.onnx.TensorProto.INT64)], base=name or layer.name, axis=0),
    UnitNormalization: _unit_norm,
    LayerNormalization: _layer_norm,
    RMSNormalization: _rms_norm,
    GroupNormalization: _group_norm,
    Rescaling: _rescaling,
    Normalization: _normalization,
    Discretization: _discretization,
    CategoryEncoding: lambda g, X, layer: _encode(g, X, layer, layer.output_mode, layer.num_tokens),
}


def _class_labels(model):
    """The class labels ``glassnet train`` saved in a classifier's metadata (one per output, or
    two for one sigmoid unit), else None."""
    classes = getattr(model, "metadata", {}).get("classes")
    n_out = int(np.prod(model.layers[-1].output_shape))
    if not isinstance(classes, list) or len(model.layers[-1].output_shape) != 1:
        return None
    return [str(c) for c in classes] if len(classes) == (2 if n_out == 1 else n_out) else None


def _label(g, P, classes, threshold):
    """The class label of each row of outputs ``P``, as ``glassnet predict``'s class column:
    ``classes[argmax]`` (the first of tied maxima, as NumPy), or for one output unit
    ``classes[p > threshold]`` (0.5 for a sigmoid, 0 for a tanh or hinge unit: see
    ``models._decision.decision_threshold``); ``threshold`` is None for several units."""
    if threshold is not None:
        index = g.node("Cast", [g.node("Greater", [P, g.constant(threshold)])], to=g.onnx.TensorProto.INT64)
        index = g.node("Squeeze", [index, g.constant([1], dtype=np.int64)])
    else:
        index = g.node("ArgMax", [P], axis=1, keepdims=0)
    classes = np.asarray(classes)
    if classes.dtype.kind in "USO":  # text: an ONNX string tensor
        classes = np.array([str(c) for c in classes], dtype=object)
    table = g.name("classes")
    g.initializers.append(g.onnx.numpy_helper.from_array(classes, table))
    return g.node("Gather", [table, index], axis=0)


def _estimator_outputs(g, A, estimator):
    """scikit-learn's outputs of a fitted glassnet.sklearn estimator, named and shaped as skl2onnx
    writes them (``zipmap=False``): a classifier's ``label`` (its ``predict``, in the dtype of
    ``classes_``) and ``probabilities`` (its ``predict_proba``: two columns for one logistic unit),
    a regressor's ``variable``. Returns ``[(name, tensor, element type, shape)]``."""
    helper, dtype = g.helper, g.helper.np_dtype_to_tensor_dtype(g.dtype)
    n = estimator.n_outputs_
    if not hasattr(estimator, "classes_"):
        return [("variable", A, dtype, ["N", n])]
    y_type = estimator._label_binarizer.y_type_
    if y_type == "multilabel-indicator":  # predict: (ŷ > 0.5) as 0/1 integers, one column per label
        label = g.node("Cast", [g.node("Greater", [A, g.constant(0.5)])], to=g.onnx.TensorProto.INT64)
        return [("label", label, g.onnx.TensorProto.INT64, ["N", n]), ("probabilities", A, dtype, ["N", n])]
    classes = np.asarray(estimator.classes_)
    label = _label(g, A, classes, 0.5 if n == 1 else None)  # LabelBinarizer: ŷ > 0.5, or the first argmax
    kind = (g.onnx.TensorProto.STRING if classes.dtype.kind in "USO"
            else helper.np_dtype_to_tensor_dtype(classes.dtype))
    if n == 1:  # predict_proba: [1 − ŷ, ŷ]
        A = g.node("Concat", [g.node("Sub", [g.constant(1.0, "one"), A]), A], axis=1)
    return [("label", label, kind, ["N"]), ("probabilities", A, dtype, ["N", len(classes)])]


def _fitted_estimator(obj):
    """``obj`` if it is a glassnet.sklearn estimator (an unfitted one raises scikit-learn's
    NotFittedError), else None; scikit-learn is not imported for that."""
    if "sklearn" not in sys.modules:  # no scikit-learn loaded: no estimator
        return None
    try:
        from sklearn.utils.validation import check_is_fitted

        from .sklearn._base import _BaseMLP
    except ImportError:  # a scikit-learn glassnet.sklearn does not support
        return None
    if not isinstance(obj, _BaseMLP):
        return None
    check_is_fitted(obj, "model_")
    return obj


def _pipeline_hint(obj):
    """What to do with a scikit-learn Pipeline that ends in a glassnet estimator: its other steps
    (a scaler, an encoder) have no glassnet graph, and exporting the last step alone silently drops them."""
    steps = getattr(obj, "steps", None)
    if not isinstance(steps, list) or not steps or not all(isinstance(s, tuple) and len(s) == 2 for s in steps):
        return ""
    try:
        if _fitted_estimator(steps[-1][1]) is None:
            return ""
    except ValueError:  # not fitted yet: the hint holds all the same
        pass
    before = ", ".join(f"{name!r} ({type(step).__name__})" for name, step in steps[:-1])
    return (f". glassnet exports its own networks only, not a Pipeline's other steps ({before}): export the "
            f"estimator, pipe[-1], and apply those steps to the input before onnxruntime runs the file "
            f"(pipe[:-1].transform(X)), as the file does not compute them.")


#: the largest protobuf message, and so ONNX file without external data: 2 GiB
_PROTOBUF_LIMIT = 2**31


def to_onnx(model):
    """Return the ``onnx.ModelProto`` of a built Sequential model (inference graph), or of a
    fitted ``glassnet.sklearn`` estimator (outputs ``label`` and ``probabilities``, or ``variable``).

    Raises
    ------
    ValueError
        For an unbuilt model, a layer without an ONNX form (a custom one), a
        custom activation, or a Normalization that was never adapted.
    TypeError
        When ``model`` is neither a glassnet Sequential nor a glassnet.sklearn estimator.
    sklearn.exceptions.NotFittedError
        For an estimator that was not fitted (a ValueError).
    ImportError
        When onnx is not installed.
    """
    from .models import Sequential

    estimator = None if isinstance(model, Sequential) else _fitted_estimator(model)
    if estimator is not None:
        model = estimator.model_
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet Sequential model or a glassnet.sklearn estimator. "
                        f"Received: {type(model).__name__}{_pipeline_hint(model)}")
    if not model.layers:  # (an Input alone: building would not help, as the error below says)
        raise ValueError("The model has no layers, so there is nothing to export; add some with model.add(...).")
    model._ensure_built()  # a declared input size is enough, as for summary() and save()
    if not model.built:
        raise ValueError("export() needs a built model: call fit(), predict() or build(input_shape) first.")
    for layer in model.layers:
        # (a SpectralNormalization takes any Dense or Embedding, a subclass of the user's too: its graph is the
        # wrapped layer's, which a bare KeyError refused)
        wrapped = type(layer.layer) if type(layer) is SpectralNormalization else None
        if type(layer) not in _ONNX_LAYERS or wrapped not in (None, Dense, Embedding):
            kind = type(layer).__name__ + (f" wrapping {wrapped.__name__}" if wrapped is not None else "")
            raise ValueError(
                f"Cannot export layer {layer.name!r} of type {kind} to ONNX: "
                f"only {', '.join(cls.__name__ for cls in _ONNX_LAYERS)} are supported "
                "(a SpectralNormalization of a Dense or an Embedding)."
            )
    size = model.count_params() * np.dtype(model.dtype).itemsize  # (get_weights would copy them)
    if size >= _PROTOBUF_LIMIT:
        raise ValueError(f"The model's weights take {size / 2**30:.2f} GiB; an ONNX file holds at most 2 GiB "
                         "(protobuf's limit), and glassnet does not write ONNX's external data files.")
    onnx = _require_onnx()
    helper = onnx.helper
    dtype = np.dtype(model.dtype)
    elem = helper.np_dtype_to_tensor_dtype(dtype)
    g = _Graph(onnx, dtype)
    A = "input"
    for layer in model.layers:
        A = _ONNX_LAYERS[type(layer)](g, A, layer)
    if estimator is not None:
        outputs = []
        for name, tensor, kind, shape in _estimator_outputs(g, A, estimator):
            g.nodes.append(helper.make_node("Identity", [tensor], [name], name=name))
            outputs.append(helper.make_tensor_value_info(name, kind, shape))
        classes = None
    else:
        g.nodes.append(helper.make_node("Identity", [A], ["output"], name="output"))
        outputs = [helper.make_tensor_value_info("output", elem, ["N", *model.layers[-1].output_shape])]
        classes = _class_labels(model)
    if classes is not None:
        from .models._decision import decision_threshold

        threshold = decision_threshold(model) if model.layers[-1].output_shape == (1,) else None
        g.nodes.append(helper.make_node("Identity", [_label(g, A, classes, threshold)], ["label"], name="label"))
        outputs.append(helper.make_tensor_value_info("label", onnx.TensorProto.STRING, ["N"]))
    graph = helper.make_graph(
        g.nodes,
        model.name,
        [helper.make_tensor_value_info("input", elem, ["N", *model._input_shape])],
        outputs,
        initializer=g.initializers,
    )
    from . import __version__

    proto = helper.make_model(
        graph,
        producer_name="glassnet",
        producer_version=__version__,
        opset_imports=[helper.make_opsetid("", OPSET)],
        doc_string=f"Exported by glassnet {__version__} from the "
                   + (f"{type(estimator).__name__} estimator" if estimator is not None else "Sequential model")
                   + f" {model.name!r}.",
    )
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto)
    return proto


def export(model, path, overwrite=None):
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the path.

    Parameters
    ----------
    model : Sequential or glassnet.sklearn estimator
        A built model of glassnet's layers (Dense, Activation, Dropout,
        BatchNormalization, Flatten, Reshape, Permute, the global poolings, Rescaling, the noise and
        normalization layers),
        or a fitted ``MLPClassifier`` / ``MLPRegressor`` (see :func:`to_onnx`).
    path : str or os.PathLike
        The ``.onnx`` file; an existing file is replaced only once the new
        one is completely written.
    overwrite : None, True or False
        Which existing file may be replaced. None (the default): an ONNX file (a name
        ending in ``.onnx``, not a zip archive such as a glassnet model or a ``.keras``
        file) or an empty file, as Keras replaces only its own ``.keras`` files; any other
        file is refused, so that a slip of the name cannot destroy a model. True: any
        file. False: none (as ``model.save(path, overwrite=False)``).

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    ValueError, TypeError, ImportError
        As :func:`to_onnx`, before anything is written.
    FileExistsError
        Where ``overwrite`` does not allow replacing the file at ``path``.
    """
    path = check_path(path, "path")
    overwrite = check_replace(path, overwrite, _is_onnx_file, "an ONNX file (a name ending in .onnx, not a zip "
                              "archive such as a glassnet model or a .keras file)")
    data = to_onnx(model).SerializeToString()
    atomic_write(path, lambda fh: fh.write(data), overwrite=overwrite)
    return path


def _is_onnx_file(path):
    """Whether ``path`` names an ONNX file that :func:`export` replaces by default: ``.onnx``
    (any case), and not a zip archive (a glassnet model or a Keras file renamed so)."""
    if os.path.splitext(os.fspath(path))[1].lower() != ".onnx":
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(4) != b"PK\x03\x04"
    except OSError:
        return False
