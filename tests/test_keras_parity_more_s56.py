"""Keras attributes glassnet lacked (session 56): ``loss.dtype``, Keras's ``floatx()``, checked against Keras 3.15
(JAX)."""

import warnings

import numpy as np
import pytest

from glassnet import config, losses, mixed_precision

LOSSES = ["MeanSquaredError", "MeanAbsoluteError", "Huber", "BinaryCrossentropy", "CategoricalCrossentropy",
          "SparseCategoricalCrossentropy", "KLDivergence", "CosineSimilarity", "Poisson", "Hinge"]


@pytest.fixture
def keras(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    yield keras
    keras.config.set_dtype_policy(policy)
    keras.config.set_floatx(floatx)


@pytest.mark.parametrize("floatx", ["float32", "float64", "float16"])
def test_a_loss_has_keras_s_dtype_floatx(keras, floatx):
    # glassnet's losses had no dtype attribute (AttributeError); Keras's is floatx(), a str
    keras.config.set_floatx(floatx)
    config.set_floatx(floatx)
    for name in LOSSES:
        theirs, ours = getattr(keras.losses, name)().dtype, getattr(losses, name)().dtype
        assert (ours, type(ours)) == (theirs, str) == (floatx, str), name


def test_a_loss_s_dtype_under_a_mixed_policy_is_floatx(keras):
    # Keras's loss computes a mixed_float16 model's loss in float32 (its dtype); glassnet's float16 outputs alike
    keras.config.set_dtype_policy("mixed_float16")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (glassnet's "'mixed_float16' is read as float32")
        mixed_precision.set_global_policy("mixed_float16")
    assert losses.MeanSquaredError().dtype == keras.losses.MeanSquaredError().dtype == "float32"
    y, a = np.zeros((2, 3), "float16"), np.full((2, 3), 300, "float16")  # 300² = 9e4 is past float16's 65504
    assert float(losses.MeanSquaredError()(y, a)) == float(keras.losses.MeanSquaredError()(y, a)) == 90000.0


def test_a_loss_s_dtype_is_read_only_and_a_keras_style_subclass_has_it(keras):
    class Squared(losses.Loss):  # written for Keras: call gives the per-sample losses
        def call(self, y_true, y_pred):
            return np.mean((y_pred - y_true) ** 2, axis=-1)

    class KerasSquared(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.mean((y_pred - y_true) ** 2, axis=-1)

    assert Squared().dtype == KerasSquared().dtype == "float32"
    for loss in (Squared(), losses.Huber(), KerasSquared()):  # a property without a setter, as Keras's
        with pytest.raises(AttributeError, match="has no setter"):
            loss.dtype = "float64"
    assert "dtype" not in losses.Huber().get_config()  # not saved: files stay as they were
