"""Models nested in a :class:`~glassnet.models.Sequential` (Keras's ``Sequential([base, Dense(1)])``).

A nested model joins as its layers, the same objects: both models share their weights. :class:`NestedModels`
is the part of ``Sequential`` that takes such a model in (its names, dtype, input shape and flags checked),
builds it with the model holding it, keeps it for ``get_layer`` and ``trainable``, waits for the input shape
where its layers are known only then (a subclass traced on its input), and refuses the holder's next use once
the nested model has changed (``base.add``, ``base.pop``). How configurations and files keep the tree of
nested models is :mod:`glassnet.models.nesting`.
"""

import copy
import weakref

from ..backend import make_rng
from ..layers.base import RENAMES
from .flat import _BINDS


def _model_name_taken(label, what):
    return ValueError(
        f"All layers and models in a model should have unique names (as Keras). {label} has the name of {what} in "
        "this model. A model loaded from a file or made by clone_model keeps the name it was saved with (as in "
        "Keras), so two of them are both 'sequential': name one otherwise before nesting it (model.name = "
        "'decoder').")


def _chain_shapes(layers):
    """The chain ``layers`` make, to tell whether a nested model changed back (:meth:`Sequential._tell_holders`):
    each layer object and the sample shape it is built for."""
    return [(layer, getattr(layer, "input_shape", None) if layer.built else None) for layer in layers]


class NestedModels:
    """Sequential's methods that nest models in it, keep them, and refuse it once one has changed."""

    def _add_model(self, model, build, seen):
        """Append the layers of ``model`` (the same objects: the two models share their weights),
        as Keras nests a model in a model; see :meth:`add`."""
        from .layer_stack import _default_name, _drawing_from

        names, ids = (seen[0], seen[1]) if seen else self._name_index()[:2]
        label = f"Model {model.name!r}"
        if model is self:
            raise ValueError(f"{label} cannot contain itself.")
        alone = model.built  # (before the build below, which this model does: _note_nested)
        shape = self._input_shape  # then the stack's output, where the input is known
        if shape is not None and self._layers and self._layers[-1].built:
            shape = self._layers[-1].output_shape  # (built: the shape it is built for, without going over them all)
        else:
            for layer in self._layers if shape is not None else ():
                shape = layer.output_shape if layer.built else layer.sample_output_shape(shape)
        # a subclassed model's layers are those its call chains, known once it is built (and so are those of a
        # model holding one): without the input shape, it joins at this model's build, as Keras's first call
        # builds it (Sequential([Block(), Block()]) was refused)
        if (not model._layers and hasattr(model, "_trace")) or model.__dict__.get("_deferred"):
            if shape is None:
                self._deferred = [model]
                return
            with _drawing_from(self._nested_draws()):  # (a seed of its own holds within: its build's seeded())
                model.build((None, *shape))
        if not model._layers:
            raise ValueError(f"{label} has no layers to add.")
        if model.dtype != self.dtype:
            raise ValueError(f"{label} computes in {model.dtype!r} but this model in {self.dtype!r}: a glassnet model "
                             f"keeps all its weights in one dtype. Pass dtype={model.dtype!r} to this model.")
        if not model._trainable and any(l.trainable for l in model._layers):
            # its layers join this model, and only their own flags go with them
            # (Keras 3.15 trains them there, though the model alone trains nothing: refused rather than guessed)
            subclass = " (in a subclass: self.trainable = False after its layers, in __init__)" if hasattr(
                model, "_trace") else ""
            raise ValueError(f"{label} was made with trainable=False, which leaves its layers' own flags True; in this "
                             "model they would train, as in Keras. Set model.trainable = False (it freezes each "
                             f"layer){subclass} before nesting it.")
        for layer in model._layers:  # all checked before any joins
            if id(layer) in ids:
                raise ValueError(
                    f"Layer {layer.name!r} of {label} is already in this model. A nested model joins as its layers "
                    "(glassnet's models are chains of layers), so it can be added once, and not next to its own "
                    "layers; glassnet.models.clone_model makes a copy with new layers.")
            if layer.name in names and getattr(layer, "_default_named", None) != layer.name:
                raise self._nested_name_taken(layer, model)
        if model.name in names or self._nested(model.name):
            raise _model_name_taken(label, "a layer" if model.name in names else "a model already nested")
        if model._input_shape is not None and shape is not None and tuple(shape) != tuple(model._input_shape):
            where = "the model's input" if not self._layers else f"the output of {self._layers[-1]._label()}"
            raise ValueError(f"{label} takes inputs of shape {(None, *model._input_shape)}, but {where} has shape "
                             f"{(None, *shape)}.")
        # Keras numbers default names across all layers (the encoder's dense, dense_1, then the decoder's
        # dense_2, dense_3); glassnet names a layer when a model takes it, so two models' layers may both
        # be "dense". Nested, the second one's default-named layers are renamed as Keras would have named
        # them: Sequential([encoder, decoder]) said the name 'dense' was taken. (After every check: a refused
        # model keeps its names.)
        taken = names | {layer.name for layer in model._layers}
        numbers, reserved = (seen[2], seen[4]) if seen else (self._name_index()[2], ())
        stamp = RENAMES[0]
        for layer in model._layers:
            if layer.name in names:
                layer.name = layer._default_named = _default_name(layer, taken, numbers, reserved)
                taken.add(layer.name)
        if not seen and self._names[1] == stamp:
            self._names[1] = RENAMES[0]  # (layers renamed before they join: the names of this model's stand)
        if not self._layers and self._input_shape is None:
            self._input_shape = model._input_shape  # carried as its Input would be
        self._note_nested(model, alone)
        # Keras's Sequential([base, ...]) calls base with no training: its own pins hold
        self._pins.update({layer: mode for layer, mode in model._pins.items() if layer in model._layers})
        start = len(self._layers)
        try:
            for layer in model._layers:
                self._add(layer, build, seen)
                if seen:
                    seen[0].add(layer.name)
                    seen[1].add(id(layer))
        except BaseException:
            self.__dict__.pop("_names", None)  # (numbered for layers that did not all join)
            raise
        self._build_nested(start)

    def _nested_draws(self):
        """The generator that a nested model this model builds now (a subclass traced on its input, see
        :meth:`_add_model`) draws from: the one this model's own layers draw from, so that its seed gives the
        nested model's weights too (they were drawn from the global generator, different at every run)."""
        from .layer_stack import _DeclaredBuild

        if self.seed is None:
            return None
        if self.built and self._declared is None:  # built by use: as a layer added now (see _add)
            return make_rng(self.seed + 7919 * (len(self._layers) + 1))
        if self._declared is None:  # (the declared build, or build()'s of the models joined there, continues it)
            self._declared = _DeclaredBuild(self.seed)
        return self._declared.rng

    def _nested_name_taken(self, layer, model):
        """The refusal of ``model``'s ``layer``, named by the user, whose name a layer of this model has: Keras
        names layers per nested model and accepts two instances of one subclass whose ``__init__`` names its
        layers (``Dense(3, name="ia")``); glassnet's model is one chain of them, where a name is one layer."""
        holder = next((m for m in self.__dict__.get("_nested_models", ())
                       if any(other.name == layer.name for other in m._layers)), None)
        other = "a layer of this model" if holder is None else \
            f"a layer of Model {holder.name!r} ({type(holder).__name__}) nested before it"
        example = f"{type(layer).__name__}(..., name={layer.name!r})"
        return ValueError(
            f"All layers of a model should have unique names in it. Name {layer.name!r} is given to a layer of Model "
            f"{model.name!r} ({type(model).__name__}) nested here and to {other}: glassnet's model is one chain of "
            "its nested models' layers, whose names are unique across them (Keras names layers per nested model). "
            f"Let the inner layers take default names ({type(layer).__name__}(...) rather than {example}), which "
            "nesting numbers apart, or give each model's layers names of their own (e.g. from a prefix its __init__ "
            "takes).")

    def _note_nested(self, model, alone=None):
        """Keep ``model``, whose layers join this one: to build it with this model where it is not
        built, and for :meth:`get_layer` and the trainable setter (Keras's ``model.trainable = False``
        sets the nested model's flag too). ``alone``: whether it was built before this model took it
        (default: built now)."""
        if not model.built:
            self.__dict__.setdefault("_unbuilt_models", []).append(model)
        # built here, its variables' paths are in this model's scope, as Keras's (updates.parameter_paths);
        # a subclass that _add_model builds is built here: Sequential([Input((4,)), Block()]) gave its
        # variables "block/dense/kernel" where Keras's are "sequential/block/dense/kernel"
        model.__dict__.setdefault("_built_alone", model.built if alone is None else alone)
        # held, as Keras holds it: a model built in a function (base = ...; return Model(inputs, base(inputs)))
        # lost its nested model with the function's variables, and a loaded model's has no other holder
        self.__dict__.setdefault("_nested_models", []).append(model)
        # (weakly, the other way: its add and pop tell this model, _tell_holders, and outlive it)
        refs = [ref for ref in model.__dict__.get("_holders", ()) if ref() is not None]
        model.__dict__["_holders"] = [*refs, weakref.ref(self)]

    def _holding(self):
        """The models that hold this one nested in them now (all its layers in their chain)."""
        holders = (ref() for ref in self.__dict__.get("_holders", ()))
        return [model for model in holders if model is not None and any(m is self for m in model._nested())]

    def _tell_holders(self, holders, change, before, changed=None):
        """After this model (or ``changed``, a model nested in it) ``change`` d its layers, which ``holders``
        hold as theirs (``before``: :func:`_chain_shapes` of them): each of them, and the models holding them,
        refuses its next use (:meth:`_refuse_changed_nested`) while the changed model's chain differs from
        that. Keras's model calls the changed nested model; glassnet's holds the old chain of layers, and
        computed with it silently (``outer = Sequential([base, Dense(2)])``, then ``base.pop()``)."""
        changed = changed or self
        for model in holders:
            records = model.__dict__.setdefault("_changed_nested", [])
            if not any(record[0] is changed for record in records):  # (the chain it holds: the first change's)
                records.append((changed, change, before))
            model._tell_holders(model._holding(), change, before, changed)
        _BINDS[0] += 1  # (every use of a model then claims its layers first, _claim_layers, which refuses it)

    def _refuse_changed_nested(self):
        """The refusal :meth:`_tell_holders` set up, at every use of this model (:meth:`_claim_layers`); lifted
        once each changed model is changed back, to the same layer objects of the same shapes as this model
        holds (``base.add(layer)`` then ``base.pop()``): the chain is the one nested then."""
        if "_changed_nested" in self.__dict__:
            records = [record for record in self._changed_nested if _chain_shapes(record[0]._layers) != record[2]]
            if not records:
                del self._changed_nested
                return
            self._changed_nested = records
            name, change = records[0][0].name, records[0][1]
            raise ValueError(
                f"Model {name!r} nested in model {self.name!r} {change} since it was nested: {self.name!r} holds the "
                f"layers {name!r} had (glassnet's models are chains of the same layer objects), and would compute "
                f"without the change (Keras's would call the changed {name!r}). Make {self.name!r} again with the "
                f"changed model (Sequential([{name}, ...])), or change a copy of it instead "
                f"(glassnet.models.clone_model({name})).")

    def _build_nested(self, start=0):
        """Build the nested models that were not built (Keras builds them with the model holding
        them), once this model has built their layers; then the nodes of the layers from ``start``."""
        built = False
        for model in self.__dict__.pop("_unbuilt_models", []) if self.built else ():
            if not model.built and model._layers[0].built:
                model.build((None, *model._layers[0].input_shape))
                built = True
        if built:  # (which bound the layers into its vectors: this model's, bound before, take them back)
            _BINDS[0] += 1
            self._binds_seen = _BINDS[0]
            self._take_back(start)
        self._record_nodes(start)  # (after the nested models: their layers' nodes are theirs, as Keras's first call)

    def _join_deferred(self, input_shape):
        """Add the models (and the layers after them) that wait for the input shape (see :meth:`_add_model`),
        now ``input_shape``: each subclassed model traced on its input there, as Keras's first call builds
        them. A trace that fails leaves this model as it was, waiting still; the models traced before the one
        that failed stay traced and built for the shape they met (as Keras's layers stay built after a failed
        first call), so the model can then be built only for that input shape."""
        state = {key: copy.copy(value) for key, value in self.__dict__.items()}
        items, self._deferred, self._input_shape = self._deferred, [], input_shape
        try:
            for item in items:
                self._add(item, build=False)  # (then built with the layers before them, by build)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _waiting(self):
        """The layers and models that are to join this model once its input shape is known (:meth:`_add_model`)."""
        return self.__dict__.get("_deferred", [])

    def _nested(self, name=None):
        """The models nested in this one whose layers all still are in it (see :meth:`add`); those
        called ``name`` only, when given (checked first: ``add`` of a model asks)."""
        models = [model for model in self.__dict__.get("_nested_models", ()) if name in (None, model.name)]
        ids = {id(layer) for layer in self._layers} if models else ()
        return [model for model in models if all(id(layer) in ids for layer in model._layers)]
