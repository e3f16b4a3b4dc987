import os, sys, math, traceback
os.environ["KERAS_BACKEND"] = "jax"
import jax; jax.config.update("jax_enable_x64", True)
import keras; keras.config.set_floatx("float64")
import numpy as np
from hypothesis import given, settings, HealthCheck, strategies as st, note
from glassnet import schedules as gs
KS = keras.optimizers.schedules

@st.composite
def case(draw):
    kind = draw(st.sampled_from(["exp", "piece", "cos", "inv", "step"]))
    lr = draw(st.floats(1e-4, 1.0)); steps = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=5)) + list(range(0, 40))
    if kind == "exp":
        ds, dr, sc = draw(st.integers(1, 1000)), draw(st.floats(0.01, 1.0)), draw(st.booleans())
        return kind, gs.ExponentialDecay(lr, ds, dr, sc), KS.ExponentialDecay(lr, ds, dr, sc), lambda t: lr * dr ** (math.floor(t / ds) if sc else t / ds), steps
    if kind == "piece":
        b = sorted(set(draw(st.lists(st.integers(0, 50), min_size=1, max_size=4))))
        v = [draw(st.floats(1e-4, 1.0)) for _ in range(len(b) + 1)]
        def f(t):
            for bb, vv in zip(b, v):
                if t <= bb: return vv
            return v[-1]
        return kind, gs.PiecewiseConstantDecay(b, v), KS.PiecewiseConstantDecay(b, v), f, steps
    if kind == "cos":
        ds, a = draw(st.integers(1, 1000)), draw(st.floats(0, 1))
        return kind, gs.CosineDecay(lr, ds, a), KS.CosineDecay(lr, ds, a), lambda t: lr * ((1 - a) * 0.5 * (1 + math.cos(math.pi * min(t, ds) / ds)) + a), steps
    if kind == "inv":
        ds, dr, sc = draw(st.integers(1, 1000)), draw(st.floats(0, 5.0)), draw(st.booleans())
        return kind, gs.InverseTimeDecay(lr, ds, dr, sc), KS.InverseTimeDecay(lr, ds, dr, sc), lambda t: lr / (1 + dr * (math.floor(t / ds) if sc else t / ds)), steps
    ss, drop = draw(st.integers(1, 50)), draw(st.floats(0.01, 1))
    return kind, gs.StepDecay(lr, ss, drop), None, lambda t: lr * drop ** (t // ss), steps

n = [0]
@settings(max_examples=int(sys.argv[1]), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(c=case())
def prop(c):
    kind, g, k, f, steps = c
    for t in steps:
        gv = g(t); fv = f(t)
        note(f"{kind} {g!r} step={t} glassnet={gv!r} formula={fv!r}")
        assert math.isclose(gv, fv, rel_tol=1e-12, abs_tol=1e-300), "formula"
        if k is not None:
            kv = float(k(t)); note(f"keras={kv!r}")
            assert math.isclose(gv, kv, rel_tol=2e-6, abs_tol=1e-12), "keras"
    n[0] += 1
try:
    prop(); print("PASS schedules", n[0])
except Exception:
    print("FAIL schedules"); traceback.print_exc()
