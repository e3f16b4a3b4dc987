"""A dense autoencoder of MNIST digits (784-128-32-128-784), compared with PCA, then its encoder
reused for a classifier trained on only 1,000 labelled images (about 12 s on a 2-core laptop).
Needs the four MNIST files: see docs/data.md.

The encoder and the decoder are models of their own, nested in the autoencoder as Keras writes it
(``Sequential([encoder, decoder])``): the three share their layers, so training the autoencoder
trains the encoder, and ``Sequential([encoder, Dense(10)])`` classifies from the 32 numbers it learnt.

What it shows is honest rather than flattering: the 32 numbers classify nearly as well as the 784 pixels, but
pretraining does not beat the same network trained from scratch on the labels. Seed 004's transfer learning
gains come from large networks pretrained on millions of images; a small dense autoencoder of MNIST does not
give them (over 5 draws of 50 to 1,000 labels, only a denoising autoencoder's codes beat the pixels, by 2 to 3
points with 100 labels or fewer, and only under a converged logistic regression).
"""

import sys

import numpy as np

from glassnet.datasets import MNISTNotFoundError, load_mnist
from glassnet.layers import Dense, Input, Normalization
from glassnet.models import Sequential
from glassnet.optimizers import Adam

try:
    (x_train, y_train), (x_test, y_test) = load_mnist(download=False)  # float32 pixels in [0, 1], rows of 784
except MNISTNotFoundError as error:
    sys.exit(str(error))  # where to put the files, not a traceback

encoder = Sequential([Input(shape=(784,)), Dense(128, activation="relu"), Dense(32, activation="relu")],
                     name="encoder", seed=0)
decoder = Sequential([Dense(128, activation="relu"), Dense(784, activation="sigmoid")], name="decoder", seed=1)
autoencoder = Sequential([encoder, decoder], name="autoencoder", seed=2)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
print("Training the autoencoder (the images are their own targets):")
autoencoder.fit(x_train, x_train, epochs=6, batch_size=128, validation_data=(x_test, x_test), verbose=2)

# Reconstruction error against the best linear code of the same size: PCA's 32 principal components,
# the first right singular vectors of the centred training images (those of their 784 × 784 Gram
# matrix: the SVD of the 60,000 × 784 images themselves takes 2 GB)
reconstruction = decoder.predict(encoder.predict(x_test, verbose=0), verbose=0)  # = autoencoder.predict(x_test)
mean = x_train.mean(axis=0)
centred = x_train - mean
_, _, Vt = np.linalg.svd(centred.T @ centred)
V = Vt[:32].T
pca_reconstruction = (x_test - mean) @ V @ V.T + mean
print(f"\nMean squared reconstruction error on the {len(x_test):,} test images (32 numbers per image):")
print(f"  autoencoder  {np.mean((reconstruction - x_test) ** 2):.4f}")
print(f"  PCA          {np.mean((pca_reconstruction - x_test) ** 2):.4f}")

# Reuse the encoder: a softmax on its 32 numbers, trained on 1,000 labelled images only
x_few, y_few = x_train[:1000], y_train[:1000]


def trained(model, epochs, learning_rate=1e-3):
    model.compile(optimizer=Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_few, y_few, epochs=epochs, batch_size=32, verbose=0)
    return model.evaluate(x_test, y_test, verbose=0)[1]


softmax = dict(epochs=100, learning_rate=3e-3)  # the two softmax classifiers alike
results = {"softmax on the raw pixels": trained(Sequential([Input(shape=(784,)), Dense(10, activation="softmax")],
                                                            seed=2), **softmax),
           "the same network from scratch": trained(Sequential([Input(shape=(784,)), Dense(128, activation="relu"),
                                                                 Dense(32, activation="relu"),
                                                                 Dense(10, activation="softmax")], seed=3), 30)}
encoder.trainable = False  # the autoencoder's features as they are: only the softmax learns
codes = Normalization()  # the codes are ReLUs of mean 8 and up to 40: scaled to unit variance, the softmax converges
codes.adapt(encoder.predict(x_few, verbose=0))
classifier = Sequential([encoder, codes, Dense(10, activation="softmax")], seed=4)
results["softmax on the frozen encoder"] = trained(classifier, **softmax)
encoder.trainable = True  # then fine-tune it all, with a small learning rate so as to keep what it learnt
results["the encoder fine-tuned"] = trained(classifier, 30, learning_rate=3e-4)

print("\nTest accuracy with 1,000 labelled images:")
for name, accuracy in results.items():
    print(f"  {name:32s} {accuracy:.4f}")
print("\nThe 32 numbers classify nearly as well as the 784 pixels, and fine-tuning adds a few points, but the same\n"
      "network trained from scratch does as well or better: this small autoencoder does not show the gain of\n"
      "transfer learning, which comes from large networks pretrained on millions of images.")
