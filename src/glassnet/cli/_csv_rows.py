"""A CSV file's rows: read by the csv module, which names the line of a bad row (comment lines that open
the file skipped), or a long file's clean body read in C; and row 1 alone, for a model's columns."""

import contextlib
import csv
import io
import itertools
import math
import re

import numpy as np

from ._common import CommandError
from ._csv import EXCEL_SEP, MISSING, _is_number, _point, csv_format, csv_reader, head_lines, long_cells


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


@long_cells()  # (a cell may be longer than the csv module's 131,072 characters)
def _read_rows(fh, path, limit, header, sep, decimal, comments):
    """:func:`_rows`, with comment lines skipped or not; and the number of cells of each one skipped."""
    pending = []  # the lines of the row being read (the csv module reads one row's lines at a time)

    def lines():
        for text in fh:
            pending.append(text)
            yield text

    reader = csv_reader(lines(), sep, strict=True)  # strict: an unclosed quote is an error, not the rest
    rows, line, first_end, start, offset, comment, skipped = [], 1, 0, 0, 0, None, []
    try:
        for row in reader:
            opening = pending[0]
            offset += sum(map(len, pending))  # (a file's tell() is refused while it is iterated)
            pending.clear()
            row = [_point(c.strip(), decimal) for c in row] if decimal != "." else row
            if line == 1 and EXCEL_SEP.fullmatch(opening):
                start = offset  # Excel's "sep=;": no row (csv_format has read the separator from it)
            elif comments and not rows and _is_comment(opening, row):
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


def _skip(fh, offset):
    """``fh`` moved on past its first ``offset`` characters, which end a line (:func:`_rows`'s offsets)."""
    done = 0
    while done < offset:
        line = fh.readline()
        if not line:
            break
        done += len(line)
    return fh


class _Body:
    """A CSV file's text from where ``fh`` stands, handed on a block of whole lines at a time (pandas
    reads with ``read``, loadtxt iterates lines), never held whole: on the way, the separators ``sep``
    outside quoted cells are counted, and ``clean`` says whether every quote is a whole cell's as the csv
    module reads one (``"..."`` between separators or line ends, ``""`` inside, on one line), which the C
    parsers read alike."""

    BLOCK = 1 << 20  # characters

    def __init__(self, fh, sep):
        self.fh, self.sep, self.separators, self.clean, self.quoted = fh, sep, 0, True, False
        around = re.escape(sep) + r"\r\n"
        self._quoted = re.compile(rf'(?:^|(?<=[{around}]))"(?:[^"\r\n]|"")*"(?=[{around}]|$)')

    def _seen(self, text):
        if '"' in text:
            self.quoted = True
            if len(self.sep) != 1:
                self.clean = False
                return text
            bare = self._quoted.sub("", text)  # (a block starts a line: ^ is a line's start)
            self.clean = self.clean and '"' not in bare
            self.separators += bare.count(self.sep)
        else:
            self.separators += text.count(self.sep)
        return text

    def read(self, size=-1):
        return self._seen("".join(self.fh.readlines(max(size, self.BLOCK))))

    def __iter__(self):
        return (self._seen(line) for line in self.fh)


def _parse_clean(open_body, start, width, col, skip=(), sep=",", decimal=".", keep=None, empty=()):
    """The feature values (float64) of a CSV file's data rows (the text of ``open_body()``, a fresh handle,
    from offset ``start``, read a block at a time: never the file's whole text), read in C: by pandas's
    parser when pandas is installed, else by NumPy's ``loadtxt``; and the stripped cells of the target
    column ``col`` and of ``keep`` (one of ``skip``: the id column), by index. The columns ``skip``
    (``--ignore``) are read as text and left out, and so are the columns ``empty`` (a spreadsheet's trailing
    comma), which must be blank in every row. Cells are split at ``sep``, and numbers read with the
    decimal mark ``decimal``.

    None when a row needs :func:`_rows`'s careful reading: a feature cell that is not a
    finite number, a row of another width, a blank-looking row, a quote that is not a whole
    cell's (the csv module's strict quoting, which names an unclosed quote, is the rule; pandas
    reads whole quoted cells as it does, loadtxt none). That reader then names the line. Where
    this one succeeds, each value is what ``float(cell)`` gives. Runs of blanks (``sep`` '\\s+') are the
    careful reader's.
    """
    if len(sep) != 1:
        return None
    try:
        try:
            import pandas as pd
        except ImportError:
            pd = None
        skip = {*skip, *empty}
        with open_body() as fh:
            body = _Body(_skip(fh, start), sep)
            if pd is not None:
                # pandas < 3's default float parser is not correctly rounded (2.2 reads 361.59505490948476 as
                # 361.5950549094848, a few ulps off float(cell)); its "round_trip" one is Python's own
                # (pandas 3 rounds correctly by default, and deprecates the argument)
                precision = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
                frame = pd.read_csv(body, header=None, na_filter=False, engine="c", sep=sep, decimal=decimal,
                                    quotechar='"', doublequote=True, **precision,
                                    dtype={k: str if k == col or k in skip else np.float64 for k in range(width)})
                rows = len(frame)
                if frame.shape[1] != width:
                    return None
                texts = {k: frame[k].tolist() for k in (col, keep, *empty) if k is not None}
                for k in sorted({col, *skip} - {None}):
                    del frame[k]  # (the text columns out, in place: the features are left)
                values = frame.to_numpy(np.float64)
                del frame
            else:
                texts = {k: [] for k in (col, keep, *empty) if k is not None}  # their cells, in row order, read as text
                # loadtxt has no decimal mark: each number's is turned into a point, as the careful reader does
                text = {} if decimal == "." else {k: lambda cell: float(_point(cell.strip(), decimal))
                                                  for k in range(width)}
                text.update({k: lambda cell: 0.0 for k in skip})  # read, not converted
                text.update({k: lambda cell, cells=cells: cells.append(cell) or 0.0 for k, cells in texts.items()})
                values = np.loadtxt(body, delimiter=sep, comments=None, ndmin=2, quotechar=None,
                                    dtype=np.float64, converters=text or None)
                rows = len(values)
                if values.shape[1] != width:
                    return None
                values = np.delete(values, [k for k in range(width) if k == col or k in skip], axis=1)
            # loadtxt reads no quotes (a quote is a cell's text): a quoted file is the careful reader's
            if not body.clean or (pd is None and body.quoted):
                return None
            # pandas pads a short row (an error for the csv module) with "" in text columns: every row of
            # the right width has width − 1 separators outside its quoted cells (a long row raises)
            if body.separators != (width - 1) * rows:
                return None
    except Exception:  # noqa: BLE001 -- whatever the C parsers dislike, the careful reader explains
        return None
    if not all(isinstance(c, str) for cells in texts.values() for c in cells):
        return None
    if not np.isfinite(values).all() or any(c.strip() for k in empty for c in dict.fromkeys(texts.pop(k))):
        return None
    return values, {k: _stripped(cells, decimal) for k, cells in texts.items()}


def _stripped(cells, decimal):
    """The text ``cells`` stripped, a number with the decimal mark ``decimal`` as ``float`` reads it (each distinct
    cell once: a long file has few labels)."""
    clean = {cell: _point(cell.strip(), decimal) for cell in dict.fromkeys(cells)}
    return [clean[cell] for cell in cells]


def _suspect_lines(open_text, start, numeric, sep=",", decimal=".", size=1 << 16):
    """The lines of a long CSV file's body (the text of ``open_text()`` from offset ``start``) that may hold its
    first bad cell, as (line number, text) in order, found by pandas's parser a block of ``size`` rows at a time
    (1M rows with one NA were read into Python lists to find it: 93 s, 2.2 GB): in a column of numbers
    (``numeric[k]`` True, by the first rows) a cell that is no finite number (True too), in a column of text
    (False) an empty or missing-value cell; blank lines too. They end at a cell in a column empty in the first
    rows (None: a trailing comma), where a row may span lines (a quoted line break; a row of more cells, which
    pandas refuses), and without pandas or with runs of blanks as the separator: the careful reading of the whole
    file then tells."""
    try:
        import pandas as pd
    except ImportError:
        return
    if len(sep) != 1:
        return
    # read as NaN, not as a ValueError: the usual missing values, and True and False, which pandas reads as 1 and 0
    na = ["", *MISSING, *map(str.lower, MISSING), *map(str.title, MISSING),
          *("".join(p) for word in ("true", "false") for p in itertools.product(*zip(word, word.upper())))]

    def bad(cell, number):  # the careful reader's tests, on each distinct cell
        if not isinstance(cell, str):
            return True
        cell = _point(cell.strip(), decimal)
        finite = _is_number(cell) and math.isfinite(float(cell))
        return not finite if number else cell == "" or cell.upper() in MISSING or (_is_number(cell) and not finite)

    def suspects(block, as_text):  # the rows of ``block`` with a suspect cell (``as_text``: every column as text)
        if not isinstance(block.index, pd.RangeIndex):  # (a first row of more cells: pandas made them an index)
            return None
        found = np.zeros(len(block), bool)
        for k, number in enumerate(numeric):
            column = block[k]
            if number is None:
                if any(isinstance(cell, str) and cell.strip() for cell in set(column)):
                    return None
            elif number and not as_text:
                found |= ~np.isfinite(column.to_numpy(np.float64))
            else:
                found |= column.isin([cell for cell in set(column) if bad(cell, number)]).to_numpy()
        return np.flatnonzero(found)

    def blocks(skip, as_text):  # pandas's reader of the body's rows from its line ``skip`` on
        fh = files.enter_context(open_text())
        _skip(fh, start)
        for _ in range(skip):
            fh.readline()
        body = _Body(fh, sep)
        floats = [k for k, number in enumerate(numeric) if number and not as_text]
        return body, pd.read_csv(body, header=None, names=range(len(numeric)), sep=sep, decimal=decimal, engine="c",
                                 quotechar='"', doublequote=True, skip_blank_lines=False, chunksize=size,
                                 keep_default_na=False, na_values={k: na for k in floats},
                                 dtype={k: np.float64 if k in floats else str for k in range(len(numeric))})

    def lines_at(rows):  # (line number, text) of the body's rows ``rows`` (0-based, after those already given)
        for row in rows:
            for line, text in numbered:
                if line == first + row:
                    yield line, text
                    break

    with contextlib.ExitStack() as files:
        fh, first, done = files.enter_context(open_text()), 1, 0
        while done < start:  # (line numbers as the careful reader's: comment lines and blank ones count)
            text = fh.readline()
            done, first = done + len(text), first + 1
            if not text:
                return
        numbered, done, as_text = enumerate(iter(fh.readline, ""), first), 0, False
        try:
            while True:
                body, reader = blocks(done, as_text)
                try:
                    for block in reader:
                        found = suspects(block, as_text) if body.clean else None
                        if found is None:
                            return
                        yield from lines_at(done + found)
                        done += len(block)
                        if as_text:
                            break  # (one block as text; the next ones as numbers again)
                    else:
                        return
                    as_text = False
                except ValueError as exc:  # a text cell in a column of numbers: its block is read as text
                    if as_text or isinstance(exc, pd.errors.ParserError):
                        return
                    as_text = True
        except Exception:  # noqa: BLE001 -- whatever pandas dislikes, the careful reader explains
            return


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
