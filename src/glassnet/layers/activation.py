"""A layer that only applies an activation ``A = g(Z)``, and Keras's layers of one
activation with its arguments (``ReLU``, ``LeakyReLU``, ``ELU``, ``Softmax``)."""

import warnings

from .. import activations
from .._validation import check_number
from .base import Layer, config_entry, sample_shape


class Activation(Layer):
    """Applies ``g`` elementwise (row-wise for softmax); backward ``dZ = dA ⊙ g'(Z)``."""

    takes_vectors = True  # elementwise, or along the last axis (softmax): a vector is one row

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.check_in_layer(activations.get(activation), "Activation")

    def forward(self, X, training=False):
        self.Z = X
        A = self.A = self.activation.forward(X, out=self.buffer("A", X.shape, X.dtype) if training else None)
        return A  # a local: another thread's predict may release self.A meanwhile

    def backward(self, dA):
        return self.activation.backward(self.Z, self.A, dA, out=self.buffer("dZ", dA.shape, dA.dtype))

    def backward_preactivation(self, dZ):
        return dZ

    def get_config(self):
        config = super().get_config()
        config["activation"] = config_entry(self.activation, activations.serialize)
        return config


class ReLU(Activation):
    """Keras's ``layers.ReLU``: ``min(z, max_value)`` above ``threshold``, else 0, minus
    ``negative_slope · (threshold - z)`` below it (:class:`glassnet.activations.GeneralReLU`;
    with the defaults, the plain ``max(0, z)``). The three arguments are >= 0, as Keras's."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        if max_value is not None:
            max_value = check_number(max_value, "max_value", low=0)
        self.max_value = max_value
        self.negative_slope = check_number(negative_slope, "negative_slope", low=0)
        self.threshold = check_number(threshold, "threshold", low=0)
        general = activations.GeneralReLU(self.negative_slope, self.max_value, self.threshold)
        super().__init__("relu" if general.get_config() == activations.GeneralReLU().get_config() else general,
                         **kwargs)

    def get_config(self):
        config = Layer.get_config(self)
        config.update(max_value=self.max_value, negative_slope=self.negative_slope, threshold=self.threshold)
        return config


class LeakyReLU(Activation):
    """Keras's ``layers.LeakyReLU``: ``z`` for ``z >= 0``, ``negative_slope · z`` otherwise.

    The default slope is Keras 3's layer default, 0.3 (the activation ``"leaky_relu"``
    keeps the lectures' 0.01). ``alpha``, tf.keras's name for the slope, is taken with a
    warning, as Keras 3 does."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", UserWarning, stacklevel=2)
        self.negative_slope = check_number(negative_slope, "negative_slope", low=0)
        super().__init__(activations.LeakyReLU(self.negative_slope), **kwargs)

    def get_config(self):
        config = Layer.get_config(self)
        config["negative_slope"] = self.negative_slope
        return config


class ELU(Activation):
    """Keras's ``layers.ELU``: ``z`` for ``z > 0``, ``alpha (e^z - 1)`` otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        self.alpha = check_number(alpha, "alpha")
        super().__init__(activations.ELU(self.alpha), **kwargs)

    def get_config(self):
        config = Layer.get_config(self)
        config["alpha"] = self.alpha
        return config


class Softmax(Activation):
    """Keras's ``layers.Softmax``: ``e^{z_i} / Σ_j e^{z_j}`` along ``axis``, which must be
    the samples' last axis (-1, Keras's default; glassnet normalises along no other)."""

    def __init__(self, axis=-1, **kwargs):
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]  # Keras takes [axis] too
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"axis must be an integer: glassnet's Softmax normalises along one axis, the last. "
                            f"Received: axis={axis!r:.100}")
        self.axis = axis
        super().__init__("softmax", **kwargs)

    @property
    def takes_vectors(self):
        return self.axis == -1  # (Keras refuses a vector for axis=1: it has no axis 1)

    def build(self, input_shape):
        shape = sample_shape(input_shape)
        ndim = 1 + len(shape)  # with the batch axis, as Keras counts
        if self.axis not in (-1, ndim - 1):
            raise ValueError(f"glassnet's Softmax normalises along the last axis only (axis=-1 or {ndim - 1} for "
                             f"inputs of shape (None, {', '.join(map(str, shape))})). Received: axis={self.axis}")
        super().build(input_shape)

    def get_config(self):
        config = Layer.get_config(self)
        config["axis"] = self.axis
        return config
