"""Metrics of values rather than of targets and outputs, as Keras's ``reduction_metrics``: :class:`Mean`
and :class:`Sum` of the values given, and :class:`MeanMetricWrapper`, the mean of a function's
values (how a function ``fn(y_true, y_pred)`` given to ``compile`` is counted)."""

import copy

import numpy as np

from .. import _custom_objects, losses as _losses
from .base import Metric, _NameFirst, _numbers, _samplewise, _weight_list, _weights


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

    def _state(self):
        return {"total": self.total}  # (Keras's Sum has no count)

    def result(self):
        return self.total


class MeanMetricWrapper(Metric):
    """A function ``fn(y_true, y_pred)`` as a metric (as Keras): the mean of its
    values over the epoch. ``fn`` returns one value per sample (shape ``(n,)``,
    or ``(n, k)``, averaged over the last axis) or one number for the batch
    (weighted by the batch size). ``y_true`` arrives as the caller gave it to
    ``fit``/``evaluate`` (as Keras): integer labels stay labels under
    ``sparse_categorical_crossentropy``, 0/1 labels stay 0/1 under ``hinge``.
    Called directly, it gets what it is given. Further keyword arguments are passed
    to ``fn`` at each call, as Keras's ``MeanMetricWrapper(fn, name, dtype, **kwargs)``.
    Its name is ``fn``'s by default (Keras's is ``mean_metric_wrapper``); its config holds
    ``fn`` as Keras writes it (:meth:`get_config`)."""

    _fn_kwargs = {}  # (never changed in place; a metric pickled before it existed reads this one)
    builtin = False  # the targets as the caller gave them, a function's as Keras's (see Metric.builtin)
    _user_state = False  # fn's values are taken at once: nothing kept, nothing averaged per batch
    _one_number = None  # whether fn returned one number for the batch (None: not called yet)

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
        sample_weight = _weight_list(sample_weight)  # (a ragged list named)
        if np.ndim(sample_weight) > 2 or np.ndim(sample_weight) == 2 and np.shape(sample_weight)[-1] != 1:
            # weights per element, as Keras's Mean: they fit a function's element-wise values (n, k) only, or
            # per position of its sequence values (n, m), (n, m, 1) too (Keras squeezes the trailing 1)
            v, w = _samplewise(self._raw(Y, A, weighted=True), sample_weight, np.mean)
            self.total += float(np.sum(v))
            self.count += float(np.sum(w))
            return
        w = _weights(sample_weight, A.shape[0], number=True)
        self._accumulate(self.values(Y, A, weighted=w is not None), w)

    def get_config(self):
        """Keras's: ``name``, ``dtype``, ``fn`` and the keyword arguments for ``fn``. ``fn`` is written as
        Keras writes a function, ``{"class_name": "function", "config": name, ...}`` (a registered one by
        its registered name), or a loss object as :func:`glassnet.losses.serialize` writes it; only a
        built-in or registered function can be read back (:meth:`from_config`), as in Keras."""
        return {**super().get_config(), "fn": _function_config(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        """The inverse of :meth:`get_config`: ``fn`` a built-in function of glassnet's metrics or losses
        (Keras's names), a registered one, or a loss's config; any other name is refused."""
        if isinstance(config, dict) and isinstance(config.get("fn"), (dict, str)):
            config = {**config, "fn": _function_of(config["fn"])}
        return super().from_config(config)

    def __repr__(self):
        fn = getattr(self.fn, "__name__", None) or repr(self.fn)
        rest = {key: value for key, value in self.get_config().items() if key != "fn"}
        return f"MeanMetricWrapper(fn={fn}, {', '.join(f'{k}={v!r}' for k, v in rest.items())})"

    def _raw(self, Y, A, weighted=False):
        """``fn``'s values as it returns them, one per sample or more (Keras's element-wise ones); a glassnet loss
        that is a batch mean, counted without weights, gives its per-sample values: their mean is its figure
        whatever the batches (with weights, Keras weighs each batch's mean by the batch's weights)."""
        fn = self.fn
        if isinstance(fn, _losses.Loss) and not (weighted or self._fn_kwargs or fn._depends_on_batching()):
            fn = self._per_sample(fn)
        v = np.asarray(fn(Y, A, **self._fn_kwargs), dtype=np.float64)
        self._one_number = v.ndim == 0  # (then its figure depends on the batches)
        if v.ndim and v.shape[0] != Y.shape[0]:
            raise ValueError(f"Metric {self.name!r} returned an array of shape {v.shape}; expected one number "
                             f"or one value per sample ({Y.shape[0]},).")
        return v

    def _per_sample(self, loss):
        """A copy of the loss ``loss`` of reduction "none", made once (``_raw`` runs at every batch)."""
        kept = self.__dict__.get("_per_sample_loss")
        if kept is None or kept[0] is not loss:
            copied = copy.copy(loss)
            copied.reduction = "none"
            kept = self._per_sample_loss = (loss, copied)
        return kept[1]

    def values(self, Y, A, weighted=False):
        v, n = self._raw(Y, A, weighted), Y.shape[0]
        if v.ndim == 0:
            return np.full(n, float(v))
        return v.reshape(n, -1).mean(axis=1)


def _function_config(fn):
    """``fn`` as Keras's ``MeanMetricWrapper.get_config`` writes it: a function by its registered name, else
    by its own (as Keras writes an unregistered one, which only a loader that knows it can read); a loss
    object by its class and settings (a function's loss, ``FunctionLoss``, as its function)."""
    fn = fn.function if isinstance(fn, _losses.FunctionLoss) else fn
    if isinstance(fn, _losses.Loss):
        return _losses.serialize(fn)
    return _custom_objects.function_config(fn)


def _function_of(config):
    """The function (or loss) a config of :func:`_function_config` names: one of Keras's metric or loss
    functions by name, a registered function, or a built-in loss's config; a name no known function has
    is refused (a file names no arbitrary code)."""
    from . import FUNCTIONS, UNNAMED_FUNCTIONS  # (the package's tables, made after this module is imported)

    if isinstance(config, str):
        config = {"class_name": "function", "config": config}
    builtins = {name: fn for table in (FUNCTIONS, UNNAMED_FUNCTIONS, _losses.FUNCTIONS) for fn, name in table.items()}
    function = _custom_objects.find_function(config, builtins)
    return function if function is not None else _losses.deserialize(config)
