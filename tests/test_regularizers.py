"""Weight penalties called as Keras calls them (glassnet/regularizers.py)."""

import numpy as np
import pytest

import glassnet
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


# -- OrthogonalRegularizer (Keras 3.15's) ----------------------------------------------------------------------

def _orthogonal_weights():
    rng = np.random.default_rng(3)
    return {"rows": rng.normal(size=(5, 3)), "columns": rng.normal(size=(4, 6))}


#: keras.regularizers.OrthogonalRegularizer(factor, mode)(W) of those weights (Keras 3.15, JAX with
#: JAX_ENABLE_X64, float64); jax.grad of it equals glassnet's gradient to 2e-17
KERAS_ORTHOGONAL = {("rows", 0.01): 0.005225699664493695, ("rows", 0.3): 0.15677098993481084,
                    ("columns", 0.01): 0.004092399415305796, ("columns", 0.3): 0.12277198245917388}


@pytest.mark.parametrize("mode, factor", KERAS_ORTHOGONAL)
def test_orthogonal_penalty_is_keras_s_and_its_gradient_the_finite_differences(mode, factor):
    W = _orthogonal_weights()[mode]
    regularizer = regularizers.OrthogonalRegularizer(factor, mode)
    assert regularizer(W) == pytest.approx(KERAS_ORTHOGONAL[mode, factor], rel=1e-10)
    numeric, h = np.zeros_like(W), 1e-6
    for index in np.ndindex(W.shape):
        step = np.zeros_like(W)
        step[index] = h
        numeric[index] = (regularizer(W + step) - regularizer(W - step)) / (2 * h)
    np.testing.assert_allclose(regularizer.gradient(W), numeric, rtol=0, atol=1e-9 * max(1.0, factor * 100))


def test_orthogonal_penalty_by_hand():
    # cosines 0 between orthogonal rows: no penalty; two parallel rows: one pair of |cos| = 1,
    # factor · ½ · (1 + 1) / 1 = factor; columns of W are the rows of Wᵀ
    Q = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))[0][:3] * [[1.0], [2.0], [0.5]]
    assert regularizers.OrthogonalRegularizer(0.2)(Q) == pytest.approx(0.0, abs=1e-15)
    assert regularizers.OrthogonalRegularizer(0.2)(np.array([[1.0, 2.0], [-2.0, -4.0]])) == pytest.approx(0.2)
    W = _orthogonal_weights()["columns"]
    by_rows, by_columns = regularizers.OrthogonalRegularizer(0.1), regularizers.OrthogonalRegularizer(0.1, "columns")
    assert by_columns(W) == pytest.approx(by_rows(W.T), rel=1e-15)
    np.testing.assert_allclose(by_columns.gradient(W), by_rows.gradient(W.T).T, rtol=1e-15)


def test_orthogonal_regularizer_names_config_and_bad_arguments():
    made = regularizers.OrthogonalRegularizer()
    assert made.get_config() == {"factor": 0.01, "mode": "rows"}  # Keras's defaults and config
    for name in ("orthogonal_regularizer", "OrthogonalRegularizer"):
        assert type(regularizers.get(name)) is regularizers.OrthogonalRegularizer
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer
    again = regularizers.deserialize(regularizers.serialize(regularizers.OrthogonalRegularizer(0.5, "columns")))
    assert (type(again), again.factor, again.mode) == (regularizers.OrthogonalRegularizer, 0.5, "columns")
    with pytest.raises(ValueError, match="factor"):
        regularizers.OrthogonalRegularizer(-1.0)
    with pytest.raises(ValueError, match="mode must be 'rows' or 'columns'. Received: mode='diag'"):
        regularizers.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match=r"rank-2 weights.*Received inputs of shape \(3,\)"):
        made(np.ones(3))
    with pytest.raises(ValueError, match=r"at least two rows.*shape \(1, 4\) has 1 \(Keras's penalty is 0/0, NaN\)"):
        made.gradient(np.ones((1, 4)))


def test_orthogonal_regularizer_trains_with_exact_gradients_and_is_saved(tmp_path):
    import glassnet
    from glassnet.layers import Dense, Input
    from glassnet.models import Sequential, load_model

    model = Sequential([Input((4,)), Dense(5, activation="tanh",
                                           kernel_regularizer=regularizers.OrthogonalRegularizer(0.5, "columns")),
                        Dense(2, kernel_regularizer="orthogonal_regularizer")], seed=1)
    model.compile("sgd", "mse")
    X, y = np.random.default_rng(1).normal(size=(6, 4)), np.random.default_rng(2).normal(size=(6, 2))
    assert glassnet.check_gradients(model, X, y).passed()
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert repr(loaded.layers[0].kernel_regularizer) == "OrthogonalRegularizer(factor=0.5, mode='columns')"
    assert loaded.evaluate(X, y, verbose=0) == model.evaluate(X, y, verbose=0)


def test_a_layer_of_yours_that_overrides_regularization_penalty_adds_it_to_the_loss():
    # the model used to look for known regularizer attributes (kernel_regularizer, ...) before adding a
    # layer's penalty: one of yours with its own penalty and none of those names added nothing
    class Penalized(glassnet.layers.Layer):
        def forward(self, X, training=False):
            return X

        def backward(self, dY):
            return dY

        def regularization_penalty(self):
            return 0.25

    X, Y = np.ones((4, 2)), np.zeros((4, 1))
    model = glassnet.models.Sequential([glassnet.layers.Input((2,)), Penalized(), glassnet.layers.Dense(1)],
                                       dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    mse = float(np.mean((model.predict(X, verbose=0) - Y) ** 2))
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(mse + 0.25, rel=1e-12)


@pytest.mark.parametrize("n", [1, 320, 1023, 1024, 25_088, 1 << 16, 300_000])
@pytest.mark.parametrize("spread", [0.05, 0.0])  # random weights, and equal ones (the worst case of a long dot)
def test_l2_penalty_of_float32_weights_keeps_float32_precision_at_every_size(n, spread):
    # below 1024 weights one dot (a small layer's step could not afford the rows' 5 µs), from there dots of rows
    # of 1024 summed in float64: either way within float32's own rounding of the exact sum (one dot of 2^16
    # equal weights was 1.4e-5 off)
    rng = np.random.default_rng(n)
    W = (rng.standard_normal(n) * spread + 0.1).astype(np.float32)
    exact = float(np.dot(W.astype(np.float64), W.astype(np.float64)))
    for given in (W, W.reshape(-1, 1), np.asarray(W).view(np.memmap)):
        assert regularizers.L2(0.5)(given) == pytest.approx(0.5 * exact, rel=2e-7)
        assert regularizers.L1L2(l1=0.25, l2=0.5)(given) == pytest.approx(
            0.25 * float(np.abs(W.astype(np.float64)).sum()) + 0.5 * exact, rel=2e-7)


class _NotFinite(regularizers.Regularizer):
    """A penalty of ``value`` (NaN or inf) whatever the weights, as a user's regularizer with a bug."""

    def __init__(self, value):
        self.value = value

    def __call__(self, x):
        return np.float32(self.value)

    def add_gradient(self, x, grad, tmp):
        pass


@pytest.mark.parametrize("argument, value, of", [("activity_regularizer", np.nan, r"output of shape \(8, 2\)"),
                                                 ("kernel_regularizer", np.inf, r"kernel of shape \(3, 2\)"),
                                                 ("bias_regularizer", np.nan, r"bias of shape \(2,\)")])
def test_a_penalty_not_finite_at_fit_s_first_step_names_the_regularizer(argument, value, of):
    # fit stopped with "Training diverged ... Try a lower learning rate" and an empty history: no step had been made
    X, y = np.random.default_rng(0).normal(size=(8, 3)), np.zeros((8, 2))
    model = glassnet.models.Sequential([glassnet.layers.Input((3,)),
                                        glassnet.layers.Dense(2, **{argument: _NotFinite(value)})])
    model.compile("sgd", "mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=fr"The {argument} .* of layer 'dense' returned {value} for the layer's {of}, "
                                         "all finite, at fit's first step"):
        model.fit(X, y, verbose=0)
    for w, w0 in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, w0)


def test_a_penalty_of_weights_already_not_finite_is_still_a_divergence():
    # the weights, not the regularizer, are at fault: fit's divergence warning, as before
    X, y = np.random.default_rng(0).normal(size=(8, 3)), np.zeros((8, 2))
    model = glassnet.models.Sequential([glassnet.layers.Input((3,)), glassnet.layers.Dense(2, kernel_regularizer="l2")])
    model.compile("sgd", "mse")
    model.set_weights([np.full((3, 2), np.inf), np.zeros(2)])
    with pytest.warns(glassnet.models.DivergenceWarning, match="Training diverged"):
        model.fit(X, y, verbose=0)


def test_an_orthogonal_penalty_of_a_zero_row_warns_nothing():
    # 1/‖x‖ of a zero row was computed first: "RuntimeWarning: divide by zero encountered in divide" at
    # every call and every training step, where Keras's rsqrt is quiet (Keras 3.15: 0.117851130 for these)
    W = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]])
    reg = regularizers.OrthogonalRegularizer(0.5)
    with np.errstate(all="raise"):
        assert reg(W) == pytest.approx(0.5 * 5 / np.sqrt(50) / 3, rel=1e-14)  # one pair, cos = 5/√50, of 3
        assert np.isfinite(reg.gradient(W)).all()
        assert regularizers.OrthogonalRegularizer(0.5, mode="columns")(np.zeros((3, 2))) == 0.0


@pytest.mark.parametrize("name, arguments, config", [
    ("L1", {"l1": None}, {"l1": 0.01}), ("L2", {"l2": None}, {"l2": 0.01}),
    ("L1L2", {"l1": None, "l2": None}, {"l1": 0.0, "l2": 0.0}), ("L1L2", {"l1": 0.5, "l2": None}, {"l1": 0.5, "l2": 0.0}),
])
def test_a_factor_of_none_is_kerass_default(name, arguments, config):
    # Keras 3.15 reads None as the default (L1(None).get_config() == {"l1": 0.01}, L1L2(None, None) 0 each);
    # glassnet raised "TypeError: l1 must be a number. Received: l1=None"
    assert getattr(regularizers, name)(**arguments).get_config() == config
