"""Keras 3 models brought into glassnet: Sequential configurations (``to_json``,
``get_config``) and ``.keras`` files. The fixtures under ``tests/data/keras`` were
written by Keras itself (``make_fixtures.py``); these tests read them without Keras."""

import io
import json
import os
import re
import shutil
import sys
import warnings
import zipfile
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
    ("renorm_clipping", {"rmax": 3.0}, "None"),
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


def test_keras_leaky_relu_is_read_with_keras_slope_in_every_reader(tmp_path, h5py):
    # Keras 3's activation "leaky_relu" is leaky_relu(x, negative_slope=0.2) (Keras 3.15: Dense(1,
    # "leaky_relu", kernel_initializer="ones") gives -0.2 at -1); glassnet's own name keeps its 0.01 (SPEC A1)
    config = keras_config("classifier")
    hidden = config["layers"][1]
    assert hidden["class_name"] == "Dense"
    config["layers"][1] = {**hidden, "config": {**hidden["config"], "activation": "leaky_relu"}}
    keras_document = {"module": "keras", "class_name": "Sequential", "config": config}
    for model in (Sequential.from_config(config), glassnet.models.model_from_json(json.dumps(keras_document)),
                  Sequential.from_config({**config, "layers": config["layers"][1:], "build_input_shape": [None, 4]})):
        assert model.layers[0].activation.negative_slope == 0.2
    own = Sequential([layers.Input((4,)), layers.Dense(8, activation="leaky_relu")])
    for model in (Sequential.from_config(own.get_config()), glassnet.models.model_from_json(own.to_json()),
                  Sequential.from_config({"input_shape": [4], "layers": [
                      {"class_name": "Dense", "config": {"units": 8, "activation": "leaky_relu"}}]})):
        assert model.layers[0].activation.negative_slope == 0.01


def test_from_config_refuses_an_input_layer_after_the_first():
    config = keras_config("classifier")
    layers_ = config["layers"]
    with pytest.raises(ValueError, match="InputLayer can only be the first layer"):
        Sequential.from_config({**config, "layers": [layers_[0], layers_[1], layers_[0], *layers_[2:]]})
    with pytest.raises(ValueError, match="input_shape \\(5,\\) and its InputLayer's shape \\(4,\\) disagree"):
        Sequential.from_config({**config, "input_shape": [5]})


def test_an_unknown_keras_layer_is_named_with_glassnets_layers():
    with pytest.raises(ValueError, match="Unknown layer 'Conv2D'.*Valid: Activation, ActivityRegularization, "
                                         "AlphaDropout, BatchNormalization, CategoryEncoding, Dense.*Flatten the "
                                         "pixels and use Dense layers"):
        glassnet.models.model_from_json(keras_json("conv"))


def test_a_keras_functional_chain_reads_as_the_sequential_of_its_layers():
    # keras.Model(inputs, Dense(2)(inputs)), and the functional API guide's MLP (Dense, Dropout,
    # BatchNormalization, Dense called one on the other)
    single = glassnet.models.model_from_json(keras_json("functional"))
    assert type(single) is Sequential and single.name == "functional_3"
    assert [(type(layer).__name__, layer.name) for layer in single.layers] == [("Dense", "dense_5")]
    assert single.input_shape == (None, 3) and single.output_shape == (None, 2)
    model = glassnet.models.model_from_json(keras_json("functional_chain"))
    assert model.name == "mnist_model" and model.input_shape == (None, 6) and model.output_shape == (None, 3)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "BatchNormalization", "Dense"]
    assert model.layers[1].rate == 0.2 and type(model.layers[3].activation).__name__ == "Softmax"


def test_a_tf_keras_2_functional_chain_reads_too():
    # tf.keras 2's to_json(): inbound nodes as [[layer, node, tensor, kwargs]], batch_input_shape
    dense = {"class_name": "Dense", "config": {"name": "hidden", "trainable": True, "dtype": "float32", "units": 3,
                                               "activation": "relu", "use_bias": True}}
    out = {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "sigmoid"}}
    spec = {"class_name": "Functional", "keras_version": "2.15.0", "backend": "tensorflow", "config": {
        "name": "model", "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                    "name": "input_1"}, "name": "input_1", "inbound_nodes": []},
            {**out, "name": "out", "inbound_nodes": [[["hidden", 0, 0, {}]]]},  # listed before its input
            {**dense, "name": "hidden", "inbound_nodes": [[["input_1", 0, 0, {}]]]}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["out", 0, 0]]}}
    model = glassnet.models.model_from_json(json.dumps(spec))
    assert [layer.name for layer in model.layers] == ["hidden", "out"] and model.input_shape == (None, 4)
    assert model.output_shape == (None, 1) and model.count_params() == 4 * 3 + 3 + 3 + 1



def test_a_tf_keras_2_3_functional_chain_named_model_reads_too():
    # tf.keras before 2.4 (and Keras 2) wrote a functional model's class as "Model": it was refused
    # as "a subclassed Keras Model". TensorFlow 2.0's to_json() of Input(72) -> Dense(32, relu) -> Dense(10):
    def dense(name, units, activation, source):
        config = {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
                  "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                  "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
                  "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                  "bias_constraint": None}
        return {"name": name, "class_name": "Dense", "config": config, "inbound_nodes": [[[source, 0, 0, {}]]]}

    spec = {"class_name": "Model", "config": {"name": "model_1", "layers": [
        {"name": "input_2", "class_name": "InputLayer", "config": {"batch_input_shape": [None, 72], "dtype": "float32",
                                                                   "sparse": False, "name": "input_2"},
         "inbound_nodes": []},
        dense("dense_5", 32, "relu", "input_2"), dense("dense_7", 10, "softmax", "dense_5")],
        "input_layers": [["input_2", 0, 0]], "output_layers": [["dense_7", 0, 0]]},
        "keras_version": "2.2.4-tf", "backend": "tensorflow"}
    model = glassnet.models.model_from_json(json.dumps(spec))
    assert [layer.name for layer in model.layers] == ["dense_5", "dense_7"] and model.input_shape == (None, 72)
    assert model.output_shape == (None, 10) and model.name == "model_1"
    spec["config"]["output_layers"] = [["dense_5", 0, 0]]  # and refused as a Functional model when not a chain
    with pytest.raises(ValueError, match="describes a Keras Functional model that glassnet cannot read: its layer "
                                         "'dense_7' is not on the path"):
        glassnet.models.model_from_json(json.dumps(spec))

@pytest.mark.parametrize("name, match", [
    ("branching", r"its layer 'add' takes 2 inputs \(a merge of branches\).*Rebuild the model as keras.Sequential"),
    ("shared", r"its layer 'dense\w*' is called 2 times \(a shared layer\).*Rebuild the model as keras.Sequential"),
    ("two_outputs", r"its model has 1 input and 2 outputs; .*save one model per output, keras.Model\(inputs, output\)"),
])
def test_a_keras_functional_model_that_is_not_a_chain_is_refused_by_what_it_has(name, match):
    with pytest.raises(ValueError, match="json_string describes a Keras Functional model that glassnet cannot read: "
                                         f"{match}"):
        glassnet.models.model_from_json(keras_json(name))


def _called_with_an_argument(config):
    config["layers"][2]["inbound_nodes"][0]["kwargs"] = {"training": True, "rate": 0.5}  # (Keras's own: training)


def _unused_branch(config):
    extra = json.loads(json.dumps(config["layers"][1]))
    extra["name"] = extra["config"]["name"] = "probe"
    config["layers"].append(extra)  # a Dense on the input whose output nothing uses


def _output_not_from_input(config):
    del config["layers"][2]["inbound_nodes"][0]["args"][0]["config"]["keras_history"]


# malformed parts reached Python as KeyError: 0, TypeError: object of type 'int' has no len() and
# AttributeError: 'list' object has no attribute 'items' (or 'get') instead of a ValueError
def _inbound_nodes_of_a_dict(config):
    config["layers"][2]["inbound_nodes"] = {"0": config["layers"][2]["inbound_nodes"][0]}


def _inbound_nodes_of_a_number(config):
    config["layers"][2]["inbound_nodes"] = 1


def _kwargs_of_a_list(config):
    config["layers"][2]["inbound_nodes"][0]["kwargs"] = [True]


def _tensor_config_of_a_list(config):
    config["layers"][2]["inbound_nodes"][0]["args"][0]["config"] = ["dense", 0, 0]



def _dict_input(config):
    # keras.Model({"input_layer": inputs}, outputs) writes {name: [layer, 0, 0]} (Keras 3.15),
    # which was called "a malformed input_layers"
    config["input_layers"] = {"input_layer": config["input_layers"]}


@pytest.mark.parametrize("edit, match", [
    (_dict_input, r"its model takes its inputs as a dict \(keys \['input_layer'\]\); glassnet reads functional "
                  r"models whose one input and one output are tensors"),
    (_called_with_an_argument, r"its layer 'dropout\w*' is called with \['rate'\]"),
    (_unused_branch, r"its layer 'probe' is not on the path from the input to the output \(a branch\)"),
    (_output_not_from_input, r"its layer 'dropout\w*' is called on something other than a layer's output"),
    (_inbound_nodes_of_a_dict, r"its layer 'dropout\w*' has malformed inbound_nodes: \{'0'"),
    (_inbound_nodes_of_a_number, r"its layer 'dropout\w*' has malformed inbound_nodes: 1"),
    (_kwargs_of_a_list, r"its layer 'dropout\w*' has a malformed inbound node"),
    (_tensor_config_of_a_list, r"its layer 'dropout\w*' is called on something other than a layer's output"),
])
def test_edited_functional_chains_are_refused_by_what_breaks_the_chain(edit, match):
    spec = json.loads(keras_json("functional_chain"))
    edit(spec["config"])
    with pytest.raises(ValueError, match=match):
        glassnet.models.model_from_json(json.dumps(spec))


def test_a_subclassed_keras_model_is_refused_by_name():
    with pytest.raises(ValueError, match="describes a subclassed Keras Model: glassnet reads Sequential models and "
                                         "functional models whose layers form one chain"):
        glassnet.models.model_from_json(json.dumps({"class_name": "Model", "config": {}}))


# -- .keras files ---------------------------------------------------------------------
@pytest.fixture
def h5py():
    return pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")


def rewritten(source, target, **members):
    """A copy of the zip ``source`` at ``target`` with ``members`` replaced (None: left out)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            key = name.replace(".", "_")
            if key not in members:
                zout.writestr(name, zin.read(name))
            elif members[key] is not None:
                zout.writestr(name, members[key])
    return target


def edited_config(name, edit):
    config = json.loads(zipfile.ZipFile(DATA / f"{name}.keras").read("config.json"))
    edit(config)
    return json.dumps(config)


def test_a_keras_mixed_float16_file_loads_as_float32_with_one_warning(h5py):
    # Keras's mixed precision computes in float16 on float32 weights; the policy in every layer's config
    # was refused as a malformed layer config
    with pytest.warns(UserWarning, match=r"'mixed_float16' \(Keras's mixed precision: float16 computations on "
                                         r"float32 weights\) is read as float32") as said:
        model = glassnet.models.load_model(DATA / "mixed_float16.keras")
    assert len([w for w in said if "mixed" in str(w.message)]) == 1  # not once per layer
    expected = np.load(DATA / "mixed_predictions.npz")
    assert model.dtype == "float32"
    outputs = model.predict(expected["x"])
    # Keras's hidden layer computed in float16 (3 significant digits); glassnet's in float32
    np.testing.assert_allclose(outputs, expected["y"], rtol=0, atol=2e-3)
    assert not np.array_equal(outputs, expected["y"])
    with pytest.warns(UserWarning, match="'mixed_bfloat16' .* is read as float32"):
        layer = glassnet.layers.Dense(2, dtype="mixed_bfloat16")  # the policy names work in code too
    assert layer.dtype == "float32"


def test_a_keras_functional_chain_file_loads_and_predicts_as_keras_did(tmp_path, h5py):
    model = glassnet.models.load_model(DATA / "functional_chain.keras")
    expected = np.load(DATA / "functional_predictions.npz")
    assert type(model) is Sequential and model.name == "mnist_model"
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], rtol=0, atol=1e-6)
    assert not np.allclose(model.layers[2].get_weights()[2], 0)  # BatchNormalization's trained moving mean
    assert model.compiled and type(model.loss).__name__ == "SparseCategoricalCrossentropy"
    assert model.metrics_names == ["loss", "accuracy"]
    model.save(tmp_path / "chain.gn")  # glassnet's own file from here on
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "chain.gn").predict(expected["x"]),
                                  model.predict(expected["x"]))
    branching = rewritten(DATA / "functional_chain.keras", tmp_path / "branching.keras",
                          config_json=keras_json("branching"))
    with pytest.raises(ValueError, match=r"Cannot load model file .*branching.keras'.*its layer 'add' takes 2 "
                                         r"inputs.*Rebuild it as keras.Sequential"):
        glassnet.models.load_model(branching)


def _layers_in(dtype, count=None):
    def edit(config):
        policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype}, "registered_name": None}
        for layer in config["config"]["layers"][1:][:count]:
            layer["config"]["dtype"] = policy  # as Keras writes Dense(..., dtype=dtype) or after set_floatx
    return edit


def test_a_keras_model_whose_layers_compute_in_float64_loads_as_a_float64_model(tmp_path, h5py):
    # Keras's Sequential keeps the float32 policy while its layers compute in theirs: the file was
    # refused with "Pass dtype='float64' to the model instead of the layer", advice for code, not a file
    path = rewritten(DATA / "classifier.keras", tmp_path / "f64.keras",
                     config_json=edited_config("classifier", _layers_in("float64")))
    model = glassnet.models.load_model(path)
    assert model.dtype == "float64" and all(w.dtype == np.float64 for w in model.get_weights())
    expected = np.load(DATA / "predictions.npz")
    np.testing.assert_allclose(model.predict(expected["classifier_x"], verbose=0), expected["classifier_y"], atol=1e-6)
    assert glassnet.models.model_from_json(edited_config("classifier", _layers_in("float64"))).dtype == "float64"
    mixed = edited_config("classifier", _layers_in("float64", count=2))  # dense and batch_normalization only
    with pytest.raises(ValueError, match=r"layers compute in different dtypes \(float32: dropout, dense_1; "
                                         r"float64: dense, batch_normalization\); a glassnet model computes in one"):
        glassnet.models.model_from_json(mixed)


@pytest.mark.parametrize("version, refused", [("2.15.0", True), ("3.15.1", False)])
def test_a_tf_keras_2_hard_sigmoid_is_refused_not_read_as_keras_3_s(tmp_path, h5py, version, refused):
    # TF-Keras 2's hard_sigmoid was clip(0.2 z + 0.5, 0, 1), Keras 3's relu6(z + 3)/6: at z = 1 0.7 against
    # 0.667; the name was read as Keras 3's and the model silently predicted other numbers
    def edit(config):
        config["config"]["layers"][1]["config"]["activation"] = "hard_sigmoid"

    path = rewritten(DATA / "classifier.keras", tmp_path / "hs.keras", config_json=edited_config("classifier", edit),
                     metadata_json=json.dumps({"keras_version": version, "date_saved": "2024-01-01@00:00:00"}))
    if refused:
        with pytest.raises(ValueError, match=r"written by Keras 2.15.0, whose hard_sigmoid is clip\(0.2·z \+ 0.5"):
            glassnet.models.load_model(path)
    else:
        assert glassnet.models.load_model(path).layers[0].activation.name == "hard_sigmoid"


@pytest.mark.parametrize("name", ["classifier", "regression"])
def test_load_model_predicts_as_keras_did(name, h5py):
    expected = np.load(DATA / "predictions.npz")
    model = glassnet.models.load_model(DATA / f"{name}.keras")
    predicted = model.predict(expected[f"{name}_x"], verbose=0)
    assert predicted.dtype == np.float32
    np.testing.assert_allclose(predicted, expected[f"{name}_y"], rtol=0, atol=1e-6)


def test_load_model_reads_the_weights_in_keras_order(h5py):
    model = glassnet.models.load_model(DATA / "classifier.keras")
    with zipfile.ZipFile(DATA / "classifier.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        stored = [h5[f"layers/{group}/vars/{i}"][()] for group, n in
                  (("dense", 2), ("batch_normalization", 4), ("dense_1", 2)) for i in range(n)]
    for got, want in zip(model.get_weights(), stored, strict=True):
        np.testing.assert_array_equal(got, want)
    assert not np.allclose(stored[4], 0) and not np.allclose(stored[5], 1)  # trained moving statistics


def test_load_model_compiles_with_keras_settings_and_the_optimizers_state(h5py):
    model = glassnet.models.load_model(DATA / "classifier.keras")
    assert model.compiled and type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(1e-3) and model.optimizer.iterations == 12
    with zipfile.ZipFile(DATA / "classifier.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        first_m, first_v = h5["optimizer/vars/2"][()], h5["optimizer/vars/3"][()]  # the first kernel's m and v
    np.testing.assert_array_equal(model.optimizer.state["m"][:first_m.size], first_m.ravel())
    np.testing.assert_array_equal(model.optimizer.state["v"][:first_v.size], first_v.ravel())
    assert type(model.loss).__name__ == "SparseCategoricalCrossentropy" and model.metrics_names == ["loss", "accuracy"]
    x = np.load(DATA / "predictions.npz")["classifier_x"]
    history = model.fit(x, np.array([0, 1, 2, 0, 1, 2]), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    regression = glassnet.models.load_model(DATA / "regression.keras")
    assert type(regression.optimizer).__name__ == "SGD" and regression.optimizer.momentum == pytest.approx(0.9)
    assert regression.metrics_names == ["loss", "mae"]
    assert not glassnet.models.load_model(DATA / "regression.keras", compile=False).compiled


def test_keras_compile_settings_glassnet_lacks_leave_the_model_uncompiled(tmp_path, h5py):
    def custom_loss(config):
        config["compile_config"]["loss"] = {"module": "builtins", "class_name": "FocalThing", "config": {},
                                            "registered_name": "Custom>FocalThing"}
    path = rewritten(DATA / "classifier.keras", tmp_path / "custom.keras",
                     config_json=edited_config("classifier", custom_loss))
    with pytest.warns(UserWarning, match="loaded uncompiled.*Unknown loss 'FocalThing'.*model.compile"):
        model = glassnet.models.load_model(path)
    assert not model.compiled
    expected = np.load(DATA / "predictions.npz")
    np.testing.assert_allclose(model.predict(expected["classifier_x"], verbose=0), expected["classifier_y"], atol=1e-6)


def test_keras_file_round_trips_through_glassnets_format(tmp_path, h5py):
    model = glassnet.models.load_model(DATA / "regression.keras")
    model.save(tmp_path / "regression.gn")
    again = glassnet.models.load_model(tmp_path / "regression.gn")
    for got, want in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    assert again.compiled and type(again.optimizer).__name__ == "SGD"
    expected = np.load(DATA / "predictions.npz")
    np.testing.assert_allclose(again.predict(expected["regression_x"], verbose=0), expected["regression_y"], atol=1e-6)


def test_load_model_tells_the_formats_apart_by_their_members(tmp_path, h5py):
    keras_file = tmp_path / "model.gn"
    shutil.copyfile(DATA / "classifier.keras", keras_file)
    assert [type(layer).__name__ for layer in glassnet.models.load_model(keras_file).layers][-1] == "Dense"
    glassnet.models.load_model(DATA / "classifier.keras").save(tmp_path / "own.keras")
    assert "model.json" in zipfile.ZipFile(tmp_path / "own.keras").namelist()
    assert glassnet.models.load_model(tmp_path / "own.keras").output_shape == (None, 3)


def _wider_first_dense(config):
    config["config"]["layers"][1]["config"]["units"] = 9


def _conv_layer(config):
    config["config"]["layers"][3] = {"module": "keras.layers", "class_name": "Conv2D", "config": {"filters": 2}}


def _functional(config):
    config["class_name"] = "Functional"


def _huge_dense(config):
    config["config"]["layers"][1]["config"]["units"] = 10**9


def _activation_glassnet_lacks(config):
    config["config"]["layers"][1]["config"]["activation"] = "rrelu"  # (PyTorch's; glassnet has every Keras 3.15 name)


def _batchnorm_renorm(config):
    config["config"]["layers"][2]["config"]["renorm"] = True


def _damaged_btree(data):
    """``data``, an HDF5 file, with the signature of its fifth B-tree node ("TREE", a layer's group)
    overwritten: h5py raises RuntimeError, not OSError, when it reads that group."""
    at = [i for i in range(len(data)) if data.startswith(b"TREE", i)][4]
    return data[:at] + b"XXXX" + data[at + 4:]


@pytest.mark.parametrize("members, match", [
    ({"model_weights_h5": None}, "the member 'model.weights.h5' \\(the weights\\) is missing"),
    ({"config_json": lambda: edited_config("classifier", _wider_first_dense)},
     "layers/dense/vars/0 \\(layer 'dense' \\(Dense\\)'s kernel\\) has shape \\(4, 8\\); the architecture needs "
     "\\(4, 9\\)"),
    ({"config_json": lambda: edited_config("classifier", _conv_layer)},
     "Unknown layer 'Conv2D' in saved config. Valid: Activation, ActivityRegularization, AlphaDropout, BatchNormalization"),
    # the layer named and the reason (the config of 1,000 characters of Keras's cut the reason off before)
    ({"config_json": lambda: edited_config("classifier", _activation_glassnet_lacks)},
     "The saved layer 'dense' \\(Dense\\) cannot be made: Unknown activation 'rrelu'"),
    ({"config_json": lambda: edited_config("classifier", _batchnorm_renorm)},
     "The saved layer 'batch_normalization' \\(BatchNormalization\\) cannot be made: glassnet's BatchNormalization "
     "has no renorm"),
    ({"config_json": lambda: edited_config("classifier", _functional)},
     "its Functional configuration has a layer without a name of its own"),
    ({"config_json": lambda: edited_config("classifier", _huge_dense)},
     "architecture needs 12,000,000,003 weights, more than its model.weights.h5"),
    ({"config_json": "{not json"}, "config.json is not valid JSON"),
    ({"model_weights_h5": b"not an HDF5 file" * 100}, "model.weights.h5 is not a readable HDF5 file"),
    ({"model_weights_h5": lambda: zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5")[:12000]},
     "model.weights.h5 is not a readable HDF5 file"),
    ({"model_weights_h5": lambda: _damaged_btree(zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5"))},
     "model.weights.h5 is not a readable HDF5 file.*wrong B-tree signature"),
])
def test_malformed_keras_files_are_refused_clearly(members, match, tmp_path, h5py):
    members = {key: value() if callable(value) else value for key, value in members.items()}
    path = rewritten(DATA / "classifier.keras", tmp_path / "bad.keras", **members)
    with pytest.raises(ValueError, match=f"Cannot load model file .*bad.keras'.*{match}"):
        glassnet.models.load_model(path)


def test_keras_file_missing_a_layers_weights_is_refused(tmp_path, h5py):
    data = zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5")
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as h5:
        del h5["layers/batch_normalization/vars/3"]
    path = rewritten(DATA / "classifier.keras", tmp_path / "bad.keras", model_weights_h5=buffer.getvalue())
    with pytest.raises(ValueError, match="holds 3 arrays under layers/batch_normalization/vars for layer "
                                         "'batch_normalization' \\(BatchNormalization\\), which has 4 weights "
                                         "\\(gamma, beta, moving_mean, moving_variance\\)"):
        glassnet.models.load_model(path)
    with h5py.File(buffer, "r+") as h5:
        h5["layers/conv2d/vars/0"] = np.zeros((3, 3, 1, 2), dtype="float32")
        h5["layers/batch_normalization/vars/3"] = np.ones(8, dtype="float32")
    path = rewritten(DATA / "classifier.keras", tmp_path / "extra.keras", model_weights_h5=buffer.getvalue())
    with pytest.raises(ValueError, match="holds weights for layers/conv2d, which the architecture does not have"):
        glassnet.models.load_model(path)


def _external_storage(h5, h5py, tmp_path):  # the bytes of a file on the reader's disk, as weights
    (tmp_path / "secret").write_bytes(np.arange(32, dtype="float32").tobytes())
    h5.create_dataset("layers/dense/vars/0", shape=(4, 8), dtype="<f4", external=[(str(tmp_path / "secret"), 0, 128)])


def _plugin_filter(h5, h5py, tmp_path):  # a filter HDF5 would look for as a plugin library
    h5.create_dataset("layers/dense/vars/0", data=np.ones((4, 8), "float32"), chunks=(4, 8), compression=32004,
                      allow_unknown_filter=True)


def _virtual(h5, h5py, tmp_path):  # another HDF5 file's values (reading one from memory crashed the process)
    with h5py.File(tmp_path / "other.h5", "w") as other:
        other["w"] = np.ones((4, 8), "float32")
    layout = h5py.VirtualLayout(shape=(4, 8), dtype="<f4")
    layout[:] = h5py.VirtualSource(str(tmp_path / "other.h5"), "w", shape=(4, 8))
    h5.create_virtual_dataset("layers/dense/vars/0", layout)


def _big_chunk(h5, h5py, tmp_path):  # HDF5 inflates a whole chunk: 1 GiB for a (4, 8) weight from a 1 MB file
    h5.create_dataset("layers/dense/vars/0", data=np.ones((4, 8), "float32"), maxshape=(None, None),
                      chunks=(512, 512), compression="gzip")


@pytest.mark.parametrize("store, match", [
    (_big_chunk, "is stored in chunks of shape \\(512, 512\\), larger than the array \\(4, 8\\) itself"),
    (_external_storage, "keeps its values in an external file \\('.*secret'\\)"),
    (_plugin_filter, "is compressed with the HDF5 filter\\(s\\) \\[32004\\], which are plugins"),
    (_virtual, "is a virtual dataset, which maps other files"),
])
def test_a_keras_weight_stored_outside_the_file_is_refused(store, match, tmp_path, h5py):
    buffer = io.BytesIO(zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5"))
    with h5py.File(buffer, "r+") as h5:
        del h5["layers/dense/vars/0"]
        store(h5, h5py, tmp_path)
    path = rewritten(DATA / "classifier.keras", tmp_path / "bad.keras", model_weights_h5=buffer.getvalue())
    with pytest.raises(ValueError, match="Cannot load model file .*bad.keras'.*model.weights.h5: layers/dense/vars/0 "
                                         f"\\(layer 'dense' \\(Dense\\)'s kernel\\) {match}"):
        glassnet.models.load_model(path)


@pytest.mark.parametrize("store", [
    lambda h5, h5py, tmp_path: h5.create_dataset("layers/dense/vars/0", data=h5py.Empty("float32")),
], ids=["empty dataset"])
def test_a_malformed_keras_weights_file_is_not_called_a_malformed_config(store, tmp_path, h5py):
    # "its config.json is malformed (TypeError: 'NoneType' object is not iterable)" sent the reader to the wrong member
    buffer = io.BytesIO(zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5"))
    with h5py.File(buffer, "r+") as h5:
        del h5["layers/dense/vars/0"]
        store(h5, h5py, tmp_path)
    path = rewritten(DATA / "classifier.keras", tmp_path / "bad.keras", model_weights_h5=buffer.getvalue())
    # (then "its model.weights.h5 is malformed (TypeError: ...)"): the member, the array and what is wrong, in words
    with pytest.raises(ValueError, match="Cannot load model file .*bad.keras': model.weights.h5: layers/dense/vars/0 "
                                         "\\(layer 'dense' \\(Dense\\)'s kernel\\) holds no values"):
        glassnet.models.load_model(path)


def _nested_spectral_normalization(config):
    layer = config["config"]["layers"][1]
    for i in range(260):
        layer = {"module": "keras.layers", "class_name": "SpectralNormalization", "registered_name": None,
                 "config": {"name": f"spectral_normalization_{i}", "layer": layer, "power_iterations": 1}}
    config["config"]["layers"][1] = layer


def _nested_loss_scale_optimizer(config):
    optimizer = config["compile_config"]["optimizer"]
    for _ in range(260):
        optimizer = {"module": "keras.optimizers", "class_name": "LossScaleOptimizer", "registered_name": None,
                     "config": {"name": "loss_scale_optimizer", "inner_optimizer": optimizer}}
    config["compile_config"]["optimizer"] = optimizer


@pytest.fixture
def python_s_recursion_limit():
    """Python's default recursion limit for the test (importing Keras raises it to 3000, and a file's 260 nested
    objects then build without a RecursionError)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(limit)


def test_objects_nested_too_deeply_to_build_are_a_malformed_config_json(tmp_path, h5py, python_s_recursion_limit):
    # valid JSON, but building 260 nested objects raised RecursionError: a RuntimeError, which the reader took for
    # h5py's ("its model.weights.h5 is not a readable HDF5 file"), or a bare RecursionError from the compile settings
    path = rewritten(DATA / "classifier.keras", tmp_path / "deep.keras",
                     config_json=edited_config("classifier", _nested_loss_scale_optimizer))
    with pytest.raises(ValueError, match=r"Cannot load model file .*deep.keras': config\.json is malformed: its "
                                         r"objects are nested too deeply to be built \(RecursionError\)\.$"):
        glassnet.models.load_model(path)


def test_a_spectral_normalization_of_one_is_refused_before_it_is_made(tmp_path, h5py):
    # 260 nested in a file were built from the innermost out (a RecursionError, or, under a higher recursion limit,
    # a message of 260 nested "Malformed layer config" reasons): the outermost is refused at once
    path = rewritten(DATA / "classifier.keras", tmp_path / "deep.keras",
                     config_json=edited_config("classifier", _nested_spectral_normalization))
    with pytest.raises(ValueError, match=r"Cannot load model file .*deep.keras'.*wraps a Dense or an Embedding "
                                         r"layer, not another SpectralNormalization") as refused:
        glassnet.models.load_model(path)
    assert len(str(refused.value)) < 2000


def test_a_keras_lambda_activation_is_refused_as_bytecode_glassnet_never_runs(tmp_path, h5py):
    # Keras 3.15 writes Dense(8, activation=lambda x: ...) as its marshalled bytecode (this value is that of
    # lambda x: x * 2); glassnet said "Unknown activation None in saved config"
    bytecode = {"value": ["4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwApAk7pAgAAAKkAqQHaAXhzAQAA\nACD6FS90bXAvczUwQi9t"
                          "a19rZXJhcy5wefoIPGxhbWJkYT5yBwAAAAMAAABzDQAAAIAA0FRV0FZX\n0VRXgADzAAAAAA==\n", None, None]}

    def lambda_activation(config):
        config["config"]["layers"][1]["config"]["activation"] = bytecode

    path = rewritten(DATA / "classifier.keras", tmp_path / "lambda.keras",
                     config_json=edited_config("classifier", lambda_activation))
    with pytest.raises(ValueError, match=r"Cannot load model file .*lambda.keras'.*The activation is a Python lambda "
                                         r"that Keras saved as its bytecode .*, code that glassnet never runs from a "
                                         r"file\. Define it with def, register it in Keras .*registered as a custom "
                                         r"activation"):
        glassnet.models.load_model(path)
    with pytest.raises(ValueError, match="The activation is a Python lambda that Keras saved as its bytecode"):
        glassnet.activations.deserialize(bytecode)


def test_an_optimizer_state_the_optimizer_refuses_says_how_to_load_the_model_uncompiled(tmp_path, h5py):
    # a negative learning rate in optimizer/vars was refused without the compile=False the other state errors give
    buffer = io.BytesIO(zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5"))
    with h5py.File(buffer, "r+") as h5:
        h5["optimizer/vars/1"][()] = -0.5  # Adam's learning rate, after its iterations
    path = rewritten(DATA / "classifier.keras", tmp_path / "bad.keras", model_weights_h5=buffer.getvalue())
    with pytest.raises(ValueError, match=r"Cannot load model file .*bad.keras': .*learning_rate.*-0\.5.* "
                                         r"\(load_model\(path, compile=False\) loads the model without its compile "
                                         r"settings\)\.$"):
        glassnet.models.load_model(path)
    assert not glassnet.models.load_model(path, compile=False).compiled


def test_compile_settings_too_large_for_memory_are_refused_naming_compile_false(tmp_path, h5py):
    # a metric of 10**7 × 10**7 counts (MeanIoU(num_classes=10**6) asked for 7.28 TiB): NumPy's MemoryError
    # came out of load_model
    def huge_metric(config):
        config["compile_config"]["metrics"] = [{"module": "tests", "class_name": "_Confusion", "registered_name":
                                                "_Confusion", "config": {"classes": 10**7}}]

    path = rewritten(DATA / "classifier.keras", tmp_path / "huge.keras",
                     config_json=edited_config("classifier", huge_metric))
    with pytest.raises(ValueError, match=r"Cannot load model file .*huge.keras': compiling it needs more memory than "
                                         r"there is \(MemoryError: .*\): a setting of its compile_config is too large.*"
                                         r"\(load_model\(path, compile=False\) loads the model without its compile "
                                         r"settings\)"):
        glassnet.models.load_model(path, custom_objects={"_Confusion": _Confusion})
    assert not glassnet.models.load_model(path, compile=False, custom_objects={"_Confusion": _Confusion}).compiled


def test_an_external_link_in_a_keras_weights_file_is_refused(tmp_path, h5py):
    # refused by what it is, as in a .weights.h5 file on disk, where HDF5 follows the link into the file it
    # names (tests/test_weights_h5.py); here (read from memory) HDF5 looked in the archive's own weights and
    # said "malformed (KeyError: object 'w' doesn't exist)"
    buffer = io.BytesIO(zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5"))
    with h5py.File(buffer, "r+") as h5:
        kernel = h5["layers/dense/vars/0"][()]
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/w")
    with h5py.File(tmp_path / "other.h5", "w") as other:
        other["w"] = np.full_like(kernel, 7.0)
    path = rewritten(DATA / "classifier.keras", tmp_path / "bad.keras", model_weights_h5=buffer.getvalue())
    with pytest.raises(ValueError, match="Cannot load model file .*bad.keras': model.weights.h5: "
                                         "/layers/dense/vars/0 is a link to elsewhere \\(ExternalLink\\)"):
        glassnet.models.load_model(path)


def test_truncated_keras_file_is_refused(tmp_path):
    data = (DATA / "classifier.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="Cannot load model file .*cut.keras.*not a glassnet model file"):
        glassnet.models.load_model(tmp_path / "cut.keras")


def test_a_keras_2_hdf5_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "model.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(200))
    with pytest.raises(ValueError, match="an HDF5 file, no model file: Keras 3's weights .*model.load_weights\\(path\\)"
                                         ".*save it again as a .keras file"):
        glassnet.models.load_model(tmp_path / "model.h5")


def test_reading_a_keras_file_without_h5py_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now fails, as where it is not installed
    with pytest.raises(ImportError, match='needs h5py.*pip install "glassnet\\[keras-files\\]"'):
        glassnet.models.load_model(DATA / "classifier.keras")


# -- writing .keras files (save_keras) -------------------------------------------------
def _written(path):
    """The config.json document and {HDF5 path: shape or "group"} under layers/ of a .keras file."""
    h5py = pytest.importorskip("h5py")
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
        data = zf.read("model.weights.h5")
    layout = {}
    with h5py.File(io.BytesIO(data), "r") as h5:
        h5["layers"].visititems(lambda name, obj: layout.__setitem__(
            name, tuple(obj.shape) if isinstance(obj, h5py.Dataset) else "group"))
    return config, layout


def _classifier():
    model = Sequential([layers.Input((4,)), layers.Dense(8, activation="relu", kernel_regularizer="l2"),
                        layers.BatchNormalization(), layers.Dropout(0.25), layers.Dense(3, activation="softmax")],
                       seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    model.fit(x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5), epochs=2, verbose=0)  # moving statistics move
    return model, x[:6]


def _regression():
    x = (np.random.default_rng(1).normal(size=(48, 3)) * [1, 10, 0.1] + [0, 5, -1]).astype("float32")
    norm = layers.Normalization()
    norm.adapt(x)
    model = Sequential([layers.Input((3,)), norm, layers.Dense(6, activation="tanh", use_bias=False),
                        layers.BatchNormalization(center=False, momentum=0.5), layers.LayerNormalization(),
                        layers.Rescaling(0.5, offset=0.1), layers.Dense(1)], seed=1)
    model.compile(glassnet.optimizers.SGD(0.05, momentum=0.9), "mse", metrics=["mae"])
    model.fit(x, x @ np.array([1.0, 0.2, -3.0]) + 0.5, epochs=2, verbose=0)
    return model, x[:6]


def _image():
    model = Sequential([layers.Input((8, 8)), layers.Rescaling(1 / 255), layers.Flatten(),
                        layers.Dense(16, activation="elu"), layers.Dense(10, activation="log_softmax")], seed=2)
    return model, np.random.default_rng(2).integers(0, 256, size=(5, 8, 8)).astype("float32")


#: Keras 3.15's activations that glassnet computes as Keras, by Keras's name (without arguments)
KERAS_315_ACTIVATIONS = ["celu", "hard_shrink", "hard_tanh", "log_sigmoid", "soft_shrink", "sparse_plus",
                         "sparse_sigmoid", "squareplus", "tanh_shrink"]


def _activations():
    names = ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "gelu", "softplus", "silu", "mish",
             "relu6", "hard_sigmoid", "hard_silu", "exponential", "softsign", "log_softmax",
             glassnet.activations.LeakyReLU(0.2),  # Keras's leaky_relu: slope 0.2
             *KERAS_315_ACTIVATIONS]
    model = Sequential([layers.Input((5,)), *(layers.Dense(5, activation=a) for a in names),
                        layers.ReLU(max_value=6, negative_slope=0.1, threshold=0.5), layers.LeakyReLU(0.05),
                        layers.ELU(0.7), layers.GaussianNoise(0.1), layers.GaussianDropout(0.2), layers.Softmax()],
                       seed=3)
    return model, np.random.default_rng(3).normal(size=(7, 5)).astype("float32")


def test_normalization_with_axis_none_round_trips_through_a_keras_file(tmp_path, h5py, monkeypatch):
    # it was refused ("axis=None"), as glassnet could not read Keras's "axis": [] back
    from glassnet.models.keras_files import save_keras

    x = np.random.default_rng(4).normal(size=(20, 3)).astype("float32") * 4 + 2
    norm = layers.Normalization(axis=None)
    norm.adapt(x)
    model = Sequential([layers.Input((3,)), norm, layers.Dense(2)], seed=0)
    save_keras(model, tmp_path / "model.keras")
    again = glassnet.models.load_model(tmp_path / "model.keras")
    assert again.layers[0].axis is None
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras")
    from_keras = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(np.asarray(from_keras(x)), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_save_keras_writes_the_model_s_own_trainable_flag_as_keras(tmp_path, h5py):
    # config.json said "trainable": true of every model; Keras 3.15 writes the model's own flag: false
    # after model.trainable = False, then layers[0].trainable = True (layers' flags: true, false)
    from glassnet.models.keras_files import save_keras

    model = Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(1)])
    model.trainable = False
    model.layers[0].trainable = True
    save_keras(model, tmp_path / "model.keras")
    config, _ = _written(tmp_path / "model.keras")
    assert config["config"]["trainable"] is False
    assert [layer["config"].get("trainable") for layer in config["config"]["layers"]] == [None, True, False]


@pytest.mark.parametrize("make", [_classifier, _regression, _image, _activations])
def test_save_keras_round_trips_through_load_model(make, tmp_path, h5py):
    from glassnet.models.keras_files import save_keras

    model, x = make()
    save_keras(model, tmp_path / "model.keras")
    again = glassnet.models.load_model(tmp_path / "model.keras")
    assert [type(layer).__name__ for layer in again.layers] == [type(layer).__name__ for layer in model.layers]
    for got, want in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.compiled == model.compiled
    if model.compiled:
        assert type(again.optimizer) is type(model.optimizer) and type(again.loss) is type(model.loss)
        assert again.optimizer.get_config() == model.optimizer.get_config()
        assert again.metrics_names == model.metrics_names


@pytest.mark.parametrize("schedule", [
    glassnet.schedules.PolynomialDecay(0.1, 10, power=2.0, cycle=True),
    glassnet.schedules.CosineDecayRestarts(0.1, 5, t_mul=1.5, m_mul=0.5, alpha=0.1),
])
def test_save_keras_writes_keras_schedules_added_since(schedule, tmp_path, h5py):
    # Keras has both, with the same configs: they are not glassnet's own
    from glassnet.models.keras_files import save_keras

    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(glassnet.optimizers.Adam(schedule), "mse")
    save_keras(model, tmp_path / "model.keras")
    again = glassnet.models.load_model(tmp_path / "model.keras")
    assert again.optimizer.get_config() == model.optimizer.get_config()


@pytest.mark.parametrize("make", [
    lambda: glassnet.optimizers.Lion(0.02, beta_1=0.8, beta_2=0.95, clipnorm=1.0),
    lambda: glassnet.optimizers.Ftrl(0.1, learning_rate_power=-0.3, initial_accumulator_value=0.5,
                                     l1_regularization_strength=0.01, l2_regularization_strength=0.2,
                                     l2_shrinkage_regularization_strength=0.05, beta=0.3),
    lambda: glassnet.optimizers.Adafactor(0.05, beta_2_decay=-0.6, epsilon_1=1e-20, epsilon_2=0.01,
                                          clip_threshold=0.5, relative_step=False),
    lambda: glassnet.optimizers.Lamb(0.02, beta_1=0.8, beta_2=0.95, epsilon=1e-5, weight_decay=0.01),
    lambda: glassnet.optimizers.Muon(0.02, adam_beta_1=0.8, adam_weight_decay=None, exclude_layers=["out"],
                                     exclude_embeddings=False, muon_a=3.0, ns_steps=3, nesterov=False, rms_rate=None),
    lambda: glassnet.optimizers.ScheduleFreeAdamW(0.01, beta_1=0.8, epsilon=1e-6, warmup_steps=7, weight_decay=0.02),
])
def test_keras_and_glassnet_load_a_file_compiled_with_a_newer_optimizer(make, tmp_path, h5py, monkeypatch):
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(make(), "mse")
    model.export(tmp_path / "model.keras", format="keras")
    again = glassnet.models.load_model(tmp_path / "model.keras").optimizer
    assert type(again) is type(model.optimizer) and again.get_config() == model.optimizer.get_config()
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras").optimizer.get_config()
    assert type(theirs) is dict
    for key, value in model.optimizer.get_config().items():  # every setting, as Keras names and reads it
        assert theirs[key] == pytest.approx(value), key



def test_keras_loads_a_file_compiled_with_a_scheduled_optimizer(tmp_path, h5py, monkeypatch):
    # Keras restores the optimizer with its schedule, and glassnet its own (the schedule in Keras's form)
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    schedule = glassnet.schedules.ExponentialDecay(0.1, 10, 0.9)
    model.compile(glassnet.optimizers.SGD(schedule, momentum=0.5), "mse")
    model.export(tmp_path / "model.keras", format="keras")
    config, _ = _written(tmp_path / "model.keras")
    assert config["compile_config"]["optimizer"]["config"]["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay", "registered_name": None,
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9, "staircase": False,
                   "name": "ExponentialDecay"}}  # (Keras's default name, as Keras writes it)
    assert glassnet.models.load_model(tmp_path / "model.keras").optimizer.get_config() == model.optimizer.get_config()
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    optimizer = keras.saving.load_model(tmp_path / "model.keras").optimizer
    assert type(optimizer).__name__ == "SGD" and optimizer.momentum == 0.5
    assert type(optimizer._learning_rate).__name__ == "ExponentialDecay"  # (learning_rate: its value now)
    assert float(optimizer._learning_rate(20)) == pytest.approx(schedule(20), rel=1e-6)


def test_save_keras_writes_the_hinge_metric_by_name(tmp_path, h5py):
    # metrics=["hinge"] is Keras's too (keras.metrics.get("hinge")): not glassnet's own name
    from glassnet.models.keras_files import save_keras

    model = Sequential([layers.Input((3,)), layers.Dense(1, activation="tanh")])
    model.compile("sgd", "hinge", metrics=["hinge"])
    save_keras(model, tmp_path / "model.keras")
    assert glassnet.models.load_model(tmp_path / "model.keras").metrics_names == ["loss", "hinge"]


@pytest.mark.parametrize("loss, name", [
    ("poisson", "poisson"), ("log_cosh", "log_cosh"), ("kld", "kl_divergence"),
    ("cosine_similarity", "cosine_similarity"), ("squared_hinge", "squared_hinge"),
    ("categorical_hinge", "categorical_hinge"), ("dice", "dice"), ("tversky", "tversky"),
])
def test_save_keras_writes_keras_s_other_losses_by_name(loss, name, tmp_path, h5py, monkeypatch):
    # Keras has each of them by that name: save_keras refused Poisson as "glassnet's own" loss
    from glassnet.models.keras_files import save_keras

    model = Sequential([layers.Input((3,)), layers.Dense(2, activation="softmax")])
    model.compile("sgd", loss)
    save_keras(model, tmp_path / "model.keras")
    config, _ = _written(tmp_path / "model.keras")
    assert config["compile_config"]["loss"] == name
    assert type(glassnet.models.load_model(tmp_path / "model.keras").loss) is type(model.loss)
    model.compile("sgd", type(model.loss)(reduction="sum"))  # not the default: Keras's class with its config
    save_keras(model, tmp_path / "sum.keras")
    assert glassnet.models.load_model(tmp_path / "sum.keras").loss.reduction == "sum"
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    from_keras = keras.saving.load_model(tmp_path / "sum.keras")
    assert (type(from_keras.loss).__name__, from_keras.loss.reduction) == (type(model.loss).__name__, "sum")


def test_save_keras_writes_dice_and_tversky_with_their_arguments(tmp_path, h5py, monkeypatch):
    # Keras 3's Dice(axis) and Tversky(alpha, beta, axis): kept in the file both ways
    from glassnet.models.keras_files import save_keras

    x, y = np.array([[1.0, 0.5, -1.0], [0.2, -0.3, 2.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    for loss in (glassnet.losses.Tversky(0.3, 0.9, axis=-1), glassnet.losses.Dice(reduction="sum", name="d")):
        model = Sequential([layers.Input((3,)), layers.Dense(2, activation="sigmoid")], dtype="float64")
        model.compile("sgd", loss)
        save_keras(model, tmp_path / "model.keras")
        config, _ = _written(tmp_path / "model.keras")
        assert config["compile_config"]["loss"]["class_name"] == type(loss).__name__
        back = glassnet.models.load_model(tmp_path / "model.keras")
        assert type(back.loss) is type(loss) and back.loss.get_config() == loss.get_config()
        monkeypatch.setenv("KERAS_BACKEND", "jax")
        keras = pytest.importorskip("keras")
        from_keras = keras.saving.load_model(tmp_path / "model.keras")
        theirs = {k: v for k, v in from_keras.loss.get_config().items() if k != "dtype"}
        assert theirs == {"name": loss.name, "reduction": loss.reduction, **loss.get_config()}
        assert float(from_keras.evaluate(x, y, verbose=0)) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)


def test_save_keras_writes_keras_s_other_metrics(tmp_path, h5py, monkeypatch):
    # Keras's compile takes these strings, and has these classes: they are not glassnet's own
    from glassnet.models.keras_files import save_keras

    names = ["kl_divergence", "poisson", "log_cosh_error", "squared_hinge", "categorical_hinge", "cosine_similarity"]
    objects = [glassnet.metrics.CosineSimilarity(name="cos"), glassnet.metrics.Accuracy(name="exact")]
    model = Sequential([layers.Input((3,)), layers.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=names + objects)
    save_keras(model, tmp_path / "model.keras")
    assert glassnet.models.load_model(tmp_path / "model.keras").metrics_names == ["loss", *names, "cos", "exact"]
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    from_keras = keras.saving.load_model(tmp_path / "model.keras")
    x, y = np.array([[1.0, 0.5, -1.0], [0.2, -0.3, 2.0]]), np.eye(2)
    theirs = from_keras.evaluate(x, y, return_dict=True, verbose=0)
    ours = model.evaluate(x, y, return_dict=True, verbose=0)
    assert set(theirs) == set(ours)
    assert {k: float(v) for k, v in theirs.items()} == pytest.approx(ours, rel=1e-5)


def test_save_keras_writes_the_fbeta_and_iou_metrics_as_keras_s(tmp_path, h5py, monkeypatch):
    from glassnet.models.keras_files import save_keras

    M = glassnet.metrics
    chosen = [M.FBetaScore(average="weighted", beta=0.5), M.F1Score(), M.OneHotMeanIoU(3), M.OneHotIoU(3, [0, 2]),
              M.BinaryIoU(threshold=0.3), M.MeanIoU(3, sparse_y_true=False, sparse_y_pred=False, name="miou")]
    model = Sequential([layers.Input((3,)), layers.Dense(3, activation="softmax")], seed=2)
    model.compile("sgd", "categorical_crossentropy", metrics=chosen)
    save_keras(model, tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as zf:
        written = json.loads(zf.read("config.json"))["compile_config"]["metrics"]
    assert [m["class_name"] for m in written] == [type(m).__name__ for m in chosen]
    assert written[3]["config"]["target_class_ids"] == [0, 2] and written[0]["config"]["beta"] == 0.5
    loaded = glassnet.models.load_model(tmp_path / "model.keras")
    names = ["fbeta_score", "f1_score", "one_hot_mean_io_u", "one_hot_io_u", "binary_io_u", "miou"]
    assert loaded.metrics_names == ["loss", *names]
    x, y = np.random.default_rng(0).normal(size=(12, 3)), np.eye(3)[np.arange(12) % 3]
    ours = model.evaluate(x, y, return_dict=True, verbose=0)
    assert loaded.evaluate(x, y, return_dict=True, verbose=0) == ours
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras").evaluate(x, y, return_dict=True, verbose=0)
    assert {k: float(v) for k, v in theirs.items()} == pytest.approx(ours, rel=1e-5, abs=1e-6)


def test_a_keras_file_with_fbeta_and_iou_metrics_loads_compiled_and_evaluates_as_keras(tmp_path, h5py, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    metrics = [  # Keras's IoU metrics count in int32
        keras.metrics.OneHotMeanIoU(3), keras.metrics.FBetaScore(beta=2.0, average="macro"),
        keras.metrics.BinaryIoU([1], 0.3), keras.metrics.IoU(3, [1, 2], sparse_y_true=False, sparse_y_pred=False)]
    model.compile("sgd", "categorical_crossentropy", metrics=metrics)
    model.save(tmp_path / "k.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loaded compiled, not with the "loaded uncompiled" warning
        ours = glassnet.models.load_model(tmp_path / "k.keras")
    # the names Keras gave them (io_u_1 where this process made an io_u before), and those are Keras's defaults
    assert ours.metrics_names == ["loss", *(metric.name for metric in metrics)]
    assert [re.sub(r"_\d+$", "", name) for name in ours.metrics_names] == [
        "loss", "one_hot_mean_io_u", "fbeta_score", "binary_io_u", "io_u"]
    x, y = np.random.default_rng(0).normal(size=(12, 3)), np.eye(3)[np.arange(12) % 3]
    theirs = {k: float(v) for k, v in model.evaluate(x, y, return_dict=True, verbose=0).items()}
    assert ours.evaluate(x, y, return_dict=True, verbose=0) == pytest.approx(theirs, rel=1e-5, abs=1e-6)


def test_a_keras_file_with_keras_s_other_losses_and_metrics_evaluates_as_keras(tmp_path, h5py, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    x, y = np.array([[0.3, -1.0], [1.0, 2.0]]), np.eye(3)[[0, 2]]
    for loss in (keras.losses.KLDivergence(reduction="sum"), keras.losses.CosineSimilarity(), keras.losses.LogCosh(),
                 keras.losses.SquaredHinge(), keras.losses.CategoricalHinge(name="ch")):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
        model.compile("sgd", loss, metrics=[
            keras.metrics.LogCoshError(), keras.metrics.CosineSimilarity(), keras.metrics.KLDivergence(),
            keras.metrics.Poisson(), keras.metrics.SquaredHinge(), keras.metrics.CategoricalHinge(),
            keras.metrics.Accuracy(), "kl_divergence"])
        model.save(tmp_path / "k.keras")
        ours = glassnet.models.load_model(tmp_path / "k.keras")  # it loaded uncompiled, warning "Unknown loss"
        assert (type(ours.loss).__name__, ours.loss.name, ours.loss.reduction) == (
            type(loss).__name__, loss.name, loss.reduction)
        theirs = {k: float(v) for k, v in model.evaluate(x, y, return_dict=True, verbose=0).items()}
        assert ours.evaluate(x, y, return_dict=True, verbose=0) == pytest.approx(theirs, rel=1e-5, abs=1e-7)


def test_a_keras_file_compiled_with_keras_s_loss_and_metric_functions_loads_compiled(tmp_path, h5py, monkeypatch):
    # compile(loss=keras.losses.categorical_crossentropy, metrics=[keras.metrics.binary_accuracy, ...]): Keras
    # writes each as {"module": "builtins", "class_name": "function", "config": name}; glassnet read the name
    # as an unregistered custom function and loaded the model uncompiled ("Unknown function")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", keras.losses.categorical_crossentropy, metrics=[
        keras.metrics.binary_accuracy, keras.metrics.categorical_accuracy, keras.metrics.top_k_categorical_accuracy,
        keras.losses.mean_squared_error, keras.metrics.kl_divergence, keras.metrics.huber, keras.metrics.log_cosh,
        keras.metrics.categorical_focal_crossentropy])
    model.save(tmp_path / "k.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # loaded compiled, not with the "loaded uncompiled" warning
        ours = glassnet.models.load_model(tmp_path / "k.keras")
    assert type(ours.loss) is glassnet.losses.CategoricalCrossentropy
    x, y = np.random.default_rng(0).normal(size=(12, 3)), np.eye(3)[np.arange(12) % 3]
    theirs = {k: float(v) for k, v in model.evaluate(x, y, return_dict=True, verbose=0).items()}
    assert set(theirs) == {"loss", "binary_accuracy", "categorical_accuracy", "top_k_categorical_accuracy",
                           "mean_squared_error", "kl_divergence", "huber", "log_cosh", "categorical_focal_crossentropy"}
    assert ours.evaluate(x, y, return_dict=True, verbose=0) == pytest.approx(theirs, rel=1e-5, abs=1e-7)


def test_a_user_function_registered_under_a_built_in_name_comes_before_the_built_in(tmp_path):
    # as Keras's deserialize_keras_object: the user's object of that name first
    config = {"module": "builtins", "class_name": "function", "config": "binary_accuracy",
              "registered_name": "function"}
    assert glassnet.metrics.deserialize(config) is glassnet.metrics.binary_accuracy

    def binary_accuracy(y_true, y_pred):
        return np.zeros(len(y_true))

    with glassnet.saving.custom_object_scope({"binary_accuracy": binary_accuracy}):
        assert glassnet.metrics.deserialize(config) is binary_accuracy
    with pytest.raises(ValueError, match="Unknown function 'no_such_metric'"):
        glassnet.metrics.deserialize({**config, "config": "no_such_metric"})


def test_save_keras_writes_keras_s_metric_functions_as_keras_does(tmp_path, h5py, monkeypatch):
    # compile(metrics=[glassnet.metrics.binary_accuracy]): the export refused it as "the custom metric"
    from glassnet.models.keras_files import save_keras

    M = glassnet.metrics
    model = Sequential([layers.Input((3,)), layers.Dense(3, activation="softmax")], seed=1)
    model.compile("sgd", glassnet.losses.categorical_crossentropy, metrics=[
        M.binary_accuracy, M.categorical_accuracy, M.mean_squared_error, M.top_k_categorical_accuracy, M.huber,
        M.log_cosh, M.binary_focal_crossentropy])  # (the last three: Keras's metric functions without a metric name)
    save_keras(model, tmp_path / "model.keras")
    model.save(tmp_path / "model.gn")  # (which dropped the last three with a warning "not registered")
    with zipfile.ZipFile(tmp_path / "model.keras") as zf:
        written = json.loads(zf.read("config.json"))["compile_config"]["metrics"]
    assert written[0] == {"module": "builtins", "class_name": "function", "config": "binary_accuracy",
                          "registered_name": "function"}
    x, y = np.random.default_rng(1).normal(size=(12, 3)), np.eye(3)[np.arange(12) % 3]
    ours = model.evaluate(x, y, return_dict=True, verbose=0)
    assert set(ours) == {"loss", "binary_accuracy", "categorical_accuracy", "mean_squared_error",
                         "top_k_categorical_accuracy", "huber", "log_cosh", "binary_focal_crossentropy"}
    assert glassnet.models.load_model(tmp_path / "model.keras").evaluate(x, y, return_dict=True, verbose=0) == ours
    assert glassnet.models.load_model(tmp_path / "model.gn").evaluate(x, y, return_dict=True, verbose=0) == ours
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras").evaluate(x, y, return_dict=True, verbose=0)
    assert {k: float(v) for k, v in theirs.items()} == pytest.approx(ours, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("loss, name, output", [
    ("binary_focal_crossentropy", "binary_focal_crossentropy", "sigmoid"),
    ("categorical_focal_crossentropy", "categorical_focal_crossentropy", "softmax"),
    (glassnet.losses.BinaryFocalCrossentropy(True, 0.4, 1.5, from_logits=True, reduction="sum"), None, "linear"),
    (glassnet.losses.CategoricalFocalCrossentropy([0.2, 0.5], 3.0, label_smoothing=0.1, name="cf"), None, "softmax"),
])
def test_save_keras_writes_the_focal_losses_and_keras_reads_them(loss, name, output, tmp_path, h5py, monkeypatch):
    # save_keras refused them as "glassnet's own" losses; Keras has both, by these names
    from glassnet.models.keras_files import save_keras

    model = Sequential([layers.Input((3,)), layers.Dense(2, activation=output)], seed=0)
    model.compile("sgd", loss)
    save_keras(model, tmp_path / "model.keras")
    config, _ = _written(tmp_path / "model.keras")
    if name:
        assert config["compile_config"]["loss"] == name
    back = glassnet.models.load_model(tmp_path / "model.keras")
    assert (type(back.loss), back.loss.get_config()) == (type(model.loss), model.loss.get_config())
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    from_keras = keras.saving.load_model(tmp_path / "model.keras")
    x, y = np.array([[1.0, 0.5, -1.0], [0.2, -0.3, 2.0]]), np.eye(2)
    assert float(from_keras.evaluate(x, y, verbose=0)) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)


def test_keras_315_activations_go_both_ways_through_keras_files(tmp_path, h5py, monkeypatch):
    from glassnet.models.keras_files import save_keras

    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(3).normal(scale=2.0, size=(9, 5)).astype("float32")
    model = Sequential([layers.Input((5,)), *(layers.Dense(5, activation=a) for a in KERAS_315_ACTIVATIONS)], seed=3)
    save_keras(model, tmp_path / "model.keras")
    from_keras = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(np.asarray(from_keras(x)), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    theirs = keras.Sequential([keras.Input((5,)), *(keras.layers.Dense(5, activation=a) for a in KERAS_315_ACTIVATIONS)])
    theirs.save(tmp_path / "theirs.keras")
    ours = glassnet.models.load_model(tmp_path / "theirs.keras")
    assert [layer.activation.name for layer in ours.layers] == KERAS_315_ACTIVATIONS
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)


def test_keras_files_refuse_sparsemax_threshold_and_glu_by_name(tmp_path, h5py, monkeypatch):
    from glassnet.models.keras_files import save_keras

    for activation, match in ((glassnet.activations.Sparsemax(), "the activation 'sparsemax' \\(Keras 3.15's sparsemax "
                                                                 "takes its threshold from the sum of the cumulative sums"),
                              (glassnet.activations.Threshold(0.5, 0.0), "the activation 'threshold' \\(Keras's "
                                                                         "threshold\\(x, threshold, default_value\\) "
                                                                         "has no defaults")):
        with pytest.raises(ValueError, match=match):
            save_keras(Sequential([layers.Input((4,)), layers.Dense(4, activation=activation)]), tmp_path / "m.keras")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="sparsemax")]).save(tmp_path / "s.keras")
    with pytest.raises(ValueError, match="it uses Keras's sparsemax, whose outputs differ from the simplex projection"):
        glassnet.models.load_model(tmp_path / "s.keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, activation="glu")]).save(tmp_path / "glu.keras")
    with pytest.raises(ValueError, match="Dense cannot use the activation 'glu': glu halves its input's last axis"):
        glassnet.models.load_model(tmp_path / "glu.keras")


def test_a_keras_file_compiled_with_the_focal_losses_loads_and_evaluates_as_keras(tmp_path, h5py, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    x, y = np.array([[0.3, -1.0], [1.0, 2.0], [-0.5, 0.4]]), np.eye(3)[[0, 2, 1]]
    for loss, output in ((keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=1.5,
                                                                from_logits=True, reduction="sum"), None),
                         (keras.losses.CategoricalFocalCrossentropy(alpha=[0.2, 0.5, 0.9], gamma=3.0,
                                                                    label_smoothing=0.1, name="cf"), "softmax"),
                         ("binary_focal_crossentropy", "sigmoid"), ("categorical_focal_crossentropy", "softmax")):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation=output)])
        model.compile("sgd", loss)
        model.save(tmp_path / "k.keras")
        ours = glassnet.models.load_model(tmp_path / "k.keras")  # it loaded uncompiled, warning "Unknown loss"
        if isinstance(loss, str):
            assert ours.loss.name == loss
        else:
            assert type(ours.loss).__name__ == type(loss).__name__
            assert {k: ours.loss.get_config()[k] for k in ("alpha", "gamma", "from_logits", "label_smoothing")} == {
                k: loss.get_config()[k] for k in ("alpha", "gamma", "from_logits", "label_smoothing")}
            assert (ours.loss.name, ours.loss.reduction) == (loss.name, loss.reduction)
        theirs = float(model.evaluate(x, y, verbose=0))
        assert ours.evaluate(x, y, verbose=0) == pytest.approx(theirs, rel=1e-5)


def _fixture_model(name):
    """The architecture of tests/data/keras/<name>.keras built in glassnet, compiled as Keras's,
    with the fixture's weights."""
    if name == "classifier":
        model = Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"), layers.BatchNormalization(),
                            layers.Dropout(0.25), layers.Dense(3, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    else:
        model = Sequential([layers.Input((3,)), layers.Normalization(),
                            layers.Dense(6, activation="tanh", use_bias=False),
                            layers.BatchNormalization(center=False, momentum=0.5), layers.LayerNormalization(),
                            layers.Dense(1)])
        model.compile(glassnet.optimizers.SGD(0.05, momentum=0.9), "mse", metrics=["mae"])
    model.set_weights(glassnet.models.load_model(DATA / f"{name}.keras").get_weights())
    return model


def _same_settings(got, want, where):
    """Keras's layer settings ``want`` (a fixture's) and ``got`` agree, but for names and the
    settings Keras 3.15 adds to an initializer that glassnet's lacks (``input_axes``, ...)."""
    for key, value in want.items():
        if key == "name":
            continue
        if key == "dtype" and isinstance(value, dict):  # (Keras's file adds a shared_object_id to each DTypePolicy)
            assert (got[key]["class_name"], got[key]["config"]) == (value["class_name"], value["config"]), where
        elif isinstance(value, dict) and value.get("module") == "keras.initializers":
            assert got[key]["class_name"] == value["class_name"], f"{where}: {key}"
            assert got[key]["config"] == {k: v for k, v in value["config"].items() if k in got[key]["config"]}, (
                f"{where}: {key}")
        else:
            assert got[key] == value, f"{where}: {key} is {got[key]!r}, Keras wrote {value!r}"


@pytest.mark.parametrize("name", ["classifier", "regression"])
def test_save_keras_writes_what_keras_wrote_for_the_same_model(name, tmp_path, h5py):
    from glassnet.models.keras_files import save_keras

    save_keras(_fixture_model(name), tmp_path / "model.keras")
    got, got_layout = _written(tmp_path / "model.keras")
    want, want_layout = _written(DATA / f"{name}.keras")
    assert got_layout == want_layout  # the same groups, datasets and shapes under layers/
    assert (got["module"], got["class_name"]) == (want["module"], want["class_name"])
    keys = ("dtype", "build_input_shape", "trainable")
    _same_settings(got["config"], {key: want["config"][key] for key in keys}, "the Sequential")
    assert len(got["config"]["layers"]) == len(want["config"]["layers"])
    for mine, keras in zip(got["config"]["layers"], want["config"]["layers"]):
        where = f"layer {keras['config']['name']!r} ({keras['class_name']})"
        assert (mine["module"], mine["class_name"], mine["registered_name"]) == (
            keras["module"], keras["class_name"], keras["registered_name"]), where
        assert set(mine["config"]) == set(keras["config"]), where
        _same_settings(mine["config"], keras["config"], where)
        if "build_config" in keras:  # (Keras's adapted Normalization records adapt's batch size: not compared)
            assert mine["build_config"]["input_shape"][1:] == keras["build_config"]["input_shape"][1:], where
    mine, keras = got["compile_config"], want["compile_config"]
    assert mine["optimizer"]["class_name"] == keras["optimizer"]["class_name"]
    for key, value in mine["optimizer"]["config"].items():
        assert value == pytest.approx(keras["optimizer"]["config"][key]), key  # (Keras's float32 learning rate)
    assert type(glassnet.losses.get(mine["loss"])) is type(glassnet.losses.get(keras["loss"]))
    assert (mine["metrics"], mine["loss_weights"], mine["weighted_metrics"]) == (
        keras["metrics"], keras["loss_weights"], keras["weighted_metrics"])
    expected = np.load(DATA / "predictions.npz")
    again = glassnet.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(again.predict(expected[f"{name}_x"], verbose=0), expected[f"{name}_y"], atol=1e-6)


def _step_dense():
    return Sequential([layers.Input((3,)), layers.Dense(2, activation="step", name="out")])


def _steep_sigmoid():
    return Sequential([layers.Input((3,)), layers.Dense(2, name="hidden",
                                                        activation=glassnet.activations.Sigmoid(steepness=2.0))])


def _custom_activation():
    def cube(z):
        return z**3
    return Sequential([layers.Input((3,)), layers.Activation(cube, name="cubed")])


def _custom_loss():
    class Halved(glassnet.losses.MeanSquaredError):  # (a custom loss is written by name; not this config)
        def get_config(self):
            return {**super().get_config(), "scale": np.ones(2)}
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", Halved())
    return model


def _glassnet_loss():
    model = Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "sum_squared_error")
    return model


def _unbuilt():
    return Sequential([layers.Dense(2)])


def _slash_in_layer_name():  # Keras's Operation refuses a name with "/": load_model failed on the file
    return Sequential([layers.Input((3,)), layers.Dense(2, name="block/dense")])


def _slash_in_model_name():
    return Sequential([layers.Input((3,)), layers.Dense(2)], name="runs/best")


def _renamed_to_another_layers_name():  # the rename the '/' refusal suggests can take a name in use
    model = Sequential([layers.Input((3,)), layers.Dense(2, name="block_dense"), layers.Dense(2)])
    model.layers[1].name = "block_dense"
    return model


@pytest.mark.parametrize("make, match", [
    (_step_dense, "layer 'out' \\(Dense\\) has the activation 'step'.*Keras 3 cannot represent.*model.save"),
    (_steep_sigmoid, "layer 'hidden' \\(Dense\\) has the activation Sigmoid\\(steepness=2.0\\).*Keras's 'sigmoid' "
                     "is Sigmoid\\(steepness=1.0\\)"),
    (_custom_activation, "layer 'cubed' \\(Activation\\) has the activation 'cube'.*custom"),
    (_custom_loss, "custom loss Halved: its get_config\\(\\) key 'scale' holds ndarray"),
    (_glassnet_loss, "the model has the loss 'squared_error' \\(SquaredError"),
    (_unbuilt, "unbuilt model"),
    (_slash_in_layer_name, "layer 'block/dense' \\(Dense\\) has the name 'block/dense'.*'/'"),
    (_slash_in_model_name, "the model has the name 'runs/best'.*'/'.*e.g. 'runs_best'"),
    (_renamed_to_another_layers_name, "layer 'block_dense' \\(Dense\\) has the name of another of its layers"),
])
def test_save_keras_refuses_what_keras_cannot_represent_before_writing(make, match, tmp_path, h5py):
    from glassnet.models.keras_files import save_keras

    path = tmp_path / "model.keras"
    with pytest.raises(ValueError, match=f"Cannot write a Keras file.*{match}"):
        save_keras(make(), path)
    assert not path.exists() and list(tmp_path.iterdir()) == []  # nothing written, no temporary left


@pytest.mark.parametrize("activation, layer, make_layer", [
    ("leaky_relu", "LeakyReLU(negative_slope=0.01)", lambda: layers.LeakyReLU(negative_slope=0.01)),
    (glassnet.activations.ELU(alpha=0.5), "ELU(alpha=0.5)", lambda: layers.ELU(alpha=0.5))])
def test_save_keras_writes_an_activation_setting_as_the_layer_that_holds_it(activation, layer, make_layer, tmp_path,
                                                                             h5py):
    # Dense(..., activation="leaky_relu") (slope 0.01) was refused with only "save with glassnet's own
    # format", then with the advice of a layer of its own; Keras writes that layer as the Dense's activation
    rng = np.random.default_rng(0)
    dense = Sequential([layers.Input((3,)), layers.Dense(4, activation=activation)])
    dense.export(tmp_path / "dense.keras", format="keras")
    assert _written(tmp_path / "dense.keras")[0]["config"]["layers"][1]["config"]["activation"]["class_name"] in layer
    split = Sequential([layers.Input((3,)), layers.Dense(4), make_layer()])
    split.set_weights(dense.get_weights())
    split.export(tmp_path / "split.keras", format="keras")
    X = rng.normal(size=(6, 3)).astype("float32")
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "split.keras").predict(X), dense.predict(X))
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "dense.keras").predict(X), dense.predict(X))


def test_save_keras_leaves_an_existing_file_when_it_refuses(tmp_path, h5py):
    from glassnet.models.keras_files import save_keras

    path = tmp_path / "model.keras"
    path.write_bytes(b"before")
    with pytest.raises(ValueError, match="activation 'step'"):
        save_keras(_step_dense(), path, overwrite=True)  # (by default, no Keras file is refused first)
    assert path.read_bytes() == b"before"


def test_save_keras_refuses_a_name_keras_would_not_load(tmp_path, h5py):
    # keras.saving.load_model takes a zip for a Keras file only when its name ends in .keras (Keras 3.15's
    # is_keras_zip), and Keras's own save refuses other names: so does save_keras, before writing
    model, _ = _image()
    for name in ("model.zip", "model", "model.KERAS.bak", "model.h5", "model.KERAS"):
        with pytest.raises(ValueError, match="must end in .keras.*Received: filepath="):
            model.export(tmp_path / name, format="keras")
    assert list(tmp_path.iterdir()) == []


def test_writing_a_keras_file_without_h5py_names_the_extra(monkeypatch, tmp_path):
    from glassnet.models.keras_files import save_keras

    model, _ = _image()
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match='needs h5py.*pip install "glassnet\\[keras-files\\]"'):
        save_keras(model, tmp_path / "model.keras")
    assert not (tmp_path / "model.keras").exists()


def test_model_export_keras_writes_the_keras_file_and_save_says_where_it_is(tmp_path, h5py):
    # model.export(path, format="keras") is save_keras; model.save("m.keras") still writes glassnet's own
    # format (its optimizer state kept) and warns that Keras cannot read it, naming export
    from glassnet.models.keras_files import save_keras

    model, x = _classifier()
    assert model.export(tmp_path / "exported.keras", format="keras") == tmp_path / "exported.keras"
    save_keras(model, tmp_path / "direct.keras")
    for name in ("exported.keras", "direct.keras"):
        with zipfile.ZipFile(tmp_path / name) as archive:
            assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
            config = json.loads(archive.read("config.json"))
        assert config["class_name"] == "Sequential"
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "exported.keras").predict(x),
                                  model.predict(x))
    with pytest.warns(UserWarning, match="glassnet's own format.*Keras cannot.*export\\(path, format='keras'\\)"):
        model.save(tmp_path / "own.keras")
    with zipfile.ZipFile(tmp_path / "own.keras") as archive:
        assert "config.json" not in archive.namelist()  # glassnet's members, not Keras's
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "own.keras").predict(x), model.predict(x))


def test_export_keras_replaces_only_a_keras_file_unless_overwrite_is_true(tmp_path, h5py, monkeypatch):
    # export(path, format="keras") replaced any file named .keras: a glassnet model file saved as
    # model.save("m.keras") (its optimizer state lost), or a text file; overwrite= was refused for it.
    # As glassnet.onnx.export: None replaces a Keras file (or an empty one), True any file, False none.
    model, x = _classifier()
    with pytest.warns(UserWarning, match="glassnet's own format"):
        model.save(tmp_path / "own.keras")
    (tmp_path / "notes.keras").write_text("my notes")
    for name in ("own.keras", "notes.keras"):
        before = (tmp_path / name).read_bytes()
        with pytest.raises(FileExistsError, match=f"{name}' exists and is not a Keras file .*overwrite=True"):
            model.export(tmp_path / name, format="keras")
        assert (tmp_path / name).read_bytes() == before
    (tmp_path / "empty.keras").touch()
    for name in ("new.keras", "new.keras", "empty.keras"):
        model.export(tmp_path / name, format="keras")
    with pytest.raises(FileExistsError, match="new.keras' exists and overwrite=False"):
        model.export(tmp_path / "new.keras", format="keras", overwrite=False)
    model.export(tmp_path / "notes.keras", format="keras", overwrite=True)
    for name in ("new.keras", "empty.keras", "notes.keras"):
        np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / name).predict(x, verbose=0),
                                      model.predict(x, verbose=0))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save(tmp_path / "by_keras.keras")
    model.export(tmp_path / "by_keras.keras", format="keras")  # a file Keras wrote is a Keras file
    np.testing.assert_allclose(np.asarray(keras.saving.load_model(tmp_path / "by_keras.keras")(x)),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_save_checks_the_path_before_its_keras_suffix(tmp_path, h5py):
    # the suffix test ran before the path was checked: save(None) raised os.fspath's TypeError instead of
    # naming filepath, and a bytes path ending in .keras a TypeError from bytes.endswith
    model, x = _classifier()
    with pytest.raises(TypeError, match="filepath must be a file path"):
        model.save(None)
    with pytest.warns(UserWarning, match="glassnet's own format"):
        model.save(os.fsencode(tmp_path / "bytes.keras"))
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "bytes.keras").predict(x), model.predict(x))


def test_a_forged_input_size_cannot_make_a_normalization_build_gigabytes(tmp_path, h5py, monkeypatch):
    # Normalization(mean=0.5, variance=2.0) has no weights, but builds one mean and one variance
    # per feature: a 10 kB file declaring 5 * 10**7 features allocated 1.1 GB
    model = Sequential([layers.Normalization(mean=0.5, variance=2.0, input_shape=(3,))])
    model.export(tmp_path / "m.keras", format="keras")
    config = zipfile.ZipFile(tmp_path / "m.keras").read("config.json").decode()
    assert config.count("[null, 3]") > 0
    path = rewritten(tmp_path / "m.keras", tmp_path / "bad.keras",
                     config_json=config.replace("[null, 3]", f"[null, {5 * 10**7}]"))
    monkeypatch.setattr(np, "broadcast_to", lambda *a, **k: pytest.fail("the statistics were built"))
    with pytest.raises(ValueError, match="Cannot load model file .*'normalization' would spread its mean and "
                                         "variance over 50,000,000 features"):
        glassnet.models.load_model(path)


def test_a_forged_weights_size_does_not_make_the_model_built(tmp_path, h5py, monkeypatch):
    # the zip's directory declares the member's size: a 10 MB file declaring 4 GB made load_model
    # build a 4 GB model before finding the weights short
    import struct

    def wide(config):
        config["config"]["layers"][1]["config"]["units"] = 1_000_000  # ~50 MB of float32 weights, all layers

    weights = zipfile.ZipFile(DATA / "classifier.keras").read("model.weights.h5") + os.urandom(100_000)
    path = rewritten(DATA / "classifier.keras", tmp_path / "bad.keras", config_json=edited_config("classifier", wide),
                     model_weights_h5=weights)
    data = bytearray(path.read_bytes())
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = [i for i in range(len(data)) if data.startswith(signature, i)
              and data[i + name_at:].startswith(b"model.weights.h5")][0]
        struct.pack_into("<I", data, at + size_at, 100_000_000)
    path.write_bytes(bytes(data))
    monkeypatch.setattr(Sequential, "from_config", lambda *a, **k: pytest.fail("the model was built"))
    with pytest.raises(ValueError, match=f"Cannot load model file .*bad.keras': its architecture needs .* bytes of "
                                         f"weights, more than its model.weights.h5 \\({len(weights):,} bytes\\) holds"):
        glassnet.models.load_model(path)


def test_non_finite_keras_weights_load_as_keras_loads_them_with_a_warning(tmp_path, h5py):
    # Keras 3.15's load_model reads NaN and inf weights as stored, without a word; glassnet reads
    # them too (a diverged Keras training stays inspectable), and says that the outputs will be NaN
    with zipfile.ZipFile(DATA / "classifier.keras") as zf:
        buffer = io.BytesIO(zf.read("model.weights.h5"))
    with h5py.File(buffer, "r+") as h5:
        bias = h5["layers/dense_1/vars/1"]
        bias[0] = np.nan
        stored = bias[()]
    path = rewritten(DATA / "classifier.keras", tmp_path / "nan.keras", model_weights_h5=buffer.getvalue())
    with pytest.warns(UserWarning, match=r"nan.keras' holds NaN or infinite values in its weights \(dense_1/b: 1 NaN\)"):
        model = glassnet.models.load_model(path)
    np.testing.assert_array_equal(model.get_weights()[-1], stored)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        glassnet.models.load_model(DATA / "classifier.keras")


# -- a fuzz of the .keras reader: a damaged or hostile file loads a working model or is refused ------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_saving import FUZZ, HOSTILE, _Confusion, _leaf_paths, _loads_or_refuses, _zip  # noqa: E402


@st.composite
def damaged_keras_files(draw, members, h5py):
    """``members`` (a .keras file's: config.json, model.weights.h5) damaged as a bad disk or an attacker would."""
    h5 = members["model.weights.h5"]
    kind = draw(st.sampled_from(["flip", "truncate", "json", "dataset"]))
    if kind == "flip":
        data = bytearray(h5)
        for _ in range(draw(st.integers(1, 3))):
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        return _zip({**members, "model.weights.h5": bytes(data)}.items())
    if kind == "truncate":
        return _zip({**members, "model.weights.h5": h5[:draw(st.integers(0, len(h5) - 1))]}.items())
    if kind == "json":  # Keras's module, class_name, settings and build shapes, each replaced
        config = json.loads(members["config.json"])
        *parents, last = draw(st.sampled_from([path for path in _leaf_paths(config) if path]))
        node = config
        for key in parents:
            node = node[key]
        node[last] = draw(HOSTILE)
        return _zip({**members, "config.json": json.dumps(config).encode()}.items())
    buffer = io.BytesIO(h5)  # one array replaced by one of another dtype or shape, or a huge declared one
    with h5py.File(buffer, "r+") as f:
        names = []
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        name = draw(st.sampled_from(sorted(names)))
        array = f[name][()]
        del f[name]
        change = draw(st.sampled_from(["complex", "struct", "bytes", "strings", "int", "scalar", "huge"]))
        if change == "huge":
            f.create_dataset(name, shape=(10**6, 10**6), dtype="f4", chunks=(1, 1000))
        elif change == "strings":
            f.create_dataset(name, data=np.array(["x"] * array.size, dtype=h5py.string_dtype()))
        else:
            f[name] = {"complex": lambda: array.astype(np.complex64), "bytes": lambda: np.zeros(array.shape, "S3"),
                       "struct": lambda: np.zeros(array.shape, [("a", "<f4"), ("b", "<i4")]),
                       "int": lambda: array.astype(np.int32), "scalar": lambda: np.float32(1)}[change]()
    return _zip({**members, "model.weights.h5": buffer.getvalue()}.items())


_KERAS_MEMBERS = {}


@FUZZ
@given(data=st.data())
def test_a_damaged_or_hostile_keras_file_loads_a_working_model_or_is_refused(data, tmp_path, h5py):
    from glassnet.models import load_model
    from glassnet.models.keras_files import save_keras

    if not _KERAS_MEMBERS:  # one file, damaged anew by each example
        model = Sequential([layers.Dense(5, activation="relu", input_dim=3), layers.Dropout(0.2),
                            layers.BatchNormalization(), layers.Dense(2, activation="softmax")], seed=0)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.build()
        save_keras(model, tmp_path / "good.keras")
        with zipfile.ZipFile(tmp_path / "good.keras") as zf:
            _KERAS_MEMBERS.update({name: zf.read(name) for name in zf.namelist()})
    path = tmp_path / "fuzzed.keras"
    path.write_bytes(data.draw(damaged_keras_files(_KERAS_MEMBERS, h5py)))
    _loads_or_refuses(load_model, path, 3, 2)


def _keras_file_evaluations(model, x, y, names, tmp_path, monkeypatch, batch_size, check_loaded=None):
    """``model`` written as a Keras file: glassnet reads back ``names`` (after ``loss``), passes
    ``check_loaded(loaded)`` and evaluates it as the model; returns the model's evaluation and Keras's of
    the file (skipped, after glassnet's checks, without Keras)."""
    from glassnet.models.keras_files import save_keras

    ours = model.evaluate(x, y, return_dict=True, verbose=0, batch_size=batch_size)
    save_keras(model, tmp_path / "model.keras")
    loaded = glassnet.models.load_model(tmp_path / "model.keras")
    assert loaded.metrics_names == ["loss", *names]
    if check_loaded is not None:
        check_loaded(loaded)
    assert loaded.evaluate(x, y, return_dict=True, verbose=0, batch_size=batch_size) == ours
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras").evaluate(x, y, return_dict=True, verbose=0,
                                                                        batch_size=batch_size)
    return ours, theirs


@pytest.mark.parametrize(("names", "argmax_metric"), [
    (["bce", "BCE", "f_beta_score", "binary_io_u", "true_positives", "false_positives", "true_negatives",
      "false_negatives"], "f_beta_score"),
    (["auc", "precision", "recall", "f1_score", "r2_score", "root_mean_squared_error"], "f1_score"),
], ids=["others", "thresholds_and_scores"])
def test_save_keras_writes_keras_s_other_metric_names_as_keras_reads_them(names, argmax_metric, tmp_path, h5py,
                                                                           monkeypatch):
    # save_keras refused them as "glassnet's own name"; Keras 3.15's compile takes each of them (keras.metrics.get)
    model = Sequential([layers.Input((3,)), layers.Dense(1, activation="sigmoid")], seed=3)
    model.compile("sgd", "bce", metrics=names)
    x = np.random.default_rng(0).normal(size=(40, 3))
    y = (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype(float)
    ours, theirs = _keras_file_evaluations(model, x, y, names, tmp_path, monkeypatch, batch_size=None)
    assert sorted(theirs) == sorted(ours)
    # (one output unit: glassnet's F-scores predict > 0.5 where Keras's argmax predicts every row, and its
    # F1Score averages over classes by default, on purpose: see docs/api.md)
    theirs.pop(argmax_metric), ours.pop(argmax_metric)
    assert {k: float(np.squeeze(v)) for k, v in theirs.items()} == pytest.approx(ours, rel=1e-4, abs=1e-5)


def test_correlation_metrics_go_to_keras_files_and_back_and_evaluate_as_keras(tmp_path, h5py, monkeypatch):
    # Keras 3.15's PearsonCorrelation and ConcordanceCorrelation, by name and as objects with an axis
    M = glassnet.metrics
    chosen = ["pearson_correlation", M.ConcordanceCorrelation(name="ccc"), M.PearsonCorrelation(axis=0, name="r0"),
              "concordance_correlation"]
    model = Sequential([layers.Input((3,)), layers.Dense(4)], seed=1)
    model.compile("sgd", "mse", metrics=chosen)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(12, 3))
    y = x @ rng.normal(size=(3, 4)) + rng.normal(size=(12, 4))
    ours = model.evaluate(x, y, return_dict=True, verbose=0, batch_size=12)
    model.save(tmp_path / "model.gn")
    assert glassnet.models.load_model(tmp_path / "model.gn").evaluate(x, y, return_dict=True, verbose=0,
                                                                          batch_size=12) == ours
    _, theirs = _keras_file_evaluations(model, x, y, ["pearson_correlation", "ccc", "r0", "concordance_correlation"],
                                        tmp_path, monkeypatch, batch_size=12)
    assert {k: float(v) for k, v in theirs.items()} == pytest.approx(ours, rel=1e-5, abs=1e-6)


def test_orthogonal_regularizer_goes_to_keras_files_and_back(tmp_path, h5py, monkeypatch):
    from glassnet.models.keras_files import save_keras

    made = glassnet.regularizers.OrthogonalRegularizer(0.2, "columns")
    model = Sequential([layers.Input((3,)), layers.Dense(4, kernel_regularizer=made)], seed=1)
    save_keras(model, tmp_path / "model.keras")
    loaded = glassnet.models.load_model(tmp_path / "model.keras")
    assert repr(loaded.layers[0].kernel_regularizer) == "OrthogonalRegularizer(factor=0.2, mode='columns')"
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras").layers[0].kernel_regularizer
    # (Keras keeps factor as a float32 tensor: 0.20000000298023224)
    assert type(theirs).__name__ == "OrthogonalRegularizer" and theirs.get_config() == pytest.approx(made.get_config())
    W = model.layers[0].get_weights()[0]
    # (a tensor, as in training: Keras's NumPy branch of normalize reads axis=0 as -1, and fails for columns)
    assert float(theirs(keras.ops.convert_to_tensor(W))) == pytest.approx(made(W), rel=1e-6)


def test_keras_tensor_constants_seed_generators_and_axis_none_constraints_load_and_go_back(tmp_path, h5py, monkeypatch):
    # Each failed the load: Constant(keras.ops.log(0.25)) is written as "__tensor__" ("value must be a number"),
    # a SeedGenerator seed as its config ("seed must be a non-negative integer"), MaxNorm(axis=None) was refused
    from glassnet.models.keras_files import save_keras

    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        3, activation="sigmoid", kernel_initializer=keras.initializers.GlorotUniform(seed=keras.random.SeedGenerator(3)),
        bias_initializer=keras.initializers.Constant(keras.ops.log(0.25)),
        kernel_constraint=keras.constraints.MaxNorm(0.5, axis=None))])
    theirs.save(tmp_path / "k.keras")
    ours = glassnet.models.load_model(tmp_path / "k.keras")
    dense = ours.layers[0]
    assert repr(dense.kernel_constraint) == "MaxNorm(max_value=0.5, axis=None)"
    assert dense.kernel_initializer.seed == 3 and dense.bias_initializer.value == pytest.approx(np.log(0.25))
    x, y = np.random.default_rng(1).normal(size=(8, 4)).astype("float32"), np.full((8, 3), 0.9, "float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs(x)), rtol=1e-6)
    theirs.compile(optimizer=keras.optimizers.SGD(5.0), loss="mse")  # one step, then one norm of 0.5 for all
    ours.compile(optimizer=glassnet.optimizers.SGD(5.0), loss="mse")
    theirs.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(dense.kernel) == pytest.approx(0.5, rel=1e-6)
    save_keras(ours, tmp_path / "back.keras")
    again = keras.saving.load_model(tmp_path / "back.keras")
    assert again.layers[0].kernel_constraint.get_config() == {"max_value": 0.5, "axis": None}


def test_x_at_y_metrics_go_to_keras_files_and_back_and_evaluate_as_keras(tmp_path, h5py, monkeypatch):
    # Keras 3.15's PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity and SpecificityAtSensitivity,
    # with their value, num_thresholds and class_id
    M = glassnet.metrics
    chosen = [M.PrecisionAtRecall(0.5), M.RecallAtPrecision(0.6, num_thresholds=50, name="rp"),
              M.SensitivityAtSpecificity(0.7, class_id=1), M.SpecificityAtSensitivity(0.4, num_thresholds=9)]
    model = Sequential([layers.Input((3,)), layers.Dense(2, activation="sigmoid")], seed=1)
    model.compile("sgd", "binary_crossentropy", metrics=chosen)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3))
    y = (x[:, :2] + rng.normal(size=(40, 2)) > 0).astype(float)
    def same_settings(loaded):
        assert [m.get_config() for m in loaded.metrics] == [m.get_config() for m in chosen]

    names = ["precision_at_recall", "rp", "sensitivity_at_specificity", "specificity_at_sensitivity"]
    ours, theirs = _keras_file_evaluations(model, x, y, names, tmp_path, monkeypatch, batch_size=40,
                                           check_loaded=same_settings)
    assert {k: float(v) for k, v in theirs.items()} == pytest.approx(ours, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("loss", [
    "categorical_generalized_cross_entropy",
    glassnet.losses.CategoricalGeneralizedCrossEntropy(0.3, "sum", name="gce"),
])
def test_generalized_cross_entropy_goes_both_ways_through_keras_files(loss, tmp_path, h5py, monkeypatch):
    from glassnet.models.keras_files import save_keras

    model = Sequential([layers.Input((3,)), layers.Dense(3, activation="softmax")], seed=0)
    model.compile("sgd", loss)
    save_keras(model, tmp_path / "model.keras")
    config, _ = _written(tmp_path / "model.keras")  # as an object: Keras's losses.get knows no such name
    assert config["compile_config"]["loss"]["class_name"] == "CategoricalGeneralizedCrossEntropy"
    back = glassnet.models.load_model(tmp_path / "model.keras")
    assert (type(back.loss), back.loss.get_config()) == (type(model.loss), model.loss.get_config())
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    from_keras = keras.saving.load_model(tmp_path / "model.keras")
    x, y = np.array([[1.0, 0.5, -1.0], [0.2, -0.3, 2.0], [0.0, 1.0, 0.3]]), np.array([2, 0, 1])
    assert float(from_keras.evaluate(x, y, verbose=0)) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)
    keras_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    keras_model.compile("sgd", keras.losses.CategoricalGeneralizedCrossEntropy(0.7, name="g7"))
    keras_model.save(tmp_path / "theirs.keras")
    ours = glassnet.models.load_model(tmp_path / "theirs.keras")
    assert (type(ours.loss).__name__, ours.loss.q, ours.loss.name) == ("CategoricalGeneralizedCrossEntropy", 0.7, "g7")


@pytest.mark.parametrize("loss", ["circle", glassnet.losses.Circle(4.0, 0.25, False, "sum", name="c")])
def test_circle_goes_both_ways_through_keras_files(loss, tmp_path, h5py, monkeypatch):
    from glassnet.models.keras_files import save_keras

    model = Sequential([layers.Input((3,)), layers.Dense(4), layers.UnitNormalization()], seed=0)
    model.compile("sgd", loss)
    save_keras(model, tmp_path / "model.keras")
    config, _ = _written(tmp_path / "model.keras")
    if isinstance(loss, str):
        assert config["compile_config"]["loss"] == "circle"
    back = glassnet.models.load_model(tmp_path / "model.keras")
    assert (type(back.loss), back.loss.get_config()) == (type(model.loss), model.loss.get_config())
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    from_keras = keras.saving.load_model(tmp_path / "model.keras")
    x, y = np.random.default_rng(0).normal(size=(6, 3)), np.array([0, 1, 0, 1, 2, 2])
    ours = model.evaluate(x, y, batch_size=6, verbose=0)
    assert float(from_keras.evaluate(x, y, batch_size=6, verbose=0)) == pytest.approx(ours, rel=1e-5)


@pytest.mark.parametrize("op, said", [
    (lambda keras, x: keras.ops.relu(x), r"keras.ops.relu .*write it as an Activation layer, "
                                         r"keras.layers.Activation\('relu'\)"),
    (lambda keras, x: x * 2.0, r"keras.ops.multiply \(or an operator such as x \* 2\).*write it as a layer")],
    ids=["relu", "times_two"])
def test_a_keras_operation_on_a_tensor_is_refused_as_an_operation(op, said, keras64, tmp_path):
    # keras.ops.relu(x) in a functional model is a node {"class_name": "Relu", "module": "keras.src.ops.nn"}: glassnet
    # said to register a custom layer 'Relu', a class the user does not have
    keras = keras64
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(op(keras, keras.layers.Dense(4)(inputs))))
    model.save(tmp_path / "op.keras")
    with pytest.raises(ValueError, match=said) as caught:
        glassnet.models.load_model(tmp_path / "op.keras")
    assert "custom layer" not in str(caught.value) and "register" not in str(caught.value)


def test_model_from_json_of_a_compiled_model_is_compiled_as_keras(keras64):
    # Keras 3's to_json holds compile_config and its model_from_json compiles the copy; glassnet's copy was
    # uncompiled (evaluate: "You must call compile()"), though api.md said it was compiled as the model is
    keras = keras64
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)], dtype="float64")
    model.compile(glassnet.optimizers.Adam(0.005), "mae", metrics=["mse"])
    copy = glassnet.models.model_from_json(model.to_json())
    assert copy.compiled and type(copy.optimizer).__name__ == "Adam" and copy.optimizer.learning_rate == 0.005
    assert copy.get_compile_config() == model.get_compile_config()
    copy.set_weights(model.get_weights())
    X = np.random.default_rng(0).normal(size=(8, 3))
    assert copy.evaluate(X, np.ones((8, 1)), verbose=0) == model.evaluate(X, np.ones((8, 1)), verbose=0)
    uncompiled = Sequential([layers.Input((3,)), layers.Dense(1)])
    assert "compile_config" not in json.loads(uncompiled.to_json())
    assert not glassnet.models.model_from_json(uncompiled.to_json()).compiled
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    theirs.compile(keras.optimizers.SGD(0.25), "mae")
    ours = glassnet.models.model_from_json(theirs.to_json())  # (Keras's compile_config, read as load_model reads it)
    assert ours.compiled and type(ours.optimizer).__name__ == "SGD" and ours.optimizer.learning_rate == 0.25
    assert type(ours.loss).__name__ == "MeanAbsoluteError"
