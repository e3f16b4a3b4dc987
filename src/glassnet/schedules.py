"""Learning-rate schedules ``lr(step)`` (SPEC A5), as ``keras.optimizers.schedules``.

``step`` is the optimizer's iteration count before the update (0 for the
first step), as in Keras.
"""

import math
import numbers

import numpy as np

from . import _custom_objects
from ._registry import Configurable, from_config, to_config
from ._validation import (check_array, check_bool, check_non_negative_int, check_number, check_positive_int,
                          unwrap_0d)


def _step(step):
    """``step`` checked as a non-negative number (None or inf gave raw errors or NaN), or an
    array of them (``schedule(np.arange(1000))``, as Keras, to draw the curve); the
    optimizer's int count passes at the cost of one type test."""
    if type(step) is int and step >= 0:
        return step
    if isinstance(step, np.ndarray):
        if step.ndim == 0:
            step = step.item()
        else:
            steps = check_array(step, "step", ndim=None).astype(np.float64)
            if (steps < 0).any():
                raise ValueError(f"step must be >= 0. Received: step={steps[steps < 0][0].item()!r}")
            return steps
    return check_number(step, "step", low=0)


def _each(schedule, steps):
    """A schedule written for one step, at each of an array of ``steps``."""
    return np.array([schedule(float(s)) for s in steps.ravel()]).reshape(steps.shape)


def _number(value, name, **bounds):
    """A number argument as a float; a 0-d array of one too, as Keras (``np.array(0.1)``), held as
    a float so the config stays JSON."""
    return check_number(unwrap_0d(value, name), name, **bounds)


def _steps(value, name, positive):
    """A number of steps: an int stays an int; a real number is taken too, as Keras
    (``decay_steps = len(x) / batch_size``); a 0-d array of either as its number."""
    value = unwrap_0d(value, name)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return check_positive_int(value, name) if positive else check_non_negative_int(value, name)
    return check_number(value, name, low=0, low_open=positive)


class LearningRateSchedule(Configurable):
    """The base of schedules: ``schedule(step)`` is the learning rate at optimizer step
    ``step`` (from 0), as Keras's; pass one as an optimizer's ``learning_rate``."""

    #: Keras's ``name=`` argument; each built-in schedule's default is Keras's ("ExponentialDecay",
    #: CosineDecayRestarts's "SGDRDecay"), written in its config as Keras writes it (None where given None)
    name = None

    def __call__(self, step):
        raise NotImplementedError

    def _set_name(self, name):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None. Received: name={name!r}")
        self.name = name

    def _with_name(self, config):
        """``config`` and the ``name``, last, as Keras's built-in schedules write it (None too)."""
        return {**config, "name": self.name}

    def get_config(self):
        raise NotImplementedError(f"The learning-rate schedule {type(self).__name__} must define get_config() "
                                  "to be saved.")

    def __repr__(self):
        try:
            config = self.get_config()
        except NotImplementedError:  # a custom schedule without a config (as Keras's base class)
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"


class _TimeDecay(LearningRateSchedule):
    """Shared settings of the schedules that decay with ``step / decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self._set_name(name)
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", low=0)
        self.decay_steps = _steps(decay_steps, "decay_steps", positive=True)
        self.decay_rate = _number(decay_rate, "decay_rate", low=0)
        self.staircase = check_bool(staircase, "staircase")

    def _progress(self, step):
        p = _step(step) / self.decay_steps
        if not self.staircase:
            return p
        return np.floor(p) if isinstance(p, np.ndarray) else math.floor(p)

    def get_config(self):
        return self._with_name({
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
        })


class ExponentialDecay(_TimeDecay):
    """``lr = initial · rate^(step / decay_steps)`` (floored exponent when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        with np.errstate(over="ignore"):  # a growing rate overflows to inf (the run then diverges, and says so)
            lr = self.initial_learning_rate * np.power(np.float64(self.decay_rate), self._progress(step))
        return lr if isinstance(lr, np.ndarray) and lr.ndim else float(lr)


class PiecewiseConstantDecay(LearningRateSchedule):
    """Step schedule: ``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        self._set_name(name)
        for arg, given in (("boundaries", boundaries), ("values", values)):
            if not isinstance(given, (list, tuple, np.ndarray)):
                raise TypeError(f"{arg} must be a list of numbers. Received: {arg}={given!r:.100}")
        boundaries = [check_number(b, "boundaries") for b in np.ravel(boundaries)]
        values = list(np.ravel(values))
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "values must have exactly one more element than boundaries. "
                f"Received: len(boundaries)={len(boundaries)}, len(values)={len(values)}"
            )
        if any(b2 <= b1 for b1, b2 in zip(boundaries, boundaries[1:])):
            raise ValueError(f"boundaries must be strictly increasing. Received: {boundaries}")
        # compared in float, as Keras for a float step (int() moved 2.5 to 2, so step 2.5 got the next value);
        # a whole number stays an int, as written in the config
        self.boundaries = [int(b) if b.is_integer() else b for b in boundaries]
        self.values = [check_number(v, "values", low=0) for v in values]

    def __call__(self, step):
        step = _step(step)
        if isinstance(step, np.ndarray):
            return _each(self, step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return self._with_name({"boundaries": self.boundaries, "values": self.values})


class StepDecay(LearningRateSchedule):
    """``lr = initial · drop^floor(step / step_size)``: divide every ``step_size`` steps."""

    def __init__(self, initial_learning_rate, step_size, drop=0.5, name="StepDecay"):
        self._set_name(name)
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", low=0)
        self.step_size = check_positive_int(unwrap_0d(step_size, "step_size"), "step_size")
        self.drop = _number(drop, "drop", low=0)

    def __call__(self, step):
        with np.errstate(over="ignore"):  # drop > 1 overflows to inf, as ExponentialDecay (Python's ** raised)
            lr = self.initial_learning_rate * np.power(np.float64(self.drop), _step(step) // self.step_size)
        return lr if isinstance(lr, np.ndarray) and lr.ndim else float(lr)

    def get_config(self):
        return self._with_name({"initial_learning_rate": self.initial_learning_rate, "step_size": self.step_size,
                                "drop": self.drop})


class CosineDecay(LearningRateSchedule):
    """``lr = initial · ((1 - α) · ½(1 + cos(π · min(step, T) / T)) + α)``.

    With ``warmup_target`` (as Keras): the rate first rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` steps,
    then decays from ``warmup_target`` as above over the next ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self._set_name(name)
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", low=0)
        self.decay_steps = _steps(decay_steps, "decay_steps", positive=True)
        self.alpha = _number(alpha, "alpha", low=0, high=1)
        self.warmup_target = None if warmup_target is None else _number(warmup_target, "warmup_target", low=0)
        self.warmup_steps = _steps(warmup_steps, "warmup_steps", positive=False)

    def __call__(self, step):
        step, start, warmup = _step(step), self.initial_learning_rate, 0
        if isinstance(step, np.ndarray):
            return _each(self, step)
        if self.warmup_target is not None:
            warmup = self.warmup_steps
            step = min(step, self.decay_steps + warmup)
            if step < warmup:
                return (self.warmup_target - start) * (step / warmup) + start
            start, step = self.warmup_target, step - warmup
        fraction = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1 + math.cos(math.pi * fraction))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        # Keras's keys and order: the name before the warm-up, which is there without one too
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class InverseTimeDecay(_TimeDecay):
    """``lr = initial / (1 + rate · step / decay_steps)``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return self.initial_learning_rate / (1 + self.decay_rate * self._progress(step))


class PolynomialDecay(LearningRateSchedule):
    """``lr = (initial − end) · (1 − min(step, T) / T)^power + end``, ``T = decay_steps`` (Keras's).

    With ``cycle`` (as Keras), ``T`` is instead the first multiple of ``decay_steps`` at or
    above ``step`` (``decay_steps`` itself at step 0): after reaching ``end`` the rate jumps
    up again and decays over a longer span each time."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self._set_name(name)
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", low=0)
        self.decay_steps = _steps(decay_steps, "decay_steps", positive=True)
        self.end_learning_rate = _number(end_learning_rate, "end_learning_rate", low=0)
        self.power = _number(power, "power", low=0)
        self.cycle = check_bool(cycle, "cycle")

    def __call__(self, step):
        step = _step(step)
        if isinstance(step, np.ndarray):
            return _each(self, step)
        T = self.decay_steps
        if self.cycle:
            T *= max(1, math.ceil(step / T))
        else:
            step = min(step, T)
        start, end = self.initial_learning_rate, self.end_learning_rate
        return (start - end) * (1 - step / T) ** self.power + end

    def get_config(self):
        return self._with_name({
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
        })


class CosineDecayRestarts(LearningRateSchedule):
    """Keras's cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017).

    Period ``i`` lasts ``T_i = first_decay_steps · t_mul^i`` steps and starts at
    ``initial · m_mul^i``; within it, at the fraction ``f`` of ``T_i`` done,
    ``lr = initial · ((1 − α) · m_mul^i · ½(1 + cos(π f)) + α)``.
    ``t_mul`` is at least 1 (a shrinking period ends after
    ``first_decay_steps / (1 − t_mul)`` steps, where Keras's rate becomes NaN)."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        self._set_name(name)
        self.initial_learning_rate = _number(initial_learning_rate, "initial_learning_rate", low=0)
        self.first_decay_steps = _steps(first_decay_steps, "first_decay_steps", positive=True)
        self.t_mul = _number(t_mul, "t_mul", low=1)
        self.m_mul = _number(m_mul, "m_mul", low=0)
        self.alpha = _number(alpha, "alpha", low=0, high=1)

    def __call__(self, step):
        step = _step(step)
        if isinstance(step, np.ndarray):
            return _each(self, step)
        fraction = step / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:  # periods 1, t, t², ...: period i starts at (t^i − 1) / (t − 1) first periods
            restart = math.floor(math.log(1 - fraction * (1 - self.t_mul)) / math.log(self.t_mul))
            # the logarithm's rounding put the first step of a period in the one before (t_mul 3:
            # log(81)/log(3) = 3.9999999999999996, and step 1210 of CosineDecayRestarts(1.0, 10, 3.0)
            # got the period's end, 0, not the restart, 1, as in Keras)
            restart += self._done(restart + 1) <= fraction
            restart -= self._done(restart) > fraction
            fraction = (fraction - self._done(restart)) / self.t_mul**restart
        cosine = 0.5 * self.m_mul**restart * (1 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def _done(self, restart):
        """The first periods that periods 0 to ``restart − 1`` last: ``(t^restart − 1) / (t − 1)``."""
        return (1 - self.t_mul**restart) / (1 - self.t_mul)

    def get_config(self):
        return self._with_name({
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
        })


CLASSES = {
    cls.__name__: cls
    for cls in (ExponentialDecay, PiecewiseConstantDecay, StepDecay, CosineDecay, InverseTimeDecay,
                PolynomialDecay, CosineDecayRestarts)
}


#: the schedules Keras 3 has (StepDecay is glassnet's own)
KERAS_CLASSES = ("ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay", "InverseTimeDecay", "PolynomialDecay",
                 "CosineDecayRestarts")


def serialize(learning_rate_schedule):  # Keras's name
    """``{"class_name", "config"}``; for a schedule Keras has, in Keras's form, with its ``module`` and
    ``registered_name``: without them ``keras.optimizers.deserialize`` of an optimizer's config that
    holds it raised "Could not locate class 'ExponentialDecay'". :func:`deserialize` reads both forms."""
    config = to_config(learning_rate_schedule, CLASSES, "learning-rate schedule")
    if config["class_name"] in KERAS_CLASSES:
        config = {"module": "keras.optimizers.schedules", **config, "registered_name": None}
    return config


@_custom_objects.takes_custom_objects
def deserialize(config):
    """The schedule of a :func:`serialize` or Keras config, ``{"class_name": "ExponentialDecay", "config":
    {...}}`` (with or without Keras's ``module``); only the built-in classes and the user's own (registered,
    or passed in ``custom_objects``) are created. A name alone is refused: a schedule needs its settings."""
    return from_config(config, CLASSES, "learning-rate schedule")


__all__ = [
    "LearningRateSchedule", "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
    "PiecewiseConstantDecay", "PolynomialDecay", "StepDecay",
    "serialize", "deserialize",
]
