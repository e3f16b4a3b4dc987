"""Property-based checks of the backprop trace (SPEC A10) on drawn float64 models and data.

Each drawn case is a small Sequential model (Dense with every kind of activation, Dropout,
normalization, Rescaling, Flatten, activation layers, weight/activity penalties, constraints,
frozen layers; inputs of 2 or 3 axes), a loss (with from_logits and every reduction), a batch
of 1..4 examples with or without sample weights, and an optimizer warmed by 0..2 steps.
The references are independent of the trace: central differences of J, the model's own
``gradients`` and ``train_on_batch``. (A hunt of 5,000 such cases ran while writing these;
here a fixed, derandomized sample keeps the file fast.)
"""

import copy
import json
import math
import re
import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings, strategies as st  # noqa: E402

from glassnet import activations, constraints, losses, optimizers, regularizers  # noqa: E402
from glassnet import layers as L  # noqa: E402
from glassnet.models import Sequential  # noqa: E402
from glassnet.trace import trace  # noqa: E402

SMOOTH = ["sigmoid", "tanh", "linear", "softplus", "gelu", "silu", "mish", "elu", "selu", "softsign", "log_sigmoid",
          "celu", "squareplus", "tanh_shrink", "exponential"]
KINKED = ["relu", "leaky_relu", "relu6", "hard_sigmoid", "hard_tanh", "hard_silu", "soft_shrink", "sparse_plus"]
ACTIVATIONS = SMOOTH + KINKED + ["softmax", "log_softmax", "sparsemax"]

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(learning_rate=0.05),
    "nesterov": lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(learning_rate=0.01),
    "adamw": lambda: optimizers.AdamW(learning_rate=0.01, weight_decay=0.05),
    "rmsprop_clipnorm": lambda: optimizers.RMSprop(learning_rate=0.01, clipnorm=0.5),
    "adagrad": lambda: optimizers.Adagrad(learning_rate=0.05),
    "nadam": lambda: optimizers.Nadam(learning_rate=0.01),
    "lion": lambda: optimizers.Lion(learning_rate=0.01),
    "ftrl": lambda: optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=1e-3),
    "adafactor": lambda: optimizers.Adafactor(learning_rate=0.05),
    "sgd_clipvalue": lambda: optimizers.SGD(learning_rate=0.05, clipvalue=0.01),
    "adam_ema": lambda: optimizers.Adam(learning_rate=0.01, use_ema=True, ema_overwrite_frequency=2),
    "adam_accumulating": lambda: optimizers.Adam(learning_rate=0.01, gradient_accumulation_steps=2),
}

# loss (name, or name@logits for from_logits=True) -> (targets, output activations it takes)
LOSSES = {
    "mse": ("real", ACTIVATIONS), "huber": ("real", ACTIVATIONS), "log_cosh": ("real", ACTIVATIONS),
    "mae": ("real", SMOOTH), "sum_squared_error": ("real", ACTIVATIONS), "cosine_similarity": ("real", SMOOTH),
    "msle": ("positive", ["softplus", "sigmoid", "exponential"]), "poisson": ("positive", ["softplus", "exponential"]),
    "binary_crossentropy": ("binary", ["sigmoid"]), "binary_crossentropy@logits": ("binary", ["linear", "tanh"]),
    "binary_focal_crossentropy@logits": ("binary", ["linear"]),
    "categorical_crossentropy": ("one_hot", ["softmax"]), "categorical_crossentropy@logits": ("one_hot", ["linear"]),
    "categorical_focal_crossentropy": ("one_hot", ["softmax"]),
    "sparse_categorical_crossentropy": ("label", ["softmax"]),
    "sparse_categorical_crossentropy@logits": ("label", ["linear"]),
    "kl_divergence": ("probabilities", ["softmax"]), "categorical_hinge": ("one_hot", ["linear", "tanh"]),
    "hinge": ("plus_minus_one", ["linear", "tanh"]), "nll": ("label", ["log_softmax"]),
}

settings.register_profile("trace", deadline=None, derandomize=True, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _hidden_layer(draw, width):
    """One hidden layer as (class name, keyword arguments), and the width after it."""
    kind = draw(st.sampled_from(["dense", "dense", "dropout", "batchnorm", "layernorm", "groupnorm", "rescaling",
                                 "flatten", "activation", "keras_activation", "activity", "noise", "other"]))
    if kind == "dense":
        units = draw(st.integers(1, 4))
        return ("Dense", dict(
            units=units, activation=draw(st.sampled_from(ACTIVATIONS)),
            use_bias=draw(st.sampled_from([True, True, False])),
            kernel_regularizer=draw(st.sampled_from([None, regularizers.L1(0.01), regularizers.L1L2(0.01, 0.02)])),
            bias_regularizer=draw(st.sampled_from([None, regularizers.L2(0.03)])),
            activity_regularizer=draw(st.sampled_from([None, None, regularizers.L2(0.01)])),
            kernel_constraint=draw(st.sampled_from([None, None, constraints.MaxNorm(0.5), constraints.NonNeg()])),
            trainable=draw(st.sampled_from([True, True, True, False])))), units
    layer = {
        "dropout": ("Dropout", dict(rate=draw(st.sampled_from([0.0, 0.25, 0.5])), seed=draw(st.integers(0, 9)))),
        "batchnorm": ("BatchNormalization", dict(momentum=0.9, center=draw(st.booleans()), scale=draw(st.booleans()),
                                                 gamma_regularizer=draw(st.sampled_from([None, regularizers.L2(0.01)])))),
        "layernorm": ("LayerNormalization", dict(center=draw(st.booleans()), scale=draw(st.booleans()))),
        "groupnorm": ("GroupNormalization", dict(groups=draw(st.sampled_from([g for g in (1, 2, 3) if width % g == 0])))),
        "rescaling": ("Rescaling", dict(scale=draw(st.sampled_from([0.5, -2.0])), offset=draw(st.sampled_from([0.0, 0.1])))),
        "flatten": ("Flatten", {}),
        "activation": ("Activation", dict(activation=draw(st.sampled_from(SMOOTH + KINKED + ["softmax"])))),
        "keras_activation": draw(st.sampled_from([("ReLU", dict(max_value=2.0, negative_slope=0.1)),
                                                  ("LeakyReLU", dict(negative_slope=0.2)), ("ELU", dict(alpha=0.5)),
                                                  ("Softmax", {})])),
        "activity": ("ActivityRegularization", dict(l1=0.01, l2=0.02)),
        "noise": draw(st.sampled_from([("GaussianNoise", dict(stddev=0.1, seed=3)),
                                       ("GaussianDropout", dict(rate=0.3, seed=4)),
                                       ("AlphaDropout", dict(rate=0.3, seed=5))])),
        "other": draw(st.sampled_from([("UnitNormalization", {}), ("RMSNormalization", {}), ("Identity", {}),
                                       ("PReLU", dict(alpha_initializer="random_uniform"))])),
    }[kind]
    return layer, width


@st.composite
def cases(draw):
    """A drawn model (as layer specifications), loss, optimizer and batch."""
    features, n = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    steps = draw(st.sampled_from([None, None, 2, 3]))  # inputs (n, steps, features): Dense per position
    loss = draw(st.sampled_from(sorted(LOSSES)))
    target, outputs = LOSSES[loss]
    width, hidden = features, []
    for _ in range(draw(st.integers(0, 3))):
        layer, width = _hidden_layer(draw, width)
        hidden.append(layer)
    flat = steps is not None and draw(st.booleans())  # else one output per position
    if flat:
        hidden.insert(draw(st.integers(0, len(hidden))), ("Flatten", {}))
    K = draw(st.integers(2, 3)) if target in ("one_hot", "label", "probabilities") or draw(st.booleans()) else 1
    activation = draw(st.sampled_from(outputs))
    head = ("Dense", dict(units=K, activation=activation,
                          kernel_regularizer=draw(st.sampled_from([None, regularizers.L2(0.01)]))))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rows = (n,) if steps is None or flat else (n, steps)
    X = rng.normal(size=(n, features) if steps is None else (n, steps, features)) * draw(st.sampled_from([0.5, 2.0]))
    y = {
        "real": lambda: np.asarray(activations.get(activation).forward(1.5 * rng.normal(size=(*rows, K)))),
        "positive": lambda: rng.uniform(0.1, 2.0, (*rows, K)),
        "binary": lambda: rng.integers(0, 2, (*rows, K)).astype(float),
        "one_hot": lambda: np.eye(K)[rng.integers(0, K, rows)],
        "probabilities": lambda: rng.dirichlet(np.ones(K), rows),
        "label": lambda: rng.integers(0, K, rows),
        "plus_minus_one": lambda: rng.choice([-1.0, 1.0], (*rows, K)),
    }[target]()
    sample_weight = rng.uniform(0.1, 2.0, n) if draw(st.booleans()) else None
    if sample_weight is not None and n > 1 and draw(st.booleans()):
        sample_weight[0] = 0.0
    return dict(
        input_shape=(features,) if steps is None else (steps, features), layers=[*hidden, head], loss=loss,
        reduction=draw(st.sampled_from(["sum_over_batch_size", "sum", "mean_with_sample_weight"])),
        optimizer=draw(st.sampled_from(sorted(OPTIMIZERS))), seed=draw(st.integers(0, 99)),
        warm=draw(st.integers(0, 2)), X=X, y=y, sample_weight=sample_weight,
    )


def build(case):
    """The case's model, compiled, built, and trained ``case["warm"]`` steps on its batch
    (an optimizer state that is not zero). None when glassnet refuses the combination."""
    layers = []
    for i, (name, kwargs) in enumerate(case["layers"]):
        kwargs = {k: v for k, v in copy.deepcopy(kwargs).items() if v is not None}
        if name == "Dense":
            kwargs.update(kernel_initializer="glorot_normal")
            if kwargs.get("use_bias", True):
                kwargs.update(bias_initializer="random_normal")
        if i == 0:
            kwargs["input_shape"] = case["input_shape"]
        layers.append(getattr(L, name)(**kwargs))
    model = Sequential(layers, dtype="float64", seed=case["seed"])
    name, _, logits = case["loss"].partition("@")
    options = {"from_logits": True} if logits else {}
    if case["reduction"] != "sum_over_batch_size":
        options["reduction"] = case["reduction"]
    try:
        model.compile(optimizer=OPTIMIZERS[case["optimizer"]](),
                      loss=type(losses.get(name))(**options) if options else name)
        model.build()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(case["warm"]):
                model.train_on_batch(case["X"], case["y"], sample_weight=case["sample_weight"])
            model._prepare_xy(case["X"], case["y"], case["sample_weight"], what="trace")
    except ValueError:  # targets out of the output's range and such: fit refuses them too
        return None
    return model


def everything(model):
    """What a step can change: weights (with batch-norm moving statistics), the optimizer's
    state, scalars and iteration count, and each layer's random generator."""
    iterations, state = model.optimizer.get_state()
    return dict(
        weights=model.get_weights(), iterations=(iterations, int(model.optimizer.iterations)),
        state={k: np.array(v, copy=True) for k, v in state.items()},
        scalars=repr(model.optimizer.get_scalars()),
        rngs=[copy.deepcopy(layer.rng.bit_generator.state) if isinstance(getattr(layer, "rng", None),
                                                                           np.random.Generator) else None
              for layer in model.layers],
    )


def assert_same(a, b, rtol=0.0):
    for x, y in zip(a["weights"], b["weights"], strict=True):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * 1e-2)
    assert a["iterations"] == b["iterations"] and a["scalars"] == b["scalars"] and a["rngs"] == b["rngs"]
    if a["state"] and b["state"]:  # (an optimizer not yet built is built, with zeros, as fit builds it)
        assert a["state"].keys() == b["state"].keys()
        for k in a["state"]:
            np.testing.assert_allclose(a["state"][k], b["state"][k], rtol=rtol, atol=rtol * 1e-2, err_msg=k)


@settings(settings.get_profile("trace"), max_examples=300)
@given(cases())
def test_apply_false_changes_nothing_and_apply_true_is_one_train_on_batch(case):
    model, twin = build(case), build(case)
    assume(model is not None)
    X, y, w = case["X"], case["y"], case["sample_weight"]
    before = everything(model)
    step = trace(model, X, y, sample_weight=w)
    assert_same(before, everything(model))
    # the tables and the plain data do not fail on any drawn model, and name every layer
    text, markdown = str(step), step.to_markdown()
    json.dumps(step.to_dict())
    for layer in model.layers:
        assert layer.name in text and layer.name in markdown
    # the trace's ∂J/∂θ are the model's own gradients (a frozen layer's too: what it would receive)
    own = iter(model.gradients(X, y, sample_weight=w))
    for layer, traced in zip(model.layers, step.layers, strict=True):
        for key in layer.weight_names:
            expected = next(own)
            if key in traced.grads:
                np.testing.assert_allclose(traced.grads[key], expected, rtol=1e-10, atol=1e-13)
    assert_same(before, everything(model))
    # apply=True makes the step one train_on_batch makes (which, non-finite, makes none)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = twin.train_on_batch(X, y, sample_weight=w)
    applied = trace(model, X, y, sample_weight=w, apply=True)
    assert applied.finite == math.isfinite(loss)
    if applied.finite:
        assert applied.loss == pytest.approx(loss, rel=1e-10, abs=1e-12)
    assert_same(everything(model), everything(twin), rtol=1e-12)
    # and each Δθ it shows is what the weights moved
    moved = iter(new - old for new, old in zip(model.get_weights(), before["weights"], strict=True))
    for layer, traced in zip(model.layers, applied.layers, strict=True):
        for key in layer.weight_names:
            change = next(moved)
            if key in traced.updates:
                np.testing.assert_allclose(traced.updates[key], change, rtol=1e-9, atol=1e-13)


def _differences(J, shape, h=1e-6):
    """Central differences of ``J(E)`` at ``E = 0``; NaN where the one-sided ones disagree, or
    the central ones of steps h and h/10 (a kink of relu, |x|, a hinge, or one within h, as
    cosine similarity's at |ŷ| = √ε: no derivative to compare with)."""
    J0, out = J(np.zeros(shape)), np.zeros(shape)
    for idx in np.ndindex(*shape):
        E = np.zeros(shape)
        E[idx] = h
        up, down = J(E), J(-E)
        forward, backward, central = (up - J0) / h, (J0 - down) / h, (up - down) / (2 * h)
        smooth = abs(forward - backward) <= 1e-5 + 1e-4 * abs(forward)
        fine = (J(E / 10) - J(-E / 10)) / (h / 5) if smooth else np.nan
        out[idx] = central if smooth and abs(fine - central) <= 1e-6 + 1e-3 * abs(central) else np.nan
    return out


def _assert_differences(got, expected, what, J):
    """``got`` equals the differences where J is smooth, to their rounding (J's size over h)."""
    smooth = ~np.isnan(expected)
    np.testing.assert_allclose(np.asarray(got)[smooth], expected[smooth], rtol=1e-5, atol=1e-7 * (1 + abs(J)),
                               err_msg=what)


@settings(settings.get_profile("trace"), max_examples=200)
@given(cases())
def test_gradients_and_deltas_are_finite_differences_of_the_batch_loss(case):
    model = build(case)
    assume(model is not None)
    X, Y, w = model._prepare_xy(case["X"], case["y"], case["sample_weight"], what="trace")
    step = trace(model, case["X"], case["y"], sample_weight=case["sample_weight"])
    assume(step.finite)
    rngs = everything(model)["rngs"]

    def J(at=None, E=0.0, where="output"):
        """J of a training pass (the same dropout and noise draws as the trace's), with ``E`` added to
        layer ``at``'s z (``where="z"``), its output before (``"output"``) or after (``"after"``) its
        activity penalty reads it, or to x (``at=-1``)."""
        for layer, state in zip(model.layers, rngs):
            if state is not None:
                layer.rng.bit_generator.state = copy.deepcopy(state)
        A = X + E if at == -1 else X
        for i, layer in enumerate(model.layers):
            if i == at and where == "z" and isinstance(layer, L.Dense):
                A = layer.activation.forward(A @ layer.params["W"] + layer.params.get("b", 0.0) + E)
            else:
                A = layer.forward(A + E if i == at and where == "z" else A, training=True)
                A = A + E if i == at and where == "output" else A
            if layer.activity_regularizer is not None:
                layer.keep_activity(A)
            A = A + E if i == at and where == "after" else A
        return float(model.compute_loss(y=Y, y_pred=A, sample_weight=w))

    assert J() == pytest.approx(step.loss, rel=1e-10, abs=1e-12)
    # ∂J/∂θ, weight penalties included
    for layer, traced in zip(model.layers, step.layers, strict=True):
        for key in traced.params:
            theta = layer.params[key]

            def moved(E, theta=theta):
                theta += E
                try:
                    return J()
                finally:
                    theta -= E

            _assert_differences(traced.grads[key], _differences(moved, theta.shape), traced.symbol(key),
                                step.loss)
    # δ = ∂J/∂z, ∂J/∂a^(l+1) arriving at a layer, and ∂J/∂a^(l) a pass-through layer sends back
    for i, traced in enumerate(step.layers):
        if traced.delta is not None:
            _assert_differences(traced.delta, _differences(lambda E: J(i, E, "z"), traced.delta.shape),
                                f"δ^({i + 2})", step.loss)
        if traced.dJ_da is not None and traced.kind != "ActivityRegularization":  # (its row: from above only)
            _assert_differences(traced.dJ_da, _differences(lambda E: J(i, E), traced.dJ_da.shape), f"∂J/∂a^({i + 2})",
                                step.loss)
        if traced.dJ_da_in is not None:
            _assert_differences(traced.dJ_da_in, _differences(lambda E: J(i - 1, E, "after"), traced.dJ_da_in.shape),
                                f"∂J/∂a^({i + 1})", step.loss)


def _model(built=True, compiled=True, loss="mse", units=1):
    model = Sequential([L.Dense(units, input_dim=2)], dtype="float64")
    if compiled:
        model.compile("sgd", loss)
    if built:
        model.build()
    return model


X2, Y2 = np.ones((3, 2)), np.ones((3, 1))


@pytest.mark.parametrize("call, error, message", [
    (lambda: trace(None, X2, Y2), TypeError, "model must be a glassnet Sequential model"),
    (lambda: trace(_model(compiled=False), X2, Y2), ValueError, "needs a compiled model"),
    (lambda: trace(_model(built=False, compiled=False), X2, Y2), ValueError, "needs a compiled model"),
    (lambda: trace(_model(), np.ones((3, 3)), Y2), ValueError, "x: the model expected 2 features, got 3"),
    (lambda: trace(_model(), np.ones((3, 2, 1)), Y2), ValueError, "x must be a 2-D array"),
    (lambda: trace(_model(), 1.0, Y2), ValueError, "x must be a 2-D array"),
    (lambda: trace(_model(), np.ones((0, 2)), np.ones((0, 1))), ValueError, "x is empty"),
    (lambda: trace(_model(), np.array([["a", "b"]]), [[1.0]]), TypeError, "x must contain numbers"),
    (lambda: trace(_model(), 1j * X2, Y2), ValueError, "x holds complex numbers"),
    (lambda: trace(_model(), np.full((3, 2), np.nan), Y2), ValueError, "x contains NaN"),
    (lambda: trace(_model(), X2, np.ones((2, 1))), ValueError, "x has 3, y has 2"),
    (lambda: trace(_model(), X2, np.ones((3, 4))), ValueError, "y must have shape (n_samples, 1)"),
    (lambda: trace(_model(), X2, np.array([["a"]] * 3)), TypeError, "y must contain numbers"),
    (lambda: trace(_model(), X2, None), TypeError, "y must be an array-like of numbers. Received: y=None"),
    (lambda: trace(_model(), X2, np.full((3, 1), np.inf)), ValueError, "y contains"),
    (lambda: trace(_model(units=3, loss="sparse_categorical_crossentropy"), X2, [0, 1, 5]), ValueError,
     "y must hold integer class labels in [0, 2]"),
    (lambda: trace(_model(), X2, Y2, sample_weight=np.ones(2)), ValueError, "sample_weight must have one weight per"),
    (lambda: trace(_model(), X2, Y2, sample_weight=np.ones((3, 2))), ValueError, "sample_weight must be a 1-D array"),
    (lambda: trace(_model(), X2, Y2, sample_weight=2.0), ValueError, "sample_weight must be a 1-D array"),
    (lambda: trace(_model(), X2, Y2, sample_weight=np.array(["a"] * 3)), TypeError, "sample_weight must contain"),
    # (-np.ones(3) is taken now, as Keras's signed weights: tests/test_negative_weights_s55.py traces it)
    (lambda: trace(_model(), X2, Y2, sample_weight=np.full(3, np.inf)), ValueError, "sample_weight contains inf"),
    (lambda: trace(_model(), X2, Y2, sample_weight=np.full(3, np.nan)), ValueError, "sample_weight contains NaN"),
    (lambda: trace(_model(), X2, Y2, sample_weight={0: 1.0}), TypeError, "sample_weight must be an array-like"),
    (lambda: trace(_model(), X2, Y2, apply=1), TypeError, "apply must be True or False"),
    (lambda: trace(_model(), np.ones(3), 1.0), ValueError, "x: the model expected 2 features, got 3"),
])
def test_bad_input_is_refused_naming_the_argument(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


@settings(settings.get_profile("trace"), max_examples=100)
@given(n=st.integers(1, 4), rows=st.integers(0, 5), columns=st.integers(1, 3), weights=st.integers(0, 5),
       weight_axes=st.integers(1, 2))
def test_drawn_shapes_that_do_not_fit_are_refused_and_change_nothing(n, rows, columns, weights, weight_axes):
    assume(rows != n or columns != 1 or weights != n or (weight_axes == 2 and n > 1))  # ((1, 1) weights: Keras's (n, 1))
    model = _model()
    before = everything(model)
    with pytest.raises(ValueError, match=r"\by\b|sample_weight"):
        trace(model, np.ones((n, 2)), np.ones((rows, columns)),
              sample_weight=np.ones((weights,) * weight_axes), apply=True)
    assert_same(before, everything(model))
