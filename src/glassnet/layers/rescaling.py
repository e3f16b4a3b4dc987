"""Rescaling: ``y = x · scale + offset``, e.g. pixels from [0, 255] to [0, 1]."""

import numpy as np

from .._validation import check_number
from ..backend import from_numpy, get_namespace
from .base import Layer, sample_shape


class Rescaling(Layer):
    """Multiply the inputs by ``scale`` and add ``offset``: ``Y = X · scale + offset``,
    in training and at inference; no weights. Backward: ``dX = scale · dY``.

    ``Rescaling(1./255)`` maps pixels in ``[0, 255]`` to ``[0, 1]`` (Keras's MNIST
    MLP); ``Rescaling(1./127.5, offset=-1)`` to ``[-1, 1]``. ``scale`` and ``offset``
    are each a number or, as in Keras, a list (tuple, array) of one number per
    channel, the inputs' last axis: ``Rescaling([1/255, 1/127.5, 0.5])`` on samples
    ``(height, width, 3)`` scales each colour channel by its own factor; any array that
    broadcasts against a sample as NumPy broadcasts works the same way (Keras multiplies
    likewise), e.g. channels first: a scale of shape ``(3, 1, 1)`` on samples
    ``(3, height, width)``; a list of one number acts as that number. They are used in
    the model's dtype, as Keras casts them.
    """

    takes_vectors = True  # elementwise (a factor per channel: along the vector)

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _factor(scale, "scale")
        self.offset = _factor(offset, "offset")

    def build(self, input_shape):
        shape = sample_shape(input_shape)
        for name in ("scale", "offset"):
            value = getattr(self, name)
            if not isinstance(value, list):
                continue
            if np.ndim(value) == 1 and len(value) not in (1, shape[-1]):
                raise ValueError(
                    f"{self._label()}: {name} has {len(value)} values, one per channel, but its inputs of shape "
                    f"(None, {', '.join(map(str, shape))}) have {shape[-1]} channels (the "
                    f"last axis). Give {shape[-1]} values, or one number. Received: {name}={value!r:.100}")
            try:
                fits = np.broadcast_shapes((1, *shape), np.shape(value)) == (1, *shape)  # with a batch of 1
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(
                    f"{self._label()}: {name} of shape {np.shape(value)} does not broadcast against its inputs' "
                    f"samples of shape {shape} (NumPy's rule, with the batch axis first: aligned from the last "
                    f"axis, each size equal or 1). Received: {name}={value!r:.100}")
        super().build(input_shape)

    def _cast(self, value, dtype):
        """A number as it is (NumPy computes a Python float in the array's dtype), one per channel
        as an array of ``dtype`` in the active namespace (Keras casts them to the compute dtype)."""
        return value if not isinstance(value, list) else from_numpy(np.asarray(value), dtype=dtype)

    def forward(self, X, training=False):
        xp = get_namespace()
        # a Python number takes the array's dtype: float32 inputs are scaled in float32, as Keras does
        Y = xp.multiply(X, self._cast(self.scale, X.dtype),
                        out=self.buffer("Y", X.shape, X.dtype) if training else None)
        if np.any(self.offset):
            Y += self._cast(self.offset, X.dtype)
        return Y

    def backward(self, dY):
        return get_namespace().multiply(dY, self._cast(self.scale, dY.dtype),
                                        out=self.buffer("dX", dY.shape, dY.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


def _factor(value, name):
    """``scale`` or ``offset`` checked: a float, or a (nested) list of floats that broadcasts
    against a sample (one per channel of the last axis, for a 1-D one)."""
    if not isinstance(value, (list, tuple)) and not hasattr(value, "__array__"):
        return check_number(value, name)  # a number, or a TypeError that names the argument
    try:
        values = np.asarray(value, dtype=object)  # each value as given, checked one by one below
    except ValueError:  # ragged nested lists
        values = None
    if values is not None and values.ndim == 0:  # a NumPy number or 0-d array
        return check_number(values.item(), name)
    if values is None or values.size == 0 or any(isinstance(v, (list, tuple)) for v in values.flat):
        raise ValueError(f"{name} must be a number or a non-empty (nested) list of numbers that broadcasts against "
                         f"the inputs, such as one per channel (the inputs' last axis). Received: {name}={value!r:.100}")
    checked = [check_number(v, f"{name}[{', '.join(map(str, i))}]") for i, v in np.ndenumerate(values)]
    return np.reshape(np.array(checked, dtype=float), values.shape).tolist()
