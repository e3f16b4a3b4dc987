"""Small data sets from the lectures: logic gates, the cheese festival, 2-D toy sets.

Every function returns ``(X, y)``: ``X`` float (``floatx()``, float32 by
default) of shape ``(n_samples, n_features)`` and ``y`` int64 of shape
``(n_samples,)``. Labels are 0/1 (``encoding="binary"``) or -1/+1
(``encoding="bipolar"``, the sign-activation lectures' choice). The 2-D sets
follow playground.tensorflow.org's generators (``src/dataset.ts``), vectorised
and seedable: the same ``seed`` gives the same data.
"""

import itertools

import numpy as np

from .._registry import lookup
from .._validation import (check_bool, check_number, check_positive_int, check_real_dtype, is_one_of,
                           sized_by_arguments)
from ..backend import make_rng, standardize_dtype

_ENCODINGS = ("binary", "bipolar")


def _encode(X, y, encoding, dtype, encode_inputs=False):
    """Cast ``X`` and map 0/1 labels (and, for gates, inputs) to the encoding."""
    if not is_one_of(encoding, _ENCODINGS):
        raise ValueError(f"encoding must be 'binary' or 'bipolar'. Received: encoding={encoding!r:.100}")
    dtype = check_real_dtype(dtype)
    y = np.asarray(y, dtype=np.int64)
    if encoding == "bipolar":
        y = 2 * y - 1
        if encode_inputs:
            X = 2 * X - 1
    if dtype.kind in "ub" and (X < 0).any():  # the cast would wrap -1 to 255 (or make it True)
        raise ValueError(f"dtype must be signed or float to hold the inputs -1 of encoding='bipolar'. "
                         f"Received: dtype={dtype.name}")
    with np.errstate(over="ignore"):  # a float32 overflow is reported by the caller, naming noise
        return np.asarray(X, dtype=dtype), y


# --------------------------------------------------------------------------- gates

_GATES = {
    "and": lambda bits: np.all(bits, axis=1),
    "or": lambda bits: np.any(bits, axis=1),
    "xor": lambda bits: np.sum(bits, axis=1) % 2 == 1,
    "nand": lambda bits: ~np.all(bits, axis=1),
    "nor": lambda bits: ~np.any(bits, axis=1),
    "xnor": lambda bits: np.sum(bits, axis=1) % 2 == 0,
}


MAX_GATE_INPUTS = 20  # 2**20 rows, a million


@sized_by_arguments("n_inputs")
def logic_gate(name, encoding="binary", n_inputs=2, dtype=None):
    """The truth table of a logic gate as a data set.

    Rows are all ``2**n_inputs`` input combinations in counting order, as in
    the lecture tables (seed 001)::

        x1 x2 | AND OR XOR
         0  0 |  0   0   0
         0  1 |  0   1   1
         1  0 |  0   1   1
         1  1 |  1   1   0

    With ``encoding="bipolar"`` inputs and labels are mapped by ``2v - 1``
    (0 -> -1, 1 -> +1), the ±1 XOR of seed 003.

    Parameters
    ----------
    name : {"and", "or", "xor", "nand", "nor", "xnor"}
        XOR of more than two inputs is their parity.
    encoding : {"binary", "bipolar"}
    n_inputs : int
        1 to 20.
    dtype : dtype, optional
        Of ``X``; default ``floatx()``.

    Returns
    -------
    X : ndarray of shape (2**n_inputs, n_inputs)
    y : ndarray of shape (2**n_inputs,), int64
    """
    if isinstance(name, str):
        gate = lookup(name, {k: (lambda f=f: f) for k, f in _GATES.items()}, "logic gate")
    else:
        raise TypeError(f"name must be a gate name such as 'xor'. Received: name={name!r}")
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    if n_inputs > MAX_GATE_INPUTS:
        raise ValueError(
            f"n_inputs must be at most {MAX_GATE_INPUTS} (the table has 2**n_inputs rows). Received: n_inputs={n_inputs}"
        )
    # Counting order, the first input slowest: bit k of the row number, most significant first
    bits = (np.arange(2**n_inputs)[:, None] >> np.arange(n_inputs - 1, -1, -1)) & 1
    return _encode(bits, gate(bits.astype(bool)), encoding, dtype, encode_inputs=True)


# --------------------------------------------------------------- cheese festival

#: Seed 001's two decision rules: (weights w1, w2, w3, threshold).
CHEESE_FESTIVAL_RULES = {
    "any_two": ((1, 1, 1), 2),  # "Yes" whenever any two factors are "Yes"
    "thirst": ((1, 1, 10), 11),  # fear of dying of thirst dominates
}


def cheese_festival(rule="any_two", weights=None, threshold=None, dtype=None):
    """Seed 001's cheese-festival decision: every combination of three yes/no factors.

    Decision of a single threshold unit::

        y = 1  if x1*w1 + x2*w2 + x3*w3 >= threshold  else 0

    (with bias ``b = -threshold``: ``y = 1`` iff ``w . x + b >= 0``).
    ``rule="any_two"`` uses ``w = (1, 1, 1)``, threshold 2; ``rule="thirst"``
    uses ``w = (1, 1, 10)``, threshold 11 (the third factor must be "Yes").

    Parameters
    ----------
    rule : {"any_two", "thirst"}
    weights, threshold : optional
        Override the rule's weights (three numbers) and threshold.

    Returns
    -------
    X : ndarray of shape (8, 3), rows in counting order (x1, x2, x3)
    y : ndarray of shape (8,), int64
    """
    if not isinstance(rule, str):
        raise TypeError(f"rule must be a rule name ({', '.join(CHEESE_FESTIVAL_RULES)}). Received: rule={rule!r:.100}")
    if rule not in CHEESE_FESTIVAL_RULES:
        raise ValueError(
            f"Unknown cheese-festival rule {rule!r}. Valid names: {', '.join(CHEESE_FESTIVAL_RULES)}."
        )
    default_w, default_t = CHEESE_FESTIVAL_RULES[rule]
    w = _numbers(default_w if weights is None else weights, "weights")
    if w.shape != (3,) or not np.isfinite(w).all():
        raise ValueError(f"weights must be three finite numbers. Received: weights={weights!r:.100}")
    t = default_t if threshold is None else check_number(threshold, "threshold")
    X = np.array(list(itertools.product((0, 1), repeat=3)), dtype=np.int64)
    # weights of 1e308 overflowed x·w to inf (a warning), and (1e308, 0.9e308, -1.79e308) said 1.1e307 >= 5e307
    w, t = _scaled_down(w, t)
    return _encode(X, X @ w >= t, "binary", dtype)


def _scaled_down(w, b):
    """``(w, b)`` times a power of two ``2⁻ᵏ`` that brings ``max |w|`` to [0.5, 1) where it is beyond 2**500, so
    that ``x·w`` of a point ``|x| ≤ 10`` cannot overflow: the same line ``x·w + b = 0`` (and decision ``x·w ≥ b``),
    as scaling by a power of two is exact; smaller weights are returned as they are, their draws unchanged."""
    top = np.abs(w).max()
    if top <= 2.0**500:
        return w, b
    k = int(np.frexp(top)[1])
    return np.ldexp(w, -k), float(np.ldexp(b, -k))


def _numbers(values, name):
    """``values`` as a float64 array, or a TypeError naming the argument (``"abc"``, ``[1, None]``)."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers. Received: {name}={values!r:.100}") from None
    except OverflowError:  # an int past the float range: NumPy's "int too large to convert to float"
        raise ValueError(f"{name} must be finite numbers. Received an integer beyond the float range.") from None


# ------------------------------------------------------------- playground 2-D sets


def _sizes(n_samples):
    """Positive and negative class sizes (playground: half each; odd n gives the extra to class 1)."""
    n = check_positive_int(n_samples, "n_samples")
    return n - n // 2, n // 2


def _check_noise(noise):
    return check_number(noise, "noise", low=0.0)


def _label_points(X, noise, rng):
    """Where the labels of the clean points ``X`` are read: ``p + ε``, ``ε ~ U(-5, 5)² · noise`` (the
    playground's label noise). A noise so large that they overflow is refused, as for the points
    themselves (:func:`_finish`): the labels were those of infinities, with NumPy's overflow warnings."""
    with np.errstate(over="ignore"):
        P = X + rng.uniform(-5, 5, X.shape) * noise
    return _finite(P, noise, "the points the labels are read at")


def _finite(values, noise, what):
    if not np.isfinite(values).all():
        raise ValueError(f"noise={noise:g} is too large: {what} overflow float64 to infinity.")
    return values


def _finish(X, y, rng, shuffle, encoding, dtype, noise=0.0):
    dtype = standardize_dtype(dtype)  # coordinates: an integer dtype truncated them
    check_bool(shuffle, "shuffle")
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    X, y = _encode(X, y, encoding, dtype)
    if np.issubdtype(X.dtype, np.floating) and not np.isfinite(X).all():
        raise ValueError(f"noise={noise:g} is too large: the points overflow {X.dtype.name} to infinity.")
    return X, y


@sized_by_arguments("n_samples")
def make_circle(n_samples=500, noise=0.0, seed=None, shuffle=True, encoding="binary", dtype=None):
    """Playground "circle": a disc of class 1 inside a ring of class 0.

    Class 1 points have radius ``r ~ U(0, 2.5)``, class 0 ``r ~ U(3.5, 5)``,
    angle ``~ U(0, 2π)``. Noise flips labels near the boundary as the
    playground does: the label is ``|p + ε| < 2.5`` with ``ε ~ U(-5, 5)² · noise``
    while the stored point ``p`` stays clean.

    Parameters
    ----------
    n_samples : int
    noise : float
        ≥ 0; the playground's slider spans 0 to 0.5.
    seed : int or None
    shuffle : bool
        Shuffle the rows (else class 1 comes first).
    encoding : {"binary", "bipolar"}
    dtype : {"float16", "float32", "float64"}, optional
        Of ``X``; default ``floatx()``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), int64
    """
    n_pos, n_neg = _sizes(n_samples)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    radius = 5.0
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_pos), rng.uniform(radius * 0.7, radius, n_neg)])
    angle = rng.uniform(0, 2 * np.pi, n_pos + n_neg)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    with np.errstate(over="ignore"):  # (a distance beyond float64 is outside the disc all the same)
        y = np.hypot(*_label_points(X, noise, rng).T) < radius * 0.5
    return _finish(X, y, rng, shuffle, encoding, dtype, noise)


@sized_by_arguments("n_samples")
def make_xor(n_samples=500, noise=0.0, seed=None, shuffle=True, encoding="binary", dtype=None):
    """Playground "exclusive or": the four quadrants, class 1 where ``x1·x2 ≥ 0``.

    ``x1, x2 ~ U(-5, 5)`` pushed 0.3 away from the axes; the label is computed
    at ``p + ε`` with ``ε ~ U(-5, 5)² · noise`` (label noise, clean points).
    Parameters and returns as :func:`make_circle`.
    """
    n = check_positive_int(n_samples, "n_samples")
    noise = _check_noise(noise)
    rng = make_rng(seed)
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # padding keeps the quadrants apart
    P = _label_points(X, noise, rng)
    with np.errstate(over="ignore"):  # (a product beyond float64 keeps its sign)
        y = P[:, 0] * P[:, 1] >= 0
    return _finish(X, y, rng, shuffle, encoding, dtype, noise)


@sized_by_arguments("n_samples")
def make_gaussians(n_samples=500, noise=0.0, seed=None, shuffle=True, encoding="binary", dtype=None):
    """Playground "gaussian": two Gaussian blobs, class 1 at (2, 2), class 0 at (-2, -2).

    Each coordinate is normal with variance ``σ² = 0.5 + 7·noise`` (the
    playground maps noise 0..0.5 linearly to variance 0.5..4).
    Parameters and returns as :func:`make_circle`.
    """
    n_pos, n_neg = _sizes(n_samples)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    sigma = np.sqrt(0.5 + 7.0 * noise)
    X = sigma * rng.standard_normal((n_pos + n_neg, 2))  # first: np.repeat's errors for a huge n say nothing
    X[:n_pos] += 2.0
    X[n_pos:] -= 2.0
    y = np.repeat([1, 0], [n_pos, n_neg])
    return _finish(X, y, rng, shuffle, encoding, dtype, noise)


@sized_by_arguments("n_samples")
def make_spiral(n_samples=500, noise=0.0, seed=None, shuffle=True, encoding="binary", dtype=None):
    """Playground "spiral": two interleaved spirals.

    Point ``i`` of ``m`` on a spiral has ``r = 5i/m`` and
    ``t = 1.75 · 2π · i/m + Δt`` (``Δt = 0`` for class 1, ``π`` for class 0),
    at ``(r sin t, r cos t) + U(-1, 1)² · noise``.
    Parameters and returns as :func:`make_circle`.
    """
    n_pos, n_neg = _sizes(n_samples)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    parts = []
    for m, delta_t in ((n_pos, 0.0), (n_neg, np.pi)):
        i = np.arange(m)
        r = i / max(m, 1) * 5
        t = 1.75 * i / max(m, 1) * 2 * np.pi + delta_t
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    X = np.concatenate(parts)
    X += rng.uniform(-1, 1, X.shape) * noise
    y = np.repeat([1, 0], [n_pos, n_neg])
    return _finish(X, y, rng, shuffle, encoding, dtype, noise)


@sized_by_arguments("n_samples")
def make_plane_separation(
    n_samples=100,
    noise=0.0,
    seed=None,
    weights=(1.0, 1.0),
    bias=0.0,
    margin=0.5,
    shuffle=True,
    encoding="binary",
    dtype=None,
):
    """Plane separation (seed 000's ``ssn1`` demo): two classes split by a line.

    Points ``p ~ U(-5, 5)²`` outside the band ``|w·p + b| / ||w|| < margin``;
    class 1 where ``w·p + b ≥ 0``. With ``noise = 0`` the set is linearly
    separable with that margin (so the perceptron converges); noise flips
    labels as in :func:`make_circle` (label taken at ``p + U(-5, 5)² · noise``).

    Parameters
    ----------
    weights : pair of numbers
        The normal ``w`` of the separating line; not both zero.
    bias : float
    margin : float
        ≥ 0, half the width of the empty band around the line.
    Others as :func:`make_circle`.
    """
    n = check_positive_int(n_samples, "n_samples")
    noise = _check_noise(noise)
    margin = check_number(margin, "margin", low=0.0)
    bias = check_number(bias, "bias")
    w = _numbers(weights, "weights")
    if w.shape != (2,) or not np.isfinite(w).all() or not w.any():
        raise ValueError(f"weights must be two finite numbers, not both zero. Received: weights={weights!r}")
    line = f"w=({w[0]:g}, {w[1]:g}), b={bias:g}"  # (tuple(w) read "(np.float64(1.0), ...)" under NumPy 2)
    # w·p overflowed for weights of 1e308, with a warning, and noise=0 was "too large"
    w, bias = _scaled_down(w, bias)
    rng = make_rng(seed)
    norm = np.hypot(*w)  # sqrt(w·w) underflowed to 0 for weights of 1e-170 (no margin) and overflowed for 1e155
    kept, have = [], 0
    for _ in range(100):  # vectorised rejection sampling, a few rounds at most
        P = rng.uniform(-5, 5, (2 * n, 2))
        P = P[np.abs(P @ w + bias) / norm >= margin]
        kept.append(P)
        have += len(P)
        if have >= n:
            break
    else:
        raise ValueError(
            f"margin={margin} leaves (almost) no room in the square [-5, 5]² for the line "
            f"{line}; use a smaller margin or move the line."
        )
    X = np.concatenate(kept)[:n]
    with np.errstate(over="ignore", invalid="ignore"):
        y = _finite(_label_points(X, noise, rng) @ w + bias, noise, "the points' sides of the line") >= 0
    return _finish(X, y, rng, shuffle, encoding, dtype, noise)


#: The playground's data sets by name (``glassnet train --dataset``, the playground page).
PLAYGROUND = {
    "circle": make_circle,
    "xor": make_xor,
    "gaussians": make_gaussians,
    "spiral": make_spiral,
    "plane": make_plane_separation,
}


def make_playground(name, **kwargs):
    """Make one of :data:`PLAYGROUND`'s sets by name, e.g. ``make_playground("spiral", noise=0.1)``."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a data set name ({', '.join(PLAYGROUND)}). Received: name={name!r:.100}")
    maker = lookup(name, {k: (lambda f=f: f) for k, f in PLAYGROUND.items()}, "playground data set")
    return maker(**kwargs)
