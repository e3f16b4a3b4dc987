"""``glassnet train/predict/descend``: activation names in any case, a descent that leaves f's domain,
and what predict and train call sparsemax and log-softmax outputs (session 54's command-line fixes)."""

import csv
import math

import numpy as np
import pytest

from conftest import run_cli as call
from glassnet.cli._types import _layer_activation
from glassnet.descent import gradient_descent
from glassnet.models import load_model


def write_rows(path, rows, header):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def model_line(stdout):
    return next(line for line in stdout.splitlines() if line.startswith("Model: "))


def trained(options, tmp_path, monkeypatch, capsys, data="xor", out="m.gn"):
    result = call("train", data, *options, "--seed", "0", "--out", out, cwd=tmp_path, monkeypatch=monkeypatch,
                  capsys=capsys)
    assert result.returncode == 0, result.stderr
    return result, load_model(tmp_path / out)


def same_model(a, b):
    assert a.get_config() == b.get_config()
    assert a.loss.name == b.loss.name
    for u, v in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(u, v)


# --- 1. an activation name in another case is the same activation -----------------------------------------------

@pytest.mark.parametrize("text, name", [("sigmoid", "sigmoid"), ("Sigmoid", "sigmoid"), ("SIGMOID", "sigmoid"),
                                        ("Linear", "linear"), ("Identity", "identity"), ("LOGISTIC", "logistic"),
                                        ("LeakyReLU", "leaky_relu"), ("Swish", "swish"), ("relu", "relu")])
def test_the_activation_options_give_the_registry_name(text, name):
    assert _layer_activation(text) == name


@pytest.mark.parametrize("given", ["Sigmoid", "SIGMOID", "Logistic"])
def test_sigmoid_in_another_case_trains_one_unit_with_binary_cross_entropy(given, tmp_path, monkeypatch, capsys):
    # "Sigmoid" trained 2-16-16-2 sigmoid units with categorical cross-entropy: the sigmoid's one unit was
    # chosen by comparing the text with "sigmoid"
    common = ["--samples", "40", "--epochs", "2", "--quiet"]
    reference, expected = trained([*common, "--output-activation", "sigmoid"], tmp_path, monkeypatch, capsys,
                                  out="a.gn")
    result, model = trained([*common, "--output-activation", given], tmp_path, monkeypatch, capsys, out="b.gn")
    assert model.layers[-1].units == 1 and model.loss.name == "binary_crossentropy"
    same_model(model, expected)
    assert result.stdout.replace("b.gn", "a.gn") == reference.stdout


@pytest.mark.parametrize("given", ["Linear", "LINEAR", "Identity"])
def test_linear_in_another_case_standardizes_the_target(given, tmp_path, monkeypatch, capsys):
    # "Linear" (and "LINEAR", "Identity") skipped the target's standardization and its note: test MSE 0.59, not 0.29
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = 10 + X @ np.array([1.0, 2.0, -1.0]) * 3 + rng.normal(scale=0.3, size=120)
    write_rows(tmp_path / "reg.csv", [[*x, v] for x, v in zip(X.round(5), y.round(5))], ["a", "b", "c", "y"])
    reference, expected = trained(["--output-activation", "linear", "--epochs", "3"], tmp_path, monkeypatch, capsys,
                                  data="reg.csv", out="a.gn")
    assert "The target is standardized too" in reference.stdout
    result, model = trained(["--output-activation", given, "--epochs", "3"], tmp_path, monkeypatch, capsys,
                            data="reg.csv", out="b.gn")
    assert "The target is standardized too" in result.stdout, result.stdout
    same_model(model, expected)
    test_line = [line for line in result.stdout.splitlines() if line.startswith("Test MSE")]
    assert test_line and test_line[0] in reference.stdout


def test_the_hidden_activation_in_another_case_is_named_as_the_registry_does(tmp_path, monkeypatch, capsys):
    result, model = trained(["--samples", "40", "--epochs", "1", "--activation", "TANH"], tmp_path, monkeypatch,
                            capsys, out="b.gn")
    _, expected = trained(["--samples", "40", "--epochs", "1", "--activation", "tanh"], tmp_path, monkeypatch,
                          capsys, out="a.gn")
    assert ", tanh hidden," in model_line(result.stdout), result.stdout  # it said "TANH hidden"
    same_model(model, expected)
    result, _ = trained(["--samples", "40", "--epochs", "1", "--activation", "LeakyReLU"], tmp_path, monkeypatch,
                        capsys, out="c.gn")
    assert ", leaky_relu hidden," in model_line(result.stdout)


def test_loss_and_optimizer_names_in_another_case_train_the_same_model(tmp_path, monkeypatch, capsys):
    # these were resolved through the registries already: kept so
    common = ["--samples", "40", "--epochs", "2"]
    lower, expected = trained([*common, "--loss", "hinge", "--optimizer", "sgd"], tmp_path, monkeypatch, capsys,
                              out="a.gn")
    upper, model = trained([*common, "--loss", "HINGE", "--optimizer", "SGD"], tmp_path, monkeypatch, capsys,
                           out="b.gn")
    assert model_line(upper.stdout) == model_line(lower.stdout)
    same_model(model, expected)


# --- 2. a descent that leaves f's domain stops there and says so ------------------------------------------------

def test_descend_stops_where_the_iterate_leaves_the_domain(tmp_path, monkeypatch, capsys):
    # 27 rows of nan followed, and the verdict blamed an η that overshoots a minimum
    result = call("descend", "x**0.5", "--x0", "4", "--lr", "1", "--steps", "40", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = lines[2:-1]
    assert len(rows) == 12 and "nan" not in "\n".join(rows)
    assert rows[-1].startswith("0.2958716945055\t") and rows[-1].split("\t")[4] == "-0.6233458287915"
    assert lines[-1].startswith("verdict: left f's domain — step 12 (the table's last row) took x to "
                                "-0.6233458287915, where f(x) is not a real number"), lines[-1]
    assert "Try a smaller η (it was --lr 1) or another start (--x0)." in lines[-1]
    assert "overshoots the minimum" not in result.stdout


def test_descend_leaving_the_domain_at_the_first_step_and_in_two_variables(tmp_path, monkeypatch, capsys):
    result = call("descend", "log(x)", "--x0", "0.5", "--lr", "1", "--steps", "5", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and lines[2].endswith("\t-1.5\t1"), result.stdout
    assert lines[-1].startswith("verdict: left f's domain — step 1 (the table's last row) took x to -1.5, ")
    result = call("descend", "sqrt(x1) + x2**2", "--x0", "1,1", "--lr", "1", "--steps", "5", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert "nan" not in result.stdout.split("verdict")[0]
    assert "step 2 (the table's last row) took x to (-0.2071067811865, 1), where f(x)" in result.stdout


def test_gradient_descent_ends_the_path_at_the_iterate_outside_the_domain():
    trace = gradient_descent("x**0.5", 4.0, 1.0, steps=40)
    assert len(trace.step) == 12 and len(trace.x) == len(trace.fx) == len(trace.grad) == 13
    assert np.isfinite(trace.x).all() and math.isnan(trace.fx[-1]) and np.isfinite(trace.fx[:-1]).all()
    assert trace.x[-1] == pytest.approx(-0.6233458287915) and trace.verdict == "diverges"
    # a slope given beside np.log stays finite below 0: the value's NaN stops the path all the same
    trace = gradient_descent(np.log, 1.0, 0.1, steps=20, grad=lambda x: 1 / x)
    assert math.isnan(trace.fx[-1]) and trace.x[-1] < 0 and len(trace.step) < 20


def test_a_path_that_overflows_keeps_its_rows_and_its_verdict(tmp_path, monkeypatch, capsys):
    # (session 56: it stops at the step that overflows, η·f'(x) = 10·2·9³²² past float64's range; rows of nan followed)
    trace = gradient_descent("x**2", 2.0, 5.0, steps=400)
    assert len(trace.step) == 323 and not np.isfinite(trace.x[-1]) and trace.verdict == "diverges"
    result = call("descend", "x**2", "--x0", "2", "--lr", "5", "--steps", "400", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert len(result.stdout.splitlines()) == 326
    assert result.stdout.splitlines()[-1].startswith("verdict: diverges — at step 323 (the table's last row) the "
                                                     "numbers outgrew float64's range")


# --- 3. sparsemax gives probabilities; log_softmax log-probabilities ---------------------------------------------

def test_sparsemax_outputs_are_called_probabilities(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    labels = np.array(["b", "g", "r"])[np.argmax(np.c_[X, -X.sum(axis=1)], axis=1)]
    write_rows(tmp_path / "multi.csv", [[*x, t] for x, t in zip(X.round(5), labels)], ["a", "b", "label"])
    result, model = trained(["--output-activation", "sparsemax", "--epochs", "2", "--quiet"], tmp_path, monkeypatch,
                            capsys, data="multi.csv")
    # it said "--output-activation sparsemax gives no probabilities"
    assert ("glassnet train: warning: --output-activation sparsemax gives probabilities with exact zeros, which the "
            "loss categorical_crossentropy clips to (0, 1) for its log: it learns nothing from a row whose class "
            "gets probability 0. Use --output-activation softmax") in result.stderr, result.stderr
    assert "no probabilities" not in result.stderr
    result = call("predict", "m.gn", "multi.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0 and result.stdout.startswith("class,p(b),p(g),p(r)\n"), result.stderr
    assert "not probabilities" not in result.stderr and "raw outputs" not in result.stderr, result.stderr
    P = np.array([[float(v) for v in line.split(",")[1:]] for line in result.stdout.splitlines()[1:]])
    assert P.min() >= 0 and np.abs(P.sum(axis=1) - 1).max() < 1e-4


def test_predict_calls_log_softmax_outputs_log_probabilities(tmp_path, monkeypatch, capsys):
    trained(["--samples", "40", "--loss", "nll", "--epochs", "2", "--quiet"], tmp_path, monkeypatch, capsys)
    write_rows(tmp_path / "in.csv", [[0.5, -0.5], [-0.3, 0.2]], ["a", "b"])
    result = call("predict", "m.gn", "in.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    # it said "the p columns hold its raw outputs (scores; the highest wins), not probabilities"
    assert result.stderr == ("note: the model's output activation is log_softmax: the p columns hold "
                             "log-probabilities (log p, at most 0; the highest wins), exp of which are the "
                             "probabilities.\n")
    P = np.array([[float(v) for v in line.split(",")[1:]] for line in result.stdout.splitlines()[1:]])
    np.testing.assert_allclose(np.exp(P).sum(axis=1), 1, rtol=1e-5)
