"""The lectures' single neurons against scikit-learn's Cython versions, same process, back to back.

- ``Adaline`` (online delta/LMS rule) against ``SGDClassifier(loss="squared_error",
  penalty=None, learning_rate="constant")`` with the same η, epochs and sample order;
- ``Perceptron`` (Rosenblatt's rule) against ``sklearn.linear_model.Perceptron``.

On the embedded 8×8 digits, standardized (1797 × 64, 10 classes one-vs-rest), so it
runs offline. The figure is the best of ``--repeats`` fits, the ratio glassnet /
scikit-learn, and both training accuracies (they should agree).

Usage::

    python benchmarks/bench_classic.py [--repeats 5] [--epochs 20]
"""

import argparse
import time
import warnings

import numpy as np


def best_fit(make, X, y, repeats):
    best, model = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        model = make().fit(X, y)
        best = min(best, time.perf_counter() - start)
    return best, float(np.mean(model.predict(X) == y))


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    from sklearn import linear_model

    from glassnet.classic import Adaline, Perceptron
    from glassnet.datasets import load_digits

    X, y = load_digits()
    X = X.astype(np.float64)
    X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
    try:
        from threadpoolctl import threadpool_info

        print("BLAS:", ", ".join(f"{i.get('internal_api')} {i.get('architecture')}" for i in threadpool_info()))
    except ImportError:
        pass
    eta = Adaline(max_epochs=1).fit(X, y).learning_rate_  # 1 / max ‖(1, x)‖², the stable online rate
    epochs = args.epochs
    cases = [
        ("Adaline online", lambda: Adaline(learning_rate=eta, max_epochs=epochs),
         lambda: linear_model.SGDClassifier(loss="squared_error", penalty=None, learning_rate="constant",
                                            eta0=eta, max_iter=epochs, tol=None, shuffle=False)),
        ("Perceptron", lambda: Perceptron(max_epochs=epochs),
         lambda: linear_model.Perceptron(max_iter=epochs, tol=None, shuffle=False)),
    ]
    print(f"digits 1797 x 64, standardized, {epochs} epochs, best of {args.repeats}")
    for title, ours, theirs in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # neither set of 10 one-vs-rest problems is separable
            t_ours, acc_ours = best_fit(ours, X, y, args.repeats)
            t_theirs, acc_theirs = best_fit(theirs, X, y, args.repeats)
        print(f"{title}: glassnet {t_ours * 1e3:.1f} ms (accuracy {acc_ours:.3f}), scikit-learn "
              f"{t_theirs * 1e3:.1f} ms (accuracy {acc_theirs:.3f}), ratio {t_ours / t_theirs:.2f}x")


if __name__ == "__main__":
    main()
