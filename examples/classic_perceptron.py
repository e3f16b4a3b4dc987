"""Rosenblatt's perceptron on AND, OR and XOR, then the delta rule on AND (seeds 000 and 003)."""

import warnings

import numpy as np

from glassnet.classic import Perceptron, delta_rule

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
for name, y in [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("XOR", [0, 1, 1, 0])]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = Perceptron().fit(X, y)
    print(f"{name}: mistakes per epoch {p.mistakes_}, w = {p.weights_}, converged: {p.converged_}")
    for w in caught:
        print("   ", w.message)

history = delta_rule(X, [0, 0, 0, 1], activation="sigmoid", learning_rate=2.0, epochs=500)
print("\nDelta rule, logistic neuron on AND: E =", np.round(history.errors[[0, 10, 100, 500]], 4))
print("outputs:", np.round(1 / (1 + np.exp(-(history.final_weights[0] + X @ history.final_weights[1:]))), 3))
