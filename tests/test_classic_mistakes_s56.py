"""Session 56 (hmist F10-F12): hints for common data mistakes in the classic models and MLPClassifier.

F10: Hopfield's non-bipolar message gives a recipe that fits the data (2*x - 1 only for 0/1).
F11: SOM.fit warns when one column's spread dwarfs the others' (unscaled features).
F12: MLPClassifier.fit warns on a one-hot y, which scikit-learn (and glassnet) read as multilabel.
"""

import re
import warnings

import numpy as np
import pytest

from glassnet.classic import SOM, Hopfield, flip_bits

RNG = np.random.default_rng(0)
BITS01 = (RNG.random((3, 25)) < 0.5).astype(int)  # 0/1 patterns


# ---- F10: Hopfield -------------------------------------------------------------------------------------


def _refusal(P, fit=True):
    with pytest.raises(ValueError) as info:
        Hopfield().fit(P) if fit else flip_bits(P, 0.1)
    return str(info.value)


def test_hopfield_01_patterns_keep_the_2x_minus_1_hint():
    message = _refusal(BITS01)
    assert "2*x - 1" in message and "np.where" not in message


@pytest.mark.parametrize("P, recipe", [
    (BITS01 * 255, "np.where(x == 255, 1, -1)"),  # 0/255 images: 2*x - 1 gave 509
    ((2 * BITS01 - 1) * 0.5, "np.where(x == 0.5, 1, -1)"),  # ±0.5
    (BITS01 + 1, "np.where(x == 2, 1, -1)"),  # labels 1/2
])
def test_hopfield_two_valued_patterns_get_the_np_where_equal_hint(P, recipe):
    message = _refusal(P)
    assert recipe in message and "2*x - 1" not in message
    fitted = Hopfield().fit(eval(recipe, {"np": np, "x": P}))  # the hint's recipe gives the bipolar form of the 0/1 patterns
    np.testing.assert_array_equal(fitted.W_, Hopfield().fit(2 * BITS01 - 1).W_)


def test_hopfield_many_valued_patterns_get_a_threshold_hint():
    P = RNG.integers(0, 256, (3, 25))  # grey levels 0..255
    message = _refusal(P)
    lo, hi = P.min(), P.max()
    recipe = f"np.where(x > {(lo + hi) / 2:g}, 1, -1)"  # halfway between the smallest and the largest value
    assert recipe in message and "2*x - 1" not in message
    bipolar = eval(recipe, {"np": np, "x": P})
    assert set(np.unique(bipolar)) == {-1, 1}
    Hopfield().fit(bipolar)


def test_flip_bits_names_its_argument_with_the_same_hints():
    assert "2*x - 1" in _refusal(BITS01[0], fit=False)
    assert "np.where(x == 255, 1, -1)" in _refusal(BITS01[0] * 255, fit=False)


# ---- F11: SOM on unscaled features ---------------------------------------------------------------------


def _fit_som(X, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        som = SOM(grid=(5, 5), epochs=2, random_state=0, **kwargs).fit(X)
    return som, [w for w in caught if "standard deviations" in str(w.message)]


X4 = RNG.normal(size=(80, 4))
UNSCALED = np.c_[X4[:, :2], X4[:, 2] * 1000, X4[:, 3]]  # column 2 in other units (hmist M1)


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_som_warns_when_one_column_dwarfs_the_others_and_names_it(mode):
    _, caught = _fit_som(UNSCALED, mode=mode)
    assert len(caught) == 1 and caught[0].category is UserWarning
    message = str(caught[0].message)
    assert "StandardScaler" in message and "column 2" in message
    std = UNSCALED.std(axis=0)  # the figures named, against NumPy's own
    assert f"{std[2]:.3g}" in message and f"{np.median(std):.3g}" not in message
    assert f"{np.sort(std)[1]:.3g}" in message  # the typical (lower median) column
    assert caught[0].filename == __file__  # points at the user's fit call


def test_som_standardized_data_is_silent_and_the_map_is_better():
    Z = (UNSCALED - UNSCALED.mean(axis=0)) / UNSCALED.std(axis=0)
    som_z, caught = _fit_som(Z)
    assert caught == []
    som_u, _ = _fit_som(UNSCALED)
    assert som_z.topographic_error(Z) < som_u.topographic_error(UNSCALED)


def test_som_two_columns_and_dataframe_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"height_m": X4[:, 0], "income": X4[:, 1] * 5000})
    _, caught = _fit_som(frame)
    assert len(caught) == 1 and "'income'" in str(caught[0].message)


def test_som_ignores_constant_and_rarely_set_columns_as_in_pixel_data():
    # MNIST's border pixels: a few samples dimly lit, the std 1e-4 against 0.45 (max/min ratio 3458):
    # standardizing would blow them up, so only a column far above the typical one is flagged
    X = (RNG.random((300, 30)) < 0.4).astype(float)
    X[:, :5] = 0.0  # never lit (zero variance)
    X[:, 5:10] = 0.0
    X[0, 5:10] = 1 / 255  # lit once, dimly
    assert X[:, 5:].std(axis=0).max() / X[:, 5:].std(axis=0).min() > 1000
    assert _fit_som(X)[1] == []


def test_som_column_stds_match_numpy_in_chunks_and_float32(monkeypatch):
    from glassnet.classic import som

    monkeypatch.setattr(som, "CHUNK", 7)  # 80 rows: 12 blocks, the last one short
    np.testing.assert_allclose(som._column_stds(UNSCALED + 1e6), UNSCALED.std(axis=0), rtol=1e-9)
    X32 = UNSCALED.astype(np.float32)
    np.testing.assert_allclose(som._column_stds(X32), X32.astype(np.float64).std(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(som._column_stds(np.ones((5, 3))), 0.0)


def test_som_huge_and_tiny_values_take_no_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert len(_fit_som(UNSCALED * 1e150, init="random")[1]) == 1  # squares of 1e153 overflow
        assert len(_fit_som(UNSCALED * 1e-170, init="random")[1]) == 1  # and of 1e-170 underflow
        assert _fit_som(X4 * 1e150, init="random")[1] == []


# ---- F12: MLPClassifier with one-hot y -----------------------------------------------------------------

XS = RNG.normal(size=(80, 4))
LABELS = (XS[:, 0] > 0).astype(int) + (XS[:, 1] > 0)


def _fit_mlp(y, **kwargs):
    pytest.importorskip("sklearn")
    from glassnet.sklearn import MLPClassifier

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0, **kwargs).fit(XS, y)
    return clf, [w for w in caught if "one-hot" in str(w.message)]


@pytest.mark.parametrize("k", [2, 3])
def test_mlp_classifier_warns_on_one_hot_y_and_keeps_scikit_learns_reading(k):
    labels = LABELS.clip(max=k - 1)
    clf, caught = _fit_mlp(np.eye(k, dtype=int)[labels])
    assert len(caught) == 1 and caught[0].category is UserWarning
    assert "y.argmax(axis=1)" in str(caught[0].message) and caught[0].filename == __file__
    assert clf.predict(XS).shape == (80, k)  # still multilabel, as scikit-learn's MLPClassifier
    clf, caught = _fit_mlp(labels)  # the fix the warning gives: one class per sample, silent
    assert caught == [] and clf.predict(XS).shape == (80,)


def test_mlp_classifier_warns_on_a_sparse_one_hot_y():
    sparse = pytest.importorskip("scipy.sparse")
    assert len(_fit_mlp(sparse.csr_matrix(np.eye(3, dtype=int)[LABELS]))[1]) == 1


def test_mlp_classifier_true_multilabel_y_is_silent():
    Y = np.c_[LABELS > 0, LABELS > 1, XS[:, 2] > 0].astype(int)  # rows with 0, 1, 2 or 3 labels
    assert not (Y.sum(axis=1) == 1).all()
    assert _fit_mlp(Y)[1] == []


def test_mlp_classifier_one_hot_warns_once_under_warm_start():
    Y = np.eye(3, dtype=int)[LABELS]
    clf, caught = _fit_mlp(Y, warm_start=True)
    assert len(caught) == 1
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        clf.fit(XS, Y)  # a warm start: the classes were read (and warned about) on the first fit
    assert not any("one-hot" in str(w.message) for w in again)


def test_mlp_classifier_one_hot_warns_on_the_first_partial_fit():
    pytest.importorskip("sklearn")
    from glassnet.sklearn import MLPClassifier

    Y = np.eye(3, dtype=int)[LABELS]
    clf = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    with pytest.warns(UserWarning, match=re.escape("y.argmax(axis=1)")):
        clf.partial_fit(XS, Y, classes=[0, 1, 2])
