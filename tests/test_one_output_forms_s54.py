"""Keras's per-output forms on glassnet's one-output models (session 54, hunt hmulti, findings 1-5):
Keras ``.keras`` files compiled with them, ``sample_weight`` in them, ``model.output_names``, an input dict
whose key is not the Input's name, and per-output lists of several entries."""

import json
import warnings
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.models import Model, Sequential
from glassnet.models.keras_files import UncompiledWarning


def _model(seed=0):
    inputs = glassnet.Input((3,), name="inp")
    hidden = layers.Dense(4, activation="sigmoid", name="hid")(inputs)
    return Model(inputs, layers.Dense(2, name="out")(hidden), name="fm")


def _data(n=40):
    rng = np.random.default_rng(0)
    return rng.random((n, 3)), rng.random((n, 2)), rng.uniform(0.5, 2.0, n)


# -- 1. Keras files compiled with the per-output forms ----------------------------------------------
PER_OUTPUT_FORMS = {
    "loss_dict": dict(loss={"out": "mse"}, metrics={"out": ["mae"]}),
    "loss_list": dict(loss=["mse"], metrics=[["mae"]]),
    "metric_dict_of_a_name": dict(loss="mse", metrics={"out": "mae"}),
    "weighted_dict": dict(loss="mse", weighted_metrics={"out": ["mae"]}),
    "weighted_lists": dict(loss="mse", weighted_metrics=[["mae"]]),
    "loss_weights_list": dict(loss="mse", loss_weights=[1.0], metrics=["mae"]),
    "loss_weights_dict": dict(loss="mse", loss_weights={"out": 1.0}, metrics=["mae"]),
}


@pytest.fixture
def h5py():
    return pytest.importorskip("h5py", reason="reading .keras files needs h5py (the keras-files extra)")


@pytest.mark.parametrize("form", list(PER_OUTPUT_FORMS))
def test_a_keras_file_compiled_with_per_output_forms_loads_compiled(form, tmp_path, h5py, monkeypatch):
    # Keras writes compile's arguments as given; glassnet's load_model read {"out": "mse"} as a serialized loss
    # ("Unknown loss None") and wanted flat metric lists, so the model came back uncompiled
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras", reason="the files are written by Keras")
    x, y, _ = _data(8)
    inputs = keras.Input((3,), name="inp")
    theirs = keras.Model(inputs, keras.layers.Dense(2, name="out")(keras.layers.Dense(4)(inputs)))
    theirs.compile(optimizer="adam", **PER_OUTPUT_FORMS[form])
    theirs.fit(x, y, verbose=0)
    theirs.save(tmp_path / "model.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncompiledWarning)
        model = glassnet.models.load_model(tmp_path / "model.keras")
    assert model.compiled and model.loss.name == "mean_squared_error"
    assert model.optimizer.iterations == 1  # Adam's state restored with the compile
    ours = model.evaluate(x, y, return_dict=True)
    again = keras.saving.load_model(tmp_path / "model.keras").evaluate(x, y, return_dict=True, verbose=0)
    assert sorted(ours) == sorted(again) == ["loss", "mae"]
    for key in ours:
        assert ours[key] == pytest.approx(again[key], rel=1e-5), key


def _written_with(model, path, **compile_config):
    """``model`` exported as a Keras file whose compile_config has ``compile_config``'s entries instead."""
    model.export(path, format="keras")
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members["config.json"])
    config["compile_config"].update(compile_config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("form", list(PER_OUTPUT_FORMS))
def test_a_hand_made_compile_config_in_per_output_forms_is_read_as_compile_reads_them(form, tmp_path, h5py):
    # the same reading, without Keras: the forms as Keras's compile_config holds them
    x, y, _ = _data(8)
    model = _model()
    model.compile("adam", "mse", metrics=["mae"])
    model.fit(x, y, verbose=0)
    settings = {"loss_weights": None, "metrics": None, "weighted_metrics": None, **PER_OUTPUT_FORMS[form]}
    path = _written_with(model, tmp_path / "model.keras", **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UncompiledWarning)
        again = glassnet.models.load_model(path)
    assert again.compiled and again.loss.name == "mean_squared_error"
    assert [m.name for m in again.metrics] == ["mae"]
    assert again.metrics[0].weighted == form.startswith("weighted")
    assert again.evaluate(x, y, return_dict=True) == model.evaluate(x, y, return_dict=True)


def test_a_serialized_loss_in_a_dict_by_output_name_is_read(tmp_path, h5py):
    x, y, _ = _data(8)
    model = _model()
    model.compile("sgd", "mse")
    loss = {"module": "keras.losses", "class_name": "MeanAbsoluteError", "registered_name": None,
            "config": {"name": "mean_absolute_error", "reduction": "sum_over_batch_size"}}
    metric = {"module": "keras.metrics", "class_name": "MeanSquaredError", "registered_name": None,
              "config": {"name": "mean_squared_error", "dtype": "float32"}}
    again = glassnet.models.load_model(_written_with(model, tmp_path / "model.keras", loss={"out": loss},
                                                     metrics={"out": metric}))
    assert again.loss.name == "mean_absolute_error" and [m.name for m in again.metrics] == ["mean_squared_error"]


@pytest.mark.parametrize("settings, reason", [
    (dict(loss={"y": "mse"}), r"loss given per output must name this model's one output, its last layer 'out'"),
    (dict(loss=["mse", "mae"]), r"glassnet models have one output; loss has 2 entries"),
    (dict(metrics=[["mae"], ["mse"]]), r"glassnet models have one output; metrics has 2 entries"),
    # (loss_weights=[2.0] and {"out": 0.5} were refused here: glassnet weighs the loss as Keras since session 55,
    # and such files load compiled, tests/test_loss_weights_s55.py)
    (dict(loss_weights=[1.0, 1.0]), r"loss_weights has 2 entries"),
    (dict(loss_weights={"out": "heavy"}), r"loss_weights must be a number"),
])
def test_a_compile_config_for_other_outputs_loads_uncompiled_saying_why(settings, reason, tmp_path, h5py):
    model = _model()
    model.compile("sgd", "mse")
    path = _written_with(model, tmp_path / "model.keras", **settings)
    with pytest.warns(UncompiledWarning, match=reason) as caught:
        again = glassnet.models.load_model(path)
    assert not again.compiled
    assert "Unknown loss None" not in str(caught[0].message)


# -- 2. sample_weight in the per-output forms -------------------------------------------------------
@pytest.mark.parametrize("wrap", [lambda w: [w], lambda w: (w,), lambda w: {"out": w}], ids=["list", "tuple", "dict"])
def test_sample_weight_in_per_output_forms_weighs_as_the_array(wrap):
    # y was taken as [y], (y,) and {"out": y}; the same forms of sample_weight were refused ("must be a 1-D array
    # of shape (n_samples,). Received an array of shape (1, 40)")
    x, y, w = _data()
    model = _model()
    model.compile("sgd", "mse", weighted_metrics=["mae"])
    start = model.get_weights()
    assert model.evaluate(x, [y], sample_weight=wrap(w)) == model.evaluate(x, y, sample_weight=w)
    assert model.test_on_batch(x, y, sample_weight=wrap(w)) == model.test_on_batch(x, y, sample_weight=w)
    histories = []
    for weights in (wrap(w), w):
        model.set_weights(start)
        histories.append(model.fit(x, y, sample_weight=weights, validation_data=(x, y, weights), epochs=2,
                                   shuffle=False, verbose=0).history)
    assert histories[0] == histories[1]
    steps = []
    for weights in (wrap(w[:8]), w[:8]):
        model.set_weights(start)
        steps.append((model.train_on_batch(x[:8], [y[:8]], sample_weight=weights), model.get_weights()))
    assert steps[0][0] == steps[1][0]
    for ours, plain in zip(steps[0][1], steps[1][1]):
        np.testing.assert_array_equal(ours, plain)


def test_sample_weight_for_two_outputs_is_refused_saying_the_model_has_one():
    x, y, w = _data()
    model = _model()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"sample_weight has 2 arrays, one per output .* glassnet models have one "
                                         r"output"):
        model.fit(x, y, sample_weight=[w, w], verbose=0)
    with pytest.raises(ValueError, match=r"validation_data\[2\] has 2 arrays, one per output"):
        model.fit(x, y, validation_data=(x, y, (w, w)), verbose=0)
    with pytest.raises(TypeError, match=r"sample_weight given as a dict must map this model's one output, 'out'"):
        model.evaluate(x, y, sample_weight={"y": w})
    # a list of numbers is the weights themselves, one per sample (two samples here)
    assert model.evaluate(x[:2], y[:2], sample_weight=[1.0, 2.0]) == model.evaluate(
        x[:2], y[:2], sample_weight=np.array([1.0, 2.0]))


# -- 3. model.output_names -------------------------------------------------------------------------
def test_output_names_is_keras_s_list_of_the_one_output_name():
    x, y, _ = _data()
    model = _model()
    assert model.output_names == ["out"]
    (name,) = model.output_names
    model.compile("sgd", loss={name: "mse"}, metrics={name: ["mae"]})
    assert list(model.fit(x, {name: y}, verbose=0).history) == ["loss", "mae"]
    with pytest.raises(AttributeError):
        model.output_names = ["z"]
    assert Sequential([layers.Input((3,)), layers.Dense(2, name="a")]).output_names == ["a"]
    assert Sequential([layers.Dense(2, name="b")]).output_names == ["b"]
    assert Sequential().output_names == []
    # a model that ends with a nested model: its name, as Keras's Model(x, inner(h))
    inner = Sequential([layers.Input((3,)), layers.Dense(2, name="c")], name="inner")
    inputs = glassnet.Input((3,))
    assert Model(inputs, inner(inputs)).output_names == ["inner"]


# -- 4. an input dict whose key is not the Input's name ---------------------------------------------
def test_an_input_dict_keyed_by_another_name_is_refused_at_construction():
    # the key was dropped silently: Keras's fit/predict({"feats": x}) were refused later
    inputs = glassnet.Input((3,), name="inp")
    with pytest.raises(ValueError, match=r"inputs given as a dict \(\{'feats': \.\.\.\}\) names the model's input "
                                         r"'feats', which glassnet cannot keep: .* its Input's name, 'inp'\. Name "
                                         r"the Input 'feats'"):
        Model({"feats": inputs}, layers.Dense(2)(inputs))
    unnamed = glassnet.Input((3,))
    with pytest.raises(ValueError, match=r"named after the name given to its Input, and it has none"):
        Model({"feats": unnamed}, layers.Dense(2)(unnamed))
    # keyed by its name: taken, and the key works in predict and fit
    x, y, _ = _data()
    model = Model({"inp": inputs}, layers.Dense(2, name="out")(inputs))
    model.compile("sgd", "mse")
    model.fit({"inp": x}, y, verbose=0)
    np.testing.assert_array_equal(model.predict({"inp": x}, verbose=0), model.predict(x, verbose=0))


# -- 5. per-output lists of several entries --------------------------------------------------------
@pytest.mark.parametrize("settings, match", [
    (dict(loss=["mse", "mae"]), r"glassnet models have one output; loss has 2 entries, one per output .* "
                                r"Received: loss=\['mse', 'mae'\]"),
    (dict(loss=("mse", "mae", "mse")), r"glassnet models have one output; loss has 3 entries"),
    (dict(loss="mse", metrics=[["mae"], ["mse"]]), r"glassnet models have one output; metrics has 2 entries"),
    (dict(loss="mse", weighted_metrics=[["mae"], ["mse"]]),
     r"glassnet models have one output; weighted_metrics has 2 entries"),
])
def test_per_output_lists_of_several_entries_say_the_model_has_one_output(settings, match):
    model = _model()
    with pytest.raises(ValueError, match=match):
        model.compile("sgd", **settings)
    model.compile("sgd", loss=["mse"], metrics=[["mae"]])  # one entry: the one output's
    assert model.loss.name == "mean_squared_error" and model._metric_ids == ["mae"]


@pytest.mark.parametrize("weight", [1, 1.0, [1.0], (1,), {"out": 1.0}])
def test_compile_takes_the_one_output_s_loss_weight_of_one_as_a_keras_file_gives_it(weight):
    i = glassnet.Input((3,), name="inp")
    model = glassnet.models.Model(i, glassnet.layers.Dense(2, name="out")(i))
    model.compile(optimizer="sgd", loss="mse", loss_weights=weight)
    assert model.compiled
    assert model._loss_weight == 1.0
    # (other weights were refused here, "loss_weights must be None or 1": since session 55 they weigh the loss as
    # Keras's, tests/test_loss_weights_s55.py; only weights that are not finite numbers are refused)
    for other, error in (({"out": float("nan")}, ValueError), ([-float("inf")], ValueError), (True, TypeError)):
        with pytest.raises(error, match="loss_weights must be a"):
            model.compile(optimizer="sgd", loss="mse", loss_weights=other)
