"""Weight initializers (SPEC A3), with Keras's names and defaults.

An initializer is any callable ``f(shape, dtype=None) -> array``; seed 001's
``initialize_weights`` works as given. The built-in ones accept ``seed``; with
no seed they draw from glassnet's global generator, so
``glassnet.utils.set_random_seed`` makes them reproducible, and each call draws
new values (Keras 3 seeds an unseeded initializer once, so that every call, in
every layer it is passed to, gives the same values).

``fan_in``/``fan_out`` are ``shape[0]``/``shape[1]`` of a Dense kernel
(inputs × units).
"""

import contextlib
import contextvars
import inspect
import math
import numbers
import warnings

import numpy as np

from . import _custom_objects
from ._registry import Configurable, from_config, lookup, to_config
from ._validation import check_array, check_number, is_one_of, sized_by
from .backend import get_namespace, make_rng, standardize_dtype, to_numpy


#: set while a model file is read (:func:`_drawing_nothing`)
_FROM_FILE = contextvars.ContextVar("initializers_from_file", default=False)


@contextlib.contextmanager
def _drawing_nothing():
    """Initializers return zeros inside the block: a model file being read supplies every
    weight, and drawing M1's 670 000 random values first took half of ``load_model``."""
    token = _FROM_FILE.set(True)
    try:
        yield
    finally:
        _FROM_FILE.reset(token)


def _weight_shape(shape):
    """``shape`` as a tuple of ints >= 0, as Keras takes it: an int n is (n,), () a scalar,
    a NumPy array of sizes its list; a zero size gives an empty array."""
    if isinstance(shape, np.ndarray):
        shape = shape.tolist()
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or \
            not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in shape):
        raise TypeError(f"shape must be a tuple of integers, such as (784, 512). Received: shape={shape!r:.100}")
    if any(d < 0 for d in shape):
        raise ValueError(f"shape must not hold negative sizes. Received: shape={tuple(shape)!r}")
    return tuple(int(d) for d in shape)


class Initializer(Configurable):
    """The base of initializers: ``init(shape, dtype=None)`` returns the starting weights.
    A subclass defines ``sample(rng, shape)``; with a ``seed`` every call gives the same values."""

    def __init__(self, seed=None):
        if seed is not None:
            make_rng(seed)  # refuses what no generator takes (-1, 1.5, "a", True), at construction
        self.seed = int(seed) if isinstance(seed, np.integer) else seed  # a NumPy int: a plain one, for files

    def __call__(self, shape, dtype=None):
        # A fresh generator per call: the same seeded initializer gives the
        # same values every time, as in Keras.
        rng = make_rng(self.seed)
        shape = _weight_shape(shape)
        dtype = standardize_dtype(dtype)
        with sized_by(f"shape={shape}"):
            if _FROM_FILE.get():  # a model file's weights replace these at once: nothing to draw
                return np.zeros(shape, dtype=dtype)
            if type(self).sample.__module__ != __name__:  # a subclass's own sample(): its values
                return self.sample(rng, shape).astype(dtype)
            return self._sample(rng, shape, dtype)

    def sample(self, rng, shape):
        """The values, of ``shape``, as float64 (a subclass's own initializer overrides this)."""
        raise NotImplementedError

    def _sample(self, rng, shape, dtype):
        """The values of :meth:`sample` in ``dtype``; the random built-ins draw them in
        blocks instead (:func:`_draw`), the same values without a float64 copy."""
        return self.sample(rng, shape).astype(dtype)

    def get_config(self):
        """The constructor's arguments (``seed``, and each initializer's own), as Keras's."""
        return {"seed": self.seed}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class Zeros(Initializer):
    """All zeros. As weights it causes the symmetry problem: every hidden unit
    computes the same value and receives the same gradient, so they never differ."""

    def __init__(self):
        super().__init__(None)

    def sample(self, rng, shape):
        return np.zeros(shape)

    def get_config(self):
        return {}


class Ones(Zeros):
    """All ones (Keras's default for batch normalization's γ)."""

    def sample(self, rng, shape):
        return np.ones(shape)


class Constant(Initializer):
    """Every weight ``value``: a number or, as Keras, an array that broadcasts to the
    weights' shape (the TensorFlow imbalanced-data tutorial gives a sigmoid unit's bias
    ``Constant(np.log([pos / neg]))``). An array is kept as a (nested) list, for files."""

    def __init__(self, value=0.0):
        super().__init__(None)
        if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
            if np.asarray(value).dtype == bool:  # as check_number refuses True
                raise TypeError(f"value must be a number or an array of numbers. Received: value={value!r:.100}")
            array = check_array(value, name="value", ndim=None, dtype=np.float64, allow_empty=True)
            self.value = float(array) if array.ndim == 0 else array.tolist()
        else:
            self.value = check_number(value, "value")

    def sample(self, rng, shape):
        if not isinstance(self.value, list):
            return np.full(shape, self.value)
        try:
            return np.broadcast_to(np.asarray(self.value, dtype=np.float64), shape).copy()
        except ValueError:
            raise ValueError(f"Constant's value of shape {np.shape(self.value)} does not broadcast to the weights' "
                             f"shape {shape}. Received: value={self.value!r:.100}") from None

    def get_config(self):
        return {"value": self.value}


class RandomUniform(Initializer):
    """Uniform in ``[minval, maxval]``; ``RandomUniform(-ε, ε)`` is the lectures' [−ε, ε]."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = check_number(minval, "minval"), check_number(maxval, "maxval")
        if self.maxval < self.minval:
            raise ValueError(f"maxval must be >= minval. Received: minval={minval!r}, maxval={maxval!r}")

    def sample(self, rng, shape):
        return self._sample(rng, shape, np.float64)

    def _sample(self, rng, shape, dtype):
        return _draw(lambda size: rng.uniform(self.minval, self.maxval, size=size), shape, dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    """Normal ``N(mean, stddev²)``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = check_number(mean, "mean"), check_number(stddev, "stddev", low=0)

    def sample(self, rng, shape):
        return self._sample(rng, shape, np.float64)

    def _sample(self, rng, shape, dtype):
        return _draw(lambda size: rng.normal(self.mean, self.stddev, size=size), shape, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal ``N(mean, stddev²)`` with every value farther than ``2·stddev`` from the mean
    drawn again, as Keras's: all values lie in ``mean ± 2·stddev``, and their standard
    deviation is ``0.88·stddev`` (the spread of the truncated bell)."""

    def _sample(self, rng, shape, dtype):
        return _truncated_normal(rng, self.stddev, shape, dtype, mean=self.mean)


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (Saxe et al. 2014), as Keras's: the QR
    factorisation ``Q R`` of a normal matrix, each column of ``Q`` signed by ``R``'s
    diagonal (so that ``Q`` is uniform over the orthogonal matrices).

    A shape ``(..., n)`` is read as the matrix ``(rows, n)``, ``rows`` the product of the
    other sizes: its columns are orthonormal (``WᵀW = gain² I``) when ``rows >= n``, its
    rows (``W Wᵀ = gain² I``) otherwise.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = check_number(gain, "gain")

    def sample(self, rng, shape):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializes a matrix: shape must have at least two dimensions. "
                             f"Received: shape={shape}")
        rows, columns = math.prod(shape[:-1]), shape[-1]
        if rows == 0 or columns == 0:
            return np.zeros(shape)
        Q, R = np.linalg.qr(rng.normal(size=(max(rows, columns), min(rows, columns))))
        Q *= np.sign(np.diag(R))
        if rows < columns:
            Q = Q.T
        return self.gain * Q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (ones on the diagonal of a 2-D shape, rectangular too)."""

    def __init__(self, gain=1.0):
        super().__init__(None)
        self.gain = check_number(gain, "gain")

    def sample(self, rng, shape):
        if len(shape) != 2:
            raise ValueError(f"Identity initializes a matrix: shape must have two dimensions. Received: shape={shape}")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


#: values drawn at a time (8 MB of float64)
_BLOCK = 1 << 20


def _draw(draw, shape, dtype, keep=None):
    """An array of ``shape`` in ``dtype`` filled by ``draw(size)`` (float64 i.i.d. values)
    a block at a time. A generator's stream is consumed in order, so the values equal
    one ``draw(shape)``'s, cast, without its float64 temporary: a float32 model of 2·10⁹
    weights (8 GB) needed 24 GB while it was drawn.

    With ``keep(values) -> mask``, values outside the mask are drawn again, each round
    in index order (a truncated normal), as one array's ``values[bad] = draw(n_bad)``."""
    n = math.prod(shape)
    if n <= _BLOCK and keep is None:
        return draw(shape).astype(dtype)
    out = np.empty(n, dtype)
    redo = []
    for start in range(0, n, _BLOCK):
        values = draw(min(_BLOCK, n - start))
        out[start : start + values.size] = values
        if keep is not None:
            redo.append(start + np.flatnonzero(~keep(values)))
    redo = np.concatenate(redo) if redo else np.empty(0, np.intp)
    while redo.size:
        values = draw(redo.size)
        out[redo] = values
        redo = redo[~keep(values)]
    return out.reshape(shape)


def _fans(shape):
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal(rng, stddev, shape, dtype, mean=0.0):
    """Normal truncated at two standard deviations (resampled), as Keras's."""
    low, high = mean - 2 * stddev, mean + 2 * stddev
    return _draw(lambda size: rng.normal(mean, stddev, size=size), shape, dtype,
                 keep=lambda values: (values >= low) & (values <= high))  # masks only: no float temporaries


class VarianceScaling(Initializer):
    """Keras's variance scaling: variance ``scale / n`` with ``n`` the fan-in,
    fan-out or their mean (``mode="fan_in"``, ``"fan_out"``, ``"fan_avg"``); uniform in
    ``±sqrt(3·scale/n)`` or truncated normal.
    ``distribution`` is read in any case, ``"normal"`` as ``"truncated_normal"`` (Keras 3's).
    ``seed``: every call gives the same values (None: draws from glassnet's global generator).
    ``input_axes`` and ``output_axes`` (Keras 3.15's, for kernels of more than two axes) must be
    None: the fans are a 2-D kernel's rows and columns."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        super().__init__(seed)
        for name, value in (("input_axes", input_axes), ("output_axes", output_axes)):
            if value is not None:  # Keras 3.15's, for kernels of more than two axes (einsum layers)
                raise ValueError(f"glassnet's initializers compute the fans of 2-D kernels (fan_in = rows, "
                                 f"fan_out = columns): {name} must be None, Keras's default. Received: {name}={value!r}")
        if not is_one_of(mode, ("fan_in", "fan_out", "fan_avg")):
            raise ValueError(f"mode must be 'fan_in', 'fan_out' or 'fan_avg'. Received: mode={mode!r:.100}")
        if isinstance(distribution, str):  # as Keras 3: in any case, and tf.keras's "normal" is the truncated one
            distribution = distribution.lower()
            distribution = "truncated_normal" if distribution == "normal" else distribution
        if not is_one_of(distribution, ("uniform", "truncated_normal", "untruncated_normal")):
            raise ValueError(
                "distribution must be 'uniform', 'truncated_normal' or 'untruncated_normal'. "
                f"Received: distribution={distribution!r:.100}"
            )
        self.scale = check_number(scale, "scale", low=0, low_open=True)
        self.mode, self.distribution = mode, distribution

    def sample(self, rng, shape):
        return self._sample(rng, shape, np.float64)

    def _sample(self, rng, shape, dtype):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return _draw(lambda size: rng.uniform(-limit, limit, size=size), shape, dtype)
        if self.distribution == "untruncated_normal":
            return _draw(lambda size: rng.normal(0.0, math.sqrt(variance), size=size), shape, dtype)
        # 0.879... is the std of a unit normal truncated at ±2.
        return _truncated_normal(rng, math.sqrt(variance) / 0.87962566103423978, shape, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _Preset(VarianceScaling):
    """A named variance scaling: ``settings`` = (scale, mode, distribution) are fixed,
    ``seed`` alone is the caller's (Keras's ``GlorotUniform(seed=None)``, ...)."""

    settings = None

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self.settings, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Glorot/Xavier uniform: ``U(±sqrt(6 / (fan_in + fan_out)))`` (Keras's default kernel). ``seed``, ``input_axes``
    and ``output_axes`` as :class:`VarianceScaling`'s."""

    settings = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Glorot/Xavier normal: std ``sqrt(2 / (fan_in + fan_out))`` (truncated). ``seed``, ``input_axes``
    and ``output_axes`` as :class:`VarianceScaling`'s."""

    settings = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_Preset):
    """He uniform: ``U(±sqrt(6 / fan_in))``, for ReLU layers. ``seed``, ``input_axes``
    and ``output_axes`` as :class:`VarianceScaling`'s."""

    settings = (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    """He normal: std ``sqrt(2 / fan_in)`` (truncated). ``seed``, ``input_axes``
    and ``output_axes`` as :class:`VarianceScaling`'s."""

    settings = (2.0, "fan_in", "truncated_normal")


class LecunNormal(_Preset):
    """LeCun normal: std ``sqrt(1 / fan_in)`` (truncated), for SELU layers. ``seed``, ``input_axes``
    and ``output_axes`` as :class:`VarianceScaling`'s."""

    settings = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """LeCun uniform: ``U(±sqrt(3 / fan_in))``. ``seed``, ``input_axes``
    and ``output_axes`` as :class:`VarianceScaling`'s."""

    settings = (1.0, "fan_in", "uniform")


INITIALIZERS = {
    "zeros": Zeros,
    "zero": Zeros,
    "ones": Ones,
    "one": Ones,
    "constant": Constant,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "random_normal": RandomNormal,
    "normal": RandomNormal,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "xavier_uniform": GlorotUniform,
    "xavier_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform,
    "truncated_normal": TruncatedNormal,
    "orthogonal": Orthogonal,
    "identity": Identity,
    "variance_scaling": VarianceScaling,
}

CLASSES = {cls.__name__: cls for cls in set(INITIALIZERS.values())}

# Keras's function-style names, which are its classes too (initializers.glorot_uniform(seed=1)),
# and Keras 3's longer class names
zeros, ones, constant = Zeros, Ones, Constant
random_uniform, random_normal, truncated_normal = RandomUniform, RandomNormal, TruncatedNormal
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal, variance_scaling = LecunUniform, LecunNormal, VarianceScaling
orthogonal, identity = Orthogonal, Identity
OrthogonalInitializer, IdentityInitializer = Orthogonal, Identity
#: Keras 3's longer class names, which its get takes as well (in any case, as the class names)
_KERAS_CLASS_NAMES = {"orthogonalinitializer": "orthogonal", "identityinitializer": "identity"}


def initial_weights(initializer, shape, dtype, argument):
    """``initializer(shape, dtype=dtype)`` as an array of the active namespace in ``dtype``, refused
    by the ``argument``'s name unless it holds real numbers of ``shape`` (text raised NumPy's "could
    not convert string to float", complex numbers lost their imaginary part with a ComplexWarning)."""
    value = initializer(shape, dtype=dtype)
    if isinstance(value, (np.ndarray, np.generic)) or not hasattr(value, "__dlpack__"):  # on the host
        try:
            kind = np.asarray(value).dtype.kind
        except (TypeError, ValueError):  # ragged lists
            kind = None
        if kind is None or kind not in "biuf":
            raise TypeError(f"{argument} must return real numbers, an array of shape {tuple(shape)}. "
                            f"Received: {value!r:.100}")
    value = get_namespace().asarray(value, dtype=dtype)
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{argument} returned shape {tuple(value.shape)}; expected {tuple(shape)}.")
    return value


def get(identifier, name=None):
    """Return an initializer from a name, an object or any ``f(shape, dtype=None)``;
    ``name``: the argument it was given as, for the errors."""
    if identifier is None and name is None:
        return None  # (Keras's get(None))
    if identifier is None:
        # a layer's weights given None, as Keras 3 takes it (TensorFlow's imbalanced-data tutorial passes
        # bias_initializer=None): drawn with glorot_uniform, a bias too, as Keras's add_weight draws them; said,
        # since a random bias surprises (it was refused: the tutorial stopped at its first model)
        from .models.divergence import user_stacklevel  # (the models import this module)
        warnings.warn(f"{name}=None: the weights are drawn with 'glorot_uniform', as Keras 3 draws them (a bias "
                      f"too); give {name}='zeros' for zeros, or any initializer.", UserWarning, stacklevel=user_stacklevel())
        return GlorotUniform()
    if isinstance(identifier, str):
        identifier = _KERAS_CLASS_NAMES.get(identifier.lower(), identifier)
    if isinstance(identifier, (np.ndarray, np.generic)) or (hasattr(identifier, "__dlpack__")
                                                            and not isinstance(identifier, type)):
        return _array_initializer(identifier, name)
    function = _registered_function(identifier, name)
    if function is not None:
        return function
    return lookup(identifier, INITIALIZERS, "initializer", instance_of=Initializer, allow_callable=True,
                  instantiate=True, argument=name, resolve=get)  # (name: a layer's kernel_ or bias_ initializer)


def _registered_function(identifier, name=None):
    """A registered function, found by its registered name (``"my>fn"``) as Keras's ``get`` finds it: given as that
    name, as ``{"class_name": "my>fn", ...}``, or in Keras's config of a function, ``{"class_name": "function",
    "config": "my>fn"}`` (there a name no function is registered under is refused); None for anything else."""
    try:
        function = _custom_objects.find_function(identifier)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}" if name else str(exc)) from None
    if function is None:
        named = identifier.get("class_name") if isinstance(identifier, dict) else identifier
        found = _custom_objects.get_registered_object(named) if isinstance(named, str) else None
        function = found if inspect.isfunction(found) else None
    return function


def _array_initializer(array, name=None):
    """Keras's ``get`` of an array: ``f(shape, dtype=None)`` that returns a copy of the array's values in
    ``dtype`` (floatx by default), for ``shape`` the array's own only (Keras's "Expected `shape` to be
    (2, 3) for direct tensor as initializer")."""
    argument = name or "initializer"
    values = check_array(to_numpy(array), argument, ndim=None, allow_empty=True)  # text, complex, NaN: refused

    def from_array(shape, dtype=None):
        shape, dtype = _weight_shape(shape), standardize_dtype(dtype)
        if shape != values.shape:
            raise ValueError(f"{argument}: an array given as the initializer is the weights' values, so the weights' "
                             f"shape must be the array's, {values.shape}. Received: shape={shape}")
        return np.array(values, dtype=dtype)  # a copy: training writes into the weights, never into the array

    return from_array


def serialize(initializer):
    """``{"class_name", "config"}`` of a built-in initializer object (``HeNormal(seed=2)`` gives
    ``{"class_name": "HeNormal", "config": {"seed": 2}}``), or of a subclass of the user's as Keras writes
    it (with its ``registered_name``), or of a registered function by its registered name, as Keras writes it;
    a ValueError for any other object (an unregistered function), which a file cannot hold."""
    config = _custom_objects.serialize_function(initializer)
    if config is not None:
        return config
    if inspect.isfunction(initializer):
        if initializer.__qualname__ == _array_initializer.__name__ + ".<locals>.from_array":
            raise ValueError("Cannot save an array given as the initializer: a model file holds the weights it "
                             "gave, not the array.")
        raise ValueError(f"Cannot save {_custom_objects.unregistered_function(initializer, 'initializer')}.")
    return to_config(initializer, CLASSES, "initializer")


@_custom_objects.takes_custom_objects
def deserialize(config):
    """The initializer of a :func:`serialize` or Keras config, or of a name (``"he_normal"``, as :func:`get`);
    only the built-in classes and the user's own (registered, or passed in ``custom_objects``) are created,
    and a registered function is found by its name."""
    function = _registered_function(config)
    if function is not None:
        return function
    return from_config(config, CLASSES, "initializer", get, INITIALIZERS)


__all__ = [
    "Initializer", "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
    "IdentityInitializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "OrthogonalInitializer",
    "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling", "Zeros",
    "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity", "lecun_normal",
    "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "zeros",
    "get", "serialize", "deserialize",
]
