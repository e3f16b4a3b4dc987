"""docs/file-format.md checked as a spec (session 56): the ``weights`` listing is compared with the arrays, a
float Input dtype survives a file, the required compile keys are named, an unused optimizer state is said, a
byte-order mark is read, and the page's hand-written file loads and computes as the page says."""

import io
import json
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet.layers import BatchNormalization, Dense, Input
from glassnet.models import Model, Sequential, clone_model, load_model

PAGE = Path(__file__).resolve().parents[1] / "docs" / "file-format.md"


def _rewrite(path, out, edit=None, raw=None, replace=None):
    """A copy of the model file ``path`` at ``out``: ``edit(config)`` changes its model.json, ``raw(bytes)``
    its bytes, ``replace`` other members."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "model.json":
                if edit is not None:
                    config = json.loads(data)
                    edit(config)
                    data = json.dumps(config).encode()
                if raw is not None:
                    data = raw(data)
            dst.writestr(info.filename, (replace or {}).get(info.filename, data))
    return out


@pytest.fixture
def trained(tmp_path, rng):
    """A compiled model trained 3 steps (Adam), saved: (model, path, X)."""
    X = rng.normal(size=(24, 5)).astype("float32")
    model = Sequential([Input((5,)), Dense(4, activation="tanh"), Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, (X[:, 0] > 0).astype(int), epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = tmp_path / "m.gn"
    model.save(path)
    return model, path, X


# -- F1, F2: what the optimizer members hold (the page said "the trainable weights" and "the model's dtype") --
def test_the_optimizer_members_hold_a_frozen_layer_s_slots_and_a_float16_model_s_in_float32(tmp_path, rng):
    X, y = rng.normal(size=(16, 5)), rng.integers(0, 2, 16)
    model = Sequential([Input((5,)), Dense(4), BatchNormalization(), Dense(3), Dense(2, activation="softmax")])
    model.layers[2].trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, verbose=0)
    model.save(tmp_path / "frozen.gn")
    with zipfile.ZipFile(tmp_path / "frozen.gn") as archive:
        m = np.load(io.BytesIO(archive.read("optimizer/m.npy")))
    # 20 + 4 (Dense) + 4 + 4 (gamma, beta; not the moving statistics) + 15 (the frozen Dense(3): 0) + 8
    assert m.shape == (55,) and sum(w.size for w in model.trainable_weights) == 40
    np.testing.assert_array_equal(m[32:47], 0)
    assert "a frozen layer's too" in PAGE.read_text()
    half = Sequential([Input((5,)), Dense(3)], dtype="float16")
    half.compile(optimizer="adam", loss="mse")
    half.fit(X, X[:, :3], verbose=0)
    half.save(tmp_path / "half.gn")
    with zipfile.ZipFile(tmp_path / "half.gn") as archive:
        kinds = {name: np.load(io.BytesIO(archive.read(name))).dtype for name in archive.namelist()
                 if name.endswith(".npy")}
    assert kinds == {"weights/0000.npy": np.float16, "weights/0001.npy": np.float16,
                     "optimizer/m.npy": np.float32, "optimizer/v.npy": np.float32}
    assert "the optimizer's state of a `float16` model is float32" in PAGE.read_text()


# -- F3: the weights listing is compared with the arrays --------------------------------------------------
@pytest.mark.parametrize("entry, listed", [
    ({"shape": [4, 5], "dtype": "float32"}, r"lists shape \[4, 5\] and dtype 'float32'"),  # (5, 4) transposed
    ({"shape": [5, 4], "dtype": "float64"}, r"lists shape \[5, 4\] and dtype 'float64'"),
    ({"shape": [5, 4], "dtype": "no_such_type"}, r"lists shape \[5, 4\] and dtype 'no_such_type'"),
    ({"shape": [5, True]}, r"lists shape \[5, True\]"),
    ({"dtype": "float32"}, r"lists no shape and dtype 'float32'"),
    ({}, r"lists no shape"),
])
def test_a_weights_entry_that_does_not_describe_its_array_is_refused(trained, tmp_path, entry, listed):
    _, path, _ = trained

    def edit(config):
        config["weights"][0] = entry

    bad = _rewrite(path, tmp_path / "bad.gn", edit)
    with pytest.raises(ValueError, match=rf"Cannot load model file .*bad\.gn.*: weights\[0\] in model\.json {listed}, but "
                                         r"the array 'weights/0000\.npy' holds shape \[5, 4\] and dtype 'float32'"):
        load_model(bad)


def test_a_weights_listing_of_bare_shapes_is_refused_naming_the_entry(trained, tmp_path):
    _, path, _ = trained

    def edit(config):
        config["weights"] = [entry["shape"] for entry in config["weights"]]

    with pytest.raises(ValueError, match=r"weights\[0\] in model\.json is \[5, 4\], not an object"):
        load_model(_rewrite(path, tmp_path / "bare.gn", edit))


def test_a_weights_entry_may_leave_out_its_dtype_spell_it_as_numpy_and_hold_other_keys(trained, tmp_path):
    model, path, X = trained

    def edit(config):
        config["weights"][0] = {"shape": [5, 4]}
        config["weights"][1] = {"shape": [4], "dtype": "<f4", "name": "dense/bias"}

    big_endian = io.BytesIO()
    np.save(big_endian, model.get_weights()[2].astype(">f4"))  # listed "float32": either byte order is that dtype
    loaded = load_model(_rewrite(path, tmp_path / "ok.gn", edit, replace={"weights/0002.npy": big_endian.getvalue()}))
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


# -- F4: a float dtype given to the Input survives a file (Keras 3.15 keeps its InputLayer's) ----------------
@pytest.mark.parametrize("model_dtype, input_dtype", [("float32", "float64"), ("float32", "float16"),
                                                      ("float64", "float32"), ("float16", "float64")])
def test_a_float_input_dtype_survives_save_and_copies(tmp_path, rng, model_dtype, input_dtype):
    # Keras 3.15: Sequential([Input((5,), dtype="float64"), Dense(2)]) saved and loaded has inputs[0].dtype float64
    # (float16 too), the layers computing in float32; glassnet wrote no input_dtype for a float one (read: float32)
    sequential = Sequential([Input((5,), dtype=input_dtype), Dense(2)], dtype=model_dtype)
    inputs = Input((5,), dtype=input_dtype)
    functional = Model(inputs, Dense(2, dtype=model_dtype)(inputs))
    X = rng.normal(size=(3, 5))
    for model in (sequential, functional):
        assert model.input.dtype == input_dtype and model.dtype == model_dtype
        model.save(tmp_path / "m.gn")
        loaded = load_model(tmp_path / "m.gn")
        for copy in (loaded, clone_model(model), Sequential.from_config(model.get_config())):
            assert copy.input.dtype == input_dtype and copy.dtype == model_dtype
        assert loaded.predict(X, verbose=0).dtype == model_dtype  # it computes in its own dtype
        np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    base = Sequential([Input((4,), dtype=input_dtype), Dense(3)], name="base")  # a nested model's entry too
    Sequential([base, Dense(1)]).save(tmp_path / "nested.gn")
    assert load_model(tmp_path / "nested.gn").get_layer("base").input.dtype == input_dtype
    # one of the model's own dtype is not written (glassnet's .keras files write the model's dtype there)
    assert "input_dtype" not in Sequential([Input((5,), dtype=model_dtype), Dense(2)], dtype=model_dtype).get_config()


# -- F5, F6: what compile and optimizer_state need, said by name -------------------------------------------
def test_an_optimizer_given_as_a_string_is_told_to_be_an_object(trained, tmp_path):
    _, path, _ = trained
    for name in ("Adam", "adam"):
        def edit(config):
            config["compile"]["optimizer"] = name

        with pytest.raises(ValueError, match=rf"compile\.optimizer\) must be an object .*got the string '{name}'\. "
                                             rf"Write {{\"class_name\": \"{name}\", \"config\": {{}}}}"):
            load_model(_rewrite(path, tmp_path / "string.gn", edit))
    with pytest.raises(ValueError, match="must be an object"):
        glassnet.optimizers.deserialize("sgd")
    assert isinstance(glassnet.optimizers.deserialize({"class_name": "adam"}), glassnet.optimizers.Adam)


@pytest.mark.parametrize("section, key", [("compile", "loss"), ("compile", "optimizer"),
                                          ("optimizer_state", "iterations"), ("optimizer_state", "names")])
def test_a_missing_required_key_of_compile_or_optimizer_state_is_named(trained, tmp_path, section, key):
    _, path, _ = trained

    def edit(config):
        del config[section][key]

    bad = _rewrite(path, tmp_path / "bad.gn", edit)
    with pytest.raises(ValueError, match=rf"Cannot load model file .*bad\.gn.*: its {section} has no '{key}' \(it "
                                         r"needs .* compile=False\) loads the model"):
        load_model(bad)
    assert load_model(bad, compile=False).optimizer is None


def test_optimizer_state_names_must_be_a_list_of_names(trained, tmp_path):
    _, path, _ = trained

    def edit(config):
        config["optimizer_state"]["names"] = "mv"  # (sorted("mv") matched Adam's ["m", "v"])

    with pytest.raises(ValueError, match=r"its optimizer_state names 'mv' are not a list of names"):
        load_model(_rewrite(path, tmp_path / "names.gn", edit))


# -- F7: an optimizer state load_model cannot use is said; BackupAndRestore's own restore stays silent --------
def _without_compile(config):
    config["compile"] = None


def test_load_model_warns_of_an_optimizer_state_it_cannot_use(trained, tmp_path):
    _, path, _ = trained
    bare = _rewrite(path, tmp_path / "bare.gn", _without_compile)
    with pytest.warns(UserWarning, match=r"holds an optimizer state but no compile settings: .* not used .*the file "
                                         r"needs its compile settings; load_model\(path, compile=False\)") as caught:
        model = load_model(bare)
    assert model.optimizer is None and caught[0].filename == __file__  # (said at the user's call)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(bare, compile=False)
        load_model(path)  # (compiled: the state is used)

    def backup(config):
        config["compile"] = None
        config["backup"] = {"epoch": 1, "batch": None, "optimizer": "Adam", "learning_rate": 0.001}

    with pytest.warns(UserWarning, match="fit it with BackupAndRestore on this file's folder"):
        load_model(_rewrite(path, tmp_path / "backup.gn", backup))


def test_backup_and_restore_resumes_from_a_backup_without_compile_settings_silently(tmp_path, rng):
    # a backup of a model whose loss a file cannot hold has compile null and the optimizer state: the restore
    # reads it with compile=False and takes the state itself, so no warning is due
    X = rng.normal(size=(16, 5)).astype("float32")
    y = X[:, :2].copy()

    def model():
        glassnet.utils.set_random_seed(1)
        m = Sequential([Input((5,)), Dense(2)])
        m.compile(optimizer="adam", loss="mse")
        return m

    folder = tmp_path / "backup"
    first = model()
    first.fit(X, y, epochs=2, batch_size=8, verbose=0,
              callbacks=[glassnet.callbacks.BackupAndRestore(folder, delete_checkpoint=False)])
    latest = folder / "latest.gn"
    _rewrite(latest, tmp_path / "edited.gn", _without_compile)
    (tmp_path / "edited.gn").replace(latest)
    again = model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again.fit(X, y, epochs=2, batch_size=8, verbose=0,
                  callbacks=[glassnet.callbacks.BackupAndRestore(folder, delete_checkpoint=False)])
    assert again.optimizer.iterations == first.optimizer.iterations == 4
    for name in first.optimizer.state:
        np.testing.assert_array_equal(again.optimizer.state[name], first.optimizer.state[name])


# -- F8: a byte-order mark before model.json ------------------------------------------------------------------
def test_a_byte_order_mark_before_model_json_is_ignored(trained, tmp_path):
    model, path, X = trained
    marked = _rewrite(path, tmp_path / "bom.gn", raw=lambda data: b"\xef\xbb\xbf" + data)
    loaded = load_model(marked)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert loaded.optimizer.iterations == model.optimizer.iterations
    backup = Sequential([Input((5,)), Dense(4, activation="tanh"), Dense(3, activation="softmax")])
    backup.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    backup.save(tmp_path / "plain.gn")  # (a backup record, then the mark: restore_backup reads the JSON too)

    def record(config):
        config["backup"] = {"epoch": 1, "batch": None, "optimizer": "Adam", "learning_rate": 0.001}

    _rewrite(path, tmp_path / "record.gn", record)
    _rewrite(tmp_path / "record.gn", tmp_path / "record_bom.gn", raw=lambda data: b"\xef\xbb\xbf" + data)
    assert glassnet.models.saving.restore_backup(backup, tmp_path / "record_bom.gn")["epoch"] == 1
    np.testing.assert_array_equal(backup.predict(X, verbose=0), model.predict(X, verbose=0))


# -- F9: the page's "Writing a file by hand" example -----------------------------------------------------------
def test_the_page_s_hand_written_file_loads_and_computes_as_the_page_says(tmp_path, monkeypatch, capsys):
    section = re.search(r"\n## Writing a file by hand\n(.*?)\n## ", PAGE.read_text(), re.S)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    for said in ("`(inputs, units)`", "`gamma`, `beta`, `moving_mean`, `moving_variance`"):
        assert said in section
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(PAGE), "exec"), {})
    assert capsys.readouterr().out == "(2, 3)\n"
    with zipfile.ZipFile(tmp_path / "handmade.gn") as archive:
        W1, b1, gamma, beta, mean, variance, W2, b2 = (
            np.load(io.BytesIO(archive.read(f"weights/{i:04d}.npy"))).astype(np.float64) for i in range(8))
    X = np.random.default_rng(1).normal(size=(6, 4))
    # the page's formula, by hand in float64: softmax(BN(relu(x W1 + b1)) W2 + b2), epsilon 0.001
    H = gamma * (np.maximum(X @ W1 + b1, 0) - mean) / np.sqrt(variance + 0.001) + beta
    Z = H @ W2 + b2
    expected = np.exp(Z - Z.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    model = load_model(tmp_path / "handmade.gn")
    np.testing.assert_allclose(model.predict(X.astype("float32"), verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "BatchNormalization", "Dense"]
