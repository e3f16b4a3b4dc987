"""Keras 2-era code with only its import changed: what ran there runs here, or says what to write now
(session 58, hkeras2's findings 1, 4 and 5)."""

import numpy as np
import pytest

from glassnet import callbacks, layers, models, optimizers, utils


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def _model(optimizer):
    utils.set_random_seed(1)
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer, "binary_crossentropy")
    return model


def test_optimizer_lr_reads_and_sets_the_learning_rate_as_tf_keras_2():
    # `model.optimizer.lr = x` was taken as a new attribute and ignored: training went on at the old rate
    opt = optimizers.SGD(0.1)
    assert opt.lr == 0.1 and opt.lr.numpy() == np.float32(0.1)
    opt.lr = 0.05
    assert opt.learning_rate == 0.05 and "lr" not in vars(opt)
    opt.lr.assign(0.02)
    assert opt.learning_rate == 0.02
    config = opt.get_config()
    assert "lr" not in config and config["learning_rate"] == 0.02
    assert optimizers.SGD.from_config(config).lr == 0.02
    with pytest.raises(ValueError, match="learning_rate"):
        opt.lr = -1.0                      # checked as learning_rate is
    with pytest.raises(TypeError, match="lr is called learning_rate"):
        optimizers.Adam(lr=0.01)           # the constructor still refuses tf.keras's lr= with the hint
    scheduled = optimizers.SGD(optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.lr = 0.01


def test_a_keras_2_callback_setting_optimizer_lr_stops_training():
    x, y = _data()

    class Stop(callbacks.Callback):  # the Keras 2 recipe: self.model.optimizer.lr = new_rate
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.lr = 0.0

        def on_epoch_end(self, epoch, logs=None):
            seen.append((float(self.model.optimizer.lr), self.model.get_weights()[0].copy()))

    seen = []
    model = _model(optimizers.SGD(0.5))
    start = model.get_weights()[0].copy()
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[Stop()])
    assert [rate for rate, _ in seen] == [0.5, 0.0, 0.0]
    assert not np.allclose(seen[0][1], start)           # the first epoch trained
    np.testing.assert_array_equal(seen[1][1], seen[0][1])  # the rate 0 changed nothing after it
    np.testing.assert_array_equal(seen[2][1], seen[0][1])
    # the first epoch is a plain one-epoch fit at 0.5 (the reference)
    reference = _model(optimizers.SGD(0.5))
    reference.fit(x, y, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_array_equal(reference.get_weights()[0], seen[0][1])


@pytest.mark.parametrize("name, says", [
    ("fit_generator", "fit(generator"), ("evaluate_generator", "evaluate(generator"),
    ("predict_generator", "predict(generator"), ("predict_classes", "np.argmax(model.predict(x), axis=-1)"),
    ("predict_proba", "model.predict(x)"), ("to_yaml", "to_json()"), ("reset_states", "recurrent"),
])
def test_keras_2_model_methods_say_what_to_write_instead(name, says):
    model = _model("sgd")

    class Sub(models.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, x):
            return self.d(x)

    inputs = layers.Input(shape=(4,))
    functional = models.Model(inputs, layers.Dense(1)(inputs))
    for obj in (model, Sub(), functional):
        with pytest.raises(AttributeError, match="Keras 2") as info:
            getattr(obj, name)
        assert says in str(info.value) and info.value.name == name
        assert not hasattr(obj, name)


@pytest.mark.parametrize("kwargs, says", [
    ({"nb_epoch": 2}, "nb_epoch is called epochs"),
    ({"samples_per_epoch": 64}, "steps_per_epoch"),
    ({"nb_val_samples": 64}, "validation_steps"),
    ({"workers": 4, "use_multiprocessing": True}, "PyDataset(workers=...)"),
    ({"max_queue_size": 10}, "PyDataset(max_queue_size=...)"),
])
def test_fit_keras_1_and_2_arguments_say_what_to_write_instead(kwargs, says):
    x, y = _data()
    model = _model("sgd")
    before = model.get_weights()[0].copy()
    with pytest.raises(TypeError, match="Sequential.fit") as info:
        model.fit(x, y, verbose=0, **kwargs)
    assert says in str(info.value) and all(name in str(info.value) for name in kwargs)
    np.testing.assert_array_equal(model.get_weights()[0], before)
    with pytest.raises(TypeError, match="unexpected keyword argument 'nb_epochs'"):
        model.fit(x, y, nb_epochs=2)       # any other name: Python's own error, as before


def test_fit_keeps_keras_3_signature():
    import inspect
    names = list(inspect.signature(models.Sequential.fit).parameters)
    assert names[:5] == ["self", "x", "y", "batch_size", "epochs"] and "workers" not in names
    assert models.Sequential.fit.__doc__.startswith("Train for ``epochs``")


def test_a_subclass_may_set_its_own_lr_before_the_base_init():
    # (review) the alias made `self.lr = lr` before super().__init__() an AttributeError (_learning_rate)
    class MySGD(optimizers.SGD):
        def __init__(self, lr=0.1, **kwargs):
            self.lr = lr
            super().__init__(learning_rate=lr, **kwargs)

    opt = MySGD(0.2)
    assert opt.lr == opt.learning_rate == 0.2
