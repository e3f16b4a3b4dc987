"""Every glassnet layer against Keras 3.15 (JAX) in float32 and float16, the drawn cases of
test_properties_layers.py (there in float64), with inputs also scaled up towards float16's 65504.

The bound. Each side computes in the layer's dtype (ε its machine epsilon), so each is within a few
``m·ε`` (``m`` = the number of values the layer combines, at most the batch's size) of the exact result
relative to the computation's scale, which for a function ``f`` of inputs and weights ``a`` is its
condition ``cond f = Σ_k |∂f/∂a_k|·|a_k| + |f|`` (for a Dense ``Σ_j |x_j||w_j| + |b| + |y|``, the classic
``k·ε·Σ|x||w|``): ``|ours − Keras's| ≤ 2(m + 4)·ε·cond f``, with ``cond`` from ``jax.jacfwd`` of Keras's
layer in float64 at the same (rounded) inputs and weights. The gradients ``∂(Σ dY ⊙ Y)/∂(X, W)`` the same
way, their condition taken over ``X``, the weights and ``dY``, plus the size of the terms a gradient sums
before they cancel, ``Σ|dY|·cond Y / max|a|`` for ``a`` = X or a weight (``x/sqrt(x² + ε)``'s gradient
``1/r − x²/r³`` cancels to ``ε/r³``: each side's is its rounding noise, ``ε/r``), and underflow: each
operation may lose the smallest subnormal η, scaled by the inputs' size (float16's gelu(−5.4) = −1.8e-7
is 3 steps of η = 6e-8: glassnet gives −0, Keras −2e-7). An overflow (±inf) counts as the next power
of two past the dtype's largest number (65536 for float16), so a value rounded up to inf on one side and
down to 65504 on the other is a rounding, and a NaN or an inf where Keras is finite is an error. Where
Keras gives NaN and glassnet a number (UnitNormalization's zero sample, docs/api.md; squareplus and
sparse_plus past float16's range) that is allowed. The output's dtype must be Keras's (Discretization's
bins are floats: docs/api.md).

Then small float32 models trained with SGD as Keras trains them, bad dtypes refused by name, the
mixed-precision policy, dtypes of integer inputs, ``sparse=True`` and ``Input``/``InputLayer`` on their own.
``GLASSNET_HUNT=N`` runs N drawn examples per test.
"""

import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_properties_layers import (CASES, INTEGER_INPUT, RANDOM, KerasRun, _glassnet_model, _keras_weights,  # noqa: E402
                                    _make, examples)

from glassnet import layers  # noqa: E402
from glassnet.models import Sequential  # noqa: E402

DTYPES = ("float32", "float16")
#: layers whose output is not Keras's dtype, on purpose (docs/api.md): Discretization's bins are floats
FLOAT_BINS = {"Discretization"}


def _finite(A, dtype):
    """``A`` in float64 with ±inf as ±2^(max exponent) (65536 for float16): the first value that rounds to inf."""
    A = np.array(A, dtype=np.float64)
    A[np.isinf(A)] = np.sign(A[np.isinf(A)]) * 2.0 ** np.finfo(dtype).maxexp
    return A


class Condition:
    """``cond f`` (module docstring) of Keras's float64 ``layer``'s output and gradients at ``X``, its
    weights and ``dY`` (jax.jacfwd; ids are not differentiated)."""

    def __init__(self, jax, layer, X, dY, training, integer_input, ids):
        jnp = jax.numpy
        trainable = [jnp.asarray(np.asarray(v, dtype=np.float64)) for v in layer.trainable_variables]
        frozen = [jnp.asarray(np.asarray(v)) for v in layer.non_trainable_variables]
        X = jnp.asarray(X.astype(np.int64) if ids else X.astype(np.float64))
        dY = jnp.asarray(dY.astype(np.float64))
        mode = {"training": training} if "training" in __import__("inspect").signature(layer.call).parameters else {}

        def forward(X, *trainable):
            return layer.stateless_call(list(trainable), frozen, X, **mode)[0]

        def gradients(X, dY, *trainable):
            argnums = tuple(range(1, 1 + len(trainable))) if integer_input else tuple(range(1 + len(trainable)))

            def loss(X, *trainable):
                return jnp.sum(forward(X, *trainable) * dY)

            return jax.grad(loss, argnums=argnums)(X, *trainable) if argnums else ()

        wrt = (list(range(1, 1 + len(trainable))) if integer_input else list(range(1 + len(trainable))))
        self.Y, self.exact_Y = self._cond(jax, forward, [X, *trainable], wrt)
        wrt = [1, *(k + 1 for k in range(1, 1 + len(trainable)))] + ([] if integer_input else [0])
        self.gradients, self.exact_gradients = self._cond(jax, gradients, [X, dY, *trainable], sorted(wrt)) if len(
            wrt) > 1 or not integer_input else ((), ())
        if not isinstance(self.gradients, tuple):
            self.gradients, self.exact_gradients = (self.gradients,), (self.exact_gradients,)

    @staticmethod
    def _cond(jax, f, args, wrt):
        """``Σ_k |∂f/∂args[k]|·|args[k]| + |f|`` over ``k`` in ``wrt``, for each output of ``f`` (a tuple or one),
        and ``f`` itself."""
        value = f(*args)
        jacobians = jax.jacfwd(f, argnums=tuple(wrt))(*args) if wrt else None
        single = not isinstance(value, tuple)
        values = (value,) if single else value
        per_output = [jacobians] if single else list(jacobians or [()] * len(values))
        conds = []
        for out, jac in zip(values, per_output):
            cond = np.abs(np.asarray(out))
            for k, J in zip(wrt, jac or ()):
                a = np.abs(np.asarray(args[k], dtype=np.float64))
                cond = cond + np.tensordot(np.abs(np.asarray(J)), a, axes=a.ndim)
            conds.append(cond)
        values = [np.asarray(out) for out in values]
        return (conds[0], values[0]) if single else (tuple(conds), tuple(values))


COUNTS = {"compared": 0, "keras_nan_ours_finite": 0}


def _agree(ours, theirs, cond, dtype, m, what, size=1.0, exact=None):
    """``ours`` within ``2(m + 4)·(ε·cond + η·(1 + size))`` of Keras's ``theirs`` (module docstring), or of
    the ``exact`` (float64) result where Keras's own formula loses more than that: Keras's
    LayerNormalization computes ``x·r + (β − μ·r)``, whose terms of size ``|x|·r`` cancel to β over one
    feature (glassnet's ``(x − μ)·r + β`` gives β); its float16 UnitNormalization's input gradient over one
    feature is −2.7e-5 (its rounding; exactly 0, as glassnet gives)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != Keras's {theirs.shape}"
    COUNTS["compared"] += 1
    keras_nan = np.isnan(theirs.astype(np.float64))
    assert not np.any(np.isnan(ours.astype(np.float64)) & ~keras_nan), f"{what}: NaN where Keras is finite"
    COUNTS["keras_nan_ours_finite"] += int(np.any(keras_nan))
    a, b = _finite(ours, dtype)[~keras_nan], _finite(theirs, dtype)[~keras_nan]
    eps, eta = float(np.finfo(dtype).eps), float(np.finfo(dtype).smallest_subnormal)
    bound = 2 * (m + 4) * (eps * np.broadcast_to(cond, ours.shape)[~keras_nan] + eta * (1 + size))
    bad = np.abs(a - b) > bound
    if exact is not None:
        bad &= np.abs(a - _finite(np.asarray(exact).astype(dtype), dtype)[~keras_nan]) > bound
    assert not bad.any(), (f"{what}: {a[bad][:4]} vs Keras's {b[bad][:4]}, bound {bound[bad][:4]} "
                           f"(|Δ|/ε·cond = {(np.abs(a - b)[bad] / bound[bad] * 2 * (m + 4))[:4]})")


def check_layer_in_dtype(keras, jax, name, kwargs, shape, X, seed, dtype):
    """Output, input and weight gradients and BatchNormalization's moving statistics of ``name`` in
    ``dtype`` against Keras's, in inference and training mode."""
    rng = np.random.default_rng(seed)
    integer_input, ids = name in INTEGER_INPUT, name in ("Embedding", "CategoryEncoding")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, exact = _make(keras.layers, name, kwargs, dtype), _make(keras.layers, name, kwargs, "float64")
        theirs.build((None, *shape))
        exact.build((None, *shape))
    weights = [w.astype(dtype) if w.dtype.kind == "f" else w for w in map(np.asarray, _keras_weights(theirs, rng))]
    theirs.set_weights(weights)
    exact.set_weights(weights)
    model = _glassnet_model(_make(layers, name, kwargs, dtype), shape, dtype)
    layer = model.layers[0]
    layer.needs_input_gradient = not integer_input
    layer.set_weights(weights)
    trainable = [k for k in layer.weight_names if k in layer.grads]
    X = X.astype(dtype)
    m = X.size + sum(w.size for w in weights)
    for training in (False, True):
        dY = rng.normal(size=tuple(theirs.compute_output_shape(X.shape))).astype(dtype)
        before = [np.array(w) for w in layer.get_weights()]
        ref = KerasRun(jax, theirs, X, dY, training, integer_input, ids=ids)
        cond = Condition(jax, exact, X, dY, training, integer_input, ids)
        what = f"{name}{kwargs} {dtype} training={training}"
        Y = np.asarray(model.forward(X, training=training))
        if name not in FLOAT_BINS:
            assert Y.dtype == ref.Y.dtype, f"{what}: output dtype {Y.dtype}, Keras's {ref.Y.dtype}"
        _agree(Y, ref.Y, cond.Y, dtype, m, f"{what}: output", size=np.max(np.abs(X.astype(np.float64)), initial=0),
               exact=cond.exact_Y)
        if (name == "SpectralNormalization" and training) or (integer_input and not trainable):
            layer.set_weights(before)  # (its training gradient is the Dense's at W/σ: test_properties_layers.py)
            continue
        dX = layer.backward(dY)
        expected = ([] if integer_input else [("input", dX, ref.dX)]) + [
            (key, layer.grads[key], keras_grad) for key, keras_grad in zip(trainable, ref.dweights)]
        sizes = [np.max(np.abs(a.astype(np.float64)), initial=0) for a in ([] if integer_input else [X]) + [
            w for key, w in zip(layer.weight_names, before) if key in trainable]]
        for (key, got, keras_grad), grad_cond, exact_grad, size in zip(expected, cond.gradients,
                                                                        cond.exact_gradients, sizes):
            # and the terms a gradient sums before they cancel: Σ|dY|·cond Y / max|a| (module docstring)
            grad_cond = grad_cond + np.sum(np.abs(dY.astype(np.float64)) * cond.Y) / max(size, 1e-300)
            assert np.asarray(got).dtype == np.dtype(dtype), f"{what}: gradient of {key} in {np.asarray(got).dtype}"
            _agree(got, keras_grad, grad_cond, dtype, m, f"{what}: gradient of {key}", exact=exact_grad)
        if training and name == "BatchNormalization":
            names = list(layer.weight_names)
            for key, value in zip(("moving_mean", "moving_variance"), ref.updated):
                scale = np.abs(value.astype(np.float64)) + np.max(np.abs(X.astype(np.float64)), initial=0) ** (
                    1 if key == "moving_mean" else 2)
                _agree(layer.get_weights()[names.index(key)], value, scale, dtype, m, f"{what}: {key}")
        layer.set_weights(before)


# (float16 results past 65504 are inf on both sides; NumPy says so, e.g. Normalization's (x − μ)/σ for a tiny σ)
@pytest.mark.filterwarnings("ignore::RuntimeWarning:glassnet.*")
@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_equals_keras_in_float32_and_float16(keras_float64, dtype):
    """A drawn layer of CASES (each example 1 to 5 s: Keras's float64 Jacobians; a hunt covers them all)."""
    keras, _ = keras_float64
    import jax

    @examples(ci=4)
    @given(st.data())
    def run(data):
        name = data.draw(st.sampled_from(sorted(CASES)))
        kwargs, shape, X = CASES[name](data.draw)
        if name not in INTEGER_INPUT:  # towards float16's 65504 (exp, squares and x − μ overflow there)
            big = float(np.finfo(np.float16).max)
            X = np.clip(X * data.draw(st.sampled_from([1.0, 1.0, 64.0, 4096.0])), -big, big)
        # docs/api.md: glassnet's float16 UnitNormalization normalizes in float32, Keras's squares pass 65504 (|x| > 256)
        # and its x/‖x‖ reads 0
        hypothesis.assume(not (name == "UnitNormalization" and dtype == "float16" and np.max(np.abs(X)) > 255))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # (Keras: a softmax over an axis of 1)
            check_layer_in_dtype(keras, jax, name, kwargs, shape, X, data.draw(st.integers(0, 2**32 - 1)), dtype)

    run()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_layers_are_the_identity_in_inference_in_every_dtype(name, dtype):
    """Inference passes a float32 or float16 batch through unchanged and in its dtype (values near 65504 too)."""
    kwargs = {"stddev": 0.5} if name == "GaussianNoise" else {"rate": 0.5}
    model = _glassnet_model(getattr(layers, name)(**kwargs, seed=1), (3,), dtype)
    X = np.array([[1.0, -65504.0, 3e-5], [0.0, 65504.0, -2.5]], dtype=dtype)
    for Y in (model.predict(X), model.forward(X, training=False)):
        assert np.asarray(Y).dtype == np.dtype(dtype)
        np.testing.assert_array_equal(Y, X)


# -- the overflows found by the hunt, one reproducer each ------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::RuntimeWarning:glassnet.*")  # (BatchNormalization's float16 moving variance: inf)
@pytest.mark.parametrize("name, kwargs", [("LayerNormalization", {}), ("GroupNormalization", {"groups": 1}),
                                          ("BatchNormalization", {})])
def test_float16_normalization_of_values_near_65504_is_finite_as_keras(keras_float64, name, kwargs):
    """65504 − (−21835) passes float16's largest: LayerNormalization and GroupNormalization gave −inf (and NaN
    gradients) where Keras, normalizing a float16 batch in float32, gives −1.414; BatchNormalization's x̂ = x/σ
    overflowed for a moving variance of 0.01 where Keras's γ x̂ + β (γ = 0.001) is finite."""
    keras, _ = keras_float64
    X = np.array([[60000.0, -60000.0, 100.0], [65504.0, 65504.0, -65504.0]], dtype=np.float16)
    theirs = getattr(keras.layers, name)(**kwargs, dtype="float16")
    theirs.build((None, 3))
    model = _glassnet_model(getattr(layers, name)(**kwargs), (3,), "float16")
    weights = [np.full(w.shape, 0.001 if "gamma" in w.path else 0.01, dtype=np.float16) for w in theirs.weights]
    theirs.set_weights(weights)
    model.layers[0].set_weights(weights)
    model.layers[0].needs_input_gradient = True
    for training in (False, True):
        Y = np.asarray(model.forward(X, training=training))
        dX = np.asarray(model.layers[0].backward(np.ones_like(X)))
        expected = np.asarray(theirs(X, training=training))
        assert np.all(np.isfinite(expected)) and np.all(np.isfinite(Y)) and np.all(np.isfinite(dX)), (Y, dX)
        np.testing.assert_allclose(Y.astype(np.float64), expected, rtol=2e-3, atol=1e-5)


def test_float16_batch_normalization_stores_a_moving_variance_past_65504_as_inf_without_a_numpy_notice(keras_float64):
    """The batch variance of ±60000 is 3.6e9: Keras's float16 moving variance stores it as inf, silently;
    glassnet's raised NumPy's "overflow encountered in add" RuntimeWarning (an error in the suite) at the
    update, though the layer's output is Keras's."""
    keras, _ = keras_float64
    X = np.array([[60000.0], [-60000.0]], dtype=np.float16)
    theirs = keras.layers.BatchNormalization(momentum=0.0, dtype="float16")
    expected = np.asarray(theirs(X, training=True))
    model = _glassnet_model(layers.BatchNormalization(momentum=0.0), (1,), "float16")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y = model.forward(X, training=True)
    np.testing.assert_array_equal(Y, expected)
    for ours, keras_value in zip(model.layers[0].get_weights()[2:], (theirs.moving_mean, theirs.moving_variance)):
        np.testing.assert_array_equal(ours, np.asarray(keras_value))
    assert np.isposinf(model.layers[0].get_weights()[3]).all()


def test_prelu_alpha_gradient_is_not_nan_where_a_positive_input_times_dy_passes_65504():
    """∂J/∂α = Σ dY·x over the negative x: glassnet computed Σ dY·x·[x < 0], so a positive x of 60000
    times dY = 2 (inf in float16) times 0 gave NaN; Keras (jax.grad of where(x < 0, α x, x)) gives −3."""
    model = _glassnet_model(layers.PReLU(shared_axes=[1]), (2,), "float16")
    model.forward(np.array([[60000.0, -1.5]], dtype=np.float16), training=True)
    model.layers[0].backward(np.array([[2.0, 2.0]], dtype=np.float16))
    np.testing.assert_array_equal(model.layers[0].grads["alpha"], [-3.0])


@pytest.mark.parametrize("dtype", ("float64", *DTYPES))
def test_relu_gradient_at_max_value_is_kerass_half(keras_float64, dtype):
    """At x = max_value Keras's clip on JAX splits the tie (½); glassnet gave 0 (found in float16 and float64
    alike): except for max_value 6 without a threshold, where Keras uses relu6, whose gradient there is 0."""
    keras, _ = keras_float64
    import jax

    for kwargs, x in (({"max_value": 1.0}, 1.0), ({"max_value": 3.0, "threshold": 0.5}, 3.0),
                      ({"max_value": 6.0}, 6.0), ({"max_value": 2.0, "negative_slope": 0.3}, 2.0)):
        X = np.array([[x, 0.25, -1.0]], dtype=dtype)
        dY = np.ones_like(X)
        theirs = keras.layers.ReLU(**kwargs, dtype=dtype)
        theirs.build((None, 3))
        model = _glassnet_model(layers.ReLU(**kwargs), (3,), dtype)
        model.layers[0].needs_input_gradient = True
        model.forward(X, training=True)
        np.testing.assert_array_equal(model.layers[0].backward(dY), KerasRun(jax, theirs, X, dY, True, False).dX,
                                      err_msg=str(kwargs))


# -- small float32 models trained as Keras trains them --------------------------------------------------------------

def _stack(lib):
    L = lib.layers
    return [L.Dense(5, activation="tanh"), L.BatchNormalization(momentum=0.5), L.PReLU(), L.LayerNormalization(),
            L.Dense(4), L.ReLU(max_value=2.0), L.Dense(3, activation="softmax")]


@examples(ci=2)
@given(st.integers(0, 2**32 - 1))
def test_a_float32_model_trains_as_keras(seed):
    """Four SGD(0.1) steps of a float32 stack (Dense, BatchNormalization, PReLU, LayerNormalization, ReLU, softmax)
    from the same weights: every weight within float32's rounding of Keras's (|Δw| ≤ 1e-5·(1 + |w|): each step
    adds a few ε relative to the weights through ~100-term sums)."""
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("the comparison runs on Keras's JAX backend")
    import glassnet

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(16, 6)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=16)]
    theirs = keras.Sequential([keras.Input((6,)), *_stack(keras)])
    ours = Sequential([glassnet.Input((6,)), *_stack(glassnet)], dtype="float32")
    ours.build()
    weights = [rng.normal(scale=0.5, size=w.shape).astype(np.float32) if "variance" not in w.path
               else rng.uniform(0.5, 2, size=w.shape).astype(np.float32) for w in theirs.weights]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    theirs.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy")
    ours.compile(glassnet.optimizers.SGD(0.1), "categorical_crossentropy")
    theirs.fit(X, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    ours.fit(X, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for got, want, w in zip(ours.get_weights(), theirs.get_weights(), theirs.weights, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=w.path)


# -- dtypes: refused by name, the mixed policy, integer inputs, sparse outputs --------------------------------------

def _other_libraries_dtypes():
    found = [np.int8, np.complex64, "bfloat16", "float7", "int8", "uint8", True, 3]
    if np.finfo(np.longdouble).bits > 64:  # np.float128 where the platform has it
        found.append(np.longdouble)
    torch = pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    # (a float policy, keras.DTypePolicy("float32"), is read by its name as Keras reads it: test_properties_reporting.py)
    return found + [torch.float32, torch.float16, keras.DTypePolicy("bfloat16"), keras.DTypePolicy("int32")]


def test_bad_dtypes_are_refused_naming_dtype():
    for dtype in _other_libraries_dtypes():
        for make in (lambda: layers.Dense(2, dtype=dtype), lambda: Sequential([layers.Dense(2)], dtype=dtype),
                     lambda: layers.Input((3,), dtype=dtype) if dtype not in (np.int8, "int8", "uint8", True)
                     else layers.Dense(2, dtype=dtype)):
            with pytest.raises((ValueError, TypeError), match="dtype"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make()


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_layer_of_another_dtype_than_its_model_is_refused_by_name(dtype):
    other = "float64" if dtype != "float64" else "float32"
    for layer in (layers.Dense(2, dtype=other), layers.ReLU(dtype=other), layers.BatchNormalization(dtype=other)):
        with pytest.raises(ValueError, match=f"dtype '{other}' but the model computes in '{dtype}'"):
            Sequential([layers.Input((3,)), layer], dtype=dtype).build()


def test_mixed_float16_is_read_as_float32_and_said():
    with pytest.warns(UserWarning, match="mixed_float16.*read as float32"):
        layer = layers.Dense(2, dtype="mixed_float16")
    model = Sequential([layers.Input((3,)), layer], dtype="float32")
    model.build()
    assert model.predict(np.ones((1, 3))).dtype == np.float32
    assert layer.get_weights()[0].dtype == np.float32


@pytest.mark.parametrize("dtype", DTYPES)
def test_integer_and_bool_inputs_are_cast_to_the_models_dtype_as_keras(keras_float64, dtype):
    keras, _ = keras_float64
    theirs = keras.layers.Dense(2, dtype=dtype, kernel_initializer=keras.initializers.GlorotUniform(seed=1))
    theirs.build((None, 3))
    model = _glassnet_model(layers.Dense(2), (3,), dtype)
    model.layers[0].set_weights(theirs.get_weights())
    for X in (np.array([[1, -2, 3]], dtype=np.int64), np.array([[1, 2, 3]], dtype=np.uint8),
              np.array([[True, False, True]])):
        Y = model.predict(X)
        assert Y.dtype == np.dtype(dtype)
        # (a sum of three products may round its last bit otherwise in XLA's dot than in NumPy's)
        np.testing.assert_allclose(Y, np.asarray(theirs(X.astype(dtype))), rtol=4 * np.finfo(dtype).eps)
    ids = np.array([[0, 2], [1, 1]], dtype=np.int32)
    for make in (lambda: layers.Embedding(3, 2), lambda: layers.CategoryEncoding(3, output_mode="count")):
        model = Sequential([layers.Input((2,), dtype="int32"), make()], dtype=dtype)
        model.build()
        assert model.predict(ids).dtype == np.dtype(dtype)


@pytest.mark.parametrize("make", [lambda: layers.CategoryEncoding(3, sparse=True),
                                  lambda: layers.Discretization(bin_boundaries=[0.0], output_mode="one_hot", sparse=True),
                                  lambda: layers.Discretization(bin_boundaries=[0.0], sparse=True),
                                  lambda: layers.Input((3,), sparse=True)])
def test_sparse_is_refused_by_name(make):
    """Keras returns sparse tensors on some backends; glassnet's arrays are dense: refused, naming sparse."""
    with pytest.raises(ValueError, match="sparse"):
        make()


# -- Input and InputLayer on their own ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", (None, "float16", "float32", "float64", "int32"))
def test_input_layer_config_round_trips_and_keras_reads_it(keras_float64, dtype):
    """Input(shape, batch_size, dtype, name) and InputLayer(...) as a first layer; from_config(get_config()) keeps the
    dtype (an int32 Input came back float32), and Keras deserializes the InputLayer a .keras file holds."""
    keras, _ = keras_float64
    from glassnet.models.keras_files import keras_config
    made = [layers.Input((3, 2), batch_size=4, dtype=dtype, name="pixels"),
            layers.InputLayer(shape=(3, 2), dtype=dtype, name="pixels")]
    for layer in made:
        assert layer.name == "pixels" and layer.dtype == (dtype or "float32")
        again = type(layer).from_config(layer.get_config())
        assert again.get_config() == layer.get_config() and again.dtype == layer.dtype
    model = Sequential([made[1], layers.Flatten(), layers.Dense(2)], dtype="float32")
    model.build()
    assert model.predict(np.ones((4, 3, 2), dtype=np.int32)).shape == (4, 2)
    # the InputLayer a .keras file holds (in the model's dtype, or a wider float one given to it, as Keras writes
    # it: session 57), as Keras reads it
    config = keras_config(model)["config"]["layers"][0]
    theirs = keras.layers.deserialize(config)
    assert tuple(theirs.batch_shape) == (None, 3, 2) and theirs.dtype == ("float64" if dtype == "float64" else "float32")
