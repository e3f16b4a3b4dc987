"""The outputs beside the network's: a classifier's class labels (``label``, as ``glassnet predict``
prints them) and a fitted glassnet.sklearn estimator's, as skl2onnx names them; a Pipeline is
refused with what to do instead."""

import sys

import numpy as np

from ._numerics import _has_nan


def _class_labels(model):
    """The class labels ``glassnet train`` saved in a classifier's metadata (one per output, or
    two for one sigmoid unit), else None."""
    classes = getattr(model, "metadata", {}).get("classes")
    n_out = int(np.prod(model.layers[-1].output_shape))
    if not isinstance(classes, list) or len(model.layers[-1].output_shape) != 1:
        return None
    return [str(c) for c in classes] if len(classes) == (2 if n_out == 1 else n_out) else None


def _label(g, P, classes, threshold):
    """The class label of each row of outputs ``P``, as ``glassnet predict``'s class column:
    ``classes[argmax]`` (the first of tied maxima, and of a row with a NaN the first NaN, as NumPy), or
    for one output unit ``classes[p > threshold]`` (0.5 for a sigmoid, 0 for a tanh or hinge unit: see
    ``models._decision.decision_threshold``); ``threshold`` is None for several units."""
    if threshold is not None:
        index = g.node("Cast", [g.node("Greater", [P, g.constant(threshold)])], to=g.onnx.TensorProto.INT64)
        index = g.node("Squeeze", [index, g.constant([1], dtype=np.int64)])
    else:  # a row with a NaN: the first NaN's index, as NumPy's argmax (onnxruntime's ArgMax skips NaN)
        first_nan = g.node("ArgMax", [g.node("Cast", [g.node("IsNaN", [P])], to=g.onnx.TensorProto.FLOAT)], axis=1,
                           keepdims=0)
        index = g.node("Where", [_has_nan(g, P, [1], keepdims=0), first_nan, g.node("ArgMax", [P], axis=1, keepdims=0)])
    classes = np.asarray(classes)
    if classes.dtype.kind in "USO":  # text: an ONNX string tensor
        classes = np.array([str(c) for c in classes], dtype=object)
    table = g.name("classes")
    g.initializers.append(g.onnx.numpy_helper.from_array(classes, table))
    return g.node("Gather", [table, index], axis=0)


def _estimator_outputs(g, A, estimator):
    """scikit-learn's outputs of a fitted glassnet.sklearn estimator, named and shaped as skl2onnx
    writes them (``zipmap=False``): a classifier's ``label`` (its ``predict``, in the dtype of
    ``classes_``) and ``probabilities`` (its ``predict_proba``: two columns for one logistic unit),
    a regressor's ``variable``. Returns ``[(name, tensor, element type, shape)]``."""
    helper, dtype = g.helper, g.helper.np_dtype_to_tensor_dtype(g.dtype)
    n = estimator.n_outputs_
    if not hasattr(estimator, "classes_"):
        return [("variable", A, dtype, ["N", n])]
    y_type = estimator._label_binarizer.y_type_
    if y_type == "multilabel-indicator":  # predict: (ŷ > 0.5) as 0/1 integers, one column per label
        label = g.node("Cast", [g.node("Greater", [A, g.constant(0.5)])], to=g.onnx.TensorProto.INT64)
        return [("label", label, g.onnx.TensorProto.INT64, ["N", n]), ("probabilities", A, dtype, ["N", n])]
    classes = np.asarray(estimator.classes_)
    label = _label(g, A, classes, 0.5 if n == 1 else None)  # LabelBinarizer: ŷ > 0.5, or the first argmax
    kind = (g.onnx.TensorProto.STRING if classes.dtype.kind in "USO"
            else helper.np_dtype_to_tensor_dtype(classes.dtype))
    if n == 1:  # predict_proba: [1 − ŷ, ŷ]
        A = g.node("Concat", [g.node("Sub", [g.constant(1.0, "one"), A]), A], axis=1)
    return [("label", label, kind, ["N"]), ("probabilities", A, dtype, ["N", len(classes)])]


def _fitted_estimator(obj):
    """``obj`` if it is a glassnet.sklearn estimator (an unfitted one raises scikit-learn's
    NotFittedError), else None; scikit-learn is not imported for that."""
    if "sklearn" not in sys.modules:  # no scikit-learn loaded: no estimator
        return None
    try:
        from sklearn.utils.validation import check_is_fitted

        from ..sklearn._base import _BaseMLP
    except ImportError:  # a scikit-learn glassnet.sklearn does not support
        return None
    if not isinstance(obj, _BaseMLP):
        return None
    check_is_fitted(obj, "model_")
    return obj


def _pipeline_hint(obj):
    """What to do with a scikit-learn Pipeline that ends in a glassnet estimator: its other steps
    (a scaler, an encoder) have no glassnet graph, and exporting the last step alone silently drops them."""
    steps = getattr(obj, "steps", None)
    if not isinstance(steps, list) or not steps or not all(isinstance(s, tuple) and len(s) == 2 for s in steps):
        return ""
    try:
        if _fitted_estimator(steps[-1][1]) is None:
            return ""
    except ValueError:  # not fitted yet: the hint holds all the same
        pass
    before = ", ".join(f"{name!r} ({type(step).__name__})" for name, step in steps[:-1])
    return (f". glassnet exports its own networks only, not a Pipeline's other steps ({before}): export the "
            f"estimator, pipe[-1], and apply those steps to the input before onnxruntime runs the file "
            f"(pipe[:-1].transform(X)), as the file does not compute them.")
