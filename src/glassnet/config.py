"""Global settings, named as in ``keras.config`` (and glassnet's own BLAS threads for ``fit``)."""

from .backend import _missing, backend, epsilon, floatx, image_data_format, set_floatx
from .dtype_policies import dtype_policy, set_dtype_policy
from .threads import set_training_threads, training_threads

__all__ = ["backend", "dtype_policy", "epsilon", "floatx", "image_data_format", "set_dtype_policy", "set_floatx",
           "set_training_threads", "training_threads"]


def __getattr__(name):
    raise _missing(__name__, name)
