"""keras.io's structured-data examples ported to glassnet (session 60): what the names glassnet lacks say,
and that what they say works."""

import re

import numpy as np
import pytest

import glassnet
from glassnet import layers


@pytest.mark.parametrize("module, name", [(glassnet.utils, "FeatureSpace"), (glassnet.layers, "HashedCrossing")])
def test_feature_space_and_hashed_crossing_say_what_to_use(module, name):
    # both were a bare "module ... has no attribute" where StringLookup, Hashing, ... give advice
    with pytest.raises(AttributeError, match=r"OneHotEncoder\(handle_unknown='ignore'\)") as caught:
        getattr(module, name)
    assert "astype(str) + '_' + " in str(caught.value) and "docs/keras-coverage.md" in str(caught.value)
    if name == "FeatureSpace":
        assert "ColumnTransformer" in str(caught.value) and "StandardScaler" in str(caught.value)
    assert not hasattr(module, name) and name not in dir(module)  # advice only: no new public name


def test_the_feature_space_recipe_builds_the_matrix_and_a_model_trains_on_it():
    pd = pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    rng = np.random.default_rng(0)  # the heart-disease columns of keras.io's FeatureSpace example (hkex's fs.py)
    n = 303
    df = pd.DataFrame({"age": rng.integers(29, 78, n), "sex": rng.integers(0, 2, n), "cp": rng.integers(0, 5, n),
                       "thalach": rng.integers(71, 202, n), "oldpeak": rng.uniform(0, 6.2, n).round(1),
                       "exang": rng.integers(0, 2, n), "thal": rng.choice(["fixed", "normal", "reversible"], n)})
    y = (df.oldpeak + rng.normal(0, 1, n) > 3).astype(int)
    nums, cats = ["age", "thalach", "oldpeak"], ["sex", "cp", "exang", "thal"]
    joined = FunctionTransformer(lambda d: d.astype(str).agg("_".join, axis=1).to_frame())
    features = ColumnTransformer([("num", StandardScaler(), nums), ("cat", OneHotEncoder(handle_unknown="ignore"), cats),
                                  ("cross", make_pipeline(joined, OneHotEncoder(handle_unknown="ignore")), ["sex", "cp"])])
    X = np.asarray(features.fit_transform(df), dtype=float)
    assert X.shape == (303, 25)  # 3 + (2 + 5 + 2 + 3) + 2 * 5, as fs.py found
    numbers = df[nums].to_numpy(float)
    np.testing.assert_allclose(X[:, :3], (numbers - numbers.mean(0)) / numbers.std(0), atol=1e-12)
    one_hot = pd.get_dummies(df[cats].astype(str)).to_numpy(float)
    np.testing.assert_array_equal(X[:, 3:15], one_hot)
    crossed = pd.get_dummies(df.sex.astype(str) + "_" + df.cp.astype(str)).to_numpy(float)
    np.testing.assert_array_equal(X[:, 15:], crossed)
    model = glassnet.Sequential([layers.Input((X.shape[1],)), layers.Dense(16, activation="relu"),
                                 layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(glassnet.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=30, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.8  # y follows oldpeak, one scaled column
    new_rows = features.transform(df.iloc[:2].assign(thal=["unknown", "normal"]))  # an unseen category: zeros
    assert model.predict(new_rows, verbose=0).shape == (2, 1)


@pytest.mark.parametrize("dtype", ["string", "str", "object", str, np.bytes_])
def test_a_text_input_says_how_to_encode_the_column(dtype):
    # was "dtype must be one of float16, float32, float64", though int and bool Inputs are taken
    with pytest.raises(ValueError, match=r"dtype must be one of float16, float32, float64 .* or an integer or bool "
                                         r"dtype .* column of text is no model input .*\(pd\.Categorical\(col\)\.codes"):
        glassnet.Input(shape=(1,), name="thal", dtype=dtype)


def test_other_input_dtypes_name_the_integer_ones_and_the_advised_ids_train():
    with pytest.raises(ValueError, match=r"or an integer or bool dtype \(ids for an Embedding\), as an Input takes\. "
                                         r"Received: dtype='complex128'"):
        glassnet.Input(shape=(1,), dtype="complex128")
    pd = pytest.importorskip("pandas")
    thal = pd.Series(np.random.default_rng(1).choice(["fixed", "normal", "reversible"], 90))
    ids = pd.Categorical(thal).codes.reshape(-1, 1)  # the message's route: 0, 1, 2
    assert glassnet.Input(shape=(1,), dtype=ids.dtype).dtype == "int8"
    model = glassnet.Sequential([glassnet.Input(shape=(1,), dtype=ids.dtype), layers.Embedding(3, 2), layers.Flatten(),
                                 layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(glassnet.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ids, (thal == "normal").astype(int), epochs=40, verbose=0)
    assert history.history["accuracy"][-1] == 1.0


class GatedLinearUnit(layers.Layer):  # keras.io's GRN example, as written for Keras
    def __init__(self, units):
        super().__init__()
        self.linear = layers.Dense(units)
        self.sigmoid = layers.Dense(units, activation="sigmoid")

    def call(self, inputs):
        return self.linear(inputs) * self.sigmoid(inputs)


class GLU(layers.Layer):  # what the message says to write: one layer, both kernels, its own backward
    weight_names = ("wl", "bl", "wg", "bg")

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        rng = np.random.default_rng(0)
        for key in self.weight_names:
            shape = (input_shape[-1], self.units) if key.startswith("w") else (self.units,)
            self.params[key] = rng.normal(0, 0.5, shape).astype(self.dtype or "float64")
            self.grads[key] = np.zeros_like(self.params[key])
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def forward(self, X, training=False):
        p = self.params
        self.cache = X, X @ p["wl"] + p["bl"], 1 / (1 + np.exp(-(X @ p["wg"] + p["bg"])))
        return self.cache[1] * self.cache[2]

    def backward(self, dY):
        (X, linear, gate), p, g = self.cache, self.params, self.grads
        d_linear, d_gate = dY * gate, dY * linear * gate * (1 - gate)
        g["wl"][...], g["bl"][...] = X.T @ d_linear, d_linear.sum(0)
        g["wg"][...], g["bg"][...] = X.T @ d_gate, d_gate.sum(0)
        return d_linear @ p["wl"].T + d_gate @ p["wg"].T


def test_a_keras_gated_layer_is_told_to_write_one_layer_with_its_backward():
    X = np.random.default_rng(0).normal(size=(16, 4))
    model = glassnet.Sequential([layers.Input((4,)), GatedLinearUnit(3), layers.Dense(1)])
    model.compile("adam", "mse")
    with pytest.raises(NotImplementedError, match=r"subclass keras\.Model instead of Layer.*a gated product a\(x\) \* "
                                                  r"b\(x\).* one Layer that keeps all their weights in self\.params, "
                                                  r"with its own forward and backward \(docs/api\.md, \"Your own layer\"\)"):
        model.fit(X, X[:, :1], verbose=0)
    from pathlib import Path

    api = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    assert re.search(r"^### Your own layer$", api, re.M)
    # the advised layer: its hand-written backward agrees with finite differences
    model = glassnet.Sequential([layers.Input((4,)), GLU(3), layers.Dense(1)], seed=0, dtype="float64")
    model.compile("adam", "mse")
    assert glassnet.check_gradients(model, X[:8], X[:8, :1]).max_error < 1e-6
