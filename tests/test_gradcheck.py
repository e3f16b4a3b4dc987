"""glassnet.check_gradients: what it reports where finite differences reach their limit."""

import re

import numpy as np
import pytest

import glassnet
from glassnet import gradcheck, initializers
from glassnet.activations import Sigmoid
from glassnet.layers import Dense
from glassnet.models import Sequential


def _saturated(activation="sigmoid", bias=14.0):
    # σ'(14) ≈ 8e-7: the first layer's gradients are ~1e-6, as in a saturated network
    model = Sequential([Dense(3, activation=activation, input_dim=3, bias_initializer=initializers.Constant(bias)),
                        Dense(1)], seed=0, dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    return model


def test_rounding_noise_is_not_reported_as_an_error(rng, monkeypatch):
    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 1))
    result = glassnet.check_gradients(_saturated(), X, y)
    assert result.passed(), str(result)
    assert "dense/W" in result.within_noise
    assert "rounding noise" in str(result)
    # the analytic and numeric gradients still agree entry by entry, to the noise
    np.testing.assert_allclose(result.analytic["dense/W"], result.numeric["dense/W"], atol=1e-9)
    # without the noise allowance a correct network showed a "relative error" far above 1e-6
    monkeypatch.setattr(gradcheck, "NOISE_FACTOR", 0)
    assert glassnet.check_gradients(_saturated(), X, y).errors["dense/W"] > 1e-5


def test_a_wrong_derivative_on_tiny_gradients_is_still_caught(rng):
    class HalfSigmoid(Sigmoid):
        def derivative(self, Z, A):
            return 0.5 * A * (1 - A)  # half of σ' = σ(1 − σ)

    X, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 1))
    result = glassnet.check_gradients(_saturated(HalfSigmoid(), bias=10.0), X, y)
    assert result.errors["dense/W"] == pytest.approx(1 / 3, rel=1e-3)  # ‖g/2 − g‖ / (‖g/2‖ + ‖g‖)
    assert result.errors["dense_1/W"] < 1e-6


def test_cancellation_inside_the_loss_is_not_reported_as_an_error():
    # J computed with cancellation rounds far above u·|J|: a confident softmax (1 − p with p = 1 − 6.6e-7)
    # and batch normalization after an offset of 100 on inputs of 1e-4 (x − μ). Both gradients are right:
    # with bias 0 and bias 100 batch norm gives the same ∂J/∂W, and the check must pass on both.
    from glassnet.layers import BatchNormalization, Input

    softmax = Sequential([Dense(2, activation="softmax", use_bias=False, input_dim=1)], dtype="float64")
    softmax.compile(optimizer="sgd", loss="categorical_crossentropy")
    softmax.build()
    softmax.set_weights([np.array([[0.189, -0.523]])])
    assert glassnet.check_gradients(softmax, [[20.0]], [[1.0, 0.0]]).passed()

    rng = np.random.default_rng(0)
    X, y = rng.normal(0, 1e-4, (4, 2)), rng.normal(0, 1, (4, 1))
    analytic = []
    for bias in (0.0, 100.0):
        model = Sequential([Input(shape=(2,)), Dense(2), BatchNormalization(), Dense(1)], dtype="float64", seed=0)
        model.compile(optimizer="sgd", loss="mse")
        weights = model.get_weights()
        weights[1][:] = bias
        model.set_weights(weights)
        result = glassnet.check_gradients(model, X, y)
        assert result.passed(), (bias, str(result))
        analytic.append(result.analytic["dense/W"])
    np.testing.assert_allclose(analytic[1], analytic[0], rtol=1e-9)
    # a wrong derivative in the same regime is still caught
    class HalfSoftmax(glassnet.activations.Softmax):
        def backward(self, Z, A, dA, out=None):
            return 0.5 * super().backward(Z, A, dA, out=out)

    wrong = Sequential([Dense(2, activation=HalfSoftmax(), use_bias=False, input_dim=1)], dtype="float64")
    wrong.compile(optimizer="sgd", loss="mse")
    wrong.build()
    wrong.set_weights([np.array([[0.189, -0.523]])])
    assert glassnet.check_gradients(wrong, [[2.0]], [[1.0, 0.0]]).max_error == pytest.approx(1 / 3, rel=1e-3)


@pytest.mark.parametrize("tolerance, error, message", [
    ("1e-6", TypeError, "tolerance must be a number. Received: tolerance='1e-6'"),
    (-1.0, ValueError, "tolerance must be > 0"),
    (float("nan"), ValueError, "tolerance must be finite"),
])
def test_passed_names_a_bad_tolerance(rng, tolerance, error, message):
    # passed("1e-6") raised Python's "'<' not supported between instances of 'float' and 'str'",
    # and passed(-1) or passed(nan) answered False for any network, however right its gradients
    model = Sequential([Dense(2, "tanh", input_dim=3), Dense(1)], seed=0, dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(4, 3)), rng.normal(size=(4, 1)))
    assert result.passed() and result.passed(1e-3)
    with pytest.raises(error, match=re.escape(message)):
        result.passed(tolerance)


@pytest.mark.parametrize("X, y, message", [
    (np.ones((2, 2)), np.ones((2, 1)), "X: the model expected 3 features, got 2 features"),
    (np.ones((2, 3)), np.ones((3, 1)), "Inconsistent numbers of samples: X has 2, y has 3"),
    (np.ones((2, 3, 1)), np.ones((2, 1)), "X must be a 2-D array"),
])
def test_bad_input_is_named_as_the_argument_X(X, y, message):
    # check_gradients(model, X, y) named its first argument X in some messages and x in others
    model = Sequential([Dense(1, input_dim=3)])
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=re.escape(message)):
        glassnet.check_gradients(model, X, y)


def test_an_unbuilt_model_is_built_as_fit_would_build_it_and_otherwise_left_alone():
    # the docstring said the model is not modified, but an unbuilt one is built (as fit and trace do):
    # with the model's seed these are the weights fit draws, so a later fit runs as without the check
    X = np.random.default_rng(0).normal(size=(6, 3))
    y = X[:, :1] ** 2

    def model():
        net = Sequential([Dense(4, "tanh", input_dim=3), Dense(1)], seed=3)
        net.compile("sgd", "mse")
        return net

    checked, untouched = model(), model()
    glassnet.check_gradients(checked, X, y)
    assert checked.built
    untouched.build()
    for a, b in zip(checked.get_weights(), untouched.get_weights()):
        np.testing.assert_array_equal(a, b)
    before = [w.copy() for w in checked.get_weights()]
    glassnet.check_gradients(checked, X, y)
    for a, b in zip(checked.get_weights(), before):
        np.testing.assert_array_equal(a, b)


# -- SPEC A9's "every layer, activation and loss passes it": one model per built-in layer ----------------------
# Each layer sits between two Dense layers, so the first Dense's gradients check the layer's backward (dX) and
# its own tensors are checked too. Layers that take integer inputs sit first; they have nothing to
# backpropagate into (Embedding's table is checked; CategoryEncoding and Discretization have no weights, and
# Discretization is piecewise constant, so only the Dense after them is checked).
def _between(layers):
    return lambda L: [L.Input((4,)), L.Dense(6, activation="tanh"), *layers(L), L.Dense(2)]


def _first(layers):
    return lambda L: [L.Input((3,)), *layers(L), L.Dense(2)]


LAYER_MODELS = {
    "Dense": _between(lambda L: [L.Dense(3, activation="sigmoid")]),
    "Activation": _between(lambda L: [L.Activation("tanh")]),
    "ReLU": _between(lambda L: [L.ReLU()]),
    "LeakyReLU": _between(lambda L: [L.LeakyReLU(0.2)]),
    "ELU": _between(lambda L: [L.ELU()]),
    "Softmax": _between(lambda L: [L.Softmax()]),
    "PReLU": _between(lambda L: [L.PReLU(alpha_initializer="random_normal")]),
    "Dropout": _between(lambda L: [L.Dropout(0.4, seed=1)]),
    "AlphaDropout": _between(lambda L: [L.AlphaDropout(0.3, seed=1)]),
    "GaussianDropout": _between(lambda L: [L.GaussianDropout(0.3, seed=1)]),
    "GaussianNoise": _between(lambda L: [L.GaussianNoise(0.3, seed=1)]),
    "BatchNormalization": _between(lambda L: [L.BatchNormalization()]),
    "LayerNormalization": _between(lambda L: [L.LayerNormalization()]),
    "RMSNormalization": _between(lambda L: [L.RMSNormalization()]),
    "GroupNormalization": _between(lambda L: [L.GroupNormalization(groups=3)]),
    "UnitNormalization": _between(lambda L: [L.UnitNormalization()]),
    "Rescaling": _between(lambda L: [L.Rescaling(0.5, offset=1.0)]),
    "Normalization": _between(lambda L: [L.Normalization(mean=1.0, variance=2.0)]),
    "Identity": _between(lambda L: [L.Identity()]),
    "ActivityRegularization": _between(lambda L: [L.ActivityRegularization(0.1, 0.2)]),
    "Flatten": _between(lambda L: [L.Reshape((3, 2)), L.Flatten()]),
    "Reshape": _between(lambda L: [L.Reshape((2, 3)), L.Flatten()]),
    "Permute": _between(lambda L: [L.Reshape((2, 3)), L.Permute((2, 1)), L.Flatten()]),
    "GlobalAveragePooling1D": _between(lambda L: [L.Reshape((2, 3)), L.GlobalAveragePooling1D()]),
    "GlobalMaxPooling1D": _between(lambda L: [L.Reshape((3, 2)), L.GlobalMaxPooling1D(data_format="channels_first")]),
    "SpectralNormalization": _between(lambda L: [L.SpectralNormalization(L.Dense(3))]),
    "Embedding": _first(lambda L: [L.Embedding(5, 2), L.Flatten()]),
    "CategoryEncoding": _first(lambda L: [L.CategoryEncoding(5, output_mode="multi_hot")]),
    "Discretization": _first(lambda L: [L.Discretization(bin_boundaries=[1.0, 3.0])]),
}


def test_every_built_in_layer_has_a_gradient_check():
    # a layer added to glassnet.layers.LAYERS without an entry here would go unchecked
    from glassnet import layers

    assert set(LAYER_MODELS) == set(layers.LAYERS), set(layers.LAYERS) ^ set(LAYER_MODELS)


@pytest.mark.parametrize("name", sorted(LAYER_MODELS))
def test_every_built_in_layer_passes_the_gradient_check(name, rng):
    from glassnet import layers

    model = Sequential(LAYER_MODELS[name](layers), seed=2, dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    X = rng.integers(0, 5, size=(6, 3)) if LAYER_MODELS[name].__qualname__.startswith("_first") else rng.normal(size=(6, 4))
    result = glassnet.check_gradients(model, X, rng.normal(size=(6, 2)))
    assert result.passed(), str(result)
    # every trainable tensor of the network is in the report, the layer's own included
    assert set(result.errors) == {f"{l.name}/{k}" for l in model.layers for k in l.params}
    assert any(type(l).__name__ == name for l in model.layers)


# Every registered regularizer adds its penalty's gradient (constraints are not here: they project the weights
# after the optimizer's step and have no gradient; activations and losses enumerate their registries in
# test_activations.py and test_losses.py).
@pytest.mark.parametrize("name", sorted(glassnet.regularizers.REGULARIZERS))
def test_every_registered_regularizer_passes_the_gradient_check(name, rng):
    model = Sequential([Dense(4, "tanh", input_dim=3, kernel_regularizer=name), Dense(2, kernel_regularizer=name)],
                       seed=1, dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    assert glassnet.check_gradients(model, X, y).passed()
    # the penalty is in J: without it the same weights give other gradients
    plain = Sequential([Dense(4, "tanh", input_dim=3), Dense(2)], seed=1, dtype="float64")
    plain.compile(loss="mse", optimizer="sgd")
    assert not np.allclose(glassnet.check_gradients(plain, X, y).analytic["dense/W"],
                           glassnet.check_gradients(model, X, y).analytic["dense/W"], atol=1e-6)


def test_float32_model_with_weights_and_penalty_is_checked_in_float64_against_numpy(rng):
    # an independent reference: J = Σ w_i mean_k (ŷ − y)² / n + 0.05 ΣW₁², its central differences in NumPy
    X, y, w = rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), rng.uniform(0.1, 2.0, size=5)
    model = Sequential([Dense(4, "tanh", input_dim=3, kernel_regularizer=glassnet.regularizers.L2(0.05)), Dense(2)],
                       seed=0, dtype="float32")
    model.compile(loss="mse", optimizer="sgd")
    model.build()
    params = [p.astype(np.float64) for p in model.get_weights()]

    def J(W1, b1, W2, b2):
        return w @ np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - y) ** 2, axis=1) / 5 + 0.05 * np.sum(W1**2)

    result = glassnet.check_gradients(model, X, y, sample_weight=w)
    for name, p in zip(["dense/W", "dense/b", "dense_1/W", "dense_1/b"], params):
        expected = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + 1e-6
            up = J(*params)
            p[i] = old - 1e-6
            expected[i] = (up - J(*params)) / 2e-6
            p[i] = old
        assert result.analytic[name].dtype == np.float64  # float32 would agree to ~1e-7 only
        np.testing.assert_allclose(result.analytic[name], expected, atol=1e-9)
        np.testing.assert_allclose(result.numeric[name], expected, atol=1e-9)
    assert result.passed(1e-9), str(result)
    # a gradient of 1e-12 that is right is no alarm (both norms below atol, or within the noise)
    tiny = Sequential([Dense(1, input_dim=2, use_bias=False)], dtype="float64")
    tiny.compile(loss="mse", optimizer="sgd")
    tiny.build()
    tiny.set_weights([np.array([[1e-12], [1.0]])])
    result = glassnet.check_gradients(tiny, np.eye(2), [[0.0], [1.0]])
    np.testing.assert_allclose(result.analytic["dense/W"], [[1e-12], [0.0]], atol=1e-20)
    assert result.errors == {"dense/W": 0.0}


def test_a_relu_at_its_kink_passes_with_backpropagations_one_sided_slope():
    # seed 001's XOR through ReLU units: the input (0, 0) with zero biases puts every z exactly at 0, where ReLU has
    # no derivative; backprop's slope 0 there is a subgradient, but the central difference averages both slopes and
    # the check reported dense/b 0.536 off, a correct network failing
    X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([0.0, 1, 1, 0])
    model = Sequential([Dense(4, "relu", input_dim=2), Dense(1, "sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    result = glassnet.check_gradients(model, X, y)
    assert result.passed() and result.max_error == 0.0, str(result)
    assert result.at_kinks == {"dense/b": 4} and "4 entries at a kink" in str(result)
    # a wrong slope at the kink, outside the two one-sided ones, is still caught
    class Steep(glassnet.activations.ReLU):
        def backward(self, Z, A, dA, out=None):
            return dA * np.where(Z >= 0, 2.0, 0.0)

    wrong = Sequential([Dense(4, Steep(), input_dim=2), Dense(1, "sigmoid")], seed=0)
    wrong.compile(optimizer="sgd", loss="binary_crossentropy")
    assert not glassnet.check_gradients(wrong, X, y).passed()


class _Linear(glassnet.layers.Layer):
    """Dense without activation, written as the docs' own layer, with ``∂J/∂w`` scaled by ``factor`` and
    its gradients added into the buffer (``accumulate``) instead of set."""
    weight_names = ("w", "b")

    def __init__(self, units=3, factor=1.0, accumulate=False, **kwargs):
        super().__init__(**kwargs)
        self.units, self.factor, self.accumulate = units, factor, accumulate

    def build(self, input_shape):
        dtype = glassnet.backend.standardize_dtype(self.dtype)
        self.params["w"] = initializers.get("glorot_uniform")((input_shape[-1], self.units), dtype=dtype)
        self.params["b"] = np.zeros(self.units, dtype=dtype)
        self.grads["w"], self.grads["b"] = np.zeros_like(self.params["w"]), np.zeros_like(self.params["b"])
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def forward(self, X, training=False):
        self.X = X
        return X @ self.params["w"] + self.params["b"]

    def backward(self, dY):
        w, b = self.factor * (self.X.T @ dY), dY.sum(0)
        if self.accumulate:
            self.grads["w"] += w
            self.grads["b"] += b
        else:
            self.grads["w"][...], self.grads["b"][...] = w, b
        return dY @ self.params["w"].T


def test_one_entry_whose_wider_step_crosses_a_kink_excuses_no_other():
    # a pre-activation 1.5e-6 above a ReLU's kink: the 2ε difference of that one weight crosses it, and its large
    # spread, in the tensor's norm, let a backward pass 20 % wrong report 0.0 and pass
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 4))
    X[0] = 1.0
    y = rng.integers(0, 2, 8)
    for factor, passes in ((1.0, True), (1.2, False)):
        model = Sequential([glassnet.layers.Input((4,)), _Linear(3, factor=factor), glassnet.layers.Activation("relu"),
                            Dense(2, "softmax")], seed=0)
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        w, b = model.layers[0].params["w"], model.layers[0].params["b"]
        b[0] = -(X[0] @ w[:, 0]) + 1.5e-6
        result = glassnet.check_gradients(model, X, y)
        assert result.passed() == passes, (factor, str(result))
    assert result.errors[f"{model.layers[0].name}/w"] == pytest.approx(0.2 / 2.2, rel=1e-6)


def test_a_backward_that_adds_into_its_gradients_fails_the_check():
    # fit leaves the gradient buffer as the last step wrote it; a layer that adds to it (grads["w"] += ...) trains
    # on the sum of every step's gradients, but passed the check, which cleared the buffer before one backward pass
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
    for accumulate in (False, True):
        model = Sequential([glassnet.layers.Input((4,)), _Linear(3, accumulate=accumulate),
                            glassnet.layers.Activation("tanh"), Dense(2)], seed=0, dtype="float64")
        model.compile(optimizer="sgd", loss="mse")
        result = glassnet.check_gradients(model, X, y)
        assert result.passed() != accumulate, str(result)
    assert result.errors[f"{model.layers[0].name}/w"] == pytest.approx(1 / 3, rel=1e-6)  # (twice the gradient: |2g − g| / 3|g|)
    assert result.errors["dense/W"] == 0.0
