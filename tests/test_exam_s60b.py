"""Exam problems worked by hand (session 60, part 2): Negnevitsky's perceptron table with decimal weights
and ties at the threshold, the updates made in each epoch (the first clean pass) next to the mistakes
after it, the θ-on-−1 layout, E = ½Σe² against an exam's SSE/MSE, and a SOM step with constant α and σ.
The references are exact (Fractions) or plain NumPy loops written from the formulas."""

from fractions import Fraction

import numpy as np
import pytest

from glassnet.classic import SOM, delta_rule, perceptron_rule

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
AND_T = [0, 0, 0, 1]
TENTH = Fraction(1, 10)


def _exact_rule(rows, t, w, eta, epochs, mode="online", theta=Fraction(0)):
    """The perceptron rule in Fractions: y = 1 iff x·w − θ ≥ 0, w += η(t − y)x. Returns the weights before
    training and after each epoch, and the samples with t ≠ y during each epoch (0 first)."""
    w, weights, updates = list(w), [list(w)], [0]
    out = lambda x, w: int(sum(a * b for a, b in zip(x, w)) - theta >= 0)
    for _ in range(epochs):
        if mode == "online":
            moved = 0
            for x, target in zip(rows, t):
                e = target - out(x, w)
                moved += e != 0
                w = [wi + eta * e * xi for wi, xi in zip(w, x)]
        else:
            errs = [target - out(x, w) for x, target in zip(rows, t)]
            moved = sum(e != 0 for e in errs)
            w = [wi + eta * sum(e * x[i] for e, x in zip(errs, rows)) for i, wi in enumerate(w)]
        weights.append(list(w))
        updates.append(moved)
    return np.array(weights, dtype=float), updates


def _minus_one_rows():
    return [[Fraction(int(a)), Fraction(int(b)), Fraction(-1)] for a, b in AND_X]


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_negnevitsky_and_with_theta_on_minus_one_is_the_exact_table(mode):
    # w = (w1, w2, θ) = (0.3, −0.1, 0.2), η = 0.1; (1, 1) has x·w − θ = 0.3 − 0.1 − 0.2 = 0 in exact arithmetic
    # (−2.8e-17 in float64): the step fires there, as on paper, and the table follows the exact one
    ref, updates = _exact_rule(_minus_one_rows(), AND_T, [3 * TENTH, -TENTH, 2 * TENTH], TENTH, 6, mode)
    h = perceptron_rule(np.c_[AND_X, -np.ones(4)], AND_T, learning_rate=0.1, epochs=6, mode=mode,
                        weights=[0.3, -0.1, 0.2], use_bias=False)
    np.testing.assert_allclose(h.weights, ref, rtol=0, atol=1e-15)
    assert h.updates.tolist() == updates
    # glassnet's own layout: the bias w0 = −θ first, on a +1 input
    h1 = perceptron_rule(AND_X, AND_T, learning_rate=0.1, epochs=6, mode=mode, weights=[-0.2, 0.3, -0.1])
    np.testing.assert_allclose(h1.weights, np.c_[-ref[:, 2], ref[:, :2]], rtol=0, atol=1e-15)
    assert h1.updates.tolist() == updates


def test_negnevitsky_online_table_numbers():
    # the hand table: updates 2, 2, 1 in epochs 1-3, the first clean pass in epoch 4 at w = (0.2, 0.1), θ = 0.3;
    # the weights after epoch 3 already make no mistake
    h = perceptron_rule(np.c_[AND_X, -np.ones(4)], AND_T, learning_rate=0.1, epochs=4, weights=[0.3, -0.1, 0.2],
                        use_bias=False)
    assert h.updates.tolist() == [0, 2, 2, 1, 0]
    assert h.mistakes.tolist() == [1, 1, 1, 0, 0]
    np.testing.assert_allclose(h.weights[-1], [0.2, 0.1, 0.3], atol=1e-15)


def test_fixed_theta_recipes_give_negnevitsky_table():
    # θ = 0.2 fixed (Negnevitsky's Table 2.3): 5 epochs, the last clean, ending at w = (0.1, 0.1)
    rows = [[Fraction(int(a)), Fraction(int(b))] for a, b in AND_X]
    ref, updates = _exact_rule(rows, AND_T, [3 * TENTH, -TENTH], TENTH, 6, theta=2 * TENTH)
    assert updates == [0, 2, 1, 2, 1, 0, 0] and ref[-1].tolist() == [0.1, 0.1]
    rounded = perceptron_rule(AND_X, AND_T, activation=lambda z: np.heaviside(np.round(z - 0.2, 9), 1),
                              learning_rate=0.1, epochs=6, weights=[0.3, -0.1], use_bias=False)
    np.testing.assert_allclose(rounded.weights, ref, rtol=0, atol=1e-15)
    assert rounded.updates.tolist() == updates
    integers = perceptron_rule(AND_X, AND_T, activation=lambda z: np.heaviside(z - 2, 1), learning_rate=1,
                               epochs=6, weights=[3, -1], use_bias=False)
    np.testing.assert_array_equal(integers.weights / 10, ref)
    # the unrounded function: float64 breaks the tie the other way (the case the docs warn about)
    plain = perceptron_rule(AND_X, AND_T, activation=lambda z: np.heaviside(z - 0.2, 1), learning_rate=0.1,
                            epochs=6, weights=[0.3, -0.1], use_bias=False)
    np.testing.assert_allclose(plain.weights[-1], [0.2, 0.1], atol=1e-15)


def test_and_from_zero_updates_and_mistakes_count_differently():
    # AND 0/1, step(0) = 1, w = 0, η = 1: mistakes (after the epoch) reach 0 after epoch 5, the first pass
    # without an update is epoch 6, both at w = (−3, 2, 1)
    for weights in (None, [0, 0, 0]):
        h = perceptron_rule(AND_X, AND_T, learning_rate=1, epochs=7, weights=weights)
        rows = [[Fraction(1), Fraction(int(a)), Fraction(int(b))] for a, b in AND_X]
        ref, updates = _exact_rule(rows, AND_T, [Fraction(0)] * 3, Fraction(1), 7)
        np.testing.assert_array_equal(h.weights, ref)
        assert h.updates.tolist() == updates == [0, 2, 3, 3, 2, 1, 0, 0]
        assert h.mistakes.tolist() == [3, 3, 2, 1, 2, 0, 0, 0]
        assert h.weights[-1].tolist() == [-3, 2, 1]


def test_updates_on_random_data_count_nonzero_errors():
    # against a plain loop written from the formula, for the perceptron rule and the delta rule (LMS's block
    # solve included), online and batch, one and two outputs
    rng = np.random.default_rng(5)
    X = rng.normal(size=(150, 3))
    t = (X @ [1.0, -2.0, 0.5] + 0.3 * rng.normal(size=150) > 0).astype(float)
    w0 = rng.normal(size=4)
    Xb = np.c_[np.ones(150), X]
    for mode in ("online", "batch"):
        h = perceptron_rule(X, t, learning_rate=0.1, epochs=4, mode=mode, weights=w0)
        w, updates = w0.copy(), [0]
        for _ in range(4):
            if mode == "online":
                moved = 0
                for x, target in zip(Xb, t):
                    e = target - float(x @ w >= 0)
                    moved += e != 0
                    w = w + 0.1 * e * x
            else:
                E = t - (Xb @ w >= 0)
                moved = int(np.count_nonzero(E))
                w = w + 0.1 * (Xb.T @ E)
            updates.append(moved)
        assert h.updates.tolist() == updates
        np.testing.assert_allclose(h.weights[-1], w, rtol=1e-12)
        assert 0 < h.updates[1] < 150
    # LMS from w = 0 on AND: the first three targets are 0 = net, so epoch 1 updates on (1, 1) alone
    assert delta_rule(AND_X, AND_T, activation="linear", epochs=2).updates.tolist() == [0, 1, 4]
    assert delta_rule(AND_X, AND_T, activation="linear", epochs=2, record_steps=True).updates.tolist() == [0, 1, 4]
    two = delta_rule(AND_X, np.c_[AND_T, AND_T], activation="sigmoid", epochs=2, mode="batch")
    assert two.updates.tolist() == [0, 4, 4]


def test_rule_history_keeps_its_fields_in_order():
    # updates is the last field, with a default: RuleHistory(weights, errors, mistakes, steps) still builds
    from glassnet.classic import RuleHistory
    old = RuleHistory(np.zeros((1, 2)), np.zeros(1), np.zeros(1, int), None)
    assert old.updates is None and str(old).startswith("epoch\tE\tmistakes\tw")


def test_non_tie_histories_are_a_plain_loop_bit_for_bit():
    # decimal ties aside, the step/sign rule sees the net as computed: on random float data from given
    # weights the whole history is that of a plain float64 loop, bit for bit
    rng = np.random.default_rng(11)
    X = rng.normal(size=(60, 3))
    Xb = np.c_[np.ones(60), X]
    for activation, t in (("step", (X[:, 0] + X[:, 1] > 0).astype(float)), ("sign", np.where(X[:, 2] > 0.2, 1.0, -1.0))):
        w0 = rng.normal(size=(4, 1))
        h = perceptron_rule(X, t, activation=activation, learning_rate=0.1, epochs=5, weights=w0[:, 0])
        W, history = w0.copy(), [w0[:, 0].copy()]
        low = 0.0 if activation == "step" else -1.0
        for _ in range(5):
            for x, target in zip(Xb, t):
                y = 1.0 if (x @ W)[0] >= 0 else low
                W += 0.1 * np.outer(x, target - y)
            history.append(W[:, 0].copy())
        np.testing.assert_array_equal(h.weights, np.array(history))


def test_errors_are_half_the_sse():
    # one LMS step by hand: x = (1, 2), w = (0.1, 0.2, −0.3), t = 1 → y = −0.3, E = ½e² = 0.845, SSE 1.69
    h = delta_rule(np.array([[1.0, 2.0]]), [1.0], activation="linear", epochs=1, weights=[0.1, 0.2, -0.3])
    assert h.errors[0] == pytest.approx(0.845, rel=1e-15)
    assert 2 * h.errors[0] == pytest.approx(1.69, rel=1e-15)
    np.testing.assert_allclose(h.weights[1], [0.23, 0.33, -0.04], rtol=1e-14)


def _som_by_hand(W, X, alpha, sigma):
    """Kohonen's online step with constant α and σ, samples in order, Gaussian neighbourhood on a 1-D grid."""
    W = W.copy()
    for x in X:
        c = int(np.argmin(((W - x) ** 2).sum(axis=1)))
        h = np.exp(-((np.arange(len(W)) - c) ** 2) / (2 * sigma**2))
        W = W + alpha * h[:, None] * (x - W)
    return W


def test_som_constant_schedule_is_the_hand_step():
    W0 = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    X = np.array([[1.5, 0.5], [0.0, 1.0], [2.0, 0.0]])
    som = SOM(grid=(1, 3), learning_rate=0.5, sigma=1.0, schedule="constant", epochs=2, init=W0, shuffle=False)
    som.fit(X)
    np.testing.assert_allclose(som.weights_, _som_by_hand(W0, np.r_[X, X], 0.5, 1.0), rtol=0, atol=1e-15)
    finals = SOM(grid=(1, 3), learning_rate=0.5, final_learning_rate=0.5, sigma=1.0, final_sigma=1.0, epochs=2,
                 init=W0, shuffle=False).fit(X)
    np.testing.assert_array_equal(som.weights_, finals.weights_)
    # the finals are ignored under "constant" (no warning for a final rate above 1 either)
    ignored = SOM(grid=(1, 3), learning_rate=0.5, final_learning_rate=3.0, sigma=1.0, final_sigma=0.2,
                  schedule="constant", epochs=2, init=W0, shuffle=False).fit(X)
    np.testing.assert_array_equal(ignored.weights_, som.weights_)
    # batch mode keeps σ too
    batch = dict(grid=(1, 3), sigma=1.5, epochs=3, init=W0, mode="batch")
    np.testing.assert_array_equal(SOM(schedule="constant", **batch).fit(X).weights_,
                                  SOM(final_sigma=1.5, **batch).fit(X).weights_)
    # the default schedule decays α to 0.01 by the last step: not the hand answer
    default = SOM(grid=(1, 3), learning_rate=0.5, sigma=1.0, epochs=2, init=W0, shuffle=False).fit(X)
    assert np.abs(default.weights_ - som.weights_).max() > 0.05
    with pytest.raises(ValueError, match="schedule"):
        SOM(schedule="constnat").fit(X)
