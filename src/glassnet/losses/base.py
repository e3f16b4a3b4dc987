"""The base of every loss: :class:`Loss` (Keras's ``name``/``reduction``/``dtype``, the batch loss
``Σ_i w_i J_i / d`` and its gradient, the divisor ``d`` of each reduction, configs), the reductions'
names, and what the loss families share: targets and outputs lined up as ``(n, k)`` rows (``_pair``,
``_rows``, sample weights in the outputs' namespace), :func:`output_delta` (the short cut through the
output activation), the clip ε of probabilities and the check of a target range."""

import contextlib
import math

import numpy as np

from .._registry import Configurable
from .._validation import check_array, on_host, per_sample_weights
from ..activations import resolve_axes
from ..backend import (_FLOAT32, _FLOAT64, astype, floats_quiet, floatx, from_numpy, get_namespace, is_numpy,
                       numpy_dtype)


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


def _keras_arguments(loss, name, reduction, dtype, axis=None):
    """Keras's loss arguments: ``name`` and ``reduction`` are kept, ``dtype`` is taken at its default only
    (a ValueError names what glassnet does instead); ``axis``, given by the losses that take it (the
    cross-entropies, the cosine similarity), is kept as ``loss._axis`` (:func:`_axis_last`)."""
    if name is not None:
        if not isinstance(name, str):
            raise TypeError(f"name must be a string. Received: name={name!r}")
        loss.name = name
    if not (reduction is None or isinstance(reduction, str) and reduction in REDUCTIONS):
        raise ValueError("Invalid value for argument `reduction`. Expected one of "
                         f"{', '.join(map(repr, REDUCTIONS))}. Received: reduction={reduction!r}")
    loss.reduction = reduction
    if dtype is not None:
        raise ValueError("A glassnet loss computes in the dtype of the model's outputs, float16's in floatx() (set it "
                         f"with Sequential(dtype=...)): dtype must be None. Received: dtype={dtype!r}")
    if axis is not None:
        if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
            raise TypeError("axis must be an integer, the axis of the outputs the loss reduces (-1, the last, by "
                            f"default). Received: axis={axis!r:.100}")
        loss._axis = int(axis)


def _check_reduces(loss):
    """A training loss must be one number: reduction None is for calling the loss alone."""
    if loss.reduction in _UNREDUCED:
        raise ValueError(f"A training loss must reduce the batch to one number, but {type(loss).__name__} has "
                         f"reduction={loss.reduction!r}, which is for calling the loss on its own to get the "
                         f"per-sample losses. Train with one of {', '.join(map(repr, REDUCTIONS[:4]))}.")


class Loss(Configurable):
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
    #: the axis of the outputs that :meth:`per_sample` reduces (Keras's ``axis``: :func:`_axis_last`)
    _axis = -1
    #: whether that axis must be the outputs' last (a sparse loss's labels are read along it)
    _last_axis_only = False
    #: whether the targets are integer labels with one axis fewer than the outputs (a sparse loss's, which
    #: :meth:`_targets_like` makes one-hot rows); then only floats of the outputs' shape and of 2 axes or more
    #: are taken as rows already (fit's prepared targets), and labels of that shape are refused, as Keras's
    _takes_labels = False

    def __init__(self, name=None, reduction=REDUCTION, dtype=None):
        _keras_arguments(self, name, reduction, dtype)

    @property
    def dtype(self):
        """Keras's ``loss.dtype``: ``floatx()``, the dtype that float16 outputs' loss is computed in (as Keras's
        ``Loss`` casts to it); the loss of float32 or float64 outputs is computed in their own dtype."""
        return floatx()

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
        """The batch loss ``Σ_i w_i J_i / d`` (``d`` from the reduction: :meth:`_reduced_over`) for
        targets ``y_true`` and outputs ``y_pred`` (Keras's names); with ``reduction=None``
        the ``w_i J_i`` themselves, in the batch's shape (``(n, m)`` for outputs ``(n, m, k)``),
        or the shape Keras gives them with the weights' (:func:`_weighted_shape`: ``(n, 1)``
        for weights ``(n, 1)``). As Keras's, the losses of an empty batch, shape ``(0,)``, are
        returned as they are whatever the reduction (with weights ``(0, 1)``, or outputs
        ``(0, m, k)``, whose losses have another shape, the reductions give 0.0)."""
        Y, A = _pair(self, y_true, y_pred)
        dtype = _loss_dtype(A)
        if dtype is not None:  # float16 in floatx, as Keras's Loss casts y_true and y_pred to its dtype
            Y, A = astype(Y, dtype), astype(A, dtype)
        Y, A, _ = _axis_last(self, Y, A)
        batch_shape = tuple(A.shape[:-1])
        Y, A, weights = _rows(Y, A, sample_weight)
        xp = get_namespace(A)
        # a NaN or infinite loss comes back as Keras's, without NumPy's warnings (Poisson's log of y_pred <= 0,
        # float16's overflow), as the metrics' (fit's and evaluate's passes are quiet already)
        with contextlib.nullcontext() if floats_quiet() else np.errstate(all="ignore"):
            values = self.per_sample(Y, A)
            if tuple(values.shape) != (A.shape[0],):  # (n, k) values were summed per row: k times Keras's mean
                raise ValueError(f"{type(self).__name__}.per_sample (or Keras's call) must return one loss per "
                                 f"sample, shape ({A.shape[0]},), as Keras's built-in losses do (the mean over the "
                                 f"last axis). Received shape {tuple(values.shape)}.")
            if weights is not None:  # in the losses' dtype, as Keras casts them (float64 weights made float64 values)
                if numpy_dtype(weights) != numpy_dtype(values):  # (a batch's weights: no copy when they match)
                    weights = astype(weights, numpy_dtype(values))
                values = values * weights
            shape = _weighted_shape(batch_shape, sample_weight)
            if self.reduction in _UNREDUCED or shape == (0,):
                return xp.reshape(values, shape)
            return float(xp.sum(values)) / self._reduced_over(shape, sample_weight)

    def gradient(self, Y, A, sample_weight=None):
        """``∂J/∂A`` of the batch loss: ``w_i (∂J_i/∂A) / d``, in the outputs' shape (as given:
        outputs ``(n,)`` against targets ``(n, 1)`` are the column ``(n, 1)`` only inside)."""
        shape = _given_shape(A)
        Y, A = _pair(self, Y, A)
        Y, A, moved = _axis_last(self, Y, A)
        moved_shape, batch_shape = tuple(A.shape), A.shape[:-1]
        Y, A, weights = _rows(Y, A, sample_weight)
        dA = self.per_sample_gradient(Y, A)
        if getattr(dA, "shape", None) != A.shape:  # else NumPy's "cannot reshape array of size 3 into shape (3,2)"
            got = f"shape {tuple(dA.shape)}" if hasattr(dA, "shape") else f"a {type(dA).__name__}"
            raise ValueError(f"{type(self).__name__}.per_sample_gradient(Y, A) must return dJ_i/dA, an array of "
                             f"A's shape {tuple(A.shape)}. Received {got}.")
        # d of Keras's shape of the weighted losses; a batch (n, k)'s (a training step's) is its n rows whatever it is
        dA /= (self._divisor(A.shape[0], sample_weight) if len(batch_shape) == 1
               else self._reduced_over(_weighted_shape(batch_shape, sample_weight), sample_weight))
        if weights is not None:
            dA *= weights[:, None]
        if moved is not None:  # the reduced axis back where it was
            xp = get_namespace(dA)
            dA = xp.moveaxis(xp.reshape(dA, moved_shape), -1, moved)
        return _as_given(dA, shape)

    def _divisor(self, n, sample_weight):
        """``d`` of the batch loss ``Σ_i w_i J_i / d`` over ``n`` rows, as Keras's reductions:
        ``n`` for ``"sum_over_batch_size"`` and ``"mean"``, 1 for ``"sum"``, and for
        ``"mean_with_sample_weight"`` the sum of ``sample_weight`` as given (``n`` without
        one; Keras sums the array it is given, so one number ``w`` counts once, and weights
        ``(n,)`` of outputs ``(n, m, k)`` count once per sample, not per row). A zero sum, or
        no rows, makes the loss and its gradient 0 (``d = ∞``), as Keras's ``divide_no_nan``; a
        negative sum (signed weights) divides as it is, as Keras's.
        The value and every gradient (:meth:`gradient`, :meth:`fused_delta`) divide by it."""
        if self.reduction in _BATCH_MEAN:  # the default: one comparison per step
            return n or math.inf
        if self.reduction == "sum":
            return 1
        _check_reduces(self)
        if sample_weight is None:
            return n or math.inf
        w = sample_weight if hasattr(sample_weight, "shape") else np.asarray(sample_weight, dtype=float)
        total = float(get_namespace(w).sum(w))
        return total if total else math.inf

    def _reduced_over(self, shape, sample_weight):
        """``d`` of the reduction of weighted losses of Keras's ``shape`` (:func:`_weighted_shape`): as
        Keras's ``reduce_values``, a single value (shape ``()``: one vector) is returned as it is, so
        ``d = 1`` whatever the reduction (``"mean_with_sample_weight"`` of ``w J`` too)."""
        return self._divisor(math.prod(shape), sample_weight) if shape else 1

    def _depends_on_batching(self):
        """Whether the batch-size-weighted mean of the batches' losses (what fit logs and
        evaluate reports, as Keras) changes with the batch size: true for every reduction
        but the batch mean, whose weighted mean is the mean over all samples."""
        return self.reduction not in _BATCH_MEAN

    def fused_delta(self, activation, Y, A, sample_weight=None):
        """``δ = ∂J/∂Z`` of the output layer in one short cut through ``activation`` (``ŷ − y`` for
        softmax with cross-entropy, times the reduction's weights), or None: there is none, and the
        gradient goes through ``∂J/∂A`` and the activation's backward."""
        return None

    def _targets_like(self, Y, A):
        """Targets of another shape than the outputs (or labels of a sparse loss: :attr:`_takes_labels`),
        in the outputs' shape where the loss reads them so (integer labels of a sparse loss); else
        unchanged (then refused)."""
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
            elif y.ndim == 2 and y.shape[1] == n_outputs + 1 and y.size and not np.any(y[:, 0]):
                # to_categorical of labels 1..k makes k + 1 columns, the first for a class 0 no sample has
                hint = (" Column 0 is all zeros: the labels seem to start at 1; pass to_categorical(y - 1) "
                        "for labels 1 to k.")
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

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"

    def _keras_repr(self):
        """``", name=..., reduction=..."`` for those of Keras's arguments that are not the defaults."""
        return "".join(f", {k}={v!r}" for k, v in Loss.get_config(self).items())


def _not_an_array(X):
    """Whether ``X`` is no array of a namespace but something NumPy reads as one: a list, a number, a pandas
    DataFrame or Series (whose sums take no keepdims, and axis -1 is no axis), or a subclass of NumPy's array
    (np.matrix, whose ``*`` is a matrix product; a masked array, whose mask made cross-entropy −1.0). The losses
    read it as a plain array (:func:`check_array`, as the models and metrics read it): a masked array's data, as
    ``np.asarray``, Keras and the metrics do. (Other objects with a shape, a functional model's ChainTensor, stay
    as they are, for their own errors.)"""
    return type(X) is not np.ndarray and (isinstance(X, np.ndarray) or not hasattr(X, "shape")
                                          or type(X).__module__.startswith("pandas"))


def _like_outputs(Y, A):
    """Targets ``Y`` (a list, a NumPy array, integer labels) as an array of the namespace and dtype
    of the outputs ``A``, as Keras converts ``y_true``: a list or int64 labels against torch or
    array-api-strict outputs raised TypeErrors from deep inside the loss."""
    dtype = numpy_dtype(A)
    if isinstance(Y, np.ndarray) or _not_an_array(Y):
        return from_numpy(check_array(Y, "y_true", ndim=None, dtype=dtype, allow_empty=True, finite=False), dtype)
    return Y if Y.dtype == A.dtype else astype(Y, dtype)


def _same_rank(shape1, shape2):
    """The two shapes as Keras's ``squeeze_or_expand_to_same_rank`` makes them: where one has one
    axis more and it ends in 1, that 1 is dropped, or, against a vector, one is added to the vector
    (``(n, 1)`` and ``(n,)`` -> both ``(n, 1)``; ``(n, m, 1)`` and ``(n, m)`` -> both ``(n, m)``);
    other shapes are left as they are."""
    if len(shape1) == len(shape2) + 1 and shape1[-1] == 1:
        return (shape1, shape2 + (1,)) if len(shape2) == 1 else (shape1[:-1], shape2)
    if len(shape2) == len(shape1) + 1 and shape2[-1] == 1:
        return (shape1 + (1,), shape2) if len(shape1) == 1 else (shape1, shape2[:-1])
    return shape1, shape2


def _weighted_shape(shape, sample_weight, computed=None):
    """The shape Keras gives losses of ``shape`` times ``sample_weight`` (its ``reduce_weighted_values``:
    :func:`_same_rank`, then a broadcast): ``(n, 1)`` for losses ``(n,)`` and weights ``(n, 1)``, ``(n,)``
    for a number. Where that shape does not hold the losses glassnet computed (shape ``computed``, by
    default ``shape``: weights ``(n,)`` of outputs ``(n, m, k)``, which Keras refuses and glassnet reads
    as each sample's), those keep their shape."""
    computed = shape if computed is None else computed
    if sample_weight is None:
        return computed
    given = tuple(getattr(sample_weight, "shape", np.shape(sample_weight)))
    if given == shape and shape == computed:  # one weight per loss: what a training step passes
        return shape
    try:
        weighted = np.broadcast_shapes(*_same_rank(shape, given))
    except ValueError:
        return computed
    return weighted if math.prod(weighted) == math.prod(computed) else computed


def _given_shape(A):
    """The shape of the outputs ``A`` as the caller gave them (a list's too)."""
    return A.shape if hasattr(A, "shape") else np.shape(A)


def _as_given(dA, shape):
    """The gradient ``dA`` in the outputs' ``shape`` as given (it was computed in :func:`_pair`'s)."""
    return dA if dA.shape == shape else get_namespace(dA).reshape(dA, tuple(shape))


def _pair(loss, Y, A):
    """``(Y, A)`` as arrays of one shape, or a ValueError (integer labels of a sparse
    loss become one-hot rows, as Keras takes them; floats of the outputs' shape, of 2 axes
    or more, are taken as such rows already: what fit passes).

    Broadcasting would silently turn targets of shape (n,) against outputs
    (n, 1) into an (n, n) table and a wrong loss: shapes whose ranks differ by a
    trailing 1 are made to agree as Keras's ``squeeze_or_expand_to_same_rank``
    does (:func:`_same_rank`), and other shapes refused; the training step only
    pays for the shape comparison. A batch of 0 rows is a batch (Keras gives
    its empty losses)."""
    if (type(Y) is np.ndarray and type(A) is np.ndarray and Y.dtype == A.dtype and A.dtype.kind == "f"
            and Y.shape == A.shape and A.ndim > 1 and A.shape[0]):
        return Y, A  # what the training step passes, at every batch: nothing to convert or check
    if is_numpy():  # torch tensors...: computed with NumPy, as activations and metrics take them (mixed, they raised)
        Y, A = on_host(Y), on_host(A)
    # a sparse loss's integer labels (a list, a number, ints) are labels whatever their shape: of the outputs'
    # shape they were read as one-hot rows (labels [0, 1, 2] of a vector [.2, .3, .5] gave 2.59), as are floats
    # against one vector, which fit never passes
    labels = loss._takes_labels and not _float_array(Y)
    if _not_an_array(A) or (isinstance(A, np.ndarray) and A.dtype.kind not in "fiub"):
        # (a list, of ints too, in floatx, as Keras converts it; a DataFrame's or a masked array's dtype kept, as an
        # ndarray's)
        A = check_array(A, "y_pred", ndim=None, dtype=None if hasattr(A, "shape") else floatx(), allow_empty=True,
                        finite=False)
    if not isinstance(A, np.ndarray) and not is_numpy():
        Y = _like_outputs(Y, A)
    elif _not_an_array(Y) or (isinstance(Y, np.ndarray) and Y.dtype.kind not in "fiub"):
        Y = check_array(Y, "y_true", ndim=None, dtype=A.dtype, allow_empty=True, finite=False)
    elif (isinstance(Y, np.ndarray) and isinstance(A, np.ndarray) and Y.dtype != A.dtype
          and (Y.dtype.kind in "iub" or A.dtype.kind == "f" and Y.dtype.itemsize < A.dtype.itemsize)):
        # in A's dtype, as Keras casts y_true to y_pred's: integer one-hot rows (the gradient is computed in
        # place), and floats of a narrower dtype (float16 targets made MAPE, MSLE and the cosine float16's);
        # wider ones stay (glassnet.sklearn's L-BFGS reads float64 targets of float32 outputs in float64, as
        # scikit-learn: rounded, targets from 2**28 hid every change of the outputs)
        Y = Y.astype(A.dtype)
    if Y.shape != A.shape or labels or loss._takes_labels and len(A.shape) < 2:
        Y = loss._targets_like(Y, A)
    if len(Y.shape) != len(A.shape):
        # labels (n,) for one output unit (n, 1), or (n, 1) for outputs (n,): `loss(y, model(x))` in a custom
        # loop; reshaped, never broadcast
        y_shape, a_shape = _same_rank(tuple(Y.shape), tuple(A.shape))
        Y = Y if y_shape == tuple(Y.shape) else get_namespace(Y).reshape(Y, y_shape)
        A = A if a_shape == tuple(A.shape) else get_namespace(A).reshape(A, a_shape)
    if Y.shape != A.shape:
        raise ValueError(
            f"Loss {loss.name!r}: targets and outputs must have the same shape (n_samples, n_outputs). "
            f"Received targets {tuple(Y.shape)} and outputs {tuple(A.shape)}."
        )
    if len(A.shape) == 0:
        raise ValueError(f"Loss {loss.name!r}: the outputs must have at least one axis (a vector is one sample, "
                         "(n_samples, n_outputs) a batch). Received outputs of shape ().")
    return Y, A


def _float_array(Y):
    """Whether ``Y`` is an array of floats, of any namespace (what fit passes as a sparse loss's one-hot rows)."""
    if isinstance(Y, np.ndarray):
        return Y.dtype.kind == "f"
    dtype = getattr(Y, "dtype", None)
    if dtype is None or not hasattr(Y, "shape"):  # a list, a number, a DataFrame
        return False
    if isinstance(dtype, np.dtype):  # a pandas Series
        return dtype.kind == "f"
    floating = getattr(dtype, "is_floating_point", None)  # torch's dtypes (a training step's targets: no lookup)
    if isinstance(floating, bool):
        return floating
    try:
        return numpy_dtype(Y).kind == "f"  # the backend's other arrays (array-api-strict)
    except (TypeError, AttributeError):  # a dtype NumPy has no name for (pandas' Float64)
        return False


def _axis_last(loss, Y, A):
    """``(Y, A, axis)``: targets and outputs (as :func:`_pair` lines them up) with the loss's ``axis`` (Keras's
    argument of the cross-entropies and the cosine similarity, which they reduce) moved last, where it is another
    of the outputs' axes, and that axis (non-negative), to move the gradient back; else as they are, and None.
    As Keras's, any axis of the outputs' rank is taken, negative too: for outputs ``(n, k)``, ``axis=1`` is the
    last, and ``axis=0`` reduces over the samples (one loss per output column, ``k`` of them). An axis out of
    range is a ValueError naming it."""
    axis = loss._axis
    if axis == -1:  # the default: nothing to check or move
        return Y, A, None
    ndim = len(A.shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"Loss {loss.name!r}: axis={axis} is out of range for outputs of shape {tuple(A.shape)}: "
                         f"axis must lie in [{-ndim}, {ndim - 1}] (-1, the last axis, by default).")
    axis %= ndim
    if axis == ndim - 1:
        return Y, A, None
    if loss._last_axis_only:
        raise ValueError(f"Loss {loss.name!r} reads the classes along the last axis of the outputs (its integer labels "
                         f"index it): axis must be -1 or {ndim - 1} for outputs of shape {tuple(A.shape)}. Received: "
                         f"axis={loss._axis}. For classes along another axis, move it last (np.moveaxis).")
    xp = get_namespace(A)
    return xp.moveaxis(Y, axis, -1), xp.moveaxis(A, axis, -1), axis


def _reduces_last(loss, ndim):
    """Whether ``loss`` reduces the last of ``ndim`` axes (its ``axis``, :func:`_axis_last`)."""
    axis = getattr(loss, "_axis", -1)
    return axis == -1 or -ndim <= axis < ndim and axis % ndim == ndim - 1


def _weights_like(sample_weight, n, A):
    """``sample_weight`` as ``(n,)`` weights (:func:`per_sample_weights`) in the namespace and dtype of
    the outputs ``A``, as Keras casts them to ``y_pred``'s dtype: NumPy weights against torch outputs
    turned the gradient into a NumPy float64 array, and array-api-strict refused them (TypeErrors).
    Negative weights are taken, as Keras's: ``Σ w_i J_i / d`` holds for any sign (REINFORCE's advantages)."""
    if isinstance(A, np.ndarray) or is_numpy():  # (on the host first: NumPy weights are checked, torch's were not)
        return per_sample_weights(on_host(sample_weight), n, signed=True)
    weights = per_sample_weights(sample_weight, n, signed=True)
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
    rows = math.prod(A.shape[:-1])  # (not -1: an axis of k = 0 classes, moved last by _axis_last, is no shape)
    Y, A = xp.reshape(Y, (rows, k)), xp.reshape(A, (rows, k))
    if weights is not None and A.shape[0] != n:
        weights = xp.repeat(weights, A.shape[0] // n)
    return Y, A, weights


def output_delta(loss, activation, Y, A, sample_weight=None):
    """``loss.fused_delta`` (``δ = ∂J/∂z`` of the output layer, None where the loss has none); for
    outputs ``(n, ..., k)`` of several axes, that of their ``(rows, k)`` view (:func:`_rows`: each
    row with its sample's weight, or its own), in the outputs' shape, and None for
    ``"mean_with_sample_weight"`` with weights, whose divisor is the sum of the weights as given
    (Keras's), not of the rows': the gradient's path then. So is every pair of targets and outputs
    of other shapes (labels, or a column against a vector: the loss's :func:`_pair` reads them)."""
    if getattr(Y, "shape", None) != A.shape or (getattr(loss, "_axis", -1) != -1
                                                  and not _reduces_last(loss, len(A.shape))):
        return None  # (another axis: the gradient's path, which moves it, or names it where it is out of range)
    if getattr(activation, "axis", -1) != -1 and resolve_axes(activation.axis, len(A.shape)) != (len(A.shape) - 1,):
        return None  # a softmax along another axis than the loss's rows: a − y is not its delta
    if len(A.shape) == 2:
        return loss.fused_delta(activation, Y, A, sample_weight)
    if sample_weight is not None and loss.reduction == "mean_with_sample_weight":
        return None
    Y, A_rows, weights = _rows(Y, A, sample_weight)
    dZ = loss.fused_delta(activation, Y, A_rows, weights)
    return None if dZ is None else get_namespace(dZ).reshape(dZ, tuple(A.shape))


def _loss_dtype(A):
    """The dtype a loss's value is computed in for outputs ``A``, where it is not theirs: floatx (float32) for
    float16 ``A``, as Keras's ``Loss`` casts ``y_true`` and ``y_pred`` to its dtype (floatx) before computing
    (in float16 the clip bound 1 − 1e-7 is 1, and ε = 1e-7 was raised to float16's 0.001: KL divergence 2.68
    for Keras's 2.90); None for any other dtype (float32 and float64 as they are, without a copy) and under
    ``set_floatx("float16")`` (Keras's loss then computes in float16 too). Only the value: the gradients stay
    in the outputs' dtype."""
    dtype = A.dtype
    if dtype is _FLOAT32 or dtype is _FLOAT64 or floatx() == "float16":
        return None
    try:
        half = numpy_dtype(A) == np.float16
    except AttributeError:  # a layer's symbolic output (Input(...)), which the arithmetic that follows refuses by name
        return None
    return floatx() if half else None


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


def _check_range(y, low, high, loss_name, name):
    if y.size and (y.min() < low or y.max() > high):
        raise ValueError(
            f"{name} must lie in [{low}, {high}] for loss {loss_name!r}. "
            f"Received values from {y.min()} to {y.max()}."
        )
