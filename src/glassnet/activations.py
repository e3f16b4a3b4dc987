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

import numpy as np

from ._registry import from_config, lookup, to_config
from ._validation import check_array, check_number
from .backend import astype, floatx, get_namespace


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

    def __call__(self, Z):
        """``g(Z)`` for any array-like ``Z``. Integers and booleans are computed in
        ``floatx()`` (float32), as Keras: in their own dtype ``e^z`` cannot be stored
        (softmax raised), small ones reach float16 (log-softmax of uint8 gave -inf)
        and bool has no ``-``; floating inputs keep their dtype."""
        xp = get_namespace(Z)
        Z = check_array(Z, "x", ndim=None, allow_empty=True, finite=False) if xp is np else xp.asarray(Z)
        if not (Z.dtype.kind == "f" if xp is np else xp.isdtype(Z.dtype, "real floating")):
            Z = astype(Z, floatx())
        if Z.ndim == 0:
            if self.along_last_axis or not self.elementwise:
                raise ValueError(f"{self.name} normalises along the last axis: x must have at least one "
                                 f"dimension. Received the scalar {Z.item()!r}.")
            return self.forward(Z[None])[0]  # as one element: forward's out= buffers need an array
        return self.forward(Z)

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
    """Heaviside step: 1 for ``z >= 0``, else 0; NaN stays NaN (as ``np.heaviside``).
    Derivative 0 (almost everywhere)."""

    piecewise_constant = True
    name = "step"
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        # NaN >= 0 is False: without the where, a diverged net's NaN would read as class 0
        return xp.where(xp.isnan(Z), Z, astype(Z >= 0, Z.dtype))

    def derivative(self, Z, A):
        return get_namespace(Z).zeros_like(Z)


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
    """Logistic (unipolar sigmoid) ``f(z) = 1 / (1 + e^{-λz})``, ``f' = λ f (1 - f)``.

    Computed as ``exp(-log(1 + e^{-λz}))`` so that it never overflows.
    """

    name = "sigmoid"
    output_range = (0.0, 1.0)

    def __init__(self, steepness=1.0):
        self.steepness = check_number(steepness, "steepness")

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        T = xp.multiply(Z, -self.steepness, out=out)
        xp.logaddexp(0, T, out=T)  # log(1 + e^{-λz}), no overflow
        xp.negative(T, out=T)
        return xp.exp(T, out=T)

    def derivative(self, Z, A):
        return self.steepness * A * (1 - A)

    def get_config(self):
        return {"steepness": self.steepness}


class BipolarSigmoid(Activation):
    """Bipolar sigmoid ``f(z) = 2 / (1 + e^{-λz}) - 1``, ``f' = λ/2 · (1 - f²)``."""

    name = "bipolar_sigmoid"
    output_range = (-1.0, 1.0)

    def __init__(self, steepness=1.0):
        self.steepness = check_number(steepness, "steepness")

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


class ReLU(Activation):
    """``max(0, z)``; derivative 1 for ``z > 0``, else 0."""

    name = "relu"
    output_range = (0.0, float("inf"))

    def forward(self, Z, out=None):
        return get_namespace(Z).maximum(Z, 0, out=out)

    def derivative(self, Z, A):
        return astype(Z > 0, Z.dtype)

    def backward(self, Z, A, dA, out=None):
        return get_namespace(Z).multiply(dA, A > 0, out=out)


class LeakyReLU(Activation):
    """``z`` for ``z >= 0``, ``α z`` otherwise (seed 001: α = 0.01, parameterised)."""

    name = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        self.negative_slope = check_number(negative_slope, "negative_slope")

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
        xp = get_namespace(Z)
        return xp.logaddexp(xp.zeros_like(Z), Z)

    def derivative(self, Z, A):
        # σ(z) = 1 - e^{-softplus(z)}, from the output.
        return -get_namespace(Z).expm1(-A)


class ELU(Activation):
    """``z`` for ``z > 0``, ``α(e^z - 1)`` otherwise; derivative ``1`` or ``A + α``."""

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = check_number(alpha, "alpha")
        self.output_range = (-self.alpha, float("inf"))

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        return xp.where(Z > 0, Z, self.alpha * xp.expm1(xp.minimum(Z, 0)))

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return xp.where(Z > 0, xp.ones_like(Z), A + self.alpha)

    def get_config(self):
        return {"alpha": self.alpha}


#: Softmax skips the shift by the row maximum when every logit lies in
#: [-SOFTMAX_SAFE, SOFTMAX_SAFE]: e^64 ≈ 6e27, so neither one term nor a sum of
#: up to 10^10 of them overflows float32, and e^-64 ≈ 2e-28 is still a normal
#: number. Outside that range (or with NaN) the shifted formula runs.
SOFTMAX_SAFE = 64.0


class Softmax(Activation):
    """Row-wise ``softmax(z)_i = e^{β z_i} / Σ_j e^{β z_j}`` (seed 000). When a
    logit lies outside ±:data:`SOFTMAX_SAFE`, each row is shifted by its maximum
    first, so it never overflows; inside that range the formula is computed as it
    stands (equally accurate, and faster). As β → ∞ it tends to :class:`Argmax`.

    The Jacobian is ``β (diag(a) - a aᵀ)``, so ``dZ = β a ⊙ (dA - Σ_j dA_j a_j)``.
    """

    name = "softmax"
    elementwise = False
    along_last_axis = True
    output_range = (0.0, 1.0)

    def __init__(self, beta=1.0):
        self.beta = check_number(beta, "beta")

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if isinstance(Z, np.ndarray) and Z.dtype == np.float16:
            # e^z overflows float16 above z = 11 (and β z sooner): computed in float32
            A = self.forward(Z.astype(np.float32)).astype(np.float16)
            if out is None:
                return A
            out[...] = A
            return out
        if self.beta != 1.0:
            Z = Z * self.beta
        # NumPy's array methods: np.min(Z) adds ~1 µs of dispatch per call, a few %
        # of a small network's step; other namespaces have the functions only
        numpy = isinstance(Z, np.ndarray)
        safe = True  # an empty array has nothing to overflow (and no maximum)
        if 0 not in Z.shape:
            low, high = (Z.min(), Z.max()) if numpy else (xp.min(Z), xp.max(Z))
            safe = -SOFTMAX_SAFE <= float(low) and float(high) <= SOFTMAX_SAFE
        if safe:
            # No logit can overflow e^z or make it subnormal: the formula as it
            # stands, without the row maxima (a slow reduction over short rows).
            E = xp.exp(Z, out=out)
        else:
            E = xp.subtract(Z, xp.max(Z, axis=-1, keepdims=True), out=out)
            xp.exp(E, out=E)
        E /= E.sum(axis=-1, keepdims=True) if numpy else xp.sum(E, axis=-1, keepdims=True)
        return E

    def derivative(self, Z, A):
        # The diagonal of the Jacobian; backward uses the full product.
        return self.beta * A * (1 - A)

    def backward(self, Z, A, dA, out=None):
        xp = get_namespace(Z)
        return self.beta * A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))

    def get_config(self):
        return {"beta": self.beta}


class LogSoftmax(Activation):
    """``log softmax(z)_i = z_i - log Σ_j e^{z_j}`` (seed 004's LogSoftMax);
    ``dZ = dA - softmax(z) Σ_j dA_j``."""

    name = "log_softmax"
    elementwise = False
    along_last_axis = True
    output_range = (-float("inf"), 0.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits have no maximum: an empty result, as torch
            return xp.zeros_like(Z)
        shifted = Z - xp.max(Z, axis=-1, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return 1 - xp.exp(A)

    def backward(self, Z, A, dA, out=None):
        xp = get_namespace(Z)
        return dA - xp.exp(A) * xp.sum(dA, axis=-1, keepdims=True)


class Argmax(Activation):
    """One-hot argmax that splits ties: ``argmax(4, 3, 2, 4) = (.5, 0, 0, .5)``
    (seed 000). Piecewise constant, so its derivative is 0."""

    piecewise_constant = True
    along_last_axis = True
    name = "argmax"
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits have no maximum: an empty result
            return xp.zeros_like(Z)
        hits = astype(Z == xp.max(Z, axis=-1, keepdims=True), Z.dtype)
        return hits / xp.sum(hits, axis=-1, keepdims=True)

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
                f"Activation {self.name!r} is a plain callable without a derivative; "
                "give it a `derivative(Z, A)` attribute or subclass glassnet.activations.Activation."
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
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
    "argmax": Argmax,
}

CLASSES = {cls.__name__: cls for cls in set(ACTIVATIONS.values())}

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
_FUNCTIONS = (linear, sigmoid, tanh, relu, leaky_relu, softplus, elu, softmax, log_softmax)


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
    return lookup(identifier, ACTIVATIONS, "activation", instance_of=Activation)


def serialize(activation):
    """``{"class_name": ..., "config": ...}`` for the model file."""
    return to_config(activation, CLASSES, "activation")


def deserialize(config):
    """Inverse of :func:`serialize`; only built-in classes are ever created."""
    return from_config(config, CLASSES, "activation")

