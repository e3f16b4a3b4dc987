"""Rescaling: ``y = x · scale + offset``, e.g. pixels from [0, 255] to [0, 1]."""

from .._validation import check_number
from ..backend import get_namespace
from .base import Layer


class Rescaling(Layer):
    """Multiply the inputs by ``scale`` and add ``offset``: ``Y = X · scale + offset``,
    in training and at inference; no weights. Backward: ``dX = scale · dY``.

    ``Rescaling(1./255)`` maps pixels in ``[0, 255]`` to ``[0, 1]`` (Keras's MNIST
    MLP); ``Rescaling(1./127.5, offset=-1)`` to ``[-1, 1]``. ``scale`` and ``offset``
    are numbers (Keras also takes per-channel arrays; glassnet does not), used in the
    model's dtype, as Keras casts them.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = check_number(scale, "scale")
        self.offset = check_number(offset, "offset")

    def forward(self, X, training=False):
        # a Python number takes the array's dtype: float32 inputs are scaled in float32, as Keras does
        Y = get_namespace().multiply(X, self.scale, out=self.buffer("Y", X.shape, X.dtype) if training else None)
        if self.offset:
            Y += self.offset
        return Y

    def backward(self, dY):
        return get_namespace().multiply(dY, self.scale, out=self.buffer("dX", dY.shape, dY.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config
