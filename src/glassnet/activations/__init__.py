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

The package, one concept per module: ``base`` (the :class:`Activation` base, the base of softmax and
log-softmax along an axis, and the helpers the families share), ``classic`` (the lectures' identity,
step, sign, sigmoids and tanh), ``rectifiers`` (ReLU and its variants, ELU, SELU, CELU,
threshold), ``smooth`` (softplus, GELU with its :func:`erfc`, SiLU, Mish, softsign, ...), ``hard``
(the piecewise-linear hard sigmoid, SiLU and tanh, sparse sigmoid), ``shrink`` (hard, soft and tanh
shrink), ``rowwise`` (softmax, log-softmax, sparsemax, argmax and GLU, along the last axis) and
``function`` (a user's callable as :class:`FunctionActivation`). This module keeps the registry
(:func:`get`, :func:`serialize`, :func:`deserialize`, the names, Keras's functions ``relu``,
``softmax``, ... and the checks of a layer's activation) and every name of the single module it was
(``glassnet.activations.ReLU`` is the class that pickles made before name).
"""

import inspect

from .. import _custom_objects
from .._registry import from_config, has_name, lookup, to_config
from .base import (_HALF, Activation, _check_axis, _check_options, _from_rows, _half_gradient,  # noqa: F401
                   _largest, _logistic, _Normalising, _one, _selected, _to_rows, _z_times, checked_axes, resolve_axes)
from .classic import BipolarSigmoid, Linear, Sigmoid, Sign, Step, Tanh
from .function import FunctionActivation
from .hard import HardSigmoid, HardSiLU, HardTanh, SparseSigmoid
from .rectifiers import CELU, ELU, SELU, SELU_ALPHA, SELU_SCALE, GeneralReLU, LeakyReLU, Ramp, ReLU, ReLU6, Threshold  # noqa: F401
from .rowwise import GLU, SOFTMAX_SAFE, Argmax, LogSoftmax, Softmax, Sparsemax  # noqa: F401
from .shrink import (_TANH_SHRINK_NEXT, TANH_SHRINK_SERIES, HardShrink, SoftShrink, TanhShrink,  # noqa: F401
                     tanh_shrink_threshold)
from .smooth import (_ERFC_COEFFICIENTS, _ERFC_TERMS_SHORT, _INV_SQRT_2PI, _SQRT_2_OVER_PI, _SQRT_HALF,  # noqa: F401
                     GELU, Exponential, LogSigmoid, Mish, SiLU, Softplus, Softsign, SparsePlus, Squareplus, erfc)


ACTIVATIONS = {
    "linear": Linear,
    "identity": Linear,
    "step": Step,
    "heaviside": Step,
    "sign": Sign,
    "sgn": Sign,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "unipolar_sigmoid": Sigmoid,  # (seed 000: the logistic, "unipolar" beside the bipolar sigmoid)
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
    if hasattr(identifier, "weight_names"):  # a glassnet layer (callable too)
        from ..layers.activation import Activation as ActivationLayer  # (the layers import this module)

        if isinstance(identifier, ActivationLayer):  # Géron's Dense(50, activation=LeakyReLU(alpha=0.2)), as Keras
            return identifier.activation
        raise TypeError(f"activation must be a name, an Activation or a function. Received the layer "
                        f"{identifier!r}: add it to the model as a layer of its own.")
    if callable(identifier) and not isinstance(identifier, type):
        return FunctionActivation(identifier)
    builtin = _builtin_function(identifier)
    if builtin is not None:
        return lookup(builtin, ACTIVATIONS, "activation", instance_of=Activation)
    function = _custom_objects.find_function(identifier)  # a registered function, saved by name
    if function is not None:
        return FunctionActivation(function)
    _refuse_bytecode(identifier)
    return lookup(identifier, ACTIVATIONS, "activation", instance_of=Activation)


def _builtin_function(config):
    """The name of a built-in activation in Keras's config of a function, ``{"module": "builtins",
    "class_name": "function", "config": "relu", "registered_name": "function"}`` (what
    ``keras.saving.serialize_keras_object(keras.activations.relu)`` writes), else None; a user's function
    registered (or passed) under that name is the user's, as in Keras."""
    if not (isinstance(config, dict) and config.get("class_name") == "function"):
        return None
    name = config.get("config")
    if not isinstance(name, str) or _custom_objects.get_registered_object(name) is not None:
        return None
    return name if has_name(name, ACTIVATIONS, Activation) else None


def _refuse_bytecode(config):
    """Refuse Keras's config of a lambda (or a function it could not name), ``{"value": [<base64 of the
    function's bytecode>, defaults, closure]}``: code, which a file never makes glassnet run. Said as such,
    where it was "Unknown activation None in saved config" (Keras 3.15's own load_model refuses it too, but
    for safe_mode=False, which runs the bytecode in the Python version that wrote it)."""
    value = config.get("value") if isinstance(config, dict) and "class_name" not in config else None
    if isinstance(value, list) and value and isinstance(value[0], str):
        raise ValueError("The activation is a Python lambda that Keras saved as its bytecode ({'value': "
                         "['<base64>', ...]}), code that glassnet never runs from a file. Define it with def, register "
                         "it in Keras (@keras.saving.register_keras_serializable()) and save the model again; glassnet "
                         "then loads the file with the same function registered as a custom activation "
                         "(@glassnet.saving.register_keras_serializable() on the def, with a derivative attribute for "
                         "training) or passed in custom_objects.")


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


@_custom_objects.takes_custom_objects
def deserialize(config):
    """Inverse of :func:`serialize`; only built-in classes and the user's own (registered, or
    passed in ``custom_objects``) are ever created."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        return get(config)
    _refuse_bytecode(config)
    return get(from_config(config, CLASSES, "activation", get, ACTIVATIONS))


# the public names (help(), ``from glassnet.activations import *``, type checkers): the classes of the registry and
# their base, Keras's functions, get/serialize/deserialize (not the helpers, constants and modules imported above)
__all__ = [
    "Activation", "FunctionActivation",
    "Argmax", "BipolarSigmoid", "CELU", "ELU", "Exponential", "GELU", "GLU", "GeneralReLU", "HardShrink", "HardSiLU",
    "HardSigmoid", "HardTanh", "LeakyReLU", "Linear", "LogSigmoid", "LogSoftmax", "Mish", "Ramp", "ReLU", "ReLU6",
    "SELU", "SiLU", "Sigmoid", "Sign", "SoftShrink", "Softmax", "Softplus", "Softsign", "SparsePlus", "SparseSigmoid",
    "Sparsemax", "Squareplus", "Step", "Tanh", "TanhShrink", "Threshold",
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid",
    "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
    "get", "serialize", "deserialize",
]
