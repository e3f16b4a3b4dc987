"""Keras 2 leftovers that gave a bare error: the lowercase optimizer aliases, ``K.*`` functions and Keras 2.2's
history keys now say what to write instead (session 59, hfixlegacy; hkeras2's findings 6, 8 and 9)."""

import ast
import copy
import inspect
import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import backend as K
from glassnet import callbacks, config, layers, models, optimizers
from test_keras_compat import real_keras  # noqa: F401  (the fixture: Keras on JAX, or a skip)


def _fitted(metrics, extra_callbacks=()):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    glassnet.utils.set_random_seed(1)
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizers.SGD(0.1), "binary_crossentropy", metrics=metrics)
    history = model.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=0,
                        callbacks=list(extra_callbacks))
    return model, history, x


@pytest.mark.parametrize("alias, cls", [("adam", "Adam"), ("sgd", "SGD")])
def test_keras_2_alias_that_is_a_module_says_which_class_to_call(alias, cls):
    # Keras 2's optimizers.adam = Adam: here optimizers.adam is Adam's module ("'module' object is not callable")
    with pytest.raises(TypeError, match=rf"optimizers\.{alias} is a module.*glassnet\.optimizers\.{cls}\(learning_rate"):
        getattr(optimizers, alias)(lr=0.01)
    module = getattr(optimizers, alias)
    assert inspect.ismodule(module) and getattr(module, cls) is getattr(optimizers, cls)
    again = pickle.loads(pickle.dumps(getattr(optimizers, cls)(learning_rate=0.05)))
    assert type(again) is getattr(optimizers, cls) and again.learning_rate == 0.05


@pytest.mark.parametrize("alias, cls", [("rmsprop", "RMSprop"), ("adagrad", "Adagrad"), ("adadelta", "Adadelta"),
                                        ("adamax", "Adamax"), ("nadam", "Nadam")])
def test_keras_2_alias_that_is_missing_names_the_class(alias, cls):
    with pytest.raises(AttributeError, match=rf"no attribute '{alias}': Keras 2's.*optimizers\.{cls}\(learning_rate"):
        getattr(optimizers, alias)
    assert not hasattr(optimizers, alias)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'$"):
        optimizers.nothing


@pytest.mark.parametrize("name, says", [
    ("sqrt", "np.sqrt"), ("mean", "np.mean"), ("square", "np.square"), ("clip", "np.clip"),
    ("cast", "x.astype(dtype)"), ("int_shape", "layer.output.shape"), ("function", "predict(x)"),
    ("set_value", "optimizer.learning_rate = value"), ("get_value", "float(optimizer.learning_rate)"),
    ("count_params", "model.count_params()"), ("placeholder", "no graph or session"),
    ("sigmoid", "glassnet.activations.sigmoid"), ("binary_crossentropy", "glassnet.losses.binary_crossentropy"),
])
def test_keras_2_backend_functions_say_what_to_use(name, says):
    with pytest.raises(AttributeError, match=f"no attribute '{name}': for Keras 2's K.{name}, use") as info:
        getattr(K, name)
    assert says in str(info.value) and not hasattr(K, name)
    with pytest.raises(AttributeError, match=f"has no attribute '{name}'$"):
        getattr(config, name)                # keras.config never had them: its plain message


def test_the_named_replacements_compute_what_keras_2_did():
    model, _, x = _fitted(["accuracy"])
    # K.function([model.input], [layer.output])([x]): the hidden layer's relu(x W + b), by hand
    W, b = model.layers[0].get_weights()
    hidden = glassnet.Model(model.inputs, model.layers[0].output).predict(x, verbose=0)
    np.testing.assert_allclose(hidden, np.maximum(x @ W + b, 0), rtol=1e-6, atol=1e-7)
    # K.int_shape(layer.output) == (None, 3); K.count_params
    assert model.layers[0].output.shape == (None, 3) and model.layers[0].count_params() == 4 * 3 + 3

    # the classic K-written rmse metric, with np in place of K: logged, and equal to the formula
    def rmse(y_true, y_pred):
        return np.sqrt(np.mean(np.square(y_pred - y_true)))

    y = np.linspace(0, 1, 32, dtype="float32")[:, None]
    model.compile("sgd", "mse", metrics=[rmse])
    loss, value = model.evaluate(x, y, batch_size=32, verbose=0)
    assert value == pytest.approx(np.sqrt(loss), rel=1e-5)


def test_history_missing_key_names_the_keys_and_keras_3_name():
    _, history, _ = _fitted(["accuracy"], [callbacks.ReduceLROnPlateau(patience=1)])
    logs = history.history
    for old, new in [("acc", "accuracy"), ("val_acc", "val_accuracy"), ("lr", "learning_rate")]:
        with pytest.raises(KeyError, match=rf"'{old}'.*holds \['accuracy'.*logged as '{new}' \(Keras 3's name"):
            logs[old]
    with pytest.raises(KeyError) as info:
        logs["loss2"]                          # no rename: the keys alone
    assert "holds ['accuracy', 'loss', 'val_accuracy', 'val_loss', 'learning_rate']" in str(info.value)
    assert "Keras" not in str(info.value)
    _, history, _ = _fitted(["acc"])
    with pytest.raises(KeyError, match=r"'accuracy'.*did you mean 'acc'\?"):
        history.history["accuracy"]
    with pytest.raises(KeyError, match="'loss'.*is empty"):
        callbacks.History().history["loss"]
    # without a callback that logs the rate there is no 'learning_rate' to point to: its name and who logs it
    with pytest.raises(KeyError, match=r"'lr'.*logged as 'learning_rate' \(Keras 3's name\) by LearningRateScheduler"):
        history.history["lr"]


def test_history_history_stays_a_plain_dict():
    _, history, _ = _fitted(["accuracy"])
    logs = history.history
    plain = dict(logs)
    assert isinstance(logs, dict) and logs == plain and repr(logs) == repr(plain)
    assert logs.get("acc") is None and "acc" not in logs and list(logs) == list(plain)
    assert json.dumps(logs) == json.dumps(plain)
    again = pickle.loads(pickle.dumps(logs))
    assert again == plain and copy.deepcopy(logs) == plain
    with pytest.raises(KeyError, match="did you mean|logged as"):
        again["acc"]
    assert callbacks.History().history == {}
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(logs)
    assert list(frame.columns) == list(plain) and frame["loss"].tolist() == plain["loss"]


def _defaults_table():
    """docs/keras-coverage.md's Keras 2.2 optimizer table: ``{class: (keras_2_2, glassnet)}``, each a list of
    ``(name, default)`` in positional order."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "keras-coverage.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| `\((.*?)\)` \| `\((.*?)\)` \|$", page, re.M)

    def parse(text):
        return [(name, ast.literal_eval(value)) for name, value in (item.split("=") for item in text.split(", "))]

    return {cls: (parse(old), parse(new)) for cls, old, new in rows}


def test_the_docs_table_of_keras_2_2_optimizer_defaults_is_glassnet_s_and_keras_3_s(real_keras):  # noqa: F811
    table = _defaults_table()
    assert sorted(table) == ["Adadelta", "Adagrad", "Adam", "Adamax", "Nadam", "RMSprop", "SGD"]
    for cls, (old, new) in table.items():
        for library in (optimizers, real_keras.optimizers):
            parameters = list(inspect.signature(getattr(library, cls)).parameters.values())[:len(new)]
            assert [(p.name, p.default) for p in parameters] == new, (library.__name__, cls)
        assert old[0][0] == "lr" and old != new, cls


def test_adadelta_at_keras_2_2_s_rate_steps_as_keras_2_2_did():
    # the docs: Adadelta(learning_rate=1.0) trains as Keras 2.2's Adadelta() (its update rule, written by hand)
    rho, eps = 0.95, 1e-7
    w = np.array([1.0, -2.0, 0.3])
    expected, accumulated, delta = w.copy(), np.zeros(3), np.zeros(3)
    opt = optimizers.Adadelta(learning_rate=1.0)
    for g in (np.array([0.5, 0.1, -1.0]), np.array([0.2, -0.3, 0.4])):
        opt.apply([g.copy()], [w])
        accumulated = rho * accumulated + (1 - rho) * g ** 2
        update = g * np.sqrt(delta + eps) / np.sqrt(accumulated + eps)
        expected, delta = expected - update, rho * delta + (1 - rho) * update ** 2
    np.testing.assert_allclose(w, expected, rtol=1e-12)


_X = np.array([[1.0, 3.0, 2.0], [4.0, 0.0, 5.0]])


@pytest.mark.parametrize("name, code, values, keras_2", [
    # Keras 2's K.<name> on these values, worked by hand from its definitions (tf_keras 2.15's backend.py)
    ("argmax", "np.argmax(x, axis=-1)", {}, [1, 2]),  # K.argmax(x, axis=-1): np.argmax(x) flattened, gave 5
    ("argmin", "np.argmin(x, axis=-1)", {}, [0, 1]),
    ("cumsum", "np.cumsum(x, axis=0)", {}, [[1, 3, 2], [5, 3, 7]]),
    ("cumprod", "np.cumprod(x, axis=0)", {}, [[1, 3, 2], [4, 0, 10]]),
    ("concatenate", "np.concatenate(tensors, axis=-1)", {"tensors": [_X, _X[:, :1]]}, [[1, 3, 2, 1], [4, 0, 5, 4]]),
    ("expand_dims", "np.expand_dims(x, axis=-1)", {}, [[[1], [3], [2]], [[4], [0], [5]]]),
    ("repeat", "np.repeat(x[:, None], n, axis=1)", {"n": 2},  # RepeatVector: (2, 3) → (2, 2, 3)
     [[[1, 3, 2], [1, 3, 2]], [[4, 0, 5], [4, 0, 5]]]),
    ("repeat_elements", "np.repeat(x, rep, axis=axis)", {"rep": 2, "axis": 1}, [[1, 1, 3, 3, 2, 2], [4, 4, 0, 0, 5, 5]]),
    ("pow", "x ** a", {"a": 2}, [[1, 9, 4], [16, 0, 25]]),
    ("gather", "np.take(x, indices, axis=0)", {"indices": [1]}, [[4, 0, 5]]),
    ("one_hot", "glassnet.utils.to_categorical(indices, num_classes)", {"indices": [2, 0], "num_classes": 3},
     [[0, 0, 1], [1, 0, 0]]),
    ("permute_dimensions", "np.transpose(x, pattern)", {"pattern": (1, 0)}, [[1, 4], [3, 0], [2, 5]]),
    ("reverse", "np.flip(x, axes)", {"axes": 1}, [[2, 3, 1], [5, 0, 4]]),
    ("switch", "np.where(condition, then_expression, else_expression)",
     {"condition": _X > 2, "then_expression": _X, "else_expression": 0}, [[0, 3, 0], [4, 0, 5]]),
    ("batch_flatten", "x.reshape(len(x), -1)", {}, [[1, 3, 2], [4, 0, 5]]),
    ("l2_normalize", "x / np.sqrt(np.maximum(np.sum(x ** 2, axis=axis, keepdims=True), 1e-12))", {"axis": 1},
     _X / [[14 ** 0.5], [41 ** 0.5]]),
    # elementwise: [[-ln 0.9, -ln 0.8]] (glassnet.losses.binary_crossentropy: their mean, [0.164])
    ("binary_crossentropy", "-(t * np.log(p) + (1 - t) * np.log(1 - p))", {"t": np.array([[1.0, 0.0]]),
     "p": np.array([[0.9, 0.2]])}, [[0.10536051565782628, 0.2231435513142097]]),
    # Keras 2's 0.2·x + 0.5 clipped (Keras 3's, glassnet's hard_sigmoid(1) = 1/6 + 0.5 = 0.667)
    ("hard_sigmoid", "np.clip(0.2 * x + 0.5, 0, 1)", {"x": np.array([-3.0, 1.0, 3.0])}, [0.0, 0.7, 1.0]),
])
def test_keras_2_backend_hints_compute_what_keras_2_did(name, code, values, keras_2):
    with pytest.raises(AttributeError, match=f"for Keras 2's K.{name}, use") as info:
        getattr(K, name)
    assert code in str(info.value), str(info.value)
    got = eval(code, {"np": np, "glassnet": glassnet, "x": _X, **values})  # the hint's code, as a user types it
    np.testing.assert_allclose(got, keras_2, rtol=1e-12)


def test_keras_2_backend_hints_only_for_names_keras_2_had():
    # NumPy's modules, classes and constants were never K's: the plain message, not "for Keras 2's K.random"
    for name in ("random", "linalg", "ndarray", "float32", "newaxis", "pi", "einsum"):
        with pytest.raises(AttributeError, match=f"has no attribute '{name}'$"):
            getattr(K, name)
    # the same-named NumPy functions named for the rest are functions, not classes or modules
    for name in K._KERAS_2_NUMPY:
        assert callable(getattr(np, name)) and not isinstance(getattr(np, name), type), name
    assert not set(K._KERAS_2_FUNCTIONS) & set(vars(K))  # (an entry for a name glassnet.backend has is never read)


def test_a_history_pickled_with_a_plain_dict_unpickles_with_the_hint():
    # glassnet before session 59 pickled History.history as a plain dict: its bare KeyError again after loading
    import pickle

    old = callbacks.History()
    old.__dict__["history"] = {"loss": [0.5], "accuracy": [0.75]}
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.history == {"loss": [0.5], "accuracy": [0.75]}
    with pytest.raises(KeyError, match=r"'acc'.*logged as 'accuracy'"):
        loaded.history["acc"]
