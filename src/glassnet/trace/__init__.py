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

The package, one concept per module: ``_format`` (how arrays and rules are written in the
tables: :func:`format_table`), ``_layer_record`` (:class:`LayerTrace`, what one layer computed),
``_step_record`` (:class:`Trace`, the whole step, and its tables, notes and plain data),
``_backward`` (the red path and each layer's rule for passing the gradient through),
``_tracing`` (:func:`trace`: the step itself, run on the model without changing it unless
``apply``) and ``_worked_example`` (:data:`WORKED_EXAMPLE`, :func:`worked_example_model`). This
module re-exports every name of the single module it was, the private helpers included
(``Sequential`` imports ``_save_side_effects`` and ``_restore_side_effects`` from it).

>>> import numpy as np
>>> from glassnet.models import Sequential
>>> from glassnet.layers import Dense
>>> model = Sequential([Dense(2, "sigmoid", input_dim=2), Dense(1, "sigmoid")], dtype="float64")
>>> model.compile(optimizer="sgd", loss="squared_error")
>>> t = trace(model, np.array([[0.05, 0.10]]), np.array([[0.01]]))
>>> [layer.name for layer in t.layers]
['dense', 'dense_1']
"""

from ._backward import (_delta_of, _fused_rule, _group_rule, _normalization_rule, _np, _pass_through,  # noqa: F401
                        _red_path, _row, _through_activation, _with_activity)
from ._format import _fmt, _inline, _layer_label, _lines, _plain, _Terms, format_table  # noqa: F401
from ._layer_record import _SYMBOLS, LayerTrace  # noqa: F401
from ._tracing import (_as_batch, _layer_traces, _optimizer_step, _regularizers_of, _restore_side_effects,  # noqa: F401
                    _save_side_effects, _shaped_as, _step, trace)
from ._step_record import Trace  # noqa: F401
from ._worked_example import WORKED_EXAMPLE, worked_example_model  # noqa: F401

__all__ = ["trace", "Trace", "LayerTrace", "format_table", "WORKED_EXAMPLE", "worked_example_model"]
