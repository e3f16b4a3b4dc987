"""GlobalAveragePooling1D and GlobalMaxPooling1D (layers/global_pooling.py) against Keras 3.15 in float64
(outputs, jax.grad, fit steps), by hand (ties, NaN), finite differences, Keras's bag-of-embeddings text
model learning a token task, and through saving, .keras files, ONNX and trace."""

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.layers import Dense, Embedding, Flatten, GlobalAveragePooling1D, GlobalMaxPooling1D, Input
from glassnet.models import Sequential, load_model
from glassnet.trace import trace

KINDS = ("GlobalAveragePooling1D", "GlobalMaxPooling1D")
SETTINGS = [(kind, data_format, keepdims) for kind in KINDS for data_format in (None, "channels_last", "channels_first")
            for keepdims in (False, True)]


@pytest.mark.parametrize("kind, data_format, keepdims", SETTINGS, ids=str)
def test_outputs_and_input_gradients_are_kerass(kind, data_format, keepdims, keras_float64, rng):
    keras, reference = keras_float64
    X = rng.normal(size=(4, 5, 3))
    X[0, 1, 2] = X[0, 3, 2] = X[0, :, 2].max() + 1.0  # a tie for the maximum, along either axis
    X[1, 4, 0] = X[1, 4, 1] = X[1].max() + 1.0
    ours = getattr(layers, kind)(data_format=data_format, keepdims=keepdims, dtype="float64")
    theirs = getattr(keras.layers, kind)(data_format=data_format, keepdims=keepdims, dtype="float64")
    Y = ours(X)
    dY = rng.normal(size=Y.shape)
    Y_keras, dX_keras, _ = reference(theirs, X, dY)
    np.testing.assert_allclose(Y, Y_keras, rtol=1e-15, atol=0)
    ours.forward(X, training=True)
    np.testing.assert_allclose(ours.backward(dY), dX_keras, rtol=1e-15, atol=0)
    assert ours.compute_output_shape((None, 5, 3)) == theirs.compute_output_shape((None, 5, 3))
    assert ours.compute_output_shape((7, 5, 3)) == theirs.compute_output_shape((7, 5, 3))
    config, keras_config = ours.get_config(), theirs.get_config()
    assert (config["data_format"], config["keepdims"]) == (keras_config["data_format"], keras_config["keepdims"])


def test_max_shares_the_gradient_among_ties_and_average_spreads_it_by_hand():
    X = np.array([[[1.0, 5.0], [3.0, 5.0], [3.0, 2.0]]])  # column 0: steps 1 and 2 tie; column 1: steps 0 and 1
    layer = GlobalMaxPooling1D(dtype="float64")
    np.testing.assert_array_equal(layer(X), [[3.0, 5.0]])
    layer.forward(X)
    np.testing.assert_array_equal(layer.backward(np.array([[2.0, 4.0]])), [[[0, 2], [1, 2], [1, 0]]])
    mean = GlobalAveragePooling1D(dtype="float64")
    np.testing.assert_allclose(mean(X), [[7 / 3, 4.0]], rtol=1e-15)
    mean.forward(X)
    np.testing.assert_array_equal(mean.backward(np.array([[3.0, 6.0]])), [[[1, 2]] * 3])


def test_nan_is_kept_as_numpy_and_its_gradient_is_jaxs(keras_float64):
    keras, reference = keras_float64
    X = np.array([[[1.0, np.nan], [3.0, 5.0], [3.0, 2.0]]])
    dY = np.array([[1.0, 1.0]])
    for kind, numpy_reduce in zip(KINDS, (np.mean, np.max)):
        ours = getattr(layers, kind)(dtype="float64")
        Y = ours(X)
        np.testing.assert_array_equal(Y, numpy_reduce(X, axis=1))
        ours.forward(X)
        Y_keras, dX_keras, _ = reference(getattr(keras.layers, kind)(dtype="float64"), X, dY)
        np.testing.assert_allclose(Y, Y_keras, rtol=1e-15)  # (NaN where Keras has NaN)
        np.testing.assert_allclose(ours.backward(dY), dX_keras, rtol=1e-15)  # (max: NaN for the whole column)


def test_aliases_are_the_same_classes_as_in_keras():
    assert layers.GlobalAvgPool1D is GlobalAveragePooling1D and layers.GlobalMaxPool1D is GlobalMaxPooling1D
    assert layers.deserialize({"class_name": "GlobalMaxPooling1D", "config": {"keepdims": True}}).keepdims


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad, error, match", [
    ({"data_format": "channels_middle"}, ValueError, r"The `data_format` argument must be one of \{'channels_first', "
                                                     r"'channels_last'\}. Received: data_format='channels_middle'"),
    ({"data_format": 3}, ValueError, r"Received: data_format=3"),
    ({"keepdims": "yes"}, TypeError, r"keepdims must be True or False. Received: keepdims='yes'"),
    ({"keepdims": 1}, TypeError, r"keepdims must be True or False"),
])
def test_bad_arguments_are_named(kind, bad, error, match):
    with pytest.raises(error, match=match):
        getattr(layers, kind)(**bad)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sample", [(6,), (2, 3, 4)])
def test_samples_that_are_not_sequences_give_kerass_error(kind, sample):
    match = rf"expected ndim=3, found ndim={len(sample) + 1}. Full shape received: \(None, {', '.join(map(str, sample))}\)"
    match += rf" \({kind} takes samples of shape \(steps, features\)"
    with pytest.raises(ValueError, match=match):
        getattr(layers, kind)()(np.zeros((2, *sample)))
    with pytest.raises(ValueError, match=match):
        Sequential([Input(sample), getattr(layers, kind)()]).build()


def test_check_gradients_passes_through_both_layouts(rng):
    # a Dense before each pooling: its gradient comes back through the pooling's backward
    model = Sequential([Input((12,)), Dense(12, "tanh"), layers.Reshape((4, 3)), GlobalMaxPooling1D(keepdims=True),
                        Flatten(), Dense(12, "tanh"), layers.Reshape((3, 4)),
                        GlobalAveragePooling1D(data_format="channels_first"), Dense(2)], dtype="float64", seed=1)
    model.compile(optimizer="sgd", loss="mse")
    result = glassnet.check_gradients(model, rng.normal(size=(7, 12)), rng.normal(size=(7, 2)))
    assert result.max_error < 1e-7, str(result)
    assert "dense/W" in result.errors


def _token_task(rng, n, vocab=50, steps=20, token=7):
    """Texts of ``steps`` ids; the label is whether ``token`` appears (about half of them)."""
    x = rng.integers(0, vocab, size=(n, steps))
    x[x == token] = token + 1
    has = rng.random(n) < 0.5
    x[has, rng.integers(0, steps, size=has.sum())] = token
    return x, has.astype(float)


def _bag_of_embeddings(L, pooling, vocab=50):
    return [L.Input((20,)), L.Embedding(vocab, 16), pooling(L), L.Dense(16, activation="relu"),
            L.Dense(1, activation="sigmoid")]


def test_fit_steps_equal_keras_in_float64(keras64, rng):
    keras = keras64
    x, y = _token_task(rng, 16)
    ours = Sequential(_bag_of_embeddings(layers, lambda L: L.GlobalAveragePooling1D()), dtype="float64")
    theirs = keras.Sequential(_bag_of_embeddings(keras.layers, lambda L: L.GlobalAveragePooling1D()))
    ours.build()
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    ours.compile(optimizer=glassnet.optimizers.Adam(0.05), loss="binary_crossentropy")
    theirs.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    for start in (0, 8, 0, 8):
        loss_keras = float(theirs.train_on_batch(x[start:start + 8], y[start:start + 8]))
        assert float(ours.train_on_batch(x[start:start + 8], y[start:start + 8])) == pytest.approx(loss_keras, abs=1e-12)
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weights, rtol=0, atol=1e-12)


@pytest.mark.parametrize("pooling", KINDS)
def test_the_bag_of_embeddings_text_model_learns_a_token_task_as_keras_does(pooling, rng, monkeypatch):
    # Keras's basic text classifier: Embedding → GlobalAveragePooling1D → Dense(16, relu) → Dense(1, sigmoid)
    x, y = _token_task(rng, 3000)
    train, test = slice(0, 2400), slice(2400, None)
    model = Sequential(_bag_of_embeddings(layers, lambda L: getattr(L, pooling)()), seed=0)
    model.compile(optimizer=glassnet.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[train], y[train], epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x[test], y[test], verbose=0)[1] > 0.95  # chance: 1/2
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    theirs = keras.Sequential(_bag_of_embeddings(keras.layers, lambda L: getattr(L, pooling)()))
    theirs.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    theirs.fit(x[train], y[train], epochs=15, batch_size=32, verbose=0)
    assert theirs.evaluate(x[test], y[test], verbose=0)[1] > 0.95


@pytest.mark.parametrize("kind", KINDS)
def test_model_files_round_trip_and_keras_reads_and_writes_them(kind, keras64, tmp_path, rng):
    keras = keras64
    pytest.importorskip("h5py")
    x, y = _token_task(rng, 40)
    model = Sequential([Input((20,)), Embedding(50, 4), getattr(layers, kind)(data_format="channels_first",
                                                                              keepdims=True),
                        Flatten(), Dense(1, "sigmoid")], dtype="float64", seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    again = load_model(tmp_path / "m.gn")
    assert again.layers[1].get_config() == model.layers[1].get_config()
    assert (again.layers[1].data_format, again.layers[1].keepdims, again.layers[1].output_shape) == (
        "channels_first", True, (20, 1))
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    model.save_weights(tmp_path / "m.weights.h5")
    fresh = glassnet.models.clone_model(model)
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))

    model.export(tmp_path / "ours.keras", format="keras")
    from_glassnet = keras.saving.load_model(tmp_path / "ours.keras")
    assert type(from_glassnet.layers[1]).__name__ == kind and from_glassnet.layers[1].data_format == "channels_first"
    np.testing.assert_allclose(np.asarray(from_glassnet(x)), model.predict(x, verbose=0), rtol=0, atol=1e-12)
    theirs = keras.Sequential(_bag_of_embeddings(keras.layers, lambda L: getattr(L, kind)()))
    theirs.save(tmp_path / "theirs.keras")
    ours = load_model(tmp_path / "theirs.keras")
    assert [type(layer).__name__ for layer in ours.layers] == ["Embedding", kind, "Dense", "Dense"]
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(theirs(x)), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype, atol", [("float64", 1e-13), ("float32", 1e-6)])
def test_onnx_equals_predict(tmp_path, rng, dtype, atol):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    X = rng.normal(size=(9, 30)).astype(dtype)
    model = Sequential([Input((30,)), Dense(30, "tanh"), layers.Reshape((5, 6)), GlobalMaxPooling1D(data_format="channels_first",
                                                                            keepdims=True),
                        Flatten(), Dense(6), layers.Reshape((3, 2)), GlobalAveragePooling1D(), Dense(2)],
                       dtype=dtype, seed=0)
    model.build()
    export(model, tmp_path / "m.onnx")
    out = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"]).run(None, {"input": X})[0]
    np.testing.assert_allclose(out, model.predict(X, verbose=0), rtol=0, atol=atol)


def test_trace_says_how_each_passes_the_gradient_back(rng):
    x = np.array([[1, 2, 2], [0, 3, 1]])
    E = np.array([[0.0, 1.0], [1.0, 2.0], [3.0, 4.0], [2.0, 0.0]])
    model = Sequential([Input((3,)), Embedding(4, 2, weights=E), GlobalMaxPooling1D(), Dense(4),
                        layers.Reshape((2, 2)), GlobalAveragePooling1D(data_format="channels_first"), Dense(1)],
                       dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    rows = {row.kind: row for row in trace(model, x, rng.normal(size=(2, 1))).layers}
    assert rows["GlobalAveragePooling1D"].delta_rule == (
        "∂J/∂a^(5) = ∂J/∂a^(6) / T at each of the T = 2 steps (axis 2 of a^(5): the mean's equal shares)")
    assert rows["GlobalMaxPooling1D"].delta_rule.startswith("∂J/∂a^(2) = m ⊙ ∂J/∂a^(3) at each step (axis 1")
    # sample 0 looks up id 2 twice: its two rows share the gradient; sample 1's maxima are row 3's 2 and row 1's 2
    np.testing.assert_array_equal(rows["GlobalMaxPooling1D"].backward_terms["m"],
                                  [[[0, 0], [0.5, 0.5], [0.5, 0.5]], [[0, 0], [1, 0], [0, 1]]])


def test_a_model_that_starts_with_a_pooling_takes_sequences_without_an_input(rng):
    model = Sequential([GlobalAveragePooling1D(), Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    x = rng.normal(size=(8, 5, 3))
    model.fit(x, rng.normal(size=(8, 1)), verbose=0)
    assert model.predict(x, verbose=0).shape == (8, 1) and model.layers[0].input_shape == (5, 3)


def test_kerass_text_classifier_code_runs_as_written_with_integer_input_and_padding(rng):
    # keras.io's text classifiers start with Input(shape=(maxlen,), dtype="int32") and pad_sequences: the
    # dtype was refused ("dtype must be one of float16, float32, float64")
    texts = [rng.integers(1, 50, size=rng.integers(3, 21)).tolist() for _ in range(1200)]
    y = np.array([int(7 in t) for t in texts])
    x = glassnet.utils.pad_sequences(texts, maxlen=20)
    assert x.shape == (1200, 20) and x.dtype == np.int32
    inputs = Input(shape=(20,), dtype="int32")
    assert inputs.dtype == "int32"
    model = Sequential([inputs, Embedding(50, 8), GlobalMaxPooling1D(), Dense(8, activation="relu"),
                        Dense(1, activation="sigmoid")], seed=0)
    assert model.dtype == "float32" and all(w.dtype == np.float32 for w in model.get_weights())
    model.compile(optimizer=glassnet.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x[:1000], y[:1000], epochs=15, batch_size=32, verbose=0)
    assert model.evaluate(x[1000:], y[1000:], verbose=0)[1] > 0.95  # always 0 (no 7): about 0.8
    with pytest.raises(ValueError, match="dtype must be one of float16, float32, float64"):
        Input(shape=(20,), dtype="string")
