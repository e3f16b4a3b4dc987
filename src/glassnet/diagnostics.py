"""What goes wrong in training, measured and explained (SPEC A11).

The lectures name the usual failures and their cures:

* dead ReLUs (seed 001: "Current best practice: use ReLU and lower learning
  rates if [you] see many (20-40%) 'dead' neurons"; seed 002: "Dying ReLU
  problem"): a ReLU unit is **dead** when its output is 0 for every sample of
  a probe batch, so it passes back no gradient and stops learning. A layer
  with at least :data:`DEAD_FRACTION` (20%) dead units is reported when all
  of them are dead, when training killed them (:data:`DEAD_KILLED`: the
  callback knows the share before training) or when the loss no longer falls;
  units that are off since initialisation while the loss falls are not (deep,
  narrow Glorot/He nets start with up to 75% of a layer off and train well).
  Where the units were dead from the start (:data:`DEAD_AT_START_ADVICE`) the
  advice is a live start, not a lower learning rate;
* saturated sigmoid/tanh units (and those of Keras's bounded hard_sigmoid, hard_tanh,
  sparse_sigmoid and softsign; seed 002: "towards either end of the sigmoid
  function, the σ(x) values tend to respond very less to changes in x"): a
  unit is **saturated** when, for every probe sample, its output lies within
  1% of the activation's range from one of its bounds (sigmoid: a < 0.01 or
  a > 0.99, where g'(z) < 0.0099; tanh: |a| > 0.98), so g'(z) ≈ 0. A sigmoid
  output layer trained with binary cross-entropy is measured but not reported:
  that loss's ∂J/∂a cancels g'(z), the output delta is a − y, so outputs at
  0 or 1 are a classifier's confident answers, not units that stopped learning
  (the same output under the squared error is reported). Nor is a saturated hidden layer of a
  model that fits the probe (:data:`FITTED`): training made those units sharp features;
* vanishing or exploding gradients (seed 004: ``∂E/∂w ∝ φ'(net_0)·φ'(net_1)·
  φ'(net_2)``, "the weights farthest away from the output can have very
  large, or very small, updates"): measured as the RMS gradient of each Dense
  layer's weights, ``‖∂J/∂W^(l)‖ / √(#W^(l))``. With three or more Dense
  layers, gradients that shrink by more than :data:`VANISHING_RATIO` (100×)
  from the last layer to the first are **vanishing**; gradients that grow by
  more than 100× are **exploding**. Gradients also explode where the hidden
  layers' RMS output ``√(mean a²)`` grows more than :data:`ACTIVATION_GROWTH`
  (100×) from the first hidden Dense layer to the last (a start too large for
  the layers' widths: the loss and every gradient are huge, and their
  first-to-last ratio stays near 1);
* steps too large for the weights: after training, one SGD step
  ``η‖∂J/∂W‖/‖W‖`` (Karpathy's update/weight ratio, about 1e-3 when healthy)
  above :data:`UPDATE_RATIO` (1) in some layer;
* a learning rate that is too large (seed 000's η = 1.05 table: every step
  overshoots further, f grows; η = 1.0: f oscillates): the training loss is
  NaN/inf, **grows** (over the last 10 epochs it rose in at least 60% of
  them and ends more than 10% above where it started) or **oscillates**
  (it changes direction in at least 80% of the epochs, by 5% of its level
  on average, and the lowest loss of the window's last half is not below 90%
  of the lowest of its first half: a 2-cycle in either phase, not a noisy
  loss that still falls) or has **exploded**: finite, but more than
  :data:`LOSS_EXPLODED` (10⁶) times the loss of a model that learned nothing
  (predicting 0 or the mean target; with the callback also the loss before
  training), and the last epoch did not lower it by 10%.

Where a problem is found and the probe's inputs are unscaled (largest |x| above
:data:`INPUT_SCALE`, such as pixels of 0..255), an ``unscaled_inputs`` problem comes first,
naming that largest |x| and how to scale it away (seed 004: X -= mean, X /= std); the
learning-rate advice names the optimizer's learning rate and a lower one to try.

:func:`diagnose` measures a model once; the :class:`Diagnostics` callback
measures it after every epoch and stores the numbers in the History
(``history.history["dead_relu/dense"]``, ``"saturated/dense"``,
``"grad_norm/dense"``, ``"weight_norm/dense"``, ``"output_rms/dense"``, ``"update_ratio/dense"``).
Problems are reported as
:class:`DiagnosticWarning` with the lectures' advice.
"""

import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import backend, initializers, optimizers
from ._validation import check_array, check_bool, check_positive_int
from .layers.base import Layer
from .models.callbacks import Callback
from .trace import format_table

__all__ = ["diagnose", "Diagnosis", "Diagnostics", "DiagnosticWarning", "LayerDiagnosis"]

DEAD_FRACTION = 0.2
"""Warn when at least this share of a layer's ReLU units is dead (seed 001: 20–40%), and one of
the causes :data:`DEAD_KILLED` names is seen."""
DEAD_KILLED = 0.6
"""Dead ReLUs are a learning-rate problem when training killed them: at least this share of the
units that were alive before training died since (the :class:`Diagnostics` callback measures the
start). A share of dead units alone is no sign: in deep, narrow nets a unit can be off for every
input from the start (2-D inputs reach few directions), and no step revives it. Measured on the probe
(256 rows) of 54 healthy nets, Adam(1e-3), Glorot or He, 5, 7 or 10 hidden layers of 8, 16 or 32
units, on the circle (20 epochs) and the digits (10 epochs; every loss falling): up to 75% of a
layer was dead at initialisation, and the old rule (20% dead) warned in 53 of them, most from the
first epoch on. Training killed at most 57% of a layer's live units in all but one (71%: 8 units
of 7 layers on the 64 pixels of the digits). In 11 nets broken by too large a learning rate
(SGD(1) to SGD(5), Adam(0.05) to Adam(0.5)) it killed 67% to 100%; in 3 started with biases of
−1 to −3 whole layers were dead and the loss did not move. So a layer is reported when all its
units are dead (nothing passes through), when training killed at least 60% of its live units,
or when the training loss no longer falls, still at least half its first epoch's (:func:`_loss_stalled`)."""
SATURATED_FRACTION = 0.2
"""Warn when at least this share of a layer's sigmoid/tanh units is saturated; in a hidden layer only
while the model does not fit the probe (:data:`FITTED`)."""
FITTED = 0.5
"""A model whose probe loss is below this share of the loss of predicting the mean target (for the
cross-entropies the class frequencies) fits the probe: its saturated hidden units are features
training made that sharp, not units that stopped it. Of 54 healthy nets (1 to 3 hidden layers of 8,
32 or 64 relu, tanh or sigmoid units, Adam(0.01), 60 epochs on the circle: accuracy 1.0, probe loss
0.01 of 0.69) the 64-wide tanh ones were warned about, up to 34% of their second layer saturated
(every unit at the same end for every sample: a constant, which the next layer takes as a bias)."""
SATURATION_MARGIN = 0.01
"""A saturated output lies within this share of the activation's range from a bound."""
VANISHING_RATIO = 100.0
"""RMS gradient of the last Dense layer over the first one above which gradients vanish
(and, inverted, below which they explode)."""

ACTIVATION_GROWTH = 100.0
"""RMS output of the last hidden Dense layer over the first one above which the activations (and
with them the loss and every gradient) explode. He initialisation keeps the RMS of ReLU outputs
from layer to layer, Glorot that of tanh (or lets it shrink); trained Glorot/He MLPs on the digits
and the circle grow it at most about 16× over ten layers. Two orders of magnitude, as for
:data:`VANISHING_RATIO`, are a start too large for the layers' widths: 20 ReLU layers of 32 units
from N(0, 0.6²) multiply it by about 0.6·√16 ≈ 2.4 a layer, 10⁷ in all. The gradients then grow
backwards as the activations grow forwards, so their first-to-last ratio cannot see it."""
UPDATE_RATIO = 1.0
"""Relative size of one SGD step, η‖∂J/∂W‖/‖W‖, above which the learning rate is too large for
the gradients (Karpathy, "A Recipe for Training Neural Networks" and CS231n: about 1e-3 is healthy).
At 1 a single step is as large as the weights themselves; trained Glorot/He MLPs on the digits and
the circle (SGD 0.1 to 0.5, 2 to 10 layers) stay below 0.3. Only read after training: before it, weights started
small (N(0, 0.01²)) make any first step large, and harmlessly so."""

LOSS_WINDOW = 10
"""The loss-curve checks look at this many most recent epochs."""
LOSS_EXPLODED = 1e6
"""A training loss this many times that of a model that learned nothing, and no longer falling,
has exploded. "Learned nothing" is the larger of a constant prediction, 0 or the mean target (for
the cross-entropies the class frequencies), and (the callback) the loss before training: the
start that slow training from unscaled targets never leaves (y ≈ 1000: 1e6 from the first epoch
on) is then no explosion. Six orders of magnitude above it, for the squared error outputs about
a thousand times off, are weights thrown away by too large steps (SGD(1.0) on pixels of 0..255:
1.3e4, then 1.3e25 every epoch, all finite)."""

INPUT_SCALE = 10.0
"""Inputs whose largest |x| is above this are unscaled (seed 004: X -= mean, X /= std); the
warnings then name the largest |x| seen as a cause, with how to scale it away."""

_SATURATING = ("sigmoid", "tanh", "bipolar_sigmoid", "hard_sigmoid", "hard_tanh", "sparse_sigmoid", "softsign")
#: activations whose units can die as a ReLU's: output 0, and g'(z) = 0, below a point
_DYING = ("relu", "relu6")
#: Output activation -> the losses whose gradient cancels its g'(z) (output delta a − y), so
#: that a saturated output still learns. Softmax pairs with the categorical cross-entropies
#: the same way, but its saturation is never measured.
_DELTA_A_MINUS_Y = {"sigmoid": ("binary_crossentropy",)}

ADVICE = {
    "dead_relu": (
        "Lower the learning rate, e.g. {lower} (seed 001: 'use ReLU and lower learning rates if you see many "
        "(20-40%) dead neurons'); leaky ReLU or He initialisation also keep units alive."
    ),
    "saturated": (
        "Standardize the inputs (seed 004: X -= mean, X /= std), use Glorot initialisation or a "
        "lower learning rate, or switch the hidden layers to ReLU."
    ),
    "vanishing": (
        "Use ReLU in the hidden layers, a better initialisation (He for ReLU, Glorot for tanh) "
        "or batch normalization (seed 001), or fewer sigmoid layers."
    ),
    "exploding": (
        "Lower the learning rate, e.g. {lower}, clip the gradients (optimizer clipnorm=1.0), use a smaller "
        "initialisation or batch normalization."
    ),
    "diverged": "The learning rate is far too large: lower it, e.g. {lower}.",
    "loss_exploded": "The learning rate is far too large: lower it, e.g. {lower}.",
    "loss_grows": (
        "The learning rate is too large: like seed 000's η = 1.05 table, every step overshoots "
        "the minimum further. Lower it, e.g. {lower}."
    ),
    "loss_oscillates": (
        "The learning rate is too large: like seed 000's η = 1.0 table, the steps jump across "
        "the minimum back and forth. Lower it, e.g. {lower}."
    ),
    "large_updates": (
        "Lower the learning rate, e.g. {lower}, or clip the gradients (optimizer clipnorm=1.0); about 1e-3 "
        "is a healthy update/weight ratio."
    ),
    "unscaled_inputs": "Scale the inputs to about [-1, 1] (seed 004: X -= mean, X /= std).",
}
"""The lectures' advice per kind of problem; ``{lower}`` is how to lower the learning rate
(:func:`_advice` fills it in: "from 0.5 to 0.05" where the rate is known, else "by a factor of 10")."""
DEAD_AT_START_ADVICE = (
    "They are dead from the start, not killed by training, and a lower learning rate does not revive them: "
    "start them alive, with He initialisation (kernel_initializer='he_normal'), biases at 0 or slightly above, "
    "or leaky ReLU."
)
"""The ``dead_relu`` advice where the units were dead before training: the :class:`Diagnostics` callback
measured them then, or :func:`diagnose` sees a model whose optimizer has taken no step."""


class DiagnosticWarning(UserWarning):
    """Training shows a problem the lectures warn about (dead ReLUs, saturation,
    vanishing/exploding gradients, a learning rate that is too large)."""


@dataclass
class LayerDiagnosis:
    """Measurements of one layer on the probe batch.

    ``units`` is the number of output features (the last axis: on samples of several axes a unit is
    shared by every position, and dead or saturated only where it is at all of them);
    ``dead_fraction`` is None unless the layer's activation is ReLU,
    ``saturated_fraction`` None unless it is sigmoid/tanh; ``grad_rms`` is
    ``‖∂J/∂W‖/√(#W)`` for Dense layers (None otherwise). ``output_rms`` is the RMS
    of the layer's output ``√(mean a²)``; ``update_ratio`` the relative size of one
    plain gradient step, ``η‖∂J/∂W‖/‖W‖`` (layers with a kernel W, under an
    :class:`~glassnet.optimizers.SGD` optimizer: adaptive ones such as Adam
    scale their steps to the gradients, so theirs is not ``η‖∂J/∂W‖``).
    """

    index: int
    name: str
    activation: str | None
    units: int
    dead_fraction: float | None
    saturated_fraction: float | None
    grad_norm: float | None
    weight_norm: float | None
    grad_rms: float | None
    output_rms: float | None = None
    update_ratio: float | None = None


@dataclass
class Diagnosis:
    """The result of :func:`diagnose`.

    Attributes
    ----------
    layers : list of LayerDiagnosis
    loss : float
        Loss on the probe batch (inference mode).
    losses : list of float
        The training loss per epoch the checks looked at (from the last ``fit``).
    problems : list of (kind, message)
        ``kind`` is a key of :data:`ADVICE`; the message says what was
        measured and what to do.
    """

    layers: list
    loss: float
    losses: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def warnings(self):
        """The problems as plain-language messages."""
        return [message for _, message in self.problems]

    @property
    def healthy(self):
        return not self.problems

    def to_dict(self):
        return {
            "loss": _finite_or_none(self.loss),
            "losses": [_finite_or_none(v) for v in self.losses],
            "layers": [
                {k: _finite_or_none(v) if isinstance(v, float) else v for k, v in vars(layer).items()}
                for layer in self.layers
            ],
            "problems": [{"kind": k, "message": m} for k, m in self.problems],
        }

    def __str__(self):
        pct = lambda v: "" if v is None else f"{100 * v:.0f}%"
        num = lambda v: "" if v is None else f"{v:.3g}"
        rows = [
            [str(l.index), l.name, l.activation or "", str(l.units), pct(l.dead_fraction),
             pct(l.saturated_fraction), num(l.output_rms), num(l.grad_norm), num(l.grad_rms), num(l.weight_norm),
             num(l.update_ratio)]
            for l in self.layers
        ]
        header = ["l", "layer", "g", "units", "dead ReLU", "saturated", "RMS a", "‖∂J/∂θ‖", "RMS ∂J/∂W", "‖θ‖",
                  "η‖∂J/∂W‖/‖W‖"]
        lines = [f"Diagnosis (probe loss J = {self.loss:.6g})", format_table(header, rows)]
        if self.problems:
            lines += ["", "Warnings:"] + [f"- {m}" for m in self.warnings]
        else:
            lines += ["", "No problems found."]
        return "\n".join(lines)


def _finite_or_none(v):
    return float(v) if v is not None and math.isfinite(v) else None


# --- measuring --------------------------------------------------------------------------

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
                found.append((float(model.loss(*backend.to_namespace(Y, constant))), f"predicting {what} for every sample"))
    found = [(v, what) for v, what in found if v is not None and math.isfinite(v) and v > 0]
    return max(found, default=None)


def _fits(model, Y, loss):
    """Whether the probe ``loss`` is below :data:`FITTED` times that of predicting the mean target."""
    Y = backend.numpy_copy(Y)
    if not (Y.shape[0] and Y.dtype.kind == "f" and math.isfinite(loss)):
        return False
    mean = np.broadcast_to(Y.mean(axis=0), Y.shape).astype(Y.dtype)
    with np.errstate(all="ignore"):
        constant = float(model.loss(*backend.to_namespace(Y, mean)))
    return bool(loss < FITTED * constant)


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
        dead = saturated = a_rms = ratio = None
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
        out.append(LayerDiagnosis(i + 1, layer.name, name, units, dead, saturated, g_norm, w_norm, g_rms, a_rms, ratio))
    return out


def _learning_output(model):
    """The name of the output layer when its loss cancels the activation's g'(z) (sigmoid with
    binary cross-entropy: δ = a − y), so that its saturation is no problem; else None."""
    last, loss = model.layers[-1], getattr(model, "loss", None)
    activation = getattr(last, "activation", None)
    if activation is None or loss is None or getattr(loss, "from_logits", False):
        return None
    return last.name if loss.name in _DELTA_A_MINUS_Y.get(activation.name, ()) else None


def _problems(layers, losses, stop_reason=None, learning_output=None, lr=None, x_max=None, init=None,
              untrained_loss=None, dead_before=None, fits=False):
    """``[(kind, layer name or None, message)]`` for the measurements and the loss curve (whose
    explosion is measured against ``untrained_loss``, :func:`_untrained_loss`); ``dead_before``
    maps a ReLU layer's name to its dead share before training, where known (:func:`_why_dead`);
    the saturation of the layer named ``learning_output`` (see :func:`_learning_output`) is
    not reported, nor that of the hidden layers where the model ``fits`` the probe (:func:`_fits`).
    The messages name the learning rate ``lr``, where some problem is found inputs whose
    largest |x| ``x_max`` is above :data:`INPUT_SCALE`, and with exploding
    gradients ``init``, the initializers to replace (:func:`_unscaled_initializers`)."""
    found = []
    stalled = _loss_stalled(losses)
    for l in layers:
        if l.dead_fraction is not None and l.dead_fraction >= DEAD_FRACTION:
            before = (dead_before or {}).get(l.name)
            why = _why_dead(l.dead_fraction, before, stalled)
            if why is None:  # off since initialisation, and the loss falls: no problem (DEAD_KILLED)
                continue
            at_start = before is not None and l.dead_fraction <= before  # training killed none of them
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


def _max_abs(X):
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
    return _diagnose(model, X, y, losses, warn, max_samples, stacklevel=4)


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
    problems = _problems(layers, losses, stop_reason, _learning_output(model), _learning_rate(model), _max_abs(X),
                         _unscaled_initializers(model), _untrained_loss(model, Y), dead_before, _fits(model, Y, loss))
    if check_bool(warn, "warn"):
        _emit(problems, stacklevel=stacklevel)
    return Diagnosis(layers=layers, loss=loss, losses=list(losses), problems=[(k, m) for k, _, m in problems])


def _divergence(stop_reason):
    """``stop_reason`` when it says that training diverged, else None (early stopping is no problem)."""
    return stop_reason if stop_reason and "diverged" in stop_reason else None


def _prepare_probe(model, X, y, max_samples):
    if not hasattr(model, "layers") or not hasattr(model, "_prepare_xy"):
        raise TypeError(f"model must be a glassnet Sequential model. Received: {type(model).__name__}")
    if not getattr(model, "compiled", False):
        raise ValueError("diagnose() needs a compiled model: call model.compile(optimizer, loss) first.")
    max_samples = check_positive_int(max_samples, "max_samples")
    X, Y, w = model._prepare_xy(X, y, what="diagnose")
    n = X.shape[0]
    if n > max_samples:  # rows spread evenly over the data: its first rows alone, of data sorted by class, left
        rows = np.arange(max_samples) * n // max_samples  # the units that fire only for later classes "dead"
        X, Y = X[rows], Y[rows]
    X, Y = backend.to_namespace(X, Y)  # the probe runs in the model's namespace
    return X, Y, None


class Diagnostics(Callback):
    """Measure the model after every epoch and warn about training problems.

    Adds to the epoch's logs (so the History keeps them, one value per epoch)
    ``"dead_relu/<layer>"`` (ReLU layers), ``"saturated/<layer>"``
    (sigmoid/tanh layers), ``"grad_norm/<layer>"`` and
    ``"weight_norm/<layer>"`` (layers with weights), ``"output_rms/<layer>"``
    and, under SGD, ``"update_ratio/<layer>"`` (η‖∂J/∂W‖/‖W‖), measured on a fixed
    probe batch in inference mode. Each kind of problem is warned about
    once per layer, as a :class:`DiagnosticWarning`; a divergence that stopped
    ``fit`` is only added to :attr:`problems` (fit's ``DivergenceWarning`` says it).

    Parameters
    ----------
    x, y : array-like
        The probe batch, e.g. part of the training data (at most
        ``max_samples`` rows are used, spread evenly over it).
    warn : bool
        Issue warnings (they are always collected in :attr:`problems`).

    Attributes
    ----------
    problems : list of (epoch, kind, message)
    last : Diagnosis
        The measurement after the latest epoch.
    """

    def __init__(self, x, y, warn=True, max_samples=256):
        super().__init__()
        self.x, self.y = x, y
        self.warn = check_bool(warn, "warn")
        self.max_samples = check_positive_int(max_samples, "max_samples")  # at construction, not at fit
        self.problems = []
        self.last = None

    def on_train_begin(self, logs=None):
        self._probe = _prepare_probe(self.model, self.x, self.y, self.max_samples)
        self._x_max = _max_abs(self._probe[0])
        # the loss before training too: a start that slow training never leaves is no explosion
        start, loss = _probe(self.model, *self._probe)
        self._untrained_loss = _untrained_loss(self.model, self._probe[1], loss)
        # and the dead ReLUs before it: those that training kills are a learning-rate problem (DEAD_KILLED)
        self._dead_before = {l.name: l.dead_fraction for l in start if l.dead_fraction is not None}
        self._losses = []
        self._reported = set()
        self._epoch = 0
        self.problems = []

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        X, Y, w = self._probe
        layers, loss = _probe(self.model, X, Y, w)
        if logs is not None:
            self._losses.append(logs.get("loss", float("nan")))
            for l in layers:
                if l.dead_fraction is not None:
                    logs[f"dead_relu/{l.name}"] = l.dead_fraction
                if l.saturated_fraction is not None:
                    logs[f"saturated/{l.name}"] = l.saturated_fraction
                if l.grad_norm is not None:
                    logs[f"grad_norm/{l.name}"] = l.grad_norm
                    logs[f"weight_norm/{l.name}"] = l.weight_norm
                if l.output_rms is not None:
                    logs[f"output_rms/{l.name}"] = l.output_rms
                if l.update_ratio is not None:
                    logs[f"update_ratio/{l.name}"] = l.update_ratio
        found = _problems(layers, self._losses, None if math.isfinite(loss) else "the probe loss is not finite",
                          _learning_output(self.model), _learning_rate(self.model), self._x_max,
                          _unscaled_initializers(self.model), self._untrained_loss, self._dead_before,
                          _fits(self.model, Y, loss))
        self.last = Diagnosis(layers=layers, loss=loss, losses=list(self._losses),
                              problems=[(k, m) for k, _, m in found])
        self._report(epoch, found)

    def on_train_end(self, logs=None):
        # fit stops at a divergence with the diverging batch rolled back: the logged losses
        # and the weights are finite, and only the model's stop reason tells (as diagnose reads it).
        # Kept in the problems, not warned about: fit's DivergenceWarning has just said it
        found = _problems([], [], _divergence(getattr(self.model, "stop_reason", None)),
                          lr=_learning_rate(self.model), x_max=self._x_max)
        if self.last is None and found:  # the first epoch diverged, so none ended: measure the weights fit left
            X, Y, w = self._probe
            layers, loss = _probe(self.model, X, Y, w)
            self.last = Diagnosis(layers=layers, loss=loss, losses=list(self._losses), problems=[])
        if self.last is not None:
            self.last.problems += [(k, m) for k, where, m in found if (k, where) not in self._reported]
        self._report(self._epoch, found, warn=False)

    def _report(self, epoch, found, warn=True):
        """Collect (and, with ``warn``, warn about) the problems not reported before."""
        new = [(kind, where, message) for kind, where, message in found if (kind, where) not in self._reported]
        for kind, where, message in new:
            self._reported.add((kind, where))
            self.problems.append((epoch, kind, message))
        if self.warn and warn:
            _emit(new, stacklevel=6)
