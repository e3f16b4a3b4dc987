"""Gradient descent on a function, with the lectures' trace table (SPEC C7).

The lecture (seed 000) minimises f(x) = x² from x0 = 2 and tabulates, step by
step, ``x, f(x), f'(x), η·f'(x), x − η·f'(x)``:

>>> from glassnet.descent import gradient_descent
>>> trace = gradient_descent(lambda x: x**2, 2.0, 0.2, steps=3, grad=lambda x: 2 * x)
>>> trace.x
array([2.   , 1.2  , 0.72 , 0.432])
>>> trace.verdict
'converges'

The same function can be minimised with momentum, Nesterov, Adagrad, RMSprop
or Adam (``optimizer=``), whose update formulas follow Keras 3, to compare
their paths (:func:`compare_optimizers`).
"""

import inspect
import math
import numbers
from dataclasses import dataclass, field
from decimal import Decimal, ROUND_HALF_EVEN, localcontext
from fractions import Fraction

import numpy as np

from ._validation import check_array, check_int, check_number, check_positive_int
from .expr import MAX_EXACT_BITS, Expression, parse

__all__ = ["gradient_descent", "compare_optimizers", "DescentTrace", "numerical_gradient", "decimal_text"]

#: the most updates :func:`gradient_descent` runs: its trace keeps every iterate
MAX_STEPS = 1_000_000

COLUMNS = ("x", "f(x)", "f'(x)", "η·f'(x)", "x − η·f'(x)")


def numerical_gradient(f, x, eps=1e-4):
    """Fourth-order central differences with step ``h_i = ε·max(|x_i|, 0.01)``:
    ∂f/∂x_i ≈ (−f(x + 2h e_i) + 8 f(x + h e_i) − 8 f(x − h e_i) + f(x − 2h e_i)) / 12h.

    The stencil is exact for polynomials up to degree 4 apart from rounding
    (~1e-12 of f'; the two-point difference with ε = 1e-6 left ~1e-10, which printed
    f'(0.4) as 0.7999999999 where the seed's table shows 0,8). The step follows the scale of
    x, so x·log x near 0.001 stays inside its domain. A descent whose iterates
    shrink geometrically magnifies that rounding relative to x; for tables exact
    to the last digit pass the derivative (``grad=``), as ``glassnet descend`` does."""
    if not callable(f):  # it failed at the first call, with "'str' object is not callable"
        raise TypeError(f"f must be a callable f(x) -> float. Received: f={f!r:.100}")
    eps = check_number(eps, "eps", low=0, low_open=True)
    if isinstance(x, (bool, np.bool_)) or (isinstance(x, (list, tuple, np.ndarray)) and np.asarray(x).dtype == bool):
        raise TypeError(f"x must be a number or an array of numbers, not booleans. Received: x={x!r:.100}")
    x = check_array(x, "x", ndim=None, dtype=np.float64, finite=False)  # NaN: a diverged path
    h = eps * np.maximum(np.abs(x), 0.01).reshape(-1)
    flat = x.reshape(-1)

    def f_at(i, step):
        """f with coordinate i moved by ``step`` (``[()]``: a scalar x reaches f as a number)."""
        moved = x.copy()
        moved.reshape(-1)[i] = flat[i] + step
        return _value(f, moved[()])

    # one coordinate at a time: a matrix of the n steps, n × n, needed 74.5 GiB for n = 10⁵
    return np.array([
        (-f_at(i, 2 * h_i) + 8 * f_at(i, h_i) - 8 * f_at(i, -h_i) + f_at(i, -2 * h_i)) / (12 * h_i)
        for i, h_i in enumerate(h)
    ]).reshape(x.shape)


def _value(f, x):
    """``f(x)`` as a float, or a TypeError that says what f returned."""
    value = f(x)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"f must return one number; f({x.tolist() if np.ndim(x) else float(x)!r}) returned {value!r:.80}."
        ) from None


# --- one update per optimizer: state dict in, step Δ out (x_next = x − Δ) ---------------
# The formulas are Keras 3's update_step, written for one float64 vector.

def _plain(g, state, eta):
    """Plain gradient descent: Δ = η·∇f(x)."""
    return eta * g


def _momentum(g, state, eta, momentum=0.9, nesterov=False):
    """v ← α·v − η·g;  x ← x + v  (Nesterov: x ← x + α·v − η·g)."""
    v = state.get("velocity", np.zeros_like(g))
    v = momentum * v - eta * g
    state["velocity"] = v
    return -(momentum * v - eta * g) if nesterov else -v


def _nesterov(g, state, eta, momentum=0.9):
    """Momentum with the look-ahead step of Nesterov."""
    return _momentum(g, state, eta, momentum=momentum, nesterov=True)


def _adagrad(g, state, eta, initial_accumulator_value=0.1, epsilon=1e-7):
    """G ← G + g²;  Δ = η·g / √(G + ε)."""
    G = state.get("accumulator", np.full_like(g, initial_accumulator_value)) + g * g
    state["accumulator"] = G
    return eta * g / np.sqrt(G + epsilon)


def _rmsprop(g, state, eta, rho=0.9, epsilon=1e-7):
    """v ← ρ·v + (1 − ρ)·g²;  Δ = η·g / √(v + ε)."""
    v = rho * state.get("velocity", np.zeros_like(g)) + (1 - rho) * g * g
    state["velocity"] = v
    return eta * g / np.sqrt(v + epsilon)


def _adam(g, state, eta, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂);
    Δ = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)."""
    t = state.get("t", 0) + 1
    m = state.get("m", np.zeros_like(g))
    v = state.get("v", np.zeros_like(g))
    m = m + (g - m) * (1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)
    state.update(t=t, m=m, v=v)
    alpha = eta * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return alpha * m / (np.sqrt(v) + epsilon)


# The bounds glassnet.optimizers checks (SGD, RMSprop, Adam, Adagrad)
_PARAM_BOUNDS = {
    "momentum": dict(low=0, high=1),
    "rho": dict(low=0, high=1),
    "beta_1": dict(low=0, high=1, high_open=True),
    "beta_2": dict(low=0, high=1, high_open=True),
    "epsilon": dict(low=0),
    "initial_accumulator_value": dict(low=0),
}


def _check_optimizer_params(params):
    """Each hyperparameter within the bounds its glassnet.optimizers class allows."""
    checked = {}
    for key, value in params.items():
        if key == "nesterov":
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"nesterov must be True or False. Received: nesterov={value!r:.100}")
            checked[key] = bool(value)
        else:
            checked[key] = check_number(value, key, **_PARAM_BOUNDS[key])
    return checked


_OPTIMIZERS = {
    "gd": _plain,
    "sgd": _plain,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": _adam,
}


@dataclass
class DescentTrace:
    """The path of a descent: iterates, values, gradients and steps.

    Attributes
    ----------
    x : ndarray, shape (steps + 1,) or (steps + 1, n)
        The iterates, ``x0`` first.
    fx : ndarray, shape (steps + 1,)
        f at each iterate.
    grad : ndarray, shape like ``x``
        ∇f at each iterate.
    step : ndarray, shape (steps,) or (steps, n)
        The step Δ taken from each iterate: ``x[k+1] = x[k] − step[k]``
        (for plain descent Δ = η·f'(x)).
    learning_rate : float
        η (an optimizer object's at the first step).
    optimizer : str
        The rule's name (``"gd"``, ``"adam"``, ...), or an optimizer object's class name.
    verdict : str
        ``"converges"``, ``"one-step"`` (the first step lands on a stationary point and x
        stays), ``"oscillates"`` or ``"diverges"``: seed 000's four outcomes.
    exact : list of tuple or None
        The table's rows in exact fractions (:class:`fractions.Fraction`),
        when f is a rational :class:`glassnet.expr.Expression` and the rule
        plain descent or momentum (see :func:`gradient_descent`); ``None``
        otherwise. :meth:`format_table` prints these.
    learning_rates : ndarray of shape (steps,) or None
        The η of each step where it changes from step to step (an optimizer object
        with a learning-rate schedule); ``None`` when every step used ``learning_rate``.
    """

    x: np.ndarray
    fx: np.ndarray
    grad: np.ndarray
    step: np.ndarray
    learning_rate: float
    optimizer: str
    verdict: str
    exact: list = field(default=None, repr=False)
    learning_rates: np.ndarray = field(default=None, repr=False)

    def table(self):
        """The seed's rows, one per step: (x, f(x), f'(x), η·f'(x), x − η·f'(x)).

        Returns
        -------
        rows : list of tuple
            For a 1-D function each entry is a float, so ``np.array(rows)`` has
            shape (steps, 5); for n-D, x, f'(x) and the steps are arrays.
            The column names are in ``glassnet.descent.COLUMNS``.
        """
        scalar = self.x.ndim == 1
        conv = float if scalar else np.array
        return [
            (conv(self.x[k]), float(self.fx[k]), conv(self.grad[k]), conv(self.step[k]), conv(self.x[k + 1]))
            for k in range(len(self.step))
        ]

    @property
    def columns(self):
        """The table's column names: :data:`COLUMNS` for plain descent; with another optimizer
        the fourth column is the step Δ that optimizer took and the fifth x − Δ."""
        return COLUMNS if self.optimizer in ("gd", "sgd") else COLUMNS[:3] + ("step Δ", "x − Δ")

    def format_table(self, digits=None):
        """The table as text, laid out as on the lecture slides (vectors as ``(a, b)``).

        Numbers are rounded to ``digits`` significant digits and written as
        plain decimals (``0.0000000000000016777216``), or in scientific
        notation beyond 10¹⁶ and below 10⁻³⁰. The exact rows (:attr:`exact`)
        are printed when there are some, with 15 digits by default, as the
        seed's spreadsheet shows them: the seed's tables come out digit for
        digit. Float64 rows are printed with 13 digits by default, since the
        iterates' rounding (2 − 0.4·4 is 0.3999999999999999) shows from the
        15th digit on.

        For plain descent the fourth column is η·f'(x); with another optimizer it
        is the step Δ that optimizer took, and the heading says so."""
        if digits is None:
            digits = 15 if self.exact is not None else 13
        digits = check_positive_int(digits, "digits")

        def fmt(v):
            if isinstance(v, (list, tuple)) or np.ndim(v):
                return "(" + ", ".join(decimal_text(e, digits) for e in np.ravel(np.asarray(v, dtype=object))) + ")"
            return decimal_text(v, digits)

        head = "\t".join(self.columns + ("Eta",))
        rows = self.exact if self.exact is not None else self.table()
        etas = [self.learning_rate] * len(rows) if self.learning_rates is None else self.learning_rates
        lines = [head] + [
            "\t".join(fmt(v) for v in row) + f"\t{decimal_text(eta, digits)}" for row, eta in zip(rows, etas)
        ]
        return "\n".join(lines)

    def __str__(self):
        return f"{self.format_table()}\nverdict: {self.verdict}"


def decimal_text(value, digits=15):
    """``value`` (a float, an int or a :class:`fractions.Fraction`) rounded to ``digits``
    significant digits (half to even), as a plain decimal without trailing zeros:
    ``0.0000000000000016777216``, ``12.553713506884``, ``-2``. Magnitudes from
    10¹⁶ up and below 10⁻³⁰ are written in scientific notation."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"value must be a real number (a float, int or Fraction). Received: value={value!r:.100}")
    digits = check_int(digits, "digits", low=1, high=1000)
    with localcontext() as context:
        context.prec = digits
        context.rounding = ROUND_HALF_EVEN
        if isinstance(value, Fraction):
            number = Decimal(value.numerator) / Decimal(value.denominator)  # rounded once, to `digits`
        elif isinstance(value, numbers.Integral):
            number = +Decimal(int(value))  # exactly: 10**400 has no float
        else:
            value = float(value)
            if not math.isfinite(value):
                return str(value)
            number = +Decimal(value)  # the float's exact binary value, rounded to `digits`
    if number == 0:
        return "0"
    if not Decimal("1e-30") <= abs(number) < Decimal("1e16"):
        return f"{number:.{digits - 1}e}".replace("e+", "e").rstrip()
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _exact_rows(f, x0, eta, steps, name, params):
    """The table in fractions (``None`` where f or the rule leaves rational arithmetic):
    x0 and η are read as the decimals they print as (0.2 is 1/5, not its binary float)."""
    exact_value = getattr(f, "exact_value_and_gradient", None)
    if exact_value is None or name not in ("gd", "sgd", "momentum", "nesterov"):
        return None
    scalar = np.ndim(x0) == 0
    x = [Fraction(repr(float(v))) for v in np.ravel(x0)]
    eta = Fraction(repr(float(eta)))
    momentum = Fraction(repr(float(params.get("momentum", 0.9))))
    nesterov = name == "nesterov" or bool(params.get("nesterov", False))
    velocity = [Fraction(0)] * len(x)
    rows = []
    for _ in range(steps):
        result = exact_value(x)
        if result is None:
            return None
        value, g = result
        if name in ("gd", "sgd"):
            delta = [eta * gi for gi in g]
        else:  # v ← α·v − η·g;  Δ = −v, or −(α·v − η·g) with Nesterov
            velocity = [momentum * v - eta * gi for v, gi in zip(velocity, g)]
            delta = [-(momentum * v - eta * gi) if nesterov else -v for v, gi in zip(velocity, g)]
        x_next = [xi - di for xi, di in zip(x, delta)]
        if max(max(abs(v.numerator).bit_length(), v.denominator.bit_length()) for v in x_next + velocity) \
                > MAX_EXACT_BITS:
            return None  # the fractions outgrow any table (a long or diverging path): float64 it is
        rows.append((x[0], value, g[0], delta[0], x_next[0]) if scalar else (x, value, g, delta, x_next))
        x = x_next
    return rows


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
    which x or f(x) stops being finite diverges.
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


def _model_optimizer_update(optimizer, learning_rate, params):
    """Wrap a :mod:`glassnet.optimizers` object (``apply(w, g)`` in place on a flat vector).

    The path runs on a fresh copy (its settings, no state): the object's momentum or
    step count from a model or an earlier path would move this one, and its slots
    may have another size. The label is the class name (``SGD``, ``Adam``): the
    table heads its step column "step Δ", since the object may carry momentum,
    clipping or weight decay that plain descent's η·f'(x) would misname."""
    if learning_rate is not None or params:
        raise ValueError(
            "With an optimizer object, set its learning rate and parameters on the object and "
            f"pass learning_rate=None. Received: learning_rate={learning_rate!r}, {params or ''}"
        )
    if callable(getattr(optimizer, "_fresh", None)):
        optimizer = optimizer._fresh()

    def update(g, state, eta):
        x = state["x"]  # the current iterate, set by gradient_descent
        state.setdefault("etas", []).append(float(optimizer.learning_rate))  # a schedule's changes
        w = x.reshape(-1).copy()
        optimizer.apply(w, g.reshape(-1).copy())
        return (x.reshape(-1) - w).reshape(x.shape)

    return update, type(optimizer).__name__, float(optimizer.learning_rate)


def gradient_descent(f, x0, learning_rate, steps=12, grad=None, *, optimizer="gd", eps=1e-4, **optimizer_params):
    """Minimise ``f`` from ``x0``: x_{k+1} = x_k − η·∇f(x_k).

    Parameters
    ----------
    f : callable or str
        ``f(x) -> float`` with ``x`` a float or a 1-D array, or an expression such as
        ``"x**2"`` (read by :func:`glassnet.expr.parse`, as ``glassnet descend`` reads it).
    x0 : float or array-like of shape (n,)
        Starting point.
    learning_rate : float
        η > 0.
    steps : int
        Number of updates (rows of the table); ``x`` gets ``steps + 1`` entries.
        At most :data:`MAX_STEPS` (a million).
    grad : callable or None
        ``grad(x)`` = f'(x) (or ∇f(x)); None uses an :class:`~glassnet.expr.Expression`'s
        own derivative, or :func:`numerical_gradient` with step ``eps`` for another f.
    optimizer : str or glassnet.optimizers.Optimizer
        ``"gd"`` (the lecture's rule, alias ``"sgd"``), ``"momentum"``,
        ``"nesterov"``, ``"adagrad"``, ``"rmsprop"`` or ``"adam"``: Keras 3's
        update formulas, with their hyperparameters as keyword arguments
        (``momentum=0.9``, ``rho=0.9``, ``beta_1=0.9``, ``beta_2=0.999``,
        ``epsilon=1e-7``, ``initial_accumulator_value=0.1``). Or an optimizer
        object of :mod:`glassnet.optimizers` (the one models train with),
        with ``learning_rate=None``.

    Returns
    -------
    DescentTrace
        ``.x`` (iterates, x0 first), ``.table()`` and ``.verdict``. When the steps shrink,
        f is also called at a few points beyond the last iterate, along its step, to check
        that a minimum lies ahead (see :func:`_ahead`); so it is when f fell at every step,
        each coordinate one way, and the steps read "diverges".
    """
    if isinstance(f, str):  # the command line's "x**2": its exact derivative and table, as glassnet descend's
        f = parse(f)
    if not callable(f):
        raise TypeError(f"f must be a callable f(x) -> float or an expression such as 'x**2'. Received: f={f!r}")
    if grad is not None and not callable(grad):
        raise TypeError(f"grad must be a callable grad(x) or None. Received: grad={grad!r}")
    if grad is None and isinstance(f, Expression):
        grad = f.gradient  # its own derivative, not central differences
    steps = check_positive_int(steps, "steps")
    if steps > MAX_STEPS:
        raise ValueError(f"steps must be at most {MAX_STEPS:,}: the trace keeps every iterate (a million "
                         f"take about 20 s and 400 MB). Received: steps={steps}")
    eps = check_number(eps, "eps", low=0, low_open=True)
    if hasattr(optimizer, "apply") and not isinstance(optimizer, str):
        update, name, eta = _model_optimizer_update(optimizer, learning_rate, optimizer_params)
    else:
        eta = check_number(learning_rate, "learning_rate", low=0, low_open=True)
        if not isinstance(optimizer, str) or optimizer.lower() not in _OPTIMIZERS:
            raise ValueError(
                f"Unknown optimizer {optimizer!r}. Valid names: {', '.join(sorted(_OPTIMIZERS))}, "
                "or a glassnet.optimizers object."
            )
        name = optimizer.lower()
        update = _OPTIMIZERS[name]
        valid = list(inspect.signature(update).parameters)[3:]
        unknown = sorted(set(optimizer_params) - set(valid))
        if unknown:
            raise TypeError(
                f"Unknown parameter(s) {', '.join(unknown)} for optimizer {optimizer!r}. "
                f"Valid parameters: {', '.join(valid) or 'none'}."
            )
        optimizer_params = _check_optimizer_params(optimizer_params)
    if isinstance(x0, (bool, np.bool_)) or (isinstance(x0, (list, tuple, np.ndarray)) and np.asarray(x0).dtype == bool):
        raise TypeError(f"x0 must be a number or a 1-D array of numbers, not booleans. Received: x0={x0!r:.100}")
    x = check_array(x0, "x0", ndim=None, dtype=np.float64, allow_empty=True, finite=False)
    if x.ndim > 1 or x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"x0 must be a finite number or 1-D array. Received: x0={x0!r}")
    if isinstance(f, Expression) and x.size != f.n_inputs:  # f's own error named x, not x0
        raise ValueError(f"x0 must hold {f.n_inputs} value(s), one per variable of f({', '.join(f.variables)}) = "
                         f"{f.text}. Received: x0={x0!r:.100}")
    scalar = x.ndim == 0
    start = x

    def grad_at(x):
        raw = grad(x) if grad is not None else numerical_gradient(f, x, eps)
        try:
            g = None if raw is None else np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            g = None
        if g is None or g.size != x.size:
            shown = "a number" if scalar else f"{x.size} numbers (one per variable)"
            raise ValueError(f"grad must return {shown}; grad({x.tolist()!r}) returned {raw!r:.80}.")
        return g.reshape(x.shape)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f0, g0 = _value(f, x), grad_at(x)
    if not (math.isfinite(f0) and np.isfinite(g0).all()):
        # NaN/inf rows and a verdict blaming η would follow: the start is outside f's domain
        at = x.tolist()
        why = ("nan is no real number: a square root or log of a negative number, 0/0, ..."
               if math.isnan(f0) or np.isnan(g0).any() else "inf: a division by 0, or past float64's range")
        raise ValueError(
            f"f must have a finite value and gradient at x0: f({at!r}) = {f0!r}, f'({at!r}) = {g0.tolist()!r} "
            f"({why}). Start where f is defined and differentiable."
        )
    X, F, G, S = [x], [], [], []
    state = {}
    fx, g = f0, g0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            F.append(fx)
            state["x"] = x
            delta = update(g, state, eta, **optimizer_params)
            x = x - delta
            G.append(g)
            S.append(delta)
            X.append(x)
            fx, g = _value(f, x), grad_at(x)
        F.append(fx)
        G.append(g)
    X = np.array(X)
    verdict = _verdict_quietly(X if not scalar else X[:, None], F, G)
    if verdict in ("converges", "one-step") and _stalled_on_a_slope(f, x, F[-1], G[-1], S):
        verdict = "diverges"  # the steps shrink or vanish, but no minimum lies ahead: x drifts off
    elif verdict == "diverges" and _one_way_downhill(X, F) and _ahead(f, x, F[-1], -S[-1]) == "rises":
        verdict = "converges"  # steps that barely shrink (η = 1e-7 on x²) on their way down to a minimum
    etas = np.array(state["etas"]) if "etas" in state else None
    exact = None
    if grad is None or grad == getattr(f, "gradient", None):  # an Expression's own derivative
        exact = _exact_rows(f, start, eta, steps, name, optimizer_params)
    return DescentTrace(
        x=X,
        fx=np.array(F),
        grad=np.array(G),
        step=np.array(S),
        learning_rate=eta,
        optimizer=name,
        verdict=verdict,
        exact=exact,
        learning_rates=etas if etas is not None and np.ptp(etas) > 0 else None,
    )


_COMPARED = {  # learning rates suited to f(x) = x² from x0 = 2
    "gd": ("gd", 0.1, {}),
    "momentum": ("momentum", 0.1, {"momentum": 0.5}),
    "nesterov": ("nesterov", 0.1, {"momentum": 0.5}),
    "adagrad": ("adagrad", 1.0, {}),
    "rmsprop": ("rmsprop", 0.1, {}),
    "adam": ("adam", 0.3, {}),
}


def compare_optimizers(f, x0, steps=50, grad=None, optimizers=None):
    """Run several optimizers on the same function from the same start.

    Parameters
    ----------
    optimizers : dict, list of str or None
        ``{label: (name, learning_rate, params_dict)}``; a list of names
        (e.g. ``["gd", "adam"]``) or None (all of plain descent, momentum,
        Nesterov, Adagrad, RMSprop and Adam) uses learning rates suited to
        f(x) = x² from x0 = 2.

    Returns
    -------
    dict
        ``{label: DescentTrace}``.
    """
    if optimizers is None:
        optimizers = _COMPARED
    elif isinstance(optimizers, (list, tuple)):
        for name in optimizers:
            if not isinstance(name, str) or name.lower() not in _COMPARED:
                raise ValueError(
                    f"optimizers must list names among {', '.join(_COMPARED)}. Received: {name!r:.100} "
                    "(for other settings pass a dict {label: (name, learning_rate, params)})."
                )
        optimizers = {name: _COMPARED[name.lower()] for name in optimizers}
    elif not isinstance(optimizers, dict):
        raise TypeError(
            f"optimizers must be a dict {{label: (name, learning_rate, params)}}, a list of names or None. "
            f"Received: optimizers={optimizers!r:.100}"
        )
    for label, spec in optimizers.items():
        if not (isinstance(spec, (tuple, list)) and len(spec) == 3 and isinstance(spec[2], dict)):
            raise TypeError(
                f"optimizers[{label!r}] must be a tuple (name, learning_rate, params_dict). Received: {spec!r:.100}"
            )
    return {
        label: gradient_descent(f, x0, lr, steps, grad, optimizer=name, **params)
        for label, (name, lr, params) in optimizers.items()
    }
