"""The optimizers' variable paths are Keras's ``variable.path`` (Muon's exclude_layers, MultiOptimizer's
OptimizerMap match them): "model/layer/weight" in a Sequential, "layer/weight" in a functional model."""

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers
from glassnet.models.training import parameter_paths


def _sequential(lib):
    L = lib.layers
    return lib.Sequential([L.Input((3,)), L.Dense(4, name="dense"), L.BatchNormalization(name="batch_normalization"),
                           L.LayerNormalization(name="layer_normalization"),
                           L.GroupNormalization(groups=2, name="group_normalization"),
                           L.RMSNormalization(name="rms_normalization"), L.PReLU(name="p_re_lu"),
                           L.SpectralNormalization(L.Dense(2, name="dense_1"), name="spectral_normalization"),
                           L.Dense(1, use_bias=False, name="out")], name="net")


def _functional(lib):
    L = lib.layers
    x = L.Input((3,))
    y = L.Dense(1, name="d1")(L.Dense(2, name="d0")(x))
    return (lib.Model if lib is not glassnet else glassnet.models.Model)(x, y)


GLASSNET_SEQUENTIAL = ["net/dense/kernel", "net/dense/bias", "net/batch_normalization/gamma",
                       "net/batch_normalization/beta", "net/layer_normalization/gamma", "net/layer_normalization/beta",
                       "net/group_normalization/gamma", "net/group_normalization/beta", "net/rms_normalization/scale",
                       "net/p_re_lu/alpha", "net/spectral_normalization/dense_1/kernel",
                       "net/spectral_normalization/dense_1/bias", "net/out/kernel"]


def test_paths_of_a_sequential_and_a_functional_model():
    seq = _sequential(_Lib)
    assert parameter_paths(seq) == GLASSNET_SEQUENTIAL
    fun = _functional(glassnet)
    assert parameter_paths(fun) == ["d0/kernel", "d0/bias", "d1/kernel", "d1/bias"]
    # the functional marker survives get_config/from_config and glassnet's own file
    again = glassnet.models.Model.from_config(fun.get_config())
    assert parameter_paths(again) == parameter_paths(fun)
    assert parameter_paths(glassnet.models.Sequential.from_config(seq.get_config())) == GLASSNET_SEQUENTIAL


def test_functional_marker_survives_save_and_load(tmp_path):
    fun = _functional(glassnet)
    fun.compile(optimizer="sgd", loss="mse")
    fun.save(tmp_path / "f.gn")
    assert parameter_paths(glassnet.models.load_model(tmp_path / "f.gn")) == ["d0/kernel", "d0/bias", "d1/kernel",
                                                                             "d1/bias"]


def test_compiled_optimizer_is_built_with_the_paths():
    model = _sequential(_Lib)
    model.compile(optimizer=optimizers.SGD(0.01), loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), epochs=1, verbose=0)
    assert model.optimizer.paths == GLASSNET_SEQUENTIAL


class _Lib:  # glassnet's names as Keras's module layout
    layers = layers
    Sequential = glassnet.models.Sequential


def test_paths_equal_keras():
    keras = pytest.importorskip("keras")
    seq = _sequential(keras)
    assert [v.path for v in seq.trainable_variables] == GLASSNET_SEQUENTIAL
    fun = _functional(keras)
    assert [v.path for v in fun.trainable_variables] == parameter_paths(_functional(glassnet))


@pytest.mark.parametrize("patterns", [["kernel"], ["net/spectral_normalization/.*"], ["^dense/"], ["d0"], ["bias$", "alpha"]])
def test_muon_exclude_layers_selects_the_variables_keras_does(patterns):
    keras = pytest.importorskip("keras")
    for make in (_sequential, _functional):
        theirs_model = make(keras)
        ours_model = make(_Lib if make is _sequential else glassnet)
        theirs = keras.optimizers.Muon(exclude_layers=patterns)
        ours = optimizers.Muon(exclude_layers=patterns)
        variables = theirs_model.trainable_variables
        expected = [theirs._should_use_adamw(v) for v in variables]
        got = [ours._uses_adam(tuple(v.shape), path) for v, path in zip(variables, parameter_paths(ours_model),
                                                                          strict=True)]
        assert got == expected


def test_a_nested_model_s_variables_have_keras_s_paths(keras_x64, tmp_path):
    # Keras names a variable by the models that built it: a base built before nesting keeps its own scope
    # ("base/dense/kernel"), one the outer model built is in the outer's. Every nested variable was
    # "outer/dense/kernel", so OptimizerMap({"base/.*": ...}) (a lower rate for a pretrained base) matched nothing
    keras, _ = keras_x64

    def models(lib):
        L, M = lib.layers, lib.models
        base = M.Sequential([L.Input((3,)), L.Dense(4, name="b1"), L.Dense(4, name="b2")], name="base")
        decoder = M.Sequential([L.Dense(3, name="d1")], name="decoder")
        sequential = M.Sequential([base, decoder, L.Dense(2, name="head")], name="outer")
        inputs = L.Input((3,))
        functional = M.Model(inputs, L.Dense(1, name="top")(base(inputs, training=False)))
        return sequential, functional

    for ours, theirs in zip(models(glassnet), models(keras), strict=True):
        ours.build((None, 3))
        assert parameter_paths(ours) == [v.path for v in theirs.trainable_variables]
        ours.save(tmp_path / "model.gn")  # (where Keras's own loaded models have no scopes at all)
        assert parameter_paths(glassnet.models.load_model(tmp_path / "model.gn")) == parameter_paths(ours)
    model = models(glassnet)[0]
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"base/.*": optimizers.SGD(0.0)})), loss="mse")
    base, head = model.get_layer("base").get_weights(), model.get_layer("head").get_weights()
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), verbose=0)
    for got, kept in zip(model.get_layer("base").get_weights(), base, strict=True):
        np.testing.assert_array_equal(got, kept)
    assert not np.array_equal(model.get_layer("head").get_weights()[0], head[0])  # the default optimizer's
