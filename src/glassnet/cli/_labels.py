"""Targets and class labels: a target column's values, the class a label cell names, and the class
indices a model is trained on."""

import re

import numpy as np

from ._common import CommandError
from ._csv import _is_number


#: a number written with a leading zero (007, -01) is a code: a label kept as written
_LEADING_ZERO = re.compile(r"[+-]?0\d")


def label_text(cell):
    """The class a label cell names, the same in train, evaluate and predict: a number by its
    value (1, 1.0 and 1e0 are class "1"; 0.50 is "0.5"), True and False in any case as "True" and "False" (as
    pandas and the feature columns read them: True, true and TRUE made three classes), anything else as written
    ("007", "cat")."""
    cell = str(cell).strip()
    if cell.lower() in ("true", "false"):
        return cell.title()
    if _LEADING_ZERO.match(cell) or not _is_number(cell):  # (int() takes 1_0 and ١ too: text, as pandas reads them)
        return cell
    try:
        return str(int(cell))  # exact, however long
    except ValueError:
        pass
    return _label(float(cell))


def _target_values(cells):
    """A target column: int64 where every cell is an integer (exact: 2**53 + 1 stays itself),
    float64 where every cell is a number, else class labels as text (``label_text``). Each distinct
    cell is read once (a long file has few labels: 1M cells took 5 s one by one)."""
    distinct = list(dict.fromkeys(cells))
    values, where = _distinct_targets(distinct), {cell: i for i, cell in enumerate(distinct)}
    return values[np.fromiter(map(where.__getitem__, cells), np.intp, len(cells))]


def _distinct_targets(cells):
    """:func:`_target_values` of the cells ``cells``, each read once."""
    if not any(_LEADING_ZERO.match(c) for c in cells) and all(_is_number(c) for c in cells):
        try:
            return np.array([int(c) for c in cells], dtype=np.int64)
        except OverflowError:  # integers beyond int64 stay exact as text
            return np.array([label_text(c) for c in cells])
        except ValueError:  # (not all integers)
            return np.array(cells).astype(np.float64)
    return np.array([label_text(c) for c in cells])


def _integral(y):
    """Whether the target values ``y`` are whole numbers (int64, or floats such as 3.0)."""
    return y.dtype.kind in "iu" or (y.dtype.kind == "f" and bool(np.all(y == np.round(y))))


def encode_labels(y, task):
    """Class indices and class labels, or float targets for regression.

    Integer labels 0..K−1 (a few may be missing, as in a subset of the digits,
    but two classes are 0 and 1) are their own class index; any other labels
    (text, fractional, labels that do not start at 0 or leave most indices
    unused, such as 1000 and 2000; 0 and 2) are indexed in sorted order. The saved class labels map either way back.
    """
    numeric = y.dtype.kind in "if"  # else text labels (``label_text``)
    integral = _integral(y)
    if task == "auto":
        discrete = not numeric or (integral and len(np.unique(y)) <= 50)
        task = "classification" if discrete else "regression"
    if task == "regression":
        try:  # labels kept as text, such as 007, are numbers all the same
            values = y.astype(np.float64)
        except ValueError:
            raise CommandError("the target column holds text labels, and a regression (--task regression, or a "
                               "regression model) needs numbers.") from None
        if not np.isfinite(values).all():
            raise CommandError("--task regression needs finite targets; the target column holds inf or nan.")
        return values, None, task
    k = len(np.unique(y))  # two classes are 0 and 1 (0 and 2 would leave output 1 unused)
    if integral and y.min() == 0 and y.max() < 2 * k and (k > 2 or y.max() == 1):
        idx = y.astype(np.int64)
        return idx, [str(k) for k in range(int(idx.max()) + 1)], task
    labels, idx = np.unique(y, return_inverse=True)
    return idx.astype(np.int64), [_label(v) for v in labels], task


def _label(value):
    """A class label as text: 1000001 stays "1000001" (``:g`` gave "1e+06" to 1000001,
    1000002 and 1000003 alike), 0.5 is "0.5"."""
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)
