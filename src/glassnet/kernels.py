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

numba is an optional extra (``pip install "glassnet[jit]"``), used in two ways:

* Ahead of time (the default): the first time a machine needs the loops, a
  child process has numba compile them all for this CPU into a small extension
  module (``numba.pycc``; about 10 s, once) in ``~/.cache/glassnet/kernels``
  (``$XDG_CACHE_HOME/glassnet/kernels``). Training processes then load that
  module, 0.3 MB, in milliseconds, and never import numba or LLVM: M1's peak
  memory stays that of plain NumPy (~290 MB), where importing numba took about
  110 MB more. Its name holds a hash of the loops' source, of numba's, NumPy's
  and Python's versions and of the CPU, so a change of any builds a new one.
  Delete the folder to rebuild; set :data:`AHEAD_OF_TIME` to False for the
  other way.
* Just in time, where that cannot be done (no C compiler to link the module, a
  numba without ``pycc``; the reason is kept in the folder, as ``*.failed``,
  and :func:`describe` says it): numba is imported in the training process and
  each loop compiled when a step first needs it (about half a second each,
  then cached on disk). Importing numba and LLVM costs about 110 MB of memory
  (LLVM's library 40 MB, numba's modules 40 MB, the runtime numba compiles
  before it loads a cached loop 30 MB); see :func:`_import_numba_arrays` for
  the 15 MB more that numba would load and the loops do not need.

``compile(jit_compile=True)`` or ``"auto"`` (which falls back to NumPy when
neither way works: numba missing, or failing to import) makes the loops ready.
A loop stands in only for the stock code: a subclass with its own rule (an SGD
or Adam that overrides ``update``) or mask (a Dropout that overrides ``draw`` or
``apply``) runs that, as written.
"""

import hashlib
import importlib.machinery
import importlib.metadata
import importlib.util
import inspect
import os
import platform
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

from ._io import atomic_write_text

#: the dtypes the kernels are compiled for (numba has no float16 arithmetic); dtype
#: objects, since ``dtype.name`` takes microseconds, a few percent of a small step
DTYPES = (np.dtype("float32"), np.dtype("float64"))

#: activations smaller than this (e.g. 32x32) keep NumPy's passes: calling a
#: compiled loop costs about as much as it saves there (M2 was 3 % slower)
MIN_ACTIVATIONS = 1 << 14

#: whether the loops are built ahead of time into an extension module (see the module's doc);
#: False: numba compiles them in this process
AHEAD_OF_TIME = True
#: the longest a build of that module may take (seconds) before numba's JIT is used instead
BUILD_TIMEOUT = 600

_compiled = {}  # name -> the callable get() returns
_jitted = {}  # name -> numba's dispatcher
_lock = threading.RLock()
_ahead = {}  # "module": the module built ahead of time, or None; "why": why there is none


def available():
    """Whether the compiled loops can run: their module built ahead of time loads, or numba is
    installed and imports (a numba built for another NumPy refuses to: then ``jit_compile="auto"``
    falls back to NumPy)."""
    if importlib.util.find_spec("numba") is None:
        return False
    try:
        require()
    except ImportError:
        return False
    return True


def _use_kernels(jit_compile):
    """``compile``'s and ``model.jit_compile``'s value (True, False or "auto") as a bool: "auto" is whether
    the loops can run here (:func:`available`); anything else is refused."""
    if isinstance(jit_compile, str):
        if jit_compile != "auto":
            raise ValueError(f"jit_compile must be True, False or 'auto'. Received: jit_compile={jit_compile!r:.100}")
        return available()
    if isinstance(jit_compile, (bool, np.bool_)):
        return bool(jit_compile)
    raise TypeError(f"jit_compile must be True, False or 'auto'. Received: jit_compile={jit_compile!r:.100}")


def require():
    """Make the loops ready: load (or first build) their module, else import numba; raise an
    ImportError that says why and how to install it when neither works."""
    with _lock:
        if _ahead_module() is None:
            try:
                _numba()
            except ImportError as exc:  # neither way: describe() must not claim numba's JIT
                _ahead["numba_error"] = _import_error(exc)
                raise
            _ahead.pop("numba_error", None)


def _import_error(exc):
    """The reason numba did not import, from :func:`_numba`'s ImportError (its cause's message)."""
    cause = exc.__cause__ or exc
    return f"{type(cause).__name__}: {str(cause)[:300]}"


def _numba_error():
    """None where numba imports in this process (it is, for the loops' JIT, when no module built ahead of
    time loads: the warnings that say so ask), else why not."""
    try:
        _numba()
    except ImportError as exc:
        return _import_error(exc)
    return None


def _numba():
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
    """The compiled kernel ``name``: from the module built ahead of time, else compiled by numba on first use."""
    kernel = _compiled.get(name)
    if kernel is None:
        if not isinstance(name, str) or name not in _KERNELS:  # a bare KeyError before
            raise ValueError(f"Unknown kernel {name!r:.100}. Valid names: {', '.join(sorted(_KERNELS))}.")
        with _lock:
            kernel = _compiled.get(name)
            if kernel is None:
                module = _ahead_module()
                kernel = _compiled[name] = _jit(name) if module is None else _checked(name, module)
    return kernel


def _jit(name):
    """numba's dispatcher of the loop ``name``, compiled in this process (cached on disk)."""
    kernel = _jitted.get(name)
    if kernel is None:
        with _lock:
            kernel = _jitted.get(name)
            if kernel is None:
                numba = _numba()
                _import_numba_arrays()
                try:
                    kernel = numba.njit(nogil=True, cache=True, error_model="numpy")(_KERNELS[name])
                except RuntimeError:  # no writable cache folder: compile anew in each process
                    kernel = numba.njit(nogil=True, error_model="numpy")(_KERNELS[name])
                _jitted[name] = kernel
    return kernel


def describe():
    """Which compiled loops this process uses: the module built ahead of time (its path), or
    numba's JIT and why, or None before :func:`require` (or :func:`get`) made them ready."""
    if "module" not in _ahead:
        return None
    if _ahead["module"] is not None:
        return f"ahead of time: {_ahead['module'].__file__}"
    if "numba_error" in _ahead:  # (jit_compile="auto" trains with NumPy, True raises ImportError)
        return f"none: numba fails to import ({_ahead['numba_error']}), and no module was built ahead of time " \
               f"({_ahead['why']})"
    return f"numba's JIT in this process ({_ahead['why']})"


# --- the module built ahead of time ---------------------------------------------------------

#: each loop's arguments, for its exported signatures: an array of the weights' dtype read ("r") or
#: written ("w") with its number of dimensions, "s" a scalar of that dtype, "bits" a uint16 array,
#: "u16" a uint16 scalar, "b" a bool
_SIGNATURES = {
    "sgd": ("w1", "r1", "s"),
    "sgd_momentum": ("w1", "r1", "w1", "s", "s", "b"),
    "adam": ("w1", "r1", "w1", "w1", "s", "s", "s", "s", "s", "s"),
    "bias_relu": ("w2", "r1", "w2"),
    "relu_backward": ("r2", "r2", "w2"),
    "dropout": ("r1", "bits", "u16", "s", "w1", "w1"),
}
_NUMBA_TYPES = {"float32": "f4", "float64": "f8"}


def _signature(name, dtype):
    """numba's signature of loop ``name`` on C-contiguous arrays of ``dtype`` ("float32")."""
    t = _NUMBA_TYPES[dtype]
    types = {"s": t, "bits": "u2[::1]", "u16": "u2", "b": "b1", "r1": f"{t}[::1]", "w1": f"{t}[::1]",
             "r2": f"{t}[:, ::1]", "w2": f"{t}[:, ::1]"}
    return f"void({', '.join(types[kind] for kind in _SIGNATURES[name])})"


def cache_dir():
    """The folder of the modules built ahead of time: ``$XDG_CACHE_HOME/glassnet/kernels`` or
    ``~/.cache/glassnet/kernels`` (as :func:`glassnet.datasets.mnist.cache_dir`)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "glassnet" / "kernels"


def _cpu():
    """What identifies this CPU's instruction set without loading LLVM: the module is built for
    it (a home folder shared by different machines must not give one a module that the other's
    CPU cannot run)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            lines = [line for line in fh if line.startswith(("model name", "flags", "Features", "CPU part"))]
        return "".join(sorted(set(lines)))
    except OSError:  # not Linux: the machine's name
        return f"{platform.node()} {platform.processor()}"


def _module_name():
    """``glassnet_kernels_<hash>``: of the loops' source and signatures, numba's, NumPy's and
    Python's versions and the CPU; None without numba."""
    try:
        numba_version = importlib.metadata.version("numba")
    except importlib.metadata.PackageNotFoundError:
        return None
    key = hashlib.sha256()
    for part in (*(inspect.getsource(f) for f in _KERNELS.values()), repr(sorted(_SIGNATURES.items())),
                 numba_version, np.__version__, sys.version, platform.machine(), _cpu()):
        key.update(part.encode() + b"\0")
    return f"glassnet_kernels_{key.hexdigest()[:16]}"


def _ahead_module():
    """The loops' extension module, loaded (built first when this machine has none); None where
    it cannot be (:data:`AHEAD_OF_TIME` off, numba not installed, the build failed)."""
    if "module" in _ahead:
        return _ahead["module"]
    module, why = None, "AHEAD_OF_TIME is False"
    if AHEAD_OF_TIME:
        try:
            module, why = _load_or_build()
        except OSError as exc:  # an unwritable cache folder (said in each process: nothing can be kept)
            why = f"{type(exc).__name__}: {exc}"
            error = _numba_error()
            instead = (": numba compiles them in this process instead, which takes about 110 MB more memory"
                       if error is None else f", and numba fails to import in this process ({error}): training falls "
                       "back to NumPy (jit_compile='auto'; jit_compile=True raises ImportError)")
            from .models.divergence import user_stacklevel  # (the models import this module)

            warnings.warn(f"glassnet cannot keep its compiled loops in {cache_dir()} ({why}){instead}. Set "
                          "XDG_CACHE_HOME to a writable folder to build them there once.", UserWarning,
                          stacklevel=user_stacklevel())
    _ahead.update(module=module, why=why)
    return module


def _files(name):
    """The cache folder, the module's file in it and the file of why building it failed."""
    folder = cache_dir()
    return folder, folder / (name + importlib.machinery.EXTENSION_SUFFIXES[0]), folder / (name + ".failed")


def will_build():
    """Whether :func:`require` would build the loops' module now: the first time on this machine
    (about 10 s; the command line says so before)."""
    if "module" in _ahead or not AHEAD_OF_TIME:
        return False
    name = _module_name()
    if name is None:
        return False
    _, path, failed = _files(name)
    return not path.exists() and not failed.exists()


def _load_or_build():
    """``(module, None)``, or ``(None, why not)``."""
    name = _module_name()
    if name is None:
        return None, "numba is not installed"
    folder, path, failed = _files(name)
    if not path.exists():
        if failed.exists():  # tried before on this machine: not again (delete the file to retry)
            return None, f"building it failed before; see {failed}"
        folder.mkdir(parents=True, exist_ok=True)
        why = _build_in_child(name, folder, path)
        if why is not None:
            atomic_write_text(failed, why)
            # said once (later processes read the file and say nothing): the loops still run, in more memory,
            # where numba imports in this process
            error = _numba_error()
            from .models.divergence import user_stacklevel  # (the models import this module)

            if error is not None:  # no loops at all: the build's error is most often this one
                build = ("as in the build ahead of time" if error.split(": ", 1)[-1][:100] in why
                         else f"and the build ahead of time failed: {_reason(why)}")
                warnings.warn(f"glassnet cannot compile its loops: numba fails to import ({error}), {build} (the "
                              f"whole message is in {failed}; delete it to try again once numba imports). Training "
                              "falls back to NumPy (jit_compile='auto'; jit_compile=True raises ImportError).",
                              UserWarning, stacklevel=user_stacklevel())
            else:
                warnings.warn(f"glassnet could not build its compiled loops ahead of time ({_reason(why)}; the "
                              f"whole message is in {failed}): numba compiles them in this process instead, which "
                              "takes about 110 MB more memory. Delete that file to try again.", UserWarning,
                              stacklevel=user_stacklevel())
            return None, f"building it failed; see {failed}"
    spec = importlib.util.spec_from_file_location(name, path)
    try:  # (an extension module is loaded by module_from_spec already)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError as exc:  # e.g. a folder mounted noexec: not built again by every process
        path.unlink(missing_ok=True)
        atomic_write_text(failed, f"{path} was built but did not load: {exc}")
        return None, f"it was built but did not load; see {failed}"
    return module, None


def _reason(why):
    """A failed build's reason in one line: the first of ``why``, and where it ends in ":" (the exit
    status, then the child's output), the last line of that output (the error)."""
    lines = [line.strip() for line in why.splitlines() if line.strip()]
    if not lines:
        return "no reason given"
    if len(lines) > 1 and lines[0].endswith(":"):
        return f"{lines[0]} {lines[-1][:300]}"
    return lines[0][:300]


def _build_in_child(name, folder, path):
    """Build the module in a child process (numba and LLVM stay out of this one); None when it
    is at ``path``, else why not. The child runs in its build folder: ``python -c`` puts its
    working folder first on ``sys.path``, where a user's ``dl.py`` (setuptools imports ``dl``)
    would run in it and fail the build; so its argument is absolute (a relative ``$XDG_CACHE_HOME`` gives a
    relative ``build`` before Python 3.12)."""
    src = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as build:
        build = os.path.abspath(build)
        try:
            done = subprocess.run([sys.executable, "-c", "import sys; from glassnet.kernels import _build; "
                                   "_build(sys.argv[1], sys.argv[2])", name, build],
                                  env=env, cwd=build, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            return f"the build took over {BUILD_TIMEOUT} s"
        except OSError as exc:
            return f"the build could not start: {exc}"
        built = [p for p in Path(build).iterdir()  # (not the .lib and .exp files of Windows' linker)
                 if p.name.startswith(name + ".") and p.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))]
        if done.returncode != 0 or len(built) != 1:
            return f"the build exited with {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
        os.replace(built[0], path)  # atomic: another process loads the whole file or builds its own
    return None


def _build(name, folder):
    """(In the child process.) Compile every loop for float32 and float64 into the extension
    module ``name`` in ``folder``, for this CPU, with the flags of :func:`_jit`."""
    warnings.simplefilter("ignore")  # numba.pycc's pending deprecation
    import numba.pycc.compiler
    from numba.pycc import CC

    class Flags(numba.pycc.compiler.Flags):  # error_model="numpy", as _jit: no ZeroDivisionError, vectorized
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.error_model = "numpy"

    numba.pycc.compiler.Flags = Flags
    cc = CC(name)
    cc.output_dir = folder
    cc.target_cpu = "host"
    for kernel, function in _KERNELS.items():
        for dtype in _NUMBA_TYPES:
            cc.export(f"{kernel}_{dtype}", _signature(kernel, dtype))(function)
    cc.compile()


_UINT16 = np.dtype("uint16")


def _checked(name, module):
    """The loop ``name`` of the module built ahead of time, called only on the arrays it was
    compiled for: its functions read any array as C-contiguous of their dtype (a float64 array
    given to the float32 loop crashed), so other dtypes and layouts go to numba's own dispatch,
    and arrays of another size than the first's are refused. (Checked in one plain loop: about
    1 µs a call, some 17 calls in an M1 step.)"""
    functions = {np.dtype(dtype): getattr(module, f"{name}_{dtype}") for dtype in _NUMBA_TYPES}
    kinds = _SIGNATURES[name]
    # (index, dimensions, written?) of the arrays of the weights' dtype, and of the uint16 random bits
    arrays = [(i, int(kind[1]), kind[0] == "w") for i, kind in enumerate(kinds) if kind[0] in "rw"]
    bits = [i for i, kind in enumerate(kinds) if kind == "bits"]

    def compiled_for(args, first):
        for i, ndim, writes in arrays:
            array = args[i]
            if (type(array) is not np.ndarray or array.dtype != first.dtype or not array.flags.c_contiguous
                    or writes and not array.flags.writeable):
                return False
            expected = first.shape if ndim == first.ndim else first.shape[-1:]  # (a bias: one per column)
            if array.shape != expected:  # the loops run over the first array and index the others alike
                raise ValueError(f"kernel {name!r}: argument {i} has shape {array.shape}; expected {expected}.")
        for i in bits:
            array = args[i]
            if type(array) is not np.ndarray or array.dtype != _UINT16 or not array.flags.c_contiguous:
                return False
            if array.shape[0] < first.size:
                raise ValueError(f"kernel {name!r}: {array.shape[0]} random bits for {first.size} values.")
        return True

    def kernel(*args):
        first = args[0]
        function = functions.get(first.dtype) if type(first) is np.ndarray and len(args) == len(kinds) else None
        if function is None or not compiled_for(args, first):
            return _jit(name)(*args)
        function(*args)

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = _KERNELS[name].__doc__
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

__all__ = ["available", "require", "get", "describe", "will_build", "cache_dir", "use_for", "DTYPES", "MIN_ACTIVATIONS",
           "AHEAD_OF_TIME"]
