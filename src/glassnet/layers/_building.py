"""Building a layer for a shape: the sample shape ``build`` takes, and when a built layer may be
built again for another (a weight-free layer in no model); a layer of yours whose attributes hold
layers with weights it does not track is refused here (``Layer._refuse_untracked_layers``)."""

from .._validation import check_shape, sized_by
from ..backend import make_rng


def sample_shape(input_shape):
    """The shape of one sample, as a layer's ``build`` takes it: ``(784,)``; Keras's
    ``(None, 784)`` with the batch axis, and a bare ``784``, are read the same way."""
    if isinstance(input_shape, (tuple, list)) and len(input_shape) > 1 and input_shape[0] is None:
        input_shape = input_shape[1:]
    return check_shape(input_shape, "input_shape")


def in_model(layer):
    """Whether a live model holds ``layer`` (set when the model binds its layers' weights)."""
    owner = getattr(layer, "_owner", None)
    return owner is not None and owner() is not None


def follows_shape(layer):
    """Whether ``layer`` may be built again for another input shape, as Keras's weight-free layers
    take any: it has no weights, and no model whose layers must agree on shapes holds it."""
    return not layer.weights and not in_model(layer)


def build_layer(layer, input_shape):
    """Build ``layer`` for samples of shape ``input_shape``; a random layer without a
    seed of its own (dropout) gets a generator drawn from the global one, as
    initializers are. A layer built before keeps its weights, as Keras, and must
    have been built for this shape, unless it has none and is in no model
    (:func:`follows_shape`): then it is built again for this one."""
    input_shape = tuple(input_shape)
    if layer.built and layer.input_shape is None:  # built with no input shape (Embedding.build()): it takes this one
        layer.input_shape, layer.output_shape = input_shape, layer.sample_output_shape(input_shape)
    if layer.built and tuple(layer.input_shape) != input_shape and follows_shape(layer):
        layer.built = False
    if layer.built:
        if tuple(layer.input_shape) != input_shape:
            raise ValueError(
                f"Layer {layer.name!r} ({type(layer).__name__}) was built for inputs of shape "
                f"{tuple(layer.input_shape)}, but here it receives {input_shape}. Use a new layer, or "
                "glassnet.models.clone_model for a copy."
            )
        layer._refuse_untracked_layers()  # (built alone, then given to a model)
        return
    units = f", units={layer.units}" if hasattr(layer, "units") else ""
    with sized_by(f"Layer {layer.name!r} ({type(layer).__name__}{units}) for inputs of shape {input_shape}"):
        layer.build(input_shape)
    layer._refuse_untracked_layers()
    draw_rng(layer)


def draw_rng(layer):
    """Give a layer whose noise has no seed of its own (dropout) a generator drawn from the global one."""
    if getattr(layer, "rng", None) is not None and getattr(layer, "seed", 0) is None:
        layer.rng = make_rng(None)

