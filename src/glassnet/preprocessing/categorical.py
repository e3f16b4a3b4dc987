"""One-hot labels: :func:`to_categorical` (``keras.utils.to_categorical``) and back (:func:`from_categorical`)."""

import numpy as np

from .._validation import check_array, check_int, check_positive_int, check_real_dtype

_MAX_ONE_HOT = 2**31  # values in a one-hot array: 8 GiB of float32


def to_categorical(x=None, num_classes=None, dtype=None, *, y=None):
    """One-hot encode integer labels, as ``keras.utils.to_categorical``.

    ``Y[i, y[i]] = 1``, all else 0. A trailing axis of length 1 (labels as a
    column) is dropped first; the one-hot axis is appended.

    Parameters
    ----------
    x : array-like of int
        Class indices 0 .. num_classes-1 (Keras 3's name; tf.keras's keyword
        ``y=`` is accepted instead).
    num_classes : int, optional
        Default ``max(y) + 1``.
    dtype : dtype, optional
        Default ``floatx()``.

    Returns
    -------
    ndarray of shape y.shape + (num_classes,)
    """
    if (x is None) == (y is None):
        given = "both x and y" if x is not None else "neither x nor y"
        raise TypeError(f"to_categorical takes the labels once: as x (Keras 3's name) or as y= (tf.keras's). "
                        f"Received {given}.")
    name = "x" if y is None else "y"
    dtype = check_real_dtype(dtype)
    y = check_array(x if y is None else y, name=name, ndim=None, allow_empty=True)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size == 0:  # no labels: (0, num_classes), as Keras (an empty batch's targets)
        if num_classes is None:
            raise ValueError(f"{name} is empty: give num_classes, which no label can tell.")
        return np.zeros(y.shape + (check_positive_int(num_classes, "num_classes"),), dtype=dtype)
    if np.issubdtype(y.dtype, np.floating):
        fractional = y != np.round(y)
        if fractional.any():
            raise ValueError(
                f"{name} must hold integer class labels 0, 1, 2, ... Received the value {y[fractional][0].item()!r}."
            )
    # Checked before the cast to int64, which wraps 2**63 (uint64) and 1e20 around
    low, high = int(y.min()), int(y.max())
    if low < 0:
        raise ValueError(f"{name} must hold non-negative class labels. Received a label {low}.")
    if num_classes is None:
        num_classes = high + 1
    num_classes = check_positive_int(num_classes, "num_classes")
    if high >= num_classes:
        raise ValueError(
            f"{name} holds the label {high} but num_classes={num_classes} allows only 0..{num_classes - 1}."
        )
    if y.size * num_classes > _MAX_ONE_HOT:
        raise ValueError(
            f"{name} holds {y.size} label(s), the largest {high}: with num_classes={num_classes} the one-hot "
            f"array would need {y.size * num_classes} values (at most 2**31 allowed); "
            f"{name} must hold class labels 0, 1, 2, ..."
        )
    labels = y.astype(np.int64)
    Y = np.zeros(labels.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(Y, labels[..., None], 1, axis=-1)
    return Y


def from_categorical(Y, axis=-1):
    """Decode one-hot rows (or probabilities) to class indices: ``argmax`` along ``axis``, int64.

    A single column along ``axis`` is one binary output, as a sigmoid unit's
    (Keras-style): it decodes to 1 where it is above 0.5, else 0.
    """
    Y = check_array(Y, name="Y", ndim=2, allow_nd=True)
    axis = check_int(axis, "axis", low=-Y.ndim, high=Y.ndim - 1)
    if Y.shape[axis] == 1:  # argmax over one column would always say 0
        return (np.take(Y, 0, axis=axis) > 0.5).astype(np.int64)
    return np.argmax(Y, axis=axis).astype(np.int64)
