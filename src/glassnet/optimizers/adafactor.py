"""Keras 3's :class:`Adafactor`: the second moment of a matrix kept as its row and column means."""

import math

from .._validation import check_bool, check_number
from ..backend import get_namespace
from .base import Optimizer, _square


class Adafactor(Optimizer):
    """Keras 3's Adafactor (Shazeer & Stern 2018). At step ``t``, with ``G = g² + ε₁``,
    ``β = 1 − t^{beta_2_decay}``, ``ρ = min(η, 1/√t)`` and ``α = max(ε₂, RMS(w)) ρ``:
    a variable of 2 or more axes keeps the row and column means of ``G``,
    ``r ← βr + (1−β) mean(G, −1)``, ``c ← βc + (1−β) mean(G, −2)``, and uses
    ``v = (r / mean(r)) ⊗ c``; a vector keeps ``v ← βv + (1−β)G`` itself. Then
    ``u = g / √v``, ``w ← w − α u / max(1, RMS(u)/d)`` with ``d`` = ``clip_threshold``.
    The state is ``r``, ``c`` (one entry per row and per column) and the vectors' ``v``: a
    matrix's ``v`` is made afresh at each step from ``r`` and ``c`` (Keras keeps it too).
    ``relative_step`` changes nothing: Keras 3.15's takes ``min(η, 1/√t)`` again in ``ρ``.
    η = ``learning_rate``, ε₁ = ``epsilon_1``, ε₂ = ``epsilon_2``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("r", "c", "v")
    by_variable = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_2_decay = check_number(beta_2_decay, "beta_2_decay", high=0)  # > 0: a negative β after t = 1
        self.epsilon_1 = check_number(epsilon_1, "epsilon_1", low=0)
        self.epsilon_2 = check_number(epsilon_2, "epsilon_2", low=0)
        self.clip_threshold = check_number(clip_threshold, "clip_threshold", low=0, low_open=True)
        self.relative_step = check_bool(relative_step, "relative_step")

    def _layout(self):
        """``(slice of w, shape as (A, rows, columns) or None for a vector, slice of r, of c, of v)``
        for each variable, in the order of ``slices``."""
        r = c = v = 0
        for part, shape in zip(self.slices, self.shapes, strict=True):
            if len(shape) < 2:
                n = part.stop - part.start
                yield part, None, slice(r, r), slice(c, c), slice(v, v + n)
                v += n
            else:
                a = math.prod(shape[:-2])
                yield part, (a, shape[-2], shape[-1]), slice(r, r + a * shape[-2]), slice(c, c + a * shape[-1]), \
                    slice(v, v)
                r, c = r + a * shape[-2], c + a * shape[-1]

    def _state_size(self, name):
        index = {"r": 2, "c": 3, "v": 4}[name]
        return sum(item[index].stop - item[index].start for item in self._layout())

    def _state_part(self, name, part):
        if name not in self.state_names:
            return part
        index = {"r": 2, "c": 3, "v": 4}[name]
        inside = [item[index] for item in self._layout() if part.start <= item[0].start and item[0].stop <= part.stop]
        return slice(inside[0].start, inside[-1].stop) if inside else slice(0, 0)

    def _tiny_bound(self):
        # r, c and v stay >= ε₁ (they average g² + ε₁): nothing decays towards the subnormal range
        return 0.0

    def _update_all(self, w, g, lr):
        xp = get_namespace()
        t = self.iterations + 1
        rho = min(lr, 1 / math.sqrt(t))
        beta = 1 - t**self.beta_2_decay
        for part, shape, r_part, c_part, v_part in self._layout():
            wv, gv = w[part], g[part]
            if not wv.shape[0]:
                continue
            alpha = max(self.epsilon_2, math.sqrt(float(xp.mean(wv * wv)))) * rho
            G = _square(gv, xp.empty(gv.shape, dtype=self.state["v"].dtype))  # float32 for float16 weights
            G += self.epsilon_1
            if shape is None:
                v = self.state["v"][v_part]
                v *= beta
                G *= 1 - beta
                v += G
            else:
                G = xp.reshape(G, shape)
                r = xp.reshape(self.state["r"][r_part], shape[:2])
                c = xp.reshape(self.state["c"][c_part], (shape[0], shape[2]))
                r *= beta
                r += (1 - beta) * xp.mean(G, axis=2)
                c *= beta
                c += (1 - beta) * xp.mean(G, axis=1)
                v = xp.reshape((r / xp.mean(r, axis=1, keepdims=True))[:, :, None] * c[:, None, :], (-1,))
            u = gv / xp.sqrt(v)
            u /= max(1.0, math.sqrt(float(xp.mean(u * u))) / self.clip_threshold)
            u *= alpha
            wv -= u

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}
