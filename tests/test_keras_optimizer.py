"""The optimizer's state in ``.keras`` files (``optimizer/vars``), compared with Keras 3.15 in float64."""

import io
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.models import Sequential
from glassnet.models.keras_optimizer import OptimizerStateWarning

h5py = pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")


def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 4)), rng.normal(size=(40, 2))


def epoch(model):
    X, y = data()
    model.fit(X, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    return [np.asarray(w) for w in model.get_weights()]


#: Keras's optimizers (made from the Keras module) whose state glassnet reads and writes
KERAS_OPTIMIZERS = {
    "sgd_momentum": lambda k: k.optimizers.SGD(0.05, momentum=0.9),
    "adam_amsgrad": lambda k: k.optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda k: k.optimizers.AdamW(0.01),
    "rmsprop_centered": lambda k: k.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "rmsprop": lambda k: k.optimizers.RMSprop(0.01),
    "nadam": lambda k: k.optimizers.Nadam(0.01),
    "adagrad": lambda k: k.optimizers.Adagrad(0.1),
    "adadelta": lambda k: k.optimizers.Adadelta(1.0),
    "adamax": lambda k: k.optimizers.Adamax(0.01),
    "lion": lambda k: k.optimizers.Lion(0.003),
    "ftrl": lambda k: k.optimizers.Ftrl(0.1),
    "lamb": lambda k: k.optimizers.Lamb(0.01),
    "adam_ema": lambda k: k.optimizers.Adam(0.01, use_ema=True),
    "adam_accumulating": lambda k: k.optimizers.Adam(0.01, gradient_accumulation_steps=3),
    "sgd_scheduled": lambda k: k.optimizers.SGD(k.optimizers.schedules.ExponentialDecay(0.05, 3, 0.5), momentum=0.9),
    "loss_scale_adam": lambda k: k.optimizers.LossScaleOptimizer(k.optimizers.Adam(0.01, amsgrad=True),
                                                                  dynamic_growth_steps=3),
}


def keras_model(keras):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    return model


def trained_keras_model(keras, optimizer):
    """:func:`keras_model` compiled with ``optimizer`` and trained two epochs on :func:`data`."""
    model = keras_model(keras)
    model.compile(optimizer, "mse")
    X, y = data()
    model.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    return model


@pytest.mark.parametrize("name", sorted(KERAS_OPTIMIZERS))
def test_a_keras_checkpoint_resumes_in_glassnet_as_in_keras(name, keras64, tmp_path):
    keras = keras64
    trained_keras_model(keras, KERAS_OPTIMIZERS[name](keras)).save(tmp_path / "model.keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    iterations = int(theirs.optimizer.iterations)
    mine = resumes_as(tmp_path / "model.keras", theirs)
    assert mine.optimizer.iterations == iterations > 0


def resumes_as(path, expected):
    """glassnet's load_model of the Keras file ``path`` (no OptimizerStateWarning), after one more epoch
    equal (1e-10) to the Keras model ``expected``'s after its epoch, where the same file with a fresh
    optimizer is not (the state matters); returns the model loaded again, before any epoch."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        mine = glassnet.models.load_model(path)
    fresh = glassnet.models.load_model(path)
    fresh.compile(fresh.optimizer._fresh(), fresh.loss)
    want = epoch(expected)
    for got, keras_value in zip(epoch(mine), want, strict=True):
        np.testing.assert_allclose(got, keras_value, rtol=0, atol=1e-10)
    assert max(np.abs(a - b).max() for a, b in zip(epoch(fresh), want)) > 1e-6  # (the state matters here)
    return glassnet.models.load_model(path)


GLASSNET_OPTIMIZERS = {
    "sgd_momentum": lambda: glassnet.optimizers.SGD(0.05, momentum=0.9),
    "adam": lambda: glassnet.optimizers.Adam(0.01),
    "adamw_amsgrad": lambda: glassnet.optimizers.AdamW(0.01, amsgrad=True),
    "rmsprop_centered": lambda: glassnet.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda: glassnet.optimizers.Nadam(0.01),
    "adagrad": lambda: glassnet.optimizers.Adagrad(0.1),
    "adam_ema": lambda: glassnet.optimizers.Adam(0.01, use_ema=True),
    "loss_scale_adam": lambda: glassnet.optimizers.LossScaleOptimizer(glassnet.optimizers.Adam(0.01),
                                                                      dynamic_growth_steps=3),
}


def glassnet_model(optimizer, frozen=False):
    model = Sequential([glassnet.Input((4,)), layers.Dense(3, activation="tanh"), layers.BatchNormalization(),
                        layers.Dense(2)], dtype="float64")
    model.layers[0].trainable = not frozen
    model.compile(optimizer, "mse")
    X, y = data()
    model.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    return model


@pytest.mark.parametrize("name", sorted(GLASSNET_OPTIMIZERS))
def test_glassnets_keras_file_resumes_in_keras_with_the_state(name, keras64, tmp_path):
    keras = keras64
    model = glassnet_model(GLASSNET_OPTIMIZERS[name]())
    model.export(tmp_path / "model.keras", format="keras")
    theirs = keras.saving.load_model(tmp_path / "model.keras")
    assert int(theirs.optimizer.iterations) == model.optimizer.iterations
    for got, want in zip(epoch(model), epoch(theirs), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", sorted(GLASSNET_OPTIMIZERS))
def test_a_keras_file_resumes_in_glassnet_bit_for_bit(name, tmp_path):
    model = glassnet_model(GLASSNET_OPTIMIZERS[name](), frozen=name == "adam")
    model.export(tmp_path / "model.keras", format="keras")
    loaded = glassnet.models.load_model(tmp_path / "model.keras")
    assert loaded.optimizer.iterations == model.optimizer.iterations == 10
    for a, b in zip(epoch(model), epoch(loaded), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_frozen_layer_has_no_state_in_the_file(tmp_path):
    # Keras's optimizer keeps slots for the trainable variables only: Adam's m, v of the last three
    model = glassnet_model(glassnet.optimizers.Adam(0.01), frozen=True)
    model.export(tmp_path / "model.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        shapes = [h5[f"optimizer/vars/{i}"].shape for i in range(len(h5["optimizer/vars"]))]
    assert shapes == [(), (), (3,), (3,), (3,), (3,), (3, 2), (3, 2), (2,), (2,)]


@pytest.mark.parametrize("make", [
    lambda: glassnet.optimizers.Adafactor(0.05),
    lambda: glassnet.optimizers.LossScaleOptimizer(glassnet.optimizers.MultiOptimizer(
        glassnet.optimizers.OptimizerMap(glassnet.optimizers.Adam(0.01), {".*dense_1/.*": glassnet.optimizers.Adafactor()}))),
    lambda: glassnet.optimizers.MultiOptimizer(glassnet.optimizers.OptimizerMap(glassnet.optimizers.Adafactor(0.05)))])
def test_an_optimizer_without_a_keras_state_is_written_without_it_and_said(make, tmp_path):
    model = glassnet_model(make())
    with pytest.warns(OptimizerStateWarning, match="written without the optimizer's state"):
        model.export(tmp_path / "model.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        assert "optimizer" not in h5
    assert glassnet.models.load_model(tmp_path / "model.keras").optimizer.iterations == 0


def test_a_loss_scale_optimizers_scale_and_step_counter_go_both_ways_as_keras_writes_them(keras64, tmp_path):
    # Keras 3.15's file: the wrapper's iterations and rate (0: it never steps itself), its step counter and
    # scale, then the inner optimizer's variables, which it writes again under optimizer/inner_optimizer/vars;
    # glassnet wrote none of it (an OptimizerStateWarning) and read none (a fresh scale of 2^15 and Adam)
    keras = keras64
    model = trained_keras_model(keras, keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.01),
                                                                           dynamic_growth_steps=4))
    model.save(tmp_path / "k.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        mine = glassnet.models.load_model(tmp_path / "k.keras")
    # 10 steps, doubling after every 4th: 2^15 · 2², 2 steps since
    assert (mine.optimizer.dynamic_scale, mine.optimizer.step_counter) == (2.0**17, 2) == \
        (float(model.optimizer.dynamic_scale), int(model.optimizer.step_counter))
    mine.export(tmp_path / "g.keras", format="keras")

    def layout(path):
        with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
            return {name: [(h5[f"optimizer/{name}/{i}"].shape, h5[f"optimizer/{name}/{i}"].dtype.kind,
                            h5[f"optimizer/{name}/{i}"][()].tolist() if i < 4 else None)
                           for i in range(len(h5[f"optimizer/{name}"]))] for name in ("vars", "inner_optimizer/vars")}

    ours, theirs = layout(tmp_path / "g.keras"), layout(tmp_path / "k.keras")
    assert ours == theirs and len(ours["vars"]) == 4 + 2 + 2 * 6
    assert ours["vars"][:4] == [((), "i", 0), ((), "f", 0.0), ((), "i", 2), ((), "f", 2.0**17)]
    again = keras.saving.load_model(tmp_path / "g.keras")
    assert (float(again.optimizer.dynamic_scale), int(again.optimizer.step_counter)) == (2.0**17, 2)


def test_a_loss_scale_nadam_file_has_no_product_as_keras_s_and_resumes_bit_for_bit(tmp_path):
    # Keras's LossScaleOptimizer builds its inner Nadam untracked: no Π_t among its variables (4 + 2 + 2·6)
    model = glassnet_model(glassnet.optimizers.LossScaleOptimizer(glassnet.optimizers.Nadam(0.01),
                                                                  dynamic_growth_steps=3))
    model.export(tmp_path / "model.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        assert len(h5["optimizer/vars"]) == 18
    loaded = glassnet.models.load_model(tmp_path / "model.keras")
    assert (loaded.optimizer.dynamic_scale, loaded.optimizer.step_counter) == (2.0**18, 1)
    for a, b in zip(epoch(model), epoch(loaded), strict=True):
        np.testing.assert_array_equal(a, b)


def rewrite_member(path, name, change):
    """The .keras file ``path`` with its member ``name``'s bytes replaced by ``change(bytes)``."""
    with zipfile.ZipFile(path) as zf:
        members = {member: zf.read(member) for member in zf.namelist()}
    members[name] = change(members[name])
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)


def rewrite_optimizer_vars(path, change):
    """The .keras file ``path`` with ``change(group)`` applied to its weights file's optimizer/vars."""
    def rewrite(data):
        buffer = io.BytesIO(data)
        with h5py.File(buffer, "r+") as h5:
            change(h5["optimizer/vars"])
        return buffer.getvalue()

    rewrite_member(path, "model.weights.h5", rewrite)


def test_damaged_optimizer_vars_are_refused_naming_the_entry(tmp_path):
    model = glassnet_model(glassnet.optimizers.Adam(0.01))
    path = tmp_path / "model.keras"
    model.export(path, format="keras")

    def reshape(group):
        del group["3"]
        group.create_dataset("3", data=np.zeros((3, 4)))

    rewrite_optimizer_vars(path, reshape)
    with pytest.raises(ValueError, match=r"optimizer/vars/3 \(the optimizer's v\) has shape \(3, 4\); the model's "
                                         r"weight needs \(4, 3\)"):
        glassnet.models.load_model(path)
    assert glassnet.models.load_model(path, compile=False).get_weights()[0].shape == (4, 3)

    def negative_steps(group):
        del group["0"]
        group.create_dataset("0", data=np.int32(-4))

    model.export(path, format="keras")
    rewrite_optimizer_vars(path, negative_steps)
    with pytest.raises(ValueError, match=r"optimizer/vars/0 \(the optimizer's iterations\) is -4"):
        glassnet.models.load_model(path)


def test_another_count_of_optimizer_vars_is_keras_warning_and_a_fresh_optimizer(tmp_path):
    model = glassnet_model(glassnet.optimizers.Adam(0.01))
    path = tmp_path / "model.keras"
    model.export(path, format="keras")
    rewrite_optimizer_vars(path, lambda group: group.__delitem__("13"))
    with pytest.warns(OptimizerStateWarning, match="optimizer/vars holds 13 arrays, but Adam keeps 14"):
        loaded = glassnet.models.load_model(path)
    assert loaded.optimizer.iterations == 0


#: optimizers whose state on a Dense(2) (two trainable variables) is a fresh LossScaleOptimizer's count of arrays,
#: four (iterations, rate, a slot for each), or a fresh optimizer's, one (a schedule's iterations alone)
FRESH_COUNT = {
    "sgd_scheduled": lambda: glassnet.optimizers.SGD(glassnet.schedules.ExponentialDecay(0.1, 4, 0.5)),
    "sgd_momentum": lambda: glassnet.optimizers.SGD(0.1, momentum=0.9),
    "adagrad": lambda: glassnet.optimizers.Adagrad(0.1),
    "rmsprop": lambda: glassnet.optimizers.RMSprop(0.01),
}


@pytest.mark.parametrize("name", sorted(FRESH_COUNT))
def test_a_trained_state_with_a_fresh_optimizer_s_count_of_arrays_is_read(name, tmp_path):
    # the file was taken for a compiled model's that never trained by its count alone: loaded with iterations 0,
    # fresh slots (a schedule's rate at step 0) and no warning, where Keras 3.15 resumes at step 10
    model = Sequential([glassnet.Input((4,)), layers.Dense(2)], dtype="float64")
    model.compile(FRESH_COUNT[name](), "mse")
    epoch(model), epoch(model)
    model.export(tmp_path / "model.keras", format="keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        loaded = glassnet.models.load_model(tmp_path / "model.keras")
    assert loaded.optimizer.iterations == model.optimizer.iterations == 10
    assert float(loaded.optimizer.learning_rate) == float(model.optimizer.learning_rate)
    for slot, value in model.optimizer.get_state()[1].items():
        np.testing.assert_array_equal(loaded.optimizer.get_state()[1][slot], value)
    for a, b in zip(epoch(model), epoch(loaded), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_keras_file_is_taken_for_a_fresh_optimizer_s_by_its_values_not_its_count(keras64, tmp_path):
    # Keras's SGD(momentum) on a Dense(2) writes iterations, rate and two slots: the count of a compiled, never
    # trained LossScaleOptimizer's file, for which it was taken (iterations 0, no warning); such files, scalars
    # only and every count 0, are still a fresh optimizer without a word (Keras's load_model starts afresh too)
    keras = keras64
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.05, momentum=0.9), "mse")
    epoch(model), epoch(model)
    model.save(tmp_path / "trained.keras")
    theirs = keras.saving.load_model(tmp_path / "trained.keras")
    iterations = int(theirs.optimizer.iterations)
    assert resumes_as(tmp_path / "trained.keras", theirs).optimizer.iterations == iterations == 10
    for make in (lambda: keras.optimizers.Adam(0.01),
                 lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()),
                 lambda: keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 4, 0.5))):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile(make(), "mse")
        model.save(tmp_path / "fresh.keras")
        with warnings.catch_warnings():
            warnings.simplefilter("error", OptimizerStateWarning)
            assert glassnet.models.load_model(tmp_path / "fresh.keras").optimizer.iterations == 0


def test_optimizer_state_beyond_the_model_s_dtype_is_refused_naming_the_entry(tmp_path):
    # a float64 file's 1e300 in a float32 model's Adam became inf, with NumPy's RuntimeWarning only
    model = Sequential([glassnet.Input((4,)), layers.Dense(2)])
    model.compile(glassnet.optimizers.Adam(0.01), "mse")
    epoch(model)
    path = tmp_path / "model.keras"
    model.export(path, format="keras")

    def huge(group):
        del group["2"]
        group.create_dataset("2", data=np.full((4, 2), 1e300))

    rewrite_optimizer_vars(path, huge)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"model.weights.h5: optimizer/vars/2 \(the optimizer's m\) holds values "
                                             r"up to 1e\+300, beyond the range of float32 .*load_model\(path, "
                                             r"compile=False\) loads the model without its optimizer"):
            glassnet.models.load_model(path)
    assert glassnet.models.load_model(path, compile=False).get_weights()[0].shape == (4, 2)


@pytest.mark.parametrize("wrapped", [False, True], ids=["adam", "loss_scaled"])
def test_a_float16_model_s_learning_rate_is_written_as_keras_s_float32(tmp_path, wrapped):
    # Keras's learning rate is a floatx variable: glassnet wrote a float16 model's as float16, and Keras's
    # load_model resumed with 0.0100021 for Adam(0.01); the slots stay float32 (Keras casts them to float16)
    adam = glassnet.optimizers.Adam(0.01)
    model = Sequential([glassnet.Input((4,)), layers.Dense(3, activation="tanh"), layers.Dense(2)], dtype="float16")
    model.compile(glassnet.optimizers.LossScaleOptimizer(adam) if wrapped else adam, "mse")
    epoch(model)
    model.export(tmp_path / "m.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        rates = [h5["optimizer/vars/1"][()]] + ([h5["optimizer/vars/5"][()]] if wrapped else [])
    assert [rate.dtype for rate in rates] == [np.float32] * len(rates)
    assert rates[-1] == np.float32(0.01) and rates[0] == (0.0 if wrapped else np.float32(0.01))
    loaded = glassnet.models.load_model(tmp_path / "m.keras")
    assert loaded.optimizer.learning_rate == 0.01
    for resumed, kept in zip(epoch(loaded), epoch(model), strict=True):
        np.testing.assert_array_equal(resumed, kept)


def test_a_mixed_float16_files_inner_optimizer_state_is_read():
    # Keras's compile wraps a mixed_float16 model's Adam in a LossScaleOptimizer: its four variables come first
    path = Path(__file__).parent / "data" / "keras" / "mixed_float16.keras"
    model = glassnet.models.load_model(path)
    with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        steps, first_m = int(h5["optimizer/vars/4"][()]), h5["optimizer/vars/6"][()]
    assert model.optimizer.iterations == steps == 8
    np.testing.assert_array_equal(model.optimizer.state["m"][:first_m.size], first_m.ravel())


@pytest.mark.parametrize("nested", [False, True], ids=["alone", "nested"])
def test_a_subclass_s_state_follows_keras_s_attribute_order_both_ways(keras64, clean_registry, tmp_path, nested):
    # Keras orders a subclass's trainable variables (and so its optimizer/vars) by the attributes the
    # layers were given to, self.out before self.hidden, whatever order call applies them in; the
    # chain's order refused Keras's file ("optimizer/vars/2 has shape (3, 2); ... needs (4, 3)"). Nested
    # in a Sequential, the subclass is written as its class too: glassnet's file of it, in the chain's
    # order, was refused by Keras's load_model ("The shape of the target variable ...")
    keras = keras64

    def wrap(lib, net, **kwargs):
        return lib.models.Sequential([lib.layers.Input((4,)), net], **kwargs) if nested else net

    def define(lib, registry):
        @registry.register_keras_serializable(package="order")
        class Net(lib.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.out = lib.layers.Dense(2)
                self.hidden = lib.layers.Dense(3, activation="tanh")

            def call(self, x):
                return self.out(self.hidden(x))
        return Net

    X, y = data()
    Mine = define(glassnet, glassnet.saving)
    theirs = wrap(keras, define(keras, keras.saving)())
    theirs.compile(keras.optimizers.Adam(0.01), "mse")
    theirs.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    theirs.save(tmp_path / "k.keras")
    ours = glassnet.models.load_model(tmp_path / "k.keras")
    assert int(ours.optimizer.iterations) == 10
    expected = keras.models.load_model(tmp_path / "k.keras")
    expected.fit(X, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    keras_weights = {np.shape(v): np.asarray(v) for v in expected.weights}
    epoch(ours)
    after = {w.shape: w for w in map(np.asarray, ours.get_weights())}  # (the four shapes differ)
    assert sorted(after) == sorted(keras_weights)
    for path, value in after.items():
        np.testing.assert_allclose(value, keras_weights[path], rtol=1e-10, atol=1e-12)

    mine = wrap(glassnet, Mine(dtype="float64"), dtype="float64")
    mine.compile(glassnet.optimizers.Adam(0.01), "mse")
    mine.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    mine.export(tmp_path / "g.keras", format="keras")
    loaded = keras.models.load_model(tmp_path / "g.keras")
    loaded.fit(X, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    keras_weights = {np.shape(v): np.asarray(v) for v in loaded.weights}
    epoch(mine)
    after = {w.shape: w for w in map(np.asarray, mine.get_weights())}
    assert sorted(after) == sorted(keras_weights)
    for path, value in after.items():
        np.testing.assert_allclose(value, keras_weights[path], rtol=1e-10, atol=1e-12)


def multi_model(lib, make_optimizer, wrap=False):
    """A model of ``lib`` (keras or glassnet) with a frozen layer, compiled with a MultiOptimizer: Nadam
    for the layer named "head", RMSprop for a key that matches no variable, Adam for the rest."""
    dense = lib.layers.Dense
    model = lib.Sequential([lib.Input((4,)), dense(3, activation="tanh"), lib.layers.BatchNormalization(),
                            dense(5, activation="tanh", name="frozen"), dense(2, name="head")],
                           **({} if lib.__name__ == "keras" else {"dtype": "float64"}))
    model.layers[2].trainable = False
    opt = make_optimizer(lib.optimizers)
    model.compile(lib.optimizers.LossScaleOptimizer(opt, dynamic_growth_steps=3) if wrap else opt, "mse")
    X, y = data()
    model.fit(X, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    return model


def three(optimizers, head="Nadam"):
    return optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.Adam(0.01), {
        ".*head/.*": getattr(optimizers, head)(0.05), ".*nothing": optimizers.RMSprop(0.01)}))


def sub_layout(path):
    """Each optimizer group of a .keras file: its entries' shapes and dtype kinds, and the scalars' values."""
    found = {}

    def add(name, item):
        if name.endswith("vars"):
            found[name] = [(d.shape, d.dtype.kind, d[()].item() if d.shape == () else None)
                           for d in (item[str(i)] for i in range(len(item)))]

    with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        h5["optimizer"].visititems(add)
    return found


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")  # (".*nothing" matches no variable, on purpose)
@pytest.mark.parametrize("wrap", [False, True])
def test_a_multi_optimizers_state_goes_both_ways_as_keras_writes_it(wrap, keras64, tmp_path):
    # Keras 3.15: the MultiOptimizer's iterations and rate (0), then each sub-optimizer's in .optimizers' order
    # (the map's, then the default) over the trainable variables it owns; an unused one (RMSprop here) has its
    # iterations and rate only; each again under optimizer/optimizers/<its class in snake case>/vars. glassnet
    # wrote none of it and read none (an OptimizerStateWarning): a resumed run started with fresh moments
    # (Keras's LossScaleOptimizer leaves a Nadam's Π_t untracked, so that on JAX it stays 1.0: Adamax there)
    keras, head = keras64, "Adamax" if wrap else "Nadam"
    theirs = multi_model(keras, lambda optimizers: three(optimizers, head), wrap)
    theirs.save(tmp_path / "k.keras")
    mine = resumes_as(tmp_path / "k.keras", keras.saving.load_model(tmp_path / "k.keras"))
    multi = mine.optimizer.inner_optimizer if wrap else mine.optimizer
    assert [(type(o).__name__, o.iterations) for o in multi.optimizers] == [(head, 10), ("RMSprop", 0), ("Adam", 10)]
    assert multi.iterations == 10

    ours = multi_model(glassnet, lambda optimizers: three(optimizers, head), wrap)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizerStateWarning)
        ours.export(tmp_path / "g.keras", format="keras")
    layout, keras_layout = sub_layout(tmp_path / "g.keras"), sub_layout(tmp_path / "k.keras")
    assert layout.keys() == keras_layout.keys()
    for group, entries in layout.items():  # (the same shapes and kinds; the same scalars but Nadam's Π_t)
        assert [e[:2] for e in entries] == [e[:2] for e in keras_layout[group]], group
    inner = "inner_optimizer/" if wrap else ""
    assert layout[f"{inner}optimizers/rm_sprop/vars"] == [((), "i", 0), ((), "f", 0.01)]
    assert len(layout[f"{inner}optimizers/adam/vars"]) == 2 + 2 * 4  # (m, v of dense and batch_normalization)
    loaded = keras.saving.load_model(tmp_path / "g.keras")
    assert int(loaded.optimizer.iterations) == 10  # (a LossScaleOptimizer's is its inner one's)
    for got, keras_value in zip(epoch(ours), epoch(loaded), strict=True):
        np.testing.assert_allclose(got, keras_value, rtol=0, atol=1e-10)


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")
def test_a_multi_optimizers_keras_file_resumes_in_glassnet_bit_for_bit(tmp_path):
    model = multi_model(glassnet, three, wrap=True)
    model.export(tmp_path / "model.keras", format="keras")
    loaded = glassnet.models.load_model(tmp_path / "model.keras")
    assert [o.iterations for o in loaded.optimizer.inner_optimizer.optimizers] == [10, 0, 10]
    assert loaded.optimizer.get_scalars() == model.optimizer.get_scalars()
    for a, b in zip(epoch(model), epoch(loaded), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")
def test_a_multi_optimizer_whose_sub_optimizers_own_other_variables_starts_afresh_and_says_so(tmp_path):
    # the same counts of variables, but the Nadam of the file's config now steps batch_normalization, not head
    # (its two variables too): the file's moments would have gone to variables of other shapes, or worse the same
    path = tmp_path / "model.keras"
    multi_model(glassnet, three).export(path, format="keras")
    rewrite_member(path, "config.json", lambda text: text.replace(b".*head/.*", b".*batch_normalization/.*"))
    with pytest.warns(OptimizerStateWarning, match=r"optimizer/vars/4 \(the optimizer's momentum\) has shape "
                                                   r"\(5, 2\) where this model's sub-optimizers, by its OptimizerMap, "
                                                   r"need \(3,\)"):
        loaded = glassnet.models.load_model(path)
    assert [o.iterations for o in loaded.optimizer.optimizers] == [0, 0, 0]

    def rename(data):  # the file's Nadam's group under another class's name
        buffer = io.BytesIO(data)
        with h5py.File(buffer, "r+") as h5:
            h5.move("optimizer/optimizers/nadam", "optimizer/optimizers/adamax")
        return buffer.getvalue()

    multi_model(glassnet, three).export(path, format="keras")
    rewrite_member(path, "model.weights.h5", rename)
    with pytest.warns(OptimizerStateWarning, match=r"its MultiOptimizer's sub-optimizers are \{'adam': 10, 'adamax': 7, "
                                                   r"'rm_sprop': 2\} .* this model's \{'nadam': 7, 'rm_sprop': 2, "
                                                   r"'adam': 10\}"):
        glassnet.models.load_model(path)


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")
def test_a_sub_optimizer_serving_two_keys_is_one_in_keras_file_and_two_once_loaded(keras64, tmp_path):
    # Keras writes the state of its one SGD, but its file's config makes one SGD per key: Keras's own load_model
    # fails on it ("could not be loaded"); glassnet says so and starts afresh, and writes no state for such a model
    keras = keras64
    sgd = keras.optimizers.SGD(0.05, momentum=0.9)
    theirs = multi_model(keras, lambda o: o.MultiOptimizer(o.OptimizerMap(o.Adam(0.01), {".*head/.*": sgd,
                                                                                         ".*dense.*": sgd})))
    theirs.save(tmp_path / "k.keras")
    with pytest.warns(OptimizerStateWarning, match=r"holds 14 arrays, but MultiOptimizer \(SGD, SGD, Adam\) keeps 16"):
        loaded = glassnet.models.load_model(tmp_path / "k.keras")
    assert [o.iterations for o in loaded.optimizer.optimizers] == [0, 0, 0]

    sgd = glassnet.optimizers.SGD(0.05, momentum=0.9)
    ours = multi_model(glassnet, lambda o: o.MultiOptimizer(o.OptimizerMap(o.Adam(0.01), {".*head/.*": sgd,
                                                                                          ".*dense.*": sgd})))
    with pytest.warns(OptimizerStateWarning, match="the sub-optimizer 'sgd' serves several keys of the OptimizerMap"):
        ours.export(tmp_path / "g.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "g.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as h5:
        assert "optimizer" not in h5
