"""Keras's ``Permute``: the axes of each sample reordered (the batch axis kept first)."""

import numbers

from ..backend import get_namespace
from .base import Layer, check_batch_shape


class Permute(Layer):
    """Reorder each sample's axes: ``dims`` numbers them from 1 (the batch axis is 0 and stays), so
    ``Permute((2, 1))`` turns ``(n, 10, 64)`` into ``(n, 64, 10)``; ``Y = X.transpose(0, *dims)``.
    No weights. Backward: ``dX = dY`` transposed by the inverse permutation."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            given = tuple(dims)
        except TypeError:
            raise TypeError(f"dims must be a tuple of integers, such as (2, 1). Received: dims={dims!r:.100}") from None
        if any(isinstance(d, bool) or not isinstance(d, numbers.Integral) for d in given):
            raise TypeError(f"dims must be a tuple of integers, such as (2, 1). Received: dims={dims!r:.100}")
        if sorted(given) != list(range(1, len(given) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")
        self.dims = tuple(int(d) for d in given)

    def compute_output_shape(self, input_shape):
        """As Keras's, the batch axis first and kept: ``(None, 10, 64)`` with ``dims=(2, 1)`` ->
        ``(None, 64, 10)``, ``(8, 10, 64)`` -> ``(8, 64, 10)``."""
        input_shape = check_batch_shape(input_shape, "Permute")
        # Keras's InputSpec(ndim=len(dims) + 1), which its call checks (its compute_output_shape reads past the end)
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Input 0 of layer {self.name or 'permute'!r} is incompatible with the layer: expected "
                             f"ndim={len(self.dims) + 1}, found ndim={len(input_shape)}. Full shape received: "
                             f"{input_shape}")
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def forward(self, X, training=False):
        return get_namespace().permute_dims(X, (0, *self.dims))

    def inverse(self):
        """The axes that put a permuted batch back: output axis ``k`` is input axis ``dims[k - 1]``."""
        inverse = [0] * (len(self.dims) + 1)
        for k, d in enumerate(self.dims, start=1):
            inverse[d] = k
        return tuple(inverse)

    def backward(self, dY):
        return get_namespace().permute_dims(dY, self.inverse())

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
