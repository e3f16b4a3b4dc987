"""The training loop: epochs, mini-batches, validation, callbacks (SPEC A7).

Kept apart from the math (layers, losses, optimizers) and from the front ends
(Keras-style model, scikit-learn estimators, CLI), which all call :func:`fit`.

One step on a mini-batch ``(X_b, Y_b)``:

1. forward pass ``A = a^(L)`` in training mode;
2. loss ``J`` (checked: NaN/inf stops training before any update);
3. backward pass fills the flat gradient vector (down to the first layer trained);
4. the optimizer updates the flat parameter vector in place.

A frozen model (nothing to train) makes steps 1 and 2 only, as Keras 3.

No per-sample Python loop: a batch is one matrix per layer. Shuffled batches
are gathered with ``np.take`` into a reused buffer; unshuffled batches are views.

Here: :func:`fit` (the epochs, callbacks and validation), :func:`train_on_batch`,
:func:`train_step` and the preparation of a fit (the optimizer handed the model's
settings, the warnings about a loss its outputs do not suit). Around them, one module per
concept: :mod:`~glassnet.models.epochs` (the batches of each epoch, the validation data,
class weights), :mod:`~glassnet.models.updates` (the optimizer bound to the flat weights,
a step's update), :mod:`~glassnet.models.divergence` (a NaN or inf loss: the weights
restored, the warning) and :mod:`~glassnet.models.inference` (the evaluate and predict
loops, and the logs).
"""

import contextlib
import math
import warnings

import numpy as np

from .. import backend, kernels, losses, metrics, threads
from .._validation import check_non_negative_int, check_positive_int, refuse_all_zero
from ..layers._building import draw_rng
from ..optimizers.base import zero_epsilon_note
from . import callbacks as callbacks_module, streams
from .divergence import (
    CLASSIFICATION_LOSSES, REGRESSION_LOSSES, DivergenceWarning, _all_finite, _input_scale_note,
    _refuse_non_finite_penalty, _restore, _RiseWatch, _snapshot, _stop_diverged, user_stacklevel,
)
from .data_checks import softmax_on_one_unit
from .epochs import _ArrayEpochs, _class_weights, _split_validation, _stream_source
from .inference import _update_metrics, check_verbose, logs_of
from .updates import (
    _finalize_average, _multi_optimizer, adopt_loop_state, apply_update, build_optimizer, check_optimizer_owner,
    check_optimizer_size, constrained_parts, frozen_buffers, set_optimizer_owner, trained_layers, trained_span,
)


def follow_global_seed(model):
    """Draw the generators of a model made without a seed (its shuffling, its noise layers' masks:
    those without a seed of their own) from the global one again where ``set_random_seed`` ran since
    they were drawn: Keras's habit, the seed set just before ``fit``, gave another order and other
    dropout masks each run (they were drawn when the model and its layers were made). A model given
    ``seed=`` keeps its own, and so do the layers of a seeded model nested in this one and built alone
    (``Sequential([Input(...), ...], seed=3)``: its seed drew them); seeded before the model was made,
    nothing changes."""
    from .nesting import nested_spans
    from .sequential import Sequential

    def redraw(holder, follows):
        """Draw again the layers of ``holder`` whose generators came from the global one (``follows``:
        ``holder``'s own did); a nested model built alone drew its own layers', from its seed or not."""
        end = 0
        for nested, start, stop in nested_spans(holder):
            for layer in holder._layers[end:start] if follows else ():
                draw_rng(layer)
            alone = getattr(nested, "_built_alone", True)
            redraw(nested, nested.seed is None if alone else follows)
            end = stop
        for layer in holder._layers[end:] if follows else ():
            draw_rng(layer)

    if model.seed is None and getattr(model, "_rng_seedings", None) != backend.seedings():
        model.rng = backend.make_rng()
        redraw(model, True)
        for item in model.__dict__.get("_deferred", ()):  # (waiting for the input shape: this model builds them)
            for layer in item.layers if isinstance(item, Sequential) else [item]:
                draw_rng(layer)
        model._rng_seedings = backend.seedings()


def refuse_both_weightings(what, class_weight, sample_weight):
    """Keras's refusal of ``class_weight`` and ``sample_weight`` together, in ``what`` (fit, train_on_batch)."""
    if class_weight is not None and sample_weight is not None:
        raise ValueError(f"{what}() takes class_weight or sample_weight, not both (as Keras).")


def fit(model, x, y, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
        validation_data=None, shuffle=True, initial_epoch=0, sample_weight=None, class_weight=None,
        validation_batch_size=None, validation_freq=1, steps_per_epoch=None, validation_steps=None):
    """Train ``model`` (see :meth:`Sequential.fit`)."""
    epochs = check_non_negative_int(epochs, "epochs")  # 0: nothing to train, an empty History (as Keras)
    if steps_per_epoch is not None:
        steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
    validation_epochs = None
    if isinstance(validation_freq, (list, tuple, set, range)):  # Keras: the (1-based) epochs to validate after
        validation_epochs = {check_positive_int(e, "validation_freq entries") for e in validation_freq}
        validation_freq = 1
    validation_freq = check_positive_int(validation_freq, "validation_freq")
    if validation_batch_size is not None:
        validation_batch_size = check_positive_int(validation_batch_size, "validation_batch_size")
    initial_epoch = check_non_negative_int(initial_epoch, "initial_epoch")
    verbose = check_verbose(verbose)
    if isinstance(shuffle, str):
        if shuffle != "batch":
            raise ValueError(f"shuffle must be True, False or 'batch'. Received: shuffle={shuffle!r:.100}")
    elif not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle must be True, False or 'batch'. Received: shuffle={shuffle!r:.100}")
    refuse_both_weightings("fit", class_weight, sample_weight)
    cbs = callbacks_module.check_callbacks(callbacks)  # checked before a stream's first batch is loaded

    def due(epoch):  # as Keras: validation after epochs n, 2n, ... (or the listed ones)
        return epoch + 1 in validation_epochs if validation_epochs is not None else (epoch + 1) % validation_freq == 0

    validations = sum(map(due, range(initial_epoch, epochs)))
    if (validation_batch_size is not None and validation_data is not None
            and streams.is_stream(validation_data, "validation_data")):  # Keras ignores it silently
        warnings.warn("validation_batch_size is ignored: validation_data gives its own batches.", UserWarning,
                      stacklevel=user_stacklevel())
    follow_global_seed(model)
    if streams.is_stream(x):
        source, val = _stream_source(model, x, y, sample_weight, class_weight, batch_size, shuffle, epochs,
                                     steps_per_epoch, validation_split, validation_data, validation_steps,
                                     validations, validation_batch_size)
    else:
        given = batch_size is not None  # (validation_steps without a batch size: Keras's k batches of all the rows)
        batch_size = 32 if batch_size is None else check_positive_int(batch_size, "batch_size")
        X, Y, w = model._prepare_xy(x, y, sample_weight)
        _warn_if_accuracy_misreads(model, Y)
        _warn_if_inputs_are_unscaled(model, X)
        X, Y, w, val = _split_validation(model, X, Y, w, validation_split, validation_data, validation_steps,
                                         validations, validation_batch_size or (batch_size if given else None))
        if class_weight is not None:  # the training part only: validation losses stay unweighted, as Keras
            w = _class_weights(model, Y, class_weight)
        refuse_all_zero(w, "class_weight" if class_weight is not None else "sample_weight",
                        "fit would train on nothing" + (" (the samples before validation_split's cut)"
                                                        if val is not None and validation_data is None else ""))
        X, Y, w = backend.to_namespace(X, Y, w)  # to the namespace (and device) once, not per batch
        source = _ArrayEpochs(model, X, Y, w, batch_size, shuffle, steps_per_epoch)
    try:
        _prepare_training(model)
    except BaseException:
        source.close()  # a PyDataset's loading threads, started by the peek at its first batch
        raise
    full_batch = _full_batch(model.optimizer)  # (after the build: a MultiOptimizer's callable has chosen)
    if full_batch is not None and isinstance(source, _ArrayEpochs) and source.passes > 1:  # fit's 32-row default
        warnings.warn(f"{type(full_batch).__name__} is a full-batch method, but fit's batches hold "
                      f"{source.batch_size} of the {source.n} samples: a batch's gradient flips its signs by noise, "
                      f"which shrinks every step size. Pass batch_size={source.n} (all the training samples).",
                      UserWarning, stacklevel=user_stacklevel())
    # the flags _prepare_training read, which a callback may change (without one, nothing looks: 4 % of an epoch of
    # a full-batch XOR fit's epoch, 1.3 µs)
    freezing = _FreezeWatch(model) if cbs else None

    history = callbacks_module.History()
    # as Keras: a History (or a subclass) among the callbacks is the one filled and returned, and a
    # ProgressBar among them replaces the default one (both printed every line before)
    history = next((cb for cb in cbs if isinstance(cb, callbacks_module.History)), history)
    if verbose and not any(isinstance(cb, callbacks_module.ProgressBar) for cb in cbs):
        cbs.append(callbacks_module.ProgressBar(verbose=verbose))
    if history not in cbs:
        cbs.append(history)
    params = {"epochs": epochs, "steps": source.steps, "verbose": verbose, "batch_size": source.batch_size,
              "do_validation": val is not None}
    for cb in cbs:
        cb.set_model(model)
        cb.set_params(params)

    model.stop_training = False
    model.stop_reason = None
    model._diverged = False
    model._restored_epoch = None
    model.history = history
    start_iterations = model.optimizer._iterations  # steps, accumulated ones too
    try:
        model._initial_epoch = None  # a callback may move the start (BackupAndRestore, as Keras)
        for cb in cbs:
            cb.on_train_begin({})
        # after on_train_begin, which may set a hook on a callback (as Keras, which looks hooks up at each call)
        batch_begin = [cb for cb in cbs if callbacks_module.overrides(cb, "on_train_batch_begin")]
        batch_end = [cb for cb in cbs if callbacks_module.overrides(cb, "on_train_batch_end")]
        test_cbs = [cb for cb in cbs if any(callbacks_module.overrides(cb, hook) for hook in _TEST_HOOKS)]
        start_iterations = model.optimizer._iterations  # after BackupAndRestore may have rewound it
        if model._initial_epoch is not None:
            initial_epoch, model._initial_epoch = model._initial_epoch, None
            source.restart()  # the random generator was restored: a shuffled order drawn before is not the one
        logs, snapshot, first = {}, None, None
        # where layers keep moving statistics (batch normalization), an epoch start whose training-mode loss
        # was finite may still give evaluate inf (statistics of 1e120 behind weights grown far past them):
        # fit's start is kept too, the last resort of _stop_diverged (one more copy, no computation)
        keeps_first = any(layer.state for layer in model._layers)
        # a small network's steps on one BLAS thread (glassnet.threads): the batches of each epoch, not the
        # validation or the epoch's callbacks, whose products (1,024-row chunks, a user's own) are BLAS's to share;
        # None where BLAS keeps its own count (no block to open and close at each epoch)
        steps_threads = threads.step_threads(model._layers, source.step_rows)
        steps_threads = contextlib.nullcontext() if steps_threads is None else threads.limited(steps_threads)
        # a finite loss that rose far above its start and stays there (a learning rate too large) warns once
        rise = _RiseWatch(model, source) if _RiseWatch.watches(model) else None
        # the compiled metrics count from the first batch on: a fit stopped in its first epoch (Ctrl-C, a
        # callback's error) leaves get_metrics_result() their partial figures, as Keras's
        model._metrics_counted = model.metrics
        with backend.quiet_floats():
            for epoch in range(initial_epoch, epochs):
                for cb in cbs:
                    cb.on_epoch_begin(epoch, {})
                if freezing is not None:  # (a layer frozen or unfrozen since: trained so from this epoch's first step)
                    freezing.follow()
                for m in model.metrics:
                    m.reset_state()
                # Two epoch starts are kept: this one's weights were made by the last update, whose loss
                # nobody computed; the previous one's gave its epoch's first batch a finite loss.
                previous, snapshot = snapshot, None  # (the older copy freed first: two at most)
                snapshot = _snapshot(model)
                if first is None and keeps_first:
                    first = (epoch, snapshot)
                # (the three starts passed as a new tuple each time: one kept in a local held the older copy
                # alive into the next epoch, three at once)
                start_rows = rise.start_rows if rise is not None and rise.start is None else 0
                with steps_threads:
                    loss_sum, seen, step, batch, start = _train_epoch(model, source, epoch, batch_begin, batch_end,
                                                                      (snapshot, previous, first), start_rows)
                if freezing is not None:
                    freezing.follow(epoch)
                if seen == 0 or model._diverged:
                    # a divergence undid the epoch (the weights are its start's again): no epoch end, no
                    # History entry, as for an epoch whose last update overflowed (its running loss belongs
                    # to steps that no longer stand: 6e26 logged where evaluate read 5e4)
                    break
                source.end_epoch()
                # (a callback that stopped training at this batch does not vouch for its update)
                if not model._diverged and not _finite_weights(model._flat_params):
                    # the epoch's last update overflowed
                    _stop_diverged(model, epoch, step, (snapshot, previous, first), batch)
                    break
                logs = logs_of(loss_sum / seen, model.metrics)
                if rise is not None:
                    rise.epoch_end(epoch, loss_sum / seen, seen, start, batch)
                model._epoch_validated = False
                if val is not None and due(epoch):
                    # as Keras, the validation batches are fit's unless validation_batch_size says otherwise: the
                    # test-batch hooks see those, and so does a loss whose value depends on the batches ("sum");
                    # else 1024-row chunks (the same figures, faster). A stream's batches have no set size: validation
                    # arrays are then read in Keras's 32 rows, as evaluate reads them. The batch_size given, not the
                    # training batches' (at most the training rows): Keras validates 20 rows in one batch of 32 after
                    # training on 8
                    chunk = validation_batch_size or (
                        batch_size or 32 if test_cbs or model._depends_on_batching() else None)
                    logs.update({f"val_{k}": v for k, v in val(chunk, test_cbs).items()})
                    # said to the monitoring callbacks, which skip an epoch not validated: the logs cannot
                    # say it, a callback may log val_* values of its own at every epoch
                    model._epoch_validated = True
                    logs = dict(sorted(logs.items()))  # Keras sorts the epoch's logs whole: 'zmae' after 'val_loss'
                for cb in cbs:
                    cb.on_epoch_end(epoch, logs)
                if model.stop_training:
                    break
    except BaseException:
        for cb in cbs:  # Ctrl-C or an error: close the progress bar's line and the CSV file
            cb._release()
        _finalize_average(model, start_iterations)
        raise
    finally:
        model._epoch_validated = None  # (hooks called by hand after fit go by their logs again)
        source.close()  # a PyDataset's loading threads end with fit
        # the layers keep the last batch's activations (to be read after fit, as the lectures' worked
        # example reads them), but a view of the last batch kept the whole converted copy of a float64 x
        # alive (8 MB of 20,000 x 100 float32 after fit, 188 MB of MNIST's)
        model._own_caches()
    _finalize_average(model, start_iterations)  # before on_train_end, as Keras (EarlyStopping's best weights come after)
    if logs:  # for get_metrics_result: the last epoch's figures (its validation's, where it was validated)
        model._keep_metrics_result(logs, validation=True)
    for cb in cbs:
        cb.on_train_end(logs)  # the last epoch's logs, as Keras
    history.stopped_reason = model.stop_reason
    return history


def _finite_weights(w):
    """Whether the flat weights ``w`` are all finite, as :func:`_all_finite` says: fit's check after
    each epoch's last update, inside its ``quiet_floats`` block (where an overflow of the product below
    warns nowhere). A NumPy float vector's ``w·w`` is finite only where every entry is (a NaN or inf
    entry makes the sum NaN or inf, and squares cancel nothing): one product, where ``isfinite(w).all()``
    took 3 % of a 2-2-1 network's epoch. Where ``w·w`` is not finite (finite weights whose squares
    overflow too), the entries themselves are checked."""
    if type(w) is np.ndarray and w.ndim == 1 and w.dtype.kind == "f" and math.isfinite(w.dot(w)):
        return True
    return _all_finite(w)


def _train_epoch(model, source, epoch, batch_begin, batch_end, snapshots, start_rows=0):
    """The training steps of one epoch, with the batch hooks ``batch_begin`` and ``batch_end``;
    returns the loss summed over its rows, their number, the last step's index (-1: none), its
    batch ``(Xb, Yb, wb)`` and, where ``start_rows`` > 0, ``(mean loss, rows)`` over its first
    ``start_rows`` rows or more (whole batches; None where it holds fewer), :class:`_RiseWatch`'s start. A non-finite
    loss stops training with :func:`_stop_diverged` (``snapshots``: this epoch's start, the previous
    one's, fit's)."""
    loss_sum, seen, step, batch, start = 0.0, 0, -1, None, None
    for step, batch in enumerate(source.epoch(epoch)):
        Xb, Yb, wb = batch
        for cb in batch_begin:
            cb.on_train_batch_begin(step, {})
        loss = train_step(model, Xb, Yb, wb)
        if not math.isfinite(loss):
            if step == 0 and snapshots[1] is None:  # fit's own weights: no learning rate made this
                _refuse_non_finite_penalty(model)
            # at the first batch, the loss just computed is that of the epoch's start weights
            _stop_diverged(model, epoch, step, snapshots, batch, start_failed=True if step == 0 else None)
            for cb in batch_end:  # as Keras, the batch's logs show the loss (TerminateOnNaN reads it)
                cb.on_train_batch_end(step, {"loss": loss})
            break
        rows = Xb.shape[0]
        loss_sum += loss * rows
        seen += rows
        if start_rows and seen >= start_rows:  # (0 after fit's first rows: one test of an int, ~15 ns a step)
            start, start_rows = (loss_sum / seen, seen), 0
        if batch_end:  # the running loss and metrics, as Keras
            batch_logs = logs_of(loss_sum / seen, model.metrics)
            for cb in batch_end:
                cb.on_train_batch_end(step, batch_logs)
        if model.stop_training:
            break
    return loss_sum, seen, step, batch, start


_TEST_HOOKS = ("on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end")
BINARY_LOSSES = (losses.BinaryCrossentropy,)  # (binary focal too: a subclass)


def _warn_if_outputs_are_not_probabilities(model):
    """Cross-entropy on a linear (or ReLU, tanh) output clips the outputs to [ε, 1 − ε]
    and trains on a zero gradient wherever they fall outside: the loss sticks near
    −log ε = 16.1. Keras trains on silently; this says why and what to change."""
    from .. import activations, losses

    loss = model.loss
    activation = getattr(model.layers[-1], "activation", None)
    one_unit = softmax_on_one_unit(model)
    if one_unit:  # whatever the loss (Keras warns at each batch; glassnet said nothing)
        warnings.warn(one_unit, UserWarning, stacklevel=user_stacklevel())
        return
    if getattr(loss, "from_logits", False) and isinstance(activation, (activations.Softmax, activations.Sigmoid)):
        _warn_if_probabilities_taken_for_logits(loss, activation)
        return
    if type(loss) not in (losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy,
                          losses.BinaryCrossentropy, losses.BinaryFocalCrossentropy,
                          losses.CategoricalFocalCrossentropy) or loss.from_logits:
        return
    if isinstance(activation, activations.Softmax) and not isinstance(loss, losses.BinaryCrossentropy):
        _warn_if_softmax_is_along_another_axis(model, activation, loss)
    shape = getattr(model.layers[-1], "output_shape", None) or (0,)
    if (isinstance(activation, activations.Sigmoid) and isinstance(loss, losses.CategoricalCrossentropy)
            and loss.axis == -1 and isinstance(units := shape[-1], int) and units > 1):
        # Keras trains on silently too: the loss divides each row by its sum, so training goes on, but
        # predict's rows are independent sigmoids, which are not the classes' probabilities
        warnings.warn(
            f"The output layer applies a sigmoid to each of its {units} units on its own, so a row of outputs does "
            f"not sum to 1: loss {loss.name!r} divides each row by its sum before its log, but predict returns the "
            "rows as they are, not the classes' probabilities. For one class per sample give the last layer "
            "activation='softmax'; for several labels per sample use loss='binary_crossentropy' (a 0/1 target "
            "per unit).", UserWarning, stacklevel=user_stacklevel())
        return
    if activation is None or isinstance(activation, (activations.Softmax, activations.Sigmoid)):
        return
    binary = isinstance(loss, losses.BinaryCrossentropy)
    wanted = "'sigmoid'" if binary else "'softmax'"
    shown = getattr(activation, "name", type(activation).__name__)
    low, high = getattr(activation, "output_range", (-np.inf, np.inf))
    if binary and 0 <= low and high <= 1 or not binary and isinstance(activation, activations.Sparsemax):
        # probabilities (hard_sigmoid, sparse_sigmoid; sparsemax's rows): it said they were none
        ends, stuck = (("exactly 0 and 1, where its slope is 0", "an output stuck at the wrong end") if binary
                       else ("exact zeros", "a row whose class gets probability 0"))
        problem = (f"The output layer's activation {shown!r} gives probabilities that reach {ends}, which loss "
                   f"{loss.name!r} clips for its log: {stuck} learns nothing. Give the last layer "
                   f"activation={wanted}")
    else:
        problem = (f"The output layer's activation is {shown!r}, but loss {loss.name!r} expects probabilities: "
                   f"give the last layer activation={wanted}")
    warnings.warn(
        f"{problem}, or compile with "
        f"loss=glassnet.losses.{type(loss).__name__}(from_logits=True) to train on the raw outputs.",
        UserWarning, stacklevel=user_stacklevel(),
    )


def _warn_if_probabilities_taken_for_logits(loss, activation):
    """A loss given ``from_logits=True`` applies its own sigmoid or softmax: on outputs that already
    went through one, it trains on ``softmax(softmax(z))``, squeezed into a narrow band whose
    gradients are small, and the model's outputs are not the probabilities the loss reads. Keras 3
    says nothing (Keras 2 warned)."""
    own = "a sigmoid" if isinstance(loss, BINARY_LOSSES) else "a softmax"
    shown = getattr(activation, "name", type(activation).__name__)
    warnings.warn(
        f"Loss {loss.name!r} was given from_logits=True, so it applies {own} to the outputs itself, but the output "
        f"layer already applies {shown!r}: it trains on probabilities of probabilities. Give the last layer no "
        "activation (activation=None) to train on the raw outputs, or drop from_logits=True.",
        UserWarning, stacklevel=user_stacklevel())


def _warn_if_accuracy_misreads(model, Y=None):
    """Keras's ``Accuracy()`` counts outputs exactly equal to their targets: on probabilities (a
    classification loss) it reads 0 every epoch, the classic "my accuracy is 0" (Keras logs 0 too).
    Given fit's targets ``Y``: an exact-equality accuracy (``Accuracy``, or ``BinaryAccuracy``, which
    ``'accuracy'`` is on one output) with a regression loss on real-valued targets reads 0 just the same."""
    loss = model.loss
    for metric in model.metrics:
        if Y is None and type(metric) is metrics.Accuracy and isinstance(loss, CLASSIFICATION_LOSSES):
            fits = ("SparseCategoricalAccuracy()" if isinstance(loss, losses.SparseCategoricalCrossentropy) else
                    "BinaryAccuracy()" if isinstance(loss, BINARY_LOSSES) else "CategoricalAccuracy()")
            warnings.warn(
                f"Metric {metric.name!r} is Accuracy(), which counts outputs exactly equal to their targets; with "
                f"loss {loss.name!r} the model outputs probabilities, so it reads 0. Use metrics=['accuracy'] "
                f"(chosen for the loss) or metrics=[glassnet.metrics.{fits}].", UserWarning,
                stacklevel=user_stacklevel())
        elif (Y is not None and type(metric) in (metrics.Accuracy, metrics.BinaryAccuracy)
              and isinstance(loss, REGRESSION_LOSSES) and Y.size and not np.array_equal(Y, np.round(Y))):
            warnings.warn(
                f"Metric {metric.name!r} ({type(metric).__name__}) with loss {loss.name!r} counts outputs exactly "
                "equal to the targets" + (" (after the threshold 0.5)" if type(metric) is metrics.BinaryAccuracy
                                          else "") + "; these targets are real-valued, so it reads about 0. For a "
                "regression use metrics=['mae'], 'root_mean_squared_error' or 'r2_score'.", UserWarning,
                stacklevel=user_stacklevel())


def _warn_if_inputs_are_unscaled(model, X):
    """uint8 images (0..255) fed to a Dense layer as they are: sigmoid and tanh units saturate and
    training crawls (genuine MNIST, 3 epochs: 0.81 test accuracy raw, 0.87 scaled, with sigmoid units).
    Only where the first layer that does more than reshape is a Dense: not after a Rescaling or a
    Normalization, nor for integer ids into an Embedding or a CategoryEncoding; Keras says nothing."""
    from ..layers import Dense

    if X.dtype != np.uint8 or not X.size:
        return
    first = next((layer for layer in model._layers if type(layer).__name__ not in _SHAPE_ONLY), None)
    if not isinstance(first, Dense):
        return
    high = int(X[:1024].max())  # (the first rows say it: a memory-mapped file is not read whole for this)
    if high > 1:
        warnings.warn(
            f"x holds uint8 values up to {high} and goes into Dense layer {first.name!r} unscaled (no Rescaling "
            "or Normalization layer before it): large inputs saturate its units and slow training. Scale them "
            "first, x / 255, or begin the model with layers.Rescaling(1 / 255).", UserWarning,
            stacklevel=user_stacklevel())


#: layers that only move or drop an input's values: the first layer after them sees its scale
_SHAPE_ONLY = ("InputLayer", "Flatten", "Reshape", "Permute", "Dropout")


def _warn_if_softmax_is_along_another_axis(model, activation, loss):
    """A softmax along another axis than the last of the outputs (``Softmax(axis=1)`` on 3-D
    outputs) gives distributions that the cross-entropy, which sums along the last axis, does
    not read as such: it trains (correctly, on those numbers), but the pairing is almost surely
    a mistake, and Keras says nothing."""
    shape = getattr(model.layers[-1], "output_shape", None)
    axes = None if shape is None else activation.other_axes(len(shape) + 1)
    if axes is not None:
        warnings.warn(
            f"The output layer's softmax normalises along axis {', '.join(map(str, axes))} of its "
            f"{len(shape) + 1}-D outputs, but loss {loss.name!r} sums along the last axis ({len(shape)}): its rows "
            "are not distributions. Give the softmax axis=-1 (and targets with the classes last), or pick a loss "
            "meant for those outputs.", UserWarning, stacklevel=user_stacklevel())


def _warn_if_gradient_stops(model):
    """A piecewise-constant activation (step, sign, argmax) has derivative 0: no gradient
    passes it, so no layer up to it learns by backpropagation, silently (Keras trains on
    just the same). This names the layers and what to use instead."""
    for index, layer in enumerate(model.layers):
        activation = getattr(layer, "activation", None)
        if not getattr(activation, "piecewise_constant", False):
            continue
        stuck = [other.name for other in model.layers[:index + 1] if model._trains(other) and other.params]
        if stuck:
            shown = getattr(activation, "name", type(activation).__name__)
            warnings.warn(
                f"Layer {layer.name!r} has activation {shown!r}, whose derivative is 0: backpropagation passes no "
                f"gradient through it, so {', '.join(map(repr, stuck))} will not learn. Use a smooth activation "
                "('sigmoid', 'tanh'), or train threshold units with the perceptron rule "
                "(glassnet.classic.Perceptron).", UserWarning, stacklevel=user_stacklevel())
            return


def _full_batch(optimizer):
    """The full-batch method (Rprop) that ``optimizer`` is or wraps (a LossScaleOptimizer's inner one, one of
    a MultiOptimizer's), else None."""
    if getattr(optimizer, "full_batch", False):
        return optimizer
    inner = [getattr(optimizer, "inner_optimizer", None), *(getattr(optimizer, "optimizers", None) or ())]
    return next((found for found in map(_full_batch, filter(None, inner)) if found is not None), None)


def _prepare_training(model):
    """Pass the model's jit_compile to its optimizer and layers (the compiled loops
    are numba's, on NumPy arrays only); build the optimizer's state."""
    _warn_if_outputs_are_not_probabilities(model)
    _warn_if_accuracy_misreads(model)
    _warn_if_gradient_stops(model)
    losses._check_reduces(model.loss)  # compile checked it; the loss's reduction may have been set since
    optimizer = model.optimizer
    check_optimizer_owner(model)
    adopt_loop_state(model)
    check_optimizer_size(model)
    set_optimizer_owner(model)
    jit = model.jit_compile and backend.is_numpy()
    if model.jit_compile and not jit and not getattr(model, "_warned_jit_namespace", False):
        model._warned_jit_namespace = True  # once per model, as Keras warns when it turns jit_compile off
        warnings.warn(f"jit_compile=True compiles NumPy loops; this model's arrays are {backend.namespace_name()}'s, "
                      "so it trains without them.", UserWarning, stacklevel=user_stacklevel())
    if jit:
        kernels.require()  # before a step: an import error must not leave a half-applied update
    optimizer.jit_compile = jit
    for layer in model.layers:
        layer.jit_compile = jit
    if not optimizer.built:
        build_optimizer(model)
    _set_trained_layers(model)


def _set_trained_layers(model):
    """What a training step of ``model`` trains, from its layers' ``trainable`` flags (and its own): set before
    each fit and train_on_batch, and again where a callback changed a flag during fit (:class:`_FreezeWatch`)."""
    optimizer = model.optimizer
    # Frozen layers (trainable=False): their gradient is zero (so that clipping by the global
    # norm sees the trainable weights only, as Keras) and their weights and optimizer state
    # (momentum, Adam's m and v), as they are before each update, are put back after it: weight
    # decay and momentum would move the weights, and the state would decay, which Keras and
    # PyTorch never do to a variable they do not train (it shows once the layer is unfrozen).
    # (The weights' moving average, use_ema, is not put back: it follows the restored weights.)
    # A frozen model (model.trainable = False, or every layer with weights frozen) has nothing to
    # step: as Keras 3, each step is the forward pass, the loss and the metrics, without the backward
    # pass or the optimizer (whose iterations stay where they are, as Keras's), and so without these
    # buffers either. It made every step and put the weights back: the same figures, in about four
    # times the time.
    trained = trained_layers(model)
    model._trains_nothing = not trained
    # A frozen base under a trained head (or any frozen layers outside one run of trained ones): the
    # optimizer steps that run of the flat vector alone, and the frozen layers need no buffers. It
    # stepped every weight and put the frozen ones back (half of a fine-tuning step).
    model._trained_span = trained_span(model, trained)
    if (multi := _multi_optimizer(optimizer)) is not None:  # it keeps frozen variables out of its sub-optimizers' steps
        multi._frozen_slices = model._frozen_parts()
        model._trained_span = None
    model._frozen = frozen_buffers(model, model._flat_params) if trained and model._trained_span is None else []
    model._constraints = constrained_parts(model)
    # and the backward pass stops at the first layer it trains: a frozen base (fine-tuning a head) had
    # the gradients of all its weights computed at every step, then zeroed (a third of such a step)
    model._first_trained = trained[0] if trained else None


def _trainable_flags(model):
    """The flags that decide which weights a step trains: the model's own and each layer's."""
    return (model._trainable, *[layer.trainable for layer in model._layers])


class _FreezeWatch:
    """fit's look at the ``trainable`` flags, which a callback may change (gradual unfreezing, fine-tuning): at each
    epoch's start, after ``on_epoch_begin`` (a change made since, in ``on_epoch_end`` too, trains from the epoch's
    first batch, as Keras on PyTorch and PyTorch's ``requires_grad_`` act at the next step), and at the end of its
    batches (a change made in a batch hook trained the layer as before to the epoch's end: said once per fit).
    It was ignored until the next fit, silently."""

    def __init__(self, model):
        self.model, self.flags, self.warned = model, _trainable_flags(model), False

    def follow(self, epoch=None):
        """Train by the flags as they are now; ``epoch``: the one whose batch hooks may have changed them."""
        flags = _trainable_flags(self.model)
        if flags == self.flags:
            return
        changed = [name for name, old, new in zip(["the model", *(f"layer {layer.name!r}" for layer in self.model._layers)],
                                                   self.flags, flags) if old != new]
        self.flags = flags
        _set_trained_layers(self.model)
        if epoch is not None and not self.warned:
            self.warned = True
            warnings.warn(
                f"A callback changed the trainable flag of {', '.join(changed)} during the batches of epoch {epoch + 1} "
                f"(in on_train_batch_begin or on_train_batch_end): fit applies it at the end of the epoch, so epoch "
                f"{epoch + 1} trained as before to its end. Change trainable in on_epoch_end or on_epoch_begin to "
                "apply it from the next epoch's first batch.", UserWarning, stacklevel=user_stacklevel())


def train_on_batch(model, x, y, sample_weight=None):
    """One step on ``(x, y)`` (see :meth:`Sequential.train_on_batch`); returns the batch's logs.

    A non-finite loss, or an update that leaves non-finite weights, keeps the
    weights from before the call and warns (:class:`DivergenceWarning`). The copy
    of the weights and optimizer state this takes is cheap next to the step (for
    784-512-512-10 with Adam, batch 128: 0.25 ms, and 0.08 ms for the check, of a
    7-8 ms call), so it is taken at every call; a frozen model, whose step
    changes neither, takes none."""
    X, Y, w = model._prepare_xy(x, y, sample_weight, what="train_on_batch")
    _prepare_training(model)
    for m in model.metrics:
        m.reset_state()
    X, Y, w = backend.to_namespace(X, Y, w)
    # (a frozen model's step changes no weight and no optimizer state: nothing to keep)
    snapshot = None if model._trains_nothing else _snapshot(model)
    with backend.quiet_floats():
        loss = train_step(model, X, Y, w)
    if not math.isfinite(loss) or (snapshot is not None and not _all_finite(model._flat_params)):
        if snapshot is not None:
            _restore(model, snapshot)
        lr = model.optimizer.learning_rate
        # a non-finite loss is that of the weights the call met (no step was taken): keeping them keeps it
        met = (" They already give this batch a non-finite loss, so evaluate and predict will too."
               if not math.isfinite(loss) else "")
        warnings.warn(f"train_on_batch: the loss or its gradient became NaN or infinite; the weights and the optimizer "
                      f"were left as they were.{met} Try a lower learning rate (currently {lr:g})."
                      f"{_input_scale_note(X, 'x', model)}{zero_epsilon_note(model.optimizer)}", DivergenceWarning,
                      stacklevel=user_stacklevel())
        loss = math.nan
    return logs_of(loss, model.metrics)


def train_step(model, Xb, Yb, wb=None):
    """One optimizer step on a batch; returns the batch loss. When it is not finite
    (NaN or inf), the weights are left untouched.

    A step whose finite loss still yields non-finite weights (an overflowing
    gradient or update) shows as a non-finite loss at the next step, or in
    :func:`fit`'s end-of-epoch check; either way :func:`_stop_diverged`
    restores the weights. Checking the gradient vector at every step instead
    cost 3 % of a small network's step.
    """
    # one step at a time, and none while another thread's inference pass reads the layers' caches
    # (predict between two steps sees the weights of one of them): threads.ModelLock's exclusive section,
    # written out (an RLock's with, no Python call: fit's steps are counted in calls)
    lock = model._thread_lock or threads.model_lock(model)
    with lock._write:
        if lock._readers:
            lock.wait_for_readers()
        model._claim_if_rebound()
        A = model.forward(Xb, training=True)
        if model._forward_overridden:
            refuse_changed_output(model, A)
        loss = model.compute_loss(y=Yb, y_pred=A, sample_weight=wb)
        if not math.isfinite(loss):
            return loss
        if not model._trains_nothing:
            # (a LossScaleOptimizer's scale; None for the others, whose step is unchanged)
            model.backward(Yb, A, wb, down_to=model._first_trained, loss_scale=model.optimizer._loss_scale)
        if model.metrics:
            if not backend.is_numpy():  # metrics count on the host, in NumPy
                Yb, A, wb = backend.to_numpy(Yb), backend.to_numpy(A), None if wb is None else backend.to_numpy(wb)
            _update_metrics(model, model.metrics, Yb, A, wb)
        if not model._trains_nothing:
            apply_update(model, model._flat_params, model._flat_grads, model._frozen, model._constraints,
                         model._trained_span)
        return loss


def refuse_changed_output(model, A):
    """Refuse the output ``A`` of a user's ``forward`` override that is not the last layer's own output (nor a view
    of it): the step backpropagates through the layers' backward passes, so the gradients would be those of another
    function (``10 * super().forward(X, training)``). Layers that keep no output (``A``), other dtypes, and a copy
    (equal values: ``super().forward(...).copy()``) pass."""
    kept = model._layers[-1].__dict__.get("A") if model._layers else None
    if (A is kept or not isinstance(A, np.ndarray) or not isinstance(kept, np.ndarray) or A.dtype != kept.dtype
            or np.may_share_memory(A, kept) or np.array_equal(A, kept, equal_nan=True)):
        return
    raise TypeError(f"{type(model).__name__}.forward returns another array than its last layer's output, but fit "
                    "backpropagates through the layers' own backward passes: it would train on the gradients of "
                    "another function. forward may only choose the mode or the pins and return "
                    "super().forward(X, training, ...); compute the rest in a layer: Rescaling (a scale and offset), "
                    "Activation(f) with f.derivative, or a custom Layer with forward and backward (docs/api.md).")


__all__ = ["fit", "train_step", "train_on_batch"]
