"""One model shared between Python threads: training-mode calls, evaluate, predict beside fit, the
first build, two fits, and BLAS's limit across overlapping fits (glassnet.threads.ModelLock, limited)."""

import copy
import pickle
import sys
import threading

import numpy as np
import pytest

from glassnet import layers, regularizers, threads
from glassnet.models import Sequential


@pytest.fixture
def switchy():
    """Frequent thread switches, so that races show within a few calls."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _data(n=2000, d=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype("float32")
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _run(n, work):
    """``work(i)`` in ``n`` threads released together; the first exception raised in any."""
    errors, barrier = [], threading.Barrier(n)

    def target(i):
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ts = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def test_training_mode_calls_from_threads_give_their_own_outputs(switchy):
    X, y = _data()
    m = Sequential([layers.Input((20,)), layers.Dense(64, activation="relu"), layers.BatchNormalization(momentum=1.0),
                    layers.Dense(2, activation="softmax")], seed=0)
    Xs = [X[i * 300:(i + 1) * 300] for i in range(4)]
    refs = [np.asarray(m(x, training=True)) for x in Xs]
    wrong = []

    def work(i):
        for _ in range(15):
            if not np.array_equal(np.asarray(m(Xs[i], training=True)), refs[i]):
                wrong.append(i)

    _run(4, work)
    assert wrong == []


def test_concurrent_evaluate_with_activity_penalty(switchy):
    X, y = _data()
    m = Sequential([layers.Input((20,)), layers.Dense(16, activation="relu",
                                                      activity_regularizer=regularizers.L2(0.1)),
                    layers.Dense(2, activation="softmax")], seed=0)
    m.compile("sgd", "sparse_categorical_crossentropy")
    Xs, Ys = [X[:500], X[:50] * 10], [y[:500], y[:50]]
    single = [m.evaluate(Xs[k], Ys[k], verbose=0, batch_size=7) for k in (0, 1)]
    wrong = []

    def work(i):
        for _ in range(10):
            if m.evaluate(Xs[i % 2], Ys[i % 2], verbose=0, batch_size=7) != single[i % 2]:
                wrong.append(i)

    _run(4, work)
    assert wrong == []


@pytest.mark.parametrize("serve", ["predict", "call", "evaluate"])
def test_serving_while_fit_runs(switchy, serve):
    X, y = _data()

    def make():
        m = Sequential([layers.Input((20,)), layers.Dense(16, activation="relu"), layers.Dense(2, activation="softmax")],
                       seed=0)
        m.compile("adam", "sparse_categorical_crossentropy")
        return m

    alone = make()
    alone.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    m, stop, errors, served = make(), threading.Event(), [], [0]
    Xp, yp = X[:32], y[:32]  # the training batches' size: a pass reading the wrong rows would not fail loudly
    call = {"predict": lambda: m.predict(Xp, verbose=0), "call": lambda: m(Xp),
            "evaluate": lambda: m.evaluate(Xp, yp, verbose=0)}[serve]

    def server():
        while not stop.is_set():
            try:
                call()
                served[0] += 1
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    t = threading.Thread(target=server)
    t.start()
    try:
        m.fit(X, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    finally:
        stop.set()
        t.join()
    assert errors == [] and served[0] > 0
    for a, b in zip(m.get_weights(), alone.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_first_calls_from_threads_build_once(switchy):
    X, _ = _data()

    def make():
        return Sequential([layers.Dense(64, activation="relu"), layers.BatchNormalization(),
                           layers.Dense(3, activation="softmax")], seed=0)

    ref = make().predict(X, verbose=0)
    for _ in range(8):
        m, outs = make(), {}

        def work(i, m=m, outs=outs):
            outs[i] = m.predict(X, verbose=0) if i % 2 else np.asarray(m(X))

        _run(4, work)
        for out in outs.values():
            np.testing.assert_allclose(out, ref, atol=1e-6)
        np.testing.assert_array_equal(m.predict(X, verbose=0), ref)


def test_second_fit_from_another_thread_is_refused():
    X, y = _data(200)
    m = Sequential([layers.Input((20,)), layers.Dense(2, activation="softmax")], seed=0)
    m.compile("sgd", "sparse_categorical_crossentropy")
    inside, release = threading.Event(), threading.Event()

    from glassnet.callbacks import Callback

    class Hold(Callback):
        def on_epoch_end(self, epoch, logs=None):
            inside.set()
            release.wait(10)

    t = threading.Thread(target=lambda: m.fit(X, y, epochs=1, verbose=0, callbacks=[Hold()]))
    t.start()
    try:
        assert inside.wait(10)
        with pytest.raises(RuntimeError, match="another thread"):
            m.fit(X, y, epochs=1, verbose=0)
        m.predict(X, verbose=0)  # inference beside it still runs
    finally:
        release.set()
        t.join()
    m.fit(X, y, epochs=1, verbose=0)  # once it ended, another fit runs


def test_model_with_its_lock_pickles_and_copies():
    X, y = _data(100)
    m = Sequential([layers.Input((20,)), layers.Dense(2, activation="softmax")], seed=0)
    m.compile("sgd", "sparse_categorical_crossentropy")
    m.fit(X, y, epochs=1, verbose=0)
    lock = threads.model_lock(m)
    for other in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert threads.model_lock(other) is not lock
        np.testing.assert_array_equal(other.predict(X, verbose=0), m.predict(X, verbose=0))
        other.fit(X, y, epochs=1, verbose=0)


class _FakeLimiter:
    def __init__(self, log, n):
        self.log, self.n = log, n
        log.append(("limit", n))

    def restore_original_limits(self):
        self.log.append(("restore", self.n))


class _FakeBlas:
    def __init__(self):
        self.log = []

    def limit(self, limits):
        return _FakeLimiter(self.log, limits)


def test_overlapping_limited_blocks_restore_at_the_last_close(monkeypatch):
    fake = _FakeBlas()
    monkeypatch.setattr(threads, "_controller", [fake])
    a, b = threads.limited(1), threads.limited(1)
    a.__enter__()
    b.__enter__()  # (a second fit, in another thread)
    a.__exit__(None, None, None)  # the first ends while the second runs: the limit stays
    assert fake.log == [("limit", 1)]
    b.__exit__(None, None, None)
    assert fake.log == [("limit", 1), ("restore", 1)]
    with threads.limited(1):  # and the next block sets it again
        pass
    assert fake.log[2:] == [("limit", 1), ("restore", 1)]
