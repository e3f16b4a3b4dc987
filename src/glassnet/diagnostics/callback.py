"""The :class:`Diagnostics` callback: the measurements after every epoch, in the History."""

import math

from .._validation import check_bool, check_positive_int
from ..models.callbacks import Callback
from ..models.divergence import user_stacklevel
from .probe import (_at_start, _divergence, _fits, _initial_loss, _learning_output, _prepare_probe, _probe, _symmetric_units,
                    _untrained_loss)
from .problems import _emit, _learning_rate, _max_abs, _problems, _start_problems, _unscaled_initializers
from .report import Diagnosis


class Diagnostics(Callback):
    """Measure the model after every epoch and warn about training problems.

    Adds to the epoch's logs (so the History keeps them, one value per epoch)
    ``"dead_relu/<layer>"`` (ReLU layers), ``"saturated/<layer>"`` (the share of units saturated for every
    probe sample) and ``"in_tails/<layer>"`` (the share of all their activations in the tails)
    (sigmoid/tanh layers), ``"grad_norm/<layer>"`` and
    ``"weight_norm/<layer>"`` (layers with weights), ``"output_rms/<layer>"``
    and, under SGD, ``"update_ratio/<layer>"`` (η‖∂J/∂W‖/‖W‖), measured on a fixed
    probe batch in inference mode. Before the first step of training it also checks the start
    (Karpathy's makemore part 3): hidden sigmoid/tanh layers with half their activations in the tails, and a
    cross-entropy far above that of uniform predictions. Each kind of problem is warned about
    once per layer, as a :class:`DiagnosticWarning`; a divergence that stopped
    ``fit`` is only added to :attr:`problems` (fit's ``DivergenceWarning`` says it).

    Parameters
    ----------
    x, y : array-like
        The probe batch, e.g. part of the training data (at most
        ``max_samples`` rows are used, spread evenly over it).
    warn : bool
        Issue warnings (they are always collected in :attr:`problems`).

    Attributes
    ----------
    problems : list of (epoch, kind, message)
    last : Diagnosis
        The measurement after the latest epoch.
    """

    def __init__(self, x, y, warn=True, max_samples=256):
        super().__init__()
        self.x, self.y = x, y
        self.warn = check_bool(warn, "warn")
        self.max_samples = check_positive_int(max_samples, "max_samples")  # at construction, not at fit
        self.problems = []
        self.last = None

    def on_train_begin(self, logs=None):
        self._probe = _prepare_probe(self.model, self.x, self.y, self.max_samples)
        self._x_max = _max_abs(self._probe[0], self.model)
        # the loss before training too: a start that slow training never leaves is no explosion
        start, loss = _probe(self.model, *self._probe)
        self._untrained_loss = _untrained_loss(self.model, self._probe[1], loss)
        # and the dead ReLUs before it: those that training kills are a learning-rate problem (DEAD_KILLED)
        self._dead_before = {l.name: l.dead_fraction for l in start if l.dead_fraction is not None}
        self._losses = []
        self._reported = set()
        self._epoch = 0
        self.problems = []
        if _at_start(self.model, self._probe[1], loss):  # a start no step has moved
            self._report(0, _start_problems(start, _initial_loss(self.model, loss)))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        X, Y, w = self._probe
        layers, loss = _probe(self.model, X, Y, w)
        if logs is not None:
            self._losses.append(logs.get("loss", float("nan")))
            for l in layers:
                if l.dead_fraction is not None:
                    logs[f"dead_relu/{l.name}"] = l.dead_fraction
                if l.saturated_fraction is not None:
                    logs[f"saturated/{l.name}"] = l.saturated_fraction
                    logs[f"in_tails/{l.name}"] = l.tail_fraction
                if l.grad_norm is not None:
                    logs[f"grad_norm/{l.name}"] = l.grad_norm
                    logs[f"weight_norm/{l.name}"] = l.weight_norm
                if l.output_rms is not None:
                    logs[f"output_rms/{l.name}"] = l.output_rms
                if l.update_ratio is not None:
                    logs[f"update_ratio/{l.name}"] = l.update_ratio
        found = _problems(layers, self._losses, None if math.isfinite(loss) else "the probe loss is not finite",
                          _learning_output(self.model), _learning_rate(self.model), self._x_max,
                          _unscaled_initializers(self.model), self._untrained_loss, self._dead_before,
                          _fits(self.model, Y, loss), symmetric=_symmetric_units(self.model))
        self.last = Diagnosis(layers=layers, loss=loss, losses=list(self._losses),
                              problems=[(k, m) for k, _, m in found])
        self._report(epoch, found)

    def on_train_end(self, logs=None):
        # fit stops at a divergence with the diverging batch rolled back: the logged losses
        # and the weights are finite, and only the model's stop reason tells (as diagnose reads it).
        # Kept in the problems, not warned about: fit's DivergenceWarning has just said it
        found = _problems([], [], _divergence(getattr(self.model, "stop_reason", None)),
                          lr=_learning_rate(self.model), x_max=self._x_max)
        if self.last is None and found:  # the first epoch diverged, so none ended: measure the weights fit left
            X, Y, w = self._probe
            layers, loss = _probe(self.model, X, Y, w)
            self.last = Diagnosis(layers=layers, loss=loss, losses=list(self._losses), problems=[])
        if self.last is not None:
            self.last.problems += [(k, m) for k, where, m in found if (k, where) not in self._reported]
        self._report(self._epoch, found, warn=False)

    def _report(self, epoch, found, warn=True):
        """Collect (and, with ``warn``, warn about) the problems not reported before."""
        new = [(kind, where, message) for kind, where, message in found if (kind, where) not in self._reported]
        for kind, where, message in new:
            self._reported.add((kind, where))
            self.problems.append((epoch, kind, message))
        if self.warn and warn:
            _emit(new, stacklevel=user_stacklevel() + 1)  # (its warning is _emit's)
