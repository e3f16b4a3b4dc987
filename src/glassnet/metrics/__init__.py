"""Metrics (SPEC A8), streamed over batches as Keras does.

A metric has ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``
and ``reset_state()``; the model resets it each epoch; ``metric(y_true, y_pred)``
updates it and returns the result, as Keras. Inside, ``Y`` and ``A`` are the
prepared targets and the outputs, both ``(n, n_outputs)``. A subclass may keep its
state in variables from :meth:`Metric.add_variable`, as Keras's do.
Plain functions :func:`accuracy_score` and :func:`confusion_matrix` work on
label arrays.

The package, one concept per module (as Keras's ``keras/src/metrics/``): ``base`` (the
:class:`Metric` base, :class:`Variable`, and the input and weight checks the families share),
``accuracy`` (the accuracies and Keras's accuracy functions), ``regression`` (the mean squared and
absolute errors, RMSE, R2Score), ``loss_means`` (the losses' means over the epoch: the
cross-entropies, hinges, MAPE, ...), ``reduction`` (Mean, Sum, MeanMetricWrapper), ``correlation``
(Pearson's and Lin's), ``confusion`` (Precision, Recall, the four confusion counts and their
threshold counting), ``curves`` (AUC and the X-at-Y metrics), ``f_score`` (FBetaScore, F1Score),
``iou`` (the IoU metrics) and ``labels`` (accuracy_score, confusion_matrix). This module keeps the
registry (:func:`get`, :func:`serialize`, :func:`deserialize`, the names) and every name of the
single module it was: ``glassnet.metrics.AUC`` is the class that pickles made before name.
"""

import types

from .. import _custom_objects, losses as _losses
from ..losses import (  # Keras's losses functions are its metrics functions too
    binary_crossentropy,
    binary_focal_crossentropy,  # (keras.metrics.binary_focal_crossentropy; compiled: its mean)
    categorical_crossentropy,
    categorical_focal_crossentropy,  # (keras.metrics.categorical_focal_crossentropy)
    categorical_hinge,
    hinge,
    huber,  # (keras.metrics.huber)
    kl_divergence,
    log_cosh,  # (keras.metrics.log_cosh)
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from .._registry import from_config, from_keras, has_name, lookup, to_config
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, binary_accuracy, categorical_accuracy,
                       sparse_categorical_accuracy, sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .base import Metric, Variable  # noqa: F401 (Variable: in the pickles of a metric with add_variable state)
from .confusion import FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
from .correlation import ConcordanceCorrelation, PearsonCorrelation, concordance_correlation, pearson_correlation
from .curves import (AUC, MAX_THRESHOLDS, PrecisionAtRecall, RecallAtPrecision,  # noqa: F401 (MAX_THRESHOLDS: public)
                     SensitivityAtSpecificity, SpecificityAtSensitivity)
from .f_score import F1Score, FBetaScore
from .iou import MAX_IOU_CLASSES, BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU  # noqa: F401 (MAX_IOU_CLASSES: public)
from .labels import accuracy_score, confusion_matrix  # noqa: F401 (glassnet.metrics.confusion_matrix)
from .loss_means import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
                         KLDivergence, LogCoshError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Poisson,
                         SparseCategoricalCrossentropy, SquaredHinge)
from .reduction import Mean, MeanMetricWrapper, Sum
from .regression import MeanAbsoluteError, MeanSquaredError, R2Score, RootMeanSquaredError


#: Keras's names of the metrics that need an argument: its get fails on them, and glassnet's says which
NEED_ARGUMENT = {cls.name: cls for cls in (PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
                                           SpecificityAtSensitivity)}


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
#: each function -> the name of its metric
FUNCTIONS = {fn: fn.__name__ for fn in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    hinge, squared_hinge, categorical_hinge, poisson, kl_divergence, pearson_correlation, concordance_correlation)}


#: Keras's metric functions that have no metric name (Keras's get refuses "huber" too): a file holds them
#: as Keras writes them, ``{"class_name": "function", "config": name}``
UNNAMED_FUNCTIONS = {fn: fn.__name__ for fn in (
    binary_focal_crossentropy, categorical_focal_crossentropy, huber, log_cosh)}


def _function_name(identifier):
    return FUNCTIONS.get(identifier) if isinstance(identifier, types.FunctionType) else None


def function_config(fn):
    """Keras's config of one of its metric functions, as ``compile(metrics=[keras.metrics.binary_accuracy])``
    writes it in a .keras file; None for any other object."""
    if not isinstance(fn, types.FunctionType) or not (FUNCTIONS.get(fn) or UNNAMED_FUNCTIONS.get(fn)):
        return None
    return {"module": "builtins", "class_name": "function", "config": fn.__name__, "registered_name": "function"}


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
    if function_config(metric):  # one that get cannot read by name (huber): as Keras writes it
        return function_config(metric)
    if isinstance(metric, types.FunctionType):  # the user's: by its registered name, as Keras writes it
        config = _custom_objects.serialize_function(metric)
        if config is None:
            raise ValueError(f"Cannot save {_custom_objects.unregistered_function(metric, 'metric')}.")
        return config
    if isinstance(metric, type) and CLASSES.get(metric.__name__) is metric:  # compile(metrics=[Recall])
        metric = metric()
    return to_config(metric, CLASSES, "metric")


@_custom_objects.takes_custom_objects
def deserialize(config):
    """The inverse of :func:`serialize`: a built-in metric, or the user's function or class (registered,
    or passed in ``custom_objects``). As in Keras, a name the user's objects define
    (``custom_objects={"mse": my_mse}``) is theirs, not the built-in of that name."""
    builtins = {name: fn for table in (FUNCTIONS, UNNAMED_FUNCTIONS) for fn, name in table.items()}
    custom = _custom_objects.find_function(config, builtins) or _custom_objects.saved_name(config)
    if custom is not None:
        return custom
    if isinstance(config, str):
        return config
    return from_config(config, CLASSES, "metric")


# the public names (help(), ``from glassnet.metrics import *``, type checkers): Keras's classes and functions, the
# label functions, the documented limits, get/serialize/deserialize (not the helpers and modules imported above)
__all__ = [
    "Metric", "MeanMetricWrapper", "Mean", "Sum",
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU", "CategoricalAccuracy",
    "CategoricalCrossentropy", "CategoricalHinge", "ConcordanceCorrelation", "CosineSimilarity", "F1Score",
    "FBetaScore", "FalseNegatives", "FalsePositives", "Hinge", "IoU", "KLDivergence", "LogCoshError",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanIoU", "MeanSquaredError", "MeanSquaredLogarithmicError",
    "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Poisson", "Precision", "PrecisionAtRecall", "R2Score",
    "Recall", "RecallAtPrecision", "RootMeanSquaredError", "SensitivityAtSpecificity", "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy", "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity", "SquaredHinge",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives",
    "binary_accuracy", "binary_crossentropy", "binary_focal_crossentropy", "categorical_accuracy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "concordance_correlation",
    "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "pearson_correlation", "poisson",
    "sparse_categorical_accuracy", "sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy",
    "squared_hinge", "top_k_categorical_accuracy",
    "accuracy_score", "confusion_matrix", "MAX_THRESHOLDS", "MAX_IOU_CLASSES",
    "get", "serialize", "deserialize",
]
