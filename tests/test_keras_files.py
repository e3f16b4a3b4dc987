"""Keras 3 models brought into glassnet: Sequential configurations (``to_json``,
``get_config``) and ``.keras`` files. The fixtures under ``tests/data/keras`` were
written by Keras itself (``make_fixtures.py``); these tests read them without Keras."""

import json
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import initializers, layers
from glassnet.models import Sequential

#: BatchNormalization as Keras 3.15 serializes it (keras.saving.serialize_keras_object)
KERAS_BATCHNORM = {
    "module": "keras.layers", "class_name": "BatchNormalization", "registered_name": None,
    "build_config": {"input_shape": [None, 8]},
    "config": {
        "name": "batch_normalization", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None},
        "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None},
        "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None},
        "moving_mean_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                    "registered_name": None},
        "moving_variance_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {},
                                        "registered_name": None},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None,
        "synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
    },
}


# -- BatchNormalization's Keras arguments ------------------------------------------------
def test_batchnorm_reads_keras_3_config():
    layer = layers.deserialize(KERAS_BATCHNORM)
    layer.build((8,))
    gamma, beta, mean, variance = layer.get_weights()
    np.testing.assert_array_equal(gamma, np.ones(8))
    np.testing.assert_array_equal(beta, np.zeros(8))
    np.testing.assert_array_equal(mean, np.zeros(8))
    np.testing.assert_array_equal(variance, np.ones(8))
    assert layer.get_config() == {"name": "batch_normalization", "dtype": "float32", "momentum": 0.99, "epsilon": 0.001}


def test_batchnorm_initializers_give_the_first_weights_and_are_saved():
    layer = layers.BatchNormalization(beta_initializer="ones", gamma_initializer=initializers.Constant(0.5),
                                      moving_mean_initializer=initializers.Constant(-1.0),
                                      moving_variance_initializer={"class_name": "Constant", "config": {"value": 2.0}})
    layer.build((3,))
    np.testing.assert_array_equal(np.stack(layer.get_weights()), [[0.5] * 3, [1.0] * 3, [-1.0] * 3, [2.0] * 3])
    config = layer.get_config()
    assert config["moving_variance_initializer"] == {"class_name": "Constant", "config": {"value": 2.0}}
    again = layers.BatchNormalization.from_config(config)
    again.build((3,))
    np.testing.assert_array_equal(np.stack(again.get_weights()), np.stack(layer.get_weights()))


def test_batchnorm_keeps_seeded_weights_of_later_layers():
    # Keras's default initializers of beta and the moving statistics draw nothing from the
    # global generator, so the next Dense's seeded kernel is what it always was
    glassnet.utils.set_random_seed(3)
    model = Sequential([layers.Input((5,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(2)])
    assert model.get_weights()[-2][0].tolist() == [-0.5293881297111511, -0.3740076422691345]


@pytest.mark.parametrize("key, value, default", [
    ("renorm", True, "False"), ("synchronized", True, "False"), ("renorm_momentum", 0.9, "0.99"),
    ("renorm_clipping", {"rmax": 3.0}, "None"), ("beta_regularizer", "l2", "None"), ("gamma_regularizer", "l1", "None"),
])
def test_batchnorm_refuses_keras_arguments_away_from_their_defaults(key, value, default):
    with pytest.raises(ValueError, match=f"BatchNormalization has no {key} .*only {key}={default}, Keras's default"):
        layers.BatchNormalization(**{key: value})
    with pytest.raises(ValueError, match=f"no {key}"):
        layers.deserialize({**KERAS_BATCHNORM, "config": {**KERAS_BATCHNORM["config"], key: value}})


def test_batchnorm_refuses_an_unknown_initializer_by_name():
    with pytest.raises(ValueError, match="Unknown initializer 'nope'"):
        layers.BatchNormalization(moving_mean_initializer="nope")


# -- Sequential configurations from Keras (no h5py needed) ------------------------------
DATA = Path(__file__).resolve().parent / "data" / "keras"


def keras_json(name):
    return (DATA / f"{name}.json").read_text()


def keras_config(name):
    return json.loads(keras_json(name))["config"]


def test_model_from_json_reads_keras_to_json():
    model = glassnet.models.model_from_json(keras_json("classifier"))
    assert model.built and model.input_shape == (None, 4) and model.output_shape == (None, 3)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "BatchNormalization", "Dropout", "Dense"]
    assert [w.shape for w in model.get_weights()] == [(4, 8), (8,), (8,), (8,), (8,), (8,), (8, 3), (3,)]
    assert model.layers[2].rate == 0.25 and model.layers[3].activation.__class__.__name__ == "Softmax"


def test_sequential_from_config_reads_keras_get_config():
    model = Sequential.from_config(keras_config("regression"))
    assert model.input_shape == (None, 3)
    assert [type(layer).__name__ for layer in model.layers] == [
        "Normalization", "Dense", "BatchNormalization", "LayerNormalization", "Dense"]
    assert model.layers[1].use_bias is False and model.layers[2].center is False and model.layers[2].momentum == 0.5


def test_from_config_reads_tf_keras_batch_input_shape_and_build_input_shape():
    config = keras_config("classifier")
    first, rest = config["layers"][0], config["layers"][1:]
    tf_keras_input = {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                             "sparse": False, "ragged": False, "name": "dense_input"}}
    on_first_layer = {**rest[0], "config": {**rest[0]["config"], "batch_input_shape": [None, 4]}}
    assert first["class_name"] == "InputLayer"
    for layers_, extra in (([tf_keras_input, *rest], {}), ([on_first_layer, *rest[1:]], {}),
                           (rest, {"build_input_shape": [None, 4]})):
        model = Sequential.from_config({**config, "layers": layers_, **extra})
        assert model.built and model.input_shape == (None, 4) and len(model.layers) == 4
    unbuilt = {key: value for key, value in config.items() if key != "build_input_shape"}
    assert not Sequential.from_config({**unbuilt, "layers": rest}).built  # no shape anywhere: not built, as Keras


def test_from_config_refuses_an_input_layer_after_the_first():
    config = keras_config("classifier")
    layers_ = config["layers"]
    with pytest.raises(ValueError, match="InputLayer can only be the first layer"):
        Sequential.from_config({**config, "layers": [layers_[0], layers_[1], layers_[0], *layers_[2:]]})
    with pytest.raises(ValueError, match="input_shape \\(5,\\) and its InputLayer's shape \\(4,\\) disagree"):
        Sequential.from_config({**config, "input_shape": [5]})


def test_an_unknown_keras_layer_is_named_with_glassnets_layers():
    with pytest.raises(ValueError, match="Unknown layer 'Conv2D'.*Valid: Activation, BatchNormalization, Dense.*"
                                         "Flatten the pixels and use Dense layers"):
        glassnet.models.model_from_json(keras_json("conv"))


def test_a_keras_functional_model_is_refused_by_name():
    with pytest.raises(ValueError, match="Keras Functional model: glassnet reads Sequential models only"):
        glassnet.models.model_from_json(keras_json("functional"))

