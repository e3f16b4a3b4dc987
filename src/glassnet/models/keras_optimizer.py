"""The optimizer's state in a Keras 3 ``.keras`` file: ``model.weights.h5``'s ``optimizer/vars``;
a ``.weights.h5`` file (``save_weights``) holds the same groups (:func:`read_weights_file_state`).

Keras's ``saving_lib`` writes the optimizer's variables in the order it made them::

    optimizer/vars/0      iterations (the steps taken; an int32 scalar)
    optimizer/vars/1      the learning rate (a float scalar; absent when it is a schedule)
    optimizer/vars/2...   with use_ema, each trainable variable's moving average; with
                          gradient_accumulation_steps, each one's gradient accumulator; then the
                          rule's slots, one group after another (:data:`SLOTS`), a group's slots
                          side by side for each trainable variable (Adam: m₀ v₀ m₁ v₁ ..., then v̂₀ v̂₁ ...)
    (Nadam)               last, Π_t, the product of its momentum schedule (not inside a LossScaleOptimizer,
                          whose build leaves it untracked)

A LossScaleOptimizer's file holds its own four variables first (its iterations, 0, and learning rate, 0:
Keras's wrapper never steps itself; then its ``step_counter`` and ``dynamic_scale``), then its inner
optimizer's as above, which Keras writes once more under ``optimizer/inner_optimizer/vars``.

A MultiOptimizer's holds its own iterations and learning rate (0), then each sub-optimizer's in turn
(``.optimizers``' order) as above over the trainable variables it owns (one that owns none: its iterations
and rate only, as Keras leaves it unbuilt); each again under ``optimizer/optimizers/<its class in snake
case>/vars`` (:func:`_sub_groups`). Which variables each owns is not in the file: the OptimizerMap chooses
them by the loaded model's paths, so other counts, names or shapes than the file's are a warning and a
fresh optimizer.

The trainable variables are the model's ``trainable_variables`` in its layers' order (a frozen
layer's are not there), which are glassnet's trained layers' ``params``. glassnet keeps each slot
as one flat vector over all its weights (:meth:`Optimizer.build`); each variable's part of it is
written as an array of the variable's shape, and read back to that part.
"""

import copy
import warnings

import numpy as np

from .. import optimizers
from ..backend import from_numpy, numpy_dtype, to_numpy
from ..layers import Layer
from ..layers.base import snake_case
from .divergence import user_stacklevel

#: Keras's groups of slots for each optimizer whose state glassnet keeps as Keras does: each group
#: is one ``add_optimizer_variables`` call, given here by glassnet's state names (settings that
#: leave a slot out, SGD without momentum or RMSprop not centered, are read from state_names)
SLOTS = {
    "SGD": [("momentum",)], "GradientDescent": [],
    "Adam": [("m", "v"), ("v_hat",)], "AdamW": [("m", "v"), ("v_hat",)],
    "RMSprop": [("velocity",), ("momentum",), ("average_gradient",)],
    "Adagrad": [("accumulator",)], "Adadelta": [("accumulated_grad", "accumulated_delta_var")],
    "Adamax": [("m", "u")], "Nadam": [("momentum", "velocity")], "Lamb": [("m", "v")],
    "Lion": [("momentum",)], "Ftrl": [("accumulator", "linear")],
}
GROUP = "optimizer/vars"


class OptimizerStateWarning(UserWarning):
    """A Keras file's optimizer state that glassnet did not write or read: training resumes
    with a fresh optimizer (Adam's moments at 0, iterations 0)."""


def _layout(optimizer):
    """The groups of slots of ``optimizer`` in Keras's order, or why it has none that maps."""
    kind = type(optimizer).__name__
    if optimizers.CLASSES.get(kind) is not type(optimizer) or kind not in SLOTS:
        return None, (f"{kind} keeps its state in a form glassnet does not map onto Keras's variables"
                      if kind in optimizers.CLASSES else f"{kind} is not one of Keras's optimizers")
    groups = [("average",)] * optimizer.use_ema + [("gradient_accumulator",)] * bool(optimizer.gradient_accumulation_steps)
    for group in SLOTS[kind]:
        kept = tuple(name for name in group if name in optimizer.state_names)
        if kept:
            groups.append(kept)
    return groups, None


def _keras_layers(model):
    """``model``'s layers in the order of Keras's ``trainable_variables`` for the model a ``.keras`` file
    holds: a Sequential's in turn (a nested model's in its place, as it is written: a Sequential), a
    subclass of Model written as its class in the order its attributes were given them (``self.out``
    made before ``self.hidden`` comes first, whatever order ``call`` applies them in), at any depth: a
    registered subclass nested in a Sequential is written as its class too (Keras refused the file's
    state when its attributes' order was not its call's)."""
    from .subclassing import subclass_entry

    chain = model.layers
    layers = _written_order(model, subclass_entry(model) is not None)
    return layers if sorted(map(id, layers)) == sorted(map(id, chain)) else chain  # (layers in a dict...: the chain's)


def _written_order(model, as_class):
    """The layers of ``model`` in Keras's order; ``as_class``: written as its class (its attributes' order,
    and so are the subclasses its ``__init__`` makes), else as a Sequential of its chain."""
    from .nesting import nested_items
    from .subclassing import nested_keras_entry

    if as_class:
        items = [(item, hasattr(item, "_assigned_items")) for item in model._assigned_items()]
    else:
        items = [(item, not isinstance(item, Layer) and nested_keras_entry(item) is not None)
                 for item in nested_items(model)]
    return [layer for item, item_as_class in items
            for layer in ([item] if isinstance(item, Layer) else _written_order(item, item_as_class))]


def _trained_indices(model):
    """The index (in the optimizer's ``slices``) of each trainable variable, in Keras's order."""
    found, index = {}, 0
    for layer in model.layers:  # (the optimizer's slices follow the chain)
        for _ in layer.params:
            if model._trains(layer):
                found.setdefault(id(layer), []).append(index)
            index += 1
    return [i for layer in _keras_layers(model) for i in found.get(id(layer), ())]


def _scalars(optimizer):
    """The names of the scalars before the slots: iterations, then the learning rate unless a schedule
    or a callable (Keras makes no variable of those); a MultiOptimizer's own: both (a rate of 0, Keras's)."""
    if isinstance(optimizer, optimizers.MultiOptimizer):
        return ["iterations", "learning_rate"]
    return ["iterations"] + ([] if callable(optimizer._learning_rate) else ["learning_rate"])


#: a LossScaleOptimizer's own variables, before its inner optimizer's
LOSS_SCALE = ["iterations", "learning_rate", "step_counter", "dynamic_scale"]


def _inner(optimizer):
    """The optimizer whose slots the file holds: a LossScaleOptimizer's inner one, else ``optimizer``."""
    return optimizer.inner_optimizer if isinstance(optimizer, optimizers.LossScaleOptimizer) else optimizer


def _units(model):
    """``[(optimizer, parts)]``, the optimizers whose variables ``optimizer/vars`` holds in turn, each
    with ``(slice of its state, shape, path)`` of the trainable variables it steps, in Keras's order: the
    optimizer (a LossScaleOptimizer's inner one); or a MultiOptimizer (parts None: its own iterations
    and rate), then each of its sub-optimizers over the variables it owns."""
    opt, order = _inner(model.optimizer), _trained_indices(model)
    if not isinstance(opt, optimizers.MultiOptimizer):
        return [(opt, [(opt.slices[i], opt.shapes[i], opt.paths[i]) for i in order])]
    owner = {}  # variable index -> (sub-optimizer, its part of that one's state)
    for group in opt._groups:
        owner.update({i: (group.optimizer, local) for i, local in zip(group.indices, group.local, strict=True)})
    return [(opt, None)] + [(sub, [(owner[i][1], opt.shapes[i], opt.paths[i]) for i in order if owner[i][0] is sub])
                            for sub in opt.optimizers]


def _has_u_product(opt, wrapped):
    """Whether Keras's ``opt`` keeps Nadam's Π_t (last): not inside a LossScaleOptimizer (``wrapped``),
    whose build leaves it untracked."""
    return isinstance(opt, optimizers.Nadam) and not wrapped


def optimizer_variables(model):
    """Keras 3.15's ``model.optimizer.variables`` for the compiled ``model``'s built optimizer, as
    ``[(shape, dtype)]``: what its ``summary`` counts in "Optimizer params".

    The variables of :func:`_units` as the file holds them (:func:`_entries`), with their dtypes: the
    iterations (int32), the learning rate (a floatx variable of when it was made; none for a schedule or
    a callable), slots of the variable's shape and dtype (float16 for a float16 model, whose state glassnet
    keeps in float32): the moving average (``use_ema``), the gradient accumulator, then the rule's
    (:func:`_rule_slots`, which counts Muon's and Adafactor's too, whose layouts the file refuses); Nadam's
    Π_t. A LossScaleOptimizer adds its own (:data:`LOSS_SCALE`; the scale float32); a MultiOptimizer's
    sub-optimizer that steps none of the trainable variables has its iterations and rate (Keras leaves it
    unbuilt), unless only a callable chose it, for a frozen layer's variable (Keras asks for trainable ones)."""
    from ..backend import floatx

    wrapper, inner, dtype = model.optimizer, _inner(model.optimizer), str(model.dtype)
    wrapped, units = wrapper is not inner, _units(model)
    if isinstance(inner, optimizers.MultiOptimizer):
        chosen = inner.optimizer_map
        mapped = [*chosen.values(), chosen.default_optimizer] if isinstance(chosen, optimizers.OptimizerMap) else []
        units = units[:1] + [(sub, parts) for sub, parts in units[1:] if parts or any(sub is m for m in mapped)]

    def scalar(opt, name):
        return (), {"iterations": "int32", "step_counter": "int32", "dynamic_scale": "float32"}.get(
            name, opt._rate_dtype or floatx())

    found = [scalar(wrapper, name) for name in LOSS_SCALE] * wrapped
    for opt, parts in units:
        found += [scalar(opt, name) for name in _scalars(opt)]
        for _, shape, path in parts or ():
            shape = tuple(shape)
            extra = len(opt.slot_names) - len(opt.state_names)  # the moving average, the gradient accumulator
            found += [(shape, dtype)] * extra + [(s, d or dtype) for s, d in _rule_slots(opt, shape, path, wrapped)]
        if _has_u_product(opt, wrapped) and (parts or opt is inner):
            # (in the first variable's dtype; Keras builds a model's own optimizer with no variable too, every
            # layer frozen, and makes Π_t in floatx then)
            found.append(((), dtype if parts else floatx()))
    return found


def _rule_slots(opt, shape, path, wrapped):
    """``[(shape, dtype or None for the variable's)]``: the slots Keras's ``opt`` keeps for one
    trainable variable of ``shape`` and ``path``: one of its shape for each of glassnet's state vectors,
    but Muon's velocity for the variables AdamW steps only, and Adafactor's row and column means of a
    matrix besides its velocity (two int32 placeholders for a vector's; none inside a LossScaleOptimizer
    (``wrapped``), whose build leaves the plain variables it makes untracked, as Nadam's Π_t)."""
    if isinstance(opt, optimizers.Muon):
        return [(shape, None)] * (1 + opt._uses_adam(shape, path))
    if isinstance(opt, optimizers.Adafactor):
        factors = ([(shape[:-1], None), (shape[:-2] + shape[-1:], None)] if len(shape) >= 2
                   else [((), "int32")] * 2 * (not wrapped))
        return factors + [(shape, None)]
    return [(shape, None)] * len(opt.state_names)


def _entries(opt, parts, wrapped, sub):
    """``[(name, shape, part)]``, ``opt``'s variables in Keras's order (part: where a slot's are in its
    state, None for a scalar). A sub-optimizer of a MultiOptimizer without trainable variables has its
    iterations and rate only (Keras does not build it); Nadam's Π_t is last, but not inside a
    LossScaleOptimizer (``wrapped``), whose build leaves it untracked."""
    entries = [(name, (), None) for name in _scalars(opt)]
    if parts is None or (sub and not parts):  # a MultiOptimizer's own; a sub-optimizer Keras leaves unbuilt
        return entries
    groups, _ = _layout(opt)
    entries += [(name, shape, part) for group in groups for part, shape, _ in parts for name in group]
    if _has_u_product(opt, wrapped):
        entries.append(("u_product", (), None))
    return entries


def _plan(model):
    """``[(optimizer, entries)]`` for each of :func:`_units`, or ``(None, why)`` where one of them keeps
    its state in a form that does not map onto Keras's."""
    units, wrapped = _units(model), model.optimizer is not _inner(model.optimizer)
    for opt, parts in units:
        reason = None if parts is None else _layout(opt)[1]
        if reason:
            return None, reason
    sub = len(units) > 1
    return [(opt, _entries(opt, parts, wrapped, sub)) for opt, parts in units], None


def _sub_groups(plan, prefix):
    """``(group, optimizer, entries)`` of a MultiOptimizer's sub-optimizers, which Keras writes again
    each under ``<prefix>optimizers/<its class in snake case, numbered>/vars`` ("adam", "adam_1", "sgd")."""
    used, groups = {}, []
    for opt, entries in plan[1:]:
        kind = snake_case(type(opt).__name__)
        used[kind] = used.get(kind, -1) + 1
        groups.append((f"{prefix}optimizers/{kind}{f'_{used[kind]}' if used[kind] else ''}/vars", opt, entries))
    return groups


def _steps(value):
    return np.asarray(value, dtype=np.int32 if value < 2**31 else np.int64)


def _rate(value, dtype):
    """A learning rate as Keras writes it: a floatx variable, float32 for a float16 model (whose float16
    0.01, 0.0100021, Keras's load_model took as the rate)."""
    return np.asarray(value, dtype=np.promote_types(dtype, np.float32))


def state_groups(model, path):
    """The optimizer's variables of the compiled ``model`` as Keras writes them, ``[(group, name,
    [(name, array)])]``: ``optimizer/vars``; a LossScaleOptimizer's inner optimizer's again under
    ``optimizer/inner_optimizer/vars``; a MultiOptimizer's sub-optimizers' again each under its
    ``optimizers/<name>/vars`` (:func:`_sub_groups`); ``[]`` (with a warning naming ``path`` and why)
    where its state does not map onto Keras's, and ``[]`` for an optimizer that has taken no step yet
    (Keras starts it afresh too), whose iterations and rate alone are written, as Keras writes them: a file
    without ``optimizer/vars`` is then one whose state was left out (:func:`read_state` says so)."""
    opt = model.optimizer
    if not opt.built:
        inner, dtype = _inner(opt), to_numpy(model._flat_params[:0]).dtype
        fresh = [("iterations", _steps(0)), ("learning_rate", _rate(
            0.0 if isinstance(inner, optimizers.MultiOptimizer) else inner._rate(), dtype))]
        if opt is inner:
            return [(GROUP, opt.name, fresh)]
        wrapper = [("iterations", _steps(0)), ("learning_rate", _rate(0.0, dtype))]  # (its scale: built at a step)
        return [(GROUP, opt.name, wrapper + fresh), ("optimizer/inner_optimizer/vars", inner.name, fresh)]
    plan, reason = (None, "it was built for weights of another size (a layer added or removed since)") \
        if _inner(opt)._size != model._flat_params.shape[0] else _plan(model)
    if plan is not None and len(plan) > 1:
        reason = _shared_sub_optimizer(_inner(opt))
    if reason:
        warnings.warn(f"The Keras file {path!r} is written without the optimizer's state ({reason}): Keras and "
                      "glassnet resume training from it with a fresh optimizer (iterations 0). glassnet's own "
                      "model.save('model.gn') keeps the state.", OptimizerStateWarning, stacklevel=user_stacklevel())
        return []
    dtype = to_numpy(model._flat_params[:0]).dtype  # NumPy's, whatever namespace trained the model
    values = {id(o): _arrays(o, entries, dtype) for o, entries in plan}
    arrays = [a for o, _ in plan for a in values[id(o)]]
    prefix = "optimizer/" if opt is _inner(opt) else "optimizer/inner_optimizer/"
    groups = [(prefix + "vars", _inner(opt).name, arrays)] + [
        (group, o.name, values[id(o)]) for group, o, _ in _sub_groups(plan, prefix)]
    if opt is _inner(opt):
        return groups
    wrapper = [("iterations", np.int32(0)), ("learning_rate", _rate(0.0, dtype)),
               ("step_counter", _steps(opt.step_counter)),
               ("dynamic_scale", np.float32(opt.dynamic_scale))]  # (float32 whatever the model's dtype, as Keras's)
    return [(GROUP, opt.name, wrapper + arrays)] + groups


def _shared_sub_optimizer(multi):
    """Why a MultiOptimizer's state cannot go into a Keras file, or None: a sub-optimizer that
    serves several keys of its OptimizerMap is one in the model but one per key in the file's
    config, so the file's state (one) would not be the loaded model's (Keras's load_model fails)."""
    chosen = multi.optimizer_map
    if not isinstance(chosen, optimizers.OptimizerMap):
        return None
    served = [*chosen.values(), chosen.default_optimizer]
    shared = [o.name for o in multi.optimizers if sum(o is s for s in served) > 1]
    return (f"the sub-optimizer {shared[0]!r} serves several keys of the OptimizerMap, and a file's config makes "
            "one per key" if shared else None)


def _arrays(opt, entries, dtype):
    """``opt``'s ``entries`` (:func:`_entries`) as ``[(name, array)]``."""
    if isinstance(opt, optimizers.MultiOptimizer):
        return [("iterations", _steps(opt.iterations)), ("learning_rate", _rate(0.0, dtype))]
    # a built optimizer's state as its settings use it now (get_state: one whose momentum was set after the first
    # step, without the vector it needs, is refused by name, as save refuses it; it was a bare KeyError here)
    state = opt.get_state()[1] if getattr(opt, "built", False) else opt.state
    scalars = {"iterations": lambda: _steps(opt._iterations), "learning_rate": lambda: _rate(opt._rate(), dtype),
               "u_product": lambda: np.asarray(opt._product(opt.iterations), dtype=dtype)}
    return [(name, scalars[name]() if part is None else to_numpy(state[name][part]).reshape(shape))
            for name, shape, part in entries]


def read_state(model, h5, h5py, path, get, fail, check_storage, built=False, skip_mismatch=False):
    """Set the compiled ``model``'s optimizer state from the open ``model.weights.h5`` ``h5`` (of the
    file ``path``), as Keras's ``load_model`` does: each of ``optimizer/vars`` checked against the
    model's trainable variables first. A count other than the optimizer's is Keras's warning (the
    optimizer starts afresh), as is a MultiOptimizer's sub-optimizers other than the file's; an entry
    of another shape, not an array of numbers, beyond the range of the state's dtype, or a value the
    optimizer refuses (a negative rate) is an error naming it, raised before anything changes: the
    optimizer takes all of the file's state or none. A compiled model's that never trained (scalars
    only, every count 0: :func:`_never_stepped`) is a fresh optimizer. ``get``, ``fail`` and
    ``check_storage`` are the ``.keras`` reader's safe look-up, refusal and storage check.

    ``built`` (``load_weights`` of a ``.weights.h5`` file into a model whose optimizer is built, in
    fit's layout): the optimizer keeps its own state where the file's does not fit, a file without
    state (or only a fresh optimizer's scalars) included, each with a warning as Keras's; with
    ``skip_mismatch`` an entry of another shape is a warning too."""
    from .keras_weights import _check_range  # (here: keras_weights imports this module)
    from .saving import warn_non_finite
    from .updates import build_optimizer

    member = "the file" if built else "model.weights.h5"
    group = get(h5, GROUP, h5py, path, member)
    held = len(group) if isinstance(group, h5py.Group) else 0
    if not held and not built:  # (Keras's file, and glassnet's now, holds a fresh optimizer's iterations and rate)
        warnings.warn(f"The Keras file {path!r} holds no optimizer state (written by an older glassnet, or without "
                      "the state of an optimizer that Keras's variables cannot hold): training resumes with a fresh "
                      "optimizer (iterations 0). Keras warns too ('Skipping variable loading for optimizer').",
                      OptimizerStateWarning, stacklevel=user_stacklevel())
        return
    wrapper = model.optimizer
    source = "weights file" if built else "Keras file"
    after = "the optimizer keeps its own state" if built else "training resumes with a fresh optimizer (iterations 0)"

    def skip(why):
        warnings.warn(f"The optimizer's state in the {source} {path!r} is not read{why}; {after}, as in Keras.",
                      OptimizerStateWarning, stacklevel=user_stacklevel())

    without = ("load_weights(path, skip_mismatch=True) keeps the optimizer's own" if built
               else "load_model(path, compile=False) loads the model without its optimizer")
    if not built:
        build_optimizer(model)
    plan, reason = _plan(model)
    if plan is None:
        if not built and _never_stepped(group, held, h5py, get, path, member, check_storage):
            return  # (a compiled model's that never trained: a fresh optimizer, whatever its kind)
        skip(f" ({reason})")
        return
    head = LOSS_SCALE if wrapper is not _inner(wrapper) else []  # (the wrapper's own, read with the rest)
    entries = [(None, name, shape, None) for name in head for shape in [()]] + [
        (opt, name, shape, part) for opt, found in plan for name, shape, part in found]
    names = [name for _, name, _, _ in entries]
    # a mixed_float16 model's (Keras's compile wraps the optimizer in a LossScaleOptimizer): the wrapper's
    # iterations, learning rate, step counter and scale first, then the inner optimizer's, which are read
    offset = 4 if not head and held == len(names) + 4 and _loss_scale_entries(group, h5py, get, path, member) else 0
    # a compiled model's that never trained (Keras builds its optimizer at the first step and writes each
    # optimizer's iterations and rate, a LossScaleOptimizer's too): a fresh optimizer, nothing to say. Told by
    # the values, not the count: a trained SGD(momentum=0.9)'s on a Dense(1), its iterations, rate and two
    # slots, has the count of a fresh LossScaleOptimizer's, and its state was dropped without a word. Where
    # the model's state is scalars alone, of the file's count, it is read (a rate set before any step)
    slots = any(part is not None for *_, part in entries)
    if (not built and (slots or held != len(names) + offset)
            and _never_stepped(group, held, h5py, get, path, member, check_storage)):
        return
    if held != len(names) + offset:
        skip(f": its {GROUP} holds {held} arrays, but {_kept(wrapper, plan)} keeps {len(names)} for this model's "
             f"{len(_trained_indices(model))} trainable weights ({', '.join(dict.fromkeys(names))})")
        return
    multi = len(plan) > 1
    if multi and (why := _other_sub_optimizers(plan, h5, h5py, get, path, head, member)):
        skip(f": {why}")
        return
    values = []
    for i, (_, name, shape, _) in enumerate(entries):
        dataset = get(group, str(i + offset), h5py, path, member)
        where = f"{member}: {GROUP}/{i + offset} (the optimizer's {name})"
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "fiu" or dataset.shape is None:
            fail(path, f"{where} is not an array of numbers ({without}).")
        check_storage(dataset, h5py, where, path)
        if tuple(dataset.shape) != tuple(shape) and multi:  # (the sub-optimizers own other variables than the file's)
            skip(f": {where} has shape {tuple(dataset.shape)} where this model's sub-optimizers, by its OptimizerMap, "
                 f"need {tuple(shape)}")
            return
        if tuple(dataset.shape) != tuple(shape) and skip_mismatch:
            skip(f" (skip_mismatch=True): {where} has shape {tuple(dataset.shape)}; the model's weight needs "
                 f"{tuple(shape)}")
            return
        if tuple(dataset.shape) != tuple(shape):
            fail(path, f"{where} has shape {tuple(dataset.shape)}; the model's weight needs {tuple(shape)} (the file's "
                       f"optimizer state is not this model's; {without}).")
        values.append(np.asarray(dataset[()]))
    # every value checked before the optimizer changes: a refused file (a negative rate after the slots) left the
    # slots and iterations replaced
    for i, ((opt, name, _, part), value) in enumerate(zip(entries, values)):
        where = f"{member}: {GROUP}/{i + offset} (the optimizer's {name})"
        if name == "iterations" and (value.dtype.kind not in "iu" or not 0 <= int(value) < 2**63):
            fail(path, f"{where} is {value.item()!r:.60}, not a non-negative integer.")
        if part is not None:  # (a float64 file's 1e300 became inf in a float32 state, with NumPy's warning only)
            _check_range(value, numpy_dtype(opt.state[name]), where, path, member,
                         fix=None if built else f"nothing was loaded; {without}")
    loss_scale = None
    if head:
        counter, scale = values[2], values[3]
        try:
            if counter.dtype.kind not in "iu":
                raise ValueError(f"step_counter must be a non-negative integer. Received: {counter.item()!r:.60}")
            inner = wrapper.inner_optimizer.get_scalars()  # (a MultiOptimizer's steps: set with the rest below)
            loss_scale = {"step_counter": int(counter), "dynamic_scale": float(scale),
                          **({"inner_optimizer": inner} if inner else {})}
            copy.copy(wrapper).set_scalars(loss_scale)  # (its checks, on a copy: the wrapper changes below)
        except ValueError as exc:
            fail(path, f"{member}: {GROUP}/2 and 3 (the LossScaleOptimizer's step_counter and dynamic_scale): "
                       f"{exc}")
    found = {}
    for i, ((opt, name, _, part), value) in enumerate(zip(entries, values)):
        if part is None and opt is not None:
            found.setdefault(id(opt), (opt, {}))[1][name] = (value, i + offset)
    scalars = [(opt, _checked_scalars(opt, named, path, fail, member)) for opt, named in found.values()]
    warn_non_finite(path, "optimizer state", [(f"{GROUP}/{i + offset} ({name})", v) for i, (name, v)
                                              in enumerate(zip(names, values))])
    if loss_scale is not None:
        wrapper.set_scalars(loss_scale)
    for (opt, name, _, part), value in zip(entries, values):
        if part is not None:
            opt.state[name][part] = from_numpy(value.reshape(-1))
    for opt, checked in scalars:
        _set_scalars(opt, *checked)


def _never_stepped(group, held, h5py, get, path, member, check_storage):
    """Whether ``group``, the file's ``optimizer/vars`` of ``held`` entries, is the state Keras writes for a
    compiled model that never trained: scalars only (each optimizer's iterations and learning rate, a
    LossScaleOptimizer's step counter and scale), every count among them 0."""
    for i in range(held):
        dataset = get(group, str(i), h5py, path, member)
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "fiu" or dataset.shape != ():
            return False
        if dataset.dtype.kind in "iu":
            check_storage(dataset, h5py, f"{member}: {GROUP}/{i}", path)
            if dataset[()] != 0:
                return False
    return True


def read_weights_file_state(model, h5, h5py, path, get, fail, check_storage, skip_mismatch):
    """The optimizer's state in a ``.weights.h5`` file, read by ``load_weights`` where Keras's reads it:
    not into an uncompiled model; not into an optimizer that has taken no step (Keras's is unbuilt, and
    skips a trained file's state with a warning), save a slot-less one's (plain SGD's iterations and rate,
    which Keras's unbuilt optimizer holds); into a built one by :func:`read_state`, which keeps
    the optimizer's own state (with Keras's warning) where the file's does not fit it."""
    from .updates import adopt_loop_state, build_optimizer

    if not model.compiled:
        return
    opt = model.optimizer
    if not opt.built:
        group = get(h5, GROUP, h5py, path, "the file")
        if not isinstance(group, h5py.Group) or _never_stepped(group, len(group), h5py, get, path, "the file",
                                                               check_storage):
            return  # (a compiled model's that never trained holds its iterations and rate alone: a fresh optimizer's)
        if any(getattr(item, "ndim", 0) for item in group.values()):
            warnings.warn(f"The optimizer's state in the weights file {path!r} is not read: this model's "
                          f"{type(opt).__name__} has not been built yet (it has taken no step), and Keras skips the "
                          "state then too. Call model.optimizer.build(model.trainable_variables) before load_weights "
                          "to load it; training otherwise starts with a fresh optimizer (iterations 0).",
                          OptimizerStateWarning, stacklevel=user_stacklevel())
            return
        # a slot-less optimizer's state (plain SGD's iterations and rate), which Keras's unbuilt optimizer takes
        # as it is (a schedule goes on from the file's step): read as a built one's
        build_optimizer(model)
    adopt_loop_state(model)  # (built by a custom loop's apply_gradients, or build(trainable_variables): fit's layout)
    if _inner(opt)._size != model._flat_params.shape[0]:
        warnings.warn(f"The optimizer's state in the weights file {path!r} is not read: this model's "
                      f"{type(opt).__name__} was built for {_inner(opt)._size} weights, the model has "
                      f"{model._flat_params.shape[0]} (a layer added or removed since).", OptimizerStateWarning,
                      stacklevel=user_stacklevel())
        return
    read_state(model, h5, h5py, path, get, fail, check_storage, built=True, skip_mismatch=skip_mismatch)


def _checked_scalars(opt, found, path, fail, member):
    """``(steps, learning rate or None, Nadam's Π_t or None)`` for :func:`_set_scalars`: ``opt``'s scalars
    from ``found``, ``{name: (value, index)}``, each checked without changing ``opt`` (``member``: the file's
    part that holds them, for a message). The rate is None where it is the config's rounded to the file's
    dtype: a float32 file's 0.001 is 0.0010000000475, which would have replaced the config's 0.001."""
    steps = int(found["iterations"][0])
    if isinstance(opt, optimizers.MultiOptimizer):
        return steps, None, None  # (its rate is Keras's 0: it has none)
    rate, index = found.get("learning_rate", (None, None))
    if rate is not None and rate != np.asarray(opt._rate(), dtype=rate.dtype):
        try:
            copy.copy(opt).learning_rate = float(rate)  # (the setter's checks, Ftrl's too, on a copy)
        except (TypeError, ValueError) as exc:
            fail(path, f"{member}: {GROUP}/{index} (the optimizer's learning_rate): {exc}")
    else:
        rate = None
    product, index = found.get("u_product", (None, None))
    # Π_t = μ_1⋯μ_t, each μ in [0, β₁): the steps and β₁ alone make it, so anything else is a damaged file
    if product is not None and not 0 <= product <= 1:
        fail(path, f"{member}: {GROUP}/{index} (the optimizer's u_product) is {product.item()!r:.60}, not Nadam's "
                   "product of momentum factors (a number from 0 to 1).")
    return steps, None if rate is None else float(rate), None if product is None else float(product)


def _set_scalars(opt, steps, rate, product):
    """Set ``opt``'s steps, learning rate (None: the config's) and Nadam's Π_t (None: none in the file),
    checked by :func:`_checked_scalars`."""
    opt._iterations = steps
    if rate is not None:
        opt.learning_rate = rate
    if type(opt).__name__ == "Nadam":  # (inside a LossScaleOptimizer Keras has none: from the steps)
        opt._products = (opt.iterations, product) if product is not None else (0, 1.0)


def _kept(wrapper, plan):
    """What keeps the state, for a message: "Adam", "MultiOptimizer (Adam, SGD)"."""
    subs = f" ({', '.join(type(opt).__name__ for opt, _ in plan[1:])})" if len(plan) > 1 else ""
    return type(_inner(wrapper)).__name__ + subs if wrapper is _inner(wrapper) else \
        f"{type(wrapper).__name__}({type(_inner(wrapper)).__name__}{subs})"


def _other_sub_optimizers(plan, h5, h5py, get, path, head, member):
    """Why the file's sub-optimizers (its ``optimizers/<name>/vars`` groups) are not the model's: other
    names (classes) or counts of variables (the variables each owns); None when they are, or the file
    has no such groups."""
    prefix = "optimizer/inner_optimizer/" if head else "optimizer/"
    found = get(h5, prefix + "optimizers", h5py, path, member)
    if not isinstance(found, h5py.Group):
        return None
    want = {group.split("/")[-2]: len(entries) for group, _, entries in _sub_groups(plan, prefix)}
    have = {name: len(item["vars"]) if isinstance(item, h5py.Group) and isinstance(item.get("vars"), h5py.Group)
            else None for name, item in found.items()}
    if have == want:
        return None
    return (f"its MultiOptimizer's sub-optimizers are {have} (name: count of variables), this model's {want} "
            "(another OptimizerMap, or one whose keys match other variables in this model)")


def _loss_scale_entries(group, h5py, get, path, member):
    """Whether ``group``'s third and fourth entries are a LossScaleOptimizer's step counter and scale."""
    counter, scale = (get(group, key, h5py, path, member) for key in ("2", "3"))
    return all(isinstance(d, h5py.Dataset) and d.shape == () and d.dtype.kind == kind
               for d, kind in ((counter, "i"), (scale, "f")))
