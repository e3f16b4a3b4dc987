"""Models in models, as files keep them: which runs of a model's layers are the models nested in
it (Keras's ``Sequential([base, Dense(1)])``, ``base(inputs, training=False)``), so that a loaded
or cloned model has them again: ``get_layer("base")``, ``base.trainable``, Keras's weight paths.

A nested model joins as its layers (see ``Sequential.add``); what a configuration adds is the
tree of those models, each entry ``{"name", "layers": [start, stop], "trainable", "nested": [...]}``
over the positions ``start`` to ``stop - 1`` of the layers of the model holding it (positions, not
names: a file renames a repeated name), with ``"functional": true``, ``"pins"`` and ``"built_alone":
false`` (built by the model holding it, so its variables' paths are in that model's scope) where set.
"""


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
    layers, end = model.layers, 0
    for nested, start, stop in nested_spans(model):
        yield from layers[end:start]
        yield nested
        end = stop
    yield from layers[end:]


def nested_config(model):
    """The ``nested`` entries of ``model``'s configuration (see the module docstring)."""
    entries = []
    for nested, start, stop in nested_spans(model):
        entry = {"name": nested.name, "layers": [start, stop], "trainable": bool(nested._trainable)}
        if getattr(nested, "_functional", False):
            entry["functional"] = True
        if not getattr(nested, "_built_alone", True):  # built by the model holding it: its paths are in its scope
            entry["built_alone"] = False
        pins = {layer.name: mode for layer, mode in nested._pins.items() if layer in nested._layers}
        if pins:
            entry["pins"] = pins
        children = nested_config(nested)
        if children:
            entry["nested"] = children
        entries.append(entry)
    return entries


#: the flags of a ``nested`` entry, each True or False
FLAGS = ("trainable", "functional", "built_alone")


def restore_nested(model, entries):
    """Make the nested models that ``entries`` (a configuration's ``nested``) describe over ``model``'s
    layers, the same layer objects, as :meth:`Sequential.add` nests a model; a malformed entry is a
    ValueError that names it."""
    from .sequential import Sequential, _read_pins

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
                or not set(entry) <= {"name", "layers", "pins", "nested", *FLAGS}):
            raise ValueError(f"config's 'nested' entry {entry!r:.200} is malformed: it must name a model and give "
                             f"'layers': [start, stop], a run of the {len(model._layers)} layers of {model.name!r} "
                             f"after those of the entry before it, {', '.join(map(repr, FLAGS))} (if given) True or "
                             "False, and no other keys than those and 'pins' and 'nested'.")
        end = span[1]
        nested = Sequential(model._layers[span[0]:span[1]], name=entry["name"], dtype=model.dtype,
                            trainable=entry.get("trainable", True))
        if entry.get("functional"):
            nested._functional = True
        nested._pins = _read_pins(entry.get("pins", {}), nested._layers)
        nested._built_alone = entry.get("built_alone", True)  # (training.parameter_paths)
        restore_nested(nested, entry.get("nested", []))
        model._note_nested(nested)
    if model.built:
        model._bind_flat_buffers()  # the layers back into this model's vectors (each nested model took them)
    model._build_nested()


#: the classes of Keras's models, which a Keras configuration may hold among its layers
KERAS_MODELS = ("Sequential", "Functional")


def flatten_keras(config):
    """``config`` (a Sequential configuration) with the Keras models among its layers (Keras's
    ``Sequential([base, Dense(1)])``; a Functional one whose layers form one chain) replaced by
    their layers, and ``nested`` entries that say which (see the module docstring); a
    configuration without any comes back as it is. The training=True or False of a call of a nested
    model in a Functional one (its ``pins``) pins that model's layers."""
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list) or not any(isinstance(c, dict) and c.get("class_name") in KERAS_MODELS
                                               for c in layers):
        return config
    from .keras_files import functional_chain

    flat, entries, pins, count = [], [], dict(config.get("pins") or {}), 0
    for layer_config in layers:
        kind = layer_config.get("class_name") if isinstance(layer_config, dict) else None
        if kind not in KERAS_MODELS:
            flat.append(layer_config)
            count += kind != "InputLayer"
            continue
        inner = layer_config.get("config")
        name = inner.get("name") if isinstance(inner, dict) else None
        if not isinstance(name, str):
            raise ValueError(f"its nested {kind} model has no name: {layer_config!r:.200}")
        if kind == "Functional":
            try:
                inner = {**functional_chain(inner), "functional": True}
            except ValueError as exc:
                raise ValueError(f"its nested Functional model {name!r}: {exc}") from None
        inner = flatten_keras(inner)
        own = [c for c in inner["layers"] if not (isinstance(c, dict) and c.get("class_name") == "InputLayer")]
        entry = {"name": name, "layers": [count, count + len(own)], "trainable": inner.get("trainable", True)}
        for key in ("functional", "pins", "nested"):
            if inner.get(key):
                entry[key] = inner[key]
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
