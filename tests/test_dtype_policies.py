"""Keras 3's dtype policies: ``glassnet.mixed_precision``, ``glassnet.DTypePolicy`` and the layers' and models'
``dtype_policy``, ``compute_dtype`` and ``variable_dtype``."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import dtype_policies, mixed_precision
from glassnet.layers import Dense, Input
from glassnet.models import Sequential, load_model


def _model(**kwargs):
    return Sequential([Input((3,)), Dense(4, activation="relu"), Dense(2)], seed=0, **kwargs)


def test_the_global_policy_is_floatx_until_one_is_set():
    assert mixed_precision.global_policy() == glassnet.DTypePolicy("float32")
    glassnet.config.set_floatx("float64")  # as Keras: no policy set, the global one is floatx()'s
    assert mixed_precision.global_policy().name == "float64"
    assert glassnet.config.dtype_policy() == mixed_precision.global_policy()


def test_a_global_policy_sets_the_dtype_of_models_and_layers_given_none():
    mixed_precision.set_global_policy("float64")
    model = _model()
    assert model.dtype == "float64" and [w.dtype for w in model.get_weights()] == [np.float64] * 4
    assert model.predict(np.ones((2, 3), np.float32), verbose=0).dtype == np.float64
    assert model.dtype_policy == glassnet.DTypePolicy("float64") and model.layers[0].compute_dtype == "float64"
    assert glassnet.config.floatx() == "float32"  # as Keras: the policy is not floatx
    assert _model(dtype="float32").dtype == "float32"  # a dtype given wins
    assert Sequential([Input((3,)), Dense(2, dtype="float16")]).dtype == "float16"
    mixed_precision.set_global_policy(glassnet.DTypePolicy("float32"))
    assert _model().dtype == "float32"


def test_a_model_file_keeps_its_dtype_under_another_global_policy(tmp_path):
    model = _model()
    model.save(tmp_path / "m.gn")
    mixed_precision.set_global_policy("float64")
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.dtype == "float32" and loaded.get_weights()[0].dtype == np.float32
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3)), verbose=0), model.predict(np.ones((2, 3)), verbose=0))


def test_the_mixed_policies_compute_in_float32_with_one_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mixed_precision.set_global_policy("mixed_bfloat16")
        model = _model()
    assert model.dtype == "float32"
    assert len(caught) == 1 and "'mixed_bfloat16'" in str(caught[0].message) and "read as float32" in str(
        caught[0].message)
    assert caught[0].filename == __file__  # said at the user's line
    policy = mixed_precision.global_policy()
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == ("mixed_bfloat16", "float32", "float32")


# (Keras 3.15 refuses all of them with a ValueError: "Invalid `policy` argument" for 3, None and b"float32")
@pytest.mark.parametrize("bad, match", [(3, "Invalid policy argument.*Received: policy=3 of type int"),
                                        (None, "Invalid policy argument.*Received: policy=None of type NoneType"),
                                        (b"float32", "Invalid policy argument.*Received: policy=b'float32'"),
                                        ("int32", "policy"), ("float8", "policy"), ("mixed_float32", "policy")])
def test_set_global_policy_refuses_what_is_no_float_policy(bad, match):
    with pytest.raises(ValueError, match=match):
        mixed_precision.set_global_policy(bad)
    assert mixed_precision.global_policy().name == "float32"  # unchanged


@pytest.mark.parametrize("bad", ["mixed_float16", "mixed_bfloat16", "bfloat16", "int32", "float8", None, 3])
def test_set_floatx_refuses_what_is_no_float_dtype_as_keras(bad):
    # Keras 3.15: ValueError "Unknown `floatx` value: mixed_float16. Expected one of {'float16', ...}" (glassnet
    # took the mixed policies, as float32, with the layers' warning)
    with pytest.raises(ValueError, match='Unknown floatx value .*"float16", "float32" or "float64"'):
        glassnet.config.set_floatx(bad)
    assert glassnet.config.floatx() == "float32"


@pytest.mark.parametrize("policy", [glassnet.DTypePolicy("float64"), {"class_name": "DTypePolicy",
                                                                      "config": {"name": "float64"}}])
def test_set_floatx_refuses_a_policy_as_keras(policy):
    # Keras 3.15: a TypeError (glassnet set floatx to the policy's dtype)
    with pytest.raises(TypeError, match="set_floatx needs a dtype name.*not a dtype policy.*set_global_policy"):
        glassnet.config.set_floatx(policy)
    assert glassnet.config.floatx() == "float32"


def test_the_policy_object_as_keras_has_it():
    policy = glassnet.DTypePolicy("float16")
    assert repr(policy) == '<DTypePolicy "float16">' and policy.get_config() == {"name": "float16"}
    assert glassnet.DTypePolicy.from_config(policy.get_config()) == policy
    assert hash(policy) == hash(glassnet.DTypePolicy("float16"))
    assert policy != glassnet.DTypePolicy("float32") and policy != "float16"
    assert glassnet.DTypePolicy().name == "float32" and mixed_precision.Policy is glassnet.DTypePolicy
    assert dtype_policies.get({"class_name": "DTypePolicy", "config": {"name": "float64"}}).name == "float64"
    assert dtype_policies.get("mixed_float16").variable_dtype == "float32" and dtype_policies.get(policy) is policy
    with pytest.raises(TypeError, match="dtype policy"):
        dtype_policies.get(3.0)
    assert mixed_precision.LossScaleOptimizer is glassnet.optimizers.LossScaleOptimizer
    # a layer takes a policy as its dtype, and an unbuilt layer reports the one it will take
    assert Sequential([Input((3,)), Dense(2, dtype=glassnet.DTypePolicy("float64"))]).dtype == "float64"
    mixed_precision.set_global_policy("float16")
    assert Dense(2).dtype_policy.name == "float16" and Dense(2, dtype="float64").variable_dtype == "float64"


def test_a_layers_policy_is_fixed_when_it_is_made_as_kerass():
    # Keras 3.15 fixes a layer's policy when it is made: layer.build under another global policy, or after it
    # changed, keeps it; glassnet's build read the global policy at the build and left dtype None, so the
    # layer's dtype_policy followed the global one away from its kernel's, and get_config lost float64
    x = np.ones((1, 3), np.float32)
    mixed_precision.set_global_policy("float64")
    built, called, unbuilt, dropout = Dense(2), Dense(2), Dense(2), glassnet.layers.Dropout(0.1)
    built.build((None, 3))
    mixed_precision.set_global_policy("float32")
    assert called(x).dtype == np.float64 and called.kernel.dtype == np.float64
    for layer in (built, called, unbuilt):  # Keras: dtype_policy float64, config's dtype float64
        assert (layer.dtype_policy.name, layer.compute_dtype, layer.variable_dtype) == ("float64",) * 3
        again = Dense.from_config(layer.get_config())
        again.build((None, 3))
        assert again.dtype_policy.name == "float64" and again.kernel.dtype == np.float64
    assert built.kernel.dtype == np.float64 and built(x).dtype == np.float64
    assert dropout(x).dtype == np.float64 and dropout.dtype_policy.name == "float64"
    dropout.build((None, 3))
    # a layer without weights still joins a model of any dtype: it sets none (its dtype is its policy's, as Keras's)
    assert dropout._own_dtype is None and dropout.dtype == "float64"
    made_float32 = Dense(2)
    mixed_precision.set_global_policy("float64")
    made_float32.build((None, 3))  # Keras: a float32 kernel, policy float32
    assert made_float32.kernel.dtype == np.float32 and made_float32.dtype_policy.name == "float32"
    assert Dense(2)(x).dtype == np.float64
    mixed_precision.set_global_policy("float64")
    normalization = glassnet.layers.Normalization()  # made under float64, adapted under float32: float64 in Keras
    mixed_precision.set_global_policy("float32")
    normalization.adapt(np.arange(10.0).reshape(5, 2))
    assert normalization.mean.dtype == np.float64 and normalization.dtype_policy.name == "float64"


def test_a_model_still_gives_its_dtype_to_the_layers_given_none():
    # (docs/api.md: a glassnet model computes in one dtype; its layers given none take it)
    layer, dropout = Dense(2), glassnet.layers.Dropout(0.1)  # made under float32
    model = Sequential([Input((3,)), dropout, layer], dtype="float64")
    model.build()
    assert layer.kernel.dtype == np.float64 and layer.dtype_policy.name == "float64"
    assert Sequential.from_config(model.get_config()).get_weights()[0].dtype == np.float64
    mixed_precision.set_global_policy("float64")
    made_float64 = Dense(2)
    mixed_precision.set_global_policy("float32")
    model = _model()
    model.add(made_float64)  # the float32 model's: its config keeps no float64
    assert made_float64.dtype_policy.name == "float32" and "dtype" not in made_float64.get_config()
    assert Sequential.from_config(model.get_config()).get_weights()[-1].dtype == np.float32


def test_a_layers_mixed_policy_keeps_its_name_as_kerass():
    # Keras 3.15: Dense(2, dtype="mixed_float16").dtype_policy is <DTypePolicy "mixed_float16">, and so is that
    # of a Dense made under set_global_policy("mixed_float16"), and get_config keeps it. glassnet computes in
    # float32 (its compute_dtype; Keras's is float16) and says so once
    with pytest.warns(UserWarning, match="'mixed_float16' .* is read as float32"):
        layer = Dense(2, dtype="mixed_float16")
    assert (repr(layer.dtype_policy), layer.compute_dtype, layer.variable_dtype) == (
        '<DTypePolicy "mixed_float16">', "float32", "float32")
    assert layer.get_config()["dtype"] == "mixed_float16"
    assert Dense.from_config(layer.get_config()).dtype_policy.name == "mixed_float16"
    model = Sequential([Input((3,)), layer])
    assert model.predict(np.ones((1, 3)), verbose=0).dtype == np.float32 and layer.dtype_policy.name == "mixed_float16"
    mixed_precision.set_global_policy("mixed_float16")
    assert Dense(2).dtype_policy == mixed_precision.global_policy() == glassnet.DTypePolicy("mixed_float16")
    assert Dense(2, dtype="float64").dtype_policy.name == "float64"
    # a model made under it too (Keras 3.15: <DTypePolicy "mixed_float16">; it read "float32")
    model = Sequential([Input((3,)), Dense(2)])
    assert model.dtype_policy.name == "mixed_float16" and model.compute_dtype == "float32"
    assert Sequential([Input((3,)), Dense(2)], dtype="float64").dtype_policy.name == "float64"


def test_a_keras_policy_object_is_read_by_its_name():
    class KerasLikePolicy:  # keras.DTypePolicy's interface, without importing keras
        name = "float64"

    mixed_precision.set_global_policy(KerasLikePolicy())
    assert _model().dtype == "float64"


def test_keras_spellings_match_keras():
    keras = pytest.importorskip("keras")
    public = {name for name in dir(keras.mixed_precision) if not name.startswith("_")}
    assert public <= set(mixed_precision.__all__)
    for name in ("float16", "float32", "float64", "mixed_float16", "mixed_bfloat16"):
        ours, theirs = glassnet.DTypePolicy(name), keras.DTypePolicy(name)
        assert (repr(ours), ours.name, ours.get_config()) == (repr(theirs), theirs.name, theirs.get_config())
        assert ours.variable_dtype == theirs.variable_dtype  # (compute_dtype: float32 here, Keras's float16)
    assert glassnet.DTypePolicy(keras.DTypePolicy("float64").name) == glassnet.DTypePolicy("float64")
    mixed_precision.set_global_policy(keras.DTypePolicy("float64"))  # Keras's object, by its name
    assert _model().dtype == "float64"
