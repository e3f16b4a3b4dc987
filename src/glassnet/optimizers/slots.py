"""Keras's ``optimizer.variables``: the optimizer's step count, its learning rate and each trainable
variable's slots (Adam's momentum and velocity), in Keras 3's order and with its names, as
:class:`OptimizerVariable` objects that read and write the optimizer's own state.

Keras's order is the order its ``build`` makes them: ``iteration``, ``learning_rate`` (none for a
schedule or a callable), with ``use_ema`` each variable's ``average``, with ``gradient_accumulation_steps``
each one's ``gradient_accumulator``, then the rule's slots, one group after another (:data:`KERAS_SLOTS`),
a group's slots side by side for each variable (Adam: ``kernel_momentum``, ``kernel_velocity``,
``bias_momentum``, ``bias_velocity``, then the ``velocity_hat`` of each with ``amsgrad``). A slot is named
after its variable's Keras path ("sequential/dense/kernel" gives "sequential_dense_kernel_momentum"; an
array without one is "variable", "variable_1", ...), and its path is the optimizer's name and that
("adam/sequential_dense_kernel_momentum"). The variables are the model's trainable ones (a frozen layer's
have no slots, as in Keras) for the optimizer of a model that trained, else those a custom loop built
it for.
"""

import numpy as np

from ..backend import floatx, from_numpy, get_namespace, numpy_dtype, to_numpy

#: Keras's names of glassnet's state vectors, in Keras's groups (one ``add_optimizer_variables`` call
#: each); a slot that the settings leave out (SGD without momentum) is not in ``state_names``
KERAS_SLOTS = {
    "SGD": [[("momentum", "momentum")]],
    "Adam": [[("m", "momentum"), ("v", "velocity")], [("v_hat", "velocity_hat")]],
    "RMSprop": [[("velocity", "velocity")], [("momentum", "momentum")], [("average_gradient", "average_gradient")]],
    "Adagrad": [[("accumulator", "accumulator")]],
    "Adadelta": [[("accumulated_grad", "accumulated_grad"), ("accumulated_delta_var", "accumulated_delta_var")]],
    "Adamax": [[("m", "momentum"), ("u", "norm")]],
    "Nadam": [[("momentum", "momentum"), ("velocity", "velocity")]],
    "Lamb": [[("m", "momentum"), ("v", "velocity")]],
    "Lion": [[("momentum", "momentum")]],
    "Ftrl": [[("accumulator", "accumulator"), ("linear", "linear")]],
    "ScheduleFreeAdamW": [[("z", "momentum"), ("v", "velocity")]],
}


class OptimizerVariable:
    """One of ``optimizer.variables``, with a Keras variable's ``name``, ``path``, ``shape``, ``dtype``,
    ``trainable`` (False), ``value``, ``numpy()`` and ``assign(value)`` (``np.asarray(v)``, ``float(v)``
    too). A slot's ``value`` is its part of the optimizer's state vector, live: the next step changes
    it, and ``assign`` changes the state that step starts from. The iteration count's and the learning
    rate's are the optimizer's (``assign`` sets them). A few are Keras's placeholders or made afresh at
    each step (Adafactor's velocity of a matrix, from its row and column means): ``assign`` refuses them."""

    trainable = False

    def __init__(self, name, path, shape, dtype, read, write=None, fixed=None):
        self.name, self.path, self.shape, self.dtype = name, path, tuple(shape), np.dtype(dtype)
        self._read, self._write, self._fixed = read, write, fixed

    @property
    def value(self):
        """The value: a slot's view of the state (an array of the backend's namespace), else a NumPy scalar."""
        return self._read()

    def numpy(self):
        """A NumPy copy of the value."""
        return np.array(to_numpy(self._read()), dtype=self.dtype).reshape(self.shape)

    def __array__(self, dtype=None, copy=None):
        value = self.numpy()
        return value if dtype is None else value.astype(dtype)

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def assign(self, value):
        """Set the value (an array of this shape, or a number for a scalar); returns this variable."""
        if self._write is None:
            raise ValueError(f"The optimizer variable {self.path} cannot be assigned: {self._fixed}.")
        array = np.asarray(to_numpy(value) if hasattr(value, "__dlpack__") else value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"assign takes numbers for the optimizer variable {self.path}. Received: {value!r:.100}")
        if array.shape != self.shape:
            raise ValueError(f"The optimizer variable {self.path} has shape {self.shape}; assign takes a value of that "
                             f"shape. Received: shape {array.shape}")
        self._write(array)
        return self

    def __repr__(self):
        return f"<OptimizerVariable path={self.path}, shape={self.shape}, dtype={self.dtype}, value={self.numpy()}>"


def optimizer_variables(optimizer):
    """Keras's ``optimizer.variables`` of ``optimizer`` (see the module's docstring): a
    LossScaleOptimizer's own four (its iteration and learning rate, Keras's placeholders at 0, its step
    counter and scale) then its inner optimizer's; a MultiOptimizer's own iteration and learning rate (0)
    then each of its ``.optimizers``' in turn."""
    from .loss_scale import LossScaleOptimizer

    if not isinstance(optimizer, LossScaleOptimizer):
        return _variables_of(optimizer, wrapped=False, sub=False)
    name = optimizer.name
    own = [_fixed(f"{name}/iteration", "iteration", "int32", 0, "a LossScaleOptimizer counts its steps in its "
                                                               "inner optimizer (Keras's own count stays 0)"),
           _fixed(f"{name}/learning_rate", "learning_rate", optimizer._rate_dtype or floatx(), 0.0,
                  "a LossScaleOptimizer's learning rate is its inner optimizer's"),
           _scalar(optimizer, "step_counter", "int32", lambda: optimizer.step_counter,
                   lambda value: _set_scale(optimizer, step_counter=int(value))),
           _scalar(optimizer, "dynamic_scale", "float32", lambda: optimizer.dynamic_scale,
                   lambda value: _set_scale(optimizer, dynamic_scale=float(value)))]
    return own + _variables_of(optimizer.inner_optimizer, wrapped=True, sub=False)


def _set_scale(optimizer, **changed):
    scalars = optimizer.get_scalars()
    scalars.update(changed)
    optimizer.set_scalars(scalars)  # (its checks: a scale > 0, a count >= 0)


def _variables_of(opt, wrapped, sub):
    """``opt``'s variables; ``wrapped``: inside a LossScaleOptimizer, whose Keras build leaves untracked
    the plain variables it makes (Nadam's Π_t, Adafactor's placeholders); ``sub``: a MultiOptimizer's,
    which Keras leaves unbuilt where it steps no trainable variable (its iteration and rate only)."""
    from .multi import MultiOptimizer

    if isinstance(opt, MultiOptimizer):
        found = [_iteration(opt), _fixed(f"{opt.name}/learning_rate", "learning_rate", opt._rate_dtype or floatx(),
                                         0.0, "a MultiOptimizer's sub-optimizers have the learning rates")]
        for inner in opt.optimizers:
            found += _variables_of(inner, wrapped, sub=True)
        return found
    found = [_iteration(opt)]
    if not callable(opt._learning_rate):  # (Keras makes no variable of a schedule)
        found.append(_scalar(opt, "learning_rate", opt._rate_dtype or floatx(), lambda: opt.learning_rate.numpy(),
                             lambda value: setattr(opt, "learning_rate", float(value))))
    if not opt.built:
        return found
    parts = _trainable_parts(opt)
    if sub and not parts:
        return found
    names = _variable_names([path for _, _, path in parts])
    variables = [(part, tuple(shape), path, name) for (part, shape, path), name in zip(parts, names, strict=True)]
    extra = [state for state in ("average", "gradient_accumulator") if state in opt.state]
    for state in extra:  # (Keras's base build makes them first)
        found += [_slot(opt, state, state, part, shape, name) for part, shape, _, name in variables]
    found += _rule_slots(opt, variables, wrapped)
    if type(opt).__name__ == "Nadam" and not wrapped:  # Keras's Π_t, a plain variable named "variable", last
        found.append(OptimizerVariable("variable", "variable", (), _slot_dtype(opt), lambda: opt._product(opt.iterations),
                                       lambda value: setattr(opt, "_products", (opt.iterations, float(value)))))
    return found


def _rule_slots(opt, variables, wrapped):
    """The rule's slots of ``variables``, ``[(part of the state, shape, path, name)]``, in Keras's order."""
    from .adafactor import Adafactor
    from .muon import Muon

    if isinstance(opt, Muon):  # a momentum for each variable, a velocity for those AdamW steps
        return [_slot(opt, state, keras, part, shape, name) for part, shape, path, name in variables
                for state, keras in [("m", "momentum")] + [("v", "velocity")] * opt._uses_adam(shape, path)]
    if isinstance(opt, Adafactor):
        return [slot for variable in variables for slot in _adafactor_slots(opt, *variable, wrapped)]
    groups = next((KERAS_SLOTS[cls.__name__] for cls in type(opt).__mro__ if cls.__name__ in KERAS_SLOTS),
                  [[(state, state) for state in opt.state_names]])  # (a custom rule: its state vectors in turn)
    # (a slot its settings need but the state lacks, SGD's momentum set after the first step: the variables that are)
    return [_slot(opt, state, keras, part, shape, name) for group in groups for part, shape, _, name in variables
            for state, keras in group if state in opt.state_names and state in opt.state]


def _adafactor_slots(opt, part, shape, path, name, wrapped):
    """Keras's Adafactor slots of one variable: a matrix's row and column means (named as the variable)
    and its velocity, which Keras makes from them at each step; a vector's velocity, after two int32
    placeholders (Keras's, outside the optimizer's scope; not inside a LossScaleOptimizer)."""
    short = path.rpartition("/")[2] or name
    if len(shape) < 2:
        placeholders = [] if wrapped else [
            _fixed(short, short, "int32", 0, "it is Keras's placeholder for a vector, which has no row and column "
                                             "means")] * 2
        return placeholders + [_slot(opt, "v", "velocity", part, shape, name)]
    r = _slot(opt, "r", None, part, shape[:-1], short)
    c = _slot(opt, "c", None, part, shape[:-2] + shape[-1:], short)

    def velocity():
        rows, columns = r.numpy().reshape(-1, shape[-2]), c.numpy().reshape(-1, shape[-1])
        if not rows.any():  # (before the first step: Keras's starts at 0)
            return np.zeros(shape, dtype=rows.dtype)
        return ((rows / rows.mean(axis=1, keepdims=True))[:, :, None] * columns[:, None, :]).reshape(shape)

    return [r, c, OptimizerVariable(f"{name}_velocity", f"{opt.name}/{name}_velocity", shape, _slot_dtype(opt),
                                    velocity, fixed="Adafactor makes a matrix's velocity from its row and column "
                                                    "means at each step (assign those)")]


def _slot(opt, state, keras, part, shape, name):
    """The slot of glassnet's state vector ``state`` for the variable at ``part`` of ``shape``, named
    ``<name>_<keras>`` (``keras`` None: ``name`` alone, as Adafactor's row and column means)."""
    slot_name = name if keras is None else f"{name}_{keras}"
    xp = get_namespace()

    def read():
        return xp.reshape(opt.state[state][opt._state_part(state, part)], shape)

    def write(value):
        vector = opt.state[state]
        vector[opt._state_part(state, part)] = from_numpy(value.reshape(-1).astype(numpy_dtype(vector)))

    return OptimizerVariable(slot_name, f"{opt.name}/{slot_name}", shape, numpy_dtype(opt.state[state]), read, write)


def _slot_dtype(opt):
    """The dtype of ``opt``'s state vectors (floatx before it has any)."""
    return next((numpy_dtype(vector) for vector in opt.state.values()), np.dtype(floatx()))


def _iteration(opt):
    return _scalar(opt, "iteration", "int32", lambda: int(opt.iterations),
                   lambda value: setattr(opt, "iterations", int(value)))


def _scalar(opt, name, dtype, read, write):
    return OptimizerVariable(name, f"{opt.name}/{name}", (), dtype, lambda: np.asarray(read(), dtype=dtype)[()], write)


def _fixed(path, name, dtype, value, why):
    return OptimizerVariable(name, path, (), dtype, lambda: np.asarray(value, dtype=dtype)[()], fixed=why)


def _variable_names(paths):
    """Keras's name of each variable for its slots: its path with "/" as "_"; "variable", "variable_1",
    ... for arrays without one (Keras's names of unnamed variables)."""
    names, unnamed = [], 0
    for path in paths:
        if path:
            names.append(path.replace("/", "_"))
        else:
            names.append("variable" if not unnamed else f"variable_{unnamed}")
            unnamed += 1
    return names


def _trainable_parts(opt):
    """``[(part of opt's state, shape, path)]`` of the variables ``opt`` keeps slots for, in Keras's
    order: the trainable variables of the model whose optimizer it is (or is in), as Keras's file
    holds them; else those a custom loop built or adopted it for; else every variable it was built for."""
    model = _model_of(opt)
    if model is not None:
        from ..models.keras_optimizer import _units

        for unit, parts in _units(model):
            if unit is opt:
                return [(part, tuple(shape), path) for part, shape, path in parts]
    indices = (range(len(opt.slices)) if opt._loop_variables is None
               else opt._loop_parts or range(len(opt._loop_variables)))
    return [(opt.slices[j], opt.shapes[j], opt.paths[j]) for j in indices]


def _model_of(opt):
    """The model ``opt`` trains (fit marks it), where its optimizer is still built for its weights; else None."""
    reference = getattr(opt, "_model", None)
    model = reference() if reference is not None else None
    if model is None or getattr(model, "optimizer", None) is None or not getattr(model, "built", False):
        return None
    top = getattr(model.optimizer, "inner_optimizer", model.optimizer)
    count = sum(len(layer.params) for layer in model.layers)
    if not top.built or getattr(top, "_size", None) != model._flat_params.shape[0] or len(top.slices) != count:
        return None
    return model
