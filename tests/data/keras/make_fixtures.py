"""Write the Keras fixtures that tests/test_keras_files.py reads (the tests never import Keras).

Run with Keras 3 (written with 3.15.1 and JAX) from this folder's parent's parent::

    KERAS_BACKEND=jax python tests/data/keras/make_fixtures.py

It writes, next to itself:

* ``classifier.keras``: Input(4) -> Dense(8, relu) -> BatchNormalization -> Dropout(0.25)
  -> Dense(3, softmax), compiled with Adam, sparse categorical cross-entropy and accuracy,
  fitted 3 epochs of 4 steps; ``classifier.json``: its ``to_json()`` text.
* ``regression.keras``: Input(3) -> Normalization (adapted) -> Dense(6, tanh, no bias)
  -> BatchNormalization(center=False, momentum=0.5) -> LayerNormalization -> Dense(1), compiled with
  SGD(0.05, momentum=0.9), mse and mae, fitted 2 epochs; ``regression.json``.
* ``conv.json``: a Sequential with a Conv2D (a layer glassnet lacks);
  ``functional.json``: a functional model (which glassnet cannot read).
* ``predictions.npz``: fixed inputs and what Keras's ``predict`` gave for them
  (``classifier_x``, ``classifier_y``, ``regression_x``, ``regression_y``), float32.
* ``functional_chain.keras`` / ``.json``: the functional API guide's MLP, smaller:
  ``inputs = keras.Input((6,)); x = Dense(8, relu)(inputs); x = Dropout(0.2)(x);
  x = BatchNormalization()(x); outputs = Dense(3, softmax)(x)``, named "mnist_model", compiled
  with Adam, sparse categorical cross-entropy and accuracy, fitted 2 epochs;
  ``functional_predictions.npz``: ``x`` and Keras's ``predict`` of it, ``y``.
* ``branching.json`` (two Dense branches added), ``shared.json`` (one Dense called twice) and
  ``two_outputs.json``: functional models that are not a chain (refused).

* ``mixed_float16.keras``: Input(4) -> Dense(8, relu) -> Dense(3, softmax, dtype="float32") under
  Keras's ``mixed_float16`` policy (its guide's recipe: the output layer in float32), fitted
  2 epochs; ``mixed_predictions.npz``: ``x`` and Keras's ``predict`` of it, ``y``.

``python tests/data/keras/make_fixtures.py functional`` (or ``mixed``) writes only those fixtures
(the others' bytes would change with the date Keras stamps on each file).
"""

import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent


def classifier():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(3, activation="softmax"),
    ])
    return fitted_classifier(model, seed=1, epochs=3)


def fitted_classifier(model, seed, epochs):
    """``model`` compiled with Adam, sparse categorical cross-entropy and accuracy, and fitted
    ``epochs`` on 64 samples of three classes drawn with ``seed``."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(seed).normal(size=(64, model.input_shape[-1])).astype("float32")
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)
    model.fit(x, y, epochs=epochs, batch_size=16, verbose=0)
    return model


def regression_inputs(rng, n):
    """Three features of different scales (what Normalization is for)."""
    return (rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1] + [0.0, 5.0, -1.0]).astype("float32")


def regression():
    keras.utils.set_random_seed(0)
    x = regression_inputs(np.random.default_rng(2), 48)
    y = (x @ np.array([[1.0], [0.2], [-3.0]]) + 0.5).astype("float32")
    norm = keras.layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([
        keras.Input((3,)),
        norm,
        keras.layers.Dense(6, activation="tanh", use_bias=False),
        keras.layers.BatchNormalization(center=False, momentum=0.5),
        keras.layers.LayerNormalization(),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model


def main():
    rng = np.random.default_rng(3)
    arrays = {}
    inputs = {"classifier": rng.normal(size=(6, 4)).astype("float32"), "regression": regression_inputs(rng, 6)}
    for name, model in (("classifier", classifier()), ("regression", regression())):
        model.save(HERE / f"{name}.keras")
        (HERE / f"{name}.json").write_text(model.to_json())
        x = inputs[name]
        arrays[f"{name}_x"] = x
        arrays[f"{name}_y"] = np.asarray(model.predict(x, verbose=0), dtype="float32")
    np.savez(HERE / "predictions.npz", **arrays)

    conv = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                             keras.layers.Dense(2)])
    (HERE / "conv.json").write_text(conv.to_json())
    inputs = keras.Input((3,))
    functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    (HERE / "functional.json").write_text(functional.to_json())


def functional_chain():
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(6,))
    x = keras.layers.Dense(8, activation="relu")(inputs)
    x = keras.layers.Dropout(0.2)(x)
    x = keras.layers.BatchNormalization()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    return fitted_classifier(keras.Model(inputs=inputs, outputs=outputs, name="mnist_model"), seed=4, epochs=2)


def functional():
    model = functional_chain()
    model.save(HERE / "functional_chain.keras")
    (HERE / "functional_chain.json").write_text(model.to_json())
    x = np.random.default_rng(5).normal(size=(5, 6)).astype("float32")
    np.savez(HERE / "functional_predictions.npz", x=x, y=np.asarray(model.predict(x, verbose=0), dtype="float32"))
    inputs = keras.Input((3,))
    branching = keras.Model(inputs, keras.layers.Add()([keras.layers.Dense(2)(inputs), keras.layers.Dense(2)(inputs)]))
    (HERE / "branching.json").write_text(branching.to_json())
    inputs = keras.Input((3,))
    dense = keras.layers.Dense(3)
    shared = keras.Model(inputs, dense(dense(inputs)))
    (HERE / "shared.json").write_text(shared.to_json())
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(4)(inputs)
    two = keras.Model(inputs, [keras.layers.Dense(1)(hidden), keras.layers.Dense(2)(hidden)])
    (HERE / "two_outputs.json").write_text(two.to_json())


def mixed():
    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(3, activation="softmax", dtype="float32")])
        model = fitted_classifier(model, seed=6, epochs=2)
        model.save(HERE / "mixed_float16.keras")
        x = np.random.default_rng(7).normal(size=(5, 4)).astype("float32")
        np.savez(HERE / "mixed_predictions.npz", x=x, y=np.asarray(model.predict(x, verbose=0), dtype="float32"))
    finally:
        keras.mixed_precision.set_global_policy("float32")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["functional"]:
        functional()
    elif sys.argv[1:] == ["mixed"]:
        mixed()
    else:
        main()
        functional()
        mixed()
