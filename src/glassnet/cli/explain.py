"""``glassnet explain``: one training step in the lectures' notation (``glassnet.trace``)."""

import json
import re
import warnings

import numpy as np

from ._common import (PROG, CommandError, _floats, _load_model, _targets_for, model_classes, model_task, name_key,
                      saved_estimator, shown)


def _class_labels(text, model):
    """``--y`` as class indices when it names classes the model saved (``setosa``, as predict prints
    them); None otherwise (then it is read as numbers: indices, or a regression's targets)."""
    from ._data import _is_number, label_text

    classes = model_classes(model)
    if classes is None:
        return None
    index = {name_key(label_text(c)): i for i, c in enumerate(classes)}  # (NFC: "é" typed is e + accent saved)
    if name_key(label_text(str(text))) in index:  # one label as a whole first: 'bird, small' holds a comma
        return np.array([index[name_key(label_text(str(text)))]], dtype=np.float64)
    names = [name_key(label_text(part)) for part in str(text).replace(";", ",").split(",") if part.strip()]
    if not names or not all(name in index for name in names):
        unknown = [name for name in names if name not in index]
        if any(not _is_number(name) for name in unknown):
            listing = ", ".join(repr(c) if re.search("[,;]", str(c)) else shown(c) for c in classes[:20])  # 'bird, small'
            raise CommandError(f"--y: {unknown[0]!r} is not a class of this model; its classes are "
                               f"{listing}{', ...' if len(classes) > 20 else ''} (or their indices "
                               f"0..{len(classes) - 1}).")
        return None
    return np.array([index[name] for name in names], dtype=np.float64)


def _estimator_targets(estimator, model, Y):
    """The targets ``Y`` as explain reads them for ``model`` (one-hot rows, 0/1 columns, values)
    in the estimator's terms: its class labels (multiclass, binary), 0/1 rows (multilabel), values.
    A row of another width, or of other values, is refused (argmax read '1,0' as a class)."""
    if not hasattr(estimator, "classes_"):
        return Y[:, 0] if Y.shape[1] == 1 else Y
    k, zero_one = estimator.n_outputs_, np.isin(Y, (0, 1)).all()
    received = f"received {Y.size} number(s) for {len(Y)} example(s): {', '.join(f'{v:g}' for v in Y.ravel()[:12])}"
    if model_classes(model) is None:  # multilabel: one 0/1 column per label
        if Y.shape[1] != k or not zero_one:
            raise CommandError(f"--y: this multilabel classifier takes 0 or 1 for each of its {k} labels, per example "
                               f"(e.g. {','.join(['1'] + ['0'] * (k - 1))}); {received}.")
        return Y.astype(np.int64)
    classes = ", ".join(map(shown, estimator.classes_[:20])) + (", ..." if len(estimator.classes_) > 20 else "")
    if k > 1:  # softmax: one-hot rows
        if Y.shape[1] != k or not zero_one or not (Y.sum(axis=1) == 1).all():
            raise CommandError(f"--y: one class per example, by its label or index (this classifier's classes are "
                               f"{classes}) or as a one-hot row of {k}; {received}.")
        return estimator.classes_[Y.argmax(axis=1)]
    if Y.shape[1] != 1 or not zero_one:  # one logistic output: the class is its index
        raise CommandError(f"--y: this classifier's classes are {classes} (or their indices 0..1), one per "
                           f"example; {received}.")
    return estimator.classes_[Y[:, 0].astype(np.int64)]


def cmd_explain(args):
    from ..trace import WORKED_EXAMPLE, trace, worked_example_model

    if args.model:
        reasons = []
        model = _load_model(args.model, reasons=reasons)
        if not model.compiled:  # (a Keras file's own loss or optimizer: its settings are there, but unusable)
            held = f"holds compile settings glassnet cannot use ({reasons[0]})" if reasons else \
                "was saved without compile settings"
            raise CommandError(f"{args.model} {held}; explain needs its loss and optimizer.")
        if args.x is None or args.y is None:
            raise CommandError("--x and --y are required with --model (the example to trace).")
        if args.lr is not None:
            model.optimizer.learning_rate = args.lr
        if args.activation is not None:
            raise CommandError("--activation chooses the worked example's activation; a --model has its own.")
    else:
        rate = WORKED_EXAMPLE["learning_rate"] if args.lr is None else args.lr
        model = worked_example_model(args.activation or "sigmoid", rate)
    x = args.x if args.x is not None else np.array(WORKED_EXAMPLE["x"])
    y = _class_labels(args.y, model) if args.model and args.y is not None else None
    if y is None:
        y = _floats(args.y, "--y", f"{PROG} explain") if args.y is not None else np.array([WORKED_EXAMPLE["y"]])
    n_in = int(np.prod(model._input_shape))
    if x.size % n_in:
        raise CommandError(f"--x: the model takes {n_in} inputs per example; received {x.size} number(s).")
    X = x.reshape(-1, *model._input_shape)  # a model of images (Input(shape=(h, w)), Flatten) takes them so, as predict
    if model_task(model) == "classification" and model.n_outputs > 1 and y.size == len(X):
        if np.any(y != np.round(y)) or y.min() < 0 or y.max() >= model.n_outputs:
            raise CommandError(f"--y: class indices 0..{model.n_outputs - 1} for this classifier; received "
                               f"{', '.join(f'{v:g}' for v in y)}.")
        y = _targets_for(model, y.astype(np.int64), model.n_outputs)
    else:
        if y.size % len(X):
            raise CommandError(f"--y: {len(X)} example(s) need the same number of targets each; received "
                               f"{y.size} number(s).")
        y = y.reshape(len(X), -1)
    estimator = saved_estimator(args.model, "the step is traced with the network's own loss, without the "
                                "estimator's alpha penalty") if args.model else None
    if estimator is not None:  # scikit-learn's objective: its alpha penalty, its labels
        if args.lr is not None:  # its optimizer's, or the new one's where trace starts one (as partial_fit)
            estimator.model_.optimizer.learning_rate = estimator.learning_rate_init = args.lr
        with warnings.catch_warnings():  # --x lists the features in the fitted order, which is what counts
            warnings.filterwarnings("ignore", "X does not have valid feature names", UserWarning)
            result = estimator.trace(X, _estimator_targets(estimator, model, y))
    else:
        try:
            result = trace(model, X, y)
        except ValueError as exc:  # the library's 'y must lie in [0, 1]' is the command's --y
            raise CommandError(re.sub(r"^([xXy])\b", lambda m: "--" + m[1].lower(), str(exc))) from None
    if args.json:
        if args.digits is not None:
            raise CommandError("--digits sets the digits of the tables; --json holds every digit already.")
        print(json.dumps(result.to_dict(), indent=1))
    elif args.markdown:
        print(result.to_markdown() if args.digits is None else result.to_markdown(digits=args.digits))
    else:
        print(result if args.digits is None else result.to_text(digits=args.digits))
    return 0
