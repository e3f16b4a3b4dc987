"""A tiny base for scikit-learn style estimators.

When scikit-learn is importable, ``BaseEstimator`` and the mixins are
scikit-learn's own, so glassnet's estimators work in pipelines, grid searches
and ``check_estimator``. Without it, minimal stand-ins keep the same contract
(``get_params``/``set_params`` read from the ``__init__`` signature, ``score``,
``fit_transform``), so the core never needs scikit-learn.
"""

import inspect
import warnings

import numpy as np

from ._keywords import _closest_name, _keyword_hint, _named_init  # noqa: F401  (re-exported)
from ._validation import _as_array, check_array
from .models.divergence import user_stacklevel

__all__ = [
    "BaseEstimator",
    "ClassifierMixin",
    "RegressorMixin",
    "TransformerMixin",
    "NotFittedError",
    "check_is_fitted",
    "check_X",
    "check_classification_y",
    "HAS_SKLEARN",
]

try:  # pragma: no cover - which branch runs depends on the environment
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
    from sklearn.exceptions import NotFittedError

    HAS_SKLEARN = True
except ImportError:  # pragma: no cover
    HAS_SKLEARN = False

    class NotFittedError(ValueError, AttributeError):
        """Raised when a method needs a fitted estimator (as scikit-learn's)."""

    class BaseEstimator:
        """Hyperparameters are the ``__init__`` arguments, stored unchanged."""

        @classmethod
        def _get_param_names(cls):
            init = cls.__init__
            if init is object.__init__:
                return []
            params = inspect.signature(init).parameters.values()
            for p in params:
                if p.kind == p.VAR_POSITIONAL:
                    raise TypeError(
                        f"{cls.__name__} must not take *args in __init__; "
                        "estimators list every hyperparameter by name."
                    )
            return sorted(p.name for p in params if p.name != "self" and p.kind != p.VAR_KEYWORD)

        def get_params(self, deep=True):
            """Return the hyperparameters as a dict (``deep`` adds nested ``a__b`` keys)."""
            out = {}
            for key in self._get_param_names():
                value = getattr(self, key)
                if deep and hasattr(value, "get_params") and not isinstance(value, type):
                    out.update({f"{key}__{k}": v for k, v in value.get_params().items()})
                out[key] = value
            return out

        def set_params(self, **params):
            """Set hyperparameters (``a__b`` reaches into nested estimators); return self."""
            valid = self.get_params(deep=True)
            nested = {}
            for key, value in params.items():
                head, _, sub = key.partition("__")
                if head not in valid:
                    raise ValueError(
                        f"Invalid parameter {head!r} for estimator {type(self).__name__}. "
                        f"Valid parameters are: {sorted(self._get_param_names())}."
                    )
                if sub:
                    nested.setdefault(head, {})[sub] = value
                else:
                    setattr(self, head, value)
                    valid[head] = value
            for head, sub_params in nested.items():
                valid[head].set_params(**sub_params)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
            return f"{type(self).__name__}({args})"

    class ClassifierMixin:
        """``score`` is the accuracy of ``predict``."""

        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None):
            correct = np.asarray(self.predict(X)) == np.asarray(y)
            return float(np.average(correct, weights=sample_weight))

    class RegressorMixin:
        """``score`` is the coefficient of determination R²."""

        _estimator_type = "regressor"

        def score(self, X, y, sample_weight=None):
            y = np.asarray(y, dtype=float)
            y_pred = np.asarray(self.predict(X), dtype=float).reshape(y.shape)
            w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
            w = w.reshape((-1,) + (1,) * (y.ndim - 1))
            ss_res = (w * (y - y_pred) ** 2).sum(axis=0)
            ss_tot = (w * (y - np.average(y, axis=0, weights=w.ravel())) ** 2).sum(axis=0)
            with np.errstate(divide="ignore", invalid="ignore"):
                r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), 0.0)
            return float(np.mean(r2))

    class TransformerMixin:
        """``fit_transform`` is ``fit`` followed by ``transform``."""

        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)


def check_is_fitted(estimator, attribute):
    """Raise :class:`NotFittedError` unless ``estimator`` has ``attribute`` (set by fit)."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. "
            "Call 'fit' with appropriate arguments before using this estimator."
        )


def _feature_names(X):
    """A data frame's column names when all are strings (scikit-learn's rule), else None."""
    columns = getattr(X, "columns", None)
    names = None if columns is None else np.asarray(list(columns), dtype=object)
    if names is not None and len(names) and all(isinstance(n, str) for n in names):
        return names
    return None


def _list_names(names):
    """``- name`` lines, at most five, as scikit-learn lists them."""
    lines = [f"- {name}\n" for name in names[:5]]
    return "".join(lines) + ("- ...\n" if len(names) > 5 else "")


def _check_feature_names(estimator, X, estimator_name):
    """After fit, X's column names must be ``feature_names_in_`` in the same order
    (scikit-learn's rule and messages): a data frame with its columns reordered,
    renamed or missing would otherwise be read column by column, silently wrong."""
    seen = getattr(estimator, "feature_names_in_", None)
    names = _feature_names(X)
    if seen is None and names is None:
        return
    if seen is None:
        warnings.warn(f"X has feature names, but {estimator_name} was fitted without feature names",
                      UserWarning, stacklevel=user_stacklevel(also=("sklearn",)))
        return
    if names is None:
        warnings.warn(f"X does not have valid feature names, but {estimator_name} was fitted with feature names",
                      UserWarning, stacklevel=user_stacklevel(also=("sklearn",)))
        return
    if len(names) == len(seen) and (names == seen).all():
        return
    message = "The feature names should match those that were passed during fit.\n"
    unseen = sorted(set(names) - set(seen))
    missing = sorted(set(seen) - set(names))
    if unseen:
        message += "Feature names unseen at fit time:\n" + _list_names(unseen)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + _list_names(missing)
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)


def check_X(X, estimator_name, reset_features=None, dtype=np.float64, fitted=None, estimator=None):
    """Validate an estimator's ``X``: 2-D, numeric, finite, dense and real.

    Parameters
    ----------
    estimator_name : str
        Used in messages.
    reset_features : int or None
        When given (the ``n_features_in_`` seen in ``fit``), X must have that
        many columns.
    fitted : estimator or None
        In ``fit``: the estimator, given ``feature_names_in_`` when X is a data frame
        whose column names are all strings (scikit-learn's rule), else none.
    estimator : estimator or None
        After ``fit``: the fitted estimator, whose ``feature_names_in_`` a data
        frame's columns must equal, in order (a ValueError otherwise; a warning when
        only one of the two has names), as scikit-learn checks them.
    """
    if fitted is not None:
        names = _feature_names(X)
        if names is not None:
            fitted.feature_names_in_ = names
        elif hasattr(fitted, "feature_names_in_"):
            del fitted.feature_names_in_  # from an earlier fit
    if estimator is not None:
        _check_feature_names(estimator, X, estimator_name)
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{estimator_name} does not accept sparse input; convert it with X.toarray(). "
            f"Received a sparse matrix of type {type(X).__name__}."
        )
    try:
        arr = np.asarray(X)
    except Exception:  # ragged input: check_array reports it
        arr = None
    if arr is not None and np.iscomplexobj(arr):
        raise ValueError(f"Complex data not supported: {estimator_name} needs real-valued X.")
    X = check_array(X, "X", ndim=2, dtype=dtype, allow_empty=True, objects="sklearn")
    if X.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required by {estimator_name}.")
    if X.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is required by {estimator_name}."
        )
    if reset_features is not None:
        check_n_features(X, reset_features, estimator_name)
    return X


def check_n_features(X, expected, estimator_name):
    """scikit-learn's refusal of a 2-D ``X`` whose number of columns is not the ``expected`` one, seen
    in fit (its words, which scikit-learn's estimator checks look for)."""
    if X.shape[1] != expected:
        raise ValueError(f"X has {X.shape[1]} features, but {estimator_name} is expecting {expected} features as input.")


def check_classification_y(y, estimator_name, n_samples):
    """Validate class labels: 1-D (a column vector is raveled with a warning), discrete.

    ``n_samples``: X's number of rows, or X's shape (then a y as long as X's rows are a hint to pass X.T).
    Returns ``(classes, y_indices)``.
    """
    shape = tuple(n_samples) if isinstance(n_samples, tuple) else (n_samples,)
    n_samples = shape[0]
    if y is None:
        raise ValueError(f"{estimator_name} requires y to be passed, but the target y is None.")
    y = _as_array(y, "y")  # (a ragged list named)
    if y.ndim == 2 and y.shape[1] == 1:
        try:
            from sklearn.exceptions import DataConversionWarning
        except ImportError:  # pragma: no cover
            DataConversionWarning = UserWarning
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; it was raveled.",
            DataConversionWarning,
            stacklevel=user_stacklevel(also=("sklearn",)),
        )
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of class labels. Received an array of shape {y.shape}.")
    if len(y) != n_samples:
        raise ValueError(f"Inconsistent numbers of samples: X has {n_samples}, y has {len(y)}." + (
            f" X has shape {shape}: if its columns are the samples (MATLAB and R put samples in columns), pass X.T; "
            "glassnet takes one sample per row." if shape[0] < shape[-1] == len(y) else ""))
    if y.dtype.kind == "f":
        if np.isnan(y).any():  # (a label missing: pandas' NA of a nullable Int64 column arrives as NaN too)
            raise ValueError(f"y contains NaN: {estimator_name} needs a class label for every sample (drop or "
                             "fill the missing ones).")
        if not np.isfinite(y).all() or np.any(y != np.round(y)):
            raise ValueError(
                f"Unknown label type: continuous. {estimator_name} is a classifier and needs "
                "class labels in y (use integers or strings)."
            )
    elif y.dtype.kind not in "biuUSO":
        raise ValueError(f"Unknown label type: y has dtype {y.dtype}.")
    try:
        classes, y_idx = np.unique(y, return_inverse=True)
    except TypeError:  # objects that cannot be ordered: None among strings, str and int mixed
        kinds = sorted({type(v).__name__ for v in y.ravel()})
        raise TypeError(
            f"y must hold class labels of one kind that can be sorted (all numbers or all strings). "
            f"Received labels of types {', '.join(kinds)}."
        ) from None
    if len(classes) < 2:
        raise ValueError(
            f"{estimator_name} needs samples of at least 2 classes in the data, but the data "
            f"contains only 1 class: {classes[0].item() if hasattr(classes[0], 'item') else classes[0]!r}."
        )
    return classes, y_idx
