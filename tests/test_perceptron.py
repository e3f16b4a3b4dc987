"""Rosenblatt's perceptron (SPEC C1) and the perceptron/delta learning rules (SPEC C2)."""

import warnings

import numpy as np
import pytest

from glassnet.classic import NotSeparableWarning, Perceptron, delta_rule, perceptron_rule, train_neuron

GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---- Rosenblatt's algorithm (seed 003) -------------------------------------------

def test_one_epoch_by_hand():
    # w = 0, η = 0.5, x̃ = (1, x1, x2); a mistake is y⟨w, x̃⟩ ≤ 0, then w += η y x̃.
    # (1, 2, 1), y=+1: ⟨w,x̃⟩ = 0       -> w = (0.5, 1, 0.5)
    # (1,−1, 1), y=−1: 0.5 − 1 + 0.5 = 0 -> w = (0, 1.5, 0)
    # (1, 0,−2), y=−1: 0                -> w = (−0.5, 1.5, 1)
    # Epoch 2: nets 3.5, −1, −2.5 all agree with y: no mistakes, converged.
    X = np.array([[2.0, 1.0], [-1.0, 1.0], [0.0, -2.0]])
    y = np.array([1, -1, -1])
    p = Perceptron(learning_rate=0.5).fit(X, y)
    np.testing.assert_array_equal(p.weights_history_[1], [-0.5, 1.5, 1.0])
    np.testing.assert_array_equal(p.weights_, [-0.5, 1.5, 1.0])
    assert p.mistakes_ == [3, 0] and p.n_iter_ == 2
    assert p.converged_ and p.separable_
    np.testing.assert_array_equal(p.decision_function(X), [3.5, -1.0, -2.5])


# seed 004, "Perceptron": x0 = 1 (the bias input), x1, x2 -> y_t = x1
SEED_004_X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
SEED_004_Y = np.array([0, 1, 0, 1])


def test_seed_004_table_by_hand():
    # bipolar y = (−1, 1, −1, 1), x̃ = (1, x1, x2), η = 1, w = 0; a mistake is y⟨w, x̃⟩ ≤ 0:
    # epoch 1: all four are mistakes: (−1,0,0), (0,1,1), (−1,1,0), (0,2,0);
    # epoch 2: (1,0,0) has net 0 -> (−1,2,0); the other three agree; epoch 3: none.
    p = Perceptron().fit(SEED_004_X, SEED_004_Y)
    np.testing.assert_array_equal(p.weights_, [-1, 2, 0])
    assert p.mistakes_ == [4, 1, 0] and p.converged_
    np.testing.assert_array_equal(p.predict(SEED_004_X), SEED_004_Y)


def _exact_perceptron(X, y_pm, eta, max_epochs):
    """Seed 003's algorithm in exact rational arithmetic: w = 0, w += η y x̃ where y⟨w, x̃⟩ ≤ 0."""
    from fractions import Fraction

    rows = [[Fraction(1)] + [Fraction(v) for v in x] for x in X.tolist()]
    w, mistakes = [Fraction(0)] * len(rows[0]), []
    for _ in range(max_epochs):
        count = 0
        for x, t in zip(rows, y_pm):
            if t * sum(a * b for a, b in zip(w, x)) <= 0:
                w = [a + eta * t * b for a, b in zip(w, x)]
                count += 1
        mistakes.append(count)
        if count == 0:
            break
    return [float(v) for v in w], mistakes


@pytest.mark.parametrize("eta", ["1", "1/10", "3/10", "7/10"])
def test_and_gate_is_the_exact_algorithm_at_any_learning_rate(eta):
    # With η = 0.1 the float sums left AND's (1, 0) at ⟨w, x̃⟩ = −2.8e-17 instead of 0: it passed
    # as correct and fit stopped after 4 epochs at (−0.2, 0.2, 0.1), with (1, 0) on the boundary.
    from fractions import Fraction

    y = np.array([0, 0, 0, 1])
    w, mistakes = _exact_perceptron(GATE_X, [-1, -1, -1, 1], Fraction(eta), 100)
    p = Perceptron(learning_rate=float(Fraction(eta))).fit(GATE_X, y)
    assert p.mistakes_ == mistakes == [2, 3, 3, 2, 2, 3, 2, 1, 0]
    np.testing.assert_allclose(p.weights_, w, rtol=1e-12)
    assert (np.where(y == 1, 1, -1) * p.decision_function(GATE_X)).min() > 0


def test_perceptron_loss_with_sgd_is_rosenblatts_rule():
    # seed 003: gradient descent on max(0, −y ŷ) online gives w + η y x on each mistake,
    # also at y ŷ = 0 (from w = 0), so a linear Dense unit retraces the perceptron's weights
    from glassnet.layers import Dense
    from glassnet.models import Sequential
    from glassnet.optimizers import SGD

    X1 = np.hstack([np.ones((4, 1)), SEED_004_X])
    y = np.where(SEED_004_Y == 1, 1.0, -1.0)
    model = Sequential([Dense(1, use_bias=False, kernel_initializer="zeros", input_dim=3)], dtype="float64")
    model.compile(optimizer=SGD(1.0), loss="perceptron")
    expected = Perceptron().fit(SEED_004_X, SEED_004_Y).weights_history_
    for epoch in (1, 2, 3):
        model.fit(X1, y, batch_size=1, epochs=1, shuffle=False, verbose=0)
        np.testing.assert_array_equal(model.get_weights()[0][:, 0], np.ravel(expected[epoch]))


def test_seed_003s_zero_one_loss_is_half_the_squared_error_of_the_sign():
    # seed 003: L^(0/1)(w) = ½(y_i − sign⟨w, x_i⟩)² = 1 − y_i sign⟨w, x_i⟩: 0 when classified right,
    # 2 when wrong. glassnet's "squared_error" (½ Σ_k) of the "sign" activation's output computes it
    # (sgn(0) = +1, so every output is ±1 and the identity holds at ⟨w, x⟩ = 0 too)
    from glassnet import activations, losses

    y = np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])
    net = np.array([2.5, -0.3, 0.7, -4.0, 0.0, 0.0])
    sgn = activations.get("sign")(net)
    np.testing.assert_array_equal(sgn, [1, -1, 1, -1, 1, 1])
    L01 = losses.get("squared_error").per_sample(y[:, None], sgn[:, None])
    np.testing.assert_array_equal(L01, 0.5 * (y - sgn) ** 2)
    np.testing.assert_array_equal(L01, 1 - y * sgn)
    np.testing.assert_array_equal(L01, [0, 2, 2, 0, 0, 2])
    # the surrogate max{−y ŷ, 0} ("perceptron") is 0 where L^(0/1) is 0, and > 0 where it is 2
    # (away from ⟨w, x⟩ = 0, where the surrogate is 0 and the perceptron still counts a mistake)
    surrogate = losses.get("perceptron").per_sample(y[:4, None], net[:4, None])
    np.testing.assert_array_equal(surrogate == 0, L01[:4] == 0)
    # a converged perceptron's w has L^(0/1) = 0 on every sample of bipolar AND
    X, t = GATE_X * 2 - 1, np.array([-1.0, -1.0, -1.0, 1.0])
    p = Perceptron().fit(X, t)
    L = losses.get("squared_error").per_sample(t[:, None], activations.get("sign")(p.decision_function(X))[:, None])
    assert p.converged_ and not L.any()


@pytest.mark.parametrize("gate, y", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1])])
def test_converges_on_and_or(gate, y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotSeparableWarning)
        p = Perceptron().fit(GATE_X, y)
    assert p.converged_ and p.mistakes_[-1] == 0
    np.testing.assert_array_equal(p.predict(GATE_X), y)
    # The separating line leaves every point strictly on its side.
    margins = np.where(np.array(y) == 1, 1, -1) * p.decision_function(GATE_X)
    assert margins.min() > 0


@pytest.mark.parametrize("epochs", [1, 2, 3, 5])
def test_seed_003s_algorithm_is_scikit_learns_perceptron_epoch_by_epoch(epochs, rng):
    # seed 003: w = 0; for each x_i in order, if y_i⟨w, x_i⟩ ≤ 0 then w = w + η y_i x_i (bias in w_0).
    # scikit-learn's Perceptron with eta0 = 1, no penalty, no shuffling and no early stop runs the
    # same loop: the same weights after every number of epochs, not only at convergence
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Perceptron as SkPerceptron

    X = rng.normal(size=(60, 3))
    y = (X @ [1.0, -2.0, 0.5] + 0.2 > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", NotSeparableWarning)  # stopped before it converged, on purpose
        reference = SkPerceptron(eta0=1.0, alpha=0.0, shuffle=False, tol=None, max_iter=epochs).fit(X, y)
        ours = Perceptron(learning_rate=1.0, max_epochs=epochs).fit(X, y)
    assert ours.n_iter_ == reference.n_iter_ == epochs
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, reference.intercept_, rtol=1e-12, atol=1e-12)


def test_weights_history_is_scikit_learns_weights_after_each_epoch_shaped_as_weights_(rng):
    # weights_history_[e] is w after epoch e, shaped as weights_: (d + 1,) for two classes (it was
    # (d + 1, 1), so that history[-1] != weights_ in shape), (d + 1, k) one-vs-rest
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Perceptron as SkPerceptron

    X = rng.normal(size=(40, 2))
    y = (X @ [1.0, -2.0] + 0.3 > 0).astype(int)
    p = Perceptron(max_epochs=1000).fit(X, y)
    assert p.converged_ and len(p.weights_history_) == p.n_iter_ + 1
    np.testing.assert_array_equal(p.weights_history_[0], np.zeros(3))
    np.testing.assert_array_equal(p.weights_history_[-1], p.weights_)
    for epoch in range(1, p.n_iter_ + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ref = SkPerceptron(eta0=1.0, alpha=0.0, shuffle=False, tol=None, max_iter=epoch).fit(X, y)
        assert p.weights_history_[epoch].shape == (3,)
        np.testing.assert_allclose(p.weights_history_[epoch], np.r_[ref.intercept_, ref.coef_[0]], atol=1e-12)
    y3 = np.digitize(X[:, 0], [-0.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotSeparableWarning)
        m = Perceptron(max_epochs=3).fit(X, y3)
    assert all(w.shape == (3, 3) for w in m.weights_history_)
    np.testing.assert_array_equal(m.weights_history_[-1], m.weights_)


def test_updates_stay_within_novikoffs_bound(rng):
    # Novikoff: on data separated with margin γ by a unit vector u (y⟨u, x̃⟩ ≥ γ) and ‖x̃‖ ≤ R,
    # the perceptron makes at most (R/γ)² updates. A thin margin makes the bound matter.
    u = np.array([0.1, 1.0, -1.0]) / np.linalg.norm([0.1, 1.0, -1.0])
    X = rng.uniform(-1, 1, size=(400, 2))
    Xb = np.c_[np.ones(len(X)), X]
    margin = Xb @ u
    X, Xb, margin = X[np.abs(margin) > 0.05], Xb[np.abs(margin) > 0.05], margin[np.abs(margin) > 0.05]
    y = np.sign(margin)
    gamma, R = np.abs(margin).min(), np.linalg.norm(Xb, axis=1).max()
    p = Perceptron(max_epochs=10_000).fit(X, y)
    assert p.converged_ and 0 < sum(p.mistakes_) <= (R / gamma) ** 2


def test_learns_seed_004s_table():
    # seed 004's perceptron slide: inputs x0 = 1 (the bias), x1, x2 and the desired output y_t
    # (rows 1 0 0 | 0, 1 1 1 | 1, 1 0 1 | 0, 1 1 0 | 1: y_t = x1, a separable function)
    X, y = np.array([[0, 0], [1, 1], [0, 1], [1, 0]]), np.array([0, 1, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotSeparableWarning)
        p = Perceptron().fit(X, y)
    assert p.converged_ and p.separable_ and p.mistakes_[-1] == 0
    np.testing.assert_array_equal(p.predict(X), y)


def test_converges_on_random_separable_set(rng):
    w_true = np.array([0.3, 1.0, -2.0])
    X = rng.uniform(-1, 1, size=(300, 2))
    net = w_true[0] + X @ w_true[1:]
    keep = np.abs(net) > 0.1  # a margin, so convergence is guaranteed and quick
    X, y = X[keep], np.where(net[keep] > 0, "pos", "neg")
    p = Perceptron(max_epochs=1000).fit(X, y)
    assert p.converged_ and p.mistakes_[-1] == 0 and all(m > 0 for m in p.mistakes_[:-1])
    assert (p.predict(X) == y).all()
    assert len(p.weights_history_) == p.n_iter_ + 1
    np.testing.assert_array_equal(p.classes_, ["neg", "pos"])


def test_xor_reports_not_linearly_separable():
    y = [0, 1, 1, 0]
    with pytest.warns(NotSeparableWarning, match="not linearly separable"):
        p = Perceptron(max_epochs=50).fit(GATE_X, y)
    assert not p.converged_ and p.separable_ is False
    assert p.mistakes_[-1] > 0
    assert (p.predict(GATE_X) != y).any()


def test_multiclass_warning_names_the_one_vs_rest_problem_that_is_not_separable():
    # Three classes in a row on one axis: the warning said "the data is not linearly separable", but the
    # largest of the nets m_c·x − m_c²/2 (m_c the middle of class c) classifies every sample; it is the
    # middle class against the two others that no single hyperplane separates.
    X = np.arange(6.0)[:, None]
    y = np.array([0, 0, 1, 1, 2, 2])
    m = np.array([0.5, 2.5, 4.5])
    assert ((m * X - m**2 / 2).argmax(axis=1) == y).all()
    with pytest.warns(NotSeparableWarning) as caught:
        p = Perceptron().fit(X, y)
    said = str(caught[0].message)
    assert "cycles forever: the one-vs-rest problem of class 1 (against all the other classes) is not linearly " \
           "separable." in said and "the data is" not in said
    assert p.separable_ is False
    net = p.decision_function(X)  # classes 0 and 2 against the rest were separated
    assert ((net[:, 0] > 0) == (y == 0)).all() and ((net[:, 2] > 0) == (y == 2)).all()
    # two middle classes of four, by their labels; shuffled, max_epochs runs out instead of a cycle
    with pytest.warns(NotSeparableWarning, match="problems of classes 'b' and 'c' \\(each against all the other "
                                                 "classes\\) are not linearly separable"):
        Perceptron().fit(np.arange(4.0)[:, None], ["a", "b", "c", "d"])
    with pytest.warns(NotSeparableWarning, match="the one-vs-rest problem of class 1 .* is probably not linearly "
                                                 "separable \\(or needs more epochs\\)"):
        Perceptron(max_epochs=20, shuffle=True, random_state=0).fit(X, y)


def test_xor_with_shuffling_runs_to_max_epochs():
    X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    with pytest.warns(NotSeparableWarning, match="max_epochs=30"):
        p = Perceptron(max_epochs=30, shuffle=True, random_state=0).fit(X, [-1, 1, 1, -1])
    assert p.n_iter_ == 30 and p.separable_ is None and min(p.mistakes_) > 0


def test_multiclass_one_vs_rest(rng):
    centres = np.array([[0, 5], [5, 0], [-5, -5]])
    X = np.vstack([c + rng.normal(size=(30, 2)) * 0.5 for c in centres])
    y = np.repeat([0, 1, 2], 30)
    p = Perceptron().fit(X, y)
    assert p.weights_.shape == (3, 3) and p.coef_.shape == (3, 2)
    assert p.converged_ and (p.predict(X) == y).all()


def test_reproducible_with_random_state(rng):
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    a = Perceptron(shuffle=True, random_state=3, max_epochs=5)
    b = Perceptron(shuffle=True, random_state=3, max_epochs=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotSeparableWarning)
        np.testing.assert_array_equal(a.fit(X, y).weights_, b.fit(X, y).weights_)


# ---- learning rules (seed 000) -------------------------------------------------------

def test_perceptron_rule_one_online_epoch_by_hand():
    # AND, step with step(0) = 1, w = 0, η = 0.5, Δw = η [t − f(net)] x̃:
    # (1,0,0): net 0 -> f 1, t 0: w = (−0.5, 0, 0); (1,0,1), (1,1,0): net −0.5 -> f 0 = t;
    # (1,1,1): net −0.5 -> f 0, t 1: w = (0, 0.5, 0.5).
    h = perceptron_rule(GATE_X, [0, 0, 0, 1], activation="step", learning_rate=0.5, epochs=1,
                        record_steps=True)
    expected = [[0, 0, 0], [-0.5, 0, 0], [-0.5, 0, 0], [-0.5, 0, 0], [0, 0.5, 0.5]]
    np.testing.assert_array_equal(h.steps, expected)
    np.testing.assert_array_equal(h.weights, [[0, 0, 0], [0, 0.5, 0.5]])
    # Before: f = 1 everywhere (3 wrong). After: nets 0, .5, .5, 1 -> f = 1 (3 wrong again).
    assert h.mistakes.tolist() == [3, 3]
    assert h.errors.tolist() == [1.5, 1.5]


def test_perceptron_rule_from_random_weights_on_seed_004s_table():
    # seed 004, "1957, Frank Rosenblatt invents the Perceptron": weights initialised to random values
    # (e.g. −1.0 to 1.0), changed by the delta rule ~(y_t − y_p) with a learning rate for a number of
    # epochs, the bias an input x0 = 1 with its own weight: the slide's table x0 x1 x2 | y_t as given
    X = np.array([[1, 0, 0], [1, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float)
    y_t = np.array([0, 1, 0, 1])
    w0 = np.random.default_rng(4).uniform(-1.0, 1.0, 3)
    h = perceptron_rule(X, y_t, activation="step", learning_rate=0.1, epochs=10, weights=w0, use_bias=False,
                        record_steps=True)
    w, steps = w0.copy(), [w0.copy()]
    for _ in range(10):
        for x, t in zip(X, y_t):
            w = w + 0.1 * (t - (x @ w >= 0)) * x  # Δw = η (y_t − y_p) x, y_p = step(w·x)
            steps.append(w)
    np.testing.assert_allclose(h.steps, steps, rtol=1e-15, atol=1e-15)
    assert h.mistakes[-1] == 0 and h.mistakes[0] > 0
    np.testing.assert_array_equal(X @ h.final_weights >= 0, y_t == 1)


def test_perceptron_rule_learns_and_with_sign():
    t = np.array([-1, -1, -1, 1])
    h = perceptron_rule(2 * GATE_X - 1, t, activation="sign", learning_rate=0.1, epochs=20)
    assert h.mistakes[-1] == 0
    w = h.final_weights
    np.testing.assert_array_equal(np.where(w[0] + (2 * GATE_X - 1) @ w[1:] >= 0, 1, -1), t)


def _exact_perceptron_rule(X, t, eta, epochs, mode):
    """Seed 000's Δw = η [t − f(net)] x̃, f the step (1 for net ≥ 0), w = 0, in exact rationals."""
    from fractions import Fraction

    rows = [[Fraction(1)] + [Fraction(v) for v in x] for x in X.tolist()]
    w = [Fraction(0)] * len(rows[0])
    out = lambda w, x: 1 if sum(a * b for a, b in zip(w, x)) >= 0 else 0  # noqa: E731
    weights, mistakes = [w], [sum(out(w, x) != y for x, y in zip(rows, t))]
    for _ in range(epochs):
        if mode == "online":
            for x, y in zip(rows, t):
                w = [a + eta * (y - out(w, x)) * b for a, b in zip(w, x)]
        else:
            errs = [y - out(w, x) for x, y in zip(rows, t)]
            w = [a + eta * sum(e * x[j] for e, x in zip(errs, rows)) for j, a in enumerate(w)]
        weights.append(w)
        mistakes.append(sum(out(w, x) != y for x, y in zip(rows, t)))
    return [[float(v) for v in w] for w in weights], mistakes


@pytest.mark.parametrize("mode", ["online", "batch"])
@pytest.mark.parametrize("t", [[0, 0, 0, 1], [0, 1, 1, 1]])
@pytest.mark.parametrize("eta", ["1/10", "3/10"])
@pytest.mark.parametrize("start", [None, "zeros"])
def test_perceptron_rule_on_gates_is_the_exact_rule(t, eta, mode, start):
    # With η = 0.1 (the default) AND online stopped after 3 epochs at (−0.2, 0.2, 0.1): (1, 0)'s net
    # read −2.8e-17 for 0, so step gave 0 = t, where the rule gives 1 ≠ t and goes on two epochs more.
    # weights=np.zeros(3), the seed's w = 0 given explicitly, stopped there still.
    from fractions import Fraction

    weights, mistakes = _exact_perceptron_rule(GATE_X, t, Fraction(eta), 12, mode)
    w0 = None if start is None else np.zeros(3)
    h = perceptron_rule(GATE_X, t, learning_rate=float(Fraction(eta)), epochs=12, mode=mode, weights=w0)
    assert h.mistakes.tolist() == mistakes
    np.testing.assert_allclose(h.weights, weights, rtol=1e-12, atol=1e-15)


def test_perceptron_rule_from_decimal_weights_fires_at_a_net_of_exactly_0():
    # From given decimal weights the η = 1 rescaling (above) does not apply: w = (0.3, −0.1, −0.2) puts
    # x = (1, 1) on net = 0 exactly, so step gives 1 ≠ t = 0 and the rule moves w by −η x̃. In binary the
    # net read −2.8e-17, step gave 0 = t and nothing was learned; with two output neurons (one matrix
    # product) w = (0.2, 0.7, −0.9, −0.7) and x = (−1, 1, −2) read −5.6e-17 the same way (property test).
    h = perceptron_rule([[1, 1]], [0], activation="step", learning_rate=0.5, epochs=1, weights=[0.3, -0.1, -0.2])
    assert h.mistakes.tolist() == [1, 0]
    np.testing.assert_allclose(h.weights[-1], [-0.2, -0.6, -0.7], rtol=1e-15)
    w = np.repeat([[0.2], [0.7], [-0.9], [-0.7]], 2, axis=1)
    for mode in ("online", "batch"):
        h = perceptron_rule([[-1, 1, -2]], [[0, 0]], activation="step", learning_rate=0.3, epochs=1, weights=w,
                            mode=mode)
        assert h.mistakes.tolist() == [1, 0]
        np.testing.assert_allclose(h.weights[-1], np.repeat([[-0.1], [1.0], [-1.2], [-0.1]], 2, axis=1), rtol=1e-14)

def test_perceptron_rule_fires_where_decimal_updates_cancel_to_0():
    # After two epochs w = (0, −1 + ten updates of 0.1) = (0, 0), which reads (0, 1.1e-16) in binary: the
    # last sample, x = −2 with t = 0, has net 0 (step fires: a mistake), read −2.2e-16, far beyond the
    # rounding of the terms x·w themselves. The sizes of all updates bound w's rounding: 5 mistakes after
    # epoch 2, as in decimals by hand (4 before).
    h = perceptron_rule([[0], [0], [0], [0], [1], [0], [2], [-2]], [0, 0, 0, 0, 1, 1, 1, 0], learning_rate=0.1,
                        epochs=2, weights=[0, -1])
    assert h.mistakes.tolist() == [7, 7, 5]
    np.testing.assert_allclose(h.weights[-1], [0, 0], atol=1e-15)


def test_rosenblatt_on_decimal_data_counts_a_net_of_exactly_0_as_a_mistake():
    # seed 003 in decimals: w = 0; (−0.6, −0.1), y = −1: w = (−1, 0.6, 0.1); (0.7, 0.7) right;
    # (−0.3, 0.3), y = +1: w = (0, 0.3, 0.4); (−0.8, 0.6): ⟨w, x⟩ = −0.24 + 0.24 = 0 ≤ 0, a mistake,
    # w = (1, −0.5, 1). In binary the net read +2.8e-17 and the epoch ended at (0, 0.3, 0.4).
    X, y = [[-0.6, -0.1], [0.7, 0.7], [-0.3, 0.3], [-0.8, 0.6]], [-1, -1, 1, 1]
    with pytest.warns(NotSeparableWarning):
        model = Perceptron(max_epochs=1).fit(X, y)
    assert model.mistakes_ == [3]
    np.testing.assert_allclose(model.weights_, [1, -0.5, 1], rtol=1e-15)


def test_delta_rule_one_online_epoch_by_hand():
    # Logistic f, f' = f(1 − f), w = 0, η = 1, x̃ = (1, x):
    # x = 1, t = 1:  net 0, f = .5, δ = .5·.25 = .125     -> w = (.125, .125)
    # x = −1, t = 0: net 0, f = .5, δ = −.5·.25 = −.125   -> w = (0, .25)
    # x = 2, t = 1:  net .5, f = σ(.5), δ = (1 − f) f (1 − f) -> w = (δ, .25 + 2δ)
    h = delta_rule([[1.0], [-1.0], [2.0]], [1, 0, 1], activation="sigmoid", learning_rate=1.0,
                   epochs=1, record_steps=True)
    f = 1 / (1 + np.exp(-0.5))
    d = (1 - f) * f * (1 - f)
    expected = [[0, 0], [0.125, 0.125], [0, 0.25], [d, 0.25 + 2 * d]]
    np.testing.assert_allclose(h.steps, expected, rtol=1e-12, atol=1e-15)


def test_delta_rule_batch_is_gradient_of_half_squared_error(rng):
    # Batch: Δw = η Σ_i (t_i − f(net_i)) f'(net_i) x̃_i = −η ∇E, E = ½ Σ (t − f(net))².
    X = rng.normal(size=(8, 3))
    t = rng.uniform(size=8)
    w0 = rng.normal(size=4) * 0.3
    h = delta_rule(X, t, activation="sigmoid", learning_rate=0.1, epochs=1, mode="batch", weights=w0)

    def E(w):
        return 0.5 * np.sum((t - 1 / (1 + np.exp(-(w[0] + X @ w[1:])))) ** 2)

    eps = 1e-6
    grad = np.array([(E(w0 + eps * e) - E(w0 - eps * e)) / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(h.weights[1], w0 - 0.1 * grad, rtol=1e-7)
    assert h.errors[0] == pytest.approx(E(w0)) and h.errors[1] < h.errors[0]


def test_linear_delta_rule_reaches_least_squares(rng):
    X = rng.normal(size=(40, 2))
    t = 0.5 + X @ [1.0, -2.0] + 0.1 * rng.normal(size=40)
    h = delta_rule(X, t, activation="identity", learning_rate=0.01, epochs=300, mode="batch")
    Xb = np.c_[np.ones(40), X]
    w_ls = np.linalg.lstsq(Xb, t, rcond=None)[0]
    np.testing.assert_allclose(h.final_weights, w_ls, rtol=1e-6)
    assert np.all(np.diff(h.errors) <= 1e-12)


def test_rules_with_several_output_neurons(rng):
    X = rng.normal(size=(10, 2))
    T = np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(float)
    both = delta_rule(X, T, activation="sigmoid", learning_rate=0.5, epochs=3)
    first = delta_rule(X, T[:, 0], activation="sigmoid", learning_rate=0.5, epochs=3)
    assert both.weights.shape == (4, 3, 2)
    np.testing.assert_allclose(both.weights[..., 0], first.weights, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"rule": "hebb"}, ValueError, "rule"),
        ({"mode": "minibatch"}, ValueError, "mode"),
        ({"activation": "nope"}, ValueError, "activation"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"weights": [1.0, 2.0]}, ValueError, "weights"),
        ({"weights": [[0.0, 1.0, 2.0]]}, ValueError, r"weights must have shape \(3,\)"),  # 3 values, wrong shape
        ({"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
        ({"record_steps": 1}, TypeError, "record_steps must be True or False"),
        ({"t": [1, 0]}, ValueError, "Inconsistent"),
    ],
)
def test_rule_bad_input(kwargs, exc, match):
    args = {"X": GATE_X, "t": [0, 0, 0, 1]}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        train_neuron(**args)


@pytest.mark.parametrize("activation, t, right", [("sign", [0, 0, 0, 1], [-1, -1, -1, 1]),
                                                   ("step", [-1, -1, -1, 1], [0, 0, 0, 1])])
def test_perceptron_rule_refuses_targets_its_activation_never_outputs(activation, t, right):
    # sgn(net) is never 0, so with t = 0 the error t − sgn(net) = ∓1 is never 0: every sample was
    # updated in every epoch (AND with sign: 3 "mistakes" per epoch for ever, w = (−1, 3, 3) after 5),
    # and with step and t = −1, t − step(net) ≤ −1 drove w0 down by η each time (−11 after 5 epochs)
    with pytest.raises(ValueError, match=rf"t must hold {activation}'s two outputs.*such as \[{t[0]:.1f}\]"):
        perceptron_rule(GATE_X, t, activation=activation, learning_rate=1.0, epochs=5)
    h = perceptron_rule(GATE_X, right, activation=activation, learning_rate=1.0, epochs=10)
    assert h.mistakes[-1] == 0


def test_labels_that_cannot_be_sorted_are_a_clear_error():
    for y in (np.array([None, "a"] * 2, dtype=object), np.array([1, "a"] * 2, dtype=object)):
        with pytest.raises(TypeError, match="y must hold class labels of one kind"):
            Perceptron().fit(GATE_X, y)


def test_perceptron_bad_input():
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        Perceptron(shuffle="yes").fit(GATE_X, [0, 0, 0, 1])
    with pytest.raises(ValueError, match="learning_rate"):
        Perceptron(learning_rate=0).fit(GATE_X, [0, 0, 0, 1])
    with pytest.raises(ValueError, match="1 class"):
        Perceptron().fit(GATE_X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        Perceptron().fit(GATE_X, [0.5, 0.1, 0.2, 0.3])
    # a missing label (NaN, or pandas' NA of a nullable column) was "Unknown label type: continuous"
    with pytest.raises(ValueError, match="y contains NaN: Perceptron needs a class label for every sample"):
        Perceptron().fit(GATE_X, [0, 1, np.nan, 1])
    with pytest.raises(ValueError, match="expecting 2 features"):
        Perceptron().fit(GATE_X, [0, 0, 0, 1]).predict([[1, 2, 3]])


def test_huge_inputs_raise_instead_of_hiding_mistakes():
    # ⟨w, x⟩ of 1e200s overflows to NaN, which used to count as "no mistake"
    with pytest.raises(ValueError, match=r"X holds values too large .*largest \|x\| = 1e\+200.*StandardScaler"):
        Perceptron().fit(GATE_X * 1e200, [0, 0, 0, 1])
    np.testing.assert_array_equal(Perceptron().fit(GATE_X, [0, 0, 0, 1]).predict(GATE_X), [0, 0, 0, 1])


@pytest.mark.parametrize("rule", [delta_rule, perceptron_rule])
def test_rules_report_divergence(rule):
    with pytest.raises(ValueError, match=r"rule diverged with learning_rate=100.*smaller learning_rate"):
        rule(GATE_X * 10, [0, 0, 0, 1], activation="linear", learning_rate=100, epochs=100)
    with pytest.raises(ValueError, match="diverged"):  # batch mode too
        rule(GATE_X * 10, [0, 0, 0, 1], activation="linear", learning_rate=100, epochs=100, mode="batch")


def test_delta_rule_without_bias_is_seed_004s_neuron():
    # seed 004: z = wx (no bias), Δw = α x (y_t − φ(wx)) φ(wx)(1 − φ(wx)); x = (1, 2), y = (1, 0),
    # α = 0.5, w = 0.3; by hand w = 0.20387322639994768 after the two updates (a learnt bias gave 0.20406)
    history = delta_rule(np.array([[1.0], [2.0]]), np.array([1.0, 0.0]), activation="sigmoid", learning_rate=0.5,
                         epochs=1, weights=[0.3], use_bias=False, record_steps=True)
    assert history.steps[-1][0] == pytest.approx(0.20387322639994768, rel=1e-15)
    with pytest.raises(TypeError, match="use_bias must be True or False"):
        delta_rule(np.ones((2, 1)), np.ones(2), use_bias="no")


def _peak_bytes(fit):
    import tracemalloc

    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotSeparableWarning)
            fit()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_fit_does_not_copy_the_data(rng):
    # The perceptron multiplies blocks of rows in float64 and keeps the bias apart: no copy of X
    # (there were two float64 copies, 754 MB for MNIST's 60k images, then one)
    X = rng.normal(size=(40000, 50)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    y[::7] = 1 - y[::7]  # long runs of right samples between mistakes: blocks of up to 4096 rows
    assert _peak_bytes(lambda: Perceptron(max_epochs=2).fit(X, y)) < 0.25 * X.nbytes * 2  # a float64 copy / 4


def test_adaline_holds_one_float64_copy_of_the_data(rng):
    from glassnet.classic import Adaline

    X = rng.normal(size=(3000, 400)).astype(np.float32)
    y = rng.integers(0, 3, size=3000)
    one_copy = X.shape[0] * (X.shape[1] + 1) * 8  # the bias column's float64 copy
    for mode in ("batch", "online"):
        # were four (the cast, the squares for "auto", the bias column, eta * X.T in batch mode)
        fit = lambda: Adaline(mode=mode, max_epochs=1, learning_rate="auto").fit(X, y)  # noqa: E731
        assert _peak_bytes(fit) < 1.3 * one_copy, mode


def _sequential_perceptron(X, y_pm, epochs, eta, orders):
    """Rosenblatt's rule one sample at a time, as seed 003 writes it (k one-vs-rest columns)."""
    W = np.zeros((X.shape[1] + 1, y_pm.shape[1]))
    mistakes = []
    for epoch in range(epochs):
        count = 0
        for i in orders[epoch]:
            x = np.concatenate([[1.0], X[i]])
            wrong = ~(y_pm[i] * (x @ W) > 0)
            if wrong.any():
                W[:, wrong] += eta * np.outer(x, y_pm[i, wrong])
                count += 1
        mistakes.append(count)
    return W, mistakes


@pytest.mark.parametrize("n_classes, shuffle", [(2, False), (10, False), (4, True)])
def test_fit_is_the_sample_by_sample_rule(rng, n_classes, shuffle):
    # fit judges the samples up to the next mistake in blocks: the result must be the sequential rule's
    X = rng.normal(size=(700, 12)).astype(np.float32)
    y = rng.integers(0, n_classes, size=700)
    y[(X[:, 0] > 1.0) & (n_classes > 2)] = 1  # some structure: runs of correct samples between mistakes
    p = Perceptron(learning_rate=0.3, max_epochs=4, shuffle=shuffle, random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotSeparableWarning)
        p.fit(X, y)
    gen = np.random.default_rng(5)
    orders = [gen.permutation(700) if shuffle else np.arange(700) for _ in range(p.n_iter_)]
    y_pm = np.where(y == 1, 1.0, -1.0)[:, None] if n_classes == 2 else np.where(np.arange(n_classes) == y[:, None], 1.0, -1.0)
    W, mistakes = _sequential_perceptron(X.astype(np.float64), y_pm, p.n_iter_, 0.3, orders)
    assert p.mistakes_ == mistakes
    np.testing.assert_allclose(p.weights_.reshape(W.shape), W, rtol=1e-12, atol=1e-12)


def test_too_large_learning_rate_is_named_for_boolean_X():
    # |x|'s largest was max(X.max(), -X.min()): bool has no unary minus, a raw NumPy TypeError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotSeparableWarning)
        with pytest.raises(ValueError, match=r"learning_rate=1e\+308 is too large"):
            Perceptron(learning_rate=1e308, shuffle=True, random_state=0).fit(GATE_X.astype(bool), [0, 0, 0, 1])
    # (XOR's run here ends at η·(−1, 0, 0), finite: the weights are η times those of η = 1. AND's
    # (−4, 3, 2) overflows, after a converged run too.)


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
@pytest.mark.parametrize("mode", ["batch", "online"])
def test_delta_rule_steps_down_the_gradient_of_E_for_softmax_too(rng, activation, mode):
    # Δw = η δ x with δ = −∂E/∂net, E = ½ Σ (t − f(net))²; softmax's outputs share a row, so
    # δ needs its Jacobian: the diagonal f(1 − f) alone gave steps ~50 % off the gradient
    from glassnet import activations

    X, T = rng.normal(size=(5, 3)), np.eye(3)[[0, 2, 1, 1, 0]]
    W0 = rng.normal(size=(4, 3))
    eta = 1e-3
    history = delta_rule(X, T, activation=activation, learning_rate=eta, epochs=1, mode=mode, weights=W0,
                         record_steps=mode == "online")
    Xb = np.column_stack([np.ones(len(X)), X])
    f = activations.get(activation)
    rows = [slice(None)] if mode == "batch" else [slice(i, i + 1) for i in range(len(X))]
    W, eps = W0.copy(), 1e-6
    for r in rows:  # batch: one step from W0; online: one step per sample from the weights before it
        E = lambda V: 0.5 * ((T[r] - f.forward(Xb[r] @ V)) ** 2).sum()  # noqa: E731
        grad = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            step = np.zeros_like(W)
            step[idx] = eps
            grad[idx] = (E(W + step) - E(W - step)) / (2 * eps)
        W = W - eta * grad
    np.testing.assert_allclose(history.weights[-1], W, rtol=0, atol=1e-11)
