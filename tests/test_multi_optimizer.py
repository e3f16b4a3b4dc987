"""optimizers.OptimizerMap and MultiOptimizer (Keras 3.15's): each parameter array is stepped by the
optimizer its Keras path selects; equal to Keras's MultiOptimizer in float64."""

import re
import subprocess
import sys

import numpy as np
import pytest

import glassnet
from glassnet import optimizers
from glassnet.layers import Dense, Input
from glassnet._patterns import _path_pattern


def _model(trainable_middle=True, dtype="float64"):
    model = glassnet.models.Sequential([Input((3,)), Dense(5, activation="tanh", name="dense"),
                                        Dense(4, activation="tanh", name="dense_1", trainable=trainable_middle),
                                        Dense(2, name="out")], dtype=dtype)
    return model


def _data(n=32):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 3)), rng.standard_normal((n, 2))


# -- OptimizerMap -------------------------------------------------------------------------------

def test_optimizer_map_matches_an_exact_key_then_one_pattern_then_the_default():
    adam, sgd, rms, default = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop(), optimizers.Lion()
    opt_map = optimizers.OptimizerMap(default)
    opt_map["encoder/layer_0/dense"] = adam
    opt_map["encoder/.*"] = sgd
    opt_map["decoder"] = rms
    assert opt_map["encoder/layer_0/dense"] is adam  # exact first (the pattern matches it too)
    assert opt_map["encoder/layer_0/attention/query"] is sgd
    assert opt_map["decoder"] is rms and opt_map["decoder/layer_0/dense"] is default  # fullmatch, not search
    assert opt_map["xencoder/a"] is default
    assert len(opt_map) == 3 and list(opt_map) == ["encoder/layer_0/dense", "encoder/.*", "decoder"]
    del opt_map["decoder"]
    assert opt_map["decoder"] is default and opt_map.default_optimizer is default
    conflict = optimizers.OptimizerMap(default, {".*kernel.*": adam, ".*dense.*": sgd})
    with pytest.raises(ValueError, match="Multiple optimizers assigned to variable dense/kernel"):
        conflict["dense/kernel"]
    assert conflict["dense/bias"] is sgd


def test_optimizer_map_refuses_what_keras_refuses():
    opt_map = optimizers.OptimizerMap(optimizers.SGD(), {"a": optimizers.Adam()})
    with pytest.raises(ValueError, match="'a' already exists in the OptimizerMap"):
        opt_map["a"] = optimizers.SGD()
    with pytest.raises(ValueError, match="optimizer cannot be LossScaleOptimizer"):
        opt_map["b"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(ValueError, match="optimizer cannot be MultiOptimizer"):
        opt_map["b"] = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()))
    with pytest.raises(TypeError, match="key must be a string"):
        opt_map[3] = optimizers.SGD()
    with pytest.raises(ValueError, match="key must be a regular expression"):
        opt_map["("] = optimizers.SGD()
    with pytest.raises(TypeError, match="optimizer must be a glassnet.optimizers.Optimizer"):
        opt_map["b"] = "adam"
    with pytest.raises(TypeError, match="default_optimizer must be"):
        optimizers.OptimizerMap("sgd")
    with pytest.raises(ValueError, match="optimizer cannot be LossScaleOptimizer"):
        optimizers.OptimizerMap(optimizers.LossScaleOptimizer(optimizers.SGD()))
    with pytest.raises(TypeError, match="optimizer_map must be a dict"):
        optimizers.OptimizerMap(optimizers.SGD(), [("a", optimizers.Adam())])
    assert list(opt_map) == ["a"]  # nothing refused was set


_PATHS = ["sequential/dense/kernel", "sequential/dense_1/bias", "encoder/layer_0/kernel", "encoder/layer_12/bias",
          "decoder/Dense/kernel"]


@pytest.mark.parametrize(("pattern", "chosen"), [
    ("sequential/dense.*", [True, True, False, False, False]),
    ("^encoder/.*", [False, False, True, True, False]),
    (".*(kernel|bias)$", [True, True, True, True, True]),
    (".*layer_[0-9]+/kernel", [False, False, True, False, False]),
    (r".*\bdense\b.*", [True, False, False, False, False]),  # not dense_1: "_" is a word character
    ("(?i).*/DENSE/.*", [True, False, False, False, True]),
    ("[a-z]+/(?:layer_\\d{1,2}|dense_?\\d?)/bias", [False, True, False, True, False]),
])
def test_optimizer_map_keys_choose_the_paths_that_keras_s_re_fullmatch_chooses(pattern, chosen):
    # Keras's OptimizerMap asks re.fullmatch; glassnet's own matcher must give its answers
    adam = optimizers.Adam()
    opt_map = optimizers.OptimizerMap(optimizers.SGD(), {pattern: adam})
    assert [opt_map[path] is adam for path in _PATHS] == chosen
    assert chosen == [re.fullmatch(pattern, path) is not None for path in _PATHS]


def test_path_patterns_give_re_s_answers_on_random_patterns():
    # re (which Keras calls) is the reference: fullmatch and search, groups, repeats, anchors, flags
    rng = np.random.default_rng(0)
    atoms = ["a", "b", ".", "[ab]", "[^a]", r"\w", r"\W", r"\d", "/", "(?:a|b)", "(a|)", "^", "$", r"\b", r"\B",
             r"\A", r"\Z", "(?i:A)", "(?s:.)", "(?m:^)", "(?a:\\w)", "é", "\n"]
    quantifiers = ["*", "+", "?", "{2}", "{1,3}", "{2,}", "*?", "+?", "??"]
    anchors = ["^", "$", r"\b", r"\B", r"\A", r"\Z", "(?m:^)"]

    def pattern(depth=0):
        parts = []
        for _ in range(rng.integers(0, 4)):
            if depth < 2 and rng.random() < 0.3:
                part = f"({pattern(depth + 1)}|{pattern(depth + 1)})"
            else:
                part = str(rng.choice(atoms))
            if rng.random() < 0.4 and part not in anchors:  # nested repeats too: ((a|)*|b)+
                part += str(rng.choice(quantifiers))
            parts.append(part)
        return "".join(parts)

    for _ in range(300):
        key = pattern()
        compiled = _path_pattern(key)
        for _ in range(8):
            path = "".join(rng.choice(list("ab/Aé1\n_"), size=rng.integers(0, 7)))
            assert compiled.matches(path, whole=True) == (re.fullmatch(key, path) is not None), (key, path)
            assert compiled.matches(path, whole=False) == (re.search(key, path) is not None), (key, path)


def test_a_crafted_key_does_not_hang_fit_save_or_load(tmp_path):
    # re.fullmatch(".*/(d|d)*!", path) tries each way of spelling the d's: 2**40 on a layer "d" * 40 (4.5 s for 22
    # letters in load_model, four times as long for two more); glassnet's matcher takes a step per letter and state,
    # and refuses a match of more than MAX_MATCH_STEPS steps (in a subprocess: before, this test hung)
    script = f"""
import warnings
import numpy as np
import glassnet
from glassnet import optimizers
from glassnet.layers import Dense, Input
warnings.simplefilter("ignore")
model = glassnet.models.Sequential([Input((3,)), Dense(2, name="d" * 40), Dense(1, name="out")])
adam = optimizers.Adam()
model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
    optimizers.SGD(), {{".*/(d|d)*!": adam, ".*/(d|d)*/kernel": optimizers.Lion()}})), loss="mse")
model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
model.save({str(tmp_path / "crafted.gn")!r})
loaded = glassnet.models.load_model({str(tmp_path / "crafted.gn")!r})
opt_map = loaded.optimizer.optimizer_map
path = "sequential/" + "d" * 40
print(type(opt_map[path + "/kernel"]).__name__, type(opt_map[path + "/bias"]).__name__)
muon = optimizers.Muon(exclude_layers=["(d|d)*!", "/(d|d)*/bias"])
print(muon._uses_adam((3, 2), path + "/kernel"), muon._uses_adam((3, 2), path + "/bias"))
try:  # linear is not enough for a million letters: refused after a second or so
    opt_map["sequential/" + "d" * 10**6 + "/kernel"]
except ValueError as exc:
    print("refused:", str(exc).split("...) ")[1])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["Lion SGD", "False True", "refused: takes more than 1000000 steps: no "
                                        "model's variable path is this long."]


@pytest.mark.parametrize(("key", "why"), [
    (r"(dense)/\1", "uses a backreference"),
    (r"(?!.*bias).*", r"uses a lookaround \(\?!\.\.\.\)"),
    (r".*(?<=dense)/kernel", r"uses a lookaround \(\?=\.\.\.\) or \(\?<=\.\.\.\)"),
    (r"(dense)?(?(1)/kernel|/bias)", r"uses a conditional group"),
    ("a{20000}", "is too long: a repeat count above 10000"),
])
def test_a_key_that_needs_backtracking_is_refused_when_it_is_set_or_loaded(key, why):
    # what re matches only by backtracking has no linear-time match: refused before any path is matched
    # (Keras accepts these keys; glassnet says so rather than risk a key that hangs)
    message = f"key must be a regular expression that glassnet can match without backtracking: {re.escape(repr(key))} "
    message += why
    with pytest.raises(ValueError, match=message):
        optimizers.OptimizerMap(optimizers.SGD(), {key: optimizers.Adam()})
    config = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(), {"x": optimizers.Adam()})).get_config()
    config["optimizer_map"]["config"]["optimizer_map"] = {key: optimizers.serialize(optimizers.Adam())}
    with pytest.raises(ValueError, match=message):
        optimizers.deserialize({"class_name": "MultiOptimizer", "config": config})


def test_multi_optimizer_refuses_bad_arguments():
    with pytest.raises(TypeError, match="optimizer_map must be an OptimizerMap or a callable"):
        optimizers.MultiOptimizer(optimizers.Adam())
    with pytest.raises(TypeError, match="optimizer_map must be an OptimizerMap or a callable"):
        optimizers.MultiOptimizer(3)
    with pytest.raises(ValueError, match="loss_scale_factor must be None"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()), loss_scale_factor=2.0)
    with pytest.raises(TypeError, match="unexpected argument"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()), learning_rate=0.1)
    with pytest.raises(TypeError, match="name must be a str"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()), name=3)
    X, Y = _data(8)
    for selector, error, match in [
        (lambda v: "adam", ValueError, "is not an Optimizer instance"),
        (lambda v: optimizers.LossScaleOptimizer(optimizers.SGD()), ValueError, "LossScaleOptimizer cannot be used"),
        (lambda v: optimizers.SGD(use_ema=True), ValueError, "use_ema"),
    ]:
        model = _model()
        model.compile(optimizer=optimizers.MultiOptimizer(selector), loss="mse")
        with pytest.raises(error, match=match):
            model.fit(X, Y, epochs=1, verbose=0)


def test_learning_rate_is_the_sub_optimizers():
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.1), {"x": optimizers.Adam(0.2)}))
    assert [type(o).__name__ for o in multi.optimizers] == ["Adam", "SGD"]  # the map's, then the default (Keras)
    with pytest.raises(AttributeError, match="Learning rate cannot be accessed on a MultiOptimizer"):
        multi.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="Learning rate cannot be set on a MultiOptimizer"):
        multi.learning_rate = 0.1


# -- against Keras ----------------------------------------------------------------------------

def _keras_multi(keras, pattern):
    K = keras.optimizers
    return K.MultiOptimizer(K.OptimizerMap(K.SGD(0.05, momentum=0.9),
                                           {pattern: K.Adam(schedule(keras), global_clipnorm=0.5)}))


def schedule(lib):
    return lib.optimizers.schedules.ExponentialDecay(0.01, decay_steps=2, decay_rate=0.5)


def _ours(pattern):
    return optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.05, momentum=0.9), {pattern: optimizers.Adam(schedule(glassnet), global_clipnorm=0.5)}))


@pytest.mark.parametrize("pattern", ["sequential/dense/.*", ".*kernel", "nothing"])
@pytest.mark.parametrize("frozen", [False, True])
def test_steps_equal_keras_multi_optimizer_in_float64(pattern, frozen, keras_x64):
    """Our fit's steps and Keras's MultiOptimizer.apply of the same gradients (glassnet's, taken from a
    twin model at the same weights): a run of the flat vector (dense), gathered arrays (kernels), an
    unused sub-optimizer, and a frozen layer, whose variables Keras's does not get."""
    keras, _ = keras_x64
    keras.config.set_floatx("float64")
    try:
        L = keras.layers
        # (dtype given: Keras keeps the global dtype policy of the first layer made, float32 in an earlier test)
        theirs = keras.Sequential([keras.Input((3,), dtype="float64"),
                                   L.Dense(5, activation="tanh", name="dense", dtype="float64"),
                                   L.Dense(4, activation="tanh", name="dense_1", dtype="float64"),
                                   L.Dense(2, name="out", dtype="float64")],
                                  name="sequential")  # (Keras numbers a second model sequential_1)
        theirs.layers[1].trainable = not frozen
        kopt = _keras_multi(keras, pattern)
        ours, twin = _model(not frozen), _model(not frozen)
        ours.set_weights(theirs.get_weights())
        ours.compile(optimizer=_ours(pattern), loss="mse")
        twin.compile(optimizer=optimizers.SGD(0.0), loss="mse")
        X, Y = _data()
        for step in range(4):
            batch = slice(8 * step, 8 * step + 8)
            twin.set_weights(ours.get_weights())
            twin.train_on_batch(X[batch], Y[batch])
            ours.train_on_batch(X[batch], Y[batch])
            grads = [np.array(layer.grads[k]) for layer in twin.layers if layer.trainable for k in layer.params]
            kopt.apply([keras.ops.convert_to_tensor(g) for g in grads], theirs.trainable_variables)
        for a, b in zip(theirs.get_weights(), ours.get_weights(), strict=True):
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
        assert ours.optimizer.iterations == int(kopt.iterations) == 4
        # each sub-optimizer counts its own steps; one without (trained) variables takes none
        k_counts = {type(o).__name__: int(o.iterations) for o in kopt.optimizers}
        assert {type(o).__name__: o.iterations for o in ours.optimizer.optimizers} == k_counts
    finally:
        keras.config.set_floatx("float32")


def test_a_frozen_layer_keeps_its_weights_and_its_sub_optimizer_state():
    X, Y = _data()
    model = _model()
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.05, momentum=0.9),
                                                              {".*kernel": optimizers.Adam(0.01)}))
    model.compile(optimizer=multi, loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    adam = multi.optimizers[0]
    before_w = model.layers[1].get_weights()
    before_m = adam.state["m"].copy()
    model.layers[1].trainable = False
    model.compile(optimizer=multi, loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(before_w, model.layers[1].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    frozen_kernel = adam.slices[1]  # dense_1's kernel, the second of Adam's variables
    np.testing.assert_array_equal(adam.state["m"][frozen_kernel], before_m[frozen_kernel])
    assert not np.array_equal(adam.state["m"][adam.slices[0]], before_m[adam.slices[0]])


# -- glassnet -----------------------------------------------------------------------------------

def test_callable_selector_gets_path_and_shape_and_jit_gives_the_same_steps():
    X, Y = _data()
    seen = []
    adam, sgd = optimizers.Adam(0.01), optimizers.SGD(0.05)

    def select(variable):
        seen.append((variable.path, variable.shape, variable.name))
        return adam if variable.name == "kernel" else sgd

    model = _model()
    model.compile(optimizer=optimizers.MultiOptimizer(select), loss="mse")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert seen[:2] == [("sequential/dense/kernel", (3, 5), "kernel"), ("sequential/dense/bias", (5,), "bias")]
    assert model.optimizer.optimizers == [adam, sgd]
    with pytest.raises(ValueError, match="callable"):
        model.optimizer.get_config()
    pytest.importorskip("numba")
    plain, jit = _model(dtype="float32"), _model(dtype="float32")
    jit.set_weights(plain.get_weights())
    for m, flag in ((plain, False), (jit, True)):
        m.compile(optimizer=_ours(".*kernel"), loss="mse", jit_compile=flag)
        m.fit(X.astype("float32"), Y.astype("float32"), batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(plain.get_weights(), jit.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_config_round_trip_nested():
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.05, momentum=0.9),
                                                              {".*kernel": optimizers.Adam(0.01)}), name="mine")
    config = optimizers.serialize(multi)
    assert config["class_name"] == "MultiOptimizer"
    again = optimizers.deserialize(config)
    assert isinstance(again, optimizers.MultiOptimizer) and again.name == "mine"
    assert again.get_config() == multi.get_config()
    assert type(again.optimizer_map[".*kernel"]) is optimizers.Adam
    assert again.optimizer_map["x"].get_config() == optimizers.SGD(0.05, momentum=0.9).get_config()
    assert optimizers.MultiOptimizer.from_config(multi.get_config()).get_config() == multi.get_config()


# (two unnamed models are sequential and sequential_1, as in Keras: the pattern names both)
@pytest.mark.parametrize("pattern", [r"sequential(_\d+)?/dense/.*", ".*kernel"])
def test_save_and_load_resume_bit_for_bit(tmp_path, pattern):
    X, Y = _data()
    straight, first = _model(), _model()
    first.set_weights(straight.get_weights())
    for m in (straight, first):
        m.compile(optimizer=_ours(pattern), loss="mse")
    straight.fit(X, Y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    first.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "half.gn")
    resumed = glassnet.models.load_model(tmp_path / "half.gn")
    assert isinstance(resumed.optimizer, optimizers.MultiOptimizer)
    assert [o.iterations for o in resumed.optimizer.optimizers] == [o.iterations for o in first.optimizer.optimizers]
    for name, value in first.optimizer.state.items():
        np.testing.assert_array_equal(resumed.optimizer.state[name], value)
    resumed.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_callable_selector_is_not_saved_in_a_file(tmp_path):
    model = _model()
    model.compile(optimizer=optimizers.MultiOptimizer(lambda v: optimizers.SGD()), loss="mse")
    model.fit(*_data(8), verbose=0)
    with pytest.warns(UserWarning, match="MultiOptimizer whose optimizer_map is a callable"):
        model.save(tmp_path / "m.gn")
    assert not glassnet.models.load_model(tmp_path / "m.gn").compiled


def test_callbacks_set_and_log_each_sub_optimizer_s_rate():
    # Keras's LearningRateScheduler and ReduceLROnPlateau act on each sub-optimizer, logged as learning_rate_<name>
    X, Y = _data()
    model = _model()
    sgd, adam = optimizers.SGD(0.1, name="sgd"), optimizers.Adam(0.01, name="adam")
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {".*kernel": adam})), loss="mse")
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[
        glassnet.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
        glassnet.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e9)])
    # halved at each epoch's start; at the second's end (no improvement by 1e9) halved again
    assert history.history["learning_rate_adam"] == pytest.approx([0.005, 0.0025])
    assert history.history["learning_rate_sgd"] == pytest.approx([0.05, 0.025])
    assert sgd.learning_rate == pytest.approx(0.0125) and adam.learning_rate == pytest.approx(0.00125)
    with pytest.raises(ValueError, match="MultiOptimizer has 2 sub-optimizers"):
        glassnet.trace.trace(model, X[:1], Y[:1])
    # inside a LossScaleOptimizer too (its learning_rate is the MultiOptimizer's, which has none: an AttributeError)
    model.compile(optimizer=optimizers.LossScaleOptimizer(optimizers.MultiOptimizer(
        optimizers.OptimizerMap(optimizers.SGD(0.1), {".*kernel": optimizers.Adam(0.01)}))), loss="mse")
    with pytest.raises(ValueError, match="MultiOptimizer has 2 sub-optimizers"):
        glassnet.trace.trace(model, X[:1], Y[:1])
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[
        glassnet.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert history.history["learning_rate_sgd"] == pytest.approx([0.05, 0.025])


def test_backup_and_restore_keeps_each_sub_optimizer_s_rate(tmp_path):
    X, Y = _data()
    model = _model()
    sgd, adam = optimizers.SGD(0.1), optimizers.Adam(0.01)
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd, {".*kernel": adam})), loss="mse")
    backup = glassnet.callbacks.BackupAndRestore(str(tmp_path / "b"), delete_checkpoint=False)
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[backup,
                                                    glassnet.callbacks.LearningRateScheduler(lambda e, lr: lr / 4)])
    other = _model()
    sgd2, adam2 = optimizers.SGD(0.1), optimizers.Adam(0.01)
    other.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(sgd2, {".*kernel": adam2})),
                  loss="mse")
    other.fit(X, Y, epochs=1, verbose=0, callbacks=[glassnet.callbacks.BackupAndRestore(str(tmp_path / "b"))])
    assert sgd2.learning_rate == pytest.approx(0.025) and adam2.learning_rate == pytest.approx(0.0025)


def test_keras_files_both_ways(tmp_path):
    keras = pytest.importorskip("keras")
    X, Y = _data(8)
    model = _model(dtype="float32")
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.05, momentum=0.9), {".*kernel": optimizers.Adam(0.01)})), loss="mse")
    model.fit(X, Y, verbose=0)
    model.export(tmp_path / "m.keras", format="keras")
    theirs = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(theirs.optimizer, keras.optimizers.MultiOptimizer)
    k_map = theirs.optimizer._optimizer_map
    assert type(k_map[".*kernel"]).__name__ == "Adam" and float(k_map.default_optimizer.momentum) == 0.9
    theirs.save(tmp_path / "k.keras")
    back = glassnet.models.load_model(tmp_path / "k.keras")
    assert isinstance(back.optimizer, optimizers.MultiOptimizer)
    assert type(back.optimizer.optimizer_map["sequential/out/kernel"]) is optimizers.Adam
    assert back.optimizer.optimizer_map["x"].momentum == 0.9


def test_a_model_that_grew_gets_a_fresh_multi_optimizer_with_the_same_map():
    X, Y = _data(16)
    model = _model()
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"sequential/dense/.*": optimizers.Adam(0.01, gradient_accumulation_steps=2)}))
    model.compile(optimizer=multi, loss="mse")
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    assert [o.iterations for o in multi.optimizers] == [4, 8] and multi.iterations == 8  # Adam: 8 steps, 4 updates
    model.pop()
    model.add(Dense(2, name="last"))
    fresh = model.optimizer
    assert fresh is not multi and not fresh.built and fresh.iterations == 0
    assert [o.iterations for o in fresh.optimizers] == [0, 0] and fresh.get_config() == multi.get_config()
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    assert fresh.paths[-2:] == ["sequential/last/kernel", "sequential/last/bias"]
    assert [o.iterations for o in multi.optimizers] == [4, 8]  # the old one untouched


def test_a_sub_optimizer_a_callable_chose_is_refused_for_another_model():
    # the callable names its optimizers at build, which came after fit marked them as the model's: a
    # second model compiled with the Adam it chose trained on from the first's moments, silently
    X, Y = _data(16)
    adam = optimizers.Adam(0.01)
    first = _model()
    first.compile(optimizer=optimizers.MultiOptimizer(lambda variable: adam), loss="mse")
    first.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    second = _model()
    second.compile(optimizer=adam, loss="mse")
    with pytest.raises(ValueError, match="This Adam object already trains another model"):
        second.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    third = _model()
    third.compile(optimizer=optimizers.MultiOptimizer(lambda variable: adam), loss="mse")
    with pytest.raises(ValueError, match="Adam object inside the MultiOptimizer already trains another model"):
        third.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    assert adam.iterations == 1
    first.fit(X, Y, epochs=1, batch_size=16, verbose=0)  # its own optimizer still trains it
    assert adam.iterations == 2


def test_inside_a_loss_scale_optimizer_its_state_and_steps_are_saved(tmp_path):
    # Keras's LossScaleOptimizer may wrap a MultiOptimizer: the file keeps the scale and each sub-optimizer's steps
    X, Y = _data(16)
    model = _model(trainable_middle=False)
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.1),
                                                              {"sequential/dense/.*": optimizers.Adam(0.01)}))
    model.compile(optimizer=optimizers.LossScaleOptimizer(multi, initial_scale=8.0, dynamic_growth_steps=3),
                  loss="mse")
    frozen = model.layers[1].get_weights()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(frozen, model.layers[1].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    model.save(tmp_path / "m.gn")
    back = glassnet.models.load_model(tmp_path / "m.gn")
    inner = back.optimizer.inner_optimizer
    assert [o.iterations for o in inner.optimizers] == [8, 8] and back.optimizer.dynamic_scale == 8.0 * 2 ** 2
    for name, value in multi.state.items():
        np.testing.assert_array_equal(inner.state[name], value)


def test_a_diverged_run_names_each_sub_optimizer_s_rate():
    # the advice read optimizer.learning_rate, which a MultiOptimizer refuses (an AttributeError instead)
    X, Y = _data()
    model = _model()
    model.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(1e300, name="sgd"), {".*kernel": optimizers.SGD(1e200, name="big")})), loss="mse")
    with pytest.warns(glassnet.models.DivergenceWarning,
                      match=r"Try lower learning rates \(currently big: 1e\+200, sgd: 1e\+300\)"):
        model.fit(X * 1e3, Y, epochs=3, verbose=0)


def test_a_key_that_matches_no_variable_is_said_as_muon_says_it():
    # nesting renames a nested model's default-named layers (the decoder's dense is dense_1 in the autoencoder),
    # and the second unnamed model is sequential_1: a key written with the old name silently trained nothing
    encoder = glassnet.models.Sequential([Input((3,)), Dense(2)], name="encoder")
    decoder = glassnet.models.Sequential([Dense(3)], name="decoder")
    autoencoder = glassnet.models.Sequential([encoder, decoder], name="autoencoder")
    assert [layer.name for layer in decoder.layers] == ["dense_1"]
    autoencoder.compile(optimizer=optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1), {"encoder/dense/.*": optimizers.Adam(), "decoder/dense/.*": optimizers.Adam()})),
        loss="mse")
    with pytest.warns(UserWarning, match=r"OptimizerMap key\(s\) \['decoder/dense/\.\*'\] match no variable.*"
                                         "'encoder/dense/kernel'"):
        autoencoder.fit(_data(8)[0], _data(8)[0], verbose=0)

