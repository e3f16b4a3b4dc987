"""glassnet.variables.Variable, the weight array a layer hands out, against Keras 3.15's variables: one held
across nesting, sharing or ``add`` stays the layer's weight, and what is computed from it is a plain array."""

import copy
import gc
import pickle

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.models import Model, Sequential
from glassnet.variables import Variable


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")


def _base():
    return Sequential([layers.Input((3,)), layers.Dense(4, name="feat")], name="base")


def _nested_sequential(base):
    return Sequential([layers.Input((3,)), base, layers.Dense(1, name="top")], name="outer")


def _nested_functional(base):
    inputs = layers.Input((3,))
    return Model(inputs, layers.Dense(1, name="head")(base(inputs)))


def _shared_layers(base):
    return Sequential([layers.Input((3,)), *base.layers, layers.Dense(1, name="top")], name="big")


@pytest.mark.parametrize("nest", [_nested_sequential, _nested_functional, _shared_layers],
                         ids=["nested in Sequential", "nested in a functional Model", "layers shared"])
def test_a_variable_held_across_nesting_sees_training_and_its_assign_reaches_the_model(nest):
    # the transfer-learning pattern: hold base's kernel, then build a model around base. Keras's variable object
    # stays the layer's: it sees the training, and its assign changes the model. glassnet's was a view of base's
    # old buffer: it kept the old weights and its assign was lost, silently
    x, y = _data()
    base = _base()
    feat = base.layers[0]
    kernel, bias = feat.kernel, feat.bias
    before = kernel.numpy()
    model = nest(base)
    model.compile(optimizer=glassnet.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    trained = feat.kernel.numpy()
    assert not np.allclose(trained, before)  # (the training did change it)
    np.testing.assert_array_equal(kernel.numpy(), trained)  # Keras: the same object, so the same values
    np.testing.assert_array_equal(kernel * 1, trained)
    np.testing.assert_array_equal(kernel[0], trained[0])
    assert kernel.sum() == trained.sum()
    np.testing.assert_array_equal(np.concatenate([kernel, kernel]), np.concatenate([trained, trained]))
    np.testing.assert_array_equal(kernel.value, trained)
    assert kernel.tolist() == trained.tolist() and np.array_equal(kernel.dot(np.eye(4)), trained)
    assert repr(kernel).endswith(np.array2string(trained, threshold=6, edgeitems=2) + ">")

    kernel.assign(np.zeros((3, 4)))  # the features are the bias alone: every prediction is the same
    top_kernel, top_bias = model.layers[-1].get_weights()
    expected = np.full((16, 1), feat.bias.numpy() @ top_kernel + top_bias)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    np.testing.assert_array_equal(feat.kernel.numpy(), np.zeros((3, 4)))
    kernel.assign_add(np.ones((3, 4)))
    kernel[0] = 2.0  # item assignment, and an in-place operator, reach the layer too
    bias -= bias
    np.testing.assert_array_equal(feat.kernel.numpy(), [[2] * 4, [1] * 4, [1] * 4])
    np.testing.assert_array_equal(feat.bias.numpy(), np.zeros(4))
    np.testing.assert_allclose(model.predict(x, verbose=0), (x @ feat.kernel.numpy()) @ top_kernel + top_bias,
                               rtol=1e-5, atol=1e-6)
    # (base is the model's: base predicts the same features)
    np.testing.assert_allclose(base.predict(x, verbose=0), x @ feat.kernel.numpy(), rtol=1e-5, atol=1e-6)


def test_a_variable_held_across_add_stays_the_layer_s():
    # Sequential.add after the kernel was fetched: the assign was lost (the layer had moved to a new buffer)
    x, y = _data(1)
    model = Sequential([layers.Input((3,)), layers.Dense(4, name="d")], name="s")
    dense = model.layers[0]
    kernel = dense.kernel
    model.add(layers.Dense(1, name="out"))
    kernel.assign(np.ones((3, 4)))
    np.testing.assert_array_equal(dense.kernel.numpy(), np.ones((3, 4)))
    out_kernel, out_bias = model.layers[1].get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), (x @ np.ones((3, 4)) + dense.bias.numpy()) @ out_kernel
                               + out_bias, rtol=1e-5, atol=1e-6)
    model.compile(optimizer=glassnet.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    assert not np.allclose(dense.kernel.numpy(), 1)
    np.testing.assert_array_equal(kernel.numpy(), dense.kernel.numpy())
    assert kernel.path == "s/d/kernel"


def test_a_custom_loop_on_variables_held_across_nesting_steps_the_layer():
    # optimizer.apply_gradients(zip(grads, variables)) with variables fetched before base was nested: the step
    # is written through them, into the arrays the outer model computes with
    x, y = _data(2)
    base = _base()
    variables = base.layers[0].trainable_weights
    model = _nested_sequential(base)
    model.compile(loss="mse")
    feat = base.layers[0]
    before = [w.numpy() for w in feat.trainable_weights]
    grads = model.gradients(x, y)[:2]
    glassnet.optimizers.SGD(0.5).apply_gradients(zip(grads, variables))
    for w, start, g in zip(feat.trainable_weights, before, grads, strict=True):
        np.testing.assert_allclose(w.numpy(), start - 0.5 * g, rtol=1e-6)



def test_a_custom_loop_step_on_a_variable_held_across_nesting_keeps_the_layers_constraint():
    # the step landed in the layer's array, but its constraint was skipped (the identity check saw another
    # array than the one the layer now hands out): a non_neg kernel reached -1719
    x, y = _data(3)
    base = Sequential([layers.Input((3,)), layers.Dense(4, name="feat", kernel_constraint="non_neg")], name="base")
    kernel = base.layers[0].kernel
    model = _nested_sequential(base)
    model.compile(loss="mse")
    grads = model.gradients(x, y)[:1]
    glassnet.optimizers.SGD(1e4).apply_gradients(zip([np.abs(grads[0]) + 1.0], [kernel]))
    assert base.layers[0].kernel.numpy().min() == 0.0

def test_assign_add_and_assign_sub_refuse_another_shape_as_assign():
    kernel = Sequential([layers.Input((3,)), layers.Dense(4)]).layers[0].kernel
    with pytest.raises(ValueError, match=r"The variable 'kernel' has shape \(3, 4\); assign_add got a value of shape "
                                         r"\(2, 2\)\."):
        kernel.assign_add(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"The variable 'kernel' has shape \(3, 4\); assign_sub got a value of shape "
                                         r"\(5, 3, 4\)\."):
        kernel.assign_sub(np.ones((5, 3, 4)))
    kept = kernel.numpy()
    kernel.assign_add(np.ones(4))  # (a value broadcasting to the shape, as assign takes)
    kernel.assign_sub(2.0)
    np.testing.assert_allclose(kernel.numpy(), kept - 1, rtol=1e-6)


def test_copies_and_views_are_plain_arrays():
    # Keras's variable.numpy() and the arrays computed from it carry no variable's name; glassnet's copies and views
    # were Variables with name None and path None, whose assign wrote into the copy
    kernel = Sequential([layers.Input((3,)), layers.Dense(4)]).layers[0].kernel
    derived = [kernel.copy(), copy.copy(kernel), copy.deepcopy(kernel), kernel.astype("float64"), kernel.T,
               kernel.reshape(-1), kernel.ravel(), kernel.transpose(), kernel.flatten(), kernel.view(), kernel.mT,
               np.reshape(kernel, -1), kernel * 2, kernel[0], kernel[:, 1:], pickle.loads(pickle.dumps(kernel))]
    assert [type(a) for a in derived] == [np.ndarray] * len(derived)
    assert kernel.T.shape == (4, 3) and kernel.astype("float64").dtype == np.float64
    assert kernel.tolist() == kernel.numpy().tolist() and str(kernel) == str(kernel.numpy())


def test_an_in_place_operator_keeps_the_variable():
    # `k += 1` rebound k to a plain ndarray (the write did land): k is layer.kernel became False, k.path failed
    model = Sequential([layers.Input((3,)), layers.Dense(4, name="d")], name="s")
    dense = model.layers[0]
    kernel = dense.kernel
    start = kernel.numpy()
    kernel += 1
    kernel *= 2
    assert kernel is dense.kernel and kernel.path == "s/d/kernel"
    assert np.maximum(kernel, 0, out=kernel) is kernel and np.clip(kernel, -1, 1, out=kernel) is kernel
    np.testing.assert_allclose(dense.kernel.numpy(), np.clip((start + 1) * 2, 0, 1), rtol=1e-6)


def test_a_variable_that_outlives_its_model_keeps_keras_s_name_and_path():
    # Keras 3.15: ("kernel", "s/d/kernel") for the kernel of a garbage-collected model, and ("kernel", "s/e/kernel")
    # for that of a popped layer; glassnet's read ("W", "W") once the layer was gone
    def kernel_of_a_model_gone():
        model = Sequential([layers.Input((3,)), layers.Dense(2, name="d")], name="s")
        return model.layers[0].kernel

    kernel = kernel_of_a_model_gone()
    gc.collect()
    assert kernel._layer() is None  # (the layer is gone indeed)
    assert (kernel.name, kernel.path, kernel.trainable) == ("kernel", "s/d/kernel", False)
    assert isinstance(kernel, Variable) and kernel.numpy().shape == (3, 2)
    model = Sequential([layers.Input((3,)), layers.Dense(4, name="d"), layers.Dense(2, name="e")], name="s")
    popped = model.layers[1].kernel
    model.pop()
    assert (popped.name, popped.path) == ("kernel", "s/e/kernel")
