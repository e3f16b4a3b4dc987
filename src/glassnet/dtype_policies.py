"""Keras 3's dtype policies (``keras.DTypePolicy``, ``keras.mixed_precision``) for glassnet's one-dtype models.

A glassnet model computes in one dtype, its weights': a policy names it. ``"float32"`` (the default),
``"float64"`` and ``"float16"`` are themselves; Keras's mixed policies ``"mixed_float16"`` and
``"mixed_bfloat16"`` (float16 computations on float32 weights) are read as float32, with a warning,
as a layer's ``dtype="mixed_float16"`` is. ``set_global_policy`` sets the dtype of the layers and models
given none, as Keras's sets its layers'; ``floatx()`` stays as it was, as in Keras.
"""

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
    Keras's too) of the layers and models made or built from now on without a ``dtype``."""
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        name = getattr(policy, "name", None)  # keras.DTypePolicy("float64"): read by its name, keras not imported
        if not isinstance(name, str) or isinstance(policy, (dict, bytes)):
            raise TypeError("policy must be the name of a dtype policy (such as 'float64' or 'mixed_float16') or a "
                            f"DTypePolicy. Received: policy={policy!r:.100} of type {type(policy).__name__}")
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


class PolicyAttributes:
    """Keras's ``dtype_policy``, ``compute_dtype`` and ``variable_dtype`` of a layer or model, read from its
    ``dtype`` (an unbuilt layer's is the one it will take: given, else the global policy's)."""

    @property
    def dtype_policy(self):
        return DTypePolicy(backend.standardize_dtype(self.dtype))

    @property
    def variable_dtype(self):
        return backend.standardize_dtype(self.dtype)

    compute_dtype = variable_dtype  # (one dtype: the weights')


__all__ = ["DTypePolicy", "FloatDTypePolicy", "Policy", "dtype_policy", "get", "global_policy", "set_dtype_policy",
           "set_global_policy"]
