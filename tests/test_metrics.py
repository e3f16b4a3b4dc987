"""Metric objects used directly (as ``keras.metrics``) and kept in model files."""

import json
import zipfile

import numpy as np
import pytest

from glassnet import callbacks, layers, losses, metrics, models, optimizers, saving


def test_metric_settings_survive_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 4)), rng.integers(0, 2, (20, 3))
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam",
                  metrics=[metrics.Precision(thresholds=0.7, class_id=1), metrics.BinaryAccuracy(threshold=0.2),
                           metrics.F1Score(average="micro", threshold=0.3), "mae"],
                  weighted_metrics=[metrics.Recall(name="rec")])
    model.save(tmp_path / "m.gn")
    loaded = models.load_model(tmp_path / "m.gn")
    before = model.evaluate(x, y, return_dict=True, verbose=0)
    after = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert after == before
    # the settings matter here: default thresholds give other numbers
    plain = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="sigmoid")], seed=0)
    plain.compile(loss="binary_crossentropy", optimizer="adam", metrics=["precision", "binary_accuracy"])
    defaults = plain.evaluate(x, y, return_dict=True, verbose=0)
    assert defaults["binary_accuracy"] != before["binary_accuracy"]
    assert defaults["precision"] != before["precision"]
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        saved = json.loads(zf.read("model.json"))["compile"]
    assert saved["metrics"][0] == {"class_name": "Precision",
                                   "config": {"name": "precision", "thresholds": 0.7, "class_id": 1}}
    assert saved["metrics"][3] == "mae"


def test_fbeta_and_iou_metrics_log_under_keras_s_names_and_survive_save_and_load(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")], seed=0)
    chosen = [metrics.FBetaScore(average="macro", beta=2.0), metrics.MeanIoU(3, sparse_y_pred=False),
              metrics.IoU(3, [0, 2], sparse_y_pred=False, ignore_class=1)]
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=chosen,
                  weighted_metrics=[metrics.MeanIoU(3, sparse_y_pred=False, name="w_iou")])
    history = model.fit(x, y, epochs=2, batch_size=8, validation_split=0.2, verbose=0)
    assert {"fbeta_score", "mean_io_u", "io_u", "w_iou", "val_mean_io_u", "val_fbeta_score"} <= set(history.history)
    # the integer labels reach the IoU metrics as labels (as in Keras), the F-beta score reads them one-hot
    w = rng.uniform(0.5, 2.0, 30)
    logs = model.evaluate(x, y, sample_weight=w, return_dict=True, verbose=0)
    p = model.predict(x)
    assert logs["fbeta_score"] == pytest.approx(metrics.FBetaScore(average="macro", beta=2.0)(np.eye(3)[y], p))
    assert logs["mean_io_u"] == pytest.approx(metrics.MeanIoU(3)(y, p.argmax(axis=1)))
    assert logs["io_u"] == pytest.approx(metrics.IoU(3, [0, 2], ignore_class=1)(y, p.argmax(axis=1)))
    assert logs["w_iou"] == pytest.approx(metrics.MeanIoU(3)(y, p.argmax(axis=1), sample_weight=w))
    assert logs["w_iou"] != logs["mean_io_u"]
    model.save(tmp_path / "m.gn")
    loaded = models.load_model(tmp_path / "m.gn")
    assert loaded.evaluate(x, y, sample_weight=w, return_dict=True, verbose=0) == logs
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        saved = json.loads(zf.read("model.json"))["compile"]
    assert saved["metrics"][0] == {"class_name": "FBetaScore", "config": {
        "name": "fbeta_score", "average": "macro", "beta": 2.0, "threshold": None}}
    assert saved["metrics"][2]["config"]["target_class_ids"] == [0, 2]


def test_iou_metrics_refuse_more_classes_than_a_confusion_matrix_can_hold(tmp_path):
    # a num_classes x num_classes matrix: MeanIoU(10**6) from a 1 kB model file asked for 7.3 TiB (a MemoryError out
    # of load_model) and 30000 classes took 7.2 GB without a word; the cap, as AUC's on its thresholds
    for make in (metrics.MeanIoU, metrics.OneHotMeanIoU, lambda n: metrics.IoU(n, [0]),
                 lambda n: metrics.OneHotIoU(n, [0])):
        with pytest.raises(ValueError, match=r"num_classes must be between 2 and 8192 \(MAX_IOU_CLASSES: .*6\.7 GiB "
                                             r"for 30000\)\. Received: num_classes=30000"):
            make(30000)
        assert make(150).num_classes == 150  # (ADE20K's classes)
    assert metrics.MeanIoU(8192).total_cm.shape == (8192, 8192)
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "m.gn")
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members["model.json"])
    config["compile"]["metrics"] = [{"class_name": "MeanIoU", "config": {"num_classes": 10**6}}]
    members["model.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "crafted.gn", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match=r"num_classes must be between 2 and 8192 .* Received: num_classes=1000000"):
        models.load_model(tmp_path / "crafted.gn")


def test_a_file_cannot_name_an_arbitrary_metric_class(tmp_path):
    model = models.Sequential([layers.Input(shape=(2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=[metrics.BinaryAccuracy(threshold=0.3)])
    model.save(tmp_path / "m.gn")
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["model.json"])
    config["compile"]["metrics"] = [{"class_name": "MeanMetricWrapper", "config": {"fn": "print"}}]
    members["model.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "bad.gn", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="Unknown metric 'MeanMetricWrapper'"):
        models.load_model(tmp_path / "bad.gn")


def test_one_dimensional_targets_line_up_with_a_column_of_outputs():
    # keras.metrics gives 0.0 and 1.0 here: a (4,) y_true is the (4, 1) column
    mse = metrics.MeanSquaredError()
    mse.update_state(np.arange(4.0), np.arange(4.0).reshape(4, 1))
    assert mse.result() == 0.0
    acc = metrics.BinaryAccuracy()
    acc.update_state(np.array([1.0, 0, 1, 1]), np.array([[0.9], [0.2], [0.8], [0.7]]))
    assert acc.result() == 1.0


def test_sparse_categorical_accuracy_takes_integer_labels():
    labels = np.array([0, 2, 1, 2])
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.2, 0.7], [0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])
    for y in (labels, labels.reshape(-1, 1), np.eye(3)[labels]):  # the last: as fit passes them, one-hot
        m = metrics.SparseCategoricalAccuracy()
        m.update_state(y, probs)
        assert m.result() == 0.75
    weighted = metrics.SparseCategoricalAccuracy()
    weighted.update_state(labels, probs, sample_weight=[1, 1, 1, 3])
    assert weighted.result() == pytest.approx(3 / 6)


def test_a_column_of_sample_weights_is_one_weight_per_sample():
    m = metrics.MeanSquaredError()
    m.update_state(np.zeros((4, 1)), np.array([[1.0], [2.0], [0.0], [0.0]]), np.array([[1.0], [0.0], [1.0], [2.0]]))
    assert m.result() == pytest.approx(1 / 4)


@pytest.mark.parametrize("call, match", [
    (lambda: metrics.MeanSquaredError().update_state(np.zeros(3), np.zeros(4)), "one row per sample"),
    (lambda: metrics.MeanSquaredError().update_state(np.zeros(4), np.zeros(4), np.ones(3)), "sample_weight"),
    (lambda: metrics.CategoricalAccuracy().update_state(np.array([0, 1]), np.eye(2)), "SparseCategoricalAccuracy"),
    (lambda: metrics.Precision().update_state(np.zeros((2, 3)), np.zeros((2, 2))), "same shape"),
    (lambda: metrics.BinaryAccuracy(threshold=float("nan")), "threshold"),
])
def test_mismatched_inputs_are_refused_by_name(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_binary_accuracy_threshold_must_be_a_number():
    with pytest.raises(TypeError, match="threshold"):
        metrics.BinaryAccuracy(threshold="a")


def test_binary_accuracy_takes_any_finite_threshold_as_keras():
    # 0 on logits is the common case; [0, 1] only was refused. Keras 3.15 (float64) on these:
    # BinaryAccuracy(threshold=0.0) -> 0.5, threshold=-1.0 -> 0.25, binary_accuracy(threshold=0.0) -> [1, 1, 0, 0]
    y, logits = np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.3, -0.2, -1.5, 2.0])
    assert metrics.BinaryAccuracy(threshold=0.0)(y, logits) == 0.5
    assert metrics.BinaryAccuracy(threshold=-1.0)(y, logits) == 0.25
    assert metrics.binary_accuracy(y, logits, threshold=0.0).tolist() == [1.0, 1.0, 0.0, 0.0]
    assert metrics.BinaryAccuracy(threshold=2.5)(y, logits) == 0.5  # above every output: all predicted 0
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match="threshold must be finite"):
            metrics.BinaryAccuracy(threshold=bad)
        with pytest.raises(ValueError, match="threshold must be finite"):
            metrics.binary_accuracy(y, logits, threshold=bad)


def test_confusion_matrix_and_accuracy_refuse_what_they_would_misread():
    with pytest.raises(ValueError, match="integer class labels"):  # 1.7 was counted as class 1
        metrics.confusion_matrix([0, 1.7, 2], [0, 1, 2])
    with pytest.raises(ValueError, match="num_classes=3"):  # a raw IndexError before
        metrics.confusion_matrix([5], [0], num_classes=3)
    with pytest.raises(ValueError, match="empty"):  # NaN with two RuntimeWarnings
        metrics.accuracy_score([], [])


def test_metrics_see_the_targets_as_given_not_as_the_loss_encodes_them():
    # hinge trains on 0/1 labels as −1/+1, sparse categorical cross-entropy on labels as one-hot
    # rows; Keras's metrics see the caller's targets (0/1, integer labels), and so do glassnet's
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y01 = (X[:, 0] > 0).astype(float)
    seen = []

    def mean_true(y_true, y_pred):
        seen.append(np.unique(y_true))
        return np.mean(y_true)

    model = Sequential([Dense(1, input_dim=4)], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="hinge", metrics=["mse", "mae", mean_true])
    model.fit(X, y01, epochs=1, batch_size=20, verbose=0)
    logs = model.evaluate(X, y01, verbose=0, return_dict=True)
    P = model.predict(X, verbose=0)[:, 0]
    assert logs["mse"] == pytest.approx(np.mean((y01 - P) ** 2), rel=1e-12)
    assert logs["mae"] == pytest.approx(np.mean(np.abs(y01 - P)), rel=1e-12)
    assert logs["mean_true"] == pytest.approx(y01.mean()) and all(set(u) <= {0.0, 1.0} for u in seen)
    # labels already in {−1, 1} are what the metrics see
    assert model.evaluate(X, 2 * y01 - 1, verbose=0, return_dict=True)["mean_true"] == pytest.approx(
        np.mean(2 * y01 - 1))

    class TruePositives(metrics.Metric):  # keras.io's CategoricalTruePositives, in NumPy
        name = "true_positives"

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total += float(np.sum(np.argmax(y_pred, axis=1) == np.ravel(y_true)))
            self.count = 1

    y = rng.integers(0, 3, size=60)

    def true_class_probability(y_true, y_pred):  # indexes by the label, as such metrics do
        return y_pred[np.arange(len(y_true)), y_true.astype(int).ravel()]

    model = Sequential([Dense(3, "softmax", input_dim=4)], seed=0, dtype="float64")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", true_class_probability, TruePositives()])
    model.fit(X, y, epochs=2, batch_size=20, verbose=0)
    for labels in (y, y[:, None]):
        logs = model.evaluate(X, labels, verbose=0, return_dict=True)
        P = model.predict(X, verbose=0)
        assert logs["accuracy"] == pytest.approx(np.mean(P.argmax(1) == y))
        assert logs["true_class_probability"] == pytest.approx(P[np.arange(60), y].mean(), rel=1e-12)
        assert logs["true_positives"] == np.sum(P.argmax(1) == y)


def test_top_k_accuracy_by_hand_with_ties_and_nan():
    # rank = 1 + outputs strictly above the label's (Keras's in_top_k): a tie shares the better
    # rank, a NaN at the label ranks last
    A = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.7, 0.1], [np.nan, 0.2, 0.3]])
    labels = np.array([2, 0, 2, 0])  # ranks 2, 2, 3, 3
    for k, expected in ((1, 0.0), (2, 0.5), (3, 1.0)):
        sparse = metrics.SparseTopKCategoricalAccuracy(k=k)
        sparse.update_state(labels, A)
        dense = metrics.TopKCategoricalAccuracy(k=k)
        dense.update_state(np.eye(3)[labels], A)
        assert sparse.result() == dense.result() == expected
    weighted = metrics.SparseTopKCategoricalAccuracy(k=2)
    weighted.update_state(labels, A, sample_weight=[1, 2, 3, 4])
    assert weighted.result() == pytest.approx(0.3)
    assert metrics.TopKCategoricalAccuracy().k == 5  # Keras's default
    with pytest.raises(ValueError, match="integer labels 0..2"):
        metrics.SparseTopKCategoricalAccuracy(k=1).update_state([3, 0, 0, 0], A)


def test_top_k_accuracy_in_fit_and_in_a_saved_model(tmp_path):
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(90, 5)).astype(np.float32), np.arange(90) % 6
    model = Sequential([Dense(6, activation="softmax", input_dim=5)], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    history = model.fit(x, y, epochs=2, verbose=0)
    p = model.predict(x, verbose=0)
    ranks = 1 + (p > p[np.arange(90), y][:, None]).sum(axis=1)
    _, top5, top2 = model.evaluate(x, y, verbose=0)
    assert top5 == np.mean(ranks <= 5) and top2 == np.mean(ranks <= 2)
    assert set(history.history) == {"loss", "sparse_top_k_categorical_accuracy", "top2"}
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").evaluate(x, y, verbose=0)[2] == top2  # k=2 kept


def test_auc_by_hand_and_against_the_rank_statistic():
    # y = 0, 0, 1, 1 scored 0.1, 0.4, 0.35, 0.8: 3 of the 4 (positive, negative) pairs are ordered
    auc = metrics.AUC()
    auc.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert auc.result() == pytest.approx(0.75, abs=1e-12)
    lower, upper = metrics.AUC(summation_method="minoring"), metrics.AUC(summation_method="majoring")
    for m in (lower, upper):
        m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert lower.result() <= 0.75 <= upper.result()
    # many scores: the Riemann sum approaches the Mann-Whitney statistic P(s+ > s-) + P(s+ = s-) / 2
    rng = np.random.default_rng(1)
    y = rng.random(2000) < 0.3
    s = np.clip(0.25 * y + 0.75 * rng.random(2000), 0, 1)
    pos, neg = s[y], s[~y]
    exact = np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :])
    auc = metrics.AUC(num_thresholds=5000)
    auc.update_state(y[:1000], s[:1000])  # counts add up over batches
    auc.update_state(y[1000:], s[1000:])
    assert auc.result() == pytest.approx(exact, abs=1e-3)
    # per-output curves and their mean; logits through the sigmoid; sample weights as repetitions
    multi = metrics.AUC(multi_label=True)
    Y, S = np.stack([y, ~y], axis=1), np.stack([s, 1 - s], axis=1)
    multi.update_state(Y, S)
    single = [metrics.AUC() for _ in range(2)]
    for j in range(2):
        single[j].update_state(Y[:, j], S[:, j])
    assert multi.result() == pytest.approx(np.mean([m.result() for m in single]))
    logits = metrics.AUC(from_logits=True)
    logits.update_state(y, np.log(s + 1e-9) - np.log1p(-s + 1e-9))
    assert logits.result() == pytest.approx(exact, abs=5e-3)
    weighted, repeated = metrics.AUC(), metrics.AUC()
    weighted.update_state(y[:50], s[:50], sample_weight=np.full(50, 2.0))
    repeated.update_state(np.r_[y[:50], y[:50]], np.r_[s[:50], s[:50]])
    assert weighted.result() == pytest.approx(repeated.result())
    with pytest.raises(ValueError, match="curve must be 'ROC' or 'PR'"):
        metrics.AUC(curve="PRGAIN")
    # a NaN output is above no threshold (NaN > t is false), like a score below the first one:
    # the positive scored NaN is never found, so the curve tops out at TPR 0.5
    nan_score, low_score = metrics.AUC(), metrics.AUC()
    nan_score.update_state([0, 1, 1], [0.5, np.nan, 0.8])
    low_score.update_state([0, 1, 1], [0.5, -1.0, 0.8])
    assert nan_score.result() == low_score.result() == pytest.approx(0.5)


def test_auc_in_fit_and_in_a_saved_model(tmp_path):
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    y = (x[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(int)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=["AUC", metrics.AUC(curve="PR", name="pr_auc")])
    history = model.fit(x, y, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "AUC", "pr_auc"}  # "AUC" logged as given, as Keras
    p = model.predict(x, verbose=0)[:, 0]
    expected = metrics.AUC()
    expected.update_state(y, p)
    _, roc, pr = model.evaluate(x, y, verbose=0)
    assert roc == pytest.approx(expected.result()) and 0 < roc < 1 and 0 < pr < 1
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").evaluate(x, y, verbose=0) == pytest.approx([_, roc, pr])


def test_metrics_given_by_string_are_logged_under_that_string_as_keras_logs_them():
    from glassnet.callbacks import EarlyStopping
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    given = ["AUC", "Precision", "MeanSquaredError", "mse", "ACC", metrics.Recall()]
    model.compile("adam", "binary_crossentropy", metrics=given)
    # Keras 3.15: AUC, Precision, MeanSquaredError, mse, ACC and the object's own name, recall (was auc, precision, ...)
    stop = EarlyStopping(monitor="val_AUC", patience=5)  # mode "auto" reads val_AUC as maximized
    history = model.fit(x, y, epochs=2, validation_split=0.25, callbacks=[stop], verbose=0).history
    # sorted as Keras 3 sorts its logs (Python's order: capitals first), the validation's after
    assert list(history) == ["ACC", "AUC", "MeanSquaredError", "Precision", "loss", "mse", "recall", "val_ACC",
                             "val_AUC", "val_MeanSquaredError", "val_Precision", "val_loss", "val_mse", "val_recall"]
    assert stop.mode == "max"
    assert model.metrics_names == ["loss", "AUC", "Precision", "MeanSquaredError", "mse", "ACC", "recall"]


def test_precision_and_recall_with_top_k_and_several_thresholds_by_hand():
    Y = np.array([[1, 0, 1], [0, 1, 0]])
    A = np.array([[0.9, 0.8, 0.3], [0.6, 0.6, 0.1]])
    # top_k=1 keeps each row's largest output (a tie: the lower index, as Keras): (0, 0) and (1, 0)
    top1 = metrics.Precision(top_k=1)
    top1.update_state(Y, A)
    assert top1.result() == 0.5  # (0, 0) right, (1, 0) wrong
    recall_top1 = metrics.Recall(top_k=1)
    recall_top1.update_state(Y, A)
    assert recall_top1.result() == pytest.approx(1 / 3)  # 1 of the 3 positives
    # thresholds 0.2 / 0.7: predicted positives {all but (1, 2)} / {(0, 0), (0, 1)}
    several = metrics.Precision(thresholds=[0.2, 0.7])
    several.update_state(Y, A, sample_weight=[1.0, 1.0])
    np.testing.assert_allclose(several.result(), [3 / 5, 1 / 2])
    recalls = metrics.Recall(thresholds=[0.2, 0.7])
    recalls.update_state(Y, A)
    np.testing.assert_allclose(recalls.result(), [1.0, 1 / 3])
    one = metrics.Precision(thresholds=[0.7])  # a list of one gives a number, as Keras
    one.update_state(Y, A)
    assert one.result() == 0.5
    with pytest.raises(ValueError, match="thresholds"):
        metrics.Precision(thresholds=[])
    with pytest.raises(ValueError, match="top_k"):
        metrics.Recall(top_k=0)


def test_precision_and_recall_top_k_of_a_1d_y_pred_take_the_vector_as_one_row():
    # Keras's Precision docstring: top_k=2 of [1, 1, 1, 1] keeps y[:2] = [0, 0] -> 0.0 (was 0.5: each
    # element was a row of one output, all kept); weights per element; values from Keras 3.15
    cases = [([0, 0, 1, 1], [1, 1, 1, 1], 2, None, 0.0, 0.0), ([0, 0, 1, 1], [1, 1, 1, 1], 4, None, 0.5, 1.0),
             ([0, 1, 1, 0], [0.3, 0.9, 0.2, 0.8], 2, [1, 2, 3, 4], 1 / 3, 0.4)]
    for y_true, y_pred, k, weights, precision, recall in cases:
        for cls, expected in ((metrics.Precision, precision), (metrics.Recall, recall)):
            m = cls(top_k=k)
            m.update_state(y_true, y_pred, sample_weight=weights)
            assert m.result() == pytest.approx(expected)


def test_per_threshold_precision_in_fit_and_in_a_saved_model(tmp_path):
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 3)).astype(np.float32), (np.arange(60) % 2)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=[metrics.Precision(thresholds=[0.3, 0.7]),
                                                           metrics.Recall(top_k=1, name="r1")])
    history = model.fit(x, y, epochs=2, verbose=0)
    assert history.history["precision"][0].shape == (2,)
    result = model.evaluate(x, y, verbose=0)
    model.save(tmp_path / "m.gn")
    again = load_model(tmp_path / "m.gn").evaluate(x, y, verbose=0)
    np.testing.assert_allclose(again[1], result[1])
    assert again[2] == result[2]


def test_f1_precision_and_recall_against_scikit_learn_on_unbalanced_classes():
    sk = pytest.importorskip("sklearn.metrics", reason="the reference values come from scikit-learn")
    rng = np.random.default_rng(4)
    y = rng.choice(4, size=300, p=[0.55, 0.25, 0.15, 0.05])
    A = rng.dirichlet(np.ones(4), size=300) + 0.6 * np.eye(4)[y] * (rng.random(300) < 0.6)[:, None]
    pred = A.argmax(axis=1)
    Y = np.eye(4)[y]
    for average in ("macro", "micro", "weighted"):
        f1 = metrics.F1Score(average=average)
        f1.update_state(Y, A)
        assert f1.result() == pytest.approx(sk.f1_score(y, pred, average=average), abs=1e-12), average
    # binary precision/recall with unequal sample weights (they weigh every count, FN included)
    t, p = (rng.random(200) < 0.4).astype(int), rng.random(200)
    w = rng.uniform(0.1, 3.0, size=200)
    for cls, reference in ((metrics.Precision, sk.precision_score), (metrics.Recall, sk.recall_score)):
        m = cls()
        m.update_state(t, p, sample_weight=w)
        assert m.result() == pytest.approx(reference(t, p > 0.5, sample_weight=w), abs=1e-12), cls.__name__


def test_auc_with_tied_scores_is_the_rank_statistic():
    # ties count one half: pairs (0.5, 0.5) 1/2, (0.5, 0.2) 1, (0.8, 0.5) 1, (0.8, 0.2) 1 -> 3.5 / 4
    auc = metrics.AUC()
    auc.update_state([0, 1, 1, 0], [0.5, 0.5, 0.8, 0.2])
    assert auc.result() == pytest.approx(0.875, abs=1e-12)


def test_binary_accuracy_counts_an_output_at_the_threshold_as_negative():
    # Keras: y_pred > threshold is a predicted 1; exactly 0.5 is a 0
    acc = metrics.BinaryAccuracy()
    acc.update_state([[0], [0], [1]], [[0.5], [0.2], [0.51]])
    assert acc.result() == 1.0


def test_outputs_outside_0_1_are_clipped_where_keras_clips_them():
    # Keras counts evenly spaced thresholds (AUC's default, or a Precision list 0, 1/(n-1), ..., 1)
    # through buckets of the outputs clipped to [0, 1]; logits or a regression output then give these
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    scores = np.array([-2.0, 0.3, -0.5, 1.7, 1.2, 0.8])  # clipped: 0, .3, 0, 1, 1, .8
    auc = metrics.AUC()
    auc.update_state(y, scores)
    # Mann-Whitney on the clipped scores, ties counting 1/2: (0.5 + 2.5 + 2) / 9 (Keras 3: 0.5555555555555556)
    assert auc.result() == pytest.approx(5 / 9, abs=1e-12)
    precision = metrics.Precision(thresholds=[0.0, 0.5, 1.0])
    precision.update_state(y, scores)
    np.testing.assert_allclose(precision.result(), [2 / 4, 2 / 3, 0.0])  # 1.7 and 1.2 are not above 1
    # thresholds not evenly spaced: compared as they are, as Keras (1.7 and 1.2 exceed 0.9)
    uneven = metrics.Precision(thresholds=[0.0, 0.9])
    uneven.update_state(y, scores)
    np.testing.assert_allclose(uneven.result(), [2 / 4, 1 / 2])
    given = metrics.AUC(thresholds=[0.25, 0.5, 0.9])  # with 0 and 1 not evenly spaced: not clipped
    given.update_state(y, scores)
    assert not given._clip and auc._clip


def test_auc_with_two_thresholds_clips_the_outputs_as_keras():
    # num_thresholds=2 (-ε and 1 + ε, none inside): still Keras's evenly spaced default, so the outputs are
    # clipped to [0, 1] and every row is positive at -ε, none at 1 + ε: the diagonal, 0.5 (Keras 3: 0.5 for
    # ROC and PR). Unclipped, -2 and -0.5 fell below -ε and 1.7 rose above 1 + ε: 1/3 and 0.214
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    scores = np.array([-2.0, 0.3, -0.5, 1.7, 0.9, 0.8])
    for curve in ("ROC", "PR"):
        auc = metrics.AUC(num_thresholds=2, curve=curve)
        auc.update_state(y, scores)
        assert auc.result() == pytest.approx(0.5, abs=1e-12)


def test_weighted_metrics_alone_are_logged_in_training():
    # compile(weighted_metrics=[...]) without metrics=: fit and train_on_batch log them (as Keras 3)
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0]])
    y = np.array([0, 1, 1, 0])
    w = np.array([1.0, 2.0, 3.0, 4.0])
    model = models.Sequential([layers.Dense(2, activation="softmax", input_dim=2)], seed=0, dtype="float64")
    model.compile(optimizer=optimizers.SGD(0.0), loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    hits = model.predict(X, verbose=0).argmax(axis=1) == y  # the weights never change (learning rate 0)
    expected = np.sum(w * hits) / w.sum()
    history = model.fit(X, y, sample_weight=w, epochs=2, batch_size=4, verbose=0)
    assert history.history["accuracy"] == pytest.approx([expected, expected], abs=1e-12)
    assert model.train_on_batch(X, y, sample_weight=w, return_dict=True)["accuracy"] == pytest.approx(expected)


def test_label_metrics_refuse_one_hot_rows_instead_of_flattening_them():
    # np.eye(3) against a permutation was flattened into 9 labels: accuracy 0.556 (scikit-learn refuses it)
    with pytest.raises(ValueError, match=r"y_true must be a vector of class labels. Received shape \(3, 3\)"):
        metrics.accuracy_score(np.eye(3), np.eye(3)[[0, 2, 1]])
    with pytest.raises(ValueError, match=r"argmax\(axis=1\)"):
        metrics.confusion_matrix(np.eye(3), np.eye(3)[[0, 2, 1]])
    assert metrics.accuracy_score([[0], [1], [2]], [0, 2, 2]) == pytest.approx(2 / 3)  # a column is labels


def test_precision_and_recall_with_threshold_lists_give_one_value_per_threshold_from_the_start():
    for cls in (metrics.Precision, metrics.Recall):
        m = cls(thresholds=[0.3, 0.6])
        assert np.shape(m.result()) == (2,) and not np.any(m.result())  # a 0-d array(0.) before
        m.update_state([[1.0, 0.0]], [[0.9, 0.4]])
        assert np.shape(m.result()) == (2,)
        m.reset_state()
        assert np.shape(m.result()) == (2,) and not np.any(m.result())
    assert metrics.Precision().result() == 0.0


def test_metrics_from_config():
    again = metrics.Precision.from_config(metrics.Precision(thresholds=0.3, class_id=1).get_config())
    assert (again.thresholds, again.class_id) == (0.3, 1)
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        metrics.BinaryAccuracy().update_state(np.ones((2, 1)), np.zeros((2, 1)), sample_weight=["a", "b"])


def test_binary_accuracy_compares_the_targets_as_given_as_keras():
    # the targets were thresholded too: soft labels 0.8 and 1 against outputs 0.9 and 0.7 counted as hits (1.0);
    # Keras's BinaryAccuracy thresholds the outputs only: 0.25 here
    m = metrics.BinaryAccuracy()
    m.update_state(np.array([[0.8], [0.2], [1.0], [-1.0]]), np.array([[0.9], [0.1], [0.7], [0.2]]))
    assert m.result() == pytest.approx(0.25)
    m.reset_state()
    m.update_state(np.array([[1.0], [0.0], [1.0]]), np.array([[0.9], [0.1], [0.4]]))
    assert m.result() == pytest.approx(2 / 3)


@pytest.mark.parametrize("Y, A, error, match", [
    (np.array([["0"], ["0"]]), np.array([[0.9], [0.8]]), TypeError, "y_true must contain numbers"),  # Precision 1.0
    (np.full((2, 3), np.nan), np.full((2, 3), np.nan), ValueError, "y_true contains NaN"),  # accuracy 1.0
    (np.array([[1 + 5j]]), np.array([[0.9 + 0j]]), ValueError, "y_true holds complex"),  # 0.0
    (np.array([[1.0]]), np.array([[0.9 + 0j]]), ValueError, "y_pred holds complex"),
])
def test_two_arrays_of_one_shape_are_checked_as_any_other_input(Y, A, error, match):
    # two 2-D arrays of one shape took the fast path fit uses and skipped every check
    for cls in (metrics.Precision, metrics.CategoricalAccuracy, metrics.BinaryAccuracy):
        with pytest.raises(error, match=match):
            cls().update_state(Y, A)
    with pytest.raises(ValueError, match="y_true contains NaN"):  # the slow path too
        metrics.BinaryAccuracy().update_state([[np.nan]], [[0.9]])


@pytest.mark.parametrize("y_true, y_pred, error, match", [
    (None, None, TypeError, "y_true must be an array-like of class labels"),  # 1.0
    ("ab", "ab", TypeError, "y_true must be an array-like"),  # 1.0
    (1, 1, TypeError, "y_true must be an array-like"),  # 1.0
    ([0.2, 0.9], [0, 1], ValueError, r"y_true must hold integer class labels .*\(0.2 is not a label\)"),  # 0.0
    ([0, 1], [np.nan, 1], ValueError, r"y_pred .*\(nan is not a label\)"),
    ([0, 1], ["0", "1"], TypeError, "both be numbers or both text"),  # 0.0
    ([[0, 1], [1]], [0, 1], ValueError, "y_true could not be converted"),
    ([None, None], [None, None], TypeError, "y_true must hold class labels"),
])
def test_accuracy_score_takes_label_vectors_only(y_true, y_pred, error, match):
    with pytest.raises(error, match=match):
        metrics.accuracy_score(y_true, y_pred)
    assert metrics.accuracy_score(np.array(["a", "b"], dtype=object), ["a", "c"]) == 0.5  # text, as scikit-learn
    assert metrics.accuracy_score([1.0, 2.0], [1, 1]) == 0.5  # whole floats are labels


def test_confusion_matrix_names_the_offending_label_and_refuses_empty_input():
    with pytest.raises(ValueError, match=r"y_true must hold non-negative integer class labels \(-1 is not one\)"):
        metrics.confusion_matrix([-1, 0], [0, 1])  # the message said "(1.7 is not one)" for any label
    with pytest.raises(ValueError, match=r"y_true .*\('a' is not one\)"):
        metrics.confusion_matrix(["a"], ["a"])
    with pytest.raises(ValueError, match="empty"):  # [[0]]
        metrics.confusion_matrix([], [])


def test_auc_refuses_too_many_thresholds_at_once_and_keeps_keras_thresholds():
    # 10**9 hung, building a Python list of a billion thresholds
    with pytest.raises(ValueError, match="num_thresholds must be between 2 and 1000000"):
        metrics.AUC(num_thresholds=10**6 + 1)
    with pytest.raises(ValueError, match=r"num_thresholds must be between 2 and 1000000. Received: num_thresholds=10{9}"):
        metrics.AUC(num_thresholds=10**9)
    with pytest.raises(TypeError, match="num_thresholds must be an integer"):
        metrics.AUC(num_thresholds="200")
    for n in (2, 3, 200, 12345):  # Keras's (i + 1) / (n - 1), to the bit
        keras = [0.0 - 1e-7, *[(i + 1) / (n - 1) for i in range(n - 2)], 1.0 + 1e-7]
        assert metrics.AUC(num_thresholds=n)._thresholds.tolist() == keras


# Keras 3.15's AUC on these 12 rows of 3 outputs (the numbers below are its results)
_AUC_Y = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [0, 0, 0], [0, 1, 1],
                   [1, 0, 1], [1, 1, 1], [1, 0, 0], [1, 1, 0]], dtype=np.float32)
_AUC_P = np.array([[0.49, 0.89, 0.93], [0.36, 0.57, 0.32], [0.59, 0.34, 0.39], [0.89, 0.23, 0.62],
                   [0.08, 0.83, 0.79], [0.24, 0.88, 0.06], [0.34, 0.15, 0.45], [0.8, 0.23, 0.05],
                   [0.4, 0.2, 0.09], [0.58, 0.3, 0.67], [0.2, 0.94, 0.37], [0.11, 0.63, 0.93]], dtype=np.float32)
_AUC_W = np.array([1.16, 1.93, 1.25, 1.14, 1.43, 1.99, 1.92, 1.19, 1.64, 1.25, 1.29, 1.68], dtype=np.float32)


@pytest.mark.parametrize("kwargs, plain, weighted", [
    (dict(multi_label=True), 0.3761904835700989, 0.39977210760116577),
    (dict(multi_label=True, num_labels=3), 0.3761904835700989, 0.39977210760116577),
    (dict(multi_label=True, label_weights=[1, 2, 0.5]), 0.41632652282714844, 0.4651639759540558),
    (dict(multi_label=True, num_labels=3, label_weights=[1, 2, 0.5], curve="PR"), 0.5468208193778992,
     0.5595842003822327),
    (dict(label_weights=[1, 2, 0.5]), 0.36779558658599854, 0.43189969658851624),
    (dict(label_weights=[1, 2, 0.5], curve="PR"), 0.4980677664279938, 0.5154584050178528),
    (dict(multi_label=True, label_weights=[0, 0, 0]), 0.0, 0.0),
])
def test_auc_label_weights_and_num_labels_equal_keras(kwargs, plain, weighted):
    auc = metrics.AUC(**kwargs)
    auc.update_state(_AUC_Y, _AUC_P)
    assert auc.result() == pytest.approx(plain, abs=2e-6)
    auc = metrics.AUC(**kwargs)
    auc.update_state(_AUC_Y, _AUC_P, sample_weight=_AUC_W)
    assert auc.result() == pytest.approx(weighted, abs=2e-6)
    again = metrics.AUC.from_config(auc.get_config())
    again.update_state(_AUC_Y, _AUC_P, sample_weight=_AUC_W)
    assert again.result() == auc.result()


def test_auc_arguments_follow_keras_order_and_are_checked():
    auc = metrics.AUC(200, "ROC", "interpolation", "my_auc", None, None, True, 3)  # Keras's positional order
    assert (auc.name, auc.multi_label, auc.num_labels) == ("my_auc", True, 3)
    with pytest.raises(ValueError, match="num_labels is needed only when multi_label is True"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="num_labels must be"):
        metrics.AUC(multi_label=True, num_labels=0)
    with pytest.raises(ValueError, match="label_weights must be non-negative"):
        metrics.AUC(multi_label=True, label_weights=[1, -1, 1])
    with pytest.raises(ValueError, match="label_weights must have num_labels=3 entries"):
        metrics.AUC(multi_label=True, num_labels=3, label_weights=[1, 2])
    for auc, given in [(metrics.AUC(multi_label=True, num_labels=4), "num_labels=4"),
                       (metrics.AUC(label_weights=[1, 2]), "2 label_weights")]:
        with pytest.raises(ValueError, match=f"made for .* outputs \\({given}\\), but y_pred has 3"):
            auc.update_state(_AUC_Y, _AUC_P)


def test_sparse_top_k_from_sorted_ids_equals_keras():
    # Keras 3.15: y_pred holds each row's class ids, best first
    ids = np.array([[3, 1, 0, 2], [0, 2, 3, 1], [1, 1, 2, 0], [2, 0, 1, 3]])
    y = np.array([1, 3, 1, 0])
    got = metrics.sparse_top_k_categorical_accuracy(y, ids, k=2, from_sorted_ids=True)
    assert got.tolist() == [1.0, 0.0, 1.0, 1.0]
    metric = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    metric.update_state(y, ids, sample_weight=[1, 2, 3, 4])
    assert metric.result() == pytest.approx(0.8)  # Keras: 0.800000011920929
    metric = metrics.SparseTopKCategoricalAccuracy.from_config(
        metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True).get_config())
    metric.update_state(y, ids)
    assert (metric.k, metric.from_sorted_ids, metric.result()) == (3, True, 1.0)
    with pytest.raises(ValueError, match="one row of sorted class ids per label"):
        metrics.SparseTopKCategoricalAccuracy(from_sorted_ids=True).update_state(y, ids[:3])
    with pytest.raises(TypeError, match="from_sorted_ids must be True or False"):
        metrics.SparseTopKCategoricalAccuracy(from_sorted_ids="yes")
    for from_sorted_ids in (False, True):  # with sorted ids a NaN label was counted as a miss (0.5)
        with pytest.raises(ValueError, match="y_true contains NaN"):
            metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=from_sorted_ids).update_state(
                np.array([np.nan, 3, 1, 0]), ids)


def test_binary_accuracy_takes_keras_positional_order():
    assert metrics.BinaryAccuracy("acc", None, 0.7).threshold == 0.7  # Keras: (name, dtype, threshold)


def test_top_k_functions_take_sequences_and_refuse_labels_they_cannot_rank():
    # the by-hand rows of test_top_k_accuracy_by_hand_with_ties_and_nan (ranks 2, 2, 3, 3), as a
    # batch of 2 sequences of 2 steps, as Keras's functions take them
    A = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.7, 0.1], [np.nan, 0.2, 0.3]])
    labels = np.array([2, 0, 2, 0])
    expected = [[1.0, 1.0], [0.0, 0.0]]  # k = 2
    A3, labels2 = A.reshape(2, 2, 3), labels.reshape(2, 2)
    assert metrics.top_k_categorical_accuracy(np.eye(3)[labels2], A3, k=2).tolist() == expected
    assert metrics.sparse_top_k_categorical_accuracy(labels2, A3, k=2).tolist() == expected
    assert metrics.sparse_top_k_categorical_accuracy(labels2[..., None], A3, k=2).tolist() == \
        np.array(expected)[..., None].tolist()  # the labels' shape, as Keras 3.15: (2, 2, 1)
    ids = np.argsort(-np.nan_to_num(A, nan=-1.0), axis=1, kind="stable").reshape(2, 2, 3)
    assert metrics.sparse_top_k_categorical_accuracy(labels2, ids, k=2, from_sorted_ids=True).tolist() == expected
    # a label outside the classes was read from the end (-1: the last class) or raised NumPy's IndexError
    for bad in ([2, -1, 2, 0], [2, 3, 2, 0], [2, 0.5, 2, 0], [2, np.nan, 2, 0]):
        with pytest.raises(ValueError, match="integer labels 0..2 for 3 outputs"):
            metrics.sparse_top_k_categorical_accuracy(np.array(bad), A, k=2)
    with pytest.raises(ValueError, match="one integer label per row of y_pred"):
        metrics.sparse_top_k_categorical_accuracy(labels[:3], A, k=2)
    with pytest.raises(ValueError, match="one integer label per row of y_pred"):
        metrics.sparse_top_k_categorical_accuracy(labels, ids[0], k=2, from_sorted_ids=True)
    with pytest.raises(ValueError, match="one-hot rows and scores of one shape"):
        metrics.top_k_categorical_accuracy(labels, A, k=2)
    with pytest.raises(ValueError, match="one-hot rows and scores of one shape"):
        metrics.top_k_categorical_accuracy(np.eye(3)[labels][:3], A, k=2)


def test_accuracy_functions_refuse_targets_of_another_shape():
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    labels = np.array([0, 1])
    assert metrics.categorical_accuracy(np.eye(3)[labels], P).tolist() == [1.0, 0.0]
    assert metrics.sparse_categorical_accuracy(labels, P).tolist() == [1.0, 0.0]
    # integer labels: their argmax (one number, 1) was compared with every row's, silently [0, 0] here
    with pytest.raises(ValueError, match="For integer labels use sparse_categorical_accuracy"):
        metrics.categorical_accuracy(labels, P)
    with pytest.raises(ValueError, match=r"same shape. Received \(2, 2\) and \(2, 3\)"):
        metrics.categorical_accuracy(np.eye(2), P)
    # these gave NumPy's "operands could not be broadcast together"
    with pytest.raises(ValueError, match="one integer label per row of y_pred"):
        metrics.sparse_categorical_accuracy(np.eye(3)[labels], P)
    with pytest.raises(ValueError, match="one integer label per row of y_pred"):
        metrics.sparse_categorical_accuracy(np.array([0, 1, 2]), P)
    with pytest.raises(ValueError, match=r"same shape. Received \(2, 2\) and \(2, 3\)"):
        metrics.binary_accuracy(np.ones((2, 2)), P)
    # a row of targets against a batch was broadcast into a table
    with pytest.raises(ValueError, match=r"same shape. Received \(1, 3\) and \(2, 3\)"):
        metrics.binary_accuracy(np.ones((1, 3)), P)
    assert metrics.binary_accuracy(np.array([1, 0]), P[:, :1]).tolist() == [[1.0], [1.0]]  # (n, 1), as Keras


def test_per_output_metrics_refuse_a_batch_with_another_number_of_outputs():
    # one column was broadcast into every class's counts (F1 3 then 1 output: 0.397 for the 0.5 of the
    # first batch) or the batch gave NumPy's broadcast error; R2Score already says so
    Y, P = np.eye(2)[[0, 1, 1, 0]], np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    f1 = metrics.F1Score(average=None)
    f1.update_state(Y, P)
    assert f1.result() == pytest.approx([0.5, 0.5])  # class 0: tp 1, fp 1, fn 1; class 1 the same
    auc = metrics.AUC(multi_label=True)
    auc.update_state(Y, P)
    assert auc.result() == pytest.approx(0.75)  # per class: 3 of the 4 (positive, negative) pairs ranked right
    for metric, name in ((f1, "F1Score"), (auc, "AUC")):
        for columns in (1, 3):
            with pytest.raises(ValueError, match=f"{name} has seen 2 output\\(s\\); this batch has {columns}"):
                metric.update_state(np.ones((4, columns)), np.full((4, columns), 0.6))
    assert f1.result() == pytest.approx([0.5, 0.5]) and auc.result() == pytest.approx(0.75)
    f1.reset_state()
    # Keras's reset zeros its per-class variables: [0, 0] (glassnet's was [0.], one class)
    assert f1.result().tolist() == [0.0, 0.0]
    f1.update_state(Y[:, :1], P[:, :1])  # a fresh state takes any number
    assert f1.result() == pytest.approx([0.5])  # > 0.5: rows 0, 2 predicted, rows 0, 3 positive


def test_a_metric_function_s_one_number_per_batch_counts_once_per_sample():
    # docs/api.md, Differences from Keras: keras.metrics.MeanMetricWrapper averages the batches' numbers
    # ((1 + 4) / 2 = 2.5 here); glassnet weighs each by its batch size, as per-sample values would count
    m = metrics.MeanMetricWrapper(lambda y, p: np.mean(np.abs(y - p)))
    m.update_state(np.zeros(3), np.ones(3))
    m.update_state(np.zeros(1), np.full(1, 4.0))
    assert m.result() == pytest.approx((3 * 1.0 + 1 * 4.0) / 4, abs=1e-15)
    per_sample = metrics.MeanMetricWrapper(lambda y, p: np.abs(y - p))  # the same values, sample by sample
    per_sample.update_state(np.zeros(3), np.ones(3))
    per_sample.update_state(np.zeros(1), np.full(1, 4.0))
    assert per_sample.result() == m.result()


def test_f1_average_given_as_an_array_is_named():
    # "The truth value of an array with more than one element is ambiguous"
    with pytest.raises(ValueError, match="average must be None, 'macro', 'micro' or 'weighted'. Received: average=arr"):
        metrics.F1Score(average=np.array(["macro", "micro"]))


def test_hinge_is_a_metric_by_name_and_class_as_in_keras(tmp_path):
    # Keras's metrics=["hinge"] and keras.metrics.Hinge: mean_k max(0, 1 − y·ŷ), 0/1 labels read as −1/+1
    y, a, w = np.array([[0.0], [1.0], [1.0]]), np.array([[0.5], [0.25], [2.0]]), np.array([1.0, 2.0, 3.0])
    per_sample = np.array([1.5, 0.75, 0.0])  # labels −1, 1, 1
    m = metrics.Hinge()
    m.update_state(y, a, sample_weight=w)
    assert m.result() == pytest.approx((w * per_sample).sum() / w.sum())
    signed = metrics.get("hinge")
    signed.update_state(np.array([[-1.0, 1.0]]), np.array([[0.5, 0.5]]))  # ±1 labels as given
    assert signed.result() == pytest.approx((1.5 + 0.5) / 2)
    assert metrics.get(metrics.hinge).name == "hinge" and metrics.get("Hinge").name == "hinge"
    model = models.Sequential([layers.Dense(1, input_dim=2, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="hinge", metrics=["hinge"])
    X = np.array([[0.25, 0.25], [0.125, 0.125], [1.0, 1.0]])
    logs = model.evaluate(X, y.ravel(), return_dict=True)
    assert logs["hinge"] == pytest.approx(per_sample.mean()) and logs["loss"] == pytest.approx(per_sample.mean())
    model.save(tmp_path / "m.gn")
    again = models.load_model(tmp_path / "m.gn")
    assert again.evaluate(X, y.ravel(), return_dict=True)["hinge"] == pytest.approx(per_sample.mean())


def test_mean_metric_wrapper_passes_further_keyword_arguments_to_fn_as_keras():
    # keras.metrics.MeanMetricWrapper(fn, name=None, dtype=None, **kwargs) calls fn(y_true, y_pred, **kwargs)
    def power_error(y_true, y_pred, power=2.0):
        return np.mean(np.abs(y_true - y_pred) ** power, axis=-1)

    m = metrics.MeanMetricWrapper(power_error, name="cubed", power=3.0)
    m.update_state(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 2.0], [1.0, 3.0]]), sample_weight=[1.0, 3.0])
    assert m.name == "cubed" and m.result() == pytest.approx((1 * (1 + 8) / 2 + 3 * (0 + 8) / 2) / 4)
    model = models.Sequential([layers.Dense(1, input_dim=1, kernel_initializer="ones")])
    model.compile(optimizer="sgd", loss="mse", metrics=[metrics.MeanMetricWrapper(power_error, power=1.0)])
    assert model.evaluate(np.array([[1.0], [2.0]]), np.array([0.0, 0.0]), return_dict=True)["power_error"] == \
        pytest.approx(1.5)


def test_mean_metric_wrapper_config_holds_fn_as_keras_writes_it_and_is_read_back():
    # its config had no fn, so MeanMetricWrapper.from_config(m.get_config()) raised "missing 1 required positional
    # argument: 'fn'"; Keras 3.15 writes fn so (keras.metrics.MeanMetricWrapper(mean_squared_error).get_config())
    keras_fn = {"module": "builtins", "class_name": "function", "config": "mean_squared_error",
                "registered_name": "function"}
    m = metrics.MeanMetricWrapper(metrics.mean_squared_error)
    assert m.get_config() == {"name": "mean_squared_error", "fn": keras_fn}  # (Keras's name: mean_metric_wrapper)
    y, p = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.25, 0.75], [0.5, 0.5]])
    again = metrics.MeanMetricWrapper.from_config(m.get_config())
    assert again.fn is metrics.mean_squared_error and again(y, p) == pytest.approx(0.40625)
    theirs = metrics.MeanMetricWrapper.from_config({"name": "mean_metric_wrapper", "dtype": "float64", "fn": keras_fn})
    assert theirs.name == "mean_metric_wrapper" and theirs(y, p) == pytest.approx(0.40625)
    # the keyword arguments for fn, as Keras writes them; a loss object; a registered function by its name
    with_kwargs = metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.6)
    assert with_kwargs.get_config()["threshold"] == 0.6
    assert metrics.MeanMetricWrapper.from_config(with_kwargs.get_config())(y, p) == with_kwargs(y, p) == 0.25
    loss = metrics.MeanMetricWrapper.from_config(metrics.MeanMetricWrapper(losses.Huber(delta=0.5)).get_config()).fn
    assert isinstance(loss, losses.Huber) and loss.delta == 0.5

    @saving.register_keras_serializable(package="test_mmw")
    def absolute_error(y_true, y_pred):
        return np.abs(y_true - y_pred)

    assert metrics.MeanMetricWrapper.from_config(metrics.MeanMetricWrapper(absolute_error).get_config()).fn \
        is absolute_error
    # a config names no other code: a function that is neither built in nor registered is refused by name
    for config in ({"fn": "print"}, metrics.MeanMetricWrapper(lambda t, q: t).get_config()):
        with pytest.raises(ValueError, match=r"Unknown function '(print|<lambda>)' in saved config"):
            metrics.MeanMetricWrapper.from_config(config)


def test_help_shows_each_metrics_arguments_not_the_metaclass_call():
    """help() and inspect.signature show a metric's own arguments, as Keras 3's (checked
    against keras.metrics 3.15), not the metaclass's ``(*args, **kwargs)``; a user's subclass too."""
    import inspect
    import pydoc
    import re

    assert str(inspect.signature(metrics.AUC)) == (
        "(num_thresholds=200, curve='ROC', summation_method='interpolation', name=None, dtype=None, "
        "thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False)")
    assert list(inspect.signature(metrics.Precision).parameters)[:3] == ["thresholds", "top_k", "class_id"]
    assert str(inspect.signature(metrics.TopKCategoricalAccuracy)) == "(k=5, name=None, dtype=None)"
    # (Python 3.13's pydoc breaks a long signature over lines, each behind a "|": compared without them)
    assert "Precision(thresholds=None,top_k=None,class_id=None" in re.sub(r"[\s|]", "", pydoc.render_doc(metrics.Precision))

    class Counted(metrics.Metric):
        def __init__(self, name="counted", start=0, **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros")

    assert str(inspect.signature(Counted)) == "(name='counted', start=0, **kwargs)"
    assert Counted().name == "counted"  # the metaclass still runs reset_state after __init__
    # a metric's call passes update_state's arguments on, as Keras 3.15's (Mean()(values) takes values alone)
    assert str(inspect.signature(metrics.Precision())) == "(*args, **kwargs)"


def test_metrics_count_each_position_of_sequence_outputs_with_per_position_weights_as_keras():
    # outputs (n, m, k) were refused: "y_true and y_pred must have one row per sample". Keras 3.15 on these;
    # by hand: the argmaxes [[0, 2, 1], [1, 2, 0]] hit 4 of 6 positions, weighing 1 + 2 + 1.5 + 0 = 4.5 of 8
    P = np.array([[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]],
                  [[0.25, 0.5, 0.25], [0.05, 0.05, 0.9], [0.6, 0.3, 0.1]]])
    labels = np.array([[0, 1, 1], [2, 2, 0]])
    W, Wn = np.array([[1.0, 0.5, 2.0], [3.0, 1.5, 0.0]]), np.array([2.0, 0.5])
    Y = np.eye(3)[labels]
    expected = {  # weights -> categorical accuracy, MSE, binary accuracy (Keras)
        None: (4 / 6, 0.14055556803941727, 0.7777777910232544),
        "per position": (4.5 / 8, 0.16572916945132107, 0.7500000223517411),
        "per sample": (5 / 7.5, 0.14822223782539368, 0.7111111283302307)}
    for key, (accuracy, mse, binary) in expected.items():
        w = {None: None, "per position": W, "per sample": Wn}[key]
        assert metrics.CategoricalAccuracy()(Y, P, sample_weight=w) == pytest.approx(accuracy, rel=1e-6)
        assert metrics.SparseCategoricalAccuracy()(labels, P, sample_weight=w) == pytest.approx(accuracy, rel=1e-6)
        assert metrics.MeanSquaredError()(Y, P, sample_weight=w) == pytest.approx(mse, rel=1e-6)
        assert metrics.BinaryAccuracy()(Y, P, sample_weight=w) == pytest.approx(binary, rel=1e-6)
    assert metrics.SparseCategoricalAccuracy()(labels[..., None], P, sample_weight=W) == pytest.approx(4.5 / 8)
    # the cross-entropy metric with per-position weights, as Keras 3.15 in float64 (labels [[0, 2, 1], [1, 2, 0]])
    assert metrics.CategoricalCrossentropy()(np.eye(3)[[[0, 2, 1], [1, 2, 0]]], P, sample_weight=W) == \
        pytest.approx(0.5294830540135242, rel=1e-12)
    with pytest.raises(ValueError, match="sample_weight must hold one weight per sample"):
        metrics.MeanSquaredError()(Y, P, sample_weight=W[:, :2])


def test_mean_metrics_count_each_sequence_once_whatever_its_length_as_keras():
    # Keras 3.15's Mean reduces a sequence's values (n, m) to one per sample, the mean over its positions, of
    # weight the mean of their weights (reduce_to_samplewise_values): each sample counts once whatever its
    # length. glassnet counted each position, so a batch of length 5 outweighed one of length 3 (9/16 here)
    P1 = np.array([[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]],
                   [[0.25, 0.5, 0.25], [0.05, 0.05, 0.9], [0.6, 0.3, 0.1]]])
    labels1 = np.array([[0, 1, 1], [2, 2, 0]])  # hits [[1, 0, 1], [0, 1, 1]]
    labels2 = np.array([[0, 1, 2, 0, 1], [1, 2, 1, 2, 1]])
    P2 = np.full((2, 5, 3), 0.2)
    P2[0, np.arange(5), labels2[0]] = 0.6  # sample 1 hits each of its 5 positions
    P2[1, :, 0] = 0.6  # sample 2 none
    W1, W2 = np.array([[1, 0.5, 2], [3, 1.5, 0]]), np.array([[1.0, 1, 1, 1, 2], [1, 1, 1, 1, 1]])
    # weights of the two batches -> the accuracy by hand (the four samples hit 2/3, 2/3, 1 and 0 of their positions)
    accuracies = {
        None: (None, None, 7 / 12),
        "per sample": (np.array([2.0, 0.5]), np.array([1.0, 3.0]), (2 * 2 / 3 + 0.5 * 2 / 3 + 1) / 6.5),
        # mean_j(w_j hit_j) per sample, 1, 0.5, 1.2 and 0, of weights 3.5/3, 1.5, 1.2 and 1
        "per position": (W1, W2, (1 + 0.5 + 1.2) / (3.5 / 3 + 1.5 + 1.2 + 1)),
        "number": (1.5, 0.5, (1.5 * 4 / 6 + 0.5 * 5 / 10) / 2),  # each batch's mean once, of weight w
    }
    keras_values = {  # Keras 3.15 (float64): mean squared error, categorical cross-entropy, binary accuracy
        None: (0.17694444444444446, 0.8847555031640495, 0.7222222222222221),
        "per sample": (0.22931623931623932, 1.103910163647485, 0.5811965811965811),
        "per position": (0.18176940639269404, 0.912956544310128, 0.7260273972602739),
        "number": (0.15875, 0.7970673706960516, 0.75)}
    onehot, labels = (np.eye(3)[labels1], np.eye(3)[labels2]), (labels1, labels2)
    for key, (w1, w2, accuracy) in accuracies.items():
        mse, crossentropy, binary = keras_values[key]
        cases = [(metrics.CategoricalAccuracy(), onehot, accuracy), (metrics.SparseCategoricalAccuracy(), labels, accuracy),
                 (metrics.SparseCategoricalAccuracy(), (labels1[..., None], labels2[..., None]), accuracy),
                 (metrics.MeanSquaredError(), onehot, mse), (metrics.CategoricalCrossentropy(), onehot, crossentropy),
                 (metrics.SparseCategoricalCrossentropy(), labels, crossentropy),
                 (metrics.BinaryAccuracy(), onehot, binary),
                 (metrics.MeanMetricWrapper(metrics.mean_squared_error), onehot, mse)]
        weights = [(w1, w2)]
        if key == "per position":  # (n, m, 1): the trailing 1 squeezed, as Keras's (it was refused)
            weights.append((w1[..., None], w2[..., None]))
        for metric, (y1, y2), expected in cases:
            for v1, v2 in weights:
                metric.reset_state()
                metric.update_state(y1, P1, sample_weight=v1)
                metric.update_state(y2, P2, sample_weight=v2)
                assert metric.result() == pytest.approx(expected, rel=1e-12), (key, metric, np.shape(v1))
    # sequences of one length: each position counts as much either way (4.5 of 8 hits, as before)
    assert metrics.CategoricalAccuracy()(onehot[0], P1, sample_weight=W1) == pytest.approx(4.5 / 8, rel=1e-12)


#: Keras's mean metrics of the same names; the values of the element-wise ones (binary_accuracy, accuracy,
#: RMSE's squares) are per element, which weights (n, m, k) weigh one by one
_SEQUENCE_MEANS = {
    "MeanSquaredError": "onehot", "MeanAbsoluteError": "onehot", "MeanAbsolutePercentageError": "onehot",
    "MeanSquaredLogarithmicError": "onehot", "RootMeanSquaredError": "onehot", "CategoricalAccuracy": "onehot",
    "SparseCategoricalAccuracy": "labels", "TopKCategoricalAccuracy": "onehot",
    "SparseTopKCategoricalAccuracy": "labels", "BinaryAccuracy": "binary", "Accuracy": "rounded",
    "BinaryCrossentropy": "binary", "CategoricalCrossentropy": "onehot", "SparseCategoricalCrossentropy": "labels",
    "KLDivergence": "onehot", "Poisson": "onehot", "Hinge": "binary", "SquaredHinge": "binary",
    "CategoricalHinge": "onehot", "CosineSimilarity": "onehot", "LogCoshError": "onehot"}


@pytest.mark.parametrize("name", sorted(_SEQUENCE_MEANS))
def test_mean_metrics_of_sequences_of_changing_lengths_equal_keras(keras64, name):
    # two batches of sequences (2, 3, 4) then (2, 5, 4), and (2, 3, 4) twice, each weighted alike: None, per sample
    # (n,), per position (n, m) or (n, m, 1), one number, per element (n, m, k) for the element-wise metrics
    rng = np.random.default_rng(21)
    kwargs = {"k": 2} if "TopK" in name else {}
    elementwise = name in ("BinaryAccuracy", "Accuracy", "RootMeanSquaredError")
    kinds = [None, "n", "nm", "nm1", "number"] + (["nmk"] if elementwise else [])
    for lengths in ((3, 5), (3, 3)):
        batches = []
        for m in lengths:
            labels, P = rng.integers(0, 4, (2, m)), rng.uniform(0.05, 1.0, (2, m, 4))
            P /= P.sum(axis=-1, keepdims=True)
            y = {"onehot": np.eye(4)[labels], "labels": labels, "binary": (rng.random((2, m, 4)) < 0.5) * 1.0,
                 "rounded": np.round(rng.random((2, m, 4)))}[_SEQUENCE_MEANS[name]]
            weights = {None: None, "n": rng.uniform(0.2, 2.0, 2), "nm": rng.uniform(0.0, 2.0, (2, m)),
                       "nm1": rng.uniform(0.0, 2.0, (2, m, 1)), "number": rng.uniform(0.2, 2.0),
                       "nmk": rng.uniform(0.0, 2.0, (2, m, 4))}
            batches.append((y, np.round(P) if name == "Accuracy" else P, weights))
        for kind in kinds:
            ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras64.metrics, name)(**kwargs)
            for y, P, weights in batches:
                ours.update_state(y, P, sample_weight=weights[kind])
                theirs.update_state(y, P, sample_weight=weights[kind])
            assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-12), (lengths, kind)


# sequence outputs (n, m, k) = (2, 3, 4) and binary ones (2, 3, 1), with weights per position (n, m) and per sample
SEQ_Y = np.array([[[1.0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]], [[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]]])
SEQ_A = np.array([[[0.62, 0.38, 1.0, 0.98], [0.69, 0.65, 0.69, 0.39], [0.14, 0.72, 0.53, 0.31]],
                  [[0.49, 0.89, 0.93, 0.36], [0.57, 0.32, 0.59, 0.34], [0.39, 0.89, 0.23, 0.62]]])
SEQ_YB, SEQ_AB = np.array([[1.0, 0, 1], [1, 1, 0]]), np.array([[0.8, 0.6, 0.3], [0.9, 0.2, 0.7]])[..., None]
SEQ_WEIGHTS = {None: None, "per position": np.array([[1, 0.5, 2], [0, 3, 1.5]]), "per sample": np.array([0.5, 2.0])}


def test_precision_recall_and_confusion_counts_count_each_position_of_sequence_outputs_as_keras():
    # (n, m, k) outputs were refused ("must have one row per sample"); Keras 3.15 (float64) flattens every
    # element; per-sample weights (n,), which Keras refuses (a broadcasting error), weigh each position of
    # the sample: Keras's numbers with the weights repeated per position, [[0.5] * 3, [2.0] * 3]
    make = {"P": metrics.Precision, "R": metrics.Recall, "P_class2": lambda: metrics.Precision(class_id=2),
            "P_top2": lambda: metrics.Precision(top_k=2), "R_top2_class1": lambda: metrics.Recall(top_k=2, class_id=1),
            "P_list": lambda: metrics.Precision(thresholds=[0.3, 0.6]), "TP": metrics.TruePositives,
            "FP": metrics.FalsePositives, "TN": metrics.TrueNegatives,
            "FN_list": lambda: metrics.FalseNegatives(thresholds=[0.0, 0.5, 1.0])}
    keras_values = {
        None: {"P": 0.6428571428571429, "R": 0.6428571428571429, "P_class2": 0.6, "P_top2": 0.5833333333333334,
               "R_top2_class1": 0.3333333333333333, "P_list": [0.5454545454545454, 0.6363636363636364], "TP": 9.0,
               "FP": 5.0, "TN": 5.0, "FN_list": [0.0, 5.0, 14.0]},
        "per position": {"P": 0.6285714285714286, "R": 0.6111111111111112, "P_class2": 0.38461538461538464,
                         "P_top2": 0.59375, "R_top2_class1": 0.36363636363636365,
                         "P_list": [0.5087719298245614, 0.631578947368421], "TP": 11.0, "FP": 6.5, "TN": 7.5,
                         "FN_list": [0.0, 7.0, 18.0]},
        "per sample": {"P": 0.5625, "R": 0.5625, "P_class2": 0.5454545454545454, "P_top2": 0.5333333333333333,
                       "R_top2_class1": 0.16666666666666666, "P_list": [0.4909090909090909, 0.5652173913043478],
                       "TP": 9.0, "FP": 7.0, "TN": 7.0, "FN_list": [0.0, 7.0, 16.0]}}
    binary = {None: (0.5, 0.5, 2.0, 2.0, 0.0, 2.0), "per position": (1 / 3, 1 / 6, 1.0, 2.0, 0.0, 5.0),
              "per sample": (0.5, 0.5, 2.5, 2.5, 0.0, 2.5)}  # P, R, TP, FP, TN, FN of the (2, 3, 1) outputs
    for key, w in SEQ_WEIGHTS.items():
        for name, expected in keras_values[key].items():
            assert make[name]()(SEQ_Y, SEQ_A, sample_weight=w) == pytest.approx(expected, rel=1e-12), (key, name)
        classes = (metrics.Precision, metrics.Recall, metrics.TruePositives, metrics.FalsePositives,
                   metrics.TrueNegatives, metrics.FalseNegatives)
        for cls, expected in zip(classes, binary[key]):
            assert cls()(SEQ_YB[..., None], SEQ_AB, sample_weight=w) == pytest.approx(expected, rel=1e-12), (key, cls)


def test_auc_pools_each_position_of_sequence_outputs_as_keras_and_refuses_them_with_multi_label():
    # refused before ("one row per sample"); Keras 3.15 (float64) on the sequences above, per-sample weights
    # as Keras's numbers for the weights repeated per position (Keras refuses (n,) weights here)
    keras_values = {  # ROC, PR, ROC with label_weights [1, 2, 0.5, 1], ROC of the binary (2, 3, 1) outputs
        None: (0.46071428571428574, 0.5190536619304903, 0.4250000000000001, 0.5),
        "per position": (0.43601190476190477, 0.5032739525931719, 0.42461908580593427, 1 / 6),
        "per sample": (0.45535714285714285, 0.49629837932592197, 0.3451910408432148, 0.5)}
    for key, (roc, pr, weighted, binary) in keras_values.items():
        w = SEQ_WEIGHTS[key]
        assert metrics.AUC()(SEQ_Y, SEQ_A, sample_weight=w) == pytest.approx(roc, rel=1e-12)
        assert metrics.AUC(curve="PR")(SEQ_Y, SEQ_A, sample_weight=w) == pytest.approx(pr, rel=1e-12)
        assert metrics.AUC(label_weights=[1, 2, 0.5, 1])(SEQ_Y, SEQ_A, sample_weight=w) == \
            pytest.approx(weighted, rel=1e-12)
        assert metrics.AUC()(SEQ_YB[..., None], SEQ_AB, sample_weight=w) == pytest.approx(binary, rel=1e-12)
    # Keras: "`y_pred` must have rank 2 when `multi_label=True`"
    with pytest.raises(ValueError, match=r"AUC with multi_label=True takes 2-D outputs .* \(2, 3, 4\)"):
        metrics.AUC(multi_label=True).update_state(SEQ_Y, SEQ_A)


@pytest.mark.parametrize("metric", [metrics.F1Score(), metrics.FBetaScore(beta=2.0), metrics.R2Score()],
                         ids=["F1Score", "FBetaScore", "R2Score"])
def test_per_class_metrics_refuse_sequence_outputs_by_name_as_keras(metric):
    # Keras 3.15: "FBetaScore expects 2D inputs with shape (batch_size, output_dim)" (R2Score alike), with
    # weights too; glassnet said "y_true and y_pred must have one row per sample", which they have
    for y, a in ((SEQ_Y, SEQ_A), (SEQ_YB[..., None], SEQ_AB)):
        with pytest.raises(ValueError, match=rf"{type(metric).__name__} takes 2-D outputs \(n_samples, n_outputs\)"):
            metric.update_state(y, a, sample_weight=SEQ_WEIGHTS["per position"])


# -- Keras's X-at-Y metrics: PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity

_AT_METRICS = [(metrics.PrecisionAtRecall, "recall"), (metrics.RecallAtPrecision, "precision"),
               (metrics.SensitivityAtSpecificity, "specificity"), (metrics.SpecificityAtSensitivity, "sensitivity")]


def test_x_at_y_metrics_by_hand():
    # 5 outputs, num_thresholds=3: thresholds 0, 0.5, 1 (an output counts above the thresholds it exceeds)
    y, p = [0, 1, 1, 0, 1], [0.0, 0.2, 0.7, 0.9, 1.0]
    # t=0: above 0.2, 0.7, 0.9, 1 -> tp 3 fp 1 tn 1 fn 0; t=0.5: 0.7, 0.9, 1 -> tp 2 fp 1 tn 1 fn 1; t=1: none
    # recall 1, 2/3, 0; precision 3/4, 2/3, 0; specificity 1/2, 1/2, 1
    expected = {
        (metrics.PrecisionAtRecall, 0.6): 3 / 4,  # recalls 1 and 2/3 qualify: best precision 3/4
        (metrics.PrecisionAtRecall, 0.9): 3 / 4,  # only t=0
        (metrics.RecallAtPrecision, 0.7): 1.0,  # only t=0 (3/4)
        (metrics.RecallAtPrecision, 0.8): 0.0,  # no threshold reaches precision 0.8: 0, as Keras
        (metrics.SensitivityAtSpecificity, 0.5): 1.0,  # every threshold: best recall 1
        (metrics.SensitivityAtSpecificity, 0.75): 0.0,  # only t=1, whose recall is 0
        (metrics.SpecificityAtSensitivity, 0.5): 0.5,  # t=0 and t=0.5
        (metrics.SpecificityAtSensitivity, 0.0): 1.0,  # every threshold, t=1 too
    }
    for (cls, value), result in expected.items():
        metric = cls(value, num_thresholds=3)
        metric.update_state(y, p)
        assert metric.result() == pytest.approx(result, abs=1e-15), (cls.__name__, value)
    # Keras's docstring examples (its numbers in the comments)
    m = metrics.PrecisionAtRecall(0.5)
    m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], sample_weight=[2, 2, 2, 1, 1])
    assert m.result() == pytest.approx(1 / 3)  # 0.33333333
    m = metrics.SensitivityAtSpecificity(0.5)
    m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8], sample_weight=[1, 1, 2, 2, 1])
    assert m.result() == pytest.approx(1 / 3)  # 0.333333
    m = metrics.RecallAtPrecision(0.8)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == 1.0


def test_x_at_y_metrics_one_threshold_is_half_and_unclipped():
    # Keras: num_thresholds=1 counts at 0.5 alone; outputs outside [0, 1] are not clipped then
    m = metrics.PrecisionAtRecall(0.5, num_thresholds=1)
    m.update_state([0, 1, 1, 0, 1], [0.0, 0.0, 0.5, 1.0, 1.0])  # above 0.5: one positive, one negative
    assert m.result() == 0.0  # recall 1/3 < 0.5: infeasible
    assert m._counts[:, 0].tolist() == [1.0, 1.0, 1.0, 2.0]  # Keras: tp [1.] fp [1.]
    m = metrics.SpecificityAtSensitivity(0.0, num_thresholds=2)  # thresholds 0 and 1, outputs clipped
    m.update_state([0, 1], [-3.0, 7.0])
    assert m.result() == 1.0  # at 0: tp 1 tn 1


@pytest.fixture
def keras_metrics(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras", reason="the comparison needs Keras")
    return keras


@pytest.mark.parametrize("cls, argument", _AT_METRICS)
@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_x_at_y_metrics_equal_keras(request, keras_metrics, cls, argument, precision):
    # Keras 3.15 counts these in floatx, float32 by default whatever the metric's dtype (its add_variable takes
    # no dtype): with floatx float64, JAX's x64 and keras_float64's promotion (some of its ops took float32) it
    # counts in float64 as glassnet does, and agrees to the bit; in float32, on the same (float32) outputs, its
    # float32 sums agree to ~1e-7
    import jax

    if precision == "float64":
        request.getfixturevalue("keras_float64")

    floatx = keras_metrics.config.floatx()
    keras_metrics.config.set_floatx(precision)
    try:
        _compare_x_at_y_with_keras(keras_metrics, jax, cls, argument, precision)
    finally:
        keras_metrics.config.set_floatx(floatx)


def _compare_x_at_y_with_keras(keras_metrics, jax, cls, argument, precision):

    rng = np.random.default_rng(5)
    batches = []
    for n in (40, 25, 33):
        y = (rng.random((n, 3)) < 0.4).astype(np.float32)
        p = np.clip(rng.random((n, 3)) * 0.8 + 0.2 * y + rng.normal(0, 0.1, (n, 3)), -0.1, 1.1).astype(np.float32)
        batches.append((y, p, rng.uniform(0.1, 3.0, n).astype(np.float32)))
    p_infeasible = (batches[0][0], 1 - batches[0][0])  # every positive below every negative
    worst = 0.0
    with jax.enable_x64(precision == "float64"):
        for value in (0.0, 0.3, 0.8, 1.0):
            for kwargs in ({}, {"num_thresholds": 17}, {"class_id": 1}, {"class_id": 2, "num_thresholds": 1},
                           {"num_thresholds": 2}):
                for weighted in (False, True):
                    ours = cls(value, **kwargs)
                    theirs = getattr(keras_metrics.metrics, cls.__name__)(value, dtype=precision, **kwargs)
                    for y, p, w in batches:
                        ours.update_state(y, p, sample_weight=w if weighted else None)
                        theirs.update_state(y, p, sample_weight=w if weighted else None)
                    worst = max(worst, abs(ours.result() - float(theirs.result())))
                    assert ours.result() == pytest.approx(float(theirs.result()), abs=2e-7), (value, kwargs, weighted)
            ours, theirs = cls(value), getattr(keras_metrics.metrics, cls.__name__)(value, dtype=precision)
            ours.update_state(*p_infeasible)
            theirs.update_state(*p_infeasible)
            assert ours.result() == pytest.approx(float(theirs.result()), abs=2e-7)
        config = cls(0.25, num_thresholds=9, class_id=1, name="m").get_config()
        assert config == {k: v for k, v in type(theirs)(0.25, num_thresholds=9, class_id=1, name="m").get_config()
                          .items() if k != "dtype"}
    assert worst <= (0.0 if precision == "float64" else 2e-7), worst
    assert config[argument] == 0.25


@pytest.mark.parametrize("cls, argument", _AT_METRICS)
def test_x_at_y_metrics_configs_arguments_and_get(cls, argument):
    metric = cls(0.7, 50, 1, "mine", "float32")  # Keras's positional order
    assert (getattr(metric, argument), metric.num_thresholds, metric.class_id, metric.name) == (0.7, 50, 1, "mine")
    again = cls.from_config(metric.get_config())
    assert again.get_config() == metric.get_config()
    assert type(metrics.deserialize(metrics.serialize(metric))) is cls
    with pytest.raises(ValueError, match=f"{argument} must be <= 1. Received: {argument}=1.5"):
        cls(1.5)
    with pytest.raises(ValueError, match=f"{argument} must be >= 0"):
        cls(-0.1)
    with pytest.raises(ValueError, match="num_thresholds must be between 1 and"):
        cls(0.5, num_thresholds=0)
    with pytest.raises(ValueError, match="class_id must be a non-negative int"):
        cls(0.5, class_id=-1)
    with pytest.raises(ValueError, match="class_id=3 but the model has 3 output unit"):
        cls(0.5, class_id=3).update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    # Keras's get fails on them too (its snake-case name, the class name, the class): they need their value
    for identifier in (metric.__class__.name, cls.__name__, cls.__name__.lower(), cls):
        with pytest.raises(TypeError, match=f"needs its {argument} argument.*metrics.{cls.__name__}\\({argument}="):
            metrics.get(identifier)


def test_x_at_y_metrics_compile_save_and_auto_mode(tmp_path):
    from glassnet.models.callbacks import EarlyStopping

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=60) > 0).astype(float)
    chosen = [metrics.PrecisionAtRecall(0.5), metrics.SpecificityAtSensitivity(0.8, num_thresholds=50),
              metrics.RecallAtPrecision(0.6, name="rp")]
    model = models.Sequential([layers.Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile("adam", "binary_crossentropy", metrics=chosen)
    # mode="auto": maximized, by their names and (a name of the user's) by Keras's _direction
    stops = [EarlyStopping(monitor=m, patience=2) for m in ("val_precision_at_recall", "specificity_at_sensitivity",
                                                             "val_rp")]
    history = model.fit(X, y, epochs=2, validation_split=0.25, verbose=0, callbacks=stops).history
    assert [s.mode for s in stops] == ["max", "max", "max"]
    assert {"precision_at_recall", "specificity_at_sensitivity", "rp", "val_rp"} <= set(history)
    ours = model.evaluate(X, y, return_dict=True, verbose=0)
    expected = metrics.PrecisionAtRecall(0.5)
    expected.update_state(y, model.predict(X, verbose=0))
    assert ours["precision_at_recall"] == pytest.approx(expected.result(), abs=1e-12)
    model.save(tmp_path / "model.gn")
    loaded = models.load_model(tmp_path / "model.gn")
    assert loaded.evaluate(X, y, return_dict=True, verbose=0) == ours
    assert loaded.metrics[1].get_config() == chosen[1].get_config()


@pytest.mark.parametrize("num_thresholds", [3, 17, 200, 1000])
def test_outputs_on_the_thresholds_count_as_keras_s_buckets(keras_float64, keras_metrics, num_thresholds):
    # Keras counts evenly spaced thresholds through buckets ceil(p·(n − 1)): an output equal to a threshold
    # (199 · 13/199 rounds above 13) counted above it there and not under p > t; glassnet counts the same way,
    # for the X-at-Y metrics and AUC (Keras 3.15 with floatx float64, JAX's x64 and keras_float64's
    # promotion: equal to the bit)
    import jax

    n = num_thresholds
    on = np.array([(i + 1) * 1.0 / (n - 1) for i in range(n - 2)])
    p = np.concatenate([on, np.nextafter(on, 2), np.nextafter(on, -1), [0.0, 1.0, 0.5]])
    y = (np.arange(p.size) % 3 == 0).astype(float)
    floatx = keras_metrics.config.floatx()
    keras_metrics.config.set_floatx("float64")
    try:
        with jax.enable_x64(True):
            for cls, _ in _AT_METRICS:
                for value in (0.2, 0.5, 0.9):
                    ours = cls(value, num_thresholds=n)
                    theirs = getattr(keras_metrics.metrics, cls.__name__)(value, num_thresholds=n)
                    ours.update_state(y, p)
                    theirs.update_state(y, p)
                    counts = np.stack([np.asarray(v) for v in (theirs.true_positives, theirs.false_positives,
                                                              theirs.true_negatives, theirs.false_negatives)])
                    np.testing.assert_array_equal(ours._counts, counts)
                    assert ours.result() == float(theirs.result())
            for curve in ("ROC", "PR"):
                ours, theirs = metrics.AUC(n, curve), keras_metrics.metrics.AUC(n, curve)
                ours.update_state(y, p)
                theirs.update_state(y, p)
                assert ours.result() == pytest.approx(float(theirs.result()), abs=1e-15)
    finally:
        keras_metrics.config.set_floatx(floatx)


_CONFUSION_CLASSES = ("Precision", "Recall", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives")


def test_precision_recall_and_counts_of_evenly_spaced_thresholds_count_through_keras_s_buckets_by_hand():
    # thresholds 0, 1/199, ..., 1 (200, evenly spaced): Keras counts an output p above the first ceil(199 p) of
    # them; 199 · (13/199) rounds to 13.000000000000002, so the output 13/199 counts above the threshold 13/199
    # itself (p > t is false there); 0.5 · 199 = 99.5 counts above thresholds 0 ... 99; 1.5 is clipped to 1
    # (above all but the last); -1 is clipped to 0 (above none)
    thresholds = [i / 199 for i in range(200)]
    on = 13 / 199
    assert on * 199 > 13 and not on > thresholds[13]
    y, p = np.array([1.0, 0.0, 1.0, 0.0, 1.0]), np.array([on, on, 0.5, 1.5, -1.0])
    expected_tp = np.array([2] * 14 + [1] * 86 + [0] * 100)  # 13/199 above 0..13, 0.5 above 0..99
    expected_fp = np.array([2] * 14 + [1] * 185 + [0])  # 13/199 above 0..13, 1.5 → 1 above 0..198
    tp = metrics.TruePositives(thresholds)(y, p)
    fp = metrics.FalsePositives(thresholds)(y, p)
    assert tp.tolist() == expected_tp.tolist() and fp.tolist() == expected_fp.tolist()
    assert metrics.TrueNegatives(thresholds)(y, p).tolist() == (2 - expected_fp).tolist()
    assert metrics.FalseNegatives(thresholds)(y, p).tolist() == (3 - expected_tp).tolist()
    precision, recall = metrics.Precision(thresholds)(y, p), metrics.Recall(thresholds)(y, p)
    assert precision[13] == 0.5 and precision[14] == 0.5 and precision[100] == 0.0
    assert recall[13] == 2 / 3 and recall[14] == 1 / 3
    # Precision with top_k=1 per row and class_id: the bucket of the kept output
    assert metrics.Precision(thresholds, class_id=0)(y[:, None], p[:, None])[13] == 0.5
    # thresholds evenly spaced to within Keras's 1e-7: 0.500000005 · 2 rounds up to 2, above 0.50000001 too
    assert metrics.TruePositives([0.0, 0.50000001, 1.0])([1.0], [0.500000005]).tolist() == [1.0, 1.0, 0.0]
    # thresholds not evenly spaced keep p > t: 13/199 is not above 13/199
    assert metrics.TruePositives([0.0, on, 0.9])(y, p).tolist() == [2.0, 1.0, 0.0]
    # per-element weights (n, k), one per output, by hand: the weight of each counted output
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    tp = metrics.TruePositives([0.0, 0.5, 1.0])(y[:4].reshape(2, 2), np.array([[0.3, 0.3], [0.7, 1.5]]), w)
    assert tp.tolist() == [1.0 + 3.0, 3.0, 0.0]  # 0.3 (weight 1) above 0; 0.7 (weight 3) above 0 and 0.5


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_precision_recall_and_counts_of_evenly_spaced_thresholds_equal_keras(request, keras_metrics, precision):
    # outputs on the thresholds, next to them and random, with and without weights per sample (n,) and per
    # element (n, k), top_k and class_id: Keras 3.15 in floatx (float64 with JAX's x64 and keras_float64's
    # promotion), the counts to the bit unweighted, the weighted ones and the rates to 1e-12 (float64: Keras
    # takes TN as the total less FP, summed in its own order; float32: Keras's float32 sums, 1e-5)
    import jax

    if precision == "float64":
        request.getfixturevalue("keras_float64")
    floatx = keras_metrics.config.floatx()
    keras_metrics.config.set_floatx(precision)
    dtype = np.dtype(precision)
    rng = np.random.default_rng(3)
    # (float32: Keras's TN is its float32 total of weights, ~200, less FP: ~1e-5 absolute)
    tol, atol = (1e-12, 1e-12) if precision == "float64" else (1e-5, 2e-4)
    try:
        with jax.enable_x64(precision == "float64"):
            for n_thresholds in (3, 11, 200):
                thresholds = [i / (n_thresholds - 1) for i in range(n_thresholds)]
                on = np.array(thresholds[1:-1], dtype=dtype)
                p = np.concatenate([on, np.nextafter(on, dtype.type(2)), np.nextafter(on, dtype.type(-1)),
                                    rng.random(60).astype(dtype), np.array([-0.5, 0.0, 1.0, 1.5], dtype)])
                p = p[: p.size // 4 * 4].reshape(-1, 4)
                y = (rng.random(p.shape) < 0.4).astype(dtype)
                for weights in (None, rng.uniform(0.1, 2, p.shape[0]).astype(dtype),
                                rng.uniform(0.1, 2, p.shape).astype(dtype)):
                    for name in _CONFUSION_CLASSES:
                        settings = [{}] if "Positives" in name or "Negatives" in name else \
                            [{}, {"top_k": 2}, {"class_id": 1}]
                        for kwargs in settings:
                            if "class_id" in kwargs and weights is not None and weights.ndim == 2:
                                continue  # Keras refuses (n, k) weights for one class's column: tested below
                            ours = getattr(metrics, name)(thresholds, **kwargs)
                            theirs = getattr(keras_metrics.metrics, name)(thresholds, dtype=precision, **kwargs)
                            for _ in range(2):
                                ours.update_state(y, p, sample_weight=weights)
                                theirs.update_state(y, p, sample_weight=weights)
                            got, want = np.asarray(ours.result()), np.asarray(theirs.result(), dtype=np.float64)
                            if weights is None and name not in ("Precision", "Recall"):
                                np.testing.assert_array_equal(got, want, err_msg=f"{name} {kwargs}")
                            else:
                                np.testing.assert_allclose(got, want, rtol=tol, atol=atol, err_msg=f"{name} {kwargs}")
    finally:
        keras_metrics.config.set_floatx(floatx)


def test_per_element_weights_of_the_confusion_metrics_and_auc_equal_keras(keras_float64):
    # sample_weight of y_true's shape (n, k), (n, 1), (n,), one number, and (n, m) for sequences (n, m, k):
    # Keras 3.15's confusion metrics broadcast them to the outputs; float64, to 1e-15
    keras, _ = keras_float64
    rng = np.random.default_rng(8)
    y, p = (rng.random((10, 3)) < 0.5).astype(float), rng.random((10, 3))
    ys, ps = (rng.random((5, 4, 3)) < 0.5).astype(float), rng.random((5, 4, 3))
    floatx = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        for name, kwargs in [(name, {}) for name in _CONFUSION_CLASSES] + [
                ("Precision", {"thresholds": [0.2, 0.7]}), ("Recall", {"top_k": 1}), ("AUC", {}),
                ("AUC", {"curve": "PR", "num_thresholds": 17}), ("AUC", {"multi_label": True}),
                ("AUC", {"label_weights": [1.0, 0.5, 2.0]}), ("PrecisionAtRecall", {"recall": 0.5}),
                ("SensitivityAtSpecificity", {"specificity": 0.4, "class_id": 2})]:
            cases = [(y, p, rng.random((10, 1))), (y, p, rng.random(10)), (y, p, 0.5), (ys, ps, rng.random((5, 4)))]
            if "class_id" not in kwargs:
                cases += [(y, p, rng.random((10, 3))), (ys, ps, rng.random((5, 4, 3)))]
            if kwargs.get("multi_label"):  # (n, k) outputs only, as Keras
                cases = [case for case in cases if np.ndim(case[0]) == 2]
            for yt, yp, w in cases:
                ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
                ours.update_state(yt, yp, sample_weight=w)
                theirs.update_state(yt, yp, sample_weight=w)
                np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), rtol=1e-14,
                                           atol=1e-15, err_msg=f"{name} {kwargs} {np.shape(w)}")
    finally:
        keras.config.set_floatx(floatx)


def test_confusion_metrics_refuse_weights_that_do_not_broadcast_to_the_outputs_by_name():
    y, p = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.array([[0.9, 0.2, 0.6], [0.3, 0.8, 0.1]])
    for metric in (metrics.Precision(), metrics.TruePositives(), metrics.AUC(), metrics.PrecisionAtRecall(0.5)):
        with pytest.raises(ValueError, match=r"sample_weight of shape \(2, 2\) does not broadcast to the outputs "
                                             r"of shape \(2, 3\)"):
            metric.update_state(y, p, sample_weight=np.ones((2, 2)))
        with pytest.raises(ValueError, match=r"sample_weight of shape \(2, 3, 1, 1\) does not broadcast"):
            metric.update_state(y, p, sample_weight=np.ones((2, 3, 1, 1)))
        # (still refused: these count samples by their weights, where Keras's running means take negative ones)
        with pytest.raises(ValueError, match=r"sample_weight must hold non-negative weights for the metric '\w+'"):
            metric.update_state(y, p, sample_weight=-np.ones((2, 3)))
    # class_id keeps one column, as Keras's: weights (n, k) do not fit it, (n,) and (n, 1) do
    with pytest.raises(ValueError, match=r"sample_weight of shape \(2, 3\) does not broadcast to the outputs of "
                                         r"class_id of shape \(2, 1\)"):
        metrics.Precision(class_id=1).update_state(y, p, sample_weight=np.ones((2, 3)))
    assert metrics.Precision(class_id=1)(y, p, sample_weight=np.array([[1.0], [2.0]])) == 1.0


def test_recall_of_one_is_reached_when_no_positive_is_missed():
    # every positive is above the threshold 0, so there are no false negatives and the recall is exactly 1;
    # fn was counted as total − tp, 8.9e-16 here, and PrecisionAtRecall(1.0) gave 0 (Keras 3.15: 1.0, the
    # precision at threshold 0, where the only predictions above it are the three positives)
    y_true = np.array([[0., 0., 0.], [1., 0., 0.], [0., 0., 0.], [0., 1., 1.]])
    y_pred = np.array([[0., 0., 0.], [0.8125, 0., 0.], [0., 0., 0.], [0., 1., 0.5]])
    w = np.array([0., 2., 0., 2.95154925])
    metric = metrics.PrecisionAtRecall(1.0)
    metric.update_state(y_true, y_pred, sample_weight=w)
    assert metric.result() == 1.0
    tp, fp, tn, fn = metric._counts
    assert fn[0] == 0.0 and tp[0] == pytest.approx(2 + 2 * 2.95154925)


def test_r2_score_when_the_first_sample_weighs_almost_nothing():
    # R² streams Σ w d, Σ w d² with d = y − K; K was the first targets (1 here), and with the first weight
    # 7e-15 Σ w d² − (Σ w d)²/Σ w cancelled to 8e-5 of its value: R² −8e-5 where scikit-learn and
    # Keras 3.15 give −1.4e-14
    from sklearn.metrics import r2_score

    y, w = np.array([[1.0], [0.0], [0.0]]), np.array([7.106e-15, 0.0, 0.5])
    expected = r2_score(y, np.zeros_like(y), sample_weight=w)
    metric = metrics.R2Score()
    metric.update_state(y, np.zeros_like(y), sample_weight=w)
    assert metric.result() == pytest.approx(expected, rel=1e-6, abs=1e-20)
    metric.reset_state()  # after a batch that weighs nothing (its targets 1 were K too)
    metric.update_state(np.ones((2, 1)), np.zeros((2, 1)), sample_weight=np.zeros(2))
    metric.update_state(y, np.zeros_like(y), sample_weight=w)
    assert metric.result() == pytest.approx(expected, rel=1e-6, abs=1e-20)


def test_metrics_defined_in_their_own_modules_keep_the_path_of_pickles_made_before():
    # metrics.py became a package (base, accuracy, regression, loss_means, reduction, correlation,
    # confusion, curves, f_score, iou, labels): a model pickled before holds its compiled metrics, and a
    # metric (a MeanMetricWrapper of Keras's function, a user's with add_variable state) names its class,
    # function or Variable by glassnet.metrics (protocol 0: "c<module>\n<name>"): that path must keep
    # giving the same object
    import pickle

    names = [*metrics.CLASSES, "Metric", "MeanMetricWrapper", "Variable", "accuracy_score", "confusion_matrix",
             *metrics.FUNCTIONS.values()]
    for name in names:
        assert pickle.loads(f"cglassnet.metrics\n{name}\n.".encode()) is getattr(metrics, name), name
    assert {cls.__module__ for cls in metrics.CLASSES.values()} != {"glassnet.metrics"}  # (moved, indeed)
    for name in ("METRICS", "CLASSES", "FUNCTIONS", "NEED_ARGUMENT", "MAX_THRESHOLDS", "MAX_IOU_CLASSES", "get", "serialize",
                 "deserialize"):
        assert hasattr(metrics, name), name


# -- metrics of the user's in fit and evaluate (found comparing with Keras 3.15) ------------------------------


def _linear_model(n_in=3, lr=0.0):
    model = models.Sequential([layers.Input((n_in,)), layers.Dense(1)], seed=0)
    model.set_weights([np.full((n_in, 1), 0.5), np.zeros(1)])
    model.compile(optimizer=optimizers.SGD(lr), loss="mse", metrics=["mae"])
    return model


class _KeptMAE(metrics.Metric):
    """Keeps every batch's arrays and computes at result(), as a metric over scikit-learn's functions does."""

    def __init__(self, name="kept_mae", **kwargs):
        super().__init__(name=name, **kwargs)
        self.p, self.t = [], []

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.p.append(y_pred)
        self.t.append(y_true)

    def result(self):
        return float(np.mean(np.abs(np.concatenate(self.p) - np.concatenate(self.t)))) if self.p else 0.0

    def reset_state(self):
        self.p, self.t = [], []


def test_a_metric_that_keeps_the_batches_gets_arrays_no_later_step_overwrites():
    # fit's outputs and shuffled targets are buffers reused by every step: the kept arrays all held the last
    # batch's (kept_mae 0.90 or 1.30 where the MAE is 1.17)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    model = _linear_model()
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse", metrics=["mae", _KeptMAE()])
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0).history
    true_mae = np.mean(np.abs(model.predict(x, verbose=0) - y))
    assert history["kept_mae"] == pytest.approx([true_mae] * 2, rel=1e-6)
    assert history["mae"] == pytest.approx([true_mae] * 2, rel=1e-6)


def test_a_metric_subclass_with_variables_named_total_and_count_keeps_them():
    # Keras's Mean is written so; the base reset_state replaced them by 0.0 and assign_add failed
    class MyMAE(metrics.Metric):
        def __init__(self, name="my_mae", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign_add(np.sum(np.abs(y_true - y_pred)))
            self.count.assign_add(float(y_true.shape[0]))

        def result(self):
            return self.total / self.count

    m = MyMAE()
    assert isinstance(m.total, metrics.Variable) and isinstance(m.count, metrics.Variable)
    m.update_state(np.zeros((4, 1)), np.ones((4, 1)))
    assert float(m.result()) == 1.0
    m.reset_state()
    assert isinstance(m.total, metrics.Variable) and float(m.total.numpy()) == 0.0
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    model = _linear_model()
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse", metrics=["mae", MyMAE()])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert float(logs["my_mae"]) == pytest.approx(logs["mae"], rel=1e-9)


class _BatchMeanMAE(metrics.Metric):
    """The mean over batches of each batch's MAE: its figure depends on the batches, as a Keras metric's may."""

    def __init__(self, name="bm_mae", **kwargs):
        super().__init__(name=name, **kwargs)
        self.tot = self.add_variable(shape=(), initializer="zeros", name="tot")
        self.cnt = self.add_variable(shape=(), initializer="zeros", name="cnt")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.tot.assign(self.tot + np.mean(np.abs(y_true - y_pred)))
        self.cnt.assign(self.cnt + 1.0)

    def result(self):
        return self.tot / self.cnt


def test_a_metric_subclass_is_evaluated_in_kerass_batches():
    # validation and evaluate read 1,024-row chunks ("the same figures, faster"): a metric that averages its
    # batches gave 0.78 where Keras 3.15 (fit's batch_size for validation, 32 for evaluate) gives 0.74
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(90, 3)), rng.normal(size=(90, 1))

    def batch_means(model, xs, ys, size):
        errors = np.abs(model.predict(xs, verbose=0) - ys)[:, 0]
        return np.mean([errors[i:i + size].mean() for i in range(0, len(errors), size)])

    model = _linear_model()
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse", metrics=[_BatchMeanMAE()])
    history = model.fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0, validation_split=0.5).history
    assert float(history["val_bm_mae"][0]) == pytest.approx(batch_means(model, x[45:], y[45:], 10), rel=1e-6)
    assert float(model.evaluate(x[:45], y[:45], verbose=0)[1]) == pytest.approx(
        batch_means(model, x[:45], y[:45], 32), rel=1e-6)


def test_a_metric_that_cannot_be_deep_copied_runs_in_validation_and_evaluate():
    import threading

    class Locked(metrics.Metric):
        def __init__(self, name="sae", **kwargs):
            super().__init__(name=name, **kwargs)
            self.acc = self.add_variable(shape=(), initializer="zeros", name="acc")
            self.lock = threading.Lock()

        def update_state(self, y_true, y_pred, sample_weight=None):
            with self.lock:
                self.acc.assign_add(np.sum(np.abs(y_true - y_pred)))

        def result(self):
            return self.acc * 1.0

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    model = _linear_model()
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse", metrics=[Locked()])
    history = model.fit(x, y, verbose=0, validation_split=0.2, shuffle=False).history  # "cannot pickle '_thread.lock'"
    errors = np.abs(model.predict(x, verbose=0) - y)
    assert float(history["val_sae"][0]) == pytest.approx(errors[16:].sum(), rel=1e-6)
    assert float(model.evaluate(x, y, verbose=0)[1]) == pytest.approx(errors.sum(), rel=1e-6)


def test_a_metric_given_only_in_weighted_metrics_is_the_one_that_counts():
    # it was copied at every compile and never updated (its result() stayed 0.0)
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(40, 3)), (rng.random((40, 1)) > 0.5).astype("float64")
    w = rng.random(40)
    model = models.Sequential([layers.Input((3,)), layers.Dense(1, activation="sigmoid")], seed=0)
    weighted = metrics.BinaryAccuracy(name="wacc")
    model.compile(optimizer=optimizers.SGD(0.0), loss="binary_crossentropy", weighted_metrics=[weighted])
    history = model.fit(x, y, sample_weight=w, batch_size=8, epochs=1, verbose=0).history
    hits = ((model.predict(x, verbose=0) > 0.5) == y)[:, 0]
    assert history["wacc"][0] == pytest.approx(np.dot(hits, w) / w.sum())
    assert float(weighted.result()) == pytest.approx(history["wacc"][0])


def test_functions_are_logged_under_kerass_names_for_them():
    def myMetric(y_true, y_pred):  # noqa: N802 -- a camelCase name, as Keras snake-cases it
        return np.abs(y_true - y_pred)[:, 0]

    model = _linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=[myMetric, lambda t, p: np.abs(t - p)[:, 0],
                                                        lambda t, p: np.abs(t - p)[:, 0]])
    history = model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0).history
    assert sorted(history) == ["lambda", "lambda_1", "loss", "my_metric"]  # (was <lambda>, <lambda>_1, myMetric)


def test_axis_metrics_take_any_axis_of_the_outputs_as_keras():
    # Keras's CosineSimilarity(axis=1) (its docstring's) and axis=0 (over the samples) were refused; axis=0 is
    # Keras's MeanMetricWrapper: the batch's (k,) values each count, Σ over batches / the number of values
    rng = np.random.default_rng(5)
    Y, A = rng.random((6, 3)), rng.random((6, 3))

    def cos(y, a, axis):
        return (y * a).sum(axis) / np.linalg.norm(y, axis=axis) / np.linalg.norm(a, axis=axis)

    for axis in (1, -1):
        m = metrics.CosineSimilarity(axis=axis)
        m.update_state(Y[:4], A[:4])
        m.update_state(Y[4:], A[4:])
        assert m.result() == pytest.approx(cos(Y, A, 1).mean(), rel=1e-12)
    for axis in (0, -2):
        m = metrics.CosineSimilarity(axis=axis)
        m.update_state(Y[:4], A[:4])
        m.update_state(Y[4:], A[4:])
        assert m.result() == pytest.approx(np.concatenate([cos(Y[:4], A[:4], 0), cos(Y[4:], A[4:], 0)]).mean(),
                                           rel=1e-12)
        assert m.result() == pytest.approx(0.7402582052572528, rel=1e-9)  # Keras 3.15's (jax, float64)
        assert metrics.CosineSimilarity(axis=axis)(Y, A, sample_weight=[1.0, 0.0, 3.0]) == pytest.approx(
            (cos(Y, A, 0) * [1, 0, 3]).sum() / 4, rel=1e-12)
    # sequences (n, m, k), axis=1: values (n, k), each sample their mean (Keras's Mean)
    Y3, A3 = rng.random((2, 3, 4)), rng.random((2, 3, 4))
    assert metrics.CosineSimilarity(axis=1)(Y3, A3) == pytest.approx(cos(Y3, A3, 1).mean(), rel=1e-12)
    onehot = np.eye(3)[[0, 2, 1, 1, 0, 2]]
    P = A / A.sum(1, keepdims=True)
    m = metrics.CategoricalCrossentropy(axis=0)
    m.update_state(onehot.T, P.T)  # the classes along axis 0: the cross-entropy of the transposed rows
    assert m.result() == pytest.approx(metrics.CategoricalCrossentropy()(onehot, P), rel=1e-12)
    assert m.get_config()["axis"] == 0 and metrics.CosineSimilarity(axis=0).get_config()["axis"] == 0
    with pytest.raises(ValueError, match=r"axis=2 is out of range for outputs of shape \(6, 3\)"):
        metrics.CosineSimilarity(axis=2)(Y, A)
    with pytest.raises(ValueError, match="axis must be -1 or 1 for y_pred of shape"):
        metrics.SparseCategoricalCrossentropy(axis=0)([0, 1], P[:2])
    assert metrics.SparseCategoricalCrossentropy(axis=1)([0, 1], P[:2]) == pytest.approx(
        metrics.SparseCategoricalCrossentropy()([0, 1], P[:2]), rel=1e-15)


def test_variables_show_the_state_as_keras_names_and_shapes_it():
    # Keras's metric.variables lists the state (Mean: total, count; AUC: true_positives...); glassnet's own
    # metrics listed none ([]), so code reading the counts (a custom loop's logging, a check of the state after
    # reset_state) found nothing
    def described(m):
        return [(v.name, v.shape) for v in m.variables]

    mean = metrics.Mean()
    mean.update_state([1.0, 2.0, 4.0])
    assert described(mean) == [("total", ()), ("count", ())]
    assert [float(v) for v in mean.variables] == [7.0, 3.0]
    accuracy = metrics.Accuracy()
    accuracy.update_state([1, 2, 3, 4], [1, 2, 0, 4])
    assert [float(v) for v in accuracy.variables] == [3.0, 4.0] and described(accuracy)[0][0] == "total"
    assert described(metrics.Sum()) == [("total", ())]
    y, p = np.array([[1], [0], [1], [1]]), np.array([[0.9], [0.6], [0.2], [0.7]])
    auc = metrics.AUC(num_thresholds=5)
    assert described(auc) == [(name, (5,)) for name in ("true_positives", "false_positives", "true_negatives",
                                                        "false_negatives")]
    auc.update_state(y, p)
    tp, fp, tn, fn = (v.numpy() for v in auc.variables)
    np.testing.assert_array_equal(tp, [3, 2, 2, 1, 0])  # positives above thresholds -1e-7, 0.25, 0.5, 0.75, 1+1e-7
    np.testing.assert_array_equal(fp + tn, [1, 1, 1, 1, 1])
    np.testing.assert_array_equal(fn, 3 - tp)
    precision = metrics.Precision()
    precision.update_state(y, p)
    assert described(precision) == [("true_positives", (1,)), ("false_positives", (1,))]
    assert [v.numpy().tolist() for v in precision.variables] == [[2.0], [1.0]]
    assert described(metrics.Recall(thresholds=[0.3, 0.6])) == [("true_positives", (2,)), ("false_negatives", (2,))]
    assert described(metrics.MeanIoU(3)) == [("total_confusion_matrix", (3, 3))]
    assert described(metrics.F1Score()) == []  # (Keras's too: made by the first batch, which shows the classes)
    # a snapshot: changing it changes nothing, and reset_state zeroes the metric's own
    with pytest.raises(ValueError, match="read-only"):
        mean.variables[0].assign(0.0)
    assert mean.result() == pytest.approx(7 / 3)
    mean.reset_state()
    assert [float(v) for v in mean.variables] == [0.0, 0.0]

    class Counted(metrics.Metric):  # its own update_state, no add_variable: no variables, as in Keras
        def update_state(self, y_true, y_pred, sample_weight=None):
            self.seen = len(y_true)

    assert Counted().variables == []


def test_get_metrics_result_gives_the_last_run_s_loss_and_metrics_as_keras(rng):
    # Keras 3's model.get_metrics_result(): {"loss": ..., "accuracy": ...} of the compiled metrics after fit,
    # evaluate or train_on_batch (glassnet's model had no such method: AttributeError)
    X = rng.normal(size=(20, 4))
    y = rng.integers(0, 3, 20)
    model = models.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    assert model.get_metrics_result() == {}  # not compiled, as Keras's
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    not_built = r"Cannot get result\(\) since the metric has not yet been built"  # Keras 3.15's, before any run
    with pytest.raises(ValueError, match=not_built):
        model.get_metrics_result()
    model.predict(X, verbose=0)
    with pytest.raises(ValueError, match=not_built):  # (predict counts in no metric: Keras's too)
        model.get_metrics_result()
    result = model.evaluate(X, y, return_dict=True)
    got = model.get_metrics_result()
    assert list(got) == ["loss", "accuracy"]  # Keras's order: the loss, then the compiled metrics
    assert got == result
    history = model.fit(X, y, epochs=2, batch_size=5, validation_split=0.5, verbose=0)
    # after fit, the last validation's figures: Keras's evaluation counts in the compiled metrics
    assert model.get_metrics_result() == {"loss": history.history["val_loss"][-1],
                                          "accuracy": history.history["val_accuracy"][-1]}
    history = model.fit(X, y, epochs=1, batch_size=5, verbose=0)
    assert model.get_metrics_result() == {"loss": history.history["loss"][-1],
                                          "accuracy": history.history["accuracy"][-1]}
    logs = model.train_on_batch(X[:8], y[:8], return_dict=True)
    assert model.get_metrics_result() == logs
    logs = model.test_on_batch(X, y, return_dict=True)
    assert model.get_metrics_result() == logs
    model.reset_metrics()
    assert model.get_metrics_result() == {"loss": 0.0, "accuracy": 0.0}  # Keras's after reset_metrics()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])  # other metrics, not built yet: Keras's error
    with pytest.raises(ValueError, match=not_built):
        model.get_metrics_result()
    model.compile(optimizer="sgd", loss="mse")  # no metrics: the loss's fresh 0.0, as Keras's
    assert model.get_metrics_result() == {"loss": 0.0}


def test_get_metrics_result_after_a_fit_stopped_in_its_first_epoch_gives_the_partial_figures(rng):
    # Keras 3.15 returns what the compiled metrics counted before the interruption (glassnet raised "not yet
    # built" once get_metrics_result raised before any run)
    class Stop(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                raise KeyboardInterrupt

    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=3, batch_size=5, shuffle=False, verbose=0, callbacks=[Stop()])
    got = model.get_metrics_result()
    assert list(got) == ["loss", "accuracy"] and got["accuracy"] == model.metrics[-1].result()


def test_mean_metrics_take_an_empty_batch_of_sequences():
    """An empty (0, m, k) batch was NumPy's raw "cannot reshape array of size 0 into shape (0,newaxis)";
    as Keras, it adds nothing to the mean."""
    for metric in (metrics.CosineSimilarity(), metrics.MeanSquaredError()):
        metric.update_state(np.zeros((0, 3, 4)), np.zeros((0, 3, 4)))
        assert float(metric.result()) == 0.0
        metric.update_state(np.ones((2, 3, 4)), np.full((2, 3, 4), 0.5))
        expected = 1.0 if isinstance(metric, metrics.CosineSimilarity) else 0.25
        assert float(metric.result()) == pytest.approx(expected)


def test_compute_metrics_updates_the_compiled_metrics_as_keras_3_15(rng):
    # the "Customizing fit()" guide's self.compute_metrics(x, y, y_pred, sample_weight), moved into one's own
    # loop, was a bare AttributeError; Keras 3.15 gives {'loss': 0.0, 'accuracy': 0.5} on these 10 rows
    X, y = rng.random((10, 4)), np.arange(10) % 3
    model = models.Sequential([layers.Input((4,)), layers.Dense(3)])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    outputs = model(X)
    expected = float(np.mean(outputs.argmax(axis=1) == y))
    assert model.compute_metrics(X, y, outputs) == {"loss": 0.0, "accuracy": expected}
    again = model.compute_metrics(X, y, outputs)  # accumulated, as Keras's: the same rows twice, the same share
    assert again["accuracy"] == expected and model.metrics[0].count == 20
    model.compile(loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    w = (y == 0).astype(float)
    got = model.compute_metrics(X, y, outputs, sample_weight=w)
    assert got["accuracy"] == float(np.mean((outputs.argmax(axis=1) == y)[y == 0]))
    with pytest.raises(ValueError, match=r"y_pred must hold the model's outputs, of shape \(n, 3\)"):
        model.compute_metrics(X, y, outputs[:, :2])
    with pytest.raises(TypeError, match="y_pred=None"):
        model.compute_metrics(X, y, None)
