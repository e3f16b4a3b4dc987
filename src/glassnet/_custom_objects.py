"""Keras's registry of custom objects (``keras.saving.register_keras_serializable`` and its scopes).

A model file names each custom object by its registered name (``"MyLayers>CustomLayer"``, or the class
name for a class never registered) with its ``get_config()``. Loading looks that name up, and nothing
else: in ``load_model``'s ``custom_objects``, then the active :class:`CustomObjectScope` s (the innermost
first), then the global registry. Only classes the program itself registered or passed are ever created;
nothing is imported by a module path read from a file (the ``"module"`` written beside the name, as
Keras writes it, is never read).
"""

import functools
import inspect
import json
import threading
import warnings

import numpy as np

#: ``{registered name: class}``, as Keras's ``GLOBAL_CUSTOM_OBJECTS``
GLOBAL_CUSTOM_OBJECTS = {}
#: ``{class: registered name}``
GLOBAL_CUSTOM_NAMES = {}
_local = threading.local()  # the scopes of each thread, as Keras's global_state is per thread


def register_keras_serializable(package="Custom", name=None):
    """A decorator that registers a class (or function) as ``"package>name"`` (``name``: the class's
    own name), so that model files holding its objects load without ``custom_objects``. Registering a
    name again replaces the class it stands for, as in Keras (re-running a notebook cell)."""
    if not isinstance(package, str) or (name is not None and not isinstance(name, str)):
        raise TypeError(f"register_keras_serializable takes a package and a name that are strings. Received: "
                        f"package={package!r}, name={name!r}")

    def decorator(arg):
        # (an instance, @register_keras_serializable()(Dense(2)), met "'Dense' object has no attribute '__name__'")
        if name is None and not isinstance(getattr(arg, "__name__", None), str):
            raise TypeError("register_keras_serializable decorates a class or a function (an object other than "
                            f"those needs name=). Received: {arg!r:.80} of type {type(arg).__name__}")
        registered_name = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(f"Cannot register {arg.__name__}: the class has no get_config() method.")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_custom_objects():
    """The global registry itself, ``{registered name: class}`` (changing it changes the registry)."""
    return GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj):
    """``"package>name"`` for a registered class or function, else its own ``__name__``."""
    if obj in GLOBAL_CUSTOM_NAMES:
        return GLOBAL_CUSTOM_NAMES[obj]
    if not isinstance(getattr(obj, "__name__", None), str):  # (Python's "object has no attribute '__name__'")
        raise TypeError(f"get_registered_name takes a class or a function. Received: {obj!r:.80} of type "
                        f"{type(obj).__name__}")
    return obj.__name__


def _scopes():
    if not hasattr(_local, "scopes"):
        _local.scopes = []
    return _local.scopes


class CustomObjectScope:
    """``with CustomObjectScope({"CustomLayer": CustomLayer}):`` makes those names known to loading
    inside the block (an inner scope's names before an outer one's)."""

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(f"custom_objects must be a dict {{name: class}}. Received: {type(custom_objects).__name__}")
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scopes().append(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scopes().pop()


custom_object_scope = CustomObjectScope


def takes_custom_objects(deserialize):
    """A registry's ``deserialize(config)`` with Keras's ``custom_objects=None`` (it was a TypeError): the
    names of ``custom_objects`` are known while it reads ``config``, as in a ``custom_object_scope``."""
    @functools.wraps(deserialize)
    def deserialize_with(config, custom_objects=None):
        with CustomObjectScope(custom_objects):
            return deserialize(config)

    del deserialize_with.__wrapped__  # (its signature, with custom_objects, is the one help() shows)
    return deserialize_with


def from_config_takes_custom_objects(from_config):
    """A ``from_config(cls, config)`` with Keras's ``custom_objects=None`` (Keras's models and
    optimizers take it): its names are known while ``config`` is read, as in a ``custom_object_scope``.
    Put under ``@classmethod``."""
    @functools.wraps(from_config)
    def from_config_with(cls, config, custom_objects=None):
        with CustomObjectScope(custom_objects):
            return from_config(cls, config)

    del from_config_with.__wrapped__  # (its signature, with custom_objects, is the one help() shows)
    return from_config_with


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class ``name`` stands for: in ``custom_objects``, the active scopes (innermost first), the
    global registry, then ``module_objects``; None when it is in none of them."""
    for table in (custom_objects or {}, *reversed(_scopes()), GLOBAL_CUSTOM_OBJECTS, module_objects or {}):
        if name in table:
            return table[name]
    return None


def _base(kind):
    """The glassnet class a custom object of ``kind`` must derive from (found lazily: the registries
    import this module)."""
    from . import activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers, schedules
    from .models.subclassing import SubclassedModel

    return {"layer": layers.Layer, "activation": activations.Activation, "loss": losses.Loss,
            "metric": metrics.Metric, "initializer": initializers.Initializer,
            "regularizer": regularizers.Regularizer, "constraint": constraints.Constraint,
            "optimizer": optimizers.Optimizer, "learning-rate schedule": schedules.LearningRateSchedule,
            "model": SubclassedModel}[kind]


def is_custom(obj, kind):
    """Whether ``obj`` is a user's object of ``kind`` (a subclass defined outside glassnet; an
    activation may also be any object with a ``derivative``) that a file can hold by name."""
    cls = type(obj)
    if cls.__module__.split(".")[0] == "glassnet" or not hasattr(obj, "get_config"):
        return False
    return isinstance(obj, _base(kind)) or (kind == "activation" and hasattr(obj, "derivative"))


def serialize(obj, kind):
    """Keras's config of a custom object: ``{"module", "class_name", "config", "registered_name"}``,
    its ``get_config()`` checked to hold JSON values that give each argument ``__init__`` requires."""
    from .layers.base import _IN_MEMORY

    cls = type(obj)
    config = obj.get_config()
    verb = "clone" if _IN_MEMORY.get() else "save"
    if not isinstance(config, dict):
        raise ValueError(f"Cannot {verb} the custom {kind} {cls.__name__}: get_config() must return a dict. "
                         f"Received: {type(config).__name__}")
    if verb == "save":  # (clone_model's config stays in memory: objects and arrays in it are fine, as in Keras)
        check_json(config, f"custom {kind} {cls.__name__}")
    if "from_config" not in _own_attributes(cls):  # (a from_config of its own may rebuild arguments itself)
        params = inspect.signature(cls.__init__).parameters.values()
        named = [p for p in list(params)[1:] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                 and p.name not in config]
        missing = [p.name for p in named if p.default is p.empty]
        if missing:
            raise ValueError(f"Cannot {verb} the custom {kind} {cls.__name__}: its __init__ requires "
                             f"{', '.join(missing)}, which get_config() does not return. Override get_config() "
                             f"to return them: {{**super().get_config(), {missing[0]!r}: self.{missing[0]}}}.")
        # (an argument with a default came back as that default, silently: Keras records the arguments)
        changed = [p for p in named if p.default is not p.empty and _differs(obj, p.name, p.default)
                   and not _set_by_glassnet(cls, kind, p.name)]
        if changed:
            changed = _restored_otherwise(cls, config, obj, changed)
        if changed:
            name, default = changed[0].name, changed[0].default
            raise ValueError(f"Cannot {verb} the custom {kind} {cls.__name__}: get_config() does not return "
                             f"{', '.join(p.name for p in changed)}, so the {verb}d {kind} would get __init__'s "
                             f"default ({name}={default!r}, not {getattr(obj, name)!r}). "
                             f"Override get_config() to return it: {{**super().get_config(), {name!r}: self.{name}}}.")
    return {"module": cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": get_registered_name(cls)}


def check_json(config, what):
    """Refuse a ``get_config()`` dict holding anything but JSON values, naming the key."""
    for key, value in config.items():
        try:
            json.dumps(value, allow_nan=False, default=_plain)
        except (TypeError, ValueError, RecursionError) as exc:
            raise ValueError(f"Cannot save the {what}: its get_config() key {key!r} holds "
                             f"{type(value).__name__} {value!r:.80}, which a model file cannot hold ({exc}). "
                             "Return JSON values (str, numbers, bool, None, lists, dicts), and make the object "
                             "again from them in __init__ or from_config.") from None


def serialize_function(fn):
    """Keras's config of a registered function (``{"class_name": "function", "config": "package>name"}``,
    as Keras writes the saving guide's ``custom_fn`` activation), or None for anything else (an
    unregistered function has no name a loader could trust, and stays refused)."""
    if not inspect.isfunction(fn) or fn not in GLOBAL_CUSTOM_NAMES:
        return None
    return {"module": fn.__module__, "class_name": "function", "config": GLOBAL_CUSTOM_NAMES[fn],
            "registered_name": "function"}



def function_config(fn):
    """Keras's config of the function ``fn`` whether registered or not: :func:`serialize_function`'s, else
    Keras 3.15's of an unregistered one, by its bare name (``{"module": "builtins", "class_name": "function",
    "config": "my_loss", ...}``), which only a loader that knows the name (a ``custom_object_scope``) reads."""
    return serialize_function(fn) or {"module": "builtins", "class_name": "function",
                                      "config": getattr(fn, "__name__", None) or type(fn).__name__,
                                      "registered_name": "function"}

def unregistered_function(fn, kind):
    """Why a model file cannot hold the function ``fn`` used as a ``kind``, and how to fix it: Keras 3.15
    writes it by its bare name all the same and only its load_model fails ("Could not locate function");
    glassnet says so at save, where the fix is."""
    name = getattr(fn, "__name__", None) or type(fn).__name__
    if name == "<lambda>":
        return (f"the {kind} lambda: it has no name a model file could hold; define it with def and decorate it "
                "with @glassnet.saving.register_keras_serializable()")
    return (f"the {kind} function {name!r}: it is not registered, so a model file cannot name it; decorate it with "
            f"@glassnet.saving.register_keras_serializable() (it is then saved as 'Custom>{name}', which load_model "
            f"finds where it is registered the same way, or with custom_objects={{'Custom>{name}': {name}}})")


def saved_name(name):
    """The user's object a name written in a saved compile config stands for, before the built-in of that
    name: as Keras's deserialize_keras_object, a name in ``custom_objects`` or a scope (``{"mse": my_mse}``)
    is the user's object, not the built-in "mse". None where no user object has that name."""
    return get_registered_object(name) if isinstance(name, str) else None


def find_function(config, builtins=None):
    """The function a config of Keras's form ``{"class_name": "function", "config": name}`` names (looked
    up as a class is, then among ``builtins``, a dict of the built-in functions by name: Keras writes
    ``compile(metrics=[keras.metrics.binary_accuracy])`` so), None for any other config; a name that is
    no known function is refused."""
    if not (isinstance(config, dict) and config.get("class_name") == "function"):
        return None
    name = config.get("config")
    fn = get_registered_object(name) if isinstance(name, str) else None
    if fn is None and isinstance(name, str):
        fn = (builtins or {}).get(name)
    if not inspect.isfunction(fn):
        raise ValueError(f"Unknown function {name!r:.100} in saved config: a custom function must be registered "
                         "(decorate it with @glassnet.saving.register_keras_serializable()) or passed, "
                         f"load_model(path, custom_objects={{{name!r:.100}: fn}}).")
    return fn


def _own_attributes(cls):
    """The names ``cls`` and its bases outside glassnet define."""
    return {name for klass in cls.__mro__ if klass.__module__.split(".")[0] != "glassnet" for name in vars(klass)}


def _set_by_glassnet(cls, kind, name):
    """Whether glassnet's base of ``cls`` sets the attribute ``name`` itself, whatever the user's argument of
    that name does: its state (``built``, ``jit_compile``: defined or set by the base, no argument of its
    __init__), or a layer's ``dtype`` (the model's or the policy's, which the model's config restores)."""
    ours = next((k for k in cls.__mro__ if k.__module__.split(".")[0] == "glassnet"), object)
    sets = hasattr(ours, name) or name in getattr(getattr(ours.__init__, "__code__", None), "co_names", ())
    return (sets and name not in inspect.signature(ours.__init__).parameters) or \
        (name == "dtype" and kind in ("layer", "model"))


def _restored_otherwise(cls, config, obj, params):
    """Those of ``params`` whose attribute ``cls.from_config(config)`` would not give back as ``obj`` holds it
    (an argument that __init__ normalises, ``axis=-1`` kept as 1, comes back so); all of them where that
    object cannot be made."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rebuilt = cls.from_config(config)
    except Exception:
        return params
    return [p for p in params if _differs(obj, p.name, getattr(rebuilt, p.name, p.default))]


def _differs(obj, name, default):
    """Whether ``obj.name`` is a plain value (a number, a string, None or a list of those) other than
    ``default``; an attribute that is absent or holds an object made from the argument is not judged, nor
    one whose default is None (``name=None``: "work it out", as a layer's name from its class)."""
    plain = (str, int, float, np.number, np.bool_, type(None))
    value = getattr(obj, name, default)
    if default is None:
        return False
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        value, default = list(value), list(default)
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, plain) for v in values) or not isinstance(default, (*plain, list)):
        return False
    return bool(value != default) and not (value != value and default != default)  # (nan == nan here)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def find(config, kind):
    """The user's class for the saved ``config`` (by its ``registered_name``, else its ``class_name``),
    or None; a class found that is not a glassnet ``kind`` is refused where the file names a custom object
    (a ``registered_name``), and passed over for a built-in's config (a layer of yours called ``Linear``
    does not stand for the ``linear`` activation, ``{"class_name": "Linear"}``, of every Dense)."""
    names = [name for name in (config.get("registered_name"), config.get("class_name")) if isinstance(name, str)]
    for name in dict.fromkeys(names):
        cls = get_registered_object(name)
        if cls is None:
            continue
        base = _base(kind)
        if not (isinstance(cls, type) and (issubclass(cls, base) or (kind == "activation" and
                                                                       hasattr(cls, "derivative")))):
            if not isinstance(config.get("registered_name"), str):
                continue
            raise ValueError(f"The custom object {name!r} is {cls!r}, which is not a glassnet {kind} (a subclass of "
                             f"{base.__module__}.{base.__name__}); a {kind} of the file cannot be made from it.")
        return cls
    return None


def create(cls, config, kind):
    """``cls.from_config(config)`` (Keras's default: ``cls(**config)``), its errors naming the class."""
    kwargs = config.get("config", {})
    if not isinstance(kwargs, dict):
        raise ValueError(f"Malformed {kind} config {config!r:.200}: its config is not a dict.")
    try:
        if hasattr(cls, "from_config"):
            return cls.from_config(kwargs)
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The custom {kind} {cls.__name__} could not be made from its saved config "
                         f"{kwargs!r:.200}: {exc}. Its from_config(config) (default cls(**config)) must take what "
                         "its get_config() returns.") from None


def unknown(config, kind):
    """The advice for a custom object's name (a config with a ``registered_name``, as Keras and
    glassnet write one) that is neither built in nor known: register the class or pass it ("" for
    another config: one of Keras's own classes that glassnet lacks, ``Conv2D``)."""
    if not isinstance(config.get("registered_name"), str):
        return ""
    name = config.get("registered_name") or config.get("class_name")
    short = str(config.get("class_name"))
    return (f" A custom {kind} {name!r} must be registered or passed (none of that name is): "
            f"decorate the class with @glassnet.saving.register_keras_serializable(), or pass it, "
            f"load_model(path, custom_objects={{{short!r}: {short}}}) or "
            f"with glassnet.saving.custom_object_scope({{{short!r}: {short}}}): ....")
