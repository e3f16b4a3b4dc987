"""Adam and its family, on the two moments ``m`` and ``v`` of the gradient: :class:`Adam`
(and AMSGrad), :class:`AdamW`, :class:`Adamax`, :class:`Nadam`, :class:`Lamb` (a trust ratio per
variable) and :class:`ScheduleFreeAdamW`."""

import math

import numpy as np

from .. import kernels as _kernels
from .._validation import check_bool, check_non_negative_int, check_number
from ..backend import constant, get_namespace
from .base import Optimizer, _square
from .clipping import _variable_norm


class Adam(Optimizer):
    """Keras 3's Adam: ``m ← m + (1−β₁)(g − m)``, ``v ← v + (1−β₂)(g² − v)``,
    ``w ← w − α m / (sqrt(v) + ε)`` with the bias corrections folded into the
    scalar ``α = η sqrt(1 − β₂^t) / (1 − β₁^t)``. η = ``learning_rate``, β₁ = ``beta_1``,
    β₂ = ``beta_2``, ε = ``epsilon``; ``amsgrad=True`` (AMSGrad) divides by ``sqrt(v̂)`` instead,
    ``v̂ ← max(v̂, v)``, the largest ``v`` so far.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0)
        self.amsgrad = check_bool(amsgrad, "amsgrad")

    _slot_settings = {"v_hat": "amsgrad"}

    @property
    def state_names(self):
        """``m`` and ``v``, and ``v_hat`` with AMSGrad: read when the state is built, so an amsgrad set
        before the first step gets its vector (a subclass may set its own names)."""
        names = self.__dict__.get("_state_names")
        return names if names is not None else ("m", "v", "v_hat") if self.amsgrad else ("m", "v")

    @state_names.setter
    def state_names(self, names):
        self._state_names = tuple(names)

    def _alpha(self, lr):
        t = self.iterations + 1
        return lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def _constants(self, g, tmp):
        """β₁, 1 − β₁, β₂, 1 − β₂ and ε as 0-d arrays of the state's dtype where the gradient ``g``
        and the scratch ``tmp`` are NumPy arrays of that one dtype (kept until a setting or the dtype
        changes), else as floats. NumPy converts a Python float operand at every operation, ~0.2 µs,
        as long as the operation itself on a small network's few weights (the update on seed 001's
        9: 4.9 -> 4.4 µs). The same numbers, bit for bit: NumPy casts a Python float to the array's
        dtype as well (NEP 50). Float16 weights have a float32 state: ``g · (1 − β₁)`` is computed
        in float16 there, and the floats are kept."""
        beta_1, beta_2, epsilon = self.beta_1, self.beta_2, self.epsilon
        if type(tmp) is not np.ndarray or g.dtype != tmp.dtype:
            return beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon
        key = (beta_1, beta_2, epsilon, tmp.dtype)
        kept = self.__dict__.get("_kept_constants")
        if kept is None or kept[0] != key:
            values = (beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon)
            kept = self._kept_constants = (key, tuple(constant(value, tmp.dtype) for value in values))
        return kept[1]

    def compiled_update(self, w, g, lr):
        if self.amsgrad or not self._runs_rule_of(Adam):  # (a subclass's own rule runs as it is written)
            return False
        f = w.dtype.type
        _kernels.get("adam")(w, g, self.state["m"], self.state["v"], f(self.beta_1), f(1 - self.beta_1),
                             f(self.beta_2), f(1 - self.beta_2), f(self._alpha(lr)), f(self.epsilon))
        return True

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        m, v = state["m"], state["v"]
        alpha = self._alpha(lr)
        beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, epsilon = self._constants(g, tmp)
        # m ← β₁ m + (1 − β₁) g
        m *= beta_1
        xp.multiply(g, one_minus_beta_1, out=tmp)
        m += tmp
        # v ← β₂ v + (1 − β₂) g²
        v *= beta_2
        _square(g, tmp)
        tmp *= one_minus_beta_2
        v += tmp
        if self.amsgrad:
            v = xp.maximum(state["v_hat"], v, out=state["v_hat"])
        xp.sqrt(v, out=tmp)
        tmp += epsilon
        xp.divide(m, tmp, out=tmp)
        tmp *= alpha
        w -= tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay ``w ← w − η λ w`` before each step (Keras 3: λ = 0.004).
    λ = ``weight_decay``; ``learning_rate``, ``beta_1``, ``beta_2``, ``epsilon`` and ``amsgrad`` as :class:`Adam`'s.

    Also takes Keras's other common optimizer arguments by keyword (``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:  # it was plain Adam, silently (Keras refuses it too)
            raise ValueError("AdamW's weight_decay must be a number >= 0 (0.004 by default; Adam is AdamW without "
                             "decay). Received: weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


class _TwoMoments(Optimizer):
    """The settings Adamax and Nadam share with Adam: ``beta_1``, ``beta_2``, ``epsilon``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(_TwoMoments):
    """Keras 3's Adamax (Adam with the infinity norm): ``m ← m + (1−β₁)(g − m)``,
    ``u ← max(β₂u, |g|)``, ``w ← w − η m / ((1 − β₁^t)(u + ε))``. η = ``learning_rate``,
    β₁ = ``beta_1``, β₂ = ``beta_2``, ε = ``epsilon``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("m", "u")

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        m, u = state["m"], state["u"]
        xp.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        u *= self.beta_2
        xp.maximum(u, xp.abs(g, out=tmp), out=u)
        xp.add(u, self.epsilon, out=tmp)
        tmp *= 1 - self.beta_1 ** (self.iterations + 1)
        xp.divide(m, tmp, out=tmp)
        tmp *= lr
        w -= tmp


class Nadam(_TwoMoments):
    """Keras 3's Nadam (Adam with Nesterov momentum, Dozat 2016): with the momentum schedule
    ``μ_t = β₁(1 − ½·0.96^t)`` and ``Π_t = μ_1⋯μ_t``, ``m ← m + (1−β₁)(g − m)``,
    ``v ← v + (1−β₂)(g² − v)``, ``m̂ = μ_{t+1} m / (1 − Π_{t+1}) + (1 − μ_t) g / (1 − Π_t)``,
    ``w ← w − η m̂ / (sqrt(v / (1 − β₂^t)) + ε)``. η = ``learning_rate``, β₁ = ``beta_1``,
    β₂ = ``beta_2``, ε = ``epsilon``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self._products = (0, 1.0)  # (t, Π_t), so that a step costs one product, not t

    def _mu(self, t):
        return self.beta_1 * (1 - 0.5 * 0.96**t)

    def _product(self, t):
        """``Π_t``, from the last one computed (after a restore, from the start)."""
        done, product = self._products if self._products[0] <= t else (0, 1.0)
        for k in range(done + 1, t + 1):
            product *= self._mu(k)
        self._products = (t, product)
        return product

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        t = self.iterations + 1
        product = self._product(t)
        mu, mu_next = self._mu(t), self._mu(t + 1)
        a, b = mu_next / (1 - product * mu_next), (1 - mu) / (1 - product)
        m, v = state["momentum"], state["velocity"]
        xp.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        _square(g, tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        xp.divide(v, 1 - self.beta_2**t, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        xp.divide(lr, tmp, out=tmp)  # q = η / (sqrt(v̂) + ε); then w ← w − q·a·m − q·b·g
        if getattr(self, "_tmp2", None) is None or self._tmp2.shape != self._tmp.shape:
            self._tmp2 = xp.empty_like(self._tmp)
        step = self._tmp2[: tmp.shape[0]]
        xp.multiply(m, a, out=step)
        step *= tmp
        w -= step
        xp.multiply(g, b, out=step)
        step *= tmp
        w -= step


class Lamb(_TwoMoments):
    """Keras 3's LAMB (You et al. 2019): Adam's moments ``m ← m + (1−β₁)(g − m)``,
    ``v ← v + (1−β₂)(g² − v)``, the step ``u = (m / (1 − β₁^t)) / (sqrt(v / (1 − β₂^t)) + ε)``,
    then for each variable ``w ← w − η r u`` with the trust ratio ``r = ‖w‖ / ‖u‖`` (1 where
    either norm is 0): each variable moves by ``η`` times its own norm, whatever its gradient's scale.
    η = ``learning_rate``, β₁ = ``beta_1``, β₂ = ``beta_2``, ε = ``epsilon``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("m", "v")

    def _update_all(self, w, g, lr):
        # the state is per parameter, but the trust ratio needs each variable's norms: a loop per variable
        xp = get_namespace()
        t = self.iterations + 1
        m, v = self.state["m"], self.state["v"]
        for part in self.slices:
            wv, gv, mv, vv = w[part], g[part], m[part], v[part]
            if not wv.shape[0]:
                continue
            mv += (gv - mv) * (1 - self.beta_1)
            vv += (_square(gv, xp.empty(gv.shape, dtype=vv.dtype)) - vv) * (1 - self.beta_2)
            u = (mv / (1 - self.beta_1**t)) / (xp.sqrt(vv / (1 - self.beta_2**t)) + self.epsilon)
            w_norm, u_norm = _variable_norm(wv), _variable_norm(u)
            ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
            u *= ratio * lr
            wv -= u


class ScheduleFreeAdamW(_TwoMoments):
    """Keras 3.15's schedule-free AdamW (Defazio et al. 2024): at step ``t``, with ``η`` warmed up as
    ``η·min(t / warmup_steps, 1)``, ``v ← v + (1−β₂)(g² − v)``, ``z' = z − η g / (sqrt(v / (1 − β₂^t)) + ε)``,
    ``x = (w − (1−β₁) z) / β₁`` (the average the weights ``w`` interpolate), ``x' = (1 − 1/t) x + z'/t``,
    ``w ← (1−β₁) z' + β₁ x'``. ``z`` (Keras's "momentum") starts at the weights: it is NaN until a
    variable's first update, which sets it to the weights then (before the weight decay, as Keras's
    build; a layer frozen until later starts from its weights at that time). The weights ``w`` are the
    ones trained and evaluated, as in Keras 3.15 (no swap to ``x`` for evaluation). η = ``learning_rate``,
    β₁ = ``beta_1``, β₂ = ``beta_2``, ε = ``epsilon``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    state_names = ("z", "v")

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        # x = (w − (1−β₁) z) / β₁ divides by β₁
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, low_open=True, high_open=True)
        self.warmup_steps = check_non_negative_int(warmup_steps, "warmup_steps")

    def _initial_state(self, name):
        return math.nan if name == "z" else 0.0

    def _decay(self, w, lr):
        # the first update of a variable: z starts at its weights (the weights a callback or set_weights
        # writes later leave z where it is, as in Keras). z is NaN for a whole variable until then, so
        # its first entry tells: no pass over all of z at every step
        z = self.state["z"]
        for part in self.slices:
            if part.stop > part.start and math.isnan(float(z[part.start])):
                z[part] = w[part]
        super()._decay(w, lr)

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        t = self.iterations + 1
        if self.warmup_steps > 0:
            lr = lr * min(t / self.warmup_steps, 1.0)
        z, v = state["z"], state["v"]
        b1 = self.beta_1
        x = (w - (1 - b1) * z) / b1  # from the z before this step
        _square(g, tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        z -= (lr * g) / (xp.sqrt(v / (1 - self.beta_2**t)) + self.epsilon)
        x = (1 - 1 / t) * x + (1 / t) * z
        w[...] = (1 - b1) * z + b1 * x

    def get_config(self):
        return {**super().get_config(), "warmup_steps": self.warmup_steps}
