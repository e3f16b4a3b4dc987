"""Samples in columns, MATLAB's and R's layout (session 61, hmatlab F2-F7 and items 8 and 11): the
messages and warnings that name the transpose, without false alarms on row-layout data; min_max_scale's
axis; SOM(sigma=0) as a competitive layer (only the winner moves)."""

import warnings

import numpy as np
import pytest

from glassnet import layers, models
from glassnet.classic import SOM, Adaline, CapacityWarning, Hopfield, Perceptron, delta_rule, perceptron_rule
from glassnet.preprocessing import min_max_scale

rng = np.random.default_rng(0)
X = rng.normal(size=(150, 4))
Y = np.eye(3)[rng.integers(0, 3, 150)]
labels = np.arange(150) % 2


def _model(with_input):
    model = models.Sequential(([layers.Input((4,))] if with_input else []) + [layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    return model


# ---- F4: the model's feature count ---------------------------------------------------------------------
def test_a_model_given_samples_in_columns_names_the_transpose():
    model = _model(with_input=True)
    with pytest.raises(ValueError, match=r"expected 4 features, got 150 .*x\.T has that shape: glassnet takes one sample "
                                         r"per row \(MATLAB and R put samples in columns\)"):
        model.fit(X.T, Y.T, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"x\.T has that shape"):
        model.predict(X.T, verbose=0)


def test_a_wrong_feature_count_in_rows_gets_no_transpose_hint():
    with pytest.raises(ValueError, match="expected 4 features, got 5") as error:
        _model(with_input=True).predict(rng.normal(size=(150, 5)), verbose=0)
    assert ".T" not in str(error.value)


# ---- F5: inconsistent numbers of samples -------------------------------------------------------------
def test_inconsistent_samples_that_agree_in_columns_name_the_transposes():
    with pytest.raises(ValueError, match=r"x has 4, y has 3\. The shapes are x \(4, 150\), y \(3, 150\): if the columns "
                                         r"are the samples .*pass x\.T and y\.T"):
        _model(with_input=False).fit(X.T, Y.T, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"pass y\.T;"):  # x already in rows, y from MATLAB
        _model(with_input=False).fit(X, Y.T, epochs=1, verbose=0)


@pytest.mark.parametrize("y_shape", [(149, 3), (4,), (4, 3)])
def test_inconsistent_samples_in_rows_get_no_transpose_hint(y_shape):
    # (x (150, 4) with y (4,): x is tall, not read as transposed)
    with pytest.raises(ValueError, match="Inconsistent numbers of samples") as error:
        _model(with_input=False).fit(X, np.ones(y_shape), epochs=1, verbose=0)
    assert ".T" not in str(error.value)


@pytest.mark.parametrize("estimator", [Perceptron(), Adaline()])
def test_classic_estimators_given_samples_in_columns_name_the_transpose(estimator):
    with pytest.raises(ValueError, match=r"X has 4, y has 150\. X has shape \(4, 150\): if its columns are the samples "
                                         r"\(MATLAB and R put samples in columns\), pass X\.T"):
        estimator.fit(X.T, labels)
    with pytest.raises(ValueError, match="X has 150, y has 149") as error:  # rows: no hint
        estimator.fit(X, labels[:-1])
    assert ".T" not in str(error.value)


# ---- F6: MATLAB's row of targets -----------------------------------------------------------------------
P = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])  # MATLAB's OR inputs, one sample per column
t_row = np.array([[0, 1, 1, 1]])


@pytest.mark.parametrize("rule", [perceptron_rule, delta_rule])
def test_a_row_of_targets_is_named_a_row_vector(rule):
    with pytest.raises(ValueError, match=r"t of shape \(1, 4\) is a row vector: one target per sample is a 1-D array "
                                         r"of shape \(4,\), t\.ravel\(\)") as error:
        rule(P.T, t_row)
    assert "X.T" not in str(error.value)
    with pytest.raises(ValueError, match=r"row vector.*X has shape \(2, 4\): if its columns are the samples .*pass X\.T"):
        rule(P, t_row)


def test_the_raveled_row_trains_as_learnp_does_by_hand():
    # learnp from zero weights, hardlim(0) = 1, lr 1, samples in order: worked by hand, b = −1, w = (1, 1)
    history = perceptron_rule(P.T, t_row.ravel(), learning_rate=1, epochs=5)
    np.testing.assert_array_equal(history.weights[-1], [-1, 1, 1])


def test_one_sample_with_several_targets_is_not_a_row_vector():
    history = delta_rule([[1.0, 2.0]], [[0.5, 0.25]], activation="linear", epochs=1)  # one sample, k = 2 outputs
    assert np.shape(history.weights) == (2, 3, 2)  # initial and after the epoch


# ---- F7: Hopfield patterns in columns ------------------------------------------------------------------
def test_hopfield_with_more_patterns_than_neurons_asks_for_the_transpose():
    T = np.array([[1, -1, -1], [1, 1, -1]]).T  # MATLAB's newhop(T): 2 patterns of 3 neurons, as columns
    with pytest.warns(CapacityWarning, match=r"did you mean T\.T \(2 patterns of 3 neurons\)\?"):
        Hopfield().fit(T)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Hopfield().fit(T.T)  # (2 patterns of 3 neurons: over capacity too, p > 0.138·N)
    assert all("T.T" not in str(w.message) for w in caught)


def test_hopfield_over_capacity_with_patterns_in_rows_has_no_transpose_hint():
    patterns = np.where(rng.normal(size=(3, 10)) > 0, 1, -1)  # p = 3 > 0.138·10, p < N
    with pytest.warns(CapacityWarning) as caught:
        Hopfield().fit(patterns)
    assert all("T.T" not in str(w.message) for w in caught)


# ---- F2: SOM on samples in columns ---------------------------------------------------------------------
def test_som_on_samples_in_columns_warns():
    with pytest.warns(UserWarning, match=r"X has 4 samples \(rows\) of 150 features for a map of 9 neurons \(more "
                                         r"neurons than samples\); if the columns of X are the samples \(MATLAB's "
                                         r"selforgmap takes one per column\), pass X\.T\."):
        SOM(grid=(3, 3), epochs=1, random_state=0).fit(X.T)


@pytest.mark.parametrize("shape, grid", [((5, 2), (3, 3)), ((20, 4), (10, 10)), ((5, 150), (2, 2)), ((150, 4), (3, 3)),
                                         ((20, 64), (5, 5))])
def test_som_on_small_row_data_does_not_warn(shape, grid):
    # fewer samples than neurons, or than features, but not both; or 20 images of 64 pixels on 25 neurons
    data = rng.uniform(size=shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SOM(grid=grid, epochs=1, random_state=0).fit(data)
    assert not [w for w in caught if "selforgmap" in str(w.message)]


# ---- item 11 / F3: min_max_scale's axis -----------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("feature_range", [(0, 1), (-1, 1)])
def test_min_max_scale_axis_equals_scikit_learn(axis, feature_range):
    sk = pytest.importorskip("sklearn.preprocessing")
    data = rng.normal(size=(6, 4)) * [1, 10, 100, 0.1]
    np.testing.assert_allclose(min_max_scale(data, feature_range, axis=axis),
                               sk.minmax_scale(data, feature_range, axis=axis), rtol=0, atol=1e-14)


def test_min_max_scale_axis_1_is_mapminmax_of_the_columns_layout():
    # mapminmax(x) of samples in columns scales each row of x to [-1, 1]: the same numbers, transposed, as axis=0 on x.T
    np.testing.assert_allclose(min_max_scale(X.T, (-1, 1), axis=1), min_max_scale(X, (-1, 1)).T, rtol=0, atol=1e-15)
    assert np.allclose(min_max_scale(X.T, (-1, 1), axis=1).min(axis=1), -1)


@pytest.mark.parametrize("axis", [2, -1, None, "rows"])
def test_min_max_scale_refuses_another_axis(axis):
    with pytest.raises(ValueError, match=r"axis must be 0 .* or 1"):
        min_max_scale(X, axis=axis)


# ---- item 8: SOM(sigma=0), a competitive layer --------------------------------------------------------------
centres = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
points = np.repeat(centres, 10, axis=0) + 0.1 * rng.normal(size=(30, 2))
start = np.array([[0.2, 0.5], [0.6, 0.6], [0.4, 0.4]])


@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble"])
@pytest.mark.parametrize("schedule", ["constant", "exponential"])
def test_sigma_0_moves_only_the_winner_as_the_kohonen_rule(neighborhood, schedule):
    som = SOM(grid=(1, 3), sigma=0, neighborhood=neighborhood, learning_rate=0.3, schedule=schedule, epochs=3,
              init=start, shuffle=False).fit(points)
    # the Kohonen rule by hand: w_win ← w_win + η(x − w_win), η decaying 0.3 → 0.01 as 0.3·(0.01/0.3)^(t/(T−1))
    W, T = start.copy(), 3 * len(points)
    for t in range(T):
        x = points[t % len(points)]
        eta = 0.3 if schedule == "constant" else 0.3 * (0.01 / 0.3) ** (t / (T - 1))
        win = np.argmin(((W - x) ** 2).sum(axis=1))
        W[win] += eta * (x - W[win])
    np.testing.assert_allclose(som.weights_, W, rtol=0, atol=1e-13)


def test_sigma_0_in_batch_mode_is_lloyds_k_means_step():
    som = SOM(grid=(1, 3), sigma=0, final_sigma=0, mode="batch", epochs=4, init=start).fit(points)
    W = start.copy()
    for _ in range(4):
        win = np.argmin(((points[:, None] - W) ** 2).sum(axis=2), axis=1)
        W = np.array([points[win == k].mean(axis=0) if (win == k).any() else W[k] for k in range(3)])
    np.testing.assert_allclose(som.weights_, W, rtol=0, atol=1e-13)
    np.testing.assert_allclose(np.sort(som.weights_, axis=0), np.sort(centres, axis=0), atol=0.1)


@pytest.mark.parametrize("sigma, final_sigma", [(0, 1.0), (2.0, 0)])
def test_sigma_0_at_one_end_only_is_refused(sigma, final_sigma):
    with pytest.raises(ValueError, match=r"sigma and final_sigma must be both 0 \(a competitive layer"):
        SOM(grid=(1, 3), sigma=sigma, final_sigma=final_sigma).fit(points)
