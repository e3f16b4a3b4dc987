"""Weight penalties added to the loss (SPEC A6), as Keras defines them.

``L1(l1)``: ``l1 · Σ|W|``, gradient ``l1 · sign(W)``;
``L2(l2)``: ``l2 · Σ W²``, gradient ``2 · l2 · W``;
``L1L2(l1, l2)``: both.
``OrthogonalRegularizer(factor, mode)``: the mean ``|cos|`` between the rows (or columns).
A function ``f(x) -> penalty`` with a ``gradient(W)`` attribute (:class:`FunctionRegularizer`): Keras's
custom regularizer, with the gradient that glassnet trains with.
"""

import inspect

import numpy as np

from . import _custom_objects
from ._registry import Configurable, from_config, from_keras, lookup, to_config
from ._validation import check_array, check_number, is_one_of
from .backend import astype, get_namespace, numpy_dtype

#: ``Σ w²`` is summed as dots of rows of this many weights (see :func:`_sum_of_squares`).
ROW = 1024


def _sum_of_squares(w):
    """``Σ w²`` of the 1-D ``w``, accurate in float32 too, without a ``w``-sized temporary.

    One float32 dot over all the weights lets its rounding pile up (10^7 weights of 0.1
    summed to 100077.7, not 100000: a relative 8e-4). Dots of rows of :data:`ROW`
    weights (one batched matmul), their sums added in float64, keep float32's own
    precision (4e-8) for about 1.5× the time of the single dot. Fewer than :data:`ROW` weights
    are one dot, as the rows' tail always was, without the rows' set-up (5 µs for 320 weights,
    against 0.4 µs: a small layer's L2 penalty is computed at every training step).
    """
    xp = get_namespace(w)
    if w.shape[0] < ROW:
        return float(xp.matmul(w, w)) if xp is np else xp.matmul(w, w)
    n = w.shape[0] - w.shape[0] % ROW
    rows = xp.reshape(w[:n], (-1, 1, ROW))
    row_sums = xp.matmul(rows, xp.reshape(rows, (-1, ROW, 1)))  # (n / ROW, 1, 1)
    tail = w[n:]
    if xp is not np:  # another namespace's: summed on its device, read by the caller
        return xp.sum(row_sums) + xp.matmul(tail, tail)
    return float(np.sum(row_sums, dtype=np.float64)) + float(np.matmul(tail, tail))


def _sum_of_abs(w):
    """``Σ|w|`` of the 1-D NumPy ``w``, accurate in float32 too.

    NumPy 2.0-2.2 sum pairwise only within blocks of 8,192 numbers and add the blocks' sums
    one after another in float32 (10^7 weights of 0.1 summed to 999989.4, not 1000000: a relative
    1e-5, against 1e-7 on NumPy 2.4). Sums of rows of :data:`ROW`, added in float64, keep float32's
    own precision on every NumPy; fewer than :data:`ROW` weights are one sum, as before.
    """
    a = np.abs(w)
    if a.shape[0] < ROW:
        return float(np.sum(a))
    n = a.shape[0] - a.shape[0] % ROW
    return float(np.sum(np.sum(a[:n].reshape(-1, ROW), axis=1), dtype=np.float64)) + float(np.sum(a[n:]))


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
    0 unless given). ``l1`` and ``l2`` are numbers >= 0 (None: the default, as Keras 3);
    else a ``TypeError`` or ``ValueError``."""

    def __init__(self, l1=0.0, l2=0.0):
        # None is the default, as Keras 3 reads it (L1L2(l1=None) penalizes nothing through l1)
        self.l1 = check_number(0.0 if l1 is None else l1, "l1", low=0)
        self.l2 = check_number(0.0 if l2 is None else l2, "l2", low=0)

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
            penalty += self.l1 * _sum_of_abs(w)
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
        super().__init__(l1=0.01 if l1 is None else l1)  # None: the default, as Keras 3

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 · Σ W²`` (default ``l2=0.01``, Keras's), gradient ``2 · l2 · W``."""

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)  # None: the default, as Keras 3

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Keras 3's penalty for rows (``mode="rows"``) or columns (``"columns"``) of a 2-D ``W``
    that are not orthogonal: with ``N`` the rows scaled to length 1 (Keras's
    ``x · min(1/‖x‖, 1/1e-7)``) and ``G = N Nᵀ`` their cosines,

        penalty = factor · ½ Σ_{i≠j} |G_ij| / (m(m − 1)/2)        (m rows)

    and its gradient ``∂/∂N = 2c S N`` (``S = sign(G)`` off the diagonal, ``c`` the factor
    before the sum) carried to ``W`` row by row through ``N_i = W_i/‖W_i‖``:
    ``∂/∂W_i = (g_i − (g_i·N_i) N_i)/‖W_i‖`` (``g_i/1e-7`` for a row shorter than 1e-7, which
    Keras scales by 1e7). ``factor`` >= 0 (Keras's 0.01). Fewer than two rows (columns) are
    refused: Keras's penalty is then 0/0, NaN."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = check_number(factor, "factor", low=0)
        if not is_one_of(mode, ("rows", "columns")):
            raise ValueError(f"mode must be 'rows' or 'columns'. Received: mode={mode!r:.100}")
        self.mode = mode

    def _rows(self, W, name):
        """``W`` (columns: ``Wᵀ``) as 2-D floats with at least two rows."""
        xp = get_namespace(W)
        if xp is np and not (isinstance(W, np.ndarray) and W.dtype.kind == "f"):  # a list, integers: as float64
            W = check_array(W, name, ndim=None, allow_empty=True, finite=False).astype(np.float64)
        if len(W.shape) != 2:
            raise ValueError(f"OrthogonalRegularizer takes rank-2 weights (a Dense kernel), as Keras's. Received "
                             f"{name} of shape {tuple(W.shape)}.")
        X = W if self.mode == "rows" else W.T
        if X.shape[0] < 2:
            raise ValueError(f"OrthogonalRegularizer(mode={self.mode!r}) needs at least two {self.mode} to compare; "
                             f"{name} of shape {tuple(W.shape)} has {X.shape[0]} (Keras's penalty is 0/0, NaN).")
        return xp, X

    def _cosines(self, xp, X):
        """``(N, inv, G, c)``: unit rows, ``min(1/‖x‖, 1e7)`` per row, ``G = N Nᵀ`` with a zero diagonal,
        and ``c = factor / (m(m − 1))``."""
        # min(1/‖x‖, 1e7) with ‖x‖² kept >= 1e-14 first, where 1/‖x‖ >= 1e7 anyway: a zero row's
        # 1/0 raised NumPy's "divide by zero" RuntimeWarning at every call (Keras's rsqrt is quiet)
        inv = xp.minimum(1.0 / xp.sqrt(xp.maximum(xp.sum(X * X, axis=1, keepdims=True), 1e-14)), 1e7)
        N = X * inv
        m = X.shape[0]
        G = xp.matmul(N, N.T) * (1.0 - xp.eye(m, dtype=X.dtype))
        return N, inv, G, self.factor / (m * (m - 1.0))

    def __call__(self, inputs):  # (Keras's name: OrthogonalRegularizer()(inputs=W) binds as in Keras)
        xp, X = self._rows(inputs, "inputs")
        _, _, G, c = self._cosines(xp, X)
        return float(c * xp.sum(xp.abs(G)))

    def gradient(self, W):
        xp, X = self._rows(W, "W")
        N, inv, G, c = self._cosines(xp, X)
        g = 2 * c * xp.matmul(xp.sign(G), N)  # ∂penalty/∂N (G is symmetric)
        clipped = inv >= 1e7  # Keras scales such a row by the constant 1e7: its gradient is g · 1e7
        dX = xp.where(clipped, g * inv, (g - xp.sum(g * N, axis=1, keepdims=True) * N) * inv)
        return dX if self.mode == "rows" else dX.T

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


class FunctionRegularizer(Regularizer):
    """A user's function ``f(x) -> penalty`` as a regularizer (Keras's "any function that takes in a weight
    matrix and returns a scalar"), with the derivative training needs in its attribute ``gradient(W)``,
    as :class:`~glassnet.activations.FunctionActivation` wraps a function with a ``derivative``.

    A model file holds it by name where the function is registered
    (``@glassnet.saving.register_keras_serializable()``: ``{"class_name": "function", "config":
    "Custom>name"}``, as Keras writes a registered function); saving an unregistered one leaves it out
    with a warning (a file holds no code), and :func:`serialize` refuses it."""

    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", type(function).__name__)

    def __call__(self, x):
        return self.function(x)

    def gradient(self, W):
        grad = self.function.gradient(W)
        if tuple(getattr(grad, "shape", ())) != tuple(W.shape):  # G += a number would spread it over every weight
            raise ValueError(f"The gradient of regularizer {self.name!r} must return an array of the weights' shape "
                             f"{tuple(W.shape)}. It returned {type(grad).__name__} of shape "
                             f"{getattr(grad, 'shape', None)}.")
        return grad

    def __repr__(self):
        return f"FunctionRegularizer({self.function!r})"


def _function_regularizer(function, name):
    """:class:`FunctionRegularizer` of ``function``, a callable that is no :class:`Regularizer`: refused
    without its ``gradient`` attribute, naming the argument ``name`` and the two ways that train."""
    if callable(getattr(function, "gradient", None)):
        return FunctionRegularizer(function)
    start = "" if name is None else f"{name}: "
    what = getattr(function, "__name__", None) or type(function).__name__
    raise ValueError(
        f"{start}Could not interpret regularizer identifier {what!r}, a function without a gradient: glassnet "
        "trains with the gradient of the penalty and does not differentiate code. Give the function a gradient(W) attribute (for "
        "f = lambda x: 0.01 * np.sum(x**2), f.gradient = lambda W: 0.02 * W), or subclass "
        "glassnet.regularizers.Regularizer with __call__(x) and gradient(W).")


# Keras 3's lowercase aliases: regularizers.l2(0.01) is regularizers.L2(0.01), and l1_l2 is
# L1L2, whose penalties are 0 unless given (tf.keras's l1_l2 function defaulted to 0.01 each)
l1, l2, l1_l2 = L1, L2, L1L2
orthogonal_regularizer = OrthogonalRegularizer


def _l1_l2_by_name():
    """``kernel_regularizer="l1_l2"``: 0.01 each, as Keras documents the name (a name
    that penalised nothing would be a silent no-op)."""
    return L1L2(l1=0.01, l2=0.01)


REGULARIZERS = {"l1": L1, "l2": L2, "l1_l2": _l1_l2_by_name, "orthogonal_regularizer": OrthogonalRegularizer}
CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer}


def get(identifier, name=None):
    """None, a name, a :class:`Regularizer` or its config, or a function with a ``gradient(W)`` attribute
    (:class:`FunctionRegularizer`; a registered one as a file names it); ``name``: the argument it was given
    as (``"kernel_regularizer"``), for the error."""
    if (callable(identifier) and not isinstance(identifier, (type, Regularizer))
            and not from_keras(identifier)):  # (Keras's own objects: refused by lookup, saying so)
        return _function_regularizer(identifier, name)
    function = _custom_objects.find_function(identifier)  # a registered function, saved by its name
    if function is not None:
        return _function_regularizer(function, name)
    return lookup(identifier, REGULARIZERS, "regularizer", instance_of=Regularizer, instantiate=True, argument=name)


def serialize(regularizer):
    """``{"class_name", "config"}``; a :class:`FunctionRegularizer` of a registered function by its registered
    name, as Keras writes it; of any other function, a ValueError (a file holds no code)."""
    if isinstance(regularizer, FunctionRegularizer):
        config = _custom_objects.serialize_function(regularizer.function)
        if config is not None:
            return config
        if inspect.isfunction(regularizer.function):
            raise ValueError(f"Cannot save {_custom_objects.unregistered_function(regularizer.function, 'regularizer')}.")
        raise ValueError(f"Cannot save the regularizer {regularizer.function!r:.80}: a model file holds no code; "
                         "register a function with @glassnet.saving.register_keras_serializable(), or subclass "
                         "glassnet.regularizers.Regularizer with get_config().")
    return to_config(regularizer, CLASSES, "regularizer")


@_custom_objects.takes_custom_objects
def deserialize(config):
    """Inverse of :func:`serialize`: a built-in's config, name or class name (``"l2"``, ``"L2"``), a user's
    registered (or passed) class or function; nothing else is created."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return get(config)
    return from_config(config, CLASSES, "regularizer", get, REGULARIZERS)


__all__ = [
    "Regularizer", "FunctionRegularizer", "L1", "L1L2", "L2", "OrthogonalRegularizer",
    "l1", "l1_l2", "l2", "orthogonal_regularizer",
    "get", "serialize", "deserialize",
]
