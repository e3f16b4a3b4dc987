"""Root mean square layer normalization (Zhang & Sennrich 2019), as Keras's ``RMSNormalization``."""

import numpy as np

from .. import initializers
from ..backend import astype, get_namespace, is_half
from .base import Layer, weight_attribute
from .batchnorm import (_drawing_no_generator, check_epsilon, check_last_axis, last_axis, overflow_scale, sum_dtype,
                        zero_epsilon_errstate)


class RMSNormalization(Layer):
    """Divide each sample by the root mean square of its features, then scale.

    For each sample (row) ``x``: ``r = 1/sqrt(mean(x²) + ε)`` over its features,
    ``x̂ = r x``, ``y = s ⊙ x̂`` with one trainable ``s`` (Keras's ``scale``, first ones)
    per feature. No centering and no shift: unlike layer normalization, the mean stays.

    Backward, with ``g = dY ⊙ s`` and means over each row's features:
    ``dX = r (g − x̂ ⊙ mean(g ⊙ x̂))``, ``∂J/∂s = Σ_rows dY ⊙ x̂``.

    Parameters
    ----------
    axis : int
        The axis normalized over: the features, ``-1`` (Keras's default), or its index
        counted with the batch axis. glassnet normalizes over the last axis only.
    epsilon : float
        ``ε >= 0``, added to the mean square (Keras's 1e-6; 0, as Keras: an all-zero sample gives NaN).
    """

    weight_names = ("scale",)
    scale = weight_attribute("scale")  # (Keras's attribute)

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = last_axis(axis, "RMSNormalization", "normalizes over the last axis")
        self.epsilon = check_epsilon(epsilon, "the mean square")

    def count_weights(self, input_shape):
        return int(input_shape[-1])

    def build(self, input_shape):
        input_shape = check_last_axis(self.axis, input_shape, "RMSNormalization", "normalizes over the last axis")
        n = input_shape[-1]
        self.params["scale"] = initializers.initial_weights(_drawing_no_generator(initializers.Ones()), (n,),
                                                            self.dtype, "scale")
        # zeros: a model replaces this with a view of its flat gradient vector
        self.grads["scale"] = get_namespace().zeros((n,), dtype=self.params["scale"].dtype)
        super().build(input_shape)

    def forward(self, X, training=False):
        xp = get_namespace()
        # locals first: another thread's predict may release self.X_hat meanwhile (release_caches);
        # inv_std holds r = 1/rms, under the name the layer caches share with batch normalization
        with zero_epsilon_errstate(self.epsilon):  # (ε = 0: an all-zero sample gives NaN, as Keras's)
            if is_half(X):  # float16 squares overflow above 256 (as moments)
                if isinstance(X, np.ndarray):
                    mean_square = np.mean(np.square(X, dtype=np.float32), axis=-1, keepdims=True)
                else:
                    X32 = astype(X, "float32")
                    mean_square = xp.mean(X32 * X32, axis=-1, keepdims=True)
                inv_std = astype(1.0 / xp.sqrt(mean_square + self.epsilon), "float16")
                X_hat = X * inv_std
            else:
                X_hat, inv_std = self._normalized(X)
        self.inv_std, self.X_hat = inv_std, X_hat
        return X_hat * self.params["scale"]

    def _normalized(self, X):
        """``(x̂, r)`` of a float32 or float64 ``X``. Where ``mean(x²)`` overflows (an ``|x|`` past the
        square root of the dtype's largest: 1e19 in float32, 1e154 in float64), ``r = 0`` would make
        every output 0: those rows are divided first by ``s``, a power of two near their largest ``|x|``
        (``x̂`` does not depend on the scale), ``x̂ = (x/s) · r'`` with ``r' = 1/sqrt(mean((x/s)²) + ε/s²)``,
        and ``r = r'/s``."""
        xp = get_namespace()
        with np.errstate(over="ignore"):
            mean_square = xp.mean(X * X, axis=-1, keepdims=True)
        if bool(xp.all(xp.isfinite(mean_square))):
            inv_std = 1.0 / xp.sqrt(mean_square + self.epsilon)
            return X * inv_std, inv_std
        scale = overflow_scale(X, -1, ~xp.isfinite(mean_square), keepdims=True)
        X = X / scale
        inv_std = 1.0 / xp.sqrt(xp.mean(X * X, axis=-1, keepdims=True) + self.epsilon / scale / scale)
        return X * inv_std, inv_std / scale

    def backward(self, dY):
        xp = get_namespace()
        samples = tuple(range(dY.ndim - 1))  # every axis but the features'
        # (float16: x̂ is float16 here, so the product is summed in float32 and rounded once, sum_dtype)
        xp.sum(dY * self.X_hat, axis=samples, dtype=sum_dtype(dY), out=self.grads["scale"])
        if not self.needs_input_gradient:
            return None
        g = dY * self.params["scale"]
        return (g - self.X_hat * xp.mean(g * self.X_hat, axis=-1, keepdims=True)) * self.inv_std

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon)
        return config
