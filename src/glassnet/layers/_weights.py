"""A layer's weights from outside: as Keras's attributes (``bn.moving_mean``), and set from a
list of arrays checked before any is copied."""

import numbers

import numpy as np

from ..backend import from_numpy, numpy_dtype


class NotBuiltError(ValueError, AttributeError):
    """A weight (``Dense(3).kernel``) or a size (a model's ``n_outputs``) asked of a layer or model not yet
    built: an AttributeError too, as Keras's, so that ``hasattr`` is False and ``getattr(layer, "kernel",
    None)`` None (as scikit-learn's NotFittedError), and a ValueError as glassnet raised before."""


def refuse_weight_assignment(layer, name):
    """``layer.kernel = W``: an AttributeError, as for a property without a setter (Keras's too), that says
    how a weight is set: a model and its optimizer hold the array itself, so it is written into."""
    transpose = " (a PyTorch nn.Linear.weight is the transpose of a kernel: weight.T)" if name == "kernel" else ""
    raise AttributeError(f"{type(layer).__name__}.{name} cannot be replaced: write into the array, layer.{name}[...] = "
                         f"value{transpose}, or set all the layer's weights with layer.set_weights([...]) in "
                         "get_weights()'s order.", name=name, obj=layer)


def weight_attribute(key):
    """The layer's weight ``key`` as an attribute by its Keras name (``bn.moving_mean``,
    ``ln.gamma``, ``rms.scale``): the live array of ``params`` or ``state``, read at each access
    (a model moves the arrays into its buffer); None where the layer's settings leave the weight
    out (``scale=False``), as Keras's attribute."""
    def get(self):
        if key in self.params or key in self.state:
            return self._handed_out(key)
        if key not in self.weight_names:
            return None
        raise NotBuiltError(f"{type(self).__name__}.{key} exists once the layer is built (fit, predict or build "
                            "first).")
    return property(get, lambda self, value: refuse_weight_assignment(self, key),
                    doc=f"The weight {key!r} (Keras's attribute), once the layer is built.")


def assign_weights(targets, weights, names, owner):
    """Copy ``weights`` into the live arrays ``targets`` (called ``names`` in
    messages) once every count, shape and value has been checked, so that a
    bad list changes nothing."""
    if not isinstance(weights, (list, tuple)):
        raise TypeError(f"{owner} takes a list of weight arrays (as get_weights() returns). "
                        f"Received: {type(weights).__name__}")
    weights = list(weights)
    if len(weights) != len(targets):
        raise ValueError(f"{owner} expects a list of {len(targets)} weight arrays. Received {len(weights)}.")
    values = []
    for name, target, value in zip(names, targets, weights):
        dtype = numpy_dtype(target)
        try:
            given = np.asarray(value)
            # the cast read text ('1.5' as 1.5) and dropped imaginary parts with only NumPy's ComplexWarning
            real = given.dtype.kind not in "cUSMmV" and (  # and None as NaN, in a list of rows
                given.dtype != object or all(isinstance(v, numbers.Real) for v in given.flat))
            if real:
                with np.errstate(over="ignore"):
                    value = given.astype(dtype)
        except (TypeError, ValueError):
            real = False
        if not real and "bfloat16" in str(getattr(value, "dtype", "")):  # (torch's: "Got unsupported ScalarType")
            raise TypeError(f"{owner}: {name} is a bfloat16 array, and NumPy has no bfloat16: convert it first, "
                            "tensor.float() for a PyTorch tensor, np.asarray(w, dtype='float32') for JAX's.")
        if not real:
            raise TypeError(f"{owner}: {name} must be an array of real numbers. Received: {value!r:.80}") from None
        if given.dtype.kind in "fiu" and not np.array_equal(np.isfinite(value), np.isfinite(given)):
            # a finite value beyond the dtype's range (1e6 in float16) became inf with only NumPy's warning
            largest = float(np.abs(given[np.isfinite(given)]).max())
            raise ValueError(f"{owner}: {name} holds values beyond the range of {dtype} (up to "
                             f"{float(np.finfo(dtype).max):.6g}); the largest given is {largest:.6g}.")
        if value.shape != target.shape:
            dense = name.endswith(("/kernel)", "'kernel'"))  # a Dense kernel, not an Embedding's table...
            transposed = ((": the transpose (a PyTorch nn.Linear.weight is (out, in), a kernel (in, out): pass weight.T)"
                           if dense else ": the transpose (pass weight.T)")
                          if value.ndim == 2 and value.shape == tuple(target.shape)[::-1] else "")
            raise ValueError(f"{owner}: {name} has shape {value.shape}; expected {tuple(target.shape)}{transposed}.")
        values.append(value)
    for target, value in zip(targets, values):
        target[...] = from_numpy(value)
