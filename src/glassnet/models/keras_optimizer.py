"""The optimizer's state in a Keras 3 ``.keras`` file: ``model.weights.h5``'s ``optimizer/vars``.

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

The trainable variables are the model's ``trainable_variables`` in its layers' order (a frozen
layer's are not there), which are glassnet's trained layers' ``params``. glassnet keeps each slot
as one flat vector over all its weights (:meth:`Optimizer.build`); each variable's part of it is
written as an array of the variable's shape, and read back to that part.
"""

import warnings

import numpy as np

from .. import optimizers
from ..backend import from_numpy, to_numpy
from ..layers import Layer

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


def _trained_parts(model):
    """``(slice, shape)`` in the optimizer's flat state of each trainable variable, in Keras's order."""
    opt, parts, index = model.optimizer, {}, 0
    for layer in model.layers:  # (the optimizer's slices follow the chain)
        for _ in layer.params:
            if model._trains(layer):
                parts.setdefault(id(layer), []).append((opt.slices[index], opt.shapes[index]))
            index += 1
    return [part for layer in _keras_layers(model) for part in parts.get(id(layer), ())]


def _scalars(optimizer):
    """The names of the scalars before the slots: iterations, then the learning rate unless a schedule."""
    from ..schedules import LearningRateSchedule

    return ["iterations"] + ([] if isinstance(optimizer._learning_rate, LearningRateSchedule) else ["learning_rate"])


#: a LossScaleOptimizer's own variables, before its inner optimizer's
LOSS_SCALE = ["iterations", "learning_rate", "step_counter", "dynamic_scale"]


def _inner(optimizer):
    """The optimizer whose slots the file holds: a LossScaleOptimizer's inner one, else ``optimizer``."""
    return optimizer.inner_optimizer if isinstance(optimizer, optimizers.LossScaleOptimizer) else optimizer


def state_groups(model, path):
    """The optimizer's variables of the compiled ``model`` as Keras writes them, ``[(group, name,
    [(name, array)])]``: ``optimizer/vars``, and a LossScaleOptimizer's inner optimizer's again under
    ``optimizer/inner_optimizer/vars``; ``[]`` (with a warning naming ``path`` and why) where its state
    does not map onto Keras's, and ``[]`` for an optimizer that has taken no step yet (Keras starts it
    afresh too)."""
    opt = model.optimizer
    if not opt.built:
        return []
    arrays = _state_arrays(model, _inner(opt), path, wrapped=opt is not _inner(opt))
    if opt is _inner(opt) or not arrays:
        return [(GROUP, opt.name, arrays)] if arrays else []
    dtype = model._flat_params.dtype
    wrapper = [("iterations", np.int32(0)), ("learning_rate", np.asarray(0.0, dtype=dtype)),
               ("step_counter", np.asarray(opt.step_counter, dtype=np.int32 if opt.step_counter < 2**31 else np.int64)),
               ("dynamic_scale", np.float32(opt.dynamic_scale))]  # (float32 whatever the model's dtype, as Keras's)
    return [(GROUP, opt.name, wrapper + arrays), ("optimizer/inner_optimizer/vars", opt.inner_optimizer.name, arrays)]


def _state_arrays(model, opt, path, wrapped=False):
    groups, reason = _layout(opt)
    if groups is None or opt._size != model._flat_params.shape[0]:
        reason = reason or "it was built for weights of another size (a layer added or removed since)"
        warnings.warn(f"The Keras file {path!r} is written without the optimizer's state ({reason}): Keras and "
                      "glassnet resume training from it with a fresh optimizer (iterations 0). glassnet's own "
                      "model.save('model.gn') keeps the state.", OptimizerStateWarning, stacklevel=5)
        return []
    steps = opt._iterations
    arrays = [("iterations", np.asarray(steps, dtype=np.int32 if steps < 2**31 else np.int64))]
    if "learning_rate" in _scalars(opt):
        arrays.append(("learning_rate", np.asarray(opt._rate(), dtype=model._flat_params.dtype)))
    parts = _trained_parts(model)
    for group in groups:
        for part, shape in parts:
            arrays += [(name, to_numpy(opt.state[name][part]).reshape(shape)) for name in group]
    if type(opt).__name__ == "Nadam" and not wrapped:
        arrays.append(("u_product", np.asarray(opt._product(opt.iterations), dtype=model._flat_params.dtype)))
    return arrays


def read_state(model, h5, h5py, path, get, fail, check_storage):
    """Set the compiled ``model``'s optimizer state from the open ``model.weights.h5`` ``h5`` (of the
    file ``path``), as Keras's ``load_model`` does: each of ``optimizer/vars`` checked against the
    model's trainable variables first. A count other than the optimizer's is Keras's warning (the
    optimizer starts afresh); an entry of another shape, or not a finite number, is an error naming it.
    ``get``, ``fail`` and ``check_storage`` are the ``.keras`` reader's safe look-up, refusal and
    storage check."""
    from .saving import warn_non_finite
    from .training import build_optimizer

    group = get(h5, GROUP, h5py, path, "model.weights.h5")
    if not isinstance(group, h5py.Group) or not len(group):
        return
    wrapper = model.optimizer
    opt = _inner(wrapper)
    groups, reason = _layout(opt)
    if groups is None:
        warnings.warn(f"The optimizer's state in the Keras file {path!r} is not read ({reason}): training resumes "
                      "with a fresh optimizer (iterations 0).", OptimizerStateWarning, stacklevel=4)
        return
    build_optimizer(model)
    parts = _trained_parts(model)
    head = LOSS_SCALE if wrapper is not opt else []  # (the wrapper's own, read with the rest)
    names = head + _scalars(opt) + [name for group_names in groups for _ in parts for name in group_names]
    shapes = [()] * len(head + _scalars(opt)) + [shape for group_names in groups for _, shape in parts
                                                 for _ in group_names]
    if type(opt).__name__ == "Nadam" and not head:  # (inside a LossScaleOptimizer Keras has none: from the steps)
        names, shapes = names + ["u_product"], shapes + [()]
    # a mixed_float16 model's (Keras's compile wraps the optimizer in a LossScaleOptimizer): the wrapper's
    # iterations, learning rate, step counter and scale first, then the inner optimizer's, which are read
    offset = 4 if not head and len(group) == len(names) + 4 and _loss_scale_entries(group, h5py, get, path) else 0
    # a compiled model's that never trained (a LossScaleOptimizer's: its and its inner optimizer's iterations and
    # rate): a fresh optimizer, nothing to say
    if len(group) in (len(_scalars(opt)), len(_scalars(opt)) + 2):
        return
    if len(group) != len(names) + offset:
        warnings.warn(f"The optimizer's state in the Keras file {path!r} is not read: its {GROUP} holds "
                      f"{len(group)} arrays, but {type(wrapper).__name__} keeps {len(names)} for this model's "
                      f"{len(parts)} trainable weights ({', '.join(dict.fromkeys(names))}); training resumes with a "
                      "fresh optimizer (iterations 0), as in Keras.", OptimizerStateWarning, stacklevel=4)
        return
    values = []
    for i, (name, shape) in enumerate(zip(names, shapes)):
        dataset = get(group, str(i + offset), h5py, path, "model.weights.h5")
        where = f"model.weights.h5: {GROUP}/{i + offset} (the optimizer's {name})"
        if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "fiu" or dataset.shape is None:
            fail(path, f"{where} is not an array of numbers (load_model(path, compile=False) loads the model "
                       "without its optimizer).")
        check_storage(dataset, h5py, where, path)
        if tuple(dataset.shape) != tuple(shape):
            fail(path, f"{where} has shape {tuple(dataset.shape)}; the model's weight needs {tuple(shape)} (the file's "
                       "optimizer state is not this model's; load_model(path, compile=False) loads it without).")
        values.append(np.asarray(dataset[()]))
    first = offset + len(head)  # the inner optimizer's iterations
    steps = values[len(head)]
    if steps.dtype.kind not in "iu" or not 0 <= int(steps) < 2**63:
        fail(path, f"model.weights.h5: {GROUP}/{first} (the optimizer's iterations) is {steps.item()!r:.60}, not a "
                   "non-negative integer.")
    warn_non_finite(path, "optimizer state", [(f"{GROUP}/{i + offset} ({name})", v) for i, (name, v)
                                              in enumerate(zip(names, values))])
    if head:
        counter, scale = values[2], values[3]
        try:
            if counter.dtype.kind not in "iu":
                raise ValueError(f"step_counter must be a non-negative integer. Received: {counter.item()!r:.60}")
            wrapper.set_scalars({"step_counter": int(counter), "dynamic_scale": float(scale)})
        except ValueError as exc:
            fail(path, f"model.weights.h5: {GROUP}/2 and 3 (the LossScaleOptimizer's step_counter and dynamic_scale): "
                       f"{exc}")
    slots = iter(values[len(head + _scalars(opt)):])
    for group_names in groups:
        for part, _ in parts:
            for name in group_names:
                opt.state[name][part] = from_numpy(next(slots).reshape(-1))
    opt._iterations = int(steps)
    # the file's rate where it is not the config's rounded to the file's dtype (a callback changed it): a float32
    # file's 0.001 is 0.0010000000475, which would have replaced the config's 0.001
    rate = values[len(head) + 1]
    if "learning_rate" in _scalars(opt) and rate != np.asarray(opt._rate(), dtype=rate.dtype):
        try:
            opt.learning_rate = float(rate)
        except (TypeError, ValueError) as exc:
            fail(path, f"model.weights.h5: {GROUP}/{first + 1} (the optimizer's learning_rate): {exc}")
    if type(opt).__name__ == "Nadam":
        opt._products = (opt.iterations, float(next(slots))) if not head else (0, 1.0)


def _loss_scale_entries(group, h5py, get, path):
    """Whether ``group``'s third and fourth entries are a LossScaleOptimizer's step counter and scale."""
    counter, scale = (get(group, key, h5py, path, "model.weights.h5") for key in ("2", "3"))
    return all(isinstance(d, h5py.Dataset) and d.shape == () and d.dtype.kind == kind
               for d, kind in ((counter, "i"), (scale, "f")))
