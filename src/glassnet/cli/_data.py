"""Data for the commands: CSV files read with messages that name the place, and the named data sets.

This module holds :class:`Data`, :func:`read_csv` and :func:`load_dataset`; a CSV file is read with
the help of ``_csv`` (opening a file, its encoding, separator and decimal mark), ``_csv_rows`` (its
rows, carefully or in C), ``_header`` (whether row 1 names the columns), ``_columns`` (the target,
feature and id columns, and the features as numbers) and ``_labels`` (targets and class labels).
It re-exports every name of the single module it was (``glassnet.cli._data._rows``, ``HEAD_ROWS``
and ``SHARED_MNIST`` are looked up here by :func:`read_csv` and :func:`load_dataset`)."""

import collections
import io
import itertools
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._columns import (Columns, _booleans, _check_finite, _comma_advice, _first_missing,  # noqa: F401
                       _missing_what, _non_finite, _numeric, _refuse_comma_labels, _table, _target_index,
                       align_columns)
from ._common import REGRESSION_LOSSES, TOY_SETS, CommandError, count, listed, shown
from ._csv import (BINARY_KINDS, COMPRESSION, CP1252, DAMAGED, FIRST_BLOCK, FORMAT_LINES, GZIP_STDIN,  # noqa: F401
                   MISSING, OTHER_SEPARATORS, StandardInput, _binary_kind, _iconv, _is_number, _is_text, _nul_encoding,
                   _numbers, _open, _plain_name, _point, _unicode_encoding, _width, csv_format, first_bytes, has_bom,
                   head_lines, is_csv, not_utf8_text, read_stdin)
from ._csv_rows import _is_comment, _parse_clean, _read_rows, _rows, _suspect_lines, header_cells  # noqa: F401
from ._header import _header_reason, _is_row_index, _names_labels, _numbers_below, _shown  # noqa: F401
from ._labels import _LEADING_ZERO, _integral, _label, _target_values, encode_labels, label_text  # noqa: F401

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


#: the rows that decide whether row 1 is a header; a longer file's body is read in C first
HEAD_ROWS = 1000


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
    header : True, "model", False or None
        True: row 1 is the header (the caller knows: ``--header``); "model": it holds a model's
        column names, and the columns that number the rows are read as the model was trained on them
        (the others are in ``ignore``); False: row 1 is data (``--no-header``); None: decided from
        the first rows (:func:`_header_reason`).
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

    def open_text():  # the file's text from its start, read as needed: a long file is never held whole
        return io.StringIO(path.text, newline="") if isinstance(path, StandardInput) else _open(file)

    try:
        if not isinstance(path, StandardInput):
            with _open(file) as fh:  # every byte decoded (and decompressed) once first: its errors come first
                while fh.read(1 << 22):
                    pass
    except UnicodeDecodeError:  # (a workbook, UTF-16, Excel's cp1252...: not_utf8_text says which)
        raise CommandError(not_utf8_text(first_bytes(file), path, file)) from None
    except DAMAGED as exc:  # a damaged .gz, .bz2 or .xz file, or a plain one so named
        if file.suffix.lower() not in COMPRESSION:
            raise
        raise CommandError(f"{path} cannot be decompressed as a {file.suffix[1:]} file: {exc}.") from None
    # NUL bytes, which UTF-8 reads: UTF-16 text without a byte-order mark ("line 42: expected 3 fields, found 1")
    nul = None if isinstance(path, StandardInput) else not_utf8_text(first_bytes(file), path, file, decoded=True)
    if nul:
        raise CommandError(nul)
    with open_text() as fh:
        sep, decimal = csv_format(list(itertools.islice(fh, FORMAT_LINES)), sep, decimal, path)
    fmt = {"sep": sep, "decimal": decimal}
    with open_text() as fh:
        head, first_end, start = _rows(fh, path, limit=HEAD_ROWS + 1, header=header, **fmt)
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
    if has_header and header != "model":
        ignore = _without_row_numbers(head, path, ignore, target)
    if len(head) > HEAD_ROWS:  # a long file: its body is read in C when every cell is a clean number
        body = (open_text, first_end if has_header else start)
        table = _table(head, has_header, target, require_target, read_target, ignore, path,
                       body=body, sep=sep, decimal=decimal, ids=ids)
        if table is not None:
            return table
        _first_bad_cell(head, has_header, body, path, fmt, lambda rows: _table(
            rows, has_header, target, require_target, read_target, ignore, path, sep=sep, decimal=decimal, ids=ids))
        with open_text() as fh:
            head, _, _ = _rows(fh, path, header=header, **fmt)
    return _table(head, has_header, target, require_target, read_target, ignore, path, sep=sep, decimal=decimal,
                  ids=ids)


def _without_row_numbers(head, path, ignore, target):
    """``ignore`` and the first columns that number the rows (:func:`_is_row_index`: pandas's index, also read
    back as "Unnamed: 0"; R's row names), each with a note, unless --target or --ignore names it: the row
    number was a feature, sorted data's best one."""
    header, given = head[0][1], {str(c) for c in (*ignore, target)}
    for k in itertools.takewhile(lambda k: _is_row_index(head, k), range(len(header))):
        if {str(k), str(k - len(header)), header[k]} & given:
            continue
        n, name = int(head[1][1][k]), header[k]
        which = f"column {k} of {path}, {name!r}," if name else \
            f"{'the first column' if k == 0 else f'column {k}'} of {path} has no name and"
        whose = "R's row names, written by write.csv without row.names=FALSE" if n and not name else \
            f"pandas's index, written by to_csv without index=False{' and read back' * bool(name)}"
        print(f"note: {which} numbers the rows {n}, {n + 1}, {n + 2}, ... ({whose}): it is left out.", file=sys.stderr)
        ignore = (*ignore, k)
    return ignore


#: a column name that says it holds ids: Id (Kaggle's Iris.csv), PassengerId, user_id, index (df.reset_index())
ID_NAME = re.compile(r"(?i:id|index|.*_id)|.*[a-z]I[dD]")


def _note_features(X, names, path):
    """Notes on a training file's feature columns: a name that repeats (pandas reads the second ``x`` back as
    ``x.1``, which predict then cannot match), and each column named like an id (:data:`ID_NAME`) that holds a
    different whole number in each row: trained on, an id gives the class away where rows are sorted (Kaggle's
    Iris.csv, Id 1 to 150), and means nothing for new rows. A note, not a drop: a column so named may be a feature."""
    repeated = [name for name, times in collections.Counter(names).items() if times > 1] if names.header else []
    if repeated:
        many = len(repeated) > 1
        print(f"note: the column name{'s' * many} {listed(repeated)} {'repeat' if many else 'repeats'} in {path}: "
              "evaluate and predict take such columns by place, so new rows need them in this order (pandas reads a "
              "second x back as x.1).", file=sys.stderr)
    for k, name in enumerate(names if names.header else ()):
        column = X[:, k]
        if ID_NAME.fullmatch(name) and np.array_equal(column, np.round(column)) and len(np.unique(column)) == len(X):
            print(f"note: column {name!r} of {path} holds a different whole number in each row, as an id does, and is "
                  f"a feature; --ignore {shlex.quote(name)} leaves it out.", file=sys.stderr)


#: the rows with a suspect cell (_suspect_lines) read carefully without an error before the whole file is
SUSPECTS = 100


def _first_bad_cell(head, has_header, body, path, fmt, table):
    """Raise the error of a long file's first bad cell (an NA) as the careful reading of every row names it,
    without that reading (1M rows with one NA in the last took 93 s and 2.2 GB): the first rows ``head`` are
    read carefully (``table(rows)``: :func:`_table` of them), then each row in which pandas's parser finds a
    suspect cell (:func:`_suspect_lines`), after the header and the first data rows (a cell True alone is read as
    a column of booleans; #DIV/0! below numbers is named as such). Returns when none is found."""
    table(head)
    rows = head[has_header:]
    numeric = [None if all(cells[k] == "" for _, cells in rows) else all(_is_number(cells[k]) for _, cells in rows)
               for k in range(len(head[0][1]))]  # (None: empty, a trailing comma)
    suspects = 0
    for line, text in _suspect_lines(*body, numeric, **fmt):
        found, _, _, _ = _read_rows(io.StringIO(text, newline=""), path, None, False, comments=False, **fmt)
        if found:  # (a blank line is no row)
            table([*head[:has_header + 3], (line, found[0][1])])
            suspects += 1
            if suspects == SUSPECTS:
                return


#: above this many classes of whole numbers, train says it reads them as classes (an age, a count)
MANY_CLASSES = 10


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
                 "test_split": (0.2, "csv"), "test_last": (False, "csv"), "target": (None, "csv"), "task": ("auto", "csv"),
                 "ignore": ((), "csv"), "header": (None, "csv"), "sep": (None, "csv"), "decimal": (None, "csv")}
_WHY_NOT = {  # why an option does not apply to a kind of data set
    "samples": "only a toy set is generated", "noise": "only a toy set is generated",
    "data_seed": "only a toy set is generated",
    "test_split": {"fixed": "its test part is fixed (MNIST's own 10 000 test images, 20 % of the digits) so that "
                            "evaluate agrees with train",
                   "toy": "a toy set's test part is a fixed 20 % (--samples sets its size)"},
    "test_last": {"fixed": "its test part is fixed (MNIST's own 10 000 test images, 20 % of the digits) so that "
                           "evaluate agrees with train",
                  "toy": "a toy set's test part is a fixed 20 % drawn at random"},
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


def _regression_loss(args, y_raw):
    """The name of ``--loss`` where it is a regression's alone and the targets are numbers (``--task auto``
    then reads them as a regression), else None."""
    from ..losses import get

    if getattr(args, "loss", None) is None or y_raw.dtype.kind not in "iuf":
        return None
    name = get(args.loss).name
    return name if name in REGRESSION_LOSSES else None


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
    if purpose != "evaluate":  # (a model's features are its own)
        _note_features(X, names, name)
    if unlabelled:  # a map needs no target: every column is a feature
        return Data(Path(name).name, f"{name}: {count(len(X), 'row')}, {count(X.shape[1], 'feature')}", X, None, X, None,
                    "unlabelled", standardize=True)
    requested = task or getattr(args, "task", "auto")
    loss = _regression_loss(args, y_raw) if requested == "auto" and purpose == "train" else None
    y, classes, task = encode_labels(y_raw, "regression" if loss else requested)
    if purpose != "train":
        return Data(Path(name).name, f"{name}: {count(len(X), 'row')}, {count(X.shape[1], 'feature')}", X, y, X, y,
                    task, classes,
                    standardize=True, columns=names)
    test = args.test_split
    if _no_training_rows(len(X), test):
        raise CommandError(f"{name} has {len(X)} row(s): --test-split {test:g} holds them all out for testing and "
                           "leaves none to train on; give more rows, or --test-split 0.")
    if test > 0 and args.test_last:  # a time series: the test rows are the latest, none between training rows
        (x, y_tr), _, (xt, yt) = split(X, y, test=test, shuffle=False)
    elif test > 0:
        stratify = task == "classification" and _stratified(y, test, classes, Path(name).name)
        (x, y_tr), _, (xt, yt) = split(X, y, test=test, seed=0, stratify=stratify)
    else:
        x, y_tr, xt, yt = X, y, X[:0], y[:0]
    why = ""  # integers read as a regression, or as many classes: say why, and how to get the other
    if loss:
        why = f"targets are read as a regression for --loss {loss} (--task classification makes them classes)"
    elif requested == "auto" and task == "regression" and _integral(y_raw):
        why = (f"{len(np.unique(y_raw))} distinct integer targets are read as a regression "
               "(--task classification makes them classes)")
    elif requested == "auto" and task == "classification" and y_raw.dtype.kind in "iuf" and len(classes) > MANY_CLASSES:
        # an age or a count (40 values of 17..68) trained a 40-class softmax without a word
        distinct = np.unique(y_raw)  # 34 counts of 0..58 are 59 classes (the labels keep their indices)
        spread = "" if len(distinct) == len(classes) else f" (from {int(distinct[0])} to {int(distinct[-1])})"
        why = (f"{len(distinct)} distinct integer targets{spread} are read as {len(classes)} classes "
               "(--task regression predicts them as numbers)")
    return Data(Path(name).name, f"{name}: {len(x)} train / {count(len(xt), 'test row')}, {count(X.shape[1], 'feature')} "
                                 f"({', '.join(map(shown, names[:6]))}{', ...' if len(names) > 6 else ''})"
                                 f"{f'; its {why}' if why else ''}",
                x, y_tr, xt, yt, task, classes, standardize=True, columns=names, reading=why)
