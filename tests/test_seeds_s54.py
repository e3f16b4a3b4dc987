"""Seeds that must survive a copy and be read as scikit-learn reads them (session 54, hunt hrepro 1-3):
``Sequential(seed=...)`` through ``get_config``/``from_config``/``clone_model``/``model_from_json`` (and so the
Keras wrappers, which clone at every fit); the classic estimators' ``random_state`` as
``sklearn.utils.check_random_state`` reads it; a seeded model nested in an unseeded one keeping its dropout
generators when ``set_random_seed`` runs between building and ``fit``."""

import json
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.classic import SOM, Adaline, Hopfield, Perceptron, flip_bits
from glassnet.models import Sequential, clone_model, model_from_json
from glassnet.utils import set_random_seed


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")


def seeded_model(seed=0):
    model = Sequential([layers.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.3),
                        layers.Dense(3, activation="softmax")], seed=seed)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4)).astype("float32")
    return X, np.eye(3, dtype="float32")[np.arange(60) % 3]


def fitted_weights(model):
    X, Y = data()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)  # shuffled, with dropout: the seed's every use
    return model.get_weights()


# -- 1. the model's seed in its configuration ---------------------------------------------------------------
def test_a_model_s_seed_is_in_its_config_only_when_given():
    assert seeded_model(5).get_config()["seed"] == 5
    assert "seed" not in Sequential([layers.Input(shape=(4,)), layers.Dense(2)]).get_config()


@pytest.mark.parametrize("copy", [
    clone_model,
    lambda model: Sequential.from_config(model.get_config()),
    lambda model: glassnet.models.Model.from_config(model.get_config()),
    lambda model: model_from_json(model.to_json()),
    lambda model: model_from_json(json.dumps(json.loads(model.to_json()))),
], ids=["clone_model", "Sequential.from_config", "Model.from_config", "model_from_json", "json_text"])
def test_a_copy_of_a_seeded_model_trains_as_the_model_does(copy):
    # the copy's seed was lost: its weights, shuffling and dropout came from the global generator
    original = seeded_model(0)
    clone = copy(original)
    assert clone.seed == 0
    for a, b in zip(clone.get_weights(), original.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    if not clone.compiled:
        clone.compile(optimizer="adam", loss="categorical_crossentropy")
    set_random_seed(123)  # the global seed does not matter to either
    for a, b in zip(fitted_weights(clone), fitted_weights(original), strict=True):
        np.testing.assert_array_equal(a, b)


def test_two_clones_of_a_seeded_model_are_equal_and_an_unseeded_model_s_are_not():
    a, b = clone_model(seeded_model(1)), clone_model(seeded_model(1))
    for x, y in zip(fitted_weights(a), fitted_weights(b), strict=True):
        np.testing.assert_array_equal(x, y)
    unseeded = Sequential([layers.Input(shape=(4,)), layers.Dense(8)])
    assert not np.array_equal(clone_model(unseeded).get_weights()[0], clone_model(unseeded).get_weights()[0])


def test_the_keras_wrappers_fit_a_seeded_model_the_same_twice():
    pytest.importorskip("sklearn")
    from sklearn.model_selection import cross_val_score

    from glassnet.wrappers import SKLearnClassifier

    X, Y = data()
    y = Y.argmax(axis=1)
    est = SKLearnClassifier(seeded_model(0), fit_kwargs={"epochs": 3, "verbose": 0})
    first = est.fit(X, y).model_.get_weights()
    second = est.fit(X, y).model_.get_weights()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(cross_val_score(est, X, y, cv=3), cross_val_score(est, X, y, cv=3))


def test_a_seeded_model_file_round_trips_its_seed(tmp_path):
    # glassnet's own file kept the seed before; from_config now reads it too: both agree
    model = seeded_model(4)
    model.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn")
    assert loaded.seed == 4 and loaded.get_config()["seed"] == 4
    assert clone_model(loaded).seed == 4
    for a, b in zip(fitted_weights(loaded), fitted_weights(model), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_bad_seed_in_a_config_is_refused_naming_it():
    config = seeded_model(0).get_config()
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        Sequential.from_config({**config, "seed": -1})
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        Sequential.from_config({**config, "seed": "0"})


def test_a_seeded_model_s_keras_file_loads_in_keras(tmp_path, monkeypatch, h5py):
    # the .keras config is written apart from get_config: it holds no glassnet seed, and Keras reads it
    model = seeded_model(0)
    model.export(tmp_path / "m.keras", format="keras")
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_keras = keras.saving.load_model(tmp_path / "m.keras")
    X, _ = data()
    np.testing.assert_allclose(np.asarray(from_keras(X)), model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    assert glassnet.models.load_model(tmp_path / "m.keras").get_weights()[0].shape == (4, 8)


# -- 2. classic estimators read random_state as scikit-learn does ------------------------------------------
def separable():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, np.where(X[:, 0] + 0.3 * rng.normal(size=60) > 0, 1, -1)


def hopfield_recall(random_state):
    # over capacity, one sweep: the state reached depends on the order of the updates
    patterns = np.random.default_rng(2).choice([-1, 1], size=(8, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (over capacity: the point here)
        net = Hopfield(max_iter=1, random_state=random_state).fit(patterns)
        return net.recall(np.random.default_rng(3).choice([-1, 1], size=(5, 40)), mode="async")


ESTIMATORS = {
    "Perceptron": lambda rs: Perceptron(shuffle=True, max_epochs=5, random_state=rs).fit(*separable()).weights_,
    "Adaline": lambda rs: Adaline(shuffle=True, max_epochs=5, random_state=rs).fit(*separable()).weights_,
    "SOM": lambda rs: SOM(grid=(2, 3), epochs=3, init="random", shuffle=True,
                          random_state=rs).fit(separable()[0]).weights_,
    "Hopfield": lambda rs: hopfield_recall(rs),
    "flip_bits": lambda rs: flip_bits(np.ones((4, 50)), 0.3, random_state=rs),
}


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_random_state_none_follows_numpy_s_global_seed(name):
    # scikit-learn's None is NumPy's global RandomState: np.random.seed(0) makes a script repeat
    run = ESTIMATORS[name]
    np.random.seed(7)
    first = run(None)
    np.random.seed(7)
    np.testing.assert_array_equal(run(None), first)
    np.random.seed(7)
    np.testing.assert_array_equal(first, run(7))  # as in scikit-learn: the global state seeded 7 is RandomState(7)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_a_random_state_instance_gives_the_model_of_its_seed(name):
    run = ESTIMATORS[name]
    np.testing.assert_array_equal(run(np.random.RandomState(3)), run(3))
    np.testing.assert_array_equal(run(np.random.default_rng(3)), run(3))  # (an int seed's stream, as before)


def test_a_shared_random_state_advances_as_scikit_learn_s_does():
    X, y = separable()
    rs = np.random.RandomState(0)
    a = Perceptron(shuffle=True, max_epochs=5, random_state=rs).fit(X, y).weights_
    b = Perceptron(shuffle=True, max_epochs=5, random_state=rs).fit(X, y).weights_
    assert not np.array_equal(a, b)
    rs = np.random.RandomState(0)
    Perceptron(shuffle=True, max_epochs=5, random_state=rs).fit(X, y)
    assert not np.array_equal(rs.get_state()[1], np.random.RandomState(0).get_state()[1])  # drawn from
    np.random.seed(0)
    first = Perceptron(shuffle=True, max_epochs=5).fit(X, y).weights_
    again = Perceptron(shuffle=True, max_epochs=5).fit(X, y).weights_  # the global state moved on
    np.testing.assert_array_equal(first, ESTIMATORS["Perceptron"](0))
    assert not np.array_equal(again, first)


def test_an_int_seed_still_gives_numpy_s_default_rng_of_it():
    # the results of an int random_state are unchanged: the stream is np.random.default_rng(seed)'s
    pattern = np.ones((3, 40))
    np.testing.assert_array_equal(flip_bits(pattern, 0.25, random_state=11),
                                  flip_bits(pattern, 0.25, random_state=np.random.default_rng(11)))
    with pytest.raises(ValueError, match="random_state must be None, a non-negative integer, or a np.random"):
        flip_bits(pattern, 0.25, random_state=-1)


# -- 3. a seeded nested model keeps its own dropout generators ---------------------------------------------
def nested_fit(global_seed, inner_seed=3, outer_seed=None, functional=False):
    r = np.random.default_rng(1)
    x = r.normal(size=(200, 8)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    set_random_seed(100)
    base = Sequential([layers.Input(shape=(8,)), layers.Dense(16, activation="relu"), layers.Dropout(0.5)],
                      seed=inner_seed)
    if functional:
        inputs = layers.Input(shape=(8,))
        model = glassnet.models.Model(inputs, layers.Dense(1, activation="sigmoid")(base(inputs)))
    else:
        model = Sequential([layers.Input(shape=(8,)), base, layers.Dense(1, activation="sigmoid")], seed=outer_seed)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    set_random_seed(global_seed)  # Keras's habit: the seed set just before fit
    model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    return model.get_weights()[0]


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_a_seeded_nested_model_s_dropout_ignores_the_global_seed_set_before_fit(functional):
    np.testing.assert_array_equal(nested_fit(1, functional=functional), nested_fit(2, functional=functional))


def test_an_unseeded_nested_model_still_follows_the_global_seed():
    np.testing.assert_array_equal(nested_fit(1, inner_seed=None), nested_fit(1, inner_seed=None))
    assert not np.array_equal(nested_fit(1, inner_seed=None), nested_fit(2, inner_seed=None))


def test_fit_draws_again_only_the_generators_the_global_one_gave():
    # outer (no seed) > middle (seed=5, built alone) > inner (no seed, built alone): inner's layers were
    # drawn before middle existed, from the global generator, so the outer's fit draws them again
    def run(global_seed):
        r = np.random.default_rng(1)
        x = r.normal(size=(100, 8)).astype("float32")
        y = (x[:, 0] > 0).astype("float32")
        set_random_seed(100)
        inner = Sequential([layers.Input(shape=(8,)), layers.Dropout(0.5)])
        middle = Sequential([layers.Input(shape=(8,)), inner, layers.Dense(8), layers.Dropout(0.5)], seed=5)
        model = Sequential([layers.Input(shape=(8,)), middle, layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        set_random_seed(global_seed)
        model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
        return [layer.rng.bit_generator.state["state"]["state"] for layer in model.layers
                if isinstance(layer, layers.Dropout)]

    after_1, after_2 = run(1), run(2)
    assert after_1[1] == after_2[1]  # middle's own Dropout: middle's seed
    assert after_1[0] != after_2[0]  # inner's, drawn from the global generator: follows it
