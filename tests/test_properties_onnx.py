"""Property-based tests (hypothesis) of the ONNX export: for a model drawn from the layers, activations
and options ``glassnet.onnx`` exports (flat, sequence and image samples; float16, float32, float64;
nested and functional models; random weights, batch-norm statistics after a short fit), onnxruntime
runs a valid file with a symbolic batch and computes what ``model.predict`` computes, on batches of
any size and of ordinary and large values. CI draws a fixed set; ``GLASSNET_ONNX_EXAMPLES=2000``
draws more, at random, to hunt."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from glassnet import activations, layers
from glassnet.models import Model, Sequential
from glassnet.onnx import export

onnx = pytest.importorskip("onnx", reason="ONNX export tests need onnx: pip install glassnet[onnx]")
ort = pytest.importorskip("onnxruntime", reason="ONNX export tests need onnxruntime: pip install glassnet[onnx]")

EXAMPLES = int(os.environ.get("GLASSNET_ONNX_EXAMPLES", 80))
HUNT = "GLASSNET_ONNX_EXAMPLES" in os.environ
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not HUNT, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# every activation a layer takes, and those with arguments
ACTIVATIONS = [*activations.layer_names(), activations.Sigmoid(2.5), activations.Softmax(beta=3.0),
               activations.BipolarSigmoid(0.5), activations.LeakyReLU(0.3), activations.ELU(0.5), activations.CELU(2.0),
               activations.GELU(approximate=True), activations.GeneralReLU(0.1, 2.0, 0.5), activations.Step(at_zero=0.5),
               activations.HardShrink(1.0), activations.SoftShrink(0.25), activations.Squareplus(0.0),
               activations.Threshold(0.5, -2.0)]
# onnxruntime's and NumPy's sums differ by an ulp or so; a larger input scales the differences with it
# (float32: ill-conditioned steps, a LayerNormalization of nearly equal features, lose more than an ulp either way;
# float16: onnxruntime's CPU computes in float32 where predict rounds each step to float16, see _assert_same)
RTOL = {"float16": 1e-1, "float32": 2e-4, "float64": 1e-12}


# those with a jump: onnxruntime's CPU computes float16 nodes in float32 (see _assert_same), so a value
# that predict rounds onto a tie or a threshold may land on the other side
JUMPS = ("argmax", "step", "heaviside", "sign", "sgn", "hard_shrink", "Step", "HardShrink", "Threshold")


def _activation(draw, dtype):
    if dtype == "float16":
        return draw(st.sampled_from([a for a in ACTIVATIONS if str(a).split("(")[0] not in JUMPS]))
    return draw(st.sampled_from(ACTIVATIONS))


def _axes(draw, rank):
    """A non-empty list of a sample's axes, counted from 1 (the batch axis is 0)."""
    return sorted(draw(st.sets(st.integers(1, rank), min_size=1)))


@st.composite
def _layer(draw, shape, dtype):
    """One layer that takes samples of ``shape`` and the shape of its output, or None where the
    kind drawn does not fit ``shape``."""
    rank, last = len(shape), shape[-1]
    kind = draw(st.sampled_from(["dense", "dense", "activation", "dropout", "batchnorm", "layernorm", "rmsnorm",
                                 "groupnorm", "unitnorm", "rescaling", "normalization", "prelu", "noise", "spectral",
                                 "reshape", "flatten", "permute", "pooling", "softmax_layer"]))
    if kind in ("dense", "spectral"):
        units = draw(st.integers(1, 6))
        dense = layers.Dense(units, _activation(draw, dtype), use_bias=draw(st.booleans()))
        return (layers.SpectralNormalization(dense) if kind == "spectral" else dense), (*shape[:-1], units)
    if kind == "activation":
        return layers.Activation(_activation(draw, dtype)), shape
    if kind == "softmax_layer":
        make = draw(st.sampled_from([lambda: layers.ReLU(max_value=3.0, negative_slope=0.1), lambda: layers.LeakyReLU(0.2),
                                     lambda: layers.ELU(0.7), lambda: layers.Softmax(axis=draw(st.integers(1, rank))),
                                     lambda: layers.Softmax(axis=tuple(_axes(draw, rank))),
                                     lambda: layers.Activation(activations.LogSoftmax(axis=_axes(draw, rank)))]))
        return make(), shape
    if kind == "dropout":
        return draw(st.sampled_from([layers.Dropout(0.3), layers.GaussianNoise(0.5), layers.GaussianDropout(0.2),
                                     layers.AlphaDropout(0.1), layers.Identity(), layers.ActivityRegularization(0.1)])), shape
    if kind == "noise":
        return layers.GaussianNoise(draw(st.floats(0.0, 1.0))), shape
    if kind == "batchnorm":
        return layers.BatchNormalization(center=draw(st.booleans()), scale=draw(st.booleans()),
                                         epsilon=draw(st.sampled_from([1e-3, 1e-5, 0.1]))), shape
    if kind == "layernorm":
        axis = -1 if rank == 1 else draw(st.sampled_from([-1, _axes(draw, rank)]))
        return layers.LayerNormalization(axis=axis, center=draw(st.booleans()), scale=draw(st.booleans()),
                                         epsilon=draw(st.sampled_from([1e-3, 1e-6, 0.5]))), shape
    if kind == "rmsnorm":
        return layers.RMSNormalization(epsilon=draw(st.sampled_from([1e-6, 1e-2]))), shape
    if kind == "groupnorm":
        groups = draw(st.sampled_from([g for g in range(1, last + 1) if last % g == 0]))
        return layers.GroupNormalization(groups=groups, center=draw(st.booleans()), scale=draw(st.booleans())), shape
    if kind == "unitnorm":
        axis = -1 if rank == 1 else draw(st.sampled_from([-1, _axes(draw, rank)]))
        return layers.UnitNormalization(axis=axis), shape
    if kind == "rescaling":
        per_channel = draw(st.booleans())
        scale = list(np.linspace(-2.0, 3.0, last)) if per_channel else draw(st.floats(-4, 4, width=16))
        return layers.Rescaling(scale, offset=draw(st.sampled_from([0.0, 0.5, -3.0]))), shape
    if kind == "normalization":
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        variance = rng.uniform(0.0, 4.0, last)
        if dtype != "float16":  # (float16: onnxruntime's float32 steps differ by float16's rounding, · 1/ε)
            variance[0] = 0.0  # a constant feature: ε
        if draw(st.booleans()):  # one mean and variance for every value
            return layers.Normalization(axis=None, mean=0.5, variance=float(variance[-1]), invert=draw(st.booleans())), shape
        return layers.Normalization(mean=rng.normal(size=last), variance=variance, invert=draw(st.booleans())), shape
    if kind == "prelu":
        shared = draw(st.sampled_from([None, *([_axes(draw, rank - 1)] if rank > 1 else [])]))
        return layers.PReLU(alpha_initializer="random_normal", shared_axes=shared), shape
    if kind == "reshape":
        size = int(np.prod(shape))
        factors = [a for a in range(1, size + 1) if size % a == 0]
        a = draw(st.sampled_from(factors))
        target = draw(st.sampled_from([(a, size // a), (a, -1), (-1,)]))
        return layers.Reshape(target), ((size,) if target == (-1,) else (a, size // a))
    if kind == "flatten" and rank > 1:
        first = draw(st.booleans())
        flat = (shape[-1], *shape[:-1]) if first else shape  # (the same size either way)
        return layers.Flatten("channels_first" if first else None), (int(np.prod(flat)),)
    if kind == "permute" and rank > 1:
        dims = tuple(int(d) + 1 for d in draw(st.permutations(range(rank))))
        return layers.Permute(dims), tuple(shape[d - 1] for d in dims)
    if kind == "pooling" and rank == 2:
        keepdims, first = draw(st.booleans()), draw(st.booleans())
        pool = draw(st.sampled_from([layers.GlobalAveragePooling1D, layers.GlobalMaxPooling1D]))(
            data_format="channels_first" if first else "channels_last", keepdims=keepdims)
        kept = shape[0] if first else last
        return pool, (((kept, 1) if first else (1, kept)) if keepdims else (kept,))
    return None


@st.composite
def specs(draw):
    """(dtype, input shape, kind of input, layers, nested span or None)."""
    dtype = draw(st.sampled_from(["float32", "float32", "float64", "float64", "float16"]))
    start = draw(st.sampled_from(["flat", "flat", "sequence", "image", "ids", "bins", "categories"]))
    first = []
    if start == "flat":
        shape = (draw(st.integers(1, 6)),)
    elif start == "sequence":
        shape = (draw(st.integers(1, 4)), draw(st.integers(1, 5)))
    elif start == "image":
        shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4)))
    elif start == "ids":  # Embedding of whole-number ids
        steps, width = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        embedding = layers.Embedding(5, width)
        first, shape = [layers.SpectralNormalization(embedding) if draw(st.booleans()) else embedding], (steps,)
        after = (steps, width)
    elif start == "bins":
        shape = (draw(st.integers(1, 4)),)
        mode = draw(st.sampled_from(["int", "one_hot", "multi_hot", "count"]))
        boundaries = sorted(draw(st.lists(st.floats(-2, 2, width=16), max_size=3, unique=True)))
        first = [layers.Discretization(bin_boundaries=boundaries, output_mode=mode)]
        depth = len(boundaries) + 1
        after = {"int": shape, "one_hot": (shape[0], depth) if shape[0] > 1 else (depth,)}.get(mode, (depth,))
    else:  # categories
        shape = (draw(st.integers(1, 3)),)
        mode = draw(st.sampled_from(["one_hot", "multi_hot", "count"]))
        if mode == "one_hot":
            shape = (1,)
        first = [layers.CategoryEncoding(num_tokens=4, output_mode=mode)]
        after = (4,)
    current = shape if not first else after
    stack = list(first)
    for _ in range(draw(st.integers(0 if first else 1, 5))):
        drawn = draw(_layer(current, dtype))
        if drawn is not None:
            stack.append(drawn[0])
            current = drawn[1]
    if not stack:
        stack.append(layers.Dense(2))
    nest = None
    if len(stack) >= 2 and draw(st.booleans()):
        i = draw(st.integers(0, len(stack) - 1))
        nest = (i, draw(st.integers(i + 1, len(stack))), draw(st.booleans()))
    return dtype, shape, start, stack, nest, draw(st.booleans()), draw(st.integers(0, 2**16))


def _model(dtype, shape, stack, nest):
    """The Sequential of ``stack``, its layers ``nest = (i, j, functional)`` a nested model (a functional
    one, or a Sequential)."""
    if nest is not None:
        i, j, functional = nest
        if functional:
            inputs = layers.Input(shape, dtype=dtype) if i == 0 else None
            if inputs is not None:
                x = inputs
                for layer in stack[i:j]:
                    layer.dtype = dtype  # (the functional model's dtype is its layers')
                    x = layer(x)
                inner = Model(inputs, x, name="inner")
            else:
                inner = Sequential(stack[i:j], name="inner", dtype=dtype)
        else:
            inner = Sequential(stack[i:j], name="inner", dtype=dtype)
        stack = [*stack[:i], inner, *stack[j:]]
    return Sequential([layers.Input(shape), *stack], dtype=dtype, seed=0)


def _inputs(start, shape, n, dtype, rng, scale):
    if start == "ids":
        return rng.integers(0, 5, (n, *shape)).astype(dtype)
    if start == "categories":
        return rng.integers(0, 4, (n, *shape)).astype(dtype)
    return (scale * rng.normal(size=(n, *shape))).astype(dtype)


def _randomize(model, rng, scale):
    """Random weights (positive variances), so that no layer's weights are the trivial ones."""
    for layer in model.layers:
        values = []
        for name, w in zip(layer.weight_names, layer.get_weights()):
            if "variance" in name:
                values.append(rng.uniform(0.05, 4.0, w.shape).astype(w.dtype))
            elif name in ("count", "u"):
                values.append(w)
            else:
                values.append((scale * rng.normal(size=w.shape)).astype(w.dtype))
        layer.set_weights(values)


def _assert_same(out, expected, dtype, scale):
    assert out.dtype == expected.dtype and out.shape == expected.shape
    if dtype == "float16":
        # onnxruntime's CPU computes float16 nodes in float32 and drops the casts between them (even with its
        # optimizations off): where predict overflowed to inf (and then NaN), it may keep a number
        keep = np.isfinite(expected)
        out, expected = out[keep], expected[keep]
    np.testing.assert_array_equal(np.isnan(out), np.isnan(expected))
    out, expected = out.astype(np.float64), expected.astype(np.float64)
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(out[~finite & ~np.isnan(expected)], expected[~finite & ~np.isnan(expected)])
    if finite.any():
        top = max(1.0, np.abs(expected[finite]).max())
        np.testing.assert_allclose(out[finite], expected[finite], rtol=RTOL[dtype] * max(1.0, scale),
                                   atol=RTOL[dtype] * max(1.0, scale) * top)


@pytest.mark.filterwarnings("ignore")  # (a fit through argmax or step: no gradient)
@SETTINGS
@given(spec=specs(), sizes=st.lists(st.sampled_from([1, 2, 3, 7, 17]), min_size=1, max_size=3),
       scale=st.sampled_from([1e-3, 1.0, 1.0, 10.0, 300.0, 1e4]), weight_scale=st.sampled_from([0.1, 0.7, 3.0]))
def test_onnxruntime_computes_what_predict_computes(spec, sizes, scale, weight_scale, tmp_path_factory):
    dtype, shape, start, stack, nest, fit, seed = spec
    rng = np.random.default_rng(seed)
    model = _model(dtype, shape, stack, nest)
    event(f"{dtype} {start} layers={len(model.layers)} nest={nest is not None} fit={fit}")
    note(f"{dtype} {shape} {start} nest={nest} fit={fit}: " + "; ".join(repr(layer.get_config()) for layer in model.layers))
    _randomize(model, rng, weight_scale)
    if fit:  # a short fit: the batch-norm statistics (and every trained weight) move
        model.compile(optimizer="sgd", loss="mse")
        x = _inputs(start, shape, 16, dtype, rng, 1.0)
        with np.errstate(all="ignore"):
            target = model.predict(x, verbose=0)
        if np.isfinite(target).all():
            model.fit(x, target, epochs=1, batch_size=8, verbose=0)  # (training mode: not predict)
    path = export(model, tmp_path_factory.mktemp("onnx") / "model.onnx")
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in sizes:  # one session, batches of several sizes: the batch axis is symbolic
        x = _inputs(start, shape, n, dtype, rng, scale)
        with np.errstate(all="ignore"):
            expected = model.predict(x, verbose=0)
        _assert_same(session.run(None, {"input": x})[0], expected, dtype, scale)


CLASS_TARGETS = {  # y of X (n, 3): scikit-learn's kinds of classification target
    "binary_int": lambda X: np.where(X[:, 0] > 0, 3, -1),
    "binary_text": lambda X: np.where(X[:, 0] + X[:, 1] > 0, "yes", "no"),
    "multiclass_text": lambda X: np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)],
    "multiclass_float": lambda X: (X[:, 0] > 0) + (X[:, 1] > 0) - 1.0,
    "multilabel": lambda X: np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int),
}
REGRESSION_TARGETS = {
    "one": lambda X: X[:, 0] - X[:, 1],
    "two": lambda X: np.c_[X[:, 0], X[:, 1] * X[:, 2]],
    "counts": lambda X: np.floor(np.exp(X[:, 0])),  # (poisson)
}


@pytest.mark.filterwarnings("ignore")  # (ConvergenceWarning)
@settings(SETTINGS, max_examples=max(EXAMPLES // 3, 6))
@given(classifier=st.booleans(), target=st.sampled_from(sorted(CLASS_TARGETS)),
       regression=st.sampled_from(sorted(REGRESSION_TARGETS)),
       hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
       activation=st.sampled_from(["relu", "tanh", "logistic", "identity"]), dropout=st.sampled_from([0.0, 0.3]),
       batch_norm=st.booleans(), dtype=st.sampled_from(["float32", "float64"]), n=st.sampled_from([1, 2, 9]),
       seed=st.integers(0, 2**16))
def test_an_exported_estimator_predicts_as_the_estimator(classifier, target, regression, hidden, activation, dropout,
                                                         batch_norm, dtype, n, seed, tmp_path_factory):
    pytest.importorskip("sklearn")
    from glassnet.sklearn import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    options = dict(hidden_layer_sizes=hidden, activation=activation, dropout=dropout, batch_norm=batch_norm,
                   dtype=dtype, max_iter=3, random_state=seed)
    if classifier:
        estimator = MLPClassifier(**options).fit(X, CLASS_TARGETS[target](X))
    else:
        loss = "poisson" if regression == "counts" else "squared_error"
        estimator = MLPRegressor(loss=loss, **options).fit(X, REGRESSION_TARGETS[regression](X))
    path = export(estimator, tmp_path_factory.mktemp("onnx") / "estimator.onnx")
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = 3 * rng.normal(size=(n, 3))
    outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"input": x.astype(dtype)})))
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-14}
    if not classifier:
        assert list(outputs) == ["variable"]
        np.testing.assert_allclose(outputs["variable"].reshape(estimator.predict(x).shape), estimator.predict(x),
                                   **tolerance)
        return
    assert list(outputs) == ["label", "probabilities"]
    probabilities = estimator.predict_proba(x)
    np.testing.assert_allclose(outputs["probabilities"], probabilities, **tolerance)
    # the label of a row whose probabilities tie (to rounding) may differ: compare the others
    top = np.sort(probabilities, axis=1)
    clear = (top[:, -1] - top[:, -2] > 1e-5) if probabilities.shape[1] > 1 else np.ones(n, bool)
    if target == "multilabel":
        clear = (np.abs(probabilities - 0.5) > 1e-5).all(axis=1)
    np.testing.assert_array_equal(outputs["label"][clear], estimator.predict(x)[clear])


class Twice(layers.Layer):
    """A layer of the user's: no ONNX form."""

    def forward(self, X, training=False):
        return 2 * X


class Doubled(layers.Dense):
    """A Dense of the user's, which SpectralNormalization takes: no ONNX form either."""

    def forward(self, X, training=False):
        return 2 * super().forward(X, training)


def cube(Z):
    return Z**3


class Cube(activations.Activation):
    """An activation of the user's: no ONNX form."""

    def forward(self, Z, out=None):
        return Z**3


@SETTINGS
@given(spec=specs(), where=st.integers(0, 10), what=st.sampled_from(["layer", "activation", "function", "wrapped"]))
def test_an_unsupported_layer_is_refused_by_name_and_leaves_the_file(spec, where, what, tmp_path_factory):
    dtype, shape, start, stack, nest, _, _ = spec
    where = where % (len(stack) + 1)
    if what == "layer":
        bad = Twice(name="twice")
    elif what == "wrapped":  # (a Dense changes the width: last)
        bad, where = layers.SpectralNormalization(Doubled(2), name="twice"), len(stack)
    else:
        bad = layers.Activation(cube if what == "function" else Cube(), name="twice")
    model = _model(dtype, shape, [*stack[:where], bad, *stack[where:]], nest)
    path = tmp_path_factory.mktemp("onnx") / "model.onnx"
    path.write_bytes(b"an earlier export")
    message = {"layer": "Cannot export layer 'twice' of type Twice",
               "wrapped": "Cannot export layer 'twice' of type SpectralNormalization wrapping Doubled",
               "function": "the function 'cube' of layer 'twice'",
               "activation": r"the activation Cube\(\) of layer 'twice'"}[what]
    with pytest.raises(ValueError, match=message):
        export(model, path)
    assert path.read_bytes() == b"an earlier export"
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.onnx"]  # no temporary file left
