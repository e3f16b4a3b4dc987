"""How a classifier's outputs become classes: the argmax, or for one output unit a cut midway
between the targets its loss trains towards. Shared by ``glassnet predict``/``evaluate`` and the
ONNX export's ``label`` output, so that both give each row the same class."""

import numpy as np

__all__ = ["decision_threshold", "predicted_classes"]


def predicted_classes(P, threshold=0.5):
    """Class index of each row of outputs: argmax, or ``p > threshold`` for one output unit
    (:func:`decision_threshold`)."""
    return np.argmax(P, axis=1) if P.shape[1] > 1 else (P[:, 0] > threshold).astype(np.int64)


#: output activations around 0, and those that give probabilities
SIGNED_OUTPUTS = ("Tanh", "Softsign", "Sign", "BipolarSigmoid")
PROBABILITY_UNITS = ("Sigmoid", "HardSigmoid", "Step")


def decision_threshold(model):
    """Where a model of one output unit divides its two classes: midway between the targets its
    loss trains it towards. 0 under a loss on −1/+1 labels (hinge, perceptron, log_loss read 0/1
    labels as ±1: the sign of the score decides) or on logits (``from_logits``); 0.5 for a
    sigmoid's probability and for other losses (targets 0 and 1); an uncompiled model: the middle
    of its output's range (0 for tanh). (A tanh unit trained with hinge was read at 0.5: a score
    of 0.3 counted as the negative class.)"""
    from ..losses import _SignedLabelLoss

    activation = type(getattr(model.layers[-1], "activation", None)).__name__
    if activation in PROBABILITY_UNITS:
        return 0.5
    if model.loss is None:
        return 0.0 if activation in SIGNED_OUTPUTS else 0.5
    return 0.0 if isinstance(model.loss, _SignedLabelLoss) or getattr(model.loss, "from_logits", False) else 0.5
