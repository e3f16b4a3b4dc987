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


# keras.datasets's other sets download their data from Keras's servers; glassnet reads files only
_KERAS_DATASETS = {
    "fashion_mnist": "Fashion-MNIST's four IDX files have MNIST's names and format: "
                     "glassnet.datasets.load_mnist('folder of them', verify=False) reads them (the checksums it knows are "
                     "MNIST's)",
    **dict.fromkeys(("boston_housing", "california_housing", "cifar10", "cifar100", "imdb", "reuters"),
                    "load it with Keras (keras.datasets.{name}.load_data(), which downloads it) or from files you "
                    "have, into NumPy arrays, and pass those to fit"),
}


def __getattr__(name):
    # Keras's sets are modules (keras.datasets.reuters): a missing one is a ModuleNotFoundError, which, unlike an
    # AttributeError, `from glassnet.datasets import reuters` passes on instead of a bare "cannot import name"
    if name in _KERAS_DATASETS:
        raise ModuleNotFoundError(f"No module named '{__name__}.{name}': glassnet's data sets are MNIST "
                                  "(mnist.load_data), the 8x8 digits and the lectures' toy sets; for Keras's "
                                  f"{name}, {_KERAS_DATASETS[name].format(name=name)}.", name=f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
