"""One training step traced: :func:`trace` runs the step ``fit`` makes, keeping every intermediate
array, on the model and its optimizer without changing them (unless ``apply``), and cuts the flat
weights, gradients and updates back into each layer's :class:`LayerTrace`."""

import math

import numpy as np

from .. import backend
from .._validation import _as_array, check_bool, check_compiled_model
from ._backward import _np, _red_path
from ._layer_record import LayerTrace
from ._step_record import Trace


def _as_batch(x, y):
    """One example given as 1-D ``x`` becomes a batch of one, and so does its target: a label
    or a row of outputs (0-D or 1-D; a 1-D sample's outputs are a row). A 2-D ``y`` is already
    a batch (``y[:1]``) and is kept. What is no array (None, a ragged list, sparse data, a
    generator) is refused naming its argument, as ``fit`` refuses it."""
    X = _as_array(x, "x")
    if X.ndim == 1:
        X = X[None, :]
        Y = _as_array(y, "y")
        y = Y.reshape(1) if Y.ndim == 0 else Y[None, :] if Y.ndim == 1 else Y
    return X, y


def _save_side_effects(model):
    """Copies of what a training-mode forward pass changes: batch-norm running statistics,
    dropout random generators, and a SpectralNormalization's ``u`` and kernel (normalized in
    place before its Dense runs: the trace's θ (before) is that kernel)."""
    saved = []
    for layer in model.layers:
        state = {k: backend.copy(v) for k, v in layer.state.items()}
        if hasattr(layer, "normalize_kernel"):
            state[layer.kernel_name] = backend.copy(layer.params[layer.kernel_name])
        rng = getattr(layer, "rng", None)
        rng_state = rng.bit_generator.state if isinstance(rng, np.random.Generator) else None
        saved.append((layer, state, rng_state))
    return saved


def _restore_side_effects(saved):
    for layer, state, rng_state in saved:
        for k, v in state.items():
            (layer.params if k in layer.params else layer.state)[k][...] = v
        if rng_state is not None:
            layer.rng.bit_generator.state = rng_state


def trace(model, X, y, apply=False, sample_weight=None):
    """Trace one training step of ``model`` on ``(X, y)`` in the lectures' notation.

    The step is the one ``fit`` makes on a batch: a forward pass in training
    mode, the loss ``J``, the backward pass, and one update by the model's
    compiled optimizer. Every intermediate array is recorded.

    Parameters
    ----------
    model : Sequential
        A compiled model (built on first use, as ``fit`` does).
    X : array-like, shape (n, n_features) or (n_features,)
        One example or a small batch.
    y : array-like
        Targets in any form ``fit`` accepts.
    apply : bool
        False (default): the model is left exactly as it was (weights,
        optimizer state, batch-norm statistics, dropout generators), and the
        update is what the next ``fit`` step on this batch would do.
        True: the update is applied, as one ``fit`` step would.
    sample_weight : array-like of shape (n,), optional

    Returns
    -------
    Trace
        ``print(trace)`` or ``trace.to_markdown()`` shows the tables;
        ``trace.to_dict()`` gives plain data.
    """
    check_compiled_model(model, "trace")
    apply = check_bool(apply, "apply")
    X, y = _as_batch(X, y)
    X, Y, w = model._prepare_xy(X, y, sample_weight, what="trace")
    optimizer = model.optimizer
    from ..models.updates import (adopt_loop_state, build_optimizer, check_optimizer_owner, check_optimizer_size,
                                  set_optimizer_owner, trained_layers)

    if getattr(optimizer, "optimizers", None) is not None:  # (a MultiOptimizer's, wrapped or not)
        raise ValueError("trace shows one optimizer's step at one learning rate η; this model's MultiOptimizer has "
                         f"{len(optimizer.optimizers)} sub-optimizers: trace it compiled with one optimizer.")
    check_optimizer_owner(model)  # as fit: another model's momentum is not this one's
    adopt_loop_state(model)
    check_optimizer_size(model)
    if not optimizer.built:
        build_optimizer(model)
    if apply:  # its state now describes this model's weights, as after a fit step
        set_optimizer_owner(model)
    saved = None if apply else _save_side_effects(model)
    k = optimizer.gradient_accumulation_steps or 0  # as Optimizer._apply_rule: no update unless the k-th
    accumulating = k if k and (optimizer._iterations + 1) % k and trained_layers(model) else 0
    Yx, wx = backend.to_namespace(Y, w)  # the step runs in the model's namespace; the trace holds NumPy copies
    try:
        forward, red, loss, penalty, A, learning_rate, before, grads, update, finite = _step(model, X, Yx, wx, apply)
    finally:
        if saved is not None:
            _restore_side_effects(saved)
    layers = _layer_traces(model, forward, red, before, grads, update)
    return Trace(
        x=X.copy(), y=Y.copy(), output=_np(A), loss=float(loss), layers=layers,
        loss_name=model.loss.name, optimizer=type(optimizer).__name__, model_name=model.name,
        learning_rate=learning_rate, finite=finite, applied=bool(apply) and finite,
        reduction=getattr(model.loss, "reduction", "sum_over_batch_size"), penalty=penalty,
        sample_weight=None if w is None else np.array(w, dtype=np.float64).reshape(-1),
        accumulating=accumulating,
    )


def _step(model, X, Y, w, apply):
    """The training step of ``training.train_step``, keeping every intermediate."""
    from ..models.updates import trained_layers

    optimizer = model.optimizer
    with backend.quiet_floats():
        # Blue path: a^(1) = x, then every layer in order.
        A = X if backend.is_numpy() else backend.from_numpy(X)
        forward = []
        for layer in model.layers:
            a_in = A
            A = layer.forward(a_in, training=True)
            if layer.activity_regularizer is not None:
                layer.keep_activity(A)
            forward.append((a_in, A))
        loss = model.compute_loss(y=Y, y_pred=A, sample_weight=w)
        penalty = float(model.regularization_penalty()) if model._has_regularizers else 0.0
        # Red path: from the loss back to the first trainable layer.
        red = _red_path(model, Y, A, w)
        grads = _np(model._flat_grads)
        # train_step tests only the loss (fit catches a bad update one step later); a
        # trace is a single step, so it also refuses to apply a non-finite gradient.
        finite = math.isfinite(loss) and bool(np.isfinite(grads).all())  # (g·g overflows float32 at |g| ~ 1e19)
        learning_rate = optimizer.learning_rate
        before = _np(model._flat_params)
        for part in model._frozen_parts():  # as train_step: frozen layers' gradients do not count (clipping)
            model._flat_grads[part] = 0
        if not finite or not trained_layers(model):  # a frozen model: fit makes no update (nor counts one)
            after = before
        else:
            (iterations, state), scalars = optimizer.get_state(), optimizer.get_scalars()
            if apply:
                _optimizer_step(model, model._flat_params, model._flat_grads)
                after = _np(model._flat_params)
            else:
                after, g = backend.copy(model._flat_params), backend.copy(model._flat_grads)
                _optimizer_step(model, after, g)  # on copies; then the optimizer is rewound
                optimizer.set_state(iterations, state)
                optimizer.set_scalars(scalars)
                after = _np(after)
            if not np.isfinite(after).all():  # an update that overflows is not kept, as train_on_batch
                finite, after = False, before
                if apply:
                    model._flat_params[...] = backend.from_numpy(before)
                    optimizer.set_state(iterations, state)
                    optimizer.set_scalars(scalars)
        update = after - before
    return forward, red, loss, penalty, A, learning_rate, before, grads, update, finite


def _optimizer_step(model, w, g):
    """The update of ``training.train_step`` (``updates.apply_update``) on the flat weights ``w`` with gradient ``g``."""
    from ..models.updates import apply_update, constrained_parts, frozen_buffers

    if model.optimizer._loss_scale is not None:  # a LossScaleOptimizer unscales the gradient of s·J that fit takes
        g *= model.optimizer._loss_scale
    apply_update(model, w, g, frozen_buffers(model, w), constrained_parts(model))


def _layer_traces(model, forward, red, params, grads, update):
    """Cut the flat vectors back into each layer's arrays, in forward order."""
    out, k = [], 0
    for i, (layer, (a_in, a)) in enumerate(zip(model.layers, forward)):
        activation = getattr(layer, "activation", None)
        z = _shaped_as(_np(getattr(layer, "Z", None)), a) if activation is not None else None
        g_prime = None
        if z is not None and activation.elementwise:  # softmax: no g' column, δ takes its Jacobian
            with np.errstate(over="ignore", invalid="ignore"):
                g_prime = _np(activation.derivative(z, _np(a)))
        dJ_da, delta, rule, dJ_da_in, terms = red.get(i, (None, None, "", None, {}))
        delta = _shaped_as(_np(delta), a)
        p, gr, up = {}, {}, {}
        for key, value in layer.params.items():
            part = model._slices[k]
            p[key] = params[part].reshape(value.shape).copy()
            gr[key] = grads[part].reshape(value.shape).copy()
            up[key] = update[part].reshape(value.shape).copy()
            k += 1
        # a frozen layer's penalty is not in the loss (as Keras), nor in its ∂J/∂θ
        regs = {key: r for key, r in _regularizers_of(layer).items() if key in p} if model._trains(layer) else {}
        found = layer.parameter_constraints() if model._trains(layer) else {}  # as updates.constrained_parts
        cons = {key: c for key, c in found.items() if key in p}
        out.append(LayerTrace(
            index=i + 1, name=layer.name, kind=type(layer).__name__,
            activation=None if activation is None else activation.name,
            a_in=_np(a_in), z=z, a=_np(a),
            g_prime=g_prime, dJ_da=_np(dJ_da), delta=delta, delta_rule=rule,
            params=p, grads=gr, updates=up,
            regularizers=regs, activity_regularizer=None if layer.activity_regularizer is None else repr(
                layer.activity_regularizer), penalty_grads={key: np.asarray(r.gradient(p[key])) for key, r in regs.items()},
            constraints=cons, frozen=bool(p) and not model._trains(layer),
            frozen_by_model=bool(p) and layer.trainable and not model.trainable, dJ_da_in=dJ_da_in,
            backward_terms=terms,
        ))
    return out


def _shaped_as(x, a):
    """``z`` or ``δ`` in the shape of the layer's output ``a``: a Dense layer keeps those of a batch
    of sequences ``(n, T, units)`` as ``(n·T, units)`` rows, which the tables cut by example."""
    return x if x is None or x.shape == a.shape else x.reshape(a.shape)


def _regularizers_of(layer):
    """``{key of params: regularizer}``: the weight penalties whose gradient the layer's
    backward adds to ``grads`` (Dense's ``kernel_regularizer`` and ``bias_regularizer``, the
    normalization layers' ``gamma_regularizer`` and ``beta_regularizer``); a SpectralNormalization's
    are its layer's."""
    layer = getattr(layer, "layer", layer)
    found = {"W": getattr(layer, "kernel_regularizer", None), "b": getattr(layer, "bias_regularizer", None),
             "gamma": getattr(layer, "gamma_regularizer", None), "beta": getattr(layer, "beta_regularizer", None),
             "embeddings": getattr(layer, "embeddings_regularizer", None)}
    return {key: r for key, r in found.items() if r is not None}
