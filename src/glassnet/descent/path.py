"""Gradient descent from ``x0`` with one of the rules, and several rules compared on one function."""

import inspect
import math
import warnings

import numpy as np

from .._validation import check_array, check_number, check_positive_int
from ..expr import Expression, parse
from .gradients import _value, numerical_gradient
from .rules import _OPTIMIZERS, _check_optimizer_params, _model_optimizer_update
from .table import DescentTrace, _exact_rows
from .verdict import _ahead, _leaves_domain, _one_way_downhill, _stalled_on_a_slope, _verdict_quietly

#: the most updates :func:`gradient_descent` runs: its trace keeps every iterate
MAX_STEPS = 1_000_000


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
        each coordinate one way, and the steps read "diverges". A path that steps out of f's
        domain (f or f' NaN at a finite x: √x or log x below 0) stops there, its verdict
        "diverges": ``x``, ``fx`` and ``grad`` end with that iterate, and ``step`` has fewer
        than ``steps`` rows, the last one the step that left the domain. So does a path whose
        iterate overflows (x ±inf: past float64's range, ±1.8e308).
    """
    if isinstance(f, str):  # the command line's "x**2": its exact derivative and table, as glassnet descend's
        f = parse(f)
    if not callable(f):
        raise TypeError(f"f must be a callable f(x) -> float or an expression such as 'x**2'. Received: f={f!r}")
    if grad is not None and not callable(grad):
        raise TypeError(f"grad must be a callable grad(x) or None. Received: grad={grad!r}")
    numerical = grad is None and not isinstance(f, Expression)
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
            if (_leaves_domain(x, fx, g) and math.isfinite(F[-1])) or not np.isfinite(x).all():
                # x stepped out of f's domain, or past float64's range: the rows after it were all NaN (nan − η·nan)
                break
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
        exact = _exact_rows(f, start, eta, len(S), name, optimizer_params)
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
        numerical=numerical,
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
    f, x0, steps, grad
        As :func:`gradient_descent`'s: the function, the start, the number of updates of
        each optimizer, and the gradient (None: ``f``'s own or a numerical one).
    optimizers : dict, list of str or None
        ``{label: (name, learning_rate, params_dict)}``; a list of names
        (e.g. ``["gd", "adam"]``) or None (all of plain descent, momentum,
        Nesterov, Adagrad, RMSprop and Adam) uses learning rates suited to
        f(x) = x² from x0 = 2; where some of them diverge or oscillate with those
        rates (a steeper f: the ravine x1² + 50·x2² from (10, 1)) a ``UserWarning``
        names them and lower rates to pass.

    Returns
    -------
    dict
        ``{label: DescentTrace}``.
    """
    defaults = optimizers is None or isinstance(optimizers, (list, tuple))
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
    runs = {
        label: gradient_descent(f, x0, lr, steps, grad, optimizer=name, **params)
        for label, (name, lr, params) in optimizers.items()
    }
    # (an adaptive method's steps of about η hover around a minimum: its "oscillates" is no sign of a too-large η)
    failed = [label for label, trace in runs.items() if trace.verdict == "diverges" or trace.verdict == "oscillates"
              and optimizers[label][0] in ("gd", "momentum", "nesterov")]
    if defaults and failed:  # (x1² + 50·x2² from (10, 1): gd, momentum and Nesterov reached f ≈ 1e190 unannounced)
        lower = ", ".join(f"{label!r}: ({name!r}, {lr / 10:g}, {params})"
                          for label, (name, lr, params) in optimizers.items() if label in failed)
        warnings.warn(
            f"compare_optimizers: with the default learning rates, which suit f(x) = x² from x0 = 2, "
            f"{', '.join(failed)} {'diverges' if len(failed) == 1 else 'diverge'} or oscillate{'s' * (len(failed) == 1)} "
            f"on this f: it is steeper (plain descent is stable for η < 2/f'' only). Pass lower rates, e.g. "
            f"optimizers={{{lower}}}.", UserWarning, stacklevel=2)
    return runs
