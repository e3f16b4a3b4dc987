"""Session 56's warning fixes: each warning glassnet gives names the user's line (not glassnet's, nor
``sys:1``), Muon's explicit build warns once, predict and direct loss calls give NaN or inf without NumPy's
RuntimeWarnings (as evaluate and Keras), ``glassnet descend`` stops at an overflow as it stops where f is
undefined, and the warning classes import from ``glassnet.models``."""

import inspect
import json
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from glassnet import classic, kernels, losses, metrics, mixed_precision, models
from glassnet import optimizers as O
from glassnet.callbacks import ModelCheckpoint, RemoteMonitor
from glassnet.cli import main
from glassnet.descent import gradient_descent
from glassnet.expr import parse
from glassnet.layers import Dense, Input
from glassnet.models import Sequential

KERAS_DATA = Path(__file__).resolve().parent / "data" / "keras"
needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed (pip install glassnet[jit])")


def _nan_model():
    model = Sequential([Input((4,)), Dense(2)])
    weights = model.get_weights()
    weights[0][0, 0] = np.nan
    model.set_weights(weights)
    return model


def _two_layers():
    return Sequential([Input((4,)), Dense(8), Dense(2)])


# -- each case makes its warning from a line of this file --------------------------------------------------------

def load_model_of_nan_weights(tmp_path, monkeypatch):
    _nan_model().save(tmp_path / "n.gn")
    models.load_model(tmp_path / "n.gn")


def load_weights_h5_of_nan_weights(tmp_path, monkeypatch):
    pytest.importorskip("h5py")
    _nan_model().save_weights(tmp_path / "n.weights.h5")
    Sequential([Input((4,)), Dense(2)]).load_weights(tmp_path / "n.weights.h5")


def load_weights_gn_of_nan_weights(tmp_path, monkeypatch):
    _nan_model().save(tmp_path / "n.gn")
    Sequential([Input((4,)), Dense(2)]).load_weights(tmp_path / "n.gn")


def load_keras_file_with_a_custom_loss(tmp_path, monkeypatch):
    pytest.importorskip("h5py")
    source, path = KERAS_DATA / "classifier.keras", tmp_path / "custom.keras"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "config.json":
                config = json.loads(data)
                config["compile_config"]["loss"] = {"module": "builtins", "class_name": "FocalThing", "config": {},
                                                    "registered_name": "Custom>FocalThing"}
                data = json.dumps(config)
            zout.writestr(name, data)
    models.load_model(path)


def load_keras_mixed_float16_file(tmp_path, monkeypatch):
    pytest.importorskip("h5py")
    models.load_model(KERAS_DATA / "mixed_float16.keras")


def mixed_float16_layer(tmp_path, monkeypatch):
    Dense(3, dtype="mixed_float16")


def mixed_float16_global_policy(tmp_path, monkeypatch):
    mixed_precision.set_global_policy("mixed_float16")


def muon_built_by_hand(tmp_path, monkeypatch):
    model = _two_layers()
    model.compile(O.Muon(exclude_layers=["nope"]), "mse")
    model.optimizer.build(model.trainable_variables)


def weight_decay_in_a_custom_loop(tmp_path, monkeypatch):
    model = _two_layers()
    optimizer = O.AdamW(weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=["biases"])
    grads = [np.zeros(v.shape, "float32") for v in model.trainable_variables]
    optimizer.apply_gradients(zip(grads, model.trainable_variables))


def optimizer_map_built_by_hand(tmp_path, monkeypatch):
    model = _two_layers()
    model.compile(O.MultiOptimizer(O.OptimizerMap(O.Adam(), {"nope/kernel": O.SGD(0.1)})), "mse")
    model.optimizer.build(model.trainable_variables)


def mean_iou_of_fractional_weights_in_fit(tmp_path, monkeypatch):
    model = Sequential([Input((4,)), Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=[metrics.MeanIoU(2, sparse_y_pred=False)])
    x, y = np.ones((8, 4), "float32"), np.arange(8) % 2
    model.fit(x, y, sample_weight=np.full(8, 0.5), epochs=1, verbose=0)


def remote_monitor_unreachable(tmp_path, monkeypatch):
    model = Sequential([Input((4,)), Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.zeros((8, 4)), np.zeros((8, 2)), epochs=1, verbose=0,
              callbacks=[RemoteMonitor(root="http://127.0.0.1:9", timeout=2)])


def _frame(columns=("a", "b", "c")):
    pd = pytest.importorskip("pandas")
    x = np.random.default_rng(0).normal(size=(40, 3))
    return pd.DataFrame(x, columns=list(columns)), x, (x[:, 0] > 0).astype(int)


def perceptron_predict_without_names(tmp_path, monkeypatch):
    frame, x, y = _frame()
    model = classic.Perceptron(max_epochs=5).fit(frame, y)
    model.predict(x)


def perceptron_score_without_names(tmp_path, monkeypatch):  # (scikit-learn's score calls predict)
    frame, x, y = _frame()
    model = classic.Perceptron(max_epochs=5).fit(frame, y)
    model.score(x, y)


def adaline_predict_without_names(tmp_path, monkeypatch):
    frame, x, y = _frame()
    model = classic.Adaline(max_epochs=2).fit(frame, y)
    model.predict(x)


def som_transform_without_names(tmp_path, monkeypatch):  # (scikit-learn's set_output wraps transform)
    frame, x, _ = _frame()
    model = classic.SOM(grid=(2, 2), epochs=1).fit(frame)
    model.transform(x)


def perceptron_predict_with_names(tmp_path, monkeypatch):
    frame, x, y = _frame()
    model = classic.Perceptron(max_epochs=5).fit(x, y)
    model.predict(frame)


def _no_loops_yet(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_compiled", {})


def jit_cache_unwritable(tmp_path, monkeypatch):
    _no_loops_yet(tmp_path, monkeypatch)
    (tmp_path / "glassnet").write_text("a file where the folder would be")
    _two_layers().compile("adam", "mse", jit_compile=True)


def jit_build_failed(tmp_path, monkeypatch):
    _no_loops_yet(tmp_path, monkeypatch)
    monkeypatch.setattr(kernels, "_build_in_child", lambda *args: "error: no C compiler")
    _two_layers().compile("adam", "mse", jit_compile=True)


def _unsaved_squared_error(y_true, y_pred):  # (not registered: a model file cannot name it)
    return np.mean((y_pred - y_true) ** 2, axis=-1)


_unsaved_squared_error.per_sample_gradient = lambda Y, A: 2 * (A - Y) / A.shape[-1]


def _unsaved_absolute_error(y_true, y_pred):
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def _compiled_with(loss="mse", metrics=None):
    model = Sequential([Input((4,)), Dense(2)])
    model.compile("adam", loss, metrics=metrics)
    return model


def _twice_named():
    model = Sequential([Input((4,)), Dense(2, name="a"), Dense(2, name="b")])
    model.layers[-1].name = "a"  # (renamed after add: the file renames it)
    return model


def save_model_of_an_unsaved_loss(tmp_path, monkeypatch):
    models.save_model(_compiled_with(_unsaved_squared_error), tmp_path / "m.gn")


def checkpoint_of_an_unsaved_loss(tmp_path, monkeypatch):
    model = _compiled_with(_unsaved_squared_error)
    model.fit(np.zeros((8, 4)), np.zeros((8, 2)), epochs=1, verbose=0, callbacks=[ModelCheckpoint(tmp_path / "c.gn")])


def save_model_of_an_unsaved_metric(tmp_path, monkeypatch):
    models.save_model(_compiled_with(metrics=[_unsaved_absolute_error]), tmp_path / "m.gn")


def save_model_with_save_format(tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "(?s).* is written in glassnet's own format")  # (the name's own warning)
        models.save_model(_compiled_with(), tmp_path / "m.keras", save_format="keras")


def save_model_of_twice_named_layers(tmp_path, monkeypatch):
    models.save_model(_twice_named(), tmp_path / "m.gn")


def model_from_json_of_twice_named_layers(tmp_path, monkeypatch):
    spec = json.loads(Sequential([Input((4,)), Dense(2, name="a"), Dense(2, name="b")]).to_json())
    spec["config"]["layers"][-1]["config"]["name"] = "a"
    models.model_from_json(json.dumps(spec))


def som_fit_transform_of_unscaled_columns(tmp_path, monkeypatch):  # (scikit-learn's fit_transform calls fit)
    x = np.random.default_rng(0).normal(size=(30, 3)) * [1, 1, 1e4]
    classic.SOM(grid=(2, 2), epochs=1).fit_transform(x)


def som_fit_transform_of_a_rate_above_1(tmp_path, monkeypatch):
    x = np.random.default_rng(0).normal(size=(30, 2))
    classic.SOM(grid=(2, 2), epochs=1, learning_rate=2.0).fit_transform(x)


CASES = {
    load_model_of_nan_weights: (UserWarning, "holds NaN or infinite values"),
    load_weights_h5_of_nan_weights: (UserWarning, "holds NaN or infinite values"),
    load_weights_gn_of_nan_weights: (UserWarning, "holds NaN or infinite values"),
    load_keras_file_with_a_custom_loss: (models.UncompiledWarning, "loaded uncompiled"),
    load_keras_mixed_float16_file: (UserWarning, "'mixed_float16' .* is read as float32"),
    mixed_float16_layer: (UserWarning, "'mixed_float16' .* is read as float32"),
    mixed_float16_global_policy: (UserWarning, "'mixed_float16' .* is read as float32"),
    muon_built_by_hand: (UserWarning, "Muon's exclude_layers pattern"),
    weight_decay_in_a_custom_loop: (UserWarning, "exclude_from_weight_decay's var_names"),
    optimizer_map_built_by_hand: (UserWarning, "OptimizerMap key"),
    mean_iou_of_fractional_weights_in_fit: (UserWarning, "truncates the fractional sample weights"),
    remote_monitor_unreachable: (UserWarning, "Could not reach RemoteMonitor"),
    perceptron_predict_without_names: (UserWarning, "X does not have valid feature names"),
    perceptron_score_without_names: (UserWarning, "X does not have valid feature names"),
    adaline_predict_without_names: (UserWarning, "X does not have valid feature names"),
    som_transform_without_names: (UserWarning, "X does not have valid feature names"),
    perceptron_predict_with_names: (UserWarning, "X has feature names"),
    jit_cache_unwritable: (UserWarning, "cannot keep its compiled loops"),
    jit_build_failed: (UserWarning, "could not build its compiled loops"),
    save_model_of_an_unsaved_loss: (UserWarning, "compile settings are not saved"),
    checkpoint_of_an_unsaved_loss: (UserWarning, "compile settings are not saved"),
    save_model_of_an_unsaved_metric: (UserWarning, "Cannot save the metric function '_unsaved_absolute_error'"),
    save_model_with_save_format: (UserWarning, "save_format is deprecated in Keras 3"),
    save_model_of_twice_named_layers: (UserWarning, "Two layers are named 'a'; the file names the second one"),
    model_from_json_of_twice_named_layers: (UserWarning, "Two layers are named 'a'; the second one is renamed"),
    som_fit_transform_of_unscaled_columns: (UserWarning, "column standard deviations differ by more than 100"),
    som_fit_transform_of_a_rate_above_1: (UserWarning, "learning_rate=2.0 is above 1"),
}
NEEDS_NUMBA = {jit_cache_unwritable, jit_build_failed}


@pytest.mark.parametrize("case", [pytest.param(case, marks=needs_numba) if case in NEEDS_NUMBA else case
                                  for case in CASES], ids=lambda case: case.__name__)
def test_each_warning_names_the_users_line(case, tmp_path, monkeypatch):
    # they named glassnet's saving.py, persistence.py, layers/dense.py, models/training.py, inference.py,
    # perceptron.py, sequential.py or sklearn's base.py, or sys:1 (a level counted for fit, from an explicit build)
    category, pattern = CASES[case]
    with pytest.warns(category, match=pattern) as record:
        case(tmp_path, monkeypatch)
    said = [w for w in record if issubclass(w.category, category) and re.search(pattern, str(w.message))]
    lines, first = inspect.getsourcelines(case)  # (a level counted too far named this test's own line)
    assert [(w.filename, first <= w.lineno < first + len(lines)) for w in said] == [(__file__, True)] * len(said), [
        (w.filename, w.lineno) for w in said]


def test_muon_built_by_hand_warns_once():
    # Muon.build(variables) built their size through Muon.build(size), which warned, and then warned again
    model = _two_layers()
    model.compile(O.Muon(exclude_layers=["nope"]), "mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.optimizer.build(model.trainable_variables)
    assert [str(w.message)[:35] for w in caught] == ["Muon's exclude_layers pattern(s) ['"]


def test_a_mixed_policy_is_said_again_to_a_later_catch():
    # a process-wide "said" set hid it from every pytest.warns and catch_warnings after the first warning
    for _ in range(2):
        with pytest.warns(UserWarning, match="'mixed_bfloat16' .* is read as float32"):
            Dense(2, dtype="mixed_bfloat16")
    with pytest.warns(UserWarning, match="'mixed_bfloat16' .* is read as float32"):
        mixed_precision.set_global_policy("mixed_bfloat16")  # said here, and not again by each layer made under it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = Sequential([Input((3,)), Dense(2), Dense(1)])
    assert model.dtype == "float32"


# -- NumPy's RuntimeWarnings ------------------------------------------------------------------------------------

def test_inference_on_an_overflowing_model_is_quiet_as_evaluate():
    # e^(1e3·x) is inf, and inf·w − inf·w NaN: predict, model(x) and predict_on_batch warned "overflow / invalid
    # value encountered in matmul" (backend.py), where evaluate, fit and Keras say nothing
    rng = np.random.default_rng(0)
    x, y = (rng.normal(size=(16, 8)) * 1e3).astype("float32"), (rng.random(16) > 0.5).astype("float32")
    model = Sequential([Input((8,)), Dense(16, activation="exponential"), Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outputs = [model.predict(x, verbose=0), model(x), model.predict_on_batch(x), model(x, training=True)]
        model.evaluate(x, y, verbose=0)
    for out in outputs:
        assert not np.isfinite(np.asarray(out)).all()
    with np.errstate(all="raise"):  # the caller's own errstate is back after each call
        with pytest.raises(FloatingPointError):
            np.float32(3e38) * np.float32(10)


@pytest.mark.parametrize("loss, y_true, y_pred, expected", [
    # Poisson: ŷ − y log(ŷ + 1e-7) at y = 1, ŷ = −1 is NaN (log of a negative number): keras.losses.poisson gives nan
    (losses.poisson, np.ones((1, 2)), -np.ones((1, 2)), np.nan),
    (losses.Poisson(), np.ones((2, 2)), -np.ones((2, 2)), np.nan),
    # MAPE: 100·|0 − 1| / max(|0|, 1e-7) is 1e9, past float16's 65504: inf, as keras.losses.mean_absolute_percentage_error
    (losses.mean_absolute_percentage_error, np.zeros((1, 4), "float16"), np.ones((1, 4), "float16"), np.inf),
    # MSE: (1e4)² = 1e8 is past float16's range: inf, as keras.losses.mean_squared_error
    (losses.mean_squared_error, np.zeros((1, 4), "float16"), np.full((1, 4), 1e4, "float16"), np.inf),
])
def test_direct_loss_calls_give_nan_or_inf_quietly_as_keras(loss, y_true, y_pred, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = np.asarray(loss(y_true, y_pred))
    np.testing.assert_array_equal(value, np.full(value.shape, expected))


# -- glassnet descend ---------------------------------------------------------------------------------------------

def test_descend_stops_at_the_step_that_overflows(tmp_path, monkeypatch, capsys):
    # x⁴ from 30 with η = 1: x ← x − 4x³ gives −107970, 5.03e15, −5.10e47, 5.32e143, then −6.0e431, past
    # float64's ±1.8e308; 25 rows of "nan nan nan nan nan 1" followed
    trace = gradient_descent(parse("x**4"), 30.0, 1.0, steps=30)
    assert len(trace.step) == 5 and trace.x[4] == pytest.approx(5.32063692658205e143, rel=1e-12)
    assert np.isinf(trace.x[-1]) and trace.verdict == "diverges"
    monkeypatch.chdir(tmp_path)
    assert main(["descend", "x**4", "--x0", "30", "--lr", "1", "--steps", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "f(x) = x**4;  x0 = 30;  η = 1;  5 of 30 steps of x ← x − η·f'(x)"
    assert len(lines) == 8 and "nan" not in "\n".join(lines)
    assert lines[-1].startswith("verdict: diverges — at step 5 (the table's last row) the numbers outgrew "
                                "float64's range (±1.8e308), so the table stops there: η is too large"), lines[-1]
    assert lines[-1].endswith("Try a smaller η (it was --lr 1) or another start (--x0).")


def test_descend_that_stays_in_range_is_unchanged(tmp_path, monkeypatch, capsys):
    trace = gradient_descent(parse("x**2"), 2.0, 5.0, steps=20)  # x ← −9x: 2·9²⁰ ≈ 2.4e19, in range
    assert len(trace.step) == 20 and np.isfinite(trace.x).all() and trace.verdict == "diverges"
    monkeypatch.chdir(tmp_path)
    assert main(["descend", "x**2", "--x0", "2", "--lr", "5", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    assert "20 steps of" in out and "outgrew" not in out and "verdict: diverges — the steps do not shrink" in out


# -- the warning classes ------------------------------------------------------------------------------------------

def test_the_warning_classes_import_from_glassnet_models():
    from glassnet.models import DivergenceWarning, OptimizerStateWarning, UncompiledWarning
    from glassnet.models.keras_files import UncompiledWarning as deep_uncompiled
    from glassnet.models.keras_optimizer import OptimizerStateWarning as deep_state

    assert UncompiledWarning is deep_uncompiled and OptimizerStateWarning is deep_state
    assert all(issubclass(c, UserWarning) for c in (DivergenceWarning, OptimizerStateWarning, UncompiledWarning))
    assert {"DivergenceWarning", "OptimizerStateWarning", "UncompiledWarning"} <= set(models.__all__) & set(dir(models))
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchWarning'"):
        models.NoSuchWarning  # noqa: B018
    # not imported by ``import glassnet`` (the Keras-file modules take ~12 ms)
    code = "import sys, glassnet; print('glassnet.models.keras_files' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
