"""The monitored quantity of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: its check
before training (a direction), its value in an epoch's logs (none on an epoch that fit did not
validate; a name not logged is a clear error), and whether it improved."""

import numpy as np

from .._validation import is_one_of


def _require_monitored(callback, monitor):
    """Fail before the first epoch when ``mode="auto"`` cannot tell which way ``monitor`` improves
    (as Keras). A ``val_*`` name without validation data is not refused here: a callback listed
    before this one may log it (a hold-out score computed at each epoch end), as Keras allows;
    :func:`_monitored` says so at the first epoch end where it is missing."""
    if callback.mode == "auto":  # as Keras: a compiled metric of that name with a _direction says it
        name = monitor[4:] if monitor.startswith("val_") else monitor
        directions = [m._direction for m in getattr(callback.model, "metrics", [])
                      if m.name == name and getattr(m, "_direction", None) in ("up", "down")]
        if directions:
            callback.mode = "max" if directions[-1] == "up" else "min"
    if callback.mode == "auto":
        names = ["loss", *(m.name for m in getattr(callback.model, "metrics", []))]
        if (monitor[4:] if monitor.startswith("val_") else monitor) not in names:
            # misspelt, or logged by a callback listed before this one (it was only "not among the logged
            # values", and mode=... fixed the second): both are said
            logged = names + [f"val_{n}" for n in names] if callback.params.get("do_validation") else names
            raise ValueError(f"{_missing(callback, monitor, logged)} mode='auto' cannot tell whether it should be "
                             "minimized or maximized either: check the name, or, for a value that a callback logs, "
                             "pass mode='min' or mode='max'.")
        raise ValueError(
            f"{type(callback).__name__} cannot tell whether {monitor!r} should be minimized or maximized "
            "(mode='auto' knows losses, errors, accuracy, precision, recall, sensitivity, specificity, f1, fbeta, io_u, "
            "auc and r2): "
            "pass mode='min' or mode='max'."
        )


def _not_validated(callback, logs):
    """Whether fit has validation data but did not validate the epoch now ending (validation_freq > 1,
    or validation data that ran out). fit says it on the model (``_epoch_validated``) before the
    epoch-end hooks: the logs cannot, since a callback may log val_* values of its own (an F1 score
    on hold-out data) at every epoch. Hooks called by hand (a loop of one's own) have only the
    logs: no val_* key at all is an epoch not validated."""
    if not callback.params.get("do_validation", False):
        return False
    validated = getattr(callback.model, "_epoch_validated", None)
    if validated is None:
        return not any(key.startswith("val_") for key in logs)
    return not validated


def _no_validation_data(callback, monitor, logs):
    return ValueError(
        f"{type(callback).__name__} monitors {monitor!r}, but fit has no validation data and nothing logged it "
        f"(the logged values: {', '.join(logs)}): pass validation_split=... or validation_data=..., or monitor a "
        f"training quantity such as monitor={monitor[4:]!r}; a value that a callback logs must be logged by a "
        "callback listed before this one."
    )


def _missing(callback, monitor, logs):
    return ValueError(
        f"{type(callback).__name__} monitors {monitor!r}, which is not among the logged values "
        f"({', '.join(logs)})."
    )


def _monitored(callback, logs, in_batch=False):
    """The value of ``callback.monitor`` in ``logs``; None where there is none to judge (a val_*
    value on an epoch that fit did not validate, or batch logs, which hold no val_* values: Keras
    skips them too, with a warning). A name that is not logged (Keras warns at every epoch and the
    callback does nothing), or a per-class array, is a clear error."""
    monitor = callback.monitor
    if monitor not in logs:
        if in_batch or (monitor.startswith("val_") and _not_validated(callback, logs)):
            return None
        if monitor.startswith("val_") and not callback.params.get("do_validation", True):
            raise _no_validation_data(callback, monitor, logs)
        # a callback's hooks run in the order listed: a value logged by one after this one is not here yet
        raise ValueError(f"{_missing(callback, monitor, logs)} A value that a callback logs must come from a "
                         "callback listed before this one.")
    value = logs[monitor]
    if isinstance(value, np.ndarray) and value.ndim:
        raise ValueError(
            f"{type(callback).__name__} monitors {monitor!r}, which logs one value per class "
            f"(shape {value.shape}, e.g. F1Score(average=None)); monitor a single number such as 'val_loss' "
            "or an averaged metric."
        )
    return value


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
