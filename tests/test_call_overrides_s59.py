"""Keras's ``call`` where glassnet runs ``forward`` (session 59): a ``call`` override on a subclass of a
built-in layer is refused at the class definition (it was silently never run: Géron's MCDropout gave an
uncertainty of exactly 0), and a literal ``training=True``/``False`` in a subclassed Model's ``call`` holds in
every pass, as Keras 3.15 runs ``call`` each time (fit, predict and evaluate overrode it)."""

import numpy as np
import pytest

import glassnet
from glassnet import layers


def test_a_call_override_on_a_built_in_layer_is_refused_at_its_definition():
    with pytest.raises(TypeError, match=r"MCDropout overrides call, which glassnet's layers never run: .* would run "
                                        r"Dropout's forward unchanged\. Override forward instead, .*def forward\(self, "
                                        r"X, training=False\): return super\(\)\.forward\(X, training=True\)"):
        class MCDropout(layers.Dropout):
            def call(self, inputs, training=None):
                return super().call(inputs, training=True)

    with pytest.raises(TypeError, match=r"Double overrides call, .*Dense's forward unchanged"):
        class Double(layers.Dense):
            def call(self, inputs):
                return super().call(inputs) * 2

    class Base(layers.Layer):  # a user's own forward, inherited: not refused (it may run self.call, below)
        def forward(self, X, training=False):
            return X

    class Sub(Base):
        def call(self, inputs):
            return inputs * 3

    class Both(layers.Dropout):  # forward defined too: that is what runs, its call is the class's own business
        def forward(self, X, training=False):
            return super().forward(X, training=True)

        def call(self, inputs, training=None):
            return self.forward(inputs, training)

    class KerasOnly(layers.Layer):  # call only, on Layer: still told at its first pass, as before
        def call(self, inputs):
            return inputs * 2

    assert (Both(0.5, seed=1)(np.ones((50, 4))) == 0).any()
    with pytest.raises(NotImplementedError, match=r"KerasOnly defines no forward\(X, training=False\)"):
        KerasOnly()(np.ones((2, 3)))


def test_a_call_override_under_a_users_template_forward_is_accepted_and_runs():
    # a user's base whose forward runs self.call (a template method): the subclass's call is what runs, so
    # refusing it ("Child would run Base's forward unchanged") was wrong; only a built-in layer's forward is
    class Base(layers.Dense):
        def forward(self, X, training=False):
            return self.call(super().forward(X, training))

        def call(self, Y):
            return Y

    class Child(Base):
        def call(self, Y):
            return 2 * Y

    # by hand: ones weights, zero bias, three inputs of 1 give 3 per unit; Child's call doubles it
    out = Child(2, kernel_initializer="ones")(np.ones((1, 3)))
    np.testing.assert_array_equal(out, [[6.0, 6.0]])
    np.testing.assert_array_equal(Base(2, kernel_initializer="ones")(np.ones((1, 3))), [[3.0, 3.0]])
    with pytest.raises(TypeError, match=r"Grandchild overrides call, .*Dense's forward unchanged"):
        class Grandchild(layers.Dense):  # (a built-in's forward: still refused)
            def call(self, Y):
                return Y


def test_the_forward_override_samples_in_predict_and_survives_save_and_load(rng, tmp_path):
    class MCDropout(layers.Dropout):
        def forward(self, X, training=False):
            return super().forward(X, training=True)

    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"), MCDropout(0.5),
                                 layers.Dense(1)], seed=0)
    x = rng.normal(size=(5, 4))
    model.compile("adam", "mse")
    model.fit(x, rng.normal(size=(5, 1)), epochs=1, verbose=0)
    samples = np.stack([model.predict(x, verbose=0) for _ in range(20)])
    assert samples.std(axis=0).mean() > 0.01
    model.save(tmp_path / "mc.gn")
    again = glassnet.models.load_model(tmp_path / "mc.gn", custom_objects={"MCDropout": MCDropout})
    assert type(again.layers[1]) is MCDropout
    assert np.stack([again.predict(x, verbose=0) for _ in range(20)]).std(axis=0).mean() > 0.01


def _always_dropped(lib, mode):
    """A subclass of ``lib``'s Model whose call gives its Dropout a literal ``training=mode``."""
    class MC(lib.Model):
        def __init__(self):
            super().__init__()
            self.d1, self.drop, self.out = lib.layers.Dense(16, activation="relu"), lib.layers.Dropout(0.5), \
                lib.layers.Dense(1)

        def call(self, x, training=None):
            return self.out(self.drop(self.d1(x), training=mode))
    return MC()


@pytest.mark.parametrize("lib_name", ["glassnet", "keras"])
def test_a_literal_training_true_in_a_subclass_call_holds_in_predict_and_evaluate_as_keras(lib_name, keras64):
    # always-on (Monte-Carlo) dropout: predict, evaluate and model(x, training=False) gave one output
    # each time (the literal taken as a functional model's pin, which an explicit mode overrides)
    lib = glassnet if lib_name == "glassnet" else keras64
    model = _always_dropped(lib, True)
    x = np.ones((2, 4))

    def distinct(f):
        return len({round(float(np.asarray(f()).ravel()[0]), 8) for _ in range(6)})

    assert distinct(lambda: model(x)) == 6
    assert distinct(lambda: model(x, training=False)) == 6
    assert distinct(lambda: model.predict(x, verbose=0)) == 6
    model.compile("sgd", "mse")
    assert len({round(float(model.evaluate(x, np.zeros((2, 1)), verbose=0)), 8) for _ in range(6)}) == 6
    if lib is glassnet:  # each Monte-Carlo sample its own array (the Dropout's buffer is reused)
        first, second = model(x, training=False), model(x, training=False)
        assert not np.array_equal(first, second)


def test_a_literal_training_false_keeps_batch_norm_in_inference_mode_in_fit_as_keras(keras64, rng):
    # transfer learning in a subclass: self.bn(x, training=False) in call; glassnet's fit moved the moving
    # statistics (by 0.20 after 2 epochs), Keras 3.15's stay. Same weights, float64: the same losses and weights
    X, y = rng.normal(size=(32, 4)) * 3 + 2, rng.normal(size=(32, 1))

    def frozen(lib):
        class Frozen(lib.Model):
            def __init__(self):
                super().__init__(dtype="float64")
                self.bn, self.out = lib.layers.BatchNormalization(), lib.layers.Dense(1)

            def call(self, x, training=None):
                return self.out(self.bn(x, training=False))
        model = Frozen()
        model(X[:2])
        model.compile(lib.optimizers.SGD(0.05), "mse")
        return model

    ours, theirs = frozen(glassnet), frozen(keras64)
    theirs.set_weights(ours.get_weights())
    before = [np.array(w) for w in ours.bn.get_weights()]
    history = ours.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    their_history = theirs.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    np.testing.assert_array_equal(ours.bn.get_weights()[2:], before[2:])  # moving mean and variance unchanged
    np.testing.assert_allclose(history.history["loss"], their_history.history["loss"], rtol=1e-12)
    for mine, their in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, np.asarray(their), rtol=1e-12, atol=1e-14)
    assert not np.allclose(ours.bn.get_weights()[0], before[0])  # gamma trained (inference mode), as Keras's


def test_a_nested_model_given_a_literal_is_fixed_its_own_pins_are_not(rng):
    # self.base(x, training=False) in call: the whole base infers in fit (Keras's transfer-learning pattern);
    # a functional model's own Dropout(...)(h, training=True) pin stays a pin, which predict overrides (as
    # Keras passes the outer mode into the nested functional call), and training=training is traced as before
    inputs = glassnet.Input((4,))
    base = glassnet.Model(inputs, layers.BatchNormalization()(layers.Dense(4)(inputs)))
    pinned = glassnet.Model(inputs2 := glassnet.Input((4,)), layers.Dropout(0.5)(inputs2, training=True))

    class Transfer(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.base, self.pinned, self.out = base, pinned, layers.Dense(1)

        def call(self, x, training=None):
            return self.out(self.pinned(self.base(x, training=False)))

    model = Transfer()
    X = rng.normal(size=(16, 4)) * 3 + 2
    model(X)
    moving = [np.array(w) for w in base.layers[-1].get_weights()[2:]]
    model.compile("sgd", "mse")
    model.fit(X, rng.normal(size=(16, 1)), epochs=2, batch_size=4, verbose=0)
    np.testing.assert_array_equal(base.layers[-1].get_weights()[2:], moving)
    np.testing.assert_array_equal(model.predict(X, verbose=0), model.predict(X, verbose=0))  # the pin overridden
    assert not np.array_equal(model(X), model(X))  # ... and holding in a call given no mode
    traced = _always_dropped(glassnet, None)  # (training=None written: as training=training)
    np.testing.assert_array_equal(traced.predict(X, verbose=0), traced.predict(X, verbose=0))


def test_onnx_export_refuses_a_layer_fixed_in_training_mode(tmp_path):
    # the ONNX graph is the inference pass: an always-on dropout was dropped from it silently (outputs 0.59 apart
    # from predict's); a literal training=False (inference in every pass) is what the graph computes
    pytest.importorskip("onnx")
    from glassnet.onnx import export

    on = _always_dropped(glassnet, True)
    on.predict(np.ones((2, 4)), verbose=0)
    with pytest.raises(ValueError, match=r"runs 'dropout.*' with training=True in every pass .* leaves the mode to"):
        export(on, tmp_path / "on.onnx")
    off = _always_dropped(glassnet, False)
    off.predict(np.ones((2, 4)), verbose=0)
    export(off, tmp_path / "off.onnx")
    assert (tmp_path / "off.onnx").stat().st_size > 0
