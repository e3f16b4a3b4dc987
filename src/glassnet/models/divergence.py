"""What fit and train_on_batch do when training diverges (the loss or its gradient NaN or inf).

Each epoch's start is kept (:func:`_snapshot`: the weights, the optimizer's state, the
layers' moving statistics); :func:`_stop_diverged` restores the last one known to give a
finite loss, stops training and warns with a :class:`DivergenceWarning` that names the epoch,
the batch, the learning rate and, where the inputs are unscaled, their scale
(:func:`_input_scale_note`). A regularizer that is not finite at fit's first step is refused
instead (:func:`_refuse_non_finite_penalty`): no learning rate made it so. A loss that stays
finite but rises far above its start (a learning rate too large, though finite) is watched by
:class:`_RiseWatch`, which warns with a :class:`LossRiseWarning` and lets training go on.
"""

import math
import sys
import warnings

import numpy as np

from .. import backend, losses
from ..layers import Layer
from ..layers.base import penalty
from .learning_rate import _rated


class DivergenceWarning(UserWarning):
    """Training stopped because the loss or the gradients became NaN or infinite."""


class LossRiseWarning(DivergenceWarning):
    """Training goes on, but its loss rose far above the loss it started with (and that of a
    model that learned nothing) and stayed there: a learning rate too large, though finite
    (:class:`_RiseWatch`). A :class:`DivergenceWarning`, so one filter silences both."""


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
    lower = _lower_rate(model)
    message = (
        f"Training diverged at epoch {epoch + 1}, batch {step + 1}: the loss or its gradient became NaN or "
        f"infinite. Training stopped; {restored} {lower}"
    ) + _input_scale_note(Xb, "this batch", model)
    opt = model.optimizer  # Adam(epsilon=0) met a gradient of 0: 0/0 is NaN (not Adagrad's, whose sums start > 0)
    if getattr(opt, "epsilon", None) == 0 and not getattr(opt, "initial_accumulator_value", 0):
        message += (" The optimizer's epsilon=0 makes a step 0/0 (NaN) where a gradient is 0 from the start (an "
                    "input that is always 0, a unit that never fires): give epsilon > 0, such as Keras's 1e-7.")
    model.stop_training = True
    model.stop_reason = message
    # the user's line (fit, train_on_batch, a subclass's own fit): Sequential.fit's call of training.fit was named
    warnings.warn(message, DivergenceWarning, stacklevel=user_stacklevel())


def _lower_rate(model):
    """``Try a lower learning rate (currently 100), e.g. 10.`` (a MultiOptimizer's each)."""
    rates = [(o.name, o.learning_rate) for o in _rated(model.optimizer)]
    return (f"Try a lower learning rate (currently {rates[0][1]:g}), e.g. {rates[0][1] / 10:g}." if len(rates) == 1
            else "Try lower learning rates (currently " + ", ".join(f"{n}: {lr:g}" for n, lr in rates) + ").")


#: the losses fit's checks tell apart (training.py's mistake hints and :class:`_RiseWatch`)
CLASSIFICATION_LOSSES = (losses.CategoricalCrossentropy, losses.BinaryCrossentropy)  # (sparse and focal: subclasses)
REGRESSION_LOSSES = (losses.MeanSquaredError, losses.MeanAbsoluteError, losses.Huber, losses.LogCosh,
                     losses.MeanSquaredLogarithmicError, losses.MeanAbsolutePercentageError)
#: losses >= 0 (0 for a perfect fit) whose outputs are probabilities: a model that learned nothing predicts
#: the mean target (the classes' frequencies); predicting 0 is no baseline (clipped to 1e-7: 16.1 nats)
_PROBABILITY_LOSSES = (*CLASSIFICATION_LOSSES, losses.KLDivergence)
#: the other losses >= 0: a model that learned nothing predicts the mean target or, freshly built, about 0
_VALUE_LOSSES = (*REGRESSION_LOSSES, losses.SquaredError, losses.Hinge, losses.SquaredHinge, losses.CategoricalHinge)

RISE_START_ROWS = 32
"""The loss at fit's start is the mean over its first this many rows (all of them where the data
holds fewer), so that one lucky small batch is no start: with batches of 1, unscaled inputs and
Adam(1e-4), a slow but healthy fit, the first sample's loss was 8.9 times below the first epoch's,
its first 32 rows' 0.7 times it."""
RISE_FACTOR = 2.0
""":class:`_RiseWatch` warns when two epochs in a row have a training loss more than this many times
the larger of the loss at fit's start and that of a model that learned nothing. Measured (session 57)
on 196 healthy fits (the examples, the benchmarks' M0-M2, 56 fits after Keras's tutorials, among them
unscaled targets, batches of 1, warm-up schedules, class weights, continued training, sorted data
without shuffling, and 118 random small ones): the largest such pair was 1.04 times it. Too large a
learning rate: 5.8 (784-128-10 on MNIST with Adam(100), the digits with Adam(10)), 2.8 (the digits
with SGD(20)), 1.5e4 (a regression with Adam(10)). A model that collapsed to chance after one bad
epoch (Adam(1): 1.7 times, then 1.0) is no rise: healthy fits spike as high once (1.33, RMSprop
on XOR) and sit at chance while they start."""


class _RiseWatch:
    """fit's watch for a loss that rose far above its start and stays there: the steps overshoot,
    a learning rate too large though finite (seeds 001 and 003: "too large, and it will keep
    overshooting"), which trains on at a loss no better than chance (784-128-10 on MNIST with
    Adam(100): 13.7 for ln 10 = 2.30, accuracy 10 %) where Keras says nothing.

    ``start`` is the mean loss over fit's first :data:`RISE_START_ROWS` rows (``start_rows``, fewer
    where an epoch holds fewer: then the whole epoch, which samples nothing); an epoch over fewer rows
    is not judged. When two epochs in a row have a loss above :data:`RISE_FACTOR` times the larger of
    ``start`` and the loss of a model that learned nothing (:meth:`_baseline`, computed once, and only
    then: a fit continued at a lower loss has its start far below that), it warns once. Only for the
    losses of :data:`_PROBABILITY_LOSSES` and :data:`_VALUE_LOSSES` (>= 0, so that "times" means
    something) averaged over the batch: ``reduction="sum"`` grows with the batch."""

    def __init__(self, model, source):
        self.model, self.source = model, source
        n = getattr(source, "n", None)
        self.start_rows = RISE_START_ROWS if n is None else min(RISE_START_ROWS, n)  # (then the rows measured)
        self.start = self.limit = self.base = self.previous = None
        self.above = self.warned = False

    @staticmethod
    def watches(model):
        loss = model.loss
        return (isinstance(loss, (*_PROBABILITY_LOSSES, *_VALUE_LOSSES)) and loss.reduction != "sum"
                and not model._trains_nothing)

    def epoch_end(self, epoch, loss, rows, start, batch):
        """The epoch's mean ``loss`` over its ``rows``; ``start`` ``(loss, rows)`` over fit's first rows,
        from the epoch that measured it; ``batch`` its last ``(Xb, Yb, wb)``."""
        if self.start is None:
            if start is None or not start[0] > 0:
                return
            (self.start, self.start_rows), self.limit = start, RISE_FACTOR * start[0]
        if self.warned or rows < self.start_rows:
            return
        if not loss > self.limit:
            self.above = False
            return
        if self.base is None:  # the first epoch above: the loss of a model that learned nothing, once
            self.base = self._baseline(batch)
            self.limit = RISE_FACTOR * max(self.start, self.base[0])
            if not loss > self.limit:
                return
        if self.above:
            self.warned = True
            self._warn(epoch, loss, batch)
        self.above, self.previous = True, loss

    def _baseline(self, batch):
        """``(loss, what it is)`` of a model that learned nothing: predicting the mean target (the classes'
        frequencies) for every sample, or 0 for the losses of :data:`_VALUE_LOSSES`, whichever is larger;
        over fit's training targets (their first 65,536 rows), or a stream's last batch."""
        Y, w = getattr(self.source, "Y", None), getattr(self.source, "w", None)
        if Y is None:
            Y, w = batch[1], batch[2]
        rows = min(Y.shape[0], 65536)  # (the array API indexes every axis, within its length)
        Y, w = backend.numpy_copy(Y[:rows, ...]), None if w is None else w[:rows, ...]
        if not Y.shape[0] or Y.dtype.kind != "f":
            return 0.0, ""
        constants = [(np.broadcast_to(Y.mean(axis=0), Y.shape).astype(Y.dtype), "the mean target")]
        if isinstance(self.model.loss, _VALUE_LOSSES):
            constants.append((np.zeros_like(Y), "0"))
        found = []
        with np.errstate(all="ignore"):
            for constant, what in constants:
                value = float(self.model._weighted_loss(*backend.to_namespace(Y, constant), w))
                if math.isfinite(value):
                    found.append((value, what))
        return max(found, default=(0.0, ""))

    def _warn(self, epoch, loss, batch):
        base, what = self.base
        if isinstance(self.model.loss, _PROBABILITY_LOSSES) and what == "the mean target":
            what = "the classes' frequencies"
        nothing = f" and that of a model that learned nothing ({base:.3g}, predicting {what} for every sample)" if what else ""
        message = (
            f"The training loss rose far above where it started and stays there: {self.previous:.3g} and {loss:.3g} "
            f"in epochs {epoch} and {epoch + 1}, more than {RISE_FACTOR:g} times the loss at the start of training "
            f"({self.start:.3g}, over its first {self.start_rows} rows){nothing}. The steps overshoot the minimum: the "
            f"learning rate is too large, though the loss stays finite. Training goes on. {_lower_rate(self.model)}"
        ) + _input_scale_note(batch[0], "the last batch", self.model)
        warnings.warn(message, LossRiseWarning, stacklevel=user_stacklevel())


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


def _input_scale_note(X, where, model):
    """`` The inputs are not scaled: |x| reaches 255 in ...`` (:func:`glassnet.diagnostics.input_scale_note`);
    nothing for a ``model`` that takes ids (an Embedding first: ids of 26 are no unscaled inputs)."""
    from ..diagnostics.problems import _max_abs, input_scale_note  # (glassnet.diagnostics imports this package)

    x_max = _max_abs(X, model)
    note = None if x_max is None else input_scale_note(x_max, where)
    return " " + note if note else ""


__all__ = ["DivergenceWarning", "LossRiseWarning"]
