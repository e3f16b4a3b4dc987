"""Weight penalties called as Keras calls them (glassnet/regularizers.py)."""

import numpy as np
import pytest

from glassnet import regularizers

W = np.array([[1.0, -2.0], [3.0, 0.5]])


@pytest.mark.parametrize("regularizer, keras", [
    # keras.regularizers.<...>(x=W) on Keras 3.15.1 / JAX (float32): 0.35, 0.065, 0.1425, 0.0
    (regularizers.L1L2(l1=0.01, l2=0.02), 0.35),
    (regularizers.L1(), 0.065),
    (regularizers.L2(), 0.1425),
    (regularizers.L1L2(), 0.0),
])
def test_penalty_takes_kerass_keyword_x(regularizer, keras):
    # regularizer(x=W) was "TypeError: L1L2.__call__() got an unexpected keyword argument 'x'"
    assert regularizer(x=W) == pytest.approx(keras, rel=1e-12, abs=1e-15)
    assert regularizer(W) == regularizer(x=W)


def test_keras_class_names_and_defaults():
    # Keras 3: L1().get_config() == {"l1": 0.01}, L2() {"l2": 0.01}, L1L2() {"l1": 0.0, "l2": 0.0}
    assert regularizers.L1().get_config() == {"l1": 0.01}
    assert regularizers.L2().get_config() == {"l2": 0.01}
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.l1 is regularizers.L1 and regularizers.l2 is regularizers.L2 and regularizers.l1_l2 is regularizers.L1L2


def test_a_frozen_layer_s_penalty_is_not_in_the_loss_as_keras():
    # Keras adds the regularizers of trainable weights only: a frozen base's penalty is a constant
    # that glassnet added to every reported loss (4.40 where Keras reported 1.70)
    import glassnet
    from glassnet import layers, models

    model = models.Sequential([
        layers.Dense(2, input_dim=2, kernel_initializer="ones", kernel_regularizer=regularizers.L2(0.5)),
        layers.Dense(1, kernel_initializer="ones", kernel_regularizer=regularizers.L1(0.25))])
    model.compile(optimizer="sgd", loss="mse")
    X, y = np.array([[1.0, 0.0]]), np.array([[0.0]])
    data_loss = 2.0**2  # the output is 1 + 1 = 2
    assert model.evaluate(X, y) == pytest.approx(data_loss + 0.5 * 4 + 0.25 * 2)
    model.layers[0].trainable = False
    assert model.evaluate(X, y) == pytest.approx(data_loss + 0.25 * 2)
    assert model.train_on_batch(X, y) == pytest.approx(data_loss + 0.25 * 2)
    assert glassnet.check_gradients(model, X, y).passed()  # the frozen layer's ∂J/∂W leaves the penalty out too


def test_model_and_layer_losses_list_the_penalties_as_keras():
    # Keras's model.losses: one penalty per regularized trainable weight, in the layers' order
    from glassnet import layers, models

    model = models.Sequential([
        layers.Dense(2, input_dim=2, kernel_initializer="ones", bias_initializer="ones",
                     kernel_regularizer=regularizers.L2(0.5), bias_regularizer=regularizers.L1(0.1)),
        layers.Dense(1, kernel_initializer="ones"),
        layers.Dense(1, kernel_initializer="ones", kernel_regularizer=regularizers.L1(0.25))])
    assert model.losses == pytest.approx([0.5 * 4, 0.1 * 2, 0.25 * 1])
    assert model.layers[0].losses == pytest.approx([2.0, 0.2]) and model.layers[1].losses == []
    model.layers[0].trainable = False  # a frozen layer's penalties are not in the loss (as Keras)
    assert model.losses == pytest.approx([0.25])
    model.compile(optimizer="sgd", loss="mse")
    X, y = np.array([[1.0, 0.0]]), np.array([[0.0]])
    assert model.evaluate(X, y) == pytest.approx((2 * 2) ** 2 + sum(model.losses))  # output (1+1)+(1+1) = 4


@pytest.mark.parametrize("x, l1, l2", [
    # exact float64 sums by hand: Σ|x| and Σx²
    (np.array([100, 100], dtype=np.int8), 200.0, 20000.0),  # int8 squares wrapped: 100² became 16
    (np.array([-128, -128], dtype=np.int8), 256.0, 32768.0),  # |−128| stayed −128: a negative penalty
    (np.array([200], dtype=np.uint8), 200.0, 40000.0),
    (np.array([True, True, True]), 3.0, 3.0),  # a boolean dot product or's: ΣW² was 1
    (np.full(1024, 10.0, dtype=np.float16), 10240.0, 102400.0),  # float16 sums overflowed to inf at 65504
    (np.full(70000, 1.0, dtype=np.float16), 70000.0, 70000.0),
])
def test_penalty_is_summed_without_overflow_in_the_weights_dtype(x, l1, l2):
    assert regularizers.L1(1.0)(x) == pytest.approx(l1, rel=1e-12)
    assert regularizers.L2(1.0)(x) == pytest.approx(l2, rel=1e-12)
    assert regularizers.L1L2(0.5, 0.25)(x) == pytest.approx(0.5 * l1 + 0.25 * l2, rel=1e-12)


@pytest.mark.parametrize("regularizer, expected", [
    (regularizers.L1(0.1), [0.055, 0.34]),
    (regularizers.L1L2(0.1, 0.01), [0.055, 0.3394]),
])
def test_an_l1_step_leaves_a_zero_weight_to_the_data_gradient(regularizer, expected):
    # one SGD(0.1) step from the kernel (0, 0.3): Keras 3.15 on the torch backend (and PyTorch, TensorFlow),
    # with |x|' = 0 at 0, gives these; on JAX, whose |x|' is 1 at 0, the zero entry goes to 0.045
    # (see "Differences from Keras")
    from glassnet import layers, models, optimizers

    model = models.Sequential([layers.Input((2,)), layers.Dense(1, kernel_regularizer=regularizer)], dtype="float64")
    model.set_weights([np.array([[0.0], [0.3]]), np.array([0.0])])
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    model.fit(np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([[1.0], [0.0]]), batch_size=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.get_weights()[0].ravel(), expected, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], [0.07], rtol=1e-12)

def test_gradient_of_integer_weights_is_the_float_gradient():
    # an int64 array or a list of ints was a raw "Cannot cast ufunc 'multiply' output from float64 to int64"
    W_int = np.array([[-3, 0, 2]])
    expected = 0.5 * np.sign(W_int) + 2 * 0.25 * W_int  # by hand: l1·sign(W) + 2·l2·W
    for W in (W_int, W_int.tolist(), W_int.astype(np.int8)):
        grad = regularizers.L1L2(l1=0.5, l2=0.25).gradient(W)
        assert grad.dtype == np.float64
        np.testing.assert_array_equal(grad, expected)
    assert regularizers.L2(1.0).gradient(np.array([3.0], np.float16)).dtype == np.float16  # floats keep their dtype
    with pytest.raises(TypeError, match="W must contain numbers"):
        regularizers.L2().gradient(np.array(["a"]))


def test_a_keras_style_subclass_without_gradient_says_what_to_add():
    # Keras's custom regularizer defines __call__ only; fit ended in a bare NotImplementedError
    from glassnet import layers, models

    class SumOfSquares(regularizers.Regularizer):
        def __call__(self, x):
            return 0.1 * float(np.sum(x**2))

    model = models.Sequential([layers.Input((3,)), layers.Dense(2, kernel_regularizer=SumOfSquares())])
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(NotImplementedError, match=r"SumOfSquares has no gradient\(W\).*2 \* l2 \* W"):
        model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
