"""Embedding's backward sums over the batch's distinct ids only: its gradient against a float64
``np.add.at`` reference (repeated ids, the first and last id, 3-d ids, float32 and float64), the rows
not looked up cleared, and its temporaries sized by the batch, not by the table."""

import numpy as np
import pytest

from glassnet.layers import Dense, Embedding, Flatten, Input
from glassnet.models import Sequential


def _reference(ids, dY, input_dim):
    """``∂J/∂E`` summed in float64 by ``np.add.at`` (unbuffered: repeated ids add up)."""
    total = np.zeros((input_dim, dY.shape[-1]))
    np.add.at(total, ids.reshape(-1), dY.reshape(ids.size, -1).astype(np.float64))
    return total


def _backward(layer, ids, dY):
    layer.forward(ids.astype(layer.params["embeddings"].dtype), training=True)
    assert layer.backward(dY) is None
    return layer.grads["embeddings"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(16, 1), (32, 5), (4, 3, 6)])
@pytest.mark.parametrize("input_dim", [9, 500])  # fewer ids than positions (all rows summed), and more
def test_gradient_is_the_float64_sum_rounded_once(rng, dtype, shape, input_dim):
    layer = Embedding(input_dim, 4, dtype=dtype)
    layer.build((None, *shape[1:]))
    ids = rng.integers(0, input_dim, size=shape)
    ids.flat[:4] = 0  # the first id, repeated
    ids.flat[-3:] = input_dim - 1  # the last id, repeated
    dY = rng.normal(size=(*shape, 4)).astype(dtype)
    G = _backward(layer, ids, dY)
    assert G.dtype == np.dtype(dtype) and G.shape == (input_dim, 4)
    # a float32 table's gradient is the float64 sum rounded once: no float32 running sum's error
    np.testing.assert_array_equal(G, _reference(ids, dY, input_dim).astype(dtype))


def test_many_repeats_of_one_id_keep_float32_accuracy(rng):
    # 5000 rows into one id: a running float32 sum drifts by many ulps, the float64 one rounds once
    layer = Embedding(3, 2)
    layer.build((None, 1000))
    ids = np.ones((5, 1000), dtype=np.int64)
    dY = rng.normal(size=(5, 1000, 2)).astype(np.float32)
    np.testing.assert_array_equal(_backward(layer, ids, dY), _reference(ids, dY, 3).astype(np.float32))


@pytest.mark.parametrize("input_dim, ids", [(50, [[3, 3, 49, 0]]), (4, [[3, 3, 0, 0], [0, 3, 3, 0]])])
def test_rows_not_looked_up_are_cleared_between_steps(rng, input_dim, ids):
    layer = Embedding(input_dim, 3)
    layer.build((None, 4))
    _backward(layer, np.arange(40).reshape(10, 4) % input_dim, rng.normal(size=(10, 4, 3)).astype(np.float32))
    layer.grads["embeddings"][...] = 7.0  # stale values anywhere: none may survive the next step
    ids = np.array(ids)
    dY = rng.normal(size=(*ids.shape, 3)).astype(np.float32)
    G = _backward(layer, ids, dY)
    np.testing.assert_array_equal(G, _reference(ids, dY, input_dim).astype(np.float32))
    assert np.count_nonzero(np.any(G != 0, axis=1)) == len(np.unique(ids))


def test_backward_temporaries_scale_with_the_batch_not_the_table(rng, traced_peak):
    # a large table, a small batch: a scatter over the whole table allocated two table-sized arrays
    # (a float64 sum and its float32 copy, 3 x 12.8 MB here) on every step
    layer = Embedding(100_000, 32)
    layer.build((None, 5))
    ids = rng.integers(0, 100_000, size=(8, 5))
    dY = rng.normal(size=(8, 5, 32)).astype(np.float32)
    layer.forward(ids.astype(np.float32), training=True)
    peak = traced_peak(layer.backward, dY)
    assert peak < layer.grads["embeddings"].nbytes // 10
    np.testing.assert_array_equal(layer.grads["embeddings"], _reference(ids, dY, 100_000).astype(np.float32))


def test_fit_step_gradient_matches_the_reference_through_a_model(rng):
    # the table's gradient inside a model (Flatten, Dense): dY from the layer above, summed per id
    model = Sequential([Input((3,)), Embedding(6, 2), Flatten(), Dense(1)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[0, 5, 5], [5, 0, 2], [2, 2, 2]])
    y = rng.normal(size=(3, 1))
    grads = model.gradients(x, y)
    W = model.layers[-1].params["W"]
    E = model.layers[0].params["embeddings"]
    # mean squared error: dJ/dY = 2 (Y - y) / n; each id's rows of dY are W's slices for its column
    residual = 2 * (E[x].reshape(3, -1) @ W + model.layers[-1].params["b"] - y) / 3
    dY = (residual @ W.T).reshape(3, 3, 2)
    np.testing.assert_allclose(grads[0], _reference(x, dY, 6), rtol=1e-12, atol=1e-14)
