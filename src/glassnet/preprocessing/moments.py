"""Column statistics that stay exact on any data: mean and variance accumulated in float64
over blocks (:func:`_column_moments`), without NaN (:func:`_nan_column_moments`), merged across
batches (:func:`_merge_moments`, :func:`_merge_batches`), in a power-of-two unit per column where
the values are huge or tiny (:func:`_column_unit`). The scalers and the Normalization layer use them."""

import math

import numpy as np


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
