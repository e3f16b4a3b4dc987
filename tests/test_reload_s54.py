"""Session 54: what a loaded model's optimizer lists before any fit."""

import numpy as np

import glassnet
from glassnet import layers as L
from glassnet.models import Sequential


def _frozen_first(seed=0):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
    model = Sequential([L.Input((4,)), L.Dense(4, trainable=False), L.Dense(2)], seed=seed)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    return model


def test_a_loaded_optimizer_lists_the_slots_of_the_trainable_weights_only_as_the_saved_one(tmp_path):
    model = _frozen_first()
    model.save(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn")
    saved, read = model.optimizer.variables, loaded.optimizer.variables
    # (it listed the frozen kernel's and bias's zero momentum and velocity too: 10 variables, until the next fit)
    assert [v.path for v in read] == [v.path for v in saved]
    assert len(read) == 6  # iteration, learning rate, the trainable kernel's and bias's momentum and velocity
    for mine, theirs in zip(read, saved, strict=True):
        assert np.array_equal(np.asarray(mine.numpy()), np.asarray(theirs.numpy()))
