"""Resilient backpropagation, :class:`Rprop` (Riedmiller & Braun 1993), as ``torch.optim.Rprop``: each
parameter moves by its own step size, which grows while its gradient keeps its sign and shrinks where
the sign flips; the gradient's size is never used."""

from .._validation import check_number
from ..backend import get_namespace
from .base import Optimizer


def _pair(value, name, check):
    """``value`` as a pair of floats ``(a, b)`` that ``check(a, b)`` accepts."""
    try:
        a, b = (check_number(v, name) for v in value)
    except (TypeError, ValueError):
        a = b = None
    if a is None or not check(a, b):
        return None
    return a, b


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun 1993), ``torch.optim.Rprop``'s variant (iRprop−,
    MATLAB's ``trainrp``): for each parameter, with the gradient ``g`` and the previous one ``g'``,

    - ``g·g' > 0`` (same sign): the step grows, ``Δ ← min(η⁺Δ, Δ_max)``;
    - ``g·g' < 0`` (the sign flipped): the step shrinks, ``Δ ← max(η⁻Δ, Δ_min)``, and that gradient is set
      to 0, so the parameter does not move this step and the next step neither grows nor shrinks it;
    - ``w ← w − sign(g)·Δ``.

    Δ starts at ``learning_rate`` for every parameter (torch's ``lr``; MATLAB's ``delta0`` is 0.07),
    η⁻, η⁺ = ``etas`` (MATLAB's ``delt_dec``, ``delt_inc``), Δ_min, Δ_max = ``step_sizes`` (MATLAB's
    ``deltamax`` is 50 too). The state, per parameter, is ``prev`` (the previous gradient, 0 where it
    flipped) and ``step_size``, as torch's. In float64 the steps equal ``torch.optim.Rprop``'s bit for bit.
    R neuralnet's default ``rprop+`` takes the last step back after a flip (weight backtracking): not this.

    Rprop is a **full-batch** method: the sign of a mini-batch's gradient flips from batch to batch by
    noise alone, which shrinks every step to Δ_min. Train with ``fit(x, y, batch_size=len(x))``
    (``fit``'s default of 32 rows is a mini-batch for more than 32 samples, and ``fit`` warns of it).

    ``learning_rate`` is only the first step size: read when the state is built (the first step), so a
    later change (``ReduceLROnPlateau``, ``optimizer.learning_rate = ...``) moves no step size; it must be a
    number, not a schedule. ``weight_decay`` (torch's Rprop has none) multiplies the weights by
    ``1 − learning_rate·weight_decay`` before each step, as every glassnet optimizer does.

    Also takes Keras's common optimizer arguments by keyword (``weight_decay``, ``clipnorm``, ``clipvalue``,
    ``global_clipnorm``, ``use_ema``, ``ema_momentum``, ``ema_overwrite_frequency``, ``loss_scale_factor``,
    ``gradient_accumulation_steps``, ``name``): see :class:`Optimizer`. Keras has no Rprop: a model
    compiled with it is saved with glassnet's ``model.save(path)``."""

    state_names = ("prev", "step_size")
    full_batch = True  # fit warns when its batches are smaller than the data

    def __init__(self, learning_rate=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0), **kwargs):
        if callable(learning_rate) or isinstance(learning_rate, dict):
            raise TypeError("learning_rate is Rprop's first step size, a number (torch's lr); the step sizes then "
                            f"adapt on their own, so a schedule has nothing to set. Received: "
                            f"learning_rate={learning_rate!r:.100}")
        super().__init__(learning_rate, **kwargs)
        self.etas = _pair(etas, "etas", lambda a, b: 0 < a < 1 < b)
        if self.etas is None:
            raise ValueError(f"etas must be a pair (eta_minus, eta_plus) with 0 < eta_minus < 1 < eta_plus, e.g. "
                             f"(0.5, 1.2). Received: etas={etas!r:.100}")
        self.step_sizes = _pair(step_sizes, "step_sizes", lambda a, b: 0 < a < b)
        if self.step_sizes is None:
            raise ValueError(f"step_sizes must be a pair (min_step, max_step) with 0 < min_step < max_step, e.g. "
                             f"(1e-6, 50). Received: step_sizes={step_sizes!r:.100}")

    def _initial_state(self, name):
        return self._rate() if name == "step_size" else 0.0

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        prev, step = state["prev"], state["step_size"]
        eta_minus, eta_plus = self.etas
        xp.multiply(g, prev, out=tmp)  # (the product's sign, as torch's: not sign(g)·sign(g'))
        flipped = tmp < 0
        step[tmp > 0] *= eta_plus
        step[flipped] *= eta_minus
        xp.clip(step, *self.step_sizes, out=step)
        prev[...] = g
        prev[flipped] = 0
        xp.sign(prev, out=tmp)
        tmp *= step
        w -= tmp

    def get_config(self):
        return {**super().get_config(), "etas": list(self.etas), "step_sizes": list(self.step_sizes)}
