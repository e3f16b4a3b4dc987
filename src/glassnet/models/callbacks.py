"""Callbacks (SPEC B2): hooks called by the training loop, as ``keras.callbacks``.

A callback may override ``on_train_begin/end(logs)``,
``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)`` and
``on_train_batch_begin/end(batch, logs)``; it reaches the model through
``self.model`` and stops training with ``self.model.stop_training = True``.
Batch hooks are called only for callbacks that override them, so the
training step pays nothing for the others.

This module holds :class:`CallbackList`, the check of fit's ``callbacks`` and :class:`History`, and
names every callback; the others are defined by concept: :mod:`.hooks` (:class:`Callback`,
:class:`LambdaCallback`, which hooks a callback overrides), :mod:`.progress` (ProgressBar,
ProgbarLogger, the formatting of logs), :mod:`.monitoring` (the monitored quantity of the
callbacks below), :mod:`.stopping` (EarlyStopping, TerminateOnNaN), :mod:`.checkpoints`
(ModelCheckpoint, BackupAndRestore), :mod:`.learning_rate` (LearningRateScheduler,
ReduceLROnPlateau), :mod:`.swap_ema` (SwapEMAWeights) and :mod:`.csv_logger` (CSVLogger).
"""

from .._validation import check_bool
from .checkpoints import BackupAndRestore, ModelCheckpoint
from .csv_logger import CSVLogger
from .hooks import _HOOKS, Callback, LambdaCallback, overrides
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .progress import ProgbarLogger, ProgressBar, format_step_time, format_value
from .stopping import EarlyStopping, TerminateOnNaN
from .swap_ema import SwapEMAWeights

__all__ = [
    "Callback", "CallbackList", "History", "LambdaCallback", "ProgressBar", "ProgbarLogger", "EarlyStopping",
    "TerminateOnNaN", "ModelCheckpoint", "BackupAndRestore", "LearningRateScheduler", "ReduceLROnPlateau",
    "SwapEMAWeights", "CSVLogger", "check_callbacks", "overrides", "format_value", "format_step_time",
]


def check_callbacks(callbacks):
    """``callbacks`` as a checked list (one callback alone is a list of one, and a
    :class:`CallbackList` its callbacks, as Keras's fit uses a CallbackList given to it)."""
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of glassnet.callbacks.Callback objects. Received: {callbacks!r:.100}"
                        + _foreign_callback_hint(callbacks))
    cbs = []
    for cb in callbacks or []:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be glassnet.callbacks.Callback objects. Received: {cb!r:.100}"
                            + _foreign_callback_hint(cb))
        cbs.extend(cb.callbacks if isinstance(cb, CallbackList) else [cb])
    return cbs


def _foreign_callback_hint(cb):
    """What to do instead of a Keras/TF (or Optuna's Keras) callback, which glassnet's fit cannot run."""
    from .. import callbacks as ours

    name, module = type(cb).__name__, type(cb).__module__
    # a user's subclass of keras.callbacks.Callback (in __main__) too: any class in the MRO
    keras = [k for k in type(cb).__mro__ if k.__module__.split(".")[0] in ("keras", "tf_keras", "tensorflow")]
    foreign = module.split(".")[0] in ("keras", "tf_keras", "tensorflow", "optuna_integration")
    if not (keras or foreign):
        return ""
    if keras and keras[0] is type(cb) and hasattr(ours, name):  # Keras's own EarlyStopping, ModelCheckpoint...
        return (f". {name} is a Keras/TensorFlow callback ({module}), which glassnet's fit cannot run: use "
                f"glassnet.callbacks.{name}(...) with the same arguments.")
    what = module if foreign else f"a subclass of {keras[0].__module__}.{keras[0].__name__}"
    hint = (f". {name} is a Keras/TensorFlow callback ({what}), which glassnet's fit cannot run: "
            "subclass glassnet.callbacks.Callback with the same hooks, e.g. on_epoch_end(self, epoch, logs)")
    if "pruning" in type(cb).__name__.lower():
        hint += (" calling trial.report(logs['val_accuracy'], epoch) and, if trial.should_prune(), "
                 "raising optuna.TrialPruned() (docs/api.md, 'Optuna')")
    return hint + "."


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


#: history keys of older Keras (Keras 2.2's "acc", tf.keras 2's "lr") and their Keras 3 names, which glassnet logs
_RENAMED_KEYS = {"acc": "accuracy", "lr": "learning_rate"}


class _Logs(dict):
    """``History.history``: a plain dict to json, pandas and pickle, whose missing key (Keras 2.2's
    ``history["acc"]``) names the keys it holds and the new name, where a dict said only ``KeyError: 'acc'``."""

    def __missing__(self, key):
        prefix, base = ("val_", key[4:]) if isinstance(key, str) and key.startswith("val_") else ("", key)
        renamed = {**_RENAMED_KEYS, **{new: old for old, new in _RENAMED_KEYS.items()}}.get(base)
        hint = ""
        if renamed is not None and prefix + renamed in self:
            hint = (f"; it is logged as {prefix + renamed!r} (Keras 3's name; older Keras logged {key!r})"
                    if base in _RENAMED_KEYS else
                    f"; did you mean {prefix + renamed!r}? (the name given to compile's metrics or by a callback)")
        if not hint and base == "lr":  # (the rate is logged only by a callback that sets it, as in Keras 3)
            hint = (f"; the learning rate is logged as {prefix + 'learning_rate'!r} (Keras 3's name) by "
                    "LearningRateScheduler or ReduceLROnPlateau")
        held = f"holds {list(self)}" if self else "is empty (no epoch was recorded)"
        raise KeyError(f"{key!r}: history.history {held}{hint}")


class History(Callback):
    """Records every log value per epoch: ``history.history["loss"]`` etc.

    ``stopped_reason`` says why training ended early (``None`` when it ran all epochs).
    """

    def __init__(self):
        super().__init__()
        self.history = _Logs()
        self.epoch = []
        self.stopped_reason = None
        # the epoch of each value: val_* keys miss the epochs that fit did not validate (validation_freq)
        self._epochs_of = {}

    def __setstate__(self, state):
        # (a History pickled before session 59 holds a plain dict: its missing key gets the hint too)
        self.__dict__.update(state)
        if type(self.__dict__.get("history")) is dict:
            self.history = _Logs(self.history)

    def __repr__(self):
        # (Keras's is object's default, <...History object at 0x...>, which says nothing of what fit recorded)
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
            self._epochs_of.setdefault(key, []).append(epoch)
