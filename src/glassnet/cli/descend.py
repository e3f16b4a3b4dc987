"""``glassnet descend``: gradient descent on a typed-in function, with the lectures' table."""

import numpy as np

from ._common import CommandError, _require_matplotlib, count

#: the table has one line per step: more would print for minutes (the --steps option's cap)
MAX_STEPS = 100_000


def cmd_descend(args):
    from ..descent import gradient_descent
    from ..descent.verdict import _domain_exit, _slow_note
    from ..expr import parse

    f = parse(args.expr)
    if args.plot:
        _require_matplotlib(args.plot, "--plot")
        if f.n_inputs > 2:
            raise CommandError(f"--plot draws functions of 1 or 2 variables; f({', '.join(f.variables)}) has "
                               f"{f.n_inputs}.")
    x0 = args.x0  # (read by the parser: finite numbers)
    n = f.n_inputs
    if x0.size == 1 and n > 1:
        x0 = np.full(n, x0[0])
    if x0.size != n:
        raise CommandError(f"--x0: f({', '.join(f.variables)}) needs {n} starting value(s); received {x0.size}.")
    start = float(x0[0]) if n == 1 else x0
    params = {}
    optimizer = args.optimizer
    if (args.momentum is not None or args.nesterov) and optimizer not in ("gd", "momentum", "nesterov"):
        raise CommandError(f"--momentum and --nesterov belong to plain descent; --optimizer {optimizer} has no momentum.")
    if args.momentum is not None:
        optimizer = "nesterov" if args.nesterov else (optimizer if optimizer in ("momentum", "nesterov") else "momentum")
        params["momentum"] = args.momentum
    elif args.nesterov:
        optimizer = "nesterov"
    result = gradient_descent(f, start, args.lr, steps=args.steps, grad=f.gradient, optimizer=optimizer, **params)
    variables = ", ".join(f.variables)
    start_text = f"{start:g}" if n == 1 else "(" + ", ".join(f"{v:g}" for v in x0) + ")"
    rule = "x ← x − η·f'(x)" if optimizer in ("gd", "sgd") else f"the {optimizer} update"
    # a path that leaves f's domain stops early: its title said "40 steps" over 12 rows (the verdict says why)
    taken = len(result.step)
    steps = count(args.steps, "step") if taken == args.steps else f"{taken} of {count(args.steps, 'step')}"
    print(f"f({variables}) = {f.text};  x0 = {start_text};  η = {args.lr:g};  {steps} of {rule}")
    print(result.format_table(digits=args.digits))
    advice = {
        "converges": "the steps shrink: x approaches a minimum.",
        "one-step": "the first step lands where f'(x) = 0 and x stays there (for a parabola, η = 1/f'').",
        "oscillates": "the iterate jumps back and forth with steps that neither shrink nor grow: "
                      "η is at the edge of stability (or momentum 1 leaves the swing undamped).",
        "diverges": "the steps do not shrink (or shrink too slowly to add up): η is too large (each step "
                    "overshoots the minimum further), or f keeps falling in that direction (no minimum there).",
    }
    left = _domain_exit(result.x, result.fx, result.grad)
    if left is not None:  # (its NaN rows read "diverges" and blamed η's overshooting a minimum)
        print(f"verdict: left f's domain — {_domain_exit_text(result, left, args.lr, args.digits)}")
    elif not np.isfinite(result.x[-1]).all():  # (rows of nan followed: inf − inf)
        print(f"verdict: diverges — at step {taken} (the table's last row) the numbers outgrew float64's range "
              f"(±1.8e308), so the table stops there: {advice['diverges'].split(': ')[1]} Try a smaller η (it was "
              f"--lr {args.lr:g}) or another start (--x0).")
    elif result.verdict == "converges" and _slow_note(result.x):  # (the four words stay seed 000's)
        print(f"verdict: converges slowly — {_slow_note(result.x)}")
    else:
        print(f"verdict: {result.verdict} — {advice.get(result.verdict, '')}")
    if args.plot:
        _plot_descent(f, result, args.plot)
        print(f"Saved the path to {args.plot}")
    return 0


def _domain_exit_text(result, k, lr, digits):
    """What the verdict says of a path whose step ``k`` left f's domain (f or f' NaN at a finite x):
    where it went, and what to change."""
    from ..descent import decimal_text

    x = result.x[k]
    where = decimal_text(float(x), digits or 13) if np.ndim(x) == 0 else \
        "(" + ", ".join(decimal_text(float(v), digits or 13) for v in x) + ")"
    undefined = "f(x)" if np.isnan(result.fx[k]) else "f'(x)"
    return (f"step {k} (the table's last row) took x to {where}, where {undefined} is not a real number (nan: "
            f"a square root or log of a negative number, 0/0, ...), so the table stops there. Try a smaller η "
            f"(it was --lr {lr:g}) or another start (--x0).")


def _plot_descent(f, result, path):
    from ..plots import plot_descent

    plot_descent(result, f=f, path=path)
