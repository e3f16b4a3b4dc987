"""Adaline: the linear neuron trained by the delta (LMS) rule (SPEC C2)."""

import warnings

import numpy as np
import pytest

from glassnet.classic import Adaline


@pytest.fixture
def separable():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(50, 2)) * 0.6 + [2, 2], rng.normal(size=(50, 2)) * 0.6 - [2, 2]])
    y = np.repeat(["a", "b"], 50)
    return X, y


def test_one_online_epoch_by_hand():
    # Δw = η (t − net) x̃, t = ±1, w = 0, η = 0.1:
    # x̃ = (1, 1), t = +1: net 0   -> w = (0.1, 0.1)
    # x̃ = (1, 2), t = −1: net 0.3 -> Δw = 0.1·(−1.3)·(1, 2) -> w = (−0.03, −0.16)
    ada = Adaline(learning_rate=0.1, max_epochs=1).fit([[1.0], [2.0]], [1, 0])
    np.testing.assert_allclose(ada.weights_, [-0.03, -0.16], rtol=1e-12)
    # E = ½ Σ (t − net)²: before 1; after, nets −0.19 and −0.35.
    np.testing.assert_allclose(ada.errors_, [1.0, 0.5 * ((1 + 0.19) ** 2 + (-1 + 0.35) ** 2)])


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_error_decreases_on_separable_set(separable, mode):
    X, y = separable
    ada = Adaline(mode=mode, max_epochs=30).fit(X, y)
    E = ada.errors_
    assert len(E) == 31 and E[-1] < 0.3 * E[0]
    if mode == "batch":  # gradient descent on a quadratic with a safe step: never up
        assert np.all(np.diff(E) <= 1e-9)
    assert ada.score(X, y) == 1.0


def test_batch_converges_to_least_squares(separable):
    X, y = separable
    t = np.where(y == "b", 1.0, -1.0)
    ada = Adaline(mode="batch", learning_rate=1e-3, max_epochs=2000).fit(X, y)
    Xb = np.c_[np.ones(len(X)), X]
    w_ls = np.linalg.lstsq(Xb, t, rcond=None)[0]
    np.testing.assert_allclose(ada.weights_, w_ls, rtol=1e-6, atol=1e-9)


def test_auto_learning_rate_is_safe_for_large_inputs():
    rng = np.random.default_rng(1)
    X = rng.normal(loc=100.0, size=(40, 2))
    y = (X[:, 0] > 100).astype(int)
    # η = 1/Σ‖x̃‖² ≤ 1/λ_max(X̃ᵀX̃): batch descent cannot go up.
    batch = Adaline(mode="batch", max_epochs=20).fit(X, y)
    assert np.all(np.diff(batch.errors_) <= 1e-9)
    # η = 1/max‖x̃‖²: each online step is a relaxed projection; the weights stay bounded
    # (with η = 0.01 they overflow).
    ada = Adaline(mode="online").fit(X, y)
    assert np.isfinite(ada.weights_).all() and np.abs(ada.weights_).max() < 1.0
    with pytest.raises(ValueError, match="diverged"):
        Adaline(mode="online", learning_rate=0.01).fit(X, y)
    assert ada.learning_rate_ == pytest.approx(1 / (1 + (X**2).sum(axis=1)).max())


def test_divergence_is_reported():
    X = np.array([[10.0, 0.0], [0.0, 10.0], [-10.0, 0.0]])
    with pytest.raises(ValueError, match="diverged.*smaller learning_rate"):
        Adaline(learning_rate=1.0, max_epochs=200, mode="batch").fit(X, [0, 1, 0])


def test_multiclass_one_vs_rest():
    rng = np.random.default_rng(2)
    centres = np.array([[0, 6], [6, 0], [-6, -6]])
    X = np.vstack([c + rng.normal(size=(30, 2)) * 0.5 for c in centres])
    y = np.repeat([3, 5, 7], 30)
    ada = Adaline(max_epochs=20).fit(X, y)
    assert ada.weights_.shape == (3, 3)
    assert ada.score(X, y) > 0.95


def test_bad_parameters(separable):
    X, y = separable
    with pytest.raises(ValueError, match="mode"):
        Adaline(mode="stochastic").fit(X, y)
    with pytest.raises(TypeError, match="learning_rate must be a positive number or 'auto'. Received: "
                                        "learning_rate='fast'"):
        Adaline(learning_rate="fast").fit(X, y)
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        Adaline(shuffle=np.array([True, False])).fit(X, y)
    with pytest.raises(ValueError, match="max_epochs"):
        Adaline(max_epochs=0).fit(X, y)


def test_auto_learning_rate_refuses_overflowing_inputs(separable):
    X, y = separable
    # ‖x‖² overflows: the automatic rate was 1/inf = 0, blamed on learning_rate
    with pytest.raises(ValueError, match=r"X holds values too large for learning_rate=\"auto\".*StandardScaler"):
        Adaline().fit(X * 1e160, y)


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("n, k", [(1, 1), (63, 1), (200, 3), (129, 10)])
def test_online_lms_epochs_match_a_sample_by_sample_loop(n, k, use_bias):
    # The linear delta rule runs a block of samples at a time (a triangular solve);
    # the reference is the rule written out, one sample after the other.
    from glassnet.classic import train_neuron

    rng = np.random.default_rng(n + k)
    X, T = rng.normal(size=(n, 5)), rng.normal(size=(n, k))
    eta, epochs = 0.03, 4
    h = train_neuron(X, T, rule="delta", activation="linear", learning_rate=eta, epochs=epochs,
                     shuffle=True, random_state=7, use_bias=use_bias)
    Xb = np.hstack([np.ones((n, 1)), X]) if use_bias else X
    W, order_rng = np.zeros((Xb.shape[1], k)), np.random.default_rng(7)
    for _ in range(epochs):
        for i in order_rng.permutation(n):
            W += eta * np.outer(Xb[i], T[i] - Xb[i] @ W)
    np.testing.assert_allclose(h.weights[-1], W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h.errors[-1], 0.5 * ((T - Xb @ W) ** 2).sum(), rtol=1e-10)


def test_online_lms_on_the_digits_matches_the_recorded_steps():
    # record_steps keeps the sample-by-sample loop: both paths give one result
    from glassnet.classic import train_neuron
    from glassnet.datasets import load_digits

    X, y = load_digits()
    X = X.astype(np.float64)
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-9)
    T = np.where(np.arange(10) == y[:, None], 1.0, -1.0)
    kwargs = dict(rule="delta", activation="linear", learning_rate=1e-3, epochs=2)
    fast, slow = train_neuron(X, T, **kwargs), train_neuron(X, T, record_steps=True, **kwargs)
    np.testing.assert_allclose(fast.weights, slow.weights, rtol=1e-9, atol=1e-12)


def test_online_training_on_class_sorted_samples_warns_and_says_what_to_do():
    # iris is stored class by class: online LMS in that order ends every epoch tuned to the last
    # class and scores at chance (0.34), with shuffle=True 0.84: the default must not do that silently
    from sklearn.datasets import load_iris

    from glassnet.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with pytest.warns(UserWarning, match="y is sorted by class and shuffle=False.*Pass shuffle=True"):
        assert Adaline().fit(X, y).score(X, y) == pytest.approx(0.34)
    order = np.random.default_rng(0).permutation(len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning where it does not apply
        assert Adaline().fit(X[order], y[order]).score(X, y) > 0.8
        assert Adaline(shuffle=True, random_state=0).fit(X, y).score(X, y) > 0.8
        Adaline(mode="batch").fit(X, y)
