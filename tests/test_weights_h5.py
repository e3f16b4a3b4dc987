"""Keras 3 ``.weights.h5`` files: ``model.save_weights("w.weights.h5")`` writes the HDF5 file Keras's
``load_weights`` reads, and ``load_weights`` reads the one Keras's ``save_weights`` writes; each checked
against Keras 3.15 itself (predictions of the same weights in both)."""

import io
import os
import re
import sys
import warnings
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.models import Model, Sequential
from glassnet.models.callbacks import ModelCheckpoint

h5py = pytest.importorskip("h5py", reason="Keras weights files need h5py (the keras-files extra)")


def _keras():
    return pytest.importorskip("keras")


def _pair(kind, dtype):
    """A glassnet model and the Keras model of the same layers (in float ``dtype``), and inputs."""
    keras = _keras()
    K = keras.layers
    if kind == "embedding":
        ours = Sequential([layers.Input((4,)), layers.Embedding(10, 3), layers.Flatten(), layers.Dense(2)], dtype=dtype)
        theirs = keras.Sequential([keras.Input((4,), dtype="int32"), K.Embedding(10, 3, dtype=dtype),
                                   K.Flatten(dtype=dtype), K.Dense(2, dtype=dtype)])
        return ours, theirs, np.random.default_rng(1).integers(0, 10, (6, 4))
    if kind == "functional":
        inputs = layers.Input((5,))
        x = layers.Dense(4, activation="tanh")(inputs)
        ours = Model(inputs, layers.Dense(3)(layers.BatchNormalization()(x)))
        k_in = keras.Input((5,), dtype=dtype)
        k_x = K.Dense(4, activation="tanh", dtype=dtype)(k_in)
        theirs = keras.Model(k_in, K.Dense(3, dtype=dtype)(K.BatchNormalization(dtype=dtype)(k_x)))
    else:
        ours = Sequential([layers.Input((5,)), layers.Dense(4, activation="relu"), layers.BatchNormalization(),
                           layers.Dropout(0.3), layers.LayerNormalization(),
                           layers.SpectralNormalization(layers.Dense(3)), layers.Dense(2)], dtype=dtype)
        theirs = keras.Sequential([keras.Input((5,), dtype=dtype), K.Dense(4, activation="relu", dtype=dtype),
                                   K.BatchNormalization(dtype=dtype), K.Dropout(0.3, dtype=dtype),
                                   K.LayerNormalization(dtype=dtype),
                                   K.SpectralNormalization(K.Dense(3, dtype=dtype), dtype=dtype), K.Dense(2, dtype=dtype)])
    return ours, theirs, np.random.default_rng(1).normal(size=(6, 5)).astype(dtype)


def _randomized(weights, seed):
    """Weights of the same shapes drawn afresh (variances positive), so that nothing passes by its first values."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in weights]


def _keras_predict(model, X):
    """Keras's inference outputs; its predict would cast float64 inputs to float32 (floatx)."""
    return np.asarray(model(X, training=False))


#: the functional chain in float32 only: glassnet's Model takes the dtype of no layer (it is the Sequential case)
KINDS = [("dense_norms_dropout_spectral", "float32"), ("dense_norms_dropout_spectral", "float64"),
         ("embedding", "float32"), ("embedding", "float64"), ("functional", "float32")]


@pytest.mark.parametrize("writer", ["glassnet", "keras"])
@pytest.mark.parametrize("kind, dtype", KINDS)
def test_a_weights_file_moves_between_glassnet_and_keras_with_the_same_predictions(kind, dtype, writer, tmp_path,
                                                                                    request):
    if dtype == "float64":
        request.getfixturevalue("keras_x64")  # Keras on JAX computes in float64 only with x64 on
    ours, theirs, X = _pair(kind, dtype)
    source, target = (ours, theirs) if writer == "glassnet" else (theirs, ours)
    source.set_weights(_randomized(source.get_weights(), 2))
    theirs.compile(optimizer="adam", loss="mse")  # Keras writes its optimizer's variables too: not read
    source.save_weights(str(tmp_path / "w.weights.h5"))
    target.load_weights(str(tmp_path / "w.weights.h5"))
    # (Keras's float64 BatchNormalization and LayerNormalization are 1e-7 off the float64 formula, which
    # glassnet computes to 1e-16 (checked with NumPy): the weights, not the predictions, are checked exactly)
    np.testing.assert_allclose(ours.predict(X), _keras_predict(theirs, X), rtol=1e-6, atol=1e-6)
    for got, want in zip(target.get_weights(), source.get_weights()):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got, want)


def test_keras_weights_file_is_told_by_content_not_by_name(tmp_path):
    ours, theirs, X = _pair("embedding", "float32")
    theirs.save_weights(str(tmp_path / "k.weights.h5"))
    (tmp_path / "k.weights.h5").rename(tmp_path / "weights.bin")
    ours.load_weights(tmp_path / "weights.bin")
    np.testing.assert_allclose(ours.predict(X), _keras_predict(theirs, X), rtol=1e-6, atol=1e-6)


def test_load_weights_reads_a_keras_dot_keras_file(tmp_path):
    ours, theirs, X = _pair("dense_norms_dropout_spectral", "float32")
    theirs.set_weights(_randomized(theirs.get_weights(), 4))
    theirs.save(str(tmp_path / "m.keras"))
    ours.load_weights(tmp_path / "m.keras")
    np.testing.assert_allclose(ours.predict(X), _keras_predict(theirs, X), rtol=1e-6, atol=1e-6)


def test_the_suffix_is_matched_in_any_case_and_other_names_keep_glassnet_format(tmp_path):
    model, _, _ = _pair("embedding", "float32")
    model.save_weights(tmp_path / "W.Weights.H5")
    model.save_weights(os.fsencode(tmp_path / "b.weights.h5"))  # a bytes path, as save takes
    for name in ("W.Weights.H5", "b.weights.h5"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    model.save_weights(tmp_path / "w.gn")
    assert (tmp_path / "w.gn").read_bytes()[:2] == b"PK"
    # Keras 3's save_weights refuses a bare .h5, and its load_weights reads one as Keras 2's layout:
    # glassnet's own file, said so
    with pytest.warns(UserWarning, match="glassnet's own format.*name it \\*.weights.h5 for Keras 3's weights file"):
        model.save_weights(tmp_path / "w.h5")
    assert (tmp_path / "w.h5").read_bytes()[:2] == b"PK"
    with pytest.warns(UserWarning, match="glassnet's own format.*export\\(path, format='keras'\\)"):
        model.save(tmp_path / "m.weights.h5")  # model.save writes glassnet's file, as it did


def test_overwrite_false_leaves_an_existing_file(tmp_path):
    model, _, _ = _pair("embedding", "float32")
    path = tmp_path / "w.weights.h5"
    path.write_bytes(b"keep")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(path, overwrite=False)
    assert path.read_bytes() == b"keep"
    with pytest.raises(FileExistsError, match="neither a glassnet model file nor an HDF5 weights file"):
        model.save_weights(path)  # b"keep" is no weights file: left as it is, with overwrite=True too
    assert path.read_bytes() == b"keep"
    path.write_bytes(b"")
    model.save_weights(path)
    assert path.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"


def test_a_mismatched_architecture_is_refused_and_the_weights_stay(tmp_path):
    source = Sequential([layers.Input((5,)), layers.Dense(4), layers.Dense(2)])
    source.save_weights(tmp_path / "w.weights.h5")
    for target, match in [
        (Sequential([layers.Input((5,)), layers.Dense(4), layers.Dense(3)]),
         "layers/dense_1/vars/0 \\(layer 'dense_\\d+' \\(Dense\\)'s kernel\\) has shape \\(4, 2\\); the architecture needs "
         "\\(4, 3\\)"),
        (Sequential([layers.Input((5,)), layers.Dense(4), layers.LayerNormalization(), layers.Dense(2)]),
         # it said "holds 0 arrays under layers/layer_normalization/vars", not which layer differs from the file
         "has no group layers/layer_normalization for the model's layer 'layer_normalization.*' "
         "\\(LayerNormalization\\); its layer groups are dense, dense_1\\. The model must have the layers"),
        (Sequential([layers.Input((5,)), layers.BatchNormalization(), layers.Dense(4), layers.Dense(2)]),
         "has no group layers/batch_normalization for the model's layer 'batch_normalization.*' "
         "\\(BatchNormalization\\); its layer groups are dense, dense_1"),
        (Sequential([layers.Input((5,)), layers.Dense(4)]),
         "holds weights for layers/dense_1, which the architecture does not have"),
    ]:
        before = target.get_weights()
        with pytest.raises(ValueError, match=f"Cannot load weights file .*w.weights.h5'.*{match}"):
            target.load_weights(tmp_path / "w.weights.h5")
        for a, b in zip(target.get_weights(), before):
            np.testing.assert_array_equal(a, b)


def test_an_unbuilt_model_is_refused_both_ways(tmp_path):
    built = Sequential([layers.Input((5,)), layers.Dense(2)])
    built.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="unbuilt model"):
        Sequential([layers.Dense(2)]).save_weights(tmp_path / "u.weights.h5")
    assert not (tmp_path / "u.weights.h5").exists()
    with pytest.raises(ValueError, match="holds no input shape: build the model first"):
        Sequential([layers.Dense(2)]).load_weights(tmp_path / "w.weights.h5")


class MyDense(layers.Dense):
    """A custom layer class: a model file names it (loading needs the class), a weights file holds its arrays."""


class Unsaveable(MyDense):
    """A custom layer whose config holds an array: no model file can hold it."""

    def get_config(self):
        return {**super().get_config(), "table": np.zeros(2)}


def test_a_custom_layer_class_is_written_as_keras_writes_one_and_comes_back(tmp_path):
    model = Sequential([layers.Input((3,)), MyDense(4), layers.Dense(2), MyDense(2)])
    weights = _randomized(model.get_weights(), 3)
    model.set_weights(weights)
    model.save_weights(tmp_path / "w.weights.h5")
    again = Sequential([layers.Input((3,)), MyDense(4), layers.Dense(2), MyDense(2)])
    again.load_weights(tmp_path / "w.weights.h5")
    for got, want in zip(again.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    import h5py

    with h5py.File(tmp_path / "w.weights.h5", "r") as h5:  # Keras 3.15's own groups for these classes
        names = []
        h5.visit(names.append)
    assert {"layers/my_dense/vars/1", "layers/dense/vars/1", "layers/my_dense_1/vars/1"} <= set(names)
    # the model files name the class, as Keras does, and load where the program has it
    X = np.random.default_rng(0).normal(size=(5, 3))
    for path in (tmp_path / "w.gn", tmp_path / "m.gn"):
        model.save(path)
        with pytest.raises(ValueError, match="Unknown layer 'MyDense'.*must be registered or passed"):
            glassnet.models.load_model(path)
        loaded = glassnet.models.load_model(path, custom_objects={"MyDense": MyDense})
        assert type(loaded.layers[0]) is MyDense
        np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_keras_reads_a_custom_layer_class_it_has_too(tmp_path):
    keras = pytest.importorskip("keras")

    class KerasMyDense(keras.layers.Dense):
        pass

    KerasMyDense.__name__ = "MyDense"  # the class Keras names the group after
    model = Sequential([layers.Input((3,)), MyDense(4, activation="relu"), MyDense(2)])
    model.set_weights(_randomized(model.get_weights(), 4))
    model.save_weights(tmp_path / "w.weights.h5")
    peer = keras.Sequential([keras.Input((3,)), KerasMyDense(4, activation="relu"), KerasMyDense(2)])
    peer.load_weights(tmp_path / "w.weights.h5")
    X = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(peer(X)), model.predict(X, verbose=0), atol=1e-6)
    peer.save_weights(tmp_path / "k.weights.h5")  # and back
    back = Sequential([layers.Input((3,)), MyDense(4, activation="relu"), MyDense(2)])
    back.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(back.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)


def test_a_checkpoint_of_a_custom_layer_class_writes_its_weights(rng, tmp_path):
    # it was refused at the first epoch's end, after that epoch's training
    model = Sequential([layers.Input((3,)), MyDense(2)])
    model.compile(optimizer="sgd", loss="mse")
    checkpoint = ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.weights.h5"), save_weights_only=True)
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), epochs=2, verbose=0, callbacks=[checkpoint])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w-01.weights.h5", "w-02.weights.h5"]
    again = Sequential([layers.Input((3,)), MyDense(2)])
    again.load_weights(tmp_path / "w-02.weights.h5")
    for got, want in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_without_h5py_the_extra_is_named(monkeypatch, tmp_path):
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save_weights(tmp_path / "w.weights.h5")
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now fails, as where it is not installed
    for call in (lambda: model.save_weights(tmp_path / "x.weights.h5"),
                 lambda: model.load_weights(tmp_path / "w.weights.h5")):
        with pytest.raises(ImportError, match='needs h5py.*pip install "glassnet\\[keras-files\\]"'):
            call()
    assert not (tmp_path / "x.weights.h5").exists()


@pytest.mark.parametrize("content, match", [
    (lambda data: data[: len(data) // 2], "it is not a readable HDF5 file"),
    (lambda data: b"\x89HDF\r\n\x1a\n" + bytes(300), "it is not a readable HDF5 file"),
])
def test_a_truncated_or_corrupt_file_is_a_clear_error(content, match, tmp_path):
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save_weights(tmp_path / "w.weights.h5")
    (tmp_path / "bad.weights.h5").write_bytes(content((tmp_path / "w.weights.h5").read_bytes()))
    before = model.get_weights()
    with pytest.raises(ValueError, match=f"Cannot load weights file .*bad.weights.h5': {match}"):
        model.load_weights(tmp_path / "bad.weights.h5")
    np.testing.assert_array_equal(model.get_weights()[0], before[0])


@pytest.mark.parametrize("replaced, store, match", [
    # HDF5 follows an external link into any HDF5 file the link names: another file's arrays read as weights
    ("layers/dense/vars/0", lambda h5, d: h5.__setitem__("layers/dense/vars/0", h5py.ExternalLink(str(d / "o.h5"), "/w")),
     "layers/dense/vars/0 is a link to elsewhere \\(ExternalLink\\)"),
    ("layers/dense", lambda h5, d: h5.__setitem__("layers/dense", h5py.ExternalLink(str(d / "o.h5"), "/dense")),
     "/layers/dense is a link to elsewhere \\(ExternalLink\\)"),
    ("layers/dense/vars/0", lambda h5, d: h5.create_dataset("layers/dense/vars/0", (3, 2), "float32",
                                                            external=[(str(d / "raw.bin"), 0, 24)]),
     "keeps its values in an external file"),
    ("layers/dense/vars/0", lambda h5, d: h5.create_dataset("layers/dense/vars/0", (3, 2), "float32", chunks=(300, 300),
                                                            maxshape=(None, None)),
     "stored in chunks of shape \\(300, 300\\)"),
], ids=["external link to an array", "external link to a group", "external storage", "huge chunks"])
def test_hostile_storage_is_refused_and_the_weights_stay(replaced, store, match, tmp_path):
    with h5py.File(tmp_path / "o.h5", "w") as other:  # another file, whose arrays fit the model
        other["w"] = other["dense/vars/0"] = np.full((3, 2), 7.0, np.float32)
        other["dense/vars/1"] = np.zeros(2, np.float32)
    (tmp_path / "raw.bin").write_bytes(np.full((3, 2), 9.0, np.float32).tobytes())
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r+") as h5:
        del h5[replaced]
        store(h5, tmp_path)
    before = model.get_weights()
    for skip_mismatch in (False, True):  # an unsafe file is no mismatch to skip
        with pytest.raises(ValueError, match=f"Cannot load weights file .*w.weights.h5': the file: .*{match}"):
            model.load_weights(path, skip_mismatch=skip_mismatch)
        np.testing.assert_array_equal(model.get_weights()[0], before[0])


def test_a_keras_2_hdf5_weights_file_says_what_to_do(tmp_path):
    with h5py.File(tmp_path / "old.h5", "w") as h5:
        h5.attrs["layer_names"] = [b"dense"]
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="Keras 2 \\(legacy\\) HDF5 file.*save_weights\\('w.weights.h5'\\)"):
        model.load_weights(tmp_path / "old.h5")


def test_checkpoint_of_weights_writes_a_file_keras_reads(rng, tmp_path):
    keras = _keras()
    X, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, y, epochs=1, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.weights.h5"), save_weights_only=True)])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    theirs.load_weights(str(tmp_path / "w-01.weights.h5"))
    np.testing.assert_allclose(_keras_predict(theirs, X), model.predict(X), rtol=1e-6, atol=1e-6)


def test_a_subclass_s_weights_file_comes_back_from_glassnet_and_from_keras(rng, tmp_path):
    # glassnet refused its own save_weights of a subclass of Model ("an HDF5 file without the layers/ group"), and
    # Keras's: both keep its weights under the attributes' names (d1/vars/0), outside layers/
    keras = _keras()

    def define(base, dense):
        class Net(base):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.d1, self.d2 = dense(8, activation="tanh"), dense(2)

            def call(self, x):
                return self.d2(self.d1(x))
        return Net

    Net, KerasNet = define(Model, layers.Dense), define(keras.Model, keras.layers.Dense)
    X, y = rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 2)).astype("float32")
    theirs = KerasNet()
    theirs(X)
    theirs.save_weights(str(tmp_path / "k.weights.h5"))
    mine = Net()
    mine.build((None, 4))
    mine.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(mine.predict(X, verbose=0), _keras_predict(theirs, X), rtol=1e-6, atol=1e-6)
    # a checkpoint of its weights and optimizer state resumes in a new instance as the model goes on
    model = Net()
    model.compile(glassnet.optimizers.Adam(0.01), "mse")
    checkpoint = ModelCheckpoint(str(tmp_path / "w-{epoch:02d}.weights.h5"), save_weights_only=True)
    model.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[checkpoint])
    resumed = Net()
    resumed.compile(glassnet.optimizers.Adam(0.01), "mse")
    resumed.fit(X, y, batch_size=8, epochs=1, verbose=0, shuffle=False)  # (its optimizer built: the state is read)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        resumed.load_weights(tmp_path / "w-02.weights.h5")
    assert resumed.optimizer.iterations == model.optimizer.iterations == 4
    for trained in (model, resumed):
        trained.fit(X, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    theirs.load_weights(str(tmp_path / "w-02.weights.h5"))  # (Keras reads glassnet's file of it too)
    resumed.load_weights(tmp_path / "w-02.weights.h5")
    np.testing.assert_allclose(_keras_predict(theirs, X), resumed.predict(X, verbose=0), rtol=1e-6, atol=1e-6)


def test_float64_values_beyond_float32_name_the_array_and_the_fix_and_change_nothing(tmp_path):
    source = Sequential([layers.Input((3,)), layers.Dense(2)], dtype="float64")
    weights = source.get_weights()
    weights[0][1, 0] = -1e300
    source.set_weights(weights)
    source.save_weights(tmp_path / "w.weights.h5")
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    before = model.get_weights()
    with pytest.raises(ValueError, match="w.weights.h5': the file: layers/dense/vars/0 \\(layer 'dense.*' \\(Dense\\)'s "
                                         "kernel\\) holds values up to 1e\\+300, beyond the range of float32 .*nothing was "
                                         "loaded. Load it into a model of dtype='float64'"):
        model.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    float64 = Sequential([layers.Input((3,)), layers.Dense(2)], dtype="float64")
    float64.load_weights(tmp_path / "w.weights.h5")  # as the message says
    assert float64.get_weights()[0][1, 0] == -1e300


def test_a_dataset_without_values_is_said_in_words(tmp_path):
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r+") as h5:  # a null dataspace: no shape, no values (was "TypeError: 'NoneType' ...")
        del h5["layers/dense/vars/1"]
        h5.create_dataset("layers/dense/vars/1", data=h5py.Empty("float32"))
    with pytest.raises(ValueError, match="layers/dense/vars/1 \\(layer 'dense.*' \\(Dense\\)'s bias\\) holds no values "
                                         ".*needs an array of shape \\(2,\\)"):
        model.load_weights(path)


def test_checkpoints_that_cannot_hold_the_model_are_refused_before_the_first_epoch(rng, tmp_path):
    # glassnet's own file names each layer's class: ModelCheckpoint and BackupAndRestore failed at the
    # first epoch's end, after its training
    model = Sequential([layers.Input((3,)), Unsaveable(2)])
    model.compile(optimizer="sgd", loss="mse")
    epochs = []
    started = glassnet.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    for callback, says in ((ModelCheckpoint(str(tmp_path / "m-{epoch:02d}.gn")),
                            "ModelCheckpoint cannot write .*Unsaveable.*save_weights_only=True"),
                           (ModelCheckpoint(str(tmp_path / "w.gn"), save_weights_only=True), "Unsaveable"),
                           # (it said only 'Cannot save layer', naming no callback, and advised save_weights)
                           (glassnet.callbacks.BackupAndRestore(str(tmp_path / "backup")),
                            "BackupAndRestore cannot back up .*Unsaveable.*ModelCheckpoint\\('w-\\{epoch:02d\\}.weights.h5', "
                            "save_weights_only=True\\)")):
        with pytest.raises(ValueError, match=says):
            model.fit(x, y, epochs=2, verbose=0, callbacks=[callback, started])
        assert epochs == []
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def _skip_pair(keras, units, extra=False, norm=True):
    """A glassnet model and the Keras model of the same layers, holding the same (fresh) weights:
    Dense(4), BatchNormalization (when ``norm``), Dense(``units``), and Dense(2) when ``extra``."""
    K = keras.layers
    ours = [layers.Dense(4), *([layers.BatchNormalization()] if norm else []), layers.Dense(units),
            *([layers.Dense(2)] if extra else [])]
    theirs = [K.Dense(4), *([K.BatchNormalization()] if norm else []), K.Dense(units), *([K.Dense(2)] if extra else [])]
    ours, theirs = Sequential([layers.Input((3,)), *ours]), keras.Sequential([keras.Input((3,)), *theirs])
    ours.set_weights(_randomized(ours.get_weights(), 7))
    theirs.set_weights(ours.get_weights())
    return ours, theirs


@pytest.mark.parametrize("kind", [".weights.h5 of keras", ".keras of keras", ".weights.h5 of glassnet",
                                  "glassnet's file"])
@pytest.mark.parametrize("change, units, extra, norm, warned", [
    ("the last layer wider", 2, False, True, "layer 'dense_\\d+' \\(Dense\\): .*layers/dense_1.* has .*shapes? "
                                             "\\[?\\(4, 1\\).*; the architecture needs \\[?\\(4, 2\\)"),
    ("a layer more in the model", 1, True, True, "layer 'dense_\\d+' \\(Dense\\): the file has no (group )?layers/dense_2"),
    ("a layer more in the file", 1, False, False, "the file's layers/batch_normalization, which the model does not "
                                                  "have, was not read"),
])
def test_skip_mismatch_loads_and_keeps_the_layers_keras_does(kind, change, units, extra, norm, warned, tmp_path):
    keras = _keras()
    K = keras.layers
    source = keras.Sequential([keras.Input((3,)), K.Dense(4), K.BatchNormalization(), K.Dense(1)])
    source.set_weights(_randomized(source.get_weights(), 3))
    name = {"glassnet's file": "w.gn", ".keras of keras": "w.keras"}.get(kind, "w.weights.h5")
    if kind.endswith("of keras"):
        (source.save if name == "w.keras" else source.save_weights)(str(tmp_path / name))
    else:  # glassnet writes the same weights into its own file
        ours = Sequential([layers.Input((3,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(1)])
        ours.set_weights(source.get_weights())
        (ours.save if name == "w.gn" else ours.save_weights)(tmp_path / name)
    source.save_weights(str(tmp_path / "keras.weights.h5"))
    ours, theirs = _skip_pair(keras, units, extra, norm)
    with pytest.warns(UserWarning, match=f"^load_weights\\(skip_mismatch=True\\) skipped what of .*{name}' does not "
                                         f"fit the model \\(each layer of the model named here keeps its weights\\): "
                                         f"{warned}[^;]*\\.$"):
        ours.load_weights(tmp_path / name, skip_mismatch=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        theirs.load_weights(str(tmp_path / "keras.weights.h5"), skip_mismatch=True)
    # (Keras says nothing of the file's extra layer)
    said = [str(w.message) for w in seen if "could not be loaded" in str(w.message)]
    assert said == (["A total of 1 objects"] if change != "a layer more in the file" else []) or said[0].startswith(
        "A total of 1 objects")
    loaded = [not np.array_equal(a, b) for a, b in zip(ours.get_weights(), _skip_pair(keras, units, extra, norm)[0]
                                                       .get_weights())]
    assert any(loaded) and (not all(loaded) or change == "a layer more in the file")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):  # the same arrays loaded, the same kept
        np.testing.assert_array_equal(a, np.asarray(b))


def test_skip_mismatch_false_keeps_the_all_or_nothing_check(tmp_path):
    Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(1)]).save_weights(tmp_path / "w.weights.h5")
    model = Sequential([layers.Input((3,)), layers.Dense(4), layers.Dense(2)])
    before = model.get_weights()
    with pytest.raises(ValueError, match="layers/dense_1/vars/0 .* has shape \\(4, 1\\); the architecture needs"):
        model.load_weights(tmp_path / "w.weights.h5", skip_mismatch=False)
    for a, b in zip(model.get_weights(), before):  # (Keras loads the first Dense, then raises)
        np.testing.assert_array_equal(a, b)


def test_load_weights_refuses_what_keras_refuses(tmp_path):
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="^Invalid keyword arguments: \\{'strict': True\\}"):
        model.load_weights(tmp_path / "w.weights.h5", strict=True)
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy '.h5' or '.hdf5' files"):
        model.load_weights(tmp_path / "w.weights.h5", by_name=True)
    with pytest.raises(ValueError, match="does not take objects_to_skip: keep those layers' weights"):
        model.load_weights(tmp_path / "w.weights.h5", objects_to_skip=[model.layers[0]])
    with pytest.raises(TypeError, match="skip_mismatch must be True or False. Received: skip_mismatch='yes'"):
        model.load_weights(tmp_path / "w.weights.h5", skip_mismatch="yes")


def test_skip_mismatch_does_not_skip_values_beyond_the_dtype(tmp_path):
    source = Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(1)], dtype="float64")
    weights = source.get_weights()
    weights[0][0, 0] = 1e300
    source.set_weights(weights)
    source.save_weights(tmp_path / "w.weights.h5")
    model = Sequential([layers.Input((3,)), layers.Dense(2), layers.Dense(3)])  # the second Dense does not fit
    before = model.get_weights()
    with pytest.raises(ValueError, match="layers/dense/vars/0 .* beyond the range of float32"):
        model.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


# -- a fuzz of load_weights: a damaged file loads, or is refused with the model's weights untouched ------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_keras_files import damaged_keras_files  # noqa: E402
from test_saving import FUZZ  # noqa: E402


@FUZZ
@given(data=st.data())
def test_a_damaged_weights_file_loads_or_is_refused_leaving_the_weights(data, tmp_path):
    path = tmp_path / "w.weights.h5"
    if not path.exists():  # one file, damaged anew by each example
        Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"), layers.BatchNormalization(),
                    layers.Dense(2)], seed=0).save_weights(path)
    # the .keras fuzz's damage (bits flipped, cut short, an array of another dtype or shape, a huge one),
    # done to the weights member of an archive around this file
    archive = data.draw(damaged_keras_files({"config.json": b'{"x": 0}', "model.weights.h5": path.read_bytes()}, h5py))
    damaged = tmp_path / "damaged.weights.h5"
    damaged.write_bytes(zipfile.ZipFile(io.BytesIO(archive)).read("model.weights.h5"))
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"), layers.BatchNormalization(),
                        layers.Dense(2)], seed=1)
    before = model.get_weights()
    try:
        model.load_weights(damaged)
    except ValueError as exc:
        assert str(damaged) in str(exc)
        for a, b in zip(model.get_weights(), before):  # all or nothing: no half-loaded model
            np.testing.assert_array_equal(a, b)
        return
    assert [w.shape for w in model.get_weights()] == [w.shape for w in before]


# -- the optimizer's state (optimizer/vars), as Keras 3.15's save_weights writes it and load_weights reads it --
from glassnet.models import clone_model  # noqa: E402
from glassnet.models.keras_optimizer import OptimizerStateWarning  # noqa: E402
from test_keras_optimizer import (GLASSNET_OPTIMIZERS, KERAS_OPTIMIZERS, data, epoch, glassnet_model,  # noqa: E402
                                  multi_model, three, trained_keras_model)

STATE_CASES = ["adam_amsgrad", "nadam", "sgd_scheduled", "adam_ema", "loss_scale_adam"]


@pytest.mark.parametrize("name", STATE_CASES)
def test_a_keras_weights_files_optimizer_state_loads_where_keras_loads_it(name, keras64, tmp_path):
    # Keras's save_weights writes optimizer/vars; its load_weights reads them into a built optimizer only (an
    # unbuilt one: "Skipping variable loading for optimizer ..."). glassnet wrote and read none: a resumed run
    # started with fresh moments, and its file gave Keras none
    keras = keras64
    trained = trained_keras_model(keras, KERAS_OPTIMIZERS[name](keras))
    X, y = data()
    trained.save(tmp_path / "k.keras")
    trained.save_weights(tmp_path / "k.weights.h5")

    def fresh(lib_load):  # the same model, compiled with a fresh optimizer of the same settings
        model = lib_load(tmp_path / "k.keras")
        optimizer = model.optimizer
        model.compile(keras.optimizers.deserialize(keras.optimizers.serialize(optimizer)) if hasattr(model, "_tracker")
                      else optimizer._fresh(), "mse")
        return model

    theirs, mine, unbuilt = fresh(keras.saving.load_model), fresh(glassnet.models.load_model), \
        fresh(glassnet.models.load_model)
    theirs.optimizer.build(theirs.trainable_variables)
    mine.optimizer.build(mine.trainable_variables)
    theirs.load_weights(tmp_path / "k.weights.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        mine.load_weights(tmp_path / "k.weights.h5")
    assert mine.optimizer.iterations == int(theirs.optimizer.iterations) == 10
    with pytest.warns(OptimizerStateWarning, match="has not been built yet"):  # (Keras's skips it too)
        unbuilt.load_weights(tmp_path / "k.weights.h5")
    assert unbuilt.optimizer.iterations == 0
    want = epoch(theirs)
    for got, expected in zip(epoch(mine), want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    assert max(np.abs(a - b).max() for a, b in zip(epoch(unbuilt), want)) > 1e-6  # (the state matters here)


@pytest.mark.parametrize("scheduled", [False, True])
def test_a_slot_less_optimizers_state_loads_into_an_unbuilt_one_as_keras(scheduled, keras64, tmp_path):
    # plain SGD's state is its iterations and rate (a schedule's: iterations alone), the variables Keras's unbuilt
    # optimizer holds, so Keras's load_weights takes them before any step: the schedule goes on from the file's
    # step. glassnet's unbuilt optimizer kept iterations 0 without a word (the schedule restarted)
    keras = keras64

    def sgd(lib):
        return lib.optimizers.SGD(lib.optimizers.schedules.ExponentialDecay(0.05, 3, 0.5) if scheduled else 0.05)

    trained = trained_keras_model(keras, sgd(keras))
    trained.save(tmp_path / "k.keras")
    trained.save_weights(tmp_path / "k.weights.h5")
    theirs = keras.saving.load_model(tmp_path / "k.keras", compile=False)
    theirs.compile(sgd(keras), "mse")
    mine = glassnet.models.load_model(tmp_path / "k.keras", compile=False)
    mine.compile(sgd(glassnet), "mse")
    _resume_as_keras(theirs, mine, tmp_path / "k.weights.h5")


def _resume_as_keras(theirs, mine, path):
    """Keras's ``theirs`` and glassnet's ``mine`` given ``load_weights(path)`` (glassnet's without an
    OptimizerStateWarning): the file's 10 steps, and one more epoch equal to Keras's."""
    theirs.load_weights(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        mine.load_weights(path)
    assert mine.optimizer.iterations == int(theirs.optimizer.iterations) == 10
    for got, expected in zip(epoch(mine), epoch(theirs), strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", ["adam_amsgrad", "sgd_momentum"])
def test_load_weights_of_a_keras_file_restores_the_optimizer_as_keras(name, keras64, tmp_path):
    # Keras's load_weights of a .keras file restores its optimizer/vars too; glassnet read a .keras file through
    # load_model(compile=False) and kept its own moments and iterations (weights 0.016 apart after one step)
    keras = keras64
    trained_keras_model(keras, KERAS_OPTIMIZERS[name](keras)).save(tmp_path / "k.keras")
    theirs = keras.saving.load_model(tmp_path / "k.keras", compile=False)
    theirs.compile(KERAS_OPTIMIZERS[name](keras), "mse")
    mine = glassnet.models.load_model(tmp_path / "k.keras", compile=False)
    mine.compile(KERAS_OPTIMIZERS[name](glassnet), "mse")  # (the same settings, made from glassnet's module)
    epoch(theirs), epoch(mine)  # (built, with state of their own)
    _resume_as_keras(theirs, mine, tmp_path / "k.keras")
    # glassnet's own .keras file, into a glassnet model: the same
    mine.export(tmp_path / "g.keras", format="keras")
    again = glassnet.models.load_model(tmp_path / "g.keras", compile=False)
    again.compile(KERAS_OPTIMIZERS[name](glassnet), "mse")
    epoch(again)
    again.load_weights(tmp_path / "g.keras")
    assert again.optimizer.iterations == 15
    for got, expected in zip(epoch(again), epoch(mine), strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")  # (".*nothing" matches no variable, on purpose)
@pytest.mark.parametrize("wrap", [False, True])
def test_a_multi_optimizer_built_from_trainable_variables_loads_the_state_as_keras(wrap, keras64, tmp_path):
    # Keras's idiom before load_weights, model.optimizer.build(model.trainable_variables), raised a TypeError
    # (a missing dtype) for a MultiOptimizer, and a LossScaleOptimizer around one failed inside: its OptimizerMap
    # chooses by Keras's paths, which the arrays do not carry; the model compiled with it gives them
    keras, head = keras64, "Adamax" if wrap else "Nadam"  # (a wrapped Nadam's Π_t: see test_keras_optimizer)

    def compiled(model, lib):
        multi = three(lib.optimizers, head)
        model.compile(lib.optimizers.LossScaleOptimizer(multi, dynamic_growth_steps=3) if wrap else multi, "mse")
        model.optimizer.build(model.trainable_variables)
        return model

    trained = multi_model(keras, lambda optimizers: three(optimizers, head), wrap)
    trained.save(tmp_path / "k.keras")
    trained.save_weights(tmp_path / "k.weights.h5")
    theirs = compiled(keras.saving.load_model(tmp_path / "k.keras"), keras)
    mine = compiled(glassnet.models.load_model(tmp_path / "k.keras"), glassnet)
    theirs.load_weights(tmp_path / "k.weights.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        mine.load_weights(tmp_path / "k.weights.h5")
    multi = mine.optimizer.inner_optimizer if wrap else mine.optimizer
    assert [(type(o).__name__, o.iterations) for o in multi.optimizers] == [(head, 10), ("RMSprop", 0), ("Adam", 10)]
    for got, expected in zip(epoch(mine), epoch(theirs), strict=True):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)


def test_a_multi_optimizer_is_built_only_from_its_models_variables():
    multi = glassnet.optimizers.MultiOptimizer(glassnet.optimizers.OptimizerMap(glassnet.optimizers.Adam()))
    with pytest.raises(ValueError, match=r"by its path .*model.optimizer.build\(model.trainable_variables\) after "
                                         r"model.compile.* Received: 1 arrays"):
        multi.build([np.zeros(3)])  # (bare arrays: no model compiled with it)
    model = glassnet_model(multi)
    with pytest.raises(ValueError, match="Received: 1 arrays that are not those"):
        multi.build(model.trainable_variables[:1])
    model.compile("adam", "mse")  # (compiled with another optimizer since)
    with pytest.raises(ValueError, match="Received: 6 arrays"):
        multi.build(model.trainable_variables)


@pytest.mark.parametrize("name", ["adam", "nadam", "adam_ema", "loss_scale_adam"])
def test_glassnets_weights_file_gives_keras_the_optimizer_state(name, keras64, tmp_path):
    keras = keras64
    model = glassnet_model(GLASSNET_OPTIMIZERS[name]())
    model.export(tmp_path / "g.keras", format="keras")
    model.save_weights(tmp_path / "g.weights.h5")
    with h5py.File(tmp_path / "g.weights.h5") as h5:
        assert int(h5["optimizer/vars/0"][()]) == (0 if name == "loss_scale_adam" else 10)  # (the wrapper's is 0)
    theirs = keras.saving.load_model(tmp_path / "g.keras")
    theirs.compile(keras.optimizers.deserialize(keras.optimizers.serialize(theirs.optimizer)), "mse")
    theirs.optimizer.build(theirs.trainable_variables)
    theirs.load_weights(tmp_path / "g.weights.h5")
    assert int(theirs.optimizer.iterations) == 10
    for got, want in zip(epoch(model), epoch(theirs), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")
@pytest.mark.parametrize("make", [lambda: glassnet_model(GLASSNET_OPTIMIZERS["adam"](), frozen=True),
                                  lambda: multi_model(glassnet, three, wrap=True)], ids=["frozen", "multi"])
def test_a_weights_file_resumes_in_glassnet_bit_for_bit(make, tmp_path):
    model = make()
    model.save_weights(tmp_path / "w.weights.h5")
    copy = clone_model(model)
    copy.compile(model.optimizer._fresh(), model.loss)
    epoch(copy)  # (a trained copy: its optimizer's state is replaced)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        copy.load_weights(tmp_path / "w.weights.h5")
    assert copy.optimizer.iterations == model.optimizer.iterations
    for a, b in zip(epoch(model), epoch(copy), strict=True):
        np.testing.assert_array_equal(a, b)


def test_an_uncompiled_model_reads_the_weights_and_no_optimizer_state(tmp_path):
    model = glassnet_model(GLASSNET_OPTIMIZERS["adam"]())
    model.save_weights(tmp_path / "w.weights.h5")
    bare = _uncompiled(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bare.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(bare.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    fresh = _uncompiled(model)
    fresh.compile("adam", "mse")
    fresh.save_weights(tmp_path / "fresh.weights.h5")  # (no step yet: no state, and nothing to say reading it)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _uncompiled(model).load_weights(tmp_path / "fresh.weights.h5")
        fresh.load_weights(tmp_path / "fresh.weights.h5")


def _uncompiled(model):
    """A new model of ``model``'s architecture, not compiled (clone_model and model_from_json compile the copy, as
    Keras 3's)."""
    bare = Sequential.from_config(model.get_config())
    assert not bare.compiled
    return bare


def _negative_rate(h5):
    del h5["optimizer/vars/1"]
    h5["optimizer/vars/1"] = -1.0


def _linked(where, to):
    def damage(h5):
        del h5[where]
        h5[where] = h5py.SoftLink(to)
    return damage


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")
@pytest.mark.parametrize("write, read, damage, entry", [
    ("adam", "adam", _negative_rate, r"optimizer/vars/1 \(the optimizer's learning_rate\)"),
    ("loss_scale_adam", "adam", _linked("optimizer/vars/2", "/optimizer/vars/3"), "optimizer/vars/2 is a link"),
    ("multi", "multi", _linked("optimizer/optimizers", "/optimizer/vars"), "optimizer/optimizers is a link"),
], ids=["rate", "loss-scale-entries", "sub-optimizers"])
def test_a_damaged_weights_files_optimizer_state_is_refused_naming_the_file_not_a_keras_member(
        write, read, damage, entry, tmp_path):
    # these refusals said "model.weights.h5: optimizer/vars/..." of a .weights.h5 file, which has no such member
    def make(name):
        return multi_model(glassnet, three) if name == "multi" else glassnet_model(GLASSNET_OPTIMIZERS[name]())

    path = tmp_path / "w.weights.h5"
    make(write).save_weights(path)
    with h5py.File(path, "r+") as h5:
        damage(h5)
    model = make(read)
    with pytest.raises(ValueError, match=f"^Cannot load weights file '{re.escape(str(path))}': the file: /?{entry}"):
        model.load_weights(path)


def _entry(index, value):
    """Replace ``optimizer/vars/<index>`` (from the end where negative) with ``value``."""
    def damage(h5):
        where = f"optimizer/vars/{index % len(h5['optimizer/vars'])}"
        del h5[where]
        h5[where] = value
    return damage


@pytest.mark.parametrize("name, damage, entry", [
    ("adam", _negative_rate, r"optimizer/vars/1 \(the optimizer's learning_rate\): learning_rate must be"),
    ("loss_scale_adam", _entry(5, -1.0), r"optimizer/vars/5 \(the optimizer's learning_rate\): learning_rate must be"),
    ("nadam", _entry(-1, 1.5), r"optimizer/vars/14 \(the optimizer's u_product\) is 1.5, not Nadam's product"),
], ids=["rate", "loss-scaled-rate", "nadam-product"])
def test_a_refused_optimizer_state_leaves_the_optimizer_as_it_was(name, damage, entry, tmp_path):
    # the values were checked while they were set: a negative rate, read last, was refused after the slots, the
    # steps (and a LossScaleOptimizer's scale and step counter) had been replaced; Nadam's Π_t was not checked
    model = glassnet_model(GLASSNET_OPTIMIZERS[name]())
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r+") as h5:
        damage(h5)
    copy, (steps, state) = _trained_copy(model)
    before, scalars, rate = copy.get_weights(), copy.optimizer.get_scalars(), float(copy.optimizer.learning_rate)
    with pytest.raises(ValueError, match=entry):
        copy.load_weights(path)
    assert (copy.optimizer._iterations, copy.optimizer.get_scalars()) == (steps, scalars)
    assert float(copy.optimizer.learning_rate) == rate
    for slot, value in copy.optimizer.get_state()[1].items():
        np.testing.assert_array_equal(value, state[slot])
    for a, b in zip(copy.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_optimizer_state_beyond_the_model_s_dtype_is_refused_naming_the_entry_and_changes_nothing(tmp_path):
    # a float64 file's 1e300 in a float32 model's Adam became inf, with NumPy's RuntimeWarning only
    def trained(dtype):
        model = Sequential([layers.Input((4,)), layers.Dense(2)], dtype=dtype)
        model.compile(glassnet.optimizers.Adam(0.01), "mse")
        epoch(model)
        return model

    path = tmp_path / "w.weights.h5"
    trained("float32").save_weights(path)
    with h5py.File(path, "r+") as h5:
        _entry(2, np.full((4, 2), 1e300))(h5)
    model = trained("float32")
    steps, state = model.optimizer.get_state()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"the file: optimizer/vars/2 \(the optimizer's m\) holds values up to "
                                             r"1e\+300, beyond the range of float32 .*dtype='float64'"):
            model.load_weights(path)
    assert model.optimizer.iterations == steps
    for slot, value in model.optimizer.get_state()[1].items():
        np.testing.assert_array_equal(value, state[slot])
    wide = trained("float64")  # (as the message says)
    wide.load_weights(path)
    np.testing.assert_array_equal(wide.optimizer.get_state()[1]["m"][:8], np.full(8, 1e300))


def _trained_copy(model):
    copy = clone_model(model)
    copy.compile(model.optimizer._fresh(), model.loss)
    epoch(copy)
    return copy, copy.optimizer.get_state()


def test_a_state_that_does_not_fit_is_keras_warning_and_the_optimizer_keeps_its_own(tmp_path):
    model = glassnet_model(GLASSNET_OPTIMIZERS["adam"]())
    path = tmp_path / "w.weights.h5"
    clone_model(model).save_weights(path)  # (a fresh optimizer's iterations and rate alone, as Keras writes them)
    copy, (steps, state) = _trained_copy(model)
    with pytest.warns(OptimizerStateWarning, match="holds 2 arrays, but Adam keeps 14 .*keeps its own state"):
        copy.load_weights(path)
    assert copy.optimizer.iterations == steps
    for name, value in copy.optimizer.get_state()[1].items():
        np.testing.assert_array_equal(value, state[name])


def test_an_optimizer_entry_of_another_shape_is_refused_or_skipped_with_skip_mismatch(tmp_path):
    model = glassnet_model(GLASSNET_OPTIMIZERS["adam"]())
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "a") as h5:
        del h5["optimizer/vars/2"]
        h5["optimizer/vars/2"] = np.zeros((5, 5))
    copy, (steps, state) = _trained_copy(model)
    before = copy.get_weights()
    with pytest.raises(ValueError, match=r"optimizer/vars/2 \(the optimizer's m\) has shape \(5, 5\).*skip_mismatch"):
        copy.load_weights(path)
    for a, b in zip(copy.get_weights(), before, strict=True):  # (nothing changed: the weights neither)
        np.testing.assert_array_equal(a, b)
    with pytest.warns(OptimizerStateWarning, match=r"skip_mismatch=True.*\(5, 5\)"):
        copy.load_weights(path, skip_mismatch=True)
    assert copy.optimizer.iterations == steps
    for a, b in zip(copy.get_weights(), model.get_weights(), strict=True):  # (the weights are read)
        np.testing.assert_array_equal(a, b)
