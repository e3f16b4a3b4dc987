"""Batch normalization (Ioffe & Szegedy), with Keras's defaults, and the scale and
shift that it shares with layer normalization."""

import contextlib
import numbers

import numpy as np

from .. import constraints, initializers, regularizers
from .._validation import check_bool, check_number
from ..activations.base import _half_gradient
from ..backend import astype, get_namespace, is_half, numpy_dtype, standardize_dtype
from .base import Layer, initializer_entries, sample_shape, training_entries, weight_attribute
from .dense import RegularizedWeights


def feature_axis(axis, allow_none=False):
    """Keras's ``axis`` argument (an integer, or a list of one, which Keras also takes)
    as an integer; its value is checked by each layer. With ``allow_none``, an empty list
    is None: Keras's Normalization keeps ``axis=None`` as ``()``, and its config holds ``[]``."""
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        axis = axis[0]
    if allow_none and isinstance(axis, (list, tuple)) and len(axis) == 0:
        axis = None
    if axis is None and allow_none:
        return None
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        also = " or None (one mean and variance for all)" if allow_none else ""
        raise TypeError(f"axis must be an integer, -1 (the features){also}. Received: axis={axis!r:.80}")
    return int(axis)


def last_axis(axis, layer, role):
    """``axis`` (Keras's argument) of a layer that works on each sample's last axis only: -1 or a
    positive index, else a ValueError saying ``glassnet's <layer> <role>``."""
    if isinstance(axis, (list, tuple)) and len(axis) > 1 and role.startswith("normalizes"):  # LayerNormalization(axis=[1, 2, 3])
        raise ValueError(f"glassnet's {layer} {role}, not over several axes: to normalize over all of a sample's "
                         f"axes, put a Flatten layer before it (the same statistics). Received: axis={axis!r:.80}")
    axis = feature_axis(axis)
    if axis == 0 or axis < -1:
        raise ValueError(f"glassnet's {layer} {role}: axis must be -1 (Keras's default) or the last axis's index. "
                         f"Received: axis={axis}")
    return axis


def check_last_axis(axis, input_shape, layer, role):
    """A sample's ``input_shape`` when ``axis`` (from :func:`last_axis`) names its last axis, else the
    ValueError."""
    input_shape = sample_shape(input_shape)
    if axis not in (-1, len(input_shape)):
        raise ValueError(f"glassnet's {layer} {role}: for inputs of shape (None, {', '.join(map(str, input_shape))}) "
                         f"axis must be -1 or {len(input_shape)}. Received: axis={axis}")
    return input_shape


def check_epsilon(epsilon, added_to):
    """``epsilon`` (``ε``, added to ``added_to`` under a square root) as a float >= 0. ``ε = 0`` is
    accepted, as Keras accepts it: a zero variance then gives ``0/0``, NaN, as Keras's. A negative
    ``ε``, which Keras also takes, is refused: the square root is NaN wherever ``added_to`` is below
    ``−ε``, which depends on the batch."""
    epsilon = check_number(epsilon, "epsilon")
    if epsilon < 0:
        raise ValueError(f"epsilon must be >= 0: it is added to {added_to} under a square root, which a negative "
                         f"epsilon makes NaN wherever {added_to} is below -epsilon. Received: epsilon={epsilon!r}")
    return epsilon


def zero_epsilon_errstate(epsilon):
    """Around ``1/sqrt(σ² + ε)`` and its use: with ``ε = 0`` a zero variance gives ``1/0 = inf`` and then
    ``0 · inf = NaN``, which Keras returns without a word, so NumPy's notices are off; with ``ε > 0``
    (the usual case) nothing changes."""
    return np.errstate(divide="ignore", invalid="ignore") if epsilon == 0 else contextlib.nullcontext()


def moments(X, axis, keepdims=False):
    """The mean and (population) variance of ``X`` along ``axis``; of a float16 ``X`` both in float32
    (the variance passes float16's 65504 for a standard deviation above 256; the layers normalize a
    float16 batch in float32)."""
    if is_half(X):  # float16 sums of squares overflow at 65504
        if isinstance(X, np.ndarray):
            return (np.mean(X, axis=axis, dtype=np.float32, keepdims=keepdims),
                    np.var(X, axis=axis, dtype=np.float32, keepdims=keepdims))
        X = astype(X, "float32")  # (the Array API's mean and var take no dtype)
    xp = get_namespace()
    return xp.mean(X, axis=axis, keepdims=keepdims), xp.var(X, axis=axis, keepdims=keepdims)


def sum_dtype(X):
    """The dtype a layer's backward sums ``X`` over the batch in: float32 for a float16 ``X``, rounded once
    into the float16 gradient, else None (``X``'s own). NumPy sums a 2-D float16 array's rows in float16,
    so a sum stops growing once it passes 2048 times its terms (4096 ones sum to 2048); Keras's JAX sum
    accumulates in float32."""
    return "float32" if _half_gradient(X) else None


def overflow_scale(X, axis, overflowed, keepdims=False):
    """Per group of ``X`` along ``axis``: ``s``, a power of two near the largest ``|x|``, where
    ``overflowed`` (the group's sum of squares is inf), else 1 (and where that largest is inf or NaN).
    ``X / s`` is exact and lies in ``(−2, 2)``: its squares cannot overflow."""
    xp = get_namespace()
    largest = xp.max(xp.abs(X), axis=axis, keepdims=keepdims)
    rescale = overflowed & xp.isfinite(largest)
    ones = xp.ones_like(largest)
    return xp.where(rescale, 2.0 ** xp.floor(xp.log2(xp.where(rescale, largest, ones))), ones)


def scaled_moments(X, axis, keepdims=False):
    """``(mean, var, s)``: :func:`moments` of ``X / s``, with ``s`` None (as 1) unless a variance is
    not finite: an ``|x|`` past the square root of the dtype's largest (about 1e19 in float32, 1e154
    in float64) makes the squares inf, and ``x / sqrt(inf)`` every output β. There ``s`` holds a
    power of two per group (:func:`overflow_scale`): normalization does not depend on the scale, so
    ``(x/s − μ)/sqrt(σ² + ε/s²)``, with the moments of ``X / s``, is the exact ``x̂``. The common case
    costs one check of the reduced variance."""
    with np.errstate(over="ignore", invalid="ignore"):  # (an overflow is redone below; inf inputs give NaN)
        mean, var = moments(X, axis, keepdims)
    xp = get_namespace()
    if bool(xp.all(xp.isfinite(var))):
        return mean, var, None
    scale = overflow_scale(X, axis, ~xp.isfinite(var), keepdims)
    with np.errstate(over="ignore", invalid="ignore"):  # inf or NaN inputs: NaN statistics
        mean, var = moments(X / scale, axis, keepdims)
    return mean, var, scale


def unscaled(mean, var, scale):
    """The mean and variance of ``X`` from those of ``X / scale`` (:func:`scaled_moments`): a variance
    past the dtype's largest is inf (batch normalization's moving variance)."""
    if scale is None:
        return mean, var
    with np.errstate(over="ignore"):
        return mean * scale, var * scale * scale


def standardize(X, mean, var, epsilon, scale=None):
    """``(x̂, 1/sqrt(σ² + ε))`` with ``x̂ = (x − μ)/sqrt(σ² + ε)``; with a ``scale`` ``s`` (the moments
    are those of ``X / s``: :func:`scaled_moments`) ``x̂ = (x/s − μ)/sqrt(σ² + ε/s²)``, the same, and
    ``1/sqrt(σ² + ε)`` divided by ``s``, that of ``X`` (for backward)."""
    xp = get_namespace()
    with zero_epsilon_errstate(epsilon):
        if scale is None:
            inv_std = 1.0 / xp.sqrt(var + epsilon)
            return (X - mean) * inv_std, inv_std
        inv_std = 1.0 / xp.sqrt(var + epsilon / scale / scale)
        return (X / scale - mean) * inv_std, inv_std / scale


class ScaledNormalization(RegularizedWeights, Layer):
    """What batch and layer normalization share: ``x̂ = (x − μ)/sqrt(σ² + ε)``,
    ``y = γ ⊙ x̂ + β`` with one ``γ`` and ``β`` per feature, and the backward pass
    through them, the statistics being taken along ``stats_axis``.

    Backward, with ``g = dY ⊙ γ`` and means along the axis of the statistics:
    ``dX = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / sqrt(σ² + ε)`` (``g / sqrt(σ² + ε)`` for
    fixed statistics), ``∂J/∂γ = Σ dY ⊙ x̂``, ``∂J/∂β = Σ dY`` (summed over the samples).
    ``center=False`` leaves out β, ``scale=False`` leaves out γ. ``beta_constraint`` and
    ``gamma_constraint`` (Keras's) project β and γ after each update (:mod:`glassnet.constraints`);
    ``beta_regularizer`` and ``gamma_regularizer`` (Keras's) add their penalty to the loss and its
    gradient to ``∂J/∂β``, ``∂J/∂γ``, as Dense's regularizers do (:mod:`glassnet.regularizers`).
    """

    center = scale = True  # what layers pickled before the options existed hold
    #: the full-rank shape ``(1, …)`` that γ and β (and their gradients) take to broadcast against the inputs, or
    #: None where they are one per feature of the last axis (LayerNormalization over several axes sets it)
    _broadcast_shape = None
    beta_constraint = gamma_constraint = beta_regularizer = gamma_regularizer = None
    gamma, beta = weight_attribute("gamma"), weight_attribute("beta")  # (Keras's ln.gamma, bn.beta)

    def _set_constraints(self, beta_constraint, gamma_constraint, beta_regularizer=None, gamma_regularizer=None):
        self.beta_constraint = constraints.get(beta_constraint, "beta_constraint")
        self.gamma_constraint = constraints.get(gamma_constraint, "gamma_constraint")
        self.beta_regularizer = regularizers.get(beta_regularizer, "beta_regularizer")
        self.gamma_regularizer = regularizers.get(gamma_regularizer, "gamma_regularizer")

    def _regularized(self):
        """``(regularizer, key of params)`` of γ and β where they exist and have a regularizer."""
        found = ((self.gamma_regularizer, "gamma"), (self.beta_regularizer, "beta"))
        return [(regularizer, key) for regularizer, key in found if regularizer is not None and key in self.params]

    @property
    def adds_penalty(self):
        return self.gamma_regularizer is not None or self.beta_regularizer is not None

    def parameter_constraints(self):
        found = {"gamma": self.gamma_constraint if self.scale else None,
                 "beta": self.beta_constraint if self.center else None}
        return {key: constraint for key, constraint in found.items() if constraint is not None}

    def _constraint_config(self):
        return {**training_entries(self, ("beta_regularizer", "gamma_regularizer"), regularizers),
                **training_entries(self, ("beta_constraint", "gamma_constraint"), constraints)}

    def _check_options(self, epsilon, center, scale):
        self.epsilon = check_epsilon(epsilon, "the variance")
        self.center, self.scale = check_bool(center, "center"), check_bool(scale, "scale")

    def _build_gamma_beta(self, shape, gamma_initializer, beta_initializer):
        xp = get_namespace()
        if self.scale:
            self.params["gamma"] = initializers.initial_weights(gamma_initializer, shape, self.dtype, "gamma_initializer")
        if self.center:
            self.params["beta"] = initializers.initial_weights(beta_initializer, shape, self.dtype, "beta_initializer")
        for key, value in self.params.items():
            # zeros, not zeros_like: NumPy's zeros leaves untouched pages to the OS (no memory
            # until used), and a model replaces these with views of its flat gradient vector
            self.grads[key] = xp.zeros(value.shape, dtype=value.dtype)

    def _scale_shift(self, X, mean, var, scale=None):
        """``γ ⊙ (X − μ)/sqrt(σ² + ε) + β``, keeping ``x̂`` and ``1/sqrt(σ² + ε)`` for backward;
        with a ``scale``, the moments are those of ``X / scale`` (:func:`scaled_moments`).

        A float16 batch is normalized in float32, as Keras computes it, and ``y`` rounded to float16:
        ``x − μ`` passes float16's 65504 (65504 − (−21835)) and ``x̂ = (x − μ)/σ`` does for a small σ
        (``x̂`` and ``1/σ`` stay float32 for backward)."""
        xp = get_namespace()
        half = is_half(X)
        if half:
            X, mean, var = astype(X, "float32"), astype(mean, "float32"), astype(var, "float32")
            scale = None if scale is None else astype(scale, "float32")
        # locals first: another thread's predict may release self.X_hat meanwhile (release_caches)
        X_hat, inv_std = standardize(X, mean, var, self.epsilon, scale)
        self.inv_std, self.X_hat = inv_std, X_hat
        Y = X_hat * self._broadcast("gamma") if self.scale else xp.asarray(X_hat, copy=True)
        if self.center:
            Y += self._broadcast("beta")
        return astype(Y, "float16") if half else Y

    def _broadcast(self, key, weights=None):
        """``params[key]`` (or ``weights[key]``: the gradients) shaped to broadcast against the inputs: a view."""
        value = (self.params if weights is None else weights)[key]
        return value if self._broadcast_shape is None else get_namespace().reshape(value, self._broadcast_shape)

    def _gamma_beta_backward(self, dY):
        """Fill ``∂J/∂γ = Σ dY ⊙ x̂``, ``∂J/∂β = Σ dY`` (summed over every axis but the
        features', with the regularizers' gradients) and return ``g = dY ⊙ γ``, or None
        when no input gradient is needed."""
        xp = get_namespace()
        full_rank = self._broadcast_shape is not None
        # every axis but the features' (where γ has 1 in its full-rank shape)
        samples = (tuple(i for i, n in enumerate(self._broadcast_shape) if n == 1) if full_rank
                   else tuple(range(dY.ndim - 1)))
        if self.scale:
            xp.sum(dY * self.X_hat, axis=samples, out=self._broadcast("gamma", self.grads), keepdims=full_rank)
        if self.center:  # (float16: summed in float32, sum_dtype; γ's dY ⊙ x̂ is float32 already)
            xp.sum(dY, axis=samples, dtype=sum_dtype(dY), out=self._broadcast("beta", self.grads), keepdims=full_rank)
        if self._trains_in_model():  # a frozen layer's penalty is not in the loss (as Keras), nor in its gradient
            for regularizer, key in self._regularized():
                value = self.params[key]
                self.add_penalty_gradient(regularizer, value, self.grads[key])
        if not self.needs_input_gradient:
            return None
        return dY * self._broadcast("gamma") if self.scale else dY

    def _scale_shift_backward(self, dY, stats_axis):
        """Fill ``∂J/∂γ``, ``∂J/∂β`` and return ``dX``; ``stats_axis``: the axis the
        statistics were taken along, None for fixed ones (batch norm at inference).
        float16 sums past 65504 are inf, as Keras's, without NumPy's overflow notice."""
        xp = get_namespace()
        with np.errstate(over="ignore", invalid="ignore"):
            g = self._gamma_beta_backward(dY)
            if g is None:
                return None
            if stats_axis is None:
                dX = g * self.inv_std
            else:
                mean_g = xp.mean(g, axis=stats_axis, keepdims=True)
                mean_g_x_hat = xp.mean(g * self.X_hat, axis=stats_axis, keepdims=True)
                dX = (g - mean_g - self.X_hat * mean_g_x_hat) * self.inv_std
        if numpy_dtype(dX) != numpy_dtype(dY):  # float16: against float32 x̂ (see _scale_shift)
            dX = astype(dX, dY.dtype)
        return dX


#: BatchNormalization's initializers and the classes of Keras's defaults
_INITIALIZERS = {"beta_initializer": initializers.Zeros, "gamma_initializer": initializers.Ones,
                 "moving_mean_initializer": initializers.Zeros, "moving_variance_initializer": initializers.Ones}


def _drawing_no_generator(initializer):
    """NumPy's zeros or ones for an exact ``Zeros`` or ``Ones`` initializer, else ``initializer``.

    Calling an initializer draws a generator from the global one (even Zeros), and β and the
    moving statistics never drew: the seeded weights of the layers built after this one stay
    what they were. (γ's default Ones has always been called, and still is.)"""
    if type(initializer) is initializers.Zeros:
        return lambda shape, dtype=None: np.zeros(shape, dtype=standardize_dtype(dtype))  # None: floatx, as Zeros
    if type(initializer) is initializers.Ones:
        return lambda shape, dtype=None: np.ones(shape, dtype=standardize_dtype(dtype))
    return initializer


class BatchNormalization(ScaledNormalization):
    """Normalize each feature over the batch, then scale and shift.

    Training: ``μ, σ²`` of the batch, ``x̂ = (x − μ)/sqrt(σ² + ε)``,
    ``y = γ x̂ + β``; the running statistics follow
    ``m ← momentum·m + (1 − momentum)·μ`` (and the same for σ²).
    Inference: the running statistics replace ``μ, σ²``. ε = ``epsilon`` (1e-3, Keras's).

    Backward (training): with ``g = dY ⊙ γ`` and means over the batch,
    ``dX = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / sqrt(σ² + ε)``,
    ``∂J/∂γ = Σ dY ⊙ x̂``, ``∂J/∂β = Σ dY`` (:class:`ScaledNormalization`).

    ``center=False`` leaves out β, ``scale=False`` leaves out γ (as Keras: for a
    following linear or ReLU layer, which can do the scaling itself).

    Samples of several axes ``(n, ..., features)`` (sequences) are normalized as Keras's
    ``axis=-1``: each feature over the batch and every position; γ, β and the moving
    statistics stay one per feature.

    The arguments come in Keras's order: ``axis`` first, which must be the
    feature axis, ``-1`` (Keras's default) or the last axis's index (``1`` for a batch
    of 1-D samples); glassnet normalizes over no other axis. ``beta_initializer``,
    ``gamma_initializer``, ``moving_mean_initializer`` and ``moving_variance_initializer``
    give the first β, γ, m and σ² (Keras's zeros, ones, zeros, ones);
    ``beta_regularizer``, ``gamma_regularizer``, ``beta_constraint`` and ``gamma_constraint``
    work as Keras's (:class:`ScaledNormalization`). Keras's ``renorm``, ``renorm_clipping``,
    ``renorm_momentum`` and ``synchronized`` are accepted at their defaults only
    (False, None, 0.99, False), as Keras's configs hold them.
    """

    weight_names = ("gamma", "beta", "moving_mean", "moving_variance")
    _stats_axis = 0  # the axes of the last training batch's statistics (layers pickled before: 2-D batches)
    moving_mean, moving_variance = weight_attribute("moving_mean"), weight_attribute("moving_variance")
    axis = -1
    # what layers pickled before the initializers existed hold (Keras's defaults)
    beta_initializer = moving_mean_initializer = initializers.Zeros()
    gamma_initializer = moving_variance_initializer = initializers.Ones()
    #: Keras's arguments glassnet lacks, accepted at Keras's defaults only (renormalization
    #: and synchronized statistics compute something else)
    keras_unused = {"renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "synchronized": False}

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, synchronized=False, **kwargs):
        # the Keras arguments glassnet lacks: the base accepts them at Keras's defaults only (keras_unused)
        super().__init__(renorm=renorm, renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum,
                         synchronized=synchronized, **kwargs)
        self._set_constraints(beta_constraint, gamma_constraint, beta_regularizer, gamma_regularizer)
        self.axis = last_axis(axis, "BatchNormalization", "keeps statistics of each feature of the last axis")
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self._check_options(epsilon, center, scale)
        given = {"beta_initializer": beta_initializer, "gamma_initializer": gamma_initializer,
                 "moving_mean_initializer": moving_mean_initializer,
                 "moving_variance_initializer": moving_variance_initializer}
        for key, value in given.items():
            setattr(self, key, initializers.get(value, key))
        self.weight_names = (("gamma",) if scale else ()) + (("beta",) if center else ()) + (
            "moving_mean", "moving_variance")

    def count_weights(self, input_shape):
        return len(self.weight_names) * int(input_shape[-1])  # [gamma], [beta], moving mean, moving variance

    def build(self, input_shape):
        input_shape = check_last_axis(self.axis, input_shape, "BatchNormalization",
                                      "keeps statistics of each feature of the last axis")
        n = input_shape[-1]
        self._build_gamma_beta((n,), self.gamma_initializer, _drawing_no_generator(self.beta_initializer))
        for key in ("moving_mean", "moving_variance"):
            initializer = _drawing_no_generator(getattr(self, f"{key}_initializer"))
            self.state[key] = initializers.initial_weights(initializer, (n,), self.dtype, f"{key}_initializer")
        super().build(input_shape)

    def forward(self, X, training=False):
        training = training and self.trainable  # frozen: inference mode, as Keras 3
        self.training = training
        if training:
            # samples (n, ..., features): each feature over the batch and every position, as Keras's axis=-1
            self._stats_axis = 0 if X.ndim == 2 else tuple(range(X.ndim - 1))
            mean, var, scale = scaled_moments(X, axis=self._stats_axis)
            moving_mean, moving_variance = unscaled(mean, var, scale)
            # float16 statistics past 65504 are stored as inf, as Keras stores them (no NumPy overflow notice)
            with np.errstate(over="ignore"):
                self.state["moving_mean"] *= self.momentum
                self.state["moving_mean"] += (1 - self.momentum) * moving_mean
                self.state["moving_variance"] *= self.momentum
                self.state["moving_variance"] += (1 - self.momentum) * moving_variance
            return self._scale_shift(X, mean, var, scale)
        xp = get_namespace()
        mean, var = self.state["moving_mean"], self.state["moving_variance"]
        # a moving variance past the dtype's largest (a batch's overflowed) is inf, and x/sqrt(inf) = 0 would
        # make every output β: NaN says the statistics are lost
        var = xp.where(xp.isinf(var), xp.full_like(var, float("nan")), var)
        return self._scale_shift(X, mean, var)

    def backward(self, dY):
        return self._scale_shift_backward(dY, self._stats_axis if self.training else None)

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, epsilon=self.epsilon)
        if self.axis != -1:  # left out otherwise: files stay readable by older glassnet
            config["axis"] = self.axis
        if not (self.center and self.scale):  # older files: both
            config.update(center=self.center, scale=self.scale)
        # Keras's defaults are left out, as above
        config.update(initializer_entries(self, [key for key, default in _INITIALIZERS.items()
                                                 if type(getattr(self, key)) is not default]))
        config.update(self._constraint_config())
        return config

