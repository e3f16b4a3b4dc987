"""BLAS threads for ``fit``'s training steps (:func:`set_training_threads`).

A small network's training step (the lecture's 784-32-10 on batches of 32) makes a few
matrix products of under a million multiply-adds each, between dozens of small elementwise
passes. Shared between two BLAS threads such a product gains a few microseconds, and the step
loses far more whenever the second thread waits for its core: on a 2-core machine M2's
epoch took 0.29 s with one BLAS thread in every run, and 0.29 or 0.42 s with two, from one
run to the next (``benchmarks/README.md``). ``"auto"``, the default, trains such networks
on one BLAS thread (each epoch's batches: validation and the epochs' callbacks keep BLAS's
count); bigger products keep BLAS's own count, which halves M1's products.

Setting the count needs threadpoolctl (``pip install threadpoolctl``; scikit-learn brings it):
without it ``"auto"`` leaves BLAS as it is. With OpenBLAS's own threads (NumPy's wheels) the
count is the process's: while a fit runs on one thread, BLAS calls from other Python threads
run on one too (see :class:`limited` for overlapping fits).
"""

import math
import numbers
import os
import threading
import weakref

from . import backend

#: Below this many multiply-adds in every product ``"auto"`` leaves BLAS alone (and never imports
#: threadpoolctl): BLAS libraries run such products on one thread anyway (NumPy's OpenBLAS 0.3.31
#: shares a product from 2^19 = 524,288: 64 × 64 × 120 took 12.7 µs on one or two threads, 64 × 64 × 128
#: 13.6 against 10.2 µs).
SHARED_FROM = 1 << 16
#: ``"auto"`` trains on one BLAS thread while every matrix product of a step is below this
#: many multiply-adds (M2's largest: 32 × 784 × 32 = 802,816).
SMALL_PRODUCT = 1 << 20

_state = {"policy": "auto"}
_lock = threading.Lock()
#: the limited blocks open (all threads), the limit they hold, and the forks this process came from
_held = {"open": 0, "limiter": None, "forks": 0}
_locks = weakref.WeakSet()  # every ModelLock, made new in a forked child (_after_fork)
_controller = []  # threadpoolctl's view of the loaded BLAS libraries, made once


def process_cpu_count():
    """The CPU cores this process may run on (None where unknown): a container's or ``taskset``'s
    share on Linux, not the machine's count that ``os.cpu_count`` gives (Python 3.13's
    ``os.process_cpu_count``). A CPU quota without an affinity (``docker --cpus 2``) is not seen."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count()
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def training_threads():
    """The BLAS threads ``fit`` trains with: ``"auto"``, ``None`` or a count (:func:`set_training_threads`)."""
    return _state["policy"]


def set_training_threads(value):
    """Set the BLAS threads of ``fit``'s training steps.

    ``"auto"`` (the default): one thread while every matrix product of a step makes fewer than
    :data:`SMALL_PRODUCT` multiply-adds (the rows of a batch through a :class:`~glassnet.layers.Dense`
    layer's ``n_in × units`` kernel), else BLAS's own count. ``None``: always BLAS's own count. A
    positive integer: that many threads during every fit. Anything but ``None`` needs threadpoolctl
    to take effect; a count without it is an error here, ``"auto"`` without it changes nothing.
    """
    if not (value is None or isinstance(value, str) and value == "auto"):
        if isinstance(value, str):  # a string of the right type, not one of the words: "AUTO", "none"
            raise ValueError(f'set_training_threads takes "auto" (lower case), None or a positive integer. '
                             f"Received: {value!r:.100}")
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f'set_training_threads takes "auto", None or a positive integer. Received: {value!r:.100}')
        if value < 1:
            raise ValueError(f"set_training_threads takes a positive number of threads. Received: {value}")
        if _blas() is None:
            raise ImportError("set_training_threads(n) needs threadpoolctl to set BLAS's threads: "
                              "pip install \"glassnet[threads]\" (or threadpoolctl)")
        value = int(value)  # (a NumPy integer too)
    _state["policy"] = value


def largest_product(layers, batch_size):
    """The most multiply-adds of one matrix product in a training step of ``batch_size`` rows
    through ``layers`` (each Dense layer makes three of its size: ``X W``, ``Xᵀ δ`` and ``δ Wᵀ``),
    or None where a layer's products are not known (a layer of the user's own)."""
    from .layers.dense import Dense

    largest = 0
    for layer in layers:
        layer = getattr(layer, "layer", layer)  # a wrapper's (SpectralNormalization's) inner layer
        if not type(layer).__module__.startswith("glassnet."):
            return None
        kernel = layer.params.get("W") if isinstance(layer, Dense) else None
        if kernel is None:  # glassnet's other layers: elementwise passes, gathers and row sums
            continue
        rows = batch_size * math.prod(layer.input_shape[:-1])  # (n, ..., n_in): every row
        largest = max(largest, rows * kernel.size)
    return largest


def step_threads(layers, batch_size):
    """The BLAS threads a fit on batches of ``batch_size`` rows trains ``layers`` with: the
    count set, 1 where ``"auto"`` finds every product small, else None (BLAS's own)."""
    policy = _state["policy"]
    if policy != "auto":
        return policy
    if batch_size is None or not backend.is_numpy():  # (a stream's batches; torch's own threads)
        return None
    largest = largest_product(layers, batch_size)
    return 1 if largest is not None and SHARED_FROM <= largest < SMALL_PRODUCT else None


class limited:
    """``with limited(n):`` BLAS on ``n`` threads inside the block (``None``: as it is).

    The blocks open in all Python threads share one setting: the first to open sets it, the last
    to close restores the count the first met. A block opened while another is open (a fit in a
    callback of a fit, or in another Python thread) leaves BLAS as that one set it. Restored by the
    first to close, a fit still running in another thread trained the rest of its epoch on BLAS's
    own count (other last bits than the same fit alone); each restoring its own would leave BLAS on
    one thread for good after two overlapping fits. threadpoolctl itself lets one Python thread at
    a time set a pthreads OpenBLAS's count, process-wide; an OpenMP build's count is each thread's own.
    """

    def __init__(self, threads):
        self.threads = threads
        self._opened = 0  # this object's open blocks (fit enters one per epoch)
        self._forks = _held["forks"]  # (blocks opened before a fork are closed in the child: _after_fork)

    def __enter__(self):
        if self.threads is None or (blas := _blas()) is None:
            return self
        with _lock:
            if self._forks != _held["forks"]:
                self._opened, self._forks = 0, _held["forks"]
            if not _held["open"]:
                _held["limiter"] = blas.limit(limits=self.threads)  # (one that raised holds nothing)
            _held["open"] += 1
            self._opened += 1
        return self

    def __exit__(self, *exc_info):
        if not self._opened or self._forks != _held["forks"]:
            return
        with _lock:
            self._opened -= 1
            _held["open"] -= 1
            if not _held["open"]:
                limiter, _held["limiter"] = _held["limiter"], None
                limiter.restore_original_limits()


class ModelLock:
    """A model's lock between Python threads: many inference passes at once (``with lock.shared:``),
    or one pass that changes what the others read (``with lock.exclusive:``: a training step, a
    training-mode call, a build), with no inference pass running.

    Re-entrant in one thread: a step may build, a pass inside an exclusive one runs (a shared
    section must not open an exclusive one: it would wait for itself, so shared sections hold
    glassnet's own passes only, never a callback). A waiting exclusive pass holds ``_write``, so
    no new shared pass starts before it (a model served without pause from several threads still
    trains). Uncontended, ``exclusive`` is an RLock's acquire and release (well under a
    microsecond, against fit's ~80 µs steps)."""

    def __init__(self):
        self._write = threading.RLock()
        self._readers_changed = threading.Condition(threading.Lock())
        self._readers = 0
        self._fit = (None, 0)  # the thread whose fit runs, and how deep (a fit in its own callback)
        #: ``with lock.exclusive:`` / ``with lock.shared:`` (one object each, made once: no state per use)
        self.exclusive, self.shared, self.fitting = _Exclusive(self), _Shared(self), _Fitting(self)
        _locks.add(self)

    def wait_for_readers(self):
        """With ``_write`` held: wait for the shared passes running to end (no new one starts while
        ``_write`` is held, so the count only falls)."""
        with self._readers_changed:
            while self._readers:
                self._readers_changed.wait()

    def _after_fork(self):
        """(In a forked child, whose one thread is the one that forked.) What other threads held
        is free: their threads do not exist here. The forking thread's own sections stay held (a
        fork in a fit's callback closes them as it returns), but for its shared ones (a fork in a
        user's ``forward``): the count starts at 0, and those close on a detached lock (a ``with``
        calls the ``__exit__`` of the object it entered), so the child's count stays right."""
        if self._write.acquire(blocking=False):  # free, or this thread's
            self._write.release()
        else:
            self._write = threading.RLock()
        self._readers_changed = threading.Condition(threading.Lock())
        self._readers = 0
        self.shared.lock, self.shared = ModelLock(), _Shared(self)
        if self._fit[0] != threading.get_ident():
            self._fit = (None, 0)

    def __reduce__(self):  # copied or pickled (a model's are left out: Persistence.__getstate__): a new one
        return ModelLock, ()


class _Section:
    """A ``with`` section of one :class:`ModelLock` (made once per lock: no state per use)."""
    __slots__ = ("lock",)

    def __init__(self, lock):
        self.lock = lock


class _Exclusive(_Section):
    __slots__ = ()

    def __enter__(self):
        lock = self.lock
        lock._write.acquire()
        if lock._readers:
            lock.wait_for_readers()

    def __exit__(self, *exc_info):
        self.lock._write.release()


class _Shared(_Section):
    __slots__ = ()

    def __enter__(self):
        lock = self.lock
        with lock._write:  # (waits for an exclusive pass; passes in the thread that holds it)
            with lock._readers_changed:
                lock._readers += 1

    def __exit__(self, *exc_info):
        lock = self.lock
        with lock._readers_changed:
            lock._readers -= 1
            if not lock._readers:
                lock._readers_changed.notify_all()


class _Fitting(_Section):
    """Around a fit: a second fit of the model from another thread, whose steps would interleave
    with the first's on the same weights and optimizer state, is refused. A fit in a callback of
    the model's own fit (the same thread) runs, as before."""
    __slots__ = ()

    def __enter__(self):
        lock, me = self.lock, threading.get_ident()
        with lock._readers_changed:
            owner, depth = lock._fit
            if owner is not None and owner != me:
                raise RuntimeError("This model is already being fitted in another thread: two fits of one model "
                                   "at once would interleave their steps on the same weights. Wait for the first "
                                   "(join its thread), or fit a copy (glassnet.models.clone_model).")
            lock._fit = (me, depth + 1)

    def __exit__(self, *exc_info):
        lock = self.lock
        with lock._readers_changed:
            owner, depth = lock._fit
            lock._fit = (owner, depth - 1) if depth > 1 else (None, 0)


def model_lock(model):
    """``model``'s :class:`ModelLock`, made at its first use (not pickled nor copied with it)."""
    lock = model.__dict__.get("_thread_lock")
    if lock is None:  # (the model's class says None: Sequential._thread_lock)
        with _lock:
            lock = model.__dict__.setdefault("_thread_lock", ModelLock())
    return lock


def _after_fork():
    """(In a child forked from this process: a ``multiprocessing`` fork pool's worker.) Another
    thread's fit or pass does not go on here, so its model locks and its BLAS limit are let go:
    a child forked inside a :class:`limited` block (from a fit's callback, or beside another
    thread's fit) would otherwise hang on its model or keep BLAS on one thread for good. Blocks
    opened before the fork do nothing as they close."""
    global _lock
    _lock = threading.Lock()
    for lock in list(_locks):
        lock._after_fork()
    _held["forks"] += 1
    _held["open"] = 0
    limiter, _held["limiter"] = _held["limiter"], None
    if limiter is not None:
        limiter.restore_original_limits()


if hasattr(os, "register_at_fork"):  # (not on Windows)
    os.register_at_fork(after_in_child=_after_fork)


def _blas():
    """threadpoolctl's controller of the loaded BLAS libraries, or None without threadpoolctl."""
    if not _controller:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _controller.append(None)
        else:
            _controller.append(ThreadpoolController().select(user_api="blas"))
    return _controller[0]


__all__ = ["SMALL_PRODUCT", "ModelLock", "largest_product", "limited", "model_lock", "set_training_threads",
           "step_threads", "training_threads"]
