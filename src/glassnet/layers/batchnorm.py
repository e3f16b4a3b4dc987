"""Batch normalization (Ioffe & Szegedy), with Keras's defaults."""

import numbers

import numpy as np

from .. import initializers
from .._validation import check_number
from ..backend import get_namespace
from .base import Layer, sample_shape


class BatchNormalization(Layer):
    """Normalize each feature over the batch, then scale and shift.

    Training: ``μ, σ²`` of the batch, ``x̂ = (x − μ)/sqrt(σ² + ε)``,
    ``y = γ x̂ + β``; the running statistics follow
    ``m ← momentum·m + (1 − momentum)·μ`` (and the same for σ²).
    Inference: the running statistics replace ``μ, σ²``.

    Backward (training): with ``g = dY ⊙ γ``,
    ``dX = (g − mean(g) − x̂ · mean(g ⊙ x̂)) / sqrt(σ² + ε)``,
    ``∂J/∂γ = Σ dY ⊙ x̂``, ``∂J/∂β = Σ dY``.

    ``center=False`` leaves out β, ``scale=False`` leaves out γ (as Keras: for a
    following linear or ReLU layer, which can do the scaling itself).

    The arguments come in Keras's order: ``axis`` first, which must be the
    feature axis, ``-1`` (Keras's default) or ``1`` (the same axis of a batch of
    1-D samples); glassnet normalizes 1-D samples only.
    """

    weight_names = ("gamma", "beta", "moving_mean", "moving_variance")
    center = scale = True  # what layers pickled before the options existed hold
    axis = -1

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:  # Keras also takes a list of axes
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"axis must be an integer, -1 (the features). Received: axis={axis!r:.80}")
        if axis not in (-1, 1):
            raise ValueError("glassnet's BatchNormalization normalizes each feature of 1-D samples: axis must be -1 "
                             f"(Keras's default) or 1, the same axis of a batch (n, features). Received: axis={axis}")
        self.axis = int(axis)
        self.momentum = check_number(momentum, "momentum", low=0, high=1)
        self.epsilon = check_number(epsilon, "epsilon", low=0, low_open=True)
        for name, value in (("center", center), ("scale", scale)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be True or False. Received: {name}={value!r}")
        self.center, self.scale = center, scale
        self.weight_names = (("gamma",) if scale else ()) + (("beta",) if center else ()) + (
            "moving_mean", "moving_variance")

    def count_weights(self, input_shape):
        return len(self.weight_names) * int(input_shape[-1])  # [gamma], [beta], moving mean, moving variance

    def build(self, input_shape):
        input_shape = sample_shape(input_shape)
        if len(input_shape) != 1:
            raise ValueError(f"BatchNormalization expects 1-D samples; received input shape {tuple(input_shape)}.")
        xp = get_namespace()
        n = input_shape[0]
        if self.scale:
            self.params["gamma"] = xp.asarray(initializers.Ones()((n,), dtype=self.dtype))
        if self.center:
            self.params["beta"] = xp.zeros(n, dtype=self.dtype)
        self.state["moving_mean"] = xp.zeros(n, dtype=self.dtype)
        self.state["moving_variance"] = xp.ones(n, dtype=self.dtype)
        for key, value in self.params.items():
            # zeros, not zeros_like: NumPy's zeros leaves untouched pages to the OS (no memory
            # until used), and a model replaces these with views of its flat gradient vector
            self.grads[key] = xp.zeros(value.shape, dtype=value.dtype)
        super().build(input_shape)

    def forward(self, X, training=False):
        xp = get_namespace()
        training = training and self.trainable  # frozen: inference mode, as Keras 3
        self.training = training
        if training:
            if isinstance(X, np.ndarray) and X.dtype == np.float16:  # float16 sums of squares overflow at 65504
                mean = np.mean(X, axis=0, dtype=np.float32).astype(np.float16)
                var = np.var(X, axis=0, dtype=np.float32).astype(np.float16)
            else:
                mean = xp.mean(X, axis=0)
                var = xp.var(X, axis=0)
            self.state["moving_mean"] *= self.momentum
            self.state["moving_mean"] += (1 - self.momentum) * mean
            self.state["moving_variance"] *= self.momentum
            self.state["moving_variance"] += (1 - self.momentum) * var
        else:
            mean, var = self.state["moving_mean"], self.state["moving_variance"]
        # locals first: another thread's predict may release self.X_hat meanwhile (release_caches)
        inv_std = 1.0 / xp.sqrt(var + self.epsilon)
        X_hat = (X - mean) * inv_std
        self.inv_std, self.X_hat = inv_std, X_hat
        Y = X_hat * self.params["gamma"] if self.scale else xp.asarray(X_hat, copy=True)
        if self.center:
            Y += self.params["beta"]
        return Y

    def backward(self, dY):
        xp = get_namespace()
        if self.scale:
            xp.sum(dY * self.X_hat, axis=0, out=self.grads["gamma"])
        if self.center:
            xp.sum(dY, axis=0, out=self.grads["beta"])
        if not self.needs_input_gradient:
            return None
        g = dY * self.params["gamma"] if self.scale else dY
        if not self.training:
            return g * self.inv_std
        return (g - xp.mean(g, axis=0) - self.X_hat * xp.mean(g * self.X_hat, axis=0)) * self.inv_std

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, epsilon=self.epsilon)
        if self.axis != -1:  # left out otherwise: files stay readable by older glassnet
            config["axis"] = self.axis
        if not (self.center and self.scale):  # older files: both
            config.update(center=self.center, scale=self.scale)
        return config
