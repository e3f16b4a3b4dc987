"""Data sets: the lectures' toy sets, MNIST (any IDX file) and the 8×8 digits.

>>> from glassnet.datasets import logic_gate, make_spiral, load_mnist, load_digits
>>> X, y = logic_gate("xor")                  # 4 rows, binary 0/1
>>> X, y = make_spiral(500, noise=0.1, seed=0)
>>> (x_train, y_train), (x_test, y_test) = load_mnist()   # doctest: +SKIP
"""

import importlib.abc
import importlib.machinery
import sys

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


def _keras_dataset_message(name):
    return (f"No module named '{__name__}.{name}': glassnet's data sets are MNIST (mnist.load_data), the 8x8 digits "
            f"and the lectures' toy sets; for Keras's {name}, {_KERAS_DATASETS[name].format(name=name)}.")


def __getattr__(name):
    # glassnet.datasets.reuters: what to do instead. An AttributeError, so that hasattr and getattr(..., None) stay
    # False and None; `from glassnet.datasets import reuters` then imports the submodule, which the finder below refuses
    if name in _KERAS_DATASETS:
        raise AttributeError(_keras_dataset_message(name), name=name, obj=sys.modules[__name__])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _KerasDatasets(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Refuses ``import glassnet.datasets.reuters`` (and ``from glassnet.datasets import reuters``, which
    tries that import) with what to do instead: Python's own message is a bare "cannot import name".

    The refusal is in the loader, not in ``find_spec``: ``importlib.util.find_spec``, pkgutil, pytest's collection
    and IDEs call ``find_spec`` only to ask, and an exception there broke them. Loading (an import, ``python -m``)
    then says what to do.
    """

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package == __name__ and name in _KERAS_DATASETS:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def exec_module(self, module):
        # (no ``name=module.__name__``: the from-import turns a ModuleNotFoundError of that name into its bare message)
        raise ModuleNotFoundError(_keras_dataset_message(module.__name__.rpartition(".")[2]))

    def get_code(self, fullname):  # what ``python -m glassnet.datasets.reuters`` asks for instead of exec_module
        raise ModuleNotFoundError(_keras_dataset_message(fullname.rpartition(".")[2]))


if not any(type(finder).__name__ == "_KerasDatasets" for finder in sys.meta_path):  # (once, also after a reload)
    sys.meta_path.append(_KerasDatasets())
