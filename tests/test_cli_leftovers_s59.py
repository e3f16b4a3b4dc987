"""The command line's and the playground's leftovers (session 59): ``glassnet train`` says when training failed
(test rows no better than guessing) and, after a raised --lr, to lower it; the playground's descent answers with
``glassnet descend``'s "converges slowly" sentence; ``glassnet predict --target`` given twice is refused."""

import math

import numpy as np

from conftest import run_cli as call
from glassnet.cli._data import load_dataset
from glassnet.cli._parser import build_parser
from glassnet.playground.demos import descend
from test_playground import _browser_page, server, test_client  # noqa: F401  (server: the page's fixture)


def _regression_csv(path, noise_only=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = rng.normal(size=300) if noise_only else X @ [1.0, 2.0, -1.0] + 0.1 * rng.normal(size=300) + 5
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header="a,b,c,y", comments="")
    return path


# --- 1. a failed training says so, and a raised --lr is named as the cause ---------------------------------

def test_train_xor_with_a_huge_rate_says_it_is_at_chance_and_to_lower_lr(tmp_path, monkeypatch, capsys):
    r = call("train", "xor", "--lr", 50, "--seed", 0, "--quiet", "--out", "m.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0
    accuracy = float(r.stdout.split("Test accuracy: ")[1].split()[0])
    # chance by hand: the share of the most common class among xor's fixed test rows
    y_test = load_dataset("xor", build_parser().parse_args(["train", "xor"])).y_test
    chance = np.bincount(y_test.astype(int)).max() / len(y_test)
    assert accuracy <= chance  # (0.38 against 0.54: the run really failed)
    note = next(line for line in r.stdout.splitlines() if line.startswith("Note: "))
    assert f"the test accuracy {accuracy:.4f} is no better than chance" in note and f"gets {chance:.4f}" in note
    assert "tanh units of layer 'dense_1' are saturated" in note  # (what model.diagnose saw)
    assert "--lr 50 is 5,000 times the default 0.01" in note and "Try a lower --lr, e.g. --lr 0.01." in note


def test_train_digits_with_a_huge_rate_names_dead_relus_and_the_optimizers_default(tmp_path, monkeypatch, capsys):
    for options, default in ((("--lr", 5), "5,000 times the default 0.001:"),
                             (("--optimizer", "sgd", "--lr", 100), "10,000 times the default 0.01 for SGD:")):
        r = call("train", "digits", *options, "--epochs", 1, "--layers", 32, "--seed", 0, "--quiet", "--out", "m.gn",
                 cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert r.returncode == 0 and "is no better than chance" in r.stdout, r.stdout
        assert "of the ReLU units of layer 'dense' are dead" in r.stdout and default in r.stdout, r.stdout


def test_train_a_good_run_has_no_failure_note(tmp_path, monkeypatch, capsys):
    r = call("train", "xor", "--seed", 0, "--quiet", "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert "Test accuracy: 1.0000" in r.stdout and "Note:" not in r.stdout
    _regression_csv(tmp_path / "reg.csv")
    r = call("train", "reg.csv", "--epochs", 30, "--seed", 0, "--quiet", "--out", "r.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert "Test MSE" in r.stdout and "Note:" not in r.stdout


def test_train_regression_no_better_than_the_mean_says_so(tmp_path, monkeypatch, capsys):
    _regression_csv(tmp_path / "reg.csv")
    r = call("train", "reg.csv", "--lr", 5, "--epochs", 30, "--seed", 0, "--quiet", "--out", "r.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    mse = float(r.stdout.split("Test MSE: ")[1].split()[0])
    assert f"Note: the test MSE {mse:.6g} is no better than that of predicting the training targets' mean" in r.stdout
    assert "--lr 5 is 5,000 times the default 0.001" in r.stdout
    # noise for a target at the default rate: nothing to blame on --lr
    _regression_csv(tmp_path / "noise.csv", noise_only=True)
    r = call("train", "noise.csv", "--epochs", 30, "--seed", 0, "--quiet", "--out", "n.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert "learned nothing that carries over to the test rows" in r.stdout and "--lr" not in r.stdout


def test_train_a_weak_but_real_signal_gets_no_learned_nothing_note(tmp_path, monkeypatch, capsys):
    # y = 0.25·a + N(0, 1): R² about 0.06 is the best any model gets; the note said "learned nothing" below R² 0.1
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 2))
    y = 0.25 * X[:, 0] + rng.normal(size=1000)
    np.savetxt(tmp_path / "weak.csv", np.column_stack([X, y]), delimiter=",", header="a,b,y", comments="")
    r = call("train", "weak.csv", "--test-last", "--epochs", 10, "--seed", 0, "--quiet", "--out", "w.gn",
             cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    mse = float(r.stdout.split("Test MSE: ")[1].split()[0])
    # by hand, on the last 200 rows (--test-last): the training mean's MSE, and least squares' (scikit-learn)
    from sklearn.linear_model import LinearRegression

    mean_mse = np.mean((y[:800].mean() - y[800:]) ** 2)
    ols_mse = np.mean((LinearRegression().fit(X[:800], y[:800]).predict(X[800:]) - y[800:]) ** 2)
    assert ols_mse < mean_mse and 1 - ols_mse / mean_mse < 0.1  # a weak signal, even for the best linear fit
    assert mse < mean_mse and 1 - mse / mean_mse < 0.1 and abs(mse - ols_mse) < 0.02 * ols_mse, (mse, ols_mse)
    assert "Note:" not in r.stdout, r.stdout


def test_train_a_test_part_of_a_few_rows_gets_no_guessing_note(tmp_path, monkeypatch, capsys):
    # noise for a target, 3 test rows: the score against guessing is itself noise, so no note (20 rows and more: one)
    _regression_csv(tmp_path / "noise.csv", noise_only=True)
    for split, note in ((0.01, False), (0.2, True)):
        r = call("train", "noise.csv", "--test-split", split, "--epochs", 30, "--seed", 0, "--quiet", "--out", "n.gn",
                 cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert ("Test MSE" in r.stdout and "(3 rows)" in r.stdout) if not note else "(60 rows)" in r.stdout, r.stdout
        assert ("is no better than that of predicting the training targets' mean" in r.stdout) is note, r.stdout


# --- 2. the playground's descent says "slowly" as glassnet descend does -------------------------------------

def test_playground_descend_gives_the_cli_verdicts_slow_sentence(tmp_path, monkeypatch, capsys):
    r = descend({"function": "x**2", "x0": 2, "learning_rate": 0.001, "steps": 12})
    assert r["verdict"] == "converges" and r["slow"] is not None
    # by hand: x_k = 2·0.998^k; 99% of the way to 0 is x ≤ 0.02, at k = ln 0.01 / ln 0.998 → 2301, 12 taken
    assert math.ceil(math.log(0.01) / math.log(0.998)) - 12 == 2289 and "about 2,289 more steps" in r["slow"]
    cli = call("descend", "x**2", "--x0", 2, "--lr", 0.001, "--steps", 12, cwd=tmp_path, monkeypatch=monkeypatch,
               capsys=capsys)
    assert f"verdict: converges slowly — {r['slow']}" in cli.stdout  # the same sentence, from the same code
    assert descend({})["slow"] is None and descend({"learning_rate": 1.05})["slow"] is None  # seed 000's η


def test_playground_descend_api_gives_slow():
    with test_client() as client:
        body = client.post("/api/descend", json={"learning_rate": 0.001}).json()
    assert body["verdict"] == "converges" and "more steps cover 99%" in body["slow"]


# --- 3. predict's --target at most once ----------------------------------------------------------------------

def test_predict_refuses_target_given_twice(tmp_path, monkeypatch, capsys):
    _regression_csv(tmp_path / "reg.csv")
    assert call("train", "reg.csv", "--epochs", 1, "--seed", 0, "--quiet", "--out", "r.gn", cwd=tmp_path,
                monkeypatch=monkeypatch, capsys=capsys).returncode == 0
    r = call("predict", "r.gn", "reg.csv", "--target", "a", "--target", "y", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert r.returncode == 2 and r.stdout == ""
    assert "glassnet predict: error: argument --target: given twice ('a', 'y')" in r.stderr


def test_the_descent_page_shows_the_slow_sentence_in_a_browser(server):  # noqa: F811
    errors = []
    with _browser_page(errors) as page:
        page.goto(server + "descent")
        page.wait_for_function("document.getElementById('verdict').textContent.startsWith('converges')")
        assert page.text_content("#slow") == ""
        page.fill("#learning_rate", "0.001")
        page.press("#learning_rate", "Tab")
        page.wait_for_function("document.getElementById('verdict').textContent.startsWith('converges slowly')")
        assert page.text_content("#slow").startswith("Each step is 0.998 of the last")
        page.fill("#learning_rate", "1.05")
        page.press("#learning_rate", "Tab")
        page.wait_for_function("document.getElementById('verdict').textContent.startsWith('diverges')")
        assert page.text_content("#slow") == ""
    assert not errors, errors
