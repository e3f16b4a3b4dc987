"""``model.output_gradients(x, dy)``, the vector–Jacobian product of the outputs (saliency maps,
integrated gradients), against finite differences and Keras; the batch mean of ``input_gradients``;
``layer.activation = ...`` after construction; ``plot_weights`` of a layer."""

import pickle

import numpy as np
import pytest

from glassnet import activations, layers, losses, plots
from glassnet.models import Model, Sequential


def _network(seed=0):
    """Dense/ReLU, batch normalization, dropout and a softmax output, in float64, with non-trivial moving
    statistics (so that the inference pass differs from the training one)."""
    model = Sequential([layers.Input((4,)), layers.Dense(6, activation="relu"), layers.BatchNormalization(),
                        layers.Dropout(0.3), layers.Dense(5, activation="tanh"), layers.Dense(3, activation="softmax")],
                       dtype="float64", seed=seed)
    bn = model.layers[1]
    bn.moving_mean[...] = np.linspace(-0.2, 0.3, 6)
    bn.moving_variance[...] = np.linspace(0.5, 2.0, 6)
    return model


def _central_differences(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def test_output_gradients_equal_central_differences(rng):
    model = _network()
    x, dy = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    before = [w.copy() for w in model.get_weights()]
    gradient = model.output_gradients(x, dy)  # not compiled: no loss is needed
    expected = _central_differences(lambda x: np.sum(model.predict(x, verbose=0) * dy), x)
    np.testing.assert_allclose(gradient, expected, rtol=1e-7, atol=1e-10)
    for w, w0 in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, w0)  # moving statistics untouched
    # one row of dy for every row: the saliency map of class 1, each row its own ∂p_1(x_i)/∂x_i
    saliency = model.output_gradients(x, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(saliency, _central_differences(lambda x: model.predict(x, verbose=0)[:, 1].sum(), x),
                               rtol=1e-7, atol=1e-10)


def test_output_gradients_in_training_mode_repeat_and_leave_the_model_as_it_was(rng):
    model = _network()
    x, dy = rng.normal(size=(8, 4)), rng.normal(size=(8, 3))
    before = [w.copy() for w in model.get_weights()]
    first, second = (model.output_gradients(x, dy, training=True) for _ in range(2))
    np.testing.assert_array_equal(first, second)  # the dropout generator put back
    assert not np.allclose(first, model.output_gradients(x, dy))
    for w, w0 in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, w0)


def test_output_gradients_equal_keras_jax_grad(keras64, rng):
    keras, jax = keras64, pytest.importorskip("jax")
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"), keras.layers.Dropout(0.3),
                               keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(3, activation="softmax")])
    ours = Sequential([layers.Input((4,)), layers.Dense(6, activation="relu"), layers.Dropout(0.3),
                       layers.Dense(5, activation="tanh"), layers.Dense(3, activation="softmax")], dtype="float64")
    ours.set_weights(theirs.get_weights())
    x, dy = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    expected = jax.grad(lambda x: jax.numpy.sum(theirs(x, training=False) * dy))(jax.numpy.asarray(x))
    np.testing.assert_allclose(ours.output_gradients(x, dy), expected, rtol=1e-12, atol=1e-15)


def test_a_hidden_units_gradient_through_a_feature_extractor(rng):
    model = _network()
    hidden = model.layers[0]
    extractor = Model(model.inputs, hidden.output)
    x = rng.normal(size=(7, 4))
    gradient = extractor.output_gradients(x, np.eye(6)[2])
    W, b = hidden.get_weights()
    # ∂ relu(x W + b)_2 / ∂x = 1[z_2 > 0] W[:, 2], by hand
    np.testing.assert_allclose(gradient, ((x @ W + b)[:, [2]] > 0) * W[:, 2], rtol=1e-15, atol=0)


def test_integrated_gradients_add_up_to_the_change_of_the_output(rng):
    model = _network()
    x, baseline, k, steps = rng.normal(size=(3, 4)), np.zeros((3, 4)), 2, 400
    path = [baseline + t * (x - baseline) for t in (np.arange(steps) + 0.5) / steps]
    attributions = (x - baseline) * np.mean([model.output_gradients(p, np.eye(3)[k]) for p in path], axis=0)
    change = model.predict(x, verbose=0)[:, k] - model.predict(baseline, verbose=0)[:, k]
    np.testing.assert_allclose(attributions.sum(axis=1), change, rtol=1e-3, atol=1e-5)  # midpoint rule's error


def test_input_gradients_are_the_mean_losss_gradient(rng):
    """The loss's gradient is the batch mean's: ``len(x)`` times it is the per-sample map, which a summed
    loss gives as it is, and which ``output_gradients`` gives for ``dy = ∂loss_i/∂p = -onehot(y)/p``."""
    model = _network()
    x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, 6)
    model.compile(loss="sparse_categorical_crossentropy")
    mean = model.input_gradients(x, y)
    model.compile(loss=losses.SparseCategoricalCrossentropy(reduction="sum"))
    np.testing.assert_allclose(len(x) * mean, model.input_gradients(x, y), rtol=1e-13, atol=1e-16)
    p = model.predict(x, verbose=0)
    per_sample = model.output_gradients(x, -np.eye(3)[y] / p)
    np.testing.assert_allclose(len(x) * mean, per_sample, rtol=1e-12, atol=1e-16)


def test_dy_of_another_shape_is_refused(rng):
    model = _network()
    x = rng.normal(size=(5, 4))
    with pytest.raises(ValueError, match=r"dy must have the outputs' shape \(5, 3\), or \(3,\) for every row alike. "
                                         r"Received an array of shape \(5, 4\)"):
        model.output_gradients(x, np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"Received an array of shape \(5,\)"):
        model.output_gradients(x, np.ones(5))
    with pytest.raises(TypeError, match="training"):
        model.output_gradients(x, np.ones(3), training="yes")


def test_integer_inputs_have_no_output_gradient():
    model = Sequential([layers.Input((3,)), layers.Embedding(10, 2), layers.Flatten(), layers.Dense(1)])
    with pytest.raises(TypeError, match="output_gradients: the first layer, .* takes integer inputs"):
        model.output_gradients(np.array([[1, 2, 3]]), np.ones(1))


def test_assigning_a_layers_activation_takes_names_and_functions(rng):
    """Keras's "replace the softmax by a linear output" idiom for logit saliency: a name or a function
    assigned after construction is resolved as the constructor's argument."""
    model = _network()
    x = rng.normal(size=(4, 4))
    last = model.layers[-1]
    hidden = Model(model.inputs, model.layers[-2].output).predict(x, verbose=0)
    W, b = last.get_weights()
    last.activation = "linear"
    assert isinstance(last.activation, activations.Linear)
    np.testing.assert_allclose(model.predict(x, verbose=0), hidden @ W + b, rtol=1e-14)
    np.testing.assert_allclose(model.output_gradients(x, np.eye(3)[0]),
                               _central_differences(lambda x: model.predict(x, verbose=0)[:, 0].sum(), x),
                               rtol=1e-7, atol=1e-10)
    last.activation = lambda z: 2 * z  # a plain function, as Dense(activation=f) takes it
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * (hidden @ W + b), rtol=1e-14)
    relu = layers.Activation("tanh")
    relu.activation = "relu"
    np.testing.assert_array_equal(relu(np.array([[-1.0, 2.0]])), [[0.0, 2.0]])
    with pytest.raises(ValueError, match="no_such_thing"):
        last.activation = "no_such_thing"
    with pytest.raises(ValueError, match="Dense cannot use the activation 'glu'"):
        last.activation = "glu"
    last.activation = "softmax"
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(copy.predict(x, verbose=0), model.predict(x, verbose=0), rtol=0)
    assert isinstance(copy.layers[-1].activation, activations.Softmax)


def test_plot_weights_takes_a_dense_layer(rng):
    pytest.importorskip("matplotlib")
    model = Sequential([layers.Input((16,)), layers.Dense(3)], seed=1)
    figure = plots.plot_weights(model.layers[0])
    images = [image.get_array() for axes in figure.axes for image in axes.images]
    assert len(images) == 3
    for j, image in enumerate(images):
        np.testing.assert_array_equal(image, model.layers[0].kernel[:, j].reshape(4, 4))
    with pytest.raises(ValueError, match="the Dense layer has none yet: build or fit its model first"):
        plots.plot_weights(layers.Dense(3))
    with pytest.raises(ValueError, match="a layer with weights W; the Dropout layer 'drop' has none."):
        plots.plot_weights(layers.Dropout(0.2, name="drop"))
