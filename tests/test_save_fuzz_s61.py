"""Save/load fuzzing findings (session 61): a pickled model resumes bit for bit whatever set_random_seed calls
the unpickling process made; a LossScaleOptimizer built on the trainable variables beside a frozen layer and
build([]) of a fully frozen model train as fit's own build; the docs name every optimizer whose state a Keras
file cannot hold."""
import copy
import os
import pickle
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import optimizers
from glassnet.layers import Dense, Dropout, Input
from glassnet.models import OptimizerStateWarning, Sequential

from conftest import REPO, package_root


def _data():
    X = np.random.default_rng(0).normal(size=(64, 4))
    return X, (X[:, 0] > 0).astype(int)


def _dropout_model():
    # the model's shuffling generator, its own Dropout's and a nested model's Dropout's
    inner = Sequential([Dense(6, activation="relu"), Dropout(0.2)])
    model = Sequential([Input((4,)), Dense(8, activation="relu"), Dropout(0.3), inner,
                        Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _fit_on(model, epochs=3, initial_epoch=1):
    X, y = _data()
    model.fit(X, y, epochs=epochs, initial_epoch=initial_epoch, batch_size=16, verbose=0)
    return model.get_weights()


def _equal(a, b):
    return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


@pytest.fixture
def after_one_epoch():
    """A pickle of a model trained one epoch, and the weights of its two more uninterrupted epochs."""
    glassnet.utils.set_random_seed(42)
    model = _dropout_model()
    _fit_on(model, epochs=1, initial_epoch=0)
    blob = pickle.dumps(model)
    copied = copy.deepcopy(model)
    return blob, copied, _fit_on(model)


def test_an_unpickled_model_resumes_after_another_seed_in_the_same_process(after_one_epoch):
    blob, copied, reference = after_one_epoch
    assert _equal(_fit_on(copied), reference)  # (copy.deepcopy: the same __getstate__/__setstate__)
    glassnet.utils.set_random_seed(42)  # (the .gn recipe "seed first, then load": the count was 1 == 1 there)
    glassnet.utils.set_random_seed(42)  # a count the pickling process never had: fit drew new generators
    assert _equal(_fit_on(pickle.loads(blob)), reference)
    glassnet.utils.set_random_seed(42)
    assert _equal(_fit_on(copy.deepcopy(pickle.loads(blob))), reference)


def test_an_unpickled_model_resumes_in_a_process_seeded_0_or_2_times(after_one_epoch, tmp_path):
    blob, _, reference = after_one_epoch
    (tmp_path / "model.pkl").write_bytes(blob)
    child = (
        "import pickle, sys, numpy as np, glassnet\n"
        "X = np.random.default_rng(0).normal(size=(64, 4)); y = (X[:, 0] > 0).astype(int)\n"
        "def _fit_on(model):\n"
        "    model.fit(X, y, epochs=3, initial_epoch=1, batch_size=16, verbose=0)\n"
        "    return model.get_weights()\n"
        "blob = open(sys.argv[1], 'rb').read()\n"
        "fresh = _fit_on(pickle.loads(blob))\n"  # never seeded: it drew from fresh entropy
        "glassnet.utils.set_random_seed(0); glassnet.utils.set_random_seed(0)\n"
        "twice = _fit_on(pickle.loads(blob))\n"
        "np.savez(sys.argv[2], *fresh, *twice)\n"
    )
    out = tmp_path / "weights.npz"
    proc = subprocess.run([sys.executable, "-c", child, str(tmp_path / "model.pkl"), str(out)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(package_root())})
    assert proc.returncode == 0, proc.stderr
    with np.load(out) as saved:
        arrays = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    n = len(reference)
    assert _equal(arrays[:n], reference)
    assert _equal(arrays[n:], reference)


def test_a_model_pickled_before_a_redraw_still_redraws():
    # set_random_seed after the model was made: its next fit draws the generators from the new seed, and
    # so does its unpickled copy's (the redraw stays pending)
    glassnet.utils.set_random_seed(1)
    model = _dropout_model()
    glassnet.utils.set_random_seed(5)
    blob = pickle.dumps(model)
    reference = _fit_on(model, epochs=2, initial_epoch=0)
    glassnet.utils.set_random_seed(5)
    assert _equal(_fit_on(pickle.loads(blob), epochs=2, initial_epoch=0), reference)


def _frozen_model(optimizer, all_frozen=False):
    glassnet.utils.set_random_seed(3)
    model = Sequential([Input((4,)), Dense(3), Dense(2, activation="softmax")])
    model.layers[0].trainable = False
    model.layers[1].trainable = not all_frozen
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("make", [optimizers.Adam, lambda: optimizers.LossScaleOptimizer(optimizers.Adam())],
                         ids=["Adam", "LossScaleOptimizer"])
def test_build_on_the_trainable_variables_beside_a_frozen_layer_fits_as_fits_own_build(make):
    # the recipe before load_weights of an optimizer's state; the LossScaleOptimizer's was refused ("a layer was
    # added or removed"): its inner optimizer holds the state built for the trainable variables
    X, y = _data()
    built = _frozen_model(make())
    built.optimizer.build(built.trainable_variables)
    history = built.fit(X, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    plain = _frozen_model(make())
    assert history == plain.fit(X, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history
    assert _equal(built.get_weights(), plain.get_weights())
    assert built.optimizer.iterations == plain.optimizer.iterations == 8


@pytest.mark.parametrize("make", [optimizers.Adam, lambda: optimizers.LossScaleOptimizer(optimizers.Adam())],
                         ids=["Adam", "LossScaleOptimizer"])
def test_build_of_no_variables_is_built_and_trains_nothing(make):
    # Keras 3.15's build([]) of a fully frozen model is built, and fit keeps the weights, iterations 0 (checked
    # by hand); glassnet's raised a bare IndexError
    X, y = _data()
    model = _frozen_model(make(), all_frozen=True)
    start = model.get_weights()
    model.optimizer.build(model.trainable_variables)
    assert model.trainable_variables == [] and model.optimizer.built
    model.fit(X, y, epochs=2, batch_size=16, verbose=0)
    assert _equal(model.get_weights(), start) and model.optimizer.iterations == 0


def test_file_format_names_every_optimizer_whose_state_no_keras_file_holds(tmp_path):
    pytest.importorskip("h5py")
    text = " ".join((REPO / "docs" / "file-format.md").read_text(encoding="utf-8").split())
    listed = re.search(r"An optimizer whose state has no such form \(([^)]*)\)", text).group(1)
    X, y = _data()
    for make in (optimizers.Adafactor, optimizers.Muon, optimizers.ScheduleFreeAdamW, optimizers.Rprop):
        model = _frozen_model(make())
        model.fit(X, y, epochs=1, batch_size=64, verbose=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.save_weights(tmp_path / "m.weights.h5")
        assert any(issubclass(w.category, OptimizerStateWarning) for w in caught), make.__name__
        assert make.__name__ in listed
