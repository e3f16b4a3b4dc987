"""``glassnet train`` (then ``evaluate`` and ``predict``) on random CSV files and random options.

The promise of docs/cli.md: bad input ends with one line on stderr that says what is wrong (no traceback,
no NumPy or pandas message of its own), good input trains, and the saved model reads the file it was
trained on. A derandomized, small run of the fuzzer that found the bugs named in test_cli.py (a True/False
column beside a bad cell, a trailing separator in evaluate, a target named as a feature, features beyond
float32).
"""

import traceback

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import glassnet.cli as cli  # noqa: E402
from glassnet.cli._common import CommandError  # noqa: E402
from conftest import examples  # noqa: E402
from test_cli import call  # noqa: E402

MISSING = ["", "NA", "nan", "?", "N/A", "NULL", "-"]
CELLS = {  # a feature column's cells
    "float": st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: repr(round(v, 3))),
    "int": st.integers(-5, 5).map(str),
    "huge": st.sampled_from(["1e300", "-1e300", "1.7e308", "1e-320", "9" * 40]),
    "bool": st.sampled_from(["True", "False", "true", "FALSE"]),
    "text": st.sampled_from(["cat", "é", "a b", "x,y", 'q"t', "1,5", "007", "inf"]),
    "date": st.sampled_from(["2020-01-01", "01/02/2020", "12:30"]),
    "constant": st.just("1.5"),
}
TARGETS = {  # the target column's cells: classes and a regression target
    "int": st.integers(0, 3).map(str),
    "many ints": st.integers(-2, 60).map(str),
    "text": st.sampled_from(["setosa", "virginica", "ü", "a b", "007", "7", "x,y", "nan"]),
    "float ints": st.sampled_from(["0.0", "1.0", "2.0", "1e0"]),
    "regression": st.floats(-100, 100, allow_nan=False).map(lambda v: repr(round(v, 4))),
    "bool": st.sampled_from(["True", "False"]),
}
NAMES = ["a", "b", "label", "größe", "名前", "", "col 1", "0", "#id", "a"]  # "a" twice: duplicate names
OPTIONS = {
    "--target": st.sampled_from(["label", "a", "0", "1", "-1", "99", "nosuch"]),
    "--test-split": st.sampled_from(["0", "0.2", "0.5", "0.99"]),
    "--validation-split": st.sampled_from(["0", "0.1", "0.5"]),
    "--layers": st.sampled_from(["4", "3,2", "1"]),
    "--batch-size": st.sampled_from(["1", "7", "1000"]),
    "--loss": st.sampled_from(["mse", "mae", "huber", "binary_crossentropy", "categorical_crossentropy",
                               "sparse_categorical_crossentropy", "hinge", "poisson", "cosine_similarity", "circle"]),
    "--optimizer": st.sampled_from(["sgd", "momentum", "adagrad", "rmsprop", "adam", "lion", "ftrl", "muon"]),
    "--dtype": st.sampled_from(["float32", "float64"]),
    "--seed": st.sampled_from(["0", "1"]),
    "--task": st.sampled_from(["auto", "classification", "regression"]),
}


@st.composite
def csv_files(draw):
    """(the bytes of a CSV file, train's options, --target or None)."""
    # mostly numbers, so that many files train and evaluate and predict run on them
    # (hypothesis favours the first of sampled_from's values)
    n_features = draw(st.sampled_from([2, 1, 3, 0]))
    kinds = [draw(st.sampled_from(["float"] * 6 + ["int"] * 2 + sorted(CELLS))) for _ in range(n_features)]
    target = draw(st.sampled_from(sorted(TARGETS)))
    n_rows = draw(st.sampled_from([30, 12, 30, 5, 2, 1, 0]))
    rows = [[draw(CELLS[k]) for k in kinds] + [draw(TARGETS[target])] for _ in range(n_rows)]
    if draw(st.integers(0, 5)) == 0:  # a few missing cells
        for row in rows:
            k = draw(st.integers(0, 4 * len(row)))
            if k < len(row):
                row[k] = draw(st.sampled_from(MISSING))
    sep = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    comma = sep != "," and draw(st.booleans())  # a European spreadsheet's decimal comma
    quote_all = draw(st.booleans()) and draw(st.booleans())

    def cell(text):
        if comma and text.replace(".", "", 1).lstrip("-").isdigit():
            text = text.replace(".", ",")
        return f'"{text.replace(chr(34), 2 * chr(34))}"' if quote_all or sep in text or '"' in text else text

    trailing = sep if draw(st.integers(0, 3)) == 0 else ""
    lines = [sep.join(map(cell, row)) + trailing for row in rows]
    if draw(st.booleans()):
        names = [draw(st.sampled_from(NAMES)) for _ in range(len(kinds) + 1)]
        lines.insert(0, sep.join(map(cell, names)) + trailing)
    if draw(st.integers(0, 3)) == 0:
        lines.insert(len(lines) // 2, "")  # an empty line
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    bom = "\ufeff" if draw(st.integers(0, 3)) == 0 else ""
    data = (bom + eol.join(lines) + eol).encode()
    options = ["--epochs", "1", "--quiet"]
    for option, values in OPTIONS.items():
        if draw(st.integers(0, 4)) == 0:
            options += [option, draw(values)]
    return data, options, options[options.index("--target") + 1] if "--target" in options else None


def _one_line_error(result, exc):
    """The promise for a failed command: one line, and the error is glassnet's own."""
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr and "--debug for the traceback" not in result.stderr, result.stderr
    assert [line for line in lines if ": error: " in line] == lines[-1:], result.stderr
    if exc is not None and not isinstance(exc, CommandError):  # a ValueError must come from glassnet's own checks
        where = traceback.extract_tb(exc.__traceback__)[-1].filename
        assert "glassnet" in where, f"{type(exc).__name__} raised in {where}: {result.stderr}"


@settings(max_examples=examples(300, 60), derandomize=True, deadline=None, database=None,  # (60 in the quick run)
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=csv_files())
def test_train_then_evaluate_and_predict_on_a_random_csv_file(case, tmp_path, monkeypatch, capsys):
    data, options, target = case
    raised = []
    one_line = cli._one_line
    monkeypatch.setattr(cli, "_one_line", lambda exc: raised.append(exc) or one_line(exc))
    (tmp_path / "data.csv").write_bytes(data)
    (tmp_path / "m.gn").unlink(missing_ok=True)
    result = call("train", "data.csv", *options, "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    if result.returncode:
        _one_line_error(result, raised[-1] if raised else None)
        return
    assert (tmp_path / "m.gn").exists()
    again = ["--target", target] if target is not None else []
    for command in ("evaluate", "predict"):
        result = call(command, "m.gn", "data.csv", *again, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        if "columns named" in result.stderr and "the name of the target the model" in result.stderr:
            continue  # the file names two columns as the target: evaluate and predict ask for its index
        assert result.returncode == 0, (command, result.stderr)
