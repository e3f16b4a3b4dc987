"""Keras's ``Input`` and ``InputLayer``: the input shape of a model, and the start of a functional chain."""

import re

import numpy as np

from .._validation import check_bool, check_positive_int, is_one_of
from ..backend import standardize_dtype
from ..dtype_policies import policy_name
from ._symbolic import ChainTensor
from .base import Layer


class InputLayer(Layer):
    """Declares the input shape (``layers.Input(shape=(784,))``); computes nothing.

    Keras's arguments, in Keras's order. ``batch_shape=(None, 784)`` is the same as
    ``shape=(784,)``; a batch size (``batch_size=8`` or ``batch_shape=(8, 784)``) is kept, as
    Keras keeps it: in ``shape``, the model's ``input_shape`` and their configurations and files
    (``fit`` still sets the batches); ``sparse`` and ``ragged`` must be None or False,
    ``input_tensor`` None and ``optional`` False (glassnet has no such inputs). ``autocast``, which Keras's
    InputLayer takes (and ignores) as every layer's argument, True or False: an Input casts nothing."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, input_shape=None, autocast=True):
        check_bool(autocast, "autocast")
        for key, value, meaning in (("sparse", sparse, "sparse inputs (a SciPy sparse x works in fit without it)"),
                                    ("ragged", ragged, "ragged inputs")):
            if not is_one_of(value, (None, False)):
                raise ValueError(f"glassnet's Input has no {meaning}: {key} must be None or False. "
                                 f"Received: {key}={value!r:.80}")
        if input_tensor is not None:
            raise ValueError("glassnet's Input takes no tensor (a functional model starts from Input(shape=...)): pass "
                             "input_tensor=None. "
                             f"Received: input_tensor={input_tensor!r:.80}")
        if optional is not False:
            raise ValueError(f"glassnet's inputs cannot be None: optional must be False. Received: optional={optional!r}")
        batch_size = check_positive_int(batch_size, "batch_size", allow_none=True)
        if input_shape is not None:  # Keras's older name, still accepted by Keras 3
            if shape is not None:
                raise ValueError("Give InputLayer shape= or input_shape=, not both.")
            shape = input_shape
        if batch_shape is not None:
            if shape is not None:
                raise ValueError("Give Input shape= or batch_shape=, not both (batch_shape is (batch_size, *shape)).")
            if not isinstance(batch_shape, (tuple, list)) or len(batch_shape) < 2:
                raise TypeError("batch_shape must be a tuple (batch_size or None, *shape), such as (None, 784). "
                                f"Received: batch_shape={batch_shape!r:.100}")
            size = check_positive_int(batch_shape[0], "batch_shape[0]", allow_none=True)
            if size is not None and batch_size is not None and size != batch_size:
                raise ValueError(f"batch_shape[0]={size} and batch_size={batch_size} disagree.")
            shape = tuple(batch_shape[1:])
            batch_size = size if batch_size is None else batch_size
        if shape is None:
            raise ValueError("Input requires shape=(n_features,). Received: shape=None")
        # Keras's Input(shape=(maxlen,), dtype="int32") of token ids for an Embedding: the inputs' type, which
        # glassnet reads from the data; the layers compute in the model's float dtype
        integer = _integer_dtype(dtype)
        try:  # a float dtype or policy a Layer takes (policy_name: as Layer's, a mixed one not yet warned of)
            valid = integer or dtype is None or policy_name(dtype)
        except ValueError:
            valid = False
        # (another argument's error first, as Layer's checks come in that order)
        super().__init__(name=name, input_shape=shape, dtype=None if integer or not valid else dtype)
        if not valid:  # an Input takes ids too
            raise ValueError("dtype must be one of float16, float32, float64 (the layers compute in one) or an "
                             f"integer or bool dtype (ids for an Embedding), as an Input takes.{self._text_advice(dtype)} "
                             f"Received: dtype={dtype!r:.100}")
        # Keras's Input(...).dtype: the one given, else floatx() (read by no model: they compute in their own)
        self.dtype = integer or self.dtype or standardize_dtype(None)
        if integer:  # kept in get_config, as Keras's: from_config gave a float32 Input of an int32 one
            self._dtype_given = integer
        self.batch_size = batch_size

    @property
    def shape(self):
        """The inputs' shape with the batch axis, ``(None, 784)`` (``(8, 784)`` given a batch size), as
        Keras's ``Input(shape=(784,)).shape``."""
        return (self.__dict__.get("batch_size"), *self.input_shape)

    def get_config(self):
        config = super().get_config()
        if self.__dict__.get("batch_size") is not None:  # as Keras's batch_shape: from_config gave (None, 3)
            config["batch_size"] = self.batch_size
        return config

    @staticmethod
    def _text_advice(dtype):
        """What to do with a column of text (Keras's ``Input(shape=(1,), dtype="string")``), else ""."""
        try:
            text = "string" in (dtype, getattr(dtype, "name", None)) or np.dtype(dtype).kind in "OSU"  # (tf.string's)
        except (TypeError, ValueError):
            text = False
        if not text:
            return ""
        return (" A column of text is no model input in glassnet: map its categories to ids before fit "
                "(pd.Categorical(col).codes, or np.unique(col, return_inverse=True)[1]) for an integer Input and an "
                "Embedding, or one-hot them (CategoryEncoding, scikit-learn's OneHotEncoder) for a float Input.")

    # the Input is the chain's first tensor: inputs / 255.0, inputs[:, 0] or np.tanh(inputs) met Python's and
    # NumPy's bare errors ("unsupported operand type(s)", "loop of ufunc does not support..."), and np.asarray
    # made an object array of it, where a layer's output says what to write instead
    __array__ = ChainTensor.__array__
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = ChainTensor._arithmetic
    __matmul__ = __rmatmul__ = __pow__ = __neg__ = ChainTensor._arithmetic
    __getitem__ = ChainTensor._index


def _integer_dtype(dtype):
    """The name of ``dtype`` when it is an integer or bool type (``"int32"``, ``np.int64``), else None."""
    if dtype is None or isinstance(dtype, bool):
        return None
    try:
        found = np.dtype(dtype)
    except (TypeError, ValueError):
        return None
    return found.name if found.kind in "iub" else None


def input_dtype_name(dtype, name="dtype"):
    """The name of ``dtype`` as an ``Input`` takes it: an integer or bool one (``"int32"``) or a float one
    glassnet computes in (``"float64"``); another is a ValueError that names the argument ``name``."""
    integer = _integer_dtype(dtype)
    if integer:
        return integer
    try:
        return standardize_dtype(dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer, bool or float16/float32/float64 dtype, as an Input takes."
                         f"{InputLayer._text_advice(dtype)} Received: {name}={dtype!r:.100}") from None


def keras_input_dtype(dtype):
    """The dtype that a Keras ``InputLayer``'s config names, as a glassnet model read from it keeps it for
    its ``input.dtype``: an integer or bool one (``"int32"`` token ids) or a float one (``"float64"``, as Keras's
    ``Input((3,), dtype="float64")`` of a float32 model; one that is the model's dtype counts as none given:
    ``_given_input_dtype``); None for one glassnet lacks (``"bfloat16"``). The model computes in its own dtype."""
    if not isinstance(dtype, str):
        return None
    try:
        return input_dtype_name(dtype)
    except ValueError:
        return None


def given_input_name(name):
    """``name`` as the name given to an Input, or None for none: Keras's own names of unnamed
    InputLayers (input_layer, input_layer_1, ..., which its files hold) are not names given."""
    return None if name is None or re.fullmatch(r"input_layer(_\d+)?", name) else name


def input_layer_name(model, inputs):
    """The name of ``model``'s InputLayer as Keras shows it (summary) and writes it (``.keras``): the
    name given to its ``Input``, else Keras's name of one made after ``inputs[0]`` unnamed others,
    input_layer, input_layer_1, ... (the count in the one-item list ``inputs`` then goes up)."""
    given = model.__dict__.get("_input_name")
    if given:
        return given
    count = inputs[0]
    inputs[0] += 1
    return "input_layer" + (f"_{count}" if count else "")


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """``keras.Input`` (its arguments, in its order): the input shape of a
    :class:`~glassnet.models.Sequential` model (see :class:`InputLayer`), or the start of a
    functional chain (``Dense(64)(Input(shape=(784,)))``; see :class:`~glassnet.models.Model`)."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, ragged=ragged,
                      batch_shape=batch_shape, input_tensor=tensor, optional=optional, name=name)
