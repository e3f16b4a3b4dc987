"""Keras 3 ``.keras`` files of glassnet models, written (:func:`save_keras`, ``model.export(format="keras")``):
the Keras config of each model and layer (:func:`keras_config`) and the archive around it.

A ``.keras`` file is a zip archive::

    config.json         {"class_name": "Sequential", "config": {...}, "compile_config": {...}}
    metadata.json       {"keras_version": "3.15.1", "date_saved": ...}
    model.weights.h5    HDF5: layers/<name>/vars/0, 1, ... (each layer's variables, in its order)

``<name>`` is the layer's class in snake case, numbered per class in the model's order
(``dense``, ``batch_normalization``, ``dense_1``), as Keras's ``saving_lib`` writes it; the
variables are the trainable ones then the others, which is glassnet's ``weight_names`` order
(Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean, moving_variance;
LayerNormalization and GroupNormalization: gamma, beta; RMSNormalization: scale; Normalization:
mean, variance, count). A wrapper (SpectralNormalization) keeps the kernel it tracks and ``u`` under
``vars`` and the wrapped layer's kernel and bias (an Embedding's table) under ``layers/<name>/layer/vars``
(:func:`.keras_weights.h5_layout`).

The other concepts of Keras's files live beside this module: reading a ``.keras`` file into glassnet
(``load_model``; its safety checks, functional chains, compile settings) in :mod:`.keras_reading`, the
HDF5 weights (the layout above, read and written, and ``.weights.h5`` files) in :mod:`.keras_weights`,
and a compiled model's optimizer state (``optimizer/vars``) in :mod:`.keras_optimizer`.
:class:`UncompiledWarning`, which the reader warns with, stays here under its documented name.
"""

import datetime
import inspect
import json
import os
import zipfile

import numpy as np

from .. import _custom_objects, activations, initializers, losses, metrics as metrics_module, optimizers, schedules
from .._io import zip_members
from .._validation import check_path
from ..layers.base import Layer, snake_case
from ..layers.input_layer import input_layer_name
from . import keras_optimizer
from .keras_weights import CONFIG, KEEP_CUSTOM_WEIGHTS, METADATA, WEIGHTS, _h5py, _weights_file
from .nesting import nested_items
from .saving import CONFIG_NAME


class UncompiledWarning(UserWarning):
    """A Keras file loaded without its compile settings, which do not map onto glassnet's
    built-ins; ``reason`` is why (e.g. "Unknown loss 'my_own_loss'. Valid names: ..."), and
    ``advice`` the message's closing sentence, which the command line replaces with its own."""

    def __init__(self, message, reason="", advice=""):
        super().__init__(message)
        self.reason, self.advice = reason, advice


# -- writing ---------------------------------------------------------------------------
#: the Keras version the files are written as (the layout and configs are Keras 3.15's)
KERAS_VERSION = "3.15.1"

#: glassnet's activations that are Keras's functions of that name, with the settings each
#: must have: a Keras config names a function without arguments, so a Sigmoid of steepness
#: 2, or a LeakyReLU of slope 0.01 (Keras's leaky_relu has 0.2), has no Keras name
_ACTIVATIONS = {
    "Linear": ("linear", {}), "Sigmoid": ("sigmoid", {"steepness": 1.0}), "Tanh": ("tanh", {}),
    "ReLU": ("relu", {}), "GeneralReLU": ("relu", {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}),
    "LeakyReLU": ("leaky_relu", {"negative_slope": 0.2}), "Softplus": ("softplus", {}),
    "ELU": ("elu", {"alpha": 1.0}), "SELU": ("selu", {}), "GELU": ("gelu", {"approximate": False}),
    "SiLU": ("silu", {}), "Mish": ("mish", {}), "ReLU6": ("relu6", {}), "HardSigmoid": ("hard_sigmoid", {}),
    "HardSiLU": ("hard_silu", {}), "Exponential": ("exponential", {}), "Softsign": ("softsign", {}),
    "Softmax": ("softmax", {"beta": 1.0, "axis": -1}), "LogSoftmax": ("log_softmax", {"axis": -1}),
    "CELU": ("celu", {"alpha": 1.0}), "HardShrink": ("hard_shrink", {"threshold": 0.5}), "HardTanh": ("hard_tanh", {}),
    "LogSigmoid": ("log_sigmoid", {}), "SoftShrink": ("soft_shrink", {"threshold": 0.5}),
    "SparsePlus": ("sparse_plus", {}), "SparseSigmoid": ("sparse_sigmoid", {}), "Squareplus": ("squareplus", {"b": 4.0}),
    "TanhShrink": ("tanh_shrink", {}),
}

#: glassnet's activations of a Keras name that a Keras file cannot carry, and why
_NO_KERAS_FORM = {
    "Sparsemax": "Keras 3.15's sparsemax takes its threshold from the sum of the cumulative sums over the support, "
                 "not the simplex projection glassnet computes: Keras would give other outputs wherever two or more "
                 "are non-zero",
    "Threshold": "Keras's threshold(x, threshold, default_value) has no defaults, and a Keras config names a function "
                 "without arguments",
}

#: glassnet's losses that Keras has: their Keras name and the settings of glassnet's own
#: that must keep their default (Keras's loss has no such setting)
_LOSSES = {
    "MeanSquaredError": ("mean_squared_error", {}), "MeanAbsoluteError": ("mean_absolute_error", {}),
    "MeanAbsolutePercentageError": ("mean_absolute_percentage_error", {}),
    "MeanSquaredLogarithmicError": ("mean_squared_logarithmic_error", {}),
    "Huber": ("huber", {}), "Hinge": ("hinge", {"margin": 1.0}), "Poisson": ("poisson", {}),
    "LogCosh": ("log_cosh", {}), "KLDivergence": ("kl_divergence", {}), "CosineSimilarity": ("cosine_similarity", {}),
    "SquaredHinge": ("squared_hinge", {}), "CategoricalHinge": ("categorical_hinge", {}),
    "BinaryCrossentropy": ("binary_crossentropy", {"epsilon": 1e-7}),
    "CategoricalCrossentropy": ("categorical_crossentropy", {"epsilon": 1e-7}),
    "SparseCategoricalCrossentropy": ("sparse_categorical_crossentropy", {"epsilon": 1e-7}),
    "Dice": ("dice", {}), "Tversky": ("tversky", {}),
    "BinaryFocalCrossentropy": ("binary_focal_crossentropy", {"epsilon": 1e-7}),
    "CategoricalFocalCrossentropy": ("categorical_focal_crossentropy", {"epsilon": 1e-7}),
    "CategoricalGeneralizedCrossEntropy": ("categorical_generalized_cross_entropy", {}),
    "Circle": ("circle", {}),
}
#: Keras losses whose name Keras's losses.get does not know: written as objects even at their defaults
_LOSSES_AS_OBJECTS = {"CategoricalGeneralizedCrossEntropy"}

#: metric names that Keras's compile takes as glassnet does (glassnet's others are its own)
_METRIC_NAMES = {
    "accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mae", "mse", "mape", "msle",
    "mean_absolute_error", "mean_squared_error", "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "hinge",
    "squared_hinge", "categorical_hinge", "poisson", "kl_divergence", "log_cosh_error", "cosine_similarity",
    "bce", "BCE", "f_beta_score", "binary_io_u", "true_positives", "false_positives", "true_negatives",
    "false_negatives", "pearson_correlation", "concordance_correlation", "auc", "precision", "recall", "f1_score",
    "r2_score", "root_mean_squared_error",
}

def save_keras(model, filepath, overwrite=None):
    """Write the built glassnet :class:`Sequential` ``model`` to ``filepath`` as a Keras 3
    ``.keras`` file, which ``keras.saving.load_model`` loads and predicts with as glassnet
    does (and glassnet's ``load_model`` reads back).

    The file holds the architecture (an ``InputLayer`` of the model's input shape, then each
    layer's Keras config), the weights (``model.weights.h5``, laid out as Keras's ``saving_lib``
    writes it) and, for a compiled model, the compile settings: loss, optimizer with its
    hyperparameters, metrics, and the optimizer's state (iterations, learning rate, moments)
    as Keras writes it, which Keras's ``load_model`` restores (an optimizer whose state has no
    Keras form, Adafactor's or a MultiOptimizer's, is written without it, with a warning).

    What Keras cannot represent is refused with a ValueError that names the layer (or the
    compile setting) and the thing, before anything is written: glassnet's own activations
    (step, sign, bipolar sigmoid, ramp, argmax), a sigmoid's steepness other than 1, settings
    of an activation that Keras's function of that name lacks, custom callables (activations,
    initializers, regularizers, constraints, losses, optimizers, metrics), glassnet's own
    losses, optimizers' and schedules. Save such a model with glassnet's ``model.save`` (or
    export it to ONNX) instead. An unbuilt model is a ValueError; without h5py, an ImportError.

    The write is atomic: ``filepath`` is the old file or the complete new one, never half of one.
    ``overwrite`` (as ``glassnet.onnx.export``'s): None replaces an existing Keras file (or an empty
    file) but refuses any other file named ``.keras``, such as a glassnet model file saved under that
    name, with a FileExistsError; True replaces any file, False none.
    """
    from .._io import atomic_write, check_replace

    h5py = _h5py()
    filepath = check_path(filepath, "filepath")
    if not os.fspath(filepath).endswith(".keras"):  # Keras's load_model takes a zip as its own format by this suffix
        raise ValueError(f"A Keras file's name must end in .keras: keras.saving.load_model reads no other (as Keras's "
                         f"save refuses it). Received: filepath={os.fspath(filepath)!r:.200}")
    overwrite = check_replace(filepath, overwrite, _is_keras_file, "a Keras file (config.json and model.weights.h5)")
    model._ensure_built()
    if not model.built:
        raise ValueError("Cannot write a Keras file of an unbuilt model: its input shape, and so its weights, are "
                         "unknown. Build it first (an Input layer, model.build(input_shape), or fit).")
    config = keras_config(model)
    text = json.dumps(config, allow_nan=False, default=_plain)
    weights = _weights_file(model, h5py, keras_optimizer.state_groups(model, filepath) if model.compiled else [],
                            exported=True)
    metadata = json.dumps({"keras_version": KERAS_VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})

    def write(fh):
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as zf:  # stored, as Keras writes it
            zf.writestr(METADATA, metadata)
            zf.writestr(CONFIG, text)
            zf.writestr(WEIGHTS, weights)

    atomic_write(filepath, write, overwrite=overwrite)


def _is_keras_file(path):
    """A Keras 3 file that :func:`save_keras` replaces by default: a zip of config.json and
    model.weights.h5, and not a glassnet model file (model.json) named .keras."""
    members = zip_members(path)
    return {CONFIG, WEIGHTS} <= members and CONFIG_NAME not in members


def keras_config(model):
    """The ``config.json`` document of a Keras file of the built ``model``: Keras 3's
    Sequential config and, when compiled, its ``compile_config``. Raises ValueError for
    anything Keras cannot represent (see :func:`save_keras`)."""
    layer = model._layer_with_repeated_name()
    if layer is not None:  # renamed after add (layer.name = ...): Keras's Sequential refuses the file
        _refuse(f"layer {layer.name!r} ({type(layer).__name__})", "the name of another of its layers",
                "Rename one of them (its name attribute)")
    from .subclassing import subclass_entry

    entry = subclass_entry(model, keras=True)  # (without glassnet's seed, which Keras's Model does not take)
    if entry is not None:  # a subclass of Model, as Keras writes one: its class's name and get_config
        config = {**entry, "build_config": {"input_shape": list(model.input_shape)}}
    else:
        config = _model_config(model, list(model.input_shape), [0], model._pins)
    if model.compiled:
        config["compile_config"] = _compile_config(model)
    return config


def _model_config(model, shape, inputs, pins):
    """Keras's config of ``model`` on inputs of ``shape`` (with the batch axis): Functional for one
    made by ``Model(inputs, outputs)``, a chain of calls (training=True where ``pins``, the model's
    ``{layer: mode}``, pins a layer or a nested model), else Sequential; a model nested in it is a
    config of its own (Keras's ``get_layer("base")`` after loading). ``inputs``: the count of
    InputLayers so far, which Keras names input_layer, input_layer_1, ..."""
    from .subclassing import nested_keras_entry

    functional = getattr(model, "_functional", False)
    _check_name(model.name, "the model" if inputs == [0] else f"the nested model {model.name!r}")
    name = input_layer_name(model, inputs)
    # the model's dtype, or a float one given to its Input at least as wide, as Keras writes it (Input((3,),
    # dtype="float64") of a float32 model): Keras casts inputs to the InputLayer's dtype, an int32 one's (0.7 -> 0)
    # or a narrower float's, where glassnet computes with them as they are, so the file's model would predict otherwise
    dtype = input_dtype = str(np.dtype(model.dtype))
    given = model._given_input_dtype()
    if given is not None and np.dtype(given).kind == "f" and np.dtype(given).itemsize > np.dtype(dtype).itemsize:
        input_dtype = given
    layer_configs = [_keras_object("keras.layers", "InputLayer", {
        "batch_shape": shape, "dtype": input_dtype, "sparse": False, "ragged": False, "name": name, "optional": False})]
    if functional:
        layer_configs[0].update(name=name, inbound_nodes=[])
    layer_shape = shape
    for item in nested_items(model):
        members = [item] if isinstance(item, Layer) else item.layers
        # a pin to False is what Keras's call given no training does anyway: nothing to write
        pinned = [layer for layer in members if pins.get(layer)]
        # ... but a pin to False over a nested model's own True pins (inner(x, training=False) of a model
        # with Dropout(0.5)(x, training=True)) is: Keras's call then overrides them
        unpinned = [layer for layer in members if pins.get(layer) is False and item is not layer
                    and item._pins.get(layer)]
        off = bool(unpinned) and all(pins.get(layer) is False for layer in members)
        entry = None if isinstance(item, Layer) else nested_keras_entry(item)
        if entry is not None:  # a registered subclass, as Keras writes one: its class, made from its config
            item_config = {**entry, "build_config": {"input_shape": list(layer_shape)}}
            pinned = [layer for layer in pinned if not item._pins.get(layer)]
        elif not isinstance(item, Layer):  # a nested model
            item_config = _model_config(item, layer_shape, inputs, item._pins)
            # its own pins, written in its config (all of them in a Sequential, whose call takes no training)
            if len(pinned) < len(members) or not functional:
                pinned = [layer for layer in pinned if not item._pins.get(layer)]
        else:
            item_config = _layer_config(item, layer_shape)
        if (pinned or unpinned) and not (functional and (len(pinned) == len(members) or off)):
            _refuse(f"layer {(pinned or unpinned)[0].name!r}", f"a call with training={bool(pinned)} in a model "
                    "whose Keras config holds no call arguments (a Sequential one) or of part of a nested model",
                    "Save it with model.save instead")
        if functional:  # (the InputLayer's tensor in its dtype, the layers' in the model's)
            tensor = {"shape": layer_shape, "dtype": dtype if layer_configs[1:] else input_dtype,
                      "keras_history": [name, 0, 0]}
            name = item.name
            item_config.update(name=name, inbound_nodes=[{
                "args": [{"class_name": "__keras_tensor__", "config": tensor}],
                "kwargs": {"training": True} if pinned else {"training": False} if off else {}}])
        layer_configs.append(item_config)
        for layer in members:
            layer_shape = list(layer.compute_output_shape(tuple(layer_shape)))
    if functional:
        return {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
                "config": {"name": model.name, "trainable": bool(model._trainable), "layers": layer_configs,
                           "input_layers": [layer_configs[0]["name"], 0, 0], "output_layers": [name, 0, 0]},
                "build_config": {"input_shape": None}}
    return {
        "module": "keras", "class_name": "Sequential", "registered_name": None,
        "config": {"name": model.name, "trainable": bool(model._trainable), "dtype": _dtype_policy(model),
                   "layers": layer_configs, "build_input_shape": shape},
        "build_config": {"input_shape": shape},
    }


def _refuse(where, what, fix=None):
    """``fix``: what to change so that the model can be written, where there is such a change."""
    fix = f"{fix}, or save" if fix else "Save"
    raise ValueError(f"Cannot write a Keras file: {where} has {what}, which Keras 3 cannot represent. {fix} the "
                     "model with glassnet's own model.save(path) (or export it to ONNX) instead.")


def _check_name(name, where):
    """Keras's layers and models refuse a name with "/" (its separator of weight paths) when loaded."""
    if "/" in name:
        _refuse(where, f"the name {name!r}, whose '/' Keras refuses in a name",
                f"Rename it without '/' (its name attribute, e.g. {name.replace('/', '_')!r})")


def _keras_object(module, class_name, config):
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def _custom(obj, kind):
    """Keras's config of the user's object ``obj`` (with its registered name), or a refusal."""
    try:
        return _custom_objects.serialize(obj, kind)
    except ValueError as exc:
        raise ValueError(f"Cannot write a Keras file: {exc}") from None


def _custom_function(serialize, obj):
    """Keras's config of a registered function (``serialize``: its registry's), or a refusal saying how
    to register it."""
    try:
        return serialize(obj)
    except ValueError as exc:
        raise ValueError(f"Cannot write a Keras file: {str(exc)[0].lower()}{str(exc)[1:]}") from None


def _dtype_policy(obj):
    """Keras's DTypePolicy of a layer or model: its ``dtype_policy``, whose name a mixed policy keeps (a
    ``mixed_float16`` layer computes in float32 here, on float32 weights, as Keras's keeps them), as Keras
    writes it; else its dtype's."""
    return _keras_object("keras", "DTypePolicy", {"name": obj.dtype_policy.name})


def _plain(value):
    """``json.dumps``'s fallback: a NumPy number in a setting as the Python number it is."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _builtin(obj, registry, where, what):
    """Keras's ``{"module", "class_name", "config", ...}`` of the built-in glassnet object ``obj``
    (an initializer, regularizer or constraint: the same classes and settings in Keras);
    None stays None; a user's subclass as Keras writes it (its registered name: a Keras program that
    has the class loads it); anything else (a callable) is refused."""
    if obj is None:
        return None
    kind = registry.__name__.rsplit(".", 1)[1][:-1]  # ("regularizers" -> "regularizer")
    function = _custom_objects.serialize_function(obj)
    if function is not None:  # a registered function (an initializer of the user's), as Keras writes it
        return function
    if _custom_objects.is_custom(obj, kind):
        return _custom(obj, kind)
    name = type(obj).__name__
    if registry.CLASSES.get(name) is not type(obj):
        _refuse(where, f"the custom {what} {obj!r:.80}")
    return _keras_object(f"keras.{registry.__name__.rsplit('.', 1)[1]}", name, registry.serialize(obj)["config"])


def _activation(activation, where, dtype):
    """Keras's name of the glassnet ``activation`` (a custom one's config with its registered
    name; one with settings that Keras's function lacks, the config of Keras's layer that computes it,
    in the DTypePolicy ``dtype``, as Keras writes ``Dense(4, activation=LeakyReLU(negative_slope=0.3))``),
    or a refusal naming ``where``."""
    custom = getattr(activation, "function", activation)  # (an object with a derivative, wrapped)
    if _custom_objects.serialize_function(custom) is not None:  # a registered function, as Keras writes it
        return _custom_objects.serialize_function(custom)
    if _custom_objects.is_custom(custom, "activation"):
        return _custom(custom, "activation")
    name, required = _ACTIVATIONS.get(type(activation).__name__, (None, None))
    why = _NO_KERAS_FORM.get(type(activation).__name__)
    if why is not None and activations.CLASSES.get(type(activation).__name__) is type(activation):
        _refuse(where, f"the activation {activation.name!r} ({why})")
    if name is None or activations.CLASSES.get(type(activation).__name__) is not type(activation):
        label = getattr(activation, "name", None) or repr(activation)
        _refuse(where, f"the activation {label!r} (glassnet's own or a custom one)")
    if activation.get_config() == required:
        return name
    layer = _activation_layer(activation)
    if layer is None:
        settings = ", ".join(f"{key}={value!r}" for key, value in required.items())
        _refuse(where, f"the activation {activation!r} (Keras's {name!r} is {type(activation).__name__}({settings}); "
                       "a Keras config cannot give it other settings)")
    kind, settings = layer
    return _keras_object("keras.layers", kind, {"name": snake_case(kind), "trainable": True, "dtype": dtype, **settings})


def _activation_layer(activation):
    """``(class name, settings)`` of Keras's layer that computes the glassnet ``activation`` (LeakyReLU,
    ELU, GeneralReLU as ReLU, Softmax), with settings it takes (Keras's ReLU refuses negative ones), else None."""
    config = activation.get_config()
    kind = type(activation).__name__
    if kind in ("LeakyReLU", "ELU"):
        return kind, config
    if kind == "GeneralReLU" and all(value is None or value >= 0 for value in config.values()):
        return "ReLU", config
    if kind == "Softmax" and config["beta"] == 1:
        return kind, {"axis": config["axis"]}
    return None


def _layer_config(layer, input_shape):
    """Keras's serialized config of the glassnet ``layer``, built on inputs ``input_shape``
    (with the batch axis)."""
    kind = type(layer).__name__
    where = f"layer {layer.name!r} ({kind})"
    from .. import layers as layers_module

    if _custom_objects.is_custom(layer, "layer"):  # as Keras writes it: a Keras program with the class loads it
        serialized = _custom(layer, "layer")
        serialized["build_config"] = {"input_shape": list(input_shape)}
        return serialized
    if layers_module.LAYERS.get(kind) is not type(layer):
        raise ValueError(f"Cannot write a Keras file: {where} has a custom layer class, which a Keras file can name "
                         f"only with its code: {KEEP_CUSTOM_WEIGHTS}.")
    _check_name(layer.name, where)
    config = {"name": layer.name, "trainable": bool(layer.trainable), "dtype": _dtype_policy(layer)}
    if kind == "Discretization":  # Keras's takes neither trainable nor a DTypePolicy, and writes a dtype's name
        config = {"name": layer.name, "dtype": str(np.dtype(layer.dtype or "float32"))}
    if kind == "SpectralNormalization":  # a wrapper: the wrapped layer's own Keras config inside
        config.update(layer=_layer_config(layer.layer, input_shape), power_iterations=layer.power_iterations)
    else:
        config.update(_LAYER_SETTINGS[kind](layer, where))
    if layer.activity_regularizer is not None and kind != "ActivityRegularization":  # Keras's base Layer writes it
        from .. import regularizers

        config["activity_regularizer"] = _builtin(layer.activity_regularizer, regularizers, where,
                                                  "activity_regularizer")
    serialized = _keras_object("keras.layers", kind, config)
    serialized["build_config"] = {"input_shape": list(input_shape)}
    return serialized


def _initializer(layer, key, where):
    return _builtin(getattr(layer, key), initializers, where, key)


def _dense(layer, where):
    from .. import constraints, regularizers

    return {
        "units": layer.units, "activation": _activation(layer.activation, where, _dtype_policy(layer)),
        "use_bias": layer.use_bias,
        "kernel_initializer": _initializer(layer, "kernel_initializer", where),
        "bias_initializer": _initializer(layer, "bias_initializer", where),
        "kernel_regularizer": _builtin(layer.kernel_regularizer, regularizers, where, "kernel_regularizer"),
        "bias_regularizer": _builtin(layer.bias_regularizer, regularizers, where, "bias_regularizer"),
        "kernel_constraint": _builtin(layer.kernel_constraint, constraints, where, "kernel_constraint"),
        "bias_constraint": _builtin(layer.bias_constraint, constraints, where, "bias_constraint"),
        "quantization_config": None,
    }


def _scale_shift(layer, where):
    """The settings BatchNormalization, LayerNormalization and GroupNormalization share."""
    from .. import constraints, regularizers

    return {
        "epsilon": layer.epsilon, "center": layer.center, "scale": layer.scale,
        "beta_initializer": _initializer(layer, "beta_initializer", where),
        "gamma_initializer": _initializer(layer, "gamma_initializer", where),
        "beta_regularizer": _builtin(layer.beta_regularizer, regularizers, where, "beta_regularizer"),
        "gamma_regularizer": _builtin(layer.gamma_regularizer, regularizers, where, "gamma_regularizer"),
        "beta_constraint": _builtin(layer.beta_constraint, constraints, where, "beta_constraint"),
        "gamma_constraint": _builtin(layer.gamma_constraint, constraints, where, "gamma_constraint"),
    }


def _batch_normalization(layer, where):
    return {"axis": layer.axis, "momentum": layer.momentum, **_scale_shift(layer, where),
            "moving_mean_initializer": _initializer(layer, "moving_mean_initializer", where),
            "moving_variance_initializer": _initializer(layer, "moving_variance_initializer", where),
            "synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99}


def _normalization(layer, where):
    given = layer.input_mean is not None
    # Keras keeps axis=None as () and writes it as []
    return {"axis": [] if layer.axis is None else [layer.axis], "invert": layer.invert,
            "mean": layer.input_mean.tolist() if given else None,
            "variance": layer.input_variance.tolist() if given else None}


def _flatten(layer, where):
    return {"data_format": layer.data_format or "channels_last"}


def _prelu(layer, where):
    from .. import constraints, regularizers

    return {"alpha_initializer": _initializer(layer, "alpha_initializer", where),
            "alpha_regularizer": _builtin(layer.alpha_regularizer, regularizers, where, "alpha_regularizer"),
            "alpha_constraint": _builtin(layer.alpha_constraint, constraints, where, "alpha_constraint"),
            "shared_axes": layer.shared_axes}


def _embedding(layer, where):
    from .. import constraints, regularizers

    return {"input_dim": layer.input_dim, "output_dim": layer.output_dim,
            "embeddings_initializer": _initializer(layer, "embeddings_initializer", where),
            "embeddings_regularizer": _builtin(layer.embeddings_regularizer, regularizers, where,
                                               "embeddings_regularizer"),
            "activity_regularizer": _builtin(layer.activity_regularizer, regularizers, where, "activity_regularizer"),
            "embeddings_constraint": _builtin(layer.embeddings_constraint, constraints, where, "embeddings_constraint"),
            "mask_zero": False, "quantization_config": None}


#: each glassnet layer's Keras settings (beyond name, trainable and dtype)
_LAYER_SETTINGS = {
    "Dense": _dense,
    "Activation": lambda layer, where: {"activation": _activation(layer.activation, where, _dtype_policy(layer))},
    "ReLU": lambda layer, where: {"max_value": layer.max_value, "negative_slope": layer.negative_slope,
                                  "threshold": layer.threshold},
    "LeakyReLU": lambda layer, where: {"negative_slope": layer.negative_slope},
    "ELU": lambda layer, where: {"alpha": layer.alpha},
    "Softmax": lambda layer, where: {"axis": layer.axis},
    "Dropout": lambda layer, where: {"rate": layer.rate, "seed": layer.seed, "noise_shape": layer.noise_shape},
    "GaussianNoise": lambda layer, where: {"stddev": layer.stddev, "seed": layer.seed},
    "GaussianDropout": lambda layer, where: {"rate": layer.rate, "seed": layer.seed},
    "BatchNormalization": _batch_normalization,
    "LayerNormalization": lambda layer, where: {"axis": layer.axis if isinstance(layer.axis, list) else [layer.axis],
                                                **_scale_shift(layer, where),
                                                "rms_scaling": False},
    "RMSNormalization": lambda layer, where: {"axis": [layer.axis], "epsilon": layer.epsilon},
    "GroupNormalization": lambda layer, where: {"groups": layer.groups, "axis": layer.axis,
                                                **_scale_shift(layer, where)},
    "Normalization": _normalization,
    "Rescaling": lambda layer, where: {"scale": layer.scale, "offset": layer.offset},
    "Flatten": _flatten,
    "Reshape": lambda layer, where: {"target_shape": list(layer.target_shape)},
    "Permute": lambda layer, where: {"dims": list(layer.dims)},
    **dict.fromkeys(("GlobalAveragePooling1D", "GlobalMaxPooling1D"),
                    lambda layer, where: {"data_format": layer.data_format, "keepdims": layer.keepdims}),
    "PReLU": _prelu,
    "Embedding": _embedding,
    "AlphaDropout": lambda layer, where: {"rate": layer.rate, "seed": layer.seed,
                                         "noise_shape": None if layer.noise_shape is None else list(layer.noise_shape)},
    "Identity": lambda layer, where: {},
    "ActivityRegularization": lambda layer, where: {"l1": layer.l1, "l2": layer.l2},
    "UnitNormalization": lambda layer, where: {"axis": layer.axis},
    "CategoryEncoding": lambda layer, where: {"num_tokens": layer.num_tokens, "output_mode": layer.output_mode},
    "Discretization": lambda layer, where: {"bin_boundaries": layer.bin_boundaries, "num_bins": layer.num_bins,
                                            "epsilon": layer.epsilon, "output_mode": layer.output_mode,
                                            "sparse": False},
}


def _compile_config(model):
    """Keras's ``compile_config`` of the compiled ``model``, or a refusal naming the setting."""
    return {
        "optimizer": _optimizer(model.optimizer),
        "loss": _loss(model.loss),
        "loss_weights": None if model._loss_weight == 1 else model._loss_weight,  # (a float: Keras refuses an int)
        "metrics": _metrics(model._metric_ids, "metrics") or None,
        "weighted_metrics": _metrics(getattr(model, "_weighted_metric_ids", []), "weighted_metrics") or None,
        "run_eagerly": False, "steps_per_execution": 1,
        "jit_compile": "auto",  # Keras's XLA choice, not glassnet's own compiled loops
    }


def _optimizer(optimizer):
    kind = type(optimizer).__name__
    where = f"the compiled optimizer ({kind})"
    if optimizers.CLASSES.get(kind) is not type(optimizer):
        _refuse("the model", f"the custom optimizer {optimizer!r:.80}")
    if kind == "Rprop":  # (written as keras.optimizers.Rprop, the file failed in Keras's load_model)
        _refuse("the model", "the optimizer Rprop (glassnet's own: Keras has no Rprop)",
                "Compile it with one of Keras's optimizers (e.g. Adam) before exporting")
    config = optimizers.serialize(optimizer)["config"]
    if kind == "LossScaleOptimizer":  # the inner optimizer in Keras's form too
        return _keras_object("keras.optimizers", kind, {**config, "inner_optimizer": _optimizer(optimizer.inner_optimizer)})
    if kind == "MultiOptimizer":  # the map and each sub-optimizer in Keras's form too
        opt_map = optimizer.optimizer_map
        inner = {"default_optimizer": _optimizer(opt_map.default_optimizer),
                 "optimizer_map": {key: _optimizer(value) for key, value in opt_map.items()}}
        return _keras_object("keras.optimizers", kind, {**config, "name": optimizer.name,
                                                        "optimizer_map": _keras_object("keras.optimizers",
                                                                                       "OptimizerMap", inner)})
    if kind == "GradientDescent":  # the lectures' plain gradient descent: Keras's SGD without momentum
        kind, config = "SGD", {**config, "momentum": 0.0, "nesterov": False}
    rate = config["learning_rate"]
    if isinstance(rate, dict) and rate.get("class_name") not in schedules.KERAS_CLASSES:  # (written in Keras's form)
        _refuse(where, f"the learning-rate schedule {rate.get('class_name')!r} (glassnet's own)")
    config.setdefault("name", snake_case(kind))
    return _keras_object("keras.optimizers", kind, config)


def _loss(loss):
    if _custom_objects.is_custom(loss, "loss"):
        return _custom(loss, "loss")
    if isinstance(loss, losses.FunctionLoss):  # a registered function, as Keras writes it
        return _custom_function(losses.serialize, loss)
    kind = type(loss).__name__
    name, required = _LOSSES.get(kind, (None, None))
    if name is None or losses.CLASSES.get(kind) is not type(loss):
        _refuse("the model", f"the loss {getattr(loss, 'name', loss)!r} ({kind}: glassnet's own or a custom one)")
    config = loss.get_config()
    for key, value in required.items():
        if getattr(loss, key) != value:
            _refuse("the model", f"the loss {kind} with {key}={getattr(loss, key)!r} (Keras's has no {key}; "
                                 f"only {value!r})")
    config = {key: value for key, value in config.items() if key not in required}
    if config == type(loss)().get_config() and kind not in _LOSSES_AS_OBJECTS:  # as compile(loss="mse")
        return name
    return _keras_object("keras.losses", kind, {"name": loss.name, "reduction": loss.reduction, **config})


def _metrics(ids, key):
    """Keras's list of the metrics ``ids`` (as compile was given them): names Keras knows as
    they are, built-in metric objects as Keras's objects of the same class."""
    written = []
    for metric in ids:
        if isinstance(metric, str):
            if metric not in _METRIC_NAMES:
                _refuse(f"the model's {key}", f"the metric {metric!r} (glassnet's own name)")
            written.append(metric)
            continue
        kind = type(metric).__name__
        if metrics_module.function_config(metric):  # as Keras writes compile(metrics=[binary_accuracy])
            written.append(metrics_module.function_config(metric))
            continue
        if inspect.isfunction(metric):
            written.append(_custom_function(metrics_module.serialize, metric))  # as Keras writes it
            continue
        if _custom_objects.is_custom(metric, "metric"):
            written.append(_custom(metric, "metric"))
            continue
        if getattr(metrics_module, "CLASSES", {}).get(kind) is not type(metric):
            label = getattr(metric, "name", None) or getattr(metric, "__name__", None) or repr(metric)
            _refuse(f"the model's {key}", f"the custom metric {label!r}")
        written.append(_keras_object("keras.metrics", kind, metrics_module.serialize(metric)["config"]))
    return written
