"""Property tests of ``compile(jit_compile=True)``: a drawn model and fit, trained twice from the
same seed, once with NumPy's code and once with glassnet.kernels' compiled loops, end with the
same weights, optimizer state, history and predictions, bit for bit (kernels' promise).

The draws cover both sides of :data:`glassnet.kernels.MIN_ACTIVATIONS` (batch × units from 32×32
to 256×256), the activations the loops take (``"relu"``, ``activations.ReLU()``) and those they
leave to NumPy (a ReLU layer, leaky and general ReLUs, tanh, sigmoid), dropout of every rate and
with ``noise_shape``, float16 (which the loops do not take), the optimizers with compiled rules
(SGD, Adam, AdamW) and their settings and wrappers, short last batches, weights, validation, frozen
layers, regularizers and constraints, samples of several axes, ``jit_compile="auto"``, a second fit,
``trace(..., apply=True)``, ``train_on_batch``, a saved and loaded model fitted on, and a custom
loop's ``apply_gradients`` with ``optimizer.jit_compile`` set.

``HUNT=n`` in the environment runs n examples per property instead of the CI's few."""

import os
import warnings

import numpy as np
import pytest

from glassnet import activations, kernels, optimizers
from glassnet.layers import BatchNormalization, Dense, Dropout, ReLU, SpectralNormalization
from glassnet.models import Sequential, load_model

pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

if not kernels.available():  # (numba missing, or failing to import)
    pytest.skip("jit_compile=True needs numba, which is not installed here (pip install glassnet[jit])",
                allow_module_level=True)

HUNT = int(os.environ.get("HUNT", "0"))
N_IN = 6


def _settings(examples):
    return settings(max_examples=HUNT or examples, derandomize=not HUNT, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# ---------------------------------------------------------------- drawn setups

HIDDEN = ["relu", "relu_object", "relu_layer", "relu_no_bias", "leaky", "general", "tanh", "sigmoid", "spectral",
          "batchnorm"]
OUTPUTS = ["softmax", "sparse_softmax", "sigmoid", "linear", "relu"]
RATES = [0.0, 0.1, 0.5, 0.99]


@st.composite
def hidden_layers(draw):
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        layer = {
            "kind": draw(st.sampled_from(HIDDEN)),
            "units": draw(st.sampled_from([32, 64, 128, 256])),
            "dropout": draw(st.none() | st.sampled_from(RATES)),
            "noise_shape": draw(st.booleans()) and draw(st.booleans()),
            "regularizer": draw(st.booleans()) and draw(st.booleans()),
            "constraint": draw(st.booleans()) and draw(st.booleans()),
            "frozen": draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
        }
        layers.append(layer)
    return layers


@st.composite
def optimizer_setups(draw):
    setup = {"rule": draw(st.sampled_from(["sgd", "momentum", "nesterov", "adam", "amsgrad", "adamw"])),
             "clip": draw(st.sampled_from([None, None, "clipnorm", "clipvalue", "global_clipnorm"])),
             "accumulate": draw(st.sampled_from([None, None, None, 2, 3])),
             "ema": draw(st.sampled_from([False, False, True])),
             "schedule": draw(st.booleans()),
             "wrapper": draw(st.sampled_from([None, None, "loss_scale", "multi"]))}
    return setup


@st.composite
def setups(draw):
    output = draw(st.sampled_from(OUTPUTS))
    batch = draw(st.sampled_from([32, 64, 128, 256]))
    setup = {
        "dtype": draw(st.sampled_from(["float32", "float32", "float64", "float16"])),
        "hidden": draw(hidden_layers()),
        "output": output,
        "optimizer": draw(optimizer_setups()),
        "batch": batch,
        # a short last batch, often
        "n": batch * draw(st.integers(1, 3)) + draw(st.sampled_from([0, 1, batch // 2 + 3])),
        "epochs": draw(st.integers(1, 2)),
        "weights": draw(st.sampled_from([None, None, "sample", "class"] if "softmax" in output
                                        else [None, None, "sample"])),
        "validation_split": draw(st.sampled_from([0.0, 0.0, 0.2])),
        "shuffle": draw(st.booleans()),
        "refit": draw(st.booleans()),
        "reload": draw(st.booleans()) and draw(st.booleans()),
        "auto": draw(st.booleans()),
        "sequence": draw(st.booleans()) and draw(st.booleans()),  # samples of shape (3, N_IN)
        "all_compiled": draw(st.booleans()) and draw(st.booleans()),  # MIN_ACTIVATIONS = 0
        "trace": draw(st.booleans()),
        "frozen_output": draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
        "train_on_batch": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
    }
    return setup


def _hidden(spec, seed, first, sequence):
    kind, units = spec["kind"], spec["units"]
    kwargs = {"input_shape": (3, N_IN) if sequence else (N_IN,)} if first else {}
    if spec["regularizer"]:
        kwargs["kernel_regularizer"] = "l2"
    if spec["constraint"]:
        kwargs["kernel_constraint"] = "max_norm"
    activation = {"relu": "relu", "relu_object": activations.ReLU(), "relu_no_bias": "relu", "leaky": "leaky_relu",
                  "general": activations.GeneralReLU(negative_slope=0.1, max_value=6.0), "tanh": "tanh",
                  "sigmoid": "sigmoid"}.get(kind)
    if kind in ("spectral", "batchnorm"):
        activation = "relu"
    layers = [Dense(units, activation, use_bias=kind != "relu_no_bias", **kwargs)]
    if kind == "relu_layer":
        layers.append(ReLU())
    if kind == "spectral":
        shape = {key: kwargs.pop(key) for key in ("input_shape",) if key in kwargs}
        layers = [SpectralNormalization(Dense(units, "relu", **kwargs), **shape)]
    if kind == "batchnorm":
        layers.append(BatchNormalization())
    if spec["frozen"]:
        layers[0].trainable = False
    if spec["dropout"] is not None:
        noise_shape = (None, 1, None)[: 2 + sequence] if spec["noise_shape"] else None  # a draw per sample
        layers.append(Dropout(spec["dropout"], noise_shape=noise_shape, seed=seed))
    return layers


OUTPUT_LAYERS = {"softmax": (4, "softmax", "categorical_crossentropy"),
                 "sparse_softmax": (4, "softmax", "sparse_categorical_crossentropy"),
                 "sigmoid": (1, "sigmoid", "binary_crossentropy"),
                 "linear": (2, None, "mean_squared_error"),
                 "relu": (2, "relu", "mean_squared_error")}


def _model(setup):
    layers = []
    for i, spec in enumerate(setup["hidden"]):
        layers += _hidden(spec, setup["seed"] + i, not layers, setup["sequence"])
    units, activation, _ = OUTPUT_LAYERS[setup["output"]]
    layers.append(Dense(units, activation, trainable=not setup["frozen_output"]))
    return Sequential(layers, seed=setup["seed"], dtype=setup["dtype"], name="drawn")


def _rule(setup):
    rule = setup["rule"]
    lr = 0.01 if rule.startswith("adam") else 0.05
    learning_rate = optimizers.schedules.ExponentialDecay(lr, 3, 0.7) if setup["schedule"] else lr
    kwargs = {"learning_rate": learning_rate, "use_ema": setup["ema"],
              "gradient_accumulation_steps": setup["accumulate"]}
    if setup["clip"]:
        kwargs[setup["clip"]] = {"clipnorm": 0.5, "clipvalue": 0.05, "global_clipnorm": 1.0}[setup["clip"]]
    if rule in ("sgd", "momentum", "nesterov"):
        return optimizers.SGD(momentum=0.0 if rule == "sgd" else 0.9, nesterov=rule == "nesterov", **kwargs)
    if rule == "adamw":
        return optimizers.AdamW(weight_decay=0.05, **kwargs)
    return optimizers.Adam(amsgrad=rule == "amsgrad", **kwargs)


def _optimizer(setup):
    inner = _rule(setup["optimizer"])
    wrapper = setup["optimizer"]["wrapper"]
    if wrapper == "loss_scale":
        return optimizers.LossScaleOptimizer(inner, initial_scale=2.0**8)
    if wrapper == "multi":
        if inner.use_ema:  # (a sub-optimizer's moving average is refused: the model's is the MultiOptimizer's)
            inner.use_ema = False
        biases = optimizers.SGD(0.05, momentum=0.9)
        return optimizers.MultiOptimizer(optimizers.OptimizerMap(inner, {".*/bias": biases}))
    return inner


def _data(setup):
    rng = np.random.default_rng(setup["seed"])
    n = setup["n"]
    X = rng.normal(size=(n, 3, N_IN) if setup["sequence"] else (n, N_IN)).astype(setup["dtype"])
    first = X[:, 0] if setup["sequence"] else X  # a sequence's labels are its first step's
    labels = (first[:, 0] > 0).astype(int) + (first[:, 1] > 0.5) + (first[:, 2] > 1)
    output = setup["output"]
    if output == "softmax":
        y = np.eye(4, dtype=setup["dtype"])[labels]
    elif output == "sparse_softmax":
        y = labels
    elif output == "sigmoid":
        y = (labels > 0).astype(setup["dtype"])[:, None]
    else:
        y = np.stack([first[:, 0] * first[:, 1], first[:, 2] - first[:, 3]], axis=1).astype(setup["dtype"])
        if output == "relu":
            y = abs(y)
    if setup["sequence"]:  # one target per step
        y = np.repeat(y[:, None], 3, axis=1)
    fit = {"batch_size": setup["batch"], "epochs": setup["epochs"], "verbose": 0, "shuffle": setup["shuffle"],
           "validation_split": setup["validation_split"]}
    if setup["weights"] == "sample":
        fit["sample_weight"] = rng.uniform(0.2, 2.0, size=n).astype(setup["dtype"])
    elif setup["weights"] == "class" and not setup["sequence"]:
        fit["class_weight"] = {0: 1.0, 1: 2.0, 2: 0.5, 3: 3.0}
    return X, y, fit


def _state(model):
    """Everything a fit leaves behind that the two ways must agree on (copies)."""
    optimizer = model.optimizer
    steps, slots = optimizer.get_state()
    found = {"weights": [w.copy() for w in model.get_weights()], "steps": steps, "slots": slots,
             "scalars": optimizer.get_scalars(), "history": dict(model.history.history) if model.history else {}}
    for i, inner in enumerate(getattr(optimizer, "_inner_optimizers", ())):
        found[f"inner{i}"] = inner.get_state()
    return found


def _assert_same(jit, plain, where):
    assert jit.keys() == plain.keys(), where
    for key in plain:
        _assert_equal(jit[key], plain[key], f"{where}: {key}")


def _assert_equal(a, b, where):
    if isinstance(b, dict):
        assert sorted(a) == sorted(b), where
        for k in b:
            _assert_equal(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(b, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_equal(x, y, f"{where}[{i}]")
    elif b is None or isinstance(b, (str, bool)):
        assert a == b, f"{where}: {a!r:.300} != {b!r:.300}"
    else:
        np.testing.assert_array_equal(a, b, err_msg=where, strict=True)


def _run(setup, jit, tmp_path):
    """Train the drawn setup (``jit``: True, "auto" or False) and return what it left at each stage."""
    X, y, fit = _data(setup)
    model = _model(setup)
    _, _, loss = OUTPUT_LAYERS[setup["output"]]
    model.compile(optimizer=_optimizer(setup), loss=loss, jit_compile=jit,
                  metrics=["accuracy"] if "softmax" in setup["output"] else ["mae"])
    stages = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a loss that diverges, a frozen model: the same warnings both ways)
        model.fit(X, y, **fit)
        stages.append(_state(model))
        if setup["trace"] and setup["optimizer"]["wrapper"] != "multi":  # (trace refuses a MultiOptimizer)
            shown = model.trace(X[: setup["batch"]], y[: setup["batch"]], apply=True).to_dict()
            # as text: Python writes each float exactly (to_dict's nested lists, compared number by number, took minutes)
            stages.append({"trace": repr({key: value for key, value in shown.items() if key != "model"})})
            stages.append(_state(model))
        if setup["train_on_batch"]:
            stages.append({"batch": model.train_on_batch(X[-setup["batch"]:], y[-setup["batch"]:], return_dict=True)})
            stages.append(_state(model))
        if setup["refit"]:
            model.fit(X[::-1].copy(), y[::-1].copy(), **{**fit, "epochs": 1})
            stages.append(_state(model))
        stages.append({"predictions": model.predict(X, verbose=0)})
        if setup["reload"]:
            path = tmp_path / f"{'jit' if jit else 'numpy'}.gn"
            model.save(path)
            model = load_model(path)
            assert model.jit_compile is bool(jit)
            model.fit(X, y, **{**fit, "epochs": 1})
            stages.append(_state(model))
            stages.append({"predictions": model.predict(X, verbose=0)})
    return stages


@pytest.fixture
def kernel_calls(monkeypatch):
    """The names of the compiled loops that training asked for."""
    used = []
    real_get = kernels.get
    monkeypatch.setattr(kernels, "get", lambda name: used.append(name) or real_get(name))
    return used


@_settings(16)
@given(setup=setups())
def test_jit_compile_trains_bit_for_bit_as_numpy(setup, tmp_path_factory, kernel_calls):
    tmp_path = tmp_path_factory.mktemp("jit")
    kernel_calls.clear()
    least = kernels.MIN_ACTIVATIONS
    kernels.MIN_ACTIVATIONS = 0 if setup["all_compiled"] else least
    try:
        plain = _run(setup, False, tmp_path)
        assert kernel_calls == []
        jit = _run(setup, "auto" if setup["auto"] else True, tmp_path)
    finally:
        kernels.MIN_ACTIVATIONS = least
    for name in sorted(set(kernel_calls)):
        event(f"kernel {name}")
    if setup["dtype"] == "float16":
        assert kernel_calls == []  # the loops take float32 and float64 only
    assert len(jit) == len(plain)
    for i, (a, b) in enumerate(zip(jit, plain)):
        _assert_same(a, b, f"stage {i}")


def test_the_loops_are_ready_here():
    """They load from the module built ahead of time, or numba compiles them, and say which."""
    kernels.require()
    described = kernels.describe()
    assert described.startswith(("ahead of time: ", "numba's JIT in this process")), described


@_settings(12)
@given(setup=setups())
def test_a_custom_loop_with_jit_compile_steps_as_numpy(setup, kernel_calls):
    """``optimizer.jit_compile = True`` in a loop of ``model.gradients`` and ``apply_gradients``."""
    setup = {**setup, "optimizer": {**setup["optimizer"], "wrapper": None}}  # (the wrappers step in fit only)
    X, y, _ = _data(setup)
    kernel_calls.clear()
    found = []
    for jit in (False, True):
        model = _model(setup)
        model.compile(loss=OUTPUT_LAYERS[setup["output"]][2])
        optimizer = _rule(setup["optimizer"])
        optimizer.jit_compile = jit
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for start in range(0, setup["n"], setup["batch"]):
                part = slice(start, start + setup["batch"])
                grads = model.gradients(X[part], y[part], trainable_only=True, update_state=True)
                if grads:
                    optimizer.apply_gradients(zip(grads, model.trainable_weights))
        found.append({"weights": model.get_weights(), "state": optimizer.get_state()})
    for name in sorted(set(kernel_calls)):
        event(f"kernel {name}")
    if setup["dtype"] == "float16":
        assert kernel_calls == []
    _assert_same(found[1], found[0], "custom loop")
