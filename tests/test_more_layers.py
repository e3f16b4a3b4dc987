"""Keras's normalization, noise and preprocessing layers: GaussianNoise, GaussianDropout,
LayerNormalization, Rescaling and Normalization.

The reference numbers were computed once with Keras 3.15.1 (JAX backend, float32, the
default) on the inputs written here, and are kept as literals: these tests import no peer.
"""

import importlib.util
import inspect
import math
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers
from glassnet.layers import (Dense, Dropout, GaussianDropout, GaussianNoise, Input, LayerNormalization,
                             Normalization, Rescaling)
from glassnet.models import Sequential, load_model

#: rows of features for layer normalization (each row well conditioned, so float32 rounding stays ~1e-7)
X_LN = np.array([[1.0, 2.0, 4.0, -1.0], [-3.0, 0.5, 0.25, 2.0], [0.5, -1.5, 2.5, 0.0]])
GAMMA, BETA = np.array([1.5, 0.5, -1.0, 2.0]), np.array([0.1, -0.2, 0.3, 0.0])

#: keras.layers.LayerNormalization()(X_LN)
KERAS_LN = [[-0.27730745, 0.2773074, 1.3865371, -1.3865371],
            [-1.610897, 0.30846962, 0.17137201, 1.1310554],
            [0.08734906, -1.3102362, 1.4849341, -0.26204723]]
#: LayerNormalization(epsilon=1e-5) with the weights [GAMMA, BETA]
KERAS_LN_GAMMA_BETA = [[-0.31602454, -0.061325133, -1.0867484, -2.7734966],
                       [-2.3167052, -0.04574223, 0.12860249, 2.2624474],
                       [0.23105529, -0.85527647, -1.1852932, -0.5242212]]
#: Sequential([Input((4,)), LayerNormalization(), Dense(2)]) with weights [GAMMA, BETA, W, b], compiled with
#: SGD(learning_rate=0.1) and "mse", after fit(X_LN, Y_LN, batch_size=3, epochs=1, shuffle=False)
W_LN, B_LN = np.array([[0.2, -0.3], [0.4, 0.1], [-0.5, 0.6], [0.7, -0.8]]), np.array([0.05, -0.05])
Y_LN = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, -0.5]])
KERAS_SGD_STEP = [[1.5367348, 0.49612656, -1.1034997, 1.7668391],
                  [0.10762014, -0.17347811, 0.27853218, 0.03069964],
                  [[0.26232862, -0.44466174], [0.38184968, 0.10019043], [-0.61342436, 0.6672452],
                   [0.3837653, -0.49380338]],
                  [0.112275586, -0.033883415]]

#: Normalization: the data adapted to, and inputs
D_NORM = np.array([[0., 7., 4., 1.], [2., 9., 6., -1.], [0., 7., 4., 3.], [2., 9., 6.5, 10.], [1.5, -2., 0., 0.]])
Q_NORM = np.array([[0., 7., 4., 1.], [1., 1., 1., 1.]])
#: Normalization(axis=-1).adapt(D_NORM): its mean and variance weights, and its outputs on Q_NORM
KERAS_MEAN, KERAS_VARIANCE = [1.1, 6., 4.1, 2.6], [0.84, 16.8, 5.24, 15.44]
KERAS_NORMALIZED = [[-1.2001984, 0.24397503, -0.043685164, -0.40718925],
                    [-0.10910898, -1.2198751, -1.3542414, -0.40718925]]
#: the same with invert=True
KERAS_INVERTED = [[1.1, 34.69146, 13.256418, 6.5293765], [2.0165153, 10.09878, 6.3891044, 6.5293765]]
#: axis=None: one mean 3.45 and variance 12.8725, and the outputs
KERAS_AXIS_NONE = [[-0.9615849, 0.9894569, 0.15329613, -0.68286467], [-0.68286467] * 4]
#: Normalization(mean=[1, 2, 3, 4], variance=[4, 0, 1e-16, 2.25]) on Q_NORM: a standard deviation below
#: Keras's epsilon (1e-7) divides by 1e-7
GIVEN_MEAN, GIVEN_VARIANCE = [1., 2., 3., 4.], [4., 0., 1e-16, 2.25]
KERAS_GIVEN = [[-0.5, 5e7, 1e7, -2.0], [0.0, -1e7, -2e7, -2.0]]
KERAS_GIVEN_INVERTED = [[1.0, 2.0000007, 3.0000005, 5.5], [3.0, 2.0, 3.0, 5.5]]
#: Rescaling on the pixels [0, 128, 255]
KERAS_RESCALED = [0.0, 0.5019608, 1.0]  # Rescaling(1./255)
KERAS_RESCALED_OFFSET = [-1.0, 0.003921628, 1.0]  # Rescaling(1./127.5, offset=-1)
#: per-channel Rescaling: the ImageNet mean and standard deviation of each colour channel, on (1, 2, 2, 3) pixels
PIXELS_RGB = np.array([[[[0., 128., 255.], [10., 200., 33.]], [[255., 0., 64.], [1., 2., 3.]]]])
RGB_SCALE = [1 / (0.229 * 255), 1 / (0.224 * 255), 1 / (0.225 * 255)]
RGB_OFFSET = [-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225]
#: keras.layers.Rescaling(RGB_SCALE, offset=RGB_OFFSET)(PIXELS_RGB)
KERAS_RESCALED_RGB = [[[[-2.1179039478302, 0.20518207550048828, 2.6399998664855957],
                        [-1.9466564655303955, 1.465686321258545, -1.2292810678482056]],
                       [[2.248908281326294, -2.0357143878936768, -0.6889760494232178],
                        [-2.1007792949676514, -2.0007004737854004, -1.7521568536758423]]]]
#: Rescaling(tuple(RGB_SCALE)) and Rescaling(np.array(RGB_SCALE), offset=-1.0) on PIXELS_RGB[0, 0]
KERAS_RESCALED_TUPLE = [[0.0, 2.240896463394165, 4.444444179534912],
                        [0.17124754190444946, 3.5014007091522217, 0.5751633644104004]]
KERAS_RESCALED_ARRAY = [[-1.0, 1.240896463394165, 3.444444179534912],
                        [-0.8287524580955505, 2.5014007091522217, -0.4248366355895996]]
#: Keras 3.15's get_config() of Rescaling(np.array(RGB_SCALE), offset=-1.0): the array serialized as __numpy__
KERAS_RESCALING_CONFIG = {
    "name": "rescaling_3", "trainable": True,
    "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None},
    "scale": {"class_name": "__numpy__", "config": {"value": [0.017124753831663668, 0.01750700280112045,
                                                              0.017429193899782137], "dtype": "float64"}},
    "offset": -1.0}

#: Keras 3.15's constructor arguments (after self, before **kwargs) and their defaults
KERAS_SIGNATURES = {
    GaussianNoise: [("stddev", None), ("seed", None)],
    GaussianDropout: [("rate", None), ("seed", None)],
    LayerNormalization: [("axis", -1), ("epsilon", 0.001), ("center", True), ("scale", True),
                         ("beta_initializer", "zeros"), ("gamma_initializer", "ones"), ("beta_regularizer", None),
                         ("gamma_regularizer", None), ("beta_constraint", None), ("gamma_constraint", None)],
    Rescaling: [("scale", None), ("offset", 0.0)],
    Normalization: [("axis", -1), ("mean", None), ("variance", None), ("invert", False)],
}


def _adapted(data=D_NORM, **kwargs):
    layer = Normalization(**kwargs)
    layer.adapt(data)
    return layer


# -- signatures ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", list(KERAS_SIGNATURES), ids=lambda c: c.__name__)
def test_constructors_take_keras_arguments_in_keras_order(cls):
    parameters = [p for name, p in inspect.signature(cls.__init__).parameters.items()
                  if name != "self" and p.kind is not p.VAR_KEYWORD]
    assert [(p.name, None if p.default is p.empty else p.default) for p in parameters] == KERAS_SIGNATURES[cls]
    assert "kwargs" in inspect.signature(cls.__init__).parameters  # name, input_shape, dtype


def test_the_new_layers_are_glassnet_layers_by_name():
    for cls in KERAS_SIGNATURES:
        assert getattr(glassnet.layers, cls.__name__) is cls
        assert glassnet.layers.LAYERS[cls.__name__] is cls and cls.__name__ in glassnet.layers.__all__
    with pytest.raises(AttributeError, match="glassnet.layers has no SpatialDropout1D .*LayerNormalization"):
        glassnet.layers.SpatialDropout1D  # noqa: B018


# -- LayerNormalization -------------------------------------------------------------------
def test_layer_normalization_equals_keras_in_float32():
    np.testing.assert_allclose(LayerNormalization()(X_LN), KERAS_LN, rtol=1e-6, atol=3e-7)
    layer = LayerNormalization(epsilon=1e-5)
    layer.build((4,))
    layer.set_weights([GAMMA, BETA])
    out = layer(X_LN)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, KERAS_LN_GAMMA_BETA, rtol=1e-6, atol=3e-7)


def test_layer_normalization_is_the_formula_in_float64_per_sample():
    layer = LayerNormalization(epsilon=1e-5, dtype="float64")
    layer.build((4,))
    layer.set_weights([GAMMA, BETA])
    mean = X_LN.mean(axis=1, keepdims=True)
    std = np.sqrt(((X_LN - mean) ** 2).mean(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(layer(X_LN), GAMMA * (X_LN - mean) / std + BETA, rtol=1e-14, atol=1e-15)
    # each sample alone: the others in the batch change nothing, in training or not
    np.testing.assert_array_equal(layer(X_LN[1:2], training=True), layer(X_LN)[1:2])


def test_layer_normalization_one_sgd_step_equals_keras():
    for dtype, atol in (("float32", 2e-7), ("float64", 1e-7)):
        model = Sequential([Input((4,)), LayerNormalization(), Dense(2)], dtype=dtype)
        model.set_weights([GAMMA, BETA, W_LN, B_LN])
        model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
        model.fit(X_LN, Y_LN, batch_size=3, epochs=1, shuffle=False, verbose=0)
        for trained, keras in zip(model.get_weights(), KERAS_SGD_STEP):
            np.testing.assert_allclose(trained, keras, rtol=1e-6, atol=atol)


def test_layer_normalization_options_and_weights():
    layer = LayerNormalization(center=False, gamma_initializer="zeros")
    layer.build((None, 3))  # Keras's batch shape
    assert [w.tolist() for w in layer.get_weights()] == [[0, 0, 0]]
    assert LayerNormalization(scale=False).count_weights((3,)) == 3
    model = Sequential([Input((5,)), Dense(4), LayerNormalization(), Dense(1)])
    assert [w.shape for w in model.layers[1].get_weights()] == [(4,), (4,)]  # gamma, beta, as Keras
    assert model.count_params() == 24 + 8 + 5
    # samples with more axes are normalized over the last one, as Keras's axis=-1
    x = np.arange(24.0).reshape(2, 3, 4) ** 1.5
    out = LayerNormalization(axis=2, dtype="float64")(x)
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=-1), x.var(axis=-1) / (x.var(axis=-1) + 1e-3), rtol=1e-12)


# -- Normalization ------------------------------------------------------------------------
def test_normalization_adapt_and_outputs_equal_keras():
    layer = _adapted()
    mean, variance, count = layer.get_weights()  # Keras's weights, in Keras's order
    np.testing.assert_allclose(mean, KERAS_MEAN, rtol=1e-7)
    np.testing.assert_allclose(variance, KERAS_VARIANCE, rtol=1e-7)
    assert count.shape == () and count == len(D_NORM)  # Keras 3 leaves its count at 0
    assert layer.mean.shape == layer.variance.shape == (1, 4)  # as Keras's layer.mean
    np.testing.assert_allclose(layer(Q_NORM), KERAS_NORMALIZED, rtol=1e-6)
    np.testing.assert_allclose(_adapted(invert=True)(Q_NORM), KERAS_INVERTED, rtol=1e-6)
    single = _adapted(axis=None)
    assert [w.shape for w in single.get_weights()] == [(), (), ()]
    np.testing.assert_allclose(single.get_weights()[:2], [3.45, 12.8725], rtol=1e-7)
    np.testing.assert_allclose(single(Q_NORM), KERAS_AXIS_NONE, rtol=1e-6)


def test_normalization_is_seed_004s_standardization_in_float64():
    layer = _adapted(dtype="float64")
    expected = (Q_NORM - D_NORM.mean(axis=0)) / D_NORM.std(axis=0)  # seed 004's two lines
    np.testing.assert_allclose(layer(Q_NORM), expected, rtol=1e-14)
    np.testing.assert_allclose(_adapted(dtype="float64", invert=True)(expected), Q_NORM, atol=1e-14)


def test_normalization_reads_kerass_config_of_axis_none():
    # Keras 3.15 keeps Normalization(axis=None) as axis=(): its get_config() holds "axis": [], which
    # glassnet refused ("axis must be an integer"), so such a Keras model could not be loaded
    keras_config = {"name": "normalization", "trainable": True, "dtype": "float32", "axis": [], "invert": False,
                    "mean": 3.45, "variance": 12.8725}
    for layer in (Normalization.from_config(keras_config), layers.deserialize(
            {"class_name": "Normalization", "config": keras_config}), Normalization(axis=())):
        assert layer.axis is None
    layer = Normalization.from_config(keras_config)
    np.testing.assert_allclose(layer(Q_NORM), KERAS_AXIS_NONE, rtol=1e-6)


def test_numpy_booleans_are_taken_as_dense_s_use_bias_takes_them():
    # center, scale and invert refused np.True_ ("must be True or False"), which Dense's use_bias and
    # trainable take (a grid of settings built with NumPy holds np.bool_)
    import json

    from glassnet.layers import BatchNormalization

    for make, kwargs in ((LayerNormalization, {"center": np.False_, "scale": np.True_}),
                         (BatchNormalization, {"center": np.True_, "scale": np.False_}),
                         (Normalization, {"mean": 1.0, "variance": 4.0, "invert": np.True_})):
        layer = make(**kwargs)
        plain = make(**{k: bool(v) if isinstance(v, np.bool_) else v for k, v in kwargs.items()})
        assert json.loads(json.dumps(layer.get_config())) == plain.get_config()
        np.testing.assert_array_equal(layer(Q_NORM), plain(Q_NORM))
    assert Normalization(mean=1.0, variance=4.0, invert=np.True_)(np.array([[1.0]])) == 3.0  # 1 + 1·2


def test_normalization_with_given_mean_and_variance_equals_keras():
    given = Normalization(mean=GIVEN_MEAN, variance=GIVEN_VARIANCE)
    np.testing.assert_allclose(given(Q_NORM), KERAS_GIVEN, rtol=1e-6)
    inverted = Normalization(mean=GIVEN_MEAN, variance=GIVEN_VARIANCE, invert=True)
    np.testing.assert_allclose(inverted(Q_NORM), KERAS_GIVEN_INVERTED, rtol=1e-7)
    assert given.get_weights() == [] and given.count_weights((4,)) == 0  # settings, not weights (as Keras)
    scalar = Normalization(mean=3.0, variance=2.0, dtype="float64")  # Keras's docstring example
    np.testing.assert_allclose(scalar(np.array([[1.0], [2.0], [3.0]])).ravel(), [-2 ** 0.5, -0.5 ** 0.5, 0])


def test_normalization_weights_are_counted_as_keras_counts_them():
    normalizer = _adapted(np.random.default_rng(0).normal(size=(20, 9)))
    model = Sequential([normalizer, Dense(64, activation="relu"), Dense(1)])
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    row = next(line for line in lines if line.startswith("normalization (Normalization)"))
    assert row.split()[-1] == "19"  # Keras 3's summary: mean (9), variance (9), count (1)
    assert model.count_params() == 19 + 640 + 65
    assert " Non-trainable params: 19 (76.00 B)" in lines
    assert [w.shape for w in model.get_weights()[:3]] == [(9,), (9,), ()]
    assert len(normalizer.non_trainable_weights) == 3 and normalizer.trainable_weights == []


def test_keras_regression_tutorial_runs_and_the_model_round_trips(tmp_path, rng):
    # TensorFlow's "basic regression" tutorial: adapt, then the normalizer is the model's first layer
    x = rng.normal(loc=[100.0, 5.0, 2000.0], scale=[30.0, 1.0, 500.0], size=(200, 3))
    y = x @ np.array([0.1, -2.0, 0.001]) + rng.normal(scale=0.1, size=200)
    normalizer = layers.Normalization(axis=-1)
    normalizer.adapt(np.array(x))
    np.testing.assert_allclose(normalizer.mean[0], x.mean(axis=0), rtol=1e-6)
    model = Sequential([normalizer, layers.Dense(64, activation="relu"), layers.Dense(64, activation="relu"),
                        layers.Dense(1)], seed=1)
    model.compile(loss="mean_absolute_error", optimizer=optimizers.Adam(0.001))
    history = model.fit(x, y, validation_split=0.2, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    model.save(tmp_path / "dnn.gn")
    loaded = load_model(tmp_path / "dnn.gn")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    for a, b in zip(loaded.layers[0].get_weights(), normalizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    # set_weights: Keras's order, mean, variance, count
    model.layers[0].set_weights([np.zeros(3), np.full(3, 4.0), np.array(0.0)])
    np.testing.assert_allclose(model.layers[0](x[:2]), x[:2] / 2, rtol=1e-6)


def test_normalization_adapt_rebuilds_nothing_and_updates_a_models_layer(rng):
    layer = Normalization(input_shape=(2,))
    model = Sequential([layer, Dense(1)])
    data = rng.normal(loc=[3.0, -1.0], size=(100, 2))
    layer.adapt(data)  # after the model was built: the layer's arrays change in place
    np.testing.assert_allclose(model.layers[0](data).mean(axis=0), 0, atol=1e-6)
    column = _adapted(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), axis=None)  # a 1-D array: one feature
    np.testing.assert_allclose(column(np.array([[1.0], [2.0], [3.0]])).ravel(), [-2 ** 0.5, -0.5 ** 0.5, 0],
                               rtol=1e-6)


def test_a_normalization_adapted_before_a_float64_model_says_how_to_fix_it(rng):
    # Keras's tutorial order (adapt, then the model) took floatx() for the layer, and the model's
    # error told the user to "pass dtype='float32' to the model instead of the layer": they had
    # passed no dtype to the layer at all.
    data = rng.normal(loc=[3.0, -1.0], size=(50, 2))
    layer = Normalization()
    layer.adapt(data)
    with pytest.raises(ValueError, match=r"Layer 'normalization' has dtype 'float32' but the model computes in "
                                         r"'float64'.* adapt\(\) stored its statistics in 'float32': create it with "
                                         r"dtype='float64', or adapt it after adding it to the model\."):
        Sequential([layer, Dense(1)], dtype="float64")
    with pytest.raises(ValueError, match=r"Pass dtype='float32' to the model instead of the layer\."):
        Sequential([Normalization(dtype="float32"), Dense(1)], dtype="float64")  # the user's own dtype
    after = Normalization()  # the advice works: adapt after adding, in the model's dtype
    model = Sequential([after, Dense(1)], dtype="float64")
    after.adapt(data)
    model.build((None, 2))
    np.testing.assert_allclose(after.mean.ravel(), data.mean(axis=0), rtol=1e-15)
    assert model.predict(data).dtype == np.float64


def test_a_normalization_never_adapted_says_so():
    model = Sequential([Input((3,)), Normalization(), Dense(1)])
    model.summary(print_fn=lambda line: None)  # building needs no statistics
    message = r"Layer 'normalization' \(Normalization\) has no mean and variance yet: call its adapt\(data\)"
    with pytest.raises(ValueError, match=message):
        model.predict(np.ones((2, 3)))
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=message):
        model.fit(np.ones((2, 3)), np.ones(2), verbose=0)
    with pytest.raises(ValueError, match="has no mean and variance yet"):
        Normalization()(np.ones((2, 3)))


def test_normalization_adapts_a_memory_mapped_file_a_block_at_a_time(tmp_path, rng, traced_peak):
    # the out-of-core route of docs/data.md: adapt read the file into a float64 copy (twice its size
    # for float32) and computed the variance into another
    x = rng.normal(loc=3.0, scale=2.0, size=(20_000, 200)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    layer = Normalization(dtype="float64")
    peak = traced_peak(layer.adapt, np.load(tmp_path / "x.npy", mmap_mode="r"))
    assert peak < x.nbytes / 4, f"adapt allocated {peak / 2**20:.1f} MB for a {x.nbytes / 2**20:.1f} MB file"
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(variance, x.astype(np.float64).var(axis=0), rtol=1e-12)
    assert count == 20_000
    images = (x[:5000, :100] * 20).clip(0, 255).astype(np.uint8)  # a uint8 file (pixels) the same way
    np.save(tmp_path / "u8.npy", images)
    pixels = _adapted(np.load(tmp_path / "u8.npy", mmap_mode="r"), dtype="float64")
    np.testing.assert_allclose(pixels.get_weights()[1], images.var(axis=0, dtype=np.float64), rtol=1e-13)


def test_normalization_adapts_a_fortran_ordered_memory_mapped_file_a_block_at_a_time(tmp_path, rng, traced_peak):
    # np.save of a DataFrame's to_numpy() writes a Fortran-ordered file: the finiteness check's and
    # adapt's reshape each made a C-ordered copy of the whole file
    x = np.asfortranarray(rng.normal(loc=3.0, scale=2.0, size=(2000, 10, 10, 20)).astype(np.float32))
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert mapped.flags.f_contiguous
    for axis in (-1, None):
        layer = Normalization(axis=axis, dtype="float64")
        peak = traced_peak(layer.adapt, mapped)
        assert peak < x.nbytes / 4, f"adapt allocated {peak / 2**20:.1f} MB for a {x.nbytes / 2**20:.1f} MB file"
        reduced = (0, 1, 2) if axis == -1 else None
        np.testing.assert_allclose(layer.get_weights()[0], x.mean(axis=reduced, dtype=np.float64), rtol=1e-12)
        np.testing.assert_allclose(layer.get_weights()[1], x.astype(np.float64).var(axis=reduced), rtol=1e-12)


def test_normalization_adapts_batches_from_an_iterator_as_from_the_whole_array(rng):
    x = rng.normal(loc=[100.0, -5.0, 0.0, 2000.0], scale=[30.0, 1.0, 1e-3, 500.0], size=(1000, 4))
    whole = _adapted(x, dtype="float64")
    sizes = [1, 0, 333, 7, 600, 59]  # uneven, a one-row and an empty batch; 1000 rows in all
    bounds = np.cumsum([0] + sizes)
    batched = _adapted((x[a:b] for a, b in zip(bounds[:-1], bounds[1:])), dtype="float64")
    for got, want in zip(batched.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-13)
    assert batched.get_weights()[2] == 1000
    pairs = _adapted(((x[a:b], np.zeros(b - a)) for a, b in zip(bounds[:-1], bounds[1:])), dtype="float64")
    for got, want in zip(pairs.get_weights(), batched.get_weights()):  # (x, y) batches: the x, as Keras takes it
        np.testing.assert_array_equal(got, want)
    cubes = rng.normal(size=(90, 3, 4)) * [1.0, 2.0, 3.0, 4.0]  # samples of any shape; features on the last axis
    for axis, mean, variance in ((-1, cubes.mean(axis=(0, 1)), cubes.var(axis=(0, 1))),
                                 (None, cubes.mean(), cubes.var())):
        layer = _adapted(iter(np.split(cubes, [10, 11, 50])), axis=axis, dtype="float64")
        np.testing.assert_allclose(layer.get_weights()[0], mean, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(layer.get_weights()[1], variance, rtol=1e-13)
        assert layer.input_shape == (3, 4)
    float32 = _adapted(iter([x[:500].astype(np.float32), x[500:].astype(np.float32)]))  # floatx weights
    np.testing.assert_allclose(float32.get_weights()[1], x.astype(np.float32).astype(np.float64).var(axis=0),
                               rtol=1e-6)


def test_normalization_adapt_refuses_batches_it_cannot_use():
    x = np.ones((6, 3))
    with pytest.raises(ValueError, match="yielded an empty tuple as batch 1"):
        Normalization().adapt(iter([(x,), ()]))
    with pytest.raises(ValueError, match=r"batch 2 has samples of shape \(4,\), but the batches before it had "
                                         r"samples of shape \(3,\)"):
        Normalization().adapt(iter([x, x, np.ones((2, 4))]))
    with pytest.raises(ValueError, match="yielded no samples"):
        Normalization().adapt(iter([np.ones((0, 3))]))
    built = Normalization(input_shape=(3,))
    with pytest.raises(ValueError, match=r"takes samples of shape \(3,\), but adapt\(\) received batch 1 of "
                                         r"shape \(2, 5\)"):
        built.adapt(iter([x, np.ones((2, 5))]))
    with pytest.raises(ValueError, match="adapt's batch 0 contains NaN"):
        Normalization().adapt(iter([np.full((2, 3), np.nan)]))


def test_normalization_adapt_on_1d_batches_says_how_it_reads_them(rng):
    x = rng.normal(size=(40, 3)) * [1.0, 5.0, 10.0]
    layer = Normalization()
    with pytest.warns(UserWarning, match=r"adapt's batch 0 is 1-D \(shape \(3,\)\): each batch is taken as 3 samples "
                                         r"of one feature. If it is one sample of 3 features \(a row\)") as caught:
        layer.adapt(iter(x))  # x's rows: silently one feature's statistics before
    assert caught[0].filename == __file__
    np.testing.assert_allclose(layer.mean.ravel(), [x.mean()], rtol=1e-5)  # (as it says)
    # its advice works as written (a plain list of batches was one array: samples (13, 3), or ragged)
    assert "adapt(iter(np.array_split(x, k)))" in str(caught[0].message)
    advised = Normalization()
    advised.adapt(iter(np.array_split(x, 3)))
    np.testing.assert_allclose(advised.mean.ravel(), x.mean(axis=0), rtol=1e-6)
    assert advised.input_shape == (3,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 2-D batches, or rows of one feature: no doubt
        Normalization().adapt(iter(np.array_split(x[:, :1], 4)))
        Normalization().adapt(iter(x[:, :1]))
        Normalization().adapt(iter(np.array_split(x, 4)))


def test_normalization_adapt_refuses_statistics_beyond_its_dtype(rng):
    # the variance of values near 1e20 is 1e40, beyond float32: it was stored as inf (with only a cast
    # warning) and the layer mapped every input to 0
    x = rng.normal(size=(50, 2)) * 1e20
    layer = Normalization()
    with pytest.raises(ValueError, match=r"too large for the layer's float32 \(largest 3.4e\+38\): the mean of "
                                         r"feature 0 is .* and the variance .*e\+39.*or use dtype='float64'"):
        layer.adapt(x)
    assert not layer.built  # nothing kept from the refused data
    wide = _adapted(x, dtype="float64")  # the advice works
    np.testing.assert_allclose(wide.get_weights()[1], x.var(axis=0), rtol=1e-13)
    with pytest.raises(ValueError, match=r"float64 .*the variance beyond float64's range"):
        Normalization(dtype="float64").adapt(x * 1e180)
    # near float64's largest value a sum overflows (np.mean gives inf) but the statistics do not:
    # they are taken of the values scaled by a power of two
    huge = np.full((10, 2), 1.7e308)
    with np.errstate(over="ignore"):
        assert np.isinf(huge.mean(axis=0)).all()
    np.testing.assert_array_equal(_adapted(huge, dtype="float64").get_weights()[:2], [[1.7e308] * 2, [0.0] * 2])


def test_a_float16_normalizations_count_saturates_instead_of_becoming_inf(rng):
    # the count is a weight of the layer's dtype: 70,000 rows stored inf in float16
    x = rng.normal(size=(70_000, 2)).astype(np.float16)
    layer = Normalization(dtype="float16")
    layer.adapt(x)
    count = layer.get_weights()[2]
    assert count.dtype == np.float16 and count == np.finfo(np.float16).max
    np.testing.assert_allclose(layer.get_weights()[0], x.astype(np.float64).mean(axis=0), atol=1e-3)


def test_normalization_adapt_refuses_a_batch_without_features():
    # a batch of 5 samples of no features reached NumPy: "cannot reshape array of size 0 into shape (0)"
    for axis in (-1, None):
        with pytest.raises(ValueError, match=r"adapt's batch 0 has no features \(shape \(5, 0\)\)"):
            Normalization(axis=axis).adapt(iter([np.ones((5, 0))]))
    with pytest.raises(ValueError, match=r"adapt's data has no features \(shape \(5, 0\)\)"):
        Normalization().adapt(np.ones((5, 0)))


def test_normalization_adapts_huge_batches_as_the_whole_array(rng):
    # the merge multiplied each batch's variance by its count: 10,000 values of variance 9e304
    # overflowed to inf, and adapt refused an iterator whose array it takes
    x = rng.normal(size=(20_000, 1)) * 3e152
    whole = _adapted(x, dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        batched = _adapted(iter(np.array_split(x, 2)), dtype="float64")
    np.testing.assert_allclose(batched.get_weights()[1], whole.get_weights()[1], rtol=1e-13)
    assert np.isfinite(whole.get_weights()[1]).all()


# -- Rescaling ----------------------------------------------------------------------------
def test_rescaling_equals_keras():
    pixels = np.array([[0.0, 128.0, 255.0]])
    out = Rescaling(1.0 / 255)(pixels)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0], np.float32(KERAS_RESCALED))
    np.testing.assert_array_equal(Rescaling(1.0 / 127.5, offset=-1)(pixels)[0], np.float32(KERAS_RESCALED_OFFSET))
    np.testing.assert_allclose(Rescaling(1.0 / 127.5, offset=-1, dtype="float64")(pixels)[0],
                               [-1.0, 1.0 / 255, 1.0], rtol=1e-15, atol=1e-16)


def test_rescaling_per_channel_equals_keras():
    out = Rescaling(RGB_SCALE, offset=RGB_OFFSET)(PIXELS_RGB)  # each colour channel (the last axis) its own
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.float32(KERAS_RESCALED_RGB))
    np.testing.assert_array_equal(Rescaling(tuple(RGB_SCALE))(PIXELS_RGB[0, 0]), np.float32(KERAS_RESCALED_TUPLE))
    np.testing.assert_array_equal(Rescaling(np.array(RGB_SCALE), offset=-1.0)(PIXELS_RGB[0, 0]),
                                  np.float32(KERAS_RESCALED_ARRAY))
    # one value in a list broadcasts as the number does; float64 computes the formula in float64
    np.testing.assert_array_equal(Rescaling([0.5], offset=[2.0])(PIXELS_RGB), Rescaling(0.5, offset=2.0)(PIXELS_RGB))
    np.testing.assert_allclose(Rescaling(RGB_SCALE, offset=RGB_OFFSET, dtype="float64")(PIXELS_RGB),
                               PIXELS_RGB * RGB_SCALE + RGB_OFFSET, rtol=1e-15)


def test_rescaling_per_channel_config_is_json_and_reads_keras_numpy_arrays(tmp_path):
    import json

    layer = Rescaling(np.array(RGB_SCALE), offset=(0.0, -1.0, 0.5))
    assert layer.get_config() == {"name": None, "scale": RGB_SCALE, "offset": [0.0, -1.0, 0.5]}
    assert Rescaling.from_config(json.loads(json.dumps(layer.get_config()))).get_config() == layer.get_config()
    from_keras = Rescaling.from_config(KERAS_RESCALING_CONFIG)
    assert from_keras.scale == KERAS_RESCALING_CONFIG["scale"]["config"]["value"] and from_keras.offset == -1.0
    # and by the registry, as a Keras model's configuration reaches it (model_from_json, .keras files)
    from_registry = layers.deserialize({"class_name": "Rescaling", "config": KERAS_RESCALING_CONFIG})
    assert from_registry.get_config() == from_keras.get_config()
    np.testing.assert_array_equal(from_keras(PIXELS_RGB[0, 0]), np.float32(KERAS_RESCALED_ARRAY))
    # in a model file, trained and loaded back
    model = Sequential([Input((2, 2, 3)), Rescaling(RGB_SCALE, offset=RGB_OFFSET), layers.Flatten(), Dense(2)], seed=0)
    model.compile(loss="mse", optimizer="adam")
    model.fit(np.repeat(PIXELS_RGB, 4, axis=0), np.ones((4, 2)), epochs=2, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    np.testing.assert_array_equal(loaded.predict(PIXELS_RGB), model.predict(PIXELS_RGB))
    lines = []
    loaded.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert any(line.split()[:3] == ["rescaling", "(Rescaling)", "(None,"] and line.split()[-1] == "0"
               for line in lines)


def test_rescaling_per_channel_must_fit_the_last_axis():
    with pytest.raises(ValueError, match=r"scale has 2 values, one per channel, but its inputs of shape "
                                         r"\(None, 2, 2, 3\) have 3 channels"):
        Rescaling([1.0, 2.0])(PIXELS_RGB)
    with pytest.raises(ValueError, match=r"offset has 3 values, one per channel, but its inputs of shape \(None, 4\)"):
        Sequential([Input((4,)), Rescaling(1.0, offset=[1.0, 2.0, 3.0]), Dense(1)])


def test_rescaling_broadcasts_any_shape_as_numpy_does(tmp_path, rng):
    # channels first: one scale and offset per channel of samples (3, h, w), as shape (3, 1, 1) (Keras
    # multiplies by the array as given); it was refused as "not a list of numbers"
    pixels = rng.integers(0, 256, size=(4, 3, 2, 2)).astype(np.float32)
    scale, offset = [[[1 / 255]], [[2 / 255]], [[0.5]]], [[[-1.0]], [[0.0]], [[1.0]]]
    layer = Rescaling(scale, offset=offset)
    expected = pixels * np.float32(scale) + np.float32(offset)
    np.testing.assert_array_equal(layer(pixels), expected)
    assert layer.get_config()["scale"] == scale
    model = Sequential([Input((3, 2, 2)), Rescaling(scale, offset=offset), layers.Flatten(), Dense(2)], seed=0)
    model.save(tmp_path / "m.gn")
    np.testing.assert_array_equal(load_model(tmp_path / "m.gn").predict(pixels), model.predict(pixels))
    dense_first = Sequential([Input((4,)), Dense(4), Rescaling([[0.5, 1.0, 2.0, 4.0]]), Dense(1)], seed=0)
    dense_first.compile(optimizer="sgd", loss="mse")
    assert "s of shape (1, 4), broadcast" in str(dense_first.trace(np.ones((1, 4)), np.ones((1, 1))))
    with pytest.raises(ValueError, match=r"scale of shape \(2, 1, 1\) does not broadcast against its inputs' samples "
                                         r"of shape \(3, 2, 2\)"):
        Sequential([Input((3, 2, 2)), Rescaling([[[1.0]], [[2.0]]])])
    with pytest.raises(ValueError, match=r"offset of shape \(4, 1\) does not broadcast.*samples of shape \(4,\)"):
        Sequential([Input((4,)), Rescaling(1.0, offset=[[1.0]] * 4)])  # more axes than a sample
    with pytest.raises(ValueError, match="scale must be a number or a non-empty \\(nested\\) list of numbers"):
        Rescaling([[1.0, [2.0]]])
    with pytest.raises(TypeError, match=r"scale\[0, 1\] must be a number"):
        Rescaling([[1.0, "a"]])


def test_keras_mnist_mlp_with_rescaling_trains(rng):
    images = rng.integers(0, 256, size=(64, 28, 28)).astype(np.uint8)
    labels = (images[:, 14, :14].mean(axis=1) > images[:, 14, 14:].mean(axis=1)).astype(int)
    model = Sequential([Input((28, 28)), layers.Rescaling(1.0 / 255), layers.Flatten(),
                        Dense(32, activation="relu"), layers.Dropout(0.2), Dense(2, activation="softmax")], seed=0)
    assert model.count_params() == 784 * 32 + 32 + 66
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images, labels, epochs=2, verbose=0)
    np.testing.assert_allclose(model.layers[0](images[:2]), images[:2] / 255.0, rtol=1e-6)


# -- GaussianNoise and GaussianDropout ------------------------------------------------------
N_DRAWS = 1_000_000


def _within(value, expected, standard_error):
    """``value`` within 5 standard errors of ``expected`` (a 1-in-1.7-million miss for a right layer)."""
    assert abs(value - expected) < 5 * standard_error, (value, expected, standard_error)


@pytest.mark.parametrize("stddev", [0.05, 0.3, 1.0])
def test_gaussian_noise_adds_n_0_stddev2_in_training_only(stddev):
    x = np.full((1000, N_DRAWS // 1000), 2.0)
    layer = GaussianNoise(stddev, seed=7)
    noise = layer(x, training=True).astype(np.float64) - 2.0
    _within(noise.mean(), 0.0, stddev / math.sqrt(N_DRAWS))
    _within(noise.std(), stddev, stddev / math.sqrt(2 * N_DRAWS))
    np.testing.assert_array_equal(layer(x), x)  # inference: the identity
    np.testing.assert_array_equal(GaussianNoise(0.0)(x, training=True), x)


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.5, 0.75])
def test_gaussian_dropout_multiplies_by_n_1_rate_over_1_minus_rate(rate):
    # Keras: stddev = sqrt(rate / (1 - rate)); its own draws for 0.2, 0.5, 0.75 gave 0.49988, 0.99976, 1.7316
    stddev = math.sqrt(rate / (1 - rate))
    assert GaussianDropout(rate).noise_stddev == pytest.approx(stddev, rel=1e-15)
    x = np.full((1000, N_DRAWS // 1000), 3.0)
    layer = GaussianDropout(rate, seed=11)
    factor = layer(x, training=True).astype(np.float64) / 3.0
    _within(factor.mean(), 1.0, stddev / math.sqrt(N_DRAWS))
    _within(factor.std(), stddev, stddev / math.sqrt(2 * N_DRAWS))
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(GaussianDropout(0.0)(x, training=True), x)


@pytest.mark.parametrize("make", [lambda: GaussianNoise(0.4), lambda: GaussianDropout(0.3)],
                         ids=["GaussianNoise", "GaussianDropout"])
def test_noise_layers_are_reproducible_from_seeds_and_predict_without_noise(make, rng):
    x = rng.normal(size=(64, 6))
    y = x[:, :2].sum(axis=1)

    def run(seed):
        model = Sequential([Input((6,)), Dense(8, activation="tanh"), make(), Dense(1)], seed=seed)
        model.compile(loss="mse", optimizer="sgd")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model

    first, again, other = run(3), run(3), run(4)
    for a, b in zip(first.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])
    # predict skips the noise layer: the same as the two Dense layers alone
    dense, _, out = first.layers
    np.testing.assert_allclose(first.predict(x), out(dense(x)), rtol=1e-6)
    # its own seed makes a layer's noise repeat, model or not
    seeded = [type(make())(0.5, seed=9)(x, training=True) for _ in range(2)]
    np.testing.assert_array_equal(*seeded)


def test_noise_layers_draw_float64_noise_in_float64_models():
    x = np.ones((4, 3))
    assert GaussianNoise(0.5, seed=1, dtype="float64")(x, training=True).dtype == np.float64
    assert GaussianDropout(0.5, seed=1)(x, training=True).dtype == np.float32


# -- gradient checks ------------------------------------------------------------------------
def _gradient_check_layers():
    rng = np.random.default_rng(5)
    return {
        "LayerNormalization": lambda: LayerNormalization(),
        "LayerNormalization(center=False, epsilon=1e-5)": lambda: LayerNormalization(center=False, epsilon=1e-5),
        "LayerNormalization(scale=False)": lambda: LayerNormalization(scale=False),
        "Rescaling": lambda: Rescaling(0.5, offset=1.0),
        "Rescaling(per channel)": lambda: Rescaling([0.5, -2.0, 1.5, 3.0, 0.25], offset=[1.0, 0.0, -1.0, 2.0, 0.5]),
        "Normalization(adapted)": lambda: _adapted(rng.normal(2.0, 3.0, size=(20, 5)), dtype="float64"),
        "Normalization(given, invert)": lambda: Normalization(mean=[1.0, 2, 3, 4, 5], variance=[1.0, 4, 0.5, 2, 3],
                                                              invert=True),
        "GaussianNoise": lambda: GaussianNoise(0.5, seed=1),
        "GaussianDropout": lambda: GaussianDropout(0.4, seed=2),
    }


@pytest.mark.parametrize("name", list(_gradient_check_layers()))
def test_every_new_layer_passes_the_gradient_check_in_float64(name, rng):
    # a Dense layer before the new one: its gradients check the new layer's input gradient too
    layer = _gradient_check_layers()[name]()
    model = Sequential([Input((4,)), Dense(5, activation="tanh"), layer, Dense(2)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(7, 4)), rng.normal(size=(7, 2)))
    assert result.max_error < 1e-6, str(result)
    assert any(key.startswith("dense/") for key in result.errors)
    if name.startswith("LayerNormalization"):
        assert {k.split("/")[1] for k in result.errors if k.startswith("layer_normalization/")} == set(layer.params)


def test_the_gradient_check_freezes_the_noise_and_would_catch_a_wrong_backward(rng):
    class Forgetful(GaussianDropout):  # passes dY through as if there were no noise
        def backward(self, dY):
            return dY

    model = Sequential([Input((4,)), Dense(5, activation="tanh"), Forgetful(0.4, seed=2), Dense(2)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    result = glassnet.check_gradients(model, rng.normal(size=(7, 4)), rng.normal(size=(7, 2)))
    assert result.errors["dense/W"] > 1e-2 and result.errors["dense_1/W"] == 0.0


# -- saving, configs, summary, trace ---------------------------------------------------------
def _every_new_layer_model(rng, dtype="float32"):
    normalizer = Normalization(dtype=dtype)
    normalizer.adapt(rng.normal(loc=2.0, scale=3.0, size=(50, 6)))
    return Sequential([normalizer, GaussianNoise(0.1, seed=1), Dense(8, activation="relu"),
                       LayerNormalization(epsilon=1e-4, center=False), GaussianDropout(0.2), Rescaling(2.0, offset=0.5),
                       Normalization(mean=0.5, variance=4.0, invert=True), Dense(2)], seed=5, dtype=dtype)


def test_save_and_load_round_trip_every_new_layer(tmp_path, rng):
    x, y = rng.normal(loc=2.0, scale=3.0, size=(40, 6)), rng.normal(size=(40, 2))
    model = _every_new_layer_model(rng)
    model.compile(loss="mse", optimizer="adam")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    assert [l.get_config() for l in loaded.layers] == [l.get_config() for l in model.layers]
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    # the noise layers' generators are saved too: training goes on as it would have
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("layer", [GaussianNoise(0.2, seed=3), GaussianDropout(0.3), LayerNormalization(
    axis=[-1], epsilon=1e-5, scale=False, beta_initializer="ones"), Rescaling(0.5, 2.0),
    Normalization(axis=None, invert=True), Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0])],
    ids=lambda layer: type(layer).__name__)
def test_configs_round_trip_as_json(layer):
    import json

    config = json.loads(json.dumps(glassnet.layers.serialize(layer)))
    again = glassnet.layers.deserialize(config)
    assert type(again) is type(layer) and again.get_config() == layer.get_config()
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_layer_names_follow_keras():
    model = Sequential([Input((3,)), GaussianNoise(0.1), GaussianDropout(0.1), LayerNormalization(),
                        Rescaling(2.0), Normalization(mean=0.0, variance=1.0), GaussianNoise(0.1)])
    assert [l.name for l in model.layers] == ["gaussian_noise", "gaussian_dropout", "layer_normalization",
                                              "rescaling", "normalization", "gaussian_noise_1"]


def test_summary_and_trace_show_the_new_layers(rng):
    model = _every_new_layer_model(rng, dtype="float64")
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    rows = {line.split()[0]: line.split()[-1] for line in lines[4:-4]}
    assert rows == {"normalization": "13", "gaussian_noise": "0", "dense": "56", "layer_normalization": "8",
                    "gaussian_dropout": "0", "rescaling": "0", "normalization_1": "0", "dense_1": "18"}
    model.compile(loss="mse", optimizer="sgd")
    x, y = rng.normal(size=(3, 6)), rng.normal(size=(3, 2))
    before = model.get_weights()
    trace = model.trace(x, y)
    assert [t.kind for t in trace.layers] == [type(l).__name__ for l in model.layers]
    assert set(trace.layers[3].grads) == {"gamma"}
    for a, b in zip(model.get_weights(), before):  # a trace changes nothing
        np.testing.assert_array_equal(a, b)
    gradients = dict(zip(("gamma",), model.gradients(x, y)[5:6]))
    np.testing.assert_allclose(trace.layers[3].grads["gamma"], gradients["gamma"], rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnx_export_uses_layer_normalization_in_float32_and_its_steps_in_float64(dtype, rng, tmp_path):
    pytest.importorskip("onnx", reason="ONNX export needs onnx")
    from glassnet.onnx import export, to_onnx

    model = _every_new_layer_model(rng, dtype=dtype)
    ops = [node.op_type for node in to_onnx(model).graph.node]
    assert ("LayerNormalization" in ops) == (dtype == "float32")
    assert ops.count("Div") >= 1 and "RandomNormal" not in ops  # noise layers: identity at inference
    unadapted = Sequential([Input((3,)), Normalization(), Dense(1)])
    with pytest.raises(ValueError, match="has no mean and variance yet"):
        export(unadapted, tmp_path / "m.onnx")


def test_dropout_keeps_its_masks_on_the_shared_noise_base():
    layer = Dropout(0.5, seed=1)
    out = layer(np.ones((4, 1000)), training=True)
    assert np.unique(out).tolist() == [0.0, 2.0] and abs(out.mean() - 1) < 0.1
    np.testing.assert_array_equal(layer(np.ones((2, 1000))), np.ones((2, 1000)))


def test_dropout_noise_shape_shares_one_draw_along_its_axes_of_size_1(tmp_path, rng):
    # Keras: the mask is drawn in noise_shape (None: the input's size) and broadcast against the input,
    # so Dropout(0.5, noise_shape=(None, 1, 4)) keeps or drops a feature at all 3 steps of a sample at once
    x = rng.uniform(1.0, 2.0, size=(64, 3, 4)).astype("float32")  # the layers compute in float32
    layer = Dropout(0.5, noise_shape=(None, 1, 4), seed=1)
    ratio = layer(x, training=True) / x
    assert set(np.unique(ratio.round(5))) == {0.0, 2.0}
    np.testing.assert_array_equal(ratio == 0, np.broadcast_to(ratio[:, :1] == 0, ratio.shape))  # the same at every step
    assert 0.35 < (ratio[:, 0] == 0).mean() < 0.65  # and drawn anew for each sample and feature
    layer.forward(x, training=True)
    dy = rng.normal(size=x.shape)
    np.testing.assert_allclose(layer.backward(dy), dy * layer.mask)  # dX = dY ⊙ m, m of shape (64, 1, 4)
    assert layer.mask.shape == (64, 1, 4)
    np.testing.assert_array_equal(layer(x), x)  # inference: identity
    rows = Dropout(0.25, noise_shape=[None, 1], seed=2)(np.ones((4000, 6)), training=True)
    assert set(np.unique(rows.std(axis=1))) == {0.0}  # whole samples kept or dropped
    assert abs((rows[:, 0] == 0).mean() - 0.25) < 0.03
    # the setting is saved, and read from Keras's config (a list of None and sizes)
    assert Dropout.from_config(layer.get_config()).noise_shape == (None, 1, 4)
    keras_config = {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.5, "seed": None,
                    "noise_shape": [None, 1]}
    assert layers.deserialize({"class_name": "Dropout", "config": keras_config}).noise_shape == (None, 1)
    model = Sequential([Input((3, 4)), Dropout(0.5, noise_shape=(None, 1, 4)), layers.Flatten(), Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    model.fit(x, x[:, 0, :1], epochs=1, verbose=0)
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").layers[0].noise_shape == (None, 1, 4)


@pytest.mark.parametrize("noise_shape, message", [
    ((None, 2), r"noise_shape=\(None, 2\), which does not fit batches of shape \(None, 3\)"),
    ((None, 1, 1), r"noise_shape=\(None, 1, 1\), which does not fit"),
    (3, r"noise_shape must be None or a tuple of positive integers and None"),
    ((None, 0), r"noise_shape must be a tuple of positive integers and None"),
])
def test_dropout_refuses_a_noise_shape_that_does_not_fit(noise_shape, message):
    with pytest.raises(ValueError, match=message):
        Dropout(0.5, noise_shape=noise_shape)(np.ones((2, 3)), training=True)


def test_dropout_noise_shape_as_keras_draws_it_and_in_keras_files(tmp_path, monkeypatch):
    pytest.importorskip("h5py", reason=".keras files need h5py")
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras", reason="the comparison needs Keras")
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(256, 3, 4)).astype("float32")
    for dropout in (keras.layers.Dropout(0.5, noise_shape=(None, 1, 4), seed=1),
                    Dropout(0.5, noise_shape=(None, 1, 4), seed=1)):
        ratio = np.asarray(dropout(x, training=True)) / x
        np.testing.assert_array_equal(ratio == 0, np.broadcast_to(ratio[:, :1] == 0, ratio.shape))
        assert 0.4 < (ratio == 0).mean() < 0.6
    model = Sequential([Input((3, 4)), Dropout(0.5, noise_shape=(None, 1, 4)), layers.Flatten(), Dense(1)])
    model.build()
    model.export(tmp_path / "m.keras", format="keras")
    assert keras.saving.load_model(tmp_path / "m.keras").layers[0].noise_shape == (None, 1, 4)


@pytest.mark.skipif(importlib.util.find_spec("array_api_strict") is None, reason="array-api-strict is not installed")
def test_the_new_layers_train_in_another_namespace_as_on_numpy(rng):
    x, y = rng.normal(loc=2.0, scale=3.0, size=(32, 6)), rng.normal(size=(32, 2))

    def run(name):
        with glassnet.backend.namespace(name):
            model = _every_new_layer_model(np.random.default_rng(1), dtype="float64")
            model.compile(loss="mse", optimizer="adam")
            model.fit(x, y, epochs=2, batch_size=8, verbose=0)
            return model.get_weights(), model.predict(x)

    (weights, predicted), (other_weights, other_predicted) = run("numpy"), run("array_api_strict")
    for a, b in zip(weights, other_weights):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(other_predicted, predicted, rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(importlib.util.find_spec("array_api_strict") is None, reason="array-api-strict is not installed")
def test_per_channel_rescaling_trains_in_another_namespace_as_on_numpy(rng):
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))

    def run(name):
        with glassnet.backend.namespace(name):
            model = Sequential([Input((3,)), Dense(4, activation="tanh"), Rescaling([0.5, 2.0, -1.0, 1.5], offset=[
                1.0, 0.0, 3.0, -2.0]), Dense(1)], seed=1, dtype="float64")
            model.compile(loss="mse", optimizer="adam")
            model.fit(x, y, epochs=2, batch_size=4, verbose=0)
            return model.get_weights()

    for a, b in zip(run("numpy"), run("array_api_strict")):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


# -- arguments ----------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, message", [
    (lambda: GaussianNoise(-0.1), ValueError, r"stddev must be >= 0\. Received: stddev=-0\.1"),
    (lambda: GaussianNoise(1.5), ValueError, r"stddev must be <= 1"),  # Keras 3 refuses it too
    (lambda: GaussianNoise("0.1"), TypeError, r"stddev must be a number"),
    (lambda: GaussianNoise(0.1, seed=-1), ValueError, r"seed must be a non-negative integer"),
    (lambda: GaussianDropout(1.0), ValueError, r"rate must be < 1\. Received: rate=1\.0"),
    (lambda: GaussianDropout(-0.2), ValueError, r"rate must be >= 0"),
    (lambda: GaussianDropout(0.2, noise_shape=None), TypeError, r"unexpected keyword argument 'noise_shape'"),
    (lambda: LayerNormalization(epsilon=-1e-3), ValueError, r"epsilon must be >= 0"),
    (lambda: LayerNormalization(axis=0), ValueError, r"axis 0 is the batch axis.*Received: axis=0"),
    (lambda: LayerNormalization(axis=[0, 1]), ValueError, r"axis 0 is the batch axis"),
    (lambda: LayerNormalization(axis=0.5), TypeError, r"axis must be an integer or a non-empty list"),
    (lambda: LayerNormalization(axis=[]), TypeError, r"axis must be an integer or a non-empty list"),
    (lambda: LayerNormalization(axis=[1, True]), TypeError, r"axis must be an integer or a non-empty list"),
    (lambda: LayerNormalization(center="yes"), TypeError, r"center must be True or False"),
    (lambda: LayerNormalization(gamma_regularizer="l3"), ValueError, r"gamma_regularizer: Unknown regularizer 'l3'"),
    (lambda: LayerNormalization(beta_constraint="non_negative"), ValueError, r"Unknown beta_constraint"),
    (lambda: LayerNormalization(rms_scaling=True), ValueError, r"has no rms_scaling"),
    (lambda: LayerNormalization(gamma_initializer="onez"), ValueError, r"onez"),
    (lambda: Rescaling("1/255"), TypeError, r"scale must be a number\. Received: scale='1/255'"),
    (lambda: Rescaling(1.0, offset=float("nan")), ValueError, r"offset must be finite"),
    (lambda: Rescaling(None), TypeError, r"scale must be a number\. Received: scale=None"),
    (lambda: Rescaling([0.5, "2"]), TypeError, r"scale\[1\] must be a number\. Received: scale\[1\]='2'"),
    (lambda: Rescaling([0.5, True]), TypeError, r"scale\[1\] must be a number"),
    (lambda: Rescaling(1.0, offset=[0.0, float("inf")]), ValueError, r"offset\[1\] must be finite"),
    (lambda: Rescaling([]), ValueError, r"scale must be a number or a non-empty \(nested\) list of numbers"),
    (lambda: Rescaling([[1.0, 2.0], [3.0]]), ValueError, r"scale must be a number or a non-empty \(nested\) "
                                                         r"list.*Received: scale=\[\[1\.0, 2\.0\], \[3\.0\]\]"),
    (lambda: Rescaling(1.0, offset=[[1.0, [2.0]]]), ValueError, r"offset must be a number or a non-empty"),
    (lambda: Normalization(mean=[1.0, 2.0]), ValueError, r"both `mean` and `variance` must be set"),
    (lambda: Normalization(variance=[1.0]), ValueError, r"both `mean` and `variance` must be set"),
    (lambda: Normalization(mean=[1.0, 2.0], variance=[1.0, 2.0, 3.0]), ValueError,
     r"mean and variance must have the same shape\. Received: mean of shape \(2,\) and variance of shape \(3,\)"),
    (lambda: Normalization(mean=[1.0], variance=[-1.0]), ValueError, r"variance must be >= 0"),
    (lambda: Normalization(mean=["a"], variance=[1.0]), TypeError, r"mean must contain numbers"),
    (lambda: Normalization(mean=[float("inf")], variance=[1.0]), ValueError, r"mean contains inf"),
    (lambda: Normalization(axis=None, mean=[1.0, 2.0], variance=[1.0, 2.0]), ValueError,
     r"axis=None takes one mean and one variance"),
    (lambda: Normalization(axis=0), ValueError, r"axis=-1.*Received: axis=0"),
    (lambda: Normalization(axis="features"), TypeError, r"axis must be an integer"),
    (lambda: Normalization(invert=1), TypeError, r"invert must be True or False"),
])
def test_bad_arguments_are_refused_by_name(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_shapes_that_do_not_fit_are_refused_by_name():
    layer = _adapted()
    with pytest.raises(ValueError, match=r"takes samples of shape \(4,\), but adapt\(\) received data of shape "
                                         r"\(2, 3\)"):
        layer.adapt(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"takes samples of shape \(5,\)"):
        Normalization(input_shape=(5,)).adapt(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"adapt's data contains NaN"):
        Normalization().adapt(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"was given its mean and variance; adapt\(\) would replace them"):
        Normalization(mean=0.0, variance=1.0).adapt(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"mean and variance have shape \(2,\); for inputs of shape \(None, 3\) "
                                         r"they must be numbers or of shape \(3,\)"):
        Sequential([Input((3,)), Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])])
    with pytest.raises(ValueError, match=r"axis \[1, 3\] is out of range for inputs of shape \(None, 2, 3\): each "
                                         r"must be 1 … 2 or -2 … -1"):
        LayerNormalization(axis=[1, 3])(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match=r"axis -3 names the batch axis for inputs of shape \(None, 2, 3\)"):
        LayerNormalization(axis=-3)(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match=r"axis \[2, -1\] names an axis twice"):
        LayerNormalization(axis=[2, -1])(np.ones((4, 2, 3)))


@pytest.mark.parametrize("normalization", [layers.BatchNormalization, LayerNormalization])
def test_normalization_gamma_and_beta_regularizers_add_their_penalty_and_its_gradient(normalization, tmp_path):
    # Keras's gamma_regularizer and beta_regularizer (refused before): l2 · Σγ² and l1 · Σ|β| join the loss
    # (model.losses), and 2 · l2 · γ and l1 · sign(β) the gradients of γ and β
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(6, 4)) * 2 + 1, rng.normal(size=(6, 2))
    gamma, beta = np.array([1.5, -0.5, 2.0]), np.array([0.3, -0.2, 0.1])

    def model(**regularizers):
        net = Sequential([Input((4,)), Dense(3), normalization(**regularizers), Dense(2)], seed=0, dtype="float64")
        net.compile(loss="mse", optimizer="sgd")
        net.build()
        net.layers[1].set_weights([gamma, beta, *net.layers[1].get_weights()[2:]])
        return net

    plain = model()
    regularized = model(gamma_regularizer=glassnet.regularizers.L2(0.1), beta_regularizer="l1")
    np.testing.assert_allclose(regularized.losses, [0.1 * np.sum(gamma ** 2), 0.01 * np.sum(np.abs(beta))])
    np.testing.assert_allclose(regularized.evaluate(x, y, verbose=0) - plain.evaluate(x, y, verbose=0),
                               sum(regularized.losses))
    grads, plain_grads = regularized.gradients(x, y), plain.gradients(x, y)
    np.testing.assert_allclose(grads[2] - plain_grads[2], 2 * 0.1 * gamma, atol=1e-12)
    np.testing.assert_allclose(grads[3] - plain_grads[3], 0.01 * np.sign(beta), atol=1e-12)
    assert glassnet.check_gradients(regularized, x, y).max_error < 1e-6  # central differences of the whole loss
    config = regularized.layers[1].get_config()
    assert config["gamma_regularizer"] == {"class_name": "L2", "config": {"l2": 0.1}}
    regularized.save(tmp_path / "m.gn")
    again = load_model(tmp_path / "m.gn")
    np.testing.assert_allclose(again.losses, regularized.losses)
    keras_config = {"name": "norm", "gamma_regularizer": {"module": "keras.regularizers", "class_name": "L1L2",
                                                         "config": {"l1": 0.0, "l2": 0.5}, "registered_name": None}}
    assert repr(layers.deserialize({"class_name": normalization.__name__, "config": keras_config})
                .gamma_regularizer) == "L1L2(l1=0.0, l2=0.5)"


@pytest.mark.parametrize("name", ["BatchNormalization", "LayerNormalization"])
def test_normalization_regularizers_train_as_keras_in_float64(name, monkeypatch, tmp_path):
    pytest.importorskip("h5py", reason=".keras files need h5py")
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras", reason="the comparison needs Keras")
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(16, 5)) * 2 + 1, rng.normal(size=(16, 2))
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, dtype="float64"),
                               getattr(keras.layers, name)(gamma_regularizer=keras.regularizers.L2(0.1),
                                                           beta_regularizer=keras.regularizers.L2(0.05), dtype="float64"),
                               keras.layers.Dense(2, dtype="float64")])
    ours = Sequential([Input((5,)), Dense(4), getattr(layers, name)(gamma_regularizer=glassnet.regularizers.L2(0.1),
                                                                    beta_regularizer=glassnet.regularizers.L2(0.05)),
                       Dense(2)], dtype="float64")
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    ours.build()
    ours.set_weights([np.asarray(w, dtype="float64") for w in theirs.get_weights()])
    theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    for mine, keras_weights in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, keras_weights, atol=1e-6)  # Keras 3.15 normalizes float64 in float32
    ours.export(tmp_path / "m.keras", format="keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras").layers[1]
    assert (loaded.gamma_regularizer.l2, loaded.beta_regularizer.l2) == (0.1, 0.05)


# -- huge inputs: a variance past the dtype's largest -------------------------------------------------------------
#: the normalizing layers, each made for samples of 6 features (GroupNormalization: 2 groups of 3)
HUGE_INPUT_LAYERS = {"BatchNormalization": lambda: layers.BatchNormalization(),
                     "LayerNormalization": lambda: LayerNormalization(),
                     "LayerNormalization-2-axes": lambda: LayerNormalization(axis=[1, 2]),
                     "GroupNormalization": lambda: layers.GroupNormalization(groups=2),
                     "RMSNormalization": lambda: layers.RMSNormalization(),
                     "UnitNormalization": lambda: layers.UnitNormalization()}


@pytest.mark.parametrize("dtype, power", [("float64", 520), ("float32", 70), ("float32", 120)])
@pytest.mark.parametrize("name", list(HUGE_INPUT_LAYERS))
def test_normalizing_layers_normalize_inputs_whose_variance_overflows(name, dtype, power, rng):
    # |x| near 1e157 (float64) or 1e21 (float32): the squares are inf, 1/sqrt(inf) = 0, and every output was β
    # (0 for RMS and unit normalization), with an overflow warning. Normalization does not depend on the
    # scale: the outputs and scaled gradients are those of the inputs divided by the power of two (exactly)
    shape = (8, 5, 6) if name.endswith("axes") else (8, 6)
    X = rng.normal(size=shape).astype(dtype)
    X[0] *= 3  # one sample's (or a few features') statistics overflow only: a mixed batch
    dY = rng.normal(size=shape).astype(dtype)
    found = []
    for inputs in (X, X * np.asarray(2.0**power, dtype=dtype)):
        layer = HUGE_INPUT_LAYERS[name]()
        layer.dtype = dtype
        layer.build(shape[1:])
        if hasattr(layer, "epsilon"):  # ε against variances near 1 would differ from ε against 1e300
            layer.epsilon = 0.0
        for key, value in layer.params.items():
            value[...] = np.random.default_rng(1).uniform(0.5, 2.0, value.shape)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (no overflow warning: nothing overflows)
            Y = layer.forward(inputs, training=True)
            layer.needs_input_gradient = True
            dX = layer.backward(dY)
        found.append((Y, dX * (inputs[0, 0] / X[0, 0]), {key: value.copy() for key, value in layer.grads.items()}))
    (Y, dX, grads), (Y_huge, dX_huge, grads_huge) = found
    assert np.isfinite(Y_huge).all() and np.isfinite(dX_huge).all()
    np.testing.assert_allclose(Y_huge, Y, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dX_huge, dX, rtol=1e-5, atol=1e-5)
    for key in grads:
        np.testing.assert_allclose(grads_huge[key], grads[key], rtol=1e-6, atol=1e-6)


def test_batch_normalization_of_an_overflowing_batch_keeps_its_moving_statistics(rng):
    # the variance of values near 1.5e19 fits float32 (2.25e38), the sum of their squares does not: its moving
    # variance is that variance. Past float32's largest it is inf, and the inference outputs are NaN: they
    # were β (x/sqrt(inf) = 0), a finite answer the lost statistics cannot give
    layer = layers.BatchNormalization(momentum=0.0)
    X = np.array([[1.5e19], [-1.5e19]] * 4, dtype="float32")
    np.testing.assert_array_equal(layer(X, training=True).ravel(), [1.0, -1.0] * 4)
    np.testing.assert_allclose(layer.get_weights()[2:], [[0.0], [2.25e38]], rtol=1e-6)
    np.testing.assert_array_equal(layer(X).ravel(), [1.0, -1.0] * 4)
    layer(X * 10, training=True)
    assert np.isinf(layer.get_weights()[3]).all() and np.isnan(layer(X)).all()


@pytest.mark.parametrize("name", ["BatchNormalization", "LayerNormalization", "GroupNormalization",
                                  "RMSNormalization", "UnitNormalization"])
def test_gradients_of_normalizing_layers_with_overflowing_inputs_pass_check_gradients(name, rng):
    # the Dense before the layer makes |z| near 1e160: its gradients pass through the rescaled statistics
    model = Sequential([Input((5,)), Dense(6), HUGE_INPUT_LAYERS[name](), Dense(2)], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(7, 5)) * 1e160, rng.normal(size=(7, 2))
    result = glassnet.check_gradients(model, x, y)
    assert result.max_error < 1e-6, str(result)
    predictions = model.predict(x)
    # (each sample's own: the outputs were β for all, and all the gradients before the layer 0, which passed)
    assert np.isfinite(predictions).all() and np.ptp(predictions, axis=0).min() > 1e-3
    assert np.abs(result.analytic["dense/W"]).max() > 1e-3


def test_normalization_refuses_given_statistics_beyond_its_dtype():
    # a variance of 1e39 was stored in float32 as inf, and every output was 0, with a cast warning only
    with pytest.raises(ValueError, match=r"mean= and variance= are too large for the layer's float32 \(largest "
                                         r"3.4e\+38\): the mean of feature 0 is 0 and the variance 1e\+39; .*Give "
                                         r"them within that range, or use dtype='float64'"):
        Normalization(mean=0.0, variance=1e39)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"the mean of feature 1 is -1e\+39"):
        Normalization(mean=[0.0, -1e39], variance=[1.0, 1.0])(np.ones((2, 2)))
    wide = Normalization(mean=0.0, variance=1e40, dtype="float64")  # the advice works
    np.testing.assert_allclose(wide(np.full((1, 2), 1e20)), [[1.0, 1.0]])
