"""Property-based tests (hypothesis) of nested models in files: random trees of models in models
(depth up to 3; Sequential or functional ``Model(inputs, outputs)`` made with ``base(inputs,
training=True/False/None)``; built alone or by the model holding them; frozen or not) of Dense,
BatchNormalization, Dropout and ActivityRegularization layers, some with an activity_regularizer,
in float64. Every way glassnet copies a model (a .gn file, clone_model, pickle, get_config and
from_config, a .keras export, a .weights.h5 file) gives the same predictions bit for bit, the same
``model(x)`` with its pins, the same nesting, flags, variable paths and summary; Keras 3.15 reads the
export to the same predictions. Then damaged files: each load is a ValueError or TypeError naming
the entry, or a correct model, never another exception."""

import contextlib
import copy
import io
import os
import pickle
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet import layers, regularizers
from glassnet.models import Model, Sequential, clone_model, load_model, updates
from glassnet.models.nesting import nested_spans

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
F64 = {"dtype": "float64"}

# a leaf: (kind, argument, with an activity_regularizer, the training= of its functional call)
leaf = st.tuples(st.sampled_from(["dense", "batchnorm", "dropout", "activity"]), st.integers(1, 3), st.booleans(),
                 st.sampled_from([None, None, True, False]))


def model_spec(depth):
    """A model: Sequential or functional, built alone or by the model holding it, trainable or not, and its
    items (leaves, and models nested in it called with training=True/False/None)."""
    item = leaf if depth == 0 else st.one_of(
        leaf, st.tuples(st.just("model"), st.sampled_from([None, True, False]), model_spec(depth - 1)))
    return st.fixed_dictionaries({"functional": st.booleans(), "built_alone": st.booleans(),
                                  "trainable": st.booleans(), "items": st.lists(item, min_size=1, max_size=3)})


def make_leaf(kind, argument, regularized):
    extra = {"activity_regularizer": regularizers.L1L2(1e-3, 2e-3)} if regularized else {}
    if kind == "dense":
        return layers.Dense(argument, activation="tanh", **extra, **F64)
    if kind == "batchnorm":
        return layers.BatchNormalization(**extra, **F64)
    if kind == "dropout":
        return layers.Dropout(0.25 * argument, **extra, **F64)
    return layers.ActivityRegularization(l1=1e-3 * argument, l2=1e-3, **F64)


def build(spec, width, top=False):
    """``(model, its output width)`` for ``spec`` on ``width`` inputs."""
    made, calls, n = [], [], width
    for item in spec["items"]:
        if item[0] == "model":
            nested, n = build(item[2], n)
            made.append(nested)
            calls.append(item[1])
        else:
            made.append(make_leaf(*item[:3]))
            calls.append(item[3])
            n = item[1] if item[0] == "dense" else n
    if spec["functional"]:
        inputs = layers.Input((width,), **F64)
        outputs = inputs
        for thing, mode in zip(made, calls):
            outputs = thing(outputs) if mode is None else thing(outputs, training=mode)
        model = Model(inputs, outputs)
    elif top or spec["built_alone"]:
        model = Sequential([layers.Input((width,)), *made], **F64)
    else:  # built by the model holding it
        model = Sequential(made, **F64)
    model.trainable = spec["trainable"]
    return model, n


def tree(model):
    """The nesting of ``model``: each nested model's name, flags, its layers (checked to be the very
    layers of the model holding it, in order) and what is nested in it."""
    found = []
    for nested, start, stop in nested_spans(model):
        assert [id(layer) for layer in nested.layers] == [id(layer) for layer in model.layers[start:stop]]
        assert model.get_layer(nested.name) is nested
        found.append((nested.name, start, stop, nested.trainable, tree(nested)))
    return found


def summary(model):
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        model.summary(expand_nested=True)
    return text.getvalue()


def seeded_call(model, X):
    """``model(X)`` (its pins hold) with each Dropout drawing from the same seed, so that two copies
    of a model draw the same masks."""
    for i, layer in enumerate(model.layers):
        if isinstance(layer, layers.Dropout):
            layer.rng = np.random.default_rng(i)
    return np.asarray(model(X)), [float(np.sum(loss)) for loss in model.losses]


def as_keras_keeps(config):
    """``config`` without what a Keras file need not keep: ``built_alone`` (Keras's load_model builds each
    nested model alone) and pins to False where no True pin is overridden (what Keras's call given no
    training does anyway)."""
    return {**{key: value for key, value in config.items() if key not in ("built_alone", "pins")},
            "pins": {name: True for name, mode in config.get("pins", {}).items() if mode},
            "nested": [as_keras_keeps(entry) for entry in config.get("nested", [])]}


def assert_same(copy, model, X, keras=False):
    """``copy`` is ``model`` again: weights, predictions (bit for bit), ``model(X)`` with pins and its
    activity penalties, nesting, trainable flags, variable paths and summary. From a Keras file
    (``keras``), a nested model the outer one built is built alone, as Keras's load_model builds it: its
    variables' paths are its own scope's (checked against Keras's in the Keras test)."""
    assert type(copy) is type(model) or copy.get_config() == model.get_config()
    for theirs, ours in zip(copy.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(theirs, ours)
    np.testing.assert_array_equal(copy.predict(X, verbose=0), model.predict(X, verbose=0))
    assert tree(copy) == tree(model)
    assert [layer.trainable for layer in copy.layers] == [layer.trainable for layer in model.layers]
    assert copy.trainable == model.trainable
    assert keras or updates.parameter_paths(copy) == updates.parameter_paths(model)
    assert summary(copy) == summary(model)
    if keras:
        assert as_keras_keeps(copy.get_config()) == as_keras_keeps(model.get_config())
    else:
        assert copy.get_config() == model.get_config()
    ours, our_losses = seeded_call(model, X)
    theirs, their_losses = seeded_call(copy, X)
    np.testing.assert_array_equal(theirs, ours)
    assert their_losses == our_losses


def as_keras_clones(model):
    """What Keras 3.15's ``clone_model(model)`` makes of ``model`` (its weights set to ``model``'s): a functional
    model made again as a new ``Functional(inputs, outputs)``, trainable, and each nested model by its
    ``from_config``: a Sequential trainable (Keras's ``Sequential.from_config`` leaves its own flag out), a
    functional model with its flag; every layer keeps its own (a frozen model's are False: nothing more trains)."""
    def flags(entry):
        return {**entry, "trainable": entry["trainable"] if entry.get("functional") else True,
                "nested": [flags(inner) for inner in entry.get("nested", [])]}

    config = model.get_config()
    config["nested"] = [flags(entry) for entry in config.get("nested", [])]
    if config.get("functional"):
        config.pop("trainable", None)  # (get_config writes the flag only when False)
    expected = type(model).from_config(config)
    expected.set_weights(model.get_weights())
    return expected


def random_model(spec, width, seed):
    model, _ = build(spec, width, top=True)
    rng = np.random.default_rng(seed)
    # all positive: a BatchNormalization's moving variance must be
    model.set_weights([rng.uniform(0.2, 1.0, w.shape) for w in model.get_weights()])
    return model, rng.normal(size=(5, width))


@FAST
@given(spec=model_spec(3), width=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_every_copy_of_a_random_nested_model_is_the_same_model(spec, width, seed):
    model, X = random_model(spec, width, seed)
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "model.gn"))
        assert_same(load_model(os.path.join(folder, "model.gn")), model, X)
        model.export(os.path.join(folder, "model.keras"), format="keras")
        assert_same(load_model(os.path.join(folder, "model.keras")), model, X, keras=True)
        model.save_weights(os.path.join(folder, "model.weights.h5"))
        fresh = clone_model(model)
        fresh.load_weights(os.path.join(folder, "model.weights.h5"))
        assert_same(fresh, as_keras_clones(model), X)
    clone = clone_model(model)
    clone.set_weights(model.get_weights())
    assert_same(clone, as_keras_clones(model), X)
    assert_same(pickle.loads(pickle.dumps(model)), model, X)
    made = type(model).from_config(model.get_config())
    made.set_weights(model.get_weights())
    assert_same(made, model, X)


def items(model):
    """The names of ``model``'s layers as Keras lists them: a nested model is one item."""
    names, end = [], 0
    for nested, start, stop in (*nested_spans(model), (None, len(model.layers), None)):
        names += [layer.name for layer in model.layers[end:start]] + ([nested.name] if nested else [])
        end = stop
    return names


def assert_keras_nests(theirs, model):
    """Keras's get_layer (which looks among a model's own layers) finds each model nested in ``model``
    in ``theirs``, nested in nested too, with the same layers."""
    for nested, *_ in nested_spans(model):
        found = theirs.get_layer(nested.name)
        # (a Keras functional model lists its InputLayer among its layers)
        assert [layer.name for layer in found.layers if type(layer).__name__ != "InputLayer"] == items(nested)
        assert_keras_nests(found, nested)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=model_spec(2), width=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_keras_reads_the_export_of_a_random_nested_model(keras64, monkeypatch, spec, width, seed):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    model, X = random_model(spec, width, seed)
    with tempfile.TemporaryDirectory() as folder:
        model.export(os.path.join(folder, "model.keras"), format="keras")
        theirs = keras64.saving.load_model(os.path.join(folder, "model.keras"))
    np.testing.assert_allclose(np.asarray(theirs.predict(X, verbose=0)), model.predict(X, verbose=0),
                               rtol=1e-12, atol=1e-12)
    assert_keras_nests(theirs, model)


DAMAGE = {  # a damaged 'nested' entry: what the entry becomes
    "negative": lambda entry, n: {**entry, "layers": [-1, entry["layers"][1]]},
    "reversed": lambda entry, n: {**entry, "layers": entry["layers"][::-1]},
    "beyond": lambda entry, n: {**entry, "layers": [0, n + 1]},
    "floats": lambda entry, n: {**entry, "layers": [float(i) for i in entry["layers"]]},
    "no layers": lambda entry, n: {k: v for k, v in entry.items() if k != "layers"},
    "no name": lambda entry, n: {k: v for k, v in entry.items() if k != "name"},
    "name not str": lambda entry, n: {**entry, "name": 3},
    "unknown key": lambda entry, n: {**entry, "colour": "red"},
    "trainable str": lambda entry, n: {**entry, "trainable": "no"},
    "built_alone int": lambda entry, n: {**entry, "built_alone": 0},
    "functional str": lambda entry, n: {**entry, "functional": "yes"},
    "pins absent layer": lambda entry, n: {**entry, "pins": {"no_such_layer": True}},
    "pins not bool": lambda entry, n: {**entry, "pins": {"x": 1}},
    "pins list": lambda entry, n: {**entry, "pins": ["dense"]},
    "nested dict": lambda entry, n: {**entry, "nested": {"name": "x"}},
    "loop": lambda entry, n: {**entry, "nested": [entry]},
    "not a dict": lambda entry, n: [entry],
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=model_spec(3), width=st.integers(1, 3), seed=st.integers(0, 2**16), data=st.data(),
       damage=st.sampled_from(sorted(DAMAGE)), twice=st.booleans())
def test_a_damaged_nested_entry_is_refused_by_name_or_harmless(spec, width, seed, data, damage, twice):
    model, X = random_model(spec, width, seed)
    config = copy.deepcopy(model.get_config())
    holder = config  # damage an entry at a random depth
    while holder.get("nested"):
        i = data.draw(st.integers(0, len(holder["nested"]) - 1))
        if data.draw(st.booleans()) or not holder["nested"][i].get("nested"):
            break
        holder = holder["nested"][i]
    if not holder.get("nested"):
        config["nested"] = [{"name": "base", "layers": [0, len(model.layers)]}]  # one to damage
        holder, i = config, 0
    n = len(model.layers)
    holder["nested"][i] = DAMAGE[damage](holder["nested"][i], n)
    if twice:  # two entries over the same layers
        holder["nested"].append(copy.deepcopy(holder["nested"][i]))
    try:
        made = Sequential.from_config(config)
    except (ValueError, TypeError) as exc:
        assert any(word in str(exc) for word in ("nested", "pins", "'layers'")), str(exc)
        return
    made.set_weights(model.get_weights())  # harmless damage: the same model
    np.testing.assert_array_equal(made.predict(X, verbose=0), model.predict(X, verbose=0))


def test_found_by_these_properties(tmp_path):
    """Two bugs the properties found. A frozen model (model.trainable = False) came back trainable from
    get_config/from_config and from its .keras export (a Keras Functional file's own flag was ignored).
    A model nested in a Sequential whose functional model pins its own nested model (Sequential([Model(i,
    base(i, training=True))])) was refused by export(format="keras"), though that pin is in the
    functional model's config."""
    model, X = random_model({"functional": True, "built_alone": True, "trainable": False, "items": [
        ("model", None, {"functional": False, "built_alone": True, "trainable": True, "items": [
            ("model", None, {"functional": True, "built_alone": True, "trainable": True, "items": [
                ("model", True, {"functional": False, "built_alone": False, "trainable": True,
                                 "items": [("dropout", 1, False, None)]})]})]})]}, 2, 0)
    assert Sequential.from_config(model.get_config()).trainable is False
    model.export(tmp_path / "model.keras", format="keras")
    assert_same(load_model(tmp_path / "model.keras"), model, X, keras=True)
