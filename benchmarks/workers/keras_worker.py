"""Benchmark worker: Keras 3 on the JAX backend (``model.fit``, as a user would call it)."""

import os
import time

from _common import (ADAM, CONFIGS, EpochClock, glassnet_version, load_data, one_hot, parse_args,
                     peak_rss_mb, pin_threads, report, report_missing, xor_data, xor_weights)

args = parse_args("keras")
pin_threads(args.threads)
os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

try:
    import jax
    import keras
except ImportError as error:
    report_missing("keras", args, error)
    raise SystemExit(0)


def build(cfg, n_in, n_out, output, first_init="glorot_uniform"):
    layers = [keras.Input((n_in,))]
    for i, units in enumerate(cfg["hidden"]):
        layers.append(keras.layers.Dense(units, activation=cfg["activation"],
                                         kernel_initializer=first_init if i == 0 else "glorot_uniform"))
        if cfg["dropout"]:
            layers.append(keras.layers.Dropout(cfg["dropout"]))
    layers.append(keras.layers.Dense(n_out, activation=output))
    model = keras.Sequential(layers)
    if cfg["optimizer"] == "adam":
        optimizer = keras.optimizers.Adam(learning_rate=cfg["learning_rate"], **ADAM)
    else:
        optimizer = keras.optimizers.SGD(learning_rate=cfg["learning_rate"], momentum=0.0)
    return model, optimizer


class Clock(keras.callbacks.Callback):
    def __init__(self, clock, x_test, y_test):
        super().__init__()
        self.clock, self.x_test, self.y_test = clock, x_test, y_test

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.start()

    def on_epoch_end(self, epoch, logs=None):
        self.clock.stop(lambda: np.mean(
            self.model.predict(self.x_test, batch_size=1000, verbose=0).argmax(axis=1) == self.y_test))


def main():
    keras.utils.set_random_seed(args.seed)
    cfg = CONFIGS[args.config]
    versions = {"keras": keras.__version__, "jax": jax.__version__, "backend": keras.backend.backend(),
                "glassnet": glassnet_version()}
    if args.config == "M0":
        X, y = xor_data()
        model, optimizer = build(cfg, 2, 1, "sigmoid")
        model.compile(optimizer=optimizer, loss="mean_squared_error")
        model.set_weights(xor_weights(args.seed))
        t = time.perf_counter()
        model.fit(X, y, batch_size=cfg["batch_size"], epochs=args.epochs, verbose=0)
        fit_seconds = time.perf_counter() - t
        accuracy = np.mean((model.predict(X, verbose=0) > 0.5) == y)
        report("keras", args, versions, fit_seconds, final_accuracy=accuracy)
        return
    x_train, y_train, x_test, y_test = load_data(args)
    data_rss = peak_rss_mb()
    Y_train = one_hot(y_train)
    model, optimizer = build(cfg, x_train.shape[1], 10, "softmax")
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    clock = EpochClock()
    t = time.perf_counter()
    model.fit(x_train, Y_train, batch_size=cfg["batch_size"], epochs=args.epochs, verbose=0, shuffle=True,
              callbacks=[Clock(clock, x_test, y_test)])
    fit_seconds = time.perf_counter() - t
    report("keras", args, versions, fit_seconds, clock=clock, data_rss_mb=data_rss)


main()
