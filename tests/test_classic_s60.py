"""Session 60: LMS divergence warning, η(n) schedules, the pocket and MiniSom recipes of docs/classic.md."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from glassnet import schedules
from glassnet.classic import SOM, Adaline, Perceptron, delta_rule
from glassnet.classic.som import grid_coordinates
from glassnet.models.divergence import LossRiseWarning

DOCS = (Path(__file__).resolve().parents[1] / "docs" / "classic.md").read_text(encoding="utf-8")


def _data(n=200):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, 4))
    y = (X @ [1.0, -2, 0.5, 3] > 0).astype(int)
    Xb = np.c_[np.ones(n), X]
    return X, y, Xb


# --- F1: a learning rate past the bound -------------------------------------------------------

def test_batch_adaline_past_the_bound_warns_with_the_bound():
    X, y, Xb = _data()
    bound = 2 / np.linalg.eigvalsh(Xb.T @ Xb).max()
    with pytest.warns(LossRiseWarning, match=r"learning_rate=.*2/λ_max\(X̃ᵀX̃\) = " + f"{bound:.4g}") as record:
        a = Adaline(learning_rate=1.1 * bound, max_epochs=50, mode="batch").fit(X, y)
    assert a.errors_[-1] > 1e6 * a.errors_[0]  # diverging, still finite: no ValueError
    assert record[0].filename == __file__  # names the user's line
    assert "Lower learning_rate" in str(record[0].message)


def test_online_delta_rule_past_the_bound_warns():
    X, y, Xb = _data()
    bound = 2 / (Xb**2).sum(1).max()
    with pytest.warns(LossRiseWarning, match="2/max‖x̃‖² = " + f"{bound:.4g}"):
        delta_rule(X, np.where(y == 1, 1.0, -1.0), activation="linear", learning_rate=3.75 * bound, epochs=20)


def test_batch_divergence_past_the_bound_by_one_percent_warns_once_it_shows():
    X, y, Xb = _data()
    bound = 2 / np.linalg.eigvalsh(Xb.T @ Xb).max()
    with pytest.warns(LossRiseWarning):
        Adaline(learning_rate=1.01 * bound, max_epochs=300, mode="batch").fit(X, y)


def _noisy(seed):
    """The hunt's random problems: pure-noise labels for seeds divisible by 3."""
    r = np.random.default_rng(seed)
    n, d = int(r.integers(20, 300)), int(r.integers(1, 8))
    X = r.normal(size=(n, d)) * r.uniform(0.1, 5)
    noise = r.uniform(0, 3)
    y = (X @ r.normal(size=d) + noise * r.normal(size=n) > 0).astype(int)
    if seed % 3 == 0:
        y = r.integers(0, 2, n)
    return X, y, np.c_[np.ones(n), X]


def test_no_warning_below_the_bound():
    X, y, Xb = _data()
    lam = np.linalg.eigvalsh(Xb.T @ Xb).max()
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossRiseWarning)
        for epochs in (50, 300):
            Adaline(learning_rate=0.99 * 2 / lam, max_epochs=epochs, mode="batch").fit(X, y)
        for seed in (0, 6, 9, 12):  # online E on noisy labels rose 3 epochs running (202 > 129) below the bound
            X, y, Xb = _noisy(seed)
            top = (Xb**2).sum(1).max()
            for lr in ("auto", 1.5 / top, 1.99 / top):
                for epochs in (5, 50):
                    Adaline(learning_rate=lr, max_epochs=epochs, shuffle=True, random_state=seed).fit(X, y)
            t = X @ np.ones(X.shape[1]) + np.random.default_rng(seed).normal(size=len(X))
            W = delta_rule(X, t, activation="linear", learning_rate=1.5 / top, epochs=30, shuffle=True).weights[-1]
            for c in range(10):  # continued from the noise floor: E wiggles up and down
                W = delta_rule(X, t, activation="linear", learning_rate=1.5 / top, epochs=3, shuffle=True,
                               random_state=c, weights=W).weights[-1]


def test_overflow_still_a_value_error():
    X, y, Xb = _data()
    with pytest.raises(ValueError, match="diverged"):
        delta_rule(X, np.where(y == 1, 1.0, -1.0), activation="linear", learning_rate=10.0, epochs=300, mode="batch")


# --- F2: η(n) ----------------------------------------------------------------------------------

def test_callable_learning_rate_online_matches_a_per_sample_loop():
    X, _, Xb = _data()
    t = X @ [1.0, 2, 0, -1] + 0.3 * np.random.default_rng(2).normal(size=len(X))
    rate = lambda n: 0.05 / (1 + n / 100)  # noqa: E731  (Haykin's annealed LMS)
    history = delta_rule(X, t, activation="linear", learning_rate=rate, epochs=3, shuffle=True, random_state=0)
    w, n, rng = np.zeros(5), 0, np.random.default_rng(0)
    for _ in range(3):
        for i in rng.permutation(len(X)):
            w = w + rate(n) * (t[i] - Xb[i] @ w) * Xb[i]
            n += 1
    np.testing.assert_allclose(history.weights[-1], w, rtol=0, atol=1e-12)
    schedule = schedules.InverseTimeDecay(0.05, 100, 1.0)
    same = delta_rule(X, t, activation="linear", learning_rate=schedule, epochs=3, shuffle=True, random_state=0)
    np.testing.assert_allclose(same.weights, history.weights, rtol=0, atol=1e-12)
    # the per-sample path (sigmoid) counts n the same way
    s = 1 / (1 + np.exp(-t))
    sig = delta_rule(X, s, activation="sigmoid", learning_rate=rate, epochs=2)
    w, n = np.zeros(5), 0
    for _ in range(2):
        for i in range(len(X)):
            out = 1 / (1 + np.exp(-(Xb[i] @ w)))
            w = w + rate(n) * (s[i] - out) * out * (1 - out) * Xb[i]
            n += 1
    np.testing.assert_allclose(sig.weights[-1], w, rtol=0, atol=1e-12)


def test_callable_learning_rate_batch_counts_epochs_and_adaline_takes_it():
    X, y, Xb = _data()
    t = np.where(y == 1, 1.0, -1.0)
    rate = lambda n: 0.004 / (1 + n)  # noqa: E731
    history = delta_rule(X, t, activation="linear", learning_rate=rate, epochs=4, mode="batch")
    w = np.zeros(5)
    for epoch in range(4):
        w = w + rate(epoch) * Xb.T @ (t - Xb @ w)
    np.testing.assert_allclose(history.weights[-1], w, rtol=0, atol=1e-12)
    a = Adaline(learning_rate=rate, max_epochs=4, mode="batch").fit(X, y)
    np.testing.assert_allclose(a.weights_, w, rtol=0, atol=1e-12)


def test_learning_rate_refusals_name_the_function_form():
    X, y, _ = _data(20)
    with pytest.raises(TypeError, match=r"a number or a function n -> η\(n\)"):
        delta_rule(X, y, activation="linear", learning_rate=[0.1, 0.2])
    with pytest.raises(ValueError, match=r"learning_rate\(0\) must be > 0"):
        delta_rule(X, y, activation="linear", learning_rate=lambda n: -1.0)
    with pytest.raises(TypeError, match="function n -> η"):
        Adaline(learning_rate="fast").fit(X, y)


# --- F5: the pocket recipe ---------------------------------------------------------------------

def _docs_line(start):
    return next(line for line in DOCS.splitlines() if line.startswith(start))


def test_docs_pocket_recipe_picks_the_best_epoch():
    rng = np.random.default_rng(1)
    rng.normal(size=(50, 2))
    X = rng.normal(size=(300, 2))
    y = np.where(X @ [1.0, -1.0] + 0.3 * rng.normal(size=300) > 0, 1, -1)
    with pytest.warns(UserWarning):  # not separable
        p = Perceptron(max_epochs=50).fit(X, y)
    scope = {"np": np, "p": p, "X": X, "y": y}
    exec(_docs_line("best = max(p.weights_history_"), scope)
    setting = re.search(r"`(p\.weights_, p\.intercept_, p\.coef_ = [^`]+)`", DOCS).group(1)
    exec(setting, scope)
    accuracies = []
    for w in p.weights_history_:
        q = Perceptron()
        q.classes_, q.n_features_in_, q.weights_, q.intercept_, q.coef_ = p.classes_, 2, w, w[:1], w[None, 1:]
        accuracies.append(q.score(X, y))
    assert p.score(X, y) == max(accuracies) > accuracies[-1]
    assert np.array_equal(scope["best"], p.weights_history_[int(np.argmax(accuracies))])


# --- F6: MiniSom's asymptotic decay ------------------------------------------------------------

def _minisom_train(X, W0, x, y, sigma, learning_rate, T):
    """MiniSom's train(X, T, random_order=False) with its defaults (gaussian, asymptotic_decay), in NumPy."""
    W = W0.reshape(x * y, -1).copy()
    grid = grid_coordinates(x, y, "rectangular")
    for t in range(T):
        sample = X[t % len(X)]
        winner = np.argmin(np.linalg.norm(sample - W, axis=1))
        eta = learning_rate / (1 + t / (T / 2))
        sig = sigma / (1 + t / (T / 2))
        h = np.exp(-((grid - grid[winner]) ** 2).sum(1) / (2 * sig * sig)) * eta
        W += h[:, None] * (sample - W)
    return W


def test_docs_minisom_asymptotic_decay_recipe():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    x, y, epochs = 4, 5, 3
    W0 = rng.normal(size=(x, y, 3)) * 0.1

    class FakeMiniSom:
        def get_weights(self):
            return W0

    block = re.search(r"```python\n(W0 = minisom\.get_weights.*?)```", DOCS, re.S).group(1)
    scope = {"SOM": SOM, "X": X, "x": x, "y": y, "epochs": epochs, "minisom": FakeMiniSom()}
    exec(block, scope)
    expected = _minisom_train(X, W0, x, y, 1.0, 0.5, epochs * len(X))
    np.testing.assert_allclose(scope["som"].weights_, expected, rtol=0, atol=1e-13)
    assert "8 neighbours" in DOCS and "only when y is odd" in DOCS
