"""Global settings, named as in ``keras.config`` (and glassnet's own BLAS threads for ``fit``)."""

from .backend import _missing, backend, epsilon, floatx, image_data_format, set_floatx
from .dtype_policies import dtype_policy, set_dtype_policy
from .models.progress import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled
from .threads import set_training_threads, training_threads

__all__ = ["backend", "disable_interactive_logging", "dtype_policy", "enable_interactive_logging", "epsilon", "floatx",
           "image_data_format", "is_interactive_logging_enabled", "set_dtype_policy", "set_floatx",
           "set_training_threads", "training_threads"]


def __getattr__(name):
    raise _missing(__name__, name)
