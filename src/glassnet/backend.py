"""The array namespace every piece of math goes through, its dtypes and randomness.

All layers, losses and optimizers write ``xp.matmul``, ``xp.exp``, ... with
``xp`` taken from :func:`get_namespace`. That is NumPy unless
:func:`set_namespace` installs another Array-API namespace (SPEC A12):
array-api-strict (the standard and nothing more, for checking on the CPU),
torch or CuPy (through ``array-api-compat``).

glassnet's math is written in NumPy's dialect of the standard: it writes
results into preallocated arrays (``out=``) and names dtypes by strings
(``"float32"``). For any other namespace, :class:`PortableNamespace` adds
exactly those two things, so the same layer code runs on either; on NumPy
nothing is wrapped and the training step pays nothing for the portability.
Randomness (initial weights, shuffling, dropout masks) is always drawn with
NumPy's generators, so a seed gives the same model on every namespace.
"""

import contextlib
import contextvars
import functools
import importlib
import os
import warnings

import numpy as np

#: "policy": the name glassnet.mixed_precision.set_global_policy gave (None: floatx()'s)
#: "seedings": how many times set_global_seed has run (a model made without a seed draws its shuffling
#: generator again at fit when the global one was seeded since: see ``training.follow_global_seed``)
_state = {"xp": np, "floatx": "float32", "rng": np.random.default_rng(), "policy": None, "seedings": 0}
#: what a ``namespace(...)`` or ``seeded(...)`` block sets: it holds for that block's own thread
#: (or task) only, so an estimator fitting in a thread of GridSearchCV leaves the others alone
_XP = contextvars.ContextVar("glassnet_namespace", default=None)
_RNG = contextvars.ContextVar("glassnet_rng", default=None)


def _xp():
    xp = _XP.get()
    return _state["xp"] if xp is None else xp


#: set inside :class:`quiet_floats`: NumPy ignores every floating-point error there already
_QUIET = contextvars.ContextVar("glassnet_quiet_floats", default=False)


class quiet_floats:
    """``np.errstate(all="ignore")`` for training and inference loops, which check the
    results themselves (a non-finite loss stops fit, as Keras); inside it, :func:`floats_quiet`
    says so. A new one per block: it holds its block's tokens."""

    def __enter__(self):
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        self._token = _QUIET.set(True)
        return self

    def __exit__(self, *exc_info):
        _QUIET.reset(self._token)
        self._errstate.__exit__(*exc_info)


def floats_quiet():
    """Whether a :class:`quiet_floats` block is open, where NumPy ignores every floating-point
    error already: the sigmoid enters no errstate there (~1 µs with its ``with``, at every layer
    and pass of a sigmoid network's training step, a third of a 2-2-1 network's forward)."""
    return _QUIET.get()


_FLOAT_DTYPES = ("float16", "float32", "float64")

#: names accepted by :func:`set_namespace`, and the module each one imports
_NAMESPACES = {
    "numpy": "numpy",
    "array_api_strict": "array_api_strict",
    "array-api-strict": "array_api_strict",
    "torch": "array_api_compat.torch",
    "cupy": "array_api_compat.cupy",
}
_INSTALL = {
    "array_api_strict": "pip install array-api-strict",
    "array_api_compat.torch": 'pip install "glassnet[array-api]" torch',
    "array_api_compat.cupy": 'pip install "glassnet[array-api]" cupy',
}


#: the functions that create arrays, which take the namespace's ``device``
_CREATION = frozenset(("asarray", "empty", "zeros", "ones", "full", "arange", "eye", "linspace"))


class PortableNamespace:
    """An Array-API namespace ``xp`` with the two NumPy habits glassnet's math uses.

    * ``f(..., out=o)`` computes ``f(...)`` and writes the result into ``o``
      (``o[...] = result``), returning ``o``;
    * ``dtype="float32"`` (a string or a NumPy dtype) means ``xp.float32``.

    Arrays are created on ``device`` (``None``: where ``xp`` creates them by
    default). Everything else is ``xp``'s own function, looked up once and cached.
    """

    def __init__(self, xp, device=None):
        self.namespace = xp
        self.device = device
        self.__name__ = getattr(xp, "__name__", type(xp).__name__)

    def dtype(self, dtype):
        """``xp``'s dtype for a name, a NumPy dtype or one of ``xp``'s own dtypes."""
        if isinstance(dtype, (str, np.dtype, type)):
            name = np.dtype(dtype).name
            if not hasattr(self.namespace, name):
                raise ValueError(f"dtype {name} is not available in the array namespace {self.__name__} "
                                 f"(the Array API standard has float32 and float64).")
            return getattr(self.namespace, name)
        return dtype

    def numpy_dtype(self, dtype):
        """The NumPy dtype with the same name as ``xp``'s ``dtype`` (a name or a NumPy dtype: itself)."""
        if isinstance(dtype, (str, np.dtype, type)):
            return np.dtype(dtype)
        for name in ("float32", "float64", "float16", "bool", "int64", "int32", "uint8", "uint16"):
            if getattr(self.namespace, name, None) == dtype:
                return np.dtype(name)
        raise TypeError(f"no NumPy dtype for {dtype!r}")

    def __getattr__(self, name):
        function = getattr(self.namespace, name)
        if not callable(function) or isinstance(function, type):
            return function

        creates = name in _CREATION

        def portable(*args, out=None, **kwargs):
            if "dtype" in kwargs and kwargs["dtype"] is not None:
                kwargs["dtype"] = self.dtype(kwargs["dtype"])
            if creates and self.device is not None:
                kwargs.setdefault("device", self.device)
            return self._write(function(*args, **kwargs), out)

        portable.__name__ = name
        setattr(self, name, portable)
        return portable

    # NumPy functions glassnet uses that the standard spells differently
    def vdot(self, a, b):
        return self.namespace.sum(self.namespace.reshape(a, (-1,)) * self.namespace.reshape(b, (-1,)))

    def dot(self, a, b, out=None):
        """NumPy's ``dot``: a product by a number, the inner product of vectors, the matrix product,
        and otherwise the sum over ``a``'s last axis and ``b``'s second-to-last (its only one for a
        vector). (It was ``vdot``, which gave a (2, 3)·(3, 2) product as one number.)"""
        if a.ndim == 0 or b.ndim == 0:
            return self._write(a * b, out)
        return self._write(self.namespace.tensordot(a, b, axes=((a.ndim - 1,), (max(b.ndim - 2, 0),))), out)

    def multiply(self, a, b, out=None):
        # NumPy multiplies floats by a boolean mask; the standard wants one kind
        ns = self.namespace
        if getattr(b, "dtype", None) == ns.bool:
            b = ns.astype(b, a.dtype)
        elif getattr(a, "dtype", None) == ns.bool:
            a = ns.astype(a, b.dtype)
        return self._write(ns.multiply(a, b), out)

    @staticmethod
    def _write(result, out):
        if out is None:
            return result
        out[...] = result
        return out

    def take(self, x, indices, axis=None, out=None, mode=None):
        return self._write(self.namespace.take(x, indices, axis=axis), out)

    def __repr__(self):
        device = "" if self.device is None else f" on {self.device}"
        return f"<PortableNamespace {self.__name__}{device}>"


def get_namespace(array=None):
    """Return the active array namespace (``numpy`` unless replaced), or NumPy for
    a NumPy ``array``: activations, losses and regularizers follow their input, so
    code that computes with NumPy (the classic networks, a user's own) works
    whatever namespace is active."""
    xp = _XP.get() or _state["xp"]  # inline: called a dozen times per training step
    if xp is not np and isinstance(array, np.ndarray):
        return np
    return xp


def is_numpy():
    """Whether glassnet computes with NumPy (the default), not another namespace."""
    return (_XP.get() or _state["xp"]) is np


def namespace_name():
    """The active namespace's module name: ``"numpy"``, ``"array_api_strict"``, ``"array_api_compat.torch"``..."""
    return _xp().__name__


def namespace_device():
    """The device given to :func:`set_namespace` (``None``: the namespace's default)."""
    xp = _xp()
    return getattr(xp, "device", None) if xp is not np else None


def set_namespace(xp, device=None):
    """Compute with the Array-API namespace ``xp`` from now on (SPEC A12).

    ``xp`` is a module (``numpy``, ``array_api_strict``,
    ``array_api_compat.torch``, ...) or one of the names ``"numpy"``,
    ``"array_api_strict"``, ``"torch"``, ``"cupy"`` (the modules ``torch`` and
    ``cupy`` themselves mean the same as their names). ``device`` is where the
    arrays live (``"cuda"`` for torch on a GPU; default: where ``xp`` creates
    arrays). Set it before building a model: a model's weights live in the
    namespace it was built with. Inputs and outputs of
    ``fit``/``predict``/``get_weights`` stay NumPy arrays; the weights,
    activations and gradients live in ``xp``, on ``device``.
    """
    _state["xp"] = _resolve_namespace(xp, device)


def _resolve_namespace(xp, device):
    """The namespace object for ``xp`` on ``device`` (NumPy itself, or a checked wrapper)."""
    if getattr(xp, "__name__", None) in ("torch", "cupy"):  # the library, not its Array-API namespace: as its name
        xp = xp.__name__
    if isinstance(xp, str):
        module = _NAMESPACES.get(xp)
        if module is None:
            raise ValueError(f"xp must be an Array-API namespace or one of {sorted(set(_NAMESPACES) - {'array-api-strict'})}. "
                             f"Received: {xp!r}")
        try:
            xp = importlib.import_module(module)
        except ImportError as error:
            raise ImportError(f"set_namespace({xp!r}) needs {module.split('.')[0]} and what it wraps "
                              f"({error}): {_INSTALL.get(module, 'pip install ' + module)}") from None
    if isinstance(xp, PortableNamespace):
        xp, device = xp.namespace, xp.device if device is None else device
    if xp is np or getattr(xp, "__name__", None) == "numpy" or getattr(xp, "__name__", "").endswith("compat.numpy"):
        if device is not None and str(device) != "cpu":  # "cpu" or torch.device("cpu") (str: an array has no truth value)
            raise ValueError(f"NumPy computes on the CPU only. Received: device={device!r:.100}")
        return np
    missing = [name for name in ("matmul", "asarray", "take", "float32", "reshape", "sum") if not hasattr(xp, name)]
    if missing:
        name = getattr(xp, "__name__", None) or type(xp).__name__
        raise ValueError(f"xp must be an Array-API namespace; {name} has no {', '.join(missing)}.")
    if device is not None:
        try:
            xp.empty(0, device=device)
        except Exception as error:  # each library raises its own type for an unknown device
            raise ValueError(f"{xp.__name__} cannot create arrays on device={device!r}: {error}") from None
    try:  # glassnet updates weights and buffers in place
        probe = xp.zeros(1) if device is None else xp.zeros(1, device=device)
        probe[0] = 1
    except Exception:  # jax.numpy: "JAX arrays are immutable"
        raise ValueError(f"glassnet writes its arrays in place, and {getattr(xp, '__name__', xp)!s:.100}'s arrays "
                         "are immutable: use NumPy, array_api_strict, torch or cupy.") from None
    try:  # a device that holds no data (torch's "meta": fit failed in a loss with "cannot be called on meta tensors")
        float(probe[0])
    except Exception as error:  # noqa: BLE001 -- each library's own type
        raise ValueError(f"{getattr(xp, '__name__', xp)!s:.100} cannot read back arrays on device={device!r}, which "
                         f"hold no values ({str(error)[:120]}): give a device that computes, such as 'cpu'.") from None
    return PortableNamespace(xp, device)


@contextlib.contextmanager
def namespace(xp, device=None):
    """Within the block, compute with ``xp`` on ``device`` (see :func:`set_namespace`);
    the previous namespace is restored after. The block holds for its own thread only;
    :func:`set_namespace` sets the namespace of the whole process."""
    chosen = _resolve_namespace(xp, device)
    token = _XP.set(chosen)
    try:
        yield chosen
    finally:
        _XP.reset(token)


def to_numpy(x):
    """A NumPy array with the values of ``x`` (an array of any namespace; no copy where none is needed)."""
    if isinstance(x, np.ndarray):
        return x
    if getattr(x, "requires_grad", False):  # a torch tensor in an autograd graph: its values only
        x = x.detach()
    if hasattr(x, "__dlpack__"):
        try:
            return np.from_dlpack(x)
        except BufferError:
            # NumPy 2.0 cannot export a read-only array through DLPack (2.1 flags it as such), and its
            # own DLPack imports are read-only: an array made from one (the trace's x, from the user's
            # array on a device) comes back through a writable copy on its device
            if np.lib.NumpyVersion(np.__version__) < "2.1.0" and hasattr(x, "__array_namespace__"):
                try:
                    return np.from_dlpack(x.__array_namespace__().asarray(x, copy=True))
                except (BufferError, RuntimeError, TypeError, ValueError):
                    pass
        except (RuntimeError, TypeError, ValueError):
            pass  # not in host memory, or a dtype DLPack does not carry
    if type(x).__module__.partition(".")[0] == "cupy":  # a CuPy array on its GPU (pandas' .get is a lookup)
        return np.asarray(x.get())
    if hasattr(x, "cpu"):  # a torch tensor on a GPU
        return x.cpu().numpy()
    return np.asarray(x)


def numpy_copy(x):
    """A NumPy array with a copy of the values of ``x`` (an array of any namespace)."""
    return np.array(to_numpy(x))


def from_numpy(x, dtype=None):
    """``x`` as an array of the active namespace (NumPy arrays pass through on NumPy)."""
    xp = get_namespace()
    if xp is np:
        return np.asarray(x, dtype=dtype)
    # (np.asarray with order="C", not np.ascontiguousarray, which makes a 0-d array 1-d)
    return xp.asarray(np.asarray(x, order="C"), dtype=None if dtype is None else xp.dtype(dtype))


def to_namespace(*arrays):
    """NumPy ``arrays`` as arrays of the active namespace, on its device: unchanged
    on NumPy; ``None`` stays ``None``. Returns a tuple."""
    if is_numpy():
        return arrays
    return tuple(None if a is None else from_numpy(a) for a in arrays)


def astype(x, dtype):
    """``x`` converted to ``dtype`` (a name, a NumPy dtype or the namespace's own)."""
    if isinstance(x, np.ndarray):
        return x.astype(dtype)
    xp = get_namespace()
    return xp.astype(x, xp.dtype(dtype))


def numpy_dtype(x):
    """The NumPy dtype of the array ``x``, whatever its namespace."""
    return x.dtype if isinstance(x, np.ndarray) else get_namespace().numpy_dtype(x.dtype)


def is_half(x):
    """Whether the array ``x`` (of any namespace) is float16, which the normalizing layers compute in float32."""
    return numpy_dtype(x) == np.float16


_FLOAT16, _FLOAT32, _FLOAT64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")


@functools.lru_cache(maxsize=64)
def constant(value, dtype):
    """``value`` (a Python number) as a read-only 0-d NumPy array of ``dtype``: the bits NumPy
    gives the number when an operation with an array of that dtype converts it (NEP 50), without
    that conversion at every call (~0.2 µs, as long as the operation itself on a small network's
    arrays): Adam's β's and ε, cross-entropy's clip bounds, the sigmoid's 1."""
    array = np.asarray(value, dtype=dtype)
    array.flags.writeable = False
    return array


def matmul(a, b, out):
    """``a @ b`` written into ``out`` (a C-ordered array, or None for a new one), in the active
    namespace. NumPy arrays of float32 or float64, all of one dtype, go through ``ndarray.dot``:
    the same BLAS call as ``matmul``'s, bit for bit, without the ufunc machinery around it (0.25
    against 0.64 µs on a few numbers: a small network's training step makes seven products)."""
    dtype = getattr(out, "dtype", None)
    if (dtype is _FLOAT32 or dtype is _FLOAT64) and a.dtype is dtype and b.dtype is dtype and type(a) is np.ndarray:
        return a.dot(b, out)
    if a.dtype is _FLOAT16 and b.dtype is _FLOAT16 and (out is None or dtype is _FLOAT16) and type(a) is type(b) is np.ndarray:
        return half_matmul(a, b, out)
    if type(a).__module__.startswith("scipy.sparse"):  # a first Dense layer's sparse rows, or their transpose
        product = a @ b
        if out is None:
            return product
        out[...] = product
        return out
    return get_namespace().matmul(a, b, out=out)


def half_matmul(a, b, out=None):
    """``a @ b`` of float16 NumPy arrays, written into ``out`` (float16, or None for a new array).

    NumPy has no BLAS kernel for float16: its own loop converts each pair of numbers to float32, sums in
    float32 and rounds the sum once (a 128 × 784 by 784 × 512 product: ~200 ms). The same product of
    float32 copies, by BLAS, rounded once to float16, is the same numbers up to the order of the float32
    sums (~2 ms); Keras on JAX/XLA computes float16 dots with float32 sums too."""
    product = np.matmul(a.astype(_FLOAT32), b.astype(_FLOAT32))
    if out is None:
        return product.astype(_FLOAT16)
    out[...] = product
    return out


def copy(x):
    """A copy of ``x`` in its own namespace."""
    xp = get_namespace()
    return x.copy() if xp is np else xp.asarray(x, copy=True)


def epsilon():
    """Keras's fuzz factor, 1e-7: what its losses clip probabilities with and custom metrics add to
    denominators (``K.epsilon()``). Fixed in glassnet (a loss object takes ``epsilon=`` of its own)."""
    return 1e-7


def backend():
    """``keras.backend.backend()``: the name of what computes, ``"numpy"`` (Keras's NumPy backend's name;
    :func:`namespace_name` names an Array-API namespace set with :func:`set_namespace`)."""
    return "numpy"


def image_data_format():
    """``keras.config.image_data_format()``: ``"channels_last"``, the layout Keras's (and glassnet's
    ``Flatten``) inputs are read in."""
    return "channels_last"


def _missing(module, name):
    """The AttributeError of ``module.name``, which says so for Keras's setters of fixed settings."""
    fixed = name[4:] if name in ("set_epsilon", "set_image_data_format") else None
    return AttributeError(f"module {module!r} has no attribute {name!r}" + (
        f": glassnet's {fixed}() is fixed at Keras's default ({fixed}() returns it)" if fixed else ""))


#: Keras 2's ``from keras import backend as K`` functions with no glassnet.backend counterpart, and what to
#: write instead (K's math, ``K.mean``, ``K.sqrt``, ..., is NumPy's: see :func:`_keras_2_hint`)
_KERAS_2_FUNCTIONS = {
    "cast": "x.astype(dtype)",
    "int_shape": "x.shape (a layer's: layer.output.shape, batch axis first)",
    "function": "glassnet.Model(model.inputs, layer.output).predict(x) for a layer's outputs",
    "get_value": "float(optimizer.learning_rate), or layer.get_weights()",
    "set_value": "optimizer.learning_rate = value, or layer.set_weights(arrays)",
    "count_params": "model.count_params() or layer.count_params()",
    "variable": "np.asarray(value)",
    "eval": "np.asarray(x) (glassnet computes eagerly on NumPy arrays)",
    **dict.fromkeys(("placeholder", "get_session", "set_session", "learning_phase", "set_learning_phase"),
                    "NumPy arrays directly: glassnet computes eagerly, with no graph or session "
                    "(a layer's call takes training=)"),
    # K's math where NumPy's function of that name has other defaults (K's axis=-1), another meaning, or none
    **{name: f"np.{name}(x, axis=-1) (K's axis defaults to -1; np.{name} flattens the array)"
       for name in ("argmax", "argmin")},
    **{name: f"np.{name}(x, axis=0) (K's axis defaults to 0; np.{name} flattens the array)"
       for name in ("cumsum", "cumprod")},
    "concatenate": "np.concatenate(tensors, axis=-1) (K's axis defaults to -1, NumPy's to 0)",
    "expand_dims": "np.expand_dims(x, axis=-1) (K's axis defaults to -1)",
    "repeat": "np.repeat(x[:, None], n, axis=1) (K.repeat is RepeatVector's (batch, dim) → (batch, n, dim); "
              "np.repeat repeats elements)",
    "repeat_elements": "np.repeat(x, rep, axis=axis)",
    "pow": "x ** a",
    "gather": "np.take(x, indices, axis=0), or x[indices] (np.take flattens the array without axis=)",
    "one_hot": "glassnet.utils.to_categorical(indices, num_classes)",
    "permute_dimensions": "np.transpose(x, pattern)",
    "reverse": "np.flip(x, axes)",
    "switch": "np.where(condition, then_expression, else_expression)",
    "flatten": "x.reshape(-1)",
    "batch_flatten": "x.reshape(len(x), -1)",
    "dtype": "x.dtype.name",
    "l2_normalize": "x / np.sqrt(np.maximum(np.sum(x ** 2, axis=axis, keepdims=True), 1e-12))",
    "random_normal": "np.random.default_rng(seed).normal(mean, stddev, size=shape)",
    "random_uniform": "np.random.default_rng(seed).uniform(minval, maxval, size=shape)",
    "binary_crossentropy": "-(t * np.log(p) + (1 - t) * np.log(1 - p)), p clipped to [1e-7, 1 - 1e-7]: K's is "
                           "elementwise (glassnet.losses.binary_crossentropy averages over the last axis)",
    "hard_sigmoid": "np.clip(0.2 * x + 0.5, 0, 1) (Keras 2's; glassnet.activations.hard_sigmoid is Keras 3's "
                    "x / 6 + 0.5)",
    "relu": "glassnet.activations.relu (K.relu's alpha= is its negative_slope=)",
}
#: Keras 2's ``K.<name>`` that are NumPy's function of the same name and defaults
_KERAS_2_NUMPY = ("abs", "all", "any", "arange", "clip", "cos", "dot", "equal", "exp", "eye", "greater",
                  "greater_equal", "less", "less_equal", "log", "max", "maximum", "mean", "min", "minimum", "ndim",
                  "not_equal", "ones", "ones_like", "prod", "reshape", "round", "shape", "sign", "sin", "sqrt",
                  "square", "squeeze", "stack", "std", "sum", "tile", "transpose", "var", "zeros", "zeros_like")
_KERAS_2_ACTIVATIONS = ("sigmoid", "elu", "selu", "softmax", "softplus", "softsign", "tanh")
_KERAS_2_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")


def _keras_2_hint(name):
    """What to write for Keras 2's ``K.<name>``, or None for a name Keras 2's backend did not have (``K.random``,
    ``K.linalg``: NumPy's, not Keras 2's) or one with no short NumPy counterpart (``K.conv2d``, ``K.rnn``)."""
    if name in _KERAS_2_FUNCTIONS:
        return _KERAS_2_FUNCTIONS[name]
    if name in _KERAS_2_ACTIVATIONS:
        return f"glassnet.activations.{name}"
    if name in _KERAS_2_LOSSES:
        return f"glassnet.losses.{name}"
    if name in _KERAS_2_NUMPY:  # K.mean, K.sqrt, K.square, K.clip, K.maximum, ...
        return f"np.{name} (glassnet's losses and metrics take NumPy arrays)"
    return None


def __getattr__(name):
    hint = _keras_2_hint(name)
    if hint is None:
        raise _missing(__name__, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}: for Keras 2's K.{name}, use {hint}")


def floatx():
    """Return the default float dtype name (``"float32"`` unless changed)."""
    return _state["floatx"]


def set_floatx(value):
    """Set the default float dtype: ``"float16"``, ``"float32"`` or ``"float64"`` (or its NumPy dtype). As Keras's,
    a dtype policy is refused: ``glassnet.mixed_precision.set_global_policy`` sets one."""
    expected = '"float16", "float32" or "float64"'
    if isinstance(value, dict) or (not isinstance(value, (str, np.dtype, type))
                                   and isinstance(getattr(value, "name", None), str)):
        # (a TypeError, as Keras's: a policy is no floatx; standardize_dtype took it, so set_floatx(policy) passed)
        raise TypeError(f"set_floatx needs a dtype name, {expected}, not a dtype policy: set a policy with "
                        "glassnet.mixed_precision.set_global_policy. Received: "
                        f"value={value!r:.100} of type {type(value).__name__}")
    try:  # (None is no dtype here: NumPy reads it as float64, standardize_dtype as the current floatx)
        name = None if value is None else np.dtype(value).name
    except (TypeError, ValueError):
        name = None
    if name not in _FLOAT_DTYPES:
        # (the mixed policies, which standardize_dtype reads as float32 for a layer, are no floatx, as in Keras)
        policy = (" (a mixed precision policy is set with glassnet.mixed_precision.set_global_policy)"
                  if isinstance(value, str) and value in _MIXED else "")
        raise ValueError(f"Unknown floatx value {value!r:.100}: set_floatx needs {expected}{policy}. "
                         f"Received: value={value!r:.100}")
    _state["floatx"] = name


#: the class names of a serialized dtype policy: Keras 3's, earlier Keras 3's, tf.keras 2's
POLICY_CLASS_NAMES = ("DTypePolicy", "FloatDTypePolicy", "Policy")
#: Keras's mixed-precision policies, and the dtype each computes in
_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
#: the mixed policies said in an open :func:`saying_mixed_once` block (a file names its policy in every layer)
_MIXED_SAID_IN = contextvars.ContextVar("glassnet_mixed_said", default=None)


@contextlib.contextmanager
def saying_mixed_once():
    """Each mixed policy's warning once in the block (load_model's), where Python's filters would say it
    once per layer under ``"always"``; elsewhere those filters decide alone, as for any warning."""
    token = _MIXED_SAID_IN.set(set())
    try:
        yield
    finally:
        _MIXED_SAID_IN.reset(token)


def standardize_dtype(dtype):
    """Return a dtype name from a string, NumPy dtype or None (-> the global policy's, else floatx());
    Keras 3's serialized ``DTypePolicy`` (``{"class_name": "DTypePolicy", "config": {"name": "float32"}}``; "FloatDTypePolicy"
    in earlier Keras 3 files, "Policy" in tf.keras 2's) gives its name, and so does a policy object
    (``keras.DTypePolicy("mixed_float16")``, read by its ``name`` as Keras reads it, keras not imported)."""
    if dtype is None:  # the global dtype policy's, if one was set (as Keras's layers take it), else floatx()
        policy = _state["policy"]  # (a mixed one was said by set_global_policy, not again by each layer)
        return floatx() if policy is None else "float32" if policy in _MIXED else standardize_dtype(policy)
    policy = getattr(dtype, "name", None)
    if not isinstance(dtype, (str, dict, np.dtype)) and isinstance(policy, str):
        if policy not in _FLOAT_DTYPES and policy not in _MIXED:
            raise ValueError(f"dtype must be one of {', '.join(_FLOAT_DTYPES)} or a dtype policy of one (or of "
                             f"{', '.join(_MIXED)}). Received: dtype={dtype!r:.100} named {policy!r:.50}")
        dtype = policy
    if (isinstance(dtype, dict) and dtype.get("class_name") in POLICY_CLASS_NAMES
            and isinstance(dtype.get("config"), dict)):
        dtype = dtype["config"].get("name")
    if isinstance(dtype, str) and dtype in _MIXED:
        # Keras's mixed precision keeps float32 weights and computes in float16: a glassnet model computes in
        # one dtype, and its weights' is the one that keeps a Keras file's values
        said = _MIXED_SAID_IN.get()
        if said is None or dtype not in said:
            from .models.divergence import user_stacklevel  # (the models import this module)

            if said is not None:
                said.add(dtype)
            warnings.warn(f"dtype {dtype!r} (Keras's mixed precision: {_MIXED[dtype]} computations on float32 weights) "
                          "is read as float32: a glassnet model computes in one dtype, here its weights'. Outputs "
                          f"differ from Keras's by {_MIXED[dtype]}'s rounding.", UserWarning, stacklevel=user_stacklevel())
        dtype = "float32"
    try:
        name = np.dtype(dtype).name
    except (TypeError, ValueError):  # ValueError: a dict (np.dtype's "entry not a 2- or 3- tuple")
        name = None
    if name not in _FLOAT_DTYPES:
        raise ValueError(
            f"dtype must be one of {', '.join(_FLOAT_DTYPES)}. Received: dtype={dtype!r}"
        )
    return name


def global_rng():
    """The generator behind every random component that was given no seed."""
    rng = _RNG.get()
    return _state["rng"] if rng is None else rng


def set_global_seed(seed):
    _state["rng"] = np.random.default_rng(seed)
    _state["seedings"] += 1


def seedings():
    """How many times the global generator was seeded (:func:`set_global_seed`)."""
    return _state["seedings"]


def _draw_again_after_fork():
    """(In a child forked from this process: a ``multiprocessing`` fork pool's worker.) Never
    seeded, the global generator is drawn again from fresh entropy, as Python's ``random`` is, so
    the workers' models differ; seeded, the child keeps the parent's state (as NumPy and torch:
    seed each worker, ``set_random_seed(seed + worker_id)``)."""
    if not _state["seedings"]:
        _state["rng"] = np.random.default_rng()


if hasattr(os, "register_at_fork"):  # (not on Windows)
    os.register_at_fork(after_in_child=_draw_again_after_fork)


@contextlib.contextmanager
def seeded(seed):
    """Within the block, draws without a seed come from a generator seeded with
    ``seed`` (nothing changes when ``seed`` is None); the global one is restored after."""
    if seed is None:
        yield
        return
    token = _RNG.set(make_rng(seed))  # this thread's draws only: another thread's stay its own
    try:
        yield
    finally:
        _RNG.reset(token)


def make_rng(seed=None, name="seed"):
    """A new generator: from ``seed`` if given, else drawn from the global one.

    Drawing child seeds from the global generator is what makes
    ``set_random_seed(s)`` reproduce every initializer, shuffle and dropout mask.
    ``name``: the argument named in the error.
    """
    if seed is None:
        seed = int(global_rng().integers(0, 2**63 - 1))
    elif not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"{name} must be a non-negative integer or None. Received: {name}={seed!r:.100}")
    return np.random.default_rng(int(seed))


def random_state_rng(random_state):
    """The generator of an estimator's ``random_state``, as scikit-learn's
    ``check_random_state`` reads it: a seed ``s`` gives ``np.random.default_rng(s)``; a
    ``np.random.RandomState`` instance is drawn from (and so advanced), and None is NumPy's
    global one (``np.random.seed(0)`` makes a script repeat); a ``np.random.Generator`` is used as it is.

    As in scikit-learn, ``RandomState(s)`` just seeded gives what ``s`` gives (``default_rng(s)``;
    NumPy's global state just after ``np.random.seed(s)`` too); one drawn from since gives
    ``default_rng`` of a seed drawn from it."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, np.random.RandomState):
        source = np.random if random_state is None else random_state  # (the module's functions: the global one)
        state = source.get_state(legacy=False)
        # seeding with s puts s first in MT19937's key: the state is RandomState(s)'s just seeded, or not
        seed = int(state["state"]["key"][0]) if state["bit_generator"] == "MT19937" else None
        seeded = None if seed is None else np.random.RandomState(seed).get_state(legacy=False)["state"]
        fresh = seeded is not None and not state["has_gauss"] and state["state"]["pos"] == seeded["pos"] and \
            np.array_equal(state["state"]["key"], seeded["key"])
        drawn = int(source.randint(0, 2**31 - 1))  # advanced either way, as scikit-learn's estimators advance it
        return np.random.default_rng(seed if fresh else drawn)
    try:
        return make_rng(random_state, name="random_state")
    except ValueError:  # the same refusal, naming the instances accepted here
        raise ValueError("random_state must be None, a non-negative integer, or a np.random.RandomState or "
                         f"np.random.Generator instance. Received: random_state={random_state!r:.100}") from None


def clear_session(free_memory=True):
    """``keras.backend.clear_session`` (see :func:`glassnet.utils.clear_session`)."""
    from .utils import clear_session as clear

    clear(free_memory)
