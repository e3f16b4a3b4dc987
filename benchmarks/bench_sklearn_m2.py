"""M2 through the scikit-learn API: glassnet.sklearn.MLPClassifier against
sklearn.neural_network.MLPClassifier, same process, back to back.

M2 is the lecture's MNIST network 784-32-10: ReLU hidden layer, softmax output,
log-loss, plain SGD with learning rate 0.1 (no momentum), batches of 32, 5 epochs,
shuffled. M2 has no weight penalty, so the target is judged at alpha = 0; the
script also times alpha = 1e-4, scikit-learn's default, where both libraries
add the L2 penalty and its gradient at every step. Both libraries get the
same float32 arrays (scikit-learn keeps float32 input in float32; glassnet's
``dtype=None`` does the same).

Usage::

    python benchmarks/bench_sklearn_m2.py [--data ../shared/data/mnist] [--repeats 3] [--alpha 0 1e-4] [--threads N]

Prints one line per fit (seconds, test accuracy) and, per alpha, the speed-up
(best fit time of each library).
Target (issue 4): glassnet >= 2.5x faster, accuracy within 0.3 points.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

SETTINGS = dict(
    hidden_layer_sizes=(32,),
    activation="relu",
    solver="sgd",
    learning_rate="constant",
    learning_rate_init=0.1,
    momentum=0.0,
    nesterovs_momentum=False,
    batch_size=32,
    max_iter=5,
    shuffle=True,
    early_stopping=False,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", default=None,
                        help="folder with the MNIST IDX files (default: ../shared/data/mnist when it holds "
                             "them, else where glassnet.datasets.load_mnist looks: $GLASSNET_DATA, the cache)")
    parser.add_argument("--repeats", type=int, default=3, help="fit each library this many times (alternating)")
    parser.add_argument("--alpha", type=float, nargs="+", default=[0.0, 1e-4],
                        help="L2 penalties to time (the first one is judged against the target)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of both estimators")
    parser.add_argument("--threads", type=int, default=None, help="BLAS/OpenMP threads (default: the libraries' own)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one glassnet fit")
    parser.add_argument("--limit", type=int, default=None,
                        help="train on the first LIMIT samples (smoke runs; the target line then says so)")
    return parser.parse_args(argv)


def timed_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: 5 epochs is the configuration
        start = time.perf_counter()
        estimator.fit(X, y)
        return time.perf_counter() - start


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        for name in THREAD_VARIABLES:  # before NumPy loads its BLAS
            os.environ[name] = str(args.threads)

    import numpy as np
    import sklearn
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    sys.path.insert(0, str(REPO / "src"))
    import glassnet
    from glassnet.datasets import MNISTNotFoundError, load_mnist
    from glassnet.sklearn import MLPClassifier as GlassnetMLP

    data = args.data
    shared = REPO.parent / "shared" / "data" / "mnist"
    if data is None and (shared / "train-images-idx3-ubyte.gz").exists():
        data = shared  # as the workers: the shared folder first, then load_mnist's own search
    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(data, download=False, progress=False)
    except MNISTNotFoundError as error:
        sys.exit(str(error))  # where to put the files, not a traceback
    if args.limit is not None:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    print(f"MNIST {x_train.shape} {x_train.dtype}; glassnet {glassnet.__version__}, "
          f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    print(f"settings: {SETTINGS}")

    makers = {"scikit-learn": SklearnMLP, "glassnet": GlassnetMLP}
    summary = []
    for alpha in args.alpha:
        results = {"scikit-learn": [], "glassnet": []}
        for _ in range(args.repeats):
            for name in ("scikit-learn", "glassnet"):
                estimator = makers[name](random_state=args.seed, alpha=alpha, **SETTINGS)
                seconds = timed_fit(estimator, x_train, y_train)
                accuracy = float(np.mean(estimator.predict(x_test) == y_test))
                results[name].append((seconds, accuracy))
                print(f"alpha={alpha:g} {name:>12}: fit {seconds:7.2f} s   test accuracy {accuracy:.4f}   "
                      f"final loss {estimator.loss_:.4f}", flush=True)
        best = {name: min(runs) for name, runs in results.items()}
        ratio = best["scikit-learn"][0] / best["glassnet"][0]
        gap = 100 * (best["glassnet"][1] - best["scikit-learn"][1])
        summary.append(f"alpha={alpha:g}: speed-up glassnet vs scikit-learn {ratio:.2f}x (best of {args.repeats}: "
                       f"{best['glassnet'][0]:.2f} s vs {best['scikit-learn'][0]:.2f} s); accuracy difference "
                       f"{gap:+.2f} points; target >= 2.5x and |difference| <= 0.3 points -> "
                       + (f"not judged (smoke run on {args.limit} samples)" if args.limit is not None else
                          f"{'met' if ratio >= 2.5 and abs(gap) <= 0.3 else 'NOT met'}"))
    print("\n".join(summary))

    if args.profile:
        import cProfile
        import pstats

        estimator = GlassnetMLP(random_state=args.seed, alpha=args.alpha[0], **SETTINGS)
        profiler = cProfile.Profile()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            profiler.runcall(estimator.fit, x_train, y_train)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
