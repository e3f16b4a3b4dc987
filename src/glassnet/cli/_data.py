"""Data for the commands: CSV files read with messages that name the place, and the named data sets."""

import codecs
import csv
import importlib
import io
import itertools
import lzma
import math
import os
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._common import TOY_SETS, CommandError, count, shown

SHARED_MNIST = Path("..") / "shared" / "data" / "mnist"


@dataclass
class Data:
    """A data set ready for a command: train and test parts, and what they hold."""

    name: str
    description: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str  # "classification" or "regression"
    classes: list = None  # the label of each class index (classification)
    standardize: bool = False  # features on their own scale: train on z-scores
    columns: list = None  # a CSV file's feature columns (:class:`Columns`), in the order of x's
    reading: str = ""  # how a CSV file's targets were read where it may surprise (also in the description)

    @property
    def n_classes(self):
        return len(self.classes) if self.classes is not None else 0


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


class StandardInput(str):
    """The data argument ``-``: the CSV text of standard input, read once into memory (a pipe
    can be read only once, and the readers look at its header first); it is named "standard
    input" in messages. (``glassnet predict m.gn -`` said "no such file: -".)"""

    def __new__(cls, text):
        self = super().__new__(cls, "standard input")
        self.text = text
        return self


def read_stdin():
    """Standard input's CSV text, as :class:`StandardInput`."""
    data = getattr(sys.stdin, "buffer", sys.stdin).read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError("standard input is not UTF-8 text CSV; convert it first, e.g. with "
                               "iconv -f latin1 -t utf-8.") from None
    return StandardInput(data)


#: compressed CSV files, read as pandas.read_csv reads them: the compression inferred from the suffix
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}
#: what reading a damaged compressed file raises (zlib.error: a .gz file damaged inside its data)
DAMAGED = (OSError, EOFError, lzma.LZMAError, zlib.error)


def _open(path, mode="rt"):
    """A data file opened for reading, decompressed when its name ends in .gz, .bz2 or .xz; in text
    mode as UTF-8 with a byte-order mark skipped. (``data.csv.gz`` was refused as "not a UTF-8 text
    CSV file", with advice to convert it from latin1.)"""
    module = COMPRESSION.get(Path(path).suffix.lower())
    opener = importlib.import_module(module).open if module else open
    return opener(path, mode, **({"newline": "", "encoding": "utf-8-sig"} if "t" in mode else {}))


def _plain_name(path):
    """The data argument's name in lower case, without a compression suffix (``d.tsv.gz``: ``d.tsv``)."""
    name = str(path).lower()
    return name.removesuffix(next((s for s in COMPRESSION if name.endswith(s)), ""))


def is_csv(path):
    """Whether the data argument names CSV text: a .csv, .tsv or .txt file (compressed too), or standard input."""
    return isinstance(path, StandardInput) or _plain_name(path).endswith((".csv", ".tsv", ".txt"))


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


#: cells that spreadsheets and pandas write for a missing value (besides an empty cell)
MISSING = {"NA", "N/A", "#N/A", "NULL", "NONE", "-", "?"}


def _is_text(cell):
    """A cell that can only be a name: not a number, not empty and not a missing-value mark
    such as NA (those are missing values)."""
    return cell != "" and cell.upper() not in MISSING and not _is_number(cell)


def _point(cell, decimal):
    """``cell`` as ``float`` reads it when it is a number written with the decimal mark ``decimal``
    (``1,5`` is ``1.5``, as ``pandas.read_csv(..., decimal=",")`` reads it); any other cell as it is
    (a text cell keeps its commas; ``1.234,5`` is no number, as for pandas)."""
    if decimal == "." or decimal not in cell or "." in cell:
        return cell
    pointed = cell.replace(decimal, ".")
    return pointed if _is_number(pointed) else cell


#: the lines a file's separator and decimal mark are judged on
FORMAT_LINES = 50


def head_lines(path):
    """The first lines of a CSV file (or of standard input), for :func:`csv_format`; [] when it
    cannot be read as UTF-8 text (:func:`read_csv` then says why)."""
    try:
        with io.StringIO(path.text, newline="") if isinstance(path, StandardInput) else _open(path) as fh:
            return list(itertools.islice(fh, FORMAT_LINES))
    except (*DAMAGED, UnicodeDecodeError):
        return []


def _width(rows):
    """The number of cells of each of ``rows`` when it is the same for all and above 1, else 0."""
    widths = {len(cells) for cells in rows}
    return widths.pop() if len(widths) == 1 and min(widths) > 1 else 0


def _numbers(rows, decimal):
    return sum(_is_number(_point(c.strip(), decimal)) for cells in rows for c in cells)


#: the separators read from a file besides ',', preferred in this order when several fit
OTHER_SEPARATORS = (";", "\t", "|")


def csv_format(lines, sep=None, decimal=None, path=None):
    """The separator and decimal mark of a CSV file whose first lines are ``lines``: ``sep`` and
    ``decimal`` where given (pandas's ``sep`` and ``decimal``), else read from the file. A ``.tsv``
    file is tab-separated. Otherwise it is ';', a tab or '|' (``OTHER_SEPARATORS``) when its first
    rows (comments and blank lines aside) split at it into the same number (> 1) of cells each,
    and at ',' into no such table, or into one with fewer numbers (a European spreadsheet's
    "CSV": ``1,5;2,25;setosa``; a spreadsheet's "save as text": ``1.5<tab>2.25<tab>setosa``); of
    several such, the one with the most numbers. Its decimal mark is ',' when the separator is not
    ',', some cell is a number written with a decimal comma and none with a decimal point. With
    ``path``, a note on standard error names what was read from the file."""
    rows = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    found, given = [], [option for option, value in (("--sep", sep), ("--decimal", decimal)) if value is not None]
    if sep is None and path is not None and _plain_name(path).endswith(".tsv"):
        sep = "\t"  # the name says so: no note
    if sep is None:
        split = {s: list(csv.reader(rows, delimiter=s)) for s in (",", *OTHER_SEPARATORS)}
        # (a quoted "a|b" in a ',' file is one cell at '|': no table; an unquoted one splits into text, no numbers)
        numbers = {s: _numbers(cells, "," if s != "," else ".") for s, cells in split.items()}
        best = max((s for s in OTHER_SEPARATORS if _width(split[s])), key=numbers.get, default=",")
        # a tie is one feature with decimal commas and a text label (1,5;cat): at ',' each row splits
        # into "1" and "5;cat", so the other separator stands in every row's cells ('1' was read for 1.5)
        tie = numbers[best] == numbers[","] and all(best in "".join(cells) for cells in split[","])
        sep = best if best != "," and (not _width(split[","]) or numbers[best] > numbers[","] or tie) else ","
        found += [f"sep={sep!r}"] * (sep != ",")
    if decimal is None:
        cells = [c.strip() for cells in csv.reader(rows, delimiter=sep) for c in cells] if sep != "," else []
        comma = any("," in c and _is_number(_point(c, ",")) for c in cells)
        decimal = "," if comma and not any("." in c and _is_number(c) for c in cells) else "."
        found += [f"decimal={decimal!r}"] * (decimal != ".")
    if sep == decimal:  # (pandas refuses it too)
        what = {2: "--sep and --decimal", 0: "the separator and the decimal mark"}.get(len(given), (
            "--sep and the decimal mark (--decimal, default '.')" if given == ["--sep"]
            else f"--decimal and the separator of {path or 'the file'}'s columns"))
        raise CommandError(f"{what} are the same character, {sep!r}: a cell such as 1{sep}5 could not be told from "
                           "two cells; a file with decimal commas separates its columns by ';' (--sep ';').")
    if path is not None and found:
        print(f"note: {path} is read with {' and '.join(found)}, as it is written (--sep and --decimal set them).",
              file=sys.stderr)
    return sep, decimal


def _header_reason(rows):
    """Why row 1 names the columns, or None when it is data: "names" when none of its cells
    is a number, or when one of its text cells heads a column of numbers; "labels" when its
    numbers are whole (pandas names a NumPy array's columns 0, 1, 2...) and one of its text
    cells heads a column of recurring labels it is not one of (a header-less file may hold
    text labels in every row; its first row usually has fractional numbers); "numbers" when it
    is 0, 1, 2, ... in order (``pd.DataFrame(array).to_csv(index=False)``'s header; after an
    empty cell, the index's, without ``index=False``) over three
    or more columns with a number that is not whole below, or over five or more columns (a
    data row "0,1" (x = 0, y = 1) or "0,1,2" among whole numbers is too likely)."""
    first = rows[0][1]
    if not any(_is_number(c) for c in first):  # (a blank row is no row)
        return "names"
    if any(_is_text(cell) and _numbers_below(rows, k) for k, cell in enumerate(first)):
        return "names"
    if all(re.fullmatch(r"[+-]?\d+", c) for c in first if _is_number(c)) and any(
            _is_text(cell) and _names_labels(rows, k, cell) for k, cell in enumerate(first)):
        return "labels"
    numbered = first[1:] if first[:1] == [""] else first  # (pandas's index column has no name)
    if numbered == [str(k) for k in range(len(numbered))] and len(numbered) > 2 and len(rows) > 1 and (
            len(numbered) > 4 or any(not re.fullmatch(r"[+-]?\d+", c) for _, cells in rows[1:] for c in cells)):
        return "numbers"
    return None


def _shown(cells):
    """A row's cells for a message, the first few of a wide one."""
    return ",".join(map(shown, cells[:6])) + (",..." if len(cells) > 6 else "")


def _is_row_index(rows):
    """Whether the first column has an empty header and holds 0, 1, 2, ... (``rows``: the header and the
    first rows): the index that pandas's ``to_csv`` writes unless told ``index=False``."""
    header, body = rows[0][1], [cells for _, cells in rows[1:]]
    return len(header) > 1 and header[0] == "" and bool(body) and all(c[0] == str(i) for i, c in enumerate(body))


def _names_labels(rows, k, cell):
    """Whether ``cell`` (row 1, column ``k``) names a column of text labels: the labels below
    recur (each class has several samples), the name appears nowhere among them."""
    below = [c[k] for _, c in rows[1:] if k < len(c)]
    return (bool(below) and all(_is_text(c) for c in below) and cell not in below
            and len(set(below)) < len(below))


def _numbers_below(rows, k):
    """Whether column ``k`` holds numbers below row 1 (at least one; empty cells aside)."""
    below = [c[k] for _, c in rows[1:] if k < len(c) and c[k] != ""]
    return bool(below) and all(_is_number(c) for c in below)


#: a number written with a leading zero (007, -01) is a code: a label kept as written
_LEADING_ZERO = re.compile(r"[+-]?0\d")


def label_text(cell):
    """The class a label cell names, the same in train, evaluate and predict: a number by its
    value (1, 1.0 and 1e0 are class "1"; 0.50 is "0.5"), anything else as written ("007", "cat")."""
    cell = str(cell).strip()
    if _LEADING_ZERO.match(cell):
        return cell
    try:
        return str(int(cell))  # exact, however long
    except ValueError:
        pass
    return _label(float(cell)) if _is_number(cell) else cell


def _target_values(cells):
    """A target column: int64 where every cell is an integer (exact: 2**53 + 1 stays itself),
    float64 where every cell is a number, else class labels as text (``label_text``)."""
    if not any(_LEADING_ZERO.match(c) for c in cells):
        try:
            return np.array([int(c) for c in cells], dtype=np.int64)
        except OverflowError:  # integers beyond int64 stay exact as text
            return np.array([label_text(c) for c in cells])
        except ValueError:
            pass
        if all(_is_number(c) for c in cells):
            return np.array(cells).astype(np.float64)
    return np.array([label_text(c) for c in cells])


def _rows(fh, path, limit=None, header=None, sep=",", decimal="."):
    """The non-blank rows of a CSV file as (line, stripped cells), line being where the row
    starts, at most ``limit`` of them; the offset in ``fh`` after the first one; and the offset
    of the data after the comment lines that open the file (lines that start with ``#``, which
    NumPy's loadtxt skips: a tool's remarks). The last of those is row 1 when it names as many
    columns as the next row has and holds no number (``np.savetxt(..., header="a,b,label")``
    writes ``# a,b,label``), unless ``header`` is False (``--no-header``). A file whose every
    row starts with ``#``, rows of one width (a table of ids such as ``#17``), holds no comments:
    its rows are read. Cells are split
    at ``sep``; numbers written with the decimal mark ``decimal`` come as ``float`` reads them."""
    rows, first_end, start, skipped = _read_rows(fh, path, limit, header, sep, decimal, comments=True)
    if not rows and len(skipped) > 1 and len(set(skipped)) == 1 and skipped[0] > 1:
        fh.seek(0)
        rows, first_end, start, _ = _read_rows(fh, path, limit, header, sep, decimal, comments=False)
    return rows, first_end, start


def _is_comment(opening, row):
    """Whether the CSV row ``row``, whose first line is ``opening``, is a comment line: it starts
    with ``#`` (unquoted, as loadtxt reads it), and its first cell is neither a column named ``#``
    (Kaggle's Pokémon file: ``#,Name,Type 1,...``, as pandas reads it) nor the missing value ``#N/A``,
    whose line 1 is read and named."""
    first = row[0].strip() if row else ""
    return opening.lstrip().startswith("#") and not (first == "#" and len(row) > 1) and first.upper() not in MISSING


def _read_rows(fh, path, limit, header, sep, decimal, comments):
    """:func:`_rows`, with comment lines skipped or not; and the number of cells of each one skipped."""
    pending = []  # the lines of the row being read (the csv module reads one row's lines at a time)

    def lines():
        for text in fh:
            pending.append(text)
            yield text

    reader = csv.reader(lines(), delimiter=sep, strict=True)  # strict: an unclosed quote is an error, not the rest
    rows, line, first_end, start, offset, comment, skipped = [], 1, 0, 0, 0, None, []
    try:
        for row in reader:
            opening = pending[0]
            offset += sum(map(len, pending))  # (a file's tell() is refused while it is iterated)
            pending.clear()
            row = [_point(c.strip(), decimal) for c in row] if decimal != "." else row
            if comments and not rows and _is_comment(opening, row):
                comment, start = (line, [row[0].lstrip()[1:].strip(), *(c.strip() for c in row[1:])]), offset
                skipped.append(len(row))
            elif any(c.strip() for c in row):
                if not rows and comment and header is not False and len(comment[1]) == len(row) and \
                        not any(c == "" or _is_number(c) for c in comment[1]):
                    rows.append(comment)
                    first_end = start
                rows.append((line, [c.strip() for c in row]))
                if len(rows) == 1:
                    first_end = offset
                if limit is not None and len(rows) >= limit:  # (a header from a comment adds two at once)
                    break
            line = reader.line_num + 1
    except csv.Error as exc:
        hint = " (a quote opened there is never closed)" if "end of data" in str(exc) else ""
        # (a tab separator in csv's "'\t' expected after '\"'" became "' '" in the one-line message)
        raise CommandError(f"{path} line {line} is not valid CSV: {str(exc).replace(chr(9), chr(92) + 't')}{hint}.") \
            from None
    return rows, first_end, start, skipped


#: the rows that decide whether row 1 is a header; a longer file's body is read in C first
HEAD_ROWS = 1000


def _parse_clean(text, start, width, col, skip=(), sep=",", decimal=".", keep=None):
    """The feature values (float64) of a CSV file's data rows (``text`` from offset ``start``: no
    copy of a large file's text), read in C: by pandas's parser when pandas is installed, else by
    NumPy's ``loadtxt``; and the stripped cells of the target column ``col`` and of ``keep`` (one
    of ``skip``: the id column), by index. The columns ``skip`` (``--ignore``) are read as text and
    left out. Cells are split at ``sep``, and numbers read with the decimal mark ``decimal``.

    None when a row needs :func:`_rows`'s careful reading: a feature cell that is not a
    finite number, a row of another width, a blank-looking row, any quote (the csv
    module's strict quoting, which names an unclosed quote, is the rule). That reader
    then names the line. Where this one succeeds, each value is what ``float(cell)`` gives.
    """
    if text.find('"', start) >= 0:  # quoting as the csv module reads it (strictly) is the careful reader's
        return None
    body = io.StringIO(text)
    body.seek(start)
    try:
        try:
            import pandas as pd
        except ImportError:
            pd = None
        if pd is not None:
            # pandas < 3's default float parser is not correctly rounded (2.2 reads 361.59505490948476 as
            # 361.5950549094848, a few ulps off float(cell)); its "round_trip" one is Python's own
            # (pandas 3 rounds correctly by default, and deprecates the argument)
            precision = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
            frame = pd.read_csv(body, header=None, na_filter=False, engine="c", sep=sep, decimal=decimal, **precision,
                                dtype={k: str if k == col or k in skip else np.float64 for k in range(width)})
            if frame.shape[1] != width:
                return None
            # pandas pads a short row (an error for the csv module) with "" in text columns: without
            # quotes, every row of the right width has width − 1 separators (a long row raises)
            if text.count(sep, start) != (width - 1) * len(frame):
                return None
            texts = {k: frame[k].tolist() for k in (col, keep) if k is not None}
            values = frame.drop(columns=[k for k in range(width) if k == col or k in skip]).to_numpy(np.float64)
        else:
            texts = {k: [] for k in (col, keep) if k is not None}  # their cells, in row order, read as text
            # loadtxt has no decimal mark: each number's is turned into a point, as the careful reader does
            text = {} if decimal == "." else {k: lambda cell: float(_point(cell.strip(), decimal)) for k in range(width)}
            text.update({k: lambda cell: 0.0 for k in skip})  # read, not converted
            text.update({k: lambda cell, cells=cells: cells.append(cell) or 0.0 for k, cells in texts.items()})
            values = np.loadtxt(body, delimiter=sep, comments=None, ndmin=2,
                                dtype=np.float64, converters=text or None)
            if values.shape[1] != width:
                return None
            values = np.delete(values, [k for k in range(width) if k == col or k in skip], axis=1)
    except Exception:  # noqa: BLE001 -- whatever the C parsers dislike, the careful reader explains
        return None
    if not all(isinstance(c, str) for cells in texts.values() for c in cells):
        return None
    if not np.isfinite(values).all():
        return None
    return values, {k: [_point(c.strip(), decimal) for c in cells] for k, cells in texts.items()}


def read_csv(path, target=None, require_target=True, read_target=True, ignore=(), header=None, sep=None,
             decimal=None, ids=None):
    """Read a numeric CSV file (an optional header row; one target column).

    Parameters
    ----------
    path : str
    target : str or None
        The target column, by header name or 0-based index (negative counts
        from the end); None: the last column when ``require_target``, else
        no target (every column is a feature).
    read_target : bool
        False: the target column is only left out of the features (``predict``), and may
        hold anything, empty cells too; y is then None.
    ignore : sequence of str or int
        Columns left out of the features (an id), by header name or index (an int is
        always an index); they may hold anything.
    header : True, False or None
        True: row 1 is the header (the caller knows: it holds a model's column names, or
        ``--header``); False: row 1 is data (``--no-header``); None: decided from the first
        rows (:func:`_header_reason`).
    sep, decimal : str or None
        The column separator and the decimal mark, as for ``pandas.read_csv``; None: read from
        the file (:func:`csv_format`, with a note when it is not ',' and '.').
    ids : str or int or None
        An id column (``predict --id``), by header name or index: no feature, and its cells
        come back as ``names.ids`` (text as read: stripped, a decimal comma read as a point).

    Returns
    -------
    X : ndarray of float64, shape (n, d)
    y : ndarray of shape (n,) or None
        int64 (integer targets, exact), float64, or str labels (``label_text``).
    names : list of str
        The feature names (``column_k`` without a header).
    """
    file = Path(path)
    if not isinstance(path, StandardInput) and not file.is_file():
        raise CommandError(f"no such file: {path}" if not file.exists() else f"not a file: {path}")
    try:
        if isinstance(path, StandardInput):
            text = path.text
        else:
            with _open(file) as fh:
                text = fh.read()
    except UnicodeDecodeError:
        kind = _binary_kind(file)
        if kind:
            raise CommandError(f"{path} is not CSV text but {kind}.") from None
        encoding = _unicode_encoding(file)
        raise CommandError(f"{path} is not a UTF-8 text CSV file ({f'it is {encoding.upper()} text; ' if encoding else ''}"
                           f"save it as UTF-8, e.g. with {_iconv(file, encoding or 'latin1')} > utf8.csv)."
                           ) from None
    except DAMAGED as exc:  # a damaged .gz, .bz2 or .xz file, or a plain one so named
        if file.suffix.lower() not in COMPRESSION:
            raise
        raise CommandError(f"{path} cannot be decompressed as a {file.suffix[1:]} file: {exc}.") from None
    sep, decimal = csv_format(itertools.islice(io.StringIO(text, newline=""), FORMAT_LINES), sep, decimal, path)
    fmt = {"sep": sep, "decimal": decimal}
    head, first_end, start = _rows(io.StringIO(text, newline=""), path, limit=HEAD_ROWS + 1, header=header, **fmt)
    if not head:
        raise CommandError(f"{path} is empty.")
    # judged on the first rows (all of a short file), unless the caller (--header, --no-header) knows
    reason = "given" if header else None if header is False else _header_reason(head)
    has_header = reason is not None
    if reason == "labels":
        print(f"note: row 1 of {path} is read as its header ({', '.join(map(shown, head[0][1]))}): its whole numbers are "
              "taken as column names, its text as the name of the labels' column (--no-header reads it as "
              "data).", file=sys.stderr)
    if reason == "numbers":  # it was read as a data row: 0 and 1 became a sample, the last cell a class of its own
        print(f"note: row 1 of {path} ({_shown(head[0][1])}) is read as its header: it numbers the columns, as "
              "pandas writes a NumPy array's (--no-header reads it as data).", file=sys.stderr)
    if has_header and _is_row_index(head) and not {"0", str(-len(head[0][1]))} & {str(c) for c in (*ignore, target)}:
        # pandas's to_csv without index=False: the row numbers were a feature (named ""), sorted data's best one
        print(f"note: the first column of {path} has no name and numbers the rows 0, 1, 2, ... (pandas's index, "
              "written by to_csv without index=False): it is left out.", file=sys.stderr)
        ignore = (*ignore, 0)
    if len(head) > HEAD_ROWS:  # a long file: its body is read in C when every cell is a clean number
        table = _table(head, has_header, target, require_target, read_target, ignore, path,
                       body=(text, first_end if has_header else start), sep=sep, decimal=decimal, ids=ids)
        if table is not None:
            return table
        head, _, _ = _rows(io.StringIO(text, newline=""), path, header=header, **fmt)
    return _table(head, has_header, target, require_target, read_target, ignore, path, sep=sep, decimal=decimal,
                  ids=ids)


def _iconv(file, encoding):
    """The shell command that writes ``file`` as UTF-8 text (decompressed: iconv reads no gzip)."""
    tool = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}.get(file.suffix.lower())
    return f"{tool} -dc {file} | iconv -f {encoding} -t utf-8" if tool else f"iconv -f {encoding} -t utf-8 {file}"


#: the first bytes of files that are often given for a CSV file, and what to do with each ({path}: the file);
#: the advice "iconv -f latin1" turned them into garbage text
BINARY_KINDS = {
    b"PK\x03\x04": "a zip archive (an Excel .xlsx or LibreOffice .ods workbook?): save it as CSV UTF-8 from the "
                    "spreadsheet, or with pandas.read_excel({path!r}).to_csv('data.csv', index=False)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an old Excel .xls workbook: save it as CSV UTF-8 from the spreadsheet, or "
                                          "with pandas.read_excel({path!r}).to_csv('data.csv', index=False)",
    b"PAR1": "a Parquet file: save it as CSV with pandas.read_parquet({path!r}).to_csv('data.csv', index=False)",
    b"\x1f\x8b": "gzip-compressed: name it with the suffix .gz ({path}.gz), which is read decompressed",
}


def _binary_kind(file):
    """What ``file`` is, and what to do, when it starts as a spreadsheet, Parquet or gzip file does; else None."""
    with _open(file, "rb") as fh:
        start = fh.read(8)
    return next((kind.format(path=str(file)) for signature, kind in BINARY_KINDS.items()
                 if start.startswith(signature)), None)


def _unicode_encoding(file):
    """"utf-16" or "utf-32" when ``file`` starts with that encoding's byte-order mark (Excel's
    "Unicode Text" is UTF-16), else None: the advice "iconv -f latin1" turned such a file into
    text with a NUL byte between the characters."""
    with _open(file, "rb") as fh:
        start = fh.read(4)
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if start.startswith(bom):
            return name
    return None


def _table(rows, has_header, target, require_target, read_target, ignore, path, body=None, sep=",", decimal=".",
           ids=None):
    """:func:`read_csv`'s result from the file's non-blank ``rows`` (split at ``sep``). With ``body`` (the file's
    text and the offset after the header), ``rows`` are only the first ones: they settle the columns, and the body
    is read by :func:`_parse_clean` (with the decimal mark ``decimal``); None when it needs the careful reading of
    every row."""
    header = None
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
    hint = f" (columns are read as separated by {sep!r}; this file seems to use {other!r}: give --sep {other!r})" \
        if other else f" (--sep {sep!r}: row 1 holds no {sep!r})" if sep != "," and len(first) == 1 else ""
    for line, cells in rows:
        if len(cells) != width:
            raise CommandError(f"{path} line {line}: expected {width} field{'s' * (width != 1)}, found {len(cells)}{hint}.")
    # a spreadsheet's trailing comma on every line: an empty column, not data
    while width > 1 and (header is None or header[-1] == "") and all(c[-1] == "" for _, c in rows):
        if body is not None:
            return None  # whether every row has it: the careful reading tells
        width -= 1
        header = header[:-1] if header is not None else None
        rows = [(line, c[:-1]) for line, c in rows]
    names = header or [f"column_{k}" for k in range(width)]
    col = _target_index(target, names, header is not None, path, hint=hint) if (target is not None or require_target) \
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
    id_name = None if id_col is None else names[id_col] if header is not None else "id"
    if body is not None:
        parsed = _parse_clean(*body, width, col, left_out, sep, decimal, keep=id_col)
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
            shown = f" ({raw[missing]!r})" if raw[missing] else ""
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
        raise CommandError(f"{path}, column {name!r} (the target): its values are numbers written with a decimal "
                           f"comma ({shown!r}), and the file is read with the decimal mark '.', which makes them "
                           f"class labels: {comma}.")


def header_cells(path, sep=None, decimal=None):
    """The cells of a CSV file's row 1 as :func:`read_csv` finds it (stripped, after the comment lines
    that open the file; split at ``sep``, numbers with the decimal mark ``decimal``; None: as
    :func:`csv_format` reads them from the file), without reading the rest; [] when the file cannot
    be read as UTF-8 CSV (read_csv then says why)."""
    lines = head_lines(path)
    sep, decimal = csv_format(lines, sep, decimal)
    try:
        # as read_csv reads row 1 (after the comment lines; np.savetxt's header): predict on the file
        # that train read refused its label column as "columns besides the model's"
        rows, _, _ = _rows(io.StringIO("".join(lines), newline=""), path, limit=1, sep=sep, decimal=decimal)
        return rows[0][1] if rows else []
    except CommandError:
        pass
    return []


def align_columns(X, columns, features, path, sep=None, decimal=None):
    """``X``'s columns in the order of ``features`` (the names a model was trained on), found
    by the header names ``columns``: the same names in another order are reordered (with a
    note), a missing one is an error. Without a header or saved names, X is taken as it is."""
    if not features or columns is None or not columns.header or list(columns) == list(features):
        return X
    missing = [name for name in features if name not in columns]
    left_out = [name for name in missing if name in header_cells(path, sep, decimal)]
    if left_out:  # it said "price.csv has no column x1" of a file that has it: --target x1 took it out
        ids = columns.ids[0] if columns.ids is not None else None
        who = "--id" if ids in left_out else "--target or --ignore"  # (predict --id a, a a column of the model)
        raise CommandError(f"{who} leaves out {path}'s column{'s' * (len(left_out) > 1)} "
                           f"{', '.join(map(shown, left_out))}, which the model was trained on; the model takes "
                           f"{', '.join(map(shown, features))}.")
    if missing:
        raise CommandError(f"{path} has no column {', '.join(map(shown, missing))}, which the model was trained on; the model "
                           f"takes {', '.join(map(shown, features))}.")
    repeated = sorted({name for name in columns if columns.count(name) > 1 and name in features})
    if repeated or len(set(features)) != len(features):
        raise CommandError(f"{path}'s columns are not the model's ({', '.join(map(shown, features))}) in its order, and "
                           f"the names {', '.join(map(shown, repeated or sorted(set(features))))} repeat, so they cannot "
                           "be matched by name; "
                           "write the columns in the model's order.")
    if len(columns) != len(features):  # (columns besides the model's are left out by the caller)
        extra = ", ".join(shown(name) for name in columns if name not in features)
        raise CommandError(f"{path} has columns besides the model's ({extra}); leave them out with --ignore.")
    print(f"note: {path} has the model's columns in another order; they are taken by name.", file=sys.stderr)
    return X[:, [columns.index(name) for name in features]]


def _target_index(target, names, has_header, path, option="--target", hint=""):
    """The index of the column ``target`` names (a header name or a 0-based index, negative
    from the end; None: the last column), or the one-line error of ``option`` (``hint``: a
    file that seems to use another separator says so, since its header is one column)."""
    if target is None:
        return len(names) - 1
    if has_header and target in names:
        if names.count(target) > 1:
            raise CommandError(f"{option} {target!r}: {path} has {names.count(target)} columns of that name; "
                               "give the column's 0-based index instead.")
        return names.index(target)
    try:
        k = int(target)
    except ValueError:
        # a name with a line break is shown as its repr, with the index that selects it without quoting
        listed = ", ".join(name if name.isprintable() else f"{name!r} (index {k})" for k, name in enumerate(names))
        valid = f" Columns: {listed}." if has_header else " The file has no header: give a column index."
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


def _numeric(cells, rows, columns, names, path, has_target=True, hint="", has_header=True, comma=None):
    """The feature ``cells`` as float64, or the error that names the first bad cell (``comma``: a number
    written with a decimal comma is named as such, with this advice (:func:`_comma_advice`): the file is
    read with the decimal mark '.')."""
    try:
        try:
            X = cells.astype(np.float64)
        except ValueError:  # (a column of True/False is rarer: looked for only then)
            X = _booleans(cells).astype(np.float64)
    except ValueError:
        for (line, _), row in zip(rows, cells):  # only to name the first bad cell
            # (str: _booleans has put the floats 1 and 0 into an object array's True/False columns)
            for k, value in zip(columns, map(str, row)):
                if value == "" or value.upper() in MISSING:
                    shown = "" if value == "" else f" ({value!r})"
                    raise CommandError(
                        f"{path} line {line}, column {names[k]!r}: missing value{shown}; remove or fill it first."
                    ) from None
                if comma and not _is_number(value) and _is_number(_point(value, ",")):
                    raise CommandError(f"{path} line {line}, column {names[k]!r}: {value!r} has a decimal comma, "
                                       f"and the file is read with the decimal mark '.': {comma}.") from None
                if not _is_number(value):
                    if not hint:  # a text column: labels (without a target) or an id
                        # a file without a header takes indices: "--target column_2" is refused there
                        column = names[k] if has_header else k
                        hint = (f". If it is no feature (an id), leave it out with --ignore {column}; if it holds the "
                                f"labels, name it with --target {column}; a column of categories must be made numbers "
                                "first, one 0/1 column per category (pandas.get_dummies)" if has_target
                                else f". If it is no feature (an id), leave it out with --ignore {column}; if it "
                                     f"holds the labels, with --target {column}")
                    raise CommandError(
                        f"{path} line {line}, column {names[k]!r}: {value!r} is not a number{hint}."
                    ) from None
        raise
    _check_finite(X, rows, columns, names, path)
    return X


def _first_missing(cells):
    """The index of the first empty or missing-value cell (``MISSING``: NA, NULL...; or NaN, which
    str() and the csv module write for a float NaN and pandas reads as missing: a column of text labels
    took "nan" for a class; or an infinity, "inf", no class either), else None."""
    return next((i for i, c in enumerate(cells) if c == "" or c.upper() in MISSING or _non_finite(c)), None)


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


def _integral(y):
    """Whether the target values ``y`` are whole numbers (int64, or floats such as 3.0)."""
    return y.dtype.kind in "iu" or (y.dtype.kind == "f" and bool(np.all(y == np.round(y))))


#: above this many classes of whole numbers, train says it reads them as classes (an age, a count)
MANY_CLASSES = 10


def encode_labels(y, task):
    """Class indices and class labels, or float targets for regression.

    Integer labels 0..K−1 (a few may be missing, as in a subset of the digits,
    but two classes are 0 and 1) are their own class index; any other labels
    (text, fractional, labels that do not start at 0 or leave most indices
    unused, such as 1000 and 2000; 0 and 2) are indexed in sorted order. The saved class labels map either way back.
    """
    numeric = y.dtype.kind in "if"  # else text labels (``label_text``)
    integral = _integral(y)
    if task == "auto":
        discrete = not numeric or (integral and len(np.unique(y)) <= 50)
        task = "classification" if discrete else "regression"
    if task == "regression":
        try:  # labels kept as text, such as 007, are numbers all the same
            values = y.astype(np.float64)
        except ValueError:
            raise CommandError("the target column holds text labels, and a regression (--task regression, or a "
                               "regression model) needs numbers.") from None
        if not np.isfinite(values).all():
            raise CommandError("--task regression needs finite targets; the target column holds inf or nan.")
        return values, None, task
    k = len(np.unique(y))  # two classes are 0 and 1 (0 and 2 would leave output 1 unused)
    if integral and y.min() == 0 and y.max() < 2 * k and (k > 2 or y.max() == 1):
        idx = y.astype(np.int64)
        return idx, [str(k) for k in range(int(idx.max()) + 1)], task
    labels, idx = np.unique(y, return_inverse=True)
    return idx.astype(np.int64), [_label(v) for v in labels], task


def _label(value):
    """A class label as text: 1000001 stays "1000001" (``:g`` gave "1e+06" to 1000001,
    1000002 and 1000003 alike), 0.5 is "0.5"."""
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def _mnist_places():
    """Where ``auto`` looked for MNIST, for its note; a ``$GLASSNET_DATA`` that is no folder, or lacks
    some of the four files, says so: its user expects MNIST, and "not found" alone left them guessing."""
    from ..datasets.mnist import MNIST_FILES

    where = "$GLASSNET_DATA, the cache, ../shared/data/mnist"
    root = os.environ.get("GLASSNET_DATA")
    if not root:
        return where
    root = Path(root).expanduser()
    if not root.is_dir():
        return f"{where}; $GLASSNET_DATA={root} is not a folder"
    missing = min(([stem + ".gz" for stem in MNIST_FILES if not ((folder / (stem + ".gz")).is_file()
                                                                  or (folder / stem).is_file())]
                   for folder in (root / "mnist", root)), key=len)
    return f"{where}; $GLASSNET_DATA={root} lacks {', '.join(missing)}" if missing else where


def _find_mnist(download):
    """MNIST from $GLASSNET_DATA or the cache, then ../shared/data/mnist; else download or None."""
    from ..datasets import MNISTNotFoundError, load_mnist

    try:
        return load_mnist(download=False, progress=False), "local files ($GLASSNET_DATA or the cache)"
    except MNISTNotFoundError:
        pass
    if SHARED_MNIST.is_dir():
        try:
            return load_mnist(path=SHARED_MNIST, download=False), str(SHARED_MNIST)
        except MNISTNotFoundError:
            pass
    if download:
        try:
            return load_mnist(), "downloaded once to the cache"
        except MNISTNotFoundError as exc:  # the library's advice, in the command line's words
            text = " ".join(str(exc).replace(", or pass load_mnist(path='folder')", "").split())
            # the command looked in ../shared/data/mnist too, which the library's list leaves out
            text = re.sub(r"\(looked in: ([^)]*)\)", lambda m: f"(looked in: {m.group(1)}, {SHARED_MNIST})", text, count=1)
            raise CommandError(text.replace("glassnet.datasets.load_digits() needs no download.",
                                            "'glassnet train digits' needs no download.")) from None
    return None


#: the data options, each with its default and the data sets it applies to
_DATA_OPTIONS = {"samples": (500, "toy"), "noise": (0.0, "toy"), "data_seed": (0, "toy"),
                 "test_split": (0.2, "csv"), "target": (None, "csv"), "task": ("auto", "csv"), "ignore": ((), "csv"),
                 "header": (None, "csv"), "sep": (None, "csv"), "decimal": (None, "csv")}
_WHY_NOT = {  # why an option does not apply to a kind of data set
    "samples": "only a toy set is generated", "noise": "only a toy set is generated",
    "data_seed": "only a toy set is generated",
    "test_split": {"fixed": "its test part is fixed (MNIST's own 10 000 test images, 20 % of the digits) so that "
                            "evaluate agrees with train",
                   "toy": "a toy set's test part is a fixed 20 % (--samples sets its size)"},
    "target": "only a CSV file has columns to choose", "task": "only a CSV file's target needs telling apart",
    "ignore": "only a CSV file has columns to leave out",
    "header": "only a CSV file has a header row",
    "sep": "only a CSV file has columns to separate", "decimal": "only a CSV file holds written numbers",
}


def _settle_data_options(args, kind, name):
    """Refuse a data option given for a data set it does not apply to (argparse users expect an
    error, not an option silently unused: --test-split with digits), then fill in the defaults."""
    given = [option for option, (default, _) in _DATA_OPTIONS.items()
             if getattr(args, option, None) not in (None, "auto")]
    unused = [option for option in given if _DATA_OPTIONS[option][1] != kind]
    if unused:
        option = unused[0]
        why = _WHY_NOT[option] if isinstance(_WHY_NOT[option], str) else _WHY_NOT[option][kind]
        given = "no-header" if getattr(args, option) is False else option.replace("_", "-")
        raise CommandError(f"--{given} does not apply to {name}: {why}.")
    for option, (default, _) in _DATA_OPTIONS.items():
        if hasattr(args, option) and getattr(args, option) is None:
            setattr(args, option, default)


def _no_training_rows(n, test):
    """Whether ``split`` would hold out every one of ``n`` rows for testing (it rounds the test part
    up); its own message names its arguments (``validation=0.0 and test=0.2``), not the options."""
    return test > 0 and int(np.ceil(test * n)) >= n


def _stratified(y, test, classes, name, rows="rows"):
    """Whether the test part of ``test`` (a fraction) can be stratified on the classes ``y``
    (indices into ``classes``): not when a class has a single row, or there are more classes
    than rows in the test or the training part (``split`` refuses those, as scikit-learn's
    ``train_test_split``). Then a note says why, and the rows are split at random instead."""
    labels, counts = np.unique(y, return_counts=True)
    n_test = int(np.ceil(test * len(y)))
    rare = [f"{classes[k]!r}" for k in labels[counts < 2]]
    if rare:
        many = len(rare) > 1
        why = (f"the class{'es' * many} {', '.join(rare[:5])}{' ...' * (len(rare) > 5)} {'have' if many else 'has'} "
               f"only 1 of the {len(y)} {rows} of {name}, too few to stratify on")
    elif min(n_test, len(y) - n_test) < len(labels):
        part = "test" if n_test < len(labels) else "training"
        why = (f"{name} has {len(labels)} classes, more than its {count(min(n_test, len(y) - n_test), part + ' ' + rows[:-1])} "
               f"can hold one of each")
    else:
        return True
    print(f"note: {why}: the {count(n_test, 'test ' + rows[:-1])} {'are' if n_test > 1 else 'is'} drawn at random, "
          f"not in the classes' proportions.", file=sys.stderr)
    return False


def load_dataset(name, args, purpose="train", task=None, target=None, header=None):
    """Load DATA for train/evaluate/som: a data set name or a CSV file.

    The test part of each named set is fixed so that ``train`` and
    ``evaluate`` agree: MNIST's own 10 000 test images, a stratified 20 %
    of the digits (seed 0), 20 % of a toy set generated with ``--data-seed``.
    """
    from .. import datasets
    from ..preprocessing import split

    key = name.lower()
    kind = "fixed" if key in ("auto", "mnist", "digits") else "toy" if key in TOY_SETS else "csv"
    _settle_data_options(args, kind, name)
    if key in ("auto", "mnist"):
        found = _find_mnist(download=key == "mnist")
        if found is not None:
            ((x, y), (xt, yt)), where = found
            return Data("mnist", f"MNIST from {where}: {len(x)} train / {len(xt)} test images of 28×28",
                        x, y, xt, yt, "classification", [str(k) for k in range(10)])
        print(f"MNIST was not found ({_mnist_places()}); using the "
              "embedded 8×8 digits instead ('glassnet train mnist' downloads MNIST).")
        key = "digits"
    if key == "digits":
        (x, y), (xt, yt) = datasets.load_digits(test=0.2, seed=0)
        return Data("digits", f"the embedded 8×8 digits: {len(x)} train / {len(xt)} test images",
                    x, y, xt, yt, "classification", [str(k) for k in range(10)])
    if key in TOY_SETS:
        maker = getattr(datasets, f"make_{key}")
        X, y = maker(n_samples=args.samples, noise=args.noise, seed=args.data_seed, dtype="float64")
        if _no_training_rows(len(X), 0.2):
            raise CommandError(f"--samples {args.samples}: the fixed 20 % test part leaves no point to train on; "
                               "give more samples (e.g. --samples 50).")
        (x, y_), _, (xt, yt) = split(X, y, test=0.2, seed=0, stratify=_stratified(y, 0.2, "01", key, "points"))
        return Data(key, f"playground '{key}': {len(x)} train / {len(xt)} test points "
                         f"(noise {args.noise:g}, data seed {args.data_seed})",
                    x, y_, xt, yt, "classification", ["0", "1"], standardize=True)
    if not is_csv(name) and not Path(name).exists():
        raise CommandError(
            f"unknown data set {name!r}: use auto, mnist, digits, {', '.join(TOY_SETS)} or the path of a CSV file."
        )
    unlabelled = purpose == "som" and getattr(args, "target", None) is None
    X, y_raw, names = read_csv(name, target if target is not None else getattr(args, "target", None),
                               require_target=not unlabelled, ignore=getattr(args, "ignore", None) or (),
                               header=getattr(args, "header", None) if header is None else header,
                               sep=getattr(args, "sep", None), decimal=getattr(args, "decimal", None))
    if unlabelled:  # a map needs no target: every column is a feature
        return Data(Path(name).name, f"{name}: {count(len(X), 'row')}, {count(X.shape[1], 'feature')}", X, None, X, None,
                    "unlabelled", standardize=True)
    requested = task or getattr(args, "task", "auto")
    y, classes, task = encode_labels(y_raw, requested)
    if purpose != "train":
        return Data(Path(name).name, f"{name}: {count(len(X), 'row')}, {count(X.shape[1], 'feature')}", X, y, X, y,
                    task, classes,
                    standardize=True, columns=names)
    test = args.test_split
    if _no_training_rows(len(X), test):
        raise CommandError(f"{name} has {len(X)} row(s): --test-split {test:g} holds them all out for testing and "
                           "leaves none to train on; give more rows, or --test-split 0.")
    if test > 0:
        stratify = task == "classification" and _stratified(y, test, classes, Path(name).name)
        (x, y_tr), _, (xt, yt) = split(X, y, test=test, seed=0, stratify=stratify)
    else:
        x, y_tr, xt, yt = X, y, X[:0], y[:0]
    why = ""  # integers read as a regression, or as many classes: say why, and how to get the other
    if requested == "auto" and task == "regression" and _integral(y_raw):
        why = (f"{len(np.unique(y_raw))} distinct integer targets are read as a regression "
               "(--task classification makes them classes)")
    elif requested == "auto" and task == "classification" and y_raw.dtype.kind in "iuf" and len(classes) > MANY_CLASSES:
        # an age or a count (40 values of 17..68) trained a 40-class softmax without a word
        why = (f"{len(classes)} distinct integer targets are read as {len(classes)} classes "
               "(--task regression predicts them as numbers)")
    return Data(Path(name).name, f"{name}: {len(x)} train / {count(len(xt), 'test row')}, {count(X.shape[1], 'feature')} "
                                 f"({', '.join(map(shown, names[:6]))}{', ...' if len(names) > 6 else ''})"
                                 f"{f'; its {why}' if why else ''}",
                x, y_tr, xt, yt, task, classes, standardize=True, columns=names, reading=why)
