"""Benchmark worker: a plain NumPy training loop, the issue's reference point.

What one would write by hand in an afternoon: float32, per-layer arrays, a
gathered copy of each shuffled batch, softmax with cross-entropy (gradient
``(P - Y) / n``), Adam or SGD. No dropout (M1 trains without it), no input
checks, no callbacks. Glorot-uniform weights and zero biases, as Keras.
"""

import time

from _common import (ADAM, CONFIGS, EpochClock, glassnet_version, load_data, one_hot, parse_args,
                     peak_rss_mb, pin_threads, report, xor_data, xor_weights)

args = parse_args("numpy")
pin_threads(args.threads)

import numpy as np  # noqa: E402


def glorot(rng, n_in, n_out):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32)


class PlainMLP:
    """Dense layers ``Z = A @ W + b``; ReLU or sigmoid hidden units; softmax + CE or sigmoid + MSE output."""

    def __init__(self, sizes, hidden, output, optimizer, learning_rate, rng):
        self.W = [glorot(rng, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(n, dtype=np.float32) for n in sizes[1:]]
        self.hidden, self.output = hidden, output
        self.optimizer, self.learning_rate = optimizer, learning_rate
        self.params = self.W + self.b
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def forward(self, X):
        self.A = [X]
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            Z = self.A[-1] @ W + b
            last = l == len(self.W) - 1
            if last and self.output == "softmax":
                Z -= Z.max(axis=1, keepdims=True)
                E = np.exp(Z)
                A = E / E.sum(axis=1, keepdims=True)
            elif self.hidden == "relu" and not last:
                A = np.maximum(Z, 0)
            else:
                A = 1 / (1 + np.exp(-Z))
            self.A.append(A)
        return self.A[-1]

    def backward(self, Y):
        n, A = Y.shape[0], self.A[-1]
        if self.output == "softmax":
            delta = (A - Y) / n
        else:  # sigmoid output, mean squared error
            delta = 2 * (A - Y) / Y.size * A * (1 - A)
        dW, db = [None] * len(self.W), [None] * len(self.W)
        for l in range(len(self.W) - 1, -1, -1):
            dW[l] = self.A[l].T @ delta
            db[l] = delta.sum(axis=0)
            if l:
                A_prev = self.A[l]
                dA = delta @ self.W[l].T
                delta = dA * (A_prev > 0) if self.hidden == "relu" else dA * A_prev * (1 - A_prev)
        return dW + db

    def step(self, grads):
        lr = self.learning_rate
        if self.optimizer == "sgd":
            for p, g in zip(self.params, grads):
                p -= lr * g
            return
        self.t += 1
        b1, b2, eps = ADAM["beta_1"], ADAM["beta_2"], ADAM["epsilon"]
        lr_t = lr * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (1 - b1) * (g - m)
            v += (1 - b2) * (g * g - v)
            p -= lr_t * m / (np.sqrt(v) + eps)


def main():
    cfg = CONFIGS[args.config]
    rng = np.random.default_rng(args.seed)
    versions = {"glassnet": glassnet_version()}
    if args.config == "M0":
        X, y = xor_data()
        net = PlainMLP((2, *cfg["hidden"], 1), "sigmoid", "sigmoid", cfg["optimizer"], cfg["learning_rate"], rng)
        W1, b1, W2, b2 = xor_weights(args.seed)  # the same start in every library
        net.W[0][...], net.b[0][...], net.W[1][...], net.b[1][...] = W1, b1, W2, b2
        t = time.perf_counter()
        for _ in range(args.epochs):
            order = rng.permutation(4)
            net.forward(X[order])
            net.step(net.backward(y[order]))
        fit_seconds = time.perf_counter() - t
        accuracy = np.mean((net.forward(X) > 0.5) == y)
        report("numpy", args, versions, fit_seconds, final_accuracy=accuracy)
        return
    x_train, y_train, x_test, y_test = load_data(args)
    data_rss = peak_rss_mb()
    Y_train = one_hot(y_train)
    n, batch_size = x_train.shape[0], cfg["batch_size"]
    net = PlainMLP((x_train.shape[1], *cfg["hidden"], 10), cfg["activation"], "softmax", cfg["optimizer"],
                   cfg["learning_rate"], rng)
    clock = EpochClock()
    t = time.perf_counter()
    for _ in range(args.epochs):
        clock.start()
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            net.forward(x_train[idx])
            net.step(net.backward(Y_train[idx]))
        clock.stop(lambda: np.mean(net.forward(x_test).argmax(axis=1) == y_test))
    fit_seconds = time.perf_counter() - t
    report("numpy", args, versions, fit_seconds, clock=clock, data_rss_mb=data_rss,
           notes="no dropout" if cfg["dropout"] else "")


main()
