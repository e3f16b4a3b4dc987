"""The TensorBoard callback: event files that TensorBoard's own reader reads back as the History."""

import sys

import numpy as np
import pytest

from glassnet.callbacks import TensorBoard
from glassnet.layers import BatchNormalization, Dense
from glassnet.metrics import F1Score
from glassnet.models import Sequential
from glassnet.models.callbacks import overrides

pytest.importorskip("tensorboard", reason="the TensorBoard callback needs the tensorboard package (glassnet[tensorboard])")
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402


def _read(folder):
    """{tag: [(step, value as an array)]} from every event file in ``folder``, with TensorBoard's loader."""
    found = {}
    for path in sorted(folder.iterdir()):
        for event in EventFileLoader(str(path)).Load():
            for value in event.summary.value:
                found.setdefault(value.tag, []).append((event.step, tensor_util.make_ndarray(value.tensor)))
    return found


def _data(n=120):
    X = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _model():
    m = Sequential([Dense(6, activation="relu", input_dim=4), BatchNormalization(), Dense(2, activation="softmax")],
                   seed=0)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def test_epoch_logs_are_written_under_keras_tags(tmp_path):
    X, y = _data()
    model = _model()
    history = model.fit(X, y, epochs=3, batch_size=32, validation_split=0.25, verbose=0,
                        callbacks=[TensorBoard(tmp_path / "logs", histogram_freq=2)])
    train, validation = _read(tmp_path / "logs" / "train"), _read(tmp_path / "logs" / "validation")
    for name in ("loss", "accuracy"):
        assert [step for step, _ in train[f"epoch_{name}"]] == [0, 1, 2]
        np.testing.assert_allclose([float(v) for _, v in train[f"epoch_{name}"]], history.history[name], rtol=1e-6)
        np.testing.assert_allclose([float(v) for _, v in validation[f"epoch_{name}"]], history.history[f"val_{name}"],
                                   rtol=1e-6)
        # after each validation, at the optimizer's step count (3 batches of 32 per epoch here)
        assert [step for step, _ in validation[f"evaluation_{name}_vs_iterations"]] == [3, 6, 9]
    np.testing.assert_allclose([float(v) for _, v in train["epoch_learning_rate"]], [1e-3] * 3)
    # histograms of every weight at epochs 0 and 2: (left edge, right edge, count) per bucket
    tags = sorted(tag for tag in train if tag.endswith("/histogram"))
    assert tags == sorted(f"{w.path}/histogram" for layer in model.layers for w in layer.weights)  # Keras's tags
    kernel = [(step, h) for step, h in train[f"sequential/{model.layers[0].name}/kernel/histogram"]]
    assert [step for step, _ in kernel] == [0, 2]
    counts = kernel[-1][1]
    assert counts[:, 2].sum() == 4 * 6
    np.testing.assert_allclose([counts[0, 0], counts[-1, 1]], [model.layers[0].params["W"].min(),
                                                               model.layers[0].params["W"].max()], rtol=1e-6)
    assert "batch_loss" not in train  # update_freq="epoch"
    assert not overrides(TensorBoard(tmp_path), "on_train_batch_end")  # so fit pays nothing per batch


def test_batch_logs_every_n_batches_and_per_class_metrics(tmp_path):
    X, y = _data()
    model = Sequential([Dense(2, activation="softmax", input_dim=4)], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=[F1Score(average=None)])
    seen = []
    from glassnet.callbacks import LambdaCallback

    model.fit(X, y, epochs=2, batch_size=16, verbose=0,  # 8 batches per epoch, 16 in all
              callbacks=[TensorBoard(tmp_path, update_freq=5, write_steps_per_second=True),
                         LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["loss"]))])
    train = _read(tmp_path / "train")
    assert [step for step, _ in train["batch_loss"]] == [5, 10, 15]
    np.testing.assert_allclose([float(v) for _, v in train["batch_loss"]], [seen[4], seen[9], seen[14]], rtol=1e-6)
    assert {"epoch_f1_score/0", "epoch_f1_score/1", "batch_f1_score/0"} <= set(train)
    # as Keras, whose batch summaries are all recorded every update_freq batches: the speed too, not 16 of them
    assert [step for step, _ in train["batch_steps_per_second"]] == [5, 10, 15]
    assert len(train["epoch_steps_per_second"]) == 2
    assert all(float(v) > 0 for _, v in train["epoch_steps_per_second"])
    assert not (tmp_path / "validation").exists()


def test_speed_per_epoch_only_when_the_logs_are_per_epoch(tmp_path):
    # Keras records batch summaries only with update_freq != "epoch": the speed of every batch was written
    X, y = _data()
    model = Sequential([Dense(2, activation="softmax", input_dim=4)], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=2, batch_size=16, verbose=0, callbacks=[TensorBoard(tmp_path, write_steps_per_second=True)])
    train = _read(tmp_path / "train")
    assert [step for step, _ in train["epoch_steps_per_second"]] == [0, 1]
    assert not [tag for tag in train if tag.startswith("batch_")]


def test_arguments_are_checked_and_a_missing_package_is_named(tmp_path, monkeypatch):
    for bad, error in ((0, ValueError), ("foo", TypeError), (2.5, TypeError)):
        with pytest.raises(error, match=r"^update_freq must be 'epoch', 'batch' or a positive number of batches\. "
                                        rf"Received: update_freq={bad!r}$"):
            TensorBoard(tmp_path, update_freq=bad)
    with pytest.raises(ValueError, match="histogram_freq"):
        TensorBoard(tmp_path, histogram_freq=-1)
    # the profiler only observes: Géron's TensorBoard(run_logdir, profile_batch=(100, 200)) runs, warned
    for profile in (5, (100, 200), np.array([1, 5])):  # (an array: "The truth value ... is ambiguous" before)
        with pytest.warns(UserWarning, match=r"^profile_batch=.* is ignored: TensorBoard's profiler"):
            TensorBoard(tmp_path, profile_batch=profile)
    with pytest.raises(ValueError, match="embeddings are not provided"):
        TensorBoard(tmp_path, embeddings_freq=np.array([0, 1]))
    with pytest.raises(ValueError, match="plot_weights"):
        TensorBoard(tmp_path, write_images=True)
    with pytest.raises(ValueError, match="log_dir"):
        TensorBoard("")
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match=r'pip install "glassnet\[tensorboard\]"'):
        TensorBoard(tmp_path)


def test_an_interrupted_fit_closes_its_event_files(tmp_path):
    X, y = _data()
    model = _model()
    board = TensorBoard(tmp_path)

    from glassnet.callbacks import LambdaCallback

    def stop(epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=3, verbose=0, callbacks=[board, LambdaCallback(on_epoch_end=stop)])
    assert board._writers == {}
    assert [step for step, _ in _read(tmp_path / "train")["epoch_loss"]] == [0, 1]


def test_a_log_dir_that_cannot_be_written_fails_before_the_first_epoch(tmp_path):
    # it failed in os.makedirs after the first epoch had trained
    X, y = _data()
    (tmp_path / "a_file").write_text("data")
    for log_dir, error in ((tmp_path / "a_file", NotADirectoryError), (tmp_path / "a_file" / "sub", NotADirectoryError)):
        model = _model()
        with pytest.raises(error, match="log_dir: cannot create the folder .* for TensorBoard's logs"):
            model.fit(X, y, epochs=2, verbose=0, callbacks=[TensorBoard(log_dir)])
        assert model.optimizer.iterations == 0
    assert (tmp_path / "a_file").read_text() == "data"


def test_evaluate_alone_writes_its_evaluation_and_closes_the_file(tmp_path):
    # each evaluate(callbacks=[TensorBoard(...)]) left its event writer's thread running and its file open
    import threading

    X, y = _data()
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    threads = threading.active_count()
    for _ in range(3):
        expected = model.evaluate(X, y, verbose=0, return_dict=True)
        model.evaluate(X, y, verbose=0, callbacks=[TensorBoard(tmp_path)])
    assert threading.active_count() == threads
    logs = _read(tmp_path / "validation")
    steps = model.optimizer.iterations
    assert [step for step, _ in logs["evaluation_loss_vs_iterations"]] == [steps] * 3
    assert float(logs["evaluation_loss_vs_iterations"][-1][1]) == pytest.approx(expected["loss"], rel=1e-6)
    assert float(logs["evaluation_accuracy_vs_iterations"][-1][1]) == pytest.approx(expected["accuracy"], rel=1e-6)
