"""Pictures instead of numbers (SPEC E2): training curves, decision boundaries,
confusion matrices, weights as images, gradient-descent paths, Hopfield recall
and self-organizing maps.

Every function returns a :class:`matplotlib.figure.Figure` and, given
``path=``, saves it (PNG, SVG or PDF, chosen by the file's extension) with an
atomic write: a temporary file in the same folder, then ``os.replace``. The
figures are built without ``pyplot``, so they work with any backend
(including ``Agg`` on a server) and never pop up windows. In Jupyter a
plot that is a cell's last expression shows as an image, pyplot imported or
not (the Figure has ``_repr_png_``); elsewhere in a cell (in a loop, above the
last line) ``IPython.display.display(fig)`` shows it. The loss curves and the
one-panel plots (decision boundary, confusion matrix, descent) also draw into
Axes of yours, given as ``ax=``, and return their Figure: pyplot's, which the
inline backend shows again at the cell's end, so end such a last line with
``;`` (``plot_decision_boundary(m, X, y, ax=ax);``) to see it once.
From a script, :func:`show` (``glassnet.plots.show(fig)``) opens the figure in a
window, as ``plt.show()`` does pyplot's own figures; ``fig.show()`` works as
matplotlib's, and ``plt.show()`` then keeps its window open.

matplotlib is an optional extra (``pip install "glassnet[plots]"``), imported
only when a plot is made.

The package, one concept per module: ``_figure`` (matplotlib imported on demand, a Figure of its own
or the user's Axes, :func:`save_figure` and the text and image-shape checks the plots share),
``_classes`` (class labels read from labels, one-hot rows or probabilities), ``history``
(:func:`plot_history`), ``decision`` (:func:`plot_decision_boundary` and how a model's scores are
read), ``confusion`` (:func:`plot_confusion_matrix`), ``weights`` (:func:`plot_weights`),
``descent`` (:func:`plot_descent`), ``hopfield`` (:func:`plot_hopfield_recall`) and ``som``
(:func:`plot_som`). This module re-exports every name of the single module it was, the private
helpers and limits included (``glassnet.plots.MAX_RECALL_ROWS``, ``glassnet.plots._plain``).
"""

from ._classes import _class_values, _indices, _labels  # noqa: F401
from ._figure import (_FORMATS, _NO_MATPLOTLIB, _check_title, _figure_and_axes, _finish,  # noqa: F401
                      _image_shape, _names, _new_figure, _plain, _remove_colorbars, _require_matplotlib,
                      _to_pyplot, save_figure, show)
from .confusion import _COUNT, MAX_ANNOTATED_CLASSES, plot_confusion_matrix  # noqa: F401
from .model import MAX_BOXES, plot_model  # noqa: F401
from .decision import MAX_RESOLUTION, _is_regressor, _per_point, _point_classes, _scores, plot_decision_boundary  # noqa: F401
from .descent import (_DESCENT_PATH, ARROW_LENGTH, ARROWS, DIVERGING_VIEW, LARGEST_DRAWN, MAX_ARROWS,  # noqa: F401
                      _arrow_steps, _drawable, _drawn_values, _in_view, _values_of, plot_descent)
from .history import (  # noqa: F401
    LOG_SCALE_RATIO,
    READABLE_NAMES,
    _log_scale,
    _quiet_log_locator,
    _readable,
    plot_history,
)
from .hopfield import MAX_RECALL_ROWS, MAX_RECALL_WIDTH, _images, plot_hopfield_recall  # noqa: F401
from .som import MAX_COMPONENT_PLANES, _draw_map, plot_som  # noqa: F401
from .weights import MAX_WEIGHT_AXES, MAX_WEIGHTS_WIDTH, plot_weights  # noqa: F401

__all__ = [
    "plot_history",
    "plot_decision_boundary",
    "plot_confusion_matrix",
    "plot_weights",
    "plot_descent",
    "plot_hopfield_recall",
    "plot_som",
    "save_figure",
    "show",
]
