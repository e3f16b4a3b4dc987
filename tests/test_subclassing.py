"""Subclasses of ``Model`` whose ``call`` chains layers (models/subclassing.py): Keras's and
TensorFlow's tutorials' models, traced into the Sequential of their layers, against Keras 3.15."""

import numpy as np
import pytest

import glassnet
from glassnet import layers


def quickstart_model(keras, hidden=16):
    """TensorFlow's "quickstart for experts" model, verbatim but for the hidden width."""
    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.flatten = keras.layers.Flatten()
            self.d1 = keras.layers.Dense(hidden, activation="relu")
            self.d2 = keras.layers.Dense(10)

        def call(self, x):
            x = self.flatten(x)
            x = self.d1(x)
            return self.d2(x)

    return MyModel()


def autoencoder_model(keras, latent_dim, shape):
    """TensorFlow's autoencoder tutorial's model, verbatim."""
    class Autoencoder(keras.Model):
        def __init__(self, latent_dim, shape):
            super().__init__()
            self.latent_dim = latent_dim
            self.shape = shape
            self.encoder = keras.Sequential([
                keras.layers.Flatten(),
                keras.layers.Dense(latent_dim, activation="relu"),
            ])
            self.decoder = keras.Sequential([
                keras.layers.Dense(int(np.prod(shape)), activation="sigmoid"),
                keras.layers.Reshape(shape),
            ])

        def call(self, x):
            encoded = self.encoder(x)
            decoded = self.decoder(encoded)
            return decoded

    return Autoencoder(latent_dim, shape)


def fit_both(keras, theirs, ours, x, y, loss, optimizer):
    """Train ``theirs`` (Keras) and ``ours`` (glassnet) from Keras's initial weights: both histories."""
    theirs(x[:1])  # Keras builds a subclass by calling it
    ours.build((None, *x.shape[1:]))
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    theirs.compile(optimizer=optimizer(keras), loss=loss(keras))
    ours.compile(optimizer=optimizer(glassnet), loss=loss(glassnet))
    options = dict(epochs=3, batch_size=8, shuffle=False, verbose=0)
    return theirs.fit(x, y, **options).history["loss"], ours.fit(x, y, **options).history["loss"]


def test_the_quickstart_for_experts_model_trains_as_keras_in_float64(keras64, rng):
    keras = keras64
    glassnet.config.set_floatx("float64")
    x, y = rng.random((24, 6, 6)), rng.integers(0, 10, size=24)
    theirs, ours = quickstart_model(keras), quickstart_model(glassnet)
    assert isinstance(ours, glassnet.Model) and type(ours).__name__ == "MyModel"
    losses = fit_both(keras, theirs, ours, x, y, lambda k: k.losses.SparseCategoricalCrossentropy(from_logits=True),
                      lambda k: k.optimizers.Adam(0.01))
    np.testing.assert_allclose(losses[1], losses[0], rtol=0, atol=1e-10)
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(mine, keras_weights, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=0, atol=1e-10)
    assert [layer.name for layer in ours.layers] == ["flatten", "dense", "dense_1"]
    assert ours.output_shape == (None, 10) and ours.count_params() == 36 * 16 + 16 + 16 * 10 + 10


def test_the_autoencoder_tutorial_s_model_trains_as_keras_in_float64(keras64, rng):
    keras = keras64
    glassnet.config.set_floatx("float64")
    x = rng.random((16, 5, 4))
    theirs, ours = autoencoder_model(keras, 3, (5, 4)), autoencoder_model(glassnet, 3, (5, 4))
    losses = fit_both(keras, theirs, ours, x, x, lambda k: k.losses.MeanSquaredError(),
                      lambda k: k.optimizers.Adam(0.05))
    np.testing.assert_allclose(losses[1], losses[0], rtol=0, atol=1e-10)
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(mine, keras_weights, rtol=0, atol=1e-10)
    # the tutorial encodes and decodes the test images with the trained halves
    encoded = ours.encoder(x).copy()
    np.testing.assert_allclose(encoded, np.asarray(theirs.encoder(x)), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.decoder(encoded), np.asarray(theirs.decoder(encoded)), rtol=0, atol=1e-10)
    # nested as Sequential([encoder, decoder]) nests them: their default-named layers kept apart
    assert [layer.name for layer in ours.layers] == ["flatten", "dense", "dense_1", "reshape"]
    assert ours.get_layer(ours.encoder.name) is ours.encoder and ours.output_shape == (None, 5, 4)


def test_name_layers_and_training_follow_keras():
    class Classifier(glassnet.Model):
        def __init__(self, name=None, **kwargs):
            super().__init__(name=name, **kwargs)
            self.hidden = layers.Dense(8, activation="relu")
            self.dropout = layers.Dropout(0.5, seed=1)
            self.out = layers.Dense(2)

        def call(self, x, training=None):
            return self.out(self.dropout(self.hidden(x), training=training))

    first, second = Classifier(), Classifier()
    assert (first.name, second.name, Classifier(name="mine").name) == ("classifier", "classifier_1", "mine")
    # before the first build: the attributes' layers, as Keras lists them; then the chain call traced
    assert first.layers == [first.hidden, first.dropout, first.out] and not first.built
    lines = []  # Keras 3.15 prints an unbuilt subclass's table (summary() was a ValueError)
    first.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert [line.split()[:4] for line in lines[4:7]] == [[name, "(Dense)" if i != 1 else "(Dropout)", "?", "0"]
                                                          for i, name in enumerate(["dense", "dropout", "dense_1"])]
    assert lines[8] == " Total params: 0 (0.00 B)" and not first.built
    x = np.random.default_rng(0).normal(size=(6, 4))
    inferred = first(x)
    assert first.built and first.layers == [first.hidden, first.dropout, first.out]
    np.testing.assert_array_equal(first(x), inferred)  # no training: dropout off
    assert not np.array_equal(first(x, training=True), inferred)  # training=training reached the Dropout
    W1, b1, W2, b2 = first.get_weights()
    np.testing.assert_allclose(inferred, np.maximum(x @ W1 + b1, 0) @ W2 + b2, rtol=0, atol=1e-5)
    # used in another chain, it is built there
    inputs = glassnet.Input((4,))
    model = glassnet.Model(inputs, layers.Dense(1)(second(inputs)))
    assert model.output_shape == (None, 1) and second.built and model.get_layer("classifier_1") is second


def test_fit_evaluate_trace_and_gradients_work_as_for_the_sequential(rng):
    glassnet.config.set_floatx("float64")
    model = quickstart_model(glassnet, hidden=5)
    x, y = rng.random((12, 3, 2)), rng.integers(0, 10, size=12)
    model.compile(optimizer="sgd", loss=glassnet.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(model.evaluate(x, y, verbose=0)).all()
    assert glassnet.gradcheck.check_gradients(model, x, y).passed(1e-6)
    assert "dense_1" in str(model.trace(x[:2], y[:2]))


def test_a_saved_subclass_loads_as_the_sequential_of_its_chain(tmp_path, rng):
    model = quickstart_model(glassnet, hidden=5)
    x = rng.random((4, 3, 2))
    expected = model.predict(x, verbose=0)
    with pytest.warns(UserWarning, match=r"MyModel is not registered: load_model gives a glassnet Sequential named "
                                         r"'my_model' .* unless MyModel is passed, load_model\(path, "
                                         r"custom_objects=\{'MyModel': MyModel\}\), or registered"):
        model.save(tmp_path / "model.gn")
    loaded = glassnet.models.load_model(tmp_path / "model.gn")
    assert type(loaded) is glassnet.Sequential and loaded.name == "my_model"
    assert [layer.name for layer in loaded.layers] == ["flatten", "dense", "dense_1"]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    again = quickstart_model(glassnet, hidden=5)  # a new subclass instance takes the file's weights
    again.load_weights(tmp_path / "model.gn")
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, rtol=1e-6)
    # its get_config is Keras's base config (no chain keys, none that __init__(self) does not take): cls(**config)
    assert model.get_config() == {} and type(type(model).from_config(model.get_config())) is type(model)
    # passed (as Keras's custom_objects), the file gives the class itself, traced anew, with the file's weights
    revived = glassnet.models.load_model(tmp_path / "model.gn", custom_objects={"MyModel": type(model)})
    assert type(revived) is type(model) and revived.name == "my_model" and revived.d1 is revived.layers[1]
    np.testing.assert_array_equal(revived.predict(x, verbose=0), loaded.predict(x, verbose=0))


def subclass(call, takes_training=False):
    """A subclass of Model with two Dense layers whose call is ``call(self, x)`` (``training`` too)."""
    class Custom(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(3)
            self.d2 = layers.Dense(3)

        def call(self, x):
            return call(self, x)

    class Training(Custom):
        def call(self, x, training=None):
            return call(self, x, training)

    return Training() if takes_training else Custom()


@pytest.mark.parametrize("call, error, match", [
    (lambda self, x: self.d2(self.d1(x) + x), TypeError, r"arithmetic on a layer's output .*Rescaling"),
    (lambda self, x: 2 * self.d1(x), TypeError, "arithmetic on a layer's output"),
    (lambda self, x: self.d1(self.d1(x)), ValueError, r"called twice in this model \(a shared layer\)"),
    (lambda self, x: (self.d1(x), self.d2(self.d1(x)))[1], ValueError, r"which Layer 'dense' \(Dense\) took already"),
    (lambda self, x: [self.d1(x), self.d2(x)], ValueError, r"Layer 'dense_1' \(Dense\) is called on .*a branch"),
    (lambda self, x: (lambda h: (self.d2(h), h)[1])(self.d1(x)), ValueError, "that layer's result is dropped"),
    (lambda self, x: self.d2(np.tanh(self.d1(x))), TypeError, "a ChainTensor holds no numbers"),
    (lambda self, x: x, ValueError, "it returns its input, so the model would have no layers"),
    (lambda self, x: None, TypeError, "it returns NoneType, not the output of the layers called on its input"),
])
def test_a_call_that_is_not_a_chain_is_refused_with_what_to_write(call, error, match):
    model = subclass(call)
    with pytest.raises(error, match=r"Custom.call, traced on inputs of shape \(None, 3\): .*" + match):
        model.predict(np.ones((2, 3)), verbose=0)
    assert not model.built


def test_two_outputs_a_branch_on_training_and_two_inputs_are_refused():
    with pytest.raises(ValueError, match="it returns 2 outputs in a tuple, but glassnet's models have one output"):
        subclass(lambda self, x: (self.d2(self.d1(x)),) * 2).build((None, 3))
    branching = subclass(lambda self, x, training: self.d1(x) if training else self.d2(x), takes_training=True)
    with pytest.raises(TypeError, match=r"call branches on training \(if training: ...\), which glassnet cannot "
                                        r"trace.*Pass training=training on to the layers"):
        branching.build((None, 3))
    with pytest.raises(TypeError, match=r"Pair.call takes 2 inputs \(x, y\), but glassnet's models have one input"):
        class Pair(glassnet.Model):
            def call(self, x, y, training=None):
                return x
    with pytest.raises(TypeError, match=r"Functional passes inputs and outputs to Model.__init__"):
        class Functional(glassnet.Model):
            def __init__(self):
                inputs = glassnet.Input((3,))
                super().__init__(inputs, layers.Dense(1)(inputs))

            def call(self, x):
                return x
        Functional()
    with pytest.raises(RuntimeError, match=r"Early.__init__ sets self.d1 before calling super\(\).__init__\(\)"):
        class Early(glassnet.Model):
            def __init__(self):
                self.d1 = layers.Dense(3)

            def call(self, x):
                return self.d1(x)
        Early()


def test_keras_fit_hooks_stay_refused_and_a_sequential_s_call_points_to_model():
    with pytest.raises(TypeError, match="Custom overrides train_step, which glassnet's fit"):
        class Custom(glassnet.Model):
            def call(self, x):
                return x

            def train_step(self, data):
                return {}
    with pytest.raises(TypeError, match=r"Stack overrides call of a Sequential, .*Subclass Model instead"):
        class Stack(glassnet.Sequential):
            def call(self, x):
                return x


def test_a_subclass_nested_in_a_sequential_is_traced_on_the_stack_s_output(rng):
    # Sequential([Input(...), MyModel(), Dense(1)]) said "has no layers to add" (its call not yet traced)
    model = glassnet.models.Sequential([layers.Input((3, 2)), quickstart_model(glassnet, hidden=4), layers.Dense(1)])
    assert [type(layer).__name__ for layer in model.layers] == ["Flatten", "Dense", "Dense", "Dense"]
    inner = model.get_layer("my_model")
    assert inner.layers == model.layers[:3]
    x = rng.random((5, 3, 2)).astype("float32")
    want = model.layers[3](inner.predict(x))  # the nested model's own output, then the head
    np.testing.assert_allclose(model.predict(x), want, rtol=1e-6)


def block_class(keras):
    class Block(keras.Model):
        def __init__(self, units):
            super().__init__()
            self.dense = keras.layers.Dense(units, activation="tanh")

        def call(self, x):
            return self.dense(x)

    return Block


def test_subclasses_nested_without_an_input_join_at_the_first_call_as_keras_s(keras64, rng):
    # Sequential([Block(4), Block(3)]) was refused (its blocks' layers unknown without an Input); Keras
    # 3.15 builds them at the first call
    keras = keras64
    glassnet.config.set_floatx("float64")
    x, y = rng.normal(size=(12, 5)), rng.normal(size=(12, 2))
    mine, theirs = block_class(glassnet), block_class(keras)
    ours = glassnet.models.Sequential([layers.Dense(6), mine(4), mine(3), layers.Dense(2)])
    keras_model = keras.Sequential([keras.layers.Dense(6), theirs(4), theirs(3), keras.layers.Dense(2)])
    assert not ours.built and [type(item).__name__ for item in glassnet.models.nesting.nested_items(ours)] == [
        "Dense", "Block", "Block", "Dense"]
    with pytest.raises(ValueError, match=r"holds Model 'block(_\d+)?' \(Block\).*build the model first"):
        ours.get_config()  # (which would lack the blocks)
    keras_model.predict(x[:1], verbose=0)
    ours.build((None, 5))
    assert [layer.name for layer in ours.layers] == ["dense", "dense_1", "dense_2", "dense_3"]
    ours.set_weights(keras_model.get_weights())
    np.testing.assert_allclose(ours.predict(x, verbose=0), keras_model.predict(x, verbose=0), rtol=0, atol=1e-12)
    keras_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=glassnet.optimizers.SGD(0.1), loss="mse")
    options = dict(epochs=3, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours.fit(x, y, **options).history["loss"],
                               keras_model.fit(x, y, **options).history["loss"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.predict(x, verbose=0), keras_model.predict(x, verbose=0), rtol=0, atol=1e-12)


def seeded_block_class():
    class Seeded(glassnet.Model):
        def __init__(self, units, seed=None):
            super().__init__(seed=seed)
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

    return Seeded


@pytest.mark.parametrize("given_input", [False, True])
def test_a_seeded_model_seeds_the_subclasses_and_models_it_builds(given_input):
    # SPEC A7: Sequential([Block(), Block()], seed=1) drew the blocks' weights from the global generator
    # (built outside the model's seeded scope), so two models of one seed differed
    Block = seeded_block_class()

    def weights(seed, own=None):
        first = [layers.Input((4,))] if given_input else []
        model = glassnet.models.Sequential([*first, Block(3, seed=own), glassnet.models.Sequential([Block(3)]),
                                            layers.Dense(2)], seed=seed)
        model.build((None, 4))
        return model.get_weights()

    same, again, other = weights(1), weights(1), weights(2)
    assert len(same) == 6
    for a, b in zip(same, again):
        np.testing.assert_array_equal(a, b)
    assert not any(np.array_equal(a, c) for a, c in zip(same[::2], other[::2]))  # (the kernels; biases are 0)
    # a nested model with a seed of its own (super().__init__(seed=...)) keeps its own draws
    alone = Block(3, seed=5)
    alone.build((None, 4))
    for seed in (1, 2, None):
        np.testing.assert_array_equal(weights(seed, own=5)[0], alone.get_weights()[0])


@pytest.mark.parametrize("given_input", [False, True])
def test_a_subclass_frozen_before_its_first_build_nests_frozen_as_keras_s(keras64, rng, given_input):
    # block.trainable = False on an unbuilt subclass, then Sequential([Input(...), block, Dense(2)]), was refused
    # with "Set model.trainable = False ... before nesting it": the setter froze no layer before the trace
    glassnet.config.set_floatx("float64")
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
    counts = []
    for lib in (glassnet, keras64):
        class Pair(lib.Model):
            def __init__(self):
                super().__init__()
                self.first = lib.layers.Dense(3)
                self.second = lib.layers.Dense(3)

            def call(self, x):
                return self.second(self.first(x))

        block = Pair()
        block.trainable = False
        model = lib.Sequential([*([lib.Input((4,))] if given_input else []), block, lib.layers.Dense(2)])
        model.build((None, 4))
        before = [np.array(w) for w in block.get_weights()]
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, epochs=2, verbose=0)
        for old, new in zip(before, block.get_weights()):
            np.testing.assert_array_equal(old, new)
        frozen = (len(model.trainable_weights), len(model.non_trainable_weights), [l.trainable for l in block.layers])
        block.trainable = True
        counts.append((*frozen, len(model.trainable_weights)))
    assert counts[0] == counts[1] == (2, 4, [False, False], 6)


def test_a_subclass_made_frozen_is_refused_in_a_model_where_keras_trains_it(keras64, rng):
    # super().__init__(trainable=False) sets the model's flag before its layers exist: alone it trains nothing,
    # but nested, Keras 3.15 trains its layers (their flags stay True). glassnet refuses it, saying how to freeze
    # them; self.trainable = False after the layers freezes them in both libraries.
    glassnet.config.set_floatx("float64")
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))

    def block_class(lib, at_construction):
        class Block(lib.Model):
            def __init__(self):
                super().__init__(trainable=not at_construction)
                self.dense = lib.layers.Dense(3)
                if not at_construction:
                    self.trainable = False

            def call(self, x):
                return self.dense(x)

        return Block

    theirs = block_class(keras64, True)()
    model = keras64.Sequential([keras64.Input((4,)), theirs, keras64.layers.Dense(2)])
    before = theirs.get_weights()[0].copy()
    model.compile(optimizer=keras64.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert len(model.trainable_weights) == 4 and not np.array_equal(before, theirs.get_weights()[0])
    with pytest.raises(ValueError, match=r"made with trainable=False.* would train, as in Keras\. Set "
                       r"model\.trainable = False .*\(in a subclass: self\.trainable = False after its layers"):
        glassnet.Sequential([layers.Input((4,)), block_class(glassnet, True)(), layers.Dense(2)])
    counts = []
    for lib in (glassnet, keras64):
        model = lib.Sequential([lib.Input((4,)), block_class(lib, False)(), lib.layers.Dense(2)])
        counts.append((len(model.trainable_weights), len(model.non_trainable_weights)))
    assert counts[0] == counts[1] == (2, 2)


def test_a_subclass_waiting_for_the_input_shape_can_be_popped_and_a_failed_trace_leaves_it_waiting(rng):
    class Wrong(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x) + 1

    Block = block_class(glassnet)
    model = glassnet.models.Sequential([Block(3)])
    model.add(layers.Dense(2))
    model.add(Wrong())
    assert isinstance(model.pop(), Wrong) and isinstance(model.pop(), layers.Dense)
    model.add(Wrong())
    with pytest.raises(TypeError, match=r"Wrong.call, traced on inputs of shape \(None, 3\)"):
        model.predict(np.ones((2, 4)), verbose=0)
    assert not model.built and not model._layers
    # the block traced before Wrong stays built for (4,), as Keras's layers built in a failed first call
    assert model._waiting()[0].built
    with pytest.raises(ValueError, match=r"Model 'block' takes inputs of shape \(None, 4\), but the model's input "
                                         r"has shape \(None, 5\)"):
        model.predict(np.ones((2, 5)), verbose=0)
    model.pop()
    assert model.predict(np.ones((2, 4)), verbose=0).shape == (2, 3)


def test_an_input_after_a_subclass_waiting_for_the_input_shape_is_refused():
    # it was taken as the model's input, though a model (a layer to Keras) came before it
    model = glassnet.models.Sequential([block_class(glassnet)(3)])
    with pytest.raises(ValueError, match="Input must come first"):
        model.add(layers.Input(shape=(5,)))
    assert model._input_shape is None and model.predict(np.ones((2, 4)), verbose=0).shape == (2, 3)


def test_a_layer_subclass_whose_call_applies_layers_says_to_subclass_model():
    # the subclassing guide's MLPBlock(keras.layers.Layer) of three Dense layers said only "defines no forward"


    class MLPBlock(glassnet.layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear_1 = glassnet.layers.Dense(32)
            self.linear_2 = glassnet.layers.Dense(1)

        def call(self, inputs):
            return self.linear_2(self.linear_1(inputs))

    with pytest.raises(NotImplementedError, match=r"applies the layers linear_1, linear_2: subclass keras.Model"):
        MLPBlock()(np.ones((3, 4)))


def test_keras_input_shape_and_a_layer_s_symbolic_output_are_keras_s():
    # the functional guide prints Input(shape=(784,)).shape, then reads layer.output for feature extraction,
    # which was Python's bare "'Dense' object has no attribute 'output'"


    inputs = glassnet.Input(shape=(784,))
    assert inputs.shape == (None, 784)  # as Keras's
    dense = glassnet.layers.Dense(4)
    glassnet.Model(inputs, dense(inputs))
    assert dense.input is inputs and dense.output.shape == (None, 4)  # as Keras's (tests/test_symbolic_outputs.py)


def test_a_list_of_layers_gets_keras_s_names_and_trains(rng):
    # the subclassing guide's blocks: self.blocks = [Dense(...) for _ in range(3)] named all three 'dense', and
    # the trace refused them ('dense' taken), leaving the model built from the first layer alone
    class Blocks(glassnet.Model):
        def __init__(self, units, n):
            super().__init__()
            self.blocks = [layers.Dense(units, activation="relu") for _ in range(n)]
            self.unused = layers.Dense(99)
            self.head = layers.Dense(1)

        def call(self, inputs, training=None, mask=None):
            x = inputs
            for block in self.blocks:
                x = block(x, training=training)
            return self.head(x)

    model = Blocks(8, 3)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2", "dense_3", "dense_4"]
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.random((16, 4)), rng.random((16, 1))
    model.fit(x, y, epochs=1, verbose=0)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2", "dense_4"]  # as Keras names them
    assert model.count_params() == (4 * 8 + 8) + 2 * (8 * 8 + 8) + (8 + 1)


def test_a_trace_refused_while_adding_its_layers_leaves_the_model_unbuilt(rng):
    class Twice(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.a, self.b = layers.Dense(4, name="same"), layers.Dense(1, name="same")

        def call(self, x):
            return self.b(self.a(x))

    model = Twice()
    for _ in range(2):  # (the second call met a model of the first layer alone, which took any input)
        with pytest.raises(ValueError, match="unique names"):
            model(rng.random((2, 3)))
    assert not model.built and model._layers == []


def test_a_subclass_s_own_get_config_leaves_saving_and_cloning_to_the_chain(tmp_path, rng):
    # Keras's subclasses return their __init__ arguments from get_config: save, clone_model and to_json said
    # KeyError 'layers' or "config must have a 'layers' list"
    class Sized(glassnet.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.d = layers.Dense(units)

        def call(self, x):
            return self.d(x)

        def get_config(self):
            return {"units": self.units}

    model = Sized(units=3)
    x = rng.random((4, 2))
    expected = model.predict(x, verbose=0)
    with pytest.warns(UserWarning, match="loads as|saved as"):
        model.save(tmp_path / "m.gn")
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "m.gn").predict(x, verbose=0), expected)
    clone = glassnet.models.clone_model(model)
    assert clone.output_shape == (None, 3) and glassnet.models.model_from_json(model.to_json()).output_shape == (None, 3)
    again = Sized.from_config(model.get_config())  # Keras's default from_config: cls(**config)
    assert type(again) is Sized and again.units == 3


def test_a_traced_call_reading_numbers_of_a_tensor_is_told_what_a_chain_tensor_has():
    # x.numpy() in call was Python's bare "'ChainTensor' object has no attribute 'numpy'"; x.dtype, x.ndim
    # are Keras's KerasTensor's
    seen = {}

    class Peek(glassnet.Model):
        def __init__(self, last):
            super().__init__()
            self.d, self.last = layers.Dense(3), last

        def call(self, x):
            seen.update(dtype=x.dtype, ndim=x.ndim, shape=x.shape)
            return self.last(self.d(x))

    model = Peek(lambda y: y)
    model.build((None, 4))
    assert seen == {"dtype": "float32", "ndim": 2, "shape": (None, 4)}
    with pytest.raises(AttributeError, match=r"Peek.call, traced on inputs of shape \(None, 4\): a ChainTensor .* "
                                             r"has no 'numpy': it holds no numbers"):
        Peek(lambda y: y.numpy()).build((None, 4))


def sized_class(keras):
    """A subclass with Keras's get_config, a nested model and a list of layers (Keras's weight paths
    blocks/dense, blocks/dense_1, encoder/layers/dense, and layers/dense_2 for out: after "layers")."""
    class Sized(keras.Model):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.encoder = keras.Sequential([keras.layers.Dense(3, activation="tanh")])
            self.blocks = [keras.layers.Dense(units, activation="relu"), keras.layers.Dense(units)]
            self.out = keras.layers.Dense(2)

        def call(self, x):
            return self.out(self.blocks[1](self.blocks[0](self.encoder(x))))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Sized


def test_clone_model_of_a_subclass_is_a_new_instance_of_its_class_as_keras_s():
    # clone_model gave a plain Sequential; Keras 3.15 gives Sized(**get_config()), built, fresh weights
    Sized = sized_class(glassnet)
    model = Sized(units=5, name="sized")
    model.build((None, 4))
    clone = glassnet.models.clone_model(model)
    assert type(clone) is Sized and (clone.name, clone.units, clone.built) == ("sized", 5, True)
    assert clone.layers[-1] is clone.out and not set(map(id, clone.layers)) & set(map(id, model.layers))
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])  # fresh, never copied
    assert type(glassnet.models.clone_model(Sized())) is Sized  # unbuilt: traced at its first build

    class Needs(glassnet.Model):  # __init__ requires what get_config does not return: Keras cannot remake it
        def __init__(self, units):
            super().__init__()
            self.d = layers.Dense(units)

        def call(self, x):
            return self.d(x)

    needs = Needs(3)
    needs.build((None, 2))
    with pytest.warns(UserWarning, match=r"clone_model gives the Sequential .* Needs's call chains: its __init__ "
                                         r"requires arguments that its get_config\(\) does not return"):
        plain = glassnet.models.clone_model(needs)
    assert type(plain) is glassnet.Sequential and plain.output_shape == (None, 3)


def register_wider_sized():
    """Register, under :func:`sized_class`'s name, a class of one unit more: another version of it."""
    class Wider(sized_class(glassnet)):
        def __init__(self, units=4, **kwargs):
            super().__init__(units=units + 1, **kwargs)

    glassnet.saving.register_keras_serializable("tests", name="Sized")(Wider)


def test_a_registered_subclass_loads_as_its_class_with_weights_and_optimizer(tmp_path, rng, clean_registry):
    # load_model gave a plain Sequential, without the class's attributes (units) and methods
    Sized = glassnet.saving.register_keras_serializable("tests")(sized_class(glassnet))
    model = Sized(units=5, name="sized")
    x, y = rng.random((8, 4)), rng.random((8, 2))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # registered: nothing to warn of
        model.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn")
    assert type(loaded) is Sized and (loaded.name, loaded.units) == ("sized", 5) and loaded.out is loaded.layers[-1]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.optimizer.iterations == model.optimizer.iterations == 2
    np.testing.assert_array_equal(loaded.fit(x, y, epochs=1, verbose=0).history["loss"],
                                  model.fit(x, y, epochs=1, verbose=0).history["loss"])

    # the same name standing for another architecture: said, not loaded with misplaced weights
    register_wider_sized()
    with pytest.raises(ValueError, match=r"Cannot load model file .*: the class Wider .* has weights of shapes .* "
                                         r"saved by another version of the class"):
        glassnet.models.load_model(tmp_path / "m.gn")


def test_a_forged_size_in_a_subclass_s_config_is_refused_before_building(tmp_path, clean_registry):

    Sized = glassnet.saving.register_keras_serializable("tests")(sized_class(glassnet))
    model = Sized(units=5)
    model.build((None, 4))
    forged = forged_subclass_file(model, tmp_path, units=10**9)  # 4 GB of weights, from a file of a few kB
    with pytest.raises(ValueError, match=r"its Sized config sets units=1,000,000,000, more than the 77 values"):
        glassnet.models.load_model(forged)


def forged_subclass_file(model, tmp_path, **settings):
    """A copy of ``model``'s .gn file whose subclass config has ``settings`` changed (a forged file)."""
    return forged_file(model, tmp_path, lambda config: config["subclass"]["config"].update(settings))


def forged_file(model, tmp_path, change):
    """A copy of ``model``'s .gn file whose model configuration ``change(config)`` changed (a forged file)."""
    import json
    import zipfile

    model.save(tmp_path / "m.gn")
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members["model.json"])
    change(config["model"])
    members["model.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "forged.gn", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return tmp_path / "forged.gn"


@pytest.fixture
def registered_sized(keras64, clean_registry, monkeypatch):
    """Keras and glassnet's Sized, each registered as 'tests>Sized', in float64: (keras, theirs, ours)."""
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    glassnet.config.set_floatx("float64")
    theirs = keras64.saving.register_keras_serializable("tests")(sized_class(keras64))
    ours = glassnet.saving.register_keras_serializable("tests")(sized_class(glassnet))
    yield keras64, theirs, ours
    keras64.saving.get_custom_objects().pop("tests>Sized", None)


def test_a_subclass_s_keras_file_loads_in_both_as_its_class(registered_sized, tmp_path, rng):
    # a Keras file of a registered subclass was "it holds a Keras 'Sized' model ... no subclassed models", and
    # glassnet's file of one was a Sequential in Keras
    keras, theirs_class, ours_class = registered_sized
    x = rng.random((6, 4))
    theirs = theirs_class(units=5, name="sized")
    expected = np.asarray(theirs(x))
    theirs.save(tmp_path / "keras.keras")
    del glassnet.saving.get_custom_objects()["tests>Sized"]  # not known: said how to make it known
    with pytest.raises(ValueError, match=r"a subclass of Model, whose class glassnet does not know: .* register it "
                                         r"under 'tests>Sized' or pass it"):
        glassnet.models.load_model(tmp_path / "keras.keras")
    glassnet.saving.register_keras_serializable("tests")(ours_class)
    ours = glassnet.models.load_model(tmp_path / "keras.keras")
    assert type(ours) is ours_class and (ours.name, ours.units) == ("sized", 5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=0, atol=1e-12)

    ours.compile(optimizer=glassnet.optimizers.SGD(0.5), loss="mse")
    ours.fit(x, rng.random((6, 2)), epochs=2, verbose=0)
    ours.export(tmp_path / "ours.keras", format="keras")
    back = keras.saving.load_model(tmp_path / "ours.keras")
    assert type(back) is theirs_class and back.units == 5
    np.testing.assert_allclose(np.asarray(back.predict(x, verbose=0)), ours.predict(x, verbose=0), rtol=0, atol=1e-12)
    assert not np.allclose(ours.predict(x, verbose=0), expected)  # (trained: the weights did travel)


def nested_models_classes(keras):
    """A subclass holding a nested Sequential and a nested subclass, each with a default-named Dense, in
    both attribute orders, and one holding it in turn (deeper nesting)."""
    class Inner(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(4)

        def call(self, x):
            return self.d(x)

    class Outer(keras.Model):
        def __init__(self, first="enc", **kwargs):
            super().__init__(**kwargs)
            made = {"enc": lambda: keras.Sequential([keras.layers.Dense(4)]), "inner": Inner,
                    "d1": lambda: keras.layers.Dense(2)}
            for name in (["enc", "inner", "d1"] if first == "enc" else ["d1", "inner", "enc"]):
                setattr(self, name, made[name]())

        def call(self, x):
            return self.d1(self.inner(self.enc(x)))

    class Deeper(keras.Model):
        def __init__(self):
            super().__init__()
            self.d0 = keras.layers.Dense(4)
            self.outer = Outer()
            self.out = keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.outer(self.d0(x)))

    return Inner, Outer, Deeper


def dense_names(model):
    """The names of the Dense layers of :func:`nested_models_classes`'s models, by attribute."""
    if hasattr(model, "outer"):
        return [model.d0.name, *dense_names(model.outer), model.out.name]
    return [model.enc.layers[0].name, model.inner.d.name, model.d1.name]


def test_nested_models_default_names_do_not_clash_as_in_keras(keras64, tmp_path, rng):
    # Outer (self.enc = Sequential([Dense(4)]), self.inner = Inner() with its own Dense, self.d1 = Dense(2))
    # failed at its first build: "Name 'dense_1' is already the name of a layer", where Keras builds it
    keras = keras64
    glassnet.config.set_floatx("float64")
    x = rng.random((3, 5))
    for make in (lambda m: m.Outer(), lambda m: m.Outer(first="d1"), lambda m: m.Deeper()):
        keras.utils.clear_session()
        glassnet.utils.clear_session(free_memory=False)
        theirs = make(type("m", (), dict(zip(("Inner", "Outer", "Deeper"), nested_models_classes(keras)))))
        ours = make(type("m", (), dict(zip(("Inner", "Outer", "Deeper"), nested_models_classes(glassnet)))))
        theirs(x)
        ours(x)
        # as Keras names them: in the order they were made, a nested model's too
        assert dense_names(ours) == dense_names(theirs)
        assert ours.count_params() == theirs.count_params()
    # a loaded Sequential and a cloned subclass nested together, each with its own 'dense'
    Inner, Outer, _ = nested_models_classes(glassnet)
    glassnet.Sequential([layers.Input((5,)), layers.Dense(4)]).save(tmp_path / "enc.gn")
    inner = Inner()
    inner.build((None, 4))
    outer = Outer()
    outer.enc, outer.inner = glassnet.models.load_model(tmp_path / "enc.gn"), glassnet.models.clone_model(inner)
    outer(x)
    names = [layer.name for layer in outer.layers]
    assert len(set(names)) == 3 and outer.count_params() == (5 * 4 + 4) + (4 * 4 + 4) + (4 * 2 + 2)
    # a nested model the attributes do not track (in a dict): renamed in the trace clear of the names after it
    class Held(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.enc = glassnet.Sequential([layers.Dense(4)])
            self.parts = {"inner": Inner()}
            self.d1 = layers.Dense(2)

        def call(self, x):
            return self.d1(self.parts["inner"](self.enc(x)))

    held = Held()
    held(x)
    assert [layer.name for layer in held.layers] == ["dense", "dense_2", "dense_1"]


def test_two_instances_naming_their_layers_alike_are_refused_saying_why_and_what_to_do(keras64):
    # Keras names layers per nested model and nests two Blocks whose __init__ names a Dense "ia" (paths
    # sequential/left/ia/kernel, sequential/right/ia/kernel); glassnet's model is one chain of layers, where a
    # name is one layer, and its refusal said "Name 'ia' is already the name of a layer in this model: give the
    # layer another name=..." of a layer the user named once, in one class
    def block(lib):
        class Block(lib.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.ia = lib.layers.Dense(3, name="ia")

            def call(self, x):
                return self.ia(x)
        return Block

    Theirs = block(keras64)
    theirs = keras64.Sequential([keras64.Input((4,)), Theirs(name="left"), Theirs(name="right")], name="outer")
    assert [v.path for v in theirs.trainable_variables][::2] == ["outer/left/ia/kernel", "outer/right/ia/kernel"]
    Block = block(glassnet)
    with pytest.raises(ValueError, match=r"Name 'ia' is given to a layer of Model 'right' \(Block\) nested here and to a "
                                         r"layer of Model 'left' \(Block\) nested before it: .*unique across them .*"
                                         r"default names \(Dense\(...\) rather than Dense\(..., name='ia'\)\)"):
        glassnet.Sequential([layers.Input((4,)), Block(name="left"), Block(name="right")])
    outer = glassnet.Sequential([layers.Input((4,)), layers.Dense(4, name="ia")])
    with pytest.raises(ValueError, match="Model 'right' \\(Block\\) nested here and to a layer of this model:"):
        outer.add(Block(name="right"))
    assert [layer.name for layer in outer.layers] == ["ia"]  # (nothing joined)


def normalized_and_dropped(lib, rate):
    """A subclass of ``lib``'s Model whose ``call(self, x)`` takes no ``training``: Dense, BatchNormalization,
    Dropout(rate), Dense."""
    class Net(lib.Model):
        def __init__(self):
            super().__init__(dtype="float64")
            self.d, self.bn = lib.layers.Dense(3), lib.layers.BatchNormalization()
            self.drop, self.out = lib.layers.Dropout(rate), lib.layers.Dense(1)

        def call(self, x):
            return self.out(self.drop(self.bn(self.d(x))))
    return Net()


def test_fit_trains_the_layers_of_a_call_without_training(rng):
    # glassnet's fit runs BatchNormalization and Dropout in training mode whether call takes training or not
    # (Keras 3.15 calls such a call without training=True: its layers infer, next test). One full batch, SGD(0):
    # the moving statistics take the batch's, μ ← 0.99·0 + 0.01·mean(Z), σ² ← 0.99·1 + 0.01·var(Z), and a Dropout
    # that keeps each value with probability 1e-9 zeroes the output layer's input, so the loss is mean(y²)
    X, y = rng.normal(size=(32, 4)) * 3 + 5, rng.normal(size=(32, 1))
    model = normalized_and_dropped(glassnet, 1 - 1e-9)
    model.build((None, 4))
    Z = X @ model.d.kernel + model.d.bias
    model.compile(glassnet.optimizers.SGD(0.0), "mse")
    history = model.fit(X, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.bn.moving_mean, 0.01 * Z.mean(axis=0), rtol=0, atol=1e-15)
    np.testing.assert_allclose(model.bn.moving_variance, 0.99 + 0.01 * Z.var(axis=0), rtol=1e-15)
    np.testing.assert_allclose(history.history["loss"], [np.mean(y**2)], rtol=1e-15)
    assert abs(model.evaluate(X, y, verbose=0) - np.mean(y**2)) > 1  # (inference: the moving statistics, no dropout)


def test_keras_fit_runs_the_layers_of_a_call_without_training_in_inference_mode(keras64, rng):
    # the difference docs/api.md states: Keras 3.15's moving statistics never move, and a step's loss is evaluate's
    X, y = rng.normal(size=(32, 4)) * 3 + 5, rng.normal(size=(32, 1))
    theirs = normalized_and_dropped(keras64, 0.5)
    theirs.compile(keras64.optimizers.SGD(0.0), "mse")
    theirs.fit(X, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    np.testing.assert_array_equal(np.asarray(theirs.bn.moving_mean), np.zeros(3))
    np.testing.assert_array_equal(np.asarray(theirs.bn.moving_variance), np.ones(3))
    assert float(theirs.train_on_batch(X, y)) == pytest.approx(theirs.evaluate(X, y, verbose=0), rel=1e-12)


def test_a_nested_subclass_shows_its_class_and_its_weights_file_is_keras_s(keras64, tmp_path, rng, monkeypatch):
    # summary() said "inner (Sequential)"; save_weights wrote its weights at layers/sequential/d, where Keras's
    # load_weights looks in layers/inner/d, and export(format="keras") wrote a Sequential config with its
    # weights at the subclass's paths: Keras's load_model said "Layer 'dense' expected 2 variables"
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = keras64
    glassnet.config.set_floatx("float64")
    lines = []
    model = glassnet.Sequential([layers.Input((3,)), nested_models_classes(glassnet)[0](), layers.Dense(2)])
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert "inner (Inner)" in "\n".join(lines)
    x = rng.random((4, 3))
    model.save_weights(tmp_path / "w.weights.h5")
    theirs = keras.Sequential([keras.Input((3,)), nested_models_classes(keras)[0](), keras.layers.Dense(2)])
    theirs.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(np.asarray(theirs(x)), model.predict(x, verbose=0), rtol=0, atol=1e-12)
    with pytest.warns(UserWarning, match=r"Inner \(nested as 'inner'\) is not registered: Keras's load_model gives"):
        model.export(tmp_path / "m.keras", format="keras")  # a Sequential in Keras (the class is not in the file)
    back = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(back(x)), model.predict(x, verbose=0), rtol=0, atol=1e-12)

    class Needs(glassnet.Model):  # not made again from its config: exported as the Sequential of its chain
        def __init__(self, units):
            super().__init__()
            self.d, self.out = layers.Dense(units), layers.Dense(2)

        def call(self, x):
            return self.out(self.d(x))

    needs = Needs(5)
    needs.build((None, 3))
    needs.export(tmp_path / "n.keras", format="keras")
    back = keras.saving.load_model(tmp_path / "n.keras")
    np.testing.assert_allclose(np.asarray(back(x)), needs.predict(x, verbose=0), rtol=0, atol=1e-12)


def test_layers_in_private_attributes_are_tracked_with_keras_s_weight_paths(keras64, tmp_path, rng, clean_registry,
                                                                            monkeypatch):
    # self._d = Dense(4) was not tracked: named only in the trace, it took the 'dense' that self.out already had
    # and the first build failed; Keras tracks it and writes its weights under layers/ (its walk skips "_d")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = keras64
    glassnet.config.set_floatx("float64")

    def private_class(lib):
        class Private(lib.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.out = lib.layers.Dense(2)
                self._d = lib.layers.Dense(4)

            def call(self, x):
                return self.out(self._d(x))

        return lib.saving.register_keras_serializable("tests")(Private)

    theirs_class, ours_class = private_class(keras), private_class(glassnet)
    try:
        x = rng.random((5, 3))
        ours = ours_class()
        assert [layer.name for layer in ours.layers] == ["dense", "dense_1"]  # as Keras's, before the build too
        ours(x)
        assert [layer.name for layer in ours.layers] == ["dense_1", "dense"]  # in the chain's order
        ours.export(tmp_path / "ours.keras", format="keras")
        back = keras.saving.load_model(tmp_path / "ours.keras")
        np.testing.assert_allclose(np.asarray(back(x)), ours.predict(x, verbose=0), rtol=0, atol=1e-12)
        theirs = theirs_class()
        theirs(x)
        theirs.save(tmp_path / "theirs.keras")
        mine = glassnet.models.load_model(tmp_path / "theirs.keras")
        assert type(mine) is ours_class
        np.testing.assert_allclose(mine.predict(x, verbose=0), np.asarray(theirs(x)), rtol=0, atol=1e-12)
    finally:
        keras.saving.get_custom_objects().pop("tests>Private", None)


def test_a_keras_file_of_an_unregistered_subclass_warns_what_keras_s_load_model_needs(keras64, tmp_path, rng,
                                                                                     monkeypatch):
    # export(format="keras") of an unregistered subclass said nothing, and Keras's load_model of the file then
    # failed ("Could not locate class"), where glassnet's own save warns
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = keras64
    glassnet.config.set_floatx("float64")
    ours = sized_class(glassnet)(units=3)
    x = rng.random((4, 4))
    ours(x)
    with pytest.warns(UserWarning, match=r"Sized is not registered: keras.saving.load_model of the file needs the "
                                         r"Keras class, load_model\(path, custom_objects=\{'Sized': Sized\}\)"):
        ours.export(tmp_path / "ours.keras", format="keras")
    with pytest.raises(TypeError, match="Could not locate class 'Sized'"):
        keras.saving.load_model(tmp_path / "ours.keras")
    back = keras.saving.load_model(tmp_path / "ours.keras", custom_objects={"Sized": sized_class(keras)})
    np.testing.assert_allclose(np.asarray(back(x)), ours.predict(x, verbose=0), rtol=0, atol=1e-12)


def nested_sized(lib, functional=False):
    """:func:`sized_class`'s model nested between an Input and a Dense: in a Sequential, or in a functional Model."""
    sized = lib.saving.get_registered_object("tests>Sized")(units=5, name="sized")
    if functional:
        inputs = lib.Input((4,))
        return lib.Model(inputs, lib.layers.Dense(1)(sized(inputs)))
    return lib.Sequential([lib.Input((4,)), sized, lib.layers.Dense(1)])


@pytest.mark.parametrize("functional", [False, True])
def test_a_registered_nested_subclass_loads_as_its_class_from_a_gn_file(tmp_path, rng, clean_registry, functional):
    # the nested entry did not record the class: get_layer("sized") came back a Sequential without units
    Sized = glassnet.saving.register_keras_serializable("tests")(sized_class(glassnet))
    model = nested_sized(glassnet, functional)
    x, y = rng.random((8, 4)), rng.random((8, 1))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn")
    inner = loaded.get_layer("sized")
    assert type(inner) is Sized and inner.units == 5
    # the class's own layers are the model's: its attributes, methods and the loaded weights agree
    assert inner.out is loaded.layers[-2] and inner.encoder.layers[0] is loaded.layers[0]
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(inner.predict(x, verbose=0), model.get_layer("sized").predict(x, verbose=0))
    np.testing.assert_array_equal(loaded.fit(x, y, epochs=1, verbose=0).history["loss"],
                                  model.fit(x, y, epochs=1, verbose=0).history["loss"])
    np.testing.assert_array_equal(inner.predict(x, verbose=0), model.get_layer("sized").predict(x, verbose=0))

    # another version of the class under that name: said, not loaded with misplaced weights
    register_wider_sized()
    with pytest.raises(ValueError, match=r"the class Wider .* where the file's nested model 'sized' has .* saved by "
                                         r"another version of the class"):
        glassnet.models.load_model(tmp_path / "m.gn")


@pytest.mark.parametrize("nested", [False, True], ids=["alone", "nested"])
def test_a_layer_frozen_in_a_registered_subclass_stays_frozen_through_a_gn_file(tmp_path, rng, clean_registry, nested):
    # the class's __init__ made the layers afresh and the file's trainable=False was dropped: a resumed
    # transfer-learning run trained the frozen layer again, silently (its weights moved at the first fit)
    Sized = glassnet.saving.register_keras_serializable("tests")(sized_class(glassnet))
    model = nested_sized(glassnet, False) if nested else Sized(units=5, name="sized")
    model.build((None, 4))
    sized = model.get_layer("sized") if nested else model
    sized.blocks[0].trainable = False
    x, y = rng.random((8, 4)), rng.random((8, 1 if nested else 2))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn")
    inner = loaded.get_layer("sized") if nested else loaded
    assert [layer.trainable for layer in inner.layers] == [layer.trainable for layer in sized.layers]
    frozen = [np.array(w) for w in inner.blocks[0].get_weights()]
    np.testing.assert_array_equal(loaded.fit(x, y, epochs=1, verbose=0).history["loss"],
                                  model.fit(x, y, epochs=1, verbose=0).history["loss"])
    for before, after in zip(frozen, inner.blocks[0].get_weights(), strict=True):
        np.testing.assert_array_equal(after, before)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_an_unregistered_nested_subclass_warns_and_loads_as_a_sequential_unless_passed(tmp_path, rng):
    Sized = sized_class(glassnet)
    model = glassnet.Sequential([layers.Input((4,)), Sized(units=3, name="sized"), layers.Dense(1)])
    with pytest.warns(UserWarning, match=r"Sized \(nested as 'sized'\) is not registered: load_model gives a nested "
                                         r"Sequential, unless Sized is passed"):
        model.save(tmp_path / "m.gn")
    assert type(glassnet.models.load_model(tmp_path / "m.gn").get_layer("sized")) is glassnet.Sequential
    passed = glassnet.models.load_model(tmp_path / "m.gn", custom_objects={"Sized": Sized})
    assert type(passed.get_layer("sized")) is Sized
    x = rng.random((3, 4))
    np.testing.assert_array_equal(passed.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_nested_registered_subclass_s_keras_file_loads_in_both_as_its_class(registered_sized, tmp_path, rng):
    # Keras's file of Sequential([Input, Sized(), Dense]) was refused ("'tests>Sized' ... is not a glassnet
    # layer"); glassnet wrote the nested subclass as a Sequential, which Keras loaded without the class
    keras, theirs_class, ours_class = registered_sized
    x = rng.random((6, 4))
    for functional in (False, True):
        keras.utils.clear_session()
        theirs = nested_sized(keras, functional)
        expected = np.asarray(theirs(x))
        theirs.save(tmp_path / "keras.keras")
        ours = glassnet.models.load_model(tmp_path / "keras.keras")
        assert type(ours.get_layer("sized")) is ours_class and ours.get_layer("sized").units == 5
        np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=0, atol=1e-12)

        ours.compile(optimizer=glassnet.optimizers.SGD(0.5), loss="mse")
        ours.fit(x, rng.random((6, 1)), epochs=2, verbose=0)
        ours.export(tmp_path / "ours.keras", format="keras")
        back = keras.saving.load_model(tmp_path / "ours.keras")
        assert type(back.get_layer("sized")) is theirs_class and back.get_layer("sized").units == 5
        np.testing.assert_allclose(np.asarray(back.predict(x, verbose=0)), ours.predict(x, verbose=0),
                                   rtol=0, atol=1e-12)
        assert not np.allclose(ours.predict(x, verbose=0), expected)  # (trained: the weights did travel)
        # Keras's weights file of it: Keras's paths (its second layer went to layers/sized_1/...)
        ours.save_weights(tmp_path / "w.weights.h5")
        theirs.load_weights(tmp_path / "w.weights.h5")
        np.testing.assert_allclose(np.asarray(theirs(x)), ours.predict(x, verbose=0), rtol=0, atol=1e-12)


def test_clone_model_of_a_sequential_holding_a_subclass_makes_the_class_again_as_keras_s(keras64, rng):
    # Keras's clone_model clones each layer, a nested subclass by its from_config: glassnet gave a nested Sequential
    keras = keras64
    glassnet.config.set_floatx("float64")
    theirs = keras.Sequential([keras.Input((4,)), sized_class(keras)(units=3, name="sized"), keras.layers.Dense(1)])
    Sized = sized_class(glassnet)  # (not registered: clone_model has the class at hand)
    ours = glassnet.Sequential([layers.Input((4,)), Sized(units=3, name="sized"), layers.Dense(1)])
    twin, clone = keras.models.clone_model(theirs), glassnet.models.clone_model(ours)
    assert type(twin.get_layer("sized")).__name__ == type(clone.get_layer("sized")).__name__ == "Sized"
    assert clone.get_layer("sized").units == 3 and clone.get_layer("sized").out is clone.layers[-2]
    assert not any(a is b for a, b in zip(clone.layers, ours.layers))  # new layers, as Keras's
    assert clone.count_params() == ours.count_params() == twin.count_params()


def test_clone_model_of_a_model_holding_a_subclass_makes_it_as_keras_s_or_raises_as_keras():
    # a nested subclass whose get_config held a function, or whose __init__ requires what its get_config does not
    # return, came back silently as a nested Sequential; Keras 3.15 makes the first again as its class, and
    # raises NotImplementedError ("must override get_config()") for the second
    def doubled(x):
        return 2 * x

    class Holds(glassnet.Model):  # get_config with a value no file could keep: the clone stays in memory
        def __init__(self, fn=None, **kwargs):
            super().__init__(**kwargs)
            self.fn = fn
            self.d = layers.Dense(3)

        def call(self, x):
            return self.d(x)

        def get_config(self):
            return {**super().get_config(), "fn": self.fn}

    class Needs(glassnet.Model):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(units)

        def call(self, x):
            return self.d(x)

    def holding(sub, functional):
        if not functional:
            return glassnet.Sequential([layers.Input((4,)), sub, layers.Dense(1, name="top")], name="outer")
        inputs = layers.Input((4,), name="x")
        return glassnet.Model(inputs, layers.Dense(1, name="top")(sub(inputs)), name="outer")

    for functional in (False, True):
        model = holding(Holds(fn=doubled, name="sub"), functional)
        clone = glassnet.models.clone_model(model)  # Keras 3.15: Holds, fn doubled, new layers, 19 weights
        assert type(clone.get_layer("sub")) is Holds and clone.get_layer("sub").fn is doubled
        assert clone.get_layer("sub").d is not model.get_layer("sub").d and clone.count_params() == 19
        needs = Needs(3, name="sub")
        model = holding(needs, functional)
        with pytest.raises(NotImplementedError, match=r"cannot make the model 'sub' nested in 'outer' again: "
                                                      r"Needs.__init__ requires units, which its get_config\(\) "
                                                      r"does not return"):
            glassnet.models.clone_model(model)
        # a clone_function is given the nested model (Keras 3.15's too): returned, it is shared
        assert glassnet.models.clone_model(model, clone_function=lambda layer: layer).get_layer("sub") is needs


def test_hasattr_and_getattr_with_a_default_before_super_init_are_python_s(keras64):
    # a lookup before super().__init__() (a mixin's hasattr(self, "_cache")) met the RuntimeError meant for an
    # __init__ without super().__init__(), which said the call was missing; Keras's model gives False and the default
    seen = {}

    def define(lib):
        class Cached(lib.Model):
            def __init__(self):
                seen[lib.__name__] = hasattr(self, "cache"), getattr(self, "cache", "default")
                super().__init__()
                self.d = lib.layers.Dense(2)

            def call(self, x):
                return self.d(x)
        return Cached

    define(keras64)(), define(glassnet)()
    assert seen["glassnet"] == seen["keras"] == (False, "default")


@pytest.mark.parametrize("damage", [
    lambda entry: entry.update(subclass=5), lambda entry: entry.update(subclass="tests>Sized"),
    lambda entry: entry["subclass"].pop("config"),
    lambda entry: entry["subclass"]["config"].update(dtype={"config": 5})])
def test_a_damaged_subclass_entry_of_a_nested_model_is_refused_naming_it(tmp_path, clean_registry, damage):
    # a nested model's 'subclass' entry that is not an object with a config loaded as a plain Sequential
    # without a word (the top-level entry's is refused); a DTypePolicy config without its own config raised
    # 'model.json is malformed (AttributeError ...)'
    glassnet.saving.register_keras_serializable("tests")(sized_class(glassnet))
    forged = forged_file(nested_sized(glassnet), tmp_path, lambda config: damage(config["nested"][0]))
    with pytest.raises(ValueError, match=r"its nested model 'sized''s 'subclass' entry must be an object with a "
                                         r"'config' object|its Sized config's 'dtype' must be a dtype name"):
        glassnet.models.load_model(forged)


def test_a_forged_size_nested_in_a_subclass_s_config_is_refused_before_building(tmp_path, clean_registry):
    # the guard read only the config's top-level integers: a list of sizes (Keras's guides' MLP(sizes=[...]))
    # with a forged 10**9 got past it and the build allocated it

    @glassnet.saving.register_keras_serializable("tests")
    class Widths(glassnet.Model):
        def __init__(self, widths=(4, 3), **kwargs):
            super().__init__(**kwargs)
            self.widths = list(widths)
            self.hidden = [glassnet.layers.Dense(w, activation="relu") for w in self.widths]

        def call(self, x):
            for layer in self.hidden:
                x = layer(x)
            return x

        def get_config(self):
            return {**super().get_config(), "widths": self.widths}

    model = Widths()
    model.build((None, 2))
    forged = forged_subclass_file(model, tmp_path, widths=[4, 10**9])
    with pytest.raises(ValueError, match=r"its Widths config sets widths\[1\]=1,000,000,000, more than the \d+ values"):
        glassnet.models.load_model(forged)


def lazy_class(keras):
    """Keras's guide's model whose build(input_shape) makes its layers, without super().build(input_shape)."""
    class Lazy(keras.Model):
        def build(self, input_shape):
            self.d1 = keras.layers.Dense(4, activation="relu")
            self.d2 = keras.layers.Dense(1)

        def call(self, x):
            return self.d2(self.d1(x))

    return Lazy


def test_a_subclass_whose_build_skips_super_build_is_traced_as_keras_builds_it(keras64, rng, tmp_path):
    # it was never traced: model(x) and predict returned x itself (an identity, no weights), fit an IndexError;
    # Keras marks the model built once its build returns
    glassnet.config.set_floatx("float64")
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    theirs, ours = lazy_class(keras64)(), lazy_class(glassnet)()
    assert np.asarray(theirs(x)).shape == ours(x).shape == (6, 1) and ours.built and len(ours.weights) == 4
    assert [layer.name for layer in ours.layers] == ["dense", "dense_1"]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-12)
    ours.compile(optimizer="sgd", loss="mse")
    assert len(ours.fit(x, y, epochs=2, verbose=0).history["loss"]) == 2
    assert lazy_class(glassnet)().predict(x, verbose=0).shape == (6, 1)  # (built by predict)
    with pytest.warns(UserWarning, match="Lazy is not registered"):
        ours.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn", custom_objects={"Lazy": type(ours)})
    assert type(loaded) is type(ours)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), ours.predict(x, verbose=0))
    assert type(glassnet.models.clone_model(ours)) is type(ours)

    class Flagged(lazy_class(glassnet)):  # Keras 2's build ended with self.built = True
        def build(self, input_shape):
            super().build(input_shape)
            self.built = True

    flagged = Flagged()
    flagged.build((None, 3))
    assert flagged.output_shape == (None, 1) and len(flagged.weights) == 4


def mlp_class(keras):
    """Keras's "Serialization and saving" guide's subclass: get_config over super()'s, from_config cls(**config)."""
    class MLP(keras.Model):
        def __init__(self, units=8, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.d1 = keras.layers.Dense(units, activation="relu")
            self.d2 = keras.layers.Dense(1)

        def call(self, x):
            return self.d2(self.d1(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    return MLP


def test_super_get_config_of_a_subclass_is_keras_s_base_config(keras64, rng, tmp_path):
    # it held the traced chain's layers and input_shape: cls(**config) raised TypeError (unexpected keyword arguments)
    x = rng.normal(size=(3, 5))
    theirs, MLP = mlp_class(keras64)(4), mlp_class(glassnet)
    model = MLP(4, name="mlp")
    assert sorted(model.get_config()) == sorted(theirs.get_config()) == ["dtype", "name", "trainable", "units"]
    assert MLP.from_config(model.get_config()).units == 4  # unbuilt
    model.build((None, 5))
    again = MLP.from_config(model.get_config())
    assert type(again) is MLP and (again.name, again.units, again(x).shape) == ("mlp", 4, (3, 1))
    assert model.get_config() == {"name": "mlp", "trainable": True, "dtype": "float32", "units": 4}
    assert type(glassnet.models.clone_model(model)) is MLP
    assert glassnet.models.model_from_json(model.to_json()).output_shape == (None, 1)  # (the chain)
    expected = model.predict(x, verbose=0)
    with pytest.warns(UserWarning, match="MLP is not registered"):
        model.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn", custom_objects={"MLP": MLP})
    assert type(loaded) is MLP and loaded.units == 4
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    # a file written before (its chain's layers and input_shape, its subclass entry without "trainable") loads alike
    old = forged_file(model, tmp_path, lambda config: config["subclass"]["config"].pop("trainable"))
    loaded = glassnet.models.load_model(old, custom_objects={"MLP": MLP})
    assert type(loaded) is MLP and loaded.name == "mlp"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
