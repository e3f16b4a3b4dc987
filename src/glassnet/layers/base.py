"""The layer contract (STYLE.md rule 2).

A layer has ``build(input_shape)``, ``forward(X, training) -> Y`` and
``backward(dY) -> dX``; its trainable arrays live in ``params`` and their
gradients in ``grads`` under the same keys (``params["W"]``, ``grads["W"]``),
non-trainable arrays (batch-norm statistics) in ``state``. ``weight_names``
gives the order of :meth:`get_weights`, as Keras orders them.

Once a model is built it moves every array of ``params``/``grads`` into one
flat buffer and puts views back in the dicts, so a layer must update its
arrays in place (``out=``, ``[...] =``) and never rebind them.
"""

import contextlib
import contextvars
import difflib
import inspect
import json
import math
import numbers
import re
import warnings

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .._registry import keras_arrays
from .._validation import check_array, check_positive_int, check_shape, is_one_of, sized_by
from ..backend import (copy, from_numpy, get_namespace, is_numpy, make_rng, namespace_name, numpy_copy, numpy_dtype,
                       standardize_dtype)


#: set by :func:`in_memory_configs`: get_config keeps objects instead of serializing them
_IN_MEMORY = contextvars.ContextVar("glassnet_in_memory_configs", default=False)


@contextlib.contextmanager
def in_memory_configs():
    """Within this block a layer's ``get_config`` holds its activation, initializers
    and regularizers as the objects themselves, custom ones included (what
    ``clone_model`` rebuilds from); outside it, their JSON configs for a file."""
    token = _IN_MEMORY.set(True)
    try:
        yield
    finally:
        _IN_MEMORY.reset(token)


def config_entry(obj, serialize, optional=False):
    """``obj`` as a layer config holds it: None, the object itself inside
    :func:`in_memory_configs`, else ``serialize(obj)``. ``optional``: an object that
    cannot be stored as JSON (a custom initializer, whose drawn weights are saved
    anyway) gives None instead of an error."""
    if obj is None or _IN_MEMORY.get():
        return obj
    if not optional:
        return serialize(obj)
    try:
        config = serialize(obj)
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return config


def initializer_entries(layer, keys):
    """The initializers ``keys`` of ``layer`` as its config holds them (see :func:`config_entry`); a
    custom one by its registered name, as Keras's, or, when its config is not JSON, left out of a file
    (the weights it drew are saved)."""
    entries = {key: config_entry(getattr(layer, key), initializers.serialize, optional=True) for key in keys}
    return {key: entry for key, entry in entries.items() if entry is not None}


def training_entries(layer, keys, module, keep_unset=False):
    """The regularizers or constraints ``keys`` of ``layer`` (their registry ``module``) as its
    config holds them (see :func:`config_entry`); a custom one by its registered name, as Keras's.
    They shape further training only, so one whose config is not JSON is left out of a file with a
    warning (the weights are saved, and a ModelCheckpoint keeps working): a model loaded from it
    trains without it. ``keep_unset``:
    unset and left-out ones appear as None (Dense's regularizers, as Keras lists them), else
    they are left out."""
    entries = {}
    for key in keys:
        obj = getattr(layer, key)
        entry = config_entry(obj, module.serialize, optional=True)
        if entry is None and obj is not None:
            warnings.warn(f"The {key} {obj!r:.80} of layer {layer.name!r} is not saved: a model file holds no "
                          f"code. After load_model, set layer.{key} again to keep it.", UserWarning, stacklevel=3)
        if entry is not None or keep_unset:
            entries[key] = entry
    return entries


# (and the layer's node, layer.output: its chain holds models, whose unpickling would meet the layer half made;
# an unpickled model gives its layers their places again, Sequential.__setstate__)
_TRANSIENT = ("X", "Z", "A", "Y", "delta", "mask", "X_hat", "inv_std", "in_shape", "_owner", "_node")

#: what forward leaves behind for backward (and for diagnostics): ``Layer.__call__`` puts them back
_PASS_CACHES = ("X", "Z", "A", "Y", "delta", "mask", "X_hat", "inv_std", "in_shape", "training")

#: objects nested in a layer config, each created from its saved dict by its own registry
_NESTED = (("activation", activations), ("activity_regularizer", regularizers),
           ("kernel_regularizer", regularizers), ("bias_regularizer", regularizers),
           ("kernel_initializer", initializers), ("bias_initializer", initializers),
           ("beta_initializer", initializers), ("gamma_initializer", initializers),
           ("beta_regularizer", regularizers), ("gamma_regularizer", regularizers),
           ("moving_mean_initializer", initializers), ("moving_variance_initializer", initializers),
           ("kernel_constraint", constraints), ("bias_constraint", constraints),
           ("beta_constraint", constraints), ("gamma_constraint", constraints),
           ("alpha_initializer", initializers), ("alpha_regularizer", regularizers), ("alpha_constraint", constraints),
           ("embeddings_initializer", initializers), ("embeddings_regularizer", regularizers),
           ("embeddings_constraint", constraints))


def deserialize_nested(config):
    """A copy of the layer config ``config`` with its nested activation, initializer and
    regularizer dicts created from their own registries (nothing else is created), and Keras's
    serialized NumPy arrays as lists (:func:`~glassnet._registry.keras_arrays`)."""
    config = keras_arrays(config)
    for key, registry in _NESTED:
        if isinstance(config.get(key), dict):
            config[key] = registry.deserialize(config[key])
    return config


def snake_case(name):
    """Keras's ``naming.to_snake_case``: ``BatchNormalization`` -> ``batch_normalization``, ``ReLU`` ->
    ``re_lu``: a layer's default name, and its group in a Keras weights file."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def sample_shape(input_shape):
    """The shape of one sample, as a layer's ``build`` takes it: ``(784,)``; Keras's
    ``(None, 784)`` with the batch axis, and a bare ``784``, are read the same way."""
    if isinstance(input_shape, (tuple, list)) and len(input_shape) > 1 and input_shape[0] is None:
        input_shape = input_shape[1:]
    return check_shape(input_shape, "input_shape")


def in_model(layer):
    """Whether a live model holds ``layer`` (set when the model binds its layers' weights)."""
    owner = getattr(layer, "_owner", None)
    return owner is not None and owner() is not None


def follows_shape(layer):
    """Whether ``layer`` may be built again for another input shape, as Keras's weight-free layers
    take any: it has no weights, and no model whose layers must agree on shapes holds it."""
    return not layer.weights and not in_model(layer)


def weight_attribute(key):
    """The layer's weight ``key`` as an attribute by its Keras name (``bn.moving_mean``,
    ``ln.gamma``, ``rms.scale``): the live array of ``params`` or ``state``, read at each access
    (a model moves the arrays into its buffer); None where the layer's settings leave the weight
    out (``scale=False``), as Keras's attribute."""
    def get(self):
        if key in self.params:
            return self._handed_out(key)
        if key in self.state:
            return self.state[key]
        if key not in self.weight_names:
            return None
        raise AttributeError(f"{type(self).__name__}.{key} exists once the layer is built (fit, predict or build "
                             "first).")
    return property(get, doc=f"The weight {key!r} (Keras's attribute), once the layer is built.")


def build_layer(layer, input_shape):
    """Build ``layer`` for samples of shape ``input_shape``; a random layer without a
    seed of its own (dropout) gets a generator drawn from the global one, as
    initializers are. A layer built before keeps its weights, as Keras, and must
    have been built for this shape, unless it has none and is in no model
    (:func:`follows_shape`): then it is built again for this one."""
    input_shape = tuple(input_shape)
    if layer.built and tuple(layer.input_shape) != input_shape and follows_shape(layer):
        layer.built = False
    if layer.built:
        if tuple(layer.input_shape) != input_shape:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) was built for inputs of shape "
                f"{tuple(layer.input_shape)}, but here it receives {input_shape}. Use a new layer, or "
                "glassnet.models.clone_model for a copy."
            )
        return
    units = f", units={layer.units}" if hasattr(layer, "units") else ""
    with sized_by(f"Layer {layer.name!r} ({type(layer).__name__}{units}) for inputs of shape {input_shape}"):
        layer.build(input_shape)
    if getattr(layer, "rng", None) is not None and getattr(layer, "seed", 0) is None:
        layer.rng = make_rng(None)


def penalty(regularizer, X, argument, of):
    """``regularizer(X)`` as a float, checked to be one number: ``argument`` names the regularizer and
    ``of`` what ``X`` is, for the error."""
    value = regularizer(X)
    # one number joins the loss: a Regularizer subclass returning x * 0.01 (not its sum), a string or None
    # met float()'s bare "only 0-dimensional arrays can be converted to Python scalars"
    try:
        if isinstance(value, (str, bytes)) or getattr(value, "ndim", 0) != 0:
            raise TypeError
        # a float, not the value: a natural (W**2).sum() gives np.float32, or a tensor under torch, which
        # became the loss in fit's history and evaluate's result (float() reads the device once either way)
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{argument} {regularizer!r:.80} must return one number, the penalty of {of} of shape "
                        f"{tuple(X.shape)} (a sum, such as 0.01 * sum(x**2)). Received: {value!r:.80}") from None


def activity_penalty(regularizer, Y):
    """Keras's activity loss ``R(Y) / n``, ``n = Y.shape[0]`` the batch size (0 for an empty batch:
    Keras's divide_no_nan), as a float."""
    n = Y.shape[0] if Y.ndim else 1
    value = penalty(regularizer, Y, "activity_regularizer", "the layer's output")
    return value / n if n else 0.0


def _keras_defaults(cls):
    """``cls.keras_unused`` as ``{argument: Keras's default}``: a tuple names arguments whose
    default is None, a dict gives the defaults (BatchNormalization's ``renorm=False``)."""
    unused = cls.keras_unused
    return dict(unused) if isinstance(unused, dict) else dict.fromkeys(unused)


def _is_default(value, default):
    if default is None or isinstance(default, bool):
        return value is default or (isinstance(value, np.bool_) and bool(value) is default)
    return type(value) is type(default) and value == default


# Keras 1's argument names (the Theano-era Keras of seed 004 and of much course code), renamed in
# Keras 2: the closest current name ("init" -> 'units') would point the wrong way
_KERAS_1_NAMES = {
    "init": ("kernel_initializer", "embeddings_initializer"),
    "W_regularizer": ("kernel_regularizer", "embeddings_regularizer"),
    "b_regularizer": ("bias_regularizer",),
    "W_constraint": ("kernel_constraint", "embeddings_constraint"),
    "b_constraint": ("bias_constraint",),
    "bias": ("use_bias",),
    "output_dim": ("units",),  # (Embedding's output_dim is its own: the hint is for layers with no such argument)
    "p": ("rate",),
    "sigma": ("stddev",),
}


def _accepted(cls):
    """The keyword arguments the ``__init__`` of ``cls`` and of its bases up to Layer take."""
    accepted = set(cls.keras_unused)
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            accepted.update(n for n, p in inspect.signature(klass.__init__).parameters.items()
                            if n != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if klass is Layer:
            break
    return accepted


def _check_extra_kwargs(cls, kwargs):
    """Keyword arguments no ``__init__`` of ``cls`` took: Keras's arguments that mean nothing
    here (``cls.keras_unused``) pass at their Keras default (None unless the dict says
    otherwise); anything else is refused."""
    defaults = _keras_defaults(cls)
    for key, value in kwargs.items():
        if key in defaults:
            if not _is_default(value, defaults[key]):
                raise ValueError(
                    f"glassnet's {cls.__name__} has no {key} (received {key}={value!r:.80}); "
                    f"only {key}={defaults[key]!r}, Keras's default, is accepted."
                )
            continue
        accepted = _accepted(cls)
        renamed = [name for name in _KERAS_1_NAMES.get(key, ()) if name in accepted]
        close = difflib.get_close_matches(key, sorted(accepted), n=1)
        if renamed:
            hint = f" {key} is Keras 1's name for {renamed[0]!r} (renamed in Keras 2)."
        else:
            hint = f" Did you mean {close[0]!r}?" if close else ""
        raise TypeError(f"{cls.__name__}.__init__() got an unexpected keyword argument {key!r}.{hint}")


def assign_weights(targets, weights, names, owner):
    """Copy ``weights`` into the live arrays ``targets`` (called ``names`` in
    messages) once every count, shape and value has been checked, so that a
    bad list changes nothing."""
    if not isinstance(weights, (list, tuple)):
        raise TypeError(f"{owner} takes a list of weight arrays (as get_weights() returns). "
                        f"Received: {type(weights).__name__}")
    weights = list(weights)
    if len(weights) != len(targets):
        raise ValueError(f"{owner} expects a list of {len(targets)} weight arrays. Received {len(weights)}.")
    values = []
    for name, target, value in zip(names, targets, weights):
        dtype = numpy_dtype(target)
        try:
            given = np.asarray(value)
            # the cast read text ('1.5' as 1.5) and dropped imaginary parts with only NumPy's ComplexWarning
            real = given.dtype.kind not in "cUSMmV" and (  # and None as NaN, in a list of rows
                given.dtype != object or all(isinstance(v, numbers.Real) for v in given.flat))
            if real:
                with np.errstate(over="ignore"):
                    value = given.astype(dtype)
        except (TypeError, ValueError):
            real = False
        if not real:
            raise TypeError(f"{owner}: {name} must be an array of real numbers. Received: {value!r:.80}") from None
        if given.dtype.kind in "fiu" and not np.array_equal(np.isfinite(value), np.isfinite(given)):
            # a finite value beyond the dtype's range (1e6 in float16) became inf with only NumPy's warning
            largest = float(np.abs(given[np.isfinite(given)]).max())
            raise ValueError(f"{owner}: {name} holds values beyond the range of {dtype} (up to "
                             f"{float(np.finfo(dtype).max):.6g}); the largest given is {largest:.6g}.")
        if value.shape != target.shape:
            raise ValueError(f"{owner}: {name} has shape {value.shape}; expected {tuple(target.shape)}.")
        values.append(value)
    for target, value in zip(targets, values):
        target[...] = from_numpy(value)


class ChainTensor:
    """What a layer called on ``Input(...)`` (or on another ChainTensor) returns, as Keras's
    functional API: the input and the layers applied to it so far, in order. ``shape`` is the
    output's shape with the batch axis, ``(None, ...)``, as Keras's ``KerasTensor``.
    ``glassnet.Model(inputs, outputs)`` is the :class:`~glassnet.models.Sequential` of those
    layers: glassnet's functional models are chains (each layer called once, on the one before)."""

    def __init__(self, input_layer, layers, sample_shape, models=(), pins=None):
        self.input = input_layer
        self.layers = tuple(layers)
        self.sample_shape = tuple(sample_shape)
        self.models = tuple(models)  # the models called in the chain (base_model(inputs)): nested in Model(...)
        self.pins = dict(pins or {})  # {layer: mode} of models called with training=... (Sequential._chained)

    @property
    def shape(self):
        return (None, *self.sample_shape)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        """As Keras's ``KerasTensor.dtype``: the last layer's dtype, else the input's ("float32" by default)."""
        for layer in reversed(self.layers):
            if layer.dtype is not None:
                return layer.dtype
        return self.input.dtype

    def __getattr__(self, name):
        # (only for names a ChainTensor lacks: x.numpy(), x.T in a traced call reached Python's bare message)
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"a ChainTensor (a layer's output in a functional model or a traced call) has no {name!r}: "
                             "it holds no numbers, only shape, ndim and dtype. Call layers on it, and compute on "
                             "arrays outside the model (model.predict(x)).")

    def __repr__(self):
        last = self.layers[-1].name or type(self.layers[-1]).__name__ if self.layers else "the input"
        return f"<ChainTensor shape={self.shape} of {last!r}>"

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a ChainTensor holds no numbers: it stands for a layer's output in a functional model. "
                        "Call layers on it (an activation as glassnet.activations.tanh(x) or layers.Activation('tanh')(x), "
                        "not NumPy's), and Model(inputs, "
                        "outputs) on arrays.")

    def _arithmetic(self, *args):
        # a residual x + f(x), a scaling 2 * x: a graph, not a chain (and a subclassed model's call, traced
        # on a ChainTensor, reached Python's bare "unsupported operand type(s)")
        raise TypeError("arithmetic on a layer's output (x + y, 2 * x, x[...]) cannot be part of a glassnet model: "
                        "its models are chains, each layer called once on the one before. Write it as layers "
                        "(layers.Rescaling(2.0), layers.Activation(...), layers.Reshape(...)), or compute it outside "
                        "the model.")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _arithmetic
    __matmul__ = __rmatmul__ = __pow__ = __neg__ = __getitem__ = _arithmetic


#: set while a subclassed model's call is traced (models/subclassing.py): the ChainTensors each layer took
_TRACING = contextvars.ContextVar("glassnet_tracing", default=None)


class _TracedTraining:
    """The ``training`` a subclassed model's ``call`` is traced with: passed on to its layers
    (``self.dropout(x, training=training)``) it leaves each to follow the mode of the model's call
    (fit trains, predict infers), as None does; a Python branch on it cannot be traced."""

    def __bool__(self):
        raise TypeError("call branches on training (if training: ...), which glassnet cannot trace: a glassnet "
                        "model is one chain of layers, whatever the mode. Pass training=training on to the layers "
                        "(Dropout and BatchNormalization follow fit's and predict's mode) instead of branching.")

    def __repr__(self):
        return "training (traced)"


TRACED_TRAINING = _TracedTraining()


def check_training(training):
    """A call's ``training`` (Keras's): None, True or False as a bool, else a TypeError; the
    :data:`TRACED_TRAINING` of a traced call reads as None (each layer follows the model's mode)."""
    if training is None or training is TRACED_TRAINING:
        return None
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be True, False or None. Received: training={training!r:.100}")
    return bool(training)


def _chained(layer, x, training=None):
    """``layer`` called on the symbolic ``x`` (an :class:`InputLayer` or a :class:`ChainTensor`);
    ``training`` True or False pins the layer to that mode in a call of the model given no
    training, as Keras's ``Dropout(0.5)(x, training=True)`` (see ``Sequential._chained``)."""
    training = check_training(training)
    traced = _TRACING.get()
    if traced is not None:  # a subclassed model's call: each output taken by one layer, else it is no chain
        if id(x) in traced:
            raise ValueError(f"{layer._label()} is called on {x!r}, which {traced[id(x)][1]._label()} took already "
                             "(a branch); glassnet's models are chains, each layer called on the output of the "
                             "one before.")
        traced[id(x)] = (x, layer)  # (x kept alive: a later tensor must not take its id)
    source, layers = (x, ()) if isinstance(x, InputLayer) else (x.input, x.layers)
    shape = tuple(x.input_shape if isinstance(x, InputLayer) else x.sample_shape)
    if layer in layers:
        raise ValueError(f"{layer._label()} is called twice in this model (a shared layer); glassnet's functional "
                         "models are chains, each layer called once on the one before it. Create a second layer.")
    if layer.built and tuple(layer.input_shape) != shape and not follows_shape(layer):
        raise ValueError(f"{layer._label()} was built for inputs of shape (None, {', '.join(map(str, layer.input_shape))}), "
                         f"but it was called on an input of shape {(None, *shape)}.")
    models, pins = ((), {}) if isinstance(x, InputLayer) else (x.models, x.pins)
    if training is not None:
        pins = {**pins, layer: training}
    y = ChainTensor(source, (*layers, layer), layer.compute_output_shape(shape), models, pins)
    if traced is None and "_node" not in layer.__dict__:  # Keras's first node: layer.input, layer.output
        layer._node = (x, y)  # (a traced call's layers take theirs from the model, once its trace succeeds)
    return y


class _Symbolic:
    """Keras's symbolic ``layer.input``/``layer.output``: the layer's input and output in the first
    chain it joined (Keras's first node), a functional call (``Dense(64)(inputs)``) or the first
    built model holding it, so that ``Model(model.inputs, layer.output)`` is the model up to that
    layer (the functional guide's feature extraction) and ``Dense(10)(base.output)`` extends a model.
    It sets nothing, so a subclass may still keep its own ``self.output``."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        node = layer.__dict__.get("_node")
        if node is None:
            raise AttributeError(f"{layer._label()} has no symbolic {self.name}: it is in no built model and was "
                                 "never called on an Input. Build its model (an Input first, model.build((None, "
                                 "...)), fit or predict), or call it on a functional chain.")
        if callable(node):  # its place in a model (Sequential._record_nodes): the chain made when first read
            node = node()
            if node is None:
                del layer._node
                raise AttributeError(f"{layer._label()} has no symbolic {self.name}: the models that held it were "
                                     "deleted. Build a model holding it, or call it on a functional chain.")
            layer._node = node
        return node[self.name == "output"]


#: how many times a named layer was renamed (``layer.name = ...``): a model's index of its layers'
#: names (Sequential._name_index) is read again after any
RENAMES = [0]


class Layer:
    """The base of every layer: ``build(input_shape)``, ``forward(X, training) -> Y`` and
    ``backward(dY) -> dX``, its arrays in ``params``, ``grads`` and ``state`` (see the module
    docstring). ``name``, ``input_shape``/``input_dim`` (on a first layer), ``dtype`` and
    ``trainable`` as Keras's; an unknown keyword argument is a ``TypeError`` naming the layer."""

    weight_names = ()
    #: Keras's names of the ``params`` keys that differ from glassnet's (Dense: ``{"W": "kernel", "b": "bias"}``):
    #: the last part of each parameter array's path (:meth:`parameter_paths`)
    keras_param_names = {}
    #: set by fit from ``compile(jit_compile=...)``: train with glassnet.kernels' compiled loops
    jit_compile = False
    #: set by the model's backward pass while a LossScaleOptimizer scales the loss: the factor of
    #: the penalties' gradients (:meth:`add_penalty_gradient`)
    _penalty_scale = 1.0
    #: Keras arguments of this layer that glassnet lacks: accepted at Keras's default (None, or
    #: the value a dict ``{argument: default}`` gives), refused otherwise, since another value
    #: would make Keras compute something else
    keras_unused = ()
    #: called on its own (``layer(x)``), the layer takes a 1-D array as one sample, a row (a number
    #: as a row of one), and gives an output of its shape, as Keras's: layers that compute elementwise or along the
    #: last axis say so. Layers with weights do not: for a model's ``fit``, a 1-D array is
    #: ambiguous (one sample, or one feature), and is refused with the reshape to make.
    takes_vectors = False
    #: the penalties ``R(Y) / n`` of the layer's output in its last direct call (``layer(x)``,
    #: ``model(x)``), as Keras's ``layer.losses`` lists them; a model's forward pass clears them
    _activity_losses = ()
    #: (a layer pickled before layers took activity_regularizer has none)
    activity_regularizer = None
    input = _Symbolic()
    output = _Symbolic()

    def __new__(cls, *args, **kwargs):
        # Dense(output_dim=4), Keras 1's name for units: Python refuses the missing units before any
        # __init__ runs ("missing 1 required positional argument"), so the Keras 1 hint is given here
        if not kwargs.keys().isdisjoint(_KERAS_1_NAMES):
            params = list(inspect.signature(cls.__init__).parameters.values())[1 + len(args):]
            # (a keyword-only units, def __init__(self, *, units), is as missing: Python refuses it first too)
            missing = {p.name for p in params if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                                                     p.KEYWORD_ONLY)}
            for key in kwargs:  # (a layer's own output_dim or p is no Keras 1 name: Python's error stands)
                if missing.intersection(_KERAS_1_NAMES.get(key, ())) and key not in _accepted(cls):
                    _check_extra_kwargs(cls, {key: kwargs[key]})
        return super().__new__(cls)

    def __init__(self, name=None, input_shape=None, input_dim=None, dtype=None, trainable=True,
                 activity_regularizer=None, **kwargs):
        _check_extra_kwargs(type(self), kwargs)
        #: Keras's: ``R(Y) / n`` of the layer's output ``Y`` (``n`` its rows) joins the loss; the
        #: model keeps ``Y`` after the layer's forward (:meth:`activity_penalty`, :meth:`add_activity_gradient`)
        self.activity_regularizer = regularizers.get(activity_regularizer, "activity_regularizer")
        if input_dim is not None:
            input_shape = (check_positive_int(input_dim, "input_dim"),)
        if input_shape is not None:
            input_shape = check_shape(input_shape, "input_shape")
        self.input_shape = input_shape
        if name is not None and not isinstance(name, str):  # as Keras: a name is text (files, get_layer, summary)
            raise TypeError(f"name must be a string. Received: name={name!r:.100} of type {type(name).__name__}")
        self.name = name
        self.dtype = None if dtype is None else standardize_dtype(dtype)
        self._dtype_given = self.dtype  # kept in get_config (a build sets self.dtype to the model's)
        if not isinstance(trainable, (bool, np.bool_)):
            raise TypeError(f"trainable must be True or False. Received: trainable={trainable!r}")
        #: False freezes the layer, as Keras: training leaves its weights as they are (a frozen
        #: BatchNormalization also runs in inference mode); it takes effect at the next fit
        self.trainable = bool(trainable)
        self.params, self.grads, self.state = {}, {}, {}
        self._buffers = {}
        self.built = False
        self.output_shape = None
        # Set by the model: the first trainable layer need not compute dX.
        self.needs_input_gradient = True

    @property
    def name(self):
        return self.__dict__.get("name")

    @name.setter
    def name(self, value):
        if self.__dict__.get("name") not in (None, value):
            RENAMES[0] += 1
        self.__dict__["name"] = value

    def _trains_in_model(self):
        """Whether training steps the layer: its own flag and that of the model holding its
        weights (a layer of a frozen model is frozen, as Keras 3; Sequential._trains)."""
        owner = getattr(self, "_owner", None)
        model = owner() if owner is not None else None
        return model._trains(self) if model is not None else self.trainable

    @property
    def trainable_size(self):
        return sum(math.prod(v.shape) for v in self.params.values())

    def __call__(self, x, training=None):
        """The layer's outputs for the batch ``x`` (samples along the first axis) as a new
        array, as Keras's ``layer(x)``; ``training=True`` runs the training-mode pass
        (dropout active; batch normalization normalizes with the batch statistics and
        updates its moving ones, unless frozen).

        An unbuilt layer is first built for ``x.shape[1:]``, in its ``dtype`` (by default
        ``glassnet.config.floatx()``, as Keras); ``x`` is cast to the layer's dtype. A built
        layer refuses inputs of another shape, unless it has no weights and is in no model:
        then it is built again for them, as Keras's weight-free layers take any shape. A layer
        that computes elementwise or along the last axis (``takes_vectors``: Activation,
        Dropout, Rescaling, ...) also takes a 1-D array, as one sample, or a number, and returns an output of its shape.
        A layer of a model can be called too: its weights are used as they are, and the
        activations the model's last pass left for backward and the training step's reused
        arrays are kept untouched."""
        if isinstance(x, (InputLayer, ChainTensor)):  # Keras's functional API: a chain of layers
            return _chained(self, x, training)
        training = check_training(training) or False  # None, Keras's "not in fit": inference
        weights = self.weights
        label = self._label()
        self._check_namespace()
        dtype = numpy_dtype(weights[0]) if weights else standardize_dtype(self.dtype)
        X = check_array(x, name=f"the input of {label}", ndim=0 if self.takes_vectors else 2, allow_nd=True,
                        dtype=dtype, finite=False)
        given_shape = X.shape
        if X.ndim < 2:
            X = X.reshape(1, -1)  # one sample (a softmax or unit norm along the vector, as Keras); a number as (1, 1)
        rebuild = self.built and tuple(X.shape[1:]) != tuple(self.input_shape)
        if rebuild and not follows_shape(self):
            raise ValueError(
                f"{label} was built for inputs of shape (None, {', '.join(map(str, self.input_shape))}), "
                f"but it was called on an input of shape {given_shape}."
            )
        if not self.built or rebuild:
            given = self.dtype
            self.dtype = standardize_dtype(given)  # the weights' dtype
            build_layer(self, X.shape[1:])
            if not self.weights:
                self.dtype = given  # a layer without weights can still join a model of any dtype
        if not is_numpy():
            X = from_numpy(X)  # into the active namespace (and onto its device)
        caches = {k: self.__dict__[k] for k in _PASS_CACHES if k in self.__dict__}
        buffers, self._buffers = self._buffers, {}  # a training pass must not overwrite the step's arrays
        try:
            Y = self.forward(X, training=bool(training))
        finally:
            self._buffers = buffers
            for k in _PASS_CACHES:
                self.__dict__.pop(k, None)
            self.__dict__.update(caches)
        if len(given_shape) < 2:
            Y = get_namespace().reshape(Y, given_shape)
        if self.activity_regularizer is not None:  # Keras's layer.losses after layer(x) (a vector: over its length)
            self._activity_losses = [activity_penalty(self.activity_regularizer, Y)]
        # forward may hand back its input, a view of it, or (on another namespace) an array
        # that is not known to be new: the caller gets an array of its own
        if is_numpy() and not np.may_share_memory(Y, X):
            return Y
        return copy(Y)

    def _check_namespace(self):
        """A ValueError when the layer's arrays are not of the active namespace (as a model's
        ``_check_namespace``): mixed, torch or NumPy raised their own TypeError or AttributeError."""
        arrays = [*self.params.values(), *self.state.values()]
        if arrays and isinstance(arrays[0], np.ndarray) != is_numpy():
            built = "numpy" if isinstance(arrays[0], np.ndarray) else type(arrays[0]).__module__.split(".")[0]
            raise ValueError(
                f"{self._label()} was built with the array namespace {built}, but {namespace_name()} is active: use "
                f"it where it was built (glassnet.backend.namespace({built!r})), or create it anew in the active one.")

    def count_params(self):
        """How many numbers the layer's weights hold (trainable or not), as Keras."""
        if not self.built:
            raise ValueError(
                f"You tried to call count_params on {self._label()}, but the layer isn't built. Build it with "
                "layer.build(input_shape), call it on a batch, or build its model first."
            )
        return sum(math.prod(w.shape) for w in self.weights)

    @property
    def trainable_weights(self):
        """The live arrays training updates, in Keras's order: the layer's parameters
        (not batch-norm moving statistics); none when the layer is frozen, as Keras."""
        if not (self.built and self.trainable):
            return []
        return [self._handed_out(k) for k in self.weight_names if k in self.params]

    def _handed_out(self, key):
        """``params[key]`` for the caller to keep, noted with its constraint: a custom loop's
        ``optimizer.apply_gradients`` applies it after the step, as Keras's."""
        constraints.note_handed_out(self, key, self.params[key])
        return self.params[key]

    @property
    def losses(self):
        """Keras's ``layer.losses``, as floats: the activity penalty of the last direct call
        (``layer(x)``, ``model(x)``; see :meth:`activity_penalty`), then :attr:`weight_losses`."""
        return [*self._activity_losses, *self.weight_losses]

    @property
    def weight_losses(self):
        """The weight penalties the loss adds for this layer, as floats (the regularizers of
        its trainable weights; none when it is frozen or has none)."""
        return []

    def weight_penalty(self, regularizer, key):
        """``regularizer(params[key])`` as a float, checked to be one number (see :func:`penalty`)."""
        name = self.keras_param_names.get(key, key)
        return penalty(regularizer, self.params[key], f"{name}_regularizer of layer {self.name!r}", f"the layer's {name}")

    def activity_penalty(self):
        """``R(Y) / n`` of the output ``Y`` of the model's last pass through the layer (0 before any)."""
        Y = getattr(self, "Y", None)
        return 0.0 if Y is None else activity_penalty(self.activity_regularizer, Y)

    def keep_activity(self, Y):
        """The model's forward pass keeps the output ``Y`` of a layer with an ``activity_regularizer``
        (its penalty and gradient read it) and clears the last direct call's penalty, as a pass of
        Keras's fit, evaluate or predict leaves none in ``losses``."""
        self.Y, self._activity_losses = Y, ()

    def add_activity_gradient(self, dY):
        """``dY + s · ∂R/∂Y / n``: the activity penalty's gradient joins the one from above
        before the layer's backward (``s``: the loss scale, see :meth:`add_penalty_gradient`)."""
        Y = self.Y
        grad = self.buffer("activity", Y.shape, Y.dtype)
        grad[...] = 0
        self.activity_regularizer.add_gradient(Y, grad, self.buffer("activity_tmp", Y.shape, Y.dtype))
        if Y.shape[0]:
            grad *= self._penalty_scale / Y.shape[0]
        grad += dY
        return grad

    @property
    def non_trainable_weights(self):
        """The live arrays training does not step (batch-norm moving statistics), in
        Keras's order; all the weights when the layer is frozen, as Keras."""
        if not self.built:
            return []
        return [self.params[k] if k in self.params else self.state[k] for k in self.weight_names
                if not self.trainable or k not in self.params]

    @classmethod
    def from_config(cls, config):
        """The layer :meth:`get_config` described (``cls(**config)``), with nested
        activation, initializer and regularizer configs created from their own
        registries, as ``glassnet.layers.deserialize`` does."""
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_config expects a dict (a get_config() result). "
                            f"Received: {config!r:.100}")
        return cls(**deserialize_nested(config))

    def build(self, input_shape):
        """Create the weights for inputs of shape ``(None, *input_shape)``."""
        self.input_shape = sample_shape(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def count_weights(self, input_shape):
        """How many numbers :meth:`build` would create for ``input_shape`` (without creating
        them: a model file's size is checked against it before anything is allocated)."""
        return 0

    def forward(self, X, training=False):
        raise NotImplementedError(self._missing("forward(X, training=False) -> Y"))

    def backward(self, dY):
        raise NotImplementedError(self._missing("backward(dY) -> dX (and grads[k] for each params[k])"))

    def add_weight(self, *args, **kwargs):
        """Keras's ``add_weight``, which glassnet's layers do without: refused with what to write."""
        raise NotImplementedError(
            f"{type(self).__name__} called Keras's add_weight, which glassnet's layers lack: create each "
            "trainable array in build as self.params['w'] = glassnet.initializers.get('random_normal')(shape) "
            "with its gradient self.grads['w'] of the same shape (non-trainable ones in self.state), list the keys "
            "in weight_names, and read them as self.params['w'] in forward(X, training) and backward(dY) (a model "
            "moves them into one buffer, so an attribute such as self.w would go stale); "
            "glassnet.check_gradients verifies the backward pass.")

    def _missing(self, method):
        """What a subclass without ``method`` lacks (one written for Keras has ``call(inputs)`` instead)."""
        keras = " (Keras's call(inputs) is not used: glassnet trains with the backward pass)" if hasattr(self, "call") else ""
        inner = [key for key, value in vars(self).items() if isinstance(value, Layer)]
        if hasattr(self, "call") and inner:  # a block of layers, as the subclassing guide's MLPBlock
            keras += (f". Its call applies the layers {', '.join(inner)}: subclass keras.Model instead of Layer, "
                      "whose call glassnet traces into the chain of layers it applies (and trains by their "
                      "backward passes), or make the block a Sequential of those layers")
        return (f"{type(self).__name__} defines no {method}: a glassnet layer computes forward(X, training) and "
                f"backward(dY){keras}.")

    def add_penalty_gradient(self, regularizer, W, G):
        """``G += s · ∂R/∂W`` for the weight ``W``'s regularizer ``R``, where ``s`` is the step's
        loss scale (``_penalty_scale``: 1, or a :class:`~glassnet.optimizers.LossScaleOptimizer`'s
        scale, which multiplies the whole loss, penalties included, before backprop)."""
        tmp = self.buffer("regularizer", W.shape, W.dtype)
        if self._penalty_scale == 1.0:
            regularizer.add_gradient(W, G, tmp)
            return
        penalty = self.buffer("penalty", W.shape, W.dtype)
        penalty[...] = 0
        regularizer.add_gradient(W, penalty, tmp)
        penalty *= self._penalty_scale
        G += penalty

    def buffer(self, key, shape, dtype, fill=None):
        """A reusable array for the training step (no allocation, hence no page
        faults, after the first batch of each size). ``fill``: a constant the
        array is filled with when created (for arrays that are only read)."""
        buf = self._buffers.get((key, shape, dtype))
        if buf is None:
            xp = get_namespace()
            buf = xp.empty(shape, dtype=dtype) if fill is None else xp.full(shape, fill, dtype=dtype)
            self._buffers[(key, shape, dtype)] = buf
        return buf

    def __getstate__(self):
        # Pickles carry weights and settings, not the last pass's activations
        # or the step's scratch arrays.
        state = {k: v for k, v in self.__dict__.items() if k not in _TRANSIENT}
        state["_buffers"] = {}
        return state

    @property
    def weights(self):
        """The layer's live weight arrays in Keras's order (``[]`` before it is
        built): writing into them changes the model, as Keras's variables do."""
        if not self.built:
            return []
        return [self._handed_out(k) if k in self.params else self.state[k] for k in self.weight_names]

    # Keras 3's names of the same lists (a subclass's own weights properties answer them too)
    variables = property(lambda self: self.weights)
    trainable_variables = property(lambda self: self.trainable_weights)
    non_trainable_variables = property(lambda self: self.non_trainable_weights)

    def get_weights(self):
        """Copies of the weight arrays (``[]`` before the layer is built), as Keras."""
        return [numpy_copy(w) for w in self.weights]

    def set_weights(self, weights):
        """Copy ``weights`` (shapes as :meth:`get_weights`) into the layer's arrays."""
        if not self.built:
            raise ValueError(f"Layer {self.name!r} is not built yet: build or fit its model before set_weights().")
        self._check_namespace()
        assign_weights(self.weights, weights, [f"weight {k!r}" for k in self.weight_names], f"Layer {self.name!r}")

    @property
    def adds_penalty(self):
        """Whether the layer adds a penalty to the loss (a weight regularizer; ActivityRegularization's
        activity penalty): the model adds :meth:`regularization_penalty` only then (every step asks).
        Layers with regularizers say when they have one; a layer of yours that overrides
        :meth:`regularization_penalty` always adds it."""
        return type(self).regularization_penalty is not Layer.regularization_penalty

    def regularization_penalty(self):
        return 0.0

    def parameter_paths(self):
        """Keras's ``variable.path`` of each array of ``params`` below the model's scope, in their
        order: "layer name/Keras weight name" ("dense/kernel", "batch_normalization/gamma")."""
        return [f"{self.name}/{self.keras_param_names.get(key, key)}" for key in self.params]

    def parameter_constraints(self):
        """``{key of params: constraint}``: training makes ``params[key] ← constraint(params[key])``
        after each update (Keras's ``kernel_constraint``); none here."""
        return {}

    def get_config(self):
        config = {"name": self.name}
        if getattr(self, "_dtype_given", None) is not None:  # Dense(2, dtype="float64") stays float64 (as Keras)
            config["dtype"] = self._dtype_given
        if not self.trainable:
            config["trainable"] = False
        if self.input_shape is not None and not self.built:
            config["input_shape"] = list(self.input_shape)
        config.update(training_entries(self, ("activity_regularizer",), regularizers))  # only when set, as Keras
        return config

    def _label(self):
        """``Layer 'dense' (Dense)``, or ``Layer Dense`` before a model names it, for messages."""
        return f"Layer {self.name!r} ({type(self).__name__})" if self.name else f"Layer {type(self).__name__}"

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


class InputLayer(Layer):
    """Declares the input shape (``layers.Input(shape=(784,))``); computes nothing.

    Keras's arguments, in Keras's order. ``batch_shape=(None, 784)`` is the same as
    ``shape=(784,)``; a batch size (``batch_size=8`` or ``batch_shape=(8, 784)``) is kept, as
    Keras keeps it: in ``shape``, the model's ``input_shape`` and their configurations and files
    (``fit`` still sets the batches); ``sparse`` and ``ragged`` must be None or False,
    ``input_tensor`` None and ``optional`` False (glassnet has no such inputs)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, input_shape=None):
        for key, value, meaning in (("sparse", sparse, "sparse inputs (a SciPy sparse x works in fit without it)"),
                                    ("ragged", ragged, "ragged inputs")):
            if not is_one_of(value, (None, False)):
                raise ValueError(f"glassnet's Input has no {meaning}: {key} must be None or False. "
                                 f"Received: {key}={value!r:.80}")
        if input_tensor is not None:
            raise ValueError("glassnet's Input takes no tensor (a functional model starts from Input(shape=...)): pass "
                             "input_tensor=None. "
                             f"Received: input_tensor={input_tensor!r:.80}")
        if optional is not False:
            raise ValueError(f"glassnet's inputs cannot be None: optional must be False. Received: optional={optional!r}")
        batch_size = check_positive_int(batch_size, "batch_size", allow_none=True)
        if input_shape is not None:  # Keras's older name, still accepted by Keras 3
            if shape is not None:
                raise ValueError("Give InputLayer shape= or input_shape=, not both.")
            shape = input_shape
        if batch_shape is not None:
            if shape is not None:
                raise ValueError("Give Input shape= or batch_shape=, not both (batch_shape is (batch_size, *shape)).")
            if not isinstance(batch_shape, (tuple, list)) or len(batch_shape) < 2:
                raise TypeError("batch_shape must be a tuple (batch_size or None, *shape), such as (None, 784). "
                                f"Received: batch_shape={batch_shape!r:.100}")
            size = check_positive_int(batch_shape[0], "batch_shape[0]", allow_none=True)
            if size is not None and batch_size is not None and size != batch_size:
                raise ValueError(f"batch_shape[0]={size} and batch_size={batch_size} disagree.")
            shape = tuple(batch_shape[1:])
            batch_size = size if batch_size is None else batch_size
        if shape is None:
            raise ValueError("Input requires shape=(n_features,). Received: shape=None")
        # Keras's Input(shape=(maxlen,), dtype="int32") of token ids for an Embedding: the inputs' type, which
        # glassnet reads from the data; the layers compute in the model's float dtype
        integer = _integer_dtype(dtype)
        super().__init__(name=name, input_shape=shape, dtype=None if integer else dtype)
        # Keras's Input(...).dtype: the one given, else floatx() (read by no model: they compute in their own)
        self.dtype = integer or self.dtype or standardize_dtype(None)
        if integer:  # kept in get_config, as Keras's: from_config gave a float32 Input of an int32 one
            self._dtype_given = integer
        self.batch_size = batch_size

    @property
    def shape(self):
        """The inputs' shape with the batch axis, ``(None, 784)`` (``(8, 784)`` given a batch size), as
        Keras's ``Input(shape=(784,)).shape``."""
        return (self.__dict__.get("batch_size"), *self.input_shape)

    def get_config(self):
        config = super().get_config()
        if self.__dict__.get("batch_size") is not None:  # as Keras's batch_shape: from_config gave (None, 3)
            config["batch_size"] = self.batch_size
        return config

    # the Input is the chain's first tensor: inputs / 255.0, inputs[:, 0] or np.tanh(inputs) met Python's and
    # NumPy's bare errors ("unsupported operand type(s)", "loop of ufunc does not support..."), and np.asarray
    # made an object array of it, where a layer's output says what to write instead
    __array__ = ChainTensor.__array__
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = ChainTensor._arithmetic
    __matmul__ = __rmatmul__ = __pow__ = __neg__ = __getitem__ = ChainTensor._arithmetic


def _integer_dtype(dtype):
    """The name of ``dtype`` when it is an integer or bool type (``"int32"``, ``np.int64``), else None."""
    if dtype is None or isinstance(dtype, bool):
        return None
    try:
        found = np.dtype(dtype)
    except (TypeError, ValueError):
        return None
    return found.name if found.kind in "iub" else None


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """``keras.Input`` (its arguments, in its order): the input shape of a
    :class:`~glassnet.models.Sequential` model (see :class:`InputLayer`), or the start of a
    functional chain (``Dense(64)(Input(shape=(784,)))``; see :class:`~glassnet.models.Model`)."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, ragged=ragged,
                      batch_shape=batch_shape, input_tensor=tensor, optional=optional, name=name)


class OneWeightPenalty:
    """``weight_losses``, ``regularization_penalty`` and ``parameter_constraints`` of a layer whose one
    weight ``params[penalized_weight]`` ("alpha", "embeddings") has the regularizer
    ``<penalized_weight>_regularizer`` and the constraint ``<penalized_weight>_constraint``
    (PReLU, Embedding); listed before :class:`Layer` among the bases."""

    penalized_weight = None

    def _penalty_parts(self):
        key = self.penalized_weight
        return key, getattr(self, f"{key}_regularizer"), getattr(self, f"{key}_constraint")

    @property
    def adds_penalty(self):
        return getattr(self, f"{self.penalized_weight}_regularizer") is not None

    @property
    def weight_losses(self):
        key, regularizer, _ = self._penalty_parts()
        if not (self.built and self.trainable) or regularizer is None:
            return []
        return [self.weight_penalty(regularizer, key)]

    def regularization_penalty(self):
        key, regularizer, _ = self._penalty_parts()
        return 0.0 if regularizer is None else self.weight_penalty(regularizer, key)

    def parameter_constraints(self):
        key, _, constraint = self._penalty_parts()
        return {} if constraint is None else {key: constraint}
