"""The adaptive-rate rules before Adam: each parameter's step divided by the root of its squared
gradients, summed (:class:`Adagrad`) or averaged (:class:`RMSprop`, :class:`Adadelta`)."""

from .._validation import check_bool, check_number
from ..backend import get_namespace
from .base import Optimizer, _square


class Adagrad(Optimizer):
    """``G ← G + g²``, ``w ← w − η g / sqrt(G + ε)`` with ``G₀ = 0.1`` (Keras 3). η = ``learning_rate``,
    G₀ = ``initial_accumulator_value``, ε = ``epsilon``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_number(initial_accumulator_value, "initial_accumulator_value", low=0)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def _initial_state(self, name):
        return self.initial_accumulator_value

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        acc = state["accumulator"]
        acc += _square(g, tmp)
        xp.add(acc, self.epsilon, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(g, tmp, out=tmp)
        tmp *= lr
        w -= tmp

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """``v ← ρ v + (1−ρ) g²``; ``w ← w − η g / sqrt(v + ε)`` (Keras 3), optionally
    centered (``v − ḡ²``) and with momentum. η = ``learning_rate``, ρ = ``rho``, ε = ``epsilon``;
    ``centered=True`` divides by ``sqrt(v − ḡ² + ε)`` with ``ḡ ← ρ ḡ + (1−ρ) g``; ``momentum`` μ > 0
    steps by ``m ← μ m + η g / sqrt(·)``, ``w ← w − m``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number(rho, "rho", low=0, high=1)
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0)
        self.centered = check_bool(centered, "centered")

    _slot_settings = {"momentum": "momentum", "average_gradient": "centered"}

    @property
    def state_names(self):
        """``velocity``, then ``momentum`` with momentum and ``average_gradient`` when centered: read when
        the state is built, so a setting changed before the first step gets its vector (a subclass may set
        its own names)."""
        names = self.__dict__.get("_state_names")
        if names is not None:
            return names
        return ("velocity",) + (("momentum",) if self.momentum else ()) + (("average_gradient",) if self.centered else ())

    @state_names.setter
    def state_names(self, names):
        self._state_names = tuple(names)

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        v = state["velocity"]
        _square(g, tmp)
        tmp *= 1 - self.rho
        v *= self.rho
        v += tmp
        if self.centered:
            avg = state["average_gradient"]
            avg *= self.rho
            avg += (1 - self.rho) * g
            xp.multiply(avg, avg, out=tmp)
            xp.subtract(v, tmp, out=tmp)
            tmp += self.epsilon
        else:
            xp.add(v, self.epsilon, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(g, tmp, out=tmp)
        tmp *= lr
        if self.momentum:
            m = state["momentum"]
            m *= self.momentum
            m += tmp
            w -= m
        else:
            w -= tmp

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adadelta(Optimizer):
    """Keras 3's Adadelta: ``E[g²] ← ρE[g²] + (1−ρ)g²``,
    ``Δ = −sqrt(E[Δ²] + ε) / sqrt(E[g²] + ε) · g``, ``E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²``,
    ``w ← w + η Δ``. η = ``learning_rate``, ρ = ``rho``, ε = ``epsilon``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number(rho, "rho", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        acc_g, acc_d = state["accumulated_grad"], state["accumulated_delta_var"]
        acc_g *= self.rho
        _square(g, tmp)
        tmp *= 1 - self.rho
        acc_g += tmp
        delta = -xp.sqrt(acc_d + self.epsilon) / xp.sqrt(acc_g + self.epsilon) * g
        acc_d *= self.rho
        xp.multiply(delta, delta, out=tmp)
        tmp *= 1 - self.rho
        acc_d += tmp
        delta *= lr
        w += delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
