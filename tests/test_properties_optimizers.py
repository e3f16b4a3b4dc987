"""Property test: every optimizer, its options and the learning-rate schedules, step by step against
Keras 3.15 in float64.

One drawn case (an optimizer with its rule's options and the base ones: weight decay, a clipping, the
moving average, gradient accumulation, a schedule, maybe a LossScaleOptimizer around it; variables of
drawn shapes; a drawn sequence of gradients, zeros, tiny 1e-30 and huge 1e30 ones, and under loss scaling
an infinite or NaN one) is stepped by both libraries on the same float64 variables: glassnet through
``apply_gradients(zip(grads, arrays))`` (its flat ``apply(w, g)`` where a LossScaleOptimizer or Muon's
variable paths need it), Keras through ``apply_gradients`` on ``keras.Variable``; the variables, the
steps counted and the optimizer's state (moments, accumulators, the moving average) must agree to 1e-12
after every step. The schedules are compared at drawn steps (0, boundaries, huge steps), configs both
ways, and bad options must be refused by name.

CI draws a fixed few (``derandomize``); ``GLASSNET_OPT_EXAMPLES=2000`` draws more, at random, to hunt.
Left out where glassnet differs from Keras on purpose (docs/api.md): Nadam inside a LossScaleOptimizer
(Keras 3.15 on JAX leaves its momentum product at 1), a non-finite gradient in the list form (glassnet
refuses it, Keras makes the weights NaN), more than 63 steps (glassnet clears tiny moments every 64).
"""

import copy
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from glassnet import optimizers, schedules

EXAMPLES = int(os.environ.get("GLASSNET_OPT_EXAMPLES", 0))
HUNT = EXAMPLES > 0


def hypothesis_settings(ci_examples):
    return settings(max_examples=EXAMPLES or ci_examples, deadline=None, derandomize=not HUNT, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


#: variable shapes: vectors (biases), matrices 1×k, k×1, wide, tall, and an array of 3 axes; CI keeps few
#: (JAX compiles Keras's step once per shape)
SHAPES = [(3,), (1,), (1, 4), (4, 1), (2, 5), (5, 2), (3, 4), (2, 2, 3)] if HUNT else [(3,), (2, 3), (3, 1)]

positive = st.floats(1e-4, 1.0)
#: a β: 0, the usual ones, or any in [0.01, 0.999] (1e-10 left 1 − β at 1 − ulp, which the ε division below magnified)
unit = st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.999]), st.floats(0.01, 0.999))


@st.composite
def schedule_specs(draw, big=False):
    """(class name, keyword arguments) of one of Keras's schedules."""
    name = draw(st.sampled_from(["ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
                                 "CosineDecay", "CosineDecayRestarts"]))
    lr = draw(st.floats(1e-3, 1.0))
    steps = draw(st.integers(1, 1000 if big else 6))
    if name in ("ExponentialDecay", "InverseTimeDecay"):
        return name, dict(initial_learning_rate=lr, decay_steps=steps, decay_rate=draw(st.floats(0.05, 2.0)),
                          staircase=draw(st.booleans()))
    if name == "PiecewiseConstantDecay":
        boundaries = sorted(set(draw(st.lists(st.integers(0, 1000 if big else 8), min_size=1, max_size=4))))
        return name, dict(boundaries=boundaries, values=draw(st.lists(st.floats(1e-3, 1.0), min_size=len(boundaries) + 1,
                                                                     max_size=len(boundaries) + 1)))
    if name == "PolynomialDecay":
        return name, dict(initial_learning_rate=lr, decay_steps=steps, end_learning_rate=draw(st.floats(0.0, 1e-2)),
                          power=draw(st.floats(0.1, 3.0)), cycle=draw(st.booleans()))
    if name == "CosineDecay":
        warm = draw(st.booleans())
        return name, dict(initial_learning_rate=lr, decay_steps=steps, alpha=draw(st.floats(0.0, 1.0)),
                          **(dict(warmup_target=draw(st.floats(1e-3, 1.0)), warmup_steps=draw(st.integers(0, steps)))
                             if warm else {}))
    return name, dict(initial_learning_rate=lr, first_decay_steps=steps, t_mul=draw(st.sampled_from([1.0, 1.5, 2.0, 3.0])),
                      m_mul=draw(st.floats(0.1, 1.0)), alpha=draw(st.floats(0.0, 1.0)))


def rule_options(draw, name):
    """The rule's own options of optimizer ``name``, drawn."""
    if name == "SGD":
        return dict(momentum=draw(st.sampled_from([0.0, draw(unit)])), nesterov=draw(st.booleans()))
    if name in ("Adam", "AdamW"):
        return dict(beta_1=draw(unit), beta_2=draw(unit), epsilon=draw(st.sampled_from([1e-7, 1e-12, 1.0])),
                    amsgrad=draw(st.booleans()))
    if name in ("Adamax", "Nadam", "Lamb"):
        return dict(beta_1=draw(unit), beta_2=draw(unit), epsilon=draw(st.sampled_from([1e-7, 1e-12])))
    if name == "RMSprop":
        return dict(rho=draw(unit), momentum=draw(st.sampled_from([0.0, draw(unit)])),
                    epsilon=draw(st.sampled_from([1e-7, 1e-3])), centered=draw(st.booleans()))
    if name == "Adagrad":
        return dict(initial_accumulator_value=draw(st.sampled_from([0.1, 0.0, 1.0])), epsilon=1e-7)
    if name == "Adadelta":
        return dict(rho=draw(unit), epsilon=draw(st.sampled_from([1e-7, 1e-3])))
    if name == "Lion":
        return dict(beta_1=draw(st.floats(0.01, 0.999)), beta_2=draw(unit))
    if name == "Ftrl":
        return dict(learning_rate_power=draw(st.sampled_from([-0.5, -1.0, 0.0, -0.2])),
                    initial_accumulator_value=draw(st.sampled_from([0.1, 1.0, 0.0])),
                    l1_regularization_strength=draw(st.sampled_from([0.0, 0.01, 0.5])),
                    l2_regularization_strength=draw(st.sampled_from([0.0, 0.01, 0.5])),
                    l2_shrinkage_regularization_strength=draw(st.sampled_from([0.0, 0.01, 0.5])),
                    beta=draw(st.sampled_from([0.0, 0.5])))
    if name == "Adafactor":
        return dict(beta_2_decay=draw(st.sampled_from([-0.8, -0.5, -1.0])), epsilon_1=draw(st.sampled_from([1e-30, 1e-3])),
                    epsilon_2=draw(st.sampled_from([1e-3, 0.0, 0.5])), clip_threshold=draw(st.sampled_from([1.0, 0.1, 10.0])),
                    relative_step=draw(st.booleans()))
    if name == "Muon":
        return dict(adam_beta_1=draw(unit), adam_beta_2=draw(unit), adam_weight_decay=draw(st.sampled_from([0.004, 0.0, 0.1])),
                    exclude_embeddings=draw(st.booleans()), exclude_layers=draw(st.sampled_from([None, ["bias"], ["k1$"]])),
                    adam_lr_ratio=draw(st.sampled_from([1, 0.5])), momentum=draw(unit), ns_steps=draw(st.integers(0, 6)),
                    nesterov=draw(st.booleans()), rms_rate=draw(st.sampled_from([0.2, None, 1.0])))
    if name == "ScheduleFreeAdamW":
        return dict(beta_1=draw(st.floats(0.05, 0.999)), beta_2=draw(unit), warmup_steps=draw(st.integers(0, 4)))
    return {}


RULES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion", "Ftrl", "Adafactor",
         "Lamb", "Muon", "ScheduleFreeAdamW"]


@st.composite
def cases(draw):
    name = draw(st.sampled_from(RULES))
    options = rule_options(draw, name)
    if draw(st.booleans()):
        options["learning_rate"] = draw(schedule_specs())
    else:
        options["learning_rate"] = draw(st.sampled_from([1e-3, 0.1, 1.0, draw(positive)]))
    if name == "Ftrl" and isinstance(options["learning_rate"], tuple):  # FTRL divides by the rate: none reaching 0
        options["learning_rate"] = 0.05
    if draw(st.booleans()):
        options["weight_decay"] = draw(st.sampled_from([0.0, 0.01, 0.5]))
    clip = draw(st.sampled_from([None, "clipnorm", "clipvalue", "global_clipnorm"]))
    if clip:
        options[clip] = draw(st.sampled_from([1e-3, 0.5, 10.0]))
    if draw(st.booleans()):
        options.update(use_ema=True, ema_momentum=draw(st.sampled_from([0.0, 0.5, 0.99, 1.0])),
                       ema_overwrite_frequency=draw(st.sampled_from([None, 1, 2, 3])))
    if draw(st.booleans()):
        options["gradient_accumulation_steps"] = draw(st.integers(2, 4))
    loss_scale = None
    if name != "Nadam" and draw(st.integers(0, 3)) == 0:  # Nadam: see the module's docstring
        loss_scale = dict(initial_scale=draw(st.sampled_from([1.0, 2.0**15, 0.5])),
                          dynamic_growth_steps=draw(st.integers(1, 4)))
    shapes = draw(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=3))
    names = [draw(st.sampled_from(["kernel", "bias", "embedding", "k1"])) + f"_{i}" for i in range(len(shapes))]
    n = draw(st.integers(1, 20 if HUNT else 6))
    kinds = ["normal", "normal", "zero", "tiny", "huge"] + (["inf", "nan"] if loss_scale else [])
    steps = draw(st.lists(st.sampled_from(kinds), min_size=n, max_size=n))
    # Keras's m + (1 − β)(g − m) with β = 0 after a gradient of 1e30 is 1e30 + (g − 1e30) = 0, where glassnet's
    # βm + (1 − β)g is g: rounding, not the rule (Adam's second step was ±η apart)
    assume("huge" not in steps or all(options.get(key, 1) > 1e-15 for key in
                                       ("beta_1", "beta_2", "adam_beta_1", "adam_beta_2")))
    # with β₂ = 0 a zero gradient makes v = 0 and the step m/ε: each rounding of m grows 1e7-fold
    assume("zero" not in steps or all(options.get(key, 1) > 0 for key in ("beta_2", "adam_beta_2", "rho")))
    # centered RMSprop with ρ = 0 takes v − ḡ² = g² − g², 0 up to rounding, under sqrt(· + ε): rounding ×1e7 again
    assume(not options.get("centered") or options["rho"] > 0)
    return dict(name=name, options=options, loss_scale=loss_scale, shapes=shapes, names=names, steps=steps,
                seed=draw(st.integers(0, 2**16)))


def make(module, name, options, loss_scale):
    options = dict(options)
    if isinstance(options["learning_rate"], tuple):
        schedule, arguments = options["learning_rate"]
        options["learning_rate"] = getattr(module.schedules, schedule)(**arguments)
    optimizer = getattr(module, name)(**options)
    return optimizer if loss_scale is None else module.LossScaleOptimizer(optimizer, **loss_scale)


def gradients(case):
    rng = np.random.default_rng(case["seed"])
    scale = dict(normal=1.0, zero=0.0, tiny=1e-30, huge=1e30, inf=1.0, nan=1.0)
    for kind in case["steps"]:
        grads = [rng.normal(size=shape) * scale[kind] for shape in case["shapes"]]
        if kind in ("inf", "nan"):
            grads[rng.integers(len(grads))].flat[0] = math.inf if kind == "inf" else math.nan
        yield grads


#: glassnet's state vector -> Keras's list of slot variables (one per variable), per rule
SLOTS = {"momentum": "momentums", "m": "_momentums", "v": "_velocities", "v_hat": "_velocity_hats",
         "velocity": "_velocities", "average_gradient": "_average_gradients", "accumulator": "_accumulators",
         "accumulated_grad": "_accumulated_grads", "accumulated_delta_var": "_accumulated_delta_vars",
         "linear": "_linears", "average": "_model_variables_moving_average",
         "gradient_accumulator": "_accumulated_gradients"}
RULE_SLOTS = {"SGD": {"momentum": "momentums"}, "RMSprop": {"momentum": "_momentums"},
              "Adamax": {"m": "_m", "u": "_u"}, "Nadam": {"momentum": "_momentums"}, "Lion": {"momentum": "_momentums"},
              "ScheduleFreeAdamW": {"z": "_momentums", "v": "_velocities"}}


def close(got, want, what):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    both_nan = np.isnan(got) & np.isnan(want)
    scale = np.nanmax(np.abs(np.where(np.isfinite(want), want, 0)), initial=1.0)
    np.testing.assert_allclose(np.where(both_nan, 0, got), np.where(both_nan, 0, want), rtol=1e-12, atol=1e-12 * scale,
                               err_msg=what)


def compare_state(case, ours, theirs, keras_variables):
    inner, keras_inner = getattr(ours, "inner_optimizer", ours), getattr(theirs, "inner_optimizer", theirs)
    if case["name"] in ("Adafactor", "Muon"):  # their state is per variable: the weights say enough
        names = [n for n in ("average", "gradient_accumulator") if n in inner.state]
    else:
        names = list(inner.state)
    for name in names:
        attribute = {**SLOTS, **RULE_SLOTS.get(case["name"], {})}.get(name)
        slots = getattr(keras_inner, attribute)
        for i, (part, slot) in enumerate(zip(inner.slices, slots, strict=True)):
            ours_slot = inner.state[name][part]
            if name == "z" and np.isnan(ours_slot).all():  # ScheduleFreeAdamW's z: the weights at the first update
                continue  # (Keras's: at build; the same where no update came between, docs/api.md)
            close(ours_slot.reshape(keras_variables[i].shape), slot.value, f"state {name}[{i}]")


def check(keras, case, through_configs=False):
    """Step both libraries' optimizers of ``case`` and compare after every step; ``through_configs``:
    glassnet's made from Keras's ``serialize`` and Keras's from glassnet's."""
    grads_list = list(gradients(case))
    if os.environ.get("GLASSNET_OPT_TALLY"):  # (a hunt's count of the cases drawn, per optimizer)
        with open(os.environ["GLASSNET_OPT_TALLY"], "a") as tally:
            tally.write(f"{case['name']} {'lso' if case['loss_scale'] else '-'} {len(case['steps'])} "
                        f"{' '.join(sorted(k for k in case['options'] if k != 'learning_rate'))}\n")
    rng = np.random.default_rng(case["seed"] + 1)
    start = [rng.normal(size=shape) for shape in case["shapes"]]
    theirs = make(keras.optimizers, case["name"], case["options"], case["loss_scale"])
    ours = make(optimizers, case["name"], case["options"], case["loss_scale"])
    if through_configs:
        made_ours, made_theirs = ours, theirs
        ours, theirs = (optimizers.deserialize(keras.optimizers.serialize(made_theirs)),
                        keras.optimizers.deserialize(copy.deepcopy(optimizers.serialize(made_ours))))  # (Keras edits it)
        shared(ours.get_config(), made_theirs.get_config())
        shared(made_ours.get_config(), theirs.get_config())
    variables = [keras.Variable(w, dtype="float64", name=n) for w, n in zip(start, case["names"])]
    arrays = [w.copy() for w in start]
    flat = case["loss_scale"] is not None or case["name"] == "Muon"
    if flat:  # the flat form: a LossScaleOptimizer refuses the list form, and Muon reads the variables' paths
        sizes = [w.size for w in start]
        ends = np.cumsum([0] + sizes)
        slices = [slice(a, b) for a, b in zip(ends, ends[1:])]
        ours.build(int(ends[-1]), np.float64, slices, case["shapes"], case["names"])
    if case["loss_scale"] is not None:
        theirs.build(variables)
    for step, grads in enumerate(grads_list):
        keras_grads = [keras.ops.convert_to_tensor(g) for g in grads]
        if case["loss_scale"] is None:
            theirs.apply_gradients(zip(keras_grads, variables))
        else:  # stateless: the stateful apply's cond with assignments fails eagerly under JAX
            trainable, state = theirs.stateless_apply([v.value for v in theirs.variables], keras_grads,
                                                      [v.value for v in variables])
            for v, value in zip([*theirs.variables, *variables], [*state, *trainable], strict=True):
                v.assign(value)
        if flat:
            w = np.concatenate([a.ravel() for a in arrays])
            ours.apply(w, np.concatenate([g.ravel() for g in grads]))
            for a, part in zip(arrays, slices):
                a[...] = w[part].reshape(a.shape)
        else:
            ours.apply_gradients(zip(grads, arrays))
        for i, (a, v) in enumerate(zip(arrays, variables)):
            close(a, v.value, f"step {step} variable {i}")
        assert ours.iterations == int(theirs.iterations), f"step {step} iterations"
        if case["loss_scale"] is not None:
            assert ours.dynamic_scale == float(theirs.dynamic_scale.value), f"step {step} scale"
            assert ours.step_counter == int(theirs.step_counter.value), f"step {step} step counter"
        compare_state(case, ours, theirs, variables)


def shared(ours, theirs):
    """glassnet's config has Keras's keys and values, but the ones it leaves out at their defaults (the
    name, the moving average's and accumulation's settings, ``loss_scale_factor``: docs/api.md); the
    learning rate to Keras's float32 rounding where Keras's variable is float32."""
    left_out = {"name", "use_ema", "ema_momentum", "ema_overwrite_frequency", "gradient_accumulation_steps",
                "loss_scale_factor"}
    assert set(theirs) - set(ours) <= left_out and set(ours) <= set(theirs), (sorted(ours), sorted(theirs))
    for key, value in ours.items():
        if key in ("inner_optimizer", "learning_rate") and isinstance(value, dict):
            assert value["class_name"] == theirs[key]["class_name"], key
            shared(value["config"], theirs[key]["config"]) if key == "inner_optimizer" else None
        elif key == "learning_rate":
            assert value == pytest.approx(theirs[key], rel=1e-7), key
        else:
            assert value == theirs[key] or (key == "exclude_layers" and not value and not theirs[key]), key


@hypothesis_settings(ci_examples=12)
@given(case=cases())
def test_steps_equal_keras_s_for_a_random_optimizer(keras64, case):
    check(keras64, case)


@hypothesis_settings(ci_examples=4)
@given(case=cases())
def test_each_library_s_config_makes_the_other_s_optimizer_with_the_same_steps(keras64, case):
    check(keras64, case, through_configs=True)


def test_keras_reads_glassnet_s_config_of_a_wrapper(keras64):
    # glassnet's serialize wrote a nested optimizer without Keras's "module": keras.optimizers.deserialize of a
    # LossScaleOptimizer's or MultiOptimizer's config raised "could not be deserialized properly"
    keras = keras64
    for ours in (optimizers.LossScaleOptimizer(optimizers.Adam(0.01, amsgrad=True), dynamic_growth_steps=5),
                 optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(0.05, momentum=0.9),
                                                                   {".*kernel": optimizers.Adam(0.01)}), name="mine")):
        theirs = keras.optimizers.deserialize(copy.deepcopy(optimizers.serialize(ours)))
        assert type(theirs).__name__ == type(ours).__name__
        again = optimizers.deserialize(keras.optimizers.serialize(theirs))
        inner = getattr(again, "inner_optimizer", None) or again.optimizer_map[".*kernel"]
        assert type(again) is type(ours) and type(inner) is optimizers.Adam and inner.learning_rate == 0.01


@st.composite
def schedule_steps(draw):
    name, arguments = draw(schedule_specs(big=True))
    marks = [0, *arguments.get("boundaries", []), arguments.get("decay_steps", 1), arguments.get("first_decay_steps", 1),
             arguments.get("warmup_steps", 0)]
    near = [m + d for m in marks for d in (-1, 0, 1) if m + d >= 0]
    steps = draw(st.lists(st.one_of(st.sampled_from(near), st.integers(0, 10**4), st.sampled_from([10**6, 2**31 - 1])),
                          min_size=1, max_size=8))
    return name, arguments, steps


@hypothesis_settings(ci_examples=30)
@given(spec=schedule_steps())
def test_every_schedule_equals_keras_s_at_drawn_steps(keras64, spec):
    keras, (name, arguments, steps) = keras64, spec
    ours, theirs = getattr(optimizers.schedules, name)(**arguments), getattr(keras.optimizers.schedules, name)(**arguments)
    for step in steps:
        want = float(theirs(keras.ops.convert_to_tensor(step, dtype="float64")))
        close(ours(step), want, f"{name}({arguments}) at step {step}")
    # its config is Keras's, and either library's config makes the same schedule in the other
    assert ours.get_config() == {k: v for k, v in theirs.get_config().items() if k != "name" or v is not None} or \
        set(ours.get_config()) <= set(theirs.get_config())
    again = optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    back = keras.optimizers.schedules.deserialize(optimizers.schedules.serialize(ours))
    for step in steps:
        close(again(step), ours(step), "glassnet from Keras's config")
        close(float(back(keras.ops.convert_to_tensor(step, dtype="float64"))), ours(step), "Keras from glassnet's config")


#: (the argument the message must name, a call with a bad value of it), each refused by a ValueError or TypeError
BAD_OPTIONS = [
    ("learning_rate", lambda: optimizers.Adam(learning_rate=-0.1)),
    ("learning_rate", lambda: optimizers.SGD(learning_rate=float("nan"))),
    ("learning_rate", lambda: optimizers.SGD(learning_rate="0.1")),
    ("learning_rate", lambda: optimizers.SGD(learning_rate=[0.1])),
    ("beta_1", lambda: optimizers.Adam(beta_1=1.0)),
    ("beta_1", lambda: optimizers.Adam(beta_1=-0.1)),
    ("beta_2", lambda: optimizers.Adamax(beta_2=1.5)),
    ("beta_2", lambda: optimizers.Nadam(beta_2=1.0)),
    ("beta_1", lambda: optimizers.Lamb(beta_1=1.0)),
    ("beta_1", lambda: optimizers.Lion(beta_1=0.0)),
    ("beta_2", lambda: optimizers.Lion(beta_2=1.5)),
    ("beta_1", lambda: optimizers.ScheduleFreeAdamW(beta_1=1.0)),
    ("rho", lambda: optimizers.RMSprop(rho=1.5)),
    ("rho", lambda: optimizers.Adadelta(rho=-1)),
    ("momentum", lambda: optimizers.SGD(momentum=-0.5)),
    ("momentum", lambda: optimizers.SGD(momentum=1.5)),
    ("epsilon", lambda: optimizers.Adam(epsilon=-1e-7)),
    ("clipnorm", lambda: optimizers.SGD(clipnorm=0)),
    ("clipnorm", lambda: optimizers.SGD(clipnorm=-1.0)),
    ("clipvalue", lambda: optimizers.SGD(clipvalue=0.0)),
    ("global_clipnorm", lambda: optimizers.SGD(global_clipnorm=-2)),
    ("clipnorm", lambda: optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)),
    ("gradient_accumulation_steps", lambda: optimizers.SGD(gradient_accumulation_steps=0)),
    ("gradient_accumulation_steps", lambda: optimizers.SGD(gradient_accumulation_steps=1)),
    ("gradient_accumulation_steps", lambda: optimizers.SGD(gradient_accumulation_steps=2.5)),
    ("gradient_accumulation_steps", lambda: optimizers.SGD(gradient_accumulation_steps=-3)),
    ("ema_momentum", lambda: optimizers.SGD(use_ema=True, ema_momentum=1.5)),
    ("ema_momentum", lambda: optimizers.SGD(use_ema=True, ema_momentum=-0.1)),
    ("ema_overwrite_frequency", lambda: optimizers.SGD(use_ema=True, ema_overwrite_frequency=0)),
    ("ema_overwrite_frequency", lambda: optimizers.SGD(use_ema=True, ema_overwrite_frequency=1.5)),
    ("weight_decay", lambda: optimizers.SGD(weight_decay=-0.1)),
    ("use_ema", lambda: optimizers.SGD(use_ema="yes")),
    ("nesterov", lambda: optimizers.SGD(nesterov="yes")),
    ("amsgrad", lambda: optimizers.Adam(amsgrad=2)),
    ("centered", lambda: optimizers.RMSprop(centered=None)),
    ("learning_rate", lambda: optimizers.SGD(learning_rate={"class_name": "NoSuchDecay", "config": {}})),
    ("learning_rate", lambda: optimizers.SGD(learning_rate={"class_name": "ExponentialDecay", "config": {"bad": 1}})),
    ("learning_rate", lambda: optimizers.SGD(learning_rate={"config": {}})),
    ("learning_rate", lambda: optimizers.SGD(learning_rate={"class_name": "ExponentialDecay", "config": {
        "initial_learning_rate": -1, "decay_steps": 1, "decay_rate": 0.5}})),
    ("schedule", lambda: schedules.deserialize({"class_name": "Nope", "config": {}})),
    ("schedule", lambda: schedules.deserialize("ExponentialDecay")),
    ("schedule", lambda: schedules.deserialize(None)),
    ("learning_rate_power", lambda: optimizers.Ftrl(learning_rate_power=0.5)),
    ("l1_regularization_strength", lambda: optimizers.Ftrl(l1_regularization_strength=-1)),
    ("l2_regularization_strength", lambda: optimizers.Ftrl(l2_regularization_strength=-1)),
    ("l2_shrinkage_regularization_strength", lambda: optimizers.Ftrl(l2_shrinkage_regularization_strength=-1)),
    ("initial_accumulator_value", lambda: optimizers.Ftrl(initial_accumulator_value=-0.1)),
    ("beta", lambda: optimizers.Ftrl(beta=-1)),
    ("learning_rate", lambda: optimizers.Ftrl(learning_rate=0.0)),
    ("beta_2_decay", lambda: optimizers.Adafactor(beta_2_decay=0.5)),
    ("epsilon_1", lambda: optimizers.Adafactor(epsilon_1=-1)),
    ("epsilon_2", lambda: optimizers.Adafactor(epsilon_2=-1)),
    ("clip_threshold", lambda: optimizers.Adafactor(clip_threshold=0)),
    ("relative_step", lambda: optimizers.Adafactor(relative_step="x")),
    ("ns_steps", lambda: optimizers.Muon(ns_steps=-1)),
    ("momentum", lambda: optimizers.Muon(momentum=1.5)),
    ("adam_beta_1", lambda: optimizers.Muon(adam_beta_1=1.0)),
    ("exclude_layers", lambda: optimizers.Muon(exclude_layers="dense")),
    ("exclude_layers", lambda: optimizers.Muon(exclude_layers=["("])),
    ("rms_rate", lambda: optimizers.Muon(rms_rate=-1)),
    ("adam_lr_ratio", lambda: optimizers.Muon(adam_lr_ratio=-1)),
    ("initial_scale", lambda: optimizers.LossScaleOptimizer(optimizers.SGD(), initial_scale=0)),
    ("dynamic_growth_steps", lambda: optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic_growth_steps=0)),
    ("inner_optimizer", lambda: optimizers.LossScaleOptimizer("sgd")),
    ("warmup_steps", lambda: optimizers.ScheduleFreeAdamW(warmup_steps=-1)),
    ("initial_accumulator_value", lambda: optimizers.Adagrad(initial_accumulator_value=-1)),
    ("decay_steps", lambda: schedules.ExponentialDecay(0.1, 0, 0.5)),
    ("decay_rate", lambda: schedules.ExponentialDecay(0.1, 1, -0.5)),
    ("initial_learning_rate", lambda: schedules.CosineDecay(-0.1, 10)),
    ("alpha", lambda: schedules.CosineDecay(0.1, 10, alpha=2)),
    ("warmup_steps", lambda: schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=-1)),
    ("t_mul", lambda: schedules.CosineDecayRestarts(0.1, 10, t_mul=0.5)),
    ("m_mul", lambda: schedules.CosineDecayRestarts(0.1, 10, m_mul=-1)),
    ("first_decay_steps", lambda: schedules.CosineDecayRestarts(0.1, 0)),
    ("power", lambda: schedules.PolynomialDecay(0.1, 10, power=-1)),
    ("end_learning_rate", lambda: schedules.PolynomialDecay(0.1, 10, end_learning_rate=-1)),
    ("cycle", lambda: schedules.PolynomialDecay(0.1, 10, cycle="yes")),
    ("boundaries", lambda: schedules.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3])),
    ("values", lambda: schedules.PiecewiseConstantDecay([1], [0.1])),
    ("values", lambda: schedules.PiecewiseConstantDecay([1], [0.1, -0.2])),
    ("boundaries", lambda: schedules.PiecewiseConstantDecay(1, [0.1, 0.2])),
    ("staircase", lambda: schedules.InverseTimeDecay(0.1, 1, 0.5, staircase="no")),
    ("step", lambda: schedules.ExponentialDecay(0.1, 1, 0.5)(-1)),
    ("step", lambda: schedules.ExponentialDecay(0.1, 1, 0.5)(None)),
    ("step", lambda: schedules.CosineDecay(0.1, 1)(float("nan"))),
    ("step", lambda: schedules.PiecewiseConstantDecay([1], [0.1, 0.2])(np.array([-1.0]))),
]


@pytest.mark.parametrize(("argument", "call"), BAD_OPTIONS, ids=[f"{i}-{a}" for i, (a, _) in enumerate(BAD_OPTIONS)])
def test_a_bad_option_is_refused_by_name(argument, call):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    message = str(info.value)
    assert argument in message or (argument == "schedule" and "learning-rate schedule" in message), message


def test_muon_in_a_custom_loop_reads_the_model_s_paths_as_keras(keras64):
    # apply_gradients(zip(grads, model.trainable_weights)) built Muon's state without the variables' paths:
    # the Embedding's table, 2-D, was orthogonalized where Keras's Muon (and glassnet's fit) steps it by AdamW
    import glassnet

    keras, rng = keras64, np.random.default_rng(5)
    theirs = keras.Sequential([keras.Input((2,), dtype="int32"), keras.layers.Embedding(5, 3), keras.layers.Flatten(),
                               keras.layers.Dense(2)])
    ours = glassnet.Sequential([glassnet.Input((2,), dtype="int32"), glassnet.layers.Embedding(5, 3),
                                glassnet.layers.Flatten(), glassnet.layers.Dense(2)], dtype="float64")
    ours.set_weights(theirs.get_weights())
    mine, keras_opt = optimizers.Muon(0.1), keras.optimizers.Muon(0.1)
    for _ in range(3):
        grads = [rng.normal(size=w.shape) for w in ours.get_weights()]
        keras_opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], theirs.trainable_variables))
        mine.apply_gradients(zip(grads, ours.trainable_weights))
    for got, want in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        close(got, want, "weights")
