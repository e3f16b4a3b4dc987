"""Callbacks that write the model as training goes: :class:`ModelCheckpoint` (the model or its
weights, every epoch or every n batches, or only when a monitored quantity improves) and
:class:`BackupAndRestore` (the training state, restored when fit runs again after an
interruption), with their checks of ``save_freq``, of a file name template and of a folder."""

import os
import re
import string
import warnings

from .._validation import (check_bool, check_choice, check_number, check_path, check_positive_int,
                           is_one_of)
from .divergence import user_stacklevel
from .hooks import Callback
from .monitoring import _check_monitor, _improved, _missing, _monitor_mode, _monitored, _require_monitored
from .progress import _say


def _batches(save_freq):
    """A ``save_freq`` other than ``"epoch"``: a positive number of batches."""
    try:
        return check_positive_int(save_freq, "save_freq")
    except (TypeError, ValueError) as error:
        raise type(error)(f"save_freq must be 'epoch' or a positive integer number of batches. "
                          f"Received: save_freq={save_freq!r:.100}") from None


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
    ``initial_value_threshold`` is the value ``monitor`` must beat first; ``mode``: ``"min"``,
    ``"max"`` or ``"auto"`` (as :class:`EarlyStopping`'s); ``verbose=1`` prints each save.
    ``save_weights_only=True`` saves with :meth:`~glassnet.models.Sequential.save_weights`: Keras's
    HDF5 weights file for a name ending in ``.weights.h5``, which holds the optimizer's state too (as Keras's),
    glassnet's own file for any other, which holds the weights and compile settings but no optimizer state
    (``save_weights_only=False`` keeps it, and the shuffling and dropout generators, for ``load_model``)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = _check_template(check_path(filepath, "filepath"))
        if self.filepath.endswith(tuple(filter(None, ("/", os.sep, os.altsep)))):  # (it failed after an epoch's
            # training, and the folder was made)
            raise ValueError(f"ModelCheckpoint's filepath={self.filepath!r} ends in a separator: it names a folder. Give a "
                             "file name in it, such as 'checkpoints/model-{epoch:02d}.gn'.")
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
        where = f"Epoch {epoch + 1}"  # Keras 3.15's lines name the epoch only, a batch's save (save_freq=n) too
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
    the last backup, as Keras. A backup at an epoch's last batch is written again at that epoch's end, as a
    ``save_freq="epoch"`` one, with the epoch done, so a restart goes on with the next epoch (Keras 3.15 repeats the
    finished epoch). ``double_checkpoint=True`` keeps the backup before as
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
        self._saved_batch = None  # the batch of this epoch last backed up

    def on_train_begin(self, logs=None):
        from .saving import _architecture, restore_backup

        try:  # a model no backup can hold (a custom layer class): said before the first epoch
            _architecture(self.model)
        except ValueError as exc:  # (its advice, save_weights, is no backup: the checkpoint below is one)
            raise ValueError(f"BackupAndRestore cannot back up the model in backup_dir={self.backup_dir!r}: {exc} "
                             f"To keep the weights as training goes: {_WEIGHTS_CHECKPOINT}.") from None
        self._last_batch, self._since_saving, self._saved_batch = -1, 0, None
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
                              UserWarning, stacklevel=user_stacklevel())
            self.model._initial_epoch = record["epoch"]  # fit starts there (restore_backup checked it)
            return
        if first_error is not None:
            raise first_error

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._saved_batch = epoch, None

    def on_epoch_end(self, epoch, logs=None):
        # a backup at the epoch's last batch (its steps known or not) is written again, the epoch done: a crash
        # during the validation still has the first
        if self.save_freq == "epoch" or self._saved_batch == self._last_batch:
            self._save(epoch + 1)

    def _batch_end(self, batch, logs=None):
        if _save_due(self, batch):
            self._save(self._epoch, batch)  # epoch not done: a restart repeats it
            self._saved_batch = batch

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


def _backup_rate(optimizer):
    """A backup's learning rate: None where a schedule or callable gives it from the step count (which
    the backup holds); a MultiOptimizer's: the list of its sub-optimizers'."""
    if getattr(optimizer, "optimizers", None) is not None:
        return [_backup_rate(opt) for opt in optimizer.optimizers]
    return None if callable(optimizer._learning_rate) else float(optimizer.learning_rate)
