"""Keras's ``Identity`` layer: a placeholder that passes its inputs through."""

from .base import Layer


class Identity(Layer):
    """``Y = X`` in training and at inference; no weights. Backward: ``dX = dY``."""

    takes_vectors = True

    def __init__(self, **kwargs):  # Keras's signature: the base layer's arguments only
        super().__init__(**kwargs)

    def forward(self, X, training=False):
        return X

    def backward(self, dY):
        return dY
