"""Session 60's review (hrev1 F1, F2, F6) of diagnose's wrong-gradient check, and the input-scale note on ids:
a Monte Carlo dropout, a sigmoid output that binary cross-entropy clips and a layer computing in float32 are no
wrong derivative; an Embedding's ids are no unscaled inputs."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import DivergenceWarning, initializers, layers
from glassnet.models.divergence import LossRiseWarning
from glassnet.diagnostics import Diagnostics, DiagnosticWarning
from glassnet.layers import Dense, Dropout, Embedding, Flatten, GaussianNoise, Input
from glassnet.models import Sequential


class _MCDropout(Dropout):  # docs/api.md's Monte Carlo dropout, verbatim
    def forward(self, X, training=False):
        return super().forward(X, training=True)


class _MCNoise(GaussianNoise):  # a noise that is always on
    def forward(self, X, training=False):
        return super().forward(X, training=True)


class _GlobalNoise(layers.Layer):
    """Noise from NumPy's global generator at inference too (no generator of its own to put back)."""

    def forward(self, X, training=False):
        return X + 0.1 * np.random.standard_normal(X.shape)

    def backward(self, dY):
        return dY


class _Scale(layers.Layer):
    """A diagonal weight ``X * s``; ``wrong``: its ∂J/∂s without the X factor."""
    weight_names = ("s",)

    def __init__(self, wrong=False, **kwargs):
        super().__init__(**kwargs)
        self.wrong = wrong

    def build(self, input_shape):
        self.params["s"] = np.ones(input_shape[-1], self.dtype)
        self.grads["s"] = np.zeros_like(self.params["s"])
        super().build(input_shape)

    def forward(self, X, training=False):
        self.X = X
        return X * self.params["s"]

    def backward(self, dY):
        self.grads["s"][...] = dY.sum(0) if self.wrong else (dY * self.X).sum(0)
        return dY * self.params["s"]


class _Cast32(_Scale):
    """Computes in float32 on purpose, in a float64 model too."""

    def forward(self, X, training=False):
        self.X = X.astype(np.float32)
        return self.X * self.params["s"].astype(np.float32)


def _tanh_wrong(z):
    return np.tanh(z)


_tanh_wrong.derivative = lambda z, a: 1 - a  # (tanh' is 1 − a²)


def _data(n=64, features=4):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, features)).astype("float32")
    return X, (X[:, 0] > 0).astype(int)


def _kinds(model, X, y, says=None):
    """diagnose's kinds of problem, each issued as a warning (``says`` in the first one's message)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", DiagnosticWarning)
        kinds = [kind for kind, _ in model.diagnose(X, y).problems]
    assert len(record) == len(kinds)
    assert says is None or says in str(record[0].message)
    return kinds


@pytest.mark.parametrize("random_layer", [lambda: _MCDropout(0.2), lambda: _MCNoise(0.1), lambda: _GlobalNoise()])
def test_a_model_random_at_inference_is_no_wrong_derivative(random_layer):
    # F1: each loss drew a new mask, so the central differences were noise: 'wrong_gradient' (relative error 1)
    X, y = _data()
    model = Sequential([Input((4,)), Dense(16, "relu"), random_layer(), Dense(2, "softmax")], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, y, epochs=5, verbose=0)
    assert "wrong_gradient" not in _kinds(model, X, y)


def test_a_wrong_derivative_is_still_found_beside_the_mc_dropout():
    # its generator is put back before each pass, so the check sees one mask and still runs
    X, y = _data()
    model = Sequential([Input((4,)), Dense(16, _tanh_wrong), _MCDropout(0.2), Dense(2, "softmax")], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, y, epochs=5, verbose=0)
    assert _kinds(model, X, y, says="finite differences in layer(s) 'dense' (relative error") == ["wrong_gradient"]


@pytest.mark.parametrize("wrong", [False, True])
def test_the_scale_layer_is_right_and_its_wrong_twin_wrong_by_check_gradients(wrong):
    # the reference for the tests below: central differences of every weight, on a model that is not saturated
    X, y = _data()
    model = Sequential([Input((4,)), _Scale(wrong), Dense(8, "tanh"), Dense(1)], seed=0)
    model.compile("adam", "mse")
    result = glassnet.check_gradients(model, X[:8], y[:8] * 1.0)
    assert result.errors["__scale/s"] > 0.1 if wrong else result.max_error < 1e-6


def _overconfident(wrong=False):
    """A separable problem fitted to a loss of 1e-7: most probe rows' p within 1e-7 of 0 or 1."""
    X, y = _data()
    X[:, 0] += np.where(y == 1, 3, -3)
    model = Sequential([Input((4,)), _Scale(wrong), Dense(16, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile(glassnet.optimizers.Adam(0.05), "binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)  # (the wrong layer's steps)
        model.fit(X, y, epochs=300, verbose=0)
    return model, X, y


def test_a_clipped_sigmoid_output_does_not_blame_a_right_custom_layer():
    # F2: binary cross-entropy clips p to [ε, 1 − ε] (a flat loss) while the backward takes a − y: 'wrong_gradient'
    # on the user's correct layer 'scale', 'dense' and 'dense_1'
    model, X, y = _overconfident()
    assert model.evaluate(X, y, verbose=0) < 1e-6
    p = model.predict(X, verbose=0)[:, 0]
    assert np.mean((p < 1e-7) | (p > 1 - 1e-7)) > 0.5
    assert "wrong_gradient" not in _kinds(model, X, y)


def test_a_wrong_custom_layer_is_found_in_the_clipped_sigmoid_model():
    model, X, y = _overconfident(wrong=True)
    assert _kinds(model, X, y, says="custom layer '__scale' (_Scale) is the likely cause") == ["wrong_gradient"]


@pytest.mark.parametrize("wrong", [False, True])
def test_a_layer_computing_in_float32_is_judged_as_check_gradients_judges_it(wrong):
    # F6: the float32 rounding of its outputs made a difference quotient off by 0.0037: 'wrong_gradient', where
    # check_gradients (which measures its estimate's error at ε and 2ε) says 0; the wrong one (its ∂J/∂s without
    # the X factor) is found
    X, y = _data()
    model = Sequential([Input((4,)), _Cast32(wrong), Dense(8, "relu"), Dense(2, "softmax")], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, y, epochs=3, verbose=0)
    if not wrong:
        assert glassnet.check_gradients(model, X[:8], y[:8]).max_error == 0.0
    assert _kinds(model, X, y) == (["wrong_gradient"] if wrong else [])


def _dead(first, width=3):
    """A model whose hidden ReLU layer is dead from the start (a problem, so the input-scale note may join it)."""
    model = Sequential([first, *([Embedding(27, 4), Flatten()] if width else []),
                        Dense(8, "relu", bias_initializer=initializers.Constant(-100.0)), Dense(27, "softmax")], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("first", [lambda: Input((3,)), lambda: Input((3,), dtype="int32")])
def test_ids_into_an_embedding_are_no_unscaled_inputs(first):
    # hfixkarp's note: character ids reach 26 > 10, and diagnose said "The inputs are not scaled"
    ids = np.random.default_rng(0).integers(0, 27, size=(64, 3))
    y = ids[:, 0]
    model = _dead(first())
    assert _kinds(model, ids, y) == ["dead_relu"]
    callback = Diagnostics(ids, y, warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticWarning)
        model.fit(ids, y, epochs=1, verbose=0, callbacks=[callback])
    assert "unscaled_inputs" not in [kind for _, kind, _ in callback.problems]
    # the same values as features of a Dense are unscaled inputs
    floats = _dead(Input((3,)), width=0)
    assert _kinds(floats, ids.astype(float), y) == ["unscaled_inputs", "dead_relu"]


def test_fit_divergence_does_not_call_embedding_ids_unscaled_inputs():
    # character ids of 0..26 into an Embedding: fit's DivergenceWarning said "The inputs are not scaled: |x|
    # reaches 26 ... x / 26", advice that would break the ids; a float input still gets the note
    import warnings as _warnings

    import glassnet as gn
    from glassnet.layers import Dense, Embedding, Flatten, Input

    rng = np.random.default_rng(0)
    X, y = rng.integers(0, 27, size=(256, 3)), rng.integers(0, 27, size=256)
    for first, data in ((Embedding(27, 4), X), (None, X.astype("float32"))):
        layers = [Input((3,), dtype="int64" if first else "float32"), *([first, Flatten()] if first else []),
                  Dense(64, "relu"), Dense(27)]
        model = gn.models.Sequential(layers, seed=0)
        model.compile(optimizer=gn.optimizers.SGD(1e8), loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True))
        with _warnings.catch_warnings(record=True) as caught:
            _warnings.simplefilter("always")
            model.fit(data, y, epochs=3, batch_size=32, verbose=0)
        messages = " ".join(str(w.message) for w in caught if issubclass(w.category, (DivergenceWarning, LossRiseWarning)))
        assert "learning rate" in messages  # (diverged, or the loss rose far: both advise a lower rate)
        assert ("not scaled" in messages) is (first is None)
