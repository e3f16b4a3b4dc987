"""Layer normalization (Ba, Kiros & Hinton), with Keras's defaults."""

import math
import numbers

from .. import initializers
from .base import initializer_entries, sample_shape
from .batchnorm import ScaledNormalization, check_last_axis, last_axis, scaled_moments


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
        self.axis = self._checked_axis(axis)
        self._check_options(epsilon, center, scale)
        self.beta_initializer = initializers.get(beta_initializer, "beta_initializer")
        self.gamma_initializer = initializers.get(gamma_initializer, "gamma_initializer")
        self.weight_names = (("gamma",) if scale else ()) + (("beta",) if center else ())

    def _checked_axis(self, axis):
        return last_axis(axis, type(self).__name__, self._axis_role)

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
    axis : int or list of int
        The axes normalized over, counted with the batch axis as Keras counts them: ``-1``
        (Keras's default: the last), or several, ``[1, 2]`` or ``[-2, -1]`` for samples of
        shape ``(4, 5)``; never the batch axis 0. Over several axes the features are the
        entries of those axes (``μ``, ``σ²`` of each sample's 4 × 5 entries, at each position
        of the other axes), and ``γ``, ``β`` have Keras's shape: the sizes of those axes,
        ``(4, 5)``.
    epsilon : float
        ``ε >= 0``, added to the variance (0, as Keras: a constant sample gives NaN).
    center, scale : bool
        ``False`` leaves out ``β`` or ``γ``.
    beta_initializer, gamma_initializer : str or callable
        Keras's ``"zeros"`` and ``"ones"``.
    beta_regularizer, gamma_regularizer : str or Regularizer, optional
        Add a penalty on ``β`` or ``γ`` to the loss, as Keras (and Dense's regularizers).
    beta_constraint, gamma_constraint : str, Constraint or callable, optional
        ``β ← constraint(β)`` (``γ`` likewise) after each update, as Keras.
    """

    #: the axes of the statistics in a batch (positive, sorted), set by build
    _axes = (-1,)

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if kwargs.pop("rms_scaling", False):  # in Keras's configs, as False
            raise ValueError("glassnet's LayerNormalization has no rms_scaling (deprecated in Keras 3, which "
                             "points to RMSNormalization): leave it False.")
        super().__init__(**kwargs)
        self._set_last_axis_options(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                                    beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)

    def _checked_axis(self, axis):
        """Keras's ``axis``: an integer, or a list or tuple of them (kept a list, as Keras's config
        holds it); the batch axis 0 refused here, the rest checked against the input by build."""
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, numbers.Integral) for a in axes):
            raise TypeError("LayerNormalization: axis must be an integer or a non-empty list of integers (the axes "
                            f"normalized over, -1 the last). Received: axis={axis!r:.80}")
        if 0 in axes:
            raise ValueError("LayerNormalization: axis 0 is the batch axis, which layer normalization never "
                             f"normalizes over (each sample alone): use -1 or the sample's axes 1, 2, …. "
                             f"Received: axis={axis!r:.80}")
        return [int(a) for a in axes] if isinstance(axis, (list, tuple)) else int(axis)

    def count_weights(self, input_shape):
        return len(self.weight_names) * math.prod(self._weight_shape(input_shape)[0])

    def _weight_shape(self, input_shape):
        """``(shape of γ and β, positive sorted axes)`` for samples of ``input_shape``: Keras's shape,
        the sizes of the axes in ``sorted(axis)`` (with negative ones as given, as Keras sorts them)."""
        input_shape = sample_shape(input_shape)
        full = (None, *input_shape)
        given = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -len(full) <= a < len(full) for a in given):
            raise ValueError(f"LayerNormalization: axis {self.axis} is out of range for inputs of shape "
                             f"(None, {', '.join(map(str, input_shape))}): each must be 1 … {len(input_shape)} "
                             f"or -{len(input_shape)} … -1. Received: axis={self.axis}")
        axes = sorted(a % len(full) for a in given)
        if 0 in axes or len(set(axes)) != len(axes):
            raise ValueError(f"LayerNormalization: axis {self.axis} names "
                             f"{'the batch axis' if 0 in axes else 'an axis twice'} for inputs of shape "
                             f"(None, {', '.join(map(str, input_shape))}). Received: axis={self.axis}")
        return tuple(full[a] for a in sorted(given)), tuple(axes)

    def build(self, input_shape):
        input_shape = sample_shape(input_shape)
        shape, axes = self._weight_shape(input_shape)
        self._axes = axes
        n_dims = 1 + len(input_shape)
        # over the last axis alone, γ and β broadcast as they are (the common case, unchanged)
        self._broadcast_shape = None if axes == (n_dims - 1,) else tuple(
            n if i in axes else 1 for i, n in enumerate((1, *input_shape)))
        self._build_gamma_beta(shape, self.gamma_initializer, self.beta_initializer)
        super().build(input_shape)

    def forward(self, X, training=False):
        mean, var, scale = scaled_moments(X, axis=self._axes, keepdims=True)
        return self._scale_shift(X, mean, var, scale)

    def backward(self, dY):
        return self._scale_shift_backward(dY, self._axes)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale)
        config.update(initializer_entries(self, ("beta_initializer", "gamma_initializer")))
        config.update(self._constraint_config())
        return config
