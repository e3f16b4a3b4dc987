import csv
import io
import math
import re
import sys
import warnings
from contextlib import redirect_stdout

import numpy as np
import pytest

from glassnet.callbacks import (
    Callback, CSVLogger, EarlyStopping, LambdaCallback, LearningRateScheduler, ModelCheckpoint, ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from glassnet import callbacks, initializers, losses
from glassnet.layers import Dense
from glassnet.models import Sequential, load_model
from glassnet.models.callbacks import format_step_time, overrides
from glassnet.models import DivergenceWarning
from glassnet.optimizers import SGD


def _regression(rng, n=80):
    X = rng.normal(size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)
    return X, y


def _model(lr=0.05):
    m = Sequential([Dense(8, activation="tanh", input_dim=3), Dense(1)], dtype="float64")
    m.compile(loss="mse", optimizer=SGD(lr))
    return m


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.weights, self.val_losses = [], []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())
        self.val_losses.append(logs["val_loss"])


def test_early_stopping_restores_the_best_weights(rng):
    X, y = _regression(rng)
    # Noisy validation labels make the validation loss turn up after a while.
    Xv, yv = X[:20], rng.normal(size=20) * 3
    model = _model(0.1)
    rec = Recorder()
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    hist = model.fit(X, y, epochs=200, batch_size=8, validation_data=(Xv, yv), callbacks=[rec, stop], verbose=0)
    n = len(hist.history["loss"])
    assert n < 200 and model.stop_training
    best = int(np.argmin(rec.val_losses))
    assert n - 1 - best == 2  # stopped after `patience` epochs without improvement
    for a, b in zip(model.get_weights(), rec.weights[best]):
        np.testing.assert_array_equal(a, b)
    assert "EarlyStopping" in hist.stopped_reason


def test_early_stopping_needs_the_monitored_value(rng):
    X, y = _regression(rng)
    with pytest.raises(ValueError, match="EarlyStopping monitors 'val_loss'.*validation data"):
        _model().fit(X, y, epochs=2, callbacks=[EarlyStopping()], verbose=0)


def test_model_checkpoint_saves_best_only(tmp_path, rng):
    X, y = _regression(rng)
    model = _model()
    path = tmp_path / "best-{epoch:02d}.gn"
    model.fit(X, y, epochs=4, validation_split=0.25, callbacks=[ModelCheckpoint(path, save_best_only=True)], verbose=0)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files and all(f.startswith("best-") and f.endswith(".gn") for f in files)
    last = load_model(tmp_path / files[-1])
    assert last.evaluate(X[60:], y[60:]) == pytest.approx(min(model.history.history["val_loss"]), rel=1e-9)


def test_learning_rate_scheduler_sets_each_epoch(rng):
    X, y = _regression(rng)
    model = _model()
    seen = []

    class Spy(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(self.model.optimizer.learning_rate)

    sched = LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    hist = model.fit(X, y, epochs=3, callbacks=[sched, Spy()], verbose=0)
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert hist.history["learning_rate"] == pytest.approx(seen)


def test_csv_logger_writes_one_row_per_epoch(tmp_path, rng):
    X, y = _regression(rng)
    path = tmp_path / "log.csv"
    hist = _model().fit(X, y, epochs=3, validation_split=0.2, callbacks=[CSVLogger(path)], verbose=0)
    rows = list(csv.DictReader(open(path)))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(hist.history["val_loss"])


def test_csv_logger_keeps_an_earlier_log_until_the_new_run_has_a_row(tmp_path, rng):
    X, y = _regression(rng)
    path = tmp_path / "log.csv"
    _model().fit(X, y, epochs=2, callbacks=[CSVLogger(path)], verbose=0)
    before = path.read_text()

    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

    # another callback's mistake before training, or Ctrl-C within the first epoch: the old log stays
    with pytest.raises(ValueError, match="monitor"):
        _model().fit(X, y, epochs=2, callbacks=[CSVLogger(path), EarlyStopping(monitor="val_nope")], verbose=0)
    with pytest.raises(KeyboardInterrupt):
        _model().fit(X, y, epochs=2, callbacks=[CSVLogger(path), Stop()], verbose=0)
    assert path.read_text() == before
    _model().fit(X, y, epochs=1, callbacks=[CSVLogger(path)], verbose=0)  # replaced once a row comes
    assert [r["epoch"] for r in csv.DictReader(open(path))] == ["0"]
    _model().fit(X, y, epochs=1, callbacks=[CSVLogger(path, append=True)], verbose=0)
    assert [r["epoch"] for r in csv.DictReader(open(path))] == ["0", "0"]


def test_divergence_stops_within_one_batch_and_keeps_finite_weights(rng):
    X, y = _regression(rng)
    model = _model(lr=1e6)
    seen = []

    class Count(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

    with pytest.warns(DivergenceWarning, match=r"diverged.*Try a lower learning rate \(currently 1e\+06\)"):
        hist = model.fit(X, y, epochs=50, batch_size=8, callbacks=[Count()], verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    # every batch's loss is finite but the diverging one's, which callbacks see last (as Keras)
    assert all(math.isfinite(v) for v in seen[:-1]) and not math.isfinite(seen[-1])
    assert len(seen) < 50 * 10
    assert "diverged" in hist.stopped_reason
    # The model still predicts finite numbers.
    assert np.isfinite(model.predict(X)).all()


def test_an_overflowing_last_update_is_caught_at_the_end_of_the_epoch(rng):
    # One batch per epoch: its loss is finite, but the update overflows the
    # weights to inf. No later loss can show it, so fit's end-of-epoch check
    # must restore the weights of the epoch's start and warn.
    X, y = _regression(rng)
    model = _model(lr=1e308)
    model.build()
    start = [w.copy() for w in model.get_weights()]
    with pytest.warns(DivergenceWarning, match="restored to the start of this epoch"):
        hist = model.fit(X, y, epochs=3, batch_size=len(X), verbose=0)
    assert len(hist.history.get("loss", [])) == 0
    for w, w0 in zip(model.get_weights(), start):
        np.testing.assert_array_equal(w, w0)


def test_an_epoch_undone_by_a_divergence_has_no_epoch_end():
    # The divergence at epoch 2, batch 2 (of 4) restores the weights of epoch 2's start: the running loss of
    # its undone step (logged before: 809 in such a run, where the weights gave 7e9) is no epoch's, and
    # callbacks see no epoch end
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    model = Sequential([Dense(8, "relu", input_dim=3), Dense(1)], seed=0)
    model.compile(SGD(1.0), "mse")
    ends = []
    with pytest.warns(DivergenceWarning, match="diverged at epoch 2, batch 2"):
        hist = model.fit(X, y, epochs=6, batch_size=16, verbose=0,
                         callbacks=[LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append(epoch))])
    assert ends == [0] and hist.epoch == [0] and len(hist.history["loss"]) == 1
    # the History's last loss is that of the weights fit left: the end of epoch 1, as training ran (a batch
    # mean over moving weights), and evaluate on those weights is finite
    assert np.isfinite(hist.history["loss"]).all() and np.isfinite(model.evaluate(X, y, verbose=0))


def test_an_overflowing_update_is_caught_when_a_callback_stops_at_its_batch(rng):
    X, y = _regression(rng)
    model = _model(lr=1e308)
    model.build()
    start = [w.copy() for w in model.get_weights()]
    stop = LambdaCallback(on_train_batch_end=lambda batch, logs: setattr(model, "stop_training", True))
    with pytest.warns(DivergenceWarning, match="restored to the start of this epoch"):
        model.fit(X, y, epochs=3, batch_size=len(X), verbose=0, callbacks=[stop])
    for w, w0 in zip(model.get_weights(), start):
        np.testing.assert_array_equal(w, w0)


def test_terminate_on_nan_stops_training(rng):
    X, y = _regression(rng)

    class Poison(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                logs["loss"] = float("nan")

    model = _model()
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.fit(X, y, epochs=5, batch_size=8, callbacks=[Poison(), TerminateOnNaN()], verbose=0)
    assert model.stop_reason == "TerminateOnNaN"
    assert model.optimizer.iterations == 3


def test_terminate_on_nan_sees_a_real_divergence(rng):
    # fit stopped at the diverging batch before any callback saw its loss: raise_error never raised
    X, y = _regression(rng)
    for raise_error in (True, False):
        model = _model()
        model.compile(optimizer=SGD(1e20), loss="mse")
        buf = io.StringIO()
        with pytest.warns(DivergenceWarning) as record, redirect_stdout(buf):
            if raise_error:
                with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch"):
                    model.fit(X * 1e10, y * 1e10, epochs=3, batch_size=8, verbose=0,
                              callbacks=[TerminateOnNaN(raise_error=True)])
            else:
                model.fit(X * 1e10, y * 1e10, epochs=3, batch_size=8, verbose=0, callbacks=[TerminateOnNaN()])
        assert all(np.isfinite(w).all() for w in model.get_weights())  # restored before the callback ran
        if not raise_error:
            # one message for one divergence: fit's warning, not also the callback's "Batch 0: invalid
            # loss" (its batch counted from 0 beside the warning's "batch 1")
            assert buf.getvalue() == "" and len(record) == 1
            assert model.stop_reason.startswith("Training diverged")  # fit's reason, not the callback's name


def test_progress_bar_verbose_2_prints_one_line_per_epoch(rng):
    X, y = _regression(rng)
    buf = io.StringIO()
    model = _model()
    model.fit(X, y, epochs=2, verbose=0, callbacks=[ProgressBar(verbose=2, stream=buf)])
    lines = buf.getvalue().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert "loss:" in lines[1] and re.search(r" - \d+(s|ms|us)/step - ", lines[1])


def test_progress_line_writes_values_up_to_1e_3_in_keras_s_scientific_form(capsys):
    # Keras 3.15, the same model and data: "1/1 - 0s - 280ms/step - loss: 1.0000e-04 - learning_rate: 2.5000e-04";
    # with 4 decimals the loss read 0.0001 and the learning rate 0.0003
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(optimizer=SGD(0.00025), loss="mse")
    model.fit(np.zeros((4, 2)), np.full(4, 0.01), epochs=1, verbose=2,
              callbacks=[callbacks.ReduceLROnPlateau(monitor="loss")])
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("1/1 - ") and line.endswith(" - loss: 1.0000e-04 - learning_rate: 2.5000e-04")
    from glassnet.models.callbacks import format_value

    assert format_value(0.0015) == "0.0015" and format_value(-0.5) == "-0.5000"
    assert format_value(np.array([0.5, 1e-5])) == "[0.5000, 1.0000e-05]"


@pytest.mark.parametrize("verbose", [1, 2])
def test_fit_prints_epoch_lines_only_for_more_than_one_epoch_as_keras(capsys, verbose):
    # Keras 3.15 (standard output not a terminal), timings aside: epochs=1 prints only "4/4 - 0s - ... - loss: ...",
    # epochs=2 prints "Epoch 1/2", "4/4 - ...", "Epoch 2/2", "4/4 - ..." (with validation: "... - val_loss: ...")
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(optimizer="sgd", loss="mse")
    X, y = np.ones((64, 2)), np.ones(64)

    def shape(line):  # "3/3 - 0s - 1ms/step - loss: 0.5 - val_loss: 0.4" -> "3/3 - loss - val_loss"
        if line.startswith("Epoch"):
            return line
        steps, _, _, logs = line.split(" - ", 3)
        return " - ".join([steps, *re.findall(r"(\w+): ", logs)])

    printed = []
    for epochs, validation_split in ((1, 0.0), (1, 0.25), (2, 0.0), (2, 0.25)):
        model.fit(X, y, epochs=epochs, batch_size=16, verbose=verbose, validation_split=validation_split)
        printed.append([shape(line) for line in capsys.readouterr().out.splitlines()])
    assert printed == [["4/4 - loss"], ["3/3 - loss - val_loss"], ["Epoch 1/2", "4/4 - loss", "Epoch 2/2", "4/4 - loss"],
                       ["Epoch 1/2", "3/3 - loss - val_loss", "Epoch 2/2", "3/3 - loss - val_loss"]]


def test_progress_bar_verbose_1_shows_a_bar_with_loss(rng):
    pytest.importorskip("tqdm")
    X, y = _regression(rng)
    buf = io.StringIO()
    _model().fit(X, y, epochs=1, batch_size=8, verbose=0, callbacks=[ProgressBar(verbose=1, stream=buf)])
    text = buf.getvalue()
    assert "  0%|" in text and "0/10 [" in text  # the bar, drawn while the epoch runs
    # then erased, and the epoch's line; one epoch has no "Epoch 1/1" line, nor label, as Keras's
    assert text.endswith("\r10/10 - " + text.split("10/10 - ")[-1]) and "loss: " in text
    assert "Epoch 1/1" not in text



def test_callback_lines_are_not_written_onto_the_progress_bar(rng, tmp_path):
    # in a terminal the bar (verbose=1) is a line without its end while the epoch runs: ModelCheckpoint's
    # and ReduceLROnPlateau's lines at the epoch's end were written after the bar's text, and stayed on the
    # screen as "Epoch 1/2:   0%|          | 0/10 [00:00<?, ?step/s]Epoch 1: saving model to ..."
    pytest.importorskip("tqdm")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    X, y = _regression(rng)
    out = Terminal()
    with redirect_stdout(out):
        _model().fit(X, y, epochs=2, batch_size=8, verbose=1, callbacks=[
            ModelCheckpoint(tmp_path / "m-{epoch}.gn", verbose=1),
            ReduceLROnPlateau(monitor="loss", patience=0, min_delta=100, verbose=1)])
    shown = [line.split("\r")[-1] for line in out.getvalue().split("\n")]  # what stays on the screen
    for epoch in (1, 2):
        assert f"Epoch {epoch}: saving model to {tmp_path / f'm-{epoch}.gn'}" in shown
        assert f"Epoch {epoch}: finished saving model to {tmp_path / f'm-{epoch}.gn'}" in shown
    assert [line for line in shown if "ReduceLROnPlateau" in line] == [  # (epoch 1 set the best loss)
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.005000000000000001."]
    assert [line for line in shown if line.startswith("Epoch ") and "/" in line[:10]] == ["Epoch 1/2", "Epoch 2/2"]


def test_progbar_logger_is_keras_s_name_for_the_progress_bar(capsys):
    # keras 3.15 (jax, float64), the same model and data: nothing at verbose=0, and at verbose=2
    # 'Epoch 1/2\n2/2 - 1s - 364ms/step - loss: 1.3128\nEpoch 2/2\n2/2 - 0s - 375us/step - loss: 0.9577\n'
    for verbose in (0, 2):
        model = Sequential([Dense(1, input_dim=2)], dtype="float64")
        model.compile(loss="mse", optimizer=SGD(0.1))
        model.set_weights([np.array([[0.3], [0.1]]), np.zeros(1)])
        rng = np.random.default_rng(0)
        X = rng.normal(size=(8, 2))
        model.fit(X, X @ np.array([1.0, -2.0]) + 0.5, batch_size=4, epochs=2, shuffle=False, verbose=verbose,
                  callbacks=[callbacks.ProgbarLogger()])
        lines = capsys.readouterr().out.splitlines()
        if verbose == 0:
            assert lines == []
            continue
        assert [line if line.startswith("Epoch") else re.sub(r" - [\d.]+s - \d+(s|ms|us)/step", "", line) for line in lines] == [
            "Epoch 1/2", "2/2 - loss: 1.3128", "Epoch 2/2", "2/2 - loss: 0.9577"]

@pytest.mark.parametrize("seconds, shown", [(2.5, "2s/step"), (1.0, "1s/step"), (0.364, "364ms/step"),
                                            (0.001, "1ms/step"), (0.000375, "375us/step"), (0.0, "0s/step")])
def test_the_time_per_step_is_written_in_keras_s_units(seconds, shown):
    # Keras 3.15's progress lines: '2/2 - 1s - 364ms/step', '2/2 - 0s - 375us/step' (glassnet wrote 0ms/step)
    assert format_step_time(seconds) == shown


def test_the_bar_of_a_one_epoch_fit_has_no_epoch_label_as_keras(rng):
    # Keras prints no "Epoch 1/1" for one epoch, on its bar neither; glassnet's bar said "Epoch 1/1: 50%|..."
    pytest.importorskip("tqdm")
    X, y = _regression(rng)
    for epochs, label in ((1, False), (2, True)):
        buf = io.StringIO()
        _model().fit(X, y, epochs=epochs, batch_size=8, verbose=0, callbacks=[ProgressBar(verbose=1, stream=buf)])
        assert ("Epoch 1/" in buf.getvalue()) is label
        assert "step" in buf.getvalue()  # the bar ran


def test_progress_bar_verbose_1_ends_each_epoch_with_its_whole_line(rng):
    # the bar's postfix is cut at the terminal's width: on 80 columns val_loss was never seen
    pytest.importorskip("tqdm")
    X, y = _regression(rng)
    buf = io.StringIO()
    _model().fit(X, y, epochs=2, batch_size=8, validation_split=0.2, verbose=0,
                 callbacks=[ProgressBar(verbose=1, stream=buf)])
    lines = [line.split("\r")[-1] for line in buf.getvalue().split("\n")]  # what stays on the screen
    shown = [line for line in lines if line.strip()]
    assert shown[0] == "Epoch 1/2" and shown[2] == "Epoch 2/2"
    assert all(line.startswith("8/8 - ") and "loss: " in line and "val_loss: " in line for line in shown[1::2])
    assert len(shown) == 4


def test_progress_bar_verbose_1_writes_epoch_lines_into_a_redirected_stdout(rng, capsys):
    # python train.py > log: Keras prints each epoch's end there, not a bar redrawn 10 times a second
    pytest.importorskip("tqdm")
    X, y = _regression(rng)
    _model().fit(X, y, epochs=2, batch_size=8, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and out.count("Epoch ") == 2 and out.count("10/10 - ") == 2


def test_healthy_training_emits_no_warning(rng):
    X, y = _regression(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model().fit(X, y, epochs=3, verbose=0)


def test_reduce_lr_on_plateau_follows_keras_rules_step_by_step():
    # Worked by hand with Keras's rules (and checked against keras 3.15 once): patience 2, factor 0.5,
    # cooldown 1, min_lr 0.02, starting at 0.1.
    model = _model(lr=0.1)
    callback = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    callback.set_model(model)
    callback.on_train_begin()
    rates, logged = [], []
    for epoch, loss in enumerate([1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]):
        logs = {"val_loss": loss}
        callback.on_epoch_end(epoch, logs)
        rates.append(model.optimizer.learning_rate)
        logged.append(logs["learning_rate"])
    assert rates == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02])
    # the logs carry the rate the epoch trained with
    assert logged == pytest.approx([0.1] + rates[:-1])


def test_reduce_lr_on_plateau_stops_at_a_min_lr_reached_up_to_rounding_as_keras(capsys):
    # 1 · 0.1 · 0.1 is 0.010000000000000002 in float64: glassnet "reduced" it to min_lr=0.01 once more
    # (a third line, the cooldown restarted); Keras 3.15 compares its float32 rate with np.float32(min_lr)
    # and prints two lines, leaving wait=3, cooldown_counter=0 after 8 epochs of a constant loss
    model = _model(lr=1.0)
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.1, min_lr=0.01, patience=0, cooldown=2, verbose=1)
    plateau.set_model(model)
    plateau.on_train_begin()
    for epoch in range(8):
        plateau.on_epoch_end(epoch, {"loss": 1.0})
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.1.",
        "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.010000000000000002."]
    assert (plateau.wait, plateau.cooldown_counter) == (3, 0)


def test_reduce_lr_on_plateau_in_fit(rng):
    X, y = _regression(rng)
    model = _model(lr=0.05)
    # min_delta=10 makes no epoch an improvement after the first (from inf): the rate drops at the end of
    # epochs 3 and 5, after two epochs without improvement each; the history shows the rate each epoch used
    hist = model.fit(X, y, epochs=5, verbose=0, validation_split=0.25,
                     callbacks=[ReduceLROnPlateau(factor=0.1, patience=2, min_delta=10)])
    assert hist.history["learning_rate"] == pytest.approx([0.05, 0.05, 0.05, 0.005, 0.005])
    assert model.optimizer.learning_rate == pytest.approx(0.0005)


def test_reduce_lr_on_plateau_rejects_bad_settings(rng):
    from glassnet.optimizers import schedules

    with pytest.raises(ValueError, match="factor < 1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=0)
    with pytest.raises(TypeError, match="patience"):
        ReduceLROnPlateau(patience=1.5)
    X, y = _regression(rng)
    model = _model()
    with pytest.raises(ValueError, match="monitors 'val_loss'"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[ReduceLROnPlateau()])
    model.compile(loss="mse", optimizer=SGD(schedules.ExponentialDecay(0.1, 10, 0.5)))
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        model.fit(X, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[ReduceLROnPlateau()])


def test_model_checkpoint_creates_its_folder(tmp_path, rng):
    X, y = _regression(rng)
    model = _model()
    path = tmp_path / "runs" / "a" / "model-{epoch}.gn"
    model.fit(X, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(path)])
    assert sorted(p.name for p in (tmp_path / "runs" / "a").iterdir()) == ["model-1.gn", "model-2.gn"]
    assert load_model(tmp_path / "runs" / "a" / "model-2.gn").get_config() == model.get_config()


def test_a_keras_named_checkpoint_warns_about_its_format_once_a_fit(tmp_path, rng):
    # keras.io's examples name checkpoints "model_at_epoch_{epoch}.keras": the note that glassnet's format is
    # written came at every epoch's save (30 identical warnings in the imbalanced-classification example)
    X, y = _regression(rng)
    model = _model()
    checkpoint = ModelCheckpoint(tmp_path / "model_at_epoch_{epoch}.keras")
    for _ in range(2):  # and again in the next fit
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, y, epochs=3, verbose=0, callbacks=[checkpoint])
        assert [str(w.message) for w in caught if "own format" in str(w.message)] == [
            f"{str(tmp_path / 'model_at_epoch_1.keras')!r} is written in glassnet's own format (as every model.save), "
            "which glassnet's load_model and load_weights read and Keras cannot: model.export(path, format='keras') "
            "writes a .keras file Keras reads (with the optimizer's state)."]
        # at the user's fit line (it named checkpoints.py, where the callback saves)
        assert [w.filename for w in caught if "own format" in str(w.message)] == [__file__]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"model_at_epoch_{i}.keras" for i in (1, 2, 3)]


@pytest.mark.parametrize("where, match, at_once", [
    ("a_file/model.gn", "ModelCheckpoint cannot make the folder '.*a_file' of '.*model.gn' \\(File exists\\)", True),
    # a folder of fields is known, and made, only at the save
    ("a_file/{epoch}/model.gn", "ModelCheckpoint cannot make the folder '.*a_file/1' of '.*model.gn'", False),
    ("a_folder", "ModelCheckpoint's filepath='.*a_folder' is a folder: give a file name in it", True),
])
def test_a_checkpoint_path_that_cannot_be_written_is_refused_before_training(tmp_path, rng, where, match, at_once):
    # fit trained a whole epoch, then failed with a bare FileExistsError or "it is a folder"
    X, y = _regression(rng)
    (tmp_path / "a_file").write_text("mine")
    (tmp_path / "a_folder").mkdir()
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        model.fit(X, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(tmp_path / where)])
    unchanged = all(np.array_equal(w, b) for w, b in zip(model.get_weights(), before, strict=True))
    assert unchanged == at_once  # refused before the first step where the name is known
    assert (tmp_path / "a_file").read_text() == "mine"


@pytest.mark.parametrize("where", ["checkpoints_{epoch}/", "checkpoints/"])
def test_a_checkpoint_path_ending_in_a_separator_is_refused_before_any_folder_is_made(tmp_path, where):
    # a template failed after the first epoch's training, and its folder was made; without fields the
    # folder was made before the refusal
    with pytest.raises(ValueError, match="ends in a separator: it names a folder"):
        ModelCheckpoint(f"{tmp_path}/{where}")
    assert list(tmp_path.iterdir()) == []

class _Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("begin", logs))

    def on_batch_end(self, batch, logs=None):  # Keras's older name of on_train_batch_end
        self.events.append(("batch", batch))

    def on_train_end(self, logs=None):
        self.events.append(("end", logs))


def test_validation_monitors_without_validation_data_fail_at_the_first_epoch_end(rng):
    # nothing logs val_loss: Keras 3.15 warns at every epoch and the callback does nothing; glassnet says so at
    # the first epoch's end (it refused at train begin, which also refused a val_* value a callback logs)
    X, y = _regression(rng, n=40)
    for cb in (EarlyStopping(), ReduceLROnPlateau(), ModelCheckpoint("unused.gn", save_best_only=True)):
        model = _model()
        with pytest.raises(ValueError, match=f"{type(cb).__name__} monitors 'val_loss', but fit has no validation "
                                             "data.*monitor='loss'; a value that a callback logs must be logged by a "
                                             "callback listed before this one"):
            model.fit(X, y, epochs=2, batch_size=20, verbose=0, callbacks=[cb])
        assert model.optimizer.iterations == 2  # the first epoch's 2 steps, then the error
    # logged by a callback listed after: not there yet when this one reads the logs
    late = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("val_loss", 1.0))
    with pytest.raises(ValueError, match="listed before this one"):
        _model().fit(X, y, epochs=2, verbose=0, callbacks=[EarlyStopping(), late])
    # with validation data, or on a training quantity, they run
    _model().fit(X, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[EarlyStopping()])
    _model().fit(X, y, epochs=2, verbose=0, callbacks=[EarlyStopping(monitor="loss")])


def test_a_validation_value_that_a_callback_logs_is_monitored_as_keras(rng, tmp_path):
    # a hold-out score computed in a callback listed first (no validation data given to fit): glassnet refused
    # it at train begin; Keras 3.15 (jax) monitors it: the values and results below are Keras's
    X, y = _regression(rng, n=16)
    scores = [0.5, 0.6, 0.55, 0.5, 0.7, 0.8]
    hold_out = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("val_score", scores[epoch]))
    stop = EarlyStopping(monitor="val_score", mode="max", patience=1)
    history = _model().fit(X, y, epochs=6, batch_size=8, verbose=0, callbacks=[hold_out, stop])
    assert history.epoch == [0, 1, 2] and stop.stopped_epoch == 2
    model = _model(0.01)
    history = model.fit(X, y, epochs=6, batch_size=8, verbose=0, callbacks=[
        hold_out, ReduceLROnPlateau(monitor="val_score", mode="max", patience=1, factor=0.5)])
    assert history.history["learning_rate"] == pytest.approx([0.01, 0.01, 0.01, 0.005, 0.0025, 0.0025])
    checkpoint = ModelCheckpoint(tmp_path / "m-{epoch}.gn", monitor="val_score", mode="max", save_best_only=True)
    _model().fit(X, y, epochs=6, batch_size=8, verbose=0, callbacks=[hold_out, checkpoint])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-1.gn", "m-2.gn", "m-5.gn", "m-6.gn"]
    # mode="auto" cannot tell which way "score" improves: refused before training, as Keras refuses it
    model = _model()
    with pytest.raises(ValueError, match="'val_score', which is not among.*pass mode='min' or mode='max'"):
        model.fit(X, y, epochs=2, verbose=0, callbacks=[hold_out, EarlyStopping(monitor="val_score")])
    assert model.optimizer.iterations == 0


def test_checkpoint_filepath_with_an_unlogged_key_is_a_clear_error(tmp_path, rng):
    X, y = _regression(rng)
    cb = ModelCheckpoint(str(tmp_path / "m-{val_loss:.2f}.gn"))
    with pytest.raises(ValueError, match=r"names \{val_loss\}, which is not among the logged values: epoch, loss"):
        _model().fit(X, y, epochs=1, verbose=0, callbacks=[cb])


def test_schedule_of_the_epoch_alone_and_keras_hook_aliases(rng):
    X, y = _regression(rng, n=40)
    model = _model()
    recorder = _Recorder()
    history = model.fit(X, y, epochs=3, batch_size=20, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1)), recorder])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert recorder.events[0] == ("begin", {})
    assert [e for e in recorder.events if e[0] == "batch"] == [("batch", 0), ("batch", 1)] * 3
    kind, logs = recorder.events[-1]
    assert kind == "end" and logs == {k: v[-1] for k, v in history.history.items()}
    # a TypeError inside a two-argument schedule is the schedule's own, not hidden by a retry
    def broken(epoch, lr):
        raise TypeError("bug in my schedule")

    with pytest.raises(TypeError, match="bug in my schedule"):
        _model().fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(broken)])


@pytest.mark.parametrize("value", [1, True, np.int64(1), np.float16(0.1), float("nan"), "0.1"])
def test_a_schedule_must_return_a_float_as_keras(rng, value):
    # Keras 3: "The output of the `schedule` function should be a float" for 1, True, np.int64(1),
    # np.float16; glassnet took True as a rate of 1.0
    X, y = _regression(rng, n=20)
    with pytest.raises(ValueError, match="The schedule must return a finite float"):
        _model().fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: value)])


@pytest.mark.parametrize("value", [0.05, np.float32(0.05), np.float64(0.05)])
def test_a_schedule_may_return_a_python_or_numpy_float(rng, value):
    X, y = _regression(rng, n=20)
    history = _model().fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: value)])
    assert history.history["learning_rate"] == [pytest.approx(0.05)]


def test_validation_monitors_wait_for_the_validated_epochs(rng):
    X, y = _regression(rng)
    history = _model().fit(X, y, epochs=6, verbose=0, validation_split=0.25, validation_freq=3,
                           callbacks=[EarlyStopping(patience=5), ReduceLROnPlateau(patience=5)])
    assert len(history.history["loss"]) == 6 and len(history.history["val_loss"]) == 2


def test_validation_monitors_skip_the_epochs_not_validated_though_a_callback_logs_val_values(rng, tmp_path):
    # validation_freq=2 and a callback (listed first) that logs val_f1 at every epoch, as an F1 score on
    # hold-out data would, and sets val_loss where fit logged it: glassnet took any val_* key for a validated
    # epoch and raised "not among the logged values (loss, val_f1)" after epoch 1. Keras 3.15 (jax) warns on
    # epochs 1, 3 and 5 and judges 2, 4 and 6, as below; glassnet skips them silently (docs/api.md)
    X, y = _regression(rng, n=16)
    val_loss = {1: 1.0, 3: 2.0, 5: 0.5}

    def script(epoch, logs):
        logs["val_f1"] = 0.5
        if "val_loss" in logs:
            logs["val_loss"] = val_loss[epoch]

    f1 = LambdaCallback(on_epoch_end=script)
    fit = dict(epochs=6, batch_size=8, verbose=0, validation_data=(X, y), validation_freq=2)
    history = _model().fit(X, y, **fit, callbacks=[f1, EarlyStopping(patience=0)])
    assert history.epoch == [0, 1, 2, 3] and history.history["val_loss"] == [1.0, 2.0]
    history = _model(0.01).fit(X, y, **fit, callbacks=[f1, ReduceLROnPlateau(patience=0, factor=0.5)])
    assert history.history["learning_rate"] == pytest.approx([0.01] * 4 + [0.005] * 2)
    _model().fit(X, y, **fit, callbacks=[f1, ModelCheckpoint(tmp_path / "m-{epoch}.gn", save_best_only=True)])
    # Keras: m-1 to m-6 but m-4 (it saves the epochs it has no val_loss for, with a warning; docs/api.md)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-2.gn", "m-6.gn"]
    # CSVLogger: its val_loss column from the start, NA where not validated (Keras's header is
    # epoch,loss,val_f1 and it drops val_loss; glassnet's CSVLogger did too)
    _model().fit(X, y, **fit, callbacks=[f1, CSVLogger(tmp_path / "log.csv")])
    rows = list(csv.reader(open(tmp_path / "log.csv")))
    assert rows[0] == ["epoch", "loss", "val_f1", "val_loss"]
    assert [row[3] for row in rows[1:]] == ["NA", "1.0", "NA", "2.0", "NA", "0.5"]


def test_a_monitored_value_logged_by_a_later_callback_is_an_error_that_says_the_order(rng):
    # ReduceLROnPlateau logs learning_rate; an EarlyStopping listed before it reads the logs first. Keras 3.15
    # warns at every epoch ("not available") and never stops; glassnet raises (docs/api.md), and said only
    # "not among the logged values (loss, val_loss)", which was true but did not say why
    X, y = _regression(rng, n=16)
    with pytest.raises(ValueError, match=r"monitors 'learning_rate', which is not among the logged values "
                                         r"\(loss, val_loss\)\. A value that a callback logs must come from a "
                                         "callback listed before this one"):
        _model().fit(X, y, epochs=3, verbose=0, validation_data=(X, y),
                     callbacks=[EarlyStopping(monitor="learning_rate", mode="min"), ReduceLROnPlateau(patience=1)])
    # listed after it, as Keras 3.15 (jax) also stops: the rate does not improve at epoch 2
    history = _model().fit(X, y, epochs=3, verbose=0, validation_data=(X, y), callbacks=[
        ReduceLROnPlateau(patience=10), EarlyStopping(monitor="learning_rate", mode="min", patience=0)])
    assert history.epoch == [0, 1]


def test_auto_mode_on_a_value_a_callback_logs_says_to_pass_mode(rng):
    # a LambdaCallback listed first logs "score": glassnet said only "not among the logged values (loss)",
    # which it was; Keras 3.15 says it cannot tell the direction and to pass mode="max"
    X, y = _regression(rng)
    score = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("score", 1.0 / (epoch + 1)))
    with pytest.raises(ValueError, match="'score', which is not among.*pass mode='min' or mode='max'"):
        _model().fit(X, y, epochs=2, verbose=0, callbacks=[score, EarlyStopping(monitor="score")])
    history = _model().fit(X, y, epochs=3, verbose=0, callbacks=[score, EarlyStopping(monitor="score", mode="max")])
    assert history.epoch == [0, 1]


def test_a_misspelt_validation_monitor_is_still_an_error(rng):
    X, y = _regression(rng)
    with pytest.raises(ValueError, match="monitors 'val_los', which is not among the logged values"):
        _model().fit(X, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[EarlyStopping(monitor="val_los")])


def test_hooks_set_on_a_callback_object_and_lambda_callback_are_called(rng):
    X, y = _regression(rng, n=40)
    calls = {"batch": 0, "old": 0}
    plain = Callback()
    plain.on_train_batch_end = lambda batch, logs=None: calls.__setitem__("batch", calls["batch"] + 1)
    older = Callback()
    older.on_batch_end = lambda batch, logs=None: calls.__setitem__("old", calls["old"] + 1)
    seen = []
    lam = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)),
                         on_epoch_begin=lambda epoch, logs: seen.append(logs))
    model = _model()
    model.compile(loss="mse", optimizer=SGD(0.05), metrics=["mae"])
    model.fit(X, y, batch_size=10, epochs=2, verbose=0, callbacks=[plain, older, lam])
    assert calls == {"batch": 8, "old": 8}  # Keras: 8 and 8; glassnet called neither
    assert seen[0] == {} and sorted(seen[-1]) == ["loss", "mae"]  # begin hooks get {}, batch logs the metrics
    with pytest.raises(TypeError, match="on_epoch_end must be a function"):
        LambdaCallback(on_epoch_end=3)


def test_a_batch_hook_set_in_on_train_begin_is_called_as_keras(rng):
    # fit listed the callbacks with batch hooks before on_train_begin, so one set there was never called;
    # Keras 3.15 calls it: batches [0, 1, 0, 1]
    X, y = _regression(rng, n=16)
    calls = []

    class Lazy(Callback):
        def on_train_begin(self, logs=None):
            self.on_train_batch_end = lambda batch, logs=None: calls.append(batch)
            self.on_test_batch_end = lambda batch, logs=None: calls.append(("test", batch))

    _model().fit(X, y, epochs=2, batch_size=8, verbose=0, validation_data=(X[:4], y[:4]), validation_freq=2,
                 callbacks=[Lazy()])
    assert calls == [0, 1, 0, 1, ("test", 0)]


def test_csv_logger_keeps_validation_columns_when_the_first_epoch_is_not_validated(rng, tmp_path):
    X, y = _regression(rng)
    path = tmp_path / "log.csv"
    _model().fit(X, y, epochs=3, verbose=0, validation_split=0.25, validation_freq=2, callbacks=[CSVLogger(path)])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert rows[1][2] == "NA" and rows[2][2] != "NA" and rows[3][2] == "NA"


def test_auto_mode_refuses_a_quantity_whose_direction_it_cannot_tell(rng):
    X, y = _regression(rng)
    model = _model()
    model.compile(loss="mse", optimizer=SGD(0.05), metrics=[lambda a, b: np.ones(len(a))])
    # (a lambda is logged as "lambda", as Keras's compile names it)
    with pytest.raises(ValueError, match="cannot tell whether 'lambda' should be minimized or maximized"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[EarlyStopping(monitor="lambda")])
    history = model.fit(X, y, epochs=2, verbose=0, callbacks=[EarlyStopping(monitor="lambda", mode="max")])
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("kwargs, error", [
    ({"patience": "a"}, TypeError), ({"patience": 2.7}, TypeError), ({"min_delta": "x"}, TypeError),
    ({"monitor": None}, TypeError), ({"baseline": "x"}, TypeError), ({"start_from_epoch": -1}, ValueError),
])
def test_early_stopping_arguments_are_checked(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        EarlyStopping(**kwargs)


def test_after_a_divergence_the_model_gives_finite_losses(rng):
    # the weights the diverging batch met were finite (~1e19) but gave it an infinite loss
    X, y = _regression(rng)
    model = _model(lr=1e6)
    with pytest.warns(DivergenceWarning, match="restored to the start of this epoch"):
        model.fit(X, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(model.evaluate(X, y, verbose=0))


def _one_weight(lr, w0=1.0, momentum=0.0):
    # J = mean (w x − y)², no bias: with y = 0 one SGD step makes w ← w (1 − 2η x²)
    model = Sequential([Dense(1, use_bias=False, kernel_initializer=initializers.Constant(w0), input_dim=1)],
                       dtype="float64")
    model.compile(loss="mse", optimizer=SGD(lr, momentum=momentum))
    model.build()
    return model


def test_a_full_batch_divergence_restores_the_last_weights_whose_loss_was_finite():
    # Full batch, x = 1, y = 0, η = (1 + 1e50)/2: w_k = (1 − 2η)^k = (−1e50)^k, the loss of epoch k+1 is
    # w_k² = 1e100k. Epoch 5 meets w_4 = 1e200, loss 1e400 = inf. Its start weights were made by epoch
    # 4's update, whose loss nobody computed: restoring them (as fit did) left evaluate reading inf.
    X, y = np.ones((1, 1)), np.zeros((1, 1))
    model = _one_weight((1 + 1e50) / 2)
    with pytest.warns(DivergenceWarning, match=r"diverged at epoch 5, batch 1: .* restored to the start of epoch 4 "
                      r"\(those of this epoch's start, made by epoch 4's last update, already give this batch a "
                      r"non-finite loss\)"):
        hist = model.fit(X, y, epochs=20, batch_size=1, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], [1.0, 1e100, 1e200, 1e300], rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[0], [[-1e150]], rtol=1e-12)  # w_3
    assert model.evaluate(X, y, verbose=0) == pytest.approx(1e300, rel=1e-12)  # the History's last loss
    assert model.optimizer.iterations == 3  # the optimizer's state is that of these weights


def test_the_restored_epoch_start_keeps_its_optimizer_state():
    # with momentum the weights and the velocity restored are those a run of the epochs before had
    X, y = np.ones((1, 1)), np.zeros((1, 1))
    model = _one_weight(1e30, momentum=0.5)
    with pytest.warns(DivergenceWarning, match=r"restored to the start of epoch (\d+)") as record:
        hist = model.fit(X, y, epochs=50, batch_size=1, verbose=0)
    # (the last: a LossRiseWarning, a DivergenceWarning too, said the loss rose at epochs 2 and 3)
    kept = int(re.search(r"restored to the start of epoch (\d+)", str(record[-1].message)).group(1))
    assert kept == len(hist.history["loss"]) >= 3  # the History ends with the epoch restored
    reference = _one_weight(1e30, momentum=0.5)
    reference.fit(X, y, epochs=kept - 1, batch_size=1, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], reference.get_weights()[0])
    np.testing.assert_array_equal(model.optimizer.state["momentum"], reference.optimizer.state["momentum"])
    assert model.optimizer.iterations == reference.optimizer.iterations == kept - 1
    assert np.isfinite(model.evaluate(X, y, verbose=0))


def test_a_mid_epoch_divergence_checks_the_epoch_start_on_the_diverging_batch():
    # batch_size 1, x = 1 then x = c = 1e120 (y = 0), η = 5e-191: a step on x = 1 keeps w (1 − 2η = 1),
    # one on c makes w ← w (1 − 2ηc²) = −1e50 w. Epoch 2 starts at w = −1e50, whose loss on the first
    # batch is 1e100 but on the second (1e50 · 1e120)² = inf: that batch is the one that diverges, and
    # epoch 2's start gives it inf too, so epoch 1's start (w = 1) is restored.
    X, y = np.array([[1.0], [1e120]]), np.zeros((2, 1))
    model = _one_weight(5e-191)
    with pytest.warns(DivergenceWarning, match=r"diverged at epoch 2, batch 2: .* restored to the start of epoch 1 "):
        hist = model.fit(X, y, epochs=5, batch_size=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], [(1 + 1e240) / 2], rtol=1e-12)
    assert model.get_weights()[0] == 1.0 and model.optimizer.iterations == 0
    assert model.evaluate(X, y, batch_size=2, verbose=0) == pytest.approx((1 + 1e240) / 2, rel=1e-12)


def test_weights_that_fail_at_fits_first_batch_are_kept_and_the_warning_says_so():
    X, y = np.ones((1, 1)), np.zeros((1, 1))
    model = _one_weight(0.1, w0=1e200)  # loss (1e200)² = inf before any step
    with pytest.warns(DivergenceWarning, match=r"the weights are those fit began with \(this epoch's start\), though "
                      "they already give this batch a non-finite loss, so evaluate and predict will too"):
        model.fit(X, y, epochs=3, verbose=0)
    assert model.get_weights()[0] == 1e200 and model.optimizer.iterations == 0


def test_train_on_batch_says_when_the_weights_it_keeps_already_give_a_non_finite_loss():
    X, y = np.ones((1, 1)), np.zeros((1, 1))
    model = _one_weight(1e308)  # w ← 1 − 2e308 = −inf: the call's update is undone, w = 1 (loss 1) stays
    with pytest.warns(DivergenceWarning, match=r"left as they were\. Try") as record:
        model.train_on_batch(X, y)
    assert "already" not in str(record[0].message) and model.get_weights()[0] == 1.0
    model = _one_weight((1 + 1e200) / 2)  # w ← 1 − (1 + 1e200) = −1e200, finite, its loss 1e400 = inf
    assert model.train_on_batch(X, y) == 1.0
    with pytest.warns(DivergenceWarning, match="left as they were. They already give this batch a non-finite loss"):
        assert math.isnan(model.train_on_batch(X, y))
    assert model.get_weights()[0] == -1e200 and model.optimizer.iterations == 1


def test_a_divergence_restores_the_optimizer_state_too(rng):
    # the momentum of the diverging steps (huge) was kept with the restored weights: a fit at a
    # 1000x lower learning rate, as the warning advises, diverged again at once
    X, y = _regression(rng)
    model = Sequential([Dense(8, activation="relu", input_dim=3), Dense(1)], dtype="float64")
    model.compile(loss="mse", optimizer=SGD(1.0, momentum=0.9))
    model.build()
    start = model.get_weights()
    with pytest.warns(DivergenceWarning, match="restored to the start of this epoch"):
        model.fit(X, y, epochs=3, batch_size=8, verbose=0)
    for w, w0 in zip(model.get_weights(), start):
        np.testing.assert_array_equal(w, w0)
    # as at the start: no step taken, no momentum
    steps, momentum = model.optimizer.iterations, model.optimizer.state["momentum"].copy()
    model.optimizer.learning_rate = 1e-3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    assert not [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert len(hist.history["loss"]) == 2 and np.isfinite(hist.history["loss"]).all()
    assert steps == 0 and not momentum.any()


def test_a_divergence_restores_batch_normalizations_moving_statistics(rng):
    # the moving mean and variance are no trainable weights (they live outside the flat vector the
    # snapshot copied): the diverging batches' statistics (1e22, inf) stayed with the restored
    # weights, and evaluate read 2.84 where the epoch's start read 1.82
    from glassnet.layers import BatchNormalization

    X, y = _regression(rng, 256)
    model = Sequential([Dense(16, activation="relu", input_dim=3), BatchNormalization(), Dense(1)], dtype="float64")
    model.compile(loss="mse", optimizer=SGD(0.01))
    starts = []
    keep = LambdaCallback(on_epoch_begin=lambda epoch, logs: starts.append(
        ([w.copy() for w in model.get_weights()], model.evaluate(X, y, verbose=0))))
    raise_lr = LearningRateScheduler(lambda epoch, lr: 0.01 if epoch < 3 else 50.0)
    with pytest.warns(DivergenceWarning, match="diverged at epoch 4, batch .* restored to the start of this epoch"):
        hist = model.fit(X, y, epochs=10, batch_size=32, verbose=0, callbacks=[keep, raise_lr])
    assert len(hist.history["loss"]) == 3
    weights, loss = starts[3]
    for w, w0 in zip(model.get_weights(), weights, strict=True):  # moving mean and variance among them
        np.testing.assert_array_equal(w, w0)
    assert model.evaluate(X, y, verbose=0) == loss
    # train_on_batch keeps them too
    model.optimizer.learning_rate = 1e6
    with pytest.warns(DivergenceWarning, match="left as they were"):
        model.train_on_batch(X[:32], y[:32] * 1e300)  # loss inf: the forward pass moved the statistics
    for w, w0 in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(w, w0)


def test_a_divergence_with_batch_normalization_restores_weights_evaluate_finds_finite():
    # full-batch SGD(1): epoch 7's start and epoch 6's (finite loss 4e245 in training mode) both give evaluate
    # inf, batch normalization's moving variances (~1e40) far behind weights that grew by orders of magnitude.
    # fit restored epoch 6's start, checked only in training mode; now it goes back to fit's start.
    from glassnet.layers import BatchNormalization

    X, y = _regression(np.random.default_rng(0))
    model = Sequential([Dense(16, activation="relu", input_dim=3), BatchNormalization(), Dense(1)], dtype="float64",
                       seed=1)
    model.compile(loss="mse", optimizer=SGD(1.0))
    starts = []
    keep = LambdaCallback(on_epoch_begin=lambda epoch, logs: starts.append(
        ([w.copy() for w in model.get_weights()], model.evaluate(X, y, verbose=0))))
    with pytest.warns(DivergenceWarning, match=r"diverged at epoch 7, batch 1: .* restored to those fit began with, "
                      r"at the start of epoch 1: the starts of epochs 6 and 7 .* non-finite loss in inference mode"):
        model.fit(X, y, epochs=50, batch_size=80, verbose=0, callbacks=[keep])
    assert not np.isfinite(starts[5][1]) and not np.isfinite(starts[6][1])  # (the history's loss 4e245 is finite)
    weights, loss = starts[0]
    for w, w0 in zip(model.get_weights(), weights, strict=True):  # moving mean and variance among them
        np.testing.assert_array_equal(w, w0)
    assert model.evaluate(X, y, verbose=0) == loss and np.isfinite(loss)
    assert model.optimizer.iterations == 0


def _live_snapshots(monkeypatch):
    """The most copies of the weights fit's divergence guard held at once (training._snapshot's, while alive)."""
    import weakref

    from glassnet.models import training

    alive, most = [], [0]

    def counted(model):
        snapshot = original(model)
        alive.append(weakref.ref(snapshot[0]))
        most[0] = max(most[0], sum(ref() is not None for ref in alive))
        return snapshot

    original = training._snapshot
    monkeypatch.setattr(training, "_snapshot", counted)
    return most


def test_a_divergence_whose_fit_start_also_fails_in_inference_keeps_the_previous_epochs_start(monkeypatch):
    # The model of the test above with moving means of 1e200 (set_weights): training mode normalizes with the
    # batch's statistics, so fit runs as there and diverges at epoch 7, but in inference mode every start,
    # fit's own too, gives inf (moving means 0.99^k 1e200). fit keeps the previous epoch's start (epoch 6's,
    # whose training-mode loss was finite) and says that evaluate will not be finite.
    from glassnet.layers import BatchNormalization

    def bn_model():
        model = Sequential([Dense(16, activation="relu", input_dim=3), BatchNormalization(), Dense(1)],
                           dtype="float64", seed=1)
        model.compile(loss="mse", optimizer=SGD(1.0))
        model.build()
        weights = model.get_weights()
        weights[4] = np.full(16, 1e200)  # [kernel, bias, gamma, beta, moving_mean, moving_variance, kernel, bias]
        model.set_weights(weights)
        return model

    X, y = _regression(np.random.default_rng(0))
    model = bn_model()
    copies = _live_snapshots(monkeypatch)
    with pytest.warns(DivergenceWarning, match=r"diverged at epoch 7, batch 1: .* restored to the start of epoch 6 "
                      r"\(those of this epoch's start, made by epoch 6's last update, already give this batch a "
                      r"non-finite loss; in inference mode, as evaluate and predict compute it, that start's loss "
                      r"on this batch is not finite either, so theirs will not be\)\. Try") as record:
        hist = model.fit(X, y, epochs=50, batch_size=80, shuffle=False, verbose=0)
    assert "fit began with" not in str(record[0].message)
    assert copies[0] == 3  # this epoch's start, the previous one's and fit's
    assert len(hist.history["loss"]) == 6 and np.isfinite(hist.history["loss"]).all()
    reference = bn_model()  # a fit stopped at the start of epoch 6
    reference.fit(X, y, epochs=5, batch_size=80, shuffle=False, verbose=0)
    for w, w0 in zip(model.get_weights(), reference.get_weights(), strict=True):  # moving statistics among them
        np.testing.assert_array_equal(w, w0)
    assert model.optimizer.iterations == reference.optimizer.iterations == 5
    assert not np.isfinite(model.evaluate(X, y, verbose=0))


def test_a_later_divergence_without_moving_statistics_keeps_two_starts_and_the_previous_one(monkeypatch):
    # One weight w, J = mean (w x)², batches x = a = 1 and x = c = 1e10 (y = 0), SGD with η = (1 + 1e-5)/2: a step
    # on a multiplies w by p = −1e-5, one on c by q ≈ −1e20, an epoch by 1e15. Epochs 1 and 2 take a, then c:
    # from w = 1e131 and from 1e146 the losses are finite ((1e146)², (1e141 · 1e10)²); epoch 3 starts at 1e161 and
    # takes c first: inf. Epoch 2's start gives c (1e146 · 1e10)² = inf too, and fit's start (1e131), which would
    # not, is not kept (no layer has moving statistics: two starts, no third copy): epoch 2's start stays.
    from glassnet.utils import PyDataset

    class Ordered(PyDataset):
        orders = [(0, 1), (0, 1), (1, 0)]  # epochs 1 and 2 take a then c, epoch 3 c then a

        def __init__(self):
            super().__init__()
            self.epoch = 0

        def __len__(self):
            return 2

        def __getitem__(self, i):
            x = [1.0, 1e10][self.orders[min(self.epoch, 2)][i]]
            return np.array([[x]]), np.zeros((1, 1))

        def on_epoch_end(self):
            self.epoch += 1

    copies = _live_snapshots(monkeypatch)
    model = _one_weight((1 + 1e-5) / 2, w0=1e131)
    with pytest.warns(DivergenceWarning, match=r"diverged at epoch 3, batch 1: .* restored to the start of epoch 2 "
                      r"\(those of this epoch's start, made by epoch 2's last update, already give this batch a "
                      r"non-finite loss; in inference mode, as evaluate and predict compute it, that start's loss "
                      r"on this batch is not finite either, so theirs will not be\)\. Try"):
        hist = model.fit(Ordered(), epochs=10, shuffle=False, verbose=0)
    assert copies[0] == 2
    assert len(hist.history["loss"]) == 2
    reference = _one_weight((1 + 1e-5) / 2, w0=1e131)  # a fit stopped at the start of epoch 2
    reference.fit(Ordered(), epochs=1, shuffle=False, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], reference.get_weights()[0])
    np.testing.assert_allclose(model.get_weights()[0], [[1e131 * -1e-5 * -1e20]], rtol=1e-4)
    assert model.optimizer.iterations == reference.optimizer.iterations == 2
    assert not np.isfinite(model.evaluate(np.array([[1e10]]), np.zeros((1, 1)), verbose=0))


def test_test_and_predict_hooks_as_keras():
    # fit's validation, evaluate and predict call the test/predict hooks, in Keras's order
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=(50, 1))
    calls = []

    class Recorder(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch_end", epoch, sorted(logs)))

        def on_test_begin(self, logs=None):
            calls.append(("test_begin",))

        def on_test_batch_end(self, batch, logs=None):
            calls.append(("test_batch_end", batch, sorted(logs)))

        def on_test_end(self, logs=None):
            super().on_test_end(logs)  # the base class has every hook
            calls.append(("test_end", sorted(logs)))

        def on_predict_batch_end(self, batch, logs=None):
            calls.append(("predict_batch_end", batch, logs["outputs"].shape))

        def on_predict_end(self, logs=None):
            calls.append(("predict_end",))

    model = Sequential([Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(X, y, epochs=2, verbose=0, validation_split=0.2, validation_freq=[2], callbacks=Recorder())
    assert calls == [("epoch_end", 0, ["loss", "mae"]), ("test_begin",), ("test_batch_end", 0, ["loss", "mae"]),
                     ("test_end", ["loss", "mae"]), ("epoch_end", 1, ["loss", "mae", "val_loss", "val_mae"])]
    calls.clear()
    logs = model.evaluate(X, y, batch_size=20, verbose=0, return_dict=True, callbacks=[Recorder()])
    assert calls[0] == ("test_begin",) and [c[1] for c in calls[1:4]] == [0, 1, 2] and calls[-1] == ("test_end", ["loss", "mae"])
    calls.clear()
    model.predict(X, batch_size=20, callbacks=[Recorder()])
    assert calls == [("predict_batch_end", 0, (20, 1)), ("predict_batch_end", 1, (20, 1)),
                     ("predict_batch_end", 2, (10, 1)), ("predict_end",)]
    seen = []
    model.evaluate(X, y, verbose=0, callbacks=[callbacks.LambdaCallback(on_test_end=lambda logs: seen.append(logs))])
    assert seen[0]["loss"] == pytest.approx(logs["loss"])
    with pytest.raises(TypeError, match="no hook on_tset_end"):
        callbacks.LambdaCallback(on_tset_end=print)


def test_evaluate_and_predict_hooks_see_keras_32_row_batches_by_default(capsys):
    # batch_size=None read 1024-row chunks, so a callback's on_test_batch_end / on_predict_batch_end ran once
    # for 70 rows and verbose printed "1/1", where Keras (and fit's validation) reads 32-row batches: 0, 1, 2
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(70, 3)), rng.normal(size=(70, 1))
    model = Sequential([Dense(1, input_dim=3)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    W, b = model.get_weights()
    seen = []
    hook = callbacks.LambdaCallback(on_test_batch_end=lambda batch, logs: seen.append((batch, logs["loss"])),
                                    on_predict_batch_end=lambda batch, logs: seen.append(logs["outputs"].shape))
    loss = model.evaluate(X, y, verbose=2, callbacks=[hook])
    assert [batch for batch, _ in seen] == [0, 1, 2]
    assert seen[0][1] == pytest.approx(np.mean((X[:32] @ W + b - y[:32]) ** 2), rel=1e-12)  # the running loss
    assert loss == pytest.approx(np.mean((X @ W + b - y) ** 2), rel=1e-12)
    assert capsys.readouterr().out.startswith("3/3 - ")
    seen.clear()
    model.predict(X, callbacks=[hook])
    assert seen == [(32, 1), (32, 1), (6, 1)]


def test_evaluate_and_predict_give_their_callbacks_keras_params():
    # glassnet left params as they were ({} for a new callback, fit's for one used in fit: a progress callback
    # read params["steps"] of the fit); Keras 3.15 (jax) gives each call's own, as below. fit's validation
    # keeps fit's
    from glassnet.utils import PyDataset

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    model = Sequential([Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    seen = []

    class Params(Callback):
        def on_test_begin(self, logs=None):
            seen.append(dict(self.params))

        def on_predict_begin(self, logs=None):
            seen.append(dict(self.params))

    model.evaluate(X, y, batch_size=16, verbose=0, callbacks=[Params()])
    model.predict(X, batch_size=16, verbose=0, callbacks=[Params()])
    model.evaluate(X, y, verbose=2, callbacks=[Params()])  # (printed) batch_size=None: Keras's batches of 32
    model.predict(X[:24], batch_size=100, callbacks=[Params()])
    assert seen == [{"verbose": 0, "epochs": 1, "steps": 3}, {"verbose": 0, "epochs": 1, "steps": 3},
                    {"verbose": 2, "epochs": 1, "steps": 2}, {"verbose": 0, "epochs": 1, "steps": 1}]
    seen.clear()
    used = Params()
    model.fit(X[:24], y[:24], epochs=2, batch_size=8, verbose=0, validation_data=(X, y), callbacks=[used])
    model.predict(X[:24], batch_size=12, callbacks=[used])
    keep = ("epochs", "steps", "verbose")
    assert [{k: p[k] for k in keep} for p in seen] == [{"epochs": 2, "steps": 3, "verbose": 0}] * 2 + [
        {"epochs": 1, "steps": 2, "verbose": 0}]

    class Batches(PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return X[:10], y[:10]

    def batches():
        for _ in range(3):
            yield X[:10], y[:10]

    seen.clear()
    for data, steps in ((batches(), None), (Batches(), None), (Batches(), 2), (batches(), 2)):
        model.evaluate(data, steps=steps, verbose=0, callbacks=[Params()])
    assert [p["steps"] for p in seen] == [None, 4, 2, 2]


def test_an_interrupted_fit_closes_the_csv_file_and_returns_the_given_history(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    model = Sequential([Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    logger = callbacks.CSVLogger(tmp_path / "log.csv")

    class Interrupt(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, epochs=5, verbose=0, callbacks=[logger, Interrupt()])
    assert logger._file is None  # closed: the rows written so far are on disk
    assert (tmp_path / "log.csv").read_text().count("\n") == 3  # header + 2 epochs
    history = callbacks.History()
    assert model.fit(X, y, epochs=2, verbose=0, callbacks=[history]) is history and len(history.history["loss"]) == 2


def test_class_weight_keys_may_be_whole_floats():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), (rng.random(30) > 0.5).astype(float)
    histories = []
    for weights in ({0: 1.0, 1: 3.0}, dict(zip(np.unique(y), (1.0, 3.0)))):
        model = Sequential([Dense(1, "sigmoid", input_dim=2)], seed=0)
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        histories.append(model.fit(X, y, epochs=2, verbose=0, shuffle=False, class_weight=weights).history["loss"])
    assert histories[0] == histories[1]


def test_model_checkpoint_save_freq_in_batches_and_initial_value_threshold(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    model = Sequential([Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    # 4 batches of 10 per epoch, 2 epochs: every 3 batches, counted across the epochs -> batches 3, 6 (= epoch 2, batch 2)
    saver = ModelCheckpoint(tmp_path / "w-{epoch}-{batch}.weights.npz", save_freq=3, save_weights_only=True)
    model.fit(X, y, batch_size=10, epochs=2, verbose=0, shuffle=False, callbacks=[saver])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w-1-3.weights.npz", "w-2-2.weights.npz"]
    # a threshold the loss never beats: nothing is saved
    never = ModelCheckpoint(tmp_path / "best.gn", monitor="loss", save_best_only=True, initial_value_threshold=1e-9)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[never])
    assert not (tmp_path / "best.gn").exists()
    # the message says what save_freq takes, and what it got (the array: "The truth value ... is ambiguous")
    for bad, error in ((0, ValueError), ("batch", TypeError), (np.array([1, 2]), TypeError)):
        expected = re.escape(f"save_freq must be 'epoch' or a positive integer number of batches. "
                             f"Received: save_freq={bad!r}")
        with pytest.raises(error, match=f"^{expected}$"):
            ModelCheckpoint(tmp_path / "m.gn", save_freq=bad)
        with pytest.raises(error, match=f"^{expected}$"):
            callbacks.BackupAndRestore(tmp_path / "backup", save_freq=bad)


def _early_stopping_run(values, **kwargs):
    """Feed ``values`` to EarlyStopping epoch by epoch; (stopped_epoch, best)."""
    model = _model()
    model.stop_training = False
    callback = EarlyStopping(**kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {kwargs.get("monitor", "val_loss"): value})
        if model.stop_training:
            break
    return callback.stopped_epoch, callback.best


def test_early_stopping_min_delta_and_baseline_as_keras():
    # expected values from keras 3.15's EarlyStopping fed the same logs
    # max mode: an improvement must exceed the best by min_delta (0.55 does not beat 0.5 + 0.1)
    assert _early_stopping_run([0.5, 0.55, 0.7, 0.75], monitor="val_accuracy", mode="max", min_delta=0.1,
                               patience=1) == (1, 0.5)
    assert _early_stopping_run([0.5, 0.65, 0.7, 0.9, 0.95], monitor="val_accuracy", mode="max", min_delta=0.1,
                               patience=1) == (2, 0.65)
    assert _early_stopping_run([1.0, 0.9, 0.85, 0.84, 0.83], min_delta=0.05, patience=1) == (2, 0.9)
    # a baseline never beaten: improvements over the best do not reset the patience
    assert _early_stopping_run([0.5, 0.6, 0.6, 0.6, 0.6], monitor="val_accuracy", mode="max", baseline=0.9,
                               patience=2) == (2, 0.6)
    assert _early_stopping_run([0.5, 0.6, 0.6, 0.6, 0.6], monitor="val_accuracy", mode="max", patience=2) == (3, 0.6)
    assert _early_stopping_run([1.0, 0.9, 0.8, 0.7, 0.6, 0.6, 0.6], baseline=0.3, patience=2) == (5, 0.6)


def test_best_is_none_before_the_first_value_as_keras(tmp_path):
    # Keras 3.15: best is None after construction and after on_train_begin (ModelCheckpoint: its
    # initial_value_threshold), so any first value, an infinite one too, is the best so far
    model = _model()
    made = [EarlyStopping(baseline=0.5), ModelCheckpoint(tmp_path / "m.gn", save_best_only=True),
            ReduceLROnPlateau(mode="max", monitor="val_accuracy")]
    assert [c.best for c in made] == [None, None, None]
    for c in made:
        c.set_model(model)
        c.on_train_begin()
    assert [c.best for c in made] == [None, None, None]
    threshold = ModelCheckpoint(tmp_path / "m.gn", initial_value_threshold=0.5)
    threshold.set_model(model)
    threshold.on_train_begin()
    assert threshold.best == 0.5
    # an infinite first loss is the best so far, as Keras's: the second does not improve on it,
    # the third does, and patience 2 does not run out (it ran out at epoch 2 from a best of +inf)
    assert _early_stopping_run([math.inf, math.inf, 3.0, 4.0], patience=2) == (0, 3.0)
    model.stop_training = False
    plateau, rates = ReduceLROnPlateau(patience=1), []
    plateau.set_model(model)
    plateau.on_train_begin()
    for epoch, value in enumerate([math.inf, math.inf, 3.0]):
        plateau.on_epoch_end(epoch, {"val_loss": value})
        rates.append(float(model.optimizer.learning_rate))
    assert rates == pytest.approx([0.05, 0.005, 0.005])  # Keras 3.15 (from 0.01): 0.01, 0.001, 0.001


def _scripted_fit(values, callbacks, monitor="val_loss", epochs=None):
    """fit a fixed model for ``len(values)`` epochs, with ``logs[monitor]`` at each epoch's end set to the
    next value before ``callbacks`` see it (as a Keras callback listed first would): the history, what was
    printed and the first weight after each epoch."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    y = X @ np.array([1.0, -2.0]) + 0.5
    model = Sequential([Dense(1, input_dim=2)], dtype="float64")
    model.compile(loss="mse", optimizer=SGD(0.1))
    model.set_weights([np.array([[0.3], [0.1]]), np.zeros(1)])
    weights = []
    script = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(monitor, values[epoch]))
    snap = LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()[0][0, 0]))
    out = io.StringIO()
    with redirect_stdout(out):
        history = model.fit(X, y, batch_size=4, epochs=epochs or len(values), shuffle=False, verbose=0,
                            validation_data=(X[:4], y[:4]), callbacks=[script, *callbacks, snap])
    return history, out.getvalue(), weights, model


def test_early_stopping_says_it_stopped_then_restores_the_best_weights_as_keras():
    # keras 3.15 (jax, float64) on the same scripted val_loss: stops after epoch 6, restores epoch 4's weights,
    # and prints the stop before the restoring
    history, out, weights, model = _scripted_fit(
        [1.0, 0.9, 0.95, 0.85, 0.86, 0.87, 0.84, 0.9],
        [EarlyStopping(patience=2, restore_best_weights=True, verbose=1)])
    assert history.epoch == [0, 1, 2, 3, 4, 5]
    assert model.get_weights()[0][0, 0] == weights[3]
    assert out == "Epoch 6: early stopping\nRestoring model weights from the end of the best epoch: 4.\n"


def test_model_checkpoint_says_what_it_saves_and_why_as_keras(tmp_path):
    # keras 3.15's lines (jax, float64, the same scripted val_loss; its blank lines before each left out)
    _, out, _, _ = _scripted_fit([1.0, 0.9, 0.95, 0.85], [ModelCheckpoint(
        tmp_path / "c-{epoch:02d}.gn", save_best_only=True, initial_value_threshold=0.92, verbose=1)])
    assert out.replace(str(tmp_path) + "/", "") == (
        "Epoch 1: val_loss did not improve from 0.92000\n"
        "Epoch 2: val_loss improved from 0.92000 to 0.90000, saving model to c-02.gn\n"
        "Epoch 2: finished saving model to c-02.gn\n"
        "Epoch 3: val_loss did not improve from 0.90000\n"
        "Epoch 4: val_loss improved from 0.90000 to 0.85000, saving model to c-04.gn\n"
        "Epoch 4: finished saving model to c-04.gn\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c-02.gn", "c-04.gn"]
    _, out, _, _ = _scripted_fit([0.5, 0.4, 0.6], [ModelCheckpoint(
        tmp_path / "m.gn", monitor="val_acc", mode="max", save_best_only=True, verbose=1)], monitor="val_acc")
    assert out.replace(str(tmp_path) + "/", "") == (
        "Epoch 1: val_acc improved from None to 0.50000, saving model to m.gn\n"
        "Epoch 1: finished saving model to m.gn\n"
        "Epoch 2: val_acc did not improve from 0.50000\n"
        "Epoch 3: val_acc improved from 0.50000 to 0.60000, saving model to m.gn\n"
        "Epoch 3: finished saving model to m.gn\n")
    _, out, _, _ = _scripted_fit([1.0, 0.9], [ModelCheckpoint(tmp_path / "a-{epoch}.gn", verbose=1)])
    assert out.replace(str(tmp_path) + "/", "") == (
        "Epoch 1: saving model to a-1.gn\nEpoch 1: finished saving model to a-1.gn\n"
        "Epoch 2: saving model to a-2.gn\nEpoch 2: finished saving model to a-2.gn\n")


def test_terminate_on_nan_stops_at_a_logged_nan_as_keras():
    # keras 3.15: a NaN batch loss in the logs (set by a callback before it) stops training after that
    # batch; the epoch still ends (its logs reach on_epoch_end and the History) and the line is Keras's
    def nan_at_batch_1(batch, logs):
        if batch == 1:
            logs["loss"] = float("nan")

    history, out, weights, model = _scripted_fit([1.0, 0.9, 0.8], [LambdaCallback(on_train_batch_end=nan_at_batch_1),
                                                                   TerminateOnNaN()])
    assert history.epoch == [0] and model.get_weights()[0][0, 0] == weights[0]
    assert out == "Batch 1: Invalid loss, terminating training\n"


def test_monitoring_callbacks_differ_from_keras_on_purpose_where_there_is_nothing_to_judge(tmp_path):
    # docs/api.md, Differences from Keras; keras 3.15 (jax, float64) gave what the comments say
    nan = float("nan")
    history, _, _, _ = _scripted_fit([nan, 0.9, 0.8, 0.8, 0.8], [EarlyStopping(patience=1)])
    assert history.epoch == [0, 1, 2, 3]  # Keras: [0, 1] (nothing beats its first value, NaN)
    _scripted_fit([nan, 0.9, 0.8], [ModelCheckpoint(tmp_path / "n-{epoch}.gn", save_best_only=True)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n-2.gn", "n-3.gn"]  # Keras: n-1 only
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 2)), rng.normal(size=8)
    model = Sequential([Dense(1, input_dim=2)], dtype="float64")
    model.compile(loss="mse", optimizer=SGD(0.1))
    model.fit(X, y, epochs=4, verbose=0, validation_data=(X, y), validation_freq=2,
              callbacks=[ModelCheckpoint(tmp_path / "v-{epoch}.gn", save_best_only=True)])
    assert sorted(p.name for p in tmp_path.glob("v-*")) == ["v-2.gn", "v-4.gn"]  # Keras: v-1 to v-4
    model.fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: lr),
                                                    CSVLogger(tmp_path / "log.csv")])
    header = open(tmp_path / "log.csv").readline().strip()
    assert header == "epoch,learning_rate,loss"  # Keras: epoch,learning_rate,loss,val_learning_rate,val_loss
    per_class = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("f1", np.array([0.5, 0.25])))
    model.fit(X, y, epochs=1, verbose=0, callbacks=[per_class, CSVLogger(tmp_path / "log.csv")])
    assert open(tmp_path / "log.csv").read().splitlines()[1].startswith('0,"[0.5, 0.25]",')  # Keras: 0,"""[0.5, ...

def test_model_checkpoint_save_best_only_skips_an_equal_value(tmp_path):
    model = _model()
    model.build((3,))
    callback = ModelCheckpoint(tmp_path / "m-{epoch}.gn", monitor="val_loss", save_best_only=True)
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate([1.0, 1.0, 0.5, 0.5]):
        callback.on_epoch_end(epoch, {"val_loss": value})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-1.gn", "m-3.gn"]  # strictly better only, as Keras


def test_best_checkpoints_named_after_a_validation_value_skip_the_epochs_not_validated(rng, tmp_path):
    X, y = _regression(rng)
    checkpoint = ModelCheckpoint(tmp_path / "m-{epoch}-{val_loss:.3f}.gn", save_best_only=True)
    history = _model().fit(X, y, epochs=4, verbose=0, validation_split=0.25, validation_freq=2,
                           callbacks=[checkpoint])
    saved = sorted(p.name for p in tmp_path.iterdir())
    assert [name.split("-")[1] for name in saved] == ["2", "4"]  # epoch 1 has no {val_loss}: nothing to judge
    assert saved[-1] == f"m-4-{history.history['val_loss'][-1]:.3f}.gn"


# -- BackupAndRestore ---------------------------------------------------------------------
def _dropout_classifier(loss="sparse_categorical_crossentropy", lr=1e-3, seed=1):
    from glassnet.layers import Dropout
    from glassnet.optimizers import Adam

    m = Sequential([Dense(8, activation="relu", input_dim=5), Dropout(0.3), Dense(2, activation="softmax")], seed=seed)
    m.compile(optimizer=Adam(lr), loss=loss, metrics=["accuracy"])
    return m


def _classes(n=200):
    X = np.random.default_rng(0).normal(size=(n, 5)).astype("float32")
    return X, (X[:, 0] > 0).astype(int)


class _Interrupt(Callback):
    """Raise at the start of an epoch, or after a batch of it (a crash in the middle of fit)."""

    def __init__(self, epoch, batch=None):
        super().__init__()
        self.epoch, self.batch, self._current = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch
        if epoch == self.epoch and self.batch is None:
            raise RuntimeError("Interrupting!")

    def on_train_batch_end(self, batch, logs=None):
        if self._current == self.epoch and batch == self.batch:
            raise RuntimeError("Interrupting!")


def test_backup_and_restore_resumes_an_interrupted_fit_bit_for_bit(tmp_path):
    # keras.callbacks.BackupAndRestore's own example: interrupted at (zero-based) epoch 4 of 10,
    # the second fit runs the 6 epochs left; here also with the same shuffles and dropout masks
    X, y = _classes()
    straight = _dropout_classifier()
    expected = straight.fit(X, y, epochs=10, batch_size=16, verbose=0).history
    backup = tmp_path / "backup"
    model = _dropout_classifier()
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(X, y, epochs=10, batch_size=16, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup), _Interrupt(epoch=4)])
    assert sorted(p.name for p in backup.iterdir()) == ["latest.gn"]
    assert load_model(backup / "latest.gn").optimizer.iterations == 4 * 13  # an ordinary model file

    model = _dropout_classifier()  # a new process would build it again
    history = model.fit(X, y, epochs=10, batch_size=16, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])
    assert history.epoch == [4, 5, 6, 7, 8, 9]
    assert history.history["loss"] == expected["loss"][4:]
    assert history.history["accuracy"] == expected["accuracy"][4:]
    for a, b in zip(straight.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == straight.optimizer.iterations
    assert not backup.exists()  # fit ended: the backup is deleted


@pytest.mark.parametrize("rate", [1e-2, "schedule"])
def test_backup_and_restore_resumes_a_loss_scale_optimizer_bit_for_bit(rate, tmp_path):
    # the restart was refused, "Cannot load model file '.../latest.gn': its learning rates 0.01 are not one
    # per optimizer (1)": a LossScaleOptimizer has the attribute optimizers (None unless around a
    # MultiOptimizer), which the restore took for a MultiOptimizer's list of sub-optimizers
    from glassnet.optimizers import Adam, LossScaleOptimizer
    from glassnet.schedules import ExponentialDecay

    def classifier():
        model = _dropout_classifier()
        lr = ExponentialDecay(1e-2, 5, 0.9) if rate == "schedule" else rate
        model.compile(optimizer=LossScaleOptimizer(Adam(lr), initial_scale=64.0, dynamic_growth_steps=3),
                      loss="sparse_categorical_crossentropy")
        return model

    X, y = _classes(40)
    straight = classifier()
    straight.fit(X, y, epochs=4, batch_size=16, verbose=0)
    backup = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="Interrupting"):
        classifier().fit(X, y, epochs=4, batch_size=16, verbose=0,
                         callbacks=[callbacks.BackupAndRestore(backup), _Interrupt(epoch=2)])
    model = classifier()
    assert model.fit(X, y, epochs=4, batch_size=16, verbose=0,
                     callbacks=[callbacks.BackupAndRestore(backup)]).epoch == [2, 3]
    for a, b in zip(straight.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.dynamic_scale == straight.optimizer.dynamic_scale != 64.0
    assert model.optimizer.iterations == straight.optimizer.iterations == 4 * 3


def test_backup_every_n_batches_repeats_the_interrupted_epoch(tmp_path):
    X, y = _classes()  # 13 batches of 16 per epoch
    backup = tmp_path / "b"
    model = _dropout_classifier()
    with pytest.raises(RuntimeError):
        model.fit(X, y, epochs=6, batch_size=16, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup, save_freq=5), _Interrupt(epoch=2, batch=7)])
    # backups after batches 5, 10, ..., 30 (counted across epochs): the last in epoch 2, before the crash
    saved = load_model(backup / "latest.gn")
    assert saved.optimizer.iterations == 30
    restart = _dropout_classifier()
    seen = []
    history = restart.fit(X, y, epochs=6, batch_size=16, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(backup, save_freq=5, delete_checkpoint=False),
                                     LambdaCallback(on_train_begin=lambda logs: seen.append(
                                         (restart.optimizer.iterations, restart.get_weights())))])
    assert history.epoch == [2, 3, 4, 5]  # epoch 2 again, from its first batch, as Keras
    assert seen[0][0] == 30
    for a, b in zip(seen[0][1], saved.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert restart.optimizer.iterations == 30 + 4 * 13
    # kept (delete_checkpoint=False); as Keras, save_freq=n backs up after batches only: 5, 10, ..., 50 of these 52
    assert load_model(backup / "latest.gn").optimizer.iterations == 30 + 50


def test_backup_keeps_a_reduced_learning_rate_and_a_custom_loss_state(tmp_path):
    X, y = _classes()
    Y = np.eye(2, dtype="float32")[y]

    class MyLoss(losses.MeanSquaredError):  # a config no model file holds: the backup still holds the optimizer state
        def get_config(self):
            return {**super().get_config(), "table": np.ones(2)}

    with pytest.warns(UserWarning, match="compile settings are not saved"):
        _dropout_classifier(loss=MyLoss()).save(tmp_path / "plain.gn")

    def slow_down(model):  # as ReduceLROnPlateau would, after the second epoch
        return LambdaCallback(on_epoch_end=lambda epoch, logs: epoch == 1 and setattr(model.optimizer,
                                                                                   "learning_rate", 1e-4))

    straight = _dropout_classifier(loss=MyLoss())
    straight.fit(X, Y, epochs=4, batch_size=16, verbose=0, callbacks=[slow_down(straight)])
    model = _dropout_classifier(loss=MyLoss())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning per backup
        with pytest.raises(RuntimeError):
            model.fit(X, Y, epochs=4, batch_size=16, verbose=0,
                      callbacks=[slow_down(model), callbacks.BackupAndRestore(tmp_path / "b"), _Interrupt(epoch=3)])
    restart = _dropout_classifier(loss=MyLoss())
    history = restart.fit(X, Y, epochs=4, batch_size=16, verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path / "b")])
    assert history.epoch == [3]
    assert restart.optimizer.learning_rate == pytest.approx(1e-4)
    for a, b in zip(straight.get_weights() + list(straight.optimizer.get_state()[1].values()),
                    restart.get_weights() + list(restart.optimizer.get_state()[1].values())):
        np.testing.assert_array_equal(a, b)


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    X, y = _classes()
    backup = tmp_path / "b"
    model = _dropout_classifier()
    with pytest.raises(RuntimeError):
        model.fit(X, y, epochs=5, batch_size=16, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup, double_checkpoint=True), _Interrupt(epoch=3)])
    assert sorted(p.name for p in backup.iterdir()) == ["latest.gn", "previous.gn"]
    (backup / "latest.gn").write_bytes((backup / "latest.gn").read_bytes()[:1000])  # a torn disk write
    restart = _dropout_classifier()
    with pytest.warns(UserWarning, match="previous.gn: the newer backup cannot be read"):
        history = restart.fit(X, y, epochs=5, batch_size=16, verbose=0,
                              callbacks=[callbacks.BackupAndRestore(backup, double_checkpoint=True)])
    assert history.epoch == [2, 3, 4]  # previous.gn was written after epoch 2
    # without double_checkpoint the damaged backup is an error, and nothing is trained
    model = _dropout_classifier()
    with pytest.raises(RuntimeError):
        model.fit(X, y, epochs=5, batch_size=16, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup), _Interrupt(epoch=3)])
    (backup / "latest.gn").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="latest.gn"):
        _dropout_classifier().fit(X, y, epochs=5, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])


def _set_backup_epoch(path, epoch):
    """Rewrite the backup ``path`` with ``epoch`` as its record's epochs done."""
    import json
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    config = json.loads(members["model.json"])
    config["backup"]["epoch"] = epoch
    members["model.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)


@pytest.mark.parametrize("epoch", [-1, "x", 2.0, None])
def test_a_backup_recording_no_epoch_count_is_refused_before_anything_changes(epoch, tmp_path):
    # the epoch was checked after the backup's weights and optimizer state were in the model, and the
    # ValueError left double_checkpoint's previous.gn untried
    X, y = _classes()
    backup = tmp_path / "b"
    with pytest.raises(RuntimeError):
        _dropout_classifier().fit(X, y, epochs=5, batch_size=16, verbose=0, callbacks=[
            callbacks.BackupAndRestore(backup, double_checkpoint=True), _Interrupt(epoch=3)])
    _set_backup_epoch(backup / "latest.gn", epoch)
    restart = _dropout_classifier()
    with pytest.warns(UserWarning, match=rf"previous.gn: the newer backup cannot be read .*latest.gn': its backup "
                                         rf"records {re.escape(repr(epoch))} epochs done; expected a non-negative"):
        history = restart.fit(X, y, epochs=5, batch_size=16, verbose=0,
                              callbacks=[callbacks.BackupAndRestore(backup, double_checkpoint=True)])
    assert history.epoch == [2, 3, 4]  # from previous.gn, written after epoch 2
    with pytest.raises(RuntimeError):  # without previous.gn: refused, and the model is as it was
        _dropout_classifier().fit(X, y, epochs=5, batch_size=16, verbose=0,
                                  callbacks=[callbacks.BackupAndRestore(backup), _Interrupt(epoch=3)])
    _set_backup_epoch(backup / "latest.gn", epoch)
    fresh = _dropout_classifier(seed=2)
    before = fresh.get_weights()
    with pytest.raises(ValueError, match="latest.gn': its backup records .* epochs done"):
        fresh.fit(X, y, epochs=5, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])
    for a, b in zip(before, fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert fresh.optimizer.iterations == 0


def test_a_backup_of_another_model_is_refused_before_anything_changes(tmp_path):
    X, y = _classes()
    backup = tmp_path / "b"
    with pytest.raises(RuntimeError):
        _dropout_classifier().fit(X, y, epochs=3, verbose=0,
                                  callbacks=[callbacks.BackupAndRestore(backup), _Interrupt(epoch=1)])
    other = Sequential([Dense(4, activation="relu", input_dim=5), Dense(2, activation="softmax")], seed=2)
    other.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = other.get_weights()
    with pytest.raises(ValueError, match="backup of another model"):
        other.fit(X, y, epochs=3, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
    sgd = _dropout_classifier()
    sgd.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="training with 'Adam', not SGD"):
        sgd.fit(X, y, epochs=3, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])
    model = _dropout_classifier()
    model.save(backup / "latest.gn")  # a model file, not a backup
    with pytest.raises(ValueError, match="not a backup"):
        model.fit(X, y, epochs=3, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])


def test_backup_deletes_only_its_own_files_and_checks_its_arguments(tmp_path):
    X, y = _classes(48)
    (tmp_path / "notes.txt").write_text("mine")
    _dropout_classifier().fit(X, y, epochs=2, verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path)])
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert not overrides(callbacks.BackupAndRestore(tmp_path), "on_train_batch_end")  # no cost per batch
    assert overrides(callbacks.BackupAndRestore(tmp_path, save_freq=3), "on_train_batch_end")
    with pytest.raises(ValueError, match="backup_dir"):
        callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore(tmp_path, save_freq=0)
    with pytest.raises(TypeError, match="double_checkpoint"):
        callbacks.BackupAndRestore(tmp_path, double_checkpoint="yes")


@pytest.mark.parametrize("where", ["a_file", "a_file/backup"])
def test_a_backup_dir_that_cannot_be_a_folder_is_refused_before_training(tmp_path, where):
    # it failed with a bare FileExistsError / NotADirectoryError after the first epoch's training
    X, y = _classes(48)
    (tmp_path / "a_file").write_text("mine")
    model = _dropout_classifier()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=f"BackupAndRestore cannot make its backup folder backup_dir='.*{where}'"):
        model.fit(X, y, epochs=2, verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path / where)])
    for got, want in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)  # not one step taken
    assert (tmp_path / "a_file").read_text() == "mine"

def test_a_batch_backup_records_the_epoch_it_is_in_when_fit_starts_later(tmp_path):
    X, y = _classes()  # 13 batches of 16 per epoch
    model = _dropout_classifier()
    with pytest.raises(RuntimeError):
        model.fit(X, y, epochs=6, initial_epoch=3, batch_size=16, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(tmp_path, save_freq=5), _Interrupt(epoch=3, batch=7)])
    restart = _dropout_classifier()
    history = restart.fit(X, y, epochs=6, batch_size=16, verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path)])
    assert history.epoch == [3, 4, 5]  # epoch 3 again, not from 0


def test_checkpoints_by_epoch_cost_nothing_per_batch(tmp_path):
    assert not overrides(ModelCheckpoint(tmp_path / "m.gn"), "on_train_batch_end")
    assert overrides(ModelCheckpoint(tmp_path / "m.gn", save_freq=2), "on_train_batch_end")


def _gap(y_true, y_pred):  # a metric whose direction mode="auto" cannot know
    return np.abs(y_true - y_pred).mean(axis=-1)


def test_batch_checkpoints_with_save_best_only_check_the_monitor_before_training(tmp_path):
    # mode="auto" stayed "auto" and kept the batch with the *largest* error; a val_* monitor saved nothing, silently
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))

    def fit(**kwargs):
        model = Sequential([Dense(1, input_dim=3)], seed=0)
        model.compile(optimizer="sgd", loss="mse", metrics=[_gap])
        model.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False, validation_split=0.25,
                  callbacks=[ModelCheckpoint(tmp_path / "m-{epoch}-{batch}.gn", save_best_only=True, save_freq=1,
                                             save_weights_only=True, **kwargs)])

    for kwargs, message in (({"monitor": "_gap"}, "cannot tell whether '_gap' should be minimized"),
                            ({}, r"save_freq=1\) compares the batch logs, which hold no 'val_loss'"),
                            ({"monitor": "val_loss"}, "monitor a training quantity such as monitor='loss'"),
                            ({"monitor": "los", "mode": "min"}, "monitors 'los', which is not among the logged")):
        with pytest.raises(ValueError, match=message):
            fit(**kwargs)
        assert not list(tmp_path.iterdir())  # refused before the first batch
    seen = []
    model = Sequential([Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer="sgd", loss="mse", metrics=[_gap])
    saver = ModelCheckpoint(tmp_path / "m-{epoch}-{batch}.weights.npz", monitor="_gap", mode="min",
                            save_best_only=True, save_freq=1, save_weights_only=True)
    model.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[
        saver, LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs["_gap"]))])
    assert saver.best == min(seen)
    running_best = np.minimum.accumulate(seen)
    saved = {f"m-{1 + i // 5}-{1 + i % 5}.weights.npz" for i in range(len(seen)) if i == 0 or seen[i] < running_best[i - 1]}
    assert {p.name for p in tmp_path.iterdir()} == saved


def test_terminate_on_nan_can_raise_as_keras():
    X, y = _regression(np.random.default_rng(0))

    class Poison(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                logs["loss"] = float("nan")

    model = _model()
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        model.fit(X, y, epochs=5, batch_size=8, callbacks=[Poison(), TerminateOnNaN(raise_error=True)], verbose=0)
    assert model.optimizer.iterations == 3
    with pytest.raises(TypeError, match="raise_error must be True or False"):
        TerminateOnNaN(raise_error="yes")


@pytest.mark.parametrize("make, error, match", [
    (lambda: ModelCheckpoint(None), TypeError, "filepath must be a file path"),
    (lambda: ModelCheckpoint(""), ValueError, "filepath is an empty path"),  # it failed after the first epoch
    (lambda: CSVLogger(None), TypeError, "filename must be a file path"),
    (lambda: CSVLogger(""), ValueError, "filename is an empty path"),
    (lambda: CSVLogger("log.csv", separator=";;"), ValueError, "separator must be one character"),
])
def test_callback_paths_are_checked_when_made(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_weights_written_into_a_frozen_layer_during_fit_stay(tmp_path):
    # fit kept a copy of the frozen layers from its start and wrote it back after every step: a callback's
    # set_weights into a frozen layer was undone, and BackupAndRestore resumed a frozen layer at the new
    # model's initial weights (off by up to 1.5 from an uninterrupted run)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    model = _model()
    model.layers[0].trainable = False
    new = [np.full_like(w, 0.5) for w in model.get_weights()]
    model.fit(X, y, epochs=2, verbose=0, callbacks=[LambdaCallback(
        on_epoch_end=lambda epoch, logs: epoch == 0 and model.set_weights(new))])
    np.testing.assert_array_equal(model.get_weights()[0], new[0])  # frozen: as set, and kept
    assert not np.array_equal(model.get_weights()[2], new[2])  # the trainable layer trained on

    def frozen(seed):
        m = _dropout_classifier(seed=seed)
        m.layers[0].trainable = False
        return m

    X, y = _classes()
    straight = frozen(0)
    straight.fit(X, y, epochs=4, batch_size=16, verbose=0)
    with pytest.raises(RuntimeError, match="Interrupting"):
        frozen(0).fit(X, y, epochs=4, batch_size=16, verbose=0,
                      callbacks=[callbacks.BackupAndRestore(tmp_path / "b"), _Interrupt(epoch=2)])
    restart = frozen(1)  # other initial weights: the backup's must replace them, frozen layer included
    restart.fit(X, y, epochs=4, batch_size=16, verbose=0, callbacks=[callbacks.BackupAndRestore(tmp_path / "b")])
    for a, b in zip(straight.get_weights(), restart.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("filepath", ["m_{epoch:s}.gn", "m_{}.gn", "m_{epoch.gn", "m_{val_loss:d}.gn"])
def test_a_checkpoint_template_that_cannot_be_formatted_is_refused_at_once(filepath, tmp_path):
    # "Unknown format code 's'" came at the end of the first epoch, after its training
    with pytest.raises(ValueError, match="filepath .* is not a valid template"):
        ModelCheckpoint(str(tmp_path / filepath))
    for good in ("m_{epoch:02d}-{val_loss:.2f}.gn", "m_{epoch}-{batch}.gn", "m_{accuracy:.3f}.gn", "m.gn"):
        assert ModelCheckpoint(str(tmp_path / good)).filepath.endswith(good)  # any log key, as Keras


@pytest.mark.parametrize("make", [
    lambda v: EarlyStopping(mode=v),
    lambda v: ReduceLROnPlateau(mode=v),
    lambda v: ModelCheckpoint("m.gn", mode=v),
])
def test_callback_mode_given_as_an_array_is_named(make):
    # "The truth value of an array with more than one element is ambiguous"
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'. Received: mode=array"):
        make(np.array(["min", "max"]))
    with pytest.raises(ValueError, match="Received: mode=array"):  # one element: it was kept, an array
        make(np.array(["min"]))


@pytest.mark.parametrize("make, allowed", [
    (lambda v: EarlyStopping(verbose=v), (0, 1, 2)),
    (lambda v: ReduceLROnPlateau(verbose=v), (0, 1, 2)),
    (lambda v: ModelCheckpoint("m.gn", verbose=v), (0, 1, 2)),
    (lambda v: LearningRateScheduler(lambda epoch: 0.1, verbose=v), (0, 1, 2)),
    (lambda v: ProgressBar(verbose=v), (1, 2)),  # 0 printed the epoch lines of 2
])
def test_callback_verbose_is_checked(make, allowed):
    for bad in ("yes", 1.5, None, 3, -1) + ((0,) if 0 not in allowed else ()):
        with pytest.raises(ValueError, match=f"verbose must be one of {', '.join(map(str, allowed))}. Received"):
            make(bad)  # 'yes' was taken as verbose, 'no' too
    assert [make(v).verbose for v in allowed] == list(allowed) and make(True).verbose == 1


def test_auto_mode_minimizes_the_percentage_and_log_errors():
    from glassnet.models.monitoring import _monitor_mode

    for name in ("mape", "val_mape", "msle", "val_msle", "root_mean_squared_error", "val_mean_absolute_percentage_error"):
        assert _monitor_mode(name, "auto") == "min", name
    assert _monitor_mode("val_r2_score", "auto") == "max"


def test_auto_mode_maximizes_the_fbeta_and_iou_metrics_as_keras():
    # Keras 3.15's FBetaScore and IoU metrics have _direction "up": EarlyStopping(mode="auto") maximizes them
    # (glassnet refused their names, asking for mode=)
    from glassnet.models.monitoring import _monitor_mode

    for name in ("fbeta_score", "val_fbeta_score", "mean_io_u", "val_io_u", "binary_io_u", "val_one_hot_mean_io_u"):
        assert _monitor_mode(name, "auto") == "max", name


def test_test_batch_logs_hold_the_weight_penalty_as_the_final_loss(rng):
    # as Keras, each test batch's running loss includes the regularization penalty: the last one is
    # evaluate's loss (the data loss alone was logged before, the penalty added only at the end)
    from glassnet import regularizers

    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    model = Sequential([Dense(1, input_dim=3, kernel_regularizer=regularizers.L2(0.1))], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    W, b = model.get_weights()
    penalty = 0.1 * np.sum(W**2)
    seen = []
    loss = model.evaluate(X, y, batch_size=4, callbacks=[LambdaCallback(
        on_test_batch_end=lambda batch, logs: seen.append(logs["loss"]))])
    residuals = (X @ W + b - y) ** 2
    expected = [residuals[:stop].mean() + penalty for stop in (4, 8, 10)]  # float64, by hand
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    assert loss == pytest.approx(expected[-1], rel=1e-12)


def test_early_stopping_best_epoch_is_the_epoch_of_the_weights_it_keeps(rng):
    # a monitored value that never improves (NaN) from start_from_epoch=2 on: the weights kept are epoch 2's
    # (index), and so is best_epoch, as Keras (it said 0, and "the best epoch: 1" when restoring)
    X, y = _regression(rng, n=16)
    model = _model()
    rec = Recorder()
    nan_score = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(score=math.nan, val_loss=0.0))
    stop = EarlyStopping(monitor="score", mode="min", patience=5, start_from_epoch=2, restore_best_weights=True, verbose=1)
    out = io.StringIO()
    with redirect_stdout(out):
        model.fit(X, y, epochs=4, verbose=0, callbacks=[nan_score, rec, stop])
    assert stop.best_epoch == 2
    assert "the best epoch: 3." in out.getvalue()
    for a, b in zip(model.get_weights(), rec.weights[2]):
        np.testing.assert_array_equal(a, b)


def test_auto_mode_reads_keras_s_other_metric_names_as_keras_directions():
    # Keras 3.15: f_beta_score's FBetaScore and the correlations are "up", bce's BinaryCrossentropy "down";
    # TruePositives has no direction, so Keras refuses mode="auto" for it (and glassnet leaves it to be refused)
    from glassnet.models.monitoring import _monitor_mode

    for name in ("f_beta_score", "val_f_beta_score", "pearson_correlation", "val_concordance_correlation"):
        assert _monitor_mode(name, "auto") == "max", name
    assert _monitor_mode("bce", "auto") == _monitor_mode("val_BCE", "auto") == "min"
    assert _monitor_mode("true_positives", "auto") == "auto"


def test_auto_mode_maximizes_the_x_at_y_metrics_by_name_and_by_keras_s_direction(rng):
    # Keras 3.15's PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity and SpecificityAtSensitivity
    # have _direction "up"; Keras reads a monitored metric's _direction, whatever its name: so does glassnet
    from glassnet import metrics
    from glassnet.models.monitoring import _monitor_mode

    for name in ("precision_at_recall", "val_recall_at_precision", "sensitivity_at_specificity",
                 "val_specificity_at_sensitivity"):
        assert _monitor_mode(name, "auto") == "max", name

    class Worse(metrics.Metric):  # a metric of the user's that says it is minimized, as Keras reads it
        _direction = "down"

        def values(self, Y, A):
            return np.abs(Y - A).mean(axis=1)

    X, y = rng.normal(size=(20, 3)), (rng.random((20, 1)) < 0.5).astype(float)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile("sgd", "binary_crossentropy", metrics=[metrics.SensitivityAtSpecificity(0.5, name="sens"),
                                                         Worse(name="worse")])
    stops = [EarlyStopping(monitor="val_sens", patience=3), EarlyStopping(monitor="worse", patience=3)]
    assert [s.mode for s in stops] == ["auto", "auto"]  # names it cannot read: decided at train begin
    model.fit(X, y, epochs=1, validation_split=0.25, verbose=0, callbacks=stops)
    assert [s.mode for s in stops] == ["max", "min"]
    model.compile("sgd", "binary_crossentropy", metrics=["TruePositives"])  # no direction: refused, as Keras
    with pytest.raises(ValueError, match="cannot tell whether 'TruePositives' should be minimized or maximized"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[EarlyStopping(monitor="TruePositives")])


def test_auto_mode_reads_the_direction_of_the_metrics_of_the_losses_as_keras():
    # Keras 3.15's metrics of the losses have _direction "down", CosineSimilarity "up": mode="auto" resolves
    # them under any name. glassnet's had none: val_poisson, val_kl_divergence, val_logcosh and
    # val_cosine_similarity (names its list does not read) were refused, asking for mode=
    from glassnet import metrics

    directions = {metrics.Poisson: "min", metrics.KLDivergence: "min", metrics.LogCoshError: "min",
                  metrics.CosineSimilarity: "max", metrics.MeanAbsolutePercentageError: "min",
                  metrics.MeanSquaredLogarithmicError: "min", metrics.Hinge: "min", metrics.SquaredHinge: "min",
                  metrics.CategoricalHinge: "min", metrics.BinaryCrossentropy: "min",
                  metrics.CategoricalCrossentropy: "min", metrics.SparseCategoricalCrossentropy: "min"}
    X, y = np.random.default_rng(0).random((8, 2)), np.eye(2)[[0, 1] * 4]
    for metric, mode in directions.items():
        model = Sequential([Dense(2, activation="softmax", input_dim=2)], seed=0)
        model.compile("sgd", "categorical_crossentropy", metrics=[metric(), metric(name="mine")])
        stops = [EarlyStopping(monitor=f"val_{metric.name}"), EarlyStopping(monitor="mine"),
                 ReduceLROnPlateau(monitor="val_mine")]
        model.fit(X, y, epochs=1, verbose=0, validation_split=0.25, callbacks=stops)
        assert [s.mode for s in stops] == [mode] * 3, metric



# Keras 3.15's metric._direction of each of its metric classes ("up": larger is better; None: no direction)
KERAS_DIRECTIONS = {
    "AUC": "up", "Accuracy": "up", "BinaryAccuracy": "up", "BinaryCrossentropy": "down", "BinaryIoU": "up",
    "CategoricalAccuracy": "up", "CategoricalCrossentropy": "down", "CategoricalHinge": "down",
    "ConcordanceCorrelation": "up", "CosineSimilarity": "up", "F1Score": "up", "FBetaScore": "up",
    "FalseNegatives": None, "FalsePositives": None, "Hinge": "down", "IoU": "up", "KLDivergence": "down",
    "LogCoshError": "down", "Mean": None, "MeanAbsoluteError": "down", "MeanAbsolutePercentageError": "down",
    "MeanIoU": "up", "MeanSquaredError": "down", "MeanSquaredLogarithmicError": "down", "OneHotIoU": "up",
    "OneHotMeanIoU": "up", "PearsonCorrelation": "up", "Poisson": "down", "Precision": "up", "PrecisionAtRecall": "up",
    "R2Score": "up", "Recall": "up", "RecallAtPrecision": "up", "RootMeanSquaredError": "down",
    "SensitivityAtSpecificity": "up", "SparseCategoricalAccuracy": "up", "SparseCategoricalCrossentropy": "down",
    "SparseTopKCategoricalAccuracy": "up", "SpecificityAtSensitivity": "up", "SquaredHinge": "down", "Sum": None,
    "TopKCategoricalAccuracy": "up", "TrueNegatives": None, "TruePositives": None,
}


def test_every_metric_has_kerass_direction():
    # mode="auto" reads a compiled metric's direction under any name: a MeanSquaredError(name="mine") or a
    # Recall(name="r") monitored as val_mine or r was refused ("cannot tell whether"), where Keras resolves it
    from glassnet import metrics

    arguments = {"IoU": dict(num_classes=2, target_class_ids=[0]), "MeanIoU": dict(num_classes=2),
                 "OneHotIoU": dict(num_classes=2, target_class_ids=[0]), "OneHotMeanIoU": dict(num_classes=2),
                 "PrecisionAtRecall": dict(recall=0.5), "RecallAtPrecision": dict(precision=0.5),
                 "SensitivityAtSpecificity": dict(specificity=0.5), "SpecificityAtSensitivity": dict(sensitivity=0.5)}
    found = {name: getattr(getattr(metrics, name)(**arguments.get(name, {})), "_direction", None)
             for name in KERAS_DIRECTIONS}
    assert found == KERAS_DIRECTIONS
    model = Sequential([Dense(2, activation="softmax", input_dim=2)], seed=0)
    model.compile("sgd", "categorical_crossentropy", metrics=[metrics.MeanSquaredError(name="mine"),
                                                             metrics.Recall(name="r")])
    stops = [EarlyStopping(monitor="val_mine"), ReduceLROnPlateau(monitor="r")]
    X, y = np.random.default_rng(0).random((8, 2)), np.eye(2)[[0, 1] * 4]
    model.fit(X, y, epochs=1, verbose=0, validation_split=0.25, callbacks=stops)
    assert [s.mode for s in stops] == ["min", "max"]

class _HookLog(Callback):
    """Records (its tag, hook, argument) for every hook called."""

    def __init__(self, tag, log):
        super().__init__()
        self.tag, self.log = tag, log

    def __getattribute__(self, name):
        if name.startswith("on_") and name not in ("on_batch_begin", "on_batch_end"):
            log, tag = object.__getattribute__(self, "log"), object.__getattribute__(self, "tag")
            return lambda *args, logs=None: log.append((tag, name, args[0] if args else None))
        return object.__getattribute__(self, name)


def test_callback_list_calls_every_hook_of_its_callbacks_in_order():
    log = []
    first, second = _HookLog("a", log), _HookLog("b", log)
    group = callbacks.CallbackList([first, second], model="the model", epochs=3)
    assert first.model == second.model == "the model" and first.params == second.params == {"epochs": 3}
    hooks = [name for name in vars(Callback) if name.startswith("on_") and name not in ("on_batch_begin",
                                                                                        "on_batch_end")]
    assert len(hooks) == 14
    for hook in hooks:
        getattr(group, hook)(*(() if hook.endswith(("_begin", "_end")) and "batch" not in hook
                                and "epoch" not in hook else (5,)), logs={})
    assert log == [(tag, hook, 5 if ("batch" in hook or "epoch" in hook) else None)
                   for hook in hooks for tag in "ab"]


def test_callback_list_adds_history_and_progbar_once_and_fit_uses_its_callbacks(rng):
    X, y = _regression(rng)
    seen = []
    group = callbacks.CallbackList([LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))],
                                   add_history=True, add_progbar=True)
    assert [type(cb).__name__ for cb in group.callbacks] == ["LambdaCallback", "History", "ProgbarLogger"]
    again = callbacks.CallbackList(group.callbacks, add_history=True, add_progbar=True)
    assert [type(cb) for cb in again.callbacks] == [type(cb) for cb in group.callbacks]
    model = _model()
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        history = model.fit(X, y, epochs=3, batch_size=16, verbose=2, callbacks=group)
    assert history is group.callbacks[1] and model.history is history  # the list's History is fit's
    assert seen == [0, 1, 2] and len(history.history["loss"]) == 3
    assert buffer.getvalue().count("Epoch") == 3  # its ProgbarLogger printed, and fit added no second bar
    # a CallbackList inside a list counts as its callbacks; evaluate and predict take one too
    tested = []
    model.evaluate(X, y, verbose=0, callbacks=[callbacks.CallbackList(
        [LambdaCallback(on_test_end=lambda logs: tested.append(logs["loss"]))])])
    model.predict(X, callbacks=callbacks.CallbackList([LambdaCallback(on_predict_end=lambda logs: tested.append(1))]))
    assert len(tested) == 2 and tested[0] == pytest.approx(model.evaluate(X, y, verbose=0))


def test_callback_list_matches_keras_defaults_and_refuses_non_callbacks(monkeypatch):
    with pytest.raises(TypeError, match="callbacks must be glassnet.callbacks.Callback objects"):
        callbacks.CallbackList([object()])
    with pytest.raises(TypeError, match="callbacks must be a list"):
        callbacks.CallbackList("history")
    with pytest.raises(TypeError, match="callback must be a glassnet.callbacks.Callback object"):
        callbacks.CallbackList().append(print)
    with pytest.raises(TypeError, match="add_history"):
        callbacks.CallbackList(add_history="yes")
    empty = callbacks.CallbackList()
    assert empty.callbacks == [] and empty.model is None and empty.params == {}
    # (without it, the import fails for want of TensorFlow and leaves a half-imported keras to later tests)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    theirs = keras.callbacks.CallbackList(add_history=True, add_progbar=True)
    ours = callbacks.CallbackList(add_history=True, add_progbar=True)
    assert [type(cb).__name__ for cb in ours.callbacks] == [type(cb).__name__ for cb in theirs.callbacks]


def test_checkpoint_of_weights_under_keras_suffix_writes_keras_weights_file(rng, tmp_path):
    # Keras's ModelCheckpoint(save_weights_only=True) wants "*.weights.h5": glassnet wrote its own zip there
    # (with a warning), which Keras's load_weights refused ("file signature not found"); now it is
    # Keras's HDF5 weights file, which glassnet's load_weights reads back (Keras's: tests/test_weights_h5.py)
    pytest.importorskip("h5py")
    X, y = _regression(rng, 16)
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.weights.h5"), save_weights_only=True)])
    assert (tmp_path / "w-01.weights.h5").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    other = _model()
    other.load_weights(tmp_path / "w-01.weights.h5")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_callbacks_defined_in_their_own_modules_keep_the_path_of_pickles_made_before():
    # models/callbacks.py was split by concept (progress, stopping, checkpoints, learning_rate, ...);
    # a model pickled before holds its History, and a callback pickled before names its class by
    # glassnet.models.callbacks: that path must keep giving the same class (protocol 0: "c<module>\n<name>")
    import pickle

    from glassnet.models import callbacks as defined_before

    for name in callbacks.__all__:
        if name in ("TensorBoard", "RemoteMonitor"):  # (never in glassnet.models.callbacks)
            continue
        assert pickle.loads(f"cglassnet.models.callbacks\n{name}\n.".encode()) is getattr(callbacks, name), name
    for name in ("check_callbacks", "overrides", "format_value", "format_step_time"):
        assert callable(getattr(defined_before, name)), name


def _diverging(n=200):
    """A ReLU network on unscaled inputs with SGD(1.0): the loss becomes inf within a few batches."""
    X = np.random.default_rng(0).normal(size=(n, 4)).astype("float32") * 100
    model = Sequential([Dense(16, activation="relu", input_dim=4), Dense(1)])
    model.compile(optimizer=SGD(1.0), loss="mse")
    return model, X, X.sum(1) ** 2


@pytest.mark.parametrize("how", ["arrays", "validation_split", "generator"])
def test_the_divergence_warning_names_the_user_s_fit_line(how):
    # it named glassnet's own sequential.py:343, "return training.fit(", where Sequential.fit calls training.fit
    model, X, y = _diverging()

    def batches():
        while True:
            yield X[:32], y[:32]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if how == "generator":
            model.fit(batches(), steps_per_epoch=5, epochs=2, verbose=0)
        else:
            model.fit(X, y, epochs=2, verbose=0, validation_split=0.2 if how == "validation_split" else 0.0)
    [warning] = [w for w in caught if issubclass(w.category, DivergenceWarning)]
    assert (warning.filename, warning.lineno) == (__file__, _line_of(how))


def _line_of(how):
    """The line of test_the_divergence_warning_names_the_user_s_fit_line's fit for ``how``."""
    import inspect

    source, first = inspect.getsourcelines(test_the_divergence_warning_names_the_user_s_fit_line)
    wanted = "model.fit(batches()" if how == "generator" else "model.fit(X, y"
    return first + next(i for i, line in enumerate(source) if wanted in line)


@pytest.mark.parametrize("output", ["linear", "softmax_along_axis_1"])
def test_fit_s_output_activation_warnings_name_the_user_s_fit_line(output):
    # a linear output with a cross-entropy loss, and a softmax along another axis than the loss's, named
    # glassnet's sequential.py (training.py: stacklevel one frame short). Fails until training.py's two
    # warnings.warn take stacklevel=user_stacklevel() (glassnet.models.divergence).
    from glassnet.layers import Softmax

    if output == "linear":
        model = Sequential([Dense(3, input_dim=4)])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        x, y = np.zeros((8, 4)), np.zeros(8, int)
    else:
        model = Sequential([Dense(2, input_shape=(3, 4)), Softmax(axis=1)])
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        x, y = np.zeros((8, 3, 4)), np.eye(2)[np.zeros((8, 3), int)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=1, verbose=0)
        line = inspect_line() - 1
        model.train_on_batch(x, y)
    shown = [(w.filename, w.lineno) for w in caught if "expects probabilities" in str(w.message)
             or "normalises along axis" in str(w.message)]
    assert shown == [(__file__, line), (__file__, line + 2)]


def inspect_line():
    """The line of the caller's call of this function."""
    return sys._getframe(1).f_lineno


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, standard output and standard error at once."""

    def isatty(self):
        return True


def _screen(text):
    """What stays on a terminal's screen: each line's text after its last carriage return."""
    return [line.split("\r")[-1] for line in text.split("\n")]


def test_a_warning_raised_during_fit_is_not_written_onto_the_progress_bar_s_line(monkeypatch):
    # on a terminal the DivergenceWarning was written after the bar's text, on its line, and stayed there:
    # "Epoch 1/2:   0%|        | 0/2500 [00:00<?, ?step/s]/.../x.py:6: DivergenceWarning: ..."
    pytest.importorskip("tqdm")
    from contextlib import redirect_stderr

    screen = _Terminal()

    def showwarning(message, category, filename, lineno, file=None, line=None):  # (pytest records warnings)
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    monkeypatch.setattr(warnings, "showwarning", showwarning)
    model, X, y = _diverging(20000)
    with warnings.catch_warnings(), redirect_stdout(screen), redirect_stderr(screen):
        warnings.simplefilter("always")
        model.fit(X, y, epochs=2, batch_size=8, verbose=1)
    shown = _screen(screen.getvalue())
    [warned] = [i for i, line in enumerate(shown) if "DivergenceWarning" in line]
    assert shown[warned].startswith(f"{__file__}:") and shown[warned - 1] == "Epoch 1/2"
    assert warnings.showwarning is showwarning  # the wrapper drawn bars need is gone with them


def test_the_epoch_header_comes_before_the_epoch_s_callback_lines_on_a_terminal(tmp_path):
    # on a terminal "Epoch 1/2" was printed at the epoch's end, after ModelCheckpoint's lines; Keras 3.15 (and
    # glassnet into a file) prints the scheduler's line, "Epoch 1/2", the checkpoint's lines, then the epoch's line
    pytest.importorskip("tqdm")
    X, y = _regression(np.random.default_rng(0))
    out = _Terminal()
    with redirect_stdout(out):
        _model().fit(X, y, epochs=2, batch_size=8, verbose=1, callbacks=[
            LearningRateScheduler(lambda epoch, lr: lr, verbose=1), ModelCheckpoint(tmp_path / "m.gn", verbose=1)])
    shown = [line for line in _screen(out.getvalue()) if line.strip()]
    assert [re.sub(r" - \d.*", "", line) for line in shown[:5]] == [
        "Epoch 1: LearningRateScheduler setting learning rate to 0.05.", "Epoch 1/2",
        f"Epoch 1: saving model to {tmp_path / 'm.gn'}", f"Epoch 1: finished saving model to {tmp_path / 'm.gn'}",
        "10/10"]


@pytest.mark.parametrize("verbose", [1, 2])
def test_the_epoch_line_lists_learning_rate_after_the_val_metrics_as_keras(capsys, verbose):
    # Keras 3.15, verbose 1 and 2: "... - loss: ... - val_loss: ... - learning_rate: ..." (its bar lists the
    # batches' keys first, then the others in the logs' order); glassnet's verbose=1 put learning_rate before val_loss
    X, y = _regression(np.random.default_rng(0))
    _model().fit(X, y, epochs=1, batch_size=16, verbose=verbose, validation_split=0.25,
                 callbacks=[ReduceLROnPlateau(monitor="val_loss")])
    [line] = capsys.readouterr().out.splitlines()
    assert re.findall(r"(\w+): ", line) == ["loss", "val_loss", "learning_rate"]


def test_evaluate_and_predict_count_keras_s_batches_of_32_in_their_line(capsys):
    # Keras 3.15: "313/313 - ..." for 10,000 rows and no batch_size; glassnet printed "10/10", its 1024-row chunks.
    # Fails until Sequential.evaluate/predict pass inference.array_steps(X.shape[0], batch_size) to report.
    from glassnet.models.inference import array_steps

    assert [array_steps(n, b) for n, b in ((10000, None), (100, None), (10000, 1024), (0, None))] == [313, 4, 10, 0]
    model = _model()
    X = np.zeros((10000, 3))
    model.evaluate(X, np.zeros(10000), verbose=2)
    model.predict(X, verbose=2)
    model.evaluate(X[:100], np.zeros(100), verbose=2)
    model.evaluate(X, np.zeros(10000), batch_size=1000, verbose=2)
    steps = [line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()]
    assert steps == ["313/313", "313/313", "4/4", "10/10"]
