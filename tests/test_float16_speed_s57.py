"""float16 matrix products (session 57): NumPy has no BLAS kernel for float16, so ``backend.matmul`` multiplies
float16 operands as float32 copies and rounds the product once to float16 (NumPy's own float16 loop also sums in
float32 and rounds once, at ~100× the time; Keras on JAX/XLA computes float16 dots with float32 sums too). The
speed is in the session's report; these tests check the numbers."""

import numpy as np
import pytest

from glassnet import backend
from glassnet import layers as L


def _half(rng, shape, scale=1.0):
    return (rng.normal(size=shape) * scale).astype(np.float16)


def _float32_then_rounded(a, b):
    return (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)


@pytest.mark.parametrize("a_shape, b_shape, transposed", [
    ((128, 784), (784, 512), False),  # M1's first layer forward, X @ W
    ((128, 784), (128, 512), True),   # its kernel gradient, Xᵀ @ δ (a transposed view)
    ((128,), (128, 512), False),      # its bias gradient, 1ᵀ @ δ
    ((3, 5), (5, 2), False),
])
@pytest.mark.parametrize("given_out", [False, True])
def test_a_float16_product_is_the_float32_product_rounded_once(rng, a_shape, b_shape, transposed, given_out):
    a, b = _half(rng, a_shape), _half(rng, b_shape, 0.05)
    a = a.T if transposed else a
    out = np.empty((*a.shape[:-1], b.shape[-1]), np.float16) if given_out else None
    C = backend.matmul(a, b, out)
    assert C.dtype == np.float16 and (C is out or not given_out)
    # NumPy's float16 loop sums in another order than BLAS: some entries of the 784-long sums differed by an ulp
    assert np.array_equal(C.view(np.uint16), _float32_then_rounded(a, b).view(np.uint16))
    # and against float64: within one float16 rounding and float32's summation error
    exact = a.astype(np.float64) @ b.astype(np.float64)
    bound = np.spacing(np.abs(exact).astype(np.float16)).astype(np.float64) / 2 \
        + a.shape[-1] * 2.0**-24 * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))
    assert (np.abs(C - exact) <= bound).all()


def test_float32_and_float64_products_are_blas_as_before(rng):
    for dtype in ("float32", "float64"):
        a, b = rng.normal(size=(64, 300)).astype(dtype), rng.normal(size=(300, 40)).astype(dtype)
        out = np.empty((64, 40), dtype)
        assert backend.matmul(a, b, out) is out and np.array_equal(out, a.dot(b))
        assert backend.matmul(a, b, None).dtype == dtype


def test_a_float16_product_of_other_dtypes_or_into_float32_is_numpy_matmul(rng):
    # only float16 by float16 into float16 (or a new array) takes the float32 route; the rest is NumPy's matmul
    a16, b16, b32 = _half(rng, (4, 6)), _half(rng, (6, 3)), rng.normal(size=(6, 3)).astype(np.float32)
    assert np.array_equal(backend.matmul(a16, b32, None), np.matmul(a16, b32))
    for dtype in (np.float32, np.float64):  # (np.dtype("float64") == None is True: a test `in (None, ...)` took it)
        out = np.empty((4, 3), dtype)
        assert backend.matmul(a16, b16, out) is out and np.array_equal(out, np.matmul(a16, b16).astype(dtype))


def test_a_float16_dense_forward_and_backward_match_float64_within_float16_rounding(rng):
    # M1-sized: a (128, 784) batch, 512 units, relu; every product of the step against the same float16
    # numbers computed in float64
    X, dA = _half(rng, (128, 784)), _half(rng, (128, 512), 1e-3)
    layer = L.Dense(512, activation="relu", dtype="float16")
    layer.build((784,))
    layer.params["b"][...] = _half(rng, (512,), 0.1)
    W, b = (layer.params[key].astype(np.float64) for key in ("W", "b"))
    A = layer.forward(X, training=True)
    dX = layer.backward(dA)
    X64, dA64 = X.astype(np.float64), dA.astype(np.float64)
    XW = X64 @ W
    dZ = dA64 * (A > 0)  # (ReLU's derivative where the float16 forward found Z > 0, as the layer reads it)
    ones = np.ones(128)
    # (exact, the scale of its rounding errors): float16 rounds each product once (2⁻¹¹ relative, 2⁻²⁵ for a
    # subnormal one) after float32 sums of K terms (K·2⁻²⁴ of Σ|a||b|); the forward rounds X W, then X W + b
    want = {"A": (np.maximum(XW + b, 0), np.abs(XW) + np.abs(XW + b), 0),
            "dW": (X64.T @ dZ, np.abs(X64.T @ dZ), 128 * np.abs(X64.T) @ np.abs(dZ)),
            "db": (ones @ dZ, np.abs(ones @ dZ), 128 * ones @ np.abs(dZ)),
            "dX": (dZ @ W.T, np.abs(dZ @ W.T), 512 * np.abs(dZ) @ np.abs(W.T))}
    got = {"A": A, "dW": layer.grads["W"], "db": layer.grads["b"], "dX": dX}
    for key, value in got.items():
        exact, scale, sums = want[key]
        assert value.dtype == np.float16, key
        assert (np.abs(value - exact) <= 2.0**-11 * scale + 2.0**-25 + 2.0**-24 * sums).all(), key
