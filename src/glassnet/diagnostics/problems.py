"""What the measurements and the loss curve show: each problem as ``(kind, layer, message)``,
with its cause and the lectures' advice."""

import math
import re
import warnings

import numpy as np

from .. import backend, initializers
from .report import DiagnosticWarning
from .thresholds import (ACTIVATION_GROWTH, ADVICE, DEAD_AT_START_ADVICE, DEAD_FRACTION, DEAD_KILLED, INITIAL_LOSS,
                         INPUT_SCALE, LOSS_EXPLODED, LOSS_WINDOW, SATURATED_FRACTION, TAIL_FRACTION, UPDATE_RATIO,
                         VANISHING_RATIO)


def _problems(layers, losses, stop_reason=None, learning_output=None, lr=None, x_max=None, init=None,
              untrained_loss=None, dead_before=None, fits=False, targets=None, symmetric=None):
    """``[(kind, layer name or None, message)]`` for the measurements and the loss curve (whose
    explosion is measured against ``untrained_loss``, :func:`_untrained_loss`); ``dead_before``
    maps a ReLU layer's name to its dead share before training, where known (:func:`_why_dead`);
    the saturation of the layer named ``learning_output`` (see :func:`_learning_output`) is
    not reported, nor that of the hidden layers where the model ``fits`` the probe (:func:`_fits`).
    The messages name the learning rate ``lr``, where some problem is found inputs whose
    largest |x| ``x_max`` is above :data:`INPUT_SCALE`, and with exploding
    gradients ``init``, the initializers to replace (:func:`_unscaled_initializers`); ``targets`` are unscaled
    regression targets the model does no better than their mean on (see :func:`_unscaled_targets_problem`);
    ``symmetric`` the hidden layers whose units are all identical (:func:`~.probe._symmetric_units`), reported
    first: a ReLU layer of them with a kernel of 0 is dead from the start, not from the learning rate (after a
    divergence, ``stop_reason``, the learning rate comes first)."""
    symmetric = {} if stop_reason else symmetric or {}
    found = [_symmetric_problem(name, *v) for name, v in symmetric.items()]
    found += [] if targets is None else [_unscaled_targets_problem(*targets)]
    stalled = _loss_stalled(losses)
    for l in layers:
        if l.dead_fraction is not None and l.dead_fraction >= DEAD_FRACTION:
            before = (dead_before or {}).get(l.name)
            why = _why_dead(l.dead_fraction, before, stalled)
            if why is None:  # off since initialisation, and the loss falls: no problem (DEAD_KILLED)
                continue
            at_start = (before is not None and l.dead_fraction <= before  # training killed none of them
                        or symmetric.get(l.name, (0, False))[1])  # W = 0: off for every input, whatever η
            found.append(("dead_relu", l.name, (
                f"{100 * l.dead_fraction:.0f}% of the ReLU units of layer {l.name!r} are dead (output 0 for "
                f"every probe sample, so they do not learn){why}. "
                f"{DEAD_AT_START_ADVICE if at_start else _advice('dead_relu', lr)}"
            )))
        if (l.saturated_fraction is not None and l.saturated_fraction >= SATURATED_FRACTION
                and l.name != learning_output and not (fits and l is not layers[-1])):
            found.append(("saturated", l.name, (
                f"{100 * l.saturated_fraction:.0f}% of the {l.activation} units of layer {l.name!r} are saturated "
                f"(output at the ends of its range for every probe sample, g'(z) ≈ 0). {ADVICE['saturated']}"
            )))
    rms = [(l.name, l.grad_rms) for l in layers if l.grad_rms is not None]
    if len(rms) >= 3 and all(math.isfinite(v) for _, v in rms):
        (first, g_first), (last, g_last) = rms[0], rms[-1]
        chain = " → ".join(f"{v:.2g}" for _, v in reversed(rms))
        if g_last > 0 and g_first < g_last / VANISHING_RATIO:
            found.append(("vanishing", None, (
                f"Vanishing gradients: the RMS gradient shrinks layer by layer from the output back to the "
                f"input ({chain}), {_times(g_last, g_first, 'smaller', first, last)}. "
                f"{_vanishing_advice(found, lr)}"
            )))
        elif g_first > 0 and g_last < g_first / VANISHING_RATIO:
            found.append(("exploding", None, (
                f"Exploding gradients: the RMS gradient grows layer by layer from the output back to the "
                f"input ({chain}), {_times(g_first, g_last, 'larger', first, last)}. "
                f"{_advice('exploding', lr)}{_init_note(init)}"
            )))
    if not any(kind == "exploding" for kind, _, _ in found):
        found += _exploding_activations(layers, lr, init)
    loss_problems = _loss_problems(losses, stop_reason, lr, untrained_loss)
    ratios = [(l.update_ratio, l.name) for l in layers if l.update_ratio is not None and math.isfinite(l.update_ratio)]
    # read after training only (UPDATE_RATIO); a loss that diverged or exploded already says "lower the learning rate"
    if (losses and ratios and max(ratios)[0] > UPDATE_RATIO
            and not any(kind in ("diverged", "loss_exploded") for kind, _, _ in loss_problems)):
        ratio, name = max(ratios)
        found.append(("large_updates", None, (
            f"The steps are too large: one SGD step changes the weights of layer {name!r} by {ratio:.3g} times "
            f"their size (η‖∂J/∂W‖/‖W‖), so each step overwrites what the last ones learned. "
            f"{_advice('large_updates', lr)}"
        )))
    found += loss_problems
    note = input_scale_note(x_max, "the probe batch")
    if found and note:  # the cause first, once, with the problems it explains
        found.insert(0, ("unscaled_inputs", None, note))
    return found


def _start_problems(layers, initial=None):
    """The problems of a model before training (Karpathy's makemore part 3): hidden sigmoid/tanh layers with at
    least :data:`TAIL_FRACTION` of their activations in the tails (and fewer than :data:`SATURATED_FRACTION` of
    their units saturated for every sample, which :func:`_problems` reports), and ``initial``, ``(loss, k)``: a
    cross-entropy's probe loss above :data:`INITIAL_LOSS` times log k, that of uniform predictions over k classes."""
    found = []
    last = max((l.index for l in layers if l.grad_norm is not None), default=0)  # the output layer with weights
    for l in layers:
        if (l.tail_fraction is not None and l.tail_fraction >= TAIL_FRACTION and l.index < last
                and l.saturated_fraction < SATURATED_FRACTION):
            found.append(("saturated", l.name, (
                f"{100 * l.tail_fraction:.0f}% of the {l.activation} activations of layer {l.name!r} are in the tails "
                f"before training (each unit's output at an end of its range for many probe samples, where g'(z) ≈ 0 "
                f"lets little gradient through; Karpathy's makemore part 3): the weights start too large for the "
                f"layer's inputs. Size them to its fan-in: Dense's default Glorot initialisation, or for tanh "
                f"kernel_initializer=VarianceScaling((5/3)**2, 'fan_in') (torch's kaiming_normal_ gain 5/3), and "
                f"standardize the inputs (seed 004: X -= mean, X /= std)."
            )))
    if initial is not None:
        loss, k = initial
        if loss > INITIAL_LOSS * math.log(k):
            found.append(("initial_loss", None, (
                f"The loss before training is {loss:.4g}, far above {math.log(k):.4g} = −log(1/{k}), that of "
                f"predicting all {k} classes as equally likely. {ADVICE['initial_loss']}"
            )))
    return found


def _symmetric_problem(name, units, zero):
    """The ``symmetric_units`` problem of layer ``name``, whose ``units`` are identical (their kernel all 0
    where ``zero``)."""
    weights = "all 0" if zero else "the same for every unit"
    return ("symmetric_units", name, (
        f"The {units} units of layer {name!r} are identical: their incoming weights ({weights}) and biases are "
        f"equal, so they compute the same output and get the same gradient, and no step makes them differ: the "
        f"layer works as one unit (seed 002: zero initialization, symmetric weights). {ADVICE['symmetric_units']}"
    ))


def _unscaled_targets_problem(mean, std, loss, constant):
    """The ``unscaled_targets`` problem: targets of ``mean`` and ``std`` (above
    :data:`TARGET_SCALE`), and a probe ``loss`` no lower than ``constant``, that of predicting their mean (an
    output activation whose range the targets leave fit already refuses)."""
    return ("unscaled_targets", None, (
        f"The targets are not scaled (mean {mean:.3g}, standard deviation {std:.3g}), and "
        f"the model does no better than predicting their mean for every sample (probe loss {loss:.3g}, the mean's "
        f"{constant:.3g}): its output and weights must grow that large, which small steps take long to reach. "
        f"{ADVICE['unscaled_targets']}"
    ))


def _loss_stalled(losses):
    """Whether training learns nothing more: over the last :data:`LOSS_WINDOW` epochs (all finite) the
    lowest loss of the last half is not 1% below that of the first half, and the loss is still at least
    half of the first epoch's (a converged loss that only jitters is no stall: Adam(1e-3) on the digits,
    5 × 32 ReLUs, from 2.2 to 0.03 in 68 epochs, is "flat" there)."""
    L = np.array(losses[-LOSS_WINDOW:], dtype=float)
    if len(L) < LOSS_WINDOW or not np.isfinite(L).all():
        return False
    low, half = L[:len(L) // 2].min(), len(L) // 2
    return bool(L[half:].min() >= low - 0.01 * abs(low) and abs(L[-1]) >= 0.5 * abs(float(losses[0])))


def _why_dead(dead, before, stalled):
    """Why a layer's share ``dead`` (≥ :data:`DEAD_FRACTION`) of dead ReLUs is a problem, as the end
    of the message's first sentence, or None where it is none (:data:`DEAD_KILLED`): ``before`` is the
    share before training (None: not known), ``stalled`` whether the loss no longer falls."""
    if dead >= 1:
        return ": none passes a gradient back to the layers below"
    if before is not None and before < 1 and (dead - before) / (1 - before) >= DEAD_KILLED:
        return f": training killed them, {100 * before:.0f}% were dead before it"
    if stalled:
        return f", and the training loss stopped falling in the last {LOSS_WINDOW} epochs"
    return None


def _exploding_activations(layers, lr, init):
    """The ``exploding`` problem where the hidden Dense layers' RMS output grows more than
    :data:`ACTIVATION_GROWTH` times from the first to the last (the gradients then grow in both
    directions, and their first-to-last ratio stays near 1), else ``[]``."""
    dense = [l for l in layers if l.grad_rms is not None]
    hidden = [(l.name, l.output_rms) for l in dense[:-1]]
    if len(hidden) < 2 or not all(v is not None and math.isfinite(v) for _, v in hidden):
        return []
    (first, a_first), (last, a_last) = hidden[0], hidden[-1]
    if not (a_first > 0 and a_last > ACTIVATION_GROWTH * a_first):
        return []
    chain = " → ".join(f"{v:.2g}" for _, v in hidden)
    grads = [l.grad_rms for l in dense if math.isfinite(l.grad_rms)]
    ratios = [l.update_ratio for l in dense if l.update_ratio is not None and math.isfinite(l.update_ratio)]
    step = f"; one SGD step would change the weights by up to {max(ratios):.2g} times their size" if ratios else ""
    return [("exploding", None, (
        f"Exploding activations: the RMS output grows layer by layer from the input to the output ({chain}), "
        f"{a_last / a_first:.3g}× larger in {last!r} than in {first!r}, and the loss and every gradient with it "
        f"(RMS ∂J/∂W up to {max(grads, default=math.nan):.2g}{step}). {_advice('exploding', lr)}{_init_note(init)}"
    ))]


#: :func:`input_scale_note`'s sentences in a message, the observation (group 1) and the advice in Python's terms,
#: which the command line and the playground say in their own
INPUT_SCALE_NOTE = re.compile(r"(The inputs are not scaled: \|x\| reaches \S+ in [^,]+, which makes the weighted "
                              r"sums and the gradients that much larger\. )Scale them to about \[-1, 1\] before "
                              r"training: x / \S+, or seed 004's x -= x\.mean\(axis=0\); x /= x\.std\(axis=0\)\.")


def input_scale_note(x_max, where):
    """The warning's sentence about unscaled inputs whose largest |x| in ``where`` is ``x_max``,
    or "" where ``x_max`` is at most :data:`INPUT_SCALE` (or None)."""
    if x_max is None or not x_max > INPUT_SCALE:
        return ""
    return (f"The inputs are not scaled: |x| reaches {x_max:.4g} in {where}, which makes the weighted sums "
            f"and the gradients that much larger. Scale them to about [-1, 1] before training: x / {x_max:.4g}, "
            "or seed 004's x -= x.mean(axis=0); x /= x.std(axis=0).")


def _advice(kind, lr, by="10"):
    """``ADVICE[kind]`` with the learning rate to try in the same sentence: "lower it, e.g. from 1 to
    0.1" (by a factor of ``by``, "10" or "2 to 10"), or "by a factor of 10" where it is not known.
    (A second sentence "The learning rate is 1 now: try 0.1." after "lower it by a factor of 10" said
    the same twice.)"""
    if lr is None or not lr > 0:
        lower = f"by a factor of {by}"
    elif by == "2 to 10":
        lower = f"from {lr:g} to between {lr / 2:g} and {lr / 10:g}"
    else:
        lower = f"from {lr:g} to {lr / 10:g}"
    return ADVICE[kind].format(lower=lower)


def _unscaled_initializers(model):
    """The weight initializers of the model's layers whose size does not follow the layer's
    (``RandomNormal(stddev=3.0)``; not Glorot, He or LeCun, variance ``scale / n`` with
    ``scale`` up to 2, nor an orthogonal matrix of gain up to 1), as one string, or None."""
    names = []
    for layer in model.layers:
        init = getattr(layer, "kernel_initializer", None)
        scaled = (isinstance(init, initializers.VarianceScaling) and init.scale <= 2
                  or isinstance(init, initializers.Orthogonal) and abs(init.gain) <= 1)
        if init is not None and not scaled and repr(init) not in names:
            names.append(repr(init))
    return ", ".join(names) or None


def _init_note(init):
    if not init:
        return ""
    return (f" The weights start from {init}: kernel_initializer='glorot_uniform' (tanh, sigmoid) or "
            "'he_normal' (ReLU) sizes them to the layers' widths, so that the gradients keep their size "
            "from layer to layer.")


def _learning_rate(model):
    """The optimizer's learning rate as a float, or None (no optimizer, or a callable that fails)."""
    try:
        return float(model.optimizer.learning_rate)  # (a MultiOptimizer's has none: None)
    except Exception:  # the note is a hint: its absence must not break the diagnosis
        return None


def _max_abs(X, model=None):
    """The largest |x| of the inputs ``X``; None where ``model`` takes ids (its first layer an Embedding or a
    CategoryEncoding, which pass no gradient back, or its Input given an integer dtype): no scale to judge."""
    first = model._layers[0] if model is not None and model._layers else None
    given = None if model is None else model._given_input_dtype()
    if not getattr(first, "passes_gradient", True) or str(given).startswith(("int", "uint")):
        return None
    X = backend.to_numpy(X)
    return float(np.max(np.abs(X))) if X.size else 0.0


def _vanishing_advice(found, lr=None):
    """Dead ReLU units stop the gradient too, and then "use ReLU" is no advice: name them."""
    dead = [name for kind, name, _ in found if kind == "dead_relu"]
    if dead:
        return (f"Here the dead ReLU units of {', '.join(map(repr, dead))} pass back no gradient: "
                f"{_advice('dead_relu', lr)}")
    return ADVICE["vanishing"]


def _times(big, small, how, first, last):
    """``"120× smaller in 'dense' than in 'dense_2'"``; where the small RMS gradient is exactly 0
    (no gradient reaches the layer: dead ReLUs above it) a ratio would read 1e+300×."""
    if small == 0:
        return f"none at all in {(first if how == 'smaller' else last)!r} (RMS 0)"
    return f"{big / small:.3g}× {how} in {first!r} than in {last!r}"


def _loss_problems(losses, stop_reason=None, lr=None, untrained_loss=None):
    """Seed 000's tables read as loss curves, over the last ``LOSS_WINDOW`` epochs; a loss that
    stays :data:`LOSS_EXPLODED` times above ``untrained_loss`` (if given: ``(loss, what it is)``) has exploded."""
    losses = [float(v) for v in losses]
    if stop_reason or any(not math.isfinite(v) for v in losses):
        return [("diverged", None, f"Training diverged: the loss became NaN or infinite. {_advice('diverged', lr)}")]
    L = np.array(losses[-LOSS_WINDOW:])
    table = ", ".join(f"{v:.3g}" for v in L[-6:])
    start, what = untrained_loss or (None, None)
    if start and len(L) >= 2 and L[-1] > LOSS_EXPLODED * start and L[-1] >= 0.9 * L[:-1].min():
        return [("loss_exploded", None, (
            f"The training loss exploded: finite but huge and no longer falling ({table}), {L[-1] / start:.2g} "
            f"times the loss of a model that learned nothing ({start:.3g}, {what}). {_advice('loss_exploded', lr)}"
        ))]
    if len(L) < 3:
        return []
    d = np.diff(L)
    turns = np.sign(d[1:]) * np.sign(d[:-1]) < 0
    # shares of the loss's size |L|, so that a loss below 0 (a custom one) is measured as one above
    swing = np.mean(np.abs(d)) / max(np.mean(np.abs(L)), 1e-12)
    # lows against lows, not the first epoch: where the window starts in a cycle does not matter
    half = len(L) // 2
    low = L[:half].min()
    stuck = L[-half:].min() >= low - 0.1 * abs(low)
    if len(turns) >= 2 and np.mean(turns) >= 0.8 and swing >= 0.05 and stuck:
        return [("loss_oscillates", None, f"The training loss oscillates ({table}). "
                 f"{_advice('loss_oscillates', lr, by='2 to 10')}")]
    if np.mean(d > 0) >= 0.6 and L[-1] > L[0] + 0.1 * abs(L[0]):
        return [("loss_grows", None, f"The training loss grows ({table}). {_advice('loss_grows', lr)}")]
    return []


def _emit(problems, stacklevel):
    for _, _, message in problems:
        warnings.warn(message, DiagnosticWarning, stacklevel=stacklevel)
