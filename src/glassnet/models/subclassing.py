"""Keras's subclassed models (``class MyModel(keras.Model)`` with a ``call``) whose call is a chain.

Keras's guides and TensorFlow's tutorials write a model as a subclass of ``Model``, its layers
made in ``__init__`` and applied in ``call``::

    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.flatten = keras.layers.Flatten()
            self.d1 = keras.layers.Dense(128, activation="relu")
            self.d2 = keras.layers.Dense(10)

        def call(self, x):
            return self.d2(self.d1(self.flatten(x)))

glassnet runs no Python code of yours in fit: once the input shape is known (the first fit,
predict, ``model(x)`` or ``build``), ``call`` runs once on a symbolic input (a ``ChainTensor``), as
a functional ``Model(inputs, outputs)`` is built, and from then on the model is the
:class:`Sequential` of the layers and models it called, in that order. So ``call`` must be a chain:
each layer or model called once, on the output of the one before. Arithmetic on the tensors, a
layer called twice, a tensor used twice and a Python branch on ``training`` are refused, with what
to write instead.
"""

import copy
import functools
import inspect
import sys
import warnings

from .. import backend
from .._custom_objects import from_config_takes_custom_objects
from ..layers import InputLayer, Layer
from ..layers.base import _TRACING, TRACED_TRAINING, ChainTensor, check_batch_shape
from ..threads import model_lock
from .divergence import user_stacklevel
from .functional import chain_items
from .layer_stack import _default_name, build_shape
from .sequential import Sequential, refuse_keras_hooks


class _NoSuperInit(RuntimeError, AttributeError):
    """A name looked up before ``super().__init__()``: an AttributeError as well, so that ``hasattr(self, name)``
    and ``getattr(self, name, default)`` in ``__init__`` before it (a mixin's, a cache's) give False and the
    default, as Python's contract says and Keras's models do, where they met this error."""


class SubclassedModel(Sequential):
    """The base of a subclass of ``Model`` (``class MyModel(keras.Model)``): a :class:`Sequential`
    whose layers are those its ``call`` chains, traced at the first build (see the module
    docstring). ``super().__init__(name=None, trainable=True, dtype=None, seed=None)``."""

    #: whether ``call`` takes ``training`` (given TRACED_TRAINING when traced), set per subclass
    _call_takes_training = False
    #: {layer: mode} of the layers ``call`` gives a literal training=True/False, set by the trace (see forward)
    _fixed = {}

    def __init_subclass__(cls, **kwargs):
        refuse_keras_hooks(cls, traced_call=True)  # train_step, compute_loss...: what to write instead
        if getattr(cls, "call", None) in (None, Sequential.call):  # (Sequential.call: model(x), which it would loop into)
            raise TypeError(f"{cls.__name__} subclasses Model but defines no call: write call(self, x), which "
                            "applies the layers made in __init__ one after another (PyTorch's forward), or write the network as "
                            "Sequential([...]) or Model(inputs, outputs).")
        parameters = list(inspect.signature(cls.call).parameters.values())[1:]  # (after self)
        inputs = [p.name for p in parameters if p.default is p.empty and p.name not in ("training", "mask")
                  and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(inputs) > 1:
            raise TypeError(f"{cls.__name__}.call takes {len(inputs)} inputs ({', '.join(inputs)}), but glassnet's "
                            "models have one input: a chain of layers. Join the inputs into one array before fit.")
        cls._call_takes_training = any(p.name == "training" or p.kind == p.VAR_KEYWORD for p in parameters)
        if "build" in vars(cls):  # Keras's guides' build(self, input_shape) makes the layers, without super().build()
            cls.build = _traced_after(vars(cls)["build"])

    def __init__(self, *args, name=None, trainable=True, dtype=None, seed=None, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(f"{type(self).__name__} passes inputs and outputs to Model.__init__ (a functional "
                            "subclass), which glassnet cannot keep with the subclass: call super().__init__() "
                            "without them and apply the layers in call, or build Model(inputs, outputs) itself.")
        if kwargs:
            raise TypeError(f"Model.__init__() got unexpected keyword arguments {sorted(kwargs)}; a subclass passes "
                            "name, trainable, dtype or seed.")
        super().__init__(trainable=trainable, name=name, dtype=dtype, seed=seed)

    def __setattr__(self, name, value):
        # Keras tracks the layers given to attributes: model.layers lists them before the first build
        tracked = [value] if isinstance(value, (Layer, Sequential)) else (
            [v for v in value if isinstance(v, (Layer, Sequential))] if isinstance(value, (list, tuple)) else [])
        # a private attribute too (self._d = Dense(4)), as Keras tracks it, but not glassnet's own (self._layers...)
        if tracked and not (name.startswith("_") and sys._getframe(1).f_globals.get("__name__", "").startswith("glassnet.")):
            if "_layers" not in self.__dict__:
                raise RuntimeError(f"{type(self).__name__}.__init__ sets self.{name} before calling "
                                   "super().__init__(): call super().__init__() first, as Keras asks.")
            known = {id(item) for item in [*self._layers, *self._assigned_items()]}
            if self._layers and any(id(layer) not in known for layer in tracked):
                # the traced chain is the model: a layer given to an attribute now was never in it, and
                # model.head = Dense(7) was silently ignored (Keras refuses it as well)
                raise ValueError(f"{type(self).__name__} is already built: self.{name} = "
                                 f"{type(tracked[0]).__name__}(...) would not be part of it, since its call was traced at "
                                 "the first build. Make every layer in __init__ (or in build()), or make a new model "
                                 "with the layer (model.pop() and model.add(layer) replace the last one).")
            # named as Keras names them, when made: in the order of the attributes and of a list's items
            # (self.blocks = [Dense(8) for _ in range(3)] named all three 'dense', and the trace refused them),
            # a nested model's layers too (self.enc's dense, then self.inner's dense_1, then self.d1's dense_2):
            # its default names, given apart from this model's, are renamed where they clash
            names = {other.name for other in self.layers}
            for item in tracked:
                for layer in item.layers if isinstance(item, Sequential) else [item]:
                    if layer.name is None or (layer.name in names and getattr(layer, "_default_named", None) == layer.name):
                        layer.name = layer._default_named = _default_name(layer, names, {})
                    names.add(layer.name)
            self.__dict__.setdefault("_assigned", {})[name] = tracked
        super().__setattr__(name, value)

    def __getattr__(self, name):
        # (only for names not found): a subclass whose __init__ forgot super().__init__() but set no layer
        # met "'MyModel' object has no attribute '_pins'" at its first call
        if "_layers" not in self.__dict__ and not name.startswith("__"):
            raise _NoSuperInit(f"{type(self).__name__}.__init__ does not call super().__init__(): call it first, as "
                               "Keras asks.")
        if name in Sequential._TORCH_NAMES or name in Sequential._KERAS_2_NAMES:  # (model.eval(): what instead)
            return super().__getattr__(name)
        # Python's own error again, or a property's (model.input's "has no defined input yet"), which
        # Python drops when it calls this
        return object.__getattribute__(self, name)

    def __delattr__(self, name):
        if self._layers and name in self.__dict__.get("_assigned", {}):  # (the traced chain kept the layer all the same)
            raise ValueError(f"{type(self).__name__} is already built, with self.{name}'s layers in its chain: it "
                             "cannot drop them (model.pop() removes the last layer).")
        super().__delattr__(name)

    @property
    def layers(self):
        """The layers in the order ``call`` chains them (Keras lists them in the order of the
        attributes they were given to); before the first build, those attributes' layers, in
        their order (a nested model's layers in its place)."""
        if self._layers:
            return list(self._layers)
        return [layer for item in self._assigned_items() for layer in
                (item.layers if isinstance(item, Sequential) else [item])]

    def _assigned_items(self):
        """The layers and models given to attributes, in their order (what an unbuilt model's summary
        lists, a nested model as one row, as Keras's)."""
        return [item for items in self.__dict__.get("_assigned", {}).values() for item in items]

    def _waiting(self):
        return self._assigned_items() if not self._layers else []  # (until the trace makes them its chain)

    def build(self, input_shape=None):
        # one build at a time (the model's lock, re-entrant: Sequential.build takes it again): the first calls
        # from several threads each found no layers and each traced call, one thread's layers taken while
        # another's trace read them ("Layer 'dense' was built for inputs of shape (5,), but here it receives (3,)")
        with model_lock(self).exclusive:
            if not self._layers and input_shape is not None:
                self._trace(build_shape(input_shape))
            super().build(input_shape)

    def compute_output_shape(self, input_shape):
        """As :meth:`Sequential.compute_output_shape` once the model is built; before, its layers are unknown
        (its call is traced at the build): a NotImplementedError, as Keras's (a subclass defines its own)."""
        shape = check_batch_shape(input_shape, type(self).__name__)
        if not self._layers:
            cls = type(self).__name__
            raise NotImplementedError(
                f"Model {self.name!r} ({cls}) is not built, so its layers are not known yet: glassnet learns them by "
                f"tracing {cls}.call at the first build. Build it first (model.build({shape}) or a call on a batch), "
                f"or define compute_output_shape(self, input_shape) in {cls}, as Keras asks of a subclass of Model.")
        return super().compute_output_shape(shape)

    def _chained(self, x, training):
        if not self._layers:  # called in another chain (a functional model, another subclass's call)
            shape = x.input_shape if isinstance(x, InputLayer) else x.sample_shape
            self.build((None, *shape))
            if _TRACING.get() is not None:  # built in another subclass's call: its variables are in that
                # one's scope, as Keras's ("outer/block/dense/kernel", where they were "block/dense/kernel")
                self.__dict__.setdefault("_built_alone", False)
        return super()._chained(x, training)

    def _trace(self, shape):
        """Run ``call`` on a symbolic input of sample shape ``shape`` and take the layers it chains."""
        source = InputLayer(shape=shape)
        where = f"{type(self).__name__}.call, traced on inputs of shape {(None, *shape)}"
        kwargs = {"training": TRACED_TRAINING} if self._call_takes_training else {}
        traced = {}
        token = _TRACING.set(traced)
        try:
            outputs = self.call(ChainTensor(source, (), shape), **kwargs)
        except (TypeError, ValueError, AttributeError) as exc:  # what a chain cannot hold, said where it was met
            kind = next(kind for kind in (TypeError, ValueError, AttributeError) if isinstance(exc, kind))
            raise kind(f"{where}: {exc}") from exc
        finally:
            _TRACING.reset(token)
        if isinstance(outputs, (list, tuple, dict)):
            raise ValueError(f"{where}: it returns {len(outputs)} outputs in a {type(outputs).__name__}, but glassnet's "
                             "models have one output: return the last layer's output.")
        if not isinstance(outputs, ChainTensor) or outputs.input is not source:
            raise TypeError(f"{where}: it returns {type(outputs).__name__}, not the output of the layers called on its "
                            "input: return the last layer's output.")
        if not outputs.layers:
            raise ValueError(f"{where}: it returns its input, so the model would have no layers.")
        if id(outputs) in traced:
            raise ValueError(f"{where}: it returns the output of {outputs.layers[-1]._label()}, which "
                             f"{traced[id(outputs)][1]._label()} took as well, so that layer's result is dropped; "
                             "glassnet's models are chains, each layer called on the output of the one before.")
        items = chain_items(outputs)
        nested = {layer.name for item in items if isinstance(item, Sequential) for layer in item._layers}
        for item in items:  # a name given here that a nested model's layer has too: named again as the model adds it
            if isinstance(item, Layer) and item.name in nested and getattr(item, "_default_named", None) == item.name:
                item.name = None
        self._input_layer = source  # model.input: its layers' nodes (layer.output) start from it
        state = {key: copy.copy(value) for key, value in self.__dict__.items()}
        try:
            self._take_layers(items)
        except BaseException:  # (a name taken twice...): the model stays unbuilt, not a chain of its first layers
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        self._pins = dict(outputs.pins)  # layers called with training=True/False (as Model(inputs, outputs))
        self._fixed = _literal_modes(outputs.pins, items)

    def forward(self, X, training=False, pins=None):
        """As :meth:`Sequential.forward`, but the layers that ``call`` gives a literal ``training=True`` or
        ``False`` run in that mode in every pass, fit's, predict's and ``model(x, training=False)``'s too: Keras runs
        ``call`` each time, so the literal always holds (a functional model's ``training=`` is a pin that an
        explicit mode overrides). Always-on dropout stays on in predict; ``self.bn(x, training=False)`` keeps the
        batch norm in inference mode in fit, its moving statistics unchanged."""
        if self._fixed:
            pins = {**(pins or {}), **self._fixed}
        return super().forward(X, training=training, pins=pins)

    def __call__(self, inputs, training=None, mask=None):
        if not any(self._fixed.values()) or isinstance(inputs, (InputLayer, ChainTensor)):
            return super().__call__(inputs, training=training, mask=mask)
        # a layer fixed in training mode draws its noise and writes its reused buffers whatever the mode: one such
        # pass at a time, its output a copy (each Monte-Carlo sample its own), as a training-mode call's
        with model_lock(self).exclusive:
            return backend.copy(super().__call__(inputs, training=training, mask=mask))

    def get_config(self):
        """Keras's base config of a subclass, ``name``, ``trainable`` and ``dtype``, and glassnet's ``seed`` where
        one was given (``MyModel(seed=5)``: a clone draws the weights and dropout masks it draws), those that
        ``__init__`` takes (all, given ``**kwargs``), so that ``cls(**config)`` remakes it: an override returns
        ``{**super().get_config(), "units": self.units}``. The traced chain is not in it: files, clones and
        ``to_json`` take the chain from ``Sequential.get_config(model)``; a ``.keras`` file leaves the seed out
        where it would reach ``keras.Model.__init__``, which takes none (:func:`subclass_entry`)."""
        config = {"name": self.name, "trainable": bool(self._trainable), "dtype": str(self.dtype),
                  **({} if self.seed is None else {"seed": int(self.seed)})}
        params = inspect.signature(type(self).__init__).parameters
        if any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return config
        return {key: value for key, value in config.items() if key in params}  # (the quickstart's __init__(self))

    @classmethod
    @from_config_takes_custom_objects
    def from_config(cls, config):
        """``cls(**config)`` (Keras's default; ``custom_objects`` known while it runs), for the config of
        :meth:`get_config` or of an override (Keras's ``{**super().get_config(), "units": self.units}``); a
        config of the traced chain (``Sequential.get_config``, what glassnet's ``get_config`` of a subclass
        returned before: no key of the subclass's own) gives the plain :class:`Sequential` of that chain."""
        if not isinstance(config, dict) or ("layers" in config and set(config) <= _SEQUENTIAL_KEYS):
            return Sequential.from_config(config)
        return cls(**{key: value for key, value in config.items() if key not in _CHAIN_KEYS})


#: the keys of Sequential's get_config that describe the traced chain, not an argument of a subclass's __init__
_CHAIN_KEYS = {"layers", "input_shape", "nested", "pins", "functional"}
#: (a seed is one: get_config holds it where __init__ takes it, and a clone drew other weights without it)
_SEQUENTIAL_KEYS = _CHAIN_KEYS | {"name", "dtype", "trainable", "seed"}


def _literal_modes(pins, items):
    """``{layer: mode}`` of the layers that a traced call gave a literal ``training=True``/``False`` (``pins``: the
    traced chain's, ``items``: its layers and nested models). A layer is pinned by a literal only; a nested model by
    a literal (all its layers in one mode, which are not just its own pins) or by its own pins (a functional
    model's ``Dropout(...)(x, training=True)``, which a mode given to the model overrides, as Keras's). A nested
    subclass's own literals hold inside it whatever mode it is given, as its ``call`` gives them in Keras."""
    fixed = {}
    for item in items:
        if not isinstance(item, Sequential):
            if item in pins:
                fixed[item] = pins[item]
            continue
        modes = {pins.get(layer) for layer in item._layers}
        own = {layer: mode for layer, mode in item._pins.items() if layer in item._layers}
        if len(modes) == 1 and None not in modes and {layer: pins[layer] for layer in item._layers} != own:
            fixed.update(dict.fromkeys(item._layers, modes.pop()))
        fixed.update(getattr(item, "_fixed", {}))
    return fixed


def _traced_after(build):
    """A subclass's own ``build``, then the trace where it did not call ``super().build(input_shape)``
    (Keras's guides' ``build`` makes the layers and returns; Keras marks the model built then): left
    untraced, the model had no layers, and ``model(x)`` returned ``x``."""
    @functools.wraps(build)
    def traced(self, input_shape=None, *args, **kwargs):
        with model_lock(self).exclusive:  # (the subclass's build makes the layers: one thread at a time, as the trace)
            outer = "_in_build" not in self.__dict__  # (a subclass of a subclass: traced after the last build)
            if outer and self.built and self._layers:
                # built already, by another thread's first call that this one waited for (its predict found the
                # model unbuilt): made again, its layers were refused ("M is already built: self.d1 = Dense(...)");
                # the shape is checked, as a Sequential's second build checks it
                return SubclassedModel.build(self, input_shape)
            self.__dict__["_in_build"] = True
            try:
                result = build(self, input_shape, *args, **kwargs)
            finally:
                if outer:
                    del self.__dict__["_in_build"]
            if outer and not self._layers and input_shape is not None:
                self.built = False  # (a build that set self.built = True, as Keras 2's did)
                SubclassedModel.build(self, input_shape)
            return result

    return traced


def init_config(model):
    """The arguments that make ``model``'s class again: its ``get_config()`` (see
    :meth:`SubclassedModel.get_config`). None where ``__init__`` requires an argument that is not
    among them and the class has no ``from_config`` of its own (Keras cannot remake it either)."""
    cls = type(model)
    config = model.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"{cls.__name__}.get_config() must return a dict. Received: {type(config).__name__}")
    if getattr(cls.from_config, "__func__", None) is SubclassedModel.from_config.__func__:
        params = inspect.signature(cls.__init__).parameters
        missing = [p.name for p in list(params.values())[1:] if p.default is p.empty and p.name not in config
                   and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if missing:
            return None
    return config


def remake(model, config=None):
    """A new instance of ``model``'s class from ``config`` (default: :func:`init_config`), traced anew
    on ``model``'s input shape when ``model`` is built: its own layers, fresh weights."""
    clone = type(model).from_config(init_config(model) if config is None else config)
    if not isinstance(clone, SubclassedModel):
        raise TypeError(f"{type(model).__name__}.from_config returned {type(clone).__name__}, not a "
                        f"{type(model).__name__}: it must make the model from its get_config().")
    if model.built:
        clone.build(model.input_shape)
    return clone


def subclass_entry(model, keras=False):
    """What a model file keeps of a subclass (Keras's form: ``module``, ``class_name``, ``config``,
    ``registered_name``), so that load_model remakes it where the class is registered or passed;
    None where it cannot be remade from its config (see :func:`init_config`). ``keras``: for a ``.keras``
    file, whose loader gives the config to the Keras class: without the seed that ``get_config`` adds where
    ``__init__`` passes it on through ``**kwargs`` (``keras.Model.__init__`` refuses it; Keras has no model
    seed), as the file leaves a Sequential's out."""
    from .. import _custom_objects

    if not isinstance(model, SubclassedModel):
        return None
    config = init_config(model)
    if config is None:
        return None
    if keras and "seed" in config and "seed" not in inspect.signature(type(model).__init__).parameters:
        config = {key: value for key, value in config.items() if key != "seed"}
    cls = type(model)
    try:
        _custom_objects.check_json(config, f"model {cls.__name__}")
    except ValueError:  # (a layer object in it): the chain is saved all the same, as before
        return None
    return {"module": cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": _custom_objects.get_registered_name(cls)}


def nested_keras_entry(model):
    """:func:`subclass_entry` of a subclass nested in another model, where a Keras file writes it as its
    class: registered only (Keras's load_model finds no class passed for a nested layer's name
    unless the program passes it; an unregistered one is written as the Sequential of its chain)."""
    from .. import _custom_objects

    return subclass_entry(model, keras=True) if type(model) in _custom_objects.GLOBAL_CUSTOM_NAMES else None


def revive(entry, saved):
    """The subclass a file's ``subclass`` entry names, when the program registered or passed its class,
    made from the entry's config and traced on ``saved``'s input shape (``saved``: the file's chain, a
    :class:`Sequential` whose weights are checked against the file's), else ``saved`` itself."""
    from .. import _custom_objects
    from .nesting import name_as_saved, nested_config

    if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
        raise ValueError(f"its model's 'subclass' entry must be an object with a 'config' object. Received: {entry!r:.200}")
    cls = _custom_objects.find(entry, "model")
    if cls is None:
        return saved
    model = make(cls, entry, saved.input_shape, saved.count_params())
    model.name = saved.name  # (an __init__(self) without name=, the tutorials', names it anew)
    name_as_saved(model, nested_config(saved))  # (and so are the models nested in it)
    for layer, old in zip(model._layers, saved._layers):
        layer.trainable = old.trainable  # (a layer frozen after __init__: the file's flag, else it trains again)
    mine, theirs = [w.shape for w in model.weights], [w.shape for w in saved.weights]
    if mine != theirs:
        raise ValueError(f"the class {cls.__name__} (registered or passed for {entry.get('registered_name')!r}) "
                         f"made from the saved config {entry['config']!r:.200} has weights of shapes {mine}, "
                         f"where the file's model has {theirs}: the file was saved by another version of the class.")
    return model


def make(cls, entry, input_shape, values):
    """``cls`` made from a file's ``entry`` (Keras's ``from_config``) and built on ``input_shape``. A size
    setting gives at least that many weights: one larger than the ``values`` the file holds is refused
    before the build allocates it (a forged ``units=10**9``)."""
    from .. import _custom_objects
    from .saving import FREE_CUSTOM_SETTING, size_settings

    config = dict(entry["config"])
    if isinstance(config.get("dtype"), dict):  # Keras's DTypePolicy config: its name is the dtype
        policy = config["dtype"].get("config")
        if not isinstance(policy, dict):
            raise ValueError(f"its {cls.__name__} config's 'dtype' must be a dtype name or a DTypePolicy config "
                             f"{{'config': {{'name': ...}}}}. Received: {config['dtype']!r:.200}")
        config["dtype"] = policy.get("name")
    for key, value in size_settings(config):  # (nested too: {"sizes": [8, 10**9]})
        if value > max(FREE_CUSTOM_SETTING, values):
            raise ValueError(f"its {cls.__name__} config sets {key}={value:,}, more than the {values:,} values its "
                             "weights hold.")
    model = _custom_objects.create(cls, {**entry, "config": config}, "model")
    model.build(tuple(input_shape))
    return model


def attribute_paths(model):
    """``{id(layer or nested model): path}`` of a subclass's attributes, as Keras's ``saving_lib`` names
    their weights' groups: it walks the attributes by name, ``Model.layers`` among them (every tracked
    layer, in the order assigned), each object under the first name it meets: ``d1`` for ``self.d1``,
    ``blocks/dense``, ``blocks/dense_1`` for a list's items and ``layers/dense_2`` for ``self.out`` (after
    "layers"), each item of a list numbered per class, counting those already met; a private attribute's
    (``self._d``) only under ``layers``, as Keras's walk skips the names that start with "_"."""
    from ..layers.base import snake_case

    assigned = model.__dict__.get("_assigned", {})
    paths = {}
    for name in sorted([*(name for name in assigned if not name.startswith("_")), "layers"]):  # (Keras skips _d)
        items = model._assigned_items() if name == "layers" else assigned[name]
        container = name == "layers" or isinstance(getattr(model, name, None), (list, tuple))
        used = {}
        for item in items:
            kind = snake_case("Functional" if getattr(item, "_functional", False) else type(item).__name__)
            used[kind] = used.get(kind, -1) + 1
            paths.setdefault(id(item), f"{name}/{kind}" + (f"_{used[kind]}" if used[kind] else "") if container
                             else name)
    return paths


def nested_subclasses(model):
    """The subclasses of Model nested in ``model`` that its file records as their class (see
    :func:`subclass_entry`), at any depth, but not inside those (their own classes make them)."""
    from .nesting import nested_spans

    for nested, _, _ in nested_spans(model):
        if subclass_entry(nested) is not None:
            yield nested
        else:
            yield from nested_subclasses(nested)


def warn_saved(model, keras_file=False):
    """Say what a load of a file of a subclassed model makes when its class is not registered or cannot
    be made from its config: glassnet's load_model a plain Sequential unless the class is passed (see
    docs/file-format.md); ``keras_file`` (export(format="keras")): what Keras's load_model needs."""
    from .. import _custom_objects

    for nested in nested_subclasses(model):
        cls = type(nested).__name__
        if type(nested) not in _custom_objects.GLOBAL_CUSTOM_NAMES:  # (made from a file only when registered or passed)
            how = ("Keras's load_model gives its layers as a nested Sequential" if keras_file else
                   f"load_model gives a nested Sequential, unless {cls} is passed, load_model(path, "
                   f"custom_objects={{{cls!r}: {cls}}})")
            warnings.warn(f"{cls} (nested as {nested.name!r}) is not registered: {how}, without {cls}'s own methods "
                          f"and attributes; register it with @glassnet.saving.register_keras_serializable() (and "
                          "the Keras class with @keras.saving.register_keras_serializable()) to load it as its "
                          "class.", UserWarning, stacklevel=user_stacklevel())
    if not isinstance(model, SubclassedModel):
        return
    cls = type(model).__name__
    loader = "keras.saving.load_model" if keras_file else "load_model"
    if subclass_entry(model) is None:
        warnings.warn(f"{cls} is saved as the Sequential of the layers its call chains: {loader} gives a "
                      f"Sequential named {model.name!r}, without {cls}'s own methods and attributes, since {cls} cannot be "
                      f"made from its get_config() (its __init__ requires arguments that it does not return, or it holds "
                      f"values other than JSON ones): override get_config to return them, or make {cls}(...), build it "
                      "and load_weights.", UserWarning, stacklevel=user_stacklevel())
    elif keras_file and type(model) not in _custom_objects.GLOBAL_CUSTOM_NAMES:
        # the file names the class; Keras finds it only among its registered or passed classes
        warnings.warn(f"{cls} is not registered: keras.saving.load_model of the file needs the Keras class, "
                      f"load_model(path, custom_objects={{{cls!r}: {cls}}}), else it fails ('Could not locate class'); "
                      f"register it with @glassnet.saving.register_keras_serializable() (and the Keras class with "
                      f"@keras.saving.register_keras_serializable()) to load it by its registered name, and glassnet's "
                      "load_model as it too.", UserWarning, stacklevel=user_stacklevel())
    elif type(model) not in _custom_objects.GLOBAL_CUSTOM_NAMES:
        warnings.warn(f"{cls} is not registered: load_model gives a glassnet Sequential named {model.name!r} of the "
                      f"layers its call chains, unless {cls} is passed, load_model(path, custom_objects={{{cls!r}: "
                      f"{cls}}}), or registered with @glassnet.saving.register_keras_serializable() (then it loads as "
                      f"{cls}, as Keras's).", UserWarning, stacklevel=user_stacklevel())
