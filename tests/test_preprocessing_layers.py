"""CategoryEncoding and Discretization (layers/category_encoding.py, layers/discretization.py) against
Keras 3.15, by hand, in a trained tabular model, in files and as errors."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.models import Sequential


@pytest.fixture
def keras(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def _ids(rng, n, k, depth):
    return rng.integers(0, depth, size=(n, k)).astype("float32")


# ---- by hand ------------------------------------------------------------------------------------
def test_category_encoding_by_hand():
    x = np.array([[0, 1, 1], [3, 3, 3]])
    np.testing.assert_array_equal(layers.CategoryEncoding(4)(x), [[1, 1, 0, 0], [0, 0, 0, 1]])  # multi_hot
    np.testing.assert_array_equal(layers.CategoryEncoding(4, output_mode="count")(x), [[1, 2, 0, 0], [0, 0, 0, 3]])
    weighted = layers.CategoryEncoding(4, output_mode="count")(x, count_weights=[[0.5, 1, 2], [1, 1, 0.25]])
    np.testing.assert_array_equal(weighted, [[0.5, 3, 0, 0], [0, 0, 0, 2.25]])
    one_hot = layers.CategoryEncoding(4, output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array([2, 0])), [[0, 0, 1, 0], [1, 0, 0, 0]])  # (n,) as (n, 1)
    np.testing.assert_array_equal(one_hot(np.array([[2], [0]])), [[0, 0, 1, 0], [1, 0, 0, 0]])
    assert layers.CategoryEncoding(4, output_mode="one_hot")(x).shape == (2, 3, 4)
    assert layers.CategoryEncoding(4, output_mode="binary").output_mode == "multi_hot"  # Keras's old name
    out = layers.CategoryEncoding(3, dtype="float64")(np.array([[2.0]]))
    assert out.dtype == np.float64


def test_discretization_by_hand():
    """A value on a boundary goes to the bin above it (np.digitize), NaN to the last bin, as Keras."""
    d = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    x = np.array([[-1, 0, 0.5, 1, 2, 3, np.nan, np.inf, -np.inf]])
    np.testing.assert_array_equal(d(x), [[0, 1, 1, 2, 3, 3, 3, 3, 0]])
    assert d(x).dtype == np.float32  # glassnet's float (Keras's int32)
    np.testing.assert_array_equal(layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="count")(
        np.array([[0.0, 1.0, 5.0], [-1.0, -2.0, 0.5]])), [[0, 1, 2], [2, 1, 0]])
    np.testing.assert_array_equal(layers.Discretization(bin_boundaries=[0.0], output_mode="one_hot")(
        np.array([[-1.0], [0.0]])), [[1, 0], [0, 1]])
    np.testing.assert_array_equal(layers.Discretization(bin_boundaries=[])(np.array([[5.0, -5.0]])), [[0, 0]])


def test_adapt_by_hand():
    """Few values (fewer than 1/ε): Keras's summary keeps them all, and the boundaries are its
    compression to num_bins points: here the cumulative weights 1..10 of 0..9 interpolated at
    25%, 50%, 75% are 1.5, 4 and 6.5 (1.5 in float32 arithmetic)."""
    d = layers.Discretization(num_bins=4)
    d.adapt(np.arange(10.0))
    np.testing.assert_allclose(d.bin_boundaries, [1.5, 4.0, 6.5], rtol=1e-7)
    np.testing.assert_array_equal(d(np.array([[1.0, 2.0, 9.0]])), [[0, 1, 3]])
    few = layers.Discretization(num_bins=10)
    few.adapt([[3.0, 1.0, 2.0]])  # fewer values than bins: the sorted values but the last (Keras's)
    assert few.bin_boundaries == [1.0, 2.0]


@pytest.mark.parametrize("batches", [1, 7])
def test_adapted_boundaries_lie_near_the_exact_quantiles(batches, rng):
    """Keras's summary is approximate: a boundary's rank lies within ε of the exact quantile's for one
    array, and within 3ε after merging batches (at most 2.4ε seen over normal, exponential and integer data)."""
    worst = 0.0
    for x in (rng.normal(size=5000), rng.exponential(size=1000), rng.integers(0, 50, size=2000).astype(float)):
        for num_bins, epsilon in ((4, 0.01), (10, 0.01), (10, 0.05)):
            d = layers.Discretization(num_bins=num_bins, epsilon=epsilon)
            d.adapt(iter(np.array_split(x, batches)) if batches > 1 else x)
            sorted_x, b = np.sort(x.astype("float32")), np.float32(d.bin_boundaries)
            low = np.searchsorted(sorted_x, b, side="left") / x.size
            high = np.searchsorted(sorted_x, b, side="right") / x.size
            q = np.arange(1, num_bins) / num_bins
            worst = max(worst, np.maximum(0, np.maximum(low - q, q - high)).max() / epsilon)
    assert worst <= (1 + 1e-9 if batches == 1 else 3)


# ---- against Keras ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_category_encoding_equals_keras(keras, mode, k, rng):
    for depth in (1, 3, 10):
        x = _ids(rng, 17, k, depth)
        ours = layers.CategoryEncoding(depth, output_mode=mode)(x)
        theirs = np.asarray(keras.layers.CategoryEncoding(depth, output_mode=mode)(x.astype("int32")))
        np.testing.assert_array_equal(ours, theirs)
        assert ours.shape == theirs.shape
        if mode == "count":
            w = rng.uniform(size=x.shape).astype("float32")
            ours = layers.CategoryEncoding(depth, output_mode=mode)(x, count_weights=w)
            theirs = keras.layers.CategoryEncoding(depth, output_mode=mode)(x.astype("int32"), count_weights=w)
            np.testing.assert_array_equal(ours, np.asarray(theirs))
    one_d = _ids(rng, 9, 1, 4)[:, 0]
    if mode == "one_hot":
        np.testing.assert_array_equal(layers.CategoryEncoding(4, output_mode=mode)(one_d),
                                      np.asarray(keras.layers.CategoryEncoding(4, output_mode=mode)(one_d.astype(int))))


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_equals_keras_on_and_between_boundaries(keras, mode, rng):
    boundaries = [-1.5, -0.1, 0.0, 0.1, 0.3, 2.0]
    on = np.array(boundaries, dtype="float32")
    # the neighbours of each boundary (those of 0 are the smallest normal numbers: XLA's CPU flushes
    # subnormals to 0, so Keras on JAX puts -1e-45 in 0's bin, where np.digitize and glassnet put it below)
    tiny = np.finfo(np.float32).tiny
    near = np.concatenate([on, np.nextafter(on, np.float32(np.inf)), np.nextafter(on, np.float32(-np.inf)),
                           [tiny, -tiny]]).astype("float32")
    near = near[np.abs(near) >= tiny]
    x = np.concatenate([near, rng.normal(size=60).astype("float32"), [np.nan, np.inf, -np.inf]]).astype("float32")
    for k in (1, 3):
        batch = x[: x.size // k * k].reshape(-1, k)
        ours = layers.Discretization(bin_boundaries=boundaries, output_mode=mode)(batch)
        theirs = np.asarray(keras.layers.Discretization(bin_boundaries=boundaries, output_mode=mode)(batch))
        np.testing.assert_array_equal(ours, theirs)
        assert ours.shape == theirs.shape


def _keras_boundaries(keras, data, num_bins, epsilon):
    """Keras's adapt without tf.data (its adapt imports TensorFlow): the same reset, update and
    finalize steps, one update per batch."""
    layer = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    layer.reset_state()
    for batch in data:
        layer.update_state(batch)
    layer.finalize_state()
    return layer.bin_boundaries


@pytest.mark.parametrize("num_bins, epsilon", [(2, 0.01), (4, 0.01), (5, 0.1), (10, 0.01), (7, 0.003), (3, 1.0)])
def test_adapt_learns_keras_boundaries_bit_for_bit(keras, num_bins, epsilon, rng):
    sets = [rng.normal(size=(1000, 3)), rng.exponential(size=37), rng.integers(0, 5, size=(300, 2)).astype(float),
            np.arange(10.0), rng.normal(size=(20000,)) * 1e3]
    for x in sets:
        ours = layers.Discretization(num_bins=num_bins, epsilon=epsilon)
        ours.adapt(x)
        assert ours.bin_boundaries == _keras_boundaries(keras, [x], num_bins, epsilon)
        batches = np.array_split(x, 6)
        ours.adapt(iter(batches))
        assert ours.bin_boundaries == _keras_boundaries(keras, batches, num_bins, epsilon)
        ours.adapt(iter([(b, b) for b in batches]), steps=3)  # (x, y) batches: x; 3 of them
        assert ours.bin_boundaries == _keras_boundaries(keras, batches[:3], num_bins, epsilon)


def test_adapt_reads_a_list_one_element_per_batch_as_keras_by_hand():
    """Keras 3.15's boundaries (its adapt run without TensorFlow): a list or tuple is an iterable of batches,
    each element one batch taken whole (numbers, lists, arrays of any sizes, tuples of values), and ``steps``
    counts them; an array is one batch. Eight numbers as a list are eight one-value batches, whose float32
    weights round otherwise than one array's."""
    def boundaries(data, steps=None, **kwargs):
        layer = layers.Discretization(**{"num_bins": 4, **kwargs})
        layer.adapt(data, steps=steps)
        return layer.bin_boundaries

    eight = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    with pytest.warns(UserWarning, match="read the 8 elements of a list"):  # (more than 1/epsilon: see below)
        assert boundaries(eight, epsilon=0.3) == [2.4000000953674316, 4.000000476837158, 6.0]
    assert boundaries(np.array(eight), epsilon=0.3) == [2.4000000953674316, 4.0, 6.0]
    assert boundaries(tuple(eight)) == [2.0, 4.0, 6.0]  # (its first number alone, as an (x, y) pair, gave [])
    assert boundaries([[1.0], [2.0, 3.0]]) == [1.0, 2.0]  # (a ragged list could not be converted)
    assert boundaries([np.array([1.0, 2.0, 3.0]), np.array([5.0, 6.0, 7.0, 8.0, 9.0])]) == [2.0, 5.0, 7.0]
    assert boundaries([(1.0, 2.0), (3.0, 4.0)]) == [1.0, 2.0, 3.0]  # a list's tuples are values, not (x, y)
    assert boundaries([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]], steps=1) == [1.0, 2.0]


@pytest.mark.filterwarnings("ignore:adapt\\(\\) read the")  # (lists longer than 1/epsilon: tested below)
def test_adapt_of_a_list_equals_keras(keras, rng):
    """Against Keras's update per batch (``_keras_boundaries``): a list's elements are its batches."""
    x = rng.normal(size=500)
    for data in (x.tolist(), [chunk.tolist() for chunk in np.array_split(x, 7)], list(np.array_split(x, 7))):
        for epsilon in (0.01, 0.3):
            ours = layers.Discretization(num_bins=4, epsilon=epsilon)
            ours.adapt(data)
            assert ours.bin_boundaries == _keras_boundaries(keras, data, 4, epsilon)


def test_adapt_of_a_long_list_warns_of_the_drifting_summary():
    """Hundreds of small batches drift the summary (Keras's too): a list of more than 1/epsilon elements gets a
    warning saying how to get the quantiles of all the values; a shorter list, or one array, passes quietly."""
    x = np.arange(200.0)
    with pytest.warns(UserWarning, match=r"read the 20 elements of a list or tuple as 20 batches, as Keras reads "
                                         r"them: past 1/epsilon = 10 values .* adapt\(np.asarray\(data\)\)"):
        layers.Discretization(num_bins=4, epsilon=0.1).adapt(x.reshape(20, 10).tolist())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.Discretization(num_bins=4, epsilon=0.1).adapt(x.reshape(10, 20).tolist())
        layers.Discretization(num_bins=4, epsilon=0.1).adapt(x)
        layers.Discretization(num_bins=4, epsilon=0.1).adapt(iter(x.reshape(20, 10)))  # (batches of one's choosing)


def test_normalization_adapts_on_a_list_of_batches_as_keras():
    """Keras's Normalization.adapt reads a list of arrays as its batches, of any lengths (Keras 3.15: mean [4, 5],
    variance [5, 5] here): the statistics of all their rows, and a layer for their samples. Stacked into one
    array, two (2, 2) batches gave samples of shape (2, 2), and batches of other lengths failed."""
    batches = [np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([[7.0, 8.0]])]
    for data in (batches, [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 6.0], [7.0, 8.0]])],
                 [(x, np.zeros(len(x))) for x in batches], tuple(batches)):  # ((x, y) batches: the x, as Keras)
        layer = layers.Normalization()
        layer.adapt(data)
        np.testing.assert_allclose(layer.mean, [[4.0, 5.0]])
        np.testing.assert_allclose(layer.variance, [[5.0, 5.0]])
        assert layer.input_shape == (2,)
        np.testing.assert_allclose(layer(np.array([[4.0, 5.0]])), [[0.0, 0.0]], atol=1e-7)
    rows = layers.Normalization()  # 1-D arrays are rows, as Keras takes each as one sample (its mean [2.0, 3.5])
    rows.adapt([np.array([1.0, 2.0]), np.array([3.0, 5.0])])
    np.testing.assert_allclose(rows.mean, [[2.0, 3.5]])
    np.testing.assert_allclose(rows.variance, [[1.0, 2.25]])


# ---- in a model ---------------------------------------------------------------------------------
def _tabular(rng, n=300):
    """Two numeric columns and one categorical column (ids 0..4); the target depends on the bins."""
    numeric = rng.normal(size=(n, 2))
    category = rng.integers(0, 5, size=(n, 1)).astype(float)
    y = (numeric[:, :1] > 0.3).astype(float) + 0.5 * (category == 2)
    return numeric, category, y


def test_a_tabular_model_trains_saves_and_loads(rng, tmp_path):
    numeric, _, y = _tabular(rng)
    bins = layers.Discretization(num_bins=4, output_mode="one_hot")
    bins.adapt(numeric)
    glassnet.utils.set_random_seed(0)
    model = Sequential([layers.Input((2,)), bins, layers.Flatten(), layers.Dense(8, "relu"), layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(numeric, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    model.save(tmp_path / "m.gnet")
    again = glassnet.models.load_model(tmp_path / "m.gnet")
    np.testing.assert_array_equal(again.predict(numeric, verbose=0), model.predict(numeric, verbose=0))
    assert again.layers[0].bin_boundaries == bins.bin_boundaries
    cats = Sequential([layers.Input((1,)), layers.CategoryEncoding(5, output_mode="one_hot"), layers.Dense(1)])
    cats.compile("adam", "mse")
    category = rng.integers(0, 5, size=(200, 1)).astype(float)
    before = cats.evaluate(category, category == 2, verbose=0)
    cats.fit(category, category == 2, epochs=40, verbose=0)
    assert cats.evaluate(category, category == 2, verbose=0) < 0.5 * before
    cats.save(tmp_path / "c.gnet")
    np.testing.assert_array_equal(glassnet.models.load_model(tmp_path / "c.gnet").predict(category, verbose=0),
                                  cats.predict(category, verbose=0))


def test_keras_files_both_ways(keras, rng, tmp_path):
    x = np.c_[rng.normal(size=(50, 2)), rng.integers(0, 5, size=(50, 1))].astype("float32")
    bins = layers.Discretization(num_bins=5)
    bins.adapt(x[:, :2])
    model = Sequential([layers.Input((3,)), bins, layers.CategoryEncoding(5, output_mode="count"), layers.Dense(2)])
    model.compile("sgd", "mse")
    model.export(tmp_path / "m.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras")
    assert theirs.layers[0].bin_boundaries == bins.bin_boundaries and theirs.layers[0].num_bins == 5
    np.testing.assert_allclose(np.asarray(theirs(x)), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    k_bins = keras.layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.5], output_mode="multi_hot")
    keras_model = keras.Sequential([keras.Input((3,)), k_bins, keras.layers.Dense(2)])
    keras_model.save(tmp_path / "k.keras")
    ours = glassnet.models.load_model(tmp_path / "k.keras")
    assert [type(layer).__name__ for layer in ours.layers] == ["Discretization", "Dense"]
    np.testing.assert_allclose(ours.predict(x, verbose=0), np.asarray(keras_model(x)), rtol=1e-6, atol=1e-6)


def test_config_round_trip_and_summary(capsys):
    d = layers.Discretization(num_bins=3, output_mode="count", name="bins")
    d.adapt(np.arange(30.0))
    again = layers.deserialize(layers.serialize(d))
    assert again.get_config() == d.get_config() and again.bin_boundaries == d.bin_boundaries
    c = layers.CategoryEncoding(7, output_mode="one_hot")
    assert layers.CategoryEncoding.from_config(c.get_config()).get_config() == c.get_config()
    model = Sequential([layers.Input((4,)), d, layers.Dense(1)])
    model.summary()
    assert "bins (Discretization)" in capsys.readouterr().out
    assert model.layers[0].output_shape == (3,)


def test_onnx_graph_computes_what_the_layers_do(rng, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from glassnet.onnx import export

    x = np.concatenate([rng.normal(size=(30, 3)), [[np.nan, np.inf, -np.inf], [0.0, 1.0, -1.0]]]).astype("float32")
    for mode in ("int", "one_hot", "multi_hot", "count"):
        model = Sequential([layers.Input((3,)), layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0], output_mode=mode),
                            *([layers.CategoryEncoding(4, output_mode="count")] if mode == "int" else []),
                            layers.Flatten(), layers.Dense(2)])
        model.build()
        expected = x
        for layer in model.layers:  # (predict refuses NaN; the layers take it)
            expected = layer(expected)
        session = ort.InferenceSession(str(export(model, tmp_path / f"{mode}.onnx")), providers=["CPUExecutionProvider"])
        np.testing.assert_array_equal(session.run(None, {"input": x})[0], expected)


# ---- errors -------------------------------------------------------------------------------------
def test_no_gradient_passes_them():
    with pytest.raises(ValueError, match="passes no gradient.*comes after Layer 'dense'"):
        Sequential([layers.Input((3,)), layers.Dense(3), layers.Discretization(bin_boundaries=[0.0]),
                    layers.Dense(1)]).build()
    with pytest.raises(ValueError, match="passes no gradient"):
        Sequential([layers.Input((1,)), layers.Dense(3), layers.CategoryEncoding(3)]).build()
    with pytest.raises(ValueError, match="passes no gradient"):
        layers.CategoryEncoding(3).backward(np.ones((1, 3)))
    # first, before normalization and a Dense: built and trained
    model = Sequential([layers.Input((2,)), layers.Discretization(bin_boundaries=[0.0]), layers.Rescaling(0.5),
                        layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)


@pytest.mark.parametrize("bad", [4, -1, 1.5, np.nan])
def test_ids_out_of_range_or_not_whole_are_refused(bad):
    with pytest.raises(ValueError, match=r"CategoryEncoding.*whole numbers in \[0, 4\).*Received the id"):
        layers.CategoryEncoding(4)(np.array([[0.0, bad]]))


@pytest.mark.parametrize("make, error, match", [
    (lambda: layers.CategoryEncoding(), ValueError, "num_tokens must be set"),
    (lambda: layers.CategoryEncoding(0), ValueError, "num_tokens` must be >= 1"),
    (lambda: layers.CategoryEncoding(2.5), TypeError, "num_tokens must be a positive integer"),
    (lambda: layers.CategoryEncoding(3, output_mode="int"), ValueError, "output_mode must be one of"),
    (lambda: layers.CategoryEncoding(3, sparse=True), ValueError, "no sparse output"),
    (lambda: layers.Discretization(), ValueError, "either `num_bins` or `bin_boundaries`"),
    (lambda: layers.Discretization([0.0], num_bins=2), ValueError, "Both `num_bins` and `bin_boundaries`"),
    (lambda: layers.Discretization([1.0, 0.0]), ValueError, "non-decreasing"),
    # a single number, or a table: said "must be a 1-D array of shape (n_samples,)" (Keras fails at the call)
    (lambda: layers.Discretization(0.5), ValueError,
     r"bin_boundaries must be a 1-D list or array of numbers in non-decreasing order \(one boundary: \[0.5\]\)\. "
     r"Received: bin_boundaries=0.5"),
    (lambda: layers.Discretization(np.array([[0.0, 1.0]])), ValueError,
     r"bin_boundaries must be a 1-D list .* Received: an array of shape \(1, 2\)"),
    (lambda: layers.Discretization([0.0, np.nan]), ValueError, "bin_boundaries"),
    (lambda: layers.Discretization(num_bins=0), ValueError, "num_bins must be a positive integer"),
    (lambda: layers.Discretization(num_bins=2, epsilon=0), ValueError, "epsilon must be a number in"),
    (lambda: layers.Discretization(num_bins=2, epsilon=float("nan")), ValueError, "epsilon must be finite"),
    # a wrong type is a TypeError, as check_number gives it for every other layer's epsilon (it was a ValueError)
    (lambda: layers.Discretization(num_bins=2, epsilon="x"), TypeError, "epsilon must be a number. Received: epsilon='x'"),
    (lambda: layers.Discretization(num_bins=2, epsilon=None), TypeError, "epsilon must be a number"),
    (lambda: layers.Discretization([0.0], output_mode="binary"), ValueError, "output_mode must be one of"),
    (lambda: layers.Discretization([0.0], sparse=True), ValueError, "no sparse output"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_calls():
    with pytest.raises(ValueError, match="call `adapt"):
        layers.Discretization(num_bins=3)(np.ones((2, 1)))
    with pytest.raises(ValueError, match="Cannot adapt a Discretization layer that has been initialized"):
        layers.Discretization([0.0]).adapt(np.ones(3))
    with pytest.raises(ValueError, match="adapt's data has no values"):
        layers.Discretization(num_bins=2).adapt(np.ones((0, 2)))
    with pytest.raises(ValueError, match="count_weights` is not used"):
        layers.CategoryEncoding(3)(np.ones((2, 1)), count_weights=np.ones((2, 1)))
    with pytest.raises(ValueError, match="count_weights must have the shape"):
        layers.CategoryEncoding(3, output_mode="count")(np.ones((2, 2)), count_weights=np.ones((2, 1)))
    with pytest.raises(ValueError, match="takes batches of shape"):
        layers.CategoryEncoding(3)(np.array([0, 1]))
    with pytest.raises(ValueError, match="encodes samples of one axis"):
        layers.CategoryEncoding(3)(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="was built with 5 bins"):
        d = layers.Discretization(num_bins=5, output_mode="one_hot")
        Sequential([layers.Input((1,)), d, layers.Dense(1)]).build()
        d.adapt(np.array([1.0, 2.0]))


def test_pickled_and_cloned_layers_compute_the_same(rng):
    import pickle

    d = layers.Discretization(num_bins=4, output_mode="multi_hot")
    d.adapt(rng.normal(size=100))
    x = rng.normal(size=(5, 3))
    model = Sequential([layers.Input((3,)), d, layers.Dense(1)])
    expected = model.predict(x, verbose=0)
    for copy_ in (pickle.loads(pickle.dumps(model)), glassnet.models.clone_model(model)):
        copy_.set_weights(model.get_weights())
        np.testing.assert_array_equal(copy_.predict(x, verbose=0), expected)


def test_add_refuses_them_after_a_layer_with_weights_and_leaves_the_model_as_it_was():
    for model in (Sequential([layers.Input((3,)), layers.Dense(3)]), Sequential([layers.Dense(3)])):
        model.build((3,))
        with pytest.raises(ValueError, match="passes no gradient"):
            model.add(layers.Discretization(bin_boundaries=[0.0]))
        assert [type(layer).__name__ for layer in model.layers] == ["Dense"]
        assert model.predict(np.ones((1, 3)), verbose=0).shape == (1, 3)


def test_an_adapted_normalization_of_axis_none_takes_inputs_of_any_shape():
    # keras.io's Normalization example 1: adapt on [1, 2, 3, 4, 5] (mean 3, variance 2), then a call on
    # [1, 2, 3] gives [-1.414, -0.707, 0]; glassnet refused the vector (built for (None, 1))
    Normalization = layers.Normalization
    layer = Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype="float32"))
    np.testing.assert_allclose(layer(np.array([1.0, 2.0, 3.0], dtype="float32")), [-2 / 2**0.5, -1 / 2**0.5, 0.0],
                               rtol=1e-6)
    grid = np.arange(12.0).reshape(2, 2, 3)  # any shape: one mean and variance for every element
    np.testing.assert_allclose(layer(grid), (grid - 3.0) / 2**0.5, rtol=1e-6)
    assert layer.input_shape == (1,) and float(layer.mean.ravel()[0]) == 3.0  # the statistics kept
    per_feature = Normalization()
    per_feature.adapt(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(ValueError, match="built for inputs of shape \\(None, 2\\)"):
        per_feature(np.ones((1, 3)))
