"""What :func:`~glassnet.diagnostics.diagnose` returns: the measurements per layer and the problems
found, as a table and as JSON values."""

import math
from dataclasses import dataclass, field

from ..trace import format_table


class DiagnosticWarning(UserWarning):
    """Training shows a problem the lectures warn about (dead ReLUs, saturation,
    vanishing/exploding gradients, a learning rate that is too large)."""


@dataclass
class LayerDiagnosis:
    """Measurements of one layer on the probe batch.

    ``units`` is the number of output features (the last axis: on samples of several axes a unit is
    shared by every position, and dead or saturated only where it is at all of them);
    ``dead_fraction`` is None unless the layer's activation is ReLU,
    ``saturated_fraction`` (the share of units at an end of their range for every probe sample: Karpathy's
    "dead neurons", a white column of his makemore part-3 image) and ``tail_fraction`` (the share of all
    activations there, each sample's output of each unit: his ``(h.abs() > 0.99).mean()``, the white share of that
    image) None unless it is sigmoid/tanh; ``grad_rms`` is
    ``‖∂J/∂W‖/√(#W)`` for Dense layers (None otherwise). ``output_rms`` is the RMS
    of the layer's output ``√(mean a²)``; ``update_ratio`` the relative size of one
    plain gradient step, ``η‖∂J/∂W‖/‖W‖`` (layers with a kernel W, under an
    :class:`~glassnet.optimizers.SGD` optimizer: adaptive ones such as Adam
    scale their steps to the gradients, so theirs is not ``η‖∂J/∂W‖``).
    """

    index: int
    name: str
    activation: str | None
    units: int
    dead_fraction: float | None
    saturated_fraction: float | None
    grad_norm: float | None
    weight_norm: float | None
    grad_rms: float | None
    output_rms: float | None = None
    update_ratio: float | None = None
    tail_fraction: float | None = None


@dataclass
class Diagnosis:
    """The result of :func:`diagnose`.

    Attributes
    ----------
    layers : list of LayerDiagnosis
    loss : float
        Loss on the probe batch (inference mode).
    losses : list of float
        The training loss per epoch the checks looked at (from the last ``fit``).
    problems : list of (kind, message)
        ``kind`` is a key of :data:`ADVICE`; the message says what was
        measured and what to do.
    """

    layers: list
    loss: float
    losses: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def warnings(self):
        """The problems as plain-language messages."""
        return [message for _, message in self.problems]

    @property
    def healthy(self):
        return not self.problems

    def to_dict(self):
        return {
            "loss": _finite_or_none(self.loss),
            "losses": [_finite_or_none(v) for v in self.losses],
            "layers": [
                {k: _finite_or_none(v) if isinstance(v, float) else v for k, v in vars(layer).items()}
                for layer in self.layers
            ],
            "problems": [{"kind": k, "message": m} for k, m in self.problems],
        }

    def __str__(self):
        pct = lambda v: "" if v is None else f"{100 * v:.0f}%"
        num = lambda v: "" if v is None else f"{v:.3g}"
        rows = [
            [str(l.index), l.name, l.activation or "", str(l.units), pct(l.dead_fraction),
             pct(l.saturated_fraction), pct(l.tail_fraction), num(l.output_rms), num(l.grad_norm), num(l.grad_rms),
             num(l.weight_norm), num(l.update_ratio)]
            for l in self.layers
        ]
        header = ["l", "layer", "g", "units", "dead ReLU", "saturated units", "a in tails", "RMS a", "‖∂J/∂θ‖",
                  "RMS ∂J/∂W", "‖θ‖", "η‖∂J/∂W‖/‖W‖"]
        lines = [f"Diagnosis (probe loss J = {self.loss:.6g})", format_table(header, rows)]
        if self.problems:
            lines += ["", "Warnings:"] + [f"- {m}" for m in self.warnings]
        else:
            lines += ["", "No problems found."]
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle):  # a notebook cell's result (IPython) shows the table, as print(); repr() keeps the fields
        p.text(str(self))


def _finite_or_none(v):
    return float(v) if v is not None and math.isfinite(v) else None
