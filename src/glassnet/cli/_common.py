"""What every command shares: the one-line user error, the data-set names and small helpers."""

import argparse
import csv
import itertools
import os
import re
import sys
import tempfile
import unicodedata
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .._io import _check_no_file_in_the_way
from ..models._decision import PROBABILITY_UNITS, SIGNED_OUTPUTS, decision_threshold, predicted_classes  # noqa: F401

PROG = "glassnet"
TOY_SETS = ("xor", "circle", "spiral", "gaussians")
GATES = ("and", "or", "xor", "nand", "nor", "xnor")
PICTURES = (".png", ".svg", ".pdf")


class CommandError(Exception):
    """A user error: reported as one line, exit status ``status``."""

    def __init__(self, message, status=1, prog=None):
        super().__init__(message)
        self.status = status
        self.prog = prog


def count(n, noun, spec=""):
    """``n`` and the noun, singular for one: "1 row", "2 rows" (``spec``: the number's format, "," for 1,000)."""
    return f"{n:{spec}} {noun}{'' if n == 1 else 's'}"


def shown(name):
    """A column name or class label for a message: as it is, or its ``repr`` where it holds a line break,
    a tab or another unprintable character (a quoted CSV header cell may: ``"feat\na"`` broke the
    ``Data:`` line and ``glassnet info``'s, and in a one-line error it read "feat a", a name --target refused)."""
    return str(name) if str(name).isprintable() else repr(name)


def name_key(name):
    """A column name or class label as it is compared with another: in Unicode's composed form (NFC). An "é"
    typed as one character is then the "e" and combining accent (NFD) that macOS, some exports and text pasted
    from a PDF write; they look alike, and "--target 'catégorie' is not a column ... Columns: catégorie" left
    the user guessing. Messages and outputs keep each name as it was written. Anything but text is as it is."""
    return unicodedata.normalize("NFC", name) if isinstance(name, str) else name


#: how many names a one-line message lists before it counts the rest
LISTED = 20


def listed(names, limit=LISTED):
    """Column names or class labels for a one-line message, each :func:`shown`: the first ``limit`` and how
    many more ("a, b, ... (9,980 more)"); a file of 10,000 columns made a 70 KB line of them."""
    names = list(names)
    more = f", ... ({len(names) - limit:,} more)" if len(names) > limit else ""
    return ", ".join(map(shown, names[:limit])) + more


def columns_beyond(arrays, dtype):
    """The feature columns (indices, ascending) of float ``arrays`` (samples first) holding values beyond
    ``dtype``'s range, which a model of that dtype cannot read (none where the arrays' dtype fits in it)."""
    largest = np.finfo(dtype).max
    parts = [x.reshape(len(x), -1) for x in arrays if x.dtype.kind == "f" and np.finfo(x.dtype).max > largest and len(x)]
    if not parts:  # (MNIST's and the toy sets' float32 arrays always fit)
        return np.empty(0, dtype=np.intp)
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(np.logical_or.reduce([(np.abs(x) > largest).any(axis=0) for x in parts]))


def _info(args, message):
    if not getattr(args, "quiet", False):
        print(message)


_NO_NUMBA = "--jit-compile needs numba: pip install \"glassnet[jit]\""


def _require_numba(jit_compile, args=None):
    """Refuse --jit-compile without numba before any data is loaded (and say so when the compiled
    loops are first built on this machine: a pause of some seconds)."""
    from .. import kernels

    if jit_compile and kernels.will_build():
        _info(args, "Building glassnet's compiled loops for this CPU (once per machine, about 10 s)...")
    if jit_compile and not kernels.available():
        raise CommandError(_numba_problem())


def _numba_problem():
    """Why --jit-compile cannot run: numba missing, or installed and failing to import."""
    try:
        import numba  # noqa: F401
    except ImportError as exc:
        if "No module named" not in str(exc):
            return f"--jit-compile: numba is installed but fails to import ({str(exc)[:200]}); {_NO_NUMBA}"
    return _NO_NUMBA


def _compile(model, jit_compile=False, **kwargs):
    """``model.compile(...)``; --jit-compile without numba is a one-line error."""
    try:
        model.compile(jit_compile=jit_compile, **kwargs)
    except ImportError:
        raise CommandError(_numba_problem()) from None


def _numbers(text):
    """An argparse type for VALUES: '0.05,0.1' -> array([0.05, 0.1]); an empty entry ('1,,2', '1,2,') is
    refused, not skipped. A bad one (nan, a letter) is a usage error, status 2, as --lr nan's."""
    entries = str(text).replace(";", ",").split(",")
    if len(entries) > 1 and not all(v.strip() for v in entries):
        raise argparse.ArgumentTypeError(f"an entry between commas is empty; expected comma-separated numbers such "
                                         f"as 1,2.5. Received: {text!r}")
    try:
        values = np.array([float(v) for v in entries if v.strip()], dtype=np.float64)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers such as 1,2.5. Received: {text!r}") from None
    if values.size == 0 or not np.isfinite(values).all():
        raise argparse.ArgumentTypeError(f"expected finite comma-separated numbers. Received: {text!r}")
    return values


def _floats(text, name, prog):
    """:func:`_numbers` for a value read by the command itself (``explain --y``, a model's class label
    or numbers): a bad one is the same usage error of ``prog``'s option ``name``."""
    try:
        return _numbers(text)
    except argparse.ArgumentTypeError as exc:
        raise CommandError(f"argument {name}: {exc} (see '{prog} --help')", status=2, prog=prog) from None


def _load_model(path, uncompiled_advice="", reasons=None):
    """The model of the file ``path``; the loader's warnings are shown as the command's. A Keras
    file loaded uncompiled ends its warning with ``uncompiled_advice``, the command's own, not the
    Python API's "Call model.compile(...)", and its reason ("Unknown loss 'x'") is appended to the
    list ``reasons`` when one is given."""
    from ..models import load_model
    from ..models.keras_files import UncompiledWarning

    if Path(path).is_dir():
        raise CommandError(f"{path} is a folder, not a model file.")
    if not Path(path).is_file():  # (a device or a named pipe exists: not "no such file")
        raise CommandError(f"no such model file: {path}" if not Path(path).exists() else
                           f"not a model file: {path} (a device, a named pipe or a socket, not a regular file)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load_model(path)
    for w in caught:
        text = str(w.message)
        if isinstance(w.message, UncompiledWarning):
            text = " ".join((text.removesuffix(w.message.advice).rstrip(), uncompiled_advice)).rstrip()
            if reasons is not None:
                reasons.append(w.message.reason)
        warnings.warn_explicit(text, w.category, w.filename, w.lineno)
    return model


def check_columns_metadata(model, path):
    """The column names ``glassnet train`` keeps in ``model.metadata`` (``features``, a list of
    names; ``target``, a name; ``csv_columns``, the places of a file without a header), as evaluate,
    predict and explain read them: a file whose metadata
    holds something else under those keys (a number, a list of lists) is refused by name, where it
    failed with "'int' object is not iterable" or "unhashable type: 'list'"."""
    features, target = model.metadata.get("features"), model.metadata.get("target")
    if features is not None and not (isinstance(features, list) and all(isinstance(f, str) for f in features)):
        raise CommandError(f"{path}: its metadata's 'features' ({features!r:.80}) is not a list of column names, as "
                           "glassnet train writes it.")
    if target is not None and not isinstance(target, str):
        raise CommandError(f"{path}: its metadata's 'target' ({target!r:.80}) is not a column name, as glassnet "
                           "train writes it.")
    layout = model.metadata.get("csv_columns")

    def place(k):
        return isinstance(k, int) and not isinstance(k, bool) and 0 <= k < layout["count"]

    if layout is not None and not (
            isinstance(layout, dict) and isinstance(layout.get("count"), int) and isinstance(layout.get("features"), list)
            and layout["features"] and all(place(k) for k in layout["features"])
            and (layout.get("target") is None or place(layout["target"]))):
        raise CommandError(f"{path}: its metadata's 'csv_columns' ({layout!r:.80}) is not the places of a file's columns "
                           "as glassnet train writes them ({'count': 4, 'features': [1, 3], 'target': 2}).")
    _check_classes_metadata(model, path)


def _check_classes_metadata(model, path):
    """The class labels of ``model.metadata["classes"]``: one per output unit (two for one sigmoid
    unit), none repeated as ``label_text`` reads them. Labels that did not fit the outputs were shown by
    info, dropped by predict (its columns headed p0, p1, ...) and used by evaluate; repeated ones headed
    two columns alike."""
    from ._labels import label_text

    classes = model.metadata.get("classes")
    if classes is None:
        return
    if not (isinstance(classes, list) and classes and all(isinstance(c, (str, int, float)) for c in classes)):
        raise CommandError(f"{path}: its metadata's 'classes' ({classes!r:.80}) is not a list of class labels, as "
                           "glassnet train writes it.")
    shape = getattr(model, "output_shape", None)
    outputs = shape[-1] if isinstance(shape, tuple) and shape and isinstance(shape[-1], int) else None
    if outputs is not None and len(classes) != max(outputs, 2):
        raise CommandError(f"{path}: its metadata's 'classes' names {len(classes)} class(es) for a model of "
                           f"{outputs} output unit(s); it needs {max(outputs, 2)} (two for one sigmoid unit), the "
                           "labels of outputs 0, 1, ... in order.")
    seen = {}
    for c in classes:
        other = seen.setdefault(label_text(c), c)
        if other is not c:
            raise CommandError(f"{path}: its metadata's 'classes' names one class twice ({other!r} and {c!r}); each "
                               "output unit needs its own label.")


def is_estimator_file(path):
    """Whether ``path`` is a file of ``clf.save`` (glassnet.sklearn): a zip archive with ``sklearn.json``."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "sklearn.json" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def saved_estimator(path, without):
    """The scikit-learn estimator of a file of ``clf.save`` (glassnet.sklearn); None for a plain
    model file, or where scikit-learn is not installed (then a note says what the command does
    ``without`` it)."""
    if not is_estimator_file(path):
        return None
    try:
        from ..sklearn._files import load_estimator
    except ImportError:
        print(f"note: {path} is a scikit-learn estimator's file, but scikit-learn is not installed: {without} "
              "(pip install scikit-learn).", file=sys.stderr)
        return None
    return load_estimator(path)


def _output_activation(model):
    return getattr(model.layers[-1], "activation", None)


#: the names of the losses that make a model a classifier
CLASSIFIER_LOSSES = {
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "hinge", "perceptron", "log_loss", "nll", "multiclass_hinge", "max_margin", "squared_hinge", "categorical_hinge",
    "kl_divergence", "binary_focal_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",  # (integer labels, as sparse_categorical_crossentropy)
    "dice", "tversky",  # (the overlap of masks: on standardized regression targets, meaningless)
}


#: the names of the losses of a regression alone: numbers (counts, amounts) read as classes by --task auto trained
#: a softmax with them (``train counts.csv --loss poisson``: one output per count)
REGRESSION_LOSSES = {"poisson", "mean_squared_logarithmic_error", "mean_absolute_percentage_error", "huber_loss",
                     "log_cosh"}


def model_task(model):
    """``"classification"`` when the model has saved class labels, or its loss or output
    activation is a classifier's (``--loss mse --output-activation sigmoid`` on labels is one too)."""
    if model_classes(model) is not None:
        return "classification"
    if model.loss is not None and getattr(model.loss, "name", None) in CLASSIFIER_LOSSES:
        return "classification"
    activation = type(_output_activation(model)).__name__
    return "classification" if activation in ("Softmax", "LogSoftmax", "Argmax") else "regression"


def model_classes(model):
    """The class labels ``glassnet train`` saved with the model (a list of str), or None."""
    classes = getattr(model, "metadata", {}).get("classes")
    return [str(c) for c in classes] if isinstance(classes, list) and classes else None


def classes_line(classes):
    """The line that says which label each class index stands for: "Classes: 0=cat, 1=dog" (a label holding a
    comma quoted, 1='bird, small': the list read as three classes)."""
    return "Classes: " + ", ".join(f"{k}={repr(str(c)) if ',' in str(c) else shown(c)}" for k, c in enumerate(classes))


def class_indices_for(model, data):
    """``data``'s labels as the model's class indices: through the labels saved at training
    when there are some (a file's own order of labels need not match), compared as
    ``label_text`` writes them (1.0 and 1 are one class). A model without saved labels
    takes integer labels as its output indices (labels 3 and 5 are outputs 3 and 5)."""
    from ._data import label_text

    classes = model_classes(model)
    if data.classes is None:
        return data.y_test
    if classes is None:
        if all(c.isdecimal() for c in data.classes):
            return np.array([int(c) for c in data.classes], dtype=np.int64)[data.y_test]
        # (it was done without a word: a file whose labels sort otherwise than the training's scores wrongly)
        print(f"note: the model holds no class labels, so the labels of {data.name} are taken as its outputs in "
              f"sorted order ({listed(f'{k}={shown(c)}' for k, c in enumerate(data.classes))}).", file=sys.stderr)
        return data.y_test
    index = {name_key(label_text(c)): i for i, c in enumerate(classes)}  # (NFC: a file's "été" in NFD is the class)
    unknown = [c for c in data.classes if name_key(label_text(c)) not in index]
    if unknown:
        raise CommandError(f"label(s) {', '.join(map(repr, unknown[:5]))} of {data.name} are not among the "
                           f"classes the model was trained on ({listed(classes)}).")
    return np.array([index[name_key(label_text(c))] for c in data.classes], dtype=np.int64)[data.y_test]


def _targets_for(model, y, n_classes):
    """Targets in the form the model's loss takes: labels, one-hot rows or a column."""
    from ..losses import SparseCategoricalCrossentropy
    from ..preprocessing import to_categorical

    n_out = model.n_outputs
    if isinstance(model.loss, SparseCategoricalCrossentropy) or n_out == 1:  # integer labels (their subclasses too)
        return np.asarray(y, dtype=np.float64).reshape(len(y), -1) if n_out == 1 else y
    return to_categorical(y, num_classes=max(n_out, n_classes))


def _require_matplotlib(path, option):
    """Fail before any work is done when a picture was asked for but cannot be drawn."""
    _check_parent(path, option)
    if Path(path).suffix.lower() not in PICTURES:
        raise CommandError(f"{option}: {path} must end with {', '.join(PICTURES)} (the picture's format).")
    _refuse_replacing_other_files(path, option, "picture")  # (a thesis.pdf was replaced without a word)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CommandError(f"{option} requires matplotlib: pip install \"glassnet[plots]\"") from None


def _check_parent(path, option):
    """Fail before any work when ``path`` cannot be written (not after a long training)."""
    if not path:
        raise CommandError(f"{option}: the file name is empty.")
    if path == "-":  # (it wrote a file named "-", where '-' as an input is standard input)
        raise CommandError(f"{option} -: this output is a file and cannot go to standard output; give a file name "
                           "(./- for a file named '-').")
    if str(path).endswith(tuple(filter(None, ("/", os.sep, os.altsep)))):  # Path("new/") is "new": it passed
        raise CommandError(f"{option}: {path} ends with a separator, so it names a folder; give a file name.")
    target = Path(path).resolve()
    folder = target.parent
    if not folder.is_dir():
        try:  # (a file where a folder should be, "base.csv/m.gn", was called a missing folder)
            _check_no_file_in_the_way(str(target), str(folder))
        except NotADirectoryError as exc:
            raise CommandError(f"{option}: {exc}") from None
        raise CommandError(f"{option}: the folder {folder} does not exist.")
    longest = _longest_name(folder)
    if len(os.fsencode(target.name)) > longest:
        raise CommandError(f"{option}: the file name is too long ({len(os.fsencode(target.name))} bytes; "
                           f"at most {longest} here).")
    if target.is_dir():
        raise CommandError(f"{option}: {path} is a folder; give a file name.")
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise CommandError(f"{option}: {path} cannot be written (no permission, or a read-only file system).")
    try:  # as the save will: a file of its own in the folder (os.access says yes to root on /proc)
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".glassnet-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise CommandError(f"{option}: {path} cannot be written: {exc.strerror or exc} in {folder}.") from None


def _longest_name(folder):
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows) or no limit known
        return 255


def _same_file(a, b):
    if Path(a).exists() and Path(b).exists():
        return os.path.samefile(a, b)
    return Path(a).resolve() == Path(b).resolve()


def _check_outputs(outputs, inputs=()):
    """Fail before any work when an output cannot be written or would replace a file the
    command reads (``inputs``) or another of its outputs.

    Parameters
    ----------
    outputs : dict of {option: path or None}
    inputs : sequence of str
        Paths the command reads; names that are not files (``digits``) are skipped.
    """
    taken = [(p, "the input file") for p in inputs if Path(p).is_file()]
    for option, path in outputs.items():
        if path is None:
            continue
        _check_parent(path, option)
        for other, what in taken:
            if _same_file(path, other):
                raise CommandError(f"{option}: {path} is {what}; writing it would destroy that file. "
                                   "Give another file name.")
        taken.append((path, f"also the file of {option}"))


def _is_model_file(path):
    """A glassnet model file: a zip archive with ``model.json``."""
    from .._io import zip_members
    from ..models.saving import CONFIG_NAME

    return CONFIG_NAME in zip_members(path)


def probability_columns(classes, n_outputs):
    """The heads of ``predict``'s probability columns: ``p`` and the class label (``p0``…``p9``
    for digits, ``p3``, ``p5`` for labels 3 and 5), a label that is not a whole number from 0 in
    brackets (``p(cat)``, ``p(-1)``); the output index without saved labels. One sigmoid unit gives the
    probability of the second class alone."""
    labels = classes if classes is not None and len(classes) == max(n_outputs, 2) else \
        [str(k) for k in range(max(n_outputs, 2))]
    heads = [f"p{c}" if c.isdecimal() else f"p({c})" for c in labels]
    return heads if n_outputs > 1 else heads[1:2]


def _is_predictions_file(path, id_column=None):
    """A file ``glassnet predict`` wrote: its first line is ``class,p0,…`` (``class,p(cat),…``)
    or ``y`` / ``y0,…`` (or ``label0,…,p0,…``, 0/1 rows), and its first rows hold what predict writes there: probabilities
    (summing to 1 over several columns) or numbers. A data file with a header of that look
    (``class,p(O2),p(CO2)``) is not one. Written with another separator (``class;p0;…``, whose
    numbers then have the decimal mark of the file read, maybe ',') as well. With ``id_column``
    (``predict --id``), a first column of that name before them (``id,class,p0,…``) too."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:  # (-sig: predictions of an Excel file have a mark)
            first = fh.readline()
            lead = id_column is not None and first.startswith(id_column) and \
                first[len(id_column):len(id_column) + 1] not in "\r\n"
            rest = first[len(id_column) + 1:] if lead else first
            # a lone column "y" has no separator: its cells are whole (1,5 is a number)
            sep = first[len(id_column)] if lead else ";" if rest.rstrip("\r\n") == "y" else next(
                (rest[len(w)] for w in ("class", "y0", "label0") if rest.startswith(w) and rest[len(w):len(w) + 1] not in "\r\n"),
                ",")
            fh.seek(0)
            rows = [row[1:] if lead else row for row in itertools.islice(csv.reader(fh, delimiter=sep), 6)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    if sep != ",":  # its numbers may have decimal commas
        rows = [[cell.replace(",", ".") for cell in row] for row in rows]
    if not rows:
        return False
    head, body = rows[0], rows[1:]
    classes = head[:1] == ["class"] and len(head) > 1 and \
        all(re.fullmatch(r"p(\d+|\(.*\))", cell, flags=re.S) for cell in head[1:])
    k = len(head) // 2  # a multi-label model's label0,…,p0,…: 0/1 columns, then probabilities
    labels = k > 1 and head == [*(f"label{i}" for i in range(k)), *(f"p{i}" for i in range(k))]
    if labels:
        return all(len(row) == len(head) and set(row[:k]) <= {"0", "1"} for row in body)
    if not classes and re.fullmatch(r"y|y\d+(,y\d+)*", ",".join(head)) is None:
        return False
    for row in body:
        try:
            values = [float(v) for v in (row[1:] if classes else row)]
        except ValueError:
            return False
        if len(row) != len(head) or (classes and not (all(0 <= v <= 1 for v in values)
                                                        and (len(values) == 1 or abs(sum(values) - 1) < 1e-3))
                                     and not _names_its_largest(row, head)):
            return False
    return True


def _names_its_largest(row, head):
    """Whether a predictions row's class is the column of its largest output, as predict picks it:
    so are its own files of outputs that are no probabilities summing to 1 (several sigmoid units,
    a tanh model's raw scores)."""
    label = f"p{row[0]}" if row[0].isdecimal() else f"p({row[0]})"
    values = [float(v) for v in row[1:]]
    return len(values) > 1 and label in head[1:] and values[head.index(label) - 1] == max(values)


#: what each kind of output may replace (besides an empty file), and its name in the message
_REPLACEABLE = {
    "model": (_is_model_file, "a glassnet model file", "model.gn"),
    "onnx": (lambda path: _is_onnx_file(path), "an ONNX model file", "model.onnx"),
    "predictions": (_is_predictions_file, "a predictions file of glassnet predict", "predictions.csv"),
    "keras": (lambda path: _is_keras_file(path), "a Keras model file", "model.keras"),
    "picture": (lambda path: _is_picture_file(path), "a picture drawn by matplotlib", "plot.png"),
}


def _is_picture_file(path):
    """A picture matplotlib drew, as the commands' --plot and --out do: its name stands in a PNG's text
    chunk and an SVG's comment near the start, and in a PDF's producer entry near the end."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 12)
            fh.seek(max(0, fh.seek(0, os.SEEK_END) - (1 << 16)))
            tail = fh.read()
    except OSError:
        return False
    return b"matplotlib" in head.lower() or b"matplotlib" in tail.lower()


def _is_onnx_file(path):
    """What glassnet.onnx.export replaces by default: a ``.onnx`` file that is no zip archive."""
    from ..onnx import _is_onnx_file as is_onnx_file

    return is_onnx_file(path)


def _is_keras_file(path):
    """A Keras 3 ``.keras`` file (a zip of config.json and model.weights.h5), not a glassnet
    model file so named: what ``export(format="keras")`` replaces by default."""
    from ..models.keras_files import _is_keras_file as is_keras_file

    return is_keras_file(path)


def _refuse_replacing_other_files(path, option, kind="model", **how):
    """Writing a ``kind`` of output replaces ``path``: only an empty file or a file of the same
    kind may be replaced, so a typo cannot overwrite data or a model (Keras refuses any name
    but ``.keras``). ``how``: what the kind's test takes besides the path (predict's ``id_column``)."""
    target = Path(path)
    if not target.is_file() or target.stat().st_size == 0:
        return
    same_kind, name, example = _REPLACEABLE[kind]
    if not same_kind(target, **how):
        raise CommandError(f"{option}: {path} exists and is not {name}; writing there would destroy it. Give "
                           f"another file name (e.g. {example}), or delete that file first.")


def _standardizer(X):
    """The features' (μ, σ), by the library's StandardScaler: a constant column gets σ = 1, and
    values near ±1e308 (whose std overflowed to inf, and then x/σ to NaN) are handled."""
    from ..preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    return scaler.mean_, scaler.scale_
