"""``keras.ops`` has no glassnet counterpart: ``from glassnet import ops`` (the first line of
several keras.io guides) says what to use instead, where Python's import gave a bare "cannot import
name 'ops'" (attribute access, ``glassnet.ops``, says it through the package's ``__getattr__``)."""

from . import _KERAS_ONLY

raise ImportError(f"glassnet has no ops module, Keras's keras.ops: {_KERAS_ONLY['ops']}.")
