"""Every optimizer's first three steps against a hand computation (float64, 1e-10).

The gradient sequence is fixed, so each step can be written out with plain
Python floats, one element at a time, following Keras 3's update formulas.
"""

import math
import re

import numpy as np
import pytest

import glassnet
from glassnet import backend, optimizers, schedules

W0 = [1.0, -2.0]
GRADS = [[0.5, -1.0], [-0.2, 0.4], [0.3, 0.1]]


def run(optimizer, w0=W0, grads=GRADS):
    w = np.array(w0, dtype=np.float64)
    optimizer.build(w.size, w.dtype, [slice(0, 1), slice(1, 2)])
    out = []
    for g in grads:
        optimizer.apply(w, np.array(g, dtype=np.float64))
        out.append(w.copy())
    return np.array(out)


def test_sgd_plain():
    # w <- w - 0.1 g: 1 - 0.05 = 0.95, 0.95 + 0.02 = 0.97, 0.97 - 0.03 = 0.94
    expected = [[0.95, -1.9], [0.97, -1.94], [0.94, -1.95]]
    np.testing.assert_allclose(run(optimizers.SGD(learning_rate=0.1)), expected, atol=1e-10)


def test_gradient_descent_is_sgd_without_momentum():
    np.testing.assert_allclose(run(optimizers.GradientDescent(0.1)), run(optimizers.SGD(0.1)), atol=0)


def test_sgd_momentum():
    # m <- 0.9 m - 0.1 g; w <- w + m
    # m1 = -0.05, w1 = 0.95; m2 = -0.045 + 0.02 = -0.025, w2 = 0.925; m3 = -0.0225 - 0.03 = -0.0525, w3 = 0.8725
    # second element: m1 = 0.1, w = -1.9; m2 = 0.09 - 0.04 = 0.05, w = -1.85; m3 = 0.045 - 0.01 = 0.035, w = -1.815
    expected = [[0.95, -1.9], [0.925, -1.85], [0.8725, -1.815]]
    np.testing.assert_allclose(run(optimizers.SGD(0.1, momentum=0.9)), expected, atol=1e-10)


def test_sgd_nesterov():
    # w <- w + 0.9 m_new - 0.1 g
    # w1 = 1 - 0.045 - 0.05 = 0.905; w2 = 0.905 - 0.0225 + 0.02 = 0.9025; w3 = 0.9025 - 0.04725 - 0.03 = 0.82525
    # w1 = -2 + 0.09 + 0.1 = -1.81; w2 = -1.81 + 0.045 - 0.04 = -1.805; w3 = -1.805 + 0.0315 - 0.01 = -1.7835
    expected = [[0.905, -1.81], [0.9025, -1.805], [0.82525, -1.7835]]
    np.testing.assert_allclose(run(optimizers.SGD(0.1, momentum=0.9, nesterov=True)), expected, atol=1e-10)


def test_adagrad():
    lr, eps = 0.1, 1e-7
    expected = []
    w, acc = list(W0), [0.1, 0.1]
    for g in GRADS:
        for i in range(2):
            acc[i] = acc[i] + g[i] ** 2
            w[i] = w[i] - lr * g[i] / math.sqrt(acc[i] + eps)
        expected.append(list(w))
    # first step by hand: acc = 0.1 + 0.25 = 0.35; w = 1 - 0.1 * 0.5 / sqrt(0.3500001)
    assert expected[0][0] == pytest.approx(1 - 0.05 / math.sqrt(0.3500001), abs=1e-12)
    np.testing.assert_allclose(run(optimizers.Adagrad(learning_rate=lr)), expected, atol=1e-10)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop(centered, momentum):
    lr, rho, eps = 0.01, 0.9, 1e-7
    expected = []
    w, v, mg, m = list(W0), [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for g in GRADS:
        for i in range(2):
            v[i] = rho * v[i] + (1 - rho) * g[i] ** 2
            if centered:
                mg[i] = rho * mg[i] + (1 - rho) * g[i]
                denominator = v[i] - mg[i] ** 2 + eps
            else:
                denominator = v[i] + eps
            increment = lr * g[i] / math.sqrt(denominator)
            if momentum:
                m[i] = momentum * m[i] + increment
                w[i] -= m[i]
            else:
                w[i] -= increment
        expected.append(list(w))
    opt = optimizers.RMSprop(learning_rate=lr, momentum=momentum, centered=centered)
    np.testing.assert_allclose(run(opt), expected, atol=1e-10)


def test_adadelta():
    lr, rho, eps = 1.0, 0.95, 1e-7
    expected = []
    w, eg, ed = list(W0), [0.0, 0.0], [0.0, 0.0]
    for g in GRADS:
        for i in range(2):
            eg[i] = rho * eg[i] + (1 - rho) * g[i] ** 2
            delta = -math.sqrt(ed[i] + eps) / math.sqrt(eg[i] + eps) * g[i]
            ed[i] = rho * ed[i] + (1 - rho) * delta**2
            w[i] += lr * delta
        expected.append(list(w))
    np.testing.assert_allclose(run(optimizers.Adadelta(learning_rate=lr)), expected, atol=1e-10)


def _adam_reference(lr, b1, b2, eps, weight_decay=None, amsgrad=False, grads=GRADS):
    expected = []
    w, m, v, vhat = list(W0), [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for t, g in enumerate(grads, start=1):
        for i in range(2):
            if weight_decay:
                w[i] = w[i] - w[i] * weight_decay * lr
            m[i] = m[i] + (g[i] - m[i]) * (1 - b1)
            v[i] = v[i] + (g[i] ** 2 - v[i]) * (1 - b2)
            vhat[i] = max(vhat[i], v[i])
            alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            w[i] = w[i] - alpha * m[i] / (math.sqrt(vhat[i] if amsgrad else v[i]) + eps)
        expected.append(list(w))
    return expected


def test_adam_defaults_and_first_step():
    opt = optimizers.Adam()
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    out = run(opt)
    # Step 1: m = 0.05, v = 0.00025, alpha = 0.001 * sqrt(0.001) / 0.1; update = alpha * m / (sqrt(v) + 1e-7)
    alpha = 0.001 * math.sqrt(0.001) / 0.1
    assert out[0][0] == pytest.approx(1 - alpha * 0.05 / (math.sqrt(0.00025) + 1e-7), abs=1e-12)
    np.testing.assert_allclose(out, _adam_reference(0.001, 0.9, 0.999, 1e-7), atol=1e-10)


def test_adam_amsgrad():
    np.testing.assert_allclose(run(optimizers.Adam(0.01, amsgrad=True)),
                               _adam_reference(0.01, 0.9, 0.999, 1e-7, amsgrad=True), atol=1e-10)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_adam_steps_are_numpys_own_operations_with_float_settings_bit_for_bit(dtype, rng):
    """Adam keeps its settings as 0-d arrays of the state's dtype (a Python float operand cost ~0.2 µs
    per operation): every step must equal the one written with the floats themselves, bit for bit,
    after a change of beta_1 too. Float16 weights have a float32 state, and g·(1 − β₁) is float16's."""
    n = 7
    w = rng.normal(size=n).astype(dtype)
    opt = optimizers.Adam(0.01)
    opt.build(n, np.dtype(dtype))
    state = np.float32 if dtype == "float16" else dtype
    ref_w, m, v = w.copy(), np.zeros(n, state), np.zeros(n, state)
    for t in range(1, 6):
        if t == 4:
            opt.beta_1 = 0.8
        g = rng.normal(size=n).astype(dtype)
        opt._apply_rule(w, g.copy())
        b1, b2 = opt.beta_1, opt.beta_2
        m *= b1
        m += np.multiply(g, 1 - b1).astype(state)
        v *= b2
        v += np.square(g.astype(state)) * (1 - b2)
        ref_w -= (m / (np.sqrt(v) + 1e-7)) * (0.01 * math.sqrt(1 - b2**t) / (1 - b1**t))
        assert w.tobytes() == ref_w.tobytes(), t
        assert opt.state["m"].tobytes() == m.tobytes() and opt.state["v"].tobytes() == v.tobytes()


def test_adamw_weight_decay():
    opt = optimizers.AdamW(learning_rate=0.01)
    assert opt.weight_decay == 0.004
    np.testing.assert_allclose(run(opt), _adam_reference(0.01, 0.9, 0.999, 1e-7, weight_decay=0.004), atol=1e-10)


def test_clipnorm_clips_each_variable():
    # Each variable here is one element, so clipnorm=0.25 caps |g| at 0.25:
    # g = (0.5, -1) -> (0.25, -0.25); (-0.2, 0.4) -> (-0.2, 0.25); (0.3, 0.1) -> (0.25, 0.1)
    expected = [[0.975, -1.975], [0.995, -2.0], [0.97, -2.01]]
    np.testing.assert_allclose(run(optimizers.SGD(0.1, clipnorm=0.25)), expected, atol=1e-10)


def test_global_clipnorm_scales_the_whole_gradient():
    # |(0.5, -1)| = sqrt(1.25) > 1 -> scaled by 1/sqrt(1.25); the next two have norm < 1.
    s = 1 / math.sqrt(1.25)
    w1 = [1 - 0.1 * 0.5 * s, -2 + 0.1 * s]
    w2 = [w1[0] + 0.02, w1[1] - 0.04]
    w3 = [w2[0] - 0.03, w2[1] - 0.01]
    np.testing.assert_allclose(run(optimizers.SGD(0.1, global_clipnorm=1.0)), [w1, w2, w3], atol=1e-10)


def test_clipvalue():
    # clip to [-0.3, 0.3]: (0.3, -0.3), (-0.2, 0.3), (0.3, 0.1)
    expected = [[0.97, -1.97], [0.99, -2.0], [0.96, -2.01]]
    np.testing.assert_allclose(run(optimizers.SGD(0.1, clipvalue=0.3)), expected, atol=1e-10)


def test_schedules_drive_the_learning_rate():
    # ExponentialDecay(0.1, decay_steps=1, rate=0.5): lr = 0.1, 0.05, 0.025 at steps 0, 1, 2.
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    expected = [[0.95, -1.9], [0.96, -1.92], [0.9525, -1.9225]]
    np.testing.assert_allclose(run(optimizers.SGD(learning_rate=sched)), expected, atol=1e-10)


def test_piecewise_constant_decay_compares_float_boundaries_in_float():
    # Keras: values[i] while boundaries[i-1] < step <= boundaries[i], compared in the step's float;
    # int() moved boundary 2.5 to 2, so step 2.5 already got the second value
    step = schedules.PiecewiseConstantDecay([2.5, 10.5], [1.0, 0.5, 0.1])
    assert [step(s) for s in (2, 2.5, 2.75, 3, 10.5, 10.75, 11)] == [1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1]
    np.testing.assert_array_equal(step(np.array([2.5, 10.5, 10.75])), [1.0, 0.5, 0.1])
    assert step.get_config()["boundaries"] == [2.5, 10.5]
    # whole boundaries stay ints in the config, as written
    assert schedules.PiecewiseConstantDecay([10, 20.0], [0.1, 0.01, 0.001]).get_config()["boundaries"] == [10, 20]


def test_each_schedule_by_hand():
    assert [schedules.ExponentialDecay(1.0, 2, 0.5)(s) for s in (0, 1, 2)] == pytest.approx([1.0, 2**-0.5, 0.5])
    assert [schedules.ExponentialDecay(1.0, 2, 0.5, staircase=True)(s) for s in (0, 1, 2)] == [1.0, 1.0, 0.5]
    step = schedules.PiecewiseConstantDecay(boundaries=[1, 2], values=[1.0, 0.5, 0.1])
    assert [step(s) for s in (0, 1, 2, 3)] == [1.0, 1.0, 0.5, 0.1]
    assert [schedules.StepDecay(1.0, step_size=2, drop=0.5)(s) for s in (0, 1, 2, 3, 4)] == [1, 1, 0.5, 0.5, 0.25]
    # a growing rate overflows to inf, as ExponentialDecay's, where Python's ** raised a bare OverflowError
    assert schedules.StepDecay(0.1, step_size=1, drop=10.0)(1000) == math.inf
    np.testing.assert_array_equal(schedules.StepDecay(1.0, step_size=2, drop=0.5)(np.arange(5)), [1, 1, 0.5, 0.5, 0.25])
    cos = schedules.CosineDecay(1.0, decay_steps=4, alpha=0.0)
    assert [cos(s) for s in (0, 2, 4, 8)] == pytest.approx([1.0, 0.5, 0.0, 0.0], abs=1e-15)
    assert [schedules.InverseTimeDecay(1.0, 1, 0.5)(s) for s in (0, 1, 2)] == pytest.approx([1.0, 1 / 1.5, 0.5])


def test_lr_is_settable_without_a_schedule_only():
    opt = optimizers.SGD(0.1)
    opt.learning_rate = 0.05
    assert opt.learning_rate == 0.05
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        optimizers.SGD(schedules.StepDecay(0.1, 10)).learning_rate = 0.2


def test_lr_can_be_set_to_a_schedule_or_a_callable_as_keras():
    # Keras 3's setter takes a schedule or a callable in place of any rate; this one raised TypeError
    opt, w = optimizers.SGD(0.1), np.zeros(2)
    for _ in range(3):
        opt.apply(w, np.ones(2))
    opt.learning_rate = schedules.ExponentialDecay(0.1, 1, 0.5)
    assert opt.learning_rate == 0.1 * 0.5**3  # read at the steps taken, as Keras
    opt.learning_rate = schedules.StepDecay(1.0, 2)  # a schedule replaces a schedule
    assert opt.learning_rate == 0.5
    opt.learning_rate = lambda: 0.25
    opt.apply(w, np.ones(2))
    np.testing.assert_allclose(w, [-0.55, -0.55])  # three steps of 0.1 and one of 0.25


def test_registry_names_and_errors():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert optimizers.get("nesterov").nesterov
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'.*adam"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        optimizers.SGD(learning_rate=-1)
    with pytest.raises(ValueError, match="Only one of clipnorm"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    # a dict is a schedule's config (Keras's serialized form): one that is none said "Unknown learning-rate
    # schedule None in saved config", naming no argument
    for config in ({}, {"class_name": "ExponentialDecay"}, {"class_name": "Adam", "config": {}}):
        with pytest.raises(ValueError, match=r"learning_rate must be a number, a schedule or its config\. Received: "
                                             r"learning_rate=\{"):
            optimizers.Adam(learning_rate=config)
    decay = {"class_name": "ExponentialDecay",
             "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}}
    assert optimizers.SGD(learning_rate=decay)._learning_rate(20) == pytest.approx(0.1 * 0.5**2)
    # the message took "a" before every class name: "or a Optimizer object"
    with pytest.raises(ValueError, match=r"\) or an Optimizer object\.$"):
        optimizers.get(3)


def test_blocked_update_equals_one_pass(rng, monkeypatch):
    # The update runs over cache-sized blocks; the result must not depend on it.
    n = 10_000
    w, g = rng.normal(size=n), rng.normal(size=n)
    results = []
    for block in (n, 1000, 333):
        monkeypatch.setattr(optimizers.base, "BLOCK", block)  # (where Optimizer reads it)
        for opt in (optimizers.Adam(0.01, amsgrad=True), optimizers.RMSprop(0.01, momentum=0.5, centered=True),
                    optimizers.SGD(0.1, momentum=0.9, nesterov=True), optimizers.Adadelta(1.0), optimizers.Adagrad(0.1)):
            ww = w.copy()
            opt.build(n, ww.dtype)
            for _ in range(3):
                opt.apply(ww, g.copy())
            results.append(ww)
    k = len(results) // 3
    for a, b, c in zip(results[:k], results[k : 2 * k], results[2 * k :]):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_moments_of_silent_parameters_never_become_subnormal():
    # A parameter with zero gradient: its first moment decays by 0.9 per step and
    # would enter the (slow) subnormal range after ~900 steps; it is cleared instead.
    opt = optimizers.Adam(0.001)
    w = np.ones(2, dtype=np.float32)
    opt.build(2, w.dtype)
    opt.apply(w, np.array([1.0, 1.0], dtype=np.float32))
    tiny = np.finfo(np.float32).tiny
    for _ in range(1500):
        opt.apply(w, np.array([0.0, 1.0], dtype=np.float32))
        m = opt.state["m"][0]
        assert m == 0 or abs(m) >= tiny
    assert opt.state["m"][0] == 0 and opt.state["m"][1] > 0.5


@pytest.mark.parametrize("name", sorted(optimizers.CLASSES))
def test_from_config_rebuilds_every_optimizer_with_fresh_state(name):
    cls = optimizers.CLASSES[name]
    original = (cls(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5)) if name == "SGD"
                else cls(optimizers.Adam(learning_rate=0.05)) if name == "LossScaleOptimizer"  # (a wrapper)
                else cls(optimizers.OptimizerMap(optimizers.Adam(0.05), {"a.*": optimizers.SGD()}))
                if name == "MultiOptimizer"
                else cls(learning_rate=0.05))
    original.build(3, np.float32)
    original.apply(np.zeros(3, np.float32), np.ones(3, np.float32))
    copy = cls.from_config(original.get_config())
    assert type(copy) is cls and copy.get_config() == original.get_config()
    assert copy.iterations == 0 and not copy.built
    with pytest.raises(TypeError, match="config must be a dict"):
        cls.from_config("adam")


@pytest.mark.parametrize("make", [lambda: optimizers.Adam(epsilon=0.0), lambda: optimizers.RMSprop(epsilon=0.0),
                                  lambda: optimizers.Adagrad(epsilon=0.0, initial_accumulator_value=0.0)])
def test_clearing_tiny_state_never_changes_a_run_without_epsilon(make, monkeypatch):
    # with ε = 0 a moment of 1e-31 is not negligible: clearing v but not m made Adam's steps 30x too large
    def run():
        opt, w = make(), np.zeros(3)
        for _ in range(130):
            opt.apply(w, np.full(3, 1e-16))
        return w

    flushed = run()
    monkeypatch.setattr(optimizers.base, "FLUSH_EVERY", 10**9)  # (where Optimizer._apply_rule reads it)
    np.testing.assert_array_equal(flushed, run())


def test_float16_parameters_keep_float32_moments():
    # in float16 (1 − β₂) g² is 0 for |g| < 8e-3: Adam stepped -5.5 where float32 steps -0.003
    steps = {}
    for dtype in (np.float16, np.float32):
        opt, w = optimizers.Adam(0.001), np.zeros(1, dtype)
        for _ in range(3):
            opt.apply(w, np.array([5e-3], dtype))
        steps[dtype] = float(w[0])
        assert opt.state["v"].dtype == np.float32
    assert steps[np.float16] == pytest.approx(steps[np.float32], rel=1e-3)


@pytest.mark.parametrize("dtype", ["float16", np.float16, np.dtype("float16"), None])
def test_a_float16_build_named_by_string_or_floatx_keeps_float32_moments_too(dtype):
    # "float16" == np.float16 is False: build(n, "float16"), and build(n) under floatx "float16", kept float16 moments
    from glassnet import backend

    previous = backend.floatx()
    backend.set_floatx("float16")
    try:
        opt = optimizers.Adam(0.001)
        opt.build(3, dtype)
    finally:
        backend.set_floatx(previous)
    assert {name: state.dtype for name, state in opt.state.items()} == {"m": np.float32, "v": np.float32}


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adam(0.001), lambda: optimizers.Adam(0.001, amsgrad=True), lambda: optimizers.Nadam(0.001),
    lambda: optimizers.RMSprop(0.001, centered=True), lambda: optimizers.Adagrad(0.01, initial_accumulator_value=0.0),
    lambda: optimizers.Adadelta(1.0),
])
def test_float16_parameters_square_small_gradients_in_float32(make):
    # g² was computed in float16 before it reached the float32 state: 0 for |g| < 2.4e-4, so Adam
    # stepped -0.13 (Nadam -2.5) where float64 steps -0.003 from the same float16 gradient
    g = np.array([1e-4, -2e-4, 5e-5, 3e-3], np.float16)
    weights = {}
    for dtype in (np.float16, np.float64):
        opt, w = make(), np.zeros(4, dtype)
        for _ in range(3):
            opt.apply(w, g.astype(dtype))
        weights[dtype] = w.astype(np.float64)
    np.testing.assert_allclose(weights[np.float16], weights[np.float64], rtol=2e-3)


def test_iterations_can_be_set_to_a_non_negative_integer_only():
    # -1 raised ZeroDivisionError at Adam's next step (1 - beta_1**0), 2.7 became 2, "a" a bare int() error
    opt = optimizers.Adam(gradient_accumulation_steps=2)
    opt.iterations = np.int64(3)
    assert opt.iterations == 3 and opt.get_state()[0] == 6
    for value, error in ((-1, ValueError), (2.7, TypeError), ("a", TypeError), (None, TypeError)):
        with pytest.raises(error, match="iterations must be a non-negative integer"):
            opt.iterations = value
    assert opt.iterations == 3


def test_clipping_by_a_norm_that_overflows_the_dtype():
    # ‖(300, 400)‖² overflows float16 (and ‖1e20‖² float32): the gradient was clipped to 0
    opt, w = optimizers.SGD(1.0, clipnorm=1.0), np.zeros(2, np.float16)
    opt.apply(w, np.array([300.0, 400.0], np.float16))
    np.testing.assert_allclose(w, [-0.6, -0.8], atol=1e-3)
    opt, w = optimizers.SGD(1.0, global_clipnorm=1.0), np.zeros(2, np.float32)
    opt.apply(w, np.array([1e20, 1e20], np.float32))
    np.testing.assert_allclose(w, [-0.70710677, -0.70710677], rtol=1e-6)


@pytest.mark.parametrize("namespace", ["numpy", "torch"])
@pytest.mark.parametrize("clip", ["clipnorm", "global_clipnorm"])
def test_clipping_float16_gradients_of_more_weights_than_float16_can_count(namespace, clip):
    # Σ(g/max|g|)² of 10^5 equal float16 gradients is 10^5, beyond float16's 65504: the norm was inf
    # and the clipped gradient 0 (training stopped) on NumPy and on torch
    if namespace == "torch":
        pytest.importorskip("torch")
        pytest.importorskip("array_api_compat")
    with backend.namespace(namespace):
        w = backend.from_numpy(np.zeros(100_000), "float16")
        optimizers.SGD(1.0, **{clip: 1.0}).apply(w, backend.from_numpy(np.full(100_000, 0.01), "float16"))
        w = backend.to_numpy(w)
    assert w.dtype == np.float16
    np.testing.assert_allclose(w, -1 / np.sqrt(100_000), rtol=1e-3)  # g / ‖g‖, by hand


# Keras 3.15 (JAX, float64): SGD(0.1, clip) applied to the variables [1, 2] and [3, 4] with the gradients
# [bad, 0.5] and [0.1, 0.2]: the weights after the step
KERAS_NON_FINITE_CLIPS = {
    ("global_clipnorm", math.inf): [math.nan, math.nan, math.nan, math.nan],
    ("global_clipnorm", math.nan): [math.nan, math.nan, math.nan, math.nan],
    ("clipnorm", math.inf): [math.nan, 2.0, 2.99, 3.98],
    ("clipnorm", math.nan): [math.nan, math.nan, 2.99, 3.98],
    ("clipvalue", math.inf): [0.9, 1.95, 2.99, 3.98],
    ("clipvalue", math.nan): [math.nan, 1.95, 2.99, 3.98],
}


@pytest.mark.parametrize("namespace", ["numpy", "torch"])
@pytest.mark.parametrize("clip, bad", sorted(KERAS_NON_FINITE_CLIPS))
def test_a_non_finite_gradient_is_clipped_as_keras(clip, bad, namespace):
    # a norm that is not finite gives no scale: global_clipnorm made the finite entries 0 and an infinite
    # one NaN (Keras: all NaN), and clipnorm left a NaN variable's finite entries unclipped (Keras: NaN);
    # either way fit stops as diverged, so the step is made to read as one that diverged. On torch the
    # norm is taken on the device (no float() of it), to the same weights
    if namespace == "torch":
        pytest.importorskip("torch")
        pytest.importorskip("array_api_compat")
    with backend.namespace(namespace):
        opt, w = optimizers.SGD(0.1, **{clip: 1.0}), backend.from_numpy(np.array([1.0, 2.0, 3.0, 4.0]), "float64")
        opt.build(4, "float64", [slice(0, 2), slice(2, 4)])
        opt.apply(w, backend.from_numpy(np.array([bad, 0.5, 0.1, 0.2]), "float64"))
        w = backend.to_numpy(w)
    np.testing.assert_allclose(w, KERAS_NON_FINITE_CLIPS[clip, bad], rtol=1e-12)


def test_a_callable_learning_rate_must_return_a_non_negative_number():
    opt = optimizers.SGD(lambda: -0.1)
    with pytest.raises(ValueError, match="learning rate the callable returned must be >= 0"):
        opt.apply(np.zeros(2), np.ones(2))


def test_cosine_decay_with_warmup_and_schedule_names_as_keras():
    from glassnet import schedules

    s = schedules.CosineDecay(0.1, 100, warmup_target=0.5, warmup_steps=20, name="warm")
    # warm-up 0.1 -> 0.5 over 20 steps, then cosine from 0.5 over 100 steps (alpha 0)
    assert s(0) == pytest.approx(0.1) and s(10) == pytest.approx(0.3) and s(20) == pytest.approx(0.5)
    assert s(70) == pytest.approx(0.25) and s(120) == pytest.approx(0.0, abs=1e-12) and s(500) == s(120)
    assert schedules.CosineDecay(0.1, 100, warmup_target=0.5)(0) == pytest.approx(0.5)  # no warm-up steps
    again = schedules.deserialize(schedules.serialize(s))
    assert again.get_config() == s.get_config() and again.name == "warm"
    assert schedules.ExponentialDecay(0.1, 10, 0.9).get_config()["name"] == "ExponentialDecay"  # Keras's default
    assert schedules.PiecewiseConstantDecay([5], [1.0, 0.5], name="p").name == "p"
    with pytest.raises(TypeError, match="name"):
        schedules.StepDecay(0.1, 5, name=3)


def test_amsgrad_keeps_the_largest_second_moment():
    # a large gradient, then small ones: v falls, v̂ keeps its maximum (with GRADS v only grew)
    grads = [[3.0, -3.0], [0.01, 0.01], [0.01, -0.02], [0.02, 0.01]]
    expected = _adam_reference(0.01, 0.9, 0.999, 1e-7, amsgrad=True, grads=grads)
    plain = _adam_reference(0.01, 0.9, 0.999, 1e-7, grads=grads)
    out = run(optimizers.Adam(0.01, amsgrad=True), grads=grads)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert np.abs(np.array(expected) - np.array(plain)).max() > 1e-6  # the two rules part here


def test_inverse_time_decay_with_decay_steps_and_staircase():
    # Keras: lr / (1 + rate · step / decay_steps), the quotient floored with staircase
    smooth = schedules.InverseTimeDecay(1.0, 2, 0.5)
    stairs = schedules.InverseTimeDecay(1.0, 2, 0.5, staircase=True)
    assert [smooth(s) for s in range(4)] == pytest.approx([1.0, 1 / 1.25, 1 / 1.5, 1 / 1.75])
    assert [stairs(s) for s in range(4)] == pytest.approx([1.0, 1.0, 1 / 1.5, 1 / 1.5])


def test_repr_shows_a_callable_or_custom_schedule_learning_rate():
    # repr went through get_config, which refuses what cannot be saved: print(model.optimizer) raised
    class Warmup(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.01

    assert repr(Warmup()) == "Warmup()"
    assert repr(optimizers.Adam(Warmup())).startswith("Adam(learning_rate=Warmup(), weight_decay=None")
    assert repr(optimizers.SGD(lambda: 0.1)).startswith("SGD(learning_rate=<function")
    assert repr(optimizers.SGD(0.1, momentum=0.9)) == ("SGD(learning_rate=0.1, weight_decay=None, clipnorm=None, "
                                                       "clipvalue=None, global_clipnorm=None, momentum=0.9, "
                                                       "nesterov=False)")
    with pytest.raises(NotImplementedError, match="Warmup must define get_config"):
        Warmup().get_config()


def test_adamw_refuses_a_weight_decay_of_none():
    # it was plain Adam, silently; Keras refuses it too
    with pytest.raises(ValueError, match="AdamW's weight_decay must be a number"):
        optimizers.AdamW(weight_decay=None)


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_an_sgd_step_leaves_the_gradient_buffers_holding_the_gradient(momentum, nesterov):
    # NumPy's SGD scaled them by η in place (the compiled step did not): a callback reading
    # layer.grads after a step saw η·g with one path and g with the other
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    model = Sequential([Dense(2, input_dim=3)], seed=0, dtype="float64")
    model.compile(optimizer=optimizers.SGD(0.1, momentum=momentum, nesterov=nesterov), loss="mse")
    expected = model.gradients(X, y)
    model.train_on_batch(X, y)
    layer = model.layers[0]
    np.testing.assert_allclose(layer.grads["W"], expected[0], rtol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], expected[1], rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda: glassnet.schedules.ExponentialDecay(0.1, 100, 0.9, staircase=True),
    lambda: glassnet.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    lambda: glassnet.schedules.CosineDecay(0.1, 100, alpha=0.1),
    lambda: glassnet.schedules.InverseTimeDecay(0.1, 10, 0.5),
    lambda: glassnet.initializers.GlorotUniform(seed=3), lambda: glassnet.initializers.Constant(0.5),
    lambda: glassnet.regularizers.L1L2(0.1, 0.2), lambda: glassnet.regularizers.L2(0.3)])
def test_schedules_initializers_and_regularizers_come_back_from_their_config(make):
    # Keras's cls.from_config(obj.get_config()); the schedules had no from_config (an AttributeError)
    obj = make()
    new = type(obj).from_config(obj.get_config())
    assert type(new) is type(obj) and new.get_config() == obj.get_config()
    if isinstance(obj, glassnet.schedules.LearningRateSchedule):
        assert [new(step) for step in range(0, 40, 3)] == [obj(step) for step in range(0, 40, 3)]
    elif isinstance(obj, glassnet.initializers.Initializer):
        np.testing.assert_array_equal(new((4, 3)), obj((4, 3)))
    else:
        w = np.linspace(-1, 1, 12).reshape(4, 3)
        assert new(w) == obj(w)
    with pytest.raises(TypeError, match="config must be a dict"):
        type(obj).from_config([obj.get_config()])


@pytest.mark.parametrize("cls, config", [
    (schedules.ExponentialDecay, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9}),
    (schedules.InverseTimeDecay, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9}),
    (glassnet.initializers.GlorotUniform, {"seed": 3}),
    (glassnet.initializers.Ones, {}),
    (glassnet.constraints.NonNeg, {}),
])
def test_an_unknown_config_key_is_named_with_the_class(cls, config):
    # __init__'s own TypeError named a private base: "_TimeDecay.__init__() got an unexpected keyword argument"
    with pytest.raises(TypeError, match=rf"^{cls.__name__}.from_config got unknown key\(s\) foo; {cls.__name__} takes"):
        cls.from_config({**config, "foo": 1})
    if issubclass(cls, schedules.LearningRateSchedule):
        with pytest.raises(ValueError, match=rf"Malformed .*: {cls.__name__}.from_config got unknown key\(s\) foo"):
            schedules.deserialize({"class_name": cls.__name__, "config": {**config, "foo": 1}})


@pytest.mark.parametrize("make, name", [
    (lambda: optimizers.Adam(amsgrad="False"), "amsgrad"),  # turned AMSGrad on
    (lambda: optimizers.AdamW(amsgrad=1), "amsgrad"),
    (lambda: optimizers.SGD(momentum=0.9, nesterov="no"), "nesterov"),  # turned Nesterov on
    (lambda: optimizers.SGD(nesterov=None), "nesterov"),
    (lambda: optimizers.RMSprop(centered="yes"), "centered"),
    (lambda: schedules.ExponentialDecay(0.1, 10, 0.9, staircase="yes"), "staircase"),
    (lambda: schedules.InverseTimeDecay(0.1, 10, 0.9, staircase="no"), "staircase"),
])
def test_boolean_options_take_true_or_false_only(make, name):
    with pytest.raises(TypeError, match=f"{name} must be True or False. Received: {name}="):
        make()


def test_boolean_options_survive_config_and_a_model_file(tmp_path):
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    for opt in (optimizers.Adam(amsgrad=np.bool_(True)), optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                optimizers.RMSprop(centered=True)):
        assert type(opt).from_config(opt.get_config()).get_config() == opt.get_config()
        model = Sequential([Dense(1, input_dim=2)], seed=0)
        model.compile(optimizer=opt, loss="mse")
        model.fit(np.ones((4, 2)), np.ones(4), epochs=1, verbose=0)
        model.save(tmp_path / "m.gn", overwrite=True)
        assert load_model(tmp_path / "m.gn").optimizer.get_config() == model.optimizer.get_config()
    stairs = schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True)
    assert schedules.deserialize(schedules.serialize(stairs)).staircase is True


@pytest.mark.parametrize("make", [
    lambda: schedules.ExponentialDecay(0.1, 10, 0.9), lambda: schedules.InverseTimeDecay(0.1, 10, 0.5),
    lambda: schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]), lambda: schedules.StepDecay(0.1, 10),
    lambda: schedules.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5),
    lambda: schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True)])
def test_a_schedule_called_directly_checks_its_step(make):
    # None: a raw TypeError; an array: NumPy's truth-value error; inf: nan
    schedule = make()
    for step, error, match in ((None, TypeError, "step must be a number"),
                               (np.array([1, -2]), ValueError, r"step must be >= 0. Received: step=-2.0"),
                               (np.inf, ValueError, "step must be finite"), (-1, ValueError, "step must be >= 0")):
        with pytest.raises(error, match=match):
            schedule(step)
    assert schedule(np.int64(7)) == schedule(7) == schedule(7.0) == schedule(np.array(7))
    # an array of steps gives the curve, as Keras (to plot it); each value is the schedule's at that step
    steps = np.arange(0, 40, 3)
    np.testing.assert_allclose(schedule(steps), [schedule(int(s)) for s in steps], rtol=1e-15)


def test_schedules_take_a_fractional_number_of_steps_as_keras():
    # Keras 3.15's values (float32): decay_steps = len(x) / batch_size is a common way to write it
    cases = [
        (schedules.InverseTimeDecay(0.1, 1.0, 0.5), 4, 0.03333333507180214),
        (schedules.ExponentialDecay(0.1, decay_steps=60000 / 128, decay_rate=0.9), 1000, 0.0798700600862503),
        (schedules.CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=10.0), 5, 0.05000000074505806),
        (schedules.CosineDecay(0.1, 2.5), 1, 0.06545084714889526),
        (schedules.ExponentialDecay(0.1, 2.5, 0.5, staircase=True), 6, 0.02500000037252903),
    ]
    for schedule, step, expected in cases:
        assert schedule(step) == pytest.approx(expected, rel=1e-6)
    assert schedules.ExponentialDecay(0.1, 100, 0.9).get_config()["decay_steps"] == 100  # ints stay ints
    for bad, error in ((0.0, ValueError), (-1.5, ValueError), ("1", TypeError), (float("nan"), ValueError)):
        with pytest.raises(error, match="decay_steps"):
            schedules.ExponentialDecay(0.1, bad, 0.9)
    with pytest.raises(ValueError, match="warmup_steps must be >= 0"):
        schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=-0.5)


def test_tf_keras_argument_names_get_a_message_that_says_what_to_write():
    with pytest.raises(TypeError, match="lr is called learning_rate"):
        optimizers.SGD(lr=0.01, momentum=0.9)
    with pytest.raises(TypeError, match=r"decay .*InverseTimeDecay\(lr, decay_steps=1, decay_rate=1e-06\)"):
        optimizers.Adam(learning_rate=1e-3, decay=1e-6)
    with pytest.raises(TypeError, match="AdamW got unexpected argument.s. foo"):
        optimizers.AdamW(foo=1)
    with pytest.raises(TypeError, match=r"without momentum: use SGD\(momentum=...\)"):
        optimizers.GradientDescent(0.1, momentum=0.9)
    # the schedule the message names is tf.keras 2's decay: lr / (1 + decay * iterations)
    schedule = schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1e-2)
    assert schedule(50) == pytest.approx(0.1 / (1 + 1e-2 * 50))


def test_learning_rate_has_keras_variable_methods():
    import pickle

    opt = optimizers.Adam(1e-3)
    assert opt.learning_rate == 1e-3 and isinstance(opt.learning_rate, float)
    opt.learning_rate.assign(1e-4)  # Keras 3: optimizer.learning_rate.assign(...)
    assert opt.learning_rate == 1e-4
    assert opt.learning_rate.numpy() == np.float32(1e-4) and opt.learning_rate.numpy().dtype == np.float32
    assert type(pickle.loads(pickle.dumps(opt.learning_rate))) is float  # a copy is the number, not the optimizer
    scheduled = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.learning_rate.assign(0.5)
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        opt.learning_rate.assign(-1.0)


def test_learning_rate_numpy_is_in_floatx_as_keras_s_variable():
    # Keras 3: the learning-rate variable has dtype floatx(); under float64 its numpy() is the rate
    # given (numpy() was always float32, and opt.learning_rate = lr.numpy() / 2 moved 0.1 to 0.10000000149 / 2)
    glassnet.config.set_floatx("float64")
    try:
        opt = optimizers.SGD(0.1)
        got = opt.learning_rate.numpy()
        assert got.dtype == np.float64 and got == 0.1
        opt.learning_rate = got / 2
        assert opt.learning_rate == 0.05
    finally:
        glassnet.config.set_floatx("float32")
    assert optimizers.SGD(0.1).learning_rate.numpy().dtype == np.float32


def test_learning_rate_numpy_keeps_the_floatx_of_the_optimizer_s_creation():
    # Keras 3.15 (JAX, x64): the variable's dtype is floatx() when the optimizer is made, and stays:
    # SGD(0.1) made under float32 gives float32 0.1 after set_floatx("float64"), one made under float64
    # gives float64 after set_floatx("float32"), also once assigned 0.2. glassnet's read floatx() at each call
    made_in_32 = optimizers.SGD(0.1)
    glassnet.config.set_floatx("float64")
    try:
        made_in_64 = optimizers.SGD(0.1)
        got = made_in_32.learning_rate.numpy()
        assert got.dtype == np.float32 and got == np.float32(0.1)
    finally:
        glassnet.config.set_floatx("float32")
    made_in_64.learning_rate = 0.2
    got = made_in_64.learning_rate.numpy()
    assert got.dtype == np.float64 and got == 0.2
    assert optimizers.SGD.from_config(made_in_64.get_config()).learning_rate.numpy().dtype == np.float32  # (Keras's too)


# Keras 3.15.1 (JAX): Sequential([Input((4,)), Dense(3, "tanh"), Dense(2)]) with the weights of
# tests/test_ema.py's _data(), mse, fit(X, Y, batch_size=4, shuffle=False); get_weights() after fit.
KERAS_RULES = {
    "adamax": (lambda: optimizers.Adamax(0.05), 10, [
        [0.11411078, 1.3929573, 0.20024145, -0.34193248, 0.1613271, 0.44632226, -0.40840393, -0.1376585,
         -0.01883222, 0.05624796, 0.40279976, -0.2826074],
        [0.10235259, 0.30980185, 0.16235584],
        [0.43266422, -0.3048231, 0.22307736, -0.36157078, -0.1119181, -0.5544261],
        [-0.02599034, -0.2546427],
    ]),
    "nadam": (lambda: optimizers.Nadam(0.05), 10, [
        [0.39000478, 1.3874011, 0.1646742, -0.35099572, 0.02804616, 0.53582925, -0.5000021, -0.2554582,
         -0.03782941, 0.14061786, 0.51837176, -0.27143094],
        [-0.10479937, 0.34746435, 0.03744738],
        [0.6257967, -0.38653195, 0.42301664, -0.40562147, -0.06449828, -0.50722235],
        [-0.04336482, -0.26622453],
    ]),
    "nadam_wd": (lambda: optimizers.Nadam(0.02, beta_1=0.8, weight_decay=0.1, clipnorm=0.5), 5, [
        [-0.11743481, 1.1278442, 0.29693556, -0.5253297, 0.11174048, 0.31392935, -0.23630658, 0.16382086,
         0.00262051, 0.16624257, 0.5479627, -0.3529578],
        [0.16745275, 0.1767722, 0.16247234],
        [0.1594676, -0.23231769, 0.09509725, -0.42920178, -0.2354067, -0.2484097],
        [-0.0085537, -0.14547403],
    ]),
    "lion": (lambda: optimizers.Lion(0.02), 10, [
        [0.0792648, 1.40020788, 0.18112981, -0.35964441, 0.2772581, 0.40834486, -0.49439117, -0.05854487,
         -0.03325866, -0.02637624, 0.35926139, -0.33783114],
        [0.13999999, 0.34, 0.02000001],
        [0.30156931, -0.2716538, 0.18363419, -0.27359724, -0.08965082, -0.49809811],
        [0.0, -0.31999999],
    ]),
    "ftrl_l1_beta": (lambda: optimizers.Ftrl(0.2, l1_regularization_strength=0.01, beta=0.1), 10, [
        [-0.06505015, 0.41932386, 0.25836024, 0.0, -0.0088305, 0.03097858, 0.07930817, -0.36505598, -0.2497381,
         -0.00919783, 0.10941382, 0.00727298],
        [-0.00301858, -0.1063768, -0.0018513],
        [-0.05638136, 0.09903239, 0.45078543, -0.38810888, 0.20114751, -0.34052706],
        [0.07224177, -0.22491485],
    ]),
    "adafactor": (lambda: optimizers.Adafactor(0.05), 10, [
        [-0.22219804, 1.11128569, -0.05413263, -0.45475373, 0.14505991, 0.33644611, -0.32442117, 0.05509586,
         -0.04645742, 0.0719484, 0.48264098, -0.43780962],
        [0.15666117, 0.18527682, 0.16910328],
        [0.1699125, -0.34355387, 0.12319495, -0.4326199, -0.18827876, -0.22522029],
        [5.678e-05, -0.00065395],
    ]),
}


@pytest.mark.parametrize("case", sorted(KERAS_RULES))
def test_adamax_nadam_lion_ftrl_adafactor_train_as_keras_in_float32(case):
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    rng = np.random.default_rng(7)
    X = rng.standard_normal((8, 4)).astype(np.float32)
    Y = rng.standard_normal((8, 2)).astype(np.float32)
    W = [rng.standard_normal((4, 3)).astype(np.float32) * 0.5, np.zeros(3, np.float32) + 0.1,
         rng.standard_normal((3, 2)).astype(np.float32) * 0.5, np.zeros(2, np.float32)]
    make, epochs, expected = KERAS_RULES[case]
    model = Sequential([Dense(3, activation="tanh", input_dim=4), Dense(2)])
    model.compile(optimizer=make(), loss="mse")
    model.set_weights(W)
    model.fit(X, Y, batch_size=4, epochs=epochs, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got.ravel(), want, rtol=2e-5, atol=2e-6)


def test_adamax_and_nadam_by_hand_first_step():
    # one parameter, g = 0.5, η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 0 (float64)
    w = run(optimizers.Adamax(0.1, epsilon=0.0), w0=[1.0], grads=[[0.5]])
    # m = 0.05, u = 0.5: w = 1 − 0.1·0.05 / ((1 − 0.9)·0.5) = 0.9
    np.testing.assert_allclose(w, [[0.9]], atol=1e-12)
    w = run(optimizers.Nadam(0.1, epsilon=0.0), w0=[1.0], grads=[[0.5]])
    mu1, mu2 = 0.9 * (1 - 0.5 * 0.96), 0.9 * (1 - 0.5 * 0.96**2)
    m, v = 0.05, 0.00025
    m_hat = mu2 * m / (1 - mu1 * mu2) + (1 - mu1) * 0.5 / (1 - mu1)
    np.testing.assert_allclose(w, [[1 - 0.1 * m_hat / np.sqrt(v / (1 - 0.999))]], atol=1e-12)


def test_nadam_resumes_its_momentum_schedule_after_a_restore():
    a, b = optimizers.Nadam(0.01), optimizers.Nadam(0.01)
    grads = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2], [0.2, 0.2]]
    whole = run(a, grads=grads)
    run(b, grads=grads[:2])
    iterations, state = b.get_state()
    c = optimizers.Nadam(0.01)
    w = whole[1].copy()
    c.build(2, w.dtype)
    c.set_state(iterations, state)
    for g in grads[2:]:
        c.apply(w, np.array(g))
    np.testing.assert_array_equal(w, whole[-1])
    assert optimizers.get("nadam").name == "nadam" and optimizers.get("adamax").name == "adamax"


def test_polynomial_decay_is_keras_s_with_and_without_cycle():
    # Keras: (initial − end)·(1 − min(step, T)/T)^power + end; with cycle, T = decay_steps·ceil(step/decay_steps)
    # (decay_steps at step 0), so the rate rises again after each cycle
    plain = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.1, power=2.0)
    assert [plain(s) for s in (0, 5, 10, 25)] == pytest.approx([1.0, 0.9 * 0.25 + 0.1, 0.1, 0.1])
    cyclic = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.1, power=2.0, cycle=True)
    # step 15: T = 20, (1 − 15/20)² = 1/16; step 20: T = 20, at the end; step 21: T = 30
    assert [cyclic(s) for s in (0, 5, 10, 15, 20, 21)] == pytest.approx(
        [1.0, 0.325, 0.1, 0.9 / 16 + 0.1, 0.1, 0.9 * (1 - 21 / 30) ** 2 + 0.1])
    assert schedules.PolynomialDecay(0.1, 100)(50) == pytest.approx((0.1 - 1e-4) * 0.5 + 1e-4)  # Keras's defaults
    np.testing.assert_allclose(cyclic(np.arange(25)), [cyclic(s) for s in range(25)], rtol=1e-15)
    # a Keras config (with its default name) reads, and the optimizer's config round-trips it
    config = {"initial_learning_rate": 0.1, "decay_steps": 7.5, "end_learning_rate": 0.0001, "power": 1.0,
              "cycle": True, "name": "PolynomialDecay"}
    assert schedules.PolynomialDecay.from_config(config).get_config() == config
    opt = optimizers.SGD(schedules.PolynomialDecay(0.1, 10, cycle=True))
    assert optimizers.SGD.from_config(opt.get_config())._learning_rate.get_config() == opt._learning_rate.get_config()
    with pytest.raises(ValueError, match="decay_steps must be a positive"):
        schedules.PolynomialDecay(0.1, 0)
    with pytest.raises(ValueError, match="power must be >= 0"):
        schedules.PolynomialDecay(0.1, 10, power=-1.0)
    with pytest.raises(TypeError, match="cycle must be"):
        schedules.PolynomialDecay(0.1, 10, cycle="yes")


def test_cosine_decay_restarts_is_keras_s_sgdr():
    # periods of 10, 20, 40 steps (t_mul 2), each starting m_mul times lower: Keras's
    # initial·((1 − α)·m_mul^i·½(1 + cos(π f)) + α) at the fraction f of period i done
    s = schedules.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5, alpha=0.1)

    def expected(i, f):
        return 0.9 * 0.5**i * 0.5 * (1 + math.cos(math.pi * f)) + 0.1

    steps = (0, 5, 9, 10, 20, 30, 40, 70)
    want = [expected(0, 0), expected(0, 0.5), expected(0, 0.9), expected(1, 0), expected(1, 0.5),
            expected(2, 0), expected(2, 0.25), expected(3, 0)]
    assert [s(t) for t in steps] == pytest.approx(want)
    flat = schedules.CosineDecayRestarts(0.1, 4, t_mul=1.0)  # equal periods
    assert [flat(t) for t in (0, 2, 4, 6, 8)] == pytest.approx([0.1, 0.05, 0.1, 0.05, 0.1])
    np.testing.assert_allclose(s(np.arange(50)), [s(t) for t in range(50)], rtol=1e-15)
    config = {"initial_learning_rate": 0.1, "first_decay_steps": 7.5, "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0,
              "name": "SGDRDecay"}  # Keras 3.15's config of CosineDecayRestarts(0.1, 7.5)
    assert schedules.CosineDecayRestarts.from_config(config).get_config() == config
    assert schedules.deserialize({"class_name": "CosineDecayRestarts", "config": config})(0) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="t_mul must be >= 1"):
        schedules.CosineDecayRestarts(0.1, 10, t_mul=0.5)
    with pytest.raises(ValueError, match="first_decay_steps must be a positive"):
        schedules.CosineDecayRestarts(0.1, 0)


@pytest.mark.parametrize("t_mul, first, restarts", [(3.0, 10, (10, 40, 130, 400, 1210, 3640, 10930, 32800, 98410, 295240)),
                                                    (10.0, 1, (1, 11, 111, 1111, 11111, 111111)),
                                                    (1.5, 16, (16, 40, 76, 130, 211))])
def test_cosine_decay_restarts_restarts_at_the_first_step_of_each_period(t_mul, first, restarts):
    # period i starts after first·(t^i − 1)/(t − 1) steps; there the rate is back at its initial value
    # (Keras 3.15: CosineDecayRestarts(1.0, 10, t_mul=3.0)(1210) = 1.0). The period was found by
    # floor(log(...)/log(t_mul)), and log(81)/log(3) = 3.9999999999999996 gave step 1210 the end of
    # period 3, rate 0, instead of the restart
    s = schedules.CosineDecayRestarts(1.0, first, t_mul=t_mul)
    for k, step in enumerate(restarts):
        assert s(step) == pytest.approx(1.0, abs=1e-12), step
        length = first * t_mul**k  # the period before: its last step is 1/length from its end
        assert s(step - 1) == pytest.approx(0.5 * (1 + math.cos(math.pi * (1 - 1 / length))), abs=1e-12), step
    np.testing.assert_allclose(s(np.array(restarts)), 1.0, atol=1e-12)


def _restarts(step, first, t_mul, m_mul, alpha):
    """SGDR by walking the periods (no logarithm): the period holding ``step`` and the fraction of it done."""
    i, start, length = 0, 0.0, float(first)
    while step >= start + length:
        i, start, length = i + 1, start + length, length * t_mul
    return (1 - alpha) * m_mul**i * 0.5 * (1 + math.cos(math.pi * (step - start) / length)) + alpha


# Keras 3's formulas (keras/src/optimizers/schedules/learning_rate_schedule.py), in float64
SCHEDULE_FORMULAS = {
    "exponential": (lambda: schedules.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    "exponential_staircase": (lambda: schedules.ExponentialDecay(0.1, 7.5, 0.9, staircase=True),
                              lambda s: 0.1 * 0.9 ** math.floor(s / 7.5)),
    "inverse_time": (lambda: schedules.InverseTimeDecay(0.1, 10, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 10)),
    "inverse_time_staircase": (lambda: schedules.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
                               lambda s: 0.1 / (1 + 0.5 * math.floor(s / 10))),
    "piecewise": (lambda: schedules.PiecewiseConstantDecay([10, 20.5], [1.0, 0.5, 0.1]),
                  lambda s: 1.0 if s <= 10 else 0.5 if s <= 20.5 else 0.1),
    "polynomial": (lambda: schedules.PolynomialDecay(0.1, 10, 0.01, power=0.5),
                   lambda s: 0.09 * (1 - min(s, 10) / 10) ** 0.5 + 0.01),
    "polynomial_cycle": (lambda: schedules.PolynomialDecay(0.1, 7.5, 0.01, power=2.0, cycle=True),
                         lambda s: 0.09 * (1 - s / (7.5 * max(1, math.ceil(s / 7.5)))) ** 2 + 0.01),
    "cosine": (lambda: schedules.CosineDecay(0.1, 10, alpha=0.2),
               lambda s: 0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(s, 10) / 10)) + 0.2)),
    "cosine_warmup": (lambda: schedules.CosineDecay(0.1, 10, alpha=0.2, warmup_target=0.5, warmup_steps=5),
                      lambda s: 0.1 + 0.4 * s / 5 if s < 5 else
                      0.5 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(s - 5, 10) / 10)) + 0.2)),
    "restarts": (lambda: schedules.CosineDecayRestarts(0.1, 10, t_mul=3.0, m_mul=0.8, alpha=0.1),
                 lambda s: 0.1 * _restarts(s, 10, 3.0, 0.8, 0.1)),
    "restarts_equal_periods": (lambda: schedules.CosineDecayRestarts(0.1, 7.5, t_mul=1.0, m_mul=0.5),
                               lambda s: 0.1 * _restarts(s, 7.5, 1.0, 0.5, 0.0)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULE_FORMULAS))
def test_every_schedule_is_keras_s_formula_at_many_steps(name):
    make, formula = SCHEDULE_FORMULAS[name]
    schedule = make()
    # every step of the first periods, the boundaries and either side of them, far steps
    steps = [*range(200), 7.5, 9.999999, 10.000001, 20.5, 20.500001, 22.5, 1210, 1209, 3640, 12345, 1e6]
    for step in steps:
        assert schedule(step) == pytest.approx(formula(step), rel=1e-12, abs=1e-15), step
    np.testing.assert_allclose(schedule(np.array(steps, dtype=float)), [formula(s) for s in steps], rtol=1e-12)
    # an optimizer reads the schedule at its iteration count before the step (0 first), as Keras
    opt = optimizers.SGD(make())
    for step in range(25):
        assert opt.learning_rate == pytest.approx(formula(step), rel=1e-12)
        opt.apply(np.zeros(1), np.zeros(1))


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adadelta", "Adamax", "Nadam", "AdamW"])
def test_divergence_from_epsilon_zero_names_epsilon_not_the_learning_rate(name):
    # An input that is always 0 (MNIST's border pixels) has a gradient of 0: with ε = 0 its first
    # step is 0/0 = NaN. The warning only said "try a lower learning rate", which cannot help
    from glassnet.layers import Dense
    from glassnet.models import Sequential
    from glassnet.models import DivergenceWarning

    X = np.random.default_rng(0).normal(size=(8, 3))
    X[:, 2] = 0.0
    Y = np.eye(3)[np.arange(8) % 3]

    def fit(epsilon):
        model = Sequential([Dense(3, input_dim=3)], seed=0)
        model.compile(getattr(optimizers, name)(epsilon=epsilon), "mse")
        return model.fit(X, Y, epochs=2, verbose=0).history

    with pytest.warns(DivergenceWarning, match=r"epsilon=0 makes a step 0/0 \(NaN\)"):
        assert fit(0.0) == {}
    assert np.isfinite(fit(1e-7)["loss"]).all()  # the same run with Keras's ε trains


# Keras 3.15 in float64 (KERAS_BACKEND=jax, jax_enable_x64, keras.config.set_floatx("float64")): each
# optimizer built on two variables, w0[:3] and w0[3:], then optimizer.apply of the 20 gradients of
# _keras_data(); the weights after the 20 steps (and the moving average, use_ema), printed with repr
KERAS_FLOAT64 = {
    "sgd": (lambda: optimizers.SGD(0.05),
            [2.219066036554139, -2.2021900329764996, -0.303528158509189, -0.3181797171828914, -0.5692836868736727]),
    "sgd_momentum_weight_decay": (
        lambda: optimizers.SGD(0.05, momentum=0.9, weight_decay=0.2),
        [1.9628892815127124, 0.953558230116216, -3.2079825786254212, 2.2325932037127023, -1.6241172128293497]),
    "nesterov_clipnorm": (
        lambda: optimizers.SGD(0.05, momentum=0.8, nesterov=True, clipnorm=0.5),
        [2.34480449926994, -2.687538503970262, 0.2211485349653065, -0.6670874040895839, -0.18794086763671985]),
    "adagrad_clipvalue": (
        lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.2, epsilon=1e-3, clipvalue=0.4),
        [2.2582353939268702, -2.63601574871354, 0.29439465325543296, -0.5642049447777782, -0.3156789443278199]),
    "rmsprop_global_clipnorm": (
        lambda: optimizers.RMSprop(0.01, rho=0.8, epsilon=1e-3, global_clipnorm=1.0),
        [2.115690864984648, -2.5679313679605027, 0.38113639149976325, -0.5783522497910358, -0.41136736711670296]),
    "rmsprop_centered_momentum_ema": (
        lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, epsilon=1e-2, use_ema=True, ema_momentum=0.7),
        [2.134838789812243, -2.503288081027766, 0.21895006656704968, -0.4428506416390629, -0.4607213697490984],
        [2.1190096205400493, -2.498434221857438, 0.2545465604924435, -0.42891457520069254, -0.46193092302902683]),
    "adadelta_weight_decay_accumulation": (
        lambda: optimizers.Adadelta(1.0, rho=0.9, epsilon=1e-3, weight_decay=0.1, gradient_accumulation_steps=3),
        [1.0744578778710117, -1.3104600296082773, -0.22305686775108474, -0.15520108698689644, -0.21162535485780215]),
    "adam_ema_overwrite": (
        lambda: optimizers.Adam(0.05, beta_1=0.8, beta_2=0.95, epsilon=1e-3, use_ema=True, ema_momentum=0.6,
                                ema_overwrite_frequency=4),
        [2.1585338278905732, -2.427888396549608, 0.22656090139043086, -0.33147217435317244, -0.5127529870855128],
        [2.1585338278905732, -2.427888396549608, 0.22656090139043086, -0.33147217435317244, -0.5127529870855128]),
    "amsgrad_staircase": (
        lambda: optimizers.Adam(schedules.ExponentialDecay(0.05, 3, 0.7, staircase=True), amsgrad=True),
        [2.164690063706962, -2.407816464689401, 0.4088663235271427, -0.33264310657671964, -0.5885343372153917]),
    "adamw_piecewise_clipnorm": (
        lambda: optimizers.AdamW(schedules.PiecewiseConstantDecay([4, 8], [0.05, 0.02, 0.01]), weight_decay=0.3,
                                 clipnorm=0.5),
        [1.9059807719367123, -2.1859825823991823, 0.45947408332806466, -0.35767819678066554, -0.42351052203544587]),
    "adamax_inverse_time_accumulation": (
        lambda: optimizers.Adamax(schedules.InverseTimeDecay(0.05, 2, 0.5), beta_2=0.9, epsilon=1e-3,
                                  gradient_accumulation_steps=2),
        [2.1041001272133326, -2.494239092091154, 0.4084389597297969, -0.468802019101411, -0.5162774080836058]),
    "nadam_polynomial_cycle_weight_decay_ema": (
        lambda: optimizers.Nadam(schedules.PolynomialDecay(0.05, 5, power=2.0, cycle=True), beta_1=0.85, epsilon=1e-3,
                                 weight_decay=0.1, use_ema=True, ema_momentum=0.5),
        [2.0636345994299554, -2.4581338863823095, 0.45075613028989076, -0.4821991076724868, -0.49792669328840283],
        [2.063572046618389, -2.4582693714256276, 0.4511125234608576, -0.4821449252290321, -0.497986104480734]),
    "lion": (lambda: optimizers.Lion(0.05),
             [2.240919121385182, -1.9556650313141837, -0.08190115327422105, 0.03223039387207016, -0.652649292110446]),
    "lion_betas_weight_decay_clipnorm": (
        lambda: optimizers.Lion(0.02, beta_1=0.7, beta_2=0.95, weight_decay=0.1, clipnorm=0.5),
        [2.1582007151511142, -2.534559753079413, 0.3212290747062112, -0.547609706254627, -0.3162287956108353]),
    "ftrl": (lambda: optimizers.Ftrl(0.05),
             [1.2113067177088153, -2.3787543275233753, 0.11639022555345303, -0.41160034486411723, -0.4538758366758634]),
    "ftrl_every_argument_clipvalue": (
        lambda: optimizers.Ftrl(0.1, learning_rate_power=-0.3, initial_accumulator_value=0.5,
                                l1_regularization_strength=0.01, l2_regularization_strength=0.2,
                                l2_shrinkage_regularization_strength=0.05, beta=0.3, clipvalue=1.0),
        [0.35933495138325927, -0.5343319005453648, -0.17055340805597669, -0.08266760840688074, 0.024839540388197096]),
    "ftrl_l1_power_0_exponential_accumulation": (
        lambda: optimizers.Ftrl(schedules.ExponentialDecay(0.2, 3, 0.8), l1_regularization_strength=0.3,
                                learning_rate_power=0.0, gradient_accumulation_steps=2),
        [0.07210397253578632, 0.1574371789622054, -0.3366189200335098, 0.10687568690561014, -0.042165468066196574]),
}


def _keras_data():
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(5)
    # every third gradient large (so that the clipping acts), one with a variable's gradient 0
    grads = rng.standard_normal((20, 5)) * np.where(np.arange(20) % 3 == 0, 3.0, 0.3)[:, None]
    grads[7, 3:] = 0.0
    return w0, grads


@pytest.mark.parametrize("name", sorted(KERAS_FLOAT64))
def test_twenty_float64_steps_equal_keras_s_to_1e_12(name):
    # every rule with the base arguments Keras has (weight_decay, the three clippings, use_ema and its
    # overwrite, gradient accumulation, a schedule read at the steps before each update) against Keras itself
    make, want, *average = KERAS_FLOAT64[name]
    optimizer = make()
    w, grads = _keras_data()
    optimizer.build(5, w.dtype, [slice(0, 3), slice(3, 5)])
    for g in grads:
        optimizer.apply(w, g.copy())
    np.testing.assert_allclose(w, want, rtol=1e-12, atol=1e-14)
    if average:
        np.testing.assert_allclose(optimizer.state["average"], average[0], rtol=1e-12, atol=1e-14)


# keras.optimizers.serialize(keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)))
# in Keras 3.15.1: its "learning_rate" (Keras adds the schedule's default name, "ExponentialDecay")
KERAS_SCHEDULE = {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
                  "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9, "staircase": False,
                             "name": "ExponentialDecay"},
                  "registered_name": None}


def test_a_schedule_in_an_optimizer_s_config_is_in_keras_s_form():
    # it was {"class_name", "config"} alone, and Keras's Optimizer.from_config raised "Could not locate class
    # 'ExponentialDecay'"; glassnet still reads that older form, and Keras's
    config = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.9)).get_config()
    assert config["learning_rate"] == KERAS_SCHEDULE  # (the schedule's default name too, as Keras's)
    older = {"class_name": "ExponentialDecay",
             "config": {k: v for k, v in KERAS_SCHEDULE["config"].items() if k != "name"}}
    for rate in (config["learning_rate"], older, KERAS_SCHEDULE):
        again = optimizers.SGD.from_config({**config, "learning_rate": rate})
        assert again.learning_rate == 0.1 and again._learning_rate(20) == pytest.approx(0.1 * 0.9**2)
    assert optimizers.deserialize(optimizers.serialize(optimizers.Adam(schedules.ExponentialDecay(0.1, 10, 0.9)))
                                  ).get_config() == optimizers.Adam(schedules.ExponentialDecay(0.1, 10, 0.9)).get_config()
    # glassnet's own StepDecay, which Keras lacks, is not labelled as Keras's
    assert optimizers.SGD(schedules.StepDecay(0.1, 5)).get_config()["learning_rate"] == {
        "class_name": "StepDecay", "config": {"initial_learning_rate": 0.1, "step_size": 5, "drop": 0.5,
                                              "name": "StepDecay"}}


def test_keras_reads_an_optimizer_config_with_a_schedule(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras")
    for schedule in (schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True), schedules.PiecewiseConstantDecay(
            [3, 7], [0.1, 0.05, 0.01]), schedules.CosineDecayRestarts(0.1, 5, t_mul=1.5, m_mul=0.5, alpha=0.1)):
        ours = optimizers.SGD(schedule, momentum=0.9)
        theirs = keras.optimizers.deserialize(optimizers.serialize(ours))
        assert type(theirs).__name__ == "SGD" and theirs.momentum == 0.9
        assert type(theirs._learning_rate).__name__ == type(schedule).__name__  # (learning_rate: its value now)
        steps = np.arange(12)
        np.testing.assert_allclose([float(theirs._learning_rate(s)) for s in steps], schedule(steps), rtol=1e-6)
        again = keras.optimizers.SGD.from_config(ours.get_config())
        assert type(again._learning_rate).__name__ == type(schedule).__name__


def test_learning_rate_takes_a_0d_array_and_numpy_scalars():
    # Keras 3.15's `optimizer.learning_rate = np.array(0.1)` (and np.float32) sets the rate; glassnet's
    # raised "TypeError: learning_rate must be a number", in the constructor and the setter alike
    w = np.array([1.0, -2.0])
    for rate in (np.array(0.1), np.float32(0.1), np.array(0.1, dtype=np.float32), np.float64(0.1)):
        made, assigned, called = optimizers.SGD(rate), optimizers.SGD(0.5), optimizers.SGD(lambda r=rate: r)
        assigned.learning_rate = rate
        for opt in (made, assigned, called):
            assert opt.learning_rate == float(rate) and type(opt._rate()) is float
            step = w.copy()
            opt.apply(step, np.array([1.0, 1.0]))
            np.testing.assert_allclose(step, w - float(rate))  # hand-worked: w − η·g, g = 1
        assert type(made.get_config()["learning_rate"]) is float  # a JSON number in files
    opt = optimizers.Adam()
    opt.learning_rate.assign(np.array(2, dtype=np.int32))
    assert opt.learning_rate == 2.0
    with pytest.raises(ValueError, match=r"learning_rate must be a number or a 0-d array of one\. .*shape \(1,\)"):
        optimizers.SGD(np.array([0.1]))
    with pytest.raises(ValueError, match=r"shape \(2, 2\)"):
        opt.learning_rate = np.ones((2, 2))
    with pytest.raises(TypeError, match=r"learning_rate must be a real number\. .*dtype bool"):
        optimizers.SGD(np.array(True))
    with pytest.raises(TypeError, match="learning_rate must be a number"):
        optimizers.SGD(np.True_)
    with pytest.raises(TypeError, match="dtype complex128"):
        optimizers.SGD(np.array(1 + 0j))
    for bad in (np.array(np.nan), np.array(np.inf)):
        with pytest.raises(ValueError, match="learning_rate must be finite"):
            optimizers.SGD(bad)
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        opt.learning_rate = np.array(-0.1)
    with pytest.raises(ValueError, match="the learning rate the callable returned must be finite"):
        optimizers.SGD(lambda: np.array(np.nan)).apply(w.copy(), np.ones(2))


def test_schedules_take_0d_arrays_for_their_numbers_as_keras():
    # Keras 3.15's ExponentialDecay(np.array(0.1), 10, np.array(0.5)) is a schedule; glassnet's raised
    # "TypeError: initial_learning_rate must be a number", where an optimizer's learning_rate took one
    made = schedules.ExponentialDecay(np.array(0.1), np.array(10), np.array(0.5))
    assert made(5) == pytest.approx(0.1 * 0.5 ** 0.5)  # hand-worked: 0.1 · 0.5^(5/10)
    assert made.get_config() == {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                                 "staircase": False, "name": "ExponentialDecay"}
    assert [type(v) for v in made.get_config().values()] == [float, int, float, bool, str]  # JSON numbers in files
    cosine = schedules.CosineDecay(np.array(1.0), np.array(4.0), alpha=np.array(0.5),
                                   warmup_target=np.array(2.0), warmup_steps=np.array(2))
    assert cosine(1) == pytest.approx(1.5)  # half-way up from 1 to 2
    assert cosine(4) == pytest.approx(2.0 * (0.5 * 0.5 + 0.5))  # half-way through the cosine: cos(π/2) = 0
    assert all(type(v) in (float, int) for k, v in cosine.get_config().items() if k != "name")
    assert schedules.StepDecay(np.array(0.1), np.array(3), np.array(0.5))(3) == pytest.approx(0.05)
    others = (schedules.InverseTimeDecay(np.array(1.0), np.array(2.0), np.array(1.0)),
              schedules.PolynomialDecay(np.array(1.0), np.array(2), np.array(0.0), np.array(1.0)),
              schedules.CosineDecayRestarts(np.array(1.0), np.array(2), np.array(1.0), np.array(1.0), np.array(0.0)))
    assert [s(1) for s in others] == pytest.approx([1 / (1 + 1 / 2), 0.5, 0.5])  # hand-worked, half-way each
    with pytest.raises(ValueError, match=r"initial_learning_rate must be a number or a 0-d array of one\. "
                                         r".*shape \(1,\)"):
        schedules.ExponentialDecay(np.array([0.1]), 10, 0.5)
    with pytest.raises(ValueError, match=r"decay_steps must be a number or a 0-d array of one\. .*shape \(2,\)"):
        schedules.CosineDecay(0.1, np.array([10, 20]))
    with pytest.raises(TypeError, match=r"decay_rate must be a real number\. .*dtype bool"):
        schedules.ExponentialDecay(0.1, 10, np.array(True))
    with pytest.raises(TypeError, match=r"step_size must be a real number\. .*dtype bool"):
        schedules.StepDecay(0.1, np.array(True))
    for bad in (np.array(np.nan), np.array(np.inf)):
        with pytest.raises(ValueError, match="alpha must be finite"):
            schedules.CosineDecay(0.1, 10, alpha=bad)
    with pytest.raises(ValueError, match="decay_steps must be a positive integer"):
        schedules.PolynomialDecay(0.1, np.array(0))


@pytest.mark.parametrize(("make", "match"), [
    (lambda: optimizers.Lion(beta_1=0.0), "beta_1 must be > 0"),
    (lambda: optimizers.Lion(beta_1=1.5), "beta_1 must be <= 1"),
    (lambda: optimizers.Lion(beta_2=-0.1), "beta_2 must be >= 0"),
    (lambda: optimizers.Lion(learning_rate=-1.0), "learning_rate must be >= 0"),
    (lambda: optimizers.Ftrl(learning_rate=0.0), "learning_rate must be > 0"),
    (lambda: optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power must be <= 0"),
    (lambda: optimizers.Ftrl(initial_accumulator_value=-0.1), "initial_accumulator_value must be >= 0"),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength must be >= 0"),
    (lambda: optimizers.Ftrl(l2_regularization_strength=-1.0), "l2_regularization_strength must be >= 0"),
    (lambda: optimizers.Ftrl(l2_shrinkage_regularization_strength=-1.0),
     "l2_shrinkage_regularization_strength must be >= 0"),
    (lambda: optimizers.Ftrl(beta=-0.5), "beta must be >= 0"),
])
def test_lion_and_ftrl_refuse_bad_arguments_by_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_ftrl_refuses_a_learning_rate_of_0_set_or_reached_by_a_schedule():
    # FTRL divides by η: the constructor refused 0, but the setter took it and a schedule that ends at 0
    # (CosineDecay's default alpha=0) reached it, and fit stopped with a bare ZeroDivisionError
    opt = optimizers.Ftrl(0.1)
    with pytest.raises(ValueError, match="Ftrl's learning_rate must be > 0"):
        opt.learning_rate = 0.0
    assert opt.learning_rate == pytest.approx(0.1)
    opt.learning_rate = 0.2
    assert opt.learning_rate == pytest.approx(0.2)
    opt = optimizers.Ftrl(schedules.CosineDecay(0.1, 2))
    w = np.ones(2)
    for _ in range(2):
        opt.apply(w, np.ones(2))
    before = w.copy()
    with pytest.raises(ValueError, match="Ftrl's learning rate is 0 at step 2"):
        opt.apply(w, np.ones(2))
    np.testing.assert_array_equal(w, before)
    opt = optimizers.Ftrl(lambda: 0.0)
    with pytest.raises(ValueError, match="learning rate is 0 at step 0"):
        opt.apply(np.ones(2), np.ones(2))


def test_lion_and_ftrl_by_hand_first_step():
    # Lion: sign(0.9·0 + 0.1·0.5) = 1, w = 1 − 0.1; m = 0.01·0.5
    opt = optimizers.Lion(0.1)
    assert run(opt, w0=[1.0], grads=[[0.5]])[0, 0] == pytest.approx(0.9, abs=1e-15)
    assert opt.state["momentum"][0] == pytest.approx(0.005, abs=1e-15)
    # Ftrl, p = −½: n' = 0.1 + 0.25; z = 0.5 − (√0.35 − √0.1)/η·1; w = −z / (√0.35/η)
    opt = optimizers.Ftrl(0.1)
    z = 0.5 - (math.sqrt(0.35) - math.sqrt(0.1)) / 0.1
    assert run(opt, w0=[1.0], grads=[[0.5]])[0, 0] == pytest.approx(-z / (math.sqrt(0.35) / 0.1), abs=1e-14)
    assert opt.state["linear"][0] == pytest.approx(z, abs=1e-14)


def test_lion_keeps_stepping_on_a_tiny_momentum_until_it_would_be_subnormal():
    # sign(m) of m = 1e-35 is a whole step: clearing it below 1e-30 (the other rules' bound) stopped the weight
    # (and one that could become subnormal, 10-100x slower arithmetic, before the next clearing is cleared)
    opt, w = optimizers.Lion(0.001, beta_1=1.0, beta_2=0.9), np.zeros(1, dtype=np.float32)
    opt.apply(w, np.array([1.0], dtype=np.float32))
    steps = 0
    for _ in range(1000):
        before = w[0]
        opt.apply(w, np.zeros(1, dtype=np.float32))
        m = opt.state["momentum"][0]
        assert m == 0 or m >= np.finfo(np.float32).tiny
        steps += w[0] < before
    assert opt.state["momentum"][0] == 0 and steps > 750  # 638 steps when cleared below 1e-30


# Adafactor against Keras 3.15 (JAX, float64) with one change: Keras's ops.mean computes a float64 mean in
# float32 (its result_type turns 64-bit types into 32-bit ones), which moved the means, and so the steps, by
# ~1e-8; the reference patches keras.src.backend.numpy.mean to jnp.mean in float64 (unpatched Keras agrees to
# 1e-5). Variables: a (3, 4) matrix, a (4,) vector, a (2,) bias and a (2, 2, 3) array (factored over its last
# two axes); the vector's gradient is 0 at step 7.
ADAFACTOR_SHAPES = [(3, 4), (4,), (2,), (2, 2, 3)]
KERAS_ADAFACTOR_FLOAT64 = {
    "defaults": (
        lambda: optimizers.Adafactor(),
        [-0.8034070460124584, -1.3253502761117086, -0.24743573417826792, 0.4210126550466038, 1.135770221981655,
         0.11005854292538905, -0.5502358287583581, -0.7823788790655043, 0.747427117945546, 1.637738319090467,
         0.2702264028062344, -1.2353759789826377, -0.9565110841021338, 1.596063337371363, 0.20060103750587988,
         -1.7355905370360232, -0.08275951019945212, -1.1632400060465702, -0.6304401853814662, -0.48524384912808843,
         -0.7135959739953035, 0.550250224510884, -0.06514819404746831, -0.5868623613120449, 0.41112228238718534,
         0.8287486457081595, -1.6459439752581728, -0.2591971569563533, -0.9819541681228228, -0.17325266673016587]),
    "learning_rate_0.5": (
        lambda: optimizers.Adafactor(0.5),
        [-1.7022908176925173, -2.0357181368069677, 0.014741002221994369, 0.8281697256559769, 1.131662327243371,
         0.5865896532752244, 0.4442947934523439, 0.5037210877277172, 0.17246849644727857, 2.9000616375786477,
         -1.5577283221040088, -2.250771649838872, -0.31397158566392386, -0.17221243566652933, -0.3057165380129692,
         -3.266503952308637, -0.04076475833399293, -0.8229442156833238, -1.3054429474583866, 1.2268309772673505,
         -0.7660649395650357, -1.3464923019152248, -1.2562527054118462, 0.6578298192733592, 1.3050856374858366,
         0.4840062915445232, -3.4403357049056953, -1.7274464071850655, -1.314250915296161, -0.24786791573986483]),
    "every_argument_weight_decay": (
        lambda: optimizers.Adafactor(0.3, beta_2_decay=-0.5, epsilon_1=1e-3, epsilon_2=0.1, clip_threshold=0.5,
                                     relative_step=False, weight_decay=0.1),
        [-0.6310237748131189, -0.8922160817469275, -0.013201903402226371, 0.34676386006187154, 0.5354938365928675,
         0.17721845767191613, 0.028828433804132636, -0.13887245736808526, 0.29988718467037956, 1.1491963958205313,
         -0.19270207274498974, -1.0509119021644047, -0.4222139209599444, 0.6599177102321908, -0.038375555461740936,
         -1.2166704059837599, -0.021133198204668052, -0.5719318878244554, -0.47076131347452366, -0.04705885159140408,
         -0.38435185779825903, 0.024681583951577095, -0.22781621686445494, -0.13933022611240442, 0.5018225679652162,
         0.3682417992218259, -1.2126308269252446, -0.45048790379159886, -0.5257135766068606, -0.11368205831722952]),
    "schedule_clipnorm_ema": (
        lambda: optimizers.Adafactor(schedules.ExponentialDecay(0.4, 3, 0.8), clip_threshold=2.0,
                                     clipnorm=1.0, use_ema=True, ema_momentum=0.7),
        [-2.095741342098446, -2.4830183553657594, 0.9367469855142162, 1.3785084552247873, 0.33208380013664085,
         2.0403721589235015, 2.4327306291937125, -0.3395558012310338, -0.060121337296588, 3.086065209321117,
         -1.0008576988100557, -3.8571597466506176, -0.8377951376960789, 1.0944807494405921, -0.5445840720007644,
         -2.972204386050867, -0.06770285767131054, -0.5325228788548818, -0.7482516628372775, -0.04731314310501816,
         -0.6755337142108399, 0.2339041251792649, -1.1054408908058062, 0.24618847209299682, 1.759825422946809,
         1.4725560028840887, -3.880815567200206, -1.6028916371101756, 0.002901713754383535, -1.0372636340795764]),
    "accumulation_global_clipnorm": (
        lambda: optimizers.Adafactor(0.2, global_clipnorm=2.0, gradient_accumulation_steps=2,
                                     relative_step=False),
        [-0.9295871411799647, -1.3258175055350663, -0.11682351290005791, 0.6401232610883519, 0.765487825241778,
         0.2216021712073023, 0.25058271839433444, 0.0636698591314285, 0.44685312207713046, 2.0645237947214117,
         -0.509537743403615, -1.781691127923386, -0.4797419256661392, 0.9389467844321606, -0.14714385642156227,
         -1.7352889722603093, 0.4549350942227672, -0.8846837464820376, -0.5853268433792018, 0.2320585368499424,
         -0.8524045427448176, -0.22599734008589403, -0.41771141627958713, 0.08023072795219385, 0.9218274619805596,
         0.6119855571383588, -2.3739593983629574, -0.894655726681564, -1.3169766255063495, -0.18061805575690382]),
}


def test_adafactor_by_hand_first_step():
    # step 1: β = 1 − 1^−0.8 = 0, so r and c are the row and column means of g² = [[.04, .01], [.16, .09]]:
    # r = [.025, .125] (mean .075), c = [.1, .05], v = r/mean(r) ⊗ c = [[1/30, 1/60], [1/6, 1/12]],
    # u = g/√v = [.2√30, −.1√60, .4√6, .3√12], RMS(u) = √.96 < 1 (not clipped); α = RMS(w)·min(η, 1)
    W0, G = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[0.2, -0.1], [0.4, 0.3]])
    opt = optimizers.Adafactor(0.1)
    w = W0.ravel().copy()
    opt.build(4, w.dtype, [slice(0, 4)], [(2, 2)])
    opt.apply(w, G.ravel().copy())
    alpha = math.sqrt((1 + 4 + 0.25 + 9) / 4) * 0.1
    u = [0.2 * math.sqrt(30), -0.1 * math.sqrt(60), 0.4 * math.sqrt(6), 0.3 * math.sqrt(12)]
    np.testing.assert_allclose(w, W0.ravel() - alpha * np.array(u), rtol=1e-14)
    np.testing.assert_allclose(opt.state["r"], [0.025, 0.125], rtol=1e-14)
    np.testing.assert_allclose(opt.state["c"], [0.1, 0.05], rtol=1e-14)
    # and a vector keeps v = g² + ε₁ itself: u = g/|g|, a step of α against each gradient's sign
    opt, w = optimizers.Adafactor(0.1), np.array([1.0, -2.0])
    opt.apply(w, np.array([0.2, -0.1]))
    np.testing.assert_allclose(w, [1.0 - math.sqrt(2.5) * 0.1, -2.0 + math.sqrt(2.5) * 0.1], rtol=1e-15)


@pytest.mark.parametrize(("make", "match"), [
    (lambda: optimizers.Adafactor(learning_rate=-1.0), "learning_rate must be >= 0"),
    (lambda: optimizers.Adafactor(beta_2_decay=0.5), "beta_2_decay must be <= 0"),
    (lambda: optimizers.Adafactor(epsilon_1=-1e-30), "epsilon_1 must be >= 0"),
    (lambda: optimizers.Adafactor(epsilon_2=-1.0), "epsilon_2 must be >= 0"),
    (lambda: optimizers.Adafactor(clip_threshold=0.0), "clip_threshold must be > 0"),
])
def test_adafactor_refuses_bad_arguments_by_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()
    with pytest.raises(TypeError, match="relative_step"):
        optimizers.Adafactor(relative_step=1)
    with pytest.raises(ValueError, match="shapes must give each of the 1 slices its size"):
        optimizers.Adafactor().build(4, np.float64, [slice(0, 4)], [(3,)])


def test_adafactor_refuses_a_model_whose_weights_changed_shape_but_not_count(rng):
    # Dense(2) then Dense(1) on 3 inputs: 8 + 3 weights; Dense(1) without bias then Dense(4): 3 + 8, the same
    # count of 11 in other shapes, whose rows and columns the state does not describe
    X = rng.standard_normal((8, 3))
    first = glassnet.models.Sequential([glassnet.layers.Input((3,)), glassnet.layers.Dense(2), glassnet.layers.Dense(1)])
    first.compile(optimizer=optimizers.Adafactor(), loss="mse")
    first.fit(X, X[:, :1], epochs=1, verbose=0)
    other = glassnet.models.Sequential([glassnet.layers.Input((3,)), glassnet.layers.Dense(1, use_bias=False),
                                        glassnet.layers.Dense(4)])
    assert other.count_params() == first.count_params()
    other.compile(optimizer=first.optimizer, loss="mse")
    first.optimizer._model = None  # (not refused as another model's: the check on shapes is the one wanted)
    with pytest.raises(ValueError, match="built for weights of shapes"):
        other.fit(X, rng.standard_normal((8, 4)), epochs=1, verbose=0)


# Lamb against Keras 3.15 (JAX, float64, keras.config.set_floatx("float64"); Keras keeps the whole rule in
# float64, no patch needed): built on a (3, 4) matrix, a (4,) vector and a (2,) bias, then optimizer.apply of
# the 20 gradients of _keras_data_on_shapes(LAMB_SHAPES, 7) (the vector's gradient 0 at step 7); the weights
# after the 20 steps (and the moving average, use_ema), printed with repr
LAMB_SHAPES = [(3, 4), (4,), (2,)]
KERAS_LAMB_FLOAT64 = {
    "defaults": (
        lambda: optimizers.Lamb(),
        [0.011084745256206204, 0.3103916070606608, -0.2669413870865024, -0.8991673560085992, -0.44351632517904677,
         -0.9971756300017316, 0.054424933978028445, 1.3389580710185638, -0.4867918652456262,
         -0.6130700697948971, 0.497218430170448, 0.35079694482181467, 0.10701903930285914,
         -0.9178394963676609, -0.027536045411266783, 0.7101148646284257, -1.3506009012524152,
         -0.4580429502433956]),
    "arguments_weight_decay": (
        lambda: optimizers.Lamb(0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-3, weight_decay=0.1),
        [0.2591617327420863, 0.7307966373954929, 0.018306692988095362, -1.1068412245133756, -0.12024421022145457,
         -1.1507699528145747, -0.22626397616402438, 1.1918389987665146, -0.30116793249435597,
         -0.26361746054160984, 0.7837845927277683, 0.08243005503747322, -0.00877360578896997,
         -0.30480491510211455, 0.027254811684347166, 1.2576588607232428, -1.4621908089881166,
         -0.5651851999499378]),
    "schedule_clipnorm_ema": (
        lambda: optimizers.Lamb(schedules.ExponentialDecay(0.1, 3, 0.8), clipnorm=1.0, use_ema=True,
                                ema_momentum=0.7, ema_overwrite_frequency=6),
        [0.39505511021125045, 0.5099180795177067, -0.03175131206336325, -1.0724104751321328, -0.24141326995869725,
         -1.2032812440117757, 0.30252226211715993, 1.4001536259064078, -0.16487877302767928,
         0.034084641539695, 0.6457293929315042, 0.5022849010730135, 0.31372878898298645, -0.7702693045868085,
         0.11253992893826162, 1.5095196840363838, -2.0600940413484192, -0.09474633230736101],
        [0.4118184194553811, 0.5004236800700834, -0.04432027772380544, -1.0856256640089268, -0.24081640140028557,
         -1.1613023358609833, 0.3008325061689839, 1.3836683787897335, -0.18292377267285817,
         0.02561593975107624, 0.6175094649042501, 0.47347323478557035, 0.358051189067856, -0.7683262996754079,
         0.09514009869556335, 1.502800877178549, -2.018425591169051, -0.05224378982102311]),
    "accumulation_global_clipnorm": (
        lambda: optimizers.Lamb(0.02, global_clipnorm=2.0, gradient_accumulation_steps=2),
        [0.14561459469656912, 0.4061689496691479, -0.2150841721821625, -0.9843554003853822, -0.30310527761431005,
         -1.0554471911460903, 0.0161749948842759, 1.288692214302349, -0.39587026801028424,
         -0.5004203017905243, 0.5280214879427673, 0.3442835838689287, 0.12226209077759087, -0.800153764284191,
         -0.0011211044880940183, 0.8498590585445531, -1.4900512318511139, -0.5855769943781092]),
    "clipvalue_epsilon_0": (
        lambda: optimizers.Lamb(0.03, epsilon=0.0, clipvalue=0.5),
        [0.4014094290957852, 0.61449651031009, -0.17503084385530304, -0.8948020007451852, -0.11734118635766874,
         -1.2778576057377786, 0.09095349022907045, 1.3493510721730062, -0.30201787374805755,
         -0.04297628067400294, 0.737798015156902, 0.5515819359546074, 0.3580438959705651, -0.7721201518633091,
         0.1400519141669403, 1.2925672970177864, -1.742914201865786, -0.44240325675502956]),
}


def test_lamb_by_hand_first_step():
    # step 1: m̂ = g and v̂ = g², so u = g / (|g| + ε); each variable moves by η‖w‖ along u/‖u‖ (trust ratio
    # ‖w‖/‖u‖), and a variable of weights 0 by η u (ratio 1)
    w, g = np.array([3.0, -4.0, 0.0, 0.0]), np.array([0.5, 0.25, -2.0, 1.0])
    opt = optimizers.Lamb(0.1, epsilon=0.0)
    opt.build(4, w.dtype, [slice(0, 2), slice(2, 4)])
    opt.apply(w, g)
    step = 0.1 * 5.0 / math.sqrt(2)  # ‖w‖ = 5, u = [1, 1], ‖u‖ = √2
    np.testing.assert_allclose(w, [3.0 - step, -4.0 - step, 0.1, -0.1], rtol=1e-15)
    np.testing.assert_allclose(opt.state["m"], 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(opt.state["v"], 0.001 * g * g, rtol=1e-12)


@pytest.mark.parametrize(("make", "match"), [
    (lambda: optimizers.Lamb(learning_rate=-1.0), "learning_rate must be >= 0"),
    (lambda: optimizers.Lamb(beta_1=1.0), "beta_1 must be"),
    (lambda: optimizers.Lamb(beta_2=-0.1), "beta_2 must be"),
    (lambda: optimizers.Lamb(epsilon=-1e-7), "epsilon must be >= 0"),
    (lambda: optimizers.Lamb(clipnorm=0.0), "clipnorm must be > 0"),
    (lambda: optimizers.Lamb(weight_decay=-0.1), "weight_decay must be >= 0"),
])
def test_lamb_refuses_bad_arguments_by_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# Muon against Keras 3.15 (JAX, float64) with one change: Keras's ops.norm computes a float64 norm in float32
# (its result_type(float64, float) is float32), which moved the Newton–Schulz start, and so the steps, by
# ~1e-10; the reference makes that promotion keep float64, as the keras_float64 fixture of conftest.py
# (unpatched Keras agrees to 2e-10). Variables, named as glassnet's build(paths=...) and Keras's Variable(name=...):
# a (3, 4) matrix "dense_kernel", a (4,) vector, a (2,) bias, a tall (5, 2) matrix "output_kernel" (its
# transpose is orthogonalized) and a (2, 2, 3) array "conv_embedding" (AdamW: not 2-D); the vector's gradient
# is 0 at step 7
MUON_SHAPES = [(3, 4), (4,), (2,), (5, 2), (2, 2, 3)]
MUON_PATHS = ["dense_kernel", "dense_bias_vector", "bias", "output_kernel", "conv_embedding"]
KERAS_MUON_FLOAT64 = {
    "defaults": (
        lambda: optimizers.Muon(),
        [0.0034929725716668003, 0.29994699011381115, -0.272512040620776, -0.886068348148417, -0.4591039088932023,
         -0.9885959971101151, 0.06245555464572056, 1.3394704112412619, -0.49061363143292597,
         -0.6202264182622962, 0.49074548625618575, 0.3561265117002221, 0.10181331067459641,
         -0.9328404382877719, -0.02233494293404167, 0.6960842282350294, -1.3470400230087858,
         -0.4548756077961871, -1.9042641295208869, -1.2858068674927916, -1.8435230486120775,
         -0.23230395175429608, -1.2673854697190061, 0.2733564577561594, 0.1596042915222734,
         -0.18795304347112307, -2.521446808037406, -0.5419752050794452, -0.04392749482206472,
         0.12459730871668821, -1.5285587932280544, -0.475561366425021, -0.9750854847582219,
         -0.7975474434434525, 1.057292021847772, -0.8081522556893495, -0.029478199180917125,
         0.8849607493998167, -0.5756262206787948, -0.11932038197073021]),
    "every_argument": (
        lambda: optimizers.Muon(0.02, adam_beta_1=0.8, adam_beta_2=0.99, adam_weight_decay=0.01, epsilon=1e-5,
                                weight_decay=0.1, exclude_layers=["out.ut"], exclude_embeddings=False, muon_a=3.0,
                                muon_b=-3.2, muon_c=1.2, adam_lr_ratio=0.5, momentum=0.9, ns_steps=3,
                                nesterov=False, rms_rate=None),
        [0.12621436026049157, 0.3499580314006627, -0.13155991952767748, -0.610162657612071, -0.6799823397245404,
         -0.8100890337309712, 0.18473605347834834, 1.2670540202491416, -0.39217246697217706,
         -0.5504449042509348, 0.48649529929374963, 0.3116771607810741, 0.06833338921219755,
         -0.9344383255285427, 0.041655621283085906, 0.7043469495809395, -1.36697549372951,
         -0.4143807111540086, -1.960453712673136, -1.1757665017578864, -1.9032149699908751,
         -0.15077531728954063, -1.271860289683407, 0.28735889635033807, 0.2327036380546727,
         -0.1843422793289998, -2.5771634306032083, -0.55792060690262, -0.017257665683315694,
         0.21580600011208276, -1.506662768409644, -0.4668857232669295, -0.9423977443709949,
         -0.6828278424445167, 1.0418882525482243, -0.7906616678582847, -0.0053684261155878266,
         0.8856392464660763, -0.5045952832684834, -0.1683228608853088]),
    "schedule_clipnorm_ema": (
        lambda: optimizers.Muon(schedules.ExponentialDecay(0.05, 3, 0.8), clipnorm=1.0, use_ema=True,
                                ema_momentum=0.7, rms_rate=0.3),
        [0.14339646948103446, 0.2646647800917657, -0.289746579480852, -0.7057103971821026, -0.5570507269628671,
         -0.8981672748697527, 0.18654974958793877, 1.4339878189383517, -0.4270216202347752,
         -0.7045859155797172, 0.6094114170129709, 0.3194391237733047, 0.08443762145985437, -0.971611838462308,
         0.10487386041079158, 0.573592228525655, -1.3786740712708883, -0.48094766145381307,
         -1.9582145079811768, -1.1045485876162888, -1.9299503855723834, -0.10854668365560194,
         -1.269777033998514, 0.300014634581464, 0.31024797242562874, -0.15870772674540842, -2.693794632265399,
         -0.6696199154888884, 0.10834516666990762, 0.4960694149753575, -1.5124921597371566,
         -0.3118638074368438, -0.8043059414469282, -0.632723742543487, 0.8439738085405153,
         -0.7534788792481344, 0.07437224589460563, 1.1205735238886758, -0.6171775566725766,
         -0.2336186741097158],
        [0.13178442412337973, 0.26536995367574645, -0.2839690052072895, -0.7191054477818113, -0.5465243268296951,
         -0.9065193270758063, 0.18422517491199622, 1.4252626082564979, -0.4323213431046563,
         -0.7122372314962158, 0.5972934352753272, 0.31902651250769914, 0.08170572362456162,
         -0.9860905477168587, 0.0969363823414992, 0.5691813649996638, -1.3681049305294524,
         -0.4940606260903965, -1.9526669378583854, -1.115485972069063, -1.9206359901287504,
         -0.11739222022864092, -1.270143339000244, 0.3040307938305699, 0.309844281198131,
         -0.16162092077624132, -2.6808004190732957, -0.6600577641431697, 0.10895458760523491,
         0.4861030568295809, -1.523911543860936, -0.3121276059171252, -0.8103485053247688,
         -0.6387654888340503, 0.8431028787771493, -0.7649790145142115, 0.06891170139245163, 1.115807052590387,
         -0.6158034001582766, -0.24350307526301357]),
    "accumulation_global_clipnorm_no_decay": (
        lambda: optimizers.Muon(0.01, global_clipnorm=2.0, gradient_accumulation_steps=2,
                                adam_weight_decay=None, weight_decay=None),
        [0.01374543034271806, 0.3039356910694848, -0.2713115641888684, -0.8689772070792581, -0.47933752949056035,
         -0.9802045992386687, 0.07052288023339422, 1.345330780307466, -0.48054600881917764,
         -0.6124303636634599, 0.5047450088795642, 0.3507789780064673, 0.0953098677465093, -0.9257924371664359,
         0.021623720677671505, 0.7200433991551705, -1.3812954887703026, -0.4345272606534807,
         -1.9157599281343465, -1.2701033967533077, -1.8513306835342351, -0.22111124431697335,
         -1.2597798856620859, 0.27929577215677076, 0.16836464983177699, -0.19328622131771991,
         -2.53385192084634, -0.5504343942497778, -0.0031172644559804437, 0.19191539621687084,
         -1.5105646969522142, -0.4529788233324543, -0.9755146415453247, -0.7699068788959568,
         1.0207164539306552, -0.8162620291361409, -0.025535787452512157, 0.9058706123442553,
         -0.528739880041029, -0.16433348148279797]),
    "clipvalue_ns_steps_0": (
        lambda: optimizers.Muon(0.01, clipvalue=0.5, ns_steps=0),
        [0.01916568057046444, 0.2810068666665969, -0.27254692060936725, -0.8713344035018117, -0.47125746427237547,
         -0.9764027896372541, 0.07412582839916404, 1.3431210171207457, -0.47430832991918614,
         -0.6194595044887227, 0.5056580092705099, 0.34918581851792496, 0.09799521793135535,
         -0.9011161981011059, 0.018220886112612574, 0.662780584008077, -1.3772514157722104,
         -0.399023536178886, -1.9069963228884217, -1.2493567321836754, -1.8661538621441902,
         -0.20500944051003891, -1.2634382998080294, 0.27931772108861014, 0.18857732551360484,
         -0.17334470188170184, -2.540174699679233, -0.5578536271642738, -0.005797627343771877,
         0.23774186616200155, -1.5207876363963013, -0.4533971860854037, -0.9146214563129706,
         -0.7119549030104797, 1.0113920276496362, -0.816800489964577, -0.0034700696967646777,
         0.9415157775489491, -0.5471544269730876, -0.15079949664135842]),
}


def test_muon_sends_to_adamw_what_keras_does():
    # not 2-D; "embedding" in the path (exclude_embeddings); a path an exclude_layers pattern finds (re.search)
    opt = optimizers.Muon(exclude_layers=["^head/"])
    assert [opt._uses_adam(shape, path) for shape, path in [
        ((3, 4), "dense/W"), ((4,), "dense/b"), ((2, 2, 3), "conv/W"), ((3, 4), "token_Embedding/W"),
        ((3, 4), "head/W"), ((3, 4), "my_head/W")]] == [False, True, True, True, True, False]
    assert not optimizers.Muon(exclude_embeddings=False)._uses_adam((3, 4), "embedding/W")


@pytest.mark.parametrize(("pattern", "excluded"), [
    ("dense", [True, True, False, False]),
    ("^encoder/", [False, False, True, True]),
    ("(kernel|bias)$", [True, True, True, True]),
    ("layer_[0-9]+/kernel", [False, False, True, False]),
    (r"\bdense\b", [True, False, False, False]),  # not dense_1: "_" is a word character
])
def test_muon_exclude_layers_finds_the_paths_keras_s_re_search_finds(pattern, excluded):
    # Keras's Muon asks re.search; glassnet's own (linear-time) matcher must give its answers
    paths = ["sequential/dense/kernel", "sequential/dense_1/kernel", "encoder/layer_0/kernel", "encoder/layer_12/bias"]
    opt = optimizers.Muon(exclude_layers=[pattern])
    assert [opt._uses_adam((3, 4), path) for path in paths] == excluded
    assert excluded == [re.search(pattern, path) is not None for path in paths]


def test_muon_by_hand_first_step_orthogonalizes_the_matrix():
    # step 1 of a matrix: m = g, M = g + μg (Nesterov); with enough Newton–Schulz steps of the classic cubic
    # (a, b, c) = (1.5, −0.5, 0), X converges to UVᵀ of M's SVD; the step is η·UVᵀ·sqrt(max(n, k))·rms_rate
    g = np.array([[3.0, 0.0, 1.0], [0.0, -2.0, 0.5]])
    opt = optimizers.Muon(0.1, muon_a=1.5, muon_b=-0.5, muon_c=0.0, ns_steps=60, weight_decay=0.0)
    w = np.zeros(6)
    opt.build(6, w.dtype, [slice(0, 6)], [(2, 3)], ["dense/W"])
    opt.apply(w, g.ravel().copy())
    U, _, Vt = np.linalg.svd(g, full_matrices=False)
    np.testing.assert_allclose(w, -0.1 * (U @ Vt).ravel() * math.sqrt(3) * 0.2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(opt.state["m"], g.ravel(), rtol=1e-15)
    # and decays by weight_decay (the matrix) and adam_weight_decay (the rest) before the step
    opt = optimizers.Muon(0.1, weight_decay=0.5, adam_weight_decay=0.25)
    w = np.ones(8)
    opt.build(8, w.dtype, [slice(0, 6), slice(6, 8)], [(2, 3), (2,)], ["dense/W", "dense/b"])
    opt._decay(w, 0.1)
    np.testing.assert_allclose(w, [0.95] * 6 + [0.975] * 2, rtol=1e-15)


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda: optimizers.Muon(learning_rate=-1.0), ValueError, "learning_rate must be >= 0"),
    (lambda: optimizers.Muon(adam_beta_1=1.0), ValueError, "adam_beta_1 must be"),
    (lambda: optimizers.Muon(adam_beta_2=-0.1), ValueError, "adam_beta_2 must be"),
    (lambda: optimizers.Muon(adam_weight_decay=-0.1), ValueError, "adam_weight_decay must be >= 0"),
    (lambda: optimizers.Muon(epsilon=-1e-7), ValueError, "epsilon must be >= 0"),
    (lambda: optimizers.Muon(weight_decay=-1.0), ValueError, "weight_decay must be >= 0"),
    (lambda: optimizers.Muon(exclude_layers="dense"), TypeError, "exclude_layers must be a list"),
    (lambda: optimizers.Muon(exclude_layers=["("]), ValueError, "exclude_layers must hold regular expressions"),
    (lambda: optimizers.Muon(exclude_layers=["out", r"(dense)/\1"]), ValueError,  # (Keras's re.search backtracks)
     r"exclude_layers must hold regular expressions that glassnet can match without backtracking: "
     r"'\(dense\)/\\\\1' uses a backreference"),
    (lambda: optimizers.Muon(exclude_layers=["(?<=dense)/kernel"]), ValueError,
     r"'\(\?<=dense\)/kernel' uses a lookaround"),
    (lambda: optimizers.Muon(exclude_embeddings=1), TypeError, "exclude_embeddings must be True or False"),
    (lambda: optimizers.Muon(muon_a=float("nan")), ValueError, "muon_a"),
    (lambda: optimizers.Muon(muon_b="x"), TypeError, "muon_b must be a number"),
    (lambda: optimizers.Muon(adam_lr_ratio=-1), ValueError, "adam_lr_ratio must be >= 0"),
    (lambda: optimizers.Muon(momentum=1.5), ValueError, "momentum must be"),
    (lambda: optimizers.Muon(ns_steps=2.5), TypeError, "ns_steps must be a non-negative integer"),
    (lambda: optimizers.Muon(ns_steps=-1), ValueError, "ns_steps must be a non-negative integer"),
    (lambda: optimizers.Muon(nesterov="yes"), TypeError, "nesterov must be True or False"),
    (lambda: optimizers.Muon(rms_rate=-0.2), ValueError, "rms_rate must be >= 0"),
    (lambda: optimizers.Muon().build(4, np.float64, [slice(0, 4)], [(4,)], ["a", "b"]), ValueError,
     "paths must name each of the 1 slices"),
])
def test_muon_refuses_bad_arguments_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


# ScheduleFreeAdamW against Keras 3.15 (JAX, float64; Keras keeps the rule in float64, no patch), on Lamb's
# variables and gradients (_keras_data_on_shapes(LAMB_SHAPES, 7))
KERAS_SCHEDULE_FREE_FLOAT64 = {
    "defaults": (
        lambda: optimizers.ScheduleFreeAdamW(),
        [0.006084096987122688, 0.3036809859379554, -0.2711910882208563, -0.8965974533156983, -0.44977150417978734,
         -0.9948263275577021, 0.058028820172279325, 1.3409809861553843, -0.4907657417537262,
         -0.6142533663645807, 0.4941798086365888, 0.35807324339102187, 0.10496838978042115,
         -0.9206188561696872, -0.02926442203735575, 0.7064692874978412, -1.3477935222330462,
         -0.45857669696258363]),
    "arguments_weight_decay_warmup": (
        lambda: optimizers.ScheduleFreeAdamW(0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-3, warmup_steps=5,
                                             weight_decay=0.1),
        [0.0414991537162514, 0.355826518085716, -0.2269936319404346, -0.9806979273583429, -0.3822746427318706,
         -1.0048558419130273, 0.005117004577611835, 1.271028787102925, -0.477580461160911,
         -0.5278390275796256, 0.5571946072440137, 0.38819677451774925, 0.037762276691496025,
         -0.7223951509598207, -0.06568526226327111, 0.832789727697562, -1.2924898860046266,
         -0.49754574300453064]),
    "schedule_clipnorm_ema": (
        lambda: optimizers.ScheduleFreeAdamW(schedules.ExponentialDecay(0.1, 3, 0.8), clipnorm=1.0, use_ema=True,
                                             ema_momentum=0.7, ema_overwrite_frequency=6),
        [0.20326202103628485, 0.33738631889131976, -0.1902061275897592, -1.0027050129580417, -0.35556842575115427,
         -1.1104760500761108, 0.13355780567029613, 1.4358546528461056, -0.3711507627066982,
         -0.24449492419367205, 0.5774188435207614, 0.4536462891194926, 0.21146551235212757,
         -0.8679693271602053, 0.04658283650702225, 1.124657689566635, -1.5187340326149041, -0.3755279012163038],
        [0.2074115592185474, 0.33565287032931573, -0.1921299590296847, -1.00236120111777, -0.3588198849643662,
         -1.095228351875266, 0.13008571133074553, 1.4303916541498845, -0.37660820386721117,
         -0.25059262255906195, 0.5674895100671401, 0.4367899041657566, 0.21583883755493077,
         -0.8688028017114582, 0.045678073877907205, 1.1175689568791027, -1.514597247334327,
         -0.3720685285907416]),
    "accumulation_global_clipnorm_warmup": (
        lambda: optimizers.ScheduleFreeAdamW(0.02, global_clipnorm=2.0, gradient_accumulation_steps=2,
                                             warmup_steps=3, weight_decay=0.05),
        [0.028456617534466228, 0.3114429393097355, -0.25805708087713436, -0.912666853123689, -0.425334092153157,
         -1.0188407096061927, 0.05289263502787754, 1.3304895225178786, -0.4818668723655234,
         -0.581475257219003, 0.49513498257536415, 0.38108008016464534, 0.08725727447603798,
         -0.8818548575699972, -0.03166798756034832, 0.7473482044261326, -1.351857073779443, -0.482779571435837]),
    "clipvalue_epsilon_0": (
        lambda: optimizers.ScheduleFreeAdamW(0.03, epsilon=0.0, clipvalue=0.5),
        [0.10446211022772582, 0.36754459122921845, -0.2572758512278062, -0.9119199100817788, -0.3714425689326503,
         -1.0625695510436843, 0.07075317052586086, 1.34532003873575, -0.44270275190063996,
         -0.46744582452517924, 0.5646870294224378, 0.441624578342732, 0.1889447325816418, -0.8835699835279335,
         -0.0017880542060306813, 0.8797666500061649, -1.391569995611457, -0.4614318875711012]),
}


def test_schedule_free_adamw_by_hand_first_step():
    # step 1 (t = 1, z = w): v = (1−β₂)g², so z' = w − η g/(|g| + ε); x = w, x' = z' (weight 1/t = 1), and
    # w ← (1−β₁)z' + β₁z' = z'. Weight decay λ moves w to w(1 − ηλ) first and leaves z.
    w, g = np.array([2.0, -1.0]), np.array([0.5, -4.0])
    opt = optimizers.ScheduleFreeAdamW(0.1, epsilon=0.0)
    opt.apply(w, g)
    np.testing.assert_allclose(w, [1.9, -0.9], rtol=1e-15)
    np.testing.assert_allclose(opt.state["z"], [1.9, -0.9], rtol=1e-15)
    opt, w = optimizers.ScheduleFreeAdamW(0.1, epsilon=0.0, weight_decay=0.5, beta_1=0.5), np.array([2.0, -1.0])
    opt.apply(w, g)
    # z' = [1.9, −0.9]; x = (w(1−ηλ) − (1−β₁)z)/β₁ = (1.9 − 1)/0.5 = 1.8 and (−0.95 + 0.5)/0.5 = −0.9; x' = z'
    np.testing.assert_allclose(w, [1.9, -0.9], rtol=1e-15)
    np.testing.assert_allclose(opt.state["z"], [1.9, -0.9], rtol=1e-15)
    # step 2 with warmup: the rate is η·min(t/warmup_steps, 1) = η/4 at t = 1
    opt, w = optimizers.ScheduleFreeAdamW(0.4, epsilon=0.0, warmup_steps=4), np.array([2.0, -1.0])
    opt.apply(w, g)
    np.testing.assert_allclose(w, [1.9, -0.9], rtol=1e-15)


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda: optimizers.ScheduleFreeAdamW(learning_rate=-1.0), ValueError, "learning_rate must be >= 0"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_1=0.0), ValueError, "beta_1 must be > 0"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_1=1.0), ValueError, "beta_1 must be"),
    (lambda: optimizers.ScheduleFreeAdamW(beta_2=1.0), ValueError, "beta_2 must be"),
    (lambda: optimizers.ScheduleFreeAdamW(epsilon=-1e-8), ValueError, "epsilon must be >= 0"),
    (lambda: optimizers.ScheduleFreeAdamW(warmup_steps=-1), ValueError, "warmup_steps must be a non-negative"),
    (lambda: optimizers.ScheduleFreeAdamW(warmup_steps=2.5), TypeError, "warmup_steps must be a non-negative"),
])
def test_schedule_free_adamw_refuses_bad_arguments_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_schedule_free_adamw_starts_z_at_a_layer_s_weights_when_it_is_first_trained(rng):
    # Keras's z starts at the weights; here it is NaN until a variable's first update: a layer frozen
    # in the first fit starts from the weights it has when it is unfrozen, not from 0
    X, y = rng.standard_normal((32, 3)), rng.standard_normal((32, 1))
    model = _model("schedule_free_adamw")
    model.layers[0].trainable = False
    model.compile(optimizer=model.optimizer, loss="mse")
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    first = slice(0, model.optimizer.slices[1].stop)
    assert np.isnan(model.optimizer.state["z"][first]).all()
    assert not np.isnan(model.optimizer.state["z"][first.stop:]).any()
    model.layers[0].trainable = True
    model.compile(optimizer=model.optimizer, loss="mse")
    before = np.concatenate([a.ravel() for a in model.layers[0].get_weights()])
    model.fit(X[:8], y[:8], epochs=1, batch_size=8, verbose=0)
    after = np.concatenate([a.ravel() for a in model.layers[0].get_weights()])
    assert not np.isnan(model.optimizer.state["z"]).any()
    assert np.abs(after - before).max() < 0.05  # one small step from where the layer was (from z = 0: far)


# The checks every optimizer added from Keras 3.15 (Lion, Ftrl, Adafactor, Lamb, Muon, ScheduleFreeAdamW)
# shares, one test each, parametrized by the optimizer; what one optimizer checks beyond them follows its test.

# Each optimizer as the shared model trains it
TRAINED_WITH = {
    "lion": lambda: optimizers.Lion(0.01),
    "ftrl": lambda: optimizers.Ftrl(0.5),
    "ftrl_l1_beta": lambda: optimizers.Ftrl(0.5, l1_regularization_strength=1e-3, beta=0.1),
    "adafactor": lambda: optimizers.Adafactor(0.05),
    "lamb": lambda: optimizers.Lamb(0.02),
    "muon": lambda: optimizers.Muon(0.02, exclude_layers=["/out/"]),
    "schedule_free_adamw": lambda: optimizers.ScheduleFreeAdamW(0.01, warmup_steps=4, weight_decay=0.01),
}


def _model(name, seed=5, jit_compile=False, dtype=None):
    """Dense(8, tanh), Dense(4), Dense(1) on 3 inputs, compiled with ``TRAINED_WITH[name]``; the output
    layer is called "out" (Muon's exclude_layers finds it by that name)."""
    glassnet.utils.set_random_seed(seed)
    model = glassnet.models.Sequential([glassnet.layers.Input((3,)), glassnet.layers.Dense(8, activation="tanh"),
                                        glassnet.layers.Dense(4), glassnet.layers.Dense(1, name="out")], dtype=dtype)
    model.compile(optimizer=TRAINED_WITH[name](), loss="mse", jit_compile=jit_compile)
    return model


def _fit_in_float32(name, rng):
    X = rng.standard_normal((128, 3)).astype(np.float32)
    y = X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3
    model = _model(name, dtype="float32")
    return model, model.fit(X, y, epochs=30, batch_size=16, verbose=0).history["loss"]


@pytest.mark.parametrize("name", sorted(TRAINED_WITH))
def test_fits_a_small_model_in_float32(name, rng):
    model, history = _fit_in_float32(name, rng)
    assert model.get_weights()[0].dtype == np.float32
    assert history[-1] < 0.2 * history[0]


def test_adafactor_keeps_row_and_column_factors_of_the_kernels_in_a_fit(rng):
    model, _ = _fit_in_float32("adafactor", rng)
    # the (3, 8), (8, 4) and (4, 1) kernels keep a row and a column factor, the biases a full v
    assert {k: v.shape for k, v in model.optimizer.state.items()} == {"r": (3 + 8 + 4,), "c": (8 + 4 + 1,),
                                                                     "v": (8 + 4 + 1,)}


def test_muon_excludes_the_output_layer_by_name_in_a_fit(rng):
    model, _ = _fit_in_float32("muon", rng)
    opt = model.optimizer
    assert opt.paths == ["sequential/dense/kernel", "sequential/dense/bias", "sequential/dense_1/kernel",
                         "sequential/dense_1/bias", "sequential/out/kernel", "sequential/out/bias"]
    # only the AdamW variables (the biases and the excluded output kernel) have a second moment
    used = [bool(np.any(opt.state["v"][part])) for part in opt.slices]
    assert used == [False, True, False, True, True, True]


def test_muon_warns_of_an_exclude_layers_pattern_that_matches_no_variable(rng):
    # paths are Keras's now: a pattern written for glassnet's old "dense/W" (or a typo) silently excluded nothing
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 1))
    L = glassnet.layers
    model = glassnet.models.Sequential([L.Dense(4, input_dim=3), L.Dense(1, name="out")], seed=0)
    model.compile(optimizer=optimizers.Muon(exclude_layers=["dense/W", "/out/"]), loss="mse")
    with pytest.warns(UserWarning, match=r"pattern\(s\) \['dense/W'\] match no variable of this model: its paths are "
                                         r"Keras's variable.path, such as 'sequential/dense/kernel'") as caught:
        model.fit(X, y, epochs=1, verbose=0)
    assert [w.filename for w in caught if "exclude_layers" in str(w.message)] == [__file__]  # the fit call's line


@pytest.mark.parametrize("name", ["lamb", "muon", "schedule_free_adamw"])
def test_with_jit_compile_steps_as_without(name, rng):
    # no compiled loop for these rules: jit_compile=True runs the NumPy rule, whose weights are the same
    X, y = rng.standard_normal((64, 3)), rng.standard_normal((64, 1))
    plain, compiled = _model(name), _model(name, jit_compile=True)
    plain.fit(X, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    compiled.fit(X, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    assert compiled.optimizer.jit_compile and not plain.optimizer.jit_compile
    for a, b in zip(plain.get_weights(), compiled.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _state_of_layer(optimizer, layer):
    """The part of each state vector that belongs to ``layer`` (0 or 1) of ``_model``: a span of the
    parameters, or for Adafactor the rows and columns of its kernel (r and c) and its bias (v)."""
    if isinstance(optimizer, optimizers.Adafactor):
        # kernels (3, 8), (8, 4), (4, 1): r has 3 + 8 + 4 rows, c 8 + 4 + 1 columns, v the biases 8 + 4 + 1
        return {"r": [slice(0, 3), slice(3, 11)][layer], "c": [slice(0, 8), slice(8, 12)][layer],
                "v": [slice(0, 8), slice(8, 12)][layer]}
    span = slice(optimizer.slices[2 * layer].start, optimizer.slices[2 * layer + 1].stop)
    return {name: span for name in optimizer.state_names}


@pytest.mark.parametrize("name", ["adafactor", "lamb", "muon", "schedule_free_adamw"])
def test_with_a_frozen_layer_keeps_its_weights_and_state(name, rng):
    # Adafactor's state is not per parameter: a frozen layer's rows and columns are found by variable
    X, y = rng.standard_normal((32, 3)), rng.standard_normal((32, 1))
    model = _model(name)
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    for frozen in (0, 1):  # the first (a trained span after it) and the middle one (put back after each step)
        model.layers[1 - frozen].trainable = True
        model.layers[frozen].trainable = False
        model.compile(optimizer=model.optimizer, loss="mse")
        weights = model.layers[frozen].get_weights()
        state = {k: v.copy() for k, v in model.optimizer.state.items()}
        model.fit(X, y, epochs=1, batch_size=8, verbose=0)
        for a, b in zip(weights, model.layers[frozen].get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        for key, part in _state_of_layer(model.optimizer, frozen).items():
            np.testing.assert_array_equal(model.optimizer.state[key][part], state[key][part])
            assert not np.array_equal(model.optimizer.state[key], state[key])  # the trained ones moved
        assert model.optimizer.paths[-2] == "sequential/out/kernel"  # the span's paths were put back (Muon reads them)


@pytest.mark.parametrize("name", sorted(TRAINED_WITH))
def test_state_is_saved_and_a_resumed_fit_equals_an_uninterrupted_one(name, tmp_path, rng):
    X = rng.standard_normal((64, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    straight = _model(name)
    straight.fit(X, y, epochs=4, batch_size=16, shuffle=False, verbose=0)
    first = _model(name)
    first.fit(X, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    first.save(tmp_path / "half.gn")
    resumed = glassnet.models.load_model(tmp_path / "half.gn")
    assert type(resumed.optimizer) is type(first.optimizer) and resumed.optimizer.iterations == 8
    # its arguments too (Muon's exclude_layers=["/out/"], ScheduleFreeAdamW's warmup_steps=4)
    assert resumed.optimizer.get_config() == first.optimizer.get_config()
    assert set(resumed.optimizer.state) == set(first.optimizer.state_names)
    for key in first.optimizer.state_names:
        np.testing.assert_array_equal(resumed.optimizer.state[key], first.optimizer.state[key])
    resumed.fit(X, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("names", "make", "key", "value"), [
    pytest.param(["lamb"], lambda: optimizers.Lamb(0.02, beta_1=0.8, beta_2=0.95, epsilon=1e-5, weight_decay=0.01,
                                                   name="mine"), "beta_2", 0.95, id="lamb"),
    pytest.param(["muon"], lambda: optimizers.Muon(0.02, exclude_layers=["out"], ns_steps=3, nesterov=False,
                                                   rms_rate=None, adam_weight_decay=None),
                 "exclude_layers", ["out"], id="muon"),
    pytest.param(["schedulefreeadamw", "schedule_free_adamw"],  # Keras's get name, and glassnet's
                 lambda: optimizers.ScheduleFreeAdamW(0.01, beta_1=0.8, warmup_steps=10, weight_decay=0.01),
                 "warmup_steps", 10, id="schedule_free_adamw"),
])
def test_is_in_the_registry_and_comes_back_from_its_config(names, make, key, value):
    opt = make()
    for name in names:
        assert type(optimizers.get(name)) is type(opt)
    config = optimizers.serialize(opt)
    assert config["class_name"] == type(opt).__name__ and config["config"][key] == value
    again = optimizers.deserialize(config)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_muon_keeps_exclude_layers_none_as_an_empty_list():
    assert optimizers.Muon().get_config()["exclude_layers"] == []  # Keras's: None is kept as []


def _keras_data_on_shapes(shapes, seed):
    """The start and the 20 gradients the Keras references were recorded on: every third step's gradient
    10x the others', and entries 12:16 (the (4,) vector after the (3, 4) matrix) 0 at step 7."""
    rng = np.random.default_rng(seed)
    n = sum(math.prod(shape) for shape in shapes)
    w0 = rng.standard_normal(n)
    grads = rng.standard_normal((20, n)) * np.where(np.arange(20) % 3 == 0, 3.0, 0.3)[:, None]
    grads[7, 12:16] = 0.0
    ends = np.cumsum([0] + [math.prod(shape) for shape in shapes])
    return w0, grads, [slice(a, b) for a, b in zip(ends[:-1], ends[1:])]


# optimizer: (its recorded Keras weights, the variables' shapes, their paths, the seed of _keras_data_on_shapes)
KERAS_FLOAT64_ON_SHAPES = {
    "adafactor": (KERAS_ADAFACTOR_FLOAT64, ADAFACTOR_SHAPES, None, 5),
    "lamb": (KERAS_LAMB_FLOAT64, LAMB_SHAPES, None, 7),
    "muon": (KERAS_MUON_FLOAT64, MUON_SHAPES, MUON_PATHS, 7),
    "schedule_free_adamw": (KERAS_SCHEDULE_FREE_FLOAT64, LAMB_SHAPES, None, 7),
}


def _twenty_float64_steps_on_shapes(optimizer_name, case):
    """Run Keras's recorded case: build on its variables, apply the 20 gradients; the optimizer, the
    weights after, and the Keras weights (and moving average, use_ema) to compare them with."""
    table, shapes, paths, seed = KERAS_FLOAT64_ON_SHAPES[optimizer_name]
    make, want, *average = table[case]
    optimizer = make()
    w, grads, slices = _keras_data_on_shapes(shapes, seed)
    optimizer.build(w.size, w.dtype, slices, shapes, paths)
    for g in grads:
        optimizer.apply(w, g.copy())
    return optimizer, w, want, average


@pytest.mark.parametrize(("optimizer_name", "case"), [
    pytest.param(optimizer_name, case, id=f"{optimizer_name}-{case}")
    for optimizer_name, (table, *_) in KERAS_FLOAT64_ON_SHAPES.items() for case in sorted(table)])
def test_twenty_float64_steps_on_shaped_variables_equal_keras_s_to_1e_12(optimizer_name, case):
    optimizer, w, want, average = _twenty_float64_steps_on_shapes(optimizer_name, case)
    np.testing.assert_allclose(w, want, rtol=1e-12, atol=1e-14)
    if average:
        np.testing.assert_allclose(optimizer.state["average"], average[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", sorted(KERAS_ADAFACTOR_FLOAT64))
def test_adafactor_keeps_its_state_per_row_and_column_in_the_keras_cases(case):
    optimizer, *_ = _twenty_float64_steps_on_shapes("adafactor", case)
    # per row and column of the matrix and the array, and per entry of the vectors only
    assert {key: optimizer.state[key].shape for key in "rcv"} == {"r": (3 + 4,), "c": (4 + 6,), "v": (4 + 2,)}


#: (Keras class, settings) for the custom-loop step: every rule with its options, each clipping, a schedule, EMA
KERAS_LOOP_CASES = {
    "sgd_nesterov": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    "sgd_plain_clipvalue": ("SGD", dict(learning_rate=0.1, clipvalue=0.3)),
    "adam_amsgrad_clipnorm": ("Adam", dict(learning_rate=0.01, amsgrad=True, clipnorm=0.5)),
    "rmsprop_centered_global_clipnorm": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True,
                                                         global_clipnorm=1.0)),
    "adamw": ("AdamW", dict(learning_rate=0.01, weight_decay=0.1)),
    "adagrad": ("Adagrad", dict(learning_rate=0.1)),
    "adam_ema": ("Adam", dict(learning_rate=0.1, use_ema=True, ema_overwrite_frequency=2)),
    "adam_schedule": ("Adam", dict(learning_rate=("ExponentialDecay", 0.1, 1, 0.5))),
}


@pytest.mark.parametrize("case", sorted(KERAS_LOOP_CASES))
def test_apply_gradients_on_arrays_equals_keras_in_float64(case, keras_x64, rng):
    # a custom loop's step, optimizer.apply_gradients(zip(grads, variables)), was refused: it now updates the
    # arrays in place as Keras's updates its variables, with the state kept per variable
    keras, _ = keras_x64
    keras.config.set_floatx("float64")  # its learning rate too (a float32 variable: 1e-9 apart)
    name, settings = KERAS_LOOP_CASES[case]
    made = {}
    for lib, module in (("keras", keras.optimizers), ("glassnet", optimizers)):
        config = dict(settings)
        if isinstance(config["learning_rate"], tuple):
            schedule, *args = config["learning_rate"]
            config["learning_rate"] = getattr(module.schedules, schedule)(*args)
        made[lib] = getattr(module, name)(**config)
    start = [rng.normal(size=shape) for shape in ((3, 4), (4,), (2,))]
    variables = [keras.Variable(w, dtype="float64") for w in start]
    arrays = [w.copy() for w in start]
    for _ in range(4):
        grads = [rng.normal(size=w.shape) for w in start]
        made["keras"].apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
        assert made["glassnet"].apply_gradients(zip(grads, arrays)) == int(made["keras"].iterations)
    for v, w in zip(variables, arrays):
        np.testing.assert_allclose(w, np.asarray(v.value), rtol=0, atol=1e-15)
    assert made["glassnet"].iterations == 4


#: (Keras class, settings) for a custom loop that steps some of the variables at a time: every kind of state
KERAS_SUBSET_CASES = {
    "sgd_nesterov": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    "adam_amsgrad_clipnorm": ("Adam", dict(learning_rate=0.01, amsgrad=True, clipnorm=0.5)),
    "rmsprop_centered_global_clipnorm": ("RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True,
                                                         global_clipnorm=1.0)),
    "adamw": ("AdamW", dict(learning_rate=0.01, weight_decay=0.1)),
    "nadam": ("Nadam", dict(learning_rate=0.01)),
    "adadelta": ("Adadelta", dict(learning_rate=1.0)),
    "lion": ("Lion", dict(learning_rate=0.01)),
    "ftrl": ("Ftrl", dict(learning_rate=0.1, l1_regularization_strength=0.01,
                          l2_shrinkage_regularization_strength=0.01)),
    "lamb": ("Lamb", dict(learning_rate=0.01)),
    "adafactor": ("Adafactor", dict(learning_rate=0.01)),
    "muon": ("Muon", dict(learning_rate=0.01)),
    "adam_ema": ("Adam", dict(learning_rate=0.1, use_ema=True, ema_overwrite_frequency=3)),
    "adam_accumulating": ("Adam", dict(learning_rate=0.1, gradient_accumulation_steps=2)),
    "schedule_free_adamw": ("ScheduleFreeAdamW", dict(learning_rate=0.01, warmup_steps=2)),
}


@pytest.mark.parametrize("case", sorted(KERAS_SUBSET_CASES))
def test_apply_gradients_on_some_of_the_variables_equals_keras_in_float64(case, keras_x64, rng):
    # after the first step a loop over some of the variables was refused; Keras steps those given with their own
    # slots (the moving average follows every variable, as Keras's), in any order
    keras, _ = keras_x64
    keras.config.set_floatx("float64")
    name, settings = KERAS_SUBSET_CASES[case]
    theirs, ours = getattr(keras.optimizers, name)(**settings), getattr(optimizers, name)(**settings)
    start = [rng.normal(size=shape) for shape in ((3, 4), (4,), (2, 5))]
    variables = [keras.Variable(w, dtype="float64") for w in start]
    arrays = [w.copy() for w in start]
    for subset in ([0, 1, 2], [2], [1, 0], [2, 0, 1], [1], [0, 1, 2]):
        grads = [rng.normal(size=start[i].shape) for i in subset]
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], [variables[i] for i in subset]))
        ours.apply_gradients(zip(grads, [arrays[i] for i in subset]))
    assert ours.iterations == int(theirs.iterations)
    tolerance = 1e-8 if name in ("Adafactor", "Muon") else 1e-14  # (Keras's own float64 rounding there)
    for v, w in zip(variables, arrays):
        np.testing.assert_allclose(w, np.asarray(v.value), rtol=0, atol=tolerance)


def test_apply_gradients_applies_the_layers_constraints_as_keras(keras_x64, rng):
    # a custom loop's apply_gradients(zip(grads, model.trainable_weights)) left kernel_constraint and
    # bias_constraint out (a NonNeg kernel went negative), where fit applies them and Keras's optimizer.apply
    # applies each variable's constraint after the step
    keras, _ = keras_x64
    keras.config.set_floatx("float64")
    # (dtype given: another test may have set Keras's global dtype policy, which floatx does not override)
    theirs = keras.Sequential([keras.Input((3,), dtype="float64"),
                               keras.layers.Dense(4, kernel_constraint="non_neg", dtype="float64",
                                                  bias_constraint=keras.constraints.MaxNorm(0.5))])
    ours = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(4, kernel_constraint="non_neg",
                                                                             bias_constraint=glassnet.constraints.MaxNorm(0.5))],
                               dtype="float64")
    ours.set_weights(theirs.get_weights())
    mine, keras_opt = optimizers.Adam(0.1), keras.optimizers.Adam(0.1)
    for _ in range(3):
        grads = [rng.normal(size=w.shape) for w in ours.get_weights()]
        keras_opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], theirs.trainable_variables))
        mine.apply_gradients(zip(grads, ours.trainable_weights))
    for w, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(w, expected, rtol=0, atol=1e-15)
    layer = ours.layers[0]
    assert (layer.kernel >= 0).all() and np.linalg.norm(layer.bias) <= 0.5 + 1e-12
    # the layer's own attributes too; hand-worked: W ← max(W − η g, 0) under plain SGD
    W0, g = layer.kernel.copy(), np.full((3, 4), 10.0)
    optimizers.SGD(0.1).apply([g], [layer.kernel])
    np.testing.assert_array_equal(layer.kernel, np.maximum(W0 - 1.0, 0))
    free = np.ones(2)  # an array no layer handed out keeps its unconstrained step
    optimizers.SGD(1.0).apply([np.full(2, 3.0)], [free])
    np.testing.assert_array_equal(free, [-2.0, -2.0])


def test_muon_steps_arrays_in_a_custom_loop_as_keras(keras_x64, rng):
    # Muon has a method _variables(): the list form's attribute of that name replaced it ("'list' object is not
    # callable"), and Muon.build(variables) wanted a dtype
    keras, _ = keras_x64
    keras.config.set_floatx("float64")
    start = [rng.normal(size=(3, 4)), rng.normal(size=4)]
    variables = [keras.Variable(w, dtype="float64") for w in start]
    arrays = [w.copy() for w in start]
    theirs, ours = keras.optimizers.Muon(0.01), optimizers.Muon(0.01)
    ours.build(arrays)
    for _ in range(3):
        grads = [rng.normal(size=w.shape) for w in start]
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
        ours.apply(grads)
    for v, w in zip(variables, arrays):  # (Keras's Newton-Schulz iteration: 5e-10 apart)
        np.testing.assert_allclose(w, np.asarray(v.value), rtol=0, atol=1e-8)


def test_apply_takes_keras_3_s_forms_and_builds_once(rng):
    w, b = rng.normal(size=(2, 3)), rng.normal(size=3)
    grads = [np.ones((2, 3)), np.ones(3)]
    optimizer = optimizers.SGD(0.5, momentum=0.5)
    with pytest.raises(ValueError, match="without trainable_variables, the optimizer must already be built"):
        optimizer.apply(grads)
    w0 = w.copy()
    optimizer.apply(grads, [w, b])
    np.testing.assert_array_equal(w, w0 - 0.5)  # hand-worked: v = -η g, w += v
    optimizer.apply(grads)  # the variables it was built for (Keras: grads alone once built)
    np.testing.assert_array_equal(w, w0 - 0.5 - 0.75)  # v = 0.5·(-0.5) - 0.5
    optimizer.apply(grads, trainable_variables=[w, b])
    assert optimizer.iterations == 3
    assert grads[0][0, 0] == 1  # the caller's gradients are not modified
    built = optimizers.Adam()
    built.build([w, b])  # Keras's optimizer.build(variables)
    built.apply(grads)
    assert built.iterations == 1
    optimizer.apply([], [])  # as Keras: nothing to apply, nothing counted
    assert optimizer.iterations == 3


def test_apply_gradients_refuses_bad_variables_and_gradients_naming_them(rng):
    w, b = rng.normal(size=(2, 3)), rng.normal(size=3)
    optimizer = optimizers.Adam()
    with pytest.raises(TypeError, match=r"trainable_variables\[0\] must be an array that the step updates in place"):
        optimizer.apply_gradients([(np.ones(2), [1.0, 2.0])])
    with pytest.raises(TypeError, match=r"trainable_variables\[1\] must be an array of floats.*int64"):
        optimizer.apply([np.ones((2, 3)), np.ones(3)], [w, np.zeros(3, dtype=np.int64)])
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match=r"trainable_variables\[0\] is read-only"):
        optimizer.apply([np.ones(3)], [frozen])
    with pytest.raises(ValueError, match="grads must have one gradient per variable.*1 gradients for 2"):
        optimizer.apply([np.ones((2, 3))], [w, b])
    with pytest.raises(TypeError, match="grads_and_vars must be pairs"):
        optimizer.apply_gradients([np.ones(3)])
    with pytest.raises(TypeError, match="trainable_variables must all have one dtype"):
        optimizer.apply([np.ones(3), np.ones(3)], [b, np.zeros(3, np.float32)])
    assert not optimizer.built
    optimizer.apply([np.ones((2, 3)), np.ones(3)], [w, b])
    before = [w.copy(), b.copy()], optimizer.get_state()
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(2,\), but its variable trainable_variables"
                                         r"\[1\] has shape \(3,\)"):
        optimizer.apply([np.ones((2, 3)), np.ones(2)], [w, b])
    with pytest.raises(ValueError, match=r"grads\[1\] has NaN or infinite entries.*Nothing was changed"):
        optimizer.apply([np.ones((2, 3)), np.array([1.0, np.nan, 0.0])], [w, b])
    with pytest.raises(ValueError, match=r"grads\[0\] is None"):
        optimizer.apply([None, np.ones(3)], [w, b])
    # other variables than those it was built for, as Keras: a new optimizer for a new set of variables
    with pytest.raises(ValueError, match=r"trainable_variables\[1\] is not one of the 2 variables this optimizer "
                                         r"was built with.*Unknown variable.*new optimizer"):
        optimizer.apply([np.ones((2, 3)), np.ones(3)], [w, b.copy()])
    np.testing.assert_array_equal(w, before[0][0])
    np.testing.assert_array_equal(b, before[0][1])
    assert optimizer.iterations == before[1][0] == 1
    with pytest.raises(TypeError, match="MultiOptimizer steps a model's weights in fit"):
        optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD())).apply([np.ones(3)], [b])


def _twin_models(make_optimizer):
    """Two equal 3-4-2 tanh networks, each compiled with an optimizer of ``make_optimizer()``, mse."""
    models = []
    for _ in range(2):
        model = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(4, activation="tanh"),
                                     glassnet.layers.Dense(2)], seed=0)
        model.compile(optimizer=make_optimizer(), loss="mse")
        models.append(model)
    return models


def test_an_optimizer_that_fit_built_steps_the_model_s_trainable_weights(rng):
    # Keras's model.optimizer, built by fit, goes on in a custom loop with the same state
    glassnet.config.set_floatx("float64")
    X, Y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    models = _twin_models(lambda: optimizers.Adam(0.01))
    for model in models:
        model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    by_fit, by_loop = models
    by_fit.train_on_batch(X[:8], Y[:8])
    grads = by_loop.gradients(X[:8], Y[:8], trainable_only=True)
    by_loop.optimizer.apply_gradients(zip(grads, by_loop.trainable_weights))
    for a, b in zip(by_fit.get_weights(), by_loop.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"built for variables of shapes \[\(3, 4\), \(4,\), \(4, 2\), \(2,\)\]"
                                         r".*but trainable_variables have shapes \[\(3,\)\]"):
        models[0].optimizer.apply([np.ones(3)], [np.zeros(3)])




@pytest.mark.parametrize("frozen", [0, 1])
def test_an_optimizer_that_fit_built_steps_the_trainable_weights_beside_frozen_layers(frozen, rng):
    # fit built the state for every weight, a frozen layer's too; the loop's trainable_weights leave it out.
    # It was refused ('built for variables of shapes [(3, 4), (4,), (4, 4), ...]'), where Keras goes on
    glassnet.config.set_floatx("float64")
    X, Y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    models = []
    for _ in range(2):
        model = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(4, activation="tanh"),
                                     glassnet.layers.Dense(4, activation="tanh"), glassnet.layers.Dense(2)], seed=0)
        model.layers[frozen].trainable = False
        model.compile(optimizer=optimizers.Adam(0.01, use_ema=True, ema_overwrite_frequency=2), loss="mse")
        model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        models.append(model)
    by_fit, by_loop = models
    for step in range(3):  # the frozen layer's state is kept between steps, as fit keeps it
        batch = slice(8 * (step % 2), 8 * (step % 2) + 8)
        by_fit.train_on_batch(X[batch], Y[batch])
        grads = by_loop.gradients(X[batch], Y[batch], trainable_only=True)
        by_loop.optimizer.apply_gradients(zip(grads, by_loop.trainable_weights))
    for a, b in zip(by_fit.get_weights(), by_loop.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)
    for name, slot in by_fit.optimizer.state.items():
        np.testing.assert_allclose(slot, by_loop.optimizer.state[name], rtol=1e-14, atol=1e-15, err_msg=name)


def test_fit_after_a_custom_loop_beside_a_frozen_layer_goes_on_with_its_state_as_keras(keras_x64, rng):
    # the loop's apply_gradients built the state for the trainable weights alone and fit for every weight:
    # fit refused the optimizer ('built for 28 weights, but the model now has 53'); Keras's fit goes on with
    # its optimizer's slots. (relu: XLA's float64 tanh on the CPU is 1e-8 from NumPy's.)
    keras, jax = keras_x64
    keras.config.set_floatx("float64")  # (Keras's learning-rate variable: float32 otherwise)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    theirs = keras.Sequential([keras.Input((3,), dtype="float64")] + [keras.layers.Dense(
        units, activation=activation, dtype="float64") for units, activation in [(4, "relu"), (5, "relu"), (2, None)]])
    ours = glassnet.Sequential([glassnet.Input((3,))] + [glassnet.layers.Dense(units, activation=activation)
                                                         for units, activation in [(4, "relu"), (5, "relu"), (2, None)]],
                               dtype="float64")
    ours.set_weights(theirs.get_weights())
    theirs.layers[1].trainable = ours.layers[1].trainable = False
    their_opt, our_opt = keras.optimizers.Adam(0.05), optimizers.Adam(0.05)

    def their_loss(trainable, non_trainable):
        return keras.ops.mean((theirs.stateless_call(trainable, non_trainable, X)[0] - Y) ** 2)

    def loop_step():
        grads = jax.grad(their_loss)([v.value for v in theirs.trainable_variables],
                                     [v.value for v in theirs.non_trainable_variables])
        their_opt.apply_gradients(zip(grads, theirs.trainable_variables))
        our_opt.apply_gradients(zip(ours.gradients(X, Y, trainable_only=True), ours.trainable_weights))

    ours.compile(loss="mse")  # the loss that gradients differentiates
    for _ in range(3):
        loop_step()
    theirs.compile(optimizer=their_opt, loss=keras.losses.MeanSquaredError(dtype="float64"))
    ours.compile(optimizer=our_opt, loss="mse")
    theirs.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    ours.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    assert our_opt.iterations == int(their_opt.iterations) == 6
    for mine, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=0, atol=1e-14)
    parts = [our_opt.slices[j] for j in our_opt._loop_parts]  # the trainable weights' state, in their order
    for i, (part, v) in enumerate(zip(parts, ours.trainable_weights)):
        for name, theirs_slot in (("m", their_opt._momentums[i]), ("v", their_opt._velocities[i])):
            np.testing.assert_allclose(our_opt.state[name][part].reshape(v.shape), np.asarray(theirs_slot),
                                       rtol=1e-12, atol=1e-16, err_msg=f"{name} of variable {i}")
    loop_step()  # and the loop goes on after fit
    for mine, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("name", sorted(set(optimizers.CLASSES) - {"LossScaleOptimizer", "MultiOptimizer"}))
def test_fit_after_a_loop_over_the_weights_in_another_order_goes_on_with_each_ones_state(name, rng):
    # a loop over every weight, the last layer's first, built a state of the model's size in the loop's
    # order: fit took it as its own layout, Adam's moments of one weight stepping another (Adafactor and Muon
    # refused the shapes). Keras keys the state by variable, so the order of the loop changes nothing.
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    start = [rng.normal(size=shape) for shape in [(3, 4), (4,), (4, 2), (2,)]]

    def run(order):
        model = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(4, activation="relu"),
                                     glassnet.layers.Dense(2)], dtype="float64")
        model.set_weights(start)
        optimizer = optimizers.get(name)
        model.compile(optimizer=optimizer, loss="mse")
        for step in range(4):  # loop, fit, loop again
            if step == 2:
                model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
            grads = model.gradients(X, Y, trainable_only=True)
            optimizer.apply_gradients([(grads[i], model.trainable_weights[i]) for i in order])
        return model.get_weights()

    for mine, expected in zip(run([3, 2, 1, 0]), run([0, 1, 2, 3])):
        np.testing.assert_allclose(mine, expected, rtol=1e-13, atol=1e-15)


def test_fit_refuses_an_optimizer_a_loop_built_for_other_arrays(rng):
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(2)])
    model.compile(optimizer=optimizers.Adam(0.01), loss="mse")
    model.optimizer.apply_gradients([(np.ones(3), np.zeros(3))])
    with pytest.raises(ValueError, match=r"built for 3 weights, but the model now has 8 \(a custom loop's "
                                         r"apply_gradients built it for arrays that are not all this model's"):
        model.fit(X, Y, epochs=1, verbose=0)


def test_optimizers_defined_in_their_own_modules_keep_the_path_of_pickles_made_before():
    # optimizers.py became a package (base, sgd, adam, ..., loss_scale, multi): a model or an estimator
    # pickled before names its optimizer's class by glassnet.optimizers (protocol 0: "c<module>\n<name>"),
    # and a built MultiOptimizer its _Group too; that path must keep giving the same class
    import pickle

    names = [*optimizers.CLASSES, "Optimizer", "OptimizerMap", "_Group"]
    for name in names:
        assert pickle.loads(f"cglassnet.optimizers\n{name}\n.".encode()) is getattr(optimizers, name), name
    assert {cls.__module__ for cls in optimizers.CLASSES.values()} != {"glassnet.optimizers"}  # (moved, indeed)
    for name in ("BLOCK", "FLUSH_EVERY", "variable_parts", "schedules", "get", "serialize", "deserialize"):
        assert hasattr(optimizers, name), name


@pytest.mark.parametrize("jit_compile", [False, True])
def test_an_optimizer_pickled_before_jit_compile_existed_still_steps(jit_compile):
    # written by glassnet at 048cf8d, before optimizers had jit_compile: SGD(0.1, momentum=0.9) after one step of
    # g = [0.5, -4] from w = [1, -2] (m = [-0.05, 0.4]); unpickled, its next step failed ('SGD' object has no
    # attribute 'jit_compile')
    import pickle
    from pathlib import Path

    from glassnet import kernels

    opt = pickle.loads((Path(__file__).parent / "data" / "glassnet-048cf8d-sgd.pkl").read_bytes())
    assert opt.jit_compile is False
    if jit_compile:
        if not kernels.available():
            pytest.skip("numba is not installed (pip install glassnet[jit])")
        opt.jit_compile = True
    w = np.array([0.95, -1.6])
    opt.apply(w, np.array([1.0, 2.0]))
    m = 0.9 * np.array([-0.05, 0.4]) - 0.1 * np.array([1.0, 2.0])  # m ← α m − η g; w ← w + m
    np.testing.assert_allclose(opt.state["momentum"], m, rtol=1e-15)
    np.testing.assert_allclose(w, np.array([0.95, -1.6]) + m, rtol=1e-15)
    np.testing.assert_allclose(w, [0.805, -1.44], rtol=1e-12)


def test_the_same_array_twice_is_refused_where_one_of_its_updates_was_lost():
    # SGD(0.1) stepped both copies from the same start and kept the second write-back: [0.9 0.9], Keras [0.8 0.8]
    a, b = np.ones(2), np.ones(3)
    optimizer = optimizers.SGD(0.1)
    with pytest.raises(ValueError, match=r"trainable_variables\[2\] is the same array as trainable_variables\[0\]"
                                         r".*sum of its gradients \(grads\[0\] \+ grads\[2\]\)"):
        optimizer.apply_gradients([(np.ones(2), a), (np.ones(3), b), (np.ones(2), a)])
    with pytest.raises(ValueError, match=r"trainable_variables\[1\] is the same array"):
        optimizer.build([a, a])
    np.testing.assert_array_equal(a, [1.0, 1.0])
    assert not optimizer.built
    optimizer.apply_gradients([(np.ones(2) + np.ones(2), a)])  # the sum, once: Keras's two steps of SGD
    np.testing.assert_allclose(a, [0.8, 0.8])
    # an optimizer that fit built, taking a loop's variables
    model = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(2)], seed=0)
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    kernel = model.trainable_weights[0]
    with pytest.raises(ValueError, match=r"trainable_variables\[1\] is the same array as trainable_variables\[0\]"):
        model.optimizer.apply_gradients([(np.ones((3, 2)), kernel), (np.ones((3, 2)), kernel)])


class _ConstantSchedule(schedules.LearningRateSchedule):
    def __init__(self, rate):
        self.rate = rate

    def __call__(self, step):
        return self.rate


@pytest.mark.parametrize("rate, error", [(float("nan"), "must be finite"), (-0.5, "must be >= 0")])
def test_a_schedule_s_nan_or_negative_rate_is_refused_as_a_callable_s(rate, error, rng):
    # a custom schedule's NaN made the weights NaN and -0.5 climbed the loss, where a callable's was refused
    w = np.ones(2)
    with pytest.raises(ValueError, match=f"the learning rate the schedule returned {error}"):
        optimizers.SGD(_ConstantSchedule(rate)).apply_gradients([(np.ones(2), w)])
    np.testing.assert_array_equal(w, [1.0, 1.0])
    with pytest.raises(ValueError, match=f"the learning rate the callable returned {error}"):
        optimizers.SGD(lambda: rate).apply_gradients([(np.ones(2), w)])
    # fit: refused at the first step, before its divergence warning advised "(currently nan), e.g. nan"
    model = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(1)], seed=0)
    model.compile(optimizer=optimizers.SGD(_ConstantSchedule(rate)), loss="mse")
    with pytest.raises(ValueError, match=f"the learning rate the schedule returned {error}"):
        model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 1)), verbose=0)


def test_a_keras_schedule_or_a_callable_of_the_step_is_refused_when_given(keras_x64):
    # taken, then "__call__() missing 1 required positional argument: 'step'" at the first step
    keras, _ = keras_x64
    theirs = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)
    message = r"Keras schedule, ExponentialDecay.*glassnet.schedules.ExponentialDecay\(\*\*schedule.get_config\(\)\)"
    with pytest.raises(TypeError, match=message):
        optimizers.SGD(theirs)
    optimizer = optimizers.SGD(0.1)
    with pytest.raises(TypeError, match=message):
        optimizer.learning_rate = theirs
    with pytest.raises(TypeError, match="a callable of no arguments.*needs argument\\(s\\) step"):
        optimizers.Adam(lambda step: 0.1 / (step + 1))
    assert optimizer.learning_rate == 0.1
    ours = schedules.ExponentialDecay(**theirs.get_config())  # the advice works
    assert ours(3) == pytest.approx(float(theirs(3)), rel=1e-6)
    optimizers.SGD(lambda *args, scale=1.0: 0.1 * scale)  # nothing needed: taken


def test_iterations_has_keras_s_variable_methods_and_stays_an_int():
    import copy
    import json
    import pickle

    optimizer, w = optimizers.Adam(0.1, gradient_accumulation_steps=2), np.ones(2)
    for _ in range(6):
        steps = optimizer.apply_gradients([(np.ones(2), w)])
    assert steps == optimizer.iterations == 3 and steps.numpy() == 3 and steps.numpy().dtype == np.int64
    assert (steps + 1, steps * 2, f"{steps:02d}", json.dumps({"i": steps}), repr(steps)) == (4, 6, "03", '{"i": 3}', "3")
    assert type(pickle.loads(pickle.dumps(steps))) is int and type(copy.deepcopy(steps)) is int
    assert optimizer.iterations.assign(1) == 1 and optimizer.iterations == 1 and optimizer._iterations == 2
    with pytest.raises(ValueError, match="iterations must be a non-negative integer"):
        optimizer.iterations.assign(-1)
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()))
    multi.iterations.assign(4)
    assert multi.iterations == 4 and multi.iterations.numpy() == 4


def test_finalize_variable_values_ends_a_custom_loop_on_the_average_as_fit(rng):
    # Keras's finalize_variable_values was missing: a use_ema loop could not end on the moving average
    glassnet.config.set_floatx("float64")
    X, Y = rng.normal(size=(32, 3)), rng.normal(size=(32, 2))
    by_fit, by_loop = _twin_models(lambda: optimizers.Adam(0.05, use_ema=True, ema_momentum=0.5))
    by_fit.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    optimizer = by_loop.optimizer
    for start in range(0, 32, 8):
        grads = by_loop.gradients(X[start:start + 8], Y[start:start + 8], trainable_only=True)
        optimizer.apply_gradients(zip(grads, by_loop.trainable_weights))
    stepped = by_loop.get_weights()
    optimizer.finalize_variable_values(by_loop.trainable_weights)
    for a, b, c in zip(by_fit.get_weights(), by_loop.get_weights(), stepped):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(b, c)
    with pytest.raises(ValueError, match=r"var_list\[0\] is not one of the 4 variables"):
        optimizer.finalize_variable_values([np.zeros(3)])
    w = np.ones(2)
    optimizers.Adam().finalize_variable_values([w])  # without use_ema: nothing
    optimizer = optimizers.Adam(use_ema=True)
    optimizer.build([w])
    with pytest.raises(ValueError, match="needs the moving average of at least one step"):
        optimizer.finalize_variable_values([w])  # (its average is zeros)
    np.testing.assert_array_equal(w, [1.0, 1.0])


def test_a_loop_steps_some_of_the_variables_in_any_order_each_with_its_own_state_as_keras():
    # after the first step, apply_gradients(zip(grads[:1], variables[:1])) was refused ("Keras also takes some of
    # them"): Keras finds each variable's slots by identity and steps those given (iterations + 1)
    a, b = np.ones(2), np.ones(3)
    optimizer = optimizers.SGD(0.1, momentum=0.5)
    optimizer.apply_gradients([(np.ones(2), a), (np.ones(3), b)])  # m = −0.1, w = 0.9
    assert optimizer.apply_gradients([(np.ones(3), b)]) == 2  # b: m = 0.5·(−0.1) − 0.1 = −0.15, b = 0.75
    np.testing.assert_allclose(a, [0.9, 0.9], rtol=1e-15)  # a and its momentum as they were
    np.testing.assert_allclose(b, [0.75] * 3, rtol=1e-15)
    np.testing.assert_allclose(optimizer.state["momentum"], [-0.1] * 2 + [-0.15] * 3, rtol=1e-15)
    optimizer.apply_gradients([(np.ones(3), b), (np.ones(2), a)])  # another order: a m = −0.15, b m = −0.175
    np.testing.assert_allclose(a, [0.75, 0.75], rtol=1e-15)
    np.testing.assert_allclose(b, [0.575] * 3, rtol=1e-15)
    assert optimizer.iterations == 3
    # an array it was not built for is still refused (Keras's "Unknown variable"), and one given twice
    with pytest.raises(ValueError, match=r"trainable_variables\[1\] is not one of the 2 variables this optimizer was "
                                         r"built with: it steps them, or some of them in any order.*new optimizer"):
        optimizer.apply_gradients([(np.ones(3), b), (np.ones(3), b.copy())])
    with pytest.raises(ValueError, match=r"trainable_variables\[1\] is the same array as trainable_variables\[0\]"):
        optimizer.apply_gradients([(np.ones(3), b), (np.ones(3), b)])
    np.testing.assert_allclose(b, [0.575] * 3, rtol=1e-15)
    assert optimizer.iterations == 3


def test_a_loop_over_one_layer_of_a_model_fit_trained_keeps_the_other_layers_and_their_state(rng):
    # fit built the state for every weight; a loop then steps the last layer's alone, then all of them
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = glassnet.Sequential([glassnet.Input((3,)), glassnet.layers.Dense(4, activation="relu"),
                                 glassnet.layers.Dense(2)], dtype="float64", seed=0)
    model.compile(optimizer=optimizers.Adam(0.01), loss="mse")
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    optimizer, weights = model.optimizer, model.trainable_weights
    first = [w.copy() for w in weights[:2]]
    state = {name: value[optimizer.slices[0].start:optimizer.slices[1].stop].copy()
             for name, value in optimizer.state.items()}
    grads = model.gradients(X, Y, trainable_only=True)
    optimizer.apply_gradients(zip(grads[2:], weights[2:]))
    assert optimizer.iterations == 3
    for w, before in zip(weights[:2], first):
        np.testing.assert_array_equal(w, before)
    for name, before in state.items():
        np.testing.assert_array_equal(optimizer.state[name][:before.size], before)
    optimizer.apply_gradients(zip(model.gradients(X, Y, trainable_only=True), weights))  # then all of them
    assert optimizer.iterations == 4 and not np.array_equal(weights[0], first[0])
    with pytest.raises(ValueError, match=r"trainable_variables\[0\] is not one of the 4 variables"):
        optimizer.apply_gradients([(np.ones(2), np.zeros(2))])


def _net(lib, **dtype):
    """A 4-3-2 network of ``lib`` (keras or glassnet) named "net", with a frozen BatchNormalization between."""
    return lib.Sequential([lib.Input((4,), **dtype), lib.layers.Dense(3, name="hidden", **dtype),
                           lib.layers.BatchNormalization(name="norm", **dtype), lib.layers.Dense(2, name="out", **dtype)],
                          name="net")


#: optimizers made from Keras's module or glassnet's, with their names given (Keras numbers a second "adam")
VARIABLES_CASES = {
    "adam": lambda o: o.Adam(0.01, name="adam"),
    "sgd_momentum": lambda o: o.SGD(0.05, momentum=0.9, name="sgd"),
    "multi": lambda o: o.MultiOptimizer(o.OptimizerMap(o.SGD(0.05, momentum=0.9, name="sgd"),
                                                       {"net/out/.*": o.Adam(0.01, name="adam")}),
                                       name="multi_optimizer"),
}


@pytest.mark.parametrize("case", sorted(VARIABLES_CASES))
def test_optimizer_variables_are_keras_s_in_order_with_their_names_shapes_and_values(case, keras64, rng):
    # optimizer.variables was missing (AttributeError): Keras's is iteration, learning_rate, then each trainable
    # variable's slots (a frozen layer's none), named after the variable's path
    keras = keras64
    glassnet.config.set_floatx("float64")  # (the learning rate's dtype, as Keras's floatx)
    X, Y = rng.normal(size=(8, 4)), rng.normal(size=(8, 2))
    theirs, ours = _net(keras, dtype="float64"), _net(glassnet)
    ours.set_weights(theirs.get_weights())
    theirs.layers[1].trainable = ours.layers[1].trainable = False
    for model, module in ((theirs, keras.optimizers), (ours, optimizers)):
        model.compile(VARIABLES_CASES[case](module), "mse")
        model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    expected, found = theirs.optimizer.variables, ours.optimizer.variables
    assert [(v.name, v.path, tuple(v.shape), str(v.dtype)) for v in found] == \
        [(v.name, v.path, tuple(v.shape), str(v.dtype)) for v in expected]
    for mine, their in zip(found, expected):
        np.testing.assert_allclose(mine.numpy(), np.asarray(their.value), rtol=1e-12, atol=1e-15, err_msg=mine.path)


def test_optimizer_variables_read_and_write_the_optimizer_s_state():
    a, b = np.ones((2, 3)), np.ones(3)
    optimizer = optimizers.Adam(0.1)
    assert [v.path for v in optimizer.variables] == ["adam/iteration", "adam/learning_rate"]  # not built: Keras's
    optimizer.apply_gradients([(np.ones((2, 3)), a), (np.ones(3), b)])
    variables = optimizer.variables
    # arrays without a path are named as Keras names unnamed variables
    assert [v.name for v in variables] == ["iteration", "learning_rate", "variable_momentum", "variable_velocity",
                                           "variable_1_momentum", "variable_1_velocity"]
    assert [v.shape for v in variables] == [(), (), (2, 3), (2, 3), (3,), (3,)]
    assert int(variables[0]) == 1 and variables[0].dtype == np.int32 and float(variables[1]) == pytest.approx(0.1)
    np.testing.assert_allclose(variables[2].numpy(), np.full((2, 3), 0.1))  # m = (1 − β₁)·g
    np.testing.assert_allclose(np.asarray(variables[5]), np.full(3, 0.001))  # v = (1 − β₂)·g²
    variables[4].assign(np.full(3, 0.5))  # live: the state the next step starts from
    np.testing.assert_array_equal(optimizer.state["m"][6:], [0.5] * 3)
    variables[1].assign(0.01)
    variables[0].assign(5)
    assert optimizer.learning_rate == 0.01 and optimizer.iterations == 5
    with pytest.raises(ValueError, match=r"adam/variable_1_momentum has shape \(3,\); assign takes a value of that "
                                         r"shape. Received: shape \(2,\)"):
        variables[4].assign(np.ones(2))
    # a schedule is no variable (Keras's); a loss-scale optimizer's own four come first, then its inner one's
    assert [v.name for v in optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5)).variables] == ["iteration"]
    scaled = optimizers.LossScaleOptimizer(optimizers.SGD(momentum=0.5))
    assert [v.path for v in scaled.variables] == [
        "loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate", "loss_scale_optimizer/step_counter",
        "loss_scale_optimizer/dynamic_scale", "sgd/iteration", "sgd/learning_rate"]
    scaled.variables[3].assign(1024.0)
    assert scaled.dynamic_scale == 1024.0 and float(scaled.variables[3]) == 1024.0
    with pytest.raises(ValueError, match="loss_scale_optimizer/iteration cannot be assigned"):
        scaled.variables[0].assign(3)


def test_optimizer_variables_count_as_the_summary_s_optimizer_params(rng):
    # Nadam's Π_t last, Adafactor's row and column means and placeholders, Muon's velocity of AdamW's variables
    from glassnet.models.keras_optimizer import optimizer_variables

    for optimizer in (optimizers.Nadam(), optimizers.Adafactor(), optimizers.Muon(), optimizers.RMSprop(centered=True),
                      optimizers.Adam(use_ema=True, gradient_accumulation_steps=2)):
        model = _net(glassnet)
        model.layers[1].trainable = False
        model.compile(optimizer, "mse")
        model.fit(rng.normal(size=(8, 4)), rng.normal(size=(8, 2)), verbose=0)
        # (the summary counts them variable by variable: the same shapes, in another order)
        assert sorted(v.shape for v in optimizer.variables) == sorted(tuple(s) for s, _ in optimizer_variables(model))
    assert [v.name for v in optimizer.variables[2:5]] == ["net_hidden_kernel_average", "net_hidden_bias_average",
                                                          "net_out_kernel_average"]  # (the frozen norm has none)


@pytest.mark.parametrize("class_name", ["adam", "ADAM", "Adam"])
def test_get_and_deserialize_take_a_config_s_class_name_in_any_case_as_keras(class_name):
    # {"class_name": "adam", ...} was "Unknown optimizer 'adam' in saved config"; Keras's deserialize lower-cases
    # a name it knows ("rmsprop", "adamw" too)
    config = {"class_name": class_name, "config": {"learning_rate": 0.5}}
    for made in (optimizers.get(config), optimizers.deserialize(config)):
        assert type(made) is optimizers.Adam and made.learning_rate == 0.5
    assert config["class_name"] == class_name  # the caller's dict as it was
    assert type(optimizers.get({"class_name": "rmsprop", "config": {}})) is optimizers.RMSprop
    assert type(optimizers.get({"class_name": "adamw", "config": {}})) is optimizers.AdamW
    inner = optimizers.deserialize({"class_name": "lossscaleoptimizer",
                                    "config": {"inner_optimizer": {"class_name": "sgd", "config": {"momentum": 0.5}}}})
    assert type(inner.inner_optimizer) is optimizers.SGD and inner.inner_optimizer.momentum == 0.5
    assert type(optimizers.get("Adam")) is type(optimizers.get("adam")) is optimizers.Adam
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'"):
        optimizers.get({"class_name": "adamm", "config": {}})


#: (schedule, arguments) as Keras 3 writes them
KERAS_SCHEDULE_CASES = {
    "exponential": ("ExponentialDecay", (0.1, 10, 0.9), {}),
    "exponential_named": ("ExponentialDecay", (0.1, 10, 0.9), {"staircase": True, "name": "mine"}),
    "inverse_time": ("InverseTimeDecay", (0.1, 10, 0.5), {}),
    "piecewise": ("PiecewiseConstantDecay", ([1, 5], [0.1, 0.01, 0.001]), {}),
    "cosine": ("CosineDecay", (0.1, 10), {}),
    "cosine_warmup": ("CosineDecay", (0.1, 10), {"warmup_target": 0.2, "warmup_steps": 3}),
    "polynomial": ("PolynomialDecay", (0.1, 10), {"cycle": True}),
    "restarts": ("CosineDecayRestarts", (0.1, 10), {}),
}


@pytest.mark.parametrize("case", sorted(KERAS_SCHEDULE_CASES))
def test_schedule_configs_have_keras_s_keys_and_default_name_and_go_round(case, keras_x64):
    # Keras's get_config has "name" ("ExponentialDecay", CosineDecayRestarts's "SGDRDecay"), and CosineDecay's its
    # warm-up without one; glassnet's left them out
    keras, _ = keras_x64
    name, args, kwargs = KERAS_SCHEDULE_CASES[case]
    theirs, ours = getattr(keras.optimizers.schedules, name)(*args, **kwargs), getattr(schedules, name)(*args, **kwargs)
    config = ours.get_config()
    assert config == theirs.get_config() and list(config) == list(theirs.get_config())
    assert type(ours).from_config(config).get_config() == config
    assert schedules.deserialize(schedules.serialize(ours)).get_config() == config
    assert getattr(keras.optimizers.schedules, name).from_config(config).get_config() == config  # Keras takes it
    unnamed = type(ours).from_config({**config, "name": None})  # (Keras's from_config of name None keeps None)
    assert unnamed.get_config()["name"] is None and unnamed.name is None


def test_a_custom_schedule_writes_only_its_own_config_as_keras_s():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / 2 ** step

        def get_config(self):
            return {"rate": self.rate}

    assert Halving(0.1).get_config() == {"rate": 0.1}  # (no "name": Keras's base class adds none)
    assert schedules.StepDecay(0.1, 3).get_config() == {"initial_learning_rate": 0.1, "step_size": 3, "drop": 0.5,
                                                        "name": "StepDecay"}
    with pytest.raises(NotImplementedError, match="must define get_config"):
        _ConstantSchedule(0.1).get_config()


@pytest.mark.parametrize("make, settings, slot, reference", [
    (lambda: optimizers.SGD(0.1), {"momentum": 0.9}, "momentum", lambda: optimizers.SGD(0.1, momentum=0.9)),
    (lambda: optimizers.SGD(0.1), {"momentum": 0.9, "nesterov": True}, "momentum",
     lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    (lambda: optimizers.Adam(0.1), {"amsgrad": True}, "v_hat", lambda: optimizers.Adam(0.1, amsgrad=True)),
    (lambda: optimizers.AdamW(0.1, weight_decay=0.5), {"amsgrad": True}, "v_hat",
     lambda: optimizers.AdamW(0.1, weight_decay=0.5, amsgrad=True)),
])
def test_a_setting_that_needs_a_slot_works_before_the_first_step_and_is_refused_after(make, settings, slot, reference):
    """SGD's momentum and Adam's amsgrad set on the object: before the first step their state vector is built (a
    KeyError at that step before); after it, the step says what to do (a KeyError, after the weight decay)."""
    attribute = next(iter(settings))
    early = make()
    for name, value in settings.items():
        setattr(early, name, value)
    assert slot in early.state_names
    np.testing.assert_array_equal(run(early), run(reference()))
    late = make()
    w = np.array(W0)
    late.build(w.size, w.dtype)
    late.apply(w, np.array(GRADS[0]))
    for name, value in settings.items():
        setattr(late, name, value)
    before = w.copy()
    with pytest.raises(ValueError, match=rf"{type(late).__name__}'s {attribute} was changed after its state was built "
                                         rf".*'{slot}'.*Set {attribute} before the first step, or make a new optimizer"):
        late.apply(w, np.array(GRADS[1]))
    np.testing.assert_array_equal(w, before)  # nothing changed: no weight decay either
    assert late.iterations == 1
    setattr(late, attribute, getattr(make(), attribute))  # back to the setting it was built with: it steps again
    late.apply(w, np.array(GRADS[1]))
    assert late.iterations == 2


def test_a_subclass_that_names_its_own_state_keeps_them():
    class Extra(optimizers.SGD):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.state_names = ("momentum", "trace")

        def update(self, w, g, lr, state, tmp):
            state["trace"] += g
            w -= lr * state["trace"]

    opt = Extra(0.1)
    run(opt)
    assert sorted(opt.state) == ["momentum", "trace"]
