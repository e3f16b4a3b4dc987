"""Gradient descent on a function: seed 000's tables, verdicts, optimizers (SPEC C7)."""

import math
import warnings

import numpy as np
import pytest

from glassnet import optimizers
from glassnet.descent import COLUMNS, compare_optimizers, decimal_text, gradient_descent, numerical_gradient
from glassnet.expr import parse


def square(x):
    return x**2


def dsquare(x):
    return 2 * x


# Seed 000, "1D case", f(x) = x², x0 = 2: the slides' columns
# x, f(x)=x², f'(x)=2x, η·f'(x), x − η·f'(x), typed from the slides.
SEED_TABLES = {
    0.2: [
        (2, 4, 4, 0.8, 1.2),
        (1.2, 1.44, 2.4, 0.48, 0.72),
        (0.72, 0.5184, 1.44, 0.288, 0.432),
        (0.432, 0.186624, 0.864, 0.1728, 0.2592),
        (0.2592, 0.06718464, 0.5184, 0.10368, 0.15552),
        (0.15552, 0.0241864704, 0.31104, 0.062208, 0.093312),
        (0.093312, 0.008707129344, 0.186624, 0.0373248, 0.0559872),
        (0.0559872, 0.00313456656384, 0.1119744, 0.02239488, 0.03359232),
        (0.03359232, 0.001128443962982, 0.06718464, 0.013436928, 0.020155392),
        (0.020155392, 0.000406239826673, 0.040310784, 0.0080621568, 0.0120932352),
        (0.0120932352, 0.000146246337602, 0.0241864704, 0.00483729408, 0.00725594112),
        (0.00725594112, 0.000052648681536, 0.01451188224, 0.002902376448, 0.004353564672),
    ],
    0.4: [
        (2, 4, 4, 1.6, 0.4),
        (0.4, 0.16, 0.8, 0.32, 0.08),
        (0.08, 0.0064, 0.16, 0.064, 0.016),
        (0.016, 0.000256, 0.032, 0.0128, 0.0032),
        (0.0032, 0.00001024, 0.0064, 0.00256, 0.00064),
        (0.00064, 0.0000004096, 0.00128, 0.000512, 0.000128),
        (0.000128, 0.000000016384, 0.000256, 0.0001024, 0.0000256),
        (0.0000256, 0.00000000065536, 0.0000512, 0.00002048, 0.00000512),
        (0.00000512, 0.0000000000262144, 0.00001024, 0.000004096, 0.000001024),
        (0.000001024, 0.000000000001048576, 0.000002048, 0.0000008192, 0.0000002048),
        (0.0000002048, 0.00000000000004194304, 0.0000004096, 0.00000016384, 0.00000004096),
        (0.00000004096, 0.0000000000000016777216, 0.00000008192, 0.000000032768, 0.000000008192),
    ],
    # The slide's table for η = 0.5 is illegible; by hand: 2 − 0.5·4 = 0, then 0 forever.
    0.5: [(2, 4, 4, 2, 0)] + [(0, 0, 0, 0, 0)] * 11,
    1.0: [(2, 4, 4, 4, -2), (-2, 4, -4, -4, 2)] * 7,  # the slide prints 14 rows, the others 12
    1.05: [
        (2, 4, 4, 4.2, -2.2),
        (-2.2, 4.84, -4.4, -4.62, 2.42),
        (2.42, 5.8564, 4.84, 5.082, -2.662),
        (-2.662, 7.086244, -5.324, -5.5902, 2.9282),
        (2.9282, 8.57435524, 5.8564, 6.14922, -3.22102),
        (-3.22102, 10.3749698404, -6.44204, -6.764142, 3.543122),
        (3.543122, 12.553713506884, 7.086244, 7.4405562, -3.8974342),
        (-3.8974342, 15.1899933433296, -7.7948684, -8.18461182, 4.28717762),
        (4.28717762, 18.3798919454289, 8.57435524, 9.003073002, -4.715895382),
        (-4.715895382, 22.2396692539689, -9.431790764, -9.9033803022, 5.1874849202),
        (5.1874849202, 26.9099997973024, 10.3749698404, 10.89371833242, -5.70623341222),
        (-5.70623341222, 32.5610997547359, -11.41246682444, -11.983090165662, 6.276856753442),
    ],
}
VERDICTS = {0.2: "converges", 0.4: "converges", 0.5: "one-step", 1.0: "oscillates", 1.05: "diverges"}


@pytest.mark.parametrize("eta", sorted(SEED_TABLES))
def test_seed_table_row_by_row(eta):
    trace = gradient_descent(square, 2.0, eta, steps=len(SEED_TABLES[eta]), grad=dsquare)
    rows = np.array(trace.table())
    assert rows.shape == (len(SEED_TABLES[eta]), 5)
    # 1e-12 relative; the slides round f(x) to 15 decimal places, hence atol 1e-15.
    np.testing.assert_allclose(rows, np.array(SEED_TABLES[eta], dtype=float), rtol=1e-12, atol=1e-15)
    assert trace.verdict == VERDICTS[eta]


# The slides' cells as printed (decimal commas as points), where they differ from
# SEED_TABLES' floats: the spreadsheet shows 15 significant digits.
SEED_TEXT_ETA_105_FX = ["4", "4.84", "5.8564", "7.086244", "8.57435524", "10.3749698404", "12.553713506884",
                        "15.1899933433296", "18.3798919454289", "22.2396692539689", "26.9099997973024",
                        "32.5610997547359"]


@pytest.mark.parametrize("eta", sorted(SEED_TABLES))
def test_expression_tables_print_the_slides_digit_for_digit(eta):
    f = parse("x**2")
    trace = gradient_descent(f, 2.0, eta, steps=len(SEED_TABLES[eta]), grad=f.gradient)
    assert trace.exact is not None
    rows = [line.split("\t") for line in trace.format_table().splitlines()[1:]]
    for k, (row, seed) in enumerate(zip(rows, SEED_TABLES[eta], strict=True)):
        for column, (text, number) in enumerate(zip(row, seed)):
            if eta == 0.2 and column == 1 and k >= 8:
                # the slide cuts these four f(x) cells at 15 decimal places: 0.001128443962982 for
                # 0.03359232² = 0.0011284439629824; the rest of the cell agrees
                assert text.startswith(f"{number:.15f}"[:-1]), (k, text, number)
            else:
                assert text == decimal_text(number, 15), (k, column)  # the typed cell, to 15 digits
    if eta == 0.4:
        assert rows[-1][:5] == ["0.00000004096", "0.0000000000000016777216", "0.00000008192", "0.000000032768",
                                "0.000000008192"]
    if eta == 1.05:
        assert [row[1] for row in rows] == SEED_TEXT_ETA_105_FX
        assert [row[5] for row in rows] == ["1.05"] * 12
    # the float64 table agrees to 12 digits; from the 15th on its rounding shows (-7.79486840000001)
    assert trace.format_table(digits=12) == gradient_descent(square, 2.0, eta, len(rows), dsquare).format_table(digits=12)


def test_an_exact_table_prints_eta_as_the_decimal_its_rows_use():
    # The exact rows read η = 0.3 as 3/10 (η·f'(2) = 1.2 exactly), but the Eta column printed float64's
    # 0.2999999999999999888977697537484345957637 (with --digits 40); the x0 cell was already exact.
    exact = gradient_descent("x**2", 2, 0.3, steps=2).format_table(digits=40).splitlines()[1:]
    assert [row.split("\t") for row in exact] == [["2", "4", "4", "1.2", "0.8", "0.3"],
                                                   ["0.8", "0.64", "1.6", "0.48", "0.32", "0.3"]]
    assert gradient_descent("x1**2 + x2**2", [1, 2], 1e-7, steps=1).format_table(digits=30).endswith("\t0.0000001")
    # float64 rows are computed with float64's η, and show it
    floats = gradient_descent(square, 2, 0.3, steps=1, grad=dsquare).format_table(digits=20).splitlines()[1]
    assert floats.endswith("\t0.2999999999999999889")


def test_a_python_functions_table_prints_the_slides_first_rows():
    # the slide typed as Python, with central differences for f': the first row printed f'(2) = 3.999999999998
    # (the stencil is good to ~1e-12, and float rows showed 13 digits) where the slide shows 4, 4,2 and -2,2
    trace = gradient_descent(lambda x: x**2, 2, 1.05, steps=2)
    assert trace.numerical and not gradient_descent(square, 2, 1.05, 2, dsquare).numerical
    assert trace.format_table().splitlines()[1:] == ["2\t4\t4\t4.2\t-2.2\t1.05", "-2.2\t4.84\t-4.4\t-4.62\t2.42\t1.05"]
    rows = gradient_descent(lambda x: x**2, 2, 0.4, steps=12).format_table().splitlines()[1:]
    assert [row.split("\t")[0] for row in rows[:3]] == ["2", "0.4", "0.08"]
    assert "3.999999999998" in trace.format_table(digits=13)  # (the digits beyond are still there to ask for)


def test_the_command_line_s_expression_string_gives_the_slide_s_table():
    # `glassnet descend "x**2" --x0 2 --lr 1.05` reads a string; from Python, gradient_descent("x**2", ...)
    # was a TypeError ("f must be a callable"). It is parsed as the command line parses it: the η = 1.05
    # table's f(x) column as the slide types it, and a parse error that names what is wrong.
    trace = gradient_descent("x**2", 2, 1.05)
    assert [row.split("\t")[1] for row in trace.format_table().splitlines()[1:]] == SEED_TEXT_ETA_105_FX
    assert trace.verdict == "diverges"
    assert gradient_descent("x^2", 2, 0.5).x[1:].tolist() == [0.0] * 12  # η = 0.5: one step to the minimum
    with pytest.raises(ValueError, match="f\\(x\\) = x\\*\\*2"):
        gradient_descent("f(x) = x**2", 2, 0.2)


def test_decimal_text_rounds_to_significant_digits_in_plain_decimals():
    from fractions import Fraction
    assert decimal_text(Fraction(16777216, 10**22)) == "0.0000000000000016777216"
    assert decimal_text(Fraction(1518999334332964, 10**14)) == "15.1899933433296"  # ...2964 rounds down
    assert decimal_text(Fraction(1, 3), 4) == "0.3333" and decimal_text(Fraction(-2, 3), 4) == "-0.6667"
    assert decimal_text(Fraction(5, 2), 1) == "2"  # half to even
    assert decimal_text(-2.0) == "-2" and decimal_text(0.0) == "0" and decimal_text(1200.0) == "1200"
    assert decimal_text(0.1 + 0.2, 15) == "0.3" and decimal_text(0.1 + 0.2, 17) == "0.30000000000000004"
    assert decimal_text(1e20, 3) == "1.00e20" and decimal_text(-3e-40, 2) == "-3.0e-40"
    assert decimal_text(float("inf")) == "inf" and decimal_text(float("nan")) == "nan"
    with pytest.raises(ValueError, match="digits"):
        gradient_descent(square, 2.0, 0.2, 2, dsquare).format_table(digits=0)


def test_exact_rows_only_for_rational_expressions_and_rules():
    assert gradient_descent(parse("sin(x) + x**2"), 1.0, 0.1, 3).exact is None  # no fractions for sin
    assert gradient_descent(parse("x**2"), 2.0, 0.2, 3, optimizer="adam").exact is None  # √ in the update
    assert gradient_descent(square, 2.0, 0.2, 3, dsquare).exact is None  # a plain callable: floats
    # a long diverging path outgrows the fractions' size limit: the float64 rows are printed
    long = gradient_descent(parse("x**2"), 2.0, 1.05, steps=20000)
    assert long.exact is None and "\t" in long.format_table()
    # momentum in two variables: exact rows equal the floats, and print as decimals
    f = parse("x1**2 + 3*x2**2")
    trace = gradient_descent(f, [1.0, 1.0], 0.1, 4, f.gradient, optimizer="momentum", momentum=0.5)
    assert trace.exact is not None
    for exact, floats in zip(trace.exact, trace.table()):
        for e, v in zip(exact, floats):
            np.testing.assert_allclose(np.array(e, dtype=float), v, rtol=1e-14)
    assert trace.format_table().splitlines()[2].split("\t")[3] == "(0.26, 0.54)"


def test_iterates_start_with_x0_and_match_first_column():
    trace = gradient_descent(square, 2.0, 0.2, steps=12, grad=dsquare)
    assert trace.x.shape == (13,)
    assert trace.x[0] == 2.0
    np.testing.assert_allclose(trace.x[:6], [2, 1.2, 0.72, 0.432, 0.2592, 0.15552], rtol=1e-12)
    assert len(COLUMNS) == 5


def test_numerical_gradient_reproduces_the_table():
    exact = gradient_descent(square, 2.0, 0.2, steps=12, grad=dsquare)
    numeric = gradient_descent(square, 2.0, 0.2, steps=12)
    np.testing.assert_allclose(numeric.x, exact.x, rtol=1e-8, atol=1e-12)
    assert numeric.verdict == "converges"


def test_n_dimensional_descent():
    # f(x, y) = x² + 3y², ∇f = (2x, 6y): x_{k+1} = (1 − 2η)x_k, y_{k+1} = (1 − 6η)y_k.
    f = lambda v: v[0] ** 2 + 3 * v[1] ** 2
    trace = gradient_descent(f, [1.0, 1.0], 0.1, steps=10)
    k = np.arange(11)
    np.testing.assert_allclose(trace.x, np.c_[0.8**k, 0.4**k], rtol=1e-7, atol=1e-12)
    assert trace.verdict == "converges"
    x, fx, g, step, x_next = trace.table()[0]
    np.testing.assert_allclose(g, [2.0, 6.0], rtol=1e-8)
    np.testing.assert_allclose(step, [0.2, 0.6], rtol=1e-8)
    assert fx == 4.0
    # η = 0.4 makes the y-direction diverge: |1 − 6η| = 1.4 > 1.
    assert gradient_descent(f, [1.0, 1.0], 0.4, steps=10).verdict == "diverges"


def test_numerical_gradient_central_differences():
    f = lambda v: np.sin(v[0]) * v[1] ** 3
    v = np.array([0.3, -1.2])
    expected = [np.cos(0.3) * (-1.2) ** 3, 3 * np.sin(0.3) * 1.44]
    np.testing.assert_allclose(numerical_gradient(f, v), expected, rtol=1e-8)


# --- other optimizers on the same function: Keras 3 formulas, worked by hand ---------

def test_momentum_two_steps_by_hand():
    # v = 0.5·0 − 0.1·4 = −0.4, x = 1.6; v = 0.5·(−0.4) − 0.1·3.2 = −0.52, x = 1.08
    trace = gradient_descent(square, 2.0, 0.1, 2, dsquare, optimizer="momentum", momentum=0.5)
    np.testing.assert_allclose(trace.x, [2.0, 1.6, 1.08], rtol=1e-12)


def test_seed001_momentum_takes_increasingly_large_steps_while_the_gradient_keeps_its_direction():
    # seed 001, "Concept: Momentum": "adds a fraction of the past weight update to the current weight
    # update ... Typical value for α is 0.5. If the direction of the gradient remains constant, the
    # algorithm will take increasingly large steps". f(x) = 3x, f' = 3, η = 0.1, α = 0.5: the steps are
    # Δx_k = α Δx_{k−1} − η·3 = −0.3, −0.45, −0.525, −0.5625, ... → −η·3 / (1 − α) = −0.6
    trace = gradient_descent(lambda x: 3 * x, 0.0, 0.1, 6, lambda x: 3.0, optimizer="momentum", momentum=0.5)
    steps = np.diff(trace.x)
    np.testing.assert_allclose(steps[:4], [-0.3, -0.45, -0.525, -0.5625], rtol=1e-12)
    np.testing.assert_allclose(steps, -0.6 * (1 - 0.5 ** np.arange(1, 7)), rtol=1e-12)
    plain = np.diff(gradient_descent(lambda x: 3 * x, 0.0, 0.1, 6, lambda x: 3.0).x)
    np.testing.assert_allclose(plain, -0.3, rtol=1e-12)  # without momentum every step is η·f' = 0.3


def test_nesterov_first_step_by_hand():
    # v = −0.4;  x = 2 + 0.5·(−0.4) − 0.1·4 = 1.4
    trace = gradient_descent(square, 2.0, 0.1, 1, dsquare, optimizer="nesterov", momentum=0.5)
    np.testing.assert_allclose(trace.x, [2.0, 1.4], rtol=1e-12)


def test_adagrad_first_step_by_hand():
    # G = 0.1 + 4² = 16.1;  x = 2 − 1.0·4/√(16.1 + 1e-7)
    trace = gradient_descent(square, 2.0, 1.0, 1, dsquare, optimizer="adagrad")
    np.testing.assert_allclose(trace.x[1], 2 - 4 / np.sqrt(16.1 + 1e-7), rtol=1e-12)


def test_rmsprop_matches_keras_docstring_example():
    # keras.optimizers.RMSprop(learning_rate=0.1) on var1 = 10, loss = var1²/2 -> 9.683772
    trace = gradient_descent(lambda x: x**2 / 2, 10.0, 0.1, 1, lambda x: x, optimizer="rmsprop")
    assert trace.x[1] == pytest.approx(9.683772, abs=1e-6)


def test_adam_first_step_is_learning_rate_times_sign():
    # m̂ = g, v̂ = g², so the first step is η·g/(|g| + ε·…) ≈ η·sign(g)
    trace = gradient_descent(square, 2.0, 0.3, 1, dsquare, optimizer="adam")
    assert trace.x[1] == pytest.approx(1.7, abs=1e-6)


def test_compare_optimizers_all_reach_the_minimum_of_a_bowl():
    f = lambda v: v[0] ** 2 + 10 * v[1] ** 2
    g = lambda v: np.array([2 * v[0], 20 * v[1]])
    runs = compare_optimizers(f, [2.0, 1.0], steps=200, grad=g, optimizers={
        "gd": ("gd", 0.04, {}),
        "momentum": ("momentum", 0.04, {"momentum": 0.5}),
        "nesterov": ("nesterov", 0.04, {"momentum": 0.5}),
        "adagrad": ("adagrad", 1.0, {}),
        "rmsprop": ("rmsprop", 0.01, {}),
        "adam": ("adam", 0.05, {}),
    })
    assert set(runs) == {"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    for name, trace in runs.items():
        assert trace.fx[-1] < 1e-2 * trace.fx[0], name
    # Momentum needs fewer steps than plain descent on this ill-conditioned bowl.
    assert runs["momentum"].fx[30] < runs["gd"].fx[30]


def test_format_table_has_seed_headers():
    text = str(gradient_descent(square, 2.0, 1.05, 2, dsquare))
    assert text.splitlines()[0].split("\t") == list(COLUMNS) + ["Eta"]
    assert "-2.2" in text and "diverges" in text


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"learning_rate": "fast"}, TypeError, "learning_rate"),
        ({"steps": 0}, ValueError, "steps"),
        ({"x0": [[1.0]]}, ValueError, "x0"),
        ({"x0": np.nan}, ValueError, "x0"),
        ({"optimizer": "lbfgs"}, ValueError, "adam"),
        ({"optimizer": "adam", "momentum": 0.9}, TypeError, "momentum"),
        ({"grad": 3}, TypeError, "grad"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = {"f": square, "x0": 2.0, "learning_rate": 0.1, "steps": 3}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        gradient_descent(**args)


@pytest.mark.parametrize("text, x0", [("x1**2 + x2**2", [1.0, 2.0, 3.0]), ("x1**2 + x2**2", 1.0),
                                      ("x**2", [1.0, 2.0])])
def test_x0_of_the_wrong_size_for_an_expression_names_x0(text, x0):
    # the error came from evaluating f and named its argument x: "f(x1, x2) = x1**2 + x2**2 takes 2
    # value(s). Received x of shape (3,)", where the caller passed x0
    with pytest.raises(ValueError, match=r"^x0 must hold \d value\(s\), one per variable of f\(x.*Received: x0="):
        gradient_descent(text, x0, 0.1, steps=2)


def test_non_callable_f():
    with pytest.raises(TypeError, match="f must be a callable"):
        gradient_descent(3.0, 2.0, 0.1)
    with pytest.raises(TypeError, match="f must be a callable f\\(x\\) -> float. Received: f='x\\*\\*2'"):
        numerical_gradient("x**2", 1.0)  # "'str' object is not callable"


@pytest.mark.parametrize(
    "name, params, make",
    [
        ("gd", {}, lambda: optimizers.SGD(learning_rate=0.1)),
        ("momentum", {"momentum": 0.5}, lambda: optimizers.SGD(0.1, momentum=0.5)),
        ("nesterov", {"momentum": 0.5},
         lambda: optimizers.SGD(0.1, momentum=0.5, nesterov=True)),
        ("adagrad", {}, lambda: optimizers.Adagrad(learning_rate=0.1)),
        ("rmsprop", {}, lambda: optimizers.RMSprop(learning_rate=0.1)),
        ("adam", {}, lambda: optimizers.Adam(learning_rate=0.1)),
    ],
)
def test_local_formulas_agree_with_model_optimizers(name, params, make):
    # Two independent implementations of Keras 3's rules: the local ones here and
    # glassnet.optimizers (which models train with) must trace the same path.
    f = lambda v: v[0] ** 2 + 3 * v[1] ** 2
    g = lambda v: np.array([2 * v[0], 6 * v[1]])
    local = gradient_descent(f, [2.0, -1.0], 0.1, 25, g, optimizer=name, **params)
    model = gradient_descent(f, [2.0, -1.0], None, 25, g, optimizer=make())
    np.testing.assert_allclose(model.x, local.x, rtol=1e-12, atol=1e-15)


def test_optimizer_object_needs_learning_rate_none():
    with pytest.raises(ValueError, match="learning_rate=None"):
        gradient_descent(square, 2.0, 0.1, 3, dsquare, optimizer=optimizers.Adam())


def test_one_step_gets_the_verdict_of_the_seed_table():
    # one step has no second step length to compare: f decides (x² from 2)
    verdicts = {eta: gradient_descent(square, 2.0, eta, steps=1, grad=dsquare).verdict
                for eta in (0.2, 0.4, 0.5, 1.0, 1.05)}
    assert verdicts == {0.2: "converges", 0.4: "converges", 0.5: "one-step", 1.0: "oscillates", 1.05: "diverges"}


def test_default_derivative_prints_the_seed_table_exactly():
    # the two-point difference printed f'(0.4) = 0.7999999999 where the seed has 0.8
    numeric = gradient_descent(square, 2.0, 0.4, steps=12).format_table(digits=10)
    assert numeric == gradient_descent(square, 2.0, 0.4, steps=12, grad=dsquare).format_table(digits=10)
    assert "\n0.4\t0.16\t0.8\t0.32\t0.08\t0.4" in numeric
    # the step follows x: near a domain edge (log at 0) the points stay inside it
    assert numerical_gradient(lambda x: x * np.log(x), 0.001) == pytest.approx(np.log(0.001) + 1, rel=1e-9)
    assert numerical_gradient(lambda x: np.sin(1000 * x), 0.0) == pytest.approx(1000.0, rel=1e-6)


def test_bad_function_or_gradient_is_named():
    with pytest.raises(ValueError, match="grad must return a number; grad\\(2.0\\) returned None"):
        gradient_descent(square, 2.0, 0.1, grad=lambda x: None)
    with pytest.raises(ValueError, match="grad must return 2 numbers"):
        gradient_descent(lambda v: v @ v, [1.0, 1.0], 0.1, grad=lambda v: [1.0])
    with pytest.raises(TypeError, match="f must return one number"):
        gradient_descent(lambda x: [x, x], 2.0, 0.1)


@pytest.mark.parametrize(
    "optimizer, params, exc, match",
    [
        ("rmsprop", {"rho": 7}, ValueError, "rho must be <= 1. Received: rho=7"),
        ("adam", {"beta_1": 5}, ValueError, "beta_1 must be < 1"),
        ("adam", {"beta_2": 1.0}, ValueError, "beta_2 must be < 1"),
        ("adam", {"epsilon": -1}, ValueError, "epsilon must be >= 0"),
        ("adam", {"beta_1": "x"}, TypeError, "beta_1 must be a number"),
        ("momentum", {"momentum": -0.5}, ValueError, "momentum must be >= 0"),
        ("momentum", {"nesterov": "yes"}, TypeError, "nesterov must be True or False"),
        ("adagrad", {"initial_accumulator_value": -1}, ValueError, "initial_accumulator_value must be >= 0"),
    ],
)
def test_optimizer_hyperparameters_are_checked(optimizer, params, exc, match):
    with pytest.raises(exc, match=match):
        gradient_descent(lambda x: x**2, 2.0, 0.1, optimizer=optimizer, **params)


def test_compare_optimizers_accepts_names_and_rejects_other_types():
    f = lambda x: x**2  # noqa: E731
    traces = compare_optimizers(f, 2.0, optimizers=["adam", "gd"])
    assert list(traces) == ["adam", "gd"]
    assert traces["adam"].learning_rate == compare_optimizers(f, 2.0)["adam"].learning_rate
    with pytest.raises(TypeError, match="optimizers must be a dict"):
        compare_optimizers(f, 2.0, optimizers=5)
    with pytest.raises(ValueError, match="optimizers must list names among .*Received: 'foo'"):
        compare_optimizers(f, 2.0, optimizers=["foo"])
    with pytest.raises(TypeError, match=r"optimizers\['a'\] must be a tuple"):
        compare_optimizers(f, 2.0, optimizers={"a": "adam"})


@pytest.mark.parametrize("eps", [0, -1.0])
def test_numerical_gradient_needs_a_positive_step(eps):
    with pytest.raises(ValueError, match="eps must be > 0"):
        numerical_gradient(lambda x: x**2, 2.0, eps=eps)


@pytest.mark.parametrize("lr, verdict", [(0.1, "converges"), (1.5, "converges"), (2.0, "diverges")])
def test_momentum_paths_are_judged_from_their_longest_step(lr, verdict):
    # heavy ball on x² converges for η < 1 + β = 1.9; its steps first grow, which read "diverges"
    trace = gradient_descent(lambda x: x**2, 2.0, lr, steps=10, optimizer="momentum", momentum=0.9)
    assert trace.verdict == verdict


def test_an_undamped_momentum_swing_oscillates():
    # momentum 1 (SGD, Keras and the docs allow [0, 1]) on x², η = 0.1, from 1: x_{k+1} = 1.8 x_k − x_{k−1},
    # so x_k = cos kθ + B sin kθ with cos θ = 0.9, B = −0.1/sin θ: a swing that never shrinks. It read "converges".
    theta = np.arccos(0.9)
    k = np.arange(51)
    trace = gradient_descent(square, 1.0, 0.1, steps=50, grad=dsquare, optimizer="momentum", momentum=1.0)
    np.testing.assert_allclose(trace.x, np.cos(k * theta) - 0.1 / np.sin(theta) * np.sin(k * theta), atol=1e-9)
    assert trace.verdict == "oscillates"
    assert gradient_descent(square, 1.0, 0.1, steps=200, grad=dsquare, optimizer="momentum",
                            momentum=1.0).verdict == "oscillates"


@pytest.mark.parametrize("text, x0, lr, steps, verdict", [
    # f keeps falling: the steps shrink, but as (k + k0)^-p with p <= 1, whose sum is infinite
    ("1/x", 1.0, 0.2, 12, "diverges"), ("1/x", 1.0, 0.1, 50, "diverges"), ("exp(-x)", 0.0, 0.2, 12, "diverges"),
    ("-log(x)", 1.0, 0.5, 20, "diverges"), ("-x/(1+abs(x))", 0.0, 0.5, 30, "diverges"),
    # minima: geometric steps, however slowly (x², η = 0.001), or p > 1 at a flat minimum
    ("x**2", 2.0, 0.001, 12, "converges"), ("x**2", 2.0, 0.2, 12, "converges"), ("x**4", 2.0, 0.01, 12, "converges"),
    ("x**4", 2.0, 0.01, 100, "converges"), ("x**6", 1.0, 0.05, 40, "converges"), ("log(1+x**2)", 3.0, 0.5, 30,
                                                                                    "converges")])
def test_steps_that_shrink_too_slowly_to_add_up_are_a_drift(text, x0, lr, steps, verdict):
    # descent on 1/x from 1 walks off to infinity with ever smaller steps; it read "converges"
    assert gradient_descent(parse(text), x0, lr, steps=steps).verdict == verdict


def test_n_dimensional_paths_are_judged_by_their_worst_coordinate():
    # f = x² + 10 y²: with η = 0.1, y flips between ±1 for ever while x settles; with η = 0.105
    # y's swing grows ×1.1 per step. Both read "converges" from the steps' overall length.
    def f(v):
        return v[0] ** 2 + 10 * v[1] ** 2

    def grad(v):
        return np.array([2 * v[0], 20 * v[1]])

    assert gradient_descent(f, [2.0, 1.0], 0.1, steps=200, grad=grad).verdict == "oscillates"
    assert gradient_descent(f, [2.0, 0.001], 0.105, steps=20, grad=grad).verdict == "diverges"
    assert gradient_descent(f, [2.0, 1.0], 0.04, steps=50, grad=grad).verdict == "converges"


def test_a_path_that_settles_into_a_two_point_cycle_oscillates():
    # f = x⁴/4 − x²/2, η = 1.1 from 0.5: the steps first shrink, then x swings 0.8146 ↔ 1.1161 forever
    f = parse("x**4/4 - x**2/2")
    trace = gradient_descent(f, 0.5, 1.1, steps=60, grad=f.gradient)
    np.testing.assert_allclose(trace.x[-4:], [0.81455163, 1.11606297] * 2, rtol=1e-7)
    assert trace.verdict == "oscillates"
    # a damped swing (x² with η = 0.9: x → −0.8x) still converges
    assert gradient_descent(square, 2.0, 0.9, steps=30, grad=dsquare).verdict == "converges"


@pytest.mark.parametrize("formula, x0, shown", [
    ("log(x)", -1.0, "f(-1.0) = nan"),   # outside the domain
    ("1/x", 0.0, "f(0.0) = inf"),        # a pole
    ("sqrt(x)", 0.0, "f'(0.0) = inf"),   # defined, but no finite slope
])
def test_a_start_where_f_is_undefined_is_refused_not_called_a_divergence(formula, x0, shown):
    # It gave NaN/inf rows and the verdict "diverges", which blames the learning rate.
    f = parse(formula)
    with pytest.raises(ValueError, match="finite value and gradient at x0") as info:
        gradient_descent(f, x0, 0.2, steps=3, grad=f.gradient)
    assert shown in str(info.value)
    with pytest.raises(ValueError, match="finite value and gradient at x0"):
        gradient_descent(np.log, -1.0, 0.2, steps=3)  # a NumPy function, numerical gradient


@pytest.mark.parametrize("formula, x0, why", [
    ("sqrt(-1) + x", 0.5, "(nan is no real number: a square root or log of a negative number, 0/0, ...)"),
    ("log(-1) + x", 0.5, "(nan is no real number"),
    ("x**0.5", -4.0, "(nan is no real number"),   # √−4 = 2i: complex, not a float64
    ("1/x", 0.0, "(inf: a division by 0, or past float64's range)"),
    ("exp(x)", 1000.0, "(inf: a division by 0, or past float64's range)"),
])
def test_an_undefined_start_says_what_nan_or_inf_means(formula, x0, why):
    # "f(0.5) = nan, f'(0.5) = nan" did not tell a student that sqrt(-1) has no real value
    with pytest.raises(ValueError, match="finite value and gradient at x0") as info:
        gradient_descent(parse(formula), x0, 0.1)
    assert why in str(info.value)


def test_f_and_its_gradient_are_called_once_per_row():
    calls = {"f": 0, "grad": 0}

    def f(x):
        calls["f"] += 1
        return x * x

    def grad(x):
        calls["grad"] += 1
        return 2 * x

    trace = gradient_descent(f, 2.0, 0.2, steps=4, grad=grad)
    # and f at the verdict's probes beyond the last iterate (0.2592, by steps 0.1728): 0.0864,
    # -0.0864 (no higher) and -0.432, where f rises again: a minimum lies ahead, as 7 calls of a
    # golden-section search in that bracket confirm (f's values there come together: no pole)
    assert calls == {"f": 5 + 3 + 7, "grad": 5} and len(trace.x) == 5 and trace.verdict == "converges"


@pytest.mark.parametrize("text, x0, rate, steps, pole", [
    ("1/x", -1e6, 1000, 12, 0.0),  # the review's case: steps of 1e-9, f falls to −∞ at 0
    ("-1/x**2", -1e6, 1000, 12, 0.0),
    ("x**2 + 1/x", -1, 0.01, 12, 0.0),  # a minimum at 0.79 lies beyond the pole, not before it
    ("tan(x)", 1, 0.01, 30, -math.pi / 2),
])
def test_a_pole_ahead_is_no_minimum(text, x0, rate, steps, pole):
    # the steps shrink and the verdict's probe found f higher past the pole, where f falls to −∞:
    # "converges — x approaches a minimum", on functions unbounded below along the path
    f = parse(text)
    trace = gradient_descent(f, x0, rate, steps)
    assert trace.verdict == "diverges"
    heading = -np.sign(trace.step[-1])  # x moves by −Δ (by less than its last bit for −1/x² at −1e6)
    assert np.sign(pole - trace.x[-1]) == heading and f(pole - 1e-9 * heading) < -1e6  # the way down to −∞


@pytest.mark.parametrize("text, x0, rate, steps, minimum", [
    ("x**2 + 1/x", 2, 0.05, 50, 0.5 ** (1 / 3)),  # the pole at 0 lies behind the minimum
    ("1/x**2 + x**2", -3, 0.01, 200, -1.0),  # a pole where f rises to +∞ is no way down
    ("(x - 1e6)**2", -1e6, 1e-9, 12, 1e6),  # a far minimum, reached by the probe at ~2e6
    ("1e6*abs(x - 3)", 0, 1e-12, 12, 3.0),  # a kink, steep: its values come together too
])
def test_a_minimum_ahead_still_converges(text, x0, rate, steps, minimum):
    trace = gradient_descent(parse(text), x0, rate, steps)
    assert trace.verdict == "converges"
    assert abs(trace.x[-1] - minimum) <= abs(x0 - minimum)


@pytest.mark.parametrize("text, x0, rate, steps", [
    ("-1/(1+exp(-x))", 0, 0.5, 30),  # −σ(x): falls towards −1 without a minimum; its steps shrink like 1/k
    ("log(1+exp(-x))", 0, 1.0, 30),  # the logistic loss of one separable sample: the weights grow for ever
    ("exp(-x1) + x2**2", "0,1", 0.5, 30),  # one coordinate settles, the other drifts
])
def test_shrinking_steps_with_no_minimum_ahead_diverge(text, x0, rate, steps):
    # the steps shrink, so they read "converges — x approaches a minimum", which f does not have
    trace = gradient_descent(parse(text), np.array(str(x0).split(","), float) if "," in str(x0) else x0, rate, steps)
    assert trace.verdict == "diverges"


@pytest.mark.parametrize("text, x0, rate", [
    ("exp(-x) + 0.001*x**2", 0, 0.5),  # a minimum far ahead (x ≈ 4.3), reached slowly
    ("sqrt(x**2 + 1)", 3, 0.1),
    ("x**4", 1, 0.1),
    ("x1**2 + 3*x2**2", "1,1", 0.1),
])
def test_shrinking_steps_towards_a_minimum_still_converge(text, x0, rate):
    trace = gradient_descent(parse(text), np.array(str(x0).split(","), float) if "," in str(x0) else x0, rate, 30)
    assert trace.verdict == "converges"


@pytest.mark.parametrize("beyond", ["raise", "nan"])
def test_a_probe_where_f_is_undefined_leaves_the_verdict_as_the_steps_give_it(beyond):
    def f(x):  # −σ(x) up to 10, undefined beyond: the probes cannot tell whether it keeps falling
        if x > 10:
            if beyond == "raise":
                raise ValueError("math domain error")
            return float("nan")
        return -1 / (1 + np.exp(-float(x)))

    def grad(x):
        s = 1 / (1 + np.exp(-float(x)))
        return -s * (1 - s)

    assert gradient_descent(f, 0.0, 0.5, 30, grad=grad).verdict == "converges"  # the steps' verdict, no error


def test_eta_column_shows_the_rate_each_step_used_with_a_schedule():
    # the column printed the first step's η on every row: 0.2, 0.2, 0.2 where the steps took 0.2, 0.1, 0.05
    from glassnet.schedules import ExponentialDecay

    schedule = ExponentialDecay(0.2, decay_steps=1, decay_rate=0.5)
    trace = gradient_descent(lambda x: x**2, 2.0, None, 3, lambda x: 2 * x,
                             optimizer=optimizers.SGD(learning_rate=schedule))
    np.testing.assert_allclose(trace.x, [2.0, 1.2, 0.96, 0.864])
    assert [line.split("\t")[-1] for line in trace.format_table().splitlines()[1:]] == ["0.2", "0.1", "0.05"]
    np.testing.assert_allclose(trace.learning_rates, [0.2, 0.1, 0.05])
    steady = gradient_descent(lambda x: x**2, 2.0, None, 3, lambda x: 2 * x, optimizer=optimizers.SGD(0.2))
    assert steady.learning_rates is None and steady.format_table().splitlines()[-1].endswith("\t0.2")


@pytest.mark.parametrize("optimizer, rate, steps", [
    ("gd", 1e-7, 12),        # steps shrink by 2e-7 each: "constant steps in one direction"
    ("gd", 1e-6, 12),        # rounding in the steps' ratios read as a drift
    ("adagrad", 0.1, 12),    # steps shrinking like 1/√k
    ("rmsprop", 0.01, 50),
    ("adam", 1e-5, 300),     # steps of about η, one way
    ("momentum", 1e-5, 50),  # steps still growing as the velocity builds up
])
def test_a_slow_one_way_descent_into_a_minimum_converges(optimizer, rate, steps):
    # f(x) = x² from 2 falls at every step towards the minimum at 0: it read "diverges"
    trace = gradient_descent(square, 2.0, rate, steps, dsquare, optimizer=optimizer)
    assert np.all(np.diff(trace.fx) < 0) and np.all(np.diff(trace.x) < 0) and trace.x[-1] > 0
    assert trace.verdict == "converges"


def test_a_path_that_overflows_diverges_without_numpy_warnings():
    # x² with η = 5 overflows to inf within 200 steps: the one-way check subtracted inf from inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for eta in (5, 1000):
            assert gradient_descent(parse("x**2"), 2.0, eta, steps=200).verdict == "diverges"


def test_a_path_that_leaves_the_domain_of_f_does_not_converge():
    # np.log is NaN below 0, but the slope 1/x given with it stays finite there: from 1 with η = 0.1
    # the path stepped to x = −0.0016 (f = nan), jumped to 63.7 by a slope of −637 and read "converges"
    trace = gradient_descent(np.log, 1.0, 0.1, steps=20, grad=lambda x: 1 / x)
    assert np.isnan(trace.fx).any() and np.isfinite(trace.x).all()
    assert trace.verdict == "diverges"


@pytest.mark.parametrize("x0, rate", [
    (0.0, 1000.0),   # one step to −1000, where e^x and its slope are 0 in float64: read "one-step"
    (0.0, 100.0),    # to −100: f' = 3.7e-44, its step lost against x; "one-step"
    (-700.0, 1000.0),  # steps of 1e-301 lost against x (their norm underflowed to 0): "converges"
    (-750.0, 0.2),   # f'(x0) already 0 in float64: x never moves; "converges"
])
def test_exp_has_no_minimum_however_far_out_its_slope_underflows(x0, rate):
    # f(x) = e^x falls for ever towards −∞ with f' = e^x > 0 everywhere: no stationary point, no
    # minimum, and exact descent x ← x − η e^x keeps walking left. A stall in float64 is no minimum.
    f = parse("exp(x)")
    trace = gradient_descent(f, x0, rate, steps=12, grad=f.gradient)
    assert trace.x[-1] <= x0 and trace.verdict == "diverges"


def test_a_gradient_exactly_zero_without_underflow_is_still_a_minimum():
    # abs(x) + x is 2x for x > 0 and 0 for x <= 0: every x <= 0 is a minimum, f' = 0 there exactly
    f = parse("abs(x) + x")
    assert gradient_descent(f, 1.0, 1.0, steps=12, grad=f.gradient).verdict == "one-step"  # 1 → −1
    trace = gradient_descent(f, 1.0, 0.3, steps=12, grad=f.gradient)  # 1, 0.4, −0.2, then stays
    assert trace.x[-1] == pytest.approx(-0.2) and trace.verdict == "converges"
    assert gradient_descent(square, 2.0, 0.5, steps=12, grad=dsquare).verdict == "one-step"  # seed 000
    assert not f.underflows(-0.2) and parse("exp(x)").underflows(-1000.0) and not parse("exp(x)").underflows(-700.0)
