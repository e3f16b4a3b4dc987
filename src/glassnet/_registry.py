"""The one name -> object lookup used by every registry (activations, losses, ...).

Each module keeps a literal dict ``{name: class_or_factory}`` and calls
:func:`lookup`; an unknown name raises a ``ValueError`` that lists the valid
names, as STYLE.md asks.
"""

import inspect

from . import _custom_objects


class UnknownCustomObjectError(ValueError):
    """A saved config names a custom class (it has a ``registered_name``) that is neither registered nor
    passed in ``custom_objects``: its message, the advice to register or pass the class, reaches
    ``load_model``'s caller whole, not wrapped in the config of the object that held it (an optimizer's
    custom learning-rate schedule said "Malformed optimizer config", its advice cut off)."""


def lookup(identifier, table, kind, instance_of=None, allow_callable=False, instantiate=False, argument=None,
           resolve=None):
    """:func:`_lookup`; ``argument`` (``"kernel_initializer"``) starts its errors, which then say
    which of a layer's settings was wrong."""
    try:
        return _lookup(identifier, table, kind, instance_of, allow_callable, instantiate, resolve)
    except ValueError as exc:
        if argument is None:
            raise
        raise ValueError(f"{argument}: {exc}") from None


def _lookup(identifier, table, kind, instance_of=None, allow_callable=False, instantiate=False, resolve=None):
    """Resolve ``identifier`` (None, a name, or an object) against ``table``.

    Parameters
    ----------
    identifier : None, str or object
        ``None`` returns ``None``; a string is looked up (case-insensitive) and
        the entry is called with no arguments: a name of ``table``, or the class
        name of one of its classes, as Keras's ``get("MeanSquaredError")``
        (a name wins over a class name; nothing else is guessed); an instance of ``instance_of``
        (or any callable when ``allow_callable``) is returned as is.
    table : dict
        ``{name: factory}``.
    kind : str
        What is being looked up, for the error message ("activation", ...).
    instantiate : bool
        A class (a subclass of ``instance_of``; any class when ``allow_callable``)
        stands for its default instance, as in Keras's ``get`` of initializers,
        regularizers and losses: ``get(GlorotUniform)`` is ``GlorotUniform()``.
        Returned as is, the class was taken for a function and failed later.

    A dict ``{"class_name": ..., "config": {...}}`` (Keras's serialized form, its ``module``
    and ``registered_name`` ignored) creates that class with that config, as Keras's ``get``;
    only the classes ``table`` stands for (:func:`from_config`: no imports, no other code); its
    ``class_name`` may be a name too, read by ``resolve`` (the registry's ``get``), else by ``table``.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict) and "class_name" in identifier:
        return from_config(identifier, {cls.__name__: cls for cls in _classes(table, instance_of)}, kind,
                           resolve or (lambda name: _lookup(name, table, kind, instance_of)), table)
    if instantiate and isinstance(identifier, type) and (
            allow_callable or (instance_of is not None and issubclass(identifier, instance_of))):
        instance = identifier()
        if (instance_of is not None and isinstance(instance, instance_of)) or (allow_callable and callable(instance)):
            return instance
    if isinstance(identifier, str):
        key = identifier.lower()
        factory = table.get(key) or _class_named(key, table, instance_of)
        if factory is None:
            valid = ", ".join(sorted(table))
            classes = sorted(cls.__name__ for cls in _classes(table, instance_of))
            also = f" (or a class name, such as {classes[0]!r})" if classes else ""
            raise ValueError(f"Unknown {kind} {identifier!r}. Valid names: {valid}{also}.")
        return factory()
    if instance_of is not None and isinstance(identifier, instance_of):
        return identifier
    if allow_callable and callable(identifier) and not isinstance(identifier, type):
        return identifier
    accepted = instance_of.__name__ if instance_of else "callable"
    name = type(identifier).__name__
    if from_keras(identifier):  # a tutorial's tf.keras.optimizers.Adam(...) left among glassnet's calls
        ours = any(cls.__name__ == name for cls in _classes(table, instance_of))
        raise ValueError(f"Could not interpret {kind} identifier: {identifier!r} is Keras's {name}, and glassnet "
                         "computes with its own objects: " + (f"use glassnet's {name}(...) with the same arguments "
                         "(import glassnet as keras)." if ours else f"glassnet has no {kind} {name}."))
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r}. "
        f"Expected a name (one of {', '.join(sorted(table))}) or "
        f"{'an' if accepted[0] in 'AEIOUaeiou' else 'a'} {accepted} object."
    )


def from_keras(obj):
    """Whether ``obj`` is an object of Keras or TensorFlow (left in code moved to glassnet)."""
    return type(obj).__module__.split(".")[0] in ("keras", "tensorflow", "tf_keras")


def _classes(table, instance_of=None):
    """The public classes a name may stand for: those of ``table``, then the subclasses of
    ``instance_of`` defined beside it (``L1L2``, which the table reaches through a factory): in its
    module, or in its package where it is the package's ``base`` (optimizers.base's Optimizer:
    optimizers.loss_scale's LossScaleOptimizer)."""
    found = [f for f in table.values() if isinstance(f, type)]
    if instance_of is not None:
        package = instance_of.__module__.removesuffix(".base") + "."
        stack = list(instance_of.__subclasses__())
        while stack:
            cls = stack.pop()
            stack.extend(cls.__subclasses__())
            if cls.__module__ == instance_of.__module__ or cls.__module__.startswith(package):
                found.append(cls)
    return [cls for cls in dict.fromkeys(found) if cls.__name__[0] != "_"]


def _class_named(key, table, instance_of=None):
    """The public class whose name, in lower case, is ``key`` (see :func:`_classes`), or None."""
    for cls in _classes(table, instance_of):
        if cls.__name__.lower() == key:
            return cls
    return None


def has_name(identifier, table, instance_of=None):
    """Whether the string ``identifier`` names an entry of ``table`` (a name or a class name)."""
    key = identifier.lower()
    return key in table or _class_named(key, table, instance_of) is not None


def keras_arrays(kwargs):
    """``kwargs`` with each array that Keras 3 serialized replaced by its (nested) list of values, or
    its number: a NumPy array (``{"class_name": "__numpy__", "config": {"value": [...], "dtype": ...}}``,
    as ``keras.saving`` writes an array argument: ``Constant(np.log([0.05]))``, a per-channel
    ``Rescaling``) or a backend tensor (``"__tensor__"``, the same config: ``Constant(keras.ops.log(0.25))``);
    and a ``seed`` given as a ``keras.random.SeedGenerator`` (``{"class_name": "SeedGenerator", "config":
    {"seed": 3, ...}}``) by its integer seed. Data, never code."""
    def plain(key, value):
        if not (isinstance(value, dict) and isinstance(value.get("config"), dict)):
            return value
        if value.get("class_name") in ("__numpy__", "__tensor__") and "value" in value["config"]:
            return value["config"]["value"]
        if key == "seed" and value.get("class_name") == "SeedGenerator" and "seed" in value["config"]:
            # (a glassnet initializer with a seed gives the same values at every call, where a Keras
            # SeedGenerator moves on; the seed is checked as any other)
            return value["config"]["seed"]
        return value

    return {key: plain(key, value) for key, value in kwargs.items()}


def config_error(config, kind, exc):
    """The ValueError for a saved ``{"class_name", "config"}`` whose class refused its settings with ``exc``:
    a value it does not take (``dtype="bfloat16"``, ``renorm=True``) names the object and the reason, not the
    config, which is no malformed one; a wrong key or type shows the config shortened (a Keras layer's runs to
    1,000 characters), the reason last, to be read."""
    name = config["config"].get("name") if isinstance(config.get("config"), dict) else None
    if isinstance(exc, ValueError) and not isinstance(exc, OverflowError) and isinstance(name, str):
        return ValueError(f"The saved {kind} {name[:100]!r} ({str(config.get('class_name'))[:60]}) cannot be made: "
                          f"{exc}")
    if isinstance(exc, UnknownCustomObjectError):  # (a class unknown here, in a config that is no malformed one)
        return exc
    return ValueError(f"Malformed {kind} config {config!r:.200}: {exc}")


def _valid(classes, names):
    """The class names and, when known, the names a saved config may give, for an error."""
    valid = ", ".join(sorted(classes))
    return f"{valid}; or a name: {', '.join(sorted(names))}" if names else valid


def from_config(config, classes, kind, get=None, names=()):
    """Create an object from ``{"class_name": ..., "config": {...}}``.

    Only the classes in ``classes`` and the user's own (registered with
    ``register_keras_serializable`` or passed in ``custom_objects``, looked up by name:
    :mod:`glassnet._custom_objects`) can ever be created: a saved file can name nothing
    else (no imports, no calls of arbitrary code).

    Given the registry's ``get`` (of a name) and its ``names``, as Keras's ``deserialize``: a name
    (``"relu"``, ``"ReLU"``) is the object ``get`` makes of it, and a ``class_name`` that is a name rather
    than a class name (``"l2"``, ``"max_norm"``) stands for the class that name makes, with the config,
    where that class is one of ``classes``.
    """
    if isinstance(config, dict):
        custom = _custom_objects.find(config, kind)
        if custom is not None:  # (a user's class named as a built-in one wins, as in Keras)
            return _custom_objects.create(custom, config, kind)
    saved = config  # (the errors show the config as given)
    if isinstance(config, str) and get is not None:
        try:
            return get(config)
        except ValueError:
            raise ValueError(f"Unknown {kind} {config!r}. Valid: {_valid(classes, names)}.") from None
    if (get is not None and isinstance(config, dict) and isinstance(config.get("class_name"), str)
            and config["class_name"] not in classes and config.get("registered_name") in (None, config["class_name"])):
        try:
            named = type(get(config["class_name"]))
        except ValueError:  # no name of the registry: refused below
            named = None
        if named is not None and classes.get(named.__name__) is named:
            config = {**config, "class_name": named.__name__, "registered_name": None}
    # ("MyLayers>Dense" is a user's class, not glassnet's Dense)
    if (not isinstance(config, dict) or config.get("class_name") not in classes
            or config.get("registered_name") not in (None, config["class_name"])):
        name = config.get("class_name") if isinstance(config, dict) else config
        advice = _custom_objects.unknown(config, kind) if isinstance(config, dict) else ""
        raise (UnknownCustomObjectError if advice else ValueError)(
            f"Unknown {kind} {name!r} in saved config.{advice} Valid: {_valid(classes, names)}."
        )
    kwargs = config.get("config", {})
    if not isinstance(kwargs, dict):
        raise ValueError(f"Malformed {kind} config: {saved!r}")
    cls = classes[config["class_name"]]
    try:
        if issubclass(cls, Configurable):
            _check_keys(cls, kwargs)
        return cls(**keras_arrays(kwargs))
    except (TypeError, ValueError, OverflowError) as exc:
        raise config_error(saved, kind, exc) from None


def to_config(obj, classes, kind):
    """``{"class_name", "config"}`` of a built-in object; a custom one (a subclass of the kind's
    base defined outside glassnet) as Keras writes it, with its ``registered_name``."""
    name = type(obj).__name__
    if _custom_objects.is_custom(obj, kind):
        return _custom_objects.serialize(obj, kind)
    if classes.get(name) is not type(obj):
        raise ValueError(
            f"Cannot save the custom {kind} {obj!r}: only built-in {kind}{'es' if kind.endswith('s') else 's'} "
            f"can be stored ({', '.join(sorted(classes))})."
        )
    return {"class_name": name, "config": obj.get_config()}


class Configurable:
    """Keras's ``cls.from_config(obj.get_config())``: a new object with the same settings (and,
    for an optimizer, no state), for the bases of initializers, regularizers, optimizers,
    learning-rate schedules, losses and metrics."""

    @classmethod
    def from_config(cls, config):
        """A new object of this class with the settings ``config`` (what ``get_config`` returned)."""
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict from get_config(). Received: {type(config).__name__}")
        _check_keys(cls, config)
        return cls(**keras_arrays(config))


def _check_keys(cls, config):
    """A key of ``config`` that ``cls`` takes no argument for, named with the class: left to
    ``__init__``, the error named a private base (``_TimeDecay``, ``_Preset``) or a parent class."""
    params = inspect.signature(cls).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):  # the class names its own unknown arguments
        return
    unknown = [str(key) for key in config if key not in {p.name for p in params}]
    if unknown:
        takes = ", ".join(p.name for p in params) or "no arguments"
        raise TypeError(f"{cls.__name__}.from_config got unknown key(s) {', '.join(unknown)}; "
                        f"{cls.__name__} takes {takes}.")
