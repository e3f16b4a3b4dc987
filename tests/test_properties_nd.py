"""Property-based tests (hypothesis) of samples of several axes and of custom training loops: each
N-D path equals its (rows, features) formulation, and a custom loop equals ``train_on_batch``."""

import importlib.util
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from glassnet import layers, losses, optimizers
from glassnet.models import Sequential
from glassnet.utils import pad_sequences

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HAS_NUMBA = importlib.util.find_spec("numba") is not None
ACTIVATIONS = ["linear", "relu", "tanh", "sigmoid", "softmax", "elu"]
dims = st.integers(1, 4)  # n, T, F, k: small, and 1 (one sample, one step) among them


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-12}


def _pair(make, n_steps, n_in, dtype, seed):
    """Twin models of the same weights: one on samples ``(T, n_in)``, one on rows ``(n_in,)``."""
    seq = Sequential([layers.Input((n_steps, n_in)), *make()], dtype=dtype, seed=seed)
    rows = Sequential([layers.Input((n_in,)), *make()], dtype=dtype, seed=seed)
    rows.set_weights(seq.get_weights())
    return seq, rows


# -- Dense on samples of several axes ------------------------------------------------------------
@FAST
@given(n=dims, T=dims, F=dims, k=dims, act=st.sampled_from(ACTIVATIONS), use_bias=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]), jit=st.booleans() if HAS_NUMBA else st.just(False),
       seed=st.integers(0, 2**16))
def test_dense_on_sequences_equals_dense_on_their_rows(n, T, F, k, act, use_bias, dtype, jit, seed):
    rng = np.random.default_rng(seed)
    # targets in (0, 1), which every activation drawn reaches (glassnet refuses targets out of its range)
    X, Y, dY = rng.normal(size=(n, T, F)), rng.uniform(0.05, 0.95, (n, T, k)), rng.normal(size=(n, T, k))
    X, Y, dY = X.astype(dtype), Y.astype(dtype), dY.astype(dtype)

    def make():
        return [layers.Dense(k, activation=act, use_bias=use_bias, bias_initializer="random_normal")]

    seq, rows = _pair(make, T, F, dtype, seed)
    tol = _tol(dtype)
    np.testing.assert_allclose(seq.predict(X, verbose=0), rows.predict(X.reshape(-1, F), verbose=0).reshape(n, T, k),
                               **tol)
    # the input gradient of the layer itself (a model's first layer computes none: layers of their own)
    a, b = make()[0], make()[0]
    a(X[:1])
    b(X[:1, 0])
    a.set_weights(seq.get_weights())
    b.set_weights(seq.get_weights())
    a.forward(X, training=True)
    b.forward(X.reshape(-1, F), training=True)
    np.testing.assert_allclose(a.backward(dY), b.backward(dY.reshape(-1, k)).reshape(n, T, F), **tol)
    # the weight gradients: per-position mse over n·T positions is the rows' mse
    for model in (seq, rows):
        model.compile(loss="mse", optimizer=optimizers.SGD(0.1), jit_compile=jit and model is seq)
    for mine, theirs in zip(seq.gradients(X, Y), rows.gradients(X.reshape(-1, F), Y.reshape(-1, k))):
        np.testing.assert_allclose(mine, theirs, **tol)
    # and one step of train_on_batch (compiled or not) on the sequences moves the weights as on the rows
    seq.train_on_batch(X, Y)
    rows.train_on_batch(X.reshape(-1, F), Y.reshape(-1, k))
    for mine, theirs in zip(seq.get_weights(), rows.get_weights()):
        np.testing.assert_allclose(mine, theirs, **tol)


# -- fit on per-position targets -----------------------------------------------------------------
LOSSES = {  # loss -> (its class, the output activation, targets of n·T rows and k columns)
    "mse": (losses.MeanSquaredError, "tanh", lambda rng, m, k: rng.uniform(-0.9, 0.9, (m, k))),
    "binary_crossentropy": (losses.BinaryCrossentropy, "sigmoid",
                            lambda rng, m, k: rng.integers(0, 2, (m, k)).astype(float)),
    "categorical_crossentropy": (losses.CategoricalCrossentropy, "softmax",
                                 lambda rng, m, k: np.eye(k)[rng.integers(0, k, m)]),
    "sparse_categorical_crossentropy": (losses.SparseCategoricalCrossentropy, "softmax",
                                        lambda rng, m, k: rng.integers(0, k, m)),
}


@FAST
@given(n=dims, T=dims, F=dims, k=st.integers(2, 4), loss=st.sampled_from(sorted(LOSSES)),
       weights=st.sampled_from([None, "sample", "position"]),
       reduction=st.sampled_from(["sum_over_batch_size", "sum", "mean_with_sample_weight"]),
       seed=st.integers(0, 2**16))
def test_one_step_on_per_position_targets_equals_one_step_on_the_rows(n, T, F, k, loss, weights, reduction, seed):
    rng = np.random.default_rng(seed)
    cls, act, targets = LOSSES[loss]
    X, y = rng.normal(size=(n, T, F)), targets(rng, n * T, k)
    w = {None: None, "sample": rng.uniform(0.1, 2, n), "position": rng.uniform(0, 2, (n, T))}[weights]
    assume(w is None or w.sum() > 0.1)
    w_rows = None if w is None else (np.repeat(w, T) if w.ndim == 1 else w.reshape(-1))
    # Keras's "mean_with_sample_weight" divides by the sum of the weights as given: with one weight per
    # sample that is Σ w_i, where the rows' is T·Σ w_i, so the sequences' gradient is T times the rows'
    scale = T if reduction == "mean_with_sample_weight" and weights == "sample" else 1
    seq, rows = _pair(lambda: [layers.Dense(k, activation=act, bias_initializer="random_normal")], T, F, "float64",
                      seed)
    seq.compile(loss=cls(reduction=reduction), optimizer=optimizers.SGD(0.3))
    rows.compile(loss=cls(reduction=reduction), optimizer=optimizers.SGD(0.3 * scale))
    loss_seq = seq.train_on_batch(X, y.reshape(n, T, *y.shape[1:]), sample_weight=w)
    loss_rows = rows.train_on_batch(X.reshape(-1, F), y, sample_weight=w_rows)
    for mine, theirs in zip(seq.get_weights(), rows.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(loss_seq, loss_rows * scale, rtol=1e-12, atol=1e-12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 5), axes=st.lists(st.integers(1, 3), min_size=1, max_size=2), F=dims, k=st.integers(2, 3),
       batch=st.integers(1, 3), weighted=st.booleans(), seed=st.integers(0, 2**16))
def test_fit_and_evaluate_on_labels_per_position_equal_them_on_the_rows(n, axes, F, k, batch, weighted, seed):
    """Integer labels (n, ..., ) of samples of one or two leading axes: an epoch of mini-batches of whole
    samples (Adam) and evaluate's loss and plain and weighted accuracies are those of the rows."""
    rng = np.random.default_rng(seed)
    X, labels = rng.normal(size=(n, *axes, F)), rng.integers(0, k, (n, *axes))
    w = rng.uniform(0.1, 2, n) if weighted else None
    m = int(np.prod(axes))  # positions per sample: a batch of `batch` samples is batch·m rows

    def make():
        return [layers.Dense(3, activation="tanh"), layers.Dense(k, activation="softmax")]

    seq = Sequential([layers.Input((*axes, F)), *make()], dtype="float64", seed=seed)
    rows = Sequential([layers.Input((F,)), *make()], dtype="float64", seed=seed)
    rows.set_weights(seq.get_weights())
    for model in (seq, rows):
        model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizers.Adam(0.05), metrics=["accuracy"],
                      weighted_metrics=["accuracy"])
    R, y, w_rows = X.reshape(-1, F), labels.reshape(-1), None if w is None else np.repeat(w, m)
    mine = seq.fit(X, labels, sample_weight=w, batch_size=batch, shuffle=False, verbose=0).history
    theirs = rows.fit(R, y, sample_weight=w_rows, batch_size=batch * m, shuffle=False, verbose=0).history
    for key in theirs:
        np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-12, atol=1e-12)
    for a, b in zip(seq.get_weights(), rows.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    mine = seq.evaluate(X, labels, sample_weight=w, verbose=0, return_dict=True)
    theirs = rows.evaluate(R, y, sample_weight=w_rows, verbose=0, return_dict=True)
    assert mine.keys() == theirs.keys()
    for key in theirs:
        np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-12, atol=1e-12)


# -- normalization -------------------------------------------------------------------------------
@FAST
@given(n=st.integers(2, 4), T=dims, F=dims, momentum=st.floats(0, 0.99), seed=st.integers(0, 2**16))
def test_batch_normalization_of_sequences_equals_that_of_their_rows(n, T, F, momentum, seed):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(n, T, F)) * 3 + 1, rng.normal(size=(n, T, 2))

    def make():
        return [layers.BatchNormalization(momentum=momentum, gamma_initializer="random_normal",
                                          beta_initializer="random_normal"), layers.Dense(2)]

    seq, rows = _pair(make, T, F, "float64", seed)
    R = X.reshape(-1, F)
    for model in (seq, rows):
        model.compile(loss="mse", optimizer=optimizers.SGD(0.1))
    for mine, theirs in zip(seq.gradients(X, Y), rows.gradients(R, Y.reshape(-1, 2))):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    seq.train_on_batch(X, Y)
    rows.train_on_batch(R, Y.reshape(-1, 2))
    for mine, theirs in zip(seq.get_weights(), rows.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    # the moving statistics are those of all n·T positions (Keras's: the population variance)
    bn = seq.layers[0]
    np.testing.assert_allclose(bn.moving_mean, (1 - momentum) * R.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bn.moving_variance, momentum + (1 - momentum) * R.var(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bn.forward(X, training=True), rows.layers[0].forward(R, training=True).reshape(X.shape),
                               rtol=1e-12, atol=1e-12)


@FAST
@given(n=dims, A=dims, B=dims, eps=st.sampled_from([1e-3, 1e-5]), seed=st.integers(0, 2**16))
def test_layer_normalization_over_two_axes_normalizes_each_sample_by_hand(n, A, B, eps, seed):
    rng = np.random.default_rng(seed)
    X, dY = rng.normal(size=(n, A, B)) * 2 + 1, rng.normal(size=(n, A, B))
    layer = layers.LayerNormalization(axis=[1, 2], epsilon=eps, dtype="float64")
    layer(X)
    gamma, beta = rng.normal(size=(A, B)), rng.normal(size=(A, B))
    layer.set_weights([gamma, beta])
    flat = X.reshape(n, -1)
    mean, sd = flat.mean(axis=1, keepdims=True), np.sqrt(flat.var(axis=1, keepdims=True) + eps)
    X_hat = ((flat - mean) / sd).reshape(X.shape)
    np.testing.assert_allclose(layer.forward(X, training=True), X_hat * gamma + beta, rtol=1e-12, atol=1e-12)
    # the lecture's backward of a normalization: dX = (g − mean(g) − x̂·mean(g·x̂)) / σ with g = dY·γ
    g, x = (dY * gamma).reshape(n, -1), X_hat.reshape(n, -1)
    dX = (g - g.mean(axis=1, keepdims=True) - x * (g * x).mean(axis=1, keepdims=True)) / sd
    np.testing.assert_allclose(layer.backward(dY), dX.reshape(X.shape), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads["gamma"], (dY * X_hat).sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["beta"], dY.sum(axis=0), rtol=1e-12, atol=1e-12)


# -- global pooling ------------------------------------------------------------------------------
@FAST
@given(n=dims, T=dims, F=dims, ties=st.booleans(), seed=st.integers(0, 2**16))
def test_global_pooling_reduces_the_steps_and_shares_the_gradient(n, T, F, ties, seed):
    rng = np.random.default_rng(seed)
    # small integers make ties in the maximum likely
    X = rng.integers(-2, 3, (n, T, F)).astype(float) if ties else rng.normal(size=(n, T, F))
    dY = rng.normal(size=(n, F))
    average, maximum = layers.GlobalAveragePooling1D(), layers.GlobalMaxPooling1D()
    np.testing.assert_allclose(average.forward(X, training=True), X.mean(axis=1), rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(maximum.forward(X, training=True), X.max(axis=1))
    dX = average.backward(dY)
    np.testing.assert_allclose(dX, np.broadcast_to(dY[:, None] / T, X.shape), rtol=1e-14, atol=1e-14)
    dX = maximum.backward(dY)
    at_max = X == X.max(axis=1, keepdims=True)
    assert not dX[~at_max].any()  # only the steps that hold the maximum get a share
    np.testing.assert_allclose(dX.sum(axis=1), dY, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dX, at_max * (dY[:, None] / at_max.sum(axis=1, keepdims=True)), rtol=1e-12,
                               atol=1e-14)


# -- pad_sequences -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras_pad():
    """Keras's pad_sequences, or None without Keras (imported once: hypothesis warns when an import
    inside an example raises the recursion limit, as Keras's does)."""
    if importlib.util.find_spec("keras") is None:
        return None
    # read on keras's first import (its default, TensorFlow, is absent here); set only for that import, as the
    # other tests' monkeypatch.setenv does
    previous = os.environ.get("KERAS_BACKEND")
    os.environ["KERAS_BACKEND"] = "jax"
    try:
        from keras.utils import pad_sequences as theirs
    except ImportError:  # (Keras without JAX)
        return None
    finally:
        if previous is None:
            del os.environ["KERAS_BACKEND"]
        else:
            os.environ["KERAS_BACKEND"] = previous
    return theirs


@FAST
@given(sequences=st.lists(st.lists(st.integers(-50, 50), max_size=6), max_size=5),
       maxlen=st.none() | st.integers(0, 7), padding=st.sampled_from(["pre", "post"]),
       truncating=st.sampled_from(["pre", "post"]), value=st.integers(-3, 3),
       dtype=st.sampled_from(["int32", "int64", "float64"]))
def test_pad_sequences_keeps_each_sequences_last_or_first_items(keras_pad, sequences, maxlen, padding, truncating,
                                                                value, dtype):
    padded = pad_sequences(sequences, maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    length = max(map(len, sequences), default=0) if maxlen is None else maxlen
    assert padded.shape == (len(sequences), length) and padded.dtype == np.dtype(dtype)
    for row, s in zip(padded, sequences):
        kept = (s[-length:] if truncating == "pre" else s[:length]) if length else []
        fill = length - len(kept)
        items, pad = (row[fill:], row[:fill]) if padding == "pre" else (row[:len(kept)], row[len(kept):])
        np.testing.assert_array_equal(items, np.asarray(kept, dtype=dtype).reshape(-1))
        assert (pad == value).all()
    # Keras 3.15 fails on no sequences (max of []) and on maxlen=0 (its s[-0:] keeps every item)
    if sequences and maxlen != 0 and keras_pad is not None:
        theirs = keras_pad(sequences, maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
        np.testing.assert_array_equal(padded, theirs)
        assert padded.shape == theirs.shape and padded.dtype == theirs.dtype


# -- custom training loops -----------------------------------------------------------------------
OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(0.1),
    "momentum": lambda: optimizers.SGD(0.1, momentum=0.9),
    "nesterov": lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(0.01),
    "rmsprop": lambda: optimizers.RMSprop(0.01),
    "adagrad": lambda: optimizers.Adagrad(0.1),
}


@FAST
@given(n_in=dims, widths=st.lists(dims, min_size=1, max_size=2), act=st.sampled_from(ACTIVATIONS),
       batchnorm=st.booleans(), dropout=st.booleans(), frozen=st.booleans(),
       constraint=st.sampled_from([None, "non_neg", "max_norm", "unit_norm"]), optimizer=st.sampled_from(sorted(OPTIMIZERS)),
       steps=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_a_custom_loop_takes_the_steps_of_train_on_batch(n_in, widths, act, batchnorm, dropout, frozen, constraint, optimizer,
                                                          steps, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(6, n_in)), rng.normal(size=(6, 2))

    def make():
        stack = [layers.Input((n_in,))]
        for width in widths:
            stack.append(layers.Dense(width, activation=act, bias_initializer="random_normal",
                                      kernel_constraint=constraint))
        if batchnorm:
            stack.append(layers.BatchNormalization(momentum=0.5))
        if dropout:
            stack.append(layers.Dropout(0.3))
        stack.append(layers.Dense(2))
        model = Sequential(stack, dtype="float64", seed=seed)
        if frozen:
            model.layers[0].trainable = False  # a frozen layer: trainable_weights and the gradients skip it
        model.compile(loss="mse", optimizer=OPTIMIZERS[optimizer]())
        return model

    loop, fitted = make(), make()
    opt = loop.optimizer
    for _ in range(steps):
        grads = loop.gradients(X, y, trainable_only=True, update_state=True)
        opt.apply_gradients(zip(grads, loop.trainable_weights))
        fitted.train_on_batch(X, y)
    for mine, theirs in zip(loop.get_weights(), fitted.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    assert int(opt.iterations) == steps

