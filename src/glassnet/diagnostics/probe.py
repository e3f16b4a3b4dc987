"""The measurements on a probe batch (a forward and a backward pass in inference mode), and
:func:`diagnose`, which judges them."""

import math

import numpy as np

from .. import backend, optimizers
from .._validation import check_array, check_bool, check_compiled_model, check_positive_int
from ..layers.base import Layer
from ..layers.dense import Dense
from ..models.divergence import user_stacklevel
from .problems import _emit, _learning_rate, _max_abs, _problems, _start_problems, _unscaled_initializers
from .report import Diagnosis, LayerDiagnosis
from .thresholds import (_DELTA_A_MINUS_Y, _DYING, _REGRESSION_LOSSES, _SATURATING, FITTED, SATURATION_MARGIN,
                         SYMMETRY_TOLERANCE, TARGET_SCALE)


def _probe(model, X, Y, w):
    """Forward and backward pass in inference mode on the probe batch; the
    model's weights, statistics and generators are not changed."""
    # its layers back from a model sharing them that computed meanwhile (a callback showing an autoencoder's
    # codes with encoder.predict): their gradients went to that model's vector, and these layers read 0
    model._claim_if_rebound()
    saved_grads = backend.copy(model._flat_grads)
    with backend.quiet_floats():
        A = model.forward(X, training=False)
        loss = model.compute_loss(y=Y, y_pred=A, sample_weight=w)
        model._flat_grads[...] = 0
        model.backward(Y, A, w)
        grads = backend.numpy_copy(model._flat_grads)
    model._flat_grads[...] = saved_grads
    with np.errstate(over="ignore", invalid="ignore"):  # norms of diverged weights may overflow
        return _layer_stats(model, grads, _sgd_learning_rate(model)), float(loss)


def _sgd_learning_rate(model):
    """η where one step is ``η ∂J/∂W`` (an SGD optimizer), else None."""
    return _learning_rate(model) if isinstance(getattr(model, "optimizer", None), optimizers.SGD) else None


def _untrained_loss(model, Y, before=None):
    """The loss (penalties left out) of a model that learned nothing: the larger of predicting 0
    and predicting the mean target (for the cross-entropies the class frequencies) for every sample,
    and the loss ``before`` training where known, as ``(loss, what it is)``; None where none is a
    positive number."""
    Y = backend.numpy_copy(Y)
    found = [(before, "the loss before training")]
    if Y.shape[0] and Y.dtype.kind == "f":
        mean = np.broadcast_to(Y.mean(axis=0), Y.shape).astype(Y.dtype)
        for constant, what in ((np.zeros_like(Y), "0"), (mean, "the mean target")):
            with np.errstate(all="ignore"):
                found.append((float(model._weighted_loss(*backend.to_namespace(Y, constant))),
                              f"predicting {what} for every sample"))
    found = [(v, what) for v, what in found if v is not None and math.isfinite(v) and v > 0]
    return max(found, default=None)


def _initial_loss(model, loss):
    """``(loss, k)`` for :func:`~.problems._start_problems` where the model's loss is a cross-entropy of k classes
    (2 for the binary one) on softmax or sigmoid outputs (or logits), ``loss`` being its probe loss without the
    weight penalties; else None."""
    fn, last = getattr(model, "loss", None), model.layers[-1]
    name = getattr(getattr(last, "activation", None), "name", None)
    if getattr(fn, "name", None) not in ("binary_crossentropy", "categorical_crossentropy",
                                         "sparse_categorical_crossentropy"):
        return None
    if not (getattr(fn, "from_logits", False) or name in ("softmax", "sigmoid")):
        return None
    k = 2 if fn.name == "binary_crossentropy" else int(last.output_shape[-1])
    if model._has_regularizers:  # (as in _unscaled_targets)
        with np.errstate(all="ignore"):
            loss = loss - float(model.regularization_penalty())
    if model._loss_weight <= 0:  # (compile's loss_weights multiply the loss: 0 leaves none to read)
        return None
    loss = loss / model._loss_weight
    return (float(loss), k) if k >= 2 and math.isfinite(loss) else None


def _fits(model, Y, loss):
    """Whether the probe ``loss`` is below :data:`FITTED` times that of predicting the mean target."""
    Y = backend.numpy_copy(Y)
    if not (Y.shape[0] and Y.dtype.kind == "f" and math.isfinite(loss)):
        return False
    mean = np.broadcast_to(Y.mean(axis=0), Y.shape).astype(Y.dtype)
    with np.errstate(all="ignore"):
        constant = float(model._weighted_loss(*backend.to_namespace(Y, mean)))  # (times loss_weights, as the loss)
    return bool(loss < FITTED * constant)


def _at_start(model, Y, loss, fits=None):
    """Whether the start checks (:func:`~.problems._start_problems`) apply: the optimizer has taken no step, the
    weights are not ones given by ``set_weights`` (``load_weights`` and ``load_model`` give them so: a trained model's
    weights in a fresh compile, a resumed ``fit(initial_epoch=k)``), and the model does not already fit the probe
    (trained under an optimizer since replaced by ``compile``; ``fits``: :func:`_fits`, where already known)."""
    return (getattr(getattr(model, "optimizer", None), "iterations", None) == 0
            and not model.__dict__.get("_weights_given", False)
            and not (_fits(model, Y, loss) if fits is None else fits))


def _unscaled_targets(model, Y, loss):
    """``(mean, std, loss, loss of predicting the mean)`` where a regression
    (:data:`~.thresholds._REGRESSION_LOSSES`) has targets whose standard deviation is above :data:`TARGET_SCALE`
    and the probe ``loss`` is no lower than that of predicting their mean for every sample; else None."""
    Y = backend.numpy_copy(Y)
    if (getattr(getattr(model, "loss", None), "name", None) not in _REGRESSION_LOSSES
            or not (Y.shape[0] and Y.dtype.kind == "f" and math.isfinite(loss))):
        return None
    Y64 = Y.astype(np.float64)
    if not Y64.std(axis=0).max() > TARGET_SCALE:  # (targets of a large mean alone: tests/test_diagnostics.py)
        return None
    mean = np.broadcast_to(Y.mean(axis=0), Y.shape).astype(Y.dtype)
    with np.errstate(all="ignore"):
        constant = float(model._weighted_loss(*backend.to_namespace(Y, mean)))  # (as in _fits)
    if model._has_regularizers:  # (the probe's loss holds the weight penalties, the mean's none)
        with np.errstate(all="ignore"):
            loss = loss - float(model.regularization_penalty())
    if not loss >= constant:
        return None
    return float(Y64.mean()), float(Y64.std()), float(loss), constant


def _symmetric_units(model):
    """``{name: (units, whether the kernel is all 0)}`` of the hidden Dense layers (not the model's last layer with
    weights, whose units the targets tell apart) of two or more units that are all identical: the same incoming
    weights and bias (:data:`SYMMETRY_TOLERANCE`), so that they compute the same output and get the same gradient,
    and no step makes them differ (seed 002: "Zero Initialization ... Symmetric Weights")."""
    weighted = [layer for layer in model.layers if layer.params]
    found = {}
    for layer in weighted[:-1]:
        if not isinstance(layer, Dense) or "W" not in layer.params:
            continue
        W = backend.numpy_copy(layer.params["W"]).astype(np.float64)
        b = backend.numpy_copy(layer.params["b"]).astype(np.float64) if "b" in layer.params else np.zeros(1)
        if W.ndim != 2 or W.shape[1] < 2 or not (np.isfinite(W).all() and np.isfinite(b).all()):
            continue
        same = lambda A, axis: np.ptp(A, axis=axis).max(initial=0) <= SYMMETRY_TOLERANCE * np.abs(A).max(initial=0)
        after = weighted[weighted.index(layer) + 1]  # (their outgoing weights, started at random, tell them apart)
        V = backend.numpy_copy(after.params["W"]).astype(np.float64) if isinstance(after, Dense) else None
        if same(W, 1) and same(b, 0) and V is not None and V.shape[0] == W.shape[1] and same(V, 0):
            found[layer.name] = (W.shape[1], not W.any())
    return found


def _layer_stats(model, grads, lr=None):
    out, k = [], 0
    params = backend.numpy_copy(model._flat_params).astype(np.float64)  # norms of 1e20s overflow in float32
    grads = grads.astype(np.float64)
    for i, layer in enumerate(model.layers):
        activation = getattr(layer, "activation", None)
        name = None if activation is None else activation.name
        A_l = getattr(layer, "A", None)
        if A_l is None and isinstance(getattr(layer, "layer", None), Layer):  # a wrapper's: its layer's outputs
            A_l = getattr(layer.layer, "A", None)
        A_l = None if A_l is None else backend.to_numpy(A_l)
        dead = saturated = tails = a_rms = ratio = None
        # a unit is one output feature (the last axis): on samples of several axes a Dense applies the same
        # kernel column at every position, and the other positions train a unit that is off at one of them
        samples = None if A_l is None else tuple(range(A_l.ndim - 1))
        if A_l is not None and A_l.size:
            a_rms = float(np.sqrt(np.mean(np.square(A_l, dtype=np.float64))))
        if A_l is not None and name in _DYING:
            dead = float(np.mean(np.all(A_l == 0, axis=samples)))
        if A_l is not None and name in _SATURATING:
            low, high = activation.output_range
            margin = SATURATION_MARGIN * (high - low)
            stuck = (A_l <= low + margin) | (A_l >= high - margin)
            saturated = float(np.mean(np.all(stuck, axis=samples)))
            tails = float(np.mean(stuck))  # Karpathy's share of activations in the tails, not of units
        g_norm = w_norm = g_rms = None
        if layer.params:
            parts = model._slices[k:k + len(layer.params)]
            g = np.concatenate([grads[p] for p in parts])
            W = np.concatenate([params[p] for p in parts])
            g_norm, w_norm = float(np.linalg.norm(g)), float(np.linalg.norm(W))
            if "W" in layer.params:
                gW = grads[parts[list(layer.params).index("W")]]
                g_rms = float(np.linalg.norm(gW) / math.sqrt(gW.size))
                kernel = float(np.linalg.norm(params[parts[list(layer.params).index("W")]]))
                if lr is not None and kernel > 0:
                    ratio = lr * float(np.linalg.norm(gW)) / kernel
            k += len(parts)
        units = int(layer.output_shape[-1])
        out.append(LayerDiagnosis(i + 1, layer.name, name, units, dead, saturated, g_norm, w_norm, g_rms, a_rms, ratio,
                                  tails))
    return out


def _custom_parts(model):
    """``{layer name: [what of it is the user's]}``: a layer of a class defined outside glassnet (a wrapper's
    layer too), an activation of the user's (a function with a ``derivative``, an ``Activation`` subclass)."""
    found = {}
    for layer in model.layers:
        for part in (layer, getattr(layer, "layer", None)):
            if isinstance(part, Layer) and type(part).__module__.split(".")[0] != "glassnet":
                found.setdefault(layer.name, []).append(f"custom layer {part.name!r} ({type(part).__name__})")
            activation = getattr(part, "activation", None)
            code = getattr(activation, "function", activation)  # (a function's FunctionActivation: its function)
            if activation is not None and getattr(code, "__module__", "glassnet").split(".")[0] != "glassnet":
                found.setdefault(layer.name, []).append(f"custom activation {activation.name!r} of layer {part.name!r}")
    return found


def _wrong_gradients(model, X, rows=16, directions=3, tolerance=1e-3):
    """``(message)`` where the model holds a custom layer or activation (:func:`_custom_parts`) and
    backpropagation disagrees with central differences on a float64 copy (``rows`` probe rows, inference mode as
    the probe) of ``J = Σ r ⊙ f(x)`` plus the penalties, ``r`` random weights of the outputs ``f(x)``: the layers'
    backward passes, not the loss's (a sigmoid output that binary cross-entropy clips has a flat loss, while its
    backward takes a − y). For each layer with weights, ``∂J/∂θ · v`` against ``(J(θ + hv) − J(θ − hv))/2h``
    along ``directions`` random unit vectors ``v``: the median relative error above ``tolerance`` (a wrong
    derivative gives 0.1 to 1, a right one 1e-9; 4 forward passes each, where check_gradients takes 4 per
    weight); a gap within 10 times the difference of the estimates at h and 2h is their own error, as check_gradients
    takes it: rounding (a layer that computes in float32), or noise (a layer random at inference). The dropout
    generators are put back before each pass, so a Monte Carlo dropout draws the same mask and is checked, and so
    is the state that is no weight (a weight put back, as a SpectralNormalization's kernel, would undo the step).
    Else None."""
    custom = _custom_parts(model)
    if not custom:
        return None
    from ..gradcheck import NOISE_FACTOR, _float64_copy  # (it imports the models)
    from ..trace._tracing import _restore_side_effects, _save_side_effects

    net = _float64_copy(model)
    (X,) = backend.to_namespace(backend.numpy_copy(X)[:rows].astype(np.float64))
    saved = [(layer, {k: v for k, v in state.items() if k not in layer.params}, rng)
             for layer, state, rng in _save_side_effects(net)]

    def outputs():
        _restore_side_effects(saved)
        return net.forward(X, training=False)

    def J():  # and the size its rounding is relative to
        A = backend.numpy_copy(outputs())
        penalty = float(net.regularization_penalty()) if net._has_regularizers else 0.0
        return float(np.sum(R * A)) + penalty, float(np.sum(np.abs(R * A))) + abs(penalty)

    with backend.quiet_floats(), np.errstate(all="ignore"):
        rng = np.random.default_rng(0)
        R = rng.standard_normal(backend.numpy_copy(outputs()).shape) / len(X)
        J0, size = J()
        if not math.isfinite(J0):
            return None
        outputs()
        net._flat_grads[...] = 0
        (d,) = backend.to_namespace(R.copy())
        for layer in reversed(net._layers[net._first_trainable:]):  # (as the model's backward, from dY = r)
            if layer.activity_regularizer is not None:
                d = layer.add_activity_gradient(d)
            d = layer.backward(d)
        grads = backend.numpy_copy(net._flat_grads)
        params, wrong, k = net._flat_params, {}, 0
        for layer in net.layers:
            parts = net._slices[k:k + len(layer.params)]
            k += len(parts)
            if not parts:
                continue
            index = slice(parts[0].start, parts[-1].stop)  # (a layer's weights lie side by side in the buffer)
            theta = backend.numpy_copy(params[index])
            h = 1e-6 * (1 + float(np.linalg.norm(theta)))
            found = []  # (|numeric − analytic|, |numeric| + |analytic|, the estimate's own error) per direction
            for _ in range(directions):
                v = rng.standard_normal(theta.size)
                v /= np.linalg.norm(v)
                values = []
                for step in (h, -h, 2 * h, -2 * h):
                    params[index] = backend.to_namespace(theta + step * v)[0]
                    values.append(J()[0])
                params[index] = backend.to_namespace(theta)[0]
                numeric, analytic = (values[0] - values[1]) / (2 * h), float(grads[index] @ v)
                spread = abs(numeric - (values[2] - values[3]) / (4 * h))  # (the estimate at h against 2h)
                found.append((abs(numeric - analytic), abs(numeric) + abs(analytic), spread))
            # rounding: 100 times J's (relative to its terms' size) over 2h, or 10 times the largest spread
            noise = max(100 * np.finfo(np.float64).eps * size / h, NOISE_FACTOR * max(f[2] for f in found))
            errors = [gap / total if gap > noise else 0.0 for gap, total, _ in found]
            if np.median(errors) > tolerance:
                wrong[layer.name] = float(np.median(errors))
    if not wrong:
        return None
    suspects = "; ".join(what for parts in custom.values() for what in parts)
    layers = ", ".join(f"{name!r} (relative error {e:.2g})" for name, e in wrong.items())
    return (f"Backpropagation disagrees with finite differences in layer(s) {layers}, along random directions on "
            f"{min(rows, len(X))} probe rows (of a random weighted sum of the outputs, through every layer's "
            f"backward): the model's {suspects} is the likely cause (a layer's backward, ∂J/∂X and its ∂J/∂θ, or an "
            "activation's derivative(z, a), is wrong; the layers below it get a wrong ∂J/∂a). "
            "glassnet.check_gradients(model, x[:8], y[:8]) shows each weight's error.")


def _learning_output(model):
    """The name of the output layer when its loss cancels the activation's g'(z) (sigmoid with
    binary cross-entropy: δ = a − y), so that its saturation is no problem; else None."""
    last, loss = model.layers[-1], getattr(model, "loss", None)
    activation = getattr(last, "activation", None)
    if activation is None or loss is None or getattr(loss, "from_logits", False):
        return None
    return last.name if loss.name in _DELTA_A_MINUS_Y.get(activation.name, ()) else None


def diagnose(model, X, y, losses=None, warn=True, max_samples=1024):
    """Look for the training problems the lectures warn about.

    Parameters
    ----------
    model : Sequential
        A compiled model, usually after ``fit``.
    X, y : array-like
        A probe batch (at most ``max_samples`` rows are used, spread evenly over it).
    losses : sequence of float, optional
        Training loss per epoch; by default the ``"loss"`` of the model's
        last ``fit`` (``model.history``).
    warn : bool
        Also issue every problem as a :class:`DiagnosticWarning`.

    Returns
    -------
    Diagnosis
        Per-layer dead/saturated fractions and gradient/weight norms, and
        ``warnings`` in plain language with the lectures' advice.

    Dead ReLUs are reported here where a whole layer is dead or the loss stopped
    falling: how many were dead before training, to tell the units training killed
    (:data:`DEAD_KILLED`), only the :class:`Diagnostics` callback measures.
    """
    return _diagnose(model, X, y, losses, warn, max_samples, stacklevel=user_stacklevel() + 2)  # (below: _diagnose, _emit)


def _diagnose(model, X, y, losses=None, warn=True, max_samples=1024, *, stacklevel):
    """:func:`diagnose`, its warnings ``stacklevel`` frames up from ``_emit``: at the user's line
    whether it was called as ``diagnose(model, ...)`` or ``model.diagnose(...)``."""
    X, Y, w = _prepare_probe(model, X, y, max_samples)
    layers, loss = _probe(model, X, Y, w)
    stop_reason = None
    if losses is None:
        history = getattr(model, "history", None)
        losses = list(history.history.get("loss", [])) if history is not None else []
        stop_reason = _divergence(getattr(history, "stopped_reason", None) if history is not None else None)
    else:  # one loss per epoch (NaN and inf allowed: a diverged run's)
        losses = check_array(losses, "losses", ndim=1, dtype=np.float64, allow_empty=True, finite=False).tolist()
    if not math.isfinite(loss):  # weights that already overflow, whatever the history says
        stop_reason = "the probe batch's loss is not finite"
    # before the optimizer's first step every dead unit was dead from the start (set_weights or initialisation)
    untrained = getattr(getattr(model, "optimizer", None), "iterations", None) == 0
    dead_before = {l.name: l.dead_fraction for l in layers if l.dead_fraction is not None} if untrained else None
    fits = _fits(model, Y, loss)
    problems = _problems(layers, losses, stop_reason, _learning_output(model), _learning_rate(model), _max_abs(X, model),
                         _unscaled_initializers(model), _untrained_loss(model, Y), dead_before, fits,
                         _unscaled_targets(model, Y, loss), _symmetric_units(model))
    if _at_start(model, Y, loss, fits):  # the start's figures (Karpathy's makemore part 3)
        problems += _start_problems(layers, _initial_loss(model, loss))
    wrong = _wrong_gradients(model, X)
    problems += [] if wrong is None else [("wrong_gradient", None, wrong)]
    if check_bool(warn, "warn"):
        _emit(problems, stacklevel=stacklevel)
    return Diagnosis(layers=layers, loss=loss, losses=list(losses), problems=[(k, m) for k, _, m in problems])


def _divergence(stop_reason):
    """``stop_reason`` when it says that training diverged, else None (early stopping is no problem)."""
    return stop_reason if stop_reason and "diverged" in stop_reason else None


def _prepare_probe(model, X, y, max_samples):
    check_compiled_model(model, "diagnose")
    max_samples = check_positive_int(max_samples, "max_samples")
    X, Y, w = model._prepare_xy(X, y, what="diagnose")
    n = X.shape[0]
    if n > max_samples:  # rows spread evenly over the data: its first rows alone, of data sorted by class, left
        rows = np.arange(max_samples) * n // max_samples  # the units that fire only for later classes "dead"
        X, Y = X[rows], Y[rows]
    X, Y = backend.to_namespace(X, Y)  # the probe runs in the model's namespace
    return X, Y, None
