"""Keras's moving average of the weights (``Optimizer(use_ema=True, ema_momentum,
ema_overwrite_frequency)``, ``SwapEMAWeights``) and gradient accumulation
(``Optimizer(gradient_accumulation_steps=n)``).

After each step ``average ← μ·average + (1 − μ)·w`` (after the first step, ``average = w``);
every ``ema_overwrite_frequency`` steps the average becomes the weights, and ``fit`` ends with it
as the weights. Checked against the formula step by step, and against Keras 3.15 (JAX) training
the same network from the same weights (numbers recorded below).
"""

import warnings

import numpy as np
import pytest

from glassnet import optimizers
from glassnet.callbacks import Callback
from glassnet.layers import Dense
from glassnet.models import Sequential, load_model


def test_average_after_each_step_follows_the_formula():
    # Keras's own unit test (adam_test.test_ema), with the numbers written out
    opt = optimizers.Adam(learning_rate=1.0, use_ema=True, ema_momentum=0.9)
    w = np.array([1.0, 2.0], dtype=np.float32)
    g = np.array([0.1, 0.2], dtype=np.float32)
    opt.apply(w, g.copy())
    v1 = w.copy()
    np.testing.assert_array_equal(opt.state["average"], v1)  # the first step's weights
    opt.apply(w, g.copy())
    v2 = w.copy()
    np.testing.assert_allclose(opt.state["average"], 0.9 * v1 + 0.1 * v2, rtol=1e-6)
    np.testing.assert_array_equal(w, v2)  # without ema_overwrite_frequency the weights are the rule's


def test_overwrite_frequency_puts_the_average_into_the_weights():
    plain = optimizers.SGD(learning_rate=0.5)
    ema = optimizers.SGD(learning_rate=0.5, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    w_plain, w_ema = np.array([1.0]), np.array([1.0])
    averages = []
    for _ in range(4):
        plain.apply(w_plain, np.array([1.0]))
        ema.apply(w_ema, np.array([1.0]))
        averages.append(ema.state["average"].copy())
    # w, average: 0.5, 0.5; 0.0, 0.25 (then w = 0.25); -0.25, 0.0; -0.75, -0.375 (then w = -0.375)
    np.testing.assert_allclose(np.concatenate(averages), [0.5, 0.25, 0.0, -0.375])
    np.testing.assert_allclose(w_ema, [-0.375])
    np.testing.assert_allclose(w_plain, [-1.0])


# Keras 3.15.1 (JAX): Sequential([Input((4,)), Dense(3, "tanh"), Dense(2)]) with the weights
# below, Adam(0.05, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=freq), mse,
# fit(X, Y, batch_size=4, epochs=3, shuffle=False); its get_weights() after fit, flattened.
KERAS = {
    None: [
        [-0.1691399, 1.1478211, 0.3689545, -0.50742143, 0.14127414, 0.3344844, -0.22701995, 0.19504684,
         -0.03349931, 0.18676727, 0.56870896, -0.3809035],
        [0.1144835, 0.11635596, 0.18645978],
        [0.17091386, -0.19427063, 0.09336068, -0.4510237, -0.2876749, -0.25801873],
        [-0.03624676, -0.1349085],
    ],
    3: [
        [-0.19898437, 1.1185323, 0.38581264, -0.5245685, 0.12364042, 0.3334698, -0.20367306, 0.22386259,
         -0.04362661, 0.21466136, 0.5979494, -0.37951854],
        [0.09830502, 0.09876412, 0.17132652],
        [0.15277554, -0.1943948, 0.09007093, -0.47735366, -0.3008974, -0.22602478],
        [-0.03675937, -0.11098729],
    ],
}


def _data():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((8, 4)).astype(np.float32)
    Y = rng.standard_normal((8, 2)).astype(np.float32)
    W = [rng.standard_normal((4, 3)).astype(np.float32) * 0.5, np.zeros(3, np.float32) + 0.1,
         rng.standard_normal((3, 2)).astype(np.float32) * 0.5, np.zeros(2, np.float32)]
    return X, Y, W


def _model(W, **ema):
    model = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
    model.compile(optimizer=optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8, **ema), loss="mse")
    model.set_weights(W)
    return model


@pytest.mark.parametrize("freq", [None, 3])
def test_fit_ends_with_the_weights_keras_gets(freq):
    X, Y, W = _data()
    model = _model(W, ema_overwrite_frequency=freq)
    model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    for got, expected in zip(model.get_weights(), KERAS[freq]):
        np.testing.assert_allclose(got.ravel(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in model.get_weights()]),
                                  model.optimizer.state["average"])


def test_without_use_ema_the_weights_are_the_rules():
    X, Y, W = _data()
    plain = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
    plain.compile(optimizer=optimizers.Adam(0.05), loss="mse")
    plain.set_weights(W)
    plain.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    ema = _model(W)
    ema.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    assert "average" not in plain.optimizer.state
    assert not np.allclose(plain.get_weights()[0], ema.get_weights()[0])


def test_a_frozen_layer_keeps_its_weights_bit_for_bit():
    X, Y, W = _data()
    model = _model(W, ema_overwrite_frequency=2)
    model.layers[0].trainable = False
    model.compile(optimizer=optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=2),
                  loss="mse")
    model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], W[0])
    np.testing.assert_array_equal(model.get_weights()[1], W[1])
    assert not np.allclose(model.get_weights()[2], W[2])


def test_the_average_is_saved_and_training_resumes_with_it(tmp_path):
    X, Y, W = _data()
    whole = _model(W)
    whole.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0)
    half = _model(W)
    half.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    # fit ended with the average as the weights; resuming from the rule's weights needs them back,
    # so compare the optimizer state through a file instead of continuing `half`
    half.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.optimizer.use_ema and loaded.optimizer.ema_momentum == 0.8
    np.testing.assert_array_equal(loaded.optimizer.state["average"], half.optimizer.state["average"])
    assert loaded.optimizer.iterations == 4
    assert sorted(loaded.optimizer.state) == ["average", "m", "v"]
    assert whole.optimizer.iterations == 8


def test_fit_ends_with_the_average_when_interrupted():
    X, Y, W = _data()

    class Stop(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.model.optimizer.iterations == 3:
                raise KeyboardInterrupt

    model = _model(W)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=[Stop()])
    np.testing.assert_array_equal(np.concatenate([w.ravel() for w in model.get_weights()]),
                                  model.optimizer.state["average"])


def test_a_fit_that_fails_before_a_step_leaves_the_weights():
    X, Y, W = _data()
    model = _model(W)
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.set_weights(W)  # the user's weights after a fit: a failing fit must not replace them
    with pytest.raises(ValueError):
        model.fit(X, Y[:, :1], batch_size=4, epochs=1, verbose=0)
    for got, expected in zip(model.get_weights(), W):
        np.testing.assert_array_equal(got, expected)


def test_a_diverged_run_keeps_the_restored_weights():
    X, Y, W = _data()
    model = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
    model.compile(optimizer=optimizers.SGD(1e30, use_ema=True), loss="mse")
    model.set_weights(W)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert model.stop_reason and "diverged" in model.stop_reason
    for got, expected in zip(model.get_weights(), W):  # the epoch's start, as without use_ema
        np.testing.assert_array_equal(got, expected)


def test_config_and_repr_name_the_ema_settings_only_when_used():
    opt = optimizers.Adam(use_ema=True, ema_momentum=0.95, ema_overwrite_frequency=10)
    config = opt.get_config()
    assert (config["use_ema"], config["ema_momentum"], config["ema_overwrite_frequency"]) == (True, 0.95, 10)
    again = optimizers.Adam.from_config(config)
    assert (again.use_ema, again.ema_momentum, again.ema_overwrite_frequency) == (True, 0.95, 10)
    assert "use_ema" not in optimizers.Adam().get_config()
    assert "ema" not in repr(optimizers.SGD(0.1))


def test_name_as_keras():
    assert optimizers.Adam().name == "adam"
    assert optimizers.SGD().name == "sgd"
    assert optimizers.AdamW().name == "adam_w"
    assert "name" not in optimizers.Adam().get_config()
    named = optimizers.Adam(name="my_adam")
    assert named.name == "my_adam" and named.get_config()["name"] == "my_adam"
    assert optimizers.Adam.from_config(named.get_config()).name == "my_adam"


@pytest.mark.parametrize("kwargs, error, match", [
    ({"use_ema": "yes"}, TypeError, "use_ema must be True or False"),
    ({"ema_momentum": 1.5}, ValueError, "ema_momentum"),
    ({"ema_overwrite_frequency": 0}, ValueError, "ema_overwrite_frequency"),
    ({"ema_overwrite_frequency": 2.5}, TypeError, "ema_overwrite_frequency"),
    ({"loss_scale_factor": 128.0}, ValueError, "loss_scale_factor must be None"),
    ({"gradient_accumulation_steps": 1}, ValueError, "gradient_accumulation_steps must be an integer >= 2"),
    ({"gradient_accumulation_steps": 0}, ValueError, "gradient_accumulation_steps"),
    ({"gradient_accumulation_steps": "2"}, TypeError, "gradient_accumulation_steps"),
    ({"name": 3}, TypeError, "name must be a str"),
])
def test_bad_settings_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        optimizers.Adam(**kwargs)


def test_keras_defaults_are_accepted():
    opt = optimizers.SGD(0.1, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                         loss_scale_factor=None, gradient_accumulation_steps=None, name="SGD")
    assert not opt.use_ema and opt.name == "SGD"


# -- SwapEMAWeights -----------------------------------------------------------------------------
class Seen(Callback):
    """What the model's weights were at each hook (after the callbacks before this one)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_test_begin(self, logs=None):
        self.seen.append(("test", self.model.get_weights()[0].copy(),
                          self.model.optimizer.state["average"][:12].copy()))

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(("epoch_end", self.model.get_weights()[0].copy(),
                          self.model.optimizer.state["average"][:12].copy()))


def test_swap_ema_weights_validates_with_the_average_and_trains_on():
    from glassnet.callbacks import SwapEMAWeights

    X, Y, W = _data()
    reference = _model(W)  # the same training without the callback
    reference.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0, validation_data=(X, Y))
    model = _model(W)
    seen = Seen()
    history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0, validation_data=(X, Y),
                        callbacks=[SwapEMAWeights(), seen])
    for got, expected in zip(model.get_weights(), reference.get_weights()):  # training itself is unchanged
        np.testing.assert_array_equal(got, expected)
    tests = [s for s in seen.seen if s[0] == "test"]
    ends = [s for s in seen.seen if s[0] == "epoch_end"]
    assert len(tests) == 3
    for (_, w_test, avg_test), (_, w_end, avg_end) in zip(tests, ends):
        np.testing.assert_array_equal(w_test.ravel(), avg_end)  # validation saw the average...
        np.testing.assert_array_equal(avg_test, w_end.ravel())  # ...and the trained weights came back after
    # the validation loss is the average's: evaluate the final weights (the average) gives the last one
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(X, Y, verbose=0), rel=1e-6)
    assert history.history["val_loss"][-1] != pytest.approx(reference.history.history["val_loss"][-1], rel=1e-6)


def test_swap_on_epoch_shows_the_average_to_later_callbacks_and_ends_with_it():
    from glassnet.callbacks import SwapEMAWeights

    X, Y, W = _data()
    reference = _model(W)
    reference.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    model = _model(W)
    seen = Seen()
    model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
              callbacks=[SwapEMAWeights(swap_on_epoch=True), seen])
    # the epochs trained on the rule's weights (swapped back at each epoch's start): the end is the same
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)
    last = seen.seen[-1]
    np.testing.assert_array_equal(last[1], model.get_weights()[0])  # the callback after saw the average
    np.testing.assert_array_equal(model.optimizer.state["average"],
                                  np.concatenate([w.ravel() for w in model.get_weights()]))


def test_swap_ema_weights_needs_use_ema_and_a_step():
    from glassnet.callbacks import SwapEMAWeights

    X, Y, W = _data()
    plain = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
    plain.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="use_ema=True"):
        plain.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), callbacks=[SwapEMAWeights()])
    fresh = _model(W)
    with pytest.raises(ValueError, match="no moving average yet"):
        fresh.evaluate(X, Y, verbose=0, callbacks=[SwapEMAWeights()])
    for got, expected in zip(fresh.get_weights(), W):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError, match="swap_on_epoch must be True or False"):
        SwapEMAWeights(swap_on_epoch="yes")


def test_predict_with_swap_ema_weights_uses_the_average():
    from glassnet.callbacks import SwapEMAWeights

    X, Y, W = _data()
    model = _model(W)
    model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    # after fit the weights are the average; make them differ, then predict with the average
    model.optimizer.state["average"][...] += 0.5
    swapped = model.predict(X, callbacks=[SwapEMAWeights()])
    before = model.get_weights()
    shifted = _model([w + 0.5 for w in before])
    np.testing.assert_allclose(swapped, shifted.predict(X), rtol=1e-6)
    for got, expected in zip(model.get_weights(), before):  # put back
        np.testing.assert_array_equal(got, expected)


# -- gradient_accumulation_steps ------------------------------------------------------------------
# Keras 3.15.1 (JAX), the network and weights of KERAS above, fit(X, Y, batch_size=4, shuffle=False):
# Adam(0.05, gradient_accumulation_steps=3) for 4 epochs (8 steps: 2 updates, 2 gradients left over),
# and SGD(0.1, momentum=0.9, gradient_accumulation_steps=2, use_ema=True, ema_momentum=0.5) for 3.
KERAS_ACCUMULATED = {
    "adam3": (2, [
        [-0.23300397, 1.098618, 0.28257096, -0.5207803, 0.12511298, 0.36409774, -0.19443864, 0.24232371,
         0.06618755, 0.2345161, 0.61987156, -0.38822022],
        [0.20000142, 0.19441774, 0.18052459],
        [0.0577151, -0.19780277, 0.08361104, -0.49353522, -0.19442412, -0.19628944],
        [-0.02641148, -0.09945013],
    ]),
    "sgd2ema": (3, [
        [-0.31663442, 1.0125654, 0.35909432, -0.5958624, 0.05617209, 0.28827435, -0.18274456, 0.24935557,
         -0.01509861, 0.3011268, 0.6803141, -0.33780143],
        [0.13364896, 0.1229215, 0.10714723],
        [0.08279973, -0.23221576, 0.05844562, -0.45433217, -0.23129034, -0.16136745],
        [0.00669484, -0.14058405],
    ]),
}


@pytest.mark.parametrize("case", ["adam3", "sgd2ema"])
def test_gradient_accumulation_trains_as_keras(case):
    X, Y, W = _data()
    optimizer, epochs = {
        "adam3": (optimizers.Adam(0.05, gradient_accumulation_steps=3), 4),
        "sgd2ema": (optimizers.SGD(0.1, momentum=0.9, gradient_accumulation_steps=2, use_ema=True,
                                   ema_momentum=0.5), 3),
    }[case]
    model = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
    model.compile(optimizer=optimizer, loss="mse")
    model.set_weights(W)
    model.fit(X, Y, batch_size=4, epochs=epochs, shuffle=False, verbose=0)
    iterations, expected = KERAS_ACCUMULATED[case]
    assert model.optimizer.iterations == iterations  # the updates, as Keras's iterations
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got.ravel(), want, rtol=1e-5, atol=1e-6)


def test_accumulated_steps_apply_the_mean_gradient_at_every_nth():
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=3)
    w = np.array([0.0])
    seen = []
    for g in [1.0, 2.0, 6.0, 4.0]:
        opt.apply(w, np.array([g]))
        seen.append(w[0])
    assert seen == [0.0, 0.0, -3.0, -3.0]  # (1 + 2 + 6) / 3 at the third step; 4 waits
    assert opt.iterations == 1 and opt.get_state()[0] == 4
    np.testing.assert_array_equal(opt.state["gradient_accumulator"], [4.0])


def test_accumulation_resumes_from_a_file_mid_way(tmp_path):
    X, Y, W = _data()

    def model():
        m = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
        m.compile(optimizer=optimizers.Adam(0.05, gradient_accumulation_steps=3), loss="mse")
        m.set_weights(W)
        return m

    whole = model()
    whole.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0)
    half = model()
    half.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)  # 4 steps: 1 update, 1 gradient kept
    half.save(tmp_path / "m.gn")
    resumed = load_model(tmp_path / "m.gn")
    assert resumed.optimizer.iterations == 1 and resumed.optimizer.get_state()[0] == 4
    resumed.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for got, expected in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_array_equal(got, expected)


# -- found by review: accumulation's start, schedules, resuming, interrupted swaps ----------------
def test_adagrad_accumulation_starts_from_zero_gradients():
    opt = optimizers.Adagrad(learning_rate=0.1, gradient_accumulation_steps=3)
    w = np.array([1.0, 2.0], np.float32)
    for _ in range(3):
        opt.apply(w, np.array([0.1, 0.2], np.float32))
    # keras.optimizers.Adagrad (3.15), the same three calls; the accumulator was 0.1 too high before
    np.testing.assert_allclose(w, [0.9698489, 1.9465477], rtol=1e-6)
    np.testing.assert_array_equal(opt.state["accumulator"], np.float32([0.11, 0.14]))


def test_a_schedule_reads_every_step_while_gradients_accumulate():
    from glassnet import schedules

    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, 1, 0.5), gradient_accumulation_steps=2)
    w, seen = np.array([0.0]), []
    for _ in range(4):
        seen.append((float(opt.learning_rate), None))
        opt.apply(w, np.array([1.0]))
        seen[-1] = (seen[-1][0], w[0])
    # Keras 3.15: the rate at steps 1-4 is 0.05·0.5^k read at _iterations; updates at steps 2 and 4
    np.testing.assert_allclose(seen, [(0.1, 0.0), (0.05, -0.05), (0.025, -0.05), (0.0125, -0.0625)])


def _backup_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 4)).astype(np.float32)
    Y = rng.standard_normal((12, 2)).astype(np.float32)
    model = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
    model.compile(optimizer=optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8), loss="mse")
    model.set_weights([np.full(w.shape, 0.1 * (i + 1), np.float32) for i, w in enumerate(model.get_weights())])
    return model, X, Y


def _flat(model):
    return np.concatenate([w.ravel() for w in model.get_weights()])


def test_a_resumed_run_ends_with_the_average_as_an_uninterrupted_one(tmp_path):
    from glassnet.callbacks import BackupAndRestore

    class CtrlCAtLastEpochEnd(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    reference, X, Y = _backup_model()
    reference.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    model, _, _ = _backup_model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                  callbacks=[CtrlCAtLastEpochEnd(), BackupAndRestore(tmp_path / "b")])
    model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=[BackupAndRestore(tmp_path / "b")])
    np.testing.assert_array_equal(_flat(model), _flat(reference))


def test_swap_on_epoch_backups_resume_bit_for_bit(tmp_path):
    from glassnet.callbacks import BackupAndRestore, SwapEMAWeights

    class Crash(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("crash")

    def callbacks(folder):
        return [SwapEMAWeights(swap_on_epoch=True), BackupAndRestore(folder)]

    reference, X, Y = _backup_model()
    reference.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0, callbacks=callbacks(tmp_path / "r"))
    crashed, _, _ = _backup_model()
    with pytest.raises(RuntimeError, match="crash"):
        crashed.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0, callbacks=[Crash(), *callbacks(tmp_path / "b")])
    resumed, _, _ = _backup_model()  # as in a new process
    resumed.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0, callbacks=callbacks(tmp_path / "b"))
    np.testing.assert_array_equal(_flat(resumed), _flat(reference))


def test_an_interrupted_predict_puts_the_trained_weights_back():
    from glassnet.callbacks import SwapEMAWeights

    class CtrlC(Callback):
        def on_predict_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

        on_test_batch_end = on_predict_batch_end

    a, X, Y = _backup_model()
    b, _, _ = _backup_model()
    for model in (a, b):
        model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    b.optimizer.state["average"][...] += 0.25  # make the swap visible
    a.optimizer.state["average"][...] += 0.25
    before = _flat(b)
    with pytest.raises(KeyboardInterrupt):
        b.predict(X, callbacks=[SwapEMAWeights(), CtrlC()])
    np.testing.assert_array_equal(_flat(b), before)
    with pytest.raises(KeyboardInterrupt):
        b.evaluate(X, Y, callbacks=[SwapEMAWeights(), CtrlC()])
    np.testing.assert_array_equal(_flat(b), before)
    for model in (a, b):  # and later fits end as they would have
        model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_array_equal(_flat(a), _flat(b))
    np.testing.assert_array_equal(_flat(b), b.optimizer.state["average"])
