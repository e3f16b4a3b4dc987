"""Session 58: the lectures' claims as live demos (seed 001's cost functions, seed 002's zero initialisation,
seed 000/001's learning rates in glassnet.descent)."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from glassnet.diagnostics import Diagnostics, diagnose
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.optimizers import SGD


def _blobs(n=90, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    X = rng.normal(size=(n, features)) + 2.0 * np.eye(classes, features)[y]
    return X, y


def _net(activation, init, seed=0):
    model = Sequential([Dense(8, activation, input_dim=6, kernel_initializer=init),
                        Dense(3, "softmax", kernel_initializer=init)], seed=seed)
    model.compile(optimizer=SGD(0.5), loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_diagnose_names_the_symmetry_of_a_zero_initialised_layer(activation):
    # seed 002: "Zero Initialization ... parameters corresponding to inputs going into each of two hidden units are
    # identical": every hidden unit stays the same (sigmoid: W moves, all columns alike; tanh, relu: W stays 0), and
    # diagnose said "No problems found" (sigmoid, tanh) or "Lower the learning rate" (relu)
    X, y = _blobs()
    model = _net(activation, "zeros")
    model.fit(X, y, epochs=5, batch_size=10, verbose=0)
    W = model.get_weights()[0]
    assert np.ptp(W, axis=1).max() == 0  # the effect itself: 8 identical units
    result = diagnose(model, X, y, warn=False)
    kinds = [kind for kind, _ in result.problems]
    assert kinds[0] == "symmetric_units" and kinds.count("symmetric_units") == 1  # the output layer is not one
    message = result.problems[0][1]
    assert "The 8 units of layer" in message and "glorot_uniform" in message
    assert not any("Lower the learning rate" in m for m in result.warnings)  # relu: dead from the start, W = 0
    if activation == "relu":
        assert "dead_relu" in kinds and "dead from the start" in result.problems[1][1]
    callback = Diagnostics(X, y, warn=False)  # the callback says the same
    _net(activation, "zeros").fit(X, y, epochs=2, batch_size=10, verbose=0, callbacks=[callback])
    assert "symmetric_units" in [kind for _, kind, _ in callback.problems]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_randomly_initialised_layers_are_not_symmetric(activation):
    X, y = _blobs()
    for seed in range(3):
        model = _net(activation, "he_normal" if activation == "relu" else "glorot_uniform", seed)
        model.fit(X, y, epochs=5, batch_size=10, verbose=0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert "symmetric_units" not in [kind for kind, _ in diagnose(model, X, y, warn=False).problems]


def test_descent_says_when_a_small_learning_rate_converges_slowly():
    # seed 001: "Too small, and learning takes a very long time"; x² from 2 with η = 0.001 ended 12 steps at
    # 1.9525 (2.4% of the way) under "verdict: converges" alone. Each step is 1 − 2η = 0.998 of the last: x_k =
    # 2·0.998^k, 0.0475 of 2 covered, and 1.9525·0.998^n ≤ 0.02 from n = ln(0.01024)/ln(0.998) = 2288.2 on
    from glassnet.descent import gradient_descent

    slow = gradient_descent("x**2", 2.0, 0.001, steps=12)
    assert slow.verdict == "converges"  # seed 000's four words stay
    assert str(slow).splitlines()[-1] == (
        "verdict: converges (slowly: each step is 0.998 of the last, so after 12 steps x has covered 2.4% of the "
        "distance to where the steps lead (1.953 left); at this rate about 2,289 more steps cover 99% of it. η is too "
        "small for f here (seed 001: \"too small, and learning takes a very long time\"): a larger η, or more steps.)")
    for eta, verdict in ((0.2, "converges"), (0.4, "converges"), (0.5, "one-step"), (1.0, "oscillates"),
                         (1.05, "diverges")):  # the seed's tables: their last line as before
        assert str(gradient_descent("x**2", 2.0, eta, steps=12)).splitlines()[-1] == f"verdict: {verdict}"


def test_glassnet_descend_says_converges_slowly(capsys):
    from glassnet.cli import main

    assert main(["descend", "x**2", "--x0", "2", "--lr", "0.001", "--steps", "12"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("verdict: converges slowly — each step is 0.998 of the last, so after 12 steps x has "
                           "covered 2.4% of the distance")  # said "converges — the steps shrink: x approaches a minimum."
    assert main(["descend", "x**2", "--x0", "2", "--lr", "0.2", "--steps", "12"]) == 0  # the seed's η = 0.2: as before
    assert capsys.readouterr().out.splitlines()[-1] == "verdict: converges — the steps shrink: x approaches a minimum."


def test_compare_optimizers_warns_when_its_default_rates_diverge_on_a_ravine():
    # seed 001's momentum on a ravine: the default rates (tuned to x² from 2) sent gd, momentum and Nesterov to
    # f ≈ 1e190 on x1² + 50·x2² without a word, so "momentum beats descent" failed
    from glassnet.descent import compare_optimizers

    ravine = "x1**2 + 50*x2**2"  # f'' = 2 and 100: plain descent is stable for η < 2/100
    with pytest.warns(UserWarning, match=r"gd, momentum, nesterov diverge or oscillate .* Pass lower rates, "
                                         r"e\.g\. optimizers=\{'gd': \('gd', 0\.01, \{\}\)"):
        runs = compare_optimizers(ravine, [10, 1], steps=100)
    assert runs["gd"].verdict == "diverges"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # explicit rates, and the defaults on x², say nothing
        compare_optimizers("x**2", 2.0, steps=50)
        runs = compare_optimizers(ravine, [10, 1], steps=100, optimizers={
            "gd": ("gd", 0.019, {}), "momentum": ("momentum", 0.019, {"momentum": 0.5})})
    # by hand: plain descent multiplies x1 by 1 − 2η and x2 by 1 − 100η at each step
    x1, x2 = 10 * (1 - 2 * 0.019) ** 100, (1 - 100 * 0.019) ** 100
    assert runs["gd"].fx[-1] == pytest.approx(x1 ** 2 + 50 * x2 ** 2, rel=1e-9)  # 0.0432
    assert runs["momentum"].fx[-1] < 1e-5 < runs["gd"].fx[-1]  # 3.3e-6: momentum beats descent on the ravine


MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


@pytest.mark.skipif(not (MNIST_DIR / "README.md").is_file(), reason=f"the genuine MNIST files are not at {MNIST_DIR}")
def test_cross_entropy_learns_faster_than_the_quadratic_cost_on_mnist():
    # seed 001 (after Nielsen ch. 3): the cross-entropy learns faster than the quadratic cost. docs/lectures.md's
    # recipe, small: 784-30-10 sigmoid, one epoch of batches of 10 on 3,000 MNIST test images, scored on the other
    # 7,000. "mse" and "binary_crossentropy" both average over the 10 outputs, so the same η compares them
    # (squared_error sums, ½Σ: at the same η it takes 10 × larger steps than binary_crossentropy). Measured, seeds
    # 0-3: mse 0.715/0.693/0.728/0.723, binary_crossentropy 0.822/0.820/0.830/0.850
    from glassnet.datasets import load_mnist
    from glassnet.preprocessing import to_categorical

    x, y = load_mnist(MNIST_DIR, kind="test", verify=False)
    X, Y, X_held, y_held = x[:3000], to_categorical(y[:3000], 10), x[3000:], y[3000:]
    for seed in (0, 1):
        accuracy = {}
        for loss in ("mse", "binary_crossentropy"):
            model = Sequential([Dense(30, "sigmoid", input_dim=784), Dense(10, "sigmoid")], seed=seed)
            model.compile(optimizer=SGD(3.0), loss=loss)
            model.fit(X, Y, epochs=1, batch_size=10, verbose=0)
            accuracy[loss] = np.mean(model.predict(X_held, verbose=0).argmax(axis=1) == y_held)
        assert accuracy["binary_crossentropy"] > accuracy["mse"] + 0.05, accuracy


def test_the_lecture_map_shows_the_cross_entropy_recipe():
    # the recipe the test above runs small: the docs compared nothing, and the same η with "squared_error" (½Σ)
    # against "binary_crossentropy" (a mean over the outputs) shows the opposite of the slide
    recipe = (Path(__file__).resolve().parents[1] / "docs" / "lectures.md").read_text()
    assert 'for loss in ("mse", "binary_crossentropy"):' in recipe and "optimizer=SGD(3.0), loss=loss" in recipe


def test_a_zero_kernel_before_a_random_layer_is_not_symmetric():
    # (review) a zero hidden kernel whose units' outgoing weights start at random: their gradients differ and
    # they become different units; only the whole path being alike (seed 002's all-zero start) is symmetric
    X, y = _blobs()
    model = Sequential([Dense(8, "tanh", input_dim=X.shape[1], kernel_initializer="zeros"), Dense(3, "softmax")],
                       seed=0)
    model.compile(optimizer=SGD(0.5), loss="sparse_categorical_crossentropy")
    assert "symmetric_units" not in [kind for kind, _ in diagnose(model, X, y, warn=False).problems]
    model.fit(X, y, epochs=30, batch_size=10, verbose=0)
    assert np.ptp(model.get_weights()[0], axis=1).max() > 0.1  # (they did become different)


def test_a_quick_path_of_few_steps_is_not_called_slow():
    # (review) x² with η = 0.1 over 10 steps, and η = 0.25 over 3, were told "η is too small"
    from glassnet.descent import gradient_descent

    for lr, steps in ((0.1, 10), (0.25, 3)):
        assert "slowly" not in str(gradient_descent("x**2", 2.0, lr, steps))
    assert "slowly" in str(gradient_descent("x**2", 2.0, 0.001, 12))


def test_compare_optimizers_is_quiet_where_an_adaptive_method_hovers_at_the_minimum():
    # (review) 200 steps on x² itself: RMSprop's steps of about η hover around 0, "oscillates", and the warning
    # said the function was steeper than x²
    from glassnet.descent import compare_optimizers

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_optimizers("x**2", 2.0, steps=200)


def test_unscaled_targets_compare_the_data_loss_with_the_means():
    # (review) the probe's loss held the L2 penalty and the mean's did not: a good fit (R² 0.99) of large targets
    # with a strong penalty was "no better than the mean"
    from glassnet import regularizers

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([400.0, -300.0, 200.0]) + 1000
    model = Sequential([Dense(1, input_dim=3, kernel_regularizer=regularizers.L2(10.0))], seed=0)
    model.compile(optimizer=SGD(0.01), loss="mse")
    model.layers[0].set_weights([np.array([[400.0], [-300.0], [200.0]]), np.array([1000.0])])
    assert "unscaled_targets" not in [kind for kind, _ in diagnose(model, X, y, warn=False).problems]
