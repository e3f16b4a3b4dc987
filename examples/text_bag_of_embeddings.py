"""Keras's basic text classifier on made-up reviews: token ids of different lengths, padded with
pad_sequences, then Embedding -> GlobalAveragePooling1D -> Dense -> Dense(sigmoid).

Each review is 5 to 40 word ids out of 500; ids 10-29 are "good" words, 30-49 "bad" ones, the
rest neutral; a review is positive when it has more good words than bad ones (ties left out).
The model only sees the ids, and learns which words count from the labels."""

import numpy as np

from glassnet import layers
from glassnet.models import Sequential
from glassnet.utils import pad_sequences

rng = np.random.default_rng(0)
VOCABULARY, MAXLEN = 500, 40


def reviews(n):
    texts, labels = [], []
    while len(texts) < n:
        words = rng.integers(1, VOCABULARY, size=rng.integers(5, MAXLEN + 1))  # id 0 is the padding
        good, bad = np.sum((10 <= words) & (words < 30)), np.sum((30 <= words) & (words < 50))
        if good != bad:
            texts.append(words.tolist())
            labels.append(int(good > bad))
    return pad_sequences(texts, maxlen=MAXLEN), np.array(labels)


x_train, y_train = reviews(4000)
x_test, y_test = reviews(1000)
print("padded reviews:", x_train.shape, "first:", x_train[0][-8:], "label", y_train[0])

model = Sequential([
    layers.Input(shape=(MAXLEN,), dtype="int32"),
    layers.Embedding(VOCABULARY, 16),
    layers.GlobalAveragePooling1D(),
    layers.Dense(16, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
], seed=0)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.summary()
model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1, verbose=2)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.3f}")
