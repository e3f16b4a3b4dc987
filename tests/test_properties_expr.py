"""Property-based tests (hypothesis) of the expression parser and gradient descent on it.

Drawn expression trees are printed as a student would type them (fewest brackets, ``^`` or ``**``,
the lectures' ``−``, ``×``, ``·``, ``÷``, spaces or none) and checked against an evaluation of the same
tree in NumPy float64 (the value, bit for bit), central finite differences (the gradient) and exact
fractions (the rational ones). Random text, built from the tokens an attacker or a clumsy student
types, ends in an Expression or in a ValueError that names the expression, never in another error.
gradient_descent on drawn quadratics follows the closed form of its iteration, and ``glassnet descend``
with random arguments exits 0 with a table or with one line of error.

A derandomized, CI-sized run (some 20 s) of the hunt that found the bugs named in the tests below;
each strategy and check is a plain function, so a longer hunt can reuse them with more examples.
"""

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from glassnet.descent import gradient_descent  # noqa: E402
from glassnet.expr import Expression, parse  # noqa: E402

CI = settings(max_examples=150, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# --- drawn expression trees ------------------------------------------------------------------
# A tree is a tuple: ("num", text) | ("const", name) | ("var", name) | ("neg", t) | ("pos", t)
# | ("bin", op, left, right) | ("call", name, t). Its reference value is computed below in
# NumPy float64 with the same operations in the same order, independently of glassnet.expr.

NUMBERS = ["0", "1", "2", "3", "10", "0.5", ".25", "1.5", "2.5e1", "1e-3", "7", "0.1"]
REFERENCE_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh,
}
REFERENCE_OPS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power}
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "pos": 3, "**": 4}
ATOM = 5


def trees(variables, functions=tuple(REFERENCE_FUNCTIONS), ops=tuple(REFERENCE_OPS), max_leaves=8):
    """Expression trees over ``variables`` (that the last one is used is not guaranteed:
    :func:`with_a_variable` adds it)."""
    leaves = st.one_of(
        st.sampled_from(variables).map(lambda v: ("var", v)),
        st.sampled_from(NUMBERS).map(lambda n: ("num", n)),
        st.sampled_from(["pi", "e"]).map(lambda c: ("const", c)),
    )

    def extend(children):
        branches = [
            st.tuples(st.sampled_from(["neg", "pos"]), children),
            st.tuples(st.just("bin"), st.sampled_from(ops), children, children),
        ]
        if functions:
            branches.append(st.tuples(st.just("call"), st.sampled_from(functions), children))
        return st.one_of(*branches)

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def with_a_variable(tree, variables):
    """``tree`` if it uses the last variable (which sets the dimension), else ``tree + that variable``."""
    if ("var", variables[-1]) in _nodes(tree):
        return tree
    return ("bin", "+", tree, ("var", variables[-1]))


def _nodes(tree):
    yield tree
    for child in tree[1:]:
        if isinstance(child, tuple):
            yield from _nodes(child)


def _precedence(tree):
    kind = tree[0]
    if kind == "bin":
        return PRECEDENCE[tree[1]]
    return PRECEDENCE[kind] if kind in ("neg", "pos") else ATOM


@st.composite
def spellings(draw, tree):
    """``tree`` as text, with the fewest brackets Python's precedence needs (and, drawn, a few more),
    ``^`` or ``**``, the lectures' typography and spaces or none."""
    style = draw(st.fixed_dictionaries({
        "power": st.sampled_from(["**", "^"]),
        "minus": st.sampled_from(["-", "−"]),
        "times": st.sampled_from(["*", "×", "·", "⋅"]),
        "divide": st.sampled_from(["/", "÷"]),
        "space": st.sampled_from(["", " "]),
    }))
    extra = draw(st.lists(st.booleans(), min_size=64, max_size=64))
    counter = iter(range(10**6))

    def bracket(text, needed):
        return f"({text})" if needed or extra[next(counter) % len(extra)] and len(text) < 40 else text

    def show(t):
        kind = t[0]
        if kind in ("num", "var", "const"):
            return t[1]
        if kind == "call":
            return f"{t[1]}({show(t[2])})"
        if kind in ("neg", "pos"):
            sign = style["minus"] if kind == "neg" else "+"
            return sign + bracket(show(t[1]), _precedence(t[1]) < PRECEDENCE["neg"])
        op, left, right = t[1], t[2], t[3]
        p = PRECEDENCE[op]
        if op == "**":  # right-associative; its left operand is a primary (-x**2 is -(x**2)), its right a u_expr
            need_left, need_right = _precedence(left) <= p, _precedence(right) < PRECEDENCE["neg"]
        else:  # left-associative
            need_left, need_right = _precedence(left) < p, _precedence(right) <= p
        shown = {"**": style["power"], "-": style["minus"], "*": style["times"], "/": style["divide"]}.get(op, op)
        gap = style["space"]
        return f"{bracket(show(left), need_left)}{gap}{shown}{gap}{bracket(show(right), need_right)}"

    return show(tree)


def reference_value(tree, point):
    """The tree's value at ``point`` ({name: float}) in NumPy float64."""
    kind = tree[0]
    if kind == "num":
        return np.float64(float(tree[1]))
    if kind == "const":
        return np.float64(math.pi if tree[1] == "pi" else math.e)
    if kind == "var":
        return np.float64(point[tree[1]])
    if kind == "neg":
        return -reference_value(tree[1], point)
    if kind == "pos":
        return reference_value(tree[1], point)
    if kind == "call":
        return REFERENCE_FUNCTIONS[tree[1]](reference_value(tree[2], point))
    return REFERENCE_OPS[tree[1]](reference_value(tree[2], point), reference_value(tree[3], point))


def reference_exact(tree, point):
    """The value of a rational tree at ``point`` ({name: Fraction}) in fractions; None where it
    divides by 0 or leaves rational arithmetic (a function, a constant, a power not an integer)."""
    kind = tree[0]
    if kind == "num":
        return Fraction(tree[1])
    if kind in ("const", "call"):
        return None
    if kind == "var":
        return point[tree[1]]
    if kind in ("neg", "pos"):
        v = reference_exact(tree[1], point)
        return None if v is None else (-v if kind == "neg" else v)
    a, b = reference_exact(tree[2], point), reference_exact(tree[3], point)
    if a is None or b is None:
        return None
    op = tree[1]
    if op == "/" or op == "**":
        if op == "/" and b == 0:
            return None
        if op == "**":
            if b.denominator != 1 or abs(b) > 64 or (a == 0 and b < 0):
                return None
            return a ** int(b)
        return a / b
    return {"+": a + b, "-": a - b, "*": a * b}[op]


# --- the checks ---------------------------------------------------------------------------------

def at(f, values):
    """``f``'s argument for ``values`` (one per variable): a float for f(x), an array for f(x1, ...)."""
    return float(values[0]) if f.variables == ("x",) else np.array(values, dtype=np.float64)


def check_value_equals_the_reference(tree, text, values):
    f = parse(text)
    point = dict(zip(f.variables, values))
    with np.errstate(all="ignore"):
        expected = reference_value(tree, point)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # undefined points give nan or inf, quietly
        value, gradient = f.value_and_gradient(at(f, values))
    assert isinstance(value, float) and np.shape(gradient) == np.shape(at(f, values))
    # the same operations in the same order: bit for bit, nan where the reference is nan
    np.testing.assert_array_equal(value, expected, err_msg=text)
    return f, value, gradient


def finite_difference(f, x, i, h):
    """Central difference of ``f`` along coordinate ``i`` with step ``h``."""
    up, down = np.array(x, dtype=np.float64), np.array(x, dtype=np.float64)
    up.reshape(-1)[i] += h
    down.reshape(-1)[i] -= h
    with np.errstate(all="ignore"):
        return (f(up[()]) - f(down[()])) / (2 * h)


def check_gradient_equals_finite_differences(tree, text, values):
    """Where f is smooth (the central differences with steps h and h/10 agree, and f is finite
    around x), the gradient equals them."""
    f, value, gradient = check_value_equals_the_reference(tree, text, values)
    x = at(f, values)
    if not math.isfinite(value) or not np.isfinite(gradient).all():
        return False
    checked = False
    for i in range(f.n_inputs):
        scale = max(abs(float(np.ravel(x)[i])), 1.0)
        h = 1e-5 * scale
        coarse, fine = finite_difference(f, x, i, h), finite_difference(f, x, i, h / 10)
        g = float(np.ravel(gradient)[i])
        size = max(abs(g), abs(value) / scale, 1.0)
        if not (math.isfinite(coarse) and math.isfinite(fine)) or abs(coarse - fine) > 1e-6 * size:
            continue  # a kink, a pole or a cliff of rounding within h: no smooth slope to compare
        assert abs(g - fine) <= 1e-5 * size, (text, values, i, g, fine, coarse)
        checked = True
    return checked


def check_exact_equals_the_reference(tree, text, values):
    f = parse(text)
    point = [Fraction(v) for v in values]
    exact = f.exact_value_and_gradient(point)
    expected = reference_exact(tree, dict(zip(f.variables, point)))
    if exact is None:
        return False  # (a division by 0 inside, or numbers past MAX_EXACT_BITS)
    assert expected is not None, text  # glassnet found a value where the math has none
    assert exact[0] == expected, (text, values)
    # each partial derivative: the exact difference quotient's limit, checked with a tiny exact step
    h = Fraction(1, 10**30)
    for i, g in enumerate(exact[1]):
        moved = dict(zip(f.variables, point))
        moved[f.variables[i]] += h
        up = reference_exact(tree, moved)
        if up is None:
            continue
        assert abs(float((up - expected) / h) - float(g)) <= 1e-12 * max(1.0, abs(float(g))), (text, i)
    return True


# the tokens a student or an attacker types
TOKENS = ["x", "x1", "x2", "x3", "x0", "y", "(", ")", "+", "-", "*", "/", "**", "^", "sin", "log", "sqrt",
          "exp", "abs", ",", ".", "e", "pi", "1", "0", "9", "2.5", "1e308", "1e400", " ", "=", "_", "[", "]", "'",
          "lambda", ":", "__class__", "__import__", "import", "os", "#", "\\", "\n", "²", "−", "×", "÷", "|", "@",
          "{", "}", "j", "%", "//", "<", "!", ";", "if", "else", "not", "and", "~", "\x00", "\ufeff", "ｘ", "sinh",
          "ln", "True", "None", "...", "f'", '"', "\t", "**9**9**9"]


def texts():
    return st.one_of(
        st.lists(st.sampled_from(TOKENS), max_size=30).map("".join),
        st.text(max_size=40),
        st.tuples(st.sampled_from(["(", "-", "sin(", "x**", "+", "[", "-(", "x*(", "abs("]),
                  st.integers(1, 1500)).map(lambda c: c[0] * c[1] + "x"),
    )


def check_any_text(text):
    """A ValueError naming the expression, or an Expression that evaluates quietly everywhere."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            f = parse(text)
        except ValueError as exc:
            f, message = None, str(exc)
    assert not caught, (text, [str(w.message) for w in caught])  # Python's SyntaxWarning for 1if x leaked
    if f is None:
        assert "expression" in message, (text, message)
        return None
    assert isinstance(f, Expression)
    for v in (0.0, 0.5, -1.5, 1e300):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, gradient = f.value_and_gradient(at(f, [v] * f.n_inputs))
        assert isinstance(value, float) and np.shape(gradient) == np.shape(at(f, [v] * f.n_inputs))
    return f


# --- the tests --------------------------------------------------------------------------------------

VARIABLES = {1: ("x",), 2: ("x1", "x2"), 3: ("x1", "x2", "x3")}
coordinates = st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def expressions(draw, functions=tuple(REFERENCE_FUNCTIONS), ops=tuple(REFERENCE_OPS)):
    """(tree, its text, a point) for a drawn function of 1 to 3 variables."""
    variables = VARIABLES[draw(st.sampled_from([1, 2, 3]))]
    tree = with_a_variable(draw(trees(variables, functions, ops)), variables)
    return tree, draw(spellings(tree)), draw(st.lists(coordinates, min_size=len(variables),
                                                       max_size=len(variables)))


@CI
@given(case=expressions())
def test_value_is_the_float64_evaluation_of_the_drawn_tree(case):
    check_value_equals_the_reference(*case)


@CI
@given(case=expressions())
def test_gradient_equals_central_differences_where_f_is_smooth(case):
    check_gradient_equals_finite_differences(*case)


def check_a_separate_variable_keeps_its_partial(tree, text, values):
    """f(x1, x2) = g(x1) − 2·x2: ∂f/∂x2 is −2 wherever g has a value, whatever g's slope there
    (an infinite slope of g times ∂x1/∂x2 = 0 made it NaN)."""
    f = parse(f"({text}) - 2*x2")
    value, gradient = f.value_and_gradient([values[0], 0.5])
    if math.isfinite(value):
        assert gradient[1] == -2.0, (text, values, gradient)


def functions_of_x1():
    """(tree, text, [x1]) for a drawn g(x1), x1 often where sqrt, log or 1/x meet the edge of their domain."""
    return trees(("x1",)).map(lambda tree: with_a_variable(tree, ("x1",))).flatmap(
        lambda tree: st.tuples(st.just(tree), spellings(tree),
                               st.lists(st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5]), min_size=1, max_size=1)))


@CI
@given(case=functions_of_x1())
def test_a_separate_variable_keeps_its_partial_at_the_edge_of_the_domain(case):
    check_a_separate_variable_keeps_its_partial(*case)


@CI
@given(case=expressions(functions=(), ops=("+", "-", "*", "/", "**")))
def test_rational_expressions_are_exact(case):
    check_exact_equals_the_reference(*case)


@CI
@given(text=texts())
def test_any_text_is_an_expression_or_a_value_error_that_names_it(text):
    check_any_text(text)


# --- gradient descent on drawn quadratics ---------------------------------------------------------

@st.composite
def quadratics(draw):
    """f(x) = Σ a_i (x_i − c_i)² + d as text, its (a, c), x0, η and the rule: (text, a, c, x0, eta, rule, params)."""
    n = draw(st.sampled_from([1, 2, 3]))
    names = VARIABLES[n]
    a = draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0, 3.0]), min_size=n, max_size=n))
    c = draw(st.lists(st.sampled_from([-2.0, -0.5, 0.0, 1.0, 1.25, 3.0]), min_size=n, max_size=n))
    d = draw(st.sampled_from(["", " + 1", " - 2.5"]))
    text = " + ".join(f"{ai}*({name} - {ci})**2" for ai, name, ci in zip(a, names, c)) + d
    x0 = draw(st.lists(st.sampled_from([-3.0, -1.0, 0.5, 2.0, 4.0]), min_size=n, max_size=n))
    eta = draw(st.sampled_from([0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.45, 0.5, 0.6, 0.9, 1.0]))
    rule = draw(st.sampled_from(["gd", "momentum", "nesterov"]))
    params = {} if rule == "gd" else {"momentum": draw(st.sampled_from([0.0, 0.3, 0.5, 0.9]))}
    return text, np.array(a), np.array(c), np.array(x0), eta, rule, params


def iteration_matrix(a_i, eta, rule, alpha):
    """The linear map of one step on a_i·e² (e = x − c, ∇ = g·e with g = 2a_i) acting on (e, v):
    plain descent e' = (1 − ηg) e; momentum v' = αv − ηg e, e' = e + v'; Nesterov v' = αv − ηg e,
    e' = e + αv' − ηg e."""
    g = 2 * a_i
    if rule == "gd":
        return np.array([[1 - eta * g, 0.0], [0.0, 0.0]])
    if rule == "momentum":
        return np.array([[1 - eta * g, alpha], [-eta * g, alpha]])
    return np.array([[1 - eta * g - alpha * eta * g, alpha * alpha], [-eta * g, alpha]])


def closed_form(a, c, x0, eta, rule, params, steps):
    """The iterates of descent on Σ a_i (x_i − c_i)², coordinate by coordinate: (e_k, v_k) = M^k (e_0, 0)."""
    X = np.empty((steps + 1, len(a)))
    for i, (a_i, c_i, x_i) in enumerate(zip(a, c, x0)):
        M = iteration_matrix(a_i, eta, rule, params.get("momentum", 0.0))
        X[:, i] = [c_i + (np.linalg.matrix_power(M, k) @ [x_i - c_i, 0.0])[0] for k in range(steps + 1)]
    return X


def spectral_radius(a, eta, rule, params):
    """The largest |eigenvalue| of the iteration's matrices over the coordinates: below 1 it converges."""
    return max(float(np.abs(np.linalg.eigvals(iteration_matrix(a_i, eta, rule, params.get("momentum", 0.0)))).max())
               for a_i in a)


def check_descent_follows_the_closed_form(case, steps=30):
    text, a, c, x0, eta, rule, params = case  # (x0 ≠ c: every coordinate moves)
    start = float(x0[0]) if len(a) == 1 else x0
    trace = gradient_descent(text, start, eta, steps=steps, optimizer=rule, **params)
    expected = closed_form(a, c, x0, eta, rule, params, steps)
    got = trace.x.reshape(steps + 1, -1)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max(), err_msg=text)
    np.testing.assert_allclose(trace.grad.reshape(steps + 1, -1), 2 * a * (expected - c), rtol=1e-9,
                               atol=1e-9 * np.abs(expected).max())
    radius = spectral_radius(a, eta, rule, params)
    if rule == "gd" and np.all(2 * a * eta == 1):  # the first step lands on the minimum (x² with η = ½)
        assert trace.verdict == "one-step", (text, eta, trace.verdict)
    elif rule == "gd" and radius == 1:  # 1 − 2aη = −1 in the worst coordinate: x swings between two points
        assert trace.verdict == "oscillates", (text, eta, trace.verdict)
    elif radius < 0.99:
        assert trace.verdict in ("converges", "one-step"), (text, eta, rule, params, radius, trace.verdict)
    elif radius > 1.01:
        assert trace.verdict == "diverges", (text, eta, rule, params, radius, trace.verdict)
    return trace.verdict


@CI
@given(case=quadratics())
def test_descent_on_a_quadratic_follows_the_closed_form_and_says_so(case):
    check_descent_follows_the_closed_form(case)


BAD_ARGUMENTS = {  # argument -> values it refuses
    "steps": st.sampled_from([0, -1, -10**9, 2.5, float("nan"), "3", None, True, 10**7]),
    "learning_rate": st.sampled_from([0, -0.1, float("nan"), float("inf"), -float("inf"), "0.1", None, 1j]),
    "x0": st.sampled_from([float("nan"), float("inf"), [], [[1.0, 2.0]], "2", None, True, [1.0, float("nan")],
                           "wrong size"]),
}


@st.composite
def bad_calls(draw):
    """(expression, keyword arguments of gradient_descent with one bad, the bad one's name)."""
    n = draw(st.sampled_from([1, 2, 3]))
    text = " + ".join(f"{name}**2" for name in VARIABLES[n])
    good = {"steps": 5, "learning_rate": 0.1, "x0": 1.0 if n == 1 else [1.0] * n}
    name = draw(st.sampled_from(sorted(BAD_ARGUMENTS)))
    value = draw(BAD_ARGUMENTS[name])
    if value == "wrong size":
        value = draw(st.sampled_from([k for k in (1, 2, 3, 4) if k != n])) * [1.0]
        value = value[0] if len(value) == 1 and draw(st.booleans()) else value
    return text, {**good, name: value}, name


def check_a_bad_argument_is_named(case):
    text, kwargs, name = case
    with pytest.raises((ValueError, TypeError)) as caught:
        gradient_descent(text, **kwargs)
    assert str(caught.value).startswith(name) or f"Received: {name}=" in str(caught.value) \
        or f" {name} " in str(caught.value), (text, kwargs, str(caught.value))


@CI
@given(case=bad_calls())
def test_a_bad_argument_of_gradient_descent_is_a_typed_error_that_names_it(case):
    check_a_bad_argument_is_named(case)


# --- glassnet descend with random arguments --------------------------------------------------------

DESCEND_OPTIONS = {
    "--x0": st.sampled_from(["2", "-1", "0", "1,2", "1,2,3", "1e400", "nan", "a", "", ",", "1,,2", "-0.5", "1;2",
                             "0x10", "1e-320", "9" * 400, "-", "--", "inf"]),
    "--lr": st.sampled_from(["0.1", "0.5", "1.05", "0", "-1", "nan", "inf", "1e308", "1e-320", "x", ""]),
    "--steps": st.sampled_from(["1", "3", "12", "0", "-2", "2.5", "1e3", "100001", "x"]),
    "--momentum": st.sampled_from(["0", "0.5", "1", "1.5", "-0.1", "nan", "x"]),
    "--optimizer": st.sampled_from(["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "lion", "GD"]),
    "--digits": st.sampled_from(["1", "5", "15", "0", "1001", "x"]),
    "--nesterov": st.none(),
    "--bogus": st.sampled_from(["1"]),
}


@st.composite
def descend_arguments(draw):
    """``glassnet descend``'s argument list: an expression (drawn, typed or hostile) and random options."""
    tree_case = draw(expressions())
    expression = draw(st.one_of(st.just(tree_case[1]), texts(),
                                st.sampled_from(["x**2", "-x**2", "-cos(x)", "x1**2 + 3*x2**2", "--x", "-"])))
    argv = ["descend", expression]
    for option in draw(st.lists(st.sampled_from(sorted(DESCEND_OPTIONS)), max_size=4, unique=True)):
        value = draw(DESCEND_OPTIONS[option])
        if value is None:
            argv.append(option)
        elif draw(st.booleans()):
            argv += [option, value]
        else:
            argv.append(f"{option}={value}")
    return draw(st.permutations(argv[1:])) if draw(st.integers(0, 4)) == 0 else argv[1:]


def check_descend_arguments(argv):
    """Exit 0 with a table and a verdict, or non-zero with one line of error on stderr."""
    import contextlib
    import io

    from glassnet.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("always")  # as in a fresh process, where each warning shows once
        status = main(["descend", *argv])
    stderr = err.getvalue()
    assert "Traceback" not in stderr and "--debug" not in stderr, (argv, stderr)
    if status == 0:
        assert "verdict:" in out.getvalue() and not stderr, (argv, stderr)
    else:
        assert len(stderr.splitlines()) == 1 and "error:" in stderr, (argv, stderr)
    return status


@CI
@given(argv=descend_arguments())
def test_glassnet_descend_with_random_arguments_prints_a_table_or_one_line_of_error(argv):
    check_descend_arguments(argv)


def check_descent_on_any_expression(tree, text, values, eta, rule):
    """Descent on a drawn f: refused at a start where f or ∇f is not finite, else a path whose rows
    are f, ∇f and η·∇f at each iterate (for plain descent) and one of the four verdicts."""
    f = parse(text)
    start = at(f, values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's overflow and invalid-value warnings stay inside
        try:
            trace = gradient_descent(f, start, eta, steps=8, optimizer=rule)
        except ValueError as exc:
            value, gradient = f.value_and_gradient(start)
            assert not (math.isfinite(value) and np.isfinite(gradient).all()), (text, values, str(exc))
            assert str(exc).startswith("f must have a finite value and gradient at x0"), str(exc)
            return None
    assert trace.verdict in ("converges", "one-step", "oscillates", "diverges")
    X = trace.x.reshape(len(trace.x), -1)
    np.testing.assert_array_equal(X[1:], X[:-1] - trace.step.reshape(len(trace.step), -1))
    for k in range(len(trace.x)):
        if not np.isfinite(X[k]).all():
            break
        value, gradient = f.value_and_gradient(trace.x[k])
        np.testing.assert_array_equal(trace.fx[k], value)
        np.testing.assert_array_equal(trace.grad[k], gradient)
        if rule == "gd" and k < len(trace.step):
            np.testing.assert_array_equal(trace.step[k], eta * gradient)
    if not (np.isfinite(trace.x).all() and np.isfinite(trace.fx).all()):
        assert trace.verdict == "diverges", (text, values, trace.verdict)  # as documented: f or x left the reals
    return trace.verdict


@CI
@given(case=expressions(), eta=st.sampled_from([0.01, 0.1, 0.5, 1.0, 3.0]),
       rule=st.sampled_from(["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]))
def test_descent_on_any_expression_keeps_its_table_consistent_or_refuses_the_start(case, eta, rule):
    check_descent_on_any_expression(*case, eta, rule)
