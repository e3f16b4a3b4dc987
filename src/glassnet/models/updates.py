"""The optimizer bound to the model's flat weights, and the update of a training step.

:func:`build_optimizer` allocates the optimizer's state for the flat parameter vector (with
each array's shape, :func:`parameter_shapes`, and Keras path, :func:`parameter_paths`); the
``check_optimizer_*`` functions refuse an optimizer built for another model or another
number of weights, and :func:`adopt_loop_state` takes over a custom loop's state.
:func:`apply_update` is a step's update: the optimizer's rule on the trained weights
(:func:`trained_layers`, :func:`trained_span`), frozen layers' weights and state kept
(:func:`frozen_buffers`), the moving average (``use_ema``: :func:`swap_average`,
:func:`_finalize_average`), then the constraints (:func:`constrained_parts`).
"""

import weakref

from .. import backend, constraints, optimizers
from ..layers import Layer
from .divergence import _all_finite
from .nesting import nested_items


def adopt_loop_state(model):
    """An optimizer that a custom loop's ``apply_gradients(zip(grads, model.trainable_weights))`` built
    keeps its state (Adam's moments, the steps taken) in ``fit``, as Keras's: the loop built it for the
    trainable weights alone, ``fit`` builds it for every weight (a frozen layer's too, which it keeps
    as they are), so each variable's state moves to its place there. fit refused such an optimizer."""
    optimizer = getattr(model.optimizer, "inner_optimizer", model.optimizer)  # (a LossScaleOptimizer builds it)
    loop = getattr(optimizer, "_loop_variables", None)
    if not optimizer.built or loop is None or optimizer._loop_parts is not None:
        return
    arrays = _handed_out_params(model)  # (the objects a loop was given: model.trainable_weights)
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
    # the model it is built for is the one it trains (its variables list that model's trainable weights' slots:
    # after load_model they listed a frozen layer's too, until the next fit marked it)
    set_optimizer_owner(model)
    try:  # where a custom loop's apply_gradients finds the trainable weights' state (Optimizer._adopt)
        model.optimizer._built_arrays = [weakref.ref(a) for a in _handed_out_params(model)]
    except TypeError:  # arrays without weak references: the loop takes the state by the shapes
        model.optimizer._built_arrays = None


def _handed_out_params(model):
    """Each layer's parameter arrays, in the flat vector's order, as the layers hand them out (the
    :class:`~glassnet.variables.Variable` objects a custom loop holds: ``model.trainable_weights``)."""
    return [layer._handed_out(key) for layer in model.layers for key in layer.params]


def parameter_shapes(model):
    """The shape of each of the model's parameter arrays, in the order of its flat vector."""
    return [tuple(value.shape) for layer in model.layers for value in layer.params.values()]


def handed_out_paths(variables):
    """Keras's ``variable.path`` of each of ``variables`` that a model handed out (``model.trainable_weights``,
    :func:`parameter_paths`), "" for any other array: a custom loop's ``Muon().apply_gradients(...)`` read
    no path, and orthogonalized an Embedding's table that Keras's (and fit) steps by AdamW."""
    from ..variables import Variable
    from .flat import _HANDED_OUT

    paths = {id(v): v.path for v in variables if isinstance(v, Variable) and v._layer() is not None}
    for v in variables:
        ref, model_ref = _HANDED_OUT.get(id(v), (None, None))
        model = model_ref() if ref is not None and ref() is v else None
        if model is not None and id(v) not in paths:
            arrays = [a for layer in model.layers for a in layer.params.values()]
            paths.update({id(a): path for a, path in zip(arrays, parameter_paths(model), strict=True)})
    return [paths.get(id(v), "") for v in variables]


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
    inside = [i for i, part in enumerate(slices) if span.start <= part.start and part.stop <= span.stop]
    optimizer.slices = [slice(slices[i].start - span.start, slices[i].stop - span.start) for i in inside]
    optimizer.shapes = [shapes[i] for i in inside]
    optimizer.paths = [paths[i] for i in inside]
    no_decay = getattr(optimizer, "_no_decay", None)  # (exclude_from_weight_decay's variables)
    if no_decay is not None:
        optimizer._no_decay = [no_decay[i] for i in inside]
    try:
        optimizer._apply_rule(w[span], g[span])
    finally:
        optimizer.state, optimizer.slices, optimizer.shapes, optimizer.paths = state, slices, shapes, paths
        optimizer._no_decay = no_decay


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
