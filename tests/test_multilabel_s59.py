"""Multi-label models through the command line and soft targets (session 59's fixes of the multi-label hunt):
``glassnet predict`` writes one 0/1 column per label of a multilabel MLPClassifier or a Keras-style model of
k sigmoid units (argmax gave each row exactly one class), ``glassnet evaluate`` refuses them (it printed the
accuracy of one 0/1 column read as class indices), ``--target a,b,c`` says the command line takes one target,
``metrics=["accuracy"]`` on multi-label targets warns, categorical cross-entropy's refusal of soft rows rounded
off 1 gives the rescaling, and the distillation recipe of docs/api.md."""

import warnings

import numpy as np
import pytest

import glassnet.layers as L
from conftest import run_cli as call
from glassnet.models import Sequential

sklearn = pytest.importorskip("sklearn")
from glassnet.sklearn import MLPClassifier  # noqa: E402

K = 3


def labelled(n=120, seed=0):
    """Features ``(n, 4)`` and 0/1 labels ``(n, 3)``: label k is on where feature k is above 0, so rows hold
    no label, one or several."""
    X = np.random.default_rng(seed).normal(size=(n, 4)).round(3)
    return X, (X[:, :K] > 0).astype(np.int64)


def write(path, X, Y=None):
    names = [f"x{j}" for j in range(X.shape[1])] + ([] if Y is None else ["a", "b", "c"][:Y.shape[1]])
    data = X if Y is None else np.column_stack([X, Y])
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt="%g")


def read_predictions(text, sep=","):
    lines = text.strip().splitlines()
    return lines[0].split(sep), np.array([[float(v.replace(",", ".")) for v in line.split(sep)] for line in lines[1:]])


@pytest.fixture
def estimator_file(tmp_path):
    X, Y = labelled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (ConvergenceWarning)
        clf = MLPClassifier((8,), solver="lbfgs", max_iter=200, random_state=0).fit(X, Y)
    clf.save(tmp_path / "ml.gn")
    write(tmp_path / "x.csv", X)
    write(tmp_path / "xy.csv", X, Y)
    return clf, X, Y


def sigmoid_model(tmp_path):
    """A Keras-style model of 3 sigmoid units under binary_crossentropy, saved without class labels; its first
    row's three outputs are all above 0.5 (argmax read it as one class)."""
    model = Sequential([L.Input(shape=(4,)), L.Dense(K, activation="sigmoid")], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.set_weights([np.eye(4, K) * 3.0, np.zeros(K)])
    model.save(tmp_path / "sig.gn")
    return model


# --- F1/F2: predict and evaluate of multi-label models -----------------------------------------------------------

def test_predict_of_a_multilabel_estimator_writes_its_0_1_rows_as_predict_does(tmp_path, monkeypatch, capsys,
                                                                              estimator_file):
    clf, X, Y = estimator_file
    expected = clf.predict(X)
    assert (expected.sum(axis=1) != 1).any()  # rows of no label and of several: argmax could not give them
    r = call("predict", "ml.gn", "x.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0 and r.stderr == ""  # (an estimator's file: multilabel for sure, no note)
    head, values = read_predictions(r.stdout)
    assert head == ["label0", "label1", "label2", "p0", "p1", "p2"]
    np.testing.assert_array_equal(values[:, :K], expected)
    np.testing.assert_allclose(values[:, K:], clf.predict_proba(X), rtol=1e-5, atol=1e-9)  # (6 digits written)
    ort = pytest.importorskip("onnxruntime")
    from glassnet.onnx import export

    export(clf, tmp_path / "ml.onnx")
    session = ort.InferenceSession(str(tmp_path / "ml.onnx"))
    names = [o.name for o in session.get_outputs()]
    dtype = np.float32 if session.get_inputs()[0].type == "tensor(float)" else np.float64
    label = session.run(None, {"input": X.astype(dtype)})[names.index("label")]
    np.testing.assert_array_equal(values[:, :K], label)


def test_predict_of_k_sigmoid_units_writes_labels_with_a_note_and_replaces_its_own_file(tmp_path, monkeypatch,
                                                                                       capsys):
    model = sigmoid_model(tmp_path)
    X = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, -1.0, 0.0, 0.0], [-1.0, -1.0, -1.0, 5.0]])
    write(tmp_path / "x.csv", X)
    P = model.predict(X)
    r = call("predict", "sig.gn", "x.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    assert "read as multi-label" in r.stderr and "largest p" in r.stderr
    head, values = read_predictions(r.stdout)
    assert head == ["label0", "label1", "label2", "p0", "p1", "p2"]
    np.testing.assert_array_equal(values[:, :K], [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(values[:, :K], P > 0.5)
    # --out: its own earlier predictions are replaced (a data file of that header is not)
    for _ in range(2):
        r = call("predict", "sig.gn", "x.csv", "--out", "p.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert r.returncode == 0, r.stderr
    (tmp_path / "d.csv").write_text("label0,label1,p0,p1\nabc,1,0.2,0.3\n")
    r = call("predict", "sig.gn", "x.csv", "--out", "d.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and "is not a predictions file" in r.stderr
    # a ';' file with decimal commas gets its predictions so, and they are replaced too
    (tmp_path / "xs.csv").write_text("x0;x1;x2;x3\n" + "\n".join(";".join(f"{v:g}".replace(".", ",") for v in row)
                                                            for row in X * 0.5) + "\n")
    for _ in range(2):
        r = call("predict", "sig.gn", "xs.csv", "--out", "ps.csv", cwd=tmp_path, monkeypatch=monkeypatch,
                 capsys=capsys)
        assert r.returncode == 0, r.stderr
    head, values = read_predictions((tmp_path / "ps.csv").read_text(), ";")
    assert head[:K] == ["label0", "label1", "label2"]
    np.testing.assert_array_equal(values[:, :K], model.predict(X * 0.5) > 0.5)


def test_a_softmax_model_under_binary_crossentropy_keeps_its_class_column(tmp_path, monkeypatch, capsys):
    # a softmax gives one class per row whatever the loss: its rows are not read as several 0/1 labels
    model = Sequential([L.Input(shape=(4,)), L.Dense(K, activation="softmax")], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.save(tmp_path / "soft.gn")
    X = np.array([[1.0, 1.0, 1.0, 0.0], [1.0, -1.0, 0.0, 0.0]])
    write(tmp_path / "x.csv", X)
    r = call("predict", "soft.gn", "x.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    assert "multi-label" not in r.stderr
    head, values = read_predictions(r.stdout)
    assert head == ["class", "p0", "p1", "p2"]
    np.testing.assert_array_equal(values[:, 0], model.predict(X).argmax(axis=1))


def test_evaluate_refuses_multilabel_estimators_naming_the_python_score(tmp_path, monkeypatch, capsys, estimator_file):
    r = call("evaluate", "ml.gn", "xy.csv", "--target", "c", "--ignore", "a,b", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and r.stdout == "" and "Accuracy" not in r.stdout
    assert "ml.gn is a multi-label classifier (3 output units" in r.stderr and "score(X, Y) (subset accuracy" in r.stderr


def test_evaluate_scores_k_sigmoid_models_by_their_largest_p_with_a_note(tmp_path, monkeypatch, capsys):
    # (older Keras tutorials train Dense(k, "sigmoid") under binary_crossentropy on one-hot rows: it was refused)
    model = sigmoid_model(tmp_path)
    X = np.random.default_rng(1).normal(size=(50, 4)).round(3)
    labels = X[:, :K].argmax(axis=1)
    labels[::5] = (labels[::5] + 1) % K  # some wrong, so that the count is checked
    np.savetxt(tmp_path / "lab.csv", np.column_stack([X, labels]), delimiter=",", header="x0,x1,x2,x3,label",
               comments="", fmt="%g")
    r = call("evaluate", "sig.gn", "lab.csv", "--target", "label", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    hits = int((model.predict(X).argmax(axis=1) == labels).sum())  # categorical accuracy, by hand
    assert r.returncode == 0 and f"Accuracy: {hits / 50:.4f} ({hits}/50)" in r.stdout and hits == 40
    assert "note: sig.gn has 3 output units" in r.stderr and "metrics=['binary_accuracy']" in r.stderr


def test_a_trained_multiclass_model_of_sigmoid_units_keeps_its_class_column(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).round(3)
    np.savetxt(tmp_path / "mc.csv", np.column_stack([X, X.argmax(axis=1)]), delimiter=",", header="a,b,c,t",
               comments="", fmt="%g")
    r = call("train", "mc.csv", "--target", "t", "--loss", "binary_crossentropy", "--output-activation", "sigmoid",
             "--epochs", "2", "--quiet", "--seed", "0", "--out", "m.gn", cwd=tmp_path, monkeypatch=monkeypatch,
             capsys=capsys)
    assert r.returncode == 0, r.stderr
    r = call("predict", "m.gn", "mc.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0 and r.stdout.startswith("class,p0,p1,p2\n")  # its saved classes: one per row
    r = call("evaluate", "m.gn", "mc.csv", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0 and "Accuracy: " in r.stdout


# --- F7: several target columns ------------------------------------------------------------------------------------

def test_target_of_several_columns_says_the_command_line_takes_one(tmp_path, monkeypatch, capsys):
    X, Y = labelled(40)
    write(tmp_path / "xy.csv", X, Y)
    for target, ignore in (("a,b,c", "b,c"), ("c, a", "a")):
        r = call("train", "xy.csv", "--target", target, cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
        assert r.returncode == 1 and "the command line takes one target column" in r.stderr
        assert "glassnet.sklearn.MLPClassifier" in r.stderr and f"--ignore {ignore}." in r.stderr
    r = call("train", "xy.csv", "--target", "a,zz", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 1 and "'a,zz' is not a column of xy.csv" in r.stderr  # (not all columns: as before)
    (tmp_path / "comma.csv").write_text("x,\"a,b\"\n" + "\n".join(f"{i},{i % 2}" for i in range(20)) + "\n")
    r = call("train", "comma.csv", "--target", "a,b", "--epochs", "1", "--quiet", "--out", "c.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr  # a column named with a comma is that column


# --- F3: "accuracy" on multi-label targets ---------------------------------------------------------------------------

def compiled(metric, seed=0):
    model = Sequential([L.Input(shape=(4,)), L.Dense(K, activation="sigmoid")], dtype="float64", seed=seed)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[metric])
    return model


def caught(call_):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = call_()
    return result, [str(w.message) for w in seen if "multi-label targets" in str(w.message)]


def test_accuracy_on_multilabel_targets_warns_once_per_call_and_keeps_keras_values():
    X, Y = labelled()
    model = compiled("accuracy")
    _, seen = caught(lambda: model.fit(X, Y, epochs=3, batch_size=16, validation_split=0.25, verbose=0))
    assert len(seen) == 1 and "metrics=['binary_accuracy']" in seen[0] and "'accuracy' of 3 output units" in seen[0]
    logs, seen = caught(lambda: model.evaluate(X, Y, return_dict=True))
    assert len(seen) == 1
    P = model.predict(X)
    assert logs["accuracy"] == pytest.approx(np.mean(P.argmax(axis=1) == Y.argmax(axis=1)), abs=1e-12)  # (Keras's)
    _, seen = caught(lambda: compiled("acc").fit(X, np.eye(K)[Y.argmax(axis=1)], epochs=1, verbose=0))
    assert seen == []  # one-hot rows: categorical accuracy is the right figure
    _, seen = caught(lambda: compiled("binary_accuracy").fit(X, Y, epochs=1, verbose=0))
    assert seen == []


# --- F6: soft rows rounded off 1 ---------------------------------------------------------------------------------------

def test_categorical_crossentropy_refusal_of_rounded_soft_rows_gives_the_rescaling():
    model = Sequential([L.Input(shape=(2,)), L.Dense(3, activation="softmax")], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    X, soft = np.ones((2, 2)), np.array([[0.33, 0.33, 0.33], [0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match=r"Row 0 sums to 0\.99\. For soft labels .* y / y\.sum\(axis=1, keepdims=True\)"):
        model.fit(X, soft, verbose=0)
    model.fit(X, soft / soft.sum(axis=1, keepdims=True), verbose=0)  # the advice trains
    with pytest.raises(ValueError, match="sums to 2") as error:  # several 0/1 labels: nothing to rescale
        model.fit(X, np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), verbose=0)
    assert "keepdims" not in str(error.value) and "binary_crossentropy" in str(error.value)


# --- docs/api.md's distillation recipe ---------------------------------------------------------------------------------

@pytest.mark.parametrize("T", [1.0, 3.0])
def test_distillation_mixed_target_gradient_is_the_weighted_sum_of_the_two_losses(T):
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(40, 5)), rng.integers(0, 4, 40)
    teacher = X @ rng.normal(size=(5, 4)) * 2
    soft = np.exp(teacher / T) / np.exp(teacher / T).sum(axis=1, keepdims=True)
    onehot, a = np.eye(4)[labels], 0.3
    model = Sequential([L.Input(shape=(5,)), L.Dense(6, activation="relu"), L.Dense(4), L.Rescaling(1 / T),
                        L.Softmax()], dtype="float64", seed=1)

    def gradients(loss, Y):
        model.compile(optimizer="sgd", loss=loss)
        return model.gradients(X, Y)

    mixed = gradients("categorical_crossentropy", a * onehot + (1 - a) * soft)
    parts = zip(gradients("categorical_crossentropy", onehot), gradients("kl_divergence", soft))
    for g, (hard, kl) in zip(mixed, parts):
        np.testing.assert_allclose(g, a * hard + (1 - a) * kl, rtol=0, atol=1e-8)  # (KL's 1e-7 clip: 4e-9 at T=1)


def test_label_smoothed_one_hot_rows_do_not_warn_of_multilabel_targets():
    # (eye(k)·(1 − ε) + ε/k misses 1 by an ulp in many float32 rows: they were warned of as multi-label)
    X, Y = labelled()
    smoothed = (np.eye(K)[Y.argmax(axis=1)] * 0.95 + 0.05 / K).astype(np.float32)
    assert (smoothed.sum(axis=1) != 1).any()  # the case: not exactly 1
    _, seen = caught(lambda: compiled("accuracy").fit(X, smoothed, epochs=1, verbose=0))
    assert seen == []
    _, seen = caught(lambda: compiled("accuracy").fit(X, np.float32(0.9) * Y + np.float32(0.1 / K), epochs=1, verbose=0))
    assert len(seen) == 1  # smoothed multi-label rows still warn
