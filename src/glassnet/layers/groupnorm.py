"""Group normalization (Wu & He 2018), as Keras's ``GroupNormalization``."""

from .._validation import check_int
from ..backend import astype, get_namespace, is_half, numpy_dtype
from .base import initializer_entries
from .batchnorm import scaled_moments, standardize
from .layernorm import LastAxisNormalization


class GroupNormalization(LastAxisNormalization):
    """Normalize each sample over groups of its channels, then scale and shift per channel.

    The ``C`` channels (the last axis) are split into ``G = groups`` consecutive groups of
    ``C/G``. For each sample and group ``k``: ``μ_k``, ``σ²_k`` over the group's channels (and
    over every other axis of the sample, for samples with more than one axis, as Keras),
    ``x̂ = (x − μ_k)/sqrt(σ²_k + ε)``, ``y = γ ⊙ x̂ + β`` with one ``γ`` and ``β`` per channel.
    ``groups=1`` is layer normalization, ``groups=C`` (or ``-1``) instance normalization.

    Backward, with ``g = dY ⊙ γ`` and means over each sample's group:
    ``dX = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / sqrt(σ²_k + ε)``,
    ``∂J/∂γ = Σ_rows dY ⊙ x̂``, ``∂J/∂β = Σ_rows dY``
    (:class:`~glassnet.layers.batchnorm.ScaledNormalization`, the means taken per group).

    Parameters
    ----------
    groups : int
        ``G``, which must divide the number of channels (Keras's 32); ``-1``: one group per
        channel (set to ``C`` when the layer is built, as Keras).
    axis : int
        The channels' axis: ``-1`` (Keras's default) or its index counted with the batch
        axis. glassnet takes the channels on the last axis only.
    epsilon : float
        ``ε >= 0``, added to each group's variance (0, as Keras: a constant group gives NaN).
    center, scale : bool
        ``False`` leaves out ``β`` or ``γ``.
    beta_initializer, gamma_initializer : str or callable
        Keras's ``"zeros"`` and ``"ones"``.
    beta_regularizer, gamma_regularizer : str or Regularizer, optional
        Add a penalty on ``β`` or ``γ`` to the loss, as Keras.
    beta_constraint, gamma_constraint : str, Constraint or callable, optional
        ``β ← constraint(β)`` (``γ`` likewise) after each update, as Keras.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        groups = check_int(groups, "groups")
        if groups <= 0 and groups != -1:
            raise ValueError("groups must be a positive integer (or -1 for instance normalization). "
                             f"Received: groups={groups}")
        super().__init__(**kwargs)
        self.groups = groups
        self._set_last_axis_options(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                                    beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)

    _axis_role = "takes the channels on the last axis"

    def build(self, input_shape):
        input_shape = self._check_last_axis(input_shape)
        channels = int(input_shape[-1])
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise ValueError(f"GroupNormalization splits the {channels} channels into groups={self.groups} groups of "
                             f"equal size: groups must divide the number of channels ({channels}). "
                             f"Received: groups={self.groups}")
        self._build_gamma_beta((channels,), self.gamma_initializer, self.beta_initializer)
        super().build(input_shape)

    def _grouped(self, X):
        """``X`` as ``(n, rest, G, C/G)``: the statistics are taken over axes 1 and 3."""
        return get_namespace().reshape(X, (X.shape[0], -1, self.groups, X.shape[-1] // self.groups))

    def forward(self, X, training=False):
        xp = get_namespace()
        Xg = self._grouped(X)
        mean, var, scale = scaled_moments(Xg, axis=(1, 3), keepdims=True)  # (scale: where the variance overflowed)
        half = is_half(X)
        if half:  # in float32, as Keras and as ScaledNormalization._scale_shift: x − μ and x̂ pass 65504
            Xg = astype(Xg, "float32")
            scale = None if scale is None else astype(scale, "float32")
        # locals first: another thread's predict may release self.X_hat meanwhile (release_caches)
        X_hat, inv_std = standardize(Xg, mean, var, self.epsilon, scale)
        X_hat = xp.reshape(X_hat, X.shape)
        self.inv_std, self.X_hat = inv_std, X_hat  # inv_std: (n, 1, G, 1)
        Y = X_hat * self.params["gamma"] if self.scale else xp.asarray(X_hat, copy=True)
        if self.center:
            Y += self.params["beta"]
        return astype(Y, "float16") if half else Y

    def backward(self, dY):
        xp = get_namespace()
        g = self._gamma_beta_backward(dY)
        if g is None:
            return None
        g, X_hat = self._grouped(g), self._grouped(self.X_hat)
        mean_g = xp.mean(g, axis=(1, 3), keepdims=True)
        mean_g_x_hat = xp.mean(g * X_hat, axis=(1, 3), keepdims=True)
        dX = xp.reshape((g - mean_g - X_hat * mean_g_x_hat) * self.inv_std, dY.shape)
        if numpy_dtype(dX) != numpy_dtype(dY):  # float16: against float32 x̂ (see forward)
            dX = astype(dX, dY.dtype)
        return dX

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale)
        config.update(initializer_entries(self, ("beta_initializer", "gamma_initializer")))
        config.update(self._constraint_config())
        return config
