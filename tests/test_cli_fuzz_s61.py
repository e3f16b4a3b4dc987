"""Findings of session 61's random CSV/option fuzzing of the command line (F1-F4), each a failing run before."""

import numpy as np
import pytest

from conftest import run_cli
from glassnet.models import load_model


def _ok(tmp_path, monkeypatch, capsys, *args):
    result = run_cli(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, (args, result.stderr)
    return result.stdout


def _error(tmp_path, monkeypatch, capsys, *args):
    result = run_cli(*args, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, (args, result.stderr)
    return result.stderr


def _headerless(tmp_path, n=40):
    """x1,x2,rowno,label without a header (labels no/yes), as the fuzzer's nh.csv; the features, rounded as written."""
    X = np.round(np.random.default_rng(0).normal(size=(n, 2)), 3)
    rows = [f"{a:.3f},{b:.3f},{100 + i},{'yes' if a > 0 else 'no'}" for i, (a, b) in enumerate(X)]
    (tmp_path / "nh.csv").write_text("\n".join(rows) + "\n")
    return X


def test_predict_and_evaluate_take_trains_own_column_options_on_a_headerless_file(tmp_path, monkeypatch, capsys):
    # F1: train's own --ignore 2 (or --target 3) replaced the saved places, so predict read the target column
    # as a feature ("column_3: 'no' is not a number") and --target 3 gave "the model expects 2 features"
    X = _headerless(tmp_path)
    _ok(tmp_path, monkeypatch, capsys, "train", "nh.csv", "--ignore", "2", "--epochs", "2", "--seed", "0", "--quiet",
        "--out", "m.gn")
    expected = _ok(tmp_path, monkeypatch, capsys, "predict", "m.gn", "nh.csv")
    P = np.array([row.split(",")[1:] for row in expected.splitlines()[1:]], dtype=float)
    np.testing.assert_allclose(P, load_model(tmp_path / "m.gn").predict(X), atol=1e-6)  # columns 0 and 1, by hand
    for options in (["--ignore", "2"], ["--target", "3"], ["--target", "-1", "--ignore", "2"], ["--ignore", "2,3"]):
        assert _ok(tmp_path, monkeypatch, capsys, "predict", "m.gn", "nh.csv", *options) == expected, options
    evaluated = _ok(tmp_path, monkeypatch, capsys, "evaluate", "m.gn", "nh.csv")
    assert "Accuracy: " in evaluated
    for options in (["--ignore", "2"], ["--target", "3"], ["--target", "3", "--ignore", "2"]):
        assert _ok(tmp_path, monkeypatch, capsys, "evaluate", "m.gn", "nh.csv", *options) == evaluated, options
    # options that contradict the saved places read the file by the options (its columns may be reordered):
    # here the labels' column becomes a feature: an error, not a silent misreading
    for command, options in (("predict", ["--ignore", "1"]), ("evaluate", ["--target", "2"])):
        assert f"glassnet {command}: error: " in _error(tmp_path, monkeypatch, capsys, command, "m.gn", "nh.csv", *options)
    # the same rows with the target first: train's --target 3 would contradict, the file's own --target 0 reads it
    moved = ["," .join([row.split(",")[3], *row.split(",")[:3]]) for row in (tmp_path / "nh.csv").read_text().split()]
    (tmp_path / "moved.csv").write_text("\n".join(moved) + "\n")
    assert _ok(tmp_path, monkeypatch, capsys, "evaluate", "m.gn", "moved.csv", "--target", "0", "--ignore", "3") \
        == evaluated.replace("nh.csv", "moved.csv")


def test_the_too_many_features_hint_names_an_index_for_a_file_without_names(tmp_path, monkeypatch, capsys):
    # F1's hint: "--target NAME" for a file that has no names
    _headerless(tmp_path)
    _ok(tmp_path, monkeypatch, capsys, "train", "nh.csv", "--ignore", "2", "--epochs", "1", "--seed", "0", "--quiet",
        "--out", "m.gn")
    model = load_model(tmp_path / "m.gn")
    del model.metadata["csv_columns"]  # as a model saved in Python: no places to go by
    model.save(tmp_path / "bare.gn")
    (tmp_path / "three.csv").write_text("0.5,0.25,7\n-0.5,1.0,8\n")
    said = _error(tmp_path, monkeypatch, capsys, "predict", "bare.gn", "three.csv")
    assert "the model expects 2 features; three.csv has 3 feature columns. Leave the target (or an id) column out " \
           "with --target INDEX (or --ignore INDEX)." in said, said


@pytest.mark.parametrize("activation, gives", [
    ("tanh", "gives values in [-1, 1]"), ("sigmoid", "gives values in [0, 1]"),
    ("softmax", "gives the constant 1 on the one output unit of a regression"),
    ("log_softmax", "gives the constant 0 on the one output unit of a regression")])
def test_a_regression_target_beyond_the_output_activation_is_refused_in_options(activation, gives, tmp_path,
                                                                                monkeypatch, capsys):
    # F3: the library's "y has values ... Use a matching output activation or rescale/encode the targets" (or
    # "Dense(1, activation='sigmoid')") reached the command line
    X = np.random.default_rng(1).normal(size=(40, 2))
    y = 10 + 3 * X[:, 0]
    lines = ["a,b,price"] + [f"{a:.4f},{b:.4f},{t:.4f}" for (a, b), t in zip(X, y)]
    (tmp_path / "r.csv").write_text("\n".join(lines) + "\n")
    said = _error(tmp_path, monkeypatch, capsys, "train", "r.csv", "--output-activation", activation, "--epochs", "1",
                  "--quiet", "--out", "m.gn")
    low, high = (float(f"{v:.4f}") for v in (y.min(), y.max()))
    assert f"--output-activation {activation} {gives}, but the regression target (column price) of r.csv runs from " \
           f"{low:.10g} to {high:.10g}: leave --output-activation out (linear; the target is then standardized)" in said
    assert "Dense(" not in said and "rescale" not in said and not (tmp_path / "m.gn").exists()
    (tmp_path / "unit.csv").write_text("\n".join(lines[:1] + [f"{a:.4f},{b:.4f},{0.5 + 0.1 * np.tanh(a):.4f}"
                                                              for a, b in X]) + "\n")
    if activation == "sigmoid":  # a target within its range trains
        _ok(tmp_path, monkeypatch, capsys, "train", "unit.csv", "--output-activation", "sigmoid", "--epochs", "1",
            "--quiet", "--out", "m.gn")


def test_one_column_of_decimal_commas_is_no_title_above_the_header(tmp_path, monkeypatch, capsys):
    # F4: "line 1, 'f0', looks like a title above the header: ... tail -n +2", which deleted the header
    rows = ["f0;label"] + [f"{v:.1f};{int(v > 0)}".replace(".", ",") for v in np.linspace(-2, 2, 30)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    _ok(tmp_path, monkeypatch, capsys, "train", "train.csv", "--epochs", "1", "--seed", "0", "--quiet", "--out", "m.gn")
    (tmp_path / "one.csv").write_text("f0\n894,8417\n-1,25\n")
    said = _error(tmp_path, monkeypatch, capsys, "predict", "m.gn", "one.csv")
    assert "one.csv line 2: expected 1 field, found 2 (the rows look like one column of numbers with decimal commas, " \
           "such as '894,8417': give --sep ';' --decimal ',')." in said, said
    assert "title" not in said and "tail" not in said
    out = _ok(tmp_path, monkeypatch, capsys, "predict", "m.gn", "one.csv", "--sep", ";", "--decimal", ",")
    P = np.array([row.replace(",", ".").split(";")[1:] for row in out.splitlines()[1:]], dtype=float)
    np.testing.assert_allclose(P, load_model(tmp_path / "m.gn").predict(np.array([[894.8417], [-1.25]])), atol=1e-5)
    (tmp_path / "title.csv").write_text("Sales report\nf0,f1\n1,2\n")  # a real title keeps its advice
    assert "looks like a title above the header" in _error(tmp_path, monkeypatch, capsys, "predict", "m.gn", "title.csv")


def test_explain_takes_a_class_label_holding_a_comma(tmp_path, monkeypatch, capsys):
    # F2: --y 'bird, small' was split at the comma ("'bird' is not a class"), and the class list read as 4 classes
    X = np.random.default_rng(2).normal(size=(45, 2))
    labels = np.array(["bird, small", "cat", "dog"])[np.arange(45) % 3]
    lines = ["a,b,label"] + [f'{a:.4f},{b:.4f},"{t}"' for (a, b), t in zip(X, labels)]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    _ok(tmp_path, monkeypatch, capsys, "train", "c.csv", "--epochs", "1", "--seed", "0", "--quiet", "--out", "m.gn")
    assert load_model(tmp_path / "m.gn").metadata["classes"] == ["bird, small", "cat", "dog"]
    by_label = _ok(tmp_path, monkeypatch, capsys, "explain", "--model", "m.gn", "--x", "0.5,-0.5", "--y", "bird, small")
    assert by_label == _ok(tmp_path, monkeypatch, capsys, "explain", "--model", "m.gn", "--x", "0.5,-0.5", "--y", "0")
    assert "y = [1, 0, 0]" in by_label
    said = _error(tmp_path, monkeypatch, capsys, "explain", "--model", "m.gn", "--x", "0.5,-0.5", "--y", "bird")
    assert "its classes are 'bird, small', cat, dog (or their indices 0..2)." in said, said


def test_the_classes_line_quotes_a_label_holding_a_comma():
    # "Classes: 0=bird, small, 1=cat" read as three classes
    from glassnet.cli._common import classes_line

    assert classes_line(["bird, small", "cat"]) == "Classes: 0='bird, small', 1=cat"
    assert classes_line(["a", "b\nc"]) == "Classes: 0=a, 1='b\\nc'"  # (shown's repr of a line break, as before)
