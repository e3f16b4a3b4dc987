"""Session 61: idioms of the practitioners' books (Chollet's Deep Learning with Python, ...) that glassnet
refused or got wrong."""

import numpy as np
import pytest

from glassnet import layers, metrics, models


class _RootMeanSquaredError(metrics.Metric):
    """Chollet's ch. 7 metric as he writes it: an int32 sample count beside a float sum."""

    def __init__(self, name="rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.mse_sum = self.add_weight(name="mse_sum", initializer="zeros")
        self.total_samples = self.add_weight(name="total_samples", initializer="zeros", dtype="int32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.mse_sum.assign_add(np.sum(np.square(y_true - y_pred)))
        self.total_samples.assign_add(y_pred.shape[0])

    def result(self):
        return np.sqrt(self.mse_sum / np.asarray(self.total_samples, dtype="float64"))

    def reset_state(self):
        self.mse_sum.assign(0.0)
        self.total_samples.assign(0)


def test_a_metric_counts_in_an_integer_variable_as_keras_allows():
    # add_weight(dtype="int32") was refused ("dtype must be one of float16, float32, float64")
    metric = _RootMeanSquaredError()
    assert np.asarray(metric.total_samples).dtype == np.int32 and int(np.asarray(metric.total_samples)) == 0
    metric.update_state(np.ones((5, 1)), np.zeros((5, 1)))
    metric.update_state(np.ones((3, 1)), np.full((3, 1), 3.0))
    assert int(np.asarray(metric.total_samples)) == 8
    assert metric.result() == np.sqrt((5 * 1 + 3 * 4) / 8)  # by hand
    counted = metrics.Metric.add_weight(metric, shape=(2,), initializer="ones", dtype="int64", name="c")
    np.testing.assert_array_equal(np.asarray(counted), [1, 1])
    assert np.asarray(counted).dtype == np.int64


def test_the_integer_count_metric_in_fit_and_evaluate():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.ones((3, 1))
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse", metrics=[_RootMeanSquaredError()])
    history = model.fit(X, y, epochs=2, batch_size=16, verbose=0, validation_data=(X, y))
    assert len(history.history["val_rmse"]) == 2
    result = model.evaluate(X, y, verbose=0, return_dict=True)
    expected = np.sqrt(np.mean((model.predict(X, verbose=0).astype(np.float64) - y) ** 2))
    np.testing.assert_allclose(result["rmse"], expected, rtol=1e-6)
    np.testing.assert_allclose(history.history["val_rmse"][-1], result["rmse"], rtol=1e-6)


def test_an_activation_layer_given_as_a_dense_activation_applies_its_function(tmp_path):
    # Géron's ch. 11: Dense(50, activation=keras.layers.LeakyReLU(alpha=0.2)) was a TypeError ("add it to the
    # model as a layer of its own"); Keras applies the layer. The same outputs as the layer after a linear Dense.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(16, 3))
    for make in (lambda: layers.LeakyReLU(negative_slope=0.2), lambda: layers.ELU(alpha=0.5),
                 lambda: layers.ReLU(max_value=1.0), lambda: layers.Softmax(), lambda: layers.Activation("tanh")):
        inside = models.Sequential([layers.Input((3,)), layers.Dense(4, activation=make())])
        apart = models.Sequential([layers.Input((3,)), layers.Dense(4), make()])
        apart.set_weights(inside.get_weights())
        expected = apart.predict(X, verbose=0)
        np.testing.assert_array_equal(inside.predict(X, verbose=0), expected)
        inside.save(tmp_path / "m.gn")
        np.testing.assert_array_equal(models.load_model(tmp_path / "m.gn").predict(X, verbose=0), expected)
    with pytest.raises(TypeError, match="a layer of its own"):  # weights of its own: not a function of z
        layers.Dense(4, activation=layers.PReLU())


def test_leaky_relu_layer_as_activation_equals_keras_in_float64(keras64):
    keras = keras64
    rng = np.random.default_rng(2)
    X = rng.normal(size=(16, 3))
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=keras.layers.LeakyReLU(0.2))])
    ours = models.Sequential([layers.Input((3,)), layers.Dense(4, activation=layers.LeakyReLU(0.2), dtype="float64")])
    ours.build((None, 3))
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours.predict(X, verbose=0), np.asarray(theirs.predict(X, verbose=0)), rtol=1e-13)
