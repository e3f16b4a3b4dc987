"""Keras 3's :class:`LossScaleOptimizer`: dynamic loss scaling around an inner optimizer, which it
lends everything else (the learning rate, ``iterations``, the state vectors)."""

import copy

from .._validation import check_non_negative_int, check_number, check_positive_int
from ..backend import get_namespace
from .base import Optimizer, _name_wrapper, _unknown_arguments


def _delegated(name, doc):
    """A property that reads and writes the inner optimizer's attribute ``name``."""
    return property(lambda self: getattr(self.inner_optimizer, name),
                    lambda self, value: setattr(self.inner_optimizer, name, value), doc=doc)


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around ``inner_optimizer`` (Keras 3's), for float16 training.

    The training step takes the gradient of ``s·J`` (the output's delta and the penalties'
    gradients multiplied by the scale ``s``, so that float16's small gradients do not
    underflow to 0); this optimizer divides it by ``s`` and lets the inner optimizer step.
    Where an entry of the gradient is not finite (``s`` too large: it overflowed), the step
    is skipped (weights, inner state and ``iterations`` untouched) and ``s ← s/2``; after
    ``dynamic_growth_steps`` finite steps in a row, ``s ← 2s``. ``dynamic_scale`` is ``s``,
    ``step_counter`` the finite steps since it last changed. Everything else (the learning
    rate, ``iterations``, the state vectors) is the inner optimizer's.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports dynamic=False (Keras 3): the scale is always "
                             "dynamic. Received: dynamic=False")
        # Keras's configs of old listed the base arguments at their defaults: those are taken, others refused
        defaults = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                    "loss_scale_factor": None, "gradient_accumulation_steps": None, "learning_rate": None}
        for key in [key for key in kwargs if key in defaults]:
            value = kwargs.pop(key)
            if value != defaults[key] and not (key == "learning_rate" and value == 0.0):
                raise ValueError(f"LossScaleOptimizer does not support {key}: set it on the inner_optimizer. "
                                 f"Received: {key}={value!r:.100}")
        if kwargs:
            raise _unknown_arguments("LossScaleOptimizer", kwargs)
        from . import deserialize  # (the registry, which names this class)

        if isinstance(inner_optimizer, dict):  # a config (from_config, a saved file)
            inner_optimizer = deserialize(inner_optimizer)
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("inner_optimizer must be a glassnet.optimizers.Optimizer (e.g. Adam()). "
                            f"Received: inner_optimizer={inner_optimizer!r:.100} ({type(inner_optimizer).__name__})")
        if isinstance(inner_optimizer, LossScaleOptimizer):  # fit scales the loss once and would unscale twice
            raise ValueError("inner_optimizer cannot be a LossScaleOptimizer: the gradient would be divided by both "
                             "scales (steps 2^15 times too small); wrap the optimizer once.")
        self.initial_scale = check_number(initial_scale, "initial_scale", low=0, low_open=True)
        self.dynamic_growth_steps = check_positive_int(dynamic_growth_steps, "dynamic_growth_steps")
        _name_wrapper(self, name)
        self.inner_optimizer = inner_optimizer
        self.dynamic_scale, self.step_counter = self.initial_scale, 0
        self._skipped = False  # the last step was skipped (no moving average follows it)

    # everything the training loop reads of an optimizer is the inner one's
    state = _delegated("state", "The inner optimizer's state vectors.")
    slices = _delegated("slices", "Where each variable lies in the flat vector (the inner optimizer's).")
    shapes = _delegated("shapes", "The variables' shapes (the inner optimizer's).")
    paths = _delegated("paths", "The variables' paths (the inner optimizer's).")
    _iterations = _delegated("_iterations", "The inner optimizer's steps: a skipped step is not one.")
    built = _delegated("built", "Whether the inner optimizer's state exists.")
    _size = _delegated("_size", "The parameter count the inner optimizer was built for.")
    _learning_rate = _delegated("_learning_rate", "The inner optimizer's rate or schedule.")
    learning_rate = _delegated("learning_rate", "The inner optimizer's learning rate (Keras's: read and set there).")
    use_ema = _delegated("use_ema", "The inner optimizer's moving average of the weights.")
    ema_momentum = _delegated("ema_momentum", "The inner optimizer's.")
    ema_overwrite_frequency = _delegated("ema_overwrite_frequency", "The inner optimizer's.")
    gradient_accumulation_steps = _delegated("gradient_accumulation_steps", "The inner optimizer's.")
    _average_in_model = _delegated("_average_in_model", "The inner optimizer's (SwapEMAWeights).")

    @property
    def by_variable(self):
        return self.inner_optimizer.by_variable

    @property
    def slot_names(self):
        return self.inner_optimizer.slot_names

    @property
    def _loss_scale(self):
        return self.dynamic_scale

    @property
    def optimizers(self):
        """A wrapped MultiOptimizer's sub-optimizers (whose learning rates the callbacks set and log), else
        None: the callbacks, trace and a diverged run's advice ask ``optimizer.optimizers`` as of a
        MultiOptimizer."""
        return getattr(self.inner_optimizer, "optimizers", None)

    def _rate(self):
        return self.inner_optimizer._rate()

    def _state_part(self, name, part):
        return self.inner_optimizer._state_part(name, part)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """The inner optimizer's (Keras's wrapper took the call and decayed every variable)."""
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    def build(self, size, dtype=None, slices=None, shapes=None, paths=None):
        # (Keras's build(trainable_variables) too, which load_weights of an optimizer's state needs first)
        self.inner_optimizer.build(size, dtype, slices, shapes, paths)

    def _fresh(self):
        fresh = copy.copy(self)
        fresh.inner_optimizer = self.inner_optimizer._fresh()
        fresh.dynamic_scale, fresh.step_counter, fresh._skipped = self.initial_scale, 0, False
        return fresh

    def get_state(self):
        return self.inner_optimizer.get_state()

    def set_state(self, iterations, state):
        self.inner_optimizer.set_state(iterations, state)

    def get_scalars(self):
        inner = self.inner_optimizer.get_scalars()  # (a MultiOptimizer's sub-optimizers' steps)
        return {"dynamic_scale": self.dynamic_scale, "step_counter": self.step_counter,
                **({"inner_optimizer": inner} if inner else {})}

    def set_scalars(self, scalars):
        keys = ["dynamic_scale", "step_counter"]
        if not isinstance(scalars, dict) or sorted(k for k in scalars if k != "inner_optimizer") != keys:
            raise ValueError(f"LossScaleOptimizer's state is dynamic_scale and step_counter. Received: {scalars!r:.200}")
        scale = check_number(scalars["dynamic_scale"], "dynamic_scale", low=0, low_open=True)
        counter = check_non_negative_int(scalars["step_counter"], "step_counter")
        self.inner_optimizer.set_scalars(scalars.get("inner_optimizer", {}))
        self.step_counter, self.dynamic_scale = counter, scale

    def _apply_rule(self, w, g):
        """Skip the step and halve the scale where ``g`` (the gradient of ``s·J``) is not finite;
        otherwise the inner optimizer steps with ``g / s``, and ``s`` doubles after
        ``dynamic_growth_steps`` such steps in a row (Keras's order)."""
        xp = get_namespace(g)
        self._skipped = not bool(xp.all(xp.isfinite(g)))
        if self._skipped:
            self.dynamic_scale, self.step_counter = self.dynamic_scale / 2, 0
            return
        g /= self.dynamic_scale
        self.inner_optimizer.jit_compile = self.jit_compile
        self.inner_optimizer._apply_rule(w, g)
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.dynamic_scale, self.step_counter = self.dynamic_scale * 2, 0
        else:
            self.step_counter += 1

    def track_average(self, w):
        """The inner optimizer's moving average, not after a skipped step (Keras's does not run)."""
        return False if self._skipped else self.inner_optimizer.track_average(w)

    def get_config(self):
        from . import serialize

        # Keras's: the name and the inner optimizer's config, nothing of the base class
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    def __repr__(self):
        return (f"LossScaleOptimizer(inner_optimizer={self.inner_optimizer!r}, initial_scale={self.initial_scale!r}, "
                f"dynamic_growth_steps={self.dynamic_growth_steps!r})")
