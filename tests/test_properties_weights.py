"""Property test: initializers, regularizers and constraints against Keras 3.15 (JAX) in float64.

Initializers: the fans of drawn shapes (rank 0 to 4, sizes 0 included) equal Keras's ``compute_fans``;
the deterministic ones (zeros, ones, constant of a number or an array, identity) equal Keras's values
bit for bit, Orthogonal is orthonormal times its gain; the random ones are checked by their bounds
(exact) and by the mean and standard deviation of 40,000 pooled draws against Keras's formulas, each
within 6 standard errors (a false alarm about once in 5·10⁸ checks); a seed gives the same values at
every call, as a Keras int seed does. Regularizers: the penalty and its gradient equal Keras's call and
``jax.grad`` of it. Constraints: the projected weights equal Keras's, for any axis or axes. Configs go
both ways (glassnet's ``serialize`` read by Keras's ``deserialize``, and the reverse). Inside a Dense
layer: one SGD step with every setting at once equals Keras's step, its reported loss included, and
``.gn`` and ``.keras`` files keep the settings.

CI draws a fixed few (``derandomize``); ``GLASSNET_WEIGHTS_EXAMPLES=2000`` draws more, at random, to hunt.
Left out where glassnet differs from Keras on purpose (docs/api.md): ``|x|'`` at exactly 0 (an L1
weight of 0, an orthogonal regularizer's cosine of exactly 0: glassnet 0, Keras on JAX 1), and the
orthogonal regularizer's gradient for an all-zero row (Keras on JAX: NaN). Not drawn: subnormal numbers
(JAX on the CPU flushes them to 0) and a Constant of an empty array of two axes or more (its list, [],
has lost the shape, in Keras's config as in glassnet's).
"""

import copy
import json
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet
from glassnet import constraints, initializers, regularizers

EXAMPLES = int(os.environ.get("GLASSNET_WEIGHTS_EXAMPLES", 0))
HUNT = EXAMPLES > 0


def hypothesis_settings(ci_examples):
    return settings(max_examples=EXAMPLES or ci_examples, deadline=None, derandomize=not HUNT, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


#: shapes of rank 0 to 4, sizes 0 to 5; conv-like 4-D kernels and larger matrices mixed in
shapes = st.one_of(st.lists(st.integers(0, 5), max_size=4).map(tuple),
                   st.sampled_from([(3, 3, 2, 8), (1, 1, 16, 4), (784, 10), (10, 784), (5, 1, 1), (1,), ()]))
nonempty_shapes = st.one_of(st.lists(st.integers(1, 5), max_size=4).map(tuple),
                            st.sampled_from([(3, 3, 2, 8), (1, 1, 16, 4), (64, 10), (10, 64), (5, 1, 1)]))
positive = st.floats(1e-3, 10.0)


def numbers(low, high):
    """Floats in [low, high] that are not subnormal in float32 either (JAX on the CPU flushes those to 0:
    Keras's Identity(gain=1e-309) is all zeros, and its float32 Constant(1e-45) is 0)."""
    return st.floats(low, high, allow_subnormal=False).filter(lambda v: v == 0 or abs(v) > 1e-37)
dtypes = st.sampled_from(["float32", "float64"])


# -- initializers ---------------------------------------------------------------------------------------

@given(shape=shapes)
@hypothesis_settings(200)
def test_fans_equal_kerass_compute_fans(keras64, shape):
    from keras.src.initializers.random_initializers import compute_fans

    assert initializers._fans(shape) == compute_fans(shape)


@st.composite
def deterministic_specs(draw):
    """(class name, arguments, shape): Zeros, Ones, Constant of a number or of an array that broadcasts
    to the shape (its trailing sizes, some made 1), Identity of a 2-D shape with a gain."""
    shape = draw(shapes)
    name = draw(st.sampled_from(["Zeros", "Ones", "Constant", "Constant", "Identity"]))
    if name == "Identity":
        return name, {"gain": draw(numbers(-3, 3))}, draw(st.tuples(st.integers(0, 6), st.integers(0, 6)))
    if name != "Constant":
        return name, {}, shape
    trailing = shape[len(shape) - draw(st.integers(0, len(shape))):]
    value_shape = tuple(1 if draw(st.booleans()) else d for d in trailing)
    if draw(st.booleans()) or (0 in value_shape and len(value_shape) > 1):
        # (an empty array of 2 axes is kept as the list [], of shape (0,), as Keras's config keeps it)
        return name, {"value": draw(numbers(-1e6, 1e6))}, shape
    value = np.asarray(draw(st.lists(numbers(-1e3, 1e3), min_size=math.prod(value_shape),
                                     max_size=math.prod(value_shape)))).reshape(value_shape)
    return name, {"value": value}, shape


@given(spec=deterministic_specs(), dtype=dtypes)
@hypothesis_settings(30)
def test_deterministic_initializers_equal_kerass_values(keras64, spec, dtype):
    keras, (name, arguments, shape) = keras64, spec
    ours = getattr(initializers, name)(**arguments)(shape, dtype=dtype)
    theirs = np.asarray(getattr(keras.initializers, name)(**arguments)(shape, dtype=dtype))
    assert ours.dtype == theirs.dtype == np.dtype(dtype) and ours.shape == shape
    np.testing.assert_array_equal(ours, theirs)


@given(shape=st.lists(st.integers(1, 6), min_size=2, max_size=4).map(tuple), gain=st.floats(-3, 3),
       seed=st.integers(0, 2**31), dtype=dtypes)
@hypothesis_settings(40)
def test_orthogonal_is_orthonormal_times_its_gain(shape, gain, seed, dtype):
    init = initializers.Orthogonal(gain=gain, seed=seed)
    W = init(shape, dtype=dtype)
    assert W.dtype == np.dtype(dtype) and W.shape == shape
    np.testing.assert_array_equal(W, init(shape, dtype=dtype))  # a seed: the same values at every call
    rows, columns = math.prod(shape[:-1]), shape[-1]
    M = W.reshape(rows, columns).astype(np.float64)
    gram = M.T @ M if rows >= columns else M @ M.T
    tol = (1e-5 if dtype == "float32" else 1e-13) * max(rows, columns) * max(1.0, gain * gain)
    np.testing.assert_allclose(gram, gain * gain * np.eye(min(rows, columns)), atol=tol)


#: the kurtosis bound of the distributions drawn (normal: 3; truncated normal and uniform less)
KURTOSIS = 3.0
#: standard errors allowed (two-sided normal tail 2e-9)
Z = 6.0
#: values pooled per example (over seeds seed, seed + 1, ..., at most 1,000 calls)
POOLED = 40_000


@st.composite
def random_specs(draw):
    """(class name, arguments): Keras's random initializers with drawn arguments."""
    name = draw(st.sampled_from(["RandomUniform", "RandomNormal", "TruncatedNormal", "VarianceScaling",
                                 "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
                                 "LecunNormal"]))
    if name == "RandomUniform":
        low = draw(st.floats(-5, 5))
        return name, {"minval": low, "maxval": low + draw(positive)}
    if name in ("RandomNormal", "TruncatedNormal"):
        return name, {"mean": draw(st.floats(-5, 5)), "stddev": draw(positive)}
    if name == "VarianceScaling":
        return name, {"scale": draw(st.floats(1e-3, 10.0)), "mode": draw(st.sampled_from(["fan_in", "fan_out", "fan_avg"])),
                      "distribution": draw(st.sampled_from(["uniform", "truncated_normal", "untruncated_normal"]))}
    return name, {}


def expected_statistics(keras, name, arguments, shape):
    """(mean, std, low, high) of Keras's initializer ``name`` from Keras's own settings and ``compute_fans``
    (low, high: None for an unbounded normal)."""
    from keras.src.initializers.random_initializers import compute_fans

    theirs = getattr(keras.initializers, name)(**arguments)
    if name == "RandomUniform":
        return (theirs.minval + theirs.maxval) / 2, (theirs.maxval - theirs.minval) / math.sqrt(12), \
            theirs.minval, theirs.maxval
    if name == "RandomNormal":
        return theirs.mean, theirs.stddev, None, None
    if name == "TruncatedNormal":  # values beyond 2σ drawn again: the std of the truncated bell, 0.8796σ
        return theirs.mean, 0.87962566103423978 * theirs.stddev, theirs.mean - 2 * theirs.stddev, \
            theirs.mean + 2 * theirs.stddev
    fan_in, fan_out = compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[theirs.mode]
    std = math.sqrt(theirs.scale / max(1.0, n))
    if theirs.distribution == "uniform":
        return 0.0, std, -math.sqrt(3) * std, math.sqrt(3) * std
    if theirs.distribution == "truncated_normal":  # drawn with σ = std/0.8796, cut at 2σ
        return 0.0, std, -2 * std / 0.87962566103423978, 2 * std / 0.87962566103423978
    return 0.0, std, None, None


@given(spec=random_specs(), shape=nonempty_shapes, seed=st.integers(0, 2**31), dtype=dtypes)
@hypothesis_settings(40)
def test_random_initializers_have_kerass_bounds_mean_and_std(keras64, spec, shape, seed, dtype):
    (name, arguments), keras = spec, keras64
    mean, std, low, high = expected_statistics(keras, name, arguments, shape)
    calls = min(-(-POOLED // math.prod(shape)), 1000)  # (a small shape pools fewer: the bounds widen with 1/√n)
    draws = [getattr(initializers, name)(**arguments, seed=seed + i)(shape, dtype=dtype) for i in range(calls)]
    assert all(d.shape == shape and d.dtype == np.dtype(dtype) for d in draws)
    values = np.concatenate([d.ravel() for d in draws]).astype(np.float64)
    if low is not None:  # float32 rounding may reach the bound itself
        slack = 4e-7 * max(abs(low), abs(high)) if dtype == "float32" else 0.0
        assert values.min() >= low - slack and values.max() <= high + slack
    n = values.size
    assert abs(values.mean() - mean) <= Z * std / math.sqrt(n), (values.mean(), mean)
    assert abs(values.std() / std - 1) <= Z * math.sqrt((KURTOSIS - 1) / (4 * n)), (values.std(), std)


@given(spec=random_specs(), shape=shapes, seed=st.integers(0, 2**31))
@hypothesis_settings(40)
def test_a_seed_repeats_its_values_and_float32_rounds_the_float64_ones(spec, shape, seed):
    name, arguments = spec
    init = getattr(initializers, name)(**arguments, seed=seed)
    first = init(shape, dtype="float64")
    np.testing.assert_array_equal(init(shape, dtype="float64"), first)  # every call, as a Keras int seed
    np.testing.assert_array_equal(getattr(initializers, name)(**arguments, seed=seed)(shape, dtype="float64"), first)
    np.testing.assert_array_equal(init(shape, dtype="float32"), first.astype(np.float32))
    if first.size >= 4:
        other = getattr(initializers, name)(**arguments, seed=seed + 1)(shape, dtype="float64")
        assert not np.array_equal(other, first)


def test_an_int_seed_repeats_in_keras_and_glassnet_and_no_seed_follows_the_global_seed(keras64):
    keras = keras64
    theirs = keras.initializers.HeNormal(seed=7)
    np.testing.assert_array_equal(np.asarray(theirs((4, 3))), np.asarray(theirs((4, 3))))  # Keras 3: every call
    ours = initializers.HeNormal()  # documented: no seed draws new values at each call, from the global generator
    glassnet.utils.set_random_seed(3)
    a, b = ours((4, 3)), ours((4, 3))
    glassnet.utils.set_random_seed(3)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(ours((4, 3)), a)


@st.composite
def initializer_specs(draw):
    """(class name, arguments, seed or None) of any initializer both libraries have."""
    if draw(st.booleans()):
        name, arguments, shape = draw(deterministic_specs())
        if name == "Constant" and isinstance(arguments["value"], np.ndarray):
            arguments = {"value": arguments["value"].tolist()}
        return name, arguments, None, shape
    name, arguments = draw(st.one_of(random_specs(), st.builds(lambda g: ("Orthogonal", {"gain": g}), numbers(-3, 3))))
    return name, arguments, draw(st.one_of(st.none(), st.integers(0, 2**31))), (3, 4)


@given(spec=initializer_specs())
@hypothesis_settings(60)
def test_initializer_configs_round_trip_through_keras(keras64, spec):
    keras, (name, arguments, seed, shape) = keras64, spec
    seeded = {} if seed is None and name in ("Zeros", "Ones", "Constant", "Identity") else {"seed": seed}
    ours, theirs = getattr(initializers, name)(**arguments, **seeded), getattr(keras.initializers, name)(**arguments,
                                                                                                       **seeded)
    from_ours = keras.initializers.deserialize(copy.deepcopy(initializers.serialize(ours)))
    from_theirs = initializers.deserialize(copy.deepcopy(keras.initializers.serialize(theirs)))
    assert type(from_ours) is type(theirs) and type(from_theirs) is type(ours)
    assert from_theirs.get_config() == ours.get_config() or name == "Identity"  # Keras's Identity keeps no gain
    if name == "Identity":
        assert from_ours.gain == theirs.gain == ours.gain
    else:
        assert from_ours.get_config() == theirs.get_config()
    if seed is not None or name in ("Zeros", "Ones", "Constant"):
        np.testing.assert_array_equal(getattr(initializers, name).from_config(ours.get_config())(shape), ours(shape))


#: (glassnet's call, Keras's call or None where Keras takes it, the error, words of glassnet's message)
BAD_INITIALIZERS = [
    (lambda m: m.VarianceScaling(scale=-1.0), ValueError, "scale"),
    (lambda m: m.VarianceScaling(scale=0.0), ValueError, "scale"),
    (lambda m: m.VarianceScaling(mode="fan_sum"), ValueError, "mode"),
    (lambda m: m.VarianceScaling(distribution="gamma"), ValueError, "distribution"),
    (lambda m: m.Identity()((2, 3, 4)), ValueError, "shape"),
    (lambda m: m.Identity()((4,)), ValueError, "shape"),
    (lambda m: m.Orthogonal()((4,)), ValueError, "shape"),
    (lambda m: m.RandomNormal(seed=1.5), ValueError, "seed"),
    (lambda m: m.RandomNormal(seed="a"), ValueError, "seed"),
    (lambda m: m.Constant([1.0, 2.0, 3.0])((3, 2)), ValueError, "value"),
]


@pytest.mark.parametrize("make, error, words", BAD_INITIALIZERS)
def test_bad_initializer_arguments_are_refused_by_name_where_keras_refuses_them(keras64, make, error, words):
    with pytest.raises(error, match=words):
        make(initializers)
    with pytest.raises((ValueError, TypeError)):
        make(keras64.initializers)


@pytest.mark.parametrize("make, error, words", [
    (lambda: initializers.RandomUniform(1.0, 0.0), ValueError, "maxval"),  # Keras draws from an empty range
    (lambda: initializers.RandomNormal(stddev=-1.0), ValueError, "stddev"),  # Keras takes these four
    (lambda: initializers.TruncatedNormal(stddev=-1.0), ValueError, "stddev"),
    (lambda: initializers.VarianceScaling(scale=float("nan")), ValueError, "scale"),
    (lambda: initializers.Orthogonal(gain="a"), TypeError, "gain"),
    (lambda: initializers.Zeros()((2,), dtype="int32"), ValueError, "dtype"),
])
def test_arguments_keras_takes_but_cannot_use_are_refused_by_name(make, error, words):
    with pytest.raises(error, match=words):
        make()


# -- regularizers ---------------------------------------------------------------------------------------

#: weights of every magnitude, zeros included
entries = st.one_of(st.just(0.0), numbers(-3, 3), st.sampled_from([1e-150, -1e-8, 1e8, -1e150, 1e-300]))


#: a regularizer's matrix sizes (CI keeps few: JAX compiles Keras's operations once per shape)
SIZES = st.integers(1, 6) if HUNT else st.sampled_from([1, 2, 4])


@st.composite
def regularizer_specs(draw, orthogonal=True):
    names = ["L1", "L2", "L1L2"] + (["OrthogonalRegularizer"] if orthogonal else [])
    name = draw(st.sampled_from(names))
    factor = st.one_of(st.just(0.0), st.floats(1e-6, 10.0))
    if name == "L1":
        return name, {"l1": draw(factor)}
    if name == "L2":
        return name, {"l2": draw(factor)}
    if name == "L1L2":
        return name, {"l1": draw(factor), "l2": draw(factor)}
    return name, {"factor": draw(factor), "mode": draw(st.sampled_from(["rows", "columns"]))}


@given(spec=regularizer_specs(), data=st.data())
@hypothesis_settings(20)
def test_regularizer_penalty_and_gradient_equal_kerass(keras_float64, spec, data):
    import jax
    (keras, _), (name, arguments) = keras_float64, spec
    m, n = data.draw(SIZES), data.draw(SIZES)
    if name == "OrthogonalRegularizer":  # two rows (columns) at least: Keras's penalty is 0/0 below
        m, n = (max(m, 2), n) if arguments["mode"] == "rows" else (m, max(n, 2))
    W = np.array(data.draw(st.lists(entries, min_size=m * n, max_size=m * n))).reshape(m, n)
    ours, theirs = getattr(regularizers, name)(**arguments), getattr(keras.regularizers, name)(**arguments)

    want, grad = jax.value_and_grad(lambda w: theirs(w))(jax.numpy.asarray(W))
    want, grad = float(want), np.asarray(grad)
    got = ours(W)
    # (the orthogonal penalty is a mean of cosines, at most factor: a cosine that cancels to 0 keeps ~1e-18
    # of rounding, which BLAS's fused multiply-adds leave or not)
    absolute = 1e-15 * arguments["factor"] if name == "OrthogonalRegularizer" else 1e-300
    assert got == pytest.approx(want, rel=1e-12, abs=absolute) or (math.isinf(got) and got == want)
    dW = ours.gradient(W)
    assert dW.shape == W.shape and dW.dtype == W.dtype
    if name != "OrthogonalRegularizer":
        at_zero = (W == 0) & (arguments.get("l1", 0) > 0)  # documented: sign(0) = 0, JAX's |x|' is 1 there
        np.testing.assert_allclose(dW[~at_zero], grad[~at_zero], rtol=1e-14, atol=0)
        np.testing.assert_array_equal(dW[at_zero], 0.0)
        return
    X = W if arguments["mode"] == "rows" else W.T
    norms = np.sqrt(np.sum(X * X, axis=1))
    N = X * np.minimum(1 / np.where(norms > 0, norms, 1), 1e7)[:, None]
    cosines = (N @ N.T)[~np.eye(len(X), dtype=bool)]
    # documented: |cos|' at 0 (JAX: 1), NaN for a zero row; a cosine that cancels to 0 may keep ~1e-18 of
    # rounding on either side (BLAS's fused multiply-adds), which picks the side of the kink
    if (norms == 0).any() or (np.abs(cosines) < 1e-12).any():
        return
    # JAX's derivative of rsqrt(‖w‖²), −½‖w‖⁻³, overflows for a row shorter than ~1e-100 (Keras's gradient
    # is then 0 · inf, NaN: only glassnet's finiteness is checked) and underflows to 0 for one longer than
    # ~1e100 (a wrong gradient): the penalty is scale-invariant there, so such a row is compared with Keras's
    # gradient at the row scaled to length 1, divided by its length
    rows = arguments["mode"] == "rows"
    tiny, huge = norms < 1e-100, norms > 1e100
    if huge.any():
        X2 = X.copy()
        X2[huge] /= norms[huge, None]
        grad2 = np.asarray(jax.grad(lambda w: theirs(w))(jax.numpy.asarray(X2 if rows else X2.T)))
        G2 = grad2 if rows else grad2.T
        G = (grad if rows else grad.T).copy()
        G[huge] = G2[huge] / norms[huge, None]
        grad = G if rows else G.T
    assert np.isfinite(dW).all()
    mask = np.broadcast_to(tiny[:, None] if rows else tiny[None, :], W.shape)
    scale = arguments["factor"] * np.minimum(1 / norms, 1e7).max()  # of the gradient: factor/‖w‖
    # (where it cancels to 0, one column, Keras's rounding leaves ~1e-16 of it)
    np.testing.assert_allclose(dW[~mask], grad[~mask], rtol=1e-9, atol=1e-12 * scale)


@given(spec=regularizer_specs())
@hypothesis_settings(40)
def test_regularizer_configs_round_trip_through_keras(keras64, spec):
    keras, (name, arguments) = keras64, spec
    ours, theirs = getattr(regularizers, name)(**arguments), getattr(keras.regularizers, name)(**arguments)
    from_ours = keras.regularizers.deserialize(copy.deepcopy(regularizers.serialize(ours)))
    from_theirs = regularizers.deserialize(copy.deepcopy(keras.regularizers.serialize(theirs)))
    assert from_ours.get_config() == theirs.get_config() and type(from_ours) is type(theirs)
    assert from_theirs.get_config() == ours.get_config() and type(from_theirs) is type(ours)
    assert regularizers.get({"class_name": name, "config": ours.get_config()}).get_config() == ours.get_config()


@pytest.mark.parametrize("name", ["l1", "l2", "orthogonal_regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer"])
def test_regularizer_names_give_kerass_defaults(keras64, name):
    assert regularizers.get(name).get_config() == keras64.regularizers.get(name).get_config()


@pytest.mark.parametrize("make, error, words", [
    (lambda m: m.L1(-0.1), ValueError, "l1"), (lambda m: m.L2(float("nan")), ValueError, "l2"),
    (lambda m: m.L1L2(l2=float("inf")), ValueError, "l2"), (lambda m: m.L1("0.1"), (TypeError, ValueError), "l1"),
    (lambda m: m.OrthogonalRegularizer(-1.0), ValueError, "factor"),
    (lambda m: m.OrthogonalRegularizer(float("nan")), ValueError, "factor"),
    (lambda m: m.OrthogonalRegularizer("a"), (TypeError, ValueError), "factor"),
    (lambda m: m.OrthogonalRegularizer(mode="diagonal"), ValueError, "mode"),
    (lambda m: m.OrthogonalRegularizer()(np.ones((2, 2, 2))), ValueError, "rank"),
])
def test_bad_regularizer_arguments_are_refused_by_name_as_keras(keras64, make, error, words):
    with pytest.raises(error, match=words):
        make(regularizers)
    with pytest.raises(error):
        make(keras64.regularizers)


# -- constraints ----------------------------------------------------------------------------------------

@st.composite
def constraint_specs(draw, ndim):
    """(class name, arguments) with an axis (an int, a tuple of distinct axes of ``ndim`` axes, or None:
    all of them)."""
    name = draw(st.sampled_from(["MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"]))
    if name == "NonNeg":
        return name, {}
    if draw(st.integers(0, 4)) == 0:
        axis = None
    elif draw(st.booleans()):
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        axis = tuple(a - ndim if draw(st.booleans()) else a for a in axes)
    if name == "UnitNorm":
        return name, {"axis": axis}
    if name == "MaxNorm":
        return name, {"max_value": draw(st.floats(0, 5)), "axis": axis}
    low = draw(st.floats(0, 3))
    return name, {"min_value": low, "max_value": low + draw(st.floats(0, 3)), "rate": draw(st.floats(0, 1)),
                  "axis": axis}


#: weights of rank 1 to 4, the 4-D conv kernel among them (CI keeps few: JAX compiles per shape)
CONSTRAINED_SHAPES = st.one_of(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple), st.just((3, 3, 2, 4))) \
    if HUNT else st.sampled_from([(4,), (3, 2), (2, 3, 2), (3, 3, 2, 4)])


@given(data=st.data())
@hypothesis_settings(30)
def test_constraints_equal_kerass(keras_float64, data):
    keras, _ = keras_float64
    shape = data.draw(CONSTRAINED_SHAPES, label="shape")
    name, arguments = data.draw(constraint_specs(len(shape)), label="constraint")
    W = np.array(data.draw(st.lists(st.one_of(entries.filter(lambda v: abs(v) < 1e100), numbers(-3, 3)),
                                    min_size=math.prod(shape), max_size=math.prod(shape)))).reshape(shape)
    if data.draw(st.booleans(), label="a zero slice") and W.ndim > 1:
        W[..., 0] = 0.0
    ours, theirs = getattr(constraints, name)(**arguments), getattr(keras.constraints, name)(**arguments)
    got, want = ours(W), np.asarray(theirs(keras.ops.convert_to_tensor(W)))
    assert got.dtype == want.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-300)
    in_place = W.copy()
    ours.apply_in_place(in_place)
    np.testing.assert_array_equal(in_place, got)
    from_ours = keras.constraints.deserialize(copy.deepcopy(constraints.serialize(ours)))
    from_theirs = constraints.deserialize(copy.deepcopy(keras.constraints.serialize(theirs)))
    np.testing.assert_array_equal(np.asarray(from_ours(keras.ops.convert_to_tensor(W))), want)
    assert from_theirs.get_config() == ours.get_config()


@pytest.mark.parametrize("make, words", [
    (lambda m: m.MaxNorm(axis=5)(np.ones((2, 2))), "axis"), (lambda m: m.UnitNorm(axis=(0, 0))(np.ones((2, 2))), "axis"),
    (lambda m: m.MinMaxNorm(axis=-3)(np.ones((2, 2))), "axis"),
])
def test_bad_constraint_axes_are_refused_by_name_as_keras(keras64, make, words):
    with pytest.raises(ValueError, match=words):
        make(constraints)
    with pytest.raises(ValueError):
        make(keras64.constraints)


# -- inside a Dense layer -------------------------------------------------------------------------------

@st.composite
def dense_specs(draw):
    n_in, units, batch = draw(st.integers(2, 4)), draw(st.integers(2, 4)), draw(st.integers(2, 5))
    maybe = lambda strategy: draw(st.one_of(st.none(), strategy))  # noqa: E731
    kernel_regularizer = maybe(regularizer_specs())
    return {
        "n_in": n_in, "units": units, "batch": batch, "activation": draw(st.sampled_from(["linear", "tanh"])),
        "learning_rate": draw(st.floats(1e-3, 0.5)),
        "kernel_initializer": draw(st.sampled_from([("Identity", {"gain": 0.7}), ("Constant", {"value": 0.3}),
                                                    None])),
        "kernel_regularizer": kernel_regularizer, "bias_regularizer": maybe(regularizer_specs(False)),
        "activity_regularizer": maybe(regularizer_specs(False)),
        "kernel_constraint": maybe(constraint_specs(2)), "bias_constraint": maybe(constraint_specs(1)),
        "seed": draw(st.integers(0, 2**31)),
    }


def dense(module, spec):
    """A Dense layer of ``module`` (glassnet's or Keras's) with the spec's settings."""
    groups = {"kernel_initializer": module.initializers, "kernel_regularizer": module.regularizers,
              "bias_regularizer": module.regularizers, "activity_regularizer": module.regularizers,
              "kernel_constraint": module.constraints, "bias_constraint": module.constraints}
    settings_ = {key: getattr(group, spec[key][0])(**spec[key][1]) for key, group in groups.items()
                 if spec[key] is not None}
    return module.layers.Dense(spec["units"], activation=spec["activation"], **settings_)


@given(spec=dense_specs())
@hypothesis_settings(6)
def test_one_sgd_step_of_a_dense_layer_with_every_setting_equals_kerass(keras64, spec):
    keras, rng = keras64, np.random.default_rng(spec["seed"])
    X, Y = rng.normal(size=(spec["batch"], spec["n_in"])), rng.uniform(-0.9, 0.9, size=(spec["batch"], spec["units"]))
    ours = glassnet.Sequential([glassnet.Input((spec["n_in"],)), dense(glassnet, spec)], dtype="float64")
    theirs = keras.Sequential([keras.Input((spec["n_in"],)), dense(keras, spec)])
    # documented: |x|' at exactly 0 is 0 in glassnet, 1 in Keras on JAX; the bias is set non-zero, and
    # Identity's zeros (and orthogonal rows) are left to penalties without |x|
    start = [ours.get_weights()[0], rng.normal(size=spec["units"])]
    identity_under_abs = spec["kernel_initializer"] is not None and spec["kernel_initializer"][0] == "Identity" \
        and spec["kernel_regularizer"] is not None and spec["kernel_regularizer"][0] != "L2"
    if spec["kernel_initializer"] is None or identity_under_abs:
        start[0] = rng.normal(size=(spec["n_in"], spec["units"]))
    else:
        np.testing.assert_array_equal(start[0], np.asarray(theirs.get_weights()[0]))
    ours.set_weights(start)
    theirs.set_weights(start)
    ours.compile(optimizer=glassnet.optimizers.SGD(spec["learning_rate"]), loss="mse")
    theirs.compile(optimizer=keras.optimizers.SGD(spec["learning_rate"]), loss="mse")
    loss = ours.fit(X, Y, batch_size=spec["batch"], epochs=1, shuffle=False, verbose=0).history["loss"]
    want = theirs.fit(X, Y, batch_size=spec["batch"], epochs=1, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(loss, want, rtol=1e-10)
    for got, want in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-10, atol=1e-12)


@given(spec=dense_specs())
@hypothesis_settings(4)
def test_gn_and_keras_files_keep_every_setting(keras64, tmp_path_factory, spec):
    keras = keras64
    model = glassnet.Sequential([glassnet.Input((spec["n_in"],)), dense(glassnet, spec)], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    folder = tmp_path_factory.mktemp("files")
    model.save(folder / "m.gn")
    model.export(folder / "m.keras", format="keras")
    again, theirs = glassnet.models.load_model(folder / "m.gn"), keras.saving.load_model(folder / "m.keras")
    keys = ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"]
    # (JSON's view: a tuple axis is written as a list; a None activity_regularizer is left out, as Keras)
    plain = lambda config: json.loads(json.dumps({key: config.get(key) for key in keys + ["kernel_initializer"]}))  # noqa: E731
    ours_config, loaded_config = plain(model.layers[-1].get_config()), plain(again.layers[-1].get_config())
    keras_config = plain(theirs.layers[-1].get_config())
    assert loaded_config == ours_config
    for key in keys:
        if spec[key] is None:
            assert keras_config[key] is None, key
        else:
            assert keras_config[key]["class_name"] == spec[key][0], key
            group = getattr(keras, "regularizers" if key.endswith("regularizer") else "constraints")
            want = group.get({"class_name": spec[key][0], "config": copy.deepcopy(spec[key][1])}).get_config()
            assert keras_config[key]["config"] == plain_value(want), key


def plain_value(value):
    return json.loads(json.dumps(value))
