"""Pictures instead of numbers (SPEC E2): training curves, decision boundaries,
confusion matrices, weights as images, gradient-descent paths, Hopfield recall
and self-organizing maps.

Every function returns a :class:`matplotlib.figure.Figure` and, given
``path=``, saves it (PNG, SVG or PDF, chosen by the file's extension) with an
atomic write: a temporary file in the same folder, then ``os.replace``. The
figures are built without ``pyplot``, so they work with any backend
(including ``Agg`` on a server) and never pop up windows; in Jupyter a
returned Figure displays itself. The loss curves and the one-panel plots
(decision boundary, confusion matrix, descent) also draw into Axes of
yours, given as ``ax=``, and return their Figure.

matplotlib is an optional extra (``pip install "glassnet[plots]"``), imported
only when a plot is made.
"""

import math
import numbers
import os

import numpy as np

from ._io import atomic_write
from ._validation import check_array, check_bool, check_number, check_path, check_positive_int
from .losses import _SignedLabelLoss

__all__ = [
    "plot_history",
    "plot_decision_boundary",
    "plot_confusion_matrix",
    "plot_weights",
    "plot_descent",
    "plot_hopfield_recall",
    "plot_som",
    "save_figure",
]

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
MAX_RESOLUTION = 2000  # grid points per axis: 4 million predictions


_NO_MATPLOTLIB = 'glassnet.plots requires matplotlib: pip install "glassnet[plots]"'


def _require_matplotlib():
    """Import matplotlib, or raise an ImportError that says how to install it
    (called first by every plot, before its own matplotlib imports)."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(_NO_MATPLOTLIB) from None
    return matplotlib


def _new_figure(figsize):
    """A Figure with an Agg canvas, independent of pyplot's state."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(_NO_MATPLOTLIB) from None
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _figure_and_axes(ax, figsize):
    """``ax`` (a user's Axes, checked) and its Figure; None: a new Figure of ``figsize`` and its one Axes."""
    if ax is None:
        fig = _new_figure(figsize)
        return fig, fig.add_subplot()
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (such as plt.subplots()[1]). Received: ax={ax!r:.100}")
    return ax.figure, ax


def _remove_colorbars(ax):
    """Remove the colour bars of what ``ax`` shows: drawn into again, it gets one colour bar, not two."""
    for old in ax.images + ax.collections:
        if getattr(old, "colorbar", None) is not None:
            old.colorbar.remove()


def save_figure(fig, path, dpi=100):
    """Save ``fig`` to ``path`` atomically; the format follows the extension
    (``.png``, ``.svg``, ``.pdf``)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:  # then fig cannot be a Figure either
        Figure = ()
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure. Received: fig={fig!r:.100}")
    path = check_path(path, "path")
    dpi = check_number(dpi, "dpi", low=1, high=2000)
    ext = os.path.splitext(path)[1].lower()
    if ext not in _FORMATS:
        raise ValueError(f"path must end with one of {', '.join(_FORMATS)}. Received: path={path!r}")
    atomic_write(path, lambda fh: fig.savefig(fh, format=_FORMATS[ext], dpi=dpi))
    return path


def _finish(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


# --- training --------------------------------------------------------------------------

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


def _plain(name):
    """``name`` (a metric's key, a class label, a feature's name) as text that matplotlib draws as it is:
    its ``$`` escaped, where two of them made it mathtext ("$x$" drawn as an italic x, and "$x^$" a
    ParseException from savefig)."""
    return str(name).replace("$", r"\$")


def _readable(name):
    """A panel's quantity in words: "learning_rate" → "learning rate η", "binary_accuracy" → "binary accuracy"."""
    return READABLE_NAMES.get(name, name.replace("_", " "))


def _log_scale(ax, low, high):
    """Draw ``ax``'s y axis on a log scale that shows ``low..high`` (> 0), also where matplotlib's own
    limits and ticks overflow: it pads the limits by 5% of their decades (1e-300..1e300 padded past
    1e308 became inf: a RuntimeWarning, and an axis left at 1..10 that showed none of the values), and
    its tick locator computes decades beyond the top (for 1e300: 1e420, another overflow warning)."""
    from matplotlib.ticker import LogLocator

    class QuietLogLocator(LogLocator):  # its decades past 1e308 are inf: left out (the formatter fails on them)
        def tick_values(self, vmin, vmax):
            with np.errstate(over="ignore"):
                ticks = super().tick_values(vmin, vmax)
            return ticks[np.isfinite(ticks)]

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


def _class_values(y, name):
    """Class labels from labels (numbers or text), one-hot rows or probabilities; NaN,
    nothing (None, []) and continuous values that are not probabilities are errors."""
    y = np.asarray(y)
    if y.ndim == 0:  # None became the class "None"
        raise TypeError(f"{name} must be an array-like of class labels, one-hot rows or probabilities. "
                        f"Received: {name}={y.item()!r:.100}")
    if y.size == 0:
        raise ValueError(f"{name} is empty; at least one sample is required.")
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        raise ValueError(f"{name} contains NaN or infinite values; a class cannot be read from them.")
    if y.dtype.kind == "f" and (y.ndim == 1 or y.shape[1] == 1) and (y != np.round(y)).any() \
            and ((y < 0) | (y > 1)).any():  # regression outputs were read as 0/1 at 0.5
        bad = y[(y < 0) | (y > 1)].flat[0]
        raise ValueError(f"{name} holds continuous values outside [0, 1] (such as {bad:.4g}): neither class labels "
                         "nor probabilities. Pass predicted labels, e.g. np.sign(outputs) for signed labels.")
    if y.dtype.kind in "US":
        return y.reshape(-1)
    if y.dtype == object:
        return y.reshape(-1).astype(str)
    return _labels(y)


def _labels(y):
    """Class labels from labels, one-hot rows or probabilities."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    y = y.reshape(-1)
    if np.issubdtype(y.dtype, np.floating) and not np.all(y == np.round(y)):
        return (y >= 0.5).astype(int)
    return y.astype(int)


def _is_regressor(model):
    try:
        return model.__sklearn_tags__().estimator_type == "regressor"
    except Exception:  # not a scikit-learn estimator (or an old one)
        return getattr(model, "_estimator_type", None) == "regressor"


def _check_title(title):
    """``title`` as given: None (the default title) or a string; mathtext between two ``$`` is checked
    here, not in savefig (where "$x^$" raised matplotlib's ParseException after the plot was made)."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None. Received: title={title!r:.100}")
    from matplotlib.cbook import is_math_text

    if title and is_math_text(title):
        from matplotlib.mathtext import MathTextParser

        try:
            MathTextParser("path").parse(title)
        except ValueError as error:
            raise ValueError(f"title holds mathtext that matplotlib cannot read ({str(error).splitlines()[-1]:.120}); "
                             rf"write a literal dollar sign as \$. Received: title={title!r:.100}") from None
    return title


def _per_point(out, n, what, numbers=True):
    """``out``, a model's output for ``n`` points, as ``(n, k)`` floats (``numbers=False``: as
    given, labels too); output of another length (a model for another input, a predict that
    returns None) is refused, naming ``what``."""
    try:
        S = np.asarray(out, dtype=float if numbers else None)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must return numbers, one row per point. Received: {out!r:.100}") from None
    if S.ndim == 0 or S.shape[0] != n:
        raise ValueError(f"{what} must return one row per point: for {n} points it returned an array "
                         f"of shape {S.shape}.")
    return S.reshape(n, -1)


def _scores(model, X):
    """The model's scores over ``X``: ``(S, threshold, name)``.

    ``S`` has shape (n, k); with one or two columns, ``threshold`` is the
    decision value of the last column (0.5 for probabilities, 0 for decision
    values and outputs that can be negative, None for a regressor's output)
    and ``name`` labels the colour bar."""
    classes = getattr(model, "classes_", None)
    positive = f"P({classes[-1]})" if classes is not None and len(classes) == 2 else "P(class 1)"
    if hasattr(model, "predict_proba"):
        return _per_point(model.predict_proba(X), len(X), "model.predict_proba(X)"), 0.5, positive
    if hasattr(model, "decision_function"):  # classic Perceptron, Adaline, linear SVMs: the boundary is net = 0
        return _per_point(model.decision_function(X), len(X), "model.decision_function(X)"), 0.0, "decision value"
    if not hasattr(model, "predict"):
        raise TypeError(f"model must have predict_proba(X), decision_function(X) or predict(X). "
                        f"Received: {type(model).__name__}")
    out = _per_point(model.predict(X), len(X), "model.predict(X)", numbers=False)
    if classes is not None:  # predicted labels: one-hot rows of their index in classes_
        return np.eye(len(classes))[_indices(out.reshape(-1), classes, "predict(X)")], 0.5, f"predicts {classes[-1]}"
    S = _per_point(out, len(X), "model.predict(X)")
    if _is_regressor(model):
        return S, None, "output"
    layers = getattr(model, "layers", None) or [None]
    low, high = getattr(getattr(layers[-1], "activation", None), "output_range", (S.min(), S.max()))
    loss = getattr(model, "loss", None)
    if getattr(loss, "from_logits", False):
        return S, 0.0, "logit"
    if isinstance(loss, _SignedLabelLoss):  # hinge, perceptron, log_loss: ±1 labels, the class is the sign
        return S, 0.0, "decision value"
    if low >= 0 and high <= 1:
        return S, 0.5, positive
    if low >= -1 and high <= 1:  # tanh, sign, bipolar sigmoid: ±1 targets, the boundary is 0
        return S, 0.0, "output"
    return S, (None if S.shape[1] == 1 else 0.0), "output"  # one unbounded (linear) output: a regression


def _indices(labels, classes, name):
    """The index of each label in ``classes``; a label not among them is an error."""
    text = labels.dtype.kind in "US"
    lookup = {(str(c) if text else c): i for i, c in enumerate(np.asarray(classes).tolist())}
    unknown = sorted({v for v in labels.tolist() if v not in lookup}, key=str)
    if unknown:
        raise ValueError(f"{name} holds labels that are not among the classes {list(lookup)!r:.200}: "
                         f"{unknown[:5]!r:.200}")
    return np.array([lookup[v] for v in labels.tolist()], dtype=int)


def _point_classes(y, classes, k):
    """Class indices 0..k-1 of ``y`` and the class names (None: the indices)."""
    labels = _class_values(y, "y")
    if np.ndim(y) == 2 and np.shape(y)[1] > 1:  # one-hot rows or probabilities: already indices
        names, idx = classes, labels
        found = np.shape(y)[1]
    elif classes is not None:  # an estimator's classes_ number the classes (and the regions)
        return _indices(labels, classes, "y"), classes
    elif labels.dtype.kind in "iu" and k <= 2 and np.isin(labels, [-1, 0, 1]).all():
        return (labels > 0).astype(int), ([-1, 1] if (labels < 0).any() else None)  # 0/1 and −1/+1 alike
    elif labels.dtype.kind in "iu" and labels.min(initial=0) >= 0 and labels.max(initial=0) < k:
        return labels, None
    else:
        names, idx = np.unique(labels, return_inverse=True)  # text or other numbers: sorted, as classes_
        found = len(names)
    if found > k:  # a class the model has no region (and no colour) for
        raise ValueError(f"y holds {found} classes, but the model's output separates {k}: "
                         f"is y from another data set?")
    return idx.reshape(-1), names


def plot_decision_boundary(model, X, y=None, resolution=200, ax=None, title=None, path=None):
    """The decision surface of a 2-D classifier with the data on top.

    Parameters
    ----------
    model : glassnet model or estimator
        Anything with ``predict_proba(X)`` (scikit-learn, glassnet.sklearn),
        ``decision_function(X)`` (the classic Perceptron and Adaline) or
        ``predict(X)`` (a glassnet ``Sequential``'s scores, or the labels of
        an estimator with ``classes_``).
    X : array-like, shape (n, 2)
    y : array-like, optional
        Labels (0/1, ±1, integers, text or one-hot rows) to colour the points.
        With the model's ``classes_`` a label is coloured as its class;
        without, text and integers other than 0..k-1 are numbered in sorted order.
    resolution : int
        Grid points per axis, at most 2000.
    ax : matplotlib Axes, optional
        Draw into an existing Axes instead of a new Figure (drawing again
        into it replaces the colour bar).

    Two classes: the colour is P(class 1) with the 0.5 contour as the
    boundary; for decision values and outputs that can be negative (tanh,
    ±1 targets, logits, a linear output trained with ``hinge``, ``perceptron``
    or ``log_loss``) the boundary is the 0 contour (of z1 − z0 for two
    such outputs, where the larger one wins), and the colour scale is
    centred on the boundary; a legend names the points' two colours. More classes: the colour of the most likely
    class, named in a legend beside the plane. A regressor (a scikit-learn-style regressor,
    or a glassnet model whose single output is unbounded, such as a linear
    one) has no boundary: its output surface is drawn without a contour and
    the points are coloured by ``y`` on the same scale.
    """
    _require_matplotlib()
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, Normalize, TwoSlopeNorm
    from matplotlib.lines import Line2D

    X = check_array(X, "X", ndim=2)
    title = _check_title(title)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 features for a decision-boundary plot. Received shape {X.shape}.")
    resolution = check_positive_int(resolution, "resolution")
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2 (a grid to draw contours on). Received: resolution={resolution}")
    own = ax is None
    fig, ax = _figure_and_axes(ax, (5, 4.5))
    if resolution > MAX_RESOLUTION:
        raise ValueError(
            f"resolution must be at most {MAX_RESOLUTION} (the grid has resolution² points). "
            f"Received: resolution={resolution}"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        span, scale = X.max(0) - X.min(0), np.abs(X).max(0)
        # a 10% margin; a constant column (or one point) gets a window around its value, not 2e-9 wide
        # (which is no width at all beside 1e29: a singular axis, and a grid of one value)
        pad = np.where(span > 1e-6 * scale, 0.1 * span, 0.5 + 0.1 * scale)
        lo, hi = X.min(0) - pad, X.max(0) + pad
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise ValueError(f"X spans too wide a range for a plane to draw (largest |x| = {np.abs(X).max():.3g}); "
                         "rescale it.")
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    P, threshold, name = _scores(model, np.column_stack([g1.ravel(), g2.ravel()]))
    if not np.isfinite(P).all():
        raise ValueError("The model's outputs over the plane are NaN or infinite (did its training diverge?); "
                         "there is no boundary to draw.")
    _remove_colorbars(ax)
    classes = getattr(model, "classes_", None)
    if threshold is None:  # a regression: the output surface, the points' y on its scale
        if P.shape[1] > 1:
            raise ValueError(f"The regressor has {P.shape[1]} outputs; plot_decision_boundary draws one output surface.")
        p = P[:, 0].reshape(g1.shape)
        values = p if y is None else check_array(y, "y", ndim=None, dtype=np.float64).reshape(-1)
        if y is not None and len(values) != len(X):
            raise ValueError(f"X and y must have the same number of samples. Received {len(X)} and {len(values)}.")
        low, high = min(p.min(), values.min()), max(p.max(), values.max())
        levels = np.linspace(low, max(high, low + 1e-12 * (1 + abs(low))), 21)  # a constant output: a sliver
        mesh = ax.contourf(g1, g2, p, levels=levels, cmap="viridis", alpha=0.8)
        fig.colorbar(mesh, ax=ax, label=name, ticks=levels[::4])
        if y is not None:
            ax.scatter(X[:, 0], X[:, 1], c=values, cmap="viridis", norm=Normalize(levels[0], levels[-1]),
                       edgecolors="k", s=18)
    elif P.shape[1] <= 2:
        if P.shape[1] == 2 and threshold != 0.5:  # two logits or outputs: the larger wins, the boundary is z1 = z0
            P, name = P[:, 1:] - P[:, :1], f"{name} difference"
        p = P[:, -1].reshape(g1.shape)
        if threshold == 0.5:  # probabilities
            vmin, vmax = 0.0, 1.0
        else:  # decision values: the colour scale is centred on 0, the boundary
            margin = 1e-9 * (1 + np.abs(p).max())
            vmin, vmax = min(p.min(), -margin), max(p.max(), margin)
        levels = np.concatenate([np.linspace(vmin, threshold, 11), np.linspace(threshold, vmax, 11)[1:]])
        norm = TwoSlopeNorm(threshold, vmin, vmax)
        mesh = ax.contourf(g1, g2, p, levels=levels, cmap="RdBu_r", norm=norm, alpha=0.8)
        if p.min() < threshold < p.max():
            ax.contour(g1, g2, p, levels=[threshold], colors="k", linewidths=1.5)
        fig.colorbar(mesh, ax=ax, label=name, ticks=levels[::5])
        if y is not None:
            labels, names = _point_classes(y, classes, 2)
            if len(labels) != len(X):
                raise ValueError(f"X and y must have the same number of samples. Received {len(X)} and {len(labels)}.")
            points = ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="RdBu_r", vmin=-0.25, vmax=1.25, edgecolors="k", s=18)
            names = [_plain(c) for c in names] if names is not None and len(names) == 2 else ["0", "1"]
            ax.legend(handles=[Line2D([], [], ls="", marker="o", color=points.to_rgba(i), mec="k", label=names[i])
                               for i in np.unique(labels)], title="class", fontsize="small")  # the points' colours
    else:
        k = P.shape[1]
        cls = np.argmax(P, axis=1).reshape(g1.shape)
        # one colour per class: tab10's, tab20's, then k hues (a class beyond the map took its last colour)
        cmap = ListedColormap(colormaps["tab10" if k <= 10 else "tab20"].colors[:k]) if k <= 20 \
            else colormaps["turbo"].resampled(k)
        ax.contourf(g1, g2, cls, levels=np.arange(k + 1) - 0.5, cmap=cmap, vmin=-0.5, vmax=k - 0.5, alpha=0.45)
        names = classes
        if y is not None:
            labels, names = _point_classes(y, classes, k)
            if len(labels) != len(X):
                raise ValueError(f"X and y must have the same number of samples. Received {len(X)} and {len(labels)}.")
            ax.scatter(X[:, 0], X[:, 1], c=labels, cmap=cmap, vmin=-0.5, vmax=k - 0.5, edgecolors="k", s=18)
        names = [_plain(c) for c in names] if names is not None and len(names) == k else [str(i) for i in range(k)]
        ax.legend(handles=[Line2D([], [], ls="", marker="o", color=cmap(i), mec="k", label=c)
                           for i, c in enumerate(names)], fontsize="small", title="class",
                  loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)  # beside the plane, not on its points
        if own:  # room for the legend: the plane keeps its size
            fig.set_figwidth(fig.get_figwidth() + 1.0 + 0.07 * max(map(len, names)))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or ("model output (a regression)" if threshold is None else "decision boundary"))
    return _finish(fig, path)


#: classes up to which the confusion matrix names every row and writes every count in its cell
MAX_ANNOTATED_CLASSES = 30
_COUNT = "glassnet.confusion_count"  # the gid of the counts in the cells


def plot_confusion_matrix(y_true, y_pred, labels=None, normalize=False, path=None, ax=None):
    """``C[i, j]``: samples of true class i predicted as j, annotated with the counts
    (up to :data:`MAX_ANNOTATED_CLASSES` classes; beyond, colours only).

    ``y_true`` and ``y_pred`` may be labels, one-hot rows or probabilities
    (the largest column, or ≥ 0.5 for one column, is the class; each column is
    a class of the matrix, also one that no sample is of).
    ``normalize=True`` shows each row as fractions of its true class, on a
    colour scale from 0 to 1 (one plot's colours compare with another's).

    labels : sequence, optional
        Labels of the same kind as the data (numbers for numbers, text for
        text) that list every label of the data are the classes in the order
        to show, as scikit-learn's ``labels=`` (``[2, 1, 0]`` reverses the
        rows of 0..2). Otherwise, for class indices (one-hot rows,
        probabilities, integer labels whose smallest is 0, or that ``labels``
        covers as 0..k-1), a name for each index, in index order; text
        labels must all be listed; text names for other numeric labels
        (±1, 1..k) name their sorted values.
    ax : matplotlib Axes, optional
        Draw into an existing Axes instead of a new Figure (drawing again
        into it replaces the colour bar).
    """
    from .metrics import confusion_matrix

    _require_matplotlib()
    t, p = _class_values(y_true, "y_true"), _class_values(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true and y_pred must have the same length. Received {len(t)} and {len(p)}.")
    text = [a.dtype.kind in "US" for a in (t, p)]
    if text[0] != text[1]:
        kinds = ["text" if is_text else "numbers" for is_text in text]
        raise ValueError(f"y_true and y_pred must be the same kind of labels: received {kinds[0]} and {kinds[1]}. "
                         "Map the predictions to the class names first.")
    # probabilities read at 0.5 are 0/1: a 0 among the predictions of ±1 labels (not y_pred = [1] for y_true = [-1])
    if t.dtype.kind in "iu" and p.dtype.kind in "iu" and t.size and t.min() < 0 and (p == 0).any() and not (t == 0).any():
        raise ValueError("y_true holds signed labels (such as ±1) but y_pred other values (probabilities are read as "
                         "0/1 at 0.5): pass predicted labels, e.g. np.sign(outputs).")
    data = np.concatenate([t, p])
    # one-hot rows or probabilities: their columns are the classes, the last ones too where no sample is of them
    width = max((np.shape(a)[1] for a in (y_true, y_pred) if np.ndim(a) == 2 and np.shape(a)[1] > 1), default=0)
    if isinstance(labels, numbers.Number) or (labels is not None and not hasattr(labels, "__iter__")):
        raise TypeError(f"labels must be a sequence of class names, such as ['cat', 'dog']. Received: "
                        f"labels={labels!r:.100}")
    given = None if labels is None else np.asarray(list(labels))
    same_kind = given is not None and (given.dtype.kind in "US") == text[0]
    listed = same_kind and np.isin(data, given).all()  # numbers that list every label: the classes, as sklearn
    if not text[0] and not listed and (data.size == 0 or data.min() == 0 or width
                                       or (given is not None and data.min() >= 0 and data.max() < len(given))):
        classes = None  # class indices 0..k-1: the matrix is indexed by them, labels name them
        t_idx, p_idx = t, p
    else:
        if same_kind:  # the classes, in the order to show
            classes = given.astype(str) if text[0] else given
            missing = np.setdiff1d(data, classes)
            if missing.size:
                raise ValueError(f"labels must list every class of the data; it lacks {missing[:5].tolist()!r:.200}.")
        else:  # sorted values: ±1, other integers or text
            classes = np.unique(data)
        t_idx, p_idx = _indices(t, classes, "y_true"), _indices(p, classes, "y_pred")
        if given is None or same_kind:
            labels = classes
    if labels is not None:
        labels = [_plain(v) for v in labels]
    k = len(labels) if labels is not None else None
    found = max(int(max(t_idx.max(), p_idx.max())) + 1, width) if classes is None else len(classes)
    if k is not None and (found > k or (classes is not None and found != k)):
        raise ValueError(f"labels names {k} classes, but the data has {found}. Give one name per class.")
    C = confusion_matrix(t_idx, p_idx, num_classes=k or found)
    k = C.shape[0]
    shown = C / np.maximum(C.sum(axis=1, keepdims=True), 1) if check_bool(normalize, "normalize") else C
    annotated = k <= MAX_ANNOTATED_CLASSES
    side = min(k, MAX_ANNOTATED_CLASSES)  # the figure stops growing where the annotations stop
    fig, ax = _figure_and_axes(ax, (1.0 + 0.55 * side, 0.8 + 0.5 * side) if k > 6 else (4.5, 4))
    _remove_colorbars(ax)
    for count in [t for t in ax.texts if t.get_gid() == _COUNT]:  # a matrix drawn before: its counts showed through
        count.remove()
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)  # fractions: the whole 0..1
    fig.colorbar(im, ax=ax, label="fraction of the true class" if normalize else "samples")
    if annotated:  # (beyond, matplotlib's own ticks: a name per row would be unreadable)
        names = labels or [str(i) for i in range(k)]
        long = k * max(map(len, names), default=0) > 24  # the names would overlap side by side
        ax.set_xticks(range(k), names, rotation=45 if long else 0, ha="right" if long else "center")
        ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"confusion matrix (accuracy {np.trace(C) / max(C.sum(), 1):.3f})")
    top = shown.max() if shown.size else 0
    for i in range(k if annotated else 0):
        for j in range(k):
            text = f"{shown[i, j]:.2f}" if normalize else str(C[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8 if k > 6 else 10,
                    color="white" if shown[i, j] > 0.6 * top else "black", gid=_COUNT)
    return _finish(fig, path)


def _image_shape(shape, n, holds):
    """``shape`` checked as (height, width) of ``n`` pixels; None: square. ``holds`` says what has
    the ``n`` values ("the weights have {n} inputs")."""
    if shape is None:
        side = math.isqrt(n)
        if side * side != n:
            raise ValueError(f"Cannot infer a square image shape: {holds.format(n=n)}; pass shape=(height, width).")
        return side, side
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"shape must be (height, width). Received: shape={shape!r:.100}")
    shape = tuple(check_positive_int(v, "shape") for v in shape)
    if shape[0] * shape[1] != n:
        raise ValueError(f"shape={shape} holds {shape[0] * shape[1]} pixels, but {holds.format(n=n)}.")
    return shape


def _names(values, n, name, what):
    """``values`` as a list of ``n`` names, one per ``what`` (a list, tuple or array; a string is not a
    list of names)."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or np.ndim(values) != 1:
        raise TypeError(f"{name} must be a list of {n} names. Received: {name}={values!r:.100}")
    if len(values) != n:
        raise ValueError(f"{name} must name each of the {n} {what}. "
                         f"Received {len(values)}: {list(values)!r:.100}")
    return [_plain(v) for v in values]


#: plot_weights' images share this many inches of width (beyond 10 columns of neurons they shrink)
MAX_WEIGHTS_WIDTH = 13
#: beyond this many neurons plot_weights draws their images as tiles of one picture (an Axes each: minutes)
MAX_WEIGHT_AXES = 100


def plot_weights(weights, shape=None, max_units=64, path=None):
    """The first layer's weights as images: one image per neuron (MNIST: 28×28).

    Parameters
    ----------
    weights : Sequential, estimator or array of shape (n_inputs, units)
        A model (its first layer with weights ``W``; a glassnet.sklearn
        estimator's ``model_``, a scikit-learn MLP's ``coefs_[0]``, a linear
        model's ``coef_``) or ``W`` itself.
    shape : tuple (height, width), optional
        Image shape of one column of ``W`` (default: square, √n_inputs).
    max_units : int
        Show at most this many neurons.

    Each image is drawn on a diverging scale symmetric about 0: red
    pixels excite the neuron, blue ones inhibit it. Beyond 10 columns of
    images they shrink to fit 13 inches; beyond :data:`MAX_WEIGHT_AXES`
    (100) neurons they are tiles of one picture, numbered along its edges.
    """
    W = weights = getattr(weights, "model_", weights)  # a glassnet.sklearn estimator's network
    if hasattr(weights, "fit") and not hasattr(weights, "layers"):
        if hasattr(weights, "coef_"):  # the classic Perceptron, Adaline: one row of weights per neuron
            W = np.asarray(weights.coef_).T
        elif hasattr(weights, "coefs_"):  # scikit-learn's MLPClassifier/MLPRegressor: W of each layer
            W = weights.coefs_[0]
        else:
            raise ValueError(f"{type(weights).__name__} has no network yet: fit it first, or pass a weight array "
                             "such as estimator.coefs_[0].")
    if hasattr(weights, "layers"):
        if hasattr(weights, "_ensure_built"):
            weights._ensure_built()  # a declared input size is enough, as for summary() and export()
        layer = next((l for l in weights.layers if "W" in getattr(l, "params", {})), None)
        if layer is None:
            raise ValueError("The model has no layer with weights W (is it built?).")
        W = layer.params["W"]
    W = check_array(W, "weights", ndim=2)
    n_in, units = W.shape
    shape = _image_shape(shape, n_in, "the weights have {n} inputs")
    units = min(units, check_positive_int(max_units, "max_units"))
    cols = math.ceil(math.sqrt(units))
    rows = math.ceil(units / cols)
    cell = min(1.3, MAX_WEIGHTS_WIDTH / cols)  # inches per image: many neurons share a page-wide figure
    fig = _new_figure((max(cell * cols + 0.8, 4.5), cell * rows + 0.4))  # wide enough for the title
    scale = float(np.abs(W[:, :units]).max()) or 1.0
    if not np.isfinite(2 * scale):  # matplotlib's colour scale spans vmax − vmin = 2·scale
        raise ValueError(f"weights holds values up to {scale:.3g}, too large for a colour scale; rescale them.")
    if units > MAX_WEIGHT_AXES:  # one picture of tiles, a grey line between them
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        h, w = shape
        im = ScalarMappable(Normalize(-scale, scale), colormaps["RdBu_r"])
        tiles = np.ones((rows * (h + 1) - 1, cols * (w + 1) - 1, 4))  # white where no neuron is left
        for j in range(units):
            r, c = divmod(j, cols)
            tiles[r * (h + 1):(r + 1) * (h + 1), c * (w + 1):(c + 1) * (w + 1)] = (0.6, 0.6, 0.6, 1)
            tiles[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = im.to_rgba(W[:, j].reshape(shape))
        axes = fig.add_subplot()
        axes.imshow(tiles, interpolation="nearest")
        axes.set_xticks(np.arange(cols) * (w + 1) + (w - 1) / 2, range(cols))
        axes.set_yticks(np.arange(rows) * (h + 1) + (h - 1) / 2, range(0, units, cols))
        axes.tick_params(length=0, labelsize=7)
        axes.set_xlabel("neuron = its row's number + its column's")
    else:
        axes = fig.subplots(rows, cols, squeeze=False)
        for j, ax in enumerate(axes.ravel()):
            ax.set_axis_off()
            if j < units:
                im = ax.imshow(W[:, j].reshape(shape), cmap="RdBu_r", vmin=-scale, vmax=scale)
                ax.set_title(str(j), fontsize=7)
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
    fig.suptitle("first-layer weights, one image per neuron")
    return _finish(fig, path)


# --- classic demos ---------------------------------------------------------------------

#: beyond this a diverging path is off any readable scale (and its padding and f overflow)
LARGEST_DRAWN = 1e100


def _drawn_values(values):
    """Values as floats, with nan (not drawn) for non-finite or off-scale ones."""
    values = np.asarray(values, dtype=float)
    return np.where(np.abs(values) <= LARGEST_DRAWN, values, np.nan)


def _drawable(trace):
    """The iterates (x_k, f(x_k)) of ``trace`` that can be drawn: a diverging path leaves
    the finite numbers (and any readable scale) after a few dozen steps."""
    x = np.asarray(trace.x, float).reshape(len(trace.x), -1)
    fx = _drawn_values(trace.fx).reshape(len(x))
    keep = ~np.isnan(fx) & ~np.isnan(_drawn_values(x)).any(axis=1)
    return x[keep], fx[keep]


#: a diverging path is drawn while it spans at most this many times its first step (seed 000's
#: 12 steps at η = 1.05 span 2.9 times theirs); beyond, its start would shrink to a blob
DIVERGING_VIEW = 4
#: plot_descent's 2-D paths show their direction with arrow heads on this many first steps
ARROWS = 3
#: ... each at least this share of the drawn area long (of its longer side; of each side where the
#: scales are not equal): Adam's and RMSprop's first steps are about η long whatever the gradient,
#: and with η = 0.01 the heads of three of them (0.014 each) were drawn under the start's square
ARROW_LENGTH = 0.05
#: the gid of plot_descent's path lines: a path drawn into an Axes that holds some takes the next colour
_DESCENT_PATH = "glassnet.descent_path"
#: plot_descent joins at most this many first steps of a 1-D path by arrows (an arrow each took
#: 3 s for 100 steps, 11 s for 1000)
MAX_ARROWS = 30


def _in_view(x, trace):
    """How many iterates of ``x`` (``trace``'s drawable ones) to draw, and what to say of the rest.

    A diverging path is drawn while it spans at most :data:`DIVERGING_VIEW` times its first step
    (x0, x1, x2 at least), so that its start stays readable; then the text says how far it goes,
    such as "diverges: |x| reaches 3.8e+08 after 200 steps". Other paths are drawn whole (None)."""
    spans = (np.maximum.accumulate(x) - np.minimum.accumulate(x)).max(axis=1)
    n = len(x) if len(x) < 4 or not spans[1] > 0 else max(3, int(np.sum(spans <= DIVERGING_VIEW * spans[1])))
    if trace.verdict != "diverges" or n == len(x):  # (spans grow: the kept iterates are the first n)
        return len(x), None
    overflows = ", then overflows" if len(x) < len(trace.x) else ""
    return n, f"diverges: |x| reaches {np.linalg.norm(x, axis=1).max():.2g} after {len(x) - 1} steps{overflows}"


def _arrow_steps(x, scale, most=ARROWS):
    """``[(k, j)]``: up to ``most`` arrows along the 2-D path ``x``, each from x_k to the first later
    iterate at least :data:`ARROW_LENGTH` from it, lengths measured in units of ``scale`` (the drawn
    area's spans), the next one from x_j on. Long steps get an arrow each (j = k + 1); short ones
    are joined until they are long enough to be seen. A path that never gets that far from x_0
    gets one arrow, to its farthest iterate."""
    arrows, k = [], 0
    while len(arrows) < most and k < len(x) - 1:
        far = np.linalg.norm((x[k + 1:] - x[k]) / scale, axis=1)
        if not far.max() > 0:
            break
        j = k + 1 + (int(np.argmax(far >= ARROW_LENGTH)) if far.max() >= ARROW_LENGTH else int(np.argmax(far)))
        arrows.append((k, j))
        if far.max() < ARROW_LENGTH:
            break
        k = j
    return arrows


def _values_of(f, points):
    """f at each point, as floats: one real number per point, or a named error. The points are the
    plot's grid, beyond the iterates and maybe outside f's domain (log(x) at x < 0): NumPy's warnings
    there are no news, and the NaN and inf they make are left out of the drawing."""
    values = []
    for x in points:
        with np.errstate(all="ignore"):
            y = f(x)
        try:
            if y is None or isinstance(y, (str, bytes)):
                raise TypeError
            values.append(float(np.asarray(y, dtype=float).reshape(())))
        except (TypeError, ValueError):
            at = np.ravel(x).tolist()
            raise ValueError(f"f must return one real number for each x. At x={at[0] if len(at) == 1 else at} "
                             f"it returned {y!r:.100}") from None
    return values


def plot_descent(trace, f=None, path=None, ax=None):
    """Gradient descent's path on ``f`` (seed 000's tables as a picture).

    Parameters
    ----------
    trace : DescentTrace or dict of {label: DescentTrace}
        From :func:`glassnet.descent.gradient_descent` (or ``compare_optimizers``).
    f : callable or str, optional
        The function, to draw its curve (1-D) or contour lines (2-D), or an
        expression such as ``"x**2"`` (read by :func:`glassnet.expr.parse`,
        as :func:`~glassnet.descent.gradient_descent` reads it); without it
        only the path is drawn.
    ax : matplotlib Axes, optional
        Draw into an existing Axes instead of a new Figure.

    1-D: the curve f(x) with the iterates (x_k, f(x_k)), the first
    :data:`MAX_ARROWS` (30) steps joined by arrows;
    2-D: contour lines of f with the path of x_k, on equal scales (unless
    the drawn area is over 10 times wider than high, or the other way), so
    that the steps along −∇f cross the contour lines at right angles, with
    arrow heads on the first :data:`ARROWS` (3) steps, each at least
    :data:`ARROW_LENGTH` (5%) of the drawn area long (shorter steps, such as
    Adam's first ones at a small η, are joined into one arrow until they are).
    A square marks the start x₀ and a star the end. Paths drawn into an
    ``ax`` that holds some already take the next colours.

    A diverging path is drawn while it spans at most :data:`DIVERGING_VIEW`
    (4) times its first step, so that its start stays readable (seed 000's
    12 steps at η = 1.05 are all drawn); a dotted line shows where it
    leaves, and the legend says how far it goes ("η = 1.05 (diverges: |x|
    reaches 3.8e+08 after 200 steps)").
    """
    _require_matplotlib()
    from matplotlib.lines import Line2D

    if isinstance(f, str):  # "x**2", as gradient_descent and glassnet descend take it
        from .expr import parse

        f = parse(f)
    if f is not None and not callable(f):
        raise TypeError(f"f must be a function of x, an expression such as 'x**2', or None. Received: f={f!r:.100}")
    traces = trace if isinstance(trace, dict) else {None: trace}
    first = next(iter(traces.values()), None)
    if first is None or not hasattr(first, "x") or not hasattr(first, "fx"):
        raise TypeError(f"trace must be a DescentTrace or a dict of them. Received: {type(trace).__name__}")
    dims = {np.reshape(t.x, (len(t.x), -1)).shape[1] for t in traces.values()}
    if len(dims) != 1 or next(iter(dims)) not in (1, 2):
        raise ValueError("plot_descent draws paths in 1-D or 2-D only, all of the same dimension.")
    one_d = dims == {1}
    paths = {label: _drawable(t) for label, t in traces.items()}
    views = {label: _in_view(paths[label][0], t) for label, t in traces.items()}
    points = np.concatenate([x[:views[label][0]] for label, (x, _) in paths.items()])
    if len(points) == 0:
        raise ValueError(f"plot_descent: no iterate is finite and within ±{LARGEST_DRAWN:g}; nothing to draw.")
    fig, ax = _figure_and_axes(ax, (6, 4.5))
    lo, hi = points.min(0), points.max(0)
    pad = 0.15 * (hi - lo) + 0.5
    spans = hi - lo + 2 * pad
    equal = spans.max() <= 10 * spans.min()  # (2-D) one unit as long on both axes
    drawn = sum(line.get_gid() == _DESCENT_PATH for line in ax.get_lines())  # paths drawn before into ax
    for n, (label, t) in enumerate(traces.items()):
        color = f"C{drawn + n}"
        x, fx = paths[label]
        shown, far = views[label]
        text = _plain(label) if label else None
        name = f"{text or f'η = {t.learning_rate:g}'} ({far})" if far else text or f"η = {t.learning_rate:g} ({t.verdict})"
        if one_d:
            ax.plot(x[:shown, 0], fx[:shown], "o", color=color, ms=4, label=name, zorder=3, gid=_DESCENT_PATH)
            for k in range(min(shown - 1, MAX_ARROWS)):  # (beyond, the steps are points on the curve)
                ax.annotate("", (x[k + 1, 0], fx[k + 1]), (x[k, 0], fx[k]),
                            arrowprops=dict(arrowstyle="->", color=color, lw=1), zorder=2)
        else:
            ax.plot(x[:shown, 0], x[:shown, 1], "o-", color=color, ms=3, lw=1, label=name, zorder=3, gid=_DESCENT_PATH)
            for k, j in _arrow_steps(x[:shown], spans.max() if equal else spans):  # the direction, where it shows
                # (a black edge: a head in the path's colour is not seen on its points)
                ax.annotate("", x[j], x[k], arrowprops=dict(arrowstyle="-|>", fc=color, ec="k", lw=0.8,
                                                                 shrinkA=0, shrinkB=0, mutation_scale=14), zorder=4)
        at = np.column_stack([x[:, 0], fx if one_d else x[:, 1]])
        ax.scatter(*at[0], marker="s", s=90, facecolors="white", edgecolors=color, linewidths=1.5, zorder=4)
        if shown == len(t.x):  # drawn to its end (not cut, not overflowed)
            ax.scatter(*at[-1], marker="*", s=90, color=color, edgecolors="k", linewidths=0.5, zorder=5)
        if shown < len(x):  # where the path leaves the view: a dotted line along its next step, off the edge
            # (add_artist: clipped to the frame, and not counted in the limits)
            last, after = (np.array([x[k, 0], fx[k] if one_d else x[k, 1]]) for k in (shown - 1, shown))
            off = last + 10 * (after - last)
            ax.add_artist(Line2D([last[0], off[0]], [last[1], off[1]], ls=":", color=color, lw=1, zorder=2))
    if one_d:
        if f is not None:  # f gets x as the trace holds it: a number, or an array of one
            grid = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 400)
            point = (lambda v: v) if np.ndim(first.x) == 1 else (lambda v: np.array([v]))
            fx = _drawn_values(_values_of(f, (point(v) for v in grid)))
            ax.plot(grid, fx, "k-", lw=1, label="f(x)", zorder=1)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
    else:
        if f is not None:
            g1, g2 = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], 120),
                                 np.linspace(lo[1] - pad[1], hi[1] + pad[1], 120))
            F = _drawn_values(_values_of(f, (np.array([a, b]) for a, b in zip(g1.ravel(), g2.ravel())))).reshape(g1.shape)
            ax.contour(g1, g2, F, levels=20, cmap="viridis", linewidths=0.8, zorder=1)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        if equal:  # one unit is as long on both axes: −∇f crosses the contours at right angles
            ax.set_aspect("equal")
    optimizers = sorted({getattr(t, "optimizer", "gd") for t in traces.values()} - {"gd", "sgd"})
    ax.set_title(f"{optimizers[0]}: x ← x − Δ (the optimizer's step)" if len(optimizers) == 1
                 else "x ← x − Δ (the step of each optimizer in the legend)" if optimizers  # (all names ran off)
                 else "gradient descent: x ← x − η·∇f(x)")
    ax.grid(alpha=0.3)
    handles = ax.get_legend_handles_labels()[0] + [
        Line2D([], [], ls="", marker="s", ms=7, mfc="white", mec="k", label="start x₀"),
        Line2D([], [], ls="", marker="*", ms=10, color="grey", mec="k", mew=0.5, label="end")]
    ax.legend(handles=handles, fontsize="small")
    return _finish(fig, path)


def _images(patterns, shape, name):
    P = check_array(patterns, name, ndim=None)
    if P.ndim == 1:
        P = P[None, :]
    if P.ndim == 3:
        if shape is not None and (not isinstance(shape, (tuple, list)) or tuple(shape) != P.shape[1:]):
            raise ValueError(f"shape={shape!r:.100} does not match {name}'s images of shape {P.shape[1:]}.")
        return P
    if P.ndim != 2:
        raise ValueError(f"{name} must have shape (p, N) or (p, height, width). Received shape {P.shape}.")
    return P.reshape(len(P), *_image_shape(shape, P.shape[1], f"{name} has N={{n}} per pattern"))


#: rows of plot_hopfield_recall's figure: three images each
MAX_RECALL_ROWS = 50
#: inches of width that plot_hopfield_recall's images share (they shrink to fit)
MAX_RECALL_WIDTH = 16


def plot_hopfield_recall(stored, noisy, recalled, shape=None, labels=None, trace=None, path=None):
    """Hopfield recall side by side: the stored pattern, the noisy start and
    what the network recalled, one row per pattern (+1 black, −1 white).

    Parameters
    ----------
    stored, noisy, recalled : array-like, shape (p, N) or (p, height, width)
        Bipolar patterns, row ``i`` of each belonging together; at most
        :data:`MAX_RECALL_ROWS` (50) rows: pass a slice of a larger set.
        Many rows are laid out in blocks side by side (about √(p/2)
        blocks: 18 patterns in 3 blocks of 6 rows), 16 inches wide at most.
    shape : tuple, optional
        Image shape for flat patterns (default square).
    labels : list of str, optional
        A name per row (e.g. the bitmap names of ``load_bitmaps``).
    trace : HopfieldTrace, optional
        ``recall(..., return_trace=True)``'s trace: adds the energy
        E(s) = −½ sᵀWs of every state, which never rises in async mode.
    """
    S, N_, R = (_images(a, shape, n) for a, n in ((stored, "stored"), (noisy, "noisy"), (recalled, "recalled")))
    if not (len(S) == len(N_) == len(R)) or not (S.shape[1:] == N_.shape[1:] == R.shape[1:]):
        raise ValueError(f"stored, noisy and recalled must hold the same number of equal-shaped patterns. "
                         f"Received shapes {S.shape}, {N_.shape}, {R.shape}.")
    p = len(S)
    if p > MAX_RECALL_ROWS:
        raise ValueError(f"plot_hopfield_recall draws at most {MAX_RECALL_ROWS} patterns (one row each). "
                         f"Received {p}: pass a slice, such as stored[:10], noisy[:10], recalled[:10].")
    if labels is not None:
        labels = _names(labels, p, "labels", "pattern(s)")
    if trace is not None and not hasattr(trace, "energies"):
        raise TypeError("trace must be the HopfieldTrace of recall(..., return_trace=True). "
                        f"Received: {type(trace).__name__}")
    extra = 1 if trace is not None else 0
    blocks = max(1, round(math.sqrt(p / 2)))  # side by side, so that the figure is wider than high
    per = math.ceil(p / blocks)
    blocks = math.ceil(p / per)
    ratios = ([1, 1, 1, 0.25] * blocks)[:-1] + [2] * extra  # (a narrow gap between blocks)
    cell = min(2.0, MAX_RECALL_WIDTH / sum(ratios))
    fig = _new_figure((cell * sum(ratios), 0.95 * cell * per + 0.4))
    grid = fig.add_gridspec(per, len(ratios), width_ratios=ratios)
    for i in range(p):
        wrong = int(np.sum(R[i] != S[i]))
        block, row = divmod(i, per)
        for j, (img, title) in enumerate(((S[i], "stored"), (N_[i], "noisy"), (R[i], "recalled"))):
            ax = fig.add_subplot(grid[row, 4 * block + j])
            ax.imshow(img, cmap="gray_r", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title)
            if j == 0 and labels is not None:
                ax.set_ylabel(str(labels[i]))
            if j == 1:
                ax.set_xlabel(f"{int(np.sum(N_[i] != S[i]))} bits flipped", fontsize=8)
            if j == 2:
                ax.set_xlabel("exact" if wrong == 0 else f"{wrong} bits wrong", fontsize=8)
    if trace is not None:
        ax = fig.add_subplot(grid[:, -1])
        E = np.asarray(trace.energies)
        ax.plot(np.arange(len(E)), E.reshape(len(E), -1))
        ax.set_xlabel("update")
        ax.set_ylabel("energy E(s) = −½ sᵀWs")
        ax.set_title("energy during recall")
        ax.grid(alpha=0.3)
    return _finish(fig, path)


def _draw_map(ax, som, values, title, cmap, label):
    """Values of a SOM's neurons on its grid: squares, or hexagons on a hexagonal grid."""
    rows, cols = som.grid_shape_  # the fitted map's (grid and topology may have been set to others since)
    V = np.asarray(values, dtype=float).reshape(rows, cols)
    if som.topology_ == "hexagonal":
        from matplotlib.collections import PolyCollection

        C = som.coordinates_  # (row·√3/2, col + ½·(row odd))
        angles = np.deg2rad(np.arange(6) * 60 + 30)
        radius = 1 / math.sqrt(3)
        hexagon = radius * np.column_stack([np.cos(angles), np.sin(angles)])
        polys = [hexagon + (c[1], -c[0]) for c in C]
        coll = PolyCollection(polys, array=V.ravel(), cmap=cmap, edgecolors="face")
        ax.add_collection(coll)
        ax.set_xlim(-1, cols + 0.5)
        ax.set_ylim(-C[:, 0].max() - 1, 1)
        ax.set_aspect("equal")
        mappable = coll
    else:
        mappable = ax.imshow(V, cmap=cmap)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    ax.figure.colorbar(mappable, ax=ax, shrink=0.8, label=label)


def plot_som(som, feature_names=None, X=None, components=True, path=None, *, title=None):
    """A trained self-organizing map: its U-matrix and its component planes.

    Parameters
    ----------
    som : glassnet.classic.SOM
        Fitted.
    feature_names : list of str, optional
        Titles of the component planes.
    X : array-like, optional
        Data whose winner counts are marked on the U-matrix (marker area
        grows with the number of samples a neuron wins; a legend under the
        map shows the sizes of 1, about half the most and the most).
    components : bool
        Also draw one plane per input feature: weight k of every neuron.
    title : str, optional
        The U-matrix panel's title (default "U-matrix").

    The U-matrix shows each neuron's mean distance to its grid neighbours:
    light valleys are clusters, dark ridges the borders between them.
    """
    _require_matplotlib()
    from matplotlib.lines import Line2D

    if not hasattr(som, "weights_") or not hasattr(som, "u_matrix"):
        raise TypeError(f"som must be a fitted glassnet.classic.SOM. Received: {type(som).__name__}")
    W = som.weights_
    n_features = W.shape[1]
    names = [f"x{k + 1}" for k in range(n_features)] if feature_names is None else \
        _names(feature_names, n_features, "feature_names", "features")
    components = check_bool(components, "components")
    title = _check_title(title)
    panels = 1 + (n_features if components else 0)
    cols = min(panels, 4)
    rows = math.ceil(panels / cols)
    fig = _new_figure((3.3 * cols, 3.0 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    _draw_map(axes[0], som, som.u_matrix(), title or "U-matrix", "bone_r", "mean distance to the neighbours")
    if X is not None:
        hits = som.winner_map(X).ravel()
        C = som.coordinates_
        xs, ys = (C[:, 1], -C[:, 0]) if som.topology_ == "hexagonal" else (C[:, 1], C[:, 0])
        size = 60 * hits / max(hits.max(), 1)
        axes[0].scatter(xs[hits > 0], ys[hits > 0], s=size[hits > 0], c="tab:red", alpha=0.7,
                        clip_on=False)  # (the edge neurons' marks were cut in half)
        counts = sorted({1, (hits.max() + 1) // 2, hits.max()} - {0})  # what a mark's size means
        axes[0].legend(handles=[Line2D([], [], ls="", marker="o", ms=math.sqrt(60 * c / hits.max()), color="tab:red",
                                       alpha=0.7, label=str(c)) for c in counts],
                       title="samples won", fontsize="small", title_fontsize="small", ncols=len(counts),
                       loc="upper center", bbox_to_anchor=(0.5, -0.02), borderaxespad=0, handletextpad=0.2)
    if components:
        for k in range(n_features):
            _draw_map(axes[k + 1], som, W[:, k], f"component plane: {names[k]}", "viridis", f"weight {k + 1}")
    for ax in axes[panels:]:
        ax.set_axis_off()
    return _finish(fig, path)
