"""Session 56's leftovers: compile's ``loss_weights`` of 0 and negative weights, taken as Keras 3 takes them
(they were refused; NaN and inf still are); the counting metrics' refusal of negative sample weights names the
metric that refused them; Keras's accuracy functions return floatx values, and a list given to a loss as
``y_pred`` is read in floatx, as Keras converts it."""

import json
import math
import zipfile

import numpy as np
import pytest

import glassnet
import glassnet.losses as G
import glassnet.metrics as M
from glassnet import optimizers
from test_loss_weights_s55 import FORMS, KINDS, L2, SW, X, Y_CLASSES, Y_VALUES, _by_hand, _model

# Keras 3.15 (JAX with x64, floatx and dtype policy float64, its result_type kept float64 as conftest's
# keras_float64 fixture does, so that its means are float64's) gave these for Dense(3, activation, L2(0.01)) from
# test_loss_weights_s55's W0, B0, compile(SGD(0.25), loss, loss_weights=w), fit(X, Y, sample_weight=SW,
# batch_size=2, epochs=2, shuffle=False): the epochs' losses, then evaluate's, and the weights
KERAS = {
    ("mse", 0.0): dict(
        hist=[0.016848989894454543, 0.016349796604000214], evaluate=0.016024708132215564,
        W=[[-0.5822235056137594, -0.47636468641125773, -0.370505867208756],
           [-0.26464704800625427, -0.15878822880375257, -0.05292940960125087],
           [0.05292940960125087, 0.1587882288037525, 0.26464704800625427],
           [0.370505867208756, 0.4763646864112577, 0.5822235056137594]], b=[0.1, -0.2, 0.05]),
    ("mse", -0.5): dict(
        hist=[-0.7902974510115515, -2.070488769241416], evaluate=-4.6895913457026,
        W=[[-1.511552400769854, -0.17576707326206792, 0.4617620017042692],
           [-1.0191329934571112, -0.4593217212938392, -0.39947163907715943],
           [1.07858407627675, 0.38417287110626974, 0.15905015705586423],
           [-0.26710918769467085, 0.7011046500540036, 1.274434858500961]],
        b=[0.232320864650365, -0.24765920429176974, -0.18329975282094185]),
    ("categorical_crossentropy", -0.5): dict(
        hist=[-0.6176463633544517, -0.8771902615694365], evaluate=-1.2266912961716958,
        W=[[-0.9017062919110288, -0.07199506212550562, -0.45539270519723857],
           [-0.031058479299698235, -0.5986568536317332, 0.15335064652017366],
           [-0.08376075208726236, 0.33272371778600285, 0.22740172071251713],
           [0.15307465436379833, 0.7685621374227073, 0.5074572674472674]],
        b=[0.24608391735095134, -0.4343956853265278, 0.13831176797557643]),
}
LOSSES = {"mse": ("linear", Y_VALUES), "categorical_crossentropy": ("softmax", Y_CLASSES)}


# -- 1. loss_weights 0 and negative, as Keras's -------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("loss, weight", list(KERAS))
def test_zero_and_negative_loss_weights_train_as_keras_in_float64(kind, loss, weight):
    # they were refused ("loss_weights must be a positive finite number"); Keras 3 takes them: 0 trains the
    # penalties alone (the cross-entropy's w = 0 run is the mean squared error's: both are L2's alone), and a
    # negative weight ascends the loss
    activation, Y = LOSSES[loss]
    model = _model(kind, activation, glassnet.regularizers.L2(L2))
    model.compile(optimizers.SGD(0.25), loss, loss_weights=weight)
    history = model.fit(X, Y, sample_weight=SW, batch_size=2, epochs=2, shuffle=False, verbose=0).history
    expected = KERAS[loss, weight]
    np.testing.assert_allclose(history["loss"], expected["hist"], rtol=1e-12, atol=1e-15)
    assert model.evaluate(X, Y, sample_weight=SW, verbose=0) == pytest.approx(expected["evaluate"], rel=1e-12)
    np.testing.assert_allclose(model.get_weights()[0], expected["W"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], expected["b"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("weight", [0.0, -0.5, -3])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_one_step_with_a_zero_or_negative_weight_is_the_hand_worked_one(loss, weight, form):
    # J = w·loss + L2 ΣW², ∂J/∂W = w·∂loss/∂W + 2 L2 W: worked in NumPy (test_loss_weights_s55's _by_hand)
    activation, Y = LOSSES[loss]
    model = _model("sequential", activation, glassnet.regularizers.L2(L2))
    model.compile(optimizers.SGD(0.5), loss, loss_weights=FORMS[form](weight))
    J, dW, db = _by_hand(loss, *model.get_weights(), weight, SW)
    W0, b0 = model.get_weights()
    assert model.evaluate(X, Y, sample_weight=SW, verbose=0) == pytest.approx(J, rel=1e-12)
    assert model.fit(X, Y, sample_weight=SW, batch_size=6, shuffle=False, verbose=0).history["loss"][0] == \
        pytest.approx(J, rel=1e-12)
    np.testing.assert_allclose(model.get_weights()[0], W0 - 0.5 * dW, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], b0 - 0.5 * db, rtol=0, atol=1e-12)
    if weight == 0:
        np.testing.assert_array_equal(model.get_weights()[1], b0)  # (no penalty on the bias: it stays)


@pytest.mark.parametrize("weight", [0.0, -0.5])
def test_zero_and_negative_loss_weights_survive_files_and_the_compile_config(weight, tmp_path):
    pytest.importorskip("h5py", reason="the .keras files need h5py (the keras-files extra)")
    model = _model("functional", "linear", glassnet.regularizers.L2(L2))
    model.compile(optimizers.SGD(0.25), "mse", loss_weights=weight)
    expected = model.evaluate(X, Y_VALUES, verbose=0)
    assert model.get_compile_config()["loss_weights"] == weight
    model.save(tmp_path / "model.gn")  # (the .gn loader refused them too)
    path = model.export(tmp_path / "model.keras", format="keras")
    with zipfile.ZipFile(path) as zf:
        assert json.loads(zf.read("config.json"))["compile_config"]["loss_weights"] == weight  # what Keras reads
    for again in (glassnet.models.load_model(tmp_path / "model.gn"), glassnet.models.load_model(path)):
        assert again.compiled and again._loss_weight == weight
        assert again.get_compile_config()["loss_weights"] == weight
        assert again.evaluate(X, Y_VALUES, verbose=0) == pytest.approx(expected, rel=1e-6)  # (.keras: float32)


def test_keras_reads_a_negative_loss_weight_from_glassnet_s_file(tmp_path, keras64):
    pytest.importorskip("h5py", reason="writing .keras files needs h5py (the keras-files extra)")
    model = _model("sequential", "linear", glassnet.regularizers.L2(L2))
    model.compile(optimizers.SGD(0.25), "mse", loss_weights=-0.5)
    theirs = keras64.saving.load_model(model.export(tmp_path / "model.keras", format="keras"))
    assert theirs.get_compile_config()["loss_weights"] == -0.5


@pytest.mark.parametrize("weight, shown", [(math.nan, "nan"), (-math.inf, "-inf"), ([math.inf], r"\[inf\]"),
                                           ({"out": math.nan}, r"\{'out': nan\}")])
def test_nan_and_infinite_loss_weights_are_still_refused_naming_them(weight, shown):
    # (Keras takes them and trains to NaN weights)
    model = _model("functional", "linear")
    with pytest.raises(ValueError, match=rf"loss_weights must be a finite number.*Received: loss_weights={shown}"):
        model.compile("sgd", "mse", loss_weights=weight)


# -- 2. the counting metrics name themselves when they refuse negative weights ------------------------------------
_BIN_Y, _BIN_P = np.array([[1.0], [0.0], [1.0]]), np.array([[0.8], [0.3], [0.4]])
COUNTING = [
    (M.AUC(), _BIN_Y, _BIN_P), (M.Precision(name="prec"), _BIN_Y, _BIN_P), (M.Recall(), _BIN_Y, _BIN_P),
    (M.TruePositives(), _BIN_Y, _BIN_P), (M.PrecisionAtRecall(0.5), _BIN_Y, _BIN_P), (M.R2Score(), _BIN_Y, _BIN_P),
    (M.F1Score(), np.eye(2)[[1, 0, 1]], np.array([[0.2, 0.8], [0.7, 0.3], [0.6, 0.4]])),
    (M.MeanIoU(num_classes=2), np.array([1, 0, 1]), np.array([1, 0, 0])),
]


@pytest.mark.parametrize("metric, y, p", COUNTING, ids=[type(m).__name__ for m, _, _ in COUNTING])
def test_a_counting_metric_s_refusal_of_negative_weights_names_it(metric, y, p):
    # it said "for this metric": with several compiled metrics, which one was left to guess
    expected = rf"sample_weight must hold non-negative weights for the metric '{metric.name}' \({type(metric).__name__}\)"
    with pytest.raises(ValueError, match=expected):
        metric.update_state(y, p, sample_weight=np.array([1.0, -1.0, 1.0]))


def test_fit_names_the_compiled_metric_that_refuses_negative_weights():
    model = glassnet.Sequential([glassnet.Input((4,)), glassnet.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", weighted_metrics=["accuracy", "AUC"])  # (accuracy takes them)
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"non-negative weights for the metric 'AUC' \(AUC\)"):
        model.fit(X, y, sample_weight=SW * [1, -1, 1, 1, 1, 1], verbose=0)


# -- 3. dtypes: Keras's accuracy functions give floatx; list outputs are read in floatx --------------------------
P = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.25, 0.35, 0.4], [0.3, 0.3, 0.4]])
T = np.eye(3)[[1, 0, 1, 2]]
LAB = np.array([1, 0, 1, 2])
ACCURACIES = {  # arguments of y_pred, and the values worked by hand
    "binary_accuracy": (lambda p: (T, p), ((P > 0.5) == T).astype(float)),
    "categorical_accuracy": (lambda p: (T, p), [1.0, 1.0, 0.0, 1.0]),
    "sparse_categorical_accuracy": (lambda p: (LAB, p), [1.0, 1.0, 0.0, 1.0]),
    "top_k_categorical_accuracy": (lambda p: (T, p, 2), [1.0, 1.0, 1.0, 1.0]),
    "sparse_top_k_categorical_accuracy": (lambda p: (LAB, p, 2), [1.0, 1.0, 1.0, 1.0]),
}


@pytest.mark.parametrize("name", ACCURACIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_accuracy_functions_return_floatx_whatever_y_pred_s_dtype(name, dtype):
    # Keras 3.15 casts the matches to floatx (float32 for float64 y_pred, also on torch, where float64 stays
    # float64 elsewhere); glassnet returned y_pred's dtype. The values are 0 and 1: nothing is rounded
    args, expected = ACCURACIES[name]
    values = getattr(M, name)(*args(P.astype(dtype)))
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, expected)
    glassnet.config.set_floatx("float64")
    assert getattr(M, name)(*args(P.astype(dtype))).dtype == np.float64


def test_correlation_functions_keep_y_pred_s_float_dtype():
    # (as Keras's, which convert y_true to y_pred's dtype: float64 on torch; unchanged)
    for f in (M.pearson_correlation, M.concordance_correlation):
        assert f(T, P).dtype == np.float64 and f(T, P.astype(np.float32)).dtype == np.float32


LIST_LOSSES = {  # name: (y_true, y_pred) as lists
    "mean_squared_error": (T.tolist(), P.tolist()), "huber": (T.tolist(), P.tolist()),
    "binary_crossentropy": (T.tolist(), P.tolist()), "categorical_crossentropy": (T.tolist(), P.tolist()),
    "kl_divergence": (T.tolist(), P.tolist()), "cosine_similarity": (T.tolist(), P.tolist()),
    "hinge": (T.tolist(), P.tolist()), "squared_hinge": (T.tolist(), P.tolist()),
    "sparse_categorical_crossentropy": (LAB.tolist(), P.tolist()), "dice": (T.tolist(), P.tolist()),
}


@pytest.mark.parametrize("name", LIST_LOSSES)
def test_a_loss_of_list_outputs_computes_in_floatx_as_keras(name):
    # Keras converts a list y_pred to floatx (float32) and y_true to its dtype; glassnet read it in float64
    y, p = LIST_LOSSES[name]
    function = getattr(G, name)
    values = np.asarray(function(y, p))
    assert values.dtype == np.float32
    # the float32 computation (its loss of float32 arrays), and close to the float64 one
    y32 = np.asarray(y, np.int64 if name.startswith("sparse") else np.float32)
    np.testing.assert_array_equal(values, function(y32, np.asarray(p, np.float32)))
    np.testing.assert_allclose(values, function(np.asarray(y), np.asarray(p)), rtol=1e-6, atol=1e-7)
    glassnet.config.set_floatx("float64")
    np.testing.assert_array_equal(function(y, p), function(np.asarray(y), np.asarray(p)))


def test_loss_objects_read_list_outputs_in_floatx_and_keep_float64_arrays():
    per_sample = G.MeanSquaredError(reduction=None)
    assert per_sample(T.tolist(), P.tolist()).dtype == np.float32
    assert G.MeanSquaredError().gradient(T.tolist(), P.tolist()).dtype == np.float32
    assert G.Hinge(reduction=None)(T.astype(int).tolist(), P.tolist()).dtype == np.float32  # (its 0/1 labels)
    # a float64 model's outputs stay float64, and float64 targets keep a list's loss float64 (as documented)
    assert per_sample(T, P).dtype == np.float64 and per_sample(T, P.tolist()).dtype == np.float64
    np.testing.assert_allclose(per_sample(T.tolist(), P.tolist()), np.mean((T - P) ** 2, axis=1), rtol=1e-6)
    assert G.MeanSquaredError()(T.tolist(), P.tolist()) == pytest.approx(np.mean((T - P) ** 2), rel=1e-6)
