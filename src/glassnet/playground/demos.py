"""The playground's lecture demos: gradient descent on f(x), one backpropagation step, the perceptron
rule, Hopfield recall and a self-organizing map.

Each demo is one function from plain settings (a dict, as the page sends it)
to plain results (lists and numbers; NaN and inf as None), computed by the
library's own code: :func:`glassnet.descent.gradient_descent` with
:func:`glassnet.expr.parse`, :func:`glassnet.trace.trace`,
:func:`glassnet.classic.perceptron_rule`, :class:`glassnet.classic.Hopfield` and
:class:`glassnet.classic.SOM`. Bad settings raise ``ValueError`` or
``TypeError`` naming the setting as the demo's page labels it ("Learning rate η must be ...")
and carrying its key in ``field`` ("learning_rate"); the web application answers them with 400
and ``{"error": message, "field": key}``, and the page outlines that field.
"""

import ast
import numbers
import threading

import numpy as np

from .._validation import check_choice, check_int, check_number
from ..trace import WORKED_EXAMPLE, trace, worked_example_model
from .engine import _on_field, _rounded, complete_settings

DESCENT_OPTIMIZERS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
#: what a typed-in f(x) may raise when parsed or evaluated: an error of the f(x) field
BAD_FORMULA = (TypeError, ValueError, OverflowError, RecursionError)

#: The classic 2-2-1 worked example (:data:`glassnet.trace.WORKED_EXAMPLE`, as ``glassnet explain``).
BACKPROP_DEFAULTS = {**WORKED_EXAMPLE, "activation": "sigmoid"}
BACKPROP_SHAPES = {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}
#: what the "x1, x2" field takes, in words (its page splits the text at commas and spaces)
X_WORDS = "two numbers separated by a comma, e.g. 0.5, 1"

PERCEPTRON_SETS = ("and", "or", "xor", "plane")

#: Each demo's settings as its page labels them (static/pages/<demo>.html): the errors name these.
LABELS = {
    "descent": {"function": "f(x)", "x0": "x0", "learning_rate": "Learning rate η", "steps": "Steps",
                "optimizer": "Optimizer"},
    "backprop": {"x": "x1, x2", "y": "target t", "learning_rate": "Learning rate η", "activation": "Activation"},
    "perceptron": {"dataset": "Data", "n_samples": "Points (separable set)", "learning_rate": "Learning rate η",
                   "epochs": "Epochs"},
    "hopfield": {"store": "Stored patterns", "recall": "Recall", "noise": "Noise", "mode": "Updates", "seed": "Seed"},
    "som": {"dataset": "Data", "rows": "Grid rows", "cols": "Grid columns", "topology": "Topology", "epochs": "Epochs",
            "mode": "Mode", "init": "Start", "seed": "Seed"},
}


def _check(demo, check, c, field, *args, **kwargs):
    """``check(c[field], ...)`` whose error names the setting as the page labels it ("Epochs must be
    between 1 and 50. Received: 500") and carries ``field``; a setting the page has no field for
    keeps its key."""
    label = LABELS[demo].get(field, field)
    try:
        return check(c[field], label, *args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise _on_field(type(exc)(str(exc).replace(f"Received: {label}=", "Received: ")), field) from None


def _vector(value, name, shape, words=None):
    """``value`` as a float64 array of ``shape``; ``words``: what it must be, as the page's reader
    says it ("two numbers separated by a comma, e.g. 0.5, 1"), not as its shape."""
    a = np.asarray(value, dtype=object)
    numbers_ = words or ("a number" if shape == () else f"numbers of shape {shape}")  # "target t must be a number"
    # each entry a JSON number: float64 would also take text ("0.5") and true/false
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in a.ravel()):
        raise TypeError(f"{name} must be {numbers_}. Received: {value!r:.200}")
    try:
        a = a.astype(np.float64)
    except OverflowError:  # an integer past float range
        a = np.full(a.shape, np.inf)
    if a.shape != shape or not np.isfinite(a).all():
        finite = words or ("a finite number" if shape == () else f"finite {numbers_}")
        raise ValueError(f"{name} must be {finite}. Received: {value!r:.200}")
    return a


def _significant(a, digits):
    """Nested lists of ``a``'s numbers to ``digits`` significant digits (17: exactly), NaN and inf as None:
    decimal places would cut seed 000's f(x) = 0.0000000000000016777216 (η = 0.4) to 0."""
    a = np.asarray(a, dtype=np.float64)
    out = np.array([float(f"{v:.{digits}g}") if np.isfinite(v) else None for v in a.ravel()], dtype=object)
    return out.reshape(a.shape).tolist()


# --- gradient descent on f(x) (SPEC C7) --------------------------------------------------------

DESCENT_DEFAULTS = {"function": "x**2", "x0": 2.0, "learning_rate": 0.2, "steps": 12, "optimizer": "gd"}
#: The most evaluations of f(x)'s parts (its numbers, x's, operations and functions) one request may take: its
#: size × :func:`_evaluations`. Each is a Python step of a few µs (x**x about 12 µs), so a formula of 440 terms
#: x**x**x took 27 s at 200 steps, and one of 280 terms defined nowhere 9 s; formulas at this bound took under
#: 1 s on 2 busy cores. The lectures' functions have under 20 parts.
DESCENT_NODE_EVALUATIONS = 150_000


def _evaluations(steps):
    """How many times one request evaluates f, at most: f and f' and the exact table's row at each step
    and after the last, then 401 points of the curve, or up to 801 looking for where f is defined
    (:func:`_defined_somewhere`) when it is not at x0."""
    return 3 * (steps + 1) + 801


def descend(config=None):
    """Seed 000's table and the path of descent on a typed-in f(x).

    Returns ``{"function", "columns", "rows", "verdict", "slow", "curve": {"x", "y"}, "path": {"x", "y"}}``;
    ``rows`` are (x, f(x), f'(x), η·f'(x), x − η·f'(x)) as in the lecture, and with another
    optimizer than "gd" (x, f(x), f'(x), step Δ, x − Δ): ``columns`` names them. ``slow`` is None, or for a
    path that converges slowly the sentence ``glassnet descend`` prints ("... about 1,200 more steps cover 99%").
    """
    from ..descent import gradient_descent
    from ..descent.verdict import _slow_note
    from ..expr import parse

    c = complete_settings(config, DESCENT_DEFAULTS, "gradient-descent")
    if not isinstance(c["function"], str):
        raise _on_field(TypeError(f"f(x) must be text such as 'x**2'. Received: {c['function']!r:.100}"), "function")
    try:
        f = parse(c["function"])
    except BAD_FORMULA as exc:
        raise _on_field(exc, "function") from None
    if f.n_inputs != 1:
        raise _on_field(ValueError(f"the page draws functions of one variable x; f({', '.join(f.variables)}) has "
                                   f"{f.n_inputs}. Use 'glassnet descend' for more."), "function")
    x0 = _check("descent", check_number, c, "x0", low=-1e6, high=1e6)
    eta = _check("descent", check_number, c, "learning_rate", low=0, low_open=True, high=1e3)  # "> 0"
    steps = _check("descent", check_int, c, "steps", 1, 200)
    optimizer = _check("descent", check_choice, c, "optimizer", DESCENT_OPTIMIZERS)
    size = sum(isinstance(node, ast.expr) for node in ast.walk(f.tree))
    if size * _evaluations(steps) > DESCENT_NODE_EVALUATIONS:
        # the most steps this f allows, if any: lowering them then helps, else only a shorter f does
        fewer = (DESCENT_NODE_EVALUATIONS // size - _evaluations(0)) // 3
        lower = f", or lower the steps to {fewer}" if fewer >= 1 else ""
        raise _on_field(ValueError(
            f"f(x) has {size:,} parts (numbers, x's, operations and functions), and {steps} steps evaluate it up to "
            f"{_evaluations(steps):,} times: {size * _evaluations(steps):,} evaluations of a part, over the "
            f"{DESCENT_NODE_EVALUATIONS:,} one request may take. Write a shorter f(x){lower}."), "function")
    try:  # a formula the parser takes can still fail when evaluated (a number past float range, too deep)
        result = gradient_descent(f, x0, eta, steps=steps, grad=f.gradient, optimizer=optimizer)
    except BAD_FORMULA as exc:
        # f not finite at x0 (log(x) from −1): x0 is to change where f is defined elsewhere, else f
        start = str(exc).startswith("f must have a finite value") and _defined_somewhere(f, x0)
        raise _on_field(exc, "x0" if start else "function") from None
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
        "slow": _slow_note(result.x) if result.verdict == "converges" else None,  # (as glassnet descend's verdict)
        "curve": {"x": _rounded(grid, 6), "y": _rounded(curve, 6)},
        "path": {"x": _rounded(result.x, 10), "y": _rounded(result.fx, 10)},
    }


def _defined_somewhere(f, x0):
    """Whether f and f' are finite at one of 401 points within 10·max(1, |x0|) of 0 (the page's curve)
    or of ±10⁻³ ... ±10⁶ (the page's range of x0), 200 per side, spaced by their logarithm."""
    reach = 10 * max(1.0, abs(x0))
    far = np.logspace(-3, 6, 200)
    with np.errstate(all="ignore"):
        for v in np.concatenate([np.linspace(-reach, reach, 401), far, -far]):
            value, slope = f.value_and_gradient(v)
            if np.isfinite(value) and np.isfinite(slope).all():
                return True
    return False


# --- one step of backpropagation (SPEC A10) ---------------------------------------------------

def backprop(config=None):
    """One training step of the 2-2-1 network on one example, traced in the lecture's notation.

    Returns ``{"trace": Trace.to_dict(), "next_weights": {...}, "loss_after": J}``: the
    page shows every a, z, δ, ∂J/∂W and ΔW, and can take the next step from
    ``next_weights``.
    """
    c = complete_settings(config, BACKPROP_DEFAULTS, "backpropagation")
    x = _check("backprop", _vector, c, "x", (2,), X_WORDS)
    y = _check("backprop", _vector, c, "y", ())
    eta = _check("backprop", check_number, c, "learning_rate", low=0, low_open=True, high=1e3)
    activation = _check("backprop", check_choice, c, "activation", ("sigmoid", "tanh", "relu", "linear"))
    weights = c["weights"]  # (the page sends them from "Apply the update": it has no field for them)
    if not isinstance(weights, dict) or set(weights) != set(BACKPROP_SHAPES):
        raise _on_field(ValueError(f"weights must be an object with {', '.join(BACKPROP_SHAPES)}. "
                                   f"Received: {weights!r:.100}"), "weights")
    try:
        arrays = [_vector(weights[k], f"weights.{k}", shape) for k, shape in BACKPROP_SHAPES.items()]
    except (TypeError, ValueError) as exc:
        raise _on_field(exc, "weights") from None
    model = worked_example_model(activation, eta, arrays)
    low, high = model.layers[-1].activation.output_range
    if not low <= y <= high:  # fit's own refusal named "y", not the page's field, and outlined none
        raise _on_field(ValueError(f"{LABELS['backprop']['y']} must be between {low:g} and {high:g}, the outputs "
                                   f"{activation} gives. Received: {float(y):g}"), "y")
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
    dataset = _check("perceptron", check_choice, c, "dataset", PERCEPTRON_SETS)
    n = _check("perceptron", check_int, c, "n_samples", 4, 200)
    seed = _check("perceptron", check_int, c, "seed", 0, 2**32 - 1)
    eta = _check("perceptron", check_number, c, "learning_rate", low=1e-6, high=10.0)
    epochs = _check("perceptron", check_int, c, "epochs", 1, 50)
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
#: catch_warnings swaps the process's warning filters and hooks, not the thread's: the server runs
#: requests in threads, and two catches that overlap undo each other (the second one's end put back
#: the first one's filters for good). Every catch on a request's path holds this one lock, so one
#: catches its warnings at a time: the recall's, the only one (expr.parse catches none, and the
#: lectures' other code on these paths only warns)
_CATCHING = threading.Lock()


def hopfield(config=None):
    """Store 10×10 bitmaps by Hebb's rule, flip a fraction of one pattern's bits, and let the network settle.

    Returns the stored patterns, the noisy start, up to :data:`MAX_FRAMES`
    intermediate states (async: every few single-neuron updates; sync: every
    step) with their energies E = −½ sᵀWs, the final state and what it is.
    """
    import warnings

    from ..classic import CapacityWarning, Hopfield, RecallCycleWarning, UnstablePatternWarning, flip_bits, load_bitmaps
    from ..classic.bitmaps import BITMAPS

    c = complete_settings(config, HOPFIELD_DEFAULTS, "Hopfield")
    if not isinstance(c["store"], str) or not 1 <= len(c["store"].replace(" ", "")) <= 26:
        raise _on_field(ValueError(f"Stored patterns must be 1 to 26 bitmap names such as 'HTXO'. "
                                   f"Received: {c['store']!r:.100}"), "store")
    store = c["store"].replace(" ", "")
    # "letters" and "digits" name the sets, as load_bitmaps's message says; anything else is letter by letter
    names = store.lower() if store.lower() in ("letters", "digits") else list(dict.fromkeys(store.upper()))
    unknown = [] if isinstance(names, str) else [n for n in names if n not in BITMAPS]
    if unknown:  # said as the page's reader would: not "Unknown bitmap name(s) ['Q']"
        raise _on_field(ValueError(
            f"Stored patterns are letters and digits from {''.join(BITMAPS)} (or the word letters or digits): "
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not among them. Received: {c['store']!r:.100}"),
            "store")
    try:
        images, names = load_bitmaps(names)
    except ValueError as exc:  # the page's setting is "store"
        raise _on_field(ValueError(f"Stored patterns: {exc}"), "store") from None
    recall = c["recall"].upper() if isinstance(c["recall"], str) else c["recall"]
    if recall not in names:
        raise _on_field(ValueError(f"Recall must be one of the stored patterns {''.join(names)}. "
                                   f"Received: {c['recall']!r:.100}"), "recall")
    noise = _check("hopfield", check_number, c, "noise", low=0.0, high=0.5)
    mode = _check("hopfield", check_choice, c, "mode", ("async", "sync"))
    seed = _check("hopfield", check_int, c, "seed", 0, 2**32 - 1)
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
    dataset = _check("som", check_choice, c, "dataset", SOM_SETS)
    n = _check("som", check_int, c, "n_samples", 10, 2000)
    rows, cols = _check("som", check_int, c, "rows", 2, 20), _check("som", check_int, c, "cols", 2, 20)
    topology = _check("som", check_choice, c, "topology", ("rectangular", "hexagonal"))
    epochs = _check("som", check_int, c, "epochs", 1, 100)
    mode = _check("som", check_choice, c, "mode", ("online", "batch"))
    init = _check("som", check_choice, c, "init", ("random", "pca"))
    seed = _check("som", check_int, c, "seed", 0, 2**32 - 1)
    # In what the page shows (its 500 points are n_samples, which it does not show): the epochs are the field
    batch = "" if mode == "batch" else ", or choose Mode: batch"
    if mode == "online" and n * epochs > SOM_ONLINE_UPDATES:
        raise _on_field(ValueError(
            f"Online mode trains on one of the {n} points at a time: {epochs} epochs are {n * epochs:,} updates, over "
            f"the {SOM_ONLINE_UPDATES:,} one request may take. Lower the epochs{batch}."), "epochs")
    if n * epochs * rows * cols > SOM_NEURON_UPDATES[mode]:
        raise _on_field(ValueError(
            f"{epochs} epochs of {n} points on a {rows} × {cols} grid are {n * epochs * rows * cols:,} neuron updates, "
            f"over the {SOM_NEURON_UPDATES[mode]:,} one request may take in {mode} mode. Lower the epochs or the "
            f"grid's rows or columns{batch}."), "epochs")
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
