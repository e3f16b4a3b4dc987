"""Saving and loading models, named as ``keras.saving``: ``save_model`` and ``load_model``.

A glassnet model file holds built-in objects only (custom ones are left out when saving,
with a warning), so Keras's registry of custom objects has no counterpart here: its names
raise an ``AttributeError`` saying what to use instead.
"""

from .models import load_model, save_model

#: Keras names glassnet does not have, with what to use instead
_KERAS_ONLY = {
    name: "glassnet model files hold built-in objects only, so there is no registry of custom objects. Define "
          "custom layers and activations without it: a model holding one is kept by model.save_weights(path) and "
          "given its weights back by load_weights(path) once built again in code; for a custom loss or metric, load "
          "with load_model(path, compile=False) and compile the model again with your own loss and metrics."
    for name in ("register_keras_serializable", "get_custom_objects", "custom_object_scope", "CustomObjectScope",
                 "get_registered_name", "get_registered_object")
}
_KERAS_ONLY.update(dict.fromkeys(
    ("serialize_keras_object", "deserialize_keras_object"),
    "Each registry has its own: glassnet.layers.serialize(obj) and glassnet.losses.get(config) (likewise for "
    "metrics, optimizers, activations, initializers, regularizers and constraints; get reads Keras's dicts)."))


def __getattr__(name):
    advice = _KERAS_ONLY.get(name)
    if advice is not None:
        raise AttributeError(f"glassnet.saving has no {name}. {advice}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["load_model", "save_model"]
