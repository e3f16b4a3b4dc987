"""Inverted dropout: active in training only."""

import math

import numpy as np

from .. import kernels
from .._validation import check_number
from ..backend import from_numpy, get_namespace, numpy_dtype
from .noise import TrainingNoise

#: the mask is drawn as 16-bit random integers: 4 per 64-bit random word
_LEVELS = 1 << 16


class NoiseShaped(TrainingNoise):
    """A noise layer with Keras's ``noise_shape`` (Dropout's and AlphaDropout's)."""

    noise_shape = None  # what layers pickled before noise_shape existed hold

    @property
    def takes_vectors(self):
        return self.noise_shape is None  # (a noise_shape names the batch's axes, which a vector lacks)

    def build(self, input_shape):
        super().build(input_shape)
        if self.noise_shape is not None:
            self._mask_shape((None, *self.input_shape))  # refuses a noise_shape that does not fit the samples

    def _mask_shape(self, shape):
        """The mask's shape for a batch of ``shape``: ``noise_shape`` with its None entries
        filled in from ``shape`` (the batch's shape without a noise_shape)."""
        if self.noise_shape is None:
            return tuple(shape)
        mask = tuple(n if d is None else d for d, n in zip(self.noise_shape, shape))
        if len(self.noise_shape) != len(shape) or any(d not in (1, n) for d, n in zip(mask, shape) if n is not None):
            raise ValueError(f"{self._label()} has noise_shape={self.noise_shape}, which does not fit batches of "
                             f"shape {tuple(shape)}: it needs one entry per axis, each None, 1 or the input's size.")
        return mask


class Dropout(NoiseShaped):
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

    ``noise_shape`` (Keras's): the shape of the mask, one entry per axis of the
    batch, None for the input's size there; a 1 shares one draw along that axis
    (``(None, 1)`` drops whole samples, ``(None, 1, n_features)`` the same features
    at every step of a sequence), as Keras broadcasts its mask. None (the default):
    the input's shape. ``seed``: the layer's own random generator's seed (None: drawn from
    the global one when the layer is built, which ``Sequential(seed=...)`` seeds).
    """

    selects = True  # a float16 dY is dropped where the mask is 0, as Keras's select (TrainingNoise.selects)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):  # Keras's order
        super().__init__(seed=seed, **kwargs)
        self.rate = rate
        self.noise_shape = _noise_shape(noise_shape)

    @property
    def rate(self):
        return self._rate

    @rate.setter
    def rate(self, rate):
        """Checked, and the mask's threshold and scale follow it: ``layer.rate = 0.1`` after the layer
        was made trains with 0.1, as Keras reads its rate at each call (they were fixed at ``__init__``,
        while ``get_config`` and so a saved model said the new rate)."""
        self._rate = check_number(rate, "rate", low=0, high=1, high_open=True)
        self._threshold = min(round(self._rate * _LEVELS), _LEVELS - 1)
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
        shape = self._mask_shape(X.shape)  # broadcast against X by apply and backward
        keep = self._draw_keep(shape)
        xp = get_namespace()
        if xp is not np:  # another namespace: the same NumPy draw, then moved to its device
            # in X's dtype: a layer called on its own keeps dtype None (np.dtype(None) is float64)
            return xp.asarray(np.multiply(keep, numpy_dtype(X).type(self.scale)))
        return xp.multiply(keep, X.dtype.type(self.scale), out=self.buffer("mask", shape, X.dtype))

    def forward(self, X, training=False):
        if (training and self.active and self.fixed_mask is None and self.noise_shape is None and self.jit_compile
                and kernels.use_for(X) and self._draws_own_mask()):
            # draw and the two products of TrainingNoise.forward as one compiled loop (glassnet.kernels)
            n = X.size
            bits = self.rng.bit_generator.random_raw((n + 3) // 4).view(np.uint16)[:n]
            self.mask = self.buffer("mask", X.shape, X.dtype)
            Y = self.buffer("Y", X.shape, X.dtype)
            kernels.get("dropout")(X.reshape(-1), bits, np.uint16(self._threshold), X.dtype.type(self.scale),
                                   self.mask.reshape(-1), Y.reshape(-1))
            return Y
        return super().forward(X, training)

    def _draws_own_mask(self):
        """Whether the mask is Dropout's own (``draw``, ``apply``, ``_draw_keep`` not overridden): only
        then may the compiled loop draw and apply it (a subclass's own mask is used, as written)."""
        cls = type(self)
        return cls.draw is Dropout.draw and cls.apply is Dropout.apply and cls._draw_keep is Dropout._draw_keep

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        if self.noise_shape is not None:  # left out otherwise: files stay readable by older glassnet
            config["noise_shape"] = list(self.noise_shape)
        return config


def _noise_shape(noise_shape):
    """Keras's ``noise_shape`` as a tuple of positive ints and None (None stays None)."""
    if noise_shape is None:
        return None
    if isinstance(noise_shape, (str, bytes)) or not hasattr(noise_shape, "__iter__"):
        raise ValueError("noise_shape must be None or a tuple of positive integers and None, one per axis of the "
                         f"batch, such as (None, 1). Received: noise_shape={noise_shape!r:.80}")
    shape = tuple(int(d) if isinstance(d, np.integer) else d for d in noise_shape)
    for d in shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d <= 0):
            raise ValueError("noise_shape must be a tuple of positive integers and None, one per axis of the batch, "
                             f"such as (None, 1). Received: noise_shape={noise_shape!r:.80}")
    return shape


class AlphaDropout(NoiseShaped):
    """Keras's ``layers.AlphaDropout``: dropout that keeps the mean and variance of SELU
    activations. In training each input is kept with probability ``1 − p`` (``p = rate``) or
    set to SELU's saturation value ``α' = −λα``, then an affine map restores the moments:
    ``y = a · (x ⊙ k + α' (1 − k)) + b`` with ``k`` the keep mask,
    ``a = ((1 − p)(1 + p α'²))^(−1/2)``, ``b = −a α' p`` (Keras's formulas). Identity at
    inference.

    Written with ``m = a · k`` (the layer's ``mask``, what gradient checks freeze):
    ``y = m ⊙ (x − α') + a α' + b``; backward ``dX = dY ⊙ m``.

    ``k`` is drawn as Keras draws it, ``u ≥ p`` for uniform ``u`` (exactly keep probability
    ``1 − p``, which ``a`` and ``b`` assume); ``noise_shape`` shares draws as Dropout's does.
    ``rate`` is in ``[0, 1)`` (Keras accepts 1, where ``a`` is infinite). ``seed`` as :class:`Dropout`'s.
    """

    #: SELU's constants, as Keras writes them
    ALPHA = 1.6732632423543772848170429916717
    SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):  # Keras's order
        super().__init__(seed=seed, **kwargs)
        self.rate = check_number(rate, "rate", low=0, high=1, high_open=True)
        self.noise_shape = _noise_shape(noise_shape)

    @property
    def active(self):
        return self.rate > 0

    @property
    def affine(self):
        """``(a, b, α')`` of the training-mode map."""
        alpha_p = -self.ALPHA * self.SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        return a, -a * alpha_p * self.rate, alpha_p

    def draw(self, X):
        keep = self.rng.random(self._mask_shape(X.shape)) >= self.rate
        a = self.affine[0]
        return from_numpy((keep * a).astype(numpy_dtype(X), copy=False))

    def apply(self, X, mask):
        a, b, alpha_p = self.affine
        return mask * (X - alpha_p) + (a * alpha_p + b)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                      seed=self.seed)
        return config
