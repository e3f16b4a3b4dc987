"""Keras's ``ActivityRegularization``: a penalty on the activations that pass through."""

from .. import regularizers
from .base import Layer


class ActivityRegularization(Layer):
    """``y = x``, with ``activity_regularizer=L1L2(l1, l2)``, as Keras's: the model adds
    ``R(x) / n = (l1 · Σ|x| + l2 · Σ x²) / n`` to the loss, ``n`` the batch size, and
    ``(l1 · sign(x) + 2 l2 · x) / n`` to the gradient that comes from above
    (:meth:`~glassnet.layers.Layer.add_activity_gradient`), as for any layer's
    ``activity_regularizer``.
    """

    takes_vectors = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = self.activity_regularizer.l1, self.activity_regularizer.l2

    def __setstate__(self, state):
        # pickled before every layer took activity_regularizer, it kept its penalty as "regularizer":
        # unpickled without it, the layer added nothing to the loss
        if "activity_regularizer" not in state and "regularizer" in state:
            state = {**state, "activity_regularizer": state["regularizer"]}
            for key in ("regularizer", "_call_penalty"):
                state.pop(key)
        self.__dict__.update(state)

    def forward(self, X, training=False):
        return X

    def backward(self, dY):
        return dY

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)  # l1 and l2 say it, as Keras's config
        config.update(l1=self.l1, l2=self.l2)
        return config
