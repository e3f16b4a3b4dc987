"""Layers, named as ``keras.layers``."""

from .._registry import from_config
from .activation import Activation
from .base import Input, InputLayer, Layer, deserialize_nested
from .batchnorm import BatchNormalization
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten

LAYERS = {cls.__name__: cls for cls in (Dense, Activation, Dropout, BatchNormalization, Flatten)}


def serialize(layer):
    if LAYERS.get(type(layer).__name__) is not type(layer):
        raise ValueError(f"Cannot save the custom layer {layer!r}: only {', '.join(LAYERS)} can be stored.")
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config):
    """Create a built-in layer from its saved config (nested activations,
    initializers and regularizers are created from their own registries, nothing
    else)."""
    if isinstance(config, dict) and isinstance(config.get("config"), dict):
        config = {"class_name": config.get("class_name"), "config": deserialize_nested(config["config"])}
    return from_config(config, LAYERS, "layer")


from . import core as core  # noqa: E402  (keras.layers.core's path, as seed 001 imports it)

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Dropout", "BatchNormalization", "Flatten"]
