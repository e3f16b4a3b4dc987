"""Keras's several inputs and outputs met by glassnet's one-input one-output models (session 58, hmulti's
findings): lists of two arrays in fit/evaluate/predict, the refusals of two Inputs or two heads (with a way
forward that works), a Keras file of ``Model({"feats": inp}, out)``, ``model.output[0]`` of ported code and
``metrics={"out": None}``. The Keras figures come from Keras 3.15 on JAX in float64."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from glassnet import layers
from glassnet.models import Model, load_model, model_from_json

DATA = Path(__file__).resolve().parent / "data" / "keras"
rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3))
Y = np.eye(3)[rng.integers(0, 3, 12)]


def _model(compiled=True):
    inputs = layers.Input((3,), name="feats")
    outputs = layers.Dense(3, activation="softmax", name="out")(layers.Dense(4, activation="relu", name="h")(inputs))
    model = Model(inputs, outputs)
    if compiled:
        model.compile("sgd", "categorical_crossentropy")
    return model


# -- fit/evaluate/predict given Keras's list of one array per input or output -------------------------------------

def test_a_list_of_two_targets_says_the_model_has_one_output_and_what_to_do():
    # was "Inconsistent numbers of samples: x has 12, y has 2."
    model = _model()
    said = r"y is a {} of 2 arrays, one per output .* glassnet models have one input and one output: make one model " \
           r"per output .*np\.column_stack\(\[y1, y2\]\).* Received arrays of shapes \[\(12, 3\), \(12, 3\)\]"
    for kind, targets in (("list", [Y, Y]), ("tuple", (Y, Y))):
        with pytest.raises(ValueError, match=said.format(kind)):
            model.fit(X, targets, verbose=0)
    with pytest.raises(ValueError, match=said.format("list")):
        model.evaluate(X, [Y, Y], verbose=0)
    with pytest.raises(ValueError, match=r"validation_data\[1\] is a list of 2 arrays, one per output"):
        model.fit(X, Y, validation_data=(X, [Y, Y]), verbose=0)
    with pytest.raises(ValueError, match=r"batch 1 .*: y is a list of 2 arrays, one per output"):
        model.fit(iter([(X, [Y, Y])]), verbose=0)


def test_a_list_of_two_inputs_says_the_model_has_one_input_and_to_concatenate_the_features():
    # was "x must be a 2-D array of shape (n_samples, n_features). Received an array of shape (2, 12, 3)."
    model = _model()
    said = r"x is a {} of 2 arrays, one per input .* glassnet models have one input and one output: concatenate the " \
           r"features into one array, np\.hstack\(\[x1, x2\]\).* Received arrays of shapes \[\(12, 3\), \(12, 2\)\]"
    for kind, inputs in (("list", [X, X[:, :2]]), ("tuple", (X, X[:, :2]))):
        with pytest.raises(ValueError, match=said.format(kind)):
            model.fit(inputs, Y, verbose=0)
        with pytest.raises(ValueError, match=said.format(kind)):
            model.predict(inputs, verbose=0)


def test_a_list_of_one_array_and_a_list_of_samples_are_still_taken():
    model = _model()
    np.testing.assert_array_equal(model.predict([X], verbose=0), model.predict(X, verbose=0))
    np.testing.assert_array_equal(model.predict([X[0], X[1]], verbose=0), model.predict(X[:2], verbose=0))
    assert model.evaluate([X], [Y], verbose=0) == model.evaluate(X, Y, verbose=0)
    model.fit(X[:2], [Y[0], Y[1]], verbose=0)  # two samples' rows, as many as x's rows: data, not two outputs


# -- the refusals of several inputs or outputs say what works instead ---------------------------------------------

def test_model_of_two_inputs_or_two_heads_says_what_works_instead():
    a, b = layers.Input((3,), name="a"), layers.Input((2,), name="b")
    with pytest.raises(ValueError, match=r"one input and one output; inputs has 2\. Give the model Input\(\(5,\)\), "
                                         r"all the features side by side.*np\.hstack\(\[x1, x2\]\)"):
        Model([a, b], layers.Dense(2)(a))
    trunk = layers.Dense(4, activation="relu")(a)
    with pytest.raises(ValueError, match=r"outputs has 2\. For several heads on shared layers, make one model per "
                                         r"head, Model\(inputs, head\) for each"):
        Model(a, [layers.Dense(3)(trunk), layers.Dense(1)(trunk)])
    with pytest.raises(ValueError, match=r"inputs has 0\.$"):
        Model([], layers.Dense(2)(a))


def test_one_model_per_head_shares_the_trunk_as_the_message_says():
    inputs = layers.Input((3,))
    trunk = layers.Dense(4, activation="relu")(inputs)
    classify, regress = Model(inputs, layers.Dense(3)(trunk)), Model(inputs, layers.Dense(1)(trunk))
    assert classify.layers[0] is regress.layers[0]
    before = regress.predict(X, verbose=0)
    classify.compile("sgd", "mse")
    classify.fit(X, Y, epochs=2, verbose=0)
    assert not np.allclose(regress.predict(X, verbose=0), before)  # the shared layer learnt for both


def test_a_keras_config_of_two_heads_says_one_model_per_output_not_a_sequential():
    # was "its model has 1 inputs and 2 outputs; ... Rebuild the model as keras.Sequential([...])."
    text = (DATA / "two_outputs.json").read_text()
    for read in (lambda: Model.from_config(json.loads(text)["config"]), lambda: model_from_json(text)):
        with pytest.raises(ValueError, match=r"its model has 1 input and 2 outputs; .*for several outputs, save one "
                                             r"model per output, keras\.Model\(inputs, output\), and load each") as caught:
            read()
        assert "Sequential" not in str(caught.value)


# -- a Keras file of Model({"feats": inputs}, outputs) --------------------------------------------------------------

def test_a_keras_config_of_one_input_keyed_by_its_name_is_read_and_another_key_refused(tmp_path):
    model = _model()
    model.export(tmp_path / "chain.keras", format="keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "chain.keras").read("config.json"))["config"]
    assert config["input_layers"] == ["feats", 0, 0]
    config["input_layers"] = {"feats": ["feats", 0, 0]}  # as Keras 3.15 writes Model({"feats": inputs}, ...)
    read = Model.from_config(config)  # was "its model takes its inputs as a dict (keys ['feats'])"
    read.set_weights(model.get_weights())
    assert read.input.name == "feats" and [layer.name for layer in read.layers] == ["h", "out"]
    np.testing.assert_array_equal(read.predict({"feats": X}, verbose=0), model.predict(X, verbose=0))
    for other in ({"other": ["feats", 0, 0]}, {"feats": ["feats", 0, 0], "more": ["feats", 0, 0]}):
        config["input_layers"] = other
        with pytest.raises(ValueError, match=r"takes its inputs as a dict \(keys \['other'\]\)|has 2 inputs"):
            Model.from_config(config)
    # an Input without a given name (Keras's default input_layer) keys nothing, as in Model({"input_layer": ...})
    keras_default = json.loads((DATA / "functional_chain.json").read_text())["config"]
    keras_default["input_layers"] = {"input_layer": keras_default["input_layers"]}
    with pytest.raises(ValueError, match=r"takes its inputs as a dict \(keys \['input_layer'\]\)"):
        Model.from_config(keras_default)


@pytest.fixture
def keras64(keras_x64):
    """Keras on JAX computing in float64 (its floatx: predict casts NumPy inputs to it), then as it was."""
    keras, _ = keras_x64
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield keras
    keras.config.set_floatx(previous)


def _keras_float64(keras):
    keras_layers = keras.layers
    inputs = keras.Input((3,), name="feats", dtype="float64")
    hidden = keras_layers.Dense(4, activation="relu", name="h", dtype="float64")(inputs)
    return inputs, hidden, keras_layers.Dense(3, name="out", dtype="float64")(hidden)


def test_a_keras_file_of_a_dict_input_keyed_by_its_name_loads_and_predicts_as_keras(tmp_path, keras64):
    keras = keras64
    inputs, _, outputs = _keras_float64(keras)
    theirs = keras.Model({"feats": inputs}, outputs)
    theirs.save(tmp_path / "dict.keras")  # was refused: "its model takes its inputs as a dict (keys ['feats'])"
    model = load_model(tmp_path / "dict.keras")
    expected = np.asarray(theirs.predict({"feats": X}, verbose=0))
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.predict({"feats": X}, verbose=0), expected, rtol=0, atol=1e-12)
    assert model.dtype == "float64" and model.input.name == "feats"


def test_keras_files_of_two_inputs_or_two_heads_say_a_way_forward_that_works(tmp_path, keras64):
    keras = keras64
    kl = keras.layers
    a, b = keras.Input((3,), name="a", dtype="float64"), keras.Input((2,), name="b", dtype="float64")
    merged = kl.Concatenate(name="cat", dtype="float64")([a, b])
    two_in = keras.Model([a, b], kl.Dense(2, name="out", dtype="float64")(kl.Dense(4, dtype="float64")(merged)))
    two_in.save(tmp_path / "two_in.keras")
    with pytest.raises(ValueError, match=r"its model has 2 inputs and 1 output; .*for several inputs, rebuild it in "
                                         r"Keras with one Input .*np\.hstack\(\[x1, x2\]\)\.$"):
        load_model(tmp_path / "two_in.keras")  # (was "its layer 'cat' takes 2 inputs ... keras.Sequential")
    one = keras.Input((5,), dtype="float64")
    one_in = keras.Model(one, kl.Dense(2, dtype="float64")(kl.Dense(4, dtype="float64")(one)))
    one_in.set_weights(two_in.get_weights())
    one_in.save(tmp_path / "one_in.keras")
    x2 = X[:, :2] * 0.5
    np.testing.assert_allclose(load_model(tmp_path / "one_in.keras").predict(np.hstack([X, x2]), verbose=0),
                               np.asarray(two_in.predict([X, x2], verbose=0)), rtol=0, atol=1e-12)

    inputs, hidden, classes = _keras_float64(keras)
    value = kl.Dense(1, name="value", dtype="float64")(hidden)
    keras.Model(inputs, [classes, value]).save(tmp_path / "two_out.keras")
    with pytest.raises(ValueError, match=r"its model has 1 input and 2 outputs; .*save one model per output, "
                                         r"keras\.Model\(inputs, output\), and load each") as caught:
        load_model(tmp_path / "two_out.keras")
    assert "Sequential" not in str(caught.value)
    for head in (classes, value):
        keras.Model(inputs, head).save(tmp_path / "head.keras")
        np.testing.assert_allclose(load_model(tmp_path / "head.keras").predict(X, verbose=0),
                                   np.asarray(keras.Model(inputs, head).predict(X, verbose=0)), rtol=0, atol=1e-12)


# -- model.output[0] of code written for Keras's Model([inputs], [outputs]) ----------------------------------------

def test_indexing_the_model_output_says_it_is_the_tensor_itself(keras64):
    keras = keras64
    inputs, _, outputs = _keras_float64(keras)
    theirs = keras.Model([inputs], [outputs])  # Keras keeps the lists: model.output[0] is its tensor
    assert isinstance(theirs.input, list) and isinstance(theirs.output, list)
    assert isinstance(keras.Model({"feats": inputs}, outputs).input, dict)
    a = layers.Input((3,), name="feats")
    model = Model([a], [layers.Dense(3, name="out")(layers.Dense(4)(a))])
    assert len(model.outputs) == 1 and model.outputs[0].shape == (None, 3)
    # was "arithmetic on a layer's output (x + y, 2 * x, x[...]) cannot be part of a glassnet model"
    for tensor, key in ((model.output, 0), (model.output, -1), (model.input, 0), (model.input, "feats")):
        with pytest.raises(TypeError, match=r"is one tensor, not a list or dict: .*Write model\.output for "
                                            r"model\.output\[0\] and model\.input for model\.input\[0\]"):
            tensor[key]
    for tensor in (model.output, model.input):  # a slice is still arithmetic
        with pytest.raises(TypeError, match=r"arithmetic on a layer's output"):
            tensor[:, 0]
    assert model.get_layer("out").output.shape == model.outputs[0].shape == (None, 3)


# -- metrics=[None] and metrics={"out": None} ----------------------------------------------------------------------

def test_a_metric_of_none_is_refused_in_the_list_and_in_the_dict_as_keras_refuses_both(keras64):
    keras = keras64
    inputs, _, outputs = _keras_float64(keras)
    for metrics in ([None], {"out": None}):
        theirs = keras.Model(inputs, outputs)
        theirs.compile("sgd", "mse", metrics=metrics)
        with pytest.raises(ValueError, match="Expected metric, received `None`"):
            theirs.fit(X, Y, verbose=0)
    model = _model(compiled=False)
    for metrics in ([None], {"out": None}, {"out": [None]}):  # {"out": None} was taken as no metrics
        with pytest.raises(TypeError, match="metrics must be names, Metric objects or functions"):
            model.compile("sgd", "mse", metrics=metrics)
    with pytest.raises(TypeError, match=r"weighted_metrics must be names.*Received: weighted_metrics=\{'out': None\}"):
        model.compile("sgd", "mse", weighted_metrics={"out": None})
    model.compile("sgd", "mse", metrics={"out": []})  # no metrics, as Keras's
    assert model.fit(X, Y, verbose=0).history.keys() == {"loss"}


def test_a_short_list_of_one_hot_rows_is_a_sample_count_mismatch_not_one_array_per_output():
    # (review) 2 one-hot rows for 5 samples were called "a list of 2 arrays, one per output"
    inputs = layers.Input((4,))
    model = Model(inputs, layers.Dense(3, activation="softmax")(inputs))
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="Inconsistent numbers of samples: x has 5, y has 2"):
        model.fit(np.zeros((5, 4)), [np.array([1.0, 0, 0]), np.array([0.0, 1, 0])], verbose=0)
