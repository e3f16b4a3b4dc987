"""Data augmentation with a PyDataset: MNIST digits shifted at random as they are drawn.

An MLP sees pixels, not shapes: a digit moved by two pixels is, to it, a new input. Two
models of the same size are trained for the same epochs, one on the training images as
they are, one on images each shifted by up to 2 pixels anew every time a batch is drawn
(a ``glassnet.utils.PyDataset``: the shifted images are never stored). Both are tested on
the test images as they are and shifted.

    python examples/mnist_augmented.py [epochs]      # default 3
"""

import argparse
import math
import sys

import numpy as np

import glassnet
from glassnet.datasets import MNISTNotFoundError, load_mnist
from glassnet.layers import Dense, Flatten, Input
from glassnet.models import Sequential

SHIFT = 2  # pixels, in each direction


def shifted(images, rng):
    """Each 28×28 image moved by its own random offset of up to SHIFT pixels (zeros come in)."""
    n, side = images.shape[0], images.shape[1]
    padded = np.pad(images, ((0, 0), (SHIFT, SHIFT), (SHIFT, SHIFT)))
    dy, dx = rng.integers(0, 2 * SHIFT + 1, size=(2, n))
    rows = dy[:, None] + np.arange(side)  # (n, 28): the rows of the padded image each keeps
    cols = dx[:, None] + np.arange(side)
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]


class ShiftedDigits(glassnet.utils.PyDataset):
    """Batches of 128 training images, each shifted anew whenever it is drawn."""

    def __init__(self, images, labels, batch_size=128, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(images))

    def __len__(self):
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, i):
        rows = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return shifted(self.images[rows], self.rng), self.labels[rows]

    def on_epoch_end(self):
        self.rng.shuffle(self.order)  # new batches each epoch, as fit(shuffle=True) gives arrays


def mlp():
    model = Sequential([Input(shape=(28, 28)), Flatten(), Dense(256, activation="relu"),
                        Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(epochs=3):
    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(flatten=False)  # float32 in [0, 1], shape (n, 28, 28)
    except MNISTNotFoundError as error:
        sys.exit(str(error))  # where to put the files, not a traceback
    x_test_shifted = shifted(x_test, np.random.default_rng(1))

    print("Training on the images as they are:")
    plain = mlp()
    plain.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=2)  # a line per epoch
    print("Training on images shifted anew in every batch:")
    augmented = mlp()
    augmented.fit(ShiftedDigits(x_train, y_train), epochs=epochs, verbose=2)

    print(f"test accuracy after {epochs} epochs     as they are   shifted by up to {SHIFT} px")
    for name, model in (("trained on the images", plain), ("trained on shifted ones", augmented)):
        as_is = model.evaluate(x_test, y_test)[1]
        moved = model.evaluate(x_test_shifted, y_test)[1]
        print(f"{name:<32}{as_is:>12.4f}{moved:>16.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("epochs", nargs="?", type=int, default=3, help="epochs (default: 3)")
    main(parser.parse_args().epochs)
