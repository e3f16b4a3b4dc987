"""``keras.random`` has no glassnet counterpart: ``from glassnet import random`` (the first line of
several keras.io guides) says what to use instead, where Python's import gave a bare "cannot import
name 'random'" (attribute access, ``glassnet.random``, says it through the package's ``__getattr__``)."""

from . import _KERAS_ONLY

raise ImportError(f"glassnet has no random module, Keras's keras.random: {_KERAS_ONLY['random']}.")
