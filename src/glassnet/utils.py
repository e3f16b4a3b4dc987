"""Utilities named as in ``keras.utils``."""

import random

import numpy as np

from .backend import set_global_seed
from .preprocessing import to_categorical  # keras.utils.to_categorical


def set_random_seed(seed):
    """Seed everything glassnet draws from: Python's ``random``, NumPy's
    global state and glassnet's own generator (as ``keras.utils.set_random_seed``).
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer. Received: seed={seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    set_global_seed(int(seed))


__all__ = ["set_random_seed", "to_categorical"]
