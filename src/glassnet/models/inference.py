"""The evaluate and predict loops (SPEC A7), and the logs they and fit report.

:func:`evaluate_arrays` and :func:`predict_arrays` run the model in inference mode over
large chunks of arrays (results do not depend on the chunking); :func:`evaluate_stream` and
:func:`predict_stream` over the batches of a generator or PyDataset. Both call Keras's test
or predict hooks of the callbacks given; evaluate and predict first give them Keras's params
(:func:`array_params`, :func:`stream_params`). fit validates with :func:`evaluate_arrays` and
:func:`evaluate_stream` (its callbacks keep fit's params), and logs its batches and epochs with
:func:`logs_of`.
"""

import itertools
import math
import warnings

import numpy as np

from .. import backend
from .._validation import dense_rows, is_one_of, is_sparse
from ..threads import model_lock
from . import streams
from .divergence import user_stacklevel
from .hooks import overrides
from .progress import _print, format_step_time, format_value


def takes_sparse(model, X):
    """Whether the batches of the SciPy sparse ``X`` go to ``model`` as they are (CSR rows): where its
    first layer is a :class:`~glassnet.layers.Dense` on vectors, which multiplies them by its kernel,
    ``X W`` and ``Xᵀ δ``, in time of their nonzeros. Made dense, a batch of 2²⁰ hashed features held
    8 GiB in predict's 1024-row chunks, and a TF-IDF matrix of 48,721 terms took 2.7 s to predict."""
    from ..layers import Dense

    if not is_sparse(X) or not backend.is_numpy() or not model.layers:
        return False
    first = model.layers[0]
    return type(first) is Dense and len(first.input_shape) == 1  # (a sample shape: vectors)


def check_verbose(verbose):
    """``verbose`` of fit/evaluate/predict as 0, 1 or 2 (``"auto"`` is 1, as Keras)."""
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    if isinstance(verbose, str) or not is_one_of(verbose, (0, 1, 2)):  # True/False are 1/0, as Keras takes them
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto'. Received: verbose={verbose!r:.100}")
    return int(verbose)


def _result(metric):
    """A metric's value for the logs: a float, or (F1Score(average=None), one value per
    class) a NumPy array, as Keras logs it."""
    value = np.asarray(backend.to_numpy(metric.result()))
    return float(value) if value.ndim == 0 else value.astype(np.float64)


def logs_of(loss, metrics):
    """The logs of a batch, an epoch or a whole set: the loss and each metric's value, the keys
    sorted as Keras 3 sorts them (``{"accuracy": ..., "loss": ...}``: its ``pythonify_logs``), so
    History, the progress bar and ``return_dict`` list them in Keras's order (an epoch's logs are
    sorted again with the validation's ``val_*`` in them). A list of the values is loss first
    (``metrics_names``)."""
    if not metrics:  # (every epoch of a small network's fit: seed 001's XOR runs 1000 of them)
        return {"loss": loss}
    logs = {m.name: _result(m) for m in metrics}
    logs["loss"] = loss
    return dict(sorted(logs.items()))


def array_steps(n, batch_size):
    """The steps evaluate's and predict's line counts over ``n`` rows of arrays, Keras's: batches of
    ``batch_size`` rows, Keras's 32 when None (``313/313`` for 10,000 rows), whatever chunks glassnet
    reads them in (1024 rows where no callback sees a batch: ``10/10`` said how glassnet computes,
    which the user never asked for)."""
    return math.ceil(n / (batch_size or 32))


def report(n_batches, seconds, logs=None, file=None):
    """The line Keras prints after evaluate/predict with ``verbose``: steps (:func:`array_steps` for
    arrays), time, the time per step (the whole time over those steps), logs; logged where interactive
    logging is off, as fit's lines (:func:`progress.disable_interactive_logging`)."""
    parts = [f"{n_batches}/{n_batches}", f"{seconds:.0f}s", format_step_time(seconds / max(n_batches, 1))]
    parts += [f"{k}: {format_value(v)}" for k, v in (logs or {}).items()]
    _print(" - ".join(parts), file)


def _update_metrics(model, metrics, Y, A, w, rows=None):
    """Each metric on the targets as the caller gave them (:meth:`Sequential._metric_targets`);
    as Keras, only ``weighted_metrics`` see the sample weights. ``rows``: Keras's batch size, where the
    chunk is larger: a function's metric is tried on its first ``rows`` rows, and one that returns one
    number for them (its figure depends on the batches) gets the chunk in batches of Keras's rows."""
    own, theirs = model._metric_targets(Y)
    copies = None
    for m in metrics:
        Y_m, A_m, w_m = own if m.builtin else theirs, A, w
        if m._user_state:  # it may keep the arrays: fit's are buffers the next step overwrites
            copies = copies or tuple(None if x is None else np.array(x, copy=True) for x in (theirs, A, w))
            Y_m, A_m, w_m = copies
        arrays, start, n = (Y_m, A_m, w_m if m.weighted else None), 0, Y_m.shape[0]
        if rows and n > rows:
            # (a function's metric not called yet says which it is on Keras's first batch; glassnet's own have no
            # _one_number)
            while start < n and getattr(m, "_one_number", False) is not False:
                m.update_state(*(None if x is None else x[start:start + rows] for x in arrays))
                start += rows
        if start < n:
            m.update_state(*(x if x is None or not start else x[start:] for x in arrays))


def _batches(n, batch_size):
    # 1024 rows at a time: large enough for fast matrix products, small enough
    # that the activations of a wide network stay a few MB.
    batch_size = batch_size or 1024
    for start in range(0, n, batch_size):
        yield start, min(start + batch_size, n)


def default_batch_size(callbacks, *hooks):
    """``batch_size=None`` of evaluate/predict: Keras's 32 where a callback has one of the batch
    ``hooks`` (it sees Keras's batches, as fit's validation shows them), else None (1024-row chunks:
    the same figures, faster; a metric function that returns one number per batch still gets Keras's
    32-row batches, ``evaluate_arrays``'s ``keras_rows``)."""
    return 32 if any(overrides(cb, hook) for cb in callbacks for hook in hooks) else None


def first_steps(steps, batch_size, arrays, name="x", steps_name="steps", stacklevel=1):
    """Keras's ``steps=k`` over ``arrays`` of one row each per sample (evaluate's and predict's
    ``steps``, fit's ``validation_steps``): their first k batches of ``batch_size`` rows, as slices (no
    copy; None stays None). All the rows where they hold fewer batches, with Keras's warning, at the
    caller ``stacklevel`` frames up; ``name`` says what was read in it."""
    n = arrays[0].shape[0]
    batches = math.ceil(n / batch_size)
    if steps > batches:
        warnings.warn(f"Your input ran out of data: {name} gave {batches} of {steps_name}={steps} batches "
                      f"(of {batch_size} rows).", UserWarning, stacklevel=stacklevel + 1)
    rows = min(n, steps * batch_size)
    return tuple(a if a is None or rows == n else a[:rows] if is_sparse(a) else a[:rows, ...] for a in arrays)


def array_params(verbose, n, batch_size):
    """The ``params`` of evaluate's and predict's callbacks over ``n`` rows of arrays, Keras's: one
    epoch of ``steps`` batches of ``batch_size`` rows, Keras's 32 when None (glassnet then reads
    1024-row chunks only where no callback has a batch hook, that is, where no callback sees a batch)."""
    return {"verbose": verbose, "epochs": 1, "steps": array_steps(n, batch_size)}


def stream_params(verbose, stream, steps):
    """:func:`array_params` for a stream read for at most ``steps`` batches: ``steps`` None where the
    batches are not known before they are read (a generator), as Keras."""
    return {"verbose": verbose, "epochs": 1, "steps": streams.steps_of(stream, steps)}


def predict_arrays(model, X, batch_size=None, callbacks=()):
    """Inference-mode outputs, computed in large chunks (results do not depend on the chunking);
    ``callbacks`` get Keras's predict hooks: ``on_predict_begin/end`` around the whole and
    ``on_predict_batch_begin/end`` around each chunk (``{"outputs": ...}``)."""
    sparse = takes_sparse(model, X)
    chunks = (dense_rows(X, start, stop, dtype=model.dtype, keep_sparse=sparse)
              for start, stop in _batches(X.shape[0], batch_size))
    return _predict_batches(model, chunks, X.shape[0], callbacks)


def predict_stream(model, stream, steps=None, callbacks=()):
    """:func:`predict_arrays` for the batches of a stream (at most ``steps`` of them)."""
    batches = streams.checked_batches(stream, lambda raw, where: streams.checked_x(model, raw, where), steps)
    try:
        out = _predict_batches(model, batches, None, callbacks)
    finally:  # an error, Ctrl-C: a PyDataset's loading threads end now, not when its traceback is dropped
        batches.close()
    streams.warn_if_short(stream, steps, "steps", stacklevel=user_stacklevel())
    return out


def _predict_batches(model, batches, n=None, callbacks=()):
    """The outputs for each batch of inputs, in one array (of ``n`` rows, when known)."""
    out, parts, done = None, [], 0
    lock = model_lock(model)  # (each pass beside other threads' inference passes, not beside a training step)
    try:
        for cb in callbacks:
            cb.on_predict_begin({})
        for batch, Xb in enumerate(batches):
            for cb in callbacks:
                cb.on_predict_batch_begin(batch, {})
            # (the callbacks outside: one that trains would wait for this very pass; an overflow gives NaN outputs,
            # which speak for themselves, where NumPy's warnings would name glassnet's matmul, as evaluate's)
            with lock.shared, backend.quiet_floats():
                A = backend.to_numpy(model.forward(Xb, training=False))
            for cb in callbacks:
                cb.on_predict_batch_end(batch, {"outputs": A})
            if n is None:
                parts.append(A.copy())  # (the model's output buffer is reused by the next batch)
            else:
                if out is None:
                    out = np.empty((n, *A.shape[1:]), dtype=A.dtype)
                out[done:done + A.shape[0]] = A
            done += A.shape[0]
    except BaseException:
        for cb in callbacks:  # Ctrl-C or an error: SwapEMAWeights puts the weights back, a bar closes
            cb._release()
        raise
    with lock.shared:  # (not in a training step's midst: its backward reads the caches)
        model.release_caches()
    for cb in callbacks:
        cb.on_predict_end({})
    return out if n is not None else np.concatenate(parts)


def evaluate_arrays(model, X, Y, w=None, batch_size=None, callbacks=(), keras_rows=None):
    """``{"loss": ..., metric: ...}`` over the whole set, in inference mode; ``callbacks`` get
    Keras's test hooks: ``on_test_begin/end`` around the whole (the end with the logs) and
    ``on_test_batch_begin/end`` around each chunk (with the running loss and metrics). ``keras_rows``:
    the batch size Keras would read where the chunks are larger (a function that returns one number per
    batch gets those batches, :func:`_update_metrics`)."""
    sparse = takes_sparse(model, X)
    chunks = ((dense_rows(X, start, stop, dtype=model.dtype, keep_sparse=sparse), Y[start:stop],
               None if w is None else w[start:stop]) for start, stop in _batches(X.shape[0], batch_size))
    return _evaluate_batches(model, chunks, callbacks, keras_rows)


def evaluate_stream(model, stream, steps=None, callbacks=(), validation=False, keep=None):
    """:func:`evaluate_arrays` for the batches ``(x, y[, sample_weight])`` of a stream (at most
    ``steps``); ``validation``: fit's validation data (its targets do not set what the
    metrics see of the training targets). ``keep``: a list that the first call fills with copies
    of the checked batches it reads and later calls evaluate again, without reading the stream
    (fit's validation on an iterator with ``validation_steps``: the same samples each time, as Keras)."""
    if keep:
        return _evaluate_batches(model, iter(keep), callbacks)
    names = ("x", "validation y") if validation else ("x", "y")
    weighted, read = False, 0

    def check(raw, where):
        nonlocal weighted, read
        read += 1
        batch = streams.checked_xy(model, raw, where, names=names)
        weighted = weighted or weighs(batch)
        if keep is not None:  # (copies: a generator may yield the same buffer refilled)
            batch = tuple(None if a is None else backend.copy(a) for a in batch)
            keep.append(batch)
        return batch

    batches = streams.checked_batches(stream, check, steps)
    try:
        # the first batch before any test hook: a spent validation generator (fit then stops, with a
        # warning) or a bad first batch is not an evaluation begun and broken off (TensorBoard's writers)
        first = next(batches)
        logs = _evaluate_batches(model, itertools.chain([first], batches), callbacks)
    finally:  # as in predict_stream
        batches.close()
    if not weighted:  # (once a fit: its validations share the stream)
        warn_zero_weights(stream, "The sample weights", f"{stream.name}'s {read} batches")
    # (the user's call: evaluate's caller, or fit's, through fit's validation function)
    streams.warn_if_short(stream, steps, "validation_steps" if validation else "steps",
                          stacklevel=user_stacklevel())
    return logs


def weighs(batch):
    """Whether the checked batch ``(x, y, w)`` gives some sample a nonzero weight (none given: all weigh 1)."""
    return batch[2] is None or bool((batch[2] != 0).any())


def warn_zero_weights(owner, who, where, effect=""):
    """Says once for ``owner`` (a fit's epochs, or its validation stream: its flag ``zero_weights_warned``) that
    ``who`` gave every sample of ``where`` the weight 0 (its loss 0 whatever the model, and ``effect``)."""
    if owner.zero_weights_warned:
        return
    owner.zero_weights_warned = True
    warnings.warn(f"{who} gave every sample of {where} the weight 0: its loss is 0 whatever the model{effect}. "
                  "Give some sample a nonzero weight.", UserWarning, stacklevel=user_stacklevel())


def _evaluate_batches(model, batches, callbacks=(), keras_rows=None):
    """The loss (the mean over samples of the batches' losses, weighted by their sizes) and
    metrics over the batches ``(X_b, Y_b, w_b)`` (``Y_b`` and ``w_b`` on the host)."""
    metrics = model._new_metrics()
    total, seen, penalty = 0.0, 0, 0.0
    lock = model_lock(model)
    try:
        for cb in callbacks:
            cb.on_test_begin({})
        activity = False
        if model._has_regularizers:  # in every batch's loss, as Keras (after on_test_begin: SwapEMAWeights)
            penalty = model._weight_penalty()  # the activity penalties: each batch's, below
            activity = any(layer.activity_regularizer is not None for layer in model.layers)
        with backend.quiet_floats():
            for batch, (Xb, Yb, wb) in enumerate(batches):
                for cb in callbacks:
                    cb.on_test_batch_begin(batch, {})
                Yx, wx = backend.to_namespace(Yb, wb)
                # the activity penalties read the outputs each layer keeps (layer.Y), which another thread's pass
                # replaces or releases: such a batch's pass and penalty are exclusive (threads.ModelLock)
                with lock.exclusive if activity else lock.shared:
                    A = model.forward(Xb, training=False)
                    # (compile's loss_weights weigh the loss, not the penalties)
                    loss = model._weighted_loss(Yx, A, wx) + (model._activity_penalty() if activity else 0.0)
                rows = Yb.shape[0]
                total += loss * rows
                seen += rows
                A = backend.to_numpy(A)  # metrics count on the host
                _update_metrics(model, metrics, Yb, A, wb, keras_rows)
                if callbacks:
                    batch_logs = logs_of(total / seen + penalty, metrics)
                    for cb in callbacks:
                        cb.on_test_batch_end(batch, batch_logs)
    except BaseException:
        for cb in callbacks:  # Ctrl-C or an error: SwapEMAWeights puts the weights back, a bar closes
            cb._release()
        raise
    with lock.shared:  # (see _predict_batches)
        model.release_caches()
    logs = logs_of(total / seen + penalty, metrics)
    for cb in callbacks:
        cb.on_test_end(dict(logs))
    return logs


__all__ = ["array_params", "array_steps", "evaluate_arrays", "evaluate_stream", "predict_arrays", "predict_stream",
           "stream_params"]
