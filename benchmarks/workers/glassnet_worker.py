"""Benchmark worker: glassnet (``Sequential.fit``, as a user would call it)."""

import time

from _common import (ADAM, CONFIGS, EpochClock, glassnet_version, load_data, one_hot, parse_args,
                     peak_rss_mb, pin_threads, report, xor_data, xor_weights)

args = parse_args("glassnet")
pin_threads(args.threads)

import numpy as np  # noqa: E402

from glassnet import optimizers, threads  # noqa: E402
from glassnet.callbacks import Callback  # noqa: E402
from glassnet.layers import Dense, Dropout  # noqa: E402
from glassnet.models import Sequential  # noqa: E402


def build(cfg, n_in, n_out, output, seed, first_init="glorot_uniform"):
    layers = []
    for i, units in enumerate(cfg["hidden"]):
        kwargs = {"input_dim": n_in, "kernel_initializer": first_init} if i == 0 else {}
        layers.append(Dense(units, activation=cfg["activation"], **kwargs))
        if cfg["dropout"]:
            layers.append(Dropout(cfg["dropout"]))
    layers.append(Dense(n_out, activation=output))
    model = Sequential(layers, seed=seed)
    if cfg["optimizer"] == "adam":
        optimizer = optimizers.Adam(learning_rate=cfg["learning_rate"], **ADAM)
    else:
        optimizer = optimizers.SGD(learning_rate=cfg["learning_rate"])
    return model, optimizer


class Clock(Callback):
    def __init__(self, clock, x_test, y_test):
        super().__init__()
        self.clock, self.x_test, self.y_test = clock, x_test, y_test

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.start()

    def on_epoch_end(self, epoch, logs=None):
        self.clock.stop(lambda: np.mean(self.model.predict(self.x_test).argmax(axis=1) == self.y_test))


def main():
    cfg = CONFIGS[args.config]
    if args.config == "M0":
        if args.jit_compile:
            raise SystemExit("--jit-compile is for M1 and M2: M0's 9 parameters gain nothing from a compiled step")
        X, y = xor_data()
        model, optimizer = build(cfg, 2, 1, "sigmoid", args.seed)
        model.compile(optimizer=optimizer, loss="mean_squared_error")
        model.build()
        model.set_weights(xor_weights(args.seed))
        t = time.perf_counter()
        model.fit(X, y, batch_size=cfg["batch_size"], epochs=args.epochs, verbose=0)
        fit_seconds = time.perf_counter() - t
        accuracy = np.mean((model.predict(X) > 0.5) == y)
        report("glassnet", args, {"glassnet": glassnet_version()}, fit_seconds, final_accuracy=accuracy)
        return
    x_train, y_train, x_test, y_test = load_data(args, light=False)
    data_rss = peak_rss_mb()
    Y_train = one_hot(y_train)
    model, optimizer = build(cfg, x_train.shape[1], 10, "softmax", args.seed)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", jit_compile=args.jit_compile)
    clock = EpochClock()
    t = time.perf_counter()
    model.fit(x_train, Y_train, batch_size=cfg["batch_size"], epochs=args.epochs, verbose=0, shuffle=True,
              callbacks=[Clock(clock, x_test, y_test)])
    fit_seconds = time.perf_counter() - t
    library, versions = "glassnet", {"glassnet": glassnet_version()}
    if args.jit_compile:  # (numba's version from its metadata: importing it would add ~50 MB to the peak RSS)
        from importlib.metadata import version

        from glassnet import kernels

        library, versions = "glassnet-jit", {**versions, "numba": version("numba"), "loops": kernels.describe()}
    # glassnet.threads: "auto" trains a network of small products (M2's) on one BLAS thread
    one = threads.step_threads(model._layers, cfg["batch_size"]) == 1
    report(library, args, versions, fit_seconds, clock=clock, data_rss_mb=data_rss,
           notes="fit's steps on 1 BLAS thread (set_training_threads('auto'))" if one else "")


main()
