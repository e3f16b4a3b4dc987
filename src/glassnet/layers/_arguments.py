"""A layer's keyword arguments checked as Keras's: Keras's arguments glassnet lacks pass at their
default only, Keras 1's renamed ones are named, and anything else is a ``TypeError`` with the
closest argument."""

import difflib
import inspect

import numpy as np


def _keras_defaults(cls):
    """``cls.keras_unused`` as ``{argument: Keras's default}``: a tuple names arguments whose
    default is None, a dict gives the defaults (BatchNormalization's ``renorm=False``)."""
    unused = cls.keras_unused
    return dict(unused) if isinstance(unused, dict) else dict.fromkeys(unused)


def _is_default(value, default):
    if default is None or isinstance(default, bool):
        return value is default or (isinstance(value, np.bool_) and bool(value) is default)
    return type(value) is type(default) and value == default


# Keras 1's argument names (the Theano-era Keras of seed 004 and of much course code), renamed in
# Keras 2: the closest current name ("init" -> 'units') would point the wrong way
_KERAS_1_NAMES = {
    "init": ("kernel_initializer", "embeddings_initializer"),
    "W_regularizer": ("kernel_regularizer", "embeddings_regularizer"),
    "b_regularizer": ("bias_regularizer",),
    "W_constraint": ("kernel_constraint", "embeddings_constraint"),
    "b_constraint": ("bias_constraint",),
    "bias": ("use_bias",),
    "output_dim": ("units",),  # (Embedding's output_dim is its own: the hint is for layers with no such argument)
    "p": ("rate",),
    "sigma": ("stddev",),
    "keep_prob": ("rate",),  # (not Keras 1's: Ng's course and TF 1's tf.nn.dropout, the probability to keep)
}


def _accepted(cls):
    """The keyword arguments the ``__init__`` of ``cls`` and of its bases up to Layer take."""
    from .base import Layer  # (base imports this module)

    accepted = set(cls.keras_unused)
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            accepted.update(n for n, p in inspect.signature(klass.__init__).parameters.items()
                            if n != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if klass is Layer:
            break
    return accepted


def _check_extra_kwargs(cls, kwargs):
    """Keyword arguments no ``__init__`` of ``cls`` took: Keras's arguments that mean nothing
    here (``cls.keras_unused``) pass at their Keras default (None unless the dict says
    otherwise); anything else is refused."""
    defaults = _keras_defaults(cls)
    for key, value in kwargs.items():
        if key in defaults:
            if not _is_default(value, defaults[key]):
                raise ValueError(
                    f"glassnet's {cls.__name__} has no {key} (received {key}={value!r:.80}); "
                    f"only {key}={defaults[key]!r}, Keras's default, is accepted."
                )
            continue
        accepted = _accepted(cls)
        renamed = [name for name in _KERAS_1_NAMES.get(key, ()) if name in accepted]
        close = difflib.get_close_matches(key, sorted(accepted), n=1)
        if renamed and key == "keep_prob":  # the opposite probability: Dropout(0.8) would drop 80 %
            rate = f"{1 - value:.6g}" if isinstance(value, (int, float, np.number)) and not isinstance(value, bool) \
                else "1 - keep_prob"
            hint = f" Its rate is the probability to drop an input, rate = 1 − keep_prob: {cls.__name__}(rate={rate})."
        elif renamed:
            hint = f" {key} is Keras 1's name for {renamed[0]!r} (renamed in Keras 2)."
        else:
            hint = f" Did you mean {close[0]!r}?" if close else ""
        raise TypeError(f"{cls.__name__}.__init__() got an unexpected keyword argument {key!r}.{hint}")
