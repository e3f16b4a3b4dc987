"""Inverted dropout: active in training only."""

from .._validation import check_number
from ..backend import get_namespace, make_rng
from .base import Layer


class Dropout(Layer):
    """Zero each input with probability ``rate`` during training and scale the
    survivors by ``1 / (1 - rate)`` so the expected activation is unchanged;
    identity at inference. Backward: ``dX = dY ⊙ mask``.

    ``fixed_mask`` (an array of 0 and ``1/(1-rate)``) replaces the random mask,
    which is how gradient checks make the layer deterministic.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_number(rate, "rate", low=0, high=1, high_open=True)
        self.seed = seed
        self.rng = make_rng(seed)
        self.fixed_mask = None
        self.mask = None

    def forward(self, X, training=False):
        if not training or self.rate == 0:
            self.mask = None
            return X
        xp = get_namespace()
        if self.fixed_mask is not None:
            self.mask = self.fixed_mask
        else:
            # mask = 1[u >= rate] / (1 - rate), drawn into reused buffers.
            u = self.rng.random(X.shape, dtype=X.dtype, out=self.buffer("u", X.shape, X.dtype))
            keep = xp.greater_equal(u, self.rate, out=self.buffer("keep", X.shape, bool))
            self.mask = xp.multiply(keep, X.dtype.type(1.0 / (1.0 - self.rate)), out=u)
        return xp.multiply(X, self.mask, out=self.buffer("Y", X.shape, X.dtype))

    def backward(self, dY):
        if self.mask is None:
            return dY
        return get_namespace().multiply(dY, self.mask, out=self.buffer("dX", dY.shape, dY.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config
