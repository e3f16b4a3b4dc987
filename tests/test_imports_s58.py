"""What ``import glassnet`` loads: the core needs NumPy only, so serving a model (import, load_model,
predict) must not pay for scikit-learn, SciPy, pandas or matplotlib (a second and ~100 MB)."""

import subprocess
import sys

import glassnet.preprocessing

HEAVY = ("sklearn", "scipy", "pandas", "matplotlib")


def test_import_glassnet_loads_no_heavy_package(tmp_path):
    path = tmp_path / "m.gn"
    code = (
        "import sys\n"
        "import numpy as np\n"
        "import glassnet\n"
        "import glassnet.layers, glassnet.models\n"
        "from glassnet import layers, models\n"
        "m = models.Sequential([layers.Normalization(), layers.Dense(3, activation='softmax')])\n"
        "m.layers[0].adapt(np.arange(8.0).reshape(4, 2)); m.predict(np.ones((1, 2)))\n"
        f"m.save({str(path)!r}); y = models.load_model({str(path)!r}, compile=False).predict(np.ones((2, 2)))\n"
        f"print(y.shape, [name for name in {HEAVY!r} if name in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "(2, 3) []"


def test_every_preprocessing_name_still_resolves():
    module = glassnet.preprocessing
    for name in module.__all__:
        assert getattr(module, name) is not None, name
        assert name in dir(module), name
    from glassnet.preprocessing import MinMaxScaler, StandardScaler, standardize, zero_center
    from glassnet.preprocessing.scalers import StandardScaler as direct

    assert StandardScaler is direct and module.scalers.MinMaxScaler is MinMaxScaler
    assert standardize.__module__ == zero_center.__module__ == "glassnet.preprocessing.scalers"
    namespace = {}
    exec("from glassnet.preprocessing import *", namespace)
    assert set(module.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="has no attribute 'Scaler'"):
        glassnet.preprocessing.Scaler  # noqa: B018


def test_a_pickled_model_holds_its_weights_twice_at_most_and_trains_on():
    # (a pickle also wrote the flat weight and gradient vectors, which unpickling rebuilds: 4x the weights)
    import pickle

    import numpy as np

    from glassnet import layers, models

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 20)).astype("float32"), rng.integers(0, 3, 64)
    model = models.Sequential([layers.Input((20,)), layers.Dense(200, activation="relu"),
                               layers.Dense(3, activation="softmax")], seed=1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    weights = sum(w.nbytes for w in model.get_weights())
    copy = pickle.loads(pickle.dumps(model))
    assert np.array_equal(copy.predict(X), model.predict(X))
    model.fit(X, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    copy.fit(X, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    assert all(np.array_equal(a, b) for a, b in zip(copy.get_weights(), model.get_weights()))
    assert copy.layers[0].params["W"].base is not None  # the layers' weights are views of the new flat vector
    predictor = models.clone_model(model)
    predictor.set_weights(model.get_weights())
    size = len(pickle.dumps(predictor))  # (no optimizer state yet): the weights and their zero gradients
    assert 2 * weights < size < 2.2 * weights
