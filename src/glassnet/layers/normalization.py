"""Feature standardization as a layer (Keras's preprocessing ``Normalization``)."""

import warnings

import numpy as np

from .._validation import _is_stream, check_array, check_bool
from ..backend import from_numpy, get_namespace, numpy_copy, standardize_dtype
from ..preprocessing.moments import _column_moments, _column_unit, _merge_moments, _nan_column_moments
from .base import Layer, sample_shape
from .batchnorm import feature_axis

#: Keras's ``backend.epsilon()``: the smallest standard deviation divided by
EPSILON = 1e-7


class Normalization(Layer):
    """Standardize each feature with a mean and variance computed beforehand:
    ``Y = (X − mean) / max(sqrt(variance), ε)`` with ``ε = 1e-7`` (Keras's), in
    training and at inference; ``invert=True`` undoes it,
    ``Y = mean + X · max(sqrt(variance), ε)``. Backward: ``dX = dY / max(sqrt(variance), ε)``
    (``· max(...)`` inverted).

    The statistics come from :meth:`adapt` (the mean and population variance of
    each feature of a data set, as ``StandardScaler``, seed 004's
    ``X -= np.mean(X, axis=0); X /= np.std(X, axis=0)``), or are given as ``mean``
    and ``variance``. Adapted ones are the layer's non-trainable weights ``mean``,
    ``variance`` and ``count`` (Keras's: one number per feature each, and one
    count; saved with the model); given ones are settings, not weights (as Keras).

    Parameters
    ----------
    axis : int or None
        ``-1`` (Keras's default): one mean and variance per feature (the last axis;
        its index counted with the batch axis is accepted too). ``None``: one mean
        and variance for all the inputs.
    mean, variance : number or array-like, optional
        Both or neither: one value (or a list of one, as Keras broadcasts it), or one per feature.
    invert : bool
        Map standardized values back to the original scale.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = feature_axis(axis, allow_none=True)
        if self.axis is not None and (self.axis == 0 or self.axis < -1):
            raise ValueError("glassnet's Normalization keeps one mean and variance per feature (axis=-1, Keras's "
                             f"default, or the last axis's index) or one for all (axis=None). Received: axis={axis}")
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set (as Keras "
                             f"requires). Received: mean={mean!r:.80} and variance={variance!r:.80}")
        self.input_mean = self.input_variance = None
        if mean is not None:
            self.input_mean = _statistic(mean, "mean")
            self.input_variance = _statistic(variance, "variance")
            if self.input_mean.shape != self.input_variance.shape:
                raise ValueError(f"mean and variance must have the same shape. Received: mean of shape "
                                 f"{self.input_mean.shape} and variance of shape {self.input_variance.shape}")
            if np.any(self.input_variance < 0):
                raise ValueError(f"variance must be >= 0. Received: variance={variance!r:.80}")
            if self.axis is None and self.input_mean.shape != ():
                raise ValueError(f"axis=None takes one mean and one variance (numbers). Received: mean of shape "
                                 f"{self.input_mean.shape}")
        self.invert = check_bool(invert, "invert")
        self.weight_names = () if mean is not None else ("mean", "variance", "count")

    @property
    def takes_vectors(self):
        # given statistics are settings, not weights (adapted ones are weights, whose fit needs rows), and
        # axis=None's one mean and variance apply to each element whatever the shape
        return self.input_mean is not None or self.axis is None

    @property
    def any_shape(self):
        return self.axis is None  # one mean and variance, which Keras's layer applies to inputs of any shape

    def _statistics_shape(self, input_shape):
        return () if self.axis is None else (int(input_shape[-1]),)

    def count_weights(self, input_shape):
        return 0 if self.input_mean is not None else 2 * int(np.prod(self._statistics_shape(input_shape))) + 1

    def build(self, input_shape):
        input_shape = sample_shape(input_shape)
        if self.axis not in (None, -1, len(input_shape)):
            raise ValueError(f"glassnet's Normalization keeps one mean and variance per feature of the last axis: "
                             f"for inputs of shape (None, {', '.join(map(str, input_shape))}) axis must be -1, "
                             f"{len(input_shape)} or None. Received: axis={self.axis}")
        shape = self._statistics_shape(input_shape)
        if self.input_mean is None:
            mean, variance = np.zeros(shape), np.ones(shape)
        else:
            # a number or a list of one value broadcasts over the features, as Keras's (its mean=[0.5] on 3)
            if self.input_mean.shape not in ((), (1,), shape):
                raise ValueError(f"mean and variance have shape {self.input_mean.shape}; for inputs of shape "
                                 f"(None, {', '.join(map(str, input_shape))}) they must be numbers or of shape {shape}.")
            mean = np.broadcast_to(self.input_mean, shape).copy()  # (broadcast_to gives a read-only view)
            variance = np.broadcast_to(self.input_variance, shape).copy()
        dtype = standardize_dtype(self.dtype)
        if self.input_mean is not None:  # (adapted ones are checked by adapt)
            _check_range(mean, variance, np.dtype(dtype), self.axis is None, given=True)
        self.state["mean"] = from_numpy(mean, dtype=dtype)
        self.state["variance"] = from_numpy(variance, dtype=dtype)
        if self.input_mean is None:
            # how many values each statistic was computed from: 0 until adapt() (Keras 3 keeps this
            # weight for older files and leaves it at 0)
            self.state["count"] = from_numpy(np.zeros(()), dtype=dtype)
        self._has_statistics = False  # (known once _statistics has seen them)
        super().build(input_shape)

    @property
    def mean(self):
        """The mean subtracted, as Keras holds it: shaped to broadcast against a batch,
        ``(1, n_features)`` (None before the layer is built)."""
        return self._broadcast("mean")

    @property
    def variance(self):
        """The variance, shaped as :attr:`mean`."""
        return self._broadcast("variance")

    def _broadcast(self, key):
        if not self.built:
            return None
        value = numpy_copy(self.state[key])  # () or (n_features,), before the batch and other axes
        return value.reshape((1,) * (1 + len(self.input_shape) - value.ndim) + value.shape)

    def adapt(self, data):
        """Compute the mean and population variance of each feature of ``data`` and keep
        them as the layer's weights, as Keras's ``adapt``. Builds the layer for ``data``'s
        samples; a built layer must receive samples of its shape.

        ``data``: an array ``(n_samples, n_features)`` (``(n_samples,)`` for one feature,
        or samples of any shape whose last axis holds the features), read a block of rows
        at a time, so a memory-mapped ``.npy`` file larger than memory
        (``np.load(path, mmap_mode="r")``) adapts in little memory; or an iterator of
        batches (a generator, a ``tf.data`` dataset: Keras's batched dataset), each an array of
        samples or a tuple ``(x, y, ...)`` whose ``x`` is taken, as Keras does; or, as Keras, a list
        or tuple of such batches (arrays of at least 2 axes, of any lengths, or ``(x, y)`` tuples). A
        list of numbers, of lists or of 1-D arrays is one array of rows (Keras refuses the first two,
        and takes each 1-D array as one sample). The statistics are computed in float64 (batches merged
        exactly, Chan et al.'s update) whatever the data's dtype.

        A masked array (``np.ma.MaskedArray``) gives each feature's statistics of its unmasked values, as
        Keras's ``np.mean`` and ``np.var`` of it do (a feature whose every value is masked is refused); its
        batches, whose mask Keras reads differently from backend to backend, are refused."""
        if self.input_mean is not None:
            raise ValueError("This Normalization was given its mean and variance; adapt() would replace them. "
                             "Create it without mean= and variance= to compute them from data.")
        if _is_stream(data):
            from ..models import streams

            # a DataLoader collates (x, y) samples into lists [x, y]; fit reads a list from it, or from a
            # PyDataset, as a tuple: so does adapt (its x alone became a batch of one sample of shape x.shape)
            lists_are_tuples = streams.is_indexed(data) or any(
                cls.__name__ == "DataLoader" for cls in type(data).__mro__)
            shape, moments = self._batch_moments(iter(data), lists_are_tuples)
        elif _is_batch_list(data):  # Keras's "list of arrays": its batches, not one array of a further axis
            shape, moments = self._batch_moments(iter(data))
        elif isinstance(data, np.ma.MaskedArray):
            shape, moments = self._masked_moments(data)
        else:
            X = self._samples(data, "data")
            shape, moments = X.shape[1:], self._moments(X)
        count, mean, variance = moments
        if self.axis is None:
            mean, variance = mean[0], variance[0]
        # the weights' dtype: given or the model's, else the policy of the layer's making (not adapt's)
        dtype = np.dtype(self.variable_dtype)
        _check_range(mean, variance, dtype, self.axis is None)
        if not self.built:
            if self._own_dtype is None:
                self._dtype_from_adapt = True  # so that a model of another dtype can say where it came from
            self.dtype = dtype.name
            self.build(shape)
        # the count is a weight of the layer's dtype (Keras's is an int it never sets): float16 holds at
        # most 65,504, and more rows stored inf, so it saturates there (it only says the layer was adapted)
        count = min(count, float(np.finfo(dtype).max))
        for key, value in (("mean", mean), ("variance", variance), ("count", count)):
            self.state[key][...] = from_numpy(np.asarray(value), dtype=dtype)

    def _samples(self, data, what):
        """``data`` as an array of samples ``(n, ...)``, with samples of the layer's shape once it
        is built. ``what``: "data", or "batch i" of an iterator."""
        X = check_array(data, name=f"adapt's {what}", ndim=1, allow_nd=True, allow_empty=True)
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if self.input_shape is not None and tuple(X.shape[1:]) != tuple(self.input_shape):
            raise ValueError(f"{self._label()} takes samples of shape {tuple(self.input_shape)}, but adapt() "
                             f"received {what} of shape {X.shape}: samples of shape {X.shape[1:]}.")
        if X.size == 0 and X.shape[0]:
            raise ValueError(f"adapt's {what} has no features (shape {X.shape}); at least one feature is required.")
        if X.size == 0 and what == "data":
            raise ValueError(f"adapt's data is empty (shape {X.shape}); at least one sample is required.")
        return X

    def _moments(self, X):
        """``(count, mean, variance)`` of each feature of the samples ``X`` (float64, ddof 0): of the
        last axis's columns, or (axis=None) of all the values as one column. Huge and tiny values
        are scaled by a power of two first, so that their squares neither overflow nor vanish."""
        rows = X.reshape(-1, 1 if self.axis is None else X.shape[-1], order="A")  # a view of a Fortran-ordered file too
        unit = _column_unit(rows.max(axis=0), rows.min(axis=0))
        mean, variance = _column_moments(rows, unit)
        if (unit == 1).all():
            return rows.shape[0], mean, variance
        with np.errstate(over="ignore"):  # beyond float64: refused by adapt
            return rows.shape[0], mean * unit, (np.sqrt(variance) * unit) ** 2

    def _masked_moments(self, data):
        """The sample shape and ``(count, mean, variance)`` of each feature's unmasked values of the masked
        array ``data`` (float64, ddof 0; ``count``: the fewest of any feature), as Keras's adapt computes
        them (its ``np.mean``/``np.var`` of a masked array are NumPy's masked ones). A masked value may be
        anything, NaN too; the unmasked ones are checked as an array's."""
        mask = np.ma.getmaskarray(data)
        X = self._samples(np.ma.filled(data, 0), "data")
        if not mask.any():
            return X.shape[1:], self._moments(X)
        columns = 1 if self.axis is None else X.shape[-1]
        rows = X.reshape(-1, columns).astype(np.float64)
        rows[mask.reshape(rows.shape)] = np.nan
        empty = np.flatnonzero(mask.reshape(rows.shape).all(axis=0))
        if empty.size:
            where = "every value" if self.axis is None else f"every value of feature {empty[0]}"
            raise ValueError(f"adapt's data is a masked array with {where} masked: there is no value to compute "
                             "its mean and variance from (Keras's adapt stored 0 and 0). Unmask some of them, or "
                             "leave the feature out.")
        unit = _column_unit(np.nanmax(rows, axis=0), np.nanmin(rows, axis=0))
        mean, variance, count = _nan_column_moments(rows, unit)
        with np.errstate(over="ignore"):  # beyond float64: refused by adapt
            return X.shape[1:], (int(count.min()), mean * unit, (np.sqrt(variance) * unit) ** 2)

    def _batch_moments(self, batches, lists_are_tuples=False):
        """The sample shape and ``(count, mean, variance)`` of the samples of all ``batches``
        (``lists_are_tuples``: a list is ``[x, y, ...]``, not a list of samples)."""
        shape = moments = None
        for i, batch in enumerate(batches):
            # (x, y) or (x, y, sample_weight): the x, as Keras's adapt takes it
            if isinstance(batch, tuple) or (lists_are_tuples and isinstance(batch, list)):
                if not batch:
                    raise ValueError(f"adapt's data yielded an empty tuple as batch {i}; it must yield arrays of "
                                     "samples or (x, y) pairs.")
                batch = batch[0]
            if isinstance(batch, np.ma.MaskedArray):  # (Keras's JAX backend refuses it; NumPy's drops the mask)
                raise TypeError(f"adapt's batch {i} is a masked array (np.ma.MaskedArray): adapt reads the mask of "
                                "one masked array, adapt(data) (each feature's unmasked values, as Keras's), not of "
                                "batches. Pass the masked array whole, or batches without masked values "
                                "(data.filled(value), or the rows without any).")
            X = self._samples(batch, f"batch {i}")
            if i == 0 and np.ndim(batch) == 1 and X.shape[0] > 1:  # (iter(X) gives X's rows)
                from ..models.divergence import user_stacklevel  # (the models import this module)
                warnings.warn(
                    f"adapt's batch 0 is 1-D (shape {np.shape(batch)}): each batch is taken as {X.shape[0]} samples "
                    f"of one feature. If it is one sample of {X.shape[0]} features (a row), give batches of rows, "
                    "2-D: adapt(x) or adapt(iter(np.array_split(x, k))), not adapt(iter(x)).",
                    UserWarning, stacklevel=user_stacklevel())
            if shape is None:
                shape = X.shape[1:]
            elif X.shape[1:] != shape:
                raise ValueError(f"adapt's batch {i} has samples of shape {X.shape[1:]}, but the batches before "
                                 f"it had samples of shape {shape}.")
            if X.shape[0]:
                here = self._moments(X)
                moments = here if moments is None else _merge_moments(moments, here)
        if moments is None:
            raise ValueError("adapt's data yielded no samples; it must yield at least one batch with samples.")
        return shape, moments

    def _statistics(self):
        """The mean and ``max(sqrt(variance), ε)``; refused while neither was set."""
        if self.input_mean is None and not self._has_statistics:
            # checked until they are there: each forward pass read the count from the device (torch, a GPU)
            if not float(self.state["count"]) and self._untouched():
                raise ValueError(f"{self._label()} has no mean and variance yet: call its adapt(data) with the "
                                 "training data first (as the Keras regression tutorial does), or give it mean= and variance=.")
            self._has_statistics = True
        xp = get_namespace()
        variance = self.state["variance"]
        return self.state["mean"], xp.maximum(xp.sqrt(variance), xp.full_like(variance, EPSILON))

    def _untouched(self):
        """The statistics ``build`` set (mean 0, variance 1): neither adapted nor set_weights'ed."""
        xp = get_namespace()
        return not bool(xp.any(self.state["mean"] != 0)) and bool(xp.all(self.state["variance"] == 1))

    def forward(self, X, training=False):
        mean, std = self._statistics()
        with np.errstate(over="ignore"):  # float16 past 65504 (a tiny σ): inf, as Keras's, without NumPy's notice
            return X * std + mean if self.invert else (X - mean) / std

    def backward(self, dY):
        _, std = self._statistics()
        with np.errstate(over="ignore"):
            return dY * std if self.invert else dY / std

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, invert=self.invert,
                      mean=None if self.input_mean is None else self.input_mean.tolist(),
                      variance=None if self.input_variance is None else self.input_variance.tolist())
        return config


def _is_batch_list(data):
    """Whether ``data`` is a list or tuple of batches, as Keras's adapt reads it: each element an array of
    samples (at least 2 axes) or an ``(x, y, ...)`` tuple whose ``x`` is an array. Stacked into one array
    they gave samples of one more axis (two ``(5, 3)`` batches: samples of shape ``(5, 3)``), or failed for
    batches of different lengths."""
    def batch(element):
        if isinstance(element, tuple):
            return bool(element) and hasattr(element[0], "shape")
        return len(getattr(element, "shape", ())) >= 2

    return isinstance(data, (list, tuple)) and bool(data) and all(batch(element) for element in data)


def _statistic(value, name):
    """A given mean or variance as a float64 array of finite numbers (a number or one per feature)."""
    expected = f"{name} must be a number or a 1-D list of numbers, one per feature."
    try:
        ndim = np.ndim(value)
    except ValueError:  # a ragged list: NumPy's "setting an array element with a sequence" named no argument
        raise ValueError(f"{expected} Received {name}={value!r:.80}") from None
    scalar = ndim == 0
    if ndim > 1:  # (check_array's message spoke of samples: "a 1-D array of shape (n_samples,)")
        raise ValueError(f"{expected} Received {name} of shape {np.shape(value)}")
    array = check_array([value] if scalar else value, name=name, ndim=1, dtype=np.float64)
    return array.reshape(()) if scalar else array


def _check_range(mean, variance, dtype, single, given=False):
    """Refuse statistics beyond ``dtype``'s range: stored as inf, they would turn every output into 0 or NaN.
    ``given``: they are the layer's ``mean=`` and ``variance=``, else adapt's."""
    limit = np.finfo(dtype).max
    too_large = np.atleast_1d(~(np.abs(mean) <= limit) | ~(variance <= limit))
    if not too_large.any():
        return
    j = int(np.flatnonzero(too_large)[0])
    m, v = (float(np.atleast_1d(value)[j]) for value in (mean, variance))
    where = "" if single else f" of feature {j}"
    v = f"{v:.3g}" if np.isfinite(v) else "beyond float64's range"
    what, fix = (("mean= and variance= are", "give them within that range") if given else
                 ("adapt's data is", "rescale the data first (divide it by a power of ten)"))
    raise ValueError(f"{what} too large for the layer's {dtype} (largest {limit:.3g}): the mean{where} is "
                     f"{m:.3g} and the variance {v}; stored as inf, they would turn every output into 0 or NaN. "
                     f"{fix[0].upper()}{fix[1:]}" + (", or use dtype='float64'." if dtype != np.float64 else "."))
