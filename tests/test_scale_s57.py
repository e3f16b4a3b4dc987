"""Memory at scale (session 57's hscale hunt): integer labels one-hot encoded straight into the model's
dtype, a float memmap checked for NaN/inf batch by batch, load_model assigning each array as it reads it."""

import numpy as np
import pytest

from glassnet.layers import Dense, Input
from glassnet.models import Sequential


def _sparse_model(k, dtype="float32", steps=None):
    shape = (4,) if steps is None else (steps, 4)
    model = Sequential([Input(shape=shape), Dense(k, "softmax")], dtype=dtype, seed=0)  # (on the last axis)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparse_labels_one_hot_in_the_models_dtype_without_a_float64_copy(traced_peak, dtype):
    # 20000 labels of 100 classes: the float32 one-hot is 8 MB; built in float64 and then copied,
    # fit/evaluate peaked at 3x it (24 MB) before their first step
    n, k = 20_000, 100
    labels = np.random.default_rng(0).integers(0, k, n)
    model = _sparse_model(k, dtype)
    x = np.zeros((n, 4), dtype=dtype)
    out = {}
    peak = traced_peak(lambda: out.update(Y=model._prepare_xy(x, labels)[1]))
    Y = out["Y"]
    assert Y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(Y, np.eye(k)[labels])  # the same 0/1 rows as before
    assert peak < 1.5 * Y.nbytes, f"peak {peak / Y.nbytes:.2f}x the one-hot kept"


def test_sparse_position_labels_one_hot_in_the_models_dtype(traced_peak):
    # labels (n, T) of outputs (n, T, k), as a tagger's: the same path through _position_targets
    n, steps, k = 2_000, 10, 100
    labels = np.random.default_rng(1).integers(0, k, (n, steps))
    model = _sparse_model(k, steps=steps)
    x = np.zeros((n, steps, 4), dtype=np.float32)
    out = {}
    peak = traced_peak(lambda: out.update(Y=model._prepare_xy(x, labels)[1]))
    Y = out["Y"]
    assert Y.dtype == np.float32 and Y.shape == (n, steps, k)
    np.testing.assert_array_equal(Y, np.eye(k)[labels])
    assert peak < 1.5 * Y.nbytes, f"peak {peak / Y.nbytes:.2f}x the one-hot kept"


def test_load_model_assigns_each_array_as_it_reads_it(tmp_path, monkeypatch):
    # the arrays were all read into a list, then copied again by set_weights: past the model's
    # build, load_model peaked at the model (weights and gradients, 2x) plus 2.3x the weights
    import tracemalloc

    from glassnet.models import load_model, saving

    model = Sequential([Input(shape=(64,)), *(Dense(256, "relu") for _ in range(8)), Dense(10, "softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.save(tmp_path / "m.gn")
    build = saving._build

    def built_then_traced(*args):  # the peak of what follows the build (the reading)
        new = build(*args)
        tracemalloc.reset_peak()
        return new

    monkeypatch.setattr(saving, "_build", built_then_traced)
    tracemalloc.start()
    try:
        loaded = load_model(tmp_path / "m.gn")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    weights = model.count_params() * 4
    assert peak < 3 * weights, f"peak {peak / weights:.2f}x the weights"  # the model's 2x + the largest array


def test_a_sparse_loss_subclass_with_its_own_prepare_targets_still_fits():
    # the protocol's prepare_targets(y, n_outputs, name) takes no dtype: a user's override is called as before
    from glassnet import losses

    class Smoothed(losses.SparseCategoricalCrossentropy):
        def prepare_targets(self, y, n_outputs, name="y"):
            return super().prepare_targets(y, n_outputs, name) * 0.9 + 0.1 / n_outputs

    model = Sequential([Input(shape=(4,)), Dense(3, "softmax")], seed=0)
    model.compile(optimizer="sgd", loss=Smoothed())
    Y = model._prepare_xy(np.zeros((4, 4), np.float32), np.array([0, 1, 2, 1]))[1]
    assert Y.dtype == np.float32
    np.testing.assert_allclose(Y, np.eye(3)[[0, 1, 2, 1]] * 0.9 + 0.1 / 3, rtol=1e-6)
