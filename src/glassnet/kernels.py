"""Optional compiled loops for training: ``model.compile(..., jit_compile=True)``.

The NumPy code in :mod:`glassnet.optimizers` and :mod:`glassnet.layers` is the
reference: an optimizer step is a dozen in-place array operations, each a pass
over memory, and a ReLU layer with dropout a few more. Here the same arithmetic
is written as one loop, which numba compiles to one vectorized pass (M1's Adam
step: 1.3 ms -> 0.45 ms on 670k parameters; the bias, ReLU and dropout passes
of a step: about 0.1 ms less).

The loops do the NumPy code's float operations in the same order, with the
same scalars rounded to the array's dtype, and numba is not allowed to fuse or
reorder them (no ``fastmath``), so both paths give bit-for-bit the same
weights (tested). ``error_model="numpy"`` lets a division by zero give inf or
NaN as NumPy does, instead of raising; it also lets the loop vectorize.

numba is an optional extra (``pip install "glassnet[jit]"``). It is imported
by ``compile(jit_compile=True)`` or ``"auto"`` (which falls back to NumPy when
numba is missing or fails to import), and each loop compiled when a step first
needs it (about half a second each, then cached on disk: loading them all
again takes ~0.4 s of the first epoch). Importing numba and LLVM costs about 110 MB of memory
(LLVM's library 40 MB, numba's modules 40 MB, the runtime numba compiles before it loads a cached loop 30 MB);
see :func:`_import_numba_arrays` for the 15 MB more that numba would load and the loops do not need.
"""

import importlib.util
import sys
import threading

import numpy as np

#: the dtypes the kernels are compiled for (numba has no float16 arithmetic); dtype
#: objects, since ``dtype.name`` takes microseconds, a few percent of a small step
DTYPES = (np.dtype("float32"), np.dtype("float64"))

#: activations smaller than this (e.g. 32x32) keep NumPy's passes: calling a
#: compiled loop costs about as much as it saves there (M2 was 3 % slower)
MIN_ACTIVATIONS = 1 << 14

_compiled = {}
_lock = threading.Lock()


def available():
    """Whether numba is installed and imports (a numba built for another NumPy refuses to:
    then ``jit_compile="auto"`` falls back to NumPy)."""
    if importlib.util.find_spec("numba") is None:
        return False
    try:
        require()
    except ImportError:
        return False
    return True


def require():
    """Import numba, or raise an ImportError that says why and how to install it."""
    try:
        import numba

        return numba
    except ImportError as error:
        exc = error
    missing = isinstance(exc, ModuleNotFoundError) and exc.name == "numba" or "No module named 'numba'" in str(exc)
    why = "which is not installed" if missing else f"which failed to import ({str(exc)[:300]})"
    raise ImportError(
        f"jit_compile=True needs numba, {why}. Install it with pip install \"glassnet[jit]\" (or pip install "
        "numba), or set model.jit_compile = False (compile(..., jit_compile=False) also works, with a fresh "
        "optimizer)."
    ) from exc


def get(name):
    """The compiled kernel ``name`` (compiled on first use)."""
    kernel = _compiled.get(name)
    if kernel is None:
        if not isinstance(name, str) or name not in _KERNELS:  # a bare KeyError before
            raise ValueError(f"Unknown kernel {name!r:.100}. Valid names: {', '.join(sorted(_KERNELS))}.")
        with _lock:
            kernel = _compiled.get(name)
            if kernel is None:
                numba = require()
                _import_numba_arrays()
                try:
                    kernel = numba.njit(nogil=True, cache=True, error_model="numpy")(_KERNELS[name])
                except RuntimeError:  # no writable cache folder: compile anew in each process
                    kernel = numba.njit(nogil=True, error_model="numpy")(_KERNELS[name])
                _compiled[name] = kernel
    return kernel


def _import_numba_arrays():
    """Import numba's NumPy array functions without SciPy's linear algebra.

    numba loads them before it compiles or loads a loop, and on import they try
    ``scipy.linalg.cython_blas`` once, for the BLAS inner product of its
    ``np.convolve``/``np.correlate``: scipy.linalg and its OpenBLAS add 15 MB to
    training's peak memory, for nothing the loops use. Hidden for that import
    (a missing SciPy is what numba expects), numba's ``np.convolve`` and
    ``np.correlate`` use a plain loop in this process; ``np.dot`` and
    ``np.linalg`` load SciPy when first compiled, as before. A SciPy already
    imported is used as it is.
    """
    hidden = "scipy.linalg.cython_blas"
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules[hidden] = None  # import raises ModuleNotFoundError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get(hidden, 0) is None:
            del sys.modules[hidden]


def use_for(array):
    """Whether a layer's compiled loop pays off on ``array`` (an activation)."""
    return (isinstance(array, np.ndarray) and array.dtype in DTYPES and array.size >= MIN_ACTIVATIONS
            and array.flags.c_contiguous)


# The loops below are plain Python: they also run, slowly, without numba, which
# is how the tests compare them with the NumPy rules on small vectors.


def sgd(w, g, lr):
    """``w ← w − η g`` (SGD without momentum)."""
    for i in range(w.shape[0]):
        w[i] -= g[i] * lr


def sgd_momentum(w, g, m, lr, momentum, nesterov):
    """``m ← α m − η g``; ``w ← w + m``, or ``w ← w + α m − η g`` (Nesterov)."""
    for i in range(w.shape[0]):
        step = g[i] * lr
        mi = m[i] * momentum - step
        m[i] = mi
        if nesterov:
            w[i] += mi * momentum - step
        else:
            w[i] += mi


def adam(w, g, m, v, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, alpha, epsilon):
    """``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``, ``w ← w − α m / (sqrt(v) + ε)``."""
    for i in range(w.shape[0]):
        gi = g[i]
        mi = m[i] * beta_1 + gi * one_minus_beta_1
        vi = v[i] * beta_2 + (gi * gi) * one_minus_beta_2
        m[i] = mi
        v[i] = vi
        w[i] -= (mi / (np.sqrt(vi) + epsilon)) * alpha


def bias_relu(Z, b, A):
    """``Z ← Z + b`` (row by row), ``A = max(Z, 0)`` (NaN stays NaN, as in ``np.maximum``)."""
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[i, j] + b[j]
            Z[i, j] = z
            A[i, j] = z if z > 0 or z != z else 0.0


def relu_backward(dA, A, dZ):
    """``δ = dA ⊙ [A > 0]``, as the product ``dA · 1`` or ``dA · 0``."""
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            dZ[i, j] = dA[i, j] * (1.0 if A[i, j] > 0 else 0.0)


def dropout(X, bits, threshold, scale, mask, Y):
    """``mask = scale·[bits ≥ threshold]``, ``Y = X ⊙ mask`` (flat arrays)."""
    for i in range(X.shape[0]):
        s = scale if bits[i] >= threshold else scale - scale
        mask[i] = s
        Y[i] = X[i] * s


_KERNELS = {"sgd": sgd, "sgd_momentum": sgd_momentum, "adam": adam, "bias_relu": bias_relu,
            "relu_backward": relu_backward, "dropout": dropout}

__all__ = ["available", "require", "get", "use_for", "DTYPES", "MIN_ACTIVATIONS"]
