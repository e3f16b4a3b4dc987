"""The metrics compiled into a :class:`~glassnet.models.Sequential`: ``compile``'s ``metrics`` and
``weighted_metrics`` checked (:func:`_metric_list`, Keras's per-output forms of one output), then made into
:class:`~glassnet.metrics.Metric` objects once the output size is known (``"accuracy"`` resolved for the
loss, named as Keras names them: ``val_AUC``, ``auc_1``, ``weighted_<name>``).

:class:`CompiledMetrics` is the part of ``Sequential`` that makes and resets them; ``compile`` stores what
it was given, and fit and evaluate (:mod:`glassnet.models.training`, :mod:`glassnet.models.inference`)
update them.
"""

import copy
import math
import numbers

import numpy as np

from .. import metrics as metrics_module
from .._registry import from_keras
from .._validation import _scalar
from ..backend import to_numpy
from ..layers._config import snake_case


class CompiledMetrics:
    """Sequential's compiled metrics: made from compile's arguments, named, reset."""

    def _one_output(self, metrics, argument):
        """Keras's per-output forms for a model of one output: ``[["accuracy"]]`` (a list per
        output) and ``{"output_name": ...}`` (by :meth:`_output_names`) are its metrics (or, with
        ``argument="loss"``, a dict by name its loss). A list per output of several outputs is refused
        by its count (Keras 3.15 takes the second list silently, merged into the first output's)."""
        if isinstance(metrics, (list, tuple)) and any(isinstance(m, (list, tuple)) for m in metrics):
            if len(metrics) != 1:
                _refuse_outputs(argument, metrics)
            return metrics[0]
        if isinstance(metrics, dict):
            output, last = self._output_names()
            if len(metrics) != 1 or next(iter(metrics)) not in (output, last):
                value, plain = {"loss": ("'mse'", "the loss itself"), "loss_weights": ("w", "the number itself")}.get(
                    argument, ("[...]", "a plain list"))
                which = "its last layer" if output == last else "the model it ends with"
                raise ValueError(f"{argument} given per output must name this model's one output, {which} "
                                 f"{output!r}: {{{output!r}: {value}}}, or be {plain}. Received: "
                                 f"{argument}={metrics!r:.200}")
            given = next(iter(metrics.values()))
            if given is None and argument in ("metrics", "weighted_metrics"):  # as [None] (Keras refuses both)
                raise TypeError(f"{argument} must be names, Metric objects or functions fn(y_true, y_pred). "
                                f"Received: {argument}={metrics!r:.200}")
            return given
        return metrics

    def _one_loss(self, loss, argument="loss"):
        """Keras's per-output forms of ``compile(loss=...)`` for a model of one output: ``[loss]`` (a
        loss per output) and ``{"output_name": loss}`` (not a serialized loss ``{"class_name": ...}``)
        are its loss; a list of several is refused by its count (Keras 3.15 takes ``["mse", "mae"]``
        silently, and logs an ``out_loss`` of 0). ``argument``: the setting read (``"loss_weights"``)."""
        if isinstance(loss, (list, tuple)):
            if len(loss) != 1:
                _refuse_outputs(argument, loss)
            return loss[0]
        if isinstance(loss, dict) and "class_name" not in loss:  # by the output's name (not a serialized loss)
            return self._one_output(loss, argument)
        return loss

    def _new_metrics(self, fresh=True):
        """The compiled metrics, then the weighted ones (``metric.weighted``); ``fresh``:
        a Metric object the user passed is copied, so that evaluation never mixes its
        state with training's."""
        resolved = []
        ignored = getattr(self.loss, "ignore_class", None)
        units = self._layers[-1].output_shape[-1]  # per position, for outputs (n, ..., k): k classes, as Keras reads them
        zero_rows = ignored is not None and not 0 <= ignored < units  # see SparseCategoricalAccuracy
        sparse = (metrics_module.SparseCategoricalAccuracy, metrics_module.SparseTopKCategoricalAccuracy)
        for weighted, ids in ((False, self._metric_ids), (True, getattr(self, "_weighted_metric_ids", []))):
            for m in ids:
                metric = metrics_module.get(m, loss=self.loss, n_outputs=units)
                if isinstance(m, str):  # as Keras's compile: logged under the string given (val_AUC, not val_auc)
                    metric.name = m
                elif isinstance(metric, metrics_module.MeanMetricWrapper) and metric.fn is m:
                    # a function of the user's, named as Keras's compile names it: myMetric is my_metric, a lambda
                    # "lambda" (it was "<lambda>" in the logs, History and the CSV file)
                    # (Keras's get_object_name: an object's name, else the function's or class's, snake-cased)
                    name = getattr(m, "name", None)
                    metric.name = name if isinstance(name, str) else snake_case(
                        getattr(m, "__name__", None) or type(m).__name__)
                if metric is m and (fresh or weighted and any(other is m for other in self._metric_ids)):
                    # (weighted: the object given in both lists counts twice, once with the weights; given in
                    # weighted_metrics alone, it is the one that counts, as Keras's)
                    metric = _copy(m)
                metric.weighted = weighted
                if isinstance(metric, sparse):
                    metric._zero_rows = zero_rows
                names = {other.name for other in resolved}
                if weighted and metric.name in names:
                    metric.name = f"weighted_{metric.name}"
                if metric.name in names:  # two AUC(): auc and auc_1, as Keras names them
                    base, k = metric.name, 1
                    while f"{base}_{k}" in names:
                        k += 1
                    metric.name = f"{base}_{k}"
                resolved.append(metric)
        return resolved

    def _depends_on_batching(self):
        """Whether evaluation's figures may depend on its batches, so that it reads them in Keras's
        (fit's ``batch_size`` for validation, 32 for ``evaluate``) rather than in 1,024-row chunks:
        the loss's (a reduction, Dice), or a ``Metric`` subclass of the user's, whose ``update_state``
        may average each batch, as a Keras metric may (0.78 was logged where Keras read 0.74), or a function
        that returned one number for a batch (d2l's log RMSE), as far as the compiled metrics have seen it:
        in fit's training, before its validation (:meth:`evaluate` tries each function on Keras's first batch:
        ``inference._update_metrics``)."""
        return self.loss._depends_on_batching() or any(
            m._user_state or getattr(m, "_one_number", False) for m in getattr(self, "metrics", ()))

    def _resolve_metrics(self):
        self.metrics = self._new_metrics(fresh=False)

    @property
    def metrics_names(self):
        return ["loss"] + [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset the state of every compiled metric (as Keras)."""
        for m in self.metrics:
            m.reset_state()
        self._metrics_result = None

    def get_metrics_result(self):
        """Keras's ``model.get_metrics_result()``: ``{"loss": value, metric name: value, ...}``, the loss then
        the compiled metrics (``metrics_names``' order), as the last ``fit``, ``evaluate``, ``train_on_batch`` or
        ``test_on_batch`` left them: fit's last epoch, or with validation its last validation's (Keras's
        evaluation counts in the compiled metrics, and so leaves its values in them). Floats (an array for a
        metric of one value per class), as the logs hold them. After :meth:`reset_metrics`, the fresh state:
        the loss 0.0 and each metric's ``result()`` (0.0). As Keras 3.15's: a model compiled with metrics
        raises a ValueError until one of those runs has counted in them (after ``compile``, ``load_model``, a
        ``predict``: its compiled metrics are not built yet), one compiled without gives ``{"loss": 0.0}``, and
        an uncompiled model ``{}``."""
        if not getattr(self, "compiled", False):
            return {}
        if ((self._metric_ids or getattr(self, "_weighted_metric_ids", None))
                and getattr(self, "_metrics_counted", None) is not self.metrics):
            raise ValueError("Cannot get result() since the metric has not yet been built (Keras's words): "
                             "get_metrics_result() gives the compiled metrics' values once fit, evaluate, "
                             "train_on_batch or test_on_batch has counted in them since compile.")
        kept = getattr(self, "_metrics_result", None)
        if kept is None or kept[0] is not self.metrics:  # (another compile made other metrics since)
            return {"loss": 0.0, **{m.name: _value(m.result()) for m in self.metrics}}
        return dict(kept[1])

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Keras 3's ``compute_metrics`` (what its custom ``train_step`` calls, here for your own training
        loop): the compiled metrics updated with the targets ``y`` against the outputs ``y_pred`` (the
        ``weighted_metrics`` with ``sample_weight``), read as ``evaluate`` reads targets; returns
        :meth:`get_metrics_result`, the loss as the last run left it (0.0 after compile). ``x`` is unused,
        as in Keras's."""
        from .._validation import on_host
        from .inference import _update_metrics

        self._require_compiled("compute_metrics")
        if y is None or y_pred is None:
            raise TypeError("compute_metrics takes Keras 3's (x, y, y_pred, sample_weight): pass the targets and "
                            f"the model's outputs. Received: {'y' if y is None else 'y_pred'}=None")
        self._ensure_built()
        A = np.asarray(on_host(y_pred, "y_pred"))
        out = tuple(self._layers[-1].output_shape) if self.built else None
        if A.ndim < 1 or (out is not None and tuple(A.shape[1:]) != out):
            raise ValueError(f"y_pred must hold the model's outputs, of shape (n, {', '.join(map(str, out or ()))}). "
                             f"Received shape {A.shape}.")
        if A.dtype.kind != "f":
            A = A.astype(self.dtype)
        if not self.metrics and (self._metric_ids or getattr(self, "_weighted_metric_ids", None)):
            self._resolve_metrics()
        with self._keeping_target_encoding():
            Y = self._check_y(self._given_targets(y, "y", A.shape[0]), A.shape[0], "y", scoring=True)
            w = self._check_sample_weight(sample_weight, A.shape[0])
            _update_metrics(self, self.metrics, Y, A, w)
        kept = getattr(self, "_metrics_result", None)
        loss = kept[1].get("loss", 0.0) if kept is not None and kept[0] is self.metrics else 0.0
        self._metrics_result = (self.metrics, {"loss": loss, **{m.name: _value(m.result()) for m in self.metrics}})
        self._metrics_counted = self.metrics
        return self.get_metrics_result()

    def _keep_metrics_result(self, logs, validation=False):
        """Keep the loss and metrics of ``logs`` for :meth:`get_metrics_result`: those of ``evaluate``,
        ``train_on_batch``, ``test_on_batch``, or (``validation=True``) fit's last epoch, whose ``val_*``
        figures, where it was validated, are what Keras's compiled metrics hold after fit. Other entries a
        callback logs (a learning rate) are no metrics."""
        if validation and "val_loss" in logs:
            logs = {name[4:]: value for name, value in logs.items() if name.startswith("val_")}
        names = ["loss", *(m.name for m in self.metrics)]
        self._metrics_result = (self.metrics, {name: logs[name] for name in names if name in logs})
        self._metrics_counted = self.metrics  # (Keras's compiled metrics are built: reset_metrics keeps them so)


def _value(result):
    """A metric's ``result()`` as the logs hold it: a float, or an array (one value per class)."""
    value = np.asarray(to_numpy(result))
    return float(value) if value.ndim == 0 else value.astype(np.float64)


def _loss_weight(weight, given):
    """Keras's ``loss_weights`` for the one output, ``weight`` (read from its per-output forms ``[w]``,
    ``(w,)``, ``{"out": w}``; ``given``: as compile got it), as a finite float: the loss is ``w J`` (the
    penalties are not weighted), as Keras's. As Keras, 0 trains on the penalties alone and a negative weight
    ascends the loss; NaN and inf are refused, where Keras takes them (and trains to NaN weights)."""
    weight = _scalar(weight)
    if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real):
        raise TypeError("loss_weights must be a number, the weight of the one output's loss (or Keras's per-output "
                        f"[w] or {{'<output name>': w}}). Received: loss_weights={given!r:.200}")
    try:
        weight = float(weight)
    except OverflowError:  # an integer past the float range
        weight = math.inf
    if not math.isfinite(weight):
        raise ValueError("loss_weights must be a finite number, the weight that multiplies the one output's "
                         f"loss and its gradient (not the penalties). Received: loss_weights={given!r:.200}")
    return weight


def _refuse_outputs(argument, given):
    """The error for Keras's per-output form of ``argument`` with a count other than one."""
    raise ValueError(f"glassnet models have one output; {argument} has {len(given)} entries, one per output "
                     f"(Keras's per-output list), where it takes one. Received: {argument}={given!r:.200}")


def _copy(metric):
    """A fresh copy of a ``Metric`` object: a deep copy, else (a metric holding a lock, a file) one made
    from its ``get_config()``, as Keras's ``from_config``, else the object itself; its state reset."""
    try:
        fresh = copy.deepcopy(metric)
    except Exception:  # noqa: BLE001 -- whatever cannot be copied ("cannot pickle '_thread.lock' object")
        try:
            fresh = type(metric).from_config(metric.get_config())
        except Exception:  # noqa: BLE001 -- a config that does not rebuild it: the object, reset
            fresh = metric
    fresh.reset_state()
    return fresh


def _names_metrics(value):
    """Whether compile's third argument names metrics (glassnet's older order) rather than
    Keras's ``loss_weights`` (numbers: a list, a dict by output, or one)."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
    # (a list in it names metrics per output, [["mae"]], unless it holds numbers only: Keras's [[0.5]] weighs)
    return any(_names_metrics(v) if isinstance(v, (list, tuple)) else
               isinstance(v, (str, metrics_module.Metric)) or callable(v) for v in items)


def _metric_list(metrics, argument):
    """``metrics``/``weighted_metrics`` of compile as a checked list; "accuracy" is
    resolved later, once the output size is known."""
    if metrics is None:
        return []
    if isinstance(metrics, (str, metrics_module.Metric)) or callable(metrics):
        metrics = [metrics]
    elif not isinstance(metrics, (list, tuple)):
        raise TypeError(
            f"{argument} must be a name, a Metric, a function fn(y_true, y_pred) or a list of them. "
            f"Received: {argument}={metrics!r}"
        )
    for m in metrics:
        if isinstance(m, str):
            if m.lower() not in ("accuracy", "acc"):
                metrics_module.get(m)
        elif from_keras(m):
            metrics_module.get(m)  # refused at compile, naming glassnet's class of that name
        elif not (isinstance(m, metrics_module.Metric) or callable(m)):
            raise TypeError(f"{argument} must be names, Metric objects or functions fn(y_true, y_pred). "
                            f"Received: {m!r}")
        values_only = (metrics_module.Mean, metrics_module.Sum)
        if isinstance(m, values_only) or isinstance(m, type) and issubclass(m, values_only):
            raise TypeError(f"{argument}: {getattr(m, '__name__', type(m).__name__)} takes values "
                            "(update_state(values, sample_weight)), not targets and outputs: a model's metric is "
                            "a function fn(y_true, y_pred) or a Metric of them (MeanMetricWrapper(fn) averages fn).")
    return list(metrics)
