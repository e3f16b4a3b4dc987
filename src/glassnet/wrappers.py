"""Keras 3's scikit-learn wrappers (``keras.wrappers``): a compiled model, or a function that builds one,
as a scikit-learn estimator.

``SKLearnClassifier(model, warm_start=False, model_kwargs=None, fit_kwargs=None)``, ``SKLearnRegressor`` and
``SKLearnTransformer`` take, as Keras's, either a compiled model (cloned by :func:`~glassnet.models.clone_model`
at each ``fit``: the clone is compiled as the model is, with fresh weights) or a function called as
``model(X=X, y=y, **model_kwargs)`` that returns a compiled model (``y`` as the model trains on it: one-hot
columns for the classifier). ``fit(X, y, **kwargs)`` passes ``fit_kwargs`` and then ``kwargs`` to the model's
``fit``; ``model_`` is the trained model, ``history_`` its History. With ``warm_start=True``, as Keras's
docstring promises, the model given is trained itself, not a clone, and each later ``fit`` trains ``model_`` on
from the weights of the previous one. The classifier one-hot encodes the labels
(any two or more classes; ``classes_``) and predicts the class of the largest output; the regressor and the
transformer take a 1-D ``y`` or a 2-D one (several outputs; ``fit(X, X)`` trains an autoencoder, where Keras 3.15
refuses a 2-D ``y``): the regressor predicts the outputs, 1-D for a 1-D ``y`` and 2-D for a 2-D one; the
transformer's ``transform`` is the model's ``predict``.

glassnet's own estimators, :mod:`glassnet.sklearn` (``MLPClassifier``, ``MLPRegressor`` with scikit-learn's
parameters), build their networks from ``hidden_layer_sizes``; these wrap a model you build. scikit-learn is
needed (``pip install "glassnet[sklearn]"``).
"""

import copy
import warnings

import numpy as np

from ._validation import _as_array

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # the classes exist, and say what is missing when one is made
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass


def _require_sklearn(name):
    if sklearn is None:
        raise ImportError(f"{name} needs scikit-learn: pip install scikit-learn (or pip install \"glassnet[sklearn]\").")


class SKLBase(BaseEstimator):
    """What the three wrappers share: the model made or cloned at ``fit``, trained, and predicted with."""

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    #: validate_data's checks of y: the classifier's labels are 1-D (scikit-learn's default)
    _y_checks = {}

    def __sklearn_clone__(self):
        # as Keras's: a function or a model, which is callable, kept, anything else deep-copied; and the
        # fit_kwargs too (Keras 3.15's clone leaves them out, so cross_val_score trained its clones one epoch).
        # A model that warm_start trains itself is copied: clones (cross_val_score's folds) sharing it would
        # each start from the weights another one trained.
        warm_model = self.warm_start and _is_model(self.model)
        model = self.model if callable(self.model) and not warm_model else copy.deepcopy(self.model)
        return type(self)(model=model, warm_start=self.warm_start, model_kwargs=copy.deepcopy(self.model_kwargs),
                          fit_kwargs=copy.deepcopy(self.fit_kwargs))

    @property
    def epoch_(self):
        """The epochs the last ``fit`` trained (0 before one)."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def _get_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_  # trained on from the previous fit's weights
        if _is_model(self.model):
            if self.warm_start:  # as Keras's docstring says: the model given, not cloned
                return self.model
            from .models import clone_model

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                clone = clone_model(self.model)
            if getattr(self.model, "compiled", False) and not clone.compiled:
                # clone_model compiles the clone with an optimizer made again from the given one's config, and
                # warned why it could not: said here, in the error, rather than "not compiled"
                why = " ".join(str(w.message) for w in caught)
                raise RuntimeError(f"The model given is compiled, but its optimizer, a "
                                   f"{type(self.model.optimizer).__name__}, could not be cloned, so neither could "
                                   "the model: pass a function that builds and compiles it, "
                                   "model=lambda X, y: ..., or warm_start=True to train the model given itself. "
                                   f"clone_model said: {why}")
            for w in caught:  # the clone's other warnings, as they were
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            return clone
        if not callable(self.model):
            raise TypeError(f"model must be a compiled glassnet model or a function returning one. Received: "
                            f"{type(self.model).__name__}")
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Make (or clone) the model and train it on ``(X, y)``; ``kwargs`` go to the model's ``fit``
        (after ``fit_kwargs``, which they override)."""
        from sklearn.utils.validation import validate_data

        # ragged lists named (scikit-learn's check_array gives NumPy's "setting an array element with a sequence")
        X, y = (_as_array(v, name) if isinstance(v, (list, tuple)) else v for v, name in ((X, "X"), (y, "y")))
        X, y = validate_data(self, X, y, **self._y_checks)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        if not _is_model(model) or not getattr(model, "compiled", False):
            raise RuntimeError(f"The model {'made by model(X=X, y=y, ...)' if not _is_model(self.model) else 'given'} "
                               "must be a compiled glassnet model, with a loss and an optimizer. Received: "
                               f"{type(model).__name__}{'' if not _is_model(model) else ' (not compiled)'}")
        self.history_ = model.fit(X, y, **{**(self.fit_kwargs or {}), **kwargs})
        self.model_ = model
        return self

    def predict(self, X):
        """The model's predictions of ``X``, in the targets' form."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X, verbose=0))

    def _process_target(self, y, reset=False):
        from sklearn.utils.multiclass import type_of_target

        type_of_target(y, raise_unknown=True)  # the right error for a target scikit-learn cannot read
        if reset:
            self._target_ndim = np.ndim(y)
        return y.reshape(-1, 1) if np.ndim(y) == 1 else y

    def _reverse_process_target(self, y):
        return y[:, 0] if self._target_ndim == 1 and y.ndim == 2 and y.shape[1] == 1 else y


def _is_model(obj):
    from .models import Sequential

    return isinstance(obj, Sequential)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """Keras's ``keras.wrappers.SKLearnClassifier``: labels of two or more classes, one-hot encoded for the
    model (whose outputs are one per class), predicted as the class of the largest output; ``classes_``."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags

    def decision_function(self, X):
        """The model's outputs for ``X``, one column per class."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        return self.model_.predict(validate_data(self, X, reset=False), verbose=0)

    def _process_target(self, y, reset=False):
        from sklearn.preprocessing import OneHotEncoder
        from sklearn.utils.multiclass import type_of_target

        kind = type_of_target(y, raise_unknown=True)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target type: {kind}")
        if reset:
            classes = np.unique(y)
            if len(classes) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
            if self.warm_start and hasattr(self, "model_") and not np.array_equal(classes, self.classes_):
                # (the model's outputs are the previous fit's classes, one each)
                raise ValueError(f"warm_start=True trains the previous fit's model on: y must have its classes. "
                                 f"Previously: {self.classes_.tolist()!r:.200}; y has {classes.tolist()!r:.200}")
            self.classes_ = classes
            self._encoder = OneHotEncoder(sparse_output=False).fit(np.reshape(y, (-1, 1)))
        return self._encoder.transform(np.reshape(y, (-1, 1)))

    def _reverse_process_target(self, y):
        return self._encoder.inverse_transform(y)[:, 0]


class SKLearnRegressor(RegressorMixin, SKLBase):
    """Keras's ``keras.wrappers.SKLearnRegressor``: the model's outputs are the predictions (1-D for a 1-D
    ``y``, 2-D for a 2-D one)."""

    _y_checks = {"multi_output": True, "y_numeric": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # as Keras's: a few epochs of a small model score low
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """Keras's ``keras.wrappers.SKLearnTransformer``: ``transform(X)`` is the trained model's ``predict``
    (an encoder's codes, say); ``y`` may be 2-D, as ``fit(X, X)`` gives it to an autoencoder."""

    _y_checks = {"multi_output": True, "y_numeric": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # as Keras's: the model's float32, whatever X's dtype
        return tags

    def transform(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        return self.model_.predict(validate_data(self, X, reset=False), verbose=0)

    def fit_transform(self, X, y, **kwargs):
        """``fit(X, y, **kwargs)``, then ``transform(X)``. ``y`` is required: the model is trained on
        ``(X, y)`` (``fit_transform(X, X)`` for an autoencoder); ``kwargs`` go to the model's ``fit``."""
        return self.fit(X, y, **kwargs).transform(X)


__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
