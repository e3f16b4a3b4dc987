"""The playground's lecture demos: gradient descent on f(x), one backpropagation step, the perceptron
rule, Hopfield recall and a self-organizing map.

Each demo is one function from plain settings (a dict, as the page sends it)
to plain results (lists and numbers; NaN and inf as None), computed by the
library's own code: :func:`glassnet.descent.gradient_descent` with
:func:`glassnet.expr.parse`, :func:`glassnet.trace.trace`,
:func:`glassnet.classic.perceptron_rule`, :class:`glassnet.classic.Hopfield` and
:class:`glassnet.classic.SOM`. Bad settings raise ``ValueError`` or
``TypeError`` naming the setting; the web application answers them with 400.
"""

import numbers
import threading

import numpy as np

from .._validation import check_choice, check_int, check_number
from ..trace import WORKED_EXAMPLE, trace, worked_example_model
from .engine import _rounded, complete_settings

DESCENT_OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

#: The classic 2-2-1 worked example (:data:`glassnet.trace.WORKED_EXAMPLE`, as ``glassnet explain``).
BACKPROP_DEFAULTS = {**WORKED_EXAMPLE, "activation": "sigmoid"}
BACKPROP_SHAPES = {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}

PERCEPTRON_SETS = ("and", "or", "xor", "plane")


def _vector(value, name, shape):
    a = np.asarray(value, dtype=object)
    # each entry a JSON number: float64 would also take text ("0.5") and true/false
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in a.ravel()):
        raise TypeError(f"{name} must be numbers of shape {shape}. Received: {value!r:.200}")
    try:
        a = a.astype(np.float64)
    except OverflowError:  # an integer past float range
        a = np.full(a.shape, np.inf)
    if a.shape != shape or not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite numbers of shape {shape}. Received: {value!r:.200}")
    return a


def _significant(a, digits):
    """Nested lists of ``a``'s numbers to ``digits`` significant digits (17: exactly), NaN and inf as None:
    decimal places would cut seed 000's f(x) = 0.0000000000000016777216 (η = 0.4) to 0."""
    a = np.asarray(a, dtype=np.float64)
    out = np.array([float(f"{v:.{digits}g}") if np.isfinite(v) else None for v in a.ravel()], dtype=object)
    return out.reshape(a.shape).tolist()


# --- gradient descent on f(x) (SPEC C7) --------------------------------------------------------

DESCENT_DEFAULTS = {"function": "x**2", "x0": 2.0, "learning_rate": 0.2, "steps": 12, "optimizer": "gd"}


def descend(config=None):
    """Seed 000's table and the path of descent on a typed-in f(x).

    Returns ``{"function", "columns", "rows", "verdict", "curve": {"x", "y"}, "path": {"x", "y"}}``;
    ``rows`` are (x, f(x), f'(x), η·f'(x), x − η·f'(x)) as in the lecture, and with another
    optimizer than "gd" (x, f(x), f'(x), step Δ, x − Δ): ``columns`` names them.
    """
    from ..descent import gradient_descent
    from ..expr import parse

    c = complete_settings(config, DESCENT_DEFAULTS, "gradient-descent")
    if not isinstance(c["function"], str):
        raise TypeError(f"function must be text such as 'x**2'. Received: {c['function']!r:.100}")
    f = parse(c["function"])
    if f.n_inputs != 1:
        raise ValueError(f"the page draws functions of one variable x; f({', '.join(f.variables)}) has {f.n_inputs}. "
                         "Use 'glassnet descend' for more.")
    x0 = check_number(c["x0"], "x0", low=-1e6, high=1e6)
    eta = check_number(c["learning_rate"], "learning_rate", low=1e-9, high=1e3)
    steps = check_int(c["steps"], "steps", 1, 200)
    optimizer = check_choice(c["optimizer"], "optimizer", DESCENT_OPTIMIZERS)
    result = gradient_descent(f, x0, eta, steps=steps, grad=f.gradient, optimizer=optimizer)
    xs = result.x[np.isfinite(result.x)]
    # The curve spans the path, but no more than 10× the start's distance from 0 (a diverging path runs off).
    span = max(1.0, min(float(np.abs(xs).max()) if xs.size else 1.0, 10 * max(abs(x0), 1.0))) * 1.1
    grid = np.linspace(-span, span, 401)
    with np.errstate(all="ignore"):
        curve = np.array([f(v) for v in grid])
    return {
        "function": f.text,
        "learning_rate": eta,
        "optimizer": optimizer,
        "columns": list(result.columns),
        "rows": _significant(result.table(), 13),
        "verdict": result.verdict,
        "curve": {"x": _rounded(grid, 6), "y": _rounded(curve, 6)},
        "path": {"x": _rounded(result.x, 10), "y": _rounded(result.fx, 10)},
    }


# --- one step of backpropagation (SPEC A10) ---------------------------------------------------

def backprop(config=None):
    """One training step of the 2-2-1 network on one example, traced in the lecture's notation.

    Returns ``{"trace": Trace.to_dict(), "next_weights": {...}, "loss_after": J}``: the
    page shows every a, z, δ, ∂J/∂W and ΔW, and can take the next step from
    ``next_weights``.
    """
    c = complete_settings(config, BACKPROP_DEFAULTS, "backpropagation")
    x = _vector(c["x"], "x", (2,))
    y = _vector(c["y"], "y", ())
    eta = check_number(c["learning_rate"], "learning_rate", low=1e-9, high=1e3)
    activation = check_choice(c["activation"], "activation", ("sigmoid", "tanh", "relu", "linear"))
    weights = c["weights"]
    if not isinstance(weights, dict) or set(weights) != set(BACKPROP_SHAPES):
        raise ValueError(f"weights must be an object with {', '.join(BACKPROP_SHAPES)}. Received: {weights!r:.100}")
    arrays = [_vector(weights[k], f"weights.{k}", shape) for k, shape in BACKPROP_SHAPES.items()]
    model = worked_example_model(activation, eta, arrays)
    step = trace(model, x[None, :], y.reshape(1, 1), apply=True)
    after = model.get_weights()
    with np.errstate(all="ignore"):
        loss_after = float(model.loss(y.reshape(1, 1), model.predict(x[None, :])))
    return {
        "trace": step.to_dict(),
        # exactly: "Apply the update" steps from these, as the library's next step does (rounded to
        # 12 decimals, the page's J parted from the library's after ten steps of a linear network)
        "next_weights": {k: _significant(a, 17) for k, a in zip(BACKPROP_SHAPES, after)},
        "loss_after": _significant(loss_after, 17),
    }


# --- the perceptron rule on 2-D points (SPEC C1/C2) --------------------------------------------

PERCEPTRON_DEFAULTS = {"dataset": "plane", "n_samples": 20, "seed": 0, "learning_rate": 0.1, "epochs": 10}


def perceptron(config=None):
    """The perceptron rule Δw = η [t − sgn(net)] x, one update per presented sample.

    Returns the points ``[x1, x2, t]`` (t = ±1), the weights ``(w0, w1, w2)``
    before each step and after the last (``steps``), the sample presented at
    each step, whether it was a mistake, and the mistakes per epoch.
    """
    from ..classic import perceptron_rule
    from ..datasets import logic_gate, make_plane_separation

    c = complete_settings(config, PERCEPTRON_DEFAULTS, "perceptron")
    dataset = check_choice(c["dataset"], "dataset", PERCEPTRON_SETS)
    n = check_int(c["n_samples"], "n_samples", 4, 200)
    seed = check_int(c["seed"], "seed", 0, 2**32 - 1)
    eta = check_number(c["learning_rate"], "learning_rate", low=1e-6, high=10.0)
    epochs = check_int(c["epochs"], "epochs", 1, 50)
    if dataset == "plane":
        X, t = make_plane_separation(n, seed=seed, weights=(1.0, 2.0), bias=0.5, encoding="bipolar", dtype=np.float64)
    else:
        X, t = logic_gate(dataset, encoding="bipolar", dtype=np.float64)
    history = perceptron_rule(X, t.astype(np.float64), activation="sign", learning_rate=eta, epochs=epochs,
                              mode="online", record_steps=True)
    W = history.steps  # (epochs·n + 1, 3): (w0, w1, w2) before each update, then the last
    samples = np.arange(len(W) - 1) % len(t)  # online, in order: step k presents sample k mod n
    mistakes = (W[1:] != W[:-1]).any(axis=1)  # Δw = η(t − f)x is nonzero exactly on a mistake (x0 = 1)
    return {
        "points": _rounded(np.column_stack([X, t]), 6),
        "steps": _rounded(W, 10),
        "samples": samples.tolist(),
        "mistakes": mistakes.tolist(),
        "mistakes_per_epoch": history.mistakes.astype(int).tolist(),
        "learning_rate": eta,
        "separable": dataset != "xor",
    }


# --- Hopfield recall of a noisy bitmap (SPEC C4) -------------------------------------------------

HOPFIELD_DEFAULTS = {"store": "HTXO", "recall": "H", "noise": 0.2, "mode": "async", "seed": 0}
MAX_FRAMES = 120
#: catch_warnings swaps the process's warning filters and hooks, not the thread's: the server
#: runs requests in threads, so one recall catches its warnings at a time
_CATCHING = threading.Lock()


def hopfield(config=None):
    """Store 10×10 bitmaps by Hebb's rule, flip a fraction of one pattern's bits, and let the network settle.

    Returns the stored patterns, the noisy start, up to :data:`MAX_FRAMES`
    intermediate states (async: every few single-neuron updates; sync: every
    step) with their energies E = −½ sᵀWs, the final state and what it is.
    """
    import warnings

    from ..classic import CapacityWarning, Hopfield, RecallCycleWarning, UnstablePatternWarning, flip_bits, load_bitmaps

    c = complete_settings(config, HOPFIELD_DEFAULTS, "Hopfield")
    if not isinstance(c["store"], str) or not 1 <= len(c["store"].replace(" ", "")) <= 26:
        raise ValueError(f"store must be 1 to 26 bitmap names such as 'HTXO'. Received: {c['store']!r:.100}")
    store = c["store"].replace(" ", "")
    # "letters" and "digits" name the sets, as load_bitmaps's message says; anything else is letter by letter
    names = store.lower() if store.lower() in ("letters", "digits") else list(dict.fromkeys(store.upper()))
    try:
        images, names = load_bitmaps(names)
    except ValueError as exc:  # the page's setting is "store"
        raise ValueError(f"store: {exc}") from None
    recall = c["recall"].upper() if isinstance(c["recall"], str) else c["recall"]
    if recall not in names:
        raise ValueError(f"recall must be one of the stored patterns {''.join(names)}. Received: recall={c['recall']!r:.100}")
    noise = check_number(c["noise"], "noise", low=0.0, high=0.5)
    mode = check_choice(c["mode"], "mode", ("async", "sync"))
    seed = check_int(c["seed"], "seed", 0, 2**32 - 1)
    patterns = images.reshape(len(images), -1)
    net = Hopfield(max_iter=30, random_state=seed)
    with _CATCHING, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.fit(patterns)
        clean = patterns[names.index(recall)]
        noisy = flip_bits(clean, noise, random_state=seed)
        final, info = net.recall(noisy, mode=mode, return_trace=True)
    states, energies = info.states[:, 0], info.energies[:, 0]
    keep = np.unique(np.linspace(0, len(states) - 1, min(len(states), MAX_FRAMES)).round().astype(int))
    return {
        "shape": list(images.shape[1:]),
        "names": names,
        "stored": [p.astype(int).tolist() for p in patterns],
        "noisy": noisy.astype(int).tolist(),
        "frames": states[keep].astype(int).tolist(),
        "frame_updates": keep.tolist(),
        "energies": _rounded(energies[keep], 6),
        "final": final.astype(int).tolist(),
        "outcome": net.outcome(final, names, recall),
        "wrong_bits": int((final != clean).sum()),
        "sweeps": int(info.n_sweeps),
        # (a training in another thread may warn meanwhile: its DivergenceWarning is no note of this recall)
        "notes": [str(w.message) for w in caught
                  if issubclass(w.category, (CapacityWarning, UnstablePatternWarning, RecallCycleWarning))],
    }


# --- a self-organizing map unfolding over 2-D data (SPEC C5) ------------------------------------

SOM_SETS = ("square", "circle", "gaussians", "xor", "spiral")
#: one sample at a time, the online rule runs a Python step per update (n_samples × epochs of them)
SOM_ONLINE_UPDATES = 50_000
#: n_samples × epochs × rows × cols per request: each online update moves every neuron, each batch
#: epoch measures every sample's distance to every neuron. A few seconds at these on a busy machine
#: (the 50,000 online updates on a 20 × 20 grid took 11 s; 2000 samples, 100 batch epochs, 9 s)
SOM_NEURON_UPDATES = {"online": 5_000_000, "batch": 20_000_000}
SOM_DEFAULTS = {"dataset": "square", "n_samples": 500, "rows": 8, "cols": 8, "topology": "rectangular",
                "epochs": 20, "mode": "online", "init": "random", "seed": 0}


def som(config=None):
    """Train a SOM on 2-D points and return its weights after each epoch, to draw the map unfolding.

    Returns the points, the grid edges (pairs of neighbouring neurons), the
    weights per epoch (``frames``), the quantization error per epoch and the
    final topographic error.
    """
    from ..classic import SOM
    from ..datasets import PLAYGROUND

    c = complete_settings(config, SOM_DEFAULTS, "SOM")
    dataset = check_choice(c["dataset"], "dataset", SOM_SETS)
    n = check_int(c["n_samples"], "n_samples", 10, 2000)
    rows, cols = check_int(c["rows"], "rows", 2, 20), check_int(c["cols"], "cols", 2, 20)
    topology = check_choice(c["topology"], "topology", ("rectangular", "hexagonal"))
    epochs = check_int(c["epochs"], "epochs", 1, 100)
    mode = check_choice(c["mode"], "mode", ("online", "batch"))
    init = check_choice(c["init"], "init", ("random", "pca"))
    seed = check_int(c["seed"], "seed", 0, 2**32 - 1)
    if mode == "online" and n * epochs > SOM_ONLINE_UPDATES:
        raise ValueError(f"n_samples × epochs must be at most {SOM_ONLINE_UPDATES} in online mode (the page trains "
                         f"in one request; received {n} × {epochs}): lower either, or use mode 'batch'.")
    if n * epochs * rows * cols > SOM_NEURON_UPDATES[mode]:
        raise ValueError(f"n_samples × epochs × rows × cols must be at most {SOM_NEURON_UPDATES[mode]:,} in {mode} mode "
                         f"(the page trains in one request; received {n} × {epochs} × {rows} × {cols} = "
                         f"{n * epochs * rows * cols:,}): lower any of them.")
    if dataset == "square":
        X = np.random.default_rng(seed).uniform(-5, 5, (n, 2))
    else:
        X = PLAYGROUND[dataset](n_samples=n, seed=seed, dtype=np.float64)[0]
    m = SOM(grid=(rows, cols), topology=topology, epochs=epochs, mode=mode, init=init, random_state=seed)
    m.fit(X, record_weights=True)
    i, j = np.nonzero(np.triu(m.adjacency(), k=1))  # each pair of grid neighbours once
    return {
        "points": _rounded(X, 4),
        "edges": np.column_stack([i, j]).tolist(),
        "frames": _rounded(m.weights_history_, 4),
        "quantization_errors": _rounded(m.quantization_errors_, 6),
        "topographic_error": float(m.topographic_error(X)),
    }
