"""The ``glassnet`` command line (SPEC E1).

Every command is a thin front end: it reads its arguments, loads data, and
calls the same library functions a Python user would (``Sequential.fit``,
``glassnet.trace.trace``, ``glassnet.descent.gradient_descent``,
``glassnet.classic``, ``glassnet.onnx.export``); no math lives here.

Errors a user can cause (bad arguments, missing files, malformed CSV, data
that does not fit the model) end the program with exit status 1 (2 for
argument errors) and one line on stderr; ``--debug`` adds the traceback.
Run ``glassnet --help`` and ``glassnet COMMAND --help``; docs/cli.md has
every command with an example.
"""

import argparse
import contextlib
import csv
import io
import json
import math
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__
from ._io import atomic_write_text

PROG = "glassnet"
TOY_SETS = ("xor", "circle", "spiral", "gaussians")
GATES = ("and", "or", "xor", "nand", "nor", "xnor")
SHARED_MNIST = Path("..") / "shared" / "data" / "mnist"


class CommandError(Exception):
    """A user error: reported as one line, exit status ``status``."""

    def __init__(self, message, status=1, prog=None):
        super().__init__(message)
        self.status = status
        self.prog = prog


# ============================================================================ data

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

    @property
    def n_classes(self):
        return len(self.classes) if self.classes is not None else 0


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path, target=None, require_target=True):
    """Read a numeric CSV file (an optional header row; one target column).

    Parameters
    ----------
    path : str
    target : str or None
        The target column, by header name or 0-based index (negative counts
        from the end); None: the last column when ``require_target``, else
        no target (every column is a feature).

    Returns
    -------
    X : ndarray of float64, shape (n, d)
    y : ndarray (float64, or str labels) of shape (n,), or None
    names : list of str
        The feature names (``column_k`` without a header).
    """
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"no such file: {path}" if not file.exists() else f"not a file: {path}")
    try:
        with open(file, newline="", encoding="utf-8-sig") as fh:
            rows = [(i, [c.strip() for c in row]) for i, row in enumerate(csv.reader(fh), 1) if any(c.strip() for c in row)]
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not a UTF-8 text CSV file.") from None
    except csv.Error as exc:
        raise CommandError(f"{path} is not a valid CSV file: {exc}.") from None
    if not rows:
        raise CommandError(f"{path} is empty.")
    header = None
    if not all(_is_number(c) for c in rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise CommandError(f"{path} has a header but no data rows.")
    width = len(header) if header is not None else len(rows[0][1])
    for line, cells in rows:
        if len(cells) != width:
            raise CommandError(f"{path} line {line}: expected {width} fields, found {len(cells)}.")
    names = header or [f"column_{k}" for k in range(width)]
    col = _target_index(target, names, header is not None, path) if (target is not None or require_target) else None
    if col is not None and width < 2:
        raise CommandError(f"{path} has a single column: there is no feature besides the target.")
    features = [k for k in range(width) if k != col]
    cells = np.array([c for _, c in rows], dtype=object)
    X = _numeric(cells[:, features], rows, features, names, path)
    y = None
    if col is not None:
        raw = cells[:, col].astype(str)
        try:
            y = raw.astype(np.float64)
        except ValueError:
            y = raw  # class labels given as text
        else:
            _check_finite(y, rows, [col], names, path)
    return X, y, [names[k] for k in features]


def _target_index(target, names, has_header, path):
    if target is None:
        return len(names) - 1
    if has_header and target in names:
        return names.index(target)
    try:
        k = int(target)
    except ValueError:
        valid = f" Columns: {', '.join(names)}." if has_header else " The file has no header: give a column index."
        raise CommandError(f"--target {target!r} is not a column of {path}.{valid}") from None
    if not -len(names) <= k < len(names):
        raise CommandError(f"--target {k} is out of range: {path} has {len(names)} columns (0 to {len(names) - 1}).")
    return k % len(names)


def _numeric(cells, rows, columns, names, path):
    try:
        X = cells.astype(np.float64)
    except ValueError:
        for (line, _), row in zip(rows, cells):  # only to name the first bad cell
            for k, value in zip(columns, row):
                if value == "":
                    raise CommandError(
                        f"{path} line {line}, column {names[k]!r}: missing value; remove or fill it first."
                    ) from None
                if not _is_number(value):
                    raise CommandError(f"{path} line {line}, column {names[k]!r}: {value!r} is not a number.") from None
        raise
    _check_finite(X, rows, columns, names, path)
    return X


def _check_finite(values, rows, columns, names, path):
    bad = ~np.isfinite(values)
    if bad.any():
        i, k = np.argwhere(bad.reshape(len(rows), -1))[0]
        raise CommandError(
            f"{path} line {rows[i][0]}, column {names[columns[k]]!r}: missing or non-finite value; "
            "remove or fill it first."
        )


def encode_labels(y, task):
    """Class indices and class labels, or float targets for regression.

    Non-negative integer labels are their own class index (0..max); any other
    labels (text, negative or fractional) are indexed in sorted order.
    """
    numeric = y.dtype.kind == "f"
    if task == "auto":
        discrete = not numeric or (np.all(y == np.round(y)) and len(np.unique(y)) <= 50)
        task = "classification" if discrete else "regression"
    if task == "regression":
        if not numeric:
            raise CommandError("--task regression needs a numeric target column; this one holds text labels.")
        return y.astype(np.float64), None, task
    if numeric and np.all(y == np.round(y)) and y.min() >= 0:
        idx = y.astype(np.int64)
        return idx, [str(k) for k in range(int(idx.max()) + 1)], task
    labels, idx = np.unique(y, return_inverse=True)
    return idx.astype(np.int64), [_label(v) for v in labels], task


def _label(value):
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def _find_mnist(download):
    """MNIST from $GLASSNET_DATA or the cache, then ../shared/data/mnist; else download or None."""
    from .datasets import MNISTNotFoundError, load_mnist

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
        return load_mnist(), "downloaded once to the cache"
    return None


def load_dataset(name, args, purpose="train"):
    """Load DATA for train/evaluate/som: a data set name or a CSV file.

    The test part of each named set is fixed so that ``train`` and
    ``evaluate`` agree: MNIST's own 10 000 test images, a stratified 20 %
    of the digits (seed 0), 20 % of a toy set generated with ``--data-seed``.
    """
    from . import datasets
    from .preprocessing import split

    key = name.lower()
    if key in ("auto", "mnist"):
        found = _find_mnist(download=key == "mnist")
        if found is not None:
            ((x, y), (xt, yt)), where = found
            return Data("mnist", f"MNIST from {where}: {len(x)} train / {len(xt)} test images of 28×28",
                        x, y, xt, yt, "classification", [str(k) for k in range(10)])
        print("MNIST was not found ($GLASSNET_DATA, the cache, ../shared/data/mnist); using the "
              "embedded 8×8 digits instead ('glassnet train mnist' downloads MNIST).")
        key = "digits"
    if key == "digits":
        (x, y), (xt, yt) = datasets.load_digits(test=0.2, seed=0)
        return Data("digits", f"the embedded 8×8 digits: {len(x)} train / {len(xt)} test images",
                    x, y, xt, yt, "classification", [str(k) for k in range(10)])
    if key in TOY_SETS:
        maker = getattr(datasets, f"make_{key}")
        X, y = maker(n_samples=args.samples, noise=args.noise, seed=args.data_seed, dtype="float64")
        (x, y_), _, (xt, yt) = split(X, y, test=0.2, seed=0, stratify=True)
        return Data(key, f"playground '{key}': {len(x)} train / {len(xt)} test points "
                         f"(noise {args.noise:g}, data seed {args.data_seed})",
                    x, y_, xt, yt, "classification", ["0", "1"], standardize=True)
    if not name.lower().endswith((".csv", ".txt")) and not Path(name).exists():
        raise CommandError(
            f"unknown data set {name!r}: use auto, mnist, digits, {', '.join(TOY_SETS)} or the path of a CSV file."
        )
    unlabelled = purpose == "som" and getattr(args, "target", None) is None
    X, y_raw, names = read_csv(name, getattr(args, "target", None), require_target=not unlabelled)
    if unlabelled:  # a map needs no target: every column is a feature
        return Data(Path(name).name, f"{name}: {len(X)} rows, {X.shape[1]} features", X, None, X, None,
                    "unlabelled", standardize=True)
    y, classes, task = encode_labels(y_raw, getattr(args, "task", "auto"))
    if purpose != "train":
        return Data(Path(name).name, f"{name}: {len(X)} rows, {X.shape[1]} features", X, y, X, y, task, classes,
                    standardize=True)
    test = args.test_split
    if test > 0:
        (x, y_tr), _, (xt, yt) = split(X, y, test=test, seed=0, stratify=task == "classification")
    else:
        x, y_tr, xt, yt = X, y, X[:0], y[:0]
    return Data(Path(name).name, f"{name}: {len(x)} train / {len(xt)} test rows, {X.shape[1]} features "
                                 f"({', '.join(names[:6])}{', ...' if len(names) > 6 else ''})",
                x, y_tr, xt, yt, task, classes, standardize=True)


# ========================================================================= helpers

def _info(args, message):
    if not getattr(args, "quiet", False):
        print(message)


def _floats(text, name):
    """'0.05,0.1' -> array([0.05, 0.1])."""
    try:
        values = np.array([float(v) for v in str(text).replace(";", ",").split(",") if v.strip()], dtype=np.float64)
    except ValueError:
        raise CommandError(f"{name}: expected comma-separated numbers such as 1,2.5. Received: {text!r}") from None
    if values.size == 0 or not np.isfinite(values).all():
        raise CommandError(f"{name}: expected finite comma-separated numbers. Received: {text!r}")
    return values


def _load_model(path):
    from .models import load_model

    if not Path(path).is_file():
        raise CommandError(f"no such model file: {path}")
    return load_model(path)


def _output_activation(model):
    return getattr(model.layers[-1], "activation", None)


def model_task(model):
    """``"classification"`` when the model's loss or output activation is a classifier's."""
    classifier_losses = {
        "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
        "hinge", "perceptron", "log_loss", "nll", "multiclass_hinge",
    }
    if model.loss is not None and getattr(model.loss, "name", None) in classifier_losses:
        return "classification"
    activation = type(_output_activation(model)).__name__
    return "classification" if activation in ("Softmax", "LogSoftmax", "Argmax") else "regression"


def predicted_classes(P):
    """Class index of each row of outputs: argmax, or ``p > 0.5`` for one sigmoid unit."""
    return np.argmax(P, axis=1) if P.shape[1] > 1 else (P[:, 0] > 0.5).astype(np.int64)


def _targets_for(model, y, n_classes):
    """Targets in the form the model's loss takes: labels, one-hot rows or a column."""
    from .preprocessing import to_categorical

    n_out = model.n_outputs
    if getattr(model.loss, "name", "") == "sparse_categorical_crossentropy" or n_out == 1:
        return np.asarray(y, dtype=np.float64).reshape(len(y), -1) if n_out == 1 else y
    return to_categorical(y, num_classes=max(n_out, n_classes))


def _require_matplotlib(path, option):
    """Fail before any work is done when a picture was asked for but cannot be drawn."""
    _check_parent(path, option)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CommandError(f"{option} requires matplotlib: pip install glassnet[plots]") from None


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _library_plot(name):
    """``glassnet.plots.<name>`` when that module provides it, else None."""
    try:
        from . import plots
    except ImportError:
        return None
    return getattr(plots, name, None)


def _check_parent(path, option):
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise CommandError(f"{option}: the folder {folder} does not exist.")


# ========================================================================= train

#: Defaults per kind of data set (each fitted to finish quickly on 2 CPU cores).
TRAIN_DEFAULTS = {
    "mnist": dict(layers=(512, 512), activation="relu", dropout=0.2, optimizer="adam",
                  lr=1e-3, batch_size=128, epochs=5),
    "digits": dict(layers=(128, 128), activation="relu", dropout=0.1, optimizer="adam",
                   lr=1e-3, batch_size=32, epochs=30),
    "toy": dict(layers=(16, 16), activation="tanh", dropout=0.0, optimizer="adam",
                lr=0.01, batch_size=16, epochs=100),
    "spiral": dict(layers=(64, 64), activation="relu", dropout=0.0, optimizer="adam",
                   lr=0.01, batch_size=16, epochs=300),
    "csv": dict(layers=(64, 64), activation="relu", dropout=0.0, optimizer="adam",
                lr=1e-3, batch_size=32, epochs=50),
}


def _defaults_for(data):
    if data.name in TRAIN_DEFAULTS:
        return TRAIN_DEFAULTS[data.name]
    return TRAIN_DEFAULTS["toy" if data.name in TOY_SETS else "csv"]


def _layer_sizes(text):
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        sizes = tuple(int(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 512,512 (or 'none'). Received: {text!r}"
        )
    return sizes


def _standardizer(X):
    mu = X.mean(axis=0)
    sigma = X.std(axis=0)
    sigma[sigma == 0] = 1.0
    return mu, sigma


def _fold_input_scaling(model, mu, sigma):
    """Make the first Dense layer take raw features: it was trained on (x − μ)/σ.

    ``((x − μ)/σ) W + b = x (W/σ) + (b − (μ/σ) W)``, so the saved model needs no scaler.
    """
    layer = model.layers[0]  # a Dense layer with bias: build_model makes it so
    W = layer.params["W"].astype(np.float64)
    layer.params["b"][...] = layer.params["b"] - (mu / sigma) @ W
    layer.params["W"][...] = W / sigma[:, None]


def _fold_output_scaling(model, mean, scale):
    """Make a linear output give raw targets: it was trained on (y − mean)/scale."""
    layer = model.layers[-1]
    layer.params["W"][...] = layer.params["W"] * scale
    layer.params["b"][...] = layer.params["b"] * scale + mean


def build_model(n_in, n_out, hidden, activation, output_activation, dropout, dtype, seed):
    """The MLP ``n_in - hidden... - n_out`` with dropout after each hidden layer."""
    from .layers import Dense, Dropout
    from .models import Sequential

    model = Sequential(dtype=dtype, seed=seed, name="glassnet_cli")
    for i, units in enumerate(hidden):
        model.add(Dense(units, activation, input_dim=n_in if i == 0 else None))
        if dropout > 0:
            model.add(Dropout(dropout))
    model.add(Dense(n_out, output_activation, input_dim=None if hidden else n_in))
    model.build((n_in,))
    return model


def cmd_train(args):
    from . import optimizers
    from .utils import set_random_seed

    _check_parent(args.out, "--out")
    if args.plot:
        _require_matplotlib(args.plot, "--plot")
    data = load_dataset(args.dataset, args)
    print(f"Data: {data.description}")
    d = _defaults_for(data)
    hidden = d["layers"] if args.layers is None else args.layers
    activation = args.activation or d["activation"]
    dropout = d["dropout"] if args.dropout is None else args.dropout
    epochs = args.epochs or d["epochs"]
    batch_size = args.batch_size or d["batch_size"]
    classification = data.task == "classification"
    if classification and data.n_classes < 2:
        raise CommandError(f"the target of {data.name} has a single class; a classifier needs at least two.")
    out_act = args.output_activation or ("softmax" if classification else "linear")
    binary = classification and data.n_classes == 2 and out_act in ("sigmoid", "logistic")
    n_out = 1 if binary else (data.n_classes if classification else 1)
    loss = args.loss or ("binary_crossentropy" if binary else "categorical_crossentropy" if classification else "mse")
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(3), "little")
    set_random_seed(seed)

    x, xt = data.x_train, data.x_test
    scaler = _standardizer(x) if data.standardize and not args.no_standardize else None
    if scaler is not None:
        x = (x - scaler[0]) / scaler[1]
    y = data.y_train
    y_scale = None
    if not classification:
        y = y.reshape(len(y), -1)
        if out_act in ("linear", "identity"):
            y_scale = _standardizer(y)
            y = (y - y_scale[0]) / y_scale[1]
    model = build_model(x.shape[1], n_out, hidden, activation, out_act, dropout, args.dtype, seed)
    optimizer = optimizers.get(args.optimizer or d["optimizer"])
    optimizer.learning_rate = args.lr if args.lr is not None else d["lr"]
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"] if classification else ["mae"])
    targets = _targets_for(model, y, data.n_classes) if classification else y
    sizes = "-".join(str(v) for v in (x.shape[1], *hidden, n_out))
    _info(args, f"Model: {sizes}, {activation} hidden, {out_act} output"
                f"{f', dropout {dropout:g}' if dropout and hidden else ''}; loss {model.loss.name}; "
                f"{type(optimizer).__name__} lr={optimizer.learning_rate:g}; batch {batch_size}; "
                f"{epochs} epoch(s); {args.dtype}; seed {seed}")
    if scaler is not None:
        _info(args, "Features are standardized for training; the scaling is folded into the first layer, "
                    "so the saved model takes raw features.")
    verbose = 0 if args.quiet else (1 if sys.stdout.isatty() else 2)
    from .models.training import DivergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)  # reported below as "Stopped early"
        history = model.fit(x, targets, batch_size=batch_size, epochs=epochs, verbose=verbose,
                            validation_split=args.validation_split)
    if scaler is not None:
        _fold_input_scaling(model, *scaler)
    if y_scale is not None:
        _fold_output_scaling(model, *y_scale)
    if model.stop_reason:
        print(f"Stopped early: {model.stop_reason}")
    if len(xt):
        P = model.predict(xt)
        if classification:
            hits = int((predicted_classes(P) == data.y_test).sum())
            print(f"Test accuracy: {hits / len(xt):.4f} ({hits}/{len(xt)})")
        else:
            err = P - data.y_test.reshape(len(xt), -1)
            print(f"Test MSE: {float(np.mean(err ** 2)):.6g}  MAE: {float(np.mean(np.abs(err))):.6g} ({len(xt)} rows)")
    model.save(args.out)
    print(f"Saved the model to {args.out} (see it with: glassnet info {args.out})")
    if data.classes is not None and data.classes != [str(k) for k in range(data.n_classes)]:
        print("Classes: " + ", ".join(f"{k}={c}" for k, c in enumerate(data.classes)))
    if args.plot:
        _plot_history(history.history, args.plot)
        print(f"Saved the loss curve to {args.plot}")
    return 0


def _plot_history(history, path):
    plot = _library_plot("plot_history")
    if plot is not None:
        plot(history, path=path)
        return
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    for key in ("loss", "val_loss"):
        if key in history:
            ax.plot(epochs, history[key], marker="o", label="train" if key == "loss" else "validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Training loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ==================================================================== evaluate

def cmd_evaluate(args):
    model = _load_model(args.model)
    data = load_dataset(args.data, args, purpose="evaluate")
    X, y = data.x_test, data.y_test
    task = model_task(model)
    P = model.predict(X)
    print(f"Model: {args.model} ({model_task(model)}, {model.count_params():,} parameters)")
    print(f"Data: {data.description}; evaluating on {len(X)} samples")
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
        pred = predicted_classes(P)
        hits = int((pred == y).sum())
        print(f"Accuracy: {hits / len(y):.4f} ({hits}/{len(y)})")
        if args.confusion:
            from .metrics import confusion_matrix

            _print_confusion(confusion_matrix(y, pred, num_classes=max(model.n_outputs, 2)))
    else:
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if Y.shape[1] != model.n_outputs:
            raise CommandError(f"the model has {model.n_outputs} outputs but the data has {Y.shape[1]} target column(s).")
        err = P - Y
        if model.compiled:
            print(f"Loss ({model.loss.name}): {model.evaluate(X, Y, return_dict=True)['loss']:.6g}")
        print(f"MSE: {float(np.mean(err ** 2)):.6g}  MAE: {float(np.mean(np.abs(err))):.6g}")
    return 0


def _print_confusion(C):
    width = max(5, len(str(C.max())) + 1)
    print("Confusion matrix (rows: true class, columns: predicted):")
    print(" " * 6 + "".join(f"{j:>{width}}" for j in range(C.shape[1])))
    for i, row in enumerate(C):
        print(f"{i:>5} " + "".join(f"{v:>{width}}" for v in row))


# ===================================================================== predict

def cmd_predict(args):
    model = _load_model(args.model)
    X, _, _ = read_csv(args.csv, args.target, require_target=False)
    n_in = int(np.prod(model._input_shape))
    if X.shape[1] != n_in:
        hint = " Drop the target column with --target NAME." if X.shape[1] == n_in + 1 and args.target is None else ""
        raise CommandError(f"the model expects {n_in} features; {args.csv} has {X.shape[1]} feature columns.{hint}")
    P = model.predict(X.reshape(len(X), *model._input_shape))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if model_task(model) == "classification":
        probs = [f"p{k}" for k in range(P.shape[1])] if P.shape[1] > 1 else ["p1"]
        writer.writerow(["class", *probs])
        for c, row in zip(predicted_classes(P), P):
            writer.writerow([int(c), *(f"{v:.6g}" for v in row)])
    else:
        writer.writerow(["y"] if P.shape[1] == 1 else [f"y{k}" for k in range(P.shape[1])])
        writer.writerows([[f"{v:.8g}" for v in row] for row in P])
    if args.out:
        _check_parent(args.out, "--out")
        atomic_write_text(args.out, buffer.getvalue())
        print(f"Wrote {len(P)} predictions to {args.out}")
    else:
        sys.stdout.write(buffer.getvalue())
    return 0


# ======================================================================== info

def cmd_info(args):
    from . import losses, optimizers

    model = _load_model(args.model)
    model.summary()
    print(f"File: {args.model} ({Path(args.model).stat().st_size:,} bytes); dtype {model.dtype}; "
          f"input shape {model.input_shape}; task {model_task(model)}")
    if not model.compiled:
        print("Compile settings: none (the model was saved without them)")
        return 0
    opt = optimizers.serialize(model.optimizer)
    settings = ", ".join(f"{k}={v}" for k, v in opt["config"].items() if v is not None)
    print(f"Loss: {model.loss.name} ({losses.serialize(model.loss)['class_name']})")
    print(f"Optimizer: {opt['class_name']}({settings}); {model.optimizer.iterations} steps taken")
    print(f"Metrics: {', '.join(str(m) for m in model._metric_ids) or 'none'}")
    return 0


# ===================================================================== explain

#: The lectures' 2-2-1 sigmoid example: x = (0.05, 0.10), t = 0.01, η = 0.5.
EXPLAIN_WEIGHTS = (
    [[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35],
    [[0.40], [0.45]], [0.60],
)


def cmd_explain(args):
    from . import optimizers
    from .trace import trace

    if args.model:
        model = _load_model(args.model)
        if not model.compiled:
            raise CommandError(f"{args.model} was saved without compile settings; explain needs its loss and optimizer.")
        if args.x is None or args.y is None:
            raise CommandError("--x and --y are required with --model (the example to trace).")
        if args.lr is not None:
            model.optimizer.learning_rate = args.lr
    else:
        from .layers import Dense
        from .models import Sequential

        model = Sequential([Dense(2, args.activation, input_dim=2), Dense(1, args.activation)],
                           dtype="float64", name="2-2-1")
        model.compile(optimizer=optimizers.SGD(learning_rate=0.5 if args.lr is None else args.lr),
                      loss="squared_error")
        model.build()
        model.set_weights([np.array(w, dtype=np.float64) for w in EXPLAIN_WEIGHTS])
    x = _floats(args.x if args.x is not None else "0.05,0.10", "--x")
    y = _floats(args.y if args.y is not None else "0.01", "--y")
    n_in = int(np.prod(model._input_shape))
    if x.size % n_in:
        raise CommandError(f"--x: the model takes {n_in} inputs per example; received {x.size} number(s).")
    X = x.reshape(-1, n_in)
    if model_task(model) == "classification" and model.n_outputs > 1 and y.size == len(X):
        y = _targets_for(model, y.astype(np.int64), model.n_outputs)
    else:
        y = y.reshape(len(X), -1)
    result = trace(model, X, y)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
    elif args.markdown:
        print(result.to_markdown())
    else:
        print(result)
    return 0


# ===================================================================== descend

def cmd_descend(args):
    from .descent import gradient_descent
    from .expr import parse

    f = parse(args.expr)
    if args.plot:
        _require_matplotlib(args.plot, "--plot")
    x0 = _floats(args.x0, "--x0")
    n = f.n_inputs
    if x0.size == 1 and n > 1:
        x0 = np.full(n, x0[0])
    if x0.size != n:
        raise CommandError(f"--x0: f({', '.join(f.variables)}) needs {n} starting value(s); received {x0.size}.")
    start = float(x0[0]) if n == 1 else x0
    params = {}
    optimizer = args.optimizer
    if args.momentum is not None:
        optimizer = "nesterov" if args.nesterov else (optimizer if optimizer in ("momentum", "nesterov") else "momentum")
        params["momentum"] = args.momentum
    elif args.nesterov:
        optimizer = "nesterov"
    result = gradient_descent(f, start, args.lr, steps=args.steps, grad=f.gradient, optimizer=optimizer, **params)
    variables = ", ".join(f.variables)
    start_text = f"{start:g}" if n == 1 else "(" + ", ".join(f"{v:g}" for v in x0) + ")"
    rule = "x ← x − η·f'(x)" if optimizer in ("gd", "sgd") else f"the {optimizer} update"
    print(f"f({variables}) = {f.text};  x0 = {start_text};  η = {args.lr:g};  {args.steps} steps of {rule}")
    print(result.format_table(digits=args.digits))
    advice = {
        "converges": "the steps shrink: x approaches a minimum.",
        "oscillates": "the iterate jumps back and forth with steps that neither shrink nor grow: "
                      "η is at the edge of stability.",
        "diverges": "the steps grow: η is too large, each step overshoots the minimum further.",
    }
    print(f"verdict: {result.verdict} — {advice.get(result.verdict, '')}")
    if args.plot:
        _plot_descent(f, result, args.plot)
        print(f"Saved the path to {args.plot}")
    return 0


def _plot_descent(f, result, path):
    plot = _library_plot("plot_descent")
    if plot is not None:
        plot(result, f=f, path=path)
        return
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    if result.x.ndim == 1:
        xs = result.x[np.isfinite(result.x)]
        span = max(float(np.abs(xs).max()), 1.0) * 1.1
        grid = np.linspace(-span, span, 400)
        ax.plot(grid, [f(v) for v in grid], color="0.6", label=f"f(x) = {f.text}")
        ax.plot(result.x, result.fx, "o-", color="C3", label="gradient descent")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
    else:
        ax.plot(result.x[:, 0], result.x[:, 1], "o-", color="C3", label="path (first two coordinates)")
        ax.set_xlabel(f.variables[0])
        ax.set_ylabel(f.variables[1])
    ax.set_title(f"η = {result.learning_rate:g}: {result.verdict}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ================================================================== perceptron

def cmd_perceptron(args):
    from .classic import NotSeparableWarning, Perceptron
    from .datasets import logic_gate

    key = args.data.lower()
    if key in GATES:
        X, y = logic_gate(key, encoding="bipolar" if args.bipolar else "binary", dtype="float64")
        title = f"{key.upper()} gate ({'bipolar ±1' if args.bipolar else 'binary 0/1'} inputs)"
    else:
        if not Path(args.data).exists() and not key.endswith((".csv", ".txt")):
            raise CommandError(f"unknown data {args.data!r}: use a gate ({', '.join(GATES)}) or the path of a CSV file.")
        X, y_raw, _ = read_csv(args.data, args.target)
        y, _, _ = encode_labels(y_raw, "classification")
        title = f"{args.data} ({len(X)} rows, {X.shape[1]} features)"
    model = Perceptron(learning_rate=args.lr, max_epochs=args.max_epochs, shuffle=args.shuffle,
                       random_state=args.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NotSeparableWarning)
        model.fit(X, y)
    print(f"Rosenblatt perceptron on {title}, η = {args.lr:g}: w ← w + η·y·x on each mistake (y⟨w, x⟩ ≤ 0)")
    W = np.array(model.weights_history_)
    if W.ndim == 3 and W.shape[2] == 1:  # two classes: one perceptron
        W = W[:, :, 0]
    if W.ndim == 2:
        header = ["epoch", *(f"w{k}" for k in range(W.shape[1])), "mistakes"]
        rows = [[str(e), *(f"{v:g}" for v in w), "-" if e == 0 else str(model.mistakes_[e - 1])]
                for e, w in enumerate(W)]
        _print_table(header, rows)
    else:
        _print_table(["epoch", "mistakes"], [[str(e + 1), str(m)] for e, m in enumerate(model.mistakes_)])
        print("final weights (rows w0..wd, one column per class):")
        print(np.array2string(model.weights_, precision=4))
    if model.converged_:
        print(f"Converged after {model.n_iter_} epoch(s): the data is linearly separable.")
    else:
        message = str(caught[-1].message) if caught else "did not converge"
        print(f"Not separated: {message}")
    if key in GATES:
        out = model.predict(X)
        rows = [[*(f"{v:g}" for v in x), f"{t:g}", f"{o:g}", "" if t == o else "✗"] for x, t, o in zip(X, y, out)]
        _print_table([*(f"x{k + 1}" for k in range(X.shape[1])), "target", "output", ""], rows)
    return 0


def _print_table(header, rows):
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)).rstrip())
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)).rstrip())


# ==================================================================== hopfield

def cmd_hopfield(args):
    from .classic import Hopfield, flip_bits, load_bitmaps, show_bitmap

    names = args.store if args.store in ("letters", "digits") else [c for c in args.store if c not in ", "]
    images, names = load_bitmaps(names)
    recall = args.recall or names[0]
    if recall not in names:
        raise CommandError(f"--recall {recall!r} is not among the stored patterns {''.join(names)}.")
    shape = images.shape[1:]
    patterns = images.reshape(len(images), -1)
    net = Hopfield(max_iter=args.max_iter, random_state=args.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.fit(patterns)
        clean = patterns[names.index(recall)]
        noisy = flip_bits(clean, args.noise, random_state=args.seed)
        final, info = net.recall(noisy, mode=args.mode, return_trace=True)
    for w in caught:
        print(f"note: {w.message}")
    print(f"Hopfield network of {patterns.shape[1]} neurons storing {len(names)} pattern(s) "
          f"{''.join(names)} by Hebb's rule; recalling {recall!r} with {args.noise:.0%} of its bits flipped "
          f"({args.mode} updates)")
    blocks = [show_bitmap(p, shape).splitlines() for p in (clean, noisy, final)]
    titles = ["stored", "noisy", "recalled"]
    width = shape[1]
    print("   ".join(t.ljust(width) for t in titles).rstrip())
    for lines in zip(*blocks):
        print("   ".join(lines))
    energies = info.energies[:, 0]
    index = net.stored_index(final)
    kind = info.kinds[0]
    if index >= 0:
        outcome = f"recalled {names[index]!r}" + (" correctly" if names[index] == recall else f" instead of {recall!r}")
    else:
        outcome = f"ended in a {kind} state"
    wrong = int((final != clean).sum())
    print(f"Result: {outcome}; {wrong} bit(s) differ from {recall!r}; energy {energies[0]:.4g} → {energies[-1]:.4g} "
          f"in {info.n_sweeps} {'sweep' if args.mode == 'async' else 'step'}(s)")
    return 0


# ========================================================================= som

def cmd_som(args):
    from .classic import SOM

    if args.out:
        _require_matplotlib(args.out, "--out")
    data = load_dataset(args.data, args, purpose="som")
    X = np.concatenate([data.x_train, data.x_test]) if data.x_test is not data.x_train else data.x_train
    labels = None
    if data.task == "classification":
        labels = np.concatenate([data.y_train, data.y_test]) if data.x_test is not data.x_train else data.y_train
    if data.standardize and not args.no_standardize:
        mu, sigma = _standardizer(X)
        X = (X - mu) / sigma
    rows, cols = args.grid
    som = SOM(grid=(rows, cols), topology=args.topology, epochs=args.epochs, mode=args.mode, random_state=args.seed)
    som.fit(X)
    print(f"Self-organizing map {rows}×{cols} ({args.topology}) on {len(X)} samples of {data.name} "
          f"({X.shape[1]} features); {args.epochs} epoch(s), {args.mode}")
    print(f"Quantization error: {som.quantization_error(X):.4g}   topographic error: {som.topographic_error(X):.4f}")
    U = som.u_matrix()
    print("U-matrix (mean distance to the grid neighbours; dense characters = far apart, a cluster border):")
    shades = " .:-=+*#%@"
    scaled = (U - U.min()) / max(float(np.ptp(U)), 1e-12)
    for row in scaled:
        print("  " + "".join(shades[int(round(v * (len(shades) - 1)))] * 2 for v in row))
    if labels is not None and data.n_classes <= 36:
        winners = som.predict(X)
        counts = np.zeros((rows * cols, data.n_classes), dtype=np.int64)
        np.add.at(counts, (winners, labels), 1)
        symbols = "0123456789abcdefghijklmnopqrstuvwxyz"
        grid = np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), -1).reshape(rows, cols)
        print("Most common class per neuron (· = wins no sample):")
        for row in grid:
            print("  " + " ".join(symbols[v] if v >= 0 else "·" for v in row))
    if args.out:
        _plot_u_matrix(som, X, args.out, f"U-matrix {rows}×{cols}")
        print(f"Saved the U-matrix to {args.out}")
    return 0


def _plot_u_matrix(som, X, path, title):
    plot = _library_plot("plot_som")
    if plot is not None:
        plot(som, X=X, components=False, path=path)
        return
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4.5))
    image = ax.imshow(som.u_matrix(), cmap="bone_r", interpolation="nearest")
    fig.colorbar(image, ax=ax, label="mean distance to neighbours")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ====================================================================== export

def cmd_export(args):
    from .onnx import OPSET, export

    model = _load_model(args.model)
    _check_parent(args.onnx, "--onnx")
    export(model, args.onnx)
    shape = lambda dims: "(" + ", ".join(["N", *(str(d) for d in dims[1:])]) + ")"  # noqa: E731
    print(f"Wrote {args.onnx}: ONNX opset {OPSET}, input 'input' {shape(model.input_shape)} {model.dtype} → "
          f"output 'output' {shape(model.output_shape)}")
    return 0


# ====================================================================== parser

class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line instead of exiting."""

    def error(self, message):
        raise CommandError(f"{message} (see '{self.prog} --help')", status=2, prog=self.prog)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer. Received: {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number. Received: {text!r}")
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1). Received: {text!r}")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer. Received: {text!r}")
    return value


def _grid(text):
    parts = text.lower().replace("×", "x").split("x")
    try:
        rows, cols = (int(p) for p in parts)
    except ValueError:
        rows = cols = 0
    if rows <= 0 or cols <= 0:
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLS such as 10x10. Received: {text!r}")
    return rows, cols


def _command(subparsers, name, func, summary, description, examples):
    parser = subparsers.add_parser(
        name, help=summary, description=f"{summary}\n\n{description}".strip(),
        epilog="examples:\n" + "\n".join(f"  {e}" for e in examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the full traceback on errors")
    parser.set_defaults(func=func)
    return parser


def _add_data_options(parser, csv_training=False):
    group = parser.add_argument_group("data options")
    group.add_argument("--target", metavar="COLUMN",
                       help="CSV target column, by header name or 0-based index (default: the last column)")
    group.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                       help="CSV: what the target is (default auto: integer or text labels with at most 50 "
                            "values are classes)")
    group.add_argument("--samples", type=_positive_int, default=500, metavar="N",
                       help="points in a toy set (default 500)")
    group.add_argument("--noise", type=float, default=0.0, help="toy-set noise, 0 to 0.5 (default 0)")
    group.add_argument("--data-seed", type=_non_negative_int, default=0, metavar="SEED",
                       help="seed of the toy-set generator (default 0; use the same in train and evaluate)")
    if csv_training:
        group.add_argument("--test-split", type=_fraction, default=0.2, metavar="FRACTION",
                           help="CSV: fraction held out as the test set (default 0.2)")
    group.add_argument("--no-standardize", action="store_true",
                       help="do not standardize CSV/toy features (default: train on z-scores)")
    return group


DATA_HELP = (
    "DATA is auto (MNIST when found locally, else the embedded digits), mnist (downloaded once if absent), "
    f"digits (embedded 8×8 images), one of the playground sets {', '.join(TOY_SETS)}, or the path of a CSV "
    "file (numeric features, an optional header row, a target column chosen with --target)."
)


def build_parser():
    """The argparse parser of the whole command line."""
    parser = _Parser(
        prog=PROG,
        description="glassnet: neural networks you can see through. Train, inspect and explain networks, "
                    "and run the lectures' demos from a terminal.",
        epilog="Run 'glassnet COMMAND --help' for a command's options and examples.\n"
               "examples:\n  glassnet train\n  glassnet descend \"x**2\" --x0 2 --lr 1.05 --steps 12\n"
               "  glassnet explain",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    # -- train
    train = _command(
        sub, "train", cmd_train, "train a multilayer perceptron and save it",
        f"{DATA_HELP}\n\nDefaults depend on the data set (override any with the options):\n"
        "  mnist      784-512-512-10, relu, dropout 0.2, adam 1e-3, batch 128, 5 epochs\n"
        "  digits     64-128-128-10, relu, dropout 0.1, adam 1e-3, batch 32, 30 epochs\n"
        "  toy sets   2-16-16-2, tanh, adam 0.01, batch 16, 100 epochs (spiral: 2-64-64-2, relu, 300 epochs)\n"
        "  CSV        d-64-64-k, relu, adam 1e-3, batch 32, 50 epochs\n"
        "Classification uses a softmax output and categorical cross-entropy, regression a linear output\n"
        "and mean squared error. Prints a progress bar (one line per epoch when not on a terminal), the\n"
        "per-epoch metrics and the test accuracy, then saves the model in glassnet's safe file format.",
        ["glassnet train", "glassnet train digits --epochs 20 --out digits.gn --plot loss.png",
         "glassnet train xor --out xor.gn --plot loss.png",
         "glassnet train mnist --layers 256,128 --epochs 3 --seed 0",
         "glassnet train spiral --activation relu --lr 0.03",
         "glassnet train data.csv --target label --layers 32 --epochs 100"],
    )
    train.add_argument("dataset", nargs="?", default="auto", metavar="DATA", help="the data set (default: auto)")
    group = train.add_argument_group("model and training")
    group.add_argument("--layers", type=_layer_sizes, metavar="SIZES",
                       help="hidden layer sizes, e.g. 512,512 ('none' for no hidden layer)")
    group.add_argument("--activation", metavar="NAME", help="hidden activation: relu, tanh, sigmoid, leaky_relu, elu, ...")
    group.add_argument("--output-activation", metavar="NAME",
                       help="output activation (default: softmax for classification, linear for regression; "
                            "sigmoid for two classes gives one output unit)")
    group.add_argument("--loss", metavar="NAME", help="loss name, e.g. categorical_crossentropy, mse, hinge")
    group.add_argument("--optimizer", metavar="NAME", help="sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam, adamw")
    group.add_argument("--lr", type=_positive_float, metavar="RATE", help="learning rate η")
    group.add_argument("--batch-size", type=_positive_int, metavar="N", help="mini-batch size (1: online learning)")
    group.add_argument("--epochs", type=_positive_int, metavar="N", help="passes over the training set")
    group.add_argument("--validation-split", type=_fraction, default=0.1, metavar="FRACTION",
                       help="fraction of the training set held out for per-epoch validation (default 0.1)")
    group.add_argument("--dropout", type=_fraction, metavar="RATE", help="dropout rate after each hidden layer")
    group.add_argument("--seed", type=_non_negative_int, help="random seed (default: a random one, printed)")
    group.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="precision (default float32)")
    out = train.add_argument_group("output")
    out.add_argument("--out", default="model.gn", metavar="PATH", help="where to save the model (default model.gn)")
    out.add_argument("--plot", metavar="PNG", help="save the loss curve as a PNG (needs matplotlib)")
    out.add_argument("--quiet", action="store_true", help="no progress or per-epoch lines, only the results")
    _add_data_options(train, csv_training=True)

    # -- evaluate
    evaluate = _command(
        sub, "evaluate", cmd_evaluate, "evaluate a saved model on a data set",
        "Prints the loss and accuracy (classification) or MSE/MAE (regression). For mnist, digits and the\n"
        "toy sets the test part is the one 'train' held out; a CSV file is evaluated as a whole.",
        ["glassnet evaluate model.gn digits --confusion", "glassnet evaluate model.gn mnist",
         "glassnet evaluate model.gn test.csv --target label"],
    )
    evaluate.add_argument("model", metavar="MODEL", help="a model file saved by glassnet (.gn)")
    evaluate.add_argument("data", metavar="DATA", help="mnist, digits, a toy set or a CSV file")
    evaluate.add_argument("--confusion", action="store_true", help="also print the confusion matrix")
    _add_data_options(evaluate)

    # -- predict
    predict = _command(
        sub, "predict", cmd_predict, "predict the rows of a CSV file with a saved model",
        "Writes one CSV row per input row: the class and the output of each unit (p0, p1, ...) for a\n"
        "classifier, the predicted values (y or y0, y1, ...) for a regressor.",
        ["glassnet predict model.gn inputs.csv", "glassnet predict model.gn data.csv --target label --out predictions.csv"],
    )
    predict.add_argument("model", metavar="MODEL", help="a model file saved by glassnet (.gn)")
    predict.add_argument("csv", metavar="CSV", help="numeric features, one row per sample (optional header)")
    predict.add_argument("--target", metavar="COLUMN", help="a column to ignore (e.g. the labels), by name or index")
    predict.add_argument("--out", metavar="PATH", help="write the predictions here (default: standard output)")

    # -- info
    info = _command(
        sub, "info", cmd_info, "show a saved model's layers and compile settings", "",
        ["glassnet info model.gn"],
    )
    info.add_argument("model", metavar="MODEL", help="a model file saved by glassnet (.gn)")

    # -- explain
    explain = _command(
        sub, "explain", cmd_explain, "show one training step in the lectures' notation",
        "Without --model: the lectures' 2-2-1 sigmoid network (W^(1) = [[0.15, 0.25], [0.20, 0.30]],\n"
        "b^(1) = 0.35, W^(2) = [0.40, 0.45]ᵀ, b^(2) = 0.60), x = (0.05, 0.10), t = 0.01, squared error,\n"
        "one gradient-descent step with η = 0.5. Prints the forward pass (a, z), the backward pass (δ)\n"
        "and the gradients and updates ΔW of every layer. Nothing is saved.",
        ["glassnet explain", "glassnet explain --lr 0.1 --x 1,0 --y 1",
         "glassnet explain --model model.gn --x 0.5,0.2 --y 1 --markdown"],
    )
    explain.add_argument("--model", metavar="MODEL", help="trace this saved (compiled) model instead")
    explain.add_argument("--x", metavar="VALUES", help="the input, comma-separated (default 0.05,0.10)")
    explain.add_argument("--y", metavar="VALUES", help="the target (a class index for a classifier; default 0.01)")
    explain.add_argument("--lr", type=_positive_float, metavar="RATE", help="learning rate η (default 0.5)")
    explain.add_argument("--activation", default="sigmoid", metavar="NAME",
                         help="activation of the built-in 2-2-1 network (default sigmoid)")
    fmt = explain.add_mutually_exclusive_group()
    fmt.add_argument("--markdown", action="store_true", help="print Markdown tables")
    fmt.add_argument("--json", action="store_true", help="print the trace as JSON")

    # -- descend
    descend = _command(
        sub, "descend", cmd_descend, "gradient descent on a function, with the lectures' table",
        "EXPR is a function of x (or of x1, x2, ...): numbers, + - * / ** (or ^), brackets, pi, e and\n"
        "sin cos tan exp log sqrt abs tanh. It is parsed by a restricted parser (never evaluated as\n"
        "Python); f'(x) is computed exactly. Each row shows x, f(x), f'(x), η·f'(x) and x − η·f'(x).",
        ['glassnet descend "x**2" --x0 2 --lr 1.05 --steps 12',
         'glassnet descend "x**2" --lr 0.5', 'glassnet descend "x1**2 + 3*x2**2" --x0 1,1 --lr 0.1 --momentum 0.5',
         'glassnet descend "sin(x) + x^2/10" --x0 3 --lr 0.3 --plot path.png'],
    )
    descend.add_argument("expr", metavar="EXPR", help='the function, e.g. "x**2" or "x1**2 + 3*x2**2"')
    descend.add_argument("--x0", default="2", metavar="VALUES",
                         help="starting point, comma-separated for several variables (default 2)")
    descend.add_argument("--lr", type=_positive_float, default=0.2, metavar="RATE", help="learning rate η (default 0.2)")
    descend.add_argument("--steps", type=_positive_int, default=12, metavar="N", help="number of steps (default 12)")
    descend.add_argument("--momentum", type=_fraction, metavar="ALPHA", help="use momentum α (v ← αv − η∇f, x ← x + v)")
    descend.add_argument("--nesterov", action="store_true", help="Nesterov momentum (default α 0.9)")
    descend.add_argument("--optimizer", default="gd", choices=("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"),
                         help="the update rule (default gd: x ← x − η∇f(x))")
    descend.add_argument("--digits", type=_positive_int, default=13, metavar="N", help="significant digits (default 13)")
    descend.add_argument("--plot", metavar="PNG", help="save the path on f as a PNG (needs matplotlib)")

    # -- perceptron
    perceptron = _command(
        sub, "perceptron", cmd_perceptron, "train Rosenblatt's perceptron, epoch by epoch",
        f"DATA is a logic gate ({', '.join(GATES)}) or a CSV file (--target picks the label column).\n"
        "Prints the weights w = (w0 = bias, w1, ...) and the mistakes after every epoch; XOR is\n"
        "reported as not linearly separable when the weights start to cycle.",
        ["glassnet perceptron and", "glassnet perceptron xor --bipolar", "glassnet perceptron points.csv --target class"],
    )
    perceptron.add_argument("data", metavar="DATA", help="and, or, xor, nand, nor, xnor, or a CSV file")
    perceptron.add_argument("--lr", type=_positive_float, default=1.0, metavar="RATE", help="learning rate η (default 1)")
    perceptron.add_argument("--max-epochs", type=_positive_int, default=20, metavar="N", help="at most N epochs (default 20)")
    perceptron.add_argument("--bipolar", action="store_true", help="gates with ±1 inputs (seed 003) instead of 0/1")
    perceptron.add_argument("--shuffle", action="store_true", help="visit the samples in a new random order each epoch")
    perceptron.add_argument("--seed", type=_non_negative_int, help="seed for --shuffle")
    perceptron.add_argument("--target", metavar="COLUMN", help="CSV label column (default: the last)")

    # -- hopfield
    hopfield = _command(
        sub, "hopfield", cmd_hopfield, "store bitmaps in a Hopfield network and recall a noisy one",
        "The bundled 10×10 bitmaps are the letters A C E H L T X O and the digits 0-9.",
        ["glassnet hopfield", "glassnet hopfield --store HTX --recall T --noise 0.3 --seed 1",
         "glassnet hopfield --store digits --recall 3 --mode sync"],
    )
    hopfield.add_argument("--store", default="HTX", metavar="NAMES",
                          help="bitmaps to store, e.g. HTX, 'A,7', letters or digits (default HTX)")
    hopfield.add_argument("--recall", metavar="NAME", help="the stored bitmap to corrupt and recall (default: the first)")
    hopfield.add_argument("--noise", type=_fraction, default=0.2, metavar="FRACTION",
                          help="fraction of bits to flip (default 0.2)")
    hopfield.add_argument("--mode", choices=("async", "sync"), default="async", help="update rule (default async)")
    hopfield.add_argument("--max-iter", type=_positive_int, default=100, metavar="N", help="most sweeps (default 100)")
    hopfield.add_argument("--seed", type=_non_negative_int, default=0, help="seed for the noise and the update order (default 0)")

    # -- som
    som = _command(
        sub, "som", cmd_som, "train a self-organizing map and draw its U-matrix",
        f"{DATA_HELP} Features of CSV files and toy sets are standardized first. Prints the quantization\n"
        "and topographic errors, the U-matrix as text and, for labelled data, each neuron's majority class.",
        ["glassnet som digits --grid 8x8 --out umatrix.png", "glassnet som data.csv --target label --epochs 20",
         "glassnet som gaussians --grid 6x6 --topology hexagonal"],
    )
    som.add_argument("data", metavar="DATA", help="a data set name or a CSV file")
    som.add_argument("--grid", type=_grid, default=(10, 10), metavar="ROWSxCOLS", help="map size (default 10x10)")
    som.add_argument("--topology", choices=("rectangular", "hexagonal"), default="rectangular")
    som.add_argument("--epochs", type=_positive_int, default=10, metavar="N", help="passes over the data (default 10)")
    som.add_argument("--mode", choices=("online", "batch"), default="online", help="Kohonen's online or batch rule")
    som.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
    som.add_argument("--out", metavar="PNG", help="save the U-matrix as a PNG (needs matplotlib)")
    _add_data_options(som)

    # -- export
    export = _command(
        sub, "export", cmd_export, "export a saved model to ONNX",
        "Dense, Activation, Dropout (identity), BatchNormalization (running statistics) and Flatten layers\n"
        "with any built-in activation. Needs the onnx package (pip install glassnet[onnx]).",
        ["glassnet export model.gn --onnx model.onnx"],
    )
    export.add_argument("model", metavar="MODEL", help="a model file saved by glassnet (.gn)")
    export.add_argument("--onnx", required=True, metavar="PATH", help="the ONNX file to write")
    return parser


# ======================================================================== main

def _one_line(exc):
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.strerror}: {exc.filename}"
    else:
        text = str(exc) or type(exc).__name__
    if not isinstance(exc, (CommandError, ValueError, TypeError, OSError, ImportError)):
        text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"{PROG}: warning: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv=None):
    """Run the command line; returns the exit status (0 on success)."""
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    debug = "--debug" in argv
    parser = build_parser()
    command = PROG
    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit_:  # --help and --version
            return int(exit_.code or 0)
        if args.command is None:
            parser.print_help()
            return 0
        command = f"{PROG} {args.command}"
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # results show inf/nan themselves
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        status = exc.status if isinstance(exc, CommandError) else 1
        command = getattr(exc, "prog", None) or command
        hint = "" if debug or isinstance(exc, (CommandError, ValueError, TypeError, OSError, ImportError)) else \
            " (run with --debug for the traceback)"
        print(f"{command}: error: {_one_line(exc)}{hint}", file=sys.stderr)
        return status
    finally:
        warnings.showwarning = previous


__all__ = ["main", "build_parser", "read_csv", "load_dataset", "build_model", "CommandError"]
