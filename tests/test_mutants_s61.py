"""Direct tests for formula lines that session 61's mutation testing found unguarded or guarded only
slowly or only by the Keras and torch parity files: softmax's β in the fused cross-entropy δ, Huber's δ,
batch normalization in training mode (its backward and its moving statistics), dropout's mask, and a
list of thresholds' strict ``>``. References: central differences, NumPy transcriptions and numbers
worked by hand (no torch or Keras)."""

import numpy as np
import pytest
from test_properties_layers import _central_differences as _central  # ∂f/∂x, entry by entry

from glassnet import activations, losses, metrics
from glassnet.layers import BatchNormalization, Dense, Dropout
from glassnet.models import Sequential
from glassnet.trace import trace


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "sparse_categorical_crossentropy"])
def test_a_softmax_of_inverse_temperature_2_with_cross_entropy_has_the_gradient_of_its_loss(loss):
    # J = −mean_i log softmax(β z_i)_{c_i}, z = XW + b, β = 2, in NumPy: the fused δ is β (a − y) / n
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(8, 4)), rng.integers(0, 3, 8)
    Y = np.eye(3)[labels]
    model = Sequential([Dense(3, activation=activations.Softmax(beta=2.0), input_dim=4)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss=loss)
    model.build()
    W, b = (np.array(w, dtype=np.float64) for w in model.get_weights())

    def J():
        Z = 2.0 * (X @ W + b)
        Z -= Z.max(axis=1, keepdims=True)
        log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        return -np.mean(log_p[np.arange(8), labels])

    dW, db = model.gradients(X, Y if loss.startswith("categorical") else labels)
    np.testing.assert_allclose(dW, _central(J, W), rtol=0, atol=1e-6)
    np.testing.assert_allclose(db, _central(J, b), rtol=0, atol=1e-6)
    assert np.abs(db).max() > 0.05  # (a gradient worth comparing)


def test_the_trace_shows_and_computes_beta_times_a_minus_y_for_a_softmax_of_beta_2():
    model = Sequential([Dense(2, activation=activations.Softmax(beta=2.0), input_dim=2)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    out = trace(model, [0.5, -0.2], [0.0, 1.0]).layers[0]
    assert out.delta_rule == "2 (a^(2) − y) (softmax + categorical_crossentropy)"
    np.testing.assert_allclose(out.delta[0], 2 * (out.a[0] - np.array([0.0, 1.0])), rtol=1e-12)


def test_huber_with_delta_one_half_by_hand():
    huber = losses.Huber(delta=0.5)
    np.testing.assert_allclose(huber(np.array([[0.0]]), np.array([[3.0]])), 1.375, rtol=1e-12)  # float64 in and out
    # e = 3 > δ: δ (|e| − δ/2) = 0.5 · 2.75 = 1.375; ∂J/∂ŷ = clip(3, −0.5, 0.5) = 0.5
    assert huber([[0.0]], [[3.0]]) == pytest.approx(1.375, rel=1e-12)
    np.testing.assert_allclose(huber.gradient(np.array([[0.0]]), np.array([[3.0]])), [[0.5]], rtol=1e-12)
    # e = −0.3, inside δ: ½ e² = 0.045; ∂J/∂ŷ = −0.3
    assert huber([[0.3]], [[0.0]]) == pytest.approx(0.045, rel=1e-7)  # (lists: in float32, Keras's floatx)
    np.testing.assert_allclose(huber.gradient(np.array([[0.3]]), np.array([[0.0]])), [[-0.3]], rtol=1e-12)
    # two outputs, mean over K = 2: e = (−2, 0.25): (0.5 · 1.75 + 0.5 · 0.0625) / 2 = 0.453125; (−0.5, 0.25) / 2
    assert huber([[2.0, 0.0]], [[0.0, 0.25]]) == pytest.approx(0.453125, rel=1e-7)
    np.testing.assert_allclose(huber.gradient(np.array([[2.0, 0.0]]), np.array([[0.0, 0.25]])),
                               [[-0.25, 0.125]], rtol=1e-12)


def test_huber_with_delta_one_half_has_the_gradient_of_its_value():
    rng = np.random.default_rng(1)
    Y, A = rng.normal(size=(5, 3)), rng.normal(scale=1.5, size=(5, 3))
    huber = losses.Huber(delta=0.5)
    errors = np.abs(A - Y)
    assert (errors > 0.6).sum() >= 3 and (errors < 0.4).sum() >= 3  # both branches, away from the kink
    numeric = _central(lambda: float(huber(Y, A)), A)
    np.testing.assert_allclose(huber.gradient(Y, A), numeric, rtol=0, atol=1e-8)


def _bn_in_training(epsilon):
    rng = np.random.default_rng(2)
    bn = BatchNormalization(epsilon=epsilon, dtype="float64")
    bn.build((None, 3))
    bn.params["gamma"][...] = rng.uniform(0.5, 1.5, 3)
    bn.params["beta"][...] = rng.normal(size=3)
    X = rng.normal(loc=[1.0, -2.0, 0.0], scale=[0.1, 2.0, 0.5], size=(6, 3))
    return bn, X, rng.normal(size=(6, 3))


def test_batch_normalization_in_training_mode_by_numpy():
    # y = γ (x − μ_B) / sqrt(σ²_B + ε) + β, σ² the biased batch variance; moving = m · moving + (1 − m) · batch's
    bn, X, _ = _bn_in_training(0.1)
    bn.momentum = 0.9
    gamma, beta = bn.params["gamma"].copy(), bn.params["beta"].copy()
    out = np.array(bn.forward(X, training=True))
    mean, var = X.mean(axis=0), X.var(axis=0)
    np.testing.assert_allclose(out, gamma * (X - mean) / np.sqrt(var + 0.1) + beta, rtol=1e-12)
    np.testing.assert_allclose(bn.state["moving_mean"], 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.state["moving_variance"], 0.9 + 0.1 * var, rtol=1e-12)


@pytest.mark.parametrize("epsilon", [1e-3, 0.1])
def test_batch_normalization_s_training_backward_is_the_derivative_of_its_training_output(epsilon):
    # f = Σ R ⊙ BN(X) with the batch's own statistics; dX, dγ, dβ against central differences
    bn, X, R = _bn_in_training(epsilon)

    def f():
        return float(np.sum(R * bn.forward(X, training=True)))

    bn.forward(X, training=True)
    dX = np.array(bn.backward(R))
    np.testing.assert_allclose(dX, _central(f, X), rtol=0, atol=1e-7)
    bn.forward(X, training=True)
    bn.backward(R)
    for key in ("gamma", "beta"):
        np.testing.assert_allclose(bn.grads[key], _central(f, bn.params[key]), rtol=0, atol=1e-7)


def test_dropout_masks_with_zero_and_one_over_the_keep_rate():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 500))
    layer = Dropout(0.25, seed=0)
    Y = np.array(layer.forward(X, training=True))
    mask = np.array(layer.mask)
    assert set(np.unique(mask)) == {0.0, 4 / 3}  # inverted dropout: 1 / (1 − 0.25)
    assert abs(np.mean(mask != 0) - 0.75) < 0.005  # 200,000 draws: the kept fraction's sd is 0.001
    np.testing.assert_allclose(Y, X * mask, rtol=1e-6)
    dY = rng.normal(size=X.shape)
    np.testing.assert_allclose(layer.backward(dY), dY * mask, rtol=1e-6)
    np.testing.assert_array_equal(layer.forward(X, training=False), X)


def test_precision_at_a_list_of_thresholds_counts_an_output_on_a_threshold_as_negative():
    # thresholds (0.2, 0.5, 0.9): at 0.5 only the 0.9 output is above it (TP 1, FP 0) though two sit on it
    precision = metrics.Precision(thresholds=[0.2, 0.5, 0.9])
    precision.update_state(np.array([[1.0], [0.0], [1.0], [0.0]]), np.array([[0.5], [0.5], [0.9], [0.1]]))
    np.testing.assert_allclose(precision.result(), [2 / 3, 1.0, 0.0], rtol=1e-6)
