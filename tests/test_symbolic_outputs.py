"""Keras's symbolic ``model.input``/``model.output`` and ``layer.input``/``layer.output``
(layers/_symbolic.py ``_Symbolic``, models/nodes.py ``Sequential.input``): feature extraction and
extending a model, as the functional API guide, the transfer-learning guide and the FAQ write them,
against Keras 3.15 in float64; and activation functions applied to a layer's output."""

import pickle

import numpy as np
import pytest

import glassnet
from glassnet import layers


def functional_mlp(keras):
    """The functional guide's MNIST model (narrower), its layers named for get_layer."""
    inputs = keras.Input(shape=(6,))
    x = keras.layers.Dense(5, activation="relu", name="dense_1")(inputs)
    x = keras.layers.Dense(4, activation="tanh", name="my_intermediate_layer")(x)
    outputs = keras.layers.Dense(3, name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def same_weights(ours, theirs):
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])


def test_the_faq_s_intermediate_layer_model_predicts_as_keras_in_float64(keras64, rng):
    # FAQ "How can I obtain the output of an intermediate layer (feature extraction)?"
    keras = keras64
    glassnet.config.set_floatx("float64")
    x = rng.normal(size=(7, 6))
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
                               keras.layers.Dense(4, activation="tanh", name="my_layer"), keras.layers.Dense(3)])
    model = glassnet.Sequential([layers.Input((6,)), layers.Dense(5, activation="relu"),
                                 layers.Dense(4, activation="tanh", name="my_layer"), layers.Dense(3)])
    same_weights(model, theirs)
    # (Keras 3's never-called Sequential has model.inputs, not model.input; glassnet's has both)
    keras_extractor = keras.Model(inputs=theirs.inputs, outputs=theirs.get_layer("my_layer").output)
    for inputs in (model.inputs, model.input):
        extractor = glassnet.Model(inputs=inputs, outputs=model.get_layer("my_layer").output)
        assert extractor.layers == model.layers[:2] and extractor.output_shape == (None, 4)
        np.testing.assert_allclose(extractor.predict(x, verbose=0), keras_extractor.predict(x, verbose=0),
                                   rtol=0, atol=1e-12)
    assert model.input is model.inputs[0] and model.input.shape == (None, 6)
    assert model.output.shape == model.outputs[0].shape == (None, 3)


def test_the_guide_s_feature_extraction_gives_each_layer_s_output_as_keras(keras64, rng):
    # functional guide: features_list = [layer.output for layer in model.layers] in one Keras model with
    # several outputs; glassnet's models have one, so one extractor per layer, sharing the weights
    keras = keras64
    glassnet.config.set_floatx("float64")
    x = rng.normal(size=(9, 6))
    theirs, ours = functional_mlp(keras), functional_mlp(glassnet)
    same_weights(ours, theirs)
    keras_features = keras.Model(inputs=theirs.input, outputs=[layer.output for layer in theirs.layers[1:]]).predict(
        x, verbose=0)
    assert ours.input is ours.layers[0].input  # the Input the model was built on, as Keras's
    for layer, expected in zip(ours.layers, keras_features, strict=True):
        extractor = glassnet.Model(inputs=ours.input, outputs=layer.output)
        np.testing.assert_allclose(extractor.predict(x, verbose=0), expected, rtol=0, atol=1e-12)
    # the autoencoder's encoder, Model(autoencoder.input, autoencoder.layers[k].output), is such an extractor
    encoder = glassnet.Model(ours.input, ours.get_layer("dense_1").output)
    assert encoder.layers[0] is ours.layers[0]


def test_extending_a_model_from_its_output_predicts_and_trains_as_keras(keras64, rng):
    # transfer-learning guide: x = base.output; x = Dense(...)(x); model = Model(base.input, x)
    keras = keras64
    glassnet.config.set_floatx("float64")
    x, y = rng.normal(size=(12, 6)), rng.normal(size=(12, 2))
    models = []
    for k in (keras, glassnet):
        base = functional_mlp(k)
        head = k.layers.Dense(2, name="head")(base.output)
        models.append((base, k.Model(base.input, head)))
    (keras_base, theirs), (base, ours) = models
    same_weights(ours, theirs)
    assert ours.layers[:3] == base.layers  # the base's layers themselves
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=1e-12)
    for model, k in ((theirs, keras), (ours, glassnet)):
        model.compile(optimizer=k.optimizers.SGD(0.1), loss="mse")
    history = [model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history["loss"]
               for model in (theirs, ours)]
    np.testing.assert_allclose(history[1], history[0], rtol=0, atol=1e-12)
    # the base trained with it (shared weights), as Keras's
    for mine, keras_weights in zip(base.get_weights(), keras_base.get_weights(), strict=True):
        np.testing.assert_allclose(mine, keras_weights, rtol=0, atol=1e-12)


def test_training_the_extractor_changes_the_model_s_weights(rng):
    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(2),
                                 layers.Dense(1)], seed=0)
    extractor = glassnet.Model(model.inputs, model.layers[1].output)
    before = model.get_weights()
    extractor.compile(optimizer="sgd", loss="mse")
    extractor.fit(rng.normal(size=(16, 4)), rng.normal(size=(16, 2)), epochs=2, verbose=0)
    after = model.get_weights()
    for i in range(4):  # the extractor's two layers moved in the model; its last layer did not
        assert not np.allclose(after[i], before[i])
        np.testing.assert_array_equal(after[i], extractor.get_weights()[i])
    for a, b in zip(after[4:], before[4:]):
        np.testing.assert_array_equal(a, b)


def mlp_block(keras):
    """The subclassing guide's MLPBlock, as a Model (Linear as Dense), with keras.activations.relu."""
    class MLPBlock(keras.Model):
        def __init__(self):
            super().__init__()
            self.linear_1 = keras.layers.Dense(8)
            self.linear_2 = keras.layers.Dense(8)
            self.linear_3 = keras.layers.Dense(1)

        def call(self, inputs):
            x = self.linear_1(inputs)
            x = keras.activations.relu(x)
            x = self.linear_2(x)
            x = keras.activations.relu(x)
            return self.linear_3(x)

    return MLPBlock()


def test_the_mlp_block_s_activation_functions_train_as_keras_in_float64(keras64, rng):
    keras = keras64
    glassnet.config.set_floatx("float64")
    x, y = rng.normal(size=(16, 5)), rng.normal(size=(16, 1))
    theirs, ours = mlp_block(keras), mlp_block(glassnet)
    theirs(x[:1])
    ours.build((None, 5))
    assert [type(layer).__name__ for layer in ours.layers] == ["Dense", "Activation", "Dense", "Activation", "Dense"]
    same_weights(ours, theirs)
    history = []
    for model, k in ((theirs, keras), (ours, glassnet)):
        model.compile(optimizer=k.optimizers.Adam(0.01), loss="mse")
        history.append(model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history["loss"])
    np.testing.assert_allclose(history[1], history[0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=1e-10)


def test_activation_functions_on_a_functional_chain_become_activation_layers(rng):
    inputs = glassnet.Input(shape=(3,))
    x = glassnet.activations.gelu(layers.Dense(4)(inputs), approximate=True)
    model = glassnet.Model(inputs, glassnet.activations.softmax(x))
    gelu, softmax = model.layers[1].activation, model.layers[2].activation
    assert gelu.name == "gelu" and gelu.get_config()["approximate"] is True and softmax.name == "softmax"
    X = rng.normal(size=(5, 3))
    np.testing.assert_allclose(model.predict(X, verbose=0), glassnet.activations.softmax(
        glassnet.activations.gelu(model.layers[0](X), approximate=True)), rtol=1e-6)
    with pytest.raises(ValueError, match=r"log_softmax\(x, axis=0\) on a layer.s output: .*batch axis 0"):
        glassnet.activations.log_softmax(x, axis=0)


def test_input_dtype_is_keras_s(keras_float64):
    keras = keras_float64[0]
    for dtype in (None, "float64", "int32"):
        assert glassnet.Input(shape=(3,), dtype=dtype).dtype == keras.Input(shape=(3,), dtype=dtype).dtype


def _copies(model):
    """``model``'s copies made without its Input object: from_config, clone_model, model_from_json."""
    return {"from_config": glassnet.Model.from_config(model.get_config()),
            "clone_model": glassnet.models.clone_model(model),
            "model_from_json": glassnet.models.model_from_json(model.to_json())}


def test_a_copy_s_input_has_the_name_given_to_the_input_as_keras_s(rng):
    # a copy's model.input had no name (it was made of the input shape alone): predict({"x": ...}) was refused
    # with "this model's has no name yet"; Keras 3.15's copies: inputs[0].name "x", predict of the dict (2, 1)
    inputs = glassnet.Input((4,), name="x")
    model = glassnet.Model(inputs, layers.Dense(1, name="top")(inputs), name="outer")
    X = rng.normal(size=(2, 4)).astype("float32")
    for how, copy in _copies(model).items():
        assert copy.predict({"x": X}, verbose=0).shape == (2, 1), how  # (before anything reads copy.input)
        assert copy.input.name == "x" and copy.inputs[0].name == "x", how
        assert copy.input is copy.inputs[0] and glassnet.Model(copy.input, copy.layers[0].output).layers == \
            copy.layers, how


def test_get_layer_finds_a_functional_model_s_input_by_its_name_as_keras():
    # Keras 3.15: get_layer("x") of a functional model is its InputLayer "x"; of a Sequential "No such layer"
    inputs = glassnet.Input((4,), name="x")
    model = glassnet.Model(inputs, layers.Dense(1, name="d")(inputs), name="f")
    assert model.get_layer("x") is inputs and model.get_layer("d") is model.layers[0]
    copy = glassnet.models.clone_model(model)
    assert copy.get_layer("x") is copy.input and isinstance(copy.input, layers.InputLayer)
    assert copy.get_layer(index=0) is copy.layers[0]  # (layers and index leave the InputLayer out, as documented)
    sequential = glassnet.Sequential([layers.Input((4,), name="x"), layers.Dense(1, name="d")], name="s")
    with pytest.raises(ValueError, match=r"No such layer: 'x'. Existing layers are: \['d'\]"):
        sequential.get_layer("x")


def test_an_input_s_batch_size_is_in_the_output_shape_as_keras_s():
    # output_shape was (None, 2) where Keras 3.15 gives (8, 2), as summary() did; its copies' input.shape
    # was (None, 4) where Keras's is (8, 4)
    inputs = glassnet.Input(batch_shape=(8, 4), name="x")
    model = glassnet.Model(inputs, layers.Dense(2, name="d")(inputs))
    assert model.output_shape == (8, 2) and model.input.shape == (8, 4)
    assert glassnet.Sequential([layers.Input(batch_shape=(8, 3)), layers.Dense(2)]).output_shape == (8, 2)
    assert glassnet.Sequential([layers.Input((3,)), layers.Dense(2)]).output_shape == (None, 2)
    assert model.output.shape == (8, 2)  # (the symbolic output's too; it was (None, 2))
    for how, copy in _copies(model).items():
        assert (copy.input_shape, copy.input.shape, copy.output_shape) == ((8, 4), (8, 4), (8, 2)), how
    # an integer Input's dtype too (token ids): Keras 3.15's copies keep int32, glassnet's said float32
    ids = glassnet.Input((4,), dtype="int32", name="ids")
    tokens = glassnet.Model(ids, layers.Dense(2)(ids))
    for how, copy in _copies(tokens).items():
        assert copy.input.dtype == "int32", how


def _encoder_in_a_model():
    inputs = glassnet.Input(batch_shape=(8, 4), name="enc_in", dtype="int32")
    encoder = glassnet.Model(inputs, layers.Dense(2, name="e1")(inputs), name="encoder")
    outer_inputs = glassnet.Input((4,), name="top_in")
    return glassnet.Model(outer_inputs, layers.Dense(1, name="out")(encoder(outer_inputs)), name="top")


def test_a_nested_model_s_input_keeps_its_name_batch_size_and_dtype_in_copies_as_keras():
    # the copies' encoder.input was input_layer, (None, 4), float32; Keras 3.15's copies keep enc_in, (8, 4), int32
    model = _encoder_in_a_model()
    for how, copy in {"original": model, **_copies(model)}.items():
        encoder = copy.get_layer("encoder")
        assert (encoder.input.name, encoder.input.shape, encoder.input.dtype) == ("enc_in", (8, 4), "int32"), how
        assert (encoder.output_shape, copy.output_shape) == ((8, 2), (None, 1)), how
        rows = []
        copy.summary(expand_nested=True, print_fn=lambda text: rows.extend(text.splitlines()))
        assert [" ".join(row.split()[:-1]) for row in rows if "InputLayer" in row] == [
            "top_in (InputLayer) (None, 4)", "└ enc_in (InputLayer) (8, 4)"], how


def test_a_keras_sequential_s_get_config_holding_a_functional_model_is_read(rng):
    # Keras's in-memory config holds tuples where its JSON has lists: "malformed inbound node"
    keras = pytest.importorskip("keras")
    inputs = keras.Input((4,), name="enc_in")
    encoder = keras.Model(inputs, keras.layers.Dense(2, name="e1")(inputs), name="encoder")
    theirs = keras.Sequential([encoder, keras.layers.Dense(1, name="out")], name="seqtop")
    X = rng.normal(size=(3, 4)).astype("float32")
    for read in (glassnet.Sequential.from_config, glassnet.Model.from_config):
        ours = read(theirs.get_config())
        assert [layer.name for layer in ours.layers] == ["e1", "out"]  # (a nested model joins as its layers)
        assert ours.get_layer("encoder").input.name == "enc_in"
        same_weights(ours, theirs)
        np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=1e-5, atol=1e-6)


def test_a_shared_layer_s_output_is_its_first_chain_s_as_keras():
    dense = layers.Dense(2)
    first, second = glassnet.Input((3,)), glassnet.Input((3,))
    model_1, model_2 = glassnet.Model(first, dense(first)), glassnet.Model(second, dense(second))
    assert dense.input is first and dense.output.input is first
    assert glassnet.Model(model_1.input, dense.output).layers == [dense]
    # a nested model's layer: its output is the nested model's (Keras: "not connected to inputs")
    base = glassnet.Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(4)], name="base")
    outer = glassnet.Sequential([layers.Input((3,)), base, layers.Dense(1)])
    assert base.layers[1].output.input is base.input
    with pytest.raises(ValueError, match=r"not computed from inputs: .*Model\(nested_model.input, layer.output\)"):
        glassnet.Model(outer.input, base.layers[1].output)
    extractor = glassnet.Model(outer.input, outer.layers[-1].output)  # the outer model's own layer: nests base
    assert extractor.get_layer("base") is base
    assert model_2.layers == [dense]


def test_several_outputs_and_a_layer_in_no_model_are_refused_with_what_to_write():
    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"outputs has 2\. .*one model per layer.*"
                                         r"\[Model\(model.input, layer.output\) for layer in model.layers\]"):
        glassnet.Model(model.input, [layer.output for layer in model.layers])
    for name in ("input", "output"):
        with pytest.raises(AttributeError, match=f"has no symbolic {name}: it is in no built model"):
            getattr(layers.Dense(2), name)
    unbuilt = glassnet.Sequential([layers.Dense(2)])
    for name in ("input", "inputs", "output", "outputs"):
        with pytest.raises(AttributeError, match="has no defined input yet: build it"):
            getattr(unbuilt, name)
        assert not hasattr(unbuilt, name)
    unbuilt.build((None, 5))
    assert unbuilt.layers[0].output.shape == (None, 2) and unbuilt.input.shape == (None, 5)


def test_layer_outputs_survive_pickling_and_popping(rng):
    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    copy = pickle.loads(pickle.dumps(model))
    extractor = glassnet.Model(copy.input, copy.layers[0].output)
    X = rng.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(extractor.predict(X, verbose=0), model.layers[0](X), rtol=1e-6)
    last = model.pop()
    assert last.output.shape == (None, 2) and last.output.input is model.input  # its node is kept, as Keras's


def test_a_layer_does_not_keep_its_deleted_model_alive():
    # a layer's node held its first model: new = Sequential(base.layers[:1] + [...]) kept base alive, with its
    # flat weights and optimizer state; now the next model's place takes over
    import gc
    import weakref

    base = glassnet.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    base.compile(optimizer="adam", loss="mse")
    new = glassnet.Sequential([layers.Input((4,)), base.layers[0], layers.Dense(1)])
    gone = weakref.ref(base)
    del base
    gc.collect()
    assert gone() is None
    first = new.layers[0]
    assert first.output.shape == (None, 3) and first.input is new.input
    assert glassnet.Model(new.input, first.output).output_shape == (None, 3)
    head = new.layers[1]
    del new
    gc.collect()
    assert first.output.shape == (None, 3)  # (read while a model held it: kept, as Keras's node)
    with pytest.raises(AttributeError, match="were deleted"):
        head.output
