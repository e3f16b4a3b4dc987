"""Property-based tests (hypothesis) of glassnet.preprocessing against scikit-learn, Keras and exact fractions.

Drawn matrices (1 to 12 rows; columns constant, of small integers, of ordinary or huge and tiny magnitude
(1e-320 to 1e300), or mixing 0, 5e-324, 1e-300 and ±1e300; NaN here and there, a missing value) are
scaled by ``StandardScaler`` and ``MinMaxScaler`` and checked: ``mean_``, ``var_`` and ``scale_`` against
the exact statistics of the same floats in ``fractions.Fraction`` (to the rounding of the column's largest
value); every fitted attribute, ``transform`` and ``inverse_transform`` against scikit-learn's where its
float64 arithmetic neither overflows nor underflows (values within 1e±100); ``partial_fit`` over a drawn
chunking against ``fit`` on the whole; the training data of ``MinMaxScaler`` inside the range, its minimum
on ``a``. Then dtypes, DataFrames, ``clone`` and pickling; ``to_categorical`` against Keras 3's
``keras.utils.to_categorical`` and its ValueErrors; ``split``'s sizes, partitions, seeds, pandas indexes,
stratified class counts and ValueErrors.

A derandomized, CI-sized run of the hunt (2,000 examples per property) that found the bugs named in
tests/test_preprocessing.py (partial_fit of zeros then tiny values, an all-NaN MinMaxScaler feature's
scale_, a constant feature of large values mapped to 0); each strategy and check is a plain function,
so a longer hunt can reuse them with ``max_examples`` raised.
"""

import math
import pickle
import warnings
from fractions import Fraction

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, note, settings, strategies as st  # noqa: E402

from glassnet.preprocessing import (MinMaxScaler, StandardScaler, from_categorical, kfold, split,  # noqa: E402
                                    to_categorical)

CI = settings(max_examples=120, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
EPS = np.finfo(np.float64).eps
MAGNITUDES = [1.0, 1e-300, 1e300, 1e-10, 1e10, 1e-160, 1e160, 1e-320]
EXTREMES = [0.0, 1e-300, -1e300, 1e300, 1.0, 5e-324, 1e-10]


@st.composite
def matrices(draw, nan=True):
    """float64 ``(n, d)`` matrices, n in 1..12, d in 1..4, columns of drawn kinds and magnitudes."""
    n, d = draw(st.integers(1, 12)), draw(st.integers(1, 4))
    columns = []
    for _ in range(d):
        kind, scale = draw(st.sampled_from(["uniform", "constant", "integers", "extremes"])), draw(st.sampled_from(MAGNITUDES))
        if kind == "constant":
            column = np.full(n, draw(st.floats(-1e3, 1e3)) * scale)
        elif kind == "integers":
            column = np.array(draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), float) * scale
        elif kind == "extremes":
            column = np.array(draw(st.lists(st.sampled_from(EXTREMES), min_size=n, max_size=n)))
        else:
            column = np.array(draw(st.lists(st.floats(-100, 100), min_size=n, max_size=n))) * scale
        columns.append(column)
    X = np.column_stack(columns)
    if nan and draw(st.booleans()):
        X[np.array(draw(st.lists(st.booleans(), min_size=X.size, max_size=X.size))).reshape(X.shape)] = np.nan
    return X


def exact_statistics(X):
    """Each column's mean, variance (ddof 0) and scale from the exact sums of its floats (NaN left out):
    scale 1 where scikit-learn's bound n·ε·var + (n·ε·mean)² says constant, or the spread rounds to 0."""
    means, variances, scales = [], [], []
    for column in X.T:
        values = [Fraction(float(v)) for v in column if not np.isnan(v)]
        if not values:
            means.append(np.nan), variances.append(np.nan), scales.append(np.nan)
            continue
        n, u = len(values), Fraction(EPS)
        mean = sum(values) / n
        var = sum((v - mean) ** 2 for v in values) / n
        constant = max(values) == min(values) or var <= n * u * var + (n * u * mean) ** 2
        shift = 2 * max(0, 1100 - (var.numerator.bit_length() - var.denominator.bit_length()) // 2)
        sigma = float(Fraction(math.isqrt((var.numerator << shift) // var.denominator), 1 << (shift // 2)))
        means.append(float(mean))
        variances.append(0.0 if constant else (float(var) if var < Fraction(np.finfo(float).max) else math.inf))
        scales.append(1.0 if constant or sigma == 0 else sigma)
    return np.array(means), np.array(variances), np.array(scales)


def column_peaks(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
        return np.nanmax(np.abs(X), axis=0)


def ordinary(X):
    """Whether scikit-learn's float64 sums of squares neither overflow nor underflow on ``X``."""
    values = np.abs(X[~np.isnan(X) & (X != 0)])
    return values.size == 0 or (values.min() > 1e-100 and values.max() < 1e100)


def assert_close(actual, desired, atol=0.0, rtol=1e-9, what=""):
    actual, desired = np.asarray(actual, float), np.asarray(desired, float)
    assert actual.shape == desired.shape, (what, actual.shape, desired.shape)
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def check_standard_scaler(X, with_mean, with_std):
    ours = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    mean, var, scale = exact_statistics(X)
    peak = column_peaks(X)
    with np.errstate(invalid="ignore"):  # the tolerance: the rounding of the column's largest value
        wrong = ~np.isnan(mean) & ~(np.abs(ours.mean_ - mean) <= 1e-13 * peak)
    assert not wrong.any(), ("mean_", ours.mean_, mean)
    if with_std:
        constant = scale == 1
        assert (ours.scale_[constant] == 1).all(), ("a constant column's scale_", ours.scale_, scale)
        spread = ~constant & ~np.isnan(scale)
        error = np.abs(ours.scale_ - scale)[spread]
        assert ((error <= 1e-9 * scale[spread]) | (error <= 1e-7 * peak[spread])).all(), ("scale_", ours.scale_, scale)
    Z = ours.transform(X)
    slack = 1e-13 * np.nanmax(peak, initial=0)
    assert_close(ours.inverse_transform(Z), X, atol=slack, what="inverse_transform(transform(X))")
    if not ordinary(X):
        return
    sk = pytest.importorskip("sklearn.preprocessing")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = sk.StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    if theirs.mean_ is not None:  # None with neither option, where ours still holds the mean
        assert_close(ours.mean_, theirs.mean_, atol=slack, what="mean_")
    if with_std:
        assert_close(ours.var_, theirs.var_, atol=slack**2, what="var_")
        assert_close(ours.scale_, theirs.scale_, what="scale_")
    else:
        assert ours.var_ is None and theirs.var_ is None
    np.testing.assert_array_equal(ours.n_samples_seen_, theirs.n_samples_seen_)
    assert_close(Z, theirs.transform(X), atol=1e-12, what="transform")


def check_min_max_scaler(X, feature_range, clip, new):
    a, b = feature_range
    ours = MinMaxScaler(feature_range, clip=clip).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(ours.data_min_, np.fmin.reduce(X, axis=0))
        np.testing.assert_array_equal(ours.data_max_, np.fmax.reduce(X, axis=0))
    Z = ours.transform(X)
    width = b - a
    assert (np.isnan(Z) | ((Z >= a - 1e-9 * width) & (Z <= b + 1e-9 * width))).all(), ("outside the range", Z)
    at_min = X == ours.data_min_
    np.testing.assert_allclose(Z[at_min], a, atol=1e-9 * width, err_msg="the minimum maps to a")
    with np.errstate(invalid="ignore"):
        slack = 1e-13 * (np.nanmax(np.abs(X), initial=0) + (abs(a) + abs(b)) / np.nanmin(ours.scale_, initial=np.inf))
    assert_close(ours.inverse_transform(Z), X, atol=slack, what="inverse_transform(transform(X))")
    sk = pytest.importorskip("sklearn.preprocessing")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = sk.MinMaxScaler(feature_range, clip=clip).fit(X)
    if not ordinary(X) or (np.nan_to_num(theirs.data_range_, nan=1) < 10 * EPS).any():
        return  # scikit-learn takes ranges below 10ε as constant, glassnet scales them
    for attribute in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        assert_close(getattr(ours, attribute), getattr(theirs, attribute), atol=1e-12, what=attribute)
    assert ours.n_samples_seen_ == theirs.n_samples_seen_
    for data in (X, new[:, : X.shape[1]] if new.shape[1] >= X.shape[1] else X):
        with np.errstate(over="ignore"):
            expected = theirs.transform(data)
        if not np.isfinite(expected[~np.isnan(expected)]).all():
            continue  # new values scaled past float64 (1e300 · 1e10): ours refuses them, scikit-learn's give inf
        # the rounding of x·scale_ + min_; clipped, only values near the range count, x·scale_ about −min_
        with np.errstate(over="ignore"):
            scaled = 0 if clip else np.nanmax(np.abs(data * theirs.scale_), initial=0)
        scaled += np.nanmax(np.abs(theirs.min_), initial=0)
        atol = 1e-12 * (abs(a) + abs(b) + scaled)
        assert_close(ours.transform(data), expected, atol=atol, what="transform")
        assert_close(ours.inverse_transform(expected), theirs.inverse_transform(expected),
                     atol=atol / np.nanmin(theirs.scale_, initial=np.inf), what="inverse_transform")


def check_partial_fit(X, cuts, scaler):
    """``partial_fit`` over the chunks of ``X`` cut at ``cuts`` gives the statistics of ``fit`` on ``X``."""
    whole = scaler().fit(X)
    chunked = scaler()
    for chunk in np.split(X, cuts):
        assert chunked.partial_fit(chunk) is chunked
    if isinstance(chunked, MinMaxScaler):
        attributes = {"data_min_": 0, "data_max_": 0, "data_range_": 0, "scale_": 0, "min_": 0}
    else:
        peak = column_peaks(X)
        attributes = {"mean_": 1e-13 * peak, "scale_": 1e-7 * peak}
        if chunked.with_std:
            with np.errstate(over="ignore"):
                attributes["var_"] = (1e-7 * peak) ** 2
    for attribute, atol in attributes.items():
        ours, expected = np.asarray(getattr(chunked, attribute), float), np.asarray(getattr(whole, attribute), float)
        with np.errstate(invalid="ignore"):
            error = np.abs(ours - expected)
            good = (np.isnan(ours) & np.isnan(expected)) | (ours == expected) | (error <= 1e-9 * np.abs(expected))
            good |= (error <= atol) | (error <= 1e-321)  # a subnormal mean's last bits
        assert good.all(), (attribute, ours, expected)
    np.testing.assert_array_equal(chunked.n_samples_seen_, whole.n_samples_seen_)


@CI
@given(X=matrices(), with_mean=st.booleans(), with_std=st.booleans())
def test_standard_scaler_is_exact_statistics_and_scikit_learn_s(X, with_mean, with_std):
    check_standard_scaler(X, with_mean, with_std)


@CI
@given(X=matrices(), a=st.floats(-10, 10), width=st.floats(1e-3, 100), clip=st.booleans(), new=matrices(nan=False))
def test_min_max_scaler_is_scikit_learn_s_and_maps_into_its_range(X, a, width, clip, new):
    check_min_max_scaler(X, (a, a + width), clip, new)


@CI
@given(X=matrices(), data=st.data(), options=st.sampled_from([{}, {"with_mean": False}, {"with_std": False}, "minmax"]))
def test_partial_fit_over_any_chunking_is_fit_on_the_whole(X, data, options):
    n = X.shape[0]
    cuts = sorted(data.draw(st.sets(st.integers(1, n - 1), max_size=4))) if n > 1 else []
    note(f"cuts={cuts}")
    check_partial_fit(X, cuts, MinMaxScaler if options == "minmax" else lambda: StandardScaler(**options))


@CI
@given(data=st.data(), n=st.integers(1, 8), d=st.integers(1, 3), minmax=st.booleans(), frame=st.booleans(),
       dtype=st.sampled_from(["int8", "int64", "uint8", "bool", "float32", "float64"]))
def test_scalers_dtypes_frames_clone_and_pickle_as_scikit_learn_s(data, n, d, minmax, frame, dtype):
    sk = pytest.importorskip("sklearn.preprocessing")
    base = pytest.importorskip("sklearn.base")
    values = np.array(data.draw(st.lists(st.integers(0, 100), min_size=n * d, max_size=n * d)))
    values = values.reshape(n, d).astype(dtype)
    X = values
    if frame:
        pd = pytest.importorskip("pandas")
        X = pd.DataFrame(values, columns=[f"c{i}" for i in range(d)])
    ours = (MinMaxScaler() if minmax else StandardScaler()).fit(X)
    theirs = (sk.MinMaxScaler() if minmax else sk.StandardScaler()).fit(X)
    Z = ours.transform(X)
    assert Z.dtype == (np.float64 if dtype == "float64" else np.float32)  # float kept, others floatx()
    np.testing.assert_allclose(Z, theirs.transform(X), rtol=1e-5, atol=1e-6)
    if frame:
        np.testing.assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ours)).transform(X), Z)
    copy = base.clone(ours)
    assert copy.get_params() == ours.get_params() and not hasattr(copy, "scale_")
    np.testing.assert_array_equal(copy.fit(X).transform(X), Z)
    with pytest.raises(ValueError):  # 1-D, as scikit-learn refuses it
        theirs.fit(values[:, 0])
    with pytest.raises(ValueError, match="X"):
        type(ours)().fit(values[:, 0])


@pytest.fixture
def keras_utils(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    return pytest.importorskip("keras", reason="the comparison needs Keras").utils


@CI
@given(data=st.data(), shape=st.sampled_from([(5,), (5, 1), (2, 3), (2, 3, 1), (2, 2, 2), (1,)]),
       k=st.integers(1, 6), extra=st.integers(0, 3), dtype=st.sampled_from([None, "float64", "int32", "uint8", "bool"]))
def test_to_categorical_is_keras_s(keras_utils, data, shape, k, extra, dtype):
    y = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=math.prod(shape), max_size=math.prod(shape))))
    y = y.reshape(shape)
    num_classes = data.draw(st.sampled_from([None, k + extra]))
    ours = to_categorical(y, num_classes=num_classes, dtype=dtype)
    theirs = keras_utils.to_categorical(y, num_classes=num_classes)  # float64, Keras 3 has no dtype
    assert ours.shape == theirs.shape and ours.dtype == np.dtype(dtype or "float32")
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(to_categorical(y.astype(float), num_classes=num_classes, dtype=dtype), ours)
    if ours.shape[-1] > 1:
        np.testing.assert_array_equal(from_categorical(ours), y.reshape(ours.shape[:-1]))


@CI
@given(bad=st.sampled_from([-1.0, 1.5, np.nan, 7.0, np.inf, -0.5]), num_classes=st.sampled_from([None, 5]),
       keyword=st.sampled_from(["x", "y"]))
def test_to_categorical_refuses_bad_labels_naming_the_argument(bad, num_classes, keyword):
    if bad == 7.0 and num_classes is None:
        return  # 7 is then a class
    with pytest.raises(ValueError, match=f"^{keyword} "):
        to_categorical(**{keyword: np.array([0.0, 1.0, bad])}, num_classes=num_classes)


@CI
@given(data=st.data(), n=st.integers(1, 60), counts=st.booleans(), frame=st.booleans(), seed=st.integers(0, 2**31))
def test_split_partitions_sizes_seeds_and_pandas_indexes(data, n, counts, frame, seed):
    if counts:
        validation, test = data.draw(st.integers(0, n)), data.draw(st.integers(0, n))
        n_val, n_test = validation, test
    else:
        validation, test = data.draw(st.floats(0, 0.99)), data.draw(st.floats(0, 0.99))
        n_val, n_test = math.ceil(validation * n), math.ceil(test * n)  # rounded up, as scikit-learn's test_size
    X, y = np.arange(2 * n).reshape(n, 2), np.arange(n)
    if frame:
        pd = pytest.importorskip("pandas")
        X = pd.DataFrame(X, index=np.arange(n) * 3 + 7, columns=["a", "b"])
        y = pd.Series(y, index=X.index)
    if n_val >= n or n_test >= n or n - n_val - n_test < 1:
        with pytest.raises(ValueError, match="validation|test"):
            split(X, y, validation=validation, test=test, seed=seed)
        return
    parts = split(X, y, validation=validation, test=test, seed=seed)
    assert [len(part[0]) for part in parts] == [n - n_val - n_test, n_val, n_test]
    assert sorted(np.concatenate([np.asarray(part[1]) for part in parts]).tolist()) == list(range(n))
    for X_part, y_part in parts:
        np.testing.assert_array_equal(np.asarray(X_part)[:, 0] // 2, np.asarray(y_part))  # rows stay together
        if frame:
            assert isinstance(X_part, pd.DataFrame) and isinstance(y_part, pd.Series)
            np.testing.assert_array_equal(X_part.index, np.asarray(y_part) * 3 + 7)
    for part, again in zip(parts, split(X, y, validation=validation, test=test, seed=seed)):
        np.testing.assert_array_equal(np.asarray(part[1]), np.asarray(again[1]))


@CI
@given(counts=st.lists(st.integers(1, 15), min_size=1, max_size=5), validation=st.floats(0, 0.6),
       test=st.floats(0, 0.6), seed=st.integers(0, 1000))
def test_stratified_split_keeps_each_class_within_a_sample_of_its_share(counts, validation, test, seed):
    counts = np.array(counts)
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    try:
        (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = split(np.arange(n), y, validation=validation, test=test,
                                                          seed=seed, stratify=True)
    except ValueError as error:  # refused only where a class or a part is too small, or no training set is left
        n_test, n_val = math.ceil(test * n), math.ceil(validation * n)
        assert (n - n_test - n_val < 1 or counts.min() < 2 or n_test and min(n_test, n - n_test) < len(counts)
                or n_val), str(error)
        return
    assert sorted(np.concatenate([X_tr, X_va, X_te]).tolist()) == list(range(n))
    np.testing.assert_array_equal(y[X_te], y_te)
    in_test, in_validation, in_train = (np.bincount(part, minlength=len(counts)) for part in (y_te, y_va, y_tr))
    assert (np.abs(in_test - counts * len(X_te) / n) < 1 + 1e-9).all()
    left = counts - in_test
    assert (np.abs(in_validation - left * len(X_va) / (n - len(X_te))) < 1 + 1e-9).all()
    assert (np.abs(in_train - counts * len(X_tr) / n) <= 2 + 1e-9).all()  # as documented: two successive cuts


@CI
@given(value=st.sampled_from([-0.1, np.nan, 1.0, 1.5, -1, np.inf, "0.2", True]), name=st.sampled_from(["validation", "test"]))
def test_split_refuses_bad_fractions_naming_them(value, name):
    with pytest.raises((ValueError, TypeError), match=name):
        split(np.zeros((10, 2)), **{name: value})


@settings(CI, max_examples=60)
@given(n=st.integers(2, 40), data=st.data(), shuffle=st.booleans(), seed=st.integers(0, 2**31),
       classes=st.one_of(st.none(), st.integers(1, 4)))
def test_kfold_partitions_into_even_folds_as_scikit_learn_s(n, data, shuffle, seed, classes):
    """Every index validates exactly once, fold sizes differ by at most one (per class where
    stratified: floor or ceil of n_c / k), the same seed gives the same folds, and unshuffled
    folds are scikit-learn's KFold / StratifiedKFold's."""
    from sklearn.model_selection import KFold, StratifiedKFold
    k = data.draw(st.integers(2, n), label="k")
    labels = None if classes is None else np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n,
                                                                           max_size=n), label="labels"))
    if labels is not None and np.bincount(labels).max() < k:
        with pytest.raises(ValueError, match="k"):  # as StratifiedKFold: every class smaller than k
            kfold(n, k, shuffle=shuffle, seed=seed if shuffle else None, stratify=labels)
        return
    options = {"shuffle": shuffle, "seed": seed if shuffle else None, "stratify": labels}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class smaller than k (as StratifiedKFold warns)
        folds = kfold(n, k, **options)
        again = kfold(n, k, **options)
        if not shuffle:
            splitter = KFold(k) if labels is None else StratifiedKFold(k)
            expected = list(splitter.split(np.zeros((n, 1)), labels))
    assert len(folds) == k
    validation = np.concatenate([val for _, val in folds])
    assert sorted(validation.tolist()) == list(range(n))
    for (train, val), (train_again, val_again) in zip(folds, again):
        assert sorted(np.concatenate([train, val]).tolist()) == list(range(n))
        np.testing.assert_array_equal(val, val_again)
        np.testing.assert_array_equal(train, train_again)
    sizes = [len(val) for _, val in folds]
    if labels is None:
        assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)  # the first n % k get one more
    else:
        for c, n_c in enumerate(np.bincount(labels)):
            per_fold = [np.count_nonzero(labels[val] == c) for _, val in folds]
            assert min(per_fold) >= n_c // k and max(per_fold) <= -(-n_c // k)
    if not shuffle:
        for (train, val), (sk_train, sk_val) in zip(folds, expected):
            np.testing.assert_array_equal(val, sk_val)
            np.testing.assert_array_equal(train, sk_train)


@CI
@given(bad=st.sampled_from([("k", 0), ("k", 1), ("k", 11), ("k", 2.0), ("k", True), ("k", math.nan), ("k", "3"),
                            ("k", None), ("n", 0), ("n", -1), ("n", 2.5), ("n", True), ("n", "10"), ("n", None)]))
def test_kfold_refuses_bad_n_and_k_naming_them(bad):
    name, value = bad
    arguments = {"n": 10, "k": 3, name: value}
    with pytest.raises((ValueError, TypeError), match=f"{name} must"):
        kfold(**arguments)
