"""Keras's ``GlobalAveragePooling1D`` and ``GlobalMaxPooling1D``: each sample's steps reduced to one
vector, so that ``Embedding → GlobalAveragePooling1D → Dense`` classifies a text as its bag of embeddings."""

import numpy as np

from .._validation import check_bool, is_one_of
from ..backend import get_namespace
from .base import Layer, check_batch_shape


class GlobalPooling1D(Layer):
    """What both poolings share: their arguments, which axis they reduce, and the output shape.

    A sample is ``(steps, features)`` with ``data_format="channels_last"`` (Keras's default, which
    None means: glassnet has no ``image_data_format`` setting to read) or ``(features, steps)``
    with ``"channels_first"``; the output is ``(features,)``, or with ``keepdims=True`` the sample's
    shape with ``steps`` replaced by 1."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if data_format is None:
            data_format = "channels_last"
        if not is_one_of(data_format, ("channels_last", "channels_first")):
            raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                             f"Received: data_format={data_format!r:.80}")
        self.data_format, self.keepdims = data_format, check_bool(keepdims, "keepdims")

    @property
    def steps_axis(self):
        """The axis of a batch ``(n, ...)`` that is reduced."""
        return 1 if self.data_format == "channels_last" else 2

    def compute_output_shape(self, input_shape):
        """As Keras's, the batch axis first and kept: ``(None, 10, 16)`` -> ``(None, 16)`` (channels_last),
        ``(8, 10, 16)`` -> ``(8, 16)``."""
        input_shape = check_batch_shape(input_shape, type(self).__name__)
        if len(input_shape) != 3:  # Keras's InputSpec(ndim=3), which its call checks
            raise ValueError(f"Input 0 of layer {self.name or type(self).__name__!r} is incompatible with the layer: "
                             f"expected ndim=3, found ndim={len(input_shape)}. Full shape received: {input_shape}"
                             f" ({type(self).__name__} takes samples of shape (steps, features), such as an "
                             "Embedding's output)")
        n, first, second = input_shape
        if not self.keepdims:
            return (n, second if self.data_format == "channels_last" else first)
        return (n, 1, second) if self.data_format == "channels_last" else (n, first, 1)

    def _output(self, Y):
        """``Y`` reduced with its steps axis kept as 1: the output, as ``keepdims`` asks."""
        return Y if self.keepdims else get_namespace().squeeze(Y, axis=self.steps_axis)

    def _gradient_in(self, dY):
        """``dY`` with the steps axis back as 1, to broadcast against the input."""
        return dY if self.keepdims else get_namespace().expand_dims(dY, axis=self.steps_axis)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(GlobalPooling1D):
    """The mean over the steps: ``Y[i, f] = (1/T) Σ_t X[i, t, f]`` (``T`` steps; channels_last).
    No weights. Backward: every step gets an equal share, ``dX[i, t, f] = dY[i, f] / T``.
    A NaN in a column gives NaN there, as ``np.mean``. ``data_format`` and ``keepdims`` as
    :class:`GlobalPooling1D`'s."""

    def forward(self, X, training=False):
        self.in_shape = X.shape
        return self._output(get_namespace().mean(X, axis=self.steps_axis, keepdims=True))

    def backward(self, dY):
        xp = get_namespace()
        share = self._gradient_in(dY) / self.in_shape[self.steps_axis]
        return xp.zeros(self.in_shape, dtype=dY.dtype) + share  # a new array: the layer below may write into it


class GlobalMaxPooling1D(GlobalPooling1D):
    """The largest value over the steps: ``Y[i, f] = max_t X[i, t, f]`` (channels_last). No weights.
    Backward: the gradient goes to the step that held the maximum; steps that tie share it evenly,
    ``dX[i, t, f] = dY[i, f] · [X[i, t, f] = Y[i, f]] / #ties``, as JAX's gradient of ``jnp.max``
    (Keras on JAX). A NaN in a column gives NaN there, as ``np.max``, and a NaN gradient for the
    column (no step equals NaN), as JAX's. ``data_format`` and ``keepdims`` as
    :class:`GlobalPooling1D`'s."""

    def forward(self, X, training=False):
        xp = get_namespace()
        Y = xp.max(X, axis=self.steps_axis, keepdims=True)
        hits = xp.astype(X == Y, X.dtype)
        with np.errstate(invalid="ignore"):  # a NaN column has no hit: 0/0 = NaN, as JAX's gradient
            self.mask = hits / xp.sum(hits, axis=self.steps_axis, keepdims=True)  # each step's share of dY
        return self._output(Y)

    def backward(self, dY):
        return self.mask * self._gradient_in(dY)


# Keras's short names for the same classes
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
