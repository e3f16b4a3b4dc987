"""``glassnet explain``: one training step in the lectures' notation (``glassnet.trace``)."""

import json

import numpy as np

from ._common import CommandError, _floats, _load_model, _targets_for, model_task


#: The lectures' 2-2-1 sigmoid example: x = (0.05, 0.10), t = 0.01, η = 0.5.
EXPLAIN_WEIGHTS = (
    [[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35],
    [[0.40], [0.45]], [0.60],
)


def cmd_explain(args):
    from .. import optimizers
    from ..trace import trace

    if args.model:
        model = _load_model(args.model)
        if not model.compiled:
            raise CommandError(f"{args.model} was saved without compile settings; explain needs its loss and optimizer.")
        if args.x is None or args.y is None:
            raise CommandError("--x and --y are required with --model (the example to trace).")
        if args.lr is not None:
            model.optimizer.learning_rate = args.lr
    else:
        from ..layers import Dense
        from ..models import Sequential

        model = Sequential([Dense(2, args.activation, input_dim=2), Dense(1, args.activation)],
                           dtype="float64", name="2-2-1")
        model.compile(optimizer=optimizers.SGD(learning_rate=0.5 if args.lr is None else args.lr),
                      loss="squared_error")
        model.build()
        model.set_weights([np.array(w, dtype=np.float64) for w in EXPLAIN_WEIGHTS])
    x = _floats(args.x if args.x is not None else "0.05,0.10", "--x")
    y = _floats(args.y if args.y is not None else "0.01", "--y")
    n_in = int(np.prod(model._input_shape))
    if x.size % n_in:
        raise CommandError(f"--x: the model takes {n_in} inputs per example; received {x.size} number(s).")
    X = x.reshape(-1, n_in)
    if model_task(model) == "classification" and model.n_outputs > 1 and y.size == len(X):
        y = _targets_for(model, y.astype(np.int64), model.n_outputs)
    else:
        y = y.reshape(len(X), -1)
    result = trace(model, X, y)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
    elif args.markdown:
        print(result.to_markdown())
    else:
        print(result)
    return 0
