"""BLAS threads of fit's training steps (glassnet.threads, glassnet.config.set_training_threads)."""

import threading

import numpy as np
import pytest

from glassnet import config, threads
from glassnet.callbacks import Callback
from glassnet.layers import Dense, Dropout, Embedding, Flatten, Layer, SpectralNormalization
from glassnet.models import Sequential

threadpoolctl = pytest.importorskip("threadpoolctl")


def blas_threads():
    counts = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    assert counts, "no BLAS library found by threadpoolctl"
    return counts[0]


@pytest.fixture
def two_threads():
    """BLAS on two threads for the test (whatever the machine's cores), "auto" restored after."""
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        yield
    config.set_training_threads("auto")


class SeenThreads(Callback):
    """The BLAS threads at each training batch."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def on_train_batch_begin(self, batch, logs=None):
        self.seen.add(blas_threads())


def mlp(n_in, hidden, n_out=10, **kwargs):
    model = Sequential([Dense(hidden, activation="relu", input_dim=n_in), Dense(n_out, activation="softmax")],
                       seed=0, **kwargs)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def data(n, n_in, n_out=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, n_in), dtype=np.float32), np.eye(n_out, dtype=np.float32)[rng.integers(0, n_out, n)]


def test_largest_product_counts_rows_times_kernel():
    model = mlp(784, 32)
    model.build()
    assert threads.largest_product(model._layers, 32) == 32 * 784 * 32  # the M2: 802,816
    # samples of several rows: every row goes through the kernel
    seq = Sequential([Dense(8, input_shape=(5, 16)), Flatten(), Dense(3)])
    seq.build()
    assert threads.largest_product(seq._layers, 4) == max(4 * 5 * 16 * 8, 4 * 40 * 3)
    # a wrapped Dense is counted; dropout, embeddings and the like make no products
    wrapped = Sequential([Embedding(50, 6, input_shape=(7,)), Flatten(), SpectralNormalization(Dense(9)),
                          Dropout(0.5), Dense(2)])
    wrapped.build()
    assert threads.largest_product(wrapped._layers, 10) == 10 * 42 * 9


def test_a_layer_of_ones_own_is_not_guessed():
    class Twice(Layer):
        def forward(self, X, training=False):
            return 2 * X

        def backward(self, dY):
            return 2 * dY

    model = Sequential([Dense(32, input_dim=784), Twice(), Dense(10)])
    model.build()
    assert threads.largest_product(model._layers, 32) is None
    assert threads.step_threads(model._layers, 32) is None


@pytest.mark.parametrize("hidden, batch, expected", [
    (32, 32, 1),        # M2's step: every product under a million multiply-adds
    (512, 128, None),   # M1's: 51 million, BLAS's own threads
    (2, 4, None),       # a tiny network: no BLAS shares such products anyway
])
def test_auto_chooses_one_thread_for_small_steps_only(hidden, batch, expected):
    model = mlp(784 if hidden > 2 else 2, hidden, 10 if hidden > 2 else 1)
    model.build()
    assert config.training_threads() == "auto"
    assert threads.step_threads(model._layers, batch) == expected


def test_fit_of_a_small_network_runs_on_one_blas_thread_and_restores_the_count(two_threads):
    x, y = data(256, 784)
    model, seen = mlp(784, 32), SeenThreads()
    model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[seen])
    assert seen.seen == {1}
    assert blas_threads() == 2


class SeenAtHooks(Callback):
    """The BLAS threads at each kind of hook: the training batches' and the rest."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def _see(self, hook):
        self.seen.setdefault(hook, set()).add(blas_threads())

    def on_epoch_begin(self, epoch, logs=None):
        self._see("epoch_begin")

    def on_train_batch_end(self, batch, logs=None):
        self._see("train_batch")

    def on_test_batch_begin(self, batch, logs=None):
        self._see("validation")

    def on_epoch_end(self, epoch, logs=None):
        self._see("epoch_end")


def test_only_the_training_steps_run_on_one_thread(two_threads):
    """Validation (1,024-row chunks, or the batches here) and the epochs' hooks, whose products may be
    large (a callback's own predictions), keep BLAS's count; the batches of every epoch train on one."""
    x, y = data(256, 784)
    model, hooks = mlp(784, 32), SeenAtHooks()
    model.fit(x, y, batch_size=32, epochs=3, validation_split=0.25, verbose=0, callbacks=[hooks])
    assert hooks.seen == {"epoch_begin": {2}, "train_batch": {1}, "validation": {2}, "epoch_end": {2}}
    assert blas_threads() == 2

def test_a_stream_trains_on_the_threads_its_arrays_would(two_threads):
    """A generator's batches of 32 rows: one thread, as the arrays in batches of 32 (the same weights)."""
    x, y = data(128, 784)
    arrays, seen = mlp(784, 32), SeenThreads()
    arrays.fit(x, y, batch_size=32, shuffle=False, verbose=0)
    stream = mlp(784, 32)
    stream.fit(((x[i:i + 32], y[i:i + 32]) for i in range(0, 128, 32)), verbose=0, callbacks=[seen])
    assert seen.seen == {1}
    for a, b in zip(arrays.get_weights(), stream.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_fit_of_a_big_network_keeps_blas_threads(two_threads):
    x, y = data(256, 784)
    model, seen = mlp(784, 512), SeenThreads()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0, callbacks=[seen])
    assert seen.seen == {2}


def test_none_keeps_blas_threads_and_a_count_is_used_for_every_fit(two_threads):
    x, y = data(128, 784)
    config.set_training_threads(None)
    seen = SeenThreads()
    mlp(784, 32).fit(x, y, batch_size=32, verbose=0, callbacks=[seen])
    assert seen.seen == {2}
    config.set_training_threads(np.int64(1))  # a NumPy integer too, kept as an int
    assert config.training_threads() == 1 and type(config.training_threads()) is int
    seen = SeenThreads()
    mlp(784, 512).fit(x, y, batch_size=128, verbose=0, callbacks=[seen])
    assert seen.seen == {1}
    assert blas_threads() == 2


def test_the_count_is_restored_when_fit_fails(two_threads):
    class Boom(Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("boom")

    x, y = data(64, 784)
    with pytest.raises(RuntimeError, match="boom"):
        mlp(784, 32).fit(x, y, batch_size=32, verbose=0, callbacks=[Boom()])
    assert blas_threads() == 2


def test_overlapping_blocks_restore_the_count_the_first_met(two_threads):
    """A fit inside another's block (a callback's fit; a fit in another thread) leaves the setting
    to the first; the last block to close restores the count the first met: each restoring its own
    left one thread, and the first restoring it while a fit in another thread ran changed that fit's
    count in its midst."""
    outer = threads.limited(1)
    with outer:
        assert blas_threads() == 1
        with threads.limited(1):
            pass
        assert blas_threads() == 1  # the inner block's end restored nothing
        inner = threads.limited(1)
        inner.__enter__()
    assert blas_threads() == 1  # an inner block still open (another thread's fit) keeps the limit
    inner.__exit__(None, None, None)
    assert blas_threads() == 2  # the last to close restored the count the first met
    with threads.limited(None):
        assert blas_threads() == 2


def test_fits_in_two_threads_leave_the_count_as_it_was(two_threads):
    x, y = data(128, 784)
    inside, errors = threading.Barrier(2, timeout=60), []

    class Meet(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            inside.wait()  # both fits inside their training loops at once

    def train():
        try:
            mlp(784, 32).fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[Meet()])
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    workers = [threading.Thread(target=train) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert blas_threads() == 2


def test_one_thread_trains_as_one_blas_thread_does(two_threads):
    """"auto" is only the thread count: the same weights as a fit inside threadpool_limits(1)."""
    x, y = data(256, 784)
    auto = mlp(784, 32)
    auto.fit(x, y, batch_size=32, epochs=2, verbose=0)
    config.set_training_threads(None)
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        one = mlp(784, 32)
        one.fit(x, y, batch_size=32, epochs=2, verbose=0)
    for a, b in zip(auto.get_weights(), one.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("value, error, message", [
    # a string is the right type with a wrong value: a ValueError (it was a TypeError)
    ("fast", ValueError, "positive integer"),
    ("AUTO", ValueError, '"auto" \\(lower case\\)'),
    (True, TypeError, "positive integer"),
    (1.5, TypeError, "positive integer"),
    (np.array([2, 3]), TypeError, "positive integer"),
    (0, ValueError, "positive number of threads"),
    (-2, ValueError, "positive number of threads"),
])
def test_bad_settings_are_refused(value, error, message):
    with pytest.raises(error, match=message):
        config.set_training_threads(value)
    assert config.training_threads() == "auto"


def test_a_count_without_threadpoolctl_says_what_to_install(monkeypatch):
    monkeypatch.setattr(threads, "_controller", [None])  # as when threadpoolctl is not installed
    with pytest.raises(ImportError, match=r"pip install \"glassnet\[threads\]\" \(or threadpoolctl\)"):
        config.set_training_threads(2)
    config.set_training_threads("auto")  # changes nothing without it
    x, y = data(64, 784)
    before, seen = blas_threads(), SeenThreads()
    mlp(784, 32).fit(x, y, batch_size=32, verbose=0, callbacks=[seen])
    assert seen.seen == {before}


def test_a_limit_that_fails_holds_nothing(monkeypatch):
    """threadpoolctl raising while setting the count: the error reaches the caller, and the next
    block sets the count (a block marked open before its limit held the setting for good)."""
    calls = []

    class Limiter:
        def restore_original_limits(self):
            calls.append("restore")

    class Controller:
        def limit(self, limits):
            calls.append(limits)
            if len(calls) == 1:
                raise OSError("no such symbol")
            return Limiter()

    monkeypatch.setattr(threads, "_controller", [Controller()])
    with pytest.raises(OSError, match="no such symbol"):
        with threads.limited(1):
            pass
    with threads.limited(1):
        pass
    assert calls == [1, 1, "restore"]
