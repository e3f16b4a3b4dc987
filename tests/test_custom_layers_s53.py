"""Layers of one's own, as Keras's "Making new layers and models via subclassing" guide writes them:
the output shape of a layer that defines no ``compute_output_shape`` (read from its forward, as
Keras runs ``call``), a layer whose attributes hold layers with weights (refused: glassnet would not
track them), and Keras's ``add_loss`` (refused with what to write instead). Expected values are
worked out by hand; the Keras 3.15 behaviour each test mirrors is noted next to it."""

import numpy as np
import pytest

import glassnet
from glassnet import initializers, layers
from glassnet.models import Sequential


class LinearNoShape(layers.Layer):
    """docs/api.md's Linear without compute_output_shape (the guide's Linear has none either; named apart
    from glassnet's linear activation, whose class a file names Linear)."""

    weight_names = ("w", "b")

    def __init__(self, units=32, weights_first=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.weights_first = units, weights_first

    def build(self, input_shape):
        if not self.weights_first:  # super().build() before the weights are made: both orders are written
            super().build(input_shape)
        self.params["w"] = initializers.get("random_normal")((input_shape[-1], self.units), dtype=self.dtype)
        self.params["b"] = np.zeros(self.units, dtype=self.dtype)
        self.grads["w"], self.grads["b"] = np.zeros_like(self.params["w"]), np.zeros_like(self.params["b"])
        if self.weights_first:
            super().build(input_shape)

    def forward(self, X, training=False):
        self.X = X
        return X @ self.params["w"] + self.params["b"]

    def backward(self, dY):
        self.grads["w"][...] = self.X.T @ dY
        self.grads["b"][...] = dY.sum(axis=0)
        return dY @ self.params["w"].T

    def get_config(self):
        return {**super().get_config(), "units": self.units}


# -- the output shape of a layer without compute_output_shape -------------------------------

@pytest.mark.parametrize("weights_first", [True, False])
def test_a_layer_without_compute_output_shape_has_the_shape_its_forward_gives(weights_first, rng):
    # hguide finding 1: the base class's identity shape built the next Dense for 2 inputs ((2, 1) kernel),
    # and fit failed in NumPy's matmul; Keras 3.15 infers (None, 4), builds Dense with 5 params and fits
    model = Sequential([glassnet.Input((2,)), LinearNoShape(4, weights_first=weights_first), layers.Dense(1)])
    assert model.layers[0].output_shape == (4,) and model.layers[1].kernel.shape == (4, 1)
    assert model.layers[1].count_params() == 5 and model.output_shape == (None, 1)
    printed = []
    model.summary(print_fn=printed.append)
    row = next(line for line in "\n".join(printed).splitlines() if "(LinearNoShape)" in line)
    assert row.split()[-3:] == ["(None,", "4)", "12"]  # Keras: (None, 4), 2·4 + 4 parameters
    model.compile("sgd", "mse")
    history = model.fit(rng.random((8, 2)), rng.random((8, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(rng.random((3, 2)), verbose=0).shape == (3, 1)


def test_a_layer_without_compute_output_shape_last_takes_targets_of_its_output_size(rng):
    # hguide finding 1, the layer last: fit refused labels 0..2 "for the model's 2 output units"
    model = Sequential([glassnet.Input((2,)), LinearNoShape(3), layers.Softmax()])
    assert model.output_shape == (None, 3)
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(rng.random((8, 2)), np.arange(8) % 3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_a_functional_chain_and_a_call_read_the_shape_from_forward_and_leave_the_draws_alone():
    # Keras: Linear(4)(Input((2,))).shape == (None, 4), and layer.output_shape after a call; the shape is read
    # from a copy, whose build draws from a generator of its own: the weights drawn after are those drawn
    # without the chain, and a functional model has the Sequential's weights
    glassnet.utils.set_random_seed(0)
    expected = initializers.get("random_normal")((3,))
    glassnet.utils.set_random_seed(0)
    assert LinearNoShape(4)(glassnet.Input((2,))).shape == (None, 4)
    np.testing.assert_array_equal(initializers.get("random_normal")((3,)), expected)
    glassnet.utils.set_random_seed(1)
    inputs = glassnet.Input((2,))
    functional = glassnet.Model(inputs, layers.Dense(1)(LinearNoShape(4)(inputs)))
    glassnet.utils.set_random_seed(1)
    sequential = Sequential([glassnet.Input((2,)), LinearNoShape(4), layers.Dense(1)])
    for a, b in zip(functional.get_weights(), sequential.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    layer = LinearNoShape(4)
    layer(np.ones((3, 2)))
    assert layer.output_shape == (4,) and "X" not in layer.__dict__


def test_reading_the_shape_leaves_a_stateful_layer_as_it_was():
    # the run that reads the shape is on a copy: the layer's counters, state, generator and caches are untouched
    class Doubled(layers.Layer):
        weight_names = ("total",)

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.calls, self.log, self.rng = 0, [], np.random.default_rng(5)

        def build(self, input_shape):
            self.state["total"] = np.zeros(1, dtype=self.dtype)
            super().build(input_shape)

        def forward(self, X, training=False):
            self.calls += 1
            self.log.append(X.shape)
            self.state["total"] += X.sum() + 1
            self.noise, self.X = self.rng.normal(size=X.shape), X
            return np.concatenate([X, X], axis=1)

        def backward(self, dY):
            half = dY.shape[1] // 2
            return dY[:, :half] + dY[:, half:]

    layer = Doubled()
    drawn = layer.rng.bit_generator.state
    model = Sequential([glassnet.Input((3,)), layer, layers.Dense(1)])
    assert layer.output_shape == (6,) and model.layers[1].kernel.shape == (6, 1)
    assert layer.calls == 0 and layer.log == [] and layer.state["total"][0] == 0
    assert layer.rng.bit_generator.state == drawn and "noise" not in layer.__dict__ and "X" not in layer.__dict__
    model.predict(np.ones((2, 3)), verbose=0)
    assert layer.calls == 1 and layer.state["total"][0] == 7


def test_a_weight_free_layer_that_changes_the_shape_has_its_forward_s_shape(rng):
    class FirstTwo(layers.Layer):
        def forward(self, X, training=False):
            self.n = X.shape[1]
            return X[:, :2]

        def backward(self, dY):
            dX = np.zeros((dY.shape[0], self.n), dtype=dY.dtype)
            dX[:, :2] = dY
            return dX

    model = Sequential([glassnet.Input((5,)), layers.Dense(4), FirstTwo()])
    assert model.output_shape == (None, 2)
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert np.isfinite(model.fit(rng.random((8, 5)), np.arange(8) % 2, verbose=0).history["loss"]).all()


def test_a_forward_that_fails_on_zeros_says_to_define_compute_output_shape():
    class Picky(layers.Layer):
        def forward(self, X, training=False):
            if not X.any():
                raise RuntimeError("all zero")
            return X[:, :1]

        def backward(self, dY):
            return dY

    with pytest.raises(ValueError, match=r"Layer 'picky' \(Picky\) defines no compute_output_shape.*one row of zeros "
                                         r"of shape \(1, 3\).*RuntimeError: all zero.*Define compute_output_shape"):
        Sequential([glassnet.Input((3,)), Picky()])

    class Declared(Picky):  # a declared shape is taken as it is: forward is not run
        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], 1)

    assert Sequential([glassnet.Input((3,)), Declared()]).output_shape == (None, 1)


def test_a_model_with_such_a_layer_saves_loads_and_clones(tmp_path, rng):
    model = Sequential([glassnet.Input((2,)), LinearNoShape(4), layers.Dense(1)])
    x = rng.random((3, 2))
    path = tmp_path / "linear.gn"
    model.save(path)
    loaded = glassnet.models.load_model(path, custom_objects={"LinearNoShape": LinearNoShape})
    assert loaded.layers[1].kernel.shape == (4, 1)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert glassnet.models.clone_model(model).layers[1].kernel.shape == (4, 1)


# -- layers held by a layer ----------------------------------------------------------------

class MLPBlock(layers.Layer):
    """hguide finding 2: forward and backward delegate to two Dense layers the block holds."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.linear_1, self.linear_2 = layers.Dense(8, activation="relu"), layers.Dense(1)

    def build(self, input_shape):
        self.linear_1.build(input_shape)
        self.linear_2.build((8,))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)

    def forward(self, X, training=False):
        return self.linear_2.forward(self.linear_1.forward(X, training), training)

    def backward(self, dY):
        return self.linear_1.backward(self.linear_2.backward(dY))


def test_a_layer_holding_layers_with_weights_is_refused_not_left_untrained():
    # the block's inner weights were in neither its weights nor the model's: fit trained nothing, silently,
    # and save lost them (Keras 3.15 tracks them); glassnet refuses it with what to write instead
    message = (r"MLPBlock\)? holds layers with weights of their own \(self\.linear_1, self\.linear_2\), which a glassnet "
               r"layer does not track.*Subclass glassnet\.Model.*self\.params")
    with pytest.raises(ValueError, match=message):
        Sequential([glassnet.Input((5,)), MLPBlock()])
    with pytest.raises(ValueError, match=message):
        MLPBlock()(np.ones((2, 5)))
    block = MLPBlock()
    block.build((5,))  # built alone, then given to a model
    with pytest.raises(ValueError, match=message):
        Sequential([glassnet.Input((5,)), block])

    class InList(MLPBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = [self.__dict__.pop("linear_1"), self.__dict__.pop("linear_2")]
            self.linear_1, self.linear_2 = self.blocks

    with pytest.raises(ValueError, match=r"holds layers with weights of their own \(self\.blocks"):
        Sequential([glassnet.Input((5,)), InList()])


def test_what_the_refusal_leaves_alone(rng):
    # a weight-free inner layer, glassnet's SpectralNormalization (its Dense's arrays are its own) and the
    # Model subclass the message names are not refused
    class Activated(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.act = layers.Activation("tanh")

        def forward(self, X, training=False):
            return self.act.forward(X, training)

        def backward(self, dY):
            return self.act.backward(dY)

    model = Sequential([glassnet.Input((3,)), layers.Dense(2), Activated()])
    x = rng.normal(size=(4, 3))
    assert model.output_shape == (None, 2)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.tanh(model.layers[0](x)), rtol=1e-6)
    model = Sequential([glassnet.Input((3,)), layers.SpectralNormalization(layers.Dense(2))])
    assert model.count_params() == 3 * 2 + 2 + 2

    class Block(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.linear_1, self.linear_2 = layers.Dense(8, activation="relu"), layers.Dense(1)

        def call(self, inputs):
            return self.linear_2(self.linear_1(inputs))

    block = Block()
    x = rng.normal(size=(32, 5))
    block.compile("sgd", "mse")
    history = block.fit(x, x[:, :1], epochs=3, verbose=0)
    assert len(block.weights) == 4 and history.history["loss"][-1] < history.history["loss"][0]


# -- Keras's add_loss ---------------------------------------------------------------------

def test_add_loss_in_a_layer_or_a_model_says_what_to_write_instead():
    # a bare AttributeError ("'AR' object has no attribute 'add_loss'"), where docs/api.md promised a
    # NotImplementedError that says what to write
    class AR(layers.Layer):
        def forward(self, X, training=False):
            self.add_loss(1e-2 * X.sum())
            return X

        def backward(self, dY):
            return dY

    advice = r"activity_regularizer=.*layers\.ActivityRegularization.*your own training loop"
    with pytest.raises(NotImplementedError, match=f"AR called Keras's add_loss, which glassnet lacks.*{advice}"):
        AR()(np.ones((2, 2)))
    with pytest.raises(NotImplementedError, match=f"AR called Keras's add_loss.*{advice}"):
        Sequential([glassnet.Input((2,)), AR()])

    class M(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            y = self.d(x)
            self.add_loss(0.01)
            return y

    with pytest.raises(NotImplementedError, match=f"M called Keras's add_loss, which glassnet lacks.*{advice}"):
        M()(np.ones((2, 2)))
    with pytest.raises(NotImplementedError, match=f"Sequential called Keras's add_loss.*{advice}"):
        Sequential([glassnet.Input((2,)), layers.Dense(1)]).add_loss(0.5)
