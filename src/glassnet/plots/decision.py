"""The decision surface of a 2-D classifier with the data on top (:func:`plot_decision_boundary`), and
how a model's scores over the plane are read: probabilities, decision values, labels or a regression."""

import numpy as np

from .._validation import check_array, check_positive_int
from ..losses import _SignedLabelLoss
from ._classes import _class_values, _indices
from ._figure import _check_title, _figure_and_axes, _finish, _plain, _remove_colorbars, _require_matplotlib


MAX_RESOLUTION = 2000  # grid points per axis: 4 million predictions


def _is_regressor(model):
    try:
        return model.__sklearn_tags__().estimator_type == "regressor"
    except Exception:  # not a scikit-learn estimator (or an old one)
        return getattr(model, "_estimator_type", None) == "regressor"


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
        S = _per_point(model.decision_function(X), len(X), "model.decision_function(X)")
        # one column per class (or one for two); else they are no classes' scores (SVC's
        # decision_function_shape="ovo": one per pair of classes, whose largest colored 78 % of the plane
        # other than predict): the regions then come from predict
        if classes is None or len(classes) <= 2 or S.shape[1] == len(classes) or not hasattr(model, "predict"):
            return S, 0.0, "decision value"
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
    if y is not None and np.ndim(y) and len(y) != len(X):  # before the grid is predicted (a scalar: y's own error)
        raise ValueError(f"X and y must have the same number of samples. Received {len(X)} and {len(y)}.")
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
        if y is not None and len(values) != len(X):  # (n, 2) targets of a one-output regressor
            raise ValueError(f"y must hold one value per sample for the regressor's one output. "
                             f"Received shape {np.shape(y)}.")
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
