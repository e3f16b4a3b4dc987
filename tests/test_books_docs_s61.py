"""Session 61: docs/books.md's recipes for the practitioners' books, run and checked against NumPy transcriptions
of the books' own code (Raschka's Perceptron, AdalineGD and NeuralNetMLP, as printed in ch. 2 and 11)."""

import numpy as np
import pytest

import glassnet
from glassnet.datasets import load_mnist

from conftest import doc_block


class _RaschkaPerceptron:
    """Raschka ch. 2, as printed: 0/1 targets, w ~ N(0, 0.01) from RandomState(1), b = 0, n_iter full epochs."""

    def __init__(self, eta, n_iter, random_state=1):
        self.eta, self.n_iter, self.random_state = eta, n_iter, random_state

    def fit(self, X, y):
        self.w_ = np.random.RandomState(self.random_state).normal(loc=0.0, scale=0.01, size=X.shape[1])
        self.b_ = np.float64(0.0)
        self.errors_ = []
        for _ in range(self.n_iter):
            errors = 0
            for xi, target in zip(X, y):
                update = self.eta * (target - np.where(np.dot(xi, self.w_) + self.b_ >= 0.0, 1, 0))
                self.w_ += update * xi
                self.b_ += update
                errors += int(update != 0.0)
            self.errors_.append(errors)
        return self


class _RaschkaAdalineGD:
    """Raschka ch. 2, as printed: full-batch gradient descent on mean(e²), the loss taken before each update."""

    def __init__(self, eta, n_iter, random_state=1):
        self.eta, self.n_iter, self.random_state = eta, n_iter, random_state

    def fit(self, X, y):
        self.w_ = np.random.RandomState(self.random_state).normal(loc=0.0, scale=0.01, size=X.shape[1])
        self.b_ = np.float64(0.0)
        self.losses_ = []
        for _ in range(self.n_iter):
            errors = y - (np.dot(X, self.w_) + self.b_)
            self.w_ += self.eta * 2.0 * X.T.dot(errors) / X.shape[0]
            self.b_ += self.eta * 2.0 * errors.mean()
            self.losses_.append((errors ** 2).mean())
        return self


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class _RaschkaMLP:
    """Raschka ch. 11's NeuralNetMLP, forward and backward as printed."""

    def __init__(self, num_features, num_hidden, num_classes, random_seed=123):
        self.num_classes = num_classes
        rng = np.random.RandomState(random_seed)
        self.weight_h = rng.normal(loc=0.0, scale=0.1, size=(num_hidden, num_features))
        self.bias_h = np.zeros(num_hidden)
        self.weight_out = rng.normal(loc=0.0, scale=0.1, size=(num_classes, num_hidden))
        self.bias_out = np.zeros(num_classes)

    def forward(self, x):
        a_h = _sigmoid(np.dot(x, self.weight_h.T) + self.bias_h)
        return a_h, _sigmoid(np.dot(a_h, self.weight_out.T) + self.bias_out)

    def backward(self, x, a_h, a_out, y):
        y_onehot = np.eye(self.num_classes)[y]
        delta_out = 2.0 * (a_out - y_onehot) / y.shape[0] * a_out * (1.0 - a_out)
        delta_h = np.dot(delta_out, self.weight_out) * a_h * (1.0 - a_h)
        return np.dot(delta_out.T, a_h), delta_out.sum(axis=0), np.dot(delta_h.T, x), delta_h.sum(axis=0)


def _minibatches(X, y, size):
    indices = np.arange(X.shape[0])
    np.random.shuffle(indices)
    for start in range(0, indices.shape[0] - size + 1, size):
        yield X[indices[start:start + size]], y[indices[start:start + size]]


def _mse_and_acc(nnet, X, y, size=100):
    mse, correct, count = 0.0, 0, 0
    for i, (features, targets) in enumerate(_minibatches(X, y, size)):
        probas = nnet.forward(features)[1]
        mse += np.mean((np.eye(10)[targets] - probas) ** 2)
        correct += (np.argmax(probas, axis=1) == targets).sum()
        count += targets.shape[0]
    return mse / (i + 1), correct / count


def _train(model, X_train, y_train, X_valid, y_valid, num_epochs, learning_rate=0.1, size=100):
    hist = []
    for _ in range(num_epochs):
        for x, y in _minibatches(X_train, y_train, size):
            a_h, a_out = model.forward(x)
            dwo, dbo, dwh, dbh = model.backward(x, a_h, a_out, y)
            model.weight_h -= learning_rate * dwh
            model.bias_h -= learning_rate * dbh
            model.weight_out -= learning_rate * dwo
            model.bias_out -= learning_rate * dbo
        hist.append((*_mse_and_acc(model, X_train, y_train), _mse_and_acc(model, X_valid, y_valid)[1]))
    return hist


@pytest.fixture(scope="module")
def chapter2():
    pytest.importorskip("sklearn")
    return doc_block("books.md", "errors_ = h.updates")


def test_raschka_perceptron_errors_are_perceptron_rule_updates(chapter2):
    from sklearn.datasets import load_iris

    iris = load_iris()
    X, y = iris.data[:100][:, [0, 2]], iris.target[:100].astype(float)
    ref = _RaschkaPerceptron(eta=0.1, n_iter=10).fit(X, y)
    assert ref.errors_ == [2, 2, 3, 2, 1, 0, 0, 0, 0, 0]  # the book's figure
    assert list(chapter2["errors_"]) == ref.errors_
    np.testing.assert_array_equal(chapter2["w_"], ref.w_)
    assert chapter2["b_"] == ref.b_


def test_raschka_adaline_losses_are_delta_rule_errors_rescaled(chapter2):
    ref = _RaschkaAdalineGD(eta=0.0001, n_iter=10).fit(chapter2["X"], chapter2["y"])
    assert len(chapter2["losses_"]) == 10
    np.testing.assert_allclose(chapter2["losses_"], ref.losses_, rtol=1e-13)
    np.testing.assert_allclose(chapter2["adaline_w_"], ref.w_, rtol=1e-13)
    np.testing.assert_allclose(chapter2["adaline_b_"], ref.b_, rtol=1e-13)


def test_raschka_mlp_recipe_is_his_network_on_mnist(mnist_dir):
    recipe = doc_block("books.md", "def raschka_mlp")
    (x, labels), _ = load_mnist(mnist_dir, as_uint8=True, progress=False)
    X = ((x[:6000] / 255.0) - 0.5) * 2  # his scaling, float64
    y = labels[:6000].astype(int)
    X_train, y_train, X_valid, y_valid = X[:5000], y[:5000], X[5000:], y[5000:]
    ref = _RaschkaMLP(784, 50, 10)
    np.random.seed(123)
    ref_hist = _train(ref, X_train, y_train, X_valid, y_valid, num_epochs=2)
    model = recipe["raschka_mlp"](784, 50, 10)
    np.random.seed(123)
    hist = recipe["train"](model, X_train, y_train, X_valid, y_valid, num_epochs=2)
    np.testing.assert_allclose(hist, ref_hist, rtol=1e-12, atol=1e-15)
    literal = recipe["raschka_mlp"](784, 50, 10, learning_rate=0.01)  # SGD(0.1), his number ported as it reads
    np.random.seed(123)
    slow = recipe["train"](literal, X_train, y_train, X_valid, y_valid, num_epochs=2)
    assert slow[-1][2] < ref_hist[-1][2] - 0.1  # the literal port learns about 10 times slower
    for ours, his in zip(model.get_weights(), [ref.weight_h.T, ref.bias_h, ref.weight_out.T, ref.bias_out]):
        np.testing.assert_allclose(ours, his, rtol=0, atol=1e-12)


def test_geron_wide_and_deep_layer_is_the_concatenation():
    pytest.importorskip("sklearn")
    names = doc_block("books.md", "class WideAndDeep")
    model, X = names["model"], names["X"][:5]
    normalized = model.layers[0](X)
    w1, b1, w2, b2 = model.layers[1].get_weights()
    hidden2 = np.maximum(np.maximum(normalized @ w1 + b1, 0) @ w2 + b2, 0)  # Géron's hidden1, hidden2
    np.testing.assert_allclose(model.layers[1](normalized), np.hstack([normalized, hidden2]), rtol=1e-6)
    kernel, bias = model.layers[2].get_weights()
    np.testing.assert_allclose(model.predict(X, verbose=0), np.hstack([normalized, hidden2]) @ kernel + bias,
                               rtol=1e-5, atol=1e-6)
    assert glassnet.check_gradients(model, X, names["y"][:5]).max_error < 1e-6
