"""Global settings, named as in ``keras.config`` (and glassnet's own BLAS threads for ``fit``)."""

from .backend import _missing, backend, epsilon, floatx, image_data_format, set_floatx
from .dtype_policies import dtype_policy, set_dtype_policy
from .models.progress import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled
from .threads import set_training_threads, training_threads

__all__ = ["backend", "disable_interactive_logging", "dtype_policy", "enable_interactive_logging",
           "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format", "is_interactive_logging_enabled",
           "set_dtype_policy", "set_floatx", "set_training_threads", "training_threads"]


def enable_unsafe_deserialization():
    """``keras.config.enable_unsafe_deserialization()``, which Keras scripts call before ``load_model`` so
    that a ``Lambda`` layer's Python code is read from the file: here it changes nothing, as glassnet's
    ``load_model`` runs no code from a file (it has no ``Lambda`` layer, and makes only the classes
    glassnet has, registered ones and ``custom_objects``), so there is nothing to enable."""


def __getattr__(name):
    raise _missing(__name__, name)
