"""Activation functions g(z), each with its derivative beside it (SPEC A1).

An activation is an object with

* ``forward(Z) -> A``: the value ``A = g(Z)``, row-wise for softmax;
* ``derivative(Z, A) -> g'(Z)``: elementwise derivative, written from the
  output ``A`` where the lectures do (logistic: ``λ·f(1-f)``);
* ``backward(Z, A, dA) -> dZ``: the chain rule ``dZ = dA ⊙ g'(Z)``; softmax
  and log-softmax override it with their Jacobian-vector product.

Names follow Keras (``"relu"``, ``"sigmoid"``, ...); :func:`get` accepts a
name, an :class:`Activation` or a plain callable ``f(Z) -> A`` (treated as
non-differentiable unless it has a ``derivative`` attribute).
"""

import inspect
import math

import numpy as np

from . import _custom_objects
from ._registry import from_config, lookup, to_config
from ._validation import check_array, check_number
from .backend import _FLOAT32, _FLOAT64, astype, constant, floats_quiet, floatx, get_namespace, numpy_dtype


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
        raise NotImplementedError

    def derivative(self, Z, A):
        raise NotImplementedError

    def backward(self, Z, A, dA, out=None):
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
        from .layers.base import ChainTensor, InputLayer  # (layers import this module)

        if isinstance(x, (ChainTensor, InputLayer)):
            # a layer's output in a functional chain or a traced call (x = keras.activations.relu(x)): an
            # Activation layer joins the chain, as Keras's functional API turns the op into a node
            from .layers import Activation
            from .layers import Softmax as SoftmaxLayer

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
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Linear(Activation):
    """Identity ``g(z) = z``, ``g'(z) = 1``."""

    name = "linear"

    def forward(self, Z, out=None):
        return Z

    def derivative(self, Z, A):
        return get_namespace(Z).ones_like(Z)

    def backward(self, Z, A, dA, out=None):
        return dA


class Step(Activation):
    """Heaviside step: 1 for ``z > 0``, 0 for ``z < 0`` and ``at_zero`` at ``z = 0``
    (``np.heaviside(z, at_zero)``); NaN stays NaN. Derivative 0 (almost everywhere).

    ``at_zero=1`` (the default) fires at the threshold, seed 001's "≥ threshold";
    ``Step(at_zero=0)`` is seed 002's step, "1 when value > 0, 0 otherwise"."""

    piecewise_constant = True
    name = "step"
    output_range = (0.0, 1.0)

    def __init__(self, at_zero=1.0):
        self.at_zero = check_number(at_zero, "at_zero", low=0, high=1)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        step = astype(Z >= 0, Z.dtype)
        if self.at_zero != 1:
            step = xp.where(Z == 0, self.at_zero * step, step)
        # NaN >= 0 is False: without the where, a diverged net's NaN would read as class 0
        return xp.where(xp.isnan(Z), Z, step)

    def derivative(self, Z, A):
        return get_namespace(Z).zeros_like(Z)

    def get_config(self):
        return {"at_zero": self.at_zero}


class Sign(Activation):
    """Signum ``sgn(z)``: +1 for ``z >= 0``, −1 otherwise (the perceptron's choice
    for z = 0 in seed 003); NaN stays NaN (as ``np.sign``). Derivative 0 (almost
    everywhere)."""

    piecewise_constant = True
    name = "sign"
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        one = xp.ones_like(Z)
        return xp.where(Z >= 0, one, xp.where(Z < 0, -one, Z))  # NaN is neither: it stays NaN

    def derivative(self, Z, A):
        return get_namespace(Z).zeros_like(Z)


class Sigmoid(Activation):
    """Logistic (unipolar sigmoid) ``f(z) = 1 / (1 + e^{-λz})``, ``f' = λ f (1 - f)``,
    with the steepness ``λ > 0`` (seed 000).

    Computed as written, ``1 / (1 + e^{-λz})``, as PyTorch's: where ``e^{-λz}`` overflows
    (λz below -88 in float32, -709 in float64) it is inf and f is 0, the value's limit, a
    number below the dtype's smallest normal one (float32: 1.2e-38). Four passes over the
    array, 20× faster than ``exp(-log(1 + e^{-λz}))`` through ``logaddexp`` (128 × 512 float32:
    59 µs against 1.2 ms).
    """

    name = "sigmoid"
    output_range = (0.0, 1.0)

    def __init__(self, steepness=1.0):
        self.steepness = check_number(steepness, "steepness", low=0, low_open=True)

    def forward(self, Z, out=None):
        return _logistic(Z, out, self.steepness)

    def derivative(self, Z, A):
        return self.steepness * A * (1 - A)

    def backward(self, Z, A, dA, out=None):
        # (a subclass's own derivative is what it backpropagates)
        if (out is None or out is A or out is dA or self.steepness != 1.0
                or type(self).derivative is not Sigmoid.derivative):
            return super().backward(Z, A, dA, out=out)
        # dA · (A·(1 − A)) in ``out``, without derivative's three temporaries (1·A is A: the same
        # products, bit for bit; a few microseconds of a small batch's step)
        xp = get_namespace(Z)
        xp.subtract(_one(A), A, out=out)
        out *= A
        out *= dA
        return out

    def get_config(self):
        return {"steepness": self.steepness}


class BipolarSigmoid(Activation):
    """Bipolar sigmoid ``f(z) = 2 / (1 + e^{-λz}) - 1``, ``f' = λ/2 · (1 - f²)``, ``λ > 0``."""

    name = "bipolar_sigmoid"
    output_range = (-1.0, 1.0)

    def __init__(self, steepness=1.0):
        self.steepness = check_number(steepness, "steepness", low=0, low_open=True)

    def forward(self, Z, out=None):
        # 2σ(λz) - 1 = tanh(λz/2): the same function, without overflow.
        return get_namespace(Z).tanh(0.5 * self.steepness * Z)

    def derivative(self, Z, A):
        return 0.5 * self.steepness * (1 - A * A)

    def get_config(self):
        return {"steepness": self.steepness}


class Tanh(Activation):
    """``tanh(z)``, ``tanh' = 1 - tanh²``."""

    name = "tanh"
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).tanh(Z, out=out)

    def derivative(self, Z, A):
        return 1 - A * A

    def backward(self, Z, A, dA, out=None):
        # (a subclass's own derivative; an ``out`` that is an input, which the passes would overwrite)
        if out is None or out is A or out is dA or type(self).derivative is not Tanh.derivative:
            return super().backward(Z, A, dA, out=out)
        # dA · (1 − A²) in ``out``: derivative's products bit for bit, without its two temporaries
        xp = get_namespace(Z)
        xp.multiply(A, A, out=out)
        xp.subtract(1, out, out=out)
        out *= dA
        return out


class ReLU(Activation):
    """``max(0, z)``; derivative 1 for ``z > 0``, else 0.

    Keras's ``relu(x, negative_slope, max_value, threshold)`` with other than its
    defaults computes with a :class:`GeneralReLU` (this class stays the plain,
    fast ReLU that the training loop special-cases)."""

    name = "relu"
    output_range = (0.0, float("inf"))
    keras_arguments = ("negative_slope", "max_value", "threshold")

    def with_options(self, **options):
        _check_options(self, options, self.keras_arguments)
        general = GeneralReLU(**options)
        return self if general.get_config() == GeneralReLU().get_config() else general

    def forward(self, Z, out=None):
        return get_namespace(Z).maximum(Z, 0, out=out)

    def derivative(self, Z, A):
        return astype(Z > 0, Z.dtype)

    def backward(self, Z, A, dA, out=None):
        return get_namespace(Z).multiply(dA, A > 0, out=out)


class LeakyReLU(Activation):
    """``z`` for ``z >= 0``, ``α z`` otherwise (seed 001: α = 0.01, parameterised; α >= 0,
    as Keras's layer: a negative slope is no longer increasing)."""

    name = "leaky_relu"
    keras_arguments = ("negative_slope",)

    def __init__(self, negative_slope=0.01):
        self.negative_slope = check_number(negative_slope, "negative_slope", low=0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        return xp.where(Z >= 0, Z, self.negative_slope * Z)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        one = xp.ones_like(Z)
        return xp.where(Z >= 0, one, self.negative_slope * one)

    def get_config(self):
        return {"negative_slope": self.negative_slope}


class Ramp(Activation):
    """Ramp: ``z`` clipped to ``[-1, 1]``; derivative 1 inside, 0 outside."""

    name = "ramp"
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).clip(Z, -1, 1)

    def derivative(self, Z, A):
        return astype((Z > -1) & (Z < 1), Z.dtype)


class Softplus(Activation):
    """``log(1 + e^z)``; derivative the logistic ``σ(z)``."""

    name = "softplus"
    output_range = (0.0, float("inf"))

    def forward(self, Z, out=None):
        # max(z, 0) + log(1 + e^{-|z|}): no overflow, within 3 ulp, and 10x faster than NumPy's
        # logaddexp(0, z) (128 x 512 float32: 0.10 ms against 1.0 ms); NaN stays NaN, quietly
        xp = get_namespace(Z)
        positive = xp.maximum(Z, xp.zeros_like(Z))  # (first: out may be Z itself)
        A = xp.abs(Z, out=out)
        xp.negative(A, out=A)
        xp.exp(A, out=A)
        xp.log1p(A, out=A)
        A += positive
        return A

    def derivative(self, Z, A):
        # σ(z) = 1 - e^{-softplus(z)}, from the output.
        return -get_namespace(Z).expm1(-A)


class ELU(Activation):
    """``z`` for ``z > 0``, ``α(e^z - 1)`` otherwise; derivative ``1`` or ``A + α``. ``α >= 0``:
    the outputs lie above ``-α`` (a negative α would bend them up, above its ``output_range``)."""

    name = "elu"
    keras_arguments = ("alpha",)

    def __init__(self, alpha=1.0):
        self.alpha = check_number(alpha, "alpha", low=0)
        self.output_range = (-self.alpha, float("inf"))

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        return xp.where(Z > 0, Z, self.alpha * xp.expm1(xp.minimum(Z, 0)))

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return xp.where(Z > 0, xp.ones_like(Z), A + self.alpha)

    def get_config(self):
        return {"alpha": self.alpha}


class GeneralReLU(Activation):
    """Keras's ReLU with its three arguments (``keras.activations.relu``, ``layers.ReLU``):

    ``g(z) = min(z, max_value)`` for ``z > threshold``, else 0 (an output ``max_value``
    caps is also at least 0), minus ``negative_slope · (threshold - z)`` below the
    threshold; NaN stays NaN. ``GeneralReLU()`` is ``max(0, z)``, ``GeneralReLU(max_value=6.0)`` is
    ReLU6, ``GeneralReLU(negative_slope=0.1)`` leaky ReLU.

    Derivative: 1 where ``z > threshold`` (and, with ``max_value``, ``0 < z < max_value``),
    ``negative_slope`` where ``z < threshold``, 0 elsewhere; with a slope alone (no ``max_value``,
    threshold 0) 1 at ``z = 0`` too, as Keras, which computes that case as ``leaky_relu``
    (``where(z >= 0, z, s·z)``), and as :class:`LeakyReLU`.
    """

    name = "relu"

    def __init__(self, negative_slope=0.0, max_value=None, threshold=0.0):
        self.negative_slope = check_number(negative_slope, "negative_slope")
        self.max_value = None if max_value is None else check_number(max_value, "max_value")
        self.threshold = check_number(threshold, "threshold")
        # no output below 0 without a slope and threshold >= 0; none above max_value with a slope >= 0
        low = 0.0 if self.negative_slope == 0 and self.threshold >= 0 else -float("inf")
        capped = self.max_value is not None and self.max_value >= 0 and self.negative_slope >= 0
        self.output_range = (low, self.max_value if capped else float("inf"))

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        zero = xp.zeros_like(Z)
        A = xp.where(Z <= self.threshold, zero, Z)  # NaN is not <= threshold: it stays NaN, as in max(0, z)
        if self.max_value is not None:
            A = xp.clip(A, 0.0, self.max_value)
        if self.negative_slope:
            A = A - self.negative_slope * xp.maximum(self.threshold - Z, zero)
        return A

    def derivative(self, Z, A):
        leaky = self.negative_slope and self.max_value is None and self.threshold == 0
        passed = Z >= 0 if leaky else Z > self.threshold
        if self.max_value is not None:
            passed = passed & (Z > 0) & (Z < self.max_value)
        dA = astype(passed, Z.dtype)
        if self.negative_slope:
            dA = dA + self.negative_slope * astype(Z < self.threshold, Z.dtype)
        return dA

    def get_config(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value, "threshold": self.threshold}


class ReLU6(Activation):
    """``min(max(0, z), 6)`` (Keras's ``relu6``); derivative 1 where ``0 < A < 6``, else 0."""

    name = "relu6"
    output_range = (0.0, 6.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).clip(Z, 0.0, 6.0)

    def derivative(self, Z, A):
        return astype((A > 0) & (A < 6), Z.dtype)


#: SELU's constants α and λ (Klambauer et al. 2017), as Keras and JAX write them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class SELU(Activation):
    """Scaled ELU ``λ z`` for ``z > 0``, ``λ α (e^z - 1)`` otherwise, with the fixed
    :data:`SELU_ALPHA` and :data:`SELU_SCALE`; derivative ``λ`` or ``A + λ α``."""

    name = "selu"
    output_range = (-SELU_SCALE * SELU_ALPHA, float("inf"))

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        return SELU_SCALE * xp.where(Z > 0, Z, SELU_ALPHA * xp.expm1(xp.minimum(Z, xp.zeros_like(Z))))

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return xp.where(Z > 0, xp.full_like(Z, SELU_SCALE), A + SELU_SCALE * SELU_ALPHA)


#: Chebyshev coefficients of erfc (Numerical Recipes, 3rd ed., §6.2.2, ``Erf::erfccheb``):
#: relative error below 2e-14 wherever erfc is a normal float64
_ERFC_COEFFICIENTS = (
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
    -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
    5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12,
    8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17)

#: float32 and float16 need the first ones only (relative error below 1e-9)
_ERFC_TERMS_SHORT = 16


def erfc(X):
    """The complementary error function ``erfc(x) = 1 - erf(x)`` of an array, elementwise.

    NumPy has none (``math.erfc`` takes one number; SciPy is an optional extra): the
    Chebyshev fit ``erfc(y) = t·exp(-y² + P(4t - 2))``, ``t = 2/(2 + y)`` for ``y = |x|``,
    and ``erfc(-y) = 2 - erfc(y)``. Accurate relative to the value, so the tail
    ``erfc(10) ≈ 2e-45`` keeps its digits (``1 - erf(x)`` would round it to 0).
    """
    xp = get_namespace(X)
    Y = xp.minimum(xp.abs(X), xp.full_like(X, 30.0))  # erfc(27) is already below every normal float64
    t = 2.0 / (2.0 + Y)
    ty = 4.0 * t - 2.0
    coefficients = _ERFC_COEFFICIENTS if numpy_dtype(X) == np.float64 else _ERFC_COEFFICIENTS[:_ERFC_TERMS_SHORT]
    # Clenshaw's recurrence d <- ty·d - dd + c, in three reused arrays (a fresh one per term cost 40%)
    d, dd, scratch = xp.full_like(X, coefficients[-1]), xp.zeros_like(X), xp.empty_like(X)
    for c in coefficients[-2:0:-1]:
        xp.multiply(ty, d, out=scratch)
        scratch -= dd
        scratch += c
        d, dd, scratch = scratch, d, dd
    E = t * xp.exp(-Y * Y + 0.5 * (coefficients[0] + ty * d) - dd)
    return xp.where(X >= 0, E, 2.0 - E)


_SQRT_HALF = 0.7071067811865476  # 1/√2
_INV_SQRT_2PI = 0.3989422804014327  # 1/√(2π)
_SQRT_2_OVER_PI = 0.7978845608028654  # √(2/π)


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


class GELU(Activation):
    """Gaussian error linear unit ``g(z) = z Φ(z)``, ``Φ`` the standard normal CDF
    ``Φ(z) = ½ erfc(-z/√2)`` (Keras's default, ``approximate=False``).

    Derivative ``g'(z) = Φ(z) + z φ(z)`` with ``φ(z) = e^{-z²/2}/√(2π)``, and
    ``Φ(z) = A / z`` from the output (½ at ``z = 0`` and for denormal z).

    ``approximate=True``: ``g(z) = ½ z (1 + tanh u)`` with
    ``u = √(2/π) (z + 0.044715 z³)``, computed as ``z σ(2u)`` (the same number, without
    the cancellation of ``1 + tanh u`` for negative z); ``g' = σ + 2 z σ(1 - σ) u'``.
    """

    name = "gelu"
    keras_arguments = ("approximate",)

    def __init__(self, approximate=False):
        if not isinstance(approximate, (bool, np.bool_)):
            raise TypeError(f"approximate must be True or False. Received: approximate={approximate!r:.100}")
        self.approximate = bool(approximate)
        # (just below) the minimum near z = -0.75: -0.169971 (erf form), -0.170041 (tanh form)
        self.output_range = (-0.17005 if self.approximate else -0.16998, float("inf"))

    def _u(self, Z):
        """``2u``, ``du/dz`` of the tanh form and ``C``, z clipped to ±50: beyond, σ(2u) is 0 or 1 (σ(1 - σ)
        is 0) in float64, and z³ stays finite."""
        xp = get_namespace(Z)
        C = xp.clip(Z, -50.0, 50.0)
        return 2.0 * _SQRT_2_OVER_PI * (C + 0.044715 * C * C * C), _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * C * C), C

    def forward(self, Z, out=None):
        if self.approximate:
            return _z_times(Z, _logistic(self._u(Z)[0]), out)
        Phi = erfc(-_SQRT_HALF * Z)
        Phi *= 0.5
        return _z_times(Z, Phi, out)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        if self.approximate:
            two_u, du, dA = self._u(Z)
            S = _logistic(two_u)
            # S + z (S (1 - S)) (2 du), with z clipped to ±50 (C, into which it is computed): S (1 - S) is 0 beyond,
            # so the product is the same ±0, not ±inf · 0 = NaN at z = ±inf
            dA *= S * (1.0 - S)
            dA *= 2.0 * du
            dA += S
            return dA
        # Φ = ½ to the dtype's precision for |z| below twice its smallest normal number, where A ≈ z/2 is
        # denormal and A / z lost Φ's digits (the smallest denormal z gave A = 0, so g' = 0)
        tiny = xp.abs(Z) < 2 * float(np.finfo(numpy_dtype(Z)).tiny)
        big = _largest(Z)  # Φ(±inf) = big / big = 1 and 0 / big = 0, where A / z was inf / inf
        D = xp.where(tiny, xp.ones_like(Z), Z)
        Phi = xp.clip(A, -big, big)
        Phi /= xp.clip(D, -big, big, out=D)
        Phi = xp.where(tiny, xp.full_like(Z, 0.5), Phi)
        C = xp.clip(Z, -40.0, 40.0)  # φ(40) is 0 in float64: z² cannot overflow, and C φ(C) is z φ(z) (±0 beyond)
        return Phi + C * (_INV_SQRT_2PI * xp.exp(-0.5 * C * C))

    def get_config(self):
        return {"approximate": self.approximate}


class SiLU(Activation):
    """Sigmoid linear unit, or swish: ``g(z) = z σ(z)``; ``g' = σ(z) + A (1 - σ(z))``."""

    name = "silu"
    output_range = (-0.28, float("inf"))  # the minimum, g(-1.28) = -0.278

    def forward(self, Z, out=None):
        return _z_times(Z, _logistic(Z), out)

    def derivative(self, Z, A):
        S = _logistic(Z)
        big = _largest(Z)
        dA = get_namespace(Z).clip(A, -big, big)  # g'(inf) = 1 + big · 0, not 1 + inf · 0
        dA *= 1.0 - S
        dA += S
        return dA


class Mish(Activation):
    """``g(z) = z tanh(softplus(z))``; ``g' = T + z (1 - T²) σ(z)`` with ``T = tanh(softplus(z))``.

    With ``e = e^z``: ``T = n / (n + 2)`` for ``n = e (e + 2)``, ``1 - T² = 2 (1 + T) / (n + 2)``
    and ``σ(z) = e / (1 + e)``: one exponential, no cancellation. Above z = 22, T is 1 and
    ``z (1 - T²) σ(z)`` below half of float64's ulp of 1, so ``e`` and that z are taken at
    ``min(z, 22)``: e never overflows, and g' is 1 from z = 21 up to inf (float16: ``min(z, 5.4)``,
    where ``e²`` still fits).
    """

    name = "mish"
    output_range = (-0.31, float("inf"))  # the minimum, g(-1.19) = -0.309

    @staticmethod
    def _clipped(Z):
        """z at most 22 (float16: 5.4), and -inf as the dtype's most negative number (e^z is 0 there)."""
        return get_namespace(Z).clip(Z, -_largest(Z), 22.0 if numpy_dtype(Z).itemsize > 2 else 5.4)

    def _parts(self, Z):
        xp = get_namespace(Z)
        E = self._clipped(Z)
        xp.exp(E, out=E)
        N = E * (E + 2.0)
        return E, N, N / (N + 2.0)

    def forward(self, Z, out=None):
        return _z_times(Z, self._parts(Z)[2], out)

    def derivative(self, Z, A):
        # z (1 - T²) σ(z) taken at C = min(z, 22) too: with e capped, z times its 1 - T² grew without bound (float16's
        # g'(1000) was 1.18, float64's g'(1e300) 1e283), and g'(inf) was inf
        E, N, T = self._parts(Z)
        dA = 2.0 * (1.0 + T) / (N + 2.0)
        dA *= self._clipped(Z)
        dA *= E / (1.0 + E)
        dA += T
        return dA


class HardSigmoid(Activation):
    """Keras 3's piecewise-linear sigmoid ``relu6(z + 3) / 6``: 0 below -3, 1 above 3,
    ``z/6 + ½`` between; derivative ``1/6`` where ``0 < A < 1``, else 0."""

    name = "hard_sigmoid"
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).clip(Z + 3.0, 0.0, 6.0) / 6.0

    def derivative(self, Z, A):
        return astype((A > 0) & (A < 1), Z.dtype) / 6.0


class HardSiLU(Activation):
    """Hard swish ``g(z) = z · hard_sigmoid(z)``; ``g' = hard_sigmoid(z) + z/6`` on (-3, 3)."""

    name = "hard_silu"
    output_range = (-0.375, float("inf"))  # the minimum, g(-1.5) = -3/8

    @staticmethod
    def _hard_sigmoid(Z):
        """``clip(z + 3, 0, 6) / 6``, in one new array."""
        H = Z + 3.0
        get_namespace(Z).clip(H, 0.0, 6.0, out=H)
        H /= 6.0
        return H

    def forward(self, Z, out=None):
        return _z_times(Z, self._hard_sigmoid(Z), out)

    def derivative(self, Z, A):
        inside = astype((Z > -3) & (Z < 3), Z.dtype)
        dA = get_namespace(Z).clip(Z, -3.0, 3.0)  # ±3 · 0 outside, not ±inf · 0
        dA *= inside
        dA /= 6.0
        dA += self._hard_sigmoid(Z)
        return dA


class Exponential(Activation):
    """``e^z``; its derivative is itself, ``A``. Overflows to inf above z ≈ 709 (88 in
    float32), as Keras's."""

    name = "exponential"
    output_range = (0.0, float("inf"))

    def forward(self, Z, out=None):
        with np.errstate(over="ignore"):  # e^1000 is inf, as in Keras, without a warning
            return get_namespace(Z).exp(Z)

    def derivative(self, Z, A):
        return A


class Softsign(Activation):
    """``z / (1 + |z|)``; derivative ``1 / (1 + |z|)² = (1 - |A|)²``."""

    name = "softsign"
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        big = _largest(Z)
        A = xp.clip(Z, -big, big, out=out)  # g(±inf) = ±big / (1 + big) = ±1, where inf / inf was NaN
        D = xp.abs(A)
        D += 1.0
        A /= D
        return A

    def derivative(self, Z, A):
        B = 1.0 - get_namespace(Z).abs(A)
        return B * B


class CELU(Activation):
    """Continuously differentiable ELU ``max(z, 0) + α (e^{min(z, 0)/α} - 1)``, ``α > 0`` (Keras's
    ``celu(x, alpha=1.0)``); derivative 1 for ``z > 0``, else ``e^{z/α} = A/α + 1``."""

    name = "celu"
    keras_arguments = ("alpha",)

    def __init__(self, alpha=1.0):
        self.alpha = check_number(alpha, "alpha", low=0, low_open=True)  # (it divides z)
        self.output_range = (-self.alpha, float("inf"))

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        zero = xp.zeros_like(Z)
        return xp.maximum(Z, zero) + self.alpha * xp.expm1(xp.minimum(Z, zero) / self.alpha)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return xp.where(Z > 0, xp.ones_like(Z), A / self.alpha + 1.0)

    def get_config(self):
        return {"alpha": self.alpha}


class HardTanh(Activation):
    """``z`` clipped to ``[-1, 1]`` (Keras's ``hard_tanh``); derivative 1 on ``[-1, 1]``, ends
    included as JAX's gradient has them, 0 outside (:class:`Ramp` takes 0 at ±1)."""

    name = "hard_tanh"
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).clip(Z, -1.0, 1.0)

    def derivative(self, Z, A):
        return astype((Z >= -1) & (Z <= 1), Z.dtype)


class HardShrink(Activation):
    """``z`` where ``|z| > threshold``, else 0 (Keras's ``hard_shrink(x, threshold=0.5)``);
    derivative 1 there, else 0. NaN stays NaN (Keras's ``where`` gives 0)."""

    name = "hard_shrink"
    keras_arguments = ("threshold",)

    def __init__(self, threshold=0.5):
        self.threshold = check_number(threshold, "threshold")

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        return xp.where(xp.abs(Z) > self.threshold, Z, xp.where(xp.isnan(Z), Z, xp.zeros_like(Z)))

    def derivative(self, Z, A):
        return astype(get_namespace(Z).abs(Z) > self.threshold, Z.dtype)

    def get_config(self):
        return {"threshold": self.threshold}


class SoftShrink(Activation):
    """``z - t`` above ``t``, ``z + t`` below ``-t``, else 0, with ``t = threshold``
    (Keras's ``soft_shrink(x, threshold=0.5)``); derivative 1 outside ``[-t, t]``, else 0.
    NaN stays NaN (Keras's ``where`` gives 0)."""

    name = "soft_shrink"
    keras_arguments = ("threshold",)

    def __init__(self, threshold=0.5):
        self.threshold = check_number(threshold, "threshold")

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        t = self.threshold
        inner = xp.where(xp.isnan(Z), Z, xp.zeros_like(Z))
        return xp.where(Z > t, Z - t, xp.where(Z < -t, Z + t, inner))

    def derivative(self, Z, A):
        return astype((Z > self.threshold) | (Z < -self.threshold), Z.dtype)

    def get_config(self):
        return {"threshold": self.threshold}


# z - tanh z = Σ_k c_k z^(2k+1) for k >= 1 (tanh's Taylor series, its signs turned), |z| < π/2: the
# coefficients of z³, z⁵, ..., z²⁵, then that of z²⁷, the first one left out
TANH_SHRINK_SERIES = (1 / 3, -2 / 15, 17 / 315, -62 / 2835, 1382 / 155925, -21844 / 6081075,
                      929569 / 638512875, -6404582 / 10854718875, 443861162 / 1856156927625,
                      -18888466084 / 194896477400625, 113927491862 / 2900518163668125,
                      -58870668456604 / 3698160658676859375)
_TANH_SHRINK_NEXT = 8374643517010684 / 1298054391195577640625


def tanh_shrink_threshold(dtype):
    """The ``|z|`` below which :class:`TanhShrink` sums its series in ``dtype``: there the first term
    left out, ``c_13 z²⁷``, is below half the rounding of the sum ``≈ z³/3`` (float64: 0.34, float32:
    0.79, float16: 1.14); above it ``z - tanh z`` loses at most a few digits to the cancellation."""
    eps = float(np.finfo(dtype).eps)
    return (0.5 * eps * TANH_SHRINK_SERIES[0] / abs(_TANH_SHRINK_NEXT)) ** (1 / (2 * len(TANH_SHRINK_SERIES)))


class TanhShrink(Activation):
    """``z - tanh(z)`` (Keras's ``tanh_shrink``); derivative ``tanh²(z)``.

    Near 0 the subtraction cancels (float32 at z = 1e-3 gave 3.49e-10 for 3.33e-10): there the value
    is the series ``z³/3 - 2z⁵/15 + 17z⁷/315 - ...`` (:data:`TANH_SHRINK_SERIES`, Horner in ``z²``),
    below :func:`tanh_shrink_threshold`; NaN and ±inf take ``z - tanh(z)`` (NaN, ±inf)."""

    name = "tanh_shrink"

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        small = xp.abs(Z) < tanh_shrink_threshold(numpy_dtype(Z))
        X = xp.where(small, Z, xp.zeros_like(Z))  # (the series of a large z would overflow)
        X2 = X * X
        S = xp.full_like(X, TANH_SHRINK_SERIES[-1])
        for c in TANH_SHRINK_SERIES[-2::-1]:
            S = S * X2 + c
        return xp.where(small, X * X2 * S, Z - xp.tanh(Z))

    def derivative(self, Z, A):
        T = get_namespace(Z).tanh(Z)
        return T * T


class Threshold(Activation):
    """``z`` where ``z > threshold``, else ``default_value`` (Keras's
    ``threshold(x, threshold, default_value)``, both required, as in Keras); derivative 1
    above the threshold, else 0. NaN stays NaN (Keras's ``where`` gives ``default_value``).

    By name, ``"threshold"`` has no settings to compute with: pass
    ``Threshold(threshold, default_value)`` to a layer."""

    name = "threshold"
    keras_arguments = ("threshold", "default_value")

    def __init__(self, threshold=None, default_value=None):
        self.threshold = None if threshold is None else check_number(threshold, "threshold")
        self.default_value = None if default_value is None else check_number(default_value, "default_value")
        if self.threshold is not None and self.default_value is not None:
            self.output_range = (min(self.threshold, self.default_value), float("inf"))

    def layer_refusal(self):
        if self.threshold is None or self.default_value is None:
            return ("threshold needs its two arguments, as Keras's threshold(x, threshold, default_value): "
                    "pass activation=activations.Threshold(threshold, default_value)")
        return None

    def _check_set(self):
        missing = [key for key in ("threshold", "default_value") if getattr(self, key) is None]
        if missing:
            raise TypeError(f"threshold() missing required argument(s) {', '.join(map(repr, missing))}: "
                            "it computes threshold(x, threshold, default_value), as Keras.")

    def forward(self, Z, out=None):
        self._check_set()
        xp = get_namespace(Z)
        low = xp.where(xp.isnan(Z), Z, xp.full_like(Z, self.default_value))
        return xp.where(Z > self.threshold, Z, low)

    def derivative(self, Z, A):
        self._check_set()
        return astype(Z > self.threshold, Z.dtype)

    def get_config(self):
        return {"threshold": self.threshold, "default_value": self.default_value}


class LogSigmoid(Activation):
    """``log σ(z) = -softplus(-z) = min(z, 0) - log(1 + e^{-|z|})`` (Keras's ``log_sigmoid``);
    derivative ``σ(-z) = 1 - e^A``, from the output (``-expm1(A)``: exact where A is tiny)."""

    name = "log_sigmoid"
    output_range = (-float("inf"), 0.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        zero = xp.zeros_like(Z)
        return xp.minimum(Z, zero) - xp.log1p(xp.exp(-xp.abs(Z)))

    def derivative(self, Z, A):
        return -get_namespace(Z).expm1(A)


class SparsePlus(Activation):
    """Keras's ``sparse_plus``: 0 for ``z <= -1``, ``(z + 1)²/4`` on ``(-1, 1)``, ``z`` for
    ``z >= 1``; derivative :class:`SparseSigmoid`'s ``clip(z + 1, 0, 2)/2`` (0 at -1, 1 at 1, as
    JAX's gradient)."""

    name = "sparse_plus"
    output_range = (0.0, float("inf"))

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        C = xp.clip(Z, -1.0, 1.0) + 1.0  # the square of the middle piece, which never overflows
        return xp.where(Z >= 1.0, Z, 0.25 * C * C)  # (C = 0 for z <= -1; NaN stays NaN)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return 0.5 * (xp.clip(Z, -1.0, 1.0) + 1.0)


class SparseSigmoid(Activation):
    """Keras's ``sparse_sigmoid`` ``clip(z + 1, 0, 2)/2``: 0 below -1, 1 above 1, ``(z + 1)/2``
    between; derivative ½ on ``(-1, 1)``, 0 outside, and at the kinks ±1 the mean of the two
    one-sided slopes, ¼, as JAX's gradient of ``clip``."""

    name = "sparse_sigmoid"
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        return 0.5 * get_namespace(Z).clip(Z + 1.0, 0.0, 2.0)

    def derivative(self, Z, A):
        return 0.25 * (astype((Z >= -1) & (Z <= 1), Z.dtype) + astype((Z > -1) & (Z < 1), Z.dtype))


class Squareplus(Activation):
    """Keras's ``squareplus(x, b=4)``: ``(z + √(z² + b))/2``, ``b >= 0``; derivative ``A/√(z² + b)``.

    With ``s = hypot(z, √b)`` (z² never overflows) the negative side is written
    ``b / (2 (s - z))``, without the cancellation of ``z + s`` (Keras's gives 0 from
    z = -1e8 on for ``b/(4|z|)``, and inf at z = -1e155); so the limits are 0 at -inf, inf at +inf
    (derivative 0 and 1)."""

    name = "squareplus"
    output_range = (0.0, float("inf"))
    keras_arguments = ("b",)

    def __init__(self, b=4):
        self.b = check_number(b, "b", low=0)

    def _value(self, Z):
        """``(A, s)`` for z already within the dtype's finite range."""
        xp = get_namespace(Z)
        S = xp.hypot(Z, xp.full_like(Z, self.b ** 0.5))
        # halves first: z/2 + s/2 stays finite at the largest z, and so does s/2 + |z|/2 below
        # the unused branches' 0/0 (b = 0, z = 0) and -inf + inf (z = -inf) quietly
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.where(Z >= 0, 0.5 * Z + 0.5 * S, (0.25 * self.b) / (0.5 * S - 0.5 * Z)), S

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        A, S = self._value(Z)
        return xp.where(xp.isinf(Z), xp.maximum(Z, xp.zeros_like(Z)), A)

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        big = _largest(Z)
        A, S = self._value(xp.clip(Z, -big, big))  # at ±inf: A/s = big/big = 1 and 0/big = 0
        nonzero = S != 0  # (NaN too: its NaN / NaN stays NaN)
        return xp.where(nonzero, A / xp.where(nonzero, S, xp.ones_like(S)), xp.full_like(Z, 0.5))

    def get_config(self):
        return {"b": self.b}


#: Softmax skips the shift by the row maximum when every logit lies in
#: [-SOFTMAX_SAFE, SOFTMAX_SAFE]: e^64 ≈ 6e27, so neither one term nor a sum of
#: up to 10^10 of them overflows float32, and e^-64 ≈ 2e-28 is still a normal
#: number. Outside that range (or with NaN) the shifted formula runs.
SOFTMAX_SAFE = 64.0


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


class Softmax(_Normalising):
    """Row-wise ``softmax(z)_i = e^{β z_i} / Σ_j e^{β z_j}`` (seed 000), ``β > 0``. When a
    logit lies outside ±:data:`SOFTMAX_SAFE`, each row is shifted by its maximum
    first, so it never overflows; inside that range the formula is computed as it
    stands (equally accurate, and faster). As β → ∞ it tends to :class:`Argmax`.

    The Jacobian is ``β (diag(a) - a aᵀ)``, so ``dZ = β a ⊙ (dA - Σ_j dA_j a_j)``.
    ``axis`` (Keras's): the axis or axes each distribution lies along, the last by default.
    """

    name = "softmax"
    output_range = (0.0, 1.0)

    def __init__(self, beta=1.0, axis=-1):
        self.beta = check_number(beta, "beta", low=0, low_open=True)
        super().__init__(axis)

    def forward(self, Z, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._forward_moved(axes, Z, out)
        # NumPy logits of float32/64 (a training step's) need neither the namespace nor the float16 test
        plain = type(Z) is np.ndarray and (Z.dtype is _FLOAT32 or Z.dtype is _FLOAT64)
        xp = np if plain else get_namespace(Z)
        if not plain and numpy_dtype(Z) == np.float16:  # (torch's float16 too: its softmax of a logit of 15 was NaN)
            # e^z overflows float16 above z = 11 (and β z sooner): computed in float32
            A = astype(self.forward(astype(Z, "float32"), last=True), "float16")
            if out is None:
                return A
            out[...] = A
            return out
        if self.beta != 1.0 and 0 not in Z.shape:
            # shifted before the scaling: β z overflows for a large finite β (β = 1e308: inf - inf = NaN),
            # β (z - max z) ≤ 0 does not, and tends to Argmax as it should
            big = float(np.finfo(np.result_type(numpy_dtype(Z), np.float32)).max)  # (β = inf in float32: 0 · inf = NaN)
            # to -inf, whose e^z is the 0 it stands for; a row with +inf is NaN (inf - inf), as torch's, quietly
            with np.errstate(over="ignore", invalid="ignore"):
                Z = (Z - xp.max(Z, axis=-1, keepdims=True)) * min(self.beta, big)
        numpy = plain or isinstance(Z, np.ndarray)
        safe = True  # an empty array has nothing to overflow (and no maximum)
        shift = None  # (unsafe: each row's maximum)
        if 0 not in Z.shape and numpy:
            # NumPy's ufunc reductions called directly: Z.min() and Z.max() go through Python
            # wrappers (~2 µs each here), a few % of a small network's step. |z| ≤ SAFE for
            # all z is the same test (NaN fails both); |Z| goes into the output buffer,
            # which exp overwrites next (not when the output is Z itself: inference in place).
            # Two arrays that own their memory, as a training step's Z and A buffers, cannot
            # overlap: np.may_share_memory (0.2 µs) is asked only about views
            apart = out is not None and out is not Z and (
                out.base is None and Z.base is None or not np.may_share_memory(out, Z))
            scratch = np.abs(Z, out=out) if apart else np.abs(Z)
            safe = float(np.maximum.reduce(scratch, axis=None)) <= SOFTMAX_SAFE
        elif 0 not in Z.shape:  # other namespaces: decided on the device (float() of it waited for the
            # device twice a step); a shift of 0 where every logit is safe is NumPy's arithmetic exactly
            shift = xp.max(Z, axis=-1, keepdims=True)
            shift = xp.where(xp.max(xp.abs(Z)) <= SOFTMAX_SAFE, xp.zeros_like(shift), shift)
            safe = False
        if safe:
            # No logit can overflow e^z or make it subnormal: the formula as it
            # stands, without the row maxima (a slow reduction over short rows).
            E = xp.exp(Z, out=out)
        else:
            with np.errstate(invalid="ignore"):  # a row with +inf is NaN (inf - inf), as torch's, without a warning
                E = xp.subtract(Z, xp.max(Z, axis=-1, keepdims=True) if shift is None else shift, out=out)
            xp.exp(E, out=E)
        E /= np.add.reduce(E, axis=-1, keepdims=True) if numpy else xp.sum(E, axis=-1, keepdims=True)
        return E

    def derivative(self, Z, A):
        # The diagonal of the Jacobian; backward uses the full product.
        return self.beta * A * (1 - A)

    def backward(self, Z, A, dA, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._backward_moved(axes, Z, A, dA)
        xp = get_namespace(Z)
        return self.beta * A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))

    def get_config(self):
        return {"beta": self.beta, **super().get_config()}


class LogSoftmax(_Normalising):
    """``log softmax(z)_i = z_i - log Σ_j e^{z_j}`` (seed 004's LogSoftMax) along ``axis``;
    ``dZ = dA - softmax(z) Σ_j dA_j``."""

    name = "log_softmax"
    output_range = (-float("inf"), 0.0)

    def forward(self, Z, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._forward_moved(axes, Z, out)
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits have no maximum: an empty result, as torch
            return xp.zeros_like(Z)
        if numpy_dtype(Z) == np.float16:
            # computed in float32, as Softmax: float16's log Σ e^(z − max) of 1 + 2e-4 read 1, and the
            # largest logit's −2.06e-4 came out as 0
            return astype(self.forward(astype(Z, "float32"), last=True), "float16")
        with np.errstate(invalid="ignore"):  # a row with +inf is NaN (inf - inf), as torch's, without a warning
            shifted = Z - xp.max(Z, axis=-1, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return 1 - xp.exp(A)

    def backward(self, Z, A, dA, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._backward_moved(axes, Z, A, dA)
        xp = get_namespace(Z)
        return dA - xp.exp(A) * xp.sum(dA, axis=-1, keepdims=True)


class GLU(Activation):
    """Gated linear unit (Keras's ``glu(x, axis=-1)``): the last axis split in halves ``a, b``,
    ``glu(z) = a ⊙ σ(b)``, half as wide as ``z``. Backward:
    ``dZ = [dA ⊙ σ(b), dA ⊙ a ⊙ σ(b)(1 - σ(b))]``.

    It computes as Keras's function (``glassnet.activations.glu(x)``); a layer's activation keeps
    its width (``Dense(units)`` gives ``units`` outputs, which its weights, buffers and the loss
    assume), so ``Dense(..., activation="glu")`` and ``Activation("glu")`` are refused: see
    :meth:`layer_refusal`."""

    name = "glu"
    elementwise = False
    along_last_axis = True
    keras_arguments = ("axis",)

    def layer_refusal(self):
        return ("glu halves its input's last axis (Dense(2k, activation='glu') would output k), and glassnet's "
                "layers keep their width; compute it as the function glassnet.activations.glu(x)")

    def _halves(self, Z):
        n = Z.shape[-1]
        if n % 2:
            raise ValueError(f"glu splits the axis in two halves: its size must be even. Received size {n} "
                             f"(x of shape {tuple(Z.shape)}).")
        return Z[..., : n // 2], Z[..., n // 2:]

    def forward(self, Z, out=None):
        a, b = self._halves(Z)
        with np.errstate(invalid="ignore"):  # ±inf · σ(∓inf) = ±inf · 0: NaN, quietly (no limit)
            return a * _logistic(b)

    def derivative(self, Z, A):
        raise ValueError("glu has no elementwise derivative: each output depends on two inputs, and there are "
                         "half as many outputs as inputs; GLU.backward(Z, A, dA) is its Jacobian product.")

    def backward(self, Z, A, dA, out=None):
        xp = get_namespace(Z)
        a, b = self._halves(Z)
        S = _logistic(b)
        with np.errstate(invalid="ignore"):
            return xp.concat([dA * S, dA * a * (S * (1.0 - S))], axis=-1)


class Sparsemax(Activation):
    """Row-wise Euclidean projection onto the probability simplex (Martins & Astudillo 2016),
    Keras's ``sparsemax(x, axis=-1)``: ``sparsemax(z)_i = max(z_i - τ, 0)`` with ``τ`` such that
    the row sums to 1. With the row sorted, ``z_(1) >= z_(2) >= ...``,
    ``τ = max_k (Σ_{j<=k} z_(j) - 1) / k`` (the maximum is at k = the support's size).

    Keras 3.15's own function (every backend) takes τ from the sum of the cumulative sums over the
    support, which is the same only when one output is non-zero: its ``sparsemax([0.5, 0.4])`` is
    ``[0.3, 0.2]`` (summing to 0.5), the projection's ``[0.55, 0.45]``. glassnet computes the
    projection, equal to Keras's where the support has one element.

    Jacobian ``diag(s) - s sᵀ/|S|``, ``s`` the support's indicator (``A > 0``):
    ``dZ = s ⊙ (dA - Σ_{j∈S} dA_j / |S|)``. A row with NaN or +inf, or all -inf, is NaN, as softmax's.
    """

    name = "sparsemax"
    elementwise = False
    along_last_axis = True
    keras_arguments = ("axis",)
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits: an empty result, as softmax's
            return xp.zeros_like(Z)
        n = Z.shape[-1]
        k = astype(xp.arange(1, n + 1), Z.dtype)
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf in a row with +inf (or all -inf), NaN:
            # a NaN row, quietly. The row is shifted by its largest z first (the projection does not change):
            # τ = z_(1) − 1 rounded to z_(1) where 1 is below z_(1)'s spacing (float16 from z = 2048, float32
            # from 1.7e7), and every output was 0
            Z = Z - xp.max(Z, axis=-1, keepdims=True)
            descending = -xp.sort(-Z, axis=-1)
            cumulative = xp.cumulative_sum(descending, axis=-1) if xp is not np else np.cumsum(descending, axis=-1)
            tau = xp.max((cumulative - 1.0) / k, axis=-1, keepdims=True)
            A = xp.maximum(Z - tau, xp.zeros_like(Z))
        # τ is finite for every row without NaN, +inf or only -inf; those rows are NaN, as softmax's
        return xp.where(xp.isfinite(tau), A, xp.full_like(A, float("nan")))

    def derivative(self, Z, A):
        # The diagonal of the Jacobian; backward uses the full product.
        xp = get_namespace(Z)
        S = astype(A > 0, Z.dtype)
        return S * (1.0 - 1.0 / xp.maximum(xp.sum(S, axis=-1, keepdims=True), xp.ones_like(S[..., :1])))

    def backward(self, Z, A, dA, out=None):
        xp = get_namespace(Z)
        S = astype(A > 0, Z.dtype)
        size = xp.maximum(xp.sum(S, axis=-1, keepdims=True), xp.ones_like(S[..., :1]))
        dZ = S * (dA - xp.sum(S * dA, axis=-1, keepdims=True) / size)
        # A NaN row (NaN in, or +inf) gets NaN gradients, not the 0 of an empty support
        return xp.where(xp.isnan(A), A, dZ)


class Argmax(Activation):
    """One-hot argmax that splits ties: ``argmax(4, 3, 2, 4) = (.5, 0, 0, .5)``
    (seed 000); a row with a NaN is all NaN, as softmax's. Piecewise constant, so its
    derivative is 0."""

    piecewise_constant = True
    along_last_axis = True
    name = "argmax"
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits have no maximum: an empty result
            return xp.zeros_like(Z)
        top = xp.max(Z, axis=-1, keepdims=True)
        hits = astype(Z == top, Z.dtype)
        count = xp.sum(hits, axis=-1, keepdims=True)
        # a row with a NaN has no maximum (NaN == NaN is False): no hits, and the row stays
        # NaN, its max, as softmax's, without NumPy's 0/0 warning
        return xp.where(count > 0, hits / (count + astype(count == 0, Z.dtype)), top)

    def derivative(self, Z, A):
        return get_namespace(Z).zeros_like(Z)


class FunctionActivation(Activation):
    """Wraps a user callable ``f(Z) -> A``; its ``derivative(Z, A)`` attribute,
    if present, is used for backpropagation."""

    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", "custom")

    def forward(self, Z, out=None):
        A = self.function(Z)
        if getattr(A, "shape", None) != Z.shape:
            raise ValueError(f"Activation {self.name!r} must return an array of its input's shape {tuple(Z.shape)}. "
                             f"It returned {type(A).__name__} of shape {getattr(A, 'shape', None)}.")
        return A

    def derivative(self, Z, A):
        deriv = getattr(self.function, "derivative", None)
        if deriv is None:
            raise ValueError(
                f"Activation {self.name!r} is a plain callable without a derivative (glassnet does not "
                "differentiate code); give it a `derivative(Z, A)` attribute or subclass "
                "glassnet.activations.Activation. Keras's functions with arguments are objects that carry "
                "theirs: for `lambda x: relu(x, max_value=6.0)` write activation=activations.GeneralReLU("
                "max_value=6.0), or activations.LeakyReLU(0.2), ELU(alpha=0.5), GELU(approximate=True), "
                "or the layers ReLU, LeakyReLU, ELU."
            )
        return deriv(Z, A)


ACTIVATIONS = {
    "linear": Linear,
    "identity": Linear,
    "step": Step,
    "heaviside": Step,
    "sign": Sign,
    "sgn": Sign,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "bipolar_sigmoid": BipolarSigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "ramp": Ramp,
    "softplus": Softplus,
    "elu": ELU,
    "selu": SELU,
    "gelu": GELU,
    "silu": SiLU,
    "swish": SiLU,
    "mish": Mish,
    "relu6": ReLU6,
    "hard_sigmoid": HardSigmoid,
    "hard_silu": HardSiLU,
    "hard_swish": HardSiLU,
    "exponential": Exponential,
    "softsign": Softsign,
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
    "argmax": Argmax,
    "celu": CELU,
    "glu": GLU,
    "hard_shrink": HardShrink,
    "hard_tanh": HardTanh,
    "log_sigmoid": LogSigmoid,
    "soft_shrink": SoftShrink,
    "sparse_plus": SparsePlus,
    "sparse_sigmoid": SparseSigmoid,
    "sparsemax": Sparsemax,
    "squareplus": Squareplus,
    "tanh_shrink": TanhShrink,
    "threshold": Threshold,
}

#: what a model file may name: the registry's classes and Keras's relu with arguments
CLASSES = {cls.__name__: cls for cls in (*ACTIVATIONS.values(), GeneralReLU)}

# Keras's functions (keras.activations.relu(x), Dense(activation=keras.activations.relu)):
# here instances, which compute on arrays when called and carry their derivative.
linear = Linear()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU()
softplus = Softplus()
elu = ELU()
softmax = Softmax()
log_softmax = LogSoftmax()
selu = SELU()
gelu = GELU()
silu = swish = SiLU()
mish = Mish()
relu6 = ReLU6()
hard_sigmoid = HardSigmoid()
hard_silu = hard_swish = HardSiLU()
exponential = Exponential()
softsign = Softsign()
celu = CELU()
glu = GLU()
hard_shrink = HardShrink()
hard_tanh = HardTanh()
log_sigmoid = LogSigmoid()
soft_shrink = SoftShrink()
sparse_plus = SparsePlus()
sparse_sigmoid = SparseSigmoid()
sparsemax = Sparsemax()
squareplus = Squareplus()
tanh_shrink = TanhShrink()
threshold = Threshold()
_FUNCTIONS = (linear, sigmoid, tanh, relu, leaky_relu, softplus, elu, softmax, log_softmax, selu, gelu, silu, mish,
              relu6, hard_sigmoid, hard_silu, exponential, softsign, celu, glu, hard_shrink, hard_tanh, log_sigmoid,
              soft_shrink, sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold)


#: why a name alone cannot give a layer these activations, and what to use instead, for the front ends
#: that take names only (glassnet.sklearn's activation=, glassnet train --activation)
NAME_REFUSALS = {
    "glu": ("halves its input's width, which a layer keeps", "sigmoid, silu or gelu (z gated by σ(z) or Φ(z))"),
    "threshold": ("needs two settings (threshold and default_value) that a name cannot give",
                  "relu (z above 0, else 0) or hard_shrink (z where |z| > 0.5, else 0)"),
}


def layer_names():
    """The registry's names a layer takes by name alone: all but :data:`NAME_REFUSALS`'s."""
    return sorted(name for name, cls in ACTIVATIONS.items() if cls.name not in NAME_REFUSALS)


def get_by_name_for_layer(name, argument=None):
    """The activation a layer computes for the name ``name``, for a front end that takes names only.

    Raises ValueError for an unknown name (listing :func:`layer_names`) or one of :data:`NAME_REFUSALS`
    (saying what to use instead), its message started by ``argument`` (``"activation"``) when given."""
    start = "" if argument is None else f"{argument}: "
    try:
        activation = get(name)
    except ValueError:
        raise ValueError(f"{start}Unknown activation {name!r}. Valid names: {', '.join(layer_names())}.") from None
    if activation.name in NAME_REFUSALS:
        why, instead = NAME_REFUSALS[activation.name]
        raise ValueError(f"{start}{activation.name} {why}; use {instead}.")
    return activation


def check_in_layer(activation, where):
    """``activation`` itself, or a ValueError naming ``where`` (``"Dense"``) when a layer cannot apply
    it (:meth:`Activation.layer_refusal`: glu changes the width, threshold by name lacks its settings)."""
    refusal = activation.layer_refusal()
    if refusal is not None:
        raise ValueError(f"{where} cannot use the activation {activation.name!r}: {refusal}.")
    return activation


def check_layer_axis(activation, input_shape, where):
    """A ValueError naming ``where`` when the ``axis`` of ``activation`` (softmax, log-softmax) does
    not fit a layer's inputs ``(None, *input_shape)``: out of range, an axis named twice, or the
    batch axis 0. Keras normalises over the batch there, so that a sample's output would depend on
    the others in its batch (and on ``batch_size``); glassnet's layers take each sample alone."""
    if not isinstance(activation, _Normalising) or activation.axis == -1:
        return
    ndim = 1 + len(input_shape)
    shape = f"(None, {', '.join(map(str, input_shape))})"
    try:
        axes = resolve_axes(activation.axis, ndim)
    except ValueError as error:
        raise ValueError(f"{where}: {error} (inputs of shape {shape})") from None
    if 0 in axes:
        raise ValueError(f"{where}: axis {activation.axis} names the batch axis 0 of inputs of shape {shape}, "
                         f"which glassnet never normalises over (each sample alone): use the sample's axes 1 … "
                         f"{ndim - 1} or -{ndim - 1} … -1. Received: axis={activation.axis}")


def get(identifier):
    """Return an :class:`Activation` from a name, an object or a callable.

    ``None`` means linear, as in Keras's ``Dense(activation=None)``.
    """
    if identifier is None:
        return Linear()
    if any(identifier is f for f in _FUNCTIONS):  # a layer of its own, not the shared module object
        return type(identifier)()
    if isinstance(identifier, Activation):
        return identifier
    if hasattr(identifier, "weight_names"):  # a glassnet layer (callable too): not a function of z
        raise TypeError(f"activation must be a name, an Activation or a function. Received the layer "
                        f"{identifier!r}: add it to the model as a layer of its own.")
    if callable(identifier) and not isinstance(identifier, type):
        return FunctionActivation(identifier)
    function = _custom_objects.find_function(identifier)  # a registered function, saved by name
    if function is not None:
        return FunctionActivation(function)
    return lookup(identifier, ACTIVATIONS, "activation", instance_of=Activation)


def serialize(activation):
    """``{"class_name": ..., "config": ...}`` for the model file (a custom object with a
    ``derivative``, as Keras writes it with its registered name)."""
    if isinstance(activation, FunctionActivation):  # the user's object, wrapped by get: saved by its class
        activation = activation.function
        if _custom_objects.serialize_function(activation) is not None:  # a registered function: by its name
            return _custom_objects.serialize_function(activation)
        if inspect.isfunction(activation):
            raise ValueError(f"Cannot save {_custom_objects.unregistered_function(activation, 'activation')}.")
    return to_config(activation, CLASSES, "activation")


def deserialize(config):
    """Inverse of :func:`serialize`; only built-in classes and the user's own (registered, or
    passed in ``custom_objects``) are ever created."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return get(config)
    return get(from_config(config, CLASSES, "activation"))

