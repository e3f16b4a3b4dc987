"""The red path: the backward pass layer by layer, each layer's ``∂J/∂a`` and ``δ``, and the rule,
in the lectures' notation, by which a layer without ``W`` and ``g`` passes the gradient through."""

import numpy as np

from .. import backend
from ..activations import LogSoftmax
from ..layers.activity import ActivityRegularization
from ..losses import BinaryCrossentropy, output_delta
from ._format import _fmt


def _red_path(model, Y, A, w):
    """The backward pass of :meth:`Sequential.backward`, layer by layer, keeping
    each layer's ``∂J/∂a`` and ``δ``; the layers fill the flat gradient.

    Returns ``{position: (dJ_da, delta, rule, dJ_da_in, terms)}`` for the layers it
    visits: a layer with an activation has a ``delta``, a layer that passes the gradient
    through (Dropout, BatchNormalization, ...) ``dJ_da_in = ∂J/∂a^(l)`` and the arrays
    its rule names instead (:func:`_pass_through`).
    """
    layers, L = model.layers, len(model.layers) + 1
    seen = {}
    last = layers[-1]
    dZ = None
    if hasattr(last, "backward_preactivation") and last.activity_regularizer is None:  # as Sequential._backward
        dZ = output_delta(model.loss, last.activation, Y, A, w)
    weight = model._loss_weight  # compile's loss_weights: the loss's gradient times it, as Sequential._backward
    if dZ is not None:
        rule = _fused_rule(last.activation, model.loss, L, A.shape[-1])
        if weight != 1:
            dZ, rule = dZ * weight, f"{weight:g} · {rule} (compile's loss_weights)"
        d = last.backward_preactivation(dZ)
        seen[len(layers) - 1] = (None, dZ, rule, None, {})
    else:
        dA = model.loss.gradient(Y, A, w)
        label = f"∂J/∂a^({L})" if weight == 1 else f"{weight:g} · ∂J/∂a^({L}) (compile's loss_weights)"
        dA, shown, through = _with_activity(last, dA if weight == 1 else dA * weight, label, L)
        d = last.backward(dA)
        seen[len(layers) - 1] = _row(last, shown, d, through, L - 1)
    for i in range(len(layers) - 2, model._first_trainable - 1, -1):
        through = f"δ^({i + 3}) W^({i + 2})ᵀ" if "W" in layers[i + 1].params else f"∂J/∂a^({i + 2})"
        dA, shown, through = _with_activity(layers[i], d, through, i + 2)
        d = layers[i].backward(dA)
        seen[i] = _row(layers[i], shown, d, f"({through})", i + 1)
    return seen


def _with_activity(layer, dA, through, l):
    """``(dA, shown, through)``: the gradient the layer's backward starts from (``dA`` from above
    plus its activity penalty's gradient ``∂R/∂a^(l) / n``, as :meth:`Sequential.backward`), the
    ``∂J/∂a^(l)`` its row shows and the rule's name for it: the sum, named as one (without it the
    row's δ ≠ ∂J/∂a ⊙ g'(z)), but for ActivityRegularization, whose own rule adds the penalty's."""
    if layer.activity_regularizer is None:
        return dA, dA, through
    full = layer.add_activity_gradient(dA)
    if isinstance(layer, ActivityRegularization):
        return full, dA, through
    return full, full, f"{through} + ∂R(a^({l}))/∂a^({l}) / n"


def _fused_rule(activation, loss, L, K):
    """The rule of an output δ that the loss computes with its activation: seed 002's
    ``a^(L) − y`` with what glassnet's loss adds to it. Log-softmax outputs are
    log-probabilities (``e^a − y``), label smoothing moves ``y``, a logistic of
    steepness λ or a softmax of inverse temperature β multiplies δ, and binary
    cross-entropy, Keras's mean over the K outputs, divides it by K."""
    a = f"exp(a^({L}))" if isinstance(activation, LogSoftmax) else f"a^({L})"
    s = getattr(loss, "label_smoothing", 0)
    rule = f"{a} − ({1 - s:g} y + {s / K:g})" if s else f"{a} − y"
    scale = getattr(activation, "steepness", getattr(activation, "beta", 1))
    if scale != 1:
        rule = f"{scale:g} ({rule})"
    if isinstance(loss, BinaryCrossentropy) and K > 1:
        rule = f"({rule}) / {K}" if scale == 1 else f"{rule} / {K}"
    return f"{rule} ({activation.name} + {loss.name})"


def _row(layer, dA, dX, dJ_da, index):
    """One backward row of layer ``index`` (from 1), which received ``dA`` and returned
    ``dX``: ``δ`` for a layer with an activation, else what it passes through."""
    delta = _delta_of(layer, dX)
    if delta is not None:
        return dA, delta, _through_activation(layer, dJ_da, index + 1, np.ndim(dA)), None, {}
    rule, terms = _pass_through(layer, _np(dA), index)
    return dA, None, rule, _np(dX), terms


def _through_activation(layer, dJ_da, level, ndim):
    """The rule from ``∂J/∂a`` to ``δ``: ``⊙ g'(z)`` for an elementwise activation, the
    Jacobian product for softmax (each output depends on the whole row, or, for a softmax
    along another axis of the ``ndim``-D output, on the whole line along that axis)."""
    activation = getattr(layer, "activation", None)
    if activation is not None and not activation.elementwise:
        axes = activation.other_axes(ndim) if hasattr(activation, "other_axes") else None
        along = "" if axes is None else f", each line along axis {', '.join(map(str, axes))} (not the rows)"
        return f"J_{activation.name}(z^({level}))ᵀ {dJ_da}{along}"
    return f"{dJ_da} ⊙ g'(z^({level}))"


def _pass_through(layer, dY, l):
    """``(rule, terms)`` of a layer without ``W`` and ``g``: how it turns ``dY = ∂J/∂a^(l+1)``
    into ``∂J/∂a^(l)``, in the lectures' notation, and the arrays the rule names."""
    from ..layers import (ActivityRegularization, AlphaDropout, Dropout, Embedding, Flatten, GaussianDropout,
                         GaussianNoise, GlobalAveragePooling1D, GlobalMaxPooling1D, GroupNormalization, Identity,
                         LayerNormalization, Normalization, Permute, PReLU, Rescaling, Reshape, RMSNormalization,
                         UnitNormalization)
    from ..layers.batchnorm import ScaledNormalization

    out, come = f"∂J/∂a^({l})", f"∂J/∂a^({l + 1})"
    # its input is ids: the rule ends in the table's gradient (a SpectralNormalization's Embedding too)
    if isinstance(getattr(layer, "layer", layer), Embedding):
        return (f"∂J/∂E^({l})[i] = Σ {come}[s] over the positions s where a^({l})[s] = i (a scatter-add); the ids "
                "get no gradient", {})
    if isinstance(layer, GroupNormalization):
        return _group_rule(layer, dY, out, come)
    if isinstance(layer, RMSNormalization):
        g, x_hat = dY * _np(layer.params["scale"]), _np(layer.X_hat)
        return (f"{out} = r ⊙ (g − x̂ ⊙ mean(g ⊙ x̂)), g = s ⊙ {come}, r = 1/√(mean(a^({l})²) + ε), "
                "means over each example's features", {"x̂": x_hat, "s": _np(layer.params["scale"]),
                                                       "r": _np(layer.inv_std),
                                                       "mean(g ⊙ x̂)": (g * x_hat).mean(axis=-1, keepdims=True)})
    if isinstance(layer, ScaledNormalization):
        return _normalization_rule(layer, dY, out, come, isinstance(layer, LayerNormalization))
    if isinstance(layer, (Dropout, GaussianDropout)) and getattr(layer, "mask", None) is None:
        if isinstance(layer, Dropout) and layer.rate:  # below 2⁻¹⁷: drawn as 0
            return f"{out} = {come} (rate={_fmt(layer.rate)} is 0 on the 2⁻¹⁶ grid: identity)", {}
        return f"{out} = {come} (rate 0: identity)", {}
    if isinstance(layer, Dropout):
        mask = _np(layer.mask)
        if np.all((mask == 0) | (mask == mask.dtype.type(layer.scale))):  # the drawn mask, 0 or 1/(1 − p)
            p = 1.0 - 1.0 / layer.scale  # the rate as drawn: a multiple of 2⁻¹⁶
            grid = "" if _fmt(p) == _fmt(layer.rate) else f" (rate={_fmt(layer.rate)} on the 2⁻¹⁶ grid)"
            return f"{out} = m ⊙ {come} / (1 − p), p = {_fmt(p)}{grid}", {"m": (mask != 0).astype(mask.dtype)}
        return f"{out} = m ⊙ {come} (m: the layer's fixed_mask)", {"m": mask}
    if isinstance(layer, GaussianDropout):
        return f"{out} = m ⊙ {come}, m ~ N(1, p/(1 − p)), p = {_fmt(layer.rate)}", {"m": _np(layer.mask)}
    if isinstance(layer, GaussianNoise):
        return f"{out} = {come} (a^({l + 1}) = a^({l}) + ε: passes unchanged)", {}
    if isinstance(layer, Identity) or (isinstance(layer, AlphaDropout) and getattr(layer, "mask", None) is None):
        return f"{out} = {come} (identity)", {}
    if isinstance(layer, AlphaDropout):
        a = _fmt(layer.affine[0])
        return f"{out} = m ⊙ {come}, m = a·k (k: 1 kept, 0 dropped), a = {a}, p = {_fmt(layer.rate)}", {
            "m": _np(layer.mask)}
    if isinstance(layer, ActivityRegularization):
        return (f"{out} = {come} + (l1 · sign(a^({l})) + 2 l2 · a^({l}))/n, l1 = {_fmt(layer.l1)}, "
                f"l2 = {_fmt(layer.l2)} (the activity penalty's gradient)", {})
    if isinstance(layer, PReLU):
        return f"{out} = {come} ⊙ (1 where a^({l}) > 0, α where a^({l}) < 0, 0 at 0)", {"α": _np(layer.params["alpha"])}
    if isinstance(layer, UnitNormalization):
        a = f"a^({l + 1})"
        return (f"{out} = r ⊙ ({come} − {a} ⊙ Σ {come} ⊙ {a}), r = min(1/‖a^({l})‖, 1e12) (r ⊙ {come} where "
                "bounded)", {"r": _np(layer.Z)})
    if isinstance(layer, Rescaling):
        if isinstance(layer.scale, list):
            how = "one s per channel" if np.ndim(layer.scale) == 1 else f"s of shape {np.shape(layer.scale)}, broadcast"
            return f"{out} = s ⊙ {come} ({how})", {"s": np.asarray(layer.scale, dtype=dY.dtype)}
        return f"{out} = s · {come}, s = {_fmt(layer.scale)}", {"s": np.asarray(layer.scale, dtype=dY.dtype)}
    if isinstance(layer, Normalization):
        sigma = _np(layer._statistics()[1])
        how = f"σ ⊙ {come}" if layer.invert else f"{come} / σ"
        return f"{out} = {how}, σ = max(√variance, 1e-7) (fixed)", {"σ": sigma}
    if isinstance(layer, Flatten):
        shape = ", ".join(["n", *map(str, layer.in_shape[1:])])
        moved = " (channels moved back to axis 1)" if layer._channels_moved(len(layer.in_shape)) else ""
        return f"{out} = {come} reshaped to a^({l})'s ({shape}){moved}", {}
    if isinstance(layer, Reshape):
        shape = ", ".join(["n", *map(str, layer.in_shape[1:])])
        return f"{out} = {come} reshaped to a^({l})'s ({shape})", {}
    if isinstance(layer, Permute):
        return f"{out} = {come} with its axes put back (transposed by {layer.inverse()})", {}
    if isinstance(layer, GlobalAveragePooling1D):
        steps = layer.in_shape[layer.steps_axis]
        return (f"{out} = {come} / T at each of the T = {steps} steps (axis {layer.steps_axis} of a^({l}): "
                "the mean's equal shares)", {})
    if isinstance(layer, GlobalMaxPooling1D):
        return (f"{out} = m ⊙ {come} at each step (axis {layer.steps_axis} of a^({l})), m = 1 where a^({l}) holds "
                "its maximum over the steps, 0 elsewhere (1/k each where k steps tie)", {"m": _np(layer.mask)})
    return f"{out} = {type(layer).__name__}.backward({come})", {}


def _normalization_rule(layer, dY, out, come, per_example):
    """Batch or layer normalization's backward rule: with ``g = γ ⊙ ∂J/∂a^(l+1)``,
    ``(g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε)``, or ``g / √(σ² + ε)`` with fixed
    statistics (a frozen batch normalization runs in inference mode)."""
    inv_std = _np(layer.inv_std)
    terms = {"γ": _np(layer.params["gamma"])} if layer.scale else {}
    g = dY * _np(layer._broadcast("gamma")) if layer.scale else dY  # (γ over several axes: shaped to broadcast)
    g_is = f"g = γ ⊙ {come}" if layer.scale else f"g = {come}"
    if not per_example and not layer.training:
        terms["σ² + ε"] = 1.0 / inv_std**2
        return f"{out} = g / √(σ² + ε), {g_is}, σ² the moving variance (fixed: inference mode)", terms
    # batch normalization of samples (n, ..., features): its statistics over the batch and every position
    axis = layer._axes if per_example else getattr(layer, "_stats_axis", 0)
    x_hat = _np(layer.X_hat)
    terms = {"x̂": x_hat, **terms, "σ² + ε": 1.0 / inv_std**2,
             "mean(g)": g.mean(axis=axis, keepdims=per_example),
             "mean(g ⊙ x̂)": (g * x_hat).mean(axis=axis, keepdims=per_example)}
    if not per_example:
        terms["σ² + ε"] = terms["σ² + ε"].reshape(-1)
    over = "each example's features" if per_example else "the batch" if axis == 0 else "the batch and every position"
    if per_example and layer._broadcast_shape is not None:
        over = f"each example's axes {list(layer._axes)}"
    return f"{out} = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε), {g_is}, means over {over}", terms


def _group_rule(layer, dY, out, come):
    """Group normalization's backward rule: layer normalization's, the means taken over each
    example's group of channels; ``σ² + ε`` and the means have shape ``(n, G)``."""
    terms = {"γ": _np(layer.params["gamma"])} if layer.scale else {}
    g = dY * terms["γ"] if layer.scale else dY
    g_is = f"g = γ ⊙ {come}" if layer.scale else f"g = {come}"
    x_hat = _np(layer.X_hat)
    grouped = lambda a: a.reshape(a.shape[0], -1, layer.groups, a.shape[-1] // layer.groups)  # noqa: E731
    terms = {"x̂": x_hat, **terms, "σ² + ε": (1.0 / _np(layer.inv_std) ** 2).reshape(-1, layer.groups),
             "mean(g)": grouped(g).mean(axis=(1, 3)), "mean(g ⊙ x̂)": grouped(g * x_hat).mean(axis=(1, 3))}
    return (f"{out} = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε), {g_is}, means over each example's "
            f"group of {layer.input_shape[-1] // layer.groups} channels ({layer.groups} groups)", terms)


def _np(x):
    """A NumPy copy of an array of the model's namespace (None stays None)."""
    return None if x is None else backend.numpy_copy(x)


def _delta_of(layer, dX):
    """``δ = ∂J/∂z`` of a layer with an activation: a Dense layer keeps it, an
    Activation layer returns it as its input gradient."""
    if hasattr(layer, "delta") and "W" in layer.params:
        return _np(layer.delta)
    from ..layers import Activation  # and Keras's ReLU, LeakyReLU, ELU, Softmax layers, which are Activations

    if isinstance(layer, Activation):
        return _np(dX)
    return None
