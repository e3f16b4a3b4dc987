"""Seed 000's gradient-descent tables for f(x) = x², x0 = 2, and other optimizers on the same f."""

from glassnet.descent import compare_optimizers, gradient_descent

for eta in (0.2, 0.4, 0.5, 1.0, 1.05):
    trace = gradient_descent(lambda x: x**2, 2.0, eta, steps=12, grad=lambda x: 2 * x)
    print(f"\nη = {eta}")
    print(trace)

print("\nSame function, other optimizers (50 steps):")
for name, trace in compare_optimizers(lambda x: x**2, 2.0, steps=50).items():
    print(f"{name:>9}: x50 = {trace.x[-1]: .3e}  f = {trace.fx[-1]:.3e}  {trace.verdict}")
