"""The pass of :meth:`~glassnet.models.Sequential.input_gradients` and
:meth:`~glassnet.models.Sequential.output_gradients`: differentiated down to the inputs, changing nothing."""

import contextlib

from .. import backend
from ..threads import model_lock


@contextlib.contextmanager
def _down_to_the_inputs(model):
    """A pass of ``model`` differentiated down to its inputs (every layer computes its dX, the first too), one at a
    time, that changes nothing: batch-norm moving statistics, dropout generators and what each layer computes are
    put back after (:meth:`Backprop.input_gradients`, :meth:`Backprop.output_gradients`)."""
    from ..trace import _restore_side_effects, _save_side_effects

    with model_lock(model).exclusive:
        saved, needs = _save_side_effects(model), [layer.needs_input_gradient for layer in model._layers]
        try:
            for layer in model._layers:
                layer.needs_input_gradient = True
            yield
        finally:
            _restore_side_effects(saved)
            for layer, need in zip(model._layers, needs):
                layer.needs_input_gradient = need


def _input_gradient(model, dX, what):
    """The gradient ``dX`` of the inputs as a NumPy array, or the TypeError of a first layer that takes integer
    inputs (an Embedding's ids, a CategoryEncoding's categories), which have none."""
    if dX is None:
        first = model._layers[0]
        raise TypeError(f"{what}: the first layer, {first.name!r} ({type(first).__name__}), takes integer inputs, "
                        "which have no gradient.")
    return backend.numpy_copy(dX)
