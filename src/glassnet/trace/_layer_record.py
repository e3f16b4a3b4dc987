"""What one layer computed in a traced step: :class:`LayerTrace`."""

from dataclasses import dataclass, field

import numpy as np

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
