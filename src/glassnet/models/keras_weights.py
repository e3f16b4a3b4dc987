"""Keras 3's HDF5 weights, read and written: ``model.weights.h5`` inside a ``.keras`` file and
``.weights.h5`` files (``model.save_weights`` / ``load_weights``).

Each layer's variables sit under ``layers/<name>/vars/0, 1, ...`` in its ``weight_names`` order,
``<name>`` the layer's class in snake case numbered per class (:func:`weight_paths`); a wrapper's
wrapped layer under ``layers/<name>/layer/vars`` (:func:`h5_layout`). Reading checks every array
before the model changes: its shape against the architecture's, its values against the model's
dtype's range, and its storage (no links, external files, virtual datasets, filter plugins or
oversized chunks, :func:`_get` and :func:`_check_storage`). The ``.keras`` archive around the
weights is read in :mod:`.keras_reading` and written in :mod:`.keras_files`.
"""

import io
import os
import warnings

import numpy as np

from .._validation import check_path
from ..backend import numpy_dtype
from ..layers.base import Layer, snake_case
from . import keras_optimizer
from .divergence import user_stacklevel
from .nesting import nested_items
from .saving import _fail, warn_non_finite, weight_names

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
EXTRA = "keras-files"


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError(f"Reading or writing a Keras file (.keras, .weights.h5) needs h5py, which is not installed: "
                          f'pip install "glassnet[{EXTRA}]" (or pip install h5py).') from None
    return h5py


def weight_paths(model, nested=True, by_attribute=True, exported=False):
    """The HDF5 group of each layer of ``model``, as Keras's ``saving_lib`` names them: a model nested
    in it is a group of its own (``layers/sequential/layers/dense``; ``functional`` for one made by
    ``Model(inputs, outputs)``; a subclass's class name, ``layers/inner/d``), numbered per class with the
    layers beside it. ``nested=False``: each layer as if none were nested (what glassnet wrote before it
    kept the nesting). A subclass of ``Model``: its attributes' names, as Keras's (``by_attribute=False``:
    as a Sequential's, glassnet's before). ``exported``: as :func:`keras_config` writes the model, where a
    subclass is its class only at the top and with a config that makes it again (``subclass_entry``),
    else a Sequential, whose weights Keras reads at a Sequential's paths."""
    from .subclassing import nested_keras_entry, subclass_entry

    used, paths = {}, []
    if (nested and by_attribute and model._layers and hasattr(model, "_assigned_items")  # a subclass of Model
            and not (exported and subclass_entry(model) is None)):
        from .subclassing import attribute_paths

        named = attribute_paths(model)
        for item in nested_items(model):
            if id(item) not in named:
                raise ValueError(f"{model.name}'s layer {item.name!r} is not an attribute of it: Keras's files name a "
                                 "subclass's weights by its attributes (self.dense = Dense(...) in __init__).")
            paths += [named[id(item)]] if isinstance(item, Layer) else [
                f"{named[id(item)]}/{path}" for path in weight_paths(item)]
        return paths

    def group(kind):
        name = snake_case(kind)
        used[name] = used.get(name, -1) + 1
        return f"layers/{name}" + (f"_{used[name]}" if used[name] else "")

    for item in nested_items(model) if nested else model.layers:
        if isinstance(item, Layer):
            paths.append(group(type(item).__name__))
        elif ((exported and nested_keras_entry(item) is None) or not by_attribute
              or not hasattr(item, "_assigned_items")):  # a nested model: a group of its own
            prefix = group("Functional" if getattr(item, "_functional", False) else "Sequential")
            paths += [f"{prefix}/{path}" for path in weight_paths(item, by_attribute=by_attribute and not exported)]
        else:  # a nested subclass, as Keras's save_weights writes one: its class's group, its attributes
            prefix = group(type(item).__name__)  # (one group: counted per path, its second layer went to inner_1)
            paths += [f"{prefix}/{path}" for path in weight_paths(item)]
    return paths


def h5_layout(layer, group_path):
    """Where Keras's ``saving_lib`` keeps each variable of ``layer`` (whose group is ``group_path``):
    ``{group of variables: [weight name of vars/0, of vars/1, ...]}``. A layer's own variables sit
    under ``vars``; a wrapper's (SpectralNormalization: the kernel it tracks, then ``u``) too, and
    those of the layer it wraps under ``layer/vars`` (kernel, bias; embeddings): the kernel appears twice."""
    if type(layer).__name__ == "SpectralNormalization":
        return {f"{group_path}/vars": [layer.kernel_name, "u"],
                f"{group_path}/layer/vars": list(layer.layer.weight_names)}
    return {f"{group_path}/vars": list(layer.weight_names)}


class _Mismatch(ValueError):
    """A layer's arrays in the file do not fit the model's (a missing group, another count or shape):
    ``skip_mismatch=True`` keeps the layer's own weights; anything else about the file still refuses it."""

    def __init__(self, path, reason, short):
        super().__init__(f"Cannot load model file {path!r}: {reason}")
        self.short = short  # what the warning of skip_mismatch=True says of the layer


def _read_weights(h5, model, h5py, path, member=WEIGHTS, skip_mismatch=False):
    """Every weight of ``model`` from the open HDF5 file ``h5`` (called ``member`` in errors), in
    get_weights()'s order, each checked against the architecture's shape, and what was skipped (for
    :func:`warn_skipped`): with ``skip_mismatch`` (Keras's), a layer whose arrays do not fit keeps its
    own weights and an extra layer of the file is not read."""
    weights, skipped = [], []
    # another layout only where more of its groups are there: a nested model's group missing from a
    # file of Keras's layout was read as a flat file, and the error named the next layer's shape
    paths = max(_layouts(model), key=lambda layout: _found(h5, layout, h5py, path, member))  # (the first of the most)
    for layer, group_path in zip(model.layers, paths):
        try:
            weights.extend(_read_layer(h5, layer, group_path, h5py, path, member))
        except _Mismatch as exc:
            if not skip_mismatch:
                raise
            skipped.append(exc.short)
            weights.extend(layer.get_weights())
    # (a nested model's group: its own layers are checked above; a subclass's attributes are outside layers/)
    known = {p.split("/")[1] for p in paths if p.startswith("layers/")}
    group = _get(h5, "layers", h5py, path, member)
    for name in (group.keys() if isinstance(group, h5py.Group) else ()):
        layer_group = _get(group, name, h5py, path, member)
        held = _get(layer_group, "vars", h5py, path, member) if isinstance(layer_group, h5py.Group) else None
        if name not in known and isinstance(held, h5py.Group) and len(held):
            if not skip_mismatch:
                _fail(path, f"{member} holds weights for layers/{name}, which the architecture does not have.")
            skipped.append(f"the file's layers/{name}, which the model does not have, was not read")
    return weights, skipped


def _layouts(model):
    """The paths of ``model``'s layers' groups in each layout a weights file may have: Keras's first; a
    subclass's as glassnet wrote it before it named them by attribute; the flat layout, what glassnet
    wrote before it kept nested models' groups."""
    return [weight_paths(model), weight_paths(model, by_attribute=False), weight_paths(model, nested=False)]


def _found(h5, layout, h5py, path, member):
    """How many of the groups of ``layout`` (a list of paths) ``h5`` holds."""
    return sum(_get(h5, group_path, h5py, path, member) is not None for group_path in layout)


def _label(layer):
    return f"layer {layer.name!r} ({type(layer).__name__})"


def _path(weight):
    """A weight's Keras path ("sequential/dense/kernel") for messages, where it has one."""
    return getattr(weight, "path", "array")


def _read_layer(h5, layer, group_path, h5py, path, member):
    """The weights of one ``layer`` from its group ``group_path`` of ``h5``, in its get_weights() order."""
    targets = dict(zip(layer.weight_names, layer.weights))
    label = _label(layer)
    found = {}

    def keras_name(key):  # messages say Keras's names (Dense's kernel, not its params key W)
        return layer.keras_param_names.get(key, key)

    for vars_path, names in h5_layout(layer, group_path).items():
        group = _get(h5, vars_path, h5py, path, member)
        keys = set(group.keys()) if isinstance(group, h5py.Group) else set()
        expected = [str(i) for i in range(len(names))]
        if names and _get(h5, group_path, h5py, path, member) is None:
            # (the count, "holds 0 arrays", said nothing of which layer differs from the file's)
            held = _get(h5, "layers", h5py, path, member)
            held = sorted(held.keys()) if isinstance(held, h5py.Group) else []
            shown = ", ".join(held[:20]) + (f" and {len(held) - 20} more" if len(held) > 20 else "")
            raise _Mismatch(path, f"{member} has no group {group_path} for the model's {label}; its layer groups "
                                  f"are {shown or 'none'}. The model must have the layers the file was saved from, in "
                                  "the same order (each group is named after its layer's class, numbered per class).",
                            f"{label}: the file has no group {group_path}")
        if keys != set(expected):
            raise _Mismatch(path, f"{member} holds {len(keys)} arrays under {vars_path} for {label}, which has "
                                  f"{len(names)} weights ({', '.join(map(keras_name, names)) or 'none'}).",
                            f"{label}: the file holds {len(keys)} arrays under {vars_path}, the layer has {len(names)} weights")
        for key, name in zip(expected, names):
            dataset = _get(group, key, h5py, path, member)
            where = f"{member}: {vars_path}/{key} ({label}'s {keras_name(name)})"
            if not isinstance(dataset, h5py.Dataset) or dataset.dtype.kind not in "fiu":
                _fail(path, f"{where} is not an array of numbers.")
            if dataset.shape is None:  # h5py.Empty: a dataset of a null dataspace (its shape was a TypeError)
                _fail(path, f"{where} holds no values (an HDF5 dataset of a null dataspace); the architecture "
                            f"needs an array of shape {tuple(targets[name].shape)}.")
            _check_storage(dataset, h5py, where, path)
            if tuple(dataset.shape) != tuple(targets[name].shape):
                shapes = f"{tuple(dataset.shape)}; the architecture needs {tuple(targets[name].shape)}"
                raise _Mismatch(path, f"{where} has shape {shapes}.",
                                f"{label}: {vars_path}/{key} ({keras_name(name)}) has shape {shapes}")
            value = np.asarray(dataset[()])
            _check_range(value, numpy_dtype(targets[name]), where, path, member)
            found[name] = value  # a wrapper's kernel: the wrapped layer's copy, read last
    return [found[name] for name in layer.weight_names]


def warn_skipped(path, skipped):
    """One warning naming each layer ``load_weights(skip_mismatch=True)`` left as it was, and each
    layer of the file it did not read (Keras's one warning lists the layers it could not load)."""
    if skipped:
        warnings.warn(f"load_weights(skip_mismatch=True) skipped what of {path!r} does not fit the model (each "
                      "layer of the model named here keeps its weights): " + "; ".join(skipped) + ".", UserWarning,
                      stacklevel=user_stacklevel())


def weights_from_model(model, source, path, skip_mismatch=False):
    """The weights of the loaded model ``source`` (glassnet's file or a ``.keras`` file, read whole)
    for ``model``, in get_weights()'s order: all of them when every shape matches (otherwise a
    ``ValueError``); with ``skip_mismatch``, layer by layer, matched as Keras matches them (by class,
    numbered per class), a layer that does not fit keeping its own (what was skipped is returned too).
    Values beyond the model's dtype's range are refused, naming the layer, the weight and the fix."""
    skipped = []
    if not skip_mismatch:
        weights, targets = source.get_weights(), model.weights
        held, mine = [w.shape for w in weights], [tuple(t.shape) for t in targets]
        if held != mine:  # (every shape of both, 912 characters for 30 layers, hid the one that differs)
            i = next((i for i, (a, b) in enumerate(zip(held, mine)) if a != b), min(len(held), len(mine)))
            first = (f"the first that differs is weights[{i}], the file's {_path(source.weights[i])} of shape {held[i]}, "
                     f"where this model's {_path(targets[i])} is {mine[i]}" if i < min(len(held), len(mine)) else
                     f"the first {i} agree")
            raise ValueError(f"load_weights: {path!r} holds weights of shapes other than this model's ({len(held)} "
                             f"arrays in the file, {len(mine)} in the model): {first}. The model must have the layers "
                             "the file was saved from, in the same order.")
    else:
        theirs = dict(zip(weight_paths(source), source.layers))
        weights = []
        for layer, group_path in zip(model.layers, weight_paths(model)):
            other = theirs.pop(group_path, None)
            mine = [tuple(w.shape) for w in layer.weights]
            held = [tuple(w.shape) for w in other.weights] if other is not None else []
            if mine == held:
                weights.extend(other.get_weights() if other is not None else [])
                continue
            skipped.append(f"{_label(layer)}: the file's {group_path} has weights of shapes {held}; the architecture "
                           f"needs {mine}" if other is not None else f"{_label(layer)}: the file has no {group_path}")
            weights.extend(layer.get_weights())
        skipped += [f"the file's {group_path}, which the model does not have, was not read"
                    for group_path, other in theirs.items() if other.weights]
    targets = [(layer, name, w) for layer in model.layers for name, w in zip(layer.weight_names, layer.weights)]
    for (layer, name, target), value in zip(targets, weights):  # (set_weights named neither file nor layer)
        _check_range(value, numpy_dtype(target), f"{_label(layer)}'s {layer.keras_param_names.get(name, name)}", path,
                     "the file")
    return weights, skipped


def _check_range(value, dtype, where, path, member, fix=None):
    """Refuse values of the file that the model's float ``dtype`` cannot hold (a float64 file's 1e300
    in a float32 model): set_weights said only "weights[0] holds values beyond the range of float32",
    naming neither the file nor the array, and the cast would have made them inf. ``fix``: what the
    message advises, where not the model's dtype (the optimizer's state of a ``.keras`` file)."""
    if dtype.kind != "f" or value.dtype.itemsize <= dtype.itemsize and value.dtype.kind == "f":
        return
    finite = value[np.isfinite(value)]
    largest = float(np.abs(finite, dtype=np.float64).max()) if finite.size else 0.0
    if largest > float(np.finfo(dtype).max):
        # (a .keras file's model is its own)
        fix = fix or (f"its {CONFIG} declares that dtype" if member == WEIGHTS else
                      "nothing was loaded. Load it into a model of dtype='float64' (Sequential([...], "
                      "dtype='float64')), which holds them")
        _fail(path, f"{where} holds values up to {largest:.6g}, beyond the range of {dtype} (largest "
                    f"{float(np.finfo(dtype).max):.6g}), the model's dtype; {fix}.")


def _get(group, path, h5py, file_path, member):
    """``group.get(path)``, refusing a link on the way that is not an ordinary (hard) one: HDF5
    follows an external link into any HDF5 file on disk that the link names (a hostile weights
    file read another file's arrays as its own), and Keras writes none."""
    for part in path.split("/"):
        link = group.get(part, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            _fail(file_path, f"{member}: {group.name.rstrip('/')}/{part} is a link to elsewhere ({type(link).__name__}); "
                             "a Keras weights file holds its groups and arrays itself.")
        group = group[part]
    return group


#: the HDF5 filters a weights file may use: those built into HDF5 (deflate, shuffle, fletcher32,
#: szip, nbit, scaleoffset) and h5py's own lzf; any other is a plugin HDF5 would look for and load
_FILTERS = {1, 2, 3, 4, 5, 6, 32000}
#: the most values a chunk larger than its dataset may hold (HDF5 inflates a chunk whole to read it)
MAX_CHUNK = 2**16


def _check_storage(dataset, h5py, where, path):
    """Refuse a dataset whose values are not stored in the weights file itself: HDF5 reads an
    external-storage dataset's bytes from any file on disk the file names (a hostile
    ``.keras`` file loaded ``~/.ssh/id_rsa`` or ``/dev/urandom`` as weights, and a named pipe
    blocked the load for ever), and a virtual dataset from other HDF5 files (reading one from
    the in-memory file crashed the process); an unknown filter makes HDF5 load a plugin, and a
    chunk larger than the array makes it allocate the whole chunk."""
    plist = dataset.id.get_create_plist()
    if plist.get_layout() not in (h5py.h5d.COMPACT, h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED):
        _fail(path, f"{where} is a virtual dataset, which maps other files; a Keras weights file holds its arrays.")
    if plist.get_external_count():
        name = os.fsdecode(plist.get_external(0)[0])
        _fail(path, f"{where} keeps its values in an external file ({name!r:.200}); a Keras weights file holds its "
                    "arrays.")
    chunk = int(np.prod(dataset.chunks, dtype=np.int64)) if dataset.chunks else 0
    if chunk > max(dataset.size or 0, MAX_CHUNK):
        # HDF5 reads and inflates whole chunks: a 1 MB file gave a (4, 8) weight one chunk of 1 GiB
        _fail(path, f"{where} is stored in chunks of shape {dataset.chunks}, larger than the array "
                    f"{tuple(dataset.shape)} itself; a Keras weights file stores each array whole.")
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    if any(f not in _FILTERS for f in filters):
        _fail(path, f"{where} is compressed with the HDF5 filter(s) {filters}, which are plugins glassnet does not "
                    "load (Keras writes none).")


def _weights_file(model, h5py, optimizer_groups=(), exported=False):
    """``model.weights.h5`` as bytes, laid out as Keras's ``saving_lib`` writes it: each layer's
    variables under ``layers/<name>/vars/<i>`` (a group for a layer without any too), and the
    optimizer's ``optimizer_groups`` (:func:`keras_optimizer.state_groups`: ``optimizer/vars/<i>``...);
    ``exported``: the layout of the model as :func:`keras_config` writes it (see :func:`weight_paths`)."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for group_path, name, arrays in optimizer_groups:
            group = h5.create_group(group_path)
            group.attrs["name"] = name
            for i, (_, value) in enumerate(arrays):
                group.create_dataset(str(i), data=value)
        h5.create_group("vars").attrs["name"] = model.name
        for layer, path in zip(model.layers, weight_paths(model, exported=exported)):
            values = dict(zip(layer.weight_names, layer.get_weights()))
            for vars_path, names in h5_layout(layer, path).items():
                group = h5.create_group(vars_path)
                group.attrs["name"] = layer.name
                for i, name in enumerate(names):
                    value = np.asarray(values[name])
                    if type(layer).__name__ == "Normalization" and name == "count":
                        value = value.astype(np.int32)  # Keras's count is an int32 scalar
                    group.create_dataset(str(i), data=value)
    return buffer.getvalue()


# -- .weights.h5 files (model.save_weights / load_weights) -------------------------------
def is_weights_h5_name(filepath):
    """Whether ``filepath`` is named as Keras 3 names a weights file (``*.weights.h5``, any case)."""
    return check_path(filepath, "filepath").lower().endswith(".weights.h5")


def save_weights_h5(model, filepath, overwrite=True):
    """Write the built ``model``'s weights to ``filepath`` as Keras 3's ``save_weights`` writes a
    ``.weights.h5`` file (HDF5: ``layers/<name>/vars/<i>``), which Keras's ``load_weights`` reads into
    a Keras model of the same layers. Only the layers' classes matter to the file (they name the
    groups and order the arrays; a custom class's too, as Keras writes one: under its class's
    snake-case name, its arrays in its ``weight_names`` order); activations, initializers and
    compile settings are not in it. A compiled model's optimizer state is, as Keras writes it
    (``optimizer/vars``, :func:`keras_optimizer.state_groups`; none before its first step). Atomic;
    ``overwrite=False`` refuses an existing file."""
    from .._io import atomic_write_bytes

    h5py = _h5py()
    model._ensure_built()
    if not model.built:
        raise ValueError("Cannot write a Keras weights file of an unbuilt model: it has no weights yet. Build it "
                         "first (an Input layer, model.build(input_shape), or fit).")
    # the optimizer's state too, as Keras's save_weights writes it (its load_weights reads it back)
    state = keras_optimizer.state_groups(model, filepath) if model.compiled else []
    atomic_write_bytes(filepath, _weights_file(model, h5py, state), overwrite=overwrite)


#: how to keep the weights of a model with a custom layer class, which no glassnet model file, no Keras
#: file and no ONNX file can name (each refusal ends with it)
KEEP_CUSTOM_WEIGHTS = ("keep its weights with model.save_weights('w.weights.h5') (Keras 3's weights file, which holds "
                       "arrays only), and give them back with load_weights to the model built again in code")


def load_weights_h5(model, path, skip_mismatch=False):
    """The weights of the built ``model`` read from the Keras 3 weights file ``path`` (HDF5, as
    Keras's ``save_weights`` writes it), in get_weights()'s order, every shape checked against the
    model's first, and what ``skip_mismatch`` skipped (see :func:`_read_weights`); with the protections
    of the ``.keras`` reader (:func:`_check_storage`)."""
    h5py = _h5py()
    model._ensure_built()
    if not model.built:
        raise ValueError(f"load_weights: {path!r} is a Keras weights file, which holds no input shape: build the "
                         "model first (an Input layer, model.build(input_shape), or fit).")
    try:
        return _read_weights_file(model, path, h5py, skip_mismatch)
    except ValueError as exc:  # (the reader's messages, shared with .keras files, say "model file")
        said, prefix = str(exc), f"Cannot load model file {path!r}: "
        if not said.startswith(prefix):
            raise
        raise ValueError(f"Cannot load weights file {path!r}: {said[len(prefix):]}") from None


def read_keras_file_state(model, path, skip_mismatch=False):
    """The optimizer's state in the ``.keras`` file ``path`` (its ``model.weights.h5``'s ``optimizer/vars``),
    read by ``load_weights`` as from a ``.weights.h5`` file (:func:`keras_optimizer.read_weights_file_state`):
    Keras's ``load_weights`` of a ``.keras`` file restores the optimizer too. Nothing for a file that is no
    Keras archive (glassnet's own model files hold weights alone for load_weights)."""
    import zipfile

    from .keras_files import _is_keras_file
    from .saving import MAX_EXPANSION, _read_member

    if not _is_keras_file(path):
        return
    h5py = _h5py()
    with zipfile.ZipFile(path) as zf:  # (load_model has read it whole already: the same checks hold)
        data = _read_member(zf, WEIGHTS, MAX_EXPANSION * os.path.getsize(path), path)
    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            keras_optimizer.read_weights_file_state(model, h5, h5py, path, _get, _fail, _check_storage, skip_mismatch)
    except (KeyError, TypeError, AttributeError) as exc:  # a dangling link, an empty dataset
        _fail(path, f"its optimizer state is malformed ({type(exc).__name__}: {str(exc)[:300]}).")
    except (OSError, RuntimeError) as exc:
        _fail(path, f"its {WEIGHTS} is not a readable HDF5 file ({str(exc)[:200]}).")


def _read_weights_file(model, path, h5py, skip_mismatch):
    try:
        with h5py.File(path, "r") as h5:
            # a subclass's weights sit under its attributes' names (d1/vars/0), outside layers/: refused only
            # where none of the model's groups is there either (its own files were refused)
            if (_get(h5, "layers", h5py, path, "the file") is None
                    and not any(_found(h5, layout, h5py, path, "the file") for layout in _layouts(model))):
                if "layer_names" in h5.attrs or "model_weights" in h5:
                    _fail(path, "it is a Keras 2 (legacy) HDF5 file, which glassnet does not read: in Keras, load it "
                                "and save the weights again as Keras 3 does (model.save_weights('w.weights.h5')).")
                groups = sorted({p.split("/")[0] for p in weight_paths(model)} - {"layers"})
                _fail(path, "it is an HDF5 file without the layers/ group of a Keras 3 weights file"
                            + (f" or this model's attribute groups ({', '.join(groups[:20])})" if groups else "") + ".")
            weights, skipped = _read_weights(h5, model, h5py, path, "the file", skip_mismatch)
            # before the caller sets the weights: a refused optimizer state changes none of them
            keras_optimizer.read_weights_file_state(model, h5, h5py, path, _get, _fail, _check_storage, skip_mismatch)
    except (KeyError, TypeError, AttributeError) as exc:  # a dangling link, an empty dataset
        _fail(path, f"it is a malformed Keras weights file ({type(exc).__name__}: {str(exc)[:300]}).")
    except (OSError, RuntimeError) as exc:  # truncated, damaged inside (see load_keras_file)
        _fail(path, f"it is not a readable HDF5 file ({str(exc)[:200]}).")
    warn_non_finite(path, "weights", zip(weight_names(model), weights))
    return weights, skipped
