"""float16 losses in floatx (float32), as Keras 3's ``Loss`` casts ``y_true`` and ``y_pred`` to its dtype (session 56):
in float16 the clip bound 1 − 1e-7 is 1 and ε = 1e-7 was raised to float16's 0.001, so KL divergence gave 2.678 for
Keras's 2.896. The classes (and fit's and evaluate's loss) compute float16 in float32 and return float32 with
``reduction=None``; the functions round once to float16, Keras's dtype for them; float32 and float64 are as they were."""

import numpy as np
import pytest

from glassnet import layers as L
from glassnet import losses, optimizers
from glassnet.models import Sequential
from test_keras_compat import real_keras  # noqa: F401  (the fixture: Keras on JAX, or a skip)

EPS = 1e-7


def _data():
    rng = np.random.default_rng(0)
    Y = np.eye(5)[rng.integers(0, 5, 64)].astype(np.float16)
    A = rng.dirichlet(np.ones(5) * 0.3, 64).astype(np.float16)  # many outputs below float16's 0.001
    return Y, A


def _reference(name, Y, A):
    """Keras's formulas per sample, in float64, of the float16 arrays' values (ε = 1e-7)."""
    Y, A = Y.astype(np.float64), A.astype(np.float64)
    if name == "KLDivergence":
        Yc = np.clip(Y, EPS, 1)
        return np.sum(Yc * np.log(Yc / np.clip(A, EPS, 1)), axis=-1)
    if name == "BinaryCrossentropy":  # (the bound 1 − ε as float32 holds it, Keras's dtype: 1 − 1.19e-7)
        P = np.clip(A, EPS, float(np.float32(1 - EPS)))
        return -np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=-1)
    if name == "CategoricalFocalCrossentropy":
        P = np.clip(A / A.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
        return np.sum(-0.25 * (1 - P) ** 2 * Y * np.log(P), axis=-1)
    if name == "Poisson":
        return np.mean(A - Y * np.log(A + EPS), axis=-1)
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["KLDivergence", "BinaryCrossentropy", "CategoricalFocalCrossentropy", "Poisson"])
def test_float16_arrays_are_computed_in_float32(name):
    Y, A = _data()
    expected = _reference(name, Y, A)
    loss = getattr(losses, name)
    # float16 computations: KL 2.678 for 2.896, BCE 0.780 for 0.820, the focal 0.583 for 0.634, Poisson 0.7793
    assert loss()(Y, A) == pytest.approx(np.mean(expected), rel=1e-6)
    values = loss(reduction=None)(Y, A)
    assert values.dtype == np.float32  # Keras's classes return their dtype, floatx
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-6)
    # the function: Keras's returns y_pred's float16; the float32 values rounded once
    function = {"KLDivergence": losses.kl_divergence, "BinaryCrossentropy": losses.binary_crossentropy,
                "CategoricalFocalCrossentropy": losses.categorical_focal_crossentropy,
                "Poisson": losses.poisson}[name](Y, A)
    assert function.dtype == np.float16
    np.testing.assert_array_equal(function, values.astype(np.float16))


def test_a_float16_difference_is_not_rounded_before_it_is_squared():
    # MSE's own quick path took a − y in float16: 1000 − 0.1 is 1000 there (999.9 in float32, Keras's)
    Y, A = np.array([[0.1]], np.float16), np.array([[1000.0]], np.float16)
    exact = (1000.0 - float(np.float16(0.1))) ** 2
    assert losses.MeanSquaredError()(Y, A) == pytest.approx(exact, rel=1e-6)
    assert losses.mean_squared_error(Y, A)[0] == np.float16(exact)


def test_the_other_losses_that_compute_on_their_own_take_float32_too():
    rng = np.random.default_rng(1)
    E = rng.normal(size=(16, 4))
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    labels = rng.integers(0, 3, 16)
    circle = losses.Circle()
    assert circle(labels, E.astype(np.float16)) == circle(labels, E.astype(np.float16).astype(np.float32))
    assert losses.Circle(reduction=None)(labels, E.astype(np.float16)).dtype == np.float32
    assert losses.circle(labels, E.astype(np.float16)).dtype == np.float16
    Y, A = _data()
    dice = losses.Dice(reduction=None, axis=-1)(Y, A)
    assert dice.dtype == np.float32  # (computed in float32 already, but rounded to float16)
    np.testing.assert_array_equal(losses.dice(Y, A, axis=-1), dice.astype(np.float16))


def test_targets_of_other_dtypes_against_float16_outputs():
    Y, A = _data()
    float32 = losses.KLDivergence(reduction=None)(Y.astype(np.float32), A.astype(np.float32))
    for targets in (Y.astype(np.float32), Y.astype(np.float64), Y.astype(np.int64)):
        values = losses.KLDivergence(reduction=None)(targets, A)
        assert values.dtype == np.float32  # Keras's class casts both to its dtype
        np.testing.assert_array_equal(values, float32)
        assert losses.kl_divergence(targets, A).dtype == np.float16  # Keras's function: y_pred's
    # float16 targets against float32 outputs are float32's, as before
    assert losses.kl_divergence(Y, A.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_are_computed_as_they_are(dtype):
    Y, A = (x.astype(dtype) for x in _data())
    for loss in (losses.KLDivergence(), losses.BinaryCrossentropy(), losses.MeanSquaredError(),
                 losses.CategoricalCrossentropy()):
        assert losses.base._loss_dtype(A) is None
        values = type(loss)(reduction=None)(Y, A)
        assert values.dtype == dtype
        np.testing.assert_array_equal(values, loss.per_sample(Y, A))
        assert type(loss)(reduction="sum")(Y, A) == float(np.sum(values))


def test_the_gradient_of_float16_outputs_stays_float16():
    Y, A = _data()
    for loss in (losses.KLDivergence(), losses.BinaryCrossentropy(), losses.MeanSquaredError()):
        grad = loss.gradient(Y, A)
        assert grad.dtype == np.float16 and np.isfinite(grad).all()


def _float16_model(loss, activation):
    rng = np.random.default_rng(3)
    model = Sequential([L.Input((8,)), L.Dense(4, activation="tanh"), L.Dense(3, activation=activation)],
                       dtype="float16")
    model.set_weights([w.astype(np.float16) for w in (rng.normal(size=(8, 4)) * 2, rng.normal(size=4) * 0.1,
                                                      rng.normal(size=(4, 3)) * 3, rng.normal(size=3) * 0.1)])
    model.compile(optimizer=optimizers.SGD(0.5), loss=loss)
    X = (rng.normal(size=(64, 8)) * 3).astype(np.float16)
    Y = np.eye(3)[rng.integers(0, 3, 64)].astype(np.float16)
    return model, X, Y


@pytest.mark.parametrize("loss, activation", [("kl_divergence", "softmax"), ("binary_crossentropy", "sigmoid")])
def test_fit_and_evaluate_log_the_float32_loss_of_the_float16_outputs(loss, activation):
    model, X, Y = _float16_model(loss, activation)
    outputs = model.predict(X, verbose=0)
    assert outputs.dtype == np.float16
    expected = float(np.mean(_reference({"kl_divergence": "KLDivergence"}.get(loss, "BinaryCrossentropy"), Y,
                                        outputs)))
    # saturated outputs: float16's loss was 3.74 (KL) and 2.09 (BCE) for Keras's 5.686 and 3.143
    assert model.evaluate(X, Y, batch_size=64, verbose=0) == pytest.approx(expected, rel=1e-6)
    history = model.fit(X, Y, batch_size=64, epochs=1, shuffle=False, verbose=0)  # one step: the loss before it
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-6)
    assert all(w.dtype == np.float16 for w in model.get_weights())


@pytest.mark.parametrize("loss, activation", [("kl_divergence", "softmax"), ("binary_crossentropy", "sigmoid"),
                                              ("categorical_focal_crossentropy", "softmax")])
def test_a_float16_model_evaluates_as_keras(real_keras, loss, activation):  # noqa: F811
    model, X, Y = _float16_model(loss, activation)
    mine = model.evaluate(X, Y, batch_size=16, verbose=0)
    keras_model = real_keras.Sequential([real_keras.Input((8,)),
                                         real_keras.layers.Dense(4, activation="tanh", dtype="float16"),
                                         real_keras.layers.Dense(3, activation=activation, dtype="float16")])
    keras_model.set_weights(model.get_weights())
    keras_model.compile(optimizer="sgd", loss=loss)
    # (the outputs are float16's, Keras's and glassnet's a few roundings apart)
    assert mine == pytest.approx(keras_model.evaluate(X, Y, batch_size=16, verbose=0), rel=1e-4)


def test_the_classes_and_functions_return_keras_s_dtypes_and_values(real_keras):  # noqa: F811
    Y, A = _data()
    for name, function in [("KLDivergence", "kl_divergence"), ("BinaryCrossentropy", "binary_crossentropy"),
                           ("CategoricalCrossentropy", "categorical_crossentropy"),
                           ("BinaryFocalCrossentropy", "binary_focal_crossentropy")]:
        theirs = np.asarray(getattr(real_keras.losses, name)(reduction=None)(Y, A))
        mine = getattr(losses, name)(reduction=None)(Y, A)
        assert mine.dtype == theirs.dtype == np.float32
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
        theirs = np.asarray(getattr(real_keras.losses, function)(Y, A))  # computed in float16 by Keras
        mine = getattr(losses, function)(Y, A)
        assert mine.dtype == theirs.dtype == np.float16
        np.testing.assert_allclose(mine.astype(np.float32), theirs.astype(np.float32), rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("name", ["KLDivergence", "BinaryCrossentropy", "Poisson"])
def test_the_losses_metrics_count_float16_outputs_in_float32_as_the_losses(name):
    # metrics.KLDivergence of float16 outputs read 2.68 where Keras's metric reads 2.90 (the loss computed in
    # float16, whose clip ε became 0.001); the mean of the float64 reference over the rows now, to float32's rounding
    from glassnet import metrics

    Y, A = _data()
    metric = getattr(metrics, name)()
    metric.update_state(Y, A)
    assert float(metric.result()) == pytest.approx(_reference(name, Y, A).mean(), rel=1e-6)
