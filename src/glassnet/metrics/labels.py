"""Plain functions of two label vectors, as scikit-learn's: :func:`accuracy_score` and
:func:`confusion_matrix`."""

import numpy as np

from .._validation import check_positive_int, sized_by


def _label_vectors(y_true, y_pred):
    """Two label vectors of one length, not empty (a column (n, 1) too), as scikit-learn
    checks them: numbers or text, not both. Rows of several values (one-hot rows,
    probabilities) were flattened into k·n labels and counted wrong; continuous values
    (probabilities, regression outputs) matched no label: both are refused."""
    vectors = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        try:
            given, y = y, np.asarray(y)
        except ValueError as exc:  # ragged lists
            raise ValueError(f"{name} could not be converted to an array: {exc}") from None
        if y.ndim == 0:  # None, a number, a string, a dict
            raise TypeError(f"{name} must be an array-like of class labels. Received: {name}={given!r:.100}")
        if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
            raise ValueError(f"{name} must be a vector of class labels. Received shape {y.shape}: for one-hot rows "
                             f"or probabilities pass {name}.argmax(axis=1).")
        y = y.reshape(-1)
        if y.dtype == object and all(isinstance(v, str) for v in y):  # text from pandas
            y = y.astype(str)
        if y.dtype.kind not in "biufU":
            raise TypeError(f"{name} must hold class labels (integers or text). Received an array of dtype {y.dtype}.")
        if y.dtype.kind == "f":
            bad = y[~(np.isfinite(y) & (y == np.round(y)))]
            if bad.size:
                raise ValueError(f"{name} must hold integer class labels or text, not continuous values "
                                 f"({bad[0].item()!r} is not a label); for probabilities p pass (p > 0.5).astype(int).")
        vectors.append(y)
    y_true, y_pred = vectors
    if (y_true.dtype.kind == "U") != (y_pred.dtype.kind == "U"):
        raise TypeError(f"y_true and y_pred must both be numbers or both text. Received dtypes {y_true.dtype} and "
                        f"{y_pred.dtype}.")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length. Received {y_true.shape[0]} and {y_pred.shape[0]}.")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: at least one sample is required.")
    return y_true, y_pred


def accuracy_score(y_true, y_pred):
    """Share of equal labels."""
    y_true, y_pred = _label_vectors(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """``C[i, j]`` = number of samples of class ``i`` predicted as ``j``."""
    y_true, y_pred = _label_vectors(y_true, y_pred)
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        bad = labels if labels.dtype.kind == "U" else labels[labels < 0]
        if bad.size:
            raise ValueError(f"{name} must hold non-negative integer class labels ({bad[0].item()!r:.30} is not one).")
    y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
    if num_classes is not None:
        num_classes = check_positive_int(num_classes, "num_classes")
        if max(y_true.max(initial=0), y_pred.max(initial=0)) >= num_classes:
            raise ValueError(f"The labels go up to {max(y_true.max(), y_pred.max())}, but num_classes={num_classes}.")
    k = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    with sized_by(f"num_classes={k}" if num_classes else f"Labels up to {k - 1} (a {k}×{k} matrix)"):
        C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C
