"""The gradient of a function by central differences, and f's value checked to be one number."""

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
    to the last digit pass the derivative (``grad=``), as ``glassnet descend`` does."""
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
        return _value(f, moved[()])

    # one coordinate at a time: a matrix of the n steps, n × n, needed 74.5 GiB for n = 10⁵
    return np.array([
        (-f_at(i, 2 * h_i) + 8 * f_at(i, h_i) - 8 * f_at(i, -h_i) + f_at(i, -2 * h_i)) / (12 * h_i)
        for i, h_i in enumerate(h)
    ]).reshape(x.shape)


def _value(f, x):
    """``f(x)`` as a float, or a TypeError that says what f returned."""
    value = f(x)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"f must return one number; f({x.tolist() if np.ndim(x) else float(x)!r}) returned {value!r:.80}."
        ) from None
