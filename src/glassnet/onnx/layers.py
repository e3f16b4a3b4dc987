"""The ONNX form of each layer glassnet exports: ``_ONNX_LAYERS`` maps a layer's class to its
builder ``(g, X, layer) -> name of the layer's output``, in inference mode."""

import numpy as np

from ..backend import to_numpy
from ..layers import (ELU, Activation, ActivityRegularization, AlphaDropout, BatchNormalization, CategoryEncoding,
                      Dense, Discretization, Dropout, Embedding, Flatten, GaussianDropout, GaussianNoise,
                      GlobalAveragePooling1D, GlobalMaxPooling1D, GroupNormalization, Identity, LayerNormalization,
                      LeakyReLU, Normalization, Permute, PReLU, ReLU, Rescaling, Reshape, RMSNormalization, Softmax,
                      SpectralNormalization, UnitNormalization)
from ._numerics import _has_nan
from .activations import _activation


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


def _normalized_in_float32(builder):
    """``builder`` run in float32 for a float16 model, its constants too, and its output rounded back
    to float16: as predict normalizes a float16 batch (``x − μ`` and ``x̂`` pass float16's 65504)."""
    def build(g, X, layer):
        if g.dtype != np.float16:
            return builder(g, X, layer)
        half, g.dtype = g.dtype, np.dtype(np.float32)
        try:
            Y = builder(g, g.node("Cast", [X], to=g.onnx.TensorProto.FLOAT), layer)
        finally:
            g.dtype = half
        return g.node("Cast", [Y], to=g.helper.np_dtype_to_tensor_dtype(half), base=layer.name)
    return build


@_normalized_in_float32
def _batch_norm(g, X, layer):
    values = dict(zip(layer.weight_names, (to_numpy(w).astype(g.dtype) for w in layer.weights)))
    # ONNX's epsilon attribute is a float32: 1e-3 would become 1.0000000475e-3 and cost a
    # float64 model ~1e-8. The variance carries ε instead, in the model's precision.
    values["moving_variance"] = values["moving_variance"] + values["moving_variance"].dtype.type(layer.epsilon)
    values.setdefault("gamma", np.ones_like(values["moving_mean"]))  # scale=False
    values.setdefault("beta", np.zeros_like(values["moving_mean"]))  # center=False
    # x − μ first, as predict: onnxruntime's BatchNormalization computes x·s + (β − μ·s), s = γ/sqrt(σ² + ε),
    # which cancels where |μ| is large against σ (1.2e-3 off in float32 for μ = 1000, σ = 0.03; predict 4e-8)
    centered = g.node("Sub", [X, g.constant(values["moving_mean"], f"{layer.name}_moving_mean")])
    if len(layer.input_shape) > 1:
        # ONNX's BatchNormalization takes the channels at axis 1: samples (n, ..., features) are scaled and
        # shifted along the last axis instead, y = (x − μ)·s + β
        s = values["gamma"] / np.sqrt(values["moving_variance"])
        if not layer.center:
            return g.node("Mul", [centered, g.constant(s, f"{layer.name}_scale")], base=layer.name)
        Y = g.node("Mul", [centered, g.constant(s, f"{layer.name}_scale")])
        return g.node("Add", [Y, g.constant(values["beta"], f"{layer.name}_beta")], base=layer.name)
    # its mean 0: the scale and shift in one pass (onnxruntime, (10000, 512) float32: 2.2 ms; a Mul and an Add 4.5)
    inputs = [centered, g.constant(values["gamma"], f"{layer.name}_gamma"),
              g.constant(values["beta"], f"{layer.name}_beta"),
              g.constant(np.zeros_like(values["moving_mean"]), f"{layer.name}_zero_mean"),
              g.constant(values["moving_variance"], f"{layer.name}_moving_variance")]
    return g.node("BatchNormalization", inputs, base=layer.name, epsilon=0.0)


def _global_max_pooling(g, X, layer):
    # NaN wherever the steps hold one, as NumPy's max (onnxruntime's ReduceMax kept a NaN only at the first step)
    axes, keepdims = [layer.steps_axis], int(layer.keepdims)
    top = g.node("ReduceMax", [X], axes=axes, keepdims=keepdims)
    return g.node("Where", [_has_nan(g, X, axes, keepdims), g.constant(float("nan"), "nan"), top], base=layer.name)


def _flatten(g, X, layer):
    if layer._channels_moved(1 + len(layer.input_shape)):  # channels_first: (n, C, H, W) read as (n, H, W, C)
        X = g.node("Transpose", [X], base=f"{layer.name}_channels_last",
                   perm=[0, *range(2, 1 + len(layer.input_shape)), 1])
    return g.node("Flatten", [X], base=layer.name, axis=1)


def _reshape(g, X, layer):
    # the batch axis kept (0 copies it), each sample to the shape the layer resolved at build
    shape = g.constant([0, *layer.output_shape], f"{layer.name}_shape", dtype=np.int64)
    return g.node("Reshape", [X, shape], base=layer.name)


@_normalized_in_float32
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


@_normalized_in_float32
def _group_norm(g, X, layer):
    C = layer.input_shape[-1]
    # the positions' count written out, not -1: onnxruntime cannot resolve a -1 beside an empty batch's 0
    positions = int(np.prod(layer.input_shape[:-1]))
    grouped_shape = g.constant([0, positions, layer.groups, C // layer.groups], f"{layer.name}_groups",
                               dtype=np.int64)
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
    GlobalMaxPooling1D: _global_max_pooling,
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
