"""d2l.ai chapters 3-5 ported to glassnet (session 60): a metric function that returns one number per
batch (d2l 5.7's log RMSE) evaluated in Keras's batches, weight decay on the weights only (d2l 3.7's
PyTorch param groups), and d2l's ½ squared loss (3.2)."""

import numpy as np
import pytest

import glassnet
from glassnet import layers, losses, models, optimizers


def log_rmse(y, p):
    """d2l 5.7's: one number for the batch, the root of a mean (so it depends on the batches)."""
    return np.sqrt(np.mean((np.log(np.clip(p, 1, None)) - np.log(y)) ** 2))


def _house(n, seed=0):
    """A linear model of house prices (~3e3..3e4, as d2l's) and its inputs, float64."""
    glassnet.config.set_floatx("float64")
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, 5)), np.exp(rng.normal(size=(n, 1)) + 8)
    model = models.Sequential([layers.Input((5,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.Adam(5.0), loss="mse", metrics=[log_rmse])
    model.layers[-1].set_weights([rng.normal(size=(5, 1)) * 100, np.array([5000.0])])
    return model, X, y


def _by_batches(y, p, rows, weighted=True):
    """log RMSE of each batch of ``rows`` rows, averaged: with the batches' sizes as weights (glassnet's
    count, once per sample), or plainly (Keras's, checked against Keras 3.15: 1.1627158 on 288 rows)."""
    starts = range(0, len(y), rows)
    values = [log_rmse(y[s:s + rows], p[s:s + rows]) for s in starts]
    return np.average(values, weights=[len(y[s:s + rows]) for s in starts] if weighted else None)


@pytest.mark.parametrize("n", [300, 1100])  # (1100: two of evaluate's 1024-row chunks)
def test_evaluate_gives_a_metric_of_one_number_per_batch_keras_batches_of_32(n):
    model, X, y = _house(n)
    p = model.predict(X)
    got = model.evaluate(X, y, return_dict=True)["log_rmse"]
    assert got == pytest.approx(model.evaluate(X, y, batch_size=32, return_dict=True)["log_rmse"], rel=1e-14)
    assert got == pytest.approx(_by_batches(y, p, 32), rel=1e-13)
    assert abs(got - log_rmse(y, p)) > 1e-3  # (the whole set's value, which 1024-row chunks gave)


def test_full_batches_give_keras_figure_the_plain_mean_of_the_batches():
    model, X, y = _house(288)
    p = model.predict(X)
    got = model.evaluate(X, y, return_dict=True)["log_rmse"]
    assert got == pytest.approx(_by_batches(y, p, 32, weighted=False), rel=1e-13)


def test_sample_weights_of_a_weighted_metric_follow_its_batches():
    model, X, y = _house(300)
    model.compile(optimizer="sgd", loss="mse", weighted_metrics=[log_rmse])
    w = np.random.default_rng(1).uniform(0.5, 2.0, 300)
    starts = range(0, 300, 32)
    values = [log_rmse(y[s:s + 32], model.predict(X[s:s + 32])) for s in starts]
    expected = np.average(values, weights=[w[s:s + 32].sum() for s in starts])
    got = model.evaluate(X, y, sample_weight=w, return_dict=True)["log_rmse"]
    assert got == pytest.approx(expected, rel=1e-13)


def test_fit_validates_a_metric_of_one_number_per_batch_in_fits_batches():
    model, X, y = _house(300)
    history = model.fit(X, y, batch_size=64, epochs=1, validation_data=(X, y), shuffle=False)
    assert history.history["val_log_rmse"][0] == pytest.approx(_by_batches(y, model.predict(X), 64), rel=1e-13)


def test_per_sample_function_metric_keeps_the_large_chunks():
    model, X, y = _house(2100)
    rows = []

    def squared_log_error(y_true, y_pred):  # one value per sample: its mean does not depend on the batches
        rows.append(len(y_true))
        return ((np.log(y_pred.clip(1)) - np.log(y_true)) ** 2).ravel()

    model.compile(optimizer="sgd", loss="mse", metrics=[squared_log_error])
    got = model.evaluate(X, y, return_dict=True)["squared_log_error"]
    assert rows == [32, 992, 1024, 52]  # tried on Keras's first batch, then chunk by chunk
    assert got == pytest.approx(np.mean((np.log(model.predict(X).clip(1)) - np.log(y)) ** 2), rel=1e-13)


def _torch_sgd_decaying_weights_only(W, b, X, y, lr, wd, rows, momentum=0.0):
    """PyTorch's SGD with param groups (weight_decay=wd on the weight, 0 on the bias) on MSELoss,
    written out: g ← ∇ + wd·W (coupled), buf ← μ·buf + g, W ← W − lr·buf."""
    bufs = [np.zeros_like(W), np.zeros_like(b)]
    for s in range(0, len(X), rows):
        Xb, yb = X[s:s + rows], y[s:s + rows]
        r = 2 * (Xb @ W + b - yb) / len(Xb)
        for i, (p, g) in enumerate(((W, Xb.T @ r + wd * W), (b, r.sum(axis=0)))):
            bufs[i] = momentum * bufs[i] + g if momentum else g
            p -= lr * bufs[i]
    return W, b


def test_sgd_weight_decay_without_the_biases_is_torch_param_groups():
    glassnet.config.set_floatx("float64")
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 6)), rng.normal(size=(40, 1))
    W0, b0 = rng.normal(size=(6, 1)), np.array([0.7])
    for momentum, equal in ((0.0, True), (0.9, False)):
        model = models.Sequential([layers.Input((6,)), layers.Dense(1)])
        model.set_weights([W0, b0])
        opt = optimizers.SGD(0.05, momentum=momentum, weight_decay=3.0)
        opt.exclude_from_weight_decay(var_names=["bias"])
        model.compile(optimizer=opt, loss="mse")
        model.fit(X, y, batch_size=5, epochs=1, shuffle=False)
        W, b = _torch_sgd_decaying_weights_only(W0.copy(), b0.copy(), X, y, 0.05, 3.0, 5, momentum)
        diff = max(np.abs(model.get_weights()[0] - W).max(), np.abs(model.get_weights()[1] - b).max())
        assert (diff < 1e-14) == equal, (momentum, diff)  # (with momentum, decoupled is not coupled)


def test_squared_error_is_d2l_squared_loss_and_mse_twice_it():
    glassnet.config.set_floatx("float64")
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(30, 2)), rng.normal(size=(30, 1))
    p = rng.normal(size=(30, 1))
    assert losses.get("squared_error")(y, p) == pytest.approx(np.mean((p - y) ** 2 / 2), rel=1e-15)
    assert losses.get("mse")(y, p) == pytest.approx(2 * np.mean((p - y) ** 2 / 2), rel=1e-15)
    weights = []
    for loss, lr in (("squared_error", 0.03), ("mse", 0.015)):
        model = models.Sequential([layers.Input((2,)), layers.Dense(1, kernel_initializer="zeros")])
        model.compile(optimizer=optimizers.SGD(lr), loss=loss)
        model.fit(X, y, batch_size=10, epochs=1, shuffle=False)
        weights.append(model.get_weights())
    w, b = np.zeros((2, 1)), np.zeros(1)  # d2l 3.2's sgd: p -= lr * p.grad / batch_size of l.sum()
    for s in range(0, 30, 10):
        r = X[s:s + 10] @ w + b - y[s:s + 10]
        w, b = w - 0.03 * X[s:s + 10].T @ r / 10, b - 0.03 * r.sum(axis=0) / 10
    for W, B in weights:
        np.testing.assert_allclose(W, w, rtol=0, atol=1e-15)
        np.testing.assert_allclose(B, b, rtol=0, atol=1e-15)


def test_squared_error_as_a_metric_is_the_loss_object_not_a_name():
    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Unknown metric 'squared_error'"):  # as Keras: not one of its metric names
        model.compile(optimizer="sgd", loss="squared_error", metrics=["squared_error"])
    model.compile(optimizer="sgd", loss="squared_error", metrics=[losses.SquaredError(), "mse"])
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(50, 2)), rng.normal(size=(50, 1))
    logs = model.evaluate(X, y, return_dict=True)
    assert logs["squared_error"] == pytest.approx(logs["loss"], rel=1e-6)
    assert logs["mse"] == pytest.approx(2 * logs["loss"], rel=1e-6)
