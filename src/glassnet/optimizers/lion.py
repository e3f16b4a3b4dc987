"""Keras 3's :class:`Lion`, the evolved sign momentum: every parameter moves by ``±η``."""

import numpy as np

from .._validation import check_number
from ..backend import get_namespace, numpy_dtype
from .base import FLUSH_EVERY, TINY, Optimizer


class Lion(Optimizer):
    """Keras 3's Lion (Chen et al. 2023, evolved sign momentum):
    ``w ← w − η sign(β₁m + (1−β₁)g)``, then ``m ← β₂m + (1−β₂)g``. η = ``learning_rate``,
    β₁ = ``beta_1``, β₂ = ``beta_2``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        # β₁ = 0 would make it SignSGD, which Keras refuses too
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, low_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1)

    def _tiny_bound(self):
        # sign(m) of a tiny m is still ±1, a whole step: only a momentum that could become subnormal
        # before the next clearing (FLUSH_EVERY steps of β₂ away) is cleared, never one above TINY
        tiny = float(np.finfo(numpy_dtype(self.state["momentum"])).tiny)
        return min(TINY, tiny / self.beta_2**FLUSH_EVERY) if self.beta_2 else tiny

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        m = state["momentum"]
        xp.multiply(m, self.beta_1, out=tmp)
        tmp += g * (1 - self.beta_1)
        xp.sign(tmp, out=tmp)
        tmp *= lr
        w -= tmp
        m *= self.beta_2
        xp.multiply(g, 1 - self.beta_2, out=tmp)
        m += tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
