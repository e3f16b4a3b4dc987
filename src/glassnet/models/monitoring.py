"""The monitored quantity of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: its checks
before training (a name fit logs, a validation value only with validation data, a direction),
its value in an epoch's logs, and whether it improved."""

import numpy as np

from .._validation import is_one_of


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
