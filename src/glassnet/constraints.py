"""Weight constraints, applied after each optimizer update, as Keras defines them.

Training makes ``W ← constraint(W)`` after every step (Keras's ``optimizer.apply``),
with ``‖w‖`` the Euclidean norm of each slice along ``axis`` (``axis=0``: the
weights into each unit of a Dense layer, a column of ``W``; ``axis=None``: one norm of all the
weights) and ``ε = 1e-7``:

``MaxNorm(max_value)``: ``w ← w · min(‖w‖, max_value) / (ε + ‖w‖)`` (max-norm, used with
dropout by Srivastava et al., 2014);
``MinMaxNorm(min_value, max_value, rate)``: ``w ← w · (rate · clip(‖w‖, min, max) + (1 − rate) · ‖w‖) / (ε + ‖w‖)``;
``UnitNorm()``: ``w ← w / (ε + ‖w‖)``;
``NonNeg()``: ``w ← max(w, 0)``.
"""

import inspect
import math
import numbers
import weakref

import numpy as np

from . import _custom_objects
from ._registry import Configurable, from_config, lookup, to_config
from ._validation import check_array, check_number
from .backend import floatx, get_namespace

#: Keras's ``backend.epsilon()``, added to the norms before dividing by them
EPSILON = 1e-7

#: NumPy's largest number of axes
MAX_DIMS = 64


def _check_axis(axis):
    """An int, a tuple of ints (Keras also takes a list: ``[0, 1, 2]`` for a Conv2D kernel), or None:
    one norm over all the weights, as Keras's ``ops.sum(axis=None)``."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)) and axis and all(isinstance(a, numbers.Integral) for a in axis):
        checked = tuple(int(a) for a in axis)
    elif isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
        checked = int(axis)
    else:
        raise TypeError(f"axis must be an integer, a list of integers or None. Received: axis={axis!r:.100}")
    if not all(-MAX_DIMS <= a < MAX_DIMS for a in np.atleast_1d(checked).tolist()):  # 10**30: a raw OverflowError
        raise ValueError(f"axis must name axes of the weights, between -{MAX_DIMS} and {MAX_DIMS - 1}. "
                         f"Received: axis={axis!r:.100}")
    return checked


#: the length of a slice from which its float32 norm is summed in float64 (see _norms)
_LONG_SUM = 4096


def _slices(shape, axes):
    """How many norms ``axes`` (``()``: all of them) cut weights of ``shape`` into."""
    if not axes:
        return 1
    kept = {a % len(shape) for a in axes}
    return math.prod(size for i, size in enumerate(shape) if i not in kept)


def _norms(W, constraint):
    """``‖w‖`` of each slice of ``W`` along ``constraint.axis`` (of all of ``W`` for None), kept as axes of
    length 1 (broadcasts against ``W``); an axis ``W`` lacks, or one named twice, is refused by name (NumPy's
    AxisError "axis 5 is out of bounds for array of dimension 2" came from inside the training step)."""
    axis, ndim = constraint.axis, len(W.shape)
    axes = () if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if not all(-ndim <= a < ndim for a in axes) or len({a % ndim for a in axes}) < len(axes):
        span = f"from {-ndim} to {ndim - 1} for weights of shape {tuple(W.shape)}" if ndim else "scalar weights have none"
        raise ValueError(f"{constraint!r}: axis must name distinct axes of the weights ({span}). "
                         f"Received: axis={_axis_config(axis)!r}")
    xp = get_namespace(W)
    if xp is np and W.dtype in (np.float16, np.float32) and W.size > _LONG_SUM * max(1, _slices(W.shape, axes)):
        # NumPy adds along a strided axis (axis=0: a Dense kernel's columns) one row at a time, and in float32
        # the rounding piles up with the length: the column norms of a (100000, 4) kernel were off by 9e-6
        # (Keras's by 5e-8). Squares summed in float64 keep float32's precision, for three times the time, so
        # only for long slices: a (784, 512) kernel's float32 norms are off by 7e-7 (6 ulp), and MaxNorm runs
        # after every step. The norms, one per slice, go back to the weights' dtype.
        return np.sqrt(np.sum(np.square(W, dtype=np.float64), axis=axis, keepdims=True)).astype(W.dtype)
    return xp.sqrt(xp.sum(xp.square(W), axis=axis, keepdims=True))


class Constraint(Configurable):
    """The base class: ``__call__(w)`` returns the projected weights (here ``w`` unchanged);
    a subclass overrides it, as in Keras."""

    def __call__(self, w):
        return w

    def apply_in_place(self, W):
        """``W ← self(W)``, written into ``W`` (a view of the model's flat weights)."""
        W[...] = _same_shape(self(W), W, self)

    def get_config(self):
        """The constructor's arguments (none here; the built-in constraints list theirs)."""
        return {}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def _as_converted_by_keras(values):
    """The array of a list or Python number in the dtype Keras's ``convert_to_tensor`` gives it: floats in
    floatx (float32, where NumPy reads them as float64), integers in int32 (int64 where they do not fit, as
    TensorFlow's)."""
    if values.dtype.kind == "f":
        return values.astype(floatx())
    if values.dtype.kind in "iu" and np.array_equal(values.astype(np.int32), values):
        return values.astype(np.int32)
    return values


class _InPlace(Constraint):
    """A built-in constraint: its arithmetic is :meth:`apply_in_place`, in the weights' dtype,
    and calling it projects a copy."""

    def __call__(self, w):
        W = w  # Keras's argument name outside, the lectures' W inside
        xp = get_namespace(W)  # NumPy for a NumPy array, whatever namespace is active (as regularizers)
        if xp is np:
            # None, text or complex numbers are refused (None became a NaN)
            plain = not isinstance(W, (np.ndarray, np.generic))
            W = check_array(W, "w", ndim=None, allow_empty=True, finite=False)
            if plain:
                W = _as_converted_by_keras(W)
            W = np.array(W, dtype=self._dtype_for(W.dtype))
        else:
            W = xp.asarray(W, copy=True)
        self.apply_in_place(W)
        return W

    def _dtype_for(self, dtype):
        """The dtype of the projected weights: a float dtype is kept, and integers give floatx, as Keras's
        norms (the square root of a sum of integers) do."""
        return dtype if dtype.kind == "f" else floatx()


class MaxNorm(_InPlace):
    """``w ← w · min(‖w‖, max_value) / (ε + ‖w‖)`` for each slice along ``axis``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = check_number(max_value, "max_value", low=0)
        self.axis = _check_axis(axis)

    def apply_in_place(self, W):
        xp = get_namespace(W)
        norms = _norms(W, self)
        with np.errstate(invalid="ignore"):  # an infinite weight gives NaN (inf · 0), as Keras's
            W *= xp.clip(norms, 0, self.max_value) / (EPSILON + norms)

    def get_config(self):
        return {"max_value": self.max_value, "axis": _axis_config(self.axis)}


class MinMaxNorm(_InPlace):
    """``w ← w · (rate · clip(‖w‖, min_value, max_value) + (1 − rate) · ‖w‖) / (ε + ‖w‖)``:
    ``rate=1`` enforces the bounds at once, a smaller rate moves the norms towards them."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = check_number(min_value, "min_value", low=0)
        self.max_value = check_number(max_value, "max_value", low=self.min_value)
        self.rate = check_number(rate, "rate", low=0, high=1)
        self.axis = _check_axis(axis)

    def apply_in_place(self, W):
        xp = get_namespace(W)
        norms = _norms(W, self)
        with np.errstate(invalid="ignore"):  # an infinite weight gives NaN (inf / inf), as Keras's
            desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
            W *= desired / (EPSILON + norms)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": _axis_config(self.axis)}


class NonNeg(_InPlace):
    """``w ← max(w, 0)``."""

    def apply_in_place(self, W):
        get_namespace(W).maximum(W, 0, out=W)

    def _dtype_for(self, dtype):
        # Keras's ops.maximum(w, 0) keeps integer weights integers (booleans become int32)
        return np.dtype("int32") if dtype.kind == "b" else dtype


class UnitNorm(_InPlace):
    """``w ← w / (ε + ‖w‖)`` for each slice along ``axis``."""

    def __init__(self, axis=0):
        self.axis = _check_axis(axis)

    def apply_in_place(self, W):
        norms = _norms(W, self)
        with np.errstate(invalid="ignore"):  # an infinite weight gives NaN (inf / inf), as Keras's
            W /= EPSILON + norms

    def get_config(self):
        return {"axis": _axis_config(self.axis)}


def _axis_config(axis):
    """``axis`` as JSON holds it (a tuple is written as a list)."""
    return list(axis) if isinstance(axis, tuple) else axis


# Keras 3's lowercase aliases: constraints.max_norm(3) is constraints.MaxNorm(3)
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

CONSTRAINTS = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm}
CLASSES = {cls.__name__: cls for cls in CONSTRAINTS.values()}


def get(identifier, argument="constraint"):
    """None, a name (``"max_norm"`` or ``"MaxNorm"``: the defaults), a :class:`Constraint`, or any
    callable ``f(w) -> w``, as Keras; ``argument`` names what was passed in an error
    (``"kernel_constraint"``)."""
    return lookup(identifier, CONSTRAINTS, argument, instance_of=Constraint, allow_callable=True, instantiate=True)


#: the constrained weight arrays that layers handed out (``model.trainable_weights``, ``layer.kernel``):
#: id -> (weak reference to the array, to its layer, the weight's key). Keras's ``optimizer.apply``
#: applies each variable's constraint after its step; a NumPy array carries none, so
#: ``apply_gradients`` of a custom loop finds it here (:func:`of_variable`).
_HANDED_OUT = {}


def note_handed_out(layer, key, array):
    """Remember that ``array`` is ``layer``'s weight ``key``, where the layer constrains it."""
    if key not in layer.parameter_constraints():
        return
    i = id(array)

    def forget(ref):
        if _HANDED_OUT.get(i, (None,))[0] is ref:  # not a later array that took the same id
            _HANDED_OUT.pop(i, None)  # (two threads may drop the last reference at once)

    try:
        _HANDED_OUT[i] = (weakref.ref(array, forget), weakref.ref(layer), key)
    except TypeError:  # an array type without weak references: its constraint is not found
        pass


def of_variable(array):
    """The constraint of ``array`` where it is a layer's constrained weight that the layer handed
    out (:func:`note_handed_out`) and still holds, else None."""
    entry = _HANDED_OUT.get(id(array))
    if entry is None:
        return None
    ref, layer_ref, key = entry
    layer = layer_ref()
    if ref() is not array or layer is None or key not in layer.params:
        return None
    if layer._handed_out(key) is not array and not _writes_through(array, layer.params[key]):
        return None  # the layer's arrays moved (a model's buffer), and this one no longer reaches them
    return layer.parameter_constraints().get(key)


def _writes_through(array, current):
    """Whether ``array`` is a Variable handed out before a model bound its layer again (nesting, sharing,
    ``add``), which reads and writes the layer's ``current`` array: still that weight."""
    from .variables import Variable

    return isinstance(array, Variable) and array._current() is current


def apply_in_place(constraint, W):
    """``W ← constraint(W)`` written into ``W``: a :class:`Constraint` computes in place; a
    function's result is copied in (cast to ``W``'s dtype)."""
    if isinstance(constraint, Constraint):
        constraint.apply_in_place(W)
    else:
        W[...] = _same_shape(constraint(W), W, constraint)


def _same_shape(value, W, constraint):
    """``value``, the weights ``constraint`` returned for ``W``, refused unless of ``W``'s shape:
    written into ``W`` it would be broadcast (Keras's ``variable.assign`` refuses it too)."""
    if tuple(np.shape(value)) != tuple(W.shape):
        raise ValueError(f"A constraint must return weights of the shape it receives: {constraint!r:.80} returned "
                         f"shape {tuple(np.shape(value))} for weights of shape {tuple(W.shape)}.")
    return value


def serialize(constraint):
    """``{"class_name", "config"}`` of a built-in constraint object (``MaxNorm(1.5)`` gives
    ``{"class_name": "MaxNorm", "config": {"max_value": 1.5, "axis": 0}}``), or of a subclass of the user's
    as Keras writes it (with its ``registered_name``), or of a registered function by its registered name; a
    ValueError for any other object (an unregistered function)."""
    config = _custom_objects.serialize_function(constraint)
    if config is not None:
        return config
    if inspect.isfunction(constraint):
        raise ValueError(f"Cannot save {_custom_objects.unregistered_function(constraint, 'constraint')}.")
    return to_config(constraint, CLASSES, "constraint")


@_custom_objects.takes_custom_objects
def deserialize(config):
    """The constraint of a :func:`serialize` or Keras config, or of a name (``"max_norm"``, as :func:`get`);
    only the built-in classes and the user's own (registered, or passed in ``custom_objects``) are created,
    and a registered function is found by its name."""
    function = _custom_objects.find_function(config)
    if function is not None:
        return function
    return from_config(config, CLASSES, "constraint", get, CONSTRAINTS)


__all__ = [
    "Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm",
    "max_norm", "min_max_norm", "non_neg", "unit_norm",
    "get", "serialize", "deserialize",
]
