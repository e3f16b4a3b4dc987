"""The weight arrays a layer hands out (``layer.weights``, ``model.trainable_weights``, ``layer.kernel``)
with Keras 3's variable attributes: ``name``, ``path``, ``trainable``, ``numpy()``, ``value``,
``assign``, ``assign_add`` and ``assign_sub``.

A :class:`Variable` is the live NumPy array itself, seen through a subclass: writing into it changes the
model, as before, and anything computed from it (``w * 2``, ``w.sum()``, ``w[0]``) is a plain array or
number. The same object is handed out at each access while the layer keeps its array, so that a custom
loop's optimizer knows it again. Arrays of other namespaces (torch tensors) are handed out as they are.
"""

import weakref

import numpy as np

from .layers._config import snake_case


class Variable(np.ndarray):
    """A layer's live weight array with Keras's variable attributes (see the module's docstring)."""

    def __array_finalize__(self, obj):
        # a view made from a variable (w.T, w.reshape(...)) is not the variable: no name of its own
        self._layer_ref, self._key = None, None

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # what a ufunc computes from a variable is a plain array (or number), not another variable
        if return_scalar:
            return array[()]
        return array.view(np.ndarray) if isinstance(array, Variable) else array

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return item.view(np.ndarray) if isinstance(item, Variable) else item

    def __reduce__(self):  # pickled as the plain array it holds (a pickle names no glassnet class)
        return np.array(self).__reduce__()

    def _layer(self):
        return None if self._layer_ref is None else self._layer_ref()

    @property
    def name(self):
        """Keras's weight name: ``kernel``, ``bias``, ``gamma``, ``moving_mean``..."""
        layer = self._layer()
        return self._key if layer is None else layer.keras_param_names.get(self._key, self._key)

    @property
    def path(self):
        """Keras's ``variable.path``: ``sequential/dense/kernel`` in a model (see
        :func:`glassnet.models.updates.parameter_paths`), ``dense/kernel`` for a layer in none."""
        layer = self._layer()
        if layer is None:
            return self.name
        owner = getattr(layer, "_owner", None)
        model = owner() if owner is not None else None
        paths = layer.parameter_paths() if self._key in layer.params else []
        own = (dict(zip(layer.params, paths)).get(self._key) if len(paths) == len(layer.params) and layer.name
               else None) or f"{layer.name or snake_case(type(layer).__name__)}/{self.name}"
        if model is not None:
            from .models.updates import _scopes

            scope = next((scope for each, scope in _scopes(model, "") if each is layer), "")
            return scope + own
        return own

    @property
    def trainable(self):
        """Whether training steps it: a parameter of a trainable layer (not a moving statistic)."""
        layer = self._layer()
        return layer is not None and layer.trainable and self._key in layer.params

    def numpy(self):
        """A copy, as a plain NumPy array (Keras's ``variable.numpy()``)."""
        return np.array(self)

    @property
    def value(self):
        """The array itself, plain (Keras's ``variable.value``)."""
        return self.view(np.ndarray)

    def assign(self, value):
        """Write ``value`` (of this shape, or broadcasting to it) into the weights, as Keras's ``assign``."""
        value = np.asarray(value)
        try:
            fits = value.shape == self.shape or np.broadcast_shapes(value.shape, self.shape) == self.shape
        except ValueError:  # shapes that do not broadcast
            fits = False
        if not fits:
            raise ValueError(f"The variable {self.name!r} has shape {self.shape}; assign got a value of shape "
                             f"{value.shape}.")
        self.view(np.ndarray)[...] = value
        return self

    def assign_add(self, value):
        self.view(np.ndarray)[...] += np.asarray(value, dtype=self.dtype)
        return self

    def assign_sub(self, value):
        self.view(np.ndarray)[...] -= np.asarray(value, dtype=self.dtype)
        return self

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.array2string(np.asarray(self.view(np.ndarray)), threshold=6, edgeitems=2)}>")


def handed_out(layer, key, array):
    """``array`` (the layer's ``params[key]`` or ``state[key]``) as the :class:`Variable` the layer hands
    out: the same object at each call while the layer keeps this array (a model binding the layer again
    gives it a new one). Another namespace's array is returned as it is."""
    if type(array) is not np.ndarray:
        return array
    cache = layer.__dict__.setdefault("_variables", {})
    kept = cache.get(key)
    if kept is not None and kept[0] is array:
        return kept[1]
    variable = array.view(Variable)
    variable._layer_ref, variable._key = weakref.ref(layer), key
    cache[key] = (array, variable)
    return variable
