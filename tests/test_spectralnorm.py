"""SpectralNormalization of a Dense and of an Embedding against Keras 3.15 (float64), the SVD,
finite differences, and through saving, .keras files, ONNX and trace.

Keras's wrapper ``assign``s the normalized kernel before calling its Dense. Called eagerly (and in
fit on the torch backend) that assignment stays, and the gradient is the Dense's at that kernel;
in fit on the JAX backend, whose train step is a pure function of the trainable variables, the
assignment to the (trainable) kernel is dropped: the stored kernel is never normalized there. So the
training steps are compared with Keras on torch, in a subprocess, and the single training-mode call
with Keras on JAX, eagerly."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import glassnet
from glassnet.gradcheck import check_gradients
from glassnet.layers import Dense, Embedding, Flatten, Input, ReLU, SpectralNormalization
from glassnet.models import Sequential, load_model
from glassnet.trace import trace


#: the wrapped layers: a Dense(units) on 3 features, an Embedding(6, units) of 3 ids (then Flatten)
KINDS = ("dense", "embedding")


def _model(units=4, power_iterations=1, activation="tanh", use_bias=True, dtype="float64", kind="dense", wrap=True,
           **options):
    if kind == "dense":
        inner, head = Dense(units, activation, use_bias=use_bias, **options), []
    else:
        inner, head = Embedding(6, units, **options), [Flatten()]
    layer = SpectralNormalization(inner, power_iterations=power_iterations) if wrap else inner
    model = Sequential([Input((3,)), layer, *head, Dense(2)], dtype=dtype)
    model.build()
    return model


def _x(kind, rng, n):
    """``n`` inputs: 3 features, or 3 ids in [0, 6) (the first repeated, so gradient rows add up)."""
    if kind == "dense":
        return rng.normal(size=(n, 3))
    x = rng.integers(0, 6, size=(n, 3)).astype(float)
    x[:, 1] = x[:, 0]
    return x


def _keras_layer(keras, kind, units=4):
    return (keras.layers.Dense(units, "tanh", dtype="float64") if kind == "dense" else
            keras.layers.Embedding(6, units, dtype="float64"))


def _set_random_weights(model, rng):
    """Weights far from spectral norm 1 (the Glorot draw is near it), a random u."""
    weights = model.get_weights()
    weights[0] = rng.normal(scale=2.0, size=weights[0].shape)
    weights[1] = rng.normal(scale=0.02, size=weights[1].shape)
    model.set_weights(weights)


@pytest.mark.parametrize("kind, names", [("dense", ["kernel", "vector_u", "bias"]),
                                         ("embedding", ["embeddings", "vector_u"])])
def test_forward_in_training_mode_equals_keras(keras_float64, rng, kind, names):
    keras, _ = keras_float64
    X = _x(kind, rng, 7)  # (Keras's wrapper casts its output to the input's dtype: float ids, as glassnet feeds)
    for power_iterations in (1, 3):
        model = _model(power_iterations=power_iterations, kind=kind)
        _set_random_weights(model, rng)
        ours = model.layers[0]
        theirs = keras.layers.SpectralNormalization(_keras_layer(keras, kind), power_iterations=power_iterations,
                                                    dtype="float64")
        theirs.build((None, 3))
        assert [tuple(w.shape) for w in theirs.weights] == [tuple(w.shape) for w in ours.weights]
        assert [w.path.rsplit("/", 1)[1] for w in theirs.weights] == names
        theirs.set_weights(ours.get_weights())

        np.testing.assert_allclose(ours(X), np.asarray(theirs(X)), rtol=0, atol=1e-14)  # inference: the Dense
        np.testing.assert_array_equal(ours.get_weights()[0], np.asarray(theirs.kernel))
        for _ in range(2):
            Y = ours(X, training=True)
            np.testing.assert_allclose(Y, np.asarray(theirs(X, training=True)), rtol=0, atol=1e-12)
            for a, b in zip(ours.get_weights(), theirs.get_weights()):
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


#: the training steps of a Keras model on the torch backend (see the module docstring)
_KERAS_FIT = r"""
import sys
import numpy as np
import keras
from keras.src import backend as keras_backend
from keras.src.backend.common import dtypes as keras_dtypes

keras.config.set_floatx("float64")  # the optimizers' learning-rate and moment variables too
promote = keras_dtypes.result_type


def result_type(*dtypes):  # as the keras_float64 fixture: float64 with Keras's float32 constants stays float64
    named = [keras_backend.standardize_dtype(getattr(d, "dtype", d)) for d in dtypes]
    return "float64" if "float64" in named else promote(*dtypes)


keras_dtypes.result_type = keras_backend.result_type = result_type
data = np.load(sys.argv[1])
dense = sys.argv[3] == "dense"
results = {}
for i, (optimizer, power_iterations) in enumerate([("sgd", 1), ("adam", 1), ("adam", 3)]):
    inner = keras.layers.Dense(4, "tanh", dtype="float64") if dense else keras.layers.Embedding(6, 4, dtype="float64")
    model = keras.Sequential([keras.Input((3,), dtype="float64"), keras.layers.SpectralNormalization(
        inner, power_iterations=power_iterations, dtype="float64"),
        *([] if dense else [keras.layers.Flatten()]), keras.layers.Dense(2, dtype="float64")])
    model.set_weights([data[f"w{k}"] for k in range(5 if dense else 4)])
    opt = keras.optimizers.SGD(0.1) if optimizer == "sgd" else keras.optimizers.Adam(0.01)
    model.compile(optimizer=opt, loss="mse")
    model.fit(data["X"], data["y"], epochs=3, batch_size=5, shuffle=False, verbose=0)
    for k, w in enumerate(model.get_weights()):
        results[f"{i}_w{k}"] = w
    results[f"{i}_predict"] = model.predict(data["X"], verbose=0)
np.savez(sys.argv[2], **results)
"""


@pytest.mark.parametrize("kind", KINDS)
def test_fit_equals_keras_on_torch(rng, tmp_path, kind):
    for module in ("keras", "torch"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the comparison needs {module}")
    X, y = _x(kind, rng, 20), rng.normal(size=(20, 2))
    model = _model(kind=kind)
    _set_random_weights(model, rng)
    start = model.get_weights()
    np.savez(tmp_path / "in.npz", X=X, y=y, **{f"w{k}": w for k, w in enumerate(start)})
    (tmp_path / "fit.py").write_text(_KERAS_FIT)
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    done = subprocess.run([sys.executable, str(tmp_path / "fit.py"), str(tmp_path / "in.npz"),
                           str(tmp_path / "out.npz"), kind], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = np.load(tmp_path / "out.npz")
    for i, (optimizer, power_iterations) in enumerate([("sgd", 1), ("adam", 1), ("adam", 3)]):
        ours = _model(power_iterations=power_iterations, kind=kind)
        ours.set_weights(start)
        ours.compile(optimizer=glassnet.optimizers.SGD(0.1) if optimizer == "sgd" else glassnet.optimizers.Adam(0.01),
                     loss="mse")
        ours.fit(X, y, epochs=3, batch_size=5, shuffle=False, verbose=0)
        for k, w in enumerate(ours.get_weights()):  # kernel, u, bias (or the table, u), then the last Dense's
            np.testing.assert_allclose(w, theirs[f"{i}_w{k}"], rtol=0, atol=1e-12, err_msg=f"{optimizer} w{k}")
        np.testing.assert_allclose(ours.predict(X), theirs[f"{i}_predict"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_sigma_is_one_after_enough_power_iterations(rng, kind):
    model = _model(units=5, power_iterations=60, kind=kind)
    _set_random_weights(model, rng)
    W = model.layers[0].get_weights()[0]
    assert np.linalg.svd(W, compute_uv=False)[0] > 2
    model.layers[0](_x(kind, rng, 4), training=True)
    W_new, u = model.layers[0].get_weights()[:2]
    sigma = np.linalg.svd(W, compute_uv=False)[0]
    np.testing.assert_allclose(W_new, W / sigma, rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(W_new, compute_uv=False)[0], 1.0, rtol=0, atol=1e-12)
    # u is the top right singular vector (up to sign), of norm 1
    top = np.linalg.svd(W)[2][0]
    np.testing.assert_allclose(abs(u[0] @ top), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_a_small_float16_kernel_is_normalized_as_in_float64(rng, kind):
    # float16 squares underflow below |x| ≈ 2.4e-4: u·Wᵀ of a kernel of 1e-3s summed to 0, its
    # 1/‖·‖ became 1/ε = 1e7, inf in float16, and the kernel NaN (fit diverged at its first batch)
    model = _model(units=5, power_iterations=3, dtype="float16", kind=kind)
    W = rng.normal(scale=1e-3, size=model.layers[0].get_weights()[0].shape)
    u = rng.normal(scale=0.02, size=(1, 5))
    model.set_weights([W, u, *model.get_weights()[2:]])
    W, u = (w.astype(np.float64) for w in model.layers[0].get_weights()[:2])  # as float16 holds them
    for _ in range(3):  # the power method in float64, from the same W and u
        v = u @ W.T / np.linalg.norm(u @ W.T)
        u = v @ W / np.linalg.norm(v @ W)
    model.layers[0](_x(kind, rng, 4), training=True)
    W_new, u_new = model.layers[0].get_weights()[:2]
    assert W_new.dtype == u_new.dtype == np.float16
    np.testing.assert_allclose(W_new, W / (v @ W @ u.T), rtol=2e-3, atol=0)
    np.testing.assert_allclose(u_new, u, rtol=2e-3, atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_inference_leaves_the_kernel_and_u(rng, kind):
    model = _model(kind=kind)
    _set_random_weights(model, rng)
    before = model.get_weights()
    X = _x(kind, rng, 6)
    model.predict(X)
    model.layers[0](X)
    model.compile(optimizer="sgd", loss="mse")
    model.evaluate(X, rng.normal(size=(6, 2)), verbose=0)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_calling_a_model_s_layer_keeps_the_model_s_last_pass(rng):
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), epochs=1, batch_size=8, verbose=0)
    inner = model.layers[0].layer
    X, A, buffers = inner.X, inner.A.copy(), dict(inner._buffers)
    model.layers[0](rng.normal(size=(8, 3)), training=True)
    assert inner.X is X and inner._buffers == buffers
    np.testing.assert_array_equal(inner.A, A)


@pytest.mark.parametrize("kind", KINDS)
def test_an_all_zero_kernel_is_left_as_it_is(rng, kind):
    model = _model(kind=kind, **{"kernel_initializer" if kind == "dense" else "embeddings_initializer": "zeros"})
    before = model.layers[0].get_weights()
    model.layers[0](_x(kind, rng, 3), training=True)
    for a, b in zip(model.layers[0].get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert np.all(before[0] == 0) and np.all(np.isfinite(before[1]))


def test_u_is_drawn_as_keras_and_u_is_not_trained(rng):
    glassnet.utils.set_random_seed(3)
    model = Sequential([Input((3,)), SpectralNormalization(Dense(4000)), Dense(1)])
    model.build()
    u = model.layers[0].get_weights()[1]
    assert u.shape == (1, 4000) and u.dtype == np.float32
    assert np.all(np.abs(u) <= 0.04) and 0.015 < u.std() < 0.02  # truncated at 2σ: std 0.88·0.02
    layer = model.layers[0]
    assert [w.shape for w in layer.trainable_weights] == [(3, 4000), (4000,)]
    assert [w.shape for w in layer.non_trainable_weights] == [(1, 4000)]
    assert model.count_params() == 3 * 4000 + 4000 + 4000 + 4001
    # an Embedding's u has one entry per output feature too: (1, output_dim)
    model = Sequential([Input((3,)), SpectralNormalization(Embedding(10, 7)), Flatten(), Dense(1)])
    model.build()
    assert [w.shape for w in model.layers[0].weights] == [(10, 7), (1, 7)]
    assert model.layers[0].layer.name == "embedding" and model.count_params() == 70 + 7 + 22
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    row = next(line for line in lines if "(SpectralNormalization)" in line)
    assert "(None, 3, 7)" in row and row.split()[-1] == "77"


def test_weights_are_in_the_flat_buffer_and_training_steps_them(rng):
    model = _model()
    W = model.layers[0].params["W"]
    assert np.shares_memory(W, model._flat_params) and model.layers[0].layer.params["W"] is W
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), epochs=1, verbose=0)
    assert all(np.any(a != b) for a, b in zip(model.get_weights(), before))


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_agree_with_finite_differences(rng, kind):
    for use_bias in (True, False) if kind == "dense" else (True,):
        model = _model(activation="sigmoid", use_bias=use_bias, kind=kind)
        _set_random_weights(model, rng)
        model.compile(optimizer="sgd", loss="mse")
        before = model.get_weights()
        X, y = _x(kind, rng, 5), rng.normal(size=(5, 2))
        result = check_gradients(model, X, y)
        assert max(result.errors.values()) < 1e-7, result.errors
        for a, b in zip(model.get_weights(), before):  # on a copy
            np.testing.assert_array_equal(a, b)
        # the check runs at the kernel a training step normalizes first (its layer's gradient there)
        normalized = _model(activation="sigmoid", use_bias=use_bias, kind=kind)
        normalized.set_weights(before)
        normalized.layers[0](X, training=True)
        plain = _model(activation="sigmoid", use_bias=use_bias, kind=kind, wrap=False)
        plain.set_weights([w for k, w in enumerate(normalized.get_weights()) if k != 1])
        plain.compile(optimizer="sgd", loss="mse")
        expected = plain.gradients(X, y)
        kernel = "W" if kind == "dense" else "embeddings"
        np.testing.assert_allclose(result.analytic[f"spectral_normalization/{kernel}"], expected[0], rtol=0, atol=1e-14)
        assert np.any(expected[0] != 0)


@pytest.mark.parametrize("kind", KINDS)
def test_save_and_load_keep_u_and_training(rng, tmp_path, kind):
    model = _model(power_iterations=2, kind=kind)
    model.compile(optimizer="adam", loss="mse")
    X, y = _x(kind, rng, 10), rng.normal(size=(10, 2))
    model.fit(X, y, epochs=2, batch_size=5, verbose=0)
    model.save(tmp_path / "m.glassnet")
    loaded = load_model(tmp_path / "m.glassnet")
    layer = loaded.layers[0]
    assert isinstance(layer, SpectralNormalization) and layer.power_iterations == 2
    if kind == "dense":
        assert isinstance(layer.layer, Dense) and layer.layer.units == 4 and layer.layer.activation.name == "tanh"
    else:
        assert isinstance(layer.layer, Embedding) and (layer.layer.input_dim, layer.layer.output_dim) == (6, 4)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.fit(X, y, epochs=1, batch_size=5, shuffle=False, verbose=0)
    loaded.fit(X, y, epochs=1, batch_size=5, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    config = json.loads(json.dumps(glassnet.layers.serialize(model.layers[0])))
    again = glassnet.layers.deserialize(config)
    assert again.layer is not model.layers[0].layer and again.get_config() == SpectralNormalization.from_config(
        config["config"]).get_config()


def test_the_config_names_its_layer_s_module_as_keras_and_old_configs_load():
    """The wrapped layer's config holds Keras's "module", which Keras's deserializer needs to find the class;
    a config written without it (before) still loads."""
    config = SpectralNormalization(Embedding(6, 4, name="e"), power_iterations=2).get_config()
    assert config["layer"]["module"] == "keras.layers" and config["layer"]["registered_name"] is None
    assert config["layer"]["class_name"] == "Embedding" and config["layer"]["config"]["name"] == "e"
    old = {**config, "layer": {"class_name": "Embedding", "config": config["layer"]["config"]}}
    for saved in (config, old):
        again = SpectralNormalization.from_config(json.loads(json.dumps(saved)))
        assert isinstance(again.layer, Embedding) and again.power_iterations == 2 and again.get_config() == config


def test_keras_reads_the_config_of_a_wrapped_embedding(keras_float64):
    keras, _ = keras_float64
    config = SpectralNormalization(Embedding(6, 4, name="e"), power_iterations=2).get_config()
    for theirs in (keras.layers.SpectralNormalization.from_config(json.loads(json.dumps(config))),
                   keras.saving.deserialize_keras_object({"module": "keras.layers", "class_name": "SpectralNormalization",
                                                          "config": json.loads(json.dumps(config))})):
        assert isinstance(theirs.layer, keras.layers.Embedding) and theirs.power_iterations == 2
        assert (theirs.layer.name, theirs.layer.input_dim, theirs.layer.output_dim) == ("e", 6, 4)


def test_clone_model_gets_a_dense_of_its_own(rng):
    model = _model()
    clone = glassnet.models.clone_model(model)
    clone.build()
    assert clone.layers[0].layer is not model.layers[0].layer
    assert not np.shares_memory(clone.layers[0].params["W"], model.layers[0].params["W"])


def test_keras_files_both_ways(keras_float64, tmp_path, rng):
    keras, _ = keras_float64
    x = rng.normal(size=(9, 3))
    theirs = keras.Sequential([keras.Input((3,), dtype="float64"), keras.layers.SpectralNormalization(
        keras.layers.Dense(4, "relu", dtype="float64"), power_iterations=2, dtype="float64"),
        keras.layers.Dense(2, dtype="float64")])
    theirs.layers[0](x, training=True)  # u and the kernel away from their first values
    theirs.save(tmp_path / "theirs.keras")
    _keras_file_round_trip(keras, theirs, x, tmp_path)


def test_keras_files_of_a_wrapped_embedding_both_ways(keras_float64, tmp_path, rng):
    keras, _ = keras_float64
    x = _x("embedding", rng, 9)
    theirs = keras.Sequential([keras.Input((3,), dtype="float64"), keras.layers.SpectralNormalization(
        keras.layers.Embedding(6, 4, dtype="float64"), power_iterations=2, dtype="float64"),
        keras.layers.Flatten(dtype="float64"), keras.layers.Dense(2, dtype="float64")])
    theirs.layers[0](x, training=True)
    theirs.save(tmp_path / "theirs.keras")
    assert isinstance(_keras_file_round_trip(keras, theirs, x, tmp_path).layers[0].layer, Embedding)


def _keras_file_round_trip(keras, theirs, x, tmp_path):
    """Keras's saved model read by glassnet, trained a step, written and read back by Keras."""
    ours = load_model(tmp_path / "theirs.keras")
    layer = ours.layers[0]
    assert isinstance(layer, SpectralNormalization) and layer.power_iterations == 2
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours.predict(x), np.asarray(theirs(x)), rtol=0, atol=1e-12)

    layer(x, training=True)
    ours.export(tmp_path / "ours.keras", format="keras")
    again = keras.saving.load_model(tmp_path / "ours.keras")
    assert again.layers[0].get_config()["power_iterations"] == 2
    for a, b in zip(again.get_weights(), ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.asarray(again(x)), ours.predict(x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(again.layers[0](x, training=True)), layer(x, training=True),
                               rtol=0, atol=1e-12)
    return ours


def test_a_keras_file_s_wrapped_leaky_relu_keeps_keras_s_slope(keras_float64, tmp_path, rng):
    keras, _ = keras_float64
    x = rng.normal(size=(9, 3))
    theirs = keras.Sequential([keras.Input((3,), dtype="float64"), keras.layers.SpectralNormalization(
        keras.layers.Dense(4, "leaky_relu", dtype="float64"), dtype="float64")])
    theirs.save(tmp_path / "theirs.keras")
    ours = load_model(tmp_path / "theirs.keras")
    assert ours.layers[0].layer.activation.negative_slope == 0.2  # Keras's leaky_relu, not glassnet's 0.01
    np.testing.assert_allclose(ours.predict(x), np.asarray(theirs(x)), rtol=0, atol=1e-12)


def test_keras_weights_file_layout(tmp_path):
    h5py = pytest.importorskip("h5py")
    import io
    import zipfile

    for kind, inner in (("dense", "Dense"), ("embedding", "Embedding")):  # W, u; W again under layer/vars
        model = _model(use_bias=False, kind=kind)
        model.export(tmp_path / "m.keras", format="keras")
        with zipfile.ZipFile(tmp_path / "m.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
            W, u = model.layers[0].get_weights()
            np.testing.assert_array_equal(h5["layers/spectral_normalization/vars/0"][()], W)
            np.testing.assert_array_equal(h5["layers/spectral_normalization/vars/1"][()], u)
            np.testing.assert_array_equal(h5["layers/spectral_normalization/layer/vars/0"][()], W)
            assert list(h5["layers/spectral_normalization/layer/vars"]) == ["0"]
            config = json.loads(zf.read("config.json"))["config"]["layers"][1]
        assert config["class_name"] == "SpectralNormalization"
        assert config["config"]["layer"]["class_name"] == inner and config["config"]["layer"]["config"][
            "units" if kind == "dense" else "output_dim"] == 4


@pytest.mark.parametrize("kind", KINDS)
def test_onnx_uses_the_normalized_kernel(tmp_path, rng, kind):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    for dtype, atol in (("float64", 1e-12), ("float32", 1e-5)):
        model = _model(dtype=dtype, kind=kind)
        _set_random_weights(model, rng)
        model.compile(optimizer="sgd", loss="mse")
        x = _x(kind, rng, 11).astype(dtype)
        model.fit(x, rng.normal(size=(11, 2)), epochs=1, verbose=0)
        export(model, tmp_path / "m.onnx")
        out = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x})[0]
        np.testing.assert_allclose(out, model.predict(x), rtol=0, atol=atol)
        assert np.any(model.get_weights()[0] != _model(dtype=dtype, kind=kind).get_weights()[0])


@pytest.mark.parametrize("kind", KINDS)
def test_trace_shows_the_normalized_kernel_and_changes_nothing(rng, kind):
    kernel = "W" if kind == "dense" else "embeddings"
    model = _model(power_iterations=30, kind=kind, **{"kernel_regularizer" if kind == "dense" else
                                                      "embeddings_regularizer": "l2"})
    _set_random_weights(model, rng)
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    x, y = _x(kind, rng, 5), rng.normal(size=(5, 2))
    rows = [row for row in trace(model, x, y).layers if row.params]
    W = rows[0].params[kernel]
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False)[0], 1.0, rtol=0, atol=1e-10)
    # the wrapped layer's penalty is shown (the trace looked for it on the wrapper, and left it out)
    assert list(rows[0].regularizers) == [kernel]
    np.testing.assert_allclose(rows[0].penalty_grads[kernel], 2 * 0.01 * W, rtol=0, atol=1e-15)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    if kind == "embedding":  # the Embedding's rule and row, as for a plain one
        assert rows[0].in_red_path and rows[0].delta_rule.startswith("∂J/∂E^(1)[i] = Σ ∂J/∂a^(2)[s]")


@pytest.mark.parametrize("kind", KINDS)
def test_frozen_wrapper_freezes_its_layer(rng, kind):
    model = _model(kind=kind)
    _set_random_weights(model, rng)
    model.layers[0].trainable = False
    assert model.layers[0].layer.trainable is False and model.layers[0].trainable_weights == []
    model.compile(optimizer="sgd", loss="mse")
    before = model.layers[0].get_weights()
    model.fit(_x(kind, rng, 8), rng.normal(size=(8, 2)), epochs=1, verbose=0)
    for a, b in zip(model.layers[0].get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"power_iterations": 0}, ValueError, "power_iterations must be a positive integer. Received: power_iterations=0"),
    ({"power_iterations": -2}, ValueError, "power_iterations"),
    ({"power_iterations": 1.5}, TypeError, "power_iterations must be a positive integer"),
    ({"power_iterations": "2"}, TypeError, "power_iterations"),
    ({"power_iterations": True}, TypeError, "power_iterations"),
    ({"layer": ReLU()}, TypeError, "SpectralNormalization wraps a Dense or an Embedding layer.*Received: layer="),
    ({"layer": "dense"}, TypeError, "layer="),
    ({"layer": {"class_name": "Conv2D", "config": {}}}, ValueError, "Conv2D"),
    ({"power_iterations": 1, "bogus": 1}, TypeError, "unexpected keyword argument 'bogus'"),
])
def test_bad_arguments(kwargs, error, match):
    kwargs = {"layer": Dense(3), **kwargs}
    with pytest.raises(error, match=match):
        SpectralNormalization(**kwargs)


def test_a_wrapped_embedding_after_a_layer_with_weights_is_refused_at_build():
    # its input is ids, which have no gradient: as a plain Embedding
    with pytest.raises(ValueError, match=r"'spectral_normalization' \(SpectralNormalization\) passes no gradient to "
                                         r"its input.*after Layer 'dense' \(Dense\)"):
        Sequential([Input((3,)), Dense(3), SpectralNormalization(Embedding(5, 2))]).build()


def test_the_wrapped_dense_s_regularizer_is_in_the_loss_as_a_plain_dense_s():
    # the model asked each layer for a kernel_regularizer attribute: the wrapper has none, so its Dense's
    # penalty was in the gradient but not in the loss that fit and evaluate report
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    dense = lambda: Dense(4, kernel_regularizer=glassnet.regularizers.L2(0.5), bias_regularizer="l1")  # noqa: E731
    wrapped = Sequential([Input((3,)), SpectralNormalization(dense()), Dense(1)], dtype="float64", seed=0)
    plain = Sequential([Input((3,)), dense(), Dense(1)], dtype="float64", seed=1)
    for model in (wrapped, plain):
        model.compile(optimizer="sgd", loss="mse")
    plain.set_weights([w for w in wrapped.get_weights() if w.shape != (1, 4)])  # (all but u)
    assert wrapped.regularization_penalty() > 0.1
    assert wrapped.evaluate(X, Y, verbose=0) == pytest.approx(plain.evaluate(X, Y, verbose=0), rel=1e-12)
    assert wrapped.evaluate(X, Y, verbose=0) == pytest.approx(
        np.mean((wrapped.predict(X, verbose=0) - Y) ** 2) + wrapped.regularization_penalty(), rel=1e-12)


def test_a_model_ending_in_a_wrapped_embedding_trains(rng):
    # the training step asked the wrapper for its layer's activation, which an Embedding lacks: fit stopped
    # on an AttributeError ('Embedding' object has no attribute 'activation'). Reference: mse's gradient by hand,
    # ∂J/∂E[i] = Σ over the positions holding id i of 2(e_i − y)/(n·T·D), at the table the step normalized
    model = Sequential([Input((2,)), SpectralNormalization(Embedding(5, 3))], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    X, y = np.array([[0.0, 3.0], [3.0, 1.0]]), rng.normal(size=(2, 2, 3))
    analytic = model.gradients(X, y)[0]  # (on a copy)
    model.layers[0](X, training=True)  # the table normalized, as the step normalizes it
    E = model.layers[0].layer.params["embeddings"]
    expected = np.zeros_like(E)
    for i, j in np.ndindex(X.shape):
        expected[int(X[i, j])] += 2 * (E[int(X[i, j])] - y[i, j]) / y.size
    np.testing.assert_allclose(analytic, expected, rtol=1e-12, atol=1e-15)
    history = model.fit(X, y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
