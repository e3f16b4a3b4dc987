"""Rosenblatt's perceptron and the single-neuron learning rules (SPEC C1, C2).

The inputs get a leading 1 so the bias is the weight w0 (seed 003):
x = (1, x1, ..., xd), net = ⟨w, x⟩.

* Rosenblatt (seed 003): w = 0; for each x_i with y_i⟨w, x_i⟩ ≤ 0,
  w ← w + η y_i x_i; repeat epochs until no mistakes (:class:`Perceptron`).
* Perceptron rule (seed 000): Δw = η [t − f(net)] x (:func:`perceptron_rule`).
* Delta rule (seed 000): Δw = η [t − f(net)] f'(net) x, the gradient step
  on E = ½ Σ (t − f(net))² (:func:`delta_rule`; with f = identity it is Adaline).

Both rules run online (one update per sample) or in batch (the sum over all
samples per epoch), with any activation of :mod:`glassnet.activations`.
"""

import inspect
import warnings
from dataclasses import dataclass

import numpy as np

from .. import activations
from .._estimator import (BaseEstimator, ClassifierMixin, check_classification_y, check_is_fitted, check_X, _keyword_hint,
                          _named_init)
from .._validation import (check_array, check_bool, check_choice, check_consistent_length, check_number,
                           check_positive_int)
from ..backend import random_state_rng
from ..models.divergence import LossRiseWarning, user_stacklevel

__all__ = ["Perceptron", "NotSeparableWarning", "RuleHistory", "perceptron_rule", "delta_rule", "train_neuron"]


class NotSeparableWarning(UserWarning):
    """The perceptron found no separating hyperplane within max_epochs."""


def add_bias_column(X):
    """x -> (1, x) in float64: the bias becomes the weight w0.

    X is cast while it is copied in (np.hstack would first make a float64 copy
    of a float32 X, then copy that: twice the memory of the result)."""
    Xb = np.empty((len(X), X.shape[1] + 1))
    Xb[:, 0] = 1.0
    Xb[:, 1:] = X
    return Xb


def too_large_error(X, what):
    """The ValueError for an X whose ``what`` overflows float64 (values near 1e154 and up)."""
    return ValueError(
        f"X holds values too large for {what}, which overflow (largest |x| = {np.abs(X).max():.3g}). "
        "Rescale X, e.g. with glassnet.preprocessing.StandardScaler."
    )


def net_input(X, W, b):
    """``X W + b``; a value that overflowed (1e200·1e200 is inf, inf − inf NaN) is refused,
    since the sign of the net input, and so the class, would be a guess."""
    with np.errstate(over="ignore", invalid="ignore"):
        net = X @ W + b
    if not np.isfinite(net).all():
        raise too_large_error(X, "the net input x·w + b")
    return net


def zero_within_rounding(Z, X, W, b=0.0):
    """``Z = X W + b`` with every entry within the rounding of its terms of 0 set to 0.

    A step or a sign decides at z = 0 exactly (seed 001's ``≥ threshold``), which decimal numbers
    miss in binary floating point: 0.3 + 0.6 − 0.9 = −1.1e-16 said "does not fire"."""
    rounding = 16 * np.finfo(np.float64).eps * (np.abs(X) @ np.abs(W) + np.abs(b))
    return np.where(np.abs(Z) <= rounding, 0.0, Z)


# ---------------------------------------------------------------------------
# Learning rules for one neuron (or one layer of independent neurons)
# ---------------------------------------------------------------------------

@dataclass
class RuleHistory:
    """Weights and error of a single-neuron learning rule, epoch by epoch.

    Attributes
    ----------
    weights : ndarray, shape (epochs + 1, d + 1) or (epochs + 1, d + 1, k)
        w = (w0, w1, ..., wd) before training and after each epoch.
    errors : ndarray, shape (epochs + 1,)
        E = ½ Σ (t − f(net))² over the training set for each of those weights.
    mistakes : ndarray, shape (epochs + 1,)
        Samples whose output differs from the target under those weights, the weights
        *after* the epoch (meaningful for step/sign).
    steps : ndarray or None
        Online mode with ``record_steps``: the weights after every single
        update, shape (epochs·n + 1, d + 1[, k]), the initial weights first.
    updates : ndarray, shape (epochs + 1,)
        Samples whose δ = t − f(net) (delta rule: times f'(net)) was not 0 *during* each epoch, the
        ones that moved w (unless x = 0); 0 before training. With step or sign the first epoch with 0
        updates is the first clean pass, one epoch after the first 0 of ``mistakes``.
    """

    weights: np.ndarray
    errors: np.ndarray
    mistakes: np.ndarray
    steps: np.ndarray = None
    updates: np.ndarray = None

    @property
    def final_weights(self):
        return self.weights[-1]

    def __str__(self):
        """One line per epoch: E, the mistakes and w = (w0, ..., wd) (one such tuple per neuron); a long history's
        first and last 10 epochs."""
        g = lambda v: f"{float(v):.4g}"
        lines = ["epoch\tE\tmistakes\tw"]
        for epoch, (W, E, m) in enumerate(zip(self.weights, self.errors, self.mistakes)):
            w = "; ".join("(" + ", ".join(g(v) for v in column) + ")" for column in np.reshape(W, (len(W), -1)).T)
            lines.append(f"{epoch}\t{g(E)}\t{int(m)}\t{w}")
        if len(lines) > 22:
            lines[11:-10] = [f"... {len(lines) - 21} epochs left out (the arrays hold them all)"]
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle):  # a notebook cell's result (IPython) shows the table, as print(); repr() keeps the fields
        p.text(str(self))


def train_neuron(
    X,
    t,
    rule="delta",
    activation="sigmoid",
    learning_rate=0.1,
    epochs=10,
    mode="online",
    weights=None,
    shuffle=False,
    random_state=None,
    record_steps=False,
    use_bias=True,
):
    """Train one neuron (or k independent ones) with the perceptron or delta rule.

    Parameters
    ----------
    X : array-like, shape (n, d)
    t : array-like, shape (n,) or (n, k)
        Targets, in the activation's range (0/1 for step and sigmoid, ±1 for sign and tanh);
        the perceptron rule with step or sign refuses any other value.
    rule : {"perceptron", "delta"}
        Δw = η [t − f(net)] x, or Δw = η [t − f(net)] f'(net) x (f'(net) is the
        Jacobian for softmax, so that the step is still −η ∂E/∂w).
    activation : str or Activation
        Anything :func:`glassnet.activations.get` accepts.
    learning_rate : float or callable
        η in the rule (0.1 by default), or a function ``n -> η(n)`` of the 0-based update
        count n (per sample online, counted over all epochs; per epoch in batch mode),
        such as Haykin's annealed LMS ``lambda n: 0.01 / (1 + n / 100)`` or a
        :mod:`glassnet.schedules` object (``InverseTimeDecay(0.01, 100, 1.0)``). n starts
        at 0 in each call. With the identity activation (LMS) a steadily rising error
        gives a :class:`~glassnet.models.divergence.LossRiseWarning` naming the bound on η.
    epochs : int
        Passes over the samples.
    mode : {"online", "batch"}
        Update after each sample, or once per epoch with Δw summed over samples.
    weights : array-like, shape (d + 1,) or (d + 1, k), or None
        Initial w = (w0, w1, ..., wd); zeros by default. Without a bias: (w1, ..., wd).
    shuffle, random_state
        Visit samples in a fresh random order each epoch (online).
    record_steps : bool
        Keep the weights after every online update.
    use_bias : bool
        Learn a bias w0 on a constant input 1 (default), or not: seed 004's
        neuron ``z = wx`` has none.

    Returns
    -------
    RuleHistory
    """
    X = check_array(X, "X", ndim=2)  # its dtype: the bias column's copy below is the float64 one
    T = check_array(t, "t", ndim=None, dtype=np.float64)
    if T.ndim not in (1, 2):
        raise ValueError(f"t must be 1-D or 2-D. Received an array of shape {T.shape}.")
    if T.shape[0] == 1 and T.ndim == 2 and T.shape[1] > 1 and len(X) > 1:  # MATLAB's row of targets, t = [0 1 1 1]
        rows = "" if T.shape[1] == len(X) else (f" X has shape {X.shape}" + (
            ": if its columns are the samples (MATLAB and R put samples in columns), pass X.T as well; glassnet "
            "takes one sample per row." if X.shape[1] == T.shape[1] else "."))
        raise ValueError(f"t of shape {T.shape} is a row vector: one target per sample is a 1-D array of shape "
                         f"({T.shape[1]},), t.ravel(); k targets per sample, shape (n, k).{rows}")
    check_consistent_length(X=X, t=T)
    check_choice(rule, "rule", ("perceptron", "delta"))
    check_choice(mode, "mode", ("online", "batch"))
    rate_of = learning_rate if callable(learning_rate) else None
    if rate_of is None:
        try:
            eta = check_number(learning_rate, "learning_rate", low=0, low_open=True)
        except TypeError:
            raise TypeError(f"learning_rate must be a number or a function n -> η(n). Received: "
                            f"learning_rate={learning_rate!r:.100}") from None
    epochs = check_positive_int(epochs, "epochs")
    f = activations.check_in_layer(activations.get(activation), "The perceptron")
    single = T.ndim == 1
    T2 = T[:, None] if single else T
    if rule == "delta" and f.piecewise_constant:
        raise ValueError(f"The delta rule multiplies by f'(net), which is 0 for {f.name}: the weights would never "
                         "change. Use rule='perceptron' (perceptron_rule) or a differentiable activation "
                         "such as 'sigmoid'.")
    if rule == "delta" and not f.elementwise and T2.shape[1] == 1:
        raise ValueError(f"{f.name} over a single output is constant (1), so the delta rule cannot learn; give t "
                         "one column per class (one-hot), or use 'sigmoid' for one output.")
    if rule == "perceptron" and f.piecewise_constant and not np.isin(T, f.output_range).all():
        # t − f(net) is then never 0 for some samples: they stay mistakes, and w grows for ever
        low, high = f.output_range
        bad = np.unique(T[~np.isin(T, f.output_range)])[:5]
        raise ValueError(f"t must hold {f.name}'s two outputs, {low:g} and {high:g}, for the perceptron rule. "
                         f"Received values such as {bad.tolist()}; use activation='sign' for targets ±1 and "
                         "'step' for 0/1.")
    for flag, value in (("use_bias", use_bias), ("shuffle", shuffle), ("record_steps", record_steps)):
        check_bool(value, flag)
    Xb = add_bias_column(X) if use_bias else X.astype(np.float64, copy=False)
    W = np.zeros((Xb.shape[1], T2.shape[1]))
    if weights is not None:
        W0 = check_array(weights, "weights", ndim=None, dtype=np.float64)
        if W0.shape not in ({W.shape, (W.shape[0],)} if single else {W.shape}):
            raise ValueError(f"weights must have shape {(W.shape[0],) if single else W.shape}. Received shape {W0.shape}.")
        W = W0.reshape(W.shape).copy()
    rng = random_state_rng(random_state)
    # From w = 0, the perceptron rule with step or sign (outputs that see only the sign of net)
    # gives η times the weights of η = 1: train with η = 1, whose sums of integer data (the gates'
    # 0/1 and ±1) are exact, and scale. (With η = 0.1 AND's net at (1, 0) read −2.8e-17 for 0,
    # passed as correct, and the rule stopped with the point on its boundary.)
    scale = 1.0
    if rule == "perceptron" and rate_of is None and not W.any() and \
            type(f) in (activations.Step, activations.Sign):  # (given zeros too)
        scale, eta = eta, 1.0

    # A step or a sign sees only on which side of 0 the net input lies, and the rule's tables (seed 004)
    # are decimal: a net of exactly 0 there must read 0, not the −5.6e-17 that w = (−0.4, 0.7, ...) gave
    # it in binary, which turned a right output into a mistake and moved the weights the wrong way. The
    # weights' own rounding (0.1 − 0.1 + ... read 1.4e-17, not 0) is within that of the sizes summed
    # into them: ``bound`` = |w at the start| + Σ |Δw| ≥ |w| is what the net's rounding is taken from.
    sided = rule == "perceptron" and f.piecewise_constant
    bound = np.abs(W) if sided else None

    def net_of(X_, W):
        net = X_ @ W
        return zero_within_rounding(net, X_, bound) if sided else net

    def step(dW):
        W[...] += dW
        if sided:
            bound[...] += np.abs(dW)

    def delta(X_, T_):
        net = net_of(X_, W)
        Y = f.forward(net)
        err = T_ - Y
        # backward is [t − f(net)] ⊙ f'(net), or its product with softmax's Jacobian: f' of the
        # diagonal alone is not the gradient of E when each output depends on the whole row
        return f.backward(net, Y, err) if rule == "delta" else err

    def evaluate(W):
        Y = f.forward(net_of(Xb, W))
        return 0.5 * float(((T2 - Y) ** 2).sum()), int(np.any(Y != T2, axis=1).sum())

    history_W, errors, mistakes, updates = [W.copy()], [], [], [0]
    eta_max = 0.0  # the largest η used
    steps = [W.copy()] if record_steps and mode == "online" else None
    E, m = evaluate(W)
    errors.append(E)
    mistakes.append(m)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
        for epoch in range(epochs):
            if mode == "online":
                order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
                # η of each update in this epoch (η(n) for n = epoch·len(X), ...)
                etas = np.full(len(X), eta) if rate_of is None else _rates(rate_of, epoch * len(X), len(X))
                eta_max = max(eta_max, etas.max())
                if steps is None and rule == "delta" and type(f) is activations.Linear:
                    updates.append(_lms_epoch(Xb, T2, W, order, etas))
                    history_W.append(W.copy())
                    E, m = evaluate(W)
                    errors.append(E)
                    mistakes.append(m)
                    continue
                # The online rule is sequential by definition: each update sees the last.
                moved = 0
                for k, i in enumerate(order):
                    x = Xb[i]
                    d = delta(x, T2[i])
                    if d.any():  # (a sample on its right side moves nothing: no step to add)
                        moved += 1
                        step(etas[k] * np.outer(x, d))
                    if steps is not None:
                        steps.append(W.copy())
                updates.append(moved)
            else:
                rate = eta if rate_of is None else _rates(rate_of, epoch, 1)[0]
                eta_max = max(eta_max, rate)
                D = delta(Xb, T2)
                updates.append(int(D.any(axis=1).sum()))
                step(rate * (Xb.T @ D))  # brackets: eta * Xb.T would copy the data
            history_W.append(W.copy())
            E, m = evaluate(W)
            errors.append(E)
            mistakes.append(m)
        history_W = scale * np.array(history_W)
        steps = None if steps is None else scale * np.array(steps)
    named = f"learning_rate={eta * scale:g}" if rate_of is None else f"learning_rate={learning_rate!r:.80}"
    if not (np.isfinite(history_W[-1]).all() and np.isfinite(errors).all()):
        raise ValueError(
            f"The {rule} rule diverged with {named}: the weights or the error grew without "
            "bound. Use a smaller learning_rate or standardize X."
        )
    if type(f) is activations.Linear:  # LMS (the perceptron rule is the same with f = identity)
        _warn_if_rising(errors, Xb, mode, eta_max, named, use_bias)
    shape = (lambda A: A[..., 0]) if single else (lambda A: A)
    return RuleHistory(
        weights=shape(history_W),
        errors=np.array(errors),
        mistakes=np.array(mistakes),
        steps=None if steps is None else shape(steps),
        updates=np.array(updates),
    )


def _check_rule_keywords(rule_function, kwargs):
    """Refuse a keyword that neither ``rule_function`` nor train_neuron takes as Python would, naming
    ``rule_function`` (not train_neuron) and the meant parameter (max_iter → epochs), as the estimators do."""
    own = [name for name in inspect.signature(rule_function).parameters if name != "kwargs"]
    names = own + [name for name in inspect.signature(train_neuron).parameters if name not in own + ["rule"]]
    unknown = next((key for key in kwargs if key not in names), None)
    if unknown is not None:
        raise TypeError(f"{rule_function.__name__}() got an unexpected keyword argument {unknown!r}"
                        f"{_keyword_hint(unknown, names)}")


def perceptron_rule(X, t, activation="step", learning_rate=0.1, epochs=10, mode="online", **kwargs):
    """Perceptron rule Δw = η [t − f(net)] x (seed 000). See :func:`train_neuron`."""
    _check_rule_keywords(perceptron_rule, kwargs)
    return train_neuron(X, t, "perceptron", activation, learning_rate, epochs, mode, **kwargs)


def delta_rule(X, t, activation="sigmoid", learning_rate=0.1, epochs=10, mode="online", **kwargs):
    """Delta rule Δw = η [t − f(net)] f'(net) x (seed 000). See :func:`train_neuron`."""
    _check_rule_keywords(delta_rule, kwargs)
    return train_neuron(X, t, "delta", activation, learning_rate, epochs, mode, **kwargs)


def _rates(rate_of, first, count):
    """η(n) for n = first, ..., first + count − 1 from the function ``learning_rate``, each checked."""
    try:
        first_rate = rate_of(first)
    except TypeError as error:  # (lambda: 0.1 said only "takes 0 positional arguments but 1 was given")
        raise TypeError(f"learning_rate must be a number or a function f(n) -> float of the 0-based update count n. "
                        f"Calling learning_rate({first}) raised TypeError: {error}") from error
    return np.array([check_number(first_rate if n == first else rate_of(n), f"learning_rate({n})", low=0,
                                  low_open=True) for n in range(first, first + count)])


def _warn_if_rising(errors, Xb, mode, eta_max, named, use_bias):
    """A LossRiseWarning where the LMS error grew, with η past the bound. Batch mode: E ended above its start,
    and grew 10-fold or rose by over 1 % in each of the last 3 epochs, past 2/λ_max(X̃ᵀX̃) (exact: below it E
    cannot rise). Online: E grew 10-fold, past the sufficient 2/max‖x̃‖²: just past it a noisy E rises and
    falls (from the least-squares weights, 3 rises running in 4 % of 1000 runs at 1.2 × the bound, 10-fold
    in none), while a divergence grows by orders of magnitude. The bound is computed only for a rising error."""
    E = np.asarray(errors)
    rising = len(E) >= 4 and (E[-3:] > 1.01 * E[-4:-1]).all() and mode == "batch"
    if not (E[-1] > E[0] and (E[-1] > 10 * E[0] or rising)):
        return
    x = "x̃ = (1, x)" if use_bias else "x̃ = x (no bias)"
    if mode == "batch":
        limit = 2 / np.linalg.eigvalsh(Xb.T @ Xb)[-1]
        bound = f"batch updates converge only for learning_rate < 2/λ_max(X̃ᵀX̃) = {limit:.4g} " \
                f"(λ_max the largest eigenvalue of X̃ᵀX̃, {x})"
    else:
        limit = 2 / np.einsum("ij,ij->i", Xb, Xb).max()
        bound = f"online updates stay bounded for learning_rate < 2/max‖x̃‖² = {limit:.4g} (a sufficient bound, {x})"
    if eta_max <= limit:
        return
    warnings.warn(
        f"The error E = ½Σ(t − net)² rose from {E[0]:.4g} to {E[-1]:.4g} over {len(E) - 1} epoch(s): {named} is "
        f"too large and the weights {'diverge' if mode == 'batch' else 'diverge or swing far from the minimum'}; "
        f"{bound}. Lower learning_rate (or standardize X).",
        LossRiseWarning, stacklevel=user_stacklevel(also=("sklearn",)))


def _lms_epoch(Xb, T, W, order, eta, block=64):
    """One online epoch of the linear delta rule (LMS, Widrow-Hoff) over the rows ``order``;
    updates ``W`` (d+1, k) in place, with the numbers of the sample-by-sample loop; ``eta``
    holds the η of each of the epoch's updates.

    Sample j of a block sees the weights that the samples before it left:
    e_j = t_j − x_j·(W + Σ_{i<j} η_i x_i e_i) = r_j − Σ_{i<j} η_i (x_j·x_i) e_i, where
    r = T − X W are the errors on the block's starting weights. So the block's errors
    solve the unit lower-triangular system (I + tril(X Xᵀ, −1)·diag(η)) e = r, and the block
    ends with W + Xᵀ (η ⊙ e): one small solve and three matrix products per ``block``
    samples instead of a Python step per sample (the same sums in another order).
    Returns the number of samples whose error e was not 0.
    """
    upper = ~np.tri(block, k=-1, dtype=bool)  # the diagonal and above
    moved = 0
    for start in range(0, len(order), block):
        rows = order[start : start + block]
        h = eta[start : start + block]
        Xr = Xb[rows]
        M = Xr @ Xr.T
        M *= h  # column i times η_i
        M[upper[: len(rows), : len(rows)]] = 0.0
        M.flat[:: len(rows) + 1] = 1.0
        try:
            e = np.linalg.solve(M, T[rows] - Xr @ W)
        except np.linalg.LinAlgError:  # only with non-finite weights: the caller reports the divergence
            W[...] = np.nan
            return moved
        moved += int(e.any(axis=1).sum())
        W += Xr.T @ (h[:, None] * e)
        if not np.isfinite(W[0]).all():
            return moved
    return moved


def encode_bipolar_targets(y_idx, n_classes):
    """Targets ±1: one column (+1 for the second class) for two classes, else one-vs-rest."""
    if n_classes == 2:
        return np.where(y_idx == 1, 1.0, -1.0)[:, None]
    return np.where(np.arange(n_classes)[None, :] == y_idx[:, None], 1.0, -1.0)


def _row_sizes(X, block=1024):
    """‖(1, x_i)‖ of each row, in float64, a block of rows at a time (no float64 copy of X)."""
    with np.errstate(over="ignore"):
        sizes = np.sqrt(1.0 + np.concatenate([np.square(X[i : i + block], dtype=np.float64).sum(axis=1)
                                              for i in range(0, len(X), block)]))
    sizes[~np.isfinite(sizes)] = 0.0  # (x of 1e200: the overflow is judged after the epochs)
    return sizes


def _perceptron_epoch(X, Y, Wt, order, eta, rows_size, rows_rounding, sizes):
    """One epoch of Rosenblatt's rule over the samples ``order``; updates ``Wt`` in place
    and returns the number of mistakes and, per perceptron (row of ``Wt``), its own.

    ``Wt`` holds one perceptron per row, ``(w0, w1, ..., wd)``: net = w0 + ⟨w, x⟩ (the
    bias apart, so X needs no float64 copy with a column of ones). The rule is
    sequential: each sample is judged with the weights that the mistakes before it
    left. Between two mistakes the weights do not change, so the samples up to the
    next mistake are judged together, with one matrix product over a block of the
    next rows; the block grows while the samples are right and shrinks to about
    twice the last gap between mistakes. The k one-vs-rest perceptrons are updated
    together: a sample is a mistake when any of them is wrong on it, and only those
    are updated.

    A net input within its rounding of 0 is 0, and so a mistake (seed 003's ``≤ 0``): with
    decimal data (−0.8, 0.6)·(0.3, 0.4) read +2.8e-17 or −2.8e-17, by the order of the sums,
    where it is 0, and w = 0.5 − 0.4 − 0.1 read 2.8e-17, not 0. Each weight's rounding is
    bounded by the sizes of the updates summed into it, so the net's is within
    16·eps·‖(1, x)‖·Σ‖η (1, x_i)‖ over the perceptron's updates (the triangle inequality and
    Cauchy–Schwarz): ``rows_size`` holds ‖(1, x)‖ of each sample, ``rows_rounding`` 16·eps times
    it, ``sizes`` the sum of each perceptron (updated here): the bound costs no second product with X.
    ``eta``: one η, or the η of each of the epoch's samples in the order visited.
    """
    start, n, block, mistakes = 0, len(order), 8, 0
    own = np.zeros(len(Wt), dtype=np.int64)
    while start < n:
        rows = order[start : start + block]
        net = X[rows] @ Wt[:, 1:].T + Wt[:, 0]
        wrong = ~(Y[rows] * net > rows_rounding[rows, None] * sizes)  # a NaN (overflow) is a mistake too
        bad = wrong.any(axis=1)
        if not bad.any():
            start += len(rows)
            block = min(2 * block, 4096)
            continue
        j = int(bad.argmax())  # the first mistake: the samples before it stand as judged
        i = rows[j]
        rate = eta[start + j] if isinstance(eta, np.ndarray) else eta
        for c in np.flatnonzero(wrong[j]):
            Wt[c, 0] += rate * Y[i, c]
            Wt[c, 1:] += rate * Y[i, c] * X[i]
            sizes[c] += rate * rows_size[i]
        mistakes += 1
        own += wrong[j]
        start += j + 1
        block = min(max(2 * (j + 1), 8), 4096)
    return mistakes, own


# ---------------------------------------------------------------------------
# Rosenblatt's perceptron as an estimator
# ---------------------------------------------------------------------------

class Perceptron(ClassifierMixin, BaseEstimator):
    """Rosenblatt's perceptron, exactly the algorithm of seed 003.

    ``w = 0``; in each epoch, for each sample with y_i⟨w, x_i⟩ ≤ 0 (a mistake),
    ``w ← w + η y_i x_i``; stop after an epoch without mistakes or after
    ``max_epochs``. Labels are any two classes (mapped to −1, +1); more classes
    train one perceptron per class (one-vs-rest) side by side.

    Parameters
    ----------
    learning_rate : float or callable
        η > 0, or a function ``n -> η(n)`` of the 0-based count n of the samples visited
        (over all epochs), as :func:`~glassnet.classic.train_neuron` and :class:`Adaline` take
        it (``lambda n: 1 / (1 + n)``, or a :mod:`glassnet.schedules` object). From w = 0 a
        constant η only scales the weights; a varying one changes the run, and then weights
        coming back to an earlier epoch's prove no cycle (``separable_`` stays None).
    max_epochs : int
    shuffle : bool
        Visit samples in a new random order each epoch (the seed uses the
        given order).
    random_state : int, np.random.RandomState, np.random.Generator or None

    Attributes
    ----------
    weights_ : ndarray, shape (d + 1,) or (d + 1, n_classes)
        w = (w0, w1, ..., wd), the bias first.
    coef_, intercept_ : ndarray
        The same weights in scikit-learn's layout.
    mistakes_ : list of int
        Mistakes (samples updated) in each epoch; the last is 0 when converged.
    weights_history_ : list of ndarray
        The weights before training and after each epoch, each shaped as ``weights_``.
    converged_ : bool
        An epoch passed without mistakes: the data was separated.
    separable_ : bool or None
        True when separated; False when the weights came back to an earlier
        epoch's value (shuffle=False) — the algorithm cycles and never
        converges, which proves the data is not linearly separable (with 3+
        classes: some class's one-vs-rest problem is not; the warning names
        the classes); None when max_epochs ran out without either.
    n_iter_ : int
        Epochs run (1 after :meth:`partial_fit`).
    t_ : int
        Samples visited since the first call of fit or partial_fit: the n of the next η(n).
        scikit-learn's ``Perceptron.t_`` counts from 1 (a float, this + 1).
    """

    @_named_init
    def __init__(self, learning_rate=1.0, max_epochs=100, shuffle=False, random_state=None):
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.shuffle = shuffle
        self.random_state = random_state

    def _rate(self):
        """(the function η(n), None) or (None, the checked η)."""
        if callable(self.learning_rate):  # η(n), as train_neuron's
            return self.learning_rate, None
        try:
            return None, check_number(self.learning_rate, "learning_rate", low=0, low_open=True)
        except TypeError:
            raise TypeError(f"learning_rate must be a number or a function n -> η(n). Received: "
                            f"learning_rate={self.learning_rate!r:.100}") from None

    def fit(self, X, y):
        """Run the perceptron algorithm on X (n, d) with labels y (n,)."""
        rate_of, eta = self._rate()
        max_epochs = check_positive_int(self.max_epochs, "max_epochs")
        check_bool(self.shuffle, "shuffle")
        # X keeps its dtype and is not copied (MNIST's 60k images: 188 MB in float32); each
        # block of rows is multiplied in float64
        X = check_X(X, "Perceptron", dtype=None, fitted=self)
        self.classes_, y_idx = check_classification_y(y, "Perceptron", X.shape)
        self.n_features_in_ = X.shape[1]
        Y = encode_bipolar_targets(y_idx, len(self.classes_))
        Wt = np.zeros((Y.shape[1], X.shape[1] + 1))  # one perceptron per row: (w0, w1, ..., wd)
        rng = random_state_rng(self.random_state)
        seen = {Wt.tobytes(): 0}
        # each epoch's weights shaped as weights_: (d + 1,) for two classes, (d + 1, k) for more
        shaped = (lambda Wt: Wt[0].copy()) if len(Wt) == 1 else (lambda Wt: Wt.T.copy())
        self.mistakes_, self.weights_history_ = [], [shaped(Wt)]
        self.converged_, self.separable_ = False, None
        # From w = 0, the weights after any updates are η times those of η = 1, and the test
        # y⟨w, x⟩ ≤ 0 does not see η: train with η = 1, whose sums of integer data (the gates'
        # 0/1 and ±1) are exact, and scale. (With η = 0.1, AND's (1, 0) got ⟨w, x⟩ = −2.8e-17
        # instead of 0, passed as correct, and the run stopped 5 epochs early.) A function η(n) is used as it is.
        scale = 1.0 if rate_of is not None else eta
        rows_size, sizes = _row_sizes(X), np.zeros(len(Wt))
        rows_rounding = 16 * np.finfo(np.float64).eps * rows_size
        eta_max = eta if rate_of is None else 0.0  # a function's largest η(n), for the overflow check
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked below
            for epoch in range(1, max_epochs + 1):
                order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
                etas = 1.0 if rate_of is None else _rates(rate_of, (epoch - 1) * len(X), len(X))
                eta_max = eta_max if rate_of is None else max(eta_max, etas.max())
                mistakes, own = _perceptron_epoch(X, Y, Wt, order, etas, rows_size, rows_rounding, sizes)
                self.mistakes_.append(mistakes)
                self.weights_history_.append(shaped(scale * Wt))
                if mistakes == 0:
                    self.converged_ = self.separable_ = True
                    break
                key = Wt.tobytes()
                if not self.shuffle and rate_of is None and key in seen:
                    self.separable_ = False
                    break
                seen[key] = epoch
        self.n_iter_, self.t_ = epoch, epoch * len(X)  # t_: the samples visited, n of partial_fit's next η(n)
        with np.errstate(over="ignore", invalid="ignore"):
            Wt *= scale
            self._sizes = scale * sizes  # the weights' rounding bound, which partial_fit goes on from
        self._set_weights(Wt.T)
        self._refuse_overflow(X, Wt, eta_max)
        if not self.converged_:
            # With 3+ classes, each class has its own perceptron (that class against all the
            # others); the classes still making mistakes are what is not separated. Three
            # classes in a row on one axis are separable by the largest net, yet the middle
            # one is not separable from the two others by one hyperplane.
            what = "the data is"
            if len(Wt) > 1:
                stuck = [repr(c.item() if hasattr(c, "item") else c) for c in self.classes_[own > 0]]
                named = stuck[0] if len(stuck) == 1 else ", ".join(stuck[:-1]) + " and " + stuck[-1]
                what = (f"the one-vs-rest problem of class {named} (against all the other classes) is" if len(stuck) == 1
                        else f"the one-vs-rest problems of classes {named} (each against all the other classes) are")
            if self.separable_ is False:
                why = (
                    f"the weights after epoch {epoch} equal those after epoch {seen[key]}, so the "
                    f"algorithm cycles forever: {what} not linearly separable"
                )
            else:
                why = (
                    f"no separating hyperplane was found; {what} probably not linearly "
                    "separable (or needs more epochs)"
                )
            warnings.warn(
                f"Perceptron did not converge after {epoch} epoch(s) (max_epochs={max_epochs}): {why}. "
                f"Mistakes in the last epoch: {self.mistakes_[-1]}.",
                NotSeparableWarning,
                stacklevel=user_stacklevel(also=("sklearn",)),  # (fit, or scikit-learn's fit of a Pipeline)
            )
        return self

    def _refuse_overflow(self, X, Wt, eta):
        """A ValueError where some ⟨w, (1, x)⟩ overflows; ``eta`` the largest η used (a function's largest η(n))."""
        with np.errstate(over="ignore", invalid="ignore"):
            overflow = not all(  # (converged too: η·w may overflow where w did not)
                np.isfinite(X[i : i + 4096] @ Wt[:, 1:].T + Wt[:, 0]).all() for i in range(0, len(X), 4096)
            )
        if overflow:
            largest = max(float(X.max()), -float(X.min()))  # |x|'s largest, without an |X| copy (float: bool has no −)
            eta = float(eta)  # (a Python float's product overflows to inf quietly)
            if largest < 1e150 < largest * eta and callable(self.learning_rate):  # the step η·x, not x, is huge
                raise ValueError(f"learning_rate={self.learning_rate!r:.80} is too large: it gave η(n) up to {eta:g}, "
                                 "and the weights w += η(n)·t·x overflow float64. Use a function of smaller values.")
            if largest < 1e150 < largest * eta:
                raise ValueError(f"learning_rate={eta!r} is too large: the weights w += η·t·x overflow float64. "
                                 "The perceptron's result does not depend on η when w starts at 0; use 1.")
            raise too_large_error(X, "the perceptron: the products ⟨w, x⟩")

    @staticmethod
    def _partial_fit_data(estimator, X, y, classes):
        """scikit-learn's partial_fit checks, in its words (Adaline's too): ``classes``, all the labels, at the
        first call (the same or None later); X of ``n_features_in_`` columns after it; y of those labels only
        (a chunk may hold one class). Returns X, y's indices into the classes, and the classes."""
        name = type(estimator).__name__
        first = not hasattr(estimator, "classes_")
        if classes is None and first:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            given = np.asarray(classes)
            values = list(classes) if isinstance(classes, (list, tuple)) else given.ravel().tolist()  # (as given)
            texts = {isinstance(c, (str, bytes)) for c in values}
            missing = any(c is None or isinstance(c, (float, np.floating)) and np.isnan(c) for c in values)
            if given.ndim == 1 and (len(texts) > 1 or missing):
                raise ValueError(f"classes must be labels of one type, without None or NaN (scikit-learn refuses a "
                                 f"mix of label input types). Received: classes={values!r:.100}")
            classes = np.unique(given)
            if given.ndim != 1 or len(classes) < 2:
                raise ValueError(f"classes must be a 1-D array of at least 2 class labels, all those y may hold. "
                                 f"Received: classes={given.tolist()!r:.100}")
            if not first and not np.array_equal(classes, estimator.classes_):
                raise ValueError(f"`classes={classes!r}` is not the same as on last call to partial_fit, was: "
                                 f"{estimator.classes_!r}")
        known = classes if first else estimator.classes_
        X = check_X(X, name, dtype=None, fitted=estimator if first else None, estimator=None if first else estimator,
                    reset_features=None if first else estimator.n_features_in_)
        y = np.asarray(y)
        y = y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y
        if y.shape != (len(X),):
            raise ValueError(f"y must be a 1-D array of {len(X)} class labels, one per row of X. Received shape {y.shape}.")
        unknown = ~np.isin(y, known)
        if unknown.any():
            raise ValueError(f"y contains labels not in classes: {np.unique(y[unknown])[:5].tolist()}. classes "
                             f"(given at the first call to partial_fit) should include all valid labels that can be "
                             f"in y: {known.tolist()}.")
        return X, np.searchsorted(known, y), known

    def partial_fit(self, X, y, classes=None):
        """One epoch of the perceptron rule over X (n, d) with labels y (n,), from the current weights
        (0 at the first call; fit's after fit), as scikit-learn's ``Perceptron.partial_fit``: learning
        from a stream of chunks. ``classes`` (all the labels) is required on the first call.

        Samples are visited in X's order (a new random one with shuffle=True, as scikit-learn's), and
        a function η(n) goes on counting n across calls (``t_``), so calls over consecutive chunks give
        the weights of one epoch over them all. ``mistakes_``, ``weights_history_``, ``converged_``
        (no mistake in this call) and ``separable_`` describe this call; no NotSeparableWarning.
        """
        rate_of, eta = self._rate()
        check_bool(self.shuffle, "shuffle")
        first = not hasattr(self, "classes_")
        X, y_idx, classes = self._partial_fit_data(self, X, y, classes)
        Y = encode_bipolar_targets(y_idx, len(classes))
        Wt = np.zeros((Y.shape[1], X.shape[1] + 1)) if first else np.array(self.weights_.T, ndmin=2)
        sizes = getattr(self, "_sizes", None)
        sizes = np.linalg.norm(Wt, axis=1) if first or sizes is None else sizes.copy()
        t = 0 if first else getattr(self, "t_", 0)
        order = random_state_rng(self.random_state).permutation(len(X)) if self.shuffle else np.arange(len(X))
        etas = eta if rate_of is None else _rates(rate_of, t, len(X))
        rows_size = _row_sizes(X)
        before = Wt.copy()
        with np.errstate(over="ignore", invalid="ignore"):
            mistakes, _ = _perceptron_epoch(X, Y, Wt, order, etas, rows_size, 16 * np.finfo(np.float64).eps * rows_size,
                                            sizes)
        self._refuse_overflow(X, Wt, eta if rate_of is None else etas.max())  # (before any attribute changes)
        shaped = (lambda Wt: Wt[0].copy()) if len(Wt) == 1 else (lambda Wt: Wt.T.copy())
        self.classes_, self.n_features_in_, self._sizes = classes, X.shape[1], sizes
        self._set_weights(Wt.T)
        self.mistakes_, self.weights_history_ = [mistakes], [shaped(before), shaped(Wt)]
        self.converged_, self.separable_ = mistakes == 0, (True if mistakes == 0 else None)
        self.n_iter_, self.t_ = 1, t + len(X)
        return self

    def _set_weights(self, W):
        self.weights_ = W[:, 0].copy() if W.shape[1] == 1 else W.copy()
        self.coef_ = W[1:].T.copy()
        self.intercept_ = W[0].copy()

    def decision_function(self, X):
        """net = ⟨w, (1, x)⟩: shape (n,) for two classes, (n, n_classes) otherwise."""
        check_is_fitted(self, "weights_")
        X = check_X(X, "Perceptron", reset_features=self.n_features_in_, estimator=self)
        net = net_input(X, self.coef_.T, self.intercept_)
        return net[:, 0] if net.shape[1] == 1 else net

    def predict(self, X):
        """sgn(net) (sgn(0) = +1) for two classes; the largest net for more."""
        net = self.decision_function(X)
        if net.ndim == 1:
            positive = activations.get("sign").forward(net) > 0
            return self.classes_[positive.astype(int)]
        return self.classes_[np.argmax(net, axis=1)]
