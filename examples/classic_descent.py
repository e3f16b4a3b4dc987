"""Seed 000's gradient-descent tables for f(x) = x², x0 = 2, and other optimizers on the same f."""

from glassnet.descent import compare_optimizers, gradient_descent
from glassnet.expr import parse

# parse() makes f rational, so the tables are computed in exact fractions and print the
# slides' digits; a Python lambda would give float64 rounded to 13 digits
for eta, steps in ((0.2, 12), (0.4, 12), (0.5, 12), (1.0, 14), (1.05, 12)):  # the slides' rows
    trace = gradient_descent(parse("x**2"), 2.0, eta, steps=steps)
    print(f"\nη = {eta}")
    print(trace)

print("\nSame function, other optimizers (50 steps):")
for name, trace in compare_optimizers(lambda x: x**2, 2.0, steps=50).items():
    print(f"{name:>9}: x50 = {trace.x[-1]: .3e}  f = {trace.fx[-1]:.3e}  {trace.verdict}")
