"""Keras 3 ``.keras`` files read into glassnet (``load_model``): Sequential models, functional
models whose layers form one chain (read as the Sequential of those layers, :func:`functional_chain`)
and registered subclasses of Model.

The archive's ``config.json`` is checked before anything is built (its JSON, the architecture's
size against the weights file's, a TF-Keras 2 hard_sigmoid); the weights are read from
``model.weights.h5`` by :mod:`.keras_weights`, and Keras's compile settings and optimizer state
become glassnet's when they map onto its built-ins (:func:`_compile`; otherwise the model loads
uncompiled with an :class:`~.keras_files.UncompiledWarning`). Writing is :mod:`.keras_files`.

Safety, as for glassnet's own files: nothing is unpickled or run (the HDF5 file is read with
h5py, whose datasets are plain arrays; ``class_name`` values name only glassnet's built-in
layers, losses, optimizers and metrics, or classes registered or passed), the architecture's
size is checked against the file's before anything is built, and every array's shape before
the model changes.
"""

import io
import json
import os
import warnings

import numpy as np

from .. import _custom_objects, initializers, losses, metrics as metrics_module, optimizers
from .._io import unique_keys
from ..backend import standardize_dtype
from ..layers.input_layer import given_input_name
from . import keras_optimizer
from .compiled_metrics import _loss_weight
from .divergence import user_stacklevel
from .keras_files import UncompiledWarning
from .keras_weights import CONFIG, METADATA, WEIGHTS, _check_storage, _get, _h5py, _read_weights
from .nesting import flatten_keras
from .saving import (MAX_CONFIG_BYTES, MAX_EXPANSION, MAX_LAYERS, UNCOMPILED, _check_derived_size, _fail,
                     _read_member, _too_large_to_compile, check_custom_settings, warn_non_finite,
                     weight_names)


def load_keras_file(zf, path, compile=True):
    """The glassnet :class:`Sequential` of the Keras 3 ``.keras`` archive ``zf`` (opened from
    ``path``), with its weights; compiled when ``compile`` and Keras's compile settings map
    onto glassnet's built-in loss, optimizer and metrics (otherwise uncompiled, with a warning)."""
    from .persistence import _input_and_layers
    from .sequential import Sequential

    h5py = _h5py()
    config = _read_json(zf, CONFIG, path)
    if not isinstance(config, dict):
        _fail(path, f"its {CONFIG} is not a JSON object.")
    _refuse_keras2_hard_sigmoid(zf, config, path)
    if '"activation": "sparsemax"' in json.dumps(config):
        _fail(path, "it uses Keras's sparsemax, whose outputs differ from the simplex projection glassnet's "
                    "sparsemax computes wherever two or more are non-zero (Keras 3.15 takes the threshold from "
                    "the sum of the cumulative sums); replace the activation.")
    kind = config.get("class_name")
    spec = config.get("config")
    if kind == "Functional":
        try:
            spec = {**functional_chain(spec), "functional": True}  # paths without a model scope
        except ValueError as exc:
            _fail(path, f"{exc}" + ("" if isinstance(exc, SeveralEndpoints) else " Rebuild it as keras.Sequential([...])."))
    elif kind != "Sequential" and isinstance(config, dict) and _custom_objects.find(config, "model") is not None:
        return _load_subclass(zf, path, config, compile)
    elif kind != "Sequential":
        named = config.get("registered_name") if isinstance(config.get("registered_name"), str) else kind
        _fail(path, f"it holds a Keras {kind!r} model, a subclass of Model, whose class glassnet does not know: "
                    f"define it as a glassnet subclass of Model and register it under {named!r:.100} or pass it, "
                    f"load_model(path, custom_objects={{{named!r:.100}: {kind!s:.100}}}); or rebuild it as "
                    "keras.Sequential([...]).")
    try:
        spec = flatten_keras(spec)  # Keras's models among its layers (Sequential([base, Dense(1)])): nested
    except ValueError as exc:
        _fail(path, f"{exc} Rebuild it as keras.Sequential([...]).")
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list) or not spec["layers"]:
        _fail(path, f"its {CONFIG} lists no layers.")
    if len(spec["layers"]) > MAX_LAYERS:
        _fail(path, f"it describes {len(spec['layers'])} layers; at most {MAX_LAYERS} are read.")
    try:
        input_shape, layer_configs = _input_and_layers(spec, spec["layers"])
        if input_shape is None:
            _fail(path, "its model has no input shape (it was never built in Keras), so it holds no weights.")
        stored, wanted = _check_size(zf, input_shape, layer_configs, spec.get("dtype"), path)
        data = _read_member(zf, WEIGHTS, stored, path)
        if wanted > len(data):  # the size the zip's directory declares is a number a file can forge
            _fail(path, f"its architecture needs {wanted:,} bytes of weights, more than its {WEIGHTS} "
                        f"({len(data):,} bytes) holds.")
        # the file's weights replace the first ones (not drawn); the generators of shuffling and
        # dropout, which the file has not, come from the global one as in Sequential.from_config
        with initializers._drawing_nothing():
            model = Sequential.from_config(spec)
        with h5py.File(io.BytesIO(data), "r") as h5:
            try:
                weights, _ = _read_weights(h5, model, h5py, path)
            except (KeyError, TypeError, AttributeError) as exc:  # a dangling link, an empty dataset: not config.json
                _fail(path, f"its {WEIGHTS} is malformed ({type(exc).__name__}: {str(exc)[:300]}).")
        model.set_weights(weights)
    except (KeyError, TypeError, AttributeError, OverflowError) as exc:
        _fail(path, f"its {CONFIG} is malformed ({type(exc).__name__}: {str(exc)[:300]}).")
    except RecursionError:  # (a RuntimeError) config.json's objects nested too deeply: load_model says so
        raise
    except (OSError, RuntimeError) as exc:  # h5py: not an HDF5 file, truncated; RuntimeError: damaged inside
        # (HDF5's errors h5py maps to no class of its own: "wrong B-tree signature", "bad local heap")
        _fail(path, f"its {WEIGHTS} is not a readable HDF5 file ({str(exc)[:200]}).")
    except ValueError as exc:
        if str(exc).startswith("Cannot load model file"):
            raise
        _fail(path, str(exc)[:500])  # an unknown layer, a bad setting: said of this file
    warn_non_finite(path, "weights", zip(weight_names(model), weights))  # (a file that loads)
    if compile and config.get("compile_config"):
        _compile(model, config["compile_config"], path, data, h5py)
    return model


def _load_subclass(zf, path, config, compile):
    """The subclass of Model a Keras file names, its class registered or passed: made from its config
    (Keras's ``from_config``), built on its ``build_config``'s input shape and given the file's weights."""
    from .subclassing import make

    h5py = _h5py()
    try:
        shape = config["build_config"]["input_shape"]
        if not isinstance(shape, list) or len(shape) < 2 or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
            _fail(path, f"its model's build_config input_shape {shape!r:.100} is not (batch, positive sizes...).")
        if not isinstance(config.get("config"), dict):
            _fail(path, f"its model's config is not an object: {config.get('config')!r:.100}")
        # (stored, as Keras writes it; a deflated member holds at most deflate's largest ratio more)
        values = MAX_EXPANSION * os.path.getsize(path) // 4
        with initializers._drawing_nothing():
            model = make(_custom_objects.find(config, "model"), config, [None, *shape[1:]], values)
        data = _read_member(zf, WEIGHTS, values * 4, path)
        with h5py.File(io.BytesIO(data), "r") as h5:
            weights, _ = _read_weights(h5, model, h5py, path)
        model.set_weights(weights)
    except (KeyError, TypeError, AttributeError, OverflowError) as exc:
        _fail(path, f"its {CONFIG} is malformed ({type(exc).__name__}: {str(exc)[:300]}).")
    except RecursionError:  # (as above)
        raise
    except (OSError, RuntimeError) as exc:
        _fail(path, f"its {WEIGHTS} is not a readable HDF5 file ({str(exc)[:200]}).")
    except ValueError as exc:
        if str(exc).startswith("Cannot load model file"):
            raise
        _fail(path, str(exc)[:500])
    warn_non_finite(path, "weights", zip(weight_names(model), weights))
    if compile and config.get("compile_config"):
        _compile(model, config["compile_config"], path, data, h5py)
    return model


def _refuse_op(entry, name):
    """Refuse a node of the functional API's record of an operation on a tensor (``keras.ops.relu(x)``,
    ``x * 2.0``: ``{"class_name": "Relu", "module": "keras.src.ops.nn"}``), which is no layer a user could
    register (it was told to register a custom layer 'Relu')."""
    from .. import activations
    from ..layers.base import snake_case

    module = entry.get("module")
    if not (isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops"))):
        return
    op = snake_case(str(entry.get("class_name")))[:60]
    try:
        activations.get(op)
        instead = f"an Activation layer, keras.layers.Activation({op!r})"
    except (ValueError, TypeError):
        instead = "a layer"
    raise ValueError(f"its node {name!r} is the Keras operation keras.ops.{op} (or an operator such as x * 2) applied "
                     f"to a tensor, which glassnet does not read: in Keras, write it as {instead}.")


class SeveralEndpoints(ValueError):
    """functional_chain's refusal of a Keras model of several inputs or outputs, which says what to do
    instead (not "rebuild it as keras.Sequential", which holds for the other refusals)."""

    def __init__(self, inputs, outputs):
        count = f"{inputs} input{'s' * (inputs != 1)} and {outputs} output{'s' * (outputs != 1)}"
        ways = []
        if inputs > 1:
            ways.append("for several inputs, rebuild it in Keras with one Input of all their features side by side "
                        "in place of their Concatenate, give it the old model's weights (new.set_weights("
                        "old.get_weights())), save it, and pass it np.hstack([x1, x2])")
        if outputs > 1:
            ways.append("for several outputs, save one model per output, keras.Model(inputs, output), and load each "
                        "(each then has its own copy of the shared layers)")
        super().__init__(f"its model has {count}; glassnet reads functional models with one input and one output "
                         "whose layers form one chain" + "".join(f"; {way}" for way in ways) + ".")


def functional_chain(spec):
    """The Sequential configuration of a Keras ``Functional`` model's configuration ``spec``
    whose layers form one chain: one input, one output, and each layer called once, on the
    layer before it, as in the functional API's MLP (``inputs = keras.Input((784,));
    x = Dense(64, activation="relu")(inputs); ...; keras.Model(inputs, outputs)``). Such a
    model computes what the Sequential of its layers in that order computes. Anything else
    (branches, merges, several inputs or outputs, a layer called twice or with arguments) is
    refused with a ValueError that names the layer."""
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list) or not spec["layers"]:
        raise ValueError("its Functional configuration lists no layers.")
    entries = {}
    for entry in spec["layers"]:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name in entries:
            raise ValueError(f"its Functional configuration has a layer without a name of its own: {entry!r:.200}")
        _refuse_op(entry, name)
        entries[name] = entry
    inputs, outputs = (_endpoints(spec.get(key), key) for key in ("input_layers", "output_layers"))
    if len(inputs) != 1 or len(outputs) != 1:  # (before the merge of several inputs is named: the count says more)
        raise SeveralEndpoints(len(inputs), len(outputs))
    source = {}  # each layer's input: the layer whose output it is called on
    pins = {}  # Dropout(0.5)(x, training=True): the mode a call given no training runs the layer in
    for name, entry in entries.items():
        nodes = entry.get("inbound_nodes")
        if not nodes:
            continue
        if not isinstance(nodes, list):
            raise ValueError(f"its layer {name!r} has malformed inbound_nodes: {nodes!r:.200}")
        if len(nodes) > 1:
            raise ValueError(f"its layer {name!r} is called {len(nodes)} times (a shared layer); glassnet reads "
                             "functional models whose layers form one chain, each layer called once.")
        tensors, kwargs = _node_inputs(nodes[0], name)
        # Keras records a call's defaults (Dropout's training=False, BatchNormalization's mask=None);
        # fit and predict pass their own training flag over the recorded one. A recorded True runs the
        # layer in training mode in a call given no training (model(x)); a False is that call's mode, but
        # for a nested model whose own layers were called with training=True, which it overrides
        if isinstance(kwargs.get("training"), bool):
            pins[name] = kwargs["training"]
        kwargs = {key: value for key, value in kwargs.items() if key != "training" and value is not None}
        if kwargs:
            raise ValueError(f"its layer {name!r} is called with {sorted(kwargs)}; glassnet reads functional "
                             "models whose layers are called on one tensor (and Keras's training flag) only.")
        if len(tensors) != 1:
            raise ValueError(f"its layer {name!r} takes {len(tensors)} inputs (a merge of branches); glassnet reads "
                             "functional models whose layers form one chain.")
        source[name] = tensors[0]
    first, last = inputs[0], outputs[0]
    if entries.get(first, {}).get("class_name") != "InputLayer" or first in source:
        raise ValueError(f"its input {first!r} is not an InputLayer of the model.")
    chain, name = [], last
    while name != first:
        if name not in source or len(chain) > len(entries):
            raise ValueError(f"its output {last!r} is not computed from its input {first!r} through its layers.")
        chain.append(name)
        name = source[name]
    off_chain = [name for name in entries if name != first and name not in chain]
    if off_chain:
        raise ValueError(f"its layer {off_chain[0]!r} is not on the path from the input to the output (a branch); "
                         "glassnet reads functional models whose layers form one chain.")
    layers = [{key: value for key, value in entries[name].items() if key not in ("name", "inbound_nodes")}
              for name in (first, *reversed(chain))]
    return {"name": spec.get("name"), "trainable": spec.get("trainable", True), "layers": layers,
            **({"pins": pins} if pins else {})}


def _node_inputs(node, name):
    """The names of the layers whose outputs a call ``node`` of layer ``name`` takes (each the
    first output of that layer's first call), and the call's keyword arguments: Keras 3 writes
    ``{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, 0, 0]}}],
    "kwargs": {}}``, tf.keras 2 ``[[layer, 0, 0, {kwargs}], ...]``."""
    if isinstance(node, dict):
        args, kwargs = node.get("args"), node.get("kwargs") or {}
        if isinstance(args, list) and len(args) == 1 and isinstance(args[0], list):
            args = args[0]  # a layer called on a list of tensors
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ValueError(f"its layer {name!r} has a malformed inbound node: {node!r:.200}")
        configs = [arg.get("config") if isinstance(arg, dict) else None for arg in args]
        histories = [config.get("keras_history") if isinstance(config, dict) else None for config in configs]
    elif isinstance(node, list):
        histories = [item[:3] if isinstance(item, list) else None for item in node]
        kwargs = {k: v for item in node if isinstance(item, list) and len(item) > 3 and isinstance(item[3], dict)
                  for k, v in item[3].items()}
    else:
        raise ValueError(f"its layer {name!r} has a malformed inbound node: {node!r:.200}")
    names = []
    for history in histories:
        if not (isinstance(history, list) and len(history) == 3 and isinstance(history[0], str)):
            raise ValueError(f"its layer {name!r} is called on something other than a layer's output: {node!r:.200}")
        if history[1:] != [0, 0]:
            raise ValueError(f"its layer {name!r} takes output {history[2]} of call {history[1]} of {history[0]!r}; "
                             "glassnet reads functional models whose layers form one chain, each called once.")
        names.append(history[0])
    return names, kwargs


def _endpoints(value, key):
    """The layer names of Keras's ``input_layers``/``output_layers``: ``[name, 0, 0]`` for one,
    ``[[name, 0, 0], ...]`` for several."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        value = [value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):  # keras.Model({"x": inputs}, ...)
        if len(value) > 1:  # several inputs or outputs: refused by their count (functional_chain)
            return _endpoints(list(value.values()), key)
        node = next(iter(value.values()), None)
        if (key == "input_layers" and isinstance(node, list) and node and list(value) == [node[0]]
                and given_input_name(node[0])):  # keyed by the name given to its Input, as Model() takes it
            return [node[0]]
        what = "inputs" if key == "input_layers" else "outputs"
        but = ("but for one input keyed by the name given to it, keras.Input(..., name='features')" if what == "inputs"
               else f"build it with the output itself, keras.Model(inputs, outputs[{next(iter(value))!r}])")
        raise ValueError(f"its model takes its {what} as a dict (keys {sorted(value)}); glassnet reads functional "
                         f"models whose one input and one output are tensors, not dicts ({but}).")
    if not isinstance(value, list) or not all(isinstance(v, list) and v and isinstance(v[0], str) for v in value):
        raise ValueError(f"its Functional configuration has a malformed {key}: {value!r:.200}")
    return [v[0] for v in value]


def _refuse_keras2_hard_sigmoid(zf, config, path):
    """Refuse a ``hard_sigmoid`` in a file that TF-Keras 2 wrote: its hard_sigmoid was
    ``clip(0.2 z + 0.5, 0, 1)``, where Keras 3's (and glassnet's) is ``relu6(z + 3) / 6``, so the
    same name would silently give other outputs."""
    if METADATA not in zf.namelist():
        return
    version = _read_json(zf, METADATA, path)
    version = version.get("keras_version") if isinstance(version, dict) else None
    if isinstance(version, str) and version.split(".")[0] in ("1", "2") and '"hard_sigmoid"' in json.dumps(config):
        _fail(path, f"it was written by Keras {version[:20]}, whose hard_sigmoid is clip(0.2·z + 0.5, 0, 1); glassnet's "
                    "(as Keras 3's) is relu6(z + 3)/6, other outputs. Save the model with Keras 3, or replace the "
                    "activation.")


def _read_json(zf, name, path):
    raw = _read_member(zf, name, MAX_CONFIG_BYTES, path)
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=unique_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        _fail(path, f"{name} is not valid JSON ({type(exc).__name__}: {str(exc)[:200]}).")


def _check_size(zf, input_shape, layer_configs, dtype, path):
    """The most bytes :data:`WEIGHTS` may expand to, and the bytes the architecture's weights take
    at least; refuses an architecture whose weights the file cannot hold before it is built (a
    3 kB file declaring Dense(10**12) allocates nothing)."""
    from ..layers import deserialize

    try:
        info = zf.getinfo(WEIGHTS)
    except KeyError:
        _fail(path, f"the member {WEIGHTS!r} (the weights) is missing.")
    budget = min(info.file_size, MAX_EXPANSION * os.path.getsize(path))
    # Keras stores float32 weights (4 bytes) whatever glassnet's dtype: count them as such at least
    itemsize = min(4, np.dtype(standardize_dtype(dtype)).itemsize)
    shape, needed = tuple(input_shape), 0
    for layer_config in layer_configs:
        layer = deserialize(layer_config)
        needed += layer.count_weights(shape)
        _check_derived_size(layer, shape, path)
        check_custom_settings(layer, layer_config, lambda n: n * itemsize <= budget, path)
        shape = layer.sample_output_shape(shape)
    if needed * itemsize > budget:
        _fail(path, f"its architecture needs {needed:,} weights, more than its {WEIGHTS} ({budget:,} bytes) holds.")
    return budget, needed * itemsize


def _compile(model, spec, path, data, h5py):
    """``model.compile`` with Keras's compile settings when each maps onto a glassnet built-in,
    and the optimizer's state from the weights file ``data`` (bytes), as Keras's load_model
    restores it; otherwise the model stays uncompiled and a warning says why. A setting too large for
    memory, or a state the optimizer refuses, is a ValueError that says how to load the model uncompiled."""
    try:
        if not isinstance(spec, dict):
            raise TypeError(f"compile_config is not a JSON object: {spec!r:.80}")
        optimizer = optimizers.get(spec.get("optimizer", "rmsprop"))
        # Keras writes compile's arguments as given: its per-output forms of the one output too, read as compile
        # reads them ([loss], {"out": loss}, [[metrics]], {"out": metrics}, {"out": "mae"})
        loss = losses.deserialize(model._one_loss(spec.get("loss")))
        chosen = {}
        for key in ("metrics", "weighted_metrics"):
            given = model._one_output(spec.get(key) or [], key) or []
            if isinstance(given, (str, dict)):  # one metric, a name or a serialized one: {"out": "mae"}
                given = [given]
            if not isinstance(given, list):
                raise TypeError(f"{key} is {given!r:.80}, not a list of metrics")
            chosen[key] = [metrics_module.deserialize(m) for m in given]
            for m in chosen[key]:  # the names resolve against the loss ("accuracy"): checked before compile
                metrics_module.get(m, loss=loss, n_outputs=model.n_outputs)
        weight = spec.get("loss_weights")  # the one output's: w, [w] or {"out": w}, as Keras writes compile's
        if weight is not None:
            weight = _loss_weight(model._one_loss(weight, "loss_weights"), weight)
    except (ValueError, TypeError, KeyError) as exc:
        # (an unknown name's list of the valid ones, cut at 300 characters, said nothing more)
        reason, advice = str(exc).split(". Valid names")[0].rstrip(".")[:300], \
            "Call model.compile(...) before fit or evaluate."
        warnings.warn(UncompiledWarning(f"The Keras file {path!r} is loaded uncompiled: its compile settings do not "
                                        f"map onto glassnet's built-in losses, optimizers and metrics ({reason}). "
                                        f"{advice}", reason, advice), stacklevel=user_stacklevel())
        return
    except MemoryError as exc:  # a MeanIoU(num_classes=10**6) of a 1 kB file asked NumPy for 7.28 TiB
        _too_large_to_compile(path, exc, "compile_config")
    # Keras's jit_compile is XLA's; glassnet's (numba loops) is its own choice: left off
    model.compile(optimizer=optimizer, loss=loss, loss_weights=weight, metrics=chosen["metrics"],
                  weighted_metrics=chosen["weighted_metrics"])
    model._resolve_metrics()
    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            keras_optimizer.read_state(model, h5, h5py, path, _get, _fail, _check_storage)
    except (KeyError, TypeError, AttributeError) as exc:  # a dangling link, an empty dataset
        _fail(path, f"its {WEIGHTS}'s optimizer state is malformed ({type(exc).__name__}: {str(exc)[:300]}).")
    except (OSError, RuntimeError) as exc:
        _fail(path, f"its {WEIGHTS} is not a readable HDF5 file ({str(exc)[:200]}).")
    except ValueError as exc:  # a state the optimizer refuses (a negative learning rate): said with the way round it
        if "compile=False" in str(exc):  # (read_state's own refusals mostly say it already)
            raise
        raise ValueError(f"{str(exc).rstrip('.')} ({UNCOMPILED}).") from None
