"""The gradient of a function by central differences, and f's value checked to be one number."""

import warnings

import numpy as np

from .._validation import check_array, check_number


def numerical_gradient(f, x, eps=1e-4):
    """Fourth-order central differences with step ``h_i = ε·max(|x_i|, 0.01)``:
    ∂f/∂x_i ≈ (−f(x + 2h e_i) + 8 f(x + h e_i) − 8 f(x − h e_i) + f(x − 2h e_i)) / 12h.

    The stencil is exact for polynomials up to degree 4 apart from rounding
    (~1e-12 of f'; the two-point difference with ε = 1e-6 left ~1e-10, which printed
    f'(0.4) as 0.7999999999 where the seed's table shows 0,8). The step follows the scale of
    x, so x·log x near 0.001 stays inside its domain. A descent whose iterates
    shrink geometrically magnifies that rounding relative to x; for tables exact
    to the last digit pass the derivative (``grad=``), as ``glassnet descend`` does.

    ``x`` reaches ``f`` in float64: an ``f`` that computes in float32 (glassnet's default dtype) makes the
    differences accurate to about 1e-3 of the gradient only (a float32 value returned is warned of)."""
    if not callable(f):  # it failed at the first call, with "'str' object is not callable"
        raise TypeError(f"f must be a callable f(x) -> float. Received: f={f!r:.100}")
    eps = check_number(eps, "eps", low=0, low_open=True)
    if isinstance(x, (bool, np.bool_)) or (isinstance(x, (list, tuple, np.ndarray)) and np.asarray(x).dtype == bool):
        raise TypeError(f"x must be a number or an array of numbers, not booleans. Received: x={x!r:.100}")
    x = check_array(x, "x", ndim=None, dtype=np.float64, finite=False)  # NaN: a diverged path
    h = eps * np.maximum(np.abs(x), 0.01).reshape(-1)
    flat = x.reshape(-1)

    def f_at(i, step):
        """f with coordinate i moved by ``step`` (``[()]``: a scalar x reaches f as a number)."""
        moved = x.copy()
        moved.reshape(-1)[i] = flat[i] + step
        return _value(f, moved[()], coarse)

    coarse = []  # (the dtype of a float16/32 value of f)

    # one coordinate at a time: a matrix of the n steps, n × n, needed 74.5 GiB for n = 10⁵
    gradient = np.array([
        (-f_at(i, 2 * h_i) + 8 * f_at(i, h_i) - 8 * f_at(i, -h_i) + f_at(i, -2 * h_i)) / (12 * h_i)
        for i, h_i in enumerate(h)
    ]).reshape(x.shape)
    if coarse:
        warnings.warn(f"f returned a {coarse[0]} number: finite differences of a function computed in {coarse[0]} "
                      "are accurate to about 1e-3 of the gradient only (not 1e-10). Compute f in float64 (x reaches "
                      "f as float64; a glassnet layer or model: dtype='float64').", stacklevel=2)
    return gradient


def _value(f, x, coarse=None):
    """``f(x)`` as a float, or a TypeError that says what f returned; with a list ``coarse``, the dtype of a
    float16 or float32 value is noted there (differences of it are accurate to about 1e-3 only)."""
    value = f(x)
    if coarse == [] and getattr(value, "dtype", None) in (np.float16, np.float32):
        coarse.append(value.dtype)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"f must return one number; f({x.tolist() if np.ndim(x) else float(x)!r}) returned {value!r:.80}."
        ) from None
