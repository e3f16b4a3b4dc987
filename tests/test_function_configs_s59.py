"""Function initializers and constraints in a layer's config, and the warning of a left-out one (session 59)."""

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet import constraints, initializers, layers, regularizers
from glassnet.models import Sequential, clone_model, load_model


@gn.saving.register_keras_serializable(package="s59init")
def twentieth(shape, dtype=None):
    return np.full(shape, 0.05, dtype=dtype or "float32")


@gn.saving.register_keras_serializable(package="s59init")
def clip_tenth(w):
    return np.clip(w, -0.1, 0.1)


def _model(**dense):
    return Sequential([layers.Input((4,)), layers.Dense(3, **dense)], seed=0)


def _saved(model, path):
    """The warnings ``model.save(path)`` issues."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.save(path)
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


# Keras 3.15 writes a registered function so (keras.initializers.serialize(fn), Dense(...).get_config()); its
# "module" is "builtins" where glassnet writes the function's module, as for a registered activation
KERAS_ENTRY = {"class_name": "function", "config": "s59init>twentieth", "registered_name": "function"}


def test_a_registered_function_initializer_is_saved_by_name_and_loads_as_that_function(tmp_path):
    model = _model(kernel_initializer=twentieth)
    entry = model.layers[0].get_config()["kernel_initializer"]  # was None
    assert {key: entry[key] for key in KERAS_ENTRY} == KERAS_ENTRY
    assert layers.Dense.from_config(model.layers[0].get_config()).kernel_initializer is twentieth
    assert initializers.deserialize({**KERAS_ENTRY, "module": "builtins"}) is twentieth  # Keras's own entry
    assert _saved(model, tmp_path / "m.gn") == []
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.layers[0].kernel_initializer is twentieth  # was GlorotUniform
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    # re-initialised after load (a clone draws anew): 0.05 everywhere, by hand
    np.testing.assert_array_equal(clone_model(loaded).layers[0].kernel, np.full((4, 3), 0.05, np.float32))
    np.testing.assert_array_equal(clone_model(model).layers[0].kernel, np.full((4, 3), 0.05, np.float32))


def test_a_registered_function_constraint_is_saved_by_name_and_still_clips_after_load(tmp_path):
    model = _model(kernel_constraint=clip_tenth)
    assert model.layers[0].get_config()["kernel_constraint"]["config"] == "s59init>clip_tenth"
    assert _saved(model, tmp_path / "m.gn") == []
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.layers[0].kernel_constraint is clip_tenth  # was None, with a warning
    loaded.compile(optimizer=gn.optimizers.SGD(10.0), loss="mse")
    X = np.random.default_rng(0).normal(size=(16, 4))
    loaded.fit(X, 10 * X[:, :3], epochs=1, verbose=0)
    assert np.abs(loaded.layers[0].kernel).max() == pytest.approx(0.1)


def test_an_unregistered_function_initializer_warns_once_saying_to_register_it(tmp_path):
    def plain(shape, dtype=None):
        return np.full(shape, 0.07, dtype=dtype or "float32")

    model = _model(kernel_initializer=plain)
    said = _saved(model, tmp_path / "m.gn")  # was silent
    assert len(said) == 1
    assert "kernel_initializer" in said[0] and "'plain': it is not registered" in said[0]
    assert "@glassnet.saving.register_keras_serializable()" in said[0] and "Its weights are saved" in said[0]
    loaded = load_model(tmp_path / "m.gn")
    assert type(loaded.layers[0].kernel_initializer) is initializers.GlorotUniform
    np.testing.assert_array_equal(loaded.layers[0].kernel, np.full((4, 3), 0.07, np.float32))
    with pytest.raises(ValueError, match="initializer function 'plain': it is not registered"):
        initializers.serialize(plain)
    # an array given as the initializer: said as such, not as a function to register
    said = _saved(_model(kernel_initializer=np.ones((4, 3))), tmp_path / "a.gn")
    assert len(said) == 1 and "an array given as the initializer" in said[0] and "register" not in said[0]


def test_a_left_out_function_constraint_is_warned_of_once_per_save(tmp_path):
    def clip(w):
        return np.clip(w, -0.05, 0.05)

    said = _saved(_model(kernel_constraint=clip), tmp_path / "m.gn")
    assert len(said) == 1  # was twice
    assert "is not saved: a model file holds no code" in said[0] and "'clip': it is not registered" in said[0]


class _NoConfigPenalty(regularizers.Regularizer):
    def __init__(self, s):
        self.s = s

    def __call__(self, x):
        return self.s * np.sum(x ** 2)

    def gradient(self, W):
        return 2 * self.s * W


def test_a_registered_regularizer_without_get_config_is_warned_of_for_its_get_config(tmp_path):
    gn.saving.register_keras_serializable(package="s59init")(_NoConfigPenalty)
    said = _saved(_model(kernel_regularizer=_NoConfigPenalty(0.3)), tmp_path / "m.gn")
    assert len(said) == 1  # was twice
    assert "holds no code" not in said[0]  # (the class is registered: its get_config is what is missing)
    assert "requires s, which get_config() does not return" in said[0] and "Override get_config()" in said[0]
    assert load_model(tmp_path / "m.gn").layers[0].kernel_regularizer is None


def test_function_constraints_serialize_as_initializers_do():
    assert constraints.deserialize(constraints.serialize(clip_tenth)) is clip_tenth
    with pytest.raises(ValueError, match="constraint lambda: it has no name"):
        constraints.serialize(lambda w: w)


def test_a_registered_function_initializer_goes_into_a_keras_file_and_back(tmp_path, keras64):
    # export(format="keras") refused it ("which Keras 3 cannot represent") though Keras writes it by its name
    model = _model(kernel_initializer=twentieth)
    model.export(tmp_path / "m.keras", format="keras")
    assert load_model(tmp_path / "m.keras").layers[0].kernel_initializer is twentieth
    keras = keras64

    @keras.saving.register_keras_serializable(package="s59init", name="twentieth")  # the name glassnet wrote
    def twentieth_in_keras(shape, dtype=None):
        return keras.ops.full(shape, 0.05, dtype=dtype)

    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert theirs.layers[0].kernel_initializer is twentieth_in_keras
    x = np.ones((2, 4))
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x), rtol=1e-6)
