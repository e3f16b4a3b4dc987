"""Global settings, named as in ``keras.config`` (and glassnet's own BLAS threads for ``fit``)."""

from .backend import floatx, set_floatx
from .threads import set_training_threads, training_threads

__all__ = ["floatx", "set_floatx", "set_training_threads", "training_threads"]
