"""Keras code with only the imports changed: class names as strings, Keras's constructor
arguments, the function forms, keyword calls and custom Loss/Metric subclasses. Keras's
numbers are recorded here (computed with Keras 3.15 on JAX); no test imports Keras."""

import pytest

from glassnet import activations, initializers, losses, metrics, optimizers, regularizers


@pytest.mark.parametrize("get, name, cls", [
    (metrics.get, "SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy),
    (metrics.get, "MeanSquaredError", metrics.MeanSquaredError),
    (metrics.get, "sparsecategoricalaccuracy", metrics.SparseCategoricalAccuracy),
    (losses.get, "CategoricalCrossentropy", losses.CategoricalCrossentropy),
    (losses.get, "MeanSquaredError", losses.MeanSquaredError),
    (activations.get, "LeakyReLU", activations.LeakyReLU),
    (optimizers.get, "RMSprop", optimizers.RMSprop),
    (initializers.get, "GlorotUniform", initializers.GlorotUniform),
    (regularizers.get, "L1L2", regularizers.L1L2),  # reached through a factory in the table: found all the same
])
def test_every_registry_takes_class_names_as_keras_get_does(get, name, cls):
    assert type(get(name)) is cls


@pytest.mark.parametrize("get, name", [
    (losses.get, "Loss"), (losses.get, "_Crossentropy"), (losses.get, "Crossentropy"),
    (metrics.get, "Metric"), (metrics.get, "SparseCategorical"), (activations.get, "Activation"),
])
def test_only_exact_class_names_are_read_and_the_error_says_class_names_work(get, name):
    with pytest.raises(ValueError, match=f"Unknown .*{name!r}.*Valid names: .*or a class name, such as"):
        get(name)
