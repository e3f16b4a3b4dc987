"""Optimizers (SPEC A5) with Keras 3's defaults and update formulas.

An optimizer works on the model's parameters as *one flat vector* ``w`` and
its gradient ``g`` (each layer's arrays are views into them), so a step is a
dozen large in-place array operations whatever the number of layers. The
order of one step is Keras's: clip the gradients (``clipnorm`` per variable,
``global_clipnorm``, ``clipvalue``), apply decoupled weight decay
``w ← w − η·λ·w``, then the update rule; ``iterations`` counts the steps.

``slices`` (given to :meth:`Optimizer.build`) tells where each variable lies
in the flat vector, ``shapes`` its shape and ``paths`` its Keras ``variable.path``
("sequential/dense/kernel");
they are needed only for per-variable clipping, by Lamb (a trust ratio per
variable), by Adafactor, whose state is per row and column, and by Muon, which
orthogonalizes matrices and chooses by shape and path what AdamW steps.

The update rule runs over blocks of :data:`BLOCK` parameters: each block's
parameters, gradient and state stay in the CPU cache while the rule's dozen
array operations run over them, instead of streaming the whole vector from
memory a dozen times (measured 1.8 ms -> 0.9 ms per Adam step on 670k
parameters). The arithmetic is the same.

With ``jit_compile`` (set by ``model.compile(..., jit_compile=True)``), SGD and
Adam/AdamW run their rule as one compiled loop from :mod:`glassnet.kernels`
instead (bit-for-bit the same result); the other rules, AMSGrad and float16
keep the NumPy path.

The package, one concept per module (as Keras's ``keras/src/optimizers/``): ``base`` (the
:class:`Optimizer` base: learning rate, weight decay, moving average, gradient accumulation, the
state and its blocked update, the list form of ``apply``), ``clipping`` (gradient norms and
clipping), ``sgd`` (SGD, GradientDescent), ``adaptive`` (Adagrad, RMSprop, Adadelta), ``adam``
(Adam, AdamW, Adamax, Nadam, Lamb, ScheduleFreeAdamW), ``lion``, ``ftrl``, ``adafactor``, ``muon``, ``rprop``
(Rprop, full-batch resilient backpropagation),
``loss_scale`` (LossScaleOptimizer) and ``multi`` (MultiOptimizer, OptimizerMap). This module keeps
the registry (:func:`get`, :func:`serialize`, :func:`deserialize`, the names) and every name of the
single module it was: ``glassnet.optimizers.Adam`` is the class that pickles made before name.
"""

import sys as _sys
import types as _types

from .. import _custom_objects, schedules  # noqa: F401 (schedules: also public, as keras.optimizers.schedules)
from .._registry import from_config, lookup, to_config
from .adafactor import Adafactor
from .adam import Adam, Adamax, AdamW, Lamb, Nadam, ScheduleFreeAdamW
from .adaptive import Adadelta, Adagrad, RMSprop
from .base import BLOCK, FLUSH_EVERY, TINY, Optimizer, variable_parts  # noqa: F401 (read by the tests, models.updates)
from .ftrl import Ftrl
from .lion import Lion
from .loss_scale import LossScaleOptimizer
from .multi import MultiOptimizer, OptimizerMap, _Group, _Variable  # noqa: F401 (named by pickles of a MultiOptimizer)
from .muon import Muon
from .rprop import Rprop
from .sgd import SGD, GradientDescent

# ``from glassnet.optimizers.schedules import ExponentialDecay``, as Keras's import works (the attribute alone
# left that a ModuleNotFoundError): the one module, under both names
_sys.modules.setdefault(__name__ + ".schedules", schedules)

#: Keras 2's lowercase aliases of its classes (``optimizers.adam(lr=0.01)``), removed in Keras 3
_KERAS_2_ALIASES = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adadelta": "Adadelta", "adam": "Adam",
                    "adamax": "Adamax", "nadam": "Nadam"}


def _keras_2_alias(name):
    return (f"Keras 2's lowercase alias optimizers.{name}(...) was removed in Keras 3; "
            f"write glassnet.optimizers.{_KERAS_2_ALIASES[name]}(learning_rate=...)")


class _ModuleOfAClass(_types.ModuleType):
    """``optimizers.adam`` and ``optimizers.sgd`` are modules here (Adam's, SGD's): called as Keras 2's
    aliases, they say which class to call, where Python said only "'module' object is not callable"."""

    def __call__(self, *args, **kwargs):
        name = self.__name__.rpartition(".")[2]
        raise TypeError(f"glassnet.optimizers.{name} is a module, not a class: {_keras_2_alias(name)}")


for _name in ("adam", "sgd"):
    _sys.modules[f"{__name__}.{_name}"].__class__ = _ModuleOfAClass


def __getattr__(name):
    if name in _KERAS_2_ALIASES:  # (rmsprop, adagrad, ...: adam and sgd are the modules above)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}: {_keras_2_alias(name)}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

OPTIMIZERS = {
    "sgd": SGD,
    "gd": GradientDescent,
    "gradient_descent": GradientDescent,
    "momentum": lambda: SGD(momentum=0.9),
    "nesterov": lambda: SGD(momentum=0.9, nesterov=True),
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adadelta": Adadelta,
    "adam": Adam,
    "adamw": AdamW,
    "adamax": Adamax,
    "nadam": Nadam,
    "lion": Lion,
    "ftrl": Ftrl,
    "adafactor": Adafactor,
    "lamb": Lamb,
    "muon": Muon,
    "schedule_free_adamw": ScheduleFreeAdamW,
    "schedulefreeadamw": ScheduleFreeAdamW,
    "rprop": Rprop,
}

CLASSES = {cls.__name__: cls for cls in (SGD, GradientDescent, Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax,
                                           Nadam, Lion, Ftrl, Adafactor, Lamb, Muon,
                                           ScheduleFreeAdamW, Rprop, LossScaleOptimizer, MultiOptimizer)}


def get(identifier):
    """Return an :class:`Optimizer` from a name (Keras's defaults) or an object."""
    if identifier is None:  # compile(optimizer=None) would fail only at fit
        raise ValueError(f"optimizer is required. Valid names: {', '.join(sorted(OPTIMIZERS))}; or an Optimizer object.")
    wrappers = {"lossscaleoptimizer": ("LossScaleOptimizer", "inner_optimizer",
                                       "optimizers.LossScaleOptimizer(optimizers.Adam())"),
                "multioptimizer": ("MultiOptimizer", "optimizer_map",
                                   "optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(), {...}))"),
                "optimizermap": ("OptimizerMap", "default_optimizer",
                                 "optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(), {...}))")}
    key = (identifier.lower() if isinstance(identifier, str)
           else identifier.__name__.lower() if any(identifier is c for c in (LossScaleOptimizer, MultiOptimizer,
                                                                             OptimizerMap)) else None)
    if key in wrappers:  # (Keras's get fails too: "missing 1 required positional argument")
        name, argument, example = wrappers[key]
        raise TypeError(f"Optimizer {identifier if isinstance(identifier, str) else name!r} needs its {argument} "
                        f"argument, as Keras's: pass {example} instead of a name or the class.")
    if isinstance(identifier, dict) and "class_name" in identifier:  # Keras's get: deserialize of the config
        return deserialize(identifier)
    return lookup(identifier, OPTIMIZERS, "optimizer", instance_of=Optimizer)


def serialize(optimizer):
    """``{"class_name", "config"}``; for an optimizer Keras has, in Keras's form, with its ``module`` and
    ``registered_name``: without them Keras's ``LossScaleOptimizer.from_config`` (and so
    ``keras.optimizers.deserialize``) of a config that nests one raised "could not be deserialized
    properly". :func:`deserialize` reads both forms."""
    config = to_config(optimizer, CLASSES, "optimizer")
    if config["class_name"] in CLASSES and config["class_name"] not in ("GradientDescent", "Rprop"):  # (glassnet's own)
        config = {"module": "keras.optimizers", **config, "registered_name": None}
    return config


def _class_name_case(config):
    """``config`` with its ``class_name`` spelled as glassnet's class where it is one of them in another
    case ("adam", "ADAM", "rmsprop"), as Keras's ``deserialize`` lower-cases a name it knows; a copy: the
    caller's dict stays as it was (Keras's changed it). A user's class of that name still wins."""
    name = config.get("class_name")
    if not isinstance(name, str) or name in CLASSES or _custom_objects.find(config, "optimizer") is not None:
        return config
    found = next((known for known in CLASSES if known.lower() == name.lower()), None)
    if found is None or config.get("registered_name") not in (None, name):
        return config
    return {**config, "class_name": found, **({"registered_name": found} if config.get("registered_name") else {})}


@_custom_objects.takes_custom_objects
def deserialize(config):
    """The optimizer of a ``{"class_name", "config"}`` dict (:func:`serialize`'s, Keras's); the class name
    in any case, as Keras ("adam", "Adam")."""
    if isinstance(config, str):  # (said "Unknown optimizer 'Adam' ... Valid: ..., Adam", as Keras's deserialize fails)
        raise ValueError(f"An optimizer's saved config (a model file's compile.optimizer) must be an object "
                         f"{{\"class_name\": ..., \"config\": {{...}}}}, as optimizers.serialize writes it; got the "
                         f"string {config!r:.100}. Write {{\"class_name\": \"{config:.100}\", \"config\": {{}}}} "
                         f"(or optimizers.get({config!r:.100}) for a name).")
    if isinstance(config, dict):
        config = _class_name_case(config)
    return from_config(config, CLASSES, "optimizer")


# a literal list, which type checkers read (they cannot expand *CLASSES): the base, every class of CLASSES,
# OptimizerMap and the registry's functions
__all__ = ["Optimizer", "SGD", "GradientDescent", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax",
           "Nadam", "Lion", "Ftrl", "Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW", "Rprop", "LossScaleOptimizer",
           "MultiOptimizer", "OptimizerMap", "get", "serialize", "deserialize"]
