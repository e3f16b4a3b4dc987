"""The model file (SPEC B4): a zip of one JSON document and ``.npy`` arrays.

Layout (format version 1, documented in ``docs/file-format.md``)::

    model.json            architecture, compile settings, array table, RNG states, metadata
    weights/NNNN.npy      every array of get_weights(), in order
    optimizer/NAME.npy    the optimizer's state vectors (m, v, ...)

Safety: loading never unpickles (``allow_pickle=False``), never imports or
calls anything the file names except the built-in registries' classes, checks
every array's shape and dtype against the architecture, and refuses members
whose declared or actual size exceeds what the architecture implies.
Saving is atomic: a temporary file in the same folder, flushed and fsynced,
then ``os.replace``; an existing file is never left half-written, and only a
glassnet model file (or an empty one) is replaced (:func:`check_replaceable`).
"""

import codecs
import inspect
import io
import json
import os
import sys
import time
import warnings
import zipfile
import zlib

import numpy as np

from .. import __version__, initializers, losses, metrics, optimizers
from .._custom_objects import function_config
from .._io import atomic_write, read_npy_header, unique_keys, zip_members
from .._registry import UnknownCustomObjectError
from .._validation import check_bool, check_path
from ..backend import from_numpy, make_rng, numpy_dtype, saying_mixed_once, seeded, standardize_dtype, to_numpy
from .divergence import user_stacklevel

FORMAT = "glassnet-model"
FORMAT_VERSION = 1
#: the version of a file that holds pins (``base(inputs, training=True)``): glassnet before them read
#: such a file without the pins and ran its model(x) otherwise, silently; it refuses version 2
PINS_FORMAT_VERSION = 2
CONFIG_NAME = "model.json"
MAX_CONFIG_BYTES = 4 * 2**20
NPY_HEADER_SLACK = 4096  # an .npy header is at most a few hundred bytes


# -- saving ---------------------------------------------------------------------
def _holds_pins(architecture):
    """Whether a model's config, or a nested model's entry in it, pins layers (``"pins"``)."""
    return bool(architecture.get("pins")) or any(_holds_pins(entry) for entry in architecture.get("nested", ()))


def _npy_array(array):
    """``array`` as the C-ordered NumPy array its ``.npy`` member holds (streamed into the zip by
    :func:`_write_npy`: no bytes of it are made in memory first)."""
    return np.asarray(array, order="C")  # (ascontiguousarray makes a 0-d array 1-d)


def _write_npy(zf, name, array, date_time):
    """The member ``name``, stored (not deflated), of ``array``'s ``.npy`` bytes written straight into
    the zip, as ``np.savez`` writes them, where ``np.save`` into a BytesIO, its ``getvalue()`` and
    ``writestr`` copied each array twice: a 240 MB model took 6.0× ``np.savez``'s time, 3.3× now
    (benchmarks/bench_save.py)."""
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.external_attr = 0o600 << 16  # (writestr's, for a name)
    # zip64 fields where the member may pass 2 GiB (their size is not known to the zip before it is written)
    with zf.open(info, "w", force_zip64=array.nbytes > 2**31 - 2**20) as out:
        np.lib.format.write_array(out, array, allow_pickle=False)


def _rng_state(rng):
    return rng.bit_generator.state


#: how deeply ``model.metadata`` may nest lists and dicts: more than any record needs, and few enough that
#: json writes it wherever a save runs (a ModelCheckpoint deep in fit's calls too): 990 levels loaded, and
#: their save failed there with a RecursionError
MAX_METADATA_DEPTH = 100


def _metadata(model):
    """``model.metadata``, checked to be a dict of JSON values (a file holds no Python objects)."""
    metadata = getattr(model, "metadata", None) or {}
    if not isinstance(metadata, dict):
        raise ValueError(f"model.metadata must be a dict. Received: {type(metadata).__name__}")
    problem = _metadata_problem(metadata)
    if problem is not None:
        raise ValueError(f"model.metadata must hold JSON values (str, finite numbers, bool, None, lists, dicts "
                         f"with str keys): {problem}")
    return metadata


def _metadata_problem(metadata):
    """Why the dict ``metadata`` cannot be saved and loaded back as it is, or None: the one check of
    ``save`` and ``load_model`` (a file whose metadata save refuses, ``NaN`` that Python's json writes,
    loaded, and its ModelCheckpoint then failed at the first epoch's end)."""
    try:
        text = json.dumps(metadata, allow_nan=False)
        # json.dumps writes the key 1 as "1" (and keeps one of 1 and "1"): what loads must be what was saved
        if json.loads(text) != metadata:  # (a tuple loads as a list, a key 1 as "1")
            return "it would not load back as saved (tuples load as lists; dict keys must be str)"
    except (TypeError, ValueError, RecursionError) as exc:  # RecursionError: lists in lists a thousand deep
        return str(exc)
    depth, level = 0, [metadata]  # (level by level: no recursion)
    while level := [item for item in level if isinstance(item, (dict, list))]:
        depth += 1
        if depth > MAX_METADATA_DEPTH:
            return f"its dicts and lists are nested more than {MAX_METADATA_DEPTH} deep"
        level = [value for item in level for value in (item.values() if isinstance(item, dict) else item)]
    return None


def _plain(value):
    """``json.dumps``'s fallback: a NumPy number in a setting (a seed drawn with ``rng.integers``,
    a ``np.float32`` learning rate) is written as the Python number it is."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _compile_config(model, by_name=False):
    """The file's "compile" section, or None. A model file holds no code: a custom
    loss or optimizer leaves the whole section out, a custom metric itself, with a
    warning, so that the weights are saved all the same (a ModelCheckpoint with a
    custom loss keeps working). ``by_name``: :meth:`get_compile_config`'s, where
    such an object is named as Keras names it (:func:`_by_name`), without a warning."""
    if not model.compiled:
        return None

    def config_of(serialize, obj):
        try:
            return serialize(obj)
        except ValueError:
            if not by_name:
                raise
            return _by_name(obj)

    try:
        loss, optimizer = config_of(losses.serialize, model.loss), config_of(optimizers.serialize, model.optimizer)
    except ValueError as exc:
        warnings.warn(f"The compile settings are not saved, only the architecture and weights: {exc} After "
                      "load_model, compile again.", UserWarning, stacklevel=user_stacklevel())
        return None
    config = {"loss": loss, "optimizer": optimizer}
    for key, ids in (("metrics", model._metric_ids), ("weighted_metrics", getattr(model, "_weighted_metric_ids", []))):
        names = []
        for m in ids:
            try:
                names.append(config_of(metrics.serialize, m))
            except ValueError as exc:  # (the model is saved all the same: a ModelCheckpoint keeps working)
                warnings.warn(f"{exc} The rest of the model is saved; after load_model, compile again with the "
                              "metric to get it back.", UserWarning, stacklevel=user_stacklevel())
        if names or key == "metrics":
            config[key] = names
    if model._loss_weight != 1:  # compile's loss_weights (left out at 1: the files of other models stay as they were)
        config["loss_weights"] = model._loss_weight
    config["jit_compile"] = model.jit_compile
    return config


def _by_name(obj):
    """Keras 3.15's config of an object no registry can name (``get_compile_config`` of a model compiled
    with the user's unregistered function or class): a function by its bare name,
    ``{"module": "builtins", "class_name": "function", "config": "my_loss", ...}``, an object by its class
    name with its ``get_config()``. Compiling from it finds them in a ``custom_object_scope``, as in Keras."""
    function = getattr(obj, "function", obj)  # (a FunctionLoss holds the user's function)
    if inspect.isfunction(function):
        return function_config(function)
    cls = type(obj)
    settings = obj.get_config() if callable(getattr(obj, "get_config", None)) else {}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": settings, "registered_name": cls.__name__}


def _architecture(model):
    """``model.get_config()``; a layer that a file cannot hold (a custom activation or layer) is
    refused with its name, and a plain function's name (its activation's repr is FunctionActivation())."""
    from ..activations import FunctionActivation
    from ..layers import serialize
    from .sequential import Sequential

    for layer in model.layers:
        try:
            with warnings.catch_warnings():  # (a left-out regularizer warns once, from get_config below)
                warnings.simplefilter("ignore")
                serialize(layer)
        except ValueError as exc:
            activation = getattr(layer, "activation", None)
            function = (f", whose activation is the function {activation.name!r}"
                        if isinstance(activation, FunctionActivation) else "")
            raise ValueError(f"Cannot save layer {layer.name!r} ({type(layer).__name__}){function}: {exc}") from None
    # (Sequential's: a subclass of Model may override get_config with its __init__ arguments, as Keras's do)
    return Sequential.get_config(model)


def save_model(model, filepath, include_optimizer=True, backup=None, overwrite=True):
    """Write ``model`` to ``filepath`` atomically (see the module docstring); ``overwrite=False``
    leaves a file there, even one made while the model is written (``_io.atomic_write``).

    ``backup`` (a dict of JSON values, from :class:`~glassnet.callbacks.BackupAndRestore`) is
    kept as the file's "backup" record, and the optimizer's state is then written even when
    the compile settings cannot be (a custom loss): :func:`restore_backup` reads it back."""
    from .persistence import _unique_names
    from .subclassing import subclass_entry

    model._ensure_built()
    model._require_built("save")
    filepath = check_path(filepath, "filepath")
    weights = model.get_weights()
    architecture = _architecture(model)
    if model.seed is not None:  # Sequential(seed=...): seeds the layers added after loading too
        architecture["seed"] = int(model.seed)
    subclass = subclass_entry(model)
    if subclass is not None:  # a subclass of Model: made again where load_model knows its class (older glassnet: ignored)
        architecture["subclass"] = subclass
    # Two layers of one name (one renamed after add, layer.name = ...): the file names the second
    # as loading would rename it, with a warning, so that each keeps its own dropout generator
    architecture["layers"] = _unique_names(architecture["layers"], saving=True)
    names = [layer_config["config"]["name"] for layer_config in architecture["layers"]]
    config = {
        "format": FORMAT,
        "format_version": PINS_FORMAT_VERSION if _holds_pins(architecture) else FORMAT_VERSION,
        "glassnet_version": __version__,
        "model": architecture,
        "weights": [{"shape": list(w.shape), "dtype": w.dtype.name} for w in weights],
        "rng": {
            "model": _rng_state(model.rng),
            "layers": {name: _rng_state(layer.rng) for name, layer in zip(names, model.layers)
                       if hasattr(layer, "rng")},
        },
        "compile": None,
        "optimizer_state": None,
        "metadata": _metadata(model),
    }
    members = {f"weights/{i:04d}.npy": _npy_array(w) for i, w in enumerate(weights)}
    if backup is None:
        config["compile"] = _compile_config(model)
    else:
        with warnings.catch_warnings():  # said once by fit's first backup is enough: what matters here is the state
            warnings.simplefilter("ignore")
            config["compile"] = _compile_config(model)
        config["backup"] = backup
    if config["compile"] is not None or backup is not None:
        if include_optimizer and model.optimizer.built:
            iterations, state = model.optimizer.get_state()
            config["optimizer_state"] = {"iterations": iterations, "names": sorted(state)}
            if model.optimizer.get_scalars():  # (a LossScaleOptimizer's scale and step counter)
                config["optimizer_state"]["scalars"] = model.optimizer.get_scalars()
            for name, value in state.items():
                members[f"optimizer/{name}.npy"] = _npy_array(value)

    try:  # before anything is written
        text = json.dumps(config, indent=1, default=_plain, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Cannot save the model: a setting is not a plain number or name ({exc}).") from None
    # what load_model refuses is not written (a ModelCheckpoint kept writing files that could not be loaded)
    if len(architecture["layers"]) > MAX_LAYERS:
        raise ValueError(f"Cannot save the model: it has {len(architecture['layers']):,} layers, and load_model reads "
                         f"at most {MAX_LAYERS:,}.")
    if len(text) > MAX_CONFIG_BYTES:  # (ASCII: json.dumps escapes the rest)
        raise ValueError(f"Cannot save the model: its {CONFIG_NAME} would take {len(text):,} bytes, and load_model "
                         f"reads at most {MAX_CONFIG_BYTES:,} (model.metadata takes "
                         f"{len(json.dumps(config['metadata'], indent=1)):,} of them): keep large data in a file "
                         "of its own.")

    def write(fh):
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(CONFIG_NAME, text)
            date_time = time.localtime(time.time())[:6]
            for name, array in members.items():
                # the arrays stored as they are: trained float weights deflate by ~7 % for ~30 ms per MB,
                # most of a checkpoint's time (a 670k-parameter model with Adam: 115 ms -> ~20 ms)
                _write_npy(zf, name, array, date_time)

    atomic_write(filepath, write, overwrite=overwrite)


def check_replaceable(filepath, writer, weights_h5=False):
    """Refuse, before anything is written, to replace the existing file ``filepath`` unless it is of the
    kind ``writer`` (``"model.save"``, ``"model.save_weights"``) writes: a glassnet model file (a zip with
    ``model.json``: a model's, a weights file's or an estimator's), an HDF5 file too for ``weights_h5``
    (Keras's ``.weights.h5``), or an empty file. ``overwrite=True``, Keras's default, replaced any file:
    ``model.save("train.csv")`` destroyed the data without a word (Keras's save refuses any name but
    ``.keras``). A device or a named pipe is written into, and a folder refused, by ``atomic_write``."""
    path = check_path(filepath, "filepath")
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return
    if CONFIG_NAME in zip_members(path) or (weights_h5 and _starts_with(path, HDF5_SIGNATURE)):
        return
    kind = "neither a glassnet model file nor an HDF5 weights file" if weights_h5 else "not a glassnet model file"
    raise FileExistsError(f"{path!r} exists and is {kind}: it seems to be {_seems(path)}. It "
                          f"was left as it is: {writer} replaces only its own kind of file (or an empty one), so that "
                          "a slip of the name cannot destroy other data. Give another file name, or delete that file "
                          "first.")


def _seems(path):
    """What the file ``path`` seems to be, told by its content (not its name), for :func:`check_replaceable`."""
    members = zip_members(path)
    if {KERAS_CONFIG_NAME, "model.weights.h5"} <= members:
        return ("a Keras model file (a zip of config.json and model.weights.h5; model.export(path, format='keras') "
                "writes this model as one)")
    if members:
        return f"a zip archive holding {_some_members(members)}"
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:  # (unreadable: then not replaced either)
        return f"a file that cannot be read ({exc.strerror})"
    if head.startswith(HDF5_SIGNATURE):
        return "an HDF5 file (Keras's weights file or a Keras 2 model)"
    if head.startswith(b"\x93NUMPY"):
        return "a NumPy .npy array"
    if _is_onnx(path):
        return "an ONNX file (model.export's, which onnxruntime runs)"
    try:  # (an incremental decoder: the 4096 bytes may end inside a character)
        text = None if b"\0" in head else codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        text = None
    if text is not None and text.strip():
        return f"a text file (its first line: {text.strip().splitlines()[0]!r:.80})"
    return f"a file of another kind ({os.path.getsize(path):,} bytes)"


# -- loading ----------------------------------------------------------------------
def _fail(path, message):
    raise ValueError(f"Cannot load model file {path!r}: {message}")


def _read_member(zf, name, limit, path):
    try:
        info = zf.getinfo(name)
    except KeyError:
        _fail(path, f"the member {name!r} is missing.")
    if info.file_size > limit:
        _fail(path, f"the member {name!r} declares {info.file_size} bytes; at most {limit} are expected.")
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
        # NotImplementedError: a compression zipfile lacks (Deflate64); RuntimeError: encrypted
        _fail(path, f"the member {name!r} is corrupt or cannot be read ({type(exc).__name__}: {exc}).")
    if len(data) > limit:
        _fail(path, f"the member {name!r} is larger than the {limit} bytes expected.")
    return data


def _read_array(zf, name, shape, dtype, path):
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    data = _read_member(zf, name, nbytes + NPY_HEADER_SLACK, path)
    header = io.BytesIO(data)
    try:  # the header first: a forged shape must not make np.load allocate it
        declared, fortran, declared_dtype = read_npy_header(header)
    except ValueError as exc:  # a bad magic, version or header
        _fail(path, f"the member {name!r} is {exc}.")
    # .npy records its byte order: an array written on a big-endian machine is the same float32
    if tuple(declared) != tuple(shape) or declared_dtype.newbyteorder("=") != np.dtype(dtype):
        _fail(path, f"the array {name!r} has shape {tuple(declared)} and dtype {declared_dtype}; the architecture "
                    f"needs {tuple(shape)} {dtype}.")
    if declared_dtype.hasobject:  # (np.load's allow_pickle=False refusal)
        _fail(path, f"the member {name!r} is not a plain .npy array (it holds Python objects).")
    if len(data) != header.tell() + nbytes:  # truncated, or bytes after the array
        _fail(path, f"the member {name!r} is not a valid .npy array ({len(data) - header.tell()} bytes of data "
                    f"for {nbytes} bytes of {tuple(shape)} {dtype}).")
    # the array read where the member's bytes are (np.load copied them twice more); read-only, as the
    # callers copy it into the model's arrays
    array = np.frombuffer(data, dtype=declared_dtype, offset=header.tell()).reshape(shape, order="F" if fortran else "C")
    return array.astype(dtype, copy=False)  # native byte order: the math must not pay for swapping


def weight_names(model):
    """``layer/weight`` for each array of ``model.get_weights()``, in its order."""
    return [f"{layer.name}/{name}" for layer in model.layers for name in layer.weight_names[:len(layer.weights)]]


def warn_non_finite(path, what, named_arrays):
    """Warn when arrays read from ``path`` hold NaN or infinite values. Loaded all the same, as
    Keras loads them (set_weights takes them on purpose; a diverged model can be inspected), but
    said: glassnet's fit never leaves them, so such a file predicts NaN without another word."""
    bad = [(name, int(np.isnan(a).sum()), int(np.isinf(a).sum())) for name, a in named_arrays
           if a.dtype.kind in "fc" and not np.isfinite(a).all()]
    if bad:
        listed = "; ".join(f"{name}: " + " and ".join(f"{n} {kind}" for n, kind in ((nan, "NaN"), (inf, "infinite")) if n)
                           for name, nan, inf in bad[:5])
        more = f" and {len(bad) - 5} more arrays" if len(bad) > 5 else ""
        warnings.warn(f"The model file {path!r} holds NaN or infinite values in its {what} ({listed}{more}): "
                      "the model's outputs will be NaN or infinite. It was loaded as it is (a diverged training, "
                      "or values set on purpose).", UserWarning, stacklevel=user_stacklevel())


def _set_rng_state(rng, state, path):
    if not isinstance(state, dict) or state.get("bit_generator") != type(rng.bit_generator).__name__:
        _fail(path, "a random-generator state is malformed.")
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        _fail(path, f"a random-generator state is malformed ({exc}).")


#: the first bytes of an HDF5 file (Keras 2's model.h5)
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: what marks a Keras 3 .keras archive (glassnet's own hold model.json)
KERAS_CONFIG_NAME = "config.json"


def _starts_with(path, signature):
    try:
        with open(path, "rb") as fh:
            return fh.read(len(signature)) == signature
    except OSError:
        return False


def _is_onnx(path):
    from ..onnx import _looks_like_onnx  # (the ONNX package's knowledge; no onnx import)

    try:
        with open(path, "rb") as fh:
            return _looks_like_onnx(fh.read(3))
    except OSError:
        return False


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by :meth:`Sequential.save`, or a Keras 3 ``.keras`` file of a
    Sequential model (told apart by their members, not by the suffix; reading Keras files
    needs h5py, the ``keras-files`` extra; see ``docs/file-format.md``).

    Raises ``ValueError`` for a file that is not a glassnet model, is
    truncated, names unknown layers, holds arrays of the wrong shape or size,
    or anything that would need unpickling; ``FileNotFoundError`` when there is
    no file at ``filepath``, and ``TypeError`` when it is not a path.

    ``custom_objects`` (``{name: class}``, Keras's) gives the classes of custom objects the file names
    (by registered name or class name), looked up before the active ``custom_object_scope`` s and the
    classes registered with ``register_keras_serializable``. ``safe_mode`` may be given but changes
    nothing: loading never runs code from the file, only the classes the program registered or passed.
    ``compile=True`` compiles the model with the file's compile settings (optimizer, its state, loss,
    metrics), where it holds them; ``compile=False`` loads the architecture and weights only (as Keras).
    """
    from .._custom_objects import CustomObjectScope

    # (a mixed policy, which every layer of a Keras file names, is said once a file)
    with CustomObjectScope(custom_objects), saying_mixed_once():  # (checks that it is a dict)
        model = _load_model(filepath, compile, safe_mode)
    model._weights_given = True  # (the file's, as set_weights: diagnose's start checks skip them)
    return model


def _load_model(filepath, compile, safe_mode):
    from .sequential import Sequential

    check_bool(safe_mode, "safe_mode")
    path = check_path(filepath, "filepath")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No model file at {path!r}.")
    if not os.path.isfile(path) and not os.path.isdir(path):  # (a folder: said below, by zipfile's error)
        # a named pipe blocked for ever, /dev/zero filled memory: neither has an end to find the zip's directory at
        _fail(path, "it is not a regular file (a named pipe, a device or a socket, or a link to one).")
    if os.path.isfile(path) and os.path.getsize(path) == 0:  # (zipfile's "File is not a zip file" said nothing of it)
        _fail(path, "it is empty (0 bytes): nothing was written to it, or its writing was cut off before it began.")
    try:
        zf = zipfile.ZipFile(path, "r")
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError) as exc:
        # NotImplementedError: a damaged directory's version field; ValueError: a member name not UTF-8
        if _starts_with(path, HDF5_SIGNATURE):
            _fail(path, "it is an HDF5 file, no model file: Keras 3's weights (.weights.h5) load into a model built "
                        "with the same layers, by model.load_weights(path); a Keras 2 .h5 model glassnet does not read: "
                        "in Keras, load it and save it again as a .keras file (model.save('model.keras')).")
        if os.path.isdir(path):  # TensorFlow's SavedModel is a folder (tf.keras's model.save('saved_model/m'))
            _fail(path, "it is a folder, no model file" + (
                ": a TensorFlow SavedModel, which glassnet does not read; in Keras, load it and save it again as a "
                ".keras file (model.save('model.keras')), which load_model reads"
                if os.path.isfile(os.path.join(path, "saved_model.pb")) else "") + ".")
        if path.lower().endswith(".onnx") or _is_onnx(path):
            _fail(path, "it is an ONNX file (model.export's), which runs in onnxruntime; glassnet loads the files of "
                        "model.save.")
        _fail(path, f"it is not a glassnet model file (a zip archive): {exc}.")
    with zf:
        seen = set()
        for name in zf.namelist():  # zip readers differ on which copy they read: the file has no one meaning
            if name in seen:
                _fail(path, f"it holds the member {name!r} more than once.")
            seen.add(name)
        if CONFIG_NAME not in seen and KERAS_CONFIG_NAME in seen:  # a Keras 3 .keras file, whatever its suffix
            from .keras_reading import load_keras_file

            try:
                return load_keras_file(zf, path, compile)
            except RecursionError:
                _nested_too_deeply(path, KERAS_CONFIG_NAME)
        if CONFIG_NAME not in seen:  # an np.savez .npz, a zip of the user's: "the member 'model.json' is missing"
            _fail(path, f"it is a zip archive but not a glassnet model file (it has no {CONFIG_NAME}; "
                        f"it holds {_some_members(seen)}).")
        raw = _read_member(zf, CONFIG_NAME, MAX_CONFIG_BYTES, path)  # too large or corrupt: said as such
        try:
            # utf-8-sig: a byte-order mark before the JSON (a Windows editor's) is ignored, as RFC 8259 lets a reader
            config = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=unique_keys)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: also JSONDecodeError
            _fail(path, f"{CONFIG_NAME} is not valid JSON ({type(exc).__name__}: {str(exc)[:200]}).")
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            _fail(path, f"{CONFIG_NAME} does not describe a glassnet model.")
        version = config.get("format_version")
        if type(version) is not int or version not in (FORMAT_VERSION, PINS_FORMAT_VERSION):
            _fail(path, f"format version {version!r} is not supported "
                        f"(this glassnet reads {FORMAT_VERSION} and {PINS_FORMAT_VERSION}).")
        # the weights and the generators' states come from the file: building the layers
        # (and checking their sizes) must not draw from the user's global generator
        with seeded(0):
            try:
                return _read_model(config, zf, path, compile, Sequential)
            except RecursionError:
                _nested_too_deeply(path, CONFIG_NAME)


def _nested_too_deeply(path, member):
    """Refuse a file whose JSON ``member`` nests objects more deeply than building them can follow: json.loads
    reads what Python's stack holds, but each nested object (260 LossScaleOptimizers, each the next one's
    inner_optimizer; 260 SpectralNormalization wrappers) takes several calls to build."""
    _fail(path, f"{member} is malformed: its objects are nested too deeply to be built (RecursionError).")


def _some_members(names):
    """A few of a zip's member ``names``, for a message: ``"the members 'a.npy', 'b.npy' (NumPy arrays:
    an np.savez .npz file)"``."""
    if not names:
        return "no members"
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    listed = f"the member{'s' if len(names) > 1 else ''} {', '.join(repr(name) for name in sorted(names)[:3])}{more}"
    if all(name.endswith(".npy") for name in names):
        return f"{listed} (NumPy arrays: an np.savez .npz file, which np.load reads)"
    return listed


def _read_model(config, zf, path, compile, Sequential):
    """The model of a checked ``config`` with the file's weights, generators and settings."""
    try:
        _check_size(config, zf, path)
        with initializers._drawing_nothing():  # the file's weights replace the first ones
            model = _build(config, Sequential, path)
        table = config["weights"]
        targets = [w for layer in model.layers for w in layer.weights]
        if not isinstance(table, list) or len(table) != len(targets):
            listed = len(table) if isinstance(table, list) else "?"
            _fail(path, f"it lists {listed} arrays; the architecture has {len(targets)}.")
        # each array checked and assigned as it is read, dropped before the next one (a list of them all
        # peaked at 4.3 times the weights, hscale s57); the model is not returned where one is refused
        for i, (entry, target) in enumerate(zip(table, targets)):
            array = _read_array(zf, f"weights/{i:04d}.npy", target.shape, numpy_dtype(target), path)
            _check_listed(entry, i, array, path)
            target[...] = from_numpy(array)
        _restore_rngs(model, config.get("rng") or {}, path)
        metadata = config.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):  # ([] was read as no metadata)
            _fail(path, f"its metadata is not a JSON object (nor null): {metadata!r:.100}")
        if metadata and (problem := _metadata_problem(metadata)) is not None:  # (NaN, which Python's json writes)
            _fail(path, f"its metadata holds what model.save does not write (JSON values: str, finite numbers, not NaN "
                        f"or Infinity, bool, None, lists, dicts), so the model could not be saved again: {problem}")
        model.metadata = metadata or {}
        if compile and config.get("compile") is not None:  # ("compile": "adam" said "string indices ...")
            _compile(model, config, zf, path)
        elif compile and isinstance(config.get("optimizer_state"), dict) and config["optimizer_state"]:
            # (a BackupAndRestore backup of a model whose loss or optimizer a file cannot hold: its restore reads
            # the file with compile=False and takes the state itself, silently)
            resume = ("compile the model as it was and fit it with BackupAndRestore on this file's folder, which "
                      "restores the weights, the optimizer's state and the epoch" if "backup" in config else
                      "the file needs its compile settings")
            warnings.warn(f"The model file {path!r} holds an optimizer state but no compile settings: the model is "
                          f"loaded uncompiled and that state is not used (a compile after loading starts a fresh "
                          f"optimizer). To resume the training, {resume}; load_model(path, compile=False) loads "
                          "the model without this warning.", UserWarning, stacklevel=user_stacklevel())
    except (KeyError, TypeError, AttributeError, OverflowError) as exc:
        _fail(path, f"{CONFIG_NAME} is malformed ({type(exc).__name__}: {str(exc)[:300]}).")
    except ValueError as exc:
        if str(exc).startswith("Cannot load model file"):
            raise
        # an unknown class, a bad setting: said of this file (an unknown custom class's advice, whole)
        _fail(path, str(exc)[:1500 if isinstance(exc, UnknownCustomObjectError) else 500])
    warn_non_finite(path, "weights", zip(weight_names(model), map(to_numpy, targets)))  # (a file that loads)
    return model


def _check_listed(entry, i, array, path):
    """Refuse the file when ``weights[i]`` of its model.json does not describe the array read for it: an
    object with that array's ``shape`` and, where it has one, ``dtype`` (any spelling NumPy reads, either byte
    order), as every glassnet has written it. Other readers trust the listing; only its length was read."""
    member = f"weights/{i:04d}.npy"
    if not isinstance(entry, dict):
        _fail(path, f"weights[{i}] in {CONFIG_NAME} is {entry!r:.100}, not an object {{\"shape\": [...], "
                    f"\"dtype\": ...}} describing the array {member!r}.")
    shape, dtype = entry.get("shape"), entry.get("dtype", array.dtype.name)
    try:
        same_dtype = isinstance(dtype, str) and np.dtype(dtype).newbyteorder("=") == array.dtype
    except (TypeError, ValueError, SyntaxError):  # not a dtype NumPy knows
        same_dtype = False
    if (not isinstance(shape, list) or not all(type(d) is int for d in shape) or tuple(shape) != array.shape
            or not same_dtype):
        listed = f"shape {shape!r:.60}" if "shape" in entry else "no shape"
        listed += f" and dtype {dtype!r:.40}" if "dtype" in entry else ""
        _fail(path, f"weights[{i}] in {CONFIG_NAME} lists {listed}, but the array {member!r} holds shape "
                    f"{list(array.shape)} and dtype {array.dtype.name!r}.")


#: the most a deflated zip member expands (deflate's limit is about 1032:1)
MAX_EXPANSION = 1100


def _check_size(config, zf, path):
    """Refuse an architecture whose weights the file cannot hold, before building it:
    a 3 kB file that declares Dense(10**12) must not allocate terabytes first."""
    from ..layers import deserialize

    spec = config["model"]
    if isinstance(spec, dict) and isinstance(spec.get("layers"), list) and len(spec["layers"]) > MAX_LAYERS:
        _fail(path, f"it describes {len(spec['layers'])} layers; at most {MAX_LAYERS} are read.")
    dtype = np.dtype(standardize_dtype(spec.get("dtype")))
    shape = spec.get("input_shape")
    if (not isinstance(shape, list) or not shape or not all(isinstance(d, int) and d > 0 for d in shape)
            or not isinstance(spec.get("layers"), list)):
        return  # _build reports these
    shape, needed = tuple(shape), 0
    for layer_config in spec["layers"]:
        layer = deserialize(layer_config)
        needed += layer.count_weights(shape)
        _check_derived_size(layer, shape, path)
        check_custom_settings(layer, layer_config, lambda n: _weights_bytes(zf, n * dtype.itemsize, path)
                              >= n * dtype.itemsize, path)
        shape = layer.sample_output_shape(shape)
    budget = _weights_bytes(zf, needed * dtype.itemsize, path)
    if needed * dtype.itemsize > budget:
        _fail(path, f"its architecture needs {needed:,} weights ({needed * dtype.itemsize:,} bytes), more than "
                    f"the file stores ({budget:,} bytes).")


def _weights_bytes(zf, wanted, path):
    """The bytes the ``weights/`` members hold, counted up to a little over ``wanted``: not the
    sizes the zip's directory declares, which are numbers a file can forge (a 10 MB file declaring
    4 GB of weights made load_model build a 4 GB model before reading a byte of them). A stored
    member holds the bytes it occupies in the file; a compressed one is inflated and counted,
    a chunk at a time, unless even deflate's largest ratio could not make the file hold ``wanted``."""
    size = os.path.getsize(path)
    members = [info for info in zf.infolist() if info.filename.startswith("weights/")]
    stored = min(sum(min(i.file_size, i.compress_size) for i in members if i.compress_type == zipfile.ZIP_STORED), size)
    packed = [info for info in members if info.compress_type != zipfile.ZIP_STORED]
    # the most they could hold, a deflated member at deflate's largest ratio: a file that cannot hold
    # ``wanted`` even so is refused without inflating a byte (a 4 MB file declaring 40 GB took 28 s)
    most = min(stored + MAX_EXPANSION * sum(min(info.compress_size, size) if info.compress_type == zipfile.ZIP_DEFLATED
                                            else size for info in packed), MAX_EXPANSION * size)
    if wanted > most:
        return most
    compressed = 0
    for info in packed:
        try:
            with zf.open(info) as fh:
                while compressed <= wanted and (chunk := fh.read(2**20)):
                    compressed += len(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
            _fail(path, f"the member {info.filename!r} is corrupt or cannot be read ({type(exc).__name__}: {exc}).")
        if compressed > wanted:
            break
    return min(stored + compressed, MAX_EXPANSION * size)


#: a custom layer's integer setting up to this is built without being compared with the file's weights
FREE_CUSTOM_SETTING = 2**20


def size_settings(settings, prefix=""):
    """``(key, value)`` of each integer in a custom object's config, nested lists and dicts included
    (``{"sizes": [8, 10**9]}`` as ``sizes[1]``), seeds left out: the settings that may size its weights."""
    items = settings.items() if isinstance(settings, dict) else enumerate(settings) if isinstance(settings, list) else ()
    for key, value in items:
        name = f"{prefix}.{key}" if prefix and isinstance(key, str) else f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, (dict, list)):
            yield from size_settings(value, name)
        elif isinstance(value, int) and not isinstance(value, bool) and "seed" not in name:
            yield name, value


def check_custom_settings(layer, config, holds, path):
    """Refuse a custom layer (one whose class defines no ``count_weights``) with an integer setting
    larger than the number of values the file holds (``holds(n)``: whether it holds ``n``): its size
    is unknown until its own ``build`` allocates, and a 500-byte file declaring ``units=30_000_000``
    made load_model allocate 2 GB for 30 s before the weights' shapes were compared. A size setting
    (units, a table's rows) gives at least that many weights; seeds are left out."""
    from .. import _custom_objects
    from ..layers import Layer

    if not _custom_objects.is_custom(layer, "layer") or type(layer).count_weights is not Layer.count_weights:
        return
    settings = config.get("config") if isinstance(config, dict) else None
    for key, value in size_settings(settings if isinstance(settings, dict) else {}):
        if value > FREE_CUSTOM_SETTING and not holds(value):
            _fail(path, f"its custom layer {layer.name!r} ({type(layer).__name__}) sets {key}={value:,}, more than "
                        f"the values its weights hold: a custom layer's size is not known before its build allocates "
                        f"it (define {type(layer).__name__}.count_weights(input_shape) to have it checked exactly).")


#: the most bytes of arrays a layer may build from its settings rather than from the file's weights
MAX_DERIVED_BYTES = 2**28


def _check_derived_size(layer, input_shape, path):
    """Refuse a layer whose settings spread over a forged input size: a ``Normalization``
    given one mean and variance (no weights in the file) builds one of each per feature, and a
    700-byte file declaring 10**9 features made it allocate 16 GB."""
    from ..layers import Normalization

    if isinstance(layer, Normalization) and layer.input_mean is not None:
        values = 2 * int(np.prod(layer._statistics_shape(input_shape), dtype=object))
        if values * 8 > MAX_DERIVED_BYTES:  # built in float64 first
            _fail(path, f"its layer {layer.name!r} would spread its mean and variance over {values // 2:,} "
                        f"features ({values * 8:,} bytes); at most {MAX_DERIVED_BYTES:,} bytes are built from "
                        "settings.")


#: more layers than any network glassnet trains (building is linear in them, checking names too)
MAX_LAYERS = 10_000


def _build(config, Sequential, path):
    spec = config["model"]
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list) or not spec["layers"]:
        _fail(path, "it lists no layers.")
    input_shape = spec.get("input_shape")
    if (not isinstance(input_shape, list) or not input_shape
            or not all(isinstance(d, int) and d > 0 for d in input_shape)):
        _fail(path, f"its input shape {input_shape!r} is not a list of positive integers.")
    name = spec.get("name")
    if name is not None and not isinstance(name, str):  # ({"a": 1} became the model's name "{'a': 1}")
        _fail(path, f"its model's name {name!r:.100} is not a string.")
    model = Sequential.from_config({**spec, "name": "sequential" if name is None else name})
    seed = spec.get("seed")
    if seed is not None:
        make_rng(seed)  # checked as Sequential(seed=...) checks it
        model.seed = seed
    if "subclass" in spec:  # the subclass itself, when the program registered or passed its class
        from .subclassing import revive

        subclass = revive(spec["subclass"], model)  # (in _read_model's _drawing_nothing: the file's weights follow)
        if subclass is not model:
            subclass.seed = model.seed
        return subclass
    return model


def _saved_metrics(spec, key, path):
    """compile's metrics from the file: names (any file) or built-in Metric configs."""
    saved = spec.get(key, [])
    if not isinstance(saved, list):
        _fail(path, f"its compile {key!r} is not a list.")
    try:
        return [metrics.deserialize(m) for m in saved]
    except ValueError as exc:
        _fail(path, str(exc))


def _restore_rngs(model, rng, path):
    if "model" in rng:
        _set_rng_state(model.rng, rng["model"], path)
    for layer in model.layers:
        if hasattr(layer, "rng") and layer.name in rng.get("layers", {}):
            _set_rng_state(layer.rng, rng["layers"][layer.name], path)


def _read_state(zf, name, target, model, path):
    """One optimizer state vector; a float16 model's is float32 (files from before that: float16)."""
    member, dtype = f"optimizer/{name}.npy", numpy_dtype(target)
    try:
        return _read_array(zf, member, target.shape, dtype, path)
    except ValueError:
        if numpy_dtype(model._flat_params) != np.float16 or dtype == np.float16:
            raise
        return _read_array(zf, member, target.shape, np.float16, path).astype(dtype)


#: how a model whose compile settings cannot be used loads all the same (the end of those refusals)
UNCOMPILED = "load_model(path, compile=False) loads the model without its compile settings"


def _too_large_to_compile(path, exc, section):
    """Refuse a file whose compile ``section`` asked for more memory than there is (the MemoryError ``exc``):
    a setting that sizes an array (a metric's number of classes) is not compared with the file's size."""
    _fail(path, f"compiling it needs more memory than there is ({type(exc).__name__}: {str(exc)[:200]}): a setting "
                f"of its {section} is too large, such as a metric's number of classes ({UNCOMPILED}).")


def _compile(model, config, zf, path):
    spec = config["compile"]
    if not isinstance(spec, dict):
        _fail(path, f"its compile settings {spec!r:.100} are not a JSON object ({UNCOMPILED}).")
    if not spec:  # (as null: no settings)
        return
    jit_compile = spec.get("jit_compile", False)  # (absent in files written before it)
    if not isinstance(jit_compile, bool):  # ("yes" was read as False)
        _fail(path, f"its compile jit_compile {jit_compile!r:.100} is not true or false ({UNCOMPILED}).")
    state_spec = config.get("optimizer_state")
    if state_spec is not None and not isinstance(state_spec, dict):  # ([] was read as no state)
        _fail(path, f"its optimizer_state {state_spec!r:.100} is not a JSON object (nor null) ({UNCOMPILED}).")
    # the keys without which nothing can be read (their absence said "model.json is malformed (KeyError: 'loss')")
    required = [("compile", spec, ("loss", "optimizer"))]
    if state_spec:
        required.append(("optimizer_state", state_spec, ("iterations", "names")))
    for section, given, keys in required:
        missing = [key for key in keys if key not in given]
        if missing:
            _fail(path, f"its {section} has no {missing[0]!r} (it needs {keys[0]!r} and {keys[1]!r}; {UNCOMPILED}).")
    if state_spec and not (isinstance(state_spec["names"], list) and all(isinstance(n, str) for n in state_spec["names"])):
        _fail(path, f"its optimizer_state names {state_spec['names']!r:.100} are not a list of names ({UNCOMPILED}).")
    weight = spec.get("loss_weights")  # (absent in files written before it, and at 1)
    if weight is not None:
        from .compiled_metrics import _loss_weight

        try:  # (a number: glassnet writes no per-output form, and a string would be read as metrics)
            weight = _loss_weight(weight, weight)
        except (TypeError, ValueError) as exc:
            _fail(path, f"its compile settings cannot be used: {exc} ({UNCOMPILED}).")
    try:
        loss = losses.deserialize(spec["loss"])
    except TypeError as exc:  # the user's function found for the file's loss has no gradient
        _fail(path, f"its loss cannot be compiled: {exc} (load_model(path, compile=False) loads the model "
                    "uncompiled)")
    try:
        model.compile(
            optimizer=optimizers.deserialize(spec["optimizer"]),
            loss=loss,
            loss_weights=weight,
            metrics=_saved_metrics(spec, "metrics", path),
            weighted_metrics=_saved_metrics(spec, "weighted_metrics", path),
            # a model trained with jit_compile uses it again where numba is installed
            jit_compile="auto" if jit_compile else False,
        )
        model._resolve_metrics()
    except MemoryError as exc:  # a 1 kB file's MeanIoU(num_classes=10**6) asked NumPy for 7.28 TiB
        _too_large_to_compile(path, exc, "compile settings")
    if state_spec:
        opt = model.optimizer
        from .updates import build_optimizer  # (here, not at the top: the package imports this module first)

        build_optimizer(model)
        names = state_spec["names"]
        if sorted(names) != sorted(opt.slot_names):
            _fail(path, f"its optimizer state {names} does not match {type(opt).__name__}'s {list(opt.slot_names)}.")
        state = {name: _read_state(zf, name, opt.state[name], model, path) for name in names}
        warn_non_finite(path, "optimizer state", state.items())
        iterations = _iteration_count(state_spec, path)
        _set_scalars(opt, state_spec, path)
        opt.set_state(iterations, state)


def _iteration_count(spec, path):
    """The optimizer's step count of the file's ``optimizer_state`` ``spec``, checked."""
    iterations = spec.get("iterations")
    if not isinstance(iterations, int) or isinstance(iterations, bool) or not 0 <= iterations < 2**63:
        _fail(path, f"its optimizer iteration count {iterations!r} is not a non-negative integer.")
    return iterations


def _set_scalars(optimizer, spec, path):
    """The optimizer's state that is not a vector (a LossScaleOptimizer's scale), from the file."""
    try:
        optimizer.set_scalars(spec.get("scalars", {}))
    except (TypeError, ValueError) as exc:
        _fail(path, f"its optimizer state is not {type(optimizer).__name__}'s ({exc}).")


def read_model_file_state(model, source, path):
    """``load_weights`` of a glassnet model file ``path`` (``source``: its model, read by ``load_model(path,
    compile=False)``): the optimizer's state that ``model.save`` wrote there, read as that of a ``.weights.h5``
    file (:func:`keras_optimizer.read_weights_file_state`, Keras's rules): nothing for an uncompiled model or a
    file without state; into an optimizer not yet built only a state without vectors (plain SGD's steps); where
    the state does not fit the optimizer (other vectors, another model's weights), the optimizer keeps its own,
    with an ``OptimizerStateWarning``. Checked whole before the optimizer changes."""
    from .keras_optimizer import OptimizerStateWarning
    from .keras_weights import _check_range
    from .updates import adopt_loop_state, build_optimizer

    with zipfile.ZipFile(path) as zf:  # (load_model has read it whole already: the same checks hold)
        if CONFIG_NAME not in zf.namelist():  # a Keras archive: keras_weights.read_keras_file_state reads it
            return
        config = json.loads(_read_member(zf, CONFIG_NAME, MAX_CONFIG_BYTES, path).decode("utf-8-sig"))
        spec = config.get("optimizer_state")
        if not model.compiled or not isinstance(spec, dict) or not spec:
            return
        opt = model.optimizer
        names = spec.get("names")
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            _fail(path, f"its optimizer state {spec!r:.200} is not a list of names with an iteration count.")

        def skip(why):
            warnings.warn(f"The optimizer's state in the model file {path!r} is not read: {why}; the optimizer keeps "
                          "its own state, as Keras's load_weights.", OptimizerStateWarning, stacklevel=user_stacklevel())

        if not opt.built and names:
            return skip(f"this model's {type(opt).__name__} has not been built yet (it has taken no step). Call "
                        "model.optimizer.build(model.trainable_variables) before load_weights to load it, or "
                        "load_model(path), which resumes the training")
        if not opt.built:  # a state without vectors (plain SGD's steps), which Keras's unbuilt optimizer takes
            build_optimizer(model)
        adopt_loop_state(model)  # (built by a custom loop's apply_gradients, or build(trainable_variables))
        if opt._size != model._flat_params.shape[0] or _params_layout(source) != _params_layout(model):
            return skip(f"it is the state of other weights ({_params_layout(source)}) than this model's "
                        f"{type(opt).__name__} steps ({opt._size} weights: {_params_layout(model)})")
        if sorted(names) != sorted(opt.slot_names):
            return skip(f"it holds {sorted(names)}, and this model's {type(opt).__name__} keeps "
                        f"{sorted(opt.slot_names)}")
        # read in the file's dtype, as the weights are (a float64 model's file into a float32 model): a float16
        # model's state is float32
        held = np.dtype(np.float32) if numpy_dtype(source._flat_params) == np.float16 else numpy_dtype(source._flat_params)
        state = {}
        try:  # (a MultiOptimizer's vectors of another split of the weights: the optimizer keeps its own, as .weights.h5)
            for name in names:
                dtype = numpy_dtype(opt.state[name])
                value = _read_state(zf, name, np.broadcast_to(np.zeros((), held), opt.state[name].shape), source, path)
                _check_range(value, dtype, f"its optimizer's {name}", path, "the file")
                state[name] = value.astype(dtype, copy=False)
        except ValueError as exc:
            return skip(f"it does not fit this model's {type(opt).__name__} ({exc})")
    warn_non_finite(path, "optimizer state", state.items())
    iterations = _iteration_count(spec, path)
    # the rate the file's optimizer had (ReduceLROnPlateau's), as a .weights.h5 file's: a schedule follows the steps
    settings = _mapping(_mapping(_mapping(config.get("compile")).get("optimizer")).get("config"))
    inner_settings = _mapping(_mapping(settings.get("inner_optimizer")).get("config"))  # (a LossScaleOptimizer's)
    rate = (inner_settings or settings).get("learning_rate")
    inner = getattr(opt, "inner_optimizer", opt)
    settable = (isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 <= rate <= sys.float_info.max
                and not isinstance(inner, optimizers.MultiOptimizer) and not callable(inner._learning_rate))
    try:  # (a LossScaleOptimizer's scale into another optimizer, or none into one: as .weights.h5, kept with a warning)
        _set_scalars(opt, spec, path)  # (checked whole before it changes the optimizer)
    except ValueError as exc:
        return skip(f"it does not fit this model's {type(opt).__name__} ({exc})")
    opt.set_state(iterations, state)
    if settable:
        inner.learning_rate = rate


def _mapping(value):
    """``value`` where it is a dict, else an empty one (a hand-written file's section of another kind)."""
    return value if isinstance(value, dict) else {}


def _params_layout(model):
    """The layers of ``model`` with parameters, each as its class and their shapes: the optimizer state's layout."""
    return [(type(layer).__name__, [tuple(v.shape) for v in layer.params.values()]) for layer in model.layers
            if layer.params]


# -- backups (BackupAndRestore) ------------------------------------------------------
def restore_backup(model, filepath):
    """Put the training state that ``save_model(..., backup=...)`` wrote into ``model``, a
    compiled model with the same weight shapes and optimizer: weights, the optimizer's
    state, step count and learning rate, the random generators. Returns the file's backup
    record. Everything is read and checked before ``model`` changes."""
    path = check_path(filepath, "filepath")
    source = load_model(path, compile=False)  # the whole file checked: arrays, sizes, generators
    with zipfile.ZipFile(path, "r") as zf:
        config = json.loads(_read_member(zf, CONFIG_NAME, MAX_CONFIG_BYTES, path).decode("utf-8-sig"))
        record = config.get("backup")
        if not isinstance(record, dict):
            _fail(path, "it is a model file, not a backup (it has no backup record).")
        epoch = record.get("epoch")  # (checked after the model had changed, and no previous.gn was tried)
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            _fail(path, f"its backup records {epoch!r:.100} epochs done; expected a non-negative integer.")
        weights, targets = source.get_weights(), model.get_weights()
        if [(w.shape, w.dtype) for w in weights] != [(t.shape, t.dtype) for t in targets]:
            _fail(path, f"it is the backup of another model: weights {[w.shape for w in weights]}, but this "
                        f"model's are {[t.shape for t in targets]}.")
        opt = model.optimizer
        if record.get("optimizer") != type(opt).__name__:
            _fail(path, f"it is the backup of a training with {record.get('optimizer')!r}, not {type(opt).__name__}.")
        if not opt.built:
            from .updates import build_optimizer  # (here, not at the top: the package imports this module first)

            build_optimizer(model)
        spec = config.get("optimizer_state") or {}
        names = spec.get("names", []) if isinstance(spec, dict) else None
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            _fail(path, f"its optimizer state {spec!r:.200} is not a list of names with an iteration count.")
        if sorted(names) != sorted(opt.slot_names):
            _fail(path, f"its optimizer state {spec.get('names')} does not match {type(opt).__name__}'s "
                        f"{list(opt.slot_names)}.")
        state = {name: _read_state(zf, name, opt.state[name], model, path) for name in opt.slot_names}
        warn_non_finite(path, "optimizer state", state.items())
        iterations = _iteration_count(spec, path)
        # a MultiOptimizer's (also inside a LossScaleOptimizer): one rate per sub-optimizer; a LossScaleOptimizer
        # has the attribute optimizers too, None around any other optimizer, whose one rate the record holds
        subs = getattr(opt, "optimizers", None)
        rated = [opt] if subs is None else list(subs)
        rates = [record.get("learning_rate")] if subs is None else record.get("learning_rate")
        if not isinstance(rates, list) or len(rates) != len(rated):
            _fail(path, f"its learning rates {rates!r:.100} are not one per optimizer ({len(rated)}).")
        settable = [not callable(o._learning_rate) for o in rated]  # a schedule or callable follows iterations itself
        # (finite: json reads Infinity and 1e400, which the optimizer refused after the weights had changed)
        for rate, can in zip(rates, settable, strict=True):
            if can and (not isinstance(rate, (int, float)) or isinstance(rate, bool)
                        or not 0 <= rate <= sys.float_info.max):
                _fail(path, f"its learning rate {rate!r:.100} is not a finite non-negative number.")
        _set_scalars(opt, spec, path)  # (checked whole before it changes the optimizer)
    model.set_weights(weights)
    opt.set_state(iterations, state)
    for o, rate, can in zip(rated, rates, settable, strict=True):
        if can:
            o.learning_rate = rate
    model.rng.bit_generator.state = source.rng.bit_generator.state
    for layer, saved in zip(model.layers, source.layers):
        if hasattr(layer, "rng") and hasattr(saved, "rng"):
            layer.rng.bit_generator.state = saved.rng.bit_generator.state
    return record
