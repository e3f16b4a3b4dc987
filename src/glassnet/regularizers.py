"""Weight penalties added to the loss (SPEC A6), as Keras defines them.

``L1(l1)``: ``l1 · Σ|W|``, gradient ``l1 · sign(W)``;
``L2(l2)``: ``l2 · Σ W²``, gradient ``2 · l2 · W``;
``L1L2(l1, l2)``: both.
"""

import numpy as np

from ._registry import Configurable, from_config, lookup, to_config
from ._validation import check_array, check_number
from .backend import astype, get_namespace, numpy_dtype

#: ``Σ w²`` is summed as dots of rows of this many weights (see :func:`_sum_of_squares`).
ROW = 1024


def _sum_of_squares(w):
    """``Σ w²`` of the 1-D ``w``, accurate in float32 too, without a ``w``-sized temporary.

    One float32 dot over all the weights lets its rounding pile up (10^7 weights of 0.1
    summed to 100077.7, not 100000: a relative 8e-4). Dots of rows of :data:`ROW`
    weights (one batched matmul), their sums added in float64, keep float32's own
    precision (4e-8) for about 1.5× the time of the single dot.
    """
    xp = get_namespace(w)
    n = w.shape[0] - w.shape[0] % ROW
    rows = xp.reshape(w[:n], (-1, 1, ROW))
    row_sums = xp.matmul(rows, xp.reshape(rows, (-1, ROW, 1)))  # (n / ROW, 1, 1)
    tail = w[n:]
    if xp is not np:  # another namespace's: summed on its device, read by the caller
        return xp.sum(row_sums) + xp.matmul(tail, tail)
    return float(np.sum(row_sums, dtype=np.float64)) + float(np.matmul(tail, tail))


class Regularizer(Configurable):
    """The base of weight penalties: a subclass defines ``__call__(x)``, the penalty of the
    weights, and ``gradient(W)``, its derivative, which training uses."""

    def __call__(self, x):
        """The penalty of the weights ``x`` (Keras's argument name; glassnet passes them by position)."""
        raise NotImplementedError

    def gradient(self, W):
        """``∂penalty/∂W``, of ``W``'s shape: training needs it (Keras differentiates ``__call__``; glassnet does not)."""
        raise NotImplementedError(
            f"{type(self).__name__} has no gradient(W): glassnet trains with the gradient of a penalty, so a "
            "Regularizer subclass defines gradient(W) next to __call__(x), e.g. 2 * l2 * W for l2 * sum(W**2)."
        )

    def add_gradient(self, W, G, tmp):
        """``G += gradient(W)`` in place; ``tmp`` is a scratch array shaped like
        ``W``. The training step calls this: the built-in penalties then
        allocate nothing (a fresh weight-sized temporary at every step cost
        more than the arithmetic)."""
        G += self.gradient(W)

    def get_config(self):
        """The constructor's arguments (none here; the built-in penalties list theirs)."""
        return {}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class L1L2(Regularizer):
    """``l1 · Σ|W| + l2 · Σ W²``, gradient ``l1 · sign(W) + 2 · l2 · W`` (Keras 3's; both
    0 unless given). ``l1`` and ``l2`` are numbers >= 0; else a ``TypeError`` or ``ValueError``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = check_number(l1, "l1", low=0)
        self.l2 = check_number(l2, "l2", low=0)

    def __call__(self, x):
        W = x  # Keras's argument name outside, the lectures' W inside
        xp = get_namespace(W)
        if xp is np and not (isinstance(W, np.ndarray) and W.dtype.kind in "fiub"):  # a list, a string...
            W = check_array(W, "x", ndim=None, allow_empty=True, finite=False)
        if xp is np and (W.dtype.kind != "f" or W.dtype == np.float16):
            # sums in float64: integer squares wrap (int8: 100² gave 16, |−128| gave −128), booleans
            # or'ed (ΣW² of three True gave 1), and float16 sums overflow at 65504
            W = W.astype(np.float64)
        penalty = 0.0
        w = xp.reshape(W, (-1,))
        if xp is not np:  # summed on the device and read once (each sum read on its own waited for it)
            if numpy_dtype(w) == np.float16:  # float16 sums overflow at 65504 (ΣW of 30000 weights of 3 was inf)
                w = astype(w, "float32")
            if self.l1:
                penalty = penalty + self.l1 * xp.sum(xp.abs(w))
            if self.l2:
                penalty = penalty + self.l2 * _sum_of_squares(w)
            return float(penalty)
        if self.l1:
            penalty += self.l1 * float(xp.sum(xp.abs(w)))
        if self.l2:
            penalty += self.l2 * _sum_of_squares(w)
        return penalty

    def gradient(self, W):
        xp = get_namespace(W)
        if xp is np and not (isinstance(W, np.ndarray) and W.dtype.kind == "f"):  # a list, integers: as float64
            W = check_array(W, "W", ndim=None, allow_empty=True, finite=False).astype(np.float64)
        grad = xp.zeros_like(W)
        self.add_gradient(W, grad, xp.empty_like(W))
        return grad

    def add_gradient(self, W, G, tmp):
        xp = get_namespace(W)
        if self.l1:
            xp.sign(W, out=tmp)
            tmp *= self.l1
            G += tmp
        if self.l2:
            xp.multiply(W, 2 * self.l2, out=tmp)
            G += tmp

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 · Σ|W|`` (default ``l1=0.01``, Keras's), gradient ``l1 · sign(W)``."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 · Σ W²`` (default ``l2=0.01``, Keras's), gradient ``2 · l2 · W``."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


# Keras 3's lowercase aliases: regularizers.l2(0.01) is regularizers.L2(0.01), and l1_l2 is
# L1L2, whose penalties are 0 unless given (tf.keras's l1_l2 function defaulted to 0.01 each)
l1, l2, l1_l2 = L1, L2, L1L2


def _l1_l2_by_name():
    """``kernel_regularizer="l1_l2"``: 0.01 each, as Keras documents the name (a name
    that penalised nothing would be a silent no-op)."""
    return L1L2(l1=0.01, l2=0.01)


REGULARIZERS = {"l1": L1, "l2": L2, "l1_l2": _l1_l2_by_name}
CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier, name=None):
    """None, a name, a :class:`Regularizer` or its config; ``name``: the argument it was given as
    (``"kernel_regularizer"``), for the error."""
    return lookup(identifier, REGULARIZERS, "regularizer", instance_of=Regularizer, instantiate=True, argument=name)


def serialize(regularizer):
    return to_config(regularizer, CLASSES, "regularizer")


def deserialize(config):
    return from_config(config, CLASSES, "regularizer")
