"""One training step traced in the lectures' notation (SPEC A10)."""

import copy
import re
import json
import math

import numpy as np
import pytest

from glassnet import activations, losses, optimizers, regularizers
from glassnet.layers import BatchNormalization, Dense, Dropout, Input
from glassnet.models import Sequential
from glassnet.trace import Trace, format_table, trace


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


# --- 1. the hand-worked example ---------------------------------------------------------
# A 2-2-1 sigmoid network, E = ½ (t − y)², one plain gradient-descent step with η = 0.5.
# In the lectures' notation (seed 002): a^(1) = x, z^(2) = W^(1) a^(1) + b^(1), ...
# w_ij connects input i to neuron j (glassnet stores W as (n_in, units)).
x1, x2, t = 0.05, 0.10, 0.01
w11, w12, w21, w22, b1 = 0.15, 0.25, 0.20, 0.30, 0.35  # W^(1) = [[w11, w12], [w21, w22]]
v1, v2, b2 = 0.40, 0.45, 0.60  # W^(2) = [[v1], [v2]]
eta = 0.5

# Blue path.
z2_1 = w11 * x1 + w21 * x2 + b1  # 0.3775
z2_2 = w12 * x1 + w22 * x2 + b1  # 0.3925
a2_1, a2_2 = sigmoid(z2_1), sigmoid(z2_2)  # 0.593269992, 0.596884378
z3 = v1 * a2_1 + v2 * a2_2 + b2  # 1.105905967
a3 = sigmoid(z3)  # 0.751365070
E = 0.5 * (t - a3) ** 2  # 0.274811083
# Red path: δ^(3) = (a^(3) − t) g'(z^(3)),  g' = a(1 − a).
d3 = (a3 - t) * a3 * (1 - a3)  # 0.138498562
d2_1 = d3 * v1 * a2_1 * (1 - a2_1)  # δ^(2) = (W^(2) δ^(3)) ⊙ g'(z^(2))
d2_2 = d3 * v2 * a2_2 * (1 - a2_2)
# ∂E/∂w = a^(l) δ^(l+1), ΔW = −η ∂E/∂w.
HAND = {
    "z2": [z2_1, z2_2],
    "a2": [a2_1, a2_2],
    "z3": [z3],
    "a3": [a3],
    "E": E,
    "d3": [d3],
    "d2": [d2_1, d2_2],
    "dW1": [[x1 * d2_1, x1 * d2_2], [x2 * d2_1, x2 * d2_2]],
    "db1": [d2_1, d2_2],
    "dW2": [[a2_1 * d3], [a2_2 * d3]],
    "db2": [d3],
}


def hand_model(optimizer=None):
    model = Sequential([Dense(2, "sigmoid", input_dim=2), Dense(1, "sigmoid")], dtype="float64")
    model.compile(optimizer=optimizer or optimizers.SGD(learning_rate=eta), loss="squared_error")
    model.build()
    model.set_weights([
        np.array([[w11, w12], [w21, w22]]), np.array([b1, b1]),
        np.array([[v1], [v2]]), np.array([b2]),
    ])
    return model


def test_hand_worked_example_number_for_number():
    # Well-known values of this example, as anchors for the formulas above.
    assert a2_1 == pytest.approx(0.593269992, abs=1e-9)
    assert a2_2 == pytest.approx(0.596884378, abs=1e-9)
    assert a3 == pytest.approx(0.75136507, abs=1e-8)
    assert E == pytest.approx(0.274811083, abs=1e-9)
    assert HAND["dW2"][0][0] == pytest.approx(0.082167041, abs=1e-9)

    model = hand_model()
    before = model.get_weights()
    t_ = trace(model, [x1, x2], [t])
    assert isinstance(t_, Trace)
    l1, l2 = t_.layers
    tol = dict(rel=1e-12, abs=1e-15)
    np.testing.assert_array_equal(l1.a_in, [[x1, x2]])
    assert l1.z[0] == pytest.approx(HAND["z2"], **tol)
    assert l1.a[0] == pytest.approx(HAND["a2"], **tol)
    np.testing.assert_array_equal(l2.a_in, l1.a)
    assert l2.z[0] == pytest.approx(HAND["z3"], **tol)
    assert l2.a[0] == pytest.approx(HAND["a3"], **tol)
    assert t_.loss == pytest.approx(HAND["E"], **tol)
    assert l2.g_prime[0] == pytest.approx([a3 * (1 - a3)], **tol)
    assert l2.dJ_da[0] == pytest.approx([a3 - t], **tol)
    assert l2.delta[0] == pytest.approx(HAND["d3"], **tol)
    assert l1.delta[0] == pytest.approx(HAND["d2"], **tol)
    for key, layer, name in (("W", l1, "dW1"), ("b", l1, "db1"), ("W", l2, "dW2"), ("b", l2, "db2")):
        expected = np.array(HAND[name])
        np.testing.assert_allclose(layer.grads[key], expected, rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(layer.updates[key], -eta * expected, rtol=1e-12, atol=1e-16)
    # The known updated weight w5⁺ = 0.40 − 0.5·0.082167041 = 0.35891648.
    assert l2.params["W"][0, 0] + l2.updates["W"][0, 0] == pytest.approx(0.35891648, abs=1e-8)
    # apply=False leaves the model untouched.
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert model.optimizer.iterations == 0


def test_printed_tables_use_the_lecture_notation():
    t_ = trace(hand_model(), [x1, x2], [t])
    text, markdown = str(t_), t_.to_markdown()
    for out in (text, markdown):
        assert out.index("Forward pass (blue path)") < out.index("Backward pass (red path)")
        for symbol in ("a^(l)", "z^(l+1)", "a^(l+1)", "δ^(l+1)", "∂J/∂θ", "ΔW^(l)", "W^(1)", "b^(2)",
                       "a^(1) = x", "(δ^(3) W^(2)ᵀ) ⊙ g'(z^(2))"):
            assert symbol in out, symbol
        assert "0.274811" in out and "0.59327" in out and "-0.0410835" in out
    # Red path: the output layer's row comes before the hidden layer's.
    red = text[text.index("Backward pass"):]
    assert red.index("dense_1 (sigmoid)") < red.index("dense (sigmoid)")
    params = [line.split(" | ")[2] for line in markdown.splitlines() if line.startswith("| ") and "(before)" not in line
              and line.count(" | ") == 6]
    assert params == ["W^(1)", "b^(1)", "W^(2)", "b^(2)"]


def test_the_header_names_the_model_as_keras_names_it():
    # a functional model without a name was called 'sequential' (Keras 3 names it "functional")
    from glassnet.layers import Input
    from glassnet.models import Model

    inputs = Input((2,))
    functional = Model(inputs, Dense(1, "sigmoid")(Dense(2, "sigmoid")(inputs)))
    named = Model(inputs, Dense(1, "sigmoid")(Dense(2, "sigmoid")(inputs)), name="mnist_model")
    for model, name in ((hand_model(), "sequential"), (functional, "functional"), (named, "mnist_model")):
        model.compile(optimizer="sgd", loss="mse")
        t_ = trace(model, [x1, x2], [t])
        assert str(t_).startswith(f"Trace of one training step of {name!r} on 1 example")
        assert t_.to_dict()["model"] == name
    assert Model.from_config(functional.get_config()).name == "functional"


def test_to_dict_is_plain_json():
    t_ = trace(hand_model(), [x1, x2], [t])
    data = json.loads(json.dumps(t_.to_dict(), allow_nan=False))
    assert data["forward_order"] == [1, 2] and data["backward_order"] == [2, 1]
    assert data["loss"] == pytest.approx(E, rel=1e-12)
    assert data["layers"][1]["delta"] == [pytest.approx(HAND["d3"], rel=1e-12)]
    assert data["layers"][0]["updates"]["W"] == [
        pytest.approx(row, rel=1e-12) for row in (-eta * np.array(HAND["dW1"])).tolist()
    ]
    assert data["layers"][0]["activation"] == "sigmoid"


def test_apply_true_makes_the_step():
    model = hand_model()
    t_ = trace(model, [x1, x2], [t], apply=True)
    assert t_.applied
    W1, b1_, W2, b2_ = model.get_weights()
    np.testing.assert_allclose(W2, [[v1], [v2]] - eta * np.array(HAND["dW2"]), rtol=1e-12)
    np.testing.assert_allclose(b1_, [b1, b1] - eta * np.array(HAND["db1"]), rtol=1e-12)
    assert model.optimizer.iterations == 1


def test_seed_003_tanh_sigmoid_partial_derivatives():
    """Seed 003's example ŷ = S(w_gf0 + w_gf1 tanh(w_xg0 + w_xg1 x1 + w_xg2 x2)), e = (y − f)²/2."""
    w_xg0, w_xg1, w_xg2, w_gf0, w_gf1 = 0.1, -0.4, 0.7, -0.2, 1.3
    xa, xb, y_, eta_ = 0.5, -1.5, 1.0, 0.3
    z_g = w_xg0 + w_xg1 * xa + w_xg2 * xb
    g = math.tanh(z_g)
    z_f = w_gf0 + w_gf1 * g
    f = sigmoid(z_f)
    S1, tanh1 = f * (1 - f), 1 - g * g  # S'(z_f), tanh'(z_g)
    d = {
        "w_gf0": -(y_ - f) * S1,
        "w_gf1": -(y_ - f) * S1 * g,
        "w_xg0": -(y_ - f) * S1 * w_gf1 * tanh1,
        "w_xg1": -(y_ - f) * S1 * w_gf1 * tanh1 * xa,
        "w_xg2": -(y_ - f) * S1 * w_gf1 * tanh1 * xb,
    }
    model = Sequential([Dense(1, "tanh", input_dim=2), Dense(1, "sigmoid")], dtype="float64")
    model.compile(optimizers.SGD(learning_rate=eta_), "squared_error")
    model.build()
    model.set_weights([np.array([[w_xg1], [w_xg2]]), np.array([w_xg0]), np.array([[w_gf1]]), np.array([w_gf0])])
    hidden, out = trace(model, [xa, xb], [y_]).layers
    assert out.a[0, 0] == pytest.approx(f, rel=1e-14)
    got = {
        "w_gf0": out.grads["b"][0], "w_gf1": out.grads["W"][0, 0], "w_xg0": hidden.grads["b"][0],
        "w_xg1": hidden.grads["W"][0, 0], "w_xg2": hidden.grads["W"][1, 0],
    }
    assert got == pytest.approx(d, rel=1e-12)
    # the slide's five updates w ← w − η ∂e/∂w, as the trace shows them and as the step makes them
    # (only w_xg2's was checked: a wrong Δ of the output bias or of w_xg0 went unseen)
    shown = {
        "w_gf0": out.updates["b"][0], "w_gf1": out.updates["W"][0, 0], "w_xg0": hidden.updates["b"][0],
        "w_xg1": hidden.updates["W"][0, 0], "w_xg2": hidden.updates["W"][1, 0],
    }
    assert shown == pytest.approx({k: -eta_ * v for k, v in d.items()}, rel=1e-12)
    before = dict(w_xg0=w_xg0, w_xg1=w_xg1, w_xg2=w_xg2, w_gf0=w_gf0, w_gf1=w_gf1)
    trace(model, [xa, xb], [y_], apply=True)
    (W_xg, b_xg, W_gf, b_gf) = model.get_weights()
    after = {"w_gf0": b_gf[0], "w_gf1": W_gf[0, 0], "w_xg0": b_xg[0], "w_xg1": W_xg[0, 0], "w_xg2": W_xg[1, 0]}
    assert after == pytest.approx({k: before[k] - eta_ * d[k] for k in d}, rel=1e-12)


def test_seed_004_one_neuron_chain_rule_and_weight_update():
    """Seed 004's single neuron: z = wx (no bias), y_p = φ(z), E = ½(y_t − y_p)²,
    ∂E/∂w = ∂E/∂y_p · ∂y_p/∂φ · ∂φ/∂z · ∂z/∂w = −(y_t − y_p) · 1 · φ(z)(1 − φ(z)) · x and
    Δw = α x (y_t − φ(wx)) φ(wx)(1 − φ(wx)), factor by factor in the trace, on the data of
    tests/test_perceptron.py::test_delta_rule_without_bias_is_seed_004s_neuron (x = 1, 2; y_t = 1, 0)."""
    alpha, w = 0.5, 0.3
    model = Sequential([Dense(1, "sigmoid", use_bias=False, input_dim=1)], dtype="float64")
    model.compile(optimizers.SGD(learning_rate=alpha), "squared_error")
    model.build()
    model.set_weights([np.array([[w]])])
    for x, y_t in ((1.0, 1.0), (2.0, 0.0)):
        phi = sigmoid(w * x)
        (neuron,) = trace(model, [x], [y_t], apply=True).layers
        assert neuron.z[0, 0] == pytest.approx(w * x, rel=1e-15)                        # z = wx
        assert neuron.a[0, 0] == pytest.approx(phi, rel=1e-15)                          # y_p = φ(z)
        assert neuron.dJ_da[0, 0] == pytest.approx(-(y_t - phi), rel=1e-14)             # ∂E/∂y_p
        assert neuron.g_prime[0, 0] == pytest.approx(phi * (1 - phi), rel=1e-14)        # ∂φ/∂z
        dE_dw = -x * (y_t - phi) * phi * (1 - phi)
        assert neuron.grads["W"][0, 0] == pytest.approx(dE_dw, rel=1e-14)               # ∂E/∂w
        delta_w = alpha * x * (y_t - phi) * phi * (1 - phi)
        assert neuron.updates["W"][0, 0] == pytest.approx(delta_w, rel=1e-14)           # Δw = −α ∂E/∂w
        w += delta_w                                                                    # w = w + Δw
        assert model.get_weights()[0][0, 0] == pytest.approx(w, rel=1e-15)
    # the same two online steps as the delta rule's, by hand
    assert w == pytest.approx(0.20387322639994768, rel=1e-15)


def test_seed_002_backpropagation_algorithm_with_its_accumulators():
    """Seed 002's algorithm, written as the slides write it: Θ^(l) with the bias in column 0,
    drawn by its "Symmetric Breaking" code (Theta1, Theta2 3×4, Theta3 1×4), one example at a
    time with a_0 = 1 added, δ^(4) = a^(4) − y, δ^(l) = (Θ^(l))ᵀ δ^(l+1) .* a^(l)(1 − a^(l)),
    Δ^(l) := Δ^(l) + δ^(l+1) (a^(l))ᵀ, D^(l) = Δ^(l)/m, J = −(1/m) Σ [y log h + (1 − y) log(1 − h)]
    and Θ := Θ − α D."""
    EPSILON, alpha, m = 0.12, 0.5, 5
    rng = np.random.default_rng(2)
    Theta = [rng.random((3, 4)) * (2 * EPSILON) - EPSILON,  # Theta1 = random(3,4) * (2 * EPSILON) - EPSILON
             rng.random((3, 4)) * (2 * EPSILON) - EPSILON,
             rng.random((1, 4)) * (2 * EPSILON) - EPSILON]
    X, y = rng.normal(size=(m, 3)), np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])

    def g(z):
        return 1 / (1 + np.exp(-z))

    Delta, J = [np.zeros_like(T) for T in Theta], 0.0
    for i in range(m):
        a = [np.r_[1.0, X[i]]]                         # a^(1) = x^(i), with a_0 = 1
        for T in Theta[:-1]:
            a.append(np.r_[1.0, g(T @ a[-1])])         # a^(l+1) = g(Θ^(l) a^(l)), add a_0
        h = g(Theta[-1] @ a[-1])                       # a^(4) = h_Θ(x)
        J -= (y[i] @ np.log(h) + (1 - y[i]) @ np.log(1 - h)) / m
        delta = h - y[i]                               # δ^(4) = a^(4) − y^(i)
        for l in (2, 1, 0):
            Delta[l] += np.outer(delta, a[l])          # Δ^(l) := Δ^(l) + δ^(l+1) (a^(l))ᵀ
            delta = (Theta[l].T @ delta)[1:] * a[l][1:] * (1 - a[l][1:])  # no δ for a_0
    D = [Dl / m for Dl in Delta]

    model = Sequential([Dense(3, "sigmoid", input_dim=3), Dense(3, "sigmoid"), Dense(1, "sigmoid")], dtype="float64")
    model.compile(optimizers.SGD(learning_rate=alpha), "binary_crossentropy")  # one output: the seed's J
    model.build()
    model.set_weights([p for T in Theta for p in (T[:, 1:].T, T[:, 0])])  # W = Θ without column 0, ᵀ; b = Θ_i0
    t_ = trace(model, X, y)
    assert t_.loss == pytest.approx(J, rel=1e-12)
    for layer, Dl in zip(t_.layers, D, strict=True):
        np.testing.assert_allclose(layer.grads["W"], Dl[:, 1:].T, rtol=1e-10, atol=1e-16)  # ∂J/∂Θ_ij = D_ij
        np.testing.assert_allclose(layer.grads["b"], Dl[:, 0], rtol=1e-10, atol=1e-16)
    model.fit(X, y, batch_size=m, epochs=1, shuffle=False, verbose=0)
    for (W, b), T, Dl in zip(zip(*[iter(model.get_weights())] * 2), Theta, D, strict=True):
        np.testing.assert_allclose(np.c_[b, W.T], T - alpha * Dl, rtol=1e-12, atol=1e-15)  # Θ := Θ − α D


# --- 2. random networks: gradients and the update ---------------------------------------
DIFFERENTIABLE = sorted(set(activations.ACTIVATIONS) - {"step", "heaviside", "sign", "sgn", "argmax"}
                        - {"glu", "threshold"})  # (no layer takes these two by name)


def random_net(activation, loss, out_units, out_activation, optimizer, seed):
    model = Sequential(
        [
            Dense(5, activation, input_dim=3, kernel_initializer="glorot_normal", bias_initializer="random_normal"),
            Dense(4, activation, kernel_initializer="glorot_normal", bias_initializer="random_normal"),
            Dense(out_units, out_activation),
        ],
        dtype="float64",
        seed=seed,
    )
    model.compile(optimizer=optimizer, loss=loss)
    return model


@pytest.mark.parametrize("activation", DIFFERENTIABLE)
def test_trace_gradients_equal_model_gradients(activation, rng):
    X = rng.normal(size=(6, 3))
    cases = [
        ("mse", 2, None, rng.normal(size=(6, 2))),
        ("categorical_crossentropy", 3, "softmax", np.eye(3)[rng.integers(0, 3, 6)]),  # fused δ = a − y
        ("binary_crossentropy", 1, "sigmoid", rng.integers(0, 2, (6, 1)).astype(float)),  # fused
    ]
    for loss, units, out_act, Y in cases:
        model = random_net(activation, loss, units, out_act, "sgd", seed=1)
        t_ = trace(model, X, Y)
        expected = model.gradients(X, Y)
        got = [g for layer in t_.layers for g in (layer.grads["W"], layer.grads["b"])]
        for e, g in zip(expected, got, strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)
        # δ^(l) of a hidden layer: the lectures' (δ^(l+1) W^(l)ᵀ) ⊙ g'(z^(l))
        # (for an elementwise g; softmax and sparsemax mix the units of a row).
        l1, l2, _ = t_.layers
        if activations.get(activation).elementwise:
            np.testing.assert_allclose(l1.delta, (l2.delta @ l2.params["W"].T) * l1.g_prime, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(l1.grads["W"], l1.a_in.T @ l1.delta, rtol=1e-12, atol=1e-15)


OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(learning_rate=0.02),
    "momentum": lambda: optimizers.SGD(learning_rate=0.02, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
    "rmsprop_clipped": lambda: optimizers.RMSprop(learning_rate=0.01, clipnorm=0.05),
    "lion": lambda: optimizers.Lion(learning_rate=0.01, beta_1=0.8),
    "ftrl": lambda: optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=1e-3, beta=0.1),
    "adafactor": lambda: optimizers.Adafactor(learning_rate=0.05, clip_threshold=0.5),
    "lamb": lambda: optimizers.Lamb(learning_rate=0.02, weight_decay=0.01),
    "muon": lambda: optimizers.Muon(learning_rate=0.02, exclude_layers=["dense_1"]),
    "schedule_free_adamw": lambda: optimizers.ScheduleFreeAdamW(learning_rate=0.01, weight_decay=0.01),
}


@pytest.mark.parametrize("activation", DIFFERENTIABLE)
@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.filterwarnings("error::glassnet.models.DivergenceWarning")  # (a diverged fit moves nothing)
def test_trace_update_equals_one_fit_step(activation, opt, rng):
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    if activation == "exponential":  # e^z of e^z: Nesterov momentum at 0.02 diverged within three steps
        X *= 0.5
    model = random_net(activation, "mse", 2, None, OPTIMIZERS[opt](), seed=2)
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0)  # optimizer state that is not zero
    before = model.get_weights()
    state_before = model.optimizer.get_state()
    t_ = trace(model, X, Y)
    # The trace changed nothing ...
    assert model.optimizer.get_state()[0] == state_before[0]
    for k, v in state_before[1].items():
        np.testing.assert_array_equal(model.optimizer.state[k], v)
    # ... and its update is what fit does with one full batch.
    model.fit(X, Y, epochs=1, batch_size=len(X), shuffle=False, verbose=0)
    moved = [after - b for after, b in zip(model.get_weights(), before)]
    got = [u for layer in t_.layers for u in (layer.updates["W"], layer.updates["b"])]
    assert any(np.any(m) for m in moved)  # (a diverged fit, its weights restored, compared 0 with 0)
    for m, g in zip(moved, got, strict=True):
        np.testing.assert_allclose(g, m, rtol=1e-9, atol=1e-15)


def test_dropout_and_batchnorm_trace_matches_fit(rng):
    def build():
        model = Sequential(
            [Dense(6, "relu", input_dim=4), BatchNormalization(), Dropout(0.5, seed=7), Dense(3, "softmax")],
            dtype="float64", seed=3,
        )
        model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy")
        model.build()
        return model

    X, Y = rng.normal(size=(10, 4)), np.eye(3)[rng.integers(0, 3, 10)]
    model = build()
    twin = build()
    twin.set_weights(model.get_weights())
    snapshot = copy.deepcopy(model.get_weights())

    t_ = trace(model, X, Y)  # apply=False: weights, BN statistics and dropout generator restored
    for a, b in zip(snapshot, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    kinds = [layer.kind for layer in t_.layers]
    assert kinds == ["Dense", "BatchNormalization", "Dropout", "Dense"]
    assert set(t_.layers[1].updates) == {"gamma", "beta"}
    assert "γ^(2)" in str(t_)
    # Dropout zeroed some units in the traced step, as the training step does.
    assert (t_.layers[2].a == 0).sum() > (t_.layers[2].a_in == 0).sum()
    # a zeroed negative value (BatchNormalization's outputs are) prints 0, not -0
    assert np.signbit(t_.layers[2].a[t_.layers[2].a == 0]).any()
    assert not re.search(r"(?<![\d.e])-0(?![\d.])", str(t_))

    model.fit(X, Y, epochs=1, batch_size=10, shuffle=False, verbose=0)
    moved = [after - b for after, b in zip(model.get_weights(), snapshot)]
    traced = t_.layers
    expected_updates = [traced[0].updates["W"], traced[0].updates["b"], traced[1].updates["gamma"],
                        traced[1].updates["beta"], traced[3].updates["W"], traced[3].updates["b"]]
    trainable = [moved[i] for i in (0, 1, 2, 3, 6, 7)]  # skip the moving mean and variance
    for m, g in zip(trainable, expected_updates, strict=True):
        np.testing.assert_allclose(g, m, rtol=1e-9, atol=1e-15)

    # apply=True is one fit step: same weights, statistics and optimizer state.
    trace(twin, X, Y, apply=True)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert twin.optimizer.iterations == model.optimizer.iterations == 1


def test_an_optimizer_that_trains_another_model_is_refused_as_fit_refuses_it():
    # fit refuses it; trace used the other model's momentum for this one (and, with apply=True,
    # changed it), although its update is meant to be the one fit would make
    X, y = np.ones((2, 2)), np.ones((2, 1))
    shared = optimizers.SGD(0.1, momentum=0.9)
    first = Sequential([Dense(1, input_dim=2)], seed=0)
    first.compile(shared, "mse")
    first.fit(X, y, verbose=0)
    first.trace(X, y)
    other = Sequential([Dense(1, input_dim=2)], seed=1)
    other.compile(shared, "mse")
    for apply in (False, True):
        with pytest.raises(ValueError, match="already trains another model"):
            trace(other, X, y, apply=apply)
    # a step applied by trace makes the optimizer this model's, as a fit step does
    fresh = optimizers.SGD(0.1, momentum=0.9)
    first.compile(fresh, "mse")
    trace(first, X, y, apply=True)
    other.compile(fresh, "mse")
    with pytest.raises(ValueError, match="already trains another model"):
        other.fit(X, y, verbose=0)

def test_divergent_step_is_reported_and_not_applied():
    model = Sequential([Dense(1, input_dim=2)], dtype="float64")
    model.compile(optimizers.SGD(learning_rate=1.0), "squared_error")
    model.build()
    model.set_weights([np.full((2, 1), 1e300), np.zeros(1)])  # J = ½ (1e299)² overflows
    t_ = trace(model, [x1, x2], [t], apply=True)
    assert not t_.finite and not t_.applied
    assert all((u == 0).all() for layer in t_.layers for u in layer.updates.values())
    assert "NaN/inf" in str(t_)
    np.testing.assert_array_equal(model.get_weights()[0], 1e300)
    json.dumps(t_.to_dict(), allow_nan=False)


@pytest.mark.parametrize("apply", [False, True])
def test_an_update_that_overflows_is_not_made(apply):
    # loss and gradient finite, but η·g overflows float32: train_on_batch keeps the weights and
    # warns, where trace(apply=True) wrote inf into every weight and called the step finite
    X, y = np.ones((2, 2)), np.full((2, 1), 10.0)
    model = Sequential([Dense(1, input_dim=2)], seed=0)
    model.compile(optimizers.SGD(1e38, momentum=0.5), "mse")
    model.build()
    before = model.get_weights()
    step = trace(model, X, y, apply=apply)
    assert math.isfinite(step.loss) and not step.finite and not step.applied
    assert all((u == 0).all() for layer in step.layers for u in layer.updates.values())
    assert "not made: the loss, a gradient or the update is NaN/inf" in str(step)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0 and not model.optimizer.get_state()[1]["momentum"].any()


def test_a_gradient_whose_square_overflows_float32_is_still_applied_as_train_on_batch():
    # ∂J/∂b = 2e20 is finite in float32 but g·g is not: trace called the step non-finite and
    # made no update, where train_on_batch makes it
    x, y = np.array([[1e10]], np.float32), np.array([[0.0]], np.float32)

    def model():
        m = Sequential([Dense(1, input_dim=1, kernel_initializer="ones", bias_initializer="zeros")])
        m.compile(optimizers.SGD(1e-30), "mse")
        m.build()
        return m

    fitted, traced = model(), model()
    fitted.train_on_batch(x, y)
    step = trace(traced, x, y, apply=True)
    assert step.finite and step.applied
    for a, b in zip(traced.get_weights(), fitted.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert traced.get_weights()[1][0] == np.float32(-2e-20)


def test_bad_input():
    with pytest.raises(TypeError, match="Sequential"):
        trace("model", [[1, 2]], [1])
    model = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match="compile"):
        trace(model, [[1, 2]], [1])
    model.compile("sgd", "mse")
    model.build()
    with pytest.raises(TypeError, match="apply"):
        trace(model, [[1, 2]], [1], apply="yes")
    with pytest.raises(ValueError, match="2 features, got 3"):
        trace(model, [[1, 2, 3]], [1])



@pytest.mark.parametrize("x, y, error, message", [
    ([[0.0, 1.0], [1.0]], [1.0, 2.0], ValueError, "x could not be converted to an array"),  # ragged
    ([0.0, 1.0], [[1.0], [2.0, 3.0]], ValueError, "y could not be converted to an array"),
    (None, [1.0], TypeError, "x must be an array-like of numbers. Received: x=None"),
    ({"a": 1.0}, [1.0], TypeError, "x must be an array-like of numbers. Received: dict"),
    ((row for row in [[0.0, 1.0]]), [1.0], TypeError, "not generators"),
])
def test_what_is_no_array_is_refused_naming_its_argument(x, y, error, message):
    # x was read with a bare np.asarray: a ragged list raised NumPy's own 'setting an array
    # element with a sequence', None or a generator 'x must contain numbers ... dtype object'
    model = Sequential([Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    with pytest.raises(error, match=re.escape(message)):
        trace(model, x, y)


@pytest.mark.parametrize("loss, y", [
    ("categorical_crossentropy", [[0.0, 0.0, 1.0]]),
    ("sparse_categorical_crossentropy", [[2]]),
    ("mse", [[0.0, 0.0, 1.0]]),
])
def test_one_example_with_its_target_already_a_batch_of_one(loss, y):
    # trace(model, X[0], Y[:1]): the 1-D x became a batch of one and so did the 2-D y, which was refused
    # as "y must be 1-D or 2-D. Received an array of shape (1, 1, 3)", a shape the caller never made
    model = Sequential([Dense(3, "softmax", input_dim=2)], dtype="float64", seed=0)
    model.compile("sgd", loss)
    step = trace(model, [1.0, 2.0], y)
    np.testing.assert_array_equal(step.y, [[0.0, 0.0, 1.0]])
    assert step.loss == trace(model, [[1.0, 2.0]], y).loss
    with pytest.raises(ValueError, match="Inconsistent numbers of samples: x has 1, y has 2"):
        trace(model, [1.0, 2.0], [y[0], y[0]])

def test_sparse_x_is_refused_as_fit_refuses_it():
    sparse = pytest.importorskip("scipy.sparse")
    model = Sequential([Dense(1, input_dim=2)])
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match=re.escape("Use x.toarray()")):
        trace(model, sparse.csr_matrix(np.ones((2, 2))), [1.0, 2.0])

def test_an_array_of_three_dimensions_on_one_line_has_single_spaces():
    # NumPy prints the blocks of a 3-D array parted by a blank line, which became a double space
    # ("[[[1, 2], [3, 4]],  [[0, 0], [0, 1]]]") in the summary and in Markdown cells
    x = np.array([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [0.0, 1.0]]])
    cell = format_table(["x"], [[x]], markdown=True).splitlines()[-1]
    assert cell == "| [[[1, 2], [3, 4]], [[0, 0], [0, 1]]] |"

@pytest.mark.parametrize("markdown", [False, True])
def test_format_table_needs_one_value_per_header(markdown):
    with pytest.raises(ValueError, match=r"rows\[1\] must hold one value per header column \(2\). Received 3 value\(s\)"):
        format_table(["a", "b"], [[1, 2], [1, 2, 3]], markdown=markdown)
    with pytest.raises(ValueError, match=r"rows\[0\] must hold one value per header column \(2\). Received 1 value\(s\)"):
        format_table(["a", "b"], [[1]], markdown=markdown)
    with pytest.raises(ValueError, match=r"rows\[0\] must hold one value .*Received 5"):
        format_table(["a", "b"], [5], markdown=markdown)


@pytest.mark.parametrize("output", ["softmax", "log_softmax"])
def test_a_softmax_layer_without_the_fused_loss_shows_its_jacobian_rule(output):
    # the rule read "∂J/∂a ⊙ g'(z)" with g' the Jacobian's diagonal, which does not give the δ shown
    model = Sequential([Dense(3, output, input_dim=2)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    y = np.array([1.0, 0.0, 0.0]) if output == "softmax" else np.array([-0.1, -2.0, -3.0])
    layer = trace(model, np.array([0.5, -0.2]), y).layers[0]
    assert layer.delta_rule == f"J_{output}(z^(2))ᵀ ∂J/∂a^(2)" and layer.g_prime is None
    a = layer.a[0]
    jacobian = np.diag(a) - np.outer(a, a) if output == "softmax" else np.eye(3) - np.exp(a)[None, :]
    np.testing.assert_allclose(layer.delta[0], jacobian.T @ layer.dJ_da[0], rtol=1e-12)


@pytest.mark.parametrize(
    "activation, loss, y, rule, delta",
    [
        # seed 002's δ^(L) = a^(L) − y: one sigmoid output with binary cross-entropy
        ("sigmoid", "binary_crossentropy", [1.0], "a^(2) − y", lambda a, y: a - y),
        # K = 2 sigmoid outputs (seed 002's K): Keras's binary cross-entropy is the mean over them
        ("sigmoid", "binary_crossentropy", [1.0, 0.0], "(a^(2) − y) / 2", lambda a, y: (a - y) / 2),
        (activations.Sigmoid(steepness=2.0), "binary_crossentropy", [1.0], "2 (a^(2) − y)", lambda a, y: 2 * (a - y)),
        ("log_softmax", "nll", [1.0, 0.0], "exp(a^(2)) − y", lambda a, y: np.exp(a) - y),
        ("softmax", "categorical_crossentropy", [0.0, 1.0], "a^(2) − y", lambda a, y: a - y),
        # label smoothing 0.2 over K = 2 classes: y becomes 0.8 y + 0.1
        ("softmax", losses.CategoricalCrossentropy(label_smoothing=0.2), [1.0, 0.0], "a^(2) − (0.8 y + 0.1)",
         lambda a, y: a - (0.8 * y + 0.1)),
    ],
)
def test_the_fused_output_rule_is_the_delta_it_shows(activation, loss, y, rule, delta):
    # the rule read "a^(L) − y" for each of these, while δ was (a − y)/2, 2 (a − y), e^a − y or a − 0.8y − 0.1
    model = Sequential([Dense(len(y), activation, input_dim=2)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss=loss)
    out = trace(model, [0.5, -0.2], y).layers[0]
    assert out.delta_rule == f"{rule} ({model.layers[0].activation.name} + {model.loss.name})"
    np.testing.assert_allclose(out.delta[0], delta(out.a[0], np.array(y)), rtol=1e-12)


def test_keras_activation_layers_show_their_delta():
    from glassnet.layers import Dense, LeakyReLU
    from glassnet.models import Sequential

    model = Sequential([Dense(3, input_dim=2), LeakyReLU(), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    layers = trace(model, np.array([[1.0, 2.0]]), np.array([[1.0]])).to_dict()["layers"]
    assert [layer["type"] for layer in layers] == ["Dense", "LeakyReLU", "Dense"]
    assert layers[1]["delta"] is not None  # as an Activation("leaky_relu") layer's


def test_an_activity_penalty_is_not_called_a_weight_penalty():
    # ActivityRegularization's R(a)/n is in J too; the loss line named every penalty "weight penalties Σ R(θ)".
    # By hand: x = (1, 2), W = (0.5, 0.25)ᵀ, b = 0: a = 1, R(a)/n = 0.5 · 1² / 1; J = (1 − 3)² + 0.5
    from glassnet.layers import ActivityRegularization

    def model_with(kernel_regularizer):
        model = Sequential([Dense(1, input_dim=2, kernel_regularizer=kernel_regularizer),
                            ActivityRegularization(l2=0.5)], dtype="float64")
        model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
        model.build()
        model.set_weights([np.array([[0.5], [0.25]]), np.array([0.0])])
        return model

    step = trace(model_with(None), [1.0, 2.0], [3.0])
    assert step.penalty == pytest.approx(0.5, abs=1e-15) and step.loss == pytest.approx(4.5, abs=1e-15)
    assert "J = 4.5 = 4 + 0.5 (activity penalties Σ R(a)/n)" in str(step)
    step = trace(model_with(regularizers.L2(0.1)), [1.0, 2.0], [3.0])  # + 0.1 (0.25 + 0.0625) = 0.03125
    assert "J = 4.53125 = 4 + 0.53125 (weight and activity penalties Σ R(θ) + Σ R(a)/n)" in str(step)


def test_weight_penalties_and_constraints_are_shown_by_hand():
    # The update table says ∂J/∂W = a^(l)ᵀ δ^(l+1); with a regularizer the gradient also holds
    # ∂R/∂W, and with a constraint Δθ is not the optimizer's step. The trace said neither.
    # By hand: x = (1, 2), W = (0.5, −0.25)ᵀ, b = 0.5, y = 1, J = (a − y)² + 0.1 ΣW² + 0.2 |b|.
    from glassnet import constraints, regularizers

    model = Sequential([Dense(1, input_dim=2, kernel_regularizer=regularizers.L2(0.1),
                              bias_regularizer=regularizers.L1(0.2),
                              kernel_constraint=constraints.MaxNorm(0.5))], dtype="float64")
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    model.build()
    model.set_weights([np.array([[0.5], [-0.25]]), np.array([0.5])])
    step = trace(model, [1.0, 2.0], [1.0])
    a, delta = 0.5, 2 * (0.5 - 1.0)  # z = 0.5 − 0.5 + 0.5
    R = 0.1 * (0.25 + 0.0625) + 0.2 * 0.5  # 0.13125
    assert step.penalty == pytest.approx(R, abs=1e-15)
    assert step.loss == pytest.approx((a - 1.0) ** 2 + R, abs=1e-15)  # 0.38125
    layer = step.layers[0]
    np.testing.assert_allclose(layer.penalty_grads["W"], [[0.1], [-0.05]], atol=1e-15)  # 2 λ W
    np.testing.assert_allclose(layer.penalty_grads["b"], [0.2], atol=1e-15)  # λ sign(b)
    np.testing.assert_allclose(layer.grads["W"], [[delta + 0.1], [2 * delta - 0.05]], atol=1e-15)
    np.testing.assert_allclose(layer.grads["b"], [delta + 0.2], atol=1e-15)
    stepped = np.array([0.5 + 0.1 * 0.9, -0.25 + 0.1 * 2.05])  # W − η ∂J/∂W = (0.59, −0.045)
    projected = stepped * 0.5 / (1e-7 + np.linalg.norm(stepped))  # MaxNorm(0.5), Keras's ε
    np.testing.assert_allclose(layer.params["W"][:, 0] + layer.updates["W"][:, 0], projected, rtol=1e-12)
    assert layer.constraints == {"W": model.layers[0].kernel_constraint}
    text = str(step)
    assert "J = 0.38125 = 0.25 + 0.13125 (weight penalties Σ R(θ))" in text
    assert "W^(1): ∂J/∂W^(1) = a^(1)ᵀ δ^(2) + ∂R/∂W^(1), R = L2(l2=0.1); R = 0.03125, ∂R/∂W^(1) = [[0.1], [-0.05]]" in text
    assert "b^(1): ∂J/∂b^(1) = Σ δ^(2) + ∂R/∂b^(1), R = L1(l1=0.2); R = 0.1, ∂R/∂b^(1) = [0.2]" in text
    assert "W^(1): ΔW^(1) includes the constraint MaxNorm(max_value=0.5, axis=0)" in text
    assert "* W^(1): ΔW^(1) includes the constraint" in step.to_markdown()
    plain = step.to_dict()
    assert plain["penalty"] == pytest.approx(R) and plain["layers"][0]["penalty_grads"]["b"] == [pytest.approx(0.2)]
    assert json.loads(json.dumps(plain))["layers"][0]["constraints"] == {"W": "MaxNorm(max_value=0.5, axis=0)"}
    # Without penalties and constraints, nothing extra is printed.
    assert step.notes() and not trace(hand_model(), [x1, x2], [t]).notes()


def test_a_frozen_layer_is_named_as_such_under_the_update_table():
    # its ∂J/∂θ is not 0 but its Δθ is: without a word the table read as a wrong update
    model = Sequential([Dense(2, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.layers[0].trainable = False
    trace = model.trace(np.array([[1.0, 2.0]]), np.array([1]))
    first, second = trace.layers
    assert first.frozen and not second.frozen
    assert np.abs(first.grads["W"]).max() > 0.1 and not first.updates["W"].any()
    assert "layer 1 (dense) is frozen (trainable=False): its Δθ is 0" in str(trace)
    assert "layer 2" not in "\n".join(trace.notes())
    assert trace.to_dict()["layers"][0]["frozen"] is True


@pytest.mark.parametrize("accumulate", [None, 2])
def test_trace_of_a_frozen_model_counts_no_optimizer_step_as_fit(accumulate):
    # fit of a frozen model makes no optimizer step (Keras 3.15: optimizer.iterations stays 0), but
    # trace(apply=True) made one: iterations read 1 after it, and with gradient_accumulation_steps the
    # note said the step added ∂J/∂θ to the optimizer's sum
    model = Sequential([Dense(2, "sigmoid", input_dim=2), Dense(1, "sigmoid")], dtype="float64", seed=1)
    model.compile(optimizer=optimizers.Adam(0.1, gradient_accumulation_steps=accumulate), loss="mse")
    model.trainable = False
    x, y = np.array([[0.05, 0.10]]), np.array([[0.01]])
    model.fit(x, y, verbose=0)
    state = model.optimizer.get_state()
    t = model.trace(x, y, apply=True)
    assert model.optimizer.iterations == 0 and t.applied and t.accumulating == 0
    assert not any(u.any() for layer in t.layers for u in layer.updates.values())
    assert all(np.array_equal(a, b) for a, b in zip(state[1].values(), model.optimizer.get_state()[1].values()))
    assert "accumulates" not in str(t)


def test_a_layer_of_a_frozen_model_shows_no_weight_penalty_in_its_gradient_as_fit_trains_it():
    # model.trainable = False then layers[0].trainable = True: fit trains nothing (Keras 3: a layer of a
    # frozen model is frozen) and the loss has no penalty, but the trace's ∂J/∂W^(1) held ∂R/∂W = 2·0.5·W
    # ([[1.04126, -0.59356], ...], where a^(1)ᵀ δ^(2) is [[-0.000996, 0.000221], ...]) and its note said
    # "(trainable=False)" of a layer whose flag reads True
    model = Sequential([Dense(2, "sigmoid", input_dim=2, kernel_regularizer=regularizers.L2(0.5),
                              bias_regularizer=regularizers.L2(0.5)), Dense(1, "sigmoid")], dtype="float64", seed=1)
    model.compile(optimizer=optimizers.SGD(0.5), loss="mse")
    model.trainable = False
    model.layers[0].trainable = True
    x, y = np.array([[0.05, 0.10]]), np.array([[0.01]])
    t = model.trace(x, y)
    first = t.layers[0]
    a1, delta2 = x, first.delta  # ∂J/∂W^(1) = a^(1)ᵀ δ^(2), ∂J/∂b^(1) = Σ δ^(2): no ∂R/∂θ
    np.testing.assert_allclose(first.grads["W"], a1.T @ delta2, rtol=1e-12)
    np.testing.assert_allclose(first.grads["b"], delta2.sum(axis=0), rtol=1e-12)
    assert abs(first.grads["W"]).max() < 0.01 and first.regularizers == {} and t.penalty == 0
    assert not any(u.any() for layer in t.layers for u in layer.updates.values())
    assert "layer 1 (dense) is frozen (the model's trainable=False): its Δθ is 0" in str(t)
    assert "layer 2 (dense_1) is frozen (trainable=False): its Δθ is 0" in str(t)
    assert [layer["frozen_by_model"] for layer in t.to_dict()["layers"]] == [True, False]
    # model.gradients agrees: central differences of the loss evaluate reports (the loss fit minimises)
    w = model.get_weights()
    eps, numeric = 1e-6, np.zeros_like(w[0])
    for index in np.ndindex(w[0].shape):
        for sign in (1, -1):
            shifted = [a.copy() for a in w]
            shifted[0][index] += sign * eps
            model.set_weights(shifted)
            numeric[index] += sign * model.evaluate(x, y, verbose=0) / (2 * eps)
    model.set_weights(w)
    np.testing.assert_allclose(model.gradients(x, y)[0], numeric, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("opt", [
    lambda: optimizers.SGD(0.1, momentum=0.9),
    lambda: optimizers.Adam(0.01),
    lambda: optimizers.SGD(0.1, momentum=0.9, use_ema=True, ema_overwrite_frequency=3),
])
def test_apply_true_keeps_a_frozen_layers_optimizer_state_as_fit_does(opt, rng):
    # fit keeps a frozen layer's momentum (Adam's m, v) for when it is unfrozen; trace(apply=True)
    # let it decay, so fine-tuning after a traced step took another step than after fit's
    X, y = rng.normal(size=(6, 3)), (rng.random((6, 1)) > 0.5).astype(float)
    model = Sequential([Dense(4, "tanh", input_dim=3), Dense(1, "sigmoid")], dtype="float64", seed=0)
    model.compile(optimizer=opt(), loss="binary_crossentropy")
    model.train_on_batch(X, y)
    model.layers[0].trainable = False
    twin = copy.deepcopy(model)
    trace(model, X, y, apply=True)
    twin.train_on_batch(X, y)
    (n, state), (n_twin, state_twin) = model.optimizer.get_state(), twin.optimizer.get_state()
    assert n == n_twin
    for name in state_twin:
        np.testing.assert_allclose(state[name], state_twin[name], rtol=1e-12, atol=1e-15, err_msg=name)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_a_step_that_only_accumulates_the_gradient_says_so():
    # with gradient_accumulation_steps=2 every other step has Δθ = 0 whatever ∂J/∂θ, and the
    # table showed it without a word (as a frozen layer's did before its note)
    model = Sequential([Dense(1, input_dim=2)], dtype="float64", seed=0)
    model.compile(optimizers.SGD(0.1, gradient_accumulation_steps=2), "mse")
    notes = []
    for _ in range(3):
        step = model.trace([[1.0, 1.0]], [[1.0]], apply=True)
        moved = any(u.any() for u in step.layers[0].updates.values())
        notes.append((step.accumulating, moved, "gradient_accumulation_steps=2" in str(step)))
    assert notes == [(2, False, True), (0, True, False), (2, False, True)]
    assert step.to_dict()["accumulating"] == 2
    assert "makes no update (Δθ = 0); one step in 2 applies the mean of the last 2 gradients" in step.to_markdown()
    assert trace(hand_model(), [x1, x2], [t]).accumulating == 0

def test_batch_normalization_traced_on_one_example_says_why_it_shows_nothing():
    # glassnet explain traces one example: BN's x̂ is then 0, its output β and ∂J/∂γ = 0, silently
    model = Sequential([Dense(2, activation="tanh", input_dim=2), BatchNormalization(),
                        Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    one = model.trace(np.array([[1.0, 2.0]]), np.array([1]))
    bn = one.layers[1]
    np.testing.assert_array_equal(bn.a, bn.params["beta"][None])  # what the note says
    assert not bn.grads["gamma"].any()
    assert "layer 2 (batch_normalization) normalizes over the batch, here 1 example: x̂ = 0" in str(one)
    assert model.trace(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1, 0])).notes() == []


# --- 3. the layers that pass the gradient through: a backward row each -------------------
def _passing_models():
    """Models with every layer that has no W and g after the first Dense (whose red path
    reaches them), float64, smooth activations (finite differences need no kinks)."""
    from glassnet.layers import (Flatten, GaussianDropout, GaussianNoise, LayerNormalization, Normalization,
                                 Rescaling)

    train = Sequential([
        Dense(4, "tanh", input_dim=3, bias_initializer="random_normal"), BatchNormalization(), Dropout(0.5),
        GaussianDropout(0.3), GaussianNoise(0.2), Rescaling(0.5), Normalization(mean=[0.1, -0.2, 0.3, 0.0],
                                                                                variance=[1.0, 4.0, 0.25, 2.0]),
        LayerNormalization(), Flatten(), Dense(2, "sigmoid"),
    ], dtype="float64", seed=4)
    train.compile(optimizer="sgd", loss="binary_crossentropy")
    # the other forms: a frozen (inference-mode) BN, per-channel Rescaling, inverted Normalization,
    # BN without γ, and a pass-through layer last (its row starts from the loss's ∂J/∂a)
    other = Sequential([
        Dense(3, "tanh", input_dim=3, bias_initializer="random_normal"), BatchNormalization(name="frozen_bn"),
        Rescaling([2.0, -1.0, 0.5], offset=0.25), Normalization(mean=0.5, variance=2.0, axis=None, invert=True),
        BatchNormalization(scale=False), Dense(2, "tanh"), Dropout(0.25),
    ], dtype="float64", seed=5)
    other.compile(optimizer="sgd", loss="mse")
    other.build()
    frozen = other.layers[1]
    frozen.state["moving_mean"][...] = [0.1, -0.3, 0.2]
    frozen.state["moving_variance"][...] = [0.5, 2.0, 1.5]
    frozen.params["gamma"][...] = [1.5, 0.5, -1.0]
    frozen.trainable = False
    return [train, other]


def _loss_from(model, start, a, Y, noise):
    """J of the batch as a function of ``a``, the input of layer ``start`` (from 0): the
    rest of the trace's forward pass with its noise frozen (``noise``: {position: mask})."""
    for i, mask in noise.items():
        model.layers[i].fixed_mask = mask
    try:
        A = a
        for layer in model.layers[start:]:
            A = layer.forward(A, training=True)
        return float(model.compute_loss(y=Y, y_pred=A))
    finally:
        for i in noise:
            model.layers[i].fixed_mask = None


def _trace_noise(step, model):
    """Each noise layer's draw in the traced step, read from the trace."""
    from glassnet.layers import GaussianDropout, GaussianNoise

    noise = {}
    for i, (layer, row) in enumerate(zip(model.layers, step.layers)):
        if isinstance(layer, Dropout):
            noise[i] = row.backward_terms["m"] * layer.scale  # the mask m, scaled by 1/(1 − p) as drawn
        elif isinstance(layer, GaussianDropout):
            noise[i] = row.backward_terms["m"]
        elif isinstance(layer, GaussianNoise):
            noise[i] = row.a - row.a_in  # ε
    return noise


@pytest.mark.parametrize("which", [0, 1])
def test_each_pass_through_row_equals_finite_differences(which, rng):
    # ∂J/∂a^(l) of every row that is not a Dense or Activation row, against central differences of J
    # in a^(l), the rest of the forward pass run again with the trace's own dropout and noise draws.
    model = _passing_models()[which]
    X = rng.normal(size=(5, 3))
    y = rng.integers(0, 2, (5, 2)).astype(float) if which == 0 else rng.normal(size=(5, 2))
    step = trace(model, X, y)
    noise = _trace_noise(step, model)
    rows = [(i, row) for i, row in enumerate(step.layers) if row.kind != "Dense"]
    assert rows and all(row.dJ_da_in is not None and row.delta is None for _, row in rows)
    h = 1e-4  # the five-point central difference: error O(h⁴) + rounding O(ε/h), ~1e-11 relative here
    for i, row in rows:
        a = row.a_in
        fd = np.zeros_like(a)
        for k in np.ndindex(a.shape):
            def J(step_k):
                moved = a.copy()
                moved[k] += step_k
                return _loss_from(model, i, moved, step.y, noise)

            fd[k] = (8 * (J(h) - J(-h)) - (J(2 * h) - J(-2 * h))) / (12 * h)
        error = np.abs(row.dJ_da_in - fd).max() / np.abs(fd).max()
        assert error < 1e-8, (row.name, error)
        # and the gradient that arrives is what the layer above passed on
        above = step.layers[i + 1] if i + 1 < len(step.layers) else None
        if above is not None:
            np.testing.assert_array_equal(row.dJ_da, above.dJ_da_in if above.dJ_da_in is not None
                                          else above.delta @ above.params["W"].T)


def test_pass_through_rules_by_hand():
    # Dropout: ∂J/∂a^(l) = m ⊙ ∂J/∂a^(l+1) / (1 − p); BN: (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε)
    model = Sequential([Dense(3, "tanh", input_dim=2), BatchNormalization(), Dropout(0.5), Dense(1, "sigmoid")],
                       dtype="float64", seed=0)
    model.compile("sgd", "binary_crossentropy")
    step = trace(model, np.array([[1.0, 2.0], [0.5, -1.0], [-1.0, 0.25]]), np.array([1, 0, 1]))
    dense, bn, drop, out = step.layers
    m = drop.backward_terms["m"]
    assert set(np.unique(m)) <= {0.0, 1.0} and 0 < m.sum() < m.size
    np.testing.assert_array_equal(drop.dJ_da_in, m * drop.dJ_da * 2.0)
    assert drop.delta_rule == "∂J/∂a^(3) = m ⊙ ∂J/∂a^(4) / (1 − p), p = 0.5"
    t = bn.backward_terms
    assert list(t) == ["x̂", "γ", "σ² + ε", "mean(g)", "mean(g ⊙ x̂)"]
    g = t["γ"] * bn.dJ_da
    np.testing.assert_allclose(t["x̂"], (bn.a_in - bn.a_in.mean(0)) / np.sqrt(bn.a_in.var(0) + 1e-3), rtol=1e-12)
    np.testing.assert_allclose(t["σ² + ε"], bn.a_in.var(0) + 1e-3, rtol=1e-12)
    np.testing.assert_allclose(t["mean(g)"], g.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.dJ_da_in, (g - t["mean(g)"] - t["x̂"] * t["mean(g ⊙ x̂)"]) / np.sqrt(t["σ² + ε"]),
                               rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(dense.dJ_da, bn.dJ_da_in)  # what the Dense row receives
    data = json.loads(json.dumps(step.to_dict(), allow_nan=False))
    assert data["backward_order"] == [4, 3, 2, 1]
    assert data["layers"][2]["backward_terms"]["m"] == m.tolist()
    assert data["layers"][1]["dJ_da_in"] == [pytest.approx(r, rel=1e-12) for r in bn.dJ_da_in.tolist()]
    assert data["layers"][0]["dJ_da_in"] is None and data["layers"][0]["backward_terms"] == {}


def test_batch_normalization_of_sequences_shows_means_over_the_batch_and_positions():
    # its statistics run over the batch and every position: the row showed the means over the batch alone
    # (one per position, (4, 2)), which do not give the gradient it printed, and said "means over the batch"
    rng = np.random.default_rng(0)
    model = Sequential([Input((4, 2)), Dense(2, "tanh"), BatchNormalization(), Dense(3, "softmax")],
                       dtype="float64", seed=0)
    model.compile("sgd", "categorical_crossentropy")
    bn = trace(model, rng.normal(size=(3, 4, 2)), np.eye(3)[rng.integers(0, 3, (3, 4))]).layers[1]
    t, a = bn.backward_terms, bn.a_in
    g = t["γ"] * bn.dJ_da
    np.testing.assert_allclose(t["σ² + ε"], a.var(axis=(0, 1)) + 1e-3, rtol=1e-12)
    np.testing.assert_allclose(t["mean(g)"], g.mean(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(t["mean(g ⊙ x̂)"], (g * t["x̂"]).mean(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(bn.dJ_da_in, (g - t["mean(g)"] - t["x̂"] * t["mean(g ⊙ x̂)"]) / np.sqrt(t["σ² + ε"]),
                               rtol=1e-10, atol=1e-15)
    assert bn.delta_rule.endswith("means over the batch and every position")


def test_per_position_outputs_say_delta_divides_by_every_position():
    # outputs (n, m, k): the mean loss is over the n·m positions; the header said "1/n"
    rng = np.random.default_rng(0)
    model = Sequential([Input((3, 2)), Dense(4, "softmax")], dtype="float64", seed=0)
    model.compile("sgd", "categorical_crossentropy")
    x, y = rng.normal(size=(2, 3, 2)), np.eye(4)[rng.integers(0, 4, (2, 3))]
    t = trace(model, x, y)
    assert "δ includes the 1/(n·m) of the mean loss over the n·m = 6 positions" in str(t)
    np.testing.assert_allclose(t.layers[0].delta, (model.predict(x) - y) / 6, rtol=1e-12)  # softmax + CE: (a − y)/(n·m)
    weighted = trace(model, x, y, sample_weight=np.array([1.0, 2.0]))
    assert "δ includes the w_i/(n·m) of the weighted mean loss over the n·m = 6 positions" in str(weighted)
    flat = Sequential([Input((2,)), Dense(4, "softmax")], dtype="float64", seed=0)
    flat.compile("sgd", "categorical_crossentropy")
    assert "δ includes the 1/n of the mean loss)" in str(trace(flat, x[:, 0], y[:, 0]))


def test_dropout_row_names_the_rate_it_was_given_and_the_one_drawn():
    """A rate off the 2⁻¹⁶ grid is drawn as its nearest multiple: the rule shows that p (what
    the scale 1/(1 − p) uses) and the rate the user set."""
    model = Sequential([Dense(4, "relu", input_dim=2), Dropout(0.4), Dense(1, "sigmoid")], dtype="float64", seed=0)
    model.compile("sgd", "binary_crossentropy")
    drop = trace(model, np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([1, 0])).layers[1]
    assert drop.delta_rule == "∂J/∂a^(2) = m ⊙ ∂J/∂a^(3) / (1 − p), p = 0.399994 (rate=0.4 on the 2⁻¹⁶ grid)"
    assert drop.backward_terms["m"].any() and drop.dJ_da.all()
    np.testing.assert_allclose(drop.dJ_da_in, drop.backward_terms["m"] * drop.dJ_da / (1 - 26214 / 65536), rtol=1e-15)
    # a rate below 2⁻¹⁷ is drawn as 0: the row said "rate 0" of a layer given rate=1e-06
    model = Sequential([Dense(4, "relu", input_dim=2), Dropout(1e-6), Dense(1, "sigmoid")], dtype="float64", seed=0)
    model.compile("sgd", "binary_crossentropy")
    drop = trace(model, np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([1, 0])).layers[1]
    assert drop.delta_rule == "∂J/∂a^(2) = ∂J/∂a^(3) (rate=1e-06 is 0 on the 2⁻¹⁶ grid: identity)"


def test_the_backward_table_has_a_row_with_its_rule_for_every_layer():
    for model in _passing_models():
        step = trace(model, np.array([[1.0, 2.0, -0.5], [0.5, -1.0, 0.25]]), np.ones((2, 2)))
        text, markdown = str(step), step.to_markdown()
        red = text[text.index("Backward pass"):text.index("Gradients ∂J/∂W")]
        assert "g'(z^(l+1)) or the rule's terms" in red and "δ^(l+1) = ∂J/∂z^(l+1) or ∂J/∂a^(l)" in red
        for layer in step.layers:
            label = f"{layer.name} ({layer.activation})" if layer.activation else layer.name
            assert re.search(rf"^{layer.index}\s+{re.escape(label)}\s.*{re.escape(layer.delta_rule)}", red, re.M), \
                layer.name
            assert f"| {layer.index} | {label} | " in markdown and layer.delta_rule in markdown
            if layer.kind != "Dense":
                assert layer.delta_rule.startswith(f"∂J/∂a^({layer.index}) = ")
        for symbol in ("m = ", "x̂ = ", "σ² + ε = ", "s = ", "σ = "):  # the rules' terms, in their column
            assert symbol in red, symbol
    rules = {layer.kind: layer.delta_rule for model in _passing_models()
             for layer in trace(model, np.ones((2, 3)), np.zeros((2, 2))).layers}
    assert "reshaped to a^(9)'s (n, 4)" in rules["Flatten"]
    assert "passes unchanged" in rules["GaussianNoise"]
    assert rules["Rescaling"].startswith("∂J/∂a^(3) = s ⊙ ∂J/∂a^(4)")  # the second model's per-channel one
    assert "σ ⊙ ∂J/∂a^(5)" in rules["Normalization"]


def test_layers_before_the_first_weights_are_named_under_the_backward_table():
    from glassnet.layers import Flatten, Rescaling

    model = Sequential([Rescaling(0.5, input_shape=(2,)), Flatten(), Dense(1, "sigmoid")], dtype="float64")
    model.compile("sgd", "binary_crossentropy")
    step = trace(model, np.array([[1.0, 2.0]]), np.array([1]))
    assert [layer.in_red_path for layer in step.layers] == [False, False, True]
    assert step.backward_notes() == ["layers 1 (rescaling), 2 (flatten) come before the first layer with weights "
                                     "(layer 3): the red path stops there, no weight below it needs ∂J/∂a^(3)"]
    text = str(step)
    assert text.index("layers 1 (rescaling)") < text.index("Gradients ∂J/∂W")


def test_a_model_of_dense_layers_prints_as_before():
    # recorded before the pass-through rows existed (tests/data/trace_dense_only.json)
    from pathlib import Path

    from glassnet.trace import worked_example_model

    expected = json.loads((Path(__file__).parent / "data" / "trace_dense_only.json").read_text(encoding="utf-8"))
    model = Sequential([Dense(3, "tanh", input_dim=2), Dense(2, "relu"), Dense(3, "softmax")], dtype="float64")
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1, momentum=0.5), loss="categorical_crossentropy")
    model.build()
    model.set_weights([np.array([[0.5, -0.25, 0.125], [0.75, 0.5, -1.0]]), np.array([0.0, 0.25, -0.5]),
                       np.array([[1.0, -0.5], [0.25, 0.5], [-0.75, 1.0]]), np.array([0.125, 0.0]),
                       np.array([[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]]), np.array([0.0, 0.125, -0.125])])
    hand = trace(worked_example_model(), [0.05, 0.10], [0.01])
    batch = trace(model, np.array([[1.0, -0.5], [0.25, 2.0]]), np.array([[0, 1, 0], [1, 0, 0]]))
    assert str(hand) == expected["hand"] and hand.to_markdown() == expected["hand_md"]
    assert str(batch) == expected["batch"] and batch.to_markdown() == expected["batch_md"]


def test_a_layer_s_activity_penalty_is_in_the_dJ_da_its_row_shows():
    # Dense(2, tanh, activity_regularizer=L2(0.5)) under Dense(1): the row showed ∂J/∂a^(2) = δ^(3) W^(2)ᵀ alone
    # and the rule "(δ^(3) W^(2)ᵀ) ⊙ g'(z^(2))", while its δ held the penalty's gradient 2 · 0.5 · a^(2) / n too,
    # so δ ≠ ∂J/∂a ⊙ g'(z) on the page. By hand: x = (1, 0), W^(1) = I, b = 0: a^(2) = tanh(1, 0);
    # W^(2) = (1, 1)ᵀ, y = 0: δ^(3) = 2 a^(3) = 2 tanh(1), n = 1
    model = Sequential([Dense(2, activation="tanh", input_dim=2, activity_regularizer=regularizers.L2(0.5)),
                        Dense(1)], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    model.build()
    model.set_weights([np.eye(2), np.zeros(2), np.ones((2, 1)), np.zeros(1)])
    step = trace(model, [[1.0, 0.0]], [[0.0]])
    t = math.tanh(1.0)
    hidden = step.layers[0]
    np.testing.assert_allclose(hidden.dJ_da, [[2 * t + t, 2 * t]], rtol=1e-15)  # δ^(3) W^(2)ᵀ + 2 · 0.5 · a^(2)
    np.testing.assert_allclose(hidden.delta, hidden.dJ_da * hidden.g_prime, rtol=1e-15)
    assert hidden.delta_rule == "(δ^(3) W^(2)ᵀ + ∂R(a^(2))/∂a^(2) / n) ⊙ g'(z^(2))"
    np.testing.assert_allclose(step.layers[0].grads["b"], model.gradients([[1.0, 0.0]], [[0.0]])[1], rtol=1e-15)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("activation", ["elu", "gelu", "relu", "softmax"])
def test_a_dense_layer_on_sequences_shows_z_and_delta_at_every_position(activation, n, rng):
    # Dense keeps z and δ of (n, T, units) as (n·T, units) rows: the trace showed them so, and for one
    # example its tables cut them by example, printing only the first position's z^(2) and δ^(2); for
    # several, g'(z) of an activation that reads z and a (elu, gelu) failed to broadcast (a ValueError)
    X, Y = rng.normal(size=(n, 3, 2)), rng.normal(size=(n, 3, 2))
    model = Sequential([Dense(4, activation, input_shape=(3, 2)), Dense(2)], dtype="float64", seed=0)
    model.compile("sgd", "mse")
    t_ = trace(model, X, Y)
    first, second = t_.layers
    W, b = first.params["W"], first.params["b"]
    z = X @ W + b
    assert first.z.shape == first.delta.shape == second.delta.shape[:-1] + (4,) == (n, 3, 4)
    np.testing.assert_allclose(first.z, z, rtol=1e-12)
    # δ^(2) = ∂J/∂z^(2) by central differences of J = mean (a^(3) − y)² over the 3 positions
    act = activations.get(activation)

    def J(Z):
        return np.mean((np.asarray(act.forward(Z)) @ second.params["W"] + second.params["b"] - Y) ** 2)

    h, fd = 1e-6, np.zeros_like(z)
    for idx in np.ndindex(*z.shape):
        E = np.zeros_like(z)
        E[idx] = h
        fd[idx] = (J(z + E) - J(z - E)) / (2 * h)
    np.testing.assert_allclose(first.delta, fd, rtol=1e-6, atol=1e-9)
    forward = str(t_).split("Backward pass")[0]
    for value in z[0, 1:].ravel():  # the second and third positions' z^(2) are in the forward table
        assert f"{value:.6g}" in forward


def test_every_definition_of_the_package_is_still_glassnet_trace_name_and_its_doctest_runs():
    # trace.py became a package (STYLE.md rule 1): its 31 top-level names keep their path, the private
    # helpers included (Sequential imports _save_side_effects and _restore_side_effects from it)
    import doctest
    from pathlib import Path

    import glassnet
    import glassnet.trace as package
    from conftest import names_kept

    modules = ("_backward", "_format", "_layer_record", "_step_record", "_tracing", "_worked_example")
    defined = names_kept(package, "glassnet.trace", modules)
    assert defined == 31
    assert sorted(p.stem for p in Path(package.__file__).parent.glob("*.py")) == sorted(("__init__", *modules))
    assert glassnet.trace is package and package.trace is trace and package._step.__name__ == "_step"
    # the package's docstring keeps the module's example, which runs as written
    result = doctest.testmod(package)
    assert (result.attempted, result.failed) == (7, 0)


def test_a_trace_pickled_before_the_split_loads_and_prints_the_same():
    # pickles name a class by its module path: glassnet.trace.Trace, glassnet.trace.LayerTrace (protocol 0:
    # "c<module>\n<name>"); tests/data's was made by glassnet at c5884bb, when trace.py was one module
    import pickle
    from pathlib import Path

    from glassnet.trace import LayerTrace, _Terms, worked_example_model

    for name, cls in [("Trace", Trace), ("LayerTrace", LayerTrace), ("_Terms", _Terms)]:
        assert pickle.loads(f"cglassnet.trace\n{name}\n.".encode()) is cls, name
    old = pickle.loads((Path(__file__).parent / "data" / "glassnet-c5884bb-trace.pkl").read_bytes())
    assert type(old) is Trace and all(type(layer) is LayerTrace for layer in old.layers)
    assert old.loss == pytest.approx(E, rel=1e-12)
    assert str(old) == str(trace(worked_example_model(), [0.05, 0.10], [0.01]))
    assert old.to_markdown() == trace(worked_example_model(), [0.05, 0.10], [0.01]).to_markdown()
