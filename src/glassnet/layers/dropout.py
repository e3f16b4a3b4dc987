"""Inverted dropout: active in training only."""

import math

import numpy as np

from .. import kernels
from .._validation import check_number
from ..backend import get_namespace, numpy_dtype
from .noise import TrainingNoise

#: the mask is drawn as 16-bit random integers: 4 per 64-bit random word
_LEVELS = 1 << 16


class Dropout(TrainingNoise):
    """Zero each input with probability ``rate`` during training and scale the
    survivors by ``1 / (1 - rate)`` so the expected activation is unchanged;
    identity at inference. Backward: ``dX = dY ⊙ mask``.

    The mask keeps an input when a 16-bit random integer ``u`` satisfies
    ``u >= round(rate · 2¹⁶)``: four draws per 64-bit random word, about four
    times cheaper than uniform floats. The drop probability is therefore
    ``rate`` rounded to a multiple of 2⁻¹⁶ (0.2 → 0.199997), and the scale is
    the exact inverse of the keep probability, so ``E[mask] = 1`` exactly.

    ``fixed_mask`` (an array of 0 and the scale) replaces the random mask,
    which is how gradient checks make the layer deterministic (see
    :class:`~glassnet.layers.noise.TrainingNoise`, which the noise layers share).

    ``noise_shape`` (Keras's) is accepted only as None, its default: the mask
    always has the input's shape.
    """

    keras_unused = ("noise_shape",)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):  # Keras's order
        super().__init__(seed=seed, noise_shape=noise_shape, **kwargs)
        self.rate = check_number(rate, "rate", low=0, high=1, high_open=True)
        self._threshold = min(round(self.rate * _LEVELS), _LEVELS - 1)
        self.scale = _LEVELS / (_LEVELS - self._threshold)

    @property
    def active(self):
        return self._threshold != 0

    def _draw_keep(self, shape):
        n = math.prod(shape)  # (np.prod: four Python calls and an array, at every step)
        words = self.rng.bit_generator.random_raw((n + 3) // 4)
        bits = words.view(np.uint16)[:n].reshape(shape)
        keep = self.buffer("keep", shape, np.dtype(bool)) if get_namespace() is np else None
        return np.greater_equal(bits, self._threshold, out=keep)

    def draw(self, X):
        keep = self._draw_keep(X.shape)
        xp = get_namespace()
        if xp is not np:  # another namespace: the same NumPy draw, then moved to its device
            # in X's dtype: a layer called on its own keeps dtype None (np.dtype(None) is float64)
            return xp.asarray(np.multiply(keep, numpy_dtype(X).type(self.scale)))
        return xp.multiply(keep, X.dtype.type(self.scale), out=self.buffer("mask", X.shape, X.dtype))

    def forward(self, X, training=False):
        if training and self.active and self.fixed_mask is None and self.jit_compile and kernels.use_for(X):
            # draw and the two products of TrainingNoise.forward as one compiled loop (glassnet.kernels)
            n = X.size
            bits = self.rng.bit_generator.random_raw((n + 3) // 4).view(np.uint16)[:n]
            self.mask = self.buffer("mask", X.shape, X.dtype)
            Y = self.buffer("Y", X.shape, X.dtype)
            kernels.get("dropout")(X.reshape(-1), bits, np.uint16(self._threshold), X.dtype.type(self.scale),
                                   self.mask.reshape(-1), Y.reshape(-1))
            return Y
        return super().forward(X, training)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config
