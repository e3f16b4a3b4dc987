"""Layer normalization (Ba, Kiros & Hinton), with Keras's defaults."""

from .. import initializers
from .batchnorm import ScaledNormalization, check_last_axis, last_axis, moments
from .base import initializer_entries


class LastAxisNormalization(ScaledNormalization):
    """A normalization of each sample over its last axis with one ``γ`` and ``β`` per feature
    (:class:`LayerNormalization`, :class:`~glassnet.layers.groupnorm.GroupNormalization`): their
    Keras arguments and the check of ``axis``."""

    #: how the error messages say where the layer's axis must be
    _axis_role = "normalizes over the last axis"

    def _set_last_axis_options(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                               beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
        """Keras's arguments of a normalization over the last axis with ``γ`` and ``β`` per feature
        (LayerNormalization's and GroupNormalization's), checked and kept."""
        self._set_constraints(beta_constraint, gamma_constraint, beta_regularizer, gamma_regularizer)
        self.axis = last_axis(axis, type(self).__name__, self._axis_role)
        self._check_options(epsilon, center, scale)
        self.beta_initializer = initializers.get(beta_initializer, "beta_initializer")
        self.gamma_initializer = initializers.get(gamma_initializer, "gamma_initializer")
        self.weight_names = (("gamma",) if scale else ()) + (("beta",) if center else ())

    def count_weights(self, input_shape):
        return len(self.weight_names) * int(input_shape[-1])

    def _check_last_axis(self, input_shape):
        """``input_shape`` (a sample's) when ``axis`` names its last axis, else the ValueError."""
        return check_last_axis(self.axis, input_shape, type(self).__name__, self._axis_role)


class LayerNormalization(LastAxisNormalization):
    """Normalize each sample over its features, then scale and shift.

    For each sample (row) ``x``: ``μ = mean(x)``, ``σ² = var(x)`` over its features,
    ``x̂ = (x − μ)/sqrt(σ² + ε)``, ``y = γ ⊙ x̂ + β`` with one ``γ`` and ``β`` per
    feature. The same in training and at inference: there are no running statistics,
    so the output of a sample does not depend on the rest of the batch.

    Backward, with ``g = dY ⊙ γ`` and means over each row's features:
    ``dX = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / sqrt(σ² + ε)``,
    ``∂J/∂γ = Σ_rows dY ⊙ x̂``, ``∂J/∂β = Σ_rows dY`` (batch normalization's
    backward with the means taken along the other axis:
    :class:`~glassnet.layers.batchnorm.ScaledNormalization`).

    Parameters
    ----------
    axis : int
        The axis normalized over: the features, ``-1`` (Keras's default), or its
        index counted with the batch axis (``1`` for 1-D samples). glassnet
        normalizes over the last axis only.
    epsilon : float
        ``ε > 0``, added to the variance.
    center, scale : bool
        ``False`` leaves out ``β`` or ``γ``.
    beta_initializer, gamma_initializer : str or callable
        Keras's ``"zeros"`` and ``"ones"``.
    beta_regularizer, gamma_regularizer : str or Regularizer, optional
        Add a penalty on ``β`` or ``γ`` to the loss, as Keras (and Dense's regularizers).
    beta_constraint, gamma_constraint : str, Constraint or callable, optional
        ``β ← constraint(β)`` (``γ`` likewise) after each update, as Keras.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if kwargs.pop("rms_scaling", False):  # in Keras's configs, as False
            raise ValueError("glassnet's LayerNormalization has no rms_scaling (deprecated in Keras 3, which "
                             "points to RMSNormalization): leave it False.")
        super().__init__(**kwargs)
        self._set_last_axis_options(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                                    beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        input_shape = self._check_last_axis(input_shape)
        self._build_gamma_beta(input_shape[-1], self.gamma_initializer, self.beta_initializer)
        super().build(input_shape)

    def forward(self, X, training=False):
        mean, var = moments(X, axis=-1, keepdims=True)
        return self._scale_shift(X, mean, var)

    def backward(self, dY):
        return self._scale_shift_backward(dY, -1)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale)
        config.update(initializer_entries(self, ("beta_initializer", "gamma_initializer")))
        config.update(self._constraint_config())
        return config
