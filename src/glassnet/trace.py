"""One training step shown in the lectures' notation: "show your work" (SPEC A10).

The lectures walk backpropagation through a small network in two passes:
the forward pass (the "blue path") computes every activation, the backward
pass (the "red path") carries the error back, layer by layer::

    a^(1) = x
    z^(l+1) = a^(l) W^(l) + b^(l),          a^(l+1) = g(z^(l+1))
    δ^(L) = ∂J/∂a^(L) ⊙ g'(z^(L))           (a^(L) − y with softmax/sigmoid + cross-entropy)
    δ^(l) = (δ^(l+1) W^(l)ᵀ) ⊙ g'(z^(l))
    ∂J/∂W^(l) = a^(l)ᵀ δ^(l+1),             ∂J/∂b^(l) = Σ_rows δ^(l+1)
    ΔW^(l) = W^(l)_new − W^(l)               (plain SGD: ΔW = −η ∂J/∂W)

A layer without ``W`` and ``g`` (Dropout, BatchNormalization, Rescaling, Flatten, ...)
passes the gradient through by its own rule, ``∂J/∂a^(l)`` from ``∂J/∂a^(l+1)``
(Dropout: ``m ⊙ ∂J/∂a^(l+1) / (1 − p)``); the backward table shows a row for it too.

Layer ``l`` of the model (counting every layer, from 1) maps ``a^(l)`` to
``a^(l+1)``, so its weights are ``W^(l)`` as in the lectures (seed 002:
``z^(2) = Θ^(1) a^(1)``). Arrays are batch-first (one row per example, so
``W`` is ``(n_in, units)``, the transpose of the lectures' ``Θ``), and
``δ = ∂J/∂z`` of the *batch* loss ``J = (1/n) Σ_i J_i``: for one example it is
the lectures' δ, for n examples each row is that example's δ divided by n.
Seed 000 writes the delta rule with the opposite sign,
``δ = [t − f(net)] f'(net)`` and ``Δw = +η δ x``; that δ is ``−δ`` here.

>>> import numpy as np
>>> from glassnet.models import Sequential
>>> from glassnet.layers import Dense
>>> model = Sequential([Dense(2, "sigmoid", input_dim=2), Dense(1, "sigmoid")], dtype="float64")
>>> model.compile(optimizer="sgd", loss="squared_error")
>>> t = trace(model, np.array([[0.05, 0.10]]), np.array([[0.01]]))
>>> [layer.name for layer in t.layers]
['dense', 'dense_1']
"""

import math
from dataclasses import dataclass, field

import numpy as np

from . import backend
from ._validation import _as_array
from .activations import LogSoftmax
from .layers.activity import ActivityRegularization
from .losses import BinaryCrossentropy, output_delta

__all__ = ["trace", "Trace", "LayerTrace", "format_table", "WORKED_EXAMPLE", "worked_example_model"]

#: The classic worked backpropagation example (Matt Mazur's; not in the seeds): a 2-2-1 network, one example
#: x = (0.05, 0.10) with target t = 0.01, E = ½(t − y)², one SGD step of η = 0.5.
#: Weights as glassnet stores them: W^(1) (2, 2), b^(1), W^(2) (2, 1), b^(2).
WORKED_EXAMPLE = {
    "x": [0.05, 0.10],
    "y": 0.01,
    "learning_rate": 0.5,
    "weights": {"W1": [[0.15, 0.25], [0.20, 0.30]], "b1": [0.35, 0.35], "W2": [[0.40], [0.45]], "b2": [0.60]},
}


def worked_example_model(activation="sigmoid", learning_rate=0.5, weights=None):
    """The worked example's 2-2-1 network (float64, loss ``squared_error``, SGD),
    with :data:`WORKED_EXAMPLE`'s weights unless ``weights`` (a list of the four
    arrays) is given. ``glassnet explain`` and the playground's backprop page trace it."""
    from .layers import Dense
    from .models import Sequential
    from .optimizers import SGD

    model = Sequential([Dense(2, activation, input_dim=2), Dense(1, activation)], dtype="float64", name="2-2-1")
    model.compile(optimizer=SGD(learning_rate=learning_rate), loss="squared_error")
    model.build()
    if weights is None:
        weights = [np.array(w, dtype=np.float64) for w in WORKED_EXAMPLE["weights"].values()]
    model.set_weights(weights)
    return model

# How parameters are written in the tables: W^(l), b^(l), γ^(l), β^(l).
_SYMBOLS = {"W": "W", "b": "b", "gamma": "γ", "beta": "β", "embeddings": "E"}


@dataclass
class LayerTrace:
    """What one layer ``l`` computed in the step.

    Attributes
    ----------
    index : int
        ``l``: the layer's position in the model, from 1.
    name, kind : str
        The layer's name and class (``"Dense"``, ``"Activation"``, ...).
    activation : str or None
        Name of ``g`` for Dense and Activation layers.
    a_in : ndarray, shape (n, n_in)
        ``a^(l)``, the layer's input (``x`` for the first layer).
    z : ndarray or None, shape (n, units)
        ``z^(l+1)``, the input of ``g`` (None for layers without one).
    a : ndarray, shape (n, units)
        ``a^(l+1)``, the layer's output.
    g_prime : ndarray or None
        ``g'(z^(l+1))`` elementwise (for softmax the diagonal of its Jacobian).
    dJ_da : ndarray or None
        ``∂J/∂a^(l+1)``, the gradient arriving at the output (None when the
        loss is fused with the output activation).
    delta : ndarray or None
        ``δ^(l+1) = ∂J/∂z^(l+1)``.
    delta_rule : str
        How ``δ^(l+1)`` was obtained, in the lectures' notation; for a layer that
        passes the gradient through (below), how ``∂J/∂a^(l)`` was.
    dJ_da_in : ndarray or None
        ``∂J/∂a^(l)``, the gradient a layer without ``W`` and ``g`` (Dropout,
        GaussianDropout, GaussianNoise, BatchNormalization, LayerNormalization,
        RMSNormalization, GroupNormalization, Normalization, Rescaling, Flatten, Reshape,
        Permute, GlobalAveragePooling1D, GlobalMaxPooling1D) passes back to its input, from ``dJ_da``
        by ``delta_rule``. None for Dense and Activation layers (their row ends in
        ``δ``) and for layers the red path does not reach (those before the first
        layer with weights).
    backward_terms : dict of str -> ndarray
        The arrays ``delta_rule`` names, under their symbols: Dropout's keep mask
        ``"m"``, GaussianDropout's noise ``"m"``, Rescaling's ``"s"``, Normalization's
        ``"σ"``; for batch, layer and group normalization ``"x̂"``, ``"γ"``, ``"σ² + ε"``,
        ``"mean(g)"`` and ``"mean(g ⊙ x̂)"`` with ``g = γ ⊙ ∂J/∂a^(l+1)`` (for group normalization
        per example and group, shape ``(n, G)``); for RMS normalization ``"x̂"``, ``"s"``,
        ``"r"`` (``1/rms``) and ``"mean(g ⊙ x̂)"`` with ``g = s ⊙ ∂J/∂a^(l+1)``.
    params, grads, updates : dict of str -> ndarray
        The layer's trainable arrays before the step, ``∂J/∂θ`` and the
        update ``Δθ`` one optimizer step makes (the layer's constraints, such as
        ``kernel_constraint``, applied after it, as in ``fit``), under the same keys
        (``"W"``, ``"b"``; ``"gamma"``, ``"beta"`` for batch normalization).
    regularizers, penalty_grads : dict of str -> object, ndarray
        For each array with a weight penalty ``R`` (``kernel_regularizer``,
        ``bias_regularizer``, ``gamma_regularizer``, ``beta_regularizer``): ``R`` and ``∂R/∂θ``, which ``grads`` includes
        (``∂J/∂W^(l) = a^(l)ᵀ δ^(l+1) + ∂R/∂W^(l)``).
    activity_regularizer : str or None
        The layer's ``activity_regularizer`` (its repr): ``R(a)/n`` of its output is in ``J``.
    constraints : dict of str -> object
        For each array with a constraint: the projection applied after the update,
        which ``updates`` includes.
    frozen : bool
        The layer has weights and ``trainable=False``, or its model has (a layer of a frozen
        model is frozen, as Keras 3, whatever its own flag): its ``Δθ`` is 0 whatever
        ``∂J/∂θ``, which holds no weight penalty (none is in the loss).
    frozen_by_model : bool
        ``frozen`` by the model's ``trainable=False`` while the layer's own flag is True.
    """

    index: int
    name: str
    kind: str
    activation: str | None
    a_in: np.ndarray
    z: np.ndarray | None
    a: np.ndarray
    g_prime: np.ndarray | None = None
    dJ_da: np.ndarray | None = None
    delta: np.ndarray | None = None
    delta_rule: str = ""
    params: dict = field(default_factory=dict)
    grads: dict = field(default_factory=dict)
    updates: dict = field(default_factory=dict)
    regularizers: dict = field(default_factory=dict)
    activity_regularizer: str | None = None
    penalty_grads: dict = field(default_factory=dict)
    constraints: dict = field(default_factory=dict)
    frozen: bool = False
    frozen_by_model: bool = False
    dJ_da_in: np.ndarray | None = None
    backward_terms: dict = field(default_factory=dict)

    @property
    def in_red_path(self):
        """Whether the backward table has a row for this layer."""
        return self.delta is not None or self.dJ_da_in is not None or self._looks_up_ids

    @property
    def _looks_up_ids(self):  # an Embedding, or a SpectralNormalization of one: its rule ends in ∂J/∂E
        return "embeddings" in self.params

    def symbol(self, key):
        """``"W^(2)"`` for key ``"W"`` of layer 2."""
        return f"{_SYMBOLS.get(key, key)}^({self.index})"


@dataclass
class Trace:
    """Everything one training step computes, layer by layer.

    Attributes
    ----------
    x, y, output : ndarray
        The batch, its targets (in the loss's form) and ``a^(L)``.
    loss : float
        ``J`` on the batch (with weight and activity penalties, as the optimizer sees it).
    penalty : float
        The weight penalties ``Σ R(θ)`` and ActivityRegularization's ``R(a)/n`` that ``loss``
        includes (0 without regularizers).
    layers : list of LayerTrace
        In forward order; the backward pass visits them in reverse.
    loss_name, optimizer, model_name : str
    learning_rate : float
        η of this step.
    finite : bool
        False when the loss, a gradient or the updated weights were NaN/inf: then, as
        in ``fit``, no update is made (nor the optimizer's state changed) and ``updates``
        hold zeros.
    applied : bool
        Whether the update was applied to the model (``apply=True``).
    reduction : str
        The loss's reduction (Keras's): the batch loss is ``Σ_i w_i J_i / d``.
    accumulating : int
        ``k`` when the optimizer accumulates gradients (``gradient_accumulation_steps=k``)
        and this step only adds ``∂J/∂θ`` to their sum: its ``Δθ`` is 0. Else 0.
    """

    x: np.ndarray
    y: np.ndarray
    output: np.ndarray
    loss: float
    layers: list
    loss_name: str
    optimizer: str
    model_name: str
    learning_rate: float
    finite: bool
    applied: bool
    #: the loss's Keras reduction: what δ is divided by (n, 1 for "sum", Σw for "mean_with_sample_weight")
    reduction: str = "sum_over_batch_size"
    penalty: float = 0.0
    #: the examples' weights w_i, or None (then each row of δ carries its w_i)
    sample_weight: np.ndarray | None = None
    #: the optimizer's gradient_accumulation_steps k when this step only adds ∂J/∂θ to its sum
    #: (Δθ = 0; every k-th step applies the mean), else 0
    accumulating: int = 0

    @property
    def weighted(self):
        return self.sample_weight is not None

    @property
    def n_samples(self):
        return int(self.x.shape[0])

    # -- plain data ---------------------------------------------------------
    def to_dict(self):
        """The trace as plain Python data (lists, floats, str; NaN/inf as None),
        ready for ``json.dumps``. Layers are listed in forward order;
        ``backward_order`` gives the indices the red path visits."""
        return {
            "model": self.model_name,
            "loss_name": self.loss_name,
            "optimizer": self.optimizer,
            "learning_rate": _plain(self.learning_rate),
            "n_samples": self.n_samples,
            "x": _plain(self.x),
            "y": _plain(self.y),
            "output": _plain(self.output),
            "loss": _plain(self.loss),
            "penalty": _plain(self.penalty),
            "sample_weight": _plain(self.sample_weight),
            "finite": self.finite,
            "applied": self.applied,
            "accumulating": self.accumulating,
            "forward_order": [layer.index for layer in self.layers],
            "backward_order": [layer.index for layer in reversed(self.layers) if layer.in_red_path],
            "layers": [
                {
                    "index": layer.index,
                    "name": layer.name,
                    "type": layer.kind,
                    "activation": layer.activation,
                    "a_in": _plain(layer.a_in),
                    "z": _plain(layer.z),
                    "a": _plain(layer.a),
                    "g_prime": _plain(layer.g_prime),
                    "dJ_da": _plain(layer.dJ_da),
                    "delta": _plain(layer.delta),
                    "delta_rule": layer.delta_rule,
                    "dJ_da_in": _plain(layer.dJ_da_in),
                    "backward_terms": {k: _plain(v) for k, v in layer.backward_terms.items()},
                    "params": {k: _plain(v) for k, v in layer.params.items()},
                    "grads": {k: _plain(v) for k, v in layer.grads.items()},
                    "updates": {k: _plain(v) for k, v in layer.updates.items()},
                    "regularizers": {k: repr(v) for k, v in layer.regularizers.items()},
                    "penalty_grads": {k: _plain(v) for k, v in layer.penalty_grads.items()},
                    "constraints": {k: repr(v) for k, v in layer.constraints.items()},
                    "frozen": layer.frozen,
                    "frozen_by_model": layer.frozen_by_model,
                }
                for layer in self.layers
            ],
        }

    # -- tables ---------------------------------------------------------------
    def tables(self):
        """``[(title, header, rows), ...]``: the forward pass, the backward pass
        and the update, each row a list of cells (str or ndarray)."""
        L = len(self.layers) + 1
        row = self._batch_cell
        forward = [[str(l.index), _layer_label(l), row(l.a_in), row(l.z), row(l.a)] for l in self.layers]
        backward = [
            [str(l.index), _layer_label(l), row(l.dJ_da), row(l.g_prime), l.delta_rule, row(l.delta)]
            if l.delta is not None else
            [str(l.index), _layer_label(l), row(l.dJ_da), self._terms_cell(l.backward_terms), l.delta_rule,
             row(l.dJ_da_in)]
            for l in reversed(self.layers)
            if l.in_red_path
        ]
        passing = any(l.dJ_da_in is not None for l in self.layers)  # rows that end in ∂J/∂a^(l), not δ
        update = [
            [str(l.index), l.name, l.symbol(k), l.params[k], l.grads[k], l.updates[k], l.params[k] + l.updates[k]]
            for l in self.layers
            for k in l.params
        ]
        return [
            (
                "Forward pass (blue path): z^(l+1) = a^(l) W^(l) + b^(l), a^(l+1) = g(z^(l+1))",
                ["l", "layer", "a^(l)", "z^(l+1)", "a^(l+1)"],
                forward,
            ),
            (
                f"Backward pass (red path), from the output a^({L}) back to the input",
                ["l", "layer", "∂J/∂a^(l+1)", "g'(z^(l+1))" + (" or the rule's terms" if passing else ""), "rule",
                 "δ^(l+1) = ∂J/∂z^(l+1)" + (" or ∂J/∂a^(l)" if passing else "")],
                backward,
            ),
            (
                f"Gradients ∂J/∂W^(l) = a^(l)ᵀ δ^(l+1), ∂J/∂b^(l) = Σ δ^(l+1) and the updates "
                f"ΔW^(l), Δb^(l) of one {self.optimizer} step",
                ["l", "layer", "θ", "θ (before)", "∂J/∂θ", "Δθ", "θ + Δθ"],
                update,
            ),
        ]

    def backward_notes(self):
        """Lines under the backward table: the layers the red path does not reach
        (layers without weights before the first layer that has some)."""
        first = next((l.index for l in self.layers if l.params), None)
        skipped = [l for l in self.layers if first is not None and l.index < first]
        if not skipped:
            return []
        names = ", ".join(f"{l.index} ({l.name})" for l in skipped)
        return [f"layer{'s' if len(skipped) > 1 else ''} {names} come{'' if len(skipped) > 1 else 's'} before the "
                f"first layer with weights (layer {first}): the red path stops there, no weight below it needs "
                f"∂J/∂a^({first})"]

    def notes(self):
        """Lines under the update table for the arrays whose ``∂J/∂θ`` is not only
        ``a^(l)ᵀ δ^(l+1)`` (a weight penalty) or whose ``Δθ`` is not only the
        optimizer's step (a constraint)."""
        out = []
        if self.accumulating and self.finite:
            k = self.accumulating
            out.append(f"the optimizer accumulates gradients (gradient_accumulation_steps={k}): this step adds "
                       f"∂J/∂θ to their sum and makes no update (Δθ = 0); one step in {k} applies the mean of "
                       f"the last {k} gradients")
        for l in self.layers:
            if l.kind == "BatchNormalization" and self.n_samples == 1 and not l.frozen:
                out.append(f"layer {l.index} ({l.name}) normalizes over the batch, here 1 example: x̂ = 0, so its "
                           "output is β and ∂J/∂γ = 0; trace a few examples to see it work")
            if l.frozen:
                flag = "the model's trainable=False" if l.frozen_by_model else "trainable=False"
                out.append(f"layer {l.index} ({l.name}) is frozen ({flag}): its Δθ is 0; ∂J/∂θ shows "
                           "what it would receive (it still passes the gradient back to the layers below)")
            for k, R in l.regularizers.items():
                theta = l.symbol(k)
                part = (f"a^({l.index})ᵀ δ^({l.index + 1})" if k == "W" else
                        f"(Σ ∂J/∂a^({l.index + 1}) at the positions of each id)" if l._looks_up_ids else
                        f"Σ δ^({l.index + 1})")
                out.append(f"{theta}: ∂J/∂{theta} = {part} + ∂R/∂{theta}, R = {R!r}; "
                           f"R = {_fmt(R(l.params[k]))}, ∂R/∂{theta} = {_inline(l.penalty_grads[k])}")
            for k, c in l.constraints.items():
                theta = l.symbol(k)
                out.append(f"{theta}: Δ{theta} includes the constraint {c!r}, applied to {theta} after the step")
        return out

    def _batch_cell(self, value):
        """A per-example array as a table cell: for one example, its vector."""
        if value is None:
            return ""
        return value[0] if self.n_samples == 1 else value

    def _terms_cell(self, terms):
        """A pass-through row's ``backward_terms`` as one cell, ``symbol = value`` each;
        per-example arrays (batch-first, 2-D or more) as :meth:`_batch_cell` shows them."""
        return _Terms((k, self._batch_cell(v) if np.ndim(v) >= 2 else v) for k, v in terms.items())

    def _tables_with_notes(self):
        """:meth:`tables`, each with the lines printed under it."""
        notes = [[], self.backward_notes(), self.notes()]
        return [(*table, lines) for table, lines in zip(self.tables(), notes, strict=True)]

    def _summary_lines(self):
        n = self.n_samples
        # outputs (n, m, k): the loss is a mean over the n·m positions, each a row of k
        m = int(np.prod(np.shape(self.output)[1:-1])) if np.ndim(self.output) > 2 else 1
        count, over = ("n", "") if m == 1 else ("(n·m)", f" over the n·m = {n * m} positions")
        if self.weighted:  # each row of δ is also multiplied by its example's weight w_i
            divisor = {"sum": "δ of the weighted summed loss Σ w_i J_i: row i times w_i, without 1/n",
                       "mean_with_sample_weight": "δ includes the w_i/Σw of the weighted mean loss"}.get(
                self.reduction, "δ includes the w_i/n of the weighted mean loss Σ w_i J_i / n" if m == 1
                else f"δ includes the w_i/{count} of the weighted mean loss{over}")
        else:
            divisor = {"sum": "δ of the summed loss, without 1/n",
                       "mean_with_sample_weight": "δ includes the 1/Σw of the weighted mean loss"}.get(
                self.reduction, f"δ includes the 1/{count} of the mean loss{over}")
        batch = f"a batch of {n} examples (rows; {divisor})"
        if n == 1:
            batch = f"1 example (weight {_fmt(self.sample_weight[0])}; δ includes it)" if self.weighted else "1 example"
        L = len(self.layers) + 1
        state = "applied to the model" if self.applied else "not applied (trace(..., apply=True) applies it)"
        if not self.finite:
            state = "not made: the loss, a gradient or the update is NaN/inf (as fit, the weights are kept)"
        J = _fmt(self.loss)
        if self.penalty:
            weights = any(layer.regularizers for layer in self.layers)
            activities = any(layer.activity_regularizer for layer in self.layers)
            what = ("weight and activity penalties Σ R(θ) + Σ R(a)/n" if weights and activities else
                    "activity penalties Σ R(a)/n" if activities else "weight penalties Σ R(θ)")
            J += f" = {_fmt(self.loss - self.penalty)} + {_fmt(self.penalty)} ({what})"
        return [
            f"Trace of one training step of {self.model_name!r} on {batch}",
            f"loss: {self.loss_name}, J = {J}; optimizer: {self.optimizer}, η = {_fmt(self.learning_rate)}",
            f"a^(1) = x = {_inline(self._batch_cell(self.x))};  ŷ = a^({L}) = {_inline(self._batch_cell(self.output))};"
            f"  y = {_inline(self._batch_cell(self.y))}",
            f"update: {state}",
        ]

    def to_markdown(self):
        """The trace as Markdown: a summary and the three tables."""
        parts = ["\n\n".join(self._summary_lines())]
        for title, header, rows, notes in self._tables_with_notes():
            parts.append(f"**{title}**\n\n" + format_table(header, rows, markdown=True))
            if notes:
                parts.append("\n".join(f"* {line}" for line in notes))
        return "\n\n".join(parts) + "\n"

    def __str__(self):
        parts = ["\n".join(self._summary_lines())]
        for title, header, rows, notes in self._tables_with_notes():
            parts.append(f"{title}\n" + format_table(header, rows))
            if notes:
                parts[-1] += "\n" + "\n".join(notes)
        return "\n\n".join(parts)


# --- formatting -----------------------------------------------------------------------

def _fmt(value):
    return f"{float(value) + 0.0:.6g}"  # + 0.0: a dropped or clipped negative value prints 0, not -0


class _Terms(tuple):
    """A cell of labelled arrays, ``((symbol, value), ...)``: printed ``symbol = value``
    one under the other (in Markdown, on one line, separated by ``;``)."""


def _lines(value):
    """A cell as lines of text: vectors on one line, matrices one row per line,
    large arrays summarized with '...'."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, _Terms):
        out = []
        for symbol, array in value:
            prefix = f"{symbol} = "
            first, *rest = _lines(array)
            out += [prefix + first] + [" " * len(prefix) + line for line in rest]
        return out or [""]
    text = np.array2string(
        np.asarray(value), separator=", ", threshold=48, edgeitems=3, max_line_width=10**6,
        formatter={"float_kind": _fmt, "int": str},
    )
    return [line.rstrip() for line in text.splitlines()]


def _inline(value):
    if isinstance(value, _Terms):
        return "; ".join(f"{symbol} = {_inline(array)}" for symbol, array in value)
    return " ".join(line.strip() for line in _lines(value) if line.strip())  # NumPy parts 3-D blocks by blank lines


def format_table(header, rows, markdown=False):
    """Lay out ``rows`` (lists of str or arrays) under ``header`` as an aligned
    text table (matrices span several lines) or as a Markdown table."""
    if isinstance(header, str) or not isinstance(header, (list, tuple)) or \
            not all(isinstance(h, str) for h in header):
        raise TypeError(f"header must be a list of column names (str). Received: header={header!r:.100}")
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise TypeError(f"rows must be a list of rows. Received: rows={rows!r:.100}")
    for i, row in enumerate(rows):
        if isinstance(row, str) or not hasattr(row, "__len__") or len(row) != len(header):
            got = f"{len(row)} value(s)" if hasattr(row, "__len__") and not isinstance(row, str) else repr(row)
            raise ValueError(f"rows[{i}] must hold one value per header column ({len(header)}). Received {got:.100}.")
    if markdown:
        esc = lambda s: s.replace("|", "\\|")
        out = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(esc(_inline(c)) for c in row) + " |" for row in rows]
        return "\n".join(out)
    cells = [[_lines(c) for c in row] for row in rows]
    widths = [max([len(h)] + [max(len(s) for s in row[j]) for row in cells]) for j, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    for row in cells:
        height = max(len(c) for c in row)
        for k in range(height):
            out.append("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(out)


def _layer_label(layer):
    return f"{layer.name} ({layer.activation})" if layer.activation else layer.name


def _plain(value):
    """NumPy data as JSON-able Python data (non-finite floats become None)."""
    if value is None:
        return None
    a = np.asarray(value)
    if a.ndim == 0:
        v = a.item()
        return v if not isinstance(v, float) or math.isfinite(v) else None
    if np.issubdtype(a.dtype, np.floating) and not np.isfinite(a).all():
        return [_plain(v) for v in a]
    return a.tolist()


# --- the step -------------------------------------------------------------------------

def _as_batch(x, y):
    """One example given as 1-D ``x`` becomes a batch of one, and so does its target: a label
    or a row of outputs (0-D or 1-D; a 1-D sample's outputs are a row). A 2-D ``y`` is already
    a batch (``y[:1]``) and is kept. What is no array (None, a ragged list, sparse data, a
    generator) is refused naming its argument, as ``fit`` refuses it."""
    X = _as_array(x, "x")
    if X.ndim == 1:
        X = X[None, :]
        Y = _as_array(y, "y")
        y = Y.reshape(1) if Y.ndim == 0 else Y[None, :] if Y.ndim == 1 else Y
    return X, y


def _save_side_effects(model):
    """Copies of what a training-mode forward pass changes: batch-norm running statistics,
    dropout random generators, and a SpectralNormalization's ``u`` and kernel (normalized in
    place before its Dense runs: the trace's θ (before) is that kernel)."""
    saved = []
    for layer in model.layers:
        state = {k: backend.copy(v) for k, v in layer.state.items()}
        if hasattr(layer, "normalize_kernel"):
            state[layer.kernel_name] = backend.copy(layer.params[layer.kernel_name])
        rng = getattr(layer, "rng", None)
        rng_state = rng.bit_generator.state if isinstance(rng, np.random.Generator) else None
        saved.append((layer, state, rng_state))
    return saved


def _restore_side_effects(saved):
    for layer, state, rng_state in saved:
        for k, v in state.items():
            (layer.params if k in layer.params else layer.state)[k][...] = v
        if rng_state is not None:
            layer.rng.bit_generator.state = rng_state


def _red_path(model, Y, A, w):
    """The backward pass of :meth:`Sequential.backward`, layer by layer, keeping
    each layer's ``∂J/∂a`` and ``δ``; the layers fill the flat gradient.

    Returns ``{position: (dJ_da, delta, rule, dJ_da_in, terms)}`` for the layers it
    visits: a layer with an activation has a ``delta``, a layer that passes the gradient
    through (Dropout, BatchNormalization, ...) ``dJ_da_in = ∂J/∂a^(l)`` and the arrays
    its rule names instead (:func:`_pass_through`).
    """
    layers, L = model.layers, len(model.layers) + 1
    seen = {}
    last = layers[-1]
    dZ = None
    if hasattr(last, "backward_preactivation") and last.activity_regularizer is None:  # as Sequential._backward
        dZ = output_delta(model.loss, last.activation, Y, A, w)
    if dZ is not None:
        d = last.backward_preactivation(dZ)
        seen[len(layers) - 1] = (None, dZ, _fused_rule(last.activation, model.loss, L, A.shape[-1]), None, {})
    else:
        dA, shown, through = _with_activity(last, model.loss.gradient(Y, A, w), f"∂J/∂a^({L})", L)
        d = last.backward(dA)
        seen[len(layers) - 1] = _row(last, shown, d, through, L - 1)
    for i in range(len(layers) - 2, model._first_trainable - 1, -1):
        through = f"δ^({i + 3}) W^({i + 2})ᵀ" if "W" in layers[i + 1].params else f"∂J/∂a^({i + 2})"
        dA, shown, through = _with_activity(layers[i], d, through, i + 2)
        d = layers[i].backward(dA)
        seen[i] = _row(layers[i], shown, d, f"({through})", i + 1)
    return seen


def _with_activity(layer, dA, through, l):
    """``(dA, shown, through)``: the gradient the layer's backward starts from (``dA`` from above
    plus its activity penalty's gradient ``∂R/∂a^(l) / n``, as :meth:`Sequential.backward`), the
    ``∂J/∂a^(l)`` its row shows and the rule's name for it: the sum, named as one (without it the
    row's δ ≠ ∂J/∂a ⊙ g'(z)), but for ActivityRegularization, whose own rule adds the penalty's."""
    if layer.activity_regularizer is None:
        return dA, dA, through
    full = layer.add_activity_gradient(dA)
    if isinstance(layer, ActivityRegularization):
        return full, dA, through
    return full, full, f"{through} + ∂R(a^({l}))/∂a^({l}) / n"


def _fused_rule(activation, loss, L, K):
    """The rule of an output δ that the loss computes with its activation: seed 002's
    ``a^(L) − y`` with what glassnet's loss adds to it. Log-softmax outputs are
    log-probabilities (``e^a − y``), label smoothing moves ``y``, a logistic of
    steepness λ or a softmax of inverse temperature β multiplies δ, and binary
    cross-entropy, Keras's mean over the K outputs, divides it by K."""
    a = f"exp(a^({L}))" if isinstance(activation, LogSoftmax) else f"a^({L})"
    s = getattr(loss, "label_smoothing", 0)
    rule = f"{a} − ({1 - s:g} y + {s / K:g})" if s else f"{a} − y"
    scale = getattr(activation, "steepness", getattr(activation, "beta", 1))
    if scale != 1:
        rule = f"{scale:g} ({rule})"
    if isinstance(loss, BinaryCrossentropy) and K > 1:
        rule = f"({rule}) / {K}" if scale == 1 else f"{rule} / {K}"
    return f"{rule} ({activation.name} + {loss.name})"


def _row(layer, dA, dX, dJ_da, index):
    """One backward row of layer ``index`` (from 1), which received ``dA`` and returned
    ``dX``: ``δ`` for a layer with an activation, else what it passes through."""
    delta = _delta_of(layer, dX)
    if delta is not None:
        return dA, delta, _through_activation(layer, dJ_da, index + 1, np.ndim(dA)), None, {}
    rule, terms = _pass_through(layer, _np(dA), index)
    return dA, None, rule, _np(dX), terms


def _through_activation(layer, dJ_da, level, ndim):
    """The rule from ``∂J/∂a`` to ``δ``: ``⊙ g'(z)`` for an elementwise activation, the
    Jacobian product for softmax (each output depends on the whole row, or, for a softmax
    along another axis of the ``ndim``-D output, on the whole line along that axis)."""
    activation = getattr(layer, "activation", None)
    if activation is not None and not activation.elementwise:
        axes = activation.other_axes(ndim) if hasattr(activation, "other_axes") else None
        along = "" if axes is None else f", each line along axis {', '.join(map(str, axes))} (not the rows)"
        return f"J_{activation.name}(z^({level}))ᵀ {dJ_da}{along}"
    return f"{dJ_da} ⊙ g'(z^({level}))"


def _pass_through(layer, dY, l):
    """``(rule, terms)`` of a layer without ``W`` and ``g``: how it turns ``dY = ∂J/∂a^(l+1)``
    into ``∂J/∂a^(l)``, in the lectures' notation, and the arrays the rule names."""
    from .layers import (ActivityRegularization, AlphaDropout, Dropout, Embedding, Flatten, GaussianDropout,
                         GaussianNoise, GlobalAveragePooling1D, GlobalMaxPooling1D, GroupNormalization, Identity,
                         LayerNormalization, Normalization, Permute, PReLU, Rescaling, Reshape, RMSNormalization,
                         UnitNormalization)
    from .layers.batchnorm import ScaledNormalization

    out, come = f"∂J/∂a^({l})", f"∂J/∂a^({l + 1})"
    # its input is ids: the rule ends in the table's gradient (a SpectralNormalization's Embedding too)
    if isinstance(getattr(layer, "layer", layer), Embedding):
        return (f"∂J/∂E^({l})[i] = Σ {come}[s] over the positions s where a^({l})[s] = i (a scatter-add); the ids "
                "get no gradient", {})
    if isinstance(layer, GroupNormalization):
        return _group_rule(layer, dY, out, come)
    if isinstance(layer, RMSNormalization):
        g, x_hat = dY * _np(layer.params["scale"]), _np(layer.X_hat)
        return (f"{out} = r ⊙ (g − x̂ ⊙ mean(g ⊙ x̂)), g = s ⊙ {come}, r = 1/√(mean(a^({l})²) + ε), "
                "means over each example's features", {"x̂": x_hat, "s": _np(layer.params["scale"]),
                                                       "r": _np(layer.inv_std),
                                                       "mean(g ⊙ x̂)": (g * x_hat).mean(axis=-1, keepdims=True)})
    if isinstance(layer, ScaledNormalization):
        return _normalization_rule(layer, dY, out, come, isinstance(layer, LayerNormalization))
    if isinstance(layer, (Dropout, GaussianDropout)) and getattr(layer, "mask", None) is None:
        if isinstance(layer, Dropout) and layer.rate:  # below 2⁻¹⁷: drawn as 0
            return f"{out} = {come} (rate={_fmt(layer.rate)} is 0 on the 2⁻¹⁶ grid: identity)", {}
        return f"{out} = {come} (rate 0: identity)", {}
    if isinstance(layer, Dropout):
        mask = _np(layer.mask)
        if np.all((mask == 0) | (mask == mask.dtype.type(layer.scale))):  # the drawn mask, 0 or 1/(1 − p)
            p = 1.0 - 1.0 / layer.scale  # the rate as drawn: a multiple of 2⁻¹⁶
            grid = "" if _fmt(p) == _fmt(layer.rate) else f" (rate={_fmt(layer.rate)} on the 2⁻¹⁶ grid)"
            return f"{out} = m ⊙ {come} / (1 − p), p = {_fmt(p)}{grid}", {"m": (mask != 0).astype(mask.dtype)}
        return f"{out} = m ⊙ {come} (m: the layer's fixed_mask)", {"m": mask}
    if isinstance(layer, GaussianDropout):
        return f"{out} = m ⊙ {come}, m ~ N(1, p/(1 − p)), p = {_fmt(layer.rate)}", {"m": _np(layer.mask)}
    if isinstance(layer, GaussianNoise):
        return f"{out} = {come} (a^({l + 1}) = a^({l}) + ε: passes unchanged)", {}
    if isinstance(layer, Identity) or (isinstance(layer, AlphaDropout) and getattr(layer, "mask", None) is None):
        return f"{out} = {come} (identity)", {}
    if isinstance(layer, AlphaDropout):
        a = _fmt(layer.affine[0])
        return f"{out} = m ⊙ {come}, m = a·k (k: 1 kept, 0 dropped), a = {a}, p = {_fmt(layer.rate)}", {
            "m": _np(layer.mask)}
    if isinstance(layer, ActivityRegularization):
        return (f"{out} = {come} + (l1 · sign(a^({l})) + 2 l2 · a^({l}))/n, l1 = {_fmt(layer.l1)}, "
                f"l2 = {_fmt(layer.l2)} (the activity penalty's gradient)", {})
    if isinstance(layer, PReLU):
        return f"{out} = {come} ⊙ (1 where a^({l}) > 0, α where a^({l}) < 0, 0 at 0)", {"α": _np(layer.params["alpha"])}
    if isinstance(layer, UnitNormalization):
        a = f"a^({l + 1})"
        return (f"{out} = r ⊙ ({come} − {a} ⊙ Σ {come} ⊙ {a}), r = min(1/‖a^({l})‖, 1e12) (r ⊙ {come} where "
                "bounded)", {"r": _np(layer.Z)})
    if isinstance(layer, Rescaling):
        if isinstance(layer.scale, list):
            how = "one s per channel" if np.ndim(layer.scale) == 1 else f"s of shape {np.shape(layer.scale)}, broadcast"
            return f"{out} = s ⊙ {come} ({how})", {"s": np.asarray(layer.scale, dtype=dY.dtype)}
        return f"{out} = s · {come}, s = {_fmt(layer.scale)}", {"s": np.asarray(layer.scale, dtype=dY.dtype)}
    if isinstance(layer, Normalization):
        sigma = _np(layer._statistics()[1])
        how = f"σ ⊙ {come}" if layer.invert else f"{come} / σ"
        return f"{out} = {how}, σ = max(√variance, 1e-7) (fixed)", {"σ": sigma}
    if isinstance(layer, Flatten):
        shape = ", ".join(["n", *map(str, layer.in_shape[1:])])
        moved = " (channels moved back to axis 1)" if layer._channels_moved(len(layer.in_shape)) else ""
        return f"{out} = {come} reshaped to a^({l})'s ({shape}){moved}", {}
    if isinstance(layer, Reshape):
        shape = ", ".join(["n", *map(str, layer.in_shape[1:])])
        return f"{out} = {come} reshaped to a^({l})'s ({shape})", {}
    if isinstance(layer, Permute):
        return f"{out} = {come} with its axes put back (transposed by {layer.inverse()})", {}
    if isinstance(layer, GlobalAveragePooling1D):
        steps = layer.in_shape[layer.steps_axis]
        return (f"{out} = {come} / T at each of the T = {steps} steps (axis {layer.steps_axis} of a^({l}): "
                "the mean's equal shares)", {})
    if isinstance(layer, GlobalMaxPooling1D):
        return (f"{out} = m ⊙ {come} at each step (axis {layer.steps_axis} of a^({l})), m = 1 where a^({l}) holds "
                "its maximum over the steps, 0 elsewhere (1/k each where k steps tie)", {"m": _np(layer.mask)})
    return f"{out} = {type(layer).__name__}.backward({come})", {}


def _normalization_rule(layer, dY, out, come, per_example):
    """Batch or layer normalization's backward rule: with ``g = γ ⊙ ∂J/∂a^(l+1)``,
    ``(g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε)``, or ``g / √(σ² + ε)`` with fixed
    statistics (a frozen batch normalization runs in inference mode)."""
    inv_std = _np(layer.inv_std)
    terms = {"γ": _np(layer.params["gamma"])} if layer.scale else {}
    g = dY * _np(layer._broadcast("gamma")) if layer.scale else dY  # (γ over several axes: shaped to broadcast)
    g_is = f"g = γ ⊙ {come}" if layer.scale else f"g = {come}"
    if not per_example and not layer.training:
        terms["σ² + ε"] = 1.0 / inv_std**2
        return f"{out} = g / √(σ² + ε), {g_is}, σ² the moving variance (fixed: inference mode)", terms
    # batch normalization of samples (n, ..., features): its statistics over the batch and every position
    axis = layer._axes if per_example else getattr(layer, "_stats_axis", 0)
    x_hat = _np(layer.X_hat)
    terms = {"x̂": x_hat, **terms, "σ² + ε": 1.0 / inv_std**2,
             "mean(g)": g.mean(axis=axis, keepdims=per_example),
             "mean(g ⊙ x̂)": (g * x_hat).mean(axis=axis, keepdims=per_example)}
    if not per_example:
        terms["σ² + ε"] = terms["σ² + ε"].reshape(-1)
    over = "each example's features" if per_example else "the batch" if axis == 0 else "the batch and every position"
    if per_example and layer._broadcast_shape is not None:
        over = f"each example's axes {list(layer._axes)}"
    return f"{out} = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε), {g_is}, means over {over}", terms


def _group_rule(layer, dY, out, come):
    """Group normalization's backward rule: layer normalization's, the means taken over each
    example's group of channels; ``σ² + ε`` and the means have shape ``(n, G)``."""
    terms = {"γ": _np(layer.params["gamma"])} if layer.scale else {}
    g = dY * terms["γ"] if layer.scale else dY
    g_is = f"g = γ ⊙ {come}" if layer.scale else f"g = {come}"
    x_hat = _np(layer.X_hat)
    grouped = lambda a: a.reshape(a.shape[0], -1, layer.groups, a.shape[-1] // layer.groups)  # noqa: E731
    terms = {"x̂": x_hat, **terms, "σ² + ε": (1.0 / _np(layer.inv_std) ** 2).reshape(-1, layer.groups),
             "mean(g)": grouped(g).mean(axis=(1, 3)), "mean(g ⊙ x̂)": grouped(g * x_hat).mean(axis=(1, 3))}
    return (f"{out} = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + ε), {g_is}, means over each example's "
            f"group of {layer.input_shape[-1] // layer.groups} channels ({layer.groups} groups)", terms)


def _np(x):
    """A NumPy copy of an array of the model's namespace (None stays None)."""
    return None if x is None else backend.numpy_copy(x)


def _delta_of(layer, dX):
    """``δ = ∂J/∂z`` of a layer with an activation: a Dense layer keeps it, an
    Activation layer returns it as its input gradient."""
    if hasattr(layer, "delta") and "W" in layer.params:
        return _np(layer.delta)
    from .layers import Activation  # and Keras's ReLU, LeakyReLU, ELU, Softmax layers, which are Activations

    if isinstance(layer, Activation):
        return _np(dX)
    return None


def trace(model, X, y, apply=False, sample_weight=None):
    """Trace one training step of ``model`` on ``(X, y)`` in the lectures' notation.

    The step is the one ``fit`` makes on a batch: a forward pass in training
    mode, the loss ``J``, the backward pass, and one update by the model's
    compiled optimizer. Every intermediate array is recorded.

    Parameters
    ----------
    model : Sequential
        A compiled model (built on first use, as ``fit`` does).
    X : array-like, shape (n, n_features) or (n_features,)
        One example or a small batch.
    y : array-like
        Targets in any form ``fit`` accepts.
    apply : bool
        False (default): the model is left exactly as it was (weights,
        optimizer state, batch-norm statistics, dropout generators), and the
        update is what the next ``fit`` step on this batch would do.
        True: the update is applied, as one ``fit`` step would.
    sample_weight : array-like of shape (n,), optional

    Returns
    -------
    Trace
        ``print(trace)`` or ``trace.to_markdown()`` shows the tables;
        ``trace.to_dict()`` gives plain data.
    """
    if not hasattr(model, "layers") or not hasattr(model, "_prepare_xy"):
        raise TypeError(f"model must be a glassnet Sequential model. Received: {type(model).__name__}")
    if not getattr(model, "compiled", False):
        raise ValueError("trace() needs a compiled model: call model.compile(optimizer, loss) first.")
    if not isinstance(apply, (bool, np.bool_)):
        raise TypeError(f"apply must be True or False. Received: apply={apply!r}")
    X, y = _as_batch(X, y)
    X, Y, w = model._prepare_xy(X, y, sample_weight, what="trace")
    optimizer = model.optimizer
    from .models.updates import (adopt_loop_state, build_optimizer, check_optimizer_owner, check_optimizer_size,
                                  set_optimizer_owner, trained_layers)

    if getattr(optimizer, "optimizers", None) is not None:  # (a MultiOptimizer's, wrapped or not)
        raise ValueError("trace shows one optimizer's step at one learning rate η; this model's MultiOptimizer has "
                         f"{len(optimizer.optimizers)} sub-optimizers: trace it compiled with one optimizer.")
    check_optimizer_owner(model)  # as fit: another model's momentum is not this one's
    adopt_loop_state(model)
    check_optimizer_size(model)
    if not optimizer.built:
        build_optimizer(model)
    if apply:  # its state now describes this model's weights, as after a fit step
        set_optimizer_owner(model)
    saved = None if apply else _save_side_effects(model)
    k = optimizer.gradient_accumulation_steps or 0  # as Optimizer._apply_rule: no update unless the k-th
    accumulating = k if k and (optimizer._iterations + 1) % k and trained_layers(model) else 0
    Yx, wx = backend.to_namespace(Y, w)  # the step runs in the model's namespace; the trace holds NumPy copies
    try:
        forward, red, loss, penalty, A, learning_rate, before, grads, update, finite = _step(model, X, Yx, wx, apply)
    finally:
        if saved is not None:
            _restore_side_effects(saved)
    layers = _layer_traces(model, forward, red, before, grads, update)
    return Trace(
        x=X.copy(), y=Y.copy(), output=_np(A), loss=float(loss), layers=layers,
        loss_name=model.loss.name, optimizer=type(optimizer).__name__, model_name=model.name,
        learning_rate=learning_rate, finite=finite, applied=bool(apply) and finite,
        reduction=getattr(model.loss, "reduction", "sum_over_batch_size"), penalty=penalty,
        sample_weight=None if w is None else np.array(w, dtype=np.float64).reshape(-1),
        accumulating=accumulating,
    )


def _step(model, X, Y, w, apply):
    """The training step of ``training.train_step``, keeping every intermediate."""
    from .models.updates import trained_layers

    optimizer = model.optimizer
    with backend.quiet_floats():
        # Blue path: a^(1) = x, then every layer in order.
        A = X if backend.is_numpy() else backend.from_numpy(X)
        forward = []
        for layer in model.layers:
            a_in = A
            A = layer.forward(a_in, training=True)
            if layer.activity_regularizer is not None:
                layer.keep_activity(A)
            forward.append((a_in, A))
        loss = model.compute_loss(y=Y, y_pred=A, sample_weight=w)
        penalty = float(model.regularization_penalty()) if model._has_regularizers else 0.0
        # Red path: from the loss back to the first trainable layer.
        red = _red_path(model, Y, A, w)
        grads = _np(model._flat_grads)
        # train_step tests only the loss (fit catches a bad update one step later); a
        # trace is a single step, so it also refuses to apply a non-finite gradient.
        finite = math.isfinite(loss) and bool(np.isfinite(grads).all())  # (g·g overflows float32 at |g| ~ 1e19)
        learning_rate = optimizer.learning_rate
        before = _np(model._flat_params)
        for part in model._frozen_parts():  # as train_step: frozen layers' gradients do not count (clipping)
            model._flat_grads[part] = 0
        if not finite or not trained_layers(model):  # a frozen model: fit makes no update (nor counts one)
            after = before
        else:
            (iterations, state), scalars = optimizer.get_state(), optimizer.get_scalars()
            if apply:
                _optimizer_step(model, model._flat_params, model._flat_grads)
                after = _np(model._flat_params)
            else:
                after, g = backend.copy(model._flat_params), backend.copy(model._flat_grads)
                _optimizer_step(model, after, g)  # on copies; then the optimizer is rewound
                optimizer.set_state(iterations, state)
                optimizer.set_scalars(scalars)
                after = _np(after)
            if not np.isfinite(after).all():  # an update that overflows is not kept, as train_on_batch
                finite, after = False, before
                if apply:
                    model._flat_params[...] = backend.from_numpy(before)
                    optimizer.set_state(iterations, state)
                    optimizer.set_scalars(scalars)
        update = after - before
    return forward, red, loss, penalty, A, learning_rate, before, grads, update, finite


def _optimizer_step(model, w, g):
    """The update of ``training.train_step`` (``updates.apply_update``) on the flat weights ``w`` with gradient ``g``."""
    from .models.updates import apply_update, constrained_parts, frozen_buffers

    if model.optimizer._loss_scale is not None:  # a LossScaleOptimizer unscales the gradient of s·J that fit takes
        g *= model.optimizer._loss_scale
    apply_update(model, w, g, frozen_buffers(model, w), constrained_parts(model))


def _layer_traces(model, forward, red, params, grads, update):
    """Cut the flat vectors back into each layer's arrays, in forward order."""
    out, k = [], 0
    for i, (layer, (a_in, a)) in enumerate(zip(model.layers, forward)):
        activation = getattr(layer, "activation", None)
        z = _shaped_as(_np(getattr(layer, "Z", None)), a) if activation is not None else None
        g_prime = None
        if z is not None and activation.elementwise:  # softmax: no g' column, δ takes its Jacobian
            with np.errstate(over="ignore", invalid="ignore"):
                g_prime = _np(activation.derivative(z, _np(a)))
        dJ_da, delta, rule, dJ_da_in, terms = red.get(i, (None, None, "", None, {}))
        delta = _shaped_as(_np(delta), a)
        p, gr, up = {}, {}, {}
        for key, value in layer.params.items():
            part = model._slices[k]
            p[key] = params[part].reshape(value.shape).copy()
            gr[key] = grads[part].reshape(value.shape).copy()
            up[key] = update[part].reshape(value.shape).copy()
            k += 1
        # a frozen layer's penalty is not in the loss (as Keras), nor in its ∂J/∂θ
        regs = {key: r for key, r in _regularizers_of(layer).items() if key in p} if model._trains(layer) else {}
        found = layer.parameter_constraints() if model._trains(layer) else {}  # as updates.constrained_parts
        cons = {key: c for key, c in found.items() if key in p}
        out.append(LayerTrace(
            index=i + 1, name=layer.name, kind=type(layer).__name__,
            activation=None if activation is None else activation.name,
            a_in=_np(a_in), z=z, a=_np(a),
            g_prime=g_prime, dJ_da=_np(dJ_da), delta=delta, delta_rule=rule,
            params=p, grads=gr, updates=up,
            regularizers=regs, activity_regularizer=None if layer.activity_regularizer is None else repr(
                layer.activity_regularizer), penalty_grads={key: np.asarray(r.gradient(p[key])) for key, r in regs.items()},
            constraints=cons, frozen=bool(p) and not model._trains(layer),
            frozen_by_model=bool(p) and layer.trainable and not model.trainable, dJ_da_in=dJ_da_in,
            backward_terms=terms,
        ))
    return out


def _shaped_as(x, a):
    """``z`` or ``δ`` in the shape of the layer's output ``a``: a Dense layer keeps those of a batch
    of sequences ``(n, T, units)`` as ``(n·T, units)`` rows, which the tables cut by example."""
    return x if x is None or x.shape == a.shape else x.reshape(a.shape)


def _regularizers_of(layer):
    """``{key of params: regularizer}``: the weight penalties whose gradient the layer's
    backward adds to ``grads`` (Dense's ``kernel_regularizer`` and ``bias_regularizer``, the
    normalization layers' ``gamma_regularizer`` and ``beta_regularizer``); a SpectralNormalization's
    are its layer's."""
    layer = getattr(layer, "layer", layer)
    found = {"W": getattr(layer, "kernel_regularizer", None), "b": getattr(layer, "bias_regularizer", None),
             "gamma": getattr(layer, "gamma_regularizer", None), "beta": getattr(layer, "beta_regularizer", None),
             "embeddings": getattr(layer, "embeddings_regularizer", None)}
    return {key: r for key, r in found.items() if r is not None}
