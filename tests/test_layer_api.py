"""Keras's per-layer API: ``layer(x)``, ``Layer.from_config``, ``count_params``,
``trainable_weights``/``non_trainable_weights`` and the handling of unknown or
Keras-only keyword arguments. Expected values are worked out by hand; the Keras 3
behaviour each test mirrors is noted next to it (Keras itself is not needed)."""

import json
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import activations, initializers, layers, regularizers
from glassnet.layers import Activation, BatchNormalization, Dense, Dropout, Flatten
from glassnet.models import Sequential

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
W = np.arange(6.0).reshape(3, 2) / 10
B = np.array([0.5, -1.0])


def dense_with_weights(dtype=None, **kwargs):
    layer = Dense(2, dtype=dtype, **kwargs)
    layer(X)  # builds on X.shape[1:] = (3,)
    layer.set_weights([W, B])
    return layer


# -- layer(x) --------------------------------------------------------------------------

def test_call_builds_on_the_sample_shape_and_computes_x_w_plus_b():
    layer = Dense(2)
    assert not layer.built
    layer(X)
    assert layer.built and layer.input_shape == (3,) and layer.output_shape == (2,)
    assert layer.params["W"].shape == (3, 2) and layer.params["b"].shape == (2,)
    layer.set_weights([W, B])
    # X @ W + b by hand: row 1: [1·0 + 2·.2 + 3·.4, 1·.1 + 2·.3 + 3·.5] + b = [1.6 + .5, 2.2 − 1]
    expected = np.array([[2.1, 1.2], [3.9, 3.9]])
    np.testing.assert_allclose(layer(X), expected, rtol=1e-6)
    np.testing.assert_allclose(expected, X @ W + B)


def test_call_computes_in_the_layer_dtype_as_keras():
    # Keras 3: a Dense given no dtype computes in floatx (float32) whatever the input's dtype
    layer = dense_with_weights()
    Y = layer(X)  # float64 input
    assert layer.dtype == "float32" and layer.params["W"].dtype == np.float32 and Y.dtype == np.float32
    assert layer(X.astype(np.int64)).dtype == np.float32
    exact = dense_with_weights(dtype="float64")
    Y64 = exact(X.astype(np.float32))
    assert Y64.dtype == np.float64
    np.testing.assert_allclose(Y64, X.astype(np.float32).astype(np.float64) @ W + B, rtol=1e-15)
    glassnet.config.set_floatx("float64")
    assert Dense(2)(X).dtype == np.float64


def test_call_with_an_activation_and_lists():
    layer = dense_with_weights(activation="relu")
    # relu([1·0 − 2·.2 + .5, 1·.1 − 2·.3 − 1]) = relu([.1, −1.5])
    np.testing.assert_allclose(layer([[1.0, -2.0, 0.0]]), [[0.1, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(layer([[1.0, 0.0, 0.0]]), [[0.5, 0.0]], rtol=1e-6)  # relu([0 + .5, .1 − 1])


def test_weightless_layers_keep_no_dtype_so_they_can_join_any_model():
    drop = Dropout(0.5)
    assert drop(X).dtype == np.float32  # Keras: inputs are cast to floatx
    assert drop._own_dtype is None and drop.dtype == "float32"  # (Keras's dtype: its policy's, never None)
    model = Sequential([layers.Input(shape=(3,)), drop, Dense(1)], dtype="float64")
    model.build()
    assert model.predict(X).dtype == np.float64


def test_call_returns_a_new_array():
    # forward may return its input (inference dropout), a view of it (Flatten) or a reused buffer
    X32 = X.astype(np.float32)
    for layer in (Dropout(0.5), Flatten(), Activation("linear"), Dropout(0.0)):
        Y = layer(X32)
        np.testing.assert_array_equal(Y, X32)
        assert not np.shares_memory(Y, X32)
        Y[...] = 7
        assert X32[0, 0] == 1.0
    drop = Dropout(0.5, seed=3)
    first = drop(np.ones((4, 50), np.float32), training=True)
    second = drop(np.ones((4, 50), np.float32), training=True)
    assert not np.shares_memory(first, second)
    assert set(np.unique(first)) <= {0.0, 2.0} and not np.array_equal(first, second)
    dense = dense_with_weights()
    a, b = dense(X, training=True), dense(X + 1, training=True)
    assert not np.shares_memory(a, b)
    np.testing.assert_allclose(a, X @ W + B, rtol=1e-6)


def test_flatten_call_builds_on_any_sample_shape():
    layer = Flatten()
    Y = layer(np.arange(12.0).reshape(2, 2, 3))
    assert Y.shape == (2, 6) and layer.input_shape == (2, 3) and layer.output_shape == (6,)
    np.testing.assert_array_equal(Y[1], np.arange(6.0, 12.0))


#: (layer, input shape, Keras 3.15's compute_output_shape of it): the first axis is always the batch
#: axis, None or a size, and is kept
KERAS_OUTPUT_SHAPES = [
    (lambda: Dense(5), (None, 3), (None, 5)),
    (lambda: Dense(5), (8, 3), (8, 5)),
    (lambda: Dense(5), (2, 3, 4), (2, 3, 5)),
    (lambda: Dropout(0.5), (8, 4), (8, 4)),
    (lambda: Flatten(), (None, 2, 3), (None, 6)),
    (lambda: Flatten(), (2, 3, 4), (2, 12)),
    (lambda: Flatten(), (8, 5), (8, 5)),
    (lambda: Flatten(), (5,), (5, 1)),
    (lambda: Flatten(), (None, None, 4), (None, None)),
    (lambda: Flatten(data_format="channels_first"), (2, 3, 4), (2, 12)),
    (lambda: layers.Reshape((-1,)), (2, 3, 4), (2, 12)),
    (lambda: layers.Reshape((3, 4)), (8, 12), (8, 3, 4)),
    (lambda: layers.Reshape((2, -1)), (2, 3, 4), (2, 2, 6)),
    (lambda: layers.Permute((2, 1)), (2, 3, 4), (2, 4, 3)),
    (lambda: layers.Permute((2, 1)), (None, 3, 4), (None, 4, 3)),
    (lambda: layers.GlobalAveragePooling1D(), (2, 3, 4), (2, 4)),
    (lambda: layers.GlobalAveragePooling1D(keepdims=True), (2, 3, 4), (2, 1, 4)),
    (lambda: layers.GlobalMaxPooling1D(data_format="channels_first"), (2, 3, 4), (2, 3)),
    (lambda: layers.GlobalMaxPooling1D(data_format="channels_first", keepdims=True), (None, 3, 4), (None, 3, 1)),
    (lambda: layers.Embedding(10, 3), (8, 5), (8, 5, 3)),
    (lambda: layers.CategoryEncoding(5), (8, 3), (8, 5)),
    (lambda: layers.CategoryEncoding(5), (2, 1), (2, 5)),
    (lambda: layers.CategoryEncoding(5, output_mode="count"), (8,), (5,)),
    (lambda: layers.CategoryEncoding(5, output_mode="one_hot"), (8, 3), (8, 3, 5)),
    (lambda: layers.CategoryEncoding(5, output_mode="one_hot"), (2, 1), (2, 5)),
    (lambda: layers.CategoryEncoding(5, output_mode="one_hot"), (8,), (8, 5)),
    (lambda: layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot"), (8, 5), (8, 5, 3)),
]


@pytest.mark.parametrize("make, shape, expected", KERAS_OUTPUT_SHAPES,
                         ids=[f"{type(make()).__name__}-{shape}" for make, shape, _ in KERAS_OUTPUT_SHAPES])
def test_compute_output_shape_reads_the_first_axis_as_the_batch_axis_as_keras(make, shape, expected):
    # Keras 3.15: Flatten().compute_output_shape((2, 3, 4)) == (2, 12); glassnet read (2, 3, 4) as one sample
    # and gave (24,)
    assert make().compute_output_shape(shape) == expected


def test_compute_output_shape_and_built_shapes_agree_with_the_batch_axis_left_out():
    # glassnet's own output_shape is one sample's: Keras's compute_output_shape((None, 2, 3)) without its None
    layer = Flatten()
    layer.build((2, 3))
    assert layer.output_shape == (6,) and layer.compute_output_shape((None, 2, 3)) == (None, 6)
    assert Flatten().sample_output_shape((2, 3)) == (6,)
    assert layers.Permute((2, 1)).sample_output_shape((3, 4)) == (4, 3)
    assert layers.CategoryEncoding(5, output_mode="one_hot").sample_output_shape((1,)) == (5,)
    # Keras 3.15's KerasTensor shapes along the same functional chain
    x = layers.Input((12,))
    reshaped = layers.Reshape((2, 3, 2))(x)
    permuted = layers.Permute((3, 1, 2))(reshaped)
    assert (reshaped.shape, permuted.shape, Flatten()(permuted).shape) == ((None, 2, 3, 2), (None, 2, 2, 3), (None, 12))


@pytest.mark.parametrize("make, shape, match", [
    (lambda: layers.Permute((2, 1)), (8, 5), r"expected ndim=3, found ndim=2. Full shape received: \(8, 5\)"),
    (lambda: layers.GlobalAveragePooling1D(), (8, 5), r"expected ndim=3, found ndim=2. Full shape received: \(8, 5\)"),
    (lambda: Flatten(), (), r"Flatten.compute_output_shape takes a shape with the batch axis first.*Received: "
                            r"input_shape=\(\)"),
])
def test_compute_output_shape_refuses_a_shape_of_the_wrong_rank_by_name(make, shape, match):
    # (Keras's compute_output_shape reads past the end there, and its call refuses such inputs: InputSpec(ndim=3))
    with pytest.raises(ValueError, match=match):
        make().compute_output_shape(shape)


def test_compute_output_shape_refuses_what_is_not_a_shape():
    with pytest.raises(TypeError, match=r"Flatten.compute_output_shape takes a tuple of sizes.*input_shape=\(2, 'a'\)"):
        Flatten().compute_output_shape((2, "a"))


def test_a_compute_output_shape_without_the_batch_axis_is_named_when_glassnet_reads_it():
    class Halves(layers.Layer):  # written for sample shapes: (784,) -> (392,), Keras's batch axis dropped
        def compute_output_shape(self, input_shape):
            return (input_shape[-1] // 2,)

    with pytest.raises(ValueError, match=r"compute_output_shape must keep the batch axis first.*Received: "
                                         r"compute_output_shape\(\(None, 4\)\) returned \(2,\)"):
        Halves().build((4,))


@pytest.mark.parametrize("target, shape, expected", [
    # Keras 3.15's Reshape(target).compute_output_shape(shape): a size None in the input, or in target_shape,
    # leaves the -1 unknown (glassnet read (None, None, 4) as a batch of samples (None, 4): (None, None, 2, 2))
    ((-1, 2), (None, None, 4), (None, None, 2)),
    ((2, -1), (None, None, 4), (None, 2, None)),
    ((-1, 2), (None, 3, None), (None, None, 2)),
    ((3, 4), (None, None, 4), (None, 3, 4)),
    ((-1,), (None, None), (None, None)),
    ((None, 2), (None, 8), (None, None, 2)),
    ((2, None), (8, 12), (8, 2, None)),
    ((None, -1), (2, 8), (2, None, None)),
])
def test_reshape_leaves_unknown_sizes_unknown_as_keras(target, shape, expected):
    assert layers.Reshape(target).compute_output_shape(shape) == expected


def test_reshape_reads_a_none_of_target_shape_from_the_input_as_keras():
    # Keras 3.15: Reshape((None, 2)) of a (2, 8) batch is (2, 4, 2), its config keeps None; Reshape((2, None))
    # of (2, 3, 4) is (2, 2, 6)
    X = np.arange(16.0).reshape(2, 8)
    layer = layers.Reshape((None, 2))
    np.testing.assert_array_equal(layer(X), X.reshape(2, 4, 2))
    assert layer.get_config()["target_shape"] == (None, 2)
    assert layers.Reshape.from_config(layer.get_config()).target_shape == (None, 2)
    assert layers.Reshape((2, None))(np.zeros((2, 3, 4))).shape == (2, 2, 6)
    model = Sequential([layers.Input((8,)), layers.Reshape((None, 2)), Dense(3)], seed=0)
    assert model.predict(X, verbose=0).shape == (2, 4, 3) and model.layers[0].output_shape == (4, 2)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, np.zeros((2, 4, 3)), epochs=1, verbose=0)


def test_reshape_with_two_unknown_sizes_is_refused_when_called():
    # Keras 3.15 makes Reshape((None, -1)) and gives its output shape, and refuses it when called: "There must be at
    # most one unknown dimension (-1) in `newshape`"
    layer = layers.Reshape((None, -1))
    assert layer.compute_output_shape((None, 8)) == (None, None, None)
    with pytest.raises(ValueError, match=r"at most one unknown dimension \(-1 or None\) in `target_shape`.*"
                                         r"target_shape=\(None, -1\), input_shape=\(8,\)"):
        layer(np.zeros((2, 8)))
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        Sequential([layers.Input((8,)), layers.Reshape((None, None))]).build()


def test_batchnorm_call_training_uses_batch_statistics_and_updates_moving_ones():
    # Keras 3, momentum 0.5, x = [[0, 2], [2, 6]]: batch mean [1, 4], variance [1, 4];
    # output (x − μ)/sqrt(σ² + 1e-3); moving mean 0.5·0 + 0.5·μ = [0.5, 2], variance 0.5·1 + 0.5·σ² = [1, 2.5]
    x = np.array([[0.0, 2.0], [2.0, 6.0]])
    bn = BatchNormalization(momentum=0.5, dtype="float64")
    Y = bn(x, training=True)
    np.testing.assert_allclose(Y, [[-1 / np.sqrt(1.001), -2 / np.sqrt(4.001)], [1 / np.sqrt(1.001), 2 / np.sqrt(4.001)]])
    np.testing.assert_allclose(bn.state["moving_mean"], [0.5, 2.0])
    np.testing.assert_allclose(bn.state["moving_variance"], [1.0, 2.5])
    # inference: the moving statistics
    np.testing.assert_allclose(bn(x), (x - [0.5, 2.0]) / np.sqrt(np.array([1.0, 2.5]) + 1e-3))
    # frozen: inference mode even with training=True, statistics unchanged (Keras 3)
    bn.trainable = False
    np.testing.assert_allclose(bn(x, training=True), (x - [0.5, 2.0]) / np.sqrt(np.array([1.0, 2.5]) + 1e-3))
    np.testing.assert_allclose(bn.state["moving_mean"], [0.5, 2.0])


def test_call_refuses_another_sample_shape_naming_the_layer():
    layer = dense_with_weights()
    with pytest.raises(ValueError, match=r"Layer Dense was built for inputs of shape \(None, 3\), but it was "
                                         r"called on an input of shape \(2, 4\)"):
        layer(np.ones((2, 4)))
    layer.name = "hidden"
    with pytest.raises(ValueError, match=r"Layer 'hidden' \(Dense\) was built"):
        layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"Layer 'hidden' \(Dense\) must be an at least 2-D array"):
        layer(np.ones(3))  # samples along the first axis, as Keras (min_ndim=2)
    assert Dense(2)(np.ones((2, 3, 4))).shape == (2, 3, 2)  # over the last axis, as Keras
    with pytest.raises(TypeError, match="training must be True, False or None") as caught:
        layer(X, training="yes")
    assert "mask" not in str(caught.value)
    np.testing.assert_allclose(layer(X, training=None), layer(X))
    # Keras's layer(x, mask) (keras.io's Softmax example) put the mask in training: the error says so
    for mask in (np.array([True, False, True]), [1, 0, 1]):
        with pytest.raises(TypeError, match=r"training must be True, False or None\. Received: training=.*An array "
                                            r"there is Keras's mask \(layer\(x, mask\)\), which glassnet's layers do "
                                            r"not take"):
            glassnet.layers.Softmax()(np.array([1.0, 2.0, 1.0]), mask)


def test_call_on_a_model_layer_leaves_the_model_untouched():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    model = Sequential([layers.Input(shape=(3,)), Dense(4, activation="tanh"), BatchNormalization(), Dense(1)],
                       seed=1)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    dense, bn, out = model.layers
    flat = model._flat_params.copy()

    # the model's layer computes with the model's weights
    W1, b1 = dense.get_weights()
    np.testing.assert_allclose(dense(x), np.tanh(x @ W1 + b1), rtol=1e-5, atol=1e-6)

    # a training pass of the model, then direct calls of its layers (same batch size: same buffer keys)
    A = model.forward(x, training=True)
    A_before = A.copy()
    caches = [{k: v for k, v in vars(layer).items() if k in ("X", "Z", "A", "X_hat", "inv_std", "training")}
              for layer in model.layers]
    moving = [s.copy() for s in bn.get_weights()[2:]]
    z = rng.normal(size=(16, 3)).astype(np.float32)
    h = dense(z, training=True)
    h = bn(h, training=False)
    out(h, training=True)
    np.testing.assert_array_equal(A, A_before)
    for layer, cache in zip(model.layers, caches):
        for k, v in cache.items():
            assert getattr(layer, k) is v, (layer.name, k)
    for before, after in zip(moving, bn.get_weights()[2:]):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(model._flat_params, flat)
    for layer in model.layers:
        for value in layer.params.values():
            assert np.shares_memory(value, model._flat_params)

    # the backward pass after the calls gives the gradients of an undisturbed pass
    model.backward(y, A)
    grads = model._flat_grads.copy()
    model.backward(y, model.forward(x, training=True))
    np.testing.assert_allclose(grads, model._flat_grads, rtol=1e-6)
    np.testing.assert_array_equal(model._flat_params, flat)
    # and training goes on
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(model._flat_params, flat)


def test_call_on_a_model_layer_with_another_shape_is_refused():
    model = Sequential([layers.Input(shape=(3,)), Dense(2, name="hidden"), Dense(1)])
    model.build()
    with pytest.raises(ValueError, match=r"Layer 'hidden' \(Dense\) was built for inputs of shape \(None, 3\)"):
        model.layers[0](np.ones((1, 5)))


# A vector and a new shape for weight-free layers (as Keras 3, whose elementwise layers take any shape):
# a 1-D array is one sample, and the output has its shape. The values are worked out by hand
# (test_activation_layers.py compares them with Keras 3.15 where it is installed).
V = np.array([-3.0, -1.0, 0.0, 2.0])
VECTOR_CASES = [
    (lambda: Activation("relu"), V, [0, 0, 0, 2]),
    (lambda: layers.ReLU(max_value=1.0), V, [0, 0, 0, 1]),
    (lambda: layers.LeakyReLU(), V, [-0.9, -0.3, 0, 2]),  # Keras 3's slope 0.3
    (lambda: layers.ELU(), V, [np.exp(-3) - 1, np.exp(-1) - 1, 0, 2]),
    (lambda: layers.Softmax(), np.array([1.0, 2.0, 3.0]), np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()),
    (lambda: Activation("softmax"), np.array([1.0, 2.0, 3.0]), np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()),
    (lambda: layers.Identity(), V, V),
    (lambda: Dropout(0.5), V, V),  # inference: the identity
    (lambda: layers.GaussianNoise(0.1), V, V),
    (lambda: layers.GaussianDropout(0.1), V, V),
    (lambda: layers.AlphaDropout(0.1), V, V),
    (lambda: layers.ActivityRegularization(l1=0.1), V, V),
    (lambda: layers.Rescaling(1 / 255), np.array([0, 51, 255]), [0, 0.2, 1]),  # integers in: float32 out, as Keras
    (lambda: layers.Rescaling(0.5, offset=1.0), V, [-0.5, 0.5, 1, 2]),
    (lambda: layers.Rescaling([1.0, 2.0, 3.0, 4.0]), V, [-3, -2, 0, 8]),  # one factor per entry: the last axis
    (lambda: layers.UnitNormalization(), np.array([3.0, 4.0]), [0.6, 0.8]),
    (lambda: layers.Normalization(axis=None, mean=2.0, variance=4.0), V, [-2.5, -1.5, -1, 0]),
    (lambda: layers.Normalization(mean=[1.0, 2.0, 3.0, 4.0], variance=[1.0, 1.0, 4.0, 4.0]), V, [-4, -3, -1.5, -1]),
    (lambda: layers.Normalization(axis=None, mean=2.0, variance=4.0), np.array(3.0), 0.5),  # a number, as Keras
    (lambda: layers.Discretization(bin_boundaries=[0.0]), V, [0, 0, 1, 1]),
]


@pytest.mark.parametrize("make, x, expected", VECTOR_CASES)
def test_weight_free_layers_take_a_vector_as_one_sample(make, x, expected):
    out = make()(x)
    assert out.shape == x.shape
    assert out.dtype == np.float32  # glassnet casts to floatx (Keras keeps int32 through relu, Identity, Dropout)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("make", [lambda: Dropout(0.5, seed=3), lambda: layers.GaussianNoise(0.5, seed=3),
                                  lambda: layers.GaussianDropout(0.5, seed=3), lambda: layers.AlphaDropout(0.5, seed=3)])
def test_noise_layers_in_training_treat_a_vector_as_one_row(make):
    v = np.linspace(-1.0, 1.0, 8)
    out = make()(v, training=True)
    assert out.shape == (8,)
    np.testing.assert_array_equal(out, make()(v.reshape(1, -1), training=True)[0])  # the same draw, as a row
    assert not np.array_equal(out, v.astype(np.float32))


@pytest.mark.parametrize("make, match", [
    (lambda: Dense(2), "Dense"),
    (lambda: layers.PReLU(), "PReLU"),
    (lambda: BatchNormalization(), "BatchNormalization"),
    (lambda: layers.LayerNormalization(), "LayerNormalization"),
    (lambda: layers.Normalization(), "Normalization"),  # to be adapted: its statistics are weights
    (lambda: layers.Softmax(axis=1), "Softmax"),  # Keras: a vector has no axis 1
    (lambda: layers.UnitNormalization(axis=1), "UnitNormalization"),
    (lambda: Dropout(0.5, noise_shape=(None, 1)), "Dropout"),  # noise_shape names a batch's axes
    (lambda: Flatten(), "Flatten"),  # Keras makes (n, 1) of it: each value a sample
])
def test_other_layers_keep_refusing_a_vector_with_the_reshape_to_make(make, match):
    with pytest.raises(ValueError, match=rf"the input of Layer {match} must be an at least 2-D array\. Received an "
                                         r"array of shape \(4,\)\. Reshape your data with x\.reshape\(-1, 1\)"):
        make()(np.array([0.0, 1.0, 2.0, 1.0]))


def test_a_weight_free_layer_on_its_own_is_built_again_for_another_shape():
    relu = Activation("relu")
    for shape in [(2, 3), (2, 5), (2, 3, 4), (4,)]:
        x = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)
        np.testing.assert_allclose(relu(x), np.maximum(x, 0), rtol=1e-6)
    assert relu.input_shape == (4,)  # the vector's: one sample of 4
    scale = layers.Rescaling([1.0, 2.0, 3.0])
    np.testing.assert_allclose(scale(np.ones((2, 3))), [[1, 2, 3]] * 2)
    with pytest.raises(ValueError, match=r"scale has 3 values, one per channel, but its inputs of shape \(None, 5\)"):
        scale(np.ones((2, 5)))
    norm = layers.Normalization(axis=None, mean=1.0, variance=4.0)
    np.testing.assert_allclose(norm(np.full((2, 3), 3.0)), np.ones((2, 3)))
    np.testing.assert_allclose(norm(np.full((2, 3, 4), 5.0)), np.full((2, 3, 4), 2.0))
    with pytest.raises(ValueError, match=r"Dense was built for inputs of shape \(None, 3\)"):
        dense_with_weights()(np.ones((2, 5)))  # weights are tied to their shape


def test_a_weight_free_layer_in_a_model_keeps_the_models_shape():
    relu = Activation("relu", name="act")
    relu(np.ones((2, 5)))  # on its own first: built again for the model's width
    model = Sequential([layers.Input(shape=(3,)), Dense(2), relu])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3)), np.ones((8, 2)), epochs=1, verbose=0)
    assert model.predict(np.ones((4, 3))).shape == (4, 2)
    assert relu.input_shape == (2,)
    with pytest.raises(ValueError, match=r"Layer 'act' \(Activation\) was built for inputs of shape \(None, 2\), "
                                         r"but it was called on an input of shape \(2, 5\)"):
        relu(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"was built for inputs of shape \(None, 2\), but it was called on an "
                                         r"input of shape \(3,\)"):
        relu(np.ones(3))
    np.testing.assert_allclose(relu(np.array([-1.0, 2.0])), [0, 2])  # one sample of the model's width
    with pytest.raises(ValueError, match="expected 3 features, got 5"):
        model.predict(np.ones((4, 5)))
    # the functional API: the same layer in a second chain is refused while its model lives
    with pytest.raises(ValueError, match=r"Layer 'act' \(Activation\) was built for inputs of shape \(None, 2\)"):
        relu(layers.Input(shape=(5,)))


def test_a_weight_free_layer_called_on_its_own_joins_a_functional_chain_of_another_width():
    relu = Activation("relu")
    relu(np.ones((2, 5)))
    inputs = layers.Input(shape=(3,))
    model = glassnet.Model(inputs, Dense(1)(relu(inputs)))
    assert model.predict(np.ones((4, 3))).shape == (4, 1)
    assert relu.input_shape == (3,)


def test_a_called_layer_keeps_its_weights_in_a_model():
    layer = dense_with_weights()
    model = Sequential([layers.Input(shape=(3,)), layer])
    np.testing.assert_allclose(model.predict(X), X @ W + B, rtol=1e-6)
    with pytest.raises(ValueError, match="dtype 'float32' but the model computes in 'float64'"):
        Sequential([layers.Input(shape=(3,)), dense_with_weights()], dtype="float64")


# -- count_params, trainable_weights, non_trainable_weights ------------------------------

def test_count_params():
    assert dense_with_weights().count_params() == 8  # 3·2 + 2, as Keras
    layer = Dense(2, use_bias=False)
    layer(X)
    assert layer.count_params() == 6
    bn = BatchNormalization()
    bn(X)
    assert bn.count_params() == 12  # gamma, beta, moving mean, moving variance: 4·3, as Keras
    drop = Dropout(0.1)
    drop(X)
    assert drop.count_params() == 0
    with pytest.raises(ValueError, match=r"count_params on Layer Dense, but the layer isn't built"):
        Dense(2).count_params()
    with pytest.raises(ValueError, match=r"count_params on Layer 'd' \(Dense\), but the layer isn't built"):
        Dense(2, name="d").count_params()


def test_dense_trainable_and_frozen_weights():
    layer = Dense(2)
    assert layer.trainable_weights == [] and layer.non_trainable_weights == []  # unbuilt, as Keras
    layer(X)
    W_live, b_live = layer.trainable_weights
    assert _live(W_live, layer.params["W"]) and _live(b_live, layer.params["b"])  # live arrays, Keras's order
    assert layer.non_trainable_weights == []
    layer.trainable = False  # Keras 3: a frozen layer lists every weight as non-trainable
    assert layer.trainable_weights == []
    assert [_live(w, p) for w, p in zip(layer.non_trainable_weights, (layer.params["W"], layer.params["b"]))] == [True] * 2


def test_batchnorm_trainable_split():
    bn = BatchNormalization()
    bn(X)
    gamma, beta = bn.trainable_weights
    mean, var = bn.non_trainable_weights
    assert _live(gamma, bn.params["gamma"]) and _live(beta, bn.params["beta"])
    assert _live(mean, bn.state["moving_mean"]) and _live(var, bn.state["moving_variance"])
    bn.trainable = False
    assert bn.trainable_weights == []
    assert [id(w) for w in bn.non_trainable_weights] == [id(w) for w in (gamma, beta, mean, var)]
    no_center = BatchNormalization(center=False)
    no_center(X)
    assert [_live(w, no_center.params["gamma"]) for w in no_center.trainable_weights] == [True]
    assert len(no_center.non_trainable_weights) == 2


def test_layer_weights_match_the_model_split():
    model = Sequential([layers.Input(shape=(3,)), Dense(2), BatchNormalization(), Dense(1, trainable=False)])
    model.build()
    ids = lambda arrays: [id(a) for a in arrays]  # noqa: E731
    assert ids(model.trainable_weights) == ids(w for l in model.layers for w in l.trainable_weights)
    assert ids(model.non_trainable_weights) == ids(w for l in model.layers for w in l.non_trainable_weights)
    assert model.count_params() == sum(l.count_params() for l in model.layers) == 8 + 8 + 3


# -- from_config ---------------------------------------------------------------------------

def test_from_config_round_trips_nested_activation_initializer_and_regularizer():
    layer = Dense(3, activation=activations.LeakyReLU(0.25), kernel_initializer=initializers.RandomNormal(stddev=0.5),
                  bias_initializer=initializers.Constant(0.1), kernel_regularizer=regularizers.L2(0.01), name="d")
    config = layer.get_config()
    assert isinstance(config["activation"], dict) and isinstance(config["kernel_initializer"], dict)
    clone = Dense.from_config(config)
    assert type(clone) is Dense and clone.get_config() == config
    assert isinstance(clone.activation, activations.LeakyReLU)
    assert isinstance(clone.kernel_initializer, initializers.RandomNormal)
    assert isinstance(clone.kernel_regularizer, regularizers.L2)
    clone(np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(clone.params["b"], [0.1] * 3, rtol=1e-6)
    # the nested activation works: leaky slope 0.25 below zero
    clone.set_weights([np.array([[1.0, -2.0, 0.0], [0.0, 0.0, 0.0]]), np.zeros(3)])
    np.testing.assert_allclose(clone(np.array([[1.0, 0.0]])), [[1.0, -0.5, 0.0]])
    # the same result as layers.deserialize
    assert layers.deserialize(layers.serialize(layer)).get_config() == config
    assert config == layer.get_config()  # from_config did not change the dict it was given


@pytest.mark.parametrize("layer", [
    Dense(2, activation="sigmoid", use_bias=False, trainable=False, input_dim=4),
    Dropout(0.3, seed=5),
    BatchNormalization(momentum=0.9, epsilon=1e-5, center=False),
    Activation("softmax", name="probs"),
    Flatten(input_shape=(2, 3)),
], ids=lambda layer: type(layer).__name__)
def test_from_config_round_trips_every_layer(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert type(clone) is type(layer) and clone.get_config() == config


def test_from_config_accepts_keras_none_arguments_and_refuses_unknown_ones():
    config = {"units": 2, "kernel_constraint": None, "bias_constraint": None, "activity_regularizer": None}
    assert Dense.from_config(config).units == 2
    assert Dense.from_config({**config, "lora_rank": None, "quantization_config": None}).units == 2  # Keras 3.15's
    with pytest.raises(TypeError, match="Dense.__init__\\(\\) got an unexpected keyword argument 'kernel_size'"):
        Dense.from_config({"units": 2, "kernel_size": None})
    with pytest.raises(TypeError, match="Dense.from_config expects a dict"):
        Dense.from_config("dense")


# -- keyword arguments ------------------------------------------------------------------------

@pytest.mark.parametrize("make, name", [
    (lambda: Dense(2, foo=1), "Dense"),
    (lambda: Dropout(0.5, foo=1), "Dropout"),
    (lambda: BatchNormalization(foo=1), "BatchNormalization"),
    (lambda: Activation("relu", foo=1), "Activation"),
    (lambda: Flatten(foo=1), "Flatten"),
])
def test_unknown_keyword_names_the_layer_class(make, name):
    with pytest.raises(TypeError, match=rf"^{name}\.__init__\(\) got an unexpected keyword argument 'foo'\.$"):
        make()


def test_unknown_keyword_suggests_a_close_name():
    with pytest.raises(TypeError, match=r"Dense.__init__\(\) got an unexpected keyword argument 'unit'\. "
                                        r"Did you mean 'units'\?"):
        Dense(2, unit=3)
    with pytest.raises(TypeError, match=r"Dropout.__init__\(\) got an unexpected keyword argument 'rates'\. "
                                        r"Did you mean 'rate'\?"):
        Dropout(0.5, rates=0.2)


class _KeywordOnlyUnits(Dense):
    def __init__(self, *, units, **kwargs):
        super().__init__(units, **kwargs)


@pytest.mark.parametrize("make, old, new", [
    # Keras 1's names (seed 004's Keras "for Theano and TensorFlow", and the course code of its day:
    # Dense(4, input_dim=3, init='uniform')), renamed in Keras 2; 'init' was answered "Did you mean 'units'?"
    (lambda: Dense(4, input_dim=3, init="uniform"), "init", "kernel_initializer"),
    (lambda: Dense(4, W_regularizer="l2"), "W_regularizer", "kernel_regularizer"),
    (lambda: Dense(4, b_regularizer="l2"), "b_regularizer", "bias_regularizer"),
    (lambda: Dense(4, W_constraint=None), "W_constraint", "kernel_constraint"),
    (lambda: Dense(4, bias=False), "bias", "use_bias"),
    (lambda: layers.Embedding(10, 3, init="uniform"), "init", "embeddings_initializer"),
    # the renamed argument was required: "missing 1 required positional argument: 'units'" came first
    (lambda: Dense(output_dim=4), "output_dim", "units"),
    (lambda: Dense(4, output_dim=4), "output_dim", "units"),
    (lambda: Dropout(p=0.5), "p", "rate"),
    (lambda: layers.GaussianDropout(p=0.5), "p", "rate"),
    (lambda: layers.GaussianNoise(sigma=0.1), "sigma", "stddev"),
    # a keyword-only units: "missing 1 required keyword-only argument: 'units'" came first
    (lambda: _KeywordOnlyUnits(output_dim=4), "output_dim", "units"),
])
def test_keras_1_argument_names_say_their_keras_2_name(make, old, new):
    with pytest.raises(TypeError, match=rf"unexpected keyword argument '{old}'\. {old} is Keras 1's name for '{new}'"):
        make()
    with pytest.raises(TypeError, match=r"argument 'init'\.$"):  # a layer with no initializer gets no hint
        Dropout(0.5, init="uniform")


class _OwnNames(layers.Layer):
    def __init__(self, units, output_dim, rate, p=0.1, **kwargs):
        super().__init__(**kwargs)


@pytest.mark.parametrize("make, message", [
    (lambda: Dense(), r"Dense.__init__\(\) missing 1 required positional argument: 'units'"),
    (lambda: Dense(p=0.5), r"Dense.__init__\(\) missing 1 required positional argument: 'units'"),  # p is no units
    # output_dim is Embedding's own argument: the missing one is input_dim
    (lambda: layers.Embedding(output_dim=3), r"Embedding.__init__\(\) missing 1 required positional argument: "
                                             r"'input_dim'"),
    # a custom layer's own output_dim or p: it was told "unexpected keyword argument 'output_dim'"
    (lambda: _OwnNames(output_dim=3, rate=0.5), r"_OwnNames.__init__\(\) missing 1 required positional argument: "
                                                r"'units'"),
    (lambda: _OwnNames(2, 3, p=0.1), r"_OwnNames.__init__\(\) missing 1 required positional argument: 'rate'"),
])
def test_a_missing_argument_is_named_as_python_names_it(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_keras_arguments_that_mean_nothing_here_are_accepted_as_none():
    layer = Dense(2, kernel_constraint=None, bias_constraint=None, activity_regularizer=None)
    assert "kernel_constraint" not in layer.get_config()
    assert Dropout(0.2, noise_shape=None).rate == 0.2


@pytest.mark.parametrize("make, message", [
    (lambda: Dense(2, quantization_config={"mode": "int8"}), "glassnet's Dense has no quantization_config"),
])
def test_keras_arguments_with_a_value_are_refused(make, message):
    with pytest.raises(ValueError, match=message + r" \(received .*\); only .*=None, Keras's default, is accepted"):
        make()


def test_keras_arguments_of_one_layer_are_unknown_to_another():
    with pytest.raises(TypeError, match="Dropout.__init__\\(\\) got an unexpected keyword argument 'kernel_constraint'"):
        Dropout(0.5, kernel_constraint=None)
    with pytest.raises(TypeError, match="Dense.__init__\\(\\) got an unexpected keyword argument 'noise_shape'"):
        Dense(2, noise_shape=None)


def test_a_layer_is_not_an_activation_function():
    from glassnet.layers import Activation, Dense

    with pytest.raises(TypeError, match="add it to the model as a layer of its own"):
        Dense(2, activation=Dense(3))  # (an activation layer, Activation("relu"), is its function, as in Keras)
    assert Dense(2, activation=Activation("relu")).activation.name == "relu"


def test_keras_names_kernel_bias_activation_functions_and_input_shape():
    import glassnet
    from glassnet import activations
    from glassnet.layers import Dense, InputLayer
    from glassnet.models import Sequential

    model = Sequential([InputLayer(input_shape=(4,)), Dense(3, activation=activations.relu),
                        Dense(2, activation=activations.softmax, use_bias=False)], seed=0)
    model.build()
    first, last = model.layers
    assert first.kernel.shape == (4, 3) and first.bias.shape == (3,) and last.bias is None
    assert np.shares_memory(first.kernel, model._flat_params)  # the live weights, as Keras's variables
    # activations.relu is a function of arrays, and a layer's activation with its derivative
    np.testing.assert_array_equal(activations.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    np.testing.assert_allclose(activations.softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]])
    assert type(first.activation) is activations.ReLU and first.activation is not activations.relu
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    model.fit(np.ones((4, 4)), np.eye(2)[[0, 1, 0, 1]], verbose=0)  # trains: the derivative is there
    with pytest.raises(ValueError, match="once the layer is built"):
        Dense(2).kernel
    with pytest.raises(ValueError, match="not both"):
        InputLayer(shape=(4,), input_shape=(4,))
    assert glassnet.layers.core.Dense is Dense  # keras.layers.core's path (seed 001's import)


@pytest.mark.parametrize("hard_links", [True, False])
@pytest.mark.parametrize("method", ["save", "save_weights"])
def test_save_with_overwrite_false_never_replaces_a_file_made_while_it_writes(tmp_path, monkeypatch, method,
                                                                              hard_links):
    # overwrite=False checked that the file did not exist, then wrote: a file made in between (another
    # process, another checkpoint) was replaced by the model. The write now takes the name only if it is
    # free (os.link; without hard links, an exclusive create), and the other file stays as it was
    import errno
    import os

    import glassnet.models.saving as saving
    from glassnet.models import load_model

    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "m.gn"
    npy_bytes = saving._npy_array

    def another_writer_meanwhile(array):  # runs after save's own check, before the file is written
        if not path.exists():
            path.write_bytes(b"another process's file")
        return npy_bytes(array)

    if not hard_links:
        def no_link(source, target):
            raise OSError(errno.EPERM, "Operation not permitted", source, None, target)
        monkeypatch.setattr(os, "link", no_link)
    monkeypatch.setattr(saving, "_npy_array", another_writer_meanwhile)
    with pytest.raises(FileExistsError, match=r"m.gn' exists and overwrite=False: it was left as it is; pass "
                                              r"overwrite=True to replace it"):
        getattr(model, method)(path, overwrite=False)
    assert path.read_bytes() == b"another process's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.gn"]  # no temporary file left
    monkeypatch.setattr(saving, "_npy_array", npy_bytes)
    fresh = tmp_path / "fresh.gn"
    getattr(model, method)(fresh, overwrite=False)  # a free name: written
    np.testing.assert_array_equal(load_model(fresh).get_weights()[0], model.get_weights()[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.gn", "m.gn"]


def test_save_and_load_take_keras_arguments(tmp_path):
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    path = tmp_path / "m.gn"
    model.save(path, overwrite=True, zipped=True)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(path, overwrite=False)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(path, overwrite=False)
    with pytest.raises(ValueError, match="zip"):
        model.save(tmp_path / "other.gn", zipped=False)
    with pytest.raises(ValueError, match="pass zipped=None or True. Received: zipped=array"):
        model.save(tmp_path / "other.gn", zipped=np.ones(2))  # "The truth value of an array ... is ambiguous"
    model.save(tmp_path / "light.gn", include_optimizer=False)
    with pytest.raises(TypeError, match="include_optimizer must be True or False"):
        model.save(tmp_path / "x.gn", include_optimizer="False")  # bool() saved the state it was told not to
    assert load_model(tmp_path / "light.gn").optimizer.iterations == 0 < load_model(path, safe_mode=True).optimizer.iterations
    with pytest.raises(TypeError, match="custom_objects must be a dict"):
        load_model(path, custom_objects=["swish"])
    assert load_model(path, custom_objects={"swish": lambda x: x}).built  # (names the file does not use)
    assert load_model(path, custom_objects={}).built


def test_batchnorm_moving_statistics_follow_keras_momentum():
    # Keras: moving = momentum · moving + (1 − momentum) · batch statistic (starting at 0 and 1)
    X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]])
    bn = BatchNormalization(momentum=0.9, dtype="float64")
    bn.build((2,))
    bn.forward(X, training=True)
    np.testing.assert_allclose(bn.state["moving_mean"], 0.1 * X.mean(axis=0))
    np.testing.assert_allclose(bn.state["moving_variance"], 0.9 + 0.1 * X.var(axis=0))
    bn.forward(X, training=True)
    np.testing.assert_allclose(bn.state["moving_mean"], (0.9 * 0.1 + 0.1) * X.mean(axis=0))


def _one_float64_draw(init, shape):
    """Reference: the whole array in one float64 draw, truncated normals redrawn as Keras's
    (values[bad] = new draws until none is beyond 2σ), then cast to float32."""
    rng = np.random.default_rng(init.seed)
    fan_in, fan_out = shape
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[init.mode]
    variance = init.scale / n
    if init.distribution == "uniform":
        limit = np.sqrt(3 * variance)
        return rng.uniform(-limit, limit, size=shape).astype(np.float32)
    std = np.sqrt(variance) / 0.87962566103423978
    values = rng.normal(0.0, std, size=shape)
    bad = np.abs(values) > 2 * std
    while bad.any():
        values[bad] = rng.normal(0.0, std, size=int(bad.sum()))
        bad = np.abs(values) > 2 * std
    return values.astype(np.float32)


@pytest.mark.parametrize("name", ["GlorotUniform", "HeNormal", "LecunNormal"])
def test_initializers_draw_in_blocks_the_values_of_one_float64_draw(name):
    # More values than one block (2**20): drawn a block at a time, cast as they come,
    # they must still be the values of one float64 draw (a seed gives the same weights as before).
    import tracemalloc

    init = getattr(initializers, name)(seed=3)
    shape = (4000, 2000)
    expected = _one_float64_draw(init, shape)
    tracemalloc.start()
    got = init(shape, dtype="float32")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.float32
    # the float32 result (32 MB) and a block's temporaries (8 MB each), not a float64 copy
    # of the whole (64 MB more)
    assert peak < got.nbytes + 24 * 2**20, peak


def test_a_subclass_overriding_sample_keeps_its_values():
    class Halves(initializers.GlorotUniform):
        def sample(self, rng, shape):
            return np.full(shape, 0.5)

    assert Halves(seed=0)((2, 3), dtype="float32").tolist() == [[0.5] * 3] * 2


def test_a_layers_dtype_survives_its_config_and_build_takes_keras_shapes():
    # get_config dropped dtype: Dense(2, dtype="float64") came back float32
    for layer in (Dense(2, dtype="float64"), Dropout(0.1, dtype="float64"), BatchNormalization(dtype="float64"),
                  Flatten(dtype="float64"), Activation("relu", dtype="float64")):
        assert type(layer).from_config(layer.get_config()).dtype == "float64"
    assert "dtype" not in Dense(2).get_config()  # a model's layers take its dtype
    # Keras's build((None, 5)) with the batch axis, and a bare int: "Add a Flatten layer first", TypeErrors
    dense = Dense(2)
    dense.build((None, 5))
    assert dense.params["W"].shape == (5, 2)
    dense = Dense(2)
    dense.build(5)
    assert dense.params["W"].shape == (5, 2)
    flat = Flatten()
    flat.build((None, 3, 4))
    assert flat.output_shape == (12,)
    with pytest.raises(TypeError, match="input_shape must be a tuple of positive integers"):
        Dense(2).build("x")


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", "elu", "linear"])
def test_inference_activations_computed_in_place_give_the_same_outputs(activation):
    # predict lets the built-in activations overwrite Z (half the time of a small network's predict_proba):
    # the outputs must be those of the formula, and the pre-activation a model reads in backward untouched
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4))
    layer = Dense(3, activation, input_dim=4, dtype="float64")
    layer.build((4,))
    Z = X @ layer.params["W"] + layer.params["b"]
    expected = activations.get(activation).forward(Z.copy())
    np.testing.assert_allclose(layer.forward(X, training=False), expected, rtol=1e-12)
    np.testing.assert_allclose(layer.forward(X, training=True), expected, rtol=1e-12)
    np.testing.assert_allclose(layer.Z, Z, rtol=1e-12)  # training keeps Z for the backward pass


def test_a_custom_activation_is_never_given_its_input_as_out():
    class Doubling(activations.Activation):
        name = "doubling"

        def forward(self, Z, out=None):
            assert out is not Z
            return 2 * Z

        def derivative(self, Z, A):
            return 2 * np.ones_like(Z)

    layer = Dense(2, Doubling(), input_dim=3)
    layer.build((3,))
    X = np.ones((4, 3), dtype=np.float32)
    np.testing.assert_allclose(layer.forward(X), 2 * (X @ layer.params["W"] + layer.params["b"]), rtol=1e-6)


def test_a_class_given_to_get_stands_for_its_default_instance_as_in_keras():
    # initializers.get(GlorotUniform) returned the class, which build then called as a
    # function of (shape, dtype): a confusing TypeError. Keras's get instantiates classes for
    # initializers, regularizers and losses (not optimizers or activations).
    from glassnet import losses, optimizers

    assert isinstance(initializers.get(initializers.GlorotUniform), initializers.GlorotUniform)
    assert regularizers.get(regularizers.L2).get_config() == {"l2": 0.01}  # Keras's L2() default
    assert isinstance(losses.get(losses.MeanSquaredError), losses.MeanSquaredError)
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: <class 'int'>"):
        initializers.get(int)  # a class that is neither an initializer nor makes one
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(optimizers.Adam)  # as keras.optimizers.get

    def weights(kernel_initializer, kernel_regularizer):
        model = Sequential([Dense(3, input_dim=4, kernel_initializer=kernel_initializer,
                                  kernel_regularizer=kernel_regularizer)], seed=0)
        model.compile("sgd", losses.MeanSquaredError)
        return model.get_weights()[0], model.evaluate(np.ones((2, 4)), np.zeros((2, 3)), verbose=0)

    W, loss = weights(initializers.GlorotUniform, regularizers.L2)
    W_by_name, loss_by_name = weights("glorot_uniform", "l2")
    np.testing.assert_array_equal(W, W_by_name)
    assert np.abs(W).max() <= np.sqrt(6 / (4 + 3)) and loss == loss_by_name


@pytest.mark.parametrize("make", [initializers.GlorotUniform, initializers.Zeros, initializers.Ones,
                                  initializers.RandomNormal, initializers.HeNormal])
def test_an_initializer_checks_its_shape_by_name(make):
    init = make()
    # raw TypeErrors before: 'NoneType' object is not iterable, 'float' object cannot be interpreted as an integer
    for shape in (None, (2.5, 3), "ab", (True, 3)):
        with pytest.raises(TypeError, match="shape must be a"):
            init(shape)
    with pytest.raises(ValueError, match=r"shape must not hold negative sizes. Received: shape=\(-1, 3\)"):
        init((-1, 3))
    # a MemoryError before; a layer's build still names its units (the outer sized_by)
    with pytest.raises(ValueError, match=r"shape=\(1000000, 1000000\) needs more memory"):
        init((10**6, 10**6))
    with pytest.raises(ValueError, match=r"shape=\(10{30},\) asks for an array too large"):
        init((10**30,))
    assert init(5).shape == (5,) and init([2, 3]).shape == (2, 3) and init(()).shape == ()  # an int is (n,)
    # as Keras: a zero size is an empty array, a NumPy array of sizes a shape
    assert init((0, 5)).shape == (0, 5) and init(np.array([3, 4])).shape == (3, 4)


@pytest.mark.parametrize("batch_size, error", [("a", TypeError), (2.5, TypeError), (True, TypeError),
                                               (-1, ValueError), (0, ValueError)])
def test_input_checks_its_batch_size(batch_size, error):
    # accepted as given before, and kept in nothing
    with pytest.raises(error, match=f"batch_size must be a positive integer. Received: batch_size={batch_size!r}"):
        layers.Input(shape=(3,), batch_size=batch_size)
    assert layers.Input(shape=(3,), batch_size=32).input_shape == (3,)


def test_a_layer_name_must_be_a_string(tmp_path):
    # a tuple name was saved into a file that load_model then called malformed, an int one broke
    # export(format="keras") with "argument of type 'int' is not iterable"; Keras refuses both
    for name in (5, ("x",), ["a"]):
        with pytest.raises(TypeError, match="name must be a string"):
            Dense(2, name=name)
        with pytest.raises(TypeError, match="name must be a string"):
            layers.Input(shape=(3,), name=name)
    model = Sequential([layers.Input(shape=(2,)), Dense(3, name="hidden"), Dense(1, name=None)])
    assert [layer.name for layer in model.layers] == ["hidden", "dense"]
    model.save(tmp_path / "m.gn")
    assert [layer.name for layer in glassnet.models.load_model(tmp_path / "m.gn").layers] == ["hidden", "dense"]



@pytest.mark.parametrize("name", ["de\x00nse", "\ud800", "a\udfffb"])
def test_a_layer_name_no_file_can_write_is_refused_at_construction(name, tmp_path):
    # a NUL or a lone surrogate (a .gn file's "\u0000" or "\ud800") was taken: summary(), save_weights and
    # export then failed with "'utf-8' codec can't encode character '\ud800'" or h5py's "VLEN strings do
    # not support embedded NULLs"; a model file holding one is refused by name
    with pytest.raises(ValueError, match=r"name must be text without NUL characters or surrogate code points .*"
                                         r"Received: name="):
        Dense(2, name=name)
    with pytest.raises(ValueError, match="name must be text without NUL"):  # a model's name too
        Sequential(name=name)
    model = Sequential([layers.Input(shape=(2,)), Dense(3, name="dense")])
    model.save(tmp_path / "m.gn")
    with zipfile.ZipFile(tmp_path / "m.gn") as source, zipfile.ZipFile(tmp_path / "bad.gn", "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "model.json":
                config = json.loads(data)
                config["model"]["layers"][0]["config"]["name"] = name
                config["model"]["name"] = "model" + name
                data = json.dumps(config)  # (escaped: "\u0000", "\ud800")
            target.writestr(info.filename, data)
    with pytest.raises(ValueError, match="Cannot load model file .*name must be text without NUL"):
        glassnet.models.load_model(tmp_path / "bad.gn")


def test_a_slash_in_a_layer_name_is_kept_and_its_model_file_loads(tmp_path):
    # Keras 3 refuses "/" at construction; glassnet keeps such names (its files held them before), and only
    # export(format="keras") refuses them (tests/test_keras_files.py): no file of glassnet's stops loading
    model = Sequential([layers.Input(shape=(2,)), Dense(3, name="block/dense"), Dense(1, name="\u00e9t\u00e9")])
    model.save(tmp_path / "m.gn")
    assert [layer.name for layer in glassnet.models.load_model(tmp_path / "m.gn").layers] == ["block/dense", "\u00e9t\u00e9"]

def test_dense_refuses_a_bias_initializer_of_another_shape():
    # the bias of shape (1,) or () was kept: predict broadcast it over the units, and fit
    # failed in the bias gradient with NumPy's "matmul: Output operand 0 has a mismatch"
    for wrong in (np.zeros(1), np.float64(0.5), np.zeros((1, 3))):
        with pytest.raises(ValueError, match=r"bias_initializer returned shape .*; expected \(3,\)"):
            Dense(3, bias_initializer=lambda shape, dtype=None, wrong=wrong: wrong)(np.ones((2, 2)))
        with pytest.raises(ValueError, match="bias_initializer returned shape"):
            Sequential([layers.Input(shape=(2,)), Dense(3, bias_initializer=lambda shape, dtype=None, wrong=wrong: wrong)])
    dense = Dense(3, bias_initializer=lambda shape, dtype=None: np.full(shape, 0.5))
    np.testing.assert_allclose(dense(np.zeros((2, 2))), 0.5)


@pytest.mark.parametrize("wrong", ["abc", np.array([["a"] * 3] * 2), {"a": 1}, np.ones((2, 3), complex),
                                   [[1.0, 2.0, 3.0], [4.0]]])
def test_an_initializer_returning_other_than_numbers_is_named(wrong):
    # NumPy's "could not convert string to float", "float() argument must be ...", or for complex
    # numbers a ComplexWarning and the real parts kept
    make = lambda shape, dtype=None: wrong
    with pytest.raises(TypeError, match=r"kernel_initializer must return real numbers, an array of shape \(2, 3\)"):
        Sequential([layers.Input(shape=(2,)), Dense(3, kernel_initializer=make)])
    for key in ("gamma_initializer", "beta_initializer", "moving_variance_initializer"):
        with pytest.raises(TypeError, match=rf"{key} must return real numbers, an array of shape \(2,\)"):
            layers.BatchNormalization(**{key: lambda shape, dtype=None: "abc"})(np.ones((4, 2)))
    # numbers of the right shape, however given, are taken in the layer's dtype
    for right in ([[1, 2, 3], [4, 5, 6]], np.arange(6).reshape(2, 3), np.ones((2, 3), bool)):
        dense = Dense(3, kernel_initializer=lambda shape, dtype=None, right=right: right)
        dense(np.ones((1, 2)))
        assert dense.get_weights()[0].dtype == np.float32
        np.testing.assert_array_equal(dense.get_weights()[0], np.asarray(right, dtype=np.float32))


def test_batchnorm_built_on_its_own_keeps_every_weight_in_floatx():
    # layer.build((None, 4)) as Keras: beta and the moving statistics came from NumPy's zeros and ones
    # in float64 beside a float32 gamma, and the layer's outputs were float64
    layer = BatchNormalization()
    layer.build((None, 4))
    assert [w.dtype for w in layer.weights] == [np.float32] * 4
    assert layer(np.ones((2, 4), np.float32)).dtype == np.float32
    layer = BatchNormalization(center=False, dtype="float64")
    layer.build((None, 4))
    assert [w.dtype for w in layer.weights] == [np.float64] * 3


def test_a_layer_of_ones_own_trains_checks_and_traces(rng):
    # seed 004's Keras menu, "Writing your own Keras layers": a Layer subclass with forward and
    # backward (the layer contract) joins a Sequential, passes the gradient check, trains, and the
    # trace shows its backward rule; Y = X³, dX = 3 X² ⊙ dY, by hand below
    from glassnet.trace import trace

    class Cube(layers.Layer):
        def forward(self, X, training=False):
            self.X = X
            return X**3

        def backward(self, dY):
            return 3 * self.X**2 * dY

    model = Sequential([layers.Input((3,)), Dense(4, activation="tanh"), Cube(), Dense(2)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    result = glassnet.check_gradients(model, x, y)
    assert result.max_error < 1e-6 and set(result.errors) == {"dense/W", "dense/b", "dense_1/W", "dense_1/b"}
    W1, b1, W2, b2 = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), np.tanh(x @ W1 + b1) ** 3 @ W2 + b2, rtol=1e-12)
    cube = trace(model, x, y).layers[1]
    dA = cube.dJ_da  # ∂J/∂a^(3), what Cube.backward receives
    np.testing.assert_allclose(cube.dJ_da_in, 3 * np.tanh(x @ W1 + b1) ** 2 * dA, rtol=1e-12)
    assert "Cube.backward" in str(trace(model, x, y))
    history = model.fit(x, y, epochs=20, batch_size=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]

    class WrongCube(Cube):
        def backward(self, dY):
            return 3 * self.X * dY

    wrong = Sequential([layers.Input((3,)), Dense(4, activation="tanh"), WrongCube(), Dense(2)], dtype="float64")
    wrong.compile(loss="mse", optimizer="sgd")
    assert glassnet.check_gradients(wrong, x, y).errors["dense/W"] > 1e-2


def test_a_subclass_without_forward_says_what_a_layer_defines():
    # a layer written for Keras (call(inputs) only) ended in a bare NotImplementedError
    from glassnet import layers

    class Double(layers.Layer):
        def call(self, inputs):
            return inputs * 2

    with pytest.raises(NotImplementedError, match=r"Double defines no forward\(X, training=False\).*Keras's call"):
        Double()(np.ones((2, 3)))
    with pytest.raises(NotImplementedError, match=r"Double defines no backward\(dY\)"):
        Double().backward(np.ones((2, 3)))


@pytest.mark.parametrize("make, argument, message", [
    (lambda: Dense(3, kernel_initializer="glorot"), "kernel_initializer", "Unknown initializer 'glorot'"),
    (lambda: Dense(3, bias_initializer=5), "bias_initializer", "Could not interpret initializer identifier: 5"),
    (lambda: Dense(3, kernel_regularizer="l3"), "kernel_regularizer", "Unknown regularizer 'l3'"),
    (lambda: Dense(3, bias_regularizer=0.5), "bias_regularizer", "Could not interpret regularizer identifier: 0.5"),
    (lambda: layers.LayerNormalization(gamma_initializer="unit"), "gamma_initializer", "Unknown initializer 'unit'"),
    (lambda: BatchNormalization(moving_variance_initializer=[1]), "moving_variance_initializer",
     r"Could not interpret initializer identifier: \[1\]"),
])
def test_a_bad_initializer_or_regularizer_names_the_argument_it_was_given_as(make, argument, message):
    # "Unknown initializer 'glorot'" (Keras's words) did not say which: a Dense layer has two of each
    with pytest.raises(ValueError, match=f"^{argument}: {message}"):
        make()


def test_keras_add_weight_in_a_custom_layer_says_how_glassnet_keeps_weights():
    # the "Customizing saving" guide's CustomLayer: build calls add_weight, which raised a bare
    # AttributeError ("'CustomLayer' object has no attribute 'add_weight'")
    class CustomLayer(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 4), initializer="random_normal", trainable=True)

    with pytest.raises(NotImplementedError, match=r"CustomLayer called Keras's add_weight.*self\.params\['w'\]"):
        Sequential([layers.Input((3,)), CustomLayer()])


def test_weights_are_attributes_by_keras_s_names_live_and_named_when_unbuilt():
    # Keras's docstrings read layer.beta.shape (LayerNormalization), layer.scale.shape (RMSNormalization),
    # bn.moving_mean: glassnet had them in params/state only (a bare AttributeError)
    ln, rms = layers.LayerNormalization(), layers.RMSNormalization()
    ln.build((20,))
    rms.build((10,))
    assert ln.beta.shape == (20,) and ln.gamma.shape == (20,) and rms.scale.shape == (10,)
    bn = BatchNormalization()
    with pytest.raises(AttributeError, match=r"BatchNormalization.moving_mean exists once the layer is built"):
        bn.moving_mean
    with pytest.raises(AttributeError, match="'BatchNormalization' object has no attribute 'nothing'"):
        bn.nothing
    model = Sequential([layers.Input((3,)), bn, Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.arange(24.0).reshape(8, 3), np.ones((8, 1)), batch_size=8, verbose=0)
    # the array fit updated (Keras's momentum 0.99 from 0: 0.01 of the batch mean 10.5, 11.5, 12.5)
    np.testing.assert_allclose(bn.moving_mean, [0.105, 0.115, 0.125], rtol=1e-6)
    assert _live(bn.moving_mean, bn.state["moving_mean"]) and _live(bn.gamma, bn.params["gamma"])


def test_a_property_s_own_attribute_error_is_not_hidden_by_the_weights_lookup():
    # a Layer.__getattr__ (weights by name, for a while) is what Python calls when a property's getter raises
    # AttributeError: the error named the property ("no attribute 'weights'", though Layer has it), not
    # the attribute its getter missed (self.built of a layer whose __init__ skipped Layer's, a typo)
    class Forgetful(layers.Layer):
        def __init__(self, k):  # no super().__init__()
            self.k = k

    class Typo(layers.Layer):
        @property
        def doubled(self):
            return 2 * self.kk

    with pytest.raises(AttributeError, match="'Forgetful' object has no attribute 'built'"):
        Forgetful(2).weights
    with pytest.raises(AttributeError, match="'Typo' object has no attribute 'kk'"):
        Typo().doubled



def test_base_keeps_every_name_it_defined_and_the_pickle_path_of_inputlayer():
    # layers/base.py was split (_config, _arguments, _building, _weights, _penalties, _symbolic, input_layer):
    # every name a module of the split defines (helpers the layer modules import, private ones included) is
    # still glassnet.layers.base.<name>, the same object, as in the single module
    import pickle

    from conftest import names_kept

    from glassnet.layers import base

    modules = ("base", "_config", "_arguments", "_building", "_weights", "_penalties", "_symbolic", "input_layer")
    after = {"input_layer_name", "given_input_name", "input_dtype_name", "keras_input_dtype",  # (written after the split)
             "check_batch_shape", "draw_rng", "check_name", "_ConstructorSignature", "NotBuiltError",
             "refuse_weight_assignment", "_NoPass", "_Weights"}
    defined = names_kept(base, "glassnet.layers", modules, skip=after)
    assert defined == 36  # (the single module's count)
    # a layer or model pickled before names each class of base.py by that path (protocol 0:
    # "c<module>\n<name>"); InputLayer, now in input_layer.py, is the one a pickled model holds
    for name in ("Layer", "InputLayer", "ChainTensor", "OneWeightPenalty", "_Symbolic", "_TracedTraining"):
        assert pickle.loads(f"cglassnet.layers.base\n{name}\n.".encode()) is getattr(base, name), name
    assert layers.InputLayer.__module__ == "glassnet.layers.input_layer"  # (moved, indeed)
    # pickle.dumps(layers.InputLayer(shape=(3,), dtype="int32"), protocol=0) by the code before the split
    before = ("ccopy_reg\n_reconstructor\np0\n(cglassnet.layers.base\nInputLayer\np1\nc__builtin__\n"
              "object\np2\nNtp3\nRp4\n(dp5\nVactivity_regularizer\np6\nNsVinput_shape\np7\n(I3\ntp8\n"
              "sVname\np9\nNsVdtype\np10\nVint32\np11\nsV_dtype_given\np12\ng11\nsVtrainable\np13\nI01\n"
              "sVparams\np14\n(dp15\nsVgrads\np16\n(dp17\nsVstate\np18\n(dp19\nsV_buffers\np20\n(dp21\n"
              "sVbuilt\np22\nI00\nsVoutput_shape\np23\nNsVneeds_input_gradient\np24\nI01\nsb.")
    loaded = pickle.loads(before.encode())
    assert type(loaded) is layers.InputLayer and (loaded.shape, loaded.dtype) == ((None, 3), "int32")
    model = Sequential([loaded, Dense(2, dtype="float64")])
    assert model.predict(np.arange(6).reshape(2, 3), verbose=0).shape == (2, 2)


def _live(handed_out, array):
    """Whether a weight handed out (a Variable) is the layer's live array: its memory, and the same object
    at each access."""
    return (np.shares_memory(handed_out, array) and handed_out.shape == array.shape
            and handed_out.__array_interface__["data"] == array.__array_interface__["data"])


def test_building_a_built_layer_again_is_refused_and_keeps_its_weights():
    # layer.build(shape) on a built layer drew new weights over its own (a model's trained kernel, a batch norm's
    # moving statistics) without a word, and with another shape broke the model with NumPy's matmul error; Keras
    # refuses it ("cannot add new elements of state ... already built")
    dense = layers.Dense(3)
    dense.build((None, 4))
    dense.set_weights([np.ones((4, 3)), np.zeros(3)])
    for shape in ((None, 4), (None, 6)):
        with pytest.raises(ValueError, match=r"\(Dense\) is already built, for inputs of shape \(None, 4\), and holds "
                                             "its weights"):
            dense.build(shape)
    np.testing.assert_array_equal(dense.get_weights()[0], np.ones((4, 3)))
    norm = layers.BatchNormalization()
    norm(np.random.default_rng(0).random((5, 3)) * 10, training=True)
    moving = norm.get_weights()[2].copy()
    with pytest.raises(ValueError, match="BatchNormalization"):
        norm.build((None, 3))
    np.testing.assert_array_equal(norm.get_weights()[2], moving)
    model = Sequential([layers.Input((4,)), inner := layers.Dense(3, name="d")])
    with pytest.raises(ValueError, match="Layer 'd' \\(Dense\\) is already built"):
        inner.build((None, 4))
    model.build((None, 4))  # (a model's build again: nothing to do)
    dropout = layers.Dropout(0.5)  # no weights: built again, as Keras's
    dropout.build((None, 4))
    dropout.build((None, 4))


def test_a_mask_is_refused_by_name():
    # Keras's layers take mask=...; glassnet's raised Python's "unexpected keyword argument 'mask'", no reason given
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"glassnet has no masks \(its layers take whole samples\): Layer Softmax takes "
                                         r"mask=None only"):
        layers.Softmax()(x, mask=np.ones((2, 3), dtype=bool))
    np.testing.assert_allclose(layers.Softmax()(x, mask=None), np.full((2, 3), 1 / 3), rtol=1e-6)
