import warnings

import numpy as np
import pytest

import glassnet
from glassnet import activations, losses
from glassnet.layers import BatchNormalization, Dense, Dropout
from glassnet.models import Sequential


def _targets(kind, rng, n, k):
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "unit":
        return rng.uniform(size=(n, k))
    if kind == "onehot":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if kind == "labels":
        return rng.integers(0, k, size=n)
    if kind == "signs":
        return rng.choice([-1.0, 1.0], size=(n, k))
    raise AssertionError(kind)


# (loss, natural output activation, kind of targets)
CASES = [
    ("mean_squared_error", "linear", "real"),
    ("squared_error", "linear", "real"),
    ("mean_absolute_error", "linear", "real"),
    ("huber", "linear", "real"),
    ("mean_absolute_percentage_error", "linear", "real"),
    ("mean_squared_logarithmic_error", "softplus", "unit"),
    ("mean_squared_logarithmic_error", "linear", "unit"),  # outputs below 1e-7: the clipped, flat part
    ("poisson", "exponential", "unit"),
    ("log_cosh", "linear", "real"),
    ("kld", "softmax", "onehot"),
    ("kl_divergence", "sigmoid", "unit"),  # outputs that do not sum to 1: the gradient of every output
    ("cosine_similarity", "linear", "real"),
    ("squared_hinge", "linear", "signs"),
    ("categorical_hinge", "linear", "onehot"),
    ("binary_crossentropy", "sigmoid", "unit"),        # fused: delta = a - y
    ("binary_crossentropy", "softmax", "unit"),        # the unfused gradient
    ("categorical_crossentropy", "softmax", "onehot"),  # fused: delta = a - y
    ("categorical_crossentropy", "sigmoid", "onehot"),  # the unfused gradient
    ("sparse_categorical_crossentropy", "softmax", "labels"),
    ("binary_focal_crossentropy", "sigmoid", "unit"),
    ("categorical_focal_crossentropy", "softmax", "onehot"),
    ("categorical_generalized_cross_entropy", "softmax", "labels"),
    ("hinge", "linear", "signs"),
    ("perceptron", "linear", "signs"),
    ("log_loss", "linear", "signs"),
    ("nll", "log_softmax", "onehot"),
    ("multiclass_hinge", "linear", "onehot"),
    ("max_margin", "linear", "onehot"),
    ("dice", "sigmoid", "unit"),  # one loss for the whole batch (axis=None)
    ("dice", "softmax", "onehot"),
    ("tversky", "sigmoid", "unit"),
    ("circle", "linear", "labels"),  # one loss of the batch's pairs; outputs not unit-norm: D clipped at 0 too
]


def test_every_registered_loss_has_a_gradient_check_case():
    # a loss added to losses.LOSSES without a CASES entry would go unchecked (SPEC A9: every loss passes it)
    missing = {cls.__name__ for cls in losses.LOSSES.values()} - {type(losses.get(case[0])).__name__ for case in CASES}
    assert not missing, f"add a (loss, output activation, targets) case to CASES for {sorted(missing)}"


@pytest.mark.parametrize("loss, activation, kind", CASES)
def test_every_loss_passes_the_gradient_check(loss, activation, kind, rng):
    n, n_in, k = 6, int(rng.integers(2, 5)), 3
    model = Sequential([Dense(4, activation="tanh", input_dim=n_in), Dense(k, activation=activation)], dtype="float64")
    model.compile(loss=loss, optimizer="sgd")
    X = rng.normal(size=(n, n_in))
    result = glassnet.check_gradients(model, X, _targets(kind, rng, n, k))
    assert result.max_error < 1e-6, str(result)


def test_sample_weights_enter_loss_and_gradient(rng):
    model = Sequential([Dense(3, activation="softmax", input_dim=2)], dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    X, Y = rng.normal(size=(5, 2)), np.eye(3)[[0, 1, 2, 0, 1]]
    w = np.array([1.0, 0.0, 2.0, 0.5, 1.0])
    result = glassnet.check_gradients(model, X, Y, sample_weight=w)
    assert result.max_error < 1e-6
    # Weight 2 on a sample counts as that sample twice (sum over batch size).
    A = model.predict(X)
    per = -np.log(A[np.arange(5), [0, 1, 2, 0, 1]])
    assert losses.get("categorical_crossentropy")(Y, A, w) == pytest.approx(np.dot(per, w) / 5)


class _Quartic(glassnet.regularizers.Regularizer):
    """A user's own penalty 0.01·ΣW⁴: only __call__ and gradient, as docs/api.md says."""

    def __call__(self, W):
        return 0.01 * float(np.sum(W**4))

    def gradient(self, W):
        return 0.04 * W**3

    def get_config(self):
        return {}


@pytest.mark.parametrize(
    "regularizer", ["l1", "l2", glassnet.regularizers.L1L2(l1=0.03, l2=0.02), _Quartic()],
    ids=["l1", "l2", "l1_l2", "custom"],
)
def test_dense_with_each_regularizer_passes_the_gradient_check(regularizer, rng):
    model = Sequential(
        [Dense(4, activation="tanh", input_dim=3, kernel_regularizer=regularizer, bias_regularizer=regularizer),
         Dense(1, kernel_regularizer=regularizer)],
        dtype="float64",
    )
    model.compile(loss="mse", optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(5, 3)), rng.normal(size=(5, 1)))
    assert result.max_error < 1e-6, str(result)
    if isinstance(regularizer, _Quartic):
        return
    # seed 001: C = C0 + λ Σ w² (L2) or λ Σ |w| (L1), λ as given, without a ½
    config = glassnet.regularizers.serialize(glassnet.regularizers.get(regularizer))["config"]
    l1, l2 = config.get("l1", 0.0), config.get("l2", 0.0)
    arrays = [model.layers[0].params["W"], model.layers[0].params["b"], model.layers[1].params["W"]]
    expected = sum(l1 * np.abs(a).sum() + l2 * (a * a).sum() for a in arrays)
    assert model.regularization_penalty() == pytest.approx(expected, rel=1e-12) and expected > 0


def test_the_l2_penalty_of_many_float32_weights_is_summed_accurately(rng):
    # One float32 dot over 10^7 weights of 0.1 gave 100077.7 for 100000; Keras's sum is
    # within 5e-8. The reference: each float32 weight squared and summed in float64.
    for W in (np.full(10**7, 0.1, np.float32), rng.normal(size=(1001, 1003)).astype(np.float32)):
        expected = np.sum(W.astype(np.float64) ** 2)
        assert glassnet.regularizers.L2(1.0)(W) == pytest.approx(expected, rel=1e-7)
        penalty = glassnet.regularizers.L1L2(l1=0.5, l2=0.25)(W)
        assert penalty == pytest.approx(0.5 * np.sum(np.abs(W.astype(np.float64))) + 0.25 * expected, rel=1e-6)
    for W in (np.zeros(0, np.float32), np.arange(3.0)):  # shorter than one row of the batched dot
        assert glassnet.regularizers.L2(1.0)(W) == np.sum(W**2)
    np.testing.assert_array_equal(glassnet.regularizers.L2(0.25).gradient(W), 0.5 * W)  # unchanged


def test_l1_l2_is_keras_3_s_l1l2_with_no_default_penalty():
    # keras/src/regularizers/regularizers.py: @keras_export(["keras.regularizers.L1L2",
    # "keras.regularizers.l1_l2"]), __init__(self, l1=0.0, l2=0.0); tf.keras's function gave 0.01 each
    regularizers = glassnet.regularizers
    assert regularizers.l1_l2 is regularizers.L1L2
    assert regularizers.l1_l2().get_config() == {"l1": 0.0, "l2": 0.0}
    only_l2 = regularizers.l1_l2(l2=0.1)
    assert only_l2(np.array([1.0, -2.0])) == pytest.approx(0.1 * 5)  # no l1 penalty
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}  # the name, as Keras documents it
    config = regularizers.serialize(only_l2)
    assert config == {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.1}}
    assert regularizers.deserialize(config).get_config() == only_l2.get_config()


def test_batchnorm_in_training_mode_passes_the_gradient_check(rng):
    model = Sequential(
        [Dense(4, input_dim=3, bias_initializer="random_normal"), BatchNormalization(), Dense(2, activation="tanh"),
         BatchNormalization(), Dense(1)],
        dtype="float64",
    )
    model.compile(loss="mse", optimizer="sgd")
    model.build((3,))
    # Non-trivial gamma/beta so their gradients matter.
    weights = model.get_weights()
    weights[2][...] = rng.uniform(0.5, 1.5, size=4)
    weights[3][...] = rng.normal(size=4)
    model.set_weights(weights)
    result = glassnet.check_gradients(model, rng.normal(size=(8, 3)), rng.normal(size=(8, 1)))
    assert result.max_error < 1e-6, str(result)


def test_dropout_with_a_fixed_mask_passes_the_gradient_check(rng):
    model = Sequential([Dense(6, activation="relu", input_dim=3), Dropout(0.5, seed=3), Dense(2)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(7, 3)), rng.normal(size=(7, 2)))
    assert result.max_error < 1e-6, str(result)


def test_the_check_catches_a_wrong_derivative(rng):
    class WrongTanh(glassnet.activations.Tanh):
        def derivative(self, Z, A):
            return 1 - A  # should be 1 - A**2

    model = Sequential([Dense(4, activation=WrongTanh(), input_dim=3), Dense(1)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(5, 3)), rng.normal(size=(5, 1)))
    assert result.max_error > 1e-2
    # Only the layer below the wrong derivative is affected.
    assert result.errors["dense_1/W"] < 1e-6


@pytest.mark.parametrize("name", ["mean_squared_error", "categorical_crossentropy"])
def test_one_pass_losses_equal_their_per_sample_formula(name, rng):
    # MSE and cross-entropy compute a batch's loss without per-sample temporaries;
    # with weights, or in a subclass with its own per_sample, the general formula runs
    loss = losses.get(name)
    for n, k in ((5, 1), (7, 3)):
        A = rng.uniform(0.05, 0.95, size=(n, k))
        Y = rng.uniform(size=(n, k)) if name == "mean_squared_error" else np.eye(k)[rng.integers(0, k, n)]
        assert loss(Y, A) == pytest.approx(float(np.mean(loss.per_sample(Y, A))), rel=1e-14)
        w = rng.uniform(size=n)
        assert loss(Y, A, w) == pytest.approx(float(np.mean(loss.per_sample(Y, A) * w)), rel=1e-14)

    class Doubled(type(loss)):
        def per_sample(self, Y, A):
            return 2 * super().per_sample(Y, A)

    assert Doubled()(Y, A) == pytest.approx(2 * loss(Y, A), rel=1e-14)


def test_loss_values_by_hand():
    y = np.array([[1.0], [0.0]])
    a = np.array([[0.8], [0.4]])
    assert losses.get("mse")(y, a) == pytest.approx((0.04 + 0.16) / 2)
    assert losses.get("squared_error")(y, a) == pytest.approx(0.5 * (0.04 + 0.16) / 2)
    assert losses.get("mae")(y, a) == pytest.approx((0.2 + 0.4) / 2)
    assert losses.get("binary_crossentropy")(y, a) == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    s = np.array([[1.0], [-1.0]])
    z = np.array([[0.3], [0.5]])
    assert losses.get("hinge")(s, z) == pytest.approx((0.7 + 1.5) / 2)
    assert losses.get("perceptron")(s, z) == pytest.approx((0.0 + 0.5) / 2)
    assert losses.get("log_loss")(s, z) == pytest.approx((np.log1p(np.exp(-0.3)) + np.log1p(np.exp(0.5))) / 2)
    assert losses.Huber(delta=1.0)(np.array([[0.0]]), np.array([[3.0]])) == pytest.approx(2.5)
    # Multiclass SVM loss of cs231n's example: scores (3.2, 5.1, -1.7), class 0 -> 2.9.
    assert losses.get("multiclass_hinge")(np.array([[1.0, 0, 0]]), np.array([[3.2, 5.1, -1.7]])) == pytest.approx(2.9)


def test_seed000_error_function_sums_half_squares_over_the_outputs():
    # seed 000, "Fast introduction": E(w) = ½ Σ_{k=1}^m (t_k − y_k)², summed over the m outputs (not their
    # mean, as "mse"), and its gradient ∂E/∂y_k = y_k − t_k, which the delta rule's [t − f(net)] negates.
    # By hand, m = 3: ½ (0.5² + 0.2² + 0.6²) = ½ · 0.65 = 0.325; ½ (0.1² + 0.3² + 0²) = 0.05.
    t = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.2]])
    y = np.array([[0.5, 0.2, -0.1], [0.1, 0.7, 0.2]])
    E = losses.get("squared_error")
    np.testing.assert_allclose(E.per_sample(t, y), [0.325, 0.05], rtol=1e-14)
    assert E(t, y) == pytest.approx((0.325 + 0.05) / 2, rel=1e-14)  # the batch's mean (seed 001: C = (1/n) Σ C_i)
    np.testing.assert_allclose(2 * E.gradient(t, y), y - t, rtol=1e-14)  # per example y − t, over the batch 1/n
    assert losses.get("mse")(t, y) == pytest.approx(2 * E(t, y) / 3, rel=1e-14)  # Keras's mean over the m outputs


def test_seed001_cross_entropy_footnote_tells_0_01_from_0_000000001():
    # seed 001's footnote: the log "can be used to magnify differences between small positive numbers
    # ... miss-classifications of zero with a probability of 0.01 versus ... 0.000000001": the cost of a
    # 1 predicted with probability p is −log p: 2·ln 10 = 4.60517 for 0.01, 9·ln 10 = 20.7233 for 1e-9
    y = np.array([[1.0], [1.0]])
    p = np.array([[0.01], [1e-9]])
    costs = [2 * np.log(10), 9 * np.log(10)]
    exact = losses.BinaryCrossentropy(epsilon=0.0)
    assert [exact(y[i:i + 1], p[i:i + 1]) for i in range(2)] == pytest.approx(costs, rel=1e-12)
    assert exact(y, p) == pytest.approx(np.mean(costs), rel=1e-12)  # C = −(1/n) Σ [y log ŷ + (1 − y) log(1 − ŷ)]
    # a sigmoid output's logit z gives the same without any clip: p = σ(z), z = log(p / (1 − p))
    logits = np.log(p / (1 - p))
    assert losses.BinaryCrossentropy(from_logits=True)(y, logits) == pytest.approx(np.mean(costs), rel=1e-9)
    # the default, Keras's, clips p to [1e-7, 1 − 1e-7]: every p below 1e-7 costs −log 1e-7 = 16.1181
    keras_like = losses.get("binary_crossentropy")
    assert keras_like(y[1:], p[1:]) == keras_like(y[1:], np.array([[1e-7]])) == pytest.approx(16.11809565095832)


def test_seed004_max_margin_and_hinge_margin():
    # Seed 004's MaxMargin [max_{k≠c}(x_k + m) − x_c]_+ counts the strongest wrong class only:
    # scores (1, .5, .8), class 0: max(.5, .8) + 1 − 1 = 0.8 (the summed hinge gives .5 + .8 = 1.3).
    Y, A = np.array([[1.0, 0, 0]]), np.array([[1.0, 0.5, 0.8]])
    assert losses.get("max_margin")(Y, A) == pytest.approx(0.8)
    assert losses.get("multiclass_hinge")(Y, A) == pytest.approx(1.3)
    # ∂E/∂x_s = (δ_{s k*} − δ_{s c}) 1{E > 0}: k* = 2, c = 0
    np.testing.assert_array_equal(losses.get("max_margin").gradient(Y, A), [[-1.0, 0.0, 1.0]])
    # cs231n's scores (3.2, 5.1, -1.7): 5.1 + 1 − 3.2 = 2.9; both forms agree with one violator
    assert losses.get("max_margin")(Y, np.array([[3.2, 5.1, -1.7]])) == pytest.approx(2.9)
    # inside the margin: no loss, no gradient; the margin m is a parameter
    assert losses.MaxMargin(margin=0.1)(Y, np.array([[1.0, 0.5, 0.8]])) == 0.0
    assert not losses.MaxMargin(margin=0.1).gradient(Y, A).any()
    # seed 004's hinge max(0, m − cx), dE/dx = −c 1{cx < m}
    hinge = losses.Hinge(margin=2.0)
    assert hinge(np.array([[1.0]]), np.array([[0.5]])) == pytest.approx(1.5)
    assert hinge.gradient(np.array([[1.0]]), np.array([[0.5]]))[0, 0] == pytest.approx(-1.0)
    assert hinge.gradient(np.array([[-1.0]]), np.array([[-2.5]]))[0, 0] == 0.0
    assert losses.deserialize(losses.serialize(hinge)).margin == 2.0
    assert losses.deserialize(losses.serialize(losses.MaxMargin(margin=0.5))).margin == 0.5
    with pytest.raises(ValueError, match="margin"):
        losses.Hinge(margin=-1)


def test_seed004_appendix_tables_propagation_and_back_propagation_formulas():
    # seed 004's appendix tables, column by column; each row of x is one example (E_i and ∂E_i/∂x_i)
    x, d, c, m = np.array([-2.0, -0.5, 0.3, 1.7]), 0.4, np.array([1.0, -1.0, -1.0, 1.0]), 1.0
    n = len(x)

    def col(v):  # one output per row: E and ∂E/∂x per example (the batch gradient has the 1/n)
        return np.reshape(v, (-1, 1))

    # Square: y = ½(x − d)², ∂E/∂x = (x − d)
    sq = losses.get("squared_error")
    np.testing.assert_allclose(sq.per_sample(col(np.full(n, d)), col(x)), 0.5 * (x - d) ** 2, rtol=1e-15)
    np.testing.assert_allclose(n * sq.gradient(col(np.full(n, d)), col(x))[:, 0], x - d, rtol=1e-15)
    # Log, c = ±1: y = log(1 + e^{−cx}), ∂E/∂x = −c/(1 + e^{cx})
    log = losses.get("log_loss")
    np.testing.assert_allclose(log.per_sample(col(c), col(x)), np.log(1 + np.exp(-c * x)), rtol=1e-14)
    np.testing.assert_allclose(n * log.gradient(col(c), col(x))[:, 0], -c / (1 + np.exp(c * x)), rtol=1e-14)
    # Hinge, c = ±1: y = max(0, m − cx), ∂E/∂x = −c 1{cx < m}
    hinge = losses.Hinge(margin=m)
    np.testing.assert_allclose(hinge.per_sample(col(c), col(x)), np.maximum(0, m - c * x), rtol=1e-15)
    np.testing.assert_allclose(n * hinge.gradient(col(c), col(x))[:, 0], -c * (c * x < m), rtol=1e-15)
    # LogSoftMax, c = 1…k: y = log Σ_k e^{x_k} − x_c, [∂E/∂x]_s = e^{x_s}/Σ_k e^{x_k} − δ_sc
    X, C = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -0.5]]), np.array([2, 0])
    Y = np.eye(3)[C]
    log_softmax, nll = activations.get("log_softmax"), losses.get("nll")
    A = log_softmax(X)
    E = np.log(np.exp(X).sum(axis=1)) - X[np.arange(2), C]
    np.testing.assert_allclose(nll.per_sample(Y, A), E, rtol=1e-14)
    softmax = np.exp(X) / np.exp(X).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(2 * log_softmax.backward(X, A, nll.gradient(Y, A)), softmax - Y, rtol=1e-14, atol=1e-16)
    # the activation table's back-propagation column: sigmoid 1/((1 + e^x)(1 + e^−x)), tanh 1/cosh² x
    sigmoid, tanh = activations.get("sigmoid"), activations.get("tanh")
    np.testing.assert_allclose(sigmoid.derivative(x, sigmoid(x)), 1 / ((1 + np.exp(x)) * (1 + np.exp(-x))), rtol=1e-14)
    np.testing.assert_allclose(tanh.derivative(x, tanh(x)), 1 / np.cosh(x) ** 2, rtol=1e-13)


def test_direct_calls_check_shapes_instead_of_broadcasting():
    mse = losses.get("mse")
    # (4, 1) targets against (4, 2) outputs would broadcast; only a trailing 1 is squeezed or added, as
    # Keras's squeeze_or_expand_to_same_rank (test_a_column_of_targets_against_a_vector_of_outputs_is_keras_s)
    with pytest.raises(ValueError, match=r"same shape.*\(4, 1\).*\(4, 2\)"):
        mse(np.zeros((4, 1)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"same shape.*\(4, 2\).*\(4,\)"):
        mse(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="same shape"):
        losses.get("binary_crossentropy").gradient(np.zeros((3, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"at least one axis .*Received outputs of shape \(\)"):
        mse(1.0, 0.5)
    assert mse([[1.0], [0.0]], [[0.5], [0.5]]) == pytest.approx(0.25)  # lists are accepted



def test_labels_of_one_output_unit_may_be_a_vector_as_keras_reads_them():
    # Keras squeezes (n, 1) outputs against (n,) labels: `loss(y, model(x))` in a custom loop;
    # glassnet refused the pair. Reshaped to (n, 1), never broadcast to an (n, n) table.
    y, a, w = np.array([1.0, 0.0, 1.0]), np.array([[0.5], [0.5], [2.0]]), np.array([1.0, 2.0, 3.0])
    squared = np.array([0.25, 0.25, 1.0])
    assert losses.MeanSquaredError()(y, a) == pytest.approx(squared.mean())
    assert losses.MeanSquaredError()(y, a, sample_weight=w) == pytest.approx((w * squared).sum() / 3)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction="none")(y, a, sample_weight=w), w * squared)
    p = np.array([[0.8], [0.4], [0.9]])
    bce = -np.log([0.8, 0.6, 0.9])
    assert losses.BinaryCrossentropy()(y, p) == pytest.approx(bce.mean())
    np.testing.assert_allclose(losses.get("binary_crossentropy").gradient(y, p),
                               losses.get("binary_crossentropy").gradient(y[:, None], p))
    with pytest.raises(ValueError, match=r"same shape.*\(3,\).*\(3, 2\)"):  # more than one unit: still refused
        losses.MeanSquaredError()(y, np.zeros((3, 2)))


def test_a_column_of_targets_against_a_vector_of_outputs_is_keras_s():
    # Keras's squeeze_or_expand_to_same_rank gives outputs (n,) the trailing 1 of targets (n, 1): n samples of one
    # output each (glassnet refused the pair: "must have the same shape"). Keras 3.15's numbers; the gradient
    # keeps the outputs' shape (n,)
    y, a, w = np.array([[1.0], [0.0], [1.0]]), np.array([0.5, 0.5, 2.0]), np.array([1.0, 2.0, 3.0])
    assert losses.MeanSquaredError()(y, a) == pytest.approx(0.5)
    assert losses.MeanSquaredError(reduction="sum")(y, a, sample_weight=w) == pytest.approx(3.75)
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(y, a), [0.25, 0.25, 1.0])
    np.testing.assert_allclose(losses.mean_squared_error(y, a), [0.25, 0.25, 1.0])
    np.testing.assert_allclose(losses.MeanSquaredError().gradient(y, a), [-1 / 3, 1 / 3, 2 / 3])
    p = np.array([0.8, 0.4, 0.9])
    assert losses.BinaryCrossentropy()(y, p) == pytest.approx(-np.log([0.8, 0.6, 0.9]).mean())
    np.testing.assert_allclose(losses.binary_crossentropy(y, p), -np.log([0.8, 0.6, 0.9]))
    # sequences, targets (n, m) against outputs (n, m, 1): Keras squeezes the outputs' 1, so each sample's loss
    # is the mean over its m positions (glassnet read m rows of one output each: "sum" 6.0 and (2, 3) losses)
    ys = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]])
    outputs = (ys + np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]]))[..., None]
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(ys, outputs), [2 / 3, 4 / 3])
    assert losses.MeanSquaredError(reduction="sum")(ys, outputs) == pytest.approx(2.0)
    dA = losses.MeanSquaredError(reduction="sum").gradient(ys, outputs)
    assert dA.shape == (2, 3, 1)
    np.testing.assert_allclose(dA[..., 0], 2 * (outputs[..., 0] - ys) / 3)


# every loss Keras 3.15 has that compares a target with each output (not labels): a column of targets against
# a vector of outputs is Keras's n samples of one output, whatever the reduction and the weights
_KERAS_COLUMN_LOSSES = [losses.MeanSquaredError, losses.MeanAbsoluteError, losses.MeanAbsolutePercentageError,
                        losses.MeanSquaredLogarithmicError, losses.Huber, losses.LogCosh, losses.Poisson,
                        losses.KLDivergence, losses.CosineSimilarity, losses.BinaryCrossentropy,
                        losses.CategoricalCrossentropy, losses.BinaryFocalCrossentropy,
                        losses.CategoricalFocalCrossentropy, losses.Hinge, losses.SquaredHinge, losses.CategoricalHinge,
                        losses.Dice, losses.Tversky]


@pytest.mark.parametrize("cls", _KERAS_COLUMN_LOSSES, ids=lambda cls: cls.__name__)
def test_every_loss_reads_a_column_of_targets_against_a_vector_of_outputs_as_keras(cls):
    y, a = np.array([[1.0], [0.0], [1.0]]), np.array([0.8, 0.3, 0.6])
    for reduction in losses.REDUCTIONS:
        for w in (None, np.array([0.5, 2.0, 1.5]), np.array([[0.5], [2.0], [1.5]])):
            loss = cls(reduction=reduction)
            np.testing.assert_allclose(loss(y, a, sample_weight=w), loss(y, a[:, None], sample_weight=w),
                                       rtol=1e-15, strict=True)
            if reduction not in (None, "none"):  # the gradient of that loss, in the outputs' shape
                np.testing.assert_allclose(loss.gradient(y, a, w), loss.gradient(y, a[:, None], w)[:, 0],
                                           rtol=1e-15, strict=True)

def test_categorical_targets_must_be_distributions(rng):
    # δ = a − y holds only for rows summing to 1; multi-hot rows would train on a wrong gradient
    model = Sequential([Dense(3, activation="softmax", input_dim=2)], dtype="float64")
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    X = rng.normal(size=(2, 2))
    with pytest.raises(ValueError, match="Row 0 sums to 2.*binary_crossentropy"):
        model.fit(X, np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), verbose=0)
    with pytest.raises(ValueError, match="Row 1 sums to 0.5"):
        glassnet.check_gradients(model, X, np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.0]]))
    soft = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]])  # label smoothing is fine, and exact
    assert glassnet.check_gradients(model, X, soft).max_error < 1e-6
    model.compile(loss="max_margin", optimizer="sgd")
    with pytest.raises(ValueError, match="one-hot"):
        model.fit(X, soft, verbose=0)


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown loss 'msq'.*mean_squared_error"):
        losses.get("msq")


def test_dropout_mask_statistics_and_inference_identity(rng):
    layer = Dropout(0.2, seed=1)
    layer.build((1000,))
    X = np.ones((200, 1000), dtype=np.float32)
    Y = layer.forward(X, training=True)
    kept = Y != 0
    # Drop rate 0.2 within 4 standard deviations over 200k draws; survivors scaled so E[mask] = 1.
    assert abs(1 - kept.mean() - 0.2) < 4 * np.sqrt(0.2 * 0.8 / X.size)
    np.testing.assert_allclose(np.unique(Y[kept]), [65536 / (65536 - 13107)], rtol=1e-6)
    assert layer.scale * (1 - 13107 / 65536) == pytest.approx(1.0)
    assert layer.forward(X, training=False) is X
    # Same seed, same masks.
    other = Dropout(0.2, seed=1)
    other.build((1000,))
    np.testing.assert_array_equal(other.forward(X, training=True), Y)


def test_cross_entropies_from_logits_and_with_label_smoothing(rng):
    Z = rng.normal(size=(6, 3)) * 5
    Y = np.eye(3)[rng.integers(0, 3, 6)]
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    cce, logits = losses.CategoricalCrossentropy(), losses.CategoricalCrossentropy(from_logits=True)
    assert logits(Y, Z) == pytest.approx(-np.mean(np.sum(Y * np.log(P), axis=1)), rel=1e-12)
    np.testing.assert_allclose(logits.gradient(Y, Z), (P - Y) / 6, atol=1e-15)
    # far outside [ε, 1 − ε] the logit form stays exact where probabilities would be clipped
    zb, yb = np.array([[40.0], [-40.0]]), np.array([[0.0], [1.0]])
    assert losses.BinaryCrossentropy(from_logits=True)(yb, zb) == pytest.approx(40.0, rel=1e-12)
    # Keras's smoothing: y(1 − s) + s/K for categorical, y(1 − s) + s/2 for binary
    smooth = losses.CategoricalCrossentropy(label_smoothing=0.3)
    assert smooth(Y, P) == pytest.approx(cce(Y * 0.7 + 0.1, P), rel=1e-12)
    yb, pb = np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]])
    assert losses.BinaryCrossentropy(label_smoothing=0.2)(yb, pb) == pytest.approx(
        losses.BinaryCrossentropy()(np.array([[0.9], [0.1]]), pb), rel=1e-12)
    restored = losses.deserialize(losses.serialize(smooth))
    assert restored.label_smoothing == 0.3 and not restored.from_logits
    with pytest.raises(TypeError, match="from_logits"):
        losses.BinaryCrossentropy(from_logits="yes")
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)


@pytest.mark.parametrize("loss, output, kind", [
    (losses.CategoricalCrossentropy(from_logits=True), "linear", "onehot"),
    (losses.CategoricalCrossentropy(label_smoothing=0.2), "softmax", "onehot"),  # fused, smoothed
    (losses.SparseCategoricalCrossentropy(from_logits=True), "linear", "labels"),
    (losses.BinaryCrossentropy(from_logits=True), "linear", "unit"),
    (losses.BinaryCrossentropy(label_smoothing=0.1), "sigmoid", "unit"),
])
def test_logit_and_smoothed_losses_pass_the_gradient_check(loss, output, kind, rng):
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(3, activation=output)], dtype="float64")
    model.compile(loss=loss, optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(6, 3)), _targets(kind, rng, 6, 3))
    assert result.max_error < 1e-6, str(result)


def test_cross_entropy_on_a_linear_output_warns_and_names_the_fix(rng):
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    model = Sequential([Dense(2, input_dim=3)])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    with pytest.warns(UserWarning, match="activation is 'linear'.*from_logits=True"):
        model.fit(X, y, epochs=1, verbose=0)
    model.compile(loss=losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, epochs=1, verbose=0)


def test_sparse_loss_called_directly_takes_integer_labels():
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    sparse = losses.SparseCategoricalCrossentropy()
    assert sparse(np.array([0, 1]), P) == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2)
    np.testing.assert_allclose(sparse.gradient(np.array([0, 1]), P),
                               losses.CategoricalCrossentropy().gradient(np.eye(3)[[0, 1]], P))
    with pytest.raises(ValueError, match="integer class labels in \\[0, 2\\]"):
        sparse(np.array([0, 5]), P)
    with pytest.raises(ValueError, match=r"Received values from 0(\.0)? to 5"):
        sparse(np.array([0, 5]), P)
    # a fraction among labels in range is named (the range "from 0.0 to 1.0" looked right)
    with pytest.raises(ValueError, match=r"Received the value 0\.5, not a whole number"):
        sparse(np.array([0.0, 0.5]), P)


def test_sparse_loss_takes_a_label_per_position_of_sequence_outputs_as_keras():
    # outputs (n, m, k), labels (n, m) or (n, m, 1): refused before as "not the same shape"
    rng = np.random.default_rng(0)
    labels, P = rng.integers(0, 5, size=(4, 3)), rng.dirichlet(np.ones(5), size=(4, 3))
    expected = -np.mean(np.log(np.take_along_axis(P, labels[..., None], axis=-1)))
    sparse = losses.SparseCategoricalCrossentropy()
    assert sparse(labels, P) == pytest.approx(expected, rel=1e-12)
    assert sparse(labels[..., None], P) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(sparse.gradient(labels, P),
                               losses.CategoricalCrossentropy().gradient(np.eye(5)[labels], P))
    with pytest.raises(ValueError, match=r"targets \(4, 2\) and outputs \(4, 3, 5\)"):
        sparse(labels[:, :2], P)
    # ignore_class masks each position, as Keras: the mean over the positions not labelled 1 (refused before)
    kept = labels != 1
    by_hand = -np.mean(np.log(np.take_along_axis(P, labels[..., None], axis=-1)[..., 0][kept]))
    assert losses.SparseCategoricalCrossentropy(ignore_class=1)(labels, P) == pytest.approx(by_hand, rel=1e-12)


def test_sample_weights_as_a_column_a_list_or_a_number_are_one_weight_per_sample():
    rng = np.random.default_rng(0)
    Y, A, w = rng.normal(size=(5, 1)), rng.normal(size=(5, 1)), rng.uniform(0, 2, 5)
    mse = losses.MeanSquaredError()
    expected = float(np.sum(w * (A - Y)[:, 0] ** 2) / 5)  # Keras: 0.2168784
    for weights in (w, w.reshape(-1, 1), list(w)):
        assert mse(Y, A, weights) == pytest.approx(expected)
        np.testing.assert_allclose(mse.gradient(Y, A, weights), 2 * w[:, None] * (A - Y) / 5)
    assert mse(Y, A, 2.0) == pytest.approx(2 * mse(Y, A))
    with pytest.raises(ValueError, match=r"sample_weight must hold one weight per sample \(5,\)"):
        mse.gradient(Y, A, w[:3])


def test_cross_entropy_gradients_vanish_where_the_clipped_loss_is_flat():
    # outputs outside (0, 1): the clipped loss does not change there, so finite differences give 0
    cases = [(losses.BinaryCrossentropy(), np.array([[1.0], [0.0], [1.0]]), np.array([[-0.3], [1.2], [0.6]])),
             (losses.CategoricalCrossentropy(), np.array([[0.0, 1.0, 0.0]]), np.array([[0.1, 1.3, -0.2]]))]
    for loss, Y, A in cases:
        numeric = np.zeros_like(A)
        for i in np.ndindex(A.shape):
            up, down = A.copy(), A.copy()
            up[i] += 1e-6
            down[i] -= 1e-6
            numeric[i] = (loss(Y, up) - loss(Y, down)) / 2e-6
        np.testing.assert_allclose(loss.gradient(Y, A), numeric, atol=1e-6)
    assert losses.BinaryCrossentropy().gradient(cases[0][1], cases[0][2])[2, 0] == pytest.approx(-1 / 0.6 / 3)


def test_huber_delta_is_checked_and_shown():
    assert repr(losses.Huber(0.3)) == "Huber(delta=0.3)"
    for bad, error in ((-1, ValueError), (float("nan"), ValueError), ("a", TypeError)):
        with pytest.raises(error, match="delta"):
            losses.Huber(bad)


def test_the_clip_epsilon_is_a_setting_kept_in_the_config():
    loss = losses.CategoricalCrossentropy(epsilon=1e-12)
    assert losses.deserialize(losses.serialize(loss)).epsilon == 1e-12
    assert "epsilon" not in losses.CategoricalCrossentropy().get_config()  # default files unchanged
    Y, A = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    assert loss(Y, A) == pytest.approx(-np.log(1e-12))
    assert losses.CategoricalCrossentropy()(Y, A) == pytest.approx(-np.log(1e-7))
    with pytest.raises(ValueError, match="epsilon"):
        losses.BinaryCrossentropy(epsilon=0.7)


def test_float16_losses_neither_overflow_nor_take_log_zero():
    Y, A = np.zeros((32, 1), np.float16), np.full((32, 1), 46, np.float16)
    assert losses.MeanSquaredError()(Y, A) == pytest.approx(2116.0)  # inf: a float16 sum of squares
    n = 8192
    Yc = np.zeros((n, 2), np.float16)
    Yc[:, 0] = 1
    Ac = np.zeros((n, 2), np.float16)
    Ac[:, 0], Ac[:, 1] = 1e-4, 1 - 1e-4
    assert losses.CategoricalCrossentropy()(Yc, Ac) == pytest.approx(-np.log(np.float16(1e-4)), rel=1e-3)
    bce = losses.BinaryCrossentropy()(np.array([[1.0, 0, 1, 0]], np.float16), np.array([[0.0, 1, 1, 0]], np.float16))
    assert np.isfinite(bce)  # NaN: 1 − 1e-7 is 1 in float16
    grad = losses.CategoricalCrossentropy().gradient(np.array([[1.0, 0, 0]], np.float16),
                                                     np.array([[0.0, 1, 0]], np.float16))
    assert np.isfinite(grad).all()
    # KL divergence of an output 0: y / 1e-7 overflowed float16 (loss inf, gradient NaN); the value is computed in
    # float32, as Keras's (16.118), the float16 gradient clipped at float16's resolution
    kld = losses.KLDivergence()
    Yk, Ak = np.array([[1.0, 0, 0]], np.float16), np.array([[0.0, 0.5, 0.5]], np.float16)
    eps = 1e-7  # the targets 0 clipped to ε too: + 2·ε·log(ε / 0.5)
    assert kld(Yk, Ak) == pytest.approx(-np.log(eps) + 2 * eps * np.log(2 * eps), rel=1e-6)
    assert np.isfinite(kld.gradient(Yk, Ak)).all()


def test_seed_002_cost_and_output_delta_with_several_outputs():
    # seed 002: J = −(1/m) Σ_i Σ_k [y log h + (1 − y) log(1 − h)] and δ = a − y. glassnet's
    # binary_crossentropy is Keras's: the mean over the K outputs, so J is the seed's J / K and
    # the δ it trains on is (a − y) / K per example (the same direction, a K-times smaller step)
    Y = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    A = np.array([[0.9, 0.2, 0.6, 0.3], [0.1, 0.4, 0.8, 0.7]])
    m, K = Y.shape
    seed_J = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    bce = losses.BinaryCrossentropy()
    assert bce(Y, A) == pytest.approx(seed_J / K)
    np.testing.assert_allclose(bce.fused_delta(activations.Sigmoid(), Y, A), (A - Y) / (m * K))
    # categorical cross-entropy (seed 003, with the minus sign the slide omits): −Σ y log ŷ
    assert losses.CategoricalCrossentropy()(np.array([[0.0, 1, 0]]), np.array([[0.2, 0.7, 0.1]])) == \
        pytest.approx(-np.log(0.7))
    # seed 003's hinge max{−y ŷ, 0} is "perceptron"; "hinge" is Keras's, with margin 1
    y, yhat = np.array([[1.0], [1.0], [-1.0]]), np.array([[0.3], [-0.3], [0.5]])
    assert losses.get("perceptron")(y, yhat) == pytest.approx(np.mean(np.maximum(-y * yhat, 0)))
    assert losses.get("hinge")(y, yhat) == pytest.approx(np.mean(np.maximum(1 - y * yhat, 0)))


def test_hinge_type_losses_read_01_labels_when_called_directly_and_integer_targets():
    from glassnet import losses

    y01, a = np.array([[0.0], [1.0]]), np.array([[0.3], [-0.2]])
    for loss in (losses.Hinge(), losses.PerceptronLoss(), losses.LogLoss()):
        assert loss(y01, a) == pytest.approx(loss(2 * y01 - 1, a))
        np.testing.assert_array_equal(loss.gradient(y01, a), loss.gradient(2 * y01 - 1, a))
    assert losses.Hinge()(y01, a) == pytest.approx(1.25)  # Keras: mean(max(0, 1 − y a)) with y = −1, +1
    # integer one-hot targets: the gradient is computed in the outputs' dtype (it raised a casting error)
    A = np.log(np.array([[0.2, 0.3, 0.5]]))
    np.testing.assert_array_equal(losses.NegativeLogLikelihood().gradient(np.array([[0, 0, 1]]), A), [[0, 0, -1]])


@pytest.mark.parametrize("output, loss", [
    (activations.Sigmoid(steepness=2.0), "binary_crossentropy"),  # the fused δ carries λ
    (activations.Softmax(beta=2.0), "mse"),                      # softmax's backward carries β
    (activations.ELU(alpha=0.5), "mse"),                          # ELU's derivative carries α
], ids=["sigmoid-steepness", "softmax-beta", "elu-alpha"])
def test_parameterised_activations_pass_the_gradient_check(output, loss, rng, request):
    name = request.node.callspec.id
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(3, activation=output)], dtype="float64")
    model.compile(loss=loss, optimizer="sgd")
    X = rng.normal(size=(6, 3))
    Y = {"sigmoid-steepness": rng.integers(0, 2, size=(6, 3)).astype(float),  # targets the output can reach
         "softmax-beta": rng.dirichlet(np.ones(3), size=6),
         "elu-alpha": rng.uniform(-0.4, 1.0, size=(6, 3))}[name]
    result = glassnet.check_gradients(model, X, Y)
    assert result.max_error < 1e-6, str(result)


def test_layers_below_a_frozen_batchnorm_get_the_right_gradient(rng):
    # inference mode: dX = dY · γ / sqrt(moving variance + ε), with moving statistics far from (0, 1)
    model = Sequential([Dense(4, activation="tanh", input_dim=3), BatchNormalization(), Dense(1)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    model.build((3,))
    bn = model.layers[1]
    bn.state["moving_mean"][...] = rng.normal(size=4)
    bn.state["moving_variance"][...] = rng.uniform(0.05, 4.0, size=4)
    bn.params["gamma"][...] = rng.uniform(0.5, 1.5, size=4)
    bn.trainable = False
    result = glassnet.check_gradients(model, rng.normal(size=(7, 3)), rng.normal(size=(7, 1)))
    assert result.max_error < 1e-6, str(result)


def test_the_bias_regularizer_enters_the_gradient(rng):
    # biases away from 0, where an L2 or L1 bias penalty has a gradient to add
    for regularizer in ("l2", "l1"):
        model = Sequential([Dense(4, activation="tanh", input_dim=3, bias_initializer="random_normal",
                                  bias_regularizer=glassnet.regularizers.get(regularizer)), Dense(1)], dtype="float64")
        model.compile(loss="mse", optimizer="sgd")
        model.build((3,))
        model.layers[0].params["b"][...] = rng.normal(size=4)
        result = glassnet.check_gradients(model, rng.normal(size=(5, 3)), rng.normal(size=(5, 1)))
        assert result.max_error < 1e-6, (regularizer, str(result))


def test_evaluate_adds_the_weight_penalty_as_fit_does(rng):
    model = Sequential([Dense(3, activation="tanh", input_dim=2, kernel_regularizer=glassnet.regularizers.L2(0.1)),
                        Dense(1)], dtype="float64")
    model.compile(loss="mse", optimizer=glassnet.optimizers.SGD(0.0))
    X, y = rng.normal(size=(10, 2)), rng.normal(size=(10, 1))
    model.build((2,))
    W = model.layers[0].params["W"]
    by_hand = float(np.mean((model.predict(X) - y) ** 2)) + 0.1 * float(np.sum(W * W))
    assert model.evaluate(X, y) == pytest.approx(by_hand, rel=1e-12)
    logged = model.fit(X, y, epochs=1, batch_size=10, verbose=0).history["loss"][0]  # lr 0: nothing moves
    assert logged == pytest.approx(by_hand, rel=1e-12)


def test_losses_reduce_the_last_axis_and_average_the_rest_as_keras():
    # the per-row reduction assumed (n, k): a vector gave MSE 1/9 (Keras 1/3) and an IndexError for MAE and BCE,
    # (2, 3, 4) outputs a mean over the first axis only (MSE 3.0, Keras 1.0)
    y, a = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])
    assert losses.MeanSquaredError()(y, a) == pytest.approx(1 / 3)
    assert losses.MeanAbsoluteError()(y, a) == pytest.approx(1 / 3)
    np.testing.assert_allclose(losses.MeanSquaredError().gradient(y, a), [0, 0, 2 / 3])
    assert losses.BinaryCrossentropy()([1.0, 0.0, 1.0], [0.9, 0.2, 0.3]) == pytest.approx(
        -(np.log(0.9) + np.log(0.8) + np.log(0.3)) / 3)
    p = np.array([0.2, 0.7, 0.1])  # one distribution: one row
    assert losses.CategoricalCrossentropy()([0.0, 1.0, 0.0], p) == pytest.approx(-np.log(0.7))
    rng = np.random.default_rng(0)
    Y3, A3 = rng.random((2, 3, 4)), rng.random((2, 3, 4))
    rows = (Y3.reshape(6, 4), A3.reshape(6, 4))
    for loss in (losses.MeanSquaredError(), losses.MeanAbsoluteError(), losses.Huber(), losses.BinaryCrossentropy()):
        assert loss(Y3, A3) == pytest.approx(loss(*rows)), loss
        np.testing.assert_allclose(loss.gradient(Y3, A3), loss.gradient(*rows).reshape(2, 3, 4))
    # a weight per sample of the first axis, for each of its rows
    assert losses.MeanSquaredError()(Y3, A3, sample_weight=[1.0, 0.0]) == pytest.approx(
        losses.MeanSquaredError()(*rows, sample_weight=[1, 1, 1, 0, 0, 0]))
    P3 = rng.dirichlet(np.ones(4), size=(2, 3))
    T3 = np.eye(4)[rng.integers(0, 4, (2, 3))]
    assert losses.CategoricalCrossentropy()(T3, P3) == pytest.approx(-np.mean(np.log((T3 * P3).sum(axis=-1))))


def test_signed_label_losses_read_0_1_lists_as_arrays():
    # a list of 0/1 labels skipped the 0 -> -1 mapping: hinge 0.9 for a list, 1.0 for the same array (Keras: 1.0)
    y, a = [[0.0], [1.0], [1.0]], [[0.3], [0.8], [-0.5]]
    for loss in (losses.Hinge(), losses.LogLoss(), losses.PerceptronLoss()):
        assert loss(y, a) == pytest.approx(loss(np.array(y), np.array(a))), loss
    assert losses.Hinge()(y, a) == pytest.approx(np.mean(np.maximum(0, 1 - np.array([-0.3, 0.8, -0.5]))))


def test_losses_from_config_and_a_sample_weight_of_text():
    assert losses.Huber.from_config(losses.Huber(2.0).get_config()).delta == 2.0
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):  # "could not convert string to float"
        losses.MeanSquaredError()(np.ones((2, 1)), np.zeros((2, 1)), sample_weight=["a", "b"])


def test_categorical_crossentropy_reads_outputs_as_keras_does_divided_by_their_sum():
    # Keras 3: output / sum(output) before the clip. Sigmoid rows (0.9, 0.8, 0.7), class 1:
    # J = −log(0.8 / 2.4) = log 3 = 1.0986123 (keras.losses.categorical_crossentropy gives 1.0986123)
    loss = losses.get("categorical_crossentropy")
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    A = np.array([[0.9, 0.8, 0.7], [0.2, 0.3, 0.5]])  # the second row sums to 1: unchanged
    np.testing.assert_allclose(loss.per_sample(Y, A), [np.log(3), -np.log(0.2)], rtol=1e-12)
    assert loss(Y, A) == pytest.approx((np.log(3) - np.log(0.2)) / 2, rel=1e-12)  # the fast path agrees
    # the gradient against central differences: it lowers the other outputs instead of raising all
    G = loss.per_sample_gradient(Y, A)
    h = 1e-6
    for i in range(2):
        for j in range(3):
            up, down = A.copy(), A.copy()
            up[i, j] += h
            down[i, j] -= h
            numeric = (loss.per_sample(Y, up)[i] - loss.per_sample(Y, down)[i]) / (2 * h)
            assert G[i, j] == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    assert G[0, 0] > 0 and G[0, 2] > 0 and G[0, 1] < 0


def test_categorical_crossentropy_divides_a_negative_row_sum_as_keras():
    # logits read as probabilities (metrics=["categorical_crossentropy"] beside a from_logits loss): the row
    # (2, −3, −1) sums to −2, Keras's a / sum is (−1, 1.5, 0.5), clipped to (1e-7, 1 − 1e-7, 0.5), so class 2
    # costs log 2 and class 0 log 1e7 (keras.losses.categorical_crossentropy: 0.6931472, 16.118095). The sum
    # was floored at 1e-7: a / 1e-7 clipped, 8.07 fit's figure and evaluate's apart, and neither Keras's
    loss = losses.get("categorical_crossentropy")
    A = np.array([[2.0, -3.0, -1.0], [2.0, -3.0, -1.0], [0.0, 0.0, 0.0]])
    Y = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    expected = [np.log(2), np.log(1e7), np.log(1e7)]  # an all-zero row stays a finite log 1e7 (Keras: NaN)
    np.testing.assert_allclose(loss.per_sample(Y, A), expected, rtol=1e-9)
    assert loss(Y, A) == pytest.approx(np.mean(expected), rel=1e-9)  # the fast path agrees
    for metric, y in [(glassnet.metrics.CategoricalCrossentropy(), Y[:2]),
                      (glassnet.metrics.SparseCategoricalCrossentropy(), np.array([2, 0]))]:
        metric.update_state(y, A[:2])
        assert metric.result() == pytest.approx(np.mean(expected[:2]), rel=1e-9)
    # the gradient, (g − Σ g p) / S with a negative S, against central differences
    G, h = loss.per_sample_gradient(Y[:1], A[:1]), 1e-6
    for j in range(3):
        up, down = A[:1].copy(), A[:1].copy()
        up[0, j] += h
        down[0, j] -= h
        assert G[0, j] == pytest.approx((loss.per_sample(Y[:1], up)[0] - loss.per_sample(Y[:1], down)[0]) / (2 * h),
                                        rel=1e-6, abs=1e-8)


def test_huber_has_keras_s_name_and_files_of_the_old_one_load(tmp_path, monkeypatch):
    # Huber().name was "huber" where keras.losses.Huber().name (and the name in its get_config) is
    # "huber_loss"; the string compile takes stays "huber", as in Keras (Keras has no "huber_loss" string).
    assert losses.Huber().name == losses.get("huber").name == "huber_loss"
    assert losses.Huber(name="h").name == "h"
    for config in ({"delta": 2.0}, {"name": "huber", "delta": 2.0}):  # as earlier files hold it
        loss = losses.deserialize({"class_name": "Huber", "config": config})
        assert (loss.name, loss.delta) == (config.get("name", "huber_loss"), 2.0)
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss=losses.Huber(2.0))
    model.save(tmp_path / "m.gn")
    back = glassnet.models.load_model(tmp_path / "m.gn")
    assert (back.loss.name, back.loss.delta) == ("huber_loss", 2.0)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    assert keras.losses.Huber().name == keras.losses.Huber().get_config()["name"] == losses.Huber().name
    model.export(tmp_path / "m.keras", format="keras")
    from_keras = keras.saving.load_model(tmp_path / "m.keras")
    assert from_keras.loss.name == "huber_loss"


# Keras 3's losses that glassnet lacked: each by its class, its compile strings and its function
NEW_KERAS_LOSSES = [
    (losses.LogCosh, ("log_cosh", "LogCosh"), losses.log_cosh, "log_cosh"),
    (losses.KLDivergence, ("kl_divergence", "kld", "KLDivergence"), losses.kl_divergence, "kl_divergence"),
    (losses.CosineSimilarity, ("cosine_similarity", "CosineSimilarity"), losses.cosine_similarity,
     "cosine_similarity"),
    (losses.SquaredHinge, ("squared_hinge", "SquaredHinge"), losses.squared_hinge, "squared_hinge"),
    (losses.CategoricalHinge, ("categorical_hinge", "CategoricalHinge"), losses.categorical_hinge,
     "categorical_hinge"),
]


@pytest.mark.parametrize("cls, names, fn, keras_name", NEW_KERAS_LOSSES, ids=[c[0].__name__ for c in NEW_KERAS_LOSSES])
def test_keras_s_other_losses_by_name_function_config_and_file(cls, names, fn, keras_name, tmp_path, rng):
    # compile(loss="kld") raised "Unknown loss 'kld'"; keras.losses.KLDivergence().name is "kl_divergence", etc.
    assert cls().name == keras_name
    for name in names:
        assert type(losses.get(name)) is cls
    assert losses.get(fn).name == keras_name  # compile(loss=losses.kl_divergence)
    loss = cls(reduction="sum", name="mine")
    assert type(loss.from_config(loss.get_config())) is cls
    assert loss.from_config(loss.get_config()).get_config() == {"name": "mine", "reduction": "sum"}
    assert losses.deserialize(losses.serialize(loss)).reduction == "sum"
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        cls(reduction="average")
    with pytest.raises(ValueError, match="dtype must be None"):
        cls(dtype="float32")
    Y = np.eye(3)[[0, 2, 1, 1]] if cls is not losses.SquaredHinge else rng.choice([-1.0, 1.0], size=(4, 3))
    A = rng.uniform(0.05, 0.9, size=(4, 3))
    np.testing.assert_allclose(fn(Y, A), cls().per_sample(Y, A), rtol=1e-15)  # the function: per-sample values
    model = Sequential([Dense(3, activation="softmax", input_shape=(2,))], dtype="float64")
    model.compile(optimizer="sgd", loss=names[1 if len(names) > 2 else 0])
    X = rng.normal(size=(4, 2))
    model.fit(X, Y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    back = glassnet.models.load_model(tmp_path / "m.gn")
    assert type(back.loss) is cls
    assert back.evaluate(X, Y, verbose=0) == pytest.approx(model.evaluate(X, Y, verbose=0), rel=1e-12)


def test_cosine_similarity_by_hand_and_its_gradient_at_a_zero_output():
    # y = (3, 4), ŷ = (4, 3): cos = 24/25, loss −0.96; ŷ = 0 gives 0, as Keras's (its x·min(rsqrt(Σx²), 1/ε))
    y, a = np.array([[3.0, 4.0], [3.0, 4.0]]), np.array([[4.0, 3.0], [0.0, 0.0]])
    np.testing.assert_allclose(losses.cosine_similarity(y, a), [-0.96, 0.0], rtol=1e-15, atol=0)
    # below ‖ŷ‖ = ε the loss is −u·ŷ/ε, whose gradient is −u/ε (Keras's jax.grad gives NaN there)
    dA = losses.CosineSimilarity(reduction="sum").gradient(y, a)
    np.testing.assert_allclose(dA[1], [-0.6e7, -0.8e7], rtol=1e-12)
    # above it, −(u − (u·v) v)/‖ŷ‖ = −((0.6, 0.8) − 0.96 (0.8, 0.6)) / 5 = (0.0336, −0.0448)
    np.testing.assert_allclose(dA[0], [0.0336, -0.0448], rtol=1e-12)
    # a nonzero row shorter than ε has the same gradient, finite in Keras too: jax.grad of Keras 3.15's
    # loss (reduction "sum", float64) at y = (1, 2, 2), ŷ = (1, −2, 3)·1e-9 is −(1, 2, 2)/3 · 1e7
    tiny = losses.CosineSimilarity(reduction="sum").gradient(np.array([[1.0, 2.0, 2.0]]), np.array([[1e-9, -2e-9, 3e-9]]))
    np.testing.assert_allclose(tiny, [[-3.3333333333333335e6, -6.666666666666667e6, -6.666666666666667e6]], rtol=1e-12)
    with pytest.raises(ValueError, match=r"axis=2 is out of range for outputs of shape \(2, 2\)"):
        losses.CosineSimilarity(axis=2)(y, a)


def test_categorical_hinge_by_hand_where_a_wrong_output_is_below_zero():
    # Keras's max((1 − y)·ŷ) counts a negative wrong output as 0: y = (1, 0, 0), ŷ = (0.3, −0.5, −0.2)
    # gives max(0 − 0.3 + 1, 0) = 0.7 (MaxMargin, the strongest wrong output, gives −0.2 − 0.3 + 1 = 0.5)
    y, a = np.array([[1.0, 0.0, 0.0]]), np.array([[0.3, -0.5, -0.2]])
    assert losses.categorical_hinge(y, a)[0] == pytest.approx(0.7, abs=1e-15)
    assert losses.MaxMargin().per_sample(y, a)[0] == pytest.approx(0.5, abs=1e-15)


# Keras 3's overlap losses Dice and Tversky: the references are Keras 3.15.1's (KERAS_BACKEND=jax,
# JAX_ENABLE_X64=1, keras.config.set_floatx("float64")), copied here
OVERLAP_Y = np.array([[1, 0, 1, 0], [0, 1, 1, 0], [1, 1, 0, 0]], dtype=float)
OVERLAP_A = np.array([[0.9, 0.2, 0.6, 0.1], [0.3, 0.8, 0.4, 0.2], [0.7, 0.5, 0.1, 0.3]])
OVERLAP_SOFT = np.array([[0.8, 0.1, 0.6, 0.0], [0.2, 0.9, 0.5, 0.1], [1.0, 0.7, 0.3, 0.2]])
OVERLAP_W = np.array([0.5, 2.0, 1.0])
# Keras's docstring example: masks (2, 2, 2, 1)
OVERLAP_Y4 = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
OVERLAP_A4 = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])

OVERLAP_CASES = [  # (loss, y_true, y_pred, sample_weight, Keras's value)
    # every axis, the batch's too: 1 − 2·3.9 / (6 + 5.1) by hand
    (losses.Dice(), OVERLAP_Y, OVERLAP_A, None, 0.29729730362795226),
    (losses.Dice(), OVERLAP_Y, OVERLAP_Y, None, 8.333333245680308e-09),  # perfect: 1 − 12/(12 + 1e-7)
    (losses.Dice(), OVERLAP_Y, 1 - OVERLAP_Y, None, 1.0),  # disjoint
    (losses.Dice(), OVERLAP_SOFT, OVERLAP_A, None, 0.3828571487346937),
    (losses.Dice(axis=-1, reduction=None), OVERLAP_Y, OVERLAP_A, None,
     [0.21052633656509645, 0.3513513688823954, 0.3333333518518513]),
    (losses.Dice(axis=-1), OVERLAP_Y, OVERLAP_A, None, 0.2984036857664477),
    # the weights multiply the one loss of the batch: n values w_i J
    (losses.Dice(), OVERLAP_Y, OVERLAP_A, OVERLAP_W, 0.3468468542326109),
    (losses.Dice(reduction="sum"), OVERLAP_Y, OVERLAP_A, OVERLAP_W, 1.0405405626978328),
    (losses.Dice(reduction="mean_with_sample_weight"), OVERLAP_Y, OVERLAP_A, OVERLAP_W, 0.2972973036279522),
    (losses.Dice(reduction=None), OVERLAP_Y, OVERLAP_A, OVERLAP_W,
     [0.14864865181397613, 0.5945946072559045, 0.29729730362795226]),
    (losses.Dice(axis=-1), OVERLAP_Y, OVERLAP_A, OVERLAP_W, 0.38043308596639674),
    (losses.Dice(axis=-1, reduction="sum"), OVERLAP_Y, OVERLAP_A, OVERLAP_W, 1.1412992578991903),
    (losses.Dice(axis=-1, reduction="mean_with_sample_weight"), OVERLAP_Y, OVERLAP_A, OVERLAP_W, 0.3260855022569115),
    (losses.Dice(axis=-1, reduction=None), OVERLAP_Y, OVERLAP_A, OVERLAP_W,
     [0.10526316828254823, 0.7027027377647908, 0.3333333518518513]),
    # one loss is returned as it is, whatever the reduction: one number weighs it once
    (losses.Dice(reduction="sum"), OVERLAP_Y, OVERLAP_A, None, 0.29729730362795226),
    (losses.Dice(reduction=None), OVERLAP_Y, OVERLAP_A, None, 0.29729730362795226),
    (losses.Dice(reduction="mean_with_sample_weight"), OVERLAP_Y, OVERLAP_A, 2.0, 0.5945946072559045),
    (losses.Dice(reduction="sum"), OVERLAP_Y, OVERLAP_A, 2.0, 0.5945946072559045),
    (losses.Dice(axis=(1, 2, 3), reduction=None), OVERLAP_Y4, OVERLAP_A4, None, [0.5000000124999997, 0.7575757649219464]),
    (losses.Dice(), OVERLAP_Y4, OVERLAP_A4, None, 0.6164383614186526),
    (losses.Dice(axis=(1, 2), reduction=None), OVERLAP_Y4, OVERLAP_A4, None,
     [[0.5000000124999997], [0.7575757649219464]]),
    (losses.Tversky(), OVERLAP_Y, OVERLAP_A, None, 0.29729730995860704),
    (losses.Tversky(0.3, 0.7), OVERLAP_Y, OVERLAP_A, None, 0.27374303028411495),
    (losses.Tversky(0.7, 0.3), OVERLAP_Y, OVERLAP_A, None, 0.31937173962702037),
    (losses.Tversky(0.0, 1.0), OVERLAP_Y, OVERLAP_A, None, 0.23529413264129162),
    (losses.Tversky(2.0, 0.0), OVERLAP_Y, OVERLAP_A, None, 0.5185185244627342),
    (losses.Tversky(axis=-1, reduction=None), OVERLAP_SOFT, OVERLAP_A, None,
     [0.33333337373737126, 0.4117647404844271, 0.4000000315789457]),
    (losses.Tversky(0.3, 0.7, axis=-1, reduction=None), OVERLAP_SOFT, OVERLAP_A, None,
     [0.3567251838172407, 0.411764740484427, 0.3595505977780564]),
    (losses.Tversky(2.0, 0.0, axis=-1, reduction=None), OVERLAP_SOFT, OVERLAP_A, None,
     [0.4210526620498599, 0.5833333506944437, 0.6503067591930443]),
    (losses.Tversky(0.3, 0.7, reduction="sum", axis=-1), OVERLAP_Y, OVERLAP_A, OVERLAP_W, 1.0583177891840023),
    (losses.Tversky(0.2, 0.8, axis=(1, 2, 3)), OVERLAP_Y4, OVERLAP_A4, None, 0.6111111332561716),
]


@pytest.mark.parametrize("loss, y, a, w, expected", OVERLAP_CASES)
def test_dice_and_tversky_equal_keras_3_15_in_float64(loss, y, a, w, expected):
    got = loss(y, a, sample_weight=w)
    assert np.shape(got) == np.shape(expected)  # one number for axis=None, as Keras's
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-16)


def test_dice_and_tversky_functions_by_name_and_tversky_halves_is_dice():
    assert losses.dice(OVERLAP_Y, OVERLAP_A) == pytest.approx(0.29729730362795226, rel=1e-13)
    np.testing.assert_allclose(losses.dice(OVERLAP_Y, OVERLAP_A, axis=-1),
                               [0.21052633656509645, 0.3513513688823954, 0.3333333518518513], rtol=1e-13)
    assert losses.tversky(OVERLAP_Y, OVERLAP_A, 0.3, 0.7) == pytest.approx(0.27374303028411495, rel=1e-13)
    np.testing.assert_allclose(losses.tversky(OVERLAP_Y, OVERLAP_A, alpha=0.3, beta=0.7, axis=-1),
                               [0.1935484304543854, 0.32960897599949845, 0.30232562195781276], rtol=1e-13)
    # by hand, one row: y = (1, 1, 0, 0), ŷ = (1, 0, 1, 0): 1 − 2·1/(2 + 2) = ½; Tversky(½, ½) is Dice up to ε
    y, a = np.array([[1.0, 1, 0, 0]]), np.array([[1.0, 0, 1, 0]])
    assert losses.dice(y, a) == pytest.approx(0.5, abs=1e-7)
    assert losses.Tversky(0.5, 0.5)(OVERLAP_SOFT, OVERLAP_A) == pytest.approx(
        losses.Dice()(OVERLAP_SOFT, OVERLAP_A), abs=1e-7)
    # Keras's names: compile strings, classes and the functions stand for the losses
    for name, cls, fn in (("dice", losses.Dice, losses.dice), ("tversky", losses.Tversky, losses.tversky)):
        assert type(losses.get(name)) is cls and type(losses.get(cls.__name__)) is cls
        assert type(losses.get(fn)) is cls and cls().name == name
        assert losses.serialize(fn) == losses.serialize(cls())


def test_dice_and_tversky_agree_with_live_keras(monkeypatch, rng):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")  # float32 here: the hard-coded float64 references are above
    y = (rng.random((6, 5)) > 0.5).astype(np.float32)
    a = rng.uniform(0.01, 0.99, size=(6, 5)).astype(np.float32)
    w = rng.uniform(0, 2, size=6).astype(np.float32)
    for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", None):
        for axis in (None, -1):
            for ours, theirs in ((losses.Dice(reduction, axis=axis), keras.losses.Dice(reduction, axis=axis)),
                                 (losses.Tversky(0.3, 0.9, reduction, axis=axis),
                                  keras.losses.Tversky(0.3, 0.9, reduction, axis=axis))):
                np.testing.assert_allclose(ours(y, a, sample_weight=w), np.asarray(theirs(y, a, sample_weight=w)),
                                           rtol=2e-6)


def _central_differences(loss, Y, A, w, h=1e-6):
    numeric = np.zeros_like(A)
    for i in np.ndindex(A.shape):
        up, down = A.copy(), A.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (loss(Y, up, sample_weight=w) - loss(Y, down, sample_weight=w)) / (2 * h)
    return numeric


@pytest.mark.parametrize("loss", [losses.Dice(), losses.Dice(axis=-1), losses.Tversky(0.3, 0.7),
                                  losses.Tversky(0.8, 0.1, axis=1), losses.Tversky(0.0, 0.0, axis=-1)], ids=repr)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weights", [None, "per sample", 1.7])
def test_dice_and_tversky_gradients_are_the_central_differences_of_the_loss(loss, reduction, weights, rng):
    loss = type(loss).from_config({**loss.get_config(), "reduction": reduction})
    Y = (rng.random((5, 3)) > 0.5).astype(float)
    Y[0, 0] = 0.7  # a soft target
    A = rng.uniform(0.05, 0.95, size=(5, 3))
    w = rng.uniform(0.1, 2, size=5) if weights == "per sample" else weights
    np.testing.assert_allclose(loss.gradient(Y, A, w), _central_differences(loss, Y, A, w), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("axis", [None, (1, 2, 3), (1, 2), -1])
def test_dice_and_tversky_gradients_of_image_masks(axis, rng):
    Y = (rng.random((2, 3, 3, 2)) > 0.5).astype(float)
    A = rng.uniform(0.05, 0.95, size=Y.shape)
    w = np.array([0.5, 2.0])
    for loss in (losses.Dice(axis=axis), losses.Tversky(0.3, 0.7, axis=axis)):
        np.testing.assert_allclose(loss.gradient(Y, A, w), _central_differences(loss, Y, A, w), rtol=1e-6,
                                   atol=1e-9)


def test_dice_and_tversky_in_float16_sum_in_float32_and_keep_the_dtype(rng):
    Y = (rng.random((400, 300)) > 0.5)  # Σ ŷ ≈ 60000, near float16's largest number 65504
    A = rng.uniform(0.01, 0.99, size=Y.shape)
    for loss in (losses.Dice(), losses.Tversky(0.3, 0.7)):
        half = loss(Y.astype(np.float16), A.astype(np.float16))
        assert half == pytest.approx(loss(Y.astype(float), A.astype(np.float16).astype(float)), rel=1e-5)
        assert loss.gradient(Y.astype(np.float16), A.astype(np.float16)).dtype == np.float16
    assert losses.dice(Y.astype(np.float16), A.astype(np.float16), axis=-1).dtype == np.float16


def test_dice_and_tversky_refuse_bad_arguments_by_name():
    for bad in (-0.1, float("nan"), float("inf")):
        for name in ("alpha", "beta"):
            with pytest.raises(ValueError, match=rf"{name} must be"):
                losses.Tversky(**{name: bad})
    with pytest.raises(TypeError, match="alpha must be a number"):
        losses.Tversky(alpha="0.5")
    for bad in ("x", 1.0, True, (), (1, "2")):
        with pytest.raises(TypeError, match="axis must be None"):
            losses.Dice(axis=bad)
    with pytest.raises(ValueError, match="axis must not repeat an axis"):
        losses.Tversky(axis=(1, 1))
    with pytest.raises(ValueError, match=r"axis=\(0, 1\) sums over the batch axis 0 but not over all 3 axes"):
        losses.Dice(axis=(0, 1))(np.ones((2, 3, 4)), np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="axis=2 is out of range for outputs of 2 axes"):
        losses.Dice(axis=2)(OVERLAP_Y, OVERLAP_A)
    with pytest.raises(ValueError, match="dtype must be None"):
        losses.Dice(dtype="float32")
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        losses.Dice()(OVERLAP_Y, OVERLAP_A, sample_weight=-1.0)
    with pytest.raises(ValueError, match="A training loss must reduce the batch to one number"):
        losses.get(losses.Dice(reduction=None))


def test_dice_and_tversky_keep_keras_s_arguments_in_order_and_config():
    loss = losses.Tversky(0.2, 0.9, "sum", "mine", (1, 2))
    assert (loss.alpha, loss.beta, loss.reduction, loss.name, loss.axis) == (0.2, 0.9, "sum", "mine", (1, 2))
    assert loss.get_config() == {"name": "mine", "reduction": "sum", "alpha": 0.2, "beta": 0.9, "axis": (1, 2)}
    assert losses.Dice("sum", "d", -1).get_config() == {"name": "d", "reduction": "sum", "axis": -1}
    # as a JSON file gives it back: the axes as a list
    back = losses.deserialize({"class_name": "Tversky", "config": {**loss.get_config(), "axis": [1, 2]}})
    assert back.get_config() == loss.get_config()


@pytest.mark.parametrize("loss", [losses.Dice(), losses.Tversky(0.3, 0.7, name="t"),
                                  losses.Dice(axis=-1, reduction="sum"), losses.Tversky(0.7, 0.2, axis=1)], ids=repr)
def test_a_model_trains_on_masks_with_dice_and_tversky_and_keeps_them_in_its_file(loss, tmp_path, rng):
    # a segmentation-like toy: each of 4 sigmoid outputs marks whether its input is above 0
    X = rng.normal(size=(96, 4))
    Y = (X > 0).astype(float)
    model = Sequential([Dense(8, activation="tanh", input_shape=(4,)), Dense(4, activation="sigmoid")],
                       dtype="float64")
    model.compile(optimizer=glassnet.optimizers.Adam(0.05), loss=loss)
    before = loss(Y, model.predict(X))
    model.fit(X, Y, epochs=60, batch_size=96, verbose=0)
    after = loss(Y, model.predict(X))
    assert after < 0.5 * before
    model.save(tmp_path / "m.gn")
    back = glassnet.models.load_model(tmp_path / "m.gn")
    assert type(back.loss) is type(loss) and back.loss.get_config() == loss.get_config()
    assert back.evaluate(X, Y, batch_size=96, verbose=0) == pytest.approx(after, rel=1e-12)


def test_evaluate_averages_the_batches_dice_losses_as_keras(rng):
    # axis=None is one loss per batch: evaluate's default batches of 32 (as Keras's) give their size-weighted mean
    X = rng.normal(size=(80, 3))
    Y = (X > 0).astype(float)
    model = Sequential([Dense(3, activation="sigmoid", input_shape=(3,))], dtype="float64")
    model.compile(optimizer="sgd", loss="dice")
    P = model.predict(X)
    by_batch = [losses.dice(Y[i:i + 32], P[i:i + 32]) for i in range(0, 80, 32)]
    assert model.evaluate(X, Y, verbose=0) == pytest.approx(np.average(by_batch, weights=[32, 32, 16]), rel=1e-12)
    assert model.evaluate(X, Y, batch_size=80, verbose=0) == pytest.approx(losses.dice(Y, P), rel=1e-12)


# -- Keras 3's focal losses --------------------------------------------------------------------------

FOCAL_LOSSES = [
    losses.BinaryFocalCrossentropy(),
    losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3, gamma=1.5, label_smoothing=0.1),
    losses.BinaryFocalCrossentropy(gamma=0.5),  # a focal factor of infinite slope at 1 − p_t = 0
    losses.BinaryFocalCrossentropy(from_logits=True),
    losses.BinaryFocalCrossentropy(True, 0.6, 3.0, from_logits=True, label_smoothing=0.2, reduction="sum"),
    losses.CategoricalFocalCrossentropy(),
    losses.CategoricalFocalCrossentropy(alpha=[0.2, 1.0, 2.5], gamma=1.5, label_smoothing=0.1),
    losses.CategoricalFocalCrossentropy(from_logits=True),
    losses.CategoricalFocalCrossentropy(0.5, 3.0, from_logits=True, label_smoothing=0.3,
                                        reduction="mean_with_sample_weight"),
]


@pytest.mark.parametrize("loss", FOCAL_LOSSES, ids=repr)
def test_focal_losses_gradients_are_the_central_differences_of_their_values(loss, rng):
    binary = isinstance(loss, losses.BinaryFocalCrossentropy)
    Y = rng.uniform(size=(5, 3)) if binary else np.eye(3)[rng.integers(0, 3, 5)]
    A = rng.normal(size=(5, 3)) if loss.from_logits else rng.uniform(0.05, 0.95, size=(5, 3))
    weights = rng.uniform(0.2, 2.0, 5)
    h, numeric = 1e-6, np.zeros_like(A)
    for i in np.ndindex(A.shape):
        up, down = A.copy(), A.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (loss(Y, up, sample_weight=weights) - loss(Y, down, sample_weight=weights)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(Y, A, sample_weight=weights), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("loss, output", [
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True), "sigmoid"),  # not binary cross-entropy's a − y
    (losses.BinaryFocalCrossentropy(from_logits=True, label_smoothing=0.1), "linear"),
    (losses.CategoricalFocalCrossentropy(), "softmax"),  # not categorical cross-entropy's a − y
    (losses.CategoricalFocalCrossentropy(alpha=[1.0, 0.5, 2.0], from_logits=True), "linear"),
])
def test_focal_losses_pass_the_gradient_check_through_their_output_layers(loss, output, rng):
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(3, activation=output)], dtype="float64")
    model.compile(loss=loss, optimizer="sgd")
    kind = "unit" if isinstance(loss, losses.BinaryFocalCrossentropy) else "onehot"
    result = glassnet.check_gradients(model, rng.normal(size=(6, 3)), _targets(kind, rng, 6, 3))
    assert result.max_error < 1e-6, str(result)


def test_focal_losses_of_gamma_0_are_the_plain_cross_entropies(rng):
    Y, A, w = rng.uniform(size=(6, 2)), rng.uniform(0.01, 0.99, size=(6, 2)), rng.uniform(size=6)
    for from_logits in (False, True):
        A = rng.normal(size=(6, 2)) if from_logits else A
        focal = losses.BinaryFocalCrossentropy(gamma=0.0, from_logits=from_logits, label_smoothing=0.2)
        plain = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=0.2)
        assert focal(Y, A, sample_weight=w) == pytest.approx(plain(Y, A, sample_weight=w), rel=1e-12)
        np.testing.assert_allclose(focal.gradient(Y, A, w), plain.gradient(Y, A, w), rtol=1e-10)
    Y, A = np.eye(4)[rng.integers(0, 4, 6)], rng.uniform(0.01, 1.0, size=(6, 4))
    for from_logits in (False, True):
        focal = losses.CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0, from_logits=from_logits, label_smoothing=0.1)
        plain = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=0.1)
        assert focal(Y, A, sample_weight=w) == pytest.approx(plain(Y, A, sample_weight=w), rel=1e-12)
        np.testing.assert_allclose(focal.gradient(Y, A, w), plain.gradient(Y, A, w), rtol=1e-10, atol=1e-15)
    # alpha scales the loss; gamma > 0 makes it smaller (outputs right with probability p count (1 − p)^γ)
    scaled = losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=0.0)(Y, A)
    assert scaled == pytest.approx(0.25 * losses.CategoricalCrossentropy()(Y, A), rel=1e-12)
    assert losses.CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0)(Y, A) < scaled


def test_focal_loss_functions_give_keras_s_per_sample_values():
    # keras.losses.binary_focal_crossentropy / categorical_focal_crossentropy (Keras 3.15, JAX, float64):
    # the examples of their docstrings, and with the other arguments
    y, p = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.6, 0.4], [0.4, 0.6]])
    np.testing.assert_allclose(losses.binary_focal_crossentropy(y, p, gamma=2),
                               [0.3298646634746958, 0.20579838163862715], rtol=1e-12)
    np.testing.assert_allclose(losses.binary_focal_crossentropy(y, p, True, 0.3, 1.0, label_smoothing=0.2),
                               [0.25396582410836815, 0.24403762176386845], rtol=1e-12)
    y, p = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), np.array([[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]])
    np.testing.assert_allclose(losses.categorical_focal_crossentropy(y, p),
                               [0.00026340128914456557, 0.6759120942206192], rtol=1e-12)
    np.testing.assert_allclose(losses.categorical_focal_crossentropy(y, np.log(p) + 1.0, 0.5, 3.0, from_logits=True,
                                                                     label_smoothing=0.1),
                               [0.08566470017525207, 1.2266029976542268], rtol=1e-12)


@pytest.mark.parametrize("cls, fn, name, y", [
    (losses.BinaryFocalCrossentropy, losses.binary_focal_crossentropy, "binary_focal_crossentropy",
     lambda X: (X[:, :1] > 0.3) * 1.0),
    (losses.CategoricalFocalCrossentropy, losses.categorical_focal_crossentropy, "categorical_focal_crossentropy",
     lambda X: np.eye(3)[(X[:, 0] > 0) * 1 + (X[:, 1] > 0.5)]),
])
def test_focal_losses_by_name_and_function_train_and_keep_their_arguments_in_a_file(cls, fn, name, y, tmp_path, rng):
    assert cls().name == name
    assert type(losses.get(name)) is cls and type(losses.get(cls.__name__)) is cls
    assert type(losses.get(fn)) is cls  # compile(loss=losses.binary_focal_crossentropy)
    X = rng.normal(size=(30, 2))
    Y = y(X)
    output = "sigmoid" if Y.shape[1] == 1 else "softmax"
    for loss in (name, fn):
        model = Sequential([Dense(8, activation="tanh", input_dim=2), Dense(Y.shape[1], activation=output)],
                           seed=0, dtype="float64")
        model.compile(optimizer="adam", loss=loss)
        history = model.fit(X, Y, epochs=30, batch_size=10, verbose=0).history["loss"]
        assert history[-1] < 0.7 * history[0]
    if cls is losses.BinaryFocalCrossentropy:
        args = dict(apply_class_balancing=True, alpha=0.7, gamma=1.5, from_logits=True, label_smoothing=0.1)
    else:
        args = dict(alpha=[0.2, 0.5, 2.0], gamma=1.5, from_logits=True, label_smoothing=0.1)
    model = Sequential([Dense(8, activation="tanh", input_dim=2), Dense(Y.shape[1])], seed=0, dtype="float64")
    model.compile(optimizer="adam", loss=cls(**args, reduction="sum", name="focal"))
    model.fit(X, Y, epochs=3, verbose=0)
    model.save(tmp_path / "m.gn")
    back = glassnet.models.load_model(tmp_path / "m.gn")
    assert type(back.loss) is cls
    assert back.loss.get_config() == {**args, "reduction": "sum", "name": "focal"}
    assert back.evaluate(X, Y, verbose=0) == pytest.approx(model.evaluate(X, Y, verbose=0), rel=1e-12)
    assert cls.from_config(cls(**args).get_config()).get_config() == cls(**args).get_config()


@pytest.mark.parametrize("make, match", [
    (lambda: losses.BinaryFocalCrossentropy(gamma=-1.0), r"gamma must be >= 0. Received: gamma=-1.0"),
    (lambda: losses.CategoricalFocalCrossentropy(gamma=-0.5), r"gamma must be >= 0. Received: gamma=-0.5"),
    (lambda: losses.BinaryFocalCrossentropy(alpha=1.5), r"alpha must be <= 1. Received: alpha=1.5"),
    (lambda: losses.BinaryFocalCrossentropy(alpha=-0.1), r"alpha must be >= 0. Received: alpha=-0.1"),
    (lambda: losses.CategoricalFocalCrossentropy(alpha=2.0), r"alpha must be <= 1. Received: alpha=2.0"),
    (lambda: losses.CategoricalFocalCrossentropy(alpha=[0.5, -1.0]), r"alpha\[1\] must be >= 0"),
    (lambda: losses.CategoricalFocalCrossentropy(alpha=[]), r"alpha must be a number in \[0, 1\] or a non-empty"),
    (lambda: losses.BinaryFocalCrossentropy(label_smoothing=1.2), r"label_smoothing must be <= 1"),
    (lambda: losses.CategoricalFocalCrossentropy(label_smoothing=-0.1), r"label_smoothing must be >= 0"),
    (lambda: losses.BinaryFocalCrossentropy(axis=2)(np.eye(3), np.eye(3)), r"axis=2 is out of range"),
    (lambda: losses.CategoricalFocalCrossentropy(alpha=[0.5, 1.0])(np.eye(3), np.eye(3)),
     r"alpha holds 2 class weights, but the outputs have 3 classes"),
])
def test_focal_losses_refuse_bad_arguments_by_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()
    with pytest.raises(TypeError, match="apply_class_balancing must be True or False"):
        losses.BinaryFocalCrossentropy(apply_class_balancing="yes")
    with pytest.raises(TypeError, match="gamma must be a number"):
        losses.BinaryFocalCrossentropy(gamma="2")


def test_focal_losses_in_float16_are_finite():
    Y, A = np.array([[1.0, 0, 1, 0]], np.float16), np.array([[0.0, 1, 1, 0]], np.float16)
    for loss in (losses.BinaryFocalCrossentropy(), losses.BinaryFocalCrossentropy(gamma=0.5, from_logits=True)):
        assert np.isfinite(loss(Y, A)) and np.isfinite(loss.gradient(Y, A)).all()
    Yc, Ac = np.array([[1.0, 0, 0]], np.float16), np.array([[0.0, 1, 0]], np.float16)
    loss = losses.CategoricalFocalCrossentropy()
    assert np.isfinite(loss(Yc, Ac)) and np.isfinite(loss.gradient(Yc, Ac)).all()


def test_focal_losses_on_a_linear_output_warn_and_name_the_fix(rng):
    X, Y = rng.normal(size=(40, 3)), np.eye(2)[rng.integers(0, 2, 40)]
    for cls in (losses.BinaryFocalCrossentropy, losses.CategoricalFocalCrossentropy):
        model = Sequential([Dense(2, input_dim=3)])
        model.compile(loss=cls(), optimizer="adam")
        with pytest.warns(UserWarning, match=f"activation is 'linear'.*{cls.__name__}\\(from_logits=True\\)"):
            model.fit(X, Y, epochs=1, verbose=0)
        model.compile(loss=cls(from_logits=True), optimizer="adam")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            model.fit(X, Y, epochs=1, verbose=0)


# Keras 3.15's CategoricalGeneralizedCrossEntropy (Zhang & Sabuncu, 2018): (1 − ŷ_c^q) / q of integer labels c
GCE_A = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5], [0.1, 0.6, 0.3], [0.05, 0.9, 0.05]])
GCE_Y = np.array([0, 2, 1, 2])
GCE_W = np.array([1.0, 0.0, 2.5, 0.5])


def test_generalized_cross_entropy_by_hand():
    # q = ½: (1 − √ŷ_c) / ½ = 2 (1 − √ŷ_c)
    expected = 2 * (1 - np.sqrt([0.7, 0.5, 0.6, 0.05]))
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(GCE_Y, GCE_A, 0.5), expected, rtol=1e-14)
    assert losses.CategoricalGeneralizedCrossEntropy()(GCE_Y, GCE_A) == pytest.approx(expected.mean(), rel=1e-14)
    assert losses.get("categorical_generalized_cross_entropy")(GCE_Y[:, None], GCE_A, GCE_W) == pytest.approx(
        expected @ GCE_W / 4, rel=1e-14)  # labels (n, 1) as (n,)
    # q → 0 tends to cross-entropy −log ŷ_c, q → 1 to 1 − ŷ_c
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(GCE_Y, GCE_A, 1e-9),
                               -np.log([0.7, 0.5, 0.6, 0.05]), rtol=1e-7)
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(GCE_Y, GCE_A, 1 - 1e-12),
                               1 - np.array([0.7, 0.5, 0.6, 0.05]), rtol=1e-9)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", None])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("q", [0.5, 0.1, 0.9])
def test_generalized_cross_entropy_equals_keras_3_15_in_float64(keras_float64, reduction, weighted, q):
    import jax

    keras, _ = keras_float64
    w = GCE_W if weighted else None
    ours = losses.CategoricalGeneralizedCrossEntropy(q, reduction)(GCE_Y, GCE_A, sample_weight=w)
    with jax.enable_x64(True):  # (Keras's labels (n, 1) broadcast against the outputs to (n, n): (n,) here)
        theirs = keras.losses.CategoricalGeneralizedCrossEntropy(q, reduction, dtype="float64")(
            GCE_Y, GCE_A, sample_weight=w)
        function = keras.losses.categorical_generalized_cross_entropy(GCE_Y, GCE_A, q)
    assert np.asarray(theirs).dtype == np.float64
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(GCE_Y, GCE_A, q), np.asarray(function),
                               rtol=1e-13)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weights", [None, "per sample"])
def test_generalized_cross_entropy_gradient_is_the_central_differences(reduction, weights, rng):
    loss = losses.CategoricalGeneralizedCrossEntropy(0.3, reduction)
    A = rng.uniform(0.05, 1, size=(5, 3))
    Y = np.eye(3)[rng.integers(0, 3, size=5)]
    w = rng.uniform(0.1, 2, size=5) if weights else None
    np.testing.assert_allclose(loss.gradient(Y, A, w), _central_differences(loss, Y, A, w), rtol=1e-6, atol=1e-9)
    assert loss.fused_delta(activations.Softmax(), Y, A) is None  # (a − y is cross-entropy's, not this loss's)


def test_generalized_cross_entropy_config_and_bad_q():
    loss = losses.CategoricalGeneralizedCrossEntropy(0.25, "sum", name="gce")
    assert loss.get_config() == {"name": "gce", "reduction": "sum", "q": 0.25}
    again = losses.deserialize(losses.serialize(loss))
    assert (type(again), again.q, again.name, again.reduction) == (type(loss), 0.25, "gce", "sum")
    assert repr(loss) == "CategoricalGeneralizedCrossEntropy(q=0.25, name='gce', reduction='sum')"
    assert losses.get(losses.categorical_generalized_cross_entropy).q == 0.5  # compile(loss=the function)
    for q in (0, 1, -0.5, 1.5, float("nan")):
        with pytest.raises(ValueError, match="q"):
            losses.CategoricalGeneralizedCrossEntropy(q)
    with pytest.raises(TypeError, match="q"):
        losses.CategoricalGeneralizedCrossEntropy("0.5")
    with pytest.raises(ValueError, match="dtype"):
        losses.CategoricalGeneralizedCrossEntropy(dtype="float16")
    with pytest.raises(ValueError, match="reduction"):
        losses.CategoricalGeneralizedCrossEntropy(reduction="avg")
    with pytest.raises(ValueError, match="integer class labels"):
        losses.CategoricalGeneralizedCrossEntropy()(np.array([0, 3]), GCE_A[:2])


def test_generalized_cross_entropy_trains_on_integer_labels(rng):
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    model = Sequential([Dense(8, activation="tanh", input_dim=2), Dense(3, activation="softmax")], dtype="float64")
    model.compile(loss="categorical_generalized_cross_entropy", optimizer=glassnet.optimizers.Adam(0.03),
                  metrics=["accuracy"])
    before = model.evaluate(X, y, verbose=0)
    model.fit(X, y, epochs=60, batch_size=20, verbose=0)
    after = model.evaluate(X, y, return_dict=True, verbose=0)
    assert after["loss"] < before[0] - 0.3 and after["accuracy"] > 0.8


# Keras 3.15's Circle loss (Sun et al., 2020): labels 2 and 3 have no positive, so their loss is 0 and Keras's
# mask leaves them out of the means
CIRCLE_Y = np.array([0, 1, 0, 2, 1, 0, 3])


def _unit_rows(rng, n, d):
    A = rng.normal(size=(n, d))
    return A / np.linalg.norm(A, axis=1, keepdims=True)


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 5.0, "margin": 0.25}, {"gamma": 2.0, "remove_diagonal": False}])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", None])
@pytest.mark.parametrize("weighted", [False, True])
def test_circle_equals_keras_3_15_in_float64(keras_float64, kwargs, reduction, weighted):
    import jax

    keras, _ = keras_float64
    rng = np.random.default_rng(0)
    A, w = _unit_rows(rng, 7, 4), rng.uniform(0.1, 2, size=7)
    w = w if weighted else None
    ours = losses.Circle(reduction=reduction, **kwargs)(CIRCLE_Y, A, sample_weight=w)
    with jax.enable_x64(True):
        theirs = np.asarray(keras.losses.Circle(reduction=reduction, dtype="float64", **kwargs)(
            CIRCLE_Y, A, sample_weight=w))
    assert theirs.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-13)
    unreduced = losses.Circle(reduction=None, **kwargs)(CIRCLE_Y[:, None], A)  # labels (n, 1) as (n,)
    np.testing.assert_allclose(unreduced, losses.circle(CIRCLE_Y, A, **kwargs), rtol=1e-15)
    if kwargs.get("remove_diagonal", True):
        assert unreduced[3] == unreduced[6] == 0.0 and np.all(unreduced[[0, 1, 2, 4, 5]] > 0)


def test_circle_function_with_reference_embeddings_equals_keras(keras_float64):
    import jax

    keras, _ = keras_float64
    rng = np.random.default_rng(1)
    A, R, ref = _unit_rows(rng, 7, 4), _unit_rows(rng, 5, 4), np.array([0, 1, 1, 2, 5])
    with jax.enable_x64(True):
        for args in ({}, {"ref_labels": ref, "ref_embeddings": R, "gamma": 3.0, "margin": 0.2}):
            np.testing.assert_allclose(losses.circle(CIRCLE_Y, A, **args),
                                       np.asarray(keras.losses.circle(CIRCLE_Y, A, **args)), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("kwargs", [{"gamma": 4.0}, {"gamma": 2.0, "margin": 0.1, "remove_diagonal": False}])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight"])
@pytest.mark.parametrize("weights", [None, "per sample"])
def test_circle_gradient_is_the_central_differences(kwargs, reduction, weights, rng):
    # every embedding enters every other sample's loss: the gradient is of the batch, not of each row
    loss = losses.Circle(reduction=reduction, **kwargs)
    A = 0.95 * _unit_rows(rng, 7, 3)  # (unit rows put the self-similarities on the kink of max(1 − S, 0))
    w = rng.uniform(0.1, 2, size=7) if weights else None
    np.testing.assert_allclose(loss.gradient(CIRCLE_Y[:, None], A, w), _central_differences(loss, CIRCLE_Y, A, w),
                               rtol=1e-6, atol=1e-8)


def test_circle_passes_the_gradient_check_and_trains_embeddings(rng):
    model = Sequential([Dense(5, activation="tanh", input_dim=3), Dense(4), glassnet.layers.UnitNormalization()],
                       dtype="float64")
    model.compile(loss=losses.Circle(gamma=4.0), optimizer=glassnet.optimizers.Adam(0.02))
    X = rng.normal(size=(8, 3))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    result = glassnet.check_gradients(model, X, y)
    assert result.max_error < 1e-6, str(result)
    centres = rng.normal(size=(3, 3)) * 3
    labels = rng.integers(0, 3, size=90)
    X = centres[labels] + rng.normal(size=(90, 3))
    before = model.evaluate(X, labels, batch_size=30, verbose=0)
    model.fit(X, labels, epochs=40, batch_size=30, verbose=0)
    assert model.evaluate(X, labels, batch_size=30, verbose=0) < 0.8 * before  # (its floor is not 0: log-sum-exps)
    E = model.predict(X)  # same-class embeddings now closer than other-class ones
    S = E @ E.T
    same = labels[:, None] == labels[None, :]
    assert S[same].mean() > S[~same].mean() + 0.5


def test_circle_config_and_bad_arguments():
    loss = losses.Circle(10.0, 0.3, False, "sum", name="c")
    assert loss.get_config() == {"name": "c", "reduction": "sum", "gamma": 10.0, "margin": 0.3,
                                 "remove_diagonal": False}
    again = losses.deserialize(losses.serialize(loss))
    assert (type(again), again.get_config()) == (losses.Circle, loss.get_config())
    assert isinstance(losses.get("circle"), losses.Circle) and isinstance(losses.get(losses.circle), losses.Circle)
    for bad, arg in ((dict(gamma=0), "gamma"), (dict(gamma=-1.0), "gamma"), (dict(margin=float("inf")), "margin")):
        with pytest.raises(ValueError, match=arg):
            losses.Circle(**bad)
    with pytest.raises(TypeError, match="remove_diagonal"):
        losses.Circle(remove_diagonal="yes")
    A = _unit_rows(np.random.default_rng(0), 4, 3)
    with pytest.raises(ValueError, match="y_true"):
        losses.Circle()(np.array([0, 1]), A)
    with pytest.raises(ValueError, match="y_true"):
        losses.Circle()(np.array([0, 1.5, 0, 1]), A)
    with pytest.raises(ValueError, match="ref_embeddings"):
        losses.circle(np.array([0, 1, 0, 1]), A, ref_labels=[0, 1], ref_embeddings=np.ones((2, 5)))
    with pytest.raises(ValueError, match="ref_labels"):
        losses.circle(np.array([0, 1, 0, 1]), A, ref_labels=[0, 1, 2], ref_embeddings=np.ones((2, 3)))
    with pytest.raises(ValueError, match="reduction"):
        losses.Circle(reduction=None).gradient(np.array([0, 1, 0, 1]), A)


def test_losses_defined_in_their_own_modules_keep_the_path_of_pickles_made_before():
    # losses.py became a package (base, regression, probabilistic, focal, hinge, overlap, circle, functions):
    # a model pickled before holds its loss, which names its class (or a FunctionLoss, Keras's function) by
    # glassnet.losses (protocol 0: "c<module>\n<name>"): that path must keep giving the same object
    import pickle

    from glassnet import _registry

    names = [*losses.CLASSES, "Loss", "FunctionLoss", "_SignedLabelLoss", "_Overlap", "_Crossentropy",
             "_CategoricalTargets", "output_delta", *losses.FUNCTIONS.values(), "mse", "mae", "mape", "msle"]
    for name in names:
        assert pickle.loads(f"cglassnet.losses\n{name}\n.".encode()) is getattr(losses, name), name
    assert {cls.__module__ for cls in losses.CLASSES.values()} != {"glassnet.losses"}  # (moved, indeed)
    for name in ("LOSSES", "CLASSES", "FUNCTIONS", "EPSILON", "REDUCTION", "REDUCTIONS", "function_name", "get",
                 "serialize", "deserialize", "_check_reduces"):
        assert hasattr(losses, name), name
    # a class name stands for a loss defined in any of the package's modules (losses.get("FunctionLoss")
    # asks for its function rather than saying the name is unknown)
    assert {cls.__name__ for cls in _registry._classes(losses.LOSSES, losses.Loss)} == {*losses.CLASSES, "FunctionLoss"}


def test_from_config_of_a_loss_and_a_metric_names_an_unknown_key_with_the_class():
    # Loss and Metric had a from_config of their own (a copy of each other's) that left an unknown key to
    # __init__; they share the registry's Configurable now, as initializers and optimizers do
    from glassnet import metrics

    with pytest.raises(TypeError, match=r"Huber.from_config got unknown key\(s\) bogus; Huber takes"):
        losses.Huber.from_config({**losses.Huber(delta=2.0).get_config(), "bogus": 1})
    with pytest.raises(TypeError, match=r"config must be a dict"):
        metrics.AUC.from_config([("num_thresholds", 3)])
    with pytest.raises(TypeError, match=r"AUC.from_config got unknown key\(s\) bogus; AUC takes num_thresholds"):
        metrics.AUC.from_config({"num_thresholds": 3, "bogus": 1})
    assert losses.Huber.from_config(losses.Huber(delta=2.0).get_config()).delta == 2.0
    auc = metrics.AUC.from_config(metrics.AUC(num_thresholds=7, name="a").get_config())
    assert (auc.num_thresholds, auc.name) == (7, "a")


def test_nll_of_an_impossible_class_is_the_targets_term_alone():
    # −Σ_k y_k ŷ_k gave 0·(−inf) = NaN for a class of log-probability −inf (glassnet's own LogSoftmax gives it for
    # logits spanning more than float64's range); torch's nll_loss gives −log p of the target, 0 here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_p = activations.LogSoftmax().forward(np.array([[1e308, -1e308], [-1e308, 1e308]]))
        assert log_p.tolist() == [[0.0, -np.inf], [-np.inf, 0.0]]
        assert losses.get("nll")(np.array([[1.0, 0.0], [0.0, 1.0]]), log_p) == 0.0
        nll = losses.get("nll")(np.array([[0.0, 1.0, 0.0]]), np.array([[-np.inf, np.log(0.25), -np.inf]]))
        assert nll == pytest.approx(np.log(4), rel=1e-15)
        assert activations.Softmax().forward(np.array([[1e308, 1e308, -1e308]])).tolist() == [[0.5, 0.5, 0.0]]
    assert np.isinf(losses.get("nll")(np.array([[1.0, 0.0]]), np.array([[-np.inf, 0.0]])))  # the target impossible


def _numeric_gradient(f, A, h=1e-6):
    G = np.zeros_like(A)
    for i in np.ndindex(A.shape):
        step = np.zeros_like(A)
        step[i] = h
        G[i] = (f(A + step) - f(A - step)) / (2 * h)
    return G


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_axis_losses_take_any_axis_of_the_outputs_as_keras(axis):
    # Keras takes axis=1 for (n, k) outputs (its docstrings write it: the last axis there) and axis=0 too, which
    # reduces over the samples: one loss per column. glassnet refused both ("axis must be -1")
    rng = np.random.default_rng(3)
    Y, A = rng.random((4, 3)), rng.random((4, 3))
    ax = axis % 2
    onehot = np.eye(3)[[0, 2, 1, 1]] if ax == 1 else np.eye(4)[[0, 3, 1]].T  # one class per slice along the axis
    cosine = (Y * A).sum(ax) / np.linalg.norm(Y, axis=ax) / np.linalg.norm(A, axis=ax)
    P = A / A.sum(ax, keepdims=True)
    log_softmax = A - np.log(np.exp(A).sum(ax, keepdims=True))
    bce = -(onehot * np.log(P) + (1 - onehot) * np.log(1 - P)).mean(ax)
    hand = {losses.CosineSimilarity(axis=axis, reduction=None): (Y, A, -cosine),
            losses.CategoricalCrossentropy(axis=axis, reduction=None): (onehot, P, -(onehot * np.log(P)).sum(ax)),
            losses.CategoricalCrossentropy(True, axis=axis, reduction=None):
                (onehot, A, -(onehot * log_softmax).sum(ax)),
            losses.BinaryCrossentropy(axis=axis, reduction=None): (onehot, P, bce)}
    for loss, (y, a, expected) in hand.items():
        np.testing.assert_allclose(loss(y, a), expected, rtol=1e-12)  # (k,) for axis=0: Keras's shape
        loss.reduction = "sum_over_batch_size"
        assert loss(y, a) == pytest.approx(expected.mean(), rel=1e-12)
        loss.reduction = "sum"
        np.testing.assert_allclose(loss.gradient(y, a), _numeric_gradient(lambda t: loss(y, t), a), rtol=1e-6,
                                   atol=1e-8)
    # the focal ones reduce the same axis (gamma=0, alpha=1: the plain cross-entropies)
    np.testing.assert_allclose(losses.CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0, axis=axis, reduction=None)(
        onehot, P), -(onehot * np.log(P)).sum(ax), rtol=1e-12)
    np.testing.assert_allclose(losses.binary_focal_crossentropy(onehot, P, gamma=0.0, axis=axis), bce, rtol=1e-12)
    # Keras 3.15's (jax, float64) at these arrays, axis=0
    if ax == 0:
        np.testing.assert_allclose(losses.cosine_similarity(Y, A, axis=axis), [-0.8499919, -0.86138954, -0.78490117],
                                   rtol=1e-7)
        np.testing.assert_allclose(losses.categorical_crossentropy(onehot, A, from_logits=True, axis=axis),
                                   [1.7433762, 1.46198684, 1.2037632], rtol=1e-7)
    # per-column weights of the (k,) losses, as Keras broadcasts them: Σ w J / k
    w = np.array([1.0, 2.0, 0.5]) if ax == 0 else np.array([1.0, 2.0, 0.5, 0.0])
    assert losses.CosineSimilarity(axis=axis)(Y, A, sample_weight=w) == pytest.approx(
        -(w * cosine).sum() / len(w), rel=1e-12)


def test_axis_losses_move_the_axis_of_sequences_and_refuse_one_out_of_range():
    rng = np.random.default_rng(4)
    Y, A = rng.random((2, 3, 4)), rng.random((2, 3, 4))
    for axis in (0, 1, -2, 2):
        cosine = (Y * A).sum(axis) / np.linalg.norm(Y, axis=axis) / np.linalg.norm(A, axis=axis)
        np.testing.assert_allclose(losses.cosine_similarity(Y, A, axis=axis), -cosine, rtol=1e-12)
        loss = losses.CosineSimilarity(axis=axis, reduction="sum")
        np.testing.assert_allclose(loss.gradient(Y, A), _numeric_gradient(lambda t: loss(Y, t), A), rtol=1e-6,
                                   atol=1e-8)
    for axis in (3, -4):
        with pytest.raises(ValueError, match=rf"axis={axis} is out of range for outputs of shape \(2, 3, 4\): axis "
                                             r"must lie in \[-3, 2\]"):
            losses.CosineSimilarity(axis=axis)(Y, A)
    # a sparse loss's labels index the last axis (Keras's fails on another: "incompatible shapes")
    assert losses.SparseCategoricalCrossentropy(axis=1)([0, 2], A[0, :2, :3]) == pytest.approx(
        losses.SparseCategoricalCrossentropy()([0, 2], A[0, :2, :3]), rel=1e-15)
    with pytest.raises(ValueError, match="reads the classes along the last axis of the outputs"):
        losses.SparseCategoricalCrossentropy(axis=0)([0, 2], A[0, :2, :3])
    assert losses.CategoricalCrossentropy(axis=0).get_config()["axis"] == 0  # written, and read back
    assert losses.deserialize(losses.serialize(losses.CosineSimilarity(axis=0))).axis == 0
    assert "axis" not in losses.CategoricalCrossentropy().get_config()  # (files of the default stay as they were)


def test_a_model_trains_with_axis_1_as_with_the_default_and_with_axis_0_by_its_gradient(rng):
    X = rng.normal(size=(24, 4))
    y = np.eye(3)[rng.integers(0, 3, 24)]
    weights = {}
    for axis in (-1, 1, 0):
        glassnet.utils.set_random_seed(0)
        model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
        model.compile(optimizer="sgd", loss=losses.CategoricalCrossentropy(axis=axis))
        model.fit(X, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
        weights[axis] = model.get_weights()
    for a, b in zip(weights[-1], weights[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert not np.allclose(weights[-1][0], weights[0][0])  # softmax over the units, the loss over the samples
    assert np.isfinite(weights[0][0]).all()
