"""Seeds that must survive a copy of a model holding them (session 55): a ``Sequential(..., seed=7)`` nested in
another model (its ``nested`` entry keeps the seed, and a copy draws its layers from it as it drew them, built
alone) and a subclass of ``Model`` given ``seed=`` (its ``get_config`` keeps it, so ``clone_model``'s
``from_config(get_config())`` remakes it seeded). "Draws the same": the copy's initial weights and its weights
after a ``fit`` with dropout equal the original's, bit for bit; a ``.keras`` file still leaves the seeds out."""

import json
import warnings
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.models import Model, Sequential, clone_model, model_from_json
from glassnet.utils import set_random_seed


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 4)).astype("float32")
    return X, (X[:, :1] - X[:, 1:2]).astype("float32")


def inner_model(seed=7, name="inner"):
    # built alone, from its Input: its seed drew its kernel and its dropout generator
    return Sequential([layers.Input(shape=(4,)), layers.Dense(6, activation="relu"), layers.Dropout(0.5)],
                      seed=seed, name=name)


def outer_sequential():
    return Sequential([layers.Input(shape=(4,)), inner_model(), layers.Dense(1)], seed=3)


def outer_unseeded():
    return Sequential([layers.Input(shape=(4,)), inner_model(), layers.Dense(1)])


def outer_functional():
    inputs = layers.Input(shape=(4,))
    return Model(inputs, layers.Dense(1)(inner_model()(inputs)))


def outer_deep():
    # a seeded model built alone in a seeded model built alone, in a seeded model
    middle = Sequential([layers.Input(shape=(4,)), inner_model(11, "deepest"), layers.Dense(5), layers.Dropout(0.3)],
                        seed=7, name="middle")
    return Sequential([layers.Input(shape=(4,)), middle, layers.Dense(1)], seed=3)


OUTERS = {"sequential": outer_sequential, "unseeded": outer_unseeded, "functional": outer_functional,
          "deep": outer_deep}
COPIES = {
    "clone_model": clone_model,
    "Sequential.from_config": lambda model: Sequential.from_config(model.get_config()),
    "Model.from_config": lambda model: Model.from_config(model.get_config()),
    "model_from_json": lambda model: model_from_json(model.to_json()),
    "json_text": lambda model: model_from_json(json.dumps(json.loads(model.to_json()))),
}


def fitted(model, shuffle):
    X, y = data()
    if not model.compiled:
        model.compile(optimizer="sgd", loss="mse")
    model.fit(X, y, epochs=1, batch_size=8, shuffle=shuffle, verbose=0)  # with dropout: the masks count
    return model.get_weights()


def assert_equal_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("copy", COPIES.values(), ids=COPIES.keys())
@pytest.mark.parametrize("outer", OUTERS.values(), ids=OUTERS.keys())
def test_a_copy_draws_what_a_nested_seeded_model_draws(outer, copy):
    # the copy's one build drew the nested model's layers from the outer model's generator (or the global one):
    # other weights and other dropout masks than the original's nested model
    original = outer()
    clone = copy(original)
    seeded = [m for m in original._nested() if m.seed is not None]
    assert [m.seed for m in clone._nested()] == [m.seed for m in original._nested()]
    size = sum(len(layer.get_weights()) for layer in seeded[0].layers)  # (the nested model's own weights)
    assert_equal_weights(clone.get_weights()[:size], original.get_weights()[:size])
    if original.seed is None:  # the outer model's own layers draw from the global generator: made equal
        clone.set_weights(original.get_weights())
    else:  # seeded, its own layers too (drawn after the nested model's, which used none of its draws)
        assert_equal_weights(clone.get_weights(), original.get_weights())
    shuffle = original.seed is not None  # (an unseeded model's order is the global generator's)
    set_random_seed(1)
    after = fitted(original, shuffle)
    set_random_seed(2)  # the global seed does not matter to the nested model's dropout
    assert_equal_weights(fitted(clone, shuffle), after)


def test_a_nested_model_s_seed_is_in_its_entry_only_when_given():
    assert outer_sequential().get_config()["nested"][0]["seed"] == 7
    plain = Sequential([layers.Input(shape=(4,)), Sequential([layers.Input(shape=(4,)), layers.Dense(2)]),
                        layers.Dense(1)])
    assert "seed" not in plain.get_config()["nested"][0]


def test_a_seeded_model_nested_unbuilt_keeps_its_seed_and_the_outer_model_s_draws():
    # built by the model holding it: the outer model's seed drew its layers, and still does in the copy
    inner = Sequential([layers.Dense(6), layers.Dropout(0.5)], seed=7, name="inner")
    original = Sequential([layers.Input(shape=(4,)), inner, layers.Dense(1)], seed=3)
    clone = clone_model(original)
    assert clone.get_layer("inner").seed == 7
    assert_equal_weights(clone.get_weights(), original.get_weights())
    assert_equal_weights(fitted(clone, True), fitted(original, True))


def test_a_bad_nested_seed_in_a_config_is_refused_naming_the_entry():
    config = outer_sequential().get_config()
    for bad in (-1, "7", 1.5, True):
        config["nested"][0]["seed"] = bad
        with pytest.raises(ValueError, match=r"config's 'nested' entry 'inner' is malformed: seed must be a "
                                             r"non-negative integer"):
            Sequential.from_config(config)


def test_the_keras_wrappers_fit_a_clone_as_the_model_itself():
    pytest.importorskip("sklearn")
    from glassnet.wrappers import SKLearnRegressor

    X, y = data()
    model = outer_sequential()
    model.compile(optimizer="sgd", loss="mse")
    est = SKLearnRegressor(model, fit_kwargs={"epochs": 1, "batch_size": 8, "verbose": 0}).fit(X, y[:, 0])
    assert_equal_weights(est.model_.get_weights(), fitted(outer_sequential(), True))


def test_a_glassnet_file_keeps_the_nested_seed(tmp_path):
    model = outer_unseeded()
    model.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn")
    assert_equal_weights(loaded.get_weights(), model.get_weights())  # (the file's weights, not the seed's draws)
    assert loaded.get_layer("inner").seed == 7 and clone_model(loaded).get_layer("inner").seed == 7


@pytest.fixture
def keras(monkeypatch):
    pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    return pytest.importorskip("keras")


def test_a_keras_file_leaves_the_nested_seed_out_and_loads_in_keras(tmp_path, keras):
    model = outer_unseeded()
    model.export(tmp_path / "m.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        config = json.loads(zf.read("config.json"))
    nested = [c for c in config["config"]["layers"] if c["class_name"] == "Sequential"]
    assert len(nested) == 1 and "seed" not in nested[0]["config"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_keras = keras.saving.load_model(tmp_path / "m.keras")
    X, _ = data()
    np.testing.assert_allclose(np.asarray(from_keras(X)), model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)


# -- a subclass of Model given seed= ----------------------------------------------------------------------------
def seeded_class(keras_module):
    class Seeded(keras_module.Model):
        def __init__(self, units=6, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = keras_module.layers.Dense(units, activation="relu")
            self.drop = keras_module.layers.Dropout(0.5)
            self.out = keras_module.layers.Dense(1)

        def call(self, x, training=False):
            return self.out(self.drop(self.hidden(x), training=training))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Seeded


def test_clone_model_of_a_seeded_subclass_draws_what_the_subclass_draws():
    # clone_model is Keras's from_config(get_config()): the config had no seed, so the clone drew from the
    # global generator
    Seeded = seeded_class(glassnet)
    original = Seeded(seed=5)
    original.build((None, 4))
    clone = clone_model(original)
    assert type(clone) is Seeded and clone.seed == 5 and original.get_config()["seed"] == 5
    anew = Seeded(seed=5)
    anew.build((None, 4))
    assert_equal_weights(clone.get_weights(), anew.get_weights())
    assert_equal_weights(clone.get_weights(), original.get_weights())
    set_random_seed(1)
    after = fitted(original, True)
    set_random_seed(2)
    assert_equal_weights(fitted(clone, True), after)
    assert "seed" not in Seeded().get_config()  # (only when given)


def test_a_seeded_subclass_nested_in_a_model_keeps_its_seed_in_a_clone():
    Seeded = seeded_class(glassnet)
    inner = Seeded(seed=5, name="seeded")
    inner.build((None, 4))
    original = Sequential([layers.Input(shape=(4,)), inner, layers.Dense(1)], seed=3)
    clone = clone_model(original)
    assert type(clone.get_layer("seeded")) is Seeded and clone.get_layer("seeded").seed == 5
    assert_equal_weights(clone.get_weights(), original.get_weights())
    assert_equal_weights(fitted(clone, True), fitted(original, True))


def test_a_seeded_subclass_s_keras_file_loads_in_keras(tmp_path, keras, clean_registry):
    # the subclass's config goes to the Keras class, whose Model.__init__ takes no seed: left out of the file
    theirs = keras.saving.register_keras_serializable("s55")(seeded_class(keras))
    ours = glassnet.saving.register_keras_serializable("s55")(seeded_class(glassnet))
    try:
        model = ours(units=3, seed=5, name="seeded")
        model.build((None, 4))
        model.export(tmp_path / "m.keras", format="keras")
        with zipfile.ZipFile(tmp_path / "m.keras") as zf:
            assert "seed" not in json.loads(zf.read("config.json"))["config"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = keras.saving.load_model(tmp_path / "m.keras")
        assert type(back) is theirs and back.units == 3
        X, _ = data()
        np.testing.assert_allclose(np.asarray(back(X)), model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
        # glassnet's own file keeps it
        model.save(tmp_path / "m.gn")
        assert glassnet.models.load_model(tmp_path / "m.gn").seed == 5
        # nested in a model, as its class too
        outer = Sequential([layers.Input(shape=(4,)), model, layers.Dense(2)])
        outer.export(tmp_path / "outer.keras", format="keras")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = keras.saving.load_model(tmp_path / "outer.keras")
        assert type(back.get_layer("seeded")) is theirs
        np.testing.assert_allclose(np.asarray(back(X)), outer.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    finally:
        keras.saving.get_custom_objects().pop("s55>Seeded", None)
