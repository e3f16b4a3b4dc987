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


def test_the_mixed_policies_compute_in_float32_with_one_warning(monkeypatch):
    monkeypatch.setattr(glassnet.backend, "_MIXED_SAID", set())  # (said once a process)
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


@pytest.mark.parametrize("bad, error", [(3, TypeError), (None, TypeError), (b"float32", TypeError),
                                        ("int32", ValueError), ("float8", ValueError), ("mixed_float32", ValueError)])
def test_set_global_policy_refuses_what_is_no_float_policy(bad, error):
    with pytest.raises(error, match="policy|name"):
        mixed_precision.set_global_policy(bad)
    assert mixed_precision.global_policy().name == "float32"  # unchanged


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
