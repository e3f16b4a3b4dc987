"""fit's per-epoch and per-step Python work (session 53): seed 001's full-batch XOR fit (the benchmark's M0,
1000 epochs of one step each) spent about a fifth of its time on bookkeeping around its steps. Five tests
below each count a piece of that work which is now done once, or not at all; where one trains, it
checks that the weights are bitwise those of the same steps made one by one. Others guard the cases
that must still do the work (batches that change, an overflowing update, a Dense subclass's own backward)."""

import math

import numpy as np
import pytest

from glassnet import backend, losses, optimizers, threads
from glassnet.layers import Dense
from glassnet.layers.base import Layer
from glassnet.models import DivergenceWarning, Sequential
from glassnet.models import epochs as epochs_module, training

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def _xor(loss="mean_squared_error", optimizer=None, output="sigmoid"):
    """Seed 001's XOR model 1 (the benchmark's M0), compiled."""
    model = Sequential([Dense(2, activation="sigmoid", input_dim=2), Dense(Y.shape[1], activation=output)], seed=0)
    model.compile(optimizer=optimizer or optimizers.Adam(learning_rate=0.01, epsilon=1e-7), loss=loss)
    return model


def _counting(monkeypatch, owner, name):
    """Replace ``owner.name`` by a wrapper that counts its calls; returns the list of counts (one entry)."""
    calls = [0]
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_full_batch_fit_slices_its_data_once(monkeypatch):
    # one batch of every row, unshuffled: the same views at every epoch (made at each epoch, with dense_rows'
    # checks, they took a twentieth of the XOR fit)
    sliced = _counting(monkeypatch, epochs_module, "dense_rows")
    model = _xor()
    model.fit(X, Y, batch_size=4, epochs=20, verbose=0)
    assert sliced[0] == 1
    # the figures are those of 20 steps made one by one
    other = _xor()
    for _ in range(20):
        other.train_on_batch(X, Y)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batches_that_change_are_still_made_at_each_epoch(monkeypatch):
    sliced = _counting(monkeypatch, epochs_module, "dense_rows")
    _xor().fit(X, Y, batch_size=2, epochs=3, shuffle=False, verbose=0)  # two batches per epoch: views each time
    assert sliced[0] == 6
    sliced[0] = 0
    # integer inputs kept as given: each epoch's batch is converted anew (a float copy kept for good would double them)
    a, b = _xor(), _xor()
    a.fit(X.astype(np.uint8), Y, batch_size=4, epochs=3, verbose=0)
    assert sliced[0] == 3
    b.fit(X, Y, batch_size=4, epochs=3, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_epoch_end_check_of_the_weights_is_one_product(monkeypatch):
    checked = _counting(monkeypatch, training, "_all_finite")
    _xor().fit(X, Y, batch_size=4, epochs=10, verbose=0)
    assert checked[0] == 0  # w·w was finite: isfinite(w).all() never ran
    with backend.quiet_floats():  # (fit's: the product of large weights overflows quietly there)
        for dtype in ("float16", "float32", "float64"):
            big = float(np.finfo(dtype).max) / 2
            assert training._finite_weights(np.array([1.0, -2.0, 0.0], dtype))
            assert training._finite_weights(np.array([big, 1.0], dtype))  # w·w overflows: the entries are checked
            for bad in (math.nan, math.inf, -math.inf):
                assert not training._finite_weights(np.array([1.0, bad, big], dtype))
    assert checked[0] == 12  # each overflowing w·w, and each non-finite one (4 per dtype)


def test_an_epochs_last_update_that_overflows_still_stops_fit():
    # full batch: each epoch's one update is its last; the loss before it is finite (1e20), lr·g is not (1e50)
    model = Sequential([Dense(1, input_dim=2)], seed=0)
    model.compile(optimizer=optimizers.SGD(1e30), loss="mse")
    x, y = np.full((4, 2), 1e10, np.float32), np.full((4, 1), -1e10, np.float32)
    before = model.get_weights()
    with pytest.warns(DivergenceWarning):
        history = model.fit(x, y, batch_size=4, epochs=5, verbose=0)
    assert model.stop_reason.startswith("Training diverged") and history.history == {}
    for a, b in zip(model.get_weights(), before):  # the start of the epoch, fit's own weights
        np.testing.assert_array_equal(a, b)


def test_a_dense_training_step_looks_its_buffers_up_once_per_pass(monkeypatch):
    model = _xor()
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0)  # the buffers are made
    looked_up = _counting(monkeypatch, Layer, "buffer")
    model.fit(X, Y, batch_size=4, epochs=5, verbose=0)
    # the second layer's input gradient only (Z and A, dZ and the ones were 2 + 2 lookups per layer and step)
    assert looked_up[0] == 5
    # made again after the buffers are dropped, and the same figures as a model that never dropped them
    other = _xor()
    other.fit(X, Y, batch_size=4, epochs=7, verbose=0)
    model.release_caches(buffers=True)
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    other.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_dense_subclass_keeps_its_own_backward_preactivation():
    seen = []

    class Noted(Dense):
        def backward_preactivation(self, dZ):
            seen.append(dZ.shape)
            return super().backward_preactivation(dZ)

    model = Sequential([Noted(3, activation="tanh", input_dim=2), Noted(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0)
    assert seen == [(4, 1), (4, 3)] * 2  # the hidden layer's from backward too


def test_a_loss_without_a_fused_delta_skips_its_lookup(monkeypatch):
    looked_up = _counting(monkeypatch, losses, "output_delta")
    _xor().fit(X, Y, batch_size=4, epochs=3, verbose=0)  # the mean squared error has none
    assert looked_up[0] == 0
    # softmax and cross-entropy still take theirs (δ = a − y)
    labels = np.eye(2, dtype=np.float32)[[0, 1, 1, 0]]
    model = Sequential([Dense(2, activation="sigmoid", input_dim=2), Dense(2, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(X, labels, batch_size=2, epochs=3, verbose=0)
    assert looked_up[0] == 6


def test_fit_opens_no_thread_block_where_blas_keeps_its_count(monkeypatch):
    opened = _counting(monkeypatch, threads, "limited")
    _xor().fit(X, Y, batch_size=4, epochs=3, verbose=0)  # products far too small for "auto"'s one thread
    assert opened[0] == 0
    if threads._blas() is None:
        pytest.skip("set_training_threads(n) needs threadpoolctl")
    policy = threads.training_threads()
    threads.set_training_threads(1)
    try:
        _xor().fit(X, Y, batch_size=4, epochs=3, verbose=0)
    finally:
        threads.set_training_threads(policy)
    assert opened[0] == 1
