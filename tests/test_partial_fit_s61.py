"""partial_fit of glassnet.classic.Perceptron and Adaline (s61): learning from a stream of chunks, with
scikit-learn's contract (``classes`` at the first call) and Raschka's AdalineSGD.partial_fit as references."""

import warnings

import numpy as np
import pytest

from glassnet.classic import Adaline, NotSeparableWarning, Perceptron


def noisy_data(n=240, d=3, seed=0):
    """Two classes with overlap (the perceptron keeps making mistakes) and three classes."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    net = X @ np.arange(1.0, d + 1) + 0.3 + 0.8 * rng.normal(size=n)
    return X, (net > 0).astype(int), np.digitize(net, [-1.0, 1.0])


def chunks(n, sizes=(1, 37, 2, 80)):
    """Consecutive row ranges of unequal sizes, covering range(n)."""
    bounds, start, k = [], 0, 0
    while start < n:
        bounds.append(slice(start, start + sizes[k % len(sizes)]))
        start, k = bounds[-1].stop, k + 1
    return bounds


def stream(estimator, X, y, classes):
    for rows in chunks(len(X)):
        estimator.partial_fit(X[rows], y[rows], classes=classes)
    return estimator


def fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotSeparableWarning)
        return estimator.fit(X, y)


# ---------------------------------------------------------------- Perceptron

@pytest.mark.parametrize("labels", ["two", "three"])
@pytest.mark.parametrize("learning_rate", [1.0, lambda n: 1.0 / (1 + n)])
def test_perceptron_chunks_equal_one_fit_epoch_exactly(labels, learning_rate):
    X, y2, y3 = noisy_data()
    y = y2 if labels == "two" else y3
    whole = fit_quietly(Perceptron(learning_rate=learning_rate, max_epochs=1), X, y)
    streamed = stream(Perceptron(learning_rate=learning_rate), X, y, np.unique(y))
    np.testing.assert_array_equal(streamed.weights_, whole.weights_)
    np.testing.assert_array_equal(streamed.coef_, whole.coef_)
    np.testing.assert_array_equal(streamed.classes_, whole.classes_)
    assert streamed.t_ == whole.t_ == len(X) and streamed.n_iter_ == 1 and streamed.n_features_in_ == 3
    np.testing.assert_array_equal(streamed.predict(X), whole.predict(X))


def rosenblatt(W, X, y_pm, eta):
    """The rule transcribed: for each sample with y⟨w, (1, x)⟩ ≤ 0, w += η y (1, x). Returns w and the mistakes."""
    mistakes = 0
    for x, t in zip(X, y_pm):
        xb = np.concatenate([[1.0], x])
        if t * (xb @ W) <= 0:
            W, mistakes = W + eta * t * xb, mistakes + 1
    return W, mistakes


def test_perceptron_partial_fit_is_the_rule_and_scikit_learns_partial_fit():
    from sklearn.linear_model import Perceptron as SkPerceptron

    X, y, _ = noisy_data(seed=1)
    ours, theirs, W = Perceptron(learning_rate=0.5), SkPerceptron(eta0=0.5, shuffle=False), np.zeros(4)
    for rows in chunks(len(X)):
        ours.partial_fit(X[rows], y[rows], classes=[0, 1])
        theirs.partial_fit(X[rows], y[rows], classes=[0, 1])
        W, mistakes = rosenblatt(W, X[rows], 2.0 * y[rows] - 1, 0.5)
        np.testing.assert_array_equal(ours.weights_, W)
        assert ours.mistakes_ == [mistakes] and ours.converged_ == (mistakes == 0)
    np.testing.assert_array_equal(ours.coef_, theirs.coef_)
    np.testing.assert_array_equal(ours.intercept_, theirs.intercept_)
    assert len(ours.weights_history_) == 2 and ours.n_iter_ == 1


def test_perceptron_partial_fit_after_fit_goes_on_from_fit():
    X, y, _ = noisy_data(seed=2)
    rate = lambda n: 2.0 / (1 + n)  # noqa: E731
    two = fit_quietly(Perceptron(learning_rate=rate, max_epochs=2), X, y)
    one = fit_quietly(Perceptron(learning_rate=rate, max_epochs=1), X, y).partial_fit(X, y)
    assert two.n_iter_ == 2
    np.testing.assert_array_equal(one.weights_, two.weights_)
    assert one.t_ == 2 * len(X)


def test_perceptron_shuffle_visits_each_calls_rows_in_random_states_order():
    X, y, _ = noisy_data(seed=3)
    shuffled = Perceptron(shuffle=True, random_state=7).partial_fit(X, y, classes=[0, 1])
    order = np.random.default_rng(7).permutation(len(X))
    in_order = Perceptron().partial_fit(X[order], y[order], classes=[0, 1])
    np.testing.assert_array_equal(shuffled.weights_, in_order.weights_)


# ---------------------------------------------------------------- Adaline

def lms(W, X, t, eta):
    """The online LMS rule transcribed: w += η (t − ⟨w, (1, x)⟩) (1, x), one sample after another."""
    for x, target in zip(X, t):
        xb = np.concatenate([[1.0], x])
        W = W + eta * (target - xb @ W) * xb
    return W


@pytest.mark.parametrize("learning_rate", [0.02, lambda n: 0.05 / (1 + n / 20)])
def test_adaline_online_chunks_equal_one_fit_epoch_and_the_rule(learning_rate):
    X, y, _ = noisy_data(seed=4)
    whole = Adaline(learning_rate=learning_rate, max_epochs=1).fit(X, y)
    streamed = stream(Adaline(learning_rate=learning_rate), X, y, [0, 1])
    np.testing.assert_allclose(streamed.weights_, whole.weights_, rtol=0, atol=1e-13)
    assert streamed.t_ == whole.t_ == len(X)
    if not callable(learning_rate):
        np.testing.assert_allclose(streamed.weights_, lms(np.zeros(4), X, 2.0 * y - 1, learning_rate), rtol=0, atol=1e-13)


class RaschkaAdalineSGD:
    """Raschka's AdalineSGD (Python Machine Learning, ch. 2), transcribed: fit's shuffling and loss list
    left out; ``w_``/``b_`` given (his draws w ~ N(0, 0.01), b = 0)."""

    def __init__(self, eta, w, b):
        self.eta, self.w_, self.b_ = eta, np.array(w, dtype=float), float(b)

    def partial_fit(self, X, y):
        if y.ravel().shape[0] > 1:
            for xi, target in zip(X, y):
                self._update_weights(xi, target)
        else:
            self._update_weights(X, y)
        return self

    def _update_weights(self, xi, target):
        error = target - (np.dot(xi, self.w_) + self.b_)
        self.w_ += self.eta * 2.0 * xi * error
        self.b_ += self.eta * 2.0 * error
        return error**2

    def predict(self, X):
        return np.where(np.dot(X, self.w_) + self.b_ >= 0.5, 1, 0)


def test_adaline_partial_fit_is_raschkas_adalinesgd_partial_fit():
    # His targets are 0/1, glassnet's ±1 = 2y − 1: with η = 2 η_his his net is (net + 1)/2 all along, so
    # glassnet's zero start is his w = 0, b = 0.5, and then w = 2 w_his, w0 = 2 b_his − 1.
    X, y, _ = noisy_data(seed=5)
    his, ours = RaschkaAdalineSGD(0.01, np.zeros(3), 0.5), Adaline(learning_rate=0.02)
    for i in range(10):  # a stream of single samples, as his book streams them
        his.partial_fit(X[i], y[i])
        ours.partial_fit(X[i : i + 1], y[i : i + 1], classes=[0, 1])
    for rows in chunks(len(X) - 10):
        rows = slice(rows.start + 10, rows.stop + 10)
        if rows.stop - rows.start > 1:
            his.partial_fit(X[rows], y[rows])
        else:  # (his one-sample form: a 1-D x)
            his.partial_fit(X[rows.start], y[rows.start])
        ours.partial_fit(X[rows], y[rows])
        np.testing.assert_allclose(ours.weights_, np.concatenate([[2 * his.b_ - 1], 2 * his.w_]), rtol=0, atol=1e-13)
    np.testing.assert_array_equal(ours.predict(X), his.predict(X))


def test_adaline_batch_partial_fit_is_one_summed_step():
    X, y, y3 = noisy_data(seed=6)
    T = np.where(y3[:, None] == np.arange(3), 1.0, -1.0)
    Xb = np.column_stack([np.ones(len(X)), X])
    ours, W = Adaline(learning_rate=0.002, mode="batch"), np.zeros((4, 3))
    for rows in chunks(len(X)):
        ours.partial_fit(X[rows], y3[rows], classes=[0, 1, 2])
        W = W + 0.002 * Xb[rows].T @ (T[rows] - Xb[rows] @ W)
    np.testing.assert_allclose(ours.weights_, W, rtol=1e-13, atol=1e-15)
    assert ours.t_ == len(chunks(len(X)))
    three = Adaline(learning_rate=0.002, mode="batch")
    for _ in range(3):
        three.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(three.weights_, Adaline(learning_rate=0.002, mode="batch", max_epochs=3).fit(X, y).weights_)


# ---------------------------------------------------------------- both

@pytest.mark.parametrize("Estimator", [Perceptron, Adaline])
def test_partial_fit_refuses_bad_calls_and_leaves_the_weights(Estimator):
    X, y, _ = noisy_data(n=40, seed=7)
    est = Estimator()
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        est.partial_fit(X, y)
    assert not hasattr(est, "weights_")
    est.partial_fit(X, y, classes=[0, 1])
    before = est.weights_.copy()
    with pytest.raises(ValueError, match=r"y contains labels not in classes: \[2\]"):
        est.partial_fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3 features"):
        est.partial_fit(X[:, :2], y)
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        est.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="classes must be a 1-D array of at least 2 class labels"):
        Estimator().partial_fit(X, y, classes=[1])
    with pytest.raises(ValueError, match="1-D array of 40 class labels"):
        est.partial_fit(X, y[:-1])
    np.testing.assert_array_equal(est.weights_, before)
    est.partial_fit(X[:1], y[:1], classes=np.array([1, 0]))  # one sample, one class; classes in any order
    assert est.t_ == 41


@pytest.mark.parametrize("Estimator", [Perceptron, Adaline])
def test_fit_after_partial_fit_starts_afresh(Estimator):
    X, y, y3 = noisy_data(n=60, seed=8)
    est = Estimator(max_epochs=3).partial_fit(X, y3, classes=[0, 1, 2]).partial_fit(X[:5], y3[:5])
    fit_quietly(est, X, y)
    fresh = fit_quietly(Estimator(max_epochs=3), X, y)
    np.testing.assert_array_equal(est.weights_, fresh.weights_)
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert est.t_ == fresh.t_
    est.partial_fit(X, y)  # and goes on from that fit with its classes
    assert est.t_ == fresh.t_ + len(X)


@pytest.mark.parametrize("X, y, fits", [
    ([[0.0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1], [2, 3, 3, 2, 2, 3, 2, 1, 0]),  # AND
    ([[2.0, -2], [2, 2], [1, 2], [3, -3]], [1, 1, 0, 0], [2, 3, 4, 4, 4, 3]),  # not separable
])
def test_perceptron_streamed_samples_with_decimal_rate_make_fits_epochs(X, y, fits):
    # η = 0.1: nets of exactly 0 read ±2.8e-17 in binary. The rounding bound that fit keeps (over all
    # the updates summed into w; |w| alone made [..., 4, 3, 2] of the second) goes on across calls, so a
    # stream of single samples makes fit's mistakes, epoch by epoch, and ends at its weights.
    X, y = np.array(X), np.array(y)
    whole = fit_quietly(Perceptron(learning_rate=0.1, max_epochs=len(fits)), X, y)
    streamed, mistakes = Perceptron(learning_rate=0.1), []
    for _ in whole.mistakes_:
        mistakes.append(sum(streamed.partial_fit(X[i : i + 1], y[i : i + 1], classes=[0, 1]).mistakes_[0]
                            for i in range(len(X))))
    assert mistakes == whole.mistakes_ == fits
    np.testing.assert_allclose(streamed.weights_, whole.weights_, rtol=0, atol=1e-15)
