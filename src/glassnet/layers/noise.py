"""Noise layers: random perturbations of the inputs in training only (Keras's
``GaussianNoise`` and ``GaussianDropout``, and the base that ``Dropout`` shares)."""

import math

import numpy as np

from .._validation import check_number
from ..activations.base import _half_gradient, _selected
from ..backend import from_numpy, get_namespace, make_rng, numpy_dtype
from .base import Layer


class TrainingNoise(Layer):
    """A layer that multiplies its inputs by random noise during training and is
    the identity at inference: ``Y = X ⊙ mask`` with a new ``mask`` for every batch,
    backward ``dX = dY ⊙ mask`` (:class:`GaussianNoise` adds its noise instead).

    Each layer draws from its own generator, made from ``seed``; without one it is
    drawn from the global generator when the layer is built (which
    ``Sequential(seed=...)`` seeds), so seeded models train the same each time. The
    draws are always NumPy's, so a seed gives the same noise on every array namespace.

    ``fixed_mask`` (an array of the input's shape) replaces the random draw: gradient
    checks freeze the noise this way.
    """

    takes_vectors = True  # elementwise noise
    #: the mask's zeros drop the inputs, and so their gradient: Keras's Dropout is a select, so a float16
    #: backward gives 0 there for an inf or NaN ``dY`` (a loss-scaled one may overflow), not ``inf · 0 = NaN``
    selects = False

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = int(seed) if isinstance(seed, np.integer) else seed  # a NumPy int: a plain one, for files
        self.rng = make_rng(seed)
        self.fixed_mask = None
        self.mask = None

    @property
    def active(self):
        """Whether training perturbs anything (False for a rate or a stddev of 0)."""
        return True

    def draw(self, X):
        """The noise for the batch ``X``: an array of its shape, in its namespace."""
        raise NotImplementedError

    def apply(self, X, mask):
        return get_namespace().multiply(X, mask, out=self.buffer("Y", X.shape, X.dtype))

    def forward(self, X, training=False):
        if not training or not self.active:
            self.mask = None
            return X
        self.mask = self.fixed_mask if self.fixed_mask is not None else self.draw(X)
        return self.apply(X, self.mask)

    def backward(self, dY):
        if self.mask is None:
            return dY
        dX = self.buffer("dX", dY.shape, dY.dtype)
        if self.selects and _half_gradient(dY):
            return get_namespace().multiply(_selected(dY, self.mask != 0), self.mask, out=dX)
        return get_namespace().multiply(dY, self.mask, out=dX)

    def standard_normal(self, X):
        """Draws of N(0, 1) in the shape and dtype of ``X`` (into the reused ``mask``
        array on NumPy; float16 is drawn in float32, which NumPy's sampler needs)."""
        dtype = numpy_dtype(X)
        if get_namespace() is np and dtype in (np.float32, np.float64):
            return self.rng.standard_normal(dtype=dtype, out=self.buffer("mask", X.shape, X.dtype))
        draws = self.rng.standard_normal(X.shape, dtype=np.float64 if dtype == np.float64 else np.float32)
        return from_numpy(draws.astype(dtype, copy=False))


class GaussianNoise(TrainingNoise):
    """Add zero-centred Gaussian noise during training: ``Y = X + ε`` with
    ``ε ~ N(0, stddev²)`` drawn for every batch; identity at inference.
    Backward: ``dX = dY``.

    A regularizer, and a form of data augmentation for real-valued inputs.
    ``stddev`` is in ``[0, 1]``, as Keras 3 requires. ``mask`` holds the noise ``ε``
    of the last training batch (named as Dropout's, so gradient checks freeze it alike).
    ``seed`` as :class:`~glassnet.layers.Dropout`'s.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check_number(stddev, "stddev", low=0, high=1)

    @property
    def active(self):
        return self.stddev > 0

    def draw(self, X):
        noise = self.standard_normal(X)
        noise *= self.stddev
        return noise

    def apply(self, X, noise):
        return get_namespace().add(X, noise, out=self.buffer("Y", X.shape, X.dtype))

    def backward(self, dY):
        return dY

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(TrainingNoise):
    """Multiply by one-centred Gaussian noise during training: ``Y = X ⊙ m`` with
    ``m ~ N(1, rate / (1 − rate))`` drawn for every batch (Keras's standard
    deviation ``sqrt(rate / (1 − rate))``, the same variance as dropout's mask of
    that rate); identity at inference. Backward: ``dX = dY ⊙ m``.

    ``rate`` is in ``[0, 1)`` (Keras accepts 1 and then divides by zero). ``seed`` as :class:`~glassnet.layers.Dropout`'s.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_number(rate, "rate", low=0, high=1, high_open=True)

    @property
    def active(self):
        return self.rate > 0

    @property
    def noise_stddev(self):
        """``sqrt(rate / (1 − rate))``, the standard deviation of the noise."""
        return math.sqrt(self.rate / (1.0 - self.rate))

    def draw(self, X):
        mask = self.standard_normal(X)
        mask *= self.noise_stddev
        mask += 1
        return mask

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config
