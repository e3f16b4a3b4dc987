"""A user's callable ``f(Z) -> A`` as an activation."""

from .base import Activation


class FunctionActivation(Activation):
    """Wraps a user callable ``f(Z) -> A``; its ``derivative(Z, A)`` attribute,
    if present, is used for backpropagation."""

    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", "custom")

    def forward(self, Z, out=None):
        A = self.function(Z)
        if getattr(A, "shape", None) != Z.shape:
            raise ValueError(f"Activation {self.name!r} must return an array of its input's shape {tuple(Z.shape)}. "
                             f"It returned {type(A).__name__} of shape {getattr(A, 'shape', None)}.")
        return A

    def derivative(self, Z, A):
        deriv = getattr(self.function, "derivative", None)
        if deriv is None:
            raise ValueError(
                f"Activation {self.name!r} is a plain callable without a derivative (glassnet does not "
                "differentiate code); give it a `derivative(Z, A)` attribute or subclass "
                "glassnet.activations.Activation. Keras's functions with arguments are objects that carry "
                "theirs: for `lambda x: relu(x, max_value=6.0)` write activation=activations.GeneralReLU("
                "max_value=6.0), or activations.LeakyReLU(0.2), ELU(alpha=0.5), GELU(approximate=True), "
                "or the layers ReLU, LeakyReLU, ELU."
            )
        return deriv(Z, A)
