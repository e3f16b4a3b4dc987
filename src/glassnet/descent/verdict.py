"""Seed 000's four outcomes of a descent, read from its path: converges, one-step, oscillates or
diverges; and, where the steps shrink, whether a minimum lies ahead at all."""

import math

import numpy as np

from .gradients import _value


def _verdict(X, F, G, rtol=1e-6):
    """Classify a path by its steps x_{k+1} − x_k, coordinate by coordinate.

    A first step that lands where the gradient is 0, after which x stays: one-step
    (the seed's x² from 2 with η = 0.5). Steps that shrink (geometric mean ratio below 1, counted from the longest
    step: with momentum they first grow) or vanish: converges;
    steps that grow: diverges; so do steps in one direction that shrink too slowly
    to add up to a finite distance (f keeps falling: 1/x towards ∞, see
    :func:`_drifts`); steps of constant length that reverse
    direction: oscillates (so does a path whose last four steps swing with one
    length: it settled into a two-point cycle, after however long a transient);
    constant steps in one direction: diverges (the
    iterate drifts away without bound). In n-D the worst coordinate decides
    (diverges, then oscillates, then converges): one coordinate can settle
    while another still swings. A single step has no second length to
    compare: it is judged by f (lower: converges; higher: diverges; the same
    with the gradient reversed, as x² from 2 with η = 1: oscillates). A path on
    which x or f(x) stops being finite diverges (one that left f's domain, f NaN at its last
    iterate, too: see :func:`_domain_exit`).
    """
    X = X.reshape(len(X), -1)
    if not (np.isfinite(X).all() and np.isfinite(F).all()):
        return "diverges"  # x overflowed, or left f's domain (f NaN there: no minimum is being approached)
    D = np.diff(X, axis=0)
    scale = max(1.0, float(np.abs(X).max()))
    lengths = np.linalg.norm(D, axis=1)
    if (lengths[0] > 1e-12 * scale and np.all(lengths[1:] <= 1e-12 * scale)
            and np.linalg.norm(np.ravel(G[1])) <= 1e-12 * max(1.0, float(np.linalg.norm(np.ravel(G[0]))))):
        return "one-step"  # the first step lands where ∇f = 0 and x stays (x² from 2 with η = 0.5)
    if lengths[-1] <= 1e-12 * scale:
        return "converges"
    if len(D) == 1:
        f0, f1 = F[0], F[1]
        tolerance = rtol * max(abs(f0), abs(f1), 1e-300)
        if f1 < f0 - tolerance:
            return "converges"
        if f1 > f0 + tolerance:
            return "diverges"
        reversed_ = float(np.dot(np.ravel(G[0]), np.ravel(G[1]))) < 0
        return "oscillates" if reversed_ else "diverges"
    verdicts = {_steps_verdict(D[:, j], scale, rtol) for j in range(D.shape[1])}
    return next(v for v in ("diverges", "oscillates", "converges") if v in verdicts)


#: a converging path that has covered less than this share of the distance to where its steps lead is slow,
#: where each step is at least SLOW_RATIO of the one before (the step count alone does not make η small)
SLOW_SHARE = 0.9
SLOW_RATIO = 0.95


def _slow_note(X):
    """Where a path's steps go one way and shrink by a constant ratio r < 1 (x² with a small η: r = 1 − 2η), but
    it covered less than :data:`SLOW_SHARE` of the distance to where they lead (the steps left add up to
    s·r/(1 − r)): how far it got and how many more steps reach 99% of the way, as a sentence; else None.
    Seed 001: "Too small, and learning takes a very long time" (x² from 2 with η = 0.001: 2.4% in 12 steps)."""
    X = np.reshape(X, (len(X), -1)).astype(np.float64)
    D = np.diff(X, axis=0)
    if len(D) < 2 or not np.isfinite(D).all() or not np.all(np.sum(D[1:] * D[:-1], axis=1) > 0):
        return None  # one step, or a path that turns (oscillates, spirals)
    s = np.linalg.norm(D, axis=1)
    r = s[-1] / s[-2]
    if not SLOW_RATIO <= r < 1:  # (x² with η = 0.1: r = 0.8, 89% in 10 steps, is no small η)
        return None
    covered, left = float(np.linalg.norm(X[-1] - X[0])), float(s[-1] * r / (1 - r))
    share = covered / (covered + left)
    if not share < SLOW_SHARE:
        return None
    more = math.ceil(math.log(0.01 * (covered + left) / left) / math.log(r))
    return (f"each step is {r:.4g} of the last, so after {len(D)} steps x has covered {100 * share:.2g}% of the "
            f"distance to where the steps lead ({left:.4g} left); at this rate about {more:,} more steps cover 99% "
            f"of it. η is too small for f here (seed 001: \"too small, and learning takes a very long time\"): a "
            f"larger η, or more steps.")


def _leaves_domain(x, fx, g):
    """Whether the iterate ``x``, finite, lies outside f's domain: f(x) or ∇f(x) is NaN there (√x or
    log x below 0). An overflow is not this: it makes x or f infinite first (x² with η = 5)."""
    return bool(np.isfinite(x).all() and (math.isnan(fx) or np.isnan(g).any()))


def _domain_exit(X, F, G):
    """The step ``k`` (from 1) whose iterate ``X[k]`` left f's domain (see :func:`_leaves_domain`), where
    :func:`~glassnet.descent.gradient_descent` stops the path: its last iterate; else None (a path that
    overflowed first, whose values were infinite before, is not one)."""
    k = len(X) - 1
    if k < 1 or not np.isfinite(F[:-1]).all() or not _leaves_domain(X[-1], F[-1], G[-1]):
        return None
    return k


def _steps_verdict(d, scale, rtol):
    """The verdict on one coordinate's steps ``d`` (see :func:`_verdict`)."""
    s = np.abs(d)
    moved = np.flatnonzero(s)
    if s[-1] <= 1e-12 * scale or len(moved) == 0:
        return "converges"
    first = moved[0]
    # settled into a cycle (x ↔ y): the last steps keep their length and reverse, whatever came before
    tail = d[-4:]
    if len(tail) == 4 and np.all(tail[1:] * tail[:-1] < 0) and np.ptp(np.abs(tail)) <= rtol * np.abs(tail).max():
        return "oscillates"
    # an undamped swing (momentum 1): turning every few steps, each half of the path swinging
    # through at least one whole cycle with the same longest step (sampled within 5 %)
    half = len(d) // 2
    turns = np.flatnonzero(d[1:] * d[:-1] < 0)
    if (np.sum(turns < half - 1) >= 2 and np.sum(turns >= half) >= 2 and len(turns) < len(d) - 1
            and abs(s[half:].max() / s[:half].max() - 1) <= 0.05):
        return "oscillates"
    # from the longest step on: momentum's steps first grow, then shrink as the path spirals in
    peak = int(np.argmax(s))
    if peak < len(s) - 1 and (s[-1] / s[peak]) ** (1.0 / (len(s) - 1 - peak)) < 1 - rtol:
        return "diverges" if _drifts(d) else "converges"
    ratio = (s[-1] / s[first]) ** (1.0 / max(len(s) - 1 - first, 1))
    if ratio < 1 - rtol:
        return "diverges" if _drifts(d) else "converges"
    if ratio > 1 + rtol:
        return "diverges"
    reversals = d[1:] * d[:-1] < 0
    return "oscillates" if reversals.mean() > 0.5 else "diverges"


#: the growth per step of 1/(1 − ratio) above which shrinking steps are judged to add up to ∞
DRIFT_SLOPE = 0.95


def _drifts(d):
    """Whether the last half of the steps ``d`` (one coordinate; at least 6 of them) go one way
    and shrink too slowly to add up to a finite distance: x drifts off where f keeps falling.

    Steps ``s_k ≈ C (k + k₀)^−p`` have ratios ``s_{k+1}/s_k ≈ 1 − p/(k + k₀)``, so ``1/(1 − ratio)``
    grows by ``1/p`` per step; their sum is finite only for ``p > 1``. Descent on 1/x drifts
    with p = 2/3 (growth 1.5), on e^−x with p = 1; at a minimum the ratios are constant
    (growth 0: x², however small η) or p > 1 (x⁴: p = 3/2, growth 2/3; x⁶: 0.8).
    """
    tail = d[len(d) // 2:]
    if len(tail) < 6 or not (np.all(tail > 0) or np.all(tail < 0)):
        return False
    s = np.abs(tail)
    ratio = s[1:] / s[:-1]
    if not np.all(ratio < 1):
        return False
    growth = np.polyfit(np.arange(len(ratio)), 1.0 / (1.0 - ratio), 1)[0]
    return bool(growth > DRIFT_SLOPE)


def _one_way_downhill(X, F):
    """Whether f fell (or stayed) at every step and no coordinate ever turned back: a finite path
    that neither overshoots nor swings (a growing swing reverses, however much f falls)."""
    with np.errstate(over="ignore", invalid="ignore"):  # a path that overflowed: inf − inf (not one-way)
        D = np.diff(np.reshape(X, (len(X), -1)), axis=0)
        return bool(np.isfinite(D).all() and np.all(np.diff(F) <= 0) and np.all(D[1:] * D[:-1] >= 0))


def _verdict_quietly(X, F, G):
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging path's steps overflow: still "diverges"
        return _verdict(X, F, G)


#: how far :func:`_ahead` looks, in units of max(1, |x|)
PROBE_REACH = 1e6


def _ahead(f, x, fx, step):
    """What ``f`` does along ``step`` (the path's last step) from ``x`` (where f is ``fx``):
    ``"falls"`` as far as :data:`PROBE_REACH` · max(1, |x|), ``"rises"`` again (a minimum
    lies ahead), or None (cannot tell); probes at doubling distances from the step's length.

    A path whose steps shrink is heading for a minimum only if one lies ahead, where f rises
    again; a path that no minimum stops drifts off, its steps shrinking as the slope flattens.
    Descent on −σ(x) from 0 is one: its steps shrink like 1/k, too slowly to add up, but
    :func:`_drifts` sees that only after some hundred steps, when the tail is that of e^−x.
    Near a minimum f rises within a few step lengths, so a converging path stays "converges";
    a probe where f is undefined (an error, NaN) cannot tell, and the verdict stands.
    Conversely, one-way steps that barely shrink (a tiny η, Adagrad's 1/√k) downhill
    towards a minimum are a slow approach, not a drift.
    """
    largest = float(np.abs(step).max()) if np.size(step) else 0.0
    if not (largest > 0 and math.isfinite(largest)):
        return None
    length = largest * float(np.linalg.norm(step / largest))  # ‖1e-301‖ is not 0 (its square is)
    direction = step / length
    reach = PROBE_REACH * max(1.0, float(np.abs(x).max()))
    try:
        with np.errstate(all="ignore"):
            before, previous, distance = (0.0, fx), (0.0, fx), length
            while distance <= reach:
                value = _value(f, x + distance * direction)
                if not (math.isfinite(value) and math.isfinite(previous[1])):
                    return None
                if value > previous[1] + 1e-9 * max(abs(previous[1]), 1e-300):
                    # f rose again: a minimum lies ahead, or a pole where f fell to −∞ (1/x across 0)
                    return "falls" if _a_pole_between(f, x, direction, before, previous, (distance, value)) \
                        else "rises"
                before, previous, distance = previous, (distance, value), 2 * distance
    except (ArithmeticError, ValueError, TypeError):
        return None
    return "falls"


def _a_pole_between(f, x, direction, a, b, c):
    """Whether f, which is lower at distance ``b[0]`` than at ``a[0]`` and ``c[0]`` along ``direction``
    (each a pair (distance, f there)), falls without bound in between rather than having a minimum.

    A golden-section search closes in on the lowest point of [a, c]. Where f is continuous its values
    come together as the bracket shrinks: once the spread max(f(a), f(c)) − f(b) is a thousandth of
    what it was (some 7 to 15 calls of f), a minimum it is. At a pole (1/x across 0) they grow
    apart, f plunging on one side, down to the last bit of x: the spread ends up larger than it
    started, or f reaches −∞."""
    spread = max(a[1], c[1]) - b[1]
    golden = (3 - math.sqrt(5)) / 2
    for _ in range(200):
        # probe the larger side of b
        left = b[0] - a[0] > c[0] - b[0]
        t = b[0] - golden * (b[0] - a[0]) if left else b[0] + golden * (c[0] - b[0])
        point = x + t * direction
        if np.array_equal(point, x + b[0] * direction):
            break  # the bracket is down to neighbouring floats
        probe = (t, _value(f, point))
        if math.isnan(probe[1]):
            return False  # cannot tell
        if probe[1] == -math.inf:
            return True
        if probe[1] < b[1]:
            a, b, c = (a, probe, b) if left else (b, probe, c)
        else:
            a, c = (probe, c) if left else (a, probe)
        if max(a[1], c[1]) - b[1] < 1e-3 * spread:
            return False
    return max(a[1], c[1]) - b[1] > spread


def _stalled_on_a_slope(f, x, fx, g, steps):
    """Whether a path whose steps shrank or stopped at ``x`` (f there ``fx``, the gradient ``g``)
    has no minimum ahead: along its last nonzero step f only falls, or stays flat where f or its
    gradient underflowed (e^x from 0 with η = 1000 lands on −1000, where e^x and its slope are 0 in
    float64: no stationary point, f falls for ever). A gradient of exactly 0 without underflow is a
    stationary point (``abs(x) + x`` at −1 is flat indeed): the verdict stands. A path that never
    moved (f' already 0 at x0 = −750) is probed both ways along each coordinate."""
    underflowed = getattr(f, "underflows", None)
    if not np.any(g) and not (underflowed is not None and underflowed(x)):
        return False
    moved = [d for d in steps if np.any(d)]
    if moved:
        return _ahead(f, x, fx, -moved[-1]) == "falls"
    axes = np.eye(np.size(x)).reshape((-1,) + np.shape(x))
    return any(_ahead(f, x, fx, sign * axis) == "falls" for axis in axes for sign in (1, -1))
