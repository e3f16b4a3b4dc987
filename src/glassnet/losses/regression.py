"""The regression losses, as Keras groups them: the mean squared error (and the lectures' summed
``½ Σ (t − y)²``), the mean absolute, absolute percentage and squared logarithmic errors, Huber,
log-cosh and the cosine similarity."""

import math

import numpy as np

from .._validation import check_number
from ..backend import astype, get_namespace
from .base import EPSILON, REDUCTION, _MEAN_UNWEIGHTED, Loss, _keras_arguments, _loss_dtype, _mean_last, _pair


class MeanSquaredError(Loss):
    """``J = mean_k (y_k - ŷ_k)²``; ``∂J/∂ŷ = 2 (ŷ - y) / K``."""

    name = "mean_squared_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        return _mean_last((A - Y) ** 2)

    def per_sample_gradient(self, Y, A):
        return (A - Y) * (2.0 / A.shape[-1])

    def __call__(self, y_true, y_pred, sample_weight=None):
        if (sample_weight is not None or self.reduction not in _MEAN_UNWEIGHTED
                or type(self).per_sample is not MeanSquaredError.per_sample):
            return super().__call__(y_true, y_pred, sample_weight)
        # Σ (a − y)² / (n K) as one dot product: a small network's step is mostly such calls
        Y, A = _pair(self, y_true, y_pred)
        if not math.prod(A.shape):  # an empty batch: Keras's empty losses (or 0.0), as the base gives them
            return super().__call__(Y, A)
        dtype = _loss_dtype(A)  # float16 in floatx, as Keras's (a float16 sum of squares overflows at 65504 too)
        if dtype is not None:
            Y, A = astype(Y, dtype), astype(A, dtype)
        D = A - Y
        if type(D) is np.ndarray:
            # np.vdot's BLAS dot, bit for bit, without its dispatch: ~1 µs of each epoch of seed 001's XOR fit
            D = D.ravel()
            return float(D.dot(D)) / math.prod(A.shape)  # (n, K); a vector or (n, m, K) too
        return float(get_namespace(A).vdot(D, D)) / math.prod(A.shape)

    def gradient(self, Y, A, sample_weight=None):
        if (sample_weight is not None or self.reduction not in _MEAN_UNWEIGHTED
                or type(self).per_sample_gradient is not MeanSquaredError.per_sample_gradient):
            return super().gradient(Y, A, sample_weight)
        # the training step's case, (n, K) outputs without weights: Loss.gradient's two operations without
        # its checks of weights and shapes (half of the call's 2.3 µs, at every step of a small network)
        given = A
        Y, A = _pair(self, Y, A)
        if len(A.shape) != 2 or A.shape != getattr(given, "shape", None):  # (not the outputs' shape: _pair's)
            return super().gradient(Y, given)
        dA = self.per_sample_gradient(Y, A)
        dA /= A.shape[0]
        return dA


class SquaredError(Loss):
    """The lectures' ``E = ½ Σ_k (t_k - y_k)²``, ``t`` the target and ``y`` the output (the other losses' ``y``
    and ``ŷ``: ``½ Σ_k (ŷ_k - y_k)²``); ``∂E/∂y = y - t``."""

    name = "squared_error"
    targets_in_output_range = True

    def per_sample(self, Y, A):
        return 0.5 * get_namespace(A).sum((A - Y) ** 2, axis=-1)

    def per_sample_gradient(self, Y, A):
        return A - Y


class MeanAbsoluteError(Loss):
    """``J = mean_k |y_k - ŷ_k|``; ``∂J/∂ŷ = sign(ŷ - y) / K``."""

    name = "mean_absolute_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        return _mean_last(get_namespace(A).abs(A - Y))

    def per_sample_gradient(self, Y, A):
        return get_namespace(A).sign(A - Y) / A.shape[-1]


class MeanAbsolutePercentageError(Loss):
    """Keras's ``J = 100 · mean_k |y_k − ŷ_k| / max(|y_k|, ε)`` (ε = 1e-7);
    ``∂J/∂ŷ = 100 · sign(ŷ − y) / (K · max(|y|, ε))``."""

    name = "mean_absolute_percentage_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        return 100.0 * _mean_last(xp.abs(A - Y) / xp.maximum(xp.abs(Y), EPSILON))

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        return xp.sign(A - Y) * (100.0 / A.shape[-1]) / xp.maximum(xp.abs(Y), EPSILON)


class MeanSquaredLogarithmicError(Loss):
    """Keras's ``J = mean_k (log(1 + max(ŷ_k, ε)) − log(1 + max(y_k, ε)))²`` (ε = 1e-7);
    ``∂J/∂ŷ = 2 d / (K (1 + ŷ))`` with ``d`` the difference of the logs, 0 where ``ŷ < ε``
    (there the clipped loss is flat)."""

    name = "mean_squared_logarithmic_error"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    @staticmethod
    def _parts(Y, A):
        xp = get_namespace(A)
        P = xp.maximum(A, EPSILON)
        return P, xp.log1p(P) - xp.log1p(xp.maximum(Y, EPSILON))

    def per_sample(self, Y, A):
        D = self._parts(Y, A)[1]
        return _mean_last(D * D)

    def per_sample_gradient(self, Y, A):
        P, D = self._parts(Y, A)
        return D * (2.0 / A.shape[-1]) / (1 + P) * astype(A > EPSILON, A.dtype)


class Huber(Loss):
    """``½e²`` for ``|e| <= δ``, else ``δ(|e| - ½δ)``, averaged over outputs;
    ``∂J/∂ŷ = clip(e, -δ, δ) / K`` with ``e = ŷ - y`` and δ = ``delta``. Its default name is Keras's ``huber_loss``
    (the string for ``compile`` stays ``"huber"``, as in Keras)."""

    name = "huber_loss"
    targets_in_output_range = True

    def __init__(self, delta=1.0, reduction=REDUCTION, name=None, dtype=None):
        super().__init__(name, reduction, dtype)
        self.delta = check_number(delta, "delta", low=0)

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        err = xp.abs(A - Y)
        quad = xp.minimum(err, self.delta)
        return _mean_last(0.5 * quad * quad + self.delta * (err - quad))

    def per_sample_gradient(self, Y, A):
        return get_namespace(A).clip(A - Y, -self.delta, self.delta) / A.shape[-1]

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(Loss):
    """Keras's ``J = mean_k log cosh(ŷ_k − y_k)``, computed as ``e + softplus(−2e) − log 2``
    (finite for any error ``e``): ``e²/2`` for small errors, ``|e| − log 2`` for large ones;
    ``∂J/∂ŷ = tanh(ŷ − y) / K``."""

    name = "log_cosh"
    targets_in_output_range = True

    def __init__(self, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        super().__init__(name, reduction, dtype)

    def per_sample(self, Y, A):
        xp = get_namespace(A)
        E = A - Y
        return _mean_last(E + xp.logaddexp(xp.zeros_like(E), -2.0 * E) - math.log(2.0))

    def per_sample_gradient(self, Y, A):
        return get_namespace(A).tanh(A - Y) / A.shape[-1]


class CosineSimilarity(Loss):
    """Keras's ``J = −Σ_k u_k v_k``, the negative cosine of the angle between ``y`` and ``ŷ``
    (−1 where they point the same way), with ``u = y / max(‖y‖, ε)``, ``v = ŷ / max(‖ŷ‖, ε)``
    (ε = 1e-7: a zero row gives 0); ``∂J/∂ŷ = −(u − (u·v) v) / ‖ŷ‖`` (``−u / ε`` where
    ``‖ŷ‖ < ε``). ``axis``, as Keras's: the axis the cosine is taken along (−1, the last, by
    default), any of the outputs' rank (``axis=0`` of outputs ``(n, k)``: one cosine per column)."""

    name = "cosine_similarity"

    def __init__(self, axis=-1, reduction=REDUCTION, name=None, dtype=None):  # Keras's order
        _keras_arguments(self, name, reduction, dtype, axis)

    @property
    def axis(self):
        """The axis the cosine is taken along (Keras's argument; −1, the last, by default)."""
        return self._axis

    def get_config(self):
        return {**super().get_config(), "axis": self._axis} if self._axis != -1 else super().get_config()

    @staticmethod
    def _unit(X):
        """``(X / N, N, ‖X‖ > ε)`` with ``N = max(‖X‖, ε)`` per row."""
        xp = get_namespace(X)
        norm = xp.sqrt(xp.sum(X * X, axis=-1, keepdims=True))
        return X / xp.maximum(norm, EPSILON), xp.maximum(norm, EPSILON), norm > EPSILON

    def per_sample(self, Y, A):
        return -get_namespace(A).sum(self._unit(Y)[0] * self._unit(A)[0], axis=-1)

    def per_sample_gradient(self, Y, A):
        xp = get_namespace(A)
        U = self._unit(Y)[0]
        V, N, outside = self._unit(A)
        cosine = xp.sum(U * V, axis=-1, keepdims=True) * astype(outside, A.dtype)
        return -(U - cosine * V) / N
