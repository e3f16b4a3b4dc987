"""Callbacks that stop training: :class:`EarlyStopping` (a monitored quantity that no longer
improves) and :class:`TerminateOnNaN` (a batch loss that is not finite)."""

import math

from .._validation import check_bool, check_choice, check_non_negative_int, check_number
from .hooks import Callback
from .monitoring import _check_monitor, _improved, _monitor_mode, _monitored, _require_monitored
from .progress import _say


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience``
    epochs; with ``restore_best_weights`` the model ends with the best epoch's weights.

    As Keras: ``mode`` is ``"min"``, ``"max"`` or ``"auto"`` (the direction read from the monitored
    name: losses and errors fall, accuracy, AUC and the like rise); ``baseline``: a value the monitored
    quantity must beat, else training stops after ``patience`` epochs; ``start_from_epoch``: the epochs
    before it are not watched (a warm-up); ``verbose=1`` prints when it stops and restores."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = _check_monitor(monitor)
        self.min_delta = abs(check_number(min_delta, "min_delta"))
        self.patience = check_non_negative_int(patience, "patience")
        self.verbose = int(check_choice(verbose, "verbose", (0, 1, 2)))  # 2 prints as 1, as Keras
        self.mode = _monitor_mode(monitor, mode)
        self.baseline = None if baseline is None else check_number(baseline, "baseline")
        self.restore_best_weights = check_bool(restore_best_weights, "restore_best_weights")
        self.start_from_epoch = check_non_negative_int(start_from_epoch, "start_from_epoch")
        self.wait, self.stopped_epoch, self.best, self.best_weights = 0, 0, None, None  # as Keras's, before fit

    def _improved(self, current, reference):
        return _improved(self.mode, current, reference, self.min_delta)

    def on_train_begin(self, logs=None):
        _require_monitored(self, self.monitor)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None  # Keras's, until the first value
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(self, logs or {})
        if current is None:
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # the epoch of these weights, as Keras (a NaN first value is no improvement: best_epoch stayed 0)
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            self.model.stop_reason = f"EarlyStopping: {self.monitor} did not improve for {self.wait} epochs"

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:  # first, as Keras: the stop, then the weights restored
            _say(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                _say(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop as soon as a batch loss is NaN or infinite: gracefully (``fit`` returns, the
    other callbacks' ``on_train_end`` run), or with ``raise_error=True`` by raising a
    RuntimeError at once, as Keras 3 (a backup is then not cleaned up). ``fit`` itself
    stops at such a batch and restores the last weights known to give a finite loss, the
    epoch's start or the previous one's (a :class:`DivergenceWarning` says which), before its
    callbacks see the batch's loss; Keras's line
    "Batch n: invalid loss" is then not printed, the warning has said it."""

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = check_bool(raise_error, "raise_error")

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            if not getattr(self.model, "_diverged", False):  # fit's DivergenceWarning said it, with more
                _say(f"Batch {batch}: Invalid loss, terminating training")  # (Keras 3.15's capital)
            self.model.stop_training = True
            # fit's own reason (divergence: the weights were restored) says more
            self.model.stop_reason = self.model.stop_reason or "TerminateOnNaN"
