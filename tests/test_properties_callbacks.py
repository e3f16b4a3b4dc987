"""Property tests of the callbacks against Keras 3.15 (jax backend): the same drawn logs fed by hand to
glassnet's and Keras's EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, LearningRateScheduler and
CSVLogger give the same decisions epoch by epoch; fit calls the hooks in Keras's order; a fit
interrupted and resumed with BackupAndRestore ends bit for bit as an uninterrupted one.

Monitored values are drawn on a grid of multiples of 1/8 (with ties, NaN and infinities): Keras
compares them in float32 (``ops.less`` on Python floats), glassnet in float64, and values closer than
float32 can tell apart are a tie in Keras only. The differences docs/api.md lists as deliberate
(a first NaN, a missing monitor, an epoch fit did not validate) are checked as those differences.

``HUNT=n`` in the environment runs n examples per property instead of the CI's few."""

import contextlib
import csv
import io
import math
import os
import re
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "jax":  # pragma: no cover - another backend chosen before these tests
    pytest.skip("the Keras comparisons run on Keras's jax backend", allow_module_level=True)
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from glassnet import callbacks as gcb  # noqa: E402
from glassnet.layers import Dense  # noqa: E402
from glassnet.models import Sequential  # noqa: E402
from glassnet.optimizers import SGD  # noqa: E402

HUNT = int(os.environ.get("HUNT", "0"))


def _settings(examples):
    return settings(max_examples=HUNT or examples, derandomize=not HUNT, deadline=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def keras_model():
    """A tiny Keras model with "accuracy" and "auc" compiled and built, so that Keras's mode="auto"
    knows their directions (from the metrics' ``_direction``)."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc")])
    model.fit(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0.0, 1.0]), epochs=1, verbose=0)
    return model


def _glassnet_model():
    model = Sequential([Dense(1, activation="sigmoid", input_dim=2)], dtype="float64")
    model.compile(loss="binary_crossentropy", optimizer=SGD(1.0), metrics=["accuracy", "auc"])
    return model


# ---------------------------------------------------------------- drawn logs

GRID = st.integers(-16, 24).map(lambda k: k / 8)
VALUE = st.one_of(GRID, GRID, GRID, st.sampled_from([math.nan, math.inf, -math.inf]))
MONITORS = ["loss", "val_loss", "val_accuracy", "auc", "score"]


@st.composite
def epoch_logs(draw, monitor, n):
    """``n`` epochs' logs: the monitor's value, or an epoch fit did not validate (none of fit's val_*
    values; sometimes a val_f1 that a callback logs at every epoch), or rarely the monitor missing from
    a validated epoch."""
    epochs = []
    for _ in range(n):
        kind = draw(st.sampled_from(["value"] * 8 + ["unvalidated", "missing"]))
        logs = {"loss": 0.5, "accuracy": 0.5, "auc": 0.5, "score": 0.5, "val_loss": 0.5, "val_accuracy": 0.5}
        logs[monitor] = draw(VALUE)
        if kind == "unvalidated":
            logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
            if draw(st.booleans()):
                logs["val_f1"] = 0.5
        elif kind == "missing":
            del logs[monitor]
        epochs.append(logs)
    return epochs


def _fit_validated(logs):
    """Whether fit validated the epoch of these drawn logs: fit's own val_* values are there (a val_f1
    is a callback's)."""
    return "val_loss" in logs or "val_accuracy" in logs


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or a == b


def _first_judged_is_nan(sequence, monitor, start=0):
    """Whether the first value a monitoring callback judges is NaN: Keras takes it as its best, after
    which nothing improves; glassnet judges it no improvement (docs/api.md, Differences from Keras)."""
    for epoch, logs in enumerate(sequence):
        if epoch >= start and monitor in logs:
            return math.isnan(logs[monitor])
    return False


def _keras_direction_known(monitor, mode):
    return mode != "auto" or monitor != "score"


@contextlib.contextmanager
def _captured():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield out, caught


def _lines(text):
    """Printed lines without Keras's leading new lines, numbers to 6 digits (Keras's rates are float32's)."""
    return [re.sub(r"\d+\.\d+(e-?\d+)?", lambda m: f"{float(m.group()):.6g}", line)
            for line in text.splitlines() if line.strip()]


def _run_monitoring(cb, model, sequence, weights):
    """Feed ``sequence`` to ``cb`` as fit would (stopping when the model is told to), setting the
    model's weights to ``weights[epoch]`` before each epoch's end. Returns the per-epoch state, the
    final weights, the printed lines, the warnings and the error raised (None if none)."""
    states, error = [], None
    model.stop_training = False
    with _captured() as (out, caught):
        try:
            cb.set_model(model)
            cb.on_train_begin()
            for epoch, logs in enumerate(sequence):
                model.set_weights(weights[epoch])
                if isinstance(model, Sequential):  # as glassnet's fit tells its callbacks
                    model._epoch_validated = _fit_validated(logs)
                cb.on_epoch_end(epoch, dict(logs))
                states.append({key: getattr(cb, key, None) for key in
                               ("wait", "best", "stopped_epoch", "best_epoch", "cooldown_counter")}
                              | {"stop": bool(model.stop_training),
                                 "lr": float(np.asarray(model.optimizer.learning_rate))})
                if model.stop_training:
                    break
            cb.on_train_end()
        except (ValueError, TypeError) as exc:
            error = exc
    return states, [np.asarray(w, dtype=np.float64) for w in model.get_weights()], _lines(out.getvalue()), \
        [str(w.message) for w in caught], error


def _weights(n):
    return [[np.full((2, 1), 0.25 * (epoch + 1)), np.full(1, -0.5 * epoch)] for epoch in range(n)]


def _compare_monitoring(ours, theirs, sequence, monitor, mode, start=0):
    g_states, g_weights, g_lines, _, g_error = ours
    k_states, k_weights, k_lines, k_warnings, k_error = theirs
    if not _keras_direction_known(monitor, mode):  # neither can tell which way "score" improves
        assert isinstance(g_error, ValueError) and "mode='min' or mode='max'" in str(g_error)
        assert isinstance(k_error, ValueError)
        return
    assert k_error is None
    missing = next((epoch for epoch, logs in enumerate(sequence[:len(k_states)])
                    if monitor not in logs
                    and not (monitor.startswith("val_") and not _fit_validated(logs))), None)
    if missing is not None:
        # a monitor missing from a validated epoch: Keras warns and goes on, glassnet names it (on purpose)
        assert isinstance(g_error, ValueError) and monitor in str(g_error)
        assert any("not available" in w and monitor in w for w in k_warnings)
        assert g_states == [] or len(g_states) == missing
        k_states = k_states[:missing]
    else:
        assert g_error is None
        np.testing.assert_array_equal(g_weights[0], k_weights[0])
        np.testing.assert_array_equal(g_weights[1], k_weights[1])
        assert g_lines == k_lines
    assert len(g_states) == len(k_states)
    for epoch, (g, k) in enumerate(zip(g_states, k_states)):
        for key in ("wait", "stopped_epoch", "best_epoch", "cooldown_counter", "stop"):
            assert g[key] == k[key], (epoch, key, g, k)
        assert _same(g["best"], k["best"]), (epoch, g, k)
        assert g["lr"] == pytest.approx(k["lr"], rel=1e-6), (epoch, g, k)


# ---------------------------------------------------------------- EarlyStopping


@_settings(40)
@given(data=st.data(), monitor=st.sampled_from(MONITORS), mode=st.sampled_from(["auto", "min", "max"]),
       min_delta=st.sampled_from([0.0, 0.125, 0.25, -0.25]), patience=st.integers(0, 4),
       baseline=st.one_of(st.none(), GRID), start=st.integers(0, 3), restore=st.booleans(),
       verbose=st.sampled_from([0, 1]), n=st.integers(1, 9))
def test_early_stopping_decides_as_keras(keras_model, data, monitor, mode, min_delta, patience, baseline, start,
                                         restore, verbose, n):
    sequence = data.draw(epoch_logs(monitor, n))
    assume(not _first_judged_is_nan(sequence, monitor, start))
    kwargs = dict(monitor=monitor, mode=mode, min_delta=min_delta, patience=patience, baseline=baseline,
                  start_from_epoch=start, restore_best_weights=restore, verbose=verbose)
    ours = gcb.EarlyStopping(**kwargs)
    ours.set_params({"do_validation": True, "epochs": n})
    theirs = keras.callbacks.EarlyStopping(**kwargs)
    weights = _weights(n)
    _compare_monitoring(_run_monitoring(ours, _glassnet_model(), sequence, weights),
                        _run_monitoring(theirs, keras_model, sequence, weights), sequence, monitor, mode, start)


# ---------------------------------------------------------------- ReduceLROnPlateau


@_settings(40)
@given(data=st.data(), monitor=st.sampled_from(MONITORS), mode=st.sampled_from(["auto", "min", "max"]),
       factor=st.sampled_from([0.5, 0.25, 0.125, 0.1, 0.2]), patience=st.integers(0, 4), cooldown=st.integers(0, 3),
       min_lr=st.sampled_from([0.0, 2.0 ** -6, 0.125, 0.5, 0.01, 1e-3]), min_delta=st.sampled_from([0.0, 0.125, -0.25]),
       verbose=st.sampled_from([0, 1]), n=st.integers(1, 10))
def test_reduce_lr_on_plateau_decides_as_keras(keras_model, data, monitor, mode, factor, patience, cooldown, min_lr,
                                               min_delta, verbose, n):
    sequence = data.draw(epoch_logs(monitor, n))
    assume(not _first_judged_is_nan(sequence, monitor))
    kwargs = dict(monitor=monitor, mode=mode, factor=factor, patience=patience, cooldown=cooldown, min_lr=min_lr,
                  min_delta=min_delta, verbose=verbose)
    ours = gcb.ReduceLROnPlateau(**kwargs)
    ours.set_params({"do_validation": True, "epochs": n})
    theirs = keras.callbacks.ReduceLROnPlateau(**kwargs)
    keras_model.optimizer.learning_rate = 1.0
    weights = _weights(n)
    _compare_monitoring(_run_monitoring(ours, _glassnet_model(), sequence, weights),
                        _run_monitoring(theirs, keras_model, sequence, weights), sequence, monitor, mode)


# ---------------------------------------------------------------- ModelCheckpoint

TEMPLATES = ["m_{epoch:02d}", "m_{epoch:02d}_{val_loss:.2f}", "m_{epoch}_{loss:.3f}", "m_{epoch}_{batch}", "m"]


def _checkpoint_run(cb, model, epochs, folder, suffix):
    """Drive ``cb`` as fit does (batch ends when it saves every n batches); the names it saves (the
    folder and suffix taken off), the printed lines, and the error raised (None if none)."""
    saved, error = [], None

    def save(path, *args, **kwargs):
        saved.append(os.path.relpath(os.fspath(path), folder).removesuffix(suffix))

    model.save = model.save_weights = save  # names and decisions are compared, not files
    try:
        with _captured() as (out, _):
            try:
                cb.set_model(model)
                cb.on_train_begin()
                if isinstance(cb, keras.callbacks.ModelCheckpoint):
                    # Keras 3.15 sets its comparison at the first epoch's end: a save_best_only judged every
                    # n batches fails (TypeError: None is not callable) at the second judged batch before it
                    cb._set_monitor_op()
                for epoch, (batch_losses, logs) in enumerate(epochs):
                    cb.on_epoch_begin(epoch)
                    if cb.save_freq != "epoch":
                        for batch, loss in enumerate(batch_losses):
                            cb.on_train_batch_end(batch, {"loss": loss})
                    cb.on_epoch_end(epoch, dict(logs))
                cb.on_train_end()
            except (ValueError, KeyError) as exc:
                error = exc
    finally:
        del model.save, model.save_weights
    lines = [re.sub(r", batch \d+", "", line.replace(folder + os.sep, "").replace(suffix, ""))
             for line in _lines(out.getvalue())]
    return saved, lines, error


@_settings(40)
@given(data=st.data(), monitor=st.sampled_from(["val_loss", "loss"]), mode=st.sampled_from(["auto", "min", "max"]),
       best_only=st.booleans(), threshold=st.one_of(st.none(), GRID), template=st.sampled_from(TEMPLATES),
       save_freq=st.sampled_from(["epoch", "epoch", 1, 2, 3]), verbose=st.sampled_from([0, 1]),
       n=st.integers(1, 5), batches=st.integers(1, 3))
def test_model_checkpoint_saves_the_epochs_keras_saves(keras_model, tmp_path_factory, data, monitor, mode, best_only,
                                                       threshold, template, save_freq, verbose, n, batches):
    if save_freq != "epoch" and best_only:
        monitor = "loss"  # glassnet refuses a val_* monitor judged on batch logs (docs/api.md)
    epochs = [(data.draw(st.lists(VALUE, min_size=batches, max_size=batches)),
               {"loss": data.draw(VALUE), "val_loss": data.draw(VALUE)}) for _ in range(n)]
    judged = ([logs[monitor] for _, logs in epochs] if save_freq == "epoch" else  # every save_freq-th batch
              [v for losses, _ in epochs for v in losses][save_freq - 1::save_freq])
    assume(judged)
    assume(not (best_only and threshold is None and math.isnan(judged[0])))  # Keras's first NaN (docs/api.md)
    folder = os.fspath(tmp_path_factory.mktemp("checkpoints"))
    kwargs = dict(monitor=monitor, mode=mode, save_best_only=best_only, save_freq=save_freq, verbose=verbose,
                  initial_value_threshold=threshold)
    theirs = keras.callbacks.ModelCheckpoint(os.path.join(folder, template + ".keras"), **kwargs)
    k_saved, k_lines, k_error = _checkpoint_run(theirs, keras_model, epochs, folder, ".keras")
    ours = gcb.ModelCheckpoint(os.path.join(folder, template + ".gn"), **kwargs)
    ours.set_params({"do_validation": True, "epochs": n})
    g_saved, g_lines, g_error = _checkpoint_run(ours, _glassnet_model(), epochs, folder, ".gn")
    if k_error is not None:  # a field the logs lack: Keras's KeyError, glassnet's ValueError naming it
        assert isinstance(k_error, KeyError)
        assert g_saved == k_saved
        assert isinstance(g_error, ValueError) and "names {" in str(g_error) or (best_only and not g_saved)
        return
    assert g_error is None
    assert g_saved == k_saved
    assert g_lines == k_lines


# ---------------------------------------------------------------- LearningRateScheduler

SCHEDULES = {
    "halve": lambda epoch, lr: lr * 0.5,
    "table": lambda epoch: [1.0, 0.5, 0.5, 0.25, 0.125, 2.0 ** -6][epoch],
    "step": lambda epoch, lr: lr if epoch < 2 else lr * 0.25,
    "numpy": lambda epoch: np.float32(1.0 / (epoch + 1)),
    "inverse": lambda epoch, lr=None: 1.0 / (epoch + 1),  # takes lr: Keras and glassnet both call (epoch, lr)
}


@_settings(20)
@given(name=st.sampled_from(sorted(SCHEDULES)), verbose=st.sampled_from([0, 1]), n=st.integers(1, 6))
def test_learning_rate_scheduler_sets_the_rates_keras_sets(keras_model, name, verbose, n):
    rates = []
    for cb, model in ((keras.callbacks.LearningRateScheduler(SCHEDULES[name], verbose=verbose), keras_model),
                      (gcb.LearningRateScheduler(SCHEDULES[name], verbose=verbose), _glassnet_model())):
        model.optimizer.learning_rate = 1.0
        cb.set_model(model)
        seen = []
        with _captured() as (out, _):
            cb.on_train_begin()
            for epoch in range(n):
                cb.on_epoch_begin(epoch)
                logs = {"loss": 0.5}
                cb.on_epoch_end(epoch, logs)
                seen.append(logs["learning_rate"])
        rates.append((seen, _lines(out.getvalue())))
    (k_rates, k_lines), (g_rates, g_lines) = rates
    assert g_rates == pytest.approx(k_rates, rel=1e-6)
    assert g_lines == k_lines


# ---------------------------------------------------------------- CSVLogger and History

KEYS = ["loss", "accuracy", "learning_rate", "zeta", "val_loss", "val_accuracy"]
CSV_VALUE = st.one_of(GRID, st.sampled_from([math.nan, math.inf, 0, 3, np.float32(0.1), np.float64(2.5), "text"]))


@st.composite
def csv_fit(draw):
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
    epochs = draw(st.integers(1, 4))
    validated = draw(st.lists(st.booleans(), min_size=epochs, max_size=epochs))
    return [{k: draw(CSV_VALUE) for k in keys if not k.startswith("val_") or validated[epoch]}
            for epoch in range(epochs)]


@_settings(40)
@given(fits=st.lists(csv_fit(), min_size=1, max_size=2), separator=st.sampled_from([",", ";", "\t", " "]),
       append=st.booleans())
def test_csv_logger_writes_keras_s_file_and_history_keeps_the_logs(keras_model, tmp_path_factory, fits, separator,
                                                                    append):
    folder = tmp_path_factory.mktemp("csv")
    texts = []
    for logger, model in ((keras.callbacks.CSVLogger(folder / "k.csv", separator, append), keras_model),
                          (gcb.CSVLogger(folder / "g.csv", separator, append), _glassnet_model())):
        for sequence in fits:
            history = gcb.History() if isinstance(logger, gcb.CSVLogger) else keras.callbacks.History()
            validates = any(k.startswith("val_") for logs in sequence for k in logs)
            for cb in (logger, history):
                cb.set_model(model)
                cb.set_params({"do_validation": validates, "epochs": len(sequence)})
                cb.on_train_begin()
            for epoch, logs in enumerate(sequence):
                for cb in (logger, history):
                    cb.on_epoch_end(epoch, dict(logs))
            logger.on_train_end()
            assert history.epoch == list(range(len(sequence)))
            assert history.history == {k: [logs[k] for logs in sequence if k in logs]
                                       for k in dict.fromkeys(k for logs in sequence for k in logs)}
        texts.append((folder / ("k.csv" if len(texts) == 0 else "g.csv")).read_text())
    k_text, g_text = texts
    same = all(any(k.startswith("val_") for k in seq[0]) or (any(k.startswith("val_") for logs in seq for k in logs)
                                                            and "learning_rate" not in seq[0]) for seq in fits)
    if same:
        assert g_text == k_text
        return
    # docs/api.md: without validation data, or beside the learning rate, Keras adds val_ columns that are
    # always NA; glassnet's file is Keras's without them
    k_rows = list(csv.DictReader(io.StringIO(k_text), delimiter=separator))[:len(fits[0])]
    g_rows = list(csv.DictReader(io.StringIO(g_text), delimiter=separator))[:len(fits[0])]
    assert [{k: v for k, v in row.items() if k in g_rows[0]} for row in k_rows] == g_rows
    assert all(row[k] == "NA" for row in k_rows for k in row if k not in g_rows[0])


# ---------------------------------------------------------------- the hooks fit calls

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end"]


def _recorder(base, calls, stop_at):
    """A callback of class ``base`` that records each hook, its index and its logs' keys, and stops
    training at the end of the batch ``stop_at`` = (epoch, batch)."""
    class Recorder(base):
        epoch = None

    def hook(name):
        def call(self, *args, **kwargs):
            logs = kwargs.get("logs", args[-1] if args and isinstance(args[-1], dict) else None)
            index = args[0] if args and not isinstance(args[0], dict) else None
            calls.append((name, index, sorted(logs or {})))
            if name == "on_epoch_begin":
                self.epoch = index
            if name == "on_train_batch_end" and (self.epoch, index) == stop_at:
                self.model.stop_training = True
        return call

    for name in HOOKS:
        setattr(Recorder, name, hook(name))
    return Recorder()


@_settings(6)
@given(n=st.integers(6, 14), batch_size=st.integers(2, 6), epochs=st.integers(1, 3), initial=st.integers(0, 2),
       validation=st.sampled_from([None, "split", "data"]),
       freq=st.sampled_from([1, 2, [1], [1, 3], [2, 3]]), steps=st.one_of(st.none(), st.integers(1, 3)),
       stop_at=st.one_of(st.none(), st.tuples(st.integers(0, 2), st.integers(0, 3))))
def test_fit_calls_the_hooks_keras_calls(n, batch_size, epochs, initial, validation, freq, steps, stop_at):
    rng = np.random.default_rng(n)
    X, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 1))
    fit = dict(batch_size=batch_size, epochs=epochs, initial_epoch=min(initial, epochs - 1), verbose=0,
               shuffle=False, steps_per_epoch=steps, validation_freq=freq)
    if validation == "split":
        fit["validation_split"] = 0.25
    elif validation == "data":
        fit["validation_data"] = (X[:5], y[:5])
    k_calls, g_calls = [], []
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"], run_eagerly=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, callbacks=[_recorder(keras.callbacks.Callback, k_calls, stop_at)], **fit)
        ours = Sequential([Dense(1, input_dim=2)])
        ours.compile(optimizer=SGD(0.01), loss="mse", metrics=["mae"])
        ours.fit(X, y, callbacks=[_recorder(gcb.Callback, g_calls, stop_at)], **fit)
    assert g_calls == k_calls


# ---------------------------------------------------------------- BackupAndRestore


class _Interrupt(gcb.Callback):
    """Raise at ``where`` ("begin": the epoch's start, "batch": after its first batch, "end": its end,
    after the backup of that epoch when listed after BackupAndRestore) of epoch ``epoch``."""

    def __init__(self, epoch, where):
        super().__init__()
        self.epoch, self.where, self._current = epoch, where, None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch
        if (epoch, self.where) == (self.epoch, "begin"):
            raise KeyboardInterrupt

    def on_train_batch_end(self, batch, logs=None):
        if (self._current, batch, self.where) == (self.epoch, 0, "batch"):
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, logs=None):
        if (epoch, self.where) == (self.epoch, "end"):
            raise KeyboardInterrupt


def _backup_model(optimizer, dropout):
    from glassnet import optimizers
    from glassnet.layers import Dropout

    layers = [Dense(6, activation="tanh", input_dim=3), *([Dropout(0.3)] if dropout else []), Dense(2)]
    model = Sequential(layers, dtype="float64", seed=3)
    model.compile(loss="mse", metrics=["mae"], optimizer={
        "sgd": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True), "adam": lambda: optimizers.Adam(0.01),
        "rmsprop": lambda: optimizers.RMSprop(0.01)}[optimizer]())
    return model


@_settings(12)
@given(epochs=st.integers(2, 5), stop=st.integers(0, 4), where=st.sampled_from(["begin", "batch", "end"]),
       optimizer=st.sampled_from(["sgd", "adam", "rmsprop"]), dropout=st.booleans(),
       shuffle=st.sampled_from([True, False, "batch"]), batch_size=st.sampled_from([4, 7, 32]),
       validation=st.booleans(), lr_plateau=st.booleans())
def test_backup_and_restore_resumes_bit_for_bit(tmp_path_factory, epochs, stop, where, optimizer, dropout, shuffle,
                                                batch_size, validation, lr_plateau):
    stop = min(stop, epochs - 1)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 2))
    fit = dict(epochs=epochs, batch_size=batch_size, shuffle=shuffle, verbose=0,
               validation_split=0.2 if validation else None)

    def extra():  # a callback whose state is no part of the backup: one that changes only the rate, each epoch
        return [gcb.LearningRateScheduler(lambda epoch: 0.01 / (epoch + 1))] if lr_plateau else []

    straight = _backup_model(optimizer, dropout)
    expected = straight.fit(X, Y, callbacks=extra(), **fit)
    backup = tmp_path_factory.mktemp("backup") / "b"
    first, history = _backup_model(optimizer, dropout), gcb.History()
    with pytest.raises(KeyboardInterrupt):
        first.fit(X, Y, callbacks=[*extra(), gcb.BackupAndRestore(backup), _Interrupt(stop, where), history], **fit)
    done = stop + (where == "end")  # epochs the backup holds
    assert history.epoch == list(range(stop))
    resumed = _backup_model(optimizer, dropout)  # a new process builds it again
    rest = resumed.fit(X, Y, callbacks=[*extra(), gcb.BackupAndRestore(backup)], **fit)
    assert rest.epoch == list(range(done, epochs))
    assert {k: v[done:] for k, v in expected.history.items() if v[done:]} == rest.history
    for ours, theirs in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert resumed.optimizer.iterations == straight.optimizer.iterations
    (steps, state), (expected_steps, expected_state) = resumed.optimizer.get_state(), straight.optimizer.get_state()
    assert steps == expected_steps and state.keys() == expected_state.keys()
    for name in state:
        np.testing.assert_array_equal(state[name], expected_state[name])
    assert not backup.exists()  # deleted when fit ended


# ---------------------------------------------------------------- bad arguments

ARGUMENTS = [
    (gcb.EarlyStopping, {}, ["monitor", "min_delta", "patience", "verbose", "mode", "baseline",
                             "restore_best_weights", "start_from_epoch"]),
    (gcb.ReduceLROnPlateau, {}, ["monitor", "factor", "patience", "verbose", "mode", "min_delta", "cooldown",
                                 "min_lr"]),
    (gcb.ModelCheckpoint, {"filepath": "m-{epoch}.gn"}, ["filepath", "monitor", "verbose", "save_best_only",
                                                         "save_weights_only", "mode", "save_freq",
                                                         "initial_value_threshold"]),
    (gcb.LearningRateScheduler, {"schedule": lambda epoch: 0.1}, ["schedule", "verbose"]),
    (gcb.CSVLogger, {"filename": "log.csv"}, ["filename", "separator", "append"]),
    (gcb.BackupAndRestore, {"backup_dir": "backup"}, ["backup_dir", "save_freq", "double_checkpoint",
                                                      "delete_checkpoint"]),
    (gcb.TerminateOnNaN, {}, ["raise_error"]),
]
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(), st.text(max_size=4),
                 st.sampled_from(["bogus", "{nope:d}", "{epoch:s}", "", [1], (0.5,), {"a": 1}, np.array([1.0, 2.0]),
                                  np.float64(0.5), np.int64(2), 1.0, 1.5, -1, 0]))


@_settings(300)
@given(which=st.sampled_from([(cls, base, arg) for cls, base, args in ARGUMENTS for arg in args]), value=JUNK)
def test_a_bad_argument_is_a_typed_error_naming_it(which, value):
    cls, base, arg = which
    try:
        cls(**{**base, arg: value})
    except (ValueError, TypeError) as exc:
        assert arg in str(exc), (arg, value, exc)


@pytest.mark.parametrize("make, match", [
    (lambda: gcb.EarlyStopping(mode="bogus"), "mode"),  # Keras: warns, falls back to "auto"
    (lambda: gcb.EarlyStopping(patience=-1), "patience"),  # Keras: takes it (as 0)
    (lambda: gcb.ReduceLROnPlateau(factor=1.0), "factor"),  # Keras: ValueError too
    (lambda: gcb.ReduceLROnPlateau(min_lr=-1.0), "min_lr"),  # Keras: takes it
    (lambda: gcb.LearningRateScheduler(0.1), "schedule"),  # Keras: a TypeError at the first epoch
    (lambda: gcb.ModelCheckpoint("m.gn", save_freq=0), "save_freq"),  # Keras: takes it (saves every batch)
    (lambda: gcb.ModelCheckpoint("m-{epoch:s}.gn"), "filepath"),  # Keras: a ValueError after the first epoch
    (lambda: gcb.ModelCheckpoint("m.gn", monitor=3), "monitor"),  # Keras: an AttributeError at the first epoch
])
def test_bad_arguments_keras_takes_or_fails_on_later_are_refused_at_once(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
