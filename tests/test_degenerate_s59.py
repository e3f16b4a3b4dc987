"""Degenerate data (session 59): validation_split rows of weight 0 are refused as validation_data's are, and a
stream whose weights are all 0 warns; ``glassnet train`` refuses, before training, features that vary too little
for the folded float32 first layer, and warns of a target below float32's normal range; a target column of True
and False in any case is two classes, as the feature columns and pandas read them."""

import re
import warnings

import numpy as np
import pytest

from conftest import run_cli as call
from glassnet.cli._labels import label_text
from glassnet.layers import Dense, Input
from glassnet.models import Sequential


def _regression(rng, n=10):
    X = rng.normal(size=(n, 3)).astype("float32")
    y = rng.normal(size=(n, 1)).astype("float32")
    model = Sequential([Input((3,)), Dense(1)])
    model.compile("sgd", "mse", weighted_metrics=["mae"])
    return model, X, y


# --- 1. validation_split's rows all of weight 0; streams of weight 0 ----------------------------------------

def test_validation_split_rows_all_weighted_zero_are_refused(rng):
    # Keras 3.15 reports val_loss 0.0 (EarlyStopping's best epoch from the first): refused, as validation_data[2]
    model, X, y = _regression(rng)
    sw = np.ones(10, "float32")
    sw[8:] = 0  # the last 20 %: validation_split's rows
    with pytest.raises(ValueError, match=r"sample_weight\[8:\] gives every sample the weight 0: the validation "
                                         r"loss would be 0 whatever the model \(these are validation_split's rows"):
        model.fit(X, y, sample_weight=sw, validation_split=0.2, epochs=1, verbose=0)


def test_validation_split_rows_with_one_nonzero_weight_validate_as_keras(rng):
    model, X, y = _regression(rng)
    sw = np.ones(10, "float32")
    sw[8] = 0
    history = model.fit(X, y, sample_weight=sw, validation_split=0.2, epochs=1, shuffle=False, verbose=0).history
    # by hand: Keras's sum_over_batch_size, Σ wᵢ·lᵢ / n over the 2 validation rows (Keras 3.15: 1.06656456 on the
    # same data and initial weights; glassnet 1.06656480)
    P = model.predict(X[8:], verbose=0)
    expected = float(((P - y[8:]) ** 2).ravel() @ sw[8:] / 2)
    assert history["val_loss"][0] == pytest.approx(expected, rel=1e-5)


def _batches(rng, weights):
    model, X, y = _regression(rng)
    return model, ((X[:5], y[:5], np.full(5, w, "float32")) for w in weights)


def test_a_stream_whose_weights_are_all_zero_warns_at_the_epoch_end(rng):
    model, stream = _batches(rng, [0.0, 0.0])
    before = [w.copy() for w in model.get_weights()]
    with pytest.warns(UserWarning, match=r"The sample weights gave every sample of epoch 1's 2 batches the weight "
                                         r"0: its loss is 0 whatever the model, and it trained on nothing"):
        history = model.fit(stream, steps_per_epoch=2, epochs=1, verbose=0).history
    assert history["loss"] == [0.0]
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))  # (SGD: nothing moved)


def test_a_stream_with_one_nonzero_weighted_batch_does_not_warn(rng):
    model, stream = _batches(rng, [0.0, 1.0])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*the weight 0")
        history = model.fit(stream, steps_per_epoch=2, epochs=1, verbose=0).history
    assert history["loss"][0] > 0


# --- 2. glassnet train: features below float32's folding range, targets below its normal range -------------

def _tiny_feature_csv(path, scale):
    rows = "".join(f"{k * scale:g},{k % 2}\n" for k in range(1, 9))
    path.write_text("a,y\n" + rows)
    return path


def test_train_refuses_a_feature_too_small_to_fold_before_training(tmp_path, monkeypatch, capsys):
    _tiny_feature_csv(tmp_path / "tiny.csv", 1e-40)
    r = call("train", "tiny.csv", "--epochs", 3, "--seed", 0, "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert r.returncode == 1 and "Epoch" not in r.stdout  # (it trained all epochs, then failed in the fold)
    found = re.search(r"tiny\.csv: feature a varies by so little \(standard deviation (\S+)\) that the saved model, "
                      r"which takes raw features, would need weights beyond the range of float32 \(W/σ\): give "
                      r"--dtype float64, or rescale it\.", r.stderr)
    assert found, r.stderr
    assert 1e-40 < float(found[1]) < 3.5e-40  # (the training rows' σ: 1/σ alone is beyond float32's 3.4e38)
    assert not (tmp_path / "m.gn").exists()


def test_train_folds_a_tiny_feature_in_float64_and_one_of_1e36_in_float32(tmp_path, monkeypatch, capsys):
    _tiny_feature_csv(tmp_path / "tiny.csv", 1e-40)
    _tiny_feature_csv(tmp_path / "tiny36.csv", 1e-36)  # σ 2.3e-36: W/σ stays within float32
    for name, options in (("tiny.csv", ("--dtype", "float64")), ("tiny36.csv", ())):
        r = call("train", name, "--epochs", 3, "--seed", 0, "--quiet", "--out", "m.gn", *options, cwd=tmp_path,
                 monkeypatch=monkeypatch, capsys=capsys)
        assert r.returncode == 0 and "varies by so little" not in r.stderr, r.stderr


def test_train_warns_of_a_target_below_float32s_normal_range(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    for scale, dtype, warned in ((1e-40, "float32", True), (1e-40, "float64", False), (1e-30, "float32", False)):
        np.savetxt(tmp_path / "t.csv", np.column_stack([X, X[:, 0] * scale]), delimiter=",", header="a,b,y",
                   comments="")
        r = call("train", "t.csv", "--task", "regression", "--epochs", 2, "--seed", 0, "--quiet", "--out", "m.gn",
                 "--dtype", dtype, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert r.returncode == 0
        sigma = np.std(X[:24, 0] * scale)  # (24 training rows: the test split takes 6)
        assert (f"warning: the target's standard deviation {sigma:.2g} is below float32's smallest normal number "
                "(1.2e-38); the saved model gives raw targets with a few digits only" in r.stderr) is warned, r.stderr


# --- 3. a target column of True/False in any case: two classes ---------------------------------------------

def test_label_text_reads_true_and_false_in_any_case_as_one_class_each():
    assert [label_text(c) for c in ("True", "true", " TRUE ", "tRuE", "False", "false", "FALSE")] == \
        ["True"] * 4 + ["False"] * 3
    assert [label_text(c) for c in ("Truth", "yes", "1", "0")] == ["Truth", "yes", "1", "0"]  # (as before)


def test_train_evaluate_predict_a_true_false_target_of_mixed_case(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    spellings = {True: ("True", "true"), False: ("False", "FALSE")}
    truth = X[:, 0] > 0
    cells = [spellings[t][k % 2] for k, t in enumerate(truth)]
    (tmp_path / "b.csv").write_text("x1,x2,y\n" + "".join(f"{a:.6f},{b:.6f},{c}\n" for (a, b), c in zip(X, cells)))
    r = call("train", "b.csv", "--epochs", 30, "--seed", 0, "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert r.returncode == 0 and "Classes: 0=False, 1=True" in r.stdout, r.stdout  # (was 0=FALSE, 1=False, 2=True, 3=true)
    r = call("predict", "m.gn", "b.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    lines = r.stdout.splitlines()
    assert lines[0] == "class,p(False),p(True)"
    rows = [line.split(",") for line in lines[1:]]
    predicted = [row[0] for row in rows]
    assert set(predicted) <= {"False", "True"}
    assert predicted == [("True" if float(p1) > float(p0) else "False") for _, p0, p1 in rows]
    hits = sum(p == c.title() for p, c in zip(predicted, cells))  # by hand, from the file's own spellings
    r = call("evaluate", "m.gn", "b.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert f"Accuracy: {hits / 40:.4f} ({hits}/40)" in r.stdout, r.stdout
