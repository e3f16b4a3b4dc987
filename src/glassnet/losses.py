"""Losses J(y, ŷ) with their gradients ∂J/∂ŷ (SPEC A2).

A loss object has

* ``per_sample(Y, A) -> (n,)``: the loss of each example;
* ``__call__(Y, A, sample_weight=None)``: the batch loss ``Σ_i w_i J_i / d``, with
  ``d`` set by Keras's ``reduction``: ``n`` (``"sum_over_batch_size"``, the default,
  and ``"mean"``), ``1`` (``"sum"``), ``Σ_i w_i`` (``"mean_with_sample_weight"``);
  ``reduction=None`` (or ``"none"``) returns the weighted ``w_i J_i`` themselves;
* ``gradient(Y, A, sample_weight=None) -> dA``: ``∂J/∂A`` of that batch loss,
  ``w_i (∂J_i/∂A) / d``;
* ``fused_delta(activation, Y, A, sample_weight=None) -> dZ or None``: the
  short cut through the output activation where the lectures give one
  (softmax + cross-entropy: ``δ = a − y``; sigmoid + binary cross-entropy);
* ``prepare_targets(y, n_outputs)``: checks the targets and returns them in
  the form the loss uses (raising ``ValueError`` when they do not fit).

Names as Keras: ``"mean_squared_error"``/``"mse"``, ``"binary_crossentropy"``, ...
"""

import math
import types

import numpy as np

from . import _custom_objects
from ._registry import from_config, lookup, to_config
from ._validation import check_array, check_bool, check_number, is_one_of, on_host, per_sample_weights
from .activations import LogSoftmax, Sigmoid, Softmax, resolve_axes
from .backend import _FLOAT32, _FLOAT64, astype, constant, from_numpy, get_namespace, is_numpy, numpy_dtype, to_numpy

EPSILON = 1e-7  # Keras's backend epsilon, used to clip probabilities
#: Keras's default reduction: the mean of the (weighted) per-sample losses over the batch
REDUCTION = "sum_over_batch_size"
#: Keras's reductions (see the module docstring); None and "none" leave the per-sample losses
REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none", None)
_BATCH_MEAN = ("sum_over_batch_size", "mean")  # Σ w_i J_i / n
_MEAN_UNWEIGHTED = (*_BATCH_MEAN, "mean_with_sample_weight")  # without weights, all three are Σ J_i / n
_UNREDUCED = ("none", None)

_NEEDS_GRADIENT = "glassnet backpropagates by hand, so a loss needs its gradient too."
_HOW_TO_SUBCLASS = ("Subclass glassnet.losses.Loss with per_sample(Y, A) and per_sample_gradient(Y, A) "
                    "(= dJ_i/dA), and verify it with glassnet.check_gradients.")


def _keras_arguments(loss, name, reduction, dtype, axis=-1):
    """Keras's loss arguments: ``name`` and ``reduction`` are kept, ``dtype`` and ``axis``
    are taken at their defaults only (a ValueError names what glassnet does instead)."""
    if name is not None:
        if not isinstance(name, str):
            raise TypeError(f"name must be a string. Received: name={name!r}")
        loss.name = name
    if not (reduction is None or isinstance(reduction, str) and reduction in REDUCTIONS):
        raise ValueError("Invalid value for argument `reduction`. Expected one of "
                         f"{', '.join(map(repr, REDUCTIONS))}. Received: reduction={reduction!r}")
    loss.reduction = reduction
    if dtype is not None:
        raise ValueError("A glassnet loss computes in the dtype of the model's outputs (set it with "
                         f"Sequential(dtype=...)): dtype must be None. Received: dtype={dtype!r}")
    if isinstance(axis, bool) or not is_one_of(axis, (-1,)):  # (an array: no single truth value)
        # Keras's docstrings write axis=1 for (n, k) arrays, which is the last axis there
        same = " (for outputs of shape (n, k) it is the axis 1)" if is_one_of(axis, (1,)) else ""
        raise ValueError(f"glassnet's losses reduce the last axis: axis must be -1{same}. Received: axis={axis!r:.100}")


def _check_reduces(loss):
    """A training loss must be one number: reduction None is for calling the loss alone."""
    if loss.reduction in _UNREDUCED:
        raise ValueError(f"A training loss must reduce the batch to one number, but {type(loss).__name__} has "
                         f"reduction={loss.reduction!r}, which is for calling the loss on its own to get the "
                         f"per-sample losses. Train with one of {', '.join(map(repr, REDUCTIONS[:4]))}.")


class Loss:
    """The base of every loss (see the module docstring). ``name``, ``reduction`` and
    ``dtype`` as Keras's ``Loss``; ``dtype`` only at its default.

    A subclass written for Keras, with ``call(y_true, y_pred)`` returning the per-sample
    losses, computes with ``call`` as :meth:`per_sample`; to train it needs
    :meth:`per_sample_gradient` too (``compile`` says so)."""

    name = "loss"
    #: the targets are compared with the outputs directly, so they must lie in
    #: the output activation's range (regression losses, binary cross-entropy)
    targets_in_output_range = False
    #: the interval the targets themselves must lie in (probabilities), if any
    target_range = None
    reduction = REDUCTION

    def __init__(self, name=None, reduction=REDUCTION, dtype=None):
        _keras_arguments(self, name, reduction, dtype)

    def per_sample(self, Y, A):
        """``J_i`` for each row, shape ``(n,)``."""
        if type(self).call is not Loss.call:  # written for Keras: call gives the per-sample losses
            return self.call(Y, A)
        raise NotImplementedError(f"{type(self).__name__} must define per_sample(Y, A) (or Keras's call(y_true, "
                                  f"y_pred)) and per_sample_gradient(Y, A). {_NEEDS_GRADIENT}")

    def call(self, y_true, y_pred):
        """Keras's name for the per-sample losses: :meth:`per_sample` of the prepared arrays."""
        return self.per_sample(y_true, y_pred)

    def per_sample_gradient(self, Y, A):
        """``∂J_i/∂A`` for each row (before the weights and the 1/d of the reduction)."""
        raise NotImplementedError(f"{type(self).__name__} must define per_sample_gradient(Y, A) (= dJ_i/dA). "
                                  f"{_NEEDS_GRADIENT}")

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The batch loss ``Σ_i w_i J_i / d`` (``d`` from the reduction: :meth:`_divisor`) for
        targets ``y_true`` and outputs ``y_pred`` (Keras's names); with ``reduction=None``
        the ``w_i J_i`` themselves, in the batch's shape (``(n, m)`` for outputs ``(n, m, k)``)."""
        Y, A = _pair(self, y_true, y_pred)
        batch_shape = A.shape[:-1]
        Y, A, weights = _rows(Y, A, sample_weight)
        xp = get_namespace(A)
        values = self.per_sample(Y, A)
        if tuple(values.shape) != (A.shape[0],):  # (n, k) values were summed per row: k times Keras's mean
            raise ValueError(f"{type(self).__name__}.per_sample (or Keras's call) must return one loss per sample, "
                             f"shape ({A.shape[0]},), as Keras's built-in losses do (the mean over the last axis). "
                             f"Received shape {tuple(values.shape)}.")
        if weights is not None:  # in the losses' dtype, as Keras casts them (float64 weights made float64 values)
            if numpy_dtype(weights) != numpy_dtype(values):  # (a batch's weights: no copy when they match)
                weights = astype(weights, numpy_dtype(values))
            values = values * weights
        if self.reduction in _UNREDUCED:
            return xp.reshape(values, batch_shape)
        return float(xp.sum(values)) / self._divisor(values.shape[0], sample_weight)

    def gradient(self, Y, A, sample_weight=None):
        """``∂J/∂A`` of the batch loss: ``w_i (∂J_i/∂A) / d``, in the outputs' shape."""
        Y, A = _pair(self, Y, A)
        shape = A.shape
        Y, A, weights = _rows(Y, A, sample_weight)
        dA = self.per_sample_gradient(Y, A)
        if getattr(dA, "shape", None) != A.shape:  # else NumPy's "cannot reshape array of size 3 into shape (3,2)"
            got = f"shape {tuple(dA.shape)}" if hasattr(dA, "shape") else f"a {type(dA).__name__}"
            raise ValueError(f"{type(self).__name__}.per_sample_gradient(Y, A) must return dJ_i/dA, an array of "
                             f"A's shape {tuple(A.shape)}. Received {got}.")
        dA /= self._divisor(A.shape[0], sample_weight)
        if weights is not None:
            dA *= weights[:, None]
        return dA if dA.shape == shape else get_namespace(dA).reshape(dA, shape)

    def _divisor(self, n, sample_weight):
        """``d`` of the batch loss ``Σ_i w_i J_i / d`` over ``n`` rows, as Keras's reductions:
        ``n`` for ``"sum_over_batch_size"`` and ``"mean"``, 1 for ``"sum"``, and for
        ``"mean_with_sample_weight"`` the sum of ``sample_weight`` as given (``n`` without
        one; Keras sums the array it is given, so one number ``w`` counts once, and weights
        ``(n,)`` of outputs ``(n, m, k)`` count once per sample, not per row). A zero sum
        makes the loss and its gradient 0 (``d = ∞``), as Keras's ``divide_no_nan``.
        The value and every gradient (:meth:`gradient`, :meth:`fused_delta`) divide by it."""
        if self.reduction in _BATCH_MEAN:  # the default: one comparison per step
            return n
        if self.reduction == "sum":
            return 1
        _check_reduces(self)
        if sample_weight is None:
            return n
        w = sample_weight if hasattr(sample_weight, "shape") else np.asarray(sample_weight, dtype=float)
        total = float(get_namespace(w).sum(w))
        return total if total else math.inf

    def _depends_on_batching(self):
        """Whether the batch-size-weighted mean of the batches' losses (what fit logs and
        evaluate reports, as Keras) changes with the batch size: true for every reduction
        but the batch mean, whose weighted mean is the mean over all samples."""
        return self.reduction not in _BATCH_MEAN

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None

    def _targets_like(self, Y, A):
        """Targets of another shape than the outputs, in the outputs' shape where the loss
        reads them so (integer labels of a sparse loss); else unchanged (then refused)."""
        return Y

    def prepare_targets(self, y, n_outputs, name="y"):
        """Return ``y`` as a float array of shape ``(n, n_outputs)``."""
        y = np.asarray(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            hint = ""
            if (y.ndim == 1 or y.shape[1:] == (1,)) and n_outputs > 1:
                # Keras broadcasts such targets over the outputs (its callbacks' docstrings fit
                # Dense(10) on np.zeros(5)); glassnet asks, since it is mostly a labels mistake
                # (a column too: seed 004's y = np.array([[0], [1], [1], [0]]) for a softmax of 2)
                hint = (
                    " For integer class labels use loss='sparse_categorical_crossentropy' "
                    "or one-hot encode them with glassnet.preprocessing.to_categorical; to compare each "
                    f"sample's one target with all {n_outputs} outputs, as Keras broadcasts it, pass "
                    f"np.repeat(y.reshape(-1, 1), {n_outputs}, axis=1)."
                )
            raise ValueError(
                f"{name} must have shape (n_samples, {n_outputs}) to match the model's "
                f"{n_outputs} output unit(s) for loss {self.name!r}. Received shape {y.shape}.{hint}"
            )
        if self.target_range is not None:
            _check_range(y, *self.target_range, self.name, name)
        return y

    def get_config(self):
        """The constructor's arguments: ``name`` where it is not the class's, ``reduction``
        where it is not the default (files of the default losses stay as they were)."""
        config = {}
        name = self.__dict__.get("name")
        if name is not None and name != type(self).name:
            config["name"] = name
        if self.reduction != REDUCTION:
            config["reduction"] = self.reduction
        return config

    @classmethod
    def from_config(cls, config):
        """A new loss with the arguments :meth:`get_config` returned, as Keras."""
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict from get_config(). Received: {type(config).__name__}")
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"

    def _keras_repr(self):
        """``", name=..., reduction=..."`` for those of Keras's arguments that are not the defaults."""
        return "".join(f", {k}={v!r}" for k, v in Loss.get_config(self).items())


def _like_outputs(Y, A):
    """Targets ``Y`` (a list, a NumPy array, integer labels) as an array of the namespace and dtype
    of the outputs ``A``, as Keras converts ``y_true``: a list or int64 labels against torch or
    array-api-strict outputs raised TypeErrors from deep inside the loss."""
    dtype = numpy_dtype(A)
    if not hasattr(Y, "shape") or isinstance(Y, np.ndarray):
        return from_numpy(check_array(Y, "y_true", ndim=None, dtype=dtype, allow_empty=True, finite=False), dtype)
    return Y if Y.dtype == A.dtype else astype(Y, dtype)


def _pair(loss, Y, A):
    """``(Y, A)`` as arrays of one shape with at least one row, or a ValueError
    (integer labels of a sparse loss become one-hot rows, as Keras takes them).

    Broadcasting would silently turn targets of shape (n,) against outputs
    (n, 1) into an (n, n) table and a wrong loss: such targets are reshaped to
    (n, 1), as Keras reads them, and other shapes refused; the training step
    only pays for the shape comparison."""
    if (type(Y) is np.ndarray and type(A) is np.ndarray and Y.dtype == A.dtype and A.dtype.kind == "f"
            and Y.shape == A.shape and A.ndim and A.shape[0]):
        return Y, A  # what the training step passes, at every batch: nothing to convert or check
    if is_numpy():  # torch tensors...: computed with NumPy, as activations and metrics take them (mixed, they raised)
        Y, A = on_host(Y), on_host(A)
    if not hasattr(A, "shape") or (isinstance(A, np.ndarray) and A.dtype.kind not in "fiub"):
        A = check_array(A, "y_pred", ndim=None, dtype=float, allow_empty=True, finite=False)
    if not isinstance(A, np.ndarray) and not is_numpy():
        Y = _like_outputs(Y, A)
    elif not hasattr(Y, "shape") or (isinstance(Y, np.ndarray) and Y.dtype.kind not in "fiub"):
        Y = check_array(Y, "y_true", ndim=None, dtype=A.dtype, allow_empty=True, finite=False)
    elif isinstance(Y, np.ndarray) and Y.dtype.kind in "iub" and isinstance(A, np.ndarray):
        Y = Y.astype(A.dtype)  # integer one-hot rows: the gradient is computed in place, in A's dtype
    if Y.shape != A.shape:
        Y = loss._targets_like(Y, A)
    if Y.shape != A.shape and len(A.shape) >= 2 and A.shape[-1] == 1 and tuple(Y.shape) == tuple(A.shape[:-1]):
        # labels (n,) for one output unit (n, 1), as Keras reads them (its squeeze_or_expand_to_same_rank):
        # `loss(y, model(x))` in a custom loop; reshaped, never broadcast
        Y = get_namespace(A).reshape(Y, tuple(A.shape))
    if Y.shape != A.shape:
        raise ValueError(
            f"Loss {loss.name!r}: targets and outputs must have the same shape (n_samples, n_outputs). "
            f"Received targets {tuple(Y.shape)} and outputs {tuple(A.shape)}."
        )
    if len(A.shape) == 0 or A.shape[0] == 0:
        raise ValueError(f"Loss {loss.name!r}: the batch is empty (outputs of shape {tuple(A.shape)}).")
    return Y, A


def _weights_like(sample_weight, n, A):
    """``sample_weight`` as ``(n,)`` weights (:func:`per_sample_weights`) in the namespace and dtype of
    the outputs ``A``, as Keras casts them to ``y_pred``'s dtype: NumPy weights against torch outputs
    turned the gradient into a NumPy float64 array, and array-api-strict refused them (TypeErrors)."""
    if isinstance(A, np.ndarray) or is_numpy():  # (on the host first: NumPy weights are checked, torch's were not)
        return per_sample_weights(on_host(sample_weight), n)
    weights = per_sample_weights(sample_weight, n)
    return None if weights is None else _like_outputs(weights, A)


def _rows(Y, A, sample_weight):
    """``(Y, A, weights)`` with the outputs as rows (n, k), as the losses compute them. As Keras,
    a loss is the mean over the last axis, averaged over the others: a 1-D vector is one row
    (MSE of [1, 2, 3] and [1, 2, 4] is 1/3, and the per-row reduction made it 1/9 or an
    IndexError), (n, m, k) outputs are n·m rows, each with its sample's weight, or with its own
    from weights of shape (n, m) (Keras's per-position, "temporal" sample weights)."""
    if len(A.shape) == 2:  # the model's batches: one shape comparison
        return Y, A, _weights_like(sample_weight, A.shape[0], A)
    k = A.shape[-1]
    n = 1 if len(A.shape) == 1 else A.shape[0]
    if len(A.shape) > 2 and tuple(getattr(sample_weight, "shape", np.shape(sample_weight))) == tuple(A.shape[:-1]):
        n = math.prod(A.shape[:-1])  # one weight per row
        sample_weight = get_namespace(sample_weight).reshape(sample_weight, (n,)) \
            if hasattr(sample_weight, "__dlpack__") else np.reshape(sample_weight, (n,))
    weights = _weights_like(sample_weight, n, A)
    xp = get_namespace(A)  # xp.reshape: array-api-strict's arrays have no reshape method
    Y, A = xp.reshape(Y, (-1, k)), xp.reshape(A, (-1, k))
    if weights is not None and A.shape[0] != n:
        weights = xp.repeat(weights, A.shape[0] // n)
    return Y, A, weights


def output_delta(loss, activation, Y, A, sample_weight=None):
    """``loss.fused_delta`` (``δ = ∂J/∂z`` of the output layer, None where the loss has none); for
    outputs ``(n, ..., k)`` of several axes, that of their ``(rows, k)`` view (:func:`_rows`: each
    row with its sample's weight, or its own), in the outputs' shape, and None for
    ``"mean_with_sample_weight"`` with weights, whose divisor is the sum of the weights as given
    (Keras's), not of the rows': the gradient's path then."""
    if getattr(activation, "axis", -1) != -1 and resolve_axes(activation.axis, len(A.shape)) != (len(A.shape) - 1,):
        return None  # a softmax along another axis than the loss's rows: a − y is not its delta
    if len(A.shape) == 2:
        return loss.fused_delta(activation, Y, A, sample_weight)
    if sample_weight is not None and loss.reduction == "mean_with_sample_weight":
        return None
    Y, A_rows, weights = _rows(Y, A, sample_weight)
    dZ = loss.fused_delta(activation, Y, A_rows, weights)
    return None if dZ is None else get_namespace(dZ).reshape(dZ, tuple(A.shape))


def _clip_epsilon(epsilon, A):
    """The clip ε, at least the dtype's resolution: in float16 1 − 1e-7 is 1 (log 0 = −inf)."""
    return max(epsilon, float(np.finfo(np.float16).eps)) if numpy_dtype(A) == np.float16 else epsilon


def _inside_clip(dA, A, epsilon):
    """``dA`` with zeros where ``A`` lies outside ``[ε, 1 − ε]``: there the clipped
    loss is flat, so its derivative is 0 (as Keras's)."""
    dA *= astype((A >= epsilon) & (A <= 1 - epsilon), dA.dtype)
    return dA


def _normalized(A, eps):
    """``(A / S, S)`` with ``S`` each row's sum, as Keras's; only a zero sum becomes ``eps`` (an all-zero
    row stays zeros, where Keras's 0/0 is NaN). A negative sum (logits read as probabilities) stays: Keras
    divides by it, and a floor at ``eps`` made such rows' loss and metric figures differ from Keras's."""
    xp = get_namespace(A)
    S = xp.sum(A, axis=-1, keepdims=True)
    S = xp.where(S == 0, eps, S)
    return A / S, S


def _mean_last(values):
    return get_namespace(values).mean(values, axis=-1)


class MeanSquaredError(Loss):
    """``J = mean_k (y_k - ŷ_k)²``; ``∂J/∂ŷ = 2 (ŷ - y) / K``."""

    name = "mean_squared_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        return _mean_last((A - Y) ** 2)

    def per_sample_gradient(self, Y, A):
        return (A - Y) * (2.0 / A.shape[-1])

    def __call__(self, y_true, y_pred, sample_weight=None):
        if (sample_weight is not None or self.reduction not in _MEAN_UNWEIGHTED
                or type(self).per_sample is not MeanSquaredError.per_sample):
            return super().__call__(y_true, y_pred, sample_weight)
        # Σ (a − y)² / (n K) as one dot product: a small network's step is mostly such calls
        Y, A = _pair(self, y_true, y_pred)
        D = A - Y
        if numpy_dtype(D) == np.float16:  # a float16 sum of squares overflows at 65504 (torch's too)
            D = astype(D, "float32")
        if type(D) is np.ndarray:
            # np.vdot's BLAS dot, bit for bit, without its dispatch: ~1 µs of each epoch of seed 001's XOR fit
            D = D.ravel()
            return float(D.dot(D)) / math.prod(A.shape)  # (n, K); a vector or (n, m, K) too
        return float(get_namespace(A).vdot(D, D)) / math.prod(A.shape)

    def gradient(self, Y, A, sample_weight=None):
        if (sample_weight is not None or self.reduction not in _MEAN_UNWEIGHTED
                or type(self).per_sample_gradient is not MeanSquaredError.per_sample_gradient):
            return super().gradient(Y, A, sample_weight)
        # the training step's case, (n, K) outputs without weights: Loss.gradient's two operations without
        # its checks of weights and shapes (half of the call's 2.3 µs, at every step of a small network)
        Y, A = _pair(self, Y, A)
        if len(A.shape) != 2:
            return super().gradient(Y, A)
        dA = self.per_sample_gradient(Y, A)
        dA /= A.shape[0]
        return dA


class SquaredError(Loss):
    """The lectures' ``E = ½ Σ_k (t_k - y_k)²``; ``∂E/∂y = y - t``."""

    name = "squared_error"
    targets_in_output_range = True

    def per_sample(self, Y, A):
        return 0.5 * get_namespace(A).sum((A - Y) ** 2, axis=-1)

    def per_sample_gradient(self, Y, A):
        return A - Y


class MeanAbsoluteError(Loss):
    """``J = mean_k |y_k - ŷ_k|``; ``∂J/∂ŷ = sign(ŷ - y) / K``."""

    name = "mean_absolute_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        return _mean_last(get_namespace(A).abs(A - Y))

    def per_sample_gradient(self, Y, A):
        return get_namespace(A).sign(A - Y) / A.shape[-1]


class MeanAbsolutePercentageError(Loss):
    """Keras's ``J = 100 · mean_k |y_k − ŷ_k| / max(|y_k|, ε)`` (ε = 1e-7);
    ``∂J/∂ŷ = 100 · sign(ŷ − y) / (K · max(|y|, ε))``."""

    name = "mean_absolute_percentage_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        return 100.0 * _mean_last(xp.abs(A - Y) / xp.maximum(xp.abs(Y), EPSILON))

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        return xp.sign(A - Y) * (100.0 / A.shape[-1]) / xp.maximum(xp.abs(Y), EPSILON)


class MeanSquaredLogarithmicError(Loss):
    """Keras's ``J = mean_k (log(1 + max(ŷ_k, ε)) − log(1 + max(y_k, ε)))²`` (ε = 1e-7);
    ``∂J/∂ŷ = 2 d / (K (1 + ŷ))`` with ``d`` the difference of the logs, 0 where ``ŷ < ε``
    (there the clipped loss is flat)."""

    name = "mean_squared_logarithmic_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    @staticmethod
    def _parts(Y, A):
        xp = get_namespace(A)
        P = xp.maximum(A, EPSILON)
        return P, xp.log1p(P) - xp.log1p(xp.maximum(Y, EPSILON))

    def per_sample(self, Y, A):
        D = self._parts(Y, A)[1]
        return _mean_last(D * D)

    def per_sample_gradient(self, Y, A):
        P, D = self._parts(Y, A)
        return D * (2.0 / A.shape[-1]) / (1 + P) * astype(A > EPSILON, A.dtype)


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


class Huber(Loss):
    """``½e²`` for ``|e| <= δ``, else ``δ(|e| - ½δ)``, averaged over outputs;
    ``∂J/∂ŷ = clip(e, -δ, δ) / K`` with ``e = ŷ - y``. Its default name is Keras's ``huber_loss``
    (the string for ``compile`` stays ``"huber"``, as in Keras)."""

    name = "huber_loss"
    targets_in_output_range = True

    def __init__(self, delta=1.0, reduction=REDUCTION, name=None, dtype=None):
        super().__init__(name, reduction, dtype)
        self.delta = check_number(delta, "delta", low=0)

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        err = xp.abs(A - Y)
        quad = xp.minimum(err, self.delta)
        return _mean_last(0.5 * quad * quad + self.delta * (err - quad))

    def per_sample_gradient(self, Y, A):
        return get_namespace(A).clip(A - Y, -self.delta, self.delta) / A.shape[-1]

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(Loss):
    """Keras's ``J = mean_k log cosh(ŷ_k − y_k)``, computed as ``e + softplus(−2e) − log 2``
    (finite for any error ``e``): ``e²/2`` for small errors, ``|e| − log 2`` for large ones;
    ``∂J/∂ŷ = tanh(ŷ − y) / K``."""

    name = "log_cosh"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        E = A - Y
        return _mean_last(E + xp.logaddexp(xp.zeros_like(E), -2.0 * E) - math.log(2.0))

    def per_sample_gradient(self, Y, A):
        return get_namespace(A).tanh(A - Y) / A.shape[-1]


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


class CosineSimilarity(Loss):
    """Keras's ``J = −Σ_k u_k v_k``, the negative cosine of the angle between ``y`` and ``ŷ``
    (−1 where they point the same way), with ``u = y / max(‖y‖, ε)``, ``v = ŷ / max(‖ŷ‖, ε)``
    (ε = 1e-7: a zero row gives 0); ``∂J/∂ŷ = −(u − (u·v) v) / ‖ŷ‖`` (``−u / ε`` where
    ``‖ŷ‖ < ε``). ``axis`` only at its default, −1."""

    name = "cosine_similarity"

    def __init__(self, axis=-1, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        _keras_arguments(self, name, reduction, dtype, axis)

    @staticmethod
    def _unit(X):
        """``(X / N, N, ‖X‖ > ε)`` with ``N = max(‖X‖, ε)`` per row."""
        xp = get_namespace(X)
        norm = xp.sqrt(xp.sum(X * X, axis=-1, keepdims=True))
        return X / xp.maximum(norm, EPSILON), xp.maximum(norm, EPSILON), norm > EPSILON

    def per_sample(self, Y, A):
        return -get_namespace(A).sum(self._unit(Y)[0] * self._unit(A)[0], axis=-1)

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        U = self._unit(Y)[0]
        V, N, outside = self._unit(A)
        cosine = xp.sum(U * V, axis=-1, keepdims=True) * astype(outside, A.dtype)
        return -(U - cosine * V) / N


def _check_range(y, low, high, loss_name, name):
    if y.size and (y.min() < low or y.max() > high):
        raise ValueError(
            f"{name} must lie in [{low}, {high}] for loss {loss_name!r}. "
            f"Received values from {y.min()} to {y.max()}."
        )


class _Crossentropy(Loss):
    """``from_logits`` and ``label_smoothing``, as Keras's cross-entropies, and the
    clip ``epsilon``: probabilities are clipped to ``[ε, 1 − ε]`` before the log
    (Keras's backend epsilon 1e-7 by default; ``glassnet.sklearn`` uses the dtype's
    machine epsilon, as scikit-learn's log-loss)."""

    from_logits, label_smoothing, epsilon = False, 0.0, EPSILON

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=REDUCTION, name=None, dtype=None,
                 *, epsilon=EPSILON):
        _keras_arguments(self, name, reduction, dtype, axis)
        if not isinstance(from_logits, (bool, np.bool_)):
            raise TypeError(f"from_logits must be True or False. Received: from_logits={from_logits!r}")
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_number(label_smoothing, "label_smoothing", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0, high=0.5, high_open=True)

    def _smooth(self, Y, share):
        """Targets moved towards ``share``: ``y (1 − s) + s·share`` (Keras's label smoothing)."""
        return Y if not self.label_smoothing else Y * (1 - self.label_smoothing) + self.label_smoothing * share

    def get_config(self):
        config = {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}
        if self.epsilon != EPSILON:  # files of the default loss stay as they were
            config["epsilon"] = self.epsilon
        return config

    def __repr__(self):
        extra = (f", epsilon={self.epsilon:g}" if self.epsilon != EPSILON else "") + self._keras_repr()
        return (f"{type(self).__name__}(from_logits={self.from_logits}, "
                f"label_smoothing={self.label_smoothing:g}{extra})")


class BinaryCrossentropy(_Crossentropy):
    """``J = -mean_k [y log ŷ + (1 - y) log(1 - ŷ)]`` with ŷ clipped to
    ``[ε, 1 - ε]``; through a sigmoid output ``δ = λ (ŷ - y) / K``.

    ``from_logits=True``: the outputs are logits ``z`` (a linear output layer) and
    ``J = mean_k [max(z, 0) − z y + log(1 + e^{−|z|})]``, exact for any ``z``, with
    ``∂J/∂z = (σ(z) − y) / K``. ``label_smoothing`` s: ``y → y (1 − s) + s/2``."""

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
    output at once."""

    name = "categorical_crossentropy"
    target_range = (0, 1)

    def prepare_targets(self, y, n_outputs, name="y"):
        Y = super().prepare_targets(y, n_outputs, name)
        if Y.size:
            sums = Y.sum(axis=1)
            bad = np.flatnonzero(np.abs(sums - 1) > 1e-3)
            if bad.size:
                raise ValueError(
                    f"{name} must hold one probability distribution per row for loss {self.name!r} (one-hot "
                    f"rows, or soft labels summing to 1). Row {bad[0]} sums to {sums[bad[0]]:g}. For several "
                    "labels per sample use loss='binary_crossentropy' with sigmoid outputs; to leave a sample "
                    "out, give it sample_weight 0."
                )
        return Y

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
                or self.label_smoothing or type(self).per_sample is not CategoricalCrossentropy.per_sample):
            return super().__call__(y_true, y_pred, sample_weight)
        # -Σ y log clip(a) / n, without per-sample temporaries (every training step computes it)
        Y, A = _pair(self, y_true, y_pred)
        # NumPy outputs of float32/64 (a training step's) need neither the namespace nor the float16 test
        plain = type(A) is np.ndarray and (A.dtype is _FLOAT32 or A.dtype is _FLOAT64)
        xp = np if plain else get_namespace(A)
        if not plain and numpy_dtype(A) == np.float16:  # sums of float16 overflow at 65504 (torch's too)
            return super().__call__(astype(Y, "float32"), astype(A, "float32"), sample_weight)
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
    """

    name = "sparse_categorical_crossentropy"
    ignore_class = None

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
        return Y, A, xp.reshape(weights, tuple(A.shape[:-1]))

    def __call__(self, y_true, y_pred, sample_weight=None):
        # + 0.0: an ignored sample's loss is 0.0, as Keras's where(mask, loss, 0), not the −0.0 of −Σ 0 · log ŷ
        return super().__call__(*self._masked(y_true, y_pred, sample_weight)) + 0.0

    def gradient(self, Y, A, sample_weight=None):
        return super().gradient(*self._masked(Y, A, sample_weight))

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return super().fused_delta(activation, *self._masked(Y, A, sample_weight))

    def _depends_on_batching(self):
        return super()._depends_on_batching() or self.ignore_class is not None

    def _targets_like(self, Y, A):
        if len(A.shape) < 2:
            return Y
        if len(A.shape) > 2:  # sequences, as Keras: labels (n, m) or (n, m, 1) for outputs (n, m, k)
            labels = to_numpy(Y)
            if labels.shape == tuple(A.shape[:-1]) + (1,):
                labels = labels[..., 0]
            if labels.shape != tuple(A.shape[:-1]):
                return Y  # (refused, with both shapes)
            onehot = self.prepare_targets(labels.reshape(-1), A.shape[-1])
            return get_namespace(A).asarray(onehot.reshape(tuple(A.shape)), dtype=A.dtype)
        return get_namespace(A).asarray(self.prepare_targets(to_numpy(Y), A.shape[1]), dtype=A.dtype)

    def prepare_targets(self, y, n_outputs, name="y"):
        """One-hot rows of the integer labels ``y`` (shape ``(n,)`` or ``(n, 1)``); a label
        ``ignore_class`` outside ``[0, n_outputs)`` becomes a row of zeros."""
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"{name} must be a 1-D array of integer class labels for loss {self.name!r}. "
                f"Received shape {y.shape}."
            )
        inside = (y >= 0) & (y < n_outputs)
        allowed = inside if self.ignore_class is None else inside | (y == self.ignore_class)
        whole = y.dtype.kind in "biu" or np.all(np.mod(y, 1) == 0)
        if y.size and (not whole or not allowed.all()):
            ignored = "" if self.ignore_class is None else f" (or ignore_class={self.ignore_class})"
            if whole:
                found = f"values from {y.min()} to {y.max()}"
            else:  # a fraction (or nan) hides among labels in range: name it, not the range
                found = f"the value {y.reshape(-1)[np.flatnonzero(np.mod(y, 1) != 0)[0]].item()!r}, not a whole number"
            raise ValueError(
                f"{name} must hold integer class labels in [0, {n_outputs - 1}]{ignored} for the model's "
                f"{n_outputs} output units. Received {found}."
            )
        onehot = np.zeros((y.shape[0], n_outputs))
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


def _focal_factor(M, gamma):
    """``(M^γ, dM^γ/dM)`` of ``M = 1 − p_t`` (clipped at 0 against rounding): Lin et al.'s focal factor.
    Where ``M = 0`` its derivative is 0 for ``γ = 0`` and taken as 0 for ``γ < 1`` (where it is infinite)."""
    xp = get_namespace(M)
    M = xp.maximum(M, 0)
    if not gamma:
        return xp.ones_like(M), 0.0
    if gamma >= 1:
        return M ** gamma, gamma * M ** (gamma - 1)
    inside = M > 0
    return M ** gamma, gamma * xp.where(inside, M, 1.0) ** (gamma - 1) * astype(inside, M.dtype)


class BinaryFocalCrossentropy(BinaryCrossentropy):
    """Keras's binary focal cross-entropy (Lin et al., 2017): each output's binary cross-entropy
    ``b`` times the focal factor ``(1 − p_t)^γ``, with ``p_t = y ŷ + (1 − y)(1 − ŷ)`` the
    probability given to the target, so that outputs already right count less:
    ``J = mean_k w (1 − p_t)^γ b``. With ``apply_class_balancing``, ``w = α`` for the 1s and
    ``1 − α`` for the 0s (``w = α y + (1 − α)(1 − y)``), else 1. ``γ = 0`` without balancing is
    :class:`BinaryCrossentropy`.

    As Keras's: ``b`` clips ŷ to ``[ε, 1 − ε]`` (``p_t`` does not); ``from_logits=True`` takes
    ``ŷ = σ(z)`` first and clips it as well (so a logit beyond about ±16 passes only the focal
    factor's gradient); ``label_smoothing`` s: ``y → y (1 − s) + s/2``, in ``p_t`` and ``w`` too.
    ``∂J/∂ŷ = w [γ (1 − p_t)^{γ−1} (1 − 2y) b + (1 − p_t)^γ ∂b/∂ŷ] / K`` (times ``σ'(z)`` for logits)."""

    name = "binary_focal_crossentropy"

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.apply_class_balancing = check_bool(apply_class_balancing, "apply_class_balancing")
        self.alpha = check_number(alpha, "alpha", low=0, high=1)
        self.gamma = check_number(gamma, "gamma", low=0)

    def _parts(self, Y, A):
        """``(ŷ, w, F, dF/dŷ, b, db/dŷ)`` per output: the probabilities (``σ(z)`` for logits), the
        class weight, the focal factor, the cross-entropy, and the derivatives."""
        xp = get_namespace(A)
        Y = self._smooth(Y, 0.5)
        P = Sigmoid().forward(A) if self.from_logits else A
        eps = _clip_epsilon(self.epsilon, P)
        C = xp.clip(P, eps, 1 - eps)
        b = -(Y * xp.log(C) + (1 - Y) * xp.log(1 - C))
        db = _inside_clip((C - Y) / (C * (1 - C)), P, eps)
        F, dF = _focal_factor(1 - (Y * P + (1 - Y) * (1 - P)), self.gamma)  # d(1 − p_t)/dŷ = 1 − 2y
        w = Y * self.alpha + (1 - Y) * (1 - self.alpha) if self.apply_class_balancing else 1.0
        return P, w, F, dF * (1 - 2 * Y), b, db

    def per_sample(self, Y, A):
        _, w, F, _, b, _ = self._parts(Y, A)
        return _mean_last(w * F * b)

    def per_sample_gradient(self, Y, A):
        P, w, F, dF, b, db = self._parts(Y, A)
        dA = w * (dF * b + F * db) / A.shape[-1]
        return dA * (P * (1 - P)) if self.from_logits else dA

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None  # (binary cross-entropy's σ(z) − y is not this loss's)

    def get_config(self):
        return {**super().get_config(), "apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma}

    def __repr__(self):
        return (f"BinaryFocalCrossentropy(apply_class_balancing={self.apply_class_balancing}, alpha={self.alpha:g}, "
                f"gamma={self.gamma:g}, from_logits={self.from_logits}, "
                f"label_smoothing={self.label_smoothing:g}{self._keras_repr()})")


def _class_weights(alpha):
    """Categorical focal cross-entropy's ``alpha``: a number in ``[0, 1]``, or one weight ``>= 0``
    per class (a list: Keras suggests inverse class frequencies, which exceed 1)."""
    if isinstance(alpha, (list, tuple, np.ndarray)):
        weights = [check_number(a, f"alpha[{i}]", low=0) for i, a in enumerate(np.ravel(np.asarray(alpha, object)))]
        if not weights:
            raise ValueError("alpha must be a number in [0, 1] or a non-empty list of class weights. Received: alpha=[]")
        return weights
    return check_number(alpha, "alpha", low=0, high=1)


class CategoricalFocalCrossentropy(CategoricalCrossentropy):
    """Keras's categorical focal cross-entropy (Lin et al., 2017):
    ``J = −Σ_k α_k (1 − ŷ_k)^γ y_k log ŷ_k``, categorical cross-entropy whose terms are scaled
    down where the output is already near 1. ``alpha``: one number for every class, or a list
    of one weight per class. ``γ = 0`` and ``α = 1`` is :class:`CategoricalCrossentropy`.

    As Keras's: each output row is divided by its sum and clipped to ``[ε, 1 − ε]`` (both
    factors read the clipped ŷ); ``from_logits=True`` takes the softmax first;
    ``label_smoothing`` s: ``y → y (1 − s) + s/K``. With ``g_k = ∂J/∂ŷ_k =
    α_k y_k [γ (1 − ŷ_k)^{γ−1} log ŷ_k − (1 − ŷ_k)^γ / ŷ_k]`` (0 outside the clip), the
    gradient passes through the division by the sum (and the softmax), as categorical
    cross-entropy's."""

    name = "categorical_focal_crossentropy"

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(from_logits, label_smoothing, axis, reduction, name, dtype)
        self.alpha = _class_weights(alpha)
        self.gamma = check_number(gamma, "gamma", low=0)

    def _parts(self, Y, A):
        """``(y, a, P, S, ŷ, α, ε)``: smoothed targets, the outputs (softmax of logits), the rows
        divided by their sums ``S``, clipped to ``ŷ``, and the class weights."""
        xp = get_namespace(A)
        Y = self._smooth(Y, 1 / A.shape[-1])
        if self.from_logits:
            A = Softmax().forward(A)
        alpha = self.alpha
        if isinstance(alpha, list):
            if len(alpha) != A.shape[-1]:
                raise ValueError(f"Loss {self.name!r}: alpha holds {len(alpha)} class weights, but the outputs have "
                                 f"{A.shape[-1]} classes. Give one weight per class, or one number.")
            alpha = from_numpy(np.asarray(alpha), numpy_dtype(A))
        eps = _clip_epsilon(self.epsilon, A)
        P, S = _normalized(A, eps)
        return Y, A, P, S, xp.clip(P, eps, 1 - eps), alpha, eps

    def per_sample(self, Y, A):
        Y, _, _, _, O, alpha, _ = self._parts(Y, A)
        xp = get_namespace(O)
        return -xp.sum(alpha * _focal_factor(1 - O, self.gamma)[0] * Y * xp.log(O), axis=-1)

    def per_sample_gradient(self, Y, A):
        Y, A, P, S, O, alpha, eps = self._parts(Y, A)
        xp = get_namespace(O)
        F, dF = _focal_factor(1 - O, self.gamma)  # d(1 − ŷ)^γ/dŷ = −dF
        G = _inside_clip(alpha * Y * (dF * xp.log(O) - F / O), P, eps)
        dA = (G - xp.sum(G * P, axis=-1, keepdims=True)) / S  # through a / S, as categorical cross-entropy's
        if self.from_logits:  # through the softmax a: a ⊙ (g − Σ g a)
            dA = A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))
        return dA

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None  # (softmax + cross-entropy's a − y is not this loss's)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma}

    def __repr__(self):
        alpha = self.alpha if isinstance(self.alpha, list) else f"{self.alpha:g}"
        return (f"CategoricalFocalCrossentropy(alpha={alpha}, gamma={self.gamma:g}, from_logits={self.from_logits}, "
                f"label_smoothing={self.label_smoothing:g}{self._keras_repr()})")


def _to_bipolar(y, loss_name, name):
    """Labels in {-1, 1}; 0/1 labels are mapped 0 -> -1 as Keras's hinge does."""
    values = np.unique(y)
    if np.all(np.isin(values, (0, 1))):
        return 2.0 * y - 1.0
    if np.all(np.isin(values, (-1, 1))):
        return y
    raise ValueError(
        f"{name} must hold labels in {{-1, 1}} (or {{0, 1}}) for loss {loss_name!r}. "
        f"Received values {values[:5].tolist()}."
    )


class _SignedLabelLoss(Loss):
    """Losses on labels in {−1, 1}: 0/1 labels are read as −1/+1, as Keras's hinge does
    (in fit once, in :meth:`prepare_targets`; called directly or as a metric, at each call)."""

    def prepare_targets(self, y, n_outputs, name="y"):
        return _to_bipolar(super().prepare_targets(y, n_outputs, name), self.name, name)

    @staticmethod
    def _signed(Y, A):
        if not isinstance(A, np.ndarray) and hasattr(A, "shape") and not is_numpy():
            Y = _like_outputs(Y, A)  # in the outputs' namespace and dtype: 2·Y − 1 of int or bool labels
        elif not hasattr(Y, "shape"):  # a list of 0/1 labels was left as it was, and read as labels 0 and 1
            Y = check_array(Y, "y_true", ndim=None, allow_empty=True, finite=False)
        elif is_numpy():
            Y = on_host(Y)  # a torch tensor: with NumPy, as _pair reads it
        # any namespace's array: a torch or array-api-strict one kept its 0s (hinge 0.79 for Keras's 1.11)
        xp = get_namespace(Y)
        if math.prod(Y.shape) and bool(xp.all((Y == 0) | (Y == 1))):
            return 2.0 * Y - 1.0
        return Y

    def __call__(self, y_true, y_pred, sample_weight=None):
        return super().__call__(self._signed(y_true, y_pred), y_pred, sample_weight)

    def gradient(self, Y, A, sample_weight=None):
        return super().gradient(self._signed(Y, A), A, sample_weight)


class Hinge(_SignedLabelLoss):
    """Margin hinge ``J = mean_k max(0, m - y ŷ)`` with ``y ∈ {-1, 1}`` (seed 004's
    ``max(0, m − cx)``; Keras's hinge is ``margin=1``); ``∂J/∂ŷ = -y·1{y ŷ < m} / K``."""

    name = "hinge"

    def __init__(self, reduction=REDUCTION, name=None, dtype=None, *, margin=1.0):  # Keras's, then the margin
        super().__init__(name, reduction, dtype)
        self.margin = check_number(margin, "margin", low=0)

    def per_sample(self, Y, A):
        return _mean_last(get_namespace(A).maximum(self.margin - Y * A, 0))

    def per_sample_gradient(self, Y, A):
        return -Y * astype(self.margin - Y * A > 0, A.dtype) / A.shape[-1]

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}

    def __repr__(self):
        return f"Hinge(margin={self.margin:g}{self._keras_repr()})"


class SquaredHinge(_SignedLabelLoss):
    """Keras's squared hinge ``J = mean_k max(0, 1 − y ŷ)²`` with ``y ∈ {−1, 1}`` (0/1 labels
    read as −1/+1, as Keras); ``∂J/∂ŷ = −2 y max(0, 1 − y ŷ) / K``."""

    name = "squared_hinge"

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        M = get_namespace(A).maximum(1.0 - Y * A, 0)
        return _mean_last(M * M)

    def per_sample_gradient(self, Y, A):
        return -2.0 * Y * get_namespace(A).maximum(1.0 - Y * A, 0) / A.shape[-1]


class PerceptronLoss(_SignedLabelLoss):
    """The perceptron criterion ``J = mean_k max(0, -y ŷ)``.

    Its (sub)gradient is ``-y / K`` where ``y ŷ ≤ 0``, else 0: at ``y ŷ = 0``
    (zero weights, say) the point counts as a mistake, as in the perceptron
    algorithm of seed 003 (``y_i⟨w, x_i⟩ ≤ 0``), so gradient descent from
    ``w = 0`` makes the rule's first update ``w + η y x`` instead of standing still."""

    name = "perceptron"

    def per_sample(self, Y, A):
        return _mean_last(get_namespace(A).maximum(-Y * A, 0))

    def per_sample_gradient(self, Y, A):
        return -Y * astype(-Y * A >= 0, A.dtype) / A.shape[-1]


class LogLoss(_SignedLabelLoss):
    """Logistic loss ``J = mean_k log(1 + e^{-y ŷ})``; ``∂J/∂ŷ = -y σ(-y ŷ) / K``."""

    name = "log_loss"

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        return _mean_last(xp.logaddexp(xp.zeros_like(A), -Y * A))

    def per_sample_gradient(self, Y, A):
        return -Y * Sigmoid().forward(-Y * A) / A.shape[-1]


class _CategoricalTargets(CategoricalCrossentropy):
    """Losses on categorical targets: categorical cross-entropy's checks of the
    targets (one distribution per row), none of its options."""

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):
        Loss.__init__(self, name, reduction, dtype)

    def get_config(self):
        return Loss.get_config(self)

    def __repr__(self):
        return Loss.__repr__(self)


class NegativeLogLikelihood(_CategoricalTargets):
    """NLL on log-probabilities (a ``log_softmax`` output): ``J = -Σ_k y_k ŷ_k``."""

    name = "nll"

    def per_sample(self, Y, A):
        return -get_namespace(A).sum(Y * A, axis=-1)

    def per_sample_gradient(self, Y, A):
        return -Y

    def fused_delta(self, activation, Y, A, sample_weight=None):
        if type(activation) is not LogSoftmax:
            return None
        dZ = get_namespace(A).exp(A) - Y
        dZ /= self._divisor(A.shape[0], sample_weight)
        if sample_weight is not None:
            dZ *= sample_weight[:, None]
        return dZ


class MulticlassHinge(_CategoricalTargets):
    """Multiclass hinge summed over the wrong classes (Weston–Watkins SVM):
    ``J = Σ_{j≠c} max(0, 1 + ŷ_j - ŷ_c)``. Seed 004's MaxMargin, which counts only
    the strongest wrong class, is :class:`MaxMargin`; the two agree when at most
    one wrong class is within the margin."""

    name = "multiclass_hinge"

    def _margins(self, Y, A):
        xp = get_namespace(A)
        correct = xp.sum(Y * A, axis=-1, keepdims=True)
        return xp.maximum(1 + A - correct, 0) * (1 - Y)

    def per_sample(self, Y, A):
        return get_namespace(A).sum(self._margins(Y, A), axis=-1)

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        active = astype(self._margins(Y, A) > 0, A.dtype)
        return active - Y * xp.sum(active, axis=-1, keepdims=True)

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None


class MaxMargin(CategoricalCrossentropy):
    """Seed 004's MaxMargin ``J = [max_{k≠c} (ŷ_k + m) − ŷ_c]_+`` (one-hot ``y``
    marks the class c) with gradient ``∂J/∂ŷ_s = (δ_{s k*} − δ_{s c}) 1{J > 0}``,
    ``k*`` the strongest wrong class (the first of equal ones)."""

    name = "max_margin"

    def __init__(self, margin=1.0, reduction=REDUCTION, name=None, dtype=None):
        Loss.__init__(self, name, reduction, dtype)
        self.margin = check_number(margin, "margin", low=0)

    def prepare_targets(self, y, n_outputs, name="y"):
        Y = super().prepare_targets(y, n_outputs, name)
        if n_outputs < 2:
            raise ValueError(f"Loss {self.name!r} needs at least 2 output units (classes). Received {n_outputs}.")
        if Y.size and not np.all((Y == 0) | (Y == 1)):
            raise ValueError(f"{name} must be one-hot rows for loss {self.name!r} (exactly one 1 per row).")
        return Y

    def _parts(self, Y, A):
        """``(J per row, one-hot of k*)``."""
        xp = get_namespace(A)
        correct = xp.sum(Y * A, axis=-1)
        wrong = xp.where(Y > 0, -xp.inf, A)
        k_star = xp.argmax(wrong, axis=-1)
        strongest = xp.max(wrong, axis=-1)
        J = xp.maximum(strongest + self.margin - correct, 0)
        onehot = astype(xp.arange(A.shape[-1])[None, :] == k_star[:, None], A.dtype)
        return J, onehot

    def per_sample(self, Y, A):
        return self._parts(Y, A)[0]

    def per_sample_gradient(self, Y, A):
        J, onehot = self._parts(Y, A)
        return (onehot - Y) * astype(J > 0, A.dtype)[:, None]

    def fused_delta(self, activation, Y, A, sample_weight=None):
        return None

    def get_config(self):
        return {**Loss.get_config(self), "margin": self.margin}

    def __repr__(self):
        return f"MaxMargin(margin={self.margin:g}{self._keras_repr()})"


class CategoricalHinge(Loss):
    """Keras's categorical hinge ``J = max(0, 1 + max_k (1 − y_k) ŷ_k − Σ_k y_k ŷ_k)`` (one-hot
    ``y``: the strongest wrong output against the right one, where a wrong output below 0
    counts as 0); ``∂J/∂ŷ = (g − y) 1{J > 0}``, ``g`` the ``(1 − y)``-weighted indicator of
    the maximum (shared equally by equal ones, as Keras's gradient shares it)."""

    name = "categorical_hinge"

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def _parts(self, Y, A):
        """``(J per row, ∂ max_k (1 − y_k) ŷ_k / ∂ŷ)``."""
        xp = get_namespace(A)
        wrong = (1.0 - Y) * A
        strongest = xp.max(wrong, axis=-1, keepdims=True)
        at_max = astype(wrong == strongest, A.dtype)
        J = xp.maximum(strongest[..., 0] - xp.sum(Y * A, axis=-1) + 1.0, 0)
        return J, (1.0 - Y) * at_max / xp.sum(at_max, axis=-1, keepdims=True)

    def per_sample(self, Y, A):
        return self._parts(Y, A)[0]

    def per_sample_gradient(self, Y, A):
        J, G = self._parts(Y, A)
        return (G - Y) * astype(J > 0, A.dtype)[:, None]


def _overlap_axis(axis):
    """Keras's ``axis`` of Dice and Tversky: None (every axis), an integer or a tuple of them."""
    if axis is None:
        return None
    many = isinstance(axis, (tuple, list))
    axes = tuple(axis) if many else (axis,)
    if not axes or any(isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError("axis must be None (every axis), an integer or a tuple of integers (the axes the loss "
                        f"sums over). Received: axis={axis!r:.100}")
    if len(set(axes)) != len(axes):
        raise ValueError(f"axis must not repeat an axis. Received: axis={axis!r:.100}")
    return tuple(int(a) for a in axes) if many else int(axis)


class _Overlap(Loss):
    """Keras's overlap losses ``J = 1 − N / D`` of sums over ``axis`` (:class:`Dice`,
    :class:`Tversky`): with ``I = Σ y ŷ``, ``N = c·I`` and ``D = c_I·I + c_y·Σ y + c_ŷ·Σ ŷ + ε``
    (ε = 1e-7), so ``∂J/∂ŷ = (N (c_I y + c_ŷ) − D c y) / D²``.

    ``axis=None`` (Keras's default) sums over every axis, the batch's too: one loss for the
    whole batch, not a mean of per-sample losses (so the loss fit logs depends on the batch
    size). Axes that leave the batch axis 0 give one loss per sample (``axis=-1`` for outputs
    ``(n, k)``, ``(1, 2, 3)`` for images ``(n, h, w, c)``); the batch axis with only some of the
    others is refused. As Keras, the losses are multiplied by ``sample_weight`` (one number, or
    one weight per sample; with ``axis=None`` the one loss by each: ``n`` values ``w_i J``), then
    reduced: ``"sum_over_batch_size"`` divides their sum by their number, ``"sum"`` by 1,
    ``"mean_with_sample_weight"`` by the sum of the weights; a single value is returned as it is.
    Float16 outputs are summed in float32."""

    targets_in_output_range = True
    axis = None

    def _coefficients(self):
        """``(c, c_I, c_y, c_ŷ)``."""
        raise NotImplementedError

    def _axes(self, ndim):
        """The axes summed over, as non-negative integers."""
        if self.axis is None:
            return tuple(range(ndim))
        given = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        if any(not -ndim <= a < ndim for a in given):
            raise ValueError(f"{type(self).__name__}: axis={self.axis!r} is out of range for outputs of {ndim} axes.")
        axes = tuple(sorted(a % ndim for a in given))
        if 0 in axes and len(axes) < ndim:
            raise ValueError(f"{type(self).__name__}: axis={self.axis!r} sums over the batch axis 0 but not over "
                             f"all {ndim} axes of the outputs: give axis=None for one loss for the whole batch, "
                             "or axes other than 0 for one loss per sample.")
        return axes

    def _inputs(self, y_true, y_pred):
        """``(Y, A, dtype)``: float16 in float32 (its sums overflow at 65504), and the outputs' dtype."""
        Y, A = _pair(self, y_true, y_pred)
        dtype = numpy_dtype(A)
        if dtype == np.float16:
            Y, A = astype(Y, "float32"), astype(A, "float32")
        return Y, A, dtype

    def _parts(self, Y, A):
        """``(N, D, axes)``, the sums kept as axes of length 1."""
        xp = get_namespace(A)
        axes = self._axes(len(A.shape))
        c, c_i, c_y, c_a = self._coefficients()
        intersection = xp.sum(Y * A, axis=axes, keepdims=True)
        D = c_i * intersection + c_y * xp.sum(Y, axis=axes, keepdims=True) + c_a * xp.sum(A, axis=axes, keepdims=True)
        return c * intersection, D + EPSILON, axes

    def _weighted(self, A, axes, sample_weight):
        """``(w, shape)``: the weights of the losses kept as axes of length 1 (None, one number,
        or ``(n, 1, ..., 1)``) and the shape of the weighted losses."""
        kept = tuple(s for i, s in enumerate(A.shape) if i not in axes)
        if sample_weight is None:
            return None, kept
        if len(getattr(sample_weight, "shape", np.shape(sample_weight))) == 0:  # one number, counted once (Keras)
            return check_number(float(on_host(sample_weight)), "sample_weight", low=0), kept
        w = _weights_like(sample_weight, A.shape[0], A)
        w = get_namespace(A).reshape(w, (A.shape[0],) + (1,) * (len(A.shape) - 1))
        return w, (kept if 0 not in axes else (A.shape[0],))

    def _reduced_over(self, shape, sample_weight):
        """``d`` of the reduction of the weighted losses of ``shape``: a single value stays as it is."""
        return self._divisor(math.prod(shape), sample_weight) if shape else 1

    def per_sample(self, Y, A):
        """Keras's unreduced losses ``1 − N / D``, in ``A``'s shape without the summed axes
        (one number for ``axis=None``)."""
        N, D, axes = self._parts(Y, A)
        return get_namespace(A).reshape(1 - N / D, tuple(s for i, s in enumerate(A.shape) if i not in axes))

    def __call__(self, y_true, y_pred, sample_weight=None):
        Y, A, dtype = self._inputs(y_true, y_pred)
        xp = get_namespace(A)
        N, D, axes = self._parts(Y, A)
        w, shape = self._weighted(A, axes, sample_weight)
        values = xp.reshape(1 - N / D if w is None else (1 - N / D) * w, shape)
        if self.reduction in _UNREDUCED:
            return values if numpy_dtype(values) == dtype else astype(values, dtype)
        return float(xp.sum(values)) / self._reduced_over(shape, sample_weight)

    def gradient(self, Y, A, sample_weight=None):
        _check_reduces(self)
        Y, A, dtype = self._inputs(Y, A)
        N, D, axes = self._parts(Y, A)
        c, c_i, _, c_a = self._coefficients()
        dA = (N * (c_i * Y + c_a) - D * (c * Y)) / (D * D)
        w, shape = self._weighted(A, axes, sample_weight)
        if w is not None:  # the one loss of axis=None, weighted by each sample: by their sum
            dA = dA * (get_namespace(A).sum(w) if 0 in axes and not isinstance(w, float) else w)
        dA = dA / self._reduced_over(shape, sample_weight)
        return dA if numpy_dtype(dA) == dtype else astype(dA, dtype)

    def _depends_on_batching(self):
        return self.axis is None or super()._depends_on_batching()

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dice(_Overlap):
    """Keras's Dice loss ``J = 1 − 2 Σ y ŷ / (Σ y + Σ ŷ + ε)``, the sums over ``axis`` (every
    axis by default: see :class:`_Overlap` for ``axis``, the weights and the reductions): 0 where
    the outputs are the 0/1 targets, near 1 where they do not overlap. For masks: targets in
    ``[0, 1]``, outputs a ``sigmoid`` or ``softmax``."""

    name = "dice"

    def __init__(self, reduction=REDUCTION, name=None, axis=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)
        self.axis = _overlap_axis(axis)

    def _coefficients(self):
        return 2.0, 0.0, 1.0, 1.0


class Tversky(_Overlap):
    """Keras's Tversky loss ``J = 1 − I / (I + α Σ y (1 − ŷ) + β Σ ŷ (1 − y) + ε)`` with
    ``I = Σ y ŷ``, the sums over ``axis`` (every axis by default: see :class:`_Overlap`). ``α``
    weighs the missed targets, ``β`` the outputs where there are none (Keras's docs call them
    the other way round: its ``fp`` is ``Σ y (1 − ŷ)``); ``α = β = ½`` is :class:`Dice` (up to
    ε). Salehi et al., 2017."""

    name = "tversky"

    def __init__(self, alpha=0.5, beta=0.5, reduction=REDUCTION, name=None, axis=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)
        self.alpha = check_number(alpha, "alpha", low=0)
        self.beta = check_number(beta, "beta", low=0)
        self.axis = _overlap_axis(axis)

    def _coefficients(self):  # D = I + α (Σ y − I) + β (Σ ŷ − I) + ε
        return 1.0, 1.0 - self.alpha - self.beta, self.alpha, self.beta

    def get_config(self):  # Keras's order
        return {**Loss.get_config(self), "alpha": self.alpha, "beta": self.beta, "axis": self.axis}


def _masked_logsumexp(V, mask):
    """``(log Σ_j∈mask e^{V_ij}, softmax over the mask)`` of each row: −inf and zeros where a row's mask is empty."""
    xp = get_namespace(V)
    V = xp.where(mask, V, -math.inf)
    m = xp.max(V, axis=-1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)
    E = xp.exp(V - m)  # (e^{−inf} = 0 outside the mask)
    total = xp.sum(E, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = (m + xp.log(total))[:, 0]
        soft = xp.where(total > 0, E / xp.where(total > 0, total, 1.0), 0.0)
    return lse, soft


class Circle(Loss):
    """Keras's Circle loss (Sun et al., 2020), a metric-learning loss of integer labels ``c`` and
    unit-norm embeddings ``ŷ`` (a linear ``Dense`` then ``UnitNormalization``): with the cosine
    distances ``D_ij = max(1 − ŷ_i·ŷ_j, 0)`` of the samples of the batch, the positives ``P`` (the
    same label; without ``j = i`` when ``remove_diagonal``) and negatives ``N`` (another label),

    ``J_i = softplus(log Σ_{j∈P} e^{−γ (m + D_ij)₊ (m − D_ij)} + log Σ_{j∈N} e^{γ (1 + m − D_ij)₊ (1 − m − D_ij)})``

    with ``γ = gamma``, ``m = margin``. Each sample's loss depends on the whole batch, so the loss
    ``fit`` logs depends on the batches. As Keras's, a sample without positives or negatives (or
    whose loss underflows) has ``J_i = 0`` and is left out of the batch means: ``"sum_over_batch_size"``
    and ``"mean"`` give ``Σ w_i J_i / n_{J>0}``, ``"mean_with_sample_weight"`` ``Σ w_i J_i / Σ_{J>0} w_i``
    (0 when nothing is left). The gradient (:meth:`gradient`) flows through both factors of each
    ``ŷ_i·ŷ_j``; that count is piecewise constant."""

    name = "circle"

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction=REDUCTION, name=None,
                 dtype=None):  # Keras's order
        _keras_arguments(self, name, reduction, dtype)
        self.gamma = check_number(gamma, "gamma", low=0, low_open=True)
        self.margin = check_number(margin, "margin")
        self.remove_diagonal = check_bool(remove_diagonal, "remove_diagonal")

    def _labels(self, y, n, name):
        labels = to_numpy(y) if hasattr(y, "shape") else np.asarray(y)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1 or labels.shape[0] != n:
            raise ValueError(f"{name} must hold one integer label per embedding, shape ({n},) or ({n}, 1), for loss "
                             f"{self.name!r}. Received shape {labels.shape}.")
        if labels.dtype.kind not in "biuf" or (labels.dtype.kind == "f" and not np.all(np.mod(labels, 1) == 0)):
            raise ValueError(f"{name} must hold integer labels for loss {self.name!r}.")
        return labels.astype(np.int64)

    def prepare_targets(self, y, n_outputs, name="y"):
        """The integer labels ``y`` (shape ``(n,)`` or ``(n, 1)``) as a column ``(n, 1)``."""
        y = np.asarray(y)
        return self._labels(y, y.shape[0] if y.ndim else -1, name).reshape(-1, 1).astype(float)

    def _parts(self, y_true, y_pred, ref_labels=None, ref_embeddings=None):
        """``(J, dJ/dS, A, R)``: the losses, their derivatives by the similarities ``S = A Rᵀ``."""
        A = y_pred if hasattr(y_pred, "shape") else check_array(y_pred, "y_pred", ndim=2, dtype=float)
        if len(A.shape) != 2 or A.shape[0] == 0:
            raise ValueError(f"Loss {self.name!r}: y_pred must be embeddings of shape (n_samples, n_dims). "
                             f"Received shape {tuple(A.shape)}.")
        xp = get_namespace(A)
        R = A if ref_embeddings is None else ref_embeddings
        if not hasattr(R, "shape"):
            R = from_numpy(check_array(R, "ref_embeddings", ndim=2, dtype=numpy_dtype(A)), numpy_dtype(A))
        if len(R.shape) != 2 or R.shape[1] != A.shape[1]:
            raise ValueError(f"ref_embeddings must have shape (m, {A.shape[1]}). Received shape {tuple(R.shape)}.")
        y = self._labels(y_true, A.shape[0], "y_true")
        ref = y if ref_labels is None else self._labels(ref_labels, R.shape[0], "ref_labels")
        same = y[:, None] == ref[None, :]
        P = same & ~np.eye(*same.shape, dtype=bool) if self.remove_diagonal else same
        P, N = xp.asarray(P), xp.asarray(~same)
        gamma, m = self.gamma, self.margin
        S = A @ xp.matrix_transpose(R)
        D = xp.maximum(1 - S, 0.0)
        a, b = xp.maximum(m + D, 0.0), xp.maximum(1 + m - D, 0.0)  # the weights of positives and negatives
        pos, soft_pos = _masked_logsumexp(-gamma * a * (m - D), P)
        neg, soft_neg = _masked_logsumexp(gamma * b * (1 - m - D), N)
        x = pos + neg
        J = xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))  # softplus, exact for any x (0 at −inf)
        sig = xp.exp(x - J)  # σ(x) = softplus'(x), without overflow
        dpos = gamma * 2 * D * astype(m + D > 0, A.dtype)  # d/dD of −γ (m + D)(m − D)
        dneg = -gamma * 2 * (1 - D) * astype(1 + m - D > 0, A.dtype)  # d/dD of γ (1 + m − D)(1 − m − D)
        dD = sig[:, None] * (soft_pos * dpos + soft_neg * dneg)
        return J, -dD * astype(1 - S > 0, A.dtype), A, R

    def _weights(self, J, sample_weight):
        """``(c, d)``: the weights of the losses (Keras's mask ``J > 0`` folded in) and the divisor."""
        xp = get_namespace(J)
        kept = astype(J > 0, J.dtype)
        w = kept if sample_weight is None else _weights_like(sample_weight, J.shape[0], J) * kept
        if self.reduction == "sum" or self.reduction in _UNREDUCED:
            return w, 1.0
        total = float(xp.sum(kept if self.reduction in _BATCH_MEAN or sample_weight is None else w))
        return w, (total if total else math.inf)

    def per_sample(self, Y, A):
        return self._parts(Y, A)[0]

    def __call__(self, y_true, y_pred, sample_weight=None):
        J = self._parts(y_true, y_pred)[0]
        w, d = self._weights(J, sample_weight)
        if self.reduction in _UNREDUCED:
            return J * w if sample_weight is not None else J
        return float(get_namespace(J).sum(J * w)) / d

    def gradient(self, Y, A, sample_weight=None):
        """``∂J/∂A`` of the batch loss: ``G A' + Gᵀ A`` with ``G_ij = c_i ∂J_i/∂S_ij / d`` (``S = A Aᵀ``)."""
        _check_reduces(self)
        J, dS, A, _ = self._parts(Y, A)
        w, d = self._weights(J, sample_weight)
        G = dS * (w / d)[:, None]
        return G @ A + get_namespace(A).matrix_transpose(G) @ A

    def _depends_on_batching(self):
        return True

    def get_config(self):
        return {**Loss.get_config(self), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}

    def __repr__(self):
        return (f"Circle(gamma={self.gamma:g}, margin={self.margin:g}, remove_diagonal={self.remove_diagonal}"
                f"{self._keras_repr()})")


LOSSES = {
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "squared_error": SquaredError,
    "sum_squared_error": SquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "huber": Huber,
    "log_cosh": LogCosh,
    "poisson": Poisson,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "cosine_similarity": CosineSimilarity,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "categorical_generalized_cross_entropy": CategoricalGeneralizedCrossEntropy,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "perceptron": PerceptronLoss,
    "log_loss": LogLoss,
    "nll": NegativeLogLikelihood,
    "negative_log_likelihood": NegativeLogLikelihood,
    "multiclass_hinge": MulticlassHinge,
    "max_margin": MaxMargin,
    "dice": Dice,
    "tversky": Tversky,
    "circle": Circle,
}

CLASSES = {cls.__name__: cls for cls in set(LOSSES.values())}


# Keras's functions fn(y_true, y_pred) -> the per-sample losses (the loss with reduction=None: one
# value per sample, in the batch's shape; a vector gives one number). Called, they compute; given to
# compile (loss=losses.categorical_crossentropy), they stand for the loss of their name, which
# carries the gradient training needs.
def mean_squared_error(y_true, y_pred):
    """``mean_k (y − ŷ)²`` per sample, as ``keras.losses.mean_squared_error``."""
    return MeanSquaredError(reduction=None)(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """``mean_k |y − ŷ|`` per sample, as ``keras.losses.mean_absolute_error``."""
    return MeanAbsoluteError(reduction=None)(y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 · mean_k |y − ŷ| / max(|y|, 1e-7)`` per sample, as Keras's."""
    return MeanAbsolutePercentageError(reduction=None)(y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean_k (log(1 + ŷ) − log(1 + y))²`` per sample (both clipped at 1e-7 first), as Keras's."""
    return MeanSquaredLogarithmicError(reduction=None)(y_true, y_pred)


def huber(y_true, y_pred, delta=1.0):
    """The Huber loss per sample, as ``keras.losses.huber``."""
    return Huber(delta, reduction=None)(y_true, y_pred)


def poisson(y_true, y_pred):
    """``mean_k (ŷ − y log(ŷ + 1e-7))`` per sample, as ``keras.losses.poisson``."""
    return Poisson(reduction=None)(y_true, y_pred)


def hinge(y_true, y_pred):
    """``mean_k max(0, 1 − y ŷ)`` per sample, 0/1 labels read as −1/+1, as ``keras.losses.hinge``."""
    return Hinge(reduction=None)(y_true, y_pred)


def log_cosh(y_true, y_pred):
    """``mean_k log cosh(ŷ − y)`` per sample, as ``keras.losses.log_cosh``."""
    return LogCosh(reduction=None)(y_true, y_pred)


def kl_divergence(y_true, y_pred):
    """``Σ_k y log(y / ŷ)`` per sample (both clipped to ``[1e-7, 1]``), as ``keras.losses.kl_divergence``."""
    return KLDivergence(reduction=None)(y_true, y_pred)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``−Σ_k u_k v_k`` per sample of the rows divided by their norms, as ``keras.losses.cosine_similarity``."""
    return CosineSimilarity(axis, reduction=None)(y_true, y_pred)


def squared_hinge(y_true, y_pred):
    """``mean_k max(0, 1 − y ŷ)²`` per sample, 0/1 labels read as −1/+1, as ``keras.losses.squared_hinge``."""
    return SquaredHinge(reduction=None)(y_true, y_pred)


def categorical_hinge(y_true, y_pred):
    """``max(0, 1 + max_k (1 − y_k) ŷ_k − Σ_k y_k ŷ_k)`` per sample, as ``keras.losses.categorical_hinge``."""
    return CategoricalHinge(reduction=None)(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """The binary cross-entropy per sample (the mean over the last axis), as Keras's."""
    return BinaryCrossentropy(from_logits, label_smoothing, axis, reduction=None)(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``−Σ_k y_k log ŷ_k`` per sample (one-hot ``y_true``), as Keras's."""
    return CategoricalCrossentropy(from_logits, label_smoothing, axis, reduction=None)(y_true, y_pred)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """``−log ŷ_c`` per sample for integer labels ``c`` (shape ``(n,)`` or ``(n, 1)``), as Keras's."""
    return SparseCategoricalCrossentropy(from_logits, ignore_class, reduction=None, axis=axis)(y_true, y_pred)


def dice(y_true, y_pred, axis=None):
    """``1 − 2 Σ y ŷ / (Σ y + Σ ŷ + 1e-7)``, the sums over ``axis`` (None: every axis, one number), as
    ``keras.losses.dice``."""
    return Dice(reduction=None, axis=axis)(y_true, y_pred)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 − I / (I + α Σ y (1 − ŷ) + β Σ ŷ (1 − y) + 1e-7)``, ``I = Σ y ŷ``, the sums over ``axis``
    (None: every axis, one number), as ``keras.losses.tversky``."""
    return Tversky(alpha, beta, reduction=None, axis=axis)(y_true, y_pred)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0.0, axis=-1):
    """The binary focal cross-entropy per sample (the mean over the last axis), as Keras's."""
    return BinaryFocalCrossentropy(apply_class_balancing, alpha, gamma, from_logits, label_smoothing, axis,
                                   reduction=None)(y_true, y_pred)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """``−Σ_k α_k (1 − ŷ_k)^γ y_k log ŷ_k`` per sample (one-hot ``y_true``), as Keras's."""
    return CategoricalFocalCrossentropy(alpha, gamma, from_logits, label_smoothing, axis, reduction=None)(y_true, y_pred)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 − ŷ_c^q) / q`` per sample for integer labels ``c`` (shape ``(n,)`` or ``(n, 1)``), as Keras's."""
    return CategoricalGeneralizedCrossEntropy(q, reduction=None)(y_true, y_pred)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """The Circle loss of each embedding against the reference ones (by default the batch itself), as
    ``keras.losses.circle``: ``(n,)`` losses of integer labels ``y_true`` and unit-norm embeddings ``y_pred``."""
    loss = Circle(gamma, margin, remove_diagonal, reduction=None)
    return loss._parts(y_true, y_pred, ref_labels, ref_embeddings)[0]


# tf.keras's short names (Keras 3 keeps them as strings: loss="mse")
mse, mae, mape, msle = mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, \
    mean_squared_logarithmic_error

#: each function -> the name of its loss (and of the metric of that name)
FUNCTIONS = {fn: fn.__name__ for fn in (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                                        mean_squared_logarithmic_error, huber, poisson, hinge, binary_crossentropy,
                                        categorical_crossentropy, sparse_categorical_crossentropy, log_cosh,
                                        kl_divergence, cosine_similarity, squared_hinge, categorical_hinge, dice,
                                        tversky, binary_focal_crossentropy, categorical_focal_crossentropy,
                                        categorical_generalized_cross_entropy, circle)}


def function_name(identifier):
    """The loss name of one of the functions above, else None (any other object)."""
    return FUNCTIONS.get(identifier) if isinstance(identifier, types.FunctionType) else None


class FunctionLoss(Loss):
    """A user's function ``fn(y_true, y_pred)`` of per-sample losses ``J_i`` (shape ``(n,)``), as Keras's
    ``compile(loss=fn)``, trained through its ``per_sample_gradient(y_true, y_pred)`` attribute
    (``∂J_i/∂A``, A's shape), as an activation function trains through its ``derivative``. A model
    file holds it by its registered name."""

    def __init__(self, function):
        if not (isinstance(function, types.FunctionType) and callable(getattr(function, "per_sample_gradient", None))):
            raise TypeError(f"function must be a function fn(y_true, y_pred) with a per_sample_gradient attribute. "
                            f"Received: {function!r:.100}")
        super().__init__(name=function.__name__)
        self.function = function

    def per_sample(self, Y, A):
        return self.function(Y, A)

    def per_sample_gradient(self, Y, A):
        return self.function.per_sample_gradient(Y, A)


def get(identifier):
    """Return a :class:`Loss` from a name or an object (a function with a ``per_sample_gradient``
    attribute: a :class:`FunctionLoss`)."""
    if identifier is None:
        raise ValueError(f"loss is required. Valid names: {', '.join(sorted(LOSSES))}.")
    if function_name(identifier):  # compile(loss=losses.categorical_crossentropy): the loss of that name
        return LOSSES[function_name(identifier)]()
    if isinstance(identifier, types.FunctionType) and callable(getattr(identifier, "per_sample_gradient", None)):
        return FunctionLoss(identifier)
    if callable(identifier) and not isinstance(identifier, (Loss, type)):
        raise TypeError(f"loss must be a name, a glassnet.losses.Loss or a function with its gradient. Received the "
                        f"function {identifier!r}: {_NEEDS_GRADIENT} Give the function a per_sample_gradient(y_true, "
                        f"y_pred) attribute (= dJ_i/dA, A's shape), or: {_HOW_TO_SUBCLASS}")
    loss = lookup(identifier, LOSSES, "loss", instance_of=Loss, instantiate=True)
    _check_trainable(loss)
    return loss


def _check_trainable(loss):
    """A Loss subclass without its gradient is refused at compile (it failed at fit, with a bare
    NotImplementedError); one written for Keras (``call`` alone) is told what to add. So is a
    loss with ``reduction=None``, which gives no single number to minimise."""
    _check_reduces(loss)
    cls = type(loss)
    if cls.per_sample_gradient is not Loss.per_sample_gradient or cls.gradient is not Loss.gradient:
        return  # (Dice's gradient is of the batch's sums, not of each row)
    if cls.call is not Loss.call:
        raise TypeError(f"The loss {cls.__name__} defines Keras's call(y_true, y_pred) but not its gradient: "
                        f"{_NEEDS_GRADIENT} Add per_sample_gradient(Y, A) (= dJ_i/dA of call's per-sample "
                        "values; call serves as per_sample), and verify it with glassnet.check_gradients.")
    raise TypeError(f"The loss {cls.__name__} has no per_sample_gradient(Y, A): {_NEEDS_GRADIENT} "
                    f"{_HOW_TO_SUBCLASS}")


def serialize(loss):
    """``{"class_name", "config"}`` of a built-in loss (one of the functions: of its loss); a
    registered function as Keras writes it, ``{"class_name": "function", "config": "package>name"}``."""
    if isinstance(loss, FunctionLoss):
        config = _custom_objects.serialize_function(loss.function)
        if config is None:
            raise ValueError(f"Cannot save {_custom_objects.unregistered_function(loss.function, 'loss')}.")
        return config
    return to_config(get(loss) if function_name(loss) else loss, CLASSES, "loss")


def deserialize(config):
    """The loss a saved config names: a registered (or passed) function by its name; a name the user's
    objects define (``custom_objects={"mse": my_mse}``) is theirs, as in Keras; else a built-in."""
    function = (_custom_objects.find_function(config, {name: fn for fn, name in FUNCTIONS.items()})
                or _custom_objects.saved_name(config))
    if function is not None:
        return get(function)
    return get(config) if isinstance(config, str) else from_config(config, CLASSES, "loss")
