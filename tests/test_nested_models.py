"""Keras's models in models: ``Sequential([model, Softmax()])``, transfer learning with a frozen
base, ``model.add(other_model)`` and ``base_model(inputs, training=False)`` in a functional model.
A nested model joins as its layers (the same objects), so both models share their weights."""

import pickle
import re

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.models import Model, Sequential, clone_model, load_model


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def glassnet_base(rng, **kwargs):
    base = Sequential([layers.Input((6,)), layers.Dense(8, "relu"), layers.Dense(5, "tanh")], name="base",
                      dtype="float64", **kwargs)
    base.set_weights([rng.normal(0, 0.5, w.shape) for w in base.get_weights()])
    return base


def keras_base(keras, weights):
    base = keras.Sequential([keras.Input((6,), dtype="float64"), keras.layers.Dense(8, "relu", dtype="float64"),
                             keras.layers.Dense(5, "tanh", dtype="float64")], name="base")
    base.set_weights(weights)
    return base


def test_probability_model_equals_keras(keras64, rng):
    keras = keras64
    x = rng.normal(size=(10, 6))
    model = glassnet_base(rng)
    ours = Sequential([model, layers.Softmax()], dtype="float64")
    theirs = keras.Sequential([keras_base(keras, model.get_weights()), keras.layers.Softmax(dtype="float64")])
    expected = np.asarray(theirs.predict(x, verbose=0))
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours(x[:1]), expected[:1], rtol=0, atol=1e-12)
    assert [layer.name for layer in ours.layers] == ["dense", "dense_1", "softmax"]  # Keras lists the model
    assert ours.input_shape == (None, 6)


def test_transfer_learning_then_fine_tuning_equal_keras(keras64, rng):
    keras = keras64
    x, y = rng.normal(size=(12, 6)), rng.normal(size=(12, 1))
    base = glassnet_base(rng)
    base.trainable = False
    ours = Sequential([base, layers.Dense(1)], dtype="float64")
    k_base = keras_base(keras, base.get_weights())
    k_base.trainable = False
    theirs = keras.Sequential([k_base, keras.layers.Dense(1, dtype="float64")])
    theirs.set_weights(ours.get_weights())
    frozen = base.get_weights()
    for model, optimizer in ((ours, glassnet.optimizers.SGD(0.125)), (theirs, keras.optimizers.SGD(0.125))):
        model.compile(optimizer=optimizer, loss="mse")  # (a power of two: Keras's rate is a float32)
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)  # three steps
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-12)
    for got, kept in zip(base.get_weights(), frozen):
        np.testing.assert_array_equal(got, kept)
    assert ours.get_weights()[-1] != 0  # the head did train
    # fine-tuning: unfreeze the base, recompile with a low rate, fit again
    base.trainable = k_base.trainable = True
    for model, optimizer in ((ours, glassnet.optimizers.SGD(0.015625)), (theirs, keras.optimizers.SGD(0.015625))):
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-12)
    assert not np.array_equal(base.get_weights()[0], frozen[0])


def test_add_a_model_equals_keras(keras64, rng):
    keras = keras64
    x = rng.normal(size=(7, 6))
    base = glassnet_base(rng)
    ours = Sequential(dtype="float64")
    ours.add(base)
    ours.add(layers.Dense(2))
    theirs = keras.Sequential()
    theirs.add(keras_base(keras, base.get_weights()))
    theirs.add(keras.layers.Dense(2, dtype="float64"))
    theirs.build((None, 6))
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), rtol=0,
                               atol=1e-12)


def test_functional_call_of_a_frozen_base_equals_keras(keras64, rng):
    keras = keras64
    x = rng.normal(size=(7, 6))
    base = glassnet_base(rng)
    base.trainable = False
    inputs = layers.Input((6,))
    outputs = layers.Dense(2)(base(inputs, training=False))
    ours = Model(inputs, outputs)
    k_base = keras_base(keras, base.get_weights())
    k_inputs = keras.Input((6,), dtype="float64")
    theirs = keras.Model(k_inputs, keras.layers.Dense(2, dtype="float64")(k_base(k_inputs, training=False)))
    theirs.set_weights(ours.get_weights())
    assert ours.dtype == "float64" and len(ours.layers) == 3
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), rtol=0,
                               atol=1e-12)


def test_weights_stay_shared_both_ways_through_training(rng):
    x, labels = rng.normal(size=(40, 6)), rng.integers(0, 5, 40)
    model = glassnet_base(rng)
    model.compile("adam", glassnet.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, labels, epochs=2, verbose=0)
    probability_model = Sequential([model, layers.Softmax()], dtype="float64")

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def in_step():
        np.testing.assert_allclose(probability_model.predict(x, verbose=0), softmax(model.predict(x, verbose=0)),
                                   rtol=1e-12)

    in_step()
    before = model.predict(x, verbose=0)
    model.fit(x, labels, epochs=2, verbose=0)  # seen by the outer model
    in_step()
    probability_model.compile("sgd", "sparse_categorical_crossentropy")
    probability_model.fit(x, labels, epochs=2, verbose=0)  # changes the inner model's predictions
    in_step()
    after_outer = model.predict(x, verbose=0)
    assert not np.allclose(after_outer, before)
    model.fit(x, labels, epochs=1, verbose=0)  # each model's optimizer keeps stepping the shared weights
    in_step()
    assert not np.allclose(model.predict(x, verbose=0), after_outer)


@pytest.mark.parametrize("change", ["pop", "add"])
def test_a_nested_model_changed_after_nesting_refuses_the_models_holding_it(keras64, rng, change):
    # the outer model kept the layers the base had and computed with them silently; Keras's calls the
    # changed base (and fails here: its Dense(2) was built on the base's 5 outputs)
    x = rng.normal(size=(4, 6))
    base = glassnet_base(rng)
    outer = Sequential([base, layers.Dense(2)], dtype="float64")
    outer.compile("sgd", "mse")
    outer.fit(x, np.zeros((4, 2)), verbose=0)
    top = Sequential([outer, layers.Dense(1)], name="top", dtype="float64")
    top.compile("sgd", "mse")
    theirs = keras64.Sequential([keras_base(keras64, base.get_weights()), keras64.layers.Dense(2)])
    theirs.predict(x, verbose=0)
    getattr(base, change)(*([layers.Dense(3)] if change == "add" else []))
    getattr(theirs.layers[0], change)(*([keras64.layers.Dense(3)] if change == "add" else []))
    with pytest.raises(ValueError):
        theirs.predict(x, verbose=0)
    assert base.predict(x).shape == (4, 3 if change == "add" else 8)  # the changed model itself works
    what = "had a layer added" if change == "add" else "had its last layer popped"
    for model, width in ((outer, 2), (top, 1)):
        for use in (lambda: model.predict(x), lambda: model.fit(x, np.zeros((4, width)), verbose=0),
                    lambda: model.get_weights(), lambda: glassnet.models.clone_model(model), lambda: model.to_json(),
                    # a functional model of its chain, which computed with the old layers (or of its call)
                    lambda: glassnet.models.Model(model.input, model.output), lambda: model.layers[-1].output,
                    lambda: glassnet.models.Model(inputs := layers.Input((6,)), model(inputs))):
            with pytest.raises(ValueError, match=f"Model 'base' nested in model '{model.name}' {what} .* "
                                                 r"Make .* again with the changed model"):
                use()
    assert Sequential([base, layers.Dense(2)], dtype="float64").predict(x).shape == (4, 2)  # nested again: fine


def test_a_nested_model_changed_back_to_the_chain_it_had_is_usable_again(rng):
    # base.add(layer) then base.pop(): the same layer objects, of the same shapes, as outer holds, yet outer
    # (and the model holding it) stayed refused
    x = rng.normal(size=(4, 6))
    base = glassnet_base(rng)
    outer = Sequential([base, layers.Dense(2)], dtype="float64")
    top = Sequential([outer, layers.Dense(1)], dtype="float64")
    top.compile("sgd", "mse")
    before = top.predict(x)
    base.add(layers.Dense(3))
    base.pop()
    last = base.pop()
    base.add(layers.Dense(4))  # (a chain of the old shapes, of another layer: still refused)
    for model in (outer, top):
        with pytest.raises(ValueError, match=f"Model 'base' nested in model '{model.name}' had a layer added"):
            model.predict(x)
    base.pop()
    base.add(last)
    np.testing.assert_allclose(top.predict(x), before, rtol=0, atol=0)
    head, out = outer.layers[-1], top.layers[-1]
    want = (base.predict(x) @ head.params["W"] + head.params["b"]) @ out.params["W"] + out.params["b"]
    np.testing.assert_allclose(top.predict(x), want, rtol=1e-12)
    top.fit(x, np.zeros((4, 1)), verbose=0)
    assert not np.allclose(top.predict(x), before)


def test_a_model_no_longer_nested_or_unpickled_is_told_as_it_holds_it(rng):
    x = rng.normal(size=(4, 6))
    base = glassnet_base(rng)
    outer = Sequential([base, layers.Dense(2)], dtype="float64")
    copy = pickle.loads(pickle.dumps(outer))
    copy.get_layer("base").pop()
    with pytest.raises(ValueError, match="Model 'base' nested in model 'sequential' had its last layer popped"):
        copy.predict(x)
    assert outer.predict(x).shape == (4, 2)  # (the original and its base are another pair)
    outer.pop()
    assert outer.pop() is base  # the whole base, as Keras's pop: it is no longer nested in outer
    outer.add(layers.Dense(3))
    base.pop()
    assert outer.predict(x).shape == (4, 3)


def test_a_model_emptied_and_made_again_in_place_after_its_nested_model_changed_is_usable(rng):
    # popped down to nothing, it held none of the changed base's old layers, yet every use of it
    # after add(base) was still refused as holding them
    x = rng.normal(size=(4, 6))
    base = glassnet_base(rng)
    outer = Sequential([base, layers.Dense(2)], dtype="float64")
    base.pop()
    with pytest.raises(ValueError, match="Model 'base' nested in model 'sequential' had its last layer popped"):
        outer.predict(x)
    while outer.layers:
        outer.pop()
    outer.add(base)
    outer.add(layers.Dense(2))
    head = outer.layers[-1]
    np.testing.assert_allclose(outer.predict(x), base.predict(x) @ head.params["W"] + head.params["b"], rtol=1e-12)


def test_pop_takes_the_nested_model_the_model_ends_with_whole_as_keras(rng):
    # pop() took the nested model's last layer only, leaving its first one loose in the outer model, which then
    # refused add(base) as already holding it; Keras 3.15's pop returns base, and the outer model holds nothing
    x = rng.normal(size=(2, 4))
    base = Sequential([layers.Input((4,)), layers.Dense(3, name="a1"), layers.Dense(3, name="a2")], name="base")
    model = Sequential([base], name="outer")
    model.add(layers.Dense(1, name="head"))
    model.compile("sgd", "mse")
    model.fit(x, np.ones((2, 1)), verbose=0)
    assert model.pop().name == "head"
    assert model.pop() is base and model.layers == []
    assert [layer.name for layer in base.layers] == ["a1", "a2"] and base.predict(x).shape == (2, 3)
    model.add(base)  # as Keras 3.15: ['base', 'h2'], output (None, 2), 35 parameters
    model.add(layers.Dense(2, name="h2"))
    assert model.get_layer("base") is base and model.output_shape == (None, 2) and model.count_params() == 35
    model.fit(x, np.ones((2, 2)), verbose=0)
    head = model.get_layer("h2")
    np.testing.assert_allclose(model.predict(x), base.predict(x) @ head.params["W"] + head.params["b"], rtol=1e-6)
    # three levels: the outer model's pop takes mid whole, which keeps inner (Keras 3.15: mid, ['o0'])
    inner = Sequential([layers.Input((4,)), layers.Dense(3, name="i1")], name="inner")
    mid = Sequential([inner, layers.Dense(2, name="m1")], name="mid")
    outer = Sequential([layers.Dense(4, name="o0"), mid], name="outer")
    outer.build((None, 5))
    assert outer.pop() is mid and [layer.name for layer in outer.layers] == ["o0"]
    assert mid.get_layer("inner") is inner and mid.predict(x).shape == (2, 2)
    # a functional model of one layer: Keras 3.15 pops fmodel (glassnet gave its Dense f1), output (None, 3)
    fi = layers.Input((3,), name="fi")
    fmodel = Model(fi, layers.Dense(5, name="f1")(fi), name="fmodel")
    model = Sequential([layers.Input((4,)), layers.Dense(3, name="d0"), fmodel])
    assert model.pop() is fmodel and [layer.name for layer in model.layers] == ["d0"]
    assert model.output_shape == (None, 3)
    model.add(fmodel)
    assert model.get_layer("fmodel") is fmodel and model.output_shape == (None, 5)
    # an unbuilt nested model popped from an unbuilt one is no longer built with it
    lazy = Sequential([layers.Dense(3)], name="lazy")
    holder = Sequential([layers.Dense(4), lazy])
    assert holder.pop() is lazy
    holder.build((None, 2))
    assert holder.output_shape == (None, 4) and not lazy.built


def test_unbuilt_model_is_built_with_the_outer_one(rng):
    inner = Sequential([layers.Dense(4, "relu"), layers.Dense(3)], name="inner")
    outer = Sequential([inner, layers.Dense(2)])
    x = rng.normal(size=(5, 7)).astype("float32")
    outer.predict(x, verbose=0)
    assert inner.built and inner.input_shape == (None, 7)
    np.testing.assert_allclose(outer.predict(x, verbose=0), outer.layers[-1](inner.predict(x, verbose=0)), rtol=1e-6)


def test_unbuilt_model_in_a_functional_chain(rng):
    inner = Sequential([layers.Dense(4, "relu"), layers.Dense(3)], name="inner")
    inputs = layers.Input((7,))
    model = Model(inputs, layers.Dense(2)(inner(inputs)))
    assert [layer.output_shape for layer in model.layers] == [(4,), (3,), (2,)]
    x = rng.normal(size=(5, 7)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), model.layers[-1](inner.predict(x, verbose=0)), rtol=1e-6)


def test_the_nested_model_s_input_shape_is_carried_and_checked(rng):
    base = glassnet_base(rng)
    assert Sequential([base], dtype="float64").input_shape == (None, 6)
    with pytest.raises(ValueError, match=r"Model 'base' takes inputs of shape \(None, 6\), but the output of "
                                         r"Layer 'first' \(Dense\) has shape \(None, 5\)"):
        Sequential([layers.Input((3,)), layers.Dense(5, name="first"), base], dtype="float64")
    with pytest.raises(ValueError, match=r"takes inputs of shape \(None, 6\), but the model's input has shape "
                                         r"\(None, 4\)"):
        Sequential([layers.Input((4,)), base], dtype="float64")
    with pytest.raises(ValueError, match=r"takes inputs of shape \(None, 6\), but it was called on an input of "
                                         r"shape \(None, 4\)"):
        base(layers.Input((4,)))


def test_an_encoder_and_a_decoder_nest_as_keras_names_their_layers(keras64, rng):
    # Keras numbers default names across all layers; glassnet names them as a model takes them, so the encoder's
    # and the decoder's were both dense, dense_1, and Sequential([encoder, decoder]) said 'dense' was taken
    keras = keras64
    encoder = Sequential([layers.Input((6,)), layers.Dense(4, "relu"), layers.Dense(2, "relu")], dtype="float64")
    decoder = Sequential([layers.Dense(4, "relu"), layers.Dense(6, "sigmoid")], dtype="float64")
    autoencoder = Sequential([encoder, decoder])
    theirs = keras.Sequential([keras.Sequential([keras.Input((6,), dtype="float64"),
                                                 *(keras.layers.Dense(n, "relu", dtype="float64") for n in (4, 2))]),
                               keras.Sequential([keras.layers.Dense(4, "relu", dtype="float64"),
                                                 keras.layers.Dense(6, "sigmoid", dtype="float64")])])
    assert [layer.name for layer in autoencoder.layers] == ["dense", "dense_1", "dense_2", "dense_3"]
    assert [layer.name for layer in decoder.layers] == ["dense_2", "dense_3"]  # the same layers
    theirs.set_weights(autoencoder.get_weights())
    x = rng.random((5, 6))
    np.testing.assert_allclose(autoencoder.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(decoder.predict(encoder.predict(x, verbose=0), verbose=0),
                                  autoencoder.predict(x, verbose=0))
    # a default name beside a name given by the user: the nested one is renamed, as in Keras no clash
    base = glassnet_base(rng)
    assert [layer.name for layer in Sequential([layers.Dense(6, name="dense"), base]).layers] == [
        "dense", "dense_2", "dense_1"]
    assert [layer.name for layer in base.layers] == ["dense_2", "dense_1"]

def test_models_called_in_a_functional_chain_nest_as_keras_names_their_layers(keras64, rng):
    # Model(inputs, decoder(encoder(inputs))) took the two models' layers one by one, so both models'
    # default-named dense was refused as a repeated name, where Sequential([encoder, decoder]) renamed it
    keras = keras64
    encoder = Sequential([layers.Input((6,)), layers.Dense(4, "relu"), layers.Dense(2, "relu")], name="encoder",
                         dtype="float64")
    decoder = Sequential([layers.Dense(4, "relu"), layers.Dense(6, "sigmoid")], name="decoder", dtype="float64")
    inputs = layers.Input((6,))
    autoencoder = Model(inputs, decoder(encoder(inputs), training=False))
    k_encoder = keras.Sequential([keras.Input((6,), dtype="float64"),
                                  *(keras.layers.Dense(n, "relu", dtype="float64") for n in (4, 2))], name="encoder")
    k_decoder = keras.Sequential([keras.layers.Dense(4, "relu", dtype="float64"),
                                  keras.layers.Dense(6, "sigmoid", dtype="float64")], name="decoder")
    k_inputs = keras.Input((6,), dtype="float64")
    theirs = keras.Model(k_inputs, k_decoder(k_encoder(k_inputs), training=False))
    assert [layer.name for layer in autoencoder.layers] == ["dense", "dense_1", "dense_2", "dense_3"]
    assert [layer.name for layer in decoder.layers] == ["dense_2", "dense_3"]  # the same layers
    assert autoencoder.get_layer("decoder") is decoder and autoencoder.get_layer("encoder") is encoder
    theirs.set_weights(autoencoder.get_weights())
    x = rng.random((5, 6))
    np.testing.assert_allclose(autoencoder.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=1e-12)
    assert autoencoder.get_config()["pins"] == {"dense_2": False, "dense_3": False}


def test_a_refused_nested_model_keeps_its_layers_names():
    # the default names were renamed before the input shape was checked: add() refused the decoder, and
    # its layers were left named dense_2 and dense_1 (its summary, get_layer('dense') and files then differed)
    decoder = Sequential([layers.Input((5,)), layers.Dense(3), layers.Dense(4)])
    outer = Sequential([layers.Input((4,)), layers.Dense(7)])
    with pytest.raises(ValueError, match=r"takes inputs of shape \(None, 5\), but the output of Layer 'dense'"):
        outer.add(decoder)
    assert [layer.name for layer in decoder.layers] == ["dense", "dense_1"]
    assert [layer.name for layer in outer.layers] == ["dense"]


def test_a_name_the_user_set_after_the_default_one_is_not_renamed():
    # the model had named the layer dense_1, then the user called it "reconstruction": nesting took it for a
    # default name still and renamed it dense_2, silently
    encoder = Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    decoder = Sequential([layers.Input((2,)), layers.Dense(3), layers.Dense(4)])
    encoder.layers[1].name = decoder.layers[1].name = "reconstruction"
    with pytest.raises(ValueError, match="unique names .* Name 'reconstruction'"):
        Sequential([encoder, decoder])
    assert [layer.name for layer in decoder.layers] == ["dense", "reconstruction"]
    encoder.layers[1].name = "code"
    autoencoder = Sequential([encoder, decoder])  # the default names are still renamed
    assert [layer.name for layer in autoencoder.layers] == ["dense", "code", "dense_1", "reconstruction"]
    # a renamed layer keeps a default name, renamed again where it clashes
    assert Sequential([layers.Dense(6), layers.Dense(2), decoder]).layers[2].name == "dense_2"


def test_nesting_errors(rng):
    base = glassnet_base(rng)
    with pytest.raises(ValueError, match="Model 'base' cannot contain itself"):
        base.add(base)
    with pytest.raises(ValueError, match="Layer 'dense' of Model 'base' is already in this model"):
        Sequential([base, base], dtype="float64")
    with pytest.raises(ValueError, match="Layer 'dense_1' of Model 'base' is already in this model"):
        Sequential([base.layers[1], base], dtype="float64")
    # names given by the user clash (default names are renamed: next test)
    named = Sequential([layers.Input((6,)), layers.Dense(8, name="dense"), layers.Dense(5, name="dense_1")],
                       dtype="float64")
    with pytest.raises(ValueError, match="unique names .* Name 'dense'"):
        Sequential([layers.Dense(6, name="dense"), named], dtype="float64")
    outer = Sequential(dtype="float64")
    with pytest.raises(ValueError, match="unique names"):
        outer.add(layers.Dense(6, name="dense_1", input_dim=6))
        outer.add(named)
    assert len(outer.layers) == 1  # none of its layers joined
    with pytest.raises(ValueError, match="computes in 'float64' but this model in 'float32'"):
        Sequential([base], dtype="float32")
    frozen = Sequential([layers.Dense(2)], name="frozen", trainable=False)
    with pytest.raises(ValueError, match="made with trainable=False.*model.trainable = False"):
        Sequential([frozen])


def bn_base(rng, keras=None):
    """Dense, BatchNormalization, Dense in float64 (glassnet's, or Keras's with the same weights)."""
    base = Sequential([layers.Input((6,)), layers.Dense(8, "relu"), layers.BatchNormalization(), layers.Dense(5)],
                      name="base", dtype="float64")
    base.set_weights([rng.normal(0, 0.5, w.shape) if i not in (4, 5) else rng.uniform(0.5, 1.5, w.shape)
                      for i, w in enumerate(base.get_weights())])
    if keras is None:
        return base
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, "relu"), keras.layers.BatchNormalization(),
                               keras.layers.Dense(5)], name="base")
    theirs.set_weights(base.get_weights())
    return base, theirs


def test_the_transfer_learning_guide_with_training_false_equals_keras(keras64, rng):
    # glassnet refused base_model(inputs, training=False) of a base with a trainable BatchNormalization;
    # Keras 3.15 records the flag, and fit's training=True overrides it: the guide's fine-tuning fit
    # trains the batch norm on batch statistics and moves its moving ones, as a base fitted alone does
    keras = keras64
    x, y = rng.normal(size=(16, 6)), rng.normal(size=(16, 1))
    base, k_base = bn_base(rng, keras)
    inputs, k_inputs = layers.Input((6,)), keras.Input((6,))
    ours = Model(inputs, layers.Dense(1)(base(inputs, training=False)))
    theirs = keras.Model(k_inputs, keras.layers.Dense(1)(k_base(k_inputs, training=False)))
    theirs.set_weights(ours.get_weights())
    base.trainable = k_base.trainable = False
    moving = base.get_weights()[4:6]  # the batch norm's moving mean and variance
    for rate, epochs in ((0.125, 2), (0.0078125, 1)):  # frozen, then fine-tuning (powers of two: float32 rates)
        for model, optimizer in ((ours, glassnet.optimizers.Adam(rate)), (theirs, keras.optimizers.Adam(rate))):
            model.compile(optimizer=optimizer, loss="mse")
            model.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
        for got, want in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-10)
        for call in (lambda m: m.predict(x, verbose=0), lambda m: m(x), lambda m: m(x, training=True)):
            np.testing.assert_allclose(call(ours), np.asarray(call(theirs)), rtol=0, atol=1e-10)
        if rate == 0.125:
            np.testing.assert_array_equal(base.get_weights()[4], moving[0])
            np.testing.assert_array_equal(base.get_weights()[5], moving[1])  # frozen: inference mode
            base.trainable = k_base.trainable = True
    assert not np.allclose(base.get_weights()[4], moving[0])  # fine-tuning moved them, in Keras too
    alone = base.get_weights()[4]
    base.compile("sgd", "mse")
    base.fit(x, rng.normal(size=(16, 5)), verbose=0)
    assert not np.allclose(base.get_weights()[4], alone)


def test_training_true_pins_a_nested_model_in_a_plain_call_as_keras(keras64, rng):
    # Keras runs base_model(inputs, training=True) in training mode when the model is called with no
    # training (Monte-Carlo dropout); predict, evaluate and model(x, training=False) override it
    keras = keras64
    x = rng.normal(size=(10, 6))
    base, k_base = bn_base(rng, keras)
    inputs, k_inputs = layers.Input((6,)), keras.Input((6,))
    ours = Model(inputs, layers.Dense(2)(base(inputs, training=True)))
    theirs = keras.Model(k_inputs, keras.layers.Dense(2)(k_base(k_inputs, training=True)))
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), rtol=0,
                               atol=1e-10)
    np.testing.assert_allclose(ours(x, training=False), np.asarray(theirs(x, training=False)), rtol=0, atol=1e-10)
    before = base.get_weights()[4]
    np.testing.assert_allclose(ours(x), np.asarray(theirs(x)), rtol=0, atol=1e-10)  # batch statistics
    for got, want in zip(ours.get_weights(), theirs.get_weights()):  # and the moving ones moved
        np.testing.assert_allclose(got, np.asarray(want), rtol=0, atol=1e-10)
    assert not np.allclose(base.get_weights()[4], before)
    np.testing.assert_allclose(base(x), np.asarray(k_base(x)), rtol=0, atol=1e-10)  # alone: not pinned
    dropout = Sequential([layers.Dense(4), layers.Dropout(0.5, seed=1)], name="d")
    inputs = layers.Input((3,))
    mc = Model(inputs, dropout(inputs, training=True))
    x = rng.normal(size=(50, 3))
    assert not np.allclose(mc(x), mc(x))
    np.testing.assert_array_equal(mc.predict(x, verbose=0), dropout.predict(x, verbose=0))
    layer_pinned = Model(inputs := layers.Input((3,)), layers.Dropout(0.5, seed=1)(layers.Dense(4)(inputs),
                                                                                    training=True))
    assert not np.allclose(layer_pinned(x), layer_pinned(x))


def test_nested_pins_hold_as_keras(keras64, rng):
    keras = keras64
    x = rng.normal(size=(20, 4))

    def pinned(lib, inner_pin, outer_pin):
        Input, L = (layers.Input, layers) if lib is None else (lib.Input, lib.layers)
        make = Model if lib is None else lib.Model
        inner = (Sequential if lib is None else lib.Sequential)([Input((4,)), L.Dense(5), L.Dropout(0.5)])
        i2 = Input((4,))
        mid = make(i2, L.Dense(3)(inner(i2, training=inner_pin)))
        i3 = Input((4,))
        return make(i3, L.Dense(1)(mid(i3) if outer_pin is None else mid(i3, training=outer_pin))), mid

    for inner_pin in (False, True):
        for outer_pin in (None, False, True):
            found = []
            for lib in (None, keras):
                model, mid = pinned(lib, inner_pin, outer_pin)
                found.append([not np.allclose(np.asarray(m(x)), np.asarray(m(x))) for m in (model, mid)])
            assert found[0] == found[1] == [outer_pin or (outer_pin is None and inner_pin), inner_pin]


def test_pins_are_saved_loaded_cloned_and_checked(rng, tmp_path):
    base = Sequential([layers.Input((3,)), layers.Dense(4), layers.Dropout(0.5, seed=1)], name="d")
    inputs = layers.Input((3,))
    model = Model(inputs, layers.Dense(2)(base(inputs, training=True)))
    assert model.get_config()["pins"] == {"dense": True, "dropout": True}
    outer = Sequential([model, layers.Softmax()])  # Keras's Sequential calls it with no training: pins hold
    model.save(tmp_path / "m.glassnet")
    x = rng.normal(size=(50, 3))
    for again in (load_model(tmp_path / "m.glassnet"), clone_model(model), outer):
        assert not np.allclose(again(x), again(x))
        assert np.allclose(again(x, training=False), again.predict(x, verbose=0))
    plain = Model(inputs := layers.Input((3,)), base(inputs, training=False))
    assert plain.get_config()["pins"] == {"dense": False, "dropout": False}
    assert plain.pop() is base and plain.layers == []  # the nested model whole, its call's pins with it
    assert "pins" not in plain.get_config() and base.predict(x).shape == (50, 4)
    with pytest.raises(ValueError, match="'pins' must map names of the model's layers"):
        Sequential.from_config({**model.get_config(), "pins": {"nope": True}})
    for call in (base, layers.Dense(2)):
        with pytest.raises(TypeError, match="training must be True"):
            call(layers.Input((3,)), training="no")


def _from_config(layer):
    return layer.__class__.from_config(layer.get_config())


@pytest.mark.parametrize("clone_function", [_from_config, lambda layer: layer], ids=["made", "shared"])
def test_clone_function_keeps_each_layer_s_frozen_flag_in_the_clone_and_the_original_as_keras(clone_function):
    # clone_model set the clone's trainable, which sets every layer's flag: the frozen d1 came back trainable in
    # the clone and, shared (clone_function=lambda layer: layer), in the original too, which the next fit trained
    model = Sequential([layers.Input((4,), name="x"), layers.Dense(3, name="d1"), layers.Dense(1, name="d2")])
    model.get_layer("d1").trainable = False
    clone = clone_model(model, clone_function=clone_function)
    for each in (clone, model):  # Keras 3.15: True, [False, True], 2 trainable weights in both
        assert each.trainable and [layer.trainable for layer in each.layers] == [False, True]
        assert len(each.trainable_weights) == 2
    # a frozen model nested two levels down (Keras 3.15: 4 trainable and 2 non-trainable weights in both)
    lvl1 = Sequential([layers.Input((4,)), layers.Dense(3, name="a1")], name="lvl1")
    i2 = layers.Input((4,), name="i2")
    lvl2 = Model(i2, layers.Dense(2, name="b1")(lvl1(i2)), name="lvl2")
    inputs = layers.Input((4,), name="x")
    outer = Model(inputs, layers.Dense(1, name="top")(lvl2(inputs)), name="outer")
    lvl1.trainable = False
    clone = clone_model(outer, clone_function=clone_function)
    for each in (clone, outer):
        assert (len(each.trainable_weights), len(each.non_trainable_weights)) == (4, 2)
    # the model's own flag is the clone's, its layers keep theirs (Keras 3.15: False, [True, True], unbuilt)
    frozen = Sequential([layers.Dense(3), layers.Dense(1)], trainable=False)
    clone = clone_model(frozen, clone_function=clone_function)
    assert not clone.trainable and [layer.trainable for layer in clone.layers] == [True, True] and not clone.built
    # a functional model's clone trains, its layers frozen (Keras 3.15: True, [False, False], 0; the original False)
    inputs = layers.Input((4,), name="x")
    model = Model(inputs, layers.Dense(1, name="d2")(layers.Dense(3, name="d1")(inputs)))
    model.trainable = False
    clone = clone_model(model, clone_function=clone_function)
    assert clone.trainable and [layer.trainable for layer in clone.layers] == [False, False]
    assert clone.trainable_weights == [] and not model.trainable


def test_clone_model_gives_the_flags_keras_s_default_clone_function_gives():
    # clone_model kept a frozen functional model's own flag, and a frozen nested Sequential's: Keras 3.15's clone
    # is a new Functional(inputs, outputs), trainable, its layers keeping their flags, and makes each nested model
    # by its from_config: a Sequential trainable (its layers frozen), a functional model frozen
    inputs = layers.Input((4,), name="x")
    model = Model(inputs, layers.Dense(1, name="d2")(layers.Dense(3, name="d1")(inputs)))
    model.trainable = False
    clone = clone_model(model)
    # Keras 3.15: True, [False, False] (after its InputLayer), 0 trainable and 4 non-trainable weights
    assert clone.trainable and [layer.trainable for layer in clone.layers] == [False, False]
    assert (len(clone.trainable_weights), len(clone.non_trainable_weights)) == (0, 4) and not model.trainable
    model.get_layer("d2").trainable = True  # unfrozen after the freeze: Keras 3.15's clone trains it (2 weights)
    assert len(clone_model(model).trainable_weights) == 2 and model.trainable_weights == []
    # a frozen Sequential's clone is frozen, and a layer frozen alone stays so (Keras 3.15: False, 0; True, 2)
    frozen = Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(1)], trainable=False)
    assert not clone_model(frozen).trainable and clone_model(frozen).trainable_weights == []
    inputs = layers.Input((4,), name="x")
    model = Model(inputs, layers.Dense(1, name="d2")(layers.Dense(3, name="d1")(inputs)))
    model.get_layer("d1").trainable = False
    clone = clone_model(model)
    assert clone.trainable and [layer.trainable for layer in clone.layers] == [False, True]
    assert len(clone.trainable_weights) == 2
    # a frozen nested model, in a functional model and in a Sequential one (Keras 3.15: the clone's Sequential
    # 'inner' True, its layers [False]; the functional 'inner' False, [False]; 2 trainable weights in each clone)
    for functional_inner in (False, True):
        for functional_outer in (False, True):
            if functional_inner:
                start = layers.Input((4,), name="i")
                inner = Model(start, layers.Dense(3, name="a1")(start), name="inner")
            else:
                inner = Sequential([layers.Input((4,)), layers.Dense(3, name="a1")], name="inner")
            inner.trainable = False
            inputs = layers.Input((4,), name="x")
            outer = (Model(inputs, layers.Dense(1, name="top")(inner(inputs))) if functional_outer
                     else Sequential([layers.Input((4,)), inner, layers.Dense(1, name="top")]))
            clone = clone_model(outer)
            assert clone.get_layer("inner").trainable is not functional_inner and not inner.trainable
            assert [layer.trainable for layer in clone.get_layer("inner").layers] == [False]
            assert len(clone.trainable_weights) == 2 and len(outer.trainable_weights) == 2
    # a frozen functional model holding a Sequential (Keras 3.15: True; 'inner' True, its layers [False], 'top'
    # False; 0 trainable and 4 non-trainable weights)
    inner = Sequential([layers.Input((4,)), layers.Dense(3, name="a1")], name="inner")
    inputs = layers.Input((4,), name="x")
    outer = Model(inputs, layers.Dense(1, name="top")(inner(inputs)))
    outer.trainable = False
    clone = clone_model(outer)
    assert clone.trainable and clone.get_layer("inner").trainable and not clone.get_layer("top").trainable
    assert [layer.trainable for layer in clone.get_layer("inner").layers] == [False]
    assert (len(clone.trainable_weights), len(clone.non_trainable_weights)) == (0, 4)


@pytest.mark.parametrize("share", [False, True], ids=["made", "shared"])
def test_clone_function_is_given_a_nested_model_as_the_model_as_keras(rng, share):
    # glassnet gave clone_function the nested model's layers and made a plain Sequential of them: the clone had
    # no 'base', no InputLayer row, paths in the model's scope (outer/top/kernel) and no Input name
    base = Sequential([layers.Input((4,)), layers.Dense(3, name="a1")], name="base")
    inputs = layers.Input((4,), name="x")
    model = Model(inputs, layers.Dense(1, name="top")(base(inputs)), name="outer")
    seen = []

    def clone_function(item):
        seen.append(item.name)
        return item if share else item.__class__.from_config(item.get_config())

    clone = clone_model(model, clone_function=clone_function)
    # Keras 3.15: saw ['base', 'top']; base a Sequential (base itself, shared); 'outer', input 'x'; top/kernel
    assert seen == ["base", "top"] and clone.name == "outer" and clone.inputs[0].name == "x"
    assert type(clone.get_layer("base")) is Sequential and (clone.get_layer("base") is base) == share
    assert [w.path for w in clone.weights][2:] == ["top/kernel", "top/bias"]
    lines = []
    clone.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert [line.split()[:2] for line in lines if "(None, " in line] == [["x", "(InputLayer)"],
                                                                          ["base", "(Sequential)"], ["top", "(Dense)"]]
    clone.set_weights(model.get_weights())
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    clone.get_layer("base").trainable = False  # Keras 3.15: 2 trainable weights in the clone, the original 4 (2)
    assert len(clone.trainable_weights) == 2 and len(model.trainable_weights) == (2 if share else 4)


def test_clone_function_keeps_the_training_pins_and_the_input_as_keras(rng):
    # the clone's Dropout pinned with training=True (Monte-Carlo dropout) never ran: no zero in model(x)
    x = np.ones((1, 100))
    inputs = layers.Input((100,), name="x")
    model = Model(inputs, layers.Dropout(0.5, name="dr")(inputs, training=True), name="mc")
    clone = clone_model(model, clone_function=_from_config)
    assert (clone(x) == 0).any() and not (clone(x, training=False) == 0).any()  # Keras 3.15: True, False
    # a nested model called with training=True, made again or shared: its dropout runs in a plain call
    inner = Sequential([layers.Input((100,)), layers.Dropout(0.5, name="dr2")], name="inner")
    inputs = layers.Input((100,), name="x")
    model = Model(inputs, layers.Dense(2, name="t")(inner(inputs, training=True)))
    for clone_function in (_from_config, lambda layer: layer):
        clone = clone_model(model, clone_function=clone_function)
        assert not np.allclose(clone(x), clone(x))  # Keras 3.15: the outputs vary
        np.testing.assert_array_equal(clone(x, training=False), clone(x, training=False))
    # the new Input keeps the name, the batch size and the integer dtype (Keras 3.15: 'b', (8, 4), int32)
    for model in (Model(inputs := layers.Input(batch_shape=(8, 4), name="b", dtype="int32"),
                        layers.Dense(2, name="d")(inputs)),
                  Sequential([layers.Input(batch_shape=(8, 4), name="b", dtype="int32"), layers.Dense(2, name="d")])):
        clone = clone_model(model, clone_function=_from_config)
        assert (clone.inputs[0].name, clone.inputs[0].shape, clone.inputs[0].dtype) == ("b", (8, 4), "int32")


def _file_version(path):
    import json
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("model.json"))["format_version"]


def test_a_file_with_pins_is_format_version_2_which_older_glassnet_refuses(rng, tmp_path):
    # glassnet before pins read a file with them as version 1, left the pins out and ran model(x) otherwise
    # (0.79 off with a pinned BatchNormalization), silently; a file that holds pins is version 2, which it
    # refuses by name ("format version 2 is not supported"); a file without pins stays version 1
    import json
    import zipfile

    base = Sequential([layers.Input((3,)), layers.Dense(4), layers.BatchNormalization()], name="b")
    inputs = layers.Input((3,))
    pinned = Model(inputs, layers.Dense(2)(base(inputs, training=True)))
    plain = Sequential([layers.Input((3,)), layers.Dense(2)])
    nested_pinned = Sequential([pinned, layers.Softmax()])  # the pins in the nested model's entry
    x = rng.normal(size=(8, 3))
    for model, version in ((pinned, 2), (plain, 1), (nested_pinned, 2)):
        model.save(tmp_path / "m.gn")
        assert _file_version(tmp_path / "m.gn") == version
        np.testing.assert_allclose(load_model(tmp_path / "m.gn")(x), model(x))
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    for bad in (3, "2", 2.0, True):
        doc = json.loads(members["model.json"])
        doc["format_version"] = bad
        with zipfile.ZipFile(tmp_path / "bad.gn", "w") as zf:
            for name, data in members.items():
                zf.writestr(name, json.dumps(doc) if name == "model.json" else data)
        with pytest.raises(ValueError, match=r"format version .* is not supported \(this glassnet reads 1 and 2\)"):
            load_model(tmp_path / "bad.gn")


def test_a_keras_file_s_training_true_call_loads_pinned(keras64, rng, tmp_path):
    keras = keras64
    inputs = keras.Input((3,))
    theirs = keras.Model(inputs, keras.layers.Dropout(0.5, name="mc")(keras.layers.Dense(4)(inputs), training=True))
    theirs.save(tmp_path / "k.keras")
    ours = load_model(tmp_path / "k.keras")
    assert ours.get_config()["pins"] == {"mc": True}
    x = rng.normal(size=(50, 3))
    assert not np.allclose(ours(x), ours(x))
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), atol=1e-12)


@pytest.fixture
def nested(rng):
    base = Sequential([layers.Input((6,)), layers.Dense(8, "relu"), layers.BatchNormalization(), layers.Dense(5)],
                      name="base")
    base.trainable = False
    model = Sequential([base, layers.Dense(3, "softmax", name="head")], name="outer")
    x = rng.normal(size=(20, 6)).astype("float32")
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, rng.integers(0, 3, 20), epochs=1, verbose=0)
    return model, x


def test_nested_model_saves_loads_clones_and_configs(nested, tmp_path):
    model, x = nested
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "m.glassnet")
    loaded = load_model(tmp_path / "m.glassnet")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    assert [layer.trainable for layer in loaded.layers] == [False, False, False, True]
    again = Sequential.from_config(model.get_config())
    again.set_weights(model.get_weights())
    np.testing.assert_array_equal(again.predict(x, verbose=0), expected)
    clone = clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), expected)
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()), expand_nested=True)
    assert any("batch_normalization" in line for line in lines)
    assert len(model.trace(x[:1], np.array([1])).layers) == 4


def test_nested_model_exports_to_onnx_and_keras(nested, tmp_path, monkeypatch):
    model, x = nested
    expected = model.predict(x, verbose=0)
    ort = pytest.importorskip("onnxruntime")
    model.export(tmp_path / "m.onnx")
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], expected, rtol=1e-5, atol=1e-6)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    model.export(tmp_path / "m.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-6)


def test_a_model_given_no_dtype_computes_in_the_one_its_layers_or_nested_model_name(keras64, rng):
    # Keras computes Dense(3, dtype="float64") in float64 in a model given no dtype; glassnet refused
    # "Pass dtype='float64' to the model instead of the layer"
    keras = keras64
    base = glassnet_base(rng)  # a float64 model
    ours = Sequential([base, layers.Softmax()])
    assert ours.dtype == "float64"
    x = rng.normal(size=(4, 6))
    theirs = keras.Sequential([keras_base(keras, base.get_weights()), keras.layers.Softmax(dtype="float64")])
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), rtol=0, atol=1e-12)
    plain = Sequential([layers.Input((6,)), layers.Dense(3, dtype="float64"), layers.Dense(2, dtype="float64")])
    assert plain.dtype == "float64" and plain.predict(x, verbose=0).dtype == np.float64
    # layers naming two dtypes: each named (it said "Pass dtype='float64' to this model", which the other refused)
    with pytest.raises(ValueError, match=r"The layers name several dtypes: 'float32' \(Layer Dense\), 'float64' "
                                         r"\(Model 'base'\), but a glassnet model keeps all its weights in one dtype"):
        Sequential([layers.Dense(3, dtype="float32"), base])
    assert Sequential([layers.Dense(3)]).dtype == "float32"


def test_add_to_a_model_given_no_dtype_takes_the_nested_model_s(keras64, rng):
    # Sequential([float64_model]) took float64, but Sequential() then add(float64_model) was refused
    # ("computes in 'float64' but this model in 'float32'"), and add(Dense(3, dtype="float64")) likewise
    keras = keras64
    base = glassnet_base(rng)
    ours = Sequential()
    ours.add(base)
    ours.add(layers.Dense(2))
    assert ours.dtype == "float64"
    theirs = keras.Sequential()
    theirs.add(keras_base(keras, base.get_weights()))
    theirs.add(keras.layers.Dense(2, dtype="float64"))
    theirs.build((None, 6))
    theirs.set_weights(ours.get_weights())
    x = rng.normal(size=(5, 6))
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs.predict(x, verbose=0)), rtol=0,
                               atol=1e-12)
    plain = Sequential()
    plain.add(layers.Input((6,)))
    plain.add(layers.Dense(3, dtype="float64"))
    assert plain.dtype == "float64" and plain.predict(x, verbose=0).dtype == np.float64
    # a dtype given, or taken from a layer already in the model, stays: the refusal names the layer
    with pytest.raises(ValueError, match="Model 'base' computes in 'float64' but this model in 'float32'"):
        Sequential(dtype="float32").add(base)
    with pytest.raises(ValueError, match="has dtype 'float32' but the model computes in 'float64'"):
        plain.add(layers.Dense(2, dtype="float32"))


@pytest.mark.parametrize("refetch, inner_first", [(False, False), (True, False), (False, True)])
def test_custom_loop_on_the_outer_model_while_the_inner_one_predicts(rng, refetch, inner_first):
    # a GAN-style loop: the inner model computes between the outer model's steps, taking the shared
    # layers back. The outer model's trainable_variables held from before were left stale (the steps
    # applied to them were lost, silently); fetched again, they were new arrays the optimizer refused.
    # inner_first: the inner model predicted before they were fetched, and they were its arrays (lost too)
    x, labels = rng.normal(size=(16, 6)), rng.integers(0, 5, 16)
    loss = glassnet.losses.SparseCategoricalCrossentropy(from_logits=True)
    inner = glassnet_base(rng)
    outer = Sequential([inner, layers.Dense(5)], dtype="float64")
    alone = clone_model(outer)  # the same loop on a model sharing nothing: the reference
    alone.set_weights(outer.get_weights())
    initial = outer.get_weights()
    for model in (outer, alone):
        model.compile("sgd", loss)
        optimizer = glassnet.optimizers.SGD(0.25)
        if inner_first:
            inner.predict(x, verbose=0)
        variables = model.trainable_variables
        for _ in range(3):
            grads = model.gradients(x, labels, trainable_only=True)
            optimizer.apply_gradients(zip(grads, model.trainable_variables if refetch else variables))
            if model is outer:
                inner.predict(x, verbose=0)
    for got, want in zip(outer.get_weights(), alone.get_weights()):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert not np.allclose(outer.get_weights()[0], initial[0])  # the loop did step the inner model's layers
    np.testing.assert_allclose(outer.layers[-1](inner.predict(x, verbose=0)), outer.predict(x, verbose=0),
                               rtol=1e-12)


def test_freezing_the_outer_model_sets_the_nested_models_flag_as_keras(rng):
    # Keras's outer.trainable = False sets the nested model's flag too; glassnet's read True
    inner = glassnet_base(rng)
    middle = Sequential([inner, layers.Dense(3, name="mid")], name="middle")
    outer = Sequential([middle, layers.Dense(2, name="head")])
    outer.trainable = False
    assert (inner.trainable, middle.trainable) == (False, False)
    assert not any(layer.trainable for layer in outer.layers)
    outer.trainable = True
    assert (inner.trainable, middle.trainable) == (True, True)
    import copy
    import pickle

    assert pickle.loads(pickle.dumps(outer)).trainable and copy.deepcopy(outer).trainable


def test_get_layer_finds_a_nested_model_by_name_as_keras(rng):
    # Keras's transfer-learning code: model.get_layer("base").trainable = True; glassnet said "No such layer"
    base = glassnet_base(rng)
    outer = Sequential([base, layers.Dense(2, name="head")])
    assert outer.get_layer("base") is base and outer.get_layer("head") is outer.layers[-1]
    base.trainable = False
    outer.get_layer("base").trainable = True
    assert all(layer.trainable for layer in outer.layers)
    outer.pop()
    outer.pop()  # base's last layer left: it is no longer nested whole
    with pytest.raises(ValueError, match="No such layer: 'base'"):
        outer.get_layer("base")


def test_a_model_called_in_a_functional_model_is_nested_in_it_as_keras(keras64, rng):
    # Keras's transfer-learning guide: x = base_model(inputs, training=False), Model(inputs, outputs); then
    # model.get_layer("base") said "No such layer", model.trainable = False left base_model.trainable True,
    # and a base model declaring no input stayed unbuilt (Sequential([base, ...]) had all three)
    keras = keras64
    k_base = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(5)], name="base")
    k_inputs = keras.Input((6,))
    k_model = keras.Model(k_inputs, keras.layers.Dense(1)(k_base(k_inputs, training=False)))
    k_model.trainable = False
    assert k_model.get_layer("base") is k_base and (k_base.trainable, k_base.built) == (False, True)
    for base in (glassnet_base(rng), Sequential([layers.Dense(8), layers.Dense(5)], name="base")):
        inputs = layers.Input((6,))
        model = Model(inputs, layers.Dense(1)(base(inputs, training=False)))
        assert model.get_layer("base") is base and base.built
        model.trainable = False
        assert not base.trainable
        model.trainable = True
        assert base.trainable
    with pytest.raises(ValueError, match="Model 'empty' has no layers"):
        Sequential(name="empty")(layers.Input((6,)))


@pytest.mark.parametrize("swap", [False, True])
def test_the_moving_average_reaches_the_layers_when_a_callback_runs_the_encoder(rng, swap):
    # use_ema: fit ends by writing the average into the model's vectors (SwapEMAWeights swaps it in at each
    # epoch's end); a callback showing the codes (encoder.predict) had taken the shared layers to the encoder's
    # vectors, so the average was lost and the encoder kept its last weights (0.17 off)
    x = rng.normal(size=(64, 6))
    results = []
    for look in (False, True):
        encoder = Sequential([layers.Input((6,)), layers.Dense(4, "relu"), layers.Dense(2)], seed=1)
        decoder = Sequential([layers.Input((2,)), layers.Dense(4, "relu"), layers.Dense(6)], seed=2)
        autoencoder = Sequential([encoder, decoder])
        autoencoder.compile(glassnet.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9), "mse")
        callbacks = [glassnet.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: encoder.predict(x))] * look
        callbacks += [glassnet.callbacks.SwapEMAWeights(swap_on_epoch=True)] * swap
        autoencoder.fit(x, x, epochs=3, verbose=0, shuffle=False, callbacks=callbacks)
        results.append(autoencoder.get_weights())
    for got, want in zip(*results):  # predicting changes no weight
        np.testing.assert_array_equal(got, want)


def test_a_gan_loop_with_the_variables_fetched_once_equals_one_of_models_sharing_nothing(rng):
    # d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables before the loop, as
    # in Keras: the combined model (gan) took the shared layers between the steps, so the steps on the
    # generator's and the discriminator's own arrays were lost, silently, once the layers were taken back
    noise, real = rng.normal(size=(16, 3)), rng.normal(size=(16, 4))
    loss = glassnet.losses.BinaryCrossentropy(from_logits=True)

    def pair():
        generator = Sequential([layers.Input((3,)), layers.Dense(5, "tanh"), layers.Dense(4)], seed=1, dtype="float64")
        discriminator = Sequential([layers.Input((4,)), layers.Dense(5, "tanh"), layers.Dense(1)], seed=2,
                                   dtype="float64")
        discriminator.compile("sgd", loss)
        return generator, discriminator

    def step(generator, discriminator, gan_gradients, d_vars, g_vars):
        fake = generator.predict(noise, verbose=0)
        d_grads = discriminator.gradients(np.concatenate([real, fake]), np.r_[np.ones(16), np.zeros(16)],
                                          trainable_only=True)
        d_optimizer.apply_gradients(zip(d_grads, d_vars()))
        g_optimizer.apply_gradients(zip(gan_gradients()[:4], g_vars()))

    generator, discriminator = pair()
    gan = Sequential([generator, discriminator])
    gan.compile("sgd", loss)
    d_optimizer, g_optimizer = glassnet.optimizers.SGD(0.1), glassnet.optimizers.SGD(0.1)
    d_vars, g_vars = discriminator.trainable_variables, generator.trainable_variables
    for _ in range(3):
        step(generator, discriminator, lambda: gan.gradients(noise, np.ones(16), trainable_only=True),
             lambda: d_vars, lambda: g_vars)
    # the reference: two models sharing no layer, and the combined one made anew of their weights at each step
    alone_g, alone_d = pair()
    d_optimizer, g_optimizer = glassnet.optimizers.SGD(0.1), glassnet.optimizers.SGD(0.1)

    def combined_gradients():
        combined = Sequential([layers.Input((3,)), layers.Dense(5, "tanh"), layers.Dense(4), layers.Dense(5, "tanh"),
                               layers.Dense(1)], dtype="float64")
        combined.set_weights(alone_g.get_weights() + alone_d.get_weights())
        combined.compile("sgd", loss)
        return combined.gradients(noise, np.ones(16), trainable_only=True)

    for _ in range(3):
        step(alone_g, alone_d, combined_gradients, lambda: alone_d.trainable_variables,
             lambda: alone_g.trainable_variables)
    for got, want in zip(generator.get_weights() + discriminator.get_weights(),
                         alone_g.get_weights() + alone_d.get_weights()):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert not np.allclose(generator.get_weights()[0], pair()[0].get_weights()[0])  # the loop stepped it


def test_unnamed_models_are_numbered_per_session_as_keras(keras64):
    # every unnamed model was "sequential" (or "functional"): two nested in a third were both "sequential" in
    # get_layer and summary, and their variables' paths (what an OptimizerMap matches) were the same
    keras = keras64
    keras.backend.clear_session()
    glassnet.utils.clear_session()

    def functional(api):
        inputs = api.Input((3,))
        return (api.Model if api is keras else Model)(inputs, api.layers.Dense(2)(inputs))

    for api in (keras, glassnet):
        Seq = keras.Sequential if api is keras else Sequential
        names = [Seq().name, Seq(name="sequential_5").name, Seq().name]  # a given name takes no number
        names += [functional(api).name for _ in range(2)] if api is glassnet else [
            keras.Model(i, keras.layers.Dense(2)(i)).name for i in (keras.Input((3,)), keras.Input((3,)))]
        api.backend.clear_session() if api is keras else api.utils.clear_session()
        names.append(Seq().name)
        assert names == ["sequential", "sequential_5", "sequential_1", "functional", "functional_1", "sequential"]
    encoder = Sequential([layers.Input((4,)), layers.Dense(3)])
    decoder = Sequential([layers.Dense(4)])
    outer = Sequential([encoder, decoder])
    assert (encoder.name, decoder.name, outer.name) == ("sequential_1", "sequential_2", "sequential_3")
    assert outer.get_layer("sequential_2") is decoder


def test_two_loaded_or_cloned_models_nest_once_named_apart_as_keras(keras64, rng, tmp_path):
    # names read from a file counted as the user's: two loaded (or cloned) models whose layers kept the
    # default names dense, dense_1 could not be nested together ("Name 'dense' is already the name of a
    # layer"), whatever the models were named. Keras refuses the two models' one name 'sequential' too,
    # and nests them once one is renamed (its nested models keep their layers' names apart)
    keras = keras64
    keras.backend.clear_session()  # its model is "sequential", as ours
    ours = Sequential([layers.Input((3,)), layers.Dense(3, "tanh"), layers.Dense(3)], dtype="float64")
    ours.save(tmp_path / "m.gn")
    theirs = keras.Sequential([keras.Input((3,), dtype="float64"), keras.layers.Dense(3, "tanh", dtype="float64"),
                               keras.layers.Dense(3, dtype="float64")])
    theirs.set_weights(ours.get_weights())
    theirs.save(tmp_path / "m.keras")
    x = rng.random((4, 3))
    pairs = {"glassnet files": [load_model(tmp_path / "m.gn") for _ in range(2)],
             "keras files": [load_model(tmp_path / "m.keras") for _ in range(2)],
             "clones": [clone_model(ours) for _ in range(2)],
             "keras": [keras.models.load_model(tmp_path / "m.keras") for _ in range(2)]}
    for what, (a, b) in pairs.items():
        assert a.name == b.name == "sequential", what
        nest = keras.Sequential if what == "keras" else Sequential
        with pytest.raises(ValueError, match="unique names.*'sequential'"):
            nest([a, b])
        b.name = "decoder"
        both = nest([a, b])
        if what == "keras":
            theirs_out = both.predict(x, verbose=0)
            continue
        assert [layer.name for layer in both.layers] == ["dense", "dense_1", "dense_2", "dense_3"], what
        assert both.get_layer("decoder") is b and both.get_layer("sequential") is a
        if what != "clones":
            np.testing.assert_allclose(both.predict(x), b.predict(a.predict(x)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(Sequential(pairs["glassnet files"]).predict(x), theirs_out, rtol=0, atol=1e-12)
    # called one on the other in a functional model, as Keras's "The name 'sequential' is used 2 times"
    a, b = (clone_model(ours) for _ in range(2))
    with pytest.raises(ValueError, match="unique names.*Model 'sequential'"):
        Model(inputs := layers.Input((3,)), b(a(inputs)))
    # a name the user gave a layer stays refused (get_layer would not find the layer by it)
    a, b = (clone_model(Sequential([layers.Input((3,)), layers.Dense(3, name="hidden")])) for _ in range(2))
    b.name = "decoder"
    with pytest.raises(ValueError, match="unique names .* Name 'hidden'"):
        Sequential([a, b])


def test_a_default_name_skips_the_names_given_to_later_layers():
    # the decoder's dense was renamed dense_1, then the head's own dense_1 was refused as taken (Keras keeps a
    # nested model's names apart, so it nests all three); and a layer of the outer model took it too
    encoder = Sequential([layers.Input((3,)), layers.Dense(3)])
    decoder = Sequential([layers.Dense(3)])
    head = Sequential([layers.Dense(2, name="dense_1")])
    assert [layer.name for layer in Sequential([encoder, decoder, head]).layers] == ["dense", "dense_2", "dense_1"]
    head = Sequential([layers.Dense(2, name="dense_1")])
    assert [layer.name for layer in Sequential([layers.Input((3,)), layers.Dense(3), layers.Dense(3),
                                                head]).layers] == ["dense", "dense_2", "dense_1"]


def guide_models(keras, rng):
    """The transfer-learning guide's model in glassnet and in Keras, the same weights: a frozen base
    called with training=False in a functional model, then a head."""
    base = Sequential([layers.Input((6,)), layers.Dense(8, "relu"), layers.Dropout(0.5), layers.Dense(5, "tanh")],
                      name="base", dtype="float64")
    base.set_weights([rng.normal(0, 0.5, w.shape) for w in base.get_weights()])
    base.trainable = False
    inputs = layers.Input((6,))
    ours = Model(inputs, layers.Dense(1, name="head")(base(inputs, training=False)))
    k_base = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, "relu", name="d8"),
                               keras.layers.Dropout(0.5, name="drop"), keras.layers.Dense(5, "tanh", name="d5")],
                              name="base")
    k_base.trainable = False
    k_inputs = keras.Input((6,))
    theirs = keras.Model(k_inputs, keras.layers.Dense(1, name="head")(k_base(k_inputs, training=False)))
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def structure(model):
    """What a user sees of a model's nesting: its nested model's name, layers and flag, and the summary."""
    base = model.get_layer("base")
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()), show_trainable=True)
    return (base.name, base.trainable, [layer.name for layer in base.layers], lines)


def test_a_nested_model_is_kept_by_glassnet_files(keras64, rng, tmp_path):
    # loaded from model.save's file, the model had lost its nesting: get_layer("base") said "No such layer"
    ours, theirs = guide_models(keras64, rng)
    x = rng.normal(size=(10, 6))
    expected = np.asarray(theirs.predict(x, verbose=0))
    mid = Sequential([ours, layers.Dense(2, name="top")], name="mid", dtype="float64")  # nested in nested
    for model in (ours, mid):
        model.save(tmp_path / "m.gn")
        loaded = load_model(tmp_path / "m.gn")
        assert loaded.get_config() == model.get_config()
        assert structure(loaded.get_layer("functional") if model is mid else loaded) == structure(ours)
    loaded = load_model(tmp_path / "m.gn").get_layer("functional")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=0, atol=1e-12)
    base = loaded.get_layer("base")
    assert all(a is b for a, b in zip(base.layers, loaded.layers)) and len(base.layers) == 3
    assert not any(layer.trainable for layer in base.layers)
    base.trainable = True  # fine-tuning after loading, as in Keras
    assert all(layer.trainable for layer in loaded.layers)
    for again in (clone_model(loaded), Sequential([base, layers.Dense(1, name="other")])):
        assert again.get_layer("base").trainable and again.get_config()["nested"][0]["layers"] == [0, 3]
    # a file written before the nesting was kept loads as before; a malformed entry is named
    import json
    import zipfile

    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members["model.json"])
    for nested, fails in ((None, False), ([{"name": "base", "layers": [0, 9]}], True)):
        config["model"]["nested"] = nested
        if nested is None:
            del config["model"]["nested"]
        with zipfile.ZipFile(tmp_path / "old.gn", "w") as zf:
            for name, data in {**members, "model.json": json.dumps(config)}.items():
                zf.writestr(name, data)
        if fails:
            with pytest.raises(ValueError, match="'nested' entry .*'layers': \\[0, 9\\].* is malformed"):
                load_model(tmp_path / "old.gn")
        else:
            np.testing.assert_array_equal(load_model(tmp_path / "old.gn").predict(x, verbose=0), mid.predict(x, verbose=0))


def test_keras_files_of_nested_models_load_both_ways(keras64, rng, tmp_path):
    # Keras's file of the guide's model was refused ("Unknown layer 'Sequential'"), and glassnet wrote a
    # nested model as a flat Sequential, where Keras's get_layer("base") failed
    keras = keras64
    ours, theirs = guide_models(keras, rng)
    inner = keras.Sequential([keras.layers.Dense(3, name="in3")], name="inner")
    k_mid = keras.Sequential([keras.Input((6,)), inner, keras.layers.Dense(2, name="mid2")], name="mid")
    k_fb = keras.Model(k_inputs := keras.Input((2,)), keras.layers.Dense(4, name="f4")(k_inputs), name="fbase")
    k_outer = keras.Sequential([k_mid, k_fb, keras.layers.Dense(1, name="out")], name="outer")
    k_outer.set_weights([rng.normal(size=w.shape) for w in k_outer.get_weights()])
    x = rng.normal(size=(10, 6))
    cases = ((theirs, {"base": ["d8", "drop", "d5"]}), (k_outer, {"mid": ["in3", "mid2"], "fbase": ["f4"]}))
    for model, names in cases:
        model.save(tmp_path / "k.keras")
        loaded = load_model(tmp_path / "k.keras")
        np.testing.assert_allclose(loaded.predict(x, verbose=0), np.asarray(model.predict(x, verbose=0)), rtol=0,
                                   atol=1e-12)
        for name, layer_names in names.items():
            assert [layer.name for layer in loaded.get_layer(name).layers] == layer_names
            assert loaded.get_layer(name).trainable == (name != "base")
        loaded.export(tmp_path / "g.keras", format="keras")  # and back into Keras
        again = keras.saving.load_model(tmp_path / "g.keras")
        np.testing.assert_allclose(np.asarray(again.predict(x, verbose=0)), np.asarray(model.predict(x, verbose=0)),
                                   rtol=0, atol=1e-12)
        assert all(type(again.get_layer(name)) is type(model.get_layer(name)) for name in names)
    assert load_model(tmp_path / "k.keras").get_layer("mid").get_layer("inner").layers[0].name == "in3"
    ours.export(tmp_path / "ours.keras", format="keras")
    k_loaded = keras.saving.load_model(tmp_path / "ours.keras")
    assert [layer.trainable for layer in k_loaded.get_layer("base").layers] == [False] * 3
    np.testing.assert_allclose(np.asarray(k_loaded.predict(x, verbose=0)), ours.predict(x, verbose=0), rtol=0,
                               atol=1e-12)
    # Keras's save_weights of a nested model: its layers under the nested model's group
    k_outer.save_weights(tmp_path / "w.weights.h5")
    mine = load_model(tmp_path / "k.keras")
    mine.set_weights([np.zeros_like(w) for w in mine.get_weights()])
    mine.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(mine.predict(x, verbose=0), np.asarray(k_outer.predict(x, verbose=0)), atol=1e-12)


def test_a_nested_call_s_training_true_is_written_to_keras(keras64, rng, tmp_path):
    # refused before: "a call with training=True ... Save it with model.save instead"
    keras = keras64
    base = Sequential([layers.Input((3,)), layers.Dense(4), layers.Dropout(0.5)], name="mc", dtype="float64")
    inputs = layers.Input((3,))
    ours = Model(inputs, layers.Dense(2, name="head")(base(inputs, training=True)))
    ours.export(tmp_path / "m.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    x = rng.normal(size=(50, 3))
    assert not np.allclose(np.asarray(theirs(x)), np.asarray(theirs(x)))  # Keras runs it pinned, as glassnet
    np.testing.assert_allclose(np.asarray(theirs(x, training=False)), ours.predict(x, verbose=0), rtol=0, atol=1e-12)
    back = load_model(tmp_path / "m.keras")
    assert back.get_config()["pins"] == ours.get_config()["pins"] and back.get_layer("mc").layers == back.layers[:2]


@pytest.mark.parametrize("mode", [False, None])
def test_a_call_with_training_false_overrides_a_nested_pin_in_keras_files_both_ways(keras64, rng, tmp_path, mode):
    # inner's Dropout is called with training=True; mid calls inner with training=False, which in Keras overrides
    # it (model(x) runs no dropout), or with none, which keeps it. Keras's file records the False, which was read
    # as no pin (the loaded model(x) ran the dropout), and glassnet wrote none (Keras's loaded model(x) ran it)
    def build(M, L):
        i, j, k = L.Input((4,)), L.Input((4,)), L.Input((4,))
        dense = L.Dense(3, "tanh", name="d3", dtype="float64")
        inner = M(i, L.Dropout(0.5, name="drop")(dense(i), training=True), name="inner")
        mid = M(j, L.Dense(2, name="d2", dtype="float64")(inner(j, training=mode)), name="mid")
        return M(k, L.Dense(1, name="d1", dtype="float64")(mid(k)), name="top")

    ours, theirs = build(Model, layers), build(keras64.Model, keras64.layers)
    ours.set_weights([rng.normal(0, 0.5, w.shape) for w in ours.get_weights()])
    theirs.set_weights(ours.get_weights())
    x = rng.normal(size=(50, 4))
    expected = np.asarray(theirs.predict(x, verbose=0))
    ours.export(tmp_path / "ours.keras", format="keras")
    theirs.save(tmp_path / "theirs.keras")
    for model in (ours, load_model(tmp_path / "theirs.keras"), keras64.models.load_model(tmp_path / "ours.keras"),
                  theirs):
        np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)), expected, rtol=0, atol=1e-12)
        called = np.asarray(model(x))
        if mode is False:
            np.testing.assert_allclose(called, expected, rtol=0, atol=1e-12)
        else:  # the dropout runs
            assert np.abs(called - expected).max() > 1e-3


def test_summary_shows_a_nested_model_as_keras_does(keras64):
    # glassnet listed the nested model's layers among the outer's, where Keras shows one row with its count
    def build(lib, L):
        base = lib.Sequential([L.Input((6,)), L.Dense(8, name="d8"), L.Dropout(0.1, name="drop"),
                               L.Dense(5, name="d5")], name="base")
        inner = lib.Sequential([base, L.Dense(3, name="d3")], name="inner")
        return lib.Sequential([inner, L.Dense(1, name="d1")], name="outer")

    def rows(model, **kwargs):
        lines = []
        model.summary(print_fn=lambda text, *args, **_: lines.extend(text.splitlines()), **kwargs)  # (Keras: one text)
        cells = [[cell.strip() for cell in re.split("[│ ]{2,}", line.strip("│ "))] for line in lines]
        return [row for row in cells if len(row) >= 3 and "(" in row[0] and "Layer (type)" not in row[0]]

    ours, theirs = build(glassnet.models, layers), build(keras64, keras64.layers)
    assert rows(ours) == rows(theirs) == [["inner (Sequential)", "(None, 3)", "119"], ["d1 (Dense)", "(None, 1)", "4"]]
    assert rows(ours, expand_nested=True) == rows(theirs, expand_nested=True)
    assert [row[0] for row in rows(ours, expand_nested=True)][:3] == ["inner (Sequential)", "└ base (Sequential)",
                                                                      "└ d8 (Dense)"]


def test_model_losses_list_nested_activity_penalties_in_keras_s_order(keras64, rng):
    # Keras lists a nested model's layers last to first (its _flatten_layers); glassnet listed them in order
    def build(lib, models):
        L, R = lib.layers, lib.regularizers
        dense = [L.Dense(3, name=name, dtype="float64", activity_regularizer=R.L2(rate))
                 for name, rate in zip("abcdef", (0.1, 0.2, 0.3, 0.4, 0.5, 0.6))]
        inner = models.Sequential([L.Input((3,)), dense[0], dense[1]], name="inner")
        base = models.Sequential([L.Input((3,)), dense[2], inner, dense[3]], name="base")
        inputs = L.Input((3,))
        functional = models.Model(inputs, dense[4](base(dense[5](inputs))))
        return functional, models.Sequential([base, L.Dense(1, name="g", dtype="float64",
                                                              activity_regularizer=R.L1(0.7))], name="outer")

    x = rng.normal(size=(5, 3))
    for ours, theirs in zip(build(glassnet, glassnet.models), build(keras64, keras64), strict=True):
        theirs.set_weights(ours.get_weights())
        ours(x), theirs(x)
        np.testing.assert_allclose(ours.losses, [float(v) for v in theirs.losses], rtol=1e-12, atol=0)


def test_a_functional_model_of_an_encoder_and_a_decoder_keeps_their_default_names_apart():
    # Model(inputs, decoder(encoder(inputs))) took both models' layers as its own: the two default-named
    # "dense" layers were refused as "already the name of a layer", where Sequential([encoder, decoder]) works
    encoder = glassnet.Sequential([glassnet.layers.Flatten(), glassnet.layers.Dense(3, activation="relu")])
    decoder = glassnet.Sequential([glassnet.layers.Dense(6, activation="sigmoid"), glassnet.layers.Reshape((2, 3))])
    inputs = glassnet.Input((2, 3))
    model = glassnet.Model(inputs, decoder(encoder(inputs)))
    assert [layer.name for layer in model.layers] == ["flatten", "dense", "dense_1", "reshape"]
    assert model.get_layer(encoder.name) is encoder and model.get_layer(decoder.name) is decoder
    x = np.random.default_rng(0).random((4, 2, 3))
    np.testing.assert_allclose(model.predict(x, verbose=0), decoder.predict(encoder.predict(x, verbose=0), verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("damage", [{"functional": "yes"}, {"built_alone": 0}, {"buit_alone": False},
                                    {"colour": "red"}])
def test_a_nested_entry_s_unknown_key_or_flag_not_a_bool_is_refused(tmp_path, damage):
    # "functional": "yes" was taken as True and a misspelt key ignored: the model loaded with its
    # nested model's variable paths changed (OptimizerMap keys matched other variables), without a word
    import json
    import zipfile

    model = Sequential([layers.Input((3,)), Sequential([layers.Dense(2, name="d")], name="base")], name="outer")
    model.save(tmp_path / "m.gn")
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members["model.json"])
    config["model"]["nested"][0].update(damage)
    with zipfile.ZipFile(tmp_path / "bad.gn", "w") as zf:
        for name, data in {**members, "model.json": json.dumps(config)}.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match="'nested' entry .* is malformed.*no other keys"):
        load_model(tmp_path / "bad.gn")
    with pytest.raises(ValueError, match="'nested' entry .* is malformed"):
        Sequential.from_config({**model.get_config(), "nested": config["model"]["nested"]})


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_a_missing_nested_model_s_weights_group_is_named(tmp_path, suffix):
    # the file was taken for glassnet's old flat layout, and the error spoke of the shape of the next
    # layer's arrays: "layers/dense/vars/0 (layer 'd1' (Dense)'s W) has shape (3, 2); ... needs (4, 3)"
    h5py = pytest.importorskip("h5py")
    import io
    import zipfile

    base = Sequential([layers.Input((4,)), layers.Dense(3, name="d1")], name="base")
    model = Sequential([layers.Input((4,)), base, layers.Dense(2, name="d2")], name="outer")
    if suffix == ".weights.h5":
        model.save_weights(tmp_path / "w.weights.h5")
        with h5py.File(tmp_path / "w.weights.h5", "a") as h5:
            del h5["layers/sequential"]
        load = lambda: model.load_weights(tmp_path / "w.weights.h5")  # noqa: E731
    else:
        model.export(tmp_path / "m.keras", format="keras")
        with zipfile.ZipFile(tmp_path / "m.keras") as zf:
            members = {name: zf.read(name) for name in zf.namelist()}
        weights = io.BytesIO(members["model.weights.h5"])
        with h5py.File(weights, "a") as h5:
            del h5["layers/sequential"]
        with zipfile.ZipFile(tmp_path / "bad.keras", "w") as zf:
            for name, data in {**members, "model.weights.h5": weights.getvalue()}.items():
                zf.writestr(name, data)
        load = lambda: load_model(tmp_path / "bad.keras")  # noqa: E731
    with pytest.raises(ValueError, match="no group layers/sequential/layers/dense for the model's layer 'd1'"):
        load()
