"""``glassnet bench``: how fast glassnet trains the benchmark networks on this machine.

The configurations are those of ``benchmarks/`` (issue 3): M1 (784-512-512-10
with dropout, Adam), M2 (the lecture's 784-32-10, plain SGD) and M0 (seed
001's XOR network). This command times glassnet alone, in this process, with
``Sequential.fit`` as a user calls it; ``benchmarks/run.py`` in the source tree
compares the same networks with PyTorch, Keras and scikit-learn, each library
in its own process.
"""

import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from .. import threads
from ..callbacks import Callback
from ._common import CommandError, _compile, _info, _require_numba, count

#: The networks of benchmarks/workers/_common.py, with fewer default epochs (a quick check).
BENCH_CONFIGS = {
    "M1": dict(hidden=(512, 512), activation="relu", dropout=0.2, optimizer="adam", lr=1e-3, batch_size=128,
               epochs=3, network="784-512-512-10 ReLU, dropout 0.2", training="Adam 1e-3, batch 128"),
    "M2": dict(hidden=(32,), activation="relu", dropout=0.0, optimizer="sgd", lr=0.1, batch_size=32,
               epochs=3, network="784-32-10 ReLU", training="SGD 0.1, batch 32"),
    "M0": dict(hidden=(2,), activation="sigmoid", dropout=0.0, optimizer="adam", lr=1e-3, batch_size=4,
               epochs=1000, network="2-2-1 sigmoid (seed 001's XOR)", training="Adam 1e-3, batch 4, MSE"),
}


class _EpochClock(Callback):
    """Times each epoch, from its first batch to its last (evaluation is not counted)."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def _peak_rss_mb():
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def blas_description():
    """``"openblas 0.3.31 (SkylakeX, 2 threads)"``, from threadpoolctl when it is installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (pip install threadpoolctl to see the BLAS library and kernel)"
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    if not blas:
        return "none found by threadpoolctl"
    return "; ".join(f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, "
                     f"{p.get('num_threads')} thread{'' if p.get('num_threads') == 1 else 's'})" for p in blas)


def _cores():
    """The CPU cores this process may run on (None where unknown)."""
    return threads.process_cpu_count()


def _note_threads(asked):
    """Say where --threads N does not run N threads on cores of their own: a BLAS library caps the count
    (OpenBLAS at its build's maximum: --threads 1000 ran 64 without a word), and threads beyond the
    machine's cores take turns on them, which the times then include."""
    from threadpoolctl import threadpool_info

    capped = [f"{p.get('internal_api')} runs at most {p['num_threads']} threads, so it runs {p['num_threads']}"
              for p in threadpool_info()
              if p.get("user_api") == "blas" and p.get("num_threads") is not None and p["num_threads"] < asked]
    cores = _cores()
    parts = capped + ([f"this machine has {count(cores, 'CPU core')}, on which more threads take turns "
                       "(the times include their waiting)"] if cores is not None and asked > cores else [])
    if parts:
        print(f"note: --threads {asked}: {'; '.join(parts)}.", file=sys.stderr)


def _build(cfg, n_in, n_out, output, seed, loss, jit_compile):
    """The configuration's network (``glassnet train``'s builder), compiled with its optimizer."""
    from ..optimizers import SGD, Adam
    from .train import build_model

    model = build_model(n_in, n_out, cfg["hidden"], cfg["activation"], output, cfg["dropout"], "float32", seed)
    _compile(model, jit_compile, optimizer=Adam(cfg["lr"]) if cfg["optimizer"] == "adam" else SGD(cfg["lr"]), loss=loss)
    return model


def _run_xor(cfg, seed, jit_compile):
    from ..datasets import logic_gate

    X, y = logic_gate("xor")
    model = _build(cfg, 2, 1, "sigmoid", seed, "mean_squared_error", jit_compile)
    weights = model.get_weights()
    weights[0][...] = np.random.default_rng(seed).normal(0.75, 0.01, weights[0].shape)  # seed 001's start
    model.set_weights(weights)
    start = time.perf_counter()
    model.fit(X, y, batch_size=cfg["batch_size"], epochs=cfg["epochs"], verbose=0)
    total = time.perf_counter() - start
    accuracy = float(np.mean((model.predict(X)[:, 0] > 0.5) == y.ravel()))
    return None, total, accuracy


def _run_mnist(cfg, data, epochs, seed, jit_compile):
    from ..preprocessing import to_categorical

    (x_train, y_train), (x_test, y_test) = data
    model = _build(cfg, x_train.shape[1], 10, "softmax", seed, "categorical_crossentropy", jit_compile)
    clock = _EpochClock()
    start = time.perf_counter()
    model.fit(x_train, to_categorical(y_train, num_classes=10), batch_size=cfg["batch_size"], epochs=epochs,
              verbose=0, callbacks=[clock])
    total = time.perf_counter() - start
    accuracy = float(np.mean(model.predict(x_test).argmax(axis=1) == y_test))
    # The first epoch pays for first-touch page faults; the median of the others is the steady speed.
    per_epoch = statistics.median(clock.seconds[1:] or clock.seconds)
    return per_epoch, total, accuracy


def _load_mnist(args):
    """MNIST from --data, else where 'glassnet train' looks ($GLASSNET_DATA, the cache, ../shared/data/mnist)."""
    from ..datasets import MNISTNotFoundError, load_mnist
    from ._data import _find_mnist

    if args.data is not None:
        if Path(args.data).exists() and not Path(args.data).is_dir():  # (the library's error named its path=)
            raise CommandError(f"--data: {args.data} is a file; give the folder that holds the four MNIST files.")
        try:
            data = load_mnist(args.data, download=False, progress=False)
        except MNISTNotFoundError:
            raise CommandError(f"--data: the four MNIST files are not all in {args.data}.") from None
    else:
        found = _find_mnist(download=False)
        if found is None:
            raise CommandError("M1 and M2 train on MNIST, which was not found ($GLASSNET_DATA, the cache, "
                               "../shared/data/mnist). Pass --data FOLDER, run 'glassnet train mnist' once to "
                               "download it, or bench only M0.")
        data = found[0]
    (x_train, y_train), test = data
    if args.limit is not None:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    return (x_train, y_train), test


def cmd_bench(args):
    from .. import __version__

    configs = list(dict.fromkeys(args.configs or ["M2", "M0", "M1"]))  # (the parser checked the names)
    given = [option for option, value in (("--epochs", args.epochs), ("--data", args.data), ("--limit", args.limit))
             if value is not None]
    if given and configs == ["M0"]:  # (they were ignored without a word)
        raise CommandError(f"{given[0]} is for M1 and M2, which train on MNIST; M0 trains seed 001's XOR network "
                           f"for its fixed {BENCH_CONFIGS['M0']['epochs']} epochs. Leave {given[0]} out, or add M1 or M2.")
    _require_numba(args.jit_compile, args)
    limits, policy = None, threads.training_threads()
    if args.threads is not None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            raise CommandError("--threads needs threadpoolctl: pip install threadpoolctl") from None
        limits = threadpool_limits(args.threads)
        _note_threads(args.threads)
        # fit's steps too: by default a network of small products (M2) trains on one thread
        threads.set_training_threads(args.threads)
    mnist = _load_mnist(args) if any(c != "M0" for c in configs) else None

    print(f"glassnet {__version__}, NumPy {np.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}")
    print(f"BLAS: {blas_description()}")
    if args.jit_compile:
        print("jit_compile: the optimizer step, ReLU and dropout as numba loops")
    if mnist is not None:
        _info(args, f"MNIST: {mnist[0][0].shape[0]} training and {mnist[1][0].shape[0]} test images")
    rows = []
    try:
        for name in configs:
            cfg = BENCH_CONFIGS[name]
            epochs = cfg["epochs"] if name == "M0" else (args.epochs or cfg["epochs"])
            _info(args, f"{name}: {cfg['network']}; {cfg['training']}; {count(epochs, 'epoch')} ...")
            if name == "M0":
                per_epoch, total, accuracy = _run_xor(cfg, args.seed, args.jit_compile)
            else:
                per_epoch, total, accuracy = _run_mnist(cfg, mnist, epochs, args.seed, args.jit_compile)
            rows.append((name, cfg, epochs, per_epoch, total, accuracy))
    finally:
        if limits is not None:
            limits.restore_original_limits()
            threads.set_training_threads(policy)

    rss = _peak_rss_mb()
    print()
    print(f"{'config':6}  {'network':32}  {'epochs':>6}  {'s/epoch':>8}  {'total s':>8}  {'accuracy':>8}")
    for name, cfg, epochs, per_epoch, total, accuracy in rows:
        shown = "—" if per_epoch is None else f"{per_epoch:.3f}"
        print(f"{name:6}  {cfg['network']:32}  {epochs:>6}  {shown:>8}  {total:>8.2f}  {100 * accuracy:>7.2f}%")
    if rss is not None:
        print(f"peak memory of this process: {rss:.0f} MB")
    single = any(name != "M0" and epochs == 1 for name, _, epochs, *_ in rows)
    print("s/epoch: median over the epochs after the first" + (" (with one epoch: that epoch, first-touch page "
          "faults included)" if single else "") + "; M0: the whole fit. "
          "benchmarks/run.py compares with PyTorch, Keras and scikit-learn.")
    return 0
