"""Leftovers of session 60, fixed in session 61: the classic Perceptron takes a learning rate n -> η(n) as
Adaline and train_neuron do, and all three name ``learning_rate`` for a function of the wrong form;
``SOM.label_map`` names ``y`` for labels of mixed types; ``glassnet train`` predicts the test classes once;
``glassnet evaluate --target a,b`` says evaluate's advice; ``glassnet explain --digits``; Softmax.derivative's
docstring; ``plot_weights(som)`` points to ``plot_som(som, image_shape=...)``."""

import warnings

import numpy as np
import pytest

import glassnet.cli.train as cli_train
import glassnet.sklearn as gs
from glassnet.activations import Softmax
from glassnet.classic import SOM, Adaline, NotSeparableWarning, Perceptron, train_neuron
from conftest import run_cli as call
from glassnet.schedules import InverseTimeDecay
from glassnet.trace import trace, worked_example_model


# --- 1. Perceptron(learning_rate=callable) ---------------------------------------------------------------------

def _hand_perceptron(X, y, rate_of, max_epochs):
    """Rosenblatt's rule written out, one perceptron per class (one-vs-rest, ±1 targets; one for two classes):
    a sample is a mistake where some perceptron has t·⟨w, (1, x)⟩ ≤ 0, and each wrong one moves by η(n)·t·(1, x),
    n counting the samples visited over all epochs; stop after an epoch without mistakes."""
    classes = np.unique(y)
    T = np.where(y[:, None] == classes[None, :], 1.0, -1.0)
    T = T[:, 1:] if len(classes) == 2 else T
    Xb = np.column_stack([np.ones(len(X)), X])
    W, n, history = np.zeros((Xb.shape[1], T.shape[1])), 0, []
    for _ in range(max_epochs):
        mistakes = 0
        for x, t in zip(Xb, T):
            wrong = t * (x @ W) <= 0
            if wrong.any():
                mistakes += 1
                W[:, wrong] += rate_of(n) * np.outer(x, t[wrong])
            n += 1
        history.append(mistakes)
        if mistakes == 0:
            break
    return W, history


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("rate_of", [lambda n: 1.0 / (1 + n), InverseTimeDecay(0.5, 10, 1.0)])
def test_perceptron_takes_a_function_learning_rate_as_a_hand_loop(n_classes, rate_of):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = np.argmax(X @ np.array([[1.0, -1.0, 0.2], [0.5, 1.0, -1.5]])[:, :n_classes] + 0.3 * rng.normal(size=(60, n_classes)),
                  axis=1) if n_classes == 3 else (X[:, 0] + 0.5 * X[:, 1] > 0.1).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotSeparableWarning)
        clf = Perceptron(learning_rate=rate_of, max_epochs=30).fit(X, y)
    W, mistakes = _hand_perceptron(X, y, rate_of, 30)
    assert clf.mistakes_ == mistakes
    np.testing.assert_allclose(clf.weights_, W[:, 0] if n_classes == 2 else W, rtol=1e-12, atol=1e-12)
    assert clf.separable_ is (True if mistakes[-1] == 0 else None)  # a varying η proves no cycle


def test_perceptron_function_of_a_constant_rate_is_the_constant():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X @ [1.0, -2.0, 0.5] > 0).astype(int)
    constant, function = Perceptron(learning_rate=0.3).fit(X, y), Perceptron(learning_rate=lambda n: 0.3).fit(X, y)
    np.testing.assert_allclose(function.weights_, constant.weights_, rtol=1e-12)
    assert function.mistakes_ == constant.mistakes_ and function.converged_


@pytest.mark.parametrize("fit", [
    lambda X, y, f: Perceptron(learning_rate=f).fit(X, y),
    lambda X, y, f: Adaline(learning_rate=f).fit(X, y),
    lambda X, y, f: train_neuron(X, y, learning_rate=f),
])
def test_a_learning_rate_function_of_the_wrong_form_is_named(fit):
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 0, 0, 1])
    with pytest.raises(TypeError, match=r"learning_rate must be a number or a function f\(n\) -> float .*"
                                        r"learning_rate\(0\) raised TypeError: .*takes 0 positional arguments"):
        fit(X, y, lambda: 0.1)


# --- 2. SOM.label_map with labels of mixed types ---------------------------------------------------------------

def test_label_map_names_y_for_labels_of_mixed_types():
    X = np.random.default_rng(0).normal(size=(6, 2))
    som = SOM((2, 2), epochs=2, random_state=0).fit(X)
    with pytest.raises(TypeError, match=r"y must hold labels of one kind .*Received labels of types int, str\."):
        som.label_map(X, np.array([1, "a", 2, 3, "b", 1], dtype=object))
    assert som.label_map(X, np.array(["a", "b", "a", "b", "a", "b"], dtype=object)).shape == (2, 2)


# --- 3. train predicts the test classes once ---------------------------------------------------------------------

def test_train_report_predicts_the_classes_once(tmp_path, monkeypatch, capsys):
    calls = []
    original = cli_train.predicted_classes

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(cli_train, "predicted_classes", counted)
    r = call("train", "digits", "--epochs", 1, "--seed", 0, "--quiet", "--out", "d.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    assert "Test accuracy: " in r.stdout
    assert len(calls) == 1  # (the accuracy, balanced-accuracy and guessing lines computed it 4 times)


# --- 4. evaluate --target a,b ------------------------------------------------------------------------------------

def test_evaluate_target_of_several_columns_says_what_evaluate_does(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = (X[:, :2] > 0).astype(int)
    np.savetxt(tmp_path / "xy.csv", np.column_stack([X, Y]), delimiter=",", header="a,b,c,t1,t2", comments="",
               fmt=["%.4f"] * 3 + ["%d"] * 2)
    r = call("train", "xy.csv", "--target", "t2", "--ignore", "t1", "--epochs", 2, "--quiet", "--out", "m.gn",
             cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    r = call("evaluate", "m.gn", "xy.csv", "--target", "t1,t2", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1
    assert "the command line takes one target column" not in r.stderr and "train in Python" not in r.stderr
    assert "evaluate takes one target column" in r.stderr
    assert "--target t2 --ignore t1." in r.stderr  # the model's own target first
    assert "MLPClassifier.load" not in r.stderr  # (m.gn is no estimator file: hfixrev2, s61)
    r = call("evaluate", "m.gn", "xy.csv", "--target", "t2", "--ignore", "t1", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert r.returncode == 0 and "Accuracy: " in r.stdout
    # what it says of a multi-label classifier works: scored in Python (subset accuracy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs.MLPClassifier((4,), max_iter=5, random_state=0).fit(X, Y).save(tmp_path / "ml.gn")
    assert 0 <= gs.MLPClassifier.load(tmp_path / "ml.gn").score(X, Y) <= 1
    r = call("train", "xy.csv", "--target", "t1,t2", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and "the command line takes one target column" in r.stderr  # (train's, as before)


# --- 5. explain --digits -----------------------------------------------------------------------------------------

def test_explain_digits(tmp_path, monkeypatch, capsys):
    default = call("explain", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert default.returncode == 0 and "J = 0.274811;" in default.stdout  # unchanged: 6 digits
    assert default.stdout == str(trace(worked_example_model(), np.array([[0.05, 0.1]]), np.array([[0.01]]))) + "\n"
    r = call("explain", "--digits", 9, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    # the worked example's E = ½ (0.01 − 0.75136507)² = 0.274811083 (Mazur's by hand)
    assert r.returncode == 0 and "J = 0.274811083;" in r.stdout and "0.75136507" in r.stdout
    result = trace(worked_example_model(), np.array([[0.05, 0.1]]), np.array([[0.01]]))
    assert r.stdout == result.to_text(digits=9) + "\n"
    r = call("explain", "--digits", 4, "--markdown", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0 and r.stdout == result.to_markdown(digits=4) + "\n"
    r = call("explain", "--digits", 4, "--json", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and "--digits" in r.stderr and "--json holds every digit" in r.stderr
    r = call("explain", "--digits", 0, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 2 and "argument --digits: expected a positive integer up to 17" in r.stderr


# --- 6. Softmax.derivative's docstring ---------------------------------------------------------------------------

def test_softmax_derivative_docstring_says_diagonal_and_its_full_jacobian_holds():
    doc = Softmax.derivative.__doc__
    assert doc and "diagonal" in doc and "np.diag(a) − np.outer(a, a)" in doc
    f, z = Softmax(beta=1.5), np.array([[0.3, -1.2, 2.0, 0.5]])
    a = f.forward(z.copy())[0]
    h, J = 1e-6, np.empty((4, 4))  # central differences: column j = ∂a/∂z_j
    for j in range(4):
        e = np.zeros((1, 4))
        e[0, j] = h
        J[:, j] = (f.forward(z + e)[0] - f.forward(z - e)[0]) / (2 * h)
    np.testing.assert_allclose(1.5 * (np.diag(a) - np.outer(a, a)), J, atol=1e-8)  # the docstring's full Jacobian
    np.testing.assert_allclose(f.derivative(z, a[None])[0], np.diag(J), atol=1e-8)  # derivative: its diagonal


# --- 7. plot_weights(som) ----------------------------------------------------------------------------------------

def test_plot_weights_of_a_som_points_to_plot_som_with_image_shape():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from glassnet.plots import plot_som, plot_weights

    X = np.random.default_rng(0).random((30, 16))
    som = SOM((3, 3), epochs=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"plot_som\(som, image_shape=\(h, w\)\)"):
        plot_weights(som)
    import matplotlib.pyplot as plt

    plot_som(som, image_shape=(4, 4))  # the advice works
    plt.close("all")
