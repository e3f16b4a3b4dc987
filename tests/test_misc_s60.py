"""Session 60: a Keras/Optuna callback's refusal says what to write instead; a .keras file without the
optimizer's state says so when loaded (Keras 3.15 warns "Skipping variable loading for optimizer")."""
import io
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import glassnet
from glassnet.models.keras_optimizer import OptimizerStateWarning


def model(optimizer=None, steps=0):
    m = glassnet.models.Sequential([glassnet.layers.Input((3,)), glassnet.layers.Dense(2)], seed=0)
    if optimizer is not None:
        m.compile(optimizer=optimizer, loss="mse")
        x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
        for _ in range(steps):
            m.train_on_batch(x, x[:, :2])
    return m


def foreign(module, name):
    """A stand-in for a Keras or Optuna callback class (neither is imported here)."""
    return type(name, (), {"__module__": module, "on_epoch_end": lambda self, epoch, logs=None: None})()


@pytest.mark.parametrize("module, name, pruning", [
    ("optuna_integration.keras.keras", "KerasPruningCallback", True),
    ("keras.src.callbacks.callback", "LossLogger", False),  # (built-in names: tests/test_review_s60.py)
    ("tf_keras.src.callbacks", "LossLogger", False)])
def test_a_keras_callback_is_refused_with_what_to_write_instead(module, name, pruning):
    m = model("sgd")
    x = np.zeros((4, 3), "float32")
    for given in ([foreign(module, name)], foreign(module, name)):  # in a list, and alone
        with pytest.raises(TypeError, match="callbacks must be") as info:
            m.fit(x, x[:, :2], epochs=1, verbose=0, callbacks=given)
        text = str(info.value)
        assert f"{name} is a Keras/TensorFlow callback ({module})" in text
        assert "subclass glassnet.callbacks.Callback" in text and "on_epoch_end(self, epoch, logs)" in text
        assert ("trial.report(logs['val_accuracy'], epoch)" in text and "optuna.TrialPruned()" in text) == pruning


def test_another_object_is_refused_without_the_keras_advice():
    with pytest.raises(TypeError, match="callbacks must be glassnet.callbacks.Callback objects") as info:
        glassnet.models.callbacks.check_callbacks([foreign(__name__, "Mine")])
    assert "Keras" not in str(info.value)


def optimizer_layout(path):
    with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        found = []
        h5.visititems(lambda name, item: found.append((name, item.dtype.str, item[()].tolist()))
                      if isinstance(item, h5py.Dataset) and name.startswith("optimizer") else None)
    return sorted(found)


def without_optimizer_state(source, target):
    """``source``'s .keras file with its optimizer/ group deleted (as an older glassnet wrote it)."""
    with zipfile.ZipFile(source) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        del h5["optimizer"]
    copy = io.BytesIO()
    with h5py.File(copy, "w") as h5, h5py.File(io.BytesIO(buffer.getvalue()), "r") as old:
        for key in old:
            old.copy(old[key], h5, key)
    members["model.weights.h5"] = copy.getvalue()
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_a_keras_file_without_the_optimizer_state_says_so_when_loaded(tmp_path):
    trained = model(glassnet.optimizers.Adam(0.01), steps=3)
    trained.export(tmp_path / "adam.keras", format="keras")
    without_optimizer_state(tmp_path / "adam.keras", tmp_path / "old.keras")
    with pytest.warns(OptimizerStateWarning, match="holds no optimizer state .* training resumes with a fresh "
                                                   r"optimizer \(iterations 0\)"):
        loaded = glassnet.models.load_model(tmp_path / "old.keras")
    assert loaded.optimizer.iterations == 0
    np.testing.assert_array_equal(loaded.get_weights()[0], trained.get_weights()[0])
    # HEAD's own export of an optimizer whose state Keras's variables cannot hold: said when written and when read
    with pytest.warns(OptimizerStateWarning, match="written without the optimizer's state"):
        model(glassnet.optimizers.Adafactor(), steps=2).export(tmp_path / "adafactor.keras", format="keras")
    with pytest.warns(OptimizerStateWarning, match="holds no optimizer state"):
        assert glassnet.models.load_model(tmp_path / "adafactor.keras").optimizer.iterations == 0


@pytest.mark.parametrize("make, steps", [
    (lambda: glassnet.optimizers.Adam(0.01), 3), (lambda: glassnet.optimizers.SGD(0.1, momentum=0.9), 2),
    (lambda: glassnet.optimizers.Adam(0.01), 0), (lambda: glassnet.optimizers.SGD(0.1), 0),
    (glassnet.optimizers.Adafactor, 0),
    (lambda: glassnet.optimizers.LossScaleOptimizer(glassnet.optimizers.Adam()), 0),
    (lambda: glassnet.optimizers.MultiOptimizer(glassnet.optimizers.OptimizerMap(glassnet.optimizers.Adafactor())), 0),
    (lambda: None, 0)])
def test_a_file_that_lost_nothing_loads_silently(make, steps, tmp_path):
    m = model(make(), steps)
    m.export(tmp_path / "m.keras", format="keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = glassnet.models.load_model(tmp_path / "m.keras")
    assert (loaded.optimizer.iterations if loaded.compiled else None) == (steps if m.compiled else None)


def test_an_untrained_compiled_export_holds_keras_s_fresh_optimizer_scalars(tmp_path):
    # as Keras 3.15 writes a compiled model that never trained (checked by hand with KERAS_BACKEND=jax): each
    # optimizer's iterations (int32 0) and rate (float32); a LossScaleOptimizer's placeholders (0, 0.0) first
    model(glassnet.optimizers.Adam()).export(tmp_path / "adam.keras", format="keras")
    assert optimizer_layout(tmp_path / "adam.keras") == [("optimizer/vars/0", "<i4", 0),
                                                         ("optimizer/vars/1", "<f4", float(np.float32(0.001)))]
    model(glassnet.optimizers.LossScaleOptimizer(glassnet.optimizers.Adam())).export(tmp_path / "ls.keras",
                                                                                      format="keras")
    rate = float(np.float32(0.001))
    assert optimizer_layout(tmp_path / "ls.keras") == [
        ("optimizer/inner_optimizer/vars/0", "<i4", 0), ("optimizer/inner_optimizer/vars/1", "<f4", rate),
        ("optimizer/vars/0", "<i4", 0), ("optimizer/vars/1", "<f4", 0.0), ("optimizer/vars/2", "<i4", 0),
        ("optimizer/vars/3", "<f4", rate)]
