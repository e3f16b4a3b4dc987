"""Session 60: a teacher's autograder on glassnet (hteach's findings F1, F2, F4 and the lectures' recipe)."""

import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers, models
from glassnet.descent import numerical_gradient

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _dense_sigmoid_grad_w(x, W, b, dout):
    """∂(Σ dout ⊙ sigmoid(x W + b))/∂W by hand."""
    a = _sigmoid(x @ W + b)
    return x.T @ (dout * a * (1 - a))


def test_backward_after_a_direct_call_is_a_clear_error_not_a_stale_pass():
    rng = np.random.default_rng(0)
    x1, x2, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    d = layers.Dense(3, dtype="float64")
    d(x1)
    with pytest.raises(AttributeError, match=r"call layer\.forward\(x, training=True\) before layer\.backward"):
        d.backward(dout)
    # a pass kept by forward(training=True) is dropped by a later layer(x2): it was silently x1's gradients
    d = layers.Dense(3, activation="sigmoid", dtype="float64")
    d(x1)
    d.forward(x1, training=True)
    d(x2)
    with pytest.raises(AttributeError, match="keeps no forward pass"):
        d.backward(dout)
    # the documented way: forward(training=True) then backward, equal to the hand-worked gradient
    d.forward(x2, training=True)
    d.backward(dout)
    W, b = d.get_weights()
    np.testing.assert_allclose(d.grads["W"], _dense_sigmoid_grad_w(x2, W, b, dout), rtol=1e-12)
    assert not hasattr(layers.Dense(2), "X")  # (still an AttributeError: hasattr and getattr(..., None) work)


def test_a_models_layer_called_directly_keeps_the_models_pass():
    # model.forward calls layer.forward, and layer(x) on a model's layer leaves the model's pass untouched
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")], dtype="float64")
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    before = model.gradients(x, y)
    dense = model.layers[0]
    kept = dense.X
    dense(rng.normal(size=(2, 4)))
    assert dense.X is kept
    np.testing.assert_array_equal(model.gradients(x, y)[0], before[0])


def test_forward_on_an_unbuilt_layer_says_to_build_it():
    with pytest.raises(ValueError, match=r"isn't built.*layer\.build\(input_shape\).*layer\(x\)"):
        layers.Dense(3).forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="isn't built"):
        layers.BatchNormalization().forward(np.ones((2, 4)), training=True)
    d = layers.Dense(3, use_bias=False)
    d.build((4,))
    with pytest.raises(KeyError):  # a built layer's missing key stays a KeyError
        d.params["b"]
    assert d.forward(np.ones((2, 4), dtype="float32")).shape == (2, 3)


def test_check_gradients_refusal_points_to_numerical_gradient_and_to_wrapping_a_layer():
    X, Y = np.ones((2, 3)), np.ones((2, 2))
    with pytest.raises(TypeError, match=r"glassnet model \(Sequential or Model\).*numerical_gradient\(f, x\)"):
        glassnet.check_gradients(lambda x: (x ** 2).sum(), X, Y)
    with pytest.raises(TypeError, match=r"Sequential\(\[Input\(shape\), layer\]\).*Received: Dense"):
        glassnet.check_gradients(layers.Dense(2), X, Y)
    with pytest.raises(TypeError, match=r"\(Sequential or Model\)\. Received: int"):
        glassnet.check_gradients(3, X, Y)


def test_numerical_gradient_warns_of_a_float32_function():
    z = np.array([-0.3589, -1.9016, -0.1089])
    with pytest.warns(UserWarning, match="float32 number.*about 1e-3") as caught:
        g = numerical_gradient(lambda v: np.float32((v.astype(np.float32) ** 2).sum()), z)
    assert len(caught) == 1 and caught[0].filename == __file__  # once, at the caller's line
    assert 1e-5 < np.max(np.abs(g - 2 * z) / np.abs(2 * z)) < 1e-2  # what the warning is about
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float64: no warning, and exact to ~1e-10
        np.testing.assert_allclose(numerical_gradient(lambda v: (v ** 2).sum(), z), 2 * z, rtol=1e-9)


def test_the_lectures_grading_recipe_runs(tmp_path):
    text = (DOCS / "lectures.md").read_text()
    section = text[text.index("## Grading with glassnet"):]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    assert "set_weights" in code and "shuffle=False" in code and "assert_allclose" in code
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_recipes_whole_network_check_fails_a_wrong_student():
    # the recipe's tolerance is tight enough: a student who forgets the batch mean's 1/n is caught
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    W, b = rng.normal(size=(4, 3)), np.zeros(3)
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")], dtype="float64")
    model.compile(optimizer=glassnet.optimizers.SGD(0.1), loss="categorical_crossentropy")
    model.set_weights([W, b])
    model.fit(x, y, epochs=1, batch_size=3, shuffle=False, verbose=0)
    softmax = glassnet.activations.get("softmax")
    for n in (3, 1):  # the right student (÷3), then the wrong one (no ÷n)
        W_s, b_s = W.copy(), b.copy()
        for rows in (slice(0, 3), slice(3, 6)):
            delta = (softmax(x[rows] @ W_s + b_s) - y[rows]) / n
            W_s -= 0.1 * x[rows].T @ delta
            b_s -= 0.1 * delta.sum(axis=0)
        close = np.allclose(model.get_weights()[0], W_s, rtol=1e-9, atol=0)
        assert close == (n == 3)
