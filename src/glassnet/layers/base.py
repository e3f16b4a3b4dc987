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
import json
import math

import numpy as np

from .._validation import check_positive_int
from ..backend import from_numpy, get_namespace, numpy_copy, numpy_dtype, standardize_dtype


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


_TRANSIENT = ("X", "Z", "A", "delta", "mask", "X_hat", "inv_std", "in_shape", "_owner")


def assign_weights(targets, weights, names, owner):
    """Copy ``weights`` into the live arrays ``targets`` (called ``names`` in
    messages) once every count, shape and value has been checked, so that a
    bad list changes nothing."""
    weights = list(weights)
    if len(weights) != len(targets):
        raise ValueError(f"{owner} expects a list of {len(targets)} weight arrays. Received {len(weights)}.")
    values = []
    for name, target, value in zip(names, targets, weights):
        try:
            value = np.asarray(value, dtype=numpy_dtype(target))
        except (TypeError, ValueError):
            raise TypeError(f"{owner}: {name} must be an array of numbers. Received: {value!r:.80}") from None
        if value.shape != target.shape:
            raise ValueError(f"{owner}: {name} has shape {value.shape}; expected {target.shape}.")
        values.append(value)
    for target, value in zip(targets, values):
        target[...] = from_numpy(value)


class Layer:
    weight_names = ()
    #: set by fit from ``compile(jit_compile=...)``: train with glassnet.kernels' compiled loops
    jit_compile = False

    def __init__(self, name=None, input_shape=None, input_dim=None, dtype=None, trainable=True):
        if input_dim is not None:
            input_shape = (check_positive_int(input_dim, "input_dim"),)
        if input_shape is not None:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            input_shape = tuple(check_positive_int(d, "input_shape") for d in input_shape)
        self.input_shape = input_shape
        self.name = name
        self.dtype = None if dtype is None else standardize_dtype(dtype)
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
    def trainable_size(self):
        return sum(math.prod(v.shape) for v in self.params.values())

    def build(self, input_shape):
        """Create the weights for inputs of shape ``(None, *input_shape)``."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def count_weights(self, input_shape):
        """How many numbers :meth:`build` would create for ``input_shape`` (without creating
        them: a model file's size is checked against it before anything is allocated)."""
        return 0

    def forward(self, X, training=False):
        raise NotImplementedError

    def backward(self, dY):
        raise NotImplementedError

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
        return [self.params[k] if k in self.params else self.state[k] for k in self.weight_names]

    def get_weights(self):
        """Copies of the weight arrays (``[]`` before the layer is built), as Keras."""
        return [numpy_copy(w) for w in self.weights]

    def set_weights(self, weights):
        """Copy ``weights`` (shapes as :meth:`get_weights`) into the layer's arrays."""
        if not self.built:
            raise ValueError(f"Layer {self.name!r} is not built yet: build or fit its model before set_weights().")
        assign_weights(self.weights, weights, [f"weight {k!r}" for k in self.weight_names], f"Layer {self.name!r}")

    def regularization_penalty(self):
        return 0.0

    def get_config(self):
        config = {"name": self.name}
        if not self.trainable:
            config["trainable"] = False
        if self.input_shape is not None and not self.built:
            config["input_shape"] = list(self.input_shape)
        return config

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


class InputLayer(Layer):
    """Declares the input shape (``layers.Input(shape=(784,))``); computes nothing."""

    def __init__(self, shape=None, name=None, batch_size=None, dtype=None):
        if shape is None:
            raise ValueError("Input requires shape=(n_features,). Received: shape=None")
        super().__init__(name=name, input_shape=shape, dtype=dtype)


def Input(shape=None, name=None, batch_size=None, dtype=None):
    """``keras.Input``: the input shape of a :class:`~glassnet.models.Sequential` model."""
    return InputLayer(shape=shape, name=name, batch_size=batch_size, dtype=dtype)
