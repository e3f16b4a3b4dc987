"""Signed sample weights and class weights, as Keras 3 takes them (session 55).

Keras's batch loss ``Σ_i w_i J_i / d`` holds for any sign of ``w_i``: REINFORCE and advantage-weighted
regression train with ``fit(x, actions, sample_weight=advantages)``. glassnet refused every negative weight
(in fit, evaluate, train_on_batch, test_on_batch, the loss objects and class_weight). The references
here are closed forms in float64 (a linear or logistic model's step, finite differences of the loss), and
Keras 3 itself where it is installed.
"""

import numpy as np
import pytest

import glassnet
import glassnet.losses as GL
from glassnet import metrics
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.optimizers import SGD
from glassnet.trace import trace

RNG = np.random.default_rng(55)
N = 12
X = RNG.normal(size=(N, 3))
W_SIGNED = RNG.normal(size=N)                                      # mixed signs, Σw ≠ 0
W_ZERO_SUM = np.tile([1.0, -1.0, 2.0, -2.0], N // 4)               # Σw = 0 in every batch of 4
W_NEGATIVE_SUM = np.tile([-1.0, -2.0, 0.5, 1.0], N // 4)           # Σw < 0


def _probabilities(n, k):
    P = RNG.uniform(0.1, 1.0, (n, k))
    return P / P.sum(axis=1, keepdims=True)


# -- the loss objects: value and gradient of every reduction ------------------------------------------------------

_Y_REG, _A_REG = RNG.normal(size=(N, 2)), RNG.normal(size=(N, 2))
_Y_BIN, _A_BIN = RNG.integers(0, 2, (N, 1)).astype(float), RNG.uniform(0.1, 0.9, (N, 1))
_LABELS, _A_CAT = RNG.integers(0, 3, N), _probabilities(N, 3)
LOSSES = {  # name: (loss, y_true, y_pred, J_i by hand)
    "mse": (GL.MeanSquaredError, _Y_REG, _A_REG, np.mean((_A_REG - _Y_REG) ** 2, axis=1)),
    "bce": (GL.BinaryCrossentropy, _Y_BIN, _A_BIN,
            -np.mean(_Y_BIN * np.log(_A_BIN) + (1 - _Y_BIN) * np.log(1 - _A_BIN), axis=1)),
    "cce": (GL.CategoricalCrossentropy, np.eye(3)[_LABELS], _A_CAT, -np.log(_A_CAT[np.arange(N), _LABELS])),
    "scce": (GL.SparseCategoricalCrossentropy, _LABELS, _A_CAT, -np.log(_A_CAT[np.arange(N), _LABELS])),
}


def _divisor(reduction, w):
    if reduction == "sum":
        return 1.0
    if reduction == "mean_with_sample_weight":
        return w.sum()  # (0: the loss is 0, Keras's divide_no_nan)
    return len(w)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"])
@pytest.mark.parametrize("w", [W_SIGNED, W_ZERO_SUM, W_NEGATIVE_SUM], ids=["signed", "zero sum", "negative sum"])
def test_losses_take_signed_weights_with_every_reduction(name, reduction, w):
    # a negative weight was refused ("sample_weight must hold finite, non-negative weights")
    make, Y, A, J = LOSSES[name]
    loss = make(reduction=reduction)
    value = loss(Y, A, sample_weight=w)
    if reduction == "none":
        np.testing.assert_allclose(value, w * J, rtol=1e-12)
        return
    d = _divisor(reduction, w)
    expected = 0.0 if d == 0 else np.sum(w * J) / d
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # the gradient, against central differences of the value
    grad = loss.gradient(Y, A, sample_weight=w)
    h, numeric = 1e-6, np.zeros_like(A)
    for index in np.ndindex(*A.shape):
        up, down = A.copy(), A.copy()
        up[index] += h
        down[index] -= h
        numeric[index] = (loss(Y, up, sample_weight=w) - loss(Y, down, sample_weight=w)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)
    if d == 0:
        np.testing.assert_array_equal(grad, 0.0)


def test_a_weight_of_minus_one_negates_the_loss_and_its_gradient():
    Y, A = _Y_REG, _A_REG
    loss = GL.MeanSquaredError()
    assert loss(Y, A, sample_weight=-np.ones(N)) == pytest.approx(-loss(Y, A), rel=1e-15)
    np.testing.assert_allclose(loss.gradient(Y, A, sample_weight=-np.ones(N)), -loss.gradient(Y, A), rtol=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_losses_still_refuse_weights_that_are_not_finite(bad):
    w = W_SIGNED.copy()
    w[3] = bad
    with pytest.raises(ValueError, match="sample_weight must hold finite weights"):
        GL.MeanSquaredError()(_Y_REG, _A_REG, sample_weight=w)


# -- fit, evaluate, train_on_batch, test_on_batch: closed-form steps ----------------------------------------------

def _linear(units=2, activation=None, loss="mse", lr=0.1):
    model = Sequential([Dense(units, activation=activation, input_dim=3)], seed=0, dtype="float64")
    model.compile(optimizer=SGD(lr), loss=loss)
    return model


def _closed_form_fit(W, b, Y, w, batch_size, epochs, lr, kind):
    """SGD on a one-layer model by hand: ``(W, b, history)``; the loss of each batch is taken before
    its step, and an epoch's loss is the batch-size-weighted mean of its batches' (Keras's)."""
    W, b, history = W.copy(), b.copy(), []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, N, batch_size):
            x, y, wb = X[start:start + batch_size], Y[start:start + batch_size], w[start:start + batch_size]
            Z = x @ W + b
            n = len(x)
            if kind == "mse":
                J, dZ = np.mean((Z - y) ** 2, axis=1), 2 * (Z - y) / Z.shape[1]
            elif kind == "bce":
                P = 1 / (1 + np.exp(-Z))
                J, dZ = -np.mean(y * np.log(P) + (1 - y) * np.log(1 - P), axis=1), (P - y) / Z.shape[1]
            else:  # softmax and categorical cross-entropy
                P = np.exp(Z - Z.max(axis=1, keepdims=True))
                P /= P.sum(axis=1, keepdims=True)
                J, dZ = -np.sum(y * np.log(P), axis=1), P - y
            total += n * np.sum(wb * J) / n
            delta = wb[:, None] * dZ / n
            W, b = W - lr * x.T @ delta, b - lr * delta.sum(axis=0)
        history.append(total / N)
    return W, b, history


@pytest.mark.parametrize("kind", ["mse", "bce", "cce"])
@pytest.mark.parametrize("w", [W_SIGNED, -np.abs(W_SIGNED)], ids=["signed", "all negative"])
def test_fit_with_signed_sample_weights_takes_the_closed_form_steps(kind, w):
    # fit refused them ("sample_weight must be non-negative"); all-negative weights were refused as
    # "every sample the weight 0" once the sign check was gone (a batch of negative advantages is REINFORCE's)
    units, activation, loss, Y = {"mse": (2, None, "mse", _Y_REG), "bce": (1, "sigmoid", "binary_crossentropy", _Y_BIN),
                                  "cce": (3, "softmax", "categorical_crossentropy", np.eye(3)[_LABELS])}[kind]
    model = _linear(units, activation, loss)
    W0, b0 = model.get_weights()
    history = model.fit(X, Y, sample_weight=w, batch_size=4, epochs=3, shuffle=False, verbose=0).history["loss"]
    W, b, expected = _closed_form_fit(W0, b0, Y, w, 4, 3, 0.1, kind)
    np.testing.assert_allclose(history, expected, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[0], W, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-12, atol=1e-15)


def test_class_weight_of_a_negative_class_is_each_sample_s_weight():
    # class_weight={0: -1.0, ...} was refused ("class_weight[0] must be >= 0")
    model = _linear(1, "sigmoid", "binary_crossentropy")
    W0, b0 = model.get_weights()
    class_weight = {0: -1.0, 1: 1.5}
    history = model.fit(X, _Y_BIN, class_weight=class_weight, batch_size=6, epochs=2, shuffle=False,
                        verbose=0).history["loss"]
    w = np.where(_Y_BIN[:, 0] == 1, 1.5, -1.0)
    W, b, expected = _closed_form_fit(W0, b0, _Y_BIN, w, 6, 2, 0.1, "bce")
    np.testing.assert_allclose(history, expected, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[0], W, rtol=1e-12)
    with pytest.raises(ValueError, match=r"class_weight\[0\] must be finite"):
        model.fit(X, _Y_BIN, class_weight={0: np.nan, 1: 1.0}, verbose=0)


def test_evaluate_train_and_test_on_batch_take_signed_weights():
    model = _linear()
    W0, b0 = model.get_weights()
    J = np.mean((X @ W0 + b0 - _Y_REG) ** 2, axis=1)
    assert model.evaluate(X, _Y_REG, sample_weight=W_SIGNED, batch_size=5, verbose=0) == pytest.approx(
        np.sum(W_SIGNED * J) / N, rel=1e-12)
    assert model.test_on_batch(X, _Y_REG, sample_weight=W_SIGNED) == pytest.approx(np.sum(W_SIGNED * J) / N, rel=1e-12)
    assert model.train_on_batch(X, _Y_REG, sample_weight=W_SIGNED) == pytest.approx(np.sum(W_SIGNED * J) / N,
                                                                                     rel=1e-12)
    W, b, _ = _closed_form_fit(W0, b0, _Y_REG, W_SIGNED, N, 1, 0.1, "mse")
    np.testing.assert_allclose(model.get_weights()[0], W, rtol=1e-12)


def test_weights_that_are_all_zero_or_not_finite_are_still_refused():
    model = _linear()
    with pytest.raises(ValueError, match="gives every sample the weight 0.*nonzero weight"):
        model.fit(X, _Y_REG, sample_weight=np.zeros(N), verbose=0)
    for bad in (np.nan, np.inf):
        w = W_SIGNED.copy()
        w[0] = bad
        for call in (lambda: model.fit(X, _Y_REG, sample_weight=w, verbose=0),
                     lambda: model.evaluate(X, _Y_REG, sample_weight=w, verbose=0),
                     lambda: model.train_on_batch(X, _Y_REG, sample_weight=w)):
            with pytest.raises(ValueError, match="sample_weight contains"):
                call()


@pytest.mark.parametrize("w", [W_ZERO_SUM, W_NEGATIVE_SUM], ids=["zero sum", "negative sum"])
def test_fit_with_mean_with_sample_weight_divides_by_the_signed_sum(w):
    # d = Σw of each batch: a negative one divides as it is, 0 makes the batch's loss and step 0 (Keras's
    # divide_no_nan)
    model = Sequential([Dense(2, input_dim=3)], seed=0, dtype="float64")
    model.compile(optimizer=SGD(0.05), loss=GL.MeanSquaredError(reduction="mean_with_sample_weight"))
    W0, b0 = model.get_weights()
    history = model.fit(X, _Y_REG, sample_weight=w, batch_size=4, epochs=1, shuffle=False, verbose=0).history["loss"]
    W, b, total = W0.copy(), b0.copy(), 0.0
    for start in range(0, N, 4):
        x, y, wb = X[start:start + 4], _Y_REG[start:start + 4], w[start:start + 4]
        Z = x @ W + b
        d = wb.sum()
        if d:
            total += 4 * np.sum(wb * np.mean((Z - y) ** 2, axis=1)) / d
            delta = wb[:, None] * (Z - y) / d  # 2 (Z − Y) / k with k = 2 outputs
            W, b = W - 0.05 * x.T @ delta, b - 0.05 * delta.sum(axis=0)
    assert history[0] == pytest.approx(total / N, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(model.get_weights()[0], W, rtol=1e-12)


def test_trace_shows_the_step_of_signed_weights():
    model = _linear()
    W0, b0 = model.get_weights()
    shown = trace(model, X[:4], _Y_REG[:4], sample_weight=W_SIGNED[:4], apply=True)
    J = np.mean((X[:4] @ W0 + b0 - _Y_REG[:4]) ** 2, axis=1)
    assert shown.loss == pytest.approx(np.sum(W_SIGNED[:4] * J) / 4, rel=1e-12)
    W, _, _ = _closed_form_fit(W0, b0, np.r_[_Y_REG[:4], _Y_REG[4:]], np.r_[W_SIGNED[:4], np.zeros(N - 4)],
                               N, 1, 0.1, "mse")  # (the other samples weighted 0: the batch of 4's step, /N)
    np.testing.assert_allclose(model.get_weights()[0] - W0, (W - W0) * N / 4, rtol=1e-12)


# -- metrics: the running means take them (Σ w v / Σ w), the counts refuse them ------------------------------------

def test_weighted_metrics_of_fit_and_evaluate_are_signed_means():
    model = Sequential([Dense(3, activation="softmax", input_dim=3)], seed=0, dtype="float64")
    model.compile(optimizer=SGD(0.1), loss="categorical_crossentropy", weighted_metrics=["mae", "accuracy"])
    Y = np.eye(3)[_LABELS]
    P = model.predict(X, verbose=0)
    result = model.evaluate(X, Y, sample_weight=W_SIGNED, batch_size=5, verbose=0, return_dict=True)
    mae, hit = np.mean(np.abs(P - Y), axis=1), (P.argmax(axis=1) == _LABELS) * 1.0
    assert result["mae"] == pytest.approx(np.sum(W_SIGNED * mae) / W_SIGNED.sum(), rel=1e-12)
    assert result["accuracy"] == pytest.approx(np.sum(W_SIGNED * hit) / W_SIGNED.sum(), rel=1e-12)
    assert result["loss"] == pytest.approx(np.sum(W_SIGNED * -np.log(P[np.arange(N), _LABELS])) / N, rel=1e-12)


@pytest.mark.parametrize("make, values", [
    (metrics.MeanAbsoluteError, lambda Y, A: np.mean(np.abs(A - Y), axis=1)),
    (metrics.MeanSquaredError, lambda Y, A: np.mean((A - Y) ** 2, axis=1)),
    (metrics.CategoricalAccuracy, lambda Y, A: (A.argmax(1) == Y.argmax(1)) * 1.0),
    (metrics.CategoricalCrossentropy, lambda Y, A: -np.sum(Y * np.log(A), axis=1)),
    (metrics.BinaryAccuracy, lambda Y, A: np.mean((A > 0.5) == Y, axis=1)),
])
@pytest.mark.parametrize("w", [W_SIGNED, W_ZERO_SUM, W_NEGATIVE_SUM], ids=["signed", "zero sum", "negative sum"])
def test_running_mean_metrics_take_signed_weights(make, values, w):
    Y, A = np.eye(3)[_LABELS], _A_CAT
    metric = make()
    metric.update_state(Y[:5], A[:5], sample_weight=w[:5])
    metric.update_state(Y[5:], A[5:], sample_weight=w[5:])
    expected = np.sum(w * values(Y, A)) / w.sum() if w.sum() else 0.0  # (Keras's divide_no_nan)
    assert metric.result() == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_mean_and_sum_take_signed_weights():
    v = RNG.normal(size=N)
    assert metrics.Mean()(v, sample_weight=W_SIGNED) == pytest.approx(np.sum(W_SIGNED * v) / W_SIGNED.sum(), rel=1e-12)
    assert metrics.Sum()(v, sample_weight=W_SIGNED) == pytest.approx(np.sum(W_SIGNED * v), rel=1e-12)
    assert metrics.Mean()(v, sample_weight=W_ZERO_SUM) == 0.0


@pytest.mark.parametrize("metric, y, p", [
    (metrics.Precision(), _Y_BIN, _A_BIN), (metrics.Recall(), _Y_BIN, _A_BIN),
    (metrics.TruePositives(), _Y_BIN, _A_BIN), (metrics.AUC(), _Y_BIN, _A_BIN),
    (metrics.PrecisionAtRecall(0.5), _Y_BIN, _A_BIN), (metrics.R2Score(), _Y_REG, _A_REG),
    (metrics.F1Score(), np.eye(3)[_LABELS], _A_CAT), (metrics.MeanIoU(num_classes=3, dtype="float64"), _LABELS, _A_CAT.argmax(1)),
])
def test_metrics_that_count_samples_by_their_weights_refuse_negative_ones(metric, y, p):
    # Keras counts them (an AUC of -0.02, an F1 of -1.3): a negative count means nothing
    with pytest.raises(ValueError, match=r"sample_weight must hold non-negative weights for the metric '\w+' \(\w+\), "
                                         r"which counts"):
        metric.update_state(y, p, sample_weight=W_SIGNED)
    metric.update_state(y, p, sample_weight=np.abs(W_SIGNED))  # (non-negative ones are counted as before)


# -- Keras 3 itself ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["mse", "binary_crossentropy", "categorical_crossentropy",
                                  "sparse_categorical_crossentropy"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_evaluate_and_train_on_batch_with_signed_weights_equal_keras(keras64, loss, optimizer):
    keras = keras64
    units, activation, Y = {"mse": (2, None, _Y_REG), "binary_crossentropy": (1, "sigmoid", _Y_BIN),
                            "categorical_crossentropy": (3, "softmax", np.eye(3)[_LABELS]),
                            "sparse_categorical_crossentropy": (3, "softmax", _LABELS)}[loss]
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                               keras.layers.Dense(units, activation=activation)])
    ours = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(units, activation=activation)], dtype="float64")
    ours.set_weights(theirs.get_weights())
    make = {"sgd": lambda lib: lib.optimizers.SGD(0.1), "adam": lambda lib: lib.optimizers.Adam(0.01)}[optimizer]
    metric = "accuracy" if loss.startswith("sparse") else "mae"  # (Keras's mae takes no labels)
    theirs.compile(optimizer=make(keras), loss=loss, weighted_metrics=[metric])
    ours.compile(optimizer=make(glassnet), loss=loss, weighted_metrics=[metric])
    kwargs = dict(sample_weight=W_SIGNED, batch_size=4, epochs=2, shuffle=False, verbose=0)
    want, got = theirs.fit(X, Y, **kwargs).history, ours.fit(X, Y, **kwargs).history
    for key in ("loss", metric):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-10, err_msg=key)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(ours.evaluate(X, Y, sample_weight=W_NEGATIVE_SUM, batch_size=5, verbose=0),
                               theirs.evaluate(X, Y, sample_weight=W_NEGATIVE_SUM, batch_size=5, verbose=0), rtol=1e-10)
    np.testing.assert_allclose(ours.train_on_batch(X[:6], Y[:6], sample_weight=-np.abs(W_SIGNED[:6])),
                               theirs.train_on_batch(X[:6], Y[:6], sample_weight=-np.abs(W_SIGNED[:6])), rtol=1e-10)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_class_weight_and_mean_with_sample_weight_equal_keras(keras64):
    keras = keras64
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    ours = Sequential([Dense(3, activation="softmax", input_dim=3)], dtype="float64")
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                   weighted_metrics=["accuracy"])
    ours.compile(optimizer=glassnet.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                 weighted_metrics=["accuracy"])
    kwargs = dict(class_weight={0: 1.0, 1: -0.5, 2: 2.0}, batch_size=4, epochs=2, shuffle=False, verbose=0)
    want, got = theirs.fit(X, _LABELS, **kwargs).history, ours.fit(X, _LABELS, **kwargs).history
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-10)
    np.testing.assert_allclose(got["accuracy"], want["accuracy"], rtol=1e-10)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    for w in (W_ZERO_SUM, W_NEGATIVE_SUM):
        for name in ("MeanSquaredError", "CategoricalCrossentropy"):
            Y, A = (_Y_REG, _A_REG) if name == "MeanSquaredError" else (np.eye(3)[_LABELS], _A_CAT)
            want = getattr(keras.losses, name)(reduction="mean_with_sample_weight")(Y, A, sample_weight=w)
            got = getattr(GL, name)(reduction="mean_with_sample_weight")(Y, A, sample_weight=w)
            assert got == pytest.approx(float(want), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name, keras_value", [("PearsonCorrelation", 0.971642017364502),
                                               ("ConcordanceCorrelation", 0.7612939476966858)])
def test_the_correlations_average_with_negative_weights_as_keras_s_mean(name, keras_value):
    # Keras 3.15 (JAX, float32) on these numbers; the correlations refused a negative weight
    y = np.array([[1.0, 2, 3], [2, 1, 0], [0, 1, 3]])
    p = np.array([[1.5, 2, 2], [1, 1, 0.5], [0.2, 0.9, 2]])
    metric = getattr(metrics, name)()
    metric.update_state(y, p, sample_weight=np.array([1.0, -0.5, 2]))
    assert float(metric.result()) == pytest.approx(keras_value, rel=1e-6)
