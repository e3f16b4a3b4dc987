"""A restricted parser for functions typed on the command line (``glassnet descend``).

``parse("x1**2 + 3*x2**2")`` returns an :class:`Expression` ``f`` with
``f(x)`` and its exact gradient ``f.gradient(x)`` (forward-mode
differentiation: every node carries its value and its gradient, so
``x**2`` gives ``f'(x) = 2x`` to the last bit, as in the seed's tables).

Safety: the text is parsed by Python's :mod:`ast` and every node is checked
against a whitelist *before* anything is computed; nothing is ever passed to
``eval``/``exec``/``compile``. Allowed are

* numbers (``2``, ``0.5``, ``1e-3``) and the constants ``pi`` and ``e``;
* the variable ``x`` (one dimension) or ``x1, x2, ..., xn`` (n dimensions);
* ``+ - * / **`` (``^`` is read as ``**``; the lectures' ``−``, ``×``, ``·``, ``⋅``
  and ``÷`` as ``- * * * /``), unary ``-`` and ``+``, brackets;
* the functions ``sin cos tan exp log sqrt abs tanh`` of one argument.

Anything else (names, attributes, subscripts, keyword arguments, strings,
comparisons, lambdas, ``__import__('os')``, ...) raises a ``ValueError``; a misspelt
name gets a hint (``sni(x)``: did you mean 'sin'?; ``ln``: 'log', the natural logarithm), and a
real function not in the list is named as missing (``sinh(x)``: write ``(exp(x) - exp(-x))/2``).
All arithmetic is float64, so ``9**9**9`` is ``inf``, never a huge integer.

A rational function (numbers, ``+ - * /`` and integer powers, no functions or
constants) can also be evaluated exactly, in fractions
(:meth:`Expression.exact_value_and_gradient`): ``glassnet descend`` prints the
seed's tables from it digit for digit.
"""

import ast
import difflib
import math
import numbers
import re
import tokenize
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ._validation import check_array

__all__ = ["Expression", "parse", "FUNCTIONS", "CONSTANTS"]

MAX_LENGTH = 4000
#: nodes deep: every accepted tree can be evaluated (recursively) from any caller's stack. A chain of
#: ``+ - * /`` (``x + x + ... + x``) is one level however long: it is walked in a loop
MAX_DEPTH = 100
_VARIABLE = re.compile(r"x([1-9][0-9]?)?\Z")

# name -> (f(v), f'(v)); the chain rule multiplies f'(v) by the argument's gradient.
FUNCTIONS = {
    "sin": (np.sin, np.cos),
    "cos": (np.cos, lambda v: -np.sin(v)),
    "tan": (np.tan, lambda v: 1.0 / np.cos(v) ** 2),
    "exp": (np.exp, np.exp),
    "log": (np.log, lambda v: np.where(v < 0, np.nan, 1.0 / v)),  # no slope where log(v) is NaN
    "sqrt": (np.sqrt, lambda v: 0.5 / np.sqrt(v)),
    "abs": (np.abs, np.sign),
    "tanh": (np.tanh, lambda v: 1.0 - np.tanh(v) ** 2),
}
CONSTANTS = {"pi": math.pi, "e": math.e}

#: the lectures' typography, read as the operators it means (^ as ** is done apart)
_TYPOGRAPHIC = str.maketrans({"−": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/"})
_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_CHAIN = (ast.Add, ast.Sub, ast.Mult, ast.Div)  # left-associative: a - b + c is (a - b) + c
#: a number run into a keyword (``1if x``, ``2or x``, ``0x1for x``): Python's tokenizer reads it as
#: ``1 if x`` but warns ("invalid decimal literal"), and a warning can be silenced only by swapping the
#: process's filters (``warnings.catch_warnings``), which the playground's threads share. The number's
#: end as the tokenizer finds it (greedy), then the keyword as its lookahead takes it: "and", "else",
#: "for", "not", "or" as whole words, "if", "in", "is" as prefixes
_TOKEN = re.compile(rf"(?P<number>{tokenize.Number})|\w+|.", re.S)
_KEYWORD_NEXT = re.compile(r"(?:and|else|for|not|or)(?![\w\x80-\U0010ffff])|i[fns]")
_ALLOWED = (
    "numbers, the variable x (or x1, x2, ...), + - * / ** and the functions "
    + " ".join(FUNCTIONS)
)


def _refuse(text, what):
    raise ValueError(f"Cannot use {what} in the expression {text!r}: only {_ALLOWED} are allowed.")


def _keywords_apart(source):
    """``source`` with a space between a number and a keyword run into it (``1if x`` as ``1 if x``):
    what Python parses it as, without its warning. The keyword is refused all the same."""
    ends = [m.end() for m in _TOKEN.finditer(source) if m.group("number") and _KEYWORD_NEXT.match(source, m.end())
            and source[m.start():m.end() + 1] != "0o"]  # 0or: 0o starts an octal number, an error of its own
    return "".join(source[a:b] + " " for a, b in zip([0, *ends], ends)) + source[ends[-1] if ends else 0:]


#: what a student may type for an allowed function (log is the natural logarithm)
_SYNONYMS = {"ln": "log"}


def _did_you_mean(name, candidates):
    """`` (did you mean 'sin'?)`` for a misspelt or capitalised name, else ``""``."""
    if name in _SYNONYMS:
        return f" (did you mean {_SYNONYMS[name]!r}?)"
    close = difflib.get_close_matches(name.lower(), candidates, n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


#: real functions a student may try that the parser does not have, with how to write them (or "")
_UNSUPPORTED = {
    "sinh": "(exp(x) - exp(-x))/2", "cosh": "(exp(x) + exp(-x))/2", "log10": "log(x)/log(10)",
    "log2": "log(x)/log(2)", "pow": "a**b for pow(a, b)", "cot": "1/tan(x)", "sec": "1/cos(x)", "csc": "1/sin(x)",
    **dict.fromkeys(["asin", "acos", "atan", "atan2", "arcsin", "arccos", "arctan", "asinh", "acosh", "atanh",
                     "floor", "ceil", "round", "trunc", "min", "max", "sign", "cbrt", "erf", "log1p", "expm1",
                     "exp2", "sigmoid", "relu", "gamma"], ""),
}


def _refuse_unsupported(name, text):
    """``sinh(x)`` is a real function the parser lacks, not a misspelt ``sin``: say so."""
    hint = f"; write {_UNSUPPORTED[name]}" if _UNSUPPORTED[name] else ""
    raise ValueError(f"Cannot use {name} in the expression {text!r}: {name} is not among the functions "
                     f"{' '.join(FUNCTIONS)}{hint}.")


#: what a refused construct most likely meant
_NODE_HINTS = {
    ast.Tuple: " (a decimal number is written with a point: 1.5, not 1,5)",
    ast.List: " (brackets are round: (x + 1)*2, not [x + 1]*2)",
}


def _too_deep(text):
    """The error for a tree deeper than ``MAX_DEPTH``; such a text is long, so it is shown cut short."""
    shown = repr(text) if len(text) <= 80 else f"{text[:60]!r}... ({len(text)} characters)"
    return ValueError(f"The expression {shown} is nested too deeply (more than {MAX_DEPTH} levels).")


def _check(node, text, source, names, depth=0):
    """Walk the tree (parsed from ``source``: ``text`` as read, ``^`` as ``**``, ``−`` as ``-``, ...);
    refuse every node type that is not whitelisted."""
    if depth > MAX_DEPTH:
        raise _too_deep(text)
    depth += 1
    if isinstance(node, ast.Expression):
        return _check(node.body, text, source, names, depth)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _refuse(text, f"the literal {value!r}")
        try:
            finite = math.isfinite(float(value))  # a float literal past the range reads as inf
        except OverflowError:
            finite = False
        if not finite:
            literal = ast.get_source_segment(source, node) or str(value)  # as written: 1e400, not inf
            shown = literal if len(literal) <= 20 else literal[:20] + "..."
            raise ValueError(f"The number {shown} in the expression is beyond float64's range (at most about 1.8e308).")
        return
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return
        if not _VARIABLE.match(node.id):
            if node.id in _UNSUPPORTED:
                _refuse_unsupported(node.id, text)
            hint = (f" (a function needs brackets: {node.id}(x))" if node.id in FUNCTIONS
                    else _did_you_mean(node.id, ["x", *CONSTANTS, *FUNCTIONS]))
            _refuse(text, f"the name {node.id!r}{hint}")
        names.add(node.id)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _check(node.operand, text, source, names, depth)
    if isinstance(node, ast.BinOp) and isinstance(node.op, _CHAIN):
        for term in _chain(node):  # 500 terms are one level, not 500
            _check(term, text, source, names, depth)
        return
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        _check(node.left, text, source, names, depth)
        return _check(node.right, text, source, names, depth)
    if isinstance(node, ast.Call):
        func = node.func.id if isinstance(node.func, ast.Name) else None
        if func not in FUNCTIONS:
            if func in _UNSUPPORTED:
                _refuse_unsupported(func, text)
            if func is None or func in CONSTANTS or _VARIABLE.match(func):  # 2(x + 1), x(x + 1)
                hint = " (write multiplication with *: 2*(x + 1), not 2(x + 1))"
            else:
                hint = _did_you_mean(func, FUNCTIONS)
            _refuse(text, f"a call of {ast.unparse(node.func)!r}{hint}")
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise ValueError(f"{func}() takes exactly one argument in the expression {text!r}.")
        return _check(node.args[0], text, source, names, depth)
    _refuse(text, f"{type(node).__name__} ({ast.unparse(node)!r}){_NODE_HINTS.get(type(node), '')}")


def _variables(names, text):
    """``("x",)`` or ``("x1", ..., "xn")`` with n the highest index used."""
    if not names:
        raise ValueError(f"The expression {text!r} has no variable: use x (or x1, x2, ...).")
    if "x" in names:
        if len(names) > 1:
            raise ValueError(
                f"The expression {text!r} mixes x with {', '.join(sorted(names - {'x'}))}: "
                "use x alone for one dimension or x1, x2, ... for several."
            )
        return ("x",)
    n = max(int(name[1:]) for name in names)
    return tuple(f"x{i}" for i in range(1, n + 1))


@dataclass(frozen=True)
class Expression:
    """A parsed function f: Rⁿ → R with its gradient.

    Attributes
    ----------
    text : str
        The expression as typed.
    variables : tuple of str
        ``("x",)`` or ``("x1", ..., "xn")``.
    """

    text: str
    variables: tuple
    tree: ast.Expression

    @property
    def n_inputs(self):
        return len(self.variables)

    def _point(self, x):
        if isinstance(x, (bool, np.bool_)) or (isinstance(x, (list, tuple, np.ndarray)) and np.asarray(x).dtype == bool):
            # as gradient_descent's x0 and exact_value_and_gradient: True is not the number 1 here
            raise TypeError(f"x must be a number or a 1-D array of numbers, not booleans. Received: x={x!r:.100}")
        if isinstance(x, numbers.Integral) and not isinstance(x, bool) and abs(x) > 2**1023:
            raise ValueError(f"x is beyond float64's range. Received an integer of {len(str(abs(x)))} digits.")
        x = check_array(x, "x", ndim=None, dtype=np.float64, finite=False)  # f(nan) is nan, as f(inf) may be
        if x.size != self.n_inputs or x.ndim > 1:
            raise ValueError(
                f"f({', '.join(self.variables)}) = {self.text} takes {self.n_inputs} value(s). "
                f"Received x of shape {x.shape}."
            )
        return x.reshape(-1)

    def _env(self, x):
        """Each variable's (value, gradient) at ``x``: where forward-mode differentiation starts."""
        point, unit = self._point(x), np.eye(self.n_inputs)
        return {name: (point[i], unit[i]) for i, name in enumerate(self.variables)}

    def value_and_gradient(self, x):
        """``(f(x), ∇f(x))``; the gradient has the shape of ``x``."""
        shape = np.shape(x)
        env = self._env(x)
        with np.errstate(all="ignore"):
            value, grad = _evaluate(self.tree.body, env)
        grad = np.broadcast_to(np.asarray(grad, dtype=np.float64), (self.n_inputs,))
        return float(value), grad.reshape(shape).copy()

    def underflows(self, x):
        """Whether computing f(x) or ∇f(x) underflows somewhere: ``exp(x)`` at x = −1000 is 0 and
        so is its slope, where the math has positive numbers. :func:`glassnet.descent.gradient_descent`
        asks, to tell such a stall from a point where ∇f is 0 (``abs(x) + x`` at −1 is flat indeed)."""
        env = self._env(x)
        try:
            with np.errstate(all="ignore", under="raise"):
                _evaluate(self.tree.body, env)
        except FloatingPointError:
            return True
        return False

    def __call__(self, x):
        """f(x) as a float (inf or nan where the math overflows or is undefined)."""
        return self.value_and_gradient(x)[0]

    def gradient(self, x):
        """∇f(x) (f'(x) for one variable), exact up to float64 rounding."""
        return self.value_and_gradient(x)[1]

    def exact_value_and_gradient(self, point):
        """``(f(x), [∂f/∂x_i])`` in exact fractions, or ``None`` when f is not rational.

        ``point`` holds one :class:`fractions.Fraction` (or int) per variable.
        f is rational when it is built from numbers (each read as the decimal
        written, ``0.2`` as 1/5), the variables, ``+ - * /`` and powers with an
        integer exponent; functions, ``pi``, ``e``, a division by zero or a
        number beyond ``MAX_EXACT_BITS`` give ``None`` (use the float64 path)."""
        if isinstance(point, (str, bytes)) or not hasattr(point, "__len__"):
            raise TypeError(f"point must be a sequence of one number per variable. Received: point={point!r:.100}")
        if len(point) != self.n_inputs:
            raise ValueError(f"f({', '.join(self.variables)}) takes {self.n_inputs} value(s); received {len(point)}.")
        n = self.n_inputs
        env = {}
        for i, name in enumerate(self.variables):
            grad = [Fraction(0)] * n
            grad[i] = Fraction(1)
            env[name] = (_fraction(point[i], f"point[{i}]"), grad)
        try:
            value, grad = _evaluate_exact(self.tree.body, env, n)
        except _NotExact:
            return None
        return value, grad

    def __str__(self):
        return self.text


def _fraction(value, name):
    """``value`` (a Fraction, an int of any kind or a finite float) as a Fraction of Python ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return Fraction(int(value))  # a NumPy int64 too: its Fraction would keep NumPy ints
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        return Fraction(float(value))
    raise (ValueError if isinstance(value, numbers.Real) and not isinstance(value, bool) else TypeError)(
        f"{name} must be a finite number (a Fraction, an int or a float). Received: {name}={value!r:.100}")


#: exact evaluation gives up (returns None) on numerators or denominators longer than this
MAX_EXACT_BITS = 4096


class _NotExact(Exception):
    """The expression (or this point) leaves exact rational arithmetic."""


def _exact(value):
    if value.numerator.bit_length() > MAX_EXACT_BITS or value.denominator.bit_length() > MAX_EXACT_BITS:
        raise _NotExact
    return value


def _chain(node):
    """The terms of a chain ``t0 op1 t1 op2 t2 ...`` of ``+ - * /``, found in a loop: ``[t0, t1, t2, ...]``
    (the i-th term's operator is that of its parent node, ``_links(node)[i - 1].op``)."""
    return [_links(node)[-1].left] + [link.right for link in reversed(_links(node))]


def _links(node):
    """The chain's BinOp nodes, the outermost (last operator) first."""
    links = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, _CHAIN):
        links.append(node)
        node = node.left
    return links


def _evaluate_exact(node, env, n):
    """:func:`_evaluate` in fractions: ``(value, [gradient entries])``."""
    if isinstance(node, ast.Constant):
        return Fraction(repr(node.value)), [Fraction(0)] * n  # the decimal as written: 0.2 is 1/5
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            raise _NotExact
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        v, g = _evaluate_exact(node.operand, env, n)
        return (-v, [-e for e in g]) if isinstance(node.op, ast.USub) else (v, g)
    if isinstance(node, ast.Call):
        raise _NotExact
    if isinstance(node.op, _CHAIN):  # a + b - c ...: a loop along the chain, not one call per term
        links = _links(node)
        a, ga = _evaluate_exact(links[-1].left, env, n)
        for link in reversed(links):
            b, gb = _evaluate_exact(link.right, env, n)
            op = link.op
            if isinstance(op, ast.Add):
                a, ga = _exact(a + b), [x + y for x, y in zip(ga, gb)]
            elif isinstance(op, ast.Sub):
                a, ga = _exact(a - b), [x - y for x, y in zip(ga, gb)]
            elif isinstance(op, ast.Mult):
                a, ga = _exact(a * b), [_exact(x * b + a * y) for x, y in zip(ga, gb)]
            else:
                if b == 0:
                    raise _NotExact
                a, ga = _exact(a / b), [_exact((x * b - a * y) / (b * b)) for x, y in zip(ga, gb)]
        return a, ga
    a, ga = _evaluate_exact(node.left, env, n)
    b, gb = _evaluate_exact(node.right, env, n)
    # a ** k with a constant integer k (and a ≠ 0 when k < 0): k a^(k-1) a'
    if not _is_constant(node.right) or b.denominator != 1 or abs(b) > 64 or (a == 0 and b < 0):
        raise _NotExact
    k = int(b)
    if k == 0:  # a⁰ = 1, 0⁰ too (as NumPy): its derivative is 0, not 0·a⁻¹
        return Fraction(1), [Fraction(0)] * n
    return _exact(a ** k), [_exact(k * a ** (k - 1) * x) for x in ga]


def _is_constant(node):
    return not any(isinstance(n, ast.Name) and n.id not in CONSTANTS for n in ast.walk(node))


def _chain_rule(slope, g):
    """``slope · g`` (the outer function's derivative times the inner one's gradient), with 0 wherever a
    partial derivative in ``g`` is 0: the inner function does not depend on that variable, so an infinite
    or undefined slope adds nothing to its partial (forward mode's 0·inf = nan made ``sqrt(x1) + x2`` at
    (0, 1) have the gradient (inf, nan), now (inf, 1))."""
    product = slope * g
    return product if np.isfinite(slope) else np.where(np.asarray(g) == 0, 0.0, product)


def _times(g, value):
    """``g · value`` (a factor's gradient times the other factor's value, a term of the product rule),
    with 0 wherever ``value`` is 0 and a partial in ``g`` is infinite or undefined: along such a variable
    the product is ``a(x + h) b(x + h)`` with ``b → 0`` as fast as ``h`` while ``a`` moves by less
    (``sqrt(x1) * x2`` is 0 along x1 at x2 = 0: its gradient at (0, 0) is (0, 0), not (nan, 0))."""
    product = g * value
    if value != 0 or np.all(np.isfinite(g)):
        return product
    return np.where(np.isfinite(g), product, 0.0)


def _evaluate(node, env):
    """Forward-mode differentiation: return ``(value, gradient)`` of ``node``."""
    if isinstance(node, ast.Constant):
        return np.float64(node.value), 0.0
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return np.float64(CONSTANTS[node.id]), 0.0
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        v, g = _evaluate(node.operand, env)
        return (-v, -g) if isinstance(node.op, ast.USub) else (v, g)
    if isinstance(node, ast.Call):
        f, df = FUNCTIONS[node.func.id]
        v, g = _evaluate(node.args[0], env)
        return f(v), _chain_rule(df(v), g)
    if isinstance(node.op, _CHAIN):  # a + b - c ...: a loop along the chain, not one call per term
        links = _links(node)
        a, ga = _evaluate(links[-1].left, env)
        for link in reversed(links):
            b, gb = _evaluate(link.right, env)
            op = link.op
            if isinstance(op, ast.Add):
                a, ga = a + b, ga + gb
            elif isinstance(op, ast.Sub):
                a, ga = a - b, ga - gb
            elif isinstance(op, ast.Mult):
                a, ga = a * b, _times(ga, b) + _times(gb, a)
            else:
                a, ga = a / b, (ga * b - a * gb) / (b * b)
        return a, ga
    a, ga = _evaluate(node.left, env)
    b, gb = _evaluate(node.right, env)
    # a ** b: (a^b)' = b a^(b-1) a' for a constant exponent, else a^b (b' ln a + b a'/a).
    value = np.power(a, b)
    if _is_constant(node.right):  # a⁰ = 1 is a constant, also at a = 0 (where b·a^(b−1) is 0·inf)
        return value, _chain_rule(0.0 if b == 0 else b * np.power(a, b - 1), ga)
    return value, _chain_rule(value * np.log(a), gb) + _chain_rule(value * b / a, ga)


def parse(text):
    """Parse ``text`` into an :class:`Expression`, refusing anything not whitelisted.

    Parameters
    ----------
    text : str
        E.g. ``"x**2"``, ``"x1**2 + 3*x2**2"``, ``"sin(x) + x^2/10"``.

    Raises
    ------
    ValueError
        For a syntax error or any construct outside the whitelist (the
        message names it).
    TypeError
        When ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"The expression must be a string. Received: {text!r} of type {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"The expression is too long ({len(text)} characters; at most {MAX_LENGTH}).")
    source = text.strip().replace("^", "**").translate(_TYPOGRAPHIC)  # x^2 and x − 1 as on the slides
    source = re.sub(r"\s", " ", source)  # and their no-break or thin spaces, which Python refuses
    if not source:
        raise ValueError("The expression is empty; write a function of x such as 'x**2'.")
    # '#': Python would drop the rest as a comment ("x**2 # + 3" is not x**2); '\\': escapes are for
    # strings, which no formula has, and an invalid one ('\\d') made Python warn
    for sign in "#\\":
        if sign in source:
            raise ValueError(f"Cannot use {sign!r} in the expression {text!r}: only {_ALLOWED} are allowed.")
    # Python's own SyntaxWarning ("invalid decimal literal" for 1if x) went to stderr, and on the command
    # line as a line of its own before the error: parsed as 1 if x, the refusal of the construct says it all
    source = _keywords_apart(source)
    try:
        tree = ast.parse(source, mode="eval")
    except (RecursionError, MemoryError):  # Python's own parser gave up: "-"*3000 + "x", far past MAX_DEPTH
        raise _too_deep(text) from None
    except (SyntaxError, ValueError) as exc:
        if getattr(exc, "msg", None) == "too many nested parentheses":  # over 200 open at once
            raise _too_deep(text) from None
        # Python's guess "Perhaps you forgot a comma?" is about lists and calls, not formulas
        reason = (getattr(exc, "msg", None) or str(exc) or type(exc).__name__).removesuffix(
            ". Perhaps you forgot a comma?")
        if isinstance(exc, SyntaxError) and reason == "invalid syntax" and exc.lineno == 1:
            at = exc.offset or 0
            if 1 <= at <= len(source):
                reason += f" at {source[at - 1:][:20]!r}"
                before = re.search(r"([\w.)]*)\s+\Z", source[:at - 1])
                if before and before.group(1) in FUNCTIONS:
                    reason += f"; a function needs brackets: {before.group(1)}(x)"
                elif before and before.group(1) and re.match(r"[\w.(]", source[at - 1:]):
                    reason += "; write multiplication with * (2*x, not 2 x)"  # two terms side by side
            else:
                reason += ": the expression ends too early"
            if "=" in source:
                reason += "; write the function only (x**2, not f(x) = x**2)"
            elif "|" in source:
                reason += "; write abs(x) for |x|"
        if "decimal literal" in reason:  # 3x: Python's "invalid decimal literal"
            reason += "; write multiplication with * (3*x, not 3x)"
        if re.search("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]", source):  # x²: Python's "invalid character '²'"
            reason += "; write powers with ** (x**2, not x²)"
        raise ValueError(f"Cannot parse the expression {text!r}: {reason}.") from None
    names = set()
    try:
        _check(tree, text, source, names)
    except RecursionError:
        raise _too_deep(text) from None
    return Expression(text=source, variables=_variables(names, text), tree=tree)
