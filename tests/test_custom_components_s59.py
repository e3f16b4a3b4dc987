"""Custom components whose mistakes used to pass silently: a constructor argument with a default that
get_config leaves out (saved and cloned as the default), an array left out of weight_names (trained but
not counted or saved), a backward or an optimizer rule that rebinds its array instead of writing into it
(fit trained nothing), and the bare NotImplementedErrors of Activation, Metric and Optimizer subclasses."""

import warnings

import numpy as np
import pytest

from glassnet import activations, layers, losses, metrics, optimizers
from glassnet.models import Sequential, clone_model, load_model


class Linear(layers.Layer):
    """docs/api.md's Linear without its get_config override."""

    weight_names = ("w", "b")

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.params["w"] = np.full((input_shape[-1], self.units), 0.1, dtype=self.dtype)
        self.params["b"] = np.zeros(self.units, dtype=self.dtype)
        self.grads["w"], self.grads["b"] = np.zeros_like(self.params["w"]), np.zeros_like(self.params["b"])
        super().build(input_shape)

    def forward(self, X, training=False):
        self.X = X
        return X @ self.params["w"] + self.params["b"]

    def backward(self, dY):
        self.grads["w"][...] = self.X.T @ dY
        self.grads["b"][...] = dY.sum(axis=0)
        return dY @ self.params["w"].T


class LinearWithConfig(Linear):
    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Rebinding(Linear):
    def backward(self, dY):
        self.grads["w"] = self.X.T @ dY  # a new array: fit's flat gradient vector never sees it
        self.grads["b"][...] = dY.sum(axis=0)
        return dY @ self.params["w"].T


class Unlisted(Linear):
    weight_names = ("w",)


class Scaled(optimizers.Optimizer):
    """SGD at ``factor`` times the rate, with no get_config."""

    def __init__(self, learning_rate=0.01, factor=2.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.factor = factor

    def update(self, w, g, lr, state, tmp):
        w -= self.factor * lr * g


class RebindingRule(optimizers.Optimizer):
    def update(self, w, g, lr, state, tmp):
        w = w - lr * g  # noqa: F841  (the mistake under test)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 4))
    return X, X[:, :2] - X[:, 2:]


def model_of(*hidden, optimizer="sgd"):
    model = Sequential([layers.Input((4,)), *hidden])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_a_defaulted_argument_left_out_of_get_config_is_refused_at_save_and_clone(tmp_path):
    model = model_of(Linear(8), Linear(2))
    match = r"Linear: get_config\(\) does not return units, .*default \(units=32, not 8\).*'units': self.units"
    with pytest.raises(ValueError, match="Cannot save.*" + match):
        model.save(tmp_path / "m.gn")  # (it saved a file whose load failed on the kernel's shape)
    with pytest.raises(ValueError, match="Cannot clone.*" + match):
        clone_model(model)  # (the clone silently had 32 units)


def test_a_defaulted_argument_at_its_default_or_in_get_config_still_saves(tmp_path, data):
    X, _ = data
    for model in (model_of(Linear(), layers.Dense(2)), model_of(LinearWithConfig(8), LinearWithConfig(2))):
        custom_objects = {"Linear": Linear, "LinearWithConfig": LinearWithConfig}
        model.save(tmp_path / "m.gn")
        np.testing.assert_array_equal(load_model(tmp_path / "m.gn", custom_objects=custom_objects).predict(X),
                                      model.predict(X))
        assert clone_model(model).predict(X).shape == model.predict(X).shape


def test_a_defaulted_optimizer_argument_left_out_of_get_config_is_not_saved_as_the_default(tmp_path):
    model = model_of(layers.Dense(2), optimizer=Scaled(0.05, factor=7.0))
    with pytest.warns(UserWarning, match=r"Scaled: get_config\(\) does not return factor.*factor=2.0, not 7.0"):
        model.save(tmp_path / "m.gn")  # the compile settings are left out, as for a required argument
    assert load_model(tmp_path / "m.gn", custom_objects={"Scaled": Scaled}).optimizer is None


def test_an_array_left_out_of_weight_names_is_refused_at_build():
    # (it trained, but count_params gave 0, the file held no weights and summary printed "Non-trainable: -8")
    with pytest.raises(ValueError, match=r"Layer 'unlisted' \(Unlisted\) holds 'b' in self.params, "
                                         r"but its weight_names \('w',\).*weight_names = \('w', 'b'\)"):
        model_of(Unlisted(2))


def test_a_backward_that_rebinds_its_gradient_is_refused(data):
    X, Y = data
    model = model_of(Rebinding(2))
    with pytest.raises(TypeError, match=r"backward of Layer 'rebinding' \(Rebinding\) replaced self.grads\['w'\]"
                                        r".*self.grads\['w'\]\[...\] = ..."):
        model.fit(X, Y, epochs=1, verbose=0)  # (the loss stayed where it was, epoch after epoch)
    good = model_of(Linear(2))
    before = good.get_weights()[0].copy()
    good.fit(X, Y, epochs=1, batch_size=32, verbose=0)  # one SGD step, checked by hand: w − 0.01·∂J/∂w
    delta = X @ before - Y  # (the bias is 0)
    np.testing.assert_allclose(good.get_weights()[0], before - 0.01 * X.T @ (2 * delta / delta.size), rtol=1e-5)


def test_an_optimizer_rule_that_rebinds_the_weights_warns_once(data):
    X, Y = data
    with pytest.warns(UserWarning, match=r"RebindingRule.update left the weights unchanged .*w -= lr \* g") as seen:
        model_of(layers.Dense(2), optimizer=RebindingRule(0.1)).fit(X, Y, epochs=2, batch_size=8, verbose=0)
    assert sum("RebindingRule" in str(w.message) for w in seen) == 1
    model = model_of(layers.Dense(2, kernel_initializer="ones"), optimizer=Scaled(0.05, factor=3.0))
    reference = model_of(layers.Dense(2, kernel_initializer="ones"), optimizer=optimizers.SGD(0.15))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for m in (model, reference):
            m.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], reference.get_weights()[0], rtol=1e-6)


def test_keras_s_update_step_and_a_missing_rule_name_glassnet_s_update():
    with pytest.raises(TypeError, match=r"KerasRule defines Keras's update_step.*state_names.*update\(self, w, g, lr"):
        class KerasRule(optimizers.Optimizer):
            def update_step(self, gradient, variable, learning_rate):
                variable.assign_sub(learning_rate * gradient)

    class NoRule(optimizers.Optimizer):
        pass

    with pytest.raises(NotImplementedError, match=r"NoRule defines no update rule.*update\(self, w, g, lr"):
        NoRule(0.1).apply(np.ones(3), np.ones(3))


def test_an_activation_subclass_without_forward_or_derivative_says_what_to_define():
    class CallOnly(activations.Activation):
        def __call__(self, Z):
            return np.tanh(Z)

        def derivative(self, Z, A):
            return 1 - A * A

    class NoDerivative(activations.Activation):
        def forward(self, Z, out=None):
            return np.tanh(Z, out=out)

    with pytest.raises(NotImplementedError, match=r"CallOnly defines no forward \(layers run forward, not __call__"):
        CallOnly().forward(np.ones(2))
    with pytest.raises(NotImplementedError, match=r"NoDerivative defines no derivative\. .*derivative\(self, Z, A\)"):
        NoDerivative().backward(np.ones(2), np.ones(2), np.ones(2))


def test_a_metric_subclass_without_result_raises_as_keras_s(data):
    class Counted(metrics.Metric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            self.batches = getattr(self, "batches", 0) + 1

    X, Y = data
    model = Sequential([layers.Input((4,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", metrics=[Counted()])
    with pytest.raises(NotImplementedError, match=r"Counted defines update_state but not result\(\)"):
        model.fit(X, Y, epochs=1, verbose=0)  # (it logged 0.0 every epoch)

    class Nothing(metrics.Metric):
        pass

    with pytest.raises(NotImplementedError, match=r"Nothing defines neither update_state.*nor values"):
        Nothing().update_state(np.ones((2, 1)), np.ones((2, 1)))
    mean = metrics.Mean()  # glassnet's own: 0.0 before any batch, as Keras's
    assert mean.result() == 0.0


def test_a_backward_returning_none_or_a_wrong_shape_is_named(data):
    class ReturnsNothing(Linear):
        def backward(self, dY):
            super().backward(dY)

    class ReturnsDY(Linear):
        def backward(self, dY):
            super().backward(dY)
            return dY

    X, Y = data
    for layer, got in ((ReturnsNothing(2), "None"), (ReturnsDY(2), r"an array of shape \(32, 2\)")):
        model = model_of(LinearWithConfig(3), layers.Activation("tanh"), layer, layers.Dense(2))
        name = layer.name
        with pytest.raises(ValueError, match=rf"The backward of Layer '{name}' \({type(layer).__name__}\) returned "
                                             rf"{got}, where dX.* of shape \(n, 3\).*backward of Layer 'activation'"):
            model.fit(X, Y, epochs=1, batch_size=32, verbose=0)  # (a bare broadcast or NoneType error, no name)


# --- false positives of the checks above (session 59's review) -------------------------------------------------------

class PosRecall(metrics.Metric):
    """Recall of the positives, counted in the base's total and count (its result: total / count)."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        t, p = np.ravel(y_true) > 0.5, np.ravel(y_pred) > 0.5
        self.total += float((t & p).sum())
        self.count += float(t.sum())


class MaskedMAE(metrics.Metric):
    """Per-sample values and the base's mean, the NaN targets dropped first."""

    def values(self, Y, A):
        return np.abs(Y - A).mean(axis=1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        keep = ~np.isnan(y_true).any(axis=1)
        super().update_state(y_true[keep], y_pred[keep])


def test_a_metric_that_feeds_the_base_mean_gives_0_before_any_count(data):
    X, _ = data
    y = (X[:, :1] > 0).astype(float)
    y[-8:] = 0  # the validation rows hold no positive: recall's count stays 0 (fit crashed at the epoch's end)
    model = Sequential([layers.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[PosRecall(name="pos_recall")])
    history = model.fit(X, y, epochs=1, validation_split=0.25, verbose=0).history
    assert history["val_pos_recall"] == [0.0]
    masked = MaskedMAE()
    assert masked.result() == 0.0  # (as Keras's Mean before any batch)
    masked.update_state(np.full((3, 1), np.nan), np.zeros((3, 1)))
    assert masked.result() == 0.0
    masked.update_state(np.array([[1.0], [np.nan], [-2.0]]), np.zeros((3, 1)))
    assert masked.result() == 1.5  # (1 + 2) / 2


def test_a_state_buffer_left_out_of_weight_names_is_not_refused(tmp_path, data):
    class Shifted(LinearWithConfig):
        """A constant that build remakes, in self.state and out of the weights (PyTorch's register_buffer)."""

        def build(self, input_shape):
            self.state["shift"] = np.arange(self.units, dtype=self.dtype)
            super().build(input_shape)

        def forward(self, X, training=False):
            return super().forward(X, training) + self.state["shift"]

    class Centred(layers.Normalization):
        def build(self, input_shape):
            super().build(input_shape)

    X, Y = data
    model = model_of(Shifted(2), Centred(mean=1.0, variance=4.0))
    model.fit(X, Y, epochs=1, verbose=0)
    assert model.count_params() == 4 * 2 + 2  # the buffer and the given statistics are no weights
    model.save(tmp_path / "m.gn")
    again = load_model(tmp_path / "m.gn", custom_objects={"Shifted": Shifted, "Centred": Centred})
    np.testing.assert_allclose(again.predict(X), model.predict(X))
    np.testing.assert_allclose(model.predict(X), (X @ model.get_weights()[0] + model.get_weights()[1]
                                                  + np.arange(2) - 1.0) / 2.0, rtol=1e-5)


def test_arguments_that_config_need_not_return_are_not_refused(tmp_path, data):
    class AxisSum(layers.Layer):
        def __init__(self, axis=-1, jit_compile=True, built=False, dtype="float32", **kwargs):
            super().__init__(**kwargs)
            self.axis = axis % 2  # normalised: from_config's layer holds 1 too

        def forward(self, X, training=False):
            return X.sum(axis=self.axis, keepdims=True)

        def backward(self, dY):
            return np.broadcast_to(dY, (len(dY), 4)).copy()

    X, _ = data
    model = Sequential([layers.Input((4,)), AxisSum()], dtype="float64")
    model.save(tmp_path / "m.gn")  # (refused: axis=-1, not 1; jit_compile=True, not False; built; dtype)
    again = load_model(tmp_path / "m.gn", custom_objects={"AxisSum": AxisSum})
    np.testing.assert_allclose(again.predict(X), X.sum(axis=1, keepdims=True))

    class SumMSE(losses.Loss):  # a reduction that from_config would not give back is still refused
        def __init__(self, reduction="sum", name="sum_mse"):
            super().__init__(reduction=reduction, name=name)

        def call(self, y_true, y_pred):
            return np.mean((y_true - y_pred) ** 2, axis=-1)

    with pytest.raises(ValueError, match=r"SumMSE: get_config\(\) does not return reduction"):
        losses.serialize(SumMSE(reduction="sum_over_batch_size"))


def test_update_step_on_a_subclass_of_a_built_in_optimizer_is_refused(data):
    with pytest.raises(TypeError, match=r"Halved defines Keras's update_step, which glassnet's optimizers never run"):
        class Halved(optimizers.SGD):  # (it trained by SGD's rule, silently)
            def update_step(self, gradient, variable, learning_rate):
                variable.assign_sub(0.5 * learning_rate * gradient)

    class Both(optimizers.SGD):  # its own update may call a helper of that name
        def update_step(self, w, g, lr):
            w -= 0.5 * lr * g

        def update(self, w, g, lr, state, tmp):
            self.update_step(w, g, lr)

    X, Y = data
    model = model_of(layers.Dense(2, kernel_initializer="ones"), optimizer=Both(0.2))
    reference = model_of(layers.Dense(2, kernel_initializer="ones"), optimizer=optimizers.SGD(0.1))
    for m in (model, reference):
        m.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], reference.get_weights()[0], rtol=1e-6)


def test_the_first_update_warning_names_the_user_s_line(data):
    X, Y = data
    with pytest.warns(UserWarning, match=r"skips its first step on purpose may ignore this") as seen:
        model_of(layers.Dense(2), optimizer=RebindingRule(0.1)).fit(X, Y, epochs=1, verbose=0)
    assert [w.filename for w in seen if "RebindingRule" in str(w.message)] == [__file__]
