"""Property-based tests (hypothesis): invariants that must hold for any input."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import glassnet
from glassnet import activations
from glassnet.layers import BatchNormalization, Dense, Dropout
from glassnet.models import Sequential, load_model

finite = st.floats(-500, 500, allow_nan=False, allow_infinity=False)
matrices = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 8)), elements=finite)
SMOOTH = ["linear", "sigmoid", "bipolar_sigmoid", "tanh", "softplus", "elu", "softmax", "log_softmax"]


@given(Z=matrices, shift=finite, beta=st.floats(0.1, 5))
def test_softmax_is_a_distribution_and_shift_invariant(Z, shift, beta):
    sm = activations.Softmax(beta=beta)
    P = sm(Z)
    assert np.all(P >= 0) and np.allclose(P.sum(axis=1), 1)
    np.testing.assert_allclose(sm(Z + shift), P, atol=1e-9)


@given(Z=matrices)
def test_argmax_puts_equal_mass_on_every_maximum(Z):
    P = activations.get("argmax")(Z)
    winners = Z == Z.max(axis=1, keepdims=True)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    np.testing.assert_allclose(P[winners], np.repeat(1 / winners.sum(axis=1), winners.sum(axis=1)))
    assert not P[~winners].any()


@st.composite
def networks(draw):
    n_in = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    acts = draw(st.lists(st.sampled_from(SMOOTH), min_size=len(widths), max_size=len(widths)))
    layers = [Dense(widths[0], activation=acts[0], input_dim=n_in, bias_initializer="random_normal")]
    for width, act in zip(widths[1:], acts[1:]):
        layers.append(Dense(width, activation=act, bias_initializer="random_normal"))
    layers.append(Dense(draw(st.integers(1, 3))))
    return Sequential(layers, dtype="float64", seed=draw(st.integers(0, 10**6))), n_in


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=networks(), seed=st.integers(0, 10**6))
def test_backpropagation_equals_finite_differences_for_any_network(net, seed):
    model, n_in = net
    rng = np.random.default_rng(seed)
    model.compile(loss="mse", optimizer="sgd")
    model.build((n_in,))
    X, y = rng.normal(size=(4, n_in)), rng.normal(size=(4, model.n_outputs))
    assert glassnet.check_gradients(model, X, y).max_error < 1e-5


@settings(max_examples=15, deadline=None)
@given(net=networks(), with_extras=st.booleans(), seed=st.integers(0, 10**6))
def test_save_and_load_preserve_predictions(tmp_path_factory, net, with_extras, seed):
    model, n_in = net
    if with_extras:  # model.layers is a copy (as Keras): a new model with the extra layers
        layers = model.layers
        model = Sequential(layers[:1] + [BatchNormalization(name="bn"), Dropout(0.3, name="drop")] + layers[1:],
                           dtype="float64", seed=model.seed)
        assert [type(layer).__name__ for layer in model.layers[1:3]] == ["BatchNormalization", "Dropout"]
    model.compile(loss="mse", optimizer="adam")
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(16, n_in)), rng.normal(size=(16, 1)).repeat(model.layers[-1].units, axis=1)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path_factory.mktemp("m") / "m.gn"
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(X), model.predict(X))
