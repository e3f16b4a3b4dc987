"""Property-based tests (hypothesis) of models in models: a random chain of Dense, activation,
BatchNormalization and Dropout layers split into an inner model and the rest, joined in the three
ways Keras joins them (``Sequential([inner, *rest])``, ``model.add(inner)``, the functional
``inner(inputs)``). The outer model predicts the composition (checked against the chain written
in NumPy), shares its weights with the inner model both ways whichever is fitted, and comes back
equal from a file."""

import os
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet import layers
from glassnet.models import Model, Sequential, load_model

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = {"rtol": 1e-12, "atol": 1e-12}
ACTIVATIONS = {  # name -> the function in NumPy, the reference's
    "linear": lambda Z: Z,
    "relu": lambda Z: np.maximum(Z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
}
activation = st.sampled_from(sorted(ACTIVATIONS))
layer_spec = st.one_of(
    st.tuples(st.just("dense"), st.integers(1, 4), activation),
    st.tuples(st.just("activation"), activation),
    st.tuples(st.just("batchnorm")),
    st.tuples(st.just("dropout"), st.sampled_from([0.2, 0.5])),
)


def make(spec):
    kind, *args = spec
    if kind == "dense":
        return layers.Dense(args[0], activation=args[1])
    if kind == "activation":
        return layers.Activation(args[0])
    return layers.BatchNormalization() if kind == "batchnorm" else layers.Dropout(args[0])


def reference(specs, weights, X):
    """The chain's inference in NumPy, from the weights in the models' order (Keras's: a Dense's kernel
    and bias; a BatchNormalization's gamma, beta, moving mean and moving variance)."""
    weights = iter(weights)
    for kind, *args in specs:
        if kind == "dense":
            W, b = next(weights), next(weights)
            X = ACTIVATIONS[args[1]](X @ W + b)
        elif kind == "activation":
            X = ACTIVATIONS[args[0]](X)
        elif kind == "batchnorm":
            gamma, beta, mean, variance = (next(weights) for _ in range(4))
            X = gamma * (X - mean) / np.sqrt(variance + 1e-3) + beta  # Keras's epsilon, glassnet's default
    return X  # (Dropout: the identity at inference)


def nest(inner, rest, how, n_in):
    if how == "list":
        return Sequential([inner, *rest], dtype="float64")
    if how == "add":
        outer = Sequential(dtype="float64")
        outer.add(inner)
        for layer in rest:
            outer.add(layer)
        return outer
    inputs = layers.Input((n_in,))
    outputs = inner(inputs)
    for layer in rest:
        outputs = layer(outputs)
    return Model(inputs, outputs)


@FAST
@given(specs=st.lists(layer_spec, min_size=1, max_size=5), data=st.data(), n_in=st.integers(1, 4),
       n=st.integers(2, 6), how=st.sampled_from(["list", "add", "functional"]), seed=st.integers(0, 2**16))
def test_a_nested_model_is_its_layers_composed_and_shares_their_weights(specs, data, n_in, n, how, seed):
    split = data.draw(st.integers(1, len(specs)), label="split")  # the inner model's layers: specs[:split]
    rng = np.random.default_rng(seed)
    inner = Sequential([layers.Input((n_in,)), *map(make, specs[:split])], dtype="float64", seed=seed)
    # all positive: a BatchNormalization's moving variance must be
    inner.set_weights([rng.uniform(0.2, 1.0, w.shape) for w in inner.get_weights()])
    rest = list(map(make, specs[split:]))
    outer = nest(inner, rest, how, n_in)
    outer.set_weights([*inner.get_weights(), *(rng.uniform(0.2, 1.0, w.shape)
                                               for w in outer.get_weights()[len(inner.get_weights()):])])
    X = rng.normal(size=(n, n_in))
    np.testing.assert_allclose(outer.predict(X, verbose=0), reference(specs, outer.get_weights(), X), **TOL)
    np.testing.assert_allclose(inner.predict(X, verbose=0),
                               reference(specs[:split], inner.get_weights(), X), **TOL)

    def shared():
        ours, theirs = inner.get_weights(), outer.get_weights()[:len(inner.get_weights())]
        for mine, expected in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(mine, expected)
        np.testing.assert_allclose(outer.predict(X, verbose=0), reference(specs, outer.get_weights(), X), **TOL)
        np.testing.assert_allclose(inner.predict(X, verbose=0), reference(specs[:split], ours, X), **TOL)

    # fitting either model moves the weights both see (the targets in (0, 1), which every activation reaches)
    outer.compile(optimizer="sgd", loss="mse")
    inner.compile(optimizer="sgd", loss="mse")
    for model in (outer, inner, outer):
        before = [w.copy() for w in model.get_weights()]
        Y = rng.uniform(0.1, 0.9, (n, *model.output_shape[1:]))
        model.fit(X, Y, epochs=2, batch_size=n, verbose=0)
        # a BatchNormalization's moving statistics move at every step (a Dense's weights may not: relu's dead
        # units, Dropout's zeros), so that shared() compares weights that changed
        if any(spec[0] == "batchnorm" for spec in (specs if model is outer else specs[:split])):
            assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
        shared()

    with tempfile.TemporaryDirectory() as folder:
        outer.save(os.path.join(folder, "outer.glassnet"))
        loaded = load_model(os.path.join(folder, "outer.glassnet"))
    for mine, expected in zip(loaded.get_weights(), outer.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, expected)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), outer.predict(X, verbose=0))
