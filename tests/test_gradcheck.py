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
