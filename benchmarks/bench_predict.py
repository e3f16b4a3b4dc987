"""Inference through the scikit-learn API: ``predict_proba`` of glassnet.sklearn.MLPClassifier
against sklearn.neural_network.MLPClassifier, same process, back to back.

Two small networks, where the time is not all in the matrix products: 64-100-10 on the
embedded 8×8 digits (1797 rows, float64, as scikit-learn's example) and the lecture's
784-32-10 on 10000 MNIST-sized rows (float32; random pixels, since only the time counts).
Both estimators are fitted for a few iterations first; the figure is the best time of
``--repeats`` rounds of 10 calls each, and the ratio glassnet / scikit-learn.

Usage::

    python benchmarks/bench_predict.py [--repeats 30]
"""

import argparse
import time
import warnings

import numpy as np


def best_time(fn, repeats, calls=10):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    from glassnet.sklearn import MLPClassifier as GlassnetMLP

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    cases = [("64-100-10, digits 1797 x 64 float64", X / 16, y, (100,)),
             ("784-32-10, 10000 x 784 float32", rng.random((10000, 784), dtype=np.float32),
              rng.integers(0, 10, 10000), (32,))]
    try:
        from threadpoolctl import threadpool_info

        print("BLAS:", ", ".join(f"{i.get('internal_api')} {i.get('architecture')}" for i in threadpool_info()))
    except ImportError:
        pass
    for title, data, labels, hidden in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a few iterations do not converge
            ours = GlassnetMLP(hidden_layer_sizes=hidden, max_iter=3, random_state=0).fit(data, labels)
            theirs = SklearnMLP(hidden_layer_sizes=hidden, max_iter=3, random_state=0).fit(data, labels)
        np.testing.assert_allclose(ours.predict_proba(data).sum(axis=1), 1, rtol=1e-5)
        t_ours = best_time(lambda: ours.predict_proba(data), args.repeats)
        t_theirs = best_time(lambda: theirs.predict_proba(data), args.repeats)
        print(f"{title}: glassnet {t_ours * 1e3:.2f} ms, scikit-learn {t_theirs * 1e3:.2f} ms, "
              f"ratio {t_ours / t_theirs:.2f}x")


if __name__ == "__main__":
    main()
