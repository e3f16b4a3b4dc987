"""Models, named as ``keras.models``."""

import copy

from ..layers.base import in_memory_configs
from .saving import load_model
from .sequential import Sequential
from .training import DivergenceWarning


def clone_model(model):
    """A new :class:`Sequential` with ``model``'s architecture and fresh weights
    (as ``keras.models.clone_model``): built if ``model`` is, not compiled. Each layer
    gets a copy of the original's activation, initializers and regularizers, custom
    ones included."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet Sequential. Received: {type(model).__name__}")
    with in_memory_configs():
        config = copy.deepcopy(model.get_config())
    return Sequential.from_config(config)


__all__ = ["Sequential", "load_model", "clone_model", "DivergenceWarning"]
