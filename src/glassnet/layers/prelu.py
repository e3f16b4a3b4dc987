"""Parametric ReLU (He et al. 2015): a leaky ReLU whose negative slope is learned."""

import numbers

from .. import constraints, initializers, regularizers
from ..backend import get_namespace
from .base import Layer, OneWeightPenalty, initializer_entries, sample_shape, training_entries, weight_attribute
from .batchnorm import sum_dtype


class PReLU(OneWeightPenalty, Layer):
    """Keras's ``layers.PReLU``: ``y = x`` for ``x > 0``, ``y = α ⊙ x`` otherwise, with a
    trainable slope ``α`` per unit (Keras: ``relu(x) − α ⊙ relu(−x)``).

    ``α`` has the shape of one sample, except along ``shared_axes`` (counted with the batch
    axis, as Keras: ``shared_axes=[1]`` on samples ``(steps, features)`` gives one ``α`` per
    feature), where it is shared and has size 1.

    Backward: ``dX = dY ⊙ (1 if x > 0, α if x < 0, 0 at x = 0)`` (Keras's ReLU has slope 0 at
    0), ``∂J/∂α = Σ dY ⊙ min(x, 0)`` over the batch and the shared axes.

    Parameters
    ----------
    alpha_initializer : str or Initializer
        The first ``α``: Keras's ``"Zeros"`` (a plain ReLU at first).
    alpha_regularizer : str or Regularizer, optional
        Adds a penalty on ``α`` to the loss, as Dense's regularizers.
    alpha_constraint : str, Constraint or callable, optional
        ``α ← constraint(α)`` after each update.
    shared_axes : int or list of int, optional
        Axes (of the batch, 1 the first axis of a sample) along which ``α`` is shared.
    """

    weight_names = ("alpha",)
    alpha = weight_attribute("alpha")  # (Keras's attribute)
    penalized_weight = "alpha"  # (OneWeightPenalty)

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer, "alpha_initializer")
        self.alpha_regularizer = regularizers.get(alpha_regularizer, "alpha_regularizer")
        self.alpha_constraint = constraints.get(alpha_constraint, "alpha_constraint")
        self.shared_axes = _shared_axes(shared_axes)

    def _alpha_shape(self, input_shape):
        shape = list(input_shape)
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(shape):
                raise ValueError(f"{self._label()}: shared_axes must name axes 1 to {len(shape)} of inputs of shape "
                                 f"(None, {', '.join(map(str, input_shape))}) (0 is the batch). "
                                 f"Received: shared_axes={self.shared_axes}")
            shape[axis - 1] = 1
        return tuple(shape)

    def count_weights(self, input_shape):
        n = 1
        for d in self._alpha_shape(sample_shape(input_shape)):
            n *= int(d)
        return n

    def build(self, input_shape):
        input_shape = sample_shape(input_shape)
        shape = self._alpha_shape(input_shape)
        self.params["alpha"] = initializers.initial_weights(self.alpha_initializer, shape, self.dtype,
                                                            "alpha_initializer")
        # zeros: a model replaces this with a view of its flat gradient vector
        self.grads["alpha"] = get_namespace().zeros(shape, dtype=self.params["alpha"].dtype)
        super().build(input_shape)

    def forward(self, X, training=False):
        xp = get_namespace()
        self.X = X
        zeros = xp.zeros_like(X)
        # max(x, 0) + α·min(x, 0), as Keras's relu(x) − α·relu(−x): x − x·[x < 0] + α·x·[x < 0] made ±inf NaN
        # (inf·0, −inf − −inf); the same bits for finite x
        return xp.maximum(X, zeros) + self.params["alpha"] * xp.minimum(X, zeros)

    def backward(self, dY):
        xp = get_namespace()
        X, alpha = self.X, self.params["alpha"]
        # Σ over the batch axis and the shared axes, which α broadcasts along
        axes = (0, *(self.shared_axes or ()))
        below = xp.astype(X < 0, X.dtype)
        # dY·min(x, 0), not dY·x·[x < 0]: a positive dY·x beyond float16's 65504 made inf·0 = NaN; a float16
        # product summed in float32 and rounded once (sum_dtype), as Keras's
        self.grads["alpha"][...] = xp.sum(dY * xp.minimum(X, xp.zeros_like(X)), axis=axes, dtype=sum_dtype(dY),
                                          keepdims=True)[0, ...]
        if self.alpha_regularizer is not None and self._trains_in_model():
            self.add_penalty_gradient(self.alpha_regularizer, alpha, self.grads["alpha"])
        if not self.needs_input_gradient:
            return None
        return dY * (xp.astype(X > 0, X.dtype) + alpha * below)

    def get_config(self):
        config = super().get_config()
        config.update(initializer_entries(self, ("alpha_initializer",)))
        config.update(training_entries(self, ("alpha_regularizer",), regularizers, keep_unset=True))
        config.update(training_entries(self, ("alpha_constraint",), constraints, keep_unset=True))
        config["shared_axes"] = None if self.shared_axes is None else list(self.shared_axes)
        return config


def _shared_axes(shared_axes):
    """Keras's ``shared_axes``: None, an axis, or a list of axes, as a list of ints (or None)."""
    if shared_axes is None:
        return None
    axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
    for axis in axes:
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) or axis < 1:
            raise ValueError("shared_axes must be None, a positive integer or a list of them (axes counted with the "
                             f"batch axis 0, which is never shared). Received: shared_axes={shared_axes!r:.80}")
    return [int(axis) for axis in axes]
