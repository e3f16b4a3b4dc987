"""Models, named as ``keras.models``."""

from .saving import load_model
from .sequential import Sequential


def clone_model(model):
    """A new :class:`Sequential` with ``model``'s architecture and fresh weights
    (as ``keras.models.clone_model``): built if ``model`` is, not compiled."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet Sequential. Received: {type(model).__name__}")
    return Sequential.from_config(model.get_config())


__all__ = ["Sequential", "load_model", "clone_model"]
