"""Gradient descent's path on f (:func:`plot_descent`): the curve or contour lines of f, the iterates
and the direction of the first steps, a diverging path while its start stays readable."""

import numpy as np

from ._figure import _figure_and_axes, _finish, _plain, _require_matplotlib


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
        from ..expr import parse

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
