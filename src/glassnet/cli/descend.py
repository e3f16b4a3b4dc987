"""``glassnet descend``: gradient descent on a typed-in function, with the lectures' table."""

import numpy as np

from ._common import CommandError, _floats, _library_plot, _pyplot, _require_matplotlib

#: the table has one line per step: more would print for minutes
MAX_STEPS = 100_000


def cmd_descend(args):
    from ..descent import gradient_descent
    from ..expr import parse

    f = parse(args.expr)
    if args.plot:
        _require_matplotlib(args.plot, "--plot")
        if f.n_inputs > 2:
            raise CommandError(f"--plot draws functions of 1 or 2 variables; f({', '.join(f.variables)}) has "
                               f"{f.n_inputs}.")
    x0 = _floats(args.x0, "--x0")
    n = f.n_inputs
    if x0.size == 1 and n > 1:
        x0 = np.full(n, x0[0])
    if x0.size != n:
        raise CommandError(f"--x0: f({', '.join(f.variables)}) needs {n} starting value(s); received {x0.size}.")
    start = float(x0[0]) if n == 1 else x0
    params = {}
    optimizer = args.optimizer
    if args.steps > MAX_STEPS:
        raise CommandError(f"--steps: at most {MAX_STEPS:,} (the whole table is printed). Received {args.steps:,}.")
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
    print(f"f({variables}) = {f.text};  x0 = {start_text};  η = {args.lr:g};  {args.steps} steps of {rule}")
    print(result.format_table(digits=args.digits))
    advice = {
        "converges": "the steps shrink: x approaches a minimum.",
        "one-step": "the first step lands where f'(x) = 0 and x stays there (for a parabola, η = 1/f'').",
        "oscillates": "the iterate jumps back and forth with steps that neither shrink nor grow: "
                      "η is at the edge of stability.",
        "diverges": "the steps do not shrink (or shrink too slowly to add up): η is too large (each step "
                    "overshoots the minimum further), or f keeps falling in that direction (no minimum there).",
    }
    print(f"verdict: {result.verdict} — {advice.get(result.verdict, '')}")
    if args.plot:
        _plot_descent(f, result, args.plot)
        print(f"Saved the path to {args.plot}")
    return 0


def _plot_descent(f, result, path):
    plot = _library_plot("plot_descent")
    if plot is not None:
        plot(result, f=f, path=path)
        return
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    if result.x.ndim == 1:
        xs = result.x[np.isfinite(result.x)]
        span = max(float(np.abs(xs).max()), 1.0) * 1.1
        grid = np.linspace(-span, span, 400)
        ax.plot(grid, [f(v) for v in grid], color="0.6", label=f"f(x) = {f.text}")
        ax.plot(result.x, result.fx, "o-", color="C3", label="gradient descent")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
    else:
        ax.plot(result.x[:, 0], result.x[:, 1], "o-", color="C3", label="path (first two coordinates)")
        ax.set_xlabel(f.variables[0])
        ax.set_ylabel(f.variables[1])
    ax.set_title(f"η = {result.learning_rate:g}: {result.verdict}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
