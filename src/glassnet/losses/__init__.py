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

The package, one concept per module (as Keras's ``keras/src/losses/``): ``base`` (the :class:`Loss`
base, the reductions, :func:`output_delta` and the checks of targets and outputs the families share),
``regression`` (the squared, absolute, percentage and logarithmic errors, Huber, log-cosh, the cosine
similarity), ``probabilistic`` (Poisson, KL divergence and the cross-entropies), ``focal`` (the focal
cross-entropies), ``hinge`` (the hinge and margin losses, the perceptron criterion, the logistic loss,
the negative log-likelihood), ``overlap`` (Dice, Tversky), ``circle`` (the Circle loss) and
``functions`` (Keras's loss functions and :class:`FunctionLoss`). This module keeps the registry
(:func:`get`, :func:`serialize`, :func:`deserialize`, the names) and every public name of the single
module it was (``glassnet.losses.Huber`` is the class that pickles made before name), with the private
ones used elsewhere (``_check_reduces``, ``_SignedLabelLoss``, ``_Overlap``) and the private bases a
user's loss may subclass.
"""

import types

from .. import _custom_objects
from .._registry import from_config, lookup, to_config
from .base import (EPSILON, REDUCTION, REDUCTIONS, _HOW_TO_SUBCLASS, _NEEDS_GRADIENT, Loss,  # noqa: F401
                   _check_reduces, output_delta)
from .circle import Circle
from .focal import BinaryFocalCrossentropy, CategoricalFocalCrossentropy
from .functions import (FunctionLoss, binary_crossentropy, binary_focal_crossentropy,  # noqa: F401 (mse, ...)
                        categorical_crossentropy, categorical_focal_crossentropy, categorical_generalized_cross_entropy,
                        categorical_hinge, circle, cosine_similarity, dice, hinge, huber, kl_divergence, log_cosh, mae,
                        mape, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                        mean_squared_logarithmic_error, mse, msle, poisson, sparse_categorical_crossentropy,
                        squared_hinge, tversky)
from .hinge import (CategoricalHinge, Hinge, LogLoss, MaxMargin, MulticlassHinge, NegativeLogLikelihood,  # noqa: F401
                    PerceptronLoss, SquaredHinge, _CategoricalTargets, _SignedLabelLoss)
from .overlap import Dice, Tversky, _Overlap  # noqa: F401
from .probabilistic import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalGeneralizedCrossEntropy,  # noqa: F401
                            KLDivergence, Poisson, SparseCategoricalCrossentropy, _Crossentropy)
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
                         MeanSquaredError, MeanSquaredLogarithmicError, SquaredError)


LOSSES = {
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "squared_error": SquaredError,
    "sum_squared_error": SquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "absolute_error": MeanAbsoluteError,  # (seed 001's "absolute error loss" 1/n Σ|y − ŷ|)
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


@_custom_objects.takes_custom_objects
def deserialize(config):
    """The loss a saved config names: a registered (or passed) function by its name; a name the user's
    objects define (``custom_objects={"mse": my_mse}``) is theirs, as in Keras; else a built-in."""
    function = (_custom_objects.find_function(config, {name: fn for fn, name in FUNCTIONS.items()})
                or _custom_objects.saved_name(config))
    if function is not None:
        return get(function)
    return get(config) if isinstance(config, str) else from_config(config, CLASSES, "loss")


# the public names (help(), ``from glassnet.losses import *``, type checkers): Keras's classes and functions,
# glassnet's own losses of the registry, the bases, get/serialize/deserialize (not the helpers imported above)
__all__ = [
    "Loss", "FunctionLoss",
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy", "CategoricalHinge", "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber",
    "KLDivergence", "LogCosh", "LogLoss", "MaxMargin", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "MulticlassHinge", "NegativeLogLikelihood", "PerceptronLoss",
    "Poisson", "SparseCategoricalCrossentropy", "SquaredError", "SquaredHinge", "Tversky",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle", "cosine_similarity", "dice", "hinge",
    "huber", "kl_divergence", "log_cosh", "mae", "mape", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "mse", "msle", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge", "tversky",
    "get", "serialize", "deserialize",
]
