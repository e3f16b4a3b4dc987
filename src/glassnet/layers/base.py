"""The layer contract (STYLE.md rule 2).

A layer has ``build(input_shape)``, ``forward(X, training) -> Y`` and
``backward(dY) -> dX``; its trainable arrays live in ``params`` and their
gradients in ``grads`` under the same keys (``params["W"]``, ``grads["W"]``),
non-trainable arrays (batch-norm statistics) in ``state``. ``weight_names``
gives the order of :meth:`get_weights`, as Keras orders them.

Once a model is built it moves every array of ``params``/``grads`` into one
flat buffer and puts views back in the dicts, so a layer must update its
arrays in place (``out=``, ``[...] =``) and never rebind them.

The helpers of the layer modules live beside it, and every name defined here before is
imported here still: ``_config`` (config entries), ``_arguments`` (Keras's keyword arguments),
``_building`` (``sample_shape``, ``build_layer``), ``_weights``, ``_penalties``, ``_symbolic``
(``ChainTensor``, ``check_training``, the functional chain) and ``input_layer`` (``Input``).
"""

import functools
import inspect
import math
import numbers

import numpy as np

from .. import constraints, regularizers
from .._custom_objects import from_config_takes_custom_objects
from .._validation import check_array, check_bool, check_positive_int, check_shape
from ..dtype_policies import DTypePolicy, PolicyAttributes, build_in_its_dtype, policy_name
from ..variables import handed_out
from ..backend import (copy, from_numpy, get_namespace, is_numpy, namespace_name, numpy_copy, numpy_dtype,
                       standardize_dtype)
from ._arguments import _KERAS_1_NAMES, _accepted, _check_extra_kwargs, _is_default, _keras_defaults  # noqa: F401
from ._building import build_layer, follows_shape, in_model, sample_shape  # noqa: F401
from ._config import (_IN_MEMORY, _NESTED, config_entry, deserialize_nested, in_memory_configs,  # noqa: F401
                      initializer_entries, snake_case, training_entries)
from ._penalties import OneWeightPenalty, activity_penalty, penalty  # noqa: F401
from ._symbolic import (_TRACING, TRACED_TRAINING, ChainTensor, _chained, _Symbolic, _TracedTraining,  # noqa: F401
                        check_training)
from ._weights import NotBuiltError, assign_weights, weight_attribute  # noqa: F401


# (and the layer's node, layer.output: its chain holds models, whose unpickling would meet the layer half made;
# an unpickled model gives its layers their places again, Sequential.__setstate__)
_TRANSIENT = ("X", "Z", "A", "Y", "delta", "mask", "X_hat", "inv_std", "in_shape", "_owner", "_node", "_variables")

#: what forward leaves behind for backward (and for diagnostics): ``Layer.__call__`` puts them back
_PASS_CACHES = ("X", "Z", "A", "Y", "delta", "mask", "X_hat", "inv_std", "in_shape", "training")

class _NoPass:
    """A pass cache (``layer.Z``) the layer does not hold: a clear AttributeError where ``backward`` reads it
    (a class attribute, so a kept one, in the layer's own ``__dict__``, is read as before)."""

    def __init__(self, name):
        self.name = name

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        raise AttributeError(f"{layer._label()} keeps no forward pass ({self.name!r}): call layer.forward(x, "
                             "training=True) before layer.backward(dY) (layer(x) is an inference call and keeps "
                             "nothing for backward)")


class _Weights(dict):
    """A layer's ``params`` and ``state``: a key read before any build is a clear NotBuiltError (a ValueError),
    not a bare ``KeyError: 'W'`` (``layer.forward(X)`` on an unbuilt layer)."""

    __slots__ = ()

    def __missing__(self, key):
        if self:
            raise KeyError(key)
        raise NotBuiltError(f"the layer has no weight {key!r}: it isn't built. Build it with "
                         "layer.build(input_shape) or call it on a batch, layer(x), before layer.forward(X).")


#: how many times a named layer was renamed (``layer.name = ...``): a model's index of its layers'
#: names (Sequential._name_index) is read again after any
RENAMES = [0]


def check_batch_shape(input_shape, kind):
    """``input_shape`` as a tuple with the batch axis first, as Keras's ``compute_output_shape`` takes it:
    each size None (unknown) or a whole number; a TypeError or ValueError naming the layer ``kind`` else."""
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or not all(d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 0)
                                for d in shape):
        raise TypeError(f"{kind}.compute_output_shape takes a tuple of sizes (None or whole numbers), the batch axis "
                        f"first, such as (None, 784). Received: input_shape={input_shape!r:.100}")
    if not shape:
        raise ValueError(f"{kind}.compute_output_shape takes a shape with the batch axis first, as Keras's, such as "
                         "(None, 784); () has no axis. Received: input_shape=()")
    return tuple(d if d is None else int(d) for d in shape)


def check_name(name):
    """A layer's or model's ``name``: None or text (as Keras: files, get_layer and summary show it)
    without a NUL character or a surrogate code point, which no HDF5 or UTF-8 file can write (a .gn
    file held them, and summary(), save_weights and export then failed with a codec's or HDF5's error,
    far from the name's cause)."""
    if name is None:
        return None
    if not isinstance(name, str):
        raise TypeError(f"name must be a string. Received: name={name!r:.100} of type {type(name).__name__}")
    if "\0" in name or not name.isascii() and any("\ud800" <= c <= "\udfff" for c in name):
        raise ValueError(f"name must be text without NUL characters or surrogate code points (U+D800 to U+DFFF), "
                         f"which no file (HDF5, UTF-8) or summary can write. Received: name={name!r:.100}")
    return name


class _ConstructorSignature:
    """A layer class's ``inspect.signature`` (``help()``, IDEs), as Python 3.11+ finds it on every version: from
    the ``__new__`` or ``__init__`` nearest in the MRO (``__init__``'s without ``self``). Python 3.10 took an
    inherited ``__new__`` first: a class whose ``__init__`` is its base's (GlobalAveragePooling1D) showed
    ``Layer.__new__``'s ``(*args, **kwargs)``. None, which inspect passes over, on an instance (its ``__call__``)
    and where a ``__new__`` is nearest (inspect's own answer, that ``__new__``'s)."""

    def __get__(self, instance, owner):
        if instance is not None:
            return None
        for cls in owner.__mro__:
            if "__new__" in cls.__dict__:
                return None
            if "__init__" in cls.__dict__:
                init = inspect.signature(cls.__dict__["__init__"])
                return init.replace(parameters=list(init.parameters.values())[1:])
        return None


class Layer(PolicyAttributes):
    """The base of every layer: ``build(input_shape)``, ``forward(X, training) -> Y`` and
    ``backward(dY) -> dX``, its arrays in ``params``, ``grads`` and ``state`` (see the module
    docstring). ``name``, ``input_shape``/``input_dim`` (on a first layer), ``dtype`` and
    ``trainable`` as Keras's (``autocast``: True only, as each input is cast to the layer's dtype);
    an unknown keyword argument is a ``TypeError`` naming the layer."""

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
    #: a built layer whose weights fit inputs of any shape (Normalization(axis=None): one mean and variance)
    any_shape = False
    #: the penalties ``R(Y) / n`` of the layer's output in its last direct call (``layer(x)``,
    #: ``model(x)``), as Keras's ``layer.losses`` lists them; a model's forward pass clears them
    _activity_losses = ()
    #: (a layer pickled before layers took activity_regularizer has none)
    activity_regularizer = None
    #: Keras's attribute: inputs are cast to the layer's dtype (``autocast=False`` is refused)
    autocast = True
    input = _Symbolic()
    output = _Symbolic()
    #: what a pass keeps, read here only where the layer holds none of its own: a clear AttributeError
    X, Z, A, Y, delta, mask, X_hat, inv_std, in_shape, training = map(_NoPass, _PASS_CACHES)
    __signature__ = _ConstructorSignature()

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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        base = next(k for k in cls.__mro__ if "forward" in vars(k))
        if "call" in cls.__dict__ and base is not cls and base is not Layer and base.__module__.startswith("glassnet."):
            # Keras's call over a built-in layer's forward (Géron's MCDropout): glassnet runs forward, so the call
            # was silently never run. (A class that defines forward runs it, and a user's own base's forward may run
            # self.call: a template method.)
            raise TypeError(
                f"{cls.__name__} overrides call, which glassnet's layers never run: they compute forward(X, training) "
                f"and backward(dY), so {cls.__name__} would run {base.__name__}'s forward unchanged. Override forward "
                "instead, e.g. for Monte-Carlo dropout: def forward(self, X, training=False): return super().forward(X, "
                "training=True)")
        if "build" in cls.__dict__:  # every layer class's build, a user's own too (as Keras wraps it)
            cls.build = build_in_its_dtype(cls.__dict__["build"])
            if cls.__module__.split(".")[0] != "glassnet":  # a user's: its arrays checked once it returns too
                build = cls.build  # (one that made them after super().build() escaped the check there)

                @functools.wraps(build)  # (build_in_its_dtype's mark kept)
                def build_and_check(self, *args, **kwargs):
                    result = build(self, *args, **kwargs)
                    self._check_listed_params()
                    return result

                cls.build = build_and_check

    def __init__(self, name=None, input_shape=None, input_dim=None, dtype=None, trainable=True,
                 activity_regularizer=None, autocast=True, **kwargs):
        _check_extra_kwargs(type(self), kwargs)
        if not check_bool(autocast, "autocast"):
            raise ValueError(f"glassnet's {type(self).__name__} takes autocast=True only: a layer computes in its one "
                             "dtype and casts every input to it (Keras's autocast=True). Keras's autocast=False leaves "
                             "a float input in its own dtype and a mixed policy's float32 weights uncast, which "
                             "glassnet cannot do: give the layer the dtype to compute in (dtype='float64').")
        #: Keras's: ``R(Y) / n`` of the layer's output ``Y`` (``n`` its rows) joins the loss; the
        #: model keeps ``Y`` after the layer's forward (:meth:`activity_penalty`, :meth:`add_activity_gradient`)
        self.activity_regularizer = regularizers.get(activity_regularizer, "activity_regularizer")
        if input_dim is not None:
            input_shape = (check_positive_int(input_dim, "input_dim"),)
        if input_shape is not None:
            input_shape = check_shape(input_shape, "input_shape")
        self.input_shape = input_shape
        self.name = check_name(name)
        self.dtype = None if dtype is None else standardize_dtype(dtype)
        self._dtype_given = self._own_dtype  # kept in get_config (a build sets self.dtype to the model's)
        # Keras's policy of the layer, fixed now as Keras's: the one given, else the global one now. A layer
        # given none keeps _own_dtype None until it is built (build_in_its_dtype), so a model can give it its own
        self._policy_name = policy_name(dtype)
        #: False freezes the layer, as Keras: training leaves its weights as they are (a frozen
        #: BatchNormalization also runs in inference mode); it takes effect at the next fit
        self.trainable = check_bool(trainable, "trainable")
        self.params, self.grads, self.state = _Weights(), {}, _Weights()
        self._buffers = {}
        self.built = False
        self.output_shape = None
        # Set by the model: the first trainable layer need not compute dX.
        self.needs_input_gradient = True

    @property
    def dtype(self):
        """Keras's ``layer.dtype``: the dtype of the layer's weights, given, its model's, else its policy's
        (``"float32"`` by default), never None, as Keras's; ``_own_dtype`` is None until one is set."""
        own = self.__dict__.get("dtype")
        return own if own is not None else self.variable_dtype

    @dtype.setter
    def dtype(self, value):
        self.__dict__["dtype"] = value  # (kept under "dtype", where pickles of older layers hold it)

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

    def __call__(self, inputs, training=None, mask=None):
        """The layer's outputs for the batch ``x`` (samples along the first axis) as a new
        array, as Keras's ``layer(x)`` (or ``layer(inputs=x)``); ``training=True`` runs the training-mode pass
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
        arrays are kept untouched. A layer of no model keeps nothing for :meth:`backward` (an inference call): run
        ``layer.forward(x, training=True)`` before ``layer.backward(dY)``. ``mask``: Keras's, None only (glassnet
        has no masks)."""
        if mask is not None:  # (Python's "unexpected keyword argument 'mask'" named no reason)
            raise ValueError(f"glassnet has no masks (its layers take whole samples): {self._label()} takes mask=None "
                             "only. Leave out the masked positions, or give them values that change nothing.")
        x = inputs
        if isinstance(x, (InputLayer, ChainTensor)):  # Keras's functional API: a chain of layers
            return _chained(self, x, training)
        training = check_training(training) or False  # None, Keras's "not in fit": inference
        weights = self.weights
        label = self._label()
        self._check_namespace()
        dtype = numpy_dtype(weights[0]) if weights else self.variable_dtype
        X = check_array(x, name=f"the input of {label}", ndim=0 if self.takes_vectors else 2, allow_nd=True,
                        dtype=dtype, finite=False)
        given_shape = X.shape
        if X.ndim < 2:
            X = X.reshape(1, -1)  # one sample (a softmax or unit norm along the vector, as Keras); a number as (1, 1)
        shapeless = self.built and self.input_shape is None  # (built with no input shape: Embedding.build())
        rebuild = self.built and not shapeless and tuple(X.shape[1:]) != tuple(self.input_shape) and not self.any_shape
        if rebuild and not follows_shape(self):
            raise ValueError(
                f"{label} was built for inputs of shape (None, {', '.join(map(str, self.input_shape))}), "
                f"but it was called on an input of shape {given_shape}."
            )
        if not self.built or rebuild or shapeless:
            given = self._own_dtype
            self.dtype = self.variable_dtype  # the weights' dtype: given, else the policy of the layer's making
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
            if in_model(self):  # (a layer of no model keeps none: a backward after it must not use a stale pass)
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
        """``params[key]`` for the caller to keep, as a :class:`~glassnet.variables.Variable` (Keras's
        ``name``, ``path``, ``assign``...), noted with its constraint: a custom loop's
        ``optimizer.apply_gradients`` applies it after the step, as Keras's. ``state[key]`` likewise,
        without a constraint."""
        if key not in self.params:
            return handed_out(self, key, self.state[key])
        variable = handed_out(self, key, self.params[key])
        constraints.note_handed_out(self, key, variable)
        return variable

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
        return [self._handed_out(k) for k in self.weight_names if not self.trainable or k not in self.params]

    @classmethod
    @from_config_takes_custom_objects
    def from_config(cls, config):
        """The layer :meth:`get_config` described (``cls(**config)``), with nested
        activation, initializer and regularizer configs created from their own
        registries, as ``glassnet.layers.deserialize`` does (a custom one found in
        ``custom_objects``, as Keras's wrappers and preprocessing layers take it)."""
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_config expects a dict (a get_config() result). "
                            f"Received: {config!r:.100}")
        return cls(**deserialize_nested(config))

    @build_in_its_dtype
    def build(self, input_shape):
        """Create the weights for inputs of shape ``(None, *input_shape)``, in the layer's dtype: given, a
        model's, else the policy of the layer's making.

        A subclass creates each trainable array as ``self.params[key]`` with its gradient ``self.grads[key]``
        (same shape and dtype), non-trainable ones in ``self.state``, in ``self.dtype``, lists the keys in
        ``weight_names`` (the order of :meth:`get_weights`), then calls ``super().build(input_shape)``, which
        sets ``input_shape``, ``output_shape`` and ``built``. ``input_shape`` is one sample's shape, ``(784,)``
        (or Keras's ``(None, 784)`` when called by hand): ``input_shape[-1]`` is the features either way."""
        # (a trainable array a user's build left out of weight_names was trained but neither counted, saved nor
        # loaded, silently; self.state may hold a constant buffer that build remakes, and glassnet's
        # Normalization keeps given statistics out of the weights on purpose, as Keras's)
        self._check_listed_params()
        self.input_shape = sample_shape(input_shape)
        self.output_shape = self.sample_output_shape(self.input_shape)
        self.built = True

    def _check_listed_params(self):
        """Refuse an array of ``self.params`` that ``weight_names`` leaves out, where a build of the user's runs
        (here, and again after it returns: one that creates arrays after ``super().build()`` escaped the first)."""
        unlisted = [key for key in self.params if key not in self.weight_names]
        if unlisted and any("build" in vars(klass) for klass in type(self).__mro__
                            if klass.__module__.split(".")[0] != "glassnet"):
            them = "it, so it" if len(unlisted) == 1 else "them, so they"
            raise ValueError(f"{self._label()} holds {', '.join(map(repr, unlisted))} in "
                             f"self.params, but its weight_names {tuple(self.weight_names)} does "
                             f"not list {them} would not be counted, saved or loaded. List every key: "
                             f"weight_names = {(*self.weight_names, *unlisted)}.")

    def compute_output_shape(self, input_shape):
        """The output shape for inputs of shape ``input_shape``, as Keras's: both with the batch axis first,
        None or a size (``Dense(5)``: ``(None, 3) -> (None, 5)``, ``(8, 3) -> (8, 5)``); here the shape
        unchanged, as a layer that computes elementwise gives it."""
        return tuple(input_shape)

    def sample_output_shape(self, sample_shape):
        """The shape of one output sample for input samples of shape ``sample_shape`` (``(784,)``,
        without the batch axis), as glassnet's own shape walks (build, functional chains, model files)
        read it: :meth:`compute_output_shape` of ``(None, *sample_shape)`` without its batch axis. A layer of
        yours that defines no ``compute_output_shape`` has it read from its forward run on one row of zeros
        (a copy of it: see :meth:`_inferred_output_shape`), as Keras runs ``call``."""
        if self._infers_output_shape():
            out = self._inferred_output_shape(sample_shape)
            if out is not None:
                return out
        given = (None, *sample_shape)
        out = tuple(self.compute_output_shape(given))
        # (a compute_output_shape written for sample shapes, (784,) -> (units,), drops the batch axis: said here,
        # where its result would lose an axis)
        if not out or out[0] is not None:
            raise ValueError(f"{self._label()}'s compute_output_shape must keep the batch axis first, as Keras's "
                             f"(input_shape[0], ...): it takes shapes with the batch axis. Received: "
                             f"compute_output_shape({given}) returned {out}")
        return out[1:]

    def count_weights(self, input_shape):
        """How many numbers :meth:`build` would create for ``input_shape`` (without creating
        them: a model file's size is checked against it before anything is allocated)."""
        return 0

    def forward(self, X, training=False):
        """The outputs ``Y`` of the batch ``X`` (``(n, *input_shape)``, samples first), of shape
        ``(n, *output_shape)``; to override.

        Keep on ``self`` what :meth:`backward` needs (``self.X = X``): a training step calls ``backward``
        right after ``forward`` of the same batch. ``training`` is True in training steps (``fit``,
        ``train_on_batch``: dropout active, batch statistics), False in ``evaluate``, ``predict`` and
        ``layer(x)`` (unless called with ``training=True``). Read the weights as
        ``self.params[key]`` at each call: a model moves them into its flat buffer, so an attribute holding
        one would go stale."""
        raise NotImplementedError(self._missing("forward(X, training=False) -> Y"))

    def backward(self, dY):
        """Given ``dY = ∂J/∂Y`` of the batch's loss (the shape of the last ``forward``'s ``Y``; the loss's
        reduction over the batch, the mean's ``1/n``, already in it: sum over the rows), write
        ``∂J/∂params[key]`` into ``self.grads[key]`` and return ``dX = ∂J/∂X`` (the shape of ``X``); to override.

        Write the gradients in place, ``self.grads["w"][...] = self.X.T @ dY``: in a model the arrays are views
        of its flat gradient that still hold the last step's values, so ``+=`` would train on their sum. A
        layer with a regularizer adds its penalty's gradient there too (:meth:`add_penalty_gradient`). The
        model ignores ``dX`` of its first trainable layer (``needs_input_gradient`` is False there: it may
        return None). ``glassnet.check_gradients`` compares the result with finite differences."""
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

    def add_loss(self, loss):
        """Keras's ``add_loss``, which glassnet lacks: refused with what to write instead."""
        raise NotImplementedError(self._add_loss_refused(type(self).__name__))

    @staticmethod
    def _add_loss_refused(owner):
        """What Keras's ``add_loss``, called by the layer or model class named ``owner``, is refused with:
        the term would have no backward pass here, and what to write instead."""
        return (f"{owner} called Keras's add_loss, which glassnet lacks: glassnet differentiates by each layer's "
                "backward pass, not by autodiff of your code, so a loss term added in a forward pass or a model's "
                "call would have no gradient. For a penalty on a layer's output, give the layer activity_regularizer= "
                "(as Dense(8, activity_regularizer='l2')) or put layers.ActivityRegularization(l1=..., l2=...) after "
                "it: fit adds R(Y) / n to the loss and its gradient to the backward pass, and model.losses lists it. "
                "For any other term, write your own training loop (model.gradients, then optimizer.apply_gradients) "
                "and add the term to the loss there, and its gradient to the gradients.")

    def _forward_is_yours(self):
        """Whether the layer's class has a ``forward`` of its own written outside glassnet (a layer of yours)."""
        module = getattr(type(self).forward, "__module__", None) or ""
        return module != "glassnet" and not module.startswith("glassnet.")

    def _infers_output_shape(self):
        """Whether the output shape is read from a run of forward (:meth:`_inferred_output_shape`), as Keras's
        ``compute_output_spec`` runs ``call`` for a layer without ``compute_output_shape``: a layer of yours
        with its own forward that declares no shape (Layer's, the input's unchanged); glassnet's declare theirs."""
        cls = type(self)
        return (cls.compute_output_shape is Layer.compute_output_shape and cls.sample_output_shape is
                Layer.sample_output_shape and self._forward_is_yours() and not self.__dict__.get("_probe"))

    def _inferred_output_shape(self, shape):
        """The shape of one output sample for input samples of shape ``shape``: that of forward run, in
        inference mode, on one row of zeros in the layer's dtype (Keras runs ``call`` on a symbolic input).

        The run is on a copy of the layer (built for ``shape`` first, where it has no weights for it yet), so
        that the layer is left as it was: its caches (``self.X``), counters, ``state`` and generators; the
        copy's build draws from a generator of its own, so the global one is left as it was too. None (the
        declared shape stands) for a shape with an unknown size, or an output without its batch axis of one
        row. A forward that fails on the zeros is a ValueError that names the layer and says to define
        ``compute_output_shape``; a NotImplementedError (Keras's ``add_weight``, ``add_loss``) is raised as it is."""
        from copy import deepcopy

        from ..backend import seeded

        shape = tuple(shape)
        if not all(isinstance(d, numbers.Integral) for d in shape):
            return None
        define = ("Define compute_output_shape(self, input_shape), which takes and returns shapes with the batch axis "
                  "first: (None, 4) -> (None, units).")
        try:
            probe = deepcopy(self)  # (__getstate__ leaves out the last pass's arrays, the layer's node and model)
        except Exception as exc:
            raise ValueError(f"{self._label()} defines no compute_output_shape, and glassnet cannot copy it to read its "
                             f"output shape from a run of its forward ({type(exc).__name__}: {exc}). {define}") from exc
        probe.__dict__["_probe"] = True  # its own build's shape walk takes the declared shape (no copy of the copy)
        with seeded(0):
            if tuple(probe.input_shape or ()) != shape or not (probe.built or probe.params or probe.state):
                probe.built = False  # (a copy made in the middle of the layer's build has its weights already)
                build_layer(probe, shape)
            weights = [*probe.params.values(), *probe.state.values()]
            X = np.zeros((1, *shape), dtype=numpy_dtype(weights[0]) if weights else probe.variable_dtype)
            try:
                with np.errstate(all="ignore"):  # (log 0, 0 / 0: only the shape is read)
                    Y = probe.forward(X if is_numpy() else from_numpy(X), training=False)
            except NotImplementedError:
                raise
            except Exception as exc:
                raise ValueError(f"{self._label()} defines no compute_output_shape, so glassnet reads its output shape "
                                 f"from its forward run on one row of zeros of shape {(1, *shape)}, as Keras runs call; "
                                 f"that run failed ({type(exc).__name__}: {exc}). {define}") from exc
        out = getattr(Y, "shape", None)
        if out is None or len(out) < 1 or out[0] != 1:
            return None
        return tuple(int(d) for d in out[1:])

    def _refuse_untracked_layers(self):
        """A ValueError when this layer, one of yours with its own forward, holds in its attributes (or in
        lists, tuples or dicts there) layers with weights that are not its own ``params``/``state``: glassnet
        tracks those only, so the inner layers' weights were left out of its weights, ``count_params``,
        training (fit changed nothing, silently) and files, where Keras's layers track the layers they hold.
        Called when the layer is built, or given built to a model (``build_layer``). A layer written for
        Keras, with ``call`` and no forward, is told what to write when it runs (:meth:`_missing`)."""
        if not self._forward_is_yours() or type(self).forward is Layer.forward:
            return
        own = {id(array) for array in (*self.params.values(), *self.state.values())}
        held = []
        for key, value in vars(self).items():
            if key in _TRANSIENT or key in ("params", "grads", "state", "_buffers"):
                continue
            items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else (value,)
            if any(isinstance(item, Layer) and item is not self and getattr(item, "built", False)
                   and any(id(array) not in own for array in (*getattr(item, "params", {}).values(),
                                                               *getattr(item, "state", {}).values()))
                   for item in items):
                held.append(f"self.{key}")
        if held:
            raise ValueError(
                f"{self._label()} holds layers with weights of their own ({', '.join(held)}), which a glassnet layer "
                "does not track: their weights would be left out of its weights, count_params and saved files, and "
                "training would not change them. Subclass glassnet.Model instead of Layer, whose call glassnet "
                "traces into the chain of the layers it applies (each trained by its own backward pass), or make the "
                "block a Sequential of those layers; or keep the arrays in this layer's self.params (their "
                "gradients in self.grads, the keys in weight_names).")

    def _missing(self, method):
        """What a subclass without ``method`` lacks (one written for Keras has ``call(inputs)`` instead)."""
        keras = " (Keras's call(inputs) is not used: glassnet trains with the backward pass)" if hasattr(self, "call") else ""
        inner = [key for key, value in vars(self).items() if isinstance(value, Layer)]
        if hasattr(self, "call") and inner:  # a block of layers, as the subclassing guide's MLPBlock
            keras += (f". Its call applies the layers {', '.join(inner)}: subclass keras.Model instead of Layer, "
                      "whose call glassnet traces into the chain of layers it applies (and trains by their "
                      "backward passes), or make the block a Sequential of those layers; a call that combines "
                      "their outputs (a gated product a(x) * b(x), a residual x + f(x)) is no chain: write it as "
                      "one Layer that keeps all their weights in self.params, with its own forward and backward "
                      "(docs/api.md, \"Your own layer\")")
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
        return [self._handed_out(k) for k in self.weight_names]

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
            raise ValueError(f"{self._label()} is not built yet: call it on data or layer.build(input_shape) (or build "
                             "or fit its model) before set_weights().")
        self._check_namespace()
        names = [f"weight {self.keras_param_names.get(k, k)!r}" for k in self.weight_names]  # Keras's: kernel, not W
        assign_weights(self.weights, weights, names, self._label())

    @property
    def adds_penalty(self):
        """Whether the layer adds a penalty to the loss (a weight regularizer; ActivityRegularization's
        activity penalty): the model adds :meth:`regularization_penalty` only then (every step asks).
        Layers with regularizers say when they have one; a layer of yours that overrides
        :meth:`regularization_penalty` always adds it."""
        return type(self).regularization_penalty is not Layer.regularization_penalty

    def regularization_penalty(self):
        """The penalty the layer's weights add to the loss, a float: its weight regularizers' ``R(W)`` (0.0
        here). A subclass that overrides it adds ``∂R/∂W`` to ``grads`` in :meth:`backward`; the model adds the
        penalty of a layer that trains only (a frozen layer's weights are constants)."""
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
        """The layer's constructor arguments as a dict, which :meth:`from_config` (``cls(**config)``) and model
        files read: here ``name``, and ``dtype``, ``trainable``, ``input_shape`` (before the build) and
        ``activity_regularizer`` where they are not the defaults. A layer with arguments of its own returns
        ``{**super().get_config(), "units": self.units}``."""
        config = {"name": self.name}
        given, own = getattr(self, "_dtype_given", None), self.__dict__.get("_policy_name")
        # the layer's policy, given or not float32 (Dense(2) made under set_global_policy("float64")): from_config
        # makes it again as Keras's (Dense(2, dtype="float64") stays float64); not when a model gave the layer
        # another dtype: the model's config holds that one
        if own is not None and (given is not None or own != "float32") and (
                self._own_dtype is None or self.dtype == DTypePolicy(own).variable_dtype):
            config["dtype"] = own
        elif given is not None:
            config["dtype"] = given
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
        # <Dense name='dense', units=3>; before a model names it <Dense name=None, units=3>: the name, and the
        # layer's first constructor argument where that one has no default (units, rate, activation, target_shape)
        shown = f"name={self.name!r}"
        try:
            first = next(iter(p for p in inspect.signature(type(self).__init__).parameters.values()
                              if p.name != "self"), None)
        except (TypeError, ValueError):  # (an __init__ without a signature)
            first = None
        if first is not None and first.default is first.empty and first.kind in (first.POSITIONAL_ONLY,
                                                                                 first.POSITIONAL_OR_KEYWORD):
            try:
                value = repr(getattr(self, first.name))
            except Exception:  # (not kept under its name, or a property that fails: the name alone)
                value = None
            if value is not None:
                shown += f", {first.name}={value if len(value) <= 60 else value[:57] + '...'}"
        return f"<{type(self).__name__} {shown}>"


# (after Layer, which InputLayer subclasses; Layer.__call__ reads it from here)
from .input_layer import Input, InputLayer, _integer_dtype  # noqa: E402, F401
