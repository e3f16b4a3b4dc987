"""Keras's other initializers: LecunUniform, TruncatedNormal, Orthogonal, Identity and the
function-style names (glassnet/initializers.py). Random streams differ from Keras's, so the
distributions are checked: Keras 3.15.1 (JAX) drew, for the same calls,
    TruncatedNormal(mean=1.0, stddev=0.5, seed=0)((1000, 1000)): mean 1.00012, std 0.43947 (0.8789·stddev),
        min 1.5e-05, max 1.99997;
    LecunUniform(seed=0)((1000, 400)): min -0.054772, max 0.054772 (sqrt(3/1000) = 0.0547723), std 0.031599;
    Orthogonal(gain=2.0, seed=0)((64, 32)): |WᵀW - 4I| <= 1.9e-6 (float32); ((32, 64)): |WWᵀ - I| <= 4.8e-7;
    Identity(gain=2.0)((2, 3)): [[2, 0, 0], [0, 2, 0]].
"""

import numpy as np
import pytest

from glassnet import initializers
from glassnet.layers import Dense, LayerNormalization
from glassnet.models import Sequential, load_model
from glassnet.utils import set_random_seed


def test_truncated_normal_resamples_beyond_two_standard_deviations():
    W = initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=0)((1000, 1000), dtype="float64")
    assert 0.0 <= W.min() and W.max() <= 2.0  # mean ± 2·stddev
    assert W.min() < 0.01 and W.max() > 1.99  # drawn up to the bounds, not clipped onto them
    assert np.count_nonzero(W == 0.0) + np.count_nonzero(W == 2.0) == 0
    # the truncated bell's std is 0.87962566·stddev; 10^6 draws pin mean and std to ~1e-3
    assert abs(W.mean() - 1.0) < 2e-3 and abs(W.std() / 0.5 - 0.87962566) < 2e-3
    assert initializers.TruncatedNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}  # as Keras


def test_lecun_uniform_has_variance_one_over_fan_in():
    W = initializers.LecunUniform(seed=0)((1000, 400), dtype="float64")
    limit = np.sqrt(3 / 1000)
    assert -limit <= W.min() < -0.999 * limit and 0.999 * limit < W.max() <= limit
    assert abs(W.std() / np.sqrt(1 / 1000) - 1) < 5e-3
    N = initializers.LecunNormal(seed=0)((1000, 400), dtype="float64")
    assert abs(N.std() / np.sqrt(1 / 1000) - 1) < 5e-3


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (3, 4, 5), (7, 7)])
@pytest.mark.parametrize("dtype, atol", [("float32", 5e-6), ("float64", 1e-13)])
def test_orthogonal_gives_orthonormal_columns_or_rows_times_the_gain(shape, dtype, atol):
    W = initializers.Orthogonal(gain=2.0, seed=0)(shape, dtype=dtype)
    assert W.shape == shape and W.dtype == dtype
    M = W.reshape(-1, shape[-1]).astype(np.float64)  # (rows, columns) as Keras flattens it
    gram = M.T @ M if M.shape[0] >= M.shape[1] else M @ M.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(M.shape)), atol=atol * 4)


def test_orthogonal_is_uniform_over_orthogonal_matrices():
    # Q's columns signed by R's diagonal: an entry of a random 2x2 rotation/reflection is cos θ for
    # θ uniform, so its mean is 0 (without the signs, Q[0, 0] of NumPy's QR is always <= 0)
    entries = np.array([initializers.Orthogonal(seed=s)((2, 2), dtype="float64")[0, 0] for s in range(2000)])
    assert abs(entries.mean()) < 0.05 and abs(np.mean(entries**2) - 0.5) < 0.03


def test_identity_initializer():
    assert initializers.Identity(gain=2.0)((2, 3)).tolist() == [[2, 0, 0], [0, 2, 0]]
    assert initializers.get("identity")((2, 2), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("make, shape, match", [
    (initializers.Orthogonal, (5,), r"Orthogonal initializes a matrix: shape must have at least two dimensions. "
                                    r"Received: shape=\(5,\)"),
    (initializers.Identity, (2, 2, 2), r"Identity initializes a matrix: shape must have two dimensions"),
])
def test_matrix_initializers_refuse_other_shapes(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(shape)


@pytest.mark.parametrize("make, error, match", [
    (lambda: initializers.TruncatedNormal(stddev=-1.0), ValueError, "stddev must be >= 0"),
    (lambda: initializers.TruncatedNormal(seed=1.5), ValueError, "seed must be a non-negative integer or None"),
    (lambda: initializers.Orthogonal(gain="2"), TypeError, "gain must be a number"),
    (lambda: initializers.Identity(gain=float("inf")), ValueError, "gain must be finite"),
    # "The truth value of an array with more than one element is ambiguous"
    (lambda: initializers.VarianceScaling(mode=np.array(["fan_in", "fan_out"])), ValueError,
     "mode must be 'fan_in', 'fan_out' or 'fan_avg'. Received: mode=array"),
    (lambda: initializers.VarianceScaling(distribution=np.array(["uniform", "uniform"])), ValueError,
     "distribution must be 'uniform', 'truncated_normal' or 'untruncated_normal'. Received: distribution=array"),
])
def test_initializer_arguments_are_checked(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("name", ["lecun_uniform", "truncated_normal", "orthogonal"])
def test_seed_behaves_as_for_the_other_initializers(name):
    init = initializers.get(name)
    seeded = type(init)(seed=5)
    assert np.array_equal(seeded((6, 4)), seeded((6, 4)))  # the same values at every call, as Keras
    assert not np.array_equal(seeded((6, 4)), type(init)(seed=6)((6, 4)))
    set_random_seed(1)
    first = init((6, 4))
    assert not np.array_equal(first, init((6, 4)))  # unseeded: the global generator moves on
    set_random_seed(1)
    assert np.array_equal(first, init((6, 4)))


def test_kerass_function_style_names_are_its_classes():
    # keras.initializers.glorot_uniform is keras.initializers.GlorotUniform (Keras 3.15)
    pairs = {"zeros": "Zeros", "ones": "Ones", "constant": "Constant", "random_uniform": "RandomUniform",
             "random_normal": "RandomNormal", "truncated_normal": "TruncatedNormal", "glorot_uniform": "GlorotUniform",
             "glorot_normal": "GlorotNormal", "he_uniform": "HeUniform", "he_normal": "HeNormal",
             "lecun_uniform": "LecunUniform", "lecun_normal": "LecunNormal", "orthogonal": "Orthogonal",
             "identity": "Identity", "variance_scaling": "VarianceScaling", "OrthogonalInitializer": "Orthogonal",
             "IdentityInitializer": "Identity"}
    for alias, name in pairs.items():
        assert getattr(initializers, alias) is getattr(initializers, name)
        if alias.islower():
            assert type(initializers.get(alias)) is getattr(initializers, name)
    W = Dense(3, kernel_initializer=initializers.orthogonal(seed=2))(np.ones((1, 5)))
    assert W.shape == (1, 3)


def test_new_initializers_are_saved_with_their_arguments(tmp_path):
    model = Sequential([Dense(4, input_dim=4, kernel_initializer=initializers.Orthogonal(gain=0.5, seed=3),
                              bias_initializer=initializers.TruncatedNormal(mean=0.1, stddev=0.01, seed=4)),
                        Dense(2, kernel_initializer="lecun_uniform")], seed=0)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert repr(loaded.layers[0].kernel_initializer) == "Orthogonal(gain=0.5, seed=3)"
    assert repr(loaded.layers[0].bias_initializer) == "TruncatedNormal(mean=0.1, stddev=0.01, seed=4)"
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])
    np.testing.assert_allclose(model.get_weights()[0].T @ model.get_weights()[0], 0.25 * np.eye(4), atol=1e-6)


def test_constant_takes_an_array_that_broadcasts_to_the_weights_as_keras(tmp_path):
    # TensorFlow's imbalanced-data tutorial: Dense(1, "sigmoid", bias_initializer=Constant(np.log([pos / neg])))
    # Keras 3.15: Constant(np.log([0.05]))((1,)) == [-2.9957323]; Constant([1., 2.])((3, 2)) repeats the row
    bias = initializers.Constant(np.log([0.05]))
    np.testing.assert_allclose(bias((1,)), [-2.9957323], rtol=1e-7)
    assert bias.get_config() == {"value": [np.log(0.05)]}
    np.testing.assert_array_equal(initializers.Constant([1.0, 2.0])((3, 2)), [[1.0, 2.0]] * 3)
    assert initializers.Constant(np.array(0.5)).get_config() == {"value": 0.5}
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3, bias_initializer=bias)], seed=0)
    np.testing.assert_allclose(model.get_weights()[1], [np.log(0.05)], rtol=1e-7)
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").layers[0].bias_initializer.get_config() == bias.get_config()
    with pytest.raises(ValueError, match=r"Constant's value of shape \(2,\) does not broadcast to the weights' "
                                         r"shape \(3,\)"):
        initializers.Constant([1.0, 2.0])((3,))  # Keras: "incompatible shapes for broadcasting"
    with pytest.raises(TypeError, match=r"value must contain numbers"):
        initializers.Constant(["a"])
    with pytest.raises(TypeError, match=r"value must be a number or an array of numbers"):
        initializers.Constant([True])
    with pytest.raises(ValueError, match=r"value contains NaN"):
        initializers.Constant([0.0, float("nan")])


def test_an_initializer_given_as_none_draws_keras_s_glorot_uniform_and_says_so(keras64):
    # TensorFlow's imbalanced-data tutorial passes Dense(1, bias_initializer=None): Keras 3 draws such weights with
    # glorot_uniform (its add_weight's default, a bias too); glassnet refused None and the tutorial stopped
    keras = keras64
    with pytest.warns(UserWarning, match=r"bias_initializer=None: the weights are drawn with 'glorot_uniform', as "
                                         r"Keras 3 draws them .*give bias_initializer='zeros' for zeros"):
        dense = Dense(3, bias_initializer=None, dtype="float64")
    with pytest.warns(UserWarning, match="gamma_initializer=None"):
        norm = LayerNormalization(gamma_initializer=None)
    theirs = keras.layers.Dense(3, bias_initializer=None)
    dense.build((None, 4)), theirs.build((None, 4)), norm.build((None, 5))
    for bias in (dense.get_weights()[1], np.asarray(theirs.bias)):  # glorot_uniform of (3,): limit √(6/6) = 1
        assert bias.shape == (3,) and np.abs(bias).max() <= 1.0 and np.abs(bias).max() > 0
    assert isinstance(dense.bias_initializer, initializers.GlorotUniform) and norm.get_weights()[0].std() > 0
    assert initializers.get(None) is None and keras.initializers.get(None) is None  # (get alone: Keras's None)


#: keras.saving.serialize_keras_object(Dense(1, bias_initializer=Constant(np.log([0.05])))) in Keras 3.15: the
#: array argument serialized as __numpy__ (the TensorFlow imbalanced-data tutorial's output bias)
KERAS_CONSTANT = {"module": "keras.initializers", "class_name": "Constant",
                  "config": {"value": {"class_name": "__numpy__",
                                       "config": {"value": [-2.995732273553991], "dtype": "float64"}}},
                  "registered_name": None}


def test_a_keras_constant_of_an_array_is_read_from_its_serialized_config():
    # 'value must be a number' for the dict: a Keras model with such a bias could not be read
    assert initializers.get(KERAS_CONSTANT).value == [-2.995732273553991]
    assert initializers.Constant.from_config(KERAS_CONSTANT["config"]).value == [-2.995732273553991]
    dense = Dense.from_config({"units": 1, "bias_initializer": KERAS_CONSTANT})
    model = Sequential([Dense(2, input_dim=3), dense], seed=0)
    model.build()
    np.testing.assert_array_equal(dense.bias, np.float32([np.log(0.05)]))


@pytest.mark.parametrize("distribution, read_as", [("normal", "truncated_normal"), ("Uniform", "uniform"),
                                                   ("TRUNCATED_NORMAL", "truncated_normal")])
def test_variance_scaling_reads_the_distribution_as_keras(distribution, read_as):
    # Keras 3.15 lowercases the distribution and reads tf.keras's "normal" as "truncated_normal"
    # (VarianceScaling(distribution="normal").distribution == "truncated_normal"); glassnet raised a ValueError
    init = initializers.VarianceScaling(distribution=distribution, seed=1)
    assert init.distribution == read_as
    np.testing.assert_array_equal(init((4, 3)), initializers.VarianceScaling(distribution=read_as, seed=1)((4, 3)))
    with pytest.raises(ValueError, match="distribution"):
        initializers.VarianceScaling(distribution="gamma")


def test_constant_takes_an_empty_array_for_weights_of_size_zero_as_keras():
    # Keras 3.15: Constant(np.zeros(0))((3, 0)) is an empty (3, 0) array; glassnet raised
    # "value is empty (shape (0,)); at least one sample is required"
    assert initializers.Constant(np.zeros(0))((3, 0)).shape == (3, 0)
    with pytest.raises(ValueError, match="value"):
        initializers.Constant(np.zeros(0))((3, 2))


#: keras.initializers.serialize in Keras 3.15 of Constant(keras.ops.log(0.25)) and of Constant of the tensor [0.5, -1]:
#: a backend tensor is written as __tensor__ (a NumPy array as __numpy__)
KERAS_TENSOR_CONSTANTS = [
    ({"module": "keras.initializers", "class_name": "Constant",
      "config": {"value": {"class_name": "__tensor__", "config": {"value": -1.3862943649291992, "dtype": "float32"}}},
      "registered_name": None}, -1.3862943649291992),
    ({"module": "keras.initializers", "class_name": "Constant",
      "config": {"value": {"class_name": "__tensor__", "config": {"value": [0.5, -1.0], "dtype": "float32"}}},
      "registered_name": None}, [0.5, -1.0]),
]


@pytest.mark.parametrize("config, value", KERAS_TENSOR_CONSTANTS)
def test_a_keras_constant_of_a_tensor_is_read_from_its_serialized_config(config, value):
    # "value must be a number. Received: value={'class_name': '__tensor__', ...}": the Keras file failed to load
    assert initializers.deserialize(config).value == value
    assert initializers.get(config).value == value
    assert initializers.Constant.from_config(config["config"]).value == value
    dense = Dense.from_config({"units": 2, "bias_initializer": config})
    Sequential([Dense(2, input_dim=3), dense], seed=0).build()
    np.testing.assert_array_equal(dense.bias, np.broadcast_to(np.float32(value), (2,)))


#: keras.initializers.serialize(GlorotUniform(seed=keras.random.SeedGenerator(3))) in Keras 3.15
KERAS_SEED_GENERATOR = {
    "module": "keras.initializers", "class_name": "GlorotUniform",
    "config": {"seed": {"module": "keras.random", "class_name": "SeedGenerator",
                        "config": {"seed": 3, "name": "seed_generator"}, "registered_name": None},
               "input_axes": None, "output_axes": None},
    "registered_name": None}


def test_a_keras_seed_generator_is_read_as_its_seed():
    # "seed must be a non-negative integer or None. Received: seed={'module': 'keras.random', ...}"
    for read in (initializers.deserialize(KERAS_SEED_GENERATOR), initializers.get(KERAS_SEED_GENERATOR),
                 initializers.GlorotUniform.from_config(KERAS_SEED_GENERATOR["config"])):
        assert repr(read) == "GlorotUniform(seed=3)"
    dense = Dense.from_config({"units": 4, "kernel_initializer": KERAS_SEED_GENERATOR})
    assert dense.kernel_initializer.seed == 3
    bad = {**KERAS_SEED_GENERATOR, "config": {"seed": {"class_name": "SeedGenerator", "config": {"seed": -1}}}}
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer or None. Received: seed=-1"):
        initializers.deserialize(bad)
    with pytest.raises(ValueError, match=r"seed must be a non-negative integer"):  # no seed in it: not read
        initializers.deserialize({"class_name": "GlorotUniform", "config": {"seed": {"class_name": "SeedGenerator",
                                                                                     "config": {}}}})


def test_an_array_is_an_initializer_of_its_own_shape_as_keras():
    # Keras 3.15: get(array) returns f(shape, dtype=None), the array cast to dtype (floatx by default), and
    # f((3, 2)) raises "Expected `shape` to be (2, 3) for direct tensor as initializer. Received shape=(3, 2)";
    # glassnet said "Could not interpret initializer identifier"
    values = np.arange(6).reshape(2, 3)
    init = initializers.get(values)
    W = init((2, 3))
    assert W.dtype == np.float32 and W.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert init([2, 3], dtype="float64").dtype == np.float64
    assert initializers.get(np.float64(2.5))(()) == np.float32(2.5)
    with pytest.raises(ValueError, match=r"^initializer: an array given as the initializer is the weights' values, so "
                                         r"the weights' shape must be the array's, \(2, 3\). Received: shape=\(3, 2\)$"):
        init((3, 2))
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier: \[1.0, 2.0\]"):  # as Keras
        initializers.get([1.0, 2.0])
    kernel = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])
    model = Sequential([Dense(3, input_dim=2, kernel_initializer=kernel)])
    np.testing.assert_array_equal(model.layers[0].kernel, kernel.astype(np.float32))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 2)), np.zeros((4, 3)), verbose=0)
    assert kernel[0, 1] == -2.0  # the weights are a copy: training leaves the array alone
    with pytest.raises(ValueError, match=r"kernel_initializer: .* the array's, \(2, 3\). Received: shape=\(4, 3\)"):
        Sequential([Dense(3, input_dim=4, kernel_initializer=kernel)]).build()
