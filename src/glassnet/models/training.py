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
"""

import math
import warnings
import weakref

import numpy as np

from .. import backend, constraints, kernels, losses, optimizers
from .._validation import check_non_negative_int, check_positive_int, refuse_all_zero
from ..layers import Layer
from . import callbacks as callbacks_module, streams
from .divergence import (
    DivergenceWarning, _all_finite, _input_scale_note, _refuse_non_finite_penalty, _restore, _snapshot, _stop_diverged,
)
from .epochs import _ArrayEpochs, _class_weights, _split_validation, _stream_source
from .inference import _update_metrics, check_verbose, logs_of
from .nesting import nested_items


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
    if class_weight is not None and sample_weight is not None:
        raise ValueError("fit() takes class_weight or sample_weight, not both (as Keras).")
    cbs = callbacks_module.check_callbacks(callbacks)  # checked before a stream's first batch is loaded

    def due(epoch):  # as Keras: validation after epochs n, 2n, ... (or the listed ones)
        return epoch + 1 in validation_epochs if validation_epochs is not None else (epoch + 1) % validation_freq == 0

    validations = sum(map(due, range(initial_epoch, epochs)))
    if (validation_batch_size is not None and validation_data is not None
            and streams.is_stream(validation_data, "validation_data")):  # Keras ignores it silently
        warnings.warn("validation_batch_size is ignored: validation_data gives its own batches.", UserWarning,
                      stacklevel=3)
    if streams.is_stream(x):
        source, val = _stream_source(model, x, y, sample_weight, class_weight, batch_size, shuffle, epochs,
                                     steps_per_epoch, validation_split, validation_data, validation_steps,
                                     validations)
    else:
        batch_size = 32 if batch_size is None else check_positive_int(batch_size, "batch_size")
        X, Y, w = model._prepare_xy(x, y, sample_weight)
        X, Y, w, val = _split_validation(model, X, Y, w, validation_split, validation_data, validation_steps,
                                         validations)
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
    batch_begin = [cb for cb in cbs if callbacks_module.overrides(cb, "on_train_batch_begin")]
    batch_end = [cb for cb in cbs if callbacks_module.overrides(cb, "on_train_batch_end")]
    test_cbs = [cb for cb in cbs if any(callbacks_module.overrides(cb, hook) for hook in _TEST_HOOKS)]

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
        start_iterations = model.optimizer._iterations  # after BackupAndRestore may have rewound it
        if model._initial_epoch is not None:
            initial_epoch, model._initial_epoch = model._initial_epoch, None
            source.restart()  # the random generator was restored: a shuffled order drawn before is not the one
        logs, snapshot, first = {}, None, None
        # where layers keep moving statistics (batch normalization), an epoch start whose training-mode loss
        # was finite may still give evaluate inf (statistics of 1e120 behind weights grown far past them):
        # fit's start is kept too, the last resort of _stop_diverged (one more copy, no computation)
        keeps_first = any(layer.state for layer in model._layers)
        with backend.quiet_floats():
            for epoch in range(initial_epoch, epochs):
                for cb in cbs:
                    cb.on_epoch_begin(epoch, {})
                for m in model.metrics:
                    m.reset_state()
                loss_sum, seen, step = 0.0, 0, -1
                # Two epoch starts are kept: this one's weights were made by the last update, whose loss
                # nobody computed; the previous one's gave its epoch's first batch a finite loss.
                previous, snapshot = snapshot, None  # (the older copy freed first: two at most)
                snapshot = _snapshot(model)
                if first is None and keeps_first:
                    first = (epoch, snapshot)
                for step, (Xb, Yb, wb) in enumerate(source.epoch(epoch)):
                    for cb in batch_begin:
                        cb.on_train_batch_begin(step, {})
                    loss = train_step(model, Xb, Yb, wb)
                    if not math.isfinite(loss):
                        if step == 0 and previous is None:  # fit's own weights: no learning rate made this
                            _refuse_non_finite_penalty(model)
                        # at the first batch, the loss just computed is that of the epoch's start weights
                        _stop_diverged(model, epoch, step, (snapshot, previous, first), (Xb, Yb, wb),
                                       start_failed=True if step == 0 else None)
                        for cb in batch_end:  # as Keras, the batch's logs show the loss (TerminateOnNaN reads it)
                            cb.on_train_batch_end(step, {"loss": loss})
                        break
                    rows = Xb.shape[0]
                    loss_sum += loss * rows
                    seen += rows
                    if batch_end:  # the running loss and metrics, as Keras
                        batch_logs = logs_of(loss_sum / seen, model.metrics)
                        for cb in batch_end:
                            cb.on_train_batch_end(step, batch_logs)
                    if model.stop_training:
                        break
                if seen == 0 or model._diverged:
                    # a divergence undid the epoch (the weights are its start's again): no epoch end, no
                    # History entry, as for an epoch whose last update overflowed (its running loss belongs
                    # to steps that no longer stand: 6e26 logged where evaluate read 5e4)
                    break
                source.end_epoch()
                # (a callback that stopped training at this batch does not vouch for its update)
                if not model._diverged and not _all_finite(model._flat_params):
                    # the epoch's last update overflowed
                    _stop_diverged(model, epoch, step, (snapshot, previous, first), (Xb, Yb, wb))
                    break
                logs = logs_of(loss_sum / seen, model.metrics)
                if val is not None and due(epoch):
                    # as Keras, the validation batches are fit's unless validation_batch_size says otherwise: the
                    # test-batch hooks see those, and so does a loss whose value depends on the batches ("sum");
                    # else 1024-row chunks (the same figures, faster). A stream's batches have no set size: validation
                    # arrays are then read in Keras's 32 rows, as evaluate reads them. The batch_size given, not the
                    # training batches' (at most the training rows): Keras validates 20 rows in one batch of 32 after
                    # training on 8
                    chunk = validation_batch_size or (
                        batch_size or 32 if test_cbs or model.loss._depends_on_batching() else None)
                    try:
                        logs.update({f"val_{k}": v for k, v in val(chunk, test_cbs).items()})
                    except streams.SpentStream:  # the epoch's training stays, as with training data that ran out
                        model.stop_training = True
                        model.stop_reason = "validation_data ran out of data"
                        warnings.warn(
                            f"validation_data ran out of data; interrupting training after epoch {epoch + 1}, whose "
                            f"logs have no val_ figures. It is read once and must give validation_steps × "
                            f"validations = {validation_steps} × {validations} batches: give one without end, or a "
                            "PyDataset or arrays, read anew at each validation.", UserWarning, stacklevel=3)
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
        source.close()  # a PyDataset's loading threads end with fit
        # the layers keep the last batch's activations (to be read after fit, as the lectures' worked
        # example reads them), but a view of the last batch kept the whole converted copy of a float64 x
        # alive (8 MB of 20,000 x 100 float32 after fit, 188 MB of MNIST's)
        model._own_caches()
    _finalize_average(model, start_iterations)  # before on_train_end, as Keras (EarlyStopping's best weights come after)
    for cb in cbs:
        cb.on_train_end(logs)  # the last epoch's logs, as Keras
    history.stopped_reason = model.stop_reason
    return history


_TEST_HOOKS = ("on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end")


def _warn_if_outputs_are_not_probabilities(model):
    """Cross-entropy on a linear (or ReLU, tanh) output clips the outputs to [ε, 1 − ε]
    and trains on a zero gradient wherever they fall outside: the loss sticks near
    −log ε = 16.1. Keras trains on silently; this says why and what to change."""
    from .. import activations, losses

    loss = model.loss
    if type(loss) not in (losses.CategoricalCrossentropy, losses.SparseCategoricalCrossentropy,
                          losses.BinaryCrossentropy, losses.BinaryFocalCrossentropy,
                          losses.CategoricalFocalCrossentropy) or loss.from_logits:
        return
    activation = getattr(model.layers[-1], "activation", None)
    if isinstance(activation, activations.Softmax) and not isinstance(loss, losses.BinaryCrossentropy):
        _warn_if_softmax_is_along_another_axis(model, activation, loss)
    if activation is None or isinstance(activation, (activations.Softmax, activations.Sigmoid)):
        return
    wanted = "'sigmoid'" if isinstance(loss, losses.BinaryCrossentropy) else "'softmax'"
    shown = getattr(activation, "name", type(activation).__name__)
    warnings.warn(
        f"The output layer's activation is {shown!r}, but loss {loss.name!r} expects "
        f"probabilities: give the last layer activation={wanted}, or compile with "
        f"loss=glassnet.losses.{type(loss).__name__}(from_logits=True) to train on the raw outputs.",
        UserWarning, stacklevel=4,
    )


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
            "meant for those outputs.", UserWarning, stacklevel=5)


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
                "(glassnet.classic.Perceptron).", UserWarning, stacklevel=5)
            return


def adopt_loop_state(model):
    """An optimizer that a custom loop's ``apply_gradients(zip(grads, model.trainable_weights))`` built
    keeps its state (Adam's moments, the steps taken) in ``fit``, as Keras's: the loop built it for the
    trainable weights alone, ``fit`` builds it for every weight (a frozen layer's too, which it keeps
    as they are), so each variable's state moves to its place there. fit refused such an optimizer."""
    optimizer = model.optimizer
    loop = getattr(optimizer, "_loop_variables", None)
    if not optimizer.built or loop is None or optimizer._loop_parts is not None:
        return
    arrays = [a for layer in model.layers for a in layer.params.values()]
    parts = optimizers.variable_parts(loop, arrays)
    # every weight in fit's order is fit's layout already; the same weights in another order (a loop over
    # the last layer's first) are not, though of the same size: fit took the moments of one for another's
    if parts is not None and parts != list(range(len(arrays))):
        # (None: another model's variables, refused below where their number differs)
        optimizer._spread_loop_state(parts, lambda: build_optimizer(model))


def check_optimizer_size(model):
    """Refuse an optimizer whose state was built for another number of weights: the model was
    compiled again with it after ``pop()``/``add()`` (NumPy's broadcasting error before)."""
    optimizer, size = model.optimizer, model._flat_params.shape[0]
    if optimizer.built and getattr(optimizer, "_size", size) != size:
        raise ValueError(
            f"This {type(optimizer).__name__} object was built for {optimizer._size} weights, but the model now has "
            f"{size} (" + ("a custom loop's apply_gradients built it for arrays that are not all this model's "
                          "weights" if optimizer._loop_variables is not None
                          else "a layer was added or removed") + "): compile with a new optimizer, e.g. "
            "optimizer=type(opt).from_config(opt.get_config()), as Keras requires."
        )
    # a state per row and column (Adafactor) also needs the same shapes: the same count of weights in
    # other shapes would read another variable's rows
    if optimizer.built and optimizer.by_variable and optimizer.shapes != parameter_shapes(model):
        raise ValueError(
            f"This {type(optimizer).__name__} object was built for weights of shapes {optimizer.shapes}, but the "
            f"model's are now {parameter_shapes(model)}: compile with a new optimizer, e.g. "
            "optimizer=type(opt).from_config(opt.get_config()), as Keras requires."
        )


def check_optimizer_owner(model):
    """Refuse an optimizer built for another model, alive or not: its state describes that
    model's weights."""
    if (multi := _multi_optimizer(model.optimizer)) is not None and not multi.built:
        # a callable selector names its sub-optimizers only when asked: ask it before any is built
        multi.choose(parameter_paths(model), parameter_shapes(model))
    for optimizer in _optimizers_within(model.optimizer):
        owner = getattr(optimizer, "_model", None)
        if optimizer.built and owner is not None and owner() is not model:
            inside = "" if optimizer is model.optimizer else f" inside the {type(model.optimizer).__name__}"
            raise ValueError(
                f"This {type(optimizer).__name__} object{inside} already trains another model (its state describes "
                "that model's weights). Compile each model with an optimizer of its own, e.g. "
                f"optimizer=type(opt).from_config(opt.get_config()), as Keras requires."
            )


def set_optimizer_owner(model):
    """Mark the model's optimizer, and those it wraps, as training ``model`` (:func:`check_optimizer_owner`)."""
    for optimizer in _optimizers_within(model.optimizer):
        optimizer._model = weakref.ref(model)


def link_multi_optimizer(model):
    """Tell the model's MultiOptimizer (a LossScaleOptimizer's inner one too) the model compiled with it:
    Keras's ``optimizer.build(model.trainable_variables)`` hands it arrays, and its OptimizerMap needs their
    paths, which the model knows."""
    if (multi := _multi_optimizer(model.optimizer)) is not None:
        multi._compiled_for = weakref.ref(model)


def _optimizers_within(optimizer):
    """The optimizer and those it wraps (a LossScaleOptimizer's inner one, a MultiOptimizer's
    sub-optimizers): each keeps a state of the model it trains."""
    found = [optimizer]
    for within in found:
        inner = getattr(within, "inner_optimizer", None)
        found.extend([inner] if inner is not None else getattr(within, "optimizers", None) or [])
    return found


def _prepare_training(model):
    """Pass the model's jit_compile to its optimizer and layers (the compiled loops
    are numba's, on NumPy arrays only); build the optimizer's state."""
    _warn_if_outputs_are_not_probabilities(model)
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
                      "so it trains without them.", UserWarning, stacklevel=4)
    if jit:
        kernels.require()  # before a step: an import error must not leave a half-applied update
    optimizer.jit_compile = jit
    for layer in model.layers:
        layer.jit_compile = jit
    if not optimizer.built:
        build_optimizer(model)
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


def _multi_optimizer(optimizer):
    """The MultiOptimizer that steps the weights (the optimizer, or the one a LossScaleOptimizer wraps), or None."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    return optimizer if isinstance(optimizer, optimizers.MultiOptimizer) else None


def build_optimizer(model):
    """Allocate the model's optimizer's state for its flat weights: where each array lies in
    them, its shape (Adafactor's state is per row and column of a matrix) and its path (Muon's
    ``exclude_layers``)."""
    model.optimizer.build(model._flat_params.shape[0], model._flat_params.dtype, model._slices,
                          parameter_shapes(model), parameter_paths(model))
    try:  # where a custom loop's apply_gradients finds the trainable weights' state (Optimizer._adopt)
        model.optimizer._built_arrays = [weakref.ref(a) for layer in model.layers for a in layer.params.values()]
    except TypeError:  # arrays without weak references: the loop takes the state by the shapes
        model.optimizer._built_arrays = None


def parameter_shapes(model):
    """The shape of each of the model's parameter arrays, in the order of its flat vector."""
    return [tuple(value.shape) for layer in model.layers for value in layer.params.values()]


def parameter_paths(model):
    """Keras's ``variable.path`` of each of the model's parameter arrays, in the order of its flat
    vector: "model name/layer name/Keras weight name" ("sequential/dense/kernel"; a wrapper adds
    the layer it wraps, "sequential/spectral_normalization/dense/kernel"), and without the model's
    name for a model made by the functional ``Model(inputs, outputs)`` ("dense/kernel"), as Keras's
    functional models. What Muon's ``exclude_layers`` and a MultiOptimizer's OptimizerMap match.

    A nested model's layers are in its scope, as Keras names a variable by the models building it:
    "base/dense/kernel" for a base built before it was nested (one with an Input, a loaded one),
    "sequential/decoder/dense/kernel" for one the outer model built."""
    return [scope + path for layer, scope in _scopes(model, "") for path in layer.parameter_paths()]


def _scopes(model, outer):
    """``(layer, scope)`` for each layer of ``model`` whose builder's scope is ``outer``."""
    scope = outer + ("" if getattr(model, "_functional", False) else f"{model.name}/")
    for item in nested_items(model):
        if isinstance(item, Layer):
            yield item, scope
        else:  # a nested model
            yield from _scopes(item, "" if getattr(item, "_built_alone", True) else scope)


def trained_layers(model):
    """The indices of the layers whose weights a training step updates (none: a frozen model,
    whose step is the forward pass, the loss and the metrics)."""
    return [i for i, layer in enumerate(model.layers) if layer.trainable_size and model._trains(layer)]


def trained_span(model, trained):
    """The slice of the flat weights that the layers ``trained`` (:func:`trained_layers`) hold
    when they are one run of it, without a frozen layer's weights inside, and not all of it;
    else None."""
    if not trained or model._frozen_parts() == []:
        return None
    sizes = [layer.trainable_size for layer in model.layers]
    if any(sizes[i] and i not in trained for i in range(trained[0], trained[-1] + 1)):
        return None
    start = sum(sizes[:trained[0]])
    return slice(start, start + sum(sizes[trained[0]:trained[-1] + 1]))


def frozen_buffers(model, w):
    """``(slice, weights, {state name: slot})`` for each frozen layer's part of the flat weights
    ``w``: the buffers :func:`apply_update` keeps them in during an update."""
    optimizer = model.optimizer
    if _multi_optimizer(optimizer) is not None:  # its sub-optimizers keep them (MultiOptimizer._apply_rule)
        return []
    return [(part, backend.copy(w[part]), {name: backend.copy(slot[optimizer._state_part(name, part)])
                                           for name, slot in optimizer.state.items() if name != "average"})
            for part in model._frozen_parts()]


def constrained_parts(model):
    """``(slice, shape, constraint)`` for each parameter array of a trainable layer that has a
    constraint (``Dense(kernel_constraint=...)``): its place in the flat parameter vector.
    Frozen layers have none, as Keras constrains only the variables it trains."""
    parts, slices = [], iter(model._slices)  # one slice per parameter array, in the layers' order
    for layer in model.layers:
        found = layer.parameter_constraints() if model._trains(layer) else {}
        for key, value in layer.params.items():
            part = next(slices)
            if key in found:
                parts.append((part, tuple(value.shape), found[key]))
    return parts


def apply_constraints(w, parts):
    """``W ← constraint(W)`` in place for each array of ``parts`` (:func:`constrained_parts`)
    in the flat parameter vector ``w``, after an update."""
    xp = backend.get_namespace(w)
    for part, shape, constraint in parts:
        constraints.apply_in_place(constraint, xp.reshape(w[part], shape))


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
                      f"{_input_scale_note(X, 'x')}", DivergenceWarning,
                      stacklevel=3)
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
    model._claim_if_rebound()
    A = model.forward(Xb, training=True)
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


def apply_update(model, w, g, frozen, constraints, span=None):
    """The update of a training step on the flat weights ``w`` with gradient ``g`` (the model's
    own, or copies: ``trace``): the optimizer's rule, with frozen layers' weights and optimizer
    state kept (``frozen``: :func:`frozen_buffers`), the moving average (``use_ema``), then
    the ``constraints`` (:func:`constrained_parts`). ``span`` (:func:`trained_span`): the
    trained weights are that one run of ``w``, which the rule then steps alone (``frozen``
    unused)."""
    optimizer = model.optimizer
    if span is not None:
        _apply_rule_to_span(optimizer, w, g, span)
        frozen = ()
    state = optimizer.state
    for part, values, slots in frozen:
        g[part] = 0
        # the weights as they are now, not as fit began: a callback (set_weights, BackupAndRestore's
        # restore) may have written into a frozen layer since, and the write must stay, as in Keras
        values[...] = w[part]
        for name, slot in slots.items():
            slot[...] = state[name][optimizer._state_part(name, part)]
    if span is None:
        optimizer._apply_rule(w, g)
    for part, values, slots in frozen:
        w[part] = values
        for name, slot in slots.items():
            state[name][optimizer._state_part(name, part)] = slot
    if optimizer.use_ema and optimizer.track_average(w):
        _use_average(model, w)  # ema_overwrite_frequency
    if constraints:
        # after the update and the moving average (which follows the unconstrained weights), at
        # every step, gradients accumulated or not: Keras's order in optimizer.apply
        apply_constraints(w, constraints)


def _apply_rule_to_span(optimizer, w, g, span):
    """The optimizer's rule on ``w[span]`` alone, its state vectors (and the arrays that
    ``clipnorm`` clips one by one) cut to the same run. Every rule works entry by entry, and
    the global norm of ``g[span]`` is that of the trained weights' gradient, as Keras clips it
    (Adafactor's per-row and per-column state: the entries of those variables)."""
    state, slices, shapes = optimizer.state, optimizer.slices, optimizer.shapes
    paths = getattr(optimizer, "paths", None) or [""] * len(slices)  # (None: pickled before paths)
    optimizer.state = {name: slot[optimizer._state_part(name, span)] for name, slot in state.items()}
    inside = [(part, shape, path) for part, shape, path in zip(slices, shapes, paths, strict=True)
              if span.start <= part.start and part.stop <= span.stop]
    optimizer.slices = [slice(part.start - span.start, part.stop - span.start) for part, _, _ in inside]
    optimizer.shapes = [shape for _, shape, _ in inside]
    optimizer.paths = [path for _, _, path in inside]
    try:
        optimizer._apply_rule(w[span], g[span])
    finally:
        optimizer.state, optimizer.slices, optimizer.shapes, optimizer.paths = state, slices, shapes, paths


def swap_average(model):
    """Exchange the weights and the optimizer's moving average (``use_ema``), frozen layers
    left alone (Keras averages only the trainable variables); ``optimizer._average_in_model``
    says which way round they are. Used by :class:`~glassnet.callbacks.SwapEMAWeights`."""
    model._claim_if_rebound()  # (see _finalize_average)
    optimizer = model.optimizer
    weights, average = model._flat_params, optimizer.state["average"]
    frozen = [(part, backend.copy(weights[part]), backend.copy(average[part])) for part in model._frozen_parts()]
    trained = backend.copy(weights)
    weights[...] = average
    average[...] = trained
    for part, kept, kept_average in frozen:
        weights[part], average[part] = kept, kept_average
    optimizer._average_in_model = not getattr(optimizer, "_average_in_model", False)


def _use_average(model, w=None):
    """Put the optimizer's moving average (``use_ema``) into the weights (the model's, or the
    flat vector ``w``), as Keras's ``finalize_variable_values``; frozen layers keep theirs
    (Keras averages only the trainable variables)."""
    w = model._flat_params if w is None else w
    keep = [(part, backend.copy(w[part])) for part in model._frozen_parts()]
    w[...] = model.optimizer.state["average"]
    for part, values in keep:
        w[part] = values


def _finalize_average(model, start_iterations):
    """The end of a fit with ``use_ema``: the weights become their moving average, as Keras
    does however fit ends (Ctrl-C and errors too), here only when this fit made a step. A
    run that diverged keeps the weights fit restored (the last finite ones, with their
    warning): the average has followed the weights towards the divergence."""
    # into the layers: a callback may have run a model sharing them (an autoencoder's encoder.predict), whose
    # vectors they then held, and the average written to this model's was lost when it took them back
    model._claim_if_rebound()
    optimizer = model.optimizer
    if getattr(optimizer, "_average_in_model", False):  # SwapEMAWeights left the average in the model
        optimizer._average_in_model = False
        optimizer.state["average"][...] = model._flat_params  # as Keras's swap_on_epoch at the last epoch
        return
    if (optimizer.use_ema and optimizer._iterations > start_iterations and "average" in optimizer.state
            and not getattr(model, "_diverged", False) and _all_finite(optimizer.state["average"])):
        _use_average(model)


__all__ = ["fit", "train_step", "train_on_batch"]
