"""Models, named as ``keras.models``."""

import copy
import inspect
import warnings

from .._custom_objects import CustomObjectScope, get_registered_name, is_custom
from ..layers.base import in_memory_configs
from ..metrics import Metric
from .functional import Model
from .saving import load_model
from .sequential import Sequential
from .subclassing import SubclassedModel, init_config, remake
from .divergence import DivergenceWarning, user_stacklevel


def clone_model(model, clone_function=None):
    """A new :class:`Sequential` with ``model``'s architecture and fresh weights
    (as ``keras.models.clone_model``): built if ``model`` is, and compiled if it is, as
    Keras 3's (the same loss and metrics, a fresh optimizer of the same settings: :func:`_compile_like`). Each layer
    gets a copy of the original's activation, initializers and regularizers, custom
    ones included, and keeps its ``trainable`` flag. The clone of a frozen Sequential is frozen; that of a
    functional model is trainable (its layers' flags say what trains), as Keras 3.15's new ``Functional``;
    a model nested in ``model`` is made as Keras's default ``clone_function`` makes it, by its
    ``from_config``: a Sequential trainable (its layers' flags kept), a functional model with its own flag,
    a subclass of ``Model`` as its class, from its ``get_config()`` (a NotImplementedError, as Keras's,
    where its ``__init__`` requires arguments that ``get_config()`` does not return). A subclass of
    ``Model`` gives a new instance of its class, as Keras's: made from its
    ``get_config()`` (``from_config``) and traced anew on ``model``'s input shape; where its ``__init__``
    requires arguments that ``get_config()`` does not return, the Sequential of its chain, with a warning.

    ``clone_function(layer)``, as Keras's, makes each layer of the clone from the original's (its
    default is ``layer.__class__.from_config(layer.get_config())``): change a setting in the config,
    or return ``layer`` itself to share that layer and its weights with ``model``. A model nested in
    ``model`` is given to it as that model, as Keras's (``recursive=False``); each layer's ``trainable``
    flag is the one it returns, and the pins (``training=``) and the Input are ``model``'s."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet Sequential. Received: {type(model).__name__}")
    return _compile_like(_clone(model, clone_function), model)


def _compile_like(clone, model):
    """``clone`` compiled as ``model`` is, as Keras 3's ``clone_model`` compiles it from
    ``model.get_compile_config()``: the loss, copies of the metrics (their state their own), and a
    new optimizer from the optimizer's config (no state: the clone's weights are fresh too). An
    optimizer that its config cannot rebuild (a MultiOptimizer's function) leaves the clone
    uncompiled, with a warning."""
    if not getattr(model, "compiled", False):
        return clone
    from .._custom_objects import serialize
    from .compiled_metrics import _copy

    try:
        if is_custom(model.optimizer, "optimizer"):  # its config checked as save checks it: no default silently
            with in_memory_configs():
                serialize(model.optimizer, "optimizer")
        optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    except Exception as exc:  # noqa: BLE001 -- whatever a config cannot rebuild: said, and left to the user
        warnings.warn(f"The clone is not compiled: its optimizer cannot be made again from "
                      f"{type(model.optimizer).__name__}'s config ({exc}). Compile it yourself.", UserWarning,
                      stacklevel=user_stacklevel())
        return clone
    fresh = [[_copy(m) if isinstance(m, Metric) else m for m in ids]
             for ids in (model._metric_ids, getattr(model, "_weighted_metric_ids", []))]
    clone.compile(optimizer=optimizer, loss=copy.deepcopy(model.loss), metrics=fresh[0] or None,
                  weighted_metrics=fresh[1] or None, jit_compile=model.jit_compile)
    return clone


def _clone(model, clone_function):
    if clone_function is not None:
        return _clone_with(model, clone_function)
    if isinstance(model, SubclassedModel):  # as Keras: the class made again from its config, traced anew
        with in_memory_configs():  # (its layers' configs, which its get_config may ask for, are not for a file)
            config = init_config(model)
        if config is not None:
            return remake(model, config)
        warnings.warn(f"clone_model gives the Sequential of the layers {type(model).__name__}'s call chains: its "
                      "__init__ requires arguments that its get_config() does not return (override get_config to "
                      "return them, and the clone is a new instance of the class).", UserWarning, stacklevel=user_stacklevel())
    with in_memory_configs():
        # (Sequential's: a subclass of Model may override get_config with its __init__ arguments)
        config = copy.deepcopy(Sequential.get_config(model))
        classes = _as_keras_clones(model, config.get("nested", []))
    # a custom layer's class is at hand, registered or not (as Keras clones it): its config names it
    classes |= {get_registered_name(type(layer)): type(layer) for layer in model._layers if is_custom(layer, "layer")}
    with CustomObjectScope(classes):
        clone = Sequential.from_config(config)  # (frozen if model is: its config says so)
    if getattr(model, "_functional", False):
        # Keras's clone of a functional model is a new Functional(inputs, outputs): trainable, whatever
        # model's own flag, its layers keeping theirs (those of a frozen model: all False, so nothing trains)
        clone._trainable = True
    return clone


def _as_keras_clones(model, entries):
    """Make the ``nested`` ``entries`` of ``model``'s configuration (see :mod:`.nesting`) describe what Keras's
    default ``clone_function``, ``layer.__class__.from_config(layer.get_config())``, makes of each model
    nested in it: a subclass of ``Model`` its class again, from its ``get_config()`` (JSON or not: the clone
    never goes to a file); a functional model with its own flag; a Sequential trainable, its layers keeping
    their flags (Keras's ``Sequential.from_config`` leaves the model's own out). Returns ``{name: class}``
    of those subclasses, for the ``CustomObjectScope`` that makes them (registered or not)."""
    from .nesting import nested_spans

    classes = {}
    for (nested, _, _), entry in zip(nested_spans(model), entries, strict=True):
        if isinstance(nested, SubclassedModel):
            cls, config = type(nested), init_config(nested)
            if config is None:
                required = [p.name for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                            if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
                # (Keras 3.15 raises NotImplementedError here too: its serialization asks for get_config)
                raise NotImplementedError(
                    f"clone_model cannot make the model {nested.name!r} nested in {model.name!r} again: "
                    f"{cls.__name__}.__init__ requires {', '.join(required)}, which its get_config() does not "
                    f"return. Override get_config to return them ({{**super().get_config(), "
                    f"{required[0]!r}: self.{required[0]}}}), or pass a clone_function, which is given the "
                    f"nested model: return it to share it with {model.name!r}.")
            entry["subclass"] = {"module": cls.__module__, "class_name": cls.__name__, "config": config,
                                 "registered_name": get_registered_name(cls)}
            classes[get_registered_name(cls)] = cls
            continue  # (its class makes the models nested in it)
        if not getattr(nested, "_functional", False):
            entry["trainable"] = True
        classes |= _as_keras_clones(nested, entry.get("nested", []))
    return classes


def _clone_with(model, clone_function):
    """``clone_model(model, clone_function)``: the Sequential of ``clone_function(item)`` for each of
    ``model``'s items, as Keras 3's (``recursive=False``): its layers, and each model nested in it given
    as that model (Keras's clone of ``x -> base -> top`` holds ``base``, or what ``clone_function``
    returns for it). As Keras's, the clone starts from a new ``Input`` of ``model``'s (its name, batch size
    and dtype), is functional where ``model`` is, and calls the new layers with the ``training=`` its
    layers were called with (pins, here); each layer's ``trainable`` flag is the one ``clone_function``
    gives it (a layer returned as it is, shared, keeps its own), and the clone's own flag is ``model``'s
    (a functional model's clone trains, as Keras's: its layers' flags say what)."""
    from ..layers import InputLayer, Layer
    from .nesting import nested_items

    if not callable(clone_function):
        raise TypeError(f"clone_function must be a function of a layer returning a layer. "
                        f"Received: clone_function={clone_function!r}")
    model._refuse_changed_nested()  # (its nested items are the chain it holds, which a changed model is not)
    given, items = [], []
    for item in nested_items(model):
        new = clone_function(item)
        if not isinstance(new, (Layer, Sequential)) or isinstance(new, InputLayer):
            kind = "model" if isinstance(item, Sequential) else "layer"
            raise TypeError(f"clone_function must return a glassnet layer; for {kind} {item.name!r} it returned "
                            f"{type(new).__name__}. Return {kind}.__class__.from_config({kind}.get_config()), or "
                            f"{kind} itself to share it (a nested model is given as the model, as Keras's).")
        given.append(item)
        items.append(new)
    start = []
    if model.built:  # a new Input, as Keras's clone makes one: the same name, batch size and dtype
        source = model.input
        start = [InputLayer(shape=model._input_shape, batch_size=model.__dict__.get("_input_batch_size"),
                            dtype=source.dtype, name=model.__dict__.get("_input_name"))]
    functional = getattr(model, "_functional", False)
    # (Keras's Sequential(..., trainable=model.trainable): the model's own flag, the layers keep theirs; a layer
    # shared with model is model's own object, so setting clone.trainable unfroze it in model too)
    clone = Sequential([*start, *items], name=model.name, dtype=model.dtype,
                       trainable=True if functional else model._trainable)
    if functional:
        clone._functional = True
    clone._pins.update(_pins_for(model._pins, given, items))
    return clone


def _pins_for(pins, given, items):
    """The pins (``{layer: training}``) of the clone whose ``items`` ``clone_function`` made of ``given``,
    ``model``'s: each layer's at the same place of its item's, or, where an item has another number of
    layers, the one mode pinning all of the old item's layers (its call's ``training=``) on all of the new's."""
    def layers_of(item):
        return list(item._layers) if isinstance(item, Sequential) else [item]

    found = {}
    for old, new in zip(given, items):
        modes, layers = [pins.get(layer) for layer in layers_of(old)], layers_of(new)
        if len(modes) != len(layers):
            modes = modes[:1] * len(layers) if len(set(modes)) == 1 else [None] * len(layers)
        found.update({layer: mode for layer, mode in zip(layers, modes) if mode is not None})
    return found


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """``model.save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)``, as Keras 3's
    ``keras.saving.save_model`` (see :meth:`Sequential.save`)."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet Sequential. Received: {type(model).__name__}")
    model.save(filepath, overwrite=overwrite, zipped=zipped, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new :class:`Sequential` from :meth:`Sequential.to_json`'s text (as Keras): the
    architecture with fresh weights; only glassnet's built-in layers and the custom classes the
    program registered or passes in ``custom_objects`` (as ``load_model``'s) can be named. Keras 3's
    (and tf.keras's) ``Sequential.to_json()`` text is read too: its ``InputLayer`` gives the
    input shape; and a Keras functional model's whose layers form one chain (input, each layer
    on the one before it, output), as the Sequential of those layers."""
    from .._custom_objects import CustomObjectScope

    with CustomObjectScope(custom_objects):
        return _model_from_json(json_string)


def _compiled(model, spec):
    """``model`` compiled from the JSON's ``compile_config`` where it has one, as Keras 3's ``model_from_json``
    compiles it (the copy of a compiled model's ``to_json`` was uncompiled: evaluate refused it); a Keras one
    that does not map onto glassnet's built-in losses, optimizers and metrics leaves it uncompiled, with a
    warning, as ``load_model`` does."""
    import warnings

    from .keras_files import UncompiledWarning

    config = spec.get("compile_config")
    if not isinstance(config, dict):
        return model
    try:
        model.compile_from_config(config)
    except (ValueError, TypeError) as exc:
        reason, advice = str(exc)[:300], "Call model.compile(...) before fit or evaluate."
        warnings.warn(UncompiledWarning(f"The model of json_string is made uncompiled: its compile_config does not "
                                        f"map onto glassnet's ({reason}). {advice}", reason, advice),
                      stacklevel=user_stacklevel())
    return model


def _model_from_json(json_string):
    import json

    if not isinstance(json_string, (str, bytes, bytearray)):  # (a ValueError before: the value is of the wrong type)
        raise TypeError(f"json_string must be the text of Sequential.to_json() (a str). Received: "
                        f"{type(json_string).__name__} {json_string!r:.80}")
    try:
        spec = json.loads(json_string)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than any model
        raise ValueError(f"json_string must be the text of Sequential.to_json(): {exc}") from None
    kind = spec.get("class_name") if isinstance(spec, dict) else None
    if kind == "Model" and isinstance(spec.get("config"), dict) and "input_layers" in spec["config"]:
        kind = "Functional"  # Keras 2 and tf.keras before 2.4 name a functional model "Model"
    if kind == "Functional":
        from .keras_reading import SeveralEndpoints, functional_chain

        try:
            # functional, as Model.from_config reads the same config: variable paths without the model's scope
            # (h/kernel, as Keras's), and the summary's InputLayer row
            model = Sequential.from_config({**functional_chain(spec.get("config")), "functional": True})
        except ValueError as exc:
            instead = "" if isinstance(exc, SeveralEndpoints) else " Rebuild the model as keras.Sequential([...])."
            raise ValueError(f"json_string describes a Keras Functional model that glassnet cannot read: "
                             f"{exc}{instead}") from None
        return _compiled(model, spec)
    if kind == "Model":
        raise ValueError("json_string describes a subclassed Keras Model: glassnet reads Sequential models and "
                         "functional models whose layers form one chain. Rebuild the model as "
                         "keras.Sequential([...]).")
    if not isinstance(spec, dict) or spec.get("class_name") != "Sequential" or not isinstance(spec.get("config"), dict):
        raise ValueError('json_string must hold {"class_name": "Sequential", "config": {...}} as to_json() writes it.')
    return _compiled(Sequential.from_config(spec["config"]), spec)


#: Keras names glassnet does not have, with what to use instead
_KERAS_ONLY = {
    "Functional": "glassnet's functional models are Sequential ones: use glassnet.models.Model(inputs, outputs) of "
                  "a chain of layers, or glassnet.models.Sequential([...]).",
}


#: the warnings of the Keras-file modules, imported when asked for (not at ``import glassnet``: ~12 ms)
_WARNINGS = {"OptimizerStateWarning": "keras_optimizer", "UncompiledWarning": "keras_files"}


def __getattr__(name):
    if name in _WARNINGS:  # (from glassnet.models import UncompiledWarning, to filter or catch it)
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WARNINGS[name]}"), name)
    advice = _KERAS_ONLY.get(name)
    if advice is not None:
        raise AttributeError(f"glassnet.models has no {name}. {advice}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_WARNINGS})


__all__ = ["Model", "Sequential", "load_model", "save_model", "clone_model", "model_from_json", "DivergenceWarning",
           "OptimizerStateWarning", "UncompiledWarning"]
