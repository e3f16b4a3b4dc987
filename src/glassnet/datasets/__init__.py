"""Data sets: the lectures' toy sets, MNIST (any IDX file) and the 8×8 digits.

>>> from glassnet.datasets import logic_gate, make_spiral, load_mnist, load_digits
>>> X, y = logic_gate("xor")                  # 4 rows, binary 0/1
>>> X, y = make_spiral(500, noise=0.1, seed=0)
>>> (x_train, y_train), (x_test, y_test) = load_mnist()   # doctest: +SKIP
"""

from .idx import read_idx, write_idx
from .mnist import MNIST_FILES, MNISTNotFoundError, cache_dir, load_digits, load_mnist
from .toy import (
    CHEESE_FESTIVAL_RULES,
    PLAYGROUND,
    cheese_festival,
    logic_gate,
    make_circle,
    make_gaussians,
    make_plane_separation,
    make_playground,
    make_spiral,
    make_xor,
)

__all__ = [
    "CHEESE_FESTIVAL_RULES",
    "MNIST_FILES",
    "MNISTNotFoundError",
    "PLAYGROUND",
    "cache_dir",
    "cheese_festival",
    "load_digits",
    "load_mnist",
    "logic_gate",
    "make_circle",
    "make_gaussians",
    "make_plane_separation",
    "make_playground",
    "make_spiral",
    "make_xor",
    "read_idx",
    "write_idx",
]
