"""``glassnet descend/train`` and interactive logging (session 55's fixes): a formula too long or too deeply
nested is a one-line error (and a 4xx from the playground), descend's title counts the steps a path that
left f's domain took, hard_sigmoid outputs are called probabilities, and with interactive logging off the
progress lines go to the ``logging`` module, as Keras's go to absl's."""

import logging
import math

import numpy as np
import pytest

import glassnet
from glassnet import callbacks, utils
from conftest import run_cli as call
from glassnet.layers import Dense
from glassnet.models import Sequential, load_model


def assert_one_line_error(result, text):
    assert result.returncode != 0 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr[:500]
    assert result.stderr.startswith("glassnet descend: error: ") and text in result.stderr, result.stderr[:500]


# --- 1. the formula's caps: 4000 characters, 100 levels ------------------------------------------------------
# (already in place before session 55: glassnet.expr.parse refuses both, for the command line and the playground)

def test_descend_refuses_a_huge_or_deeply_nested_formula_in_one_line(tmp_path, monkeypatch, capsys):
    for formula, text in [
        ("x+" * 500_000 + "x", "The expression is too long (1000001 characters; at most 4000)."),  # 1 MB
        ("(" * 10_000 + "x" + ")" * 10_000, "The expression is too long (20001 characters; at most 4000)."),
        ("(" * 1999 + "x" + ")" * 1999, "is nested too deeply (more than 100 levels)."),  # 3999 characters
        ("sin(" * 150 + "x" + ")" * 150, "is nested too deeply (more than 100 levels)."),
        ("x**" * 1000 + "x", "is nested too deeply (more than 100 levels)."),
    ]:
        result = call("descend", formula, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert_one_line_error(result, text)
        assert len(result.stderr) < 300  # the formula is shown cut short
    # 3000 minus signs (Python's own parser gives up: RecursionError), after "--" as argparse needs
    result = call("descend", "--", "-" * 3000 + "x", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result, "(3001 characters) is nested too deeply (more than 100 levels).")
    # 200 brackets around x are no level at all (no node in the tree): the table of f(x) = x
    result = call("descend", "(" * 200 + "x" + ")" * 200, "--steps", "2", cwd=tmp_path, monkeypatch=monkeypatch,
                  capsys=capsys)
    assert result.returncode == 0 and result.stdout.splitlines()[2].split("\t")[:5] == ["2", "2", "1", "0.2", "1.8"]


def test_the_playground_answers_an_overlong_or_deep_formula_with_a_400():
    pytest.importorskip("starlette", reason="the playground extra (starlette) is not installed")
    try:
        import httpx2  # noqa: F401  (Starlette >= 1's TestClient; older ones take httpx)
    except ImportError:
        pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx2 (or httpx)")
    from starlette.testclient import TestClient

    from glassnet.playground import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1:8765") as client:
        for formula, status, text in [
            ("x+" * 500_000 + "x", 413, "settings take at most 65536"),  # 1 MB: past the body's cap already
            ("(" * 10_000 + "x" + ")" * 10_000, 400, "The expression is too long (20001 characters; at most 4000)."),
            ("(" * 1999 + "x" + ")" * 1999, 400, "nested too deeply (more than 100 levels)"),
            ("-" * 3000 + "x", 400, "nested too deeply (more than 100 levels)"),
        ]:
            response = client.post("/api/descend", json={"function": formula})
            assert response.status_code == status, response.text[:300]
            assert text in response.json()["error"]


# --- 2. descend's title counts the steps taken ----------------------------------------------------------------

def _steps_until_negative(x, eta):
    """Plain descent on √x (f'(x) = 1/(2√x)) by hand: the steps until x < 0, where √x is undefined."""
    for k in range(1, 1000):
        x -= eta / (2 * math.sqrt(x))
        if x < 0:
            return k, x
    raise AssertionError("x stayed positive")


def test_descend_title_counts_the_steps_of_a_path_that_left_the_domain(tmp_path, monkeypatch, capsys):
    # it said "30 steps of x ← x − η·f'(x)" over a table of 12 rows
    taken, last = _steps_until_negative(4.0, 1.0)
    assert taken == 12 and last == pytest.approx(-0.6233458287915, abs=1e-12)
    result = call("descend", "x**0.5", "--x0", "4", "--lr", "1", "--steps", "30", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "f(x) = x**0.5;  x0 = 4;  η = 1;  12 of 30 steps of x ← x − η·f'(x)"
    assert len(lines[2:-1]) == taken
    assert lines[-1].startswith("verdict: left f's domain — step 12 (the table's last row)")  # the reason, once
    assert lines[-1].count("30") == 0
    # at the first step, and with another rule (log(0.5) − 1·2 = −1.5)
    result = call("descend", "log(x)", "--x0", "0.5", "--lr", "1", "--steps", "5", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.stdout.splitlines()[0] == "f(x) = log(x);  x0 = 0.5;  η = 1;  1 of 5 steps of x ← x − η·f'(x)"
    result = call("descend", "sqrt(x)", "--x0", "1", "--lr", "3", "--steps", "5", "--momentum", "0.5",
                  cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.stdout.splitlines()[0] == "f(x) = sqrt(x);  x0 = 1;  η = 3;  1 of 5 steps of the momentum update"


def test_descend_title_of_a_whole_path_is_unchanged(tmp_path, monkeypatch, capsys):
    # seed 000's diverging table (η = 1.05) runs all its steps: the title is the one the docs show
    result = call("descend", "x**2", "--x0", "2", "--lr", "1.05", "--steps", "12", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    lines = result.stdout.splitlines()
    assert lines[0] == "f(x) = x**2;  x0 = 2;  η = 1.05;  12 steps of x ← x − η·f'(x)"
    assert lines[2] == "2\t4\t4\t4.2\t-2.2\t1.05" and len(lines) == 15
    result = call("descend", "x**2", "--x0", "2", "--lr", "5", "--steps", "40", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)  # overflows: its rows are kept, all 40
    assert result.stdout.splitlines()[0].endswith(";  40 steps of x ← x − η·f'(x)")


# --- 3. hard_sigmoid outputs give probabilities ----------------------------------------------------------------

def test_train_calls_hard_sigmoid_outputs_probabilities_that_saturate(tmp_path, monkeypatch, capsys):
    for activation, loss, wanted in [("hard_sigmoid", None, "softmax"), ("sparse_sigmoid", None, "softmax"),
                                     ("hard_sigmoid", "binary_crossentropy", "sigmoid")]:
        extra = ["--loss", loss] if loss else []
        result = call("train", "xor", "--samples", "40", "--output-activation", activation, *extra, "--epochs",
                      "1", "--quiet", "--seed", "0", "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch,
                      capsys=capsys)
        assert result.returncode == 0, result.stderr
        name = loss or "categorical_crossentropy"
        # it said "gives no probabilities, but the loss ... expects them: it clips the outputs to (0, 1) and
        # learns nothing where they fall outside", of outputs that never fall outside [0, 1]
        assert result.stderr == (
            f"glassnet train: warning: --output-activation {activation} gives probabilities that reach exactly 0 "
            f"and 1, where its slope is 0 (and the loss {name} clips them for its log): an output stuck at the "
            f"wrong end (0 where its target is 1, or 1 where it is 0) learns nothing. Use --output-activation "
            f"{wanted}, or a loss on raw scores such as --loss categorical_hinge.\n"), result.stderr
        model = load_model(tmp_path / "m.gn")
        act = model.layers[-1].activation
        Z = np.array([[-50.0, -5.0, -0.5, 0.5, 5.0, 50.0]])
        A = act(Z)
        assert A.min() == 0 and A.max() == 1  # values in [0, 1], reaching both ends exactly
        h = 1e-6  # central differences: the slope is 0 at the saturated ends, so no gradient passes there
        slope = (act(Z + h) - act(Z - h)) / (2 * h)
        np.testing.assert_allclose(slope[0, [0, 1, 4, 5]], 0.0, atol=0)
        assert np.all(slope[0, 2:4] > 0)


def test_train_leaves_a_step_output_to_the_derivative_warning(tmp_path, monkeypatch, capsys):
    # step gives 0 or 1: "gives no probabilities" was untrue, and the derivative-0 warning says why nothing learns
    result = call("train", "xor", "--samples", "40", "--output-activation", "step", "--epochs", "1", "--quiet",
                  "--seed", "0", "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("glassnet train: warning: --output-activation step has derivative 0: ")
    assert len(result.stderr.splitlines()) == 1 and "probabilit" not in result.stderr, result.stderr
    # outputs that are no probabilities keep their warning
    result = call("train", "xor", "--samples", "40", "--output-activation", "tanh", "--epochs", "1", "--quiet",
                  "--seed", "0", "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert "--output-activation tanh gives no probabilities, but the loss categorical_crossentropy" in result.stderr


# --- 4. interactive logging off: the progress lines go to logging ---------------------------------------------

@pytest.fixture
def no_interactive_logging():
    glassnet.config.disable_interactive_logging()
    try:
        yield
    finally:
        glassnet.config.enable_interactive_logging()


def _logged(caplog):
    records = [r for r in caplog.records if r.name == "glassnet"]
    assert all(r.levelno == logging.INFO for r in records)
    return [r.getMessage() for r in records]


def _model():
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_fit_logs_its_epoch_lines_when_interactive_logging_is_off(no_interactive_logging, caplog, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    with caplog.at_level(logging.INFO, logger="glassnet"):
        history = _model().fit(X, y, epochs=2, batch_size=8, verbose=2)
    assert capsys.readouterr().out == ""  # they were printed to standard output
    lines = _logged(caplog)
    assert len(lines) == 4 and lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2", lines
    for line, loss in zip(lines[1::2], history.history["loss"]):
        assert line.startswith("5/5 - ") and line.endswith(f" - loss: {loss:.4f}"), line
    # a callback's message too (Keras's print_msg logs ModelCheckpoint's and EarlyStopping's lines)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="glassnet"):
        _model().fit(X, y, epochs=5, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="loss", min_delta=1e9,
                                                                                   verbose=1)])
    assert capsys.readouterr().out == "" and _logged(caplog) == ["Epoch 2: early stopping"]


def test_fit_prints_and_logs_nothing_while_interactive_logging_is_on(caplog, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    with caplog.at_level(logging.INFO, logger="glassnet"):
        _model().fit(X, y, epochs=2, batch_size=8, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 4 and out[0] == "Epoch 1/2" and _logged(caplog) == []


def test_progbar_and_an_explicit_stream_with_interactive_logging_off(no_interactive_logging, caplog, capsys):
    with caplog.at_level(logging.INFO, logger="glassnet"):
        bar = utils.Progbar(4, verbose=2)
        bar.update(2, [("loss", 1.0)])
        bar.update(4, [("loss", 0.5)])
        bar = utils.Progbar(3, verbose=1, interval=0)
        bar.update(3, [("loss", 0.25)])
    assert capsys.readouterr().out == ""
    lines = _logged(caplog)
    assert len(lines) == 2 and lines[0].startswith("4/4 - ") and lines[0].endswith(" - loss: 0.5000"), lines
    assert lines[1].startswith("3/3 ━━━━━━━━━━━━━━━━━━━━ ") and lines[1].endswith(" - loss: 0.2500"), lines
    # a ProgressBar given a stream writes to it: the user chose where its lines go
    import io

    stream, caplog_before = io.StringIO(), len(caplog.records)
    rng = np.random.default_rng(0)
    with caplog.at_level(logging.INFO, logger="glassnet"):
        _model().fit(rng.normal(size=(8, 2)), rng.normal(size=8), epochs=2, batch_size=8, verbose=0,
                     callbacks=[callbacks.ProgressBar(verbose=2, stream=stream)])
    assert stream.getvalue().splitlines()[0] == "Epoch 1/2" and len(caplog.records) == caplog_before


def test_evaluate_and_predict_log_their_last_line_when_interactive_logging_is_off(no_interactive_logging, caplog,
                                                                                   capsys):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    model = _model()
    with caplog.at_level(logging.INFO, logger="glassnet"):
        loss = model.evaluate(X, y, verbose=2)
        model.predict(X, verbose=2)
    assert capsys.readouterr().out == ""  # evaluate's and predict's lines were printed to standard output
    lines = _logged(caplog)
    assert len(lines) == 2 and lines[0].startswith("2/2 - ") and lines[0].endswith(f" - loss: {loss:.4f}"), lines
    assert lines[1].startswith("2/2 - ") and "loss" not in lines[1], lines
