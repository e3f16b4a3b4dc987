"""One update per optimizer for :func:`~glassnet.descent.gradient_descent`: a state dict in, the
step Δ out (``x_next = x − Δ``). The formulas are Keras 3's ``update_step``, written for one
float64 vector; :func:`_model_optimizer_update` runs a :mod:`glassnet.optimizers` object instead."""

import numpy as np

from .._validation import check_bool, check_number


def _plain(g, state, eta):
    """Plain gradient descent: Δ = η·∇f(x)."""
    return eta * g


def _momentum(g, state, eta, momentum=0.9, nesterov=False):
    """v ← α·v − η·g;  x ← x + v  (Nesterov: x ← x + α·v − η·g)."""
    v = state.get("velocity", np.zeros_like(g))
    v = momentum * v - eta * g
    state["velocity"] = v
    return -(momentum * v - eta * g) if nesterov else -v


def _nesterov(g, state, eta, momentum=0.9):
    """Momentum with the look-ahead step of Nesterov."""
    return _momentum(g, state, eta, momentum=momentum, nesterov=True)


def _adagrad(g, state, eta, initial_accumulator_value=0.1, epsilon=1e-7):
    """G ← G + g²;  Δ = η·g / √(G + ε)."""
    G = state.get("accumulator", np.full_like(g, initial_accumulator_value)) + g * g
    state["accumulator"] = G
    return eta * g / np.sqrt(G + epsilon)


def _rmsprop(g, state, eta, rho=0.9, epsilon=1e-7):
    """v ← ρ·v + (1 − ρ)·g²;  Δ = η·g / √(v + ε)."""
    v = rho * state.get("velocity", np.zeros_like(g)) + (1 - rho) * g * g
    state["velocity"] = v
    return eta * g / np.sqrt(v + epsilon)


def _adam(g, state, eta, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """m ← m + (g − m)(1 − β₁);  v ← v + (g² − v)(1 − β₂);
    Δ = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)."""
    t = state.get("t", 0) + 1
    m = state.get("m", np.zeros_like(g))
    v = state.get("v", np.zeros_like(g))
    m = m + (g - m) * (1 - beta_1)
    v = v + (g * g - v) * (1 - beta_2)
    state.update(t=t, m=m, v=v)
    alpha = eta * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
    return alpha * m / (np.sqrt(v) + epsilon)


# The bounds glassnet.optimizers checks (SGD, RMSprop, Adam, Adagrad)
_PARAM_BOUNDS = {
    "momentum": dict(low=0, high=1),
    "rho": dict(low=0, high=1),
    "beta_1": dict(low=0, high=1, high_open=True),
    "beta_2": dict(low=0, high=1, high_open=True),
    "epsilon": dict(low=0),
    "initial_accumulator_value": dict(low=0),
}


def _check_optimizer_params(params):
    """Each hyperparameter within the bounds its glassnet.optimizers class allows."""
    checked = {}
    for key, value in params.items():
        if key == "nesterov":
            checked[key] = check_bool(value, "nesterov")
        else:
            checked[key] = check_number(value, key, **_PARAM_BOUNDS[key])
    return checked


_OPTIMIZERS = {
    "gd": _plain,
    "sgd": _plain,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": _adam,
}



def _model_optimizer_update(optimizer, learning_rate, params):
    """Wrap a :mod:`glassnet.optimizers` object (``apply(w, g)`` in place on a flat vector).

    The path runs on a fresh copy (its settings, no state): the object's momentum or
    step count from a model or an earlier path would move this one, and its slots
    may have another size. The label is the class name (``SGD``, ``Adam``): the
    table heads its step column "step Δ", since the object may carry momentum,
    clipping or weight decay that plain descent's η·f'(x) would misname."""
    if learning_rate is not None or params:
        raise ValueError(
            "With an optimizer object, set its learning rate and parameters on the object and "
            f"pass learning_rate=None. Received: learning_rate={learning_rate!r}, {params or ''}"
        )
    if callable(getattr(optimizer, "_fresh", None)):
        optimizer = optimizer._fresh()

    def update(g, state, eta):
        x = state["x"]  # the current iterate, set by gradient_descent
        state.setdefault("etas", []).append(float(optimizer.learning_rate))  # a schedule's changes
        w = x.reshape(-1).copy()
        optimizer.apply(w, g.reshape(-1).copy())
        return (x.reshape(-1) - w).reshape(x.shape)

    return update, type(optimizer).__name__, float(optimizer.learning_rate)
