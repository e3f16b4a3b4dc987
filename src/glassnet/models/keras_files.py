"""Keras 3 ``.keras`` files of Sequential models, read into glassnet (``load_model``).

A ``.keras`` file is a zip archive::

    config.json         {"class_name": "Sequential", "config": {...}, "compile_config": {...}}
    metadata.json       {"keras_version": "3.15.1", "date_saved": ...}
    model.weights.h5    HDF5: layers/<name>/vars/0, 1, ... (each layer's variables, in its order)

``<name>`` is the layer's class in snake case, numbered per class in the model's order
(``dense``, ``batch_normalization``, ``dense_1``), as Keras's ``saving_lib`` writes it; the
variables are the trainable ones then the others, which is glassnet's ``weight_names`` order
(Dense: kernel, bias; BatchNormalization: gamma, beta, moving_mean, moving_variance;
LayerNormalization: gamma, beta; Normalization: mean, variance, count).

Safety, as for glassnet's own files: nothing is unpickled or run (the HDF5 file is read with
h5py, whose datasets are plain arrays; ``class_name`` values name only glassnet's built-in
layers, losses, optimizers and metrics), the architecture's size is checked against the
file's before anything is built, and every array's shape before the model changes. The
optimizer's state in the file is not read.
"""

import io
import json
import os
import warnings

import numpy as np

from .. import initializers, losses, metrics as metrics_module, optimizers
from ..backend import standardize_dtype
from ..layers.base import snake_case
from .saving import MAX_CONFIG_BYTES, MAX_EXPANSION, MAX_LAYERS, _fail, _read_member

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
EXTRA = "keras-files"


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError(f"Reading a Keras .keras file needs h5py, which is not installed: "
                          f'pip install "glassnet[{EXTRA}]" (or pip install h5py).') from None
    return h5py


def weight_paths(model):
    """The HDF5 group of each layer of ``model``, as Keras's ``saving_lib`` names them."""
    used, paths = {}, []
    for layer in model.layers:
        name = snake_case(type(layer).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        paths.append(f"layers/{name}")
    return paths


def load_keras_file(zf, path, compile=True):
    """The glassnet :class:`Sequential` of the Keras 3 ``.keras`` archive ``zf`` (opened from
    ``path``), with its weights; compiled when ``compile`` and Keras's compile settings map
    onto glassnet's built-in loss, optimizer and metrics (otherwise uncompiled, with a warning)."""
    from .sequential import Sequential, _input_and_layers

    h5py = _h5py()
    config = _read_json(zf, CONFIG, path)
    if not isinstance(config, dict):
        _fail(path, f"its {CONFIG} is not a JSON object.")
    kind = config.get("class_name")
    if kind != "Sequential":
        _fail(path, f"it holds a Keras {kind!r} model; glassnet reads Keras Sequential models only (it has no "
                    "functional API or subclassed models). Rebuild it as keras.Sequential([...]).")
    spec = config.get("config")
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list) or not spec["layers"]:
        _fail(path, f"its {CONFIG} lists no layers.")
    if len(spec["layers"]) > MAX_LAYERS:
        _fail(path, f"it describes {len(spec['layers'])} layers; at most {MAX_LAYERS} are read.")
    try:
        input_shape, layer_configs = _input_and_layers(spec, spec["layers"])
        if input_shape is None:
            _fail(path, "its model has no input shape (it was never built in Keras), so it holds no weights.")
        stored = _check_size(zf, input_shape, layer_configs, spec.get("dtype"), path)
        data = _read_member(zf, WEIGHTS, stored, path)
        # the file's weights replace the first ones (not drawn); the generators of shuffling and
        # dropout, which the file has not, come from the global one as in Sequential.from_config
        with initializers._drawing_nothing():
            model = Sequential.from_config(spec)
        with h5py.File(io.BytesIO(data), "r") as h5:
            weights = _read_weights(h5, model, h5py, path)
        model.set_weights(weights)
    except (KeyError, TypeError, AttributeError, OverflowError) as exc:
        _fail(path, f"its {CONFIG} is malformed ({type(exc).__name__}: {str(exc)[:300]}).")
    except OSError as exc:  # h5py: not an HDF5 file, truncated
        _fail(path, f"its {WEIGHTS} is not a readable HDF5 file ({str(exc)[:200]}).")
    except ValueError as exc:
        if str(exc).startswith("Cannot load model file"):
            raise
        _fail(path, str(exc)[:500])  # an unknown layer, a bad setting: said of this file
    if compile and config.get("compile_config"):
        _compile(model, config["compile_config"], path)
    return model


def _read_json(zf, name, path):
    raw = _read_member(zf, name, MAX_CONFIG_BYTES, path)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        _fail(path, f"{name} is not valid JSON ({type(exc).__name__}: {str(exc)[:200]}).")


def _check_size(zf, input_shape, layer_configs, dtype, path):
    """The most bytes :data:`WEIGHTS` may expand to; refuses an architecture whose weights the
    file cannot hold before it is built (a 3 kB file declaring Dense(10**12) allocates nothing)."""
    from ..layers import deserialize

    try:
        info = zf.getinfo(WEIGHTS)
    except KeyError:
        _fail(path, f"the member {WEIGHTS!r} (the weights) is missing.")
    shape, needed = tuple(input_shape), 0
    for layer_config in layer_configs:
        layer = deserialize(layer_config)
        needed += layer.count_weights(shape)
        shape = tuple(layer.compute_output_shape(shape))
    budget = min(info.file_size, MAX_EXPANSION * os.path.getsize(path))
    # Keras stores float32 weights (4 bytes) whatever glassnet's dtype: count them as such at least
    itemsize = min(4, np.dtype(standardize_dtype(dtype)).itemsize)
    if needed * itemsize > budget:
        _fail(path, f"its architecture needs {needed:,} weights, more than its {WEIGHTS} ({budget:,} bytes) holds.")
    return budget


def _read_weights(h5, model, h5py, path):
    """Every weight of ``model`` from the open HDF5 file ``h5``, in get_weights()'s order,
    each checked against the architecture's shape."""
    weights, paths = [], weight_paths(model)
    for layer, group_path in zip(model.layers, paths):
        targets = layer.weights
        group = h5.get(f"{group_path}/vars")
        keys = set(group.keys()) if isinstance(group, h5py.Group) else set()
        expected = [str(i) for i in range(len(targets))]
        label = f"layer {layer.name!r} ({type(layer).__name__})"
        if keys != set(expected):
            names = ", ".join(layer.weight_names) or "none"
            _fail(path, f"{WEIGHTS} holds {len(keys)} arrays under {group_path}/vars for {label}, which has "
                        f"{len(targets)} weights ({names}).")
        for key, name, target in zip(expected, layer.weight_names, targets):
            dataset = group[key]
            where = f"{WEIGHTS}: {group_path}/vars/{key} ({label}'s {name})"
            if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "fiu":
                _fail(path, f"{where} is not an array of numbers.")
            if tuple(dataset.shape) != tuple(target.shape):
                _fail(path, f"{where} has shape {tuple(dataset.shape)}; the architecture needs {tuple(target.shape)}.")
            weights.append(np.asarray(dataset[()]))
    known = {p.split("/", 1)[1] for p in paths}
    group = h5.get("layers")
    for name in (group.keys() if isinstance(group, h5py.Group) else ()):
        held = group[name].get("vars") if isinstance(group[name], h5py.Group) else None
        if name not in known and isinstance(held, h5py.Group) and len(held):
            _fail(path, f"{WEIGHTS} holds weights for layers/{name}, which the architecture does not have.")
    return weights


def _compile(model, spec, path):
    """``model.compile`` with Keras's compile settings when each maps onto a glassnet built-in
    (the optimizer starts afresh: its state in the file is not read); otherwise the model
    stays uncompiled and a warning says why."""
    try:
        if not isinstance(spec, dict):
            raise TypeError(f"compile_config is not a JSON object: {spec!r:.80}")
        optimizer = optimizers.get(spec.get("optimizer", "rmsprop"))
        loss = losses.get(spec.get("loss"))
        chosen = {}
        for key in ("metrics", "weighted_metrics"):
            given = spec.get(key) or []
            if not isinstance(given, list):
                raise TypeError(f"{key} is {given!r:.80}, not a list of metrics")
            chosen[key] = [metrics_module.deserialize(m) for m in given]
            for m in chosen[key]:  # the names resolve against the loss ("accuracy"): checked before compile
                metrics_module.get(m, loss=loss, n_outputs=model.n_outputs)
        if spec.get("loss_weights") is not None:
            raise ValueError(f"loss_weights={spec['loss_weights']!r:.80} (glassnet models have one output)")
    except (ValueError, TypeError, KeyError) as exc:
        warnings.warn(f"The Keras file {path!r} is loaded uncompiled: its compile settings do not map onto "
                      f"glassnet's built-in losses, optimizers and metrics ({str(exc)[:300]}). Call "
                      "model.compile(...) before fit or evaluate.", UserWarning, stacklevel=4)
        return
    # Keras's jit_compile is XLA's; glassnet's (numba loops) is its own choice: left off
    model.compile(optimizer=optimizer, loss=loss, metrics=chosen["metrics"],
                  weighted_metrics=chosen["weighted_metrics"])
    model._resolve_metrics()
