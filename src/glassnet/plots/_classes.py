"""Class labels read from what the plots are given: labels (numbers or text), one-hot rows or
probabilities, and each label's index among a model's classes."""

import numpy as np


def _class_values(y, name):
    """Class labels from labels (numbers or text), one-hot rows or probabilities; NaN,
    nothing (None, []) and continuous values that are not probabilities are errors."""
    y = np.asarray(y)
    if y.ndim == 0:  # None became the class "None"
        raise TypeError(f"{name} must be an array-like of class labels, one-hot rows or probabilities. "
                        f"Received: {name}={y.item()!r:.100}")
    if y.size == 0:
        raise ValueError(f"{name} is empty; at least one sample is required.")
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        raise ValueError(f"{name} contains NaN or infinite values; a class cannot be read from them.")
    if y.dtype.kind == "f" and (y.ndim == 1 or y.shape[1] == 1) and (y != np.round(y)).any() \
            and ((y < 0) | (y > 1)).any():  # regression outputs were read as 0/1 at 0.5
        bad = y[(y < 0) | (y > 1)].flat[0]
        raise ValueError(f"{name} holds continuous values outside [0, 1] (such as {bad:.4g}): neither class labels "
                         "nor probabilities. Pass predicted labels, e.g. np.sign(outputs) for signed labels.")
    if y.dtype.kind in "US":
        return y.reshape(-1)
    if y.dtype == object:
        return y.reshape(-1).astype(str)
    return _labels(y)


def _labels(y):
    """Class labels from labels, one-hot rows or probabilities."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    y = y.reshape(-1)
    if np.issubdtype(y.dtype, np.floating) and not np.all(y == np.round(y)):
        return (y >= 0.5).astype(int)
    return y.astype(int)


def _indices(labels, classes, name):
    """The index of each label in ``classes``; a label not among them is an error."""
    text = labels.dtype.kind in "US"
    lookup = {(str(c) if text else c): i for i, c in enumerate(np.asarray(classes).tolist())}
    unknown = sorted({v for v in labels.tolist() if v not in lookup}, key=str)
    if unknown:
        raise ValueError(f"{name} holds labels that are not among the classes {list(lookup)!r:.200}: "
                         f"{unknown[:5]!r:.200}")
    return np.array([lookup[v] for v in labels.tolist()], dtype=int)
