"""Callbacks that set the learning rate between epochs: :class:`LearningRateScheduler` (a function
of the epoch) and :class:`ReduceLROnPlateau` (cut when a monitored quantity stops improving), and
the optimizers whose rates they read and log (each of a MultiOptimizer's)."""

import inspect
import math

import numpy as np

from .. import schedules
from .._validation import check_choice, check_non_negative_int, check_number
from .hooks import Callback
from .monitoring import _check_monitor, _improved, _monitor_mode, _monitored, _require_monitored
from .progress import _say


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)`` (or
    ``schedule(epoch)`` for a function of the epoch alone, as Keras accepts), which must
    return a float (or ``np.float32``), as Keras. ``verbose=1`` prints each new rate."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule must be a callable (epoch, lr) -> lr. Received: {schedule!r}")
        self.schedule = schedule
        self.verbose = int(check_choice(verbose, "verbose", (0, 1, 2)))  # 2 prints as 1, as Keras
        self._with_lr = _takes_two_arguments(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        multi = getattr(self.model.optimizer, "optimizers", None) is not None
        for optimizer in _rated(self.model.optimizer):  # each of a MultiOptimizer's, as Keras
            if self._with_lr:
                lr = self.schedule(epoch, optimizer.learning_rate)
            else:
                lr = self.schedule(epoch)
            # Keras's rule: a float (np.float32 too); an int or a bool is refused (True set the rate to 1.0)
            if not isinstance(lr, (float, np.float32, np.float64)) or not math.isfinite(lr):
                raise ValueError(f"The schedule must return a finite float (an int such as 1 is refused, as Keras: "
                                 f"return 1.0). Received: {lr!r:.100}")
            optimizer.learning_rate = float(lr)
            if self.verbose:
                _say(f"Epoch {epoch + 1}: LearningRateScheduler setting {optimizer.name + ' ' if multi else ''}"
                     f"learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            for key, optimizer in _rate_keys(self.model.optimizer):
                logs[key] = float(optimizer.learning_rate)


def _rated(optimizer):
    """The optimizers whose learning rates the callbacks read and set: a MultiOptimizer's
    sub-optimizers (Keras's ``.optimizers``), else the optimizer itself."""
    return list(getattr(optimizer, "optimizers", None) or [optimizer])


def _rate_keys(optimizer):
    """``(log key, optimizer)`` of each rate the callbacks log: "learning_rate", or Keras's
    "learning_rate_<name>" for each of a MultiOptimizer's sub-optimizers."""
    if getattr(optimizer, "optimizers", None) is None:
        return [("learning_rate", optimizer)]
    return [(f"learning_rate_{opt.name}", opt) for opt in optimizer.optimizers]


def _takes_two_arguments(fn):
    """Whether ``fn`` can be called as ``fn(epoch, lr)`` (else it is called as ``fn(epoch)``)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature: try the Keras 3 form
        return True
    try:
        signature.bind(0, 0.0)
        return True
    except TypeError:
        return False


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved
    by ``min_delta`` for ``patience`` epochs (Keras's defaults and rules: then
    wait ``cooldown`` epochs, never go below ``min_lr``). Adds ``learning_rate``
    to the logs. ``mode``: ``"min"``, ``"max"`` or ``"auto"`` (as :class:`EarlyStopping`'s);
    ``verbose=1`` prints each reduction."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        super().__init__()
        self.factor = check_number(factor, "factor", low=0, low_open=True)
        if self.factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau needs factor < 1.0 (it reduces). Received: factor={factor!r}")
        self.monitor = _check_monitor(monitor)
        self.patience = check_non_negative_int(patience, "patience")
        self.cooldown = check_non_negative_int(cooldown, "cooldown")
        self.min_delta = abs(check_number(min_delta, "min_delta"))
        self.min_lr = check_number(min_lr, "min_lr", low=0)
        self.verbose = int(check_choice(verbose, "verbose", (0, 1, 2)))  # 2 prints as 1, as Keras
        self.mode = _monitor_mode(monitor, mode)
        self.wait, self.cooldown_counter, self.best = 0, 0, None  # as Keras's, before fit

    def on_train_begin(self, logs=None):
        if any(isinstance(opt._learning_rate, schedules.LearningRateSchedule) for opt in _rated(self.model.optimizer)):
            raise TypeError("ReduceLROnPlateau cannot change a learning rate that a LearningRateSchedule sets; "
                            "compile with a float learning_rate.")
        _require_monitored(self, self.monitor)
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None  # Keras's, until the first value

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        for key, optimizer in _rate_keys(self.model.optimizer):
            logs[key] = float(optimizer.learning_rate)
        current = _monitored(self, logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if _improved(self.mode, current, self.best, self.min_delta):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                reduced = False
                for optimizer in _rated(self.model.optimizer):  # each of a MultiOptimizer's, as Keras
                    old_lr = float(optimizer.learning_rate)
                    # compared in float32, as Keras (its rates are float32 variables): a rate a rounding above
                    # min_lr (1 · 0.1 · 0.1 = 0.010000000000000002 over 0.01) is at it, not "reduced" to it
                    # again with a line printed and the cooldown restarted
                    if np.float32(old_lr) > np.float32(self.min_lr):
                        optimizer.learning_rate = max(old_lr * self.factor, self.min_lr)
                        reduced = True
                        if self.verbose:
                            _say(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                                  f"{optimizer.learning_rate}.")
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
