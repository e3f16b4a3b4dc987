"""Keras's ``CategoryEncoding``: integer ids to one-hot, multi-hot or count vectors, and what it
shares with ``Discretization`` (the encodings, and the rule that no gradient passes either)."""

import numbers

import numpy as np

from .._validation import _as_array, check_array, check_choice, is_one_of
from ..backend import astype, from_numpy, get_namespace, is_numpy, numpy_dtype, to_numpy
from .base import ChainTensor, InputLayer, Layer, check_batch_shape

ENCODINGS = ("one_hot", "multi_hot", "count")


class DataLayer(Layer):
    """A preprocessing layer whose output is piecewise constant in its input (ids, bins): its
    derivative is 0 almost everywhere and undefined at the steps, so no gradient passes it. It
    can only come before the first layer with weights, where the backward pass never reaches
    (``Sequential`` refuses it after one: the layers below it would never learn)."""

    passes_gradient = False

    def backward(self, dY):
        raise ValueError(f"{self._label()} passes no gradient to its input (its output is piecewise constant "
                         "in it); put it before the first layer with weights, where backpropagation stops.")


def check_sparse(sparse, kind):
    if not is_one_of(sparse, (False, None)):
        raise ValueError(f"glassnet's {kind} has no sparse output (glassnet's arrays are dense): sparse must be "
                         f"False. Received: sparse={sparse!r:.80}")
    return False


def encoded_shape(input_shape, output_mode, depth, kind):
    """The shape of the encoding of ids of shape ``input_shape`` (the batch axis first), as Keras's
    ``compute_output_shape``: one_hot ``(n, k) -> (n, k, depth)``, ``(n, 1) -> (n, depth)`` and a 1-D
    ``(n,) -> (n, depth)``; multi_hot and count ``(n, k) -> (n, depth)``, and ``(k,) -> (depth,)`` (one
    sample, as Keras reads a 1-D input). Keras encodes batches of rank 2 at most (its docstring), so
    samples of several axes are refused."""
    input_shape = check_batch_shape(input_shape, kind)
    if len(input_shape) > 2:
        raise ValueError(f"{kind} with output_mode={output_mode!r} encodes samples of one axis, (n, k) batches "
                         f"(Keras encodes inputs of rank 2 at most); received inputs of shape {input_shape}. "
                         "Flatten or Reshape them first.")
    if output_mode == "one_hot":
        return (*input_shape[:-1], depth) if len(input_shape) == 2 and input_shape[-1] == 1 else (*input_shape, depth)
    return (*input_shape[:-1], depth)


def encode(ids, output_mode, depth, dtype, count_weights=None):
    """``(n, k)`` whole-number ids in ``[0, depth)`` as Keras's ``encode_categorical_inputs``:
    one_hot ``Y[i, j, t] = [ids[i, j] = t]`` (``(n, depth)`` for k = 1), multi_hot
    ``Y[i, t] = max_j [ids[i, j] = t]``, count ``Y[i, t] = Σ_j w[i, j] · [ids[i, j] = t]`` (w = 1
    without ``count_weights``)."""
    xp = get_namespace()
    if output_mode == "one_hot" and ids.shape[-1] == 1:
        ids = ids[:, 0]
    tokens = from_numpy(np.arange(depth), dtype=numpy_dtype(ids).name)
    hot = astype(ids[..., None] == tokens, dtype)  # (n, k, depth) or (n, depth)
    if output_mode == "one_hot":
        return hot
    if output_mode == "multi_hot":
        return xp.max(hot, axis=1)
    if count_weights is not None:
        hot = hot * count_weights[..., None]
    return xp.sum(hot, axis=1)


def check_ids(X, depth, label):
    """Refuse ids that are not whole numbers in ``[0, depth)`` (NaN too), naming the first."""
    xp = get_namespace()
    good = (X >= 0) & (X < depth) & (xp.floor(X) == X)
    if bool(xp.all(good)):
        return
    bad = to_numpy(X)[~to_numpy(good)]
    raise ValueError(f"{label} takes whole numbers in [0, {depth}) (num_tokens={depth}) as ids. Received the id "
                     f"{float(bad.flat[0])!r} ({bad.size} id{'s' if bad.size > 1 else ''} out of range or not whole). "
                     "(Keras on JAX encodes such an id as a row of zeros; on TensorFlow it raises.)")


class CategoryEncoding(DataLayer):
    """Encode integer ids, as Keras's ``CategoryEncoding``: samples of ``k`` ids in ``[0, num_tokens)``
    (whole numbers, in any dtype: a float model's inputs) to

    * ``"one_hot"``: ``(n, k) -> (n, k, num_tokens)``, ``Y[i, j, t] = [x_ij = t]``; ``(n, 1) -> (n, num_tokens)``
      (and a 1-D batch ``(n,)`` as ``(n, 1)``, as Keras);
    * ``"multi_hot"`` (Keras's default): ``(n, k) -> (n, num_tokens)``, ``Y[i, t] = 1`` if ``t`` is among
      the sample's ids;
    * ``"count"``: ``(n, k) -> (n, num_tokens)``, ``Y[i, t]`` how many of the sample's ids are ``t``
      (weighted by ``count_weights``, an ``(n, k)`` array, when a call gives it, as Keras's).

    The output is in the layer's dtype (the model's). No weights, and no gradient: the output is
    piecewise constant in the ids, so the layer comes before the first layer with weights. An id
    out of range or not whole is a ValueError (Keras on JAX writes a row of zeros for it).

    Parameters
    ----------
    num_tokens : int
        How many ids there are (the output's last size).
    output_mode : {"multi_hot", "one_hot", "count"}
        (Keras's old name ``"binary"`` is ``"multi_hot"``.)
    sparse : bool
        False only: glassnet's arrays are dense.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":  # Keras's deprecated name
            output_mode = "multi_hot"
        self.output_mode = check_choice(output_mode, "output_mode", ENCODINGS)
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer (the number of ids, each in [0, num_tokens)).")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, numbers.Integral):
            raise TypeError(f"num_tokens must be a positive integer. Received: num_tokens={num_tokens!r:.80}")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        self.num_tokens = int(num_tokens)
        self.sparse = check_sparse(sparse, "CategoryEncoding")

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens, "CategoryEncoding")

    def __call__(self, inputs, training=None, count_weights=None):
        """``layer(x)`` as Keras's (``layer(inputs=x)`` too): a 1-D batch of ids is ``(n, 1)`` (one_hot only: Keras's
        multi_hot and count take a 1-D input as one sample); ``count_weights`` (count only) weights each id."""
        x = inputs
        if isinstance(x, (list, tuple)):  # (a ragged one named, as every layer's input: np.ndim's error did not)
            x = _as_array(x, f"the input of {self._label()}")
        if not isinstance(x, (InputLayer, ChainTensor)) and np.ndim(x) == 1:
            if self.output_mode != "one_hot":
                raise ValueError(f"{self._label()} with output_mode={self.output_mode!r} takes batches of shape "
                                 f"(n, k) (k ids per sample). Received a 1-D input of shape {np.shape(x)}: Keras "
                                 "encodes it as one sample; give x.reshape(1, -1) for that, or x.reshape(-1, 1).")
            x = np.reshape(np.asarray(x), (-1, 1))
        if count_weights is None:
            return super().__call__(x, training=training)
        if self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. Received "
                             f"`count_weights={count_weights!r:.80}`.")
        weights = check_array(count_weights, name="count_weights", ndim=2, finite=False,
                              dtype=self._own_dtype)
        if weights.shape != np.shape(x):
            raise ValueError(f"count_weights must have the shape of the ids, {np.shape(x)}. Received: "
                             f"count_weights of shape {weights.shape}")
        self._count_weights = weights if is_numpy() else from_numpy(weights)
        try:
            return super().__call__(x, training=training)
        finally:
            self._count_weights = None

    def forward(self, X, training=False):
        check_ids(X, self.num_tokens, self._label())
        weights = getattr(self, "_count_weights", None)
        dtype = numpy_dtype(X).name
        if weights is not None:
            weights = astype(weights, dtype)
        return encode(X, self.output_mode, self.num_tokens, dtype, weights)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode,
                "sparse": self.sparse}
