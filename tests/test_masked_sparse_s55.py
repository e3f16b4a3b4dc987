"""Session 55: ``Normalization.adapt`` of a masked array uses each feature's unmasked values (as Keras's
``np.mean``/``np.var`` of it), ``Discretization.adapt`` refuses masked arrays; fit of a sparse loss given
one-hot rows for labels says what to do with them. (Called directly, the sparse losses and accuracies read
float rows of the outputs' shape as the one-hot rows fit passes them, where Keras refuses them: documented.)"""

import numpy as np
import pytest

import glassnet as g
from glassnet import layers, losses, metrics


@pytest.fixture
def rng():
    return np.random.default_rng(55)


def _masked_data(rng, n=60):
    """Three features of very different scales, about a third of the values masked, the masked ones
    NaN, inf or huge (so that any use of them shows)."""
    X = rng.normal(size=(n, 3)) * [1.0, 1e3, 1e-3] + [5.0, -2e3, 0.0]
    mask = rng.random(X.shape) < 0.35
    mask[0] = False  # (every feature keeps values)
    hidden = X.copy()
    hidden[mask] = rng.choice([np.nan, np.inf, 1e30], size=mask.sum())
    return np.ma.MaskedArray(hidden, mask), X, mask


def _reference(X, mask):
    """Each feature's mean and population variance of its unmasked values, in float64, by hand."""
    mean = np.array([X[~mask[:, j], j].sum() / (~mask[:, j]).sum() for j in range(X.shape[1])])
    var = np.array([((X[~mask[:, j], j] - mean[j]) ** 2).sum() / (~mask[:, j]).sum() for j in range(X.shape[1])])
    return mean, var


# -- Normalization.adapt of a masked array ---------------------------------------------------------------------

def test_normalization_adapts_to_each_features_unmasked_values(rng):
    data, X, mask = _masked_data(rng)
    mean, var = _reference(X, mask)
    layer = layers.Normalization(dtype="float64")
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean.ravel(), mean, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(layer.variance.ravel(), var, rtol=1e-12)
    assert float(layer.state["count"]) == (~mask).sum(axis=0).min()  # the fewest values of a feature
    Z = np.asarray(layer(X))
    np.testing.assert_allclose(Z, (X - mean) / np.sqrt(var), rtol=1e-12, atol=1e-12)
    single = layers.Normalization()  # float32 weights of the float64 statistics
    single.adapt(data)
    np.testing.assert_allclose(single.mean.ravel(), mean, rtol=1e-6)
    np.testing.assert_allclose(single.variance.ravel(), var, rtol=1e-6)


def test_normalization_of_a_masked_array_for_one_mean_one_feature_and_samples_of_several_axes(rng):
    data, X, mask = _masked_data(rng)
    whole = layers.Normalization(axis=None, dtype="float64")
    whole.adapt(data)
    kept = X[~mask]
    assert float(whole.mean.item()) == pytest.approx(kept.mean(), rel=1e-13)
    assert float(whole.variance.item()) == pytest.approx(kept.var(), rel=1e-12)
    one = layers.Normalization(dtype="float64")
    one.adapt(data[:, 0])  # (n,): one feature
    assert float(one.mean.item()) == pytest.approx(X[~mask[:, 0], 0].mean(), rel=1e-13)
    S = rng.normal(size=(8, 5, 2))
    S_mask = S > 1.0
    sequences = layers.Normalization(dtype="float64")
    sequences.adapt(np.ma.MaskedArray(S, S_mask))  # samples (5, 2): the statistics of the last axis's features
    rows, row_mask = S.reshape(-1, 2), S_mask.reshape(-1, 2)
    mean, var = _reference(rows, row_mask)
    np.testing.assert_allclose(sequences.mean.ravel(), mean, rtol=1e-13)
    np.testing.assert_allclose(sequences.variance.ravel(), var, rtol=1e-12)


def test_a_masked_array_without_masked_values_adapts_as_its_array(rng):
    X = rng.normal(size=(40, 3)).astype("float32")
    plain, masked = layers.Normalization(), layers.Normalization()
    plain.adapt(X)
    masked.adapt(np.ma.MaskedArray(X))  # (nomask)
    np.testing.assert_array_equal(masked.mean, plain.mean)
    np.testing.assert_array_equal(masked.variance, plain.variance)


def test_normalization_refuses_a_fully_masked_feature_unmasked_nan_and_masked_batches(rng):
    data, X, mask = _masked_data(rng)
    empty = data.copy()
    empty[:, 1] = np.ma.masked
    # Keras's adapt stored mean 0 and variance 0 for it
    with pytest.raises(ValueError, match="every value of feature 1 masked"):
        layers.Normalization().adapt(empty)
    with pytest.raises(ValueError, match="every value masked"):
        layers.Normalization(axis=None).adapt(np.ma.masked_all((4, 2)))
    bad = np.ma.MaskedArray(X.copy(), mask.copy())
    bad[1, 0] = np.nan  # unmasked
    with pytest.raises(ValueError, match="NaN"):
        layers.Normalization().adapt(bad)
    for batches in ([data[:30], data[30:]], iter([data[:30], data[30:]]), iter([(data[:30], None)])):
        with pytest.raises(TypeError, match=r"batch 0 is a masked array.*adapt\(data\)"):
            layers.Normalization().adapt(batches)


# -- Discretization.adapt refuses masked arrays -----------------------------------------------------------------

def test_discretization_refuses_masked_arrays_and_takes_their_unmasked_values(rng):
    values = rng.normal(size=(200, 2))
    data = np.ma.masked_greater(values, 0.5)
    for given in (data, [data[:100], data[100:]], iter([data])):
        with pytest.raises(TypeError, match=r"masked array.*data\.compressed\(\)"):
            layers.Discretization(num_bins=3).adapt(given)
    unmasked, plain = layers.Discretization(num_bins=3), layers.Discretization(num_bins=3)
    unmasked.adapt(data.compressed())
    plain.adapt(values[values <= 0.5])
    assert unmasked.bin_boundaries == plain.bin_boundaries
    assert max(unmasked.bin_boundaries) <= 0.5  # (the masked values above 0.5 were left out)


# -- sparse losses and metrics refuse one-hot rows --------------------------------------------------------------

P = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]])
LABELS = np.array([1, 0, 2, 0])
BY_HAND = -np.log([0.7, 0.5, 0.6, 0.3])  # −log ŷ_c of each row

def test_sparse_losses_keep_taking_labels_and_a_column_of_them():
    loss = losses.SparseCategoricalCrossentropy()
    for y in (LABELS, LABELS.reshape(-1, 1), LABELS.astype("float32"), LABELS.reshape(-1, 1).astype("float64"),
              list(LABELS)):
        assert loss(y, P) == pytest.approx(BY_HAND.mean(), rel=1e-12)
        np.testing.assert_allclose(losses.sparse_categorical_crossentropy(y, P), BY_HAND, rtol=1e-12)
    dA = loss.gradient(LABELS.reshape(-1, 1), P)
    expected = np.zeros_like(P)
    expected[np.arange(4), LABELS] = -1 / P[np.arange(4), LABELS] / 4
    np.testing.assert_allclose(dA, expected + (-expected * P).sum(axis=1, keepdims=True), rtol=1e-12)
    ignoring = losses.SparseCategoricalCrossentropy(ignore_class=2)  # the mean of the kept rows
    assert ignoring(LABELS, P) == pytest.approx(BY_HAND[[0, 1, 3]].mean(), rel=1e-12)


# -- the model's path: fit's one-hot rows, as before ------------------------------------------------------------

def _model(seed=0):
    model = g.Sequential([layers.Input((4,)), layers.Dense(6, activation="tanh"),
                          layers.Dense(3, activation="softmax")], seed=seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", metrics.SparseTopKCategoricalAccuracy(k=2)])
    return model


def test_fit_and_evaluate_with_labels_and_a_column_of_them_are_unchanged(rng):
    X, y = rng.normal(size=(64, 4)), rng.integers(0, 3, 64)
    weights = []
    for targets in (y, y.reshape(-1, 1)):
        model = _model()
        history = model.fit(X, targets, epochs=3, batch_size=16, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]
        weights.append(np.concatenate([w.ravel() for w in model.get_weights()]))
        result = model.evaluate(X, targets, verbose=0, return_dict=True)
        P_model = model.predict(X, verbose=0).astype(np.float64)
        by_hand = -np.log(np.clip(P_model[np.arange(64), y] / P_model.sum(axis=1), 1e-7, 1 - 1e-7)).mean()
        assert result["loss"] == pytest.approx(by_hand, rel=1e-5)
        assert result["accuracy"] == pytest.approx(np.mean(P_model.argmax(axis=1) == y))
        top2 = np.argsort(-P_model, axis=1)[:, :2]
        assert result["sparse_top_k_categorical_accuracy"] == pytest.approx(np.mean((top2 == y[:, None]).any(axis=1)))
    np.testing.assert_array_equal(weights[0], weights[1])


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_fit_refuses_one_hot_targets_for_a_sparse_loss_and_says_what_to_do(rng, dtype):
    X, y = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)
    with pytest.raises(ValueError, match=r"loss 'sparse_categorical_crossentropy'. Received shape \(16, 3\) for the "
                                         r"model's 3 outputs.*y\.argmax\(axis=-1\), or train with "
                                         r"CategoricalCrossentropy"):
        _model().fit(X, np.eye(3, dtype=dtype)[y], epochs=1, verbose=0)


def test_fit_of_sequence_outputs_refuses_one_hot_targets_for_a_sparse_loss(rng):
    model = g.Sequential([layers.Input((5, 4)), layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    X, y = rng.normal(size=(8, 5, 4)), rng.integers(0, 3, (8, 5))
    with pytest.raises(ValueError, match=r"integer labels of shape \(n, 5\). Received shape \(8, 5, 3\). For one-hot "
                                         r"rows pass their labels, y\.argmax\(axis=-1\), or train with "
                                         r"CategoricalCrossentropy"):
        model.fit(X, np.eye(3)[y], epochs=1, verbose=0)
    model.fit(X, y, epochs=1, verbose=0)  # (its labels train)
