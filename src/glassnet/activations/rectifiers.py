"""The rectifiers: ReLU and its variants (leaky, Keras's general ReLU with a slope, a cap and a threshold,
ReLU6, the ramp), the exponential linear units (ELU, SELU, CELU) and Keras's threshold."""

from .._validation import check_number
from ..backend import astype, get_namespace
from .base import Activation, _check_options, _half_gradient, _selected


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
        if _half_gradient(dA):  # Keras's select: an inf dA where the unit is off gives 0, not inf·0 = NaN
            return _selected(dA, A > 0, out)
        return get_namespace(Z).multiply(dA, A > 0, out=out)


class LeakyReLU(Activation):
    """``z`` for ``z >= 0``, ``α z`` otherwise (seed 001: α = 0.01, parameterised; α >= 0,
    as Keras's layer: a negative slope is no longer increasing). α = ``negative_slope``."""

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
    selects = True  # (float16: Activation.selects)
    output_range = (-1.0, 1.0)

    def forward(self, Z, out=None):
        return get_namespace(Z).clip(Z, -1, 1)

    def derivative(self, Z, A):
        return astype((Z > -1) & (Z < 1), Z.dtype)


class ELU(Activation):
    """``z`` for ``z > 0``, ``α(e^z - 1)`` otherwise; derivative ``1`` or ``A + α``. ``α >= 0``:
    the outputs lie above ``-α`` (a negative α would bend them up, above its ``output_range``).
    α = ``alpha``."""

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

    Derivative: 1 where ``z > threshold`` (and, with ``max_value``, ``0 < z < max_value``; ½ at
    ``z = max_value > threshold``, as Keras's ``clip`` on JAX, except for ReLU6's 6 with threshold 0),
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
        if self.max_value is not None and self.max_value > 0 and not (self.max_value == 6 and self.threshold == 0):
            # at z = max_value Keras's clip (JAX's min) splits the tie: ½ (its relu6, which it takes for
            # max_value 6 without a threshold, gives 0 there, as glassnet's ReLU6)
            dA = dA + 0.5 * astype((Z == self.max_value) & (Z > self.threshold), Z.dtype)
        if self.negative_slope:
            dA = dA + self.negative_slope * astype(Z < self.threshold, Z.dtype)
        return dA

    def get_config(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value, "threshold": self.threshold}


class ReLU6(Activation):
    """``min(max(0, z), 6)`` (Keras's ``relu6``); derivative 1 where ``0 < A < 6``, else 0."""

    name = "relu6"
    selects = True  # (float16: Activation.selects)
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


class Threshold(Activation):
    """``z`` where ``z > threshold``, else ``default_value`` (Keras's
    ``threshold(x, threshold, default_value)``, both required, as in Keras); derivative 1
    above the threshold, else 0. NaN stays NaN (Keras's ``where`` gives ``default_value``).

    By name, ``"threshold"`` has no settings to compute with: pass
    ``Threshold(threshold, default_value)`` to a layer."""

    name = "threshold"
    selects = True  # (float16: Activation.selects)
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
