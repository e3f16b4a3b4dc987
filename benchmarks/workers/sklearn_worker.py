"""Benchmark worker: scikit-learn's ``MLPClassifier``, one ``partial_fit`` per epoch.

scikit-learn's MLP has no dropout (M1 trains without it), always pairs its
output with log-loss (M0: logistic output and log-loss, not MSE) and uses its
own Glorot initialisation. ``alpha=0`` (no L2 penalty) and Keras's Adam
epsilon match the other libraries.
"""

import time
import warnings

from _common import (ADAM, CONFIGS, EpochClock, glassnet_version, load_data, parse_args, peak_rss_mb, pin_threads,
                     report, report_missing, xor_data)

args = parse_args("sklearn")
pin_threads(args.threads)

import numpy as np  # noqa: E402

try:
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
except ImportError as error:
    report_missing("sklearn", args, error)
    raise SystemExit(0)


def build(cfg, max_iter=1):
    kwargs = {"solver": "adam", "beta_1": ADAM["beta_1"], "beta_2": ADAM["beta_2"], "epsilon": ADAM["epsilon"]}
    if cfg["optimizer"] == "sgd":
        kwargs = {"solver": "sgd", "momentum": 0.0, "nesterovs_momentum": False, "learning_rate": "constant"}
    return MLPClassifier(
        hidden_layer_sizes=cfg["hidden"],
        activation="logistic" if cfg["activation"] == "sigmoid" else cfg["activation"],
        alpha=0.0,
        batch_size=cfg["batch_size"],
        learning_rate_init=cfg["learning_rate"],
        max_iter=max_iter,
        n_iter_no_change=max_iter + 1,
        tol=0.0,
        shuffle=True,
        random_state=args.seed,
        **kwargs,
    )


def main():
    cfg = CONFIGS[args.config]
    versions = {"sklearn": sklearn.__version__, "glassnet": glassnet_version()}
    if args.config == "M0":
        X, y = xor_data()
        model = build(cfg, max_iter=args.epochs)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y.ravel().astype(int))
        fit_seconds = time.perf_counter() - t
        accuracy = np.mean(model.predict(X) == y.ravel())
        report("sklearn", args, versions, fit_seconds, final_accuracy=accuracy,
               notes="logistic output with log-loss (no MSE in MLPClassifier); its own initial weights, "
                     "so its accuracy is not comparable")
        return
    x_train, y_train, x_test, y_test = load_data(args)
    data_rss = peak_rss_mb()
    model = build(cfg)
    classes = np.arange(10)
    clock = EpochClock()
    t = time.perf_counter()
    for _ in range(args.epochs):
        clock.start()
        model.partial_fit(x_train, y_train, classes=classes)
        clock.stop(lambda: np.mean(model.predict(x_test) == y_test))
    fit_seconds = time.perf_counter() - t
    report("sklearn", args, versions, fit_seconds, clock=clock, data_rss_mb=data_rss,
           notes="no dropout" if cfg["dropout"] else "")


main()
