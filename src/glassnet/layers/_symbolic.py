"""Keras's functional API as glassnet's chains: the :class:`ChainTensor` a layer called on
``Input(...)`` returns, a call's ``training`` (traced in a subclassed model's ``call``), and
``layer.input``/``layer.output``."""

import contextvars

import numpy as np

from ._building import follows_shape


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
        """``(None, ...)``, or ``(8, ...)`` after an ``Input`` given a batch size, as Keras's."""
        return (self.input.__dict__.get("batch_size"), *self.sample_shape)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def dtype(self):
        """As Keras's ``KerasTensor.dtype``: the last layer's dtype, else the input's ("float32" by default)."""
        for layer in reversed(self.layers):
            if layer._own_dtype is not None:
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

    def _index(self, key):
        # model.output[0] of code written for Keras's Model(inputs, [outputs]), whose model.output is that list of
        # one (model.input["x"] of Model({"x": inputs}, ...) the dict): glassnet's is the tensor itself
        if isinstance(key, str) or isinstance(key, int) and key in (0, -1):
            raise TypeError(f"{self!r} is one tensor, not a list or dict: a glassnet model's input and output are "
                            "the tensors themselves, where Keras's model.input and model.output keep the list or dict "
                            "of one given to Model (Model([inputs], [outputs])). Write model.output for "
                            "model.output[0] and model.input for model.input[0] or model.input[name] (model.outputs "
                            "and model.inputs are the lists); x[0] on a layer's output cannot be part of a glassnet "
                            "model.")
        ChainTensor._arithmetic(self, key)  # (self may be the InputLayer, which borrows it)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _arithmetic
    __matmul__ = __rmatmul__ = __pow__ = __neg__ = _arithmetic
    __getitem__ = _index


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
        mask = (" An array there is Keras's mask (layer(x, mask)), which glassnet's layers do not take: apply it to "
                "the inputs or outputs yourself, and pass training by name." if isinstance(training, (list, tuple))
                or len(getattr(training, "shape", ())) > 0 else "")
        raise TypeError(f"training must be True, False or None. Received: training={training!r:.100}.{mask}")
    return bool(training)


def _chained(layer, x, training=None):
    """``layer`` called on the symbolic ``x`` (an :class:`InputLayer` or a :class:`ChainTensor`);
    ``training`` True or False pins the layer to that mode in a call of the model given no
    training, as Keras's ``Dropout(0.5)(x, training=True)`` (see ``Sequential._chained``)."""
    from .input_layer import InputLayer  # (it imports this module)

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
    y = ChainTensor(source, (*layers, layer), layer.sample_output_shape(shape), models, pins)
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
