"""compile(loss_weights=w) of glassnet's one-output models, as Keras 3's: the loss fit descends and fit,
evaluate, train_on_batch and test_on_batch log is ``w J + penalties`` (the regularizers' penalties are not
weighted), in each of Keras's forms for one output: ``w``, ``[w]``, ``(w,)``, ``{"out": w}``. It was refused
unless ``w`` was 1 (before session 55); Keras's files compiled with it loaded uncompiled."""

import json
import math
import warnings
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers
from glassnet.models.keras_files import UncompiledWarning
from test_one_output_forms_s54 import _written_with  # (a .keras file with another compile_config)
from test_saving import _rewrite  # (a .gn file with another model.json)

FORMS = {"number": lambda w: w, "list": lambda w: [w], "tuple": lambda w: (w,), "dict": lambda w: {"out": w}}
KINDS = ("sequential", "functional", "subclassed")
L2 = 0.01

X = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 1.0], [-2.0, 0.75, 0.5, -1.5],
              [0.25, 1.25, -1.0, 0.5], [1.0, -0.5, 0.0, 2.0], [-0.75, -1.5, 1.5, 0.0]])
Y_CLASSES = np.eye(3)[[0, 2, 1, 1, 0, 2]]
Y_VALUES = np.array([[0.5, -1.0, 0.25], [1.0, 0.0, -0.5], [-0.25, 0.75, 1.5],
                     [2.0, -0.5, 0.0], [0.0, 1.0, -1.0], [-1.5, 0.5, 0.5]])
SW = np.array([1.0, 0.5, 2.0, 1.5, 0.25, 1.0])
W0 = np.linspace(-0.6, 0.6, 12).reshape(4, 3)
B0 = np.array([0.1, -0.2, 0.05])


def _model(kind, activation, regularizer=None, activity=None):
    """One Dense layer "out" of 3 units on 4 inputs, in float64, with the weights W0, B0."""
    settings = dict(activation=activation, kernel_regularizer=regularizer, activity_regularizer=activity, name="out")
    if kind == "sequential":
        model = glassnet.Sequential([glassnet.Input((4,)), layers.Dense(3, **settings)], dtype="float64")
    elif kind == "functional":
        inputs = glassnet.Input((4,))
        model = glassnet.Model(inputs, layers.Dense(3, dtype="float64", **settings)(inputs))
    else:
        class Head(glassnet.Model):
            def __init__(self):
                super().__init__(dtype="float64")
                self.out = layers.Dense(3, **settings)

            def call(self, x):
                return self.out(x)

        model = Head()
        model(X[:1])
    model.set_weights([W0, B0])
    return model


def _by_hand(loss, W, b, weight, sw=None):
    """``(J, dW, db)`` of ``weight · loss + L2 Σ W²`` for the Dense layer (W, b) on X, worked in NumPy:
    the mean squared error of a linear output, or the cross-entropy of a softmax one (δ = a − y)."""
    n = X.shape[0]
    s = np.ones(n) if sw is None else sw
    Z = X @ W + b
    if loss == "mse":
        A, Y = Z, Y_VALUES
        J = np.sum(s * np.mean((A - Y) ** 2, axis=1)) / n
        dZ = 2 * s[:, None] * (A - Y) / (n * A.shape[1])
    else:
        A = np.exp(Z - Z.max(axis=1, keepdims=True))
        A /= A.sum(axis=1, keepdims=True)
        Y = Y_CLASSES
        J = -np.sum(s * np.sum(Y * np.log(A), axis=1)) / n
        dZ = s[:, None] * (A - Y) / n
    dZ = weight * dZ
    return weight * J + L2 * np.sum(W ** 2), X.T @ dZ + 2 * L2 * W, dZ.sum(axis=0)


LOSSES = {"mse": ("linear", Y_VALUES), "categorical_crossentropy": ("softmax", Y_CLASSES)}


# -- 1. the loss and the step, worked by hand ------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("weight", [0.5, 3.0])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_fit_descends_the_weighted_loss_and_every_loop_logs_it(kind, form, weight, loss):
    # w·J + L2·ΣW² (Keras 3's CompileLoss: the output's loss times its weight, the penalties added unweighted)
    activation, Y = LOSSES[loss]
    model = _model(kind, activation, glassnet.regularizers.L2(L2))
    model.compile(optimizers.SGD(0.5), loss, loss_weights=FORMS[form](weight))
    J, dW, db = _by_hand(loss, W0, B0, weight, SW)
    history = model.fit(X, Y, sample_weight=SW, batch_size=6, epochs=1, shuffle=False, verbose=0).history
    assert list(history) == ["loss"]  # (Keras logs no per-output loss for one output)
    assert history["loss"][0] == pytest.approx(J, rel=1e-12)
    W, b = model.get_weights()
    np.testing.assert_allclose(W, W0 - 0.5 * dW, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b, B0 - 0.5 * db, rtol=0, atol=1e-12)
    J1 = _by_hand(loss, W, b, weight, SW)[0]
    assert model.evaluate(X, Y, sample_weight=SW, verbose=0) == pytest.approx(J1, rel=1e-12)
    assert model.evaluate(X, Y, sample_weight=SW, batch_size=4, verbose=0) == pytest.approx(J1, rel=1e-12)
    assert model.test_on_batch(X, Y, sample_weight=SW) == pytest.approx(J1, rel=1e-12)
    assert model.compute_loss(y=Y, y_pred=model.predict(X, verbose=0), sample_weight=SW) == pytest.approx(J1, rel=1e-12)
    assert model.train_on_batch(X, Y, sample_weight=SW) == pytest.approx(J1, rel=1e-12)  # (its loss before the step)
    _, dW1, db1 = _by_hand(loss, W, b, weight, SW)
    np.testing.assert_allclose(model.get_weights()[0], W - 0.5 * dW1, rtol=0, atol=1e-12)


def test_three_adam_steps_equal_keras_s_in_float64():
    # Keras 3.15 (JAX with x64, floatx float64; its ops.mean, which computes float64 in float32, replaced by
    # jnp.mean) gave these: Dense(3, softmax, L2(0.01)) from W0, B0, compile(Adam(0.0625, beta_1=0.875,
    # beta_2=0.9990234375, epsilon=2**-20), "categorical_crossentropy", loss_weights=3.0), fit(X, Y, sample_weight=SW,
    # batch_size=2, shuffle=False): the epoch's loss, then evaluate's, and the weights
    W_keras = [[-0.4369632234415053, -0.6435569624096928, -0.2575911499832551],
               [-0.41792992165247, -0.00488117961001714, -0.06597134026565896],
               [0.16687063130505808, -0.021725611107582837, 0.20946085297271141],
               [0.5389711375182898, 0.33339981425010207, 0.7389747510182308]]
    b_keras = [0.10366474818629076, -0.19718435824432462, -0.07776119608041486]
    for kind in KINDS:
        model = _model(kind, "softmax", glassnet.regularizers.L2(L2))
        model.compile(optimizers.Adam(0.0625, beta_1=0.875, beta_2=0.9990234375, epsilon=2.0 ** -20),
                      "categorical_crossentropy", loss_weights=3.0)
        history = model.fit(X, Y_CLASSES, sample_weight=SW, batch_size=2, shuffle=False, verbose=0).history
        assert history["loss"][0] == pytest.approx(3.7207829392330694, rel=1e-12)
        assert model.evaluate(X, Y_CLASSES, sample_weight=SW, verbose=0) == pytest.approx(2.7690583766573353, rel=1e-12)
        np.testing.assert_allclose(model.get_weights()[0], W_keras, rtol=0, atol=1e-12)
        np.testing.assert_allclose(model.get_weights()[1], b_keras, rtol=0, atol=1e-12)


def test_the_output_s_activity_penalty_is_not_weighted():
    # Keras adds the activity penalties (model.losses) to the weighted loss: R(a)/n = a2 Σ a² / n, ∂/∂a = 2 a2 a / n
    model = _model("sequential", "linear", activity=glassnet.regularizers.L2(0.125))
    model.compile("sgd", "mse", loss_weights=3.0)
    Z = X @ W0 + B0
    n = X.shape[0]
    dZ = 3.0 * 2 * (Z - Y_VALUES) / (n * 3) + 2 * 0.125 * Z / n
    dW, db = model.gradients(X, Y_VALUES)
    np.testing.assert_allclose(dW, X.T @ dZ, rtol=0, atol=1e-12)
    np.testing.assert_allclose(db, dZ.sum(axis=0), rtol=0, atol=1e-12)
    J = 3.0 * np.mean((Z - Y_VALUES) ** 2) + 0.125 * np.sum(Z ** 2) / n
    assert model.evaluate(X, Y_VALUES, verbose=0) == pytest.approx(J, rel=1e-12)


def test_a_loss_scale_optimizer_scales_the_weighted_gradient_once():
    # the weight joins the loss scale in one multiplication; the scale is divided out again, the weight is not
    model = _model("sequential", "linear", glassnet.regularizers.L2(L2))
    model.compile(optimizers.LossScaleOptimizer(optimizers.SGD(0.5), initial_scale=8.0), "mse", loss_weights=0.5)
    model.fit(X, Y_VALUES, batch_size=6, shuffle=False, verbose=0)
    _, dW, db = _by_hand("mse", W0, B0, 0.5)
    np.testing.assert_allclose(model.get_weights()[0], W0 - 0.5 * dW, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], B0 - 0.5 * db, rtol=0, atol=1e-12)


def test_metrics_stay_unweighted_and_validation_logs_the_weighted_loss():
    model = _model("functional", "linear")
    model.compile(optimizers.SGD(0.0), "mse", loss_weights=[2.5], metrics=["mae"])
    logs = model.fit(X, Y_VALUES, batch_size=6, validation_data=(X[:4], Y_VALUES[:4]), verbose=0).history
    A = X @ W0 + B0
    assert sorted(logs) == ["loss", "mae", "val_loss", "val_mae"]
    assert logs["loss"][0] == pytest.approx(2.5 * np.mean((A - Y_VALUES) ** 2), rel=1e-12)
    assert logs["mae"][0] == pytest.approx(np.mean(np.abs(A - Y_VALUES)), rel=1e-12)
    assert logs["val_loss"][0] == pytest.approx(2.5 * np.mean((A[:4] - Y_VALUES[:4]) ** 2), rel=1e-12)
    assert logs["val_mae"][0] == pytest.approx(np.mean(np.abs(A[:4] - Y_VALUES[:4])), rel=1e-12)


def test_compiling_again_without_loss_weights_weighs_by_one():
    model = _model("sequential", "linear")
    model.compile("sgd", "mse", loss_weights=4.0)
    model.compile("sgd", "mse")
    assert model.evaluate(X, Y_VALUES, verbose=0) == pytest.approx(np.mean((X @ W0 + B0 - Y_VALUES) ** 2), rel=1e-12)


# -- 2. bad values -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("weight, error, match", [
    (-math.inf, ValueError, r"loss_weights must be a finite number.*Received: loss_weights=-inf"),
    (math.nan, ValueError, r"finite number.*Received: loss_weights=nan"),
    ([math.inf], ValueError, r"finite number.*Received: loss_weights=\[inf\]"),
    (10 ** 400, ValueError, r"finite number"),
    (True, TypeError, r"loss_weights must be a number.*Received: loss_weights=True"),
    (1 + 1j, TypeError, r"loss_weights must be a number"),
    ([[0.5]], TypeError, r"loss_weights must be a number.*Received: loss_weights=\[\[0.5\]\]"),
    ([0.5, 0.5], ValueError, r"glassnet models have one output; loss_weights has 2 entries"),
    ({"zz": 0.5}, ValueError, r"loss_weights given per output must name this model's one output.*\{'out': w\}, or be "
                              r"the number itself"),
])
def test_bad_loss_weights_are_refused_naming_them(weight, error, match):
    # Keras 3.15 takes NaN or inf (0 and negative weights are taken as Keras's, tests/test_leftovers_s56.py);
    # it refuses an int (2) and a numpy float32, which glassnet takes as numbers
    model = _model("sequential", "linear")
    model.compile("sgd", "mse", loss_weights=2.0)
    with pytest.raises(error, match=match):
        model.compile("adam", "mae", loss_weights=weight)
    assert model._loss_weight == 2.0 and model.loss.name == "mean_squared_error"  # the refused compile changed nothing


def test_numbers_of_every_kind_are_taken():
    model = _model("sequential", "linear")
    for weight in (2, np.float32(0.5), np.array(3.0), np.int64(4), [np.float64(0.25)]):
        model.compile("sgd", "mse", loss_weights=weight)
        assert model._loss_weight == float(np.ravel(weight)[0])


# -- 3. files and configs ----------------------------------------------------------------------------------
def test_a_model_file_and_the_compile_config_keep_the_weight(tmp_path):
    model = _model("sequential", "linear", glassnet.regularizers.L2(L2))
    model.compile("adam", "mse", loss_weights={"out": 2.5})
    model.fit(X, Y_VALUES, verbose=0)
    assert model.get_compile_config()["loss_weights"] == 2.5
    model.save(tmp_path / "model.gn")
    again = glassnet.models.load_model(tmp_path / "model.gn")
    assert again._loss_weight == 2.5
    assert again.evaluate(X, Y_VALUES, verbose=0) == model.evaluate(X, Y_VALUES, verbose=0)
    again.fit(X, Y_VALUES, verbose=0, shuffle=False)
    model.fit(X, Y_VALUES, verbose=0, shuffle=False)
    np.testing.assert_array_equal(again.get_weights()[0], model.get_weights()[0])
    copy = glassnet.models.clone_model(model)
    copy.compile_from_config(model.get_compile_config())
    assert copy._loss_weight == 2.5
    plain = _model("sequential", "linear")
    plain.compile("adam", "mse", loss_weights=1.0)
    assert "loss_weights" not in plain.get_compile_config()  # (the files of other models stay as they were)


@pytest.mark.parametrize("weight", ["2", math.inf, [2.0], None])
def test_a_model_file_with_a_bad_loss_weight_is_refused_naming_it(weight, tmp_path):
    model = _model("sequential", "linear")
    model.compile("sgd", "mse", loss_weights=2.0)
    model.save(tmp_path / "written.gn")
    path = _rewrite(tmp_path / "written.gn", tmp_path / "model.gn",
                    edit_config=lambda config: config["compile"].update(loss_weights=weight))
    if weight is None:  # null: no weight, as in the files written before it
        assert glassnet.models.load_model(path)._loss_weight == 1.0
        return
    with pytest.raises(ValueError, match=r"Cannot load model file .*loss_weights must be a .*compile=False"):
        glassnet.models.load_model(path)


@pytest.mark.parametrize("form", list(FORMS))
def test_a_keras_file_compiled_with_loss_weights_loads_compiled_with_them(form, tmp_path):
    pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")
    model = _model("functional", "linear")
    model.compile("sgd", "mse", loss_weights=2.0)
    with zipfile.ZipFile(model.export(tmp_path / "mine.keras", format="keras")) as zf:
        assert json.loads(zf.read("config.json"))["compile_config"]["loss_weights"] == 2.0  # what Keras reads
    plain = _model("functional", "linear")
    plain.compile("sgd", "mse")
    with zipfile.ZipFile(plain.export(tmp_path / "plain.keras", format="keras")) as zf:
        assert json.loads(zf.read("config.json"))["compile_config"]["loss_weights"] is None  # (at 1: Keras's null)
    # Keras writes compile's loss_weights as given (a tuple as a list)
    path = _written_with(plain, tmp_path / "model.keras", loss_weights=json.loads(json.dumps(FORMS[form](2.0))))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncompiledWarning)
        again = glassnet.models.load_model(path)
    assert again.compiled and again._loss_weight == 2.0
    expected = 2.0 * np.mean((X @ W0 + B0 - Y_VALUES) ** 2)
    assert again.evaluate(X, Y_VALUES, verbose=0) == pytest.approx(expected, rel=1e-6)  # (Keras's float32 weights)


def test_keras_reads_glassnet_s_file_with_the_weight_and_trains_as_glassnet(tmp_path):
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py", reason="writing .keras files needs h5py (the keras-files extra)")
    model = _model("sequential", "linear", glassnet.regularizers.L2(L2))
    model.compile(optimizers.SGD(0.125), "mse", loss_weights=2.5)
    model.export(tmp_path / "model.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    assert theirs.get_compile_config()["loss_weights"] == 2.5
    x, y = X.astype(np.float32), Y_VALUES.astype(np.float32)
    mine = glassnet.Sequential([glassnet.Input((4,)), layers.Dense(3, kernel_regularizer=glassnet.regularizers.L2(L2),
                                                                   name="out")])
    mine.set_weights(theirs.get_weights())
    mine.compile(optimizers.SGD(0.125), "mse", loss_weights=2.5)
    ours = mine.fit(x, y, batch_size=2, shuffle=False, verbose=0).history["loss"][0]
    keras_loss = theirs.fit(x, y, batch_size=2, shuffle=False, verbose=0).history["loss"][0]
    assert ours == pytest.approx(keras_loss, rel=1e-5)
    for a, b in zip(mine.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


# -- glassnet.trace and diagnose read the weight as fit does ----------------------------------------------------

@pytest.mark.parametrize("loss, activation", [("mse", "linear"), ("categorical_crossentropy", "softmax")])
def test_trace_s_applied_step_is_fit_s_step_with_a_loss_weight(loss, activation):
    # the trace showed the weighted loss but stepped on the unweighted gradient (its weights off by 0.3-0.8)
    from glassnet.trace import trace

    rng = np.random.default_rng(3)
    X = rng.normal(size=(6, 3))
    Y = np.eye(2)[rng.integers(0, 2, 6)] if activation == "softmax" else rng.normal(size=(6, 2))
    models = []
    for _ in range(2):
        model = glassnet.models.Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"),
                                            layers.Dense(2, activation=activation)],
                                           seed=1, dtype="float64")
        model.compile(optimizer=optimizers.SGD(0.5), loss=loss, loss_weights=3.0)
        models.append(model)
    traced = trace(models[0], X, Y, apply=True)
    models[1].train_on_batch(X, Y)
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert "loss_weights" in str(traced) or any("loss_weights" in str(row) for row in traced.layers)
