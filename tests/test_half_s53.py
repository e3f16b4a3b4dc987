"""float16 and mixed precision against Keras 3.15 (session 53's findings): float16 batch sums of the layers'
gradients accumulated in float32, the selects of ReLU's and Dropout's backward, the global float16 policy with a
float32 output layer, the mixed policies in ``.keras`` files, ``dtype_policies.serialize``/``deserialize`` and
the estimators' refusal of the mixed policies."""

import json
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import activations, dtype_policies, mixed_precision, optimizers
from glassnet import layers as L
from glassnet.models import Model, Sequential, load_model
from test_keras_compat import real_keras  # noqa: F401  (the fixture: Keras on JAX, or a skip)

# -- 1. float16 sums over the batch, in float32 ------------------------------------------------------------------


def _beta_model(layer, dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4096, 4)).astype("float32")
    y = np.full((4096, 1), -1000.0, "float32")
    model = Sequential([L.Input((4,)), layer, L.Dense(1)], dtype=dtype)
    weights = {"BatchNormalization": [np.ones(4), np.zeros(4), np.zeros(4), np.ones(4)],
               "LayerNormalization": [np.ones(4), np.zeros(4)],
               "GroupNormalization": [np.ones(4), np.zeros(4)]}[type(layer).__name__]
    model.set_weights([w.astype(dtype) for w in [*weights, np.full((4, 1), 0.25), np.zeros(1)]])
    model.compile(loss="mse", optimizer="sgd")
    return model.gradients(X, y)


@pytest.mark.parametrize("make", [L.LayerNormalization, L.BatchNormalization, lambda: L.GroupNormalization(groups=2)])
def test_a_float16_beta_gradient_is_summed_in_float32_as_keras(make):
    # the report's reproducer: each of 4096 rows adds 2·(0 − (−1000))·0.25/4096·... = 500 in all; float16 row
    # by row stalled at 256 (Keras 3.15's float16 jax.grad gives 500)
    beta = 1
    half, exact = _beta_model(make(), "float16")[beta], _beta_model(make(), "float64")[beta]
    assert half.dtype == np.float16
    np.testing.assert_allclose(exact, 500.0, rtol=1e-6)
    np.testing.assert_allclose(half.astype(np.float64), exact, rtol=1e-3)


def _layer_gradient(make, dtype, X, dY):
    layer = make(dtype=dtype)
    layer.build(X.shape[1:])
    layer.forward(X.astype(dtype), training=True)
    layer.backward(dY.astype(dtype))
    return {key: grad.copy() for key, grad in layer.grads.items()}


@pytest.mark.parametrize("make, key, shift", [(L.PReLU, "alpha", -3.0), (L.RMSNormalization, "scale", 3.0)])
def test_float16_prelu_alpha_and_rmsnorm_scale_gradients_are_summed_in_float32(make, key, shift):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4096, 3)) + shift  # PReLU: mostly negative, so dY·min(x, 0) adds up
    dY = np.abs(rng.normal(size=(4096, 3))) + 0.5
    half = _layer_gradient(make, "float16", X, dY)[key]
    exact = _layer_gradient(make, "float64", X.astype(np.float16).astype(np.float64),
                            dY.astype(np.float16).astype(np.float64))[key]
    assert half.dtype == np.float16
    # a float16 sum row by row was off by 2.6 % (α, Keras: none) and 1.3 % (scale)
    np.testing.assert_allclose(half.astype(np.float64).ravel(), exact.ravel(), rtol=2e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float32_and_float64_sums_are_the_same_bits_as_before(dtype):
    rng = np.random.default_rng(2)
    X, dY = rng.normal(size=(257, 5)).astype(dtype), rng.normal(size=(257, 5)).astype(dtype)
    layer = L.LayerNormalization(dtype=dtype)
    layer.build((5,))
    layer.forward(X, training=True)
    layer.backward(dY)
    assert np.array_equal(layer.grads["beta"], np.sum(dY, axis=0))
    prelu = L.PReLU(dtype=dtype)
    prelu.build((5,))
    prelu.forward(X, training=True)
    prelu.backward(dY)
    assert np.array_equal(prelu.grads["alpha"], np.sum(dY * np.minimum(X, 0), axis=0))
    rms = L.RMSNormalization(dtype=dtype)
    rms.build((5,))
    rms.forward(X, training=True)
    rms.backward(dY)
    assert np.array_equal(rms.grads["scale"], np.sum(dY * rms.X_hat, axis=0))


# -- 2. selects: an inf gradient where the function is flat gives 0 in float16 ---------------------------------


def test_a_float16_loss_scaled_step_through_a_dead_relu_is_taken_as_keras():
    # the report's reproducer: unit 2 of the ReLU is dead, its BatchNormalization's 1/σ ≈ 31.6 makes the scaled
    # input gradient inf there (Keras's too), and inf · 0 = NaN made glassnet skip the step and halve the scale
    X = np.array([[1., 2.], [2., 1.], [3., 3.], [0.5, 1.]], "float32")
    Y = np.array([[8.], [-8.], [6.], [-6.]], "float32")
    W = [np.array([[1., -1.], [1., -1.]]), np.array([0., -10.]), np.ones(2), np.zeros(2), np.zeros(2), np.ones(2),
         np.array([[0.001], [1.]]), np.zeros(1)]
    model = Sequential([L.Input((2,)), L.Dense(2, activation="relu"), L.BatchNormalization(), L.Dense(1)],
                       dtype="float16")
    model.set_weights([w.astype("float16") for w in W])
    optimizer = optimizers.LossScaleOptimizer(optimizers.SGD(0.01), initial_scale=1024.0)
    model.compile(loss="mse", optimizer=optimizer)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # (inf · 0 said "invalid value encountered in multiply")
        model.train_on_batch(X, Y)
    assert float(optimizer.dynamic_scale) == 1024.0 and int(optimizer.iterations) == 1
    # Keras 3.15's weights after the step (k2.py, JAX, set_floatx("float16")), bit for bit
    keras_weights = [[[1., -1.], [1., -1.]], [0., -10.], [1., 1.], [0., 0.], [0.03375, 0.], [1.017, 0.99],
                     [[0.08356], [1.]], [0.]]
    for got, want in zip(model.get_weights(), keras_weights):
        assert np.array_equal(got, np.asarray(want, np.float16))


_SELECTING = [activations.ReLU(), activations.ReLU6(), activations.Ramp(), activations.get("hard_tanh"),
              activations.get("hard_sigmoid"), activations.get("sparse_sigmoid"), activations.get("hard_shrink"),
              activations.get("soft_shrink"), activations.Threshold(0.0, -1.0)]


@pytest.mark.parametrize("g", _SELECTING, ids=lambda g: type(g).__name__)
def test_float16_flat_activations_drop_an_inf_gradient_as_keras_select(g):
    Z = np.array([[-8.0, -2.0, 0.5], [9.0, -0.25, 3.0]], np.float16)
    A = g.forward(Z.copy())
    dA = np.full(Z.shape, np.inf, np.float16)
    derivative = g.derivative(Z, A)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        dZ = g.backward(Z, A, dA, out=np.empty_like(dA))
    assert dZ.dtype == np.float16 and not np.isnan(dZ).any()
    assert np.array_equal(dZ == 0, derivative == 0) and (dZ[derivative != 0] == np.inf).all()
    finite = np.linspace(-1, 1, 6, dtype=np.float16).reshape(Z.shape)
    assert np.array_equal(g.backward(Z, A, finite), finite * derivative)  # finite gradients: the product's values


@pytest.mark.parametrize("g", _SELECTING, ids=lambda g: type(g).__name__)
def test_float32_flat_activations_keep_the_product(g):
    # float32 and float64 keep their bits: an inf there is a diverged run (fit undoes it and says so)
    Z = np.array([[-8.0, -2.0, 0.5], [9.0, -0.25, 3.0]], np.float32)
    A = g.forward(Z.copy())
    dA = np.array([[np.inf, 1.5, -2.0], [0.75, np.inf, 3.0]], np.float32)
    with np.errstate(invalid="ignore"):
        want = dA * (A > 0) if type(g) is activations.ReLU else dA * g.derivative(Z, A)
        got = g.backward(Z, A, dA)
    assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize("noise_shape", [None, (None, 1)])
def test_float16_dropout_drops_an_inf_gradient_where_it_dropped_the_input(noise_shape):
    layer = L.Dropout(0.5, noise_shape=noise_shape, seed=3, dtype="float16")
    layer.build((6,))
    layer.forward(np.ones((5, 6), np.float16), training=True)
    mask = np.broadcast_to(layer.mask, (5, 6))
    assert (mask == 0).any() and (mask != 0).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        dX = layer.backward(np.full((5, 6), np.inf, np.float16))
    assert np.array_equal(dX == 0, mask == 0) and (dX[mask != 0] == np.inf).all()  # Keras's jax.vjp: 0 there
    dY = np.random.default_rng(4).normal(size=(5, 6)).astype(np.float16)
    assert np.array_equal(layer.backward(dY), dY * layer.mask)


def test_float32_dropout_backward_keeps_the_product():
    layer = L.Dropout(0.5, seed=3, dtype="float32")
    layer.build((6,))
    layer.forward(np.ones((5, 6), np.float32), training=True)
    dY = np.random.default_rng(4).normal(size=(5, 6)).astype(np.float32)
    dY[0, :] = np.inf
    with np.errstate(invalid="ignore"):
        assert np.array_equal(layer.backward(dY), dY * layer.mask, equal_nan=True)


# -- 3. a float32 output layer under a global float16 policy ---------------------------------------------------


def _float16_with_float32_output():
    return Sequential([L.Input((8,)), L.Dense(4), L.Activation("softmax", dtype="float32")])


@pytest.mark.parametrize("set_global", [glassnet.config.set_floatx, mixed_precision.set_global_policy])
def test_a_float32_output_layer_among_float16_layers_is_refused_as_with_the_model_s_dtype(set_global):
    with pytest.raises(ValueError, match="model computes in 'float16'"):
        Sequential([L.Input((8,)), L.Dense(4), L.Activation("softmax", dtype="float32")], dtype="float16")
    set_global("float16")
    with pytest.raises(ValueError, match=r"Layer Activation \(the model's layer 2\) has dtype 'float32' but Layer "
                                         r"Dense \(the model's layer 1\) was made under the global dtype policy "
                                         r"'float16'.*Leave out the dtype='float32'"):
        _float16_with_float32_output()  # it was a float32 model, without a word
    i = L.Input((8,))
    o = L.Activation("softmax", dtype="float32")(L.Dense(4)(i))
    with pytest.raises(ValueError, match="global dtype policy 'float16'"):
        Model(i, o)
    model = Sequential([L.Input((8,)), L.Activation("relu", dtype="float32")])
    with pytest.raises(ValueError, match="global dtype policy 'float16'"):
        model.add(L.Dense(3))  # the Activation named the model's float32
    # a model given float32 gives it to the layers given none (documented), and float16 alone stays float16
    assert Sequential([L.Input((8,)), L.Dense(4)], dtype="float32").layers[0].dtype == "float32"
    model = Sequential([L.Input((8,))], dtype="float32")
    model.add(L.Dense(3))
    assert model.dtype == "float32"
    assert Sequential([L.Input((8,)), L.Dense(4), L.Activation("softmax")]).dtype == "float16"
    # the model's own dtype= is the user's choice for all of them, a layer naming the same dtype beside them too
    model = Sequential([L.Input((8,)), L.Dense(4), L.Activation("softmax", dtype="float32")], dtype="float32")
    assert model.dtype == "float32" and [layer.dtype for layer in model.layers] == ["float32", "float32"]
    model = Sequential([L.Input((8,)), L.Activation("relu", dtype="float32")], dtype="float32")
    model.add(L.Dense(3))
    assert model.dtype == "float32" and model.predict(np.ones((2, 8)), verbose=0).dtype == np.float32


def test_layers_made_under_float32_still_follow_a_layer_s_dtype():
    model = Sequential([L.Input((8,)), L.Dense(3, dtype="float64"), L.Dense(2)])
    assert model.dtype == "float64" and [layer.dtype for layer in model.layers] == ["float64", "float64"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (the mixed policy's, read as float32)
        mixed_precision.set_global_policy("mixed_float16")
        model = _float16_with_float32_output()  # Keras's mixed idiom: float32 here, each layer's policy kept
    assert model.dtype == "float32"
    assert [layer.dtype_policy.name for layer in model.layers] == ["mixed_float16", "float32"]


def test_a_float64_global_policy_refuses_a_float32_layer_too():
    glassnet.config.set_floatx("float64")
    with pytest.raises(ValueError, match="global dtype policy 'float64'"):
        Sequential([L.Input((8,)), L.Dense(4), L.Dense(2, dtype="float32")])


# -- 4. the mixed policies in .keras files -----------------------------------------------------------------------


def _mixed_model(policy="mixed_float16"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mixed_precision.set_global_policy(policy)
        model = Sequential([L.Input((8,)), L.Dense(16, activation="relu"), L.Dense(4),
                            L.Activation("softmax", dtype="float32")], seed=0)
        mixed_precision.set_global_policy("float32")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


def _keras_policies(path):
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    return [layer["config"]["dtype"] for layer in config["config"]["layers"][1:]]


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_export_to_keras_writes_the_layers_mixed_policies(tmp_path, policy):
    model = _mixed_model(policy)
    model.export(tmp_path / "mx.keras", format="keras")
    names = [policy, policy, "float32"]
    assert [entry["config"]["name"] for entry in _keras_policies(tmp_path / "mx.keras")] == names
    assert all(entry["class_name"] == "DTypePolicy" for entry in _keras_policies(tmp_path / "mx.keras"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded = load_model(tmp_path / "mx.keras")
    assert loaded.dtype == "float32" and [layer.dtype_policy.name for layer in loaded.layers] == names
    x = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_float16_and_a_float32_export_still_write_their_dtype(tmp_path):
    for dtype in ("float16", "float32", "float64"):
        Sequential([L.Input((3,)), L.Dense(2)], dtype=dtype).export(tmp_path / f"{dtype}.keras", format="keras")
        assert _keras_policies(tmp_path / f"{dtype}.keras") == [
            {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype}, "registered_name": None}]


def test_keras_loads_the_exported_mixed_policies(tmp_path, real_keras):  # noqa: F811  (the imported fixture)
    model = _mixed_model()
    model.export(tmp_path / "mx.keras", format="keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (Keras's: the unbuilt optimizer's 0 variables are skipped)
        theirs = real_keras.saving.load_model(tmp_path / "mx.keras")
    assert [layer.dtype_policy.name for layer in theirs.layers] == ["mixed_float16", "mixed_float16", "float32"]
    assert [layer.compute_dtype for layer in theirs.layers] == ["float16", "float16", "float32"]
    x = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)), model.predict(x, verbose=0), atol=2e-3)


# -- 5. dtype_policies.serialize and deserialize ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "mixed_float16", "mixed_bfloat16"])
def test_dtype_policies_serialize_writes_keras_s_dict_and_deserialize_reads_it(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        policy = dtype_policies.DTypePolicy(name)
    config = dtype_policies.serialize(policy)
    assert config == {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
                      "registered_name": None}
    assert dtype_policies.deserialize(config) == policy == dtype_policies.get(config)
    assert dtype_policies.deserialize({"class_name": "FloatDTypePolicy", "config": {"name": name}}) == policy
    assert dtype_policies.serialize(name) == name and dtype_policies.deserialize(name) == name  # as Keras's
    assert dtype_policies.serialize(None) is None and dtype_policies.deserialize(None) is None


def test_dtype_policies_deserialize_refuses_what_is_no_policy():
    with pytest.raises(ValueError, match="class_name one of"):
        dtype_policies.deserialize({"class_name": "QuantizedDTypePolicy", "config": {"name": "int8_from_float32"}})
    with pytest.raises(ValueError, match="not a dtype policy"):
        dtype_policies.deserialize({"class_name": "DTypePolicy", "config": {"name": "int9"}})
    with pytest.raises(TypeError, match="config must be a dict"):
        dtype_policies.deserialize(3)
    with pytest.raises(TypeError, match="dtype_policy must be a DTypePolicy"):
        dtype_policies.serialize(3)


def _coverage_paragraph():
    page = (Path(__file__).resolve().parents[1] / "docs" / "keras-coverage.md").read_text()
    found = re.search(r"`keras\.dtype_policies` .*?(?=\n\n|\n## |\Z)", page, re.S)[0]
    have, lack = found.split("glassnet has no quantization")
    return re.findall(r"`(\w+)`", have.split("(`serialize`")[0]), re.findall(r"`(\w+)`", lack)


def test_the_coverage_page_lists_keras_dtype_policies():
    have, lack = _coverage_paragraph()
    assert have == ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
    assert all(hasattr(dtype_policies, name) for name in have)
    assert lack and not any(hasattr(dtype_policies, name) for name in lack)


def test_the_coverage_page_s_dtype_policies_are_keras_s_and_serialize_equals_keras(real_keras):  # noqa: F811
    have, lack = _coverage_paragraph()
    theirs = {name for name in dir(real_keras.dtype_policies) if not name.startswith("_")}
    assert set(have) | set(lack) == theirs and f"of its {len(theirs)} names" in Path(
        __file__).resolve().parents[1].joinpath("docs", "keras-coverage.md").read_text()
    for name in ("float16", "float64", "mixed_float16"):
        keras_config = real_keras.dtype_policies.serialize(real_keras.dtype_policies.DTypePolicy(name))
        assert dtype_policies.serialize(dtype_policies.DTypePolicy(name)) == keras_config
        assert real_keras.dtype_policies.deserialize(dtype_policies.serialize(dtype_policies.DTypePolicy(name))).name \
            == name


# -- 6. the estimators' dtype ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["mixed_float16", "mixed_bfloat16"])
def test_the_estimators_refuse_a_mixed_policy_as_their_message_says(dtype):
    from sklearn.utils._param_validation import InvalidParameterError

    from glassnet.sklearn import MLPClassifier

    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # (no mixed-policy warning first)
        with pytest.raises(InvalidParameterError, match=r"dtype must be None, 'float32' or 'float64'"):
            MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, dtype=dtype).fit(X, y)
        with pytest.raises(InvalidParameterError, match=r"dtype must be None"):
            MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, dtype=dtype_policies.DTypePolicy(dtype)).fit(X, y)
