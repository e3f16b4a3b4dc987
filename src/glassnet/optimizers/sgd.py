"""Gradient descent: :class:`SGD` (Keras 3's, with momentum and Nesterov momentum) and the
lectures' plain :class:`GradientDescent`."""

from .. import kernels as _kernels
from .._validation import check_bool, check_number
from ..backend import get_namespace
from .base import Optimizer


class SGD(Optimizer):
    """Gradient descent, with momentum and Nesterov momentum (Keras 3).

    Plain: ``w ← w − η g``. Momentum ``α``: ``m ← α m − η g``, ``w ← w + m``;
    Nesterov: ``w ← w + α m − η g`` with the new ``m``. η = ``learning_rate``, α = ``momentum``,
    Nesterov's with ``nesterov=True``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.nesterov = check_bool(nesterov, "nesterov")

    _slot_settings = {"momentum": "momentum"}

    @property
    def state_names(self):
        """``("momentum",)`` with momentum, else none: read when the state is built, so a momentum set
        before the first step gets its vector (a subclass may set its own names)."""
        names = self.__dict__.get("_state_names")
        return names if names is not None else ("momentum",) if self.momentum else ()

    @state_names.setter
    def state_names(self, names):
        self._state_names = tuple(names)

    def compiled_update(self, w, g, lr):
        if not self._runs_rule_of(SGD):  # a subclass's own rule runs as it is written
            return False
        f = w.dtype.type
        if not self.momentum:
            _kernels.get("sgd")(w, g, f(lr))
        else:
            _kernels.get("sgd_momentum")(w, g, self.state["momentum"], f(lr), f(self.momentum), self.nesterov)
        return True

    def update(self, w, g, lr, state, tmp):
        # η·g goes to tmp: the gradient buffer keeps the gradient (a callback may read layer.grads)
        xp = get_namespace()
        xp.multiply(g, lr, out=tmp)
        if not self.momentum:
            w -= tmp
            return
        m = state["momentum"]
        m *= self.momentum
        m -= tmp
        if self.nesterov:  # α·m − η·g in a second buffer, made once (not an array per step)
            step = getattr(self, "_step", None)
            if step is None or step.shape[0] < tmp.shape[0]:
                step = self._step = xp.empty_like(self._tmp)
            step = step[: tmp.shape[0]]
            xp.multiply(m, self.momentum, out=step)
            step -= tmp
            w += step
        else:
            w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class GradientDescent(SGD):
    """The lectures' plain gradient descent ``w ← w − η ∂J/∂w`` (SGD without momentum), η = ``learning_rate``.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`."""

    def __init__(self, learning_rate=0.01, **kwargs):
        for name in ("momentum", "nesterov"):
            if name in kwargs:
                raise TypeError(f"GradientDescent is plain gradient descent, without {name}: use "
                                f"SGD({name}=...). Received: {name}={kwargs[name]!r:.100}")
        super().__init__(learning_rate, momentum=0.0, nesterov=False, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["momentum"], config["nesterov"]
        return config
