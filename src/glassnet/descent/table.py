"""A descent's path as the seed's table: :class:`DescentTrace`, its rows in floats or in exact
fractions, and the digits the slides print (:func:`decimal_text`)."""

import math
import numbers
from dataclasses import dataclass, field
from decimal import Decimal, ROUND_HALF_EVEN, localcontext
from fractions import Fraction

import numpy as np

from .._validation import check_int, check_positive_int
from ..expr import MAX_EXACT_BITS
from .verdict import _slow_note

COLUMNS = ("x", "f(x)", "f'(x)", "η·f'(x)", "x − η·f'(x)")


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
    numerical : bool
        Whether f' came from :func:`~glassnet.descent.numerical_gradient` (f a Python
        function given no ``grad``): its tables print 10 digits by default.
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
    numerical: bool = field(default=False, repr=False)

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
        15th digit on, and with 10 where f' came from central differences
        (:attr:`numerical`: good to ~1e-12, so ``lambda x: x**2``'s f'(2)
        printed 3.999999999998 where the slide shows 4).

        For plain descent the fourth column is η·f'(x); with another optimizer it
        is the step Δ that optimizer took, and the heading says so."""
        if digits is None:
            digits = 15 if self.exact is not None else 10 if self.numerical else 13
        digits = check_positive_int(digits, "digits")

        def fmt(v):
            if isinstance(v, (list, tuple)) or np.ndim(v):
                return "(" + ", ".join(decimal_text(e, digits) for e in np.ravel(np.asarray(v, dtype=object))) + ")"
            return decimal_text(v, digits)

        head = "\t".join(self.columns + ("Eta",))
        rows = self.exact if self.exact is not None else self.table()
        etas = [self.learning_rate] * len(rows) if self.learning_rates is None else self.learning_rates
        if self.exact is not None:  # the rows' η: the decimal as typed (0.3 is 3/10), not float64's 0.29999999999999998889...
            etas = [Fraction(repr(float(eta))) for eta in etas]
        lines = [head] + [
            "\t".join(fmt(v) for v in row) + f"\t{decimal_text(eta, digits)}" for row, eta in zip(rows, etas)
        ]
        return "\n".join(lines)

    def __str__(self):
        slow = _slow_note(self.x) if self.verdict == "converges" else None  # (x² with η = 0.001: 2.4% in 12 steps)
        return f"{self.format_table()}\nverdict: {self.verdict}" + (f" (slowly: {slow})" if slow else "")

    def _repr_pretty_(self, p, cycle):  # a notebook cell's result (IPython) shows the table, as print(); repr() keeps the fields
        p.text(str(self))


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
