"""Resuming training exactly (session 58): load_weights of glassnet's own model files restores the optimizer's
state as a .weights.h5 file's does, and a BackupAndRestore backup due at an epoch's last batch counts the epoch
as done."""
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import callbacks, optimizers, schedules
from glassnet.layers import BatchNormalization, Dense, Dropout, Input
from glassnet.models import OptimizerStateWarning, Sequential


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 6)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)


def _model(optimizer=None, dropout=0.0):
    glassnet.utils.set_random_seed(7)
    layers = [Input((6,)), Dense(12, activation="relu"), BatchNormalization(), Dense(3, activation="softmax")]
    if dropout:
        layers.insert(3, Dropout(dropout))
    model = Sequential(layers)
    # 6 steps an epoch: the warm-up ends in epoch 2, the decay runs past the save at epoch 5
    schedule = schedules.CosineDecay(0.0, decay_steps=60, warmup_target=0.02, warmup_steps=10)
    model.compile(optimizer=optimizer or optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    return model


def _fresh_built(optimizer=None):
    model = _model(optimizer)
    model.optimizer.build(model.trainable_variables)  # (as in Keras: an unbuilt optimizer skips a file's state)
    return model


# -- load_weights of glassnet's own model files (finding 2) ---------------------------------------------------------
@pytest.mark.parametrize("name", ["half.gn", "half.keras"])
def test_load_weights_of_a_model_file_resumes_bitwise(tmp_path, name):
    X, y = _data()
    full = _model()
    full.fit(X, y, epochs=10, batch_size=16, shuffle=False, verbose=0)
    half = _model()
    half.fit(X, y, epochs=5, batch_size=16, shuffle=False, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the .keras name's: glassnet's format, not Keras's)
        half.save(tmp_path / name)
    resumed = _fresh_built()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the state fits: nothing to say
        resumed.load_weights(tmp_path / name)
    assert resumed.optimizer.iterations == 30
    # by hand: 20 of the 60 decay steps after the warm-up, 0.02 · (1 + cos(π/3)) / 2
    assert float(resumed.optimizer.learning_rate) == pytest.approx(0.015, rel=1e-6)
    resumed.fit(X, y, initial_epoch=5, epochs=10, batch_size=16, shuffle=False, verbose=0)
    assert resumed.optimizer.iterations == full.optimizer.iterations == 60
    for a, b in zip(full.get_weights(), resumed.get_weights()):
        assert np.array_equal(a, b)


def test_load_weights_of_a_model_file_restores_a_reduced_rate(tmp_path):
    X, y = _data()
    model = _model(optimizers.SGD(0.1, momentum=0.9))
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    model.optimizer.learning_rate = 0.025  # (as ReduceLROnPlateau sets it)
    model.save(tmp_path / "m.gn")
    other = _fresh_built(optimizers.SGD(0.1, momentum=0.9))
    other.load_weights(tmp_path / "m.gn")
    assert other.optimizer.learning_rate == 0.025 and other.optimizer.iterations == 6
    assert np.array_equal(other.optimizer.state["momentum"], model.optimizer.state["momentum"])


def test_load_weights_reads_the_state_of_a_file_of_another_dtype(tmp_path):
    X, y = _data()
    glassnet.utils.set_random_seed(3)
    model = Sequential([Input((6,)), Dense(3, activation="softmax")], dtype="float64")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m64.gn")
    narrow = Sequential([Input((6,)), Dense(3, activation="softmax")])  # float32, as the weights are read
    narrow.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    narrow.optimizer.build(narrow.trainable_variables)
    narrow.load_weights(tmp_path / "m64.gn")
    assert narrow.optimizer.iterations == 6
    np.testing.assert_array_equal(narrow.optimizer.state["v"], model.optimizer.state["v"].astype(np.float32))


def test_load_weights_keeps_the_optimizer_where_the_state_does_not_fit(tmp_path):
    X, y = _data()
    model = _model()
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.gn")
    # another optimizer's vectors: kept, said
    other = _fresh_built(optimizers.SGD(0.1, momentum=0.9))
    with pytest.warns(OptimizerStateWarning, match=r"holds \['m', 'v'\].*SGD keeps \['momentum'\]"):
        other.load_weights(tmp_path / "m.gn")
    assert other.optimizer.iterations == 0 and not other.optimizer.state["momentum"].any()
    for a, b in zip(model.get_weights(), other.get_weights()):  # the weights are read all the same
        assert np.array_equal(a, b)
    # an optimizer that has taken no step: as a .weights.h5 file's state, not read, with the way to read it
    unbuilt = _model()
    with pytest.warns(OptimizerStateWarning, match=r"not been built.*optimizer\.build\(model\.trainable_variables\)"):
        unbuilt.load_weights(tmp_path / "m.gn")
    assert unbuilt.optimizer.iterations == 0
    # the file of another model, read with skip_mismatch: its layers' weights are not all this model's
    wider = Sequential([Input((6,)), Dense(12, activation="relu"), BatchNormalization(), Dense(5, activation="softmax")])
    wider.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    wider.optimizer.build(wider.trainable_variables)
    with pytest.warns(OptimizerStateWarning, match="state of other weights"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*(skip|not loaded|kept).*", category=UserWarning)
            wider.load_weights(tmp_path / "m.gn", skip_mismatch=True)
    assert wider.optimizer.iterations == 0


def test_load_weights_of_a_file_without_state_changes_nothing_else(tmp_path):
    X, y = _data()
    model = _model()
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    model.save_weights(tmp_path / "w.gn")  # (glassnet's own file: weights and compile settings, no state)
    model.save(tmp_path / "m.gn")
    for path in ("w.gn", "m.gn"):  # transfer learning: loaded before compile, silently
        plain = Sequential([Input((6,)), Dense(12, activation="relu"), BatchNormalization(),
                            Dense(3, activation="softmax")])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            plain.load_weights(tmp_path / path)
    trained = _model()
    trained.fit(X, y, epochs=1, batch_size=16, verbose=0)
    before = trained.optimizer.get_state()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trained.load_weights(tmp_path / "w.gn")
    after = trained.optimizer.get_state()
    assert before[0] == after[0] == 6 and all(np.array_equal(before[1][k], after[1][k]) for k in before[1])


# -- BackupAndRestore(save_freq=n) at an epoch's last batch (finding 4) ---------------------------------------------
class _Kill(callbacks.Callback):
    """Stops fit as a killed job would (an exception: on_train_end does not run, the backup stays)."""

    def __init__(self, at):
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


@pytest.mark.parametrize("save_freq", [6, 3])
def test_backup_at_an_epochs_last_batch_counts_the_epoch_done(tmp_path, save_freq):
    X, y = _data()
    full = _model(dropout=0.2)
    full.fit(X, y, epochs=6, batch_size=16, verbose=0)  # 6 batches an epoch, shuffled
    backup = callbacks.BackupAndRestore(tmp_path / "backup", save_freq=save_freq)
    with pytest.raises(KeyboardInterrupt):
        _model(dropout=0.2).fit(X, y, epochs=6, batch_size=16, verbose=0, callbacks=[backup, _Kill((3, 0))])
    restarted = _model(dropout=0.2)
    history = restarted.fit(X, y, epochs=6, batch_size=16, verbose=0, callbacks=[backup])
    assert history.epoch == [3, 4, 5]  # (epoch 2 again before: 42 steps in all)
    assert restarted.optimizer.iterations == full.optimizer.iterations == 36
    for a, b in zip(full.get_weights(), restarted.get_weights()):
        assert np.array_equal(a, b)


def test_backup_inside_an_epoch_still_repeats_it(tmp_path):
    X, y = _data()
    backup = callbacks.BackupAndRestore(tmp_path / "backup", save_freq=4)  # last backup: epoch 2, batch 4 of 6
    with pytest.raises(KeyboardInterrupt):
        _model().fit(X, y, epochs=6, batch_size=16, verbose=0, callbacks=[backup, _Kill((3, 0))])
    history = _model().fit(X, y, epochs=6, batch_size=16, verbose=0, callbacks=[backup])
    assert history.epoch == [2, 3, 4, 5]


class _KillInValidation(callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_test_batch_end(self, batch, logs=None):
        if self.epoch == 1:
            raise KeyboardInterrupt


def test_a_crash_during_validation_keeps_the_backup_of_the_epochs_last_batch(tmp_path):
    # (review) the backup due at the last batch was put off to the epoch's end: a crash in the validation lost it,
    # and with save_freq=12 (a backup every second epoch) there was none at all
    X, y = _data()
    backup = callbacks.BackupAndRestore(tmp_path / "backup", save_freq=12)  # epoch 1's last batch
    with pytest.raises(KeyboardInterrupt):
        _model().fit(X, y, epochs=4, batch_size=16, validation_data=(X, y), verbose=0,
                     callbacks=[backup, _KillInValidation()])
    assert (tmp_path / "backup" / "latest.gn").exists()
    history = _model().fit(X, y, epochs=4, batch_size=16, validation_data=(X, y), verbose=0, callbacks=[backup])
    assert history.epoch == [1, 2, 3]  # epoch 1 not done (its validation was not): repeated from that backup


def test_load_weights_of_a_loss_scale_optimizers_file_into_a_plain_one_loads_the_weights(tmp_path):
    # (review) the loss scale, state no plain SGD keeps, was a ValueError: no weights loaded (before 8834124e they did)
    X, y = _data()
    saved = _model(optimizers.LossScaleOptimizer(optimizers.SGD(0.01)))
    saved.fit(X, y, epochs=1, batch_size=16, verbose=0)
    saved.save(tmp_path / "scaled.gn")
    for optimizer in (optimizers.SGD(0.01), optimizers.Adam(0.01)):
        model = _fresh_built(optimizer)
        with pytest.warns(OptimizerStateWarning, match="is not read"):
            model.load_weights(tmp_path / "scaled.gn")
        for a, b in zip(saved.get_weights(), model.get_weights()):
            assert np.array_equal(a, b)
