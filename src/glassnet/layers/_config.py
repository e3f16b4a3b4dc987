"""A layer's config (``get_config``/``from_config``): its nested activation, initializers,
regularizers and constraints as a file or :func:`in_memory_configs` holds them, and Keras's
default layer names."""

import contextlib
import contextvars
import inspect
import json
import re
import warnings

from .. import activations, constraints, initializers, regularizers
from .._registry import keras_arrays


#: set by :func:`in_memory_configs`: get_config keeps objects instead of serializing them
_IN_MEMORY = contextvars.ContextVar("glassnet_in_memory_configs", default=False)


@contextlib.contextmanager
def in_memory_configs():
    """Within this block a layer's ``get_config`` holds its activation, initializers
    and regularizers as the objects themselves, custom ones included (what
    ``clone_model`` rebuilds from); outside it, their JSON configs for a file."""
    token = _IN_MEMORY.set(True)
    try:
        yield
    finally:
        _IN_MEMORY.reset(token)


def config_entry(obj, serialize):
    """``obj`` as a layer config holds it: None, the object itself inside
    :func:`in_memory_configs`, else ``serialize(obj)``."""
    if obj is None or _IN_MEMORY.get():
        return obj
    return serialize(obj)


def initializer_entries(layer, keys):
    """The initializers ``keys`` of ``layer`` as its config holds them (see :func:`config_entry`); a
    custom one (a class, or a registered function) by its registered name, as Keras's; one a file cannot
    hold (an unregistered function) is left out of it with a warning (the weights it drew are saved)."""
    return training_entries(layer, keys, initializers, after="Its weights are saved; the loaded layer has its default.")


def training_entries(layer, keys, module, keep_unset=False, after=None):
    """The regularizers or constraints ``keys`` of ``layer`` (their registry ``module``) as its
    config holds them (see :func:`config_entry`); a custom one by its registered name, as Keras's.
    They shape further training only, so one a file cannot hold is left out of it with a warning
    that says why (the serialize error: an unregistered function, a get_config that misses an argument)
    and then ``after`` (by default, to set it again after load_model): the weights are saved, and a
    ModelCheckpoint keeps working. ``keep_unset``:
    unset and left-out ones appear as None (Dense's regularizers, as Keras lists them), else
    they are left out."""
    entries = {}
    for key in keys:
        obj = getattr(layer, key)
        try:
            entry = config_entry(obj, module.serialize)
            if not _IN_MEMORY.get():
                json.dumps(entry, allow_nan=False)  # (a file holds JSON only)
        except (TypeError, ValueError) as exc:
            from ..models.divergence import user_stacklevel  # (the models import this module)
            code = "a model file holds no code. " if inspect.isfunction(getattr(obj, "function", obj)) else ""
            then = after or f"After load_model, set layer.{key} again to keep it."
            warnings.warn(f"The {key} {obj!r:.80} of layer {layer.name!r} is not saved: {code}{exc} {then}",
                          UserWarning, stacklevel=user_stacklevel())
            entry = None
        if entry is not None or keep_unset:
            entries[key] = entry
    return entries


#: objects nested in a layer config, each created from its saved dict by its own registry
_NESTED = (("activation", activations), ("activity_regularizer", regularizers),
           ("kernel_regularizer", regularizers), ("bias_regularizer", regularizers),
           ("kernel_initializer", initializers), ("bias_initializer", initializers),
           ("beta_initializer", initializers), ("gamma_initializer", initializers),
           ("beta_regularizer", regularizers), ("gamma_regularizer", regularizers),
           ("moving_mean_initializer", initializers), ("moving_variance_initializer", initializers),
           ("kernel_constraint", constraints), ("bias_constraint", constraints),
           ("beta_constraint", constraints), ("gamma_constraint", constraints),
           ("alpha_initializer", initializers), ("alpha_regularizer", regularizers), ("alpha_constraint", constraints),
           ("embeddings_initializer", initializers), ("embeddings_regularizer", regularizers),
           ("embeddings_constraint", constraints))


def deserialize_nested(config):
    """A copy of the layer config ``config`` with its nested activation, initializer and
    regularizer dicts created from their own registries (nothing else is created), and Keras's
    serialized NumPy arrays as lists (:func:`~glassnet._registry.keras_arrays`)."""
    config = keras_arrays(config)
    for key, registry in _NESTED:
        if isinstance(config.get(key), dict):
            config[key] = registry.deserialize(config[key])
    return config


def snake_case(name):
    """Keras's ``naming.to_snake_case``: ``BatchNormalization`` -> ``batch_normalization``, ``ReLU`` ->
    ``re_lu``: a layer's default name, and its group in a Keras weights file."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
