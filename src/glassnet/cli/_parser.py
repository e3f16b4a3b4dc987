"""The argparse parser: the top-level command line and each command's arguments, help and examples."""

import argparse

from .. import __version__
from ..expr import MAX_DEPTH, MAX_LENGTH
from ._common import GATES, PROG, TOY_SETS, CommandError, _numbers
from ._types import (_checked, _columns, _fraction, _grid, _layer_activation, _layer_sizes, _noise, _non_negative_int,
                     _output_path, _port, _positive_float, _positive_int, _positive_int_up_to, _registered, _separator, _share)
from .classic import cmd_hopfield, cmd_perceptron, cmd_som
from .bench import BENCH_CONFIGS, cmd_bench
from .descend import MAX_STEPS, cmd_descend
from .explain import cmd_explain
from .playground import cmd_playground
from .saved import cmd_evaluate, cmd_export, cmd_info, cmd_predict
from .train import cmd_train


#: a benchmark configuration, in any case (an unknown one was exit status 1, not a usage error's 2)
_bench_config = _checked(str.upper, BENCH_CONFIGS.__contains__, f"one of {', '.join(sorted(BENCH_CONFIGS))}",
                         "config")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line instead of exiting, and
    takes no abbreviated options: ``--output`` must not silently mean
    ``--output-activation``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise CommandError(f"{message} (see '{self.prog} --help')", status=2, prog=self.prog)


class _Once(argparse.Action):
    """An option given at most once: a second ``--target t2`` silently replaced ``t1``, which became a feature."""

    def __call__(self, parser, namespace, value, option=None):
        first = getattr(namespace, self.dest)
        if first is not None:
            raise argparse.ArgumentError(self, f"given twice ({first!r}, {value!r}); the command line takes one "
                                               "target column: leave the others out with --ignore")
        setattr(namespace, self.dest, value)


#: what MODEL may be, as load_model reads it (it said "a model file saved by glassnet (.gn)" alone)
MODEL_HELP = ("a saved model: a glassnet file (.gn, also a glassnet.sklearn estimator's, clf.save) or a Keras 3 "
              ".keras file of a Sequential model (needs h5py)")


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


def _add_data_options(parser, csv_training=False, standardize=True, target_default="the last column"):
    group = parser.add_argument_group("data options")
    group.add_argument("--target", metavar="COLUMN", action=_Once,
                       help=f"CSV target column, by header name or 0-based index (default: {target_default})")
    group.add_argument("--ignore", type=_columns, action="extend", metavar="COLUMNS",
                       help="CSV columns that are no features (an id), by header name or index, comma-separated")
    _add_header_option(group)
    group.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                       help="CSV: what the target is (default auto: integer or text labels with at most 50 "
                            "values are classes)")
    # None: not given (a data option for a data set it does not apply to is an error, see load_dataset)
    group.add_argument("--samples", type=_positive_int, metavar="N",
                       help="points in a toy set (default 500)")
    group.add_argument("--noise", type=_noise, help="toy-set noise, 0 to 0.5 (default 0)")
    group.add_argument("--data-seed", type=_non_negative_int, metavar="SEED",
                       help="seed of the toy-set generator (default 0; use the same in train and evaluate)")
    if csv_training:
        group.add_argument("--test-split", type=_fraction, metavar="FRACTION",
                           help="CSV: fraction held out as the test set (default 0.2)")
        group.add_argument("--test-last", action="store_true", default=None,
                           help="CSV: hold out the file's last rows as the test set, in order (a time series: train "
                                "on the past, test on the future); default: rows drawn at random (seed 0)")
    if standardize:  # evaluate needs none: a trained model takes raw features (the scaling is in its weights)
        group.add_argument("--no-standardize", action="store_true",
                           help="do not standardize CSV/toy features" + (
                               ", nor a regression target (standardized only for mse, mae, huber, log_cosh)"
                               if csv_training else "") + " (default: train on z-scores)")
    else:  # accepted so that train's options can be passed on, but it changes nothing
        group.add_argument("--no-standardize", action="store_true", help=argparse.SUPPRESS)
    return group


def _add_header_option(parser):
    """--header / --no-header: whether a CSV file's row 1 names the columns (default: judged from the file);
    --sep and --decimal: how its columns and numbers are written (pandas.read_csv's sep and decimal)."""
    parser.add_argument("--sep", type=_separator, metavar="CHAR",
                        help="CSV: the character between columns, as pandas.read_csv's sep ('\\t': a tab; '\\s+': "
                             "runs of blanks, columns aligned by spaces); default: "
                             "a tab for a .tsv file; else ',', or ';', a tab or '|' when the file's first rows are "
                             "separated by it (a European spreadsheet's CSV, a spreadsheet's text file), with a note")
    parser.add_argument("--decimal", choices=(".", ","),
                        help="CSV: the decimal mark of its numbers, as pandas.read_csv's decimal; default: '.', or "
                             "',' when the columns are not separated by ',' and the numbers are written 1,5")
    parser.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                        help="CSV: row 1 names the columns (--header) or is data (--no-header); default: judged "
                             "from the file (row 1 is the header when it has text over numbers, or reads 0,1,2,... "
                             "as pandas numbers a NumPy array's columns, or holds the columns a model was trained on)")


DATA_HELP = (
    "DATA is auto (MNIST when found locally, else the embedded digits), mnist (downloaded once if absent), "
    f"digits (embedded 8×8 images), one of the playground sets {', '.join(TOY_SETS)}, or the path of a CSV "
    "file (numeric features, an optional header row, a target column chosen with --target; '-' reads it from "
    "standard input)."
)


def build_parser():
    """The argparse parser of the whole command line."""
    parser = _Parser(
        prog=PROG,
        description="glassnet: neural networks you can see through. Train, inspect and explain networks, "
                    "and run the lectures' demos from a terminal or in the browser (glassnet playground).",
        epilog="Run 'glassnet COMMAND --help' for a command's options and examples.\n"
               "examples:\n  glassnet train\n  glassnet descend \"x**2\" --x0 2 --lr 1.05 --steps 12\n"
               "  glassnet explain\n  glassnet playground",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"glassnet {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    parser.subparsers = sub  # main() reports a command's unknown options under its own name

    # -- train
    train = _command(
        sub, "train", cmd_train, "train a multilayer perceptron and save it",
        f"{DATA_HELP}\n\nDefaults depend on the data set (override any with the options):\n"
        "  mnist      784-512-512-10, relu, dropout 0.2, adam 1e-3, batch 128, 5 epochs\n"
        "  digits     64-128-128-10, relu, dropout 0.1, adam 1e-3, batch 32, 30 epochs\n"
        "  toy sets   2-16-16-2, tanh, adam 0.01, batch 16, 100 epochs (spiral: 2-64-64-2, relu, 300 epochs)\n"
        "  CSV        d-64-64-k, relu, adam 1e-3, batch 32, 50 epochs\n"
        "Classification uses a softmax output and categorical cross-entropy, regression a linear output\n"
        "and mean squared error. Prints a progress bar (two lines per epoch when not on a terminal), the\n"
        "per-epoch metrics and the test accuracy, then saves the model in glassnet's safe file format.",
        ["glassnet train", "glassnet train digits --epochs 20 --out digits.gn --plot loss.png",
         "glassnet train xor --out xor.gn --plot loss.png",
         "glassnet train mnist --layers 256,128 --epochs 3 --seed 0",
         "glassnet train spiral --activation relu --lr 0.03",
         "glassnet train data.csv --target label --layers 32 --epochs 100"],
    )
    train.add_argument("dataset", nargs="?", default="auto", metavar="DATA",
                       help="the data set (default: auto; '-': read the CSV from standard input)")
    group = train.add_argument_group("model and training")
    group.add_argument("--layers", type=_layer_sizes, metavar="SIZES",
                       help="hidden layer sizes, e.g. 512,512 ('none' for no hidden layer; default: by data set, see above)")
    group.add_argument("--activation", type=_layer_activation, metavar="NAME",
                       help="hidden activation: relu, tanh, sigmoid, leaky_relu, elu, ... (default: by data set, see above)")
    group.add_argument("--output-activation", type=_layer_activation, metavar="NAME",
                       help="output activation (default: softmax for classification, linear for regression "
                            "and for the margin losses hinge, squared_hinge, categorical_hinge, perceptron, "
                            "log_loss, multiclass_hinge, max_margin; log_softmax for nll; exponential for poisson; sigmoid for "
                            "two classes gives one output unit)")
    group.add_argument("--loss", type=_registered("losses"), metavar="NAME",
                       help="loss name, e.g. categorical_crossentropy, mse, hinge (default: categorical_crossentropy for "
                            "classes, binary_crossentropy for one sigmoid unit, mse for regression)")
    group.add_argument("--optimizer", type=_registered("optimizers"), metavar="NAME",
                       help="sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam, adamw, adamax, nadam, "
                            "lion, ftrl, adafactor, lamb, muon, schedule_free_adamw, rprop (default adam)")
    group.add_argument("--lr", type=_positive_float, metavar="RATE", help="learning rate η (default: by data set, see above)")
    group.add_argument("--batch-size", type=_positive_int, metavar="N",
                       help="mini-batch size (1: online learning; default: by data set, see above)")
    group.add_argument("--epochs", type=_positive_int_up_to(10**6), metavar="N",
                       help="passes over the training set (at most 1,000,000; default: by data set, see above)")
    group.add_argument("--validation-split", type=_fraction, metavar="FRACTION",
                       help="fraction of the training set held out for per-epoch validation (default 0.1)")
    group.add_argument("--dropout", type=_fraction, metavar="RATE",
                       help="dropout rate after each hidden layer (default: by data set, see above)")
    group.add_argument("--seed", type=_non_negative_int, help="random seed (default: a random one, printed unless --quiet)")
    group.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="precision (default float32)")
    group.add_argument("--jit-compile", action="store_true",
                       help="train with compiled loops for the optimizer step, ReLU and dropout (needs numba: "
                            "pip install \"glassnet[jit]\"); same weights, faster for large networks")
    group.add_argument("--namespace", choices=("numpy", "torch", "cupy", "array_api_strict"), default="numpy",
                       help="array library the math runs on (default numpy; torch and cupy need "
                            "pip install \"glassnet[array-api]\" and that library)")
    group.add_argument("--device", metavar="DEVICE",
                       help="where --namespace keeps its arrays, e.g. cuda for torch (default: the library's default)")
    out = train.add_argument_group("output")
    out.add_argument("--out", default="model.gn", metavar="PATH", type=_output_path,
                     help="where to save the model, in glassnet's format (default model.gn; for a .keras or .onnx "
                          "file, glassnet export converts it)")
    out.add_argument("--plot", metavar="PNG", type=_output_path,
                     help="save the loss curve as a PNG, SVG or PDF (needs matplotlib)")
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
    evaluate.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    evaluate.add_argument("data", metavar="DATA", help="mnist, digits, a toy set or a CSV file ('-': read the CSV "
                                                       "from standard input)")
    evaluate.add_argument("--confusion", action="store_true", help="also print the confusion matrix")
    _add_data_options(evaluate, standardize=False,
                      target_default="the model's target column where the header has it, else the last column")

    # -- predict
    predict = _command(
        sub, "predict", cmd_predict, "predict the rows of a CSV file with a saved model",
        "Writes one CSV row per input row: the class and the probability of each class for a\n"
        "classifier, headed p and the class label (p0, p1, ...; p(cat) or p(-1) for a label that is not a\n"
        "whole number from 0; one sigmoid unit gives the second class's alone), the predicted values\n"
        "(y or y0, y1, ...) for a regressor.",
        ["glassnet predict model.gn inputs.csv", "glassnet predict model.gn data.csv --target label --out predictions.csv",
         "glassnet predict model.gn test.csv --id id --out submission.csv"],
    )
    predict.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    predict.add_argument("csv", metavar="CSV", help="numeric features, one row per sample (optional header); '-' "
                                                    "reads them from standard input")
    predict.add_argument("--target", metavar="COLUMN", action=_Once,
                         help="a column to ignore (e.g. the labels), by name or index")
    predict.add_argument("--ignore", type=_columns, action="extend", metavar="COLUMNS",
                         help="other columns to leave out, by name or index, comma-separated (the model's own "
                              "columns are taken by name when the file and the model have a header)")
    predict.add_argument("--id", metavar="COLUMN",
                         help="an id column, by name or index: no feature, written as the first column of the "
                              "predictions, as in the file (Kaggle's id,prediction)")
    predict.add_argument("--out", metavar="PATH", type=_output_path,
                         help="write the predictions here (default, and '-': standard output)")
    _add_header_option(predict)

    # -- info
    info = _command(
        sub, "info", cmd_info, "show a saved model's layers and compile settings", "",
        ["glassnet info model.gn"],
    )
    info.add_argument("model", metavar="MODEL", help=MODEL_HELP)

    # -- explain
    explain = _command(
        sub, "explain", cmd_explain, "show one training step in the lectures' notation",
        "Without --model: the classic 2-2-1 sigmoid worked example (W^(1) = [[0.15, 0.25], [0.20, 0.30]],\n"
        "b^(1) = 0.35, W^(2) = [0.40, 0.45]ᵀ, b^(2) = 0.60), x = (0.05, 0.10), t = 0.01, squared error,\n"
        "one gradient-descent step with η = 0.5. Prints the forward pass (a, z), the backward pass (δ)\n"
        "and the gradients and updates ΔW of every layer. Nothing is saved.",
        ["glassnet explain", "glassnet explain --lr 0.1 --x 1,0 --y 1",
         "glassnet explain --model xor.gn --x 0.5,0.2 --y 1 --markdown   # xor.gn: glassnet train xor --out xor.gn"],
    )
    explain.add_argument("--model", metavar="MODEL", help="trace this saved (compiled) model instead")
    explain.add_argument("--x", type=_numbers, metavar="VALUES", help="the input, comma-separated (default 0.05,0.10)")
    explain.add_argument("--y", metavar="VALUES", help="the target (a classifier's class, by the label it was trained with or "
                              "its index; default 0.01)")
    explain.add_argument("--lr", type=_positive_float, metavar="RATE", help="learning rate η (default 0.5)")
    explain.add_argument("--activation", type=_layer_activation, default=None, metavar="NAME",
                         help="activation of the built-in 2-2-1 network (default sigmoid)")
    explain.add_argument("--digits", type=_positive_int_up_to(17), default=None, metavar="N",
                         help="significant digits of the numbers, at most 17 (float64's; default 6)")
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
    descend.add_argument("expr", metavar="EXPR",
                         help=f'the function, e.g. "x**2" or "x1**2 + 3*x2**2" (at most {MAX_LENGTH} characters and '
                              f'{MAX_DEPTH} levels of nesting)')
    descend.add_argument("--x0", type=_numbers, default="2", metavar="VALUES",
                         help="starting point, comma-separated for several variables (default 2)")
    descend.add_argument("--lr", type=_positive_float, default=0.2, metavar="RATE", help="learning rate η (default 0.2)")
    descend.add_argument("--steps", type=_positive_int_up_to(MAX_STEPS), default=12, metavar="N",
                         help=f"number of steps, at most {MAX_STEPS:,}: the whole table is printed (default 12)")
    descend.add_argument("--momentum", type=_share, metavar="ALPHA", help="use momentum α (v ← αv − η∇f, x ← x + v)")
    descend.add_argument("--nesterov", action="store_true", help="Nesterov momentum (default α 0.9)")
    descend.add_argument("--optimizer", default="gd", choices=("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"),
                         help="the update rule (default gd: x ← x − η∇f(x))")
    descend.add_argument("--digits", type=_positive_int_up_to(1000), default=None, metavar="N",
                         help="significant digits, at most 1000 (default 15 when f is rational and the rule gd, "
                              "momentum or nesterov, "
                              "whose tables are computed in exact fractions, as the seed's; else 13)")
    descend.add_argument("--plot", metavar="PNG", type=_output_path,
                         help="save the path on f as a PNG, SVG or PDF (functions of 1 or 2 variables; needs matplotlib)")

    # -- perceptron
    perceptron = _command(
        sub, "perceptron", cmd_perceptron, "train Rosenblatt's perceptron, epoch by epoch",
        f"DATA is a logic gate ({', '.join(GATES)}; default and) or a CSV file (--target picks the label column).\n"
        "Prints the weights w = (w0 = bias, w1, ...) and the mistakes after every epoch; XOR is\n"
        "reported as not linearly separable when the weights start to cycle.",
        ["glassnet perceptron and", "glassnet perceptron xor --bipolar", "glassnet perceptron points.csv --target class"],
    )
    perceptron.add_argument("data", nargs="?", default="and", metavar="DATA",
                            help="and, or, xor, nand, nor, xnor, or a CSV file ('-': read the CSV from standard "
                                 "input); default and")
    perceptron.add_argument("--lr", type=_positive_float, default=1.0, metavar="RATE", help="learning rate η (default 1)")
    perceptron.add_argument("--max-epochs", type=_positive_int_up_to(10**5), default=20, metavar="N",
                            help="at most N epochs (default 20; N up to 100,000)")
    perceptron.add_argument("--bipolar", action="store_true", help="gates with ±1 inputs (seed 003) instead of 0/1")
    perceptron.add_argument("--shuffle", action="store_true", help="visit the samples in a new random order each epoch")
    perceptron.add_argument("--seed", type=_non_negative_int,
                            help="seed for --shuffle (default: a random one, printed)")
    perceptron.add_argument("--target", metavar="COLUMN", action=_Once, help="CSV label column (default: the last)")
    perceptron.add_argument("--ignore", type=_columns, action="extend", metavar="COLUMNS",
                            help="CSV columns that are no features (an id), by header name or index, comma-separated")
    _add_header_option(perceptron)

    # -- hopfield
    hopfield = _command(
        sub, "hopfield", cmd_hopfield, "store bitmaps in a Hopfield network and recall a noisy one",
        "The bundled 10×10 bitmaps are the letters A C E H L T X O and the digits 0-9.",
        ["glassnet hopfield", "glassnet hopfield --store HTX --recall T --noise 0.3 --seed 1",
         "glassnet hopfield --store digits --recall 3 --mode sync", "glassnet hopfield --out recall.png"],
    )
    hopfield.add_argument("--store", default="HTX", metavar="NAMES",
                          help="bitmaps to store, e.g. HTX, 'A,7', letters or digits (default HTX)")
    hopfield.add_argument("--recall", metavar="NAME", help="the stored bitmap to corrupt and recall (default: the first)")
    hopfield.add_argument("--noise", type=_share, default=0.2, metavar="FRACTION",
                          help="fraction of bits to flip, rounded to whole bits, halves up (default 0.2)")
    hopfield.add_argument("--mode", choices=("async", "sync"), default="async", help="update rule (default async)")
    hopfield.add_argument("--max-iter", type=_positive_int, default=100, metavar="N", help="most sweeps (default 100)")
    hopfield.add_argument("--seed", type=_non_negative_int, default=0, help="seed for the noise and the update order (default 0)")
    hopfield.add_argument("--out", metavar="PNG", type=_output_path,
                          help="save the stored, noisy and recalled bitmaps and the energy "
                               "during recall as a PNG, SVG or PDF (needs matplotlib)")

    # -- som
    som = _command(
        sub, "som", cmd_som, "train a self-organizing map and draw its U-matrix",
        f"{DATA_HELP.replace('DATA is', 'DATA (default digits) is', 1)} Features of CSV files and toy sets\n"
        "are standardized first. Prints the quantization "
        "and topographic errors, the U-matrix as text and, for labelled data, each neuron's majority class.",
        ["glassnet som digits --grid 8x8 --out umatrix.png", "glassnet som data.csv --target label --epochs 20",
         "glassnet som gaussians --grid 6x6 --topology hexagonal"],
    )
    som.add_argument("data", nargs="?", default="digits", metavar="DATA",
                     help="a data set name or a CSV file ('-': read the CSV from standard input); default digits "
                          "(the embedded 8×8 images)")
    som.add_argument("--grid", type=_grid, default=(10, 10), metavar="ROWSxCOLS", help="map size (default 10x10)")
    som.add_argument("--topology", choices=("rectangular", "hexagonal"), default="rectangular",
                     help="the grid: 4 neighbours a neuron, or 6 (default rectangular)")
    som.add_argument("--epochs", type=_positive_int_up_to(10**5), default=10, metavar="N",
                     help="passes over the data (default 10; at most 100,000)")
    som.add_argument("--mode", choices=("online", "batch"), default="online",
                     help="Kohonen's online or batch rule (default online)")
    som.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
    som.add_argument("--out", metavar="PNG", type=_output_path, help="save the U-matrix as a PNG, SVG or PDF (needs matplotlib)")
    _add_data_options(som, target_default="none: every column is a feature; a target labels the neurons")

    # -- export
    export = _command(
        sub, "export", cmd_export, "export a saved model to ONNX or to a Keras 3 file",
        "ONNX: Dense, Activation and the activation layers, PReLU, Dropout, AlphaDropout and the noise layers,\n"
        "Identity and ActivityRegularization (identity), BatchNormalization (running statistics),\n"
        "LayerNormalization, RMSNormalization, GroupNormalization, UnitNormalization, Rescaling, Normalization\n"
        "Flatten, Reshape, Permute, Embedding, GlobalAveragePooling1D, GlobalMaxPooling1D,\n"
        "SpectralNormalization (its Dense or Embedding, at the normalized\n"
        "kernel or table), CategoryEncoding and Discretization\n"
        "layers with any built-in activation. Needs the onnx package (pip install \"glassnet[onnx]\").\n"
        "Keras (--keras): the same layers with the activations Keras has, and the compile settings and the\n"
        "optimizer's state; needs h5py (pip install \"glassnet[keras-files]\").",
        ["glassnet export model.gn --onnx model.onnx", "glassnet export model.gn   (writes model.onnx)",
         "glassnet export model.gn --keras model.keras"],
    )
    export.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    export.add_argument("--onnx", metavar="PATH", type=_output_path,
                        help="the ONNX file to write (default, without --keras: MODEL with the suffix .onnx)")
    export.add_argument("--keras", metavar="PATH.keras", type=_output_path,
                        help="a Keras 3 file to write, which keras.saving.load_model reads (its name ends in .keras)")

    # -- bench
    bench = _command(
        sub, "bench", cmd_bench, "time glassnet's training of the benchmark networks on this machine",
        "CONFIG is M1 (784-512-512-10 ReLU, dropout 0.2, Adam 1e-3, batch 128), M2 (the lecture's 784-32-10,\n"
        "SGD 0.1, batch 32) or M0 (seed 001's XOR network, 1000 epochs); default: M2 M0 M1. M1 and M2 train on\n"
        "MNIST (found as 'glassnet train' finds it; never downloaded here). Prints the BLAS library and kernel,\n"
        "seconds per epoch (median over the epochs after the first), total time and test accuracy. The\n"
        "comparison with PyTorch, Keras and scikit-learn is benchmarks/run.py in the source tree.",
        ["glassnet bench", "glassnet bench M2 --epochs 5", "glassnet bench M1 --threads 1 --data ~/mnist",
         "glassnet bench M0"],
    )
    # a type, not choices=: argparse before 3.12 checks an empty list against the choices ("invalid choice: []")
    bench.add_argument("configs", nargs="*", metavar="CONFIG", type=_bench_config,
                       help="M0, M1 and/or M2 (default: M2 M0 M1)")
    bench.add_argument("--epochs", type=_positive_int_up_to(1000), metavar="N", help="epochs for M1 and M2 (default 3)")
    bench.add_argument("--data", metavar="FOLDER", help="folder with the MNIST IDX files")
    bench.add_argument("--jit-compile", action="store_true",
                       help="time with model.compile(jit_compile=True) (needs numba)")
    bench.add_argument("--limit", type=_positive_int, metavar="N", help="train on the first N images only")
    bench.add_argument("--threads", type=_positive_int, metavar="N", help="BLAS threads (needs threadpoolctl)")
    bench.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default 0)")
    bench.add_argument("--quiet", action="store_true", help="only the results")

    # -- playground
    playground = _command(
        sub, "playground", cmd_playground, "serve the browser playground on this machine",
        "Starts a local web server and opens the page: pick a 2-D data set, noise, the train/test split, input\n"
        "features, hidden layers and neurons, activation, learning rate, L1/L2 penalty and batch size; press\n"
        "play and watch the decision surface, each neuron's output, the weights and the loss curves as glassnet\n"
        "trains. Needs starlette and uvicorn (pip install \"glassnet[playground]\"). Ctrl+C stops the server.",
        ["glassnet playground", "glassnet playground --port 9000 --no-browser",
         "glassnet playground --host 0.0.0.0"],
    )
    playground.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0, or :: for "
                                 "IPv6: every machine that can reach this one, without a password, with a warning)")
    playground.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    playground.add_argument("--no-browser", action="store_true", help="do not open a browser")
    playground.add_argument("--sessions-per-client", type=_non_negative_int, default=16, metavar="N",
                            help="serving the network, the sessions kept per client address (default 16, so that one "
                                 "script cannot push the class's out; 0: no cap, for a class behind one NAT or Docker "
                                 "Desktop's published port, which the server sees as one computer)")
    return parser
