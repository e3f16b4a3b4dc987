"""The confusion matrix as a picture (:func:`plot_confusion_matrix`), counts in its cells."""

import numbers

import numpy as np

from .._validation import check_bool
from ._classes import _class_values, _indices
from ._figure import _figure_and_axes, _finish, _plain, _remove_colorbars, _require_matplotlib


#: classes up to which the confusion matrix names every row and writes every count in its cell
MAX_ANNOTATED_CLASSES = 30
_COUNT = "glassnet.confusion_count"  # the gid of the counts in the cells


def plot_confusion_matrix(y_true, y_pred, labels=None, normalize=False, path=None, ax=None):
    """``C[i, j]``: samples of true class i predicted as j, annotated with the counts
    (up to :data:`MAX_ANNOTATED_CLASSES` classes; beyond, colours only).

    ``y_true`` and ``y_pred`` may be labels, one-hot rows or probabilities
    (the largest column, or ≥ 0.5 for one column, is the class; each column is
    a class of the matrix, also one that no sample is of).
    ``normalize=True`` shows each row as fractions of its true class, on a
    colour scale from 0 to 1 (one plot's colours compare with another's).

    labels : sequence, optional
        Labels of the same kind as the data (numbers for numbers, text for
        text) that list every label of the data are the classes in the order
        to show, as scikit-learn's ``labels=`` (``[2, 1, 0]`` reverses the
        rows of 0..2). Otherwise, for class indices (one-hot rows,
        probabilities, integer labels whose smallest is 0, or that ``labels``
        covers as 0..k-1), a name for each index, in index order; text
        labels must all be listed; text names for other numeric labels
        (±1, 1..k) name their sorted values.
    ax : matplotlib Axes, optional
        Draw into an existing Axes instead of a new Figure (drawing again
        into it replaces the colour bar).
    """
    from ..metrics import confusion_matrix

    _require_matplotlib()
    t, p = _class_values(y_true, "y_true"), _class_values(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true and y_pred must have the same length. Received {len(t)} and {len(p)}.")
    text = [a.dtype.kind in "US" for a in (t, p)]
    if text[0] != text[1]:
        kinds = ["text" if is_text else "numbers" for is_text in text]
        raise ValueError(f"y_true and y_pred must be the same kind of labels: received {kinds[0]} and {kinds[1]}. "
                         "Map the predictions to the class names first.")
    # probabilities read at 0.5 are 0/1: a 0 among the predictions of ±1 labels (not y_pred = [1] for y_true = [-1])
    if t.dtype.kind in "iu" and p.dtype.kind in "iu" and t.size and t.min() < 0 and (p == 0).any() and not (t == 0).any():
        raise ValueError("y_true holds signed labels (such as ±1) but y_pred other values (probabilities are read as "
                         "0/1 at 0.5): pass predicted labels, e.g. np.sign(outputs).")
    data = np.concatenate([t, p])
    # one-hot rows or probabilities: their columns are the classes, the last ones too where no sample is of them
    width = max((np.shape(a)[1] for a in (y_true, y_pred) if np.ndim(a) == 2 and np.shape(a)[1] > 1), default=0)
    if isinstance(labels, numbers.Number) or (labels is not None and not hasattr(labels, "__iter__")):
        raise TypeError(f"labels must be a sequence of class names, such as ['cat', 'dog']. Received: "
                        f"labels={labels!r:.100}")
    given = None if labels is None else np.asarray(list(labels))
    same_kind = given is not None and (given.dtype.kind in "US") == text[0]
    listed = same_kind and np.isin(data, given).all()  # numbers that list every label: the classes, as sklearn
    if not text[0] and not listed and (data.size == 0 or data.min() == 0 or width
                                       or (given is not None and data.min() >= 0 and data.max() < len(given))):
        classes = None  # class indices 0..k-1: the matrix is indexed by them, labels name them
        t_idx, p_idx = t, p
    else:
        if same_kind:  # the classes, in the order to show
            classes = given.astype(str) if text[0] else given
            missing = np.setdiff1d(data, classes)
            if missing.size:
                raise ValueError(f"labels must list every class of the data; it lacks {missing[:5].tolist()!r:.200}.")
        else:  # sorted values: ±1, other integers or text
            classes = np.unique(data)
        t_idx, p_idx = _indices(t, classes, "y_true"), _indices(p, classes, "y_pred")
        if given is None or same_kind:
            labels = classes
    if labels is not None:
        labels = [_plain(v) for v in labels]
    k = len(labels) if labels is not None else None
    found = max(int(max(t_idx.max(), p_idx.max())) + 1, width) if classes is None else len(classes)
    if k is not None and (found > k or (classes is not None and found != k)):
        raise ValueError(f"labels names {k} classes, but the data has {found}. Give one name per class.")
    C = confusion_matrix(t_idx, p_idx, num_classes=k or found)
    k = C.shape[0]
    shown = C / np.maximum(C.sum(axis=1, keepdims=True), 1) if check_bool(normalize, "normalize") else C
    annotated = k <= MAX_ANNOTATED_CLASSES
    side = min(k, MAX_ANNOTATED_CLASSES)  # the figure stops growing where the annotations stop
    fig, ax = _figure_and_axes(ax, (1.0 + 0.55 * side, 0.8 + 0.5 * side) if k > 6 else (4.5, 4))
    _remove_colorbars(ax)
    for count in [t for t in ax.texts if t.get_gid() == _COUNT]:  # a matrix drawn before: its counts showed through
        count.remove()
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)  # fractions: the whole 0..1
    fig.colorbar(im, ax=ax, label="fraction of the true class" if normalize else "samples")
    if annotated:  # (beyond, matplotlib's own ticks: a name per row would be unreadable)
        names = labels or [str(i) for i in range(k)]
        long = k * max(map(len, names), default=0) > 24  # the names would overlap side by side
        ax.set_xticks(range(k), names, rotation=45 if long else 0, ha="right" if long else "center")
        ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"confusion matrix (accuracy {np.trace(C) / max(C.sum(), 1):.3f})")
    top = shown.max() if shown.size else 0
    for i in range(k if annotated else 0):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else str(C[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if k > 6 else 10,
                    color="white" if shown[i, j] > 0.6 * top else "black", gid=_COUNT)
    return _finish(fig, path)
