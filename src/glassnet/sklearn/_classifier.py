"""``MLPClassifier``: scikit-learn's multi-layer perceptron classifier on glassnet's engine."""

import warnings

import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from .._estimator import ClassifierMixin
from .._validation import is_sparse, refuse_stream
from ..models.divergence import user_stacklevel
from ._base import _SPARSE, _BaseMLP, _as_it_was_on_error
from ._files import _classes_from_json, _classes_to_json, _load_error


def _warn_if_one_hot(y):
    """A 0/1 indicator ``y`` with exactly one label in every row is most likely one-hot classes:
    scikit-learn (and this estimator) read it as multilabel, one logistic unit per column, and
    predict rows with no label or several. Warn; the reading stays scikit-learn's."""
    if (np.asarray(y.sum(axis=1)).ravel() == 1).all():  # (a sparse y's sum is a matrix)
        warnings.warn("y looks one-hot: MLPClassifier reads a 2-D y as several labels per sample (multilabel), "
                      "and a predicted row may get no class at all. Pass y.argmax(axis=1) for one class per "
                      "sample.", UserWarning, stacklevel=user_stacklevel(also=("sklearn",)))  # (fit or partial_fit)


def _check_indicator(y):
    """A 2-D ``y``, read as multilabel: 0/1 (or bool) values, one column per label. scikit-learn reads
    any nonzero as a label (-1 too); here the loss refused other values, naming neither the reading
    nor the fix ("y must lie in [0, 1] for loss 'binary_crossentropy'")."""
    values = np.unique(y.data if is_sparse(y) else y)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(
            "y is 2-D, which MLPClassifier reads as a multilabel indicator matrix of 0s and 1s (one column per "
            f"label, 1 where the sample has it); this y holds the values {values.tolist()[:6]}. Pass "
            "(y > 0).astype(int) for -1/1 or 0/2 columns, or a 1-D y of classes for one class per sample.")


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier (``sklearn.neural_network.MLPClassifier``
    on glassnet's engine).

    Output layer: softmax for more than two classes (loss ``-Σ_k y_k log ŷ_k``),
    one logistic unit for two classes and one per label for multilabel targets
    (binary log-loss summed over the labels); ``δ^(L) = ŷ - y``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Neurons of each hidden layer; ``()`` gives logistic regression.
    activation : str or tuple of str, default='relu'
        'identity', 'logistic', 'tanh', 'relu' or any glassnet activation
        name a layer can use ('leaky_relu', 'elu', 'softplus', ...; not 'glu' or 'threshold',
        which need more than a name), or one name per hidden layer.
    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
    alpha : float, default=1e-4
        L2 strength: the loss gains ``α/(2 n_b) Σ ||W||²`` per batch of ``n_b``
        (``α/(2 Σ_b w_i)`` with ``sample_weight``, as scikit-learn's).
    batch_size : int or 'auto', default='auto'
        ``min(200, n_samples)`` when 'auto'; ignored by 'lbfgs'.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule for 'sgd': ``η₀ / (t+1)^power_t`` (t = samples seen) or ``η / 5``
        whenever the loss stalls for more than ``n_iter_no_change`` epochs; 'adam' ignores it.
    learning_rate_init, power_t, max_iter, shuffle, random_state, tol, verbose,
    warm_start, momentum, nesterovs_momentum, early_stopping, validation_fraction,
    beta_1, beta_2, epsilon, n_iter_no_change, max_fun
        As scikit-learn's, with its defaults.
    dropout : float, default=0.0
        glassnet extra: inverted-dropout rate after each hidden layer (stochastic solvers).
    batch_norm : bool, default=False
        glassnet extra: batch normalization between each hidden Dense and its activation.
    optimizer : str, optional
        glassnet extra: a glassnet optimizer name ('rmsprop', 'adagrad', ...)
        that replaces the update rule of 'sgd'/'adam', with ``learning_rate_init``
        and the settings of ``momentum``, ``nesterovs_momentum`` ('sgd'), ``beta_1``,
        ``beta_2``, ``epsilon`` ('adam') it takes: all for 'sgd' and 'adam', which
        train as those solvers; for another, those set away from the default.
    dtype : {None, 'float32', 'float64'}, default=None
        glassnet extra: precision of the network; None follows ``X`` as
        scikit-learn does (float32 stays float32, anything else is float64), and
        the outputs have NumPy's promotion of the predicted ``X``'s dtype and the
        network's, as scikit-learn's ``X @ coefs_``.
    jit_compile : {False, True, 'auto'}, default=False
        glassnet extra: train the stochastic solvers with numba-compiled loops
        (``Sequential.compile(jit_compile=...)``; same weights, needs
        ``pip install "glassnet[jit]"`` for True).

    Attributes
    ----------
    classes_, coefs_, intercepts_, n_iter_, loss_, loss_curve_, best_loss_,
    validation_scores_, best_validation_score_, t_, n_features_in_,
    feature_names_in_, n_layers_, n_outputs_, out_activation_
        As scikit-learn's (``coefs_[i]`` has shape (fan_in, fan_out) and is a
        view into the network's weights).
    validation_loss_curve_ : list of float or None
        The loss on the early-stopping validation set after each epoch.
        As ``best_loss_``, ``validation_scores_`` and ``best_validation_score_``,
        absent after an 'lbfgs' fit (scikit-learn's 'lbfgs' sets none of them).
    model_ : glassnet.models.Sequential
        The trained network.
    """

    _is_classifier = True  # __init__ is _BaseMLP's: scikit-learn's MLPClassifier parameters and defaults
    #: the loss minimised, as scikit-learn's ``MLPClassifier.loss`` (an attribute, not a parameter)
    loss = "log_loss"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X, y, incremental, reset, subset=False):
        """scikit-learn's rules for classes under fit / warm_start / partial_fit; ``subset``:
        the labels of a batch (:meth:`trace`), any of the fitted ``classes_``."""
        refuse_stream(X, "X")  # (scikit-learn: "float() argument must be ... not 'generator'")
        X, y = validate_data(self, X, y, multi_output=True, dtype=(np.float64, np.float32), reset=reset,
                             accept_sparse=_SPARSE)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not subset:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in the previous "
                        f"call to fit. Previously got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            _check_indicator(y)
        if reset and not subset and self._label_binarizer.y_type_ == "multilabel-indicator":
            _warn_if_one_hot(y)
        Y = self._label_binarizer.transform(y).astype(X.dtype)
        return X, Y

    def _decode(self, A):
        """Labels from outputs: argmax (softmax) or ``ŷ >= 0.5`` (logistic units)."""
        if self.n_outputs_ == 1:
            A = A.ravel()
        return self._label_binarizer.inverse_transform(A)

    def _score_predictions(self, y_pred, y, sample_weight):
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    @available_if(_BaseMLP._stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``; ``classes`` (all labels) is required on the first call.

        Calling it N times (``shuffle=False``) trains exactly as ``fit`` with ``max_iter=N``
        where that fit runs its N epochs (its ``tol`` rule may stop it sooner; it stops no call).
        """
        state = dict(vars(self))  # (what a refused call leaves, classes_ included: _BaseMLP._fit)
        if classes is not None:
            classes = unique_labels(classes)
            if hasattr(self, "classes_") and not np.array_equal(self.classes_, classes):
                raise ValueError(
                    f"`classes={classes}` is not the same as the fitted classes_ {self.classes_} (given to "
                    "the first call to partial_fit, or the labels of fit's y)."
                )
        first_call = not hasattr(self, "classes_")
        if first_call:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            with _as_it_was_on_error(self, state):
                self.classes_ = classes
                self._label_binarizer = LabelBinarizer()
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True, state=state)

    def predict(self, X):
        """Predicted class labels, shape (n_samples,) or (n_samples, n_labels) for multilabel."""
        return self._decode(self._forward(X))

    def predict_proba(self, X):
        """Class probabilities ``ŷ``, shape (n_samples, n_classes) (two columns for binary)."""
        A = self._forward(X)
        if self.n_outputs_ == 1:
            p = A.ravel()
            return np.vstack([1 - p, p]).T
        return A

    def predict_log_proba(self, X):
        """``log`` of :meth:`predict_proba`."""
        P = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(P, out=P)

    def _extra_metadata(self):
        lb = self._label_binarizer
        return {
            "classes": _classes_to_json(self.classes_),
            "label_binarizer": {"y_type": lb.y_type_, "classes": _classes_to_json(lb.classes_),
                                "sparse_input": bool(lb.sparse_input_)},  # a sparse y: sparse predictions
        }

    def _restore_extra(self, meta, path):
        spec = meta.get("label_binarizer")
        if not isinstance(spec, dict) or spec.get("y_type") not in ("binary", "multiclass", "multilabel-indicator"):
            raise _load_error(path, "the label encoding is malformed.")
        self.classes_ = _classes_from_json(meta.get("classes"), path)
        lb = LabelBinarizer()
        lb.classes_ = _classes_from_json(spec.get("classes"), path)
        lb.y_type_ = spec["y_type"]
        lb.sparse_input_ = spec.get("sparse_input", False) is True  # (absent from files before 2026-12-02)
        self._label_binarizer = lb
