"""Karpathy's "Zero to Hero" makemore parts 3 and 4 in glassnet (session 60): diagnose's share of tanh activations
in the tails and its initial-loss check (part 3's two lessons), and the docs' Bessel batch-norm layer (part 4)."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import initializers as I
from glassnet import layers as L
from glassnet.diagnostics import Diagnostics, DiagnosticWarning, diagnose
from glassnet.models import Sequential
from conftest import quiet_diagnose

DOCS = Path(__file__).resolve().parents[1] / "docs"


def makemore(w1=1.0, w2=1.0, seed=1):
    """Part 3's MLP: an N(0, 1) embedding of 27 characters, 3 of them as context, 200 tanh units, 27 logits; the
    "bad init" draws both kernels from N(0, 1), the fix scales them to (5/3)/√30 and 0.01."""
    model = Sequential([L.Input((3,), dtype="int64"), L.Embedding(27, 10, embeddings_initializer=I.RandomNormal(stddev=1.0)),
                        L.Flatten(), L.Dense(200, "tanh", kernel_initializer=I.RandomNormal(stddev=w1),
                                             bias_initializer=I.RandomNormal(stddev=0.01)),
                        L.Dense(27, kernel_initializer=I.RandomNormal(stddev=w2))], dtype="float64", seed=seed)
    model.compile(optimizer=glassnet.optimizers.SGD(0.1),
                  loss=glassnet.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def contexts(n=512, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 27, size=(n, 3)), rng.integers(0, 27, size=n)


def test_the_share_of_activations_in_the_tails_is_counted_by_hand_and_the_bad_init_is_flagged():
    X, y = contexts()
    model = makemore()
    with pytest.warns(DiagnosticWarning) as record:
        diagnosis = diagnose(model, X, y)
    C, W1, b1, W2, b2 = model.get_weights()
    H = np.tanh(C[X].reshape(len(X), 30) @ W1 + b1)
    tails = np.abs(H) >= 0.98  # within 1% of tanh's range (2) from a bound
    dense = diagnosis.layers[2]
    assert dense.tail_fraction == pytest.approx(tails.mean(), abs=1e-12) and 0.6 < dense.tail_fraction < 0.75
    assert dense.saturated_fraction == np.all(tails, axis=0).mean() == 0.0  # no "dead neuron": all units saw some z
    found = dict(diagnosis.problems)
    assert f"{100 * tails.mean():.0f}% of the tanh activations of layer 'dense' are in the tails" in found["saturated"]
    assert any("in the tails" in str(w.message) for w in record)
    table = str(diagnosis)
    assert "saturated units" in table and "a in tails" in table and f"{100 * tails.mean():.0f}%" in table
    assert diagnosis.to_dict()["layers"][2]["tail_fraction"] == dense.tail_fraction


def test_karpathys_fixed_init_and_glorot_are_not_flagged():
    X, y = contexts()
    for w1, w2 in (((5 / 3) / math.sqrt(30), 0.01), (0.2, 0.01)):  # kaiming_normal_'s tanh gain; "W1 * 0.2"
        diagnosis = quiet_diagnose(makemore(w1, w2), X, y)
        assert diagnosis.layers[2].tail_fraction < 0.2 and diagnosis.problems == []


def test_the_tails_are_read_before_training_only():
    # trained nets that fit make sharp features: the 2-4-1 XOR net has 25-38% of its tanh activations in the tails
    X, y = contexts()
    model = makemore()
    model.train_on_batch(X[:32], y[:32])
    diagnosis = quiet_diagnose(model, X, y)
    assert diagnosis.layers[2].tail_fraction > 0.5 and "saturated" not in dict(diagnosis.problems)


def test_the_callback_flags_the_start_before_the_first_step():
    X, y = contexts()
    callback = Diagnostics(X[:256], y[:256])
    with pytest.warns(DiagnosticWarning) as record:
        history = makemore().fit(X, y, batch_size=32, epochs=1, verbose=0, callbacks=[callback])
    messages = [str(w.message) for w in record]
    assert any("in the tails before training" in m for m in messages)
    assert any("The loss before training is" in m for m in messages)
    assert [(epoch, kind) for epoch, kind, _ in callback.problems][:2] == [(0, "saturated"), (0, "initial_loss")]
    assert len(history.history["in_tails/dense"]) == 1


def test_an_initial_loss_far_above_chance_is_flagged_with_its_figure_and_chance():
    X, y = contexts()
    model = makemore()
    diagnosis = quiet_diagnose(model, X, y)
    C, W1, b1, W2, b2 = model.get_weights()
    Z = np.tanh(C[X].reshape(len(X), 30) @ W1 + b1) @ W2 + b2
    Z -= Z.max(axis=1, keepdims=True)
    loss = float(np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y]))  # cross-entropy by hand
    assert diagnosis.loss == pytest.approx(loss, rel=1e-12) and loss > 2 * math.log(27)
    message = dict(diagnosis.problems)["initial_loss"]
    assert f"{loss:.4g}" in message and f"{math.log(27):.4g} = −log(1/27)" in message
    assert "RandomNormal(stddev=0.01)" in message


def test_a_binary_start_far_above_log_2_is_flagged():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(256, 2)), rng.integers(0, 2, size=256)
    model = Sequential([L.Input((2,)), L.Dense(8, "tanh"),
                        L.Dense(1, "sigmoid", kernel_initializer=I.RandomNormal(stddev=10.0))], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    diagnosis = quiet_diagnose(model, X, y)
    assert diagnosis.loss > 2 * math.log(2) and "0.6931 = −log(1/2)" in dict(diagnosis.problems)["initial_loss"]
    model.train_on_batch(X, y)  # after a step it is a loss curve's matter, no longer the start's
    assert "initial_loss" not in dict(quiet_diagnose(model, X, y).problems)


@pytest.mark.parametrize("seed", range(4))
def test_default_initialised_models_start_well_below_twice_chance(seed):
    # glassnet's Glorot default: the start's loss is 0.98 to 1.31 times log k (seeds 0-9, MNIST 784-128-10 on x/255
    # and standardized pixels, the 27-class MLP above with the default initialisers, a 2-8-1 sigmoid net): no warning
    rng = np.random.default_rng(seed)
    X784 = rng.normal(size=(256, 784))
    X2, y2 = rng.normal(size=(256, 2)), rng.integers(0, 2, size=256)
    Xc, yc = contexts(seed=seed)
    cases = [
        ([L.Input((784,)), L.Dense(128, "tanh"), L.Dense(10, "softmax")], X784, rng.integers(0, 10, 256),
         "sparse_categorical_crossentropy", 10),
        ([L.Input((784,)), L.Dense(128, "relu"), L.Dense(10)], X784, rng.integers(0, 10, 256),
         glassnet.losses.SparseCategoricalCrossentropy(from_logits=True), 10),
        ([L.Input((2,)), L.Dense(8, "sigmoid"), L.Dense(1, "sigmoid")], X2, y2, "binary_crossentropy", 2),
        ([L.Input((3,), dtype="int64"), L.Embedding(27, 10), L.Flatten(), L.Dense(200, "tanh"), L.Dense(27)], Xc, yc,
         glassnet.losses.SparseCategoricalCrossentropy(from_logits=True), 27),
    ]
    for layers, X, y, loss, k in cases:
        model = Sequential(layers, seed=seed)
        model.compile(optimizer="adam", loss=loss)
        diagnosis = quiet_diagnose(model, X, y)
        assert diagnosis.loss < 1.5 * math.log(k) and diagnosis.problems == [], (k, diagnosis.loss)


def bessel_layer():
    """The docs' BatchNormBessel (docs/lectures.md), run from its page."""
    text = (DOCS / "lectures.md").read_text()
    code = next(block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "class BatchNormBessel" in block)
    scope = {}
    exec(code, scope)  # noqa: S102 (the page's own example)
    return scope["BatchNormBessel"]


def test_the_docs_bessel_batch_norm_layer_is_the_n_minus_1_formula_and_its_gradient_checks():
    BatchNormBessel = bessel_layer()
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 6)), rng.integers(0, 3, size=32)
    model = Sequential([L.Input((6,)), L.Dense(5, use_bias=False), BatchNormBessel(), L.Activation("tanh"),
                        L.Dense(3)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss=glassnet.losses.SparseCategoricalCrossentropy(from_logits=True))
    W, gain, bias, mean, var, W2, b2 = model.get_weights()
    gain, bias = rng.normal(size=5), rng.normal(size=5)
    model.set_weights([W, gain, bias, mean, var, W2, b2])
    Z = X @ W
    expected = gain * (Z - Z.mean(0)) / np.sqrt(Z.var(0, ddof=1) + 1e-5) + bias  # Bessel's n - 1 in training
    out = model.layers[1](Z, training=True)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert not np.allclose(out, gain * (Z - Z.mean(0)) / np.sqrt(Z.var(0) + 1e-5) + bias, rtol=1e-6)
    inference = gain * (Z - mean) / np.sqrt(var + 1e-5) + bias  # the running statistics (0 and 1 at the start)
    model.set_weights([W, gain, bias, mean, var, W2, b2])
    np.testing.assert_allclose(model.layers[1](Z), inference, rtol=1e-12)
    result = glassnet.check_gradients(model, X, y)
    assert result.max_error < 1e-6, result.errors


def test_check_gradients_flags_the_bessel_backward_without_its_factor():
    BatchNormBessel = bessel_layer()

    class Forgotten(BatchNormBessel):  # a student's backward: the biased variance's formula for the n - 1 forward
        def backward(self, d):
            n, r = d.shape[0], self.bnraw
            self.grads["bngain"][...] = (r * d).sum(0)
            self.grads["bnbias"][...] = d.sum(0)
            return self.params["bngain"] * self.bnvar_inv / n * (n * d - d.sum(0) - r * (d * r).sum(0))

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 6)), rng.integers(0, 3, size=32)
    errors = []
    for layer in (BatchNormBessel(), Forgotten()):
        model = Sequential([L.Input((6,)), L.Dense(5, use_bias=False), layer, L.Activation("tanh"), L.Dense(3)],
                           dtype="float64", seed=0)
        model.compile(optimizer="sgd", loss=glassnet.losses.SparseCategoricalCrossentropy(from_logits=True))
        errors.append(glassnet.check_gradients(model, X, y).errors["dense/W"])
    assert errors[0] < 1e-7 < 1e-4 < errors[1]
