"""``glassnet train``: build a multilayer perceptron for a data set, fit it with ``Sequential.fit``, save it."""

import contextlib
import math
import os
import re
import shlex
import sys
import warnings
from pathlib import Path

import numpy as np

from ._common import (
    CLASSIFIER_LOSSES, PROG, TOY_SETS, CommandError, _check_outputs, _compile, _info, _require_matplotlib, _require_numba,
    _refuse_replacing_other_files, _standardizer,
    _targets_for, classes_line, columns_beyond, count, decision_threshold, predicted_classes, shown,
)
from ._data import load_dataset, read_stdin


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


#: the output a classifier's loss is meant for, where it is not softmax: the margin losses score raw
#: outputs, as in Keras's examples (on a softmax they reached 78 % on xor, 100 % on a linear output);
#: nll takes log-probabilities
LOSS_OUTPUTS = dict.fromkeys(("hinge", "squared_hinge", "categorical_hinge", "perceptron", "log_loss",
                              "multiclass_hinge", "max_margin"), "linear") | {"nll": "log_softmax"}

#: the output a regression loss is meant for, where it is not linear: poisson's rates must be positive (a linear
#: output's first negative value made log(ŷ) NaN: "training diverged" at its first batch)
REGRESSION_OUTPUTS = {"poisson": "exponential"}


#: |mean/std| of a feature above which float32 weights that take raw features lose precision
FOLD_RATIO_LIMIT = 1e4
#: the largest |W| of a first layer the folding of σ (W/σ) must still hold within the dtype's range
FOLD_WEIGHT_LIMIT = 100


#: the regression losses a target may be standardized for, ``(y − μ)/σ``, the output then folded back to ``ŷσ + μ``:
#: those of the error ``ŷ − y`` alone. Squared and absolute errors scale with σ (σ², σ), so they keep their minimum;
#: Huber's δ = 1 and log-cosh's bend (quadratic below an error of about 1, linear above) fall at one standard
#: deviation of the target instead of one of its units, which the command line (it has no option for δ) keeps as a
#: scale-free choice. The others depend on where 0 lies: poisson (counts, y ≥ 0) and msle (log(1 + y)) refused or
#: clipped the negative z-scores, mape divides by |y|, cosine_similarity compares signs; they take raw targets.
STANDARDIZED_TARGET_LOSSES = {"mean_squared_error", "squared_error", "mean_absolute_error", "huber_loss", "log_cosh"}


def _defaults_for(data):
    if data.name in TRAIN_DEFAULTS:
        return TRAIN_DEFAULTS[data.name]
    return TRAIN_DEFAULTS["toy" if data.name in TOY_SETS else "csv"]


def _target_column(data):
    """" (column 'price')" for a CSV file's target, "" for a built-in data set's."""
    if data.columns is None:
        return ""
    return f" (column {shown(data.columns.target)})" if data.columns.target is not None \
        else f" (column {data.columns.target_index})"


def _fold_input_scaling(model, mu, sigma):
    """Make the first Dense layer take raw features: it was trained on (x − μ)/σ.

    ``((x − μ)/σ) W + b = x (W/σ) + (b − (μ/σ) W)``, so the saved model needs no scaler.
    """
    layer = model.layers[0]  # a Dense layer with bias: build_model makes it so
    W, b = (w.astype(np.float64) for w in layer.get_weights())
    layer.set_weights([W / sigma[:, None], b - (mu / sigma) @ W])


def _warn_folding_precision(scaler, dtype, what="feature", names=None):
    """Warn when folding the scaling into float32 weights loses what tells the samples apart.

    A feature far from 0 compared with its spread (a timestamp: mean 1.6e9, std 300) gives
    terms x·w/σ about |μ/σ| times larger than their differences; float32 keeps ~7 digits.
    A target so far from 0 is given back as ``out·σ + μ`` in float32: its last digits are lost; one whose σ is
    below the smallest normal float32 (1.2e-38) has output weights W·σ of a few digits (features that small are
    refused by :func:`_check_scaling_fits_dtype`).
    """
    mu, sigma = scaler
    ratios = np.abs(np.asarray(mu) / np.asarray(sigma)).reshape(-1)
    ratio = float(np.max(ratios))
    if dtype == "float32" and ratio > FOLD_RATIO_LIMIT:
        effect = ("takes raw features and loses precision on it" if what == "feature" else
                  "gives raw targets and loses precision on them")
        far = [shown(names[k]) for k in np.flatnonzero(ratios > FOLD_RATIO_LIMIT)] if names is not None else []
        which = f" ({', '.join(far[:5])}{', …' if len(far) > 5 else ''})" if far else ""
        print(f"{PROG} train: warning: a {what}'s mean is {ratio:.2g} times its standard deviation{which}; the saved float32 "
              f"model {effect}: use --dtype float64 (or centre that {what}).", file=sys.stderr)
    smallest = float(np.min(sigma))
    if what == "target" and smallest < np.finfo(dtype).tiny:
        print(f"{PROG} train: warning: the target's standard deviation {smallest:.2g} is below {dtype}'s smallest normal "
              f"number ({np.finfo(dtype).tiny:.2g}); the saved model gives raw targets with a few digits only: use "
              "--dtype float64 (or rescale the target).", file=sys.stderr)


def _positive(out_act):
    """Whether the activation named ``out_act`` gives no negative values (a Poisson loss's rates)."""
    from ..activations import ReLU, ReLU6, Exponential, HardSigmoid, Sigmoid, Softmax, Softplus, get

    return isinstance(get(out_act), (Exponential, Softplus, Sigmoid, Softmax, HardSigmoid, ReLU, ReLU6))


#: output activations that give a constant on the one output unit of a regression (each output over the row's sum)
ONE_UNIT_CONSTANTS = {"Softmax": 1, "Sparsemax": 1, "LogSoftmax": 0}


def _check_target_in_output_range(data, out_act, loss):
    """Refuse, before training, a regression target beyond what ``--output-activation`` gives, in options: the
    library's error spoke of ``y``, ``Dense(1, ...)`` and rescaling the targets. The target is standardized
    only under a linear output, so a bounded one trains on the target's own values."""
    from .. import losses
    from ..activations import get

    activation = get(out_act)
    low, high = activation.output_range
    y = np.asarray(data.y_train, dtype=float)
    if not losses.get(loss).targets_in_output_range or not y.size or low <= y.min() and y.max() <= high:
        return
    y = np.concatenate([y.ravel(), np.ravel(data.y_test if data.y_test is not None else [])])  # the whole column's
    constant = ONE_UNIT_CONSTANTS.get(type(activation).__name__)
    gives = f"gives the constant {constant} on the one output unit of a regression" if constant is not None else \
        f"gives values in [{low:g}, {high:g}]"
    raise CommandError(f"--output-activation {out_act} {gives}, but the regression target{_target_column(data)} of "
                       f"{data.name} runs from {y.min():.10g} to {y.max():.10g}: leave --output-activation out (linear; "
                       "the target is then standardized), or give --task classification if its values are classes.")


def _warn_outputs_are_not_probabilities(model, out_act):
    """Warn, in the command line's options, when a cross-entropy trains an output that gives no
    probabilities (``--output-activation relu``): it clips the outputs to (0, 1), and wherever
    they fall outside, no gradient passes. The library's warning said "compile with
    loss=...(from_logits=True)", which the command line cannot. Sparsemax gives probabilities, but
    with exact zeros, where the clipping stops the gradient: said as such (it said "no probabilities"),
    and so are hard_sigmoid and sparse_sigmoid, whose values in [0, 1] reach 0 and 1 where their slope
    is 0. A step or argmax output (0 or 1) gets no word here: the warning on its derivative 0 says why
    nothing learns. True when it warned (or left the word to that warning)."""
    from ..activations import Sigmoid, Softmax, Sparsemax

    name = model.loss.name
    activation = model.layers[-1].activation
    units = model.layers[-1].output_shape[-1]
    if isinstance(activation, Sigmoid) and "categorical" in name and units > 1:  # (the library's: activation=...)
        print(f"{PROG} train: warning: --output-activation {out_act} gives each of the {units} output units its own "
              f"probability, so a row of predictions does not sum to 1 (the loss {name} divides each row by its sum "
              "while training). Leave --output-activation out (softmax, for one class per sample).", file=sys.stderr)
        return True
    if name not in ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
                    "binary_focal_crossentropy", "categorical_focal_crossentropy") or \
            isinstance(activation, (Softmax, Sigmoid)):
        return False
    low, high = getattr(activation, "output_range", (-np.inf, np.inf))
    within = 0 <= low and high <= 1  # probabilities, one per unit
    if within and getattr(activation, "piecewise_constant", False):
        return True
    wanted = "sigmoid" if name in ("binary_crossentropy", "binary_focal_crossentropy") else "softmax"
    if isinstance(activation, Sparsemax):
        problem = (f"gives probabilities with exact zeros, which the loss {name} clips to (0, 1) for its log: it "
                   "learns nothing from a row whose class gets probability 0")
    elif within:  # hard_sigmoid, sparse_sigmoid: it said "gives no probabilities"
        problem = (f"gives probabilities that reach exactly 0 and 1, where its slope is 0 (and the loss {name} "
                   "clips them for its log): an output stuck at the wrong end (0 where its target is 1, or 1 where "
                   "it is 0) learns nothing")
    else:
        problem = (f"gives no probabilities, but the loss {name} expects them: it clips the outputs to (0, 1) and "
                   "learns nothing where they fall outside")
    print(f"{PROG} train: warning: --output-activation {out_act} {problem}. Use --output-activation {wanted}, or a "
          "loss on raw scores such as --loss categorical_hinge.", file=sys.stderr)
    return True


def _warn_gradient_stops(model, activation, out_act):
    """Warn, in the command line's options, when a piecewise-constant activation (step, sign,
    argmax: derivative 0) stops backpropagation. The library's warning said "use a smooth
    activation ('sigmoid', 'tanh'), or ... glassnet.classic.Perceptron". True when it warned."""
    stops = [getattr(layer.activation, "piecewise_constant", False) for layer in model.layers
             if hasattr(layer, "activation")]
    if not any(stops):
        return False
    if stops[-1]:  # the output: no layer learns
        print(f"{PROG} train: warning: --output-activation {out_act} has derivative 0: backpropagation passes no "
              "gradient through it, so no layer learns. Leave --output-activation out (the default output is "
              f"smooth), or train threshold units with the perceptron rule: {PROG} perceptron (a logic gate or a "
              "CSV file).", file=sys.stderr)
    else:
        print(f"{PROG} train: warning: --activation {activation} has derivative 0: backpropagation passes no "
              "gradient through it, so the hidden layers do not learn (the output layer alone does). Use a smooth "
              f"activation, such as --activation sigmoid or tanh, or train threshold units with the perceptron rule: "
              f"{PROG} perceptron (a logic gate or a CSV file).", file=sys.stderr)
    return True


def _scaling_advice(reason, no_standardize):
    """The library's stop reason with its advice for unscaled inputs ("x /= x.std(axis=0)") in the
    command line's terms: leave out --no-standardize; or, where the inputs were standardized and
    still reach far (an outlier), fix the file."""
    from ..diagnostics.problems import INPUT_SCALE_NOTE  # (the note's observation, then its advice in Python)

    if no_standardize:
        return INPUT_SCALE_NOTE.sub(r"\1Leave out --no-standardize: train then standardizes them.", reason)
    return INPUT_SCALE_NOTE.sub(lambda m: m.group(1).replace("The inputs are not scaled:", "The standardized inputs are far "
                                                       "from 0:") + "A column holds outliers far from the rest: clip "
                           "or remove them in the file.", reason)


#: the library's advice on a divergence, which names its argument: the command line's is --lr
_LR_ADVICE = re.compile(r"Try a lower learning rate \(currently (\S+)\), e\.g\. (\S+)\.")


#: the loss-curve warnings' advice (:func:`glassnet.diagnostics._advice`), in the command line's terms
_LOSS_ADVICE = re.compile(r"([Ll])ower it, e\.g\. from (\S+) to ")


def _lr_advice(reason):
    """The library's stop reason with "Try a lower learning rate (currently 1000), e.g. 100." in
    the command line's terms: "Try a lower --lr (it was 1000), e.g. --lr 100."."""
    return _LR_ADVICE.sub(r"Try a lower --lr (it was \1), e.g. --lr \2.", reason)


#: fewer test rows than this get no "no better than guessing" note: their score against guessing is noise
GUESSING_MIN_ROWS = 20


#: test classes are imbalanced, and train prints the balanced accuracy, where the rarest class present has
#: fewer than this share of the most common one's rows (95 %/5 %: accuracy 0.95 for a model that learned nothing)
IMBALANCE_RATIO = 1 / 3


def _predicted(P, model, pred=None):
    """The classes predicted from the outputs ``P``: ``pred`` where the caller computed them already."""
    return predicted_classes(P, decision_threshold(model)) if pred is None else pred


def _class_recalls(data, P, model, pred=None):
    """``(counts, recalls, present)`` over the classes ``present`` in the test rows (their indices): each one's rows
    and the share of them predicted right (its recall; their mean is scikit-learn's balanced_accuracy_score).
    ``pred``: the classes predicted from ``P``, where computed already (as in :func:`_balanced_line`, :func:`_guessing`)."""
    y = data.y_test.astype(np.int64).reshape(-1)
    hit = _predicted(P, model, pred).reshape(-1) == y
    counts = np.bincount(y, minlength=data.n_classes)
    present = np.flatnonzero(counts)
    return counts[present], np.bincount(y, weights=hit, minlength=data.n_classes)[present] / counts[present], present


def _imbalanced(counts):
    return len(counts) > 1 and counts.min() < IMBALANCE_RATIO * counts.max()


def _balanced_line(data, P, model, pred=None):
    """"Balanced accuracy: ..." (the mean recall per class, with the lowest) where the test classes are
    imbalanced (:data:`IMBALANCE_RATIO`), else None."""
    counts, recalls, present = _class_recalls(data, P, model, pred)
    if not _imbalanced(counts):
        return None
    low = int(np.argmin(recalls))
    name = shown(data.classes[present[low]]) if data.classes is not None else str(present[low])
    return (f"Balanced accuracy: {recalls.mean():.4f} (the mean recall of the {len(counts)} classes, as they are "
            f"imbalanced; lowest: {name}, {round(recalls[low] * counts[low])}/{counts[low]})")


def _guessing(data, P, model, pred=None):
    """What guessing gets on the test rows, as words, where the model's predictions ``P`` do no better
    (not "about as well": a weak signal, R² = 0.08 on noisy rows, may be the best any model gets, and is no failed
    run); else None. Guessing is the most common test class for a classifier (at least 1/k of k classes), the
    training targets' mean for a regression. With imbalanced classes a model may trade accuracy for the rare
    classes' recall: it guesses only if its balanced accuracy is also no better than 1/k, the most common class's."""
    y = data.y_test
    if len(y) < GUESSING_MIN_ROWS:
        return None
    if data.task == "classification":
        pred = _predicted(P, model, pred)
        counts, recalls, present = _class_recalls(data, P, model, pred)
        accuracy, chance = float(np.mean(pred == y)), counts.max() / len(y)
        if chance == 1 or accuracy > chance or _imbalanced(counts) and recalls.mean() > 1 / len(counts):
            return None
        return (f"the test accuracy {accuracy:.4f} is no better than chance: always predicting the most common class, "
                f"{shown(data.classes[present[counts.argmax()]])}, gets {chance:.4f}")
    y = y.reshape(len(y), -1)
    mse, mean_mse = float(np.mean((P - y) ** 2)), float(np.mean((data.y_train.reshape(-1, y.shape[1]).mean(0) - y) ** 2))
    if not mse >= mean_mse:  # (NaN predictions: a divergence, said already)
        return None
    return (f"the test MSE {mse:.6g} is no better than that of predicting the training targets' mean for every row "
            f"({mean_mse:.6g})")


def _failure_note(model, data, P, targets, history, lr, default_lr, which="", pred=None):
    """"Note: ..." where training failed: the test rows show no better than guessing (:func:`_guessing`). It says
    what the lectures' diagnostics (:func:`glassnet.diagnostics.diagnose`) saw in the units, and, where the given
    --lr ``lr`` (None: left out) was above ``default_lr`` (``which``: whose default, where not the command's), to
    lower it; else None. ``targets``: the training rows' as the saved model gives them."""
    guess = _guessing(data, P, model, pred)
    if guess is None:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        found = model.diagnose(data.x_train, targets, losses=history.get("loss", []), warn=False).problems
    seen = [message.split(" (")[0] for kind, message in found if kind in ("dead_relu", "saturated")]
    seen = f" ({'; '.join(seen)})" if seen else ""
    if lr is not None and lr > default_lr:
        times = f"{lr / default_lr:,.0f}" if lr >= 10 * default_lr else f"{lr / default_lr:.2g}"
        return (f"Note: {guess}: training failed{seen}. --lr {lr:g} is {times} times the default "
                f"{default_lr:g}{which}: steps that large throw the weights past what they learned. Try a lower "
                f"--lr, e.g. --lr {default_lr:g}.")
    return (f"Note: {guess}: the model learned nothing that carries over to the test rows{seen}. Train longer "
            "(--epochs), or check that the features predict the target.")


def _fold_output_scaling(model, mean, scale):
    """Make a linear output give raw targets: it was trained on (y − mean)/scale. A Huber loss of δ = 1 on
    those is σ²·Huber₁(e/σ) = Huber_σ(e) on raw errors, so the saved model keeps δ = σ (σ = scale): the loss
    it trained on, which evaluate prints. (log-cosh has no such parameter: it is saved taking raw errors.)"""
    from .. import losses

    layer = model.layers[-1]
    W, b = layer.get_weights()
    layer.set_weights([W * scale, b * scale + mean])
    if isinstance(model.loss, losses.Huber) and np.size(scale) == 1:
        model.loss = losses.Huber(delta=float(model.loss.delta * np.reshape(scale, -1)[0]))


def _check_features_fit_dtype(data, dtype):
    """Refuse, before training, features beyond ``dtype``'s range: training on standardized features went
    well, then the saved model, which takes raw features, could not read them (the test accuracy, evaluate
    and predict said "x holds values beyond the range of float32 ...; use dtype='float64'")."""
    beyond = columns_beyond((data.x_train, data.x_test), dtype)
    if beyond.size:
        names = [shown(data.columns[k]) if data.columns is not None else str(k) for k in beyond[:5]]
        raise CommandError(f"{data.name}: feature{'s' * (beyond.size > 1)} {', '.join(names)}"
                           f"{', …' if beyond.size > 5 else ''} hold{'s' * (beyond.size == 1)} values beyond the range "
                           f"of {dtype} (largest {np.finfo(dtype).max:.3g}), which the saved model takes raw: give "
                           "--dtype float64, or rescale them.")


def _check_scaling_fits_dtype(data, scaler, dtype):
    """Refuse, before training, features that vary so little that the first layer folded for raw features, W/σ,
    goes beyond ``dtype``'s range (σ below ~3e-37 in float32): training ran to its end, then the fold failed
    naming weight 'W' of layer 'dense' and no column, and saved nothing."""
    sigma = np.asarray(scaler[1]).reshape(-1)
    small = np.flatnonzero(sigma * np.finfo(dtype).max < FOLD_WEIGHT_LIMIT)
    if small.size:
        names = [shown(data.columns[k]) if data.columns is not None else str(k) for k in small[:5]]
        raise CommandError(f"{data.name}: feature{'s' * (small.size > 1)} {', '.join(names)}"
                           f"{', …' if small.size > 5 else ''} var{'ies' if small.size == 1 else 'y'} by so little "
                           f"(standard deviation {sigma[small[0]]:.3g}) that the saved model, which takes raw features, "
                           f"would need weights beyond the range of {dtype} (W/σ): give --dtype float64, or rescale "
                           f"{'it' if small.size == 1 else 'them'}.")


def _check_model_fits_in_memory(sizes, dtype):
    """A model too large for this machine is an error before it is built: ``--layers 50000,50000``
    went on allocating until the system killed the process (exit 137, no message)."""
    counts = [a * b + b for a, b in zip(sizes, sizes[1:])]
    need = sum(counts) * np.dtype(dtype).itemsize * 4  # weights, gradients and two optimizer slots (Adam)
    try:
        have = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # (Windows has no sysconf: not checked)
        return
    if need > have:
        raise CommandError(f"a {'-'.join(map(str, sizes))} network has {sum(counts):,} parameters: its weights, "
                           f"gradients and optimizer state need about {need / 2**30:.0f} GiB, more than this "
                           f"machine's {have / 2**30:.0f} GiB of memory. Choose smaller --layers.")


def build_model(n_in, n_out, hidden, activation, output_activation, dropout, dtype, seed):
    """The MLP ``n_in - hidden... - n_out`` with dropout after each hidden layer."""
    from ..layers import Dense, Dropout
    from ..models import Sequential

    model = Sequential(dtype=dtype, seed=seed, name="glassnet_cli")
    for i, units in enumerate(hidden):
        model.add(Dense(units, activation, input_dim=n_in if i == 0 else None))
        if dropout > 0:
            model.add(Dropout(dropout))
    model.add(Dense(n_out, output_activation, input_dim=None if hidden else n_in))
    model.build((n_in,))
    return model


#: suffixes of the files glassnet export writes, which train's --out (glassnet's own format) is not
EXPORT_SUFFIXES = {".keras": "--keras", ".onnx": "--onnx"}


def _refuse_other_formats(out):
    """``--out model.keras`` trained, then saved glassnet's format under a name that Keras (or
    onnxruntime) takes for its own, which cannot read it: say so before training, and how to get that file."""
    quoted = lambda path: shlex.quote(str(path))  # noqa: E731  (for the shell: "my model.gn" was two arguments)
    option = EXPORT_SUFFIXES.get(Path(out).suffix.lower())
    if option is not None:
        model = Path(out).with_suffix(".gn")
        # (in lower case: export --keras takes only a name ending in .keras, which Keras loads)
        export = Path(out).with_suffix(Path(out).suffix.lower())
        raise CommandError(f"--out {out}: train saves glassnet's own format, which {Path(out).suffix} readers cannot "
                           f"read; save it as {model} and convert it: glassnet export {quoted(model)} {option} "
                           f"{quoted(export)}")
    if Path(out).suffix.lower() in (".h5", ".hdf5"):  # (a zip of glassnet's under Keras's HDF5 name: no reader takes it)
        model = Path(out.removesuffix(Path(out).suffix).removesuffix(".weights")).with_suffix(".gn")
        raise CommandError(f"--out {out}: train saves glassnet's own format (a zip), not an HDF5 file that Keras or h5py "
                           f"reads; save it as {model} (for Keras: glassnet export {quoted(model)} --keras "
                           f"{quoted(model.with_suffix('.keras'))}; model.save_weights('w.weights.h5') writes Keras's "
                           "weights file)")


def _trained_rows(n, validation_split, given):
    """How many of the ``n`` training rows fit trains on: those before ``validation_split``'s cut
    (fit holds out the last rows, as Keras). A split that leaves no row on a side is refused, named
    as the option; ``given``: whether the user gave it (else it is the default 0.1, and said so)."""
    from ..models.epochs import validation_cut

    if not validation_split:
        return n
    try:
        return validation_cut(n, validation_split, given=f"--validation-split {validation_split:g}")
    except ValueError:
        if given:
            raise
        held = n - int(np.floor(n * (1 - validation_split)))
        raise CommandError(f"the default --validation-split {validation_split:g} holds out {held} of "
                           f"{count(n, 'training row')} for validation, leaving {n - held} to train "
                           "on; give --validation-split 0 to train without validation (or more rows).") from None


def _check_target_name(data, given):
    """The model keeps its target column's name, by which evaluate and predict find it in a file: a name that
    several columns have (``a,b,a``) finds none, and they refuse the file unless --target gives its index. Train
    trained on the last column without a word, then: refuse that default as they do, and say that a given one
    (``--target 2``) must be given to them as well."""
    columns = data.columns
    if columns is None or not columns.header or columns.target is None:
        return
    repeats = columns.names.count(columns.target)
    if repeats < 2:
        return
    index = columns.target_index
    if given is None:
        raise CommandError(f"{data.name} has {repeats} columns named {columns.target!r}, the name of the default target "
                           f"(the last column); name the target column by its 0-based index with --target (--target "
                           f"{index} for the last).")
    print(f"note: {data.name} has {repeats} columns named {columns.target!r}: evaluate and predict find the target by "
          f"its index alone, so give them --target {index} too.", file=sys.stderr)


def _held_out_advice(data):
    """What to do when the validation rows hold targets that the rows fit trains on lack: a file may be sorted
    by its target; a built-in data set is not (it said "is the file sorted by it?" of xor), but may be small."""
    if data.columns is not None:
        return "is the file sorted by it? shuffle its rows, or give --validation-split 0"
    return f"{'give more --samples, or ' if data.name in TOY_SETS else 'give '}--validation-split 0"


def _more_rows(data):
    """How to get more rows of a class: in the file, or of a toy set, more --samples."""
    return "give more --samples" if data.columns is None and data.name in TOY_SETS else "give more rows of them"


def _check_trained_targets(data, trained, validation_split):
    """Refuse a classifier, and warn of a regressor, whose rows fit trains on (the first ``trained``
    training rows) hold one class or one value. Checking every training row missed a file sorted
    by its target: with --test-split 0, fit held out its last rows, those of the other values."""
    y = data.y_train.reshape(len(data.y_train), -1)
    rows = y[:trained]
    if len(rows) and not (rows == rows[:1]).all():
        _warn_missing_classes(data, y, trained, validation_split)
    if not len(rows) or not (rows == rows[:1]).all():
        return
    classification = data.task == "classification"
    value = shown(data.classes[int(rows[0, 0])]) if classification else f"{float(rows[0, 0]):g}"
    target = f"the target{_target_column(data)} of {data.name}"
    held_out = trained < len(y) and not (y == rows[:1]).all()  # the validation rows hold the other values
    if held_out:
        where = (f"in each of the {count(trained, 'row')} fit trains on: --validation-split {validation_split:g} "
                 f"holds out the last {len(y) - trained} of the {len(y)} training rows, where it varies "
                 f"({_held_out_advice(data)})")
    elif classification:  # the data set has other classes (one class is refused before): all in the test part
        where = f"in every training row (the other classes' rows all fell in the test part: {_more_rows(data)})"
    else:
        where = "in every training row"
    if classification:  # (a model of one class was saved: every prediction was that class)
        raise CommandError(f"{target} has a single class, {value}, {where}; a classifier needs at least two.")
    # (it trained without a word, to a model that predicts that number)
    print(f"{PROG} train: warning: {target} is {value} {where}: the model can only learn that constant"
          f"{'' if held_out else ' (a wrong --target?)'}.", file=sys.stderr)


def _warn_missing_classes(data, y, trained, validation_split):
    """Warn of a classifier whose rows fit trains on lack some of the data set's classes (at least two
    are there, else :func:`_check_trained_targets` refuses it): it trained without a word, to a model
    that never predicts them, though the test part or the validation rows hold them."""
    if data.task != "classification" or y.shape[1] != 1:
        return
    absent = np.setdiff1d(np.arange(data.n_classes), y[:trained, 0].astype(np.int64))
    if not len(absent):
        return
    held = np.isin(absent, y[trained:, 0])  # in the validation rows, else all in the test part
    names = [shown(data.classes[int(k)]) for k in absent]
    parts = []
    if held.any():
        parts.append(f"--validation-split {validation_split:g} holds out the last {len(y) - trained} of the {len(y)} "
                     f"training rows, where {', '.join(n for n, h in zip(names, held) if h)} "
                     f"{'is' if held.sum() == 1 else 'are'} ({_held_out_advice(data)})")
    if not held.all():
        parts.append(f"the rows of {', '.join(n for n, h in zip(names, held) if not h)} all fell in the test part "
                     f"({_more_rows(data)})")
    print(f"{PROG} train: warning: the target{_target_column(data)} of {data.name} has no row of "
          f"{'class' if len(names) == 1 else 'classes'} {', '.join(names)} among the {count(trained, 'row')} fit "
          f"trains on: {'; '.join(parts)}; the model will never predict {'it' if len(names) == 1 else 'them'}.",
          file=sys.stderr)


def cmd_train(args):
    from .. import backend

    if args.namespace == "numpy" and args.device not in (None, "cpu"):
        raise CommandError(f"--device {args.device}: NumPy computes on the CPU only; choose --namespace torch or cupy.")
    if args.jit_compile and args.namespace != "numpy":
        raise CommandError("--jit-compile compiles NumPy loops (numba); it works with --namespace numpy only.")
    _require_numba(args.jit_compile, args)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(backend.namespace(args.namespace, device=args.device))
        except ImportError as error:
            raise CommandError(f"--namespace {args.namespace}: {error}") from None
        except ValueError as error:
            raise CommandError(f"--device {args.device}: {error}") from None
        return _train(args)


def _train(args):
    from .. import losses, optimizers
    from ..utils import set_random_seed

    if args.layers == () and args.dropout:  # (it was dropped without a word)
        raise CommandError(f"--dropout {args.dropout:g} acts after each hidden layer, but --layers gives no hidden "
                           "layer; leave --dropout out, or give hidden layers (e.g. --layers 64).")
    _check_outputs({"--out": args.out, "--plot": args.plot}, inputs=[args.dataset])
    _refuse_other_formats(args.out)
    _refuse_replacing_other_files(args.out, "--out")
    if args.plot:
        _require_matplotlib(args.plot, "--plot")
    if args.dataset == "-":  # (it was "unknown data set '-'", where evaluate, predict and som read it)
        args.dataset = read_stdin()
    data = load_dataset(args.dataset, args)
    _check_target_name(data, args.target)
    _info(args, f"Data: {data.description}")  # (a description, not a result: --quiet printed it all the same)
    if args.quiet and data.reading:  # (what the results mean: classes or numbers)
        print(f"note: {data.name}: {data.reading}")
    d = _defaults_for(data)
    hidden = d["layers"] if args.layers is None else args.layers
    activation = args.activation or d["activation"]
    dropout = d["dropout"] if args.dropout is None else args.dropout
    epochs = args.epochs or d["epochs"]
    batch_size = args.batch_size or d["batch_size"]
    classification = data.task == "classification"
    if classification and data.n_classes < 2:
        # (it named neither the column nor the class: a wrong --target looked like a broken file)
        raise CommandError(f"the target{_target_column(data)} of {data.name} has a single class, "
                           f"{shown(data.classes[0])}, in every row; a classifier needs at least two.")
    out_act = args.output_activation or (
        (REGRESSION_OUTPUTS.get(losses.get(args.loss).name, "linear") if args.loss else "linear") if not classification
        else LOSS_OUTPUTS.get(losses.get(args.loss).name, "softmax") if args.loss else "softmax")
    binary = classification and data.n_classes == 2 and out_act in ("sigmoid", "logistic")
    n_out = 1 if binary else (data.n_classes if classification else 1)
    loss = args.loss or ("binary_crossentropy" if binary else "categorical_crossentropy" if classification else "mse")
    if binary and isinstance(losses.get(loss), losses.CategoricalCrossentropy):
        # the library's error spoke of y's rows summing to 0 (one-hot rows of one column), or, for the losses of
        # integer labels (sparse_categorical_crossentropy), of "integer class labels in [0, 0]"
        raise CommandError(f"--loss {loss} needs an output per class, but --output-activation {out_act} on two "
                           "classes gives one output unit; leave --loss out (binary_crossentropy), or leave out "
                           f"--output-activation ({LOSS_OUTPUTS.get(losses.get(loss).name, 'softmax')}).")
    if binary and losses.get(loss).name == "kl_divergence":
        # (one sigmoid unit's KL divergence is −log ŷ on the 1s and 0 on the 0s: every output pushed to 1)
        raise CommandError(f"--loss {loss} compares distributions over the classes, but --output-activation {out_act} "
                           "on two classes gives one output unit; leave out --output-activation (softmax), or "
                           "--loss (binary_crossentropy).")
    if losses.get(loss).name == "poisson" and not _positive(out_act):
        # (a negative predicted rate made log(ŷ) NaN at the first batch, and the advice was "lower --lr")
        raise CommandError(f"--loss {loss} takes the log of the predicted rates, which must be positive, but "
                           f"--output-activation {out_act} gives negative values too; leave --output-activation out "
                           "(exponential), or use softplus.")
    if isinstance(losses.get(loss), losses.Circle):
        raise CommandError(f"--loss {loss} is a metric-learning loss: it trains embeddings (a linear layer then "
                           "UnitNormalization), not the predictions train makes; use it from Python "
                           "(glassnet.losses.Circle).")
    if not classification and losses.get(loss).name in CLASSIFIER_LOSSES:
        # the library's error named the standardized targets ("values from -2.96 to 3.27"), not the cause
        raise CommandError(f"--loss {loss} is a classifier's loss, but the target of {data.name} is a regression "
                           "target; leave --loss out (mse), or give --task classification for classes.")
    if not classification:
        _check_target_in_output_range(data, out_act, loss)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(3), "little")
    set_random_seed(seed)

    validation_split = 0.1 if args.validation_split is None else args.validation_split
    trained = _trained_rows(len(data.x_train), validation_split, given=args.validation_split is not None)
    _check_trained_targets(data, trained, validation_split)
    x, xt = data.x_train, data.x_test
    scaler = _standardizer(x) if data.standardize and not args.no_standardize else None
    if scaler is not None:
        x = (x - scaler[0]) / scaler[1]
    y = data.y_train
    y_scale = None
    if not classification:
        y = y.reshape(len(y), -1)
        if out_act in ("linear", "identity") and not args.no_standardize and \
                losses.get(loss).name in STANDARDIZED_TARGET_LOSSES:  # (--no-standardize: raw targets too)
            y_scale = _standardizer(y)
            y = (y - y_scale[0]) / y_scale[1]
            _warn_folding_precision(y_scale, args.dtype, "target")
    _check_features_fit_dtype(data, args.dtype)
    if scaler is not None:
        _check_scaling_fits_dtype(data, scaler, args.dtype)
    _check_model_fits_in_memory((x.shape[1], *hidden, n_out), args.dtype)
    model = build_model(x.shape[1], n_out, hidden, activation, out_act, dropout, args.dtype, seed)
    optimizer = optimizers.get(args.optimizer or d["optimizer"])
    optimizer.learning_rate = args.lr if args.lr is not None else d["lr"]
    full_batch = getattr(optimizer, "full_batch", False)  # Rprop: one step per pass, as MATLAB's trainrp
    if full_batch and args.batch_size is None:  # the rows validation_split leaves for training
        batch_size = int(math.floor(len(x) * (1.0 - validation_split))) if validation_split else len(x)
    elif full_batch and args.batch_size < trained:  # (the rows fit trains on, after --validation-split)
        print(f"{PROG} train: warning: {type(optimizer).__name__} is a full-batch method, but --batch-size "
              f"{args.batch_size} gives it batches of a part of the data, whose gradients flip their signs by noise "
              "and shrink every step size; leave --batch-size out (one batch of the whole training set).",
              file=sys.stderr)
    _compile(model, args.jit_compile, optimizer=optimizer, loss=loss, metrics=["accuracy"] if classification else ["mae"])
    targets = _targets_for(model, y, data.n_classes) if classification else y
    sizes = "-".join(str(v) for v in (x.shape[1], *hidden, n_out))
    _info(args, f"Model: {sizes}, {f'{activation} hidden' if hidden else 'no hidden layer'}, {out_act} output"
                f"{f', dropout {dropout:g}' if dropout and hidden else ''}; loss {model.loss.name}; "
                f"{type(optimizer).__name__} lr={optimizer.learning_rate:g}; batch {batch_size}"
                f"{' (the whole training set: a step per epoch)' if full_batch and args.batch_size is None else ''}; "
                f"{epochs} epoch(s); {args.dtype}; seed {seed}{'; jit_compile (numba loops)' if model.jit_compile else ''}"
                f"{'' if args.namespace == 'numpy' else f'; computed with {args.namespace}'}"
                f"{'' if args.device is None else f' on {args.device}'}")
    if scaler is not None:
        _warn_folding_precision(scaler, args.dtype, names=data.columns)
        _info(args, "Features are standardized for training; the scaling is folded into the first layer, "
                    "so the saved model takes raw features.")
    if not classification and y_scale is None and out_act in ("linear", "identity") and not args.no_standardize:
        _info(args, f"The target is not standardized: the loss {model.loss.name} depends on where its 0 lies, so it "
                    "trains on the target's own values.")
    if y_scale is not None:  # the epoch lines' loss and mae are of (y − mean)/σ: 0.004 beside a test MAE of 1.3
        sd = np.asarray(y_scale[1]).reshape(-1)
        unit = f"{float(sd[0]):.4g}" if sd.size == 1 else "its standard deviation"
        name = model.loss.name
        in_sd = (f"their loss ({name}) in its square" if name in ("mean_squared_error", "squared_error") else
                 f"their loss ({name}) in them too" if name == "mean_absolute_error" else
                 f"their loss ({name}) takes the errors in them: "
                 + (f"its δ = 1 is one standard deviation (saved as δ = {unit}, on the target's units)"
                    if name == "huber_loss" else "it turns from quadratic to linear near one standard deviation; "
                    "the saved model's log_cosh takes raw errors, bending near 1 unit"))
        _info(args, f"The target is standardized too, so the epochs' mae is in standard deviations (1 = {unit}) "
                    f"and {in_sd}; the test MSE and MAE are in the target's units, as the saved model gives them.")
    verbose = 0 if args.quiet else (1 if sys.stdout.isatty() else 2)
    from ..diagnostics.problems import _loss_problems
    from ..models.divergence import DivergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)  # reported below as "Stopped early"
        # (_warn_missing_classes named the classes and the file's fix before fit)
        warnings.filterwarnings("ignore", message="validation_split takes the last")
        warnings.filterwarnings("ignore", message=".* is a full-batch method, but fit's batches")  # (said above)
        if _warn_outputs_are_not_probabilities(model, out_act):  # the library's advice was the Python API's
            warnings.filterwarnings("ignore", message="The output layer('s activation| applies a sigmoid)")
        if _warn_gradient_stops(model, activation, out_act):
            warnings.filterwarnings("ignore", message="Layer .* whose derivative is 0")
        history = model.fit(x, targets, batch_size=batch_size, epochs=epochs, verbose=verbose,
                            validation_split=validation_split)
    if scaler is not None:
        _fold_input_scaling(model, *scaler)
    if y_scale is not None:
        _fold_output_scaling(model, *y_scale)
    diverged = bool(model.stop_reason) and "diverged" in model.stop_reason
    if model.stop_reason:
        print(f"Stopped early: {_scaling_advice(_lr_advice(model.stop_reason), args.no_standardize)}")
    else:  # SPEC A11: a loss that grows or swings while finite (seed 000's η = 1.05 and 1.0 tables) says so too
        for _, _, message in _loss_problems(history.history.get("loss", []), lr=optimizer.learning_rate):
            if full_batch:  # Rprop adapts its steps (digits' oscillation stayed with --dropout 0): not "lower --lr"
                message = (message.split(" The learning rate is", 1)[0] + f" {type(optimizer).__name__} adapts each "
                           "weight's step size to its gradient's signs: --lr is only the first step size, so lowering "
                           "it changes only the first steps.")
            print("Note: " + _LOSS_ADVICE.sub(r"\1ower --lr (it was \2), e.g. to --lr ", message))
    if len(xt):
        P = model.predict(xt)
        pred = _predicted(P, model) if classification else None  # once, for every line below
        if classification:
            hits = int((pred == data.y_test).sum())
            print(f"Test accuracy: {hits / len(xt):.4f} ({hits}/{len(xt)})")
            balanced = _balanced_line(data, P, model, pred)
            if balanced:
                print(balanced)
        else:
            err = P - data.y_test.reshape(len(xt), -1)
            print(f"Test MSE: {float(np.mean(err ** 2)):.6g}  MAE: {float(np.mean(np.abs(err))):.6g} ({count(len(xt), 'row')})")
        # the default rate: the data set's for its optimizer, else the optimizer's own (SGD's 0.01)
        own = type(optimizer) is not type(optimizers.get(d["optimizer"]))
        default_lr = optimizers.get(args.optimizer).learning_rate if own else d["lr"]  # (a fresh one: its default)
        note = None if diverged else _failure_note(model, data, P, targets if classification else data.y_train,
                                                      history.history, args.lr, default_lr,
                                                      f" for {type(optimizer).__name__}" if own else "", pred)
        if note:
            print(note)
    if diverged:  # a model file from an earlier, good run must not be replaced by this one
        raise CommandError(f"training diverged, so the model was not saved to {args.out}: lower --lr "
                           f"(it was {optimizer.learning_rate:g}).")
    if classification and data.classes is not None:
        model.metadata["classes"] = list(data.classes)  # evaluate and predict map labels as training did
    if data.columns is not None and data.columns.header:  # evaluate and predict find the columns by name
        model.metadata["features"] = list(data.columns)
        if data.columns.target is not None:
            model.metadata["target"] = data.columns.target
    elif data.columns is not None:  # without a header, by place: evaluate and predict need no --ignore/--target again
        model.metadata["csv_columns"] = {"count": data.columns.width, "features": list(data.columns.indices),
                                         "target": data.columns.target_index}
    # checked again: training took a while, and a file made at --out meanwhile (data, another model) is checked
    # as one there before; one made from here on is left as it is (the write takes the name only if it is free)
    _refuse_replacing_other_files(args.out, "--out")
    replaced = Path(args.out).is_file() and Path(args.out).stat().st_size > 0  # another run's model
    try:
        model.save(args.out, overwrite=os.path.exists(args.out))
    except FileExistsError:
        raise CommandError(f"--out: {args.out} was created while the model was being saved; it was left as it is, "
                           "and the model was not saved. Train again with another --out.") from None
    args.saved = True  # an interruption from here on loses only the plot
    print(f"Saved the model to {args.out}{', replacing the earlier one' if replaced else ''} "
          f"(see it with: glassnet info {args.out})")
    if data.classes is not None and data.classes != [str(k) for k in range(data.n_classes)]:
        print(classes_line(data.classes))
    if args.plot:
        _plot_history(history.history, args.plot)
        print(f"Saved the loss curve to {args.plot}")
    return 0


def _plot_history(history, path):
    from ..plots import plot_history

    plot_history(history, path=path)
