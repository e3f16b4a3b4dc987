"""The optimizers' variable paths are Keras's ``variable.path`` (Muon's exclude_layers, MultiOptimizer's
OptimizerMap match them): "model/layer/weight" in a Sequential, "layer/weight" in a functional model."""

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers
from glassnet.models.updates import parameter_paths


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
    # every weight, the moving statistics and SpectralNormalization's power-iteration vector too
    assert [(v.name, v.path) for v in _sequential(_Lib).weights] == [(v.name, v.path) for v in seq.weights]
    fun = _functional(keras)
    assert [v.path for v in fun.trainable_variables] == parameter_paths(_functional(glassnet))


def test_spectral_normalization_s_weights_have_keras_s_names_and_paths():
    # Keras 3.15's: the wrapped Dense's kernel and bias, and the power-iteration vector "vector_u" in the wrapper's
    # scope; glassnet's were "W", "u" and "b" (".../spectral_normalization/u"). Its key in params and files stays u
    seq = _sequential(_Lib)
    wrapper = seq.get_layer("spectral_normalization")
    assert [(w.name, w.path, w.trainable) for w in wrapper.weights] == [
        ("kernel", "net/spectral_normalization/dense_1/kernel", True),
        ("vector_u", "net/spectral_normalization/vector_u", False),
        ("bias", "net/spectral_normalization/dense_1/bias", True)]
    assert list(wrapper.state) == ["u"]


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


def _subclass_cases(lib):
    """Models holding a subclass of Model (``Block``: one default-named Dense), each made after a
    clear_session: ``(name, model)``, built."""
    class Block(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = lib.layers.Dense(3)

        def call(self, x):
            return self.d(x)

    class Outer(lib.Model):  # a subclass built in another's call, and a Sequential built there too
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.enc = lib.Sequential([lib.layers.Dense(3)], name="enc")
            self.b = Block()
            self.d = lib.layers.Dense(2)

        def call(self, x):
            return self.d(self.b(self.enc(x)))

    def pair():
        return lib.Sequential([lib.layers.Input((4,)), Block(), Block()])

    def added():
        model = lib.Sequential([lib.layers.Input((4,))])
        model.add(Block())
        model.add(Block())
        return model

    def prebuilt():  # built on its own first: its own scope, as a loaded base's
        block = Block()
        block(np.zeros((1, 4)))
        return lib.Sequential([lib.layers.Input((4,)), block, lib.layers.Dense(2)])

    def two_levels():
        return lib.Sequential([lib.layers.Input((4,)), Outer()])

    def alone():
        outer = Outer()
        outer(np.zeros((1, 4)))
        return outer

    def functional():
        inputs = lib.layers.Input((4,))
        hidden = Block()(inputs)  # (made before the Dense: Keras numbers default names as layers are made)
        return lib.Model(inputs, lib.layers.Dense(2)(hidden))

    clear = lib.backend.clear_session if lib is not glassnet else lib.utils.clear_session
    for make in (pair, added, prebuilt, two_levels, alone, functional):
        clear()
        yield make.__name__, make()


def test_a_subclass_built_by_the_model_holding_it_has_keras_s_paths(keras_x64, tmp_path):
    # Sequential([Input((4,)), Block(), Block()]) builds its Blocks as it takes them, so Keras scopes their
    # variables in it ("sequential/block/dense/kernel"); glassnet counted them as built on their own
    # ("block/dense/kernel"), and an OptimizerMap key or Muon exclude_layers pattern written with Keras's paths
    # matched nothing. A Block built in another subclass's call was likewise out of that one's scope
    keras, _ = keras_x64
    theirs = {name: [v.path for v in model.weights] for name, model in _subclass_cases(keras)}
    assert theirs["pair"][0] == "sequential/block/dense/kernel"
    assert theirs["two_levels"][:3] == ["sequential/outer/enc/dense/kernel", "sequential/outer/enc/dense/bias",
                                        "sequential/outer/block/dense_1/kernel"]
    for name, ours in _subclass_cases(glassnet):
        assert parameter_paths(ours) == theirs[name], name
        if name == "functional":
            continue
        ours.save(tmp_path / "model.gn")  # (the class not registered: the file's nested Sequentials, same paths)
        assert parameter_paths(glassnet.models.load_model(tmp_path / "model.gn")) == theirs[name], name
    model = dict(_subclass_cases(glassnet))["pair"]
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"sequential/block/.*": optimizers.SGD(0.0)})), loss="mse")
    kept = model.layers[0].get_weights()
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 4)), rng.normal(size=(8, 3)), verbose=0)
    for got, before in zip(model.layers[0].get_weights(), kept, strict=True):
        np.testing.assert_array_equal(got, before)
    assert not np.array_equal(model.layers[1].get_weights()[0], model.layers[0].get_weights()[0])


def test_a_remade_subclass_s_nested_models_keep_their_saved_names(tmp_path):
    # load_model(custom_objects={"Outer": Outer}) remakes Outer, whose __init__ makes its Block anew, named
    # "block_1" (the next default name): its variables were ".../block_1/dense/kernel", not the saved
    # model's ".../block/dense/kernel", and an OptimizerMap key written for the saved model matched nothing
    cases = dict(_subclass_cases(glassnet))
    Outer = type(cases["alone"])
    for name in ("two_levels", "alone"):
        model = cases[name]
        model.save(tmp_path / "model.gn")
        loaded = glassnet.models.load_model(tmp_path / "model.gn", custom_objects={"Outer": Outer})
        assert any(isinstance(m, Outer) for m in [loaded, *loaded._nested()]), name
        assert parameter_paths(loaded) == parameter_paths(model), name
