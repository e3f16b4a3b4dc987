"""Keras's ``ActivityRegularization``: a penalty on the activations that pass through."""

from .. import regularizers
from ..backend import get_namespace
from .base import ChainTensor, Layer, in_model


class ActivityRegularization(Layer):
    """``y = x``, and adds ``R(x) / n = (l1 · Σ|x| + l2 · Σ x²) / n`` to the loss, ``n`` the
    batch size (Keras divides the activity penalty by it), in training and at evaluation as
    Keras does; ``model.losses`` lists it for the last batch.

    Backward: ``dX = dY + (l1 · sign(x) + 2 l2 · x) / n``, the penalty's gradient added to
    the one that comes from above.
    """

    #: the model adds :meth:`regularization_penalty` to every batch's loss (Sequential._has_regularizers)
    adds_activity_loss = True
    adds_penalty = True
    takes_vectors = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.regularizer = regularizers.L1L2(l1=l1, l2=l2)
        self.l1, self.l2 = self.regularizer.l1, self.regularizer.l2
        self.X = None
        self._call_penalty = None  # the last standalone call's R(x) / n (Keras's layer.losses after layer(x))

    def __call__(self, x, training=None):
        """``layer(x)`` as Keras's: returns ``x``, and on a layer in no model ``losses`` then
        lists that call's penalty ``R(x) / n``, ``n = x.shape[0]`` (a 1-D ``x`` of length 3
        divides by 3, as Keras does). In a model the layer's pass caches stay the model's."""
        Y = super().__call__(x, training)
        if not in_model(self) and not isinstance(Y, ChainTensor):
            n = Y.shape[0] if Y.ndim else 1
            self._call_penalty = float(self.regularizer(Y)) / n if n else 0.0
        return Y

    def forward(self, X, training=False):
        self.X = X  # the penalty is computed when the loss asks for it (predict never does)
        return X

    def backward(self, dY):
        X = self.X
        xp = get_namespace()
        grad = xp.zeros_like(X)  # ∂R/∂X = l1 · sign(x) + 2 l2 · x
        self.regularizer.add_gradient(X, grad, self.buffer("tmp", X.shape, X.dtype))
        grad /= X.shape[0]
        if self._penalty_scale != 1.0:  # the loss scale of a LossScaleOptimizer
            grad *= self._penalty_scale
        return dY + grad

    def regularization_penalty(self):
        """``R(x) / n`` of the last batch that passed (0 before any)."""
        X = getattr(self, "X", None)
        if X is None or X.shape[0] == 0:
            return 0.0
        return self.regularizer(X) / X.shape[0]

    @property
    def losses(self):
        if getattr(self, "X", None) is None:  # no model pass yet: a standalone call's penalty, if any
            penalty = getattr(self, "_call_penalty", None)
            return [] if penalty is None else [penalty]
        return [float(self.regularization_penalty())]

    def get_config(self):
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config
