"""Commands on a saved model: ``evaluate``, ``predict``, ``info`` and ``export``."""

import csv
import io
import json
import re
import shlex
import sys
import zipfile
from pathlib import Path

import numpy as np

from .._io import atomic_write_text
from ._common import (
    CommandError, _check_outputs, _load_model, _output_activation, _refuse_replacing_other_files, _targets_for,
    check_columns_metadata, class_indices_for, classes_line, columns_beyond, count, decision_threshold, is_estimator_file,
    listed, model_classes, model_task, name_key, predicted_classes, probability_columns, saved_estimator, shown,
)
from ._data import (_is_number, _is_text, align_columns, csv_format, has_bom, head_lines, header_cells, is_csv,
                    load_dataset, read_csv, read_stdin)


def _check_within_dtype(X, model, model_path, data_name, columns):
    """Refuse features beyond the range of the model's dtype in the command line's words: the library's
    "x holds values beyond the range of float32 ...; use dtype='float64'" named an argument these
    commands do not have. The column is named as train names it: its index among the features (after
    the target, and in the model's order where the file's was another) pointed at another column."""
    beyond = columns_beyond([X], model.dtype)
    if beyond.size:
        # X's columns are the model's features where it has their names (align_columns), else the file's
        names = model.metadata.get("features") or columns
        column = shown(names[beyond[0]]) if names is not None else f"{int(beyond[0])} of its features"
        raise CommandError(f"{data_name} holds values beyond the range of {model.dtype} (largest "
                           f"{np.finfo(model.dtype).max:.3g}), the dtype of {model_path}, in column {column}: rescale "
                           "them, or train the model again with --dtype float64.")


#: the losses of independent 0/1 labels: several sigmoid units under one of them, without class labels, are
#: a multi-label classifier (a model of ``glassnet train`` saves its classes, and is read by its argmax)
MULTILABEL_LOSSES = ("binary_crossentropy", "binary_focal_crossentropy")


def _multilabel(model):
    """Whether ``model`` gives several 0/1 labels per row: several output units under binary cross-entropy and
    no saved class labels, as a multilabel ``glassnet.sklearn.MLPClassifier`` (one logistic unit per label) or
    a Keras-style model of k sigmoid units are."""
    return model_classes(model) is None and model.n_outputs > 1 and \
        getattr(model.loss, "name", None) in MULTILABEL_LOSSES and \
        type(_output_activation(model)).__name__ != "Softmax"  # (a softmax gives one class, whatever the loss)


def _several_targets_advice(given, path, model):
    """evaluate's words for ``--target a,b``: the model's one target column (the one its file names, else no
    column is guessed) and the others for --ignore; the Python call for a file of an MLPClassifier."""
    parts = list(dict.fromkeys(part.strip() for part in given.split(",")))  # (--target label,label: once)
    trained = model.metadata.get("target")
    if trained is not None:
        others = [part for part in parts if part != trained]
        advice = f"the one {path} predicts, {trained!r}; " + (
            f"leave the other label columns out with --ignore: --target {trained} --ignore {','.join(others)}."
            if others else f"give it once: --target {trained}.")
    else:
        advice = (f"the model's target column: give --target that column and leave the others of "
                  f"{','.join(parts)} out with --ignore.")
    if _estimator_class(path) == "MLPClassifier":
        advice += (f" In Python: glassnet.sklearn.MLPClassifier.load({path!r}).score(X, y) (an MLPClassifier fitted on "
                   "several label columns scores them all, as subset accuracy).")
    return f"--target {given!r}: evaluate takes one target column, {advice}"


def _estimator_class(path):
    """The estimator class an estimator file (``clf.save``) names, "MLPClassifier"; None for a model file."""
    try:
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("sklearn.json")).get("estimator")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, AttributeError):
        return None


def cmd_evaluate(args):
    if args.no_standardize:
        print("note: --no-standardize is ignored by evaluate: the model takes raw features (the scaling of "
              "training is folded into its weights).", file=sys.stderr)
    model = _load_model(args.model, "evaluate gives its accuracy (or MSE and MAE) but no loss.")
    check_columns_metadata(model, args.model)
    if args.data == "-":
        args.data = read_stdin()
    if is_csv(args.data):  # settled once, with its note: the header is looked at before the file is read
        args.sep, args.decimal = csv_format(head_lines(args.data), args.sep, args.decimal, args.data)
    if _multilabel(model) and is_estimator_file(args.model):  # one column read as class indices meant nothing
        raise CommandError(f"{args.model} is a multi-label classifier ({model.n_outputs} output units under "
                           f"{model.loss.name}, a 0/1 label each), and evaluate takes one target column: score it "
                           f"in Python, glassnet.sklearn.MLPClassifier.load({args.model!r}).score(X, Y) (subset "
                           "accuracy, as scikit-learn's), or compare the label columns of `glassnet predict` with yours.")
    if _multilabel(model):  # (k sigmoid units may be a one-hot model's, as older Keras tutorials train them)
        print(f"note: {args.model} has {model.n_outputs} output units under {model.loss.name} and no class labels: "
              "scored as a model trained on one-hot rows, the class the column of the largest p; a multi-label "
              "classifier is scored in Python, model.evaluate(X, Y) compiled with metrics=['binary_accuracy'].",
              file=sys.stderr)
    task = model_task(model)
    if args.task not in ("auto", task):  # a regression's targets read as classes would give a wrong MSE
        raise CommandError(f"--task {args.task}: {args.model} is a {task} model; leave --task out.")
    if args.confusion and task != "classification":  # it printed MSE and MAE and dropped the option silently
        raise CommandError(f"--confusion: {args.model} is a regression model; a confusion matrix needs classes.")
    # the model knows what it is: integer targets of a regression stay numbers
    target = _saved_target(args, model)
    if target is None:
        target, places = _saved_places(args, model)
        if places:
            args.ignore = (*(args.ignore or ()), *places)
    notes = []
    others, header = _model_header(args.data, model, args.target or target or -1, notes, args.ignore, args.header,
                                   getattr(args, "sep", None), getattr(args, "decimal", None))
    if others:  # (None stays None: --ignore given for a data set without columns is an error)
        args.ignore = tuple(args.ignore or ()) + others
    try:
        data = load_dataset(args.data, args, purpose="evaluate", task=task, target=target, header=header)
    except CommandError as error:  # --target a,b: train's words say how to train on several labels, not evaluate's
        if not str(error).startswith(f"--target {args.target!r}: the command line takes one target column"):
            raise
        raise CommandError(_several_targets_advice(args.target, args.model, model)) from None
    for note in notes:  # (once the file is read: not before an error of its reading)
        print(note, file=sys.stderr)
    X, y = align_columns(data.x_test, data.columns, model.metadata.get("features"), args.data, args.sep,
                         args.decimal), data.y_test
    n_in = int(np.prod(model._input_shape))
    if int(np.prod(X.shape[1:])) != n_in:  # (the model's own message named its argument x)
        raise CommandError(f"{args.model} takes {count(n_in, 'feature')}; {data.name} has {int(np.prod(X.shape[1:]))} per "
                           "sample: evaluate a model on data like its training data.")
    X = X.reshape(len(X), *model._input_shape)  # a model of images (Input(shape=(8, 8)), Flatten), as predict
    _check_within_dtype(X, model, args.model, data.name, data.columns)
    P = model.predict(X)  # first: a file of other features is named as such, not by its unknown labels
    if task == "classification" and data.task == "classification":
        y = class_indices_for(model, data)
    print(f"Model: {args.model} ({task}, {count(model.count_params(), 'parameter', ',')})")
    print(f"Data: {data.description}; evaluating on {count(len(X), 'sample')}")
    if task == "classification":
        if data.task != "classification":
            raise CommandError(f"the model is a classifier but the target of {data.name} is continuous.")
        if y.max() >= max(model.n_outputs, 2):
            raise CommandError(
                f"the data has class labels up to {int(y.max())} but the model has {model.n_outputs} output(s)."
            )
        if model.compiled:
            loss = model.evaluate(X, _targets_for(model, y, data.n_classes), return_dict=True)["loss"]
            print(f"Loss ({model.loss.name}): {loss:.6g}")
        pred = predicted_classes(P, decision_threshold(model))
        hits = int((pred == y).sum())
        print(f"Accuracy: {hits / len(y):.4f} ({hits}/{len(y)})")
        if args.confusion:
            from ..metrics import confusion_matrix

            classes = model_classes(model)
            if classes is not None and classes != [str(k) for k in range(len(classes))]:
                # the matrix is headed by indices: say which label each is (0=cat), as train does
                print(classes_line(classes))
            _print_confusion(confusion_matrix(y, pred, num_classes=max(model.n_outputs, 2)))
    else:
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if Y.shape[1] != model.n_outputs:
            raise CommandError(f"the model has {count(model.n_outputs, 'output')} but the data has "
                               f"{count(Y.shape[1], 'target column')}" + (
                                   ": evaluate takes one target column; evaluate a model of several outputs in "
                                   "Python, model.evaluate(X, Y), or compare `glassnet predict`'s columns with them."
                                   if model.n_outputs > 1 else "."))
        err = P - Y
        if model.compiled:
            name = model.loss.name
            if name == "squared_error" and model.n_outputs == 1:  # "Loss (squared_error): 2.70" beside "MSE: 5.41"
                name += ", ½·MSE as scikit-learn reports it"
            print(f"Loss ({name}): {model.evaluate(X, Y, return_dict=True)['loss']:.6g}")
        print(f"MSE: {float(np.mean(err ** 2)):.6g}  MAE: {float(np.mean(np.abs(err))):.6g}")
    return 0


def _print_confusion(C):
    width = max(5, len(str(C.max())) + 1)
    print("Confusion matrix (rows: true class, columns: predicted):")
    print(" " * 6 + "".join(f"{j:>{width}}" for j in range(C.shape[1])))
    for i, row in enumerate(C):
        print(f"{i:>5} " + "".join(f"{v:>{width}}" for v in row))


def _saved_target(args, model, option="data"):
    """The target column the model was trained on, when --target is not given and the CSV
    file's header has it (predict then leaves it out, evaluate reads it); else None. For
    evaluate, a header with the model's features but without its target is an error (the
    last column, the default target, is one of the features)."""
    name = model.metadata.get("target")
    path = getattr(args, option)
    if args.target is not None or name is None or args.header is False or \
            not is_csv(path):  # (--no-header: row 1 is data, not names)
        return None
    cells = [name_key(cell) for cell in header_cells(path, args.sep, args.decimal)]  # (NFC, as the model's names)
    if cells.count(name_key(name)) > 1:  # (it said "--target 'x': ... 2 columns of that name" to a user who gave none)
        raise CommandError(f"{path} has {cells.count(name_key(name))} columns named {name!r}, the name of the target "
                           "the model was trained on; name the target column by its 0-based index with --target.")
    if name_key(name) in cells:
        return name
    if option == "data" and set(map(name_key, model.metadata.get("features") or [None])) <= set(cells):
        raise CommandError(f"{path} has no column {name!r}, the target the model was trained on; name the target "
                           "column with --target.")
    return None


def _saved_places(args, model, option="data"):
    """``(target, ignore)`` of a CSV file read as ``glassnet train`` read a file without a header (by the places
    it keeps in ``model.metadata["csv_columns"]``), when neither --target nor --ignore is given (given ones
    win, but on a file of as many columns they must be train's own: :func:`_agrees_with_places`): a file of as
    many columns, or, for predict, of one fewer (no target column) or of the features
    alone; ``(None, ())`` when the model has no such places. Another number of columns is an error that
    says what the model takes."""
    layout, path = model.metadata.get("csv_columns"), getattr(args, option)
    if layout is None or not is_csv(path):
        return None, ()
    width, features, target = layout["count"], layout["features"], layout.get("target")
    cells = header_cells(path, args.sep, args.decimal)
    while len(cells) > width and cells[-1] == "":  # a spreadsheet's trailing comma, which read_csv drops too
        cells = cells[:-1]
    given = args.target is not None or args.ignore
    if given and not (len(cells) == width and _agrees_with_places(args, model, layout, option)):
        return None, ()  # (a file of other columns: the options say how to read it)
    if len(cells) == width:  # (train's own --target/--ignore repeated: the saved places, the options checked)
        args.ignore = None
        return target, tuple(k for k in range(width) if k not in features and k != target)
    if option == "csv" and target is not None and len(cells) == width - 1:  # predict on rows without the target
        kept = [k - (k > target) for k in features]
        if width - 1 > len(features):  # a file without another left-out column (the ids) has as many: say which
            print(f"note: {path} has one column fewer than {args.model}'s training file: read as it without the "
                  f"target (column {target}), the features from columns {', '.join(map(str, kept))}; give "
                  "--ignore for a file that lacks another column.", file=sys.stderr)
        return None, tuple(k for k in range(width - 1) if k not in kept)
    if option == "csv" and len(cells) == len(features):  # the features alone
        return None, ()
    raise CommandError(f"{path} has {count(len(cells), 'column')}, but {args.model} was trained on a file of "
                       f"{count(width, 'column')} without a header (features: columns {listed(map(str, features))}"
                       + (f"; target: column {target}" if target is not None else "")
                       + "): give --target and --ignore for this file's columns.")


def _agrees_with_places(args, model, layout, option):
    """Whether --target and --ignore, given for a file of as many columns as the one ``model`` was trained on
    without a header, are its places (train's own options repeated); False for a name (no place) and for
    places they contradict (a feature left out, another target): such a file is read by the options, as one
    whose columns were reordered (t,x0..x3 trained with --target 0, then x0..x3,t with --target 4) is."""
    width, features, target = layout["count"], layout["features"], layout.get("target")
    try:
        asked = {"--target": [int(args.target)] if args.target is not None else [],
                 "--ignore": [int(c) for c in args.ignore or ()]}
    except ValueError:
        return False
    for option_name, places in asked.items():
        for k in places:
            place = k % width if -width <= k < width else None
            if place is None or place in features or option_name == "--target" and place != target or \
                    (option, option_name, place) == ("data", "--ignore", target):
                return False
    return True


def _model_header(path, model, target, notes, ignore=None, given=None, sep=None, decimal=None):
    """How a CSV file meets a model trained on named columns: when row 1 holds every one of the
    model's feature names and some text, or is exactly the model's columns (numbers such as
    2020,2021 too), it is the header, whatever its numbers look like: the indices of its other
    columns but the ``target`` (left out, with a note unless ``--ignore`` names them, ``ignore``)
    and "model" (read_csv's header of a model's columns); else ((), ``given``): the file's header is as
    --header/--no-header (``given``) says, or judged as usual. With --no-header, row 1 is data. ``sep`` and
    ``decimal``: as the file is written.
    The notes are appended to the list ``notes``, which the caller prints once the file is read: before an
    error of the reading (``--id nope``), they told of a run that then failed."""
    features = model.metadata.get("features")
    cells = header_cells(path, sep, decimal) if features and given is not False and is_csv(path) else []
    while cells and cells[-1] == "" and "" not in features:  # a spreadsheet's trailing comma, which read_csv drops
        cells = cells[:-1]  # (kept, it was a column "not the model's", then "--ignore 3 is out of range")
    named = any(_is_text(cell) for cell in cells)
    # names compared in NFC (name_key): a file's "é" written as e + accent (NFD) is the model's "é"
    keys, wanted = [name_key(cell) for cell in cells], [name_key(name) for name in features or ()]
    exactly = bool(cells) and keys in (wanted, [*wanted, name_key(model.metadata.get("target"))])  # in the model's order
    if not cells or not set(wanted) <= set(keys) or not (exactly or named):
        return (), given
    if not named and given is None:  # a row of numbers only: say why it is no sample
        notes.append(f"note: row 1 of {path} ({','.join(map(shown, cells))}) holds the columns the model was "
                     "trained on, in order: it is read as the header (--no-header reads it as data).")
    if target is not None and name_key(target) not in keys and re.fullmatch(r"-?\d+", str(target)) \
            and -len(cells) <= int(target) < len(cells):
        target = cells[int(target)]
    kept = {*wanted, name_key(target)}
    others = tuple(k for k, key in enumerate(keys) if key not in kept)
    asked = {name_key(str(column)) for column in ignore or ()}  # by name or index (from the end too)
    unasked = [k for k in others if not {keys[k], str(k), str(k - len(cells))} & asked]
    if unasked and (target is None or name_key(target) in keys):  # (a --target that is no column is refused next, alone)
        names = listed(cells[k] if cells[k] else f"{k} (no name)" for k in unasked)
        notes.append(f"note: {path}'s column{'s' * (len(unasked) > 1)} {names} "
                     f"{'are' if len(unasked) > 1 else 'is'} not the model's; left out.")
    return others, "model"  # (int indices: a column may be named "0")


#: output activations whose outputs are probabilities (Argmax: one-hot rows; Sparsemax: rows in [0, 1] summing
#: to 1, with exact zeros)
PROBABILITY_OUTPUTS = ("Softmax", "Sigmoid", "HardSigmoid", "Argmax", "Sparsemax")


def cmd_predict(args):
    if args.out == "-":  # standard output, as the default (and as '-' is standard input for CSV)
        args.out = None
    _check_outputs({"--out": args.out}, inputs=[args.model, args.csv])
    if args.out and args.id is None:  # (with --id, once the id column's name is known)
        _refuse_replacing_other_files(args.out, "--out", "predictions")
    model = _load_model(args.model)
    check_columns_metadata(model, args.model)
    if args.csv == "-":
        args.csv = read_stdin()
    # settled once, with its note: the predictions are written as the file is (a spreadsheet reads them back)
    args.sep, args.decimal = sep, decimal = csv_format(head_lines(args.csv), args.sep, args.decimal, args.csv)
    target = _saved_target(args, model, "csv")
    if target is None:
        target, places = _saved_places(args, model, "csv")
        if places:
            args.ignore = (*(args.ignore or ()), *places)
    target = args.target if target is None else target
    asked = [*(args.ignore or ()), *([args.id] if args.id is not None else [])]  # left out without a note
    notes = []
    others, header = _model_header(args.csv, model, target, notes, asked, args.header, sep, decimal)
    X, _, columns = read_csv(args.csv, target, require_target=False, read_target=False,
                             ignore=tuple(args.ignore or ()) + others, header=header, sep=sep, decimal=decimal,
                             ids=args.id)
    for note in notes:  # (once the file is read: not before an error of its reading)
        print(note, file=sys.stderr)
    if args.out and args.id is not None:
        _refuse_replacing_other_files(args.out, "--out", "predictions", id_column=columns.ids[0])
    X = align_columns(X, columns, model.metadata.get("features"), args.csv, sep, decimal)
    n_in = int(np.prod(model._input_shape))
    if X.shape[1] != n_in:
        kind = "NAME" if getattr(columns, "header", False) else "INDEX"  # (a file without names: its 0-based index)
        hint = (f" Leave the target (or an id) column out with --target {kind} (or --ignore {kind})."
                if X.shape[1] > n_in and args.target is None else "")
        raise CommandError(f"the model expects {count(n_in, 'feature')}; {args.csv} has "
                           f"{count(X.shape[1], 'feature column')}.{hint}")
    _check_within_dtype(X, model, args.model, args.csv, columns)
    P = model.predict(X.reshape(len(X), *model._input_shape))
    buffer = io.StringIO()
    # (runs of blanks, --sep '\s+', are written as ',', or ';' beside decimal commas)
    writer = csv.writer(buffer, delimiter=sep if len(sep) == 1 else ";" if decimal == "," else ",", lineterminator="\n")
    written = (lambda text: text) if decimal == "." else (  # as pandas's to_csv(decimal=",") writes numbers
        lambda text: text.replace(".", decimal) if _is_number(text) else text)
    if model_task(model) == "classification":
        classes = model_classes(model)
        activation = _output_activation(model)
        threshold = decision_threshold(model)
        if type(activation).__name__ == "LogSoftmax":  # (--loss nll's output: it read "raw outputs (scores)")
            print(f"note: the model's output activation is {activation.name}: the p columns hold log-probabilities "
                  "(log p, at most 0; the highest wins), exp of which are the probabilities.", file=sys.stderr)
        elif activation is not None and type(activation).__name__ not in PROBABILITY_OUTPUTS:
            # "p(no),p(yes)" headed -0.74 and 1.2 (--output-activation tanh --loss hinge) without a word
            rule = f"above {threshold:g}: the label is on" if _multilabel(model) else \
                "the highest wins" if P.shape[1] > 1 else f"above {threshold:g}: the second class"
            print(f"note: the model's output activation is {getattr(activation, 'name', type(activation).__name__)}, "
                  f"not softmax or sigmoid: the p columns hold its raw outputs (scores; {rule}), not "
                  "probabilities.", file=sys.stderr)
        heads = ["class", *probability_columns(classes, P.shape[1])]
        if _multilabel(model):  # one 0/1 column per label, as MLPClassifier.predict and the ONNX 'label' output
            if not is_estimator_file(args.model):  # (k sigmoid units may also be a one-hot model's: say how it is read)
                print(f"note: {args.model} has {P.shape[1]} output units under {model.loss.name} and no class labels: "
                      f"read as multi-label, label0…label{P.shape[1] - 1} 1 where the unit is above {threshold:g}; "
                      "for a model trained on one-hot rows, the class is the column of the largest p.", file=sys.stderr)
            heads = [*(f"label{k}" for k in range(P.shape[1])), *heads[1:]]
            rows = [[*map(str, labels), *(written(f"{v:.6g}") for v in row)]
                    for labels, row in zip((P > threshold).astype(np.int64), P)]
        else:
            rows = [[written(str(classes[c] if classes is not None and c < len(classes) else int(c))),
                     *(written(f"{v:.6g}") for v in row)] for c, row in zip(predicted_classes(P, threshold), P)]
    else:
        heads = ["y"] if P.shape[1] == 1 else [f"y{k}" for k in range(P.shape[1])]
        rows = [[written(str(v)) for v in row] for row in P]  # NumPy's shortest text that reads back exactly
    if columns.ids is not None:  # first, as a submission's id,prediction; numbers with the file's decimal mark
        name, ids = columns.ids
        heads, rows = [name, *heads], [[written(i), *row] for i, row in zip(ids, rows)]
    writer.writerow(heads)
    writer.writerows(rows)
    if args.out:
        # with the input's byte-order mark, which tells Excel the file is UTF-8 (standard output, which other
        # programs read, gets none: pandas's to_csv and csvkit write none there either)
        atomic_write_text(args.out, "\ufeff" * has_bom(args.csv) + buffer.getvalue())
        print(f"Wrote {count(len(P), 'prediction')} to {args.out}")
    else:
        _refuse_unwritable_cells(buffer.getvalue(), [heads, *rows])
        sys.stdout.write(buffer.getvalue())
    return 0


def _refuse_unwritable_cells(text, cells):
    """Refuse predictions (``text``, the CSV of the rows ``cells``) that standard output's encoding cannot
    write: a Windows code page when the output is redirected, or PYTHONIOENCODING=ascii. The main program
    spells what the encoding cannot write in ASCII to keep the tables' η and ← readable (``_io.SPELL_IN_ASCII``),
    which would write each such label or id altered (é as e, else '?') with exit status 0; data is refused
    instead, as ``pandas.DataFrame.to_csv(sys.stdout)`` does (UnicodeEncodeError), and not written as UTF-8
    regardless: text on standard output is in its encoding."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return
    except LookupError:  # (an encoding Python does not know: the stream itself then fails)
        return
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start]
    cell = next((cell for row in cells for cell in row if character in cell), character)  # (else: --sep's)
    try:  # named as Python writes it, or in escapes where standard error is as narrow ('p(??)' said nothing)
        cell = repr(cell).encode(getattr(sys.stderr, "encoding", None) or "utf-8") and repr(cell)
    except (UnicodeEncodeError, LookupError):
        cell = ascii(cell)
    raise CommandError(f"standard output's encoding, {encoding}, cannot write {cell} of the predictions (it would "
                       "become '?'): write them to a file with --out FILE (UTF-8), or set PYTHONIOENCODING=utf-8.")


def _shown_config(serialized):
    """``ClassName(key=value, ...)`` of a serialized object, its settings that are set; nested objects (a
    LossScaleOptimizer's inner optimizer, a MultiOptimizer's map) shown the same way, not as dicts."""
    def shown(value):
        if isinstance(value, dict) and set(value) >= {"class_name", "config"}:
            return _shown_config(value)
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k!r}: {shown(v)}" for k, v in value.items()) + "}"
        return str(value)

    config = serialized.get("config") or {}
    settings = ", ".join(f"{k}={shown(v)}" for k, v in config.items() if v is not None)
    return f"{serialized['class_name']}({settings})"


def cmd_info(args):
    from .. import losses, optimizers

    reasons = []
    model = _load_model(args.model, reasons=reasons)
    model.summary()
    print(f"File: {args.model} ({Path(args.model).stat().st_size:,} bytes); dtype {model.dtype}; "
          f"input shape {model.input_shape}; task {model_task(model)}")
    classes = model_classes(model)
    if classes is not None:
        print(classes_line(classes))
    features = model.metadata.get("features")
    if features:  # predict and evaluate match a file's header against them: the user had only their errors to go by
        target = model.metadata.get("target")
        print(f"Columns: {', '.join(map(shown, features))}{f'; target {shown(target)}' if target is not None else ''} "
              "(predict and evaluate take a CSV file's columns by these names)")
    layout = model.metadata.get("csv_columns")
    if layout:  # what predict and evaluate leave out of a file like the training file
        target = f"; target column {layout['target']}" if layout.get("target") is not None else ""
        print(f"Columns: of {layout['count']} without a header, features {', '.join(map(str, layout['features']))}"
              f"{target} (predict and evaluate take a file like it without --target or --ignore)")
    estimator = saved_estimator(args.model, "its settings are not shown")
    if estimator is not None:
        settings = " ".join(repr(estimator).split())  # scikit-learn's repr: the parameters set
        steps = "iterations" if estimator.solver == "lbfgs" else "epochs"  # n_iter_: L-BFGS's iterations
        print(f"scikit-learn estimator: {settings}; {estimator.n_iter_} {steps}, loss_ {estimator.loss_:.6g}")
    if not model.compiled:
        if not reasons:
            print("Compile settings: none (the model was saved without them)")
        else:  # a Keras file's own loss, optimizer or metric: "saved without them" was untrue
            print(f"Compile settings: in the file but not loaded, as glassnet cannot use them ({reasons[0]})")
        return 0
    opt = optimizers.serialize(model.optimizer)
    print(f"Loss: {model.loss.name} ({losses.serialize(model.loss)['class_name']})")
    steps, updates = model.optimizer._iterations, model.optimizer.iterations
    taken = f"{steps} steps taken" + (f" ({updates} updates)" if updates != steps else "")
    print(f"Optimizer: {_shown_config(opt)}; {taken}")
    print(f"Metrics: {', '.join(str(m) for m in model._metric_ids) or 'none'}")
    # a file saved with jit_compile loads with it only where numba is installed
    print(f"jit_compile: {model.jit_compile}" + (" (numba loops)" if model.jit_compile else ""))
    return 0


#: suffixes of model files that are no ONNX file, and who then fails to read an ONNX file so named
MODEL_SUFFIXES = {".gn": "glassnet's own format, which glassnet info, evaluate and predict then fail to read",
                  ".keras": "Keras's format, which keras.saving.load_model then fails to read"}


def _refuse_model_names(onnx):
    """``--onnx new.gn`` wrote an ONNX file under glassnet's own suffix (or Keras's), and ``glassnet info new.gn``
    then said "not a glassnet model file (a zip archive)": refuse it, as train's --out refuses .onnx and .keras."""
    suffix = Path(onnx).suffix
    readers = MODEL_SUFFIXES.get(suffix.lower())
    if readers is None:
        return
    keras = f", or write a Keras file with --keras {Path(onnx).with_suffix('.keras')}" if suffix.lower() == ".keras" \
        else ""
    raise CommandError(f"--onnx {onnx}: export writes an ONNX file, but {suffix} names {readers}; "
                       f"give a name ending in .onnx (e.g. --onnx {Path(onnx).with_suffix('.onnx')}){keras}.")


def cmd_export(args):
    if args.onnx is None and args.keras is None:
        args.onnx = str(Path(args.model).with_suffix(".onnx"))
    _check_outputs({"--onnx": args.onnx, "--keras": args.keras}, inputs=[args.model])
    if args.onnx is not None:
        _refuse_replacing_other_files(args.onnx, "--onnx", "onnx")  # (first: an existing model is named as such)
        _refuse_model_names(args.onnx)
    if args.keras is not None:
        if not args.keras.endswith(".keras"):
            raise CommandError(f"--keras: {args.keras} must end in .keras, the only name Keras loads as its file.")
        _refuse_replacing_other_files(args.keras, "--keras", "keras")
    model = _load_model(args.model, "--keras writes the model without them." if args.keras is not None else "")
    if args.keras is not None:  # first: it refuses what Keras cannot represent, and then nothing is written
        from ..models.keras_files import save_keras

        try:
            save_keras(model, args.keras)
            args.written = [args.keras]  # (named if standard output then fails: the file is there)
        except ValueError as error:  # its advice, "save the model with model.save(path)", is the Python API's
            match = re.fullmatch(r"Cannot write a Keras file: (.*?), which Keras 3 cannot represent\..*", str(error),
                                 flags=re.S)
            if match is None:
                raise
            kind = " (a scikit-learn estimator's file, glassnet.sklearn)" if is_estimator_file(args.model) else ""
            # (the names quoted for the shell: "my model.gn" was two arguments when pasted)
            raise CommandError(f"--keras: cannot write a Keras file of {args.model}{kind}: {match.group(1)}, which "
                               "Keras 3 cannot represent. Export it to ONNX instead: glassnet export "
                               f"{shlex.quote(args.model)} --onnx {shlex.quote(str(Path(args.model).with_suffix('.onnx')))}"
                               ) from None
    shape = lambda dims: "(" + ", ".join(["N", *(str(d) for d in dims[1:])]) + ")"  # noqa: E731
    if args.onnx is not None:
        from ..onnx import OPSET, _class_labels, export, to_onnx

        # a file of clf.save: scikit-learn's outputs, as glassnet.onnx.export(clf) writes them
        estimator = saved_estimator(args.model, "its network is exported, without scikit-learn's outputs")
        export(model if estimator is None else estimator, args.onnx)
        args.written = [*getattr(args, "written", []), args.onnx]
        if estimator is not None:
            outputs = _onnx_outputs(to_onnx(estimator))  # (not read back: --onnx may be a pipe)
        else:
            label = ", 'label' (N) class labels" if _class_labels(model) is not None else ""
            outputs = f"output 'output' {shape(model.output_shape)}{label}"
        print(f"Wrote {args.onnx}: ONNX opset {OPSET}, input 'input' {shape(model.input_shape)} {model.dtype} → "
              f"{outputs}")
    if args.keras is not None:
        print(f"Wrote {args.keras}: a Keras 3 file (keras.saving.load_model), input {shape(model.input_shape)} "
              f"{model.dtype} → output {shape(model.output_shape)}" + (", compiled" if model.compiled else ""))
    return 0


def _onnx_outputs(proto):
    """The outputs of the ONNX model ``proto``, as onnxruntime reads them: e.g. ``outputs 'label' (N)
    int64, 'probabilities' (N, 3) float32``."""
    import onnx

    parts = []
    for output in proto.graph.output:
        tensor = output.type.tensor_type
        dims = ", ".join(d.dim_param or str(d.dim_value) for d in tensor.shape.dim)
        kind = ("text" if tensor.elem_type == onnx.TensorProto.STRING
                else onnx.helper.tensor_dtype_to_np_dtype(tensor.elem_type).name)
        parts.append(f"'{output.name}' ({dims}) {kind}")
    return f"output{'s' if len(parts) > 1 else ''} " + ", ".join(parts)
