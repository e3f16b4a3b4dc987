"""MNIST with the 784-512-512-10 network of the benchmarks (about 2 s per epoch
on a 2-core laptop; benchmarks/RESULTS.md). Needs the four MNIST files: see
docs/data.md. Saves the trained model as mnist_mlp.gn in the current folder."""

import argparse
import sys

from glassnet.callbacks import EarlyStopping
from glassnet.datasets import MNISTNotFoundError, load_mnist
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential

parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
parser.add_argument("epochs", nargs="?", type=int, default=5, help="epochs at most (default: 5)")
epochs = parser.parse_args().epochs
try:
    (x_train, y_train), (x_test, y_test) = load_mnist(download=False)
except MNISTNotFoundError as error:
    sys.exit(str(error))  # where to put the files, not a traceback
model = Sequential([Dense(512, activation="relu", input_dim=784), Dropout(0.2),
                    Dense(512, activation="relu"), Dropout(0.2),
                    Dense(10, activation="softmax")], seed=0)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1,
          callbacks=[EarlyStopping(monitor="val_accuracy", patience=2, restore_best_weights=True)])
loss, accuracy = model.evaluate(x_test, y_test)
print(f"test accuracy: {accuracy:.4f}")
model.save("mnist_mlp.gn")
