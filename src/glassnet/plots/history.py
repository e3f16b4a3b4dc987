"""Loss and metric curves per epoch (:func:`plot_history`), training and validation together."""

import math
import numbers

import numpy as np

from ._figure import _figure_and_axes, _finish, _new_figure, _plain, _require_matplotlib


#: plot_history draws a panel on a log scale where its largest value is this many times its smallest
LOG_SCALE_RATIO = 1000
#: plot_history's words for short keys (another key is read with spaces for its underscores)
READABLE_NAMES = {
    "learning_rate": "learning rate η", "lr": "learning rate η", "mse": "mean squared error",
    "mae": "mean absolute error", "mape": "mean absolute percentage error (%)",
    "msle": "mean squared logarithmic error", "auc": "area under the ROC curve", "f1_score": "F1 score",
    "grad_norm": "gradient norm per layer", "weight_norm": "weight norm per layer",
    "dead_relu": "fraction of dead ReLUs per layer", "saturated": "fraction of saturated units per layer",
}


def _readable(name):
    """A panel's quantity in words: "learning_rate" → "learning rate η", "binary_accuracy" → "binary accuracy"."""
    return READABLE_NAMES.get(name, name.replace("_", " "))


def _quiet_log_locator():
    """matplotlib's LogLocator without the decades past 1e308, which are inf (the formatter fails on
    them); made at the first use, as matplotlib is imported only then. A module-level name (by
    :func:`__getattr__` too), so that a figure with it pickles and unpickles as any other."""
    cls = globals().get("QuietLogLocator")
    if cls is None:
        from matplotlib.ticker import LogLocator

        class QuietLogLocator(LogLocator):
            def tick_values(self, vmin, vmax):
                with np.errstate(over="ignore"):
                    ticks = super().tick_values(vmin, vmax)
                return ticks[np.isfinite(ticks)]

        QuietLogLocator.__qualname__ = "QuietLogLocator"
        globals()["QuietLogLocator"] = cls = QuietLogLocator
    return cls


def __getattr__(name):  # (pickle looks the locator's class up here, before any plot made it)
    if name == "QuietLogLocator":
        return _quiet_log_locator()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _log_scale(ax, low, high):
    """Draw ``ax``'s y axis on a log scale that shows ``low..high`` (> 0), also where matplotlib's own
    limits and ticks overflow: it pads the limits by 5% of their decades (1e-300..1e300 padded past
    1e308 became inf: a RuntimeWarning, and an axis left at 1..10 that showed none of the values), and
    its tick locator computes decades beyond the top (for 1e300: 1e420, another overflow warning)."""
    QuietLogLocator = _quiet_log_locator()
    decades = np.log10([low, high])
    pad = 0.05 * (decades[1] - decades[0])  # matplotlib's margin
    top, bottom = 308.0, min(decades[0], math.log10(np.finfo(float).tiny))
    if decades[1] + pad > top or decades[0] - pad < bottom:
        ax.set_ylim(10 ** max(decades[0] - pad, bottom), 10 ** min(decades[1] + pad, top))
    ax.set_yscale("log")
    if decades[1] > 200:
        ax.yaxis.set_major_locator(QuietLogLocator())
        ax.yaxis.set_minor_locator(QuietLogLocator(subs="auto"))


def plot_history(history, metrics=None, path=None, ax=None):
    """Loss and metric curves per epoch, training and validation together.

    Parameters
    ----------
    history : History or dict
        ``model.fit(...)``'s result or its ``.history`` dict.
    metrics : list of str, optional
        Which curves, one panel each (default: every key without ``val_``
        that has no ``/``, the loss first). A name that prefixes ``/``-keys, such as
        ``"grad_norm"`` or ``"dead_relu"`` from the Diagnostics callback,
        draws all its layers in one panel (norms on a log scale, unless one
        of them is 0: no gradient reaches a layer of dead ReLUs).
        Any other panel whose positive values span three decades or more
        (:data:`LOG_SCALE_RATIO`), such as a diverging loss, is drawn on a
        log scale too.
        A per-class metric (``F1Score(average=None)``) draws one curve per class.
    ax : matplotlib Axes or list of Axes, optional
        Draw into Axes of yours, one per panel (``metrics="loss", ax=ax``
        for one), instead of a new Figure.

    Epochs are whole numbers on the x axis, counted from 1; a History
    places each value at its own epoch (validation after epochs 2, 4, 6
    with ``validation_freq=2``, epochs from ``initial_epoch + 1`` on), a
    dict's lists start at epoch 1; an empty list (no epoch yet) draws no curve, and a history
    of no epoch at all is refused with a ValueError. A curve that turns NaN or
    infinite (diverged training) leaves a gap; its first such epoch is
    marked with a dotted line and "diverged" (upright, inside the frame),
    and the epoch axis runs to
    the last epoch all the same. A learning rate (``learning_rate`` or
    ``lr``, logged by the schedule callbacks) is labelled "learning rate η".

    Each panel's y axis names its quantity in words (:data:`READABLE_NAMES`;
    underscores read as spaces), and its title adds the key where that
    differs: "learning rate η (learning_rate)", "binary accuracy
    (binary_accuracy)"; ``val_`` curves share their key's panel.
    """
    _require_matplotlib()
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import offset_copy

    logs = getattr(history, "history", history)
    epochs_of = getattr(history, "_epochs_of", {})
    if isinstance(logs, dict) and not logs and logs is not history:  # a History, as fit(epochs=0) returns it
        raise ValueError(f"history holds no epochs: this {type(history).__name__} recorded none (fit ran 0 epochs, "
                         "or stopped before the first), so there is no curve to draw; train for an epoch first.")
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"history must be a History or a non-empty dict of lists. Received: {type(history).__name__}")
    for key, values in logs.items():
        try:
            np.asarray(values, dtype=float)
        except (TypeError, ValueError):  # text, None: "could not convert string to float" from the drawing
            raise TypeError(f"history must map names to lists of per-epoch numbers. Received {key!r}: "
                            f"{values!r:.80}") from None
        if not isinstance(key, str) or np.ndim(values) not in (1, 2):
            raise ValueError(f"history must map names to lists of per-epoch values. Received {key!r}: {values!r:.80}")
    named = metrics is not None
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_") and "/" not in k]
        if not metrics:  # only validation curves: draw those
            metrics = [k[4:] for k in logs if k.startswith("val_") and "/" not in k]
        metrics.sort(key=lambda k: k != "loss")  # the loss's panel first (a History's keys are sorted, as Keras's)
    elif isinstance(metrics, str):
        metrics = [metrics]
    if isinstance(metrics, (bool, numbers.Number)) or not hasattr(metrics, "__iter__"):
        raise TypeError(f"metrics must be a list of names. Received: metrics={metrics!r:.100}")
    metrics = list(metrics)
    if not metrics:
        raise ValueError("metrics is empty: name at least one curve, or pass None for all of them.")
    panels = []
    for name in metrics:
        keys = ([k for k in (name, f"val_{name}") if k in logs] or [k for k in logs if k.startswith(f"{name}/")]
                or [k for k in logs if k.startswith(f"val_{name}/")])
        if not keys:
            raise ValueError(f"history has no {name!r}. Available: {', '.join(logs)}")
        keys = [k for k in keys if np.size(logs[k])]  # (a validation curve of no epoch yet: none drawn)
        if keys:
            panels.append((name, keys))
        elif named:  # asked for by name
            raise ValueError(f"history holds no epoch of {name!r}: its list is empty.")
    if not panels:  # fit(epochs=0), or a History before its first epoch
        raise ValueError("history holds no epoch: every list is empty; train for an epoch first.")
    if ax is None:
        fig = _new_figure((4.5 * len(panels), 3.4))
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
    else:  # the user's: one Axes per panel
        axes = [ax] if not isinstance(ax, (list, tuple, np.ndarray)) else list(np.ravel(ax))
        if len(axes) != len(panels):
            raise ValueError(f"ax must be one Axes per panel: {len(panels)} for {[n for n, _ in panels]!r:.100}. "
                             f"Received {len(axes)}.")
        fig = [_figure_and_axes(a, None)[0] for a in axes][0]  # (each checked to be an Axes)
    for ax, (name, keys) in zip(axes, panels):
        diverged, last = [], 1
        for key in keys:
            values = np.asarray(logs[key], dtype=float)
            label = ("validation" if key.startswith("val_") else _plain(key.split("/", 1)[1]) if "/" in key
                     else "learning rate η" if key in ("learning_rate", "lr") else "training")  # (η is no measurement)
            epochs = np.asarray(epochs_of.get(key, ()), dtype=int) + 1  # a History's: 2, 4, 6 with validation_freq=2
            if len(epochs) != len(values) or (np.diff(epochs) <= 0).any():  # (a History filled by two fits: 1..n)
                epochs = np.arange(1, len(values) + 1)
            columns = values if values.ndim == 2 else values[:, None]  # F1Score(average=None): a curve per class
            for i, column in enumerate(columns.T):
                ax.plot(epochs, column, marker="o" if len(values) < 30 else None, ms=3,
                        label=label if columns.shape[1] == 1 else f"{label}, class {i}")
            finite = np.isfinite(columns).all(axis=1)
            diverged += [epochs[np.argmin(finite)]] if not finite.all() else []
            last = max(last, epochs[-1])
        if diverged:
            first, right = ax.get_xlim()
            at = min(diverged)  # the epochs after it (NaN, not drawn) on the axis too, and room for the word
            # and the epochs before it: a run NaN from epoch 1 has its finite values later (its line and
            # word were drawn left of the frame, and constrained layout collapsed the axes making room)
            first = min(first, at - 0.5)
            ax.set_xlim(first, max(right, last + 0.5, at + 0.08 * (at - first)))
            ax.axvline(at, color="tab:red", ls=":", lw=1.5)
            ax.text(at, 0.97, "diverged", color="tab:red", rotation=90, ha="left", va="top",
                    transform=offset_copy(ax.get_xaxis_transform(), fig, x=2, units="points"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        drawn = np.concatenate([np.ravel(np.asarray(logs[key], dtype=float)) for key in keys])
        drawn = drawn[np.isfinite(drawn)]
        if drawn.size and (drawn > 0).all() and (name.endswith("norm") or drawn.max() >= LOG_SCALE_RATIO * drawn.min()):
            _log_scale(ax, drawn.min(), drawn.max())  # (it would hide a value of 0: a norm where no gradient reaches a layer)
        else:
            ax.ticklabel_format(axis="y", useOffset=False)  # 2.3026 reads 2.3026, not 0.0001 and "+2.3025" above
        quantity = _readable(name)
        title = quantity if quantity == name else f"{quantity} ({name})"  # (the key: what metrics= takes)
        ax.set_title(_plain(title))
        ax.set_ylabel(_plain(quantity))
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    return _finish(fig, path)
