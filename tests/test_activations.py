import math
import re
import warnings

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


def test_softmax_jacobian_is_seed_000s_kronecker_delta_formula():
    # seed 000, "Derivative of softmax function": ∂S_i/∂x_k = S_i (δ_ik − S_k); S_k(1 − S_k) on the
    # diagonal (case i = k), −S_i S_k off it (case i ≠ k). backward(dA) = Jᵀ dA, so dA = e_i gives row i
    sm = activations.get("softmax")
    for x in ([4.0, 8.0, 11.0], [0.4, 0.8, 1.1]):
        Z = np.tile(x, (3, 1))
        S = sm(Z)[0]
        jacobian = np.array([[S[i] * ((i == k) - S[k]) for k in range(3)] for i in range(3)])
        np.testing.assert_allclose(sm.backward(Z, sm(Z), np.eye(3)), jacobian.T, rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(np.diag(jacobian), S * (1 - S), rtol=1e-15)
        np.testing.assert_allclose(sm.derivative(Z, sm(Z))[0], S * (1 - S), rtol=1e-15)
        # central differences of S itself, column k = ∂S/∂x_k
        h, numeric = 1e-6, np.empty((3, 3))
        for k in range(3):
            step = np.eye(3)[k] * h
            numeric[:, k] = (sm(np.array(x) + step) - sm(np.array(x) - step)) / (2 * h)
        np.testing.assert_allclose(numeric, jacobian, atol=1e-9)


def test_softmax_beta_concentrates_and_tends_to_argmax():
    z = np.array([[4.0, 8.0, 11.0]])
    hot = activations.Softmax(beta=50.0)(z)
    np.testing.assert_allclose(hot, [[0, 0, 1]], atol=1e-12)
    assert activations.Softmax(beta=2.0)(z)[0, 2] > activations.Softmax(beta=1.0)(z)[0, 2]
    # seed 000: "soft max converges to arg max", whose ties split (argmax(4, 3, 2, 4) = (.5, 0, 0, .5))
    tie = np.array([[4.0, 3.0, 2.0, 4.0]])
    for beta in (50.0, 1e10):
        np.testing.assert_allclose(activations.Softmax(beta=beta)(tie), activations.get("argmax")(tie), atol=1e-12)
    np.testing.assert_array_equal(activations.get("argmax")(tie), [[0.5, 0, 0, 0.5]])


def test_softmax_of_a_huge_finite_beta_is_the_argmax_not_nan():
    # β z overflowed to ±inf first, and inf - inf is NaN: a model file with beta 1e308 predicted NaN
    z = np.array([[1.0, 2.0, 3.0], [0.5, -5.0, 0.0]])
    for dtype in (np.float32, np.float64):
        x = z.astype(dtype)
        np.testing.assert_array_equal(activations.Softmax(beta=1e308)(x), [[0, 0, 1], [1, 0, 0]])
        for beta in (2.5, 0.7):  # the plain formula, in float64
            e = np.exp(beta * z)
            np.testing.assert_allclose(activations.Softmax(beta=beta)(x), e / e.sum(axis=1, keepdims=True),
                                       rtol=1e-6 if dtype == np.float32 else 1e-14)


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
        # the same figures into a buffer (training), into z itself and into a view of it (inference in
        # place): the overflow test writes |z| into the output buffer first, never into z
        into = [activations.Softmax().forward(z.copy(), out=np.empty_like(z))]
        for view in (lambda a: a, lambda a: a[:]):
            same = z.copy()
            into.append(activations.Softmax().forward(same, out=view(same)))
        # views of one array, the output apart from the logits or one row below them (overlapping)
        for below in (len(z), 1):
            rows = np.zeros((len(z) + below, z.shape[1]), dtype=dtype)
            rows[:len(z)] = z
            into.append(activations.Softmax().forward(rows[:len(z)], out=rows[below:]).copy())
        for result in into:
            np.testing.assert_array_equal(result, out)


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


def _sech2_tail(u):
    """``sech²(u) / 4 = e^{-2|u|} / (1 + e^{-2|u|})²``, accurate relative to its value for every u."""
    e = np.exp(-2 * np.abs(u))
    return e / (1 + e) ** 2


@pytest.mark.parametrize("f, scale, exact", [
    (activations.Sigmoid(), 1.0, lambda z: _sech2_tail(z / 2)),                  # λ f(1 − f)
    (activations.Sigmoid(2.5), 2.5, lambda z: 2.5 * _sech2_tail(1.25 * z)),
    (activations.BipolarSigmoid(), 0.5, lambda z: 2 * _sech2_tail(z / 2)),       # λ/2 (1 − f²)
    (activations.BipolarSigmoid(0.7), 0.35, lambda z: 1.4 * _sech2_tail(0.35 * z)),
    (activations.Tanh(), 1.0, lambda z: 4 * _sech2_tail(z)),                     # 1 − tanh²
    (activations.ELU(0.5), 0.5, lambda z: np.where(z > 0, 1.0, 0.5 * np.exp(np.minimum(z, 0)))),  # A + α
    (activations.SELU(), activations.SELU_SCALE * activations.SELU_ALPHA,
     lambda z: activations.SELU_SCALE * np.where(z > 0, 1.0, activations.SELU_ALPHA * np.exp(np.minimum(z, 0)))),
], ids=lambda value: repr(value) if not callable(value) or hasattr(value, "derivative") else "exact")
def test_derivative_from_the_output_near_the_saturation_tails(f, scale, exact):
    # The lectures' derivatives from the output, λ f(1 − f) and λ/2 (1 − f²), lose relative digits where the
    # output rounds to its bound (σ(40) is 1 in float64, so σ'(40) comes out 0, not 4e-18): the error stays
    # within a few roundings of the output times the scale, and the gradient is right where it is not tiny
    z = np.concatenate([np.linspace(-60, 60, 241), [-1e4, -700, 700, 1e4]])
    d = f.derivative(z, f(z))
    np.testing.assert_allclose(d, exact(z), rtol=0, atol=2 * np.finfo(float).eps * scale)
    big = exact(z) > 1e-6 * scale
    np.testing.assert_allclose(d[big], exact(z)[big], rtol=1e-9)
    # and central differences of f itself agree where they can resolve the slope (|z| ≤ 12; ELU's kink at 0 aside)
    h, mid = 1e-5, (np.abs(z) <= 12) & (z != 0)
    np.testing.assert_allclose(d[mid], (f(z[mid] + h) - f(z[mid] - h)) / (2 * h), rtol=1e-7, atol=1e-9)


def test_standard_logistic_identities_of_seed_000():
    # f(x) = 1/(1 + e^−x) = e^x/(e^x + 1) = ½ + ½ tanh(x/2), and f'(x) = f(x)(1 − f(x)) = f(x) f(−x)
    x = np.linspace(-6, 6, 25)
    f = activations.get("sigmoid")
    np.testing.assert_allclose(f(x), np.exp(x) / (np.exp(x) + 1), rtol=1e-12)
    np.testing.assert_allclose(f(x), 0.5 + 0.5 * np.tanh(x / 2), rtol=1e-12)
    np.testing.assert_allclose(f.derivative(x, f(x)), f(x) * f(-x), rtol=1e-12)


def test_seed_000_tanh_is_the_bipolar_sigmoid_of_steepness_2_and_the_general_logistic_is_two_layers():
    # seed 000: tanh(x) = (e^x − e^−x)/(e^x + e^−x) = 2/(1 + e^{−2x}) − 1, the bipolar sigmoid with λ = 2,
    # and tanh' = 1 − tanh² is its derivative λ/2 (1 − f²)
    x = np.linspace(-5, 5, 21)
    tanh, bipolar = activations.get("tanh"), activations.BipolarSigmoid(steepness=2.0)
    np.testing.assert_allclose(tanh(x), (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(tanh(x), 2 / (1 + np.exp(-2 * x)) - 1, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(bipolar(x), tanh(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(bipolar.derivative(x, bipolar(x)), 1 - tanh(x) ** 2, rtol=1e-13, atol=1e-15)
    # seed 001 writes "atanh(z) = 2σ(z) − 1": it is tanh(z) = 2σ(2z) − 1; the slide's 2σ(z) − 1 is tanh(z/2)
    sigmoid = activations.get("sigmoid")
    np.testing.assert_allclose(tanh(x), 2 * sigmoid(2 * x) - 1, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(2 * sigmoid(x) - 1, tanh(x / 2), rtol=1e-13, atol=1e-15)
    # the general logistic L/(1 + e^{−λ(x − x0)}): x0 the bias of the layer with Sigmoid(λ), L a scale after it
    L, lam, x0 = 3.0, 1.5, 0.7
    model = Sequential([Dense(1, activations.Sigmoid(steepness=lam), input_dim=1), Dense(1, use_bias=False)],
                       dtype="float64")
    model.build()
    model.set_weights([np.array([[1.0]]), np.array([-x0]), np.array([[L]])])
    np.testing.assert_allclose(model.predict(x[:, None], verbose=0)[:, 0], L / (1 + np.exp(-lam * (x - x0))), rtol=1e-14)


def test_logistic_never_overflows():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = activations.get("sigmoid")(np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_array_equal(out, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("f", [activations.Sigmoid(), activations.Sigmoid(steepness=2.5), activations.BipolarSigmoid(),
                               activations.BipolarSigmoid(steepness=0.7), activations.Tanh()], ids=repr)
def test_seed_000s_sigmoids_are_bounded_increasing_with_one_inflection_point(f):
    # seed 000, "Sigmoid function": "a bounded, differentiable, real function that is defined for all real
    # input values and has a non-negative derivative at each point and exactly one inflection point"
    x = np.linspace(-12, 12, 2401)
    a = f(x)
    low, high = f.output_range
    assert np.all((low <= a) & (a <= high)) and np.all(np.isfinite(f(np.array([-1e300, 1e300]))))
    slope = f.derivative(x, a)
    assert np.all(slope >= 0)
    np.testing.assert_allclose(slope[1:-1], (a[2:] - a[:-2]) / (x[2] - x[0]), rtol=1e-3, atol=1e-9)
    # f'' changes sign once, at x = 0, where the slope is largest
    curvature = np.sign(np.diff(slope))
    changes = np.flatnonzero(curvature[1:] != curvature[:-1])
    assert len(changes) == 1 and abs(x[changes[0] + 1]) < 0.02 and np.argmax(slope) == 1200


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


# every registered name a layer takes (not glu, which halves the width, nor threshold without its two
# arguments), and the activations with arguments a name cannot give
IN_LAYERS = [name for name in sorted(activations.ACTIVATIONS) if activations.get(name).layer_refusal() is None]
WITH_ARGUMENTS = [activations.GELU(approximate=True), activations.GeneralReLU(negative_slope=0.1),
                  activations.GeneralReLU(max_value=1.0), activations.GeneralReLU(threshold=0.5),
                  activations.GeneralReLU(negative_slope=0.2, max_value=1.5, threshold=-0.5),
                  activations.LeakyReLU(0.3), activations.ELU(0.5), activations.Softmax(beta=2.0),
                  activations.CELU(0.5), activations.HardShrink(0.2), activations.SoftShrink(0.8),
                  activations.Squareplus(0.5), activations.Threshold(0.3, -1.5)]


@pytest.mark.parametrize("name", IN_LAYERS + WITH_ARGUMENTS, ids=str)
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


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_gelu_derivative_at_denormal_inputs_is_one_half(dtype):
    # g'(z) = Φ(z) + z φ(z) with Φ = A / z from the output: the smallest denormal z (5e-324, 1.4e-45,
    # 6e-8 in float16) gave A = z Φ(z) = 0 and so g' = 0; g'(z) is ½ to every dtype's precision there
    info = np.finfo(dtype)
    z = np.array([info.smallest_subnormal, 3 * info.smallest_subnormal, -info.smallest_subnormal,
                  info.tiny / 2, info.tiny, 3 * info.tiny, 1e-3, -1e-3], dtype)
    f = activations.GELU()
    exact = [0.5 * math.erfc(-v / math.sqrt(2)) + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in z.tolist()]
    np.testing.assert_allclose(f.derivative(z, f(z)), exact, rtol=2 * info.eps)


@pytest.mark.parametrize("make, match", [
    # seed 000 speaks of a positive steepness λ and of β that concentrates softmax as it grows: λ = 0 and
    # β = 0 were accepted and gave the constants 0.5 and 1/n (nothing to learn), negatives the mirrored function
    (lambda: activations.Sigmoid(steepness=0), r"steepness must be > 0. Received: steepness=0.0"),
    (lambda: activations.Sigmoid(-1.0), "steepness must be > 0"),
    (lambda: activations.BipolarSigmoid(steepness=-2.0), "steepness must be > 0"),
    (lambda: activations.BipolarSigmoid(0.0), "steepness must be > 0"),
    (lambda: activations.Softmax(beta=0.0), r"beta must be > 0. Received: beta=0.0"),
    (lambda: activations.Softmax(-1.0), "beta must be > 0"),
    (lambda: activations.sigmoid(np.ones(2), steepness=-1.0), "steepness must be > 0"),
    (lambda: activations.softmax(np.ones(2), beta=0), "beta must be > 0"),
    # a negative leaky slope made |z| of leaky_relu(z, -1), no longer increasing (Keras's layer refuses it too);
    # a negative ELU α bent the outputs up: ELU(-1) gave 0.632 at z = -1 with output_range (1, inf)
    (lambda: activations.LeakyReLU(-0.1), r"negative_slope must be >= 0. Received: negative_slope=-0.1"),
    (lambda: activations.leaky_relu(np.ones(2), negative_slope=-1.0), "negative_slope must be >= 0"),
    (lambda: activations.ELU(alpha=-1.0), r"alpha must be >= 0. Received: alpha=-1.0"),
    (lambda: activations.elu(np.ones(2), -0.5), "alpha must be >= 0"),
    (lambda: glassnet.layers.ELU(alpha=-1.0), "alpha must be >= 0"),
    (lambda: activations.deserialize({"class_name": "Sigmoid", "config": {"steepness": -1.0}}), "steepness must be > 0"),
])
def test_steepness_beta_slope_and_alpha_outside_the_lectures_range_are_refused(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_zero_leaky_slope_and_zero_elu_alpha_are_relu():
    # the limits that stay meaningful: slope 0 and α = 0 give max(0, z), by hand
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    for f in (activations.LeakyReLU(0.0), activations.ELU(0.0)):
        np.testing.assert_array_equal(f(z), [0, 0, 0, 0.5, 3])
        assert f.output_range[0] <= f(z).min()


def test_float16_softmax_does_not_overflow():
    from glassnet.activations import Softmax

    out = Softmax().forward(np.array([[12.0, 11, 0]], np.float16))  # NaN: e^12 overflows float16
    np.testing.assert_allclose(out, [[0.731, 0.269, 4.5e-6]], atol=1e-3)
    assert out.dtype == np.float16
    assert np.isfinite(Softmax(100.0).forward(np.array([[710.0, 709, 0]], np.float16))).all()


def test_float16_log_softmax_keeps_the_largest_logit_s_small_value():
    # float16's log Σ e^(z − max) of 1 + 2e-4 read log 1 = 0: the largest logit's −2.06e-4 came out 0
    from glassnet.activations import LogSoftmax

    Z = np.array([[0.0, -8.5, -9.0], [3.0, 2.0, -1.0]])
    expected = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))  # float64
    out = LogSoftmax().forward(Z.astype(np.float16))
    assert out.dtype == np.float16
    np.testing.assert_allclose(out, expected, rtol=1e-3)


def test_sigmoid_tanh_relu_and_ramp_follow_the_lectures_formulas():
    # seeds 001–004: S(x) = 1/(1 + e^−x), S' = S(1 − S); tanh = (e^{2x} − 1)/(e^{2x} + 1),
    # tanh' = 1 − tanh²; ReLU' = 1 for x > 0; ramp (−1 below −1, x between, 1 above), ramp' = 1 inside
    from glassnet import activations

    # with seed 004's appendix's edges: 𝟙{x > 0} is 0 at x = 0, 𝟙{−1 < x < 1} is 0 at x = ±1
    x = np.array([[-3.0, -1.5, -1.0, -0.5, 0.0, 0.25, 0.75, 1.0, 2.0]])
    S = 1 / (1 + np.exp(-x))
    sigmoid = activations.get("sigmoid")
    np.testing.assert_allclose(sigmoid(x), S, rtol=1e-15)
    np.testing.assert_allclose(sigmoid.derivative(x, S), S * (1 - S), rtol=1e-15)
    # seed 003's S(x) = e^x/(e^x + 1); seed 004's quotient rule: dy/dx = e^−x/(1 + e^−x)² = (1 − y)y
    np.testing.assert_allclose(sigmoid(x), np.exp(x) / (np.exp(x) + 1), rtol=1e-15)
    np.testing.assert_allclose(sigmoid.derivative(x, sigmoid(x)), np.exp(-x) / (1 + np.exp(-x)) ** 2, rtol=1e-14)
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


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_argmax_keeps_a_nan_row_nan_without_a_warning(dtype):
    # argmax([nan, 1]) was [nan, nan] through 0/0, with NumPy's "invalid value encountered in
    # divide": a row with a NaN has no maximum, so it is NaN throughout, as softmax's row,
    # silently as step and sign keep NaN; the other rows (±inf included) are one-hot as before
    Z = np.array([[np.nan, 1.0, 1.0], [4.0, 3.0, 4.0], [np.inf, 0.0, np.inf], [-np.inf, -np.inf, -np.inf]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = activations.get("argmax")(Z)
        softmax_row = activations.get("softmax")(Z[:1].astype(np.float64))
    np.testing.assert_array_equal(A, np.array([[np.nan] * 3, [0.5, 0, 0.5], [0.5, 0, 0.5], [1 / 3] * 3], dtype))
    assert np.isnan(softmax_row).all() and A.dtype == dtype


# g'(NaN) is NaN in PyTorch 2.13 (autograd, float64) and Keras 3.15 (JAX) alike for these; the
# piecewise-linear ones' g'(NaN) differs between them (torch's relu' is 1, Keras's 0): not pinned
NAN_DERIVATIVE = ["sigmoid", "bipolar_sigmoid", "tanh", "softplus", "gelu", "silu", "mish", "exponential", "softsign",
                  "celu", "log_sigmoid", "sparse_plus", "squareplus", "tanh_shrink", "sparsemax"]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("f", [activations.get(n) for n in IN_LAYERS] + WITH_ARGUMENTS
                         + [activations.Sigmoid(2.0)], ids=repr)
def test_nan_inputs_give_nan_without_a_warning(f, dtype):
    # sigmoid and softplus of NaN warned "invalid value encountered in logaddexp" (NumPy's logaddexp
    # checks for NaN); torch.sigmoid, F.softplus and np.tanh give NaN quietly, as every activation here
    Z = np.array([[np.nan, 1.0, -2.0]], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = f(Z)
        dZ = f.backward(Z, A, np.ones_like(Z))
    assert np.isnan(A[0, 0]) and A.dtype == dtype
    assert np.isfinite(A[0, 1:]).all() == (f.along_last_axis is False)  # softmax's row with a NaN is NaN
    if f.name in NAN_DERIVATIVE:
        assert np.isnan(dZ[0, 0])


_SELU_LOW = -activations.SELU_SCALE * activations.SELU_ALPHA
# (activation, z, g(z), g'(z)) at z = ±inf: the limits. PyTorch 2.13 (F.*, autograd, float64) and Keras 3.15
# (JAX) give the same for the first rows; for the rows marked, they give NaN (x · σ(x) at -inf is -inf · 0,
# softsign's inf / inf), glassnet the limit, which it gave in float64 at z = ±1e300 already
INFINITE_LIMITS = [
    ("sigmoid", np.inf, 1, 0), ("sigmoid", -np.inf, 0, 0), ("bipolar_sigmoid", np.inf, 1, 0),
    ("bipolar_sigmoid", -np.inf, -1, 0), ("tanh", np.inf, 1, 0), ("tanh", -np.inf, -1, 0),
    ("relu", np.inf, np.inf, 1), ("relu", -np.inf, 0, 0), ("leaky_relu", np.inf, np.inf, 1),
    ("leaky_relu", -np.inf, -np.inf, 0.01), ("ramp", np.inf, 1, 0), ("ramp", -np.inf, -1, 0),
    ("softplus", np.inf, np.inf, 1), ("softplus", -np.inf, 0, 0), ("elu", np.inf, np.inf, 1), ("elu", -np.inf, -1, 0),
    ("selu", np.inf, np.inf, activations.SELU_SCALE), ("selu", -np.inf, _SELU_LOW, 0), ("relu6", np.inf, 6, 0),
    ("relu6", -np.inf, 0, 0), ("hard_sigmoid", np.inf, 1, 0), ("hard_sigmoid", -np.inf, 0, 0),
    ("exponential", np.inf, np.inf, np.inf), ("exponential", -np.inf, 0, 0),
    ("hard_silu", np.inf, np.inf, 1),  # torch's g'(inf) is 1 too; Keras's NaN
    # torch and Keras: NaN in one or both of g and g' (gelu(inf) is inf in both, gelu'(inf) NaN)
    ("hard_silu", -np.inf, 0, 0), ("gelu", np.inf, np.inf, 1), ("gelu", -np.inf, 0, 0),
    ("gelu_tanh", np.inf, np.inf, 1), ("gelu_tanh", -np.inf, 0, 0), ("silu", np.inf, np.inf, 1),
    ("silu", -np.inf, 0, 0), ("mish", np.inf, np.inf, 1), ("mish", -np.inf, 0, 0), ("softsign", np.inf, 1, 0),
    ("softsign", -np.inf, -1, 0),
    # Keras 3.15 (JAX) gives these too, but squareplus(-inf) NaN (-inf + inf) and sparse_plus'(±inf) NaN
    ("celu", np.inf, np.inf, 1), ("celu", -np.inf, -1, 0), ("hard_tanh", np.inf, 1, 0), ("hard_tanh", -np.inf, -1, 0),
    ("hard_shrink", np.inf, np.inf, 1), ("hard_shrink", -np.inf, -np.inf, 1), ("soft_shrink", np.inf, np.inf, 1),
    ("soft_shrink", -np.inf, -np.inf, 1), ("tanh_shrink", np.inf, np.inf, 1), ("tanh_shrink", -np.inf, -np.inf, 1),
    ("log_sigmoid", np.inf, 0, 0), ("log_sigmoid", -np.inf, -np.inf, 1), ("sparse_plus", np.inf, np.inf, 1),
    ("sparse_plus", -np.inf, 0, 0), ("sparse_sigmoid", np.inf, 1, 0), ("sparse_sigmoid", -np.inf, 0, 0),
    ("squareplus", np.inf, np.inf, 1), ("squareplus", -np.inf, 0, 0),
]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name, z, value, slope", INFINITE_LIMITS, ids=str)
def test_infinite_inputs_give_the_limits_quietly(name, z, value, slope, dtype):
    # silu(-inf), gelu(-inf), mish(-inf) and hard_silu(-inf) were NaN (-inf · 0) with "invalid value encountered",
    # softsign(±inf) NaN (inf / inf), their derivatives at +inf NaN, and mish'(inf) inf
    f = activations.GELU(approximate=True) if name == "gelu_tanh" else activations.get(name)
    Z = np.array([z, 1.0], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = f(Z)
        dZ = f.backward(Z, A, np.ones_like(Z))
    assert A.dtype == dtype and dZ.dtype == dtype
    np.testing.assert_allclose(A[0], value, rtol=np.finfo(dtype).eps, atol=0)
    np.testing.assert_allclose(dZ[0], slope, rtol=np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("f", [activations.Softmax(), activations.Softmax(beta=2.0), activations.LogSoftmax()], ids=repr)
def test_row_wise_activations_of_infinite_logits_are_quiet(f):
    # softmax and log-softmax of a row with +inf warned "invalid value encountered in subtract" (inf - inf);
    # torch.softmax / log_softmax (2.13, float64) give that row NaN, and the rows below:
    Z = np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0], [1.0, 0.0, 100.0]])
    torch_softmax = [[np.nan] * 3, [0.0, 0.2689414213699951, 0.7310585786300049],
                     [1.0112214926104486e-43, 3.720075976020836e-44, 1.0]]
    torch_log_softmax = [[np.nan] * 3, [-np.inf, -1.3132616875182228, -0.31326168751822286], [-99.0, -100.0, 0.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = f(Z)
    if isinstance(f, activations.LogSoftmax):
        np.testing.assert_allclose(A, torch_log_softmax, rtol=1e-15)
    elif f.beta == 1.0:
        np.testing.assert_allclose(A, torch_softmax, rtol=1e-15)
    else:
        np.testing.assert_allclose(A, activations.Softmax()(2 * Z), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_mish_derivative_is_one_for_large_z(dtype):
    # mish'(z) = 1 + 4z e^{-2z} (1 + O(e^-z)) rounds to 1 above z = 21 (torch.autograd in float64: exactly 1.0 at
    # 21, 30, 1e3, 1e300); e^z capped at z = 20 (float16: 5) left z's factor uncapped: float16's mish'(1000) was
    # 1.18 and mish'(65504) 12.7, float32's mish'(3.4e38) 5.8e21, float64's mish'(1e300) 3e283
    z = np.array([21, 30, 1e3, 1e4, 1e30, 1e300, np.finfo(dtype).max], np.float64)
    Z = z[z <= np.finfo(dtype).max].astype(dtype)
    if dtype == np.float16:
        Z = Z[Z >= 10]  # (float16's ulp at 1 is 1e-3: its 1 + 4z e^{-2z} is 1 above z = 5.4)
    mish = activations.get("mish")
    np.testing.assert_array_equal(mish.derivative(Z, mish(Z)), np.ones_like(Z))


def test_seed_002s_step_is_0_at_the_threshold(tmp_path):
    # seed 002: "Its output is 1 (activated) when value > 0 (threshold) and outputs a 0 (not
    # activated) otherwise"; "step" gives 1 at z = 0 (seed 001's "≥ threshold"), so seed 002's had no name
    z = np.array([np.nan, -np.inf, -2.0, -0.0, 0.0, 1e-300, 3.0, np.inf])
    seed_002 = np.array([np.nan, 0, 0, 0, 0, 1, 1, 1])  # 1 where z > 0, else 0
    np.testing.assert_array_equal(activations.Step(at_zero=0)(z), seed_002)
    np.testing.assert_array_equal(activations.get("step")(z, at_zero=0.0), seed_002)
    np.testing.assert_array_equal(activations.Step(at_zero=0.5)(z), np.heaviside(z, 0.5))
    np.testing.assert_array_equal(activations.Step()(z), np.heaviside(z, 1.0))
    # a unit of seed 002 with w = (1, 1), b = −1 fires for (1, 1) only, not at z = 0 for (1, 0), (0, 1)
    model = Sequential([Dense(1, activations.Step(at_zero=0), input_dim=2)], dtype="float64")
    model.build()
    model.set_weights([np.array([[1.0], [1.0]]), np.array([-1.0])])
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(model.predict(X, verbose=0).ravel(), [0, 0, 0, 1])
    model.save(tmp_path / "m.gn")
    again = glassnet.models.load_model(tmp_path / "m.gn")
    np.testing.assert_array_equal(again.predict(X, verbose=0).ravel(), [0, 0, 0, 1])
    assert activations.deserialize({"class_name": "Step", "config": {}}).at_zero == 1  # a file written before
    for bad, error in ((2, ValueError), (-0.5, ValueError), ("0", TypeError)):
        with pytest.raises(error, match="at_zero"):
            activations.Step(at_zero=bad)


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


# ---- Keras's other activations, checked against Keras's own numbers --------------------------
# The expected values were computed with Keras 3.15.1 on JAX (jax_enable_x64, float64 inputs):
#     keras.activations.<name>(keras.ops.convert_to_tensor(X, dtype="float64"))
# and are written here to 12 significant digits.
KERAS_X = np.array([-1e4, -40.0, -12.0, -5.0, -3.0, -1.5, -0.75, -1e-3, 0.0, 1e-3, 0.5, 1.0, 2.5, 3.0, 7.0, 40.0, 1e4])
KERAS_VALUES = {
    "selu": [-1.75809934085, -1.75809934085, -1.75808853871, -1.74625336067, -1.67056872877, -1.36581435337,
             -0.927632015835, -0.00175722058412, 0, 0.00105070098736, 0.525350493678, 1.05070098736, 2.62675246839,
             3.15210296207, 7.35490691149, 42.0280394942, 10507.0098736],
    "gelu": [-0.0, -0.0, -2.13177853449e-32, -1.4332578594e-06, -0.00404969409489, -0.100210801903, -0.169970514283,
             -0.000499601057786, 0, 0.000500398942214, 0.345731230637, 0.841344746069, 2.48447583669, 2.99595030591,
             6.99999999999, 40, 10000],
    "silu": [-0.0, -1.69934170212e-16, -7.37300952266e-05, -0.0334642546214, -0.142277619533, -0.27363828571,
             -0.240615975618, -0.000499750000021, 0, 0.000500249999979, 0.311229665601, 0.73105857863, 2.31035454995,
             2.85772238047, 6.99362264164, 40, 10000],
    "mish": [-0.0, -1.69934170212e-16, -7.37303217319e-05, -0.0335762377302, -0.145647461276, -0.298099742167,
             -0.276494714505, -0.000599679984046, 0, 0.000600319983954, 0.375245211305, 0.865098388267, 2.47139230456,
             2.98653500497, 6.99998837981, 40, 10000],
    "relu6": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0.001, 0.5, 1, 2.5, 3, 6, 6, 6],
    "hard_sigmoid": [0, 0, 0, 0, 0, 0.25, 0.375, 0.499833333333, 0.5, 0.500166666667, 0.583333333333, 0.666666666667,
                     0.916666666667, 1, 1, 1, 1],
    "hard_silu": [-0.0, -0.0, -0.0, -0.0, -0.0, -0.375, -0.28125, -0.000499833333333, 0, 0.000500166666667,
                  0.291666666667, 0.666666666667, 2.29166666667, 3, 7, 40, 10000],
    "softsign": [-0.999900009999, -0.975609756098, -0.923076923077, -0.833333333333, -0.75, -0.6, -0.428571428571,
                 -0.000999000999001, 0, 0.000999000999001, 0.333333333333, 0.5, 0.714285714286, 0.75, 0.875,
                 0.975609756098, 0.999900009999],
}
KERAS_VALUES["swish"] = KERAS_VALUES["silu"]  # Keras's alias
KERAS_VALUES["hard_swish"] = KERAS_VALUES["hard_silu"]
# keras.activations.gelu(x, approximate=True)
KERAS_GELU_TANH = [-0.0, -0.0, -0.0, -2.29179619449e-07, -0.00363739208177, -0.10042842302, -0.170039444834,
                   -0.000499601057786, 0, 0.000500398942214, 0.345714009825, 0.841191990608, 2.48491573391,
                   2.99636260792, 7, 40, 10000]


@pytest.mark.parametrize("name", sorted(KERAS_VALUES))
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-6)])
def test_keras_activations_equal_keras_values(name, dtype, rtol):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # |x| = 1e4 neither overflows nor warns
        for f in (activations.get(name), getattr(activations, name)):  # by name and as Keras's function
            A = f(KERAS_X.astype(dtype))
            assert A.dtype == dtype
            np.testing.assert_allclose(A, KERAS_VALUES[name], rtol=rtol, atol=1e-300)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-6)])
def test_gelu_tanh_approximation_equals_keras(dtype, rtol):
    # 1 + tanh(u) of Keras's formula cancels for negative z: Keras's -2.291796e-07 at z = -5 is right to 9
    # digits, and at z = -12 it gives 0 for -1.6e-61; glassnet's z σ(2u) is the same function without it
    np.testing.assert_allclose(activations.gelu(KERAS_X.astype(dtype), approximate=True), KERAS_GELU_TANH,
                               rtol=1e-8 if dtype == np.float64 else rtol, atol=1e-60)
    assert activations.GELU(approximate=True).get_config() == {"approximate": True}


def test_exponential_equals_keras_and_overflows_quietly():
    x = np.array([-1e4, -40.0, -1.5, 0.0, 1e-3, 1.0, 7.0, 40.0, 700.0])
    keras = [0, 4.24835425529e-18, 0.223130160148, 1, 1.00100050017, 2.71828182846, 1096.63315843,
             2.35385266837e+17, 1.01423205474e+304]  # keras.activations.exponential, as above
    np.testing.assert_allclose(activations.exponential(x), keras, rtol=1e-10, atol=0)
    with np.errstate(over="raise"):
        assert activations.exponential(np.array([1000.0]))[0] == np.inf  # as Keras, without a warning


def test_erfc_is_accurate_relative_to_its_value():
    import math

    x = np.concatenate([np.linspace(-6, 27, 3301), [-30.0, -1e300, 1e300, 0.0]])
    expected = np.array([math.erfc(v) for v in x])
    normal = expected > np.finfo(np.float64).tiny
    np.testing.assert_allclose(activations.erfc(x)[normal], expected[normal], rtol=5e-13)
    assert (activations.erfc(x)[~normal] < 1e-300).all()
    x32 = x[np.abs(x) < 9].astype(np.float32)  # erfc(9) ≈ 4e-37: float32's normal range
    np.testing.assert_allclose(activations.erfc(x32), [math.erfc(v) for v in x32.astype(float)], rtol=2e-5, atol=4e-7)
    assert np.isnan(activations.erfc(np.array([np.nan])))[0]


NEW_DIFFERENTIABLE = ["selu", "gelu", "silu", "mish", "relu6", "hard_sigmoid", "hard_silu", "exponential", "softsign"]


@pytest.mark.parametrize("f", [activations.get(n) for n in NEW_DIFFERENTIABLE] + WITH_ARGUMENTS[:5], ids=repr)
def test_derivatives_equal_central_differences_for_small_and_large_z(f):
    z = np.concatenate([np.linspace(-30, 30, 6001), [-1e3, -200.0, 200.0, 1e3, 1e-9, -1e-9]])
    if isinstance(f, activations.Exponential):
        z = z[z < 200]
    h = 1e-6
    kinks = np.isin(np.round(z, 6), [-3.0, -0.5, 0.0, 0.5, 1.0, 1.5, 3.0, 6.0])  # (none is within h of another grid point)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        derivative = f.derivative(z, f(z))
    central = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(derivative[~kinks], central[~kinks], rtol=1e-6, atol=2e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("f", [activations.get(n) for n in NEW_DIFFERENTIABLE if n != "exponential"]
                         + [activations.GELU(approximate=True)], ids=repr)
def test_new_activations_stay_finite_and_quiet_at_the_dtype_limits(f, dtype):
    big = np.finfo(dtype).max / 2
    z = np.array([-big, -50, -4.5, -1, 0, 1, 4.5, 5, 50, big], dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = f(z)
        dA = f.derivative(z, A)
    assert A.dtype == dtype and dA.dtype == dtype
    assert np.isfinite(A).all() and np.isfinite(dA).all()
    np.testing.assert_allclose(A[1:-1].astype(float), f(z[1:-1].astype(float)), rtol=2e-3, atol=1e-3)


# keras.activations.relu(R, **kwargs) on Keras 3.15.1 / JAX in float64, as above
RELU_X = np.array([-10.0, -5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 5.0, 6.0, 10.0])
KERAS_RELU = [
    (dict(negative_slope=0.1), [-1, -0.5, -0.1, -0.05, 0, 0.5, 1, 2, 5, 6, 10]),
    (dict(max_value=6.0), [0, 0, 0, 0, 0, 0.5, 1, 2, 5, 6, 6]),
    (dict(threshold=1.0), [0, 0, 0, 0, 0, 0, 0, 2, 5, 6, 10]),
    (dict(threshold=-1.0), [0, 0, 0, -0.5, 0, 0.5, 1, 2, 5, 6, 10]),  # Keras passes z through above the threshold
    (dict(negative_slope=0.5, max_value=10.0), [-5, -2.5, -0.5, -0.25, 0, 0.5, 1, 2, 5, 6, 10]),
    (dict(negative_slope=0.2, max_value=5.0, threshold=1.0), [-2.2, -1.2, -0.4, -0.3, -0.2, -0.1, 0, 2, 5, 5, 5]),
    (dict(negative_slope=0.3, threshold=-2.0), [-2.4, -0.9, -1, -0.5, 0, 0.5, 1, 2, 5, 6, 10]),
    (dict(max_value=4.0, threshold=-0.75), [0, 0, 0, 0, 0, 0.5, 1, 2, 4, 4, 4]),
]


@pytest.mark.parametrize("kwargs, keras", KERAS_RELU, ids=str)
def test_relu_takes_kerass_arguments(kwargs, keras):
    # relu(z, negative_slope=0.1) was "TypeError: Activation.__call__() got an unexpected keyword argument"
    np.testing.assert_allclose(activations.relu(RELU_X, **kwargs), keras, rtol=1e-12)
    np.testing.assert_allclose(activations.relu(x=RELU_X, **kwargs), keras, rtol=1e-12)
    positional = [kwargs.get("negative_slope", 0.0), kwargs.get("max_value"), kwargs.get("threshold", 0.0)]
    np.testing.assert_allclose(activations.relu(RELU_X, *positional), keras, rtol=1e-12)  # Keras's order
    np.testing.assert_allclose(activations.GeneralReLU(**kwargs)(RELU_X), keras, rtol=1e-12)
    assert activations.relu.with_options(**kwargs).get_config() == {"negative_slope": 0.0, "max_value": None,
                                                                     "threshold": 0.0, **kwargs}


def test_relu_with_kerass_defaults_is_the_plain_relu():
    assert activations.relu.with_options(negative_slope=0.0, max_value=None, threshold=0) is activations.relu
    np.testing.assert_array_equal(activations.relu(x=np.array([-1.0, 2.0])), [0.0, 2.0])  # keyword x, as Keras
    np.testing.assert_array_equal(activations.relu6(RELU_X), activations.relu(RELU_X, max_value=6.0))


def test_other_activations_take_kerass_arguments():
    # keras.activations.leaky_relu(RELU_X, negative_slope=0.2) and elu(RELU_X, alpha=0.5), as above
    np.testing.assert_allclose(activations.leaky_relu(RELU_X, negative_slope=0.2),
                               [-2, -1, -0.2, -0.1, 0, 0.5, 1, 2, 5, 6, 10], rtol=1e-12)
    np.testing.assert_allclose(activations.leaky_relu(RELU_X, 0.2), activations.leaky_relu(RELU_X, negative_slope=0.2))
    np.testing.assert_allclose(activations.elu(RELU_X, alpha=0.5),
                               [-0.499977300035, -0.4966310265, -0.316060279414, -0.196734670144, 0, 0.5, 1, 2, 5, 6, 10],
                               rtol=1e-10)
    z = np.array([[1.0, 2.0, 3.0], [4.0, 0.0, -1.0]])
    # keras.activations.softmax(z, axis=0) and log_softmax(z, axis=0)
    np.testing.assert_allclose(activations.softmax(z, axis=0), [[0.0474258731776, 0.880797077978, 0.982013790038],
                                                                [0.952574126822, 0.119202922022, 0.0179862099621]],
                               rtol=1e-10)
    np.testing.assert_allclose(activations.log_softmax(z, axis=0), [[-3.04858735157, -0.126928011043, -0.0181499279178],
                                                                    [-0.0485873515737, -2.12692801104, -4.01814992792]],
                               rtol=1e-10)
    for axis in (-1, 1):
        np.testing.assert_array_equal(activations.softmax(z, axis=axis), activations.softmax(z))
    np.testing.assert_array_equal(activations.softmax(z, 0), activations.softmax(z, axis=0))
    np.testing.assert_array_equal(activations.gelu(z, True), activations.gelu(z, approximate=True))
    # glassnet's own arguments by keyword, as the classes take them
    np.testing.assert_allclose(activations.softmax(z, beta=2.0), activations.Softmax(2.0)(z))
    np.testing.assert_allclose(activations.sigmoid(z, steepness=2.0), activations.Sigmoid(2.0)(z))


@pytest.mark.parametrize("call, error, match", [
    (lambda z: activations.relu(z, slope=0.1), TypeError,
     r"relu\(\) got an unexpected keyword argument 'slope'; it takes x, negative_slope, max_value, threshold"),
    (lambda z: activations.tanh(z, alpha=1.0), TypeError, r"tanh\(\) got an unexpected keyword argument 'alpha'; it takes x\."),
    (lambda z: activations.relu(z, 0.1, 6.0, 0.0, 1.0), TypeError, r"relu\(\) takes \(x, negative_slope, max_value, threshold\)"),
    (lambda z: activations.relu(z, 0.1, negative_slope=0.2), TypeError, "multiple values for argument 'negative_slope'"),
    (lambda z: activations.relu(z, max_value="6"), TypeError, "max_value must be a number"),
    (lambda z: activations.elu(z, alpha=float("nan")), ValueError, "alpha must be finite"),
    (lambda z: activations.gelu(z, approximate="tanh"), TypeError, "approximate must be True or False"),
    (lambda z: activations.sparsemax(z, axis=(0, 1)), TypeError, "axis must be one integer"),
    (lambda z: activations.softmax(z, axis=(0, 0.5)), TypeError, "axis must be an integer or a non-empty list"),
    (lambda z: activations.softmax(z, axis=2), ValueError, r"axis must be in \[-2, 2\) for an input of 2 dimensions"),
    (lambda z: activations.relu(z, axis=0), TypeError, "unexpected keyword argument 'axis'"),
])
def test_wrong_keras_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call(np.ones((2, 3)))


def test_keras_functions_with_arguments_train_as_objects_and_lambdas_say_how():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    model = Sequential([Dense(4, activation=activations.GeneralReLU(max_value=6.0), input_dim=3),
                        Dense(4, activation=activations.gelu), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="sgd")
    loss = model.fit(X, y, epochs=5, verbose=0).history["loss"]
    assert loss[-1] < loss[0]
    assert type(model.layers[1].activation) is activations.GELU and model.layers[1].activation is not activations.gelu
    keras_style = Sequential([Dense(4, activation=lambda x: activations.relu(x, max_value=6.0), input_dim=3), Dense(1)])
    keras_style.compile(loss="mse", optimizer="sgd")
    np.testing.assert_array_equal(keras_style.predict(X).shape, (32, 1))  # predicting needs no derivative
    with pytest.raises(ValueError, match=r"plain callable without a derivative.*GeneralReLU\(max_value=6.0\)"):
        keras_style.fit(X, y, epochs=1, verbose=0)


def test_new_activations_are_saved_with_their_arguments(tmp_path):
    from glassnet.models import load_model

    model = Sequential([Dense(3, activation=activations.GeneralReLU(0.1, 2.0, 0.5), input_dim=2),
                        Dense(3, activation=activations.GELU(approximate=True)), Dense(2, activation="mish")], seed=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert [repr(layer.activation) for layer in loaded.layers] == \
        ["GeneralReLU(negative_slope=0.1, max_value=2.0, threshold=0.5)", "GELU(approximate=True)", "Mish()"]
    x = np.random.default_rng(1).normal(size=(5, 2))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


@pytest.mark.parametrize("f", [activations.get(n) for n in sorted(activations.ACTIVATIONS) if n != "threshold"]
                         + WITH_ARGUMENTS
                         + [activations.GeneralReLU(max_value=2.0), activations.GeneralReLU(threshold=-1.0)], ids=repr)
def test_outputs_lie_in_the_declared_output_range(f):
    # fit refuses targets outside output_range: a range narrower than the outputs would refuse good targets
    A = f(np.linspace(-50, 50, 200004).reshape(-1, 4))
    low, high = f.output_range
    assert low <= A.min() and A.max() <= high


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_is_one_over_one_plus_e_to_the_minus_z_to_two_ulp_and_its_limits_in_the_far_tails(dtype):
    """Computed as written (as PyTorch's), 20x faster than through logaddexp: within 2 ulp of the exact
    value (mpmath-free: the float128-free reference is σ(z) = ½(1 + tanh(z/2)) in float64, rounded), and
    where e^{-z} overflows the limit 0, quietly; NaN stays NaN."""
    z = np.linspace(-80, 80, 20001).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = activations.Sigmoid().forward(z.copy())
        reference = (0.5 * (1.0 + np.tanh(z.astype(np.float64) / 2)))
        far = activations.Sigmoid().forward(np.array([-np.inf, -1e30, -800.0, np.nan, 800.0, np.inf], dtype=dtype))
        steep = activations.Sigmoid(steepness=3.0).forward(np.array([-1.0, 0.0, 2.0], dtype=dtype))
    positive = z >= 0  # (below 0, tanh's cancellation makes the reference itself inexact)
    ulp = np.spacing(got[positive].astype(dtype)).astype(np.float64)
    assert np.max(np.abs(got[positive] - reference[positive]) / ulp) <= 2
    np.testing.assert_allclose(got[~positive], 1 / (1 + np.exp(-z[~positive].astype(np.float64))), rtol=4 * np.finfo(dtype).eps)
    np.testing.assert_array_equal(far, np.array([0.0, 0.0, 0.0, np.nan, 1.0, 1.0], dtype=dtype))
    np.testing.assert_array_equal(activations._logistic(z), got)  # SiLU's and GELU's σ is the same
    np.testing.assert_allclose(steep, 1 / (1 + np.exp(-3.0 * np.array([-1.0, 0.0, 2.0]))), rtol=2 * np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softplus_is_within_three_ulp_of_log_1_plus_e_to_the_z_and_quiet_at_the_limits(dtype):
    """max(z, 0) + log1p(e^{-|z|}), 10x faster than logaddexp(0, z): against float64's logaddexp rounded."""
    z = np.linspace(-100, 100, 200001).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = activations.Softplus().forward(z.copy())
        far = activations.Softplus().forward(np.array([-np.inf, -1e30, np.nan, 1e30, np.inf, -0.0], dtype=dtype))
    reference = np.logaddexp(0.0, z.astype(np.float64))
    assert np.max(np.abs(got - reference) / np.spacing(got).astype(np.float64)) <= 3
    in_place = z.copy()  # into the inputs' own array, as inference does for some activations
    np.testing.assert_array_equal(activations.Softplus().forward(in_place, out=in_place), got)
    np.testing.assert_array_equal(far, np.array([0.0, 0.0, np.nan, 1e30, np.inf, np.log(2.0)], dtype=dtype))


# ---- Keras 3.15's celu, glu, hard_shrink, hard_tanh, log_sigmoid, soft_shrink, sparse_plus, sparse_sigmoid,
# sparsemax, squareplus, tanh_shrink, threshold --------------------------------------------------------------
# The values were computed with Keras 3.15.1 on JAX (jax_enable_x64, float64 inputs), the slopes with
# jax.grad of the same function at each point (kinks included: JAX's choice there is glassnet's too):
#     keras.activations.<name>(jnp.asarray(KERAS_X_315), **kwargs); jax.grad(lambda t: <name>(t, **kwargs))(x)
KERAS_X_315 = np.array([-1e4, -40.0, -12.0, -3.0, -1.5, -1.0, -0.75, -0.5, -1e-3, 0.0, 1e-3, 0.3, 0.5, 0.75, 1.0, 2.5, 7.0,
                        40.0, 1e4])
#: name: (glassnet's activation, Keras's keyword arguments, Keras's values at KERAS_X_315, jax.grad of Keras's function there)
KERAS_315 = {
    "celu": (activations.CELU(), {},
        [-1.0, -1.0, -0.9999938557876467, -0.950212931632136, -0.7768698398515702, -0.6321205588285577,
        -0.5276334472589853, -0.3934693402873665, -0.0009995001666250082, 0.0, 0.001, 0.3, 0.5, 0.75, 1.0, 2.5, 7.0,
        40.0, 10000.0],
        [0.0, 0.0, 6.144212353342837e-06, 0.04978706836786395, 0.2231301601484298, 0.36787944117144233,
        0.4723665527410147, 0.6065306597126334, 0.999000499833375, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    "celu_alpha": (activations.CELU(alpha=0.5), {"alpha": 0.5},
        [-0.5, -0.5, -0.4999999999811243, -0.4987606239116668, -0.475106465816068, -0.43233235838169365,
        -0.3884349199257851, -0.31606027941427883, -0.0009990006663334666, 0.0, 0.001, 0.3, 0.5, 0.75, 1.0, 2.5, 7.0,
        40.0, 10000.0],
        [0.0, 0.0, 3.775135759553905e-11, 0.0024787521766663767, 0.04978706836786395, 0.1353352832366127,
        0.2231301601484298, 0.36787944117144233, 0.9980019986673331, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    "hard_shrink": (activations.HardShrink(), {},
        [-10000.0, -40.0, -12.0, -3.0, -1.5, -1.0, -0.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.75, 1.0, 2.5, 7.0, 40.0,
        10000.0],
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    "hard_shrink_t": (activations.HardShrink(threshold=1.0), {"threshold": 1.0},
        [-10000.0, -40.0, -12.0, -3.0, -1.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.5, 7.0, 40.0, 10000.0],
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]),
    "hard_tanh": (activations.HardTanh(), {},
        [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -0.75, -0.5, -0.001, 0.0, 0.001, 0.3, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]),
    "log_sigmoid": (activations.LogSigmoid(), {},
        [-10000.0, -40.0, -12.000006144193478, -3.048587351573742, -1.7014132779827524, -1.3132616875182228,
        -1.1368710061148999, -0.9740769841801067, -0.6936473055599401, -0.6931471805599453, -0.6926473055599401,
        -0.554355244468527, -0.4740769841801067, -0.3868710061149, -0.3132616875182228, -0.07888973429254963,
        -0.0009114664537742447, -4.248354255291589e-18, -0.0],
        [1.0, 1.0, 0.999993855825398, 0.9525741268224333, 0.8175744761936437, 0.731058578630005, 0.679178699175393,
        0.6224593312018546, 0.5002499999791666, 0.5, 0.4997500000208333, 0.4255574831883411, 0.3775406687981454,
        0.320821300824607, 0.2689414213699951, 0.07585818002124355, 0.0009110511944006451, 4.248354255291589e-18, 0.0]),
    "soft_shrink": (activations.SoftShrink(), {},
        [-9999.5, -39.5, -11.5, -2.5, -1.0, -0.5, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.5, 2.0, 6.5, 39.5,
        9999.5],
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    "soft_shrink_t": (activations.SoftShrink(threshold=1.0), {"threshold": 1.0},
        [-9999.0, -39.0, -11.0, -2.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5, 6.0, 39.0, 9999.0],
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]),
    "sparse_plus": (activations.SparsePlus(), {},
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.015625, 0.0625, 0.24950025, 0.25, 0.2505002499999999, 0.42250000000000004,
        0.5625, 0.765625, 1.0, 2.5, 7.0, 40.0, 10000.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.125, 0.25, 0.4995, 0.5, 0.5005, 0.65, 0.75, 0.875, 1.0, 1.0, 1.0, 1.0, 1.0]),
    "sparse_sigmoid": (activations.SparseSigmoid(), {},
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.125, 0.25, 0.4995, 0.5, 0.5005, 0.65, 0.75, 0.875, 1.0, 1.0, 1.0, 1.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.0, 0.0, 0.0, 0.0]),
    "squareplus": (activations.Squareplus(), {},
        [9.999999929277692e-05, 0.024984394500787488, 0.08276253029821934, 0.30277563773199456, 0.5, 0.6180339887498949,
        0.6930004681646913, 0.7807764064044151, 0.9995001249999922, 1.0, 1.000500124999992, 1.161187420807834,
        1.2807764064044151, 1.4430004681646913, 1.618033988749895, 2.850781059358212, 7.140054944640259,
        40.02498439450079, 10000.0001],
        [9.999999732793197e-09, 0.0006238305610776762, 0.006803038083928126, 0.08397485283107814, 0.19999999999999998,
        0.27639320225002106, 0.32443827920580415, 0.3787321874818335, 0.49975000003125, 0.5, 0.50024999996875,
        0.5741702264651223, 0.6212678125181665, 0.6755617207941959, 0.7236067977499789, 0.8904344047215151,
        0.9807619738204116, 0.9993761694389223, 0.9999999900000003]),
    "squareplus_b": (activations.Squareplus(b=1.0), {"b": 1.0},
        [2.500000027794158e-05, 0.006249023742554982, 0.02079728939614789, 0.08113883008418976, 0.15138781886599728,
        0.20710678118654757, 0.25, 0.30901699437494745, 0.49950024999993753, 0.5, 0.5005002499999375,
        0.6720153254455276, 0.8090169943749475, 1.0, 1.2071067811865475, 2.596291201783626, 7.035533905932738,
        40.006249023742555, 10000.000025000001],
        [2.5000000338122608e-09, 0.00015617679593860068, 0.001727120877560162, 0.025658350974743088,
        0.08397485283107814, 0.14644660940672627, 0.19999999999999998, 0.27639320225002106, 0.4995000002499998, 0.5,
        0.5004999997500001, 0.6436739427831727, 0.7236067977499789, 0.8, 0.8535533905932737, 0.9642383454426297,
        0.9949747468305833, 0.9998438232040614, 0.9999999975]),
    "tanh_shrink": (activations.TanhShrink(), {},
        [-9999.0, -39.0, -11.000000000075502, -2.0049452463132695, -0.5948517463551335, -0.23840584404423515,
        -0.11485104761271259, -0.03788284273999021, -3.333332000178546e-10, 0.0, 3.333332000178546e-10,
        0.008687387548409142, 0.03788284273999021, 0.11485104761271259, 0.23840584404423515, 1.51338570184857,
        6.0000016630560555, 39.0, 9999.0],
        [1.0, 1.0, 0.9999999998489946, 0.9901339628345598, 0.8192933610763515, 0.580025658385974, 0.40341419171866866,
        0.2135522670340726, 9.999993333827638e-07, 0.0, 9.99999333284752e-07, 0.08486303817337068, 0.21355226703407262,
        0.40341419171866866, 0.5800256583859739, 0.9734077733168393, 0.9999966738906549, 1.0, 1.0]),
    "threshold": (activations.Threshold(threshold=0.5, default_value=-2.0), {"threshold": 0.5, "default_value": -2.0},
        [-2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, 0.75, 1.0, 2.5, 7.0, 40.0,
        10000.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
}


@pytest.mark.parametrize("name", sorted(KERAS_315))
def test_keras_315_activations_equal_keras_values_and_jax_gradients(name):
    f, kwargs, values, slopes = KERAS_315[name]
    function = getattr(activations, re.sub("_(t|alpha|b)$", "", name))  # Keras's function form
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # |x| = 1e4 neither overflows nor warns
        A = f(KERAS_X_315)
        # (atol: Keras's squareplus(-1e4) = (z + √(z² + 4))/2 cancels, 2.50000003e-5 for b/(4|z|) ≈ 2.49999999e-5)
        np.testing.assert_allclose(A, values, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(function(KERAS_X_315, **kwargs), A)
        np.testing.assert_array_equal(function(x=KERAS_X_315, **kwargs), A)
        np.testing.assert_allclose(f.derivative(KERAS_X_315, A), slopes, rtol=1e-10, atol=1e-15)
        A32 = f(KERAS_X_315.astype(np.float32))
    assert A32.dtype == np.float32
    np.testing.assert_allclose(A32, values, rtol=1e-6, atol=1e-7)


def test_keras_315_activations_take_kerass_positional_arguments_and_defaults():
    z = np.linspace(-3, 3, 13)
    np.testing.assert_array_equal(activations.celu(z, 0.5), activations.CELU(alpha=0.5)(z))
    np.testing.assert_array_equal(activations.hard_shrink(z, 1.0), activations.HardShrink(threshold=1.0)(z))
    np.testing.assert_array_equal(activations.soft_shrink(z, 1.0), activations.SoftShrink(threshold=1.0)(z))
    np.testing.assert_array_equal(activations.squareplus(z, 1), activations.Squareplus(b=1.0)(z))
    np.testing.assert_array_equal(activations.threshold(z, 0.5, -2.0), activations.Threshold(0.5, -2.0)(z))
    assert activations.celu.get_config() == {"alpha": 1.0} and activations.squareplus.get_config() == {"b": 4.0}
    assert activations.hard_shrink.get_config() == activations.soft_shrink.get_config() == {"threshold": 0.5}
    with pytest.raises(TypeError, match=r"threshold\(\) missing required argument\(s\) 'threshold', 'default_value'"):
        activations.threshold(z)
    with pytest.raises(TypeError, match=r"missing required argument\(s\) 'default_value'"):
        activations.threshold(z, 0.5)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        activations.celu(z, alpha=0.0)
    with pytest.raises(ValueError, match="b must be >= 0"):
        activations.squareplus(z, b=-1.0)
    with pytest.raises(TypeError, match="threshold must be a number"):
        activations.hard_shrink(z, threshold="0.5")
    with pytest.raises(TypeError, match=r"celu\(\) got an unexpected keyword argument 'axis'"):
        activations.celu(z, axis=0)


KERAS_315_DIFFERENTIABLE = [activations.CELU(), activations.CELU(2.0), activations.HardShrink(), activations.HardTanh(),
                            activations.LogSigmoid(), activations.SoftShrink(), activations.SparsePlus(),
                            activations.SparseSigmoid(), activations.Squareplus(), activations.Squareplus(0.25),
                            activations.TanhShrink(), activations.Threshold(0.5, -2.0)]


@pytest.mark.parametrize("f", KERAS_315_DIFFERENTIABLE, ids=repr)
def test_keras_315_derivatives_equal_central_differences(f):
    z = np.concatenate([np.linspace(-30, 30, 6001), [-1e3, -200.0, 200.0, 1e3, 1e-9, -1e-9]])
    h = 1e-6
    kinks = np.isin(np.round(z, 6), [-1.0, -0.5, 0.5, 1.0])  # (the pieces' ends)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        derivative = f.derivative(z, f(z))
    central = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(derivative[~kinks], central[~kinks], rtol=1e-6, atol=2e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("f", KERAS_315_DIFFERENTIABLE, ids=repr)
def test_keras_315_activations_stay_finite_and_quiet_at_the_dtype_limits(f, dtype):
    big = np.finfo(dtype).max
    z = np.array([-big, -big / 2, -50, -1, 0, 1, 50, big / 2, big], dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        A = f(z)
        dA = f.derivative(z, A)
    assert A.dtype == dtype and dA.dtype == dtype
    assert np.isfinite(A).all() and np.isfinite(dA).all()


def _tanh_shrink_exact(z):
    """z - tanh z of float64 ``z``, as a float64: the Taylor series summed in exact fractions for |z| <= 1/2
    (60 terms, from the recurrence (n + 1) t_{n+1} = [n = 0] - Σ_{i+j=n} t_i t_j of tanh' = 1 - tanh²),
    np.longdouble's z - tanh z above (where it cancels at most a factor 25)."""
    from fractions import Fraction
    t = [Fraction(0)] * 122
    for n in range(121):
        t[n + 1] = (Fraction(int(n == 0)) - sum(t[i] * t[n - i] for i in range(n + 1))) / (n + 1)
    out = []
    for x in z.tolist():
        if abs(x) <= 0.5:
            q = Fraction(x)
            out.append(float(-sum(t[n] * q ** n for n in range(3, 122, 2))))
        else:
            y = np.longdouble(x)
            out.append(float(y - np.tanh(y)))
    return np.array(out), t


def test_tanh_shrink_keeps_its_small_values_where_z_minus_tanh_z_cancels():
    # z - tanh z lost the digits of tanh z near 0: float32 gave 3.49e-10 at z = 1e-3 (true 3.33e-10), float64 0 at 1e-9
    z = np.concatenate([np.geomspace(1e-4, 4.0, 1500), [1e-3, 0.5, 0.7857, 0.7859]]).astype(np.float32)
    z = np.concatenate([z, -z])
    exact, t = _tanh_shrink_exact(z.astype(np.float64))
    got = activations.tanh_shrink(z)
    assert got.dtype == np.float32
    ulps = np.abs(got - exact) / np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert ulps.max() <= 4, z[np.argmax(ulps)]
    assert ulps[np.abs(z) < activations.tanh_shrink_threshold(np.float32)].max() <= 3
    assert abs(float(activations.tanh_shrink(np.float32(1e-3))) - 1e-9 / 3) < 1e-16
    z64 = np.concatenate([np.geomspace(1e-9, 4.0, 800), [0.3401, 0.3402]])
    exact64, _ = _tanh_shrink_exact(z64)
    np.testing.assert_allclose(activations.tanh_shrink(z64), exact64, rtol=5e-15, atol=0)
    z16 = np.geomspace(0.05, 4.0, 300).astype(np.float16)
    exact16, _ = _tanh_shrink_exact(z16.astype(np.float64))
    ulps16 = np.abs(activations.tanh_shrink(z16) - exact16) / np.spacing(np.abs(exact16).astype(np.float16))
    assert ulps16.max() <= 4
    # the table is the series' coefficients, and the values beyond the threshold keep NaN and ±inf
    assert activations.TANH_SHRINK_SERIES == tuple(float(-t[n]) for n in range(3, 27, 2))
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30], np.float32)
    np.testing.assert_array_equal(activations.tanh_shrink(special),
                                  np.array([np.nan, np.inf, -np.inf, 0.0, 0.0, 1e30, -1e30], np.float32))
    assert np.signbit(activations.tanh_shrink(special))[4]


def test_squareplus_keeps_its_small_values_where_kerass_formula_cancels():
    # (z + √(z² + b))/2 → b/(4|z|) as z → -inf; Keras's formula as written gives 0 from z = -1e8 (and NaN at -inf)
    z = np.array([-1e8, -1e20, -1e200])
    np.testing.assert_allclose(activations.squareplus(z), 1.0 / np.abs(z), rtol=1e-12)
    np.testing.assert_allclose(activations.squareplus(z, b=0.0), 0.0)
    np.testing.assert_array_equal(activations.Squareplus(b=0.0).derivative(np.zeros(1), np.zeros(1)), [0.5])


def test_shrinks_and_threshold_keep_nan_where_kerass_where_replaces_it():
    # Keras 3.15 (JAX): hard_shrink(nan) = soft_shrink(nan) = 0, threshold(nan, 0.5, 7.0) = 7.0; glassnet keeps NaN
    z = np.array([np.nan, 0.2, 2.0])
    for f in (activations.hard_shrink, activations.soft_shrink, lambda x: activations.threshold(x, 0.5, 7.0)):
        A = f(z)
        assert np.isnan(A[0]) and np.isfinite(A[1:]).all()


def _sparsemax_by_bisection(z):
    """The simplex projection of one row: τ with Σ max(z - τ, 0) = 1, found by bisection (independent of the sort)."""
    low, high = z.max() - 1.0, z.max()
    for _ in range(200):
        tau = 0.5 * (low + high)
        low, high = (tau, high) if np.maximum(z - tau, 0).sum() > 1 else (low, tau)
    return np.maximum(z - 0.5 * (low + high), 0)


def test_sparsemax_is_the_projection_onto_the_simplex():
    # by hand: [0.5, 0.4]: τ = (0.9 - 1)/2 = -0.05, so [0.55, 0.45] (Keras 3.15 gives [0.3, 0.2], summing to 0.5)
    np.testing.assert_allclose(activations.sparsemax(np.array([[0.5, 0.4]])), [[0.55, 0.45]], rtol=1e-14)
    # [3, 1, 0.5]: one element in the support, [1, 0, 0], which Keras 3.15 gives too
    np.testing.assert_array_equal(activations.sparsemax(np.array([3.0, 1.0, 0.5])), [1.0, 0.0, 0.0])
    Z = np.random.default_rng(0).normal(scale=2.0, size=(200, 7))
    A = activations.sparsemax(Z)
    np.testing.assert_allclose(A, [_sparsemax_by_bisection(z) for z in Z], rtol=0, atol=1e-12)
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-14)
    assert (A >= 0).all() and ((A > 0).sum(axis=1) > 1).mean() > 0.5  # most rows have several non-zero outputs
    np.testing.assert_array_equal(activations.sparsemax(Z.T, axis=0), A.T)
    np.testing.assert_allclose(activations.sparsemax(Z.astype(np.float32)), A, atol=1e-6)
    assert activations.sparsemax(Z[:, :0]).shape == (200, 0)


@pytest.mark.parametrize(("dtype", "large"), [("float16", 3e4), ("float32", 1e8), ("float64", 1e17)])
def test_sparsemax_of_large_logits_is_still_a_distribution(dtype, large):
    # τ = z_(1) − 1 rounded to z_(1) where 1 is below z_(1)'s spacing (float16 from 2048, float32 from 1.7e7),
    # and every output was 0; the projection does not change when the row is shifted, as softmax's
    Z = np.array([[large, 0.0, -large], [large, large, 0.0], [0.5 + large / 2**12, 0.4 + large / 2**12, 0.0]],
                 dtype=dtype)
    A = activations.sparsemax(Z)
    assert A.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(A[:2], [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    # (the third row's two largest differ by about 0.1 in every dtype: [0.55, 0.45] up to that rounding)
    np.testing.assert_allclose(A[2], _sparsemax_by_bisection(Z[2].astype(np.float64)), atol=0.02)
    np.testing.assert_allclose(A.sum(axis=1, dtype=np.float64), 1.0, rtol=1e-3)


def test_sparsemax_rows_with_infinities_and_nan_are_quiet():
    Z = np.array([[-np.inf, 0.5, 0.4], [np.nan, 0.0, 1.0], [np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = activations.sparsemax(Z)
        dZ = activations.Sparsemax().backward(Z, A, np.ones_like(Z))
    np.testing.assert_allclose(A[0], [0.0, 0.55, 0.45], rtol=1e-14)  # -inf is an output of 0, as softmax's
    assert np.isnan(A[1:]).all() and np.isnan(dZ[1:]).all()  # as softmax's NaN rows
    np.testing.assert_array_equal(dZ[0], 0.0)


def test_sparsemax_and_glu_backward_equal_central_differences():
    rng = np.random.default_rng(1)
    Z, dA = rng.normal(size=(30, 6)), rng.normal(size=(30, 6))
    h = 1e-6
    for f, dA in ((activations.Sparsemax(), dA), (activations.GLU(), dA[:, :3])):
        dZ = f.backward(Z, f(Z), dA)
        assert dZ.shape == Z.shape
        central = np.empty_like(Z)
        for j in range(Z.shape[1]):  # d/dz_j of Σ dA ⊙ g(z), each row at once
            E = np.zeros_like(Z)
            E[:, j] = h
            central[:, j] = ((f(Z + E) - f(Z - E)) * dA).sum(axis=1) / (2 * h)
        np.testing.assert_allclose(dZ, central, rtol=1e-6, atol=1e-8)
    S = activations.sparsemax(Z)
    diagonal = activations.Sparsemax().derivative(Z, S)  # the Jacobian's diagonal: s (1 - 1/|S|)
    np.testing.assert_allclose(diagonal, (S > 0) * (1 - 1 / (S > 0).sum(axis=1, keepdims=True)))


def test_glu_halves_the_axis_as_keras():
    Z = np.random.default_rng(0).normal(size=(3, 6)) * 3
    np.testing.assert_allclose(activations.glu(Z), Z[:, :3] / (1 + np.exp(-Z[:, 3:])), rtol=1e-14)
    # keras.activations.glu(Z[:2], axis=0), Keras 3.15.1 on JAX in float64
    keras_axis_0 = [[0.36979460209207415, -0.37446348667434765, 0.20752085286620583, 0.006911249196330436,
                     -0.21463547458015034, 0.5759719393235594]]
    np.testing.assert_allclose(activations.glu(Z[:2], axis=0), keras_axis_0, rtol=1e-12)
    assert activations.glu(Z.astype(np.float32)).dtype == np.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = activations.glu(np.array([np.nan, 1.0, -np.inf, 2.0, 0.0, np.inf]))
    np.testing.assert_array_equal(np.isnan(A), [True, False, False])
    assert A[1] == 0.5 and A[2] == -np.inf
    with pytest.raises(ValueError, match="glu splits the axis in two halves: its size must be even. Received size 5"):
        activations.glu(np.ones((2, 5)))
    with pytest.raises(ValueError, match="glu normalises along the last axis"):
        activations.glu(1.0)
    with pytest.raises(ValueError, match="glu has no elementwise derivative"):
        activations.GLU().derivative(Z, activations.glu(Z))


@pytest.mark.parametrize("make", [lambda a: Dense(4, activation=a, input_dim=3), lambda a: Activation(a)])
def test_layers_refuse_glu_and_a_threshold_without_its_arguments_by_name(make):
    for activation in ("glu", activations.glu, activations.GLU()):
        with pytest.raises(ValueError, match=r"cannot use the activation 'glu': glu halves its input's last axis "
                                             r"\(Dense\(2k, activation='glu'\) would output k\)"):
            make(activation)
    with pytest.raises(ValueError, match=r"'threshold': threshold needs its two arguments.*Threshold\(threshold, "
                                         r"default_value\)"):
        make("threshold")
    assert make(activations.Threshold(0.5, 0.0)).activation.get_config() == {"threshold": 0.5, "default_value": 0.0}


def test_keras_315_activations_are_saved_with_their_arguments(tmp_path):
    from glassnet.models import load_model

    chosen = ["celu", activations.CELU(0.5), "hard_shrink", activations.HardShrink(1.0), "hard_tanh", "log_sigmoid",
              activations.SoftShrink(0.25), "sparse_plus", "sparse_sigmoid", activations.Squareplus(1.0),
              "tanh_shrink", activations.Threshold(0.1, -0.5), "sparsemax"]
    model = Sequential([Dense(4, activation=a, input_dim=3) if i == 0 else Dense(4, activation=a)
                        for i, a in enumerate(chosen)], seed=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert [repr(layer.activation) for layer in loaded.layers] == [repr(layer.activation) for layer in model.layers]
    assert repr(loaded.layers[-2].activation) == "Threshold(threshold=0.1, default_value=-0.5)"
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_backward_into_a_buffer_is_dA_times_the_derivative_bit_for_bit(dtype, name):
    # the training step's in-place form (no temporaries) against dA · σ'(z) = dA · σ(1 − σ) (tanh: 1 − a²)
    activation = activations.get(name)
    rng = np.random.default_rng(0)
    Z = rng.normal(scale=4, size=(65, 33)).astype(dtype)
    A, dA = activation.forward(Z.copy()), rng.normal(size=Z.shape).astype(dtype)
    out = np.empty_like(Z)
    assert activation.backward(Z, A, dA, out=out) is out
    np.testing.assert_array_equal(out, dA * activation.derivative(Z, A))
    assert out.dtype == np.dtype(dtype)
    expected = dA * activation.derivative(Z, A)
    for into in ("A", "dA"):  # into an input's own array: the general form, still right
        arrays = {"A": A.copy(), "dA": dA.copy()}
        np.testing.assert_array_equal(activation.backward(Z, arrays["A"], arrays["dA"], out=arrays[into]), expected)
    if name == "sigmoid":
        steep = activations.Sigmoid(steepness=2.0)  # (other steepness: the general form)
        np.testing.assert_array_equal(steep.backward(Z, A, dA, out=np.empty_like(Z)), dA * steep.derivative(Z, A))


@pytest.mark.parametrize("axis", [0, 1, (1, 2), (0, 2), -2])
def test_softmax_and_log_softmax_of_arrays_along_any_axes_equal_keras(keras_x64, rng, axis):
    keras, _ = keras_x64
    x = rng.normal(size=(2, 3, 4))
    for ours, theirs in ((activations.softmax, keras.activations.softmax),
                         (activations.log_softmax, keras.activations.log_softmax)):
        np.testing.assert_allclose(ours(x, axis=axis), np.asarray(theirs(x, axis=axis)), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=r"axis names the same axis twice .* Received: axis=\(2, -1\)"):
        activations.softmax(x, axis=(2, -1))
    with pytest.raises(ValueError, match=r"axis must be in \[-3, 3\) .* Received: axis=3"):
        activations.log_softmax(x, axis=3)


def test_activations_defined_in_their_own_modules_keep_the_path_of_pickles_made_before():
    # activations.py became a package (base, classic, rectifiers, smooth, hard, shrink, rowwise, function): a
    # model pickled before holds its activations, which name their class by glassnet.activations (protocol 0:
    # "c<module>\n<name>"): that path must keep giving the same class
    import pickle

    from conftest import names_kept

    from glassnet import _registry

    names = [*activations.CLASSES, "Activation", "FunctionActivation", "_Normalising"]
    for name in names:
        assert pickle.loads(f"cglassnet.activations\n{name}\n.".encode()) is getattr(activations, name), name
    assert {cls.__module__ for cls in activations.CLASSES.values()} != {"glassnet.activations"}  # (moved, indeed)
    # every name a module of the package defines (classes, functions, constants, private helpers) is still
    # glassnet.activations.<name>, as in the single module: activations._logistic, SELU_ALPHA, erfc, ...
    modules = ("base", "classic", "rectifiers", "smooth", "hard", "shrink", "rowwise", "function")
    defined = names_kept(activations, "glassnet.activations", modules)
    assert defined > 50  # (61 at the split)
    for name in ("ACTIVATIONS", "CLASSES", "NAME_REFUSALS", "_FUNCTIONS", "get", "serialize", "deserialize",
                 "layer_names", "get_by_name_for_layer", "check_in_layer", "check_layer_axis", "relu", "softmax",
                 "silu", "swish", "hard_swish", "threshold"):
        assert hasattr(activations, name), name
    assert isinstance(activations.relu, activations.ReLU)  # the function, not a module of the package
    # a class name stands for every public Activation of the package's modules (activations.get("FunctionActivation")
    # names the class rather than saying the name is unknown)
    assert {cls.__name__ for cls in _registry._classes(activations.ACTIVATIONS, activations.Activation)} == {
        *activations.CLASSES, "FunctionActivation"}
