"""Embedding: a trainable table of vectors looked up by integer ids (categorical inputs)."""

import warnings

import numpy as np

from .. import constraints, initializers, regularizers
from .._validation import check_positive_int
from ..backend import from_numpy, get_namespace, numpy_dtype, to_numpy
from ._weights import NotBuiltError, refuse_weight_assignment
from .base import Layer, OneWeightPenalty, assign_weights, initializer_entries, sample_shape, training_entries


class Embedding(OneWeightPenalty, Layer):
    """Keras's ``layers.Embedding``: each integer id ``i`` in ``[0, input_dim)`` becomes row ``i``
    of the table ``E`` of shape ``(input_dim, output_dim)``.

    Forward: ``Y[..., :] = E[X[...], :]``; ids of shape ``(n, ...)`` give ``(n, ..., output_dim)``
    (``Input((k,)) → Embedding(n_categories, d) → Flatten → Dense`` embeds ``k`` categorical
    columns). A model feeds its inputs in its float dtype, so ids may be floats that hold whole
    numbers. An id that is not a whole number, is negative or is ``input_dim`` or more is a
    ``ValueError`` naming the layer and the id: Keras casts floats to int (1.7 becomes 1) and, on
    JAX, clamps ids out of range to the table's edge, returning a row that was never asked for.
    In a float32 model ids above 2²⁴ cannot all be told apart (float16: 2¹¹), so such an
    ``input_dim`` is refused at build: use ``dtype="float64"``.

    Backward: ``∂J/∂E[i] = Σ dY[s]`` over the positions ``s`` where id ``i`` was looked up (a
    scatter-add; rows never looked up get 0). The ids have no gradient, so an Embedding reads a
    model's inputs: it must come before any layer with weights.

    Parameters
    ----------
    input_dim : int
        How many ids there are (the largest id + 1).
    output_dim : int
        The length of each vector.
    embeddings_initializer : str or Initializer
        Keras's ``"uniform"``: ``RandomUniform(-0.05, 0.05)``.
    embeddings_regularizer : str or Regularizer, optional
        Adds a penalty on ``E`` to the loss, as Dense's ``kernel_regularizer``.
    embeddings_constraint : str, Constraint or callable, optional
        ``E ← constraint(E)`` after each update.
    mask_zero : False
        glassnet has no masks: only False is accepted.
    weights : array of shape (input_dim, output_dim), optional
        The first table (or a list holding it, as Keras), used instead of the initializer.
    lora_rank, lora_alpha : None
        glassnet has no LoRA: only None is accepted.
    """

    weight_names = ("embeddings",)
    penalized_weight = "embeddings"  # (OneWeightPenalty)
    #: the model refuses a layer with weights before it (ids have no gradient; Sequential._bind_flat_buffers)
    passes_gradient = False
    keras_unused = ("quantization_config",)

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        if kwargs.pop("input_length", None) is not None:  # as Keras 3 (it declared Keras 2's sequence length)
            from ..models.divergence import user_stacklevel  # (the models import this module)
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", UserWarning, stacklevel=user_stacklevel())
        super().__init__(**kwargs)
        self.input_dim = check_positive_int(input_dim, "input_dim")
        self.output_dim = check_positive_int(output_dim, "output_dim")
        if not (mask_zero is False or (isinstance(mask_zero, np.bool_) and not mask_zero)):
            raise ValueError("glassnet has no masks (its layers take whole samples), so Embedding's mask_zero must "
                             f"be False: drop or fill the padding ids before fit. Received: mask_zero={mask_zero!r:.80}")
        for key, value in (("lora_rank", lora_rank), ("lora_alpha", lora_alpha)):
            if value is not None:  # (as every Keras argument glassnet lacks: _check_extra_kwargs)
                raise ValueError(f"glassnet's Embedding has no {key} (received {key}={value!r:.80}); only {key}=None, "
                                 "Keras's default, is accepted (glassnet has no LoRA, low-rank adaptation).")
        self.embeddings_initializer = initializers.get(embeddings_initializer, "embeddings_initializer")
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer, "embeddings_regularizer")
        self.embeddings_constraint = constraints.get(embeddings_constraint, "embeddings_constraint")
        self._initial = None
        if weights is not None:
            if isinstance(weights, list) and len(weights) == 1:  # Keras takes [table] too
                weights = weights[0]
            # checked now, as Keras builds and sets them at once: a bad table fails here, not at fit
            table = np.zeros((self.input_dim, self.output_dim))
            assign_weights([table], [weights], ["weights"], f"{self._label()}")
            self._initial = table

    @property
    def embeddings(self):
        """``E``, shape ``(input_dim, output_dim)`` (Keras's name; the layer's live array)."""
        if "embeddings" not in self.params:
            raise NotBuiltError("Embedding.embeddings exists once the layer is built (fit, predict or build first).")
        return self.params["embeddings"]

    @embeddings.setter
    def embeddings(self, value):
        refuse_weight_assignment(self, "embeddings")

    def compute_output_shape(self, input_shape):
        """One vector per id, as Keras's (the batch axis first): ``(None, k)`` -> ``(None, k, output_dim)``."""
        return (*tuple(input_shape), self.output_dim)

    def count_weights(self, input_shape):
        return self.input_dim * self.output_dim

    def build(self, input_shape=None):
        """The table ``E``; ``input_shape``, the ids' (``(k,)`` or Keras's ``(None, k)``), may be left out, as
        Keras's: the layer then takes the shape of its first input (a call, or the model it joins)."""
        if input_shape is None:
            input_shape = self.input_shape  # (declared: Embedding(..., input_shape=(k,)), else None)
        if input_shape is not None:
            input_shape = sample_shape(input_shape)
        dtype = np.dtype(self.dtype) if self.dtype is not None else np.dtype("float32")
        exact = 2 ** (np.finfo(dtype).nmant + 1)  # every integer up to this is a float of this dtype
        if self.input_dim > exact:
            raise ValueError(f"{self._label()}: input_dim={self.input_dim} ids cannot all be told apart in {dtype} "
                             f"(it holds every integer only up to {exact}), the dtype the model feeds them in. "
                             "Use dtype='float64' for the model.")
        shape = (self.input_dim, self.output_dim)
        if self._initial is not None:
            self.params["embeddings"] = from_numpy(self._initial.astype(dtype))
        else:
            self.params["embeddings"] = initializers.initial_weights(self.embeddings_initializer, shape, self.dtype,
                                                                     "embeddings_initializer")
        self.grads["embeddings"] = get_namespace().zeros(shape, dtype=self.params["embeddings"].dtype)
        if input_shape is None:
            self.built = True  # input_shape stays None until the first input (layers._building.build_layer)
        else:
            super().build(input_shape)

    def _ids(self, X):
        """``X`` as an int64 array of ids, or a ValueError naming the first bad one."""
        xp = get_namespace()
        integer = numpy_dtype(X).kind in "iu"
        bad = (X < 0) | (X >= self.input_dim)
        if not integer:
            bad = bad | (X != xp.floor(X))  # NaN too: it equals nothing
        if bool(xp.any(bad)):
            values = to_numpy(X)
            first = values[to_numpy(bad)][0].item()
            first = int(first) if isinstance(first, float) and first.is_integer() else first
            what = ("not a whole number" if not integer and (np.isnan(first) or first != np.floor(first))
                    else f"outside [0, {self.input_dim})")
            raise ValueError(f"{self._label()} looks up integer ids in [0, input_dim={self.input_dim}); its input "
                             f"holds {first!r} ({what}). Map the categories to 0 … {self.input_dim - 1} first.")
        return xp.astype(X, xp.int64)

    def forward(self, X, training=False):
        xp = get_namespace()
        ids = self.X = self._ids(X)
        rows = xp.take(self.params["embeddings"], xp.reshape(ids, (-1,)), axis=0)
        return xp.reshape(rows, (*ids.shape, self.output_dim))

    def backward(self, dY):
        """``∂J/∂E`` by a scatter-add of the rows of ``dY`` into the looked-up ids: ``np.bincount``
        over the flat positions ``k · output_dim + j`` adds them in one pass, in float64, rounded once to
        the table's dtype. ``k`` is each position's index among the batch's distinct ids (``np.unique``),
        so only their rows are summed and written after zeroing ``∂J/∂E``; a table no larger than the
        batch is summed whole (``k`` is the id). A bincount over the whole table made two table-sized
        temporaries each step, which the allocator returned to the system and took back (~1800 page
        faults per step for 128 × 20 ids into a 10000 × 32 table in fit: 3.5 ms, now 0.4 ms;
        ``np.add.at`` took 0.8-1.2 ms and sums in float32). The standard has neither, so another array
        namespace sums on the host too (one copy of the batch's rows and of the table's gradient).
        Returns None: ids have no gradient."""
        E, G = self.params["embeddings"], self.grads["embeddings"]
        ids = to_numpy(self.X).reshape(-1)
        rows = to_numpy(dY).reshape(ids.size, self.output_dim)
        if self.input_dim <= ids.size:  # a table no larger than the batch: sums for all its rows, no sort
            looked_up, k, n_rows = slice(None), ids, self.input_dim
        else:  # k: each position's index among the distinct ids
            looked_up, k = np.unique(ids, return_inverse=True)
            n_rows = looked_up.size
        flat = (k[:, None] * self.output_dim + np.arange(self.output_dim)).reshape(-1)
        sums = np.bincount(flat, weights=rows.reshape(-1), minlength=n_rows * self.output_dim)
        sums = sums.reshape(n_rows, self.output_dim)
        if isinstance(G, np.ndarray):
            if n_rows < self.input_dim:
                G.fill(0)
            G[looked_up] = sums  # (rounded to G's dtype as it is written)
        else:  # the standard has no assignment through an index array
            table = np.zeros(G.shape, rows.dtype)
            table[looked_up] = sums
            G[...] = from_numpy(table)
        if self.embeddings_regularizer is not None and self._trains_in_model():
            self.add_penalty_gradient(self.embeddings_regularizer, E, G)  # (times a LossScaleOptimizer's scale)
        return None

    def get_config(self):
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim)
        config.update(initializer_entries(self, ("embeddings_initializer",)))
        config.update(training_entries(self, ("embeddings_regularizer",), regularizers, keep_unset=True))
        config.update(training_entries(self, ("embeddings_constraint",), constraints, keep_unset=True))
        config["mask_zero"] = False
        return config
