"""Callbacks (SPEC B2): hooks called by the training loop, as ``keras.callbacks``.

A callback may override ``on_train_begin/end(logs)``,
``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)`` and
``on_train_batch_begin/end(batch, logs)``; it reaches the model through
``self.model`` and stops training with ``self.model.stop_training = True``.
Batch hooks are called only for callbacks that override them, so the
training step pays nothing for the others.
"""

import csv
import inspect
import math
import os
import re
import string
import sys
import time
import warnings

import numpy as np

from .. import schedules
from .._validation import (check_bool, check_choice, check_non_negative_int, check_number, check_path,
                           check_positive_int, is_one_of)


def _batches(save_freq):
    """A ``save_freq`` other than ``"epoch"``: a positive number of batches."""
    try:
        return check_positive_int(save_freq, "save_freq")
    except (TypeError, ValueError) as error:
        raise type(error)(f"save_freq must be 'epoch' or a positive integer number of batches. "
                          f"Received: save_freq={save_freq!r:.100}") from None


class Callback:
    """The base of callbacks, as Keras's: override the hooks (``on_epoch_end(epoch, logs)``,
    ``on_train_batch_end(batch, logs)``, ...) or set them on an instance; ``self.model`` is
    the model being trained and ``self.params`` fit's settings (``epochs``, ``steps``, ``verbose``)."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)  # as Keras: the older names still work

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    # evaluate (and fit's validation) and predict, as Keras
    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def _release(self):
        """Let go of what the callback holds open (a progress bar, a file) when training
        stops on an exception (Ctrl-C), where ``on_train_end`` is not called (as Keras)."""


_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def overrides(callback, hook):
    """Whether ``callback`` does something at ``hook`` (directly or through Keras's older
    alias), in its class or as a function set on the object itself."""
    hooks = (hook, _ALIASES[hook]) if hook in _ALIASES else (hook,)
    return any(h in vars(callback) or getattr(type(callback), h) is not getattr(Callback, h) for h in hooks)


def check_callbacks(callbacks):
    """``callbacks`` as a checked list (one callback alone is a list of one, and a
    :class:`CallbackList` its callbacks, as Keras's fit uses a CallbackList given to it)."""
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of glassnet.callbacks.Callback objects. Received: {callbacks!r:.100}")
    cbs = []
    for cb in callbacks or []:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be glassnet.callbacks.Callback objects. Received: {cb!r:.100}")
        cbs.extend(cb.callbacks if isinstance(cb, CallbackList) else [cb])
    return cbs


_HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))


class CallbackList(Callback):
    """Keras's container of callbacks: each hook (``on_epoch_end(epoch, logs)``, ...) calls that
    hook of every callback in ``callbacks``, in order, and ``set_model``/``set_params`` reach them
    all. ``add_history`` and ``add_progbar`` append a :class:`History` and a
    :class:`ProgbarLogger` unless one is there; ``model`` and ``params`` are set when given.

    ``fit``, ``evaluate`` and ``predict`` take one as their ``callbacks``, as its callbacks (a
    History in it is the one fit fills and returns). Keras may dispatch batch hooks on a thread
    pool; glassnet calls them in order, in the training thread."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = check_callbacks(callbacks)
        if check_bool(add_history, "add_history") and not any(isinstance(cb, History) for cb in self.callbacks):
            self.callbacks.append(History())
        if check_bool(add_progbar, "add_progbar") and not any(isinstance(cb, ProgbarLogger)
                                                               for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        """Add ``callback`` at the end."""
        if not isinstance(callback, Callback):
            raise TypeError(f"callback must be a glassnet.callbacks.Callback object. Received: {callback!r:.100}")
        self.callbacks.extend(check_callbacks(callback))

    def set_model(self, model):
        if model is None:  # (Keras: set only when given)
            return
        super().set_model(model)
        history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        if history is not None:
            model.history = history
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def _release(self):
        for cb in self.callbacks:
            cb._release()


def _dispatch(hook):
    def call(self, *args, **kwargs):
        for cb in self.callbacks:
            getattr(cb, hook)(*args, **kwargs)
    call.__name__ = call.__qualname__ = hook
    call.__doc__ = f"``{hook}`` of every callback, in order."
    return call


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _dispatch(_hook))


class LambdaCallback(Callback):
    """A callback made of functions, as ``keras.callbacks.LambdaCallback``:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``,
    ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)`` (or Keras's
    older ``on_batch_begin``/``on_batch_end``), and by keyword any other hook
    (``on_test_end=...``, ``on_predict_batch_end=...``)."""

    HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
             "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
             "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
             "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, on_batch_begin=None, on_batch_end=None,
                 **hooks):
        super().__init__()
        unknown = sorted(set(hooks) - set(self.HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback has no hook {', '.join(unknown)}. Hooks: {', '.join(self.HOOKS)}.")
        given = dict(zip(self.HOOKS, (on_epoch_begin, on_epoch_end, on_train_begin, on_train_end,
                                      on_train_batch_begin, on_train_batch_end, on_batch_begin, on_batch_end)))
        given.update(hooks)
        for hook, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"{hook} must be a function or None. Received: {hook}={fn!r}")
            setattr(self, hook, fn)


def _require_monitored(callback, monitor):
    """Fail before the first epoch when ``monitor`` is a validation quantity and fit has no
    validation data (Keras warns at every epoch and the callback silently does nothing),
    or when ``mode="auto"`` cannot tell which way ``monitor`` improves (as Keras)."""
    if callback.mode == "auto":  # as Keras: a compiled metric of that name with a _direction says it
        name = monitor[4:] if monitor.startswith("val_") else monitor
        directions = [m._direction for m in getattr(callback.model, "metrics", [])
                      if m.name == name and getattr(m, "_direction", None) in ("up", "down")]
        if directions:
            callback.mode = "max" if directions[-1] == "up" else "min"
    if callback.mode == "auto":
        names = ["loss", *(m.name for m in getattr(callback.model, "metrics", []))]
        if (monitor[4:] if monitor.startswith("val_") else monitor) not in names:
            logged = names + [f"val_{n}" for n in names] if callback.params.get("do_validation") else names
            raise _missing(callback, monitor, logged)
        raise ValueError(
            f"{type(callback).__name__} cannot tell whether {monitor!r} should be minimized or maximized "
            "(mode='auto' knows losses, errors, accuracy, precision, recall, sensitivity, specificity, f1, fbeta, io_u, "
            "auc and r2): "
            "pass mode='min' or mode='max'."
        )
    if monitor.startswith("val_") and not callback.params.get("do_validation", True):
        raise ValueError(
            f"{type(callback).__name__} monitors {monitor!r}, but fit has no validation data: pass "
            f"validation_split=... or validation_data=..., or monitor a training quantity such as "
            f"monitor={monitor[4:]!r}."
        )


def _skipped_validation(callback, monitor, logs):
    """A val_* quantity missing from an epoch that fit did not validate (validation_freq > 1):
    no val_* key at all this epoch. A misspelt name is still an error at a validated epoch."""
    return (monitor.startswith("val_") and callback.params.get("do_validation", False)
            and not any(key.startswith("val_") for key in logs))


def _missing(callback, monitor, logs):
    return ValueError(
        f"{type(callback).__name__} monitors {monitor!r}, which is not among the logged values "
        f"({', '.join(logs)})."
    )


def _monitored(callback, logs, in_batch=False):
    """The value of ``callback.monitor`` in ``logs``; None where there is none to judge (an
    epoch that fit did not validate, or batch logs, which hold no val_* values: Keras skips
    them too). A name that is not logged, or a per-class array, is a clear error."""
    monitor = callback.monitor
    if monitor not in logs:
        if in_batch or _skipped_validation(callback, monitor, logs):
            return None
        raise _missing(callback, monitor, logs)
    value = logs[monitor]
    if isinstance(value, np.ndarray) and value.ndim:
        raise ValueError(
            f"{type(callback).__name__} monitors {monitor!r}, which logs one value per class "
            f"(shape {value.shape}, e.g. F1Score(average=None)); monitor a single number such as 'val_loss' "
            "or an averaged metric."
        )
    return value


class History(Callback):
    """Records every log value per epoch: ``history.history["loss"]`` etc.

    ``stopped_reason`` says why training ended early (``None`` when it ran all epochs).
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []
        self.stopped_reason = None
        # the epoch of each value: val_* keys miss the epochs that fit did not validate (validation_freq)
        self._epochs_of = {}

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
            self._epochs_of.setdefault(key, []).append(epoch)


def _shown(logs):
    """The values a progress line shows: loss and metrics, not per-layer
    diagnostics (keys such as ``grad_norm/dense``)."""
    return {k: v for k, v in (logs or {}).items() if "/" not in k and isinstance(v, (int, float, np.ndarray))}


def format_value(value):
    """A logged value with 4 decimals, or as ``2.5000e-04`` when it is at most 1e-3 in size, as
    Keras's progress bar writes it (a small loss or learning rate would read 0.0000 or 0.0003); a
    per-class array (F1Score(average=None)) as ``[a, b, c]``."""
    if isinstance(value, np.ndarray) and value.ndim:
        return "[" + ", ".join(format_value(v) for v in value.ravel()) + "]"
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_step_time(seconds):
    """The time per step as Keras's progress lines write it: whole seconds from 1 s (and 0), else
    milliseconds, else microseconds (``375us/step``, where ``0ms/step`` said nothing of a fast step)."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _format_logs(logs):
    return " - ".join(f"{k}: {format_value(v)}" for k, v in _shown(logs).items())


def _say(text):
    """Print a callback's line (verbose=1). A progress bar drawn on standard output (tqdm) is cleared
    first and drawn again below it: the line would else be written after the bar's text, on its line
    ("Epoch 1/2:  50%|█   | 1/2 [...]Epoch 1: saving model to ..."); Keras starts such lines with a
    new line for the same reason."""
    tqdm = sys.modules.get("tqdm")
    if tqdm is None:  # no bar was ever drawn
        print(text)
        return
    with tqdm.tqdm.external_write_mode(file=sys.stdout):
        print(text)


class ProgressBar(Callback):
    """Progress per epoch: a bar with loss/metrics and ETA while the epoch runs
    (``verbose=1``, tqdm when installed), replaced at its end by the epoch's line
    with every metric; one line per epoch only (``verbose=2``, or no tqdm). Standard
    output that is not a terminal or a notebook (``python train.py > log``) gets
    the epoch lines, as Keras's progress bar prints only each epoch's end there,
    instead of a bar redrawn ten times a second into the file; a ``stream``
    given explicitly gets what ``verbose`` asks for."""

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = int(check_choice(verbose, "verbose", (1, 2)))
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise TypeError(f"stream must be a text stream with a write() method, such as sys.stderr or an open "
                            f"file. Received: {type(stream).__name__}")
        self.stream = stream
        self._bar = None
        self._batches = 0

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()
        self._batches = 0
        epochs = self.params.get("epochs")
        if self.verbose == 1 and (self.stream is not None or _interactive(sys.stdout)):
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(
                    total=self.params.get("steps"),
                    desc=None if epochs == 1 else f"Epoch {epoch + 1}/{epochs}",  # (as the epoch's line)
                    unit="step",
                    file=self._out(),
                    leave=False,  # replaced at the epoch's end by its line, every metric on it
                    dynamic_ncols=True,
                    mininterval=0.1,
                )
                return
        self._epoch_line(epoch)

    def _epoch_line(self, epoch):
        """Keras's ``Epoch 2/5`` line, which it leaves out when ``fit`` runs one epoch."""
        epochs = self.params.get("epochs")
        if epochs is None or epochs > 1:
            print(f"Epoch {epoch + 1}/{epochs}", file=self._out())

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._bar is not None:
            self._bar.update(1)
            if logs:
                shown = {k: format_value(v) if isinstance(v, np.ndarray) else v for k, v in _shown(logs).items()}
                self._bar.set_postfix(shown, refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._t0
        if self._bar is not None:
            # the bar's postfix is cut at the terminal's width (val_ metrics lost on 80 columns)
            self._bar.close()
            self._bar = None
            self._epoch_line(epoch)
        steps = self.params.get("steps")
        done = self._batches or steps or 1  # fewer when the epoch ended with its pass over the data
        steps = steps or done  # a generator's epochs are as long as they last
        logs = logs or {}
        if self.verbose == 1:  # Keras's bar lists the keys as its batches showed them first: the val_ ones after
            logs = {**{k: v for k, v in logs.items() if not k.startswith("val_")}, **logs}
        print(
            f"{done}/{steps} - {elapsed:.1f}s - {format_step_time(elapsed / done)} - {_format_logs(logs)}",
            file=self._out(),
        )

    def on_train_end(self, logs=None):
        self._release()

    def _release(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class ProgbarLogger(ProgressBar):
    """Keras's name for the progress bar: ``ProgbarLogger()`` shows what fit's ``verbose`` asks
    for (1: the bar, 2: one line per epoch, 0: nothing), as Keras's, in place of fit's own."""

    def __init__(self):
        super().__init__()

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            super().on_epoch_begin(epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose:
            super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose:
            super().on_epoch_end(epoch, logs)


def _interactive(stream):
    """Whether ``stream`` shows a redrawn line: a terminal, or a notebook's output."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        pass
    return "ipykernel" in sys.modules


def _monitor_mode(monitor, mode):
    if not is_one_of(mode, ("auto", "min", "max")):
        raise ValueError(f"mode must be 'auto', 'min' or 'max'. Received: mode={mode!r:.100}")
    if mode == "auto":  # stays "auto" (refused at train begin) for a name it cannot read
        name = (monitor[4:] if monitor.startswith("val_") else monitor).lower()  # (val_AUC, val_Precision)
        if any(word in name for word in ("acc", "precision", "recall", "f1", "fbeta", "f_beta", "io_u", "auc", "r2",
                                           "correlation", "sensitivity", "specificity")):
            mode = "max"
        elif name.endswith("loss") or name in ("mse", "mae", "mape", "msle") or "error" in name \
                or "crossentropy" in name or "hinge" in name or name == "bce":
            mode = "min"
    return mode


def _check_monitor(monitor):
    if not isinstance(monitor, str):
        raise TypeError(f"monitor must be the name of a logged quantity, such as 'val_loss'. Received: {monitor!r}")
    return monitor


def _improved(mode, current, reference, min_delta):
    """Whether ``current`` beats ``reference`` by more than ``min_delta`` in ``mode``; any value but
    NaN beats ``None``, Keras's ``best`` before the first value (Keras takes a NaN too)."""
    if reference is None:
        return current == current
    if mode == "min":
        return current < reference - min_delta
    return current > reference + min_delta


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience``
    epochs; with ``restore_best_weights`` the model ends with the best epoch's weights."""

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


def _save_due(callback, batch):
    """Whether ``callback`` (with ``save_freq``, ``_since_saving`` and ``_last_batch``) saves after
    ``batch``: every ``save_freq`` batches, counted across epochs (the batch index restarts with each)."""
    callback._since_saving += batch + 1 if batch <= callback._last_batch else batch - callback._last_batch
    callback._last_batch = batch
    if callback._since_saving < callback.save_freq:
        return False
    callback._since_saving = 0
    return True


def _check_template(filepath):
    """``filepath`` formatted once with a dummy epoch, batch and logs, so that a bad field
    (``{epoch:s}``) is refused here, not after the first epoch's training; any other name
    is a log key, as Keras allows (``{val_loss:.2f}``)."""
    try:
        names = {re.split(r"[.\[]", name)[0] for _, name, _, _ in string.Formatter().parse(filepath) if name}
        filepath.format(**{**dict.fromkeys(names, 0.0), "epoch": 1, "batch": 1})
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as exc:
        raise ValueError(f"filepath {filepath!r} is not a valid template ({type(exc).__name__}: {exc}); "
                         "name fields such as {epoch:02d} and {val_loss:.2f}.") from None
    return filepath


def _make_folder(folder, what):
    """Make ``folder`` (and its parents) unless it is there, or say why it cannot be one: a
    ValueError starting with ``what``, not a bare OSError after an epoch's training."""
    try:
        if folder:
            os.makedirs(folder, exist_ok=True)
    except OSError as exc:  # a file in the way (FileExistsError, NotADirectoryError), no permission
        raise ValueError(f"{what} ({exc.strerror}).") from None


def _make_checkpoint_folder(path):
    folder = os.path.dirname(path)
    _make_folder(folder, f"ModelCheckpoint cannot make the folder {folder!r} of {path!r}")


#: the checkpoint that holds the weights of a model no glassnet file can (a custom layer class)
_WEIGHTS_CHECKPOINT = "ModelCheckpoint('w-{epoch:02d}.weights.h5', save_weights_only=True)"


class ModelCheckpoint(Callback):
    """Save the model (atomically) after each epoch, or only when ``monitor``
    improves with ``save_best_only``. ``filepath`` may hold ``{epoch:02d}`` and
    log keys such as ``{val_loss:.3f}`` (and ``{batch}`` with ``save_freq=n``).

    As Keras: ``save_freq="epoch"`` saves at each epoch's end, an integer ``n``
    after every n batches (counted across epochs; ``save_best_only`` then
    compares the running batch logs, which hold no ``val_*`` values);
    ``initial_value_threshold`` is the value ``monitor`` must beat first."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = _check_template(check_path(filepath, "filepath"))
        self.monitor = _check_monitor(monitor)
        self.verbose = int(check_choice(verbose, "verbose", (0, 1, 2)))  # 2 prints as 1, as Keras
        self.save_best_only = check_bool(save_best_only, "save_best_only")
        self.save_weights_only = check_bool(save_weights_only, "save_weights_only")
        self.mode = _monitor_mode(monitor, mode)
        if not is_one_of(save_freq, ("epoch",)):
            save_freq = _batches(save_freq)
            self.on_train_batch_end = self._batch_end  # fit calls batch hooks (and logs batches) only where set
        self.save_freq = save_freq
        if initial_value_threshold is not None:
            initial_value_threshold = check_number(initial_value_threshold, "initial_value_threshold")
        self.best = initial_value_threshold  # None (Keras's) until the first value, unless given
        self._epoch, self._last_batch, self._since_saving, self._told_format = 0, -1, 0, False

    def on_train_begin(self, logs=None):
        self._told_format = False
        # a place no checkpoint can go is said now, not with a bare OSError after the first epoch's training
        # (a folder named by fields such as {epoch} is known, and made, only when the name is)
        if "{" not in os.path.dirname(self.filepath):
            _make_checkpoint_folder(self.filepath)
        if "{" not in self.filepath and os.path.isdir(self.filepath):
            raise ValueError(f"ModelCheckpoint's filepath={self.filepath!r} is a folder: give a file name in it, such "
                             "as 'model.gn' or 'model-{epoch:02d}.gn'.")
        from .keras_weights import _h5py, is_weights_h5_name
        from .saving import _architecture

        # what no save can write is said now, not after the first epoch's training
        if self.save_weights_only and is_weights_h5_name(self.filepath):
            _h5py()  # (h5py missing)
        else:  # glassnet's own file: a custom layer class or activation function
            try:
                _architecture(self.model)
            except ValueError as exc:
                raise ValueError(f"ModelCheckpoint cannot write {self.filepath!r}: {exc} In a checkpoint: "
                                 f"{_WEIGHTS_CHECKPOINT}.") from None
        if not self.save_best_only:
            return
        if self.save_freq != "epoch":  # judged on batch logs: a val_* or unknown name would save nothing, silently
            if self.monitor.startswith("val_"):
                raise ValueError(
                    f"ModelCheckpoint(save_best_only=True, save_freq={self.save_freq}) compares the batch logs, "
                    f"which hold no {self.monitor!r} (validation runs at epoch ends): use save_freq='epoch', or "
                    f"monitor a training quantity such as monitor={self.monitor[4:]!r}."
                )
            names = ["loss", *(m.name for m in getattr(self.model, "metrics", []))]
            if self.monitor not in names:
                raise _missing(self, self.monitor, names)
        _require_monitored(self, self.monitor)  # and mode="auto" must know which way it improves

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _batch_end(self, batch, logs=None):
        if _save_due(self, batch):
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch, batch, logs):
        where = f"Epoch {epoch + 1}" + ("" if batch is None else f", batch {batch + 1}")
        best = "None" if self.best is None else f"{self.best:.5f}"  # Keras's lines
        if self.save_best_only:
            # judged before the name is made: an epoch that fit did not validate (validation_freq > 1)
            # has no {val_loss} to fill in, and saves nothing anyway
            current = _monitored(self, logs, in_batch=batch is not None)
            if current is None:
                return
            if not _improved(self.mode, current, self.best, 0.0):
                if self.verbose:
                    _say(f"{where}: {self.monitor} did not improve from {best}")
                return
        fields = {"epoch": epoch + 1, **({} if batch is None else {"batch": batch + 1}), **logs}
        try:
            path = self.filepath.format(**fields)
        except KeyError as exc:
            raise ValueError(
                f"ModelCheckpoint's filepath {self.filepath!r} names {{{exc.args[0]}}}, which is not among the "
                f"logged values: {', '.join(fields)}."
            ) from None
        if self.verbose:
            improved = f"{self.monitor} improved from {best} to {current:.5f}, " if self.save_best_only else ""
            _say(f"{where}: {improved}saving model to {path}")
        if self.save_best_only:
            self.best = current
        _make_checkpoint_folder(path)  # as Keras: the checkpoint folder is created, not a reason to lose the epoch
        # a name Keras uses (model_{epoch}.keras) is told once a fit that it gets glassnet's format, not each epoch
        with warnings.catch_warnings():
            if self._told_format:
                warnings.filterwarnings("ignore", message=".*glassnet's own format", category=UserWarning)
            if self.save_weights_only:
                self.model.save_weights(path)
            else:
                self.model.save(path)
        self._told_format = True
        if self.verbose:
            _say(f"{where}: finished saving model to {path}")


class BackupAndRestore(Callback):
    """Back up the training state after each epoch and, when ``fit`` runs again after an
    interruption (a crash, a killed job, Ctrl-C), restore it and go on from the epoch it
    had reached, as ``keras.callbacks.BackupAndRestore``.

    The backup is a model file, ``backup_dir/latest.gn``, written atomically: the weights,
    the optimizer's state, step count and learning rate, the random generators of shuffling
    and dropout, and the number of epochs done (``load_model`` reads it as any model file).
    Restored from an epoch's end, training goes on as if it had not stopped, bit for bit (the
    same shuffles and dropout masks), when each epoch is a whole pass over the data; with a
    ``steps_per_epoch`` shorter than a pass, the resumed run starts a new pass (as Keras's),
    where the uninterrupted one would have gone on through its pass. ``save_freq=n`` backs up every n batches instead
    (counted across epochs), and a restart then repeats the interrupted epoch from its first batch with the weights of
    the last backup, as Keras. ``double_checkpoint=True`` keeps the backup before as
    ``previous.gn`` and restores it when ``latest.gn`` cannot be read. When ``fit`` ends
    (not when it is interrupted), ``delete_checkpoint=True`` deletes the files this callback
    wrote, and the folder if that leaves it empty.

    The folder is the backup's alone, and a restart must train the same model with the same
    optimizer (a backup of another model is a ``ValueError``, before anything changes).
    What other callbacks keep (EarlyStopping's patience, the best ModelCheckpoint value)
    is not part of the backup, as in Keras."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not os.fspath(backup_dir):
            raise ValueError(f"backup_dir must be the path of a folder for the backup. Received: {backup_dir!r}")
        self.backup_dir = os.fspath(backup_dir)
        if not is_one_of(save_freq, ("epoch",)):
            save_freq = _batches(save_freq)
            self.on_train_batch_end = self._batch_end  # fit calls batch hooks only where one is set
        self.save_freq = save_freq
        self.double_checkpoint = check_bool(double_checkpoint, "double_checkpoint")
        self.delete_checkpoint = check_bool(delete_checkpoint, "delete_checkpoint")
        self._latest = os.path.join(self.backup_dir, "latest.gn")
        self._previous = os.path.join(self.backup_dir, "previous.gn")
        self._epoch, self._last_batch, self._since_saving = 0, -1, 0

    def on_train_begin(self, logs=None):
        from .saving import _architecture, restore_backup

        try:  # a model no backup can hold (a custom layer class): said before the first epoch
            _architecture(self.model)
        except ValueError as exc:  # (its advice, save_weights, is no backup: the checkpoint below is one)
            raise ValueError(f"BackupAndRestore cannot back up the model in backup_dir={self.backup_dir!r}: {exc} "
                             f"To keep the weights as training goes: {_WEIGHTS_CHECKPOINT}.") from None
        self._last_batch, self._since_saving = -1, 0
        _make_folder(self.backup_dir, f"BackupAndRestore cannot make its backup folder backup_dir={self.backup_dir!r}: "
                                      "give the path of a folder (it is created if missing)")
        candidates = [p for p in (self._latest, self._previous if self.double_checkpoint else None)
                      if p is not None and os.path.exists(p)]
        first_error = None
        for path in candidates:
            try:
                record = restore_backup(self.model, path)
            except ValueError as exc:
                first_error = first_error or exc
                continue
            if first_error is not None:
                warnings.warn(f"BackupAndRestore restored {path}: the newer backup cannot be read ({first_error})",
                              UserWarning, stacklevel=4)
            epoch = record.get("epoch")
            if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
                raise ValueError(f"The backup {path!r} records {epoch!r} epochs done; expected a non-negative integer.")
            self.model._initial_epoch = epoch  # fit starts there
            return
        if first_error is not None:
            raise first_error

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1)

    def _batch_end(self, batch, logs=None):
        if _save_due(self, batch):
            self._save(self._epoch, batch)  # epoch not done: a restart repeats it

    def _save(self, epochs_done, batch=None):
        from .saving import save_model

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._latest):
            os.replace(self._latest, self._previous)
        from .updates import swap_average

        opt = self.model.optimizer
        record = {"epoch": epochs_done, "batch": None if batch is None else batch + 1,
                  "optimizer": type(opt).__name__,
                  # a schedule or a callable gives the rate from the step count, which the backup holds
                  "learning_rate": _backup_rate(opt)}
        # SwapEMAWeights(swap_on_epoch=True) may have the moving average in the model: the backup
        # holds the training's own state, the trained weights as weights and the average as average
        swapped = getattr(opt, "_average_in_model", False)
        if swapped:
            swap_average(self.model)
        try:
            save_model(self.model, self._latest, backup=record)
        finally:
            if swapped:
                swap_average(self.model)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for path in (self._latest, self._previous):
            if os.path.exists(path):
                os.remove(path)
        try:
            os.rmdir(self.backup_dir)  # only when empty: the user's own files are never deleted
        except OSError:
            pass


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


class SwapEMAWeights(Callback):
    """Keras's: evaluate with the moving average of the weights that an optimizer with
    ``use_ema=True`` keeps. Before fit's validation (and ``evaluate``/``predict`` given this
    callback) the average goes into the model and the trained weights into the optimizer's
    ``average`` slot; afterwards they are swapped back. With ``swap_on_epoch=True`` the
    average is in the model from each epoch's end to the next one's start, so that the
    callbacks after this one (``ModelCheckpoint``) see and save it. ``fit`` still ends with
    the average as the weights, as without this callback. Frozen layers keep theirs."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = check_bool(swap_on_epoch, "swap_on_epoch")

    def _in_model(self):
        return getattr(self.model.optimizer, "_average_in_model", False)

    def _swap(self):
        from .updates import swap_average

        optimizer = getattr(self.model, "optimizer", None)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights needs an optimizer with use_ema=True, which keeps the moving average "
                             f"of the weights. Received: {optimizer!r}")
        if "average" not in optimizer.state or not optimizer._iterations:
            raise ValueError("SwapEMAWeights: the optimizer has no moving average yet (it is made by the first "
                             "training step). Train before evaluating with it.")
        swap_average(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._in_model():
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._in_model():
            self._swap()

    def on_test_begin(self, logs=None):
        if not self._in_model():
            self._swap()
            self._swapped_for_test = True

    def on_test_end(self, logs=None):
        if getattr(self, "_swapped_for_test", False):
            self._swapped_for_test = False
            self._swap()

    on_predict_begin, on_predict_end = on_test_begin, on_test_end

    def _release(self):  # evaluate or predict stopped by an error or Ctrl-C: the trained weights go back
        self.on_test_end()


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)`` (or
    ``schedule(epoch)`` for a function of the epoch alone, as Keras accepts), which must
    return a float (or ``np.float32``), as Keras."""

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


def _backup_rate(optimizer):
    """A backup's learning rate: None where a schedule or callable gives it from the step count (which
    the backup holds); a MultiOptimizer's: the list of its sub-optimizers'."""
    if getattr(optimizer, "optimizers", None) is not None:
        return [_backup_rate(opt) for opt in optimizer.optimizers]
    return None if callable(optimizer._learning_rate) else float(optimizer.learning_rate)


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
    to the logs."""

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
                    if old_lr > self.min_lr:
                        optimizer.learning_rate = max(old_lr * self.factor, self.min_lr)
                        reduced = True
                        if self.verbose:
                            _say(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                                  f"{optimizer.learning_rate}.")
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class CSVLogger(Callback):
    """Append one CSV row of logs per epoch (the header first)."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = check_path(filename, "filename")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"separator must be one character, such as ','. Received: separator={separator!r:.50}")
        self.separator = separator
        self.append = check_bool(append, "append")
        self._file = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        # opened now, so that a path that cannot be written fails before training; but a file of an
        # earlier run is emptied only when the first row comes: a fit that fails to start (another
        # callback's mistake) or is stopped within its first epoch leaves it as it was
        self._file = open(self.filename, "a", newline="")
        self._writer = None
        self._header_written = exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._writer is None:
            if not self.append:
                self._file.truncate(0)  # ("a": the rows then go to the new end)
            # sorted, as Keras; with validation_freq > 1 the first epoch has no val_* values yet
            self._keys = sorted(logs)
            if self.params.get("do_validation") and not any(k.startswith("val_") for k in self._keys):
                self._keys += [f"val_{k}" for k in self._keys if k != "learning_rate"]
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self._keys], delimiter=self.separator)
            if not self._header_written:
                self._writer.writeheader()
        row = {k: logs.get(k, "NA") for k in self._keys}
        for k, v in row.items():
            if isinstance(v, np.ndarray) and v.ndim:  # one value per class, read back as "[a, b]" (Keras: '"[a, b]"')
                row[k] = f"[{', '.join(map(str, v.tolist()))}]"
        self._writer.writerow({"epoch": epoch, **row})
        self._file.flush()

    def on_train_end(self, logs=None):
        self._release()

    def _release(self):
        if self._file is not None:
            self._file.close()
            self._file = None
