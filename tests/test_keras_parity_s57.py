"""Keras 3.15 parity leftovers of session 56, mended in session 57: a layer's ``dtype`` before its build, a model's
``add_weight`` and (unbuilt, subclassed) ``compute_output_shape``, a float ``Input`` dtype in ``.keras`` files, Keras's
keyword names (``InputLayer(autocast=...)``, ``OrthogonalRegularizer()(inputs=...)``) and ``History``'s repr. The Keras
figures were computed with Keras 3.15.1 on JAX."""

import inspect
import json
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import constraints, initializers, layers, models, regularizers
from glassnet.models import Sequential, load_model, model_from_json

X = np.array([[1.0, 2.0, 3.0], [0.1, 0.2, 1 / 3]])


# -- a layer's dtype before its build ------------------------------------------------------------------------------

def test_a_layers_dtype_is_its_policys_before_the_build_as_kerass():
    # Keras: Dense(2).dtype and .compute_dtype 'float32', Dense(2, dtype="float64").dtype 'float64', Dropout(0.1).dtype
    # 'float32', a layer made after set_floatx("float64") 'float64' (fixed when made); glassnet's dtype was None
    assert (layers.Dense(2).dtype, layers.Dense(2).compute_dtype) == ("float32", "float32")
    assert layers.Dense(2, dtype="float64").dtype == "float64" and layers.Dropout(0.1).dtype == "float32"
    assert layers.SpectralNormalization(layers.Dense(2)).dtype == "float32"
    previous = glassnet.config.floatx()
    glassnet.config.set_floatx("float64")
    try:
        made = layers.Dense(2)
    finally:
        glassnet.config.set_floatx(previous)
    assert made.dtype == "float64" and made.dtype_policy.name == "float64"


def test_layers_given_no_dtype_still_take_their_models_and_keep_none_in_their_config():
    dense, dropout, wrapped = layers.Dense(2), layers.Dropout(0.1), layers.SpectralNormalization(layers.Dense(2))
    model = Sequential([layers.Input((3,)), dense, dropout, wrapped], dtype="float64")
    model.build()
    assert [layer.dtype for layer in model.layers] == ["float64"] * 3
    assert dense.kernel.dtype == np.float64 and wrapped.weights[0].dtype == np.float64
    # a layer given float64 among layers given none makes a float64 model (they name no dtype to clash with)
    assert Sequential([layers.Input((3,)), layers.Dense(2, dtype="float64"), layers.Dense(1)]).dtype == "float64"
    assert "dtype" not in layers.Dense(2).get_config() and layers.Dense(2, dtype="float64").get_config()["dtype"]


# -- a model's add_weight and compute_output_shape -----------------------------------------------------------------

class _Scaled(models.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)
        self.scale = self.add_weight(shape=(2,), initializer="ones")  # Keras's subclassing guide

    def call(self, x):
        return self.dense(x) * self.scale


class _Block(models.Model):
    def __init__(self):
        super().__init__()
        self.hidden, self.out = layers.Dense(4), layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))


def test_a_models_add_weight_says_what_to_write_instead():
    # an AttributeError ("'_Scaled' object has no attribute 'add_weight'") named no reason
    with pytest.raises(NotImplementedError, match=r"_Scaled called Keras's add_weight, which glassnet's models lack: "
                                                  r"a model holds the weights of its layers only.*Keep the weight in a layer"):
        _Scaled()
    with pytest.raises(NotImplementedError, match="Sequential called Keras's add_weight"):
        Sequential().add_weight(shape=(2,))


def test_an_unbuilt_subclassed_models_compute_output_shape_says_to_build_it():
    # Keras 3.15: NotImplementedError ("does not have a `compute_output_shape` method implemented"); glassnet's
    # ValueError said to add layers with model.add(...), which a subclass does not do
    model = _Block()
    with pytest.raises(NotImplementedError, match=r"\(_Block\) is not built, so its layers are not known yet.*"
                                                  r"Build it first \(model\.build\(\(None, 3\)\).*define compute_output_shape"):
        model.compute_output_shape((None, 3))
    assert not model.built
    with pytest.raises(TypeError, match="compute_output_shape takes a tuple of sizes"):
        model.compute_output_shape("3")
    model.build((None, 3))
    assert model.compute_output_shape((None, 3)) == (None, 2) and model.compute_output_shape((5, 3)) == (5, 2)


# -- a float Input dtype in .keras files ---------------------------------------------------------------------------

def _with_input(dtype, functional, units=2):
    dense = layers.Dense(units, kernel_initializer="ones", bias_initializer="ones")
    if functional:
        inputs = layers.Input((3,), dtype=dtype)
        return models.Model(inputs, dense(inputs))
    return Sequential([layers.Input((3,), dtype=dtype), dense])


def _keras_layers(path):
    return json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"]


@pytest.mark.parametrize("functional", [False, True])
def test_a_keras_file_keeps_a_wider_float_input_dtype_as_keras_writes_it(tmp_path, functional):
    # Keras 3.15 writes Input((3,), dtype="float64") of a float32 model as an InputLayer of dtype float64 (its inbound
    # tensor too) and reads it back so; glassnet wrote the model's float32, and read float32
    model = _with_input("float64", functional)
    path = tmp_path / "model.keras"
    model.export(path, format="keras")
    written = _keras_layers(path)
    assert written[0]["config"]["dtype"] == "float64"
    if functional:
        assert written[1]["inbound_nodes"][0]["args"][0]["config"]["dtype"] == "float64"
    loaded = load_model(path)
    assert (loaded.input.dtype, loaded.dtype) == ("float64", "float32")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_a_narrower_float_input_dtype_is_written_as_the_models_dtype(tmp_path):
    # Keras casts inputs to its InputLayer's dtype: a float16 one would round them (1/3 -> 0.33325), where glassnet
    # computes with them in the model's float32, so the file keeps the model's dtype there (as for an int32 Input)
    path = tmp_path / "model.keras"
    _with_input("float16", functional=False).export(path, format="keras")
    assert _keras_layers(path)[0]["config"]["dtype"] == "float32"


def test_glassnet_reads_a_keras_configs_float_input_dtype():
    # Keras 3.15's Sequential([Input((3,), dtype="float64"), Dense(2)]).to_json(), shortened: inputs[0].dtype float64
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    config = {"module": "keras", "class_name": "Sequential", "config": {
        "name": "sequential", "trainable": True, "dtype": policy, "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "config": {
                "batch_shape": [None, 3], "dtype": "float64", "sparse": False, "ragged": False, "name": "input_layer",
                "optional": False}, "registered_name": None},
            {"module": "keras.layers", "class_name": "Dense", "config": {
                "name": "dense", "trainable": True, "dtype": policy, "units": 2, "activation": "linear"},
             "registered_name": None, "build_config": {"input_shape": [None, 3]}}],
        "build_input_shape": [None, 3]}, "registered_name": None}
    model = model_from_json(json.dumps(config))
    assert (model.input.dtype, model.dtype) == ("float64", "float32")
    # a float32 InputLayer of a float32 model is no dtype given: the configuration keeps none
    config["config"]["layers"][0]["config"]["dtype"] = "float32"
    assert "input_dtype" not in model_from_json(json.dumps(config)).get_config()


@pytest.mark.parametrize("functional", [False, True])
def test_keras_reads_glassnets_float64_input_and_predicts_as_glassnet(tmp_path, keras_x64, functional):
    keras, _ = keras_x64
    model = _with_input("float64", functional)
    path = tmp_path / "model.keras"
    model.export(path, format="keras")
    theirs = keras.models.load_model(path)
    assert theirs.inputs[0].dtype == "float64"
    np.testing.assert_allclose(np.asarray(theirs.predict(X, verbose=0)), model.predict(X, verbose=0), rtol=1e-6)


# -- Keras's keyword names -----------------------------------------------------------------------------------------

def test_input_layer_takes_kerass_autocast_which_casts_nothing():
    # Keras's InputLayer takes every layer's autocast (and ignores it); glassnet's raised "unexpected keyword argument"
    for autocast in (True, False):
        assert layers.InputLayer(shape=(3,), autocast=autocast).shape == (None, 3)
    with pytest.raises(TypeError, match=r"autocast must be True or False\. Received: autocast='no'"):
        layers.InputLayer(shape=(3,), autocast="no")


# Keras 3.15's names of each __call__'s arguments (after self)
_CALL_NAMES = {
    **{f"regularizers.{name}": ["x"] for name in ("Regularizer", "L1", "L2", "L1L2")},
    "regularizers.OrthogonalRegularizer": ["inputs"],
    **{f"constraints.{name}": ["w"] for name in ("Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm")},
    **{f"initializers.{name}": ["shape", "dtype"] for name in (
        "Initializer", "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "LecunNormal",
        "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
        "Zeros")},
}


@pytest.mark.parametrize("name", sorted(_CALL_NAMES))
def test_regularizers_constraints_and_initializers_take_kerass_keyword_names(name):
    module, cls = name.split(".")
    found = getattr({"regularizers": regularizers, "constraints": constraints, "initializers": initializers}[module], cls)
    assert list(inspect.signature(found.__call__).parameters)[1:] == _CALL_NAMES[name]


def test_orthogonal_regularizer_called_by_kerass_keyword():
    # rows [1, 0] and [1, 1]: unit rows at a cosine of √½, penalty 0.01 · 2√½ / (2 · 1) (Keras: 0.0070710676)
    assert regularizers.OrthogonalRegularizer()(inputs=[[1.0, 0.0], [1.0, 1.0]]) == pytest.approx(0.01 * np.sqrt(0.5))


# -- History's repr ------------------------------------------------------------------------------------------------

def test_history_shows_its_epochs_and_keys():
    # Keras's is object's default, <keras.src.callbacks.history.History object at 0x...>, as glassnet's was
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, validation_split=0.25, verbose=0)
    assert repr(history) == "<History epochs=2 keys=['loss', 'val_loss']>"
    assert repr(glassnet.callbacks.History()) == "<History epochs=0 keys=[]>"
