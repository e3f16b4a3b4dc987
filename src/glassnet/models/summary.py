"""The summary of a :class:`~glassnet.models.Sequential`, as Keras's ``model.summary()``: a table of
its layers (a nested model as one row, or its layers under it with ``expand_nested``), their output
shapes and parameter counts, and the totals in parameters and bytes.

:class:`Summary` is the part of ``Sequential`` that prints it.
"""

import math
import re
import sys

import numpy as np

from .._io import writable
from ..layers.input_layer import input_layer_name
from .nesting import nested_items
from .progress import is_interactive_logging_enabled, logger


class Summary:
    """Sequential's ``summary``."""

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print the layers, their output shapes and parameter counts, with totals (as Keras).
        ``show_trainable=True`` adds Keras's column: each layer's own flag (Y or N; - for a layer
        without weights). A nested model is one row, ``base (Sequential)``, as Keras's;
        ``expand_nested=True`` lists its layers under it. Keras's layout arguments (``line_length``,
        ``positions``) are accepted; the table fits its contents. ``layer_range=["first", "last"]``
        lists the rows from the first layer whose name matches ``first`` (a regular expression, as
        ``re.match``) to the last that matches ``last``, as Keras's; the totals stay the model's.
        After ``fit``, an ``Optimizer params`` line counts the optimizer's variables (its step count,
        learning rate and state vectors, as Keras's ``optimizer.variables``), which Keras's total
        includes too. A ``print_fn`` given is called once with the whole table, its lines joined by
        new lines and one at its end, as Keras's (``print_fn=f.write`` writes the table to a file;
        ``print_fn=lines.append`` appends one text: ``text.splitlines()`` gives its lines); without
        one, the lines are printed, or, after ``glassnet.config.disable_interactive_logging()``, logged
        as one INFO record of the ``"glassnet"`` logger, as fit's lines and Keras's summary."""
        if print_fn is not None and not callable(print_fn):
            raise TypeError(f"print_fn must be a function such as print. Received: print_fn={print_fn!r}")
        if line_length is not None and callable(line_length) and print_fn is None:
            line_length, print_fn = None, line_length  # summary(print): glassnet's older first argument
        self._ensure_built()
        lines = []
        rows = list(_summary_rows(self, expand_nested, show_trainable, layer_range=layer_range))
        headers = ("Layer (type)", "Output Shape", "Param #", "Trainable")[:4 if show_trainable else 3]
        # (a model with no layers yet prints an empty table with zero parameters, as Keras's)
        widths = [max([len(h), *(len(r[i]) for r in rows)]) + 2 for i, h in enumerate(headers)]
        line = "─" * sum(widths)

        def show(r):
            flag = r[3].center(widths[3]).rstrip() if show_trainable else ""
            lines.append(r[0].ljust(widths[0]) + r[1].ljust(widths[1]) + r[2].rjust(widths[2]) + flag)

        lines += [f'Model: "{self.name}"', line]
        show(headers)
        lines.append("═" * sum(widths))
        for r in rows:
            show(r)
        lines.append(line)
        total = sum(layer.count_params() for layer in self._layers if layer.built)
        trainable = sum(layer.trainable_size for layer in self._layers if layer.built and self._trains(layer))
        itemsize = np.dtype(self.dtype).itemsize
        optimizer = _optimizer_counts(self)
        with_optimizer = total + (optimizer[0] if optimizer else 0)
        memory = total * itemsize + (optimizer[1] if optimizer else 0)
        lines.append(f" Total params: {with_optimizer:,} ({_human_bytes(memory)})")
        lines.append(f" Trainable params: {trainable:,} ({_human_bytes(trainable * itemsize)})")
        lines.append(f" Non-trainable params: {total - trainable:,} ({_human_bytes((total - trainable) * itemsize)})")
        if optimizer:
            lines.append(f" Optimizer params: {optimizer[0]:,} ({_human_bytes(optimizer[1])})")
        if print_fn is None and not is_interactive_logging_enabled():  # to the "glassnet" logger, as fit's lines
            logger.info("\n".join(lines))  # (Keras's print_summary: io_utils.print_msg, to absl's logger)
        elif print_fn is None:
            print(writable("\n".join(lines), sys.stdout))  # (─ as - where stdout is ASCII: LC_ALL=C)
        else:  # one call with the whole text, as Keras's print_summary (print_fn(console.end_capture()))
            print_fn("\n".join(lines) + "\n")


def _optimizer_counts(model):
    """``(count, bytes)`` of the variables Keras's optimizer would hold for ``model``
    (:func:`~.keras_optimizer.optimizer_variables`), each in its dtype; None before the optimizer
    is built (Keras's summary then has no such line)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None
    from .keras_optimizer import optimizer_variables  # (it imports the layers and the optimizers)

    variables = optimizer_variables(model)
    return (sum(math.prod(shape) for shape, _ in variables),
            sum(math.prod(shape) * np.dtype(dtype).itemsize for shape, dtype in variables))


def _layer_range(items, layer_range):
    """The items from the first whose name matches ``layer_range[0]`` to the last that matches
    ``layer_range[1]`` (``re.match``), as Keras's ``get_layer_index_bound_by_layer_name``: both ends
    included, the two taken in either order."""
    if layer_range is None:
        return items
    if not isinstance(layer_range, (list, tuple)) or len(layer_range) != 2:
        raise ValueError(f"layer_range must be a list or tuple of length 2. Received: layer_range={layer_range!r:.100}")
    if not all(isinstance(end, str) for end in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: layer_range={layer_range!r:.100}")
    lower = [i for i, item in enumerate(items) if re.match(layer_range[0], item.name or "")]
    upper = [i for i, item in enumerate(items) if re.match(layer_range[1], item.name or "")]
    if not lower or not upper:
        raise ValueError("layer_range does not match the layer names in the model "
                         f"({', '.join(item.name or '?' for item in items)}). Received: layer_range={layer_range!r}")
    if min(lower) > max(upper):
        return items[min(upper):max(lower) + 1]
    return items[min(lower):max(upper) + 1]


def _summary_rows(model, expand_nested, show_trainable, depth=0, layer_range=None, inputs=None, batch=None):
    """The summary's rows of ``model``'s layers, as Keras's: a functional model's InputLayer first
    (``input_layer (InputLayer)``; Keras's functional ``model.layers`` holds it);
    a nested model is one row of its own (``base (Sequential)``, its output and its parameter count),
    then, with ``expand_nested``, its layers' rows indented under it (``depth`` nestings deep); only those
    of ``layer_range`` (see :func:`_layer_range`) at the top. ``inputs``: the unnamed InputLayers listed
    so far (input_layer, input_layer_1, ...). The outputs' batch axis is the batch size of the top
    model's Input (``Input(shape, batch_size=8)``: (8, 4), as Keras's), else None."""
    from .sequential import Sequential

    inputs = [0] if inputs is None else inputs
    batch = model.__dict__.get("_input_batch_size") if depth == 0 else batch
    indent = "   " * depth + "└ " if depth else ""
    items = list(nested_items(model))
    if getattr(model, "_functional", False) and model._input_shape is not None:
        items.insert(0, _InputRow(model, inputs))
    for item in _layer_range(items, layer_range):
        if isinstance(item, _InputRow):
            yield (f"{indent}{item.name} (InputLayer)", str(item.shape), "0") + (("-",) if show_trainable else ())
            continue
        nested = isinstance(item, Sequential)
        members = item._layers if nested else [item]
        n = sum(math.prod(w.shape) for layer in members for w in layer.weights)
        # as Keras 3.15: a model not built yet lists its layers with "?" and "0 (unbuilt)"
        shape, count = ((str((batch, *members[-1].output_shape)), f"{n:,}") if members and all(l.built for l in members)
                        else ("?", "0 (unbuilt)"))
        # a nested subclass of Model shows its class, as Keras's (inner (Inner)), not the Sequential it runs as
        kind = "Functional" if getattr(item, "_functional", False) else type(item).__name__
        row = (f"{indent}{item.name or '?'} ({kind})", shape, count)  # (a layer waiting to join is named then)
        if show_trainable:  # the layer's own flag, as Keras's column (Y in a frozen model too)
            row += ("-" if not n else "Y" if item.trainable else "N",)
        yield row
        if nested and expand_nested:
            yield from _summary_rows(item, True, show_trainable, depth + 1, inputs=inputs, batch=batch)


class _InputRow:
    """A functional model's InputLayer as a row: the name given to its ``Input``, else Keras's name
    of an unnamed one (input_layer, input_layer_1, ..., counted in ``inputs``), and the inputs'
    shape with the batch axis."""

    def __init__(self, model, inputs):
        self.name = input_layer_name(model, inputs)
        self.shape = model.input_shape


def _human_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
