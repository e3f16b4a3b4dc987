"""Centering and scaling per feature: :class:`StandardScaler` and :class:`MinMaxScaler` (their
statistics from the training data only), and the one-call forms of seed 004's lines
(:func:`zero_center`, :func:`standardize`, :func:`min_max_scale`)."""

import inspect
import math

import numpy as np

from .._estimator import NotFittedError, check_n_features
from .._validation import _all_finite, check_array, check_bool, check_number, empty_error, is_one_of
from ..backend import floatx
from .moments import _column_moments, _column_unit, _merge_batches, _nan_column_moments
from .splits import _is_pandas


def _float_array(X, name="X"):
    """``X`` checked (at least 2-D, with samples and features) and the dtype of results from it.

    A float ``X`` keeps its dtype. Integers and bools are not cast: the statistics and the
    arithmetic run in float64 and only the result becomes ``floatx()``, since float32 holds
    integers exactly only up to 2**24 (1700000060 would become 1700000000).
    NaN (a missing value) is allowed, inf is not, as in scikit-learn's scalers."""
    X = check_array(X, name=name, ndim=2, allow_nd=True, allow_empty=True, finite=False, objects="sklearn")
    if X.shape[0] == 0:
        raise empty_error(name, X.shape)
    if X.size == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
    if _has_nan(X) and np.isinf(X).any():
        raise ValueError(f"{name} contains inf values; remove them first (NaN is taken as a missing value).")
    return X, (X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(floatx()))


def _has_nan(X):
    """Whether ``X`` holds a non-finite value (NaN, once :func:`_float_array` has refused inf)."""
    return X.dtype.kind == "f" and not _all_finite(X)


def _column_extremes(X, nan):
    """The maxima and minima of the columns of ``X``, NaN left out (NaN for an all-NaN column);
    ``nan``: whether ``X`` holds NaN (see :func:`_has_nan`)."""
    if nan:
        return np.fmax.reduce(X, axis=0), np.fmin.reduce(X, axis=0)
    return X.max(axis=0), X.min(axis=0)


def _column_names(X):
    """A pandas DataFrame's column names when all are text (scikit-learn's ``feature_names_in_``), else None."""
    if not _is_pandas(X) or not hasattr(X, "columns") or not all(isinstance(c, str) for c in X.columns):
        return None
    return np.asarray(X.columns, dtype=object)


def _stats_dtype(X):
    """The dtype of the statistics of ``X``: its own when float, else float64 (see _float_array)."""
    return X.dtype if np.issubdtype(X.dtype, np.floating) else np.dtype(np.float64)


# ------------------------------------------------------------------- scaling


class _Scaler:
    """What both scalers share: ``fit`` (a fresh ``partial_fit``), ``fit_transform``, scikit-learn's
    ``get_params``/``set_params``, ``get_feature_names_out``, ``set_output`` and tags, and the check
    before ``transform``.

    ``fit`` and ``fit_transform`` take a ``y`` that they ignore, as scikit-learn's scalers do,
    so that a scikit-learn ``Pipeline`` (which passes ``y`` to every step) can hold them."""

    def fit(self, X, y=None):
        """Statistics of ``X`` (the training data), those of any earlier fit forgotten."""
        for name in ("n_samples_seen_", "scale_"):  # partial_fit starts afresh
            if hasattr(self, name):
                delattr(self, name)
        return self.partial_fit(X, y)

    def fit_transform(self, X, y=None):
        """``fit(X)``, then ``transform(X)``: the training data scaled (``y`` is ignored)."""
        return self.fit(X, y).transform(X)

    def _batch(self, X):
        """``X`` checked for ``partial_fit``, and whether it is the first batch: that one's column
        names are kept (``feature_names_in_``), a later one's must be the same (as ``transform``)."""
        if not hasattr(self, "n_samples_seen_"):
            X = self._keep_names(X)
            self.n_features_in_ = math.prod(X.shape[1:])
            return X, True
        return self._check_fitted(X)[0], False

    def get_feature_names_out(self, input_features=None):
        """The names of the features ``transform`` returns, as scikit-learn's: those of the input
        (``feature_names_in_``, else ``x0``, ``x1``, ...), since a scaler keeps its columns."""
        if not hasattr(self, "scale_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X_train) first.")
        fitted = getattr(self, "feature_names_in_", None)
        if input_features is None:
            return fitted.copy() if fitted is not None else np.array([f"x{i}" for i in range(self.n_features_in_)],
                                                                      dtype=object)
        names = np.asarray(input_features, dtype=object).reshape(-1)
        if fitted is not None and not np.array_equal(names, fitted):
            raise ValueError(f"input_features must be the columns the scaler was fitted on, feature_names_in_ "
                             f"({', '.join(fitted):.300}). Received: {', '.join(map(str, names)):.300}")
        if len(names) != self.n_features_in_:
            raise ValueError(f"input_features must name the {self.n_features_in_} features the scaler was fitted "
                             f"on. Received {len(names)} names.")
        return names

    def set_output(self, *, transform=None):
        """``transform="pandas"``: ``transform`` (and ``fit_transform``) return a pandas DataFrame
        with the columns of :meth:`get_feature_names_out` (and the index of a DataFrame given),
        as scikit-learn's ``set_output``; ``"default"``: NumPy arrays; None: unchanged."""
        if transform not in (None, "default", "pandas"):
            raise ValueError(f"transform must be 'default', 'pandas' or None. Received: transform={transform!r:.100}")
        if transform is not None:
            self._sklearn_output_config = {"transform": transform}  # scikit-learn's name: clone keeps it
        return self

    def _output(self, Z, X):
        """``Z`` as :meth:`set_output` asks: a pandas DataFrame, or the array itself."""
        if getattr(self, "_sklearn_output_config", {}).get("transform", "default") != "pandas":
            return Z
        import pandas as pd

        if Z.ndim != 2:
            raise ValueError(f"set_output(transform='pandas') needs 2-D X (samples, features). Received shape {Z.shape}.")
        return pd.DataFrame(Z, columns=self.get_feature_names_out(), index=X.index if _is_pandas(X) else None)

    def __sklearn_tags__(self):
        """scikit-learn's tags (read by scikit-learn only, which is then importable): a
        transformer that takes NaN as a missing value and keeps float32 as float32."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(preserves_dtype=["float64", "float32"]),
                    input_tags=InputTags(allow_nan=True))

    def get_params(self, deep=True):
        """The constructor's arguments by name, as scikit-learn's ``get_params``: ``clone``,
        ``GridSearchCV`` and a ``Pipeline``'s ``set_params`` work on the scalers."""
        names = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in names if name != "self"}

    def set_params(self, **params):
        """Set constructor arguments by name (scikit-learn's ``set_params``); returns the scaler."""
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; its parameters are "
                                 f"{', '.join(valid)}.")
            setattr(self, name, value)
        return self

    def __repr__(self):
        # scikit-learn's: the arguments that differ from the defaults, by name in sorted order
        # (StandardScaler(), MinMaxScaler(feature_range=(-1, 1))). scikit-learn compares their reprs; here a
        # value of the default's type equal to it counts as the default too: feature_range=(0, 1) is glassnet's
        # (0.0, 1.0), and scikit-learn prints MinMaxScaler() for that call
        def is_default(value, default):
            if repr(value) == repr(default):
                return True
            try:
                return type(value) is type(default) and bool(value == default)
            except (TypeError, ValueError):  # (arrays inside: no single truth value)
                return False

        defaults = {name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()}
        changed = [f"{name}={value!r}" for name, value in sorted(self.get_params().items())
                   if not is_default(value, defaults.get(name, inspect.Parameter.empty))]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _keep_names(self, X):
        """Keep a DataFrame's column names as ``feature_names_in_``, as scikit-learn does; returns
        ``X`` as :func:`_float_array` checks it."""
        checked, _ = _float_array(X)
        names = _column_names(X)
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):  # refitted on an array
            del self.feature_names_in_
        return checked

    def _check_fitted(self, X):
        if not hasattr(self, "scale_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet; call fit(X_train) first.")
        names, fitted = _column_names(X), getattr(self, "feature_names_in_", None)
        if names is not None and fitted is not None and not np.array_equal(names, fitted):
            # the same number of columns in another order was scaled with the other columns' statistics
            raise ValueError(f"X's columns must be those the scaler was fitted on, in that order: "
                             f"{', '.join(fitted):.300}. Received the columns {', '.join(names):.300}.")
        X, dtype = _float_array(X)
        if X.shape[1:] != self.scale_.shape:
            if X.ndim == 2 and self.scale_.ndim == 1:
                check_n_features(X, self.scale_.shape[0], type(self).__name__)
            raise ValueError(
                f"X has {X.shape[1:]} features per sample but the scaler was fitted "
                f"on {self.scale_.shape}."
            )
        return X, dtype

    @staticmethod
    def _result(Z, dtype, method):
        """``Z`` as ``dtype``; a value the scaling took past the dtype's range (1e308 scaled
        up, or a float64 result beyond float32) is refused instead of returned as inf."""
        with np.errstate(over="ignore", invalid="ignore"):
            Z = Z.astype(dtype, copy=False)
        if not _all_finite(Z) and np.isinf(Z).any():  # (NaN: a missing value, kept)
            raise ValueError(f"X holds values that {method} takes beyond the range of {Z.dtype} "
                             f"(largest {np.finfo(Z.dtype).max:.3g}); they would become inf.")
        return Z



class StandardScaler(_Scaler):
    """Standardize features: ``x' = (x - μ) / σ`` with μ, σ of the training data.

    ``σ`` is the population standard deviation (``np.std``, ddof 0), as in
    seed 004; a constant feature (σ = 0) is only centered (scale 1), so no
    NaN or inf is produced. Works on ``(n, features...)`` arrays of any rank,
    taking statistics over the first axis. The result has the dtype of a
    float ``X``, ``floatx()`` for integer or bool ``X`` (whose statistics are
    float64, so that large integers such as timestamps stay exact).

    Parameters
    ----------
    with_mean : bool
        Subtract μ (zero-centering).
    with_std : bool
        Divide by σ.

    Attributes
    ----------
    mean_ : ndarray of shape X.shape[1:], the training mean (with ``with_mean=False`` too, as scikit-learn's)
    scale_ : ndarray of shape X.shape[1:]
    var_ : float64 ndarray of shape X.shape[1:] (0 for a constant feature), or None without ``with_std``
    n_features_in_ : int, the number of features (values per sample)
    n_samples_seen_ : int, or int64 ndarray of each feature's count where NaN made them differ
    """

    def __init__(self, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def partial_fit(self, X, y=None):
        """Update the statistics with the batch ``X``: after batches ``X1, X2, ...`` they are those of
        ``fit(np.concatenate([X1, X2, ...]))`` (up to rounding), as scikit-learn's ``partial_fit``."""
        check_bool(self.with_mean, "with_mean")
        check_bool(self.with_std, "with_std")
        X, first = self._batch(X)  # checked; a DataFrame's column names kept
        stats, nan = _stats_dtype(X), _has_nan(X)
        high, low = _column_extremes(X, nan)
        unit = _column_unit(high, low)
        if nan:  # of X / unit; n counts each column's values
            mean, var, n = _nan_column_moments(X, unit)
        else:
            (mean, var), n = _column_moments(X, unit), np.full(X.shape[1:], X.shape[0])
        if not first:
            stats = np.promote_types(stats, self.scale_.dtype)
            n, mean, var, unit, high, low = _merge_batches(self._moments, (n, mean, var, unit, high, low))
        self._moments = n, mean, var, unit, high, low
        # an int, or each column's count where NaN made them differ (scikit-learn's n_samples_seen_)
        self.n_samples_seen_ = int(n.flat[0]) if (n == n.flat[0]).all() else n.astype(np.int64)
        self.mean_ = (mean * unit).astype(stats)  # kept with with_mean=False too, as scikit-learn's
        if not self.with_std:
            self.scale_ = np.ones(X.shape[1:], stats)
            self.var_ = None  # as scikit-learn's
            return self
        # A constant column has σ = 0 up to rounding (0.1 in every row gives 1.4e-17), and
        # dividing by that would blow it up to ±1: equal extremes, or scikit-learn's bound on
        # the rounding, n·u·σ² + (n·u·mean)², mark it
        u = np.finfo(np.float64).eps
        constant = (high == low) | (var <= n * u * var + (n * u * mean) ** 2)
        with np.errstate(over="ignore"):  # a variance beyond float64 (values of 1e160) is inf, as scikit-learn's
            self.var_ = np.where(constant, 0.0, (np.sqrt(var) * unit) ** 2)
        scale = (np.sqrt(var) * unit).astype(stats)
        # a spread that rounds to 0 in X's dtype (float32 values 1e-45 apart) is constant there too:
        # dividing by it would give inf
        self.scale_ = np.where(constant | (scale == 0), 1, scale).astype(stats)
        return self

    def transform(self, X):
        """``x' = (x − μ) / σ`` of each row of ``X``, with the fitted statistics (μ = 0 without ``with_mean``,
        σ = 1 without ``with_std``)."""
        data, dtype = self._check_fitted(X)
        with np.errstate(over="ignore"):  # checked in _result
            Z = data - self._offset()
            Z /= self.scale_  # in place: one temporary of X's size instead of two (20% faster)
        return self._output(self._result(Z, dtype, "transform"), X)

    def inverse_transform(self, X):
        """``x = x' σ + μ``: scaled rows back in the original units."""
        X, dtype = self._check_fitted(X)
        with np.errstate(over="ignore"):
            Z = X * self.scale_
            Z += self._offset()
        return self._result(Z, dtype, "inverse_transform")

    def _offset(self):
        """What ``transform`` subtracts: ``mean_``, or 0 with ``with_mean=False`` (``mean_`` is still the mean)."""
        return self.mean_ if check_bool(self.with_mean, "with_mean") else np.zeros_like(self.mean_)



class MinMaxScaler(_Scaler):
    """Scale each feature to ``feature_range = (a, b)``:
    ``x' = a + (x - min) · (b - a) / (max - min)``, min and max of the training data.

    A constant feature (max = min) maps to ``a``, and so does one whose range is
    too small for a finite scale (``(b - a) / (max - min)`` above 1.8e308); their
    range is taken as 1, as scikit-learn's, so that a new value x maps to
    ``a + (x - min)·(b - a)``.
    Result dtypes as :class:`StandardScaler`.

    Parameters
    ----------
    feature_range : pair (a, b), a < b
    clip : bool
        Clip what ``transform`` returns to ``[a, b]`` (new data beyond the training
        range), as scikit-learn's ``clip=True``; ``inverse_transform`` is not clipped.

    Attributes
    ----------
    data_min_, data_max_ : ndarray of shape X.shape[1:]
    scale_ : ndarray, ``(b - a) / (max - min)``
    min_ : ndarray, ``a - min · scale_`` so that ``x' = x · scale_ + min_``
    data_range_ : ndarray, ``max - min``
    n_features_in_, n_samples_seen_ : int
    """

    def __init__(self, feature_range=(0.0, 1.0), clip=False):
        self.feature_range = feature_range
        self.clip = clip

    def partial_fit(self, X, y=None):
        """Update the minima and maxima with the batch ``X``: after batches ``X1, X2, ...`` they are
        those of ``fit(np.concatenate([X1, X2, ...]))``, as scikit-learn's ``partial_fit``."""
        a, b = _check_range(self.feature_range)
        check_bool(self.clip, "clip")
        X, first = self._batch(X)  # checked; a DataFrame's column names kept
        stats = _stats_dtype(X)
        high, low = _column_extremes(X, _has_nan(X))
        self.n_samples_seen_ = X.shape[0] + (0 if first else self.n_samples_seen_)
        if not first:  # NaN (a column all NaN so far) left out
            stats = np.promote_types(stats, self.scale_.dtype)
            high, low = np.fmax(self.data_max_, high), np.fmin(self.data_min_, low)
        self.data_min_ = low.astype(stats, copy=False)
        self.data_max_ = high.astype(stats, copy=False)
        with np.errstate(over="ignore"):  # -1e308 .. 1e308: inf, as scikit-learn's
            self.data_range_ = self.data_max_ - self.data_min_
        # Halves, because max - min overflows for -1e308 .. 1e308 (and halving is exact)
        half_span = self.data_max_ / 2 - self.data_min_ / 2
        with np.errstate(divide="ignore", over="ignore"):
            scale = (b - a) / 2 / half_span
        # a constant feature's range is taken as 1, as scikit-learn's: new values x map to a + (x − min)(b − a);
        # a feature all NaN so far has no range: NaN, as scikit-learn's
        scale = np.where((half_span > 0) & np.isfinite(scale), scale, b - a)
        self.scale_ = np.where(np.isnan(half_span), np.nan, scale).astype(stats)
        self.min_ = (a - self.data_min_ * self.scale_).astype(stats)
        self._low = a
        return self

    def transform(self, X):
        """``x' = a + (x − min) · scale_`` of each row of ``X``, clipped to ``[a, b]`` with ``clip=True``."""
        data, dtype = self._check_fitted(X)
        with np.errstate(over="ignore"):
            Z = data * self.scale_
            # x·scale_ − min·scale_ + a, not x·scale_ + min_ (scikit-learn's): min_ = a − min·scale_ rounds a
            # away beside a large min, and a constant feature of 1e17 mapped to 0 instead of a
            low = getattr(self, "_low", None)  # (None: pickled by a glassnet before it kept a)
            if low is None:
                Z += self.min_
            else:
                Z -= self.data_min_ * self.scale_  # in place, as StandardScaler.transform
                Z += low
        if check_bool(self.clip, "clip"):
            np.clip(Z, *_check_range(self.feature_range), out=Z)
        return self._output(self._result(Z, dtype, "transform"), X)

    def inverse_transform(self, X):
        """``x = (x' − min_) / scale_``: scaled rows back in the original units."""
        X, dtype = self._check_fitted(X)
        with np.errstate(over="ignore"):
            Z = X - self.min_
            Z /= self.scale_
        return self._result(Z, dtype, "inverse_transform")



def _check_range(feature_range):
    if not isinstance(feature_range, (tuple, list)) or len(feature_range) != 2:
        raise ValueError(f"feature_range must be a pair (min, max). Received: feature_range={feature_range!r}")
    a = check_number(feature_range[0], "feature_range[0]")
    b = check_number(feature_range[1], "feature_range[1]")
    if not a < b:
        raise ValueError(f"feature_range must satisfy min < max. Received: feature_range={feature_range!r}")
    return a, b


def zero_center(X, per_channel=False):
    """``X - mean(X, axis=0)`` (seed 004: ``X -= np.mean(X, axis = 0)``); a new array.

    Of images ``(n, h, w, c)`` that subtracts the mean image; ``per_channel=True``
    subtracts one mean per channel (the last axis), the mean over every sample and
    pixel: seed 004's "subtract the mean image only, can do it per channel"."""
    if not check_bool(per_channel, "per_channel"):
        return StandardScaler(with_std=False).fit_transform(X)
    X = check_array(X, "X", ndim=2, allow_nd=True, finite=False)
    return StandardScaler(with_std=False).fit_transform(X.reshape(-1, X.shape[-1])).reshape(X.shape)


def standardize(X):
    """``(X - mean) / std`` per feature (seed 004's two lines); a new array.

    Constant features are only centered. For train/test data use
    :class:`StandardScaler` so that both use the training statistics.
    """
    return StandardScaler().fit_transform(X)


def min_max_scale(X, feature_range=(0.0, 1.0), axis=0):
    """Scale each feature (column) of ``X`` to ``feature_range`` (see :class:`MinMaxScaler`); ``axis=1``
    scales each row instead, as scikit-learn's ``minmax_scale`` does (MATLAB's ``mapminmax`` scales rows: its
    samples are columns)."""
    if axis is None or not is_one_of(axis, (0, 1)):
        raise ValueError(f"axis must be 0 (scale each column, a feature) or 1 (each row). Received: axis={axis!r:.100}")
    if axis == 0:
        return MinMaxScaler(feature_range).fit_transform(X)
    return MinMaxScaler(feature_range).fit_transform(check_array(X, "X", finite=False).T).T


# ------------------------------------------------------------------- one-hot


_MAX_ONE_HOT = 2**31  # values in a one-hot array: 8 GiB of float32
