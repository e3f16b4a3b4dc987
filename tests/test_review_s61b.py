"""Session 61, review hrev2's findings on the classic models and the command line (hfixrev2): a learning-rate
function named in the Perceptron's overflow and Adaline.partial_fit's divergence, partial_fit's ``classes`` of
mixed types, ``t_`` against scikit-learn's, SOM's samples-as-columns warning, and train/evaluate's advice."""

import warnings

import numpy as np
import pytest

import glassnet.diagnostics.problems as problems
import glassnet.sklearn as gs
from glassnet.classic import SOM, Adaline, Perceptron
from glassnet.cli import main
from conftest import run_cli as call

AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
AND_Y = [0, 0, 0, 1]


def huge(n):
    return 1e300


# --- 1. the Perceptron's overflow with a learning-rate function names it, not X -------------------------------------

@pytest.mark.parametrize("how", ["fit", "partial_fit"])
def test_perceptron_overflow_from_a_rate_function_names_learning_rate(how):
    # |x| = 1e10 is harmless (η = 1: ⟨w, x⟩ stays near 1e10·epochs); η(n) = 1e300 makes η·x overflow
    X = AND_X * 1e10
    p = Perceptron(learning_rate=huge)
    with pytest.raises(ValueError) as error:
        p.fit(X, AND_Y) if how == "fit" else p.partial_fit(X, AND_Y, classes=[0, 1])
    message = str(error.value)
    assert message.startswith(f"learning_rate={huge!r} is too large: it gave η(n) up to 1e+300")
    assert "Rescale X" not in message and "X holds" not in message
    assert how == "fit" or not hasattr(p, "weights_")  # (partial_fit refuses before any attribute changes)


# --- 2. Adaline.partial_fit's divergence names the user's function -----------------------------------------------

@pytest.mark.parametrize("mode", ["online", "batch"])
def test_adaline_partial_fit_divergence_names_the_users_function(mode):
    with pytest.raises(ValueError, match="The delta rule diverged") as error:
        Adaline(learning_rate=huge, mode=mode).partial_fit(np.eye(4)[:, :2], AND_Y, classes=[0, 1])
    assert f"learning_rate={huge!r}:" in str(error.value) and "<lambda>" not in str(error.value)


def test_adaline_partial_fit_goes_on_counting_n_with_the_wrapper():
    # chunks of a function η(n) give one call's weights (the count goes on from t_); by hand: LMS with η(n)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 2)), np.array([0, 1] * 6)
    rate = lambda n: 0.05 / (1 + n)  # noqa: E731
    chunked = Adaline(learning_rate=rate)
    for i in range(0, 12, 5):
        chunked.partial_fit(X[i:i + 5], y[i:i + 5], classes=[0, 1])
    w = np.zeros(3)
    for n, (x, t) in enumerate(zip(np.c_[np.ones(12), X], 2.0 * y - 1)):
        w += rate(n) * (t - w @ x) * x
    np.testing.assert_allclose(chunked.weights_, w, rtol=1e-14, atol=1e-16)
    assert chunked.t_ == 12


# --- 8. partial_fit's classes of mixed types, None or NaN ----------------------------------------------------------

@pytest.mark.parametrize("estimator", [Perceptron, Adaline])
@pytest.mark.parametrize("classes, y", [([0, "a", 1], [0, 1, 0, 1]), (["a", None], ["a", "a", "a", "a"]),
                                        ([1.0, np.nan], [1.0, 1.0, 1.0, np.nan]), (np.array([0.0, np.nan]), [0, 0, 0, 0])])
def test_partial_fit_refuses_classes_of_mixed_types_none_or_nan(estimator, classes, y):
    with pytest.raises(ValueError, match=r"^classes must be labels of one type, without None or NaN \(scikit-learn "
                                         r"refuses a mix of label input types\)\. Received: classes="):
        estimator().partial_fit(AND_X, np.array(y, dtype=object if None in y else None), classes=classes)


@pytest.mark.parametrize("classes", [["a", "b"], (0, 1, 2), np.array([1.5, 2.5])])
def test_partial_fit_takes_classes_of_one_type(classes):
    y = np.resize(np.asarray(classes), 4)
    assert Perceptron().partial_fit(AND_X, y, classes=classes).classes_.tolist() == sorted(np.asarray(classes).tolist())


# --- 9. t_ against scikit-learn's -------------------------------------------------------------------------------

def test_t_docstrings_say_scikit_learn_counts_from_one():
    from sklearn.linear_model import Perceptron as SkPerceptron

    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    ours, theirs = Perceptron().partial_fit(X, y, classes=[0, 1]), SkPerceptron().partial_fit(X, y, classes=[0, 1])
    assert theirs.t_ == ours.t_ + 1 and isinstance(ours.t_, int)
    for estimator in (Perceptron, Adaline):
        assert "counts from 1 (a float, this + 1)" in estimator.__doc__.split("t_ : int")[1]


# --- 7. SOM's samples-as-columns warning says what is true -----------------------------------------------------

def _som_warnings(X, grid):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SOM(grid=grid, epochs=1, random_state=0).fit(X)
    return [str(w.message) for w in caught if "selforgmap" in str(w.message)]


def test_som_warning_on_row_data_with_more_neurons_than_samples_is_true():
    # 60 images of 784 pixels, one per row, on 100 neurons: it said "far fewer than its features" as if wrong
    X = np.random.default_rng(0).uniform(size=(60, 784))
    assert _som_warnings(X, (10, 10)) == [
        "X has 60 samples (rows) of 784 features for a map of 100 neurons (more neurons than samples); if the "
        "columns of X are the samples (MATLAB's selforgmap takes one per column), pass X.T."]


def test_som_warns_on_iris_in_columns_on_a_map_of_as_many_neurons():
    X = np.random.default_rng(0).uniform(size=(4, 150))  # iris as MATLAB's x, on 2 × 2 (4 < 4 was false)
    assert _som_warnings(X, (2, 2)) == [
        "X has 4 samples (rows) of 150 features for a map of 4 neurons (as many neurons as samples); if the "
        "columns of X are the samples (MATLAB's selforgmap takes one per column), pass X.T."]


# --- 5. train --optimizer rprop -----------------------------------------------------------------------------------

@pytest.fixture
def csv40(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    np.savetxt(tmp_path / "r.csv", np.c_[X, X @ [1.0, -2.0]], delimiter=",", header="a,b,t", comments="", fmt="%.5f")
    return tmp_path


@pytest.mark.parametrize("batch, warned", [(31, False), (28, False), (27, True)])
def test_rprop_batch_size_warning_compares_with_the_training_rows(csv40, monkeypatch, capsys, batch, warned):
    # 40 rows: 32 to train (8 test rows), of which --validation-split 0.1 holds out 4: 28 or more is one batch
    r = call("train", "r.csv", "--optimizer", "rprop", "--batch-size", batch, "--epochs", 1, "--seed", 0, "--quiet",
             "--out", "m.gn", cwd=csv40, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    assert ("full-batch method, but --batch-size" in r.stderr) is warned


def _oscillating(original):
    return lambda losses, lr=None, **kw: original([1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0], lr=lr)


@pytest.mark.parametrize("optimizer", ["rprop", "adam"])
def test_rprop_oscillation_note_does_not_say_lower_lr(csv40, monkeypatch, capsys, optimizer):
    monkeypatch.setattr(problems, "_loss_problems", _oscillating(problems._loss_problems))
    r = call("train", "r.csv", "--optimizer", optimizer, "--epochs", 1, "--seed", 0, "--quiet", "--out", "m.gn",
             cwd=csv40, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    note = next(line for line in r.stdout.splitlines() if line.startswith("Note: The training loss oscillates"))
    if optimizer == "adam":  # (the advice on η stays for the others)
        assert "Lower --lr (it was 0.001)" in note
    else:
        assert note == ("Note: The training loss oscillates (1, 2, 1, 2, 1, 2). Rprop adapts each weight's step size "
                        "to its gradient's signs: --lr is only the first step size, so lowering it changes only the "
                        "first steps.")


def test_train_help_lists_rprop(capsys):
    main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "muon, schedule_free_adamw, rprop (default adam)" in text


# --- 6. evaluate --target a,b --------------------------------------------------------------------------------------

@pytest.fixture
def labels(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    np.savetxt(tmp_path / "xy.csv", np.c_[X, X[:, :2] > 0], delimiter=",", header="a,b,c,t1,t2", comments="",
               fmt=["%.4f"] * 3 + ["%d"] * 2)
    r = call("train", "xy.csv", "--target", "t2", "--ignore", "t1", "--epochs", 2, "--quiet", "--out", "m.gn",
             cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    return tmp_path, X


@pytest.mark.parametrize("given, advice", [
    ("t2,t2", "the one m.gn predicts, 't2'; give it once: --target t2."),
    ("a,b", "the one m.gn predicts, 't2'; leave the other label columns out with --ignore: --target t2 --ignore a,b."),
    ("t1,t2,t1", "the one m.gn predicts, 't2'; leave the other label columns out with --ignore: --target t2 "
                 "--ignore t1."),
])
def test_evaluate_several_targets_names_the_models_target_once(labels, monkeypatch, capsys, given, advice):
    r = call("evaluate", "m.gn", "xy.csv", "--target", given, cwd=labels[0], monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1
    assert r.stderr.strip().endswith(f"--target {given!r}: evaluate takes one target column, {advice}")
    assert "MLPClassifier" not in r.stderr  # (MLPClassifier.load('m.gn') raises "without estimator metadata")


def test_evaluate_several_targets_of_an_estimator_file(labels, monkeypatch, capsys):
    path, X = labels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs.MLPClassifier((4,), max_iter=5, random_state=0).fit(X, X[:, 0] > 0).save(path / "c.gn")
        gs.MLPRegressor(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, X[:, 0]).save(path / "r.gn")
    assert 0 <= gs.MLPClassifier.load(path / "c.gn").score(X, X[:, 0] > 0) <= 1  # (what it says works)
    told = "evaluate takes one target column, the model's target column: give --target that column and leave the " \
           "others of t1,t2 out with --ignore."
    r = call("evaluate", "c.gn", "xy.csv", "--target", "t1,t2", cwd=path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and told in r.stderr
    assert "glassnet.sklearn.MLPClassifier.load('c.gn').score(X, y)" in r.stderr
    r = call("evaluate", "r.gn", "xy.csv", "--target", "t1,t2", cwd=path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and r.stderr.strip().endswith(told) and "MLPClassifier" not in r.stderr
