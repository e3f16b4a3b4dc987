"""Keras's ``Reshape``: each sample ``(d1, d2, ...)`` to ``target_shape`` (the batch axis kept)."""

import math
import numbers

from ..backend import get_namespace
from .base import Layer, check_batch_shape


def _target_shape(target_shape):
    """``target_shape`` as a tuple of ints and Nones, checked as Keras's ``validate_reshape_shape``."""
    try:
        shape = tuple(target_shape)
    except TypeError:
        raise TypeError("target_shape must be a tuple of integers (one of them may be -1, and None is a size read "
                        f"from the input). Received: target_shape={target_shape!r:.100}") from None
    for d in shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral)):
            raise TypeError("target_shape must be a tuple of integers (one of them may be -1, and None is a size read "
                            f"from the input). Received: target_shape={target_shape!r:.100}")
    shape = tuple(d if d is None else int(d) for d in shape)
    if any(d is not None and d < -1 for d in shape):
        raise ValueError("Each dimension in `target_shape` must be a non-negative integer, or `-1` for a single "
                         f"unknown dimension. Received: target_shape={shape}.")
    if shape.count(-1) > 1:
        raise ValueError(f"There must be at most one unknown dimension (-1) in `target_shape`. Received: "
                         f"target_shape={shape}.")
    return shape


def _reshaped(sample, target, given):
    """The shape ``target`` takes for samples of shape ``sample``, as Keras's ``compute_reshape_output_shape``:
    its -1 the size left over; when a size of either is None (unknown), ``target`` with None for its -1.
    ``given``: the layer's target_shape, for the messages."""
    if None in sample or None in target:
        return tuple(None if d == -1 else d for d in target)
    size = math.prod(sample)
    if -1 not in target:
        if size != math.prod(target):
            raise ValueError("The total size of the tensor must be unchanged. Received: "
                             f"input_shape={sample}, target_shape={given}")
        return target
    known = math.prod(d for d in target if d != -1)
    if known == 0 or size % known:
        raise ValueError("The total size of the tensor must be unchanged, however, the input size cannot by "
                         "divided by the specified dimensions in target_shape. Received: "
                         f"input_shape={sample}, target_shape={given}")
    return tuple(size // known if d == -1 else d for d in target)


class Reshape(Layer):
    """Reshape each sample to ``target_shape``: ``(n, *input_shape) -> (n, *target_shape)``, the
    entries read in C order as ``np.reshape``; one entry may be -1, inferred from the sample's size.
    An entry None is, as in Keras, a size :meth:`compute_output_shape` leaves unknown and a call reads
    from the input as -1 (so -1 and None, or two Nones, cannot be called). No weights. Backward:
    ``dX`` is ``dY`` reshaped back to ``(n, *input_shape)``."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _target_shape(target_shape)

    def compute_output_shape(self, input_shape):
        """As Keras's, the batch axis first and kept: ``(None, 12)`` with ``target_shape=(3, -1)`` ->
        ``(None, 3, 4)``, ``(8, 12)`` -> ``(8, 3, 4)``; a size None in the input or in ``target_shape``
        leaves the -1 unknown: ``(None, None, 4)`` with ``(-1, 2)`` -> ``(None, None, 2)``."""
        input_shape = check_batch_shape(input_shape, "Reshape")
        return (input_shape[0], *_reshaped(input_shape[1:], self.target_shape, self.target_shape))

    def sample_output_shape(self, sample_shape):
        """The shape each sample of shape ``sample_shape`` is reshaped to: ``target_shape`` with its -1 or
        its None (Keras's call reads a None as -1) the size left over."""
        target = tuple(-1 if d is None else d for d in self.target_shape)
        if target.count(-1) > 1:
            raise ValueError("There must be at most one unknown dimension (-1 or None) in `target_shape` to reshape "
                             "an input (Keras's call refuses it too). Received: "
                             f"target_shape={self.target_shape}, input_shape={tuple(sample_shape)}")
        return _reshaped(tuple(sample_shape), target, self.target_shape)

    def forward(self, X, training=False):
        self.in_shape = X.shape
        return get_namespace().reshape(X, (X.shape[0], *self.sample_output_shape(X.shape[1:])))

    def backward(self, dY):
        return get_namespace().reshape(dY, self.in_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
