"""Metrics (SPEC A8), streamed over batches as Keras does.

A metric has ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``
and ``reset_state()``; the model resets it each epoch; ``metric(y_true, y_pred)``
updates it and returns the result, as Keras. Inside, ``Y`` and ``A`` are the
prepared targets and the outputs, both ``(n, n_outputs)``. A subclass may keep its
state in variables from :meth:`Metric.add_variable`, as Keras's do.
Plain functions :func:`accuracy_score` and :func:`confusion_matrix` work on
label arrays.
"""

import inspect
import math
import numbers
import types
import warnings

import numpy as np

from . import _custom_objects, losses as _losses
from .losses import (  # Keras's losses functions are its metrics functions too
    binary_crossentropy,
    binary_focal_crossentropy,  # noqa: F401  (keras.metrics.binary_focal_crossentropy; compiled: its mean)
    categorical_crossentropy,
    categorical_focal_crossentropy,  # noqa: F401  (keras.metrics.categorical_focal_crossentropy)
    categorical_hinge,
    hinge,
    huber,  # noqa: F401  (keras.metrics.huber)
    kl_divergence,
    log_cosh,  # noqa: F401  (keras.metrics.log_cosh)
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from ._registry import from_config, from_keras, has_name, lookup, to_config
from ._validation import (check_array, check_bool, check_int, check_number, check_positive_int, is_one_of,
                          per_sample_weights, sized_by)
from .backend import to_numpy


def _numbers(values, name):
    """``values`` as a NumPy array of numbers (NaN allowed: a diverged model's outputs)."""
    return check_array(values, name, ndim=None, allow_empty=True, finite=False)


def _weights(sample_weight, n):
    """``sample_weight`` as ``(n,)`` NumPy weights, or None: metrics count with NumPy, so a
    namespace's array (torch, array-api-strict) is brought over first (np.sum refused a torch one)."""
    if sample_weight is not None and not isinstance(sample_weight, np.ndarray) and hasattr(sample_weight, "__dlpack__"):
        sample_weight = to_numpy(sample_weight)
    return per_sample_weights(sample_weight, n)


def _no_nan(Y):
    """A NaN target matched anything (CategoricalAccuracy of NaN rows was 1.0): refused, and an
    infinite one too (R2Score, MAPE and F1Score computed inf - inf from it, a RuntimeWarning
    and NaN). (NaN and infinite outputs stay allowed: a diverged model's.)"""
    if Y.dtype.kind == "f" and not np.isfinite(Y).all():
        raise ValueError("y_true contains NaN or infinite values; remove or impute them first.")


def _checked_weights(sample_weight):
    """``sample_weight`` as a NumPy array of finite, non-negative real numbers (any shape), as
    :func:`per_sample_weights` checks a metric's weights; None stays None."""
    if sample_weight is None:
        return None
    if hasattr(sample_weight, "__dlpack__") and not isinstance(sample_weight, np.ndarray):
        sample_weight = to_numpy(sample_weight)
    w = _numbers(sample_weight, "sample_weight")
    if w.dtype.kind not in "fiub":
        raise TypeError(f"sample_weight must hold real numbers. Received dtype {w.dtype}.")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight must hold finite, non-negative weights.")
    return w


def _positions(Y, A, sample_weight):
    """Outputs ``(n, m, k)`` (sequences) as ``n·m`` rows, as Keras's metrics average them: each
    row with its sample's weight (``(n,)``) or its own (per-position weights ``(n, m)``)."""
    rows = math.prod(A.shape[:-1])
    if sample_weight is not None:
        w = _numbers(sample_weight, "sample_weight")
        if w.shape == A.shape[:-1]:
            sample_weight = w.reshape(rows)
        else:
            sample_weight = np.repeat(_weights(w, A.shape[0]), rows // A.shape[0])
    return Y.reshape(rows, -1), A.reshape(rows, -1), sample_weight


def _align(Y, A, sample_weight, labels=False, positions=False):
    """``Y`` and ``A`` as ``(n, k)`` arrays of one shape, ``sample_weight`` as ``(n,)``
    or None; a 1-D array is one column, as Keras lines up ranks. ``labels``: ``Y``
    may instead hold one integer label per row (sparse categorical accuracy). ``positions``:
    outputs ``(n, m, k)`` become rows (:func:`_positions`)."""
    if sample_weight is None and type(Y) is np.ndarray and type(A) is np.ndarray and Y.ndim == 2 \
            and Y.shape == A.shape and Y.dtype.kind in "fiub" and A.dtype.kind in "fiub":
        _no_nan(Y)
        return Y, A, None  # what fit and evaluate pass, at every batch: nothing to line up
    Y, A = _numbers(Y, "y_true"), _numbers(A, "y_pred")
    _no_nan(Y)
    shapes = f"{Y.shape} and {A.shape}"
    if positions and not labels and min(Y.ndim, A.ndim) >= 2:
        # as Keras's squeeze_or_expand_to_same_rank: targets (n, m) against outputs (n, m, 1), or the
        # reverse, lose the trailing 1 (they were refused as "one row per sample")
        Y, A = _same_rank(Y, A)
    if positions and A.ndim > 2 and (Y.shape[:-1] == A.shape[:-1] or labels and Y.shape == A.shape[:-1]):
        Y, A, sample_weight = _positions(Y, A, sample_weight)
    if A.ndim == 1:
        A = A[:, None]
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or A.ndim != 2 or Y.shape[0] != A.shape[0]:
        raise ValueError(f"y_true and y_pred must have one row per sample. Received shapes {shapes}.")
    if Y.shape != A.shape and not (labels and Y.shape[1] == 1):
        hint = " For integer labels use SparseCategoricalAccuracy." if Y.shape[1] == 1 else ""
        raise ValueError(f"y_true and y_pred must have the same shape. Received {shapes}.{hint}")
    return Y, A, _weights(sample_weight, A.shape[0])


class Variable:
    """A metric's state as Keras's ``add_variable`` makes it: a NumPy array that
    ``assign``, ``assign_add`` and ``assign_sub`` change in place; arithmetic,
    ``float()`` and NumPy read its value (``result()`` may return it, or
    ``self.tp / self.count``)."""

    def __init__(self, value, name=None):
        self._value = value
        self.name = name

    @property
    def value(self):
        return self._value

    @property
    def shape(self):
        return self._value.shape

    @property
    def dtype(self):
        return self._value.dtype

    def assign(self, value):
        self._value[...] = np.asarray(value)
        return self

    def assign_add(self, value):
        return self.assign(self._value + np.asarray(value))

    def assign_sub(self, value):
        return self.assign(self._value - np.asarray(value))

    def numpy(self):
        return self._value.copy()

    def __array__(self, dtype=None, copy=None):
        return np.array(self._value, dtype=dtype, copy=True)

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __bool__(self):
        return bool(self._value)

    def __format__(self, spec):
        return format(self._value.item() if self._value.ndim == 0 else self._value, spec)

    def __getitem__(self, key):
        return self._value[key]

    def __repr__(self):
        return f"<Variable {self.name!r} shape={self.shape} dtype={self.dtype} value={self._value}>"


def _arithmetic(op, reflected=False):
    if reflected:
        return lambda self, other: op(np.asarray(other), self._value)
    return lambda self, other: op(self._value, np.asarray(other))


for _name, _op in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("truediv", np.true_divide),
                   ("floordiv", np.floor_divide), ("mod", np.mod), ("pow", np.power), ("matmul", np.matmul)):
    setattr(Variable, f"__{_name}__", _arithmetic(_op))
    setattr(Variable, f"__r{_name}__", _arithmetic(_op, reflected=True))
for _name, _op in (("lt", np.less), ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)):
    setattr(Variable, f"__{_name}__", _arithmetic(_op))
Variable.__neg__ = lambda self: -self._value
Variable.__pos__ = lambda self: +self._value
Variable.__abs__ = lambda self: np.abs(self._value)

_AGGREGATIONS = ("sum", "mean", "only_first_replica", "none", None)


class _ResetAfterInit(type):
    """Metric's metaclass: ``reset_state()`` runs once the whole ``__init__`` has, so a
    subclass may create its state after ``super().__init__()``, as in Keras (its
    ``reset_state`` would otherwise meet variables that do not exist yet)."""

    def __call__(cls, *args, **kwargs):
        metric = super().__call__(*args, **kwargs)
        metric.reset_state()
        return metric

    @property
    def __signature__(cls):
        """``__init__``'s arguments, which ``help()`` and ``inspect.signature`` would
        otherwise take from the ``__call__`` above: ``(*args, **kwargs)``."""
        init = inspect.signature(cls.__init__)
        return init.replace(parameters=list(init.parameters.values())[1:])


class Metric(metaclass=_ResetAfterInit):
    """The base of every metric (see the module docstring). ``name`` and ``dtype`` as
    Keras's ``Metric`` (``dtype``: a float dtype, the default of :meth:`add_variable`;
    glassnet's own metrics count in float64)."""

    name = "metric"
    #: whether a model's training and evaluation pass the sample weights to it
    #: (compile's weighted_metrics; plain metrics are unweighted, as Keras)
    weighted = False
    dtype = None

    def __init__(self, dtype=None, name=None):  # Keras's order (its metrics take name first)
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"name must be a string. Received: name={name!r}")
            self.name = name
        if dtype is not None:
            try:
                kind = np.dtype(dtype).kind
            except TypeError:
                kind = None
            if kind != "f":
                raise ValueError(f"dtype must be a float dtype ('float32', 'float64') or None. Received: dtype={dtype!r}")
            self.dtype = np.dtype(dtype).name
        self._variables = []
        Metric.reset_state(self)  # the mean's total and count; reset_state() itself runs after __init__

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A :class:`Variable` of ``shape`` for the metric's state, as Keras's: ``initializer``
        a name ("zeros"), an Initializer or ``f(shape, dtype)``; ``dtype`` the metric's
        (float64 by default); ``aggregation`` is accepted (one device: nothing to aggregate).
        The base :meth:`reset_state` sets every variable to zeros, as Keras's."""
        from . import initializers  # metrics are imported before the layers' initializers need them

        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {_AGGREGATIONS}. Received: aggregation={aggregation!r}")
        dtype = np.dtype(dtype or self.dtype or "float64")
        value = initializers.get("zeros" if initializer is None else initializer)(shape, dtype=dtype.name)
        variable = Variable(np.array(value, dtype=dtype), name=name)
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before add_variable.")
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras's older name of :meth:`add_variable` (zeros by default)."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        """The variables of :meth:`add_variable`, in their order."""
        return list(self.__dict__.get("_variables", ()))

    def __call__(self, *args, **kwargs):
        """``update_state`` with this batch, then the ``result()``, as Keras's ``metric(y_true, y_pred)``;
        the arguments are ``update_state``'s, so ``Mean()(loss)`` takes values alone, as in Keras."""
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def builtin(self):
        """Whether this is one of glassnet's own metrics, which read integer labels that
        ``sparse_categorical_crossentropy`` has one-hot encoded as one-hot rows; a
        subclass or function of the user's gets the labels, as in Keras."""
        return type(self).__module__ == __name__ and type(self) is not MeanMetricWrapper

    def reset_state(self):
        """Start again: the mean's total and count 0, every variable zeros (Keras's)."""
        self.total, self.count = 0.0, 0.0
        for variable in self.__dict__.get("_variables", ()):
            variable.assign(0)

    def values(self, Y, A):
        """Per-sample values, shape ``(n,)``."""
        raise NotImplementedError

    #: per-output values ``(rows, k)`` whose mean over the outputs is :meth:`values`, for the metrics whose
    #: Keras function gives one value per element (binary_accuracy, accuracy, RMSE's squared error): those
    #: take weights per element too (None: one value per sample, as Keras's other metrics)
    _elements = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: targets ``y_true`` and outputs ``y_pred`` (Keras's names); outputs
        ``(n, m, k)`` count each position, with weights ``(n,)`` or per position ``(n, m)``;
        a metric with :attr:`_elements` also takes weights per element, as Keras's Mean of
        element-wise values: ``Σ_i mean_k(w_ik v_ik) / Σ_i mean_k(w_ik)``."""
        if (sample_weight is not None and self._elements is not None and np.ndim(sample_weight) >= 2
                and np.shape(sample_weight)[-1] != 1):
            w = _output_weights(sample_weight, y_true, y_pred)
            Y, A, _ = _align(y_true, y_pred, None, positions=True)
            v, w = _samplewise(self._elements(Y, A), _rows_of(w, A), np.mean)
            self.total += float(np.sum(v))
            self.count += float(np.sum(w))
            return
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, positions=True)
        self._accumulate(self.values(Y, A), sample_weight)

    def _accumulate(self, v, sample_weight):
        if sample_weight is None:
            self.total += float(v.sum())
            self.count += v.shape[0]
        else:
            self.total += float(np.dot(v, sample_weight))
            self.count += float(np.sum(sample_weight))

    def result(self):
        return self.total / self.count if self.count else 0.0

    def get_config(self):
        """The constructor's arguments (a model file stores them with the class name)."""
        return {"name": self.name} if self.dtype is None else {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """A new metric with the arguments :meth:`get_config` returned, as Keras."""
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict from get_config(). Received: {type(config).__name__}")
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _row_mean(matches):
    """The mean of each row of a boolean array, in float64: ``np.mean(matches, axis=-1)``, bit for bit,
    without its Python layer (a few microseconds of every small batch's step)."""
    return matches.sum(axis=-1, dtype=np.float64) / matches.shape[-1]


class BinaryAccuracy(Metric):
    """Share of outputs on the right side of ``threshold`` (mean over units)."""

    name = "binary_accuracy"

    def __init__(self, name=None, dtype=None, threshold=0.5):  # Keras's order
        self.threshold = check_number(threshold, "threshold")  # any finite number, as Keras (0 on logits)
        super().__init__(name=name, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}

    def _elements(self, Y, A):
        # as Keras: the outputs are thresholded, the targets compared as they are (a soft 0.8 matches nothing)
        return (A > self.threshold) == Y

    def values(self, Y, A):
        return _row_mean(self._elements(Y, A))


class _NameFirst(Metric):
    """A built-in metric that takes Keras's ``(name, dtype)``, where the base ``Metric``
    takes Keras's ``(dtype, name)``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)


class Accuracy(_NameFirst):
    """Share of outputs exactly equal to their targets, averaged over the outputs of each
    sample (Keras's ``Accuracy``: for outputs already rounded or labelled; the string
    ``"accuracy"`` in ``compile`` is the binary or categorical accuracy, as in Keras)."""

    name = "accuracy"

    def _elements(self, Y, A):
        return A == Y

    def values(self, Y, A):
        return _row_mean(self._elements(Y, A))


class CategoricalAccuracy(_NameFirst):
    """Share of rows whose largest output is the one-hot target's class."""

    name = "categorical_accuracy"

    def values(self, Y, A):
        return (A.argmax(axis=-1) == Y.argmax(axis=-1)).astype(np.float64)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            return super().update_state(y_true, y_pred, sample_weight)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        self.total += np.count_nonzero(A.argmax(axis=-1) == Y.argmax(axis=-1))
        self.count += A.shape[0]


class SparseCategoricalAccuracy(_NameFirst):
    """Share of rows whose largest output is the integer label ``y_true`` (shape
    ``(n,)`` or ``(n, 1)``); inside ``fit``, where the loss has one-hot encoded
    the labels, the one-hot targets' class."""

    name = "sparse_categorical_accuracy"
    #: set by a model whose loss's ``ignore_class`` lies outside the classes (−1, 255): its one-hot
    #: targets then hold rows of zeros, the ignored samples, which count as misses, as Keras counts
    #: them (argmax would read them as class 0); other models skip the check
    _zero_rows = False

    def update_state(self, y_true, y_pred, sample_weight=None):
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, labels=True, positions=True)
        predicted = A.argmax(axis=-1)
        if Y.shape == A.shape and A.shape[1] > 1:  # one-hot, as fit passes the targets
            hit = predicted == Y.argmax(axis=-1)
            if self._zero_rows:
                hit &= Y.any(axis=-1)
        elif A.shape[1] > 1:  # a label -1, 3 of 3 outputs or 0.5 counted as a miss: refused, as its crossentropy's
            hit = predicted == _class_labels(Y[:, 0], A.shape[1])
        else:
            hit = predicted == Y[:, 0]
        if sample_weight is None:
            self.total += np.count_nonzero(hit)
            self.count += A.shape[0]
        else:
            self.total += float(np.dot(hit, sample_weight))
            self.count += float(np.sum(sample_weight))


def _class_labels(labels, k):
    """``labels`` (y_true's, any shape), each an integer class of ``k`` outputs, or the ValueError."""
    if not np.all((labels >= 0) & (labels < k) & (labels == np.round(labels))):
        raise ValueError(f"y_true must hold integer labels 0..{k - 1} for {k} outputs.")
    return labels


def _in_top_k(labels, A, k):
    """Whether each row's label is among its ``k`` largest outputs, as Keras's ``in_top_k``:
    rank = 1 + the number of outputs strictly above the label's (ties share the better
    rank; a NaN output at the label counts as the lowest). ``A`` may have more axes than
    two, as Keras's functions take them: the rows are its last axis, ``labels`` one per row."""
    shape, A = A.shape[:-1], A.reshape(-1, A.shape[-1])
    at_label = np.take_along_axis(A, labels.reshape(-1, 1).astype(np.intp), axis=1)
    at_label = np.where(np.isnan(at_label), -np.inf, at_label)
    return ((1 + np.count_nonzero(A > at_label, axis=1)) <= k).reshape(shape)


class TopKCategoricalAccuracy(Metric):
    """Share of rows whose one-hot target's class is among the ``k`` largest outputs (Keras's)."""

    name = "top_k_categorical_accuracy"

    def __init__(self, k=5, name=None, dtype=None):
        self.k = check_positive_int(k, "k")
        super().__init__(name=name, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "k": self.k}

    def values(self, Y, A):
        return _in_top_k(Y.argmax(axis=-1), A, self.k).astype(np.float64)


def _in_sorted_ids(labels, ids, k):
    """Keras's ``from_sorted_ids``: whether each label is among the first ``k`` of its row
    of ids (the classes already sorted by score, best first)."""
    return np.any(np.ravel(labels)[:, None] == ids.reshape(-1, ids.shape[-1])[:, :k], axis=1)


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """Share of rows whose integer label ``y_true`` is among the ``k`` largest outputs
    (Keras's); inside ``fit``, where the loss has one-hot encoded the labels, the
    one-hot targets' class. ``from_sorted_ids=True`` (Keras's): ``y_pred`` holds each
    row's class ids sorted by score, best first (at least ``k`` of them), instead of
    the scores; a row counts when its label is among its first ``k`` ids."""

    name = "sparse_top_k_categorical_accuracy"
    _zero_rows = False  # as SparseCategoricalAccuracy's

    def __init__(self, k=5, name=None, dtype=None, from_sorted_ids=False):
        self.from_sorted_ids = check_bool(from_sorted_ids, "from_sorted_ids")
        super().__init__(k, name, dtype)

    def get_config(self):
        config = super().get_config()
        return {**config, "from_sorted_ids": True} if self.from_sorted_ids else config

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_sorted_ids:
            labels, ids = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
            _no_nan(labels)  # (matched no id: a miss)
            if ids.ndim != 2 or labels.size != ids.shape[0]:
                raise ValueError("With from_sorted_ids=True, y_pred must hold one row of sorted class ids per "
                                 f"label of y_true. Received shapes {labels.shape} and {ids.shape}.")
            self._accumulate(_in_sorted_ids(labels, ids, self.k).astype(np.float64),
                             _weights(sample_weight, ids.shape[0]))
            return
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, labels=True, positions=True)
        if Y.shape == A.shape and A.shape[1] > 1:  # one-hot, as fit passes the targets
            hit = _in_top_k(Y.argmax(axis=-1), A, self.k)
            if self._zero_rows:
                hit &= Y.any(axis=-1)
        else:
            hit = _in_top_k(_class_labels(Y[:, 0], A.shape[1]), A, self.k)
        self._accumulate(hit.astype(np.float64), sample_weight)


class MeanSquaredError(_NameFirst):
    """Mean of ``(ŷ − y)²`` over the outputs and the samples seen (Keras's)."""

    name = "mean_squared_error"

    def values(self, Y, A):
        return np.mean((A - Y) ** 2, axis=-1)


class MeanAbsoluteError(_NameFirst):
    """Mean of ``|ŷ − y|`` over the outputs and the samples seen (Keras's)."""

    name = "mean_absolute_error"

    def values(self, Y, A):
        return np.mean(np.abs(A - Y), axis=-1)


class RootMeanSquaredError(MeanSquaredError):
    """``sqrt`` of the mean squared error over the epoch (Keras's: the root of the mean, not a
    mean of roots)."""

    name = "root_mean_squared_error"

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def _elements(self, Y, A):  # Keras's RMSE is the Mean of the element-wise squared errors
        return (A - Y) ** 2

    def result(self):
        return float(np.sqrt(super().result()))


class _LossMean(_NameFirst):
    """The mean over the epoch of a loss's per-sample values, as Keras's metrics of the
    losses' names (``metrics=["binary_crossentropy"]``)."""

    def _loss(self):
        raise NotImplementedError

    def values(self, Y, A):
        # a diverged model's NaN or infinite outputs give a NaN or infinite mean, as Keras's, without
        # the RuntimeWarnings of inf - inf or inf / inf (errors under the tests' filter)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.asarray(self._loss().per_sample(Y, A), dtype=np.float64)


class MeanAbsolutePercentageError(_LossMean):
    """Keras's ``100 · mean |y − ŷ| / max(|y|, 1e-7)`` (:class:`glassnet.losses.MeanAbsolutePercentageError`)."""

    name = "mean_absolute_percentage_error"

    def _loss(self):
        return _losses.MeanAbsolutePercentageError()


class MeanSquaredLogarithmicError(_LossMean):
    """Keras's ``mean (log(1 + ŷ) − log(1 + y))²`` (:class:`glassnet.losses.MeanSquaredLogarithmicError`)."""

    name = "mean_squared_logarithmic_error"

    def _loss(self):
        return _losses.MeanSquaredLogarithmicError()


class Hinge(_LossMean):
    """Keras's hinge ``mean_k max(0, 1 − y ŷ)`` averaged over the epoch, 0/1 labels read as
    −1/+1 in each batch, as Keras (:class:`glassnet.losses.Hinge`)."""

    name = "hinge"

    def _loss(self):
        return _losses.Hinge()

    def values(self, Y, A):
        return super().values(_losses.Hinge._signed(Y, A), A)


class BinaryCrossentropy(_LossMean):
    """The binary cross-entropy of :class:`glassnet.losses.BinaryCrossentropy`, averaged over the epoch."""

    name = "binary_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0):  # Keras's order
        self.from_logits = check_bool(from_logits, "from_logits")
        self.label_smoothing = check_number(label_smoothing, "label_smoothing", low=0, high=1)
        super().__init__(name=name, dtype=dtype)

    def _loss(self):
        return _losses.BinaryCrossentropy(self.from_logits, self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(BinaryCrossentropy):
    """The categorical cross-entropy of :class:`glassnet.losses.CategoricalCrossentropy` (one-hot
    targets), averaged over the epoch."""

    name = "categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, label_smoothing=0, axis=-1):  # Keras's order
        _losses.CategoricalCrossentropy(axis=axis)  # refuses any other axis, by name
        super().__init__(name, dtype, from_logits, label_smoothing)

    def _loss(self):
        return _losses.CategoricalCrossentropy(self.from_logits, self.label_smoothing)


class SparseCategoricalCrossentropy(_LossMean):
    """The categorical cross-entropy of integer labels ``y_true`` (shape ``(n,)`` or ``(n, 1)``),
    averaged over the epoch; inside ``fit``, where the loss has one-hot encoded the labels, of
    the one-hot targets."""

    name = "sparse_categorical_crossentropy"

    def __init__(self, name=None, dtype=None, from_logits=False, ignore_class=None, axis=-1):  # Keras's order
        if ignore_class is not None:  # the loss takes it; this metric would count those samples all the same
            raise ValueError("The SparseCategoricalCrossentropy metric counts every sample in glassnet: ignore_class "
                             "must be None (to leave samples out, give them sample_weight 0 and list the metric in "
                             f"weighted_metrics). Received: ignore_class={ignore_class!r}")
        self.from_logits = _losses.SparseCategoricalCrossentropy(from_logits, axis=axis).from_logits
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, labels=True, positions=True)
        if not (Y.shape == A.shape and A.shape[1] > 1):  # integer labels, not fit's one-hot rows
            Y = np.eye(A.shape[1])[_class_labels(Y[:, 0], A.shape[1]).astype(np.intp)]
        self._accumulate(self.values(Y, A), sample_weight)

    def _loss(self):  # of the one-hot rows made above
        return _losses.CategoricalCrossentropy(self.from_logits)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


class Poisson(_LossMean):
    """Keras's ``mean_k (ŷ − y log(ŷ + 1e-7))`` averaged over the epoch (:class:`glassnet.losses.Poisson`)."""

    name = "poisson"

    def _loss(self):
        return _losses.Poisson()


class KLDivergence(_LossMean):
    """Keras's ``Σ_k y log(y / ŷ)`` (both clipped to ``[1e-7, 1]``) averaged over the epoch
    (:class:`glassnet.losses.KLDivergence`)."""

    name = "kl_divergence"

    def _loss(self):
        return _losses.KLDivergence()


class LogCoshError(_LossMean):
    """Keras's ``mean_k log cosh(ŷ − y)`` averaged over the epoch (:class:`glassnet.losses.LogCosh`);
    its name is Keras's ``logcosh``."""

    name = "logcosh"

    def _loss(self):
        return _losses.LogCosh()


class SquaredHinge(Hinge):
    """Keras's ``mean_k max(0, 1 − y ŷ)²`` averaged over the epoch, 0/1 labels read as −1/+1 in
    each batch (:class:`glassnet.losses.SquaredHinge`)."""

    name = "squared_hinge"

    def _loss(self):
        return _losses.SquaredHinge()


class CategoricalHinge(_LossMean):
    """Keras's ``max(0, 1 + max_k (1 − y_k) ŷ_k − Σ_k y_k ŷ_k)`` averaged over the epoch
    (:class:`glassnet.losses.CategoricalHinge`)."""

    name = "categorical_hinge"

    def _loss(self):
        return _losses.CategoricalHinge()


class CosineSimilarity(_LossMean):
    """The cosine ``Σ_k u_k v_k`` of ``y`` and ``ŷ`` (each row divided by its norm, at least
    1e-7), averaged over the epoch: Keras's metric, the negative of the loss
    :class:`glassnet.losses.CosineSimilarity` (1 where they point the same way).
    ``axis`` only at its default, −1."""

    name = "cosine_similarity"

    def __init__(self, name=None, dtype=None, axis=-1):  # Keras's order
        _losses.CosineSimilarity(axis=axis)  # refuses any other axis, by name
        super().__init__(name=name, dtype=dtype)

    def _loss(self):
        return _losses.CosineSimilarity()

    def values(self, Y, A):
        return -super().values(Y, A)


def _samplewise(values, sample_weight, reduce):
    """Keras's ``reduce_to_samplewise_values``: ``(v, w)`` with ``values`` reduced (``reduce``:
    ``np.mean`` or ``np.sum``) to one value per sample, times its weight; the weights broadcast
    to the values' shape and reduced alike (a number ``w`` weighs the batch's reduced value)."""
    v = _numbers(values, "values")
    if sample_weight is not None:
        if hasattr(sample_weight, "__dlpack__") and not isinstance(sample_weight, np.ndarray):
            sample_weight = to_numpy(sample_weight)
        w = _numbers(sample_weight, "sample_weight")
        v, w = _same_rank(v, w)
        if v.ndim > w.ndim:
            v = reduce(v, axis=tuple(range(w.ndim, v.ndim)))
        try:
            w = np.broadcast_to(w, v.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {w.shape} does not fit values of shape {v.shape}.") from None
        v = v * w
        if w.ndim > 1:
            w = reduce(w, axis=tuple(range(1, w.ndim)))
    else:
        w = None
    return (reduce(v, axis=tuple(range(1, v.ndim))) if v.ndim > 1 else v), w


class Mean(_NameFirst):
    """The (weighted) mean of the values given to ``update_state(values, sample_weight=None)``
    over every call, as Keras's ``Mean``: each sample (row) counts with its mean and its weight;
    ``result() = Σ w_i v_i / Σ w_i`` (0 before any value). Not a metric of targets and outputs:
    for ``compile``, wrap a function in :class:`MeanMetricWrapper`."""

    name = "mean"

    def update_state(self, values, sample_weight=None):
        v, w = _samplewise(values, sample_weight, np.mean)
        self.total += float(np.sum(v))
        self.count += float(np.sum(w)) if w is not None else (v.shape[0] if v.ndim else 1)


class Sum(_NameFirst):
    """The (weighted) sum of the values given to ``update_state(values, sample_weight=None)``
    over every call, as Keras's ``Sum``: ``result() = Σ w_i v_i``."""

    name = "sum"

    def update_state(self, values, sample_weight=None):
        self.total += float(np.sum(_samplewise(values, sample_weight, np.sum)[0]))

    def result(self):
        return self.total


class R2Score(Metric):
    """The coefficient of determination ``R² = 1 − Σ w (y − ŷ)² / Σ w (y − ȳ)²`` per output,
    streamed over batches as ``keras.metrics.R2Score`` (per-output sums of ``w d``, ``w d²``,
    ``w (y − ŷ)²`` and ``w``, with ``d = y − K`` and ``K`` the weighted mean of the first weighted
    targets, where Keras sums ``y`` itself: ``Σ w y² − (Σ w y)²/Σ w`` cancels to noise for targets far from 0,
    1e8 + N(0, 1), and to ±1e-17 for constant ones): over a whole data set it equals
    scikit-learn's ``r2_score``.
    ``class_aggregation``: ``"uniform_average"`` (the mean over outputs),
    ``"variance_weighted_average"`` (weighted by each output's variance) or ``None`` (one
    value per output). ``num_regressors`` p > 0 gives the adjusted
    ``1 − (1 − R²)(N − 1)/(N − p − 1)``, N counting every target value, as Keras does. As
    Keras, an output whose targets are constant scores 0 (NaN if it is predicted exactly)."""

    name = "r2_score"
    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name=None, dtype=None):
        if not is_one_of(class_aggregation, self._AGGREGATIONS):  # (an array: NumPy's "ambiguous" error)
            raise ValueError(f"class_aggregation must be one of {self._AGGREGATIONS}. "
                             f"Received: class_aggregation={class_aggregation!r}")
        self.class_aggregation = class_aggregation
        self.num_regressors = check_int(num_regressors, "num_regressors", low=0)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._sums = None  # (Σ w d, Σ w d², Σ w (y − ŷ)², Σ w), each (outputs,), once a batch is seen
        self._shift = None  # K of d = y − K, one per output: the weighted mean of its first weighted targets (NaN until then)
        self._num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        _refuse_sequences(self, y_true, y_pred)  # as Keras: per output, so a sequence's positions are no rows
        w = _output_weights(sample_weight, y_true, y_pred)  # per sample or per element, as Keras's
        Y, A, _ = _align(y_true, y_pred, None)
        if self._sums is not None and self._sums.shape[1] != A.shape[1]:
            raise ValueError(f"R2Score has seen {self._sums.shape[1]} output(s); this batch has {A.shape[1]}.")
        if A.shape[0] == 0:
            return  # an empty batch leaves the state as it was (its sums of nothing made result() NaN)
        W = np.ones_like(A, dtype=np.float64) if w is None else _rows_of(w, A)
        # K: each output's weighted mean of the first batch that weighs it (its first targets left
        # Σ w d² − (Σ w d)²/Σ w to cancel where the first sample weighed 7e-15: R² −8e-5 for Keras's −1e-14);
        # until then the output's weights are 0 and so are its sums, whatever K
        if self._shift is None:
            self._shift = np.full(A.shape[1], np.nan)
        weight = W.sum(axis=0)
        unset = np.isnan(self._shift) & (weight > 0)
        if unset.any():
            self._shift[unset] = (W * Y).sum(axis=0)[unset] / weight[unset]
        D = Y - np.where(np.isnan(self._shift), 0.0, self._shift)
        WD = W * D
        new = np.stack([WD.sum(axis=0), (WD * D).sum(axis=0), (W * (Y - A) ** 2).sum(axis=0), W.sum(axis=0)])
        self._sums = new if self._sums is None else self._sums + new
        self._num_samples += Y.size

    def result(self):
        if self._sums is None:
            return 0.0
        total_d, total_d2, residual, count = self._sums
        with np.errstate(divide="ignore", invalid="ignore"):
            total = total_d2 - total_d * (total_d / count)  # Σ w (y − ȳ)²
            raw = 1 - residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            r2 = float(np.mean(raw))
        elif self.class_aggregation == "variance_weighted_average":
            r2 = float(np.sum(total * raw) / np.sum(total))
        else:
            r2 = raw
        if self.num_regressors:
            n, p = self._num_samples, self.num_regressors
            if p >= n - 1:
                warnings.warn("More independent predictors than data points in adjusted R2 score. Falling back to "
                              "standard R2 score." if p > n - 1 else "Division by zero in adjusted R2 score. "
                              "Falling back to standard R2 score.", UserWarning, stacklevel=2)
            else:
                r2 = 1 - (1 - r2) * (n - 1) / (n - p - 1)
        return r2

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


def _check_axis(axis):
    """``axis``: an integer or a tuple of them (Keras's ``ops.mean`` axes)."""
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if not axes or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"axis must be an integer or a tuple of integers. Received: axis={axis!r:.100}")
    return tuple(int(a) for a in axes) if isinstance(axis, (tuple, list)) else int(axis)


def _paired(y_true, y_pred, axis):
    """``(Y, A)`` of one shape, as Keras's ``squeeze_or_expand_to_same_rank`` lines them up;
    ``axis`` checked against it."""
    Y, A = _same_rank(_numbers(y_true, "y_true"), _numbers(y_pred, "y_pred"))
    if Y.shape != A.shape or A.ndim == 0:
        raise ValueError(f"y_true and y_pred must have one shape (at least 1-D). Received {Y.shape} and {A.shape}.")
    for a in axis if isinstance(axis, tuple) else (axis,):
        if not -A.ndim <= a < A.ndim:
            raise ValueError(f"axis={axis} is out of range for y_pred of shape {A.shape}.")
    return Y.astype(np.float64), A.astype(np.float64)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's ``r = mean((y − ȳ)/σ_y · (ŷ − ŷ̄)/σ_ŷ)`` along ``axis`` (population σ), as Keras's
    ``keras.metrics.pearson_correlation``: one value per row for ``(n, k)`` arrays (NaN where a
    row is constant, and so for one output unit)."""
    axis = _check_axis(axis)
    Y, A = _paired(y_true, y_pred, axis)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant row: 0/0, NaN as Keras's
        Y = Y - Y.mean(axis=axis, keepdims=True)
        A = A - A.mean(axis=axis, keepdims=True)
        Y = Y / Y.std(axis=axis, keepdims=True)
        A = A / A.std(axis=axis, keepdims=True)
    return np.mean(Y * A, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance ``ρ_c = 2 cov(y, ŷ) / (σ_y² + σ_ŷ² + (ȳ − ŷ̄)² + 1e-7)`` along ``axis``, as
    Keras's ``keras.metrics.concordance_correlation`` computes it: the mean of
    ``2 (y − ŷ̄)(ŷ − ŷ̄) / norm`` (whose mean is the covariance), ``1e-7`` Keras's epsilon."""
    axis = _check_axis(axis)
    Y, A = _paired(y_true, y_pred, axis)
    y_mean, a_mean = Y.mean(axis=axis, keepdims=True), A.mean(axis=axis, keepdims=True)
    y_var, a_var = (Y - y_mean).var(axis=axis, keepdims=True), (A - a_mean).var(axis=axis, keepdims=True)
    covar = (Y - a_mean) * (A - a_mean)
    norm = y_var + a_var + (y_mean - a_mean) ** 2
    return np.mean(2 * covar / (norm + 1e-7), axis=axis)


class _Correlation(Metric):
    """The mean over samples of ``function`` (one value per row along ``axis``), streamed as
    Keras's ``MeanMetricWrapper``: ``Σ w_i v_i / Σ w_i`` over every batch, ``sample_weight`` one
    per value (or broadcast to them, as Keras's ``Mean``)."""

    def __init__(self, name=None, dtype=None, axis=-1):  # Keras's order
        self.axis = _check_axis(axis)
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        _no_nan(_numbers(y_true, "y_true"))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # NaN from a diverged model's outputs
            values = type(self).function(y_true, y_pred, axis=self.axis)
        # negative or NaN weights gave a number (a correlation of -0.39 from weights of -1)
        v, w = _samplewise(values, _checked_weights(sample_weight), np.mean)
        self.total += float(np.sum(v))
        self.count += float(np.sum(w)) if w is not None else (v.shape[0] if v.ndim else 1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PearsonCorrelation(_Correlation):
    """:func:`pearson_correlation` of each row, averaged over the samples (Keras's
    ``PearsonCorrelation``; maximized by ``mode="auto"``)."""

    name = "pearson_correlation"
    function = staticmethod(pearson_correlation)


class ConcordanceCorrelation(_Correlation):
    """:func:`concordance_correlation` of each row, averaged over the samples (Keras's
    ``ConcordanceCorrelation``; maximized by ``mode="auto"``)."""

    name = "concordance_correlation"
    function = staticmethod(concordance_correlation)


def _refuse_sequences(metric, y_true, y_pred, when=""):
    """The ValueError of Keras's metrics that take ``(n, k)`` outputs only, for sequences ``(n, m, k)``
    (the rows would be read as ``m`` outputs of ``k`` values)."""
    try:
        shapes = tuple(np.shape(y_true)), tuple(np.shape(y_pred))
    except ValueError:  # ragged lists: _align names them
        return
    if max(len(shape) for shape in shapes) > 2:
        raise ValueError(f"{type(metric).__name__} {when + ' ' if when else ''}takes 2-D outputs (n_samples, "
                         f"n_outputs), as Keras's. Received shapes {shapes[0]} and {shapes[1]}: reshape sequence "
                         "outputs (n, m, k) to (n·m, k), and per-sample weights to one per position.")


def _safe_divide(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


def _evenly_spaced(thresholds):
    """Keras's ``is_evenly_distributed_thresholds``: at least 3 thresholds, ``i / (n − 1)`` to within
    1e-7. Keras then counts through buckets, with the outputs clipped to [0, 1] first."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    n = len(thresholds)
    return n >= 3 and bool(np.allclose(thresholds, np.arange(n) / (n - 1), atol=1e-7))


def _check_thresholds(value):
    """``thresholds`` as the confusion-count metrics take them: None, a number in [0, 1]
    (a float) or a non-empty list of them."""
    if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0):  # (a 0-d array has no len(): a number's check)
        if len(value) == 0:
            raise ValueError("thresholds must be a number in [0, 1] or a non-empty list of them.")
        return [check_number(t, "thresholds", low=0, high=1) for t in value]
    return None if value is None else check_number(value, "thresholds", low=0, high=1)


def _confusion_counts(predicted, actual, sample_weight, axis):
    """``(tp, fp, fn)`` of boolean ``predicted``/``actual`` summed over ``axis`` (None: all of
    them), each output counting its weight (``sample_weight`` broadcast to the outputs); unweighted, as
    counts of the boolean arrays (no weight temporaries: ~3x faster per batch)."""
    if sample_weight is None:
        tp = np.count_nonzero(predicted & actual, axis=axis)
        return tp, np.count_nonzero(predicted, axis=axis) - tp, np.count_nonzero(actual, axis=axis) - tp
    w = sample_weight  # per output, A's shape
    return (np.sum((predicted & actual) * w, axis=axis), np.sum((predicted & ~actual) * w, axis=axis),
            np.sum((~predicted & actual) * w, axis=axis))


def _output_weights(sample_weight, y_true, y_pred, class_id=None):
    """``sample_weight`` broadcast to every output, as Keras's confusion metrics (``update_confusion_matrix_
    variables``) take it, or None: a number, one weight per sample ``(n,)`` or ``(n, 1)``, or per element,
    of the targets' rank (``(n, k)`` for ``(n, k)`` targets, ``(n, m)`` or ``(n, m, k)`` for sequences) or
    one less, broadcastable to them; with ``class_id`` to that one output (``(n, k)`` weights are refused,
    as Keras's). Sequence outputs also take ``(n,)``, one per sample (Keras's broadcast refuses them).
    The result has ``y_pred``'s number of elements: :func:`_rows_of` lays it out as the rows of ``A``."""
    w = _checked_weights(sample_weight)
    if w is None:
        return None
    shape = max(tuple(np.shape(y_true)), tuple(np.shape(y_pred)), key=len)  # Keras expands the (n,) one
    if class_id is not None:
        shape = shape[:-1] + (1,)
    if w.ndim == 1 and len(shape) > 2 and w.shape[0] == shape[0]:  # sequences: one weight per sample
        w = w.reshape((-1,) + (1,) * (len(shape) - 1))
    elif w.ndim < len(shape):  # Keras's expand_dims(-1) (then same rank as the targets: as given)
        w = w[..., None]
    try:
        if w.ndim > len(shape):
            raise ValueError
        return np.broadcast_to(w.astype(np.float64, copy=False), shape)
    except ValueError:
        raise ValueError(f"sample_weight of shape {tuple(np.shape(sample_weight))} does not broadcast to the "
                         f"outputs{' of class_id' if class_id is not None else ''} of shape {shape}: give one "
                         "weight per sample (n,), or one per element of the targets' shape.") from None


def _rows_of(w, A):
    """The weights of :func:`_output_weights` as ``A``'s ``(rows, k)``, or None."""
    return None if w is None else np.broadcast_to(w.reshape(A.shape[0], -1), A.shape)


def _check_class_id(class_id):
    """``class_id`` as an int (a NumPy int would not go into JSON), or None."""
    if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, numbers.Integral)
                                 or class_id < 0):
        raise ValueError(f"class_id must be a non-negative int or None. Received: class_id={class_id!r}")
    return None if class_id is None else int(class_id)


def _class_column(Y, A, class_id):
    """``(Y, A)`` ``(n, k)``, or only their column ``class_id`` ``(n, 1)``."""
    if class_id is None:
        return Y, A
    if class_id >= A.shape[-1]:
        raise ValueError(f"class_id={class_id} but the model has {A.shape[-1]} output unit(s).")
    return Y[:, class_id : class_id + 1], A[:, class_id : class_id + 1]


def _list_counts(thresholds, evenly, Y, A, w):
    """``(tp, fp, tn, fn)``, each ``(T,)``, of the outputs ``A`` against a list of ``thresholds``, every
    output pooled, ``w`` (``A``'s shape) or None weighing each. Evenly spaced thresholds (``evenly``) are
    counted as Keras counts them, through the buckets of :func:`_threshold_counts` on the outputs clipped
    to [0, 1] (an output on a threshold may count above it); others as ``A > t``."""
    if evenly:
        return _threshold_counts(np.asarray(thresholds, dtype=np.float64), Y != 0, np.clip(A, 0.0, 1.0), w,
                                 evenly=True)
    # (thresholds, rows, outputs): each output against each threshold
    predicted = A[None] > np.reshape(np.asarray(thresholds, dtype=np.float64), (-1, 1, 1))
    actual = np.broadcast_to(Y != 0, predicted.shape)
    tp, fp, fn = _confusion_counts(predicted, actual, w, axis=(1, 2))
    tn, _, _ = _confusion_counts(~predicted, ~actual, w, axis=(1, 2))
    return np.stack([tp, fp, tn, fn]).astype(np.float64)


class Precision(Metric):
    """``TP / (TP + FP)`` over every output, as ``keras.metrics.Precision``: an
    output is a predicted positive when it exceeds ``thresholds`` (0.5), a true
    positive when its target is nonzero as well. With several outputs (one-hot or
    multi-label targets) the counts run over all of them (micro average);
    ``class_id`` restricts them to one output unit; ``top_k`` counts only each
    row's k largest outputs (then the threshold defaults to none: they are the
    predicted positives). A list of ``thresholds`` gives one value per threshold;
    evenly spaced ones are counted through Keras's buckets (:func:`_list_counts`).
    Sample weights weigh a row's counts (compile's ``weighted_metrics``), or each output's
    (per element, as Keras: :func:`_output_weights`). Sequence
    outputs ``(n, m, k)`` count every position as a row, as Keras, weighted per
    position ``(n, m)`` or per sample ``(n,)`` (which Keras refuses)."""

    name = "precision"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None, *, threshold=None):
        value = thresholds if thresholds is not None else threshold  # `threshold`: glassnet's older name
        if value is None:
            value = 0.5 if top_k is None else None
        self.thresholds = value = _check_thresholds(value)
        # as Keras: with evenly spaced thresholds an output above 1 is not above the threshold 1
        self._clip = isinstance(value, list) and _evenly_spaced(value)
        self.top_k = None if top_k is None else check_positive_int(top_k, "top_k")
        self.class_id = _check_class_id(class_id)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        # one count per threshold of a list (result() before any update was a 0-d array), else a number
        several = isinstance(self.thresholds, list) and len(self.thresholds) > 1
        self.true_positives, self.false_positives, self.false_negatives = (
            np.zeros(len(self.thresholds)) if several else 0.0 for _ in range(3))

    def get_config(self):
        config = {**super().get_config(), "thresholds": self.thresholds, "class_id": self.class_id}
        if self.top_k is not None:
            config["top_k"] = self.top_k
        return config

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.top_k is not None and np.ndim(y_pred) == 1:
            # Keras's top_k runs along the last axis: a 1-D y_pred is one row of outputs, where
            # _align would make it a column of one output per row (and keep all of them)
            y_true, y_pred = np.reshape(y_true, (1, -1)), np.reshape(y_pred, (1, -1))
            if np.ndim(sample_weight) == 1:
                sample_weight = np.reshape(sample_weight, (1, -1))
        w = _output_weights(sample_weight, y_true, y_pred, self.class_id)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        if self.top_k is not None:  # as Keras: the other outputs become −inf, before class_id
            order = np.argsort(-A, axis=1, kind="stable")[:, : self.top_k]  # ties: the lower index first
            # (in the outputs' float dtype: float32 outputs are counted in float32, as without top_k)
            top = np.full(A.shape, -np.inf, dtype=A.dtype if A.dtype.kind == "f" else np.float64)
            np.put_along_axis(top, order, np.take_along_axis(A, order, axis=1), axis=1)
            A = top
        Y, A = _class_column(Y, A, self.class_id)
        w = _rows_of(w, A)
        if isinstance(self.thresholds, list):  # one count per threshold
            tp, fp, _, fn = _list_counts(self.thresholds, self._clip, Y, A, w)
        else:  # one threshold (none with top_k alone): totals, the fast counts fit needs each batch
            predicted = A > (-np.inf if self.thresholds is None else self.thresholds)
            tp, fp, fn = _confusion_counts(predicted, Y != 0, w, axis=None)
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.false_negatives = self.false_negatives + fn

    def _value(self, hits, total):
        value = _safe_divide(np.asarray(hits, dtype=np.float64), np.asarray(total, dtype=np.float64))
        if isinstance(self.thresholds, list) and len(self.thresholds) > 1:
            return value  # one value per threshold, as Keras
        return float(np.ravel(value)[0])  # one threshold (or none yet counted): a number

    def result(self):
        return self._value(self.true_positives, self.true_positives + self.false_positives)


class Recall(Precision):
    """``TP / (TP + FN)``, counted as :class:`Precision` (``keras.metrics.Recall``)."""

    name = "recall"

    def result(self):
        return self._value(self.true_positives, self.true_positives + self.false_negatives)


class _ConfusionCount(Metric):
    """How many outputs fall in one cell of the confusion matrix, as Keras's
    ``TruePositives``, ``FalsePositives``, ``TrueNegatives`` and ``FalseNegatives``
    (the imbalanced-classification tutorials' metrics): an output is a predicted
    positive when it exceeds ``thresholds`` (0.5), an actual positive when its target
    is nonzero; every output of every row counts (several output units too). A list of
    ``thresholds`` gives one count per threshold (evenly spaced ones see the outputs
    clipped to [0, 1] and counted through Keras's buckets, :func:`_list_counts`). Sample
    weights weigh a row's counts, or each output's (:func:`_output_weights`); sequence
    outputs ``(n, m, k)`` count every position, as :class:`Precision`."""

    #: which cell: (predicted positive, actual positive)
    cell = (True, True)

    def __init__(self, thresholds=None, name=None, dtype=None):
        self.thresholds = _check_thresholds(0.5 if thresholds is None else thresholds)
        self._clip = isinstance(self.thresholds, list) and _evenly_spaced(self.thresholds)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        several = isinstance(self.thresholds, list) and len(self.thresholds) > 1
        self.accumulator = np.zeros(len(self.thresholds)) if several else 0.0

    def update_state(self, y_true, y_pred, sample_weight=None):
        w = _output_weights(sample_weight, y_true, y_pred)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        thresholds = self.thresholds if isinstance(self.thresholds, list) else [self.thresholds]
        cell = {(True, True): 0, (True, False): 1, (False, False): 2, (False, True): 3}[self.cell]
        counts = _list_counts(thresholds, self._clip, Y, A, _rows_of(w, A))[cell]
        self.accumulator = self.accumulator + (counts if np.ndim(self.accumulator) else float(counts[0]))

    def result(self):
        return self.accumulator.copy() if np.ndim(self.accumulator) else float(self.accumulator)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.thresholds}


class TruePositives(_ConfusionCount):
    """Outputs above the threshold whose target is positive (``keras.metrics.TruePositives``)."""

    name = "true_positives"
    cell = (True, True)


class FalsePositives(_ConfusionCount):
    """Outputs above the threshold whose target is 0 (``keras.metrics.FalsePositives``)."""

    name = "false_positives"
    cell = (True, False)


class TrueNegatives(_ConfusionCount):
    """Outputs at or below the threshold whose target is 0 (``keras.metrics.TrueNegatives``)."""

    name = "true_negatives"
    cell = (False, False)


class FalseNegatives(_ConfusionCount):
    """Outputs at or below the threshold whose target is positive (``keras.metrics.FalseNegatives``)."""

    name = "false_negatives"
    cell = (False, True)


class FBetaScore(Metric):
    """``(1 + β²)PR / (β²P + R)`` per class, as ``keras.metrics.FBetaScore``: the
    weighted harmonic mean of precision and recall, ``beta`` > 0 (recall counts ``beta``
    times as much as precision; 1 is the F1 score). With ``threshold=None`` each row's
    largest output is its predicted class (equal maxima all count, an all-zero row
    predicts nothing), else every output above ``threshold`` is predicted. The targets
    count as given, as Keras's: a soft target ``y`` adds ``y`` to the true positives (or
    false negatives) and ``1 − y`` to the false positives of its output. One difference:
    for a single output unit and ``threshold=None`` glassnet predicts ``> 0.5``, where
    Keras's argmax over one column predicts every row positive. ``average``: ``None``
    (Keras's default: the per-class array), ``"micro"`` (the counts of every class
    pooled), ``"macro"`` (the mean over classes) or ``"weighted"`` (by support). Divided
    exactly, where Keras adds 1e-7 to each denominator (a difference below 1e-6)."""

    name = "fbeta_score"

    def __init__(self, average=None, beta=1.0, threshold=None, name=None, dtype=None):
        if not is_one_of(average, (None, "macro", "micro", "weighted")):
            raise ValueError(f"average must be None, 'macro', 'micro' or 'weighted'. Received: average={average!r:.100}")
        self.average = average
        self.beta = check_number(beta, "beta", low=0, low_open=True)
        self.threshold = None if threshold is None else check_number(threshold, "threshold", low=0, high=1)
        super().__init__(name=name, dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}

    def reset_state(self):
        # zeros per class once the classes are known, as Keras's variables (a per-class result was [0.])
        self.tp = self.fp = self.fn = np.zeros_like(getattr(self, "tp", 0.0))

    def update_state(self, y_true, y_pred, sample_weight=None):
        _refuse_sequences(self, y_true, y_pred)  # as Keras's
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight)
        if self.threshold is not None or A.shape[-1] == 1:
            predicted = A > (0.5 if self.threshold is None else self.threshold)
        else:
            # equal maxima all count, and an all-zero row predicts nothing, as Keras
            predicted = (A == A.max(axis=-1, keepdims=True)) & (np.abs(A) > 1e-9)
        # per class, with the targets as given, as Keras: a soft target y counts y of a positive and 1 − y
        # of a negative (y > 0.5 made a target 0.6 a whole positive, and F1 0.67 where Keras has 0.57)
        w = np.ones(A.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        tp, fp, fn = w @ (predicted * Y), w @ (predicted * (1 - Y)), w @ (~predicted * Y)
        if np.ndim(self.tp) and np.shape(self.tp) != np.shape(tp):  # one column was broadcast to every class
            if np.any(self.tp) or np.any(self.fp) or np.any(self.fn):
                raise ValueError(f"{type(self).__name__} has seen {np.shape(self.tp)[0]} output(s); this batch has "
                                 f"{A.shape[1]}.")
            self.tp = self.fp = self.fn = 0.0  # reset, nothing counted: the classes of this batch
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn

    def result(self):
        tp, fp, fn = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (self.tp, self.fp, self.fn))
        if self.average == "micro":
            tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
        b2 = self.beta**2
        score = _safe_divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)
        if self.average is None:
            return score
        if self.average == "weighted":
            support = tp + fn
            return float(np.sum(score * support) / support.sum()) if support.sum() else 0.0
        return float(np.mean(score))


class F1Score(FBetaScore):
    """Harmonic mean ``2PR / (P + R)`` per class, as ``keras.metrics.F1Score``: the
    :class:`FBetaScore` of ``beta=1``, counted as it counts. ``average``: ``"macro"``
    (glassnet's default: the mean over classes, one number for the logs), ``"micro"``,
    ``"weighted"`` (by support), or ``None`` for the per-class array (Keras's default)."""

    name = "f1_score"
    beta = 1.0  # (an F1Score pickled before it was an FBetaScore has no beta of its own)

    def __init__(self, average="macro", threshold=None, name=None, dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]  # as Keras's: always 1
        return config


def _class_ids(values, num_classes):
    """``target_class_ids`` as a list of ints in ``[0, num_classes)``, not empty."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"target_class_ids must be a list or tuple of class ids. Received: target_class_ids={values!r:.100}")
    ids = [check_int(i, "target_class_ids") for i in values]
    if not ids:
        raise ValueError("target_class_ids must name at least one class. Received: target_class_ids=[]")
    if not all(0 <= i < num_classes for i in ids):
        raise ValueError(f"target_class_ids must be in the range [0, {num_classes}) of num_classes={num_classes}. "
                         f"Received: target_class_ids={ids!r:.100}")
    return ids


class IoU(Metric):
    """Intersection over union ``TP / (TP + FP + FN)`` of each class of ``target_class_ids``,
    averaged over those that occur (in the targets or the predictions), as
    ``keras.metrics.IoU``: a ``num_classes`` × ``num_classes`` confusion matrix is summed
    over the batches, each element counting its sample weight. ``y_true`` and ``y_pred``
    hold integer class labels of any shape (one per element: segmentation maps too), or
    with ``sparse_y_true=False``/``sparse_y_pred=False`` scores whose argmax over ``axis``
    is the class. Labels outside ``[0, num_classes)`` and targets equal to ``ignore_class``
    are not counted, as Keras. Sample weights: one per label, or one per sample (row).
    In ``fit`` it gets the targets as given (integer labels stay labels under
    ``sparse_categorical_crossentropy``), as Keras's. Counted in float64 by default; an
    integer ``dtype`` (Keras's default, ``int32``) truncates the weights, as Keras."""

    name = "io_u"
    builtin = False  # the targets as the caller gave them, as Keras's IoU reads them

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        self.num_classes = check_int(num_classes, "num_classes", low=2)
        self.target_class_ids = _class_ids(target_class_ids, self.num_classes)
        self.ignore_class = None if ignore_class is None else check_int(ignore_class, "ignore_class")
        self.sparse_y_true = check_bool(sparse_y_true, "sparse_y_true")
        self.sparse_y_pred = check_bool(sparse_y_pred, "sparse_y_pred")
        self.axis = check_int(axis, "axis")
        integer = False
        if dtype is not None:
            try:
                integer = np.dtype(dtype).kind in "iu"
            except TypeError:
                pass  # the base names it
        super().__init__(name=name, dtype=None if integer else dtype)
        if integer:
            self.dtype = np.dtype(dtype).name

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def _labels(self, values, name, sparse):
        values = _numbers(values, name)
        if not sparse:
            if values.ndim == 0:
                raise ValueError(f"{name} must hold rows of scores with sparse_{name}=False. Received a number.")
            return values.argmax(axis=self.axis)
        if not np.all(values == np.round(values)):
            bad = values[values != np.round(values)].flat[0].item()
            raise ValueError(f"{name} must hold integer class labels with sparse_{name}=True ({bad!r} is not one); "
                             f"for scores or one-hot rows pass sparse_{name}=False.")
        return values

    def update_state(self, y_true, y_pred, sample_weight=None):
        _no_nan(_numbers(y_true, "y_true"))
        if _numbers(y_true, "y_true").size == 0 and _numbers(y_pred, "y_pred").size == 0:
            return  # an empty batch leaves the state as it was, as Keras (it divided by its 0 rows)
        t, p = self._labels(y_true, "y_true", self.sparse_y_true), self._labels(y_pred, "y_pred", self.sparse_y_pred)
        if t.size != p.size:
            raise ValueError(f"y_true and y_pred must give one class label per element, as many of each. Received "
                             f"{t.size} and {p.size} labels (shapes {np.shape(y_true)} and {np.shape(y_pred)}).")
        # negative or NaN weights were counted (the IoU of weights -1 was 0.0)
        w = np.ones(t.size) if sample_weight is None else _checked_weights(sample_weight)
        if w.ndim == 1 and t.ndim > 1 and w.size == t.shape[0]:  # one per sample: each of its labels
            w = np.repeat(w, t.size // t.shape[0])
        if w.size not in (1, t.size):
            raise ValueError(f"sample_weight must hold one weight per label ({t.size}) or per sample. Received shape "
                             f"{w.shape}.")
        t, p, w = t.ravel(), p.ravel(), np.broadcast_to(w.ravel(), t.size)
        if np.dtype(self.dtype or "float64").kind in "iu":
            w = np.trunc(w)  # as Keras casts them to its integer dtype
        k = self.num_classes
        kept = (t >= 0) & (t < k) & (p >= 0) & (p < k)
        if self.ignore_class is not None:
            kept &= t != self.ignore_class
        cells = t[kept].astype(np.int64) * k + p[kept].astype(np.int64)
        self.total_cm = self.total_cm + np.bincount(cells, weights=w[kept], minlength=k * k).reshape(k, k)

    def result(self):
        cm = self.total_cm
        tp = np.diag(cm)
        union = cm.sum(axis=0) + cm.sum(axis=1) - tp  # TP + FP + FN
        tp, union = tp[self.target_class_ids], union[self.target_class_ids]
        present = union > 1e-9  # as Keras: a class that never occurs is left out of the mean
        return float(np.sum(tp[present] / union[present]) / present.sum()) if present.any() else 0.0

    #: the arguments a subclass fixes, which its config leaves out (as Keras's)
    _fixed = ()

    def get_config(self):
        config = {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                  "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                  "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}
        return {key: value for key, value in config.items() if key not in self._fixed}


class BinaryIoU(IoU):
    """:class:`IoU` of two classes, as ``keras.metrics.BinaryIoU``: an output at or above
    ``threshold`` predicts class 1, else 0; ``y_true`` holds 0/1 labels; ``target_class_ids``
    ``(0, 1)`` averages the IoU of both."""

    name = "binary_io_u"

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = check_number(threshold, "threshold")

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = (_numbers(y_pred, "y_pred") >= self.threshold).astype(np.int64)
        super().update_state(y_true, predicted, sample_weight)

    def get_config(self):
        config = super().get_config()
        return {**{key: config[key] for key in ("name", "dtype") if key in config},
                "target_class_ids": self.target_class_ids, "threshold": self.threshold}


class MeanIoU(IoU):
    """:class:`IoU` averaged over every class, as ``keras.metrics.MeanIoU``."""

    name = "mean_io_u"
    _fixed = ("target_class_ids",)

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        classes = check_int(num_classes, "num_classes", low=2)
        super().__init__(classes, list(range(classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)


class OneHotIoU(IoU):
    """:class:`IoU` of one-hot targets (``sparse_y_true=False``), as ``keras.metrics.OneHotIoU``."""

    name = "one_hot_io_u"
    _fixed = ("sparse_y_true",)

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` of one-hot targets (``sparse_y_true=False``), as ``keras.metrics.OneHotMeanIoU``."""

    name = "one_hot_mean_io_u"
    _fixed = ("target_class_ids", "sparse_y_true")

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)


def _threshold_counts(thresholds, positive, A, w=None, per_output=False, evenly=False):
    """``(tp, fp, tn, fn)`` stacked, each ``(T,)`` (every output pooled) or ``(T, K)`` (``per_output``):
    an output of ``A`` ``(n, K)`` is a predicted positive at each of the sorted ``thresholds`` it exceeds
    (NaN at none), an actual positive where ``positive``; ``w`` ``(n, K)`` weighs each output (None: 1).
    ``evenly``: Keras's evenly spaced thresholds (``A`` clipped to [0, 1]), which it counts through buckets:
    an output is above the first ``ceil(p·(T − 1))`` of them (at least 1 when the first is −ε), which can
    differ from ``p > t`` by one threshold where ``p·(T − 1)`` rounds across an integer (an output equal to a
    threshold), so glassnet counts them the same way.

    A prediction is positive at the thresholds below it: their number, then per number the weight
    of the positives and negatives, summed from the top (no (thresholds × predictions) table)."""
    T = len(thresholds)
    if evenly:
        above = np.ceil(A * (T - 1))
        above[np.isnan(above)] = 0
        above = above.astype(np.intp)
        if thresholds[0] < 0:  # AUC's −ε: every output is above it (Keras's relu of the bucket)
            above = np.maximum(above, 1)
            above[np.isnan(A)] = 0
    else:
        above = np.searchsorted(thresholds, A, side="left")
        above[np.isnan(A)] = 0  # NaN > t is false at every threshold (searchsorted puts it last)
    K = A.shape[1] if per_output else 1
    if per_output:  # one bincount for all outputs: output k counts in bins k·(T+1) ...
        above += np.arange(K) * (T + 1)
    pos, neg = (np.bincount(above[side], None if w is None else w[side], minlength=K * (T + 1))
                .astype(np.float64).reshape(K, T + 1) for side in (positive, ~positive))
    tp = np.cumsum(pos[:, ::-1], axis=1)[:, ::-1][:, 1:].T  # (T, K): weight of positives above threshold j
    fp = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1][:, 1:].T
    # those at or below it summed from the bottom, not total − above: that difference left 8.9e-16 of false
    # negatives where there were none, a recall of 1 − 1e-16, and PrecisionAtRecall(1.0) 0 where Keras has 1
    tn, fn = np.cumsum(neg, axis=1)[:, :T].T, np.cumsum(pos, axis=1)[:, :T].T
    counts = np.stack([tp, fp, tn, fn])
    return counts if per_output else counts[..., 0]


#: the most thresholds AUC counts at (each update counts at every one; 10**9 hung building the list)
MAX_THRESHOLDS = 10**6


class AUC(Metric):
    """Area under the ROC or precision-recall curve, as ``keras.metrics.AUC``.

    Predictions are counted at ``num_thresholds`` thresholds (2 to :data:`MAX_THRESHOLDS`)
    spread evenly over [0, 1] (the first just below 0, the last just above 1), or at the given
    ``thresholds``: an output above a threshold is a predicted positive, a
    nonzero target a positive. The area is the Riemann sum over the thresholds
    of the curve's points: the trapezoid rule for ``summation_method=
    "interpolation"`` on the ROC curve (``"minoring"``/``"majoring"``: the lower
    or upper of each pair), Davis & Goadrich's interpolation on the PR curve.
    Outputs are pooled (one curve) unless ``multi_label=True`` (one curve per
    output, then their mean). ``from_logits`` applies the sigmoid first.
    Pooled, sequence outputs ``(n, m, k)`` count every position, as :class:`Precision`;
    ``multi_label=True`` takes ``(n, k)`` outputs only, as Keras.

    ``label_weights`` (one non-negative weight per output), as Keras: with
    ``multi_label=True`` the result is the weighted mean of the outputs' areas
    ``Σ_k w_k AUC_k / Σ_k w_k`` (0 when every weight is 0); pooled, each output's
    predictions count with its weight (times the sample's weight). ``num_labels``
    (only with ``multi_label=True``) is the number of outputs the metric expects.
    """

    name = "auc"
    _CURVES = ("ROC", "PR")
    _SUMMATIONS = ("interpolation", "minoring", "majoring")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if str(curve).upper() not in self._CURVES:
            raise ValueError(f"curve must be 'ROC' or 'PR'. Received: curve={curve!r}")
        if str(summation_method).lower() not in self._SUMMATIONS:
            raise ValueError("summation_method must be 'interpolation', 'minoring' or 'majoring'. "
                             f"Received: summation_method={summation_method!r}")
        self.curve, self.summation_method = str(curve).upper(), str(summation_method).lower()
        self.multi_label = check_bool(multi_label, "multi_label")
        self.from_logits = check_bool(from_logits, "from_logits")
        self.num_labels = None if num_labels is None else check_positive_int(num_labels, "num_labels")
        if self.num_labels is not None and not self.multi_label:
            raise ValueError(f"num_labels is needed only when multi_label is True (as Keras): pooled outputs make "
                             f"one curve whatever their number. Received: num_labels={num_labels!r}")
        self.label_weights = None
        if label_weights is not None:
            self.label_weights = check_array(label_weights, "label_weights", ndim=1, dtype=np.float64)
            if (self.label_weights < 0).any():
                raise ValueError(f"label_weights must be non-negative. Received: {self.label_weights.tolist()!r:.200}")
            if self.num_labels is not None and len(self.label_weights) != self.num_labels:
                raise ValueError(f"label_weights must have num_labels={self.num_labels} entries, one per output. "
                                 f"Received {len(self.label_weights)}.")
        if thresholds is not None:
            values = sorted(check_number(t, "thresholds", low=0, high=1) for t in np.ravel(thresholds))
            self._given, inner = values, values
        else:
            n = check_int(num_thresholds, "num_thresholds", low=2, high=MAX_THRESHOLDS)
            self._given, inner = None, np.arange(1, n - 1) / (n - 1)  # Keras's (i + 1) / (n − 1), to the bit
        eps = 1e-7  # Keras's backend.epsilon()
        self._thresholds = np.concatenate([[0.0 - eps], inner, [1.0 + eps]])
        # as Keras: with evenly spaced thresholds (the default, whatever num_thresholds: with 2 there are
        # none inside to test the spacing) outputs are clipped to [0, 1] before counting
        self._clip = thresholds is None or _evenly_spaced(np.concatenate([[0.0], inner, [1.0]]))
        self.num_thresholds = len(self._thresholds)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._counts = None  # (tp, fp, tn, fn), each (num_thresholds,) or (num_thresholds, outputs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.multi_label:  # one curve per output unit: sequences have no rows of units to take them from
            _refuse_sequences(self, y_true, y_pred, "with multi_label=True")
        weights = _output_weights(sample_weight, y_true, y_pred)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        if self.from_logits:
            with np.errstate(over="ignore"):
                A = 1.0 / (1.0 + np.exp(-A))
        if self._clip:
            A = np.clip(A, 0.0, 1.0)  # NaN stays NaN
        expected = self.num_labels or (None if self.label_weights is None else len(self.label_weights))
        if expected is not None and A.shape[1] != expected:
            given = f"num_labels={self.num_labels}" if self.num_labels else f"{expected} label_weights"
            raise ValueError(f"AUC was made for {expected} outputs ({given}), but y_pred has {A.shape[1]} "
                             f"(shape {A.shape}).")
        w = _rows_of(weights, A)
        if self.label_weights is not None and not self.multi_label:  # multi_label weighs the areas instead
            w = np.broadcast_to(self.label_weights, A.shape) if w is None else w * self.label_weights
        new = _threshold_counts(self._thresholds, Y != 0, A, w, per_output=self.multi_label, evenly=self._clip)
        if self._counts is not None and self._counts.shape != new.shape:  # multi_label: one count per output
            raise ValueError(f"AUC has seen {self._counts.shape[-1]} output(s); this batch has {A.shape[1]}.")
        self._counts = new if self._counts is None else self._counts + new

    def result(self):
        if self._counts is None:
            return 0.0
        tp, fp, tn, fn = self._counts
        if self.curve == "PR" and self.summation_method == "interpolation":
            dtp = tp[:-1] - tp[1:]
            p = tp + fp
            slope = _safe_divide(dtp, np.maximum(p[:-1] - p[1:], 0))
            intercept = tp[1:] - slope * p[1:]
            ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _safe_divide(p[:-1], np.maximum(p[1:], 0)), 1.0)
            terms = _safe_divide(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        else:
            recall = _safe_divide(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _safe_divide(fp, fp + tn), recall
            else:
                x, y = recall, _safe_divide(tp, tp + fp)
            pair = (y[:-1], y[1:])
            heights = {"interpolation": (pair[0] + pair[1]) / 2, "minoring": np.minimum(*pair),
                       "majoring": np.maximum(*pair)}[self.summation_method]
            terms = (x[:-1] - x[1:]) * heights
        by_output = terms.sum(axis=0)
        if not self.multi_label:
            return float(by_output)
        if self.label_weights is None:
            return float(np.mean(by_output))
        return float(_safe_divide(by_output @ self.label_weights, self.label_weights.sum()))

    def get_config(self):
        config = {**super().get_config(), "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "from_logits": self.from_logits}
        if self.num_labels is not None:
            config["num_labels"] = self.num_labels
        if self.label_weights is not None:
            config["label_weights"] = self.label_weights.tolist()
        if self._given is not None:
            config["thresholds"] = list(self._given)
        else:
            config["num_thresholds"] = self.num_thresholds
        return config


class _SensitivitySpecificityBase(Metric):
    """The best of one rate where another reaches ``value``, as Keras's ``SensitivitySpecificityBase``.

    The confusion counts are summed over the batches at ``num_thresholds`` thresholds 0,
    1/(n − 1), …, 1 (the outputs clipped to [0, 1] first, as Keras; one threshold: 0.5, unclipped);
    an output above a threshold is a predicted positive, a nonzero target a positive, every output
    of every row counts (``class_id``: only that output unit), weighted by the sample weights.
    With ``recall = TP/(TP + FN)`` (sensitivity), ``precision = TP/(TP + FP)`` and
    ``specificity = TN/(TN + FP)`` at each threshold ``t`` (0 where a denominator is 0), the result is
    Keras's ``_find_max_under_constraint``: ``max(0, max{dependent_t : constrained_t >= value})``,
    0 when no threshold meets the constraint. Maximized (``mode="auto"`` of the callbacks)."""

    #: the subclass's argument for ``value``, then the rates: (constrained, dependent)
    argument, rates = None, (None, None)
    _direction = "up"  # Keras's: a larger result is better

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        self.value = check_number(value, self.argument, low=0, high=1)
        setattr(self, self.argument, self.value)  # Keras's attribute: self.recall, self.precision, ...
        self.num_thresholds = check_int(num_thresholds, "num_thresholds", low=1, high=MAX_THRESHOLDS)
        self.class_id = _check_class_id(class_id)
        n = self.num_thresholds
        # Keras's: 0, (i + 1)/(n − 1), 1 (evenly spaced: clipped outputs), or 0.5 alone
        self._thresholds = np.array([0.5]) if n == 1 else np.concatenate([[0.0], np.arange(1, n - 1) / (n - 1), [1.0]])
        self._clip = n > 1
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._counts = np.zeros((4, self.num_thresholds))  # tp, fp, tn, fn at each threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        w = _output_weights(sample_weight, y_true, y_pred, self.class_id)
        Y, A, _ = _align(y_true, y_pred, None, positions=True)
        Y, A = _class_column(Y, A, self.class_id)
        if self._clip:
            A = np.clip(A, 0.0, 1.0)  # NaN stays NaN: above no threshold
        w = _rows_of(w, A)
        self._counts = self._counts + _threshold_counts(self._thresholds, Y != 0, A, w, evenly=self._clip)

    def result(self):
        tp, fp, tn, fn = self._counts
        rate = {"recall": _safe_divide(tp, tp + fn), "precision": _safe_divide(tp, tp + fp),
                "specificity": _safe_divide(tn, tn + fp)}
        constrained, dependent = (rate[key] for key in self.rates)
        return float(np.max(np.where(constrained >= self.value, dependent, 0.0), initial=0.0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self.argument: self.value}


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision ``TP/(TP + FP)`` at a threshold whose recall is at least ``recall``
    (``keras.metrics.PrecisionAtRecall``; counted as :class:`_SensitivitySpecificityBase`)."""

    name = "precision_at_recall"
    argument, rates = "recall", ("recall", "precision")

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall ``TP/(TP + FN)`` at a threshold whose precision is at least ``precision``,
    0 when none reaches it (``keras.metrics.RecallAtPrecision``)."""

    name = "recall_at_precision"
    argument, rates = "precision", ("precision", "recall")

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity ``TP/(TP + FN)`` at a threshold whose specificity ``TN/(TN + FP)`` is at
    least ``specificity`` (``keras.metrics.SensitivityAtSpecificity``)."""

    name = "sensitivity_at_specificity"
    argument, rates = "specificity", ("specificity", "recall")

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity ``TN/(TN + FP)`` at a threshold whose sensitivity ``TP/(TP + FN)`` is at
    least ``sensitivity`` (``keras.metrics.SpecificityAtSensitivity``)."""

    name = "specificity_at_sensitivity"
    argument, rates = "sensitivity", ("recall", "specificity")

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


#: Keras's names of the metrics that need an argument: its get fails on them, and glassnet's says which
NEED_ARGUMENT = {cls.name: cls for cls in (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
                                           SpecificityAtSensitivity)}


class MeanMetricWrapper(Metric):
    """A function ``fn(y_true, y_pred)`` as a metric (as Keras): the mean of its
    values over the epoch. ``fn`` returns one value per sample (shape ``(n,)``,
    or ``(n, k)``, averaged over the last axis) or one number for the batch
    (weighted by the batch size). ``y_true`` arrives as the caller gave it to
    ``fit``/``evaluate`` (as Keras): integer labels stay labels under
    ``sparse_categorical_crossentropy``, 0/1 labels stay 0/1 under ``hinge``.
    Called directly, it gets what it is given. Further keyword arguments are passed
    to ``fn`` at each call, as Keras's ``MeanMetricWrapper(fn, name, dtype, **kwargs)``."""

    _fn_kwargs = {}  # (never changed in place; a metric pickled before it existed reads this one)

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"fn must be a callable fn(y_true, y_pred). Received: {fn!r}")
        self.fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", None) or type(fn).__name__, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """``fn`` gets ``y_true`` in the shape it was given (integer labels against
        ``(n, k)`` outputs too); only the number of rows must agree."""
        Y, A = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
        if Y.ndim == 0 or A.ndim == 0 or Y.shape[0] != A.shape[0]:
            raise ValueError(f"y_true and y_pred must have one row per sample. Received shapes {Y.shape} and "
                             f"{A.shape}.")
        if np.ndim(sample_weight) >= 2 and np.shape(sample_weight)[-1] != 1:
            # weights per element, as Keras's Mean: they fit a function's element-wise values (n, k) only
            v, w = _samplewise(self._raw(Y, A), sample_weight, np.mean)
            self.total += float(np.sum(v))
            self.count += float(np.sum(w))
            return
        self._accumulate(self.values(Y, A), _weights(sample_weight, A.shape[0]))

    def _raw(self, Y, A):
        """``fn``'s values as it returns them, one per sample or more (Keras's element-wise ones)."""
        v = np.asarray(self.fn(Y, A, **self._fn_kwargs), dtype=np.float64)
        if v.ndim and v.shape[0] != Y.shape[0]:
            raise ValueError(f"Metric {self.name!r} returned an array of shape {v.shape}; expected one number "
                             f"or one value per sample ({Y.shape[0]},).")
        return v

    def values(self, Y, A):
        v, n = self._raw(Y, A), Y.shape[0]
        if v.ndim == 0:
            return np.full(n, float(v))
        return v.reshape(n, -1).mean(axis=1)


METRICS = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError,
    "mse": lambda: MeanSquaredError(name="mse"),
    "mean_absolute_error": MeanAbsoluteError,
    "mae": lambda: MeanAbsoluteError(name="mae"),
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": lambda: MeanAbsolutePercentageError(name="mape"),
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": lambda: MeanSquaredLogarithmicError(name="msle"),
    "root_mean_squared_error": RootMeanSquaredError,
    "r2_score": R2Score,
    "pearson_correlation": PearsonCorrelation,
    "concordance_correlation": ConcordanceCorrelation,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "poisson": Poisson,
    "kl_divergence": KLDivergence,
    "log_cosh_error": LogCoshError,
    "cosine_similarity": CosineSimilarity,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "precision": Precision,
    "recall": Recall,
    "f1_score": F1Score,
    "fbeta_score": FBetaScore,
    "f_beta_score": FBetaScore,  # Keras's snake case of FBetaScore, which it takes too
    "binary_io_u": BinaryIoU,
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "auc": AUC,
}


# Keras's functions fn(y_true, y_pred) -> one value per sample. Called, they compute; given to compile
# (metrics=[metrics.categorical_accuracy]), they stand for the metric of their name, as do the
# losses' functions imported above.
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` equals ``y_true``, element by element (Keras 3's
    ``keras.metrics.binary_accuracy``; its metric averages them)."""
    Y, A = _same_rank(_numbers(y_true, "y_true"), _numbers(y_pred, "y_pred"))
    if Y.shape != A.shape:  # broadcast, they were compared as a table (or NumPy's broadcast error)
        raise ValueError(f"y_true and y_pred must have the same shape. Received {Y.shape} and {A.shape}.")
    return ((A > check_number(threshold, "threshold")) == Y).astype(np.float64)


def categorical_accuracy(y_true, y_pred):
    """1.0 per sample whose largest output is the one-hot target's class (Keras's)."""
    Y, A = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
    if A.ndim == 0 or Y.shape != A.shape:  # integer labels' argmax is one number, compared with every row
        hint = " For integer labels use sparse_categorical_accuracy." if Y.shape == A.shape[:-1] else ""
        raise ValueError(f"y_true and y_pred must have the same shape. Received {Y.shape} and {A.shape}.{hint}")
    return (A.argmax(axis=-1) == Y.argmax(axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 per sample whose largest output is its integer label (shape ``(n,)`` or ``(n, 1)``; Keras's)."""
    Y, A = _labels_per_row(_numbers(y_true, "y_true"), _numbers(y_pred, "y_pred"))
    return (A.argmax(axis=-1) == Y).astype(np.float64)


def _labels_per_row(Y, A):
    """``(Y, A)`` with one label per row of ``A`` (its last axis the classes): labels ``(n,)``
    or ``(n, 1)`` (a trailing 1 dropped), or the ValueError naming both shapes."""
    if Y.ndim == A.ndim and Y.ndim and Y.shape[-1] == 1:
        Y = Y[..., 0]
    if A.ndim == 0 or Y.shape != A.shape[:-1]:
        raise ValueError(f"y_true must hold one integer label per row of y_pred (shape {A.shape[:-1]} or "
                         f"{(*A.shape[:-1], 1)}). Received shapes {Y.shape} and {A.shape}.")
    return Y, A


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 per sample whose one-hot target's class is among its ``k`` largest outputs (Keras's)."""
    Y, A = _numbers(y_true, "y_true"), _numbers(y_pred, "y_pred")
    if A.ndim < 2 or Y.shape != A.shape:
        raise ValueError("y_true and y_pred must be one-hot rows and scores of one shape (n_samples, n_classes). "
                         f"Received shapes {Y.shape} and {A.shape}.")
    return _in_top_k(Y.argmax(axis=-1), A, check_positive_int(k, "k")).astype(np.float64)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 per sample whose integer label is among its ``k`` largest outputs (Keras's); with
    ``from_sorted_ids=True``, among the first ``k`` of its row of sorted class ids. Of the
    labels' shape, as Keras: ``(n,)`` or ``(n, 1)``."""
    Y = _numbers(y_true, "y_true")
    shape, (Y, A) = Y.shape, _labels_per_row(Y, _numbers(y_pred, "y_pred"))
    k = check_positive_int(k, "k")
    if A.ndim < 2:  # (one row of scores needs a label of shape (), which has no rows to rank)
        raise ValueError(f"y_pred must hold rows of scores, shape (n_samples, n_classes). Received shape {A.shape}.")
    if check_bool(from_sorted_ids, "from_sorted_ids"):
        return _in_sorted_ids(Y, A, k).astype(np.float64).reshape(shape)
    return _in_top_k(_class_labels(Y, A.shape[-1]), A, k).astype(np.float64).reshape(shape)


def _same_rank(Y, A):
    """Keras's ``squeeze_or_expand_to_same_rank``: where the ranks differ by one and the longer
    ends in an axis of 1, a vector ``(n,)`` gains that axis (``(n, 1)``), else the longer loses it."""
    if Y.ndim == A.ndim + 1 and Y.shape[-1] == 1:
        return (Y, A[..., None]) if A.ndim == 1 else (Y[..., 0], A)
    if A.ndim == Y.ndim + 1 and A.shape[-1] == 1:
        return (Y[..., None], A) if Y.ndim == 1 else (Y, A[..., 0])
    return Y, A


#: each function -> the name of its metric
FUNCTIONS = {fn: fn.__name__ for fn in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    hinge, squared_hinge, categorical_hinge, poisson, kl_divergence, pearson_correlation, concordance_correlation)}


def _function_name(identifier):
    return FUNCTIONS.get(identifier) if isinstance(identifier, types.FunctionType) else None


def get(identifier, loss=None, n_outputs=None):
    """Return a :class:`Metric`. ``"accuracy"``/``"acc"`` is resolved as Keras
    does from the output shape and the loss: one output unit → binary accuracy,
    several → sparse categorical accuracy under ``sparse_categorical_crossentropy``
    (integer labels, which the loss one-hot encodes), else categorical accuracy."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        name = identifier.lower()
        if n_outputs == 1:
            return BinaryAccuracy(name=name)
        if isinstance(loss, _losses.SparseCategoricalCrossentropy):
            return SparseCategoricalAccuracy(name=name)
        return CategoricalAccuracy(name=name)
    needs = NEED_ARGUMENT.get(identifier.lower()) if isinstance(identifier, str) else None
    needs = needs or next((cls for cls in NEED_ARGUMENT.values() if identifier is cls or (
        isinstance(identifier, str) and identifier.lower() == cls.__name__.lower())), None)
    if needs is not None:  # Keras's get fails too ("missing 1 required positional argument")
        raise TypeError(f"Metric {identifier if isinstance(identifier, str) else needs.__name__!r} needs its "
                        f"{needs.argument} argument, as Keras's: pass metrics.{needs.__name__}({needs.argument}=...) "
                        "instead of a name or the class.")
    if isinstance(identifier, str) and not has_name(identifier, METRICS, Metric):
        valid = dict(METRICS, accuracy=None, acc=None)
        raise ValueError(f"Unknown metric {identifier!r}. Valid names: {', '.join(sorted(valid))} (or a class name, "
                         "such as 'SparseCategoricalAccuracy').")
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if _function_name(identifier):  # metrics=[metrics.categorical_accuracy]: the metric of that name
        return METRICS[_function_name(identifier)]()
    if isinstance(identifier, _losses.Loss):  # Keras's compile names it by the loss's name
        return MeanMetricWrapper(identifier, name=identifier.name)
    if callable(identifier) and not isinstance(identifier, (Metric, type)) and not from_keras(identifier):
        # (a Keras metric object is callable too: its running result would be averaged as a batch value)
        return MeanMetricWrapper(identifier)
    return lookup(identifier, METRICS, "metric", instance_of=Metric)


CLASSES = {cls.__name__: cls for cls in (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                                         MeanSquaredError, MeanAbsoluteError, Precision, Recall, F1Score, FBetaScore,
                                         TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, AUC,
                                         RootMeanSquaredError, MeanAbsolutePercentageError,
                                         MeanSquaredLogarithmicError, R2Score, BinaryCrossentropy,
                                         CategoricalCrossentropy, SparseCategoricalCrossentropy, TruePositives,
                                         FalsePositives, TrueNegatives, FalseNegatives, Hinge, SquaredHinge,
                                         CategoricalHinge, Poisson, KLDivergence, LogCoshError, CosineSimilarity,
                                         Mean, Sum, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU,
                                         PearsonCorrelation, ConcordanceCorrelation, PrecisionAtRecall,
                                         RecallAtPrecision, SensitivityAtSpecificity,
                                         SpecificityAtSensitivity)}


def serialize(metric):
    """A compiled metric as a model file stores it: a name stays a name, a built-in
    Metric object becomes ``{"class_name", "config"}`` with its settings; a function
    or a custom Metric class raises ``ValueError`` (a file holds no code)."""
    if isinstance(metric, str):
        return metric
    if _function_name(metric):  # one of Keras's functions: its name, which get reads back
        return _function_name(metric)
    if isinstance(metric, types.FunctionType):  # the user's: by its registered name, as Keras writes it
        config = _custom_objects.serialize_function(metric)
        if config is None:
            raise ValueError(f"Cannot save {_custom_objects.unregistered_function(metric, 'metric')}.")
        return config
    if isinstance(metric, type) and CLASSES.get(metric.__name__) is metric:  # compile(metrics=[Recall])
        metric = metric()
    return to_config(metric, CLASSES, "metric")


def deserialize(config):
    """The inverse of :func:`serialize`: a built-in metric, or the user's function or class (registered,
    or passed in ``custom_objects``). As in Keras, a name the user's objects define
    (``custom_objects={"mse": my_mse}``) is theirs, not the built-in of that name."""
    custom = _custom_objects.find_function(config) or _custom_objects.saved_name(config)
    if custom is not None:
        return custom
    if isinstance(config, str):
        return config
    return from_config(config, CLASSES, "metric")


def _label_vectors(y_true, y_pred):
    """Two label vectors of one length, not empty (a column (n, 1) too), as scikit-learn
    checks them: numbers or text, not both. Rows of several values (one-hot rows,
    probabilities) were flattened into k·n labels and counted wrong; continuous values
    (probabilities, regression outputs) matched no label: both are refused."""
    vectors = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        try:
            given, y = y, np.asarray(y)
        except ValueError as exc:  # ragged lists
            raise ValueError(f"{name} could not be converted to an array: {exc}") from None
        if y.ndim == 0:  # None, a number, a string, a dict
            raise TypeError(f"{name} must be an array-like of class labels. Received: {name}={given!r:.100}")
        if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
            raise ValueError(f"{name} must be a vector of class labels. Received shape {y.shape}: for one-hot rows "
                             f"or probabilities pass {name}.argmax(axis=1).")
        y = y.reshape(-1)
        if y.dtype == object and all(isinstance(v, str) for v in y):  # text from pandas
            y = y.astype(str)
        if y.dtype.kind not in "biufU":
            raise TypeError(f"{name} must hold class labels (integers or text). Received an array of dtype {y.dtype}.")
        if y.dtype.kind == "f":
            bad = y[~(np.isfinite(y) & (y == np.round(y)))]
            if bad.size:
                raise ValueError(f"{name} must hold integer class labels or text, not continuous values "
                                 f"({bad[0].item()!r} is not a label); for probabilities p pass (p > 0.5).astype(int).")
        vectors.append(y)
    y_true, y_pred = vectors
    if (y_true.dtype.kind == "U") != (y_pred.dtype.kind == "U"):
        raise TypeError(f"y_true and y_pred must both be numbers or both text. Received dtypes {y_true.dtype} and "
                        f"{y_pred.dtype}.")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length. Received {y_true.shape[0]} and {y_pred.shape[0]}.")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: at least one sample is required.")
    return y_true, y_pred


def accuracy_score(y_true, y_pred):
    """Share of equal labels."""
    y_true, y_pred = _label_vectors(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """``C[i, j]`` = number of samples of class ``i`` predicted as ``j``."""
    y_true, y_pred = _label_vectors(y_true, y_pred)
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        bad = labels if labels.dtype.kind == "U" else labels[labels < 0]
        if bad.size:
            raise ValueError(f"{name} must hold non-negative integer class labels ({bad[0].item()!r:.30} is not one).")
    y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
    if num_classes is not None:
        num_classes = check_positive_int(num_classes, "num_classes")
        if max(y_true.max(initial=0), y_pred.max(initial=0)) >= num_classes:
            raise ValueError(f"The labels go up to {max(y_true.max(), y_pred.max())}, but num_classes={num_classes}.")
    k = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    with sized_by(f"num_classes={k}" if num_classes else f"Labels up to {k - 1} (a {k}×{k} matrix)"):
        C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (y_true, y_pred), 1)
    return C
