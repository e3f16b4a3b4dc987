"""Flatten ``(n, d1, d2, ...)`` to ``(n, d1·d2·...)``."""

import math

from .._validation import is_one_of
from ..backend import get_namespace
from .base import Layer, check_batch_shape


class Flatten(Layer):
    """Flatten each sample to one row, keeping its axes in their order.

    ``data_format`` is Keras's first argument: None or ``"channels_last"`` (the same
    here), or ``"channels_first"``: samples of shape ``(C, H, W)`` are read as
    ``(H, W, C)`` first, as Keras does (the channel axis moved last), so the row
    lists each pixel's channels together; 1-D samples are kept as they are."""

    data_format = None  # what layers pickled before the argument existed hold

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if not is_one_of(data_format, (None, "channels_last", "channels_first")):
            raise ValueError("data_format must be None, 'channels_last' or 'channels_first'. "
                             f"Received: data_format={data_format!r:.80}")
        self.data_format = data_format

    def compute_output_shape(self, input_shape):
        """As Keras's, the batch axis first and kept: ``(None, 28, 28)`` -> ``(None, 784)``, ``(8, 28, 28)``
        -> ``(8, 784)``; a size None among the others gives None, and a batch of numbers ``(8,)`` gives
        ``(8, 1)``."""
        input_shape = check_batch_shape(input_shape, "Flatten")
        sample = input_shape[1:]
        return (input_shape[0], None if None in sample else math.prod(sample))

    def _channels_moved(self, ndim):
        """Whether the channel axis (1) moves last before flattening: channels_first samples of 2+ axes."""
        return self.data_format == "channels_first" and ndim > 2

    def forward(self, X, training=False):
        self.in_shape = X.shape
        xp = get_namespace()
        if self._channels_moved(X.ndim):
            X = xp.moveaxis(X, 1, -1)
        return xp.reshape(X, (X.shape[0], -1))

    def backward(self, dY):
        xp = get_namespace()
        if self._channels_moved(len(self.in_shape)):
            n, c, *rest = self.in_shape
            return xp.moveaxis(xp.reshape(dY, (n, *rest, c)), -1, 1)
        return xp.reshape(dY, self.in_shape)

    def get_config(self):
        config = super().get_config()
        if self.data_format is not None:  # left out otherwise: files stay readable by older glassnet
            config["data_format"] = self.data_format
        return config
