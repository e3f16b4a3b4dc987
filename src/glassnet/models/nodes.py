"""Symbolic tensors of a :class:`~glassnet.models.Sequential`: Keras's ``model.input``, ``model.output``
and each layer's node (``layer.input``, ``layer.output``), for ``Model(model.input, layer.output)``
(feature extraction) and ``Dense(10)(model.output)``.

A layer's node is its place in the first built model that holds it (:class:`_Place`), made into a chain
of layers (``ChainTensor``) only when read; :class:`SymbolicNodes` is the part of ``Sequential`` that gives
the places and makes the chains.
"""

import weakref

from ..layers import InputLayer
from ..layers.base import ChainTensor


class _Place:
    """A layer's node (``layer.input``, ``layer.output``) as its place in the first built model that
    holds it (Sequential._record_nodes); called, the two symbolic tensors (None once every model
    holding it is gone). The models are held weakly: a layer kept (new = Sequential(base.layers[:3]
    + [...])) kept its first model alive, with its weights' and optimizer's buffers; the places in the
    models built after it take over when that one is deleted."""

    __slots__ = ("places",)

    def __init__(self, model, index):
        self.places = [(weakref.ref(model), index)]

    @property
    def model(self):
        return self.places[0][0]()

    def also(self, model, index):
        """Keep ``model``'s place too, for when the models before it are gone."""
        self.places = [(ref, i) for ref, i in self.places if ref() is not None] + [(weakref.ref(model), index)]

    def __call__(self, refuse=True):
        for ref, index in self.places:
            model = ref()
            if model is not None:
                return model._chain(index, refuse), model._chain(index + 1, refuse)
        return None


class SymbolicNodes:
    """Sequential's symbolic input and output, and its layers' nodes."""

    def _record_nodes(self, start=0):
        """Give each layer from ``start`` that has none its node (``layer.input``/``layer.output``): its
        place in this built model, made into a chain only when read (a model of 10,000 layers holding
        10,000 chains would hold their 50 million entries). A layer keeps its first node, as Keras's."""
        if not self.built:
            return
        for i in range(start, len(self._layers)):
            node = self._layers[i].__dict__.get("_node")
            if node is None:
                self._layers[i]._node = _Place(self, i)
            elif isinstance(node, _Place) and all(ref() is not self for ref, _ in node.places):
                node.also(self, i)

    def _chain(self, n, refuse=True):
        """The symbolic output of this model's first ``n`` layers (its input for 0), as a functional call
        of them gives it: the nested models wholly in it and their pins go with it (``Model(...)`` of it
        nests them). A model refused for a nested model changed since (:meth:`_refuse_changed_nested`) is
        refused here too (``refuse``): Model(outer.input, outer.output) computed with its old chain."""
        if refuse:
            self._refuse_changed_nested()
        if n == 0:
            return self.input
        layers = tuple(self._layers[:n])
        ids = {id(layer) for layer in layers}
        models = [model for model in self._nested() if all(id(layer) in ids for layer in model._layers)]
        pins = {layer: mode for layer, mode in self._pins.items() if id(layer) in ids}
        return ChainTensor(self.input, layers, layers[-1].output_shape, models, pins)

    @property
    def input(self):
        """Keras's ``model.input``: the model's :class:`~glassnet.layers.InputLayer`, the ``Input`` it was
        built on, else one of its input shape (the same object each time), for ``Model(model.input,
        layer.output)`` (feature extraction) and ``Dense(10)(model.output)``. A copy's (``from_config``,
        ``clone_model``, ``load_model``) has the name, batch size and dtype given to the original's ``Input``,
        as Keras's: its ``predict({"x": ...})`` takes the dict keyed by that name."""
        if not self.built:
            raise AttributeError(f"Model {self.name!r} has no defined input yet: build it (start it with an Input, "
                                 "model.build((None, ...)), fit or predict) first.")
        if self.__dict__.get("_input_layer") is None:
            self._input_layer = InputLayer(shape=self._input_shape, batch_size=self.__dict__.get("_input_batch_size"),
                                           dtype=self.__dict__.get("_input_dtype"),
                                           name=self.__dict__.get("_input_name"))
        return self._input_layer

    def _given_input_dtype(self):
        """The dtype given to the model's ``Input`` (``Input((8,), dtype="int32")`` of token ids; a float one
        other than the model's dtype, ``Input((5,), dtype="float64")`` in a float32 model), which its configuration
        keeps (``input_dtype``) for its copies' ``input.dtype``, as Keras 3.15's files keep their InputLayer's
        dtype (a float one was dropped: it loaded as float32); else None. One of the model's dtype is left out,
        as glassnet's ``.keras`` files write the model's dtype there. The model computes in its own dtype."""
        given = self.__dict__.get("_input_dtype")
        if given is None:
            given = getattr(self.__dict__.get("_input_layer"), "_dtype_given", None)
        return None if given == self.dtype else given

    @property
    def output(self):
        """Keras's ``model.output``: the symbolic output of the model's last layer, its chain from
        :attr:`input`; ``Dense(10)(model.output)`` extends the model with the same layers."""
        return self._chain(len(self._layers)) if self.built else self.input  # (unbuilt: input's error)

    inputs = property(lambda self: [self.input], doc="Keras's ``model.inputs``: ``[model.input]``.")
    outputs = property(lambda self: [self.output], doc="Keras's ``model.outputs``: ``[model.output]``.")
