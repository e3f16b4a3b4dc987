"""Session 61's review fixes: a layer as a Dense's activation in .keras files both ways (Keras writes
it as the layer's config), the Rprop mini-batch warning through wrapping optimizers, and a metric
variable's initializer kept until the first reset (as Keras's)."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import activations, initializers, layers, metrics, models, optimizers


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")


KERAS_LAYER_ACTIVATIONS = [
    ("LeakyReLU", {"negative_slope": 0.3}), ("ELU", {"alpha": 0.5}), ("ReLU", {"max_value": 1.0}),
    ("ReLU", {"negative_slope": 0.1, "threshold": 0.5, "max_value": 2.0}), ("Softmax", {}),
    ("Activation", {"activation": "leaky_relu"}),  # Keras's "leaky_relu" name: slope 0.2 (glassnet's: 0.01)
]


@pytest.mark.parametrize("kind, settings", KERAS_LAYER_ACTIVATIONS)
def test_a_keras_file_with_a_layer_as_a_dense_s_activation_loads(kind, settings, keras64, tmp_path, h5py):
    # Keras writes Dense(4, activation=LeakyReLU(negative_slope=0.3)) (Géron's idiom) with the layer's config as
    # the activation: load_model said "Malformed activation config"
    keras = keras64
    x = np.random.default_rng(0).normal(size=(9, 3)) * 3
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=getattr(keras.layers, kind)(**settings)),
                              keras.layers.Dense(2)])
    model.save(tmp_path / "model.keras")
    loaded = glassnet.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), np.asarray(model.predict(x, verbose=0)), rtol=1e-12,
                               atol=1e-12)


def test_a_keras_layer_with_weights_as_an_activation_is_refused_as_such(keras64, tmp_path, h5py):
    keras = keras64
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=keras.layers.PReLU())])
    model.save(tmp_path / "model.keras")
    with pytest.raises(ValueError, match="activation is Keras's layer 'PReLU', which glassnet takes only as a layer "
                                         "of its own"):
        glassnet.models.load_model(tmp_path / "model.keras")


@pytest.mark.parametrize("activation", [
    layers.LeakyReLU(), activations.LeakyReLU(0.05), layers.ELU(alpha=0.5), activations.ELU(0.5),
    layers.ReLU(max_value=1.0), activations.GeneralReLU(negative_slope=0.1, max_value=2.0, threshold=0.5),
    "leaky_relu", activations.Softmax(axis=1),  # (axis=-1 is written as Keras's "softmax")
], ids=lambda a: a if isinstance(a, str) else repr(a))
def test_a_dense_s_activation_with_settings_exports_as_keras_s_layer(activation, keras64, tmp_path, h5py):
    # such a Dense was refused "which Keras 3 cannot represent"; Keras reads its layer form and computes the same
    keras = keras64
    x = np.random.default_rng(1).normal(size=(9, 3)) * 3
    for model in (models.Sequential([layers.Input((3,)), layers.Dense(4, activation=activation), layers.Dense(2)],
                                    dtype="float64", seed=0),
                  models.Sequential([layers.Input((3,)), layers.Dense(4), layers.Activation(activation)],
                                    dtype="float64", seed=0)):
        model.export(tmp_path / "model.keras", format="keras")
        expected = model.predict(x, verbose=0)
        from_keras = keras.saving.load_model(tmp_path / "model.keras")
        np.testing.assert_allclose(np.asarray(from_keras.predict(x, verbose=0)), expected, rtol=1e-12, atol=1e-12)
        again = glassnet.models.load_model(tmp_path / "model.keras")
        np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation, said", [
    (activations.GeneralReLU(threshold=-1.0), "GeneralReLU"),  # Keras's ReLU layer refuses a negative setting
    (activations.Softmax(beta=2.0), "Softmax"),  # Keras's Softmax has no beta
])
def test_what_keras_s_layers_cannot_compute_is_still_refused(activation, said, tmp_path, h5py):
    model = models.Sequential([layers.Input((3,)), layers.Dense(4, activation=activation)])
    with pytest.raises(ValueError, match=f"has the activation {said}.*which Keras 3 cannot represent"):
        model.export(tmp_path / "model.keras", format="keras")
    assert not (tmp_path / "model.keras").exists()


@pytest.mark.parametrize("make", [
    lambda: optimizers.LossScaleOptimizer(optimizers.Rprop()),
    lambda: optimizers.MultiOptimizer(lambda variable: optimizers.Rprop()),
], ids=["LossScaleOptimizer", "MultiOptimizer"])
def test_the_rprop_mini_batch_warning_sees_rprop_inside_a_wrapping_optimizer(make):
    x = np.random.default_rng(0).normal(size=(100, 3))
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(make(), "mse")
    with pytest.warns(UserWarning, match=r"^Rprop is a full-batch method, but fit's batches hold 32 of the 100 "):
        model.fit(x, x.sum(axis=1), epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, x.sum(axis=1), epochs=1, verbose=0, batch_size=100)


def test_the_rprop_warning_counts_the_training_rows_of_a_validation_split():
    # it said "Pass batch_size=80 (len(x))" of 100 rows
    x = np.random.default_rng(0).normal(size=(100, 3))
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizers.Rprop(), "mse")
    with pytest.warns(UserWarning, match=r"hold 32 of the 80 samples: .* Pass batch_size=80 \(all the training "
                                         r"samples\)\.$"):
        model.fit(x, x.sum(axis=1), epochs=1, verbose=0, validation_split=0.2)


class _CountFromOne(metrics.Metric):
    """Counts the samples it is given, from its initializer's 1 (Keras's: kept until the first reset)."""

    def __init__(self, name="count_from_one", **kwargs):
        super().__init__(name=name, **kwargs)
        self.seen = self.add_weight(name="seen", initializer="ones")
        self.flags = self.add_variable((2,), initializer=initializers.Constant(7), dtype="int32", name="flags")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.seen.assign_add(len(y_pred))

    def result(self):
        return self.seen.value


def test_a_metric_variable_keeps_its_initializer_s_value_until_the_first_reset():
    # the base reset it to zeros right after construction: Keras's keeps 1 (and [7, 7]) until reset_state
    metric = _CountFromOne()
    assert float(metric.result()) == 1.0 and metric.flags.numpy().tolist() == [7, 7]
    assert metric.flags.dtype == np.int32
    metric.update_state(None, np.zeros(4))
    assert float(metric.result()) == 5.0
    metric.reset_state()  # the base's: zeros, as Keras's
    assert float(metric.result()) == 0.0 and metric.flags.numpy().tolist() == [0, 0]


def test_fit_and_evaluate_reset_a_metric_before_its_first_update():
    # so the kept initial value changes nothing in training: Keras's fit and evaluate reset first too
    x = np.random.default_rng(0).normal(size=(50, 3))
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse", metrics=[_CountFromOne()])
    assert model.fit(x, x.sum(axis=1), epochs=2, batch_size=16, verbose=0).history["count_from_one"] == [50.0, 50.0]
    assert model.evaluate(x, x.sum(axis=1), verbose=0, return_dict=True)["count_from_one"] == 50.0


def test_keras_s_metric_keeps_its_initializer_s_value_too(keras64):
    keras = keras64

    class CountFromOne(keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="c")
            self.seen = self.add_variable((), initializer="ones", name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.seen.assign_add(1.0)

        def result(self):
            return self.seen

    theirs = CountFromOne()
    assert float(theirs.result()) == float(_CountFromOne().result()) == 1.0
    theirs.reset_state()
    assert float(theirs.result()) == 0.0
