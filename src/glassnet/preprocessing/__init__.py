"""Preparing data: centering and scaling, one-hot labels, splits and k-fold.

Seed 004's pre-processing, per feature (column) over the samples::

    X -= np.mean(X, axis = 0)   # zero-centered data
    X /= np.std(X, axis = 0)    # standardized (normalized) data

Statistics must come from the training data only; the scaler objects keep
them (``fit`` on the training set, ``transform`` every set). As scikit-learn's
scalers, they take NaN as a missing value: left out of the statistics, kept
as NaN by ``transform`` (for an imputer to fill later).

One concept per module: ``scalers`` (StandardScaler, MinMaxScaler and the one-call
forms), ``moments`` (the column statistics they and the Normalization layer share),
``categorical`` (one-hot labels) and ``splits`` (split, kfold).
"""

from .categorical import from_categorical, to_categorical
from .splits import Split, kfold, split

__all__ = [
    "MinMaxScaler",
    "Split",
    "StandardScaler",
    "from_categorical",
    "kfold",
    "min_max_scale",
    "split",
    "standardize",
    "to_categorical",
    "zero_center",
]

#: Loaded on first use: the scalers raise scikit-learn's NotFittedError (glassnet._estimator), and
#: importing scikit-learn (with SciPy and pandas) takes a second, while ``import glassnet`` reaches this
#: package through the Normalization layer's ``moments`` and ``utils.to_categorical``.
_SCALERS = ("MinMaxScaler", "StandardScaler", "min_max_scale", "standardize", "zero_center")


def __getattr__(name):
    if name in _SCALERS or name == "scalers":
        import importlib

        scalers = importlib.import_module(f"{__name__}.scalers")  # `from . import scalers` would recurse here
        return scalers if name == "scalers" else getattr(scalers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SCALERS))
