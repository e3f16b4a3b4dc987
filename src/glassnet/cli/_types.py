"""argparse value types: each turns a command-line string into a checked value or says what it expected."""

import argparse
import os
import math


def _checked(convert, accept, expected, name):
    """An argparse type: ``convert(text)``, then ``accept(value)``, else "expected ..."."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}. Received: {text!r}")
        return value

    parse.__name__ = name
    return parse


_positive_int = _checked(int, lambda v: v > 0, "a positive integer", "positive_int")


def _positive_int_up_to(limit):
    """A positive integer of at most ``limit`` (an epoch count of 10¹² ran silently for ever)."""
    return _checked(int, lambda v: 0 < v <= limit, f"a positive integer up to {limit:,}", "positive_int")


_positive_float = _checked(float, lambda v: v > 0 and math.isfinite(v), "a positive number", "positive_float")
_fraction = _checked(float, lambda v: 0 <= v < 1, "a number in [0, 1)", "fraction")
_share = _checked(float, lambda v: 0 <= v <= 1, "a number in [0, 1]", "share")
_non_negative_int = _checked(int, lambda v: v >= 0, "a non-negative integer", "non_negative_int")
_port = _checked(int, lambda v: 1 <= v <= 65535, "a port number from 1 to 65535", "port")
_noise = _checked(float, lambda v: 0 <= v <= 0.5, "a number from 0 to 0.5", "noise")


def _output_path(text):
    """An argparse type for the files a command writes: ``~`` and ``~user`` expanded, as the shell does for
    a word but not after ``--out=`` (``--out=~/m.gn`` wrote into a folder named ``~``, or said it did not
    exist); ``-`` (standard output) and other paths as given."""
    return os.path.expanduser(text)


def _separator(text):
    """An argparse type for --sep: one character, the two characters ``\\t`` as a tab (what a shell
    passes for ``--sep '\\t'``); not a quote (the quoting character), a line break, a letter or a digit;
    or ``\\s+``, runs of blanks (pandas's ``sep=r"\\s+"``: a file of aligned columns)."""
    sep = "\t" if text == "\\t" else text
    if sep == r"\s+":
        return sep
    if len(sep) != 1 or sep in "\"\r\n" or sep.isalnum():
        raise argparse.ArgumentTypeError(f"expected one character that is not a quote, a letter or a digit, such as "
                                         f"';' or '\\t' (a tab), or '\\s+' (runs of blanks). Received: {text!r}")
    return sep


def _registered(module):
    """An argparse type for a name the registry ``glassnet.<module>`` knows ("activations",
    "losses", "optimizers"), checked as the options are read: before the data set loads (MNIST
    takes seconds), and the error names the option."""

    def parse(text):
        import importlib

        try:
            importlib.import_module(f"glassnet.{module}").get(text)
        except (ValueError, TypeError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text

    parse.__name__ = module
    return parse


def _layer_activation(text):
    """An argparse type for the name of an activation a layer takes by name alone (not glu or
    threshold: see :data:`glassnet.activations.NAME_REFUSALS`), given back as the registry spells it.

    The registry matches any case (``Sigmoid``, ``LINEAR``) and class names (``LeakyReLU``), but train
    compares the name with its own (``sigmoid`` on two classes: one unit and binary cross-entropy;
    ``linear``: a standardized target): ``Sigmoid`` trained two units with categorical cross-entropy."""
    from ..activations import ACTIVATIONS, get_by_name_for_layer

    try:
        activation = get_by_name_for_layer(text)  # (argparse starts the message with "argument --activation: ")
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if text.lower() in ACTIVATIONS:  # the alias given (identity, logistic, swish), in lower case
        return text.lower()
    return activation.name if activation.name in ACTIVATIONS else text  # a class name: its registry name


_layer_activation.__name__ = "activation"


def _grid(text):
    parts = text.lower().replace("×", "x").split("x")
    try:
        rows, cols = (int(p) for p in parts)
    except ValueError:
        rows = cols = 0
    if rows <= 0 or cols <= 0:
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLS such as 10x10. Received: {text!r}")
    return rows, cols


def _columns(text):
    """Comma-separated column names or indices (``id,name`` or ``0``), as written."""
    names = tuple(part.strip() for part in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated column names or indices such as id,name. "
                                         f"Received: {text!r}")
    return names


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
