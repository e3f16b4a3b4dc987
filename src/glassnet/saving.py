"""Saving and loading models, named as ``keras.saving``: ``save_model``, ``load_model`` and Keras's
registry of custom objects.

A model file names a custom object (a ``Layer``, ``Activation``, ``Loss``, ``Metric``, initializer,
regularizer, constraint, optimizer or schedule subclass of the user's) by its registered name,
``"package>ClassName"`` from ``@register_keras_serializable(package=...)`` (the class name when it
was never registered), with its ``get_config()``. ``load_model`` finds the class by that name in
its ``custom_objects``, the active ``custom_object_scope`` s, then the registry, and makes the
object with ``from_config`` (default ``cls(**config)``): only classes the program registered or
passed are created, and nothing is imported by a name read from a file.
"""

from ._custom_objects import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from .models import load_model, save_model

#: Keras names glassnet does not have, with what to use instead
_KERAS_ONLY = dict.fromkeys(
    ("serialize_keras_object", "deserialize_keras_object"),
    "Each registry has its own: glassnet.layers.serialize(obj) and glassnet.losses.get(config) (likewise for "
    "metrics, optimizers, activations, initializers, regularizers and constraints; get reads Keras's dicts).")


def __getattr__(name):
    advice = _KERAS_ONLY.get(name)
    if advice is not None:
        raise AttributeError(f"glassnet.saving has no {name}. {advice}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "load_model", "register_keras_serializable", "save_model"]
