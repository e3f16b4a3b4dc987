"""Keras's subclassed models (``class MyModel(keras.Model)`` with a ``call``) whose call is a chain.

Keras's guides and TensorFlow's tutorials write a model as a subclass of ``Model``, its layers
made in ``__init__`` and applied in ``call``::

    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.flatten = keras.layers.Flatten()
            self.d1 = keras.layers.Dense(128, activation="relu")
            self.d2 = keras.layers.Dense(10)

        def call(self, x):
            return self.d2(self.d1(self.flatten(x)))

glassnet runs no Python code of yours in fit: once the input shape is known (the first fit,
predict, ``model(x)`` or ``build``), ``call`` runs once on a symbolic input (a ``ChainTensor``), as
a functional ``Model(inputs, outputs)`` is built, and from then on the model is the
:class:`Sequential` of the layers and models it called, in that order. So ``call`` must be a chain:
each layer or model called once, on the output of the one before. Arithmetic on the tensors, a
layer called twice, a tensor used twice and a Python branch on ``training`` are refused, with what
to write instead.
"""

import copy
import inspect
import warnings

from ..layers import InputLayer, Layer
from ..layers.base import _TRACING, TRACED_TRAINING, ChainTensor
from .functional import chain_items
from .sequential import Sequential, _default_name, build_shape, refuse_keras_hooks


class SubclassedModel(Sequential):
    """The base of a subclass of ``Model`` (``class MyModel(keras.Model)``): a :class:`Sequential`
    whose layers are those its ``call`` chains, traced at the first build (see the module
    docstring). ``super().__init__(name=None, trainable=True, dtype=None, seed=None)``."""

    #: whether ``call`` takes ``training`` (given TRACED_TRAINING when traced), set per subclass
    _call_takes_training = False

    def __init_subclass__(cls, **kwargs):
        refuse_keras_hooks(cls, traced_call=True)  # train_step, compute_loss...: what to write instead
        if getattr(cls, "call", None) is None:
            raise TypeError(f"{cls.__name__} subclasses Model but defines no call: write call(self, x), which "
                            "applies the layers made in __init__ one after another, or write the network as "
                            "Sequential([...]) or Model(inputs, outputs).")
        parameters = list(inspect.signature(cls.call).parameters.values())[1:]  # (after self)
        inputs = [p.name for p in parameters if p.default is p.empty and p.name not in ("training", "mask")
                  and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(inputs) > 1:
            raise TypeError(f"{cls.__name__}.call takes {len(inputs)} inputs ({', '.join(inputs)}), but glassnet's "
                            "models have one input: a chain of layers. Join the inputs into one array before fit.")
        cls._call_takes_training = any(p.name == "training" or p.kind == p.VAR_KEYWORD for p in parameters)

    def __init__(self, *args, name=None, trainable=True, dtype=None, seed=None, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(f"{type(self).__name__} passes inputs and outputs to Model.__init__ (a functional "
                            "subclass), which glassnet cannot keep with the subclass: call super().__init__() "
                            "without them and apply the layers in call, or build Model(inputs, outputs) itself.")
        if kwargs:
            raise TypeError(f"Model.__init__() got unexpected keyword arguments {sorted(kwargs)}; a subclass passes "
                            "name, trainable, dtype or seed.")
        super().__init__(trainable=trainable, name=name, dtype=dtype, seed=seed)

    def __setattr__(self, name, value):
        # Keras tracks the layers given to attributes: model.layers lists them before the first build
        tracked = [value] if isinstance(value, (Layer, Sequential)) else (
            [v for v in value if isinstance(v, (Layer, Sequential))] if isinstance(value, (list, tuple)) else [])
        if tracked and not name.startswith("_"):
            if "_layers" not in self.__dict__:
                raise RuntimeError(f"{type(self).__name__}.__init__ sets self.{name} before calling "
                                   "super().__init__(): call super().__init__() first, as Keras asks.")
            # named as Keras names them, when made: in the order of the attributes and of a list's items
            # (self.blocks = [Dense(8) for _ in range(3)] named all three 'dense', and the trace refused them)
            names = {other.name for other in self.layers}
            for layer in tracked:
                if isinstance(layer, Layer) and layer.name is None:
                    layer.name = layer._default_named = _default_name(layer, names, {})
                names.add(layer.name)
            self.__dict__.setdefault("_assigned", {})[name] = tracked
        super().__setattr__(name, value)

    @property
    def layers(self):
        """The layers in the order ``call`` chains them (Keras lists them in the order of the
        attributes they were given to); before the first build, those attributes' layers, in
        their order (a nested model's layers in its place)."""
        if self._layers:
            return list(self._layers)
        return [layer for item in self._assigned_items() for layer in
                (item.layers if isinstance(item, Sequential) else [item])]

    def _assigned_items(self):
        """The layers and models given to attributes, in their order (what an unbuilt model's summary
        lists, a nested model as one row, as Keras's)."""
        return [item for items in self.__dict__.get("_assigned", {}).values() for item in items]

    def build(self, input_shape=None):
        if not self._layers and input_shape is not None:
            self._trace(build_shape(input_shape))
        super().build(input_shape)

    def _chained(self, x, training):
        if not self._layers:  # called in another chain (a functional model, another subclass's call)
            shape = x.input_shape if isinstance(x, InputLayer) else x.sample_shape
            self.build((None, *shape))
        return super()._chained(x, training)

    def _trace(self, shape):
        """Run ``call`` on a symbolic input of sample shape ``shape`` and take the layers it chains."""
        source = InputLayer(shape=shape)
        where = f"{type(self).__name__}.call, traced on inputs of shape {(None, *shape)}"
        kwargs = {"training": TRACED_TRAINING} if self._call_takes_training else {}
        traced = {}
        token = _TRACING.set(traced)
        try:
            outputs = self.call(ChainTensor(source, (), shape), **kwargs)
        except (TypeError, ValueError, AttributeError) as exc:  # what a chain cannot hold, said where it was met
            kind = next(kind for kind in (TypeError, ValueError, AttributeError) if isinstance(exc, kind))
            raise kind(f"{where}: {exc}") from exc
        finally:
            _TRACING.reset(token)
        if isinstance(outputs, (list, tuple, dict)):
            raise ValueError(f"{where}: it returns {len(outputs)} outputs in a {type(outputs).__name__}, but glassnet's "
                             "models have one output: return the last layer's output.")
        if not isinstance(outputs, ChainTensor) or outputs.input is not source:
            raise TypeError(f"{where}: it returns {type(outputs).__name__}, not the output of the layers called on its "
                            "input: return the last layer's output.")
        if not outputs.layers:
            raise ValueError(f"{where}: it returns its input, so the model would have no layers.")
        if id(outputs) in traced:
            raise ValueError(f"{where}: it returns the output of {outputs.layers[-1]._label()}, which "
                             f"{traced[id(outputs)][1]._label()} took as well, so that layer's result is dropped; "
                             "glassnet's models are chains, each layer called on the output of the one before.")
        items = chain_items(outputs)
        nested = {layer.name for item in items if isinstance(item, Sequential) for layer in item._layers}
        for item in items:  # a name given here that a nested model's layer has too: named again as the model adds it
            if isinstance(item, Layer) and item.name in nested and getattr(item, "_default_named", None) == item.name:
                item.name = None
        self._input_layer = source  # model.input: its layers' nodes (layer.output) start from it
        state = {key: copy.copy(value) for key, value in self.__dict__.items()}
        try:
            self._take_layers(items)
        except BaseException:  # (a name taken twice...): the model stays unbuilt, not a chain of its first layers
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        self._pins = dict(outputs.pins)  # layers called with training=True/False (as Model(inputs, outputs))

    @classmethod
    def from_config(cls, config):
        """A plain :class:`Sequential` of the layers a subclass's ``get_config()`` lists (the chain
        its call traced), as a file of it loads: glassnet keeps no subclass's code. A config of the
        subclass's own (its ``get_config`` override, without ``layers``) makes ``cls(**config)``, as Keras's."""
        if isinstance(config, dict) and "layers" not in config:
            return cls(**config)
        return Sequential.from_config(config)


def warn_saved(model):
    """Say that a file of a subclassed model loads as a plain Sequential (see docs/file-format.md)."""
    if isinstance(model, SubclassedModel):
        warnings.warn(f"{type(model).__name__} is saved as the Sequential of the layers its call chains: load_model "
                      f"gives a glassnet Sequential named {model.name!r}, without {type(model).__name__}'s own methods "
                      f"and attributes (for those, make {type(model).__name__}(), build it and load_weights).",
                      UserWarning, stacklevel=3)
