"""Keras code with only its imports changed (``import glassnet as keras``) runs, or
says clearly what glassnet offers instead."""

import inspect
import re
import warnings

import numpy as np
import pytest

import glassnet
import glassnet as keras
from glassnet import layers


def test_sequential_input_and_input_layer_are_top_level_names_as_in_keras():
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3)])
    assert model.input_shape == (None, 8)
    assert keras.Sequential is glassnet.models.Sequential
    assert keras.Input is layers.Input and keras.InputLayer is layers.InputLayer
    for name in ("Sequential", "Input", "InputLayer"):
        assert name in glassnet.__all__ and name in dir(glassnet)


def test_keras_3_top_level_base_classes_and_a_clear_word_on_keras_ops():
    # Keras 3 spells the base classes keras.Layer, keras.Loss, ...: glassnet raised a bare AttributeError
    for name, module in (("Layer", glassnet.layers), ("Loss", glassnet.losses), ("Metric", glassnet.metrics),
                         ("Optimizer", glassnet.optimizers), ("Initializer", glassnet.initializers),
                         ("Regularizer", glassnet.regularizers)):
        assert getattr(keras, name) is getattr(module, name)
        assert name in glassnet.__all__ and name in dir(glassnet)

    class Scale(keras.Layer):  # a Keras 3 guide's subclass of keras.Layer
        def forward(self, X, training=False):
            return 2 * X

        def backward(self, dY):
            return 2 * dY

    np.testing.assert_array_equal(Scale()(np.ones((1, 3))), [[2.0, 2.0, 2.0]])
    # the losses' docstrings build their inputs with keras.ops.array
    with pytest.raises(AttributeError, match="no attribute 'ops': .*NumPy arrays .*np.array"):
        keras.ops.array([1.0, 0.3])
    with pytest.raises(AttributeError, match="has no attribute 'nothing'$"):
        keras.nothing
    # `from keras import ops`, the first line of several keras.io guides: Python's import gave a bare "cannot
    # import name 'ops' from 'glassnet'", dropping the package's message
    for name, said in (("ops", r"np\.mean"), ("random", "set_random_seed"), ("applications", "pretrained")):
        with pytest.raises(ImportError, match=rf"glassnet has no {name} module, Keras's keras\.{name}: .*{said}"):
            exec(f"from glassnet import {name}")
        assert not hasattr(keras, name)


def test_input_takes_keras_arguments_that_mean_what_glassnet_does():
    for made in (layers.Input(batch_shape=(None, 8)), layers.Input(batch_shape=(32, 8), batch_size=32),
                 layers.Input(shape=(8,), batch_size=None, dtype="float32", sparse=False, ragged=False, name="x"),
                 layers.InputLayer(shape=(8,), sparse=None), layers.Input((8,), 32)):  # Keras's order: batch_size second
        assert made.input_shape == (8,)
    assert layers.Input(batch_shape=(None, 28, 28)).input_shape == (28, 28)
    assert keras.Sequential([layers.Input(batch_shape=(None, 8)), layers.Dense(3)]).output_shape == (None, 3)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(shape=(8,), sparse=True), ValueError, "no sparse inputs.*sparse must be None or False. Received: sparse=True"),
    (dict(shape=(8,), ragged=True), ValueError, "ragged must be None or False"),
    # "The truth value of an array with more than one element is ambiguous"
    (dict(shape=(8,), sparse=np.zeros(2)), ValueError, "sparse must be None or False. Received: sparse=array"),
    (dict(shape=(8,), tensor=np.ones((2, 8))), ValueError, "Input takes no tensor.*input_tensor=None"),
    (dict(shape=(8,), optional=True), ValueError, "optional must be False"),
    (dict(shape=(8,), batch_shape=(None, 8)), ValueError, "shape= or batch_shape=, not both"),
    (dict(batch_shape=(8,)), TypeError, r"batch_shape must be a tuple \(batch_size or None, \*shape\)"),
    (dict(batch_shape=(32, 8), batch_size=16), ValueError, "batch_shape\\[0\\]=32 and batch_size=16 disagree"),
    (dict(batch_shape=(0, 8)), ValueError, "batch_shape\\[0\\] must be a positive integer"),
])
def test_input_refuses_keras_arguments_glassnet_cannot_honour(kwargs, error, match):
    with pytest.raises(error, match=match):
        layers.Input(**kwargs)


def test_flatten_takes_keras_data_format_first():
    flat = layers.Flatten("channels_last")  # Keras's first parameter, not the name
    assert flat.name is None and flat.data_format == "channels_last"
    assert layers.Flatten(data_format=None).data_format is None
    assert layers.Flatten.from_config(flat.get_config()).data_format == "channels_last"
    model = keras.Sequential([layers.Input((2, 3)), layers.Flatten(data_format="channels_last"), layers.Dense(2)])
    assert model.predict(np.ones((4, 2, 3))).shape == (4, 2)
    with pytest.raises(ValueError, match="data_format must be None, 'channels_last' or 'channels_first'. "
                       "Received: data_format='nhwc'"):
        layers.Flatten("nhwc")
    with pytest.raises(ValueError, match="data_format must be None, 'channels_last' or 'channels_first'"):
        layers.Flatten(np.array(["channels_last"] * 2))  # "The truth value of an array ... is ambiguous"


def test_flatten_channels_first_moves_the_channels_last_as_keras():
    # Keras 3.15: Flatten(data_format="channels_first") of arange(24).reshape(1, 2, 3, 4), and of (1, 2, 3)
    flat = layers.Flatten(data_format="channels_first")
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    assert flat.forward(x).tolist() == [[0, 12, 1, 13, 2, 14, 3, 15, 4, 16, 5, 17, 6, 18, 7, 19, 8, 20, 9, 21,
                                         10, 22, 11, 23]]
    assert flat.forward(np.arange(6.0).reshape(1, 2, 3)).tolist() == [[0, 3, 1, 4, 2, 5]]
    assert flat.forward(np.arange(3.0).reshape(1, 3)).tolist() == [[0, 1, 2]]  # one axis: unchanged
    # backward undoes forward: dX[n, c, h, w] is the row entry that x[n, c, h, w] went to
    flat.forward(x)
    np.testing.assert_array_equal(flat.backward(flat.forward(x)), x)
    assert layers.Flatten.from_config(flat.get_config()).data_format == "channels_first"


def test_flatten_channels_first_trains_with_exact_gradients():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 2, 3, 2)), rng.normal(size=(6, 2))
    model = keras.Sequential([layers.Input((2, 3, 2)), layers.Flatten("channels_first"), layers.Dense(3, "tanh"),
                              layers.Dense(2)], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    report = glassnet.check_gradients(model, X, y)
    assert report.max_error < 1e-7, report
    # the same network on channels-last input, with the same weights, computes the same outputs
    last = keras.Sequential([layers.Input((3, 2, 2)), layers.Flatten(), layers.Dense(3, "tanh"), layers.Dense(2)],
                            dtype="float64")
    last.build()
    last.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(X, verbose=0), last.predict(np.moveaxis(X, 1, -1), verbose=0),
                               rtol=1e-12)


def test_batchnorm_takes_keras_axis_first():
    assert layers.BatchNormalization(-1).momentum == 0.99  # -1 is the axis, not the momentum
    assert layers.BatchNormalization(-1, 0.9).momentum == 0.9
    for axis in (-1, 1, [-1]):
        layers.BatchNormalization(axis=axis)
    assert layers.BatchNormalization.from_config(layers.BatchNormalization(axis=1).get_config()).axis == 1
    for axis in (0, -2):
        with pytest.raises(ValueError, match=f"axis must be -1 .*Received: axis={axis}"):
            layers.BatchNormalization(axis=axis)
    # axis 2: the last of samples (m, k), not of 1-D ones
    assert glassnet.Sequential([layers.Input((3, 4)), layers.BatchNormalization(axis=2)]).output_shape == (None, 3, 4)
    with pytest.raises(ValueError, match=r"for inputs of shape \(None, 4\) axis must be -1 or 1. Received: axis=2"):
        glassnet.Sequential([layers.Input((4,)), layers.BatchNormalization(axis=2)])
    with pytest.raises(TypeError, match="axis must be an integer"):
        layers.BatchNormalization(axis=0.5)


def test_the_functional_api_guides_mlp_is_the_sequential_of_its_layers():
    # keras.io's "The Functional API" guide, first example, with only the import changed
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    assert inputs.input_shape == (784,) and x.shape == (None, 64) and outputs.shape == (None, 10)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    assert type(model) is keras.Sequential and model.name == "mnist_model"
    assert isinstance(model, keras.Model) and isinstance(keras.Sequential(), keras.Model)  # as in Keras
    assert issubclass(keras.Sequential, keras.Model) and keras.models.Model is keras.Model
    assert model.input_shape == (None, 784) and [layer.units for layer in model.layers] == [64, 64, 10]
    keras.utils.set_random_seed(0)
    same = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(64, activation="relu"),
                             layers.Dense(64, activation="relu"), layers.Dense(10)])
    for a, b in zip(model.get_weights(), same.get_weights(), strict=True):  # the same draws, in the same order
        np.testing.assert_array_equal(a, b)
    images = np.random.default_rng(0).random((200, 784), dtype=np.float32)
    labels = np.arange(200) % 10
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    history = model.fit(images, labels, batch_size=64, epochs=2, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    pixels = keras.Input(shape=(28, 28))  # images, flattened by the first layer; Dropout's training flag
    hidden = layers.Dropout(0.2)(layers.Dense(8)(layers.Flatten()(pixels)), training=True)  # (fit's own wins)
    assert keras.Model(pixels, hidden).output_shape == (None, 8)


def test_model_from_config_rebuilds_a_functional_model_as_keras_does():
    # Keras's serialization guide: new_model = keras.Model.from_config(model.get_config()); glassnet's Model
    # had no from_config (a bare AttributeError)
    inputs = keras.Input(shape=(4,))
    outputs = layers.Dense(2, activation="softmax")(layers.Dense(3, activation="relu")(inputs))
    model = keras.Model(inputs, outputs, name="mlp")
    copy = keras.Model.from_config(model.get_config())
    assert isinstance(copy, keras.Model) and copy.name == "mlp" and copy.input_shape == (None, 4)
    assert [(type(l).__name__, l.units, l.activation.name) for l in copy.layers] == [("Dense", 3, "relu"),
                                                                                     ("Dense", 2, "softmax")]
    assert copy.layers[0] is not model.layers[0]  # new layers, fresh weights (as Keras)


def test_from_config_takes_keras_custom_objects():
    # the Functional API guide's own line: keras.Model.from_config(config, custom_objects={"CustomDense": ...})
    # was a TypeError (unexpected keyword argument); models, optimizers and layers take it, as Keras 3.15's
    class CustomDense(layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            return {**super().get_config(), "units": self.units}

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], self.units)

    inputs = keras.Input((4,))
    config = keras.Model(inputs, CustomDense(10)(inputs)).get_config()
    with pytest.raises(ValueError, match="CustomDense"):
        keras.Model.from_config(config)  # not registered, not given: a clear error
    for cls in (keras.Model, keras.Sequential):
        model = cls.from_config(config, custom_objects={"CustomDense": CustomDense})
        assert type(model.layers[0]) is CustomDense and model.layers[0].units == 10
    model = keras.Sequential.from_config(config, {"CustomDense": CustomDense})  # positionally, as Keras's
    assert model.output_shape == (None, 10)

    class MyDense(layers.Dense):
        pass

    wrapped = layers.SpectralNormalization(layers.Dense(3)).get_config()
    wrapped["layer"] = {"class_name": "MyDense", "config": layers.Dense(3).get_config()}
    with pytest.raises(ValueError, match="MyDense"):
        layers.SpectralNormalization.from_config(wrapped)
    assert type(layers.SpectralNormalization.from_config(wrapped, custom_objects={"MyDense": MyDense}).layer) is MyDense

    class Slower(keras.optimizers.schedules.ExponentialDecay):
        pass

    config = keras.optimizers.Adam(Slower(0.1, 10, 0.5)).get_config()
    # (the registry's advice itself, whole, since session 57: it was wrapped in "learning_rate must be ..." and cut)
    with pytest.raises(ValueError, match="learning-rate schedule 'Slower' must be registered or passed"):
        keras.optimizers.Adam.from_config(config)
    adam = keras.optimizers.Adam.from_config(config, custom_objects={"Slower": Slower})
    assert type(adam._learning_rate) is Slower and adam._learning_rate.decay_steps == 10


def test_model_from_config_reads_a_keras_functional_config_that_is_a_chain(real_keras):
    real = real_keras
    inputs = real.Input((4,))
    chain = real.Model(inputs, real.layers.Dense(2, activation="softmax")(real.layers.Dense(3, activation="relu")(inputs)))
    model = keras.Model.from_config(chain.get_config())  # Keras's in-memory config (tuples, not JSON's lists)
    model.set_weights(chain.get_weights())
    X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(model.predict(X), np.asarray(chain.predict(X, verbose=0)), rtol=1e-5, atol=1e-6)
    branches = real.layers.Add()([real.layers.Dense(3)(inputs), real.layers.Dense(3)(inputs)])
    with pytest.raises(ValueError, match="merge of branches.*keras.Sequential"):
        keras.Model.from_config(real.Model(inputs, branches).get_config())


def test_functional_models_may_share_layers_as_an_encoder_and_its_autoencoder():
    # the guide's autoencoder: the encoder is the first part of the autoencoder, and sees its training
    images = np.random.default_rng(1).random((64, 20), dtype=np.float32)
    encoder_input = keras.Input(shape=(20,), name="img")
    code = layers.Dense(4, activation="relu")(encoder_input)
    encoder = keras.Model(encoder_input, code, name="encoder")
    autoencoder = keras.Model(encoder_input, layers.Dense(20, activation="sigmoid")(code), name="autoencoder")
    assert encoder.layers[0] is autoencoder.layers[0]
    autoencoder.compile(optimizer="adam", loss="mse")
    before = encoder.predict(images, verbose=0)
    autoencoder.fit(images, images, epochs=3, batch_size=16, verbose=0)
    W, b = autoencoder.layers[0].get_weights()
    after = encoder.predict(images, verbose=0)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, np.maximum(images @ W + b, 0), rtol=1e-5, atol=1e-6)



def test_the_blog_s_decoder_made_of_the_autoencoder_s_last_layer_leaves_the_autoencoder_trainable():
    # "Building Autoencoders in Keras": decoder = keras.Model(encoded_input, decoder_layer(encoded_input)). That
    # layer, first in the decoder, needs no input gradient there; the autoencoder took it back with that flag and
    # its fit failed with AttributeError: 'NoneType' object has no attribute 'ndim'
    rng = np.random.default_rng(2)
    images = rng.random((16, 6))
    input_img = keras.Input(shape=(6,))
    encoded = layers.Dense(3, activation="relu", dtype="float64")(input_img)
    autoencoder = keras.Model(input_img, layers.Dense(6, activation="sigmoid", dtype="float64")(encoded))
    encoder = keras.Model(input_img, encoded)
    encoded_input = keras.Input(shape=(3,))
    decoder = keras.Model(encoded_input, autoencoder.layers[-1](encoded_input))
    assert decoder.predict(encoder.predict(images, verbose=0), verbose=0).shape == (16, 6)
    (W1, b1), (W2, b2) = encoder.layers[0].get_weights(), decoder.layers[0].get_weights()
    autoencoder.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    autoencoder.train_on_batch(images, images)
    # one step of the mean squared error's gradient, in NumPy
    H = np.maximum(images @ W1 + b1, 0)
    A = 1 / (1 + np.exp(-(H @ W2 + b2)))
    dZ2 = 2 * (A - images) / images.size * A * (1 - A)
    dZ1 = dZ2 @ W2.T * (H > 0)
    np.testing.assert_allclose(encoder.layers[0].get_weights()[0], W1 - 0.5 * images.T @ dZ1, rtol=1e-12)
    np.testing.assert_allclose(decoder.layers[0].get_weights()[0], W2 - 0.5 * H.T @ dZ2, rtol=1e-12)
    decoder.compile(optimizer="adam", loss="mse")  # the decoder trained alone, then the autoencoder again
    decoder.fit(H, images, epochs=1, verbose=0)
    autoencoder.fit(images, images, epochs=2, verbose=0)
    np.testing.assert_array_equal(decoder.predict(encoder.predict(images, verbose=0), verbose=0),
                                  autoencoder.predict(images, verbose=0))

def test_functional_models_that_are_not_chains_are_refused_with_what_to_write():
    inputs = keras.Input(shape=(8,))
    dense = layers.Dense(8)
    with pytest.raises(ValueError, match=r"Layer Dense is called twice in this model \(a shared layer\).*Create a "
                                         "second layer"):
        dense(dense(inputs))
    with pytest.raises(ValueError, match="one input and one output; inputs has 2"):
        keras.Model([inputs, keras.Input(shape=(8,))], dense(inputs))
    with pytest.raises(ValueError, match="is not computed from inputs"):
        keras.Model(keras.Input(shape=(8,)), dense(inputs))
    with pytest.raises(ValueError, match="outputs is an Input: the model would have no layers"):
        keras.Model(inputs, inputs)
    with pytest.raises(TypeError, match="outputs must be what the last layer returned"):
        keras.Model(inputs, np.ones((2, 8)))
    with pytest.raises(TypeError, match=r"Model takes inputs= .*or subclass Model with a call that chains layers"):
        keras.Model()
    with pytest.raises(TypeError, match="MyModel subclasses Model but defines no call: write call"):
        class MyModel(keras.Model):
            pass
    built = layers.Dense(2)
    keras.Sequential([keras.Input(shape=(3,)), built])
    with pytest.raises(ValueError, match=r"was built for inputs of shape \(None, 3\), but it was called on an input "
                                         r"of shape \(None, 8\)"):
        built(inputs)
    model = keras.Sequential([layers.Dense(2, input_dim=8)])
    # a model called on an Input or a layer's output chains its layers (tests/test_nested_models.py)
    assert model(keras.Input(shape=(8,))).layers == tuple(model.layers)
    assert model(layers.Dense(8)(inputs)).shape == (None, 2)
    # (it said "x must contain numbers"): an Activation layer in the chain (tests/test_symbolic_outputs.py)
    assert type(glassnet.activations.relu(layers.Dense(8)(inputs)).layers[-1]).__name__ == "Activation"


@pytest.mark.parametrize("module, name, match", [
    (glassnet.models, "Functional", r"glassnet.models has no Functional. .*Model\(inputs, outputs\) of a chain"),
    (layers, "Conv2D", "glassnet.layers has no Conv2D .*Dense.*Flatten the pixels"),
    (layers, "LSTM", "no recurrent layers"),
    (layers, "StringLookup", "to_categorical"),
    (layers, "SpatialDropout2D", r"Use BatchNormalization, LayerNormalization"),
    (layers, "Lambda", r"For an elementwise function use Activation\(f\)"),  # it said "no merge layers"
    (layers, "Add", "no merge layers: its models, functional ones too, are chains"),
    # these two gave the plain "no attribute" error, or the advice to reshape arrays
    (layers, "Masking", r"glassnet.layers has no Masking .*no sequence layers .*drop or fill the masked steps"),
    (layers, "RepeatVector", r"no sequence layers .*np.repeat the arrays before fit"),
    # keras.io's examples: the functional guide's layers.concatenate, debugging tips' keras.utils.plot_model
    (layers, "concatenate", "glassnet.layers has no concatenate .*no merge layers"),
    (layers, "Subtract", "no merge layers"),
    (glassnet.utils, "model_to_dot", r"'glassnet.utils' has no attribute 'model_to_dot': glassnet draws no Graphviz "
                                     r"graphs: glassnet.utils.plot_model\(model\) draws the chain"),
    (glassnet.utils, "get_file", "downloads nothing but MNIST: fetch the file yourself"),
])
def test_well_known_keras_names_glassnet_lacks_say_what_to_use(module, name, match):
    with pytest.raises(AttributeError, match=match):
        getattr(module, name)
    assert not hasattr(module, name)


def test_layers_all_names_its_public_functions():
    # serialize and deserialize were missing from __all__ (a star import or the docs' list lacked them)
    assert {"serialize", "deserialize"} <= set(layers.__all__)
    assert all(hasattr(layers, name) for name in layers.__all__)
    namespace = {}
    exec("from glassnet.layers import *", namespace)
    assert namespace["deserialize"](namespace["serialize"](layers.Dense(2))).units == 2


def test_other_missing_names_give_the_plain_error_and_probing_still_works():
    import copy
    import pickle

    for module in (layers, glassnet.models, glassnet):
        with pytest.raises(AttributeError, match=f"module '{module.__name__}' has no attribute '__wrapped__'"):
            module.__wrapped__
        with pytest.raises(AttributeError, match="has no attribute 'NoSuchLayer'"):
            module.NoSuchLayer
    model = keras.Sequential([layers.Dense(2, input_dim=3)])
    assert copy.deepcopy(model).built and pickle.loads(pickle.dumps(model)).built
    with pytest.raises(AttributeError, match="'Sequential' object has no attribute 'nothing'"):
        model.nothing


def test_sequential_takes_keras_trainable():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4)], trainable=False)
    assert not model.trainable and model.layers[0].trainable  # Keras 3: its layers keep their own flags
    model.add(layers.Dense(1))  # the model's flag keeps a layer added later from training, as Keras's does
    assert model.layers[1].trainable and model.trainable_weights == []
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    empty = keras.Sequential(trainable=False)
    assert not empty.trainable
    model.trainable = True
    assert model.trainable and all(layer.trainable for layer in model.layers)
    with pytest.raises(TypeError, match="trainable must be True or False. Received: trainable=1"):
        keras.Sequential(trainable=1)
    with pytest.raises(TypeError, match="second argument is trainable, as in Keras: pass the name as name='net'"):
        keras.Sequential([], "net")


def test_save_format_is_warned_or_refused_as_keras_3_15_does(tmp_path):
    # Keras 3.15 warns that save_format is deprecated and saves a file named .keras/.h5, and refuses any other
    # name; glassnet refused both, so tf.keras code saving to "m.h5" with save_format="h5" stopped
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    model = Sequential([Dense(2, input_dim=3)], seed=0)
    with pytest.warns(UserWarning, match="save_format is deprecated in Keras 3"):
        model.save(tmp_path / "m.h5", save_format="h5")
    np.testing.assert_array_equal(load_model(tmp_path / "m.h5").get_weights()[0], model.get_weights()[0])
    with pytest.raises(ValueError, match="save_format is deprecated in Keras 3"):
        model.save(tmp_path / "saved_model", save_format="tf")
    assert not (tmp_path / "saved_model").exists()


def test_metrics_given_per_output_for_the_one_output():
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    x = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3, name="out")], seed=0)
    for metrics in ([["accuracy"]], {"out": ["accuracy"]}, {"out": "accuracy"}):
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=metrics)
        history = model.fit(x, y, epochs=1, verbose=0)
        assert "accuracy" in history.history
    with pytest.raises(ValueError, match="must name this model's one output, its last layer 'out'"):
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics={"dense": ["accuracy"]})


def test_a_loss_given_per_output_for_the_one_output():
    # keras.io's "Training & evaluation with the built-in methods": loss={"predictions": ...} was read as a
    # serialized loss ("Could not interpret loss identifier"), where metrics={"predictions": [...]} worked
    from glassnet import losses
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    x = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3, name="out")], seed=0)
    weights = model.get_weights()
    histories = []
    for loss in ({"out": "binary_crossentropy"}, {"out": losses.BinaryCrossentropy()}, "binary_crossentropy",
                 {"class_name": "BinaryCrossentropy", "config": {}}):  # (a serialized loss stays one)
        model.set_weights(weights)
        model.compile(optimizer="sgd", loss=loss, metrics={"out": ["accuracy"]})
        assert isinstance(model.loss, losses.BinaryCrossentropy)
        histories.append(model.fit(x, y, epochs=2, shuffle=False, verbose=0).history)
    assert all(h == histories[0] for h in histories)
    for bad in ({"dense": "binary_crossentropy"}, {"out": "mse", "other": "mse"}, {}):
        with pytest.raises(ValueError, match=r"loss given per output must name this model's one output, its last "
                                             r"layer 'out': \{'out': 'mse'\}, or be the loss itself"):
            model.compile(optimizer="sgd", loss=bad)



def test_an_output_that_is_a_nested_model_is_named_after_it():
    # Keras 3.15's output_names of Model(x, inner(h)) is ['inner'], and compile(loss={"inner": ...}) and
    # fit(x, {"inner": y}) train; glassnet wanted the nested model's last layer's name ('last')
    import glassnet as keras

    x = np.random.default_rng(0).standard_normal((8, 3))
    y = x[:, :1] * 2
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, name="last")], name="inner")
    inputs = keras.Input((3,), name="features")
    model = keras.Model(inputs, inner(keras.layers.Dense(4)(inputs)))
    model.compile(optimizer="sgd", loss={"inner": "mse"}, metrics={"inner": ["mae"]})
    assert list(model.fit(x, {"inner": y}, epochs=1, verbose=0).history) == ["loss", "mae"]
    model.compile(optimizer="sgd", loss={"last": "mse"})  # (the flattened chain's last layer: as before)
    assert model.evaluate(x, {"last": y}, verbose=0) > 0
    with pytest.raises(ValueError, match="one output, the model it ends with 'inner': \\{'inner': 'mse'\\}"):
        model.compile(optimizer="sgd", loss={"dense": "mse"})
    with pytest.raises(TypeError, match="must map this model's one output, 'inner', to its array"):
        model.evaluate(x, {"dense": y}, verbose=0)


# Keras 3.15's serialize() of HeNormal(seed=2), L1L2(0.001, 0.01), MaxNorm(3) and Huber(delta=2.0)
KERAS_SERIALIZED = {
    "initializer": {"module": "keras.initializers", "class_name": "HeNormal",
                    "config": {"seed": 2, "input_axes": None, "output_axes": None}, "registered_name": None},
    "regularizer": {"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.01},
                    "registered_name": None},
    "constraint": {"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0},
                   "registered_name": None},
    "loss": {"module": "keras.losses", "class_name": "Huber",
             "config": {"name": "huber_loss", "reduction": "sum_over_batch_size"}, "registered_name": None},
}


def test_registries_take_keras_serialized_dicts_as_keras_get_does():
    assert repr(keras.initializers.get(KERAS_SERIALIZED["initializer"])) == "HeNormal(seed=2)"
    regularizer = keras.regularizers.get(KERAS_SERIALIZED["regularizer"])
    assert (type(regularizer).__name__, regularizer.l1, regularizer.l2) == ("L1L2", 0.001, 0.01)
    assert repr(keras.constraints.get(KERAS_SERIALIZED["constraint"])) == "MaxNorm(max_value=3.0, axis=0)"
    assert type(keras.losses.get(KERAS_SERIALIZED["loss"])).__name__ == "Huber"
    dense = layers.Dense(4, kernel_initializer=KERAS_SERIALIZED["initializer"],
                         kernel_regularizer=KERAS_SERIALIZED["regularizer"],
                         kernel_constraint=KERAS_SERIALIZED["constraint"])
    assert repr(dense.kernel_constraint) == "MaxNorm(max_value=3.0, axis=0)"
    # only the registry's own classes: a dict names no other code
    with pytest.raises(ValueError, match="Unknown constraint 'os.system'.*Valid: MaxNorm"):
        keras.constraints.get({"class_name": "os.system", "config": {}})
    with pytest.raises(ValueError, match="input_axes must be None"):
        keras.initializers.HeNormal(input_axes=[0, 1])
    assert keras.initializers.GlorotUniform(7, None, None).seed == 7  # Keras's (seed, input_axes, output_axes)


def test_dense_from_a_keras_layer_config():
    # Keras 3.15's Dense(4, activation="relu", kernel_initializer=HeNormal(2), kernel_constraint=MaxNorm(3)).get_config()
    config = {"name": "dense", "trainable": True, "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                                            "config": {"name": "float32"}, "registered_name": None},
              "units": 4, "activation": "relu", "use_bias": True,
              "kernel_initializer": KERAS_SERIALIZED["initializer"],
              "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                   "registered_name": None},
              "kernel_regularizer": None, "bias_regularizer": None,
              "kernel_constraint": KERAS_SERIALIZED["constraint"], "bias_constraint": None,
              "quantization_config": None}
    dense = layers.Dense.from_config(config)
    assert (dense.units, repr(dense.activation), repr(dense.kernel_initializer), dense.dtype) == (
        4, "ReLU()", "HeNormal(seed=2)", "float32")
    assert repr(dense.kernel_constraint) == "MaxNorm(max_value=3.0, axis=0)"
    with pytest.warns(UserWarning, match="'mixed_float16' .* is read as float32"):  # Keras's mixed precision
        assert layers.Dense(2, dtype={"class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}).dtype == "float32"
    for older in ("FloatDTypePolicy", "Policy"):  # earlier Keras 3 files, tf.keras 2's
        assert layers.Dense(2, dtype={"class_name": older, "config": {"name": "float64"}}).dtype == "float64"
    with pytest.raises(ValueError, match="dtype must be one of float16, float32, float64. Received: "
                                         "dtype={'class_name': 'QuantizedDTypePolicy'"):  # (was NumPy's message)
        layers.Dense(2, dtype={"class_name": "QuantizedDTypePolicy", "config": {"name": "int8_from_float32"}})
    with pytest.raises(ValueError, match="has no lora_rank"):
        layers.Dense(2, lora_rank=4)


def test_compile_fit_and_evaluate_take_their_arguments_in_keras_order():
    # Keras 3.15: compile(optimizer, loss, loss_weights, metrics, weighted_metrics, ...); fit(..., shuffle,
    # class_weight, sample_weight, initial_epoch, ...); evaluate(..., sample_weight, steps, callbacks, return_dict)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 3)), (rng.random(12) > 0.5).astype(float)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile("sgd", "binary_crossentropy", None, ["accuracy"])  # metrics fourth, as in Keras
    assert model._metric_ids == ["accuracy"] and model._weighted_metric_ids == []
    # Keras's third argument: the loss weights (refused but at 1 before session 55; they weigh the loss now)
    model.compile("sgd", "binary_crossentropy", [0.5])
    assert model._loss_weight == 0.5 and model._metric_ids == []
    model.compile("sgd", "binary_crossentropy", ["accuracy"])  # glassnet's older order still names the metrics
    assert model._metric_ids == ["accuracy"]
    start = model.get_weights()
    by_position = model.fit(x, y, 4, 2, 0, None, 0.0, None, False, {0: 1.0, 1: 3.0}).history["loss"]
    model.set_weights(start)
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    by_name = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False, class_weight={0: 1.0, 1: 3.0})
    assert by_position == by_name.history["loss"]
    result = model.evaluate(x, y, None, 0, None, None, None, True)
    assert isinstance(result, dict) and set(result) == {"loss", "accuracy"}


def test_compute_loss_takes_keras_arguments():
    # Keras 3: compute_loss(x=None, y=None, y_pred=None, sample_weight=None, training=True); the value is the
    # compiled loss plus the penalties, here the mean squared error worked by hand, plus 0.1 * sum(W**2)
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.1))],
                             dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.array([[1.0], [2.0]]), np.array([0.0])])
    x, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.0], [0.0]])
    y_pred = model.predict(x)  # [[1], [2]]: squared errors 1 and 4
    expected = (1 + 4) / 2 + 0.1 * (1 + 4)
    assert model.compute_loss(x, y, y_pred) == pytest.approx(expected, rel=1e-12)
    assert model.compute_loss(y=y, y_pred=y_pred, training=False) == pytest.approx(expected, rel=1e-12)
    assert model.compute_loss(x, y, y_pred, np.array([1.0, 0.0])) == pytest.approx(1 / 2 + 0.5, rel=1e-12)
    with pytest.raises(TypeError, match=r"compute_loss\(y=..., y_pred=...\). Received: y_pred=None"):
        model.compute_loss(y, y_pred)  # glassnet's older (Y, A): now x and y, with no outputs


def test_metric_base_takes_keras_dtype_then_name_and_precision_keras_dtype_fifth():
    # Keras 3.15: Metric(dtype=None, name=None); Precision/Recall(thresholds, top_k, class_id, name, dtype)
    class Counted(keras.metrics.Metric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            pass

        def result(self):
            return 0.0

    counted = Counted("float32", "counted")
    assert (counted.name, counted.dtype) == ("counted", "float32")
    for cls in (keras.metrics.CategoricalAccuracy, keras.metrics.SparseCategoricalAccuracy, keras.metrics.Hinge,
                keras.metrics.MeanSquaredError, keras.metrics.MeanAbsoluteError, keras.metrics.BinaryAccuracy,
                keras.metrics.MeanAbsolutePercentageError, keras.metrics.MeanSquaredLogarithmicError):
        metric = cls("m", "float32")  # Keras's own metrics take the name first
        assert (metric.name, metric.dtype) == ("m", "float32")
    for cls in (keras.metrics.Precision, keras.metrics.Recall):
        metric = cls(0.3, None, None, "p", "float32")
        assert (metric.thresholds, metric.name, metric.dtype) == (0.3, "p", "float32")
        assert cls(threshold=0.7).thresholds == 0.7  # glassnet's older keyword still works


def test_dropout_and_dense_take_keras_positional_arguments():
    # Keras 3.15: Dropout(rate, noise_shape=None, seed=None); Dense(..., bias_regularizer, activity_regularizer,
    # kernel_constraint, bias_constraint)
    assert layers.Dropout(0.5, None, 3).seed == 3
    with pytest.raises(ValueError, match=r"noise_shape must be None or a tuple .* Received: noise_shape=3"):
        layers.Dropout(0.5, 3)  # Keras reads 3 as the noise shape, not the seed (and refuses it)
    dense = layers.Dense(4, None, True, "glorot_uniform", "zeros", None, None, None, keras.constraints.MaxNorm(3))
    assert repr(dense.kernel_constraint) == "MaxNorm(max_value=3.0, axis=0)"
    regularized = layers.Dense(4, None, True, "glorot_uniform", "zeros", None, None, "l2")
    assert regularized.activity_regularizer.get_config() == {"l2": 0.01}


def test_saving_module_saves_and_loads_as_keras_saving(tmp_path):
    # keras.saving.save_model(model, filepath, overwrite=True, zipped=None, **kwargs) and load_model; glassnet
    # had no glassnet.saving (a bare AttributeError) and glassnet.models.save_model said "use model.save"
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="tanh")], seed=0)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(4, 3))
    keras.saving.save_model(model, tmp_path / "m.gn")
    loaded = keras.saving.load_model(tmp_path / "m.gn")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.loss.name == "mean_squared_error" and keras.models.save_model is keras.saving.save_model
    with pytest.raises(FileExistsError, match="exists and overwrite=False"):
        keras.models.save_model(model, tmp_path / "m.gn", overwrite=False)
    with pytest.raises(ValueError, match="save_format is deprecated in Keras 3"):
        keras.saving.save_model(model, tmp_path / "n", save_format="tf")
    with pytest.raises(TypeError, match="model must be a glassnet Sequential. Received: str"):
        keras.saving.save_model("model", tmp_path / "o.gn")
    assert "saving" in glassnet.__all__ and {"load_model", "save_model", "register_keras_serializable"} <= set(
        keras.saving.__all__)
    with pytest.raises(AttributeError, match=r"no serialize_keras_object.*glassnet.layers.serialize\(obj\)"):
        keras.saving.serialize_keras_object
    with pytest.raises(AttributeError, match="module 'glassnet.saving' has no attribute 'nothing'"):
        keras.saving.nothing


def test_hinge_loss_and_schedule_serialize_take_keras_arguments():
    # Keras 3.15: losses.Hinge(reduction, name, dtype); optimizers.schedules.serialize(learning_rate_schedule)
    y, a = np.array([[1.0], [-1.0]]), np.array([[0.5], [0.5]])  # hinge max(0, 1 - y a): 0.5 and 1.5
    assert keras.losses.Hinge("sum")(y, a) == pytest.approx(2.0)
    assert keras.losses.Hinge(None)(y, a).tolist() == [0.5, 1.5]
    assert keras.losses.Hinge(margin=2.0)(y, a) == pytest.approx((1.5 + 2.5) / 2)  # glassnet's margin, by name
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`.*Received: reduction=0.5"):
        keras.losses.Hinge(0.5)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    config = keras.optimizers.schedules.serialize(learning_rate_schedule=schedule)
    assert keras.optimizers.schedules.deserialize(config)(10) == pytest.approx(0.05)


# -- signatures: a call written for Keras 3 binds its arguments in glassnet as in Keras ---------------------------

#: the modules glassnet shares with Keras (by path), and the methods compared on their classes
SHARED_MODULES = ("", "models", "layers", "optimizers", "optimizers.schedules", "losses", "metrics", "callbacks",
                  "initializers", "regularizers", "constraints", "activations", "utils", "saving")
SHARED_METHODS = {
    "models": ("compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
               "compute_loss", "save", "save_weights", "load_weights", "summary", "get_config", "from_config",
               "get_weights", "set_weights", "get_layer", "to_json", "export", "add", "pop", "reset_metrics", "call",
               "compute_output_shape"),
    "layers": ("get_config", "from_config", "get_weights", "set_weights", "compute_output_shape", "add_weight", "build"),
    "metrics": ("update_state", "result", "reset_state", "get_config", "from_config"),
    "losses": ("call", "get_config", "from_config"),
    "optimizers": ("apply_gradients", "apply", "get_config", "from_config"),
    "callbacks": ("set_model", "set_params", "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                  "on_train_batch_begin", "on_train_batch_end"),
}
_LACKS = "a Keras feature glassnet lacks: passing it is a TypeError, not a silent change"
#: (name pattern, parameter): why glassnet differs from Keras 3.15 on purpose
SIGNATURE_DIFFERENCES = {
    ("losses.deserialize", "*"): "every glassnet registry takes deserialize(config); Keras's losses alone say name",
    ("losses.*", "name"): "name=None gives Keras's default name (test_losses_and_metrics_default_to_keras_names)",
    ("metrics.*", "name"): "name=None gives Keras's default name (test_losses_and_metrics_default_to_keras_names)",
    ("*Sequential.evaluate", "verbose"): "quiet by default (docs/api.md, Differences from Keras)",
    ("*Sequential.predict", "verbose"): "quiet by default (docs/api.md, Differences from Keras)",
    ("*Sequential.compile", "jit_compile"): "numba's loops only when asked (docs/api.md, Differences from Keras)",
    ("utils.timeseries_dataset_from_array", "format"): "no tf.data/grain format: the dataset is glassnet's own PyDataset "
                                                       "(docs/api.md, Utilities)",
    ("*Sequential.export", "format"): "glassnet exports ONNX; it has no TensorFlow SavedModel",
    ("*Sequential.train_on_batch", "y"): "a batch of arrays needs its targets (glassnet takes no dataset there)",
    ("*Sequential.test_on_batch", "y"): "a batch of arrays needs its targets (glassnet takes no dataset there)",
    ("metrics.F1Score", "average"): "one number in the logs by default (docs/api.md, Differences from Keras)",
    ("*Sequential.add", "rebuild"): _LACKS,
    ("*Sequential.pop", "rebuild"): _LACKS,
    ("*Sequential.save_weights", "max_shard_size"): _LACKS,
    ("models.clone_model", "*"): _LACKS,
    ("optimizers.*.apply", "(order)"): "glassnet's flat step apply(w, g) names its own; Keras's apply(grads, "
                                       "trainable_variables) binds by position and keyword (test_keras_parity_s56)",
}
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _shared_callables(real):
    def module(root, path):
        for part in filter(None, path.split(".")):
            root = getattr(root, part)
        return root

    for path in SHARED_MODULES:
        ours, theirs = module(glassnet, path), module(real, path)
        for name in sorted(getattr(ours, "__all__", None) or [n for n in dir(ours) if not n.startswith("_")]):
            mine, keras_one = getattr(ours, name, None), getattr(theirs, name, None)
            if inspect.ismodule(mine) or not callable(mine) or not callable(keras_one):
                continue
            label = f"{path}.{name}".lstrip(".")
            yield label, mine, keras_one
            for method in SHARED_METHODS.get(path.split(".")[0], ()) if inspect.isclass(mine) else ():
                if callable(getattr(mine, method, None)) and callable(getattr(keras_one, method, None)):
                    yield f"{label}.{method}", getattr(mine, method), getattr(keras_one, method)


def _binding_differences(mine, keras_one):
    """``(parameter, why)`` for each way a call written for ``keras_one`` binds otherwise against
    ``mine``: positional order, kinds, defaults, a Keras argument glassnet does not take at all.
    glassnet may take fewer positional arguments (more are then a TypeError), add its own after
    Keras's or by keyword, and take a Keras argument through ``**kwargs`` (and refuse it there)."""
    try:
        ours, theirs = inspect.signature(mine), inspect.signature(keras_one)
    except (TypeError, ValueError):
        return []
    ours = [p for p in ours.parameters.values() if p.name != "self"]
    theirs = [p for p in theirs.parameters.values() if p.name != "self"]
    if all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in theirs):
        return []  # Keras's (*args, **kwargs): it says nothing to compare
    found = []
    our_order = [p.name for p in ours if p.kind in _POSITIONAL]
    their_order = [p.name for p in theirs if p.kind in _POSITIONAL]
    n = min(len(our_order), len(their_order))
    if our_order[:n] != their_order[:n]:
        found.append(("(order)", f"positional {our_order}, Keras's {their_order}"))
    by_name = {p.name: p for p in ours}
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in ours)
    for p in theirs:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        q = by_name.get(p.name)
        if q is None:
            if not takes_kwargs:
                found.append((p.name, f"not taken (Keras: {p})"))
        elif p.kind is p.KEYWORD_ONLY and q.kind not in (q.KEYWORD_ONLY, q.POSITIONAL_OR_KEYWORD):
            found.append((p.name, f"{q.kind.name}, Keras's is keyword-only"))
        elif p.default is not p.empty and not _same_default(q.default, p.default):
            found.append((p.name, f"{q} (Keras: {p})"))
    return found


def _same_default(ours, theirs):
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    return ours is theirs or (type(ours) in (int, float, str, tuple) and ours == theirs)


@pytest.fixture(scope="module")
def real_keras():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
        return pytest.importorskip("keras")


def test_every_name_shared_with_keras_binds_keras_calls_as_keras(real_keras):
    import fnmatch

    unexplained, used, compared = [], set(), []
    for label, mine, keras_one in _shared_callables(real_keras):
        compared.append(label)
        for parameter, why in _binding_differences(mine, keras_one):
            allowed = [key for key in SIGNATURE_DIFFERENCES
                       if fnmatch.fnmatchcase(label, key[0]) and fnmatch.fnmatchcase(parameter, key[1])]
            used.update(allowed)
            if not allowed:
                unexplained.append(f"{label}: {parameter}: {why}")
    assert {"models.Sequential.compile", "layers.Dense", "metrics.AUC.update_state", "losses.Huber",
            "optimizers.schedules.CosineDecay", "saving.load_model", "Sequential", "optimizers.Lion",
            "optimizers.Ftrl", "optimizers.Adafactor", "optimizers.Lamb",
            "optimizers.Muon", "optimizers.ScheduleFreeAdamW", "models.Sequential.call",
            "models.Sequential.compute_output_shape", "layers.Embedding.build", "optimizers.SGD.apply"} <= set(compared)
    assert unexplained == []
    assert set(SIGNATURE_DIFFERENCES) - used == set()  # every allowed difference is still one


def test_losses_and_metrics_default_to_keras_names(real_keras):
    # Huber's was glassnet's "huber" where Keras's is "huber_loss" (compile's string is "huber" in both)
    checked = []
    # (num_classes, ids) of the IoU metrics; the value of the X-at-Y metrics
    required = {"IoU": (3, [0]), "OneHotIoU": (3, [0]), "MeanIoU": (3,), "OneHotMeanIoU": (3,),
                "PrecisionAtRecall": (0.5,), "RecallAtPrecision": (0.5,), "SensitivityAtSpecificity": (0.5,),
                "SpecificityAtSensitivity": (0.5,)}
    for module in ("losses", "metrics"):
        for name in dir(getattr(glassnet, module)):
            ours, theirs = getattr(getattr(glassnet, module), name), getattr(getattr(real_keras, module), name, None)
            if inspect.isclass(ours) and theirs is not None and name not in ("Loss", "Metric", "MeanMetricWrapper"):
                checked.append(name)
                args = required.get(name, ())
                # (Keras numbers a name made again in one process: binary_io_u_1 after a first BinaryIoU)
                assert ours(*args).name == re.sub(r"_\d+$", "", theirs(*args).name), name
    assert len(checked) > 20 and {"Huber", "AUC", "FBetaScore", "MeanIoU", "BinaryIoU"} <= set(checked)
    assert {"PrecisionAtRecall", "SpecificityAtSensitivity"} <= set(checked)


#: Keras 3.15's signatures, as glassnet has them (with the differences above), for CI without Keras
KERAS_SIGNATURES = {
    "models.Sequential.compile": "(self, optimizer='rmsprop', loss=None, loss_weights=None, metrics=None, "
                                 "weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile=False, "
                                 "auto_scale_loss=True)",
    "models.Sequential.fit": "(self, x=None, y=None, batch_size=None, epochs=1, verbose='auto', callbacks=None, "
                             "validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, "
                             "sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None, "
                             "validation_batch_size=None, validation_freq=1)",
    "models.Sequential.evaluate": "(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None, steps=None, "
                                  "callbacks=None, return_dict=False)",
    "models.Sequential.predict": "(self, x, batch_size=None, verbose=0, steps=None, callbacks=None)",
    "models.Sequential.compute_loss": "(self, x=None, y=None, y_pred=None, sample_weight=None, training=True)",
    "models.Sequential.train_on_batch": "(self, x, y, sample_weight=None, class_weight=None, return_dict=False)",
    "models.Sequential.test_on_batch": "(self, x, y, sample_weight=None, return_dict=False)",
    "models.Sequential.predict_on_batch": "(self, x)",
    "saving.save_model": "(model, filepath, overwrite=True, zipped=None, **kwargs)",
    "saving.load_model": "(filepath, custom_objects=None, compile=True, safe_mode=True)",
    "layers.Dropout": "(rate, noise_shape=None, seed=None, **kwargs)",
    "layers.PReLU": "(alpha_initializer='Zeros', alpha_regularizer=None, alpha_constraint=None, shared_axes=None, "
                    "**kwargs)",
    "layers.AlphaDropout": "(rate, noise_shape=None, seed=None, **kwargs)",
    "layers.Identity": "(**kwargs)",
    "layers.UnitNormalization": "(axis=-1, **kwargs)",
    "layers.RMSNormalization": "(axis=-1, epsilon=1e-06, **kwargs)",
    "layers.GroupNormalization": "(groups=32, axis=-1, epsilon=0.001, center=True, scale=True, "
                                 "beta_initializer='zeros', gamma_initializer='ones', beta_regularizer=None, "
                                 "gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs)",
    "layers.ActivityRegularization": "(l1=0.0, l2=0.0, **kwargs)",
    "layers.Reshape": "(target_shape, **kwargs)",
    "layers.Permute": "(dims, **kwargs)",
    "layers.GlobalAveragePooling1D": "(data_format=None, keepdims=False, **kwargs)",
    "layers.GlobalMaxPooling1D": "(data_format=None, keepdims=False, **kwargs)",
    "layers.CategoryEncoding": "(num_tokens=None, output_mode='multi_hot', sparse=False, **kwargs)",
    "metrics.Metric": "(dtype=None, name=None)",
    "metrics.MeanSquaredError": "(name=None, dtype=None)",
    "metrics.BinaryAccuracy": "(name=None, dtype=None, threshold=0.5)",
    "metrics.CosineSimilarity": "(name=None, dtype=None, axis=-1)",
    "metrics.Mean.update_state": "(self, values, sample_weight=None)",
    "metrics.PearsonCorrelation": "(name=None, dtype=None, axis=-1)",
    "metrics.ConcordanceCorrelation": "(name=None, dtype=None, axis=-1)",
    "metrics.pearson_correlation": "(y_true, y_pred, axis=-1)",
    "regularizers.OrthogonalRegularizer": "(factor=0.01, mode='rows')",
    "metrics.concordance_correlation": "(y_true, y_pred, axis=-1)",
    "metrics.Precision": "(thresholds=None, top_k=None, class_id=None, name=None, dtype=None, *, threshold=None)",
    "metrics.PrecisionAtRecall": "(recall, num_thresholds=200, class_id=None, name=None, dtype=None)",
    "metrics.RecallAtPrecision": "(precision, num_thresholds=200, class_id=None, name=None, dtype=None)",
    "metrics.SensitivityAtSpecificity": "(specificity, num_thresholds=200, class_id=None, name=None, dtype=None)",
    "metrics.SpecificityAtSensitivity": "(sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None)",
    "metrics.Recall": "(thresholds=None, top_k=None, class_id=None, name=None, dtype=None, *, threshold=None)",
    "losses.Hinge": "(reduction='sum_over_batch_size', name=None, dtype=None, *, margin=1.0)",
    "losses.Huber": "(delta=1.0, reduction='sum_over_batch_size', name=None, dtype=None)",
    "losses.KLDivergence": "(reduction='sum_over_batch_size', name=None, dtype=None)",
    "losses.CosineSimilarity": "(axis=-1, reduction='sum_over_batch_size', name=None, dtype=None)",
    "losses.Dice": "(reduction='sum_over_batch_size', name=None, axis=None, dtype=None)",
    "losses.Tversky": "(alpha=0.5, beta=0.5, reduction='sum_over_batch_size', name=None, axis=None, dtype=None)",
    "losses.dice": "(y_true, y_pred, axis=None)",
    "losses.tversky": "(y_true, y_pred, alpha=0.5, beta=0.5, axis=None)",
    "losses.CategoricalGeneralizedCrossEntropy": "(q=0.5, reduction='sum_over_batch_size', name=None, dtype=None)",
    "losses.categorical_generalized_cross_entropy": "(y_true, y_pred, q)",
    "losses.Circle": "(gamma=80.0, margin=0.4, remove_diagonal=True, reduction='sum_over_batch_size', name=None, "
                     "dtype=None)",
    "losses.circle": "(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, "
                     "margin=0.4)",
    "optimizers.schedules.serialize": "(learning_rate_schedule)",
}


def test_the_normalization_signatures_written_here_are_keras_3_15s(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras", reason="the comparison needs Keras")
    for name in ("RMSNormalization", "GroupNormalization", "Reshape", "Permute", "CategoryEncoding",
                 "GlobalAveragePooling1D", "GlobalMaxPooling1D"):
        assert str(inspect.signature(getattr(keras.layers, name))) == KERAS_SIGNATURES[f"layers.{name}"]


@pytest.mark.parametrize("name", KERAS_SIGNATURES)
def test_key_signatures_are_keras_without_keras(name):
    obj = glassnet
    for part in name.split("."):
        obj = getattr(obj, part)
    assert str(inspect.signature(obj)) == KERAS_SIGNATURES[name]


def test_a_layer_class_gives_its_init_signature_on_every_python():
    # Python 3.10's inspect took an inherited __new__ before an inherited __init__: GlobalAveragePooling1D, whose
    # __init__ is GlobalPooling1D's, showed Layer.__new__'s (*args, **kwargs) there (3.11+ takes the nearer one).
    # The class gives its signature itself, as __signature__, which inspect reads first on every version
    class Pooling(layers.GlobalAveragePooling1D):  # a user's subclass without an __init__
        pass

    for cls in (layers.GlobalAveragePooling1D, layers.GlobalMaxPooling1D, layers.GlobalAvgPool1D,
                layers.GlobalMaxPool1D, Pooling):
        assert str(cls.__signature__) == str(inspect.signature(cls)) == "(data_format=None, keepdims=False, **kwargs)"
    assert str(layers.Dense.__signature__).startswith("(units, activation=None, use_bias=True, ")
    # an instance's signature stays its __call__'s
    assert layers.GlobalMaxPooling1D().__signature__ is None
    assert str(inspect.signature(layers.GlobalMaxPooling1D())) == "(inputs, training=None, mask=None)"

    class Factory(layers.Layer):  # a __new__ nearer than any __init__: inspect's own answer, its arguments
        def __new__(cls, size, *args, **kwargs):
            return super().__new__(cls, *args, **kwargs)

    assert Factory.__signature__ is None and str(inspect.signature(Factory)) == "(size, *args, **kwargs)"


def test_dense_takes_keras_arguments_in_keras_order_without_keras():
    names = list(inspect.signature(layers.Dense).parameters)
    assert names == ["units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                     "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                     "bias_constraint", "kwargs"]


#: names Keras 3.15's get takes (its ALL_OBJECTS_DICT) that glassnet refused: the class each stands for
KERAS_ALIASES = {
    "metrics": {"f_beta_score": "FBetaScore", "binary_io_u": "BinaryIoU",
                "true_positives": "TruePositives", "false_positives": "FalsePositives",
                "true_negatives": "TrueNegatives", "false_negatives": "FalseNegatives",
                "bce": "BinaryCrossentropy", "BCE": "BinaryCrossentropy",
                "pearson_correlation": "PearsonCorrelation", "PearsonCorrelation": "PearsonCorrelation",
                "concordance_correlation": "ConcordanceCorrelation",
                "ConcordanceCorrelation": "ConcordanceCorrelation"},
    "losses": {"bce": "BinaryCrossentropy", "BCE": "BinaryCrossentropy"},
    "regularizers": {"orthogonal_regularizer": "OrthogonalRegularizer", "OrthogonalRegularizer": "OrthogonalRegularizer"},
    "initializers": {"one": "Ones", "zero": "Zeros", "IdentityInitializer": "Identity",
                     "OrthogonalInitializer": "Orthogonal"},
}


@pytest.mark.parametrize("module, name, cls", [(m, n, c) for m, names in KERAS_ALIASES.items()
                                               for n, c in names.items()])
def test_keras_s_other_registry_names_give_the_same_kind_of_object(module, name, cls, real_keras):
    ours, theirs = getattr(glassnet, module).get(name), getattr(real_keras, module).get(name)
    assert type(ours) is getattr(getattr(glassnet, module), cls)
    # Keras's losses.get("bce") is its function binary_crossentropy, the other names give objects
    assert (theirs.__name__ == "binary_crossentropy") if module == "losses" else (type(theirs).__name__ == cls)
    if module == "metrics":
        # fbeta_score, binary_crossentropy, ... (binary_io_u_1 where this process made a BinaryIoU before)
        assert ours.name == re.sub(r"_\d+$", "", theirs.name)
    if module == "initializers" and cls != "Orthogonal":  # (drawn at random)
        np.testing.assert_allclose(ours((3, 3)), np.asarray(theirs((3, 3))), rtol=1e-7)


def test_overriding_keras_s_fit_hooks_is_refused_and_points_to_the_own_loop():
    # Keras's guide "Customizing what happens in fit()": a Sequential subclass with train_step trained
    # with glassnet's own step, silently; a Model subclass was refused without saying what to do instead
    import glassnet as keras

    with pytest.raises(TypeError, match=r"CustomModel overrides train_step, which glassnet's fit, evaluate and "
                                        r"predict never call .*model\.gradients\(x, y, trainable_only=True"):
        class CustomModel(keras.Model):
            def train_step(self, data):
                return {}
    with pytest.raises(TypeError, match="Tagger overrides test_step, compute_loss, which glassnet's fit"):
        class Tagger(keras.Sequential):
            def test_step(self, data):
                return {}

            def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
                return 0.0

    class Documented(keras.Sequential):  # a subclass without Keras's hooks stays a Sequential
        """A Sequential with a docstring."""
    model = Documented([keras.Input((3,)), keras.layers.Dense(1)], seed=0)
    model.compile("sgd", "mse")
    assert model.evaluate(np.ones((2, 3)), np.ones((2, 1))) >= 0


def test_the_training_loop_from_scratch_guide_s_loop_equals_keras_in_float64():
    # Keras's "Writing a training loop from scratch" with model.gradients for its autodiff: the
    # functional model called with training=True/False, model.trainable_variables (Keras 3's name; an
    # AttributeError before), metric objects updated and reset by hand, a validation pass per epoch.
    # Keras 3.15 (JAX, float64, jax.grad of stateless_call) gave the numbers below.
    import glassnet as keras

    keras.config.set_floatx("float64")  # (conftest sets float32 back)
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20, 4))
    Y = np.eye(3)[[0, 1, 2, 1, 0] * 4]
    inputs = keras.Input(shape=(4,), name="digits")
    outputs = keras.layers.Dense(3, name="predictions")(keras.layers.Dense(8, activation="relu")(inputs))
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.set_weights([np.round(rng.normal(0, 0.5, w.shape), 2) for w in model.get_weights()])
    loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
    model.compile(loss=loss_fn)  # the loss model.gradients differentiates
    optimizer = keras.optimizers.Adam(learning_rate=0.1)
    train_acc, val_acc = keras.metrics.CategoricalAccuracy(), keras.metrics.CategoricalAccuracy()
    losses, accuracies = [], []
    for _ in range(2):
        for start in (0, 5, 10):
            xb, yb = X[start:start + 5], Y[start:start + 5]
            logits = model(xb, training=True)
            losses.append(float(loss_fn(yb, logits)))
            grads = model.gradients(xb, yb, trainable_only=True, update_state=True)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            train_acc.update_state(yb, logits)
        val_acc.update_state(Y[15:], model(X[15:], training=False))
        accuracies.append((float(train_acc.result()), float(val_acc.result())))
        train_acc.reset_state()
        val_acc.reset_state()
    assert losses == pytest.approx([1.6887150565410387, 1.2361620912052396, 1.2834784538813984, 0.6423949786529446,
                                    0.9068966570974218, 1.010739941177078], rel=1e-13)
    assert [a for pair in accuracies for a in pair] == pytest.approx([2 / 15, 0.4, 0.6, 0.4])  # (train, val) per epoch
    assert [float(np.sum(w)) for w in model.get_weights()] == pytest.approx(
        [-0.3939138639548232, -0.5287482353779671, -3.696506869464299, -0.012424703726231223], rel=1e-12)
    # Keras 3's names of the weight lists, on the model and on a layer
    assert model.trainable_variables[0] is model.trainable_weights[0] and len(model.variables) == 4
    assert model.non_trainable_variables == [] and len(model.layers[1].trainable_variables) == 2
    bn = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization()]).layers[0]
    assert [w.shape for w in bn.non_trainable_variables] == [(3,), (3,)] and len(bn.variables) == 4


def test_keras_s_own_objects_left_in_code_moved_to_glassnet_are_named_with_what_to_use():
    # a tutorial moved to glassnet keeps tf.keras.optimizers.Adam(...) or metrics=[keras.metrics.AUC()]:
    # the optimizer was "Could not interpret optimizer identifier: <keras...Adam object>", and a Keras
    # metric, callable, was averaged as if it returned batch values (its running result), silently wrong
    import glassnet as keras

    def keras_class(name, module, **body):  # as Keras defines them, without importing Keras
        return type(name, (), {"__module__": module, **body})

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    adam = keras_class("Adam", "keras.src.optimizers.adam")()
    with pytest.raises(ValueError, match=r"is Keras's Adam, and glassnet computes with its own objects: use "
                                         r"glassnet's Adam\(\.\.\.\) with the same arguments"):
        model.compile(optimizer=adam, loss="mse")
    auc = keras_class("AUC", "keras.src.metrics.confusion_metrics", __call__=lambda self, y, p: 0.5)()
    with pytest.raises(ValueError, match="is Keras's AUC, .* use glassnet's AUC"):
        model.compile(optimizer="adam", loss="mse", metrics=[auc])
    for wrapper in ("LossScaleOptimizer", "MultiOptimizer"):  # (defined beside Optimizer's module, not in it)
        with pytest.raises(ValueError, match=f"is Keras's {wrapper}, .* use glassnet's {wrapper}\\(\\.\\.\\.\\)"):
            model.compile(optimizer=keras_class(wrapper, "keras.src.optimizers.loss_scale_optimizer")(), loss="mse")
    other = keras_class("Shampoo", "tensorflow.python.keras.optimizers")()
    with pytest.raises(ValueError, match="is Keras's Shampoo, .*glassnet has no optimizer Shampoo"):
        model.compile(optimizer=other, loss="mse")
    with pytest.raises(ValueError, match="is Keras's L2, .*use glassnet's L2"):
        keras.layers.Dense(2, kernel_regularizer=keras_class("L2", "keras.src.regularizers.regularizers")())


def test_keras_backend_helpers_a_custom_metric_reads():
    # Stack Overflow's recall/precision/F1 metrics add K.epsilon() to their denominators: AttributeError
    import glassnet as keras
    from glassnet import backend as K

    assert K.epsilon() == keras.config.epsilon() == 1e-7
    assert keras.config.backend() == K.backend() == "numpy" and keras.config.image_data_format() == "channels_last"

    def recall_m(y_true, y_pred):
        true_positives = np.sum(np.round(np.clip(y_true * y_pred, 0, 1)))
        possible_positives = np.sum(np.round(np.clip(y_true, 0, 1)))
        return true_positives / (possible_positives + K.epsilon())

    x = np.random.default_rng(0).standard_normal((16, 3))
    y = (x[:, 0] > 0).astype(float)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[recall_m])
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0).history
    predicted = model.predict(x, verbose=0)  # (after the one step: the metric saw the step's outputs, before it)
    assert list(history) == ["loss", "recall_m"] and 0 <= history["recall_m"][0] <= 1
    assert recall_m(y[:, None], predicted) == pytest.approx(np.round(predicted[y == 1]).sum() / (y.sum() + 1e-7))
    for module in (keras.config, K):
        with pytest.raises(AttributeError, match="set_epsilon'.*epsilon\\(\\) is fixed at Keras's default"):
            module.set_epsilon(1e-3)
        with pytest.raises(AttributeError, match="has no attribute 'nothing'$"):
            module.nothing


def test_the_one_input_and_output_given_by_name_as_keras_takes_them():
    # keras.io's functional guides feed a named Input as {"digits": x}: "x must be an array-like of numbers"
    import glassnet as keras

    inputs = keras.Input(shape=(4,), name="digits")
    outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((32, 4))
    y = np.arange(32) % 3
    weights = model.get_weights()
    by_name = model.fit({"digits": x}, {"predictions": y}, epochs=2, shuffle=False, verbose=0,
                        validation_data=({"digits": x}, {"predictions": y})).history
    model.set_weights(weights)
    plain = model.fit(x, y, epochs=2, shuffle=False, verbose=0, validation_data=(x, y)).history
    assert by_name == plain
    np.testing.assert_array_equal(model.predict({"digits": x}, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(np.asarray(model({"digits": x})), model.predict(x, verbose=0))
    assert model.evaluate({"digits": x}, {"predictions": y}, verbose=0) == model.evaluate(x, y, verbose=0)
    with pytest.raises(TypeError, match=r"^x given as a dict must map this model's one input, 'digits', to its array "
                                        r"\({'digits': array}\), or be the array itself\. Received a dict with the "
                                        r"keys \['image'\]"):
        model.predict({"image": x})
    with pytest.raises(TypeError, match="y given as a dict must map this model's one output, 'predictions'"):
        model.fit(x, {"digits": y}, verbose=0)
    unnamed = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    unnamed.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="this model's has no name yet"):
        unnamed.fit({"digits": x}, y, verbose=0)


def test_clone_model_compiles_the_clone_as_keras_does():
    # Keras 3.15's clone_model compiles the clone from the model's compile config (a new optimizer of the
    # same settings, the loss and metrics); glassnet's was uncompiled, so fit failed on a clone
    import glassnet as keras

    x = np.random.default_rng(0).standard_normal((16, 3))
    y = x @ np.array([[1.0, -1.0], [0.5, 0.0], [0.0, 2.0]])
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], seed=0)
    my_mae = keras.metrics.MeanAbsoluteError(name="my_mae")
    model.compile(optimizer=keras.optimizers.RMSprop(0.01, rho=0.8), loss="mse", metrics=[my_mae, "mse"],
                  weighted_metrics=["mae"])
    model.fit(x, y, epochs=2, verbose=0)
    clone = keras.models.clone_model(model)
    assert clone.compiled and type(clone.optimizer) is keras.optimizers.RMSprop and clone.optimizer is not model.optimizer
    assert clone.optimizer.get_config() == model.optimizer.get_config() and not clone.optimizer.built
    assert isinstance(clone.loss, keras.losses.MeanSquaredError) and clone._metric_ids[0] is not my_mae
    clone.set_weights(model.get_weights())
    counted = float(my_mae.result())
    history = clone.fit(x, y, epochs=1, verbose=0).history
    assert sorted(history) == ["loss", "mae", "mse", "my_mae"] and float(my_mae.result()) == counted  # its own copy
    fresh = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], seed=0)
    fresh.compile(optimizer=keras.optimizers.RMSprop(0.01, rho=0.8), loss="mse", metrics=["mae", "mse"],
                  weighted_metrics=["mae"])
    fresh.set_weights(model.get_weights())
    assert fresh.fit(x, y, epochs=1, verbose=0).history["loss"] == history["loss"]  # a fresh optimizer's step
    assert not keras.models.clone_model(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])).compiled


@pytest.mark.usefixtures("real_keras")
def test_clone_model_compiles_as_keras_3_15():
    import keras

    import glassnet

    for library in (keras, glassnet):
        model = library.Sequential([library.Input((3,)), library.layers.Dense(2)])
        model.compile(optimizer=library.optimizers.Adam(0.01), loss="mse")
        clone = library.models.clone_model(model)
        assert clone.compiled and type(clone.optimizer).__name__ == "Adam"
        assert float(clone.optimizer.learning_rate) == pytest.approx(0.01)


def test_weights_have_keras_s_variable_attributes():
    # keras.io's and Stack Overflow's idioms: [w.name for w in model.trainable_weights], w.path, w.numpy(),
    # layer.kernel.assign(layer.kernel_initializer(shape)) (NumPy's "no attribute 'name'" before)
    import glassnet as keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_constraint="non_neg"),
                              keras.layers.BatchNormalization()], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    assert [w.name for w in model.weights] == ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.path for w in model.trainable_weights] == ["sequential/dense/kernel", "sequential/dense/bias",
                                                         "sequential/batch_normalization/gamma",
                                                         "sequential/batch_normalization/beta"]
    assert [w.trainable for w in model.weights] == [True] * 4 + [False] * 2
    dense = model.layers[0]
    kernel = dense.kernel
    assert kernel is dense.kernel is model.weights[0]  # one object while the layer keeps its array
    copy = kernel.numpy()
    assert type(copy) is np.ndarray and np.shares_memory(kernel, dense.params["W"]) and not np.shares_memory(copy, kernel)
    assert type(kernel * 2) is np.ndarray and type(kernel[0]) is np.ndarray and isinstance(kernel.sum(), np.floating)
    kernel.assign(np.full((3, 2), 0.5))  # writes the model's weights
    np.testing.assert_array_equal(model.get_weights()[0], np.full((3, 2), 0.5))
    kernel.assign_add(np.ones((3, 2)))
    kernel.assign_sub(0.25)
    np.testing.assert_array_equal(model.predict(np.eye(3), verbose=0), np.asarray(model(np.eye(3))))
    np.testing.assert_array_equal(model.get_weights()[0], np.full((3, 2), 1.25))
    with pytest.raises(ValueError, match="The variable 'kernel' has shape \\(3, 2\\); assign got a value of shape \\(2,"):
        kernel.assign(np.ones((2, 3)))
    assert "path=sequential/dense/kernel, shape=(3, 2)" in repr(kernel)
    import pickle

    assert type(pickle.loads(pickle.dumps(kernel))) is np.ndarray  # a pickle names no glassnet class
    # a custom loop's steps land on these objects, and the kernel's constraint is applied after them
    optimizer = keras.optimizers.SGD(0.1)
    grads = model.gradients(np.eye(3), np.ones((3, 2)))
    variables = model.trainable_weights
    optimizer.apply_gradients(zip([g for g, _ in zip(grads, variables)], variables))
    assert (dense.kernel >= 0).all() and dense.kernel is kernel
    standalone = keras.layers.Dense(4)
    standalone.build((None, 3))
    assert standalone.kernel.path == "dense/kernel" and standalone.bias.name == "bias"


@pytest.mark.usefixtures("real_keras")
def test_weight_names_and_paths_as_keras_3_15():
    import keras

    import glassnet

    seen = []
    for library in (keras, glassnet):
        library.utils.clear_session()  # (names numbered from the start, as in a fresh session)
        model = library.Sequential([library.Input((3,)), library.layers.Dense(2), library.layers.BatchNormalization()])
        seen.append([(w.name, w.path, bool(w.trainable), tuple(w.shape)) for w in model.weights])
    assert seen[0] == seen[1]


def test_compile_config_round_trips_the_compile_settings():
    import glassnet as keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], seed=0)
    assert model.get_compile_config() is None
    model.compile(optimizer=keras.optimizers.Adam(0.01, beta_1=0.8), loss="mae",
                  metrics=["mse", keras.metrics.AUC(num_thresholds=50)], weighted_metrics=["mae"])
    config = model.get_compile_config()
    again = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], seed=0)
    again.compile_from_config(config)
    assert again.get_compile_config() == config and again.optimizer is not model.optimizer
    assert again.optimizer.get_config() == model.optimizer.get_config()
    x, y = np.random.default_rng(0).standard_normal((8, 3)), np.ones((8, 2))
    again.set_weights(model.get_weights())
    assert again.fit(x, y, epochs=2, verbose=0).history == model.fit(x, y, epochs=2, verbose=0).history
    with pytest.raises(TypeError, match="config must be the dict get_compile_config\\(\\) returns"):
        again.compile_from_config(["mse"])


def test_compile_from_config_is_compile_of_the_revived_settings():
    # as Keras 3.15's compile(**deserialized config): it dropped loss_weights and unknown keys silently and
    # refused an optimizer by name and per-output losses and metrics
    import glassnet as keras

    def model():
        inputs = keras.Input((3,), name="feats")
        return keras.Model(inputs, keras.layers.Dense(1, name="price")(inputs))

    compiled = model()
    compiled.compile_from_config({"optimizer": "adam", "loss": {"price": "mse"}, "metrics": {"price": ["mae"]}})
    assert type(compiled.optimizer).__name__ == "Adam" and compiled.loss.name == "mean_squared_error"
    assert compiled.evaluate(np.ones((4, 3)), np.zeros((4, 1)), verbose=0, return_dict=True).keys() == {"loss", "mae"}
    compiled.compile_from_config({"loss": ["mae"]})  # compile's defaults for what the config leaves out
    assert type(compiled.optimizer).__name__ == "RMSprop" and compiled.loss.name == "mean_absolute_error"
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        model().compile_from_config({"optimizer": "adam", "loss": "mse", "foo": 1})
    # (loss_weights other than 1 were refused before session 55; they weigh the loss now, as Keras's)
    weighted = model()
    weighted.compile_from_config({"optimizer": "adam", "loss": "mse", "loss_weights": [2.0]})
    assert weighted._loss_weight == 2.0 and weighted.get_compile_config()["loss_weights"] == 2.0


def test_compile_config_names_the_users_unregistered_functions_as_keras():
    # it was None, as for a model never compiled (a custom loss), or left the custom metric out
    import glassnet as keras

    def my_loss(y_true, y_pred):
        return ((y_true - y_pred) ** 2).mean(axis=-1)

    my_loss.per_sample_gradient = lambda y_true, y_pred: 2 * (y_pred - y_true) / y_true.shape[-1]

    def my_metric(y_true, y_pred):
        return np.abs(y_true - y_pred).mean(axis=-1)

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss=my_loss, metrics=[my_metric, "mae"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (the model file's warning is save's, not this call's)
        config = model.get_compile_config()
    function = {"module": "builtins", "class_name": "function", "registered_name": "function"}
    assert config["loss"] == {**function, "config": "my_loss"}  # Keras 3.15's form
    assert config["metrics"] == [{**function, "config": "my_metric"}, "mae"]
    again = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], seed=0)
    with pytest.raises(ValueError, match="Unknown function 'my_loss'.*register_keras_serializable"):
        again.compile_from_config(config)
    with keras.saving.custom_object_scope({"my_loss": my_loss, "my_metric": my_metric}):
        again.compile_from_config(config)
    assert again.loss.function is my_loss and again._metric_ids == [my_metric, "mae"]


def test_model_from_json_of_a_keras_functional_model_is_functional_as_keras():
    # it was read as a plain Sequential: its variables' paths took the model's scope (mnist_model/dense/kernel)
    # and its summary had no InputLayer row, where Model.from_config of the same config gave Keras's
    import json
    from pathlib import Path

    text = (Path(__file__).parent / "data" / "keras" / "functional_chain.json").read_text()
    for model in (keras.models.model_from_json(text), keras.Model.from_config(json.loads(text)["config"])):
        # Keras 3.15's model_from_json of that text
        assert [w.path for w in model.weights] == [
            "dense/kernel", "dense/bias", "batch_normalization/gamma", "batch_normalization/beta",
            "batch_normalization/moving_mean", "batch_normalization/moving_variance", "dense_1/kernel", "dense_1/bias"]
        lines = []
        model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
        assert [line.split()[:2] for line in lines if "(None, " in line] == [
            ["input_layer", "(InputLayer)"], ["dense", "(Dense)"], ["dropout", "(Dropout)"],
            ["batch_normalization", "(BatchNormalization)"], ["dense_1", "(Dense)"]]


def test_a_dict_of_one_output_is_refused_with_what_to_write_instead():
    # Keras 3.15's Model(x, {"y": out}) names its output "y": predict and model(x) return {"y": array}, and
    # compile(loss={"y": "mse"}) and fit(x, {"y": y}) train. glassnet dropped the key silently: predict gave the
    # array, and compile refused {"y": "mse"}
    x, y = np.ones((2, 4)), np.ones((2, 1))
    inputs = keras.Input((4,), name="x")
    with pytest.raises(ValueError, match=r"outputs given as a dict \(\{'y': \.\.\.\}\) names the model's output 'y', "
                                         r"which glassnet cannot keep.* Model\(inputs, outputs\['y'\]\), and name "
                                         r"the last layer 'y'"):
        keras.Model(inputs, {"y": layers.Dense(1, name="d")(inputs)})
    model = keras.Model(inputs, layers.Dense(1, name="y")(inputs))  # as the error says
    model.compile(optimizer="sgd", loss={"y": "mse"})
    assert list(model.fit(x, {"y": y}, verbose=0).history) == ["loss"]
    assert model.predict(x).shape == (2, 1)
    # a list, a tuple or an input dict of one: arrays, as Keras 3.15's (ndarray (2, 1))
    for make in (lambda i, o: keras.Model([i], [o]), lambda i, o: keras.Model(i, (o,)),
                 lambda i, o: keras.Model({"x": i}, o)):
        inputs = keras.Input((4,), name="x")
        assert make(inputs, layers.Dense(1)(inputs)).predict(x).shape == (2, 1)


def test_a_list_of_one_array_is_the_models_one_input_or_output_as_keras():
    # Keras 3.15 takes predict([x]), fit([x], [y]), evaluate([x], [y]) and validation_data=([x], [y]) for a
    # model of one input and output; glassnet read [x] as a 3-D x ("must be a 2-D array ... (1, 8, 3)") and
    # [y] as one sample ("Inconsistent numbers of samples: x has 8, y has 1")
    import glassnet as keras

    rng = np.random.default_rng(0)
    x, y = rng.random((8, 3)).astype("float32"), rng.random((8, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], seed=0)
    model.compile("sgd", "mse")
    np.testing.assert_array_equal(model.predict([x], verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(model([x]), model(x))
    assert model.evaluate([x], [y], verbose=0) == model.evaluate(x, y, verbose=0)
    assert model.evaluate(x, (y[:, 0],), verbose=0) == model.evaluate(x, y, verbose=0)
    weights = model.get_weights()
    wrapped = model.fit([x], [y], epochs=2, shuffle=False, verbose=0, validation_data=([x], [y])).history
    model.set_weights(weights)
    assert wrapped == model.fit(x, y, epochs=2, shuffle=False, verbose=0, validation_data=(x, y)).history
    # a list of one sample stays that sample (Keras 3.15 unwraps predict([x[0]]) to a 1-D x and fails)
    assert model.predict([x[0]], verbose=0).shape == model.predict([[0.1, 0.2, 0.3]], verbose=0).shape == (1, 1)


def test_a_keras_layer_in_a_glassnet_model_is_named_with_the_import_line_to_change():
    # `import glassnet as keras` with `from keras import layers` left as it was: "add() expects a
    # glassnet.layers.Layer", of an add() the user never called, and nothing about where the layer came from
    keras = pytest.importorskip("keras")
    with pytest.raises(TypeError, match=r"A model's layers \(Sequential\(\[\.\.\.\]\), add\(\)\) must be "
                                        r"glassnet.layers.Layer objects.*: a Keras layer \(keras\..*change `from keras "
                                        r"import layers`"):
        glassnet.Sequential([glassnet.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(TypeError, match="Received: 5 of type int$"):
        glassnet.Sequential().add(5)
