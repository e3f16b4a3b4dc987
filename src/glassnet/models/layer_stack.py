"""The layers of a :class:`~glassnet.models.Sequential`: the stack they make and how it grows and shrinks.

:class:`LayerStack` is the part of ``Sequential`` that takes the list given to ``Sequential([...])``, adds a
layer (or an ``Input``, or a nested model) with ``add`` and removes the last with ``pop``, gives each layer
Keras's default name (``dense``, ``dense_1``) and refuses a taken one, takes the model's dtype from its first
layer, and builds the layers: each as it is added once the input shape is declared (one generator for the
model's one build, rewound by ``pop``), or all at once at ``build(input_shape)`` or first use.
"""

import contextlib

from .. import backend, dtype_policies
from .._validation import check_shape
from ..backend import make_rng, seeded, standardize_dtype
from ..layers import InputLayer, Layer
from ..layers.base import RENAMES, build_layer, snake_case
from ..layers.input_layer import given_input_name
from ..threads import model_lock
from . import updates
from .nested_models import _chain_shapes
from .nodes import _Place


@contextlib.contextmanager
def _drawing_from(rng):
    """Within the block, draws without a seed come from ``rng`` (the global generator
    when None), as within ``backend.seeded`` but continuing one generator across blocks."""
    if rng is None:
        yield
        return
    token = backend._RNG.set(rng)
    try:
        yield
    finally:
        backend._RNG.reset(token)


class _DeclaredBuild:
    """The draws of a model's one build, spread over the ``add`` calls that declare its
    layers once its input shape is known (as Keras builds a model then).

    A model used to be built on first use, all its layers at once from one generator
    seeded with the model's seed; building each layer as it is added, from that same
    generator continued, gives bit-for-bit the same weights. ``pop`` rewinds it, so that
    pop-then-add draws what the layers finally declared would have drawn."""

    def __init__(self, seed):
        self.rng = None if seed is None else make_rng(seed)  # None: the global generator, as before
        self.states = []  # the generator's state before each layer's build, to rewind on pop

    def build(self, layer, input_shape):
        state = None if self.rng is None else self.rng.bit_generator.state
        try:
            with _drawing_from(self.rng):
                build_layer(layer, input_shape)
        except BaseException:
            self._rewind(state)  # a layer refused (a wrong shape) leaves the draws as they were
            raise
        self.states.append(state)

    def forget_last(self):
        self._rewind(self.states.pop())

    def _rewind(self, state):
        if state is not None:
            self.rng.bit_generator.state = state


def build_shape(input_shape):
    """The sample shape of ``model.build(input_shape)``: ``(n_features,)``, or Keras's ``(None, ...)``
    with the batch axis; a shape of several entries without the None is refused as ambiguous."""
    if isinstance(input_shape, (tuple, list)) and len(input_shape) > 1 and input_shape[0] is None:
        input_shape = input_shape[1:]  # Keras's leading batch dimension
    elif isinstance(input_shape, (tuple, list)) and len(input_shape) > 1:
        # Keras reads (32, 4) as a batch of 32 samples of 4 features, glassnet a shape without None as one
        # sample's: built for samples of shape (32, 4), Dense (which takes any rank) would only fail at predict
        shape = ", ".join(map(str, input_shape))
        raise ValueError(f"model.build(({shape})) is ambiguous: give (None, {shape}) for samples of shape "
                         f"({shape}), or (None, {', '.join(map(str, input_shape[1:]))}) for batches of "
                         f"{input_shape[0]} samples (Keras counts the first entry as the batch size; glassnet's "
                         "shapes without a leading None are one sample's, such as (n_features,)).")
    return check_shape(input_shape, "input_shape")


def _default_name(layer, names, numbers, reserved=()):
    """Keras's default name of ``layer`` (dense, dense_1, batch_normalization, re_lu) that is not
    in ``names`` nor ``reserved``; ``numbers`` keeps the last number given to each base name."""
    base = snake_case(type(layer).__name__)
    k = numbers.get(base, 0)
    name = f"{base}_{k}" if k else base
    while name in names or name in reserved:
        k += 1
        name = f"{base}_{k}"
    numbers[base] = k
    return name


def _names_kept(items):
    """The names that the models nested by ``items`` (a Sequential's list) will keep for their layers:
    those not named by default. (A layer's own given name is not kept free: Keras, too, refuses
    ``Sequential([Dense(3), Dense(2, name="dense")])`` in a fresh session.)"""
    from .sequential import Sequential

    return {layer.name for item in items if isinstance(item, Sequential) for layer in item._layers
            if getattr(layer, "_default_named", None) != layer.name}


def _name_taken(name):
    return ValueError(
        f"All layers added to a Sequential model should have unique names (as Keras). Name {name!r} "
        "is already the name of a layer in this model: give the layer another name=... (a layer shared "
        "with another model keeps its name in both; glassnet.models.clone_model makes new layers).")


def _refuse_after_weights(layer, first):
    """Refuse ``layer`` after ``first``, a layer with weights, when no gradient passes it
    (CategoryEncoding, Discretization: piecewise constant; Embedding: its input is ids), so ``first``
    could never learn."""
    if not getattr(layer, "passes_gradient", True):
        raise ValueError(f"{layer._label()} passes no gradient to its input (ids and bins have none), but it comes "
                         f"after {first._label()}, which has weights to train through it. Put it before every layer "
                         "with weights (it takes the model's input), or encode the data with it before fit.")


class LayerStack:
    """Sequential's layers: ``layers``, ``add``, ``pop``, ``build`` and the naming and building of each layer."""

    def _take_layers(self, layers):
        """Add ``layers`` (layers, models, an ``Input`` first) to this empty model, as the list given to
        ``Sequential(...)``; built at once when the input shape is known (one build, one binding)."""
        from .sequential import Sequential

        # a layer given no dtype made under a float16 or float64 global policy, next to one naming the model's
        # other dtype: refused, as the model's own dtype= refuses that one (a float32 output layer among float16
        # ones made a float32 model without a word)
        def own(item):
            return isinstance(item, (Layer, Sequential)) and not isinstance(item, InputLayer)

        named = next((i for i, item in enumerate(layers) if own(item) and item._own_dtype is not None), None)
        if named is not None and not self._dtype_chosen and standardize_dtype(layers[named].dtype) == self.dtype:
            first = int(isinstance(layers[0], InputLayer))  # (the model's layer 1 comes after an Input)
            for i, layer in enumerate(layers):
                dtype = dtype_policies._global_dtype(layer) if own(layer) else None
                if dtype not in (None, self.dtype):
                    raise dtype_policies._policy_clash(layers[named], layer, dtype, (named + 1 - first, i + 1 - first))
        # the names and layers so far, kept here: checking each layer against all those before it
        # made a model file of 10,000 layers take a minute to load
        # and the names a nested model's layers will keep, which a default name skips: Sequential([encoder,
        # decoder, head]) renamed the decoder's dense to dense_1, then refused the head's own dense_1, where
        # Keras keeps a nested model's names apart; a nested model's layer renamed for a clash also skips
        # the names of the layers given after it (a subclass's self.d1, named dense_1 in __init__, was refused
        # after its nested model's dense became dense_1 in the trace)
        kept = _names_kept(layers)
        given = {layer.name for layer in layers if isinstance(layer, Layer) and not isinstance(layer, InputLayer)
                 and layer.name is not None}
        seen = (set(), set(), {}, kept, kept | given)
        for layer in layers:
            self._add(layer, build=False, seen=seen)
            if not isinstance(layer, (InputLayer, Sequential)):  # (a nested model's layers: _add_model)
                seen[0].add(layer.name)
                seen[1].add(id(layer))
        if self._input_shape is not None and self._layers:  # one build, then one binding of the flat vectors
            declared, self._layers = self._layers, []
            for layer in declared:
                self._build_declared_layer(layer, bind=False)
            self._bind_flat_buffers()
        self._build_nested()

    # -- structure -----------------------------------------------------------
    @property
    def layers(self):
        """The layers, as a new list (as Keras): changing the list leaves the model alone;
        :meth:`add` and :meth:`pop` change the model; a model that waits for the input shape (see
        :meth:`_add_model`) lists the layers known so far."""
        from .sequential import Sequential

        deferred = self.__dict__.get("_deferred", ())
        return [*self._layers, *(layer for item in deferred for layer in (item.layers if isinstance(item, Sequential)
                                                                         else [item]))]

    def add(self, layer):
        """Append a layer (or an ``Input``) to the stack; once the input shape is known,
        the layer is built on the stack's output (as Keras).

        A model (Keras's nested model) appends its layers, the same objects rather than
        copies, since glassnet's models are chains of layers: ``self.layers`` lists them where
        Keras lists the model, and both models share their weights (each takes the layers back
        into its own flat vectors when it computes, so training either one changes both). The
        nested model's input shape is this model's when it comes first, and must be the previous
        layer's output shape otherwise; its layers keep their names and ``trainable`` flags
        (``base_model.trainable = False`` before or after nesting freezes them here too). A
        model cannot hold itself, the same model twice, or a model next to its own layers.
        A model nested in another one may change (``base.add``, ``base.pop``): the model holding
        it, which still holds the layers it had, is refused at its next use."""
        holders = self._holding()
        before = _chain_shapes(self._layers) if holders else None
        start = len(self._layers)
        self._add(layer)
        self._record_nodes(start)
        self._tell_holders(holders, "had a layer added", before)

    def _add(self, layer, build=True, seen=None):
        from .sequential import Sequential

        if isinstance(layer, InputLayer):
            if self._layers or self.__dict__.get("_deferred"):  # (a model waiting for the input shape is a layer)
                raise ValueError("Input must come first in a Sequential model.")
            if self._input_shape is not None and tuple(self._input_shape) != tuple(layer.input_shape):
                raise ValueError(f"The model already takes inputs of shape {tuple(self._input_shape)}; it cannot "
                                 f"take a second Input of shape {tuple(layer.input_shape)}.")
            self._input_shape = layer.input_shape
            self._input_batch_size = layer.__dict__.get("batch_size")  # Input(shape, batch_size=8): input_shape (8, ...)
            self._input_name = given_input_name(layer.__dict__.get("name"))  # Input(..., name="pixels"): its summary
            # row and Keras's files
            self._input_layer = layer  # model.input, as Keras's (a functional model's is the Input it was built on)
            return
        if not isinstance(layer, (Layer, Sequential)):
            # (a Keras layer, kept by a `from keras import layers` line after `import glassnet as keras`)
            keras = type(layer).__module__.split(".")[0] == "keras"
            advice = (f": a Keras layer ({type(layer).__module__}): change `from keras import layers` (and the other "
                      "`from keras import ...` lines) to `from glassnet import ...` too" if keras else "")
            raise TypeError(f"A model's layers (Sequential([...]), add()) must be glassnet.layers.Layer objects. "
                            f"Received: {layer!r:.100} of type {type(layer).__name__}{advice}")
        if self.__dict__.get("_deferred"):  # after a model whose layers wait for the input shape: after them too
            self._deferred.append(layer)
            return
        self._take_dtype(layer)
        if isinstance(layer, Sequential):  # Keras's Sequential([base_model, Dense(10)])
            self._add_model(layer, build, seen)
            return
        # (names, ids of the layers, the last number given to each default name): from __init__, else made here
        names, ids, numbers, reserved = seen[:4] if seen else (*self._name_index(), ())
        if layer.name is None:
            layer.name = _default_name(layer, names, numbers, reserved)
            # (a nested model may rename it, _add_model, while it keeps this name: not once the user set another)
            layer._default_named = layer.name
        if layer._own_dtype is None:
            dtype = None if seen is not None else dtype_policies._global_dtype(layer)  # (the list: _take_layers)
            if dtype not in (None, self.dtype) and not self._dtype_chosen:  # (rare: then a scan for a named layer)
                named = next((other for other in self._layers if other.__dict__.get("_dtype_given") is not None), None)
                if named is not None:
                    raise dtype_policies._policy_clash(named, layer, dtype)
            layer.dtype = self.dtype
        elif standardize_dtype(layer.dtype) != self.dtype:
            given = standardize_dtype(layer.dtype)
            if getattr(layer, "_dtype_from_adapt", False):
                # the user gave the layer no dtype: adapt() before the model took floatx()
                advice = (f"It was adapted before joining the model, so adapt() stored its statistics in {given!r}: "
                          f"create it with dtype={self.dtype!r}, or adapt it after adding it to the model.")
            else:
                advice = f"Pass dtype={given!r} to the model instead of the layer."
            raise ValueError(
                f"Layer {layer.name!r} has dtype {given!r} but the model computes in "
                f"{self.dtype!r}: a glassnet model keeps all its weights in one dtype. {advice}"
            )
        if id(layer) in ids:
            raise ValueError(f"Layer {layer.name!r} is already in this model; add a new layer.")
        if not getattr(layer, "passes_gradient", True):  # (a scan of the layers for these few only: add is O(1))
            first = next((other for other in self._layers if other.params), None)  # (add() to a built model)
            if first is not None:
                _refuse_after_weights(layer, first)  # before it joins: a refused layer is not left in
        if layer.name in names:
            raise _name_taken(layer.name)
        if self.built and self._declared is None:  # built by use (fit, predict, build, weights...)
            # as Keras: the new layer is built on the current output; the others keep their weights.
            # A seeded model seeds it too (by its position, so pop-then-add draws the same weights).
            with seeded(None if self.seed is None else self.seed + 7919 * (len(self._layers) + 1)):
                build_layer(layer, self._layers[-1].output_shape)
            self._layers.append(layer)
            self._bind_added(layer)
            self._weights_reshaped()
            return
        declares = not self._layers and layer.input_shape is not None and self._input_shape is None
        if build and (declares or self._input_shape is not None):
            self._build_declared_layer(layer, input_shape=layer.input_shape if declares else None)
            return
        if declares:
            self._input_shape = layer.input_shape
        self._layers.append(layer)

    def _name_index(self):
        """(names, ids of the layers, the last number given to each default name) for ``add``, kept
        between adds and brought up to date with the layers appended since: made afresh at each add,
        building a model of 3,000 layers by ``add`` went over all the layers before each one. Made
        afresh after a ``pop`` or a rename (``layer.name = ...``), which may free a name."""
        index = self.__dict__.get("_names")
        if index is None or index[0] is not self._layers or index[1] != RENAMES[0] or index[2] > len(self._layers):
            index = self._names = [self._layers, RENAMES[0], 0, set(), set(), {}]
        for layer in self._layers[index[2]:]:
            index[3].add(layer.name)
            index[4].add(id(layer))
        index[2] = len(self._layers)
        return index[3], index[4], index[5]

    def _take_dtype(self, layer):
        """An empty model given no dtype computes in the one its first layer or model names, as
        ``Sequential([...])`` does (:func:`_named_dtype`): ``Sequential()`` then
        ``add(float64_model)`` was refused where Keras computes the nested model in its dtype."""
        if getattr(self, "_dtype_open", False) and not self._layers and not self.built and layer._own_dtype is not None:
            self.dtype = standardize_dtype(layer.dtype)

    def _build_declared_layer(self, layer, bind=True, input_shape=None):
        """Build ``layer`` on the stack's output as part of the model's one build from its
        declared input shape (see :class:`_DeclaredBuild`), and append it; ``input_shape``:
        the one the first layer declares (kept only when it builds)."""
        if self._declared is None:
            self._declared = _DeclaredBuild(self.seed)
        shape = self._layers[-1].output_shape if self._layers else input_shape or self._input_shape
        self._declared.build(layer, shape)
        if input_shape is not None:
            self._input_shape = input_shape
        self._layers.append(layer)
        self.built = True
        if bind:
            self._bind_added(layer)

    def _first_use(self):
        """The first use of a model built from its declared input shape (fit, predict,
        build, its weights...), where it used to be built: from here on it is a model built
        by use (a layer added later draws its own weights), in the array namespace now
        active, as it would have been built in it. A model holding a nested model changed since is
        refused here (:meth:`_refuse_changed_nested`), as at every use."""
        self._refuse_changed_nested()
        if self._declared is None:
            return
        with model_lock(self).exclusive:  # (the first uses from several threads at once: one moves the arrays)
            if self._declared is None:
                return
            if self.built and getattr(self, "_namespace", None) != (backend.namespace_name(), backend.namespace_device()):
                # the same values: every initializer draws with NumPy, whatever the namespace. All
                # converted before any is replaced: a dtype the namespace lacks changes nothing
                moved = [[{key: backend.from_numpy(backend.numpy_copy(value), dtype=self.dtype)
                           for key, value in arrays.items()} for arrays in (layer.params, layer.state)]
                         for layer in self._layers]
                for layer, (params, state) in zip(self._layers, moved):
                    layer.params.update(params)
                    layer.state.update(state)
                    layer._buffers.clear()
                self._bind_flat_buffers()
            self._declared = None

    def build(self, input_shape=None):
        """Create every layer's weights for samples of shape ``input_shape``: ``(n_features,)``, or
        Keras's ``(None, n_features)`` / ``(None, 28, 28)`` with the batch axis as None. A shape of
        several entries without the None, ``(32, 4)``, is refused: Keras counts 32 as the batch size."""
        # one build at a time: the first calls from several threads each found the model unbuilt, and each
        # drew the weights (the second over the first's, or failing halfway); the second finds it built
        with model_lock(self).exclusive:
            self._first_use()
            if self.__dict__.get("_deferred") and input_shape is not None:
                self._join_deferred(build_shape(input_shape))
            if self.built:
                if input_shape is not None:
                    shape = tuple(input_shape)
                    shape = shape[1:] if len(shape) > 1 and shape[0] is None else shape
                    if shape != tuple(self._input_shape):
                        raise ValueError(f"The model takes inputs of shape {tuple(self._input_shape)} (declared by "
                                         f"input_dim, input_shape or Input, or by its first build); it cannot be built "
                                         f"again for {shape} (glassnet.models.clone_model makes a new one).")
                return
            if input_shape is None:
                input_shape = self._input_shape
            if input_shape is None:
                raise ValueError(
                    "The model has no input shape yet: give the first layer input_dim=... or "
                    "input_shape=..., start with layers.Input(shape=...), or call fit/predict first."
                )
            input_shape = build_shape(input_shape)
            if not self._layers:
                raise ValueError("The model has no layers; add some with model.add(...).")
            if self._input_shape is not None and tuple(input_shape) != tuple(self._input_shape):
                # (Keras's Input and input_dim fix the shape: predict would then take other features)
                raise ValueError(f"The model takes inputs of shape {tuple(self._input_shape)} (declared by input_dim, "
                                 f"input_shape or Input); it cannot be built for {tuple(input_shape)}.")
            shape = input_shape
            # one generator for the whole build: the one the models joined above drew from, if any (_nested_draws)
            rng = self._declared.rng if self._declared is not None else None if self.seed is None else make_rng(self.seed)
            self._declared = None  # (built by use from here on, as after _first_use)
            with _drawing_from(rng):
                for layer in self._layers:
                    build_layer(layer, shape)
                    shape = layer.output_shape
            self._input_shape = input_shape  # once built: a shape a layer refused is not the model's
            self._bind_flat_buffers()
            self.built = True
            self._build_nested()

    def pop(self):
        """Remove the last layer and return it (as Keras); where the model ends with a nested model
        (``Sequential([base, ...])``, ``base(inputs)``), that model, all its layers (Keras's ``layers``
        ends with the model). A built model keeps the other layers' weights; a compiled one keeps its
        loss and metrics, and its optimizer starts afresh (its state described the removed weights too)."""
        from .nesting import nested_spans

        if self.__dict__.get("_deferred"):  # (a model waiting for the input shape, or a layer after it: as given)
            return self._deferred.pop()
        if not self._layers:
            raise ValueError("There are no layers in the model to pop.")
        holders, built = self._holding(), self.built
        before = _chain_shapes(self._layers) if holders else None
        spans = nested_spans(self)
        nested = spans[-1][0] if spans and spans[-1][2] == len(self._layers) else None
        # (the nested model's layers, last first, then the model: half of it left the outer model holding loose
        # layers that a later add(base) refused as already in it)
        for _ in nested._layers if nested is not None else range(1):
            layer = self._pop_layer()
        if nested is not None:
            # no longer held: not this model's to build (an unbuilt one), name, freeze or tell of its changes
            for key in ("_nested_models", "_unbuilt_models"):
                if key in self.__dict__:
                    self.__dict__[key] = [model for model in self.__dict__[key] if model is not nested]
            nested._holders = [ref for ref in nested.__dict__.get("_holders", ()) if ref() not in (None, self)]
            layer = nested
        if built:
            self._weights_reshaped()
        self._tell_holders(holders, "had its last layer popped", before)
        return layer

    def _pop_layer(self):
        """Remove the last layer of the chain (see :meth:`pop`) and return it."""
        node = self._layers[-1].__dict__.get("_node")
        if isinstance(node, _Place) and node.model is self:  # its place in this model, which is no more: the chain now
            self._layers[-1]._node = node(refuse=False)  # (its chain until now, which the pop leaves as it was)
        elif isinstance(node, _Place):  # (a later model's place, kept for when the first is gone: gone too)
            node.places = [(ref, i) for ref, i in node.places if ref() is not self]
        layer = self._layers.pop()
        if not self._layers:  # none of a changed nested model's old layers is left: made again in place, it is usable
            self.__dict__.pop("_changed_nested", None)
        self.__dict__.pop("_names", None)
        self._pins.pop(layer, None)
        if self.built:
            if self._declared is not None:
                self._declared.forget_last()
            self._unbind_last(layer)
            if not self._layers:
                self.built = False
        return layer

    def _weights_reshaped(self):
        """After a layer was added to or popped from a built model: a fresh optimizer
        with the same settings, and metrics resolved again for the new output
        ("accuracy" depends on the number of output units)."""
        if self.compiled and self.optimizer.built:
            self.optimizer = self.optimizer._fresh()
            updates.link_multi_optimizer(self)
        self.metrics = []
