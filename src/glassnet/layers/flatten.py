"""Flatten ``(n, d1, d2, ...)`` to ``(n, d1·d2·...)``."""

import math

from ..backend import get_namespace
from .base import Layer


class Flatten(Layer):
    def compute_output_shape(self, input_shape):
        """``(28, 28)`` -> ``(784,)``; Keras's ``(None, 28, 28)`` -> ``(None, 784)``."""
        input_shape = tuple(input_shape)
        if len(input_shape) > 1 and input_shape[0] is None:
            return (None, math.prod(input_shape[1:]))
        return (math.prod(input_shape),)

    def forward(self, X, training=False):
        self.in_shape = X.shape
        return get_namespace().reshape(X, (X.shape[0], -1))

    def backward(self, dY):
        return get_namespace().reshape(dY, self.in_shape)
