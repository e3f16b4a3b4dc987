"""What every plot shares: matplotlib imported on demand, a Figure of its own (or the user's Axes),
the atomic save, showing a figure in a window, and the text and image shapes the plots check alike."""

import io
import math
import os

import numpy as np

from .._io import atomic_write
from .._validation import check_number, check_path, check_positive_int


_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


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
    """A Figure with an Agg canvas, independent of pyplot's state, that Jupyter shows (see
    :func:`__getattr__`)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise ImportError(_NO_MATPLOTLIB) from None
    fig = __getattr__("Figure")(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def __getattr__(name):
    """``Figure``: matplotlib's Figure with ``_repr_png_``, so that Jupyter shows a plot as an image
    with pyplot never imported (IPython's PNG formatter for Figure exists only once matplotlib-inline's
    backend is loaded, by ``import matplotlib.pyplot`` or ``%matplotlib inline``; then IPython takes
    that formatter first, with its retina or SVG settings, and nothing is shown twice). Made at the
    first use, as matplotlib is imported only then; a module-level name, so that a figure pickles, and
    named ``Figure``, so that its text stays matplotlib's ``<Figure size 900x340 with 2 Axes>``."""
    if name != "Figure":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:  # (at each plot: a matplotlib that cannot be imported gives the install hint)
        from matplotlib.figure import Figure as MatplotlibFigure
    except ImportError:
        raise ImportError(_NO_MATPLOTLIB) from None
    if "Figure" not in globals():

        class Figure(MatplotlibFigure):
            def _repr_png_(self):
                buffer = io.BytesIO()
                self.savefig(buffer, format="png", bbox_inches="tight")
                return buffer.getvalue()

            def show(self, warn=True):
                """matplotlib's ``Figure.show``, which works on a figure that pyplot did not make: the figure
                joins pyplot's figures first (a window under a GUI backend, which ``plt.show()`` then keeps
                open; from a script, :func:`glassnet.plots.show` does both)."""
                _to_pyplot(self)
                super().show(warn=warn)

        Figure.__qualname__ = "Figure"
        globals()["Figure"] = Figure  # (then found without this hook, as any name of the module)
    return globals()["Figure"]


def _to_pyplot(fig):
    """Hand ``fig`` to pyplot, as one of its figures (a figure manager of the current backend: a window under a
    GUI one), unless pyplot holds it: what ``plt.figure(fig)`` does on matplotlib 3.11, which 3.8 to 3.10
    refused ("The passed figure is not managed by pyplot"). A figure whose window was closed joins again."""
    import matplotlib.pyplot as plt
    from matplotlib._pylab_helpers import Gcf

    if fig.canvas.manager not in Gcf.get_all_fig_managers():
        number = max(plt.get_fignums(), default=0) + 1
        Gcf._set_new_active_manager(plt._get_backend_mod().new_figure_manager_given_figure(number, fig))


def show(*figures, block=None):
    """Show ``figures`` (glassnet plots or any matplotlib Figure) in windows, from a script as from a shell:
    each joins pyplot's figures, then ``plt.show(block=block)`` shows them all, as it shows pyplot's own.

    A plain ``plt.show()`` shows only pyplot's figures, and a glassnet plot is not one until it is shown
    (the plots never open a pyplot figure, so that a loop that saves them leaves none open). Under a backend
    without windows (``Agg``), matplotlib warns as ``plt.show()`` does; in Jupyter's inline backend each figure
    is shown once as an image.
    """
    _require_matplotlib()
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    for fig in figures:
        if not isinstance(fig, Figure):
            raise TypeError(f"show takes matplotlib Figures, such as a glassnet plot returns. Received: {fig!r:.100}")
    for fig in figures:
        _to_pyplot(fig)
    plt.show(block=block)


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
    path, fmt = _save_format(path)
    _write(fig, path, fmt, dpi)
    return path


def _save_format(path, name="path", formats=_FORMATS, default=None):
    """``path`` checked as a file name (the argument ``name``) and the format its extension names, one of
    ``formats``; a name without an extension is written as ``default`` (None: refused). Checked before the
    figure is drawn, where the caller can."""
    path = check_path(path, name)
    ext = os.path.splitext(path)[1].lower()
    if ext in formats:
        return path, formats[ext]
    if not ext and default is not None:
        return path, default
    bare = f" (or have no extension: {default.upper()})" if default is not None else ""
    raise ValueError(f"{name} must end with one of {', '.join(formats)}{bare}. Received: {name}={path!r}")


def _write(fig, path, fmt, dpi):
    """Save ``fig`` to the checked ``path`` in the format ``fmt``, atomically."""
    atomic_write(path, lambda fh: fig.savefig(fh, format=fmt, dpi=dpi))


def _finish(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def _plain(name):
    """``name`` (a metric's key, a class label, a feature's name) as text that matplotlib draws as it is:
    its ``$`` escaped, where two of them made it mathtext ("$x$" drawn as an italic x, and "$x^$" a
    ParseException from savefig)."""
    return str(name).replace("$", r"\$")


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
