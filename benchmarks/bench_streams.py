"""Training from a stream of batches: what a PyDataset or a generator costs against arrays,
and against Keras 3 fed the same PyDataset.

M2 (the lecture's 784-32-10, ReLU, softmax, SGD 0.1, batches of 32) on MNIST, unshuffled so
that every run sees the same batches: glassnet from arrays, from a ``glassnet.utils.PyDataset``
and from a generator, in this process; Keras 3 (JAX backend) from a ``keras.utils.PyDataset``
of the same batches in a process of its own, when Keras is installed. Each figure is the
median of epochs 2 to ``--epochs`` (the first includes compiling and warming up).

    python benchmarks/bench_streams.py [--epochs 4] [--no-keras]
"""

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

BATCH = 32

KERAS_SCRIPT = r"""
import json, math, os, sys, time
os.environ.setdefault("KERAS_BACKEND", "jax")
import numpy as np, keras
sys.path.insert(0, {here!r})
from bench_streams import mnist
x, y = mnist()
class Batches(keras.utils.PyDataset):
    def __init__(self):
        super().__init__()
    def __len__(self):
        return math.ceil(len(x) / {batch})
    def __getitem__(self, i):
        return x[i * {batch}:(i + 1) * {batch}], y[i * {batch}:(i + 1) * {batch}]
class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.start)
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
times = []
model.fit(Batches(), epochs={epochs}, shuffle=False, verbose=0, callbacks=[Timer()])
print("BENCH_JSON", json.dumps({{"times": times, "version": keras.__version__}}))
"""


def mnist():
    from glassnet.datasets import load_mnist

    (x, y), _ = load_mnist()
    return x.reshape(len(x), -1), y


def glassnet_runs(x, y, epochs):
    import glassnet
    from glassnet.layers import Dense, Input
    from glassnet.models import Sequential

    class Batches(glassnet.utils.PyDataset):
        def __len__(self):
            return math.ceil(len(x) / BATCH)

        def __getitem__(self, i):
            return x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]

    def generator():
        while True:
            for start in range(0, len(x), BATCH):
                yield x[start:start + BATCH], y[start:start + BATCH]

    class Timer(glassnet.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    results, weights = {}, {}
    for name, fit in (("arrays", lambda m, cb: m.fit(x, y, batch_size=BATCH, epochs=epochs, shuffle=False,
                                                     verbose=0, callbacks=[cb])),
                      ("PyDataset", lambda m, cb: m.fit(Batches(), epochs=epochs, shuffle=False, verbose=0,
                                                        callbacks=[cb])),
                      ("generator", lambda m, cb: m.fit(generator(), steps_per_epoch=math.ceil(len(x) / BATCH),
                                                        epochs=epochs, verbose=0, callbacks=[cb]))):
        model = Sequential([Input((784,)), Dense(32, activation="relu"), Dense(10, activation="softmax")], seed=0)
        model.compile(optimizer=glassnet.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        timer = Timer()
        timer.times = []
        fit(model, timer)
        results[name] = timer.times
        weights[name] = model.get_weights()
    for name in ("PyDataset", "generator"):  # the same batches in the same order: the same weights
        assert all(np.array_equal(a, b) for a, b in zip(weights["arrays"], weights[name])), name
    return results


def keras_run(epochs):
    script = KERAS_SCRIPT.format(here=os.path.dirname(os.path.abspath(__file__)), batch=BATCH, epochs=epochs)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    print(f"Keras run failed: {done.stderr.strip().splitlines()[-1:]}")
    return None


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--no-keras", action="store_true", help="glassnet only")
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_info

        print("BLAS:", ", ".join(f"{i.get('internal_api')} {i.get('architecture')}" for i in threadpool_info()))
    except ImportError:
        pass
    x, y = mnist()
    results = glassnet_runs(x, y, args.epochs)
    keras = None
    if not args.no_keras:
        if importlib.util.find_spec("keras") is None:  # (not imported here: it needs its backend set)
            print("Keras is not installed: glassnet only.")
        else:
            keras = keras_run(args.epochs)
    median = {name: float(np.median(times[1:])) for name, times in results.items()}
    print(f"M2 on MNIST, {math.ceil(len(x) / BATCH)} batches of {BATCH} per epoch, seconds per epoch "
          f"(median of epochs 2-{args.epochs}):")
    for name, seconds in median.items():
        print(f"  glassnet from {name:<10} {seconds:7.3f} s   {seconds / median['arrays']:5.2f}x arrays")
    if keras is not None:
        theirs = float(np.median(keras["times"][1:]))
        print(f"  Keras {keras['version']} from its PyDataset {theirs:7.3f} s")
        print(f"  glassnet PyDataset / Keras PyDataset: {median['PyDataset'] / theirs:.2f}x")


if __name__ == "__main__":
    main()
