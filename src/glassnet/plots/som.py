"""A trained self-organizing map (:func:`plot_som`): its U-matrix, winner counts and component planes."""

import math

import numpy as np

from .._validation import check_bool
from ._figure import _check_title, _finish, _names, _new_figure, _require_matplotlib


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


#: the most component planes plot_som draws (the first features'): MNIST's 784 took 96 s in a 591-inch figure
MAX_COMPONENT_PLANES = 16


def _draw_prototypes(ax, som, shape):
    """Each neuron's weights as an image of ``shape`` at its grid position (a hexagonal grid's odd
    rows shifted by ½), all on one grey scale."""
    W = som.weights_
    C = som.coordinates_  # (row, col) or (row·√3/2, col + ½·(row odd))
    low, high = float(W.min()), float(W.max())
    half = (math.sqrt(3) / 4 if som.topology_ == "hexagonal" else 0.5) - 0.05  # (hexagonal rows lie √3/2 apart)
    for w, (r, c) in zip(W, C):
        ax.imshow(w.reshape(shape), cmap="gray_r", vmin=low, vmax=high if high > low else low + 1,
                  extent=(c - half, c + half, -r - half, -r + half), interpolation="nearest")
    ax.set_xlim(-0.5, C[:, 1].max() + 0.5)
    ax.set_ylim(-C[:, 0].max() - 0.5, 0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"prototypes: each neuron's weights as a {shape[0]}×{shape[1]} image", fontsize=9)


def _check_image_shape(image_shape, n_features):
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in image_shape):
        raise ValueError(f"image_shape must be (height, width), two positive integers. "
                         f"Received: image_shape={image_shape!r:.100}")
    h, w = (int(v) for v in image_shape)
    if h * w != n_features:
        raise ValueError(f"image_shape=({h}, {w}) holds {h * w} pixels, but the map's weights have {n_features} "
                         f"features; height·width must equal {n_features} (digits: (8, 8), MNIST: (28, 28)).")
    return h, w


def plot_som(som, feature_names=None, X=None, components=True, path=None, *, title=None, image_shape=None):
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
        Also draw one plane per input feature: weight k of every neuron (of the
        first :data:`MAX_COMPONENT_PLANES`, 16, features; the last plane's title
        says how many there are).
    title : str, optional
        The U-matrix panel's title (default "U-matrix").
    image_shape : (height, width), optional
        For image data (digits: (8, 8), MNIST: (28, 28)): draw each neuron's weights
        as an image at its grid position (the map's prototypes), in place of the
        component planes; height·width must equal the number of features.

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
    shape = None if image_shape is None else _check_image_shape(image_shape, n_features)
    planes = min(n_features, MAX_COMPONENT_PLANES) if components and shape is None else 0
    panels = 1 + planes + (shape is not None)
    cols = min(panels, 4)
    rows = math.ceil(panels / cols)
    if shape is not None:  # the prototypes get the larger panel
        fig = _new_figure((9.0, 4.6))
        axes = fig.subplots(1, 2, width_ratios=[1, 1.4]).ravel()
        _draw_prototypes(axes[1], som, shape)
    else:
        # one row: room under the map for the hit legend (it pushed the titles out of the figure)
        fig = _new_figure((3.3 * cols, 3.0 * rows + (0.6 if X is not None and rows == 1 else 0)))
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
    for k in range(planes):
        more = f"\n(the first {planes} of {n_features} features)" if k == planes - 1 < n_features - 1 else ""
        _draw_map(axes[k + 1], som, W[:, k], f"component plane: {names[k]}{more}", "viridis", f"weight {k + 1}")
    for ax in axes[panels:]:
        ax.set_axis_off()
    return _finish(fig, path)
