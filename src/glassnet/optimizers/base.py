"""The base of every optimizer, :class:`Optimizer`: the learning rate (a float or a schedule) and
its Keras variable face, clipping, decoupled weight decay, the moving average of the weights,
gradient accumulation, the state vectors over the flat parameter vector and their blocked update,
Keras's list form ``apply(grads, trainable_variables)``, and the checks of the arguments they share."""

import copy
import functools
import inspect
import math
import re
import warnings
import weakref

import numpy as np

from .. import constraints as _constraints
from .. import kernels as _kernels
from .. import schedules
from .._custom_objects import from_config_takes_custom_objects
from .._registry import Configurable, UnknownCustomObjectError
from .._validation import check_bool, check_non_negative_int, check_number, check_positive_int, unwrap_0d
from ..backend import copy as backend_copy
from ..backend import astype, floatx, from_numpy, get_namespace, numpy_copy, numpy_dtype
from .clipping import _clip_norm


#: parameters per block of the update: 5 float32 arrays of it (1.3 MB) stay in a 2 MB L2
#: cache (M1's Adam step: 1.22 ms with 2^15, 1.15 ms with 2^16, slower again with 2^17)
BLOCK = 1 << 16


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


class _AsVariable:
    """A number with the optimizer it reads, shown as Keras 3 shows its variables (``assign``,
    ``numpy()``); copied or pickled, it is the plain number (``_plain``: ``float`` or ``int``)."""

    def __new__(cls, value, optimizer):
        self = super().__new__(cls, value)
        self._optimizer = optimizer
        return self

    def __reduce__(self):
        return self._plain, (self._plain(self),)


class _LearningRate(_AsVariable, float):
    """An optimizer's learning rate: ``assign(value)`` sets the optimizer's rate."""

    _plain = float

    def assign(self, value):
        self._optimizer.learning_rate = value
        return _LearningRate(self._optimizer._rate(), self._optimizer)

    def numpy(self):
        # in the floatx of the optimizer's creation, as Keras's variable, whose dtype is fixed then
        # (float32 rounded a float64 user's 0.1 to 0.10000000149)
        return np.dtype(self._optimizer._rate_dtype or floatx()).type(self)


class _Iterations(_AsVariable, int):
    """An optimizer's ``iterations``: ``assign(value)`` sets the optimizer's count."""

    _plain = int

    def assign(self, value):
        self._optimizer.iterations = value
        return self._optimizer.iterations

    def numpy(self):
        return np.int64(self)  # (Keras's variable is an int64)


def _check_rate(value, name="learning_rate"):
    """A learning rate as a float: a real number (``np.float32(0.1)`` too) or a 0-d array of one,
    ``np.array(0.1)``, which Keras's ``optimizer.learning_rate = ...`` takes (it was a TypeError)."""
    return check_number(unwrap_0d(value, name), name, low=0)


def _check_rate_callable(value):
    """A learning rate given as a callable, as Keras: a glassnet schedule, or a callable of no
    arguments. A Keras schedule (or another callable that needs an argument) failed at the
    first step with ``__call__() missing 1 required positional argument: 'step'``."""
    if isinstance(value, schedules.LearningRateSchedule):
        return value
    cls = type(value)
    if cls.__module__.split(".")[0] == "keras" and hasattr(schedules, cls.__name__):
        raise TypeError(f"learning_rate is a Keras schedule, {cls.__name__}; glassnet's optimizers take glassnet's: "
                        f"learning_rate=glassnet.schedules.{cls.__name__}(...), e.g. "
                        f"glassnet.schedules.{cls.__name__}(**schedule.get_config()).")
    try:
        needed = [p.name for p in inspect.signature(value).parameters.values()
                  if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    except (TypeError, ValueError):  # (a callable without a signature: taken, as Keras)
        needed = []
    if needed:
        raise TypeError("learning_rate must be a number, a glassnet.schedules.LearningRateSchedule (called with the "
                        "step) or a callable of no arguments that returns the rate, as Keras. Received a callable "
                        f"that needs argument(s) {', '.join(needed)}: {value!r:.100}")
    return value


def _check_no_loss_scale(loss_scale_factor):
    if loss_scale_factor is not None:
        raise ValueError("loss_scale_factor must be None: glassnet's optimizers do not scale the loss themselves; "
                         "wrap the optimizer in glassnet.optimizers.LossScaleOptimizer(optimizer, initial_scale=...) "
                         f"for a float16 model. Received: loss_scale_factor={loss_scale_factor!r:.100}")


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
                     f"InverseTimeDecay(lr, decay_steps=1, decay_rate={kwargs['decay']!r:.30})"
                     + (" (nnfs's and PyTorch's Adam add ε outside √v̂, unlike Keras's: docs/pytorch.md's TorchAdam "
                        "steps as theirs)" if name in ("Adam", "AdamW") else ""))
    return TypeError(f"{name} got unexpected argument(s) {', '.join(sorted(kwargs))}"
                     + (": " + "; ".join(hints) + "." if hints else "."))


#: ``{id(gradient): (weak reference to it, to its weight's layer, the weight's key, ids of the model's layers)}``
#: for the arrays ``model.gradients(trainable_only=False)`` returned, while they live (:func:`note_gradients`)
_GRADIENT_OF = {}


def note_gradients(model, arrays, owners):
    """Note which weight of ``model`` (``owners``: ``(layer, key)``) each of ``arrays`` is the gradient of, for
    :func:`refuse_mispaired`."""
    layers = frozenset(id(layer) for layer in model._layers)
    for array, (layer, key) in zip(arrays, owners):
        def forget(ref, i=id(array)):
            if _GRADIENT_OF.get(i, (None,))[0] is ref:  # not a later array that took the same id
                _GRADIENT_OF.pop(i, None)

        _GRADIENT_OF[id(array)] = (weakref.ref(array, forget), weakref.ref(layer), key, layers)


def refuse_mispaired(grads, variables):
    """Refuse a gradient that ``model.gradients(x, y)`` returned for one weight paired with another weight of
    that model: without ``trainable_only=True`` the gradients follow ``get_weights()`` (frozen layers' weights,
    batch-norm statistics), and ``zip(grads, model.trainable_weights)`` paired them wrongly, silently where the
    shapes matched. Arrays of one's own (any other pairing) pass."""
    from ..variables import Variable

    for i, (g, v) in enumerate(zip(grads, variables)):
        entry = _GRADIENT_OF.get(id(g))
        if entry is None or entry[0]() is not g or not isinstance(v, Variable):
            continue
        layer, key, layers = entry[1](), entry[2], entry[3]
        held = v._layer()
        if layer is not None and held is not None and id(held) in layers and (held is not layer or v._key != key):
            raise ValueError(
                f"grads[{i}] is model.gradients' gradient of {getattr(layer._handed_out(key), 'path', key)}, "
                f"but it is paired with {v.path}: without trainable_only=True, gradients returns one array per array "
                "of get_weights() (frozen layers' weights and batch-norm statistics too), which zip(grads, "
                "model.trainable_weights) pairs wrongly. Pass trainable_only=True (and update_state=True for a "
                "training step).")


def zero_epsilon_note(optimizer):
    """The sentence for a step that ``epsilon=0`` made NaN (Adam's, RMSprop's: 0/0 where a gradient entry and its
    moving averages are 0; not Adagrad's, whose sums start above 0), or ""."""
    if getattr(optimizer, "epsilon", None) == 0 and not getattr(optimizer, "initial_accumulator_value", 0):
        return (" The optimizer's epsilon=0 makes a step 0/0 (NaN) where a gradient is 0 from the start (an "
                "input that is always 0, a unit that never fires): give epsilon > 0, such as Keras's 1e-7.")
    return ""


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


def _check_distinct(variables):
    """Refuse an array given twice: both steps started from its same values, and the second
    write-back overwrote the first (SGD(0.1) moved it by one step of 0.1, Keras by both)."""
    seen = {}
    for j, v in enumerate(variables):
        i = seen.setdefault(id(v), j)
        if i != j:
            raise ValueError(f"trainable_variables[{j}] is the same array as trainable_variables[{i}]: only one of "
                             "their two updates would be kept. Pass each variable once, with the sum of its "
                             f"gradients (grads[{i}] + grads[{j}]).")


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


_OWN_RULE = ("an Optimizer subclass lists its per-parameter state vectors in state_names (e.g. ('m',)) and "
             "defines update(self, w, g, lr, state, tmp), which changes the flat weights w in place (w -= lr * g, "
             "not w = w - lr * g) from the gradient g, the rate lr and the blocks state['m'] (see docs/api.md).")


def _first_update_checked(update):
    """A user's ``update``, whose first step with a gradient warns if it left the weights as they were: a rule
    that rebinds ``w = w - lr * g`` changes nothing (fit trained nothing, silently). Later steps run as written."""
    @functools.wraps(update)
    def first_update_checked(self, w, g, lr, state, tmp):
        if self.__dict__.get("_update_checked") or not float(lr) > 0 or not np.any(numpy_copy(g)):
            return update(self, w, g, lr, state, tmp)
        self._update_checked = True
        before = numpy_copy(w)
        result = update(self, w, g, lr, state, tmp)
        if np.array_equal(before, numpy_copy(w)):
            from ..models.divergence import user_stacklevel  # (models import the optimizers)

            warnings.warn(f"{type(self).__name__}.update left the weights unchanged at its first step, with a "
                          f"gradient and a rate of {float(lr):g}: it must change w in place (w -= lr * g, "
                          "w[...] = ...); an assignment w = ... makes a new array that training never sees. "
                          "(A rule that skips its first step on purpose may ignore this.)",
                          UserWarning, stacklevel=user_stacklevel())
        return result

    return first_update_checked


class Optimizer(Configurable):
    """Base class: learning rate (a float or a schedule), clipping, weight decay.

    Every optimizer takes these arguments, Keras's common ones, by keyword (``Adam(1e-3, clipnorm=1.0)``).
    A step does, in order: gradient accumulation, clipping, weight decay, the optimizer's rule.

    Parameters
    ----------
    learning_rate : float, schedule or callable
        The step size η >= 0; a ``glassnet.schedules`` schedule (called with the steps taken), or a
        callable of no arguments that returns the rate.
    weight_decay : float >= 0 or None
        Decoupled weight decay ``w ← w − η·λ·w`` before each update (not of the variables
        :meth:`exclude_from_weight_decay` names).
    clipnorm : float > 0 or None
        Scale each variable's gradient down so that its L2 norm is at most this.
    clipvalue : float > 0 or None
        Clip each entry of the gradient to ``[−clipvalue, clipvalue]``.
    global_clipnorm : float > 0 or None
        Scale the whole gradient down so that its L2 norm over all variables is at most this. At most one
        of the three clipping arguments may be set (a ValueError otherwise).
    use_ema : bool
        Keep a moving average of the weights, ``average ← μ·average + (1 − μ)·w`` after each update (the
        first sets ``average = w``, as Keras's, not a start from 0); ``fit`` ends with the average as the
        weights (a loop of your own: :meth:`finalize_variable_values`).
        The next ``fit`` trains on from the average, so ``fit(epochs=3)`` twice is not ``fit(epochs=6)`` (as
        Keras); a ``ModelCheckpoint`` or ``BackupAndRestore`` file written during ``fit`` resumes it exactly.
    ema_momentum : float in [0, 1]
        μ, 0.99 by default.
    ema_overwrite_frequency : int > 0 or None
        With ``use_ema``, put the average into the weights after every n-th update too.
    loss_scale_factor : None
        Keras's fixed loss scale: None only (a ValueError otherwise); for float16, wrap the optimizer in
        :class:`~glassnet.optimizers.LossScaleOptimizer`, which scales the loss dynamically.
    gradient_accumulation_steps : int >= 2 or None
        Add up the gradients of n steps and apply their mean at every n-th step (the others change no
        weight); ``iterations`` then counts the updates, while a schedule reads every step, as Keras.
    name : str or None
        Keras's name; by default the class name in snake case (``"adam"``).
    """

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
    #: :meth:`exclude_from_weight_decay`'s variables (a :class:`~.decay.Exclusions`), and for each of ``slices``
    #: whether it is one of them (None: every variable decays)
    _exclusions = _no_decay = None
    #: run the rule as a compiled loop where one exists (glassnet.kernels); fit sets it from the model (here for
    #: optimizers pickled before it existed, whose step failed on the missing attribute)
    jit_compile = False

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise _unknown_arguments(type(self).__name__, kwargs)
        if isinstance(learning_rate, dict):  # a schedule as Keras serializes it
            try:
                learning_rate = schedules.deserialize(learning_rate)
            except UnknownCustomObjectError:  # (its advice, whole: register the class or pass it)
                raise
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"learning_rate must be a number, a schedule or its config. Received: "
                                f"learning_rate={learning_rate!r:.100} ({exc})") from None
        self._learning_rate = (_check_rate_callable(learning_rate) if callable(learning_rate)
                               else _check_rate(learning_rate))
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
        self.jit_compile = False

    @property
    def iterations(self):
        """The steps taken; with ``gradient_accumulation_steps`` n, the updates made (every
        n-th step), as Keras: Adam's bias corrections read this count (a schedule reads the
        steps, as Keras). An int that also has Keras 3's variable methods,
        ``iterations.assign(0)`` and ``.numpy()``."""
        n = self.gradient_accumulation_steps
        return _Iterations(self._iterations // n if n else self._iterations, self)

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
            # (checked as a callable's: a custom schedule's NaN made the weights NaN, a negative rate climbed the loss)
            return _check_rate(lr(self._iterations), "the learning rate the schedule returned")
        if callable(lr):
            return _check_rate(lr(), "the learning rate the callable returned")
        return float(lr)

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):  # as Keras 3: replaces any rate
            self._learning_rate = _check_rate_callable(value)
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a LearningRateSchedule as its learning_rate, "
                "so its learning rate cannot be set."
            )
        self._learning_rate = _check_rate(value)

    @property
    def lr(self):
        """tf.keras 2's name of :attr:`learning_rate`, read and set as there (a Keras 2 callback's
        ``self.model.optimizer.lr = new_rate`` was ignored, as in Keras 3). The constructor and
        ``get_config`` keep ``learning_rate`` only."""
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        if "_learning_rate" not in self.__dict__:  # (a subclass's own self.lr = lr before super().__init__())
            self._learning_rate = value
            return
        self.learning_rate = value

    @property
    def variables(self):
        """Keras 3's ``optimizer.variables``: a list of the optimizer's variables in Keras's order and
        with its names and shapes, ``iteration``, ``learning_rate`` (none for a schedule or a callable),
        then each trainable variable's slots (Adam: ``<variable>_momentum`` and ``<variable>_velocity``
        for each in turn); only the first two before the optimizer is built. Each has ``name``,
        ``path``, ``shape``, ``dtype``, ``value``, ``numpy()`` and ``assign(value)``, which read and
        write this optimizer's state (see :mod:`glassnet.optimizers.slots`)."""
        from .slots import optimizer_variables

        return optimizer_variables(self)

    def scale_loss(self, loss):
        """Keras's ``scale_loss``: the loss the gradients are taken of (the loss itself here; a
        :class:`LossScaleOptimizer` multiplies it by its scale)."""
        return loss if self._loss_scale is None else loss * self._loss_scale

    # -- state -------------------------------------------------------------
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_step" in vars(cls) and not any("update" in vars(k) for k in cls.__mro__
                                                   if k.__module__.split(".")[0] != "glassnet"):
            # (Keras's rule met "build() takes 2 positional arguments but 6 were given", or a bare NotImplementedError;
            # on a subclass of SGD or Adam it was passed over, and the model trained by SGD's or Adam's rule)
            raise TypeError(f"{cls.__name__} defines Keras's update_step, which glassnet's optimizers never run: "
                            f"{_OWN_RULE}")
        if "update" in vars(cls) and cls.__module__.split(".")[0] != "glassnet":
            cls.update = _first_update_checked(vars(cls)["update"])

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
        # (np.dtype: "float16" == np.float16 is False, so build(n, "float16") and floatx() "float16" kept float16
        # moments; str(torch.float16) is "torch.float16")
        if (np.dtype(dtype) if xp is np else xp.numpy_dtype(dtype)) == np.float16:
            dtype = "float32"
        # the rule's vectors start at its value (Adagrad's initial_accumulator_value); the average and the
        # gradient accumulator at 0
        self.state = {name: xp.full(self._state_size(name) if name in self.state_names else size,
                                    self._initial_state(name) if name in self.state_names else 0.0,
                                    dtype=dtype) for name in self.slot_names}
        self._tmp = xp.empty(min(size, BLOCK), dtype=dtype)
        self._no_decay = self._exclusions.skipped(self.paths) if self._exclusions else None
        self.built = True

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Keras's: leave some variables out of the weight decay (``weight_decay``'s
        ``w ← w − η λ w``), those of ``var_list`` (``model.trainable_weights[i]``,
        ``layer.bias``; or a custom loop's own arrays) and those whose name (the last part of
        Keras's ``variable.path``: "kernel", "bias", "gamma", "beta", "embeddings") a regular
        expression of ``var_names`` finds, as ``re.search``: ``var_names=["bias", "gamma",
        "beta"]`` decays only the kernels. Called again, it replaces the earlier choice. Before
        the optimizer is built (before ``fit``), as Keras; like Keras's, the choice is not part
        of ``get_config`` (nor of a saved model's file).
        """
        if self.built:
            raise ValueError("exclude_from_weight_decay() can only be configured before the optimizer is built "
                             "(before fit or the first apply_gradients), as in Keras.")
        from .decay import Exclusions  # (it imports the models, which import this module)

        self._exclusions = Exclusions(var_list, var_names)

    def _build_variables(self, variables):
        """The state for ``variables`` (each checked), one flat vector of them all in their order."""
        _check_distinct(variables)
        for i, v in enumerate(variables):
            _check_variable(v, f"trainable_variables[{i}]")
        if len({numpy_dtype(v) for v in variables}) > 1:
            raise TypeError("trainable_variables must all have one dtype (the state is one vector). Received dtypes "
                            f"{[str(v.dtype) for v in variables]}")
        from ..models.updates import handed_out_paths  # (models import this module)

        shapes = [tuple(v.shape) for v in variables]
        ends = np.cumsum([0] + [math.prod(shape) for shape in shapes]).tolist()
        # (build([]), every layer frozen: nothing to keep, as Keras; fit then spreads it over the frozen weights)
        self.build(ends[-1], variables[0].dtype if variables else None, [slice(a, b) for a, b in zip(ends, ends[1:])],
                   shapes, handed_out_paths(variables))
        if self._exclusions:  # (a custom loop's own arrays are known by identity, not by a path)
            self._no_decay = self._exclusions.skipped(self.paths, variables, warn=False)
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

    def _release_scratch(self):
        """Drops the scratch vectors that a step makes again at its next one (Nadam's ``_tmp2``, Nesterov SGD's
        ``_step``): memory held between fits. The state (moments, momentum) stays, so training goes on bitwise."""
        for name in ("_tmp2", "_step"):
            self.__dict__.pop(name, None)

    def get_state(self):
        """``(steps, {name: copy of state vector})``: everything a resumed run needs (the steps
        taken, which is ``iterations`` unless gradients are accumulated), what the settings use now:
        a vector a setting changed after the first step left unused (SGD's momentum set to 0) is
        not kept, and one it needs that the state lacks (momentum set on SGD built without) is
        refused, as the next step refuses it. A saved model's file holds this, and loads into the
        optimizer of its settings (a file that load_model refused was written)."""
        if not self.built:
            return self._iterations, {k: numpy_copy(v) for k, v in self.state.items()}
        for name in self.slot_names:
            if name not in self.state:
                raise self._missing_slot(name, saving=True)
        return self._iterations, {name: numpy_copy(self.state[name]) for name in self.slot_names}

    def get_scalars(self):
        """The state that is not a vector (a :class:`LossScaleOptimizer`'s scale and step counter),
        saved with the model: ``{name: number}``, here none."""
        return {}

    def set_scalars(self, scalars):
        """Put back what :meth:`get_scalars` returned."""
        if scalars:
            raise ValueError(f"{type(self).__name__} keeps no state {sorted(scalars)}.")

    def set_state(self, iterations, state):
        """Put back what :meth:`get_state` returned: the steps taken and each state vector (same shapes)."""
        for name in self.slot_names:
            if name not in state or state[name].shape != self.state[name].shape:
                raise ValueError(f"Optimizer state {name!r} is missing or has the wrong shape.")
            self.state[name][...] = from_numpy(state[name])
        self._iterations = int(iterations)

    # -- one step ----------------------------------------------------------
    def apply(self, w=None, g=None, *, grads=None, trainable_variables=None):
        """One step on the flat parameters ``w`` with gradient ``g`` (both modified in place),
        then, with ``use_ema``, the moving average's (:meth:`track_average`).

        ``apply(grads, trainable_variables)`` with lists is Keras 3's step of a custom loop: each
        array of ``trainable_variables`` (float arrays, e.g. ``model.trainable_weights``) is
        updated in place by its gradient in ``grads`` (see :meth:`_apply_to_variables`); Keras's
        keywords, ``apply(grads=grads, trainable_variables=variables)``, give the same step."""
        if grads is not None:  # Keras's keyword: the list form
            if w is not None or g is not None:
                raise TypeError("apply() got the gradients twice: give them by position, apply(grads, "
                                "trainable_variables), or by keyword, apply(grads=..., trainable_variables=...).")
            self._apply_to_variables(grads, trainable_variables)
            return
        if w is None:
            raise TypeError("apply() missing its gradients: apply(grads, trainable_variables) with lists of arrays "
                            "(Keras's), or apply(w, g) on one flat vector of weights and its gradient.")
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
        those same arrays (or ``None``: them), or some of them in any order, as Keras: each one's
        state is found by identity and only theirs steps (``iterations`` counts the step once); an
        array the state was not built for is refused, as Keras refuses it. The variables and
        gradients are gathered into one flat vector each, stepped by :meth:`apply`'s flat form
        (the clipping, weight decay, schedule, moving average and ``iterations`` of ``fit``), and
        the result written back. A gradient that is not finite is refused before anything changes
        (Keras would make the weights NaN)."""
        from .loss_scale import LossScaleOptimizer  # (they derive from this module's Optimizer)
        from .multi import MultiOptimizer

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
        if _GRADIENT_OF:  # (model.gradients' arrays for every weight live: each paired with its own weight?)
            refuse_mispaired(grads, variables)
        parts = None  # (None: the variables the state was built or adopted for, `_loop_parts`)
        if not self.built:  # (the variables taken, once each, when built or adopted)
            self._build_variables(variables)
        elif self._loop_variables is None:
            self._adopt(variables)
        elif len(variables) != len(self._loop_variables) or any(v is not k for v, k in zip(variables, self._loop_variables)):
            _check_distinct(variables)  # some of them, or in another order (Keras's)
            parts = self._parts_of(variables, "trainable_variables")
        from ..models.flat import claim_handed_out

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
                hint = ("" if not hasattr(v, "path") else "; grads from model.gradients? Pass trainable_only=True, "
                        "which gives those of model.trainable_weights, in their order")
                raise ValueError(f"grads[{i}] has shape {tuple(g.shape)}, but its variable trainable_variables[{i}] "
                                 f"has shape {tuple(v.shape)}{hint}")
            if not (np.issubdtype(numpy_dtype(g), np.floating) or np.issubdtype(numpy_dtype(g), np.integer)):
                raise TypeError(f"grads[{i}] must be an array of numbers. Received: dtype {g.dtype}")
            flat.append(xp.reshape(astype(g, dtype), (-1,)))
        g = xp.concat(flat)  # a copy: clipping works in place, and the caller's gradients stay as they were
        if not bool(xp.all(xp.isfinite(g))):
            bad = next(i for i, part in enumerate(flat) if not bool(xp.all(xp.isfinite(part))))
            raise ValueError(f"grads[{bad}] has NaN or infinite entries: the step would make its variable NaN. "
                             "Nothing was changed; look at the loss (a learning rate too large, log of 0).")
        parts = self._loop_parts if parts is None else parts
        if parts is None:
            w, slices = xp.concat([xp.reshape(v, (-1,)) for v in variables]), self.slices
            self.apply(w, g)
        else:
            w, slices = self._apply_to_parts(variables, flat, parts)
        # (0/0 of epsilon=0, an overflow): a finite variable that the step made NaN or infinite is not written. A
        # float32/float64 NumPy vector's w·w is finite only where every entry is (one product, a quarter of the time of
        # isfinite and all on a small network's weights; float16's sums overflow: isfinite there)
        fast = type(w) is np.ndarray and w.dtype in (np.float32, np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            finite = math.isfinite(w.dot(w)) if fast else False
        bad = None if finite or bool(xp.all(xp.isfinite(w))) else next(
            (i for i, (v, part) in enumerate(zip(variables, slices))
             if bool(xp.any(xp.isfinite(xp.reshape(v, (-1,))) & ~xp.isfinite(w[part])))), None)
        if bad is not None:  # (NaN that the variables held before the step is written on, as Keras writes it)
            raise ValueError(f"The step made trainable_variables[{bad}] NaN or infinite from a finite gradient: the "
                             "variables were left as they were (the optimizer's state and iterations took the step)."
                             + (zero_epsilon_note(self) or f" Try a lower learning rate (currently {self.learning_rate:g})."))
        for v, part in zip(variables, slices):
            v[...] = xp.reshape(w[part], tuple(v.shape))
            constraint = _constraints.of_variable(v)
            if constraint is not None:  # after the step and the moving average, as fit and Keras's apply
                _constraints.apply_in_place(constraint, v)

    def finalize_variable_values(self, var_list):
        """Keras's end of training with ``use_ema``: put the moving average of the weights into
        ``var_list`` (the variables a custom loop stepped, e.g. ``model.trainable_weights``), as
        ``fit`` does when it ends; without ``use_ema``, nothing."""
        if not self.use_ema:
            return
        variables = _variable_list(var_list, "var_list")
        if not self.built or not self._iterations:  # (built, the average is 0 until the first step)
            raise ValueError("finalize_variable_values(var_list) needs the moving average of at least one step: "
                             "call it after the training loop.")
        if self._loop_variables is None:
            self._adopt(variables)  # (built by fit: found as the loop's first step finds them)
        xp = get_namespace()
        for v, j in zip(variables, self._parts_of(variables, "var_list"), strict=True):
            v[...] = xp.reshape(self.state["average"][self.slices[j]], tuple(v.shape))

    def _adopt(self, variables):
        """Take ``variables`` for the state that the flat form built (``fit``, a copy, a loaded model)
        where they are its variables: the same shapes in the same order."""
        _check_distinct(variables)
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

    def _known_arrays(self):
        """``{index in slices: array}`` of the arrays the state was built or adopted for: those fit
        built it for (``_built_arrays``, while they live), then the custom loop's (``_loop_variables``)."""
        known = {j: array for j, array in enumerate(ref() for ref in self._built_arrays or ()) if array is not None}
        if self._loop_variables is not None:
            known.update(zip(self._loop_parts or range(len(self._loop_variables)), self._loop_variables))
        return known

    def _parts_of(self, variables, name):
        """The index in ``slices`` of each of ``variables``, some of the arrays the state was built or
        adopted for (:meth:`_known_arrays`), in any order: found by identity, as Keras finds a
        variable's slots. One the state was not built for is refused, as Keras refuses it ("Unknown
        variable")."""
        known = {id(array): j for j, array in self._known_arrays().items()}
        parts = [known.get(id(v)) for v in variables]
        if None in parts:
            i = parts.index(None)
            raise ValueError(f"{name}[{i}] is not one of the {len(self.slices)} variables this optimizer was built "
                             "with: it steps them, or some of them in any order, each with its own state (Keras: "
                             "\"Unknown variable\"). For a new set of variables (e.g. another model's), make a new "
                             "optimizer instance, as Keras requires.")
        return parts

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

    def _apply_to_parts(self, variables, grads, parts):
        """The flat step where ``variables`` are some of the weights the state was built for
        (``self.slices[j]`` for j in ``parts``: a custom loop's subset, or fit's state beside a
        frozen layer's): the others' state is kept, as ``fit`` keeps a frozen layer's. With ``use_ema``
        the others' moving averages follow their arrays as they are, and an overwrite writes them too,
        as Keras's averages every variable it was built for. Returns the stepped flat vector and the
        variables' slices of it."""
        xp = get_namespace()
        slices = [self.slices[j] for j in parts]
        w = xp.zeros(self._size, dtype=variables[0].dtype)
        g = xp.zeros(self._size, dtype=variables[0].dtype)
        for v, grad, part in zip(variables, grads, slices):
            w[part], g[part] = xp.reshape(v, (-1,)), grad
        stepped = set(parts)
        others = [j for j in range(len(self.slices)) if j not in stepped]
        kept = [(self.slices[j], {name: backend_copy(slot[self._state_part(name, self.slices[j])])
                                  for name, slot in self.state.items() if name != "average"}) for j in others]
        self._apply_rule(w, g)
        for part, slots in kept:
            for name, slot in slots.items():
                self.state[name][self._state_part(name, part)] = slot
        if self.use_ema:
            known = self._known_arrays() if others else {}
            for j in others:  # (an array no longer known: its average stays as it is)
                array = known.get(j)
                w[self.slices[j]] = (xp.reshape(array, (-1,)) if array is not None
                                     else self.state.get("average", w)[self.slices[j]])
            if self.track_average(w):
                w[...] = self.state["average"]
                for j in others:
                    if known.get(j) is not None:
                        known[j][...] = xp.reshape(w[self.slices[j]], tuple(known[j].shape))
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
        names = self.state_names
        if names is not self._slots_checked:  # (the same tuple at every step: checked once)
            for name in names:  # before anything changes: a setting that needs a slot the build left out
                if name not in self.state:
                    raise self._missing_slot(name)
            self._slots_checked = names
        if self.gradient_accumulation_steps and "gradient_accumulator" not in self.state:
            raise self._missing_slot("gradient_accumulator")  # (set after the build: a KeyError)
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
        """Decoupled weight decay ``w ← w − η λ w``, before the rule (not of the variables
        :meth:`exclude_from_weight_decay` names)."""
        if not self.weight_decay:
            return
        if self._no_decay is None:
            w *= 1.0 - lr * self.weight_decay
            return
        for part, skip in zip(self.slices, self._no_decay, strict=True):
            if not skip:
                w[part] *= 1.0 - lr * self.weight_decay

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

    def _runs_rule_of(self, owner):
        """Whether this optimizer's rule is class ``owner``'s own: only then may ``owner``'s compiled
        loop stand in for it. A subclass with its own :meth:`update` (or ``_update_all``) runs that,
        as written, under ``jit_compile`` too (the stock loop gave other weights, silently)."""
        cls = type(self)
        return cls.update is owner.update and cls._update_all is owner._update_all

    #: the ``state_names`` whose slots :meth:`_apply_rule` found in the state (a changed setting: checked again)
    _slots_checked = None

    #: the setting that asks for each optional state slot (``{"momentum": "momentum"}``: SGD's ``momentum``)
    _slot_settings = {}

    def _missing_slot(self, name, saving=False):
        """The error for a state slot ``name`` that the rule needs now but the build left out: its
        setting (SGD's ``momentum``, Adam's ``amsgrad``) was changed after the first step. ``saving``:
        refused by :meth:`get_state` (a saved model's file would not load into these settings)."""
        settings = {"average": "use_ema", "gradient_accumulator": "gradient_accumulation_steps",
                    **self._slot_settings}
        setting, cls = settings.get(name), type(self).__name__
        if saving:
            if setting is None:
                return ValueError(f"Cannot save {cls}'s state: it needs the state vector {name!r}, which the state "
                                  "built at its first step does not have (its state_names changed since), so the file "
                                  "would not load: make a new optimizer (compile(optimizer=...)).")
            return ValueError(f"Cannot save {cls}'s state: its {setting} was changed after the state was built (at the "
                              f"first step), without the {name!r} vector it needs now, so the file would not load. Set "
                              f"{setting} back to its value at the first step before saving, or make a new optimizer "
                              f"(compile(optimizer={cls}(..., {setting}=...))).")
        if setting is None:
            return ValueError(f"{cls} needs the state vector {name!r}, which the state built at its first step does not "
                              "have (its state_names changed since): make a new optimizer (compile(optimizer=...)).")
        return ValueError(f"{cls}'s {setting} was changed after its state was built (at the first step), without the "
                          f"{name!r} vector it needs now. Set {setting} before the first step, "
                          f"or make a new optimizer (compile(optimizer={cls}(..., {setting}=...))) to train with it.")

    def update(self, w, g, lr, state, tmp):
        """The rule on one block: parameters ``w``, gradient ``g``, the matching
        blocks of the state vectors (dict) and a scratch array ``tmp``, all in place."""
        raise NotImplementedError(f"{type(self).__name__} defines no update rule: {_OWN_RULE}")

    # -- config ------------------------------------------------------------
    def get_config(self):
        """The constructor's arguments, as Keras's (:meth:`from_config` makes an optimizer of these
        settings, without the state)."""
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

    @classmethod
    @from_config_takes_custom_objects
    def from_config(cls, config):
        """The optimizer ``get_config`` described, without state (Keras's; a custom schedule or inner
        optimizer is found in ``custom_objects``, the active scopes or the registry)."""
        return super().from_config(config)

    def __repr__(self):
        # the settings of get_config, with the learning rate as it is: a callable or a custom schedule
        # cannot be saved (get_config refuses them), but it can be shown
        shown = copy.copy(self)
        shown._learning_rate = 0.0
        config = {**shown.get_config(), "learning_rate": self._learning_rate}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in config.items())})"
