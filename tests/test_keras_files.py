"""Keras 3 models brought into glassnet: Sequential configurations (``to_json``,
``get_config``) and ``.keras`` files. The fixtures under ``tests/data/keras`` were
written by Keras itself (``make_fixtures.py``); these tests read them without Keras."""

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
