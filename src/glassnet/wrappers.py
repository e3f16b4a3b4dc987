"""Keras 3's scikit-learn wrappers (``keras.wrappers``): a compiled model, or a function that builds one,
as a scikit-learn estimator.

``SKLearnClassifier(model, warm_start=False, model_kwargs=None, fit_kwargs=None)``, ``SKLearnRegressor`` and
``SKLearnTransformer`` take, as Keras's, either a compiled model (cloned by :func:`~glassnet.models.clone_model`
at each ``fit``: the clone is compiled as the model is, with fresh weights) or a function called as
``model(X=X, y=y, **model_kwargs)`` that returns a compiled model (``y`` as the model trains on it: one-hot
columns for the classifier). ``fit(X, y, **kwargs)`` passes ``fit_kwargs`` and then ``kwargs`` to the model's
``fit``; ``model_`` is the trained model, ``history_`` its History. With ``warm_start=True``, as Keras's
docstring promises, the model given is trained itself, not a clone, and each later ``fit`` trains ``model_`` on
from the weights of the previous one. ``fit``'s ``sample_weight`` is named, so that scikit-learn's metadata routing
passes it (``set_fit_request(sample_weight=True)``). The classifier one-hot encodes the labels
(any two or more classes; ``classes_``; for two, a model of one output unit trains on ``classes_[1]``'s column)
and predicts the class of the largest output. Unlike Keras 3.15's, as scikit-learn's classifiers, its
``decision_function`` is 1-D for two classes (``classes_[1]``'s score, positive where ``predict`` gives it), and it
has a ``predict_proba`` where the model's outputs are probabilities (a softmax, or one sigmoid unit) or logits (a
linear output compiled with a ``from_logits=True`` crossentropy: their softmax, or sigmoid, as skorch's). ``set_params``
sets one key of ``model_kwargs`` or ``fit_kwargs`` as ``model_kwargs__units`` or ``fit_kwargs__epochs`` (scikeras's
``model__units``, ``fit__epochs``), which a search's grid can name. The regressor
and the transformer take a 1-D ``y`` or a 2-D one (several outputs; ``fit(X, X)`` trains an autoencoder, where Keras 3.15
refuses a 2-D ``y``): the regressor predicts the outputs, 1-D for a 1-D ``y`` and 2-D for a 2-D one; the
transformer's ``transform`` is the model's ``predict``.

glassnet's own estimators, :mod:`glassnet.sklearn` (``MLPClassifier``, ``MLPRegressor`` with scikit-learn's
parameters), build their networks from ``hidden_layer_sizes``; these wrap a model you build. scikit-learn is
needed (``pip install "glassnet[sklearn]"``).
"""

import copy
import functools
import inspect
import warnings
from collections.abc import Mapping

import numpy as np

from ._keywords import _closest_name, _named_init
from ._validation import _as_array

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
    from sklearn.utils.metaestimators import available_if
except ImportError:  # the classes exist, and say what is missing when one is made
    sklearn = None

    def available_if(check):
        return lambda method: method

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


#: ``set_params``'s nested spellings and the dicts they set a key of (``model__``/``fit__``: scikeras's)
_ROUTES = {"model_kwargs": "model_kwargs", "model": "model_kwargs", "fit_kwargs": "fit_kwargs", "fit": "fit_kwargs"}
_PARAMS = ("model", "warm_start", "model_kwargs", "fit_kwargs")


def _where_it_goes(key, names=_PARAMS):
    """What to add to "unexpected keyword argument ``key``": the parameter among ``names`` it likely means, or
    the dict it goes in (fit's settings in ``fit_kwargs``, anything else in a model-building function's
    ``model_kwargs``): :func:`_named_init`'s hint for the wrappers."""
    from .models import Sequential

    close = _closest_name(key, names) if "__" not in key else None
    if close is not None:
        return f". Did you mean {close!r}?"
    prefix, _, name = key.rpartition("__")
    if _ROUTES.get(prefix) == "fit_kwargs" or not prefix and name in inspect.signature(Sequential.fit).parameters:
        return f". fit's settings go in fit_kwargs={{{name!r}: ...}}."
    return (f". A model-building function's arguments go in model_kwargs={{{name!r}: ...}} (model is called as "
            f"model(X=X, y=y, **model_kwargs)); the parameters are {', '.join(names)}.")


class SKLBase(BaseEstimator):
    """What the three wrappers share: the model made or cloned at ``fit``, trained, and predicted with."""

    @functools.partial(_named_init, hint=_where_it_goes)
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
        clone = type(self)(model=model, warm_start=self.warm_start, model_kwargs=copy.deepcopy(self.model_kwargs),
                           fit_kwargs=copy.deepcopy(self.fit_kwargs))
        if hasattr(self, "_metadata_request"):  # as scikit-learn's clone: set_fit_request's requests, by which
            clone._metadata_request = copy.deepcopy(self._metadata_request)  # a Pipeline's clone routes
        return clone

    def get_params(self, deep=True):
        """scikit-learn's, and with ``deep=True`` each key of ``model_kwargs`` and ``fit_kwargs`` as
        ``model_kwargs__<key>`` and ``fit_kwargs__<key>``, which ``set_params`` (and so a search's grid) sets."""
        params = super().get_params(deep=deep)
        if deep:
            for name in ("model_kwargs", "fit_kwargs"):  # only a dict: fit, not get_params, checks the value
                if isinstance(params[name], Mapping):
                    params.update({f"{name}__{key}": value for key, value in params[name].items()})
        return params

    def set_params(self, **params):
        """scikit-learn's; ``model_kwargs__<key>`` (or scikeras's ``model__<key>``) and ``fit_kwargs__<key>``
        (``fit__<key>``) set one key of a copy of the dict, so a search can grid over ``model_kwargs__units``
        or ``fit_kwargs__epochs``."""
        routed = {key: params.pop(key) for key in list(params) if key.partition("__")[0] in _ROUTES and "__" in key}
        super().set_params(**params)
        dicts = {}
        for key, value in routed.items():
            prefix, _, name = key.partition("__")
            target = _ROUTES[prefix]
            if target == "model_kwargs" and _is_model(self.model):
                raise ValueError(f"Invalid parameter {key!r}: model is a model, not a function, so it takes no "
                                 "model_kwargs. Pass a function that builds and compiles it, model=lambda X, y, "
                                 f"{name}: ..., to set {name!r}.")
            dicts.setdefault(target, dict(getattr(self, target) or {}))[name] = value
        for target, values in dicts.items():
            setattr(self, target, values)
        return self

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
        if isinstance(self.model, type):  # skorch's NeuralNetClassifier(MyModule): a class, made with its arguments
            try:
                inspect.signature(self.model).bind(X=X, y=y, **(self.model_kwargs or {}))
            except TypeError as exc:
                raise TypeError(f"model is the class {self.model.__name__}, which the wrapper would call as "
                                f"model(X=X, y=y, **model_kwargs) ({exc}): pass a compiled instance, "
                                f"model={self.model.__name__}(...) after compile(...), or a function that makes and "
                                "compiles one, model=lambda X, y, **kw: ..., whose arguments model_kwargs are.") from None
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Make (or clone) the model and train it on ``(X, y)``; ``sample_weight`` (one weight per sample, or
        None) and ``kwargs`` go to the model's ``fit`` (after ``fit_kwargs``, which they override).
        ``sample_weight`` is named so that scikit-learn's metadata routing can pass it (``set_fit_request``)."""
        from sklearn.utils.validation import validate_data

        for name in ("model_kwargs", "fit_kwargs"):
            if not isinstance(getattr(self, name), (Mapping, type(None))):
                raise TypeError(f"{name} must be a dict or None. Received: {getattr(self, name)!r:.80}")
        # ragged lists named (scikit-learn's check_array gives NumPy's "setting an array element with a sequence")
        X, y = (_as_array(v, name) if isinstance(v, (list, tuple)) else v for v, name in ((X, "X"), (y, "y")))
        X, y = validate_data(self, X, y, **self._y_checks)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        if not _is_model(model) or not getattr(model, "compiled", False):
            raise RuntimeError(f"The model {'made by model(X=X, y=y, ...)' if not _is_model(self.model) else 'given'} "
                               "must be a compiled glassnet model, with a loss and an optimizer. Received: "
                               f"{type(model).__name__}{'' if not _is_model(model) else ' (not compiled)'}")
        y = self._model_target(model, X, y)
        if sample_weight is not None:
            kwargs = {**kwargs, "sample_weight": sample_weight}
        self.history_ = model.fit(X, y, **{**(self.fit_kwargs or {}), **kwargs})
        self.model_ = model
        return self

    def predict(self, X):
        """The model's predictions of ``X``, in the targets' form."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X, verbose=0))

    def _model_target(self, model, X, y):
        return y  # (the classifier's: the columns its model trains on)

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


def _gives_probabilities(model):
    """Whether the model's outputs are the classes' probabilities: a softmax over its units, or one sigmoid unit."""
    from .models._decision import PROBABILITY_UNITS

    activation = type(getattr(model.layers[-1], "activation", None)).__name__
    units = model.output_shape[-1]
    return activation == "Softmax" and units > 1 or activation in PROBABILITY_UNITS and units == 1


def _gives_logits(model):
    """Whether the model's outputs are logits, as skorch reads them: a linear output compiled with a crossentropy
    ``from_logits=True``, categorical over its units or binary of one unit."""
    loss = getattr(model, "loss", None)
    if not getattr(loss, "from_logits", False) or type(getattr(model.layers[-1], "activation", None)).__name__ != "Linear":
        return False
    units, kind = model.output_shape[-1], type(loss).__name__
    return kind.startswith("Categorical") and units > 1 or kind.startswith("Binary") and units == 1


def _probabilities(outputs, logits=False):
    """A probability model's outputs as float64 rows that sum to 1 (one sigmoid unit's ``p``: ``1 − p, p``);
    with ``logits``, their softmax (one unit: the sigmoids of ``−z, z``)."""
    P = outputs.astype(np.float64)
    if logits:
        P = (np.exp(-np.logaddexp(0, np.hstack([P, -P]))) if P.shape[1] == 1
             else np.exp(P - P.max(axis=1, keepdims=True)))
    if P.shape[1] == 1:
        P = np.hstack([1 - P, P])
    return P / P.sum(axis=1, keepdims=True)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """Keras's ``keras.wrappers.SKLearnClassifier``: labels of two or more classes, one-hot encoded for the
    model (whose outputs are one per class; for two classes also one unit, trained on ``classes_[1]``'s column),
    predicted as the class of the largest output (one unit: past its cut, 0.5 for a sigmoid's probability, 0 for
    a logit); ``classes_``. Unlike Keras
    3.15's, and as scikit-learn's classifiers, ``decision_function`` gives one score per sample for two classes,
    and ``predict_proba`` exists where the outputs are probabilities (ROC and log-loss scoring, calibration and
    threshold tuning read them)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags

    def _outputs(self, X):
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        return self.model_.predict(validate_data(self, X, reset=False), verbose=0)

    def decision_function(self, X):
        """The model's outputs for ``X``, one column per class. For two classes one score per sample, as
        scikit-learn's classifiers (Keras 3.15's wrapper gives both columns): positive where ``predict`` gives
        ``classes_[1]``, larger the likelier ``classes_[1]`` is. For a model of probabilities (softmax, or one
        sigmoid unit) it is ``predict_proba(X)[:, 1] − 0.5``, which ranks the samples as that probability does;
        for two other outputs, ``classes_[1]``'s minus ``classes_[0]``'s (for logits the log-odds, as
        ``LogisticRegression``'s); for one other unit, its output minus predict's cut (0 for logits)."""
        from .models._decision import decision_threshold

        outputs = self._outputs(X)
        if len(self.classes_) != 2:
            return outputs
        if _gives_probabilities(self.model_):
            return _probabilities(outputs)[:, 1] - 0.5
        if outputs.shape[1] == 1:
            return outputs[:, 0] - decision_threshold(self.model_)
        return outputs[:, 1] - outputs[:, 0]

    def _check_probabilities(self):  # predict_proba's available_if: unknown (True) before fit
        if hasattr(self, "model_") and not (_gives_probabilities(self.model_) or _gives_logits(self.model_)):
            activation = getattr(self.model_.layers[-1], "activation", None)
            raise AttributeError(
                f"predict_proba needs a model whose outputs are the classes' probabilities: a last layer with "
                f"activation='softmax' (one unit per class) or, for two classes, one unit with activation='sigmoid'; "
                f"or logits: a linear last layer compiled with CategoricalCrossentropy(from_logits=True) "
                f"(BinaryCrossentropy(from_logits=True) for one unit), whose softmax (sigmoid) it gives. "
                f"This model's output activation is {getattr(activation, 'name', activation)!r} with "
                f"{self.model_.output_shape[-1]} unit(s); decision_function gives its scores.")
        return True

    @available_if(_check_probabilities)
    def predict_proba(self, X):
        """The classes' probabilities for ``X``: the outputs of a model that ends in a softmax, or for two
        classes ``1 − p, p`` of one sigmoid unit; one column per class of ``classes_``, float64 rows summing
        to 1. Only for such models (otherwise an AttributeError saying why, as scikit-learn's
        ``available_if``). For logits, a linear output compiled with a ``from_logits=True`` crossentropy, their
        softmax (one unit: its sigmoid), as skorch's."""
        return _probabilities(self._outputs(X), logits=_gives_logits(self.model_))

    def _model_target(self, model, X, y):
        loss = model.loss
        if getattr(loss, "_takes_labels", False):
            raise ValueError(f"The model's loss {getattr(loss, 'name', loss)!r} takes integer class labels, but "
                             "SKLearnClassifier trains the model on the labels one-hot, one column per class (as "
                             "Keras's): compile it with loss='categorical_crossentropy', the same loss on one-hot rows.")
        if not model.built:  # (a Sequential without an Input: its output units)
            model.build((None, *X.shape[1:]))
        shape = model.output_shape
        units = shape[-1] if isinstance(shape, tuple) else None
        if units == 1 and len(self.classes_) == 2:
            return y[:, 1:]  # classes_[1]'s 0/1 column: a sigmoid's probability, or a logit
        if units is not None and units != len(self.classes_):
            raise ValueError(f"The model has {units} output unit(s), but y has {len(self.classes_)} classes: give its "
                             "last layer one unit per class (y.shape[1] in a model-building function), or for two "
                             "classes one unit (classes_[1]'s).")
        return y

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
        # the largest output's class, or one unit's past its cut (the encoder's inverse_transform refused a row
        # whose outputs sum to 0, logits -1.5 and 1.5 say)
        from .models._decision import decision_threshold, predicted_classes

        return self.classes_[predicted_classes(y, decision_threshold(self.model_))]


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
