"""Session 61: SOM's winner is the first of equally near neurons (docs/classic.md), also where the fast
expansion ‖x‖² − 2x·w + ‖w‖² rounds the tie the other way."""

import numpy as np
import pytest

from glassnet.classic import SOM

# neurons 0 and 2 are both exactly 5 from x (1 + 4); the expansion put neuron 2 first
W = np.array([[-5.0, 4.0], [-4.9, 0.1], [-5.0, 8.0]])
X = np.array([[-6.0, 6.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_exact_tie_goes_to_the_first_neuron(dtype):
    som = SOM(grid=(3, 1), init=W, epochs=0).fit(X.astype(dtype))
    assert som.predict(X.astype(dtype)).tolist() == [0]
    np.testing.assert_array_equal(som.transform(X)[0, [0, 2]], [np.sqrt(5.0), np.sqrt(5.0)])


def test_batch_and_online_competitive_steps_move_the_same_neuron():
    # sigma=0 moves the winner only: batch mode moved neuron 2 to x, online mode neuron 0
    for mode in ("batch", "online"):
        som = SOM(grid=(3, 1), sigma=0, mode=mode, epochs=1, init=W, shuffle=False, schedule="constant",
                  learning_rate=1.0).fit(X)
        np.testing.assert_array_equal(som.weights_, [[-6.0, 6.0], W[1], W[2]])


def test_winners_on_many_samples_equal_the_direct_distances():
    # the refinement must keep every non-tied winner: argmin of the distances taken from x − w
    rng = np.random.default_rng(0)
    X_many = rng.integers(-3, 4, size=(2000, 3)).astype(float)  # integer grid points: many exact ties
    som = SOM(grid=(4, 4), epochs=2, random_state=0, init="random").fit(X_many)
    direct = ((X_many[:, None, :] - som.weights_[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(som.predict(X_many), direct.argmin(axis=1))


def test_a_tie_far_from_the_origin_in_float32_goes_to_the_first_neuron():
    # the data were shifted by the centre rounded to float32, the weights by the exact one (mean 1013.33…):
    # 1005, 5 from neurons 0 and 1, went to neuron 1
    W_far = np.array([[1000.0, 0.0], [1010.0, 0.0], [1030.0, 0.0]])
    X_tie = np.array([[1005.0, 0.0]], dtype=np.float32)
    assert SOM(grid=(3, 1), init=W_far, epochs=0).fit(X_tie).predict(X_tie).tolist() == [0]
    rng = np.random.default_rng(0)
    X_far = (1e4 + rng.normal(size=(3000, 5))).astype(np.float32)
    W_near = 1e4 + rng.normal(size=(64, 5))
    som = SOM(grid=(8, 8), init=W_near, epochs=0).fit(X_far)
    direct = ((X_far.astype(np.float64)[:, None, :] - W_near[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(som.predict(X_far), direct.argmin(axis=1))
