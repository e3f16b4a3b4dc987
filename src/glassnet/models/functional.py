"""Keras's ``Model(inputs, outputs)`` for functional models that are chains of layers.

Keras's functional API writes a model as calls of layers on tensors::

    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")

When each layer is called once, on the output of the layer before it, that model is the
:class:`Sequential` of those layers, which is what ``Model`` returns here (glassnet has no
other kind of model). Branches, merges and several inputs or outputs cannot be written
(glassnet has no ``Add`` or ``Concatenate`` layers); a layer called twice in one chain is refused
with an error that says what to write instead. A subclass of ``Model`` whose ``call`` is such a
chain is traced the same way (models/subclassing.py).
"""

from .._custom_objects import from_config_takes_custom_objects
from ..layers.base import ChainTensor, InputLayer
from .nested_models import _model_name_taken
from .sequential import Sequential, auto_name


class _ModelType(type):
    """Every glassnet model is a Sequential, so ``isinstance(model, Model)`` is true of each, as
    Keras's Sequential is a Model. ``class MyModel(Model)`` makes a subclass of
    :class:`~glassnet.models.subclassing.SubclassedModel`, a Sequential whose layers its call chains."""

    def __new__(mcls, name, bases, namespace, **kwargs):
        if not any(isinstance(base, _ModelType) for base in bases):  # Model itself
            return super().__new__(mcls, name, bases, namespace, **kwargs)
        from .subclassing import SubclassedModel

        bases = tuple(SubclassedModel if isinstance(base, _ModelType) else base for base in bases)
        return type(name, bases, namespace, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Sequential)

    def __subclasscheck__(cls, subclass):
        return isinstance(subclass, type) and issubclass(subclass, Sequential)


class Model(metaclass=_ModelType):
    """``Model(inputs, outputs, name=None, trainable=True)``: the :class:`Sequential` of the
    layers that lead from ``inputs`` (an ``Input(...)``) to ``outputs`` (the last layer's
    output), as Keras's functional ``keras.Model`` for a chain of layers."""

    def __new__(cls, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if kwargs:
            raise TypeError(f"Model got unexpected keyword arguments {sorted(kwargs)}; it takes inputs, outputs, "
                            "name and trainable.")
        if inputs is None or outputs is None:
            raise TypeError("Model takes inputs= (an Input(...)) and outputs= (the last layer's output), as Keras's "
                            "functional Model(inputs, outputs); or subclass Model with a call that chains layers "
                            "(class MyModel(Model)), or write the network as Sequential([...]).")
        inputs, outputs = _one(inputs, "inputs"), _one(outputs, "outputs")
        if not isinstance(inputs, InputLayer):
            raise TypeError(f"inputs must be the Input(shape=...) the layers were called on. Received: "
                            f"{type(inputs).__name__}")
        if isinstance(outputs, InputLayer):
            raise ValueError("outputs is an Input: the model would have no layers. Call layers on the Input and "
                             "pass the last one's output.")
        if not isinstance(outputs, ChainTensor):
            raise TypeError(f"outputs must be what the last layer returned when called on the Input's chain. "
                            f"Received: {type(outputs).__name__}")
        if outputs.input is not inputs:
            # (Keras: "Output ... is not connected to inputs"): a nested model's layer.output is the one in that model
            raise ValueError(f"outputs, the output of {outputs.layers[-1]._label()}, is not computed from inputs: its "
                             "chain starts from another Input. A layer's output is the one of the first chain it "
                             "joined (Keras's first node), for a nested model's layer the nested model's: write "
                             "Model(nested_model.input, layer.output), or take the output of this model's own layers.")
        # unnamed, it is "functional" (then functional_1...), as Keras 3's (it was "sequential" in trace's header
        # and summary)
        # (no dtype: Keras's functional model computes in the one its layers name, as Sequential's does)
        # as Keras: "The name ... is used 2 times in the model" (one model called twice is refused as such below)
        names = [nested.name for nested in {id(nested): nested for nested in outputs.models}.values()]
        twice = next((name for name in names if names.count(name) > 1), None)
        if twice is not None:
            raise _model_name_taken(f"Model {twice!r}", "another model called")
        # the models called in the chain nested as Sequential([...]) nests them (get_layer("base"),
        # model.trainable sets their flags); their layers as the model's own, an encoder's and a decoder's
        # default-named "dense" clashed
        model = Sequential([inputs, *chain_items(outputs)], name=auto_name("functional") if name is None else name,
                           trainable=trainable)
        model._functional = True  # Keras's functional models have no scope in their variables' paths
        model._pins = dict(outputs.pins)  # base_model(inputs, training=False): Sequential._chained
        return model

    @classmethod
    @from_config_takes_custom_objects
    def from_config(cls, config):
        """A new model with fresh weights from ``config`` (as Keras's ``keras.Model.from_config``, whose
        ``custom_objects`` are known while it is read, as in a ``custom_object_scope``): a
        Sequential's ``get_config()`` (every glassnet model's, a functional one's too), or a Keras
        functional model's whose layers form one chain, read as :func:`~glassnet.models.model_from_json`
        reads it."""
        if isinstance(config, dict) and "input_layers" in config:  # Keras's Functional configuration
            import json

            from .keras_reading import SeveralEndpoints, functional_chain

            try:  # read as its JSON text (to_json) is read: Keras's in-memory config holds tuples
                config = {**functional_chain(json.loads(json.dumps(config))), "functional": True}
            except (TypeError, ValueError) as exc:
                instead = "" if isinstance(exc, SeveralEndpoints) else " Rebuild the model as keras.Sequential([...])."
                raise ValueError(f"config describes a Keras Functional model that glassnet cannot read: {exc}"
                                 f"{instead}") from None
        return Sequential.from_config(config)



def chain_items(outputs):
    """The layers of the chain ``outputs`` (a ChainTensor), the runs of the models called in it
    (``base_model(inputs)``, ``decoder(encoder(x))``) as those models: the list to give
    ``Sequential``, which nests them as ``Sequential([encoder, decoder])`` does (names kept apart)."""
    starts = {id(model._layers[0]): model for model in outputs.models if model._layers}
    items, i = [], 0
    while i < len(outputs.layers):
        model = starts.get(id(outputs.layers[i]))
        run = outputs.layers[i:i + len(model._layers)] if model is not None else ()
        if model is not None and len(run) == len(model._layers) and all(a is b for a, b in zip(run, model._layers)):
            items.append(model)
            i += len(run)
        else:
            items.append(outputs.layers[i])
            i += 1
    return items


_SEVERAL_OUTPUTS = ("For several heads on shared layers, make one model per head, Model(inputs, head) for each: "
                    "they share those layers and their weights; fit each on its own targets (in turn, not on Keras's "
                    "one weighted sum of the heads' losses). For the features of several layers, make one model per "
                    "layer: [Model(model.input, layer.output) for layer in model.layers].")


def _several_inputs(inputs):
    """The way forward for ``Model([a, b], ...)``: one Input of all the features side by side."""
    widths = [tuple(getattr(item, "shape", None) or ())[1:] for item in inputs]
    total = (f"Input(({sum(w[0] for w in widths)},))" if all(len(w) == 1 and isinstance(w[0], int) for w in widths)
             else "one Input")
    return (f"Give the model {total}, all the features side by side, in place of the Inputs and their "
            "Concatenate, and pass it the arrays side by side, np.hstack([x1, x2]).")


def _one(value, name):
    """The single input or output of a model: Keras also takes a list (or dict) of one. A dict of one
    output is refused: Keras's model then names its output by the key (its predict and call return
    ``{key: array}``, its compile and fit take the key), which a glassnet model, whose one output is named
    after its last layer (or the model it ends with), cannot keep: the key was dropped silently."""
    if isinstance(value, dict):
        if name == "outputs" and len(value) == 1:
            key, = value
            raise ValueError(f"outputs given as a dict ({{{key!r}: ...}}) names the model's output {key!r}, which "
                             "glassnet cannot keep: its models' one output is named after their last layer (or the "
                             f"model they end with), and predict returns the array, not Keras's {{{key!r}: array}}. Pass "
                             f"the output itself, Model(inputs, outputs[{key!r}]), and name the last layer {key!r} "
                             f"(Dense(..., name={key!r})) for compile(loss={{{key!r}: ...}}) and fit(x, "
                             f"{{{key!r}: y}}).")
        if name == "inputs" and len(value) == 1:
            (key, given), = value.items()
            own = given.__dict__.get("name") if isinstance(given, InputLayer) else key
            if key != own:  # as the outputs' key: Keras's fit and predict take {key: x}, and a model file keeps it
                named = f"its Input's name, {own!r}" if own is not None else "the name given to its Input, and it has none"
                raise ValueError(f"inputs given as a dict ({{{key!r}: ...}}) names the model's input {key!r}, which "
                                 f"glassnet cannot keep: its models' one input is named after {named}. Name the "
                                 f"Input {key!r} (Input(..., name={key!r})) for fit({{{key!r}: x}}) and "
                                 f"predict({{{key!r}: x}}), or pass the Input itself, Model(inputs[{key!r}], outputs).")
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            way = "" if not value else " " + (_SEVERAL_OUTPUTS if name == "outputs" else _several_inputs(value))
            raise ValueError(f"glassnet's models have one input and one output; {name} has {len(value)}.{way}")
        value = value[0]
    return value
