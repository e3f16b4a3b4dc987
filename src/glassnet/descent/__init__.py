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

The package's modules, each one part of the lecture's procedure:

* :mod:`~glassnet.descent.path`: :func:`gradient_descent` and :func:`compare_optimizers`;
* :mod:`~glassnet.descent.rules`: one update per optimizer (plain descent, momentum, ...);
* :mod:`~glassnet.descent.gradients`: :func:`numerical_gradient`, central differences;
* :mod:`~glassnet.descent.table`: :class:`DescentTrace`, the seed's table and its digits;
* :mod:`~glassnet.descent.verdict`: converges, one-step, oscillates or diverges.
"""

from .gradients import numerical_gradient
from .path import MAX_STEPS, compare_optimizers, gradient_descent
from .table import COLUMNS, DescentTrace, decimal_text

__all__ = ["gradient_descent", "compare_optimizers", "DescentTrace", "numerical_gradient", "decimal_text",
           "COLUMNS", "MAX_STEPS"]
