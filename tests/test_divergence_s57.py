"""Session 57: fit's watch for a finite loss that rose far above its start (a learning rate too large,
though finite: models/divergence.py, _RiseWatch, LossRiseWarning), and validation_steps on arrays given
no batch size, which reads Keras's k batches of all the validation rows."""

import math
import warnings

import numpy as np
import pytest

from glassnet import losses, optimizers
from glassnet.callbacks import Callback
from glassnet.datasets import load_digits
from glassnet.layers import Dense
from glassnet.models import DivergenceWarning, Sequential, divergence
from glassnet.models.divergence import LossRiseWarning
from glassnet.optimizers import schedules

X_DIGITS, Y_DIGITS = load_digits()


def _digits_model(optimizer, seed=0, activation="relu"):
    model = Sequential([Dense(32, activation, input_dim=64), Dense(10, "softmax")], seed=seed)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _rises(fit):
    """The LossRiseWarnings of ``fit()`` (every other warning let through)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit()
    return [w for w in caught if issubclass(w.category, LossRiseWarning)], history


def test_a_far_too_large_learning_rate_warns_once_naming_it_and_training_goes_on():
    model = _digits_model(optimizers.Adam(10.0), activation="sigmoid")
    rises, history = _rises(lambda: model.fit(X_DIGITS, Y_DIGITS, epochs=4, batch_size=32, verbose=0))
    assert len(rises) == 1 and issubclass(rises[0].category, DivergenceWarning)
    assert rises[0].filename == __file__  # the user's fit line
    loss = history.history["loss"]
    assert len(loss) == 4 and not model.stop_training  # a warning, not a stop
    message = str(rises[0].message)
    assert f"{loss[0]:.3g} and {loss[1]:.3g} in epochs 1 and 2" in message
    assert "currently 10), e.g. 1." in message
    # a model that learned nothing predicts the classes' frequencies: their entropy, by hand
    p = np.bincount(Y_DIGITS) / len(Y_DIGITS)
    entropy = -np.sum(p * np.log(p))
    assert f"({entropy:.3g}, predicting the classes' frequencies for every sample)" in message
    assert min(loss) > 2 * entropy  # (about 13.5 for ln 10 = 2.30: chance accuracy)
    assert history.history["accuracy"][-1] < 0.2


def test_it_warns_once_per_fit():
    for _ in range(2):  # (a fit of its own each time: the watch is the fit's, not a module's "once")
        model = _digits_model(optimizers.Adam(10.0), activation="sigmoid")
        rises, history = _rises(lambda: model.fit(X_DIGITS, Y_DIGITS, epochs=6, batch_size=64, verbose=0))
        assert len(rises) == 1 and min(history.history["loss"]) > 2 * math.log(10)


def test_an_exploding_regression_warns_and_names_its_scale():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3))
    y = x @ [1.0, -2.0, 0.5] + rng.normal(0, 0.1, 500)
    model = Sequential([Dense(32, "relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer=optimizers.Adam(10.0), loss="mse")
    rises, history = _rises(lambda: model.fit(x, y, epochs=3, batch_size=32, verbose=0))
    assert len(rises) == 1 and "currently 10" in str(rises[0].message)
    assert all(math.isfinite(v) for v in history.history["loss"])  # finite: no DivergenceWarning stopped it


def test_full_batch_gradient_descent_with_eta_too_large_warns_before_it_overflows():
    """Seed 003's "if the learning rate η is too large, gradient descent can overshoot": y = 3x with one
    weight w, J = mean((w x − y)²), step w ← w − η·2 mean(x²)(w − 3), so w − 3 is multiplied by
    1 − 2η mean(x²) each epoch and J by its square, here (1 − 2·1.1·1)² = 1.44: J_k = 9 · 1.44^k."""
    x = np.array([[-1.0], [1.0]])
    y = 3 * x
    model = Sequential([Dense(1, input_dim=1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=optimizers.SGD(1.1), loss="mse")
    rises, history = _rises(lambda: model.fit(x, y, epochs=6, batch_size=2, verbose=0, shuffle=False))
    np.testing.assert_allclose(history.history["loss"], 9 * 1.44 ** np.arange(6), rtol=1e-6)
    # 9·1.44² = 18.7 is the first loss above 2·9 = 18, 9·1.44³ the second in a row: epochs 3 and 4
    assert len(rises) == 1 and "in epochs 3 and 4" in str(rises[0].message)


def test_the_start_is_measured_over_32_rows_so_a_lucky_first_sample_is_no_start():
    """Unscaled inputs (up to 5000) into a ReLU layer, batches of 1, Adam(1e-4): a slow but healthy fit.
    The first sample's loss (2.1e6) is far below the epochs' (1.8e7, 8.3e6: 8.9 and 4.0 times it) while
    the loss has barely begun to fall; its first 32 rows' mean (2.6e7) is not: judged on one row, it warned."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 5000, (500, 3))
    y = x @ [1e-3, 2e-3, -1e-3] + rng.normal(0, 1, 500)

    def fit():
        model = Sequential([Dense(16, "relu", input_dim=3), Dense(1)], seed=1)
        model.compile(optimizer=optimizers.Adam(1e-4), loss="mse")
        return model.fit(x, y, epochs=4, batch_size=1, verbose=0)

    assert _rises(fit)[0] == []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(divergence, "RISE_START_ROWS", 1)
        assert len(_rises(fit)[0]) == 1


def _continued():
    model = _digits_model(optimizers.Adam(1e-3))
    model.fit(X_DIGITS, Y_DIGITS, epochs=5, batch_size=32, verbose=0)
    model.compile(optimizer=optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    return model.fit(X_DIGITS, Y_DIGITS, epochs=4, batch_size=8, verbose=0)


def _unscaled_targets():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 3))
    model = Sequential([Dense(8, "relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer=optimizers.SGD(1e-5), loss="mse")
    return model.fit(x, 1000 + x[:, 0], epochs=4, batch_size=32, verbose=0)  # the loss falls from 1e6


def _warmup():
    rate = schedules.CosineDecay(0.0, decay_steps=400, warmup_target=0.5, warmup_steps=150)
    return _digits_model(optimizers.SGD(rate, momentum=0.9)).fit(X_DIGITS, Y_DIGITS, epochs=6, batch_size=32,
                                                                  verbose=0)


@pytest.mark.parametrize("fit", [
    lambda: _digits_model(optimizers.Adam(1e-3)).fit(X_DIGITS, Y_DIGITS, epochs=4, batch_size=32, verbose=0),
    lambda: _digits_model(optimizers.SGD(0.1)).fit(X_DIGITS[:300], Y_DIGITS[:300], epochs=3, batch_size=1,
                                                   verbose=0),
    lambda: _digits_model(optimizers.SGD(5.0)).fit(X_DIGITS, Y_DIGITS, epochs=4, batch_size=32, verbose=0),
    _continued, _unscaled_targets, _warmup,
], ids=["adam", "batches-of-1", "sgd-5-noisy-but-learning", "continued-at-a-higher-rate", "unscaled-targets",
        "warmup-to-0.5"])
def test_healthy_fits_stay_silent(fit):
    assert _rises(fit)[0] == []


def test_losses_without_a_floor_at_0_or_summed_over_the_batch_are_not_watched():
    model = _digits_model("adam")
    assert divergence._RiseWatch.watches(model)
    for loss in (losses.CosineSimilarity(), losses.Poisson(), losses.MeanSquaredError(reduction="sum")):
        model.compile(optimizer="adam", loss=loss)
        assert not divergence._RiseWatch.watches(model)


def test_one_filter_silences_it_with_the_divergence_warning():
    model = _digits_model(optimizers.Adam(10.0), activation="sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossRiseWarning)
        warnings.filterwarnings("ignore", category=DivergenceWarning)
        model.fit(X_DIGITS, Y_DIGITS, epochs=3, batch_size=64, verbose=0)


# validation_steps on arrays without a batch size --------------------------------------------------------

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(200, 3)), RNG.normal(size=(200, 1))
XV, YV = RNG.normal(size=(100, 3)), RNG.normal(size=(100, 1)) * np.arange(100)[:, None] / 30
WEIGHTS = [np.array([[0.5], [-0.3], [0.2]]), np.array([0.1])]


class _TestBatches(Callback):
    def __init__(self):
        super().__init__()
        self.sizes = []

    def on_test_batch_begin(self, batch, logs=None):
        self.sizes.append(batch)


def _frozen_fit(**kwargs):
    """val_loss and the test batches of a fit that changes nothing (SGD(0)), validated on XV, YV."""
    model = Sequential([Dense(1, input_dim=3)], dtype="float64")
    model.build()
    model.set_weights(WEIGHTS)
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    batches = _TestBatches()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[batches], **kwargs)
    ran_out = [w for w in caught if "ran out of data" in str(w.message)]
    return history.history["val_loss"], len(batches.sizes), ran_out


def _mse(rows):
    return float(np.mean((XV[:rows] @ WEIGHTS[0] + WEIGHTS[1] - YV[:rows]) ** 2))


@pytest.mark.parametrize("steps", [1, 2, 3, 5, 7, 10])
def test_validation_steps_without_a_batch_size_reads_all_rows_in_k_batches_as_keras(steps):
    """Keras 3.15 (its array adapter: ceil(n / k) rows a batch where no batch size is given): k batches
    covering all 100 rows, at each validation, and no "ran out of data" (glassnet read k batches of 32:
    the first 64 rows for k = 2, and warned for k = 5)."""
    val_loss, batches, ran_out = _frozen_fit(validation_data=(XV, YV), validation_steps=steps)
    np.testing.assert_allclose(val_loss, [_mse(100)] * 2, rtol=1e-12)
    assert batches == 2 * steps and ran_out == []


@pytest.mark.parametrize("kwargs, rows, batches", [
    ({"batch_size": 16}, 48, 3),  # fit's batch size: the first 3 batches of 16 rows
    ({"validation_batch_size": 10}, 30, 3),
])
def test_validation_steps_with_a_batch_size_reads_the_first_k_batches(kwargs, rows, batches):
    val_loss, seen, ran_out = _frozen_fit(validation_data=(XV, YV), validation_steps=3, **kwargs)
    np.testing.assert_allclose(val_loss, [_mse(rows)] * 2, rtol=1e-12)
    assert seen == 2 * batches and ran_out == []


def test_validation_steps_over_a_stream_without_a_batch_size_reads_all_validation_rows():
    def batches():
        while True:
            for i in range(0, 200, 20):
                yield X[i:i + 20], Y[i:i + 20]

    model = Sequential([Dense(1, input_dim=3)], dtype="float64")
    model.build()
    model.set_weights(WEIGHTS)
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    history = model.fit(batches(), steps_per_epoch=5, epochs=2, validation_data=(XV, YV), validation_steps=2,
                        verbose=0)
    np.testing.assert_allclose(history.history["val_loss"], [_mse(100)] * 2, rtol=1e-12)


def test_validation_steps_matches_keras():
    keras = pytest.importorskip("keras")
    import jax

    jax.config.update("jax_enable_x64", True)  # (both put back after each test: conftest)
    keras.config.set_floatx("float64")
    try:
        for kwargs in ({}, {"batch_size": 16}, {"validation_split": 0.3}):
            for steps in (2, 5):
                model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
                model.set_weights(WEIGHTS)
                model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
                data = {} if "validation_split" in kwargs else {"validation_data": (XV, YV)}
                theirs = model.fit(X, Y, epochs=1, verbose=0, validation_steps=steps, **data, **kwargs)
                ours = _frozen_fit(validation_steps=steps, **data, **kwargs)[0]
                np.testing.assert_allclose(ours[0], theirs.history["val_loss"][0], rtol=1e-6)  # (Keras: 1e-8 off)
    finally:
        keras.config.set_floatx("float32")
        jax.config.update("jax_enable_x64", False)
