"""The base of every metric: :class:`Metric` (Keras's ``update_state``/``result``/``reset_state``, a
running mean of per-sample values by default, state in :class:`Variable` objects from
``add_variable``), its metaclass, and the input checks the metric families share: targets and
outputs lined up as ``(n, k)`` arrays (``_align``, ``_same_rank``, sequence positions as rows), sample
weights per sample, per element or broadcast to the outputs (``_weights``, ``_checked_weights``,
``_output_weights``, ``_samplewise``), integer labels and the refusal of sequence outputs."""

import inspect
import math

import numpy as np

from .._registry import Configurable
from .._validation import _as_array, check_array, per_sample_weights
from ..backend import to_numpy
from ..losses.base import _float_array


def _numbers(values, name):
    """``values`` as a NumPy array of numbers (NaN allowed: a diverged model's outputs)."""
    return check_array(values, name, ndim=None, allow_empty=True, finite=False)


def _weights(sample_weight, n, number=False, metric=None):
    """``sample_weight`` as ``(n,)`` NumPy weights, or None: metrics count with NumPy, so a
    namespace's array (torch, array-api-strict) is brought over first (np.sum refused a torch one).
    ``number``: a single number stays one, a 0-d array (checked as a weight is), for the metrics that
    average as Keras's ``Mean``, which weighs the batch's mean once by it (:meth:`Metric._accumulate`);
    those take negative weights too, as Keras's (``Σ w v / Σ w``); the others count samples by them
    (a negative one is refused naming ``metric``, the metric object)."""
    if sample_weight is not None and not isinstance(sample_weight, np.ndarray) and hasattr(sample_weight, "__dlpack__"):
        sample_weight = to_numpy(sample_weight)
    sample_weight = _weight_list(sample_weight)
    if number and sample_weight is not None and np.ndim(sample_weight) == 0:
        return per_sample_weights(sample_weight, 1, signed=True).reshape(())
    return per_sample_weights(sample_weight, n, signed=number, metric=_named(metric))


def _named(metric):
    """``metric`` (a Metric or None) as the refusal of its weights names it: "the metric 'AUC' (AUC)"."""
    return None if metric is None else f"the metric {metric.name!r} ({type(metric).__name__})"


def _weight_list(sample_weight):
    """``sample_weight`` given as a list or tuple as a NumPy array, so that its rank can be read: a ragged
    one is a ValueError naming it (np.ndim's "setting an array element with a sequence" did not); else as
    given."""
    return _as_array(sample_weight, "sample_weight") if isinstance(sample_weight, (list, tuple)) else sample_weight


def _no_nan(Y):
    """A NaN target matched anything (CategoricalAccuracy of NaN rows was 1.0): refused, and an
    infinite one too (R2Score, MAPE and F1Score computed inf - inf from it, a RuntimeWarning
    and NaN). (NaN and infinite outputs stay allowed: a diverged model's.)"""
    if Y.dtype.kind == "f" and not np.isfinite(Y).all():
        raise ValueError("y_true contains NaN or infinite values; remove or impute them first.")


def _checked_weights(sample_weight, signed=False, metric=None):
    """``sample_weight`` as a NumPy array of finite real numbers (any shape), as :func:`per_sample_weights`
    checks a metric's weights: ``signed`` (the running means and sums, as Keras's) or non-negative (the
    metrics that count samples by their weights, ``metric``, named where it refuses them); None stays None."""
    if sample_weight is None:
        return None
    if hasattr(sample_weight, "__dlpack__") and not isinstance(sample_weight, np.ndarray):
        sample_weight = to_numpy(sample_weight)
    w = _numbers(sample_weight, "sample_weight")
    if w.dtype.kind not in "fiub":
        raise TypeError(f"sample_weight must hold real numbers. Received dtype {w.dtype}.")
    per_sample_weights(w.reshape(-1), w.size, signed, _named(metric))  # (finite; non-negative unless signed)
    return w


def _positions(Y, A, sample_weight, number=False):
    """Outputs ``(n, m, k)`` (sequences) as their ``n·m`` rows, the targets alike, and ``sample_weight``
    as :meth:`Metric._accumulate` reads a sequence's, so that each sample counts once whatever its
    length ``m``, as Keras's ``Mean`` reduces a sequence's values (``reduce_to_samplewise_values``; counted
    per position, a batch of length 5 outweighed one of length 3): ``(n, 1)`` one per sample (ones for
    None where ``number``: the metrics that average so; None stays None otherwise), ``(n, m)`` one per
    position (``(n, m, 1)`` too, as Keras squeezes it), or one number, which weighs the batch's mean once."""
    positions = A.shape[:-1]
    n, m = positions[0], math.prod(positions[1:])
    # (the columns named, not -1: an empty batch (0, m, k) cannot infer them; labels (n, m) are one column)
    Y, A = Y.reshape(n * m, Y.shape[-1] if Y.ndim == A.ndim else 1), A.reshape(n * m, A.shape[-1])
    if sample_weight is None:
        return Y, A, np.ones((n, 1)) if number else None
    sample_weight = _weight_list(sample_weight)
    if np.ndim(sample_weight) == 0:
        return Y, A, _weights(sample_weight, n, number=True)
    w = _checked_weights(sample_weight, signed=number)
    if w.shape == positions + (1,):
        w = w[..., 0]
    # (n,) and (n, 1) are checked as every metric's per-sample weights (the ValueError names the shape)
    return Y, A, w.reshape(n, m) if w.shape == positions else _weights(w, n, number)[:, None]


def _align(Y, A, sample_weight, labels=False, positions=False, row=False, number=False, metric=None):
    """``Y`` and ``A`` as ``(n, k)`` arrays of one shape, ``sample_weight`` as ``(n,)``
    or None; a 1-D array is one column, as Keras lines up ranks. ``labels``: ``Y``
    may instead hold one integer label per row (sparse categorical accuracy). ``positions``:
    outputs ``(n, m, k)`` become rows, with the weights of :func:`_positions`. ``row``: 1-D targets and outputs
    are one sample, a row, as Keras's functions that reduce the last axis read them (and
    glassnet's losses): a vector's categorical cross-entropy or cosine is that of one sample,
    and a 1-D batch counts once in the mean. ``number`` and ``metric``: see :func:`_weights`.

    With ``labels``, targets of the outputs' shape (several columns) are taken as one-hot rows only as an
    array of floats, what fit passes where its loss one-hot encoded the labels; integers (or a list) of
    that shape are refused, as Keras's sparse metrics refuse them (they were read as one-hot rows: labels
    [[2, 0, 1], [1, 1, 0]] gave a cross-entropy of 2.81)."""
    if sample_weight is None and type(Y) is np.ndarray and type(A) is np.ndarray and Y.ndim == 2 \
            and Y.shape == A.shape and Y.dtype.kind in "fiub" and A.dtype.kind in "fiub" \
            and (not labels or Y.dtype.kind == "f"):
        _no_nan(Y)
        return Y, A, None  # what fit and evaluate pass, at every batch: nothing to line up
    rows = labels and _float_array(Y)  # (fit's one-hot rows; before _numbers makes a list an array)
    Y, A = _numbers(Y, "y_true"), _numbers(A, "y_pred")
    sample_weight = _weight_list(sample_weight)
    _no_nan(Y)
    shapes, sequences = f"{Y.shape} and {A.shape}", False
    if positions and not labels and min(Y.ndim, A.ndim) >= 2:
        # as Keras's squeeze_or_expand_to_same_rank: targets (n, m) against outputs (n, m, 1), or the
        # reverse, lose the trailing 1 (they were refused as "one row per sample")
        Y, A = _same_rank(Y, A)
    if positions and A.ndim > 2 and (Y.shape[:-1] == A.shape[:-1] or labels and Y.shape == A.shape[:-1]):
        Y, A, sample_weight = _positions(Y, A, sample_weight, number)
        sequences = True
    if row and Y.ndim == 1 and Y.shape == A.shape and A.size:  # (an empty vector stays an empty batch)
        if sample_weight is not None and np.ndim(sample_weight) == 1 and len(sample_weight) == len(Y) > 1:
            # (scikit-learn's habit: three 1-D arrays; the weights' "one per sample (1,)" did not say why)
            raise ValueError(f"y_true and y_pred of shape {Y.shape} are one sample of {len(Y)} outputs, as Keras's "
                             f"metrics read them, so sample_weight must be one number; for {len(Y)} samples, give "
                             f"columns: y_true[:, None], y_pred[:, None]. Received sample_weight of shape "
                             f"({len(sample_weight)},).")
        Y, A = Y[None], A[None]
    if A.ndim == 1:
        A = A[:, None]
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or A.ndim != 2 or Y.shape[0] != A.shape[0]:
        raise ValueError(f"y_true and y_pred must have one row per sample. Received shapes {shapes}.")
    if Y.shape != A.shape and not (labels and Y.shape[1] == 1):
        hint = " For integer labels use SparseCategoricalAccuracy." if Y.shape[1] == 1 else ""
        raise ValueError(f"y_true and y_pred must have the same shape. Received {shapes}.{hint}")
    if labels and not rows and Y.shape == A.shape and A.shape[1] > 1:
        raise ValueError("y_true must hold integer class labels, one per row of y_pred (y_pred's shape without its "
                         f"last axis, or with a trailing 1 in its place), as Keras's sparse metrics. Received shapes "
                         f"{shapes}. One-hot rows: pass their labels, y_true.argmax(axis=-1).")
    return Y, A, sample_weight if sequences else _weights(sample_weight, A.shape[0], number, metric)


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
    ``reset_state`` would otherwise meet variables that do not exist yet). The variables of
    ``add_variable`` keep their initializer's values until the first reset, as Keras's."""

    def __call__(cls, *args, **kwargs):
        metric = super().__call__(*args, **kwargs)
        variables = metric.__dict__.get("_variables", ())
        initial = [variable.numpy() for variable in variables]
        metric.reset_state()
        for variable, value in zip(variables, initial):
            variable.assign(value)
        return metric

    @property
    def __signature__(cls):
        """``__init__``'s arguments, which ``help()`` and ``inspect.signature`` would
        otherwise take from the ``__call__`` above: ``(*args, **kwargs)``."""
        init = inspect.signature(cls.__init__)
        return init.replace(parameters=list(init.parameters.values())[1:])


def _cannot_feed_the_mean(cls):
    """Whether ``cls`` is a user's subclass of Metric itself with its own ``update_state`` that the base's
    ``result`` (total / count) cannot read: no code of the user's classes names ``total``, ``count``,
    ``_accumulate`` or ``update_state`` (super's), and none defines ``result`` or ``values`` (Keras's
    metric with ``add_variable`` state and no result). glassnet's metrics' results go with their state."""
    ours = [k for k in cls.__mro__ if k.__module__.split(".")[0] == "glassnet"]
    mine = [k for k in cls.__mro__ if k.__module__.split(".")[0] not in ("glassnet", "builtins")]
    if ours[0] is not Metric or cls.update_state is Metric.update_state:
        return False
    if any("result" in vars(k) or "values" in vars(k) for k in mine):
        return False
    names = {n for k in mine for f in vars(k).values() for n in getattr(getattr(f, "__code__", None), "co_names", ())}
    return not names & {"total", "count", "_accumulate", "update_state"}


class Metric(Configurable, metaclass=_ResetAfterInit):
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
        from .. import initializers  # metrics are imported before the layers' initializers need them

        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {_AGGREGATIONS}. Received: aggregation={aggregation!r}")
        dtype = np.dtype(dtype or self.dtype or "float64")
        # a count may be an integer or bool (Keras's "int32" total_samples): the initializers draw floats, cast
        value = initializers.get("zeros" if initializer is None else initializer)(
            shape, dtype=dtype.name if dtype.kind == "f" else "float64")
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
        """The metric's state, as Keras's ``metric.variables``: the variables of :meth:`add_variable`, in their
        order, for a metric that makes them; else, for glassnet's own metrics (which count in NumPy, in float64;
        the IoU metrics in their dtype), a snapshot of their state, in its dtype, as read-only :class:`Variable`
        objects named and shaped as Keras's (:meth:`_state`:
        ``total`` and ``count`` of a mean, ``true_positives``... of ``AUC``, ``Precision``, ``Recall``): reading
        them reads the counts, changing them changes nothing (``assign`` raises; :meth:`reset_state` starts
        again). A subclass of the user's that counts in its own ``update_state`` without ``add_variable`` has
        none, as in Keras."""
        own = self.__dict__.get("_variables")
        if own:
            return list(own)
        if not type(self).update_state.__module__.startswith(__package__ + "."):
            return []  # (its own update_state: glassnet cannot know its state)
        snapshot = []
        for name, value in self._state().items():
            array = np.array(value, dtype=getattr(value, "dtype", np.float64))  # a copy, in the state's dtype
            array.flags.writeable = False
            snapshot.append(Variable(array, name=name))
        return snapshot

    def _state(self):
        """``{name: value}`` of the state :attr:`variables` shows, as Keras's metric names its variables: a
        running mean's ``total`` and ``count``; the metrics that count otherwise override it."""
        return {"total": self.total, "count": self.count}

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
        return type(self).__module__.rpartition(".")[0] == __package__  # (MeanMetricWrapper says False)

    @property
    def _user_state(self):
        """Whether this is a ``Metric`` subclass of the user's, whose ``update_state`` may keep the arrays
        it is given or average each batch (glassnet's own metrics and a function's MeanMetricWrapper
        do neither): it gets arrays of its own in fit, and evaluation reads Keras's batches for it."""
        return not self.builtin

    def reset_state(self):
        """Start again: the mean's total and count 0, every variable zeros (Keras's). A subclass's own
        variables named ``total`` and ``count`` (Keras's ``Mean`` is written so) stay its variables: they
        were replaced by 0.0, and its ``assign_add`` failed."""
        for name in ("total", "count"):
            if not isinstance(self.__dict__.get(name), Variable):
                setattr(self, name, 0.0)
        for variable in self.__dict__.get("_variables", ()):
            variable.assign(0)

    def values(self, Y, A):
        """Per-sample values, shape ``(n,)``."""
        raise NotImplementedError(f"{type(self).__name__} defines neither update_state(self, y_true, y_pred, "
                                  "sample_weight=None) nor values(self, Y, A): a Metric subclass defines "
                                  "update_state and result (as Keras's), or values, per-sample values (n,) that "
                                  "the base averages.")

    #: per-output values ``(rows, k)`` whose mean over the outputs is :meth:`values`, for the metrics whose
    #: Keras function gives one value per element (binary_accuracy, accuracy, RMSE's squared error): those
    #: take weights per element too (None: one value per sample, as Keras's other metrics)
    _elements = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add a batch: targets ``y_true`` and outputs ``y_pred`` (Keras's names); outputs
        ``(n, m, k)`` (sequences) count each sample once, with the mean over its ``m`` positions,
        whatever ``m`` is in each batch, as Keras's: weights ``(n,)`` or per position ``(n, m)``
        (:meth:`_accumulate`); a metric with :attr:`_elements` also takes weights per element, as Keras's
        Mean of element-wise values: ``Σ_i mean_k(w_ik v_ik) / Σ_i mean_k(w_ik)``. As Keras's, 1-D targets
        and outputs are one sample (a row) unless :attr:`_elements` (then one value per element),
        and a number ``sample_weight`` weighs the batch's mean once."""
        if sample_weight is not None and self._elements is not None:
            sample_weight = _weight_list(sample_weight)
        if (sample_weight is not None and self._elements is not None and np.ndim(sample_weight) >= 2
                and np.shape(sample_weight)[-1] != 1):
            w = _output_weights(sample_weight, y_true, y_pred, signed=True)
            Y, A, _ = _align(y_true, y_pred, None, positions=True)
            # in the outputs' shape, (n, m, k) for sequences, so that each sample counts once, as Keras's
            v, w = _samplewise(self._elements(Y, A).reshape(w.shape), w, np.mean)
            self.total += float(np.sum(v))
            self.count += float(np.sum(w))
            return
        # an element-wise metric's 1-D pair stays a column: Keras's Mean counts each element
        Y, A, sample_weight = _align(y_true, y_pred, sample_weight, positions=True, row=self._elements is None,
                                     number=True)
        self._accumulate(self.values(Y, A), sample_weight)

    def _accumulate(self, v, sample_weight):
        """Add per-sample values ``v`` ``(n,)`` with their weights ``(n,)``, one number (0-d) or None; or
        a sequence's values per position ``(n·m,)`` with the weights of :func:`_positions`, ``(n, 1)``
        or ``(n, m)``: each sample counts once, ``mean_j(w_ij v_ij)`` of weight ``mean_j(w_ij)``, as Keras's."""
        if sample_weight is None:
            self.total += float(v.sum())
            self.count += v.shape[0]
        elif sample_weight.ndim == 0:
            # Keras's Mean reduces the values to the weight's rank: the batch's mean counts once, with
            # weight w (w·n, as each sample weighed w, made a batch of 2 count as much as 5 unweighted ones)
            if v.shape[0]:  # (an empty batch adds nothing, where Keras's mean of nothing made the result NaN)
                self.total += float(sample_weight) * float(np.mean(v))
                self.count += float(sample_weight)
        elif sample_weight.ndim == 2:
            if v.shape[0]:  # (a batch of no positions adds nothing, as the number's above)
                v = v.reshape(sample_weight.shape[0], -1)
                if sample_weight.shape[1] == 1:  # Keras's order: the sample's mean, then times its weight
                    v, sample_weight = v.mean(axis=1) * sample_weight[:, 0], sample_weight[:, 0]
                else:
                    v, sample_weight = (v * sample_weight).mean(axis=1), sample_weight.mean(axis=1)
                self.total += float(np.sum(v))
                self.count += float(np.sum(sample_weight))
        else:
            self.total += float(np.dot(v, sample_weight))
            self.count += float(np.sum(sample_weight))

    def result(self):
        """The metric's value over the batches added since the last reset (here the mean
        ``total / count``, 0.0 before any; each metric computes its own)."""
        if not self.count and not self.total and _cannot_feed_the_mean(type(self)):
            # (a user's update_state without result logged this base's 0.0 every epoch; Keras raises)
            raise NotImplementedError(f"{type(self).__name__} defines update_state but not result(): define "
                                      "result(self), which returns the value of the batches added so far.")
        return self.total / self.count if self.count else 0.0

    def get_config(self):
        """The constructor's arguments (a model file stores them with the class name)."""
        return {"name": self.name} if self.dtype is None else {"name": self.name, "dtype": self.dtype}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _NameFirst(Metric):
    """A built-in metric that takes Keras's ``(name, dtype)``, where the base ``Metric``
    takes Keras's ``(dtype, name)``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)


def _class_labels(labels, k):
    """``labels`` (y_true's, any shape), each an integer class of ``k`` outputs, or the ValueError."""
    if not np.all((labels >= 0) & (labels < k) & (labels == np.round(labels))):
        raise ValueError(f"y_true must hold integer labels 0..{k - 1} for {k} outputs.")
    return labels


def _samplewise(values, sample_weight, reduce):
    """Keras's ``reduce_to_samplewise_values``: ``(v, w)`` with ``values`` reduced (``reduce``:
    ``np.mean`` or ``np.sum``) to one value per sample, times its weight; the weights broadcast
    to the values' shape and reduced alike (a number ``w`` weighs the batch's reduced value)."""
    v = _numbers(values, "values")
    if sample_weight is not None:
        w = _checked_weights(sample_weight, signed=True)  # (NaN and inf were counted: Mean's, Sum's)
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


def _output_weights(sample_weight, y_true, y_pred, class_id=None, signed=False, metric=None):
    """``sample_weight`` broadcast to every output, as Keras's confusion metrics (``update_confusion_matrix_
    variables``) take it, or None: a number, one weight per sample ``(n,)`` or ``(n, 1)``, or per element,
    of the targets' rank (``(n, k)`` for ``(n, k)`` targets, ``(n, m)`` or ``(n, m, k)`` for sequences) or
    one less, broadcastable to them; with ``class_id`` to that one output (``(n, k)`` weights are refused,
    as Keras's). Sequence outputs also take ``(n,)``, one per sample (Keras's broadcast refuses them).
    The result has ``y_pred``'s number of elements: :func:`_rows_of` lays it out as the rows of ``A``.
    ``signed``: negative weights taken (a running mean's per-element weights), else refused (the counts),
    naming ``metric``."""
    w = _checked_weights(sample_weight, signed, metric)
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


def _same_rank(Y, A):
    """Keras's ``squeeze_or_expand_to_same_rank``: where the ranks differ by one and the longer
    ends in an axis of 1, a vector ``(n,)`` gains that axis (``(n, 1)``), else the longer loses it."""
    if Y.ndim == A.ndim + 1 and Y.shape[-1] == 1:
        return (Y, A[..., None]) if A.ndim == 1 else (Y[..., 0], A)
    if A.ndim == Y.ndim + 1 and A.shape[-1] == 1:
        return (Y[..., None], A) if Y.ndim == 1 else (Y, A[..., 0])
    return Y, A
