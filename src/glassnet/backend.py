"""The array namespace every piece of math goes through, its dtypes and randomness.

All layers, losses and optimizers write ``xp.matmul``, ``xp.exp``, ... with
``xp`` taken from :func:`get_namespace`. That namespace is NumPy, and only
NumPy for now: the training path writes into preallocated arrays
(``out=``), NumPy's ``take(mode="clip")`` and its random generators, none of
which the Array API standard has, so another namespace (array-api-strict,
CuPy, torch) is refused by :func:`set_namespace` with a clear error instead of
failing halfway through a forward pass.
"""

import contextlib

import numpy as np

_state = {"xp": np, "floatx": "float32", "rng": np.random.default_rng()}

_FLOAT_DTYPES = ("float16", "float32", "float64")


def get_namespace():
    """Return the active array namespace (``numpy`` unless replaced)."""
    return _state["xp"]


def set_namespace(xp):
    """Install the array namespace for all later math: NumPy (``numpy`` or ``numpy.__name__``).

    Other Array-API namespaces are not supported yet (see the module docstring)
    and raise ``ValueError``.
    """
    if xp is np or xp == "numpy":
        _state["xp"] = np
        return
    name = repr(xp) if isinstance(xp, str) else getattr(xp, "__name__", None) or type(xp).__name__
    raise ValueError(
        f"xp must be numpy: glassnet computes with NumPy only (its layers write into preallocated arrays with "
        f"out=, which the Array API does not have); array-api-strict, CuPy and torch namespaces are not "
        f"supported yet. Received: {name}"
    )


def floatx():
    """Return the default float dtype name (``"float32"`` unless changed)."""
    return _state["floatx"]


def set_floatx(value):
    """Set the default float dtype: ``"float16"``, ``"float32"`` or ``"float64"``."""
    _state["floatx"] = standardize_dtype(value)


def standardize_dtype(dtype):
    """Return a dtype name from a string, NumPy dtype or None (-> floatx())."""
    if dtype is None:
        return floatx()
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _FLOAT_DTYPES:
        raise ValueError(
            f"dtype must be one of {', '.join(_FLOAT_DTYPES)}. Received: dtype={dtype!r}"
        )
    return name


def global_rng():
    """The generator behind every random component that was given no seed."""
    return _state["rng"]


def set_global_seed(seed):
    _state["rng"] = np.random.default_rng(seed)


@contextlib.contextmanager
def seeded(seed):
    """Within the block, draws without a seed come from a generator seeded with
    ``seed`` (nothing changes when ``seed`` is None); the global one is restored after."""
    if seed is None:
        yield
        return
    saved = _state["rng"]
    _state["rng"] = make_rng(seed)
    try:
        yield
    finally:
        _state["rng"] = saved


def make_rng(seed=None):
    """A new generator: from ``seed`` if given, else drawn from the global one.

    Drawing child seeds from the global generator is what makes
    ``set_random_seed(s)`` reproduce every initializer, shuffle and dropout mask.
    """
    if seed is None:
        seed = int(global_rng().integers(0, 2**63 - 1))
    elif not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))
