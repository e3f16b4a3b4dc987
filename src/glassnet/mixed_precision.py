"""``keras.mixed_precision``'s names: the dtype policies of :mod:`glassnet.dtype_policies` and the
:class:`~glassnet.optimizers.LossScaleOptimizer`. A glassnet model computes in one dtype, so Keras's
``set_global_policy("mixed_float16")`` makes float32 models (with a warning) and ``"float16"`` float16
ones, which a LossScaleOptimizer trains as Keras's does."""

from .dtype_policies import DTypePolicy, Policy, dtype_policy, global_policy, set_dtype_policy, set_global_policy
from .optimizers import LossScaleOptimizer

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
