"""The :class:`Activation` base and what every family shares.

:class:`Activation` (``forward``, ``derivative``, ``backward``, and ``__call__``, which computes
Keras's function ``relu(x, ...)`` on any array or joins a layer's chain); :class:`_Normalising`,
the base of softmax and log-softmax along any axis, with the axis helpers (:func:`checked_axes`,
:func:`resolve_axes`, the moves of those axes to rows and back); and the numeric helpers several
families compute with: the logistic ``σ(λz)`` (:func:`_logistic`), ``z · F`` at ``z = -inf``
(:func:`_z_times`), the dtype's 1 and its largest number.
"""

import math

import numpy as np

from .._validation import check_array
from ..backend import astype, constant, floats_quiet, floatx, get_namespace, is_half, numpy_dtype


def _check_options(activation, options, accepted):
    """A TypeError naming the first of ``options`` that ``activation`` does not take."""
    for key in options:
        if key not in accepted:
            takes = ", ".join(["x", *accepted, *(["axis"] if activation.along_last_axis else [])])
            raise TypeError(f"{activation.name}() got an unexpected keyword argument {key!r}; it takes {takes}.")


def _check_axis(axis, ndim):
    """``axis`` of an array of ``ndim`` dimensions as a non-negative int."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be one integer (glassnet normalises along one axis). Received: axis={axis!r:.100}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis must be in [{-ndim}, {ndim}) for x of {ndim} dimensions. Received: axis={axis}")
    return int(axis) % ndim


def checked_axes(axis):
    """Keras's softmax ``axis``: an integer or a non-empty list or tuple of them (a list kept
    as a tuple), else a TypeError naming ``axis``; the range is checked against the input."""
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in axes):
        raise TypeError(f"axis must be an integer or a non-empty list of integers (the axes normalised "
                        f"along, -1 the last). Received: axis={axis!r:.100}")
    axes = tuple(int(a) for a in axes)
    return axes if isinstance(axis, (list, tuple)) and len(axes) > 1 else axes[0]


def resolve_axes(axis, ndim):
    """The sorted non-negative axes that ``axis`` (as :func:`checked_axes` keeps it) names in an
    array of ``ndim`` dimensions; a ValueError naming ``axis`` for one out of range or named twice."""
    given = axis if isinstance(axis, tuple) else (axis,)
    if any(not -ndim <= a < ndim for a in given):
        raise ValueError(f"axis must be in [{-ndim}, {ndim}) for an input of {ndim} dimensions. "
                         f"Received: axis={axis}")
    axes = sorted(a % ndim for a in given)
    if len(set(axes)) != len(axes):
        raise ValueError(f"axis names the same axis twice for an input of {ndim} dimensions. Received: axis={axis}")
    return tuple(axes)


def _to_rows(X, axes):
    """``X`` with ``axes`` moved to the end and merged into one: each row one distribution."""
    xp = get_namespace(X)
    rest = tuple(a for a in range(X.ndim) if a not in axes)
    moved = xp.permute_dims(X, rest + axes)
    return xp.reshape(moved, (*moved.shape[:len(rest)], math.prod(moved.shape[len(rest):])))


def _from_rows(R, axes, shape):
    """Inverse of :func:`_to_rows` for an array of ``shape``."""
    xp = get_namespace(R)
    order = tuple(a for a in range(len(shape)) if a not in axes) + axes
    return xp.permute_dims(xp.reshape(R, tuple(shape[a] for a in order)), tuple(np.argsort(order)))


class Activation:
    """Base class. ``output_range`` is the interval the outputs lie in."""

    name = "activation"
    output_range = (-float("inf"), float("inf"))
    #: each output depends on its own input only, so ``backward`` is ``dA ⊙ g'(z)``;
    #: softmax's outputs depend on the whole row (``backward`` is its Jacobian product)
    elementwise = True
    #: piecewise constant (step, sign, argmax): the derivative is 0 wherever it exists,
    #: so gradient-based learning (the delta rule, backpropagation) cannot move the weights
    piecewise_constant = False
    #: normalises along the last axis (softmax, log-softmax, argmax): a scalar has none
    along_last_axis = False

    def forward(self, Z, out=None):
        """``A = g(Z)``, of ``Z``'s shape (row by row for softmax); ``out``: an array to write ``A`` into."""
        raise NotImplementedError(self._undefined("forward"))

    #: the derivative is 0 on whole intervals, where Keras's gradient is JAX's select (ReLU6, hard tanh, the
    #: shrinks...): a float16 ``dA`` (a loss-scaled one may overflow) is dropped there, as Keras drops it, not
    #: multiplied by 0 (``inf · 0 = NaN``; :func:`_selected`)
    selects = False

    def derivative(self, Z, A):
        """``g'(Z)`` elementwise, written from the output ``A = g(Z)`` where the lectures do (the
        logistic's ``λ A (1 − A)``)."""
        raise NotImplementedError(self._undefined("derivative"))

    def _undefined(self, method):
        """Why this (a user's subclass) cannot run: it does not define ``method``."""
        cls = type(self)
        own_call = any("__call__" in vars(k) for k in cls.__mro__ if k.__module__.split(".")[0] != "glassnet")
        hint = " (layers run forward, not __call__: rename it)" if method == "forward" and own_call else ""
        return (f"{cls.__name__} defines no {method}{hint}. An Activation subclass defines forward(self, Z, "
                "out=None) -> A = g(Z) and derivative(self, Z, A) -> g'(Z), elementwise (from the output A where "
                "it is simpler: 1 - A**2 for tanh).")

    def backward(self, Z, A, dA, out=None):
        """``dZ = dA ⊙ g'(Z)`` from ``dA = ∂J/∂A`` (the chain rule; softmax and the other row-wise
        activations: their Jacobian-vector product); ``out``: an array to write ``dZ`` into."""
        if self.selects and _half_gradient(dA):
            derivative = self.derivative(Z, A)
            return get_namespace(Z).multiply(_selected(dA, derivative != 0), derivative, out=out)
        return get_namespace(Z).multiply(dA, self.derivative(Z, A), out=out)

    #: Keras's optional arguments of this function, in its order (``relu(x, 0.1)``); by
    #: keyword, any name of :meth:`get_config` (and ``axis`` for softmax) is taken too
    keras_arguments = ()

    def __call__(self, x, *args, **options):
        """``g(x)`` for any array-like ``x``, as Keras's function ``keras.activations.relu(x)``.

        Keras's arguments compute with those settings: ``relu(x, max_value=6.0)``,
        ``elu(x, alpha=0.5)``, ``gelu(x, approximate=True)``, ``softmax(x, axis=0)``.
        Integers and booleans are computed in ``floatx()`` (float32), as Keras: in their
        own dtype ``e^z`` cannot be stored (softmax raised), small ones reach float16
        (log-softmax of uint8 gave -inf) and bool has no ``-``; floating inputs keep
        their dtype."""
        if args:
            if len(args) > len(self.keras_arguments):
                takes = ", ".join(("x", *self.keras_arguments))
                raise TypeError(f"{self.name}() takes ({takes}): {1 + len(args)} positional arguments were given.")
            for key, value in zip(self.keras_arguments, args):
                if key in options:
                    raise TypeError(f"{self.name}() got multiple values for argument {key!r}.")
                options[key] = value
        # softmax and log-softmax keep their axis (a layer's too); argmax, glu, sparsemax take the moved array
        axis = options.pop("axis", -1) if self.along_last_axis and not isinstance(self, _Normalising) else -1
        g = self.with_options(**options) if options else self
        from ..layers.base import ChainTensor, InputLayer  # (layers import this module)

        if isinstance(x, (ChainTensor, InputLayer)):
            # a layer's output in a functional chain or a traced call (x = keras.activations.relu(x)): an
            # Activation layer joins the chain, as Keras's functional API turns the op into a node
            from ..layers import Activation
            from ..layers import Softmax as SoftmaxLayer
            from . import Softmax, check_layer_axis  # (the package's: its modules import this one)

            if axis != -1:
                raise ValueError(f"{self.name}(x, axis={axis!r}) on a layer's output: glassnet's Activation layer "
                                 "computes along the last axis. Omit axis (-1).")
            # (checked here, where the call is: a chain whose last layer was built deferred it to Model(...))
            if isinstance(g, _Normalising):
                check_layer_axis(g, tuple(x.shape)[1:], f"{self.name}(x, axis={g.axis!r}) on a layer's output")
            if isinstance(g, Softmax) and g.axis != -1 and g.beta == 1.0:
                return SoftmaxLayer(g.axis)(x)  # Keras's Softmax layer, which a Keras file holds
            return Activation(g)(x)
        xp = get_namespace(x)
        if xp is not np and not hasattr(x, "__array_namespace__") and not hasattr(x, "__dlpack__"):
            xp = np  # a list or a number: read as NumPy reads it (float64), as the losses read them
        Z = check_array(x, "x", ndim=None, allow_empty=True, finite=False) if xp is np else xp.asarray(x)
        if not (Z.dtype.kind == "f" if xp is np else xp.isdtype(Z.dtype, "real floating")):
            Z = astype(Z, floatx())
        if Z.ndim == 0:
            if self.along_last_axis or not self.elementwise:
                raise ValueError(f"{self.name} normalises along the last axis: x must have at least one "
                                 f"dimension. Received the scalar {Z.item()!r}.")
            return g.forward(Z[None])[0]  # as one element: forward's out= buffers need an array
        axis = _check_axis(axis, Z.ndim)
        if axis != Z.ndim - 1:  # softmax(x, axis=0): along the last axis of the moved array
            return xp.moveaxis(g.forward(xp.moveaxis(Z, axis, -1)), -1, axis)
        return g.forward(Z)

    def with_options(self, **options):
        """A new activation like this one with Keras's arguments ``options`` changed
        (what ``elu(x, alpha=0.5)`` computes with). Unknown names are a TypeError."""
        config = self.get_config()
        _check_options(self, options, config)
        return type(self)(**{**config, **options})

    def layer_refusal(self):
        """Why a layer cannot apply this activation (a sentence), or None: it can."""
        return None

    def get_config(self):
        """The constructor's arguments (none here), which ``serialize`` stores with the name."""
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _Normalising(Activation):
    """Softmax and log-softmax along ``axis`` (Keras's: an integer or a tuple of them, -1 the
    last). Subclasses compute along the last axis (``forward(..., last=True)``, ``backward``);
    another axis is moved to the end (several merged into one) and back."""

    elementwise = False
    along_last_axis = True
    keras_arguments = ("axis",)

    def __init__(self, axis=-1):
        self.axis = checked_axes(axis)

    def _moved_axes(self, Z):
        """None when ``axis`` is ``Z``'s last, else the axes to move."""
        if self.axis == -1:
            return None
        axes = resolve_axes(self.axis, Z.ndim)
        return None if axes == (Z.ndim - 1,) else axes

    def other_axes(self, ndim):
        """The axes normalised along in an ``ndim``-D array where they are not just its last
        (``Softmax(axis=1)`` on 3-D outputs: ``(1,)``), else None."""
        axes = None if self.axis == -1 else resolve_axes(self.axis, ndim)
        return None if axes in (None, (ndim - 1,)) else axes

    # Subclasses' forward and backward compute along the last axis, called with last=True; otherwise
    # they first ask _moved_axes (not for axis=-1: a training step's softmax makes no extra call)
    def _forward_moved(self, axes, Z, out):
        A = _from_rows(self.forward(_to_rows(Z, axes), last=True), axes, Z.shape)
        if out is None:
            return A
        out[...] = A
        return out

    def _backward_moved(self, axes, Z, A, dA):
        return _from_rows(self.backward(*(_to_rows(X, axes) for X in (Z, A, dA)), last=True), axes, Z.shape)

    def get_config(self):
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


_HALF = np.dtype("float16")


def _half_gradient(dA):
    """Whether the gradient ``dA`` is float16: one comparison for a NumPy array (a float32 step pays no more),
    :func:`~glassnet.backend.is_half` for another namespace's."""
    return dA.dtype == _HALF if type(dA) is np.ndarray else is_half(dA)


def _selected(dA, passed, out=None):
    """``dA`` where ``passed`` (a boolean array broadcasting against it), else 0, into ``out`` when given:
    Keras's gradient of a function that is flat where ``passed`` is False (JAX's select: ReLU, Dropout), which
    drops an inf or NaN ``dA`` there. The product ``dA ⊙ [passed]`` made it ``inf · 0 = NaN``: in a float16
    model the loss-scaled gradient that overflowed where a ReLU was off (as Keras's overflows) made the weight
    gradients NaN, and the LossScaleOptimizer skipped a step that Keras takes. float16 only: in float32 and
    float64 the product is kept (an inf there is a diverged run, which ``fit`` reports)."""
    xp = get_namespace(dA)
    dZ = xp.where(passed, dA, xp.zeros_like(dA))
    if out is None:
        return dZ
    out[...] = dZ
    return out


def _logistic(Z, out=None, steepness=1.0):
    """``σ(λz) = 1 / (1 + e^{-λz})`` as written, as :class:`Sigmoid` (and PyTorch) compute it: where
    ``e^{-λz}`` overflows it is inf and σ its limit 0 (λz below -88 in float32), quietly (NaN stays
    NaN). Four passes, 10x faster than the where() of two branches it replaces (128 x 512 float32:
    60 µs against 0.67 ms); negative and reciprocal are −1·z and 1/x bit for bit, without the
    conversion of a Python number at each call (~0.3 µs each of a small network's step)."""
    xp = get_namespace(Z)
    E = xp.negative(Z, out=out) if steepness == 1.0 else xp.multiply(Z, -steepness, out=out)
    if floats_quiet():  # (fit's steps: no errstate to enter, a third of the call on a few numbers)
        xp.exp(E, out=E)
    else:
        with np.errstate(over="ignore"):
            xp.exp(E, out=E)
    E += _one(E)
    return xp.reciprocal(E, out=E)


def _one(A):
    """1 for an operation with ``A``: a 0-d array of its dtype for a NumPy float array, else 1.0."""
    return constant(1.0, A.dtype) if type(A) is np.ndarray and A.dtype.kind == "f" else 1.0


def _largest(Z):
    """The largest finite number of ``Z``'s dtype: ``clip(Z, -big, big)`` is ``Z`` for finite z, and
    at ±inf a factor that stays ±0 times 0 (``-inf · σ(-inf)`` was ``-inf · 0 = NaN``)."""
    return float(np.finfo(numpy_dtype(Z)).max)


def _z_times(Z, F, out=None):
    """``z · F`` for a factor ``F`` that is 0 at z = -inf (σ, Φ, ...), with -inf taken as the dtype's
    most negative number: the limit -0 there, not ``-inf · 0 = NaN``; finite z give ``z · F`` itself.
    Written into ``out`` when given (a training buffer) and multiplied in place: each new array of the
    batch's size costs page-faulting allocations, the clip itself one cheap pass."""
    A = get_namespace(Z).clip(Z, -_largest(Z), float("inf"), out=out)
    A *= F
    return A
