"""Models, named as ``keras.models``."""

from .saving import load_model
from .sequential import Sequential

__all__ = ["Sequential", "load_model"]
