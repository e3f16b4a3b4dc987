"""What every benchmark worker shares: its command line, thread pinning, the
configurations, MNIST, the epoch clock and the one-line JSON report.

A worker runs ONE library on ONE configuration and seed, in its own process,
and prints a single line ``BENCH_JSON {...}`` on stdout (libraries may print
anything else around it). ``benchmarks/run.py`` starts the workers.

Nothing here imports NumPy at module level: :func:`pin_threads` must set the
thread variables before NumPy (and its BLAS) is loaded.
"""

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mnist"

#: Environment variables that size the thread pools of BLAS, OpenMP, numba.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)
#: OpenBLAS kernel selection; the benchmark runs with them as set and unset.
OPENBLAS_KERNEL_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

#: The benchmark configurations (issue 3). ``epochs`` is the default.
CONFIGS = {
    "M1": {
        "description": "784-512-512-10, ReLU, Dropout(0.2) after each hidden layer, softmax, "
        "categorical cross-entropy, Adam 1e-3, batch 128",
        "hidden": (512, 512),
        "activation": "relu",
        "dropout": 0.2,
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "batch_size": 128,
        "epochs": 10,
    },
    "M2": {
        "description": "784-32-10 (the lecture's network), ReLU, softmax, categorical cross-entropy, "
        "SGD 0.1 without momentum, batch 32",
        "hidden": (32,),
        "activation": "relu",
        "dropout": 0.0,
        "optimizer": "sgd",
        "learning_rate": 0.1,
        "batch_size": 32,
        "epochs": 5,
    },
    "M0": {
        "description": "seed 001's XOR model 1: Dense(2, sigmoid, weights ~ N(0.75, 0.01)) + "
        "Dense(1, sigmoid), mean squared error, Adam 1e-3, batch 4, 1000 epochs (one fit call)",
        "hidden": (2,),
        "activation": "sigmoid",
        "dropout": 0.0,
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "batch_size": 4,
        "epochs": 1000,
    },
}
#: Keras's Adam defaults, used by every library.
ADAM = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}
#: Seed 001's initializer for the XOR model's first layer: normal(0.75, 0.01).
XOR_INIT = {"mean": 0.75, "stddev": 1e-2}


def parse_args(library, argv=None):
    """The command line shared by every worker."""
    parser = argparse.ArgumentParser(description=f"Benchmark worker for {library} (prints one BENCH_JSON line).")
    parser.add_argument("--config", choices=sorted(CONFIGS), default="M2", help="configuration (default M2)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs (default: the configuration's: M1 10, M2 5, M0 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first LIMIT training samples only (smoke tests)")
    parser.add_argument("--data", default=None,
                        help=f"folder with the MNIST IDX files (default {DEFAULT_DATA} when present, "
                        "else glassnet's search: $GLASSNET_DATA, the cache folder)")
    parser.add_argument("--threads", type=int, default=2, help="threads for the library (default 2)")
    if library == "glassnet":
        parser.add_argument("--jit-compile", action="store_true",
                            help="compile with jit_compile=True (the optimizer step as a numba loop)")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = CONFIGS[args.config]["epochs"]
    for name in ("epochs", "threads", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be a positive integer. Received: {value}")
    return args


def pin_threads(threads):
    """Limit every thread pool to ``threads`` and the process to ``threads`` CPUs.

    The CPU affinity is what bounds libraries without a thread setting (XLA's
    Eigen pool sizes itself from the CPUs the process may use). Call before
    importing NumPy or any numerical library.
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) > threads:
            os.sched_setaffinity(0, cpus[:threads])


def peak_rss_mb():
    """Peak resident set size of this process so far, in MB (10^6 bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def _light_mnist_module():
    """glassnet's ``datasets/mnist.py`` without running ``glassnet/__init__.py``.

    The loader needs only NumPy; importing the ``glassnet`` package would add
    all of glassnet's imports to a peer's memory. The package and its
    ``datasets`` subpackage are registered as empty shells under a private
    name, so only the loader's own modules (and what they import relatively,
    e.g. ``_io.py``) are executed.
    """
    import importlib
    import importlib.util
    import types

    name = "_glassnet_light"
    if name not in sys.modules:
        spec = importlib.util.find_spec("glassnet")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("the benchmark workers load MNIST with glassnet's loader: pip install -e . "
                              "or set PYTHONPATH=src")
        root = Path(spec.submodule_search_locations[0])
        for module_name, folder in ((name, root), (name + ".datasets", root / "datasets")):
            shell = types.ModuleType(module_name)
            shell.__path__ = [str(folder)]
            sys.modules[module_name] = shell
    return importlib.import_module(name + ".datasets.mnist")


def load_data(args, light=True):
    """MNIST as float32 in [0, 1] (rows of 784) with int64 labels, via glassnet's loader
    (``light``: its loader files only, for the peers; see :func:`_light_mnist_module`)."""
    if light:
        load_mnist = _light_mnist_module().load_mnist
    else:
        from glassnet.datasets import load_mnist

    path = args.data
    if path is None and (DEFAULT_DATA / "train-images-idx3-ubyte.gz").exists():
        path = DEFAULT_DATA
    (x_train, y_train), (x_test, y_test) = load_mnist(path, download=False, progress=False)
    if args.limit is not None:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    return x_train, y_train, x_test, y_test


def xor_weights(seed):
    """M0's initial weights, the same for every library so that their final
    accuracies can be compared: seed 001's first layer ~ N(0.75, 0.01), Keras's
    Glorot-uniform for the second, zero biases. [W1 (2, 2), b1, W2 (2, 1), b2], float32."""
    import numpy as np

    rng = np.random.default_rng(seed)
    W1 = rng.normal(XOR_INIT["mean"], XOR_INIT["stddev"], (2, 2))
    W2 = rng.uniform(-np.sqrt(6 / 3), np.sqrt(6 / 3), (2, 1))
    return [a.astype(np.float32) for a in (W1, np.zeros(2), W2, np.zeros(1))]


def xor_data():
    """Seed 001's XOR truth table: X (4, 2) float32 and y (4, 1) float32."""
    import numpy as np

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return X, y


def one_hot(y, n_classes=10):
    import numpy as np

    return np.eye(n_classes, dtype=np.float32)[y]


#: seconds of rest after each (untimed) test evaluation, before the next epoch's clock starts
SETTLE_SECONDS = 0.25


class EpochClock:
    """Training seconds per epoch, then test accuracy measured outside the clock.

    After the evaluation the worker rests ``SETTLE_SECONDS``, counted with the
    evaluation, so that it does not leak into the next epoch's clock: its large
    products run on every thread, and OpenBLAS's idle threads then spin for about
    0.1 s (its thread timeout, 2^28 cycles). On a 2-vCPU host the spinning
    thread took half of the core from the next epoch's small single-threaded
    products: M2's epochs 2-5 ran at 0.19 s where the first, which no evaluation
    preceded, ran at 0.147 s (and 0.134-0.140 s with OPENBLAS_THREAD_TIMEOUT=4).
    The rest is the same for every library.
    """

    def __init__(self):
        self.epoch_seconds = []
        self.test_accuracy = []
        self.eval_seconds = 0.0
        self._t0 = None

    def start(self):
        self._t0 = time.perf_counter()

    def stop(self, accuracy):
        """End the epoch's clock, then call ``accuracy()`` (not timed as training)."""
        self.epoch_seconds.append(time.perf_counter() - self._t0)
        t = time.perf_counter()
        self.test_accuracy.append(float(accuracy()))
        time.sleep(SETTLE_SECONDS)
        self.eval_seconds += time.perf_counter() - t


def blas_info():
    """The BLAS/OpenMP libraries loaded in this process, as threadpoolctl sees them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    keys = ("user_api", "internal_api", "prefix", "version", "architecture", "threading_layer", "num_threads")
    found = []
    for info in threadpool_info():
        entry = {k: info.get(k) for k in keys if k in info}
        # Which package shipped it (numpy.libs, scipy.libs, torch/lib, ...).
        entry["library_dir"] = Path(info.get("filepath", "")).parent.name
        found.append(entry)
    return found


def report(library, args, versions, fit_seconds, clock=None, final_accuracy=None, data_rss_mb=None, notes=""):
    """Print the ``BENCH_JSON`` line.

    ``fit_seconds`` is the wall time of the whole training call (or loop),
    evaluations included; ``train_seconds`` the sum of the per-epoch clocks
    (evaluation excluded). Without a clock (M0) both are the whole fit.
    """
    import numpy as np

    epoch_seconds = clock.epoch_seconds if clock else []
    test_accuracy = clock.test_accuracy if clock else [float(final_accuracy)]
    result = {
        "status": "ok",
        "library": library,
        "config": args.config,
        "seed": args.seed,
        "epochs": args.epochs,
        "limit": args.limit,
        "batch_size": CONFIGS[args.config]["batch_size"],
        "epoch_seconds": epoch_seconds,
        "train_seconds": sum(epoch_seconds) if clock else fit_seconds,
        "fit_seconds": fit_seconds,
        "eval_seconds": clock.eval_seconds if clock else 0.0,
        "test_accuracy": test_accuracy,
        "final_accuracy": test_accuracy[-1],
        "peak_rss_mb": peak_rss_mb(),
        "data_rss_mb": data_rss_mb,
        "threads": args.threads,
        "versions": {"python": platform.python_version(), "numpy": np.__version__, **versions},
        "blas": blas_info(),
        "env": {name: os.environ.get(name) for name in OPENBLAS_KERNEL_VARIABLES},
        "notes": notes,
    }
    print("BENCH_JSON " + json.dumps(result), flush=True)


def report_missing(library, args, error):
    """The line for a peer that is not installed."""
    print("BENCH_JSON " + json.dumps({"status": "not installed", "library": library,
                                      "config": args.config, "seed": args.seed, "error": str(error)}), flush=True)


def glassnet_version():
    """glassnet's version, read without importing it when a peer worker asks."""
    if "glassnet" in sys.modules:
        return sys.modules["glassnet"].__version__
    from importlib import metadata

    try:
        return metadata.version("glassnet")
    except metadata.PackageNotFoundError:
        return None
