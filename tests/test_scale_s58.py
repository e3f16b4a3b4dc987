"""Memory at scale (session 58): a built or loaded model holds its weights once until it trains; its gradient
vector's pages (zeros from the allocator, never written at build) are committed by the first backward pass."""

import sys

import numpy as np
import pytest

from glassnet.layers import Dense, Input
from glassnet.models import Sequential, load_model

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")


def _anon():
    """The process's anonymous resident memory (bytes): what the arrays written so far hold, not what
    is reserved (a calloc'd buffer never written) nor the page cache of a file just saved or read."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("RssAnon:"))


def test_a_built_or_loaded_model_holds_its_weights_once_until_it_trains(tmp_path):
    # 784-7000-7000-10: 54.6M parameters, 218 MB of float32 weights. Binding them wrote zeros into the
    # whole gradient vector too: a model that only predicted held 2x its weights (Keras holds them once;
    # PyTorch allocates .grad at the first backward)
    x = np.ones((32, 784), dtype=np.float32)
    before = _anon()
    model = Sequential([Input(shape=(784,)), Dense(7000, "relu"), Dense(7000, "relu"), Dense(10)], seed=0)
    weights = model.count_params() * 4
    model.predict(x, verbose=0)
    built = _anon() - before
    assert built < 1.5 * weights, f"built and predicted: {built / weights:.2f}x the weights"
    model.save(tmp_path / "big.gn")

    before = _anon()
    loaded = load_model(tmp_path / "big.gn")
    expected = model.predict(x, verbose=0)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    held = _anon() - before
    assert held < 1.5 * weights, f"loaded and predicted: {held / weights:.2f}x the weights"

    # training commits the gradient vector (and gets the gradients it always got: zeros to start from)
    loaded.compile(optimizer="sgd", loss="mse")
    loaded.fit(x, np.zeros((32, 10), dtype=np.float32), epochs=1, verbose=0)
    assert _anon() - before > 1.8 * weights


def test_a_popped_layers_room_has_zero_gradients_for_the_next_add():
    # the room a popped layer leaves in the buffers holds its gradients from training; the layer added
    # there next starts from zeros, as one bound into fresh buffers does
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 8)).astype(np.float32), rng.normal(size=(64, 3)).astype(np.float32)
    model = Sequential(seed=0)
    model.add(Input(shape=(8,)))
    model.add(Dense(16, "relu"))
    model.add(Dense(3))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    popped = model.pop()
    assert np.any(popped.grads["W"] != 0)  # (kept as the layer's own copy)
    model.add(Dense(3))
    added = model.layers[-1]
    assert all(not np.any(g) for g in added.grads.values())
    assert not np.any(model._flat_buffers[1][model._flat_grads.shape[0]:])


def _small_model(dtype="float32"):
    model = Sequential([Input(shape=(50,)), Dense(8, "relu"), Dense(3, "softmax")], dtype=dtype, seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_float64_x_into_a_float32_model_is_converted_batch_by_batch(traced_peak, call):
    # float64 x (8 MB here; a memory-mapped file in practice) was copied whole to float32 before the first
    # batch (4 MB), as integer images no longer are: now each batch is converted, with the same numbers
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 50)) * 3
    y = rng.integers(0, 3, len(x))
    args = {"fit": (x, y), "evaluate": (x, y), "predict": (x,)}[call]
    kwargs = {"fit": {"epochs": 1, "steps_per_epoch": 5, "batch_size": 64}}.get(call, {"batch_size": 64})
    model = _small_model()
    peak = traced_peak(getattr(model, call), *args, verbose=0, **kwargs)
    copy = x.size * 4
    extra = len(x) * 3 * 4 if call == "predict" else 0  # (predict's outputs)
    assert peak - extra < 0.5 * copy, f"{call} held {(peak - extra) / copy:.2f}x a float32 copy of x"


def test_float64_x_gives_the_numbers_of_its_float32_copy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 50)) * 3
    y = rng.integers(0, 3, len(x))
    results = []
    for given in (x, x.astype(np.float32)):
        model = _small_model()
        history = model.fit(given, y, epochs=2, batch_size=32, validation_split=0.2, verbose=0)
        results.append([*model.get_weights(), np.array(sum(history.history.values(), [])),
                        model.predict(given, verbose=0), np.array(model.evaluate(given, y, verbose=0))])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    # and a float32 x into a float64 model (converted exactly, batch by batch)
    model, wide = _small_model("float64"), _small_model("float64")
    model.fit(x.astype(np.float32), y, epochs=1, verbose=0)
    wide.fit(x.astype(np.float32).astype(np.float64), y, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), wide.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("value, message", [(np.nan, "x contains NaN values"), (-np.inf, "x contains inf values"),
                                            (1e39, "x holds values beyond the range of float32")])
@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_float64_x_with_bad_values_is_refused_as_before(value, message, call):
    x = np.random.default_rng(2).normal(size=(40, 50))
    x[17, 3] = value
    y = np.zeros(40, dtype=int)
    args = (x,) if call == "predict" else (x, y)
    with pytest.raises(ValueError, match=message):
        getattr(_small_model(), call)(*args, verbose=0)


def test_a_masked_float64_value_beyond_float32_is_refused_as_before():
    # (review) is_compact took the masked array's min and max, which skip masked values: a masked 1e39 became inf
    x = np.ma.masked_greater(np.array([[0.5, 1.0], [1e39, 2.0]]), 1e30)
    model = Sequential([Input((2,)), Dense(1)])
    with pytest.raises(ValueError, match="beyond the range of float32"):
        model.predict(x, verbose=0)
