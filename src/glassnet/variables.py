"""The weight arrays a layer hands out (``layer.weights``, ``model.trainable_weights``, ``layer.kernel``)
with Keras 3's variable attributes: ``name``, ``path``, ``trainable``, ``numpy()``, ``value``,
``assign``, ``assign_add`` and ``assign_sub``.

A :class:`Variable` is the live NumPy array itself, seen through a subclass: writing into it changes the
model, and anything computed from it (``w * 2``, ``w.sum()``, ``w[0]``, ``w.T``, ``w.copy()``) is a plain
array or number. The same object is handed out at each access while the layer keeps its array, so that a
custom loop's optimizer knows it again. Arrays of other namespaces (torch tensors) are handed out as they are.

A model that binds the layer again moves its weights into the model's flat parameter buffer, and the layer
then holds a new array: nesting a model in ``Sequential([Input, base, Dense])`` or in a functional
``Model``, sharing its layers (``Sequential(base.layers + [...])``), ``model.add`` after the weights were
fetched. In Keras the variable object stays the layer's; a NumPy array cannot be pointed at other memory,
so a Variable reads and writes the layer's current array for its weight instead (:meth:`Variable._current`):
``assign``, ``assign_add``, ``assign_sub``, ``numpy()``, ``value``, its repr and str, indexing and item
assignment, NumPy's functions (``np.concatenate([w, v])``, ``np.dot``), ufuncs and operators (``w * 2``,
``w += 1``: ``w`` stays the Variable), and ndarray's methods (``w.sum()``, ``w.dot(x)``, ``w.tolist()``,
``w.copy()``, ``w.reshape(...)``, ``w.fill(0)``...). So a Variable held across nesting still sees training,
and its ``assign`` still reaches the model.

What reads the array's raw memory does not go through it, and sees the old weights on a Variable held
across such a rebinding: ``np.asarray(w)``, ``np.array(w)``, ``memoryview(w)`` and the buffer protocol,
``w.__array_interface__``, ``w.ctypes``, ``w.data``, DLPack, and C extensions given ``w`` (through those).
After nesting or sharing layers, fetch ``layer.kernel`` (or ``model.weights``) again for them; ``layer.kernel
is k`` is False then, where Keras's is True.
"""

import weakref

import numpy as np

from .layers._config import snake_case


def _plain(value):
    """``value``, a :class:`Variable` replaced by the layer's current array for it (a plain ndarray), and
    those in a list or tuple too (``np.concatenate([w, v])``, ``np.stack((w, v))``)."""
    if isinstance(value, Variable):
        return value._current()
    if type(value) is list or type(value) is tuple:
        return type(value)([item._current() if isinstance(item, Variable) else item for item in value])
    return value


class Variable(np.ndarray):
    """A layer's live weight array with Keras's variable attributes (see the module's docstring)."""

    def __array_finalize__(self, obj):
        # an array made from a variable by a path not routed below is not the variable: no name of its own
        self._layer_ref = self._key = self._name = self._path = None

    def _layer(self):
        return None if self._layer_ref is None else self._layer_ref()

    def _current(self):
        """The layer's array for this weight now (``params[key]``, else ``state[key]``), plain: this
        object's own memory while the layer keeps the array it was handed out from, the new array after
        a model bound the layer again. This object's own memory where the layer is gone or holds no
        weight of this shape under the key any more (it was built again)."""
        layer = None if self._layer_ref is None else self._layer_ref()
        if layer is not None:
            array = layer.params.get(self._key)
            if array is None:
                array = layer.state.get(self._key)
            if type(array) is np.ndarray and array.shape == self.shape:
                return array
        return np.ndarray.view(self, np.ndarray)  # (self.view is routed here)

    # NumPy's dispatch: each Variable among the arguments is replaced by its current array, so the
    # result is a plain array or number computed from the layer's weights now
    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        inputs = [x._current() if isinstance(x, Variable) else x for x in inputs]
        for key, value in kwargs.items():  # (where=, a mask)
            if isinstance(value, Variable):
                kwargs[key] = value._current()
        if out is None:  # (np.add.at(w, rows, 1) too: its first input is written)
            return getattr(ufunc, method)(*inputs, **kwargs)
        result = getattr(ufunc, method)(*inputs, out=tuple([_plain(o) for o in out]), **kwargs)
        # in place (w += 1, np.maximum(w, 0, out=w)): NumPy returns the outputs given, so w stays the Variable
        if len(out) == 1:
            return out[0] if isinstance(out[0], Variable) else result
        return tuple([given if isinstance(given, Variable) else each for given, each in zip(out, result)])

    def __array_function__(self, func, types, args, kwargs):
        args = tuple([_plain(arg) for arg in args])
        if not kwargs:
            return super().__array_function__(func, types, args, kwargs)
        out = kwargs.get("out")
        kwargs = {key: _plain(value) for key, value in kwargs.items()}
        result = super().__array_function__(func, types, args, kwargs)
        return out if isinstance(out, Variable) and result is kwargs["out"] else result

    def __array_wrap__(self, array, context=None, return_scalar=False):
        # (what the dispatch above leaves: ndarray's own methods called unbound) a plain array or number
        if return_scalar:
            return array[()]
        return np.ndarray.view(array, np.ndarray) if isinstance(array, Variable) else array

    def __getitem__(self, index):
        return self._current()[index._current() if isinstance(index, Variable) else index]

    def __setitem__(self, index, value):
        self._current()[index._current() if isinstance(index, Variable) else index] = _plain(value)

    @property
    def name(self):
        """Keras's weight name: ``kernel``, ``bias``, ``gamma``, ``moving_mean``..."""
        return self._name

    @property
    def path(self):
        """Keras's ``variable.path``: ``sequential/dense/kernel`` in a model (see
        :func:`glassnet.models.updates.parameter_paths`), ``dense/kernel`` for a layer in none; the
        path it last had in a model once the layer is gone or was removed from it, as Keras's keeps it."""
        layer = self._layer()
        live = None if layer is None else self._live_path(layer)
        if live is not None:
            self._path = live
        return self._path

    def _own_path(self, layer):
        """The path below the model's scope: "layer name/Keras weight name"."""
        paths = layer.parameter_paths() if self._key in layer.params else []
        return ((dict(zip(layer.params, paths)).get(self._key) if len(paths) == len(layer.params) and layer.name
                 else None) or f"{layer.name or snake_case(type(layer).__name__)}/{self._name}")

    def _live_path(self, layer):
        """The path in the model holding ``layer``, or in none; None where that model is gone or no
        longer holds the layer (popped)."""
        owner = getattr(layer, "_owner", None)
        if owner is None:
            return self._own_path(layer)
        model = owner()
        scope = None if model is None else _scope(model, layer)
        return None if scope is None else scope + self._own_path(layer)

    @property
    def trainable(self):
        """Whether training steps it: a parameter of a trainable layer (not a moving statistic)."""
        layer = self._layer()
        return layer is not None and layer.trainable and self._key in layer.params

    def numpy(self):
        """A copy, as a plain NumPy array (Keras's ``variable.numpy()``)."""
        return np.array(self._current())

    @property
    def value(self):
        """The array itself, plain (Keras's ``variable.value``)."""
        return self._current().view(np.ndarray)

    def _fitting(self, value, method):
        """``value`` as an array, refused unless of this shape or broadcasting to it (Keras's check)."""
        value = np.asarray(_plain(value))
        try:
            fits = value.shape == self.shape or np.broadcast_shapes(value.shape, self.shape) == self.shape
        except ValueError:  # shapes that do not broadcast
            fits = False
        if not fits:
            raise ValueError(f"The variable {self._name!r} has shape {self.shape}; {method} got a value of shape "
                             f"{value.shape}.")
        return value

    def assign(self, value):
        """Write ``value`` (of this shape, or broadcasting to it) into the weights, as Keras's ``assign``."""
        self._current()[...] = self._fitting(value, "assign")
        return self

    def assign_add(self, value):
        """Add ``value`` (of this shape, or broadcasting to it) to the weights, as Keras's ``assign_add``."""
        current = self._current()
        current += self._fitting(value, "assign_add").astype(current.dtype, copy=False)
        return self

    def assign_sub(self, value):
        """Subtract ``value`` (of this shape, or broadcasting to it) from the weights, as Keras's ``assign_sub``."""
        current = self._current()
        current -= self._fitting(value, "assign_sub").astype(current.dtype, copy=False)
        return self

    def __repr__(self):
        current = self._current()
        return (f"<Variable path={self.path}, shape={current.shape}, dtype={current.dtype}, "
                f"value={np.array2string(current, threshold=6, edgeitems=2)}>")


def _scope(model, layer):
    """The scope of ``layer``'s paths in ``model`` ("sequential/"; see :func:`glassnet.models.updates._scopes`),
    or None where the model does not hold it."""
    if model._layers and not model.__dict__.get("_nested_models") and not model.__dict__.get("_deferred"):
        # a model without nested ones holds its layers in its own scope: found without walking the model's
        # items for each weight handed out (a 1,000-layer model's first fit took 0.65 s instead of 0.05 s)
        return ("" if getattr(model, "_functional", False) else f"{model.name}/") if layer in model._layers else None
    from .models.updates import _scopes

    return next((scope for each, scope in _scopes(model, "") if each is layer), None)


def _routed_method(name):
    """ndarray's method ``name``, run on the layer's current array (arguments that are Variables too)."""
    def method(self, *args, **kwargs):
        return getattr(self._current(), name)(*_plain(args), **{k: _plain(v) for k, v in kwargs.items()})

    method.__name__, method.__doc__ = name, _ndarray_doc(name)
    return method


def _routed_property(name, settable):
    """ndarray's attribute ``name`` (``w.T``, ``w.real``), of the layer's current array."""
    def get(self):
        return getattr(self._current(), name)

    def set(self, value):
        setattr(self._current(), name, _plain(value))

    return property(get, set if settable else None, doc=_ndarray_doc(name))


def _ndarray_doc(name):
    """NumPy's text for ``ndarray.name`` without its examples (doctest would collect them as glassnet's)."""
    doc = getattr(np.ndarray, name).__doc__ or ""
    return f"ndarray.{name}, of the layer's current weights.\n\n" + doc.split("Examples\n")[0].rstrip()


# ndarray's methods that read or write the values (not resize and setflags, which change this object),
# and the conversions: a copy or view is then a plain array of the current weights, not a nameless Variable
for _name in ("all", "any", "argmax", "argmin", "argpartition", "argsort", "astype", "byteswap", "choose", "clip",
              "compress", "conj", "conjugate", "copy", "cumprod", "cumsum", "diagonal", "dot", "dump", "dumps", "fill",
              "flatten", "getfield", "item", "max", "mean", "min", "nonzero", "partition", "prod", "put", "ravel",
              "repeat", "reshape", "round", "searchsorted", "setfield", "sort", "squeeze", "std", "sum", "swapaxes",
              "take", "tobytes", "tofile", "tolist", "trace", "transpose", "var", "view", "__copy__", "__deepcopy__",
              "__reduce__", "__reduce_ex__", "__str__", "__format__", "__iter__", "__bool__", "__float__", "__int__",
              "__index__", "__complex__"):
    setattr(Variable, _name, _routed_method(_name))
for _name, _settable in (("T", False), ("mT", False), ("real", True), ("imag", True), ("flat", True)):
    setattr(Variable, _name, _routed_property(_name, _settable))
del _name, _settable


def handed_out(layer, key, array):
    """``array`` (the layer's ``params[key]`` or ``state[key]``) as the :class:`Variable` the layer hands
    out: the same object at each call while the layer keeps this array (a model binding the layer again
    gives it a new one; the one handed out before then reads and writes the new array). Its Keras name
    and path are kept from now, for when the layer is gone. Another namespace's array is returned as it is."""
    if type(array) is not np.ndarray:
        return array
    cache = layer.__dict__.setdefault("_variables", {})
    kept = cache.get(key)
    if kept is not None and kept[0] is array:
        return kept[1]
    variable = array.view(Variable)
    variable._layer_ref, variable._key = weakref.ref(layer), key
    variable._name = layer.keras_param_names.get(key, key)
    variable._path = variable._live_path(layer) or variable._own_path(layer)
    cache[key] = (array, variable)
    return variable
