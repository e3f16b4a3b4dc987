"""``model.summary()``'s "Optimizer params" line and "Total params" after ``fit``, compared with
Keras 3.15's (JAX) for every optimizer, both wrappers (LossScaleOptimizer, MultiOptimizer) and the
options that add variables (``use_ema``, ``gradient_accumulation_steps``, a schedule), with frozen
layers, a frozen nested model, BatchNormalization and float16 / float64 weights: the count and the
bytes. ``HUNT=1`` draws many more models."""

import contextlib
import io
import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet

keras = pytest.importorskip("keras", reason="the comparison needs Keras")
# (Keras's float64 variables are float32 arrays in JAX without x64, each with a warning; their dtype, which
# the summary counts, is float64)
pytestmark = pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64")

EXAMPLES = 300 if os.environ.get("HUNT") else 4
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _optimizer(lib, spec):
    """The optimizer ``(name, options)`` names in ``lib``: a LossScaleOptimizer's ``inner`` and a
    MultiOptimizer's ``default`` and ``map`` ({path pattern: spec}) are specs too; ``learning_rate``
    "schedule" is an ExponentialDecay, "callable" a function of nothing."""
    name, options = spec
    options = dict(options)
    if name == "LossScaleOptimizer":
        return lib.optimizers.LossScaleOptimizer(_optimizer(lib, options.pop("inner")), **options)
    if name == "MultiOptimizer":
        chosen = {pattern: _optimizer(lib, sub) for pattern, sub in options.pop("map").items()}
        return lib.optimizers.MultiOptimizer(lib.optimizers.OptimizerMap(_optimizer(lib, options.pop("default")), chosen))
    rate = options.get("learning_rate")
    if rate == "schedule":
        options["learning_rate"] = lib.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
    elif rate == "callable":
        options["learning_rate"] = lambda: 0.01
    excluded = options.pop("exclude", None)
    optimizer = getattr(lib.optimizers, name)(**options)
    if excluded:
        optimizer.exclude_from_weight_decay(var_names=excluded)
    return optimizer


def _layer(lib, kind, i, dtype):
    extra = {"dtype": dtype} if dtype else {}
    if kind == "Dense":
        return lib.layers.Dense(3 + i, name=f"l{i}", **extra)
    if kind == "Dropout":
        return lib.layers.Dropout(0.2, name=f"l{i}", **extra)
    return getattr(lib.layers, kind)(name=f"l{i}", **extra)


def _model(lib, spec, kinds=("Dense", "BatchNormalization", "Dense"), frozen=(), nested=0, dtype=None):
    """A Sequential of ``kinds`` then Dense(2), the layers at ``frozen`` frozen, the first ``nested``
    in a frozen nested Sequential; compiled with ``spec`` and with its optimizer built: glassnet's by
    one ``fit`` step, Keras's by ``optimizer.build(model.trainable_variables)``, which is what its fit
    does first (the variables are made there; its first step would compile the JAX function, seconds)."""
    layers = [_layer(lib, kind, i, dtype) for i, kind in enumerate(kinds)]
    layers.append(lib.layers.Dense(2, name="out", **({"dtype": dtype} if dtype else {})))
    for i in frozen:
        layers[i].trainable = False
    if nested:
        inner = lib.models.Sequential(layers[:nested], name="inner")
        inner.trainable = False
        layers = [inner, *layers[nested:]]
    model = lib.models.Sequential([lib.layers.Input(shape=(4,)), *layers], name="m")
    model.compile(optimizer=_optimizer(lib, spec), loss="mse")
    if lib is keras:
        model.optimizer.build(model.trainable_variables)
    else:
        rng = np.random.default_rng(0)
        model.fit(rng.normal(size=(4, 4)), rng.normal(size=(4, 2)), epochs=1, batch_size=4, verbose=0)
    return model


def _totals(text):
    """``{line: (count, bytes as written)}`` of a summary's totals."""
    return {name: (int(count.replace(",", "")), size) for name, count, size in
            re.findall(r"^ (Total|Trainable|Non-trainable|Optimizer) params: ([\d,]+) \(([^)]*)\)", text, re.M)}


def _same_totals(spec, **options):
    ours = _model(glassnet, spec, **options)
    theirs = _model(keras, spec, **options)
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        theirs.summary()
    lines = []
    ours.summary(print_fn=lines.append)
    expected = _totals(text.getvalue())
    assert "Optimizer" in expected
    assert _totals("\n".join(lines)) == expected


MULTI = ("MultiOptimizer", {"default": ("Adam", {}), "map": {"m/out/.*": ("SGD", {"momentum": 0.9}),
                                                             "m/nothing": ("Nadam", {})}})
CASES = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("Adam", {}), ("Adam", {"amsgrad": True}),
    ("AdamW", {"exclude": ["bias"]}), ("Adamax", {}), ("Nadam", {}), ("Adagrad", {}), ("Adadelta", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}), ("Ftrl", {}), ("Lion", {}), ("Lamb", {}),
    ("ScheduleFreeAdamW", {}), ("Muon", {}), ("Muon", {"exclude_layers": ["l0"]}), ("Adafactor", {}),
    ("Adam", {"use_ema": True, "gradient_accumulation_steps": 2}), ("Adafactor", {"use_ema": True}),
    ("Adam", {"learning_rate": "schedule"}), ("SGD", {"learning_rate": "callable", "momentum": 0.5}),
    ("LossScaleOptimizer", {"inner": ("Adam", {})}), ("LossScaleOptimizer", {"inner": ("Nadam", {})}),
    ("LossScaleOptimizer", {"inner": ("Adafactor", {})}),
    MULTI, ("LossScaleOptimizer", {"inner": MULTI}),
]


def _id(spec):
    """A case's name in the test ids: "LossScaleOptimizer(Adam)", "Adam(use_ema,gradient_accumulation_steps)"."""
    name, options = spec
    inner = [_id(value) if key in ("inner", "default") else key for key, value in options.items() if key != "map"]
    return f"{name}({','.join(inner)})"


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")
@pytest.mark.parametrize("spec", CASES, ids=_id)
@pytest.mark.parametrize("frozen", [(), (0,)], ids=["trained", "frozen"])
def test_optimizer_params_are_keras(spec, frozen):
    """The count and the bytes of Keras's ``optimizer.variables``: a frozen layer has no state, nor a
    MultiOptimizer's sub-optimizer for it (only its step count and rate); Adafactor keeps row and column
    means of a matrix (two int32 placeholders for a vector) besides a velocity of each; Muon's matrices
    no velocity; Nadam a scalar Π_t more; a wrapper adds its own step count and rate (LossScaleOptimizer
    its step counter and scale too, and leaves its inner optimizer's plain variables, Π_t and the
    placeholders, untracked); a schedule or callable learning rate is no variable. glassnet counted its
    own state: Adafactor 34 where Keras has 71, Muon 84 for 57, a frozen layer's state in a
    MultiOptimizer, no wrapper's variables, a learning rate always."""
    _same_totals(spec, frozen=frozen)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
@pytest.mark.parametrize("spec", [("Adam", {}), ("Nadam", {}), ("Adafactor", {}),
                                  ("LossScaleOptimizer", {"inner": ("SGD", {"momentum": 0.9})})], ids=_id)
def test_optimizer_bytes_are_keras_for_float16_and_float64_weights(spec, dtype):
    """Keras's slots have their variable's dtype (2 bytes for float16 weights, whose state glassnet keeps
    in float32; glassnet wrote 4), its step count int32, its rate floatx (float32) and its scale float32;
    the weights' own lines too."""
    _same_totals(spec, dtype=dtype)


def test_frozen_nested_model_has_no_optimizer_state():
    _same_totals(MULTI, nested=2)
    _same_totals(("Adafactor", {}), nested=2)


@pytest.mark.parametrize("spec", [("Nadam", {}), ("Adam", {}), MULTI], ids=_id)
def test_every_layer_frozen(spec):
    """Keras builds the optimizer on no variable: its step count and rate, and Nadam's Π_t (in floatx;
    glassnet left it out)."""
    _same_totals(spec, kinds=("Dense",), frozen=(0, 1))


KINDS = st.sampled_from(["Dense", "BatchNormalization", "LayerNormalization", "Dropout"])
RULES = st.sampled_from([spec for spec in CASES if spec[0] not in ("LossScaleOptimizer", "MultiOptimizer")])
OPTIONS = st.fixed_dictionaries({}, optional={"use_ema": st.just(True), "gradient_accumulation_steps": st.just(2),
                                              "learning_rate": st.sampled_from(["schedule", 0.01])})


@st.composite
def _specs(draw):
    """A rule with drawn options, alone or wrapped in a LossScaleOptimizer, a MultiOptimizer or both
    (whose sub-optimizers glassnet keeps without a moving average)."""
    name, options = draw(RULES)
    rule = (name, {**options, **draw(OPTIONS)})
    wrapper = draw(st.sampled_from(["none", "loss scale", "multi", "both"]))
    if wrapper in ("multi", "both"):
        rule[1].pop("use_ema", None)
        pattern = draw(st.sampled_from(["m/out/.*", "m/l0/.*", ".*/kernel"]))
        rule = ("MultiOptimizer", {"default": (draw(RULES)[0], {}), "map": {pattern: rule}})
    if wrapper in ("loss scale", "both"):
        rule = ("LossScaleOptimizer", {"inner": rule})
    return rule


@pytest.mark.filterwarnings("ignore:The OptimizerMap key")
@SETTINGS
@given(spec=_specs(), kinds=st.lists(KINDS, min_size=1, max_size=3), frozen=st.sets(st.integers(0, 3)),
       nested=st.integers(0, 2), dtype=st.sampled_from([None, "float16", "float64"]))
def test_drawn_optimizer_params_are_keras(spec, kinds, frozen, nested, dtype):
    """Drawn optimizers, options, wrappers and models: the totals and the optimizer's line are Keras's."""
    _same_totals(spec, kinds=tuple(kinds), frozen=tuple(i for i in frozen if i <= len(kinds)),
                 nested=min(nested, len(kinds)), dtype=dtype)


def test_summary_calls_print_fn_once_with_the_whole_table_as_keras(tmp_path):
    # Keras 3.15's print_summary captures the table and calls print_fn(text) once, with a new line at its end:
    # summary(print_fn=f.write) writes a file of lines. glassnet called print_fn once per line, without its end,
    # and the file was one line ('Model: "net"──────...Layer (type)   Output Shape ...').
    written = {}
    for lib in (glassnet, keras):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3)], name="net")
        calls = []
        model.summary(print_fn=lambda *args, **kwargs: calls.append((args, kwargs)))
        [(args, kwargs)] = calls
        assert len(args) == 1 and kwargs == {} and args[0].endswith("\n")
        path = tmp_path / f"{lib.__name__}.txt"
        with open(path, "w") as f:
            model.summary(print_fn=f.write)
        written[lib.__name__] = path.read_text()
        assert written[lib.__name__] == args[0]
    ours, theirs = (written[name].splitlines() for name in ("glassnet", "keras"))
    assert ours[0] == theirs[0] == 'Model: "net"' and len(ours) == 9
    assert ours[-3:] == [line.rstrip() for line in theirs[-3:]] == [
        " Total params: 15 (60.00 B)", " Trainable params: 15 (60.00 B)", " Non-trainable params: 0 (0.00 B)"]


def test_summary_without_print_fn_prints_its_lines(capsys):
    model = glassnet.Sequential([glassnet.Input((4,)), glassnet.layers.Dense(3)], name="net")
    model.summary()
    out = capsys.readouterr().out
    assert out.startswith('Model: "net"\n') and out.endswith(" Non-trainable params: 0 (0.00 B)\n")
