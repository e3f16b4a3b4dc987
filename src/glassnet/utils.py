"""Utilities named as in ``keras.utils``."""

import gc
import random

import numpy as np

from ._validation import check_array, check_bool, check_int
from .backend import set_global_seed as _set_global_seed  # private: set_random_seed seeds everything
from .models.progress import (  # keras.utils.Progbar; the switch is keras.config's, and keras.utils's too
    Progbar, disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)
from .models.streams import PyDataset, Sequence  # keras.utils.PyDataset, Keras 2's Sequence
from .preprocessing import to_categorical  # keras.utils.to_categorical
from .saving import _KERAS_ONLY as _SAVING_ONLY
from .saving import (  # keras.utils's aliases of keras.saving's registry (tf.keras 2 had them here only)
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name, get_registered_object,
    register_keras_serializable)


def set_random_seed(seed):
    """Seed everything glassnet draws from: Python's ``random``, NumPy's
    global state and glassnet's own generator (as ``keras.utils.set_random_seed``).
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer. Received: seed={seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _set_global_seed(int(seed))


def normalize(x, axis=-1, order=2):
    """``keras.utils.normalize``: ``x`` divided by its ``order``-norm along ``axis`` (rows by
    default); an all-zero slice stays zero. Returns a new float array."""
    x = check_array(x, "x", ndim=None, allow_empty=True, finite=False)
    if x.ndim == 0:
        raise ValueError("x must have at least one axis. Received a scalar.")
    axis = check_int(axis, "axis", low=-x.ndim, high=x.ndim - 1)
    if isinstance(order, bool) or not isinstance(order, (int, float, np.integer, np.floating)):
        raise TypeError(f"order must be a number (2 for the L2 norm, 1, np.inf, ...). Received: order={order!r:.100}")
    try:  # (an int past int64 met NumPy's "Cannot cast ufunc 'reciprocal' input from dtype('O')")
        order = float(order)
    except OverflowError:
        raise ValueError(f"order must be a number within the float range (np.inf for the largest |x|). Received "
                         f"an integer of {order.bit_length()} bits.") from None
    if order != order:  # NaN: every norm, and so every result, was NaN
        raise ValueError(f"order must be a number, not NaN (2 for the L2 norm, 1, np.inf, ...). Received: order={order!r}")
    if order != 0 and x.dtype.kind == "f":
        # The squares of 1e200 overflow (the row became 0) and of 1e-200 underflow (it stayed
        # as it was): the norms of x divided by a power of two near each slice's largest |x|
        # do not, and dividing by a power of two is exact. (order 0 counts, it scales nothing.)
        with np.errstate(divide="ignore", invalid="ignore"):
            peak = np.max(np.abs(x), axis=axis, keepdims=True, initial=0)
            unit = np.where(np.isfinite(peak) & (peak > 0), np.exp2(np.floor(np.log2(peak))), 1)
        x = x / unit.astype(x.dtype)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def clear_session(free_memory=True):
    """``keras.backend.clear_session``: the next unnamed model is "sequential" (or "functional")
    again, as in Keras; glassnet keeps no global graph, and names layers as a model takes them, so
    there is nothing else to reset. ``free_memory`` runs Python's garbage collector, as Keras does.
    For a fresh random stream use :func:`set_random_seed`."""
    from .models.sequential import _MODEL_NAMES

    free_memory = check_bool(free_memory, "free_memory")
    _MODEL_NAMES.clear()
    if free_memory:
        gc.collect()


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """``keras.utils.pad_sequences``: sequences of different lengths (lists of token ids, say) as one
    array ``(n, maxlen)`` for ``Embedding``, each cut to its last ``maxlen`` items
    (``truncating="pre"``; ``"post"``: its first) and filled with ``value`` in front
    (``padding="pre"``; ``"post"``: behind). ``maxlen=None``: the longest sequence's length.
    Sequences of vectors give ``(n, maxlen, *vector shape)``. Items are converted to ``dtype``
    (Keras's ``int32``: a float id is truncated); text needs ``dtype=object``. A ``value`` an integer
    ``dtype`` cannot hold (NaN, inf, 0.5, 300 for uint8) is refused, where Keras casts it silently.

    >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2)
    array([[2, 3],
           [4, 5],
           [0, 6]], dtype=int32)
    """
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__iter__"):
        raise TypeError(f"sequences must be a list of sequences (lists or arrays of ids). Received: "
                        f"sequences={sequences!r:.80}")
    for name, given in (("padding", padding), ("truncating", truncating)):
        if not isinstance(given, str) or given not in ("pre", "post"):
            raise ValueError(f"{name} must be 'pre' or 'post'. Received: {name}={given!r:.80}")
    sequences = list(sequences)
    for i, s in enumerate(sequences):
        if isinstance(s, (str, bytes)) or not hasattr(s, "__len__"):
            raise TypeError(f"sequences[{i}] must be a sequence (a list or an array of ids). Received: {s!r:.80}")
    if maxlen is not None:
        maxlen = check_int(maxlen, "maxlen", low=0)
    else:
        maxlen = max((len(s) for s in sequences), default=0)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a NumPy dtype such as 'int32'. Received: dtype={dtype!r:.80}") from None
    if isinstance(value, str) and dtype.kind not in "OUS":
        raise ValueError(f"dtype {dtype} cannot hold the text value={value!r:.80}: give dtype=object for text.")
    if dtype.kind in "iu":
        _check_integer_fill(value, dtype)
    # the items' shape (vectors of a sequence), read from the first non-empty sequence, as Keras
    sample_shape = next((np.shape(s)[1:] for s in sequences if len(s)), ())
    padded = np.full((len(sequences), maxlen, *sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return padded
    for i, s in enumerate(sequences):  # one step per sequence: preparing data, not training
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if not len(kept):
            continue
        try:
            kept = np.asarray(kept, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"sequences[{i}] cannot be read as {dtype}: {exc}") from None
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"sequences[{i}] holds items of shape {kept.shape[1:]}, where the first sequence's have "
                             f"shape {sample_shape}: every item must have one shape.")
        if padding == "post":
            padded[i, :len(kept)] = kept
        else:
            padded[i, maxlen - len(kept):] = kept
    return padded


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, batch_size=128,
                                  shuffle=False, seed=None, start_index=None, end_index=None):
    """``keras.utils.timeseries_dataset_from_array``: sliding windows over a series whose axis 0 is time.

    Window ``i`` holds ``data[s, s + r, ..., s + (L - 1)·r]`` (``L = sequence_length``, ``r = sampling_rate``)
    and its target is ``targets[s]``, for the starts ``s = start_index + i·sequence_stride`` up to the last
    window that ends before ``end_index`` (and, with ``targets``, ``i·sequence_stride < len(targets)``), as
    Keras's. To predict the step after a window of 10: ``timeseries_dataset_from_array(data[:-10], data[10:], 10)``.

    Returns a :class:`PyDataset` for ``fit``/``evaluate``/``predict`` that gathers each batch when asked
    for it (the windows are never all in memory): batches ``(x, y)`` of shapes ``(batch_size, L, *data's
    rest)`` and ``(batch_size, *targets' rest)``, ``x`` alone without targets, single windows with
    ``batch_size=None`` (to iterate over: ``fit`` and ``predict`` take batches, as Keras's); ``x`` keeps
    ``data``'s dtype. ``shuffle`` orders the windows with
    ``np.random.RandomState(seed)``, as Keras's first shuffle, and again after each epoch of ``fit``
    (Keras's own order also passes through tf.data's shuffle buffer, so it differs; the set is the same).
    Unlike Keras's empty dataset, a series too short for one window is a ValueError.
    """
    data = data if isinstance(data, np.ndarray) else check_array(data, "data", ndim=None, finite=False)
    if data.ndim == 0:
        raise ValueError("data must be an array whose axis 0 is time. Received a scalar.")
    n = len(data)
    sequence_length = check_int(sequence_length, "sequence_length", low=1)
    sequence_stride = check_int(sequence_stride, "sequence_stride", low=1, high=max(n - 1, 1))
    sampling_rate = check_int(sampling_rate, "sampling_rate", low=1, high=max(n - 1, 1))
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    shuffle = check_bool(shuffle, "shuffle")
    if seed is not None:
        seed = check_int(seed, "seed", low=0, high=2**32 - 1)
    start = 0 if start_index is None else check_int(start_index, "start_index", low=0, high=n - 1)
    end = n if end_index is None else check_int(end_index, "end_index", low=1, high=n - 1)  # (Keras's bounds)
    if end <= start:
        raise ValueError(f"end_index must be higher than start_index. Received: start_index={start}, "
                         f"end_index={end}")
    num_windows = end - start - (sequence_length - 1) * sampling_rate
    if num_windows <= 0:
        raise ValueError(f"No window fits: sequence_length={sequence_length} at sampling_rate={sampling_rate} spans "
                         f"{(sequence_length - 1) * sampling_rate + 1} steps, and the data has {end - start} from "
                         f"start_index={start} to end_index={end}.")
    if targets is not None:
        targets = targets if isinstance(targets, np.ndarray) else check_array(targets, "targets", ndim=None,
                                                                              finite=False)
        if targets.ndim == 0:
            raise ValueError("targets must be an array whose axis 0 is time (targets[i]: the window starting at "
                             "data[i]), or None. Received a scalar.")
        if not len(targets):
            raise ValueError("targets is empty: give one target per window start (targets[i] for the window "
                             "starting at data[i]), or None.")
        num_windows = min(num_windows, len(targets))
    positions = np.arange(0, num_windows, sequence_stride)
    last = start + positions[-1]
    if targets is not None and last >= len(targets):  # (Keras: an IndexError from tf.gather)
        raise ValueError(f"targets has {len(targets)} rows, too few for start_index={start}: the window starting "
                         f"at data[{last}] needs targets[{last}]. Give targets as long as data, or cut data "
                         "and targets yourself instead of start_index.")
    rng = None
    if shuffle:  # the positions, as Keras's
        rng = np.random.RandomState(np.random.randint(10**6) if seed is None else seed)
        rng.shuffle(positions)
    return _Windows(data, targets, start + positions, np.arange(sequence_length) * sampling_rate, batch_size, rng)


class _Windows(PyDataset):
    """The windows of :func:`timeseries_dataset_from_array`, gathered one batch at a time."""

    def __init__(self, data, targets, starts, offsets, batch_size, rng):
        super().__init__()
        self.data, self.targets, self.starts, self.offsets = data, targets, starts, offsets
        self.batch_size, self.rng = batch_size, rng

    def __len__(self):
        size = self.batch_size or 1
        return -(-len(self.starts) // size)

    def __getitem__(self, index):
        index = check_int(index, "index")
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range: the dataset has {len(self)} batches.")
        size = self.batch_size
        starts = self.starts[index] if size is None else self.starts[index * size:(index + 1) * size]
        x = self.data[starts[..., None] + self.offsets]  # (one window, as Keras's unbatched dataset, if size is None)
        return x if self.targets is None else (x, self.targets[starts])

    def on_epoch_end(self):
        if self.rng is not None:
            self.rng.shuffle(self.starts)


def _check_integer_fill(value, dtype):
    """The padding ``value`` of an integer ``dtype``: a whole number in its range, or the ValueError. NumPy
    casts NaN to -2147483648 and 0.5 to 0 (Keras's pad_sequences pads so, silently)."""
    info = np.iinfo(dtype)
    if isinstance(value, (int, np.integer)):  # (exactly: float(2**63 - 1) rounds past int64's end)
        whole = info.min <= int(value) <= info.max
    else:
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return  # (not a number: NumPy's own error names it)
        whole = np.isfinite(number) and number == int(number) and info.min <= int(number) <= info.max
    if not whole:
        raise ValueError(f"value={value!r:.80} cannot be held by dtype={dtype.name}: an integer dtype pads with a whole "
                         f"number in [{info.min}, {info.max}]. Give an integer value, or a float dtype "
                         "(dtype='float32') to pad with NaN or a fraction.")


__all__ = ["CustomObjectScope", "Progbar", "PyDataset", "Sequence", "clear_session", "custom_object_scope",
           "disable_interactive_logging", "enable_interactive_logging", "get_custom_objects", "get_registered_name",
           "get_registered_object", "is_interactive_logging_enabled", "normalize", "pad_sequences", "plot_model",
           "register_keras_serializable", "set_random_seed", "timeseries_dataset_from_array", "to_categorical"]

#: keras.utils names that Keras's examples call and glassnet lacks, with what to do instead
_KERAS_ONLY = {
    "model_to_dot": "glassnet draws no Graphviz graphs: glassnet.utils.plot_model(model) draws the chain with "
                    "matplotlib, and model.summary() prints each layer with its output shape and parameters",
    "get_file": "glassnet downloads nothing but MNIST: fetch the file yourself (urllib.request.urlretrieve) and "
                "read it with NumPy or pandas",
    "split_dataset": "glassnet splits arrays: (X_left, y_left), _, (X_right, y_right) = "
                     "glassnet.preprocessing.split(X, y, test=right_size, shuffle=False) keeps Keras's order, the left "
                     "part first (right_size a fraction, rounded up, or a number of rows; shuffle=True with seed=... "
                     "shuffles first)",
    "FeatureSpace": "glassnet has no feature preprocessor: build the feature matrix before fit with scikit-learn's "
                    "ColumnTransformer, StandardScaler for float_normalized columns, OneHotEncoder(handle_unknown="
                    "'ignore') for integer_categorical and string_categorical ones, and for FeatureSpace.cross the "
                    "one-hot of the joined strings (df.a.astype(str) + '_' + df.b.astype(str)); give the matrix to a "
                    "glassnet model (docs/keras-coverage.md, tabular data)",
    **{name: advice.rstrip(".") for name, advice in _SAVING_ONLY.items()},  # serialize_keras_object, ...
}


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=False, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, splines="ortho",
               **kwargs):
    """Keras's ``keras.utils.plot_model``, drawn with matplotlib: see :func:`glassnet.plots.plot_model`."""
    from .plots.model import plot_model as draw

    return draw(model, to_file, show_shapes, show_dtype, show_layer_names, rankdir, expand_nested, dpi,
                show_layer_activations, show_trainable, splines, **kwargs)


def __getattr__(name):
    if name in _KERAS_ONLY:  # keras.utils.plot_model(model) in a Keras example: say what glassnet has instead
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}: {_KERAS_ONLY[name]}.")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
