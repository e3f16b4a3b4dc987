"""Scaling, one-hot encoding, splits and k-fold against hand-worked values and seed 004."""

import pickle
import warnings

import numpy as np
import pytest

from glassnet.preprocessing import (
    MinMaxScaler,
    StandardScaler,
    from_categorical,
    kfold,
    min_max_scale,
    split,
    standardize,
    to_categorical,
    zero_center,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ----------------------------------------------------------------- scaling


def test_standardize_hand_worked():
    X = np.array([[1.0, 2.0], [3.0, 6.0]])  # mean (2, 4), population std (1, 2)
    np.testing.assert_array_equal(standardize(X), [[-1, -1], [1, 1]])
    np.testing.assert_array_equal(zero_center(X), [[-1, -2], [1, 2]])
    np.testing.assert_array_equal(X, [[1, 2], [3, 6]])  # input untouched


def test_standardize_equals_seed_004s_two_lines(rng):
    X = rng.normal(3, 5, (50, 4))
    expected = X.copy()
    expected -= np.mean(expected, axis = 0)  # noqa: E251  (seed 004, verbatim)
    np.testing.assert_allclose(zero_center(X), expected, rtol=1e-12, atol=1e-12)
    expected /= np.std(expected, axis = 0)  # noqa: E251
    np.testing.assert_allclose(standardize(X), expected, rtol=1e-12)


def test_zero_center_of_images_subtracts_the_mean_image(rng):
    # seed 004: "Karpathy advice for images: subtract the mean image only": on images (n, h, w, c)
    # the same line X -= np.mean(X, axis = 0) takes the mean image, pixel and channel by pixel and channel
    X = rng.uniform(0, 255, (6, 4, 5, 3))
    mean_image = X.mean(axis=0)
    np.testing.assert_allclose(zero_center(X), X - mean_image, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(zero_center(X).mean(axis=0), 0, atol=1e-12)


def test_zero_center_per_channel_subtracts_one_mean_per_channel():
    # seed 004: "subtract the mean image only, can do it per channel": two images of 1×2 pixels,
    # 2 channels; channel 0 holds 0, 2, 4, 6 (mean 3), channel 1 holds 10, 30, 50, 70 (mean 40)
    X = np.array([[[[0, 10], [2, 30]]], [[[4, 50], [6, 70]]]])
    np.testing.assert_array_equal(zero_center(X, per_channel=True),
                                  [[[[-3, -30], [-1, -10]]], [[[1, 10], [3, 30]]]])
    np.testing.assert_array_equal(zero_center(X), [[[[-2, -20], [-2, -20]]], [[[2, 20], [2, 20]]]])  # mean image
    with pytest.raises(TypeError, match="per_channel must be True or False"):
        zero_center(X, per_channel="yes")
    with pytest.raises(ValueError, match="at least 2-D"):
        zero_center([1.0, 2.0], per_channel=True)


def test_constant_feature_is_only_centered():
    X = np.array([[5.0, 1.0], [5.0, 3.0]])
    np.testing.assert_array_equal(standardize(X), [[0, -1], [0, 1]])
    np.testing.assert_array_equal(min_max_scale(X), [[0, 0], [0, 1]])


def test_dtypes():
    assert standardize(np.array([[1, 2], [3, 4]])).dtype == np.float32  # ints -> floatx
    assert standardize(np.ones((3, 2), dtype=np.float64)).dtype == np.float64
    assert standardize(np.ones((3, 2), dtype=np.float32)).dtype == np.float32


def test_large_integers_are_scaled_in_float64():
    # Unix times: float32 rounds 1700000060 to 1700000000, which made the first two rows equal
    X = np.array([[1700000000], [1700000060], [1700000120]])
    z = standardize(X)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.ravel(), [-1.2247449, 0, 1.2247449], rtol=1e-6)
    np.testing.assert_array_equal(min_max_scale(X).ravel(), [0, 0.5, 1])
    np.testing.assert_array_equal(zero_center(X).ravel(), [-60, 0, 60])
    scaler = StandardScaler().fit(X)
    assert scaler.mean_.dtype == np.float64 and scaler.mean_[0] == 1700000060
    np.testing.assert_allclose(scaler.inverse_transform(np.float64(z)).ravel(), X.ravel(), rtol=1e-9)
    extremes = np.array([[np.iinfo(np.int64).min], [np.iinfo(np.int64).max]])  # -min wraps in int64
    np.testing.assert_array_equal(standardize(extremes).ravel(), [-1, 1])
    np.testing.assert_array_equal(standardize(np.array([[True], [False]])).ravel(), [1, -1])


def test_result_dtype_is_x_own_float_dtype_or_floatx():
    fitted64 = StandardScaler().fit(np.array([[1.0], [3.0]]))
    assert fitted64.transform(np.ones((2, 1), np.float32)).dtype == np.float32
    assert fitted64.transform(np.ones((2, 1), np.int64)).dtype == np.float32
    fitted32 = MinMaxScaler().fit(np.array([[1.0], [3.0]], np.float32))
    assert fitted32.transform(np.ones((2, 1), np.float64)).dtype == np.float64
    assert fitted32.inverse_transform(np.ones((2, 1), np.uint8)).dtype == np.float32


def test_standard_scaler_uses_training_statistics(rng):
    X_train, X_test = rng.normal(2, 3, (40, 3)), rng.normal(0, 1, (10, 3))
    scaler = StandardScaler().fit(X_train)
    np.testing.assert_allclose(scaler.mean_, X_train.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.transform(X_test), (X_test - X_train.mean(0)) / X_train.std(0), rtol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X_test)), X_test, rtol=1e-12)


def test_standard_scaler_matches_scikit_learn(rng):
    sk = pytest.importorskip("sklearn.preprocessing")
    X = rng.normal(1, 4, (30, 5))
    X[:, 2] = 7.0
    np.testing.assert_allclose(StandardScaler().fit_transform(X), sk.StandardScaler().fit_transform(X), atol=1e-12)
    np.testing.assert_allclose(
        MinMaxScaler((-1, 1)).fit_transform(X), sk.MinMaxScaler((-1, 1)).fit_transform(X), atol=1e-12
    )


def test_standard_scaler_without_centering_still_reports_the_mean_as_scikit_learn_s(rng):
    # with_mean=False left mean_ at zeros where scikit-learn's holds the training mean: a user reading
    # scaler.mean_ (to report or undo it by hand) got 0 for every feature
    X = rng.normal(5, 2, (40, 3))
    scaler = StandardScaler(with_mean=False).fit(X)
    np.testing.assert_allclose(scaler.mean_, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.transform(X), X / X.std(axis=0), rtol=1e-12)  # still not centered
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-12)
    sk = pytest.importorskip("sklearn.preprocessing")
    np.testing.assert_allclose(scaler.mean_, sk.StandardScaler(with_mean=False).fit(X).mean_, rtol=1e-12)
    neither = StandardScaler(with_mean=False, with_std=False).fit(X)
    np.testing.assert_array_equal(neither.transform(X), X)  # nothing to do
    np.testing.assert_array_equal(neither.inverse_transform(X), X)


SCALERS = {"StandardScaler": StandardScaler, "MinMaxScaler": MinMaxScaler}
FITTED = {"StandardScaler": ["n_features_in_", "n_samples_seen_", "mean_", "var_", "scale_"],
          "MinMaxScaler": ["n_features_in_", "n_samples_seen_", "data_min_", "data_max_", "data_range_", "scale_", "min_"]}


def assert_fitted_like(ours, theirs, name):
    for attribute in FITTED[name]:
        np.testing.assert_allclose(getattr(ours, attribute), getattr(theirs, attribute), rtol=1e-12, atol=1e-15,
                                   err_msg=attribute)
        assert np.shape(getattr(ours, attribute)) == np.shape(getattr(theirs, attribute)), attribute


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_partial_fit_and_fitted_attributes_are_scikit_learn_s(rng, name):
    # n_features_in_, n_samples_seen_, var_, data_range_ and partial_fit were missing: a Pipeline user's
    # inspection and incremental fitting (data that comes in batches) failed with AttributeError
    sk = pytest.importorskip("sklearn.preprocessing")
    X = rng.normal(3, 5, (60, 4)) * [1, 100, 1e-3, 1]
    X[:, 3] = 2.5  # a constant column
    batches = [X[:7], X[7:8], X[8:40], X[40:]]
    theirs = getattr(sk, name)().fit(X)
    assert_fitted_like(SCALERS[name]().fit(X), theirs, name)
    ours, incremental = SCALERS[name](), getattr(sk, name)()
    for batch in batches:
        assert ours.partial_fit(batch) is ours
        incremental.partial_fit(batch)
        assert_fitted_like(ours, incremental, name)
    assert_fitted_like(ours, theirs, name)  # the statistics of all the batches at once
    assert ours.n_features_in_ == 4 and ours.n_samples_seen_ == 60 and isinstance(ours.n_samples_seen_, int)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), atol=1e-12)
    ours.fit(X[:5])  # fit starts afresh
    assert ours.n_samples_seen_ == 5
    np.testing.assert_allclose(ours.transform(X), getattr(sk, name)().fit(X[:5]).transform(X), atol=1e-12)
    # NaN (a missing value) left out of every batch, as by fit
    X[rng.random(X.shape) < 0.2] = np.nan
    ours, incremental = SCALERS[name](), getattr(sk, name)()
    for batch in batches:
        ours.partial_fit(batch)
        incremental.partial_fit(batch)
    assert_fitted_like(ours, incremental, name)
    assert_fitted_like(ours, getattr(sk, name)().fit(X), name)
    np.testing.assert_allclose(ours.transform(X), incremental.transform(X), atol=1e-12)
    # a column all NaN in the first batch: its statistics are of the later batches, as fit's of all
    # (scikit-learn's partial_fit keeps NaN there for good)
    X[:7, 1] = np.nan
    ours = SCALERS[name]()
    for batch in batches:
        ours.partial_fit(batch)
    assert_fitted_like(ours, getattr(sk, name)().fit(X), name)
    if name == "StandardScaler":  # each column's count where NaN made them differ
        assert ours.n_samples_seen_.dtype == np.int64
        np.testing.assert_array_equal(ours.n_samples_seen_, np.sum(~np.isnan(X), axis=0))
        assert StandardScaler(with_std=False).fit(X).var_ is None  # as scikit-learn's
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 4 features as input"):
        ours.partial_fit(X[:, :3])


def test_standard_scaler_partial_fit_of_huge_and_ordinary_batches():
    # each batch's statistics are of X / unit, a power of two of its own: merged in a common one
    X = np.array([[1.0], [3.0], [5.0], [7.0]])
    scaler = StandardScaler().partial_fit(X[:2]).partial_fit(X[2:] * 1e300)
    full = StandardScaler().fit(np.array([[1.0], [3.0], [5e300], [7e300]]))
    np.testing.assert_allclose([scaler.mean_, scaler.scale_], [full.mean_, full.scale_], rtol=1e-14)
    np.testing.assert_allclose(full.mean_, [3e300], rtol=1e-14)


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_name_their_output_features_and_give_pandas_as_scikit_learn_s(rng, name):
    # a ColumnTransformer's get_feature_names_out and set_output(transform="pandas") refused the scalers:
    # "does not provide get_feature_names_out", "Unable to configure output ... set_output is not available"
    pd = pytest.importorskip("pandas")
    sk = pytest.importorskip("sklearn.preprocessing")
    compose = pytest.importorskip("sklearn.compose")
    df = pd.DataFrame(rng.normal(size=(20, 3)), columns=["a", "b", "c"], index=range(100, 120))
    scaler = SCALERS[name]().fit(df.to_numpy())
    np.testing.assert_array_equal(scaler.get_feature_names_out(), getattr(sk, name)().fit(df.to_numpy()).get_feature_names_out())
    assert list(SCALERS[name]().fit(df).get_feature_names_out()) == ["a", "b", "c"]
    assert list(scaler.get_feature_names_out(["p", "q", "r"])) == ["p", "q", "r"]
    with pytest.raises(ValueError, match="input_features must name the 3 features"):
        scaler.get_feature_names_out(["p"])
    with pytest.raises(ValueError, match="input_features must be the columns the scaler was fitted on"):
        SCALERS[name]().fit(df).get_feature_names_out(["a", "c", "b"])

    def columns(scaler):
        return compose.ColumnTransformer([("s", scaler, ["a", "c"])], remainder="passthrough")

    ours, theirs = columns(SCALERS[name]()).fit(df), columns(getattr(sk, name)()).fit(df)
    np.testing.assert_array_equal(ours.get_feature_names_out(), theirs.get_feature_names_out())
    out = columns(SCALERS[name]()).set_output(transform="pandas").fit_transform(df)
    pd.testing.assert_frame_equal(out, columns(getattr(sk, name)()).set_output(transform="pandas").fit_transform(df))
    alone = SCALERS[name]().set_output(transform="pandas").fit(df)
    pd.testing.assert_frame_equal(alone.transform(df), getattr(sk, name)().set_output(transform="pandas").fit(df).transform(df))
    assert isinstance(alone.set_output(transform="default").transform(df), np.ndarray)
    with pytest.raises(ValueError, match="transform must be 'default', 'pandas' or None. Received: transform='numpy'"):
        alone.set_output(transform="numpy")


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_pass_scikit_learn_s_estimator_checks(name):
    # check_estimator could not start ("no attribute '__sklearn_tags__'"), then failed
    # check_dtype_object alone: a dict in an object array was "X must contain numbers. Received an
    # array of dtype object holding dict", without NumPy's words the check looks for.
    estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = estimator_checks.check_estimator(SCALERS[name](), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert len(results) > 40 and not failed, failed


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_read_object_arrays_as_scikit_learn_s(name):
    # An object array (a frame's mixed columns, a CSV read as text) was refused unless it held numbers
    # only: "X must contain numbers. Received an array of dtype object holding str '1.5'" (or NoneType
    # None, Decimal, bytes), and a nullable Int64 column's pd.NA was not a missing value.
    # scikit-learn's scalers take numeric text, and None and pd.NA as NaN (kept by transform).
    from decimal import Decimal

    sk = pytest.importorskip("sklearn.preprocessing")
    pd = pytest.importorskip("pandas")
    good = [np.array([["1.5", 2], [3, b"4e1"], ["-2", 7]], dtype=object),
            np.array([[None, 2], [Decimal("3.25"), 4], [1, 0.5]], dtype=object),
            pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "b": [1.0, 2, 4]})]
    for X in good:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # scikit-learn's all-NaN reductions
            expected = getattr(sk, name)().fit_transform(X)
        np.testing.assert_allclose(SCALERS[name]().fit_transform(X), expected, rtol=1e-12)
    bad = [(np.array([["a", 2], [3, 4]], dtype=object), ValueError, "could not convert string to float: 'a'"),
           (np.array([[{"foo": 1}, 2], [3, 4]], dtype=object), TypeError,
            "float\\(\\) argument must be a string or a real number, not 'dict'")]
    for X, error, words in bad:
        with pytest.raises(error, match=words):
            getattr(sk, name)().fit(X)
        with pytest.raises(error, match="X must contain numbers \\(" + words):
            SCALERS[name]().fit(X)


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_take_and_ignore_y_as_scikit_learn_s_so_a_pipeline_holds_them(rng, name):
    # scikit-learn's fit(X, y=None) and fit_transform(X, y=None): a Pipeline passes y to every step,
    # and fit(X, y) raised "fit_transform() takes 2 positional arguments but 3 were given"
    sk = pytest.importorskip("sklearn.preprocessing")
    pipeline = pytest.importorskip("sklearn.pipeline")
    linear_model = pytest.importorskip("sklearn.linear_model")
    X = rng.normal(3, 5, (40, 3))
    y = (X[:, 0] + X[:, 1] > 6).astype(int)
    ours, theirs = {"StandardScaler": (StandardScaler, sk.StandardScaler), "MinMaxScaler": (MinMaxScaler, sk.MinMaxScaler)}[name]
    np.testing.assert_allclose(ours().fit(X, y).transform(X), theirs().fit(X, y).transform(X), atol=1e-12)
    np.testing.assert_allclose(ours().fit_transform(X, y), theirs().fit_transform(X, y), atol=1e-12)
    fitted = pipeline.make_pipeline(ours(), linear_model.LogisticRegression()).fit(X, y)
    reference = pipeline.make_pipeline(theirs(), linear_model.LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(fitted.predict_proba(X), reference.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_have_scikit_learn_s_params_so_clone_and_grid_search_work(rng, name):
    # without get_params, sklearn.base.clone (and so GridSearchCV over a pipeline) refused the scalers
    base = pytest.importorskip("sklearn.base")
    model_selection = pytest.importorskip("sklearn.model_selection")
    pipeline = pytest.importorskip("sklearn.pipeline")
    linear_model = pytest.importorskip("sklearn.linear_model")
    sk = pytest.importorskip("sklearn.preprocessing")
    ours, theirs, grid = {
        "StandardScaler": (StandardScaler(with_std=False), sk.StandardScaler(with_std=False),
                           {"scaler__with_mean": [True, False]}),
        "MinMaxScaler": (MinMaxScaler((-1, 1)), sk.MinMaxScaler((-1, 1)), {"scaler__feature_range": [(0, 1), (-1, 1)]}),
    }[name]
    assert ours.get_params().items() <= theirs.get_params().items()  # (theirs also has copy)
    copy = base.clone(ours)
    assert type(copy) is type(ours) and copy is not ours and copy.get_params() == ours.get_params()
    X = rng.normal(3, 5, (60, 3))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    searches = [
        model_selection.GridSearchCV(
            pipeline.Pipeline([("scaler", scaler), ("clf", linear_model.LogisticRegression(C=0.01))]), grid, cv=3
        ).fit(X, y)
        for scaler in (ours, theirs)
    ]
    np.testing.assert_allclose(searches[0].cv_results_["mean_test_score"], searches[1].cv_results_["mean_test_score"])
    assert searches[0].best_params_ == searches[1].best_params_
    with pytest.raises(ValueError, match="has no parameter 'with_meen'.*with_mean, with_std"):
        StandardScaler().set_params(with_meen=False)


def test_scaler_on_images_keeps_per_pixel_statistics(rng):
    images = rng.random((20, 4, 4))
    out = StandardScaler().fit_transform(images)
    assert out.shape == (20, 4, 4)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)


def test_min_max_hand_worked():
    X = np.array([[0.0], [5.0], [10.0]])
    np.testing.assert_array_equal(min_max_scale(X, (-1, 1)), [[-1], [0], [1]])
    scaler = MinMaxScaler().fit(X)
    np.testing.assert_array_equal(scaler.transform([[20.0]]), [[2.0]])  # beyond the training range
    np.testing.assert_array_equal(scaler.inverse_transform([[0.5]]), [[5.0]])


def test_scalers_leave_nan_out_of_fit_and_keep_it_as_scikit_learn_s():
    # "X contains NaN values; remove or impute them first": a scaler before an imputer did not run
    X = np.array([[1.0, np.nan, 5.0, np.nan], [np.nan, 2.0, 5.0, np.nan], [4.0, 6.0, np.nan, np.nan],
                  [7.0, 4.0, 5.0, np.nan]])
    new = np.array([[10.0, np.nan, 6.0, 1.0]])
    scaler = StandardScaler().fit(X)
    # column 0: 1, 4, 7 (mean 4, σ √6); column 1: 2, 6, 4 (mean 4, σ √(8/3)); column 2 constant 5; column 3 all NaN
    np.testing.assert_allclose(scaler.mean_[:3], [4.0, 4.0, 5.0], rtol=1e-15)
    np.testing.assert_allclose(scaler.scale_[:3], [np.sqrt(6.0), np.sqrt(8 / 3), 1.0], rtol=1e-15)
    np.testing.assert_allclose(scaler.transform(new), [[6 / np.sqrt(6.0), np.nan, 1.0, np.nan]], rtol=1e-15)
    np.testing.assert_array_equal(np.isnan(standardize(X)), np.isnan(X))  # kept where missing, nowhere else
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X))[:, :3], X[:, :3], rtol=1e-15)
    minmax = MinMaxScaler((-1, 1)).fit(X)
    np.testing.assert_array_equal(minmax.data_min_[:3], [1.0, 2.0, 5.0])
    np.testing.assert_array_equal(minmax.data_max_[:3], [7.0, 6.0, 5.0])
    # 10 → -1 + (10 - 1)·2/6; the constant column's range is taken as 1: 6 → -1 + (6 - 5)·2
    np.testing.assert_allclose(minmax.transform(new), [[2.0, np.nan, 1.0, np.nan]], rtol=1e-15)
    sk = pytest.importorskip("sklearn.preprocessing")
    rng = np.random.default_rng(0)
    X = rng.normal(3, 5, (40, 3))
    X[rng.random(X.shape) < 0.25] = np.nan
    new = rng.normal(3, 5, (6, 3))
    new[0, 1] = np.nan
    for ours, theirs in ((StandardScaler(), sk.StandardScaler()), (MinMaxScaler((-1, 2)), sk.MinMaxScaler((-1, 2)))):
        np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours.transform(new), theirs.transform(new), rtol=1e-12)
        np.testing.assert_allclose(ours.scale_, theirs.scale_, rtol=1e-12)


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler"])
def test_scalers_refuse_a_dataframe_whose_columns_differ_from_fit_as_scikit_learn_s(name):
    pd = pytest.importorskip("pandas")
    sk = pytest.importorskip("sklearn.preprocessing")
    ours, theirs = {"StandardScaler": StandardScaler, "MinMaxScaler": MinMaxScaler}[name](), getattr(sk, name)()
    df = pd.DataFrame({"age": [20.0, 40.0, 60.0], "income": [1000.0, 3000.0, 8000.0]})
    ours.fit(df)
    theirs.fit(df)
    np.testing.assert_array_equal(ours.feature_names_in_, theirs.feature_names_in_)
    np.testing.assert_allclose(ours.transform(df), theirs.transform(df), rtol=1e-15)
    # columns swapped: each was scaled with the other's statistics (age 1000 → 48 standard deviations), silently
    for other in (df[["income", "age"]], df.rename(columns={"age": "years"})):
        with pytest.raises(ValueError, match="The feature names should match"):
            theirs.transform(other)
        with pytest.raises(ValueError, match="X's columns must be those the scaler was fitted on, in that order: "
                                             "age, income. Received the columns (income, age|years, income)"):
            ours.transform(other)
    np.testing.assert_allclose(ours.transform(df.to_numpy()), theirs.transform(df), rtol=1e-15)  # an array: by position
    assert not hasattr(ours.fit(df.to_numpy()), "feature_names_in_")  # refitted on an array: names forgotten


def test_min_max_scaler_clips_new_data_to_the_range_as_scikit_learn_s_clip():
    # MinMaxScaler(clip=True) raised TypeError: scikit-learn code using it did not run
    X = np.array([[0.0, 10.0], [4.0, 20.0]])
    new = np.array([[-2.0, 25.0], [2.0, 15.0], [8.0, 0.0]])
    scaler = MinMaxScaler((-1, 1), clip=True).fit(X)
    # scikit-learn's MinMaxScaler((-1, 1), clip=True).fit(X).transform(new); unclipped: [[-2, 2], [0, 0], [3, -3]]
    np.testing.assert_array_equal(scaler.transform(new), [[-1.0, 1.0], [0.0, 0.0], [1.0, -1.0]])
    np.testing.assert_array_equal(MinMaxScaler((-1, 1)).fit(X).transform(new), [[-2.0, 2.0], [0.0, 0.0], [3.0, -3.0]])
    np.testing.assert_array_equal(scaler.inverse_transform([[3.0, -3.0]]), [[8.0, 0.0]])  # not clipped
    assert scaler.get_params() == {"feature_range": (-1, 1), "clip": True}
    with pytest.raises(TypeError, match="clip must be True or False. Received: clip='yes'"):
        MinMaxScaler(clip="yes").fit(X)


def test_scaler_errors():
    with pytest.raises(ValueError, match="not fitted yet"):
        StandardScaler().transform([[1.0]])
    with pytest.raises(ValueError, match="X has 3 features, but StandardScaler is expecting 2 features as input"):
        StandardScaler().fit([[1.0, 2.0]]).transform([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"X has \(3, 1\) features per sample but the scaler was fitted on \(2, 1\)"):
        StandardScaler().fit([[[1.0], [2.0]]]).transform([[[1.0], [2.0], [3.0]]])
    with pytest.raises(ValueError, match="feature_range must satisfy min < max"):
        min_max_scale([[1.0]], (1, 0))
    with pytest.raises(ValueError, match="feature_range must be a pair"):
        min_max_scale([[1.0]], (0, 1, 2))
    with pytest.raises(ValueError, match="X must be an? .*2-D array"):
        standardize([1.0, 2.0])
    with pytest.raises(ValueError, match="X contains inf values"):  # NaN is a missing value, inf is refused
        standardize([[1.0], [np.inf], [np.nan]])
    with pytest.raises(ValueError, match="X contains inf values"):
        StandardScaler().fit([[1.0], [2.0]]).transform([[-np.inf]])
    with pytest.raises(ValueError, match=r"X has 0 feature\(s\) \(shape=\(3, 0\)\) while a minimum of 1 is required"):
        standardize(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"X is empty \(shape \(0, 3\)\); at least one sample"):
        min_max_scale(np.zeros((0, 3)))


@pytest.mark.parametrize("factor", [1e160, 1e-320, 1e300])
def test_standard_scaler_huge_and_tiny_values(factor):
    # σ² of 1e160 overflows and of 1e-320 underflows: the result must not depend on the unit
    X = np.array([[1.0], [3.0], [5.0]]) * factor
    np.testing.assert_allclose(StandardScaler().fit_transform(X).ravel(), [-1.2247449, 0, 1.2247449], atol=1e-3)


def test_standard_scaler_takes_a_spread_below_float32s_smallest_number_as_constant():
    # σ of float32 values 1e-45 apart rounds to 0 in float32: the scaler divided by it and
    # refused its own training data as "beyond the range of float32"
    X = np.array([[1e-45, 1.0], [2e-45, 3.0], [3e-45, 5.0]], dtype=np.float32)
    scaler = StandardScaler().fit(X)
    assert scaler.scale_[0] == 1.0 and scaler.scale_.dtype == np.float32
    Z = scaler.transform(X)
    assert np.isfinite(Z).all() and np.abs(Z[:, 0]).max() < 1e-44
    np.testing.assert_allclose(Z[:, 1], [-1.2247449, 0, 1.2247449], rtol=1e-6)
    # float32 values 1e-40 apart keep their spread (a subnormal σ, but not 0)
    tiny = np.array([[1e-40], [2e-40], [3e-40]], dtype=np.float32)
    np.testing.assert_allclose(StandardScaler().fit_transform(tiny).ravel(), [-1.2247449, 0, 1.2247449], rtol=1e-4)
@pytest.mark.parametrize("order", ["C", "F"])
def test_scalers_fit_a_memory_mapped_file_a_block_at_a_time(tmp_path, rng, traced_peak, order):
    # statistics in float64 a block of rows at a time: the block was 16,384 rows whatever their width
    # (26 MB of float64 for 200 features), now about a megabyte. np.save of a DataFrame's to_numpy()
    # writes a Fortran-ordered file, which the finiteness check flattened into a C-ordered copy
    x = np.asarray(rng.normal(loc=-2.0, scale=3.0, size=(20_000, 200)).astype(np.float32), order=order)
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    standard, minmax = StandardScaler(), MinMaxScaler()
    peak = traced_peak(lambda: (standard.fit(mapped), minmax.fit(mapped)))
    assert peak < x.nbytes / 4, f"fit allocated {peak / 2**20:.1f} MB for a {x.nbytes / 2**20:.1f} MB file"
    np.testing.assert_allclose(standard.mean_, x.astype(np.float64).mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(standard.scale_, x.astype(np.float64).std(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(minmax.data_min_, x.min(axis=0))


def test_min_max_scaler_huge_and_tiny_values():
    X = np.array([[-1e308], [0.0], [1e308]])  # max - min overflows
    np.testing.assert_allclose(MinMaxScaler().fit_transform(X).ravel(), [0, 0.5, 1])
    big32 = np.array([[-3e38], [3e38]], dtype=np.float32)
    np.testing.assert_allclose(MinMaxScaler().fit_transform(big32).ravel(), [0, 1])
    # 1 / 4e-320 overflows: treated as a constant feature (maps to a), never NaN
    tiny = MinMaxScaler((2.0, 3.0)).fit_transform(np.array([[1.0], [3.0], [5.0]]) * 1e-320)
    np.testing.assert_allclose(tiny.ravel(), [2, 2, 2])


# ----------------------------------------------------------------- one-hot


def test_to_categorical_hand_worked():
    Y = to_categorical([0, 2, 1])
    np.testing.assert_array_equal(Y, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(to_categorical([1], num_classes=4), [[0, 1, 0, 0]])
    np.testing.assert_array_equal(to_categorical(np.array([[1], [0]])), [[0, 1], [1, 0]])  # column
    assert to_categorical([[0, 1], [2, 0]]).shape == (2, 2, 3)
    np.testing.assert_array_equal(to_categorical([0.0, 1.0]), [[1, 0], [0, 1]])  # integral floats
    assert to_categorical([1], dtype="int64").dtype == np.int64


def test_seed_001_xor_one_hot_table():
    # seed 001, "Concept: One-Hot Encoding": x1 x2 -> y1 y2 = 0 1, 1 0, 1 0, 0 1 (class 1 in the first column)
    xor = [0, 1, 1, 0]
    np.testing.assert_array_equal(to_categorical(xor)[:, ::-1], [[0, 1], [1, 0], [1, 0], [0, 1]])
    np.testing.assert_array_equal(from_categorical(to_categorical(xor)), xor)


def test_to_categorical_of_no_labels_is_empty_rows_as_keras():
    assert to_categorical([], num_classes=3).shape == (0, 3)  # Keras: (0, 3); refused as "x is empty" before
    assert to_categorical(np.zeros((0, 1), dtype=int), num_classes=4, dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match="x is empty: give num_classes"):
        to_categorical([])  # (Keras: NumPy's "zero-size array to reduction operation maximum")


def test_to_categorical_errors():
    with pytest.raises(ValueError, match="label 3 but num_classes=3 allows only 0..2"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="non-negative class labels.*-1"):
        to_categorical([0, -1])
    with pytest.raises(ValueError, match="integer class labels.*1.5"):
        to_categorical([0, 1.5])
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        to_categorical([0], num_classes=0)
    with pytest.raises(TypeError, match="dtype must be a NumPy dtype such as 'float32'. Received: dtype='nope'"):
        to_categorical([0, 1], dtype="nope")
    for text_or_dates in ("U1", "M8[s]", "V8", "complex64", object):
        with pytest.raises(ValueError, match="dtype must be a real number dtype .*Received: dtype="):
            to_categorical([0, 1], dtype=text_or_dates)  # gave [['1', ''], ['', '1']], dates, or a bytes error
    for falsy in (0, False, ""):  # `dtype or floatx()` read them as "not given": float32, without a word
        with pytest.raises(TypeError, match="dtype must be a NumPy dtype such as 'float32'. Received: dtype="):
            to_categorical([0, 1], dtype=falsy)
    assert to_categorical([0, 1], dtype=None).dtype == np.float32


def test_to_categorical_refuses_huge_arrays_and_reports_real_labels():
    with pytest.raises(ValueError, match=r"x holds 1 label\(s\), the largest 1000000000000: with num_classes=1000000000001"):
        to_categorical([10**12])
    with pytest.raises(ValueError, match="num_classes=3000000000 the one-hot array would need 3000000000 values"):
        to_categorical([0], num_classes=3 * 10**9)
    with pytest.raises(ValueError, match="label 9223372036854775808 but num_classes=10"):
        to_categorical(np.array([2**63], dtype=np.uint64), num_classes=10)
    with pytest.raises(ValueError, match="the largest 9223372036854775808"):
        to_categorical(np.array([2**63], dtype=np.uint64))


def test_to_categorical_takes_keras_3_s_x_and_tf_keras_s_y():
    expected = np.array([[0, 1, 0], [0, 0, 1]], dtype=np.float32)  # keras.utils.to_categorical([1, 2], 3)
    np.testing.assert_array_equal(to_categorical(x=[1, 2], num_classes=3), expected)
    np.testing.assert_array_equal(to_categorical(y=[1, 2], num_classes=3), expected)
    with pytest.raises(ValueError, match="y must hold non-negative class labels"):  # named as the caller named it
        to_categorical(y=[-1])
    with pytest.raises(TypeError, match=r"labels once: as x .* Received both x and y"):
        to_categorical([1], y=[1])
    with pytest.raises(TypeError, match="Received neither x nor y"):
        to_categorical()


def test_from_categorical_round_trip(rng):
    y = rng.integers(0, 7, 100)
    decoded = from_categorical(to_categorical(y, 7))
    np.testing.assert_array_equal(decoded, y)
    assert decoded.dtype == np.int64
    np.testing.assert_array_equal(from_categorical([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]), [1, 0])


def test_from_categorical_thresholds_a_single_column_at_one_half():
    # One sigmoid output per sample, as Keras' binary models give
    np.testing.assert_array_equal(from_categorical(np.array([[0.9], [0.1], [0.5], [1.0]])), [1, 0, 0, 1])
    np.testing.assert_array_equal(from_categorical(np.array([[0.2, 0.7]]), axis=0), [0, 1])


# ------------------------------------------------------------------ splits


def test_split_sizes_partition_and_alignment():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = split(X, y, validation=0.1, test=0.2, seed=0)
    assert (len(X_tr), len(X_va), len(X_te)) == (7, 1, 2)
    rows = np.concatenate([X_tr, X_va, X_te])[:, 0] // 2
    assert sorted(rows) == list(range(10))  # each sample exactly once
    np.testing.assert_array_equal(np.concatenate([y_tr, y_va, y_te]), rows * 10)  # y follows X


def test_split_rounds_up_like_scikit_learn_and_accepts_counts():
    X = np.zeros((7, 1))
    parts = split(X, test=0.25, seed=0)  # ceil(1.75) = 2
    assert (len(parts.train[0]), len(parts.test[0])) == (5, 2)
    assert parts.validation[0].shape == (0, 1) and parts.train[1] is None
    parts = split(X, validation=3, test=1, seed=0)
    assert [len(p[0]) for p in parts] == [3, 3, 1]


def test_split_matches_scikit_learn_sizes():
    model_selection = pytest.importorskip("sklearn.model_selection")
    for n, test in [(10, 0.33), (101, 0.2), (1797, 0.25)]:
        sk_train, sk_test = model_selection.train_test_split(np.arange(n), test_size=test)
        parts = split(np.arange(n), test=test, seed=0)
        assert (len(parts.train[0]), len(parts.test[0])) == (len(sk_train), len(sk_test))


def test_split_without_shuffle_keeps_order():
    (a, _), (b, _), (c, _) = split(np.arange(10), validation=0.2, test=0.3, shuffle=False)
    np.testing.assert_array_equal(a, range(5))
    np.testing.assert_array_equal(b, [5, 6])
    np.testing.assert_array_equal(c, [7, 8, 9])


def test_split_is_reproducible_and_seed_dependent():
    X = np.arange(100)
    np.testing.assert_array_equal(split(X, test=0.3, seed=1).test[0], split(X, test=0.3, seed=1).test[0])
    assert not np.array_equal(split(X, test=0.3, seed=1).test[0], split(X, test=0.3, seed=2).test[0])


@pytest.mark.parametrize("seed", range(5))
def test_stratified_split_keeps_class_proportions(rng, seed):
    y = rng.choice(4, size=503, p=[0.5, 0.3, 0.15, 0.05])
    counts = np.bincount(y, minlength=4)
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = split(
        np.arange(503), y, validation=0.15, test=0.2, seed=seed, stratify=True
    )
    assert (len(y_tr), len(y_va), len(y_te)) == (326, 76, 101)  # rest, ceil(.15n), ceil(.2n)
    test_counts = np.bincount(y_te, minlength=4)
    assert np.abs(test_counts - counts * 101 / 503).max() < 1  # floor or ceil of the share
    left = counts - test_counts
    assert np.abs(np.bincount(y_va, minlength=4) - left * 76 / 402).max() < 1
    assert np.abs(np.bincount(y_tr, minlength=4) - counts * 326 / 503).max() < 2
    for X_part, y_part in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        np.testing.assert_array_equal(y[X_part], y_part)


def test_stratified_two_way_split_matches_scikit_learn_counts(rng):
    model_selection = pytest.importorskip("sklearn.model_selection")
    y = rng.choice(5, size=300, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    _, _, _, sk_test = model_selection.train_test_split(np.arange(300), y, test_size=0.3, stratify=y, random_state=0)
    ours = split(np.arange(300), y, test=0.3, seed=0, stratify=True).test[1]
    # Both give each class the floor or ceil of its share of the 90 test samples.
    share = np.bincount(y) * 90 / 300
    for counts in (np.bincount(sk_test, minlength=5), np.bincount(ours, minlength=5)):
        assert counts.sum() == 90 and np.all((counts == np.floor(share)) | (counts == np.ceil(share)))


def test_stratified_split_refuses_to_leave_a_class_out_as_scikit_learn_does():
    # the lone class-1 sample went to train without a word, and test=1 gave a one-class test set
    model_selection = pytest.importorskip("sklearn.model_selection")
    X = np.zeros((10, 1))
    with pytest.raises(ValueError, match=r"stratify: the class 1 has only 1 sample in y\. A stratified split needs"):
        split(X, [0] * 9 + [1], test=0.2, stratify=True)
    with pytest.raises(ValueError, match="the test set would get 1 sample.*fewer than the 2 classes"):
        split(X, [0, 1] * 5, test=1, stratify=True)
    with pytest.raises(ValueError, match="the training set would get 1 sample.*fewer than the 2 classes"):
        split(X, [0, 1] * 5, test=9, stratify=True)
    with pytest.raises(ValueError, match="the validation set would get 1 sample.*fewer than the 2 classes"):
        split(X, [0, 1] * 5, validation=1, stratify=True)
    with pytest.raises(ValueError, match=r"the class 'a' has only 1 sample in what the test set leaves"):
        split(X, list("aabbbbbbbb"), validation=2, test=3, stratify=True, seed=0)  # the test set takes one 'a'
    # a two-way split is refused exactly where scikit-learn's train_test_split refuses it
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(3, 11))
        y = rng.integers(0, int(rng.integers(1, 4)), n)
        test = int(rng.integers(1, n)) if rng.random() < 0.5 else float(rng.choice([0.1, 0.25, 0.5, 0.75]))
        try:
            model_selection.train_test_split(X[:n], y, test_size=test, stratify=y, random_state=0)
            refused = False
        except ValueError:
            refused = True
        try:
            split(X[:n], y, test=test, stratify=True, seed=0)
        except ValueError as error:
            assert refused, (y, test, error)
        else:
            assert not refused, (y, test)


def test_stratify_on_one_hot_labels_and_given_array(rng):
    y = rng.integers(0, 3, 90)
    a = split(np.arange(90), to_categorical(y), test=0.3, seed=0, stratify=True)
    b = split(np.arange(90), y, test=0.3, seed=0, stratify=True)
    c = split(np.arange(90), test=0.3, seed=0, stratify=y)
    np.testing.assert_array_equal(a.test[0], b.test[0])
    np.testing.assert_array_equal(b.test[0], c.test[0])


def test_split_cuts_sparse_rows_as_scikit_learn_does():
    sparse = pytest.importorskip("scipy.sparse")
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 2
    # np.asarray made the matrix a 0-d object array: "X must be an array of samples. Received a scalar"
    dense = split(X, y, validation=0.2, test=0.3, seed=0, stratify=True)
    for make in (sparse.csr_matrix, sparse.coo_array):
        parts = split(make(X), y, validation=0.2, test=0.3, seed=0, stratify=True)
        for (X_part, y_part), (X_dense, y_dense) in zip(parts, dense):
            assert sparse.issparse(X_part)
            np.testing.assert_array_equal(X_part.toarray(), X_dense)
            np.testing.assert_array_equal(y_part, y_dense)
    with pytest.raises(ValueError, match="Inconsistent numbers of samples: X has 10, y has 9"):
        split(sparse.csr_matrix(X), np.zeros(9))

def test_split_keeps_pandas_types_and_index_as_scikit_learn_does():
    pd = pytest.importorskip("pandas")
    model_selection = pytest.importorskip("sklearn.model_selection")
    df = pd.DataFrame({"a": np.arange(10.0), "b": list("abcdefghij")}, index=range(100, 110))
    s = pd.Series(np.arange(10) % 2, index=df.index, name="t")
    # they came back as ndarrays: column names and index gone, the rows no longer traceable
    ours = split(df, s, test=3, shuffle=False)
    sk_train, sk_test, sk_y_train, sk_y_test = model_selection.train_test_split(df, s, test_size=3, shuffle=False)
    pd.testing.assert_frame_equal(ours.train[0], sk_train)
    pd.testing.assert_frame_equal(ours.test[0], sk_test)
    pd.testing.assert_series_equal(ours.test[1], sk_y_test)
    pd.testing.assert_series_equal(ours.train[1], sk_y_train)
    parts = split(df, s, validation=0.2, test=0.2, seed=0, stratify=True)
    for X_part, y_part in parts:
        assert isinstance(X_part, pd.DataFrame) and isinstance(y_part, pd.Series)
        pd.testing.assert_frame_equal(X_part, df.loc[X_part.index])  # whole rows, by position
        pd.testing.assert_series_equal(y_part, s.loc[X_part.index])  # y stays aligned with X
    assert sorted(i for X_part, _ in parts for i in X_part.index) == list(df.index)
    assert isinstance(split(df["a"], test=2, seed=0).test[0], pd.Series)


def test_split_errors():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="leave no training samples out of 10"):
        split(X, validation=0.5, test=0.5)
    with pytest.raises(ValueError, match="test must be < 1.0. Received: test=1.0"):
        split(X, test=1.0)
    with pytest.raises(ValueError, match=r"validation must be a count in \[0, 10\). Received: validation=10"):
        split(X, validation=10)
    with pytest.raises(ValueError, match="Inconsistent numbers of samples: X has 10, y has 9"):
        split(X, np.zeros(9))
    with pytest.raises(ValueError, match="stratify=True needs y"):
        split(X, test=0.2, stratify=True)
    with pytest.raises(ValueError, match="stratify needs shuffle=True"):
        split(X, np.zeros(10), test=0.2, stratify=True, shuffle=False)
    for call in (lambda: split(X, test=0.2, seed=0, shuffle=False), lambda: kfold(10, 3, shuffle=False, seed=0)):
        with pytest.raises(ValueError, match="seed has no effect with shuffle=False: nothing is drawn"):
            call()  # silently unused, as scikit-learn's KFold refuses it
    with pytest.raises(ValueError, match="X is empty"):
        split(np.zeros((0, 2)))
    with pytest.raises(TypeError, match="X must be an array of samples. Received: X=None"):
        split(None)
    with pytest.raises(ValueError, match=r"stratify must hold one label per sample \(X has 10\). Received 9 labels"):
        split(X, test=0.2, stratify=np.zeros(9))


# ------------------------------------------------------------------ k-fold


def test_kfold_hand_worked_consecutive_folds():
    folds = kfold(10, 3, shuffle=False)
    np.testing.assert_array_equal(folds[0][1], [0, 1, 2, 3])  # first n % k folds one larger
    np.testing.assert_array_equal(folds[1][1], [4, 5, 6])
    np.testing.assert_array_equal(folds[2][1], [7, 8, 9])
    np.testing.assert_array_equal(folds[1][0], [0, 1, 2, 3, 7, 8, 9])


def test_kfold_matches_scikit_learn_without_shuffle():
    model_selection = pytest.importorskip("sklearn.model_selection")
    for n, k in [(10, 3), (17, 5), (6, 6)]:
        ours = kfold(n, k, shuffle=False)
        for (tr, va), (sk_tr, sk_va) in zip(ours, model_selection.KFold(k).split(np.zeros(n))):
            np.testing.assert_array_equal(tr, sk_tr)
            np.testing.assert_array_equal(va, sk_va)


def test_kfold_shuffled_partitions_and_is_reproducible():
    folds = kfold(23, 4, seed=3)
    validation = np.concatenate([va for _, va in folds])
    assert sorted(validation) == list(range(23))
    assert sorted(len(va) for _, va in folds) == [5, 6, 6, 6]
    for tr, va in folds:
        assert np.intersect1d(tr, va).size == 0 and len(tr) + len(va) == 23
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, kfold(23, 4, seed=3)))
    assert not np.array_equal(folds[0][1], kfold(23, 4, seed=4)[0][1])


def test_stratified_kfold(rng):
    y = rng.choice(3, size=203, p=[0.6, 0.3, 0.1])
    counts = np.bincount(y)
    folds = kfold(203, 5, seed=0, stratify=y)
    assert sorted(np.concatenate([va for _, va in folds])) == list(range(203))
    assert [len(va) for _, va in folds] == [41, 41, 41, 40, 40]
    for _, va in folds:
        fold_counts = np.bincount(y[va], minlength=3)
        assert np.all((fold_counts == counts // 5) | (fold_counts == -(-counts // 5)))


def test_stratified_kfold_without_shuffle_is_scikit_learn_s_stratified_kfold():
    # it raised "stratify needs shuffle=True", though StratifiedKFold(k) is unshuffled by default
    y = np.array([1, 0, 1, 1, 0, 1, 1, 0, 1, 1])
    folds = kfold(10, 3, shuffle=False, stratify=y)
    # StratifiedKFold(3).split(y, y): class 1 (7 samples) gives 3, 2, 2 to the folds, class 0 gives 1, 1, 1
    assert [va.tolist() for _, va in folds] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    np.testing.assert_array_equal(folds[1][0], [0, 1, 2, 3, 7, 8, 9])
    model_selection = pytest.importorskip("sklearn.model_selection")
    rng = np.random.default_rng(0)
    for n, k, labels in [(23, 4, ["b", "a", "c"]), (40, 5, [7, -2, 3, 0]), (12, 3, [0, 1])]:
        y = rng.choice(labels, n)
        y[:k] = labels[0]  # every class at least k members, as scikit-learn requires
        y[k : 2 * k] = labels[1]
        y[2 * k : 3 * k] = labels[-1]
        sk = model_selection.StratifiedKFold(k).split(np.zeros(n), y)
        for (tr, va), (sk_tr, sk_va) in zip(kfold(n, k, shuffle=False, stratify=y), sk, strict=True):
            np.testing.assert_array_equal(va, sk_va)
            np.testing.assert_array_equal(tr, sk_tr)


@pytest.mark.parametrize("shuffle", [True, False])
def test_stratified_kfold_checks_class_sizes_as_scikit_learn_s_stratified_kfold(shuffle):
    # a class of 1 sample in 3 folds, and 3 folds of classes of 2, were dealt without a word
    model_selection = pytest.importorskip("sklearn.model_selection")
    seed = 0 if shuffle else None
    for y in ([0] * 9 + [1], [0, 0, 1, 1], ["a", "b"] * 5, [5, 5, 5, 7, 7, 7]):
        n, sk = len(y), model_selection.StratifiedKFold(3, shuffle=shuffle, random_state=seed)
        with warnings.catch_warnings(record=True) as sk_warned:
            warnings.simplefilter("always")
            try:
                list(sk.split(np.zeros(n), y))
                sk_refused = False
            except ValueError:
                sk_refused = True
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            try:
                kfold(n, 3, shuffle=shuffle, seed=seed, stratify=y)
                refused = False
            except ValueError as error:
                assert "k=3 is more than the samples of every class in stratify (the largest class has 2)" in str(error)
                refused = True
        assert refused == sk_refused, y
        assert [w.category for w in warned] == [w.category for w in sk_warned], y  # a UserWarning, or none
    with pytest.warns(UserWarning, match=r"The least populated class in stratify, 1, has only 1 member\(s\), which is "
                                         r"less than k=3: 2 fold\(s\) validate without it") as record:
        folds = kfold(10, 3, shuffle=shuffle, seed=seed, stratify=[0] * 9 + [1])
    assert record[0].filename == __file__  # points at the call
    assert sum(9 in va for _, va in folds) == 1


def test_kfold_errors():
    with pytest.raises(ValueError, match="k must be between 2 and n=5. Received: k=6"):
        kfold(5, 6)
    with pytest.raises(ValueError, match="k must be between 2 and n=5. Received: k=1"):
        kfold(5, 1)
    with pytest.raises(TypeError, match="n must be a positive integer"):
        kfold(5.0, 2)
    with pytest.raises(TypeError, match="stratify must be an array of n labels"):
        kfold(5, 2, stratify=True)
    with pytest.raises(ValueError, match=r"stratify must hold one label per sample \(n=5\). Received 3 labels"):
        kfold(5, 2, stratify=[0, 1, 0])


def test_stratify_labels_that_cannot_be_sorted_are_named():
    # "'<' not supported between instances of 'NoneType' and 'str'" (a missing label among text ones)
    y = np.array(["a", None, "b", "a", "b", "a"], dtype=object)
    match = "The labels to stratify on .* must be all numbers or all text.* NoneType, str"
    with pytest.raises(TypeError, match=match):
        split(np.ones((6, 2)), y, stratify=True, test=0.5)
    with pytest.raises(TypeError, match=match):
        kfold(6, 2, stratify=y)


def test_to_categorical_is_also_in_utils_as_keras_has_it():
    from glassnet import preprocessing, utils

    assert utils.to_categorical is preprocessing.to_categorical
    np.testing.assert_array_equal(utils.to_categorical([0, 2], num_classes=3), [[1, 0, 0], [0, 0, 1]])


def test_a_constant_column_is_only_centred_despite_rounding():
    # 0.1 in every row has a rounding-noise σ of 1.4e-17; dividing by it gave 1.0 instead of 0
    from glassnet.preprocessing import standardize

    for dtype in (np.float64, np.float32):
        X = np.column_stack([np.full(10, 0.1), np.arange(10.0)]).astype(dtype)
        Z = standardize(X)
        assert np.abs(Z[:, 0]).max() < 1e-6
        np.testing.assert_allclose(Z[:, 1], (X[:, 1] - 4.5) / np.std(X[:, 1]), rtol=1e-6)
    # a tiny but real spread is still scaled
    np.testing.assert_allclose(standardize(np.array([[1e-10], [2e-10], [3e-10]]))[:, 0], [-1.224744871, 0, 1.224744871])


def test_large_float32_columns_far_from_zero_are_still_scaled():
    # with float32's epsilon in the constant-column bound, heights around 170 ± 10 over 10⁶ rows
    # counted as constant and came out with std 10
    from glassnet.preprocessing import standardize

    rng = np.random.default_rng(0)
    X = rng.normal(170, 10, (1_000_000, 1)).astype(np.float32)
    assert standardize(X).std() == pytest.approx(1.0, rel=1e-4)


def test_float32_statistics_accumulate_in_float64():
    # float32 sums over 10⁶ rows drifted: a column constant at 170.1 read mean 170.84 and came out −0.741
    from glassnet.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(170, 10, 10**6), np.full(10**6, 170.1)]).astype(np.float32)
    scaler = StandardScaler().fit(X)
    reference = X.astype(np.float64)
    np.testing.assert_allclose(scaler.mean_, reference.mean(axis=0), rtol=1e-7)
    np.testing.assert_allclose(scaler.scale_[0], reference[:, 0].std(), rtol=1e-6)
    assert scaler.scale_[1] == 1.0 and not scaler.transform(X[:5])[:, 1].any()


def test_star_import_gives_only_the_public_names():
    namespace = {}
    exec("from glassnet.preprocessing import *", namespace)
    public = sorted(k for k in namespace if not k.startswith("__"))
    assert public == [
        "MinMaxScaler", "Split", "StandardScaler", "from_categorical", "kfold",
        "min_max_scale", "split", "standardize", "to_categorical", "zero_center",
    ]


def test_min_max_scaler_takes_a_constant_features_range_as_1():
    # scale_ was 1 whatever the feature_range: new data on a constant column came out (b - a) times too small
    scaler = MinMaxScaler((-1, 1)).fit(np.array([[0.0, 5], [1, 5], [2, 5]]))
    np.testing.assert_array_equal(scaler.scale_, [1.0, 2.0])  # scikit-learn's scale_
    np.testing.assert_array_equal(scaler.transform([[1.0, 6.0], [2.0, 5.0]]), [[0.0, 1.0], [1.0, -1.0]])
    np.testing.assert_array_equal(scaler.inverse_transform(scaler.transform([[1.0, 6.0]])), [[1.0, 6.0]])


def test_kfold_checks_shuffle():
    # shuffle="no" shuffled, shuffle=None did not: any truthy value was read as True
    for bad in ("no", None, 1):
        with pytest.raises(TypeError, match="shuffle must be True or False"):
            kfold(6, 2, shuffle=bad)


def test_a_dok_sparse_matrix_is_refused_as_sparse():
    # a dok_matrix is a dict: "X must be an array-like of numbers. Received: dok_matrix" hid that it is sparse
    sparse = pytest.importorskip("scipy.sparse")
    for make in (sparse.dok_matrix, sparse.dok_array, sparse.csr_matrix):
        with pytest.raises(TypeError, match=r"Sparse data was passed for X, but dense data is required. Use X.toarray\(\)"):
            StandardScaler().fit(make(np.eye(3)))


def test_standard_scaler_partial_fit_of_zeros_then_tiny_values_is_fit_s():
    # a batch of zeros (unit 1) merged with one of values below 2**-500 scaled its moments by up to 2**1074:
    # 0 · inf gave mean_, var_ and scale_ NaN, where fit on both batches gives 5e-321 and 5e-201
    for tiny in (1e-320, 1e-200):
        X = np.array([[0.0, 1.0], [0.0, 2.0], [tiny, 3.0]])
        batches = StandardScaler().partial_fit(X[:2]).partial_fit(X[2:])
        whole = StandardScaler().fit(X)
        np.testing.assert_allclose(batches.mean_, whole.mean_, rtol=1e-12)
        np.testing.assert_allclose(batches.scale_, whole.scale_, rtol=1e-12)
        np.testing.assert_allclose(batches.mean_[0], tiny / 3, rtol=1e-2)  # exact Fraction mean, to subnormal precision


def test_min_max_scaler_of_an_all_nan_feature_has_scikit_learn_s_nan_scale():
    # its scale_ was b - a (as a constant feature's), scikit-learn's is NaN: the feature has no range yet
    sk = pytest.importorskip("sklearn.preprocessing")
    X = np.array([[0.0, np.nan], [2.0, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scikit-learn's all-NaN reductions
        theirs = sk.MinMaxScaler((-1, 1)).fit(X)
    ours = MinMaxScaler((-1, 1)).fit(X)
    for attribute in ("scale_", "min_", "data_min_", "data_max_", "data_range_"):
        np.testing.assert_array_equal(getattr(ours, attribute), getattr(theirs, attribute), err_msg=attribute)
    np.testing.assert_array_equal(ours.transform(X), [[-1, np.nan], [1, np.nan]])
    later = MinMaxScaler((-1, 1)).partial_fit(X).partial_fit([[1.0, 4.0], [1.0, 8.0]])  # filled in by a later batch
    np.testing.assert_array_equal(later.scale_, [1.0, 0.5])


def test_min_max_scaler_maps_a_constant_feature_of_large_values_to_the_range_s_start():
    # x·scale_ + min_ (scikit-learn's formula): min_ = a − 1.7e18·2 rounds a away, so a constant column of
    # nanosecond timestamps came out 0 instead of a = −1, and 1e300 in range (1, 2) came out 0, outside it
    for value, feature_range in ((1.7e18, (-1, 1)), (1e300, (1, 2)), (3.0, (-1, 1))):
        X = np.array([[value, 0.0], [value, 1.0]])
        scaler = MinMaxScaler(feature_range).fit(X)
        np.testing.assert_array_equal(scaler.transform(X), [[feature_range[0], feature_range[0]],
                                                            [feature_range[0], feature_range[1]]])
        np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-15)
        # a new value: a + (x − min)·(b − a), the constant feature's range taken as 1
        x = value + value / 2**40  # x − value is exact (Sterbenz)
        np.testing.assert_allclose(scaler.transform([[x, 0.5]])[0],
                                   [feature_range[0] + (x - value) * (feature_range[1] - feature_range[0]),
                                    np.mean(feature_range)], rtol=1e-12)


def test_a_min_max_scaler_pickled_before_it_kept_the_range_s_start_still_transforms():
    # a scaler fitted and pickled by the glassnet before has no _low: it transforms as it did then
    X = np.array([[1.0, 10.0], [3.0, 30.0], [2.0, 25.0]])
    scaler = MinMaxScaler((-1, 1)).fit(X)
    old = pickle.loads(pickle.dumps(scaler))
    del old.__dict__["_low"]
    np.testing.assert_allclose(old.transform(X), scaler.transform(X), rtol=0, atol=1e-15)
    np.testing.assert_allclose(old.transform(X), [[-1, -1], [1, 1], [0, 0.5]], atol=1e-15)


def test_to_categorical_names_a_fractional_label_as_a_plain_number():
    # "Received the value np.float64(1.5)": NumPy 2's repr of the scalar
    with pytest.raises(ValueError, match=r"x must hold integer class labels 0, 1, 2, \.\.\. Received the value 1\.5\.$"):
        to_categorical(np.array([0.0, 1.5]), num_classes=3)
