"""A CSV file's columns: the target, the features and the id column chosen by name or index, the
features read as numbers (or the error that names the first bad cell), and a model's columns found
in a file by name."""

import collections
import math
import re
import shlex
import sys
from pathlib import Path

import numpy as np

from ._common import CommandError, count, listed, name_key
from ._csv import BLANKS, COMPRESSION, MISSING, StandardInput, _is_number, _point, plain_text
from ._csv_rows import _parse_clean, header_cells
from ._labels import _target_values


class Columns(list):
    """A CSV file's feature column names, with whether a header named them (else they are
    ``column_k``), the target column's name (None without a header or a target) and, when
    :func:`read_csv` is asked for it, the id column's name ("id" without a header) and its cells
    as read (``ids``: (name, cells), else None)."""

    def __init__(self, names, header=False, target=None):
        super().__init__(names)
        self.header, self.target, self.ids = header, target, None
        #: the file's number of columns, the index of each feature column and the target's (or None)
        self.width, self.indices, self.target_index = None, None, None
        #: the name of each of the file's columns (``column_k`` without a header)
        self.names = None


def _table(rows, has_header, target, require_target, read_target, ignore, path, body=None, sep=",", decimal=".",
           ids=None):
    """:func:`read_csv`'s result from the file's non-blank ``rows`` (split at ``sep``). With ``body`` (a function
    that opens the file's text, and the offset after the header), ``rows`` are only the first ones: they settle
    the columns, and the body is read by :func:`_parse_clean` (with the decimal mark ``decimal``); None when it
    needs the careful reading of every row."""
    header, top = None, rows[0]
    if has_header:
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise CommandError(f"{path} has a header but no data rows.")
    width = len(header) if header is not None else len(rows[0][1])
    # another separator than the one read with (a spreadsheet's "a;b;c" export that was not recognised, a TSV file,
    # a wrong --sep) makes row 1 one column, and then ragged rows: the message names what row 1 holds
    first = header if header is not None else rows[0][1]
    other = next((c for c in (",", ";", "\t", "|") if c != sep and len(first) == 1 and c in first[0]), None)
    if other is None and sep != BLANKS and len(first) == 1 and all(  # as many words in row 1 and the next: columns
            len(c) == 1 and len(c[0].split()) == len(first[0].split()) > 1 for _, c in rows[header is None:][:1]):
        other = BLANKS  # aligned by runs of blanks (UCI's housing.data), not a column "house price"
    option, given = (r"'\s+'" if s == BLANKS else repr(s) for s in (other, sep))
    hint = f" (columns are read as separated by {given}; this file seems to use " \
        f"{'runs of blanks' if other == BLANKS else option}: give --sep {option})" if other else \
        f" (--sep {given}: row 1 holds no {'blanks' if sep == BLANKS else given})" if sep != "," and len(first) == 1 else ""
    title = [cell for cell in first if cell]
    if not other and header is not None and len(title) == 1 and sum(map(bool, rows[0][1])) > 1:  # an Excel report's
        line, plain = rows[0][0], not isinstance(path, StandardInput) and Path(path).suffix.lower() not in COMPRESSION
        tail = f", e.g. with tail -n +{line} {shlex.quote(str(path))} > table.csv" if plain else ""
        hint = (f" (line {top[0]}, {_cell(title[0])}, looks like a title above the header: remove the lines above line "
                f"{line}{tail})")
        if sep == "," and all(len(c) == 2 and re.fullmatch(r"\s*[+-]?\d+", c[0]) and re.fullmatch(r"\d+\s*", c[1])
                              for _, c in rows):  # one column of decimal commas, "894,8417": no title, no separator
            hint = (f" (the rows look like one column of numbers with decimal commas, such as {_cell(','.join(rows[0][1]))}:"
                    " give --sep ';' --decimal ',')")
    for line, cells in rows:
        if len(cells) != width:
            raise CommandError(f"{path} line {line}: expected {width} field{'s' * (width != 1)}, found {len(cells)}{hint}.")
    # a spreadsheet's trailing comma on every line: an empty column, not data (a long file's body must have it too)
    empty = 0
    while width > 1 and (header is None or header[-1] == "") and all(c[-1] == "" for _, c in rows):
        width, empty = width - 1, empty + 1
        header = header[:-1] if header is not None else None
        rows = [(line, c[:-1]) for line, c in rows]
    names = header or [f"column_{k}" for k in range(width)]
    col = _target_index(target, names, header is not None, path, hint=hint, read=read_target) \
        if (target is not None or require_target) \
        else None
    if col is not None and width < 2:
        raise CommandError(f"{path} has a single column: there is no feature besides the target{hint}.")
    left_out = {_target_index(c, names, header is not None, path, "--ignore", hint) for c in ignore}
    if col is not None and col in left_out:
        raise CommandError(f"--ignore: column {names[col]!r} is the target; it is never a feature.")
    id_col = None if ids is None else _target_index(ids, names, header is not None, path, "--id", hint)
    if id_col is not None and id_col == col:
        raise CommandError(f"--id: column {names[col]!r} is the target; give the id column.")
    left_out |= {id_col} - {None}
    features = [k for k in range(width) if k != col and k not in left_out]
    if not features:
        raise CommandError(f"--ignore{' and --id' * (ids is not None)} leave{'s' * (ids is None)} no feature column "
                           f"of {path}.")
    columns = Columns([names[k] for k in features], header=header is not None,
                      target=names[col] if col is not None and header is not None else None)
    columns.width, columns.indices, columns.target_index = width, features, col
    columns.names = list(names)
    id_name = None if id_col is None else names[id_col] if header is not None else "id"
    if body is not None:
        parsed = _parse_clean(*body, width + empty, col, left_out, sep, decimal, keep=id_col,
                              empty=range(width, width + empty))
        if parsed is None:
            return None
        X, texts = parsed
        raw = texts.get(col)
        if id_col is not None:
            columns.ids = id_name, texts[id_col]
        if col is None or not read_target:
            return X, None, columns
        y = None if _first_missing(raw) is not None else _target_values(raw)
        _refuse_comma_labels(y, raw, names[col], path, comma=_comma_advice(sep, decimal))
        return None if y is None or (y.dtype.kind == "f" and not np.isfinite(y).all()) else (X, y, columns)
    cells = np.array([c for _, c in rows], dtype=object)
    if id_col is not None:
        columns.ids = id_name, [str(c) for c in cells[:, id_col]]
    # a text column is the labels (without a target) or an id: _numeric says how to leave it out
    X = _numeric(cells[:, features], rows, features, names, path, has_target=col is not None, hint=hint,
                 has_header=header is not None, comma=_comma_advice(sep, decimal))
    y = None
    if col is not None and read_target:
        raw = [str(c) for c in cells[:, col]]
        missing = _first_missing(raw)
        if missing is not None:  # NA and its kin are no class
            shown = f" ({_cell(raw[missing])})" if raw[missing] else ""
            what = _missing_what(raw[missing])
            raise CommandError(f"{path} line {rows[missing][0]}, column {names[col]!r}: {what}{shown}; "
                               "remove or fill it first.")
        y = _target_values(raw)
        _refuse_comma_labels(y, raw, names[col], path, comma=_comma_advice(sep, decimal))
        if y.dtype.kind == "f":
            _check_finite(y, rows, [col], names, path)
    return X, y, columns


def _comma_advice(sep, decimal):
    """What to do about numbers written with a comma (``3,5``) in a file read with the decimal mark '.', or
    None (the file's decimal mark is ','). A ',' file holds them only quoted ("3,5"), and cannot take
    --decimal ',' (pandas refuses a separator that is also the decimal mark); its comma may also be a
    thousands separator ("1,000"), so the numbers are not guessed."""
    if decimal != ".":
        return None
    if sep != ",":
        return "give --decimal ','"
    return ("the file's columns are separated by ',', so ',' cannot also be its decimal mark: write the numbers with "
            "a decimal point and no thousands separator, or save the file with ';' between the columns and read it "
            "with --sep ';' --decimal ','")


def _refuse_comma_labels(y, raw, name, path, comma):
    """The error for a target column read as text labels whose every cell is a number written with a
    comma (``comma``: :func:`_comma_advice`, None where the file's decimal mark is ','): a price ``3,5``
    became a class, and a regression trained as a classifier without a word (in a ',' file, quoted)."""
    if comma and y is not None and y.dtype.kind == "U" and any("," in c for c in raw) and \
            all(_is_number(_point(c, ",")) for c in raw):
        shown = next(c for c in raw if "," in c)
        raise CommandError(f"{path}, column {name!r} (the target): its values are numbers written with "
                           f"{_comma_kind(shown)} ({shown!r}), and the file is read with the decimal mark '.', which "
                           f"makes them class labels: {comma}.")


#: a number written with a thousands separator (1,234; 1.234.567,89), which pandas reads only when told (thousands=)
THOUSANDS = re.compile(r"[+-]?\d{1,3}([,.])\d{3}(\1\d{3})*([,.]\d+)?")


def _comma_kind(cell):
    """What the comma of a number such as ``3,5`` or ``5,900`` (three digits after it: thousands?) may be."""
    return "a thousands separator or a decimal comma" if THOUSANDS.fullmatch(cell) else "a decimal comma"


def align_columns(X, columns, features, path, sep=None, decimal=None):
    """``X``'s columns in the order of ``features`` (the names a model was trained on), found
    by the header names ``columns``: the same names in another order are reordered (with a
    note), a missing one is an error. Without a header or saved names, X is taken as it is."""
    if not features or columns is None or not columns.header:
        return X
    # compared in NFC (name_key): the file's "é" written as e + accent (NFD) is the model's "é"
    have, want = [name_key(name) for name in columns], [name_key(name) for name in features]
    if have == want:
        return X
    present = set(have)
    missing = [name for name, key in zip(features, want) if key not in present]
    cells = {name_key(name) for name in header_cells(path, sep, decimal)} if missing else set()
    left_out = [name for name in missing if name_key(name) in cells]
    if left_out:  # it said "price.csv has no column x1" of a file that has it: --target x1 took it out
        ids = columns.ids[0] if columns.ids is not None else None
        # (predict --id a, a a column of the model)
        who = "--id" if name_key(ids) in map(name_key, left_out) else "--target or --ignore"
        raise CommandError(f"{who} leaves out {path}'s column{'s' * (len(left_out) > 1)} "
                           f"{listed(left_out)}, which the model was trained on; the model takes {listed(features)}.")
    if missing:
        raise CommandError(f"{path} has no column {listed(missing)}, which the model was trained on; the model "
                           f"takes {listed(features)}.")
    times, wanted = collections.Counter(have), set(want)
    repeated = sorted({name for name, key in zip(columns, have) if times[key] > 1 and key in wanted}) or \
        sorted({name for name, key in zip(features, want) if want.count(key) > 1})  # (the model's, where the file's don't)
    if repeated:
        raise CommandError(f"{path}'s columns are not the model's ({listed(features)}) in its order, and "
                           f"the names {listed(repeated)} repeat, so they cannot be matched by name; write the "
                           "columns in the model's order.")
    if len(columns) != len(features):  # (columns besides the model's are left out by the caller)
        extra = listed(name for name, key in zip(columns, have) if key not in wanted)
        raise CommandError(f"{path} has columns besides the model's ({extra}); leave them out with --ignore.")
    print(f"note: {path} has the model's columns in another order; they are taken by name.", file=sys.stderr)
    position = {key: k for k, key in enumerate(have)}  # (no name repeats here)
    return X[:, [position[key] for key in want]]


def _target_index(target, names, has_header, path, option="--target", hint="", read=True):
    """The index of the column ``target`` names (a header name or a 0-based index, negative
    from the end; None: the last column), or the one-line error of ``option`` (``hint``: a
    file that seems to use another separator says so, since its header is one column; ``read``
    False: the target is only left out, as predict's)."""
    if target is None:
        return len(names) - 1
    keys, key = [name_key(name) for name in names], name_key(target)  # (NFC: "é" typed is e + accent of the file)
    if has_header and key in keys:
        if keys.count(key) > 1:
            raise CommandError(f"{option} {target!r}: {path} has {keys.count(key)} columns of that name; "
                               "give the column's 0-based index instead.")
        return keys.index(key)
    try:
        k = int(target)
    except ValueError:
        parts = [part.strip() for part in target.split(",")]
        if option == "--target" and has_header and len(parts) > 1 and all(name_key(p) in keys for p in parts):
            others = ",".join(parts[1:])  # (several labels per row: none of them may stay a feature)
            if not read:  # predict: several label columns are left out, and a multi-label model predicts them all
                raise CommandError(f"--target {target!r}: predict's --target names one column to leave out (predict "
                                   f"does not read the targets); leave the others out with --ignore: --target "
                                   f"{parts[0]} --ignore {others}. A multi-label model, trained in Python with "
                                   "glassnet.sklearn.MLPClassifier().fit(X, Y).save('model.gn') (Y those columns), "
                                   "predicts here one 0/1 column per label.") from None
            raise CommandError(f"--target {target!r}: the command line takes one target column. For several 0/1 "
                               "labels per row train in Python, glassnet.sklearn.MLPClassifier().fit(X, Y) with Y "
                               f"those columns; or one model per label, --target {parts[0]} --ignore {others}.") from None
        # a name with a line break is shown as its repr, with the index that selects it without quoting
        columns = listed(name if name.isprintable() else f"{name!r} (index {k})" for k, name in enumerate(names))
        valid = f" Columns: {columns}." if has_header else " The file has no header: give a column index."
        raise CommandError(f"{option} {target!r} is not a column of {path}{hint}.{valid}") from None
    if not -len(names) <= k < len(names):
        raise CommandError(f"{option} {k} is out of range: {path} has {count(len(names), 'column')} (0 to {len(names) - 1})"
                           f"{hint}.")
    return k % len(names)


def _booleans(cells):
    """``cells`` (text, one column per feature) with each column of only True and False (any case)
    as 1 and 0: pandas reads such a column (``df.to_csv`` of a bool column) as bool, which
    scikit-learn takes as 1 and 0; it was refused as "'False' is not a number"."""
    for k in range(cells.shape[1]):
        lowered = np.char.lower(cells[:, k].astype(str))
        if np.isin(lowered, ("true", "false")).all():
            cells[:, k] = (lowered == "true").astype(np.float64)
    return cells


def _plain_cells(cells):
    """Whether every cell of the text array ``cells`` is :func:`plain_text`, as every number
    :func:`_is_number` takes is (NumPy's conversion of text to floats takes ``1_0`` and ``١`` too)."""
    if cells.dtype.kind != "U":
        return all(plain_text(str(c)) for c in cells.flat)
    codes = np.ascontiguousarray(cells).view(np.uint32)  # (the code points of every character)
    return not ((codes > 127) | (codes == ord("_"))).any()


def _numeric(cells, rows, columns, names, path, has_target=True, hint="", has_header=True, comma=None):
    """The feature ``cells`` as float64, or the error that names the first bad cell (``comma``: a number
    written with a decimal comma is named as such, with this advice (:func:`_comma_advice`): the file is
    read with the decimal mark '.')."""
    try:
        if not _plain_cells(cells):  # a cell such as 1_0, which NumPy would read as 10: named below
            raise ValueError
        try:
            X = cells.astype(np.float64)
        except ValueError:  # (a column of True/False is rarer: looked for only then)
            X = _booleans(cells).astype(np.float64)
    except ValueError:
        for i, ((line, _), row) in enumerate(zip(rows, cells)):  # only to name the first bad cell
            # (str: _booleans has put the floats 1 and 0 into an object array's True/False columns)
            for j, (k, value) in enumerate(zip(columns, map(str, row))):
                if value == "" or value.upper() in MISSING:
                    shown = "" if value == "" else f" ({value!r})"
                    raise CommandError(
                        f"{path} line {line}, column {names[k]!r}: missing value{shown}; remove or fill it first."
                    ) from None
                if comma and not _is_number(value) and _is_number(_point(value, ",")):
                    raise CommandError(f"{path} line {line}, column {names[k]!r}: {value!r} has {_comma_kind(value)}, "
                                       f"and the file is read with the decimal mark '.': {comma}.") from None
                if not _is_number(value):
                    if not hint and THOUSANDS.fullmatch(value):  # (1.234,50: a German spreadsheet's)
                        hint = (": it is written with a thousands separator, which is not read; write the numbers "
                                "without one")
                    elif not hint and i > 1 and all(_is_number(str(c)) for c in cells[:i, j]):  # (#DIV/0!)
                        hint = ": the cells above it in this column are numbers; fix or remove this row"
                    elif not hint:  # a text column: labels (without a target) or an id
                        # a file without a header takes indices: "--target column_2" is refused there; a name
                        # is quoted for the shell ("--ignore my col" read "col" as the data argument)
                        # (by its index where the name holds a control character, which no quoting shows, or is
                        # empty, R's row names: --ignore '' is refused)
                        column = shlex.quote(names[k]) if has_header and names[k] and names[k].isprintable() else k
                        hint = (f". If it is no feature (an id), leave it out with --ignore {column}; if it holds the "
                                f"labels, name it with --target {column}; a column of categories must be made numbers "
                                "first, one 0/1 column per category (pandas.get_dummies)" if has_target
                                else f". If it is no feature (an id), leave it out with --ignore {column}; if it "
                                     f"holds the labels, with --target {column}")
                    raise CommandError(
                        f"{path} line {line}, column {names[k]!r}: {_cell(value)} is not a number{hint}."
                    ) from None
        raise
    _check_finite(X, rows, columns, names, path)
    return X


def _cell(text, limit=80):
    """A cell's ``repr`` for a one-line message, its first ``limit`` characters where it is longer (a cell
    may hold a whole review: the csv module's limit of 131,072 characters no longer stops it)."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _first_missing(cells):
    """The index of the first empty or missing-value cell (``MISSING``: NA, NULL...; or NaN, which
    str() and the csv module write for a float NaN and pandas reads as missing: a column of text labels
    took "nan" for a class; or an infinity, "inf", no class either), else None. Each distinct cell is
    looked at once (a long file has few labels)."""
    bad = {c for c in dict.fromkeys(cells) if c == "" or c.upper() in MISSING or _non_finite(c)}
    return next((i for i, c in enumerate(cells) if c in bad), None) if bad else None


def _non_finite(cell):
    try:
        return not math.isfinite(float(cell))
    except ValueError:
        return False


def _missing_what(cell):
    """How an error names the cell :func:`_first_missing` found."""
    return "non-finite value" if _non_finite(cell) and not math.isnan(float(cell)) else "missing value"


def _check_finite(values, rows, columns, names, path):
    bad = ~np.isfinite(values)
    if bad.any():
        i, k = np.argwhere(bad.reshape(len(rows), -1))[0]
        raise CommandError(
            f"{path} line {rows[i][0]}, column {names[columns[k]]!r}: missing or non-finite value; "
            "remove or fill it first."
        )
