"""Keras 3's :class:`Ftrl`, FTRL-Proximal with L1, L2 and shrinkage regularization."""

from .._validation import check_number
from ..backend import get_namespace
from .base import Optimizer, _check_rate, _square


class Ftrl(Optimizer):
    """Keras 3's FTRL-Proximal (McMahan et al. 2013), with ``p`` = ``learning_rate_power``,
    ``λ₁``, ``λ₂``, ``λ₂'`` (shrinkage) and ``β``: ``ĝ = g + 2λ₂'w``, ``n' = n + g²``,
    ``z ← z + ĝ − (n'^{−p} − n^{−p}) w / η``, ``n ← n'``,
    ``w ← (clip(z, −λ₁, λ₁) − z) / (n'^{−p}/η + 2(λ₂ + β/(2η)))``. η = ``learning_rate``,
    λ₁ = ``l1_regularization_strength``, λ₂ = ``l2_regularization_strength``,
    λ₂' = ``l2_shrinkage_regularization_strength``, β = ``beta``, and ``n`` starts at
    ``initial_accumulator_value``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not callable(self._learning_rate) and self._learning_rate == 0:  # FTRL divides by η
            raise ValueError("Ftrl's learning_rate must be > 0 (its update divides by it). Received: learning_rate=0")
        self.learning_rate_power = check_number(learning_rate_power, "learning_rate_power", high=0)
        self.initial_accumulator_value = check_number(initial_accumulator_value, "initial_accumulator_value", low=0)
        self.l1_regularization_strength = check_number(l1_regularization_strength, "l1_regularization_strength", low=0)
        self.l2_regularization_strength = check_number(l2_regularization_strength, "l2_regularization_strength", low=0)
        self.l2_shrinkage_regularization_strength = check_number(
            l2_shrinkage_regularization_strength, "l2_shrinkage_regularization_strength", low=0)
        self.beta = check_number(beta, "beta", low=0)

    def _initial_state(self, name):
        return self.initial_accumulator_value if name == "accumulator" else 0.0

    @Optimizer.learning_rate.setter
    def learning_rate(self, value):
        if not callable(value) and _check_rate(value) == 0:  # as the constructor: FTRL divides by η
            raise ValueError("Ftrl's learning_rate must be > 0 (its update divides by it). Received: learning_rate=0")
        Optimizer.learning_rate.fset(self, value)

    def _rate(self):
        lr = super()._rate()
        if lr == 0:  # a schedule that reaches 0 (CosineDecay's end) or a callable that returns it
            raise ValueError(f"Ftrl's learning rate is 0 at step {self._iterations} (its update divides by it): "
                             "use a schedule that stays above 0 (e.g. CosineDecay(..., alpha=0.01)).")
        return lr

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        n, z, power = state["accumulator"], state["linear"], -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        old = xp.pow(n, power)  # n^{−p} (the array API names it pow)
        n += _square(g, tmp)
        new = xp.pow(n, power)  # n'^{−p}
        xp.subtract(new, old, out=tmp)
        tmp /= lr
        tmp *= w
        xp.multiply(w, 2 * self.l2_shrinkage_regularization_strength, out=old)
        old += g  # ĝ
        old -= tmp
        z += old
        new /= lr
        new += 2 * l2  # the quadratic
        xp.clip(z, -self.l1_regularization_strength, self.l1_regularization_strength, out=tmp)
        tmp -= z
        xp.divide(tmp, new, out=w)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength, "beta": self.beta}
