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
import threading

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
_held = {"open": False}  # whether a limited block holds the setting
_controller = []  # threadpoolctl's view of the loaded BLAS libraries, made once


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
                              "pip install threadpoolctl")
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

    One block at a time holds the setting: a block opened while another is open (a fit in a
    callback of a fit, or in another Python thread) leaves BLAS as that one set it, and the
    holder restores the count it met when it closes. Each fit restoring its own would leave
    BLAS on one thread for good after two overlapping fits (the second restores the first's
    one thread). threadpoolctl itself lets one Python thread at a time set a pthreads
    OpenBLAS's count, process-wide; an OpenMP build's count is each thread's own.
    """

    def __init__(self, threads):
        self.threads = threads
        self._limiter = None

    def __enter__(self):
        if self.threads is None or (blas := _blas()) is None:
            return self
        with _lock:
            if not _held["open"]:
                self._limiter = blas.limit(limits=self.threads)
                _held["open"] = True  # (after the limit: one that raised holds nothing)
        return self

    def __exit__(self, *exc_info):
        if self._limiter is None:
            return
        with _lock:
            try:
                self._limiter.restore_original_limits()
            finally:
                self._limiter, _held["open"] = None, False


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


__all__ = ["SMALL_PRODUCT", "largest_product", "limited", "set_training_threads", "step_threads",
           "training_threads"]
