"""Keras 3.15's :class:`MultiOptimizer` and its :class:`OptimizerMap`: each parameter array stepped
by the optimizer that its Keras path (or a callable) chooses, each sub-optimizer on the
concatenation of its variables."""

import copy
import re
import warnings
from collections.abc import MutableMapping

import numpy as np

from .._custom_objects import from_config_takes_custom_objects
from .._patterns import _LINEAR_ONLY, _fullmatch, _path_pattern
from .._registry import _check_keys
from .._validation import check_non_negative_int
from ..backend import copy as backend_copy
from ..backend import floatx, from_numpy, get_namespace
from .base import Optimizer, _check_no_loss_scale, _Iterations, _name_wrapper, _unknown_arguments, _variable_list
from .loss_scale import LossScaleOptimizer

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
    set twice, and its optimizer cannot be a LossScaleOptimizer or a MultiOptimizer.

    The keys are matched in time linear in the path, not by re's backtracking (a crafted key hung
    ``load_model``), with re's answers; a key that needs backtracking (a backreference, a lookaround, a
    conditional or atomic group, a possessive repeat) is refused when it is set."""

    def __init__(self, default_optimizer, optimizer_map=None):
        from . import deserialize  # (the registry, which names these classes)

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
        found = [pattern for pattern in self._optimizer_map if _fullmatch(pattern, key)]
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
        try:
            _path_pattern(key)
        except ValueError as exc:  # (a model file's key too: refused before it is matched)
            raise ValueError(f"key must be a regular expression that glassnet can match without backtracking: "
                             f"{key!r:.100} {exc} {_LINEAR_ONLY}.") from None
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
        from . import serialize

        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {key: serialize(value) for key, value in self._optimizer_map.items()}}

    @classmethod
    @from_config_takes_custom_objects
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
        return _Iterations(self._iterations, self)  # (with Keras's assign and numpy, as Optimizer's)

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

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Each sub-optimizer's (Keras's MultiOptimizer took the call and its sub-optimizers decayed every
        variable)."""
        if not isinstance(self._optimizer_map, OptimizerMap):
            raise ValueError("This MultiOptimizer's optimizers are the ones its callable returns: call "
                             "exclude_from_weight_decay on each of them.")
        for optimizer in self._inner_optimizers:
            optimizer.exclude_from_weight_decay(var_list, var_names)

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
        unused = [key for key in keys if key not in named and not any(_fullmatch(key, path) for path in named)]
        if unused:  # a typo, or a name that changed: a nested model's default-named layer renamed, a model numbered
            from ..models.divergence import user_stacklevel  # (models import the optimizers)

            warnings.warn(f"The OptimizerMap key(s) {unused} match no variable of this model, whose variables take the "
                          f"default optimizer: its paths are Keras's variable.path, such as "
                          f"{', '.join(map(repr, named[:3]))} (a model's layers are named when they join it; see "
                          "model.summary(expand_nested=True)).", UserWarning, stacklevel=user_stacklevel())
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
        from ..models.updates import _multi_optimizer, build_optimizer

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
        # each sub-optimizer's own (the vectors its settings use now: a file that loads)
        return self._iterations, {f"{i}.{name}": value for i, optimizer in enumerate(self._inner_optimizers)
                                  for name, value in optimizer.get_state()[1].items()}

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
        # (in Keras's form, with its module: keras.optimizers.deserialize could not find OptimizerMap without)
        config = {"optimizer_map": {"module": "keras.optimizers", "class_name": "OptimizerMap",
                                    "config": self._optimizer_map.get_config(), "registered_name": None},
                  "loss_scale_factor": None}
        if self.name != self._default_name():
            config["name"] = self.name
        return config

    def __repr__(self):
        return f"MultiOptimizer(optimizer_map={self._optimizer_map!r})"
