"""Flatten ``(n, d1, d2, ...)`` to ``(n, d1·d2·...)``."""

import math

from ..backend import get_namespace
from .base import Layer


class Flatten(Layer):
    """Flatten each sample to one row, keeping its axes in their order.

    ``data_format`` is Keras's first argument: None or ``"channels_last"`` (the same
    here). ``"channels_first"``, where Keras moves the channel axis last before
    flattening, is refused: move it yourself (``np.moveaxis(x, 1, -1)``)."""

    data_format = None  # what layers pickled before the argument existed hold

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format == "channels_first":
            raise ValueError("glassnet's Flatten keeps each sample's axes in their order (channels_last); "
                             "data_format='channels_first' is not supported: move the channel axis last with "
                             "np.moveaxis(x, 1, -1) and use data_format='channels_last'.")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"data_format must be None or 'channels_last'. Received: data_format={data_format!r:.80}")
        self.data_format = data_format

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

    def get_config(self):
        config = super().get_config()
        if self.data_format is not None:  # left out otherwise: files stay readable by older glassnet
            config["data_format"] = self.data_format
        return config
