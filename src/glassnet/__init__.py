"""glassnet: neural networks you can see through.

The lectures' formulas as small, readable NumPy code, with a Keras-style
model API (``glassnet.models``, ``glassnet.layers``, ``glassnet.optimizers``,
...), every gradient checked by finite differences.
"""

__version__ = "0.1.0"

from . import (  # noqa: E402
    activations,
    backend,
    callbacks,
    config,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    schedules,
    utils,
)
from . import diagnostics, plots, trace  # noqa: E402  (matplotlib loads only when a plot is drawn)
from .gradcheck import check_gradients  # noqa: E402

__all__ = [
    "activations", "backend", "callbacks", "config", "initializers", "layers", "losses",
    "metrics", "models", "optimizers", "regularizers", "schedules", "utils", "check_gradients",
    "trace", "diagnostics", "plots",
]
