"""Global settings, named as in ``keras.config``."""

from .backend import floatx, set_floatx

__all__ = ["floatx", "set_floatx"]
