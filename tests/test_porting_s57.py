"""What a PyTorch user porting a script meets (session 57's hunt, docs/pytorch.md): a layer frozen by a
callback inside fit, model.gradients paired with the wrong weights, the gradient with respect to the inputs,
load_model's advice for a custom learning-rate schedule, PyTorch's method names on a model, Adam's
epsilon=0 in a loop of one's own, and ``layer.kernel = W``."""

import copy
import pickle
import re
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers as L


def logits_loss():
    return glassnet.losses.SparseCategoricalCrossentropy(from_logits=True)


def small_model(seed=0):
    return glassnet.Sequential([glassnet.Input((4,)), L.Dense(8, activation="tanh"), L.Dense(3)], seed=seed,
                               dtype="float64")


@pytest.fixture
def data(rng):
    return rng.normal(size=(32, 4)), rng.integers(0, 3, 32)


class Schedule(glassnet.callbacks.Callback):
    """Sets ``layers[0].trainable`` (or the model's, ``whole``) to ``flags[epoch]`` in the hook ``hook``
    ("begin": on_epoch_begin of that epoch; "end": on_epoch_end of the one before); keeps the first kernel
    at each epoch's end."""

    def __init__(self, flags, hook, whole=False):
        super().__init__()
        self.flags, self.hook, self.whole, self.kernels = flags, hook, whole, []

    def _set(self, epoch):
        if epoch in self.flags:
            if self.whole:
                self.model.trainable = self.flags[epoch]
            else:
                self.model.layers[0].trainable = self.flags[epoch]

    def on_epoch_begin(self, epoch, logs=None):
        if self.hook == "begin":
            self._set(epoch)

    def on_epoch_end(self, epoch, logs=None):
        self.kernels.append(self.model.layers[0].get_weights()[0].copy())
        if self.hook == "end":
            self._set(epoch + 1)


def train_on_batches(model, x, y, flags, epochs):
    """The reference: train_on_batch reads the flags at every call."""
    for epoch in range(epochs):
        if epoch in flags:
            model.layers[0].trainable = flags[epoch]
        for start in range(0, 32, 8):
            model.train_on_batch(x[start:start + 8], y[start:start + 8])


# -- 1. freezing from a callback inside fit ----------------------------------------------------------------------
@pytest.mark.parametrize("hook", ["begin", "end"])
def test_a_layer_frozen_and_unfrozen_by_a_callback_trains_as_train_on_batch_from_that_epoch(data, hook):
    x, y = data
    flags = {1: False, 3: True}
    for make in (lambda: glassnet.optimizers.Adam(0.01, weight_decay=0.1),
                 lambda: glassnet.optimizers.SGD(0.1, momentum=0.9, global_clipnorm=0.5)):
        model, reference = small_model(), small_model()
        model.compile(optimizer=make(), loss=logits_loss())
        reference.compile(optimizer=make(), loss=logits_loss())
        callback = Schedule(flags, hook)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an epoch hook's change is applied silently
            model.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0, callbacks=[callback])
        train_on_batches(reference, x, y, flags, 4)
        for ours, theirs in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(callback.kernels[1], callback.kernels[2])  # frozen in epochs 2 and 3
        assert not np.array_equal(callback.kernels[2], callback.kernels[3])  # and trained again in epoch 4


def test_a_model_frozen_by_a_callback_stops_training_at_the_next_epoch(data):
    x, y = data
    model = small_model()
    model.compile(optimizer="sgd", loss=logits_loss())
    callback = Schedule({1: False}, "end", whole=True)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[callback])
    after_first = callback.kernels[0]
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], after_first)
    assert model.optimizer.iterations == 4  # the steps of epoch 1; a frozen model's steps take none


def test_a_flag_changed_in_a_batch_hook_applies_at_the_epoch_end_and_warns_once(data):
    x, y = data

    class Freeze(glassnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.layers[0].trainable = not self.model.layers[0].trainable  # (again in epoch 2)

    kernels = []
    keep = glassnet.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: kernels.append(model.layers[0].get_weights()[0].copy()))
    model = small_model()
    model.compile(optimizer="sgd", loss=logits_loss())
    start = model.layers[0].get_weights()[0].copy()
    with pytest.warns(UserWarning, match=r"changed the trainable flag of layer 'dense\w*' during the batches of "
                                         r"epoch 1 .*so epoch 1 trained as before to its end") as caught:
        model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[Freeze(), keep])
    ours = [w for w in caught if "trainable flag" in str(w.message)]
    assert len(ours) == 1 and ours[0].filename == __file__
    assert not np.array_equal(start, kernels[0])  # epoch 1 trained to its end
    np.testing.assert_array_equal(kernels[0], kernels[1])  # frozen for epoch 2 (unfrozen again at its end)
    assert not np.array_equal(kernels[1], kernels[2])


# -- 2. model.gradients paired with the wrong weights --------------------------------------------------------------
def test_gradients_of_every_weight_paired_with_other_weights_are_refused(data):
    x, _ = data
    model = glassnet.Sequential([glassnet.Input((4,)), L.Dense(4, activation="tanh"), L.Dense(4, activation="tanh"),
                                 L.Dense(4)], seed=0, dtype="float64")
    model.layers[0].trainable = False
    model.compile(loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"grads\[0\] is model.gradients' gradient of \w+/dense\w*/kernel, but it is "
                                         r"paired with \w+/dense_1/kernel.*Pass trainable_only=True"):
        glassnet.optimizers.SGD(0.1).apply_gradients(zip(model.gradients(x, x), model.trainable_weights))
    for ours, theirs in zip(model.get_weights(), before):
        np.testing.assert_array_equal(ours, theirs)
    # the pairings that are right pass: every weight with model.weights, the trainable ones with trainable_only
    glassnet.optimizers.SGD(0.1).apply_gradients(zip(model.gradients(x, x), model.weights))
    glassnet.optimizers.SGD(0.1).apply_gradients(zip(model.gradients(x, x, trainable_only=True),
                                                     model.trainable_weights))
    # and those with arrays that are not this model's: another model's, one's own
    other = glassnet.Sequential([glassnet.Input((4,)), L.Dense(4), L.Dense(4), L.Dense(4)], seed=1, dtype="float64")
    glassnet.optimizers.SGD(0.1).apply_gradients(zip(model.gradients(x, x), other.weights))
    glassnet.optimizers.SGD(0.1).apply([g for g in model.gradients(x, x)], [w.copy() for w in model.weights])


def test_batch_norm_statistics_in_the_gradients_are_named_and_a_shape_mismatch_says_trainable_only(data):
    x, y = data
    model = glassnet.Sequential([glassnet.Input((4,)), L.Dense(8, activation="relu"), L.BatchNormalization(),
                                 L.Dense(3)], seed=0, dtype="float64")
    model.compile(loss=logits_loss())
    with pytest.raises(ValueError, match=r"grads\[4\] is model.gradients' gradient of \w+/batch_normalization/"
                                         r"moving_mean, but it is paired with \w+/dense_1/kernel"):
        glassnet.optimizers.Adam().apply_gradients(zip(model.gradients(x, y), model.trainable_weights))
    scaled = [0.5 * g for g in model.gradients(x, y)]  # new arrays: only their shapes tell
    with pytest.raises(ValueError, match=r"grads\[4\] has shape \(8,\), but its variable trainable_variables\[4\] "
                                         r"has shape \(8, 3\); grads from model.gradients\? Pass trainable_only=True"):
        glassnet.optimizers.Adam().apply_gradients(zip(scaled, model.trainable_weights))


# -- 3. the gradient with respect to the inputs --------------------------------------------------------------------
def finite_difference(loss, x, epsilon=1e-6):
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += epsilon
        down[index] -= epsilon
        out[index] = (loss(up) - loss(down)) / (2 * epsilon)
    return out


def test_input_gradients_match_finite_differences_and_change_nothing(data):
    x, y = data
    model = glassnet.Sequential([glassnet.Input((2, 2)), L.Flatten(), L.Dense(8, activation="tanh"), L.Dropout(0.3),
                                 L.BatchNormalization(), L.Dense(3, activity_regularizer="l2")], seed=0,
                                dtype="float64")
    model.layers[1].trainable = False  # (a frozen first Dense: its input gradient all the same)
    model.compile(optimizer="adam", loss=logits_loss(), loss_weights=2.0)
    model.fit(x.reshape(-1, 2, 2), y, epochs=2, verbose=0)
    xb, yb, w = x[:8].reshape(-1, 2, 2), y[:8], np.linspace(0.5, 2, 8)
    state = [s.copy() for s in model.non_trainable_weights]
    rng_state = model.layers[2].rng.bit_generator.state
    needs = [layer.needs_input_gradient for layer in model.layers]

    def inference_loss(x_):
        outputs = np.asarray(model(x_))
        return float(model.compute_loss(y=yb, y_pred=outputs, sample_weight=w))  # (the activity penalty too)

    gradient = model.input_gradients(xb, yb, sample_weight=w)
    assert gradient.shape == (8, 2, 2)
    np.testing.assert_allclose(gradient, finite_difference(inference_loss, xb), atol=1e-8)
    for ours, theirs in zip(model.non_trainable_weights, state):
        np.testing.assert_array_equal(ours, theirs)
    assert model.layers[2].rng.bit_generator.state == rng_state
    assert [layer.needs_input_gradient for layer in model.layers] == needs


def test_input_gradients_in_training_mode_and_refused_for_integer_ids(data):
    x, y = data
    model = glassnet.Sequential([glassnet.Input((4,)), L.Dense(8, activation="tanh"), L.BatchNormalization(),
                                 L.Dense(3)], seed=0, dtype="float64")
    model.compile(loss=logits_loss())
    xb, yb = x[:8], y[:8]

    def training_loss(x_):
        return float(model.compute_loss(y=yb, y_pred=np.asarray(model(x_, training=True))))

    np.testing.assert_allclose(model.input_gradients(xb, yb, training=True), finite_difference(training_loss, xb),
                               atol=1e-8)
    with pytest.raises(TypeError, match="training must be"):
        model.input_gradients(xb, yb, training="yes")
    ids = glassnet.Sequential([glassnet.Input((3,), dtype="int32"), L.Embedding(10, 2), L.Flatten(), L.Dense(2)])
    ids.compile(loss=logits_loss())
    with pytest.raises(TypeError, match=r"the first layer, 'embedding\w*' \(Embedding\), takes integer inputs"):
        ids.input_gradients(np.array([[1, 2, 3]]), np.array([1]))


# -- 4. load_model and a custom learning-rate schedule -------------------------------------------------------------
class OneCycle(glassnet.schedules.LearningRateSchedule):
    def __init__(self, peak):
        self.peak = peak

    def __call__(self, step):
        return self.peak

    def get_config(self):
        return {"peak": self.peak}


def test_load_model_gives_an_unregistered_schedule_s_advice_whole(tmp_path):
    model = small_model()
    model.compile(optimizer=glassnet.optimizers.SGD(OneCycle(0.5)), loss="mse")
    path = tmp_path / "one_cycle.gn"
    model.save(path)
    with pytest.raises(ValueError) as caught:
        glassnet.models.load_model(path)
    message = str(caught.value)
    assert "Malformed" not in message
    assert message.startswith(f"Cannot load model file {str(path)!r}: Unknown learning-rate schedule 'OneCycle'")
    assert "load_model(path, custom_objects={'OneCycle': OneCycle})" in message
    loaded = glassnet.models.load_model(path, custom_objects={"OneCycle": OneCycle})
    assert loaded.optimizer.learning_rate == 0.5


# -- 5. PyTorch's method names -------------------------------------------------------------------------------------
class Chain(glassnet.Model):
    def __init__(self):
        super().__init__()
        self.dense = L.Dense(2)

    def call(self, x):
        return self.dense(x)


@pytest.mark.parametrize("name, says", [
    ("eval", "inference is the default"), ("train", "model(x, training=True)"),
    ("parameters", "model.trainable_weights"), ("named_parameters", "w.path"), ("state_dict", "get_weights()"),
    ("load_state_dict", "set_weights"), ("zero_grad", "returns new arrays"), ("to", "set_namespace"),
    ("cuda", "set_namespace"),
])
def test_torch_method_names_say_the_glassnet_spelling(name, says):
    for model in (small_model(), Chain()):
        with pytest.raises(AttributeError, match=rf"object has no attribute '{name}' \(PyTorch's nn.Module.{name}\(\)\)"
                                                 rf".*{re.escape(says)}") as caught:
            getattr(model, name)()
        assert caught.value.name == name and caught.value.obj is model
        assert not hasattr(model, name)


def test_other_missing_names_keep_python_s_and_properties_errors():
    model = small_model()
    with pytest.raises(AttributeError, match=r"^'Sequential' object has no attribute 'trainn'$"):
        model.trainn
    with pytest.raises(AttributeError, match="has no defined input yet"):
        Chain().input
    assert getattr(model, "nothing_here", 3) == 3
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model), copy.copy(model)):
        np.testing.assert_array_equal(clone.get_weights()[0], model.get_weights()[0])


# -- 6. epsilon=0 in a loop of one's own, layer.kernel = W --------------------------------------------------------
def test_a_step_made_nan_by_epsilon_0_is_refused_and_says_so():
    w = np.array([1.0, 2.0])
    adam = glassnet.optimizers.Adam(0.1, epsilon=0.0)
    with pytest.warns(RuntimeWarning), pytest.raises(
            ValueError, match=r"The step made trainable_variables\[0\] NaN or infinite from a finite gradient: the "
                              r"variables were left as they were.*epsilon=0 makes a step 0/0"):
        adam.apply_gradients([(np.array([0.0, 1.0]), w)])
    np.testing.assert_array_equal(w, [1.0, 2.0])
    huge = np.array([1.0])
    with pytest.warns(RuntimeWarning), pytest.raises(ValueError, match=r"NaN or infinite from a finite gradient.*"
                                                                         r"Try a lower learning rate"):
        glassnet.optimizers.SGD(1e308).apply([np.array([1e308])], [huge])
    np.testing.assert_array_equal(huge, [1.0])
    model = glassnet.Sequential([glassnet.Input((2,)), L.Dense(1)], dtype="float64")
    model.compile(optimizer=glassnet.optimizers.Adam(0.1, epsilon=0.0), loss="mse")
    with pytest.warns(glassnet.models.DivergenceWarning, match=r"Try a lower learning rate.*epsilon=0 makes a step"):
        model.train_on_batch(np.array([[0.0, 1.0]]), np.array([[1.0]]))


def test_the_nan_guard_refuses_only_what_the_step_made_non_finite():
    # (review, session 57) a variable that held NaN before the step is written on, as Keras writes it: the guard
    # said "the step made it NaN from a finite gradient" and refused every later step
    w = np.array([np.nan, 2.0])
    glassnet.optimizers.SGD(0.1).apply_gradients([(np.array([1.0, 1.0]), w)])
    assert np.isnan(w[0]) and w[1] == pytest.approx(1.9)
    # float16 weights: the w·w shortcut overflowed in float16 and warned at each step (90,000 weights of 1)
    w16 = np.ones(90_000, np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        glassnet.optimizers.SGD(0.01).apply_gradients([(np.ones(90_000, np.float16), w16)])
    assert np.all(w16 == np.float16(0.99))
    # use_ema: another known variable that holds NaN is no reason to refuse (a bare StopIteration escaped)
    a, b = np.ones(3), np.ones(2)
    sgd = glassnet.optimizers.SGD(0.1, use_ema=True)
    sgd.build([a, b])
    b[0] = np.nan
    sgd.apply_gradients([(np.ones(3), a)])
    assert np.allclose(a, 0.9)


def test_assigning_a_weight_attribute_says_how_to_set_it():
    model = glassnet.Sequential([glassnet.Input((2,)), L.Dense(3), L.BatchNormalization()])
    dense, norm = model.layers
    with pytest.raises(AttributeError, match=r"Dense.kernel cannot be replaced: write into the array, "
                                             r"layer.kernel\[\.\.\.\] = value \(a PyTorch nn.Linear.weight is the "
                                             r"transpose of a kernel: weight.T\), or .*set_weights"):
        dense.kernel = np.ones((2, 3))
    with pytest.raises(AttributeError, match=r"Dense.bias cannot be replaced: write into the array, layer.bias"):
        dense.bias = np.ones(3)
    with pytest.raises(AttributeError, match=r"BatchNormalization.moving_mean cannot be replaced"):
        norm.moving_mean = np.ones(3)
    with pytest.raises(AttributeError, match=r"Embedding.embeddings cannot be replaced"):
        L.Embedding(4, 2).embeddings = np.ones((4, 2))
    dense.kernel[...] = 1.0
    np.testing.assert_array_equal(model.get_weights()[0], np.ones((2, 3)))
