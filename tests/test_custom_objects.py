"""Keras's registry of custom objects (glassnet.saving): the guide "Save, serialize, and export
models" with a custom layer, activation, loss and metric, saved and loaded by registered name."""

import json
import pickle
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import _custom_objects, activations, layers, losses, metrics, regularizers, saving
from glassnet.models import Model, Sequential, clone_model, load_model, model_from_json
from glassnet.models.nesting import nested_spans


pytestmark = pytest.mark.usefixtures("clean_registry")  # each test registers its own classes


class CustomDense(layers.Layer):
    """``A = factor · (X W + b)``, written as docs/api.md's own layer: forward and backward."""

    weight_names = ("W", "b")

    def __init__(self, units, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.factor = units, factor

    def build(self, input_shape):
        rng = np.random.default_rng(7)
        self.params = {"W": rng.normal(scale=0.5, size=(input_shape[-1], self.units)),
                       "b": np.zeros(self.units)}
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def forward(self, X, training=False):
        self.X = X
        return self.factor * (X @ self.params["W"] + self.params["b"])

    def backward(self, dY):
        dZ = self.factor * dY
        self.grads["W"][...] = self.X.T @ dZ
        self.grads["b"][...] = dZ.sum(axis=0)
        return dZ @ self.params["W"].T

    def get_config(self):
        return {**super().get_config(), "units": self.units, "factor": self.factor}


class ScaledTanh(activations.Activation):
    """``g(z) = tanh(scale · z)``, ``g'(z) = scale (1 − g²)``."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def forward(self, Z, out=None):
        return np.tanh(self.scale * Z)

    def derivative(self, Z, A):
        return self.scale * (1 - A**2)

    def get_config(self):
        return {"scale": self.scale}


class WeightedSquaredError(losses.Loss):
    """``J_i = weight · mean_k (a − y)²``, ``∂J_i/∂a = 2 weight (a − y) / K``."""

    def __init__(self, weight=1.0, **kwargs):
        super().__init__(**kwargs)
        self.weight = weight

    def per_sample(self, Y, A):
        return self.weight * np.mean((A - Y) ** 2, axis=-1)

    def per_sample_gradient(self, Y, A):
        return 2 * self.weight * (A - Y) / A.shape[-1]

    def get_config(self):
        return {**super().get_config(), "weight": self.weight}


class WithinTolerance(metrics.Metric):
    """The share of outputs within ``tolerance`` of their targets."""

    def __init__(self, tolerance, name="within_tolerance", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.tolerance = tolerance

    def values(self, Y, A):
        return np.mean(np.abs(A - Y) <= self.tolerance, axis=-1)

    def get_config(self):
        return {**super().get_config(), "tolerance": self.tolerance}


def register_all():
    for package, cls in (("MyLayers", CustomDense), ("MyActivations", ScaledTanh), ("MyLosses", WeightedSquaredError),
                         ("MyMetrics", WithinTolerance)):
        saving.register_keras_serializable(package=package)(cls)


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    return X, np.sin(X[:, :1]) + 0.1 * X[:, 1:2]


def trained_model():
    X, y = data()
    model = Sequential([glassnet.Input((3,)), CustomDense(5, factor=0.5), layers.Dense(4, activation=ScaledTanh(2.0)),
                        layers.Dense(1)], dtype="float64")
    model.compile(optimizer="adam", loss=WeightedSquaredError(weight=3.0), metrics=[WithinTolerance(0.25)])
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    return model


def saved_config(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("model.json"))


def test_guide_registered_objects_save_load_and_train_on_identically(tmp_path):
    register_all()
    model = trained_model()
    model.save(tmp_path / "m.gn")
    config = saved_config(tmp_path / "m.gn")
    first, second = config["model"]["layers"][:2]
    assert first["registered_name"] == "MyLayers>CustomDense" and first["class_name"] == "CustomDense"
    assert first["config"]["units"] == 5 and first["config"]["factor"] == 0.5
    assert second["config"]["activation"] == {"module": __name__, "class_name": "ScaledTanh", "config": {"scale": 2.0},
                                              "registered_name": "MyActivations>ScaledTanh"}
    assert config["compile"]["loss"]["registered_name"] == "MyLosses>WeightedSquaredError"
    assert config["compile"]["metrics"][0]["registered_name"] == "MyMetrics>WithinTolerance"

    loaded = load_model(tmp_path / "m.gn")
    assert [type(layer) for layer in loaded.layers[:1]] == [CustomDense]
    assert isinstance(loaded.layers[1].activation, ScaledTanh) and loaded.layers[1].activation.scale == 2.0
    assert isinstance(loaded.loss, WeightedSquaredError) and loaded.loss.weight == 3.0
    X, y = data()
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    # the loss and the metric, by hand, from the predictions
    A = model.predict(X, verbose=0)
    expected = {"loss": 3.0 * np.mean((A - y) ** 2), "within_tolerance": np.mean(np.abs(A - y) <= 0.25)}
    for result in (model.evaluate(X, y, verbose=0, return_dict=True), loaded.evaluate(X, y, verbose=0, return_dict=True)):
        assert result["loss"] == pytest.approx(expected["loss"], rel=1e-12)
        assert result["within_tolerance"] == pytest.approx(expected["within_tolerance"])
    # the optimizer's state came along: one more epoch on each gives the same weights, bit for bit
    assert_trains_on_identically(model, loaded)


def assert_trains_on_identically(model, loaded):
    """One more epoch on each gives the same history and weights, bit for bit (the optimizer's state came along)."""
    X, y = data()
    before = model.fit(X, y, epochs=1, batch_size=16, verbose=0, shuffle=False).history
    after = loaded.fit(X, y, epochs=1, batch_size=16, verbose=0, shuffle=False).history
    assert before == after
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_custom_layer_backward_matches_finite_differences():
    register_all()
    X, y = data()
    model = Sequential([glassnet.Input((3,)), CustomDense(4, factor=0.5), layers.Dense(1)], dtype="float64")
    model.compile(optimizer="sgd", loss=WeightedSquaredError(weight=2.0))
    assert glassnet.check_gradients(model, X[:8], y[:8])


def test_unregistered_class_loads_from_custom_objects_or_a_scope(tmp_path):
    model = trained_model()  # nothing registered: saved under the class names
    model.save(tmp_path / "m.gn")
    assert saved_config(tmp_path / "m.gn")["model"]["layers"][0]["registered_name"] == "CustomDense"
    with pytest.raises(ValueError, match=r"Unknown layer 'CustomDense'.*register_keras_serializable.*"
                                         r"custom_objects=\{'CustomDense': CustomDense\}"):
        load_model(tmp_path / "m.gn")
    given = {cls.__name__: cls for cls in (CustomDense, ScaledTanh, WeightedSquaredError, WithinTolerance)}
    X, _ = data()
    loaded = load_model(tmp_path / "m.gn", custom_objects=given)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    with saving.custom_object_scope(given):
        assert saving.get_registered_object("CustomDense") is CustomDense
        np.testing.assert_array_equal(load_model(tmp_path / "m.gn").predict(X, verbose=0), model.predict(X, verbose=0))
    assert saving.get_registered_object("CustomDense") is None  # the scope is over


def test_lookup_order_argument_then_scopes_then_registry():
    class Registered(regularizers.Regularizer):
        def get_config(self):
            return {}

    class Scoped(Registered):
        pass

    class Given(Registered):
        pass

    saving.register_keras_serializable("pkg", name="Reg")(Registered)
    assert saving.get_registered_name(Registered) == "pkg>Reg" and saving.get_registered_name(Scoped) == "Scoped"
    assert saving.get_custom_objects()["pkg>Reg"] is Registered
    config = {"class_name": "Registered", "config": {}, "registered_name": "pkg>Reg"}
    assert type(regularizers.deserialize(config)) is Registered
    with saving.CustomObjectScope({"pkg>Reg": Scoped}):
        with saving.custom_object_scope({"Other": Given}):  # an inner scope adds to the outer one
            assert type(regularizers.deserialize(config)) is Scoped
    with saving.custom_object_scope({"pkg>Reg": Scoped}):
        assert saving.get_registered_object("pkg>Reg", custom_objects={"pkg>Reg": Given}) is Given


def test_registering_a_name_twice_keeps_the_last_class_as_keras():
    @saving.register_keras_serializable("pkg")
    class Penalty(regularizers.Regularizer):
        def get_config(self):
            return {}

    first = Penalty

    @saving.register_keras_serializable("pkg")
    class Penalty(regularizers.Regularizer):  # noqa: F811  (a notebook cell run again)
        def get_config(self):
            return {}

    assert first is not Penalty and saving.get_registered_object("pkg>Penalty") is Penalty
    assert type(regularizers.deserialize({"class_name": "Penalty", "config": {}, "registered_name": "pkg>Penalty"})) \
        is Penalty
    with pytest.raises(ValueError, match="has no get_config"):
        saving.register_keras_serializable()(type("NoConfig", (), {}))


def test_non_json_config_value_is_refused_naming_the_object_and_key(tmp_path):
    class Holder(CustomDense):
        def get_config(self):
            return {**super().get_config(), "table": np.arange(3)}

    model = Sequential([glassnet.Input((3,)), Holder(2)])
    with pytest.raises(ValueError, match=r"Cannot save layer 'holder' \(Holder\).*custom layer Holder: its "
                                         r"get_config\(\) key 'table' holds ndarray"):
        model.save(tmp_path / "m.gn")
    assert not (tmp_path / "m.gn").exists()


def test_get_config_missing_an_init_argument_is_refused(tmp_path):
    class Forgetful(CustomDense):
        def get_config(self):
            return {"name": self.name}

    model = Sequential([glassnet.Input((3,)), Forgetful(2)])
    with pytest.raises(ValueError, match=r"__init__ requires units, which get_config\(\) does not return"):
        model.save(tmp_path / "m.gn")


def test_a_file_naming_glassnet_internals_creates_nothing(tmp_path, monkeypatch):
    """A damaged or hostile file names classes glassnet has but does not register: none is made."""
    register_all()
    model = Sequential([glassnet.Input((3,)), CustomDense(2)])
    model.save(tmp_path / "m.gn")
    made = []
    from glassnet import callbacks

    monkeypatch.setattr(callbacks.CSVLogger, "__init__", lambda self, *a, **k: made.append(a))
    for class_name, registered in (("CSVLogger", "glassnet>CSVLogger"), ("FunctionActivation", None),
                                   ("Sequential", "Sequential"), ("CustomDense", "Other>CustomDense")):
        config = saved_config(tmp_path / "m.gn")
        config["model"]["layers"][0].update(class_name=class_name, registered_name=registered,
                                            module="glassnet.callbacks")
        with zipfile.ZipFile(tmp_path / "m.gn") as src, zipfile.ZipFile(tmp_path / "bad.gn", "w") as dst:
            for info in src.infolist():
                data = json.dumps(config).encode() if info.filename == "model.json" else src.read(info)
                dst.writestr(info, data)
        with pytest.raises(ValueError, match=f"Unknown layer '{class_name}' in saved config"):
            load_model(tmp_path / "bad.gn")
    assert made == []


def test_a_registered_class_of_another_kind_is_refused():
    saving.register_keras_serializable("pkg")(ScaledTanh)
    with pytest.raises(ValueError, match=r"'pkg>ScaledTanh' is .*not a glassnet layer"):
        layers.deserialize({"class_name": "ScaledTanh", "config": {}, "registered_name": "pkg>ScaledTanh"})


def test_a_custom_class_named_as_a_built_in_of_another_kind_leaves_the_built_in_alone(tmp_path):
    # custom_objects={"Linear": MyLayer}: every Dense's linear activation, saved as {"class_name": "Linear"},
    # was refused ("'Linear' is ..., which is not a glassnet activation"), so no model with a Dense loaded
    class Linear(layers.Layer):
        def compute_output_shape(self, input_shape):
            return input_shape

    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn", custom_objects={"Linear": Linear})
    assert loaded.layers[0].activation.name == "linear"
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_clone_json_config_and_pickle_keep_custom_objects(tmp_path):
    register_all()
    model = trained_model()
    X, _ = data()
    clone = clone_model(model)
    assert type(clone.layers[0]) is CustomDense and clone.layers[0].factor == 0.5
    rebuilt = model_from_json(model.to_json())
    assert type(rebuilt.layers[0]) is CustomDense and rebuilt.layers[1].activation.scale == 2.0
    again = Sequential.from_config(model.get_config())
    assert type(again.layers[0]) is CustomDense
    _custom_objects.GLOBAL_CUSTOM_OBJECTS.clear()
    with pytest.raises(ValueError, match="must be registered or passed"):
        model_from_json(model.to_json())
    assert type(model_from_json(model.to_json(), custom_objects={"CustomDense": CustomDense,
                                                                 "ScaledTanh": ScaledTanh}).layers[0]) is CustomDense
    unpickled = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(unpickled.predict(X, verbose=0), model.predict(X, verbose=0))


class TableDense(layers.Dense):
    """A Dense subclass whose ``get_config`` holds a NumPy array, as a user's lookup table."""

    def __init__(self, units, table=None, **kwargs):
        super().__init__(units, **kwargs)
        self.table = np.asarray([1.0, 2.0] if table is None else table)

    def get_config(self):
        return {**super().get_config(), "table": self.table}


@pytest.mark.parametrize("register", [True, False])
def test_clone_keeps_a_custom_layer_whose_config_is_not_json(tmp_path, register):
    # clone_model refused any custom Dense subclass, naming 'activation' (it holds Linear() in memory);
    # Keras 3.15 clones it, registered or not, through layer.__class__.from_config(layer.get_config())
    if register:
        saving.register_keras_serializable("pkg")(TableDense)
    model = Sequential([layers.Input((3,)), TableDense(2, table=[3.0, 4.0], activation="tanh")])
    clone = clone_model(model)
    layer = clone.layers[0]
    assert type(layer) is TableDense and clone.built and layer.activation.name == "tanh"
    np.testing.assert_array_equal(layer.table, [3.0, 4.0])
    assert layer.table is not model.layers[0].table
    with pytest.raises(ValueError, match="key 'table' holds ndarray"):  # a file still cannot hold it
        model.save(tmp_path / "m.gn")


class TableNet(Model):
    """A subclass of Model holding a TableDense: its get_config (Sequential's and its own) is asked for."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = TableDense(units, table=[5.0, 6.0])
        self.out = layers.Dense(1)

    def call(self, X):
        return self.out(self.hidden(X))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_clone_keeps_a_subclass_holding_a_layer_whose_config_is_not_json():
    # clone_model(TableNet()) and of a Sequential nesting it refused, 'Cannot save the custom layer
    # TableDense' (the subclass's get_config was asked for as for a file); Keras 3.15 clones both
    net = TableNet(units=3)
    net.build((None, 4))
    for model, find in ((net, lambda clone: clone),
                        (Sequential([layers.Input((4,)), net]), lambda clone: nested_spans(clone)[0][0])):
        clone = find(clone_model(model))
        assert type(clone) is TableNet and clone is not net and clone.built
        assert clone.hidden.units == 3 and clone.hidden.table.tolist() == [5.0, 6.0]


def test_custom_objects_must_be_a_dict(tmp_path):
    with pytest.raises(TypeError, match="custom_objects must be a dict"):
        load_model(tmp_path / "m.gn", custom_objects=[CustomDense])


def test_a_keras_file_export_names_the_custom_objects_and_loads_back(tmp_path):
    pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")
    register_all()
    model = trained_model()
    model.export(tmp_path / "m.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        config = json.loads(zf.read("config.json"))
    written = [layer for layer in config["config"]["layers"] if layer["class_name"] != "InputLayer"]
    assert written[0]["registered_name"] == "MyLayers>CustomDense" and written[0]["config"]["factor"] == 0.5
    assert written[1]["config"]["activation"]["registered_name"] == "MyActivations>ScaledTanh"
    assert config["compile_config"]["loss"]["registered_name"] == "MyLosses>WeightedSquaredError"
    assert config["compile_config"]["metrics"][0]["config"]["tolerance"] == 0.25
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded.layers[0]) is CustomDense and type(loaded.loss) is WeightedSquaredError
    X, y = data()
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert loaded.evaluate(X, y, verbose=0, return_dict=True) == model.evaluate(X, y, verbose=0, return_dict=True)


def _keras_custom_dense(keras):
    """Keras's side of the guide's CustomDense (its weights file names the group after the class)."""

    class CustomDense(keras.layers.Layer):
        def __init__(self, units, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.units, self.factor = units, factor

        def build(self, input_shape):
            self.W = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="W")
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal", name="b")

        def call(self, x):
            return self.factor * (x @ self.W + self.b)

        def get_config(self):
            return {**super().get_config(), "units": self.units, "factor": self.factor}

    return keras.saving.register_keras_serializable(package="MyLayers")(CustomDense)


def test_a_keras_file_with_a_registered_custom_layer_loads_into_the_glassnet_class_of_that_name(tmp_path):
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")
    keras.utils.set_random_seed(0)
    peer = keras.Sequential([keras.Input((3,)), _keras_custom_dense(keras)(4, factor=0.5), keras.layers.Dense(1)])
    peer.save(tmp_path / "k.keras")
    with pytest.raises(ValueError, match="Unknown layer 'CustomDense'.*must be registered or passed"):
        load_model(tmp_path / "k.keras")
    saving.register_keras_serializable(package="MyLayers")(CustomDense)
    loaded = load_model(tmp_path / "k.keras")
    assert type(loaded.layers[0]) is CustomDense and loaded.layers[0].factor == 0.5
    X = data()[0].astype(np.float32)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), np.asarray(peer(X)), rtol=1e-5, atol=1e-6)


class Softsign:
    """An activation that is not an ``Activation``: a callable with a ``derivative`` (docs/api.md)."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, Z):
        return self.scale * Z / (1 + np.abs(Z))

    def derivative(self, Z, A):
        return self.scale / (1 + np.abs(Z)) ** 2

    def get_config(self):
        return {"scale": self.scale}


def test_an_activation_object_with_a_derivative_is_saved_by_name(tmp_path):
    saving.register_keras_serializable("MyActivations")(Softsign)
    model = Sequential([glassnet.Input((3,)), layers.Dense(2, activation=Softsign(3.0))], dtype="float64")
    model.save(tmp_path / "m.gn")
    entry = saved_config(tmp_path / "m.gn")["model"]["layers"][0]["config"]["activation"]
    assert entry["registered_name"] == "MyActivations>Softsign" and entry["config"] == {"scale": 3.0}
    loaded = load_model(tmp_path / "m.gn")
    assert type(loaded.layers[0].activation.function) is Softsign
    X = data()[0]
    Z = X @ model.layers[0].kernel + model.layers[0].bias
    np.testing.assert_allclose(loaded.predict(X, verbose=0), 3.0 * Z / (1 + np.abs(Z)), rtol=1e-12)


@pytest.mark.parametrize("suffix, config_name", [(".gn", "model.json"), (".keras", "config.json")])
def test_a_file_setting_a_huge_size_on_a_custom_layer_is_refused_before_its_build_allocates(tmp_path, suffix,
                                                                                              config_name):
    # a 500-byte file declaring CustomDense(units=30_000_000) built 2 GB for 30 s before its shapes were compared
    register_all()
    model = Sequential([glassnet.Input((3,)), CustomDense(2)])
    if suffix == ".gn":
        model.save(tmp_path / "m.gn")
    else:
        model.export(tmp_path / "m.keras", format="keras")
    with zipfile.ZipFile(tmp_path / f"m{suffix}") as zin:
        members = {name: zin.read(name) for name in zin.namelist()}
    config = json.loads(members[config_name])
    spec = config["model"] if suffix == ".gn" else config["config"]
    next(layer for layer in spec["layers"] if layer["class_name"] == "CustomDense")["config"]["units"] = 30_000_000
    members[config_name] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / f"forged{suffix}", "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    with pytest.raises(ValueError, match=r"custom layer 'custom_dense' \(CustomDense\) sets units=30,000,000, more "
                                         r"than the values its weights hold"):
        load_model(tmp_path / f"forged{suffix}")


def cube(z):
    return z**3


cube.derivative = lambda Z, A: 3 * Z**2  # (glassnet trains through an activation's derivative)


@pytest.mark.parametrize("suffix", [".gn", ".keras"])
def test_a_registered_function_activation_is_saved_by_name_as_keras_writes_it(tmp_path, suffix):
    # the saving guide registers custom_fn, a function, and uses it as an activation: saving refused it
    saving.register_keras_serializable(package="my_package", name="custom_fn")(cube)
    model = Sequential([glassnet.Input((3,)), layers.Dense(2, activation=cube)])
    X = data()[0]
    path = tmp_path / f"m{suffix}"
    model.save(path) if suffix == ".gn" else model.export(path, format="keras")
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("model.json" if suffix == ".gn" else "config.json"))
    spec = config["model"] if suffix == ".gn" else config["config"]
    assert spec["layers"][-1]["config"]["activation"] == {"module": "test_custom_objects", "class_name": "function",
                                                          "config": "my_package>custom_fn",
                                                          "registered_name": "function"}
    loaded = load_model(path)
    assert loaded.layers[0].activation.function is cube
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    _custom_objects.GLOBAL_CUSTOM_OBJECTS.clear()
    with pytest.raises(ValueError, match=r"Unknown function 'my_package>custom_fn'.*must be registered"):
        load_model(path)
    passed = load_model(path, custom_objects={"my_package>custom_fn": cube})
    assert passed.layers[0].activation.function is cube


def squared_error(y_true, y_pred):
    """``J_i = mean_k (a − y)²``, a loss function as Keras's compile(loss=fn) takes one."""
    return np.mean((y_pred - y_true) ** 2, axis=-1)


squared_error.per_sample_gradient = lambda Y, A: 2 * (A - Y) / A.shape[-1]  # (glassnet trains through it)


def absolute_error(y_true, y_pred):
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def register_functions():
    saving.register_keras_serializable(package="my")(squared_error)
    saving.register_keras_serializable(package="my")(absolute_error)


def function_model():
    X, y = data()
    model = Sequential([glassnet.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)], dtype="float64")
    model.compile(optimizer="adam", loss=squared_error, metrics=[absolute_error])
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    return model


def test_registered_loss_and_metric_functions_are_saved_by_name_and_training_resumes_bit_for_bit(tmp_path):
    # compile(loss=fn) was refused, and a metric function was left out of the file with a warning
    register_functions()
    model = function_model()
    model.save(tmp_path / "m.gn")
    spec = saved_config(tmp_path / "m.gn")["compile"]
    assert spec["loss"] == {"module": __name__, "class_name": "function", "config": "my>squared_error",
                            "registered_name": "function"}
    assert spec["metrics"][0]["config"] == "my>absolute_error"
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.loss.function is squared_error and loaded._metric_ids == [absolute_error]
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    X, y = data()
    A = model.predict(X, verbose=0)
    expected = {"loss": np.mean((A - y) ** 2), "absolute_error": np.mean(np.abs(A - y))}
    assert loaded.evaluate(X, y, verbose=0, return_dict=True) == pytest.approx(expected, rel=1e-12)
    assert_trains_on_identically(model, loaded)


def test_a_loss_function_needs_its_gradient():
    model = Sequential([glassnet.Input((3,)), layers.Dense(1)])
    with pytest.raises(TypeError, match="Give the function a per_sample_gradient"):
        model.compile(loss=absolute_error)
    with pytest.raises(ValueError, match="function must be a function fn.*per_sample_gradient"):  # a forged file
        losses.get({"class_name": "FunctionLoss", "config": {"function": "os.system"}})


def test_a_keras_file_with_registered_function_loss_and_metric_loads_both_ways(tmp_path):
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")
    ops = keras.ops

    @keras.saving.register_keras_serializable("my", name="squared_error")
    def keras_loss(y_true, y_pred):  # Keras's side, by the same registered names
        return ops.mean((y_pred - y_true) ** 2, axis=-1)

    @keras.saving.register_keras_serializable("my", name="absolute_error")
    def keras_metric(y_true, y_pred):
        return ops.mean(ops.abs(y_pred - y_true), axis=-1)
    try:
        X, y = data()
        keras.utils.set_random_seed(0)
        peer = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        peer.compile(optimizer="adam", loss=keras_loss, metrics=[keras_metric])
        peer.save(tmp_path / "k.keras")
        register_functions()
        loaded = load_model(tmp_path / "k.keras")
        assert loaded.loss.function is squared_error and loaded._metric_ids == [absolute_error]
        A = np.asarray(peer(X.astype(np.float32)), dtype=np.float64)
        result = loaded.evaluate(X, y, verbose=0, return_dict=True)
        assert result == pytest.approx({"loss": np.mean((A - y) ** 2), "absolute_error": np.mean(np.abs(A - y))},
                                       rel=1e-5)
        # and glassnet's file in Keras: the functions compiled in by their registered names
        model = function_model()
        model.export(tmp_path / "g.keras", format="keras")
        peer = keras.saving.load_model(tmp_path / "g.keras")
        assert peer.loss is keras_loss
        A = model.predict(X, verbose=0)
        result = peer.evaluate(X.astype(np.float32), y.astype(np.float32), verbose=0, return_dict=True)
        # (Keras logs a metric function under its __name__: the function Keras's program registered)
        assert result == pytest.approx({"loss": np.mean((A - y) ** 2), "keras_metric": np.mean(np.abs(A - y))},
                                       rel=1e-5)
    finally:
        for name in ("my>squared_error", "my>absolute_error"):
            keras.saving.get_custom_objects().pop(name, None)


def test_unregistered_functions_are_refused_at_save_saying_how_to_register_them(tmp_path):
    # Keras 3.15 saves them by their bare names without a word, and its load_model fails: "Could not locate
    # function 'absolute_error'"; glassnet says so at save, with the fix
    model = function_model()
    fix = (r"it is not registered, so a model file cannot name it; decorate it with "
           r"@glassnet.saving.register_keras_serializable\(\) \(it is then saved as 'Custom>{0}', which load_model "
           r"finds where it is registered the same way, or with custom_objects=\{{'Custom>{0}': {0}\}}\)")
    with pytest.warns(UserWarning, match=r"compile settings are not saved.*Cannot save the loss function "
                                         r"'squared_error': " + fix.format("squared_error")):
        model.save(tmp_path / "m.gn")
    assert saved_config(tmp_path / "m.gn")["compile"] is None
    saving.register_keras_serializable()(squared_error)
    with pytest.warns(UserWarning, match=r"Cannot save the metric function 'absolute_error': "
                                         + fix.format("absolute_error") + r"\. The rest of the model is saved"):
        model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").loss.function is squared_error
    with pytest.raises(ValueError, match=r"Cannot write a Keras file: cannot save the metric function "
                                         r"'absolute_error': it is not registered"):
        model.export(tmp_path / "m.keras", format="keras")
    with pytest.raises(ValueError, match=r"Cannot save the activation lambda: it has no name a model file could "
                                         r"hold; define it with def"):
        Sequential([glassnet.Input((3,)), layers.Dense(2, activation=lambda Z: Z)]).save(tmp_path / "a.gn")
    with pytest.raises(ValueError, match=r"Cannot save the activation function 'cube': " + fix.format("cube")):
        Sequential([glassnet.Input((3,)), layers.Dense(2, activation=cube)]).save(tmp_path / "a.gn")


def test_a_file_naming_an_unknown_function_says_how_to_pass_it(tmp_path):
    register_functions()
    function_model().save(tmp_path / "m.gn")
    _custom_objects.GLOBAL_CUSTOM_OBJECTS.clear()
    with pytest.raises(ValueError, match=r"Unknown function 'my>squared_error'.*register_keras_serializable.*"
                                         r"custom_objects=\{'my>squared_error': fn\}"):
        load_model(tmp_path / "m.gn")
    # under its bare name it is not the file's 'my>squared_error' (Keras 3.15 refuses it too)
    with pytest.raises(ValueError, match="Unknown function 'my>squared_error'"):
        load_model(tmp_path / "m.gn", custom_objects={"squared_error": squared_error,
                                                      "absolute_error": absolute_error})
    assert load_model(tmp_path / "m.gn", compile=False).compiled is False


def test_functions_given_under_the_files_names_in_custom_objects_or_a_scope_are_used_as_in_keras(tmp_path):
    register_functions()
    function_model().save(tmp_path / "m.gn")
    _custom_objects.GLOBAL_CUSTOM_OBJECTS.clear()

    def other_error(y_true, y_pred):  # another function under the file's name: the one given, as Keras
        return 2 * squared_error(y_true, y_pred)

    other_error.per_sample_gradient = lambda Y, A: 4 * (A - Y) / A.shape[-1]
    given = {"my>squared_error": other_error, "my>absolute_error": absolute_error}
    assert load_model(tmp_path / "m.gn", custom_objects=given).loss.function is other_error
    with saving.custom_object_scope(given):
        loaded = load_model(tmp_path / "m.gn")
    assert loaded.loss.function is other_error and loaded._metric_ids == [absolute_error]
    # a function found under the loss's name without a gradient: said, not a "malformed" file
    with pytest.raises(ValueError, match=r"its loss cannot be compiled: .*per_sample_gradient.*compile=False"):
        load_model(tmp_path / "m.gn", custom_objects={**given, "my>squared_error": absolute_error})
    with pytest.raises(ValueError, match="Unknown function 'my>absolute_error'"):  # a class is not a function
        load_model(tmp_path / "m.gn", custom_objects={**given, "my>absolute_error": WithinTolerance})


def test_a_function_named_as_a_built_in_is_never_taken_for_it(tmp_path):
    def mse(y_true, y_pred):  # the user's "mse": ten times the built-in
        return 10 * np.mean((y_pred - y_true) ** 2, axis=-1)

    saving.register_keras_serializable("my")(mse)
    X, y = data()
    model = Sequential([glassnet.Input((3,)), layers.Dense(1)], dtype="float64")
    model.compile(loss="mse", metrics=[mse, "mse"])
    model.save(tmp_path / "m.gn")
    assert saved_config(tmp_path / "m.gn")["compile"]["metrics"][0]["config"] == "my>mse"
    loaded = load_model(tmp_path / "m.gn")
    assert loaded._metric_ids == [mse, "mse"]
    A = model.predict(X, verbose=0)
    result = loaded.evaluate(X, y, verbose=0)
    assert result == pytest.approx([np.mean((A - y) ** 2), 10 * np.mean((A - y) ** 2), np.mean((A - y) ** 2)])
    # as Keras 3.15: a name the program's own objects define (custom_objects, a scope) is theirs
    assert load_model(tmp_path / "m.gn", custom_objects={"mse": mse})._metric_ids == [mse, mse]
    with saving.custom_object_scope({"mse": mse}):
        assert load_model(tmp_path / "m.gn")._metric_ids == [mse, mse]


def test_every_registrys_deserialize_takes_keras_custom_objects():
    # Keras's deserialize(config, custom_objects=None); glassnet's took config alone (a TypeError): only a
    # custom_object_scope around the call made a user's class known
    import inspect

    from glassnet import (activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers,
                          schedules)

    for module in (activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers,
                   schedules):
        assert list(inspect.signature(module.deserialize).parameters) == ["config", "custom_objects"], module

    class Slower(optimizers.SGD):
        pass

    class Halving(schedules.ExponentialDecay):
        pass

    made = optimizers.deserialize({"class_name": "Slower", "config": optimizers.SGD(0.3).get_config()},
                                  custom_objects={"Slower": Slower})
    assert type(made) is Slower and made.learning_rate == 0.3
    made = schedules.deserialize({"class_name": "Halving", "config": {"initial_learning_rate": 0.1, "decay_steps": 10,
                                                                      "decay_rate": 0.5}},
                                 custom_objects={"Halving": Halving})
    assert type(made) is Halving and made(10) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="Slower"):
        optimizers.deserialize({"class_name": "Slower", "config": {}})  # (known only while it read that config)
