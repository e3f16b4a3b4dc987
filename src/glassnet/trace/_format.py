"""How a trace is written: numbers, arrays as table cells (one line or one row per line), the
labelled arrays of a pass-through row, aligned text or Markdown tables, and plain JSON-able data."""

import math

import numpy as np

from .._validation import check_positive_int


def _fmt(value, digits=6):
    return f"{float(value) + 0.0:.{digits}g}"  # + 0.0: a dropped or clipped negative value prints 0, not -0


class _Terms(tuple):
    """A cell of labelled arrays, ``((symbol, value), ...)``: printed ``symbol = value``
    one under the other (in Markdown, on one line, separated by ``;``)."""


def _lines(value, digits=6):
    """A cell as lines of text: vectors on one line, matrices one row per line,
    large arrays summarized with '...', numbers with ``digits`` significant digits."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, _Terms):
        out = []
        for symbol, array in value:
            prefix = f"{symbol} = "
            first, *rest = _lines(array, digits)
            out += [prefix + first] + [" " * len(prefix) + line for line in rest]
        return out or [""]
    text = np.array2string(
        np.asarray(value), separator=", ", threshold=48, edgeitems=3, max_line_width=10**6,
        formatter={"float_kind": lambda v: _fmt(v, digits), "int": str},
    )
    return [line.rstrip() for line in text.splitlines()]


def _inline(value, digits=6):
    if isinstance(value, _Terms):
        return "; ".join(f"{symbol} = {_inline(array, digits)}" for symbol, array in value)
    return " ".join(line.strip() for line in _lines(value, digits) if line.strip())  # NumPy parts 3-D blocks by blank lines


def format_table(header, rows, markdown=False, digits=6):
    """Lay out ``rows`` (lists of str or arrays) under ``header`` as an aligned
    text table (matrices span several lines) or, with ``markdown=True``, as a Markdown table;
    numbers with ``digits`` significant digits (a positive int)."""
    digits = check_positive_int(digits, "digits")
    if isinstance(header, str) or not isinstance(header, (list, tuple)) or \
            not all(isinstance(h, str) for h in header):
        raise TypeError(f"header must be a list of column names (str). Received: header={header!r:.100}")
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise TypeError(f"rows must be a list of rows. Received: rows={rows!r:.100}")
    for i, row in enumerate(rows):
        if isinstance(row, str) or not hasattr(row, "__len__") or len(row) != len(header):
            got = f"{len(row)} value(s)" if hasattr(row, "__len__") and not isinstance(row, str) else repr(row)
            raise ValueError(f"rows[{i}] must hold one value per header column ({len(header)}). Received {got:.100}.")
    if markdown:
        esc = lambda s: s.replace("|", "\\|")
        out = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(esc(_inline(c, digits)) for c in row) + " |" for row in rows]
        return "\n".join(out)
    cells = [[_lines(c, digits) for c in row] for row in rows]
    widths = [max([len(h)] + [max(len(s) for s in row[j]) for row in cells]) for j, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for row in cells:
        height = max(len(c) for c in row)
        for k in range(height):
            out.append("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(out)


def _layer_label(layer):
    return f"{layer.name} ({layer.activation})" if layer.activation else layer.name


def _plain(value):
    """NumPy data as JSON-able Python data (non-finite floats become None)."""
    if value is None:
        return None
    a = np.asarray(value)
    if a.ndim == 0:
        v = a.item()
        return v if not isinstance(v, float) or math.isfinite(v) else None
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        return [_plain(v) for v in a]
    return a.tolist()
