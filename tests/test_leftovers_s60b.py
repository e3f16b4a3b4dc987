"""Leftovers of session 59, fixed in session 60: a fitted ``glassnet.sklearn`` estimator drops its training
scratch (the layers' forward/backward buffers); ``glassnet train`` prints the balanced accuracy where the test
classes are imbalanced, and its "no better than guessing" note reads it; ``glassnet predict --target a,b`` says
what predict does with several label columns."""

import tracemalloc
import types
import warnings

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

import glassnet.sklearn as gs
from conftest import run_cli as call
from glassnet.cli.train import _balanced_line, _guessing, build_model


# --- 1. a fitted estimator keeps its weights and optimizer state, not its training scratch ------------------------

def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(600, 20)), rng.integers(0, 3, 600)


def _held_after_fit(make, X, y):
    """Bytes still allocated by a fit once it returned (the estimator's own arrays)."""
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = make().fit(X, y)
        return tracemalloc.get_traced_memory()[0], est
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_a_fitted_estimator_holds_about_what_scikit_learns_holds(solver):
    # a (128, 128) network of 20,611 weights (161 KB): the fit left 2.7 MB (adam, sgd) or 5.5 MB (lbfgs, whose
    # buffers are the whole set's) of forward/backward buffers behind, 17-35x the weights; scikit-learn's keeps
    # the weights and Adam's two moments (~3x). Now: weights, gradients, moments and one scratch vector.
    X, y = _data()
    _held_after_fit(lambda: gs.MLPClassifier((8,), max_iter=1), X, y)  # (imports and first-use caches)
    held, est = _held_after_fit(lambda: gs.MLPClassifier((128, 128), solver=solver, max_iter=2, random_state=0), X, y)
    reference, _ = _held_after_fit(lambda: SkMLPClassifier((128, 128), solver=solver, max_iter=2, random_state=0), X, y)
    weights = sum(a.nbytes for a in (*est.coefs_, *est.intercepts_))
    assert held < 7 * weights and held < 2.5 * reference, (held, weights, reference)


def test_partial_fit_after_a_released_fit_goes_on_as_from_a_kept_one():
    # warm_start=True keeps the scratch (its next fit reuses it), warm_start=False releases it: the optimizer's
    # state stays in both, so partial_fit, a warm-started fit and predict go on bitwise alike
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        released = gs.MLPClassifier((16, 8), max_iter=3, random_state=0, alpha=0.01).fit(X, y)
        kept = gs.MLPClassifier((16, 8), max_iter=3, random_state=0, alpha=0.01, warm_start=True).fit(X, y)
        assert not any(layer._buffers for layer in released.model_.layers)
        assert any(layer._buffers for layer in kept.model_.layers)
        np.testing.assert_array_equal(released.predict_proba(X), kept.predict_proba(X))
        for est in (released, kept):
            est.partial_fit(X[:70], y[:70])
            est.partial_fit(X, y)
        assert any(layer._buffers for layer in released.model_.layers)  # (a loop of partial_fit reuses them)
        for name, m in released.model_.optimizer.state.items():
            np.testing.assert_array_equal(m, kept.model_.optimizer.state[name])
        np.testing.assert_array_equal(released.predict_proba(X), kept.predict_proba(X))
        released.set_params(warm_start=True).fit(X, y)
        kept.fit(X, y)
    np.testing.assert_array_equal(released.predict_proba(X), kept.predict_proba(X))
    assert released.loss_curve_ == kept.loss_curve_


# --- 2. balanced accuracy for imbalanced classes ------------------------------------------------------------------

def _classification(y_test, predicted, classes=("no", "yes")):
    """``(data, P, model)`` as train's report reads them: test labels and one-hot outputs predicting ``predicted``."""
    y_test, predicted = np.asarray(y_test), np.asarray(predicted)
    P = np.eye(len(classes), dtype=np.float32)[predicted]
    data = types.SimpleNamespace(task="classification", y_test=y_test, n_classes=len(classes), classes=list(classes),
                                 y_train=y_test)
    model = build_model(2, len(classes), (), "relu", "softmax", 0.0, "float32", 0)
    return data, P, model


def test_balanced_line_is_scikit_learns_balanced_accuracy_with_the_lowest_recall():
    y = np.array([0] * 90 + [1] * 10)
    pred = y.copy()
    pred[:4] = 1  # 86/90 of "no", 6/10 of "yes"
    pred[90:94] = 0
    line = _balanced_line(*_classification(y, pred))
    expected = balanced_accuracy_score(y, pred)  # (0.86/0.9 + 0.6) / 2 = 0.77778
    assert line == f"Balanced accuracy: {expected:.4f} (the mean recall of the 2 classes, as they are imbalanced; " \
                   "lowest: yes, 6/10)"
    # 3 classes, the smallest exactly 1/3 of the largest: not imbalanced by the rule (< 1/3); below it: shown
    assert _balanced_line(*_classification([0] * 30 + [1] * 20 + [2] * 10, [0] * 60, ("a", "b", "c"))) is None
    line = _balanced_line(*_classification([0] * 30 + [1] * 20 + [2] * 9, [0] * 59, ("a", "b", "c")))
    assert line.startswith("Balanced accuracy: 0.3333 (the mean recall of the 3 classes") and "lowest: b, 0/20" in line


def test_guessing_note_reads_the_balanced_accuracy_of_imbalanced_classes():
    y = np.array([0] * 90 + [1] * 10)
    majority = _guessing(*_classification(y, np.zeros(100, dtype=int)))
    assert majority.startswith("the test accuracy 0.9000 is no better than chance") and "class, no, gets 0.9000" in majority
    # accuracy 0.89 < 0.90, the majority's, but 9 of the 10 "yes" rows found (balanced accuracy 0.894): it learned
    pred = y.copy()
    pred[:10] = 1
    pred[99] = 0
    data, P, model = _classification(y, pred)
    assert balanced_accuracy_score(y, pred) > 0.89 and _guessing(data, P, model) is None


def _imbalanced_csv(path, signal):
    rng = np.random.default_rng(0)
    y = (rng.random(600) < 0.06).astype(int)
    X = rng.normal(size=(600, 3))
    X[:, 0] += signal * y
    with open(path, "w") as f:
        f.write("a,b,c,label\n")
        for row, t in zip(X, y):
            f.write(",".join(f"{v:.4f}" for v in row) + f",{'yes' if t else 'no'}\n")


def test_train_prints_balanced_accuracy_for_imbalanced_classes_only(tmp_path, monkeypatch, capsys):
    _imbalanced_csv(tmp_path / "rare.csv", signal=0.0)
    r = call("train", "rare.csv", "--epochs", 5, "--seed", 0, "--quiet", "--out", "m.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("Test accuracy: "))
    # a model that predicts "no" everywhere: accuracy 0.94, balanced accuracy 0.5, and the note
    assert lines[k + 1] == "Balanced accuracy: 0.5000 (the mean recall of the 2 classes, as they are imbalanced; " \
                           f"lowest: yes, 0/{lines[k + 1].split('/')[-1][:-1]})"
    assert lines[k + 2].startswith("Note: the test accuracy")
    r = call("train", "xor", "--seed", 0, "--quiet", "--out", "x.gn", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert r.returncode == 0 and "Test accuracy: " in r.stdout and "Balanced accuracy" not in r.stdout


# --- 3. predict --target of several columns -----------------------------------------------------------------------

def test_predict_target_of_several_columns_says_what_predict_does(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = (X[:, :2] > 0).astype(int)
    np.savetxt(tmp_path / "xy.csv", np.column_stack([X, Y]), delimiter=",", header="a,b,c,t1,t2", comments="",
               fmt=["%.4f"] * 3 + ["%d"] * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gs.MLPClassifier((4,), max_iter=5, random_state=0).fit(X, Y).save(tmp_path / "ml.gn")
    r = call("predict", "ml.gn", "xy.csv", "--target", "t1,t2", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and "train in Python" not in r.stderr
    assert "predict's --target names one column to leave out" in r.stderr and "--target t1 --ignore t2." in r.stderr
    assert "glassnet.sklearn.MLPClassifier().fit(X, Y).save('model.gn')" in r.stderr
    # what it says works: the multi-label model predicts one 0/1 column per label
    r = call("predict", "ml.gn", "xy.csv", "--target", "t1", "--ignore", "t2", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert r.returncode == 0 and r.stdout.startswith("label0,label1,p0,p1\n")
    r = call("train", "xy.csv", "--target", "t1,t2", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and "the command line takes one target column" in r.stderr  # (train's, as before)
