"""Keras's ``Discretization``: numbers to the index of their bin, or to one-hot, multi-hot or count
vectors of the bins, with boundaries given or learned from data by ``adapt`` (Keras's quantile
summary, reproduced step for step, so that the boundaries are Keras's to the bit)."""

import warnings

import numpy as np

from .._custom_objects import from_config_takes_custom_objects
from .._validation import _is_stream, check_array, check_choice, check_number, check_positive_int
from ..backend import astype, from_numpy, get_namespace, numpy_dtype
from .category_encoding import ENCODINGS, DataLayer, check_sparse, encode, encoded_shape


class Discretization(DataLayer):
    """Bucket numbers by ``bin_boundaries`` ``b_0 ≤ b_1 ≤ … ≤ b_{m−1}``, as Keras's ``Discretization``:
    the bin of ``x`` is ``i = #{j : b_j ≤ x}`` (``np.digitize``: a value on a boundary goes to the bin
    above it; NaN to the last bin, ``m``, as Keras), then

    * ``"int"`` (Keras's default): the bin itself, elementwise, ``(n, ...) -> (n, ...)``; as a float of
      the layer's dtype (Keras's is int32: glassnet's arrays are the model's float);
    * ``"one_hot"``, ``"multi_hot"``, ``"count"``: the bins encoded over ``m + 1`` tokens as
      :class:`CategoryEncoding` encodes ids (``(n, k) -> (n, k, m + 1)``, or ``(n, m + 1)``).

    ``adapt(data)`` learns ``num_bins − 1`` boundaries from the quantiles of all of ``data``'s values
    (every feature together, as Keras), with Keras's approximate summary of precision ``epsilon``:
    the boundaries equal Keras's (float32 arithmetic, the same steps); against the exact quantiles of
    the values they lie within about ``epsilon`` in rank. They are kept as ``bin_boundaries`` in the
    layer's config (as Keras keeps them, not as weights), so the model's files hold them.

    No weights, and no gradient: the output is piecewise constant in the input, so the layer comes
    before the first layer with weights.

    Parameters
    ----------
    bin_boundaries : list of numbers, optional
        Sorted (non-decreasing); or None with ``num_bins`` and :meth:`adapt`.
    num_bins : int, optional
        How many bins :meth:`adapt` makes.
    epsilon : float
        The summary's precision, in ``(0, 1]``.
    output_mode : {"int", "one_hot", "multi_hot", "count"}
    sparse : bool
        False only: glassnet's arrays are dense.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        self.output_mode = check_choice(output_mode, "output_mode", ("int", *ENCODINGS))
        self.sparse = check_sparse(sparse, "Discretization")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. Received: "
                             f"`num_bins={num_bins!r:.80}` and `bin_boundaries={bin_boundaries!r:.80}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.num_bins = check_positive_int(num_bins, "num_bins", allow_none=True)
        epsilon = check_number(epsilon, "epsilon")  # a wrong type: TypeError, as every layer's epsilon
        if not 0 < epsilon <= 1:
            raise ValueError(f"epsilon must be a number in (0, 1] (the quantile summary's precision). "
                             f"Received: epsilon={epsilon!r:.80}")
        self.epsilon = epsilon
        self.bin_boundaries = None if bin_boundaries is None else _boundaries(bin_boundaries)

    @classmethod
    @from_config_takes_custom_objects
    def from_config(cls, config):
        """As Keras's: an adapted layer's config holds both ``num_bins`` and the learned boundaries."""
        if isinstance(config, dict) and config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            config = dict(config)
            boundaries = config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = _boundaries(boundaries)
            return layer
        return super().from_config(config)

    def _depth(self):
        return self.num_bins if self.bin_boundaries is None else len(self.bin_boundaries) + 1

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return encoded_shape(input_shape, self.output_mode, self._depth(), "Discretization")

    def adapt(self, data, steps=None):
        """Learn ``num_bins − 1`` boundaries from the values of ``data``, as Keras's ``adapt``: each batch
        summarized (its sorted float32 values every ``n·epsilon``-th, with that weight), merged with the
        summary so far, which is compressed to ``1/epsilon`` points; the boundaries are the summary
        compressed to ``num_bins`` points, without the last.

        ``data``: an array, one batch; an iterator of batches, each an array or an ``(x, y, ...)`` tuple
        whose ``x`` is taken; or, as Keras, a list or tuple, whose elements are the batches, each taken
        whole: ``[1.0, 2.0, 3.0]`` is three batches of one value, ``[x1, x2]`` two arrays (of any sizes).
        Merging many small batches makes the summary coarser than one array's (a warning says so for a
        list of more than ``1/epsilon`` elements): for the quantiles of all the values, pass
        ``np.asarray(data)``. ``steps``: read that many batches at most
        (of an iterator, a list or a tuple). A masked array is refused: Keras's reads the values under
        its mask too (``np.array`` drops it)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized with `bin_boundaries`, "
                             "use `num_bins` instead.")
        check_positive_int(steps, "steps", allow_none=True)
        # Keras iterates anything that is not an array or a tensor: a list's elements are its batches
        listed = isinstance(data, (list, tuple))
        if _is_stream(data) or listed:
            batches = iter(data)
        else:
            if steps is not None:
                raise ValueError("`steps` counts the batches of an iterator, a list or a tuple; adapt() received an "
                                 f"array. Received: steps={steps}")
            batches = iter([data])
        summary = np.array([[], []], dtype="float32")
        seen = read = 0  # read: batches
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, tuple) and not listed:  # (a list's tuple is values, as Keras converts it)
                if not batch:
                    raise ValueError(f"adapt's data yielded an empty tuple as batch {i}; it must yield arrays.")
                batch = batch[0]
            if listed:
                name = f"adapt's data[{i}] (a list's or tuple's elements are its batches, as Keras reads them)"
            else:
                name = "adapt's data" if i == 0 and not _is_stream(data) else f"adapt's batch {i}"
            if isinstance(batch, np.ma.MaskedArray):
                raise TypeError(f"{name} is a masked array (np.ma.MaskedArray), whose mask Discretization's adapt "
                                "does not read: Keras's takes every value, the masked ones too. Pass data.compressed() "
                                "for the boundaries of the unmasked values, or np.ma.getdata(data) for Keras's (of "
                                "every value).")
            values = check_array(batch, name=name, ndim=None, allow_empty=True).astype("float32")
            read += 1
            if not np.isfinite(values).all():
                raise ValueError(f"{name} holds values beyond float32's range, which Keras adapts in.")
            if values.size:
                summary = _merge_summaries(_summarize(values, self.epsilon), summary, self.epsilon)
                seen += values.size
        if not seen:
            raise ValueError("adapt's data has no values; at least one is required.")
        if listed and read * self.epsilon > 1:
            # past 1/ε points every merge compresses the summary again, and the boundaries drift (Keras's too;
            # ε = 0.01): 1.2ε in rank for 200 rows of 3 values, 4ε for 1,000, 10ε for 3,000 (1ε for one array);
            # 100,000 numbers of N(0, 1) gave boundaries [1.06, 1.70, 2.36], every one above the median
            from ..models.divergence import user_stacklevel  # (the models import this module)
            warnings.warn(f"adapt() read the {read} elements of a list or tuple as {read} batches, as Keras reads "
                          f"them: past 1/epsilon = {1 / self.epsilon:g} values each merge compresses the summary "
                          "again, and the boundaries drift from the quantiles (several epsilon in rank over hundreds "
                          "of batches, further over more), as Keras's do. For the quantiles of all the values, pass "
                          "one array: adapt(np.asarray(data)).", UserWarning, stacklevel=user_stacklevel())
        boundaries = _compress_summary(summary, 1.0 / self.num_bins)[0, :-1].tolist()
        if self.built and self.output_mode != "int" and len(boundaries) + 1 != self._depth():
            raise ValueError(f"{self._label()} was built with {self._depth()} bins, but adapt() found "
                             f"{len(boundaries) + 1} (fewer distinct summary points than num_bins): adapt it before "
                             "building its model.")
        self.bin_boundaries = boundaries

    @property
    def takes_vectors(self):
        return self.output_mode == "int"  # bin ids elementwise (an encoding takes each value as a sample)

    def forward(self, X, training=False):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at construction time or call "
                             "`adapt(dataset)` before you can start using the `Discretization` layer.")
        xp = get_namespace()
        dtype = numpy_dtype(X).name
        # np.digitize(x, b) for sorted b: how many boundaries are <= x (NaN sorts after all of them)
        flat = xp.reshape(X, (-1,))
        bins = xp.searchsorted(from_numpy(np.asarray(self.bin_boundaries, dtype=dtype)), flat, side="right")
        ids = xp.reshape(astype(bins, dtype), X.shape)
        if self.output_mode == "int":
            return ids
        return encode(ids, self.output_mode, self._depth(), dtype)

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=None if self.bin_boundaries is None else list(self.bin_boundaries),
                      num_bins=self.num_bins, epsilon=self.epsilon, output_mode=self.output_mode,
                      sparse=self.sparse)
        return config


def _boundaries(value):
    """``bin_boundaries`` as a list of floats, checked: finite numbers in non-decreasing order."""
    values = check_array(value, name="bin_boundaries", ndim=None, dtype=np.float64, allow_empty=True)
    if values.ndim != 1:  # (check_array's message would ask for "(n_samples,)": boundaries are no samples)
        scalar = values.ndim == 0
        raise ValueError("bin_boundaries must be a 1-D list or array of numbers in non-decreasing order"
                         + (f" (one boundary: [{values.item()!r}])" if scalar else "") + ". Received: "
                         + (f"bin_boundaries={value!r:.100}" if scalar else f"an array of shape {values.shape}"))
    if np.any(np.diff(values) < 0):
        raise ValueError(f"bin_boundaries must be sorted in non-decreasing order. Received: "
                         f"bin_boundaries={value!r:.100}")
    return values.tolist()


# Keras 3.15's discretization.summarize, merge_summaries and compress_summary, step for step
# (their float32 arithmetic included), so that adapt learns Keras's boundaries to the bit.
def _summarize(values, epsilon):
    """The sorted values every ``max(n·epsilon, 1)``-th, each weighted by that step: ``(2, m)``."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return _compress_summary(merged, epsilon)


def _compress_summary(summary, epsilon):
    """The summary's values and weights at the cumulative-weight fractions ε, 2ε, …, 1
    (interpolated), unless it has fewer than 1/ε points."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
