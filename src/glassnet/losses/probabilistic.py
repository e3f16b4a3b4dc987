"""The probabilistic losses, as Keras groups them: Poisson, the Kullback–Leibler divergence, and the
cross-entropies (binary, categorical, sparse categorical with ``ignore_class``, and the generalized
one), with their options ``from_logits``, ``label_smoothing`` and the clip ``epsilon``, and their
short cuts through a sigmoid or softmax output (``δ = a − y``). The focal ones are in ``focal``."""

import copy
import math

import numpy as np

from .._validation import check_bool, check_number
from ..activations import Sigmoid, Softmax
from ..backend import _FLOAT32, _FLOAT64, astype, constant, get_namespace, numpy_dtype, to_numpy
from .base import (EPSILON, REDUCTION, _BATCH_MEAN, _MEAN_UNWEIGHTED, Loss, _as_given, _clip_epsilon, _given_shape,
                   _inside_clip, _keras_arguments, _mean_last, _normalized, _pair, _reduces_last, _rows,
                   _weighted_shape)


class Poisson(Loss):
    """Keras's ``J = mean_k (ŷ_k − y_k log(ŷ_k + ε))`` (ε = 1e-7), the Poisson negative
    log-likelihood of counts ``y`` with rates ``ŷ`` (up to terms free of ``ŷ``);
    ``∂J/∂ŷ = (1 − y / (ŷ + ε)) / K``. The targets are counts, ``y >= 0``; the outputs
    must be positive rates (an ``exponential`` output activation)."""

    name = "poisson"
    target_range = (0, math.inf)

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        return _mean_last(A - Y * get_namespace(A).log(A + EPSILON))

    def per_sample_gradient(self, Y, A):
        return (1.0 - Y / (A + EPSILON)) / A.shape[-1]


class KLDivergence(Loss):
    """Keras's Kullback–Leibler divergence ``J = Σ_k y_k log(y_k / ŷ_k)`` with ``y`` and ``ŷ``
    clipped to ``[ε, 1]`` (ε = 1e-7, float16's resolution in float16; a summed, not averaged,
    row); ``∂J/∂ŷ = −y / ŷ``, 0 where ``ŷ`` lies outside ``[ε, 1]`` (there the clipped loss is
    flat). Targets are
    probabilities (one distribution per row), outputs a ``softmax``."""

    name = "kl_divergence"
    target_range = (0, 1)

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        xp, eps = get_namespace(A), _clip_epsilon(EPSILON, A)  # (float16: 1/1e-7 overflows)
        Y = xp.clip(Y, eps, 1.0)
        return xp.sum(Y * xp.log(Y / xp.clip(A, eps, 1.0)), axis=-1)

    def per_sample_gradient(self, Y, A):
        xp, eps = get_namespace(A), _clip_epsilon(EPSILON, A)
        dA = -xp.clip(Y, eps, 1.0) / xp.clip(A, eps, 1.0)
        dA *= astype((A >= eps) & (A <= 1.0), dA.dtype)
        return dA


class _Crossentropy(Loss):
    """``from_logits`` and ``label_smoothing``, as Keras's cross-entropies, and the
    clip ``epsilon``: probabilities are clipped to ``[ε, 1 − ε]`` before the log
    (Keras's backend epsilon 1e-7 by default; ``glassnet.sklearn`` uses the dtype's
    machine epsilon, as scikit-learn's log-loss). ``axis``, as Keras's: the axis of the
    outputs each loss reduces (the classes; −1, the last, by default), any of their rank
    (:func:`~glassnet.losses.base._axis_last`)."""

    from_logits, label_smoothing, epsilon = False, 0.0, EPSILON

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=REDUCTION, name=None, dtype=None,
                 *, epsilon=EPSILON):
        _keras_arguments(self, name, reduction, dtype, axis)
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = check_number(label_smoothing, "label_smoothing", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0, high=0.5, high_open=True)

    @property
    def axis(self):
        """The axis of the outputs the loss reduces (Keras's argument; −1, the last, by default)."""
        return self._axis

    def _smooth(self, Y, share):
        """Targets moved towards ``share``: ``y (1 − s) + s·share`` (Keras's label smoothing)."""
        return Y if not self.label_smoothing else Y * (1 - self.label_smoothing) + self.label_smoothing * share

    def get_config(self):
        config = {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}
        if self.epsilon != EPSILON:  # files of the default loss stay as they were
            config["epsilon"] = self.epsilon
        if self._axis != -1:  # (so too)
            config["axis"] = self._axis
        return config

    def __repr__(self):
        extra = ((f", epsilon={self.epsilon:g}" if self.epsilon != EPSILON else "")
                 + (f", axis={self._axis}" if self._axis != -1 else "") + self._keras_repr())
        return (f"{type(self).__name__}(from_logits={self.from_logits}, "
                f"label_smoothing={self.label_smoothing:g}{extra})")


class BinaryCrossentropy(_Crossentropy):
    """``J = -mean_k [y log ŷ + (1 - y) log(1 - ŷ)]`` with ŷ clipped to
    ``[ε, 1 - ε]``; through a sigmoid output ``δ = λ (ŷ - y) / K``.

    ``from_logits=True``: the outputs are logits ``z`` (a linear output layer) and
    ``J = mean_k [max(z, 0) − z y + log(1 + e^{−|z|})]``, exact for any ``z``, with
    ``∂J/∂z = (σ(z) − y) / K``. ``label_smoothing`` s: ``y → y (1 − s) + s/2``. ``axis``: the
    outputs' axis of the mean (−1, the last). ``epsilon`` (glassnet's own keyword): the clip ε
    (1e-7, Keras's backend epsilon). ``reduction``: as :class:`~glassnet.losses.Loss`'s (the batch
    mean, ``"sum_over_batch_size"``, by default)."""

    name = "binary_crossentropy"
    target_range = (0, 1)
    targets_in_output_range = True

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        Y = self._smooth(Y, 0.5)
        if self.from_logits:
            return _mean_last(xp.maximum(A, 0) - A * Y + xp.log1p(xp.exp(-xp.abs(A))))
        eps = _clip_epsilon(self.epsilon, A)
        P = xp.clip(A, eps, 1 - eps)
        return -_mean_last(Y * xp.log(P) + (1 - Y) * xp.log(1 - P))

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        Y = self._smooth(Y, 0.5)
        if self.from_logits:
            return (Sigmoid().forward(A) - Y) / A.shape[-1]
        eps = _clip_epsilon(self.epsilon, A)
        P = xp.clip(A, eps, 1 - eps)
        return _inside_clip((P - Y) / (P * (1 - P)) / A.shape[-1], A, eps)

    def fused_delta(self, activation, Y, A, sample_weight=None):
        if type(activation) is not Sigmoid or self.from_logits or self.label_smoothing:
            return None
        dZ = (A - Y) * (activation.steepness / (self._divisor(A.shape[0], sample_weight) * A.shape[-1]))
        if sample_weight is not None:
            dZ *= sample_weight[:, None]
        return dZ



class CategoricalCrossentropy(_Crossentropy):
    """``J = -Σ_k y_k log ŷ_k`` (one-hot ``y``); through softmax ``δ = β (ŷ - y)``.

    The short cut ``δ = ŷ - y`` holds because each target row sums to 1 (a one-hot
    row, or soft labels); :meth:`prepare_targets` checks that, and points rows that
    do not (several 1s: multi-label) to binary cross-entropy.

    As Keras's, each output row is divided by its sum before the clip (a softmax
    row is unchanged), so outputs that do not sum to 1 (sigmoid units) are read
    as the distribution they are proportional to, and training cannot raise every
    output at once.

    ``from_logits=True``: the outputs are logits ``z`` (a linear output layer), taken
    through a softmax in the loss, exact for any ``z``. ``label_smoothing`` s:
    ``y → y (1 − s) + s/K``. ``axis``: the axis of the classes (−1, the last).
    ``epsilon`` (glassnet's own keyword): the clip ε of the probabilities (1e-7, Keras's
    backend epsilon). ``reduction``: as :class:`~glassnet.losses.Loss`'s (the batch mean,
    ``"sum_over_batch_size"``, by default)."""

    name = "categorical_crossentropy"
    target_range = (0, 1)

    def prepare_targets(self, y, n_outputs, name="y"):
        self._refuse_one_unit(n_outputs)
        Y = super().prepare_targets(y, n_outputs, name)
        if Y.size and self._axis in (-1, Y.ndim - 1):  # (classes along another axis: the rows need not sum to 1)
            sums = Y.sum(axis=1)
            bad = np.flatnonzero(np.abs(sums - 1) > 1e-3)
            if bad.size:
                soft = "" if np.isin(Y[bad[0]], (0, 1)).all() else (  # (0/1 rows: several labels, no rounding)
                    " For soft labels rounded off 1 (probabilities written with few decimals) rescale the rows, "
                    f"{name} / {name}.sum(axis=1, keepdims=True).")
                raise ValueError(
                    f"{name} must hold one probability distribution per row for loss {self.name!r} (one-hot "
                    f"rows, or soft labels summing to 1). Row {bad[0]} sums to {sums[bad[0]]:g}.{soft} For several "
                    "labels per sample use loss='binary_crossentropy' with sigmoid outputs; to leave a sample "
                    "out, give it sample_weight 0."
                )
        return Y

    def _refuse_one_unit(self, n_outputs):
        """A categorical loss over one output unit: its one class always has probability 1 (a softmax of
        one unit, or a row divided by its sum), so the loss is 0 whatever the model (Keras warns)."""
        if n_outputs == 1 and self._axis == -1:
            raise ValueError(
                f"Loss {self.name!r} needs one output unit per class; this model has 1, for which the loss is always "
                "0. For two classes use Dense(1, activation='sigmoid') with loss='binary_crossentropy' (y of 0/1), "
                "or Dense(k, activation='softmax') for k classes.")

    def _smoothed_elsewhere(self, y_true, y_pred):
        """For ``label_smoothing`` along another ``axis`` than the outputs' last: ``(targets smoothed as
        Keras smooths them, this loss without smoothing)``; else None. Keras's share is ``s / K`` with ``K``
        the size of the targets' last axis, whichever axis the loss reduces (``y_true.shape[-1]``): for
        outputs ``(n, k, t)`` and ``axis=1``, ``s / t``, not ``s / k``."""
        if not self.label_smoothing or self._axis == -1:
            return None
        Y, A = _pair(self, y_true, y_pred)
        if _reduces_last(self, len(A.shape)):
            return None
        plain = copy.copy(self)
        plain.label_smoothing = 0.0
        return self._smooth(Y, 1 / Y.shape[-1]), plain

    def gradient(self, Y, A, sample_weight=None):
        moved = self._smoothed_elsewhere(Y, A)
        if moved is not None:
            return moved[1].gradient(moved[0], A, sample_weight)
        return super().gradient(Y, A, sample_weight)

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        Y = self._smooth(Y, 1 / A.shape[-1])
        if self.from_logits:  # −Σ y log softmax(z) = Σ y · logsumexp(z) − Σ y z
            m = xp.max(A, axis=-1, keepdims=True)
            lse = m[..., 0] + xp.log(xp.sum(xp.exp(A - m), axis=-1))
            return xp.sum(Y, axis=-1) * lse - xp.sum(Y * A, axis=-1)
        eps = _clip_epsilon(self.epsilon, A)
        P, _ = _normalized(A, eps)
        return -xp.sum(Y * xp.log(xp.clip(P, eps, 1 - eps)), axis=-1)

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        Y = self._smooth(Y, 1 / A.shape[-1])
        if self.from_logits:  # softmax(z) Σ y − y
            return Softmax().forward(A) * xp.sum(Y, axis=-1, keepdims=True) - Y
        eps = _clip_epsilon(self.epsilon, A)
        P, S = _normalized(A, eps)  # p = a / S: ∂J/∂a_j = (g_j − Σ_k g_k p_k) / S with g = ∂J/∂p
        G = _inside_clip(-Y / xp.clip(P, eps, 1 - eps), P, eps)
        return (G - xp.sum(G * P, axis=-1, keepdims=True)) / S

    def __call__(self, y_true, y_pred, sample_weight=None):
        if (sample_weight is not None or self.reduction not in _MEAN_UNWEIGHTED or self.from_logits
                or self.label_smoothing or self._axis != -1
                or type(self).per_sample is not CategoricalCrossentropy.per_sample):
            moved = self._smoothed_elsewhere(y_true, y_pred)
            if moved is not None:
                return moved[1](moved[0], y_pred, sample_weight)
            return super().__call__(y_true, y_pred, sample_weight)
        # -Σ y log clip(a) / n, without per-sample temporaries (every training step computes it)
        Y, A = _pair(self, y_true, y_pred)
        if not math.prod(A.shape):  # an empty batch: Keras's empty losses (or 0.0), as the base gives them
            return super().__call__(y_true, y_pred)  # (as given: a sparse loss's labels are read again)
        # NumPy outputs of float32/64 (a training step's) need neither the namespace nor the float16 test
        plain = type(A) is np.ndarray and (A.dtype is _FLOAT32 or A.dtype is _FLOAT64)
        xp = np if plain else get_namespace(A)
        if not plain and numpy_dtype(A) == np.float16:  # in floatx, as Keras's (float16 sums overflow at 65504)
            return super().__call__(y_true, y_pred, sample_weight)  # (Loss.__call__ casts: _loss_dtype)
        if plain or isinstance(A, np.ndarray):  # as _normalized, with NumPy's reduction called directly (~1 µs less)
            low, high = constant(self.epsilon, A.dtype), constant(1 - self.epsilon, A.dtype)
            S = np.add.reduce(A, axis=-1, keepdims=True)
            S[S == 0] = low
            P = np.divide(A, S)
        else:
            P, _ = _normalized(A, self.epsilon)  # each row divided by its sum, as Keras (softmax: by 1)
            low, high = self.epsilon, 1 - self.epsilon
        xp.maximum(P, low, out=P)
        xp.minimum(P, high, out=P)
        xp.log(P, out=P)
        return -float(xp.vdot(Y, P)) / math.prod(A.shape[:-1])  # rows: 1 for one vector, n·m for (n, m, K)

    def fused_delta(self, activation, Y, A, sample_weight=None):
        if type(activation) is not Softmax or self.from_logits:
            return None
        dZ = A - self._smooth(Y, 1 / A.shape[-1])
        dZ *= activation.beta / self._divisor(A.shape[0], sample_weight)
        if sample_weight is not None:
            dZ *= sample_weight[:, None]
        return dZ



class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels ``c``: ``J = -log ŷ_c``.

    Targets are converted to one-hot once, in :meth:`prepare_targets`, so the
    training step is the same as for :class:`CategoricalCrossentropy`.

    ``ignore_class`` (Keras's): the samples labelled so (a "void" class, which may lie
    outside the classes: -1 or 255) count with weight 0, as Keras's mask (for outputs
    ``(n, m, k)`` and labels ``(n, m)``, position by position: sequences, segmentation). For the batch
    means (``"sum_over_batch_size"``, ``"mean"``) the mean is over the kept samples:
    ``Σ_kept w_i J_i / n_kept`` (0 when none is kept); ``"mean_with_sample_weight"``
    divides by ``Σ_kept w_i``. Their labels are one-hot rows of their class, or zero rows
    outside the classes, and :meth:`_kept` finds them again from those rows.

    ``from_logits``, ``axis`` and ``reduction`` as :class:`CategoricalCrossentropy`'s (there is
    no ``label_smoothing``, as in Keras).
    """

    name = "sparse_categorical_crossentropy"
    ignore_class = None
    _last_axis_only = True  # (Keras's refuses another axis too)
    _takes_labels = True
    #: the loss that takes one-hot rows, which a mistaken call is pointed to
    _rows_loss = "CategoricalCrossentropy (loss='categorical_crossentropy')"

    def __init__(self, from_logits=False, ignore_class=None, reduction=REDUCTION, axis=-1, name=None, dtype=None):
        super().__init__(from_logits=from_logits, axis=axis, reduction=reduction, name=name, dtype=dtype)
        if ignore_class is not None:
            if isinstance(ignore_class, (bool, np.bool_)) or not isinstance(ignore_class, (int, np.integer)):
                raise TypeError("ignore_class must be an integer (the label of the samples to leave out) or None. "
                                f"Received: ignore_class={ignore_class!r}")
            self.ignore_class = int(ignore_class)

    def get_config(self):
        config = {**Loss.get_config(self), "from_logits": self.from_logits}
        if self.ignore_class is not None:
            config["ignore_class"] = self.ignore_class
        if self._axis != -1:
            config["axis"] = self._axis
        return config

    def __repr__(self):
        ignored = "" if self.ignore_class is None else f", ignore_class={self.ignore_class}"
        return f"SparseCategoricalCrossentropy(from_logits={self.from_logits}{ignored}{self._keras_repr()})"

    def _kept(self, Y):
        """``m_i``: 1 for the one-hot rows of ``Y`` whose class is not ``ignore_class``, 0 for the
        others (that class's rows, or zero rows where it lies outside the classes)."""
        xp, c = get_namespace(Y), self.ignore_class
        kept = Y[:, c] == 0 if 0 <= c < Y.shape[-1] else xp.any(Y != 0, axis=-1)
        return astype(kept, Y.dtype)

    def _masked(self, Y, A, sample_weight):
        """``(Y, A, weights)`` with Keras's mask of ``ignore_class`` folded into the weights:
        ``w_i m_i``, times ``n / Σ m`` for the batch means (0 when nothing is kept), so that
        their ``/ n`` becomes the mean over the kept samples. Unchanged without ``ignore_class``."""
        if self.ignore_class is None:
            return Y, A, sample_weight
        Y, A = _pair(self, Y, A)
        if len(A.shape) < 2:
            raise ValueError(f"Loss {self.name!r}: ignore_class takes outputs of shape (n_samples, n_classes) or "
                             f"(n_samples, ..., n_classes). Received outputs {tuple(A.shape)}.")
        xp = get_namespace(A)
        weights = self._kept(xp.reshape(Y, (-1, A.shape[-1])))  # one per position of (n, m, k) outputs, as Keras
        if self.reduction in _BATCH_MEAN:  # the mean over the kept positions
            kept = float(xp.sum(weights))
            weights = weights * (weights.shape[0] / kept if kept else 0.0)
        if sample_weight is not None:
            _, _, w = _rows(Y, A, sample_weight)  # (n,) or (n, m) weights, one per position
            weights = weights * w
        # in the shape Keras merges the mask and the weights into: (n, 1) for weights (n, 1)
        return Y, A, xp.reshape(weights, _weighted_shape(tuple(A.shape[:-1]), sample_weight))

    def __call__(self, y_true, y_pred, sample_weight=None):
        # + 0.0: an ignored sample's loss is 0.0, as Keras's where(mask, loss, 0), not the −0.0 of −Σ 0 · log ŷ
        return super().__call__(*self._masked(y_true, y_pred, sample_weight)) + 0.0

    def gradient(self, Y, A, sample_weight=None):
        return _as_given(super().gradient(*self._masked(Y, A, sample_weight)), _given_shape(A))

    def _rows_hint(self, name="y_true"):
        """What to do with one-hot rows given to this loss as ``name``."""
        other = f", or train with {self._rows_loss}, which takes them" if self._rows_loss else ""
        return f" For one-hot rows pass their labels, {name}.argmax(axis=-1){other}."

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return super().fused_delta(activation, *self._masked(Y, A, sample_weight))

    def _depends_on_batching(self):
        return super()._depends_on_batching() or self.ignore_class is not None

    def _targets_like(self, Y, A):
        """The integer labels ``Y`` as one-hot rows of the outputs' shape, as Keras reads them: labels of the
        outputs' shape without the classes' (last) axis, or with a trailing 1 in its place: ``(n,)`` or ``(n, 1)``
        for outputs ``(n, k)``, ``(n, m)`` or ``(n, m, 1)`` for ``(n, m, k)``, one label (``2`` or ``[2]``) for
        one vector ``(k,)``. Any other shape is a ValueError, that of the outputs too (Keras's: "must have the
        same shape up until the last dimension"; it was read as one-hot rows: labels [0, 1, 2] of a vector
        [.2, .3, .5] gave 2.59)."""
        out = tuple(A.shape)
        if not out:
            return Y  # (outputs of no axis: refused by _pair)
        labels = to_numpy(Y)
        if labels.shape == out[:-1] + (1,):
            labels = labels[..., 0]
        if labels.shape != out[:-1]:
            hint = self._rows_hint() if labels.shape == out else ""
            raise ValueError(f"Loss {self.name!r} takes integer class labels of the outputs' shape without its last "
                             f"axis (the classes), or with a trailing 1 in its place, as Keras's: y_true of shape "
                             f"{out[:-1]} or {out[:-1] + (1,)}. Received targets {tuple(Y.shape)} and outputs "
                             f"{out}.{hint}")
        onehot = self._one_hot(labels.reshape(-1), out[-1], name="y_true")  # (one unit too, as Keras's loss)
        return get_namespace(A).asarray(onehot.reshape(out), dtype=A.dtype)

    def prepare_targets(self, y, n_outputs, name="y", dtype=np.float64):
        """One-hot rows of the integer labels ``y`` (shape ``(n,)`` or ``(n, 1)``), of ``dtype`` (fit
        passes the model's: no float64 copy of ``n × n_outputs`` on the way); a label
        ``ignore_class`` outside ``[0, n_outputs)`` becomes a row of zeros. A model of one output unit
        is refused (its one class: the loss is always 0)."""
        self._refuse_one_unit(n_outputs)
        return self._one_hot(y, n_outputs, name, dtype)

    def _one_hot(self, y, n_outputs, name, dtype=np.float64):
        """The integer labels ``y`` checked and one-hot encoded (:meth:`prepare_targets`)."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            rows = y.ndim == 2 and y.shape[1] == n_outputs > 1  # one-hot rows given for labels
            raise ValueError(
                f"{name} must be a 1-D array of integer class labels for loss {self.name!r}. "
                f"Received shape {y.shape}" + (f" for the model's {n_outputs} outputs.{self._rows_hint(name)}"
                                               if rows else ".")
            )
        inside = (y >= 0) & (y < n_outputs)
        allowed = inside if self.ignore_class is None else inside | (y == self.ignore_class)
        whole = y.dtype.kind in "biu" or np.all(np.mod(y, 1) == 0)
        if y.size and (not whole or not allowed.all()):
            ignored = "" if self.ignore_class is None else f" (or ignore_class={self.ignore_class})"
            if whole:
                found = f"values from {y.min()} to {y.max()}"
                if self.ignore_class is None and y.min() == 1 and y.max() == n_outputs:  # labels 1..k on k units
                    found += f": the labels seem to start at 1, pass {name} - 1"
                elif self.ignore_class is None and y.min() >= 0 and y.max() == n_outputs:  # 0..k: k + 1 classes
                    found += (f": {n_outputs + 1} classes (0 to {n_outputs}) need {n_outputs + 1} output units, "
                              f"Dense({n_outputs + 1}, activation='softmax')")
            else:  # a fraction (or nan) hides among labels in range: name it, not the range
                found = f"the value {y.reshape(-1)[np.flatnonzero(np.mod(y, 1) != 0)[0]].item()!r}, not a whole number"
            raise ValueError(
                f"{name} must hold integer class labels in [0, {n_outputs - 1}]{ignored} for the model's "
                f"{n_outputs} output units. Received {found}."
            )
        onehot = np.zeros((y.shape[0], n_outputs), dtype=dtype)
        if self.ignore_class is None:  # every label inside (checked above)
            onehot[np.arange(y.shape[0]), y.astype(np.int64, copy=False)] = 1
        else:
            onehot[np.flatnonzero(inside), y[inside].astype(np.int64)] = 1
        return onehot


class CategoricalGeneralizedCrossEntropy(SparseCategoricalCrossentropy):
    """Keras's generalized cross-entropy (Zhang & Sabuncu, 2018) for integer labels ``c``:
    ``J = (1 − ŷ_c^q) / q`` with ``q`` in ``(0, 1)``, robust to noisy labels; as ``q → 0`` it tends
    to cross-entropy ``−log ŷ_c``, at ``q = 1`` it is the absolute error ``1 − ŷ_c``.
    ``∂J/∂ŷ_c = −ŷ_c^{q−1}`` (the other outputs: 0).

    As Keras's: the outputs are probabilities (a ``softmax``), neither clipped nor divided by
    their sum; the labels have shape ``(n,)`` or ``(n, 1)`` and are one-hot encoded as
    :class:`SparseCategoricalCrossentropy`'s (labels outside the classes are refused)."""

    name = "categorical_generalized_cross_entropy"
    _rows_loss = None  # (Keras has no one-hot form of it)

    def __init__(self, q=0.5, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        _keras_arguments(self, name, reduction, dtype)
        self.q = check_number(q, "q", low=0, high=1, low_open=True, high_open=True)

    def _true_class(self, Y, A):
        """``ŷ_c`` of each row (``Y`` one-hot rows)."""
        return get_namespace(A).sum(Y * A, axis=-1)

    def per_sample(self, Y, A):
        return (1 - self._true_class(Y, A) ** self.q) / self.q

    def per_sample_gradient(self, Y, A):
        return -Y * (self._true_class(Y, A) ** (self.q - 1))[:, None]

    def __call__(self, y_true, y_pred, sample_weight=None):
        return Loss.__call__(self, y_true, y_pred, sample_weight)

    def gradient(self, Y, A, sample_weight=None):
        return Loss.gradient(self, Y, A, sample_weight)

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None  # (softmax + cross-entropy's a − y is not this loss's)

    def get_config(self):
        return {**Loss.get_config(self), "q": self.q}

    def __repr__(self):
        return f"CategoricalGeneralizedCrossEntropy(q={self.q:g}{self._keras_repr()})"
