"""Session 59's leftovers: diagnose and a wrong custom derivative, an array a build creates after
super().build(), a registered function initializer given as a config, model.trace on a polars frame."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import initializers, layers
from glassnet.diagnostics import DiagnosticWarning
from glassnet.layers import BatchNormalization, Dense, Embedding, Input, LayerNormalization
from glassnet.models import Sequential


def _tanh(z):
    return np.tanh(z)


def _tanh_wrong(z):
    return np.tanh(z)


_tanh.derivative = lambda z, a: 1 - a ** 2
_tanh_wrong.derivative = lambda z, a: 1 - a  # (tanh' is 1 − a²)


class _Linear(layers.Layer):
    """The docs' Linear layer; ``sign=-1`` gives its backward the sign error of ∂J/∂X."""
    weight_names = ("w", "b")

    def __init__(self, units=4, sign=1, **kwargs):
        super().__init__(**kwargs)
        self.units, self.sign = units, sign

    def build(self, input_shape):
        self.params["w"] = np.random.default_rng(0).normal(0, 0.5, (input_shape[-1], self.units)).astype(self.dtype)
        self.params["b"] = np.zeros(self.units, self.dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def forward(self, X, training=False):
        self.X = X
        return X @ self.params["w"] + self.params["b"]

    def backward(self, dY):
        self.grads["w"][...] = self.X.T @ dY
        self.grads["b"][...] = dY.sum(axis=0)
        return self.sign * (dY @ self.params["w"].T)


def _fitted(*hidden):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 3))
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Input((3,)), *hidden, Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=3, verbose=0)
    return model, X, y


@pytest.mark.parametrize("hidden, culprit, error", [
    (lambda: [Dense(8, _tanh_wrong)], "custom activation '_tanh_wrong' of layer 'dense'", 0.28),
    (lambda: [Dense(8, "tanh"), _Linear(4, sign=-1)], "custom layer '__linear' (_Linear)", 1.0),
])
def test_diagnose_names_a_custom_part_whose_derivative_is_wrong(hidden, culprit, error):
    # diagnose said "No problems found" while check_gradients saw errors of 0.28 and 1.0 in layer 'dense'
    model, X, y = _fitted(*hidden())
    reference = glassnet.check_gradients(model, X[:8], y[:8])  # (central differences, every weight)
    assert reference.errors["dense/W"] == pytest.approx(error, abs=0.02)
    with pytest.warns(DiagnosticWarning, match="finite differences") as record:
        diagnosis = model.diagnose(X, y)
    assert [kind for kind, _ in diagnosis.problems] == ["wrong_gradient"]
    message = str(record[0].message)
    assert culprit in message and "layer(s) 'dense' (relative error" in message
    assert "glassnet.check_gradients(model, x[:8], y[:8])" in message
    seen = float(message.split("relative error ")[1].split(")")[0])
    assert seen == pytest.approx(error, abs=0.05)  # the same figure as check_gradients's


@pytest.mark.parametrize("hidden", [
    lambda: [Dense(8, _tanh), Dense(8, "relu")],
    lambda: [Dense(8, "relu"), _Linear(4), BatchNormalization(), layers.Dropout(0.3)],
])
def test_diagnose_finds_no_fault_in_right_custom_derivatives(hidden):
    model, X, y = _fitted(*hidden())
    assert glassnet.check_gradients(model, X[:8], y[:8]).max_error < 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagnosticWarning)
        assert model.diagnose(X, y).problems == []


class _LateArrays(_Linear):
    """_Linear, creating its weights after super().build() and listing only 'w' in weight_names."""
    weight_names = ("w",)

    def __init__(self, units=2, **kwargs):
        super().__init__(units, **kwargs)

    def build(self, input_shape):
        super(_Linear, self).build(input_shape)  # (Layer.build first: the arrays come after its check)
        for key, shape in (("w", (input_shape[-1], self.units)), ("b", (self.units,))):
            self.params[key] = np.ones(shape, self.dtype)
            self.grads[key] = np.zeros(shape, self.dtype)
        self.state["calls"] = np.zeros((), self.dtype)  # (a buffer of state, no weight: no complaint)


class _LateListed(_LateArrays):
    weight_names = ("w", "b")


@pytest.mark.parametrize("build", [
    lambda layer: Sequential([Input((3,)), layer]),
    lambda layer: layer(np.ones((2, 3))),
    lambda layer: layer.build((None, 3)),
])
def test_an_array_created_after_super_build_and_left_out_of_weight_names_is_refused(build):
    # the check ran inside super().build(), before the arrays existed: 'b' was trained, never counted or saved
    with pytest.raises(ValueError, match=r"holds 'b' in self\.params, but its weight_names \('w',\) does not list "
                                         r"it.*weight_names = \('w', 'b'\)"):
        build(_LateArrays())


def test_late_arrays_that_are_listed_and_built_in_layers_pass_the_check():
    model = Sequential([Input((3,)), _LateListed(), Dense(2)])
    assert model.count_params() == 3 * 2 + 2 + 2 * 2 + 2
    for layer, shape in ((Dense(3), (None, 4)), (BatchNormalization(), (None, 4)), (Embedding(10, 3), (None, 5)),
                         (LayerNormalization(), (None, 4))):
        layer.build(shape)
        assert layer.built and layer.get_weights()


@glassnet.saving.register_keras_serializable(package="s60a")
def _half_init(shape, dtype=None):
    return np.full(shape, 0.5, dtype=dtype)


@pytest.mark.parametrize("config", [
    initializers.serialize(_half_init),  # glassnet's and Keras's form: {"class_name": "function", "config": "s60a>..."}
    {"module": None, "class_name": "function", "config": "s60a>_half_init", "registered_name": "function"},
    {"class_name": "s60a>_half_init", "config": {}},
    "s60a>_half_init",
])
def test_get_resolves_a_registered_function_initializer_as_keras(config):
    # get refused the config of serialize(_half_init) ("Unknown initializer 'function'"); Keras 3.15's
    # keras.initializers.get returns the function for these four, as deserialize did here
    for read in (initializers.get, initializers.deserialize):
        assert read(config) is _half_init
    layer = Dense(2, kernel_initializer=config)
    layer.build((None, 3))
    np.testing.assert_array_equal(layer.kernel, np.full((3, 2), 0.5))


def test_get_of_an_unregistered_function_initializer_names_it():
    with pytest.raises(ValueError, match=r"^kernel_initializer: Unknown function 'nope'.*register_keras_serializable"):
        initializers.get({"module": None, "class_name": "function", "config": "nope", "registered_name": "nope"},
                         "kernel_initializer")
    with pytest.raises(ValueError, match=r"^Unknown initializer '_half_init' in saved config"):  # (as Keras: by the
        initializers.get({"class_name": "_half_init", "config": {}})  # registered name, "s60a>_half_init")


class _PolarsLike:
    """What glassnet sees of a polars DataFrame (columns, dtypes, to_numpy; no pandas iloc)."""
    __module__ = "polars.dataframe.frame"

    def __init__(self, values):
        self.values, self.columns = np.asarray(values), [f"c{j}" for j in range(np.shape(values)[1])]
        self.dtypes = ["Float64"] * len(self.columns)

    def __array__(self, dtype=None, copy=None):
        return self.values

    def to_numpy(self):
        return self.values


def test_trace_refuses_a_polars_frame_as_fit_does():
    # trace failed with "AttributeError: '_PolarsLike' object has no attribute 'iloc'" (real polars: 'DataFrame')
    x, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 1])
    model = Sequential([Input((2,)), Dense(2, "softmax")], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    message = r"^(x|X) is a polars _PolarsLike, which glassnet does not read: pass (x|X)\.to_numpy\(\), or (x|X)\.to_pandas"
    for call in (lambda: model.trace(_PolarsLike(x), y), lambda: model.fit(_PolarsLike(x), y, verbose=0),
                 lambda: glassnet.check_gradients(model, _PolarsLike(x), y)):
        with pytest.raises(TypeError, match=message):
            call()
    assert model.trace(_PolarsLike(x).to_numpy(), y).loss > 0  # what it says works
