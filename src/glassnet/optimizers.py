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
"""

import copy
import math
import re
import warnings
from collections.abc import MutableMapping

import numpy as np

from . import constraints as _constraints
from . import kernels as _kernels
from . import schedules  # also public, as keras.optimizers.schedules
from ._registry import Configurable, _check_keys, from_config, lookup, to_config
from ._validation import check_bool, check_non_negative_int, check_number, check_positive_int, unwrap_0d
from .backend import copy as backend_copy
from .backend import astype, constant, floatx, from_numpy, get_namespace, numpy_copy, numpy_dtype

#: parameters per block of the update: 5 float32 arrays of it (1.3 MB) stay in a 2 MB L2
#: cache (M1's Adam step: 1.22 ms with 2^15, 1.15 ms with 2^16, slower again with 2^17)
BLOCK = 1 << 16

def _norm(g):
    """‖g‖ without overflow: g·g in float32 overflows at |g| ~ 1e19 (float16 at 256), and
    clipping by an infinite norm would zero the gradient."""
    xp = get_namespace(g)
    scale = float(xp.max(xp.abs(g))) if g.shape[0] else 0.0
    if scale == 0.0 or not math.isfinite(scale):
        return scale
    gs = g / scale
    return scale * math.sqrt(float(xp.sum(gs * gs)))


def _clip_norm(g, limit, nan_if_infinite=False):
    """Scale ``g`` in place to the norm ``limit`` where its norm is above it.

    As Keras, a gradient whose norm is NaN becomes all NaN (its finite entries are not left
    unclipped), and one whose norm is infinite too with ``nan_if_infinite`` (global_clipnorm: no
    scale); otherwise (clipnorm) an infinite norm scales by 0: finite entries 0, infinite ones NaN.
    Either way fit then stops as diverged.
    """
    if numpy_dtype(g) == np.float16:  # in float32: float16's Σ(g/max|g|)² of 10^5 equal g was inf, and g became 0
        g32 = astype(g, "float32")
        _clip_norm(g32, limit, nan_if_infinite)
        g[...] = g32
        return
    if isinstance(g, np.ndarray):
        norm = _norm(g)
        if math.isnan(norm) or (nan_if_infinite and math.isinf(norm)):
            g[...] = math.nan
        elif norm > limit:
            with np.errstate(invalid="ignore"):  # an infinite norm: inf · 0 is NaN
                g *= limit / norm
        return
    # other namespaces: _norm on the device, as float() of it would wait for the device twice
    # a variable and step; a factor of 1 where the norm is within the limit leaves g as it is
    xp = get_namespace(g)
    scale = xp.max(xp.abs(g))
    finite = xp.isfinite(scale)
    gs = g / xp.where(finite & (scale > 0), scale, xp.ones_like(scale))
    norm = xp.where(finite, scale * xp.sqrt(xp.sum(gs * gs)), scale)
    factor = limit / xp.where(norm > limit, norm, xp.full_like(norm, limit))
    no_scale = xp.isnan(norm) | xp.isinf(norm) if nan_if_infinite else xp.isnan(norm)
    g *= xp.where(no_scale, xp.full_like(factor, math.nan), factor)


def _variable_norm(x):
    """``‖x‖`` as a float, float16 in float32: a float16 sum of squares overflows past 65504."""
    return _norm(astype(x, "float32") if numpy_dtype(x) == np.float16 else x)


def _square(g, out):
    """``g²`` into ``out``, in out's dtype: the state of float16 weights is float32 (:meth:`Optimizer.build`),
    and float16's own g² is 0 for |g| < 2.4e-4 (Adam's v stayed 0 and its step became m/ε, 45× too large)."""
    if g.dtype == out.dtype:
        return get_namespace(g).multiply(g, g, out=out)
    out[...] = g
    out *= out
    return out


#: every FLUSH_EVERY steps, state entries smaller than TINY are set to 0
FLUSH_EVERY, TINY = 64, 1e-30


class _LearningRate(float):
    """An optimizer's learning rate as Keras 3 shows it, a variable: here a float with
    ``assign(value)`` (sets the optimizer's rate) and ``numpy()``. Copied or pickled, it is
    the plain number."""

    def __new__(cls, value, optimizer):
        self = super().__new__(cls, value)
        self._optimizer = optimizer
        return self

    def assign(self, value):
        self._optimizer.learning_rate = value
        return _LearningRate(self._optimizer._rate(), self._optimizer)

    def numpy(self):
        # in the floatx of the optimizer's creation, as Keras's variable, whose dtype is fixed then
        # (float32 rounded a float64 user's 0.1 to 0.10000000149)
        return np.dtype(self._optimizer._rate_dtype or floatx()).type(self)

    def __reduce__(self):
        return float, (float(self),)


def _check_rate(value, name="learning_rate"):
    """A learning rate as a float: a real number (``np.float32(0.1)`` too) or a 0-d array of one,
    ``np.array(0.1)``, which Keras's ``optimizer.learning_rate = ...`` takes (it was a TypeError)."""
    return check_number(unwrap_0d(value, name), name, low=0)


def _check_no_loss_scale(loss_scale_factor):
    if loss_scale_factor is not None:
        raise ValueError("glassnet trains in one precision and does not scale the loss: loss_scale_factor must "
                         f"be None. Received: loss_scale_factor={loss_scale_factor!r:.100}")


def _name_wrapper(optimizer, name):
    """A wrapper optimizer's (LossScaleOptimizer's, MultiOptimizer's) name and the base settings it keeps itself."""
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a str. Received: name={name!r:.100}")
    optimizer.name = name or optimizer._default_name()
    optimizer._rate_dtype = floatx()
    optimizer.jit_compile = False


def _unknown_arguments(name, kwargs):
    """The error for constructor arguments no optimizer takes, with tf.keras's old names explained."""
    hints = []
    if "lr" in kwargs:
        hints.append("lr is called learning_rate (since tf.keras 2.3)")
    if "decay" in kwargs:
        hints.append("decay (tf.keras 2's lr / (1 + decay·iterations)) was removed in Keras 3, which ignores it "
                     f"with a warning; for that schedule pass learning_rate=glassnet.optimizers.schedules."
                     f"InverseTimeDecay(lr, decay_steps=1, decay_rate={kwargs['decay']!r:.30})")
    return TypeError(f"{name} got unexpected argument(s) {', '.join(sorted(kwargs))}"
                     + (": " + "; ".join(hints) + "." if hints else "."))


def _variable_list(values, name):
    """``values`` (a list, a tuple or an iterable of arrays) as a list, for the list form of
    :meth:`Optimizer.apply`."""
    if hasattr(values, "shape") or isinstance(values, (str, bytes, dict)):
        raise TypeError(f"{name} must be a list of arrays, one per variable. Received: {name} of type "
                        f"{type(values).__name__}")
    try:
        return list(values)
    except TypeError:
        raise TypeError(f"{name} must be a list of arrays, one per variable. Received: {name}={values!r:.100}") from None


def variable_parts(variables, arrays):
    """The index in ``arrays`` of each of ``variables`` (the same objects), or None where one is not
    there or two are the same one."""
    parts = [next((j for j, a in enumerate(arrays) if a is v), None) for v in variables]
    return None if None in parts or len(set(parts)) != len(parts) else parts


def _check_variable(v, where):
    """A variable of the list form: a float array of the backend's namespace that can be written in place."""
    xp = get_namespace()
    if not hasattr(v, "shape") or not hasattr(v, "dtype") or isinstance(v, np.generic):
        raise TypeError(f"{where} must be an array that the step updates in place (e.g. model.trainable_weights[i], "
                        f"or np.zeros(3)); a {type(v).__name__} cannot be updated. Received: {where}={v!r:.100}")
    if (xp is np) != isinstance(v, np.ndarray):
        raise TypeError(f"{where} must be an array of the backend's namespace ({xp.__name__}). Received: a "
                        f"{type(v).__module__}.{type(v).__name__}")
    if not np.issubdtype(numpy_dtype(v), np.floating):
        raise TypeError(f"{where} must be an array of floats (an update of a fraction of a step would be lost). "
                        f"Received: {where} of dtype {v.dtype}")
    if isinstance(v, np.ndarray) and not v.flags.writeable:
        raise ValueError(f"{where} is read-only: the step updates the variables in place. Received: {where} of "
                         f"shape {v.shape} with flags.writeable False (np.array(...) makes a writable copy)")


class Optimizer(Configurable):
    """Base class: learning rate (a float or a schedule), clipping, weight decay."""

    #: names of the per-parameter state vectors and their initial values
    state_names = ()
    #: whether the state is per variable (Adafactor's rows and columns), not per parameter
    by_variable = False
    #: Keras's moving average of the weights (set in __init__; here for objects pickled before it existed)
    use_ema, ema_momentum, ema_overwrite_frequency, gradient_accumulation_steps = False, 0.99, None, None
    #: ``learning_rate.numpy()``'s dtype: floatx when the optimizer was made (None: pickled before, floatx now)
    _rate_dtype = None
    #: the factor the training step multiplies the loss by before backprop (LossScaleOptimizer's); None: none
    _loss_scale = None
    #: the arrays the list form of :meth:`apply` was built for (Keras's trainable variables); None: the flat form's
    _loop_variables = None
    #: the index in ``slices`` of each of ``_loop_variables`` where fit built the state (None: all, in order)
    _loop_parts = None
    #: weak references to the model's weight arrays that fit built the state for, in ``slices``' order
    _built_arrays = None

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise _unknown_arguments(type(self).__name__, kwargs)
        if isinstance(learning_rate, dict):  # a schedule as Keras serializes it
            try:
                learning_rate = schedules.deserialize(learning_rate)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"learning_rate must be a number, a schedule or its config. Received: "
                                f"learning_rate={learning_rate!r:.100} ({exc})") from None
        if not isinstance(learning_rate, schedules.LearningRateSchedule) and not callable(learning_rate):
            learning_rate = _check_rate(learning_rate)
        self._learning_rate = learning_rate
        self._rate_dtype = floatx()
        self.weight_decay = None if weight_decay is None else check_number(weight_decay, "weight_decay", low=0)
        clips = (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm))
        given = [n for n, v in clips if v is not None]
        if len(given) > 1:
            raise ValueError(f"Only one of clipnorm, clipvalue and global_clipnorm can be set. Received: {', '.join(given)}")
        self.clipnorm = None if clipnorm is None else check_number(clipnorm, "clipnorm", low=0, low_open=True)
        self.clipvalue = None if clipvalue is None else check_number(clipvalue, "clipvalue", low=0, low_open=True)
        self.global_clipnorm = (
            None if global_clipnorm is None else check_number(global_clipnorm, "global_clipnorm", low=0, low_open=True)
        )
        # Keras's moving average of the weights: fit ends with the average as the weights
        self.use_ema = check_bool(use_ema, "use_ema")
        self.ema_momentum = check_number(ema_momentum, "ema_momentum", low=0, high=1)
        self.ema_overwrite_frequency = check_positive_int(ema_overwrite_frequency, "ema_overwrite_frequency",
                                                          allow_none=True)
        _check_no_loss_scale(loss_scale_factor)
        # Keras's: add up the gradients of n steps and apply their mean at every n-th (the others
        # change no weight); `iterations` then counts the updates, as Keras's (a schedule still reads every step)
        self.gradient_accumulation_steps = check_positive_int(gradient_accumulation_steps,
                                                              "gradient_accumulation_steps", allow_none=True)
        if self.gradient_accumulation_steps == 1:
            raise ValueError("gradient_accumulation_steps must be an integer >= 2 (or None: apply every step). "
                             "Received: gradient_accumulation_steps=1")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str. Received: name={name!r:.100}")
        self.name = name or self._default_name()
        self._iterations = 0  # every step, as Keras's `_iterations`
        self.state = {}
        self.built = False
        #: run the rule as a compiled loop where one exists (glassnet.kernels); fit sets it from the model
        self.jit_compile = False

    @property
    def iterations(self):
        """The steps taken; with ``gradient_accumulation_steps`` n, the updates made (every
        n-th step), as Keras: Adam's bias corrections read this count (a schedule reads the
        steps, as Keras)."""
        n = self.gradient_accumulation_steps
        return self._iterations // n if n else self._iterations

    @iterations.setter
    def iterations(self, value):
        # a negative count divided by zero in Adam's bias correction (1 − β₁⁰), and 2.7 was read as 2
        value = check_non_negative_int(value, "iterations")
        self._iterations = value * (self.gradient_accumulation_steps or 1)

    # -- learning rate ---------------------------------------------------
    @property
    def learning_rate(self):
        """The learning rate of the next step (a schedule is evaluated at the steps taken): a
        float that also has Keras 3's variable methods, ``learning_rate.assign(1e-4)`` and
        ``.numpy()``."""
        return _LearningRate(self._rate(), self)

    def _rate(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):  # at every step, accumulated ones too (Keras)
            return float(lr(self._iterations))
        if callable(lr):
            return _check_rate(lr(), "the learning rate the callable returned")
        return float(lr)

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):  # as Keras 3: replaces any rate
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a LearningRateSchedule as its learning_rate, "
                "so its learning rate cannot be set."
            )
        self._learning_rate = _check_rate(value)

    def scale_loss(self, loss):
        """Keras's ``scale_loss``: the loss the gradients are taken of (the loss itself here; a
        :class:`LossScaleOptimizer` multiplies it by its scale)."""
        return loss if self._loss_scale is None else loss * self._loss_scale

    # -- state -------------------------------------------------------------
    def build(self, size, dtype=None, slices=None, shapes=None, paths=None):
        """Allocate the state vectors for ``size`` parameters: variables at ``slices`` of the flat
        vector (default: one), of ``shapes`` (default: each a vector), called ``paths`` (Keras's
        ``variable.path``, "sequential/dense/kernel", which Muon's ``exclude_layers`` reads; default: "").

        ``build(variables)``, a list of arrays, is Keras's: the state of :meth:`apply`'s list form for them."""
        if isinstance(size, (list, tuple)):
            self._build_variables(_variable_list(size, "variables"))
            return
        xp = get_namespace()
        dtype = floatx() if dtype is None else dtype
        self._size = size  # a model that grew or shrank since (pop, add) is refused by fit
        self.slices = list(slices) if slices is not None else [slice(0, size)]
        self.shapes = ([(part.stop - part.start,) for part in self.slices] if shapes is None
                       else [tuple(shape) for shape in shapes])
        if [math.prod(shape) for shape in self.shapes] != [part.stop - part.start for part in self.slices]:
            raise ValueError(f"shapes must give each of the {len(self.slices)} slices its size. "
                             f"Received: shapes={self.shapes!r:.200}")
        self.paths = [""] * len(self.slices) if paths is None else [str(path) for path in paths]
        if len(self.paths) != len(self.slices):
            raise ValueError(f"paths must name each of the {len(self.slices)} slices. Received: paths={paths!r:.200}")
        # float16 moments underflow ((1 − β₂) g² is 0 for |g| < 8e-3, and Adam's steps grew ~1800×):
        # the state is kept in float32, as mixed-precision training does
        if (dtype if xp is np else xp.numpy_dtype(dtype)) == np.float16:  # (str(torch.float16) is "torch.float16")
            dtype = "float32"
        # the rule's vectors start at its value (Adagrad's initial_accumulator_value); the average and the
        # gradient accumulator at 0
        self.state = {name: xp.full(self._state_size(name) if name in self.state_names else size,
                                    self._initial_state(name) if name in self.state_names else 0.0,
                                    dtype=dtype) for name in self.slot_names}
        self._tmp = xp.empty(min(size, BLOCK), dtype=dtype)
        self.built = True

    def _build_variables(self, variables):
        """The state for ``variables`` (each checked), one flat vector of them all in their order."""
        for i, v in enumerate(variables):
            _check_variable(v, f"trainable_variables[{i}]")
        if len({numpy_dtype(v) for v in variables}) > 1:
            raise TypeError("trainable_variables must all have one dtype (the state is one vector). Received dtypes "
                            f"{[str(v.dtype) for v in variables]}")
        shapes = [tuple(v.shape) for v in variables]
        ends = np.cumsum([0] + [math.prod(shape) for shape in shapes]).tolist()
        self.build(ends[-1], variables[0].dtype, [slice(a, b) for a, b in zip(ends, ends[1:])], shapes)
        self._loop_variables, self._loop_parts = list(variables), None

    @classmethod
    def _default_name(cls):
        """Keras's: the class name in snake case ("adam", "sgd")."""
        return re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls.__name__)).lower()

    @property
    def slot_names(self):
        """The state vectors this optimizer keeps: its rule's (``state_names``) and, with
        ``use_ema``, ``"average"``, the weights' moving average."""
        return (*self.state_names, *(("average",) if self.use_ema else ()),
                *(("gradient_accumulator",) if self.gradient_accumulation_steps else ()))

    def _initial_state(self, name):
        return 0.0

    def _state_size(self, name):
        """The length of the rule's state vector ``name``: one entry per parameter."""
        return self._size

    def _state_part(self, name, part):
        """The entries of state vector ``name`` that belong to the parameters ``w[part]``, a run of
        whole variables (a frozen layer's, the trained ones'): the same slice for a per-parameter state."""
        return part

    def __getstate__(self):
        # a pickled or copied optimizer belongs to the pickled or copied model, not to this one
        state = dict(self.__dict__)
        state.pop("_model", None)
        state.pop("_compiled_for", None)  # (and the model compiled with it: a MultiOptimizer's, set by compile)
        for name in ("_loop_variables", "_loop_parts", "_built_arrays"):  # a copy's arrays would not be the user's:
            state.pop(name, None)  # it takes them again by shape
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "iterations" in state:  # pickled before `iterations` became a property of `_iterations`
            state["_iterations"] = state.pop("iterations")
        self.__dict__.update(state)
        self.__dict__.setdefault("name", self._default_name())  # pickled before optimizers had names

    def _fresh(self):
        """A copy with the same settings (the learning rate's schedule or callable too) and no
        state: for a model whose weights changed shape (``pop``, ``add``). A round trip through
        ``get_config`` failed for a callable learning rate or a schedule without a config."""
        fresh = copy.copy(self)  # __getstate__: not bound to any model
        fresh.state, fresh.built, fresh.iterations = {}, False, 0
        for name in ("slices", "shapes", "paths", "_tmp", "_tmp2", "_step", "_size", "_loop_variables", "_loop_parts",
                     "_built_arrays"):
            fresh.__dict__.pop(name, None)
        return fresh

    def get_state(self):
        """``(steps, {name: copy of state vector})``: everything a resumed run needs (the steps
        taken, which is ``iterations`` unless gradients are accumulated)."""
        return self._iterations, {k: numpy_copy(v) for k, v in self.state.items()}

    def get_scalars(self):
        """The state that is not a vector (a :class:`LossScaleOptimizer`'s scale and step counter),
        saved with the model: ``{name: number}``, here none."""
        return {}

    def set_scalars(self, scalars):
        """Put back what :meth:`get_scalars` returned."""
        if scalars:
            raise ValueError(f"{type(self).__name__} keeps no state {sorted(scalars)}.")

    def set_state(self, iterations, state):
        for name in self.slot_names:
            if name not in state or state[name].shape != self.state[name].shape:
                raise ValueError(f"Optimizer state {name!r} is missing or has the wrong shape.")
            self.state[name][...] = from_numpy(state[name])
        self._iterations = int(iterations)

    # -- one step ----------------------------------------------------------
    def apply(self, w, g=None, *, trainable_variables=None):
        """One step on the flat parameters ``w`` with gradient ``g`` (both modified in place),
        then, with ``use_ema``, the moving average's (:meth:`track_average`).

        ``apply(grads, trainable_variables)`` with lists is Keras 3's step of a custom loop: each
        array of ``trainable_variables`` (float arrays, e.g. ``model.trainable_weights``) is
        updated in place by its gradient in ``grads`` (see :meth:`_apply_to_variables`)."""
        if not hasattr(w, "shape"):  # Keras's apply(grads, trainable_variables): lists of arrays
            self._apply_to_variables(w, g if trainable_variables is None else trainable_variables)
            return
        self._apply_rule(w, g)
        if self.use_ema and self.track_average(w):
            w[...] = self.state["average"]

    def apply_gradients(self, grads_and_vars):
        """Keras's step of a custom training loop, ``apply_gradients(zip(grads, variables))``:
        :meth:`apply` on the pairs ``(gradient, variable)``. Returns ``iterations``, as Keras."""
        pairs = _variable_list(grads_and_vars, "grads_and_vars")
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise TypeError(f"grads_and_vars must be pairs (gradient, variable), e.g. zip(grads, "
                                f"model.trainable_weights). Received: grads_and_vars[{i}]={pair!r:.100}")
        if pairs:
            self._apply_to_variables([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def _apply_to_variables(self, grads, variables):
        """Keras's ``apply(grads, trainable_variables)`` on arrays updated in place.

        The first call builds the state for ``variables`` (Keras's ``build``); later calls take
        those same arrays (or ``None``: them), in the same order, as Keras refuses variables it
        was not built with. The variables and gradients are gathered into one flat vector each,
        stepped by :meth:`apply`'s flat form (the clipping, weight decay, schedule, moving
        average and ``iterations`` of ``fit``), and the result written back. A gradient that is
        not finite is refused before anything changes (Keras would make the weights NaN)."""
        if isinstance(self, (LossScaleOptimizer, MultiOptimizer)):
            raise TypeError(f"{type(self).__name__} steps a model's weights in fit and train_on_batch; the list form "
                            "apply(grads, variables) takes one optimizer (e.g. Adam()).")
        grads = _variable_list(grads, "grads")
        if not grads:
            return  # as Keras: nothing to apply
        if variables is None:
            if self._loop_variables is None:
                raise ValueError("When passing grads without trainable_variables, the optimizer must already be built "
                                 "on a list of variables: call optimizer.apply(grads, trainable_variables) or "
                                 "optimizer.build(trainable_variables) first (as Keras).")
            variables = self._loop_variables
        else:
            variables = _variable_list(variables, "trainable_variables")
        if len(grads) != len(variables):
            raise ValueError(f"grads must have one gradient per variable. Received: {len(grads)} gradients for "
                             f"{len(variables)} trainable_variables")
        if not self.built:
            self._build_variables(variables)
        elif self._loop_variables is None:
            self._adopt(variables)
        elif len(variables) != len(self._loop_variables) or any(v is not k for v, k in zip(variables, self._loop_variables)):
            unknown = next((i for i, v in enumerate(variables) if not any(v is k for k in self._loop_variables)), None)
            what = (f"trainable_variables[{unknown}] is not one of them" if unknown is not None
                    else f"received {len(variables)} of them, or in another order")
            raise ValueError(f"This optimizer can only be called for the {len(self._loop_variables)} variables it was "
                             f"built with, in that order: {what}. When working with a new set of variables, make "
                             "a new optimizer instance (as Keras).")
        from .models.flat import claim_handed_out

        claim_handed_out(variables)  # (a model's arrays that a model sharing its layers took since: theirs again)
        xp = get_namespace()
        dtype = variables[0].dtype
        flat = []
        for i, (g, v) in enumerate(zip(grads, variables)):
            if g is None:
                raise ValueError(f"grads[{i}] is None: give every variable a gradient (zeros for one the loss does "
                                 "not depend on).")
            g = xp.asarray(g)
            if tuple(g.shape) != tuple(v.shape):
                raise ValueError(f"grads[{i}] has shape {tuple(g.shape)}, but its variable trainable_variables[{i}] "
                                 f"has shape {tuple(v.shape)}")
            if not (np.issubdtype(numpy_dtype(g), np.floating) or np.issubdtype(numpy_dtype(g), np.integer)):
                raise TypeError(f"grads[{i}] must be an array of numbers. Received: dtype {g.dtype}")
            flat.append(xp.reshape(astype(g, dtype), (-1,)))
        g = xp.concat(flat)  # a copy: clipping works in place, and the caller's gradients stay as they were
        if not bool(xp.all(xp.isfinite(g))):
            bad = next(i for i, part in enumerate(flat) if not bool(xp.all(xp.isfinite(part))))
            raise ValueError(f"grads[{bad}] has NaN or infinite entries: the step would make its variable NaN. "
                             "Nothing was changed; look at the loss (a learning rate too large, log of 0).")
        if self._loop_parts is None:
            w, slices = xp.concat([xp.reshape(v, (-1,)) for v in variables]), self.slices
            self.apply(w, g)
        else:
            w, slices = self._apply_to_parts(variables, flat)
        for v, part in zip(variables, slices):
            v[...] = xp.reshape(w[part], tuple(v.shape))
            constraint = _constraints.of_variable(v)
            if constraint is not None:  # after the step and the moving average, as fit and Keras's apply
                _constraints.apply_in_place(constraint, v)

    def _adopt(self, variables):
        """Take ``variables`` for the state that the flat form built (``fit``, a copy, a loaded model)
        where they are its variables: the same shapes in the same order."""
        for i, v in enumerate(variables):
            _check_variable(v, f"trainable_variables[{i}]")
        # fit built the state for all the model's weights, a frozen layer's too: find each variable's part
        parts = variable_parts(variables, [ref() for ref in self._built_arrays or ()])
        if parts is None:
            shapes = [tuple(v.shape) for v in variables]
            if shapes != self.shapes:
                raise ValueError(f"This optimizer was built for variables of shapes {self.shapes} (by fit, or an "
                                 f"earlier step), but trainable_variables have shapes {shapes}. When working with a "
                                 "new set of variables, make a new optimizer instance (as Keras).")
            parts = list(range(len(variables)))
        self._loop_variables = list(variables)
        self._loop_parts = None if parts == list(range(len(self.slices))) else parts

    def _spread_loop_state(self, parts, build):
        """Move the state that :meth:`apply`'s list form built for its variables into the state ``build()``
        makes (``fit``'s, for every weight of the model, a frozen layer's too): variable ``i``'s to the
        slice ``parts[i]``, the other weights' starting fresh. A loop then continues on ``parts``
        (:meth:`_apply_to_parts`), and the steps taken (Adam's bias correction) stay counted."""
        old, old_slices, variables = self.state, self.slices, self._loop_variables
        kept = [{name: old[name][self._state_part(name, part)] for name in old} for part in old_slices]
        build()
        for j, slots in zip(parts, kept):
            for name, slot in slots.items():
                if name in self.state:
                    self.state[name][self._state_part(name, self.slices[j])] = slot
        self._loop_variables, self._loop_parts = variables, parts

    def _apply_to_parts(self, variables, grads):
        """The flat step where ``variables`` are some of the weights that ``fit`` built the state
        for (``self.slices[j]`` for j in ``_loop_parts``; a frozen layer's left out): the others'
        state is kept, as ``fit`` keeps a frozen layer's. Returns the stepped flat vector and the
        variables' slices of it."""
        xp = get_namespace()
        slices = [self.slices[j] for j in self._loop_parts]
        w = xp.zeros(self._size, dtype=variables[0].dtype)
        g = xp.zeros(self._size, dtype=variables[0].dtype)
        for v, grad, part in zip(variables, grads, slices):
            w[part], g[part] = xp.reshape(v, (-1,)), grad
        kept = [(part, {name: backend_copy(slot[self._state_part(name, part)]) for name, slot in self.state.items()})
                for j, part in enumerate(self.slices) if j not in self._loop_parts]
        self.apply(w, g)
        for part, slots in kept:
            for name, slot in slots.items():
                self.state[name][self._state_part(name, part)] = slot
        return w, slices

    def track_average(self, w):
        """Keras's ``use_ema``: ``average ← μ·average + (1 − μ)·w`` after a step (after the
        first, ``average = w``), μ = ``ema_momentum``. Returns whether this step is one
        after which ``ema_overwrite_frequency`` puts the average into the weights (the
        caller does it: ``fit`` leaves frozen layers' weights alone)."""
        xp = get_namespace()
        average, n = self.state.get("average"), w.shape[0]
        # Keras's test, on the count before this step: the average is the weights until the first update
        before = (self._iterations - 1) // (self.gradient_accumulation_steps or 1)
        if average is None or before == 0:  # (None: use_ema set on a built optimizer)
            self.state["average"] = backend_copy(w) if average is None else average
            self.state["average"][...] = w
        else:
            for start in range(0, n, BLOCK):
                part = slice(start, min(start + BLOCK, n))
                tmp = self._tmp[: part.stop - start]
                xp.multiply(w[part], 1 - self.ema_momentum, out=tmp)
                average[part] *= self.ema_momentum
                average[part] += tmp
        return bool(self.ema_overwrite_frequency) and (before + 1) % self.ema_overwrite_frequency == 0

    def _apply_rule(self, w, g):
        """The rule's step (clipping, weight decay, the update), counted in ``iterations``."""
        if not self.built:
            self.build(w.shape[0], w.dtype)
        if self._iterations % FLUSH_EVERY == FLUSH_EVERY - 1:
            self._flush_tiny()
        if self.gradient_accumulation_steps:
            accumulator = self.state["gradient_accumulator"]
            if (self._iterations + 1) % self.gradient_accumulation_steps:
                accumulator += g  # no update at this step
                self._iterations += 1
                return
            g += accumulator  # the mean of the n gradients, as Keras: (g + accumulated) / n
            g /= self.gradient_accumulation_steps
            accumulator[...] = 0
        lr = self._rate()
        self._clip(g)
        self._decay(w, lr)
        if not (self.jit_compile and w.dtype in _kernels.DTYPES and self.compiled_update(w, g, lr)):
            self._update_all(w, g, lr)
        self._iterations += 1

    def _update_all(self, w, g, lr):
        """The rule on all of ``w``, block by block (:meth:`update`)."""
        n = w.shape[0]
        if n <= BLOCK:
            self.update(w, g, lr, self.state, self._tmp[:n])  # (n < the state's size: updates._apply_rule_to_span)
            return
        for start in range(0, n, BLOCK):
            part = slice(start, min(start + BLOCK, n))
            state = {name: value[part] for name, value in self.state.items()}
            self.update(w[part], g[part], lr, state, self._tmp[: part.stop - start])

    def _decay(self, w, lr):
        """Decoupled weight decay ``w ← w − η λ w``, before the rule."""
        if self.weight_decay:
            w *= 1.0 - lr * self.weight_decay

    def _clip(self, g):
        if self.clipnorm:
            for part in self.slices:
                _clip_norm(g[part], self.clipnorm)
        elif self.global_clipnorm:
            _clip_norm(g, self.global_clipnorm, nan_if_infinite=True)
        elif self.clipvalue:
            get_namespace().clip(g, -self.clipvalue, self.clipvalue, out=g)

    def _flush_tiny(self):
        """Set state entries below TINY to zero.

        A parameter whose gradient stays 0 (an always-blank MNIST pixel, a dead
        ReLU) has its moments multiplied by β at every step until they become
        subnormal numbers, whose arithmetic is 10-100 times slower on x86 CPUs:
        Adam's step time doubled within a few epochs. Entries below 1e-30
        cannot change an update (it is divided by at least ε = 1e-7), so
        clearing them every 64 steps, before they can reach the subnormal
        range (< 1.2e-38, 170 steps of β₁ = 0.9 away), changes no result. For a
        smaller ε the bound is (ε·1e-8)²; with ε = 0 nothing is cleared.
        """
        xp = get_namespace()
        bound = self._tiny_bound()
        if bound == 0:
            return
        for name, value in self.state.items():
            if name in ("average", "gradient_accumulator"):  # weights and sums, not decaying moments
                continue
            n = value.shape[0]
            for start in range(0, n, BLOCK):
                part = value[start : min(start + BLOCK, n)]
                tiny = xp.less(xp.abs(part, out=self._tmp[: part.shape[0]]), bound)
                part[tiny] = 0

    def _tiny_bound(self):
        """The size below which :meth:`_flush_tiny` clears a state entry."""
        # with a smaller ε the bound shrinks with it (ε = 0: nothing is ever cleared)
        return min(TINY, (getattr(self, "epsilon", 1.0) * 1e-8) ** 2)

    def compiled_update(self, w, g, lr):
        """The rule as one compiled loop over all of ``w``; returns False where
        there is none (then :meth:`update` runs)."""
        return False

    def update(self, w, g, lr, state, tmp):
        """The rule on one block: parameters ``w``, gradient ``g``, the matching
        blocks of the state vectors (dict) and a scratch array ``tmp``, all in place."""
        raise NotImplementedError

    # -- config ------------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            raise ValueError("Cannot save an optimizer whose learning_rate is a plain callable; use a schedule.")
        config = {
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
        }
        if self.name != self._default_name():  # left out otherwise, as the EMA settings: files and repr
            config["name"] = self.name        # stay as they were
        if self.use_ema:
            config.update(use_ema=True, ema_momentum=self.ema_momentum,
                          ema_overwrite_frequency=self.ema_overwrite_frequency)
        if self.gradient_accumulation_steps:
            config["gradient_accumulation_steps"] = self.gradient_accumulation_steps
        return config

    def __repr__(self):
        # the settings of get_config, with the learning rate as it is: a callable or a custom schedule
        # cannot be saved (get_config refuses them), but it can be shown
        shown = copy.copy(self)
        shown._learning_rate = 0.0
        config = {**shown.get_config(), "learning_rate": self._learning_rate}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"


class SGD(Optimizer):
    """Gradient descent, with momentum and Nesterov momentum (Keras 3).

    Plain: ``w ← w − η g``. Momentum ``α``: ``m ← α m − η g``, ``w ← w + m``;
    Nesterov: ``w ← w + α m − η g`` with the new ``m``.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.nesterov = check_bool(nesterov, "nesterov")
        self.state_names = ("momentum",) if self.momentum else ()

    def compiled_update(self, w, g, lr):
        f = w.dtype.type
        if not self.momentum:
            _kernels.get("sgd")(w, g, f(lr))
        else:
            _kernels.get("sgd_momentum")(w, g, self.state["momentum"], f(lr), f(self.momentum), self.nesterov)
        return True

    def update(self, w, g, lr, state, tmp):
        # η·g goes to tmp: the gradient buffer keeps the gradient (a callback may read layer.grads)
        xp = get_namespace()
        xp.multiply(g, lr, out=tmp)
        if not self.momentum:
            w -= tmp
            return
        m = state["momentum"]
        m *= self.momentum
        m -= tmp
        if self.nesterov:  # α·m − η·g in a second buffer, made once (not an array per step)
            step = getattr(self, "_step", None)
            if step is None or step.shape[0] < tmp.shape[0]:
                step = self._step = xp.empty_like(self._tmp)
            step = step[: tmp.shape[0]]
            xp.multiply(m, self.momentum, out=step)
            step -= tmp
            w += step
        else:
            w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class GradientDescent(SGD):
    """The lectures' plain gradient descent ``w ← w − η ∂J/∂w`` (SGD without momentum)."""

    def __init__(self, learning_rate=0.01, **kwargs):
        for name in ("momentum", "nesterov"):
            if name in kwargs:
                raise TypeError(f"GradientDescent is plain gradient descent, without {name}: use "
                                f"SGD({name}=...). Received: {name}={kwargs[name]!r:.100}")
        super().__init__(learning_rate, momentum=0.0, nesterov=False, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["momentum"], config["nesterov"]
        return config


class Adagrad(Optimizer):
    """``G ← G + g²``, ``w ← w − η g / sqrt(G + ε)`` with ``G₀ = 0.1`` (Keras 3)."""

    state_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_number(initial_accumulator_value, "initial_accumulator_value", low=0)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def _initial_state(self, name):
        return self.initial_accumulator_value

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        acc = state["accumulator"]
        acc += _square(g, tmp)
        xp.add(acc, self.epsilon, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(g, tmp, out=tmp)
        tmp *= lr
        w -= tmp

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """``v ← ρ v + (1−ρ) g²``; ``w ← w − η g / sqrt(v + ε)`` (Keras 3), optionally
    centered (``v − ḡ²``) and with momentum."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number(rho, "rho", low=0, high=1)
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0)
        self.centered = check_bool(centered, "centered")
        self.state_names = (
            ("velocity",) + (("momentum",) if self.momentum else ()) + (("average_gradient",) if self.centered else ())
        )

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        v = state["velocity"]
        _square(g, tmp)
        tmp *= 1 - self.rho
        v *= self.rho
        v += tmp
        if self.centered:
            avg = state["average_gradient"]
            avg *= self.rho
            avg += (1 - self.rho) * g
            xp.multiply(avg, avg, out=tmp)
            xp.subtract(v, tmp, out=tmp)
            tmp += self.epsilon
        else:
            xp.add(v, self.epsilon, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(g, tmp, out=tmp)
        tmp *= lr
        if self.momentum:
            m = state["momentum"]
            m *= self.momentum
            m += tmp
            w -= m
        else:
            w -= tmp

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adadelta(Optimizer):
    """Keras 3's Adadelta: ``E[g²] ← ρE[g²] + (1−ρ)g²``,
    ``Δ = −sqrt(E[Δ²] + ε) / sqrt(E[g²] + ε) · g``, ``E[Δ²] ← ρE[Δ²] + (1−ρ)Δ²``,
    ``w ← w + η Δ``."""

    state_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_number(rho, "rho", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        acc_g, acc_d = state["accumulated_grad"], state["accumulated_delta_var"]
        acc_g *= self.rho
        _square(g, tmp)
        tmp *= 1 - self.rho
        acc_g += tmp
        delta = -xp.sqrt(acc_d + self.epsilon) / xp.sqrt(acc_g + self.epsilon) * g
        acc_d *= self.rho
        xp.multiply(delta, delta, out=tmp)
        tmp *= 1 - self.rho
        acc_d += tmp
        delta *= lr
        w += delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Keras 3's Adam: ``m ← m + (1−β₁)(g − m)``, ``v ← v + (1−β₂)(g² − v)``,
    ``w ← w − α m / (sqrt(v) + ε)`` with the bias corrections folded into the
    scalar ``α = η sqrt(1 − β₂^t) / (1 − β₁^t)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0)
        self.amsgrad = check_bool(amsgrad, "amsgrad")
        self.state_names = ("m", "v") + (("v_hat",) if self.amsgrad else ())

    def _alpha(self, lr):
        t = self.iterations + 1
        return lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def _constants(self, g, tmp):
        """β₁, 1 − β₁, β₂, 1 − β₂ and ε as 0-d arrays of the state's dtype where the gradient ``g``
        and the scratch ``tmp`` are NumPy arrays of that one dtype (kept until a setting or the dtype
        changes), else as floats. NumPy converts a Python float operand at every operation, ~0.2 µs,
        as long as the operation itself on a small network's few weights (the update on seed 001's
        9: 4.9 -> 4.4 µs). The same numbers, bit for bit: NumPy casts a Python float to the array's
        dtype as well (NEP 50). Float16 weights have a float32 state: ``g · (1 − β₁)`` is computed
        in float16 there, and the floats are kept."""
        beta_1, beta_2, epsilon = self.beta_1, self.beta_2, self.epsilon
        if type(tmp) is not np.ndarray or g.dtype != tmp.dtype:
            return beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon
        key = (beta_1, beta_2, epsilon, tmp.dtype)
        kept = self.__dict__.get("_kept_constants")
        if kept is None or kept[0] != key:
            values = (beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon)
            kept = self._kept_constants = (key, tuple(constant(value, tmp.dtype) for value in values))
        return kept[1]

    def compiled_update(self, w, g, lr):
        if self.amsgrad:
            return False
        f = w.dtype.type
        _kernels.get("adam")(w, g, self.state["m"], self.state["v"], f(self.beta_1), f(1 - self.beta_1),
                             f(self.beta_2), f(1 - self.beta_2), f(self._alpha(lr)), f(self.epsilon))
        return True

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        m, v = state["m"], state["v"]
        alpha = self._alpha(lr)
        beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, epsilon = self._constants(g, tmp)
        # m ← β₁ m + (1 − β₁) g
        m *= beta_1
        xp.multiply(g, one_minus_beta_1, out=tmp)
        m += tmp
        # v ← β₂ v + (1 − β₂) g²
        v *= beta_2
        _square(g, tmp)
        tmp *= one_minus_beta_2
        v += tmp
        if self.amsgrad:
            v = xp.maximum(state["v_hat"], v, out=state["v_hat"])
        xp.sqrt(v, out=tmp)
        tmp += epsilon
        xp.divide(m, tmp, out=tmp)
        tmp *= alpha
        w -= tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay ``w ← w − η λ w`` before each step (Keras 3: λ = 0.004)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:  # it was plain Adam, silently (Keras refuses it too)
            raise ValueError("AdamW's weight_decay must be a number >= 0 (0.004 by default; Adam is AdamW without "
                             "decay). Received: weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


class _TwoMoments(Optimizer):
    """The settings Adamax and Nadam share with Adam: ``beta_1``, ``beta_2``, ``epsilon``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, high_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1, high_open=True)
        self.epsilon = check_number(epsilon, "epsilon", low=0)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adamax(_TwoMoments):
    """Keras 3's Adamax (Adam with the infinity norm): ``m ← m + (1−β₁)(g − m)``,
    ``u ← max(β₂u, |g|)``, ``w ← w − η m / ((1 − β₁^t)(u + ε))``."""

    state_names = ("m", "u")

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        m, u = state["m"], state["u"]
        xp.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        u *= self.beta_2
        xp.maximum(u, xp.abs(g, out=tmp), out=u)
        xp.add(u, self.epsilon, out=tmp)
        tmp *= 1 - self.beta_1 ** (self.iterations + 1)
        xp.divide(m, tmp, out=tmp)
        tmp *= lr
        w -= tmp


class Nadam(_TwoMoments):
    """Keras 3's Nadam (Adam with Nesterov momentum, Dozat 2016): with the momentum schedule
    ``μ_t = β₁(1 − ½·0.96^t)`` and ``Π_t = μ_1⋯μ_t``, ``m ← m + (1−β₁)(g − m)``,
    ``v ← v + (1−β₂)(g² − v)``, ``m̂ = μ_{t+1} m / (1 − Π_{t+1}) + (1 − μ_t) g / (1 − Π_t)``,
    ``w ← w − η m̂ / (sqrt(v / (1 − β₂^t)) + ε)``."""

    state_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self._products = (0, 1.0)  # (t, Π_t), so that a step costs one product, not t

    def _mu(self, t):
        return self.beta_1 * (1 - 0.5 * 0.96**t)

    def _product(self, t):
        """``Π_t``, from the last one computed (after a restore, from the start)."""
        done, product = self._products if self._products[0] <= t else (0, 1.0)
        for k in range(done + 1, t + 1):
            product *= self._mu(k)
        self._products = (t, product)
        return product

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        t = self.iterations + 1
        product = self._product(t)
        mu, mu_next = self._mu(t), self._mu(t + 1)
        a, b = mu_next / (1 - product * mu_next), (1 - mu) / (1 - product)
        m, v = state["momentum"], state["velocity"]
        xp.subtract(g, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        _square(g, tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        xp.divide(v, 1 - self.beta_2**t, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        xp.divide(lr, tmp, out=tmp)  # q = η / (sqrt(v̂) + ε); then w ← w − q·a·m − q·b·g
        if getattr(self, "_tmp2", None) is None or self._tmp2.shape != self._tmp.shape:
            self._tmp2 = xp.empty_like(self._tmp)
        step = self._tmp2[: tmp.shape[0]]
        xp.multiply(m, a, out=step)
        step *= tmp
        w -= step
        xp.multiply(g, b, out=step)
        step *= tmp
        w -= step


class Lamb(_TwoMoments):
    """Keras 3's LAMB (You et al. 2019): Adam's moments ``m ← m + (1−β₁)(g − m)``,
    ``v ← v + (1−β₂)(g² − v)``, the step ``u = (m / (1 − β₁^t)) / (sqrt(v / (1 − β₂^t)) + ε)``,
    then for each variable ``w ← w − η r u`` with the trust ratio ``r = ‖w‖ / ‖u‖`` (1 where
    either norm is 0): each variable moves by ``η`` times its own norm, whatever its gradient's scale."""

    state_names = ("m", "v")

    def _update_all(self, w, g, lr):
        # the state is per parameter, but the trust ratio needs each variable's norms: a loop per variable
        xp = get_namespace()
        t = self.iterations + 1
        m, v = self.state["m"], self.state["v"]
        for part in self.slices:
            wv, gv, mv, vv = w[part], g[part], m[part], v[part]
            if not wv.shape[0]:
                continue
            mv += (gv - mv) * (1 - self.beta_1)
            vv += (_square(gv, xp.empty(gv.shape, dtype=vv.dtype)) - vv) * (1 - self.beta_2)
            u = (mv / (1 - self.beta_1**t)) / (xp.sqrt(vv / (1 - self.beta_2**t)) + self.epsilon)
            w_norm, u_norm = _variable_norm(wv), _variable_norm(u)
            ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
            u *= ratio * lr
            wv -= u


class ScheduleFreeAdamW(_TwoMoments):
    """Keras 3.15's schedule-free AdamW (Defazio et al. 2024): at step ``t``, with ``η`` warmed up as
    ``η·min(t / warmup_steps, 1)``, ``v ← v + (1−β₂)(g² − v)``, ``z' = z − η g / (sqrt(v / (1 − β₂^t)) + ε)``,
    ``x = (w − (1−β₁) z) / β₁`` (the average the weights ``w`` interpolate), ``x' = (1 − 1/t) x + z'/t``,
    ``w ← (1−β₁) z' + β₁ x'``. ``z`` (Keras's "momentum") starts at the weights: it is NaN until a
    variable's first update, which sets it to the weights then (before the weight decay, as Keras's
    build; a layer frozen until later starts from its weights at that time). The weights ``w`` are the
    ones trained and evaluated, as in Keras 3.15 (no swap to ``x`` for evaluation)."""

    state_names = ("z", "v")

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        # x = (w − (1−β₁) z) / β₁ divides by β₁
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, low_open=True, high_open=True)
        self.warmup_steps = check_non_negative_int(warmup_steps, "warmup_steps")

    def _initial_state(self, name):
        return math.nan if name == "z" else 0.0

    def _decay(self, w, lr):
        # the first update of a variable: z starts at its weights (the weights a callback or set_weights
        # writes later leave z where it is, as in Keras). z is NaN for a whole variable until then, so
        # its first entry tells: no pass over all of z at every step
        z = self.state["z"]
        for part in self.slices:
            if part.stop > part.start and math.isnan(float(z[part.start])):
                z[part] = w[part]
        super()._decay(w, lr)

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        t = self.iterations + 1
        if self.warmup_steps > 0:
            lr = lr * min(t / self.warmup_steps, 1.0)
        z, v = state["z"], state["v"]
        b1 = self.beta_1
        x = (w - (1 - b1) * z) / b1  # from the z before this step
        _square(g, tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        z -= (lr * g) / (xp.sqrt(v / (1 - self.beta_2**t)) + self.epsilon)
        x = (1 - 1 / t) * x + (1 / t) * z
        w[...] = (1 - b1) * z + b1 * x

    def get_config(self):
        return {**super().get_config(), "warmup_steps": self.warmup_steps}


class Lion(Optimizer):
    """Keras 3's Lion (Chen et al. 2023, evolved sign momentum):
    ``w ← w − η sign(β₁m + (1−β₁)g)``, then ``m ← β₂m + (1−β₂)g``."""

    state_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        # β₁ = 0 would make it SignSGD, which Keras refuses too
        self.beta_1 = check_number(beta_1, "beta_1", low=0, high=1, low_open=True)
        self.beta_2 = check_number(beta_2, "beta_2", low=0, high=1)

    def _tiny_bound(self):
        # sign(m) of a tiny m is still ±1, a whole step: only a momentum that could become subnormal
        # before the next clearing (FLUSH_EVERY steps of β₂ away) is cleared, never one above TINY
        tiny = float(np.finfo(numpy_dtype(self.state["momentum"])).tiny)
        return min(TINY, tiny / self.beta_2**FLUSH_EVERY) if self.beta_2 else tiny

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        m = state["momentum"]
        xp.multiply(m, self.beta_1, out=tmp)
        tmp += g * (1 - self.beta_1)
        xp.sign(tmp, out=tmp)
        tmp *= lr
        w -= tmp
        m *= self.beta_2
        xp.multiply(g, 1 - self.beta_2, out=tmp)
        m += tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}


class Ftrl(Optimizer):
    """Keras 3's FTRL-Proximal (McMahan et al. 2013), with ``p`` = ``learning_rate_power``,
    ``λ₁``, ``λ₂``, ``λ₂'`` (shrinkage) and ``β``: ``ĝ = g + 2λ₂'w``, ``n' = n + g²``,
    ``z ← z + ĝ − (n'^{−p} − n^{−p}) w / η``, ``n ← n'``,
    ``w ← (clip(z, −λ₁, λ₁) − z) / (n'^{−p}/η + 2(λ₂ + β/(2η)))``."""

    state_names = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not callable(self._learning_rate) and self._learning_rate == 0:  # FTRL divides by η
            raise ValueError("Ftrl's learning_rate must be > 0 (its update divides by it). Received: learning_rate=0")
        self.learning_rate_power = check_number(learning_rate_power, "learning_rate_power", high=0)
        self.initial_accumulator_value = check_number(initial_accumulator_value, "initial_accumulator_value", low=0)
        self.l1_regularization_strength = check_number(l1_regularization_strength, "l1_regularization_strength", low=0)
        self.l2_regularization_strength = check_number(l2_regularization_strength, "l2_regularization_strength", low=0)
        self.l2_shrinkage_regularization_strength = check_number(
            l2_shrinkage_regularization_strength, "l2_shrinkage_regularization_strength", low=0)
        self.beta = check_number(beta, "beta", low=0)

    def _initial_state(self, name):
        return self.initial_accumulator_value if name == "accumulator" else 0.0

    @Optimizer.learning_rate.setter
    def learning_rate(self, value):
        if not callable(value) and _check_rate(value) == 0:  # as the constructor: FTRL divides by η
            raise ValueError("Ftrl's learning_rate must be > 0 (its update divides by it). Received: learning_rate=0")
        Optimizer.learning_rate.fset(self, value)

    def _rate(self):
        lr = super()._rate()
        if lr == 0:  # a schedule that reaches 0 (CosineDecay's end) or a callable that returns it
            raise ValueError(f"Ftrl's learning rate is 0 at step {self._iterations} (its update divides by it): "
                             "use a schedule that stays above 0 (e.g. CosineDecay(..., alpha=0.01)).")
        return lr

    def update(self, w, g, lr, state, tmp):
        xp = get_namespace()
        n, z, power = state["accumulator"], state["linear"], -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        old = xp.pow(n, power)  # n^{−p} (the array API names it pow)
        n += _square(g, tmp)
        new = xp.pow(n, power)  # n'^{−p}
        xp.subtract(new, old, out=tmp)
        tmp /= lr
        tmp *= w
        xp.multiply(w, 2 * self.l2_shrinkage_regularization_strength, out=old)
        old += g  # ĝ
        old -= tmp
        z += old
        new /= lr
        new += 2 * l2  # the quadratic
        xp.clip(z, -self.l1_regularization_strength, self.l1_regularization_strength, out=tmp)
        tmp -= z
        xp.divide(tmp, new, out=w)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength, "beta": self.beta}


class Adafactor(Optimizer):
    """Keras 3's Adafactor (Shazeer & Stern 2018). At step ``t``, with ``G = g² + ε₁``,
    ``β = 1 − t^{beta_2_decay}``, ``ρ = min(η, 1/√t)`` and ``α = max(ε₂, RMS(w)) ρ``:
    a variable of 2 or more axes keeps the row and column means of ``G``,
    ``r ← βr + (1−β) mean(G, −1)``, ``c ← βc + (1−β) mean(G, −2)``, and uses
    ``v = (r / mean(r)) ⊗ c``; a vector keeps ``v ← βv + (1−β)G`` itself. Then
    ``u = g / √v``, ``w ← w − α u / max(1, RMS(u)/d)`` with ``d`` = ``clip_threshold``.
    The state is ``r``, ``c`` (one entry per row and per column) and the vectors' ``v``: a
    matrix's ``v`` is made afresh at each step from ``r`` and ``c`` (Keras keeps it too).
    ``relative_step`` changes nothing: Keras 3.15's takes ``min(η, 1/√t)`` again in ``ρ``."""

    state_names = ("r", "c", "v")
    by_variable = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_2_decay = check_number(beta_2_decay, "beta_2_decay", high=0)  # > 0: a negative β after t = 1
        self.epsilon_1 = check_number(epsilon_1, "epsilon_1", low=0)
        self.epsilon_2 = check_number(epsilon_2, "epsilon_2", low=0)
        self.clip_threshold = check_number(clip_threshold, "clip_threshold", low=0, low_open=True)
        self.relative_step = check_bool(relative_step, "relative_step")

    def _layout(self):
        """``(slice of w, shape as (A, rows, columns) or None for a vector, slice of r, of c, of v)``
        for each variable, in the order of ``slices``."""
        r = c = v = 0
        for part, shape in zip(self.slices, self.shapes, strict=True):
            if len(shape) < 2:
                n = part.stop - part.start
                yield part, None, slice(r, r), slice(c, c), slice(v, v + n)
                v += n
            else:
                a = math.prod(shape[:-2])
                yield part, (a, shape[-2], shape[-1]), slice(r, r + a * shape[-2]), slice(c, c + a * shape[-1]), \
                    slice(v, v)
                r, c = r + a * shape[-2], c + a * shape[-1]

    def _state_size(self, name):
        index = {"r": 2, "c": 3, "v": 4}[name]
        return sum(item[index].stop - item[index].start for item in self._layout())

    def _state_part(self, name, part):
        if name not in self.state_names:
            return part
        index = {"r": 2, "c": 3, "v": 4}[name]
        inside = [item[index] for item in self._layout() if part.start <= item[0].start and item[0].stop <= part.stop]
        return slice(inside[0].start, inside[-1].stop) if inside else slice(0, 0)

    def _tiny_bound(self):
        # r, c and v stay >= ε₁ (they average g² + ε₁): nothing decays towards the subnormal range
        return 0.0

    def _update_all(self, w, g, lr):
        xp = get_namespace()
        t = self.iterations + 1
        rho = min(lr, 1 / math.sqrt(t))
        beta = 1 - t**self.beta_2_decay
        for part, shape, r_part, c_part, v_part in self._layout():
            wv, gv = w[part], g[part]
            if not wv.shape[0]:
                continue
            alpha = max(self.epsilon_2, math.sqrt(float(xp.mean(wv * wv)))) * rho
            G = _square(gv, xp.empty(gv.shape, dtype=self.state["v"].dtype))  # float32 for float16 weights
            G += self.epsilon_1
            if shape is None:
                v = self.state["v"][v_part]
                v *= beta
                G *= 1 - beta
                v += G
            else:
                G = xp.reshape(G, shape)
                r = xp.reshape(self.state["r"][r_part], shape[:2])
                c = xp.reshape(self.state["c"][c_part], (shape[0], shape[2]))
                r *= beta
                r += (1 - beta) * xp.mean(G, axis=2)
                c *= beta
                c += (1 - beta) * xp.mean(G, axis=1)
                v = xp.reshape((r / xp.mean(r, axis=1, keepdims=True))[:, :, None] * c[:, None, :], (-1,))
            u = gv / xp.sqrt(v)
            u /= max(1.0, math.sqrt(float(xp.mean(u * u))) / self.clip_threshold)
            u *= alpha
            wv -= u

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}


class Muon(Optimizer):
    """Keras 3.15's Muon (Jordan et al. 2024; Liu et al. 2025's scaling): a matrix ``W`` of shape
    ``(n, k)`` keeps a momentum ``m ← μm + g`` and steps by its orthogonalization,
    ``W ← W − η·O·sqrt(max(n, k))·rms_rate`` (no factor with ``rms_rate=None``), where ``O`` is
    ``ns_steps`` Newton–Schulz iterations ``A = XXᵀ``, ``X ← aX + (bA + cA²)X`` from
    ``X = M / (‖M‖_F + 1e-7)`` (on ``Mᵀ`` when ``n > k``), ``M = g + μm`` (Nesterov) or ``m``.
    Every other variable steps by AdamW (``adam_beta_1``, ``adam_beta_2``, ``epsilon``, at the rate
    ``η·adam_lr_ratio``), as Keras decides: one that is not 2-D (vectors, and arrays of 3 or more axes
    too), one whose path holds "embedding" (``exclude_embeddings``) and one whose path a pattern of
    ``exclude_layers`` finds (``re.search``). The weight decay is ``weight_decay`` for the matrices
    and ``adam_weight_decay`` for the others.

    The path is Keras's ``variable.path`` ("sequential/dense/kernel"; "dense/kernel" in a model of the
    functional ``Model(inputs, outputs)``): a pattern selects the same variables as in Keras, one on
    "kernel", a layer's or the model's name alike. ``v`` is kept for every
    parameter (0 for the matrices, which do not use it); Keras keeps it for the AdamW variables only."""

    state_names = ("m", "v")
    by_variable = True  # which variables are matrices depends on the shapes it was built for

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.adam_beta_1 = check_number(adam_beta_1, "adam_beta_1", low=0, high=1, high_open=True)
        self.adam_beta_2 = check_number(adam_beta_2, "adam_beta_2", low=0, high=1, high_open=True)
        self.adam_weight_decay = (None if adam_weight_decay is None
                                  else check_number(adam_weight_decay, "adam_weight_decay", low=0))
        self.epsilon = check_number(epsilon, "epsilon", low=0)
        if exclude_layers is not None and (isinstance(exclude_layers, str) or not isinstance(exclude_layers, (list, tuple))
                                           or not all(isinstance(k, str) for k in exclude_layers)):
            raise TypeError(f"exclude_layers must be a list of regular expressions (str) or None. "
                            f"Received: exclude_layers={exclude_layers!r:.100}")
        for keyword in exclude_layers or []:
            try:
                re.compile(keyword)
            except re.error as exc:
                raise ValueError(f"exclude_layers must hold regular expressions: {keyword!r:.100} is not one "
                                 f"({exc}). Received: exclude_layers={exclude_layers!r:.100}") from None
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = check_bool(exclude_embeddings, "exclude_embeddings")
        self.muon_a = check_number(muon_a, "muon_a")
        self.muon_b = check_number(muon_b, "muon_b")
        self.muon_c = check_number(muon_c, "muon_c")
        self.adam_lr_ratio = check_number(adam_lr_ratio, "adam_lr_ratio", low=0)
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.ns_steps = check_non_negative_int(ns_steps, "ns_steps")
        self.nesterov = check_bool(nesterov, "nesterov")
        self.rms_rate = None if rms_rate is None else check_number(rms_rate, "rms_rate", low=0)

    def build(self, size, dtype=None, slices=None, shapes=None, paths=None):
        super().build(size, dtype, slices, shapes, paths)
        named = [path for path in self.paths if path]
        unused = [k for k in self.exclude_layers if named and not any(re.search(k, path) for path in named)]
        if unused:  # a typo, or a pattern of glassnet's paths before they were Keras's ("dense/W")
            warnings.warn(f"Muon's exclude_layers pattern(s) {unused} match no variable of this model: its paths are "
                          f"Keras's variable.path, such as {', '.join(map(repr, named[:3]))}.", UserWarning,
                          stacklevel=6)  # (the caller of fit, which builds the optimizer)

    def _uses_adam(self, shape, path):
        """Keras's ``_should_use_adamw``: not a matrix, an embedding, or an excluded layer's."""
        return (len(shape) != 2 or (self.exclude_embeddings and "embedding" in path.lower())
                or any(re.search(keyword, path) for keyword in self.exclude_layers))

    def _variables(self):
        return zip(self.slices, self.shapes, getattr(self, "paths", None) or [""] * len(self.slices), strict=True)

    def _decay(self, w, lr):
        for part, shape, path in self._variables():
            decay = self.adam_weight_decay if self._uses_adam(shape, path) else self.weight_decay
            if decay:
                w[part] *= 1.0 - lr * decay

    def _tiny_bound(self):
        # a matrix's m is divided by its own norm, not by sqrt(v) + ε: a tiny m still makes a whole step
        return 0.0

    def _orthogonalize(self, M):
        """Keras's ``zeropower_via_newtonschulz5`` of the 2-D ``M``: about ``UVᵀ`` of its SVD."""
        xp = get_namespace()
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = M.shape[0] > M.shape[1]
        X = M.T if tall else M
        X = X / (xp.sqrt(xp.sum(X * X)) + 1e-7)  # ‖X‖_F >= the spectral norm, which is then <= 1
        for _ in range(self.ns_steps):
            A = X @ X.T
            B = b * A + (c * A) @ A  # Keras's `c * A @ A`
            X = a * X + B @ X
        return X.T if tall else X

    def _update_all(self, w, g, lr):
        xp = get_namespace()
        t = self.iterations + 1
        alpha = lr * self.adam_lr_ratio * math.sqrt(1 - self.adam_beta_2**t) / (1 - self.adam_beta_1**t)
        for part, shape, path in self._variables():
            wv, gv, m, v = w[part], g[part], self.state["m"][part], self.state["v"][part]
            if not wv.shape[0]:
                continue
            if self._uses_adam(shape, path):  # AdamW, as Keras's Muon writes it
                m += (gv - m) * (1 - self.adam_beta_1)
                v += (_square(gv, xp.empty(gv.shape, dtype=v.dtype)) - v) * (1 - self.adam_beta_2)
                wv -= (m * alpha) / (xp.sqrt(v) + self.epsilon)
                continue
            m += gv + m * (self.momentum - 1)
            M = gv + self.momentum * m if self.nesterov else m
            step = lr * self._orthogonalize(xp.reshape(M, shape))
            if self.rms_rate is not None:  # Moonlight's: an update RMS like AdamW's
                step = step * math.sqrt(max(shape)) * self.rms_rate
            wv -= xp.reshape(step, (-1,))

    def get_config(self):
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon, "exclude_layers": list(self.exclude_layers), "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum, "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings, "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate}


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
        # Keras's: the name and the inner optimizer's config, nothing of the base class
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    def __repr__(self):
        return (f"LossScaleOptimizer(inner_optimizer={self.inner_optimizer!r}, initial_scale={self.initial_scale!r}, "
                f"dynamic_growth_steps={self.dynamic_growth_steps!r})")


class _Variable:
    """What a :class:`MultiOptimizer`'s callable selector is given for each parameter array, as
    Keras gives it a variable: ``path`` (Keras's, "sequential/dense/kernel"), ``shape`` and
    ``name`` (the path's last part, "kernel")."""

    __slots__ = ("path", "shape", "name")

    def __init__(self, path, shape):
        self.path, self.shape, self.name = path, tuple(shape), path.rsplit("/", 1)[-1]

    def __repr__(self):
        return f"<Variable path={self.path!r} shape={self.shape}>"


def _check_sub_optimizer(optimizer, where):
    """A MultiOptimizer's sub-optimizer: an Optimizer, not a LossScaleOptimizer or MultiOptimizer (Keras's rules)."""
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError(f"{where}: optimizer cannot be LossScaleOptimizer (wrap the MultiOptimizer in one instead).")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError(f"{where}: optimizer cannot be MultiOptimizer.")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: optimizer must be a glassnet.optimizers.Optimizer (e.g. Adam()). "
                        f"Received: {optimizer!r:.100} ({type(optimizer).__name__})")
    return optimizer


class OptimizerMap(MutableMapping):
    """Keras 3.15's map from variable paths to optimizers: ``optimizer_map[path]`` is the optimizer
    of the key equal to ``path``, else of the one key whose regular expression matches
    it whole (``re.fullmatch``), else ``default_optimizer``; a path two patterns match is a ValueError. A key cannot be
    set twice, and its optimizer cannot be a LossScaleOptimizer or a MultiOptimizer."""

    def __init__(self, default_optimizer, optimizer_map=None):
        if isinstance(default_optimizer, dict):  # a config
            default_optimizer = deserialize(default_optimizer)
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a glassnet.optimizers.Optimizer (e.g. SGD()). Received: "
                            f"default_optimizer={default_optimizer!r:.100} ({type(default_optimizer).__name__})")
        _check_sub_optimizer(default_optimizer, "default_optimizer")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dict {{path pattern: optimizer}} or None. Received: "
                            f"optimizer_map={optimizer_map!r:.100} ({type(optimizer_map).__name__})")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = deserialize(optimizer) if isinstance(optimizer, dict) else optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        if not isinstance(key, str):
            raise TypeError(f"An OptimizerMap is looked up by a variable's path (str). Received: {key!r:.100}")
        found = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(found) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}: the patterns {found} all match it.")
        return self._optimizer_map[found[0]] if found else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"{key!r} already exists in the OptimizerMap with value {self._optimizer_map[key]!r:.100}. "
                             "Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise TypeError(f"key must be a string (a variable path or a regular expression). Received: {key!r:.100}")
        try:
            re.compile(key)
        except re.error as exc:
            raise ValueError(f"key must be a regular expression: {key!r:.100} is not one ({exc}).") from None
        self._optimizer_map[key] = _check_sub_optimizer(optimizer, f"OptimizerMap[{key!r:.100}]")

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        """The optimizer of ``variable`` (anything with a ``path``), as Keras's."""
        return self[variable.path]

    def get_config(self):
        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {key: serialize(value) for key, value in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config):
        if not isinstance(config, dict) or "default_optimizer" not in config:
            raise TypeError(f"config must be a dict from OptimizerMap.get_config(). Received: {config!r:.100}")
        _check_keys(cls, config)
        return cls(config["default_optimizer"], config.get("optimizer_map"))

    def __repr__(self):
        return f"OptimizerMap(default_optimizer={self._default_optimizer!r}, optimizer_map={self._optimizer_map!r})"


class _Group:
    """One sub-optimizer's variables: their indices, their places in the flat vector (``parts``) and in
    the sub-optimizer's own vector, and the view of the flat vector when they are one run of it."""

    def __init__(self, optimizer, indices, parts):
        self.optimizer, self.indices, self.parts = optimizer, indices, parts
        self.size = sum(part.stop - part.start for part in parts)
        contiguous = all(a.stop == b.start for a, b in zip(parts, parts[1:], strict=False))
        self.run = slice(parts[0].start, parts[-1].stop) if contiguous else None
        starts = np.cumsum([0] + [part.stop - part.start for part in parts])
        self.local = [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:], strict=True)]

    def gather(self, x, out):
        """``x``'s entries of these variables: a view when they are one run, else copied into ``out``."""
        if self.run is not None:
            return x[self.run]
        for part, local in zip(self.parts, self.local, strict=True):
            out[local] = x[part]
        return out

    def scatter(self, values, x):
        if self.run is None:
            for part, local in zip(self.parts, self.local, strict=True):
                x[part] = values[local]


class MultiOptimizer(Optimizer):
    """Keras 3.15's MultiOptimizer: each parameter array is stepped by the optimizer that
    ``optimizer_map`` chooses for it, an :class:`OptimizerMap` (by its Keras path,
    "sequential/dense/kernel") or a callable given each variable (an object with ``path``,
    ``shape`` and ``name``) that returns an Optimizer.

    Each sub-optimizer is built on the concatenation of its variables and steps them as it
    would a model of its own: its clipping (``clipnorm``, ``global_clipnorm`` over its own
    variables, as Keras's), weight decay, learning rate or schedule, ``iterations`` (its own
    steps; a sub-optimizer without variables never steps), gradient accumulation. Its
    variables' weights and gradients are gathered into one buffer per step and scattered
    back (a view of the flat vector, without copies, where they are one run of it). Frozen
    layers' variables are not stepped and their state is kept; a sub-optimizer with only
    frozen variables does not step (its ``iterations`` stay), as Keras's. ``iterations`` is
    the MultiOptimizer's own count of steps; ``learning_rate`` is refused (it is the
    sub-optimizers', ``.optimizers``), as Keras's; LearningRateScheduler and ReduceLROnPlateau
    set each sub-optimizer's. ``use_ema`` in a sub-optimizer is refused (glassnet's moving
    average is the model's). A callable selector cannot be saved in a config (get_config
    refuses it; a model file then keeps the weights without the compile settings).
    """

    #: set by training._prepare_training: the flat vector's slices of frozen layers
    _frozen_slices = ()
    #: the last choice (paths, shapes, {sub-optimizer: variables}), made by choose
    _choice = None
    #: a weak reference to the model compiled with it (set by compile), for :meth:`_build_for_model`
    _compiled_for = None

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None, **kwargs):
        if kwargs:
            raise _unknown_arguments("MultiOptimizer", kwargs)
        if isinstance(optimizer_map, dict):  # a config: {"class_name": "OptimizerMap", "config": {...}}
            config = optimizer_map.get("config", optimizer_map)
            if optimizer_map.get("class_name", "OptimizerMap") != "OptimizerMap" or not isinstance(config, dict):
                raise ValueError(f"optimizer_map must be an OptimizerMap's config. Received: {optimizer_map!r:.200}")
            optimizer_map = OptimizerMap.from_config(config)
        if isinstance(optimizer_map, Optimizer) or not callable(optimizer_map):
            raise TypeError("optimizer_map must be an OptimizerMap or a callable that returns the Optimizer of a "
                            f"variable. Received: optimizer_map={optimizer_map!r:.100} "
                            f"({type(optimizer_map).__name__})")
        _check_no_loss_scale(loss_scale_factor)
        _name_wrapper(self, name)
        self._optimizer_map = optimizer_map
        self._iterations = 0
        self.built = False
        self.weight_decay = self.clipnorm = self.clipvalue = self.global_clipnorm = None
        self._inner_optimizers = []
        if isinstance(optimizer_map, OptimizerMap):  # Keras's order: the map's, then the default
            for optimizer in [*optimizer_map.values(), optimizer_map.default_optimizer]:
                if not any(optimizer is known for known in self._inner_optimizers):
                    self._inner_optimizers.append(optimizer)
        self._groups = []

    @property
    def optimizers(self):
        """The sub-optimizers (Keras's): the map's, its default, then those a callable returned."""
        return self._inner_optimizers

    @property
    def optimizer_map(self):
        return self._optimizer_map

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on the "
                             "individual sub-optimizers (.optimizers) instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
                             "individual sub-optimizers (.optimizers) instead.")

    @property
    def iterations(self):
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations = check_non_negative_int(value, "iterations")

    def _rate(self):
        raise AttributeError("A MultiOptimizer has no learning rate: each of its .optimizers has its own.")

    # the state is the sub-optimizers', named "<index>.<name>" (the index in .optimizers)
    @property
    def state(self):
        return {f"{i}.{name}": value for i, optimizer in enumerate(self._inner_optimizers)
                for name, value in optimizer.state.items()}

    @property
    def slot_names(self):
        return tuple(self.state)

    def choose(self, paths, shapes):
        """Each variable's sub-optimizer, by its path and shape: ``{index in .optimizers: [variable
        indices]}``. Nothing is built, so that fit can refuse a chosen optimizer that trains another
        model before its state is overwritten (a callable names its optimizers only here)."""
        paths, shapes = [str(path) for path in paths], [tuple(shape) for shape in shapes]
        if self._choice is not None and self._choice[:2] == (paths, shapes):
            return self._choice[2]  # the selector is asked once per variable, as Keras asks it
        chosen = {}
        for i, (path, shape) in enumerate(zip(paths, shapes, strict=True)):
            optimizer = self._optimizer_map(_Variable(path, shape))
            if isinstance(optimizer, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(optimizer, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            if not isinstance(optimizer, Optimizer):
                raise ValueError(f"Optimizer for variable {path!r} is not an Optimizer instance: the optimizer_map "
                                 f"returned {optimizer!r:.100}.")
            if optimizer.use_ema:
                raise ValueError(f"The sub-optimizer {optimizer.name!r} of variable {path!r} has use_ema=True: "
                                 "glassnet's MultiOptimizer does not keep moving averages (set use_ema on no "
                                 "sub-optimizer).")
            k = next((j for j, known in enumerate(self._inner_optimizers) if known is optimizer), None)
            if k is None:
                self._inner_optimizers.append(optimizer)
                k = len(self._inner_optimizers) - 1
            chosen.setdefault(k, []).append(i)
        self._choice = (paths, shapes, chosen)
        return chosen

    def build(self, size, dtype=None, slices=None, shapes=None, paths=None):
        """Choose each variable's optimizer by its path (and shape) and build each sub-optimizer on
        the concatenation of its variables.

        ``build(model.trainable_variables)`` is Keras's, for the model compiled with it (:meth:`_build_for_model`)."""
        if isinstance(size, (list, tuple)):
            self._build_for_model(_variable_list(size, "variables"))
            return
        dtype = floatx() if dtype is None else dtype
        slices = list(slices) if slices is not None else [slice(0, size)]
        shapes = ([(part.stop - part.start,) for part in slices] if shapes is None else [tuple(s) for s in shapes])
        paths = [""] * len(slices) if paths is None else [str(path) for path in paths]
        chosen = self.choose(paths, shapes)
        named = [path for path in paths if path]
        keys = list(self._optimizer_map) if isinstance(self._optimizer_map, OptimizerMap) and named else []
        unused = [key for key in keys if key not in named and not any(re.fullmatch(key, path) for path in named)]
        if unused:  # a typo, or a name that changed: a nested model's default-named layer renamed, a model numbered
            warnings.warn(f"The OptimizerMap key(s) {unused} match no variable of this model, whose variables take the "
                          f"default optimizer: its paths are Keras's variable.path, such as "
                          f"{', '.join(map(repr, named[:3]))} (a model's layers are named when they join it; see "
                          "model.summary(expand_nested=True)).", UserWarning, stacklevel=6)
        self._groups = []
        for k, optimizer in enumerate(self._inner_optimizers):
            if k not in chosen:
                continue
            indices = chosen[k]
            group = _Group(optimizer, indices, [slices[i] for i in indices])
            optimizer.build(group.size, dtype, group.local, [shapes[i] for i in indices], [paths[i] for i in indices])
            group.buffers = (None, None) if group.run is not None else (
                get_namespace().empty(group.size, dtype=dtype), get_namespace().empty(group.size, dtype=dtype))
            self._groups.append(group)
        self._size, self.slices, self.shapes, self.paths = size, slices, shapes, paths
        self.built = True

    def _build_for_model(self, variables):
        """Keras's ``build(model.trainable_variables)`` (before ``load_weights`` reads the state): fit's
        state for the model compiled with this optimizer. Its OptimizerMap chooses by Keras's paths, which
        NumPy arrays do not carry (a TypeError for the missing dtype before); the model knows them."""
        from .models.updates import _multi_optimizer, build_optimizer

        model = self._compiled_for() if self._compiled_for is not None else None
        if model is None or _multi_optimizer(model.optimizer) is not self or not model.built or \
                sorted(map(id, variables)) != sorted(map(id, model.trainable_variables)):
            raise ValueError(
                "A MultiOptimizer chooses each variable's optimizer by its path (its OptimizerMap's keys), which "
                "arrays do not carry: build(variables) takes the trainable_variables of the built model compiled "
                "with it, model.optimizer.build(model.trainable_variables) after model.compile(optimizer=...). "
                f"Received: {len(variables)} arrays that are not those of such a model")
        build_optimizer(model)

    @property
    def by_variable(self):  # which variable goes to which optimizer depends on the paths and shapes
        return True

    def _frozen_indices(self):
        """The variables of frozen layers (:attr:`_frozen_slices`, set by fit)."""
        return {i for i, part in enumerate(self.slices)
                if any(f.start <= part.start and part.stop <= f.stop for f in self._frozen_slices)}

    def _apply_rule(self, w, g):
        if not self.built:
            self.build(w.shape[0], w.dtype)
        frozen = self._frozen_indices() if self._frozen_slices else set()
        for group in self._groups:
            optimizer = group.optimizer
            kept = [j for j, i in enumerate(group.indices) if i in frozen]
            if len(kept) == len(group.indices):  # only frozen variables: no step (Keras's gets none)
                continue
            wk = group.gather(w, group.buffers[0])
            gk = group.gather(g, group.buffers[1])
            saved = []
            for j in kept:  # a frozen variable: no gradient, its weights and state put back after the step
                local = group.local[j]
                gk[local] = 0  # (as fit zeroes a frozen layer's gradient for the other optimizers)
                saved.append((local, backend_copy(wk[local]),
                              {name: backend_copy(slot[optimizer._state_part(name, local)])
                               for name, slot in optimizer.state.items()}))
            optimizer.jit_compile = self.jit_compile
            optimizer._apply_rule(wk, gk)
            for local, values, slots in saved:
                wk[local] = values
                for name, slot in slots.items():
                    optimizer.state[name][optimizer._state_part(name, local)] = slot
            group.scatter(wk, w)
        self._iterations += 1

    def _fresh(self):
        fresh = copy.copy(self)
        if isinstance(self._optimizer_map, OptimizerMap):
            renewed = {id(optimizer): optimizer._fresh() for optimizer in self._inner_optimizers}
            old = self._optimizer_map
            fresh._optimizer_map = OptimizerMap(renewed[id(old.default_optimizer)],
                                                {key: renewed[id(value)] for key, value in old.items()})
            fresh._inner_optimizers = [renewed[id(optimizer)] for optimizer in self._inner_optimizers]
        else:  # a callable's optimizers are its own: they are chosen (and built) again
            fresh._inner_optimizers = []
        fresh._groups, fresh.built, fresh._iterations, fresh._choice = [], False, 0, None
        for name in ("slices", "shapes", "paths", "_size"):
            fresh.__dict__.pop(name, None)
        return fresh

    def get_state(self):
        return self._iterations, {k: numpy_copy(v) for k, v in self.state.items()}

    def set_state(self, iterations, state):
        own = self.state
        for name in own:
            if name not in state or state[name].shape != own[name].shape:
                raise ValueError(f"Optimizer state {name!r} is missing or has the wrong shape.")
        for name, slot in own.items():
            slot[...] = from_numpy(state[name])
        self._iterations = int(iterations)

    def get_scalars(self):
        """Each sub-optimizer's steps (its own ``iterations``, its learning-rate schedule's count)."""
        return {"iterations": [optimizer._iterations for optimizer in self._inner_optimizers]}

    def set_scalars(self, scalars):
        counts = scalars.get("iterations") if isinstance(scalars, dict) and list(scalars) == ["iterations"] else None
        if (not isinstance(counts, list) or len(counts) != len(self._inner_optimizers)
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts)):
            raise ValueError(f"MultiOptimizer's state is the iterations of its {len(self._inner_optimizers)} "
                             f"sub-optimizers. Received: {scalars!r:.200}")
        for optimizer, n in zip(self._inner_optimizers, counts, strict=True):
            optimizer._iterations = n

    def get_config(self):
        if not isinstance(self._optimizer_map, OptimizerMap):
            raise ValueError("Cannot save a MultiOptimizer whose optimizer_map is a callable (a config holds no "
                             "code): use an OptimizerMap of path patterns.")
        config = {"optimizer_map": {"class_name": "OptimizerMap", "config": self._optimizer_map.get_config()},
                  "loss_scale_factor": None}
        if self.name != self._default_name():
            config["name"] = self.name
        return config

    def __repr__(self):
        return f"MultiOptimizer(optimizer_map={self._optimizer_map!r})"


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
}

CLASSES = {cls.__name__: cls for cls in (SGD, GradientDescent, Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax,
                                           Nadam, Lion, Ftrl, Adafactor, Lamb, Muon,
                                           ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer)}


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
    return lookup(identifier, OPTIMIZERS, "optimizer", instance_of=Optimizer)


def serialize(optimizer):
    return to_config(optimizer, CLASSES, "optimizer")


def deserialize(config):
    return from_config(config, CLASSES, "optimizer")


__all__ = ["Optimizer", *CLASSES, "OptimizerMap", "get", "serialize", "deserialize"]
