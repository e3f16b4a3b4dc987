"""Keras 3's dtype policies (``keras.DTypePolicy``, ``keras.mixed_precision``) for glassnet's one-dtype models.

A glassnet model computes in one dtype, its weights': a policy names it. ``"float32"`` (the default),
``"float64"`` and ``"float16"`` are themselves; Keras's mixed policies ``"mixed_float16"`` and
``"mixed_bfloat16"`` (float16 computations on float32 weights) are read as float32, with a warning,
as a layer's ``dtype="mixed_float16"`` is. ``set_global_policy`` sets the dtype of the layers and models
made from then on without one, as Keras's sets its layers'; ``floatx()`` stays as it was, as in Keras. A layer's
policy is fixed when it is made, as Keras's (a model still gives its own dtype to the layers given none).
"""

import functools

import numpy as np

from . import backend

_NAMES = ", ".join(repr(name) for name in backend._FLOAT_DTYPES + tuple(backend._MIXED))


class DTypePolicy:
    """``DTypePolicy(name=None)``: Keras's policy object (``None`` is ``floatx()``'s), with its ``name``,
    ``compute_dtype``, ``variable_dtype``, ``get_config`` and ``from_config``. A layer or model takes it as
    its ``dtype``. ``compute_dtype`` is the dtype glassnet computes in, the weights' (float32 for the mixed
    policies, where Keras computes in float16)."""

    quantization_mode = None  # Keras's quantized policies are not glassnet's

    def __init__(self, name=None):
        if name is None:
            name = backend.floatx()
        if not isinstance(name, str):
            raise TypeError(f"name must be a string naming a dtype policy ({_NAMES}). Received: name={name!r:.100}")
        if name not in backend._FLOAT_DTYPES and name not in backend._MIXED:
            raise ValueError(f"{name!r:.100} is not a dtype policy glassnet computes in; valid policies are {_NAMES}.")
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def variable_dtype(self):
        return "float32" if self._name in backend._MIXED else self._name

    compute_dtype = variable_dtype  # (glassnet computes in the weights' dtype)

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self):
        return hash((DTypePolicy, self._name))


#: Keras's other names for the class (tf.keras 2's ``Policy``, Keras 3.0's ``FloatDTypePolicy``)
Policy = FloatDTypePolicy = DTypePolicy


def set_global_policy(policy):
    """``keras.mixed_precision.set_global_policy(policy)``: the dtype policy (a name or a ``DTypePolicy``,
    Keras's too) of the layers and models made from now on without a ``dtype``."""
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        name = getattr(policy, "name", None)  # keras.DTypePolicy("float64"): read by its name, keras not imported
        if not isinstance(name, str) or isinstance(policy, (dict, bytes)):
            # a ValueError, as Keras's: code written for Keras catches that one
            raise ValueError("Invalid policy argument: policy must be the name of a dtype policy (such as 'float64' or "
                             f"'mixed_float16') or a DTypePolicy. Received: policy={policy!r:.100} of type "
                             f"{type(policy).__name__}")
        policy = DTypePolicy(name)
    backend.standardize_dtype(policy.name)  # the mixed policies' warning, once, here
    backend._state["policy"] = policy.name


def global_policy():
    """The global dtype policy: the one set, else ``floatx()``'s, as Keras's."""
    return DTypePolicy(backend._state["policy"])


#: Keras 3's names in ``keras.config`` and ``keras.mixed_precision``
set_dtype_policy, dtype_policy = set_global_policy, global_policy


def get(identifier):
    """``keras.dtype_policies.get``: a policy from its name, its config dict, or itself."""
    if isinstance(identifier, dict) and identifier.get("class_name") in backend.POLICY_CLASS_NAMES:
        return DTypePolicy.from_config(identifier.get("config") or {})
    if isinstance(identifier, DTypePolicy):
        return identifier
    if identifier is None or isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise TypeError(f"Cannot interpret {identifier!r:.100} as a dtype policy: give its name or a DTypePolicy.")


def serialize(dtype_policy):
    """``keras.dtype_policies.serialize``: Keras 3's dict of a policy, ``{"module": "keras", "class_name":
    "DTypePolicy", "config": {"name": ...}, "registered_name": None}``; a name or None is returned as it is,
    as Keras's."""
    if dtype_policy is None or isinstance(dtype_policy, str):
        return dtype_policy
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError(f"dtype_policy must be a DTypePolicy (or its name). Received: {dtype_policy!r:.100} of type "
                        f"{type(dtype_policy).__name__}")
    return {"module": "keras", "class_name": "DTypePolicy", "config": dtype_policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """``keras.dtype_policies.deserialize``: the policy of a :func:`serialize` dict (Keras's, its class names
    ``DTypePolicy``, ``FloatDTypePolicy`` and ``Policy``); a name or None is returned as it is, as Keras's.
    ``custom_objects`` is accepted for Keras's signature (glassnet has no policies of yours)."""
    if config is None or isinstance(config, str):
        return config
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict from dtype_policies.serialize. Received: {config!r:.100} of type "
                        f"{type(config).__name__}")
    if config.get("class_name") not in backend.POLICY_CLASS_NAMES or not isinstance(config.get("config"), dict):
        raise ValueError(f"config must be a DTypePolicy's, as dtype_policies.serialize writes it: class_name one of "
                         f"{', '.join(backend.POLICY_CLASS_NAMES)} and a config dict (glassnet has no quantized "
                         f"policies). Received: {config!r:.200}")
    return DTypePolicy.from_config(config["config"])


def policy_name(dtype):
    """The name of the policy that a layer's ``dtype`` argument names (a dtype, a policy or its config; None:
    the global policy now, as Keras's layer takes it when it is made): a mixed policy keeps its own name,
    which ``standardize_dtype`` reads as float32."""
    if dtype is None:
        return backend._state["policy"] or backend.floatx()
    name = dtype
    if isinstance(dtype, dict) and dtype.get("class_name") in backend.POLICY_CLASS_NAMES:
        name = (dtype.get("config") or {}).get("name")
    elif not isinstance(dtype, (str, dict, np.dtype)):
        name = getattr(dtype, "name", None)  # a policy object, Keras's too
    if isinstance(name, str) and name in backend._MIXED:
        return name
    return backend.standardize_dtype(dtype)


def _global_dtype(layer):
    """The dtype of the global policy that ``layer`` (a layer, not an Input) was made under, given no dtype (its
    ``dtype_policy``, fixed then, as Keras's), where it is float16 or float64 (``set_floatx``,
    ``set_global_policy``); else None: a layer given a dtype, or made under float32 (floatx()'s default and
    the mixed policies' dtype)."""
    name = layer.__dict__.get("_policy_name") if getattr(layer, "_own_dtype", None) is None else None
    dtype = None if name is None else DTypePolicy(name).variable_dtype
    return None if dtype == "float32" else dtype


def _policy_clash(named, layer, dtype, positions=None):
    """The ValueError of a model for ``layer``, made under a global policy of ``dtype`` (:func:`_global_dtype`),
    next to ``named``, a layer (or model) given another dtype, which the model takes: a model given ``dtype``
    refuses ``named``, and a model made under that policy refuses it alike (it took ``named``'s dtype without a
    word: Keras's float16 layers with a float32 output layer made a float32 model). ``positions``: their places
    among the model's layers (1 the first after the Input), which tell two unnamed layers apart."""
    given = backend.standardize_dtype(named.dtype)
    what = named._label() if hasattr(named, "_label") else f"Model {named.name!r}"
    other = layer._label()
    if positions is not None:
        what, other = (f"{label} (the model's layer {i})" for label, i in zip((what, other), positions))
    return ValueError(
        f"{what} has dtype {given!r} but {other} was made under the global dtype policy {dtype!r}, which it keeps "
        f"(its dtype_policy, fixed when a layer is made, as Keras's): a glassnet model keeps all its weights in one "
        f"dtype, where Keras computes each layer in its own. Leave out the dtype={given!r} of {what} for a {dtype} "
        f"model, or make the other layers with dtype={given!r} (or under set_global_policy({given!r})), or give the "
        f"model dtype={given!r}, for a {given} one.")


class PolicyAttributes:
    """Keras's ``dtype_policy``, ``compute_dtype`` and ``variable_dtype`` of a layer or model: the policy
    fixed when the layer was made (its ``_policy_name``: given, else the global one then, as Keras fixes it),
    while the ``dtype`` is that policy's (an unbuilt layer's too: the one it will take); else the ``dtype``'s,
    which a model gives the layers given none."""

    #: the dtype given to the layer, or set by its model or build: None while it has none (a model gives it
    #: its own), where the public ``dtype`` is then its policy's, as Keras's (a layer keeps it in ``__dict__``)
    _own_dtype = property(lambda self: self.__dict__.get("dtype"))

    @property
    def dtype_policy(self):
        own, dtype = self.__dict__.get("_policy_name"), self._own_dtype  # (None: made before this attribute)
        if own is not None:
            policy = DTypePolicy(own)
            if dtype is None or policy.variable_dtype == backend.standardize_dtype(dtype):
                return policy
        return DTypePolicy(backend.standardize_dtype(dtype))

    @property
    def variable_dtype(self):
        return self.dtype_policy.variable_dtype

    compute_dtype = variable_dtype  # (one dtype: the weights')


def build_in_its_dtype(build):
    """A layer class's ``build``, wrapped so that a layer given no dtype builds in its policy's, fixed when the
    layer was made, as Keras's and as ``layer(x)`` does (``layer.build(shape)`` took the global policy's at the
    build and left the layer's dtype None, so that its ``dtype_policy`` followed the global one away from its
    weights'). A layer left without weights keeps None, so that it can join a model of any dtype."""
    if getattr(build, "_in_its_dtype", False):
        return build

    @functools.wraps(build)
    def build_layer_in_its_dtype(self, *args, **kwargs):
        if self.__dict__.get("built") and (self.__dict__.get("params") or self.__dict__.get("state")):
            # (it drew new weights over the layer's own, a model's trained kernel or loaded weights, without a word)
            which = f"Layer {self.name!r}" if self.name else "This layer"
            shape = "" if self.input_shape is None else f", for inputs of shape {(None, *self.input_shape)}"
            raise ValueError(f"{which} ({type(self).__name__}) is already built{shape}, and holds its weights: "
                             "building it again would draw new ones over them (Keras refuses it too). Use a new "
                             "layer, or glassnet.models.clone_model for a copy of a model.")
        if self.__dict__.get("dtype") is not None:  # given, a model's, or set by the outer build of a subclass
            return build(self, *args, **kwargs)
        self.dtype = self.variable_dtype
        has_weights = False
        try:
            result = build(self, *args, **kwargs)
            has_weights = bool(getattr(self, "params", None) or getattr(self, "state", None))
        finally:
            if not has_weights:  # (a build that failed leaves the layer as it was)
                self.dtype = None
        return result

    build_layer_in_its_dtype._in_its_dtype = True
    return build_layer_in_its_dtype


__all__ = ["DTypePolicy", "FloatDTypePolicy", "Policy", "deserialize", "dtype_policy", "get", "global_policy",
           "serialize", "set_dtype_policy", "set_global_policy"]
