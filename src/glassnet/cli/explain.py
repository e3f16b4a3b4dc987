"""``glassnet explain``: one training step in the lectures' notation (``glassnet.trace``)."""

import json

import numpy as np

from ._common import CommandError, _floats, _load_model, _targets_for, model_task


def cmd_explain(args):
    from ..trace import WORKED_EXAMPLE, trace, worked_example_model

    if args.model:
        model = _load_model(args.model)
        if not model.compiled:
            raise CommandError(f"{args.model} was saved without compile settings; explain needs its loss and optimizer.")
        if args.x is None or args.y is None:
            raise CommandError("--x and --y are required with --model (the example to trace).")
        if args.lr is not None:
            model.optimizer.learning_rate = args.lr
        if args.activation is not None:
            raise CommandError("--activation chooses the worked example's activation; a --model has its own.")
    else:
        rate = WORKED_EXAMPLE["learning_rate"] if args.lr is None else args.lr
        model = worked_example_model(args.activation or "sigmoid", rate)
    x = _floats(args.x, "--x") if args.x is not None else np.array(WORKED_EXAMPLE["x"])
    y = _floats(args.y, "--y") if args.y is not None else np.array([WORKED_EXAMPLE["y"]])
    n_in = int(np.prod(model._input_shape))
    if x.size % n_in:
        raise CommandError(f"--x: the model takes {n_in} inputs per example; received {x.size} number(s).")
    X = x.reshape(-1, n_in)
    if model_task(model) == "classification" and model.n_outputs > 1 and y.size == len(X):
        if np.any(y != np.round(y)) or y.min() < 0 or y.max() >= model.n_outputs:
            raise CommandError(f"--y: class indices 0..{model.n_outputs - 1} for this classifier; received "
                               f"{', '.join(f'{v:g}' for v in y)}.")
        y = _targets_for(model, y.astype(np.int64), model.n_outputs)
    else:
        if y.size % len(X):
            raise CommandError(f"--y: {len(X)} example(s) need the same number of targets each; received "
                               f"{y.size} number(s).")
        y = y.reshape(len(X), -1)
    result = trace(model, X, y)
    if args.json:
        print(json.dumps(result.to_dict(), indent=1))
    elif args.markdown:
        print(result.to_markdown())
    else:
        print(result)
    return 0
