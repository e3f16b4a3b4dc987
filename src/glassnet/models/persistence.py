"""How a :class:`~glassnet.models.Sequential` is written and read back: its files (``save``,
``save_weights``, ``load_weights``, ``export``), its configuration (``get_config``, ``from_config``,
``to_json``), including Keras's configurations, and its pickles.

:class:`Persistence` is the part of ``Sequential`` that checks the arguments and hands the model to the
writers and readers of each format (:mod:`glassnet.models.saving` for glassnet's file,
:mod:`glassnet.models.keras_files`, :mod:`~glassnet.models.keras_reading` and
:mod:`~glassnet.models.keras_weights` for Keras's, :mod:`glassnet.onnx`); the functions below read a
configuration's input shape, dtype, names and pins.
"""

import importlib
import os
import re
import warnings
import weakref

import numpy as np

from .. import backend, kernels
from .._custom_objects import from_config_takes_custom_objects
from .._io import exists_error
from .._validation import check_bool, check_path, check_positive_int, check_shape, is_one_of
from ..backend import standardize_dtype
from ..layers import InputLayer
from ..layers.input_layer import given_input_name, input_dtype_name, keras_input_dtype
from ..layers.base import snake_case
from . import updates
from .divergence import user_stacklevel
from .nesting import build_as_drawn, flatten_keras, nested_config, restore_nested, revive_nested


class Persistence:
    """Sequential's methods that write it to files and configurations and read it back."""

    # -- files -------------------------------------------------------------------------
    def _layer_with_repeated_name(self):
        """The first layer whose name an earlier layer has, or None. ``add`` refuses a name in
        use, but ``layer.name = ...`` afterwards is not checked (as in Keras): ``save`` writes
        such a layer renamed, and a Keras file refuses it (Keras's Sequential does)."""
        seen = set()
        for layer in self._layers:
            if layer.name in seen:
                return layer
            seen.add(layer.name)
        return None

    def save(self, filepath, overwrite=True, zipped=None, include_optimizer=True, save_format=None):
        """Save architecture, weights, optimizer state and compile settings to one
        ``.gn`` file (a zip of JSON and ``.npy``; see docs/file-format.md). Atomic.

        As Keras: ``overwrite=False`` refuses an existing file (Keras asks on the
        terminal). ``overwrite=True`` replaces a glassnet model file (or an empty file), and refuses,
        with a FileExistsError that says what the file seems to be, any other (a CSV file, a Keras
        file), which a slip of the name would destroy (Keras's save refuses any name but ``.keras``);
        ``zipped`` must be None or True (the file is always a zip);
        ``include_optimizer=False`` (tf.keras's) leaves the optimizer state out;
        tf.keras's ``save_format`` is treated as Keras 3.15 treats it: a warning for a file named
        ``.keras``/``.h5``/``.hdf5``, a ValueError for any other name (tf's SavedModel folder)."""
        from .saving import check_replaceable, save_model
        from .subclassing import warn_saved

        if save_format is not None and save_format is not False:
            named = str(check_path(filepath, "filepath")).lower().endswith((".keras", ".h5", ".hdf5"))
            message = (f"save_format is deprecated in Keras 3 (it writes the format the file name gives), and glassnet "
                       f"writes one format, its own safe model file, whatever the name (docs/file-format.md): remove "
                       f"save_format={save_format!r:.40}.")
            if not named:  # (Keras 3.15 refuses it too: tf.keras's SavedModel folder is no more)
                raise ValueError(message)
            warnings.warn(message, UserWarning, stacklevel=user_stacklevel())  # (or models.save_model's caller)
        if not is_one_of(zipped, (None, True)):
            raise ValueError(f"glassnet model files are always zip archives: pass zipped=None or True. "
                             f"Received: zipped={zipped!r:.100}")
        overwrite = _check_overwrite(filepath, overwrite)
        check_replaceable(filepath, "model.save")
        _warn_keras_suffix(filepath, "model.save")
        warn_saved(self)  # a subclass of Model loads as a plain Sequential
        save_model(self, filepath, include_optimizer=check_bool(include_optimizer, "include_optimizer"),
                   overwrite=overwrite)

    def export(self, filepath, format="onnx", verbose=None, input_signature=None, overwrite=None):
        """Write the model for another runtime, as Keras 3's ``export``: ``format="onnx"`` an ONNX
        file (glassnet.onnx.export; run it with onnxruntime); ``format="keras"`` a Keras 3 ``.keras``
        file that ``keras.saving.load_model`` reads (architecture, weights, compile settings and
        the optimizer's state, as Keras writes them; what Keras cannot represent is refused: see
        glassnet.models.keras_files.save_keras). Keras's other formats (``"tf_saved_model"``,
        ``"openvino"``, ``"litert"``) need TensorFlow or OpenVINO and are refused; ``verbose`` (a bool)
        prints nothing, and ``input_signature`` must be None (the input is the model's own). Atomic;
        returns ``filepath``. ``overwrite`` (glassnet's): which existing file may be replaced, as in
        glassnet.onnx.export: by default (None) only a file of the format written (an ONNX file; a
        Keras file, not a glassnet model file named .keras) or an empty one; True any; False none."""
        from .sequential import _only_none

        _only_none("is for Keras's TensorFlow exports; the exported input is the model's own",
                   input_signature=input_signature)
        if verbose is not None:
            check_bool(verbose, "verbose")
        formats = {"onnx", "keras"}
        if format in ("tf_saved_model", "openvino", "litert", "tflite"):
            raise ValueError(f"format={format!r} needs TensorFlow or OpenVINO, which glassnet does not use: "
                             f"export with format='onnx' and run the file with onnxruntime.")
        if not isinstance(format, str) or format not in formats:
            raise ValueError(f"format must be one of {sorted(formats)}. Received: format={format!r:.60}")
        self._require_built("export")
        if format == "keras":
            from .keras_files import save_keras
            from .subclassing import warn_saved

            save_keras(self, filepath, overwrite=overwrite)
            warn_saved(self, keras_file=True)  # a subclass: what Keras's load_model needs to make it
            return filepath
        from .. import onnx as onnx_module

        return onnx_module.export(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True):
        """Save the model's weights (read back with :meth:`load_weights`
        or :func:`~glassnet.models.load_model`). Atomic; ``overwrite=False`` refuses an
        existing file, and ``overwrite=True`` replaces only a file of the kind written (an HDF5 file or a
        glassnet model file for a ``.weights.h5`` name, a glassnet model file for any other) or an empty
        one: another (a CSV file) is refused with a FileExistsError, as by :meth:`save`.

        A name ending in ``.weights.h5`` (Keras 3's, which its ``save_weights`` requires) gets
        Keras's HDF5 weights file, which Keras's ``load_weights`` reads into a Keras model of the
        same layers (needs h5py, the ``keras-files`` extra; a custom layer class too, as Keras writes one),
        with a compiled model's optimizer state as Keras writes it there (``optimizer/vars``); any
        other name glassnet's own file (with a warning for ``.keras``, ``.h5`` and ``.hdf5``, and for ``.npz``,
        ``.npy``, ``.pt`` and ``.pth``, which NumPy and PyTorch do not read)."""
        from .keras_weights import is_weights_h5_name, save_weights_h5
        from .saving import check_replaceable, save_model

        overwrite = _check_overwrite(filepath, overwrite)
        check_replaceable(filepath, "model.save_weights", weights_h5=is_weights_h5_name(filepath))
        if is_weights_h5_name(filepath):
            save_weights_h5(self, filepath, overwrite=overwrite)
            return
        _warn_keras_suffix(filepath, "model.save_weights")
        save_model(self, filepath, include_optimizer=False, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Copy the weights stored in ``filepath`` into this model, whose layers must have the
        same weight shapes (as Keras): a file of :meth:`save_weights` or :meth:`save`, a Keras 3
        ``.keras`` file, or a Keras 3 ``.weights.h5`` file (told apart by content, not by name; the
        model must be built, as the file holds no input shape). The file is checked completely
        before any weight changes.

        ``skip_mismatch=True`` (Keras's): a layer whose weights in the file do not fit (another count
        or shape, or none there) keeps its own, and a layer of the file the model lacks is not read;
        one warning names each. Layers are matched as Keras matches them, by class, numbered per class
        (the second Dense with the file's second Dense). A file refused for what it is (corrupt,
        unsafe, values beyond the model's dtype) still changes nothing.

        The optimizer's state of a ``.weights.h5`` or Keras ``.keras`` file (``optimizer/vars``), or of
        glassnet's own file of :meth:`save` (the state, step count and learning rate), is read as Keras's
        ``load_weights`` reads it: into a compiled model whose optimizer is built (it has trained, or
        ``model.optimizer.build(model.trainable_variables)``); an optimizer that has taken no step, or
        one whose variables the file's do not fit, keeps its own state, with an ``OptimizerStateWarning``.
        A glassnet file without state (:meth:`save_weights` under any name but ``*.weights.h5``) changes no
        optimizer. The shuffling and dropout generators come back with ``load_model`` only."""
        from .keras_weights import load_weights_h5, read_keras_file_state, warn_skipped, weights_from_model
        from .saving import HDF5_SIGNATURE, _starts_with, load_model, read_model_file_state

        if "by_name" in kwargs:  # (Keras's message for any but a Keras 2 .h5 file, which glassnet does not read)
            raise ValueError(f"`by_name` only supports loading legacy '.h5' or '.hdf5' files (Keras 2's), which "
                             f"glassnet does not read. Received: {filepath}")
        if "objects_to_skip" in kwargs:  # (Keras's, for .weights.h5 files only)
            raise ValueError("glassnet's load_weights does not take objects_to_skip: keep those layers' weights with "
                             "layer.get_weights() and give them back with layer.set_weights() after loading.")
        if kwargs:
            raise ValueError(f"Invalid keyword arguments: {kwargs}")
        skip_mismatch = check_bool(skip_mismatch, "skip_mismatch")
        path = check_path(filepath, "filepath")
        if os.path.isfile(path) and _starts_with(path, HDF5_SIGNATURE):
            weights, skipped = load_weights_h5(self, path, skip_mismatch)
        else:
            source = load_model(filepath, compile=False)
            self._ensure_built()
            if not self.built and source.built:
                self.build(source.input_shape)
            weights, skipped = weights_from_model(self, source, os.fspath(filepath), skip_mismatch)
            read_keras_file_state(self, path, skip_mismatch)  # (before the weights: a refused state changes none)
            read_model_file_state(self, source, path)  # (glassnet's: model.save's optimizer state)
        self.set_weights(weights)
        warn_skipped(path, skipped)

    def get_compile_config(self):
        """Keras's ``model.get_compile_config()``: compile's settings as JSON values, as a model file keeps
        them (the loss, the optimizer's config, the metrics, ``jit_compile``), or None before compile. The
        user's unregistered functions and classes are named as Keras names them (``{"class_name":
        "function", "config": "my_loss", ...}``). :meth:`compile_from_config` compiles a model with them
        (``clone_model`` does it for you)."""
        from .saving import _compile_config

        return _compile_config(self, by_name=True)

    def compile_from_config(self, config):
        """Keras's ``model.compile_from_config(config)``: ``compile(**config)`` with the serialized objects
        of ``config`` (what :meth:`get_compile_config` returns, Keras's too) made again: names, configs, and
        per-output dicts and lists of them; a new optimizer of those settings, without state. As in Keras, a
        function or class named by a config must be registered or in a ``custom_object_scope``, and the keys
        are compile's arguments (an unknown one is a TypeError; ``compile`` checks the values).
        ``jit_compile=True`` reads as ``"auto"``: the compiled loops where numba is installed."""
        from .. import losses, metrics, optimizers

        if not isinstance(config, dict):
            raise TypeError(f"config must be the dict get_compile_config() returns. Received: {config!r:.100}")

        def revive(value, deserialize):
            if isinstance(value, dict) and "class_name" not in value:  # per output: {"price": "mse"}
                return {key: revive(each, deserialize) for key, each in value.items()}
            if isinstance(value, (list, tuple)):
                return [revive(each, deserialize) for each in value]
            return value if value is None else deserialize(value)

        settings = dict(config)
        if "optimizer" in settings:  # (a name such as "adam" too, as compile takes it)
            optimizer = settings["optimizer"]
            settings["optimizer"] = optimizers.get(optimizer) if isinstance(optimizer, str) else \
                optimizers.deserialize(optimizer)
        if "loss" in settings:
            settings["loss"] = revive(settings["loss"], losses.deserialize)
        for key in ("metrics", "weighted_metrics"):
            if key in settings:
                settings[key] = revive(settings[key], metrics.deserialize) or None
        if settings.get("jit_compile") is True:
            settings["jit_compile"] = "auto"
        self.compile(**settings)

    def to_json(self, **kwargs):
        """The architecture as JSON text (as Keras; ``kwargs`` go to ``json.dumps``), and a compiled model's
        ``compile_config`` (:meth:`get_compile_config`), as Keras 3's: ``glassnet.models.model_from_json``
        rebuilds it with fresh weights, compiled as it is."""
        import json

        from .sequential import Sequential

        spec = {"class_name": "Sequential", "config": Sequential.get_config(self)}
        if self.compiled:
            spec["compile_config"] = self.get_compile_config()
        return json.dumps(spec, **kwargs)

    def get_config(self):
        """The architecture as a dict (name, dtype, input shape, the layers' configs), as Keras's:
        :meth:`from_config` builds a model of it, with fresh weights."""
        from ..layers import serialize
        from .sequential import Sequential

        self._refuse_changed_nested()  # (clone_model, to_json: the old chain, recorded with the changed model)
        if self.__dict__.get("_deferred"):  # (its config would silently lack them)
            waiting = next(item for item in self._deferred if isinstance(item, Sequential))
            raise ValueError(f"Model {self.name!r} holds Model {waiting.name!r} ({type(waiting).__name__}), whose layers "
                             "are those its call chains, known once the input shape is: build the model first "
                             "(model.build((None, ...)), fit or predict), or start it with an Input.")
        return {
            "name": self.name,
            "dtype": self.dtype,
            "input_shape": None if self._input_shape is None else list(self._input_shape),
            # an Input's batch size (Input(shape=(3,), batch_size=8)), which Keras keeps in its batch_shape
            **({"batch_size": self._input_batch_size} if self.__dict__.get("_input_batch_size") else {}),
            # the name given to its Input (Input(..., name="pixels"), which Keras's summary and files show)
            **({"input_name": self._input_name} if self.__dict__.get("_input_name") else {}),
            # the dtype given to its Input (Input(..., dtype="int32") of token ids): a copy's input.dtype, as Keras's
            **({"input_dtype": dtype} if (dtype := self._given_input_dtype()) is not None else {}),
            "layers": [serialize(layer) for layer in self._layers],
            # the modes nested models were called in (base_model(inputs, training=False)), by layer name
            **({"pins": {layer.name: mode for layer, mode in self._pins.items() if layer in self._layers}}
               if self._pins else {}),
            **({} if self._trainable else {"trainable": False}),
            # Sequential(seed=...), glassnet's (Keras's models have none): a copy (clone_model, from_config,
            # model_from_json, the Keras wrappers' clone at each fit) draws what the model draws
            **({"seed": int(self.seed)} if self.seed is not None else {}),
            # made by the functional Model(inputs, outputs): its variables' paths have no model scope
            **({"functional": True} if getattr(self, "_functional", False) else {}),
            # the models nested in it (Sequential([base, ...])): get_layer("base") and its flag after loading
            **({"nested": nested} if (nested := nested_config(self)) else {}),
        }

    @classmethod
    @from_config_takes_custom_objects
    def from_config(cls, config):
        """A new model with the architecture that :meth:`get_config` describes and
        fresh weights (as Keras's ``Sequential.from_config``, whose ``custom_objects``
        are known while it is read); built when the configuration has an input shape,
        not compiled. A configuration's ``seed`` (``Sequential(seed=...)``'s) seeds the new
        model, whose weights, shuffling and dropout are then those of the original."""
        from ..layers import deserialize

        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict from Sequential.get_config(). Received: {type(config).__name__}")
        config = flatten_keras(config)  # Keras's models among the layers: their layers, nested
        layer_configs = config.get("layers")
        if not isinstance(layer_configs, list):
            raise ValueError(
                "config must have a 'layers' list, as Sequential.get_config() returns. "
                f"Received keys: {sorted(config)}"
            )
        batch_size = _input_batch_size(config, layer_configs)
        input_name = _input_name(config, layer_configs)
        input_dtype = _input_dtype(config, layer_configs)
        input_shape, layer_configs = _input_and_layers(config, layer_configs)
        layers = _keep_default_names([deserialize(c) for c in _unique_names(layer_configs)])
        # a nested subclass of Model whose class is known: its own layers in their place (its methods use them)
        made = revive_nested(layers, config.get("nested", []), input_shape)
        seed = config.get("seed")  # (checked as Sequential(seed=...) checks it; given only when set)
        model = cls(layers, name=config.get("name"), dtype=_model_dtype(config, layer_configs),
                    **({} if seed is None else {"seed": seed}))
        if check_bool(config.get("functional", False), "functional"):  # ("false" made a functional model)
            model._functional = True
        model._pins = _read_pins(config.get("pins", {}), model._layers)
        # the model's own flag alone (model.trainable = False: trains no layer, those added after loading
        # too); each layer's is in its config (one may be trainable in a frozen model)
        model._trainable = check_bool(config.get("trainable", True), "trainable")
        if input_shape is not None:
            build_as_drawn(model, input_shape, config.get("nested", []))  # (seeded nested models: their draws)
            model.build((None, *input_shape))
            model._input_batch_size = batch_size
        if input_name is not None:
            model._input_name = input_name
        model._input_dtype = input_dtype
        restore_nested(model, config.get("nested", []), made)
        return model

    def __getstate__(self):
        self._refuse_changed_nested()  # (a copy or a pickle would hold the old chain as well)
        # the views of the flat vectors kept for taking shared layers back (_bind_flat_buffers): unpickled,
        # they would be copies, and the layers' ids they were kept for are another process's (the nested
        # models go along: pickle keeps them sharing the same layer objects, so get_layer("base") still works);
        # nor the buffers with add's spare room: unpickled, a model binds its layers into new ones
        # nor its thread lock (threads.model_lock makes a new one at the first use); nor, once built, the flat
        # weight and gradient vectors: __setstate__ binds the layers' weights into new ones (they doubled a pickle)
        rebuilt = ("_flat_params", "_flat_grads") if self.built else ()
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("_views", "_layout", "_flat_buffers", "_holders", "_thread_lock", *rebuilt)}
        # not the count of set_random_seed calls (this process's), but whether the generators follow the
        # latest: unpickled, they continue as they were, and a pending redraw (fit after a new seed) stays pending
        state["_rng_seedings"] = self.__dict__.get("_rng_seedings") == backend.seedings()
        return state

    def __setstate__(self, state):
        # Unpickled layer arrays are separate copies: gather them into one flat
        # vector again so that the optimizer updates the layers' weights.
        if "layers" in state:  # pickled before `layers` became a read-only view
            state = dict(state)
            state["_layers"] = state.pop("layers")
        if "jit_compile" in state:  # pickled before jit_compile became a checked property: a value set by
            state = dict(state)     # hand ("auto", 1) trained with the loops; it resolves as compile's "auto"
            jit = state.pop("jit_compile")
            state["_jit_compile"] = bool(jit) if isinstance(jit, (bool, np.bool_)) else bool(jit) and kernels.available()
        self.__dict__.update(state)
        in_step = state.get("_rng_seedings")  # (a count, pickled before: kept as it is)
        if isinstance(in_step, bool):  # (None: a redraw at the next fit, as after a new seed)
            self._rng_seedings = backend.seedings() if in_step else None
        self.__dict__.setdefault("_pins", {})  # (pickled before nested models' training=...)
        for model in state.get("_nested_models", ()):  # (their weak references to this model were not pickled)
            model.__dict__.setdefault("_holders", []).append(weakref.ref(self))
        self._record_nodes()  # (layers are pickled without them)
        if getattr(self, "optimizer", None) is not None:  # (an optimizer is pickled without its model)
            updates.link_multi_optimizer(self)
        if self.built:  # in the namespace it was built in, wherever it is unpickled (its optimizer's is that one)
            name, device = getattr(self, "_namespace", ("numpy", None))
            try:  # (NumPy's too: unpickled or deep-copied while torch's is active, it binds NumPy arrays)
                module = importlib.import_module(name)
            except ImportError as exc:
                raise ImportError(f"This model's arrays are {name}'s, which does not import here ({exc}).") from None
            with backend.namespace(module, device):
                self._bind_flat_buffers()


def _read_pins(pins, layers):
    """``{layer: mode}`` of a configuration's ``pins`` ({layer name: bool})."""
    by_name = {layer.name: layer for layer in layers}
    if not isinstance(pins, dict) or not all(name in by_name and isinstance(mode, bool) for name, mode in pins.items()):
        raise ValueError(f"config's 'pins' must map names of the model's layers to True or False (the training "
                         f"their nested model was called with). Received: {pins!r:.200}")
    return {by_name[name]: mode for name, mode in pins.items()}


def _keep_default_names(layers):
    """Mark the layers of a file or a clone whose names are Keras's defaults (dense, dense_3) as
    default-named, so that nesting renames them where they clash (see Sequential._add_model): read
    from a file they counted as the user's, and two loaded or cloned models could not be nested
    together, where Keras nests them (its nested models keep their layers' names apart)."""
    for layer in layers:
        if re.fullmatch(rf"{re.escape(snake_case(type(layer).__name__))}(_[0-9]+)?", layer.name or ""):
            layer._default_named = layer.name
    return layers


def _keras_input(layer_configs):
    """The config of a Keras configuration's first layer when it is an ``InputLayer``, else {}."""
    first = layer_configs[0] if layer_configs else None
    config = first.get("config") if isinstance(first, dict) and first.get("class_name") == "InputLayer" else None
    return config if isinstance(config, dict) else {}


def _input_batch_size(config, layer_configs):
    """The batch size an ``Input`` was given (None: any), as glassnet's configuration keeps it
    (``batch_size``) or Keras's (its ``InputLayer``'s ``batch_shape[0]``)."""
    size, keras_input = config.get("batch_size"), _keras_input(layer_configs)
    if size is None and keras_input:
        shape = keras_input.get("batch_shape", keras_input.get("batch_input_shape"))
        size = shape[0] if isinstance(shape, (list, tuple)) and shape else keras_input.get("batch_size")
    return check_positive_int(size, "batch_size", allow_none=True)


def _input_name(config, layer_configs):
    """The name an ``Input`` was given (None: none), as glassnet's configuration keeps it
    (``input_name``) or Keras's (its ``InputLayer``'s ``name``)."""
    name = config.get("input_name")
    if name is None:
        name = _keras_input(layer_configs).get("name")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"input_name must be a string (the name of the model's Input). Received: {name!r:.100}")
    return given_input_name(name)


def _input_dtype(config, layer_configs):
    """The dtype an ``Input`` was given (None: none), as glassnet's configuration keeps it
    (``input_dtype``) or Keras's (its ``InputLayer``'s ``dtype``: :func:`keras_input_dtype`)."""
    dtype = config.get("input_dtype")
    if dtype is None:
        return keras_input_dtype(_keras_input(layer_configs).get("dtype"))
    return input_dtype_name(dtype, "input_dtype")


def _input_and_layers(config, layer_configs):
    """The input shape (None: unknown) and the layer configs of a Sequential configuration,
    glassnet's or Keras's. glassnet's has ``input_shape``; as Keras's ``Sequential.from_config``,
    a Keras one may start with an ``InputLayer`` (Keras 3: ``batch_shape``; tf.keras 2:
    ``batch_input_shape``), whose shape is the model's, or give ``build_input_shape`` (a model
    built without an Input); a tf.keras 2 first layer may hold ``batch_input_shape`` itself."""
    input_shape = config.get("input_shape")
    first = layer_configs[0] if layer_configs else None
    first_config = first.get("config") if isinstance(first, dict) else None
    if isinstance(first, dict) and first.get("class_name") == "InputLayer":
        if not isinstance(first_config, dict):
            raise ValueError(f"Malformed InputLayer config: {first!r:.200}")
        kwargs = dict(first_config)
        if "batch_input_shape" in kwargs:  # tf.keras 2's name of batch_shape
            kwargs["batch_shape"] = kwargs.pop("batch_input_shape")
        try:
            shape = InputLayer(**kwargs).input_shape
        except TypeError as exc:
            raise ValueError(f"Malformed InputLayer config {first_config!r:.200}: {exc}") from None
        if input_shape is not None and tuple(input_shape) != tuple(shape):
            raise ValueError(f"The configuration's input_shape {tuple(input_shape)} and its InputLayer's shape "
                             f"{tuple(shape)} disagree.")
        input_shape, layer_configs = shape, layer_configs[1:]
    elif isinstance(first_config, dict) and first_config.get("batch_input_shape") is not None:
        input_shape = _without_batch_axis(first_config["batch_input_shape"], "batch_input_shape")
        layer_configs = [{**first, "config": {k: v for k, v in first_config.items() if k != "batch_input_shape"}},
                         *layer_configs[1:]]
    elif input_shape is None and config.get("build_input_shape") is not None:
        input_shape = _without_batch_axis(config["build_input_shape"], "build_input_shape")
    for c in layer_configs:
        if isinstance(c, dict) and c.get("class_name") == "InputLayer":
            raise ValueError("An InputLayer can only be the first layer of a Sequential configuration (glassnet's "
                             "models are chains of layers).")
    # Keras's configuration (not glassnet's, which has input_shape): its names mean Keras's functions
    keras = "input_shape" not in config and (
        any(key in config for key in ("build_input_shape", "module")) or (first_config or {}).get("batch_input_shape")
        or any(isinstance(c, dict) and ("module" in c or c.get("class_name") == "InputLayer") for c in (first, *layer_configs)))
    return input_shape, [_keras_activation(c) for c in layer_configs] if keras else layer_configs


def _model_dtype(config, layer_configs):
    """The dtype a model from ``config`` computes in: the configuration's, unless every layer names
    one other dtype. Keras's Sequential keeps the default policy (float32) while its layers compute
    in theirs (``Dense(4, dtype="float64")``, or all of them after ``set_floatx("float64")``): such a
    model is a float64 one. Layers of different dtypes, which glassnet cannot hold, are refused."""
    named = {}
    for c in layer_configs:
        dtype = c.get("config", {}).get("dtype") if isinstance(c, dict) and isinstance(c.get("config"), dict) else None
        if dtype is not None:
            named.setdefault(standardize_dtype(dtype), []).append(c["config"].get("name") or c.get("class_name"))
    if len(named) > 1:
        listed = "; ".join(f"{dtype}: {', '.join(map(str, names))}" for dtype, names in sorted(named.items()))
        raise ValueError(f"The configuration's layers compute in different dtypes ({listed}); a glassnet model "
                         "computes in one. Give every layer the same dtype.")
    if len(named) == 1 and len(next(iter(named.values()))) == len(layer_configs):
        return next(iter(named))
    return config.get("dtype")


def _keras_activation(layer_config):
    """A Keras layer config with an activation that Keras names as glassnet does but computes
    otherwise written out: Keras's ``"leaky_relu"`` has the slope 0.2, glassnet's 0.01 (SPEC A1)."""
    config = layer_config.get("config") if isinstance(layer_config, dict) else None
    if isinstance(config, dict) and isinstance(config.get("layer"), dict):  # a wrapper's layer: Keras's too
        layer_config = {**layer_config, "config": {**config, "layer": _keras_activation(config["layer"])}}
        config = layer_config["config"]
    activation = config.get("activation") if isinstance(config, dict) else None
    if activation == "leaky_relu":
        activation = {"class_name": "LeakyReLU", "config": {"negative_slope": 0.2}}
    elif isinstance(activation, dict) and activation.get("module") == "keras.layers":
        activation = _keras_activation_layer(activation)
    else:
        return layer_config
    return {**layer_config, "config": {**config, "activation": activation}}


def _keras_activation_layer(keras_layer):
    """glassnet's activation config of the activation layer that Keras writes as a layer's activation
    (``Dense(4, activation=LeakyReLU(negative_slope=0.3))``: the LeakyReLU layer's config): that glassnet
    layer's activation, as ``activations.get`` takes such a layer."""
    from .. import activations, layers

    kind = keras_layer.get("class_name")
    if not (isinstance(kind, str) and isinstance(layers.LAYERS.get(kind), type)
            and issubclass(layers.LAYERS[kind], layers.Activation)):
        raise ValueError(f"A layer's activation is Keras's layer {kind!r:.100}, which glassnet takes only as a layer "
                         "of its own (the activation layers ReLU, LeakyReLU, ELU, Softmax and Activation can be a "
                         "layer's activation). Rebuild it with that layer after the one it follows.")
    settings = {key: value for key, value in dict(keras_layer.get("config") or {}).items()
                if key not in ("name", "trainable", "dtype")}  # (the layer's own: its activation computes in the layer's)
    settings = _keras_activation({"config": settings})["config"]  # (an Activation layer's "leaky_relu": Keras's)
    return activations.serialize(layers.LAYERS[kind].from_config(settings).activation)


def _without_batch_axis(batch_shape, name):
    """A Keras shape with its batch axis, ``[null, 784]``, as glassnet's ``(784,)``."""
    if not isinstance(batch_shape, (list, tuple)) or len(batch_shape) < 2:
        raise ValueError(f"{name} must be a list (batch size or null, *shape), such as [null, 784]. "
                         f"Received: {name}={batch_shape!r:.100}")
    return check_shape(tuple(batch_shape[1:]), name)


def _unique_names(layer_configs, saving=False):
    """Layer configs with repeated names renamed ``name_1``, ... with a warning: model files
    written before names had to be unique still load; ``saving``: a model whose layer was
    renamed after ``add`` (``layer.name = ...``) is written with the names it will load with."""
    taken = {c["config"].get("name") for c in layer_configs if isinstance(c, dict) and isinstance(c.get("config"), dict)}
    seen, out, numbers = set(), [], {}  # numbers: the last suffix given to each name (n copies: n steps, not n**2)
    for c in layer_configs:
        name = c["config"].get("name") if isinstance(c, dict) and isinstance(c.get("config"), dict) else None
        if name is not None and name in seen:
            k = numbers.get(name, 0) + 1
            while f"{name}_{k}" in taken:
                k += 1
            numbers[name] = k
            new = f"{name}_{k}"
            taken.add(new)
            renamed = f"the file names the second one {new!r}" if saving else f"the second one is renamed {new!r}"
            warnings.warn(f"Two layers are named {name!r}; {renamed} (layer names are unique in a model, as in "
                          "Keras).", UserWarning, stacklevel=user_stacklevel())
            c = {**c, "config": {**c["config"], "name": new}}
            name = new
        seen.add(name)
        out.append(c)
    return out


def _check_overwrite(filepath, overwrite):
    """``overwrite`` checked, as a bool, and ``filepath`` as a path; with False, an existing file is refused
    before the model is serialized (the write itself refuses one made since: ``_io.atomic_write``)."""
    path = check_path(filepath, "filepath")  # (a NUL in it: a ValueError naming it, not "embedded null byte")
    overwrite = check_bool(overwrite, "overwrite")
    if not overwrite and os.path.exists(path):
        raise exists_error(filepath)
    return overwrite


def _warn_keras_suffix(filepath, what):
    """Warn that a file named as Keras names its own (``.keras``, ``.weights.h5``, ``.h5``) gets glassnet's
    format, a zip that Keras cannot open: a name that promises Keras's format must not pass silently; as a
    save_weights name that promises NumPy's or PyTorch's (``.npz``, ``.npy``, ``.pt``, ``.pth``)."""
    path = check_path(filepath, "filepath")
    if path.lower().endswith((".keras", ".h5", ".hdf5")):
        # Keras 3's save_weights refuses any other name, and its load_weights takes a bare .h5 for Keras 2's layout
        if what == "model.save_weights":
            what, keras_way = f"{what} not named *.weights.h5", "name it *.weights.h5 for Keras 3's weights file"
        else:
            keras_way = "model.export(path, format='keras') writes a .keras file Keras reads (with the optimizer's state)"
        warnings.warn(f"{path!r} is written in glassnet's own format (as every {what}), which glassnet's "
                      f"load_model and load_weights read and Keras cannot: {keras_way}.", UserWarning,
                      stacklevel=user_stacklevel())  # (the user's save, or the fit whose ModelCheckpoint saves)
    elif what == "model.save_weights" and path.lower().endswith((".npz", ".npy", ".pt", ".pth")):
        # np.load read the zip as an .npz of bytes members (model.json, weights/0000); torch.load refused it
        warnings.warn(f"{path!r} is written in glassnet's own format (a zip that glassnet's load_weights and "
                      "load_model read), which np.load does not read as arrays, nor torch.load: for a NumPy file of the weights "
                      "use np.savez(path, *model.get_weights()) (in get_weights()'s order, back with "
                      "model.set_weights([z[k] for k in z.files])) or np.savez(path, **{w.path: w for w in "
                      "model.weights}) by name.", UserWarning, stacklevel=user_stacklevel())
