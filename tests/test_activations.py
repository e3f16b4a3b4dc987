import numpy as np
import pytest

import glassnet
from glassnet import activations
from glassnet.layers import Activation, Dense
from glassnet.models import Sequential


def test_softmax_reproduces_seed_000_values():
    # Seed 000 prints 0.000867 0.047384 0.951747 and 0.221947 0.331106 0.446946:
    # the values cut (not rounded) to six decimals.
    sm = activations.get("softmax")
    cut = lambda v: np.floor(v * 1e6) / 1e6  # noqa: E731
    np.testing.assert_array_equal(cut(sm(np.array([4.0, 8, 11]))), cut(np.array([0.000867, 0.047384, 0.951747]) + 1e-12))
    np.testing.assert_array_equal(cut(sm(np.array([0.4, 0.8, 1.1]))), cut(np.array([0.221947, 0.331106, 0.446946]) + 1e-12))


def test_softmax_ratios_of_seed_000():
    # "0.951747 / 0.047384 = 20.085" and "0.446946 / 0.331106 = 1.3498": the ratio of two softmax
    # outputs is e^(x_i − x_j), e³ = 20.0855 and e^0.3 = 1.34986 (the slide cuts them)
    sm = activations.get("softmax")
    big, small = sm(np.array([4.0, 8, 11])), sm(np.array([0.4, 0.8, 1.1]))
    assert np.floor(big[2] / big[1] * 1e3) / 1e3 == 20.085 and np.floor(small[2] / small[1] * 1e4) / 1e4 == 1.3498
    np.testing.assert_allclose([big[2] / big[1], small[2] / small[1]], np.exp([3.0, 0.3]), rtol=1e-12)


def test_softmax_beta_concentrates_and_tends_to_argmax():
    z = np.array([[4.0, 8.0, 11.0]])
    hot = activations.Softmax(beta=50.0)(z)
    np.testing.assert_allclose(hot, [[0, 0, 1]], atol=1e-12)
    assert activations.Softmax(beta=2.0)(z)[0, 2] > activations.Softmax(beta=1.0)(z)[0, 2]


def test_softmax_is_stable_for_huge_inputs():
    out = activations.get("softmax")(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.0]])
    # Rows whose scales differ wildly (row 2 far below the batch maximum).
    out = activations.get("softmax")(np.array([[1000.0, 0.0], [0.0, -1000.0], [-2000.0, -2001.0]], dtype=np.float32))
    np.testing.assert_allclose(out, [[1, 0], [1, 0], [1 / (1 + np.exp(-1)), 1 - 1 / (1 + np.exp(-1))]], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_fast_and_shifted_paths_agree_with_float64_reference(dtype):
    # Logits within +-64 take the unshifted path, a batch with one logit beyond
    # it the shifted one; both must match the float64 formula to rounding.
    rng = np.random.default_rng(3)
    for scale in (1.0, 30.0, 63.0, 70.0, 100.0):  # e^100 overflows float32
        z = (rng.uniform(-1, 1, (50, 7)) * scale).astype(dtype)
        z64 = z.astype(np.float64)
        ref = np.exp(z64 - z64.max(axis=1, keepdims=True))
        ref /= ref.sum(axis=1, keepdims=True)
        out = activations.get("softmax")(z)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, ref, rtol=2e-6 if dtype == np.float32 else 1e-13, atol=1e-30)
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_argmax_splits_ties():
    # Seed 000: argmax(4, 8, 11) = (0, 0, 1); argmax(4, 3, 2, 4) = (0.5, 0, 0, 0.5); all equal -> 1/n each.
    np.testing.assert_array_equal(activations.get("argmax")(np.array([4.0, 8, 11])), [0, 0, 1])
    np.testing.assert_array_equal(activations.get("argmax")(np.array([4.0, 3, 2, 4])), [0.5, 0, 0, 0.5])
    np.testing.assert_array_equal(activations.get("argmax")(np.array([[1.0, 1, 1, 1]])), [[0.25] * 4])


def test_logistic_with_steepness_and_derivative_from_output():
    z = np.linspace(-3, 3, 7)
    lam = 2.5
    f = activations.Sigmoid(steepness=lam)
    expected = 1 / (1 + np.exp(-lam * z))
    np.testing.assert_allclose(f(z), expected, rtol=1e-12)
    np.testing.assert_allclose(f.derivative(z, f(z)), lam * expected * (1 - expected), rtol=1e-12)


def test_standard_logistic_identities_of_seed_000():
    # f(x) = 1/(1 + e^−x) = e^x/(e^x + 1) = ½ + ½ tanh(x/2), and f'(x) = f(x)(1 − f(x)) = f(x) f(−x)
    x = np.linspace(-6, 6, 25)
    f = activations.get("sigmoid")
    np.testing.assert_allclose(f(x), np.exp(x) / (np.exp(x) + 1), rtol=1e-12)
    np.testing.assert_allclose(f(x), 0.5 + 0.5 * np.tanh(x / 2), rtol=1e-12)
    np.testing.assert_allclose(f.derivative(x, f(x)), f(x) * f(-x), rtol=1e-12)


def test_logistic_never_overflows():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = activations.get("sigmoid")(np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])


def test_bipolar_sigmoid_formula_and_derivative():
    z = np.linspace(-4, 4, 9)
    lam = 1.7
    f = activations.BipolarSigmoid(steepness=lam)
    expected = 2 / (1 + np.exp(-lam * z)) - 1
    np.testing.assert_allclose(f(z), expected, atol=1e-14)
    np.testing.assert_allclose(f.derivative(z, expected), lam / 2 * (1 - expected**2), atol=1e-14)


@pytest.mark.parametrize(
    "name, z, expected",
    [
        ("step", [-1.0, 0.0, 2.0], [0, 1, 1]),
        ("sign", [-1.0, 0.0, 2.0], [-1, 1, 1]),
        ("relu", [-1.0, 0.0, 2.0], [0, 0, 2]),
        ("leaky_relu", [-1.0, 0.0, 2.0], [-0.01, 0, 2]),
        ("ramp", [-3.0, 0.5, 2.0], [-1, 0.5, 1]),
        ("linear", [-3.0, 0.5, 2.0], [-3, 0.5, 2]),
        ("elu", [-1.0, 0.0, 2.0], [np.expm1(-1), 0, 2]),
        ("softplus", [-1.0, 0.0, 2.0], np.log1p(np.exp([-1.0, 0.0, 2.0]))),
        ("tanh", [-1.0, 0.0, 2.0], np.tanh([-1.0, 0.0, 2.0])),
    ],
)
def test_values(name, z, expected):
    np.testing.assert_allclose(activations.get(name)(np.array(z)), expected, rtol=1e-12, atol=1e-15)


def test_leaky_relu_slope_is_a_parameter():
    np.testing.assert_allclose(activations.LeakyReLU(0.2)(np.array([-2.0])), [-0.4])


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown activation 'relux'.*relu.*sigmoid"):
        activations.get("relux")


def test_plain_callable_is_accepted():
    dense = Dense(2, activation=np.tanh)
    assert dense.activation(np.array([0.5]))[0] == pytest.approx(np.tanh(0.5))


DIFFERENTIABLE = ["linear", "sigmoid", "bipolar_sigmoid", "tanh", "relu", "leaky_relu", "ramp", "softplus", "elu",
                  "softmax", "log_softmax"]
PIECEWISE_CONSTANT = ["step", "sign", "argmax"]


@pytest.mark.parametrize("name", DIFFERENTIABLE + PIECEWISE_CONSTANT)
def test_every_activation_passes_the_gradient_check(name, rng):
    # Dense(linear) -> Activation(name) -> Dense(linear): the check covers the
    # activation's backward (Jacobian product for softmax) inside a network.
    n_in, n_hidden = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    model = Sequential(
        [Dense(n_hidden, input_dim=n_in, kernel_initializer="glorot_normal", bias_initializer="random_normal"),
         Activation(name), Dense(2)],
        dtype="float64",
    )
    model.compile(loss="mse", optimizer="sgd")
    X = rng.normal(size=(5, n_in))
    y = rng.normal(size=(5, 2))
    result = glassnet.check_gradients(model, X, y)
    assert result.max_error < 1e-6, str(result)


def test_activation_and_initializer_parameters_are_checked_when_given():
    from glassnet import activations, initializers

    with pytest.raises(ValueError, match="beta must be finite"):
        activations.Softmax(beta=float("inf"))  # returned NaN
    with pytest.raises(TypeError, match="steepness must be a number"):
        activations.Sigmoid(steepness="2")
    with pytest.raises(ValueError, match="stddev must be >= 0"):
        initializers.RandomNormal(0.0, -1.0)  # failed later, inside NumPy, as "scale < 0"
    with pytest.raises(ValueError, match="maxval must be >= minval"):
        initializers.RandomUniform(1.0, -1.0)
    with pytest.raises(ValueError, match="scale must be > 0"):
        initializers.VarianceScaling(scale=-1)  # "math domain error" at the first draw


def test_float16_softmax_does_not_overflow():
    from glassnet.activations import Softmax

    out = Softmax().forward(np.array([[12.0, 11, 0]], np.float16))  # NaN: e^12 overflows float16
    np.testing.assert_allclose(out, [[0.731, 0.269, 4.5e-6]], atol=1e-3)
    assert out.dtype == np.float16
    assert np.isfinite(Softmax(100.0).forward(np.array([[710.0, 709, 0]], np.float16))).all()


def test_sigmoid_tanh_relu_and_ramp_follow_the_lectures_formulas():
    # seeds 001–004: S(x) = 1/(1 + e^−x), S' = S(1 − S); tanh = (e^{2x} − 1)/(e^{2x} + 1),
    # tanh' = 1 − tanh²; ReLU' = 1 for x > 0; ramp (−1 below −1, x between, 1 above), ramp' = 1 inside
    from glassnet import activations

    x = np.array([[-3.0, -1.5, -0.5, 0.25, 0.75, 2.0]])
    S = 1 / (1 + np.exp(-x))
    sigmoid = activations.get("sigmoid")
    np.testing.assert_allclose(sigmoid(x), S, rtol=1e-15)
    np.testing.assert_allclose(sigmoid.derivative(x, S), S * (1 - S), rtol=1e-15)
    T = (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1)
    tanh = activations.get("tanh")
    np.testing.assert_allclose(tanh(x), T, rtol=1e-14)
    np.testing.assert_allclose(tanh.derivative(x, T), 1 - T**2, rtol=1e-13)
    relu = activations.get("relu")
    np.testing.assert_array_equal(relu.derivative(x, relu(x)), (x > 0).astype(float))
    ramp = activations.get("ramp")
    np.testing.assert_array_equal(ramp(x), np.clip(x, -1, 1))
    np.testing.assert_array_equal(ramp.derivative(x, ramp(x)), ((x > -1) & (x < 1)).astype(float))


def test_integer_and_boolean_inputs_are_computed_in_floatx():
    # log softmax(3, 1) = (−log(1 + e^−2), −2 − log(1 + e^−2)) = (−0.1269, −2.1269), torch's values;
    # in uint32 it was (−inf, −inf), and softmax of integers could not store e^z
    expected = -np.log1p(np.exp(-2.0)) - np.array([[0.0, 2.0]])
    np.testing.assert_allclose(activations.log_softmax(np.array([[3, 1]], np.uint32)), expected, rtol=1e-6)
    np.testing.assert_allclose(activations.softmax(np.array([[1000, 0]])), [[1, 0]])
    np.testing.assert_allclose(activations.softmax(np.array([[100, 0]], np.uint8)), [[1, 0]], atol=1e-40)
    np.testing.assert_allclose(activations.log_softmax(np.array([[True, False]])),
                               -np.log1p(np.exp(-1.0)) - np.array([[0.0, 1.0]]), rtol=1e-6)
    for name in ("tanh", "softmax", "softplus", "elu", "log_softmax", "relu", "step", "sign"):
        f = activations.get(name)
        for dtype in (bool, np.int8, np.uint8, np.int64):
            A = f(np.array([[1, 0]], dtype))
            assert A.dtype == np.float32, (name, dtype)  # was float16 for the small ones
            np.testing.assert_allclose(A, f(np.array([[1.0, 0.0]])), rtol=1e-6)
        for dtype in (np.float16, np.float64):  # floating inputs keep their dtype
            assert f(np.array([[1, 0]], dtype)).dtype == dtype


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "argmax"])
@pytest.mark.parametrize("shape", [(2, 0), (2, 0, 3), (2, 3, 0), (0, 4)])
def test_row_wise_activations_of_empty_arrays_are_empty(name, shape):
    # torch.softmax(torch.zeros(2, 0), -1) is a (2, 0) tensor; NumPy's max of no values raised
    A = activations.get(name)(np.zeros(shape))
    assert A.shape == shape and A.dtype == np.float64


def test_step_and_sign_propagate_nan():
    # as np.heaviside(z, 1) and torch.sign (np.sign, but for its 0 at z = 0): NaN is no class
    z = np.array([np.nan, -np.inf, -2.0, -0.0, 0.0, 3.0, np.inf])
    np.testing.assert_array_equal(activations.get("step")(z), np.heaviside(z, 1.0))
    np.testing.assert_array_equal(activations.get("sign")(z), np.where(z == 0, 1.0, np.sign(z)))
    assert np.isnan(activations.get("step")(np.float32(np.nan))) and activations.get("sign")(z).dtype == np.float64


@pytest.mark.parametrize("x", [1.5, np.float64(1.5), np.array(1.5), 2])
def test_elementwise_activations_take_a_scalar(x):
    # sigmoid raised "TypeError: return arrays must be of ArrayType" (its out= buffers need an array)
    expected = 1 / (1 + np.exp(-float(x)))
    assert float(activations.sigmoid(x)) == pytest.approx(expected, rel=1e-6)
    assert float(activations.Sigmoid()(x)) == pytest.approx(expected, rel=1e-6)
    for name in ("relu", "tanh", "elu", "softplus", "step", "sign", "linear", "bipolar_sigmoid"):
        value = activations.get(name)(x)
        assert np.ndim(value) == 0 and float(value) == pytest.approx(float(activations.get(name)([x])[0]))


@pytest.mark.parametrize("name", ["argmax", "softmax", "log_softmax"])
def test_row_wise_activations_refuse_a_scalar_by_name(name):
    # Argmax()(1.5) raised IndexError: tuple index out of range
    with pytest.raises(ValueError, match=f"{name} normalises along the last axis: x must have at least one dimension"):
        activations.get(name)(1.5)


def test_a_users_row_wise_activation_refuses_a_scalar_too():
    class Normalize(activations.Activation):
        name = "normalize"
        elementwise = False

        def forward(self, Z, out=None):
            return Z / Z.sum(axis=-1, keepdims=True)

    with pytest.raises(ValueError, match="normalize normalises along the last axis"):
        Normalize()(3.0)
