"""Preparing data: centering and scaling, one-hot labels, splits and k-fold.

Seed 004's pre-processing, per feature (column) over the samples::

    X -= np.mean(X, axis = 0)   # zero-centered data
    X /= np.std(X, axis = 0)    # standardized (normalized) data

Statistics must come from the training data only; the scaler objects keep
them (``fit`` on the training set, ``transform`` every set). As scikit-learn's
scalers, they take NaN as a missing value: left out of the statistics, kept
as NaN by ``transform`` (for an imputer to fill later).
"""

import inspect
import math
import warnings
from typing import NamedTuple

import numpy as np

from ._validation import (_all_finite, check_array, check_bool, check_consistent_length, check_int, check_number,
                          check_positive_int, is_sparse, sized_by_arguments)
from .backend import floatx, make_rng

__all__ = [
    "MinMaxScaler",
    "Split",
    "StandardScaler",
    "from_categorical",
    "kfold",
    "min_max_scale",
    "split",
    "standardize",
    "to_categorical",
    "zero_center",
]


def _float_array(X, name="X"):
    """``X`` checked (at least 2-D, with samples and features) and the dtype of results from it.

    A float ``X`` keeps its dtype. Integers and bools are not cast: the statistics and the
    arithmetic run in float64 and only the result becomes ``floatx()``, since float32 holds
    integers exactly only up to 2**24 (1700000060 would become 1700000000).
    NaN (a missing value) is allowed, inf is not, as in scikit-learn's scalers."""
    X = check_array(X, name=name, ndim=2, allow_nd=True, allow_empty=True, finite=False, objects="sklearn")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); at least one sample is required.")
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
            raise ValueError(f"This {type(self).__name__} is not fitted yet; call fit(X_train) first.")
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
            raise ValueError(f"This {type(self).__name__} is not fitted yet; call fit(X_train) first.")
        names, fitted = _column_names(X), getattr(self, "feature_names_in_", None)
        if names is not None and fitted is not None and not np.array_equal(names, fitted):
            # the same number of columns in another order was scaled with the other columns' statistics
            raise ValueError(f"X's columns must be those the scaler was fitted on, in that order: "
                             f"{', '.join(fitted):.300}. Received the columns {', '.join(names):.300}.")
        X, dtype = _float_array(X)
        if X.shape[1:] != self.scale_.shape:
            if X.ndim == 2 and self.scale_.ndim == 1:  # scikit-learn's words, which its checks look for
                raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                                 f"{self.scale_.shape[0]} features as input.")
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


def _column_moments(X, unit=None, block=1 << 17):
    """Mean and variance (ddof 0) of each column of ``X / unit``, accumulated in float64 (as
    scikit-learn) over blocks of about ``block`` values: float32 sums over 10⁶ rows drift by
    tenths of a percent, and a float64 copy of the whole array (of a memory-mapped file larger
    than memory, say) would be large and slow. ``unit``: see :func:`_column_unit` (None: 1)."""
    scaled = unit is not None and not (unit == 1).all()
    rows = max(1, block // max(1, math.prod(X.shape[1:])))
    blocks = [slice(start, start + rows) for start in range(0, X.shape[0], rows)]
    if scaled:
        mean = sum(np.sum(X[part].astype(np.float64) / unit, axis=0) for part in blocks) / X.shape[0]
    else:
        mean = X.mean(axis=0, dtype=np.float64)
    var = np.zeros(X.shape[1:], dtype=np.float64)
    for part in blocks:
        d = X[part].astype(np.float64)
        if scaled:
            d /= unit
        d -= mean
        var += np.einsum("i...,i...->...", d, d)
    return mean, var / max(X.shape[0], 1)


def _nan_column_moments(X, unit):
    """Mean, variance (ddof 0) and count of each column of ``X / unit`` without its NaN values
    (missing values, left out as by scikit-learn); an all-NaN column's are NaN, NaN and 0."""
    d = X / unit
    count = np.sum(~np.isnan(d), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(d, axis=0) / count
        return mean, np.nansum((d - mean) ** 2, axis=0) / count, count


def _merge_moments(first, second):
    """The ``(count, mean, variance)`` of two sets of samples from those of each (ddof 0;
    Chan, Golub and LeVeque's pairwise update): statistics over data that comes in batches."""
    (n_a, mean_a, var_a), (n_b, mean_b, var_b) = first, second
    n = n_a + n_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    # weighted by the shares of n, not multiplied by the counts: var * n overflows where var does not
    var = var_a * (n_a / n) + var_b * (n_b / n) + (delta * (np.sqrt(n_a * n_b) / n)) ** 2
    return n, mean, var


def _merge_batches(first, second):
    """The statistics of two batches, each ``(count, mean, variance, unit, max, min)`` per column (mean
    and variance of ``X / unit``, see :func:`_column_unit`; counts without NaN), merged."""
    (n_a, mean_a, var_a, unit_a, high_a, low_a), (n_b, mean_b, var_b, unit_b, high_b, low_b) = first, second
    high, low = np.fmax(high_a, high_b), np.fmin(low_a, low_b)
    unit = _column_unit(high, low)
    # powers of two: the batches' moments in the new unit. A ratio above 1 is a batch of zeros (unit 1) beside
    # tiny values: its moments are 0, and its ratio (up to 2**1074) squared is inf, 0 · inf NaN
    with np.errstate(over="ignore"):
        ratio_a, ratio_b = np.minimum(unit_a / unit, 1.0), np.minimum(unit_b / unit, 1.0)
    with np.errstate(invalid="ignore", divide="ignore", under="ignore"):
        n, mean, var = _merge_moments((n_a, mean_a * ratio_a, var_a * ratio_a**2), (n_b, mean_b * ratio_b, var_b * ratio_b**2))
    # a column with no value yet (all NaN) in one batch has the other's statistics
    mean = np.where(n_a == 0, mean_b * ratio_b, np.where(n_b == 0, mean_a * ratio_a, mean))
    var = np.where(n_a == 0, var_b * ratio_b**2, np.where(n_b == 0, var_a * ratio_a**2, var))
    return n, mean, var, unit, high, low


def _column_unit(high, low):
    """A power of two per column near its largest ``|x|`` (from the column maxima
    ``high`` and minima ``low``) where that is huge or tiny, else 1.

    Squares of 1e160 overflow and of 1e-170 underflow; the statistics of ``X / unit``
    do not, and dividing by a power of two is exact, so ``mean(X / unit) * unit`` is
    ``mean(X)`` to the last bit."""
    peak = np.maximum(high.astype(np.float64), -low.astype(np.float64))  # -low would wrap for ints
    ordinary = (peak == 0) | ((peak > 2.0**-500) & (peak < 2.0**500)) | np.isnan(peak)  # all NaN
    with np.errstate(divide="ignore"):
        return np.where(ordinary, 1.0, np.exp2(np.floor(np.log2(peak))))


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
        data, dtype = self._check_fitted(X)
        with np.errstate(over="ignore"):  # checked in _result
            Z = data - self._offset()
            Z /= self.scale_  # in place: one temporary of X's size instead of two (20% faster)
        return self._output(self._result(Z, dtype, "transform"), X)

    def inverse_transform(self, X):
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


def min_max_scale(X, feature_range=(0.0, 1.0)):
    """Scale each feature of ``X`` to ``feature_range`` (see :class:`MinMaxScaler`)."""
    return MinMaxScaler(feature_range).fit_transform(X)


# ------------------------------------------------------------------- one-hot


_MAX_ONE_HOT = 2**31  # values in a one-hot array: 8 GiB of float32


def to_categorical(x=None, num_classes=None, dtype=None, *, y=None):
    """One-hot encode integer labels, as ``keras.utils.to_categorical``.

    ``Y[i, y[i]] = 1``, all else 0. A trailing axis of length 1 (labels as a
    column) is dropped first; the one-hot axis is appended.

    Parameters
    ----------
    x : array-like of int
        Class indices 0 .. num_classes-1 (Keras 3's name; tf.keras's keyword
        ``y=`` is accepted instead).
    num_classes : int, optional
        Default ``max(y) + 1``.
    dtype : dtype, optional
        Default ``floatx()``.

    Returns
    -------
    ndarray of shape y.shape + (num_classes,)
    """
    if (x is None) == (y is None):
        given = "both x and y" if x is not None else "neither x nor y"
        raise TypeError(f"to_categorical takes the labels once: as x (Keras 3's name) or as y= (tf.keras's). "
                        f"Received {given}.")
    name = "x" if y is None else "y"
    try:
        dtype = np.dtype(floatx() if dtype is None else dtype)
    except (TypeError, ValueError):
        raise TypeError(f"dtype must be a NumPy dtype such as 'float32'. Received: dtype={dtype!r:.100}") from None
    if dtype.kind not in "biuf":  # 'U1' gave the text '1' and '', 'M8[s]' dates, 'V8' a bytes error
        raise ValueError(f"dtype must be a real number dtype (float, int or bool) such as 'float32'. "
                         f"Received: dtype={dtype.name}")
    y = check_array(x if y is None else y, name=name, ndim=None, allow_empty=True)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size == 0:  # no labels: (0, num_classes), as Keras (an empty batch's targets)
        if num_classes is None:
            raise ValueError(f"{name} is empty: give num_classes, which no label can tell.")
        return np.zeros(y.shape + (check_positive_int(num_classes, "num_classes"),), dtype=dtype)
    if np.issubdtype(y.dtype, np.floating):
        fractional = y != np.round(y)
        if fractional.any():
            raise ValueError(
                f"{name} must hold integer class labels 0, 1, 2, ... Received the value {y[fractional][0].item()!r}."
            )
    # Checked before the cast to int64, which wraps 2**63 (uint64) and 1e20 around
    low, high = int(y.min()), int(y.max())
    if low < 0:
        raise ValueError(f"{name} must hold non-negative class labels. Received a label {low}.")
    if num_classes is None:
        num_classes = high + 1
    num_classes = check_positive_int(num_classes, "num_classes")
    if high >= num_classes:
        raise ValueError(
            f"{name} holds the label {high} but num_classes={num_classes} allows only 0..{num_classes - 1}."
        )
    if y.size * num_classes > _MAX_ONE_HOT:
        raise ValueError(
            f"{name} holds {y.size} label(s), the largest {high}: with num_classes={num_classes} the one-hot "
            f"array would need {y.size * num_classes} values (at most 2**31 allowed); "
            f"{name} must hold class labels 0, 1, 2, ..."
        )
    labels = y.astype(np.int64)
    Y = np.zeros(labels.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(Y, labels[..., None], 1, axis=-1)
    return Y


def from_categorical(Y, axis=-1):
    """Decode one-hot rows (or probabilities) to class indices: ``argmax`` along ``axis``, int64.

    A single column along ``axis`` is one binary output, as a sigmoid unit's
    (Keras-style): it decodes to 1 where it is above 0.5, else 0.
    """
    Y = check_array(Y, name="Y", ndim=2, allow_nd=True)
    axis = check_int(axis, "axis", low=-Y.ndim, high=Y.ndim - 1)
    if Y.shape[axis] == 1:  # argmax over one column would always say 0
        return (np.take(Y, 0, axis=axis) > 0.5).astype(np.int64)
    return np.argmax(Y, axis=axis).astype(np.int64)


# ------------------------------------------------------------------- splits


class Split(NamedTuple):
    """Three ``(X, y)`` pairs; a part not asked for holds empty arrays."""

    train: tuple
    validation: tuple
    test: tuple


def _samples(values, name):
    """``values`` as an array (of any dtype: split also cuts text or object samples);
    ragged nested lists are refused by name. A SciPy sparse matrix stays sparse, as CSR
    (its rows can be indexed; ``np.asarray`` made it a 0-d object array, "a scalar").
    A pandas DataFrame or Series stays one (cut by position, see :func:`_rows`), as
    scikit-learn's ``train_test_split`` keeps it: its column names and index survive."""
    if is_sparse(values):
        return values.tocsr()
    if _is_pandas(values):
        return values
    try:
        return np.asarray(values)
    except ValueError as exc:
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None


def _is_pandas(values):
    """Whether ``values`` is a pandas DataFrame or Series (without importing pandas)."""
    return type(values).__module__.startswith("pandas") and hasattr(values, "iloc")


def _rows(values, idx):
    """The samples ``idx`` of ``values``: by position for pandas (``df[idx]`` picks columns)."""
    return values.iloc[idx] if _is_pandas(values) else values[idx]


def _count(value, n, name):
    """A fraction in [0, 1) -> ceil(value * n) samples; an int -> that many."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not 0 <= value < n:
            raise ValueError(f"{name} must be a count in [0, {n}). Received: {name}={value}")
        return int(value)
    value = check_number(value, name, low=0.0, high=1.0, high_open=True)
    return int(np.ceil(value * n))


def _unique(labels, **options):
    """``np.unique(labels, **options)``, naming the labels when they cannot be sorted."""
    try:
        return np.unique(labels, **options)
    except TypeError:  # object labels that cannot be sorted: "'<' not supported between 'NoneType' and 'str'"
        kinds = sorted({type(v).__name__ for v in labels.tolist()})
        raise TypeError(f"The labels to stratify on (y with stratify=True, or stratify=) must be all numbers or all "
                        f"text, to be sorted into classes. Received labels of the types {', '.join(kinds)}.") from None


def _by_class(labels, rng):
    """Shuffle, then group by class: ``(order, class of each, rank within its class, class sizes)``."""
    perm = rng.permutation(len(labels))
    _, inverse, counts = _unique(labels[perm], return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    by_class = np.argsort(inverse, kind="stable")
    order = perm[by_class]
    klass = inverse[by_class]
    rank = np.arange(len(labels)) - (np.cumsum(counts) - counts)[klass]
    return order, klass, rank, counts


def _apportion(counts, total, rng):
    """Split ``total`` draws over classes in proportion to ``counts``: each class
    gets floor or ceil of ``counts * total / sum(counts)``, the ceilings going to
    the largest remainders (ties at random), as scikit-learn's stratified split.
    """
    share = counts * total / counts.sum()
    drawn = np.floor(share).astype(np.int64)
    remainder = share - drawn
    first = np.lexsort((rng.random(len(counts)), -remainder))
    drawn[first[: total - drawn.sum()]] += 1
    return drawn


def _stratify_labels(stratify, y, n, n_is):
    """The labels to stratify on: ``y`` (one-hot rows decoded) or a given array of
    ``n`` labels; ``n_is`` says where ``n`` comes from in the error message."""
    if stratify is True:
        if y is None:
            raise ValueError("stratify=True needs y. Pass y or an array of labels as stratify=.")
        labels = np.asarray(y)
    else:
        labels = np.asarray(stratify)
        if labels.ndim == 0 or len(labels) != n:
            got = "a single value" if labels.ndim == 0 else f"{len(labels)} labels"
            raise ValueError(f"stratify must hold one label per sample ({n_is}). Received {got}.")
    if labels.ndim == 2 and labels.shape[1] > 1:
        labels = labels.argmax(axis=1)
    return labels.reshape(n, -1)[:, 0] if labels.ndim > 1 else labels


def _check_strata(classes, counts, cut, rest, of="y"):
    """Refuse a stratified cut that would leave a class out of a part, as scikit-learn's
    ``train_test_split``: every class needs 2 members, and each side one per class.

    ``counts``: the samples of each of the ``classes`` in ``of``; ``cut`` and ``rest``:
    ``(name, size)`` of the part cut from them and of what stays. A cut of size 0 is no cut."""
    if cut[1] == 0:
        return
    present = counts > 0  # a class the test part took whole is not there for the validation cut
    classes, counts = classes[present], counts[present]
    rare = classes[counts < 2].tolist()
    if rare:
        listed = ", ".join(map(repr, rare[:5])) + (f" and {len(rare) - 5} more" if len(rare) > 5 else "")
        which = f"the class {listed} has" if len(rare) == 1 else f"the classes {listed} have"
        raise ValueError(f"stratify: {which} only 1 sample in {of}. "
                         f"A stratified split needs at least 2 of each (one for the {cut[0]}, one for the "
                         f"{rest[0]}; scikit-learn's train_test_split refuses it too): leave the rare classes "
                         f"out, or split without stratify.")
    for name, size in (cut, rest):
        if size < len(classes):
            raise ValueError(f"stratify: the {name} would get {size} sample(s), fewer than the {len(classes)} "
                             f"classes of the labels: a stratified split puts every class in every part "
                             f"(scikit-learn's train_test_split refuses it too). Give the {name} at least "
                             f"{len(classes)} samples, or split without stratify.")


def split(X, y=None, *, validation=0.0, test=0.0, seed=None, stratify=False, shuffle=True):
    """Split into train / validation / test sets, as ``train_test_split`` with a third part.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...), or a SciPy sparse matrix (its parts are CSR)
        A pandas DataFrame or Series gives parts of its own type, with their index and
        column names (as scikit-learn's ``train_test_split``); other array-likes give ndarrays.
    y : array-like of shape (n_samples, ...), optional
    validation, test : float or int
        Fraction in [0, 1) (rounded up, as scikit-learn does for the test set)
        or number of samples. The training set gets the rest (at least one).
    seed : int, optional
    stratify : bool or array-like
        ``True`` keeps the class proportions of ``y`` (labels or one-hot rows)
        in every part; an array gives other labels. As two successive
        scikit-learn stratified splits: the test set holds the floor or ceil
        of its share of each class, the validation set likewise of what the
        test set leaves, and the training set the rest (so within two samples
        of its share). Refused, as by scikit-learn (a ValueError), where a class
        has a single sample or a part fewer samples than there are classes.
    shuffle : bool
        ``False`` keeps the order: train first, then validation, then test.

    Returns
    -------
    Split
        ``(train, validation, test)``, each ``(X_part, y_part)`` (``y_part``
        None without ``y``). E.g. ``(X_tr, y_tr), _, (X_te, y_te) = split(X, y, test=0.2)``.
    """
    if X is None:
        raise TypeError("X must be an array of samples. Received: X=None")
    X = _samples(X, "X")
    if X.ndim == 0:
        raise ValueError(f"X must be an array of samples. Received a scalar X={X!r}.")
    n = X.shape[0]  # not len(): a sparse matrix has none
    if n == 0:
        raise ValueError("X is empty; at least one sample is required.")
    if y is not None:
        y = _samples(y, "y")
        check_consistent_length(X=X, y=y)
    n_test = _count(test, n, "test")
    n_val = _count(validation, n, "validation")
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"validation={validation!r} and test={test!r} leave no training samples out of {n}."
        )
    rng = make_rng(seed) if check_bool(shuffle, "shuffle") else _no_seed(seed)
    if stratify is not False and stratify is not None:
        if not shuffle:
            raise ValueError("stratify needs shuffle=True (a stratified split reorders the samples).")
        # Per class: test share first, then validation from the rest (as two
        # successive scikit-learn stratified splits), chosen at random within the class.
        labels = _stratify_labels(stratify, y, n, f"X has {n}")
        order, klass, rank, counts = _by_class(labels, rng)
        classes = _unique(labels)
        rest = "training set" if n_val == 0 else "training and validation sets"
        _check_strata(classes, counts, ("test set", n_test), (rest, n - n_test))
        n_test_c = _apportion(counts, n_test, rng)
        _check_strata(classes, counts - n_test_c, ("validation set", n_val), ("training set", n_train),
                      of="what the test set leaves" if n_test else "y")
        n_val_c = _apportion(counts - n_test_c, n_val, rng)
        part = np.where(rank < n_test_c[klass], 2, np.where(rank < (n_test_c + n_val_c)[klass], 1, 0))
        shuffled = rng.permutation(n)
        order, part = order[shuffled], part[shuffled]  # each part in random order
        parts = [order[part == j] for j in range(3)]
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        parts = np.split(order, np.cumsum([n_train, n_val]))
    return Split(*((_rows(X, idx), None if y is None else _rows(y, idx)) for idx in parts))


def _no_seed(seed):
    """None, or the error for a seed given with ``shuffle=False``, where nothing is drawn (it
    was silently unused; scikit-learn's KFold refuses it too)."""
    if seed is not None:
        raise ValueError(f"seed has no effect with shuffle=False: nothing is drawn. Pass shuffle=True to shuffle "
                         f"with it, or leave seed out. Received: seed={seed!r:.100}")


def _check_class_sizes(labels, k):
    """As scikit-learn's ``StratifiedKFold``: an error where every class has fewer than ``k``
    samples, a warning where some class has (some folds hold none of it)."""
    classes, counts = _unique(labels, return_counts=True)
    if (counts < k).all():
        raise ValueError(f"k={k} is more than the samples of every class in stratify (the largest class has "
                         f"{counts.max()}), so every class would be missing from some fold (scikit-learn's StratifiedKFold "
                         f"refuses it too). Give k <= {counts.max()}.")
    rare = counts.argmin()
    if counts[rare] < k:
        warnings.warn(f"The least populated class in stratify, {classes.tolist()[rare]!r}, has only {counts[rare]} member(s), "
                      f"which is less than k={k}: {k - counts[rare]} fold(s) validate without it (as scikit-learn's "
                      f"StratifiedKFold warns).", UserWarning, stacklevel=4)


@sized_by_arguments("n")
def kfold(n, k=5, shuffle=True, seed=None, stratify=None):
    """Indices for k-fold cross-validation.

    The samples are cut into ``k`` folds (the first ``n % k`` folds get one
    extra sample, as scikit-learn's ``KFold``); fold ``j`` validates a model
    trained on the other ``k - 1``.

    Parameters
    ----------
    n : int
        Number of samples.
    k : int
        Number of folds, 2 <= k <= n.
    shuffle : bool
        Assign samples to folds at random (else consecutive blocks).
    seed : int, optional
    stratify : array-like of shape (n,), optional
        Labels to stratify on: each class is dealt round-robin over the folds
        (as scikit-learn's ``StratifiedKFold``), so every fold holds the floor
        or ceil of ``n_c / k`` samples of a class of ``n_c``. With
        ``shuffle=False`` the folds are ``StratifiedKFold(k)``'s (its default,
        unshuffled): each class's samples, in order, fill fold 0's share first.
        As ``StratifiedKFold``: a ValueError where every class has fewer than ``k``
        samples, a UserWarning where some class has.

    Returns
    -------
    list of (train_idx, val_idx)
        ``k`` pairs of sorted int64 index arrays; the ``val_idx`` partition ``range(n)``.
    """
    n = check_positive_int(n, "n")
    k = check_positive_int(k, "k")
    if not 2 <= k <= n:
        raise ValueError(f"k must be between 2 and n={n}. Received: k={k}")
    shuffle = check_bool(shuffle, "shuffle")  # "no" shuffled, as any truthy value did
    if not shuffle:
        _no_seed(seed)
    if stratify is not None:
        if isinstance(stratify, bool):
            raise TypeError(f"stratify must be an array of n labels. Received: stratify={stratify!r}")
        labels = _stratify_labels(stratify, None, n, f"n={n}")
        _check_class_sizes(labels, k)
        fold_of = np.empty(n, dtype=np.int64)
        if shuffle:
            # Deal each class round-robin over the folds, like scikit-learn's StratifiedKFold.
            order, _, _, _ = _by_class(labels, make_rng(seed))
            fold_of[order] = np.arange(n) % k
        else:
            # scikit-learn's StratifiedKFold(shuffle=False), fold for fold: classes numbered in
            # order of first appearance and dealt round-robin for the counts, each class's samples
            # then given to fold 0's share, fold 1's, ... in their order
            _, first, inverse = _unique(labels, return_index=True, return_inverse=True)
            klass = np.argsort(np.argsort(first))[inverse.reshape(-1)]
            ranked = np.sort(klass)
            shares = np.array([np.bincount(ranked[j::k], minlength=len(first)) for j in range(k)])
            for c in range(len(first)):
                fold_of[klass == c] = np.repeat(np.arange(k), shares[:, c])
    else:
        # Consecutive blocks; the first n % k folds get one more sample (sklearn's KFold).
        order = make_rng(seed).permutation(n) if shuffle else np.arange(n)
        sizes = np.full(k, n // k)
        sizes[: n % k] += 1
        fold_of = np.empty(n, dtype=np.int64)
        fold_of[order] = np.repeat(np.arange(k), sizes)
    all_idx = np.arange(n)
    return [(all_idx[fold_of != j], all_idx[fold_of == j]) for j in range(k)]
