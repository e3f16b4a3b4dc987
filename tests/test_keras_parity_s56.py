"""Keras 3.15 calls that glassnet refused or answered otherwise (session 56's signature hunt): each
binds and computes as in Keras now, or is refused by name where glassnet cannot honour it. The Keras
figures were computed with Keras 3.15.1 on JAX (float64 where said)."""

import inspect

import numpy as np
import pytest

import glassnet
from glassnet import layers, models, optimizers

X = np.arange(6.0).reshape(2, 3)


def _ones_model():
    # Dense(2) then Dense(1), kernels of ones and zero biases: rows [0, 1, 2] and [3, 4, 5] give 2·3 = 6 and 2·12 = 24
    return models.Sequential([layers.Input((3,)), layers.Dense(2, kernel_initializer="ones"),
                              layers.Dense(1, kernel_initializer="ones")])


# -- F1: Keras's LoRA arguments, refused alike -------------------------------------------------------------------

@pytest.mark.parametrize("key", ["lora_rank", "lora_alpha", "quantization_config"])
def test_embedding_refuses_keras_lora_arguments_with_a_value_error_as_dense_does(key):
    # Embedding(lora_rank=2) raised NotImplementedError, Dense's and every other Keras-default-only argument ValueError
    for make in (lambda **kw: layers.Embedding(3, 2, **kw), lambda **kw: layers.Dense(2, **kw)):
        with pytest.raises(ValueError, match=rf"has no {key} \(received {key}=2\); only {key}=None, Keras's default"):
            make(**{key: 2})
    # None, Keras's default, by keyword; Embedding's lora_rank and lora_alpha also in Keras's places, after weights
    assert layers.Dense(2, lora_rank=None, lora_alpha=None, quantization_config=None).units == 2
    assert layers.Embedding(3, 2, "uniform", None, None, False, None, None, None).output_dim == 2


# -- F2: keras.utils's aliases of keras.saving ---------------------------------------------------------------------

ALIASES = ("CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "register_keras_serializable")


def test_utils_holds_keras_saving_registry_as_the_same_objects():
    # @keras.utils.register_keras_serializable() (tf.keras 2's place) was "module 'glassnet.utils' has no attribute"
    for name in ALIASES:
        assert getattr(glassnet.utils, name) is getattr(glassnet.saving, name), name
    assert set(ALIASES) <= set(glassnet.utils.__all__)

    @glassnet.utils.register_keras_serializable(package="s56")
    class Doubler(layers.Layer):
        takes_vectors = True

        def forward(self, X, training=False):
            return 2 * X

        def backward(self, dY):
            return 2 * dY

    assert glassnet.utils.get_registered_name(Doubler) == "s56>Doubler"
    assert glassnet.saving.get_registered_object("s56>Doubler") is Doubler


@pytest.mark.parametrize("name, said", [
    ("split_dataset", r"glassnet\.preprocessing\.split\(X, y, test=right_size, shuffle=False\)"),
    ("serialize_keras_object", r"glassnet\.layers\.serialize\(obj\)"),
    ("deserialize_keras_object", r"glassnet\.losses\.get\(config\)"),
])
def test_utils_names_what_to_use_for_keras_utils_functions_it_lacks(name, said):
    with pytest.raises(AttributeError, match=rf"no attribute '{name}': .*{said}"):
        getattr(glassnet.utils, name)
    assert not hasattr(glassnet.utils, name)


def test_the_split_dataset_hint_gives_keras_parts():
    # keras.utils.split_dataset(ds, right_size=0.2) of 10 rows (shuffle=False, its default): rows 0-7, then 8-9,
    # as the hint's call gives them
    X_all, y_all = np.arange(20.0).reshape(10, 2), np.arange(10)
    (X_left, y_left), _, (X_right, y_right) = glassnet.preprocessing.split(X_all, y_all, test=0.2, shuffle=False)
    assert y_left.tolist() == list(range(8)) and y_right.tolist() == [8, 9]
    np.testing.assert_array_equal(X_right, X_all[8:])


# -- F3: optimizer.apply with Keras's keywords ---------------------------------------------------------------------

def _two_adam_steps(apply):
    w, b = np.array([1.0, -2.0]), np.array([0.5])
    optimizer = optimizers.Adam(0.1)
    for grads in ([np.array([0.5, -1.0]), np.array([2.0])], [np.array([0.1, 0.3]), np.array([-1.0])]):
        apply(optimizer, grads, [w, b])
    return w, b


def test_optimizer_apply_takes_keras_keywords_with_the_positional_forms_numbers():
    # opt.apply(grads=..., trainable_variables=...) was "unexpected keyword argument 'grads'"
    w, b = _two_adam_steps(lambda opt, g, v: opt.apply(grads=g, trainable_variables=v))
    w2, b2 = _two_adam_steps(lambda opt, g, v: opt.apply(g, v))
    np.testing.assert_array_equal(w, w2)
    np.testing.assert_array_equal(b, b2)
    # keras.optimizers.Adam(0.1), the same two apply(grads=..., trainable_variables=...) calls, float64 variables
    np.testing.assert_allclose(w, [0.8196970301831004, -1.857215584599362], rtol=1e-8)
    np.testing.assert_allclose(b, [0.373366489941374], rtol=1e-8)
    # SGD(0.1): w - 0.1 g, by hand
    v = [np.ones(2)]
    optimizers.SGD(0.1).apply(grads=[np.array([1.0, 2.0])], trainable_variables=v)
    np.testing.assert_allclose(v[0], [0.9, 0.8], rtol=1e-15)


def test_optimizer_apply_refuses_the_gradients_twice_or_none():
    v = [np.ones(2)]
    with pytest.raises(TypeError, match="apply\\(\\) got the gradients twice"):
        optimizers.SGD(0.1).apply([np.ones(2)], grads=[np.ones(2)], trainable_variables=v)
    with pytest.raises(TypeError, match="apply\\(\\) missing its gradients"):
        optimizers.SGD(0.1).apply(trainable_variables=v)
    with pytest.raises(TypeError, match="grads must be a list of arrays"):
        optimizers.SGD(0.1).apply(grads=np.ones(2), trainable_variables=v)
    np.testing.assert_array_equal(v[0], [1.0, 1.0])


# -- F4: Keras's model and layer methods ---------------------------------------------------------------------------

def test_model_call_is_the_forward_pass():
    # model.call(x, training=False) was "'Sequential' object has no attribute 'call'"; Keras gives [[6], [24]]
    model = _ones_model()
    np.testing.assert_array_equal(model.call(X, training=False), [[6.0], [24.0]])
    np.testing.assert_array_equal(model.call(X), model(X))
    dropout = models.Sequential([layers.Input((3,)), layers.Dropout(0.5, seed=1)])
    assert np.array_equal(dropout.call(X, training=False), X)
    assert not np.array_equal(dropout.call(np.ones((50, 3)), training=True), np.ones((50, 3)))


def test_a_subclass_of_model_without_call_is_still_refused():
    # (Sequential has call now: a subclass of Model that defines none must not take it as its own)
    with pytest.raises(TypeError, match="subclasses Model but defines no call"):
        class NoCall(models.Model):
            pass


def test_layers_and_models_take_inputs_by_keras_keyword():
    # layer(inputs=x) and model(inputs=x) were "unexpected keyword argument 'inputs'"
    np.testing.assert_array_equal(layers.Dense(2, kernel_initializer="ones")(inputs=X), [[3.0, 3.0], [12.0, 12.0]])
    np.testing.assert_array_equal(_ones_model()(inputs=X), [[6.0], [24.0]])
    np.testing.assert_array_equal(layers.Rescaling(2.0)(inputs=X), 2 * X)
    np.testing.assert_array_equal(layers.CategoryEncoding(3, output_mode="one_hot")(inputs=np.array([0, 2])),
                                  [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    # every layer class, those with a __call__ of their own too (Keras's call(inputs, ...))
    for name in layers.__all__:
        cls = getattr(layers, name)
        if inspect.isclass(cls) and issubclass(cls, layers.Layer):
            assert list(inspect.signature(cls.__call__).parameters)[1] == "inputs", name
    x = layers.Input((3,))
    functional = models.Model(x, layers.Dense(1, kernel_initializer="ones")(inputs=x))
    np.testing.assert_array_equal(functional(inputs=X), [[3.0], [12.0]])


def test_model_takes_mask_none_only():
    # model(x, mask=None) was "unexpected keyword argument 'mask'"; a mask is refused by name, as a layer's
    model = _ones_model()
    np.testing.assert_array_equal(model(X, mask=None), [[6.0], [24.0]])
    with pytest.raises(ValueError, match="glassnet has no masks .*takes mask=None only"):
        model(X, mask=np.ones((2, 3), bool))


def test_embedding_builds_without_an_input_shape_as_keras():
    # Embedding(3, 2).build() was "missing 1 required positional argument: 'input_shape'"
    table = np.arange(8.0).reshape(4, 2)
    embedding = layers.Embedding(4, 2)
    embedding.build()
    assert embedding.built and [w.shape for w in embedding.weights] == [(4, 2)]
    embedding.set_weights([table])
    np.testing.assert_array_equal(embedding(np.array([[1, 3], [0, 2]])), table[[[1, 3], [0, 2]]])
    assert embedding.input_shape == (2,) and embedding.output_shape == (2, 2)
    # built alone, then the first layer of a model: the model's input shape, the table kept
    embedding = layers.Embedding(4, 2)
    embedding.build()
    embedding.set_weights([table])
    model = models.Sequential([embedding, layers.Flatten(), layers.Dense(1, kernel_initializer="ones")])
    np.testing.assert_array_equal(model.predict(np.array([[1.0, 2.0, 3.0]])), [[table[[1, 2, 3]].sum()]])
    assert embedding.input_shape == (3,)
    declared = layers.Embedding(4, 2, input_shape=(5,))
    declared.build()
    assert declared.input_shape == (5,)


def test_model_compute_output_shape_as_layers_have_it():
    # model.compute_output_shape was an AttributeError; Keras 3.15 gives these
    model = _ones_model()
    assert model.compute_output_shape((None, 3)) == (None, 1)
    assert model.compute_output_shape([5, 3]) == (5, 1)
    unbuilt = models.Sequential([layers.Flatten(), layers.Dense(4)])
    assert unbuilt.compute_output_shape((7, 2, 3)) == (7, 4) and not unbuilt.built  # (Keras leaves it unbuilt too)
    with pytest.raises(ValueError, match=r"takes inputs of shape \(None, 3\)\. Received: input_shape=\(None, 4\)"):
        model.compute_output_shape((None, 4))
    with pytest.raises(ValueError, match="has no layers yet"):
        models.Sequential().compute_output_shape((None, 3))
    with pytest.raises(TypeError, match="compute_output_shape takes a tuple of sizes"):
        model.compute_output_shape("3")


def test_layers_take_autocast_true_and_refuse_false_by_name():
    # Dense(2, autocast=True) was "unexpected keyword argument 'autocast'"
    for layer in (layers.Dense(2, autocast=True), layers.Dropout(0.5, autocast=True), layers.Embedding(3, 2, autocast=True),
                  layers.Activation("relu", autocast=True)):
        assert layer.autocast is True
    np.testing.assert_array_equal(layers.Dense(1, kernel_initializer="ones", autocast=True)(X), [[3.0], [12.0]])
    # Keras's autocast=False computes an Activation of a float64 input in float64; glassnet casts it to the layer's dtype
    with pytest.raises(ValueError, match="Dense takes autocast=True only: .*casts every input"):
        layers.Dense(2, autocast=False)
    with pytest.raises(TypeError, match="autocast must be True or False. Received: autocast='no'"):
        layers.Dense(2, autocast="no")


def test_run_eagerly_reads_back_what_compile_was_given():
    model = _ones_model()
    assert model.run_eagerly is False  # Keras's default, before compile too
    model.compile(loss="mse", run_eagerly=True)
    assert model.run_eagerly is True
    model.compile(loss="mse")
    assert model.run_eagerly is False


# -- F5: plot_model(splines=...) -----------------------------------------------------------------------------------

def test_plot_model_takes_keras_splines_and_hints_only_for_show_layer_range():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    model = _ones_model()
    for splines in ("ortho", "curved", "line"):  # (Keras's default, given explicitly, was refused)
        plt.close(glassnet.utils.plot_model(model, None, splines=splines))
    plt.close(glassnet.plots.plot_model(model, None, splines="polyline"))
    with pytest.raises(ValueError, match="splines must be one of Graphviz's edge styles .*Received: splines='wavy'"):
        glassnet.utils.plot_model(model, None, splines="wavy")
    with pytest.raises(TypeError, match="splines must be a string"):
        glassnet.utils.plot_model(model, None, splines=True)
    with pytest.raises(TypeError, match=r"does not take: \['subgraph'\]$"):  # (no show_layer_range hint)
        glassnet.utils.plot_model(model, None, subgraph=True)
    with pytest.raises(TypeError, match=r"\['show_layer_range'\] \(Keras's show_layer_range draws part"):
        glassnet.utils.plot_model(model, None, show_layer_range=["dense", "dense_1"])


# -- F6: glu's message ---------------------------------------------------------------------------------------------

def test_glu_error_shows_the_inputs_own_shape():
    # it said "(x of shape (4, 5, 3))", the axis moved last
    with pytest.raises(ValueError, match=r"Received size 3 along axis 0 \(x of shape \(3, 4, 5\)\)"):
        glassnet.activations.glu(np.zeros((3, 4, 5)), axis=0)
    with pytest.raises(ValueError, match=r"Received size 5 along axis -1 \(x of shape \(3, 4, 5\)\)"):
        glassnet.activations.glu(np.zeros((3, 4, 5)))
    assert glassnet.activations.glu(np.zeros((4, 3)), axis=0).shape == (2, 3)


# -- F8: Keras's preprocessing.sequence and enable_unsafe_deserialization ------------------------------------------

def test_preprocessing_sequence_holds_pad_sequences_as_keras_s_module():
    # tf.keras code imports it from there (Keras 3 keeps the module): it was "No module named"
    from glassnet.preprocessing.sequence import pad_sequences
    import glassnet.preprocessing.sequence as sequence

    assert pad_sequences is glassnet.utils.pad_sequences and sequence.__all__ == ["pad_sequences"]
    keras = pytest.importorskip("keras")
    ragged = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    for options in ({}, {"maxlen": 2, "padding": "post", "truncating": "post", "value": -1}):
        np.testing.assert_array_equal(pad_sequences(ragged, **options),
                                      keras.preprocessing.sequence.pad_sequences(ragged, **options))


def test_enable_unsafe_deserialization_is_a_working_no_op(tmp_path):
    # Keras scripts call it before load_model; it was "module 'glassnet.config' has no attribute"
    model = _ones_model()
    model.save(tmp_path / "m.gn")
    assert glassnet.config.enable_unsafe_deserialization() is None
    assert "enable_unsafe_deserialization" in glassnet.config.__all__
    np.testing.assert_array_equal(glassnet.saving.load_model(tmp_path / "m.gn").predict(X), [[6.0], [24.0]])
