"""``keras.applications`` has no glassnet counterpart: ``from glassnet import applications`` (the first line of
several keras.io guides) says what to use instead, where Python's import gave a bare "cannot import
name 'applications'" (attribute access, ``glassnet.applications``, says it through the package's ``__getattr__``)."""

from . import _KERAS_ONLY

raise ImportError(f"glassnet has no applications module, Keras's keras.applications: {_KERAS_ONLY['applications']}.")
