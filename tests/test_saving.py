import errno
import io
import os
import json
import math
import pickle
import sys
import warnings
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet.layers import BatchNormalization, Dense, Dropout
from glassnet.models import Sequential, load_model
from glassnet.models import saving


def _data(rng, n=64):
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(int) + (X[:, 1] > 1)
    return X, y


def _model():
    model = Sequential([Dense(16, activation="relu", input_dim=4), Dropout(0.2), BatchNormalization(),
                        Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def test_save_then_load_gives_identical_predictions(tmp_path, rng):
    X, y = _data(rng)
    model = _model()
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    path = tmp_path / "m.gn"
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert loaded.evaluate(X, y) == model.evaluate(X, y)
    assert type(loaded.optimizer) is type(model.optimizer) and loaded.optimizer.iterations == model.optimizer.iterations


def test_resumed_training_continues_exactly(tmp_path, rng):
    X, y = _data(rng)
    glassnet.utils.set_random_seed(3)
    straight = _model()
    straight.fit(X, y, epochs=5, batch_size=16, verbose=0)

    glassnet.utils.set_random_seed(3)
    first = _model()
    first.fit(X, y, epochs=2, batch_size=16, verbose=0)
    first.save(tmp_path / "half.gn")
    resumed = load_model(tmp_path / "half.gn")
    resumed.fit(X, y, epochs=3, batch_size=16, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_write_is_atomic_and_leaves_no_temporary(tmp_path, rng, monkeypatch):
    X, y = _data(rng)
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    path = tmp_path / "m.gn"
    model.save(path)
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(saving.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m.gn"]


def _rewrite(path, out, edit_config=None, replace=None, extra=None):
    """Copy the zip at ``path`` to ``out`` with changes."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "model.json" and edit_config:
                config = json.loads(data)
                edit_config(config)
                data = json.dumps(config).encode()
            if replace and info.filename in replace:
                data = replace[info.filename]
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out


@pytest.fixture
def saved(tmp_path, rng):
    X, y = _data(rng)
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    path = tmp_path / "good.gn"
    model.save(path)
    return path


def test_a_pickle_inside_is_refused(saved, tmp_path):
    # An object array can only be stored as a pickle inside the .npy.
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    bad = _rewrite(saved, tmp_path / "bad.gn", replace={"weights/0000.npy": buf.getvalue()})
    with pytest.raises(ValueError, match="weights/0000.npy"):
        load_model(bad)


def test_unknown_layer_name_is_refused(saved, tmp_path):
    def edit(config):
        config["model"]["layers"][0]["class_name"] = "os.system"

    with pytest.raises(ValueError, match="Unknown layer 'os.system'"):
        load_model(_rewrite(saved, tmp_path / "bad.gn", edit_config=edit))


def test_wrong_shape_is_refused(saved, tmp_path):
    buf = io.BytesIO()
    np.save(buf, np.zeros((5, 16), dtype=np.float32))
    with pytest.raises(ValueError, match=r"shape \(5, 16\).*\(4, 16\)"):
        load_model(_rewrite(saved, tmp_path / "bad.gn", replace={"weights/0000.npy": buf.getvalue()}))


def test_wrong_architecture_size_is_refused(saved, tmp_path):
    def edit(config):
        config["model"]["layers"][0]["config"]["units"] = 17

    with pytest.raises(ValueError):
        load_model(_rewrite(saved, tmp_path / "bad.gn", edit_config=edit))


def test_truncated_zip_is_refused(saved, tmp_path):
    data = saved.read_bytes()
    bad = tmp_path / "truncated.gn"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="Cannot load model file"):
        load_model(bad)


@pytest.mark.parametrize("damage", ["version", "name"])
def test_a_damaged_zip_directory_is_refused_with_a_clear_error(saved, tmp_path, damage):
    # zipfile raises NotImplementedError ("zip file version 6.4") or UnicodeDecodeError
    # (a name flagged UTF-8 that is not) from ZipFile() itself, not BadZipFile
    raw = bytearray(saved.read_bytes())
    pos = raw.find(b"PK\x01\x02")  # the first central-directory record
    if damage == "version":
        raw[pos + 6] = 64  # version needed to extract: 6.4, beyond zipfile's 6.3
    else:
        raw[pos + 9] |= 0x08  # the name is UTF-8 (flag bit 11) ...
        raw[pos + 46] = 0xFF  # ... but its first byte is none
    bad = tmp_path / "damaged.gn"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="Cannot load model file .*damaged.gn"):
        load_model(bad)


def test_huge_declared_size_is_refused_before_reading(saved, tmp_path):
    # A member whose header claims 10 GB: rejected from the declared size alone.
    bad = _rewrite(saved, tmp_path / "huge.gn")
    with zipfile.ZipFile(bad) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    raw = bytearray(bad.read_bytes())
    target = infos["weights/0000.npy"].filename.encode()
    # Patch the central-directory record's uncompressed size (offset 24 of the record).
    pos = raw.find(b"PK\x01\x02")
    while raw[pos + 46 : pos + 46 + int.from_bytes(raw[pos + 28 : pos + 30], "little")] != target:
        pos = raw.find(b"PK\x01\x02", pos + 4)
        assert pos >= 0
    raw[pos + 24 : pos + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="declares .* bytes"):
        load_model(bad)


def test_a_folder_a_tensorflow_savedmodel_or_an_onnx_file_is_named_by_load_model(tmp_path):
    # TensorFlow's save_and_load tutorial loads load_model('saved_model/my_model'), a SavedModel folder;
    # load_model said "[Errno 21] Is a directory", and of an exported ONNX file "File is not a zip file"
    with pytest.raises(ValueError, match=r"it is a folder, no model file\.$"):
        load_model(tmp_path)
    (tmp_path / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(ValueError, match="a TensorFlow SavedModel, which glassnet does not read; in Keras"):
        load_model(tmp_path)
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.export(tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="an ONNX file .*onnxruntime"):
        load_model(tmp_path / "m.onnx")


def test_not_a_zip_and_not_a_model(tmp_path):
    junk = tmp_path / "junk.gn"
    junk.write_bytes(b"hello")
    with pytest.raises(ValueError, match="not a glassnet model file"):
        load_model(junk)
    other = tmp_path / "other.gn"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("model.json", json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="does not describe a glassnet model"):
        load_model(other)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.gn")


def test_a_zip_of_other_members_and_an_empty_file_are_named_as_such(tmp_path, rng):
    # an np.savez file (the weights of a NumPy tutorial) said "the member 'model.json' is missing", and an
    # empty .weights.h5 "it is not a glassnet model file (a zip archive): File is not a zip file"
    np.savez(tmp_path / "w.npz", W=rng.normal(size=(4, 3)), b=np.zeros(3))
    with pytest.raises(ValueError, match=r"w\.npz': it is a zip archive but not a glassnet model file \(it has no "
                                         r"model\.json; it holds the members 'W\.npy', 'b\.npy' \(NumPy arrays: an "
                                         r"np\.savez \.npz file"):
        load_model(tmp_path / "w.npz")
    with zipfile.ZipFile(tmp_path / "notes.zip", "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match="it is a zip archive but not a glassnet model file .*'notes.txt'"):
        load_model(tmp_path / "notes.zip")
    empty = tmp_path / "w.weights.h5"
    empty.write_bytes(b"")
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    for load in (load_model, model.load_weights):
        with pytest.raises(ValueError, match=r"w\.weights\.h5': it is empty \(0 bytes\)"):
            load(empty)


def test_a_path_with_a_nul_character_is_refused_naming_filepath(tmp_path, monkeypatch):
    # load_model said "No model file at 'a\x00b.gn'" (a FileNotFoundError), save a bare "embedded null byte"
    monkeypatch.chdir(tmp_path)
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.build()
    for call in (load_model, model.save, model.save_weights, model.load_weights):
        with pytest.raises(ValueError, match=r"^filepath must be a file path without NUL characters .*Received: "
                                             r"filepath='a\\x00b\.gn'"):
            call("a\x00b.gn")
    # every writer and reader of a path checks it so (glassnet._validation.check_path)
    from glassnet.onnx import export
    from glassnet.sklearn import MLPRegressor

    for call in (lambda p: export(model, p), MLPRegressor.load):
        with pytest.raises(ValueError, match=r"^path must be a file path without NUL characters"):
            call("a\x00b.onnx")
    assert list(tmp_path.iterdir()) == []


def test_nothing_on_the_load_path_can_unpickle(saved, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("unpickling was attempted")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    model = load_model(saved)
    assert model.built


def test_custom_objects_cannot_be_saved(tmp_path):
    model = Sequential([Dense(2, activation=lambda z: z, input_dim=2)])
    model.build()
    with pytest.raises(ValueError, match="Cannot save the activation lambda: it has no name a model file could hold"):
        model.save(tmp_path / "x.gn")
    assert not (tmp_path / "x.gn").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_custom_activation_is_refused_naming_its_layer_and_function(tmp_path):
    # the message said "the custom activation FunctionActivation()": neither the layer nor the function
    def cube(z):
        return z**3

    model = Sequential([Dense(3, "relu", input_dim=2), Dense(1, activation=cube, name="out")])
    with pytest.raises(ValueError, match="Cannot save layer 'out' \\(Dense\\), whose activation is the function "
                                         "'cube': Cannot save the activation function 'cube': it is not "
                                         "registered.*register_keras_serializable"):
        model.save(tmp_path / "x.gn")
    assert list(tmp_path.iterdir()) == []


def test_saved_file_has_ordinary_permissions(tmp_path):
    import os
    import stat

    model = Sequential([Dense(2, input_dim=2)])
    model.build()
    model.save(tmp_path / "m.gn")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "m.gn").st_mode) == 0o666 & ~umask


def test_pickled_model_trains_its_own_layers(rng):
    # Pickling is not the file format, but a model must survive it (joblib, multiprocessing).
    X, y = _data(rng)
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    clone = pickle.loads(pickle.dumps(model))
    assert "Z" not in vars(clone.layers[0]) and not clone.layers[0]._buffers
    np.testing.assert_array_equal(clone.predict(X), model.predict(X))
    before = clone.get_weights()
    clone.fit(X, y, epochs=1, verbose=0)
    assert not all(np.array_equal(a, b) for a, b in zip(before, clone.get_weights()))
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


class _LogCosh(glassnet.losses.Loss):
    """A user's own loss: per-sample values and their gradient."""

    name = "log_cosh"

    def per_sample(self, Y, A):
        return np.log(np.cosh(A - Y)).sum(axis=1)

    def per_sample_gradient(self, Y, A):
        return np.tanh(A - Y)


def test_a_custom_loss_trains_and_the_model_saves_it_by_class_name(tmp_path):
    from glassnet.callbacks import ModelCheckpoint

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, 2.0, -1.0])
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="adam", loss=_LogCosh(), metrics=["mae"])
    assert glassnet.check_gradients(model, X[:5], y[:5]).passed(1e-6)
    history = model.fit(X, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(tmp_path / "ck.gn")])
    assert history.history["loss"][1] < history.history["loss"][0]
    # the file names the loss's class, as Keras's: it loads where the program passes (or registers) it
    with pytest.raises(ValueError, match="Unknown loss '_LogCosh'.*custom_objects"):
        load_model(tmp_path / "ck.gn")
    assert not load_model(tmp_path / "ck.gn", compile=False).compiled
    loaded = load_model(tmp_path / "ck.gn", custom_objects={"_LogCosh": _LogCosh})
    assert type(loaded.loss) is _LogCosh
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    model.fit(X, y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(X, y, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_plain_loss_function_is_refused_with_the_way_to_write_one():
    model = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(TypeError, match=r"Subclass glassnet.losses.Loss with per_sample\(Y, A\)"):
        model.compile(optimizer="sgd", loss=lambda y_true, y_pred: ((y_true - y_pred) ** 2).mean())


def test_metadata_is_saved_as_json_and_nothing_else(tmp_path):
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.build()
    assert model.metadata == {}
    model.metadata = {"classes": ["cat", "dog"], "note": "trained on Tuesday", "version": 3}
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").metadata == model.metadata
    model.metadata = {"weights": np.ones(2)}
    with pytest.raises(ValueError, match="model.metadata must hold JSON values"):
        model.save(tmp_path / "bad.gn")
    assert not (tmp_path / "bad.gn").exists()
    model.metadata = ["not", "a", "dict"]
    with pytest.raises(ValueError, match="model.metadata must be a dict"):  # as the docs say
        model.save(tmp_path / "bad.gn")


def test_load_weights_fills_a_model_of_the_same_shapes(tmp_path, rng):
    X, y = _data(rng)
    trained = _model()
    trained.fit(X, y, epochs=2, verbose=0)
    path = tmp_path / "weights.gn"
    trained.save_weights(path)
    fresh = _model()  # built lazily, compiled: load_weights builds it from the file's input shape
    fresh.load_weights(path)
    for a, b in zip(fresh.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(fresh.predict(X), trained.predict(X))
    other = Sequential([Dense(3, input_dim=X.shape[1])])
    before = other.get_weights()
    with pytest.raises(ValueError, match="holds weights of shapes"):
        other.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, other.get_weights()))  # unchanged
    with pytest.raises(FileNotFoundError):
        fresh.load_weights(tmp_path / "missing.gn")


@pytest.mark.parametrize("name", ["m.gn", "m.keras"])
@pytest.mark.parametrize("skip_mismatch", [False, True])
def test_load_weights_of_float64_values_beyond_float32_names_the_file_the_weight_and_the_fix(name, skip_mismatch,
                                                                                             tmp_path):
    if name.endswith(".keras"):
        pytest.importorskip("h5py")
    source = Sequential([Dense(2, input_dim=3), Dense(1)], dtype="float64")
    weights = source.get_weights()
    weights[2][1, 0] = -1e300
    source.set_weights(weights)
    source.save(tmp_path / name)
    model = Sequential([Dense(2, input_dim=3), Dense(1)])
    before = model.get_weights()
    # it said only "set_weights: weights[2] holds values beyond the range of float32"
    with pytest.raises(ValueError, match=f"^Cannot load model file .*{name}': layer 'dense_1' \\(Dense\\)'s kernel holds "
                                         "values up to 1e\\+300, beyond the range of float32 .*nothing was loaded. Load "
                                         "it into a model of dtype='float64'"):
        model.load_weights(tmp_path / name, skip_mismatch=skip_mismatch)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    wide = Sequential([Dense(2, input_dim=3), Dense(1)], dtype="float64")
    wide.load_weights(tmp_path / name)  # as the message says
    assert wide.get_weights()[2][1, 0] == -1e300


@pytest.mark.parametrize("units", [20000, 10**12])
def test_an_architecture_bigger_than_the_file_is_refused_before_allocating(saved, tmp_path, units):
    # a 3 kB file declaring Dense(20000) on 20000 inputs used 4.7 GB before its shape error;
    # Dense(10**12) asked NumPy for 29 TiB
    def grow(config):
        config["model"]["input_shape"] = [20000]
        config["model"]["layers"][0]["config"]["units"] = units

    hostile = _rewrite(saved, tmp_path / "hostile.gn", edit_config=grow)
    with pytest.raises(ValueError, match="more than the file stores"):
        load_model(hostile)


@pytest.mark.parametrize("shape", [[], ["a"], [0]])
def test_a_malformed_input_shape_is_named_before_any_size_check(saved, tmp_path, shape):
    def edit(config):
        config["model"]["input_shape"] = shape

    with pytest.raises(ValueError, match="input shape .* is not a list of positive integers"):
        load_model(_rewrite(saved, tmp_path / "bad_shape.gn", edit_config=edit))


@pytest.mark.parametrize("value", [-1, 1e308, 2**200])
def test_an_out_of_range_generator_state_is_a_malformed_file(saved, tmp_path, value):
    def edit(config):
        config["rng"]["model"]["state"]["state"] = value  # OverflowError inside NumPy before

    with pytest.raises(ValueError, match="random-generator state is malformed"):
        load_model(_rewrite(saved, tmp_path / "bad.gn", edit_config=edit))


def test_numpy_numbers_in_settings_are_saved_as_plain_numbers(tmp_path):
    from glassnet import initializers, layers, metrics, optimizers

    rng = np.random.default_rng(0)
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(3, kernel_initializer=initializers.GlorotUniform(
        seed=np.int64(7))), layers.Dropout(0.2, seed=rng.integers(100)), layers.Dense(1)])
    model.compile(optimizer=optimizers.Adam(learning_rate=np.float32(1e-3)), loss="mse",
                  metrics=[metrics.MeanAbsoluteError, metrics.Recall(class_id=np.int64(0))])
    model.save(tmp_path / "m.gn")  # TypeError: int64 is not JSON serializable (and ModelCheckpoint stopped fit)
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.layers[0].kernel_initializer.seed == 7
    assert [m if isinstance(m, str) else type(m).__name__ for m in loaded._metric_ids] == ["MeanAbsoluteError",
                                                                                            "Recall"]


def test_metadata_must_load_back_as_saved(tmp_path):
    model = _model()
    model.metadata = {"classes": {0: "neg", 1: "pos"}}  # keys would come back as "0", "1"
    with pytest.raises(ValueError, match="dict keys must be str"):
        model.save(tmp_path / "m.gn")
    model.metadata = ["a"]
    with pytest.raises(ValueError, match="model.metadata must be a dict"):
        model.save(tmp_path / "m.gn")


@pytest.mark.parametrize("edit, match", [
    (lambda c: c.update(model="[" * 5000 + "]" * 5000), "malformed|not valid"),
    (lambda c: c["model"]["layers"].__setitem__(0, {"class_name": "Conv2D", "config": {}}), "Unknown layer 'Conv2D'"),
    (lambda c: c["optimizer_state"].__setitem__("iterations", 10**30), "iteration count"),
    (lambda c: c["compile"].__setitem__("optimizer", {"class_name": "SGD", "config": {"learning_rate": {
        "class_name": "PiecewiseConstantDecay", "config": {"boundaries": [1e400], "values": [0.1, 0.01]}}}}),
     "Malformed|malformed"),
])
def test_malformed_settings_name_the_file(saved, tmp_path, edit, match):
    with pytest.raises(ValueError, match=f"Cannot load model file .*({match})"):
        load_model(_rewrite(saved, tmp_path / "bad.gn", edit_config=edit))


@pytest.mark.parametrize("edit, match", [
    # each was read without a word: "yes" as false, a dict as the name "{'a': 1}", [] as no state or metadata;
    # "compile": "adam" said "string indices must be integers"
    (lambda c: c["compile"].__setitem__("jit_compile", "yes"),
     r"its compile jit_compile 'yes' is not true or false \(load_model\(path, compile=False\)"),
    (lambda c: c["model"].__setitem__("name", {"a": 1}), r"its model's name \{'a': 1\} is not a string"),
    (lambda c: c.__setitem__("optimizer_state", []),
     r"its optimizer_state \[\] is not a JSON object \(nor null\) \(load_model\(path, compile=False\)"),
    (lambda c: c.__setitem__("metadata", []), r"its metadata is not a JSON object \(nor null\): \[\]"),
    (lambda c: c.__setitem__("compile", "adam"),
     r"its compile settings 'adam' are not a JSON object \(load_model\(path, compile=False\)"),
    # "false", "no" and 1 loaded a functional model (its variables' paths without the model's scope)
    *[(lambda c, flag=flag: c["model"].__setitem__("functional", flag),
       rf"model.json is malformed \(TypeError: functional must be True or False. Received: functional={flag!r}\)")
      for flag in ("false", "no", 1)],
])
def test_a_value_of_the_wrong_type_in_the_models_json_is_refused(saved, tmp_path, edit, match):
    with pytest.raises(ValueError, match=f"Cannot load model file .*bad.gn': {match}"):
        load_model(_rewrite(saved, tmp_path / "bad.gn", edit_config=edit))


def _deep(depth):
    """A dict holding lists nested ``depth`` deep in all (the dict counts)."""
    value = []
    for _ in range(depth - 2):
        value = [value]
    return {"a": value}


@pytest.mark.parametrize("metadata, match", [
    ({"classes": ["a", "b"], "score": float("nan")}, "Out of range float values are not JSON compliant"),
    ({"score": float("inf")}, "Out of range float values"),  # (json reads 1e400 as inf too)
    (_deep(101), "its dicts and lists are nested more than 100 deep"),
])
def test_metadata_that_save_refuses_is_refused_by_load_model(saved, tmp_path, metadata, match):
    # Python's json writes NaN and Infinity: such a file loaded, and its model's first save (a
    # ModelCheckpoint's, at the first epoch's end) then refused the metadata; metadata 990 deep
    # loaded and its save met Python's recursion limit
    bad = _rewrite(saved, tmp_path / "bad.gn", edit_config=lambda c: c.__setitem__("metadata", metadata))
    with pytest.raises(ValueError, match=f"Cannot load model file .*bad.gn': its metadata holds what model.save "
                                         f"does not write .*so the model could not be saved again: {match}"):
        load_model(bad)


def test_metadata_nests_at_most_a_hundred_deep_in_save_and_load(tmp_path):
    model = Sequential([Dense(2, input_dim=2)], seed=0)
    model.metadata = _deep(100)
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").metadata == model.metadata
    model.metadata = _deep(101)
    with pytest.raises(ValueError, match="model.metadata must hold JSON values .*nested more than 100 deep"):
        model.save(tmp_path / "deep.gn")
    assert not (tmp_path / "deep.gn").exists()


def _nested(config, key, depth):
    """``config`` inside ``depth`` objects, each holding the next under ``key`` (a LossScaleOptimizer's
    inner_optimizer, a SpectralNormalization's layer)."""
    wrapper = "LossScaleOptimizer" if key == "inner_optimizer" else "SpectralNormalization"
    for i in range(depth):
        config = {"class_name": wrapper, "config": {key: config, **({"name": f"s{i}"} if key == "layer" else {})}}
    return config


@pytest.mark.parametrize("key", ["inner_optimizer", "layer"])
def test_objects_nested_too_deeply_to_build_are_a_malformed_model_json(saved, tmp_path, key):
    # 260 of them: valid JSON, but building them raised a bare RecursionError from load_model (a SpectralNormalization
    # of one is now refused before it is made; Python's default limit: importing Keras raises it to 3000)
    def edit(config):
        if key == "layer":
            config["model"]["layers"][0] = _nested(config["model"]["layers"][0], key, 260)
        else:
            config["compile"]["optimizer"] = _nested(config["compile"]["optimizer"], key, 260)

    match = (r"model\.json is malformed: its objects are nested too deeply to be built \(RecursionError\)"
             if key == "inner_optimizer" else r"wraps a Dense or an Embedding layer, not another SpectralNormalization")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        with pytest.raises(ValueError, match=f"Cannot load model file .*deep.gn'.*{match}") as refused:
            load_model(_rewrite(saved, tmp_path / "deep.gn", edit_config=edit))
    finally:
        sys.setrecursionlimit(limit)
    assert len(str(refused.value)) < 2000


class _Confusion(glassnet.metrics.Metric):
    """A metric of the user's whose state is a classes × classes table, made by reset_state (as MeanIoU's)."""

    def __init__(self, classes=2, name="confusion", dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.classes = classes

    def reset_state(self):
        self.table = np.zeros((self.classes, self.classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        pass

    def result(self):
        return 0.0

    def get_config(self):
        return {"classes": self.classes, "name": self.name}


def test_compile_settings_too_large_for_memory_are_refused_naming_compile_false(saved, tmp_path):
    # a 1 kB file whose metric keeps 10**7 × 10**7 counts (MeanIoU(num_classes=10**6) asked for 7.28 TiB):
    # NumPy's MemoryError came out of load_model
    metric = {"module": "tests", "class_name": "_Confusion", "config": {"classes": 10**7}, "registered_name": "_Confusion"}
    bad = _rewrite(saved, tmp_path / "huge.gn", edit_config=lambda c: c["compile"].__setitem__("metrics", [metric]))
    with pytest.raises(ValueError, match=r"Cannot load model file .*huge.gn': compiling it needs more memory than there "
                                         r"is \(MemoryError: .*\): a setting of its compile settings is too large.* "
                                         r"\(load_model\(path, compile=False\) loads the model without its compile "
                                         r"settings\)"):
        load_model(bad, custom_objects={"_Confusion": _Confusion})
    assert not load_model(bad, compile=False, custom_objects={"_Confusion": _Confusion}).compiled


def test_a_key_written_twice_in_the_models_json_is_refused(saved, tmp_path):
    # json keeps the last of two values without a word: a Dense said "units": 3 and then 9 and
    # loaded with 9, a description other than the one its first key gives
    with zipfile.ZipFile(saved) as zf:
        text = zf.read("model.json").decode()
    twice = text.replace('"name": ', '"name": "first", "name": ', 1)
    assert twice != text
    bad = _rewrite(saved, tmp_path / "twice.gn", replace={"model.json": twice.encode()})
    with pytest.raises(ValueError, match=r"Cannot load model file .*not valid JSON .*the key 'name' appears twice"):
        load_model(bad)


def test_deeply_nested_json_and_forged_array_headers_are_refused(saved, tmp_path):
    deep = _rewrite(saved, tmp_path / "deep.gn", replace={"model.json": b"[" * 100000 + b"]" * 100000})
    with pytest.raises(ValueError, match="Cannot load model file .*not valid JSON"):  # RecursionError before
        load_model(deep)
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    header["shape"] = (4_000_000_000,)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    forged = _rewrite(saved, tmp_path / "forged.gn", replace={"weights/0000.npy": buf.getvalue()})
    with pytest.raises(ValueError, match=r"has shape \(4000000000,\)"):  # np.load allocated 16 GB first
        load_model(forged)


def test_saving_through_a_link_replaces_its_target_and_keeps_permissions(tmp_path):
    model = _model()
    target = tmp_path / "target.gn"
    model.save(target)
    os.chmod(target, 0o600)
    link = tmp_path / "link.gn"
    link.symlink_to(target)
    model.save(link)
    assert link.is_symlink() and (os.stat(target).st_mode & 0o777) == 0o600
    load_model(link)


def test_loading_leaves_the_global_random_generator_alone(saved):
    from glassnet.utils import set_random_seed

    set_random_seed(1)
    expected = glassnet.backend.global_rng().random(3)
    set_random_seed(1)
    loaded = load_model(saved)  # building the model drew from it before
    np.testing.assert_array_equal(glassnet.backend.global_rng().random(3), expected)
    np.testing.assert_array_equal(loaded.get_weights()[0], load_model(saved).get_weights()[0])


def test_save_refuses_unnamed_and_write_protected_targets(tmp_path, monkeypatch):
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.build()
    for bad in ("", str(tmp_path / "newdir") + os.sep):
        with pytest.raises(ValueError, match="give a file name"):
            model.save(bad)
    assert not (tmp_path / "newdir").exists()
    target = tmp_path / "kept.gn"
    model.save(target)
    before = target.read_bytes()
    target.chmod(0o444)
    real_access = os.access
    # root may write anything; the check is the one a normal user meets: os.access says no
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(target) else real_access(p, mode))
    with pytest.raises(PermissionError, match="write-protected"):
        model.save(target)
    assert target.read_bytes() == before


@pytest.mark.parametrize("name", ["train.csv", "w.npz", "w.weights.h5", "m.keras"])
@pytest.mark.parametrize("method", ["save", "save_weights"])
def test_save_replaces_only_a_file_of_its_own_kind(name, method, tmp_path, rng):
    # model.save("train.csv") replaced the data without a word (overwrite=True, Keras's default; Keras's own save
    # refuses any name but .keras): a file of another kind is left as it is, even with overwrite=True
    if name in ("w.weights.h5", "m.keras"):
        pytest.importorskip("h5py", reason="Keras's files need h5py (the keras-files extra)")
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.build()
    path = tmp_path / name
    if name == "train.csv":
        path.write_text("x1,x2,x3,y\n0.5,1.5,2.5,1\n")
        seems = r"a text file \(its first line: 'x1,x2,x3,y'\)"
    elif name == "w.npz":
        np.savez(path, W=rng.normal(size=(3, 2)))
        seems = r"a zip archive holding the member 'W.npy' \(NumPy arrays"
    elif name == "w.weights.h5":  # another kind for model.save; for save_weights another HDF5 file, replaced
        Sequential([Dense(5, input_dim=3)]).save_weights(path)
        seems = r"an HDF5 file"
    else:
        model.export(path, format="keras")
        seems = r"a Keras model file"
    before = path.read_bytes()
    if method == "save_weights" and name == "w.weights.h5":
        model.save_weights(path)
        assert path.read_bytes() != before
        return
    for overwrite in (True, None):  # (None: the default)
        with pytest.raises(FileExistsError, match=f"{name}' exists and is (not|neither) a glassnet model file.*: it "
                                                  f"seems to be {seems}.*It was left as it is: model.{method} replaces "
                                                  "only its own kind of file"):
            getattr(model, method)(path, **({} if overwrite is None else {"overwrite": overwrite}))
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_save_replaces_its_own_files_and_empty_ones(tmp_path):
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.compile("adam", "mse")
    other = Sequential([Dense(4, input_dim=3)], seed=1)
    other.build()
    for name in ("m.gn", "w.gn"):
        other.save(tmp_path / name)
    (tmp_path / "empty.gn").write_bytes(b"")
    model.save(tmp_path / "m.gn")
    model.save_weights(tmp_path / "w.gn")
    model.save(tmp_path / "empty.gn")
    for name in ("m.gn", "w.gn", "empty.gn"):
        assert load_model(tmp_path / name).get_weights()[0].shape == (3, 2)
    with pytest.raises(FileExistsError, match="exists and overwrite=False"):
        model.save(tmp_path / "m.gn", overwrite=False)


def test_a_model_checkpoint_does_not_replace_a_file_of_another_kind(tmp_path, rng):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    model = Sequential([Dense(1, input_dim=2)], seed=0)
    model.compile("sgd", "mse")
    with pytest.raises(FileExistsError, match="data.csv' exists and is not a glassnet model file"):
        model.fit(rng.normal(size=(8, 2)), rng.normal(size=(8, 1)), verbose=0,
                  callbacks=[glassnet.callbacks.ModelCheckpoint(str(path))])
    assert path.read_text() == "a,b\n1,2\n"


def test_a_layer_renamed_after_add_to_a_name_in_use_saves_and_resumes_as_uninterrupted(tmp_path):
    # add() refuses a name in use, layer.name = ... afterwards is not checked (as Keras): the file
    # kept the dropout generators by name, so one overwrote the other and a resumed fit differed
    def make():
        model = Sequential([Dense(8, input_dim=4), Dropout(0.5, name="d1"), Dense(8), Dropout(0.5, name="d2"),
                            Dense(1)], seed=0)
        model.layers[3].name = "d1"
        model.compile(loss="mse", optimizer="sgd")
        return model

    x = np.random.default_rng(0).normal(size=(64, 4))
    y = x.sum(axis=1)
    model = make()
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    with pytest.warns(UserWarning, match="Two layers are named 'd1'; the file names the second one 'd1_1'"):
        model.save(tmp_path / "m.gn")
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the file's names are unique: no renaming on load
        loaded = load_model(tmp_path / "m.gn")
    assert [layer.name for layer in loaded.layers] == ["dense", "d1", "dense_1", "d1_1", "dense_2"]
    loaded.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [layer.name for layer in model.layers][3] == "d1"  # the model itself is left as it is


def test_a_custom_regularizer_is_saved_by_class_name(tmp_path):
    # a ModelCheckpoint keeps saving it, as Keras's; loading needs the class (custom_objects or the registry)
    class MyPenalty(glassnet.regularizers.Regularizer):  # as docs/api.md describes one
        def __call__(self, W):
            return float(np.sum(W**4))

        def gradient(self, W):
            return 4 * W**3

    assert repr(MyPenalty()) == "MyPenalty()"
    model = Sequential([Dense(2, input_dim=3, kernel_regularizer=MyPenalty(), bias_regularizer="l2")], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    checkpoint = glassnet.callbacks.ModelCheckpoint(tmp_path / "best.gn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=2, verbose=0, callbacks=[checkpoint])
        model.save(tmp_path / "m.gn")
    with pytest.raises(ValueError, match="Unknown regularizer 'MyPenalty'.*must be registered or passed"):
        load_model(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn", custom_objects={"MyPenalty": MyPenalty})
    dense = loaded.layers[0]
    assert type(dense.kernel_regularizer) is MyPenalty and repr(dense.bias_regularizer) == "L2(l2=0.01)"
    np.testing.assert_array_equal(dense.kernel, model.layers[0].kernel)
    with glassnet.saving.custom_object_scope({"MyPenalty": MyPenalty}):
        np.testing.assert_array_equal(load_model(tmp_path / "best.gn").layers[0].kernel, model.layers[0].kernel)


def test_a_member_named_twice_is_refused(tmp_path):
    # zip readers differ on which copy they read; the loader took the last one, silently
    path = tmp_path / "m.gn"
    Sequential([Dense(3, input_shape=(4,))]).save(path)
    buffer = io.BytesIO()
    np.save(buffer, np.full((4, 3), 7, "float32"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile's own "Duplicate name"
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("weights/0000.npy", buffer.getvalue())
    with pytest.raises(ValueError, match="holds the member 'weights/0000.npy' more than once"):
        load_model(path)


def test_an_oversized_model_json_is_named_as_such_not_as_invalid_json(tmp_path):
    # "model.json is not valid JSON (ValueError: Cannot load model file ...: the member 'model.json' declares ...)"
    path = tmp_path / "m.gn"
    Sequential([Dense(3, input_shape=(4,))]).save(path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["model.json"] += b" " * (5 * 2**20)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError) as info:
        load_model(path)
    assert "the member 'model.json' declares" in str(info.value) and "not valid JSON" not in str(info.value)


def test_loading_draws_no_initial_weights(tmp_path, monkeypatch):
    # the file supplies every weight: drawing random ones first took half of load_model's time
    from glassnet import initializers
    from glassnet.models import Sequential, load_model

    model = Sequential([Dense(16, "relu", input_dim=8), BatchNormalization(), Dense(3, "softmax",
                        kernel_initializer="he_normal")], seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(np.random.default_rng(0).random((32, 8)), np.eye(3)[np.arange(32) % 3], epochs=1, verbose=0)
    model.save(tmp_path / "m.gn")

    def refuse(*args, **kwargs):
        raise AssertionError("an initial weight was drawn")

    monkeypatch.setattr(initializers, "_draw", refuse)
    loaded = load_model(tmp_path / "m.gn")
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.layers[2].kernel_initializer.get_config() == model.layers[2].kernel_initializer.get_config()
    with pytest.raises(AssertionError, match="drawn"):  # outside load_model, initializers draw as before
        Dense(4, input_dim=2).build((2,))


def test_the_models_seed_is_saved_and_seeds_a_layer_added_after_loading(tmp_path):
    # the file left Sequential(seed=...) out: the loaded model's seed was None, so a layer added to
    # it (as after pop) drew different weights in every session instead of the seeded ones
    model = Sequential([Dense(3, input_dim=2), Dense(2)], seed=7)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.seed == 7
    for m in (model, loaded):
        m.pop()
        m.add(Dense(4))
    np.testing.assert_array_equal(loaded.layers[-1].kernel, model.layers[-1].kernel)
    Sequential([Dense(3, input_dim=2)]).save(tmp_path / "unseeded.gn")
    assert load_model(tmp_path / "unseeded.gn").seed is None


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_a_malformed_model_seed_names_the_file(saved, tmp_path, seed):
    def edit(config):
        config["model"]["seed"] = seed

    with pytest.raises(ValueError, match="Cannot load model file .*bad.gn.*seed must be a non-negative integer"):
        load_model(_rewrite(saved, tmp_path / "bad.gn", edit_config=edit))


def test_a_frozen_models_own_flag_is_saved_and_freezes_a_layer_added_after_loading(tmp_path):
    # only the layers' flags were saved: the loaded model's own was True again, so a layer added
    # after loading trained, where the frozen model freezes it (and model.trainable said True
    # once one layer was unfrozen)
    model = Sequential([Dense(3, input_dim=2), Dense(2)])
    model.trainable = False  # the model's flag and every layer's
    model.layers[1].trainable = True  # a layer's own flag, kept as it is
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert [layer.trainable for layer in loaded.layers] == [False, True]
    for m in (model, loaded):
        m.add(Dense(4))
    assert loaded.trainable_weights == model.trainable_weights == []  # the added layer keeps its flag (True)
    assert loaded.trainable is model.trainable is False


def _encoder_in_a_functional_model():
    inputs = glassnet.Input(batch_shape=(8, 4), name="enc_in", dtype="int32")
    encoder = glassnet.Model(inputs, Dense(2, name="e1")(inputs), name="encoder")
    outer_inputs = glassnet.Input((4,), name="x")
    return glassnet.Model(outer_inputs, Dense(1, name="out")(encoder(outer_inputs)), name="top")


def test_the_inputs_given_names_batch_size_and_dtype_are_loaded_as_keras_keeps_them(tmp_path, rng):
    # the loaded model's input had no name (predict({"x": ...}) was refused: "this model's has no name yet"),
    # and its nested encoder's input was input_layer (None, 4) float32; Keras 3.15's load_model keeps them all
    model = _encoder_in_a_functional_model()
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    X = rng.normal(size=(2, 4)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict({"x": X}, verbose=0), loaded.predict(X, verbose=0))
    assert loaded.predict({"x": X}, verbose=0).shape == (2, 1)
    assert loaded.input.name == "x" and loaded.get_layer("x") is loaded.input
    encoder = loaded.get_layer("encoder")
    assert (encoder.input.name, encoder.input.shape, encoder.input.dtype, encoder.output_shape) == \
        ("enc_in", (8, 4), "int32", (8, 2))
    with zipfile.ZipFile(tmp_path / "m.gn") as archive:
        entry, = json.loads(archive.read("model.json"))["model"]["nested"]
    assert {key: entry[key] for key in ("input_name", "batch_size", "input_dtype")} == \
        {"input_name": "enc_in", "batch_size": 8, "input_dtype": "int32"}


def test_a_file_whose_nested_models_have_no_input_keys_loads_as_before(tmp_path):
    # written before the nested entries kept their Input's name, batch size and dtype
    model = _encoder_in_a_functional_model()
    model.save(tmp_path / "m.gn")

    def edit(config):
        for key in ("input_name", "batch_size", "input_dtype"):
            del config["model"]["nested"][0][key]

    encoder = load_model(_rewrite(tmp_path / "m.gn", tmp_path / "old.gn", edit_config=edit)).get_layer("encoder")
    assert (encoder.input.name, encoder.input.shape, encoder.input.dtype) == (None, (None, 4), "float32")


@pytest.mark.parametrize("key, value, match", [
    ("input_name", 3, "'input_name' must be a string"),
    ("batch_size", 0, "batch_size must be a positive integer"),
    ("input_dtype", "complex64", "input_dtype must be an integer, bool or float16/float32/float64 dtype"),
    ("input_size", 8, "no other keys than those and 'pins', 'nested', 'subclass', 'input_name', 'batch_size'"),
])
def test_a_malformed_input_key_of_a_nested_model_names_the_file_and_the_entry(key, value, match, tmp_path):
    _encoder_in_a_functional_model().save(tmp_path / "m.gn")
    bad = _rewrite(tmp_path / "m.gn", tmp_path / "bad.gn",
                   edit_config=lambda config: config["model"]["nested"][0].__setitem__(key, value))
    with pytest.raises(ValueError, match=f"Cannot load model file .*bad.gn.*'nested' entry .*malformed.*{match}"):
        load_model(bad)


def test_a_forged_input_size_cannot_make_a_normalization_build_gigabytes(tmp_path, monkeypatch):
    # Normalization(mean=0.5, variance=2.0) has no weights in the file, but builds one mean and one
    # variance per feature: a 700-byte file declaring 5 * 10**7 features allocated 1.1 GB
    from glassnet.layers import Normalization

    path = tmp_path / "m.gn"
    Sequential([Normalization(mean=0.5, variance=2.0, input_shape=(3,))]).save(path)

    def edit(config):
        config["model"]["input_shape"] = [5 * 10**7]

    monkeypatch.setattr(np, "broadcast_to", lambda *a, **k: pytest.fail("the statistics were built"))
    with pytest.raises(ValueError, match="Cannot load model file .*'normalization' would spread its mean and "
                                         "variance over 50,000,000 features"):
        load_model(_rewrite(path, tmp_path / "bad.gn", edit_config=edit))
    monkeypatch.undo()
    np.testing.assert_array_equal(load_model(path).layers[0].state["mean"], [0.5] * 3)


@pytest.mark.parametrize("edit, match", [
    (lambda c: c.update(optimizer_state=[1]), "its optimizer state \\[1\\] is not a list of names"),
    (lambda c: c["optimizer_state"].update(names=["m", 1]), "its optimizer state .* is not a list of names"),
    # json reads Infinity and 1e400: the optimizer refused it after the weights had been replaced
    (lambda c: c["backup"].update(learning_rate=float("inf")), "its learning rate inf is not a finite"),
    (lambda c: c["backup"].update(learning_rate=10**400), "its learning rate 1000.* is not a finite"),
])
def test_a_malformed_backup_is_refused_by_name_before_the_model_changes(edit, match, tmp_path, rng):
    X, y = _data(rng)
    model = _model()
    model.fit(X, y, epochs=1, verbose=0)
    saving.save_model(model, tmp_path / "b.gn", backup={"epoch": 1, "batch": None, "optimizer": "Adam",
                                                        "learning_rate": 0.001})
    path = _rewrite(tmp_path / "b.gn", tmp_path / "bad.gn", edit_config=edit)
    other = _model()
    other.fit(X, y, epochs=1, verbose=0)
    before = other.get_weights()
    with pytest.raises(ValueError, match=f"Cannot load model file .*bad.gn'.*{match}"):
        saving.restore_backup(other, path)
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dropout", [{"rate": 0.1}, {"rate": 0.1, "name": "x"}])
def test_loading_a_file_of_many_layers_takes_time_in_proportion_to_them(dropout, tmp_path):
    # 9,999 layers without names (each checked against all before it: 60 s for a 3 kB file)
    # or all of one name (each renamed x_1, x_2, ... after trying the names before it: 29 s).
    # Compared with a file of a quarter as many layers, not with a clock: linear work takes about
    # 4 times as long, the quadratic work about 16 times, on a fast machine or a loaded one
    import time

    path = tmp_path / "m.gn"
    Sequential([Dense(1, input_dim=2)]).save(path)

    def file_of(n):
        def edit(config):
            config["model"]["layers"] = [{"class_name": "Dropout", "config": dropout}] * (n - 1) + \
                config["model"]["layers"]
        return _rewrite(path, tmp_path / f"many{n}.gn", edit_config=edit)

    def seconds(file):  # the fastest of two loads
        best = math.inf
        for _ in range(2):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Two layers are named 'x'; ..."
                model = load_model(file)
            best = min(best, time.perf_counter() - start)
        return best, model

    small, _ = seconds(file_of(2_500))
    large, model = seconds(file_of(10_000))
    assert large < 9 * small, f"10,000 layers took {large:.2f} s, 2,500 took {small:.2f} s"
    assert len(model.layers) == 10_000 and len({layer.name for layer in model.layers}) == 10_000


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists(os.devnull), reason="POSIX pipes and devices")
@pytest.mark.parametrize("kind", ["device", "link to a device", "named pipe"])
def test_a_pipe_or_a_device_is_refused_before_it_is_read(kind, tmp_path):
    # a named pipe blocked load_model for ever, a link to /dev/zero filled memory (MemoryError)
    import contextlib
    import threading
    import time

    path = tmp_path / "m.gn"
    if kind == "device":
        path = os.devnull
    elif kind == "link to a device":
        path.symlink_to(os.devnull)
    else:
        os.mkfifo(path)

        def unblock():  # should a reader open the pipe, a writer that closes at once ends its wait
            for _ in range(100):
                with contextlib.suppress(OSError):
                    os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
                time.sleep(0.05)

        threading.Thread(target=unblock, daemon=True).start()
    with pytest.raises(ValueError, match="Cannot load model file .*: it is not a regular file"):
        load_model(path)


def test_forged_member_sizes_do_not_make_the_model_built(tmp_path, monkeypatch):
    # the zip's directory declares each member's size: a 10 MB file declaring 4 GB of weights
    # made load_model build a 4 GB model before reading any of them
    import struct

    path = tmp_path / "m.gn"
    Sequential([Dense(2, input_dim=2, use_bias=False)]).save(path)

    def edit(config):
        config["model"]["input_shape"] = [1000]
        config["model"]["layers"][0]["config"]["units"] = 25_000  # 100 MB of float32 weights

    bad = _rewrite(path, tmp_path / "bad.gn", edit_config=edit, replace={"weights/0000.npy": os.urandom(100_000)})
    data = bytearray(bad.read_bytes())
    name = b"weights/0000.npy"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = [i for i in range(len(data)) if data.startswith(signature, i) and data[i + name_at:].startswith(name)][0]
        struct.pack_into("<I", data, at + size_at, 100_000_128)  # the size the architecture needs
    bad.write_bytes(bytes(data))
    assert zipfile.ZipFile(bad).getinfo("weights/0000.npy").file_size == 100_000_128
    monkeypatch.setattr(Sequential, "from_config", lambda *a, **k: pytest.fail("the model was built"))
    with pytest.raises(ValueError, match="Cannot load model file .*bad.gn'.*needs 25,000,000 weights \\(100,000,000 "
                                         "bytes\\), more than the file stores \\(100,000 bytes\\)"):
        load_model(bad)


def test_non_finite_weights_load_as_stored_with_a_warning_naming_them(tmp_path, rng):
    # as Keras's load_model (which loads such a .keras file silently, values as stored): a diverged
    # model stays inspectable, but glassnet's fit never leaves NaN, so a file that holds them says so
    model = Sequential([Dense(3, input_dim=2), Dense(1)])
    weights = model.get_weights()
    weights[0][0, 1], weights[3][0] = np.nan, -np.inf
    model.set_weights(weights)
    model.save(tmp_path / "m.gn")
    with pytest.warns(UserWarning, match=r"m.gn' holds NaN or infinite values in its weights "
                                         r"\(dense/W: 1 NaN; dense_1/b: 1 infinite\)"):
        loaded = load_model(tmp_path / "m.gn")
    for got, want in zip(loaded.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, want)  # (NaN where NaN was)
    target = Sequential([Dense(3, input_dim=2), Dense(1)])
    with pytest.warns(UserWarning, match="holds NaN or infinite values in its weights"):
        target.load_weights(tmp_path / "m.gn")
    np.testing.assert_array_equal(target.get_weights()[0], weights[0])
    model.set_weights([np.zeros_like(w) for w in weights])
    model.save(tmp_path / "finite.gn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a finite file loads without a word
        load_model(tmp_path / "finite.gn")


def test_a_non_finite_optimizer_state_is_said_on_load(saved, tmp_path):
    # resumed, such a state makes every step diverge (and be undone) without saying why
    with zipfile.ZipFile(saved) as zf:
        m = np.load(io.BytesIO(zf.read("optimizer/m.npy")))
    m[:3] = np.nan
    buffer = io.BytesIO()
    np.save(buffer, m)
    bad = _rewrite(saved, tmp_path / "bad.gn", replace={"optimizer/m.npy": buffer.getvalue()})
    with pytest.warns(UserWarning, match=r"holds NaN or infinite values in its optimizer state \(m: 3 NaN\)"):
        model = load_model(bad)
    assert np.isnan(model.optimizer.get_state()[1]["m"][:3]).all()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX pipes and devices")
@pytest.mark.parametrize("kind", ["named pipe", "link to a device", "device"])
def test_saving_into_a_pipe_or_a_device_writes_into_it_without_replacing_it(kind, tmp_path):
    # os.replace put a regular file where the named pipe was, and as root model.save("/dev/null")
    # replaced the system's /dev/null by a model file; now they are written into, as the shell's ">"
    import stat
    import threading

    model = Sequential([Dense(2, input_dim=3)])
    path, received = tmp_path / "out", []
    if kind == "named pipe":
        os.mkfifo(path)
        reader = threading.Thread(target=lambda: received.append(path.read_bytes()), daemon=True)
        reader.start()
    else:  # a device of its own, not the system's /dev/null: the very node a failure would replace
        device = tmp_path / "null"
        try:
            os.mknod(device, 0o666 | stat.S_IFCHR, os.stat(os.devnull).st_rdev)
        except (OSError, AttributeError):
            pytest.skip("making a device node needs root (CAP_MKNOD)")
        path = device if kind == "device" else path
        if kind == "link to a device":
            path.symlink_to(device)
    mode = os.stat(path).st_mode
    model.save(path)
    assert os.stat(path).st_mode == mode and not stat.S_ISREG(mode)
    if kind == "named pipe":
        reader.join(10)
        (tmp_path / "copy.gn").write_bytes(received[0])  # what came through the pipe is the whole file
        np.testing.assert_array_equal(load_model(tmp_path / "copy.gn").get_weights()[0], model.get_weights()[0])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_save_refuses_a_file_that_load_model_would_refuse(tmp_path, monkeypatch):
    # save wrote a model.json of 5 MB (large metadata) that load_model then refused ("declares 5243986
    # bytes; at most 4194304 are expected"): a ModelCheckpoint kept writing files nothing could load
    model = Sequential([Dense(2, input_dim=2), Dense(1), Dense(1)])
    path = tmp_path / "m.gn"
    model.metadata = {"vocabulary": "x" * saving.MAX_CONFIG_BYTES}
    with pytest.raises(ValueError, match=r"model.json would take 4,19\d,\d{3} bytes, and load_model reads at most "
                                         r"4,194,304 \(model.metadata takes 4,194,3\d\d of them\)"):
        model.save(path)
    assert not path.exists()
    model.metadata = {"vocabulary": "x" * (saving.MAX_CONFIG_BYTES - 20_000)}  # just within: saved and loaded
    model.save(path)
    assert load_model(path).metadata == model.metadata
    nested = []
    for _ in range(100_000):  # (Python 3.13's json encodes 5,000 levels; none encodes 100,000)
        nested = [nested]
    model.metadata = {"nested": nested}  # a RecursionError from json
    with pytest.raises(ValueError, match="model.metadata must hold JSON values"):
        model.save(tmp_path / "deep.gn")
    model.metadata = {}
    model.save(path)
    monkeypatch.setattr(saving, "MAX_LAYERS", 2)  # the limit both sides use
    with pytest.raises(ValueError, match="describes 3 layers; at most 2 are read"):
        load_model(path)
    with pytest.raises(ValueError, match="Cannot save the model: it has 3 layers, and load_model reads at most 2"):
        model.save(tmp_path / "many.gn")
    assert not (tmp_path / "many.gn").exists()


def test_a_deflate_bomb_too_small_for_its_architecture_is_refused_without_inflating_it(tmp_path, monkeypatch):
    # a 4 MB file whose weights member inflates to 4 GiB of zeros, declaring 40 GB of weights, took
    # 28 s to inflate before it was refused: even deflate's largest ratio (~1032:1) cannot hold them
    path = tmp_path / "m.gn"
    Sequential([Dense(2, input_dim=2, use_bias=False)]).save(path)
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("model.json"))
    config["model"]["input_shape"] = [5_000]
    config["model"]["layers"][0]["config"]["units"] = 5_000  # 100 MB of float32 weights
    bomb = tmp_path / "bomb.gn"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", json.dumps(config))
        with zf.open("weights/0000.npy", "w") as fh:
            for _ in range(50):
                fh.write(bytes(2**20))  # 50 MiB of zeros, ~50 kB deflated
    assert bomb.stat().st_size * saving.MAX_EXPANSION < 100_000_000
    opened = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda zf, name, *a, **k: pytest.fail(f"{name} was inflated")
                        if str(getattr(name, "filename", name)).startswith("weights/") else opened(zf, name, *a, **k))
    with pytest.raises(ValueError, match="needs 25,000,000 weights \\(100,000,000 bytes\\), more than the file"):
        load_model(bomb)
    monkeypatch.undo()
    deflated = tmp_path / "deflated.gn"  # an honest file deflated by another zip tool still loads
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(deflated, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    np.testing.assert_array_equal(load_model(deflated).get_weights()[0], load_model(path).get_weights()[0])


# -- a fuzz of the loader: a damaged or hostile file loads a working model or is refused -------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(derandomize=True, max_examples=80, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
#: the most memory one load may take: the fuzzed file's model needs a few kB, its forged sizes terabytes
FUZZ_MEMORY = 64 * 2**20
#: values a hostile model.json puts in place of a setting, a shape, a dtype or a class name
HOSTILE = st.one_of(
    st.sampled_from([None, True, -1, 0, 10**30, 2**63, 1e308, -1e308, math.nan, math.inf, "", "os.system",
                     "__import__", "builtins.eval", "complex128", "object", "V8", [], {}, [10**12],
                     {"class_name": "os.system", "config": {}}, {"class_name": "__import__", "config": {"name": "os"}}]),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                 max_leaves=6),
)


def _npy(array):
    """``array``'s ``.npy`` bytes."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npy_with_header(data, **changes):
    """``data`` (an .npy member) with its header's ``descr``, ``shape`` or ``fortran_order`` replaced."""
    buffer = io.BytesIO(data)
    version = np.lib.format.read_magic(buffer)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read(buffer)
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": fortran, "shape": shape, **changes}
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, header)
    return out.getvalue() + data[buffer.tell():]


def _zip(entries, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile's "Duplicate name", which is the point
        with zipfile.ZipFile(buffer, "w", compression) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return buffer.getvalue()


def _leaf_paths(value, path=()):
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield from _leaf_paths(item, (*path, key))


@st.composite
def damaged_model_files(draw, members):
    """``members`` (a model file's) damaged as a bad disk or an attacker would."""
    raw = _zip(members.items())
    names = sorted(members)
    arrays = [name for name in names if name.endswith(".npy")]
    kind = draw(st.sampled_from(["flip", "truncate", "json", "npy", "members", "text"]))
    if kind == "flip":
        data = bytearray(raw)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if kind == "truncate":
        return raw[:draw(st.integers(0, len(raw) - 1))]
    if kind == "json":  # settings, shapes, dtypes, class names, the array table: each replaced
        config = json.loads(members["model.json"])
        paths = [path for path in _leaf_paths(config) if path and path[0] != "glassnet_version"]
        for _ in range(draw(st.integers(1, 3))):
            *parents, last = draw(st.sampled_from(paths))
            node = config
            try:
                for key in parents:
                    node = node[key]
                node[last] = draw(HOSTILE)
            except (KeyError, IndexError, TypeError):  # an earlier change took the path away
                pass
        return _zip({**members, "model.json": json.dumps(config).encode()}.items())
    if kind == "npy":
        name = draw(st.sampled_from(arrays))
        array = np.load(io.BytesIO(members[name]))
        change = draw(st.sampled_from(["shape", "descr", "fortran_order", "dtype", "object", "short"]))
        if change == "shape":
            data = _npy_with_header(members[name], shape=draw(st.sampled_from([(10**12,), (2**62, 4), (0,), ()])))
        elif change == "descr":
            data = _npy_with_header(members[name], descr=draw(st.sampled_from(["|O", "<c8", ">f4", "<f8", "|V4", "<U1",
                                                                               [("a", "<f4")], "<M8[s]"])))
        elif change == "fortran_order":
            data = _npy_with_header(members[name], fortran_order=True)
        elif change == "dtype":  # a complete array of another dtype
            data = _npy(array.astype(draw(st.sampled_from([np.complex64, np.float64, ">f4", np.int32]))))
        elif change == "object":
            buffer = io.BytesIO()
            np.save(buffer, np.array([print, {"a": 1}], dtype=object), allow_pickle=True)
            data = buffer.getvalue()
        else:
            data = members[name][:draw(st.integers(0, len(members[name]) - 1))]
        return _zip({**members, name: data}.items())
    if kind == "members":
        change = draw(st.sampled_from(["twice", "extra", "missing", "bomb", "json bomb"]))
        if change == "twice":
            name = draw(st.sampled_from(names))
            return _zip([*members.items(), (name, members[name])])
        if change == "extra":
            return _zip([*members.items(), (draw(st.sampled_from(["../../evil.py", "/etc/x", "weights/9999.npy",
                                                                  "model.json/", "__init__.py"])), b"import os")])
        if change == "missing":
            return _zip([item for item in members.items() if item[0] != draw(st.sampled_from(names))])
        if change == "bomb":  # a few kB of deflate that expand to 100 MB: refused by the size it declares
            return _zip([*((n, d + b"\0" * 100 * 2**20 if n == arrays[0] else d) for n, d in members.items())],
                        zipfile.ZIP_DEFLATED)
        return _zip([(n, d + b" " * 100 * 2**20 if n == "model.json" else d) for n, d in members.items()],
                    zipfile.ZIP_DEFLATED)
    text = draw(st.sampled_from([b"[" * 100_000, b'{"a":' * 50_000, b"\xff\xfe{}", "{}".encode("utf-16"),
                                 b"\xef\xbb\xbf" + members["model.json"], members["model.json"].replace(b'"', b"\xc3")]))
    return _zip({**members, "model.json": text}.items())


def _loads_or_refuses(load, path, n_inputs, n_outputs):
    """The fuzz's rule: ``load(path)`` gives a model whose predictions have the right shape (and are
    finite unless a warning said the file holds NaN or infinite values), or raises a ValueError or
    TypeError with a message; and it takes at most FUZZ_MEMORY."""
    import tracemalloc

    tracemalloc.start()
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            try:
                model = load(path)
            except (ValueError, TypeError) as exc:
                assert str(exc)
                return
            out = np.asarray(model.predict(np.linspace(-2, 2, 2 * n_inputs, dtype=np.float32).reshape(2, n_inputs)))
        assert out.shape == (2, n_outputs)
        assert np.isfinite(out).all() or any("NaN or infinite" in str(w.message) for w in said), out
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < FUZZ_MEMORY, f"loading took {peak:,} bytes"


_FUZZ_MEMBERS = {}


def _fuzz_members():
    """The members of one trained model file with every kind of member (weights, optimizer state, generators)."""
    if not _FUZZ_MEMBERS:
        import tempfile

        model = Sequential([Dense(5, activation="relu", input_dim=3), Dropout(0.2), BatchNormalization(),
                            Dense(2, activation="softmax")], seed=0)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
        model.fit(X, (X[:, 0] > 0).astype(int), epochs=1, verbose=0)
        with tempfile.TemporaryDirectory() as folder:
            model.save(os.path.join(folder, "m.gn"))
            with zipfile.ZipFile(os.path.join(folder, "m.gn")) as zf:
                _FUZZ_MEMBERS.update({name: zf.read(name) for name in zf.namelist()})
    return _FUZZ_MEMBERS


@FUZZ
@given(data=st.data())
def test_a_damaged_or_hostile_model_file_loads_a_working_model_or_is_refused(data, tmp_path):
    path = tmp_path / "fuzzed.gn"
    path.write_bytes(data.draw(damaged_model_files(_fuzz_members())))
    _loads_or_refuses(load_model, path, 3, 2)


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError])
def test_a_save_interrupted_after_its_first_array_keeps_the_old_file_and_leaves_no_temporary(interrupt, tmp_path,
                                                                                              monkeypatch):
    model = _model()
    model.build()
    path = tmp_path / "m.gn"
    model.save(path)
    before, old = path.read_bytes(), model.get_weights()
    model.set_weights([w + 1 for w in old])
    written, open_member = [], zipfile.ZipFile.open

    def second_array_fails(self, name, mode="r", *args, **kwargs):
        member = getattr(name, "filename", name)
        if mode == "w" and str(member).endswith(".npy"):
            written.append(member)
            if len(written) == 2:  # Ctrl-C, or a full disk, with one array in the new file
                raise interrupt("in the middle of the save")
        return open_member(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", second_array_fails)
    with pytest.raises(interrupt, match="in the middle of the save"):
        model.save(path)
    assert len(written) == 2
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.gn"]
    monkeypatch.undo()
    for saved, kept in zip(load_model(path).get_weights(), old):
        np.testing.assert_array_equal(saved, kept)


def test_a_name_without_suffix_is_a_glassnet_file_saved_and_read_back_silently(tmp_path, monkeypatch):
    # Keras 3 refuses save("my_model"); glassnet's format takes any name (docs/file-format.md), so it
    # writes that one file, without a warning, and load_model reads it back
    monkeypatch.chdir(tmp_path)
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.compile("sgd", "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save("my_model")
    assert [p.name for p in tmp_path.iterdir()] == ["my_model"] and zipfile.is_zipfile("my_model")
    for loaded, saved in zip(load_model("my_model").get_weights(), model.get_weights()):
        np.testing.assert_array_equal(loaded, saved)


def test_saving_under_a_file_or_onto_a_full_disk_names_the_path(tmp_path, monkeypatch):
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.save(tmp_path / "base.gn")
    # it said "the folder '.../base.gn' does not exist", of a file that does
    for inside in (tmp_path / "base.gn" / "m.gn", tmp_path / "base.gn" / "sub" / "m.gn"):
        with pytest.raises(NotADirectoryError, match=r"Cannot write .*m\.gn': '.*base\.gn' is a file, not a folder"):
            model.save(inside)
    # a full disk said "[Errno 28] No space left on device", naming no file (the temporary's write)
    before = (tmp_path / "base.gn").read_bytes()
    from glassnet import _io

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(_io.os, "fsync", full)
        with pytest.raises(OSError, match=r"No space left on device: '.*base\.gn'") as caught:
            model.save(tmp_path / "base.gn")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename.endswith("base.gn")
    assert (tmp_path / "base.gn").read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["base.gn"]
    if os.path.exists("/dev/full"):  # a device is written into: its error names it too
        with pytest.raises(OSError, match="No space left on device: '/dev/full'"):
            model.save("/dev/full")


def test_saving_where_no_file_can_be_written_names_the_path(tmp_path, monkeypatch):
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    model.build()
    with pytest.raises(FileNotFoundError, match="the folder .*missing.* does not exist"):
        model.save(tmp_path / "missing" / "m.gn")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        model.save(tmp_path)
    # a read-only folder (root writes into any, so the refusal is the kernel's, as a user meets it)
    from glassnet import _io

    def read_only(name, mode="r", *args, **kwargs):
        if "x" in mode:
            raise PermissionError(13, "Permission denied", name)
        return open(name, mode, *args, **kwargs)

    monkeypatch.setattr(_io, "open", read_only, raising=False)
    with pytest.raises(PermissionError, match=r"Permission denied: '.*m\.gn'"):  # the user's path, not the temporary
        model.save(tmp_path / "m.gn")
    assert list(tmp_path.iterdir()) == []


# An independent reader and writer, written from docs/file-format.md alone (zipfile, json and
# numpy.lib.format): they check that the documented layout is the real one.
_DOC_ACTIVATIONS = {"ReLU": lambda Z: np.maximum(Z, 0), "Tanh": np.tanh, "Linear": lambda Z: Z,
                    "Sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
                    "Softmax": lambda Z: np.exp(Z - Z.max(1, keepdims=True)) / np.exp(Z - Z.max(1, keepdims=True)).sum(
                        1, keepdims=True)}


def _doc_npy(archive, name):
    with archive.open(name) as member:
        data = io.BytesIO(member.read())
    version = np.lib.format.read_magic(data)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}[version]
    shape, _, dtype = read_header(data)
    data.seek(0)
    array = np.lib.format.read_array(data, allow_pickle=False)
    assert array.shape == shape and array.dtype == dtype
    return array


def _doc_predict(layers, weights, X):
    A, k = X.astype(np.float64), 0
    for layer in layers:
        config = layer["config"]
        if layer["class_name"] == "Dense":
            A = A @ weights[k].astype(np.float64)
            k += 1
            if config.get("use_bias", True):
                A, k = A + weights[k], k + 1
        else:
            assert layer["class_name"] == "Activation"
        A = _DOC_ACTIVATIONS[config["activation"]["class_name"]](A)
    return A


@pytest.mark.parametrize("functional", [False, True])
def test_an_independent_reader_of_the_documented_format_recomputes_predict(functional, tmp_path, rng):
    layers = [Dense(6, activation="relu", input_dim=3), Dense(5, activation="tanh", use_bias=False),
              glassnet.layers.Activation("sigmoid"), Dense(2, activation="softmax")]
    if functional:  # documented: a chain is written as the Sequential of its layers
        inputs = glassnet.layers.Input((3,))
        outputs = inputs
        for layer in layers:
            outputs = layer(outputs)
        model = glassnet.models.Model(inputs, outputs)
    else:
        model = Sequential(layers)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    X = rng.normal(size=(16, 3)).astype(np.float32)
    model.fit(X, np.eye(2)[(X[:, 0] > 0).astype(int)], epochs=2, batch_size=4, verbose=0)
    path = tmp_path / "m.gn"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("model.json").compress_type == zipfile.ZIP_DEFLATED
        doc = json.loads(archive.read("model.json").decode("utf-8"))
        assert (doc["format"], doc["format_version"]) == ("glassnet-model", 1)
        weights = [_doc_npy(archive, f"weights/{i:04d}.npy") for i in range(len(doc["weights"]))]
        state = {name: _doc_npy(archive, f"optimizer/{name}.npy") for name in doc["optimizer_state"]["names"]}
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist()
                   if info.filename.endswith(".npy"))
    assert [(w.shape, str(w.dtype)) for w in weights] == [(tuple(s["shape"]), s["dtype"]) for s in doc["weights"]]
    np.testing.assert_allclose(_doc_predict(doc["model"]["layers"], weights, X), model.predict(X, verbose=0),
                               atol=1e-6)
    # the optimizer's vectors: the trainable weights, flattened in get_weights() order, end to end
    assert doc["optimizer_state"] == {"iterations": 8, "names": ["m", "v"]}
    for name, vector in state.items():
        np.testing.assert_array_equal(vector, model.optimizer.state[name])
        assert vector.shape == (sum(w.size for w in weights),)


@pytest.mark.parametrize("byte_order", ["<", ">"])
def test_a_file_written_from_the_documentation_alone_loads(byte_order, tmp_path, rng):
    W1, b1, W2 = (rng.normal(size=shape).astype(byte_order + "f4") for shape in [(3, 4), (4,), (4, 2)])
    doc = {"format": "glassnet-model", "format_version": 1,
           "model": {"dtype": "float32", "input_shape": [3], "layers": [
               {"class_name": "Dense", "config": {"units": 4, "activation": {"class_name": "ReLU", "config": {}}}},
               {"class_name": "Dense", "config": {"units": 2, "use_bias": False,
                                                  "activation": {"class_name": "Tanh", "config": {}}}}]},
           "weights": [{"shape": list(w.shape), "dtype": "float32"} for w in (W1, b1, W2)],
           "compile": {"loss": {"class_name": "MeanSquaredError", "config": {}},
                       "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.1}}, "metrics": []}}
    path = tmp_path / "handmade.gn"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", json.dumps(doc))
        for i, w in enumerate((W1, b1, W2)):
            data = io.BytesIO()
            np.lib.format.write_array(data, w, allow_pickle=False)  # in its own byte order, as .npy records it
            archive.writestr(f"weights/{i:04d}.npy", data.getvalue())
    model = load_model(path)
    X = rng.normal(size=(5, 3))
    expected = np.tanh(np.maximum(X @ W1.astype(np.float64) + b1, 0) @ W2)
    np.testing.assert_allclose(model.predict(X.astype(np.float32), verbose=0), expected, atol=1e-6)
    assert all(w.dtype == np.float32 and w.dtype.isnative for w in model.get_weights())
    model.fit(X, expected, epochs=1, verbose=0)  # compiled from the file
    assert model.optimizer.iterations == 1


def test_an_array_member_is_read_in_its_order_and_must_hold_exactly_its_bytes(saved, tmp_path):
    # the arrays are read where the member's bytes are (not through np.load): a Fortran-ordered .npy
    # (as np.save writes a transposed array) gives the same values, and a member with bytes after its
    # array is refused by name (np.load ignored them)
    path = saved
    kernel = load_model(path).get_weights()[0]
    assert kernel.ndim == 2
    fortran = _rewrite(path, tmp_path / "fortran.gn", replace={"weights/0000.npy": _npy(np.asfortranarray(kernel))})
    assert np.isfortran(np.load(io.BytesIO(zipfile.ZipFile(fortran).read("weights/0000.npy"))))
    np.testing.assert_array_equal(load_model(fortran).get_weights()[0], kernel)
    longer = _rewrite(path, tmp_path / "longer.gn", replace={"weights/0000.npy": _npy(kernel) + b"\0" * 8})
    with pytest.raises(ValueError, match=r"Cannot load model file .*the member 'weights/0000\.npy' is not a valid "
                                         r"\.npy array \(\d+ bytes of data for \d+ bytes of"):
        load_model(longer)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.get_weights()[0], kernel)
    loaded.fit(np.ones((4, 4), np.float32), np.zeros(4), verbose=0)  # its arrays are its own, writable
