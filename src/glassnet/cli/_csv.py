"""CSV text for the commands: a data file opened (compressed, or standard input), what a file that is
not UTF-8 text is, the cells that are numbers or missing values, and a file's separator and decimal mark."""

import codecs
import contextlib
import csv
import importlib
import io
import itertools
import lzma
import re
import shlex
import sys
import zipfile
import zlib
from pathlib import Path

from ._common import CommandError, count, listed


class StandardInput(str):
    """The data argument ``-``: the CSV text of standard input, read once into memory (a pipe
    can be read only once, and the readers look at its header first); it is named "standard
    input" in messages. (``glassnet predict m.gn -`` said "no such file: -".)"""

    def __new__(cls, text, bom=False):
        self = super().__new__(cls, "standard input")
        self.text, self.bom = text, bom
        return self


#: what the iconv advice's ``-f cp1252`` is (the advice ``-f latin1`` garbled €, “ ” and – of Excel's files)
CP1252 = "; cp1252 is the encoding of Windows and its Excel for Western languages"


def read_stdin():
    """Standard input's CSV text, as :class:`StandardInput`; a closed standard input, or one that is no UTF-8
    text, is a one-line error that says what it is, as for a file (:func:`not_utf8_text`): UTF-16 and gzip
    input were told to convert from cp1252, and ``<&-`` was "AttributeError: 'NoneType' object has no
    attribute 'read'"."""
    closed = CommandError("standard input is closed: pipe the CSV text into the command (... | glassnet ... -), "
                          "or give the file's name instead of -.")
    if sys.stdin is None:  # (Python's, when the shell closed it: `<&-`)
        raise closed
    try:
        data = getattr(sys.stdin, "buffer", sys.stdin).read()
    except ValueError:  # (a file object closed: "I/O operation on closed file")
        raise closed from None
    bom = isinstance(data, bytes) and data.startswith(codecs.BOM_UTF8)
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError(not_utf8_text(data[:FIRST_BLOCK], "standard input")) from None
        error = not_utf8_text(data[:FIRST_BLOCK], "standard input", decoded=True)
        if error:
            raise CommandError(error)
        data = text
    return StandardInput(data, bom)


def has_bom(path):
    """Whether the data argument starts with UTF-8's byte-order mark, as Excel's "CSV UTF-8" does (a file of
    predictions without it opened in Excel as the ANSI code page's text: "été" read "Ã©tÃ©")."""
    if isinstance(path, StandardInput):
        return path.bom
    try:
        with _open(path, "rb") as fh:
            return fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
    except DAMAGED:
        return False


#: compressed CSV files, read as pandas.read_csv reads them: the compression inferred from the suffix
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma", ".zip": "zipfile"}
#: what reading a damaged compressed file raises (zlib.error: a .gz file damaged inside its data)
DAMAGED = (OSError, EOFError, lzma.LZMAError, zlib.error, zipfile.BadZipFile)


def _open(path, mode="rt"):
    """A data file opened for reading, decompressed when its name ends in .gz, .bz2 or .xz, or its one file
    read from a .zip archive (Kaggle's ``train.csv.zip``; an archive of several files is opened as it is,
    which :func:`not_utf8_text` then names); in text mode as UTF-8 with a byte-order mark skipped.
    (``data.csv.gz`` was refused as "not a UTF-8 text CSV file", with advice to convert it from latin1.)"""
    module = COMPRESSION.get(Path(path).suffix.lower())
    text = {"newline": "", "encoding": "utf-8-sig"} if "t" in mode else {}
    if module == "zipfile":
        with zipfile.ZipFile(path) as archive:  # (its one file stays readable once the archive is closed)
            members = _members(archive)
            if len(members) == 1:
                try:
                    fh = archive.open(members[0])
                    fh.peek(1)  # (a compression method Python lacks fails at the first read)
                except (RuntimeError, NotImplementedError) as exc:  # encrypted, or Deflate64 (Windows Explorer's)
                    raise CommandError(f"{path}: its file {members[0]} cannot be read by Python's zipfile ({exc}): "
                                       f"unzip it (unzip or 7z x {shlex.quote(str(path))}) and give the CSV.") from None
                return io.TextIOWrapper(fh, **text) if text else fh
        module = None
    opener = importlib.import_module(module).open if module else open
    return opener(path, mode, **text)


def _members(archive):
    """The names of the files a zip archive holds (its folders and macOS's ``__MACOSX/`` ones aside)."""
    return [info.filename for info in archive.infolist() if not info.is_dir() and not info.filename.startswith("__MACOSX/")]


def _plain_name(path):
    """The data argument's name in lower case, without a compression suffix (``d.tsv.gz``: ``d.tsv``)."""
    name = str(path).lower()
    return name.removesuffix(next((s for s in COMPRESSION if name.endswith(s)), ""))


def is_csv(path):
    """Whether the data argument names CSV text: a .csv, .tsv or .txt file (compressed too), or standard input."""
    return isinstance(path, StandardInput) or _plain_name(path).endswith((".csv", ".tsv", ".txt"))


def plain_text(text):
    """Whether ``text`` is ASCII without underscores, as every number pandas reads is."""
    return text.isascii() and "_" not in text


def _is_number(text):
    """Whether ``text`` is a number as pandas reads one: Python's ``float`` syntax in ASCII, without
    the underscores and other scripts' digits that Python also takes (``1_0`` and ``١`` are text:
    ``float`` made ``1_0`` the class 10, merged with a label ``10``)."""
    if not plain_text(text):
        return False
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


#: the longest cell the csv module reads while a file is read (a C long's largest on Windows: 32 bits)
LONGEST_CELL = 2**31 - 1


@contextlib.contextmanager
def long_cells():
    """The csv module's limit on a cell's length lifted while a file is read: its default of 131,072
    characters refused valid files with a long text cell (a review, a description: "field larger
    than field limit"), even in a column left out with --ignore, which pandas reads. The limit is the
    process's: the caller's is put back after."""
    previous = csv.field_size_limit(LONGEST_CELL)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


#: --sep '\s+': columns apart by runs of blanks (spaces, tabs), as pandas.read_csv(sep=r"\s+") reads a file
#: of aligned columns (UCI's housing.data); its rows are read by the csv module alone, not in C
BLANKS = r"\s+"


def csv_reader(lines, sep, **options):
    """The csv module's reader of ``lines`` split at ``sep``; at runs of blanks for :data:`BLANKS` (each
    line's runs made one space, and its leading and trailing ones left out, as pandas reads them)."""
    if sep == BLANKS:
        return csv.reader((" ".join(line.split()) + "\n" for line in lines), delimiter=" ", **options)
    return csv.reader(lines, delimiter=sep, **options)


def _split(rows, sep):
    """``rows`` split into cells at ``sep``, or no rows where they are not CSV there (a quote never
    closed): the reader of the data names the line."""
    try:
        with long_cells():
            return list(csv_reader(rows, sep))
    except csv.Error:
        return []


#: the first line by which a file tells Excel its separator ("sep=;"), which Excel reads and leaves out
EXCEL_SEP = re.compile(r"sep=([^\r\n])\r?\n?")


#: the separators read from a file besides ',', preferred in this order when several fit
OTHER_SEPARATORS = (";", "\t", "|")


def csv_format(lines, sep=None, decimal=None, path=None):
    """The separator and decimal mark of a CSV file whose first lines are ``lines``: ``sep`` and
    ``decimal`` where given (pandas's ``sep`` and ``decimal``), else read from the file. A first line
    ``sep=;`` names the separator, as Excel reads it (the rows leave that line out). A ``.tsv``
    file is tab-separated. Otherwise it is ';', a tab or '|' (``OTHER_SEPARATORS``) when its first
    rows (comments and blank lines aside) split at it into the same number (> 1) of cells each,
    and at ',' into no such table, or into one with fewer numbers (a European spreadsheet's
    "CSV": ``1,5;2,25;setosa``; a spreadsheet's "save as text": ``1.5<tab>2.25<tab>setosa``); of
    several such, the one with the most numbers. Its decimal mark is ',' when the separator is not
    ',', some cell is a number written with a decimal comma and none with a decimal point. With
    ``path``, a note on standard error names what was read from the file."""
    excel = EXCEL_SEP.fullmatch(lines[0]) if lines else None  # (read as Excel does: "give --sep ';'" did not help)
    rows = [line for line in lines[bool(excel):] if line.strip() and not line.lstrip().startswith("#")]
    found, given = [], [option for option, value in (("--sep", sep), ("--decimal", decimal)) if value is not None]
    if sep is None and excel:
        sep = excel.group(1)
        found += [f"sep={sep!r} (its first line, {excel.group(0).rstrip(chr(13) + chr(10))!r}, says so)"] * (sep != ",")
    if sep is None and path is not None and _plain_name(path).endswith(".tsv"):
        sep = "\t"  # the name says so: no note
    if sep is None:
        split = {s: _split(rows, s) for s in (",", *OTHER_SEPARATORS)}
        # (a quoted "a|b" in a ',' file is one cell at '|': no table; an unquoted one splits into text, no numbers)
        numbers = {s: _numbers(cells, "," if s != "," else ".") for s, cells in split.items()}
        best = max((s for s in OTHER_SEPARATORS if _width(split[s])), key=numbers.get, default=",")
        # a tie is one feature with decimal commas and a text label (1,5;cat): at ',' each row splits
        # into "1" and "5;cat", so the other separator stands in every row's cells ('1' was read for 1.5)
        tie = numbers[best] == numbers[","] and all(best in "".join(cells) for cells in split[","])
        sep = best if best != "," and (not _width(split[","]) or numbers[best] > numbers[","] or tie) else ","
        found += [f"sep={sep!r}"] * (sep != ",")
    if decimal is None:
        cells = [c.strip() for cells in _split(rows, sep) for c in cells] if sep != "," else []
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


def _iconv(file, encoding):
    """The shell command that writes ``file`` as UTF-8 text (decompressed: iconv reads no gzip), its name
    quoted for the shell (``my data (1).csv`` was a syntax error when pasted); for standard input (``file``
    None), the filter alone."""
    if file is None:
        return f"iconv -f {encoding} -t utf-8"
    tool = {".gz": "gzip -dc", ".bz2": "bzip2 -dc", ".xz": "xz -dc", ".zip": "unzip -p"}.get(file.suffix.lower())
    name = shlex.quote(str(file))
    return f"{tool} {name} | iconv -f {encoding} -t utf-8" if tool else f"iconv -f {encoding} -t utf-8 {name}"


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


#: what standard input that starts as gzip data is told (it has no name that could end in .gz)
GZIP_STDIN = ("gzip-compressed: decompress it into the pipe (gzip -dc FILE.gz | glassnet ... -), or give the .gz "
              "file's name instead of -")


def _binary_kind(start, file=None):
    """What a data argument is, and what to do, when its first bytes ``start`` are those of a spreadsheet,
    Parquet or gzip file; else None. ``file``: its path (None: standard input)."""
    if file is None and start.startswith(b"\x1f\x8b"):
        return GZIP_STDIN
    if file is not None and start[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # (the second: an empty archive)
        try:
            with zipfile.ZipFile(file) as archive:
                members = _members(archive)
        except (*DAMAGED, RuntimeError):  # (its list unreadable, or encrypted: a workbook, as far as one can tell)
            members = ["[Content_Types].xml"]
        if not {"[Content_Types].xml", "mimetype"} & set(members):  # (an .xlsx's, an .ods's)
            if not members:
                return "an empty zip archive"
            if len(members) == 1:  # (read where its name ends in .zip, as pandas infers it)
                return (f"a zip archive of {members[0]}, read only where its name ends in .zip, as pandas reads one: "
                        f"rename it (mv {shlex.quote(str(file))} {shlex.quote(str(file) + '.zip')}) or unzip it")
            return (f"a zip archive of {count(len(members), 'file')} ({listed(members)}), and only a zip of one file "
                    f"is read, as by pandas: unzip it (unzip {shlex.quote(str(file))}) and give one of them")
    return next((kind.format(path="FILE" if file is None else str(file)) for signature, kind in BINARY_KINDS.items()
                 if start.startswith(signature)), None)


def _unicode_encoding(start):
    """"utf-16" or "utf-32" when the first bytes ``start`` are that encoding's byte-order mark (Excel's
    "Unicode Text" is UTF-16), else None: the advice "iconv -f latin1" turned such a file into
    text with a NUL byte between the characters."""
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if start.startswith(bom):
            return name
    return None


#: the first bytes of a data argument looked at for what it is (NUL bytes: UTF-16 text without a byte-order mark)
FIRST_BLOCK = 4096


def first_bytes(file):
    """The first :data:`FIRST_BLOCK` bytes of ``file`` (decompressed)."""
    with _open(file, "rb") as fh:
        return fh.read(FIRST_BLOCK)


def _nul_encoding(start):
    """What the NUL bytes of the first bytes ``start`` say, which no CSV text holds but UTF-8 reads without an
    error: "utf-16le" or "utf-16be" where about every other byte is one, at odd or at even places (UTF-16 text
    without a byte-order mark: each ASCII letter has a NUL after it, or before it), else "" (a binary file, or
    text in another encoding); None without NUL bytes."""
    nuls = start.count(0)
    if not nuls:
        return None
    odd = start[1::2].count(0)
    if 4 * nuls >= len(start):
        if odd >= 0.9 * nuls:
            return "utf-16le"
        if odd <= 0.1 * nuls:
            return "utf-16be"
    return ""


def not_utf8_text(start, path, file=None, decoded=False):
    """The one-line error for the data argument ``path`` (its name; ``file``: its Path, None for standard input)
    when it is no UTF-8 text, by its first bytes ``start`` (decompressed): a workbook, Parquet or gzip file is
    named as such; UTF-16 or UTF-32 text by its byte-order mark or, without one, by its NUL bytes; other NUL
    bytes as a binary file; any other text gets the iconv advice for cp1252, Excel's encoding on Windows.
    ``decoded``: UTF-8 read it without an error, so that only NUL bytes tell (None where there are none).
    A NUL byte is never shown: UTF-16 without a byte-order mark was read as a column 'a\\x00', and the advice
    "--ignore a<NUL>" could not be typed."""
    nul = _nul_encoding(start)
    if decoded and nul is None:
        return None
    # (an empty zip archive, "PK\x05\x06" and NUL bytes, is valid UTF-8)
    kind = None if decoded and not start.startswith(b"PK\x05\x06") else _binary_kind(start, file)
    if kind:
        return f"{path} is not CSV text but {kind}."
    bom = None if decoded else _unicode_encoding(start)
    if nul == "" and not bom:
        return (f"{path} is not CSV text: it holds NUL bytes, which UTF-8 text does not (a binary file, or text "
                "in another encoding such as UTF-32 without a byte-order mark).")
    encoding = bom or nul or "cp1252"
    # cp1252, not latin1: Excel's CSV on Windows, which latin1 reads without an error but garbles (€ and the
    # curly quotes became control characters); cp1252 agrees with latin1 on every other letter
    what = (f"it is {bom.upper()} text; " if bom else f"it holds a NUL byte beside each letter, as {nul.upper()} "
            "text without a byte-order mark does; " if nul else "")
    advice = f"save it as UTF-8, e.g. with {_iconv(file, encoding)} > utf8.csv" if file is not None else \
        f"convert it first, e.g. with {_iconv(None, encoding)}"
    return (f"{path} is not {'a UTF-8 text CSV file' if file is not None else 'UTF-8 text CSV'} ({what}{advice}"
            f"{CP1252 if encoding == 'cp1252' else ''}).")
