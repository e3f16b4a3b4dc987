"""glassnet: neural networks you can see through.

The lectures' formulas as small, readable NumPy code, with a Keras-style
model API (``glassnet.models``, ``glassnet.layers``, ``glassnet.optimizers``,
...), every gradient checked by finite differences.
"""

__version__ = "0.1.0"

from . import _startup  # noqa: E402,F401  (first: Ctrl+C while the command line loads is one line)
from . import (  # noqa: E402
    activations,
    backend,
    callbacks,
    config,
    constraints,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    optimizers,
    regularizers,
    saving,
    schedules,
    utils,
)
from . import diagnostics, plots, trace  # noqa: E402  (matplotlib loads only when a plot is drawn)
from .gradcheck import check_gradients  # noqa: E402
from .layers import Input, InputLayer  # noqa: E402  (keras.Input; InputLayer beside it)
from .models import Model, Sequential  # noqa: E402  (keras.Model of a chain of layers, keras.Sequential)
from .models import DivergenceWarning  # noqa: E402  (fit's warning when the loss becomes NaN or infinite)
# Keras 3's top-level spellings of the base classes (class MyLayer(keras.Layer), keras.Loss, ...)
from .dtype_policies import DTypePolicy  # noqa: E402
from .initializers import Initializer  # noqa: E402
from .layers import Layer  # noqa: E402
from .losses import Loss  # noqa: E402
from .metrics import Metric  # noqa: E402
from .optimizers import Optimizer  # noqa: E402
from .regularizers import Regularizer  # noqa: E402

#: Subpackages loaded on first use (``glassnet.datasets.load_mnist(...)`` works
#: after a bare ``import glassnet``): the data loaders, the classic networks and
#: the front ends whose extras (scikit-learn, onnx) may be missing.
_LAZY = ("classic", "datasets", "descent", "expr", "onnx", "playground", "preprocessing", "sklearn", "wrappers")


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name in _KERAS_ONLY:  # keras.ops.array(...) in a Keras docstring: say what glassnet takes instead
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}: {_KERAS_ONLY[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_KERAS_ONLY = {
    "ops": "Keras's backend tensor operations; glassnet's layers, losses and metrics take NumPy arrays "
           "(np.array, np.mean, ... in place of keras.ops.array, keras.ops.mean)",
    "random": "use NumPy's np.random.default_rng(seed), or glassnet.utils.set_random_seed for the weights",
    "applications": "glassnet has no pretrained image models (it builds MLPs); see docs/keras-coverage.md",
}


def __dir__():
    # glassnet.sklearn cannot be imported without scikit-learn: listing it would make
    # help(glassnet), pydoc and inspect.getmembers fail on its ImportError
    import importlib.util

    lazy = [name for name in _LAZY if name not in ("sklearn", "wrappers") or importlib.util.find_spec("sklearn") is not None]
    return sorted(set(globals()) | set(lazy))

__all__ = [
    "activations", "backend", "callbacks", "config", "constraints", "dtype_policies", "initializers", "layers", "losses",
    "metrics", "mixed_precision", "models", "optimizers", "regularizers", "saving", "schedules", "utils", "check_gradients",
    "trace", "diagnostics", "plots", "DivergenceWarning", "Model", "Sequential", "Input", "InputLayer",
    "DTypePolicy", "Initializer", "Layer", "Loss", "Metric", "Optimizer", "Regularizer",
]
