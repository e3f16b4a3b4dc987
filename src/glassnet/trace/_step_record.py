"""Everything one traced step computed, and how it is shown: :class:`Trace`, its three tables
(forward, backward, update), the notes under them, its summary, Markdown and plain data."""

from dataclasses import dataclass

import numpy as np

from .._validation import check_positive_int
from ._format import _Terms, _fmt, _inline, _layer_label, _plain, format_table


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

    def notes(self, digits=6):
        """Lines under the update table for the arrays whose ``∂J/∂θ`` is not only
        ``a^(l)ᵀ δ^(l+1)`` (a weight penalty) or whose ``Δθ`` is not only the
        optimizer's step (a constraint); numbers with ``digits`` significant digits."""
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
                           f"R = {_fmt(R(l.params[k]), digits)}, ∂R/∂{theta} = {_inline(l.penalty_grads[k], digits)}")
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

    def _tables_with_notes(self, digits):
        """:meth:`tables`, each with the lines printed under it."""
        notes = [[], self.backward_notes(), self.notes(digits)]
        return [(*table, lines) for table, lines in zip(self.tables(), notes, strict=True)]

    def _summary_lines(self, digits):
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
            batch = "1 example"
            if self.weighted:
                batch = f"1 example (weight {_fmt(self.sample_weight[0], digits)}; δ includes it)"
        L = len(self.layers) + 1
        state = "applied to the model" if self.applied else "not applied (trace(..., apply=True) applies it)"
        if not self.finite:
            state = "not made: the loss, a gradient or the update is NaN/inf (as fit, the weights are kept)"
        J = _fmt(self.loss, digits)
        if self.penalty:
            weights = any(layer.regularizers for layer in self.layers)
            activities = any(layer.activity_regularizer for layer in self.layers)
            what = ("weight and activity penalties Σ R(θ) + Σ R(a)/n" if weights and activities else
                    "activity penalties Σ R(a)/n" if activities else "weight penalties Σ R(θ)")
            J += f" = {_fmt(self.loss - self.penalty, digits)} + {_fmt(self.penalty, digits)} ({what})"
        return [
            f"Trace of one training step of {self.model_name!r} on {batch}",
            f"loss: {self.loss_name}, J = {J}; optimizer: {self.optimizer}, η = {_fmt(self.learning_rate, digits)}",
            f"a^(1) = x = {_inline(self._batch_cell(self.x), digits)};"
            f"  ŷ = a^({L}) = {_inline(self._batch_cell(self.output), digits)};"
            f"  y = {_inline(self._batch_cell(self.y), digits)}",
            f"update: {state}",
        ]

    def to_markdown(self, digits=6):
        """The trace as Markdown: a summary and the three tables, numbers with ``digits``
        significant digits (:meth:`to_dict` holds them all)."""
        digits = check_positive_int(digits, "digits")
        parts = ["\n\n".join(self._summary_lines(digits))]
        for title, header, rows, notes in self._tables_with_notes(digits):
            parts.append(f"**{title}**\n\n" + format_table(header, rows, markdown=True, digits=digits))
            if notes:
                parts.append("\n".join(f"* {line}" for line in notes))
        return "\n\n".join(parts) + "\n"

    def to_text(self, digits=6):
        """The trace as ``print`` shows it, numbers with ``digits`` significant digits
        (an exam's 0.298371109 needs ``digits=9``; :meth:`to_dict` holds them all)."""
        digits = check_positive_int(digits, "digits")
        parts = ["\n".join(self._summary_lines(digits))]
        for title, header, rows, notes in self._tables_with_notes(digits):
            parts.append(f"{title}\n" + format_table(header, rows, digits=digits))
            if notes:
                parts[-1] += "\n" + "\n".join(notes)
        return "\n\n".join(parts)

    def __str__(self):
        return self.to_text()

    def _repr_pretty_(self, p, cycle):  # a notebook cell's result (IPython) shows the table, as print(); repr() keeps the fields
        p.text(str(self))

    def _repr_markdown_(self):  # (a notebook renders the tables; text/plain is the printed trace)
        return self.to_markdown()
