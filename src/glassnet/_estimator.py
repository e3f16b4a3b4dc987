"""A tiny base for scikit-learn style estimators.

When scikit-learn is importable, ``BaseEstimator`` and the mixins are
scikit-learn's own, so glassnet's estimators work in pipelines, grid searches
and ``check_estimator``. Without it, minimal stand-ins keep the same contract
(``get_params``/``set_params`` read from the ``__init__`` signature, ``score``,
``fit_transform``), so the core never needs scikit-learn.
"""

import inspect

import numpy as np

__all__ = [
    "BaseEstimator",
    "ClassifierMixin",
    "RegressorMixin",
    "TransformerMixin",
    "NotFittedError",
    "check_is_fitted",
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
