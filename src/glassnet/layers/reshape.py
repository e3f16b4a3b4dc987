"""Keras's ``Reshape``: each sample ``(d1, d2, ...)`` to ``target_shape`` (the batch axis kept)."""

import math
import numbers

from ..backend import get_namespace
from .base import Layer


def _target_shape(target_shape):
    """``target_shape`` as a tuple of ints, checked as Keras's ``validate_reshape_shape``."""
    try:
        shape = tuple(target_shape)
    except TypeError:
        raise TypeError("target_shape must be a tuple of integers (one of them may be -1). "
                        f"Received: target_shape={target_shape!r:.100}") from None
    for d in shape:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise TypeError("target_shape must be a tuple of integers (one of them may be -1). "
                            f"Received: target_shape={target_shape!r:.100}")
    shape = tuple(int(d) for d in shape)
    if any(d < -1 for d in shape):
        raise ValueError("Each dimension in `target_shape` must be a non-negative integer, or `-1` for a single "
                         f"unknown dimension. Received: target_shape={shape}.")
    if shape.count(-1) > 1:
        raise ValueError(f"There must be at most one unknown dimension (-1) in `target_shape`. Received: "
                         f"target_shape={shape}.")
    return shape


class Reshape(Layer):
    """Reshape each sample to ``target_shape``: ``(n, *input_shape) -> (n, *target_shape)``, the
    entries read in C order as ``np.reshape``; one entry may be -1, inferred from the sample's size.
    No weights. Backward: ``dX`` is ``dY`` reshaped back to ``(n, *input_shape)``."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _target_shape(target_shape)

    def compute_output_shape(self, input_shape):
        """``(12,)`` with ``target_shape=(3, -1)`` -> ``(3, 4)``; Keras's ``(None, 12)`` -> ``(None, 3, 4)``."""
        input_shape = tuple(input_shape)
        if len(input_shape) > 1 and input_shape[0] is None:
            return (None, *self.compute_output_shape(input_shape[1:]))
        size, shape = math.prod(input_shape), self.target_shape
        if -1 not in shape:
            if size != math.prod(shape):
                raise ValueError("The total size of the tensor must be unchanged. Received: "
                                 f"input_shape={input_shape}, target_shape={shape}")
            return shape
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or size % known:
            raise ValueError("The total size of the tensor must be unchanged, however, the input size cannot by "
                             "divided by the specified dimensions in target_shape. Received: "
                             f"input_shape={input_shape}, target_shape={shape}")
        return tuple(size // known if d == -1 else d for d in shape)

    def forward(self, X, training=False):
        self.in_shape = X.shape
        return get_namespace().reshape(X, (X.shape[0], *self.compute_output_shape(X.shape[1:])))

    def backward(self, dY):
        return get_namespace().reshape(dY, self.in_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
