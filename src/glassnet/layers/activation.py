"""A layer that only applies an activation ``A = g(Z)``, and Keras's layers of one
activation with its arguments (``ReLU``, ``LeakyReLU``, ``ELU``, ``Softmax``)."""

import warnings

from .. import activations
from .._validation import check_number
from .base import Layer, config_entry, sample_shape


class ResolvedActivation:
    """A layer's ``activation`` attribute: ``layer.activation = value`` takes what the constructor takes (a
    name, an Activation, a function), as Keras's "replace the softmax by a linear output" idiom
    (``layer.activation = "linear"``) assumes. A descriptor without ``__get__``: reads, at every batch,
    stay the plain attribute of the instance (and a pickle restores it as it is)."""

    def __set__(self, layer, value):
        layer.__dict__["activation"] = activations.check_in_layer(activations.get(value), type(layer).__name__)


class Activation(Layer):
    """Applies ``g`` elementwise (softmax along its axis); backward ``dZ = dA ⊙ g'(Z)``."""

    takes_vectors = True  # elementwise, or along the last axis (softmax): a vector is one row
    activation = ResolvedActivation()

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activation

    def build(self, input_shape):
        activations.check_layer_axis(self.activation, sample_shape(input_shape), type(self).__name__)
        super().build(input_shape)

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
            from ..models.divergence import user_stacklevel  # (the models import this module)
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", UserWarning,
                          stacklevel=user_stacklevel())
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
    """Keras's ``layers.Softmax``: ``e^{z_i} / Σ_j e^{z_j}`` along ``axis``, an integer or a list
    of them (one distribution over those axes together), -1 the last. The batch axis 0 is refused
    at build (Keras normalises over the batch: each sample's output would depend on its batch)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(activations.Softmax(axis=axis), **kwargs)
        self.axis = axis

    @property
    def takes_vectors(self):
        return self.axis in (-1, [-1], (-1,))  # (Keras refuses a vector for axis=1: it has no axis 1)

    def get_config(self):
        config = Layer.get_config(self)
        config["axis"] = self.axis
        return config
