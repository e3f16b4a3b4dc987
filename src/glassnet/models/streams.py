"""Batches from a generator, a :class:`PyDataset` or a data pipeline, for fit, evaluate and predict.

Keras's models train on arrays and on streams of batches alike; so do glassnet's. A
stream is read batch by batch, each batch checked as an array given to ``fit`` would
be, so data that does not fit in memory (or is augmented as it is drawn) trains
without being collected first. Three kinds, read as Keras reads them:

* a :class:`PyDataset` (Keras 3's ``keras.utils.PyDataset``, Keras 2's ``Sequence``):
  ``len(ds)`` batches, ``ds[i]`` the i-th; a pass visits them all, in a new random
  order each pass when ``fit(shuffle=True)``; its ``on_epoch_begin``/``on_epoch_end``
  are called around each epoch; ``workers=n`` loads the next batches in n threads;
* a Python iterator (a generator): read once, so an epoch is the rest of it, or
  ``steps_per_epoch`` batches of it;
* anything else iterable as batches (a ``tf.data`` dataset, torch's ``DataLoader``):
  a pass is one ``iter()`` over it.

A batch is ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (a tuple or a list, as a
DataLoader yields), or ``x`` alone (for predict); arrays of any library.
"""

import collections
import collections.abc
import itertools
import warnings

import numpy as np

from .._validation import _is_stream, check_bool, check_positive_int, dense_rows


class PyDataset:
    """Batches by index, as Keras's ``keras.utils.PyDataset`` (``Sequence`` in Keras 2).

    Subclass it, define ``__len__`` (the batches in one pass; ``num_batches``, as Keras
    3, may return None for a dataset without end) and ``__getitem__(i)`` returning the
    i-th batch ``(x, y)`` or ``(x, y, sample_weight)``; optionally ``on_epoch_begin`` and
    ``on_epoch_end`` (called around each epoch of fit). Pass it to ``fit``,
    ``evaluate`` or ``predict`` as ``x``. ``workers=n`` (n > 1) loads up to
    ``max_queue_size`` batches ahead in n threads (NumPy releases the GIL in its
    array work, so loading from files and augmenting overlap the training step);
    ``use_multiprocessing=True`` is not supported (processes would copy the dataset).

    Example::

        class Noisy(glassnet.utils.PyDataset):
            def __init__(self, x, y, batch_size, **kwargs):
                super().__init__(**kwargs)
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return math.ceil(len(self.x) / self.batch_size)

            def __getitem__(self, i):
                rows = slice(i * self.batch_size, (i + 1) * self.batch_size)
                return self.x[rows] + rng.normal(0, 0.1, self.x[rows].shape), self.y[rows]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = check_positive_int(workers, "workers")
        self.use_multiprocessing = check_bool(use_multiprocessing, "use_multiprocessing")
        self.max_queue_size = check_positive_int(max_queue_size, "max_queue_size")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index), which returns the "
                                  "batch at position index as (x, y) or (x, y, sample_weight).")

    @property
    def num_batches(self):
        """The batches in one pass (``len(self)``), or None for a dataset without end."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self) (the number of batches in one "
                                  "pass) or a num_batches property (None for a dataset without end).")

    def __iter__(self):
        n = self.num_batches
        for index in itertools.count() if n is None else range(n):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of each epoch of fit."""

    def on_epoch_end(self):
        """Called at the end of each epoch of fit (shuffle your own indices here, as Keras's examples do)."""


#: Keras 2's name for it
Sequence = PyDataset


def _class_names(data):
    return [(cls.__name__, cls.__module__ or "") for cls in type(data).__mro__]


def is_indexed(data):
    """A PyDataset: glassnet's, Keras's (any version), or Keras 2's ``Sequence``."""
    return not isinstance(data, np.ndarray) and any(
        name in ("PyDataset", "Sequence") and ("glassnet" in module or "keras" in module)
        for name, module in _class_names(data))


def is_map_style_torch_dataset(data):
    """A torch ``Dataset`` that is not iterable: it gives samples one by one, not batches."""
    names = _class_names(data)
    return (any(name == "Dataset" and module.startswith("torch.utils.data") for name, module in names)
            and not any(name == "IterableDataset" for name, _ in names))


def is_stream(data, name="x"):
    """Whether ``data`` is read batch by batch: a PyDataset, an iterator, a pipeline (tf.data,
    torch's DataLoader). A torch ``Dataset`` of samples is refused, with what to write."""
    if is_map_style_torch_dataset(data):
        raise TypeError(f"{name} is a torch Dataset, which gives one sample at a time: wrap it in "
                        f"torch.utils.data.DataLoader({name}, batch_size=32) to give batches.")
    return is_indexed(data) or _is_stream(data)


def kind(data):
    """What a stream is, for messages: "a generator", "a PyDataset", ..."""
    if is_indexed(data):
        return "a PyDataset"
    if isinstance(data, collections.abc.Generator):
        return "a generator"
    if isinstance(data, collections.abc.Iterator):
        return "an iterator"
    return f"a {type(data).__name__}"


def num_batches(data):
    """Batches in one pass over ``data``, or None when unknown or endless."""
    if is_indexed(data) and hasattr(type(data), "num_batches"):
        # None says endless; a PyDataset that defines neither __len__ nor num_batches raises its
        # NotImplementedError, as Keras's does (it was taken for an endless one)
        n = data.num_batches
    else:
        try:
            # Keras 2's Sequence has no num_batches (Keras 3 added it): its len() is the batches
            n = len(data)
        except (TypeError, NotImplementedError, AttributeError):  # no len(): a generator, an unbatched pipeline
            return None
    return None if n is None else int(n)


class Stream:
    """``data`` (a PyDataset, an iterator, an iterable of batches) read a pass at a time;
    ``name`` says what it is in messages ("x", "validation_data")."""

    def __init__(self, data, name="x", shuffle=False, rng=None):
        self.data, self.name, self.rng = data, name, rng
        self.indexed = is_indexed(data)
        self.once = not self.indexed and isinstance(data, collections.abc.Iterator)
        self.length = num_batches(data)
        self.shuffle = bool(shuffle) and self.indexed and self.length is not None
        if self.indexed and getattr(data, "use_multiprocessing", False):
            raise ValueError(f"{name}: use_multiprocessing=True is not supported; glassnet loads a PyDataset's "
                             "batches in threads: set use_multiprocessing=False and workers=n.")
        self._batches = None  # the open pass, a generator of raw batches
        self._peeked = collections.deque()
        self.started = False  # whether any pass began (an iterator has just the one)
        self.read = 0  # batches read, all passes
        self.zero_weights_warned = False  # evaluate_stream's warning, given once

    def new_pass(self):
        """Start a pass; an iterator read before has no second one (its pass is empty)."""
        self.close()
        if self.once and self.started:
            self._batches = iter(())
        elif self.indexed:
            self._batches = self._indexed_pass()
        else:
            self._batches = iter(self.data)
        self.started = True

    def _indexed_pass(self):
        data, n = self.data, self.length
        order = itertools.count() if n is None else (self.rng.permutation(n) if self.shuffle else range(n))
        workers = getattr(data, "workers", 1)
        if not isinstance(workers, int) or workers <= 1:
            for index in order:
                yield data[int(index)]
            return
        from concurrent.futures import ThreadPoolExecutor

        order = iter(order)
        with ThreadPoolExecutor(workers, thread_name_prefix="glassnet-pydataset") as pool:
            ahead = max(int(getattr(data, "max_queue_size", 10) or 1), workers)
            pending = collections.deque(pool.submit(data.__getitem__, int(i)) for i in itertools.islice(order, ahead))
            try:
                while pending:
                    batch = pending.popleft().result()
                    for index in itertools.islice(order, 1):
                        pending.append(pool.submit(data.__getitem__, int(index)))
                    yield batch
            finally:  # closed early (steps_per_epoch, an error): drop the batches not yet loaded
                for future in pending:
                    future.cancel()

    def next(self):
        """The pass's next raw batch, or None at its end."""
        if self._peeked:
            return self._peeked.popleft()
        if self._batches is None:
            self.new_pass()
        try:
            batch = next(self._batches)
        except StopIteration:
            return None
        self.read += 1
        return batch

    def peek(self):
        """The first batch of the open pass (one is started if none is), left to be read."""
        batch = self.next()
        if batch is not None:
            self._peeked.appendleft(batch)
        return batch

    def close(self):
        """End the open pass (a PyDataset's loading threads with it); an iterator's one pass
        stays open, to be continued."""
        if self.once:
            return
        self._peeked.clear()
        if self._batches is not None and hasattr(self._batches, "close"):
            self._batches.close()
        self._batches = None

    def call(self, hook):
        """The dataset's ``on_epoch_begin``/``on_epoch_end``, where it has one."""
        method = getattr(self.data, hook, None) if self.indexed else None
        if callable(method):
            method()


def unpack(batch, where, need_y):
    """``(x, y, sample_weight)`` of one raw batch (y and sample_weight None where absent)."""
    if isinstance(batch, dict):
        raise TypeError(f"{where} is a dict: glassnet models take one input; yield (x, y) tuples.")
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        batch = (batch,)
    if not 1 <= len(batch) <= 3:
        raise ValueError(f"{where} must be (x,), (x, y) or (x, y, sample_weight). Received a tuple of {len(batch)}.")
    x, y, w = batch + (None,) * (3 - len(batch))
    if need_y and y is None:
        raise ValueError(f"{where} has no targets: fit and evaluate need batches (x, y) or (x, y, sample_weight).")
    return x, y, w


def _in_batch(where, function, *args, sample=None, **kwargs):
    """``function(*args)``, its ValueError or TypeError naming the batch; ``sample``: ``(model, x, y)``
    of the batch, whose error says so where the batch looks like a single sample."""
    try:
        return function(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        if type(exc) not in (ValueError, TypeError):
            raise
        raise type(exc)(f"{where}: {_single_sample(exc, *sample) if sample else exc}") from None


def _single_sample(exc, model, x, y):
    """``exc``'s message, or advice for a dataset that yields single samples where fit, evaluate and
    predict take batches (timeseries_dataset_from_array(..., batch_size=None) yields single windows)."""
    advice = ("the dataset yields single samples, not batches (as timeseries_dataset_from_array(..., "
              "batch_size=None) does): give it a batch_size, e.g. batch_size=32, or batch the samples yourself")
    shape, given = getattr(model, "_input_shape", None), tuple(getattr(x, "shape", ()))  # (arrays: no list read)
    if shape is not None and tuple(shape) != (1,) and given == tuple(shape):
        return f"x has shape {given}, one sample of the model's input (n, {', '.join(map(str, shape))}): {advice}."
    scalar_y = isinstance(y, (int, float, np.generic)) or getattr(y, "ndim", None) == 0
    if scalar_y and given:  # (a model without Input: built on this x)
        return f"{exc} If {advice}."
    return str(exc)


def checked_xy(model, batch, where, names=("x", "y"), class_weight=None):
    """One training or evaluation batch as fit's arrays: ``(X, Y, w)`` dense, in the model's
    dtype, on the host."""
    from .epochs import _class_weights

    x, y, w = unpack(batch, where, need_y=True)
    if class_weight is not None and w is not None:
        raise ValueError(f"{where} has sample weights and fit() was given class_weight: use one or the other.")
    X, Y, w = _in_batch(where, model._prepare_xy, x, y, w, names=names, what="fit", sample=(model, x, y))
    if class_weight is not None:
        w = _in_batch(where, _class_weights, model, Y, class_weight)
    return dense_rows(X, 0, X.shape[0], dtype=model.dtype), Y, w


def checked_x(model, batch, where):
    """One prediction batch's inputs, dense, in the model's dtype."""
    x, _, _ = unpack(batch, where, need_y=False)
    X = _in_batch(where, model._check_x, x, sparse=True, sample=(model, x, None))
    if not model.built:
        model.build((None, *X.shape[1:]))
    return dense_rows(X, 0, X.shape[0], dtype=model.dtype)


def checked_batches(stream, check, steps=None):
    """The checked batches of one pass of ``stream`` (at most ``steps``); ``check(batch, where)``.
    An iterator has one pass, which each call continues (fit reads ``validation_steps`` batches of a
    validation generator once and keeps them for its later validations:
    :func:`~glassnet.models.inference.evaluate_stream`'s ``keep``)."""
    if not (stream.once and stream.started):
        stream.new_pass()
    stream.short = None  # the batches read, when fewer than steps
    try:
        for step in itertools.count() if steps is None else range(steps):
            batch = stream.next()
            if batch is None:
                if steps is not None:
                    stream.short = step
                if step == 0:
                    if stream.once and stream.read:
                        raise ValueError(
                            f"{stream.name} gave no batches: an iterator is read once, and this one was read to its "
                            "end before; pass a generator without end and steps, or a PyDataset, read anew each time.")
                    elif stream.once:  # (a generator spent by an earlier call looks empty)
                        why = ": an iterator is read once; if this one was read before, pass a new one."
                    else:
                        why = "."
                    raise ValueError(f"{stream.name} gave no batches{why}")
                return
            yield check(batch, f"batch {step + 1} of {stream.name}")
    finally:
        stream.close()


def warn_if_short(stream, steps, steps_name, stacklevel):
    """Keras's warning when a stream gave fewer than the ``steps`` batches asked for."""
    if stream.short is not None:
        warnings.warn(f"Your input ran out of data: {stream.name} gave {stream.short} of {steps_name}={steps} "
                      "batches.", UserWarning, stacklevel=stacklevel + 1)


def steps_of(stream, steps):
    """Batches per pass as the progress bar should show them (None: unknown)."""
    if steps is None:
        return stream.length
    return steps if stream.length is None else min(steps, stream.length)


__all__ = ["PyDataset", "Sequence"]
