"""fit's data feed: the epochs of batches, the validation data, the class weights.

:class:`_ArrayEpochs` gives the batches of arrays (shuffled rows gathered into reused
buffers, unshuffled ones as views), :class:`_StreamEpochs` those of a generator or PyDataset
(:func:`_stream_source`); both with Keras's ``steps_per_epoch``. :func:`_split_validation`
cuts ``validation_split`` off the arrays (:func:`validation_cut`) or checks
``validation_data`` (:func:`_validation`), either as a function that evaluates it.
:func:`_class_weights` turns ``class_weight`` into per-sample weights.
"""

import math
import warnings

import numpy as np

from .. import backend, losses
from .._validation import (
    check_number, check_positive_int, dense_rows, is_sparse, refuse_all_zero,
)
from . import streams
from .divergence import user_stacklevel
from .inference import evaluate_arrays, evaluate_stream, first_steps, takes_sparse, warn_zero_weights, weighs


def validation_cut(n, validation_split, given=None):
    """Where ``validation_split`` cuts ``n`` samples: as Keras, the last samples from
    floor(n (1 − split)) on, taken before any shuffling. A split that leaves no sample
    on one side is refused; ``given`` names the setting in that message (the command
    line's ``--validation-split 0.999``)."""
    split = check_number(validation_split, "validation_split", low=0, high=1, high_open=True)
    cut = int(math.floor(n * (1.0 - split)))
    if cut == 0 or cut == n:
        raise ValueError(
            f"{given or f'validation_split={validation_split}'} leaves {n - cut} of {n} samples for "
            "validation; choose a split that leaves samples on both sides."
        )
    return cut


def _array_validation(model, Xv, Yv, wv, validation_steps, batch_size, name="validation_data"):
    """The evaluation of validation arrays, as a function ``(chunk, callbacks) -> logs``: all their
    rows, or with ``validation_steps=k`` Keras's first k batches of them (a slice, taken at the first
    validation), of ``batch_size`` rows (``validation_batch_size``, else fit's), all the rows with Keras's
    warning where they hold fewer. Given neither (``batch_size`` None), Keras's k batches of all the rows,
    as evaluate's ``steps`` (Keras 3.15's array adapter: ceil(n / k) rows each; it read k batches of 32).
    ``chunk``: None where fit lets any batches be evaluated at once (large chunks, the same figures)."""
    if validation_steps is None:
        return lambda chunk, callbacks: evaluate_arrays(model, Xv, Yv, wv, batch_size=chunk, callbacks=callbacks)
    size = batch_size or max(math.ceil(Xv.shape[0] / validation_steps), 1)
    first = []

    def validate(chunk, callbacks):
        if not first:  # (warned once, at fit's caller)
            first.extend(first_steps(validation_steps, size, (Xv, Yv, wv), name,
                                     "validation_steps", stacklevel=user_stacklevel()))
        return evaluate_arrays(model, *first, batch_size=size if chunk else None, callbacks=callbacks)
    return validate


def _validation(model, validation_data, validation_steps, validations=1, batch_size=None):
    """``validation_data`` checked, as a function ``(chunk, callbacks) -> logs``: arrays
    ``(x_val, y_val)`` or ``(x_val, y_val, sample_weight_val)``, or a stream of batches
    (a generator, a PyDataset), ``validation_steps`` batches of it (all: None); None without.
    ``validations``: how many times fit means to validate (a generator read whole has one;
    with ``validation_steps``, the batches of its first validation are kept for the others)."""
    if validation_steps is not None:
        validation_steps = check_positive_int(validation_steps, "validation_steps")
    if validation_data is not None and streams.is_stream(validation_data, "validation_data"):
        stream = streams.Stream(validation_data, "validation_data")
        if stream.once and validation_steps is None and validations > 1:
            # Keras validated the next epochs on nothing (a warning, and figures left from before); this
            # fit would only fail at its second validation, after an epoch of training
            raise ValueError(
                f"validation_data is {streams.kind(validation_data)}, read once, and fit validates {validations} "
                "times: without validation_steps the first validation reads it to its end and leaves nothing for "
                "the next. Give a PyDataset or arrays (read anew at each validation), or a generator without end "
                "and validation_steps (the batches of each validation).")
        # an iterator's batches are read once: those of the first validation are kept (validation_steps of
        # them) and validated on again, the same samples each time as Keras's documentation promises
        keep = [] if stream.once and validation_steps is not None and validations > 1 else None
        return lambda chunk, callbacks: evaluate_stream(model, stream, validation_steps, callbacks, validation=True,
                                                        keep=keep)
    if validation_data is None:
        if validation_steps is not None:
            raise ValueError("validation_steps is for validation_data given as arrays or a stream, or for "
                             "validation_split: this fit validates on nothing, pass validation_steps=None. "
                             f"Received: validation_steps={validation_steps}")
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val), "
                         "or a generator or PyDataset of such batches.")
    Xv = model._check_x(validation_data[0], "validation_data[0]", sparse=True)
    yv = validation_data[1]
    if yv is not None:  # named errors for text and ragged lists
        yv = model._given_targets(yv, "validation_data[1]", Xv.shape[0])
    if yv is None or yv.ndim == 0:
        raise TypeError(f"validation_data[1] must hold the validation targets, one per sample. "
                        f"Received: {yv!r:.100}")
    if len(yv) != Xv.shape[0]:
        raise ValueError(
            f"Inconsistent numbers of samples: validation_data[0] has {Xv.shape[0]}, "
            f"validation_data[1] has {len(yv)}."
        )
    Yv = model._check_y(yv, Xv.shape[0], "validation_data[1]", scoring=True)
    wv = (model._check_sample_weight(validation_data[2], Xv.shape[0], "validation_data[2]")
          if len(validation_data) == 3 else None)
    refuse_all_zero(wv, "validation_data[2]", "the validation loss would be 0 whatever the model")
    return _array_validation(model, Xv, Yv, wv, validation_steps, batch_size)


def _split_validation(model, X, Y, w, validation_split, validation_data, validation_steps=None, validations=1,
                      batch_size=None):
    # checked before its truth is taken: {} trained without validation, an array raised NumPy's error
    if validation_split is not None:  # (None: no split, as Keras takes it)
        validation_split = check_number(validation_split, "validation_split", low=0, high=1, high_open=True)
    if validation_data is not None or not validation_split:
        return X, Y, w, _validation(model, validation_data, validation_steps, validations, batch_size)
    if validation_steps is not None:
        validation_steps = check_positive_int(validation_steps, "validation_steps")
    cut = validation_cut(X.shape[0], validation_split)
    _warn_if_classes_unseen(model, Y, cut, validation_split)
    Xv, Yv, wv = X[cut:], Y[cut:], None if w is None else w[cut:]
    # as validation_data's weights (Keras reports val_loss 0.0: a "best" epoch for EarlyStopping from the first)
    refuse_all_zero(wv, f"sample_weight[{cut}:]", "the validation loss would be 0 whatever the model (these are "
                    f"validation_split's rows, the last {X.shape[0] - cut})")
    return (X[:cut], Y[:cut], None if w is None else w[:cut],
            _array_validation(model, Xv, Yv, wv, validation_steps, batch_size, "the validation_split rows"))


def _warn_if_classes_unseen(model, Y, cut, validation_split):
    """validation_split takes the last rows, before any shuffling (as Keras): on data sorted by class they
    hold classes the training rows never show, validated on but never learned (Keras says nothing). For
    the label losses (the categorical cross-entropies, whose rows' argmax is the class, and binary
    cross-entropy on one output, whose targets are)."""
    if Y.ndim != 2 or not Y.size:
        return
    if isinstance(model.loss, losses.CategoricalCrossentropy) and Y.shape[1] > 1:
        kept = Y.any(axis=1)  # (ignore_class's zero rows are no class)
        labels, kept_train, kept_val = Y.argmax(axis=1), kept[:cut], kept[cut:]
        train, val = np.unique(labels[:cut][kept_train]), np.unique(labels[cut:][kept_val])
    elif isinstance(model.loss, losses.BinaryCrossentropy) and Y.shape[1] == 1:
        train, val = np.unique(np.round(Y[:cut])), np.unique(np.round(Y[cut:]))
    else:
        return
    unseen = np.setdiff1d(val, train)
    if unseen.size:
        shown = ", ".join(str(int(c)) for c in unseen[:10]) + (", ..." if unseen.size > 10 else "")
        warnings.warn(
            f"validation_split takes the last {validation_split:.0%} of the rows, before any shuffling (as Keras): "
            f"they hold class{'es' if unseen.size > 1 else ''} {shown}, which the training rows never show. Shuffle "
            "x and y together first: p = np.random.default_rng(0).permutation(len(x)); x, y = x[p], y[p].",
            UserWarning, stacklevel=user_stacklevel())


def _stream_source(model, x, y, sample_weight, class_weight, batch_size, shuffle, epochs, steps_per_epoch,
                   validation_split, validation_data, validation_steps, validations, validation_batch_size=None):
    """fit's batches and validation when ``x`` is a stream (a generator, a PyDataset, a pipeline)."""
    kind = streams.kind(x)
    for name, value, what in (("y", y, "targets"), ("sample_weight", sample_weight, "sample weights")):
        if value is not None:
            raise ValueError(f"x is {kind}, whose batches hold the {what}: pass {name}=None and give batches "
                             "(x, y) or (x, y, sample_weight), as Keras requires.")
    if batch_size is not None:  # Keras ignores it (its PyDataset guide passes batch_size=64): so does fit
        warnings.warn(f"batch_size={batch_size!r} is ignored: x is {kind}, which makes its own batches.",
                      UserWarning, stacklevel=user_stacklevel())  # at the caller of model.fit
    if validation_split is not None and check_number(
            validation_split, "validation_split", low=0, high=1, high_open=True):
        raise ValueError(f"validation_split cuts arrays; x is {kind}: pass validation_data instead (arrays, or "
                         "another generator or PyDataset).")
    model._require_compiled("fit")
    stream = streams.Stream(x, "x", shuffle=shuffle, rng=model.rng)
    if stream.indexed and stream.length is None and steps_per_epoch is None:
        raise ValueError("x is a PyDataset without end (num_batches is None): give steps_per_epoch, the batches "
                         "that make an epoch.")
    # the first epoch's on_epoch_begin comes before its first batch is loaded (fit peeks at it, to
    # build the model), as Keras calls it: a dataset that sets up its epoch there sees every batch
    stream.call("on_epoch_begin")
    first = stream.peek()
    try:
        if first is None:
            raise ValueError(f"x is {kind} that gave no batches.")
        X = streams.checked_xy(model, first, "batch 1 of x", class_weight=class_weight)[0]  # builds the model
        val = _validation(model, validation_data, validation_steps, validations, validation_batch_size or batch_size)
    except BaseException:  # a bad first batch or argument: the loading threads the peek started end now
        stream.close()
        raise
    return _StreamEpochs(model, stream, steps_per_epoch, class_weight, epochs, X.shape[0], begun=True), val


def _class_weights(model, Y, class_weight):
    """Per-sample weights from ``class_weight`` ({class index: weight}), as Keras:
    the class of a row is its argmax (its rounded value for one output, any
    integer); classes the dict leaves out weigh 1."""
    if not isinstance(class_weight, dict):
        hint = (" ('balanced' is scikit-learn's option; its weights as a dict: class_weight = dict(enumerate("
                "sklearn.utils.class_weight.compute_class_weight('balanced', classes=np.unique(y), y=y))))"
                if isinstance(class_weight, str) and class_weight == "balanced" else "")
        raise TypeError(f"class_weight must be a dict {{class index: weight}}{hint}. Received: {class_weight!r}")
    if Y.ndim > 2:  # as Keras ("class_weight not supported for 3+ dimensional targets")
        raise ValueError(f"class_weight takes targets of one axis per sample; these have shape {Y.shape} "
                         "(per-position outputs). Weigh each position instead: sample_weight of shape "
                         f"{Y.shape[:-1]}, e.g. np.vectorize(class_weight.get)(labels).")
    if getattr(model, "_target_encoding", None) == "binary":
        # the hinge-type losses train on 0/1 labels as −1/+1: the classes are the labels as given ({0: 10} was
        # the class −1, which no key named: the weights were ignored)
        Y = model._metric_targets(Y)[0]
    one_output = Y.shape[1] == 1
    # whole-number float keys (dict(zip(np.unique(y), w)) on float labels) are the integers, as Keras; bool keys
    # (the same on a bool target) are 0 and 1, as Keras
    class_weight = {int(k) if isinstance(k, (bool, np.bool_)) or isinstance(k, (float, np.floating))
                    and float(k).is_integer() else k: v for k, v in class_weight.items()}
    for key, value in class_weight.items():
        if not isinstance(key, (int, np.integer)) or not (
                one_output or 0 <= key < Y.shape[1]):
            valid = "integers (the rounded target values)" if one_output else f"class indices 0..{Y.shape[1] - 1}"
            raise ValueError(f"class_weight keys must be {valid}. Received key {key!r}.")
        check_number(value, f"class_weight[{key}]")  # (finite; negative too, as Keras's: its samples' weight)
    classes = np.rint(Y[:, 0]) if one_output else Y.argmax(axis=1)
    weights = np.ones(Y.shape[0], dtype=model.dtype)
    for key, value in class_weight.items():
        weights[classes == key] = value
    return weights


def _order(rng, n, batch_size, shuffle):
    """A pass's sample order: a permutation of all ``n`` (``shuffle=True``), or with
    ``"batch"`` (Keras's) the batches in their order, each one's samples permuted."""
    if shuffle == "batch":
        return np.lexsort((rng.random(n), np.arange(n) // batch_size))
    return rng.permutation(n)


def _take_rows(A, idx, out):
    """The rows ``idx`` of ``A``, written into ``out``. ``np.take`` for a C-ordered ``A``
    (mode="clip": the indices are a permutation, so always valid, and np.take then writes
    straight into ``out``; mode="raise" buffers); indexing otherwise, since ``np.take`` first
    copies a whole array that is not C-contiguous (a Fortran-ordered ``df.to_numpy()`` or
    memory-mapped file) at every call: 100× slower epochs, and the file read into memory.
    The array's own method: ``np.take`` reaches it through three Python wrappers (1-2 µs of
    a small network's step, twice per step)."""
    if A.flags.c_contiguous:
        return A.take(idx, axis=0, out=out, mode="clip")
    out[...] = A[idx]
    return out


class _ArrayEpochs:
    """fit's batches from arrays: shuffled rows gathered into reused buffers (``np.take``),
    unshuffled ones as views. With ``steps_per_epoch``, epochs run on through a pass, as
    Keras's epoch iterator: an epoch takes the next steps_per_epoch batches, and a new pass
    (a new shuffle) starts when one ends."""

    def __init__(self, model, X, Y, w, batch_size, shuffle, steps_per_epoch):
        self.model, self.X, self.Y, self.w = model, X, Y, w
        self.shuffle, self.steps_per_epoch = shuffle, steps_per_epoch
        self.portable = not backend.is_numpy()
        self.sparse = is_sparse(X)  # SciPy sparse rows (CSR): each batch is made dense as it is drawn,
        self.keep_sparse = takes_sparse(model, X)  # or, for a first Dense layer, kept sparse
        n = self.n = X.shape[0]
        self.batch_size = min(batch_size, n)
        self.step_rows = self.batch_size  # a step's rows, from which glassnet.threads counts its products
        self.passes = math.ceil(n / self.batch_size)  # batches in one pass over the data
        if steps_per_epoch is not None and steps_per_epoch > self.passes:
            warnings.warn(f"steps_per_epoch={steps_per_epoch} is more than one pass over the data ({self.passes} "
                          f"batches of {self.batch_size}); each epoch ends with its pass, as Keras interrupts it.",
                          UserWarning, stacklevel=user_stacklevel())
        self.steps = min(steps_per_epoch or self.passes, self.passes)
        if self.passes == 1:
            # one batch holds every row: its order changes only the rounding of the batch's sums, and drawing it
            # and gathering the rows took a tenth of seed 001's full-batch XOR fit
            self.shuffle = False
        self.cursor, self.order, self.buffers = 0, None, None
        self.short_epoch_warned = steps_per_epoch is not None and steps_per_epoch > self.passes
        # one unshuffled batch of views (dense NumPy rows in the model's dtype): the same at every epoch, so
        # made once (made at each epoch, with its slicing and checks, it took 4 % of seed 001's full-batch
        # XOR fit)
        self.whole = None
        self.same_each_epoch = (self.passes == 1 and not self.portable and not self.sparse
                                and not (isinstance(X, np.ndarray) and X.dtype != model.dtype))

    def epoch(self, epoch):
        """The epoch's batches ``(X_b, Y_b, w_b)``."""
        if self.same_each_epoch:
            if self.whole is None:
                self.whole = list(self._batches(0, 1))
            return self.whole
        steps, first = self.passes, self.cursor
        count = steps - first if self.steps_per_epoch is None else min(self.steps_per_epoch, steps - first)
        # (params keep steps_per_epoch, at most one pass since no epoch runs more, not this epoch's count)
        if count < self.steps and not self.short_epoch_warned:
            self.short_epoch_warned = True
            warnings.warn(
                f"Your input ran out of data: epoch {epoch + 1} ends with its pass over the data after {count} of "
                f"steps_per_epoch={self.steps_per_epoch} batches, and the next epoch starts a new pass. A "
                f"steps_per_epoch that divides {steps} (the batches in one pass) gives equal epochs.",
                UserWarning, stacklevel=user_stacklevel(),  # at the caller of model.fit
            )
        self.cursor = (first + count) % steps
        X, Y, n, batch_size, shuffle = self.X, self.Y, self.n, self.batch_size, self.shuffle
        if first == 0:
            self.order = _order(self.model.rng, n, batch_size, shuffle) if shuffle else None
        if shuffle and self.buffers is None and not self.portable:
            # (a sparse batch kept sparse needs no dense buffer: 268 MB for 32 rows of 2²⁰ hashed features)
            Xb_buf = np.empty((batch_size, *X.shape[1:]) if not self.keep_sparse else (0, 0), dtype=X.dtype)
            Yb_buf = np.empty((batch_size, *Y.shape[1:]), dtype=Y.dtype)
            # integer images kept as given (is_compact): each batch converted into a buffer of floats
            dtype = self.model.dtype
            Xf_buf = np.empty(Xb_buf.shape, dtype=dtype) if X.dtype != dtype and not self.sparse else None
            self.buffers = Xb_buf, Yb_buf, Xf_buf
        return self._batches(first, count)

    def _batches(self, first, count):
        X, Y, w, n, batch_size, order = self.X, self.Y, self.w, self.n, self.batch_size, self.order
        weighted = w is not None
        Xb_buf, Yb_buf, Xf_buf = self.buffers or (None, None, None)
        for batch in range(first, first + count):
            start, stop = batch * batch_size, min((batch + 1) * batch_size, n)
            if self.shuffle and self.portable:
                idx = backend.from_numpy(order[start:stop])
                xp = backend.get_namespace()
                yield xp.take(X, idx, axis=0), xp.take(Y, idx, axis=0), xp.take(w, idx, axis=0) if weighted else None
            elif self.shuffle:
                idx = order[start:stop]
                if self.keep_sparse:
                    Xb = X[idx].astype(self.model.dtype, copy=False)
                elif self.sparse:  # the batch's rows, made dense in the reused buffer
                    Xb = X[idx].toarray(out=Xb_buf[: stop - start])
                else:
                    Xb = _take_rows(X, idx, Xb_buf[: stop - start])
                    if Xf_buf is not None:
                        Xb = Xf_buf[: stop - start]
                        np.copyto(Xb, Xb_buf[: stop - start], casting="unsafe")
                yield Xb, _take_rows(Y, idx, Yb_buf[: stop - start]), w[idx] if weighted else None
            else:
                # `, ...`: the standard indexes every axis (array-api-strict refuses X[a:b] on 2-D)
                yield (dense_rows(X, start, stop, dtype=self.model.dtype, keep_sparse=self.keep_sparse), Y[start:stop, ...],
                       w[start:stop] if weighted else None)

    def end_epoch(self):
        pass

    def restart(self):
        pass  # each pass's order is drawn as the pass starts

    def close(self):
        pass


class _StreamEpochs:
    """fit's batches from a stream (:mod:`~glassnet.models.streams`): each epoch one pass, or
    with ``steps_per_epoch`` the next steps_per_epoch batches, a new pass starting where one
    ends (an iterator has one pass: when it is spent, training stops, as Keras's)."""

    def __init__(self, model, stream, steps_per_epoch, class_weight, epochs, step_rows, begun=False):
        self.model, self.stream, self.epochs = model, stream, epochs
        self.begun = begun  # the first epoch's on_epoch_begin was called (before fit's peek)
        self.steps_per_epoch, self.class_weight = steps_per_epoch, class_weight
        self.steps = streams.steps_of(stream, steps_per_epoch)
        self.batch_size = None
        self.step_rows = step_rows  # the first batch's rows, from which glassnet.threads counts a step's products
        self.fresh = True  # the open pass has not been read (fit peeked at its first batch)
        self.short_epoch_warned = False
        self.zero_weights_warned = False

    def epoch(self, epoch):
        stream, limit = self.stream, self.steps_per_epoch
        portable = not backend.is_numpy()
        if not self.fresh and limit is None:
            stream.new_pass()
        self.fresh = False
        if not self.begun:
            stream.call("on_epoch_begin")
        self.begun = False
        step, restarted, weighted = 0, limit is None, False
        while limit is None or step < limit:
            raw = stream.next()
            if raw is None:
                if step == 0 and not restarted and not stream.once:  # the last epoch ended with the pass
                    stream.new_pass()
                    restarted = True
                    continue
                stream.close()
                self.fresh = False
                break
            batch = streams.checked_xy(self.model, raw, f"batch {step + 1} of epoch {epoch + 1} of x",
                                       class_weight=self.class_weight)
            weighted = weighted or weighs(batch)  # (one look, once one is seen)
            yield backend.to_namespace(*batch) if portable else batch  # to the model's namespace
            step += 1
        if step and not weighted:  # arrays' weights are refused before fit
            warn_zero_weights(self, "class_weight" if self.class_weight is not None else "The sample weights",
                              f"epoch {epoch + 1}'s {step} batches", ", and it trained on nothing")
        if step == 0:
            need = (f"a pass for each of its epochs={self.epochs}" if limit is None else
                    f"steps_per_epoch × epochs = {limit} × {self.epochs} = {limit * self.epochs} batches")
            warnings.warn(
                f"Your input ran out of data; interrupting training at epoch {epoch + 1}. x must give {need}, and "
                f"{streams.kind(stream.data)} is read once: give one without end and steps_per_epoch, or a "
                "PyDataset, read anew each epoch.", UserWarning, stacklevel=user_stacklevel())
        elif limit is not None and step < limit and stream.once:
            if epoch + 1 == self.epochs:  # (before the last, the next epoch finds none and says so above)
                warnings.warn(
                    f"Your input ran out of data; interrupting training in epoch {epoch + 1}, after {step} of "
                    f"steps_per_epoch={limit} batches. x must give steps_per_epoch × epochs = {limit} × "
                    f"{self.epochs} = {limit * self.epochs} batches, and {streams.kind(stream.data)} is read once: "
                    "give one without end, or a PyDataset, read anew each epoch.", UserWarning, stacklevel=user_stacklevel())
        elif limit is not None and step < limit and not self.short_epoch_warned:
            self.short_epoch_warned = True
            warnings.warn(
                f"Your input ran out of data: epoch {epoch + 1} ends with its pass over x after {step} of "
                f"steps_per_epoch={limit} batches, and the next epoch starts a new pass.", UserWarning,
                stacklevel=user_stacklevel())

    def end_epoch(self):
        self.stream.call("on_epoch_end")

    def restart(self):
        """fit resumes (BackupAndRestore restored the model's random generator): a shuffled
        PyDataset's first pass, whose order fit's peek drew before the restore, is drawn anew
        from it, so that a resumed run shuffles as the uninterrupted one."""
        if self.stream.shuffle:
            self.stream.close()
            self.fresh = False

    def close(self):
        self.stream.close()
