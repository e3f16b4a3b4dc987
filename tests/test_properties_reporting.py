"""What a Keras user reads and keeps, drawn and compared with Keras 3.15 (JAX): ``model.summary()``'s
rows and totals (the optimizer's line after ``fit`` included), ``layer_range``, and ModelCheckpoint's
line for a batch's save. ``HUNT=1`` draws many more examples."""

import io
import os
import re
import contextlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet

keras = pytest.importorskip("keras", reason="the comparison needs Keras")

EXAMPLES = 400 if os.environ.get("HUNT") else 6
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# (kind, argument) of a drawn layer: each library makes it by the same Keras name
LAYERS = st.sampled_from([("Dense", 3), ("Dense", 5), ("Dropout", 0.2), ("BatchNormalization", None),
                          ("LayerNormalization", None), ("Reshape", None), ("Flatten", None)])


def _layer(lib, kind, argument, name):
    make = getattr(lib.layers, kind)
    if kind == "Dense":
        return make(argument, name=name)
    if kind == "Dropout":
        return make(argument, name=name)
    if kind == "Reshape":
        return make((-1, 1), name=name)
    return make(name=name)


def _model(lib, drawn, nested_at, frozen, optimizer):
    """A Sequential of the drawn layers (a Flatten after each Reshape keeps it 2-D for the next
    Dense), the first ``nested_at`` of them in a nested Sequential ``inner`` (frozen when ``frozen[0]``),
    the others frozen where ``frozen`` says; compiled, and fitted once when ``optimizer`` is given."""
    layers = []
    for i, (kind, argument) in enumerate(drawn):
        layers.append(_layer(lib, kind, argument, f"l{i}"))
        if kind == "Reshape":
            layers.append(lib.layers.Flatten(name=f"f{i}"))
    layers.append(lib.layers.Dense(2, name="out"))
    for layer, stop in zip(layers, frozen[1:]):
        layer.trainable = not stop
    if nested_at:
        inner = lib.models.Sequential(layers[:nested_at], name="inner")
        inner.trainable = not frozen[0]
        layers = [inner, *layers[nested_at:]]
    model = lib.models.Sequential([lib.layers.Input(shape=(4,)), *layers], name="drawn")
    if optimizer is not None:
        name, options = optimizer
        model.compile(optimizer=getattr(lib.optimizers, name)(**options), loss="mse")
        rng = np.random.default_rng(0)
        model.fit(rng.normal(size=(8, 4)), rng.normal(size=(8, 2)), epochs=1, batch_size=4, verbose=0)
    return model


def _keras_rows(model, expand_nested):
    rows = []
    for layer in model.layers:
        rows.append((layer.name, type(layer).__name__, str(tuple(layer.output.shape)), layer.count_params()))
        if expand_nested and isinstance(layer, keras.Model):
            rows += [(sub.name, type(sub).__name__, str(tuple(sub.output.shape)), sub.count_params())
                     for sub in layer.layers]
    return rows


def _totals(text):
    return {name: int(count.replace(",", "")) for name, count in
            re.findall(r"^ (Total|Trainable|Non-trainable|Optimizer) params: ([\d,]+)", text, re.M)}


def _glassnet_summary(model, **options):
    texts = []
    model.summary(print_fn=texts.append, **options)  # (one call with the whole table, as Keras's)
    lines = texts[0].splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("═"))
    end = next(i for i in range(rule + 1, len(lines)) if lines[i].startswith("─"))
    rows = []
    for line in lines[rule + 1:end]:
        name, kind, shape, count = re.fullmatch(r"[ └]*(\S+) \((\w+)\)\s+(\(.*?\))\s+([\d,]+)\s*\S*", line).groups()
        rows.append((name, kind, shape, int(count.replace(",", ""))))
    return rows, _totals("\n".join(lines))


OPTIMIZERS = st.sampled_from([None, ("SGD", {}), ("SGD", {"momentum": 0.9}), ("Adam", {}),
                              ("Adam", {"amsgrad": True}), ("Adam", {"use_ema": True}),
                              ("RMSprop", {"centered": True})])


@SETTINGS
@given(drawn=st.lists(LAYERS, min_size=1, max_size=4), nested=st.integers(0, 3),
       frozen=st.lists(st.booleans(), min_size=8, max_size=8), optimizer=OPTIMIZERS, expand=st.booleans())
def test_summary_rows_and_totals_are_keras(drawn, nested, frozen, optimizer, expand):
    """Every row's name, type, output shape and parameter count, and the Total / Trainable /
    Non-trainable / Optimizer lines, are Keras's (its optimizer line after ``fit``: the step
    count, the learning rate and the state of the trainable weights only; glassnet gave no such
    line and a total without them)."""
    n_layers = len(drawn) + sum(kind == "Reshape" for kind, _ in drawn) + 1
    nested = min(nested, n_layers - 1)
    ours = _model(glassnet, drawn, nested, frozen, optimizer)
    theirs = _model(keras, drawn, nested, frozen, optimizer)
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        theirs.summary()
    rows, totals = _glassnet_summary(ours, expand_nested=expand)
    assert rows == _keras_rows(theirs, expand)
    assert totals == _totals(text.getvalue())
    assert ours.count_params() == theirs.count_params()


@SETTINGS
@given(drawn=st.lists(LAYERS, min_size=2, max_size=5), ends=st.tuples(st.integers(0, 6), st.integers(0, 6)))
def test_summary_layer_range_is_keras(drawn, ends):
    """``layer_range=[first, last]`` lists Keras's rows (the first match of ``first`` to the last of
    ``last``, in either order); glassnet listed every layer."""
    ours = _model(glassnet, drawn, 0, [False] * 8, None)
    theirs = _model(keras, drawn, 0, [False] * 8, None)
    names = [layer.name for layer in theirs.layers]
    layer_range = [names[min(ends[0], len(names) - 1)], names[min(ends[1], len(names) - 1)]]
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        theirs.summary(layer_range=layer_range)
    shown = [name for name in names if re.search(rf"│ {name} \(", text.getvalue())]
    rows, totals = _glassnet_summary(ours, layer_range=layer_range)
    assert [row[0] for row in rows] == shown
    assert totals == _totals(text.getvalue())


@pytest.mark.parametrize("layer_range, match", [(["l0"], "length 2"), (["l0", 3], "string type only"),
                                                (["nope", "out"], "does not match")])
def test_summary_bad_layer_range(layer_range, match):
    model = _model(glassnet, [("Dense", 3)], 0, [False] * 8, None)
    with pytest.raises(ValueError, match=match):
        model.summary(layer_range=layer_range, print_fn=lambda line: None)
    theirs = _model(keras, [("Dense", 3)], 0, [False] * 8, None)
    with pytest.raises(ValueError):  # (Keras refuses the same)
        theirs.summary(layer_range=layer_range, print_fn=lambda line: None)


def _checkpoint_lines(lib, folder, capsys):
    rng = np.random.default_rng(0)
    model = lib.models.Sequential([lib.layers.Input(shape=(3,)), lib.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    path = os.path.join(folder, "w.weights.h5" if lib is keras else "w.gn")
    callback = lib.callbacks.ModelCheckpoint(path, save_freq=2, save_weights_only=lib is keras, verbose=1)
    capsys.readouterr()
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 1)), batch_size=2, epochs=2, verbose=0,
              callbacks=[callback])
    return [line.replace(path, "PATH") for line in capsys.readouterr().out.splitlines() if "PATH" in
            line.replace(path, "PATH")]


def test_checkpoint_batch_save_line_is_keras(tmp_path, capsys):
    """A batch's save (``save_freq=2``) says Keras's ``Epoch 1: saving model to ...``; glassnet said
    ``Epoch 1, batch 2: ...``."""
    ours = _checkpoint_lines(glassnet, str(tmp_path), capsys)
    theirs = _checkpoint_lines(keras, str(tmp_path), capsys)
    assert ours and ours == theirs


def _batched(lib, form, batch, n):
    L = lib.layers
    if form == "functional":
        inputs = L.Input(batch_shape=(batch, n))
        return lib.models.Model(inputs, L.Dense(2)(inputs))
    first = L.Input(shape=(n,), batch_size=batch) if form == "Input" else L.InputLayer(batch_shape=(batch, n))
    return lib.models.Sequential([first, L.Dense(2)])


@settings(max_examples=EXAMPLES if os.environ.get("HUNT") else 3, derandomize=True, deadline=None)
@given(form=st.sampled_from(["Input", "InputLayer", "functional"]), batch=st.integers(1, 64), n=st.integers(1, 5))
def test_input_batch_size_is_kept_as_keras_keeps_it(tmp_path_factory, form, batch, n):
    """``Input(shape=(n,), batch_size=b)`` / ``InputLayer(batch_shape=(b, n))``: the model's input
    shape is Keras's ``(b, n)``, and get_config/from_config, a glassnet file and an exported .keras
    file (read by Keras, and by glassnet) keep it; glassnet dropped the batch size: ``(None, n)``."""
    folder = tmp_path_factory.mktemp("batched")
    ours, theirs = _batched(glassnet, form, batch, n), _batched(keras, form, batch, n)
    assert ours.input_shape == theirs.input_shape == (batch, n)
    assert type(ours).from_config(ours.get_config()).input_shape == (batch, n)
    assert glassnet.models.Sequential.from_config(theirs.get_config()).input_shape == (batch, n)
    ours.save(folder / "m.gn")
    assert glassnet.models.load_model(folder / "m.gn").input_shape == (batch, n)
    ours.export(folder / "m.keras", format="keras")
    assert keras.saving.load_model(folder / "m.keras").input_shape == (batch, n)
    assert glassnet.models.load_model(folder / "m.keras").input_shape == (batch, n)
    layer = glassnet.layers.InputLayer.from_config(glassnet.layers.Input(shape=(n,), batch_size=batch).get_config())
    assert layer.shape == keras.layers.Input(shape=(n,), batch_size=batch).shape == (batch, n)


def _keras_summary_rows(model, **options):
    """Keras's printed rows: ``(name, type, shape, count)`` of each, its └ indents dropped."""
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        model.summary(line_length=78, **options)  # (rich cuts wider lines at 80 columns)
    rows = []
    for line in text.getvalue().splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) >= 3:
            name, kind = re.fullmatch(r"[ └]*(\S+) \((\w+)\)", cells[0]).groups()
            rows.append((name, kind, cells[1], int(cells[2].replace(",", ""))))
    return rows


def _functional_case(lib, case):
    L = lib.layers
    inputs = (L.Input(batch_shape=(8, 3)) if case == "batched" else L.Input(shape=(3,), name="pixels")
              if case.startswith("named") else L.Input(shape=(3,)))
    model = lib.models.Model(inputs, L.Dense(2, name="b")(L.Dense(4, name="a")(inputs)), name="inner")
    if case == "nested":
        model = lib.models.Sequential([L.Input(shape=(3,)), model, L.Dense(1, name="c")], name="outer")
    if case == "sequential_batched":
        model = lib.models.Sequential([L.Input(batch_shape=(8, 3)), L.Dense(2, name="a")])
    return model


@pytest.mark.parametrize("case, options", [
    ("plain", {}), ("batched", {}), ("nested", {"expand_nested": True}), ("nested", {}),
    ("plain", {"layer_range": ["input", "a"]}), ("plain", {"layer_range": ["a", "b"]}), ("sequential_batched", {}),
    ("named", {}), ("named", {"layer_range": ["pix", "a"]}),
])
def test_a_functional_model_s_summary_lists_its_input_layer_and_batch_size_as_keras(case, options):
    """A functional model's summary lists its InputLayer first (``input_layer (InputLayer)``; in a nested
    one's rows too, and in layer_range's matches), and every output shape has the Input's batch size
    (``(8, 2)``), as Keras 3.15's; glassnet listed no InputLayer and ``(None, 2)``. An Input given a
    name is listed under it, as Keras's (glassnet listed input_layer)."""
    keras.utils.clear_session()
    glassnet.utils.clear_session()
    rows, _ = _glassnet_summary(_functional_case(glassnet, case), **options)
    assert rows == _keras_summary_rows(_functional_case(keras, case), **options)


def test_the_name_given_to_an_input_stays_with_copies_and_files(tmp_path):
    """Input(..., name="pixels"): the summary of a clone, of a .gn file's model and of a config's shows
    the row as the original's, and a .keras file written from it names Keras's InputLayer so."""
    pytest.importorskip("h5py")
    model = _functional_case(glassnet, "named")
    rows, _ = _glassnet_summary(model)
    assert rows[0][:2] == ("pixels", "InputLayer")
    model.save(tmp_path / "named.gn")
    for copy in (glassnet.models.clone_model(model), glassnet.models.load_model(tmp_path / "named.gn"),
                 glassnet.models.Model.from_config(model.get_config())):
        assert _glassnet_summary(copy)[0] == rows
    model.export(tmp_path / "named.keras", format="keras")
    keras.utils.clear_session()
    loaded = keras.models.load_model(tmp_path / "named.keras")
    assert loaded.layers[0].name == "pixels"
    assert _keras_summary_rows(loaded) == rows
    again = glassnet.models.load_model(tmp_path / "named.keras")  # Keras's InputLayer's name read back
    assert _glassnet_summary(again)[0] == rows
    with pytest.raises(TypeError, match="input_name must be a string"):
        glassnet.models.Model.from_config({**model.get_config(), "input_name": 3})


@pytest.mark.filterwarnings("ignore:dtype 'mixed_float16'")
@pytest.mark.parametrize("name", ["float16", "float32", "float64", "mixed_float16"])
@pytest.mark.parametrize("make", ["DTypePolicy", "dtype_policies.DTypePolicy", "duck"])
def test_layers_take_dtype_policy_objects(name, make):
    """A dtype policy object (``keras.DTypePolicy("float64")``, or any object whose ``name`` is a
    policy's) gives a layer Keras's weight dtype (mixed_float16: float32 weights); glassnet refused
    it ("dtype must be one of float16, float32, float64"), though it read the policy's dict form."""
    from types import SimpleNamespace

    policy = {"DTypePolicy": keras.DTypePolicy, "dtype_policies.DTypePolicy": keras.dtype_policies.DTypePolicy,
              "duck": lambda name: SimpleNamespace(name=name)}[make](name)
    layer = glassnet.layers.Dense(2, dtype=policy)
    model = glassnet.models.Sequential([glassnet.layers.Input(shape=(3,)), layer])
    assert layer.dtype == model.dtype == keras.layers.Dense(2, dtype=keras.DTypePolicy(name)).dtype
    assert model.predict(np.ones((2, 3))).dtype == np.dtype(layer.dtype)


@pytest.mark.parametrize("policy", [keras.DTypePolicy("int32"), keras.DTypePolicy("bfloat16"), object()])
def test_layers_refuse_other_dtype_objects(policy):
    with pytest.raises(ValueError, match="dtype must be one of float16, float32, float64"):
        glassnet.layers.Dense(2, dtype=policy)


def _ema_fit(lib, optimizer, swap_on_epoch, data):
    X, y, Xv, yv = data
    extra = {"dtype": "float64"} if lib is glassnet else {}
    model = lib.models.Sequential([lib.layers.Input(shape=(3,)), lib.layers.Dense(4, activation="tanh"),
                                   lib.layers.Dense(2)], **extra)
    rng = np.random.default_rng(2)
    model.set_weights([rng.normal(size=shape) for shape in [(3, 4), (4,), (4, 2), (2,)]])
    name, options = optimizer
    model.compile(optimizer=getattr(lib.optimizers, name)(use_ema=True, **options), loss="mse")
    seen = []

    class Seen(lib.callbacks.Callback):  # what a checkpoint after SwapEMAWeights saves
        def on_epoch_end(self, epoch, logs=None):
            seen.append(np.concatenate([np.ravel(w) for w in self.model.get_weights()]))

    history = model.fit(X, y, epochs=3, batch_size=4, shuffle=False, verbose=0, validation_data=(Xv, yv),
                        callbacks=[lib.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch), Seen()])
    evaluated = model.evaluate(Xv, yv, verbose=0, callbacks=[lib.callbacks.SwapEMAWeights()])
    final = np.concatenate([np.ravel(w) for w in model.get_weights()])
    return np.array(history.history["val_loss"]), np.array(seen), final, float(np.ravel(evaluated)[0])


# constants exact in binary: Keras's and glassnet's float64 steps then agree to rounding
EMA_OPTIMIZERS = st.sampled_from([
    ("SGD", {"learning_rate": 0.125, "ema_momentum": 0.5}),
    ("SGD", {"learning_rate": 0.125, "momentum": 0.5, "ema_momentum": 0.75, "ema_overwrite_frequency": 2}),
    ("Adam", {"learning_rate": 0.0625, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 0.125, "ema_momentum": 0.75}),
    ("Adam", {"learning_rate": 0.0625, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 0.125, "ema_momentum": 0.625,
              "ema_overwrite_frequency": 3})])


@settings(max_examples=EXAMPLES if os.environ.get("HUNT") else 2, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(optimizer=EMA_OPTIMIZERS)
@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_swap_ema_weights_is_keras(keras_float64, optimizer, swap_on_epoch):
    """SwapEMAWeights on a float64 model: fit's val_loss, the weights a callback after it sees at
    each epoch's end (a checkpoint's), the weights after fit and evaluate's loss with it are
    Keras's (swap_on_epoch either way, ema_overwrite_frequency None or n). In a fresh process they
    agree to 1e-15; after a float32 Keras fit in the same process (an earlier test), Keras's float64
    fit keeps some float32 arithmetic (~4e-7), hence 1e-6: a weight swapped at the wrong time
    differs by ~1e-2."""
    keras_float64[0].config.set_floatx("float64")  # (reset after each test by conftest)
    rng = np.random.default_rng(0)
    data = rng.normal(size=(12, 3)), rng.normal(size=(12, 2)), rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    ours, theirs = _ema_fit(glassnet, optimizer, swap_on_epoch, data), _ema_fit(keras, optimizer, swap_on_epoch, data)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def _shape_of_lines(text):
    """The printed lines with each number written as its form: timings as N (``Ns``, ``T/step``),
    values as d.dddd or d.dddde-dd, so that two runs compare by structure and formatting only."""
    text = re.sub(r"(?<= - )\d+(\.\d+)?s(?= - |$)", lambda m: re.sub(r"\d+", "N", m.group()), text, flags=re.M)
    text = re.sub(r"\d+(ms|us|s)/step", "T/step", text)  # (the unit follows the speed: s, ms or us as both write it)
    return re.sub(r"(?<=: )-?\d+\.\d+(e[+-]\d+)?", lambda m: re.sub(r"\d", "d", m.group().lstrip("-")), text)


@settings(max_examples=EXAMPLES if os.environ.get("HUNT") else 2, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(epochs=st.integers(1, 3), n=st.integers(3, 9), batch_size=st.integers(1, 4), validate=st.booleans(),
       metrics=st.sampled_from([[], ["mae"], ["mae", "mse"]]))
def test_verbose_2_lines_are_keras(epochs, n, batch_size, validate, metrics):
    """fit(verbose=2), then evaluate(verbose=2) and predict(verbose=2), print Keras's lines:
    ``Epoch i/n``, ``k/k - 0s - 12ms/step - loss: ... - val_loss: ...`` (timings masked; glassnet
    wrote the elapsed time as ``0.0s`` where Keras writes whole seconds, ``0s``)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n, 3)), rng.normal(size=(n, 2))
    printed = []
    for lib in (glassnet, keras):
        model = lib.models.Sequential([lib.layers.Input(shape=(3,)), lib.layers.Dense(2)])
        model.compile(optimizer=lib.optimizers.SGD(0.01), loss="mse", metrics=metrics)
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=2,
                      validation_data=(X, y) if validate else None)
            model.evaluate(X, y, verbose=2)
            model.predict(X, verbose=2)
        printed.append(_shape_of_lines(text.getvalue()))
    assert printed[0] == printed[1]


def _keras_bar_value(value):
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        keras.utils.Progbar(1, verbose=1).update(1, values=[("loss", value)], finalize=True)
    return re.search(r"loss: (\S+)", text.getvalue()).group(1)


@SETTINGS
@given(value=st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                       st.sampled_from([1e-7, -1e-7, 1e-3, -1e-3, 0.0010001, 12345.678, float("nan"), float("inf"),
                                        float("-inf"), 0.0, -0.0, 1e30])))
def test_logged_values_are_written_as_keras_writes_them(value):
    """A logged value is written as Keras's progress bar writes it: 4 decimals above 1e-3 in size,
    else 4 significant digits in scientific notation (nan, inf as Python writes them). Keras's
    verbose=2 branch compares ``avg > 1e-3`` without the abs of its verbose=1 branch, writing
    -0.5 as -5.0000e-01 there: glassnet writes both as the bar does (pinned below)."""
    from glassnet.models.progress import format_value

    assert format_value(value) == _keras_bar_value(value)


def test_negative_values_are_written_as_keras_bar_writes_them_in_both_verboses():
    from glassnet.models.progress import format_value

    assert format_value(-0.5) == "-0.5000" == _keras_bar_value(-0.5)
