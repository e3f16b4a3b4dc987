"""Models in models, as files keep them: which runs of a model's layers are the models nested in
it (Keras's ``Sequential([base, Dense(1)])``, ``base(inputs, training=False)``), so that a loaded
or cloned model has them again: ``get_layer("base")``, ``base.trainable``, Keras's weight paths.

A nested model joins as its layers (see ``Sequential.add``); what a configuration adds is the
tree of those models, each entry ``{"name", "layers": [start, stop], "trainable", "nested": [...]}``
over the positions ``start`` to ``stop - 1`` of the layers of the model holding it (positions, not
names: a file renames a repeated name), with ``"functional": true``, ``"pins"`` and ``"built_alone":
false`` (built by the model holding it, so its variables' paths are in that model's scope) where set,
the name, batch size and dtype given to its ``Input`` (``"input_name"``, ``"batch_size"``,
``"input_dtype"``, as the top-level configuration's) where given, its ``"seed"`` where it was given one
(``Sequential(..., seed=7)``: a copy draws its layers from it where it was built alone, :func:`build_as_drawn`;
a ``.keras`` file leaves it out, as the top-level one), and, for a subclass of ``Model``,
``"subclass"`` as the top-level one (``subclassing.subclass_entry``): made again as its class, on the
same layers, where the program registered or passes the class.
"""

import json

from .._validation import check_positive_int
from ..backend import make_rng


def nested_spans(model):
    """``[(nested model, start, stop), ...]`` of the models nested in ``model`` itself (not those nested
    in them), in the order of their layers: each a run of ``model``'s layers, none overlapping."""
    position = {id(layer): i for i, layer in enumerate(model._layers)}
    spans, end = [], 0
    found = [(position[id(nested._layers[0])], nested) for nested in model._nested() if nested._layers]
    for start, nested in sorted(found, key=lambda item: item[0]):
        stop = start + len(nested._layers)
        # (a run in order; a model whose layers were shuffled by hand is left out of the tree)
        if start >= end and [position[id(layer)] for layer in nested._layers] == list(range(start, stop)):
            spans.append((nested, start, stop))
            end = stop
    return spans


def nested_items(model):
    """``model``'s layers in order, each run of them that is a model nested in ``model`` itself (see
    :func:`nested_spans`) given as that model: what a summary, a file or a variable path walks. A
    subclassed model not built yet: the layers and models given to its attributes (Keras's summary)."""
    if not model._layers and hasattr(model, "_assigned_items"):
        yield from model._assigned_items()
        return
    layers, end = model._layers, 0
    for nested, start, stop in nested_spans(model):
        yield from layers[end:start]
        yield nested
        end = stop
    yield from layers[end:]
    yield from model.__dict__.get("_deferred", ())  # (the models that wait for the input shape, and layers after them)


def nested_config(model):
    """The ``nested`` entries of ``model``'s configuration (see the module docstring)."""
    from .subclassing import subclass_entry

    entries = []
    for nested, start, stop in nested_spans(model):
        entry = {"name": nested.name, "layers": [start, stop], "trainable": bool(nested._trainable)}
        if getattr(nested, "_functional", False):
            entry["functional"] = True
        if not getattr(nested, "_built_alone", True):  # built by the model holding it: its paths are in its scope
            entry["built_alone"] = False
        if nested.seed is not None:  # Sequential(seed=...): built alone, it drew its layers; a copy's draws them again
            entry["seed"] = int(nested.seed)
        pins = {layer.name: mode for layer, mode in nested._pins.items() if layer in nested._layers}
        if pins:
            entry["pins"] = pins
        entry.update(_input_entry(nested))
        subclass = subclass_entry(nested)
        if subclass is not None:  # (loaded as the Sequential of its chain where the class is not known)
            entry["subclass"] = subclass
        children = nested_config(nested)
        if children:
            entry["nested"] = children
        entries.append(entry)
    return entries


def _input_entry(model):
    """What was given to ``model``'s ``Input`` (``Input((4,), batch_size=8, dtype="int32", name="enc_in")``),
    as its configuration keeps it: its ``input.name``, ``input.shape`` and ``input.dtype`` after a copy,
    as Keras's, and its InputLayer row in ``summary(expand_nested=True)``."""
    given = {"input_name": model.__dict__.get("_input_name"), "batch_size": model.__dict__.get("_input_batch_size"),
             "input_dtype": model._given_input_dtype()}
    return {key: value for key, value in given.items() if value is not None}


def _restore_input(model, entry):
    """Give ``model`` (made from the ``nested`` ``entry``) what :func:`_input_entry` kept of its ``Input``;
    a malformed value is a ValueError that names the entry."""
    from ..layers.input_layer import given_input_name, input_dtype_name

    name, size, dtype = (entry.get(key) for key in ("input_name", "batch_size", "input_dtype"))
    try:
        if name is not None and not isinstance(name, str):
            raise ValueError(f"'input_name' must be a string. Received: {name!r:.100}")
        size = check_positive_int(size, "batch_size", allow_none=True)
        dtype = None if dtype is None else input_dtype_name(dtype, "input_dtype")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"config's 'nested' entry {entry['name']!r} is malformed: {exc}") from None
    model._input_name, model._input_batch_size, model._input_dtype = given_input_name(name), size, dtype


#: the flags of a ``nested`` entry, each True or False
FLAGS = ("trainable", "functional", "built_alone")
#: the keys of a ``nested`` entry that say what was given to the nested model's ``Input``
INPUT_KEYS = ("input_name", "batch_size", "input_dtype")


def revive_nested(layers, entries, input_shape, start=0):
    """Put in ``layers`` (a configuration's layers, made) the layers of each subclass of ``Model`` that
    ``entries`` name (their ``"subclass"``) and whose class the program registered or passes: the class
    made from its config and traced on the shape there (the layers its ``__init__`` made, which its
    attributes and methods use), given the file's names. Returns ``{id(entry): subclass}``, for
    :func:`restore_nested`; ``start``: the position of ``layers[0]`` in the model the entries count in."""
    from .. import _custom_objects
    from .subclassing import make

    made = {}
    for entry in entries if isinstance(entries, list) and input_shape is not None else ():
        span = entry.get("layers") if isinstance(entry, dict) else None
        if not (isinstance(span, list) and len(span) == 2 and all(type(i) is int for i in span)
                and 0 <= span[0] - start < span[1] - start <= len(layers)):
            continue  # (restore_nested says what is malformed)
        first, stop = span[0] - start, span[1] - start
        subclass = entry.get("subclass")
        # (checked before the class is looked up, as the top-level entry: a damaged one is not a plain chain)
        if "subclass" in entry and not (isinstance(subclass, dict) and isinstance(subclass.get("config"), dict)):
            raise ValueError(f"its nested model {entry.get('name')!r}'s 'subclass' entry must be an object with a "
                             f"'config' object. Received: {subclass!r:.200}")
        cls = _custom_objects.find(subclass, "model") if subclass is not None else None
        if cls is None:  # a Sequential, its own nested subclasses made where known
            made.update(revive_nested(layers, entry.get("nested", []), input_shape, span[0]))
            continue
        shape, counts = tuple(input_shape), []
        for i, layer in enumerate(layers[:stop]):
            if i >= first:
                counts.append(layer.count_weights(shape))
            shape = layer.sample_output_shape(shape)
        shape = tuple(input_shape)
        for layer in layers[:first]:
            shape = layer.sample_output_shape(shape)
        model = make(cls, subclass, (None, *shape), sum(counts))
        saved = layers[first:stop]
        if ([type(layer) for layer in model._layers] != [type(layer) for layer in saved]
                or [layer.count_params() for layer in model._layers] != counts):
            raise ValueError(f"the class {cls.__name__} (registered or passed for {subclass.get('registered_name')!r}) "
                             f"made from the saved config {subclass['config']!r:.200} has the layers "
                             f"{[type(layer).__name__ for layer in model._layers]} with {model.count_params():,} "
                             f"weights, where the file's nested model {entry.get('name')!r} has "
                             f"{[type(layer).__name__ for layer in saved]} with {sum(counts):,}: the file was saved by "
                             "another version of the class.")
        model.name = entry.get("name")  # (an __init__(self) without name= names it anew)
        name_as_saved(model, entry.get("nested"))
        for layer, old in zip(model._layers, saved):
            layer.name = old.name  # the file's: its pins and generators' states name them
            layer.trainable = old.trainable  # (a layer frozen after __init__: the file's flag, else it trains again)
            if getattr(old, "_default_named", None) == old.name:
                layer._default_named = old.name
        layers[first:stop] = model._layers
        made[id(entry)] = model
    return made


def name_as_saved(model, entries):
    """Give the models nested in the remade subclass ``model`` (those its ``__init__`` made, named anew)
    the names of the file's ``nested`` ``entries``: a Block an Outer holds was "block_3" after a load,
    so its variables' paths ("sequential/outer/block_3/dense/kernel") were not the saved model's."""
    for (nested, start, stop), entry in zip(nested_spans(model), entries or [], strict=False):
        if isinstance(entry, dict) and entry.get("layers") == [start, stop] and isinstance(entry.get("name"), str):
            nested.name = entry["name"]
            name_as_saved(nested, entry.get("nested"))


def restore_nested(model, entries, made=None):
    """Make the nested models that ``entries`` (a configuration's ``nested``) describe over ``model``'s
    layers, the same layer objects, as :meth:`Sequential.add` nests a model; a malformed entry is a
    ValueError that names it. ``made``: the subclasses :func:`revive_nested` made, nested as they are."""
    from .persistence import _read_pins
    from .sequential import Sequential

    if not isinstance(entries, list):
        raise ValueError(f"config's 'nested' must be a list of nested models. Received: {entries!r:.200}")
    end = 0
    for entry in entries:
        span = entry.get("layers") if isinstance(entry, dict) else None
        # an unknown key or a flag that is not a bool is refused, as a layer's config refuses them: a
        # misspelt "built_alone" or "functional": "yes" silently changed the variables' paths
        if (not isinstance(span, list) or len(span) != 2 or not all(type(i) is int for i in span)
                or not end <= span[0] < span[1] <= len(model._layers) or not isinstance(entry.get("name"), str)
                or not all(isinstance(entry.get(key, True), bool) for key in FLAGS)
                or not set(entry) <= {"name", "layers", "pins", "nested", "subclass", "seed", *FLAGS, *INPUT_KEYS}):
            raise ValueError(f"config's 'nested' entry {entry!r:.200} is malformed: it must name a model and give "
                             f"'layers': [start, stop], a run of the {len(model._layers)} layers of {model.name!r} "
                             f"after those of the entry before it, {', '.join(map(repr, FLAGS))} (if given) True or "
                             "False, and no other keys than those and 'pins', 'nested', 'subclass', "
                             f"{', '.join(map(repr, INPUT_KEYS))}, 'seed'.")
        end = span[1]
        seed = entry.get("seed")
        try:
            if seed is not None:
                make_rng(seed)  # (checked as Sequential(seed=...) checks it, named here)
        except ValueError as exc:
            raise ValueError(f"config's 'nested' entry {entry['name']!r} is malformed: {exc}") from None
        subclass = (made or {}).get(id(entry))
        if subclass is not None:  # its class made it, its own nested models with it
            if subclass._layers != model._layers[span[0]:span[1]]:
                raise ValueError(f"config's 'nested' entry {entry['name']!r} does not hold the layers of its "
                                 f"{type(subclass).__name__}.")
            subclass._trainable = entry.get("trainable", True)
            subclass._built_alone = entry.get("built_alone", True)
            model._note_nested(subclass)
            continue
        nested = Sequential(model._layers[span[0]:span[1]], name=entry["name"], dtype=model.dtype,
                            trainable=entry.get("trainable", True), seed=seed)
        _restore_input(nested, entry)  # (before anything reads its input: model.input keeps them)
        if entry.get("functional"):
            nested._functional = True
        nested._pins = _read_pins(entry.get("pins", {}), nested._layers)
        nested._built_alone = entry.get("built_alone", True)  # (updates.parameter_paths)
        restore_nested(nested, entry.get("nested", []), made)
        model._note_nested(nested)
    if model.built:
        model._bind_flat_buffers()  # the layers back into this model's vectors (each nested model took them)
    model._build_nested()


def build_as_drawn(model, input_shape, entries):
    """Build the layers of ``model`` (made from a configuration whose ``nested`` is ``entries``) for
    ``input_shape`` as the configuration's model drew them, where a nested model was given a seed and built
    alone (``Sequential([Input(...), ...], seed=7)``, then nested): its layers from a generator of its seed,
    the others in order from the model's (its seed's, or the global one), which that nested model's layers
    took nothing from. One build from the model's generator gave a copy's nested model other weights and
    dropout masks, and the model's layers after it too. Nothing is built where no such entry is (``build``
    then draws as before), nor where an entry is malformed (:func:`restore_nested` refuses it)."""
    from ..layers._building import build_layer
    from .layer_stack import _drawing_from

    def seeded_alone(entries):
        return any(isinstance(e, dict) and ((e.get("seed") is not None and e.get("built_alone", True) is True)
                                            or seeded_alone(e.get("nested") or [])) for e in entries)

    def spans(layers, entries):  # [(start, stop, entry)], or None where the entries are not a run of spans
        found, end = [], 0
        for e in entries:
            span = e.get("layers") if isinstance(e, dict) else None
            if not (isinstance(span, list) and len(span) == 2 and all(type(i) is int for i in span)
                    and end <= span[0] < span[1] <= len(layers) and isinstance(e.get("nested", []), list)):
                return None
            found.append((*span, e))
            end = span[1]
        return found

    def build(layers, entries, rng, shape):
        found = spans(layers, entries)
        if found is None:
            raise ValueError  # (restore_nested says what)
        end = 0
        for start, stop, entry in [*found, (len(layers), len(layers), None)]:
            with _drawing_from(rng):
                for layer in layers[end:start]:
                    build_layer(layer, shape)
                    shape = layer.output_shape
            if entry is not None:
                seed = entry.get("seed")
                own = seed is not None and entry.get("built_alone", True) is True
                shape = build(layers[start:stop], entry.get("nested", []), make_rng(seed) if own else rng, shape)
            end = stop
        return shape

    if not isinstance(entries, list) or not seeded_alone(entries):
        return
    try:
        build(model._layers, entries, None if model.seed is None else make_rng(model.seed), tuple(input_shape))
    except ValueError:
        pass  # a malformed entry or seed: restore_nested refuses it by name; model.build draws as before


#: the classes of Keras's models, which a Keras configuration may hold among its layers
KERAS_MODELS = ("Sequential", "Functional")


def flatten_keras(config):
    """``config`` (a Sequential configuration) with the Keras models among its layers (Keras's
    ``Sequential([base, Dense(1)])``; a Functional one whose layers form one chain) replaced by
    their layers, and ``nested`` entries that say which (see the module docstring); a
    configuration without any comes back as it is. The training=True or False of a call of a nested
    model in a Functional one (its ``pins``) pins that model's layers."""
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list) or not any(isinstance(c, dict) and (c.get("class_name") in KERAS_MODELS
                                                                        or _subclass_named(c)) for c in layers):
        return config
    from .keras_reading import functional_chain

    flat, entries, pins, count = [], [], dict(config.get("pins") or {}), 0
    # the names of the file's own layers, which a nested subclass's layers (not named in the file) keep clear of
    taken = {c["config"].get("name") for c in layers if isinstance(c, dict) and isinstance(c.get("config"), dict)}
    for layer_config in layers:
        kind = layer_config.get("class_name") if isinstance(layer_config, dict) else None
        subclass = _subclass_named(layer_config) if kind not in KERAS_MODELS else None
        if kind not in KERAS_MODELS and subclass is None:
            flat.append(layer_config)
            count += kind != "InputLayer"
            continue
        inner = layer_config.get("config")
        name = inner.get("name") if isinstance(inner, dict) else None
        if not isinstance(name, str):
            raise ValueError(f"its nested {kind} model has no name: {layer_config!r:.200}")
        if subclass is not None:  # Keras writes its class and get_config: its layers are those its call chains
            inner = _subclass_config(subclass, layer_config, taken)
        elif kind == "Functional":
            try:  # read as its JSON text (to_json) is read: Keras's in-memory get_config() holds tuples
                inner = {**functional_chain(json.loads(json.dumps(inner))), "functional": True}
            except (TypeError, ValueError) as exc:
                raise ValueError(f"its nested Functional model {name!r}: {exc}") from None
        inner = flatten_keras(inner)
        own = [c for c in inner["layers"] if not (isinstance(c, dict) and c.get("class_name") == "InputLayer")]
        entry = {"name": name, "layers": [count, count + len(own)], "trainable": inner.get("trainable", True)}
        for key in ("functional", "pins", "nested", "subclass"):
            if inner.get(key):
                entry[key] = inner[key]
        if subclass is None:  # its InputLayer: the name (enc_in), batch size and dtype given to its Input
            entry.update(_keras_input_entry(inner["layers"], name))
        names = [c.get("config", {}).get("name") for c in own]
        # as glassnet's own models: the nested model's pins hold in the model holding it, unless it was
        # called with training=True itself
        pins = {**entry.get("pins", {}), **pins}
        if name in pins:
            mode = pins.pop(name)
            pins.update({layer_name: mode for layer_name in names})
        flat += own
        entries.append(entry)
        count += len(own)
    return {**config, "layers": flat, "nested": entries, **({"pins": pins} if pins else {})}


def _keras_input_entry(layer_configs, model_name):
    """The ``nested`` entry's keys (:data:`INPUT_KEYS`) of the Input of a Keras model whose layers'
    configs are ``layer_configs``: those of its leading InputLayer (a name Keras gave, input_layer_1,
    counts as none; so does its default float32 dtype: :func:`~glassnet.layers.input_layer.keras_input_dtype`)."""
    from ..layers.input_layer import keras_input_dtype
    from .persistence import _input_batch_size, _input_name, _keras_input

    try:
        entry = {"input_name": _input_name({}, layer_configs), "batch_size": _input_batch_size({}, layer_configs),
                 "input_dtype": keras_input_dtype(_keras_input(layer_configs).get("dtype"))}
    except (TypeError, ValueError) as exc:
        raise ValueError(f"its nested model {model_name!r}'s InputLayer is malformed: {exc}") from None
    return {key: value for key, value in entry.items() if value is not None}


def _subclass_named(layer_config):
    """The subclass of ``Model`` that the program registered or passes under the name a Keras file's
    layer config gives (Keras's ``Sequential([Input(...), Inner()])`` writes ``Inner`` as a layer), else None."""
    from .. import _custom_objects
    from .subclassing import SubclassedModel

    if not isinstance(layer_config, dict):
        return None
    for name in (layer_config.get("registered_name"), layer_config.get("class_name")):
        cls = _custom_objects.get_registered_object(name) if isinstance(name, str) else None
        if cls is not None:
            return cls if isinstance(cls, type) and issubclass(cls, SubclassedModel) else None
    return None


def _subclass_config(cls, layer_config, taken):
    """The Sequential configuration of the subclass ``cls`` that a Keras file's ``layer_config`` describes:
    made from its config, traced on its ``build_config``'s input shape; its layers' default names clear of
    ``taken`` (then taken too); ``"subclass"``: the entry that makes it again (:func:`revive_nested`)."""
    from .layer_stack import _default_name
    from .sequential import Sequential
    from .subclassing import make

    shape = (layer_config.get("build_config") or {}).get("input_shape")
    if not isinstance(shape, list) or len(shape) < 2 or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
        raise ValueError(f"its nested {layer_config.get('class_name')} model's build_config input_shape "
                         f"{shape!r:.100} is not (batch, positive sizes...).")
    entry = {key: layer_config.get(key) for key in ("module", "class_name", "config", "registered_name")}
    if not isinstance(entry["config"], dict):
        raise ValueError(f"its nested {cls.__name__} model's config is not an object: {entry['config']!r:.100}")
    model = make(cls, entry, [None, *shape[1:]], 0)  # (a size setting over FREE_CUSTOM_SETTING: refused)
    numbers = {}
    for layer in model._layers:
        if layer.name in taken:
            layer.name = _default_name(layer, taken, numbers)
        taken.add(layer.name)
    return {**Sequential.get_config(model), "trainable": layer_config["config"].get("trainable", True),
            "subclass": entry}
