"""Embedding against Keras 3.15 (float64 lookups, jax.grad, fit steps), finite differences, an
end-to-end categorical task, and through saving, .keras files, ONNX and trace."""

import json

import numpy as np
import pytest

import glassnet
from glassnet.layers import Dense, Embedding, Flatten, Input
from glassnet.models import Sequential, load_model
from glassnet.trace import trace


def _table(rng, input_dim, output_dim):
    return rng.normal(size=(input_dim, output_dim))


@pytest.mark.parametrize("shape", [(7, 1), (5, 3), (4, 2, 3)])
def test_lookup_and_table_gradient_equal_keras_in_float64(keras64, keras_float64, rng, shape):
    keras, reference = keras64, keras_float64[1]
    E = _table(rng, 6, 4)
    ids = rng.integers(0, 6, size=shape)
    ids.flat[:3] = 2  # an id repeated in the batch: its gradient rows add up
    dY = rng.normal(size=(*shape, 4))
    theirs = keras.layers.Embedding(6, 4, dtype="float64")
    theirs.build(shape)
    theirs.embeddings.assign(E)
    Y_keras, _, (dE_keras,) = reference(theirs, ids.astype("float64"), dY)  # (Keras casts float ids to int32)
    ours = Embedding(6, 4, dtype="float64", weights=E)
    np.testing.assert_array_equal(ours(ids), Y_keras)  # integer ids, called as a layer
    Y = ours.forward(ids.astype("float64"), training=True)
    assert ours.backward(dY) is None  # ids have no gradient
    np.testing.assert_array_equal(Y, Y_keras)
    np.testing.assert_allclose(ours.grads["embeddings"], dE_keras, rtol=0, atol=1e-12)
    # by hand: row i of ∂J/∂E is the sum of dY over the positions of id i
    flat_ids, flat_dY = ids.reshape(-1), dY.reshape(-1, 4)
    for i in range(6):
        np.testing.assert_allclose(ours.grads["embeddings"][i], flat_dY[flat_ids == i].sum(axis=0), atol=1e-14)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fit_steps_equal_keras_in_float64(keras64, rng, optimizer):
    keras = keras64
    x = rng.integers(0, 5, size=(16, 3))
    x[:, 1] = x[:, 0]  # ids repeated within each sample, and across the batch
    y = rng.normal(size=(16, 2))
    theirs = keras.Sequential([keras.Input((3,), dtype="int64"), keras.layers.Embedding(5, 4),
                               keras.layers.Flatten(), keras.layers.Dense(2)])
    ours = Sequential([Input((3,)), Embedding(5, 4), Flatten(), Dense(2)], dtype="float64")
    ours.build()
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    make = {"sgd": lambda m: m.optimizers.SGD(0.5, momentum=0.9), "adam": lambda m: m.optimizers.Adam(0.05)}
    theirs.compile(optimizer=make[optimizer](keras), loss="mse")
    ours.compile(optimizer=make[optimizer](glassnet), loss="mse")
    for start in (0, 8, 0, 8):
        loss_keras = float(theirs.train_on_batch(x[start:start + 8], y[start:start + 8]))
        loss_ours = float(ours.train_on_batch(x[start:start + 8], y[start:start + 8]))
        assert loss_ours == pytest.approx(loss_keras, rel=0, abs=1e-12)
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weights, rtol=0, atol=1e-12)


def test_regularizer_and_constraint_equal_keras_in_float64(keras64, rng):
    keras = keras64
    x, y = rng.integers(0, 6, size=(12, 2)), rng.normal(size=(12, 1))
    theirs = keras.Sequential([keras.Input((2,), dtype="int64"),
                               keras.layers.Embedding(6, 3, embeddings_regularizer=keras.regularizers.L1L2(0.01, 0.1),
                                                      embeddings_constraint=keras.constraints.MaxNorm(0.3, axis=1)),
                               keras.layers.Flatten(), keras.layers.Dense(1)])
    ours = Sequential([Input((2,)), Embedding(6, 3, embeddings_regularizer=glassnet.regularizers.L1L2(0.01, 0.1),
                                              embeddings_constraint=glassnet.constraints.MaxNorm(0.3, axis=1)),
                       Flatten(), Dense(1)], dtype="float64")
    ours.build()
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    assert ours.layers[0].losses == pytest.approx([float(v) for v in theirs.layers[0].losses], abs=1e-12)
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    ours.compile(optimizer=glassnet.optimizers.SGD(0.5), loss="mse")
    for start in (0, 6, 0):
        loss_keras = float(theirs.train_on_batch(x[start:start + 6], y[start:start + 6]))
        assert float(ours.train_on_batch(x[start:start + 6], y[start:start + 6])) == pytest.approx(loss_keras, abs=1e-12)
    table = ours.layers[0].get_weights()[0]
    assert np.linalg.norm(table, axis=1).max() <= 0.3 + 1e-12  # the constraint held each row
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weights, rtol=0, atol=1e-12)


def test_check_gradients_passes(rng):
    model = Sequential([Input((3,)), Embedding(5, 4, embeddings_initializer="random_normal",
                                               embeddings_regularizer="l2"),
                        Flatten(), Dense(6, "tanh"), Dense(2)], dtype="float64", seed=1)
    model.compile(optimizer="sgd", loss="mse")
    x = rng.integers(0, 5, size=(9, 3))
    x[:, 2] = x[:, 0]
    result = glassnet.check_gradients(model, x, rng.normal(size=(9, 2)))
    assert result.max_error < 1e-6, str(result)
    assert "embedding/embeddings" in result.errors


def test_learns_a_target_that_depends_on_a_category(rng):
    # a tabular task: 3 categorical columns of 12 categories each; the class is a lookup of the first
    # column's category (an arbitrary map, nothing a linear function of the id could give) plus noise in
    # the others; one-hot inputs would need 36 columns
    n, k = 1200, 12
    x = rng.integers(0, k, size=(n, 3))
    classes = rng.permutation(np.arange(k) % 3)
    y = classes[x[:, 0]]
    model = Sequential([Input((3,)), Embedding(k, 4), Flatten(), Dense(16, "relu"), Dense(3, "softmax")], seed=0)
    model.compile(optimizer=glassnet.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[:900], y[:900], epochs=15, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x[900:], y[900:])
    assert accuracy > 0.95  # chance: 1/3
    # the second and third columns carry no signal: shuffling them leaves the predictions' classes
    shuffled = x[900:].copy()
    shuffled[:, 1:] = rng.permutation(shuffled[:, 1:])
    same = (model.predict(shuffled).argmax(axis=1) == model.predict(x[900:]).argmax(axis=1)).mean()
    assert same > 0.9


def test_weight_names_count_and_summary():
    layer = Embedding(10, 3)
    assert layer.weight_names == ("embeddings",) and layer.count_weights((4,)) == 30
    model = Sequential([Input((4,)), layer, Flatten(), Dense(1)])
    model.build()
    assert layer.output_shape == (4, 3) and model.layers[1].output_shape == (12,)
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    row = next(line for line in lines if "embedding (Embedding)" in line)
    assert "(None, 4, 3)" in row and row.split()[-1] == "30"
    # Keras's "uniform": RandomUniform(-0.05, 0.05)
    table = layer.embeddings
    assert table.shape == (10, 3) and np.abs(table).max() <= 0.05 and table.std() > 0.01


def test_weights_argument_sets_the_first_table(rng):
    E = rng.normal(size=(4, 2))
    for given in (E, [E]):  # Keras takes the array or a list holding it
        layer = Embedding(4, 2, weights=given, dtype="float64")
        np.testing.assert_array_equal(layer(np.array([[3, 0]])), E[[[3, 0]]])
    with pytest.raises(ValueError, match=r"weights has shape \(3, 2\); expected \(4, 2\)"):
        Embedding(4, 2, weights=np.zeros((3, 2)))
    with pytest.raises(TypeError, match="weights must be an array of real numbers"):
        Embedding(4, 2, weights="table")


@pytest.mark.parametrize("bad, error, match", [
    ({"input_dim": 0}, ValueError, r"input_dim must be a positive integer\. Received: input_dim=0"),
    ({"input_dim": 2.5}, TypeError, r"input_dim must be a positive integer"),
    ({"output_dim": -1}, ValueError, r"output_dim must be a positive integer\. Received: output_dim=-1"),
    ({"output_dim": True}, TypeError, r"output_dim must be a positive integer"),
    ({"mask_zero": True}, ValueError, r"glassnet has no masks .*mask_zero must be False"),
    ({"lora_rank": 4}, ValueError, r"has no lora_rank \(received lora_rank=4\); only lora_rank=None"),
    ({"embeddings_initializer": "nope"}, ValueError, r"nope"),
    ({"embeddings_regularizer": 3}, (TypeError, ValueError), r"embeddings_regularizer"),
    ({"embeddings_constraint": "nope"}, ValueError, r"nope"),
    ({"activity_regularizer": 3}, ValueError, r"activity_regularizer: Could not interpret regularizer identifier: 3"),
])
def test_bad_arguments_are_named(bad, error, match):
    kwargs = {"input_dim": 5, "output_dim": 2, **bad}
    with pytest.raises(error, match=match):
        Embedding(**kwargs)


@pytest.mark.parametrize("ids, shown", [([[0, 5]], r"holds 5 \(outside \[0, 5\)\)"),
                                        ([[-1, 2]], r"holds -1 \(outside \[0, 5\)\)"),
                                        ([[1.5, 2]], r"holds 1\.5 \(not a whole number\)")])
def test_ids_out_of_range_or_not_whole_are_refused_by_name(ids, shown):
    model = Sequential([Input((2,)), Embedding(5, 3), Flatten(), Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"Layer 'embedding' \(Embedding\) looks up integer ids in \[0, "
                                         r"input_dim=5\); its input " + shown):
        model.predict(np.array(ids, dtype=float))
    with pytest.raises(ValueError, match=shown):
        model.fit(np.array(ids * 4, dtype=float), np.zeros(4), verbose=0)
    # integer arrays of any kind are read as they are
    np.testing.assert_array_equal(model.predict(np.array([[4, 0]], dtype=np.uint8)),
                                  model.predict(np.array([[4.0, 0.0]])))


def test_a_layer_with_weights_before_it_is_refused_at_build():
    with pytest.raises(ValueError, match=r"Layer 'embedding' \(Embedding\) passes no gradient to its input \(ids "
                                         r"and bins have none\), but it comes after Layer 'dense' \(Dense\)"):
        Sequential([Input((3,)), Dense(3), Embedding(5, 2)]).build()
    # layers without weights before it compute nothing backward: allowed
    model = Sequential([Input((2, 3)), glassnet.layers.Reshape((6,)), Embedding(5, 2), Flatten(), Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2, 3)), np.ones(4), verbose=0)


def test_an_input_dim_past_the_dtype_s_exact_integers_is_refused():
    with pytest.raises(ValueError, match=r"input_dim=2049 ids cannot all be told apart in float16.*float64"):
        Sequential([Input((1,)), Embedding(2049, 1)], dtype="float16").build()
    Sequential([Input((1,)), Embedding(2048, 1)], dtype="float16").build()


def test_saves_loads_and_configs_round_trip(tmp_path, rng):
    x, y = rng.integers(0, 7, size=(20, 3)), rng.normal(size=(20, 1))
    model = Sequential([Input((3,)), Embedding(7, 2, embeddings_regularizer="l1", embeddings_constraint="non_neg"),
                        Flatten(), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    assert loaded.layers[0].embeddings_constraint.get_config() == {}
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    config = json.loads(json.dumps(glassnet.layers.serialize(model.layers[0])))
    assert config["config"]["input_dim"] == 7 and config["config"]["mask_zero"] is False
    again = glassnet.layers.deserialize(config)
    assert (again.input_dim, again.output_dim) == (7, 2) and again.embeddings_regularizer.l1 == 0.01
    assert glassnet.models.clone_model(model).layers[0].get_config() == model.layers[0].get_config()


def test_keras_files_both_ways(keras64, tmp_path, rng):
    keras = keras64
    x = rng.integers(0, 6, size=(9, 3))
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Embedding(6, 4), keras.layers.Flatten(),
                               keras.layers.Dense(2)])
    theirs.save(tmp_path / "theirs.keras")
    ours = load_model(tmp_path / "theirs.keras")
    assert isinstance(ours.layers[0], Embedding) and ours.layers[0].output_dim == 4
    np.testing.assert_array_equal(ours.layers[0].get_weights()[0], theirs.layers[0].embeddings.numpy())
    np.testing.assert_allclose(ours.predict(x), np.asarray(theirs(x)), rtol=0, atol=1e-12)

    ours.layers[0].set_weights([rng.normal(size=(6, 4))])
    ours.layers[0].embeddings_regularizer = glassnet.regularizers.L2(0.5)
    ours.export(tmp_path / "ours.keras", format="keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    assert again.layers[0].embeddings.path.endswith("/embeddings")
    assert again.layers[0].embeddings_regularizer.get_config()["l2"] == 0.5
    np.testing.assert_array_equal(again.layers[0].embeddings.numpy(), ours.layers[0].get_weights()[0])
    np.testing.assert_allclose(np.asarray(again(x)), ours.predict(x), rtol=0, atol=1e-12)


def test_a_nan_id_called_on_the_layer_is_refused_by_name():
    # (a model's predict refuses NaN in x before any layer sees it)
    with pytest.raises(ValueError, match=r"its input holds nan \(not a whole number\)"):
        Embedding(5, 3)(np.array([[np.nan, 2.0]]))


@pytest.mark.parametrize("dtype, atol", [("float64", 1e-12), ("float32", 1e-6), ("float16", 1e-3)])
def test_onnx_equals_predict(tmp_path, rng, dtype, atol):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    x = rng.integers(0, 9, size=(11, 2, 3)).astype(dtype)
    for head, tolerance in (([], 0), ([Flatten(), Dense(2, "tanh")], atol)):  # the lookup itself: exact
        model = Sequential([Input((2, 3)), Embedding(9, 4, embeddings_initializer="random_normal"), *head],
                           dtype=dtype, seed=0)
        model.build()
        export(model, tmp_path / "m.onnx")
        out = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x})[0]
        assert out.shape == model.predict(x).shape
        np.testing.assert_allclose(out, model.predict(x), rtol=0, atol=tolerance)


def test_trace_shows_the_scatter_add(rng):
    model = Sequential([Input((2,)), Embedding(4, 3, embeddings_regularizer="l2"), Flatten(), Dense(1)],
                       dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.array([[1, 1], [3, 1]]), rng.normal(size=(2, 1))
    result = trace(model, x, y)
    row = result.layers[0]
    assert row.in_red_path and row.delta_rule.startswith("∂J/∂E^(1)[i] = Σ ∂J/∂a^(2)[s] over the positions")
    penalty = row.penalty_grads["embeddings"]
    expected = np.zeros((4, 3))
    np.add.at(expected, x.reshape(-1), row.dJ_da.reshape(-1, 3))
    np.testing.assert_allclose(row.grads["embeddings"], expected + penalty, atol=1e-14)
    assert expected[1].any() and not expected[0].any()  # id 1 got three rows, id 0 none
    assert "E^(1)" in str(result)
