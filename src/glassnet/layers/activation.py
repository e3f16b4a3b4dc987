"""A layer that only applies an activation ``A = g(Z)``."""

from .. import activations
from .base import Layer, config_entry


class Activation(Layer):
    """Applies ``g`` elementwise (row-wise for softmax); backward ``dZ = dA ⊙ g'(Z)``."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

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
