"""Textbook reproductions (session 59): Nielsen's network.py / network2.py recipes of docs/lectures.md, the
TorchAdam subclass of docs/pytorch.md (PyTorch's and nnfs's Adam), and the warning for accuracy on −1/+1
labels under a hinge-type loss."""

import warnings

import numpy as np
import pytest

from conftest import doc_block

import glassnet
from glassnet.layers import Dense

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def nielsen_step(w, b, X, Y, eta, cost, lmbda=0.0, n=1):
    """Nielsen's update_mini_batch, vectorised: weights (n_out, n_in), biases (n_out, 1), samples as columns."""
    activations, zs = [X.T], []
    for W, B in zip(w, b):
        zs.append(W @ activations[-1] + B)
        activations.append(sigmoid(zs[-1]))
    a = activations[-1]
    delta = (a - Y.T) * a * (1 - a) if cost == "quadratic" else a - Y.T  # cross-entropy: δ = a − y
    nabla_w, nabla_b = [None] * len(w), [None] * len(b)
    for layer in range(len(w) - 1, -1, -1):
        nabla_w[layer], nabla_b[layer] = delta @ activations[layer].T, delta.sum(axis=1, keepdims=True)
        if layer:
            delta = (w[layer].T @ delta) * activations[layer] * (1 - activations[layer])
    m = X.shape[0]
    return ([(1 - eta * lmbda / n) * W - eta / m * g for W, g in zip(w, nabla_w)],
            [B - eta / m * g for B, g in zip(b, nabla_b)])


def as_nielsen(weights):
    return [W.T for W in weights[0::2]], [B[:, None] for B in weights[1::2]]


def test_nielsen_recipes_take_nielsens_first_mini_batch_step():
    recipes = doc_block("lectures.md", "def network2_py")
    rng = np.random.default_rng(0)
    X, Y = rng.random((10, 784)), np.eye(10)[rng.integers(0, 10, 10)]
    eta, lmbda, n = 0.5, 5.0, 200
    built = {"network.py": (recipes["network_py"]([784, 30, 10], 3.0, seed=0, dtype="float64"),
                            dict(eta=3.0, cost="quadratic")),
             "network2.py": (recipes["network2_py"]([784, 30, 10], eta, lmbda, n, seed=0, dtype="float64"),
                             dict(eta=eta, cost="cross-entropy", lmbda=lmbda, n=n))}
    for name, (model, book) in built.items():
        w, b = nielsen_step(*as_nielsen(model.get_weights()), X, Y, **book)
        model.train_on_batch(X, Y)
        got_w, got_b = as_nielsen(model.get_weights())
        assert max(np.abs(u - v).max() for u, v in zip(got_w + got_b, w + b)) < 1e-12, name
    # the other spelling of the summed cross-entropy: SGD(K·η) with the penalty divided by K too; with L2(λ/(2n))
    # alone (what "SGD(K·η)" read without a penalty leads to) the decay is K times too strong
    start = built["network2.py"][0]
    for l2, equal in ((lmbda / (2 * n * 10), True), (lmbda / (2 * n), False)):
        model = recipes["network2_py"]([784, 30, 10], 10 * eta, lmbda, n, seed=0, dtype="float64")
        for layer in model.layers:
            layer.kernel_regularizer = glassnet.regularizers.L2(l2)
        model.compile(optimizer=glassnet.optimizers.SGD(10 * eta), loss="binary_crossentropy")
        model.set_weights(start.get_weights())
        w, b = nielsen_step(*as_nielsen(model.get_weights()), X, Y, eta, "cross-entropy", lmbda, n)
        model.train_on_batch(X, Y)
        gap = max(np.abs(u - v).max() for u, v in zip(sum(as_nielsen(model.get_weights()), []), w + b))
        assert (gap < 1e-12) == equal, (l2, gap)


def test_nielsen_recipes_draw_the_books_initial_weights():
    recipes = doc_block("lectures.md", "def network2_py")
    one = recipes["network_py"]([784, 30, 10], 3.0, seed=1).get_weights()
    two = recipes["network2_py"]([784, 30, 10], 0.5, 5.0, 50_000, seed=1).get_weights()
    assert np.std(one[0]) == pytest.approx(1.0, abs=0.03) and np.std(one[2]) == pytest.approx(1.0, abs=0.2)
    assert np.std(np.concatenate([one[1], one[3], two[1], two[3]])) == pytest.approx(1.0, abs=0.3)  # N(0, 1) biases
    assert np.std(two[0]) * np.sqrt(784) == pytest.approx(1.0, abs=0.03)  # N(0, 1/n_in)
    assert np.std(two[2]) * np.sqrt(30) == pytest.approx(1.0, abs=0.2)
    model = recipes["model"]
    assert [layer.bias_regularizer for layer in model.layers] == [None, None]
    assert [layer.kernel_regularizer.l2 for layer in model.layers] == [5.0 / 100_000] * 2


def spiral(samples, classes, rng):
    """nnfs's spiral_data, with a generator of its own."""
    X, y = np.zeros((samples * classes, 2)), np.repeat(np.arange(classes), samples)
    for c in range(classes):
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + rng.normal(size=samples) * 0.2
        X[c * samples:(c + 1) * samples] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
    return X, y


def nnfs_adam_run(P, X, y, steps, lr0=0.05, decay=5e-7, eps=1e-7, beta_1=0.9, beta_2=0.999):
    """nnfs ch. 10, full batch: ReLU, softmax with the categorical cross-entropy's fused δ, its Adam with decay."""
    P = [p.copy() for p in P]
    m, v = [np.zeros_like(p) for p in P], [np.zeros_like(p) for p in P]
    for it in range(steps):
        W1, b1, W2, b2 = P
        z1 = X @ W1 + b1
        a1 = np.maximum(0, z1)
        z2 = a1 @ W2 + b2
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        d = e / e.sum(axis=1, keepdims=True)
        d[range(len(y)), y] -= 1
        d /= len(y)
        da1 = d @ W2.T
        da1[z1 <= 0] = 0
        grads = [X.T @ da1, da1.sum(0), a1.T @ d, d.sum(0)]
        lr = lr0 / (1 + decay * it)
        for k, (p, g) in enumerate(zip(P, grads)):
            m[k] = beta_1 * m[k] + (1 - beta_1) * g
            v[k] = beta_2 * v[k] + (1 - beta_2) * g ** 2
            p -= lr * (m[k] / (1 - beta_1 ** (it + 1))) / (np.sqrt(v[k] / (1 - beta_2 ** (it + 1))) + eps)
    return P


def test_torch_adam_of_the_docs_takes_nnfs_adam_steps():
    TorchAdam = doc_block("pytorch.md", "class TorchAdam")["TorchAdam"]
    rng = np.random.default_rng(0)
    X, y = spiral(30, 3, rng)
    P = [0.01 * rng.normal(size=(2, 16)), np.zeros(16), 0.01 * rng.normal(size=(16, 3)), np.zeros(3)]
    book = nnfs_adam_run(P, X, y, 10)
    gaps = {}
    for name, cls in (("TorchAdam", TorchAdam), ("Adam", glassnet.optimizers.Adam)):
        model = glassnet.Sequential([glassnet.Input((2,)), Dense(16, "relu"), Dense(3, "softmax")], dtype="float64")
        schedule = glassnet.optimizers.schedules.InverseTimeDecay(0.05, decay_steps=1, decay_rate=5e-7)
        model.compile(optimizer=cls(schedule, epsilon=1e-7), loss="sparse_categorical_crossentropy")
        model.set_weights(P)
        model.fit(X, y, epochs=10, batch_size=len(X), shuffle=False, verbose=0)
        gaps[name] = max(np.abs(u - v).max() for u, v in zip(model.get_weights(), book))
    assert gaps["TorchAdam"] < 1e-12 and gaps["Adam"] > 1e-3, gaps  # (Keras's ε placement: the docs' gap)


def test_torch_adam_of_the_docs_equals_torch_optim_adam():
    torch = pytest.importorskip("torch")
    TorchAdam = doc_block("pytorch.md", "class TorchAdam")["TorchAdam"]
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 3, 32)
    start = [0.01 * rng.normal(size=(4, 8)), np.zeros(8), 0.01 * rng.normal(size=(8, 3)), np.zeros(3)]
    net = torch.nn.Sequential(torch.nn.Linear(4, 8, dtype=torch.float64), torch.nn.Tanh(),
                              torch.nn.Linear(8, 3, dtype=torch.float64))
    with torch.no_grad():
        for linear, W, b in ((net[0], start[0], start[1]), (net[2], start[2], start[3])):
            linear.weight.copy_(torch.tensor(W.T))
            linear.bias.copy_(torch.tensor(b))
    optimizer = torch.optim.Adam(net.parameters(), 0.01, eps=1e-8)
    for _ in range(10):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.tensor(X)), torch.tensor(y)).backward()
        optimizer.step()
    theirs = [p.detach().numpy().T if p.ndim == 2 else p.detach().numpy() for p in net.parameters()]
    gaps = {}
    for name, cls in (("TorchAdam", TorchAdam), ("Adam", glassnet.optimizers.Adam)):
        model = glassnet.Sequential([glassnet.Input((4,)), Dense(8, "tanh"), Dense(3)], dtype="float64")
        model.compile(optimizer=cls(0.01, epsilon=1e-8),
                      loss=glassnet.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.set_weights(start)
        model.fit(X, y, epochs=10, batch_size=32, shuffle=False, verbose=0)
        gaps[name] = max(np.abs(u - v).max() for u, v in zip(model.get_weights(), theirs))
    assert gaps["TorchAdam"] < 1e-12 and gaps["Adam"] > 1e-6, gaps


def test_the_decay_hint_of_adam_points_nnfs_readers_at_torch_adam():
    for cls in (glassnet.optimizers.Adam, glassnet.optimizers.AdamW):
        with pytest.raises(TypeError, match=r"decay_rate=5e-07\) \(nnfs's and PyTorch's Adam add ε outside √v̂, "
                                            r"unlike Keras's: docs/pytorch.md's TorchAdam steps as theirs\)\.$"):
            cls(0.05, decay=5e-7)
    with pytest.raises(TypeError) as caught:  # SGD's hint stays the schedule alone
        glassnet.optimizers.SGD(1.0, decay=1e-3)
    assert str(caught.value).endswith("decay_rate=0.001).") and "TorchAdam" not in str(caught.value)


def signed_label_warnings(loss, y, metrics=("accuracy",)):
    """The warnings of one fit (5 epochs of 5 batches), one evaluate and one train_on_batch about -1 labels, and
    evaluate's accuracy."""
    X = np.random.default_rng(0).normal(size=(40, 2))
    model = glassnet.Sequential([glassnet.Input((2,)), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss=loss, metrics=list(metrics))
    counts = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for call in (lambda: model.fit(X, y, epochs=5, batch_size=8, verbose=0),
                     lambda: model.evaluate(X, y, verbose=0), lambda: model.train_on_batch(X[:8], y[:8])):
            before = len(caught)
            call()
            counts.append(sum("-1 labels" in str(w.message) for w in caught[before:]))
        score = model.evaluate(X, y, verbose=0, return_dict=True)[metrics[0]]
    return counts, score, model.predict(X, verbose=0)[:, 0]


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_accuracy_on_minus_one_labels_under_a_hinge_loss_warns_once_per_call(loss):
    y01 = (np.random.default_rng(0).normal(size=(40, 2))[:, 0] > 0).astype(float)
    for metric in ("accuracy", "binary_accuracy"):
        counts, score, outputs = signed_label_warnings(loss, 2 * y01 - 1, (metric,))
        assert counts == [1, 1, 1]
        # unchanged: BinaryAccuracy's threshold 0.5, as Keras's, and a -1 never counts
        assert score == pytest.approx(np.mean((y01 == 1) & (outputs > 0.5)))
        counts, score, outputs = signed_label_warnings(loss, y01, (metric,))
        assert counts == [0, 0, 0] and score == pytest.approx(np.mean((outputs > 0.5) == y01))


def test_minus_one_labels_are_not_warned_of_without_a_hinge_loss_or_a_binary_accuracy():
    y = 2 * (np.random.default_rng(0).normal(size=(40, 2))[:, 0] > 0) - 1.0
    assert signed_label_warnings("mse", y, ("binary_accuracy",))[0] == [0, 0, 0]
    assert signed_label_warnings("hinge", y, ("mae",))[0] == [0, 0, 0]
