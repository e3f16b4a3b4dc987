"""The lectures' activations: identity, the step and the sign, the logistic and bipolar sigmoids, tanh."""

from .._validation import check_number
from ..backend import astype, get_namespace
from .base import Activation, _logistic, _one


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
    """Bipolar sigmoid ``f(z) = 2 / (1 + e^{-λz}) - 1``, ``f' = λ/2 · (1 - f²)``, ``λ > 0``
    (λ = ``steepness``)."""

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
