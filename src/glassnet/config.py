"""Global settings, named as in ``keras.config`` (and glassnet's own BLAS threads for ``fit``)."""

from .backend import floatx, set_floatx
from .dtype_policies import dtype_policy, set_dtype_policy
from .threads import set_training_threads, training_threads

__all__ = ["dtype_policy", "floatx", "set_dtype_policy", "set_floatx", "set_training_threads", "training_threads"]
