"""scikit-learn's objective on glassnet's engine: sample weights and the L2 penalty.

scikit-learn divides the weighted loss and the penalty ``α/2 Σ_l ||W^(l)||²``
by the batch's total weight ``Σ w_i``; the engine averages ``Σ w_i L_i / n_b``.
So the weights go in rescaled to mean 1 (:func:`_data_weights`) and the penalty
is an L2 ``kernel_regularizer`` (:class:`_BatchL2`) whose factor the solvers
set to ``α / (2 n_b · mean(w))``: exact without weights and for full batches.
With weights on mini-batches, :func:`_batch_weight_sums` makes each batch's
loss and penalty divide by that batch's own ``Σ w_i``.

Weights may be negative, as scikit-learn's MLP takes them: the loss still divides by
``Σ w_i`` as it is (a negative sum flips the sign of the loss and the penalty's factor,
as scikit-learn's), and a set or batch whose weights sum to exactly 0 is refused where
scikit-learn's division raises ``ZeroDivisionError``.
"""

import contextlib
import copy

import numpy as np

from .. import losses, regularizers
from ..activations import Exponential


class _BatchL2(regularizers.L2):
    """:class:`glassnet.regularizers.L2` with an ``l2`` that the estimator sets
    to ``α / (2 n_b)``. Its own class so that it is installed only while
    training: saved models and pickles never hold it. ``l2`` takes any sign: with
    negative sample weights scikit-learn's factor ``α / (2 Σ w_i)`` is negative where
    ``Σ w_i`` is (``L2`` refuses ``l2 < 0``, which no user penalty needs)."""

    def __init__(self, l2):
        self.l1, self.l2 = 0.0, float(l2)

    def __repr__(self):  # what a trace of the estimator prints for R
        return f"L2(l2 = α/(2 Σw) = {self.l2:.6g})"


def _batch_l2(est, n, mean_w):
    """The penalty of a batch of ``n`` rows whose weights average ``mean_w``:
    ``_BatchL2(α / (2 n mean_w))``, or None for ``alpha=0``."""
    if not est.alpha > 0:
        return None
    with np.errstate(over="ignore"):
        l2 = 0.5 * est.alpha / (n * mean_w)
    if not np.isfinite(l2):  # (was the regularizer's "l2 must be finite. Received: l2=inf")
        raise ValueError(
            f"sample_weight is too small: weights of mean {mean_w:.3g} make the penalty's factor "
            f"alpha/(2 Σ sample_weight) infinite (alpha={est.alpha:g}). Multiply sample_weight by a constant "
            "(that changes only the penalty's share) or fit with alpha=0."
        )
    return _BatchL2(l2)


def _refuse_zero_sum(w, where):
    """Refuse weights ``w`` (None: none) whose sum is 0, by which scikit-learn's objective on
    ``where`` (a whole set: L-BFGS's, a trace's batch, the early-stopping set) divides."""
    with np.errstate(over="ignore"):  # (weights near 1e308 sum to inf, which is not 0)
        if w is None or float(w.sum()) != 0:
            return
    raise ValueError(
        f"sample_weight sums to zero on {where}: scikit-learn's objective divides the loss by the total "
        "weight Σ w_i (scikit-learn raises ZeroDivisionError: \"Weights sum to zero, can't be normalized\"). "
        "Give the positive and negative weights different totals."
    )


def _penalty(est, weight_sum):
    """``α/(2 Σw) Σ_l ||W^(l)||²`` (scikit-learn's penalty on a set of total weight Σw)."""
    if not est.alpha:
        return 0.0
    squares = sum(float(np.dot(W.ravel(), W.ravel())) for W in est.coefs_)
    return 0.5 * est.alpha * squares / weight_sum


def _data_weights(est, w, n):
    """Sample weights for the engine, rescaled to mean 1, and their raw mean.

    The engine averages ``Σ w_i J_i / n``; scikit-learn divides by ``Σ w_i``.
    Rescaling to mean 1 makes the two equal on the whole set (for any sign of
    ``Σ w_i``). Multilabel outputs are weighted by K, since the engine's binary
    cross-entropy is the mean over outputs and scikit-learn's the sum. Signed
    weights that sum to 0 are divided by ``mean |w|`` instead, which is the mean
    returned: only mini-batches, each divided by its own sum, train on them
    (:class:`_BatchWeightSum`, where the scale cancels).
    """
    with np.errstate(over="ignore"):
        mean_w = 1.0 if w is None else float(w.mean())
    if not np.isfinite(mean_w):  # weights near 1e308: their sum overflowed, and v = w / inf = 0 trained nothing
        peak = float(np.abs(w).max())
        mean_w = float(np.mean(w / peak)) * peak
    if mean_w == 0:  # (not all 0: _check_sample_weight refused those)
        mean_w = float(np.mean(np.abs(w)))
    v = None if w is None else w / mean_w
    if est.out_activation_ == "logistic" and est.n_outputs_ > 1:  # multilabel
        v = np.full(n, float(est.n_outputs_)) if v is None else v * est.n_outputs_
    if v is not None and np.all(v == 1.0):
        v = None
    return v, mean_w


class _BatchWeightSum:
    """The divisor ``d`` of a weighted training batch's loss ``Σ v_i L_i / d``, as scikit-learn's:
    ``d = Σ_b v_i / K`` (``v = K w / mean(w)``, K the multilabel factor of :func:`_data_weights`),
    so that the loss is ``K Σ_b w_i L_i / Σ_b w_i``; it also sets the penalty's factor to
    ``α / (2 Σ_b w_i) = α / (2 mean(w) d)`` before the engine reads it for this batch."""

    def __init__(self, est, regularizer, mean_w):
        self.outputs = est.n_outputs_ if est.out_activation_ == "logistic" else 1
        self.regularizer, self.half_alpha, self.mean_w = regularizer, 0.5 * est.alpha, mean_w

    def __call__(self, n, sample_weight):
        if sample_weight is None:  # (the early-stopping set's loss, with weights all alike)
            return n
        d = float(sample_weight.sum()) / self.outputs  # (negative with negative weights: divided as it is)
        if d == 0:  # (scikit-learn: "ZeroDivisionError: Weights sum to zero, can't be normalized")
            raise ValueError(
                f"sample_weight sums to zero on a mini-batch of {n} samples: scikit-learn's objective divides "
                "each batch's loss by its total weight. Give weight to more samples, use shuffle=True or a "
                "larger batch_size."
            )
        if self.regularizer is not None:  # (Python floats: an overflow is inf, no warning)
            self.regularizer.l2 = self.half_alpha / (self.mean_w * d)
        return d


@contextlib.contextmanager
def _batch_weight_sums(est, weighted, mean_w, regularizer):
    """``with _batch_weight_sums(est, weighted, mean_w, reg):`` trains ``est.model_`` with each
    batch's loss and penalty divided by that batch's weight sum, as scikit-learn's
    (:class:`_BatchWeightSum`), where it trains on sample weights (``weighted``). Without them
    nothing changes: the engine's batch mean is then scikit-learn's, at no cost per step."""
    model = est.model_
    if not weighted:
        yield
        return
    saved = model.loss
    model.loss = copy.copy(saved)  # a training-time copy: the saved network keeps its own loss
    model.loss._divisor = _BatchWeightSum(est, regularizer, mean_w)
    try:
        yield
    finally:
        model.loss = saved


class _ScikitSquaredError(losses.SquaredError):
    """scikit-learn's squared error for K outputs: it descends ``½ Σ_k (y_k − ŷ_k)²`` but
    reports (in ``loss_``, ``loss_curve_``, the ``tol`` rule and lbfgs's line search)
    ``½ mean_k``. Installed only while the estimator trains (:func:`_scikit_loss`), so a
    saved network holds the plain squared error."""

    def per_sample(self, Y, A):
        return super().per_sample(Y, A) / A.shape[-1]


def _xlogy(x, y):
    """``x log y``, 0 where ``x`` is 0 (``scipy.special.xlogy``, without importing SciPy: the
    estimators train without it; only 'lbfgs' needs it)."""
    with np.errstate(divide="ignore"):  # (y = 0: -inf, as SciPy's)
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


class _ScikitPoisson(losses.Poisson):
    """scikit-learn's Poisson loss (``MLPRegressor(loss='poisson')``): the half deviance
    ``Σ_k (y_k log(y_k/ŷ_k) − y_k + ŷ_k)`` per sample, summed over the outputs, without Keras's
    ε; ``∂J/∂ŷ = 1 − y/ŷ``, and through the exponential output ``δ = ŷ − y``. Installed only
    while the estimator trains (:func:`_scikit_loss`): a saved network holds Keras's ``poisson``."""

    def per_sample(self, Y, A):
        with np.errstate(divide="ignore", invalid="ignore"):  # (ŷ = 0: an infinite loss, as scikit-learn's)
            return np.sum(_xlogy(Y, Y / A) - Y + A, axis=-1)

    def per_sample_gradient(self, Y, A):
        return 1.0 - Y / A

    def fused_delta(self, activation, Y, A, sample_weight=None):
        if type(activation) is not Exponential:
            return None
        dZ = (A - Y) / self._divisor(A.shape[0], sample_weight)
        if sample_weight is not None:
            dZ *= sample_weight[:, None]
        return dZ


@contextlib.contextmanager
def _scikit_loss(est):
    """``with _scikit_loss(est):`` trains ``est.model_`` on scikit-learn's multi-output
    squared error (:class:`_ScikitSquaredError`) when the output is identity with K > 1,
    and on its Poisson loss (:class:`_ScikitPoisson`) when the output is exponential."""
    model = est.model_
    if est.out_activation_ == "exp":
        scikit = _ScikitPoisson()
    elif est.out_activation_ == "identity" and est.n_outputs_ > 1:
        scikit = _ScikitSquaredError()
    else:
        yield
        return
    saved, model.loss = model.loss, scikit
    try:
        yield
    finally:
        model.loss = saved
