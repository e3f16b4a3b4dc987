"""What fit and train_on_batch do when training diverges (the loss or its gradient NaN or inf).

Each epoch's start is kept (:func:`_snapshot`: the weights, the optimizer's state, the
layers' moving statistics); :func:`_stop_diverged` restores the last one known to give a
finite loss, stops training and warns with a :class:`DivergenceWarning` that names the epoch,
the batch, the learning rate and, where the inputs are unscaled, their scale
(:func:`_input_scale_note`). A regularizer that is not finite at fit's first step is refused
instead (:func:`_refuse_non_finite_penalty`): no learning rate made it so.
"""

import math
import sys
import warnings

import numpy as np

from .. import backend
from ..layers import Layer
from ..layers.base import penalty
from .learning_rate import _rated


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or the gradients became NaN or infinite."""


class NonFinitePenaltyError(ValueError):
    """A regularizer gave NaN or inf for finite weights or outputs at fit's first step
    (:func:`_refuse_non_finite_penalty`); ``argument`` names it (``"kernel_regularizer"``)."""

    def __init__(self, message, argument):
        super().__init__(message)
        self.argument = argument


def _refuse_non_finite_penalty(model):
    """A ValueError where a layer's regularizer gave NaN or inf for finite weights or outputs at fit's first
    step: the divergence warning blamed the learning rate (the step had changed nothing yet)."""
    for held in model._layers:
        for layer in (held, getattr(held, "layer", None)):  # (a wrapper's layer: SpectralNormalization's)
            if not isinstance(layer, Layer):
                continue
            names = [layer.keras_param_names.get(key, key) for key in layer.params] if model._trains(held) else []
            penalized = [("activity_regularizer", getattr(layer, "Y", None), "the layer's output"),
                         *((f"{name}_regularizer", W, f"the layer's {name}") for name, W in zip(names, layer.params.values()))]
            for argument, X, of in penalized:
                regularizer = getattr(layer, argument, None)
                if regularizer is None or X is None or not _all_finite(X):
                    continue
                value = penalty(regularizer, X, f"{argument} of layer {layer.name!r}", of)
                if not math.isfinite(value):
                    raise NonFinitePenaltyError(
                        f"The {argument} {regularizer!r:.80} of layer {layer.name!r} returned {value} for {of} of "
                        f"shape {tuple(X.shape)}, all finite, at fit's first step: the loss cannot be minimised. "
                        "Make the regularizer return a finite number for finite values.", argument)


def _all_finite(x):
    if isinstance(x, np.ndarray):
        return bool(np.isfinite(x).all())  # the method: a few µs less per epoch than np.all
    xp = backend.get_namespace()
    return bool(xp.all(xp.isfinite(x)))


def _snapshot(model):
    """Copies of the weights and of the optimizer's state (its steps, momentum, moments): what
    a diverged update is undone to. The state too: the diverging steps left an SGD momentum of
    1e12 (or inf), and every later step diverged again, whatever the learning rate. And the
    layers' non-trainable arrays (batch normalization's moving statistics, spectral
    normalization's ``u``), which training steps change outside the flat weights: the diverging
    batches' statistics (1e22, inf) stayed with the restored weights, and evaluate read them."""
    optimizer = model.optimizer
    layers = [(layer.state, {key: backend.copy(value) for key, value in layer.state.items()})
              for layer in model._layers if layer.state]
    return (backend.copy(model._flat_params), optimizer._iterations,
            {name: backend.copy(slot) for name, slot in optimizer.state.items()}, optimizer.get_scalars(), layers)


def _restore(model, snapshot):
    model._claim_if_rebound()  # (see _finalize_average)
    weights, iterations, state, scalars, layers = snapshot
    model._flat_params[...] = weights
    for arrays, kept in layers:
        for key, value in kept.items():
            arrays[key][...] = value
    model.optimizer._iterations = iterations
    for name, slot in state.items():
        model.optimizer.state[name][...] = slot
    if scalars:  # (a MultiOptimizer's sub-optimizers' steps, a LossScaleOptimizer's scale)
        model.optimizer.set_scalars(scalars)


def _stop_diverged(model, epoch, step, snapshots, batch, start_failed=None):
    """Stop, with the last weights known to give a finite loss and their optimizer state.

    ``snapshots`` are :func:`_snapshot`'s of this epoch's start, of the previous one's (None
    in fit's first epoch) and ``(epoch, snapshot)`` of fit's start (None where no layer keeps
    moving statistics). This epoch's start weights were made by the previous epoch's last
    update, whose loss nobody computed: restoring them alone left a model whose evaluate read
    inf (full-batch SGD: the divergence comes at a first batch, whose loss is theirs). So they
    are tried on the diverging ``batch`` ``(Xb, Yb, wb)`` (one forward pass, in inference mode as
    ``evaluate``, only here); ``start_failed`` True says their loss there is known to be
    non-finite. Where it is, the previous epoch's start, whose first batch's loss was finite
    in training mode, is tried the same way: with batch normalization its moving statistics
    (1e120) can lag so far behind its weights that evaluate read inf where training read 5e244.
    Where it fails too, fit's start is restored. The warning names the batch ``Xb``'s largest
    |x| where the inputs are unscaled (pixels of 0..255)."""
    start, previous, first = snapshots
    Xb, Yb, wb = batch

    def finite_in_inference():
        loss = model.compute_loss(y=Yb, y_pred=model.forward(Xb, training=False), sample_weight=wb)
        return math.isfinite(loss)

    _restore(model, start)
    model._restored_epoch = epoch
    if not start_failed and finite_in_inference():
        restored = "the weights are restored to the start of this epoch."
    elif previous is None:
        restored = ("the weights are those fit began with (this epoch's start), though they already give this "
                    "batch a non-finite loss, so evaluate and predict will too.")
    else:
        _restore(model, previous)
        model._restored_epoch = epoch - 1
        restored = (f"the weights are restored to the start of epoch {epoch} (those of this epoch's start, made by "
                    f"epoch {epoch}'s last update, already give this batch a non-finite loss).")
        if not finite_in_inference():
            fallen_back = first is not None and first[0] < epoch - 1
            if fallen_back:
                _restore(model, first[1])
                fallen_back = finite_in_inference()
            if fallen_back:
                model._restored_epoch = first[0]
                restored = (
                    f"the weights are restored to those fit began with, at the start of epoch {first[0] + 1}: the "
                    f"starts of epochs {epoch} and {epoch + 1} (fit keeps none between) give this batch a non-finite "
                    "loss in inference mode, as evaluate computes it, their layers' moving statistics far behind "
                    "their weights.")
            else:
                if first is not None and first[0] < epoch - 1:
                    _restore(model, previous)
                restored = restored[:-2] + (
                    "; in inference mode, as evaluate and predict compute it, that start's loss on this batch is not "
                    "finite either, so theirs will not be).")
    model._diverged = True
    model._restored_note = restored  # (the playground, which may go back further, says so in its place)
    rates = [(o.name, o.learning_rate) for o in _rated(model.optimizer)]  # (a MultiOptimizer's each)
    lower = (f"Try a lower learning rate (currently {rates[0][1]:g}), e.g. {rates[0][1] / 10:g}." if len(rates) == 1
             else "Try lower learning rates (currently " + ", ".join(f"{n}: {lr:g}" for n, lr in rates) + ").")
    message = (
        f"Training diverged at epoch {epoch + 1}, batch {step + 1}: the loss or its gradient became NaN or "
        f"infinite. Training stopped; {restored} {lower}"
    ) + _input_scale_note(Xb, "this batch")
    opt = model.optimizer  # Adam(epsilon=0) met a gradient of 0: 0/0 is NaN (not Adagrad's, whose sums start > 0)
    if getattr(opt, "epsilon", None) == 0 and not getattr(opt, "initial_accumulator_value", 0):
        message += (" The optimizer's epsilon=0 makes a step 0/0 (NaN) where a gradient is 0 from the start (an "
                    "input that is always 0, a unit that never fires): give epsilon > 0, such as Keras's 1e-7.")
    model.stop_training = True
    model.stop_reason = message
    # the user's line (fit, train_on_batch, a subclass's own fit): Sequential.fit's call of training.fit was named
    warnings.warn(message, DivergenceWarning, stacklevel=user_stacklevel())


def user_stacklevel(also=()):
    """The ``stacklevel`` for ``warnings.warn`` in the function that calls this one that makes the warning
    name the first frame outside glassnet: the user's ``model.fit(...)`` line, however many of glassnet's
    calls lie between (``Sequential.fit`` calls ``training.fit``: a level counted by hand named
    ``sequential.py``). Python 3.12's ``skip_file_prefixes`` does this; glassnet runs on 3.10 too. A
    frame is glassnet's by its module's name (``glassnet`` or ``glassnet.*``), as
    :mod:`.subclassing` tells its own assignments; where every frame is (none outside), the outermost.
    ``also``: the top-level packages whose frames are passed too (``("sklearn",)``: its ``score`` calls ``predict``;
    with it joblib's, through which ``cross_val_score`` and ``GridSearchCV`` call ``fit``)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and _is_glassnet(frame, also):
        frame, level = frame.f_back, level + 1
    return level


def _is_glassnet(frame, also=()):
    name = frame.f_globals.get("__name__") or ""
    return name.partition(".")[0] in ("glassnet", *also, *(("joblib",) if "sklearn" in also else ()))


def _input_scale_note(X, where):
    """`` The inputs are not scaled: |x| reaches 255 in ...`` (:func:`glassnet.diagnostics.input_scale_note`)."""
    from ..diagnostics.problems import input_scale_note  # (glassnet.diagnostics imports this package)

    xp = backend.get_namespace(X)
    x_max = float(xp.max(xp.abs(X))) if math.prod(X.shape) else 0.0
    note = input_scale_note(x_max, where)
    return " " + note if note else ""


__all__ = ["DivergenceWarning"]
