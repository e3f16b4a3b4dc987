"""A model's graph as boxes and arrows (:func:`plot_model`, Keras's ``keras.utils.plot_model``), drawn with
matplotlib, where Keras needs pydot and Graphviz: a glassnet model is a chain of layers, so its graph is
a column (or, with ``rankdir="LR"``, a row) of boxes."""

from .._validation import check_bool, check_number
from ._figure import _FORMATS, _new_figure, _plain, _require_matplotlib, _save_format, _write

#: the formats ``to_file`` may name: the plots' own, and JPEG, which Keras's Graphviz writes and matplotlib too
TO_FILE_FORMATS = {**_FORMATS, ".jpg": "jpeg", ".jpeg": "jpeg"}

#: Graphviz's ``splines`` values, which Keras's plot_model passes on (glassnet draws straight arrows)
GRAPHVIZ_SPLINES = {"ortho", "line", "polyline", "curved", "spline", "true", "false", "none", ""}

#: one box per layer up to this many (a wider model's figure would be unreadable; summary() lists any)
MAX_BOXES = 200


def _boxes(model, expand_nested, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    """The text of each box, in order: the input, then each layer or (unless ``expand_nested``) nested model."""
    from ..models import Sequential
    from ..models.nesting import nested_items

    def items(owner):
        for item in nested_items(owner):
            if isinstance(item, Sequential) and expand_nested:
                yield from items(item)
            else:
                yield item

    def shape(value, batched):
        # a layer's shapes are a sample's; a nested model's already start with the batch axis, as Keras's
        return "?" if value is None else str(tuple(value) if batched else (None, *value)).replace(",)", ")")

    boxes = []
    if model.built:
        # the name given to the Input, which a copy keeps without the Input itself (load_model, from_config)
        name = model.__dict__.get("_input_name") or getattr(model.__dict__.get("_input_layer"), "name", None) \
            or "input_layer"
        first = [f"{name} (InputLayer)" if show_layer_names else "InputLayer"]
        if show_shapes:
            first.append(f"Output shape: {str(tuple(model.input_shape)).replace(',)', ')')}")
        boxes.append(first)
    for item in items(model):
        kind = type(item).__name__ if not isinstance(item, Sequential) else (
            "Functional" if getattr(item, "_functional", False) else type(item).__name__)
        lines = [f"{item.name} ({kind})" if show_layer_names and item.name else kind]
        if show_shapes:
            built = getattr(item, "built", False)
            given = getattr(item, "input_shape", None) if built else None
            out = getattr(item, "output_shape", None) if built else None
            batched = isinstance(item, Sequential)
            lines.append(f"Input shape: {shape(given, batched)}   Output shape: {shape(out, batched)}")
        if show_dtype:
            lines.append(f"dtype: {item.dtype or model.dtype}")
        activation = getattr(item, "activation", None)
        if show_layer_activations and activation is not None:
            lines.append(f"Activation: {getattr(activation, 'name', None) or type(activation).__name__.lower()}")
        if show_trainable:
            lines.append(f"Trainable: {'Y' if item.trainable else 'N'}")
        boxes.append(lines)
    return boxes


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               splines="ortho", **kwargs):
    """Draw ``model``'s layers as a chain of boxes, as Keras's ``keras.utils.plot_model`` with Keras's
    arguments: each box shows its layer's type (and name, with ``show_layer_names``), with ``show_shapes`` its
    input and output shapes
    (``show_dtype``, ``show_layer_activations``, ``show_trainable`` add those); ``rankdir`` ``"TB"``
    draws top to bottom, ``"LR"`` left to right; a nested model is one box unless ``expand_nested``.
    Saves to ``to_file`` (``.png``, ``.svg``, ``.pdf``, ``.jpg`` or ``.jpeg``; a name without an extension is
    a PNG, as Keras's; written atomically; None: not saved) at
    ``dpi`` and returns the Figure. Keras's ``show_layer_range`` is refused; matplotlib draws it,
    where Keras needs pydot and Graphviz. ``splines`` (Graphviz's edge style, which Keras passes on:
    ``"ortho"``, ``"line"``, ``"polyline"``, ``"curved"``, ``"spline"``, ``"true"``, ``"false"``, ``"none"``, ``""``)
    is taken and ignored: without Graphviz the arrows of a chain are straight lines."""
    from ..models import Sequential

    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a glassnet model. Received: {type(model).__name__}")
    if kwargs:
        hint = (" (Keras's show_layer_range draws part of a model: draw a Sequential of those layers)"
                if "show_layer_range" in kwargs else "")
        raise TypeError(f"plot_model got arguments glassnet does not take: {sorted(kwargs)}{hint}")
    if not isinstance(splines, str):
        raise TypeError(f"splines must be a string, one of Graphviz's edge styles such as 'ortho'. Received: "
                        f"splines={splines!r:.80} of type {type(splines).__name__}")
    if splines not in GRAPHVIZ_SPLINES:
        raise ValueError(f"splines must be one of Graphviz's edge styles {sorted(GRAPHVIZ_SPLINES)} (ignored here: "
                         f"the arrows are straight). Received: splines={splines!r:.80}")
    flags = {name: check_bool(value, name) for name, value in (
        ("show_shapes", show_shapes), ("show_dtype", show_dtype), ("show_layer_names", show_layer_names),
        ("expand_nested", expand_nested), ("show_layer_activations", show_layer_activations),
        ("show_trainable", show_trainable))}
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be 'TB' (top to bottom) or 'LR' (left to right). Received: rankdir={rankdir!r}")
    dpi = check_number(dpi, "dpi", low=1, high=2000)
    if to_file is not None:  # (as Keras's, a name without an extension is a PNG)
        to_file, fmt = _save_format(to_file, "to_file", TO_FILE_FORMATS, default="png")
    _require_matplotlib()
    boxes = _boxes(model, flags["expand_nested"], flags["show_shapes"], flags["show_dtype"],
                   flags["show_layer_names"], flags["show_layer_activations"], flags["show_trainable"])
    if len(boxes) > MAX_BOXES:
        raise ValueError(f"plot_model draws at most {MAX_BOXES} boxes; this model has {len(boxes)}: "
                         "model.summary() lists them.")
    vertical = rankdir == "TB"
    # (inches: 9-point monospace is about 0.075 wide and 0.17 high a character, with the box's padding)
    width = max((max(len(line) for line in lines) for lines in boxes), default=10) * 0.075 + 0.3
    height = max((len(lines) for lines in boxes), default=1) * 0.17 + 0.2
    step = (height + 0.4) if vertical else (width + 0.5)
    n = max(len(boxes), 1)
    fig = _new_figure((width + 0.4, n * step + 0.2) if vertical else (n * step + 0.2, height + 0.4))
    fig.set_layout_engine(None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    total = n * step
    ax.set_xlim(0, width + 0.4 if vertical else total + 0.2)
    ax.set_ylim(0, total + 0.2 if vertical else height + 0.4)
    centers = []
    for i, lines in enumerate(boxes):
        x, y = ((width + 0.4) / 2, total + 0.1 - (i + 0.5) * step) if vertical else \
            (0.1 + (i + 0.5) * step, (height + 0.4) / 2)
        centers.append((x, y))
        ax.text(x, y, "\n".join(_plain(line) for line in lines), ha="center", va="center", fontsize=9,
                family="monospace", bbox={"boxstyle": "round,pad=0.4", "facecolor": "#eef3fb", "edgecolor": "#3b5b92"})
    for (x0, y0), (x1, y1) in zip(centers, centers[1:]):
        gap = (height / 2 + 0.02, 0) if vertical else (0, width / 2 + 0.02)
        start = (x0, y0 - gap[0]) if vertical else (x0 + gap[1], y0)
        end = (x1, y1 + gap[0]) if vertical else (x1 - gap[1], y1)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "#3b5b92"})
    fig.set_dpi(dpi)
    if to_file is not None:
        _write(fig, to_file, fmt, dpi)
    return fig
