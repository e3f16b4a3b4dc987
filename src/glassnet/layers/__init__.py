"""Layers, named as ``keras.layers``."""

from .. import activations as _activations
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from .._registry import from_config
from .activation import Activation
from .base import Input, InputLayer, Layer
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
        inner = dict(config["config"])
        if isinstance(inner.get("activation"), dict):
            inner["activation"] = _activations.deserialize(inner["activation"])
        for key, registry in (("kernel_regularizer", _regularizers), ("bias_regularizer", _regularizers),
                              ("kernel_initializer", _initializers), ("bias_initializer", _initializers)):
            if isinstance(inner.get(key), dict):
                inner[key] = registry.deserialize(inner[key])
        config = {"class_name": config.get("class_name"), "config": inner}
    return from_config(config, LAYERS, "layer")


__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Dropout", "BatchNormalization", "Flatten"]
