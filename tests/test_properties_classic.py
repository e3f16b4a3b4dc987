"""Property tests of the classic networks (SPEC C1–C5) and their commands, against hand loops.

Every reference here is a plain loop, one sample (or one neuron) at a time, written from the
seeds' formulas: Rosenblatt's w ← w + η y x on y⟨w, x⟩ ≤ 0 (seed 003), the perceptron rule
Δw = η[t − f(net)]x and the delta rule Δw = η[t − f(net)]f'(net)x (seed 000), the threshold
unit y = [x·w ≥ θ] (seed 001), Hebb's W = (1/N) Σ ξξᵀ with a zero diagonal and the energy
E = −½ sᵀWs (seed 000, ssn6), Kohonen's w_j ← w_j + α h_cj (x − w_j) (seed 000, ssn7); and
scikit-learn's Perceptron where it runs the same algorithm.

Where glassnet differs from scikit-learn on purpose, a test pins it:

* a zero net input: in training both count y⟨w, x⟩ = 0 as a mistake (seed 003's ``≤ 0``,
  scikit-learn's hinge at 0), so their weights agree epoch by epoch; in ``predict`` glassnet's
  sgn(0) = +1 gives the second class where scikit-learn's ``decision > 0`` gives the first
  (:func:`test_a_zero_net_input_predicts_the_second_class_where_scikit_learn_predicts_the_first`);
* glassnet stops as soon as the weights repeat an earlier epoch's (the data cannot be separated),
  scikit-learn runs on to ``max_iter``.

CI runs a fixed, derandomized few of each; ``GLASSNET_CLASSIC_EXAMPLES=2000`` draws that many at
random, to hunt.
"""

import fractions
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from glassnet import activations
from glassnet.classic import (SOM, CapacityWarning, Hopfield, NotSeparableWarning, Perceptron, ThresholdNetwork,
                              ThresholdUnit, delta_rule, perceptron_rule, xor_network)

HUNT = int(os.environ.get("GLASSNET_CLASSIC_EXAMPLES", "0"))


def examples(n):
    """``n`` derandomized examples in CI; the hunt's number, drawn at random, when it is set."""
    return settings(max_examples=HUNT or n, derandomize=not HUNT, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


def small_ints(low=-3, high=3):
    return st.integers(low, high).map(float)


@st.composite
def labelled(draw, max_n=12, max_d=4, integer=None):
    """(X, y ±1): integer or real features; both labels present."""
    n = draw(st.integers(2, max_n))
    d = draw(st.integers(1, max_d))
    integer = draw(st.booleans()) if integer is None else integer
    digits = draw(st.sampled_from([1, 2, 6]))  # decimals, as in a table by hand: their sums round in binary
    cell = small_ints() if integer else st.floats(-5, 5).map(lambda v: round(v, digits))
    X = np.array(draw(st.lists(st.lists(cell, min_size=d, max_size=d), min_size=n, max_size=n)))
    y = np.array(draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)))
    assume(len(np.unique(y)) == 2)
    return X, y


# ---------------------------------------------------------------------------
# C1: Rosenblatt's perceptron (seed 003)
# ---------------------------------------------------------------------------

def decimal(v):
    """The decimal a float is written as, exactly: 0.3 is 3/10 (not 0.299999999999999988898)."""
    return fractions.Fraction(repr(float(v)))


def rosenblatt(X, y, eta, epochs):
    """Seed 003's algorithm, one sample at a time, in exact decimals: w = 0; on y⟨w, x⟩ ≤ 0,
    w = w + y η x. Returns the weights before training and after each epoch (to convergence or
    ``epochs``) and the mistakes of each epoch."""
    eta = decimal(eta)
    w = [fractions.Fraction(0)] * (X.shape[1] + 1)
    history, mistakes = [list(w)], []
    for _ in range(epochs):
        wrong = 0
        for x, t in zip(X, y):
            xb = [1, *map(decimal, x)]
            if int(t) * sum(wi * xi for wi, xi in zip(w, xb)) <= 0:
                w = [wi + int(t) * eta * xi for wi, xi in zip(w, xb)]
                wrong += 1
        history.append(list(w))
        mistakes.append(wrong)
        if wrong == 0:
            break
    return np.array(history, dtype=float), mistakes


def fit_quietly(model, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    return [w for w in caught if issubclass(w.category, NotSeparableWarning)]


@examples(150)
@given(data=labelled(), eta=st.sampled_from([1.0, 0.5, 0.25, 2.0, 0.1, 0.37, 3.0]), epochs=st.integers(1, 25))
def test_perceptron_is_seed_003s_loop_epoch_by_epoch(data, eta, epochs):
    X, y = data
    model = Perceptron(learning_rate=eta, max_epochs=epochs)
    caught = fit_quietly(model, X, y)
    ref, mistakes = rosenblatt(X, y, eta, epochs)
    got = np.array(model.weights_history_)
    n = len(got)
    assert model.mistakes_ == mistakes[: n - 1]
    np.testing.assert_allclose(got, ref[:n], rtol=1e-12, atol=1e-12 * max(1, np.abs(ref).max()))
    if eta in (1.0, 0.5, 0.25, 2.0) and (X == np.round(X)).all():  # integers and dyadic η: exact in binary too
        np.testing.assert_array_equal(got, ref[:n])
    if model.converged_:
        assert mistakes[n - 2] == 0 and not caught and model.separable_ is True
        assert (y * model.decision_function(X) > 0).all()  # the final weights separate the data
        np.testing.assert_array_equal(model.predict(X), y)
    else:
        assert len(caught) == 1 and "not converge" in str(caught[0].message)
        if model.separable_ is False:  # stopped early: the loop's weights came back, they cycle for ever
            assert any(np.allclose(ref[n - 1], w, rtol=1e-12, atol=1e-12) for w in ref[: n - 1])
            assert "not linearly separable" in str(caught[0].message)
        else:
            assert n == epochs + 1 and model.separable_ is None
    assert model.n_iter_ == n - 1
    np.testing.assert_array_equal(model.weights_, got[-1])
    np.testing.assert_array_equal(model.intercept_, got[-1][:1])
    np.testing.assert_array_equal(model.coef_, got[-1][None, 1:])


@examples(80)
@given(data=labelled(integer=True), eta=st.sampled_from([1.0, 0.5, 2.0]), epochs=st.integers(1, 15))
def test_perceptron_is_scikit_learns_on_integer_data(data, eta, epochs):
    # scikit-learn's hinge at 0 counts y⟨w, x⟩ = 0 as a mistake too (seed 003's ≤ 0): integer data and
    # dyadic η keep every sum exact, so the weights are equal. scikit-learn runs all max_iter epochs;
    # glassnet stops at convergence (the same weights: no more mistakes) or when the weights cycle.
    from sklearn.linear_model import Perceptron as SkPerceptron

    X, y = data
    ours = Perceptron(learning_rate=eta, max_epochs=epochs)
    fit_quietly(ours, X, y)
    sk = SkPerceptron(eta0=eta, penalty=None, shuffle=False, fit_intercept=True, tol=None, max_iter=epochs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(X, y)
    ref = rosenblatt(X, y, eta, epochs)[0]
    np.testing.assert_array_equal(np.r_[sk.intercept_, sk.coef_[0]], ref[-1])
    if ours.separable_ is not False:
        np.testing.assert_array_equal(ours.coef_, sk.coef_)
        np.testing.assert_array_equal(ours.intercept_, sk.intercept_)


def test_a_zero_net_input_predicts_the_second_class_where_scikit_learn_predicts_the_first():
    # bipolar XOR: the first epoch's four updates cancel, w = 0 and every net input is 0
    from sklearn.linear_model import Perceptron as SkPerceptron

    from glassnet.datasets import logic_gate

    X, y = logic_gate("xor", encoding="bipolar", dtype="float64")
    ours = Perceptron(max_epochs=1)
    fit_quietly(ours, X, y)
    sk = SkPerceptron(eta0=1.0, penalty=None, shuffle=False, tol=None, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(X, y)
    assert not ours.weights_.any() and not sk.coef_.any() and not sk.intercept_.any()
    np.testing.assert_array_equal(ours.predict(X), [1, 1, 1, 1])  # sgn(0) = +1
    np.testing.assert_array_equal(sk.predict(X), [-1, -1, -1, -1])  # 0 > 0 is False: classes_[0]


@examples(60)
@given(n_classes=st.integers(3, 4), data=st.data(), epochs=st.integers(1, 12))
def test_multiclass_perceptron_is_one_seed_loop_per_class(n_classes, data, epochs):
    X, _ = data.draw(labelled(max_n=14))
    labels = np.array(data.draw(st.lists(st.integers(0, n_classes - 1), min_size=len(X), max_size=len(X))))
    assume(len(np.unique(labels)) == n_classes)
    model = Perceptron(max_epochs=epochs)
    fit_quietly(model, X, labels)
    W = np.array(model.weights_history_)  # (epochs + 1, d + 1, k)
    assert W.shape[1:] == (X.shape[1] + 1, n_classes)
    for c in range(n_classes):
        ref = rosenblatt(X, np.where(labels == c, 1.0, -1.0), 1.0, model.n_iter_)[0]
        ref = np.vstack([ref, np.repeat(ref[-1:], len(W) - len(ref), axis=0)])  # converged: no more updates
        np.testing.assert_allclose(W[:, :, c], ref, rtol=1e-12, atol=1e-12 * max(1, np.abs(ref).max()))


@st.composite
def separable(draw):
    """Points labelled by a drawn hyperplane, none closer to it than a margin."""
    d = draw(st.integers(1, 4))
    n = draw(st.integers(2, 30))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d + 1)
    X = rng.uniform(-3, 3, size=(n, d))
    net = w[0] + X @ w[1:]
    keep = np.abs(net) > 0.3 * np.linalg.norm(w)
    X, net = X[keep], net[keep]
    assume(len(X) >= 2 and (net > 0).any() and (net < 0).any())
    return X, np.where(net > 0, 1.0, -1.0), w


@examples(80)
@given(data=separable(), eta=st.sampled_from([1.0, 0.1, 7.5]))
def test_perceptron_converges_on_separable_data_within_novikoffs_bound(data, eta):
    X, y, w = data
    Xb = np.hstack([np.ones((len(X), 1)), X])
    gamma = np.min(y * (Xb @ w)) / np.linalg.norm(w)
    bound = int((np.linalg.norm(Xb, axis=1).max() / gamma) ** 2)  # Novikoff: at most (R/γ)² mistakes
    model = Perceptron(learning_rate=eta, max_epochs=bound + 1)
    assert fit_quietly(model, X, y) == []
    assert model.converged_ and model.separable_ is True and sum(model.mistakes_) <= bound
    assert (y * model.decision_function(X) > 0).all()


@examples(30)
@given(bipolar=st.booleans(), epochs=st.integers(1, 60), eta=st.sampled_from([1.0, 0.1, 3.0]),
       shuffle=st.booleans(), seed=st.integers(0, 100))
def test_xor_is_reported_not_linearly_separable(bipolar, epochs, eta, shuffle, seed):
    from glassnet.datasets import logic_gate

    X, y = logic_gate("xor", encoding="bipolar" if bipolar else "binary")
    model = Perceptron(learning_rate=eta, max_epochs=epochs, shuffle=shuffle, random_state=seed)
    with pytest.warns(NotSeparableWarning, match="did not converge") as caught:
        model.fit(X, y)
    assert not model.converged_ and model.mistakes_[-1] > 0
    message = str(caught[0].message)
    if model.separable_ is False:
        assert not shuffle and "not linearly separable" in message and model.n_iter_ <= epochs
    else:
        assert model.n_iter_ == epochs and "probably not linearly separable" in message


# ---------------------------------------------------------------------------
# C2: the perceptron rule and the delta rule (seed 000)
# ---------------------------------------------------------------------------

def _sigmoid(z):
    return 1 / (1 + np.exp(-z)) if z >= 0 else np.exp(z) / (1 + np.exp(z))


#: f and f' written out, one number at a time: the references of the rules
FUNCTIONS = {
    "linear": (lambda z: z, lambda z, f: 1.0),
    "sigmoid": (_sigmoid, lambda z, f: f * (1 - f)),
    "tanh": (np.tanh, lambda z, f: 1 - f * f),
    "bipolar_sigmoid": (lambda z: 2 * _sigmoid(z) - 1, lambda z, f: 0.5 * (1 - f * f)),
    "softplus": (lambda z: np.logaddexp(0.0, z), lambda z, f: _sigmoid(z)),
    "elu": (lambda z: z if z > 0 else np.expm1(z), lambda z, f: 1.0 if z > 0 else np.exp(z)),
    "softsign": (lambda z: z / (1 + abs(z)), lambda z, f: 1 / (1 + abs(z)) ** 2),
    "step": (lambda z: 1 if z >= 0 else 0, None),  # seed 001: fires at net = 0
    "sign": (lambda z: 1 if z >= 0 else -1, None),  # seed 003: sgn(0) = +1
}


def rule_by_hand(X, T, rule, activation, eta, epochs, mode, W0, use_bias, orders, number=float):
    """Δw = η[t − f(net)]x (perceptron) or η[t − f(net)]f'(net)x (delta), one sample and one
    output neuron at a time (online), or summed over the samples (batch). Returns the weights
    after each epoch, the weights after each online step, E = ½Σ(t − f)² and the mistakes.
    ``number=fractions.Fraction`` computes exactly (step and sign only), η taken as the decimal it is written as."""
    f, df = FUNCTIONS[activation]
    n, k = T.shape
    exact = number is not float
    eta = fractions.Fraction(str(eta)) if exact else eta
    rows = [([number(1)] if use_bias else []) + [number(float(v)) for v in x] for x in X]
    T = [[number(float(v)) for v in t] for t in T]
    W = [[number(float(v)) for v in col] for col in W0.T]  # one weight list per output neuron

    def delta(j, x, t):
        net = sum(wi * xi for wi, xi in zip(W[j], x))
        y = f(net)
        return (t - y) * (df(net, y) if rule == "delta" else 1)  # (1: a Fraction stays exact)

    def error():
        E = m = 0
        for x, t in zip(rows, T):
            y = [f(sum(wi * xi for wi, xi in zip(W[j], x))) for j in range(k)]
            E += 0.5 * sum((tj - yj) ** 2 for tj, yj in zip(t, y))
            m += any(tj != yj for tj, yj in zip(t, y))
        return E, m

    def array(W):
        return np.array([[float(v) for v in col] for col in W]).T

    history, steps, errors = [array(W)], [array(W)], [error()]
    for epoch in range(epochs):
        if mode == "online":
            for i in orders[epoch]:
                for j in range(k):
                    d = delta(j, rows[i], T[i][j])
                    W[j] = [wi + eta * d * xi for wi, xi in zip(W[j], rows[i])]
                steps.append(array(W))
        else:
            sums = [[number(0)] * len(rows[0]) for _ in range(k)]
            for x, t in zip(rows, T):
                for j in range(k):
                    d = delta(j, x, t[j])
                    sums[j] = [s + d * xi for s, xi in zip(sums[j], x)]
            W = [[wi + eta * s for wi, s in zip(W[j], sums[j])] for j in range(k)]
        history.append(array(W))
        errors.append(error())
    E, m = zip(*errors)
    return np.array(history), np.array(steps), np.array([float(e) for e in E]), np.array(m)


@st.composite
def rule_cases(draw, rule):
    n = draw(st.integers(1, 10))
    d = draw(st.integers(1, 3))
    k = draw(st.integers(1, 2))
    if rule == "perceptron":
        activation = draw(st.sampled_from(["step", "sign", "step", "sign", "sigmoid", "tanh", "linear"]))
    else:
        activation = draw(st.sampled_from([a for a in FUNCTIONS if FUNCTIONS[a][1] is not None]))
    integer = draw(st.booleans())
    cell = small_ints(-2, 2) if integer else st.floats(-2, 2).map(lambda v: round(v, 4))  # (no 1e-300s: underflow)
    X = np.array(draw(st.lists(st.lists(cell, min_size=d, max_size=d), min_size=n, max_size=n)))
    if activation in ("step", "sign"):
        levels = [0.0, 1.0] if activation == "step" else [-1.0, 1.0]
        T = np.array(draw(st.lists(st.lists(st.sampled_from(levels), min_size=k, max_size=k), min_size=n, max_size=n)))
    else:
        T = np.array(draw(st.lists(st.lists(st.floats(-1, 1), min_size=k, max_size=k), min_size=n, max_size=n)))
    use_bias = draw(st.booleans())
    dyadic = draw(st.booleans())
    eta = draw(st.sampled_from([1.0, 0.5, 0.25, 0.125] if dyadic else [0.1, 0.3, 0.05, 0.7]))
    given = draw(st.booleans())
    W0 = (np.array(draw(st.lists(st.lists(small_ints(-2, 2) if integer else cell, min_size=k, max_size=k),
                                 min_size=d + use_bias, max_size=d + use_bias))) if given else None)
    return dict(X=X, T=T, activation=activation, eta=eta, W0=W0, use_bias=use_bias, single=k == 1 and draw(
        st.booleans()), exact=integer and dyadic)


def check_rule(rule, case, mode, epochs, shuffle, seed):
    X, T, activation, eta, W0 = case["X"], case["T"], case["activation"], case["eta"], case["W0"]
    t = T[:, 0] if case["single"] else T
    weights = None if W0 is None else (W0[:, 0] if case["single"] else W0)
    train = perceptron_rule if rule == "perceptron" else delta_rule
    history = train(X, t, activation=activation, learning_rate=eta, epochs=epochs, mode=mode, weights=weights,
                    use_bias=case["use_bias"], shuffle=shuffle, random_state=seed, record_steps=True)
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(len(X)) if shuffle else range(len(X)) for _ in range(epochs)]
    start = np.zeros((X.shape[1] + case["use_bias"], T.shape[1])) if W0 is None else W0
    # from w = 0 with step or sign, glassnet runs η = 1 and scales (the outputs see only the sign of
    # net): the same rule in exact arithmetic, and the loop with η = 1, scaled, is the same numbers
    scaled = rule == "perceptron" and activation in ("step", "sign") and not start.any()
    # step and sign otherwise against exact arithmetic: the seed's tables are decimal, and a net of exactly
    # 0 must fire (a float loop read 0.2 − 0.7 + (−0.9) − 2·(−0.7) as −1.1e-16, and stepped the other way)
    number = fractions.Fraction if activation in ("step", "sign") and not scaled else float
    ref_W, ref_steps, ref_E, ref_m = rule_by_hand(X, T, rule, activation, 1.0 if scaled else eta, epochs, mode,
                                                  start, case["use_bias"], orders, number)
    if scaled:
        ref_W, ref_steps = eta * ref_W, eta * ref_steps
        if case["exact"]:  # and on integer data with a dyadic η, the loop with η itself
            assert np.array_equal(rule_by_hand(X, T, rule, activation, eta, epochs, mode, start, case["use_bias"],
                                               orders)[0], ref_W)
    got_W = history.weights if history.weights.ndim == 3 else history.weights[..., None]
    tol = dict(rtol=1e-12, atol=1e-12) if case["exact"] or activation in ("step", "sign") else dict(rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(got_W, ref_W, **tol)
    if mode == "online":
        got_steps = history.steps if history.steps.ndim == 3 else history.steps[..., None]
        np.testing.assert_allclose(got_steps, ref_steps, **tol)
    else:
        assert history.steps is None
    if activation in ("step", "sign"):  # the mistakes count outputs ≠ targets
        np.testing.assert_array_equal(history.mistakes, ref_m)
        if scaled:  # E of the η = 1 weights: the same outputs
            np.testing.assert_array_equal(history.errors, ref_E)
    else:
        np.testing.assert_allclose(history.errors, ref_E, rtol=1e-9, atol=1e-12)


@examples(200)
@given(case=rule_cases("perceptron"), mode=st.sampled_from(["online", "batch"]), epochs=st.integers(1, 6),
       shuffle=st.booleans(), seed=st.integers(0, 1000))
def test_perceptron_rule_is_the_hand_loop_step_by_step(case, mode, epochs, shuffle, seed):
    check_rule("perceptron", case, mode, epochs, shuffle, seed)


@examples(200)
@given(case=rule_cases("delta"), mode=st.sampled_from(["online", "batch"]), epochs=st.integers(1, 6),
       shuffle=st.booleans(), seed=st.integers(0, 1000))
def test_delta_rule_is_the_hand_loop_step_by_step(case, mode, epochs, shuffle, seed):
    check_rule("delta", case, mode, epochs, shuffle, seed)


@examples(40)
@given(n=st.integers(1, 150), d=st.integers(1, 4), k=st.integers(1, 2), use_bias=st.booleans(),
       eta_share=st.floats(0.01, 1.5), epochs=st.integers(1, 3), shuffle=st.booleans(), seed=st.integers(0, 10**6))
def test_online_lms_blocks_are_the_hand_loop(n, d, k, use_bias, eta_share, epochs, shuffle, seed):
    # without record_steps the linear online rule solves blocks of 64 samples at once (_lms_epoch)
    rng = np.random.default_rng(seed)
    X, T = rng.normal(size=(n, d)), rng.normal(size=(n, k))
    eta = eta_share / (use_bias + (X**2).sum(axis=1).max())  # each step stays bounded below 2/‖x‖²
    history = delta_rule(X, T, activation="linear", learning_rate=eta, epochs=epochs, use_bias=use_bias,
                         shuffle=shuffle, random_state=seed)
    orders_rng = np.random.default_rng(seed)
    orders = [orders_rng.permutation(n) if shuffle else range(n) for _ in range(epochs)]
    ref_W, _, ref_E, _ = rule_by_hand(X, T, "delta", "linear", eta, epochs, "online", np.zeros((d + use_bias, k)),
                                      use_bias, orders)
    np.testing.assert_allclose(history.weights, ref_W, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history.errors, ref_E, rtol=1e-9, atol=1e-12)


ELEMENTWISE = sorted(name for name, cls in activations.ACTIVATIONS.items()
                     if (f := activations.get(name)).elementwise and not f.piecewise_constant
                     and f.layer_refusal() is None)


@examples(60)
@given(name=st.sampled_from(ELEMENTWISE), z=st.lists(st.floats(-4, 4), min_size=1, max_size=8))
def test_the_delta_rules_f_prime_is_the_central_difference(name, z):
    # the delta rule multiplies by f.backward(net, f(net), t − y): f' itself for dA = 1
    f = activations.get(name)
    Z = np.array(z)
    h = 1e-6
    kinks = np.array([0.0, 0.5, 1.0, 2.5, 3.0])  # of relu, the shrinks, ramp and hard_tanh, hard_sigmoid, ...
    assume(np.all(np.abs(np.abs(Z)[:, None] - kinks) > 10 * h))
    central = (f.forward(Z + h) - f.forward(Z - h)) / (2 * h)
    np.testing.assert_allclose(f.backward(Z, f.forward(Z), np.ones_like(Z)), central, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------
# C3: threshold units and networks (seeds 001, 003)
# ---------------------------------------------------------------------------

def test_seed_tables_exactly():
    # seed 001: AND (w = (1, 1), b = −2), OR (b = −1; the seed's last z reads 0, an affine z gives 1),
    # the cheese festival (any two of three, threshold 2), and thirst (w = (1, 1, 10), threshold 11)
    assert ThresholdUnit([1, 1], bias=-2).truth_table().rows() == [(0, 0, -2, 0), (0, 1, -1, 0), (1, 0, -1, 0),
                                                                   (1, 1, 0, 1)]
    assert ThresholdUnit([1, 1], bias=-1).truth_table().rows() == [(0, 0, -1, 0), (0, 1, 0, 1), (1, 0, 0, 1),
                                                                   (1, 1, 1, 1)]
    festival = ThresholdUnit([1, 1, 1], threshold=2).truth_table()
    assert [(*x, y) for *x, _, y in festival.rows()] == [(a, b, c, float(a + b + c >= 2)) for a in (0, 1)
                                                         for b in (0, 1) for c in (0, 1)]
    thirst = ThresholdUnit([1, 1, 10], threshold=11).truth_table()
    assert [x for *x, _, y in thirst.rows() if y == 1] == [[0, 1, 1], [1, 0, 1], [1, 1, 1]]
    # seed 003: the two-layer sign network on the four corners (±1, ±1), +1 where the signs differ
    table = xor_network().truth_table()
    assert table.rows() == [(-1, -1, -1, -1, -1, -1), (-1, 1, -1, 1, 1, 1), (1, -1, 1, -1, 1, 1),
                            (1, 1, -1, -1, -1, -1)]
    np.testing.assert_array_equal(xor_network()([[-1, 1], [1, -1], [-1, 1], [1, 1]]), [1, 1, 1, -1])


DECIMALS = st.integers(-30, 30).map(lambda k: f"{k / 10:g}")  # weights such as 0.3, the seeds' kind


@examples(300)
@given(weights=st.lists(DECIMALS, min_size=1, max_size=5), threshold=DECIMALS, data=st.data(),
       activation=st.sampled_from(["step", "sign"]), at_zero=st.sampled_from([1.0, 0.0, 0.5]))
def test_a_threshold_unit_is_the_seeds_formula_in_exact_decimals(weights, threshold, data, activation, at_zero):
    # seed 001: y = 1 if x·w ≥ threshold else 0, the decimals taken exactly (0.3 + 0.6 = 0.9 fires)
    low = 0 if activation == "step" else -1
    at_zero = at_zero if activation == "step" else {1.0: 1.0, 0.0: -1.0, 0.5: 0.0}[at_zero]
    unit = ThresholdUnit([float(w) for w in weights], threshold=float(threshold), activation=activation,
                         at_zero=at_zero)
    X = np.array(data.draw(st.lists(st.lists(st.sampled_from([low, 1]), min_size=len(weights),
                                             max_size=len(weights)), min_size=1, max_size=6)), dtype=float)
    expected_z, expected_y = [], []
    for x in X:
        z = sum(fractions.Fraction(w) * int(xi) for w, xi in zip(weights, x)) - fractions.Fraction(threshold)
        expected_z.append(float(z))
        expected_y.append(at_zero if z == 0 else 1.0 if z > 0 else float(low))
    np.testing.assert_array_equal(unit.predict(X), expected_y)
    np.testing.assert_allclose(unit.net_input(X), expected_z, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(unit.net_input(X)[np.array(expected_z) == 0], 0.0)  # exactly 0 at the threshold
    table = unit.truth_table()
    assert len(table.rows()) == 2 ** len(weights)
    np.testing.assert_array_equal(table.y, unit.predict(table.inputs))


@examples(150)
@given(data=st.data(), activation=st.sampled_from(["step", "sign"]))
def test_a_threshold_network_is_the_hand_loop_unit_by_unit(data, activation):
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    layers = [(np.array(data.draw(st.lists(st.lists(small_ints(), min_size=b, max_size=b), min_size=a, max_size=a))),
               np.array(data.draw(st.lists(small_ints(), min_size=b, max_size=b))))
              for a, b in zip(sizes, sizes[1:])]
    net = ThresholdNetwork(layers, activation=activation)
    low = 0.0 if activation == "step" else -1.0
    table = net.truth_table()
    for row, x in enumerate(table.inputs):
        a = list(x)
        for W, b in layers:  # unit j: z_j = Σ_i a_i W_ij + b_j, y_j = h(z_j), h(0) = 1
            a = [1.0 if sum(a[i] * W[i, j] for i in range(len(a))) + b[j] >= 0 else low for j in range(len(b))]
        np.testing.assert_array_equal(np.atleast_1d(table.y[row]), a)


# ---------------------------------------------------------------------------
# C4: Hopfield network (seed 000, ssn6)
# ---------------------------------------------------------------------------

@st.composite
def bipolar_patterns(draw, max_p=6, max_n=16):
    p = draw(st.integers(1, max_p))
    N = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).choice([-1, 1], size=(p, N))


def hebb_sums(P):
    """Σ_μ ξ_i^μ ξ_j^μ for i ≠ j, 0 on the diagonal: one entry at a time, in integers."""
    p, N = P.shape
    return [[0 if i == j else sum(int(P[m, i]) * int(P[m, j]) for m in range(p)) for j in range(N)]
            for i in range(N)]


def hebb(P):
    """W = (1/N) Σ_μ ξ^μ ξ^μᵀ with W_ii = 0."""
    return np.array(hebb_sums(P), dtype=float) / P.shape[1]


def field(sums, s, i):
    """N·h_i = Σ_j (N W_ij) s_j, exact: its sign is h_i's (a float h of 1/N's read ±1e-17 for 0)."""
    return sum(sums[i][j] * int(s[j]) for j in range(len(s)))


def energy(W, s):
    """E(s) = −½ Σ_ij W_ij s_i s_j."""
    N = len(s)
    return -0.5 * sum(W[i, j] * s[i] * s[j] for i in range(N) for j in range(N))


def fit_hopfield(P, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = Hopfield(**kwargs).fit(P)
    return net, [w.category for w in caught]


@examples(120)
@given(P=bipolar_patterns())
def test_hopfield_weights_are_hebbs_rule_and_the_capacity_warning_its_rule(P):
    net, caught = fit_hopfield(P)
    p, N = P.shape
    np.testing.assert_allclose(net.W_, hebb(P), rtol=1e-15, atol=0)  # 1/N scaling, zero diagonal, symmetric
    assert (np.diag(net.W_) == 0).all() and (net.W_ == net.W_.T).all()
    # the warning exactly when p > 0.138·N (one pattern is always a fixed point: never)
    assert (CapacityWarning in caught) == (p > 1 and p > 0.138 * N)
    assert net.capacity_ == pytest.approx(0.138 * N)
    state = np.random.default_rng(p * N).choice([-1, 1], size=(3, N))
    np.testing.assert_allclose(net.energy(state), [energy(hebb(P), s) for s in state], rtol=1e-12, atol=1e-12)
    sums = hebb_sums(P)
    stable = [all(field(sums, s, i) * s[i] > 0 or field(sums, s, i) == 0 for i in range(N)) for s in P]
    np.testing.assert_array_equal(net.is_stable(P), stable)


@examples(80)
@given(P=bipolar_patterns(max_p=5, max_n=12), start_seed=st.integers(0, 10**6), order=st.sampled_from(
    ["sequential", "random"]), seed=st.integers(0, 1000), max_iter=st.integers(1, 20))
def test_async_recall_is_the_hand_loop_and_never_raises_the_energy(P, start_seed, order, seed, max_iter):
    net, _ = fit_hopfield(P, order=order, random_state=seed, max_iter=max_iter)
    N = P.shape[1]
    start = np.random.default_rng(start_seed).choice([-1, 1], size=N)
    final, trace = net.recall(start, mode="async", return_trace=True)
    # the loop: sweeps of s_i ← sgn(Σ_j W_ij s_j) (a field of 0 keeps s_i), neurons in order or in the
    # permutation of the same generator; stop after a sweep that changed nothing
    W, sums, rng, s, states = hebb(P), hebb_sums(P), np.random.default_rng(seed), list(start), [list(start)]
    converged = False
    for _ in range(max_iter):
        changed = False
        for i in (rng.permutation(N) if order == "random" else range(N)):
            h = field(sums, s, i)
            new = 1 if h > 0 else -1 if h < 0 else s[i]
            changed |= new != s[i]
            s[i] = new
            states.append(list(s))
        if not changed:
            converged = True
            break
    np.testing.assert_array_equal(final, s)
    np.testing.assert_array_equal(trace.states[:, 0], states)
    assert bool(trace.converged[0]) == converged
    E = [energy(W, state) for state in states]
    np.testing.assert_allclose(trace.energies[:, 0], E, rtol=1e-12, atol=1e-12)
    assert all(b <= a + 1e-12 for a, b in zip(E, E[1:]))  # step by step
    if converged:
        assert net.is_stable(final) and net.classify(final) in ("stored", "inverse", "mixture", "spurious")


@examples(80)
@given(P=bipolar_patterns(max_p=5, max_n=12), n_states=st.integers(1, 4), start_seed=st.integers(0, 10**6),
       max_iter=st.integers(1, 10))
def test_sync_recall_is_the_hand_loop(P, n_states, start_seed, max_iter):
    net, _ = fit_hopfield(P, max_iter=max_iter)
    N = P.shape[1]
    starts = np.random.default_rng(start_seed).choice([-1, 1], size=(n_states, N))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        final, trace = net.recall(starts, mode="sync", return_trace=True)
    sums = hebb_sums(P)
    for k, start in enumerate(starts):
        s, previous, steps, converged, cycle = list(start), None, 0, False, False
        for _ in range(max_iter):
            new = []
            for i in range(N):
                h = field(sums, s, i)
                new.append(1 if h > 0 else -1 if h < 0 else s[i])
            steps += 1
            converged, cycle = new == s, new != s and new == previous
            previous, s = s, new
            if converged or cycle:
                break
        np.testing.assert_array_equal(final[k], s)
        assert bool(trace.converged[k]) == converged and trace.cycle_length[k] == 2 * cycle
        np.testing.assert_array_equal(trace.states[steps, k], s)


@examples(40)
@given(log_n=st.integers(1, 5), data=st.data())
def test_orthogonal_patterns_are_fixed_points(log_n, data):
    from scipy.linalg import hadamard

    H = hadamard(2**log_n)
    p = data.draw(st.integers(1, max(1, 2**log_n - 1)))
    rows = data.draw(st.permutations(range(2**log_n)))[:p]
    signs = np.array(data.draw(st.lists(st.sampled_from([-1, 1]), min_size=p, max_size=p)))
    P = H[list(rows)] * signs[:, None]  # mutually orthogonal: the crosstalk is 0
    net, _ = fit_hopfield(P)
    assert net.is_stable(P).all()
    for mode in ("async", "sync"):
        np.testing.assert_array_equal(net.recall(P, mode=mode), P)


BAD_PATTERNS = [
    (None, TypeError, "patterns"),
    ([[1, np.nan]], ValueError, "patterns contains NaN"),
    ([[1, np.inf]], ValueError, "patterns contains inf"),
    ([], ValueError, "patterns is empty"),
    (np.zeros((3, 0)), ValueError, "patterns is empty"),
    ([[0, 1, 1]], ValueError, r"patterns must be bipolar.*2\*x - 1"),  # 0/1 data: refused, told how to map it
    ([[1, 2]], ValueError, "patterns must be bipolar"),
    ([[True, False]], TypeError, "patterns must hold bipolar bits"),
    ([["a", "b"]], TypeError, "patterns must contain numbers"),
    ([1, -1, 1], ValueError, r"patterns must have shape \(p, N\)"),
    ([[1, -1], [1]], ValueError, "patterns"),
]


@pytest.mark.parametrize("patterns, exc, match", BAD_PATTERNS)
def test_bad_patterns_are_clear_errors_naming_the_argument(patterns, exc, match):
    with pytest.raises(exc, match=match):
        Hopfield().fit(patterns)


def test_bad_states_are_clear_errors_naming_the_argument():
    net = Hopfield().fit([[1, -1, 1, -1]])
    for state, exc, match in [([1, -1], ValueError, r"state must have shape \(4,\) or \(n, 4\)"),
                              ([1, np.nan, 1, 1], ValueError, "state contains NaN"),
                              ([0, 1, 1, 0], ValueError, "state must be bipolar"),
                              (["a"] * 4, TypeError, "state must contain numbers"),
                              ([], ValueError, "state is empty")]:
        for method in (net.recall, net.energy, net.is_stable):
            with pytest.raises(exc, match=match):
                method(state)
    # one pattern of one neuron is a network too: its only weight is the zero diagonal
    one = Hopfield().fit([[1]])
    assert one.W_.tolist() == [[0.0]] and one.recall([-1]).tolist() == [-1] and one.energy([1]) == 0


# ---------------------------------------------------------------------------
# C5: self-organizing map (seed 000, ssn7)
# ---------------------------------------------------------------------------

def grid_position(j, cols, topology):
    """Neuron j's place on the grid: row-major; a hexagonal grid's odd rows shifted by ½, rows √3/2 apart."""
    r, c = divmod(j, cols)
    return (r * 3**0.5 / 2, c + 0.5 * (r % 2)) if topology == "hexagonal" else (float(r), float(c))


def grid_neighbours(j, rows, cols, topology):
    """The neurons next to j: left, right, up, down; on a hexagonal grid with odd rows shifted right,
    the two above and the two below are (c − 1, c) from an even row and (c, c + 1) from an odd one."""
    r, c = divmod(j, cols)
    if topology == "rectangular":
        cells = [(r, c - 1), (r, c + 1), (r - 1, c), (r + 1, c)]
    else:
        shift = (-1, 0) if r % 2 == 0 else (0, 1)
        cells = [(r, c - 1), (r, c + 1)] + [(r + dr, c + dc) for dr in (-1, 1) for dc in shift]
    return sorted(rr * cols + cc for rr, cc in cells if 0 <= rr < rows and 0 <= cc < cols)


def decayed(start, end, u, schedule):
    if schedule == "exponential":
        return start * (end / start) ** u
    if schedule == "linear":
        return start + (end - start) * u
    return start / (1 + (start / end - 1) * u)


def distance2(a, b):
    return sum((ai - bi) ** 2 for ai, bi in zip(a, b))


def winner(x, W):
    """argmin_j ‖x − w_j‖, the first of equally near ones. Two neurons equally near but for rounding
    (a map collapsed onto one sample, or the mean of all) are left out: either may win, by the last bit."""
    best = 0
    for j in range(1, len(W)):
        if distance2(x, W[j]) < distance2(x, W[best]):
            best = j
    assume(all(abs(distance2(x, w) - distance2(x, W[best])) > 1e-9 * (1 + distance2(x, w))
               for j, w in enumerate(W) if j != best))
    return best


@st.composite
def som_cases(draw):
    rows, cols = draw(st.sampled_from([(1, 1), (1, 4), (4, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]))
    n = draw(st.integers(1, 12))
    d = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * draw(st.sampled_from([1.0, 0.1, 10.0]))
    W0 = rng.normal(size=(rows * cols, d))
    params = dict(
        grid=(rows, cols), topology=draw(st.sampled_from(["rectangular", "hexagonal"])),
        neighborhood=draw(st.sampled_from(["gaussian", "bubble"])), schedule=draw(st.sampled_from(
            ["exponential", "linear", "inverse"])), epochs=draw(st.integers(1, 4)),
        # (not α = 1: every neuron near the winner lands on the sample, equal but for rounding, and
        # which of them wins next is a coin toss of the last bit)
        learning_rate=draw(st.sampled_from([0.5, 0.95, 0.1, 0.9])),
        final_learning_rate=draw(st.sampled_from([None, 0.01, 0.3])),
        sigma=draw(st.sampled_from([None, 0.5, 1.0, 2.5])), final_sigma=draw(st.sampled_from([None, 0.3, 1.0])),
        shuffle=draw(st.booleans()), random_state=draw(st.integers(0, 1000)), init=W0)
    return X, params


def som_rates(params, steps):
    rows, cols = params["grid"]
    a0 = params["learning_rate"]
    a1 = min(0.01, a0) if params["final_learning_rate"] is None else params["final_learning_rate"]
    s0 = max(rows, cols) / 2 if params["sigma"] is None else params["sigma"]
    s1 = min(1.0, s0) if params["final_sigma"] is None else params["final_sigma"]
    u = [t / max(steps - 1, 1) for t in range(steps)]
    return ([decayed(a0, a1, v, params["schedule"]) for v in u], [decayed(s0, s1, v, params["schedule"]) for v in u])


def neighbourhood(params, d2, sigma):
    if params["neighborhood"] == "gaussian":
        return np.exp(-d2 / (2 * sigma * sigma))
    return 1.0 if d2 <= sigma * sigma + 1e-12 else 0.0  # d ≤ σ (a whole-number radius keeps its ring)


@examples(100)
@given(case=som_cases())
def test_online_som_is_kohonens_loop(case):
    X, params = case
    som = SOM(mode="online", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        som.fit(X, record_weights=True)
    rows, cols = params["grid"]
    M, n, epochs = rows * cols, len(X), params["epochs"]
    alphas, sigmas = som_rates(params, epochs * n)
    pos = [grid_position(j, cols, params["topology"]) for j in range(M)]
    W = [list(w) for w in params["init"]]
    rng = np.random.default_rng(params["random_state"])
    history, t = [np.array(W)], 0
    for _ in range(epochs):
        for i in (rng.permutation(n) if params["shuffle"] else range(n)):
            c = winner(X[i], W)
            for j in range(M):  # w_j ← w_j + α(t)·h_cj(t)·(x − w_j)
                h = neighbourhood(params, distance2(pos[c], pos[j]), sigmas[t])
                W[j] = [w + alphas[t] * h * (x - w) for w, x in zip(W[j], X[i])]
            t += 1
        history.append(np.array(W))
    np.testing.assert_allclose(som.weights_history_, history, rtol=1e-10, atol=1e-12)
    check_som_measures(som, X, params)


@examples(100)
@given(case=som_cases())
def test_batch_som_is_kohonens_batch_map(case):
    X, params = case
    som = SOM(mode="batch", **params).fit(X, record_weights=True)
    rows, cols = params["grid"]
    M, epochs = rows * cols, params["epochs"]
    _, sigmas = som_rates(params, epochs)  # σ decays once per epoch
    pos = [grid_position(j, cols, params["topology"]) for j in range(M)]
    W = [list(w) for w in params["init"]]
    history = [np.array(W)]
    for e in range(epochs):
        c = [winner(x, W) for x in X]
        new = []
        for j in range(M):  # w_j = Σ_i h_{c(x_i) j} x_i / Σ_i h_{c(x_i) j}; no mass: w_j stays
            h = [neighbourhood(params, distance2(pos[ci], pos[j]), sigmas[e]) for ci in c]
            mass = sum(h)
            new.append([sum(hi * x[k] for hi, x in zip(h, X)) / mass for k in range(X.shape[1])] if mass > 0 else W[j])
        W = new
        history.append(np.array(W))
    np.testing.assert_allclose(som.weights_history_, history, rtol=1e-10, atol=1e-12)
    check_som_measures(som, X, params)


def check_som_measures(som, X, params):
    """Quantization and topographic error, the U-matrix and the winners, by hand on the trained weights."""
    rows, cols = params["grid"]
    W, M = som.weights_, rows * cols
    c = [winner(x, W) for x in X]
    for x in X:  # no near ties among the three nearest neurons: which wins would be the rounding's choice
        D = sorted(distance2(x, w) for w in W)
        assume(all(b - a > 1e-9 * (1 + b) for a, b in zip(D[:3], D[1:3])))
    np.testing.assert_array_equal(som.predict(X), c)
    np.testing.assert_array_equal(som.winner_coordinates(X), [divmod(ci, cols) for ci in c])
    qe = sum(distance2(x, W[ci]) ** 0.5 for x, ci in zip(X, c)) / len(X)
    assert som.quantization_error(X) == pytest.approx(qe, rel=1e-12, abs=1e-14)
    assert som.quantization_errors_[-1] == pytest.approx(qe, rel=1e-12, abs=1e-14)
    neighbours = [grid_neighbours(j, rows, cols, params["topology"]) for j in range(M)]
    np.testing.assert_array_equal(som.adjacency(), [[k in neighbours[j] for k in range(M)] for j in range(M)])
    if M > 1:
        far = 0
        for x, best in zip(X, c):
            second = min((j for j in range(M) if j != best), key=lambda j: (distance2(x, W[j]), j))
            far += second not in neighbours[best]
        assert som.topographic_error(X) == pytest.approx(far / len(X), abs=1e-15)
    else:
        assert som.topographic_error(X) == 0.0
    U = [sum(distance2(W[j], W[k]) ** 0.5 for k in neighbours[j]) / max(len(neighbours[j]), 1) for j in range(M)]
    np.testing.assert_allclose(som.u_matrix(), np.reshape(U, (rows, cols)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(som.transform(X), [[distance2(x, w) ** 0.5 for w in W] for x in X],
                               rtol=1e-7, atol=1e-7)


@examples(30)
@given(case=som_cases(), mode=st.sampled_from(["online", "batch"]), init=st.sampled_from(["pca", "random"]))
def test_a_seed_gives_the_same_map(case, mode, init):
    X, params = case
    params = {**params, "init": init}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = SOM(mode=mode, **params).fit(X)
        b = SOM(mode=mode, **params).fit(X.copy())
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert a.quantization_errors_ == b.quantization_errors_


BAD_SOM_X = [
    ([[1.0, np.nan]], ValueError, "X contains NaN"),
    ([[1.0, np.inf]], ValueError, "X contains inf"),
    (np.zeros((0, 2)), ValueError, "X is empty|0 sample"),
    ([["a", "b"]], (TypeError, ValueError), "X"),
    ([1.0, 2.0], ValueError, "2D array|2-D|X"),
    (None, (TypeError, ValueError), "X|None"),
]


@pytest.mark.parametrize("X, exc, match", BAD_SOM_X)
def test_bad_som_data_is_a_clear_error(X, exc, match):
    with pytest.raises(exc, match=match):
        SOM(grid=(2, 2)).fit(X)


# ---------------------------------------------------------------------------
# E1: glassnet perceptron / hopfield / som
# ---------------------------------------------------------------------------

GATE_NAMES = ["and", "or", "xor", "nand", "nor", "xnor"]


def run_cli(tmp_path, monkeypatch, capsys, *args):
    from test_cli import call

    return call(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)


def assert_one_line_error(result, codes=(1, 2)):
    assert result.returncode in codes, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and "--debug for the traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0] == result.stderr.splitlines()[-1], result.stderr
    if result.returncode == 1:  # glassnet's own message: one line alone
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def table_rows(stdout, header_start):
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [header_start])
    rows = []
    for line in lines[start + 1:]:
        cells = line.split()
        if not cells or not cells[0].lstrip("-").isdigit():
            break
        rows.append(cells)
    return rows


@examples(40)
@given(gate=st.sampled_from(GATE_NAMES), bipolar=st.booleans(), lr=st.sampled_from(["1", "0.1", "0.3", "2.5"]),
       epochs=st.integers(1, 30), shuffle=st.booleans(), seed=st.integers(0, 50))
def test_perceptron_command_prints_the_librarys_weights(gate, bipolar, lr, epochs, shuffle, seed, tmp_path,
                                                        monkeypatch, capsys):
    from glassnet.datasets import logic_gate

    args = ["perceptron", gate, "--lr", lr, "--max-epochs", epochs] + ["--bipolar"] * bipolar
    args += ["--shuffle", "--seed", seed] if shuffle else []
    result = run_cli(tmp_path, monkeypatch, capsys, *args)
    assert result.returncode == 0, result.stderr
    X, y = logic_gate(gate, encoding="bipolar" if bipolar else "binary", dtype="float64")
    model = Perceptron(learning_rate=float(lr), max_epochs=epochs, shuffle=shuffle, random_state=seed if shuffle else None)
    fit_quietly(model, X, y)
    rows = table_rows(result.stdout, "epoch")
    assert [[float(v) for v in row[1:4]] for row in rows] == [[float(f"{v:g}") for v in w]
                                                              for w in model.weights_history_]
    assert [row[4] for row in rows[1:]] == [str(m) for m in model.mistakes_]
    assert ("Converged after" in result.stdout) == model.converged_
    assert ("Not separated" in result.stdout) == (not model.converged_)
    if gate in ("xor", "xnor") and not model.converged_ and model.separable_ is False:
        assert "not linearly separable" in result.stdout
    outputs = [float(row[3]) for row in table_rows(result.stdout, "x1")]
    np.testing.assert_array_equal(outputs, model.predict(X))


@examples(40)
@given(data=st.data())
def test_perceptron_command_on_a_csv_file_prints_the_librarys_weights(data, tmp_path, monkeypatch, capsys):
    X, y = data.draw(labelled(max_n=8, max_d=2, integer=True))
    (tmp_path / "points.csv").write_text("a,b,class\n" + "".join(
        ",".join(f"{v:g}" for v in x) + ("," * (2 - len(x))) + f",{'yes' if t > 0 else 'no'}\n" for x, t in zip(X, y))
        if X.shape[1] == 2 else "a,class\n" + "".join(f"{x[0]:g},{'yes' if t > 0 else 'no'}\n" for x, t in zip(X, y)))
    result = run_cli(tmp_path, monkeypatch, capsys, "perceptron", "points.csv", "--max-epochs", 10)
    assert result.returncode == 0, result.stderr
    model = Perceptron(max_epochs=10)
    fit_quietly(model, X, np.where(y > 0, "yes", "no"))
    rows = table_rows(result.stdout, "epoch")
    assert [[float(v) for v in row[1:-1]] for row in rows] == [[float(f"{v:g}") for v in w]
                                                               for w in model.weights_history_]
    assert "classes: +1 = 'yes', −1 = 'no'" in result.stdout


BAD_PERCEPTRON = [
    ["and", "--lr", "0"], ["and", "--lr", "-1"], ["and", "--lr", "abc"], ["and", "--lr", "nan"], ["and", "--lr", "inf"],
    ["and", "--max-epochs", "0"], ["and", "--max-epochs", "100001"], ["and", "--max-epochs", "2.5"],
    ["and", "--seed", "3"], ["and", "--shuffle", "--seed", "-1"], ["and", "--target", "x"], ["and", "--no-header"],
    ["nosuch"], ["points.csv", "--bipolar"], ["points.csv", "--target", "nosuch"], ["empty.csv"], ["one.csv"],
    ["and", "--sep", ";"], ["and", "--bogus"], ["and", "or"],
]


@pytest.mark.parametrize("args", BAD_PERCEPTRON, ids=" ".join)
def test_bad_perceptron_arguments_are_one_line_errors(args, tmp_path, monkeypatch, capsys):
    (tmp_path / "points.csv").write_text("a,b,class\n0,0,0\n1,1,1\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "one.csv").write_text("a,class\n1,x\n2,x\n")
    assert_one_line_error(run_cli(tmp_path, monkeypatch, capsys, "perceptron", *args))


@examples(25)
@given(store=st.sets(st.sampled_from("ACEHLTXO"), min_size=1, max_size=4).map(lambda s: "".join(sorted(s))),
       data=st.data(), noise=st.sampled_from(["0", "0.1", "0.25", "0.5", "1"]), mode=st.sampled_from(["async", "sync"]),
       max_iter=st.integers(1, 8), seed=st.integers(0, 20))
def test_hopfield_command_prints_the_librarys_recall(store, data, noise, mode, max_iter, seed, tmp_path, monkeypatch,
                                                     capsys):
    from glassnet.classic import flip_bits, load_bitmaps

    recall = data.draw(st.sampled_from(store))
    result = run_cli(tmp_path, monkeypatch, capsys, "hopfield", "--store", store, "--recall", recall, "--noise", noise,
                     "--mode", mode, "--max-iter", max_iter, "--seed", seed)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    images, names = load_bitmaps(list(store))
    P = images.reshape(len(images), -1)
    net, _ = fit_hopfield(P, max_iter=max_iter, random_state=seed)
    clean = P[names.index(recall)]
    noisy = flip_bits(clean, float(noise), random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        final, trace = net.recall(noisy, mode=mode, return_trace=True)
    wrong = int((final != clean).sum())
    assert f"with {int((noisy != clean).sum())} of its 100 bits flipped" in result.stdout
    assert (f"{wrong} bit(s) differ from {recall!r}; energy {trace.energies[0, 0]:.4g} → {trace.energies[-1, 0]:.4g} "
            f"in {trace.n_sweeps} ") in result.stdout


BAD_HOPFIELD = [
    ["--store", ""], ["--store", "ZZ"], ["--store", "HH"], ["--store", "HT", "--recall", "X"], ["--noise", "1.5"],
    ["--noise", "-0.1"], ["--noise", "nan"], ["--mode", "both"], ["--max-iter", "0"], ["--seed", "-1"],
    ["--out", "x.txt"], ["--store", "letters,digits"], ["extra"],
]


@pytest.mark.parametrize("args", BAD_HOPFIELD, ids=" ".join)
def test_bad_hopfield_arguments_are_one_line_errors(args, tmp_path, monkeypatch, capsys):
    assert_one_line_error(run_cli(tmp_path, monkeypatch, capsys, "hopfield", *args))


@examples(25)
@given(data=st.data(), rows=st.integers(1, 3), cols=st.integers(1, 3), topology=st.sampled_from(
    ["rectangular", "hexagonal"]), mode=st.sampled_from(["online", "batch"]), epochs=st.integers(1, 3),
    seed=st.integers(0, 20))
def test_som_command_prints_the_librarys_map(data, rows, cols, topology, mode, epochs, seed, tmp_path, monkeypatch,
                                             capsys):
    n, d = data.draw(st.integers(2, 12)), data.draw(st.integers(1, 3))
    X = np.round(np.random.default_rng(seed).normal(size=(n, d)) * 3, 2)
    (tmp_path / "x.csv").write_text("".join(",".join(f"{v:g}" for v in x) + "\n" for x in X))
    result = run_cli(tmp_path, monkeypatch, capsys, "som", "x.csv", "--grid", f"{rows}x{cols}", "--topology", topology,
                     "--mode", mode, "--epochs", epochs, "--seed", seed, "--no-standardize", "--no-header")
    assert result.returncode == 0, result.stderr
    som = SOM(grid=(rows, cols), topology=topology, epochs=epochs, mode=mode, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        som.fit(X)
    assert (f"Quantization error: {som.quantization_errors_[-1]:.4g}   "
            f"topographic error: {som.topographic_error(X):.4f}") in result.stdout
    assert f"Self-organizing map {rows}×{cols} ({topology}) on {n} samples" in result.stdout


BAD_SOM = [
    ["gaussians", "--grid", "0x3"], ["gaussians", "--grid", "3"], ["gaussians", "--grid", "axb"],
    ["gaussians", "--topology", "square"], ["gaussians", "--epochs", "0"], ["gaussians", "--mode", "both"],
    ["gaussians", "--seed", "-2"], ["nosuch"], ["x.csv", "--samples", "5"], ["nan.csv"], ["text.csv"], ["empty.csv"],
    ["gaussians", "--out", "u.txt"], ["gaussians", "--samples", "0"],
]


@pytest.mark.parametrize("args", BAD_SOM, ids=" ".join)
def test_bad_som_arguments_are_one_line_errors(args, tmp_path, monkeypatch, capsys):
    (tmp_path / "x.csv").write_text("1,2\n3,4\n")
    (tmp_path / "nan.csv").write_text("a,b\n1,nan\n3,4\n")
    (tmp_path / "text.csv").write_text("a,b\nx,y\nz,w\n")
    (tmp_path / "empty.csv").write_text("")
    assert_one_line_error(run_cli(tmp_path, monkeypatch, capsys, "som", *args))
