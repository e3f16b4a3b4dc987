"""Session 60: PyTorch Lightning and skorch users' idioms on glassnet's models, refused with what to write
instead (hunt hskorch F1, F5, F9)."""

import numpy as np
import pytest

import glassnet
from glassnet import layers, models


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 4)).astype("float32"), rng.integers(0, 2, 16)


def _model():
    model = models.Sequential([layers.Input((4,)), layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    return model


def test_lightning_hooks_are_refused_with_what_to_write():
    # fit trained without calling them, with compile's default RMSprop in place of configure_optimizers' SGD
    with pytest.raises(TypeError, match=r"Lit defines PyTorch Lightning's hooks.*training_step → call\(self, x\).*"
                                        r"compile\(loss=.*configure_optimizers → compile\(optimizer=\.\.\.\)"):
        class Lit(models.Model):
            def __init__(self):
                super().__init__()
                self.d = layers.Dense(2)

            def call(self, x):
                return self.d(x)

            def training_step(self, batch, batch_idx):
                raise AssertionError("never called")

            def configure_optimizers(self):
                return glassnet.optimizers.SGD(0.1)
    for hook, where in [("validation_step", r"fit\(validation_data="), ("on_train_epoch_end", "Callback")]:
        with pytest.raises(TypeError, match=rf"{hook} → .*{where}"):
            type("Lit", (models.Model,), {"call": lambda self, x: x, hook: lambda self, *a: None})
    with pytest.raises(TypeError, match="Lightning's hooks"):  # a Sequential subclass too
        type("Lit", (models.Sequential,), {"training_step": lambda self, *a: None})


def test_a_subclass_defining_pytorchs_forward_is_told_it_is_call():
    # forward alone was "defines no call" without the PyTorch name; forward next to call broke fit with
    # "T.forward() got an unexpected keyword argument 'training'" (it replaced the engine's pass)
    for attrs in ({"forward": lambda self, x: x}, {"call": lambda self, x: self.forward(x), "forward": lambda self, x: x}):
        with pytest.raises(TypeError, match=r"T defines forward.*PyTorch's forward is Keras's and glassnet's call"):
            type("T", (models.Model,), attrs)

    class Fine(models.Model):  # a call alone still trains
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2, activation="softmax")

        def call(self, x):
            return self.d(x)

    x, y = _data()
    model = Fine()
    model.compile(loss="sparse_categorical_crossentropy")
    assert len(model.fit(x, y, epochs=2, verbose=0).history["loss"]) == 2


@pytest.mark.parametrize("keyword, hint", [
    ("max_epochs", "Did you mean 'epochs'?"), ("epoch", "Did you mean 'epochs'?"), ("n_epochs", "Did you mean 'epochs'?"),
    ("batchsize", "Did you mean 'batch_size'?"), ("lr", r"the learning rate is the optimizer's: compile\(optimizer="),
    ("optimizer", r"the optimizer is compile's: compile\(optimizer=")])
def test_fits_unexpected_keyword_suggests_the_setting(keyword, hint):
    x, y = _data()
    with pytest.raises(TypeError, match=rf"^Sequential\.fit\(\) got an unexpected keyword argument '{keyword}'[.:] ?{hint}"):
        _model().fit(x, y, verbose=0, **{keyword: 1})
    with pytest.raises(TypeError, match="nb_epoch is called epochs"):  # session 58's Keras 1 arguments unchanged
        _model().fit(x, y, nb_epoch=1)


def test_a_data_module_and_a_list_of_batches_say_how_to_pass_them():
    x, y = _data()

    class DataModule:
        def train_dataloader(self):
            return [(x[:8], y[:8]), (x[8:], y[8:])]

    with pytest.raises(TypeError, match=r"not a DataModule with train_dataloader\(\).*"
                                        r"fit\(dm\.train_dataloader\(\), validation_data=dm\.val_dataloader\(\)\)"):
        _model().fit(DataModule(), verbose=0)
    batches = [(x[i:i + 4], y[i:i + 4]) for i in range(0, 16, 4)]
    for given in (batches, batches[:2], [(xb, yb, np.ones(4)) for xb, yb in batches]):
        with pytest.raises(ValueError, match=r"a list of \(x, y\) batches.*fit\(iter\(batches\)\).*PyDataset"):
            _model().fit(given, verbose=0)
    # what the message says works; a list of rows of different lengths keeps its own message
    assert len(_model().fit(iter(batches), verbose=0).history["loss"]) == 1
    with pytest.raises(ValueError, match="its rows differ in length"):
        _model().fit([[1, 2, 3, 4], [1, 2]], [0, 1], verbose=0)


def test_a_list_of_arrays_keeps_its_message():
    # the batches' hint needs tuples: a list of arrays (Keras's multi-input x, which glassnet's one-input
    # models refuse) keeps its own message
    x, y = _data()
    with pytest.raises(ValueError, match="one per input") as info:
        _model().fit([x[:, :2], x[:, 1:]], y, verbose=0)
    assert "batches" not in str(info.value)
