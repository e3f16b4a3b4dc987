"""Finite-difference check of backpropagation (SPEC A9).

Compares every gradient of :meth:`Sequential.gradients` with central
differences ``(J(w + ε) − J(w − ε)) / 2ε`` computed in float64, and reports,
per parameter tensor, the relative error ``‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)``
(0 when both norms are below ``atol``: a gradient that is exactly zero,
such as a bias feeding batch normalization, has only round-off noise as its
numeric estimate). Dropout masks are frozen during the check and
batch normalization runs in training mode, exactly as in a training step.
"""

import copy
from dataclasses import dataclass

import numpy as np

from . import backend


@dataclass
class GradientCheckResult:
    """``errors``: ``{"layer/param": relative error}``; ``max_error``: the worst."""

    errors: dict
    analytic: dict
    numeric: dict

    @property
    def max_error(self):
        return max(self.errors.values(), default=0.0)

    def passed(self, tolerance=1e-6):
        return self.max_error < tolerance

    def __str__(self):
        lines = [f"{'tensor':30s} relative error"]
        lines += [f"{name:30s} {err:.3e}" for name, err in self.errors.items()]
        return "\n".join(lines)


def _float64_copy(model):
    """The same network in float64, with the same weights, loss and layers
    (custom activations and initializers included)."""
    net = copy.deepcopy(model)
    net.dtype = "float64"
    for layer in net.layers:
        layer.dtype = "float64"
        layer.params = {k: backend.astype(v, "float64") for k, v in layer.params.items()}
        layer.state = {k: backend.astype(v, "float64") for k, v in layer.state.items()}
    net._bind_flat_buffers()
    return net


def check_gradients(model, X, y, epsilon=1e-6, sample_weight=None, atol=1e-8):
    """Compare backpropagation with central differences on ``(X, y)``.

    Parameters
    ----------
    model : Sequential
        A compiled model (its loss is used); it is not modified.
    X, y : array-like
        A small batch (every parameter costs two forward passes).
    epsilon : float
        The finite-difference step.
    atol : float
        Tensors whose analytic and numeric gradient norms are both below this
        count as agreeing (error 0).

    Returns
    -------
    GradientCheckResult
    """
    if not model.compiled:
        raise ValueError("check_gradients needs a compiled model (it uses the model's loss).")
    X = np.asarray(X, dtype=np.float64)
    if not model.built:
        model.build(X.shape[1:])
    net = _float64_copy(model)
    X, Y, w = net._prepare_xy(X, y, sample_weight)
    if not backend.is_numpy():  # the check runs in the model's namespace
        X, Y, w = backend.from_numpy(X), backend.from_numpy(Y), None if w is None else backend.from_numpy(w)

    # One training forward pass draws the dropout masks; then freeze them.
    net.forward(X, training=True)
    dropouts = [l for l in net.layers if hasattr(l, "fixed_mask")]
    for layer in dropouts:
        layer.fixed_mask = layer.mask
    # Batch-norm running statistics must not drift during the check.
    saved_state = [{k: backend.copy(v) for k, v in l.state.items()} for l in net.layers]

    def loss_at():
        A = net.forward(X, training=True)
        for layer, state in zip(net.layers, saved_state):
            for k, v in state.items():
                layer.state[k][...] = v
        return net.compute_loss(Y, A, w)

    net._flat_grads[...] = 0
    A = net.forward(X, training=True)
    net.backward(Y, A, w)
    analytic_flat = backend.numpy_copy(net._flat_grads)

    params = net._flat_params
    numeric_flat = np.empty(params.shape[0])
    for i in range(params.shape[0]):
        old = float(params[i])
        params[i] = old + epsilon
        plus = loss_at()
        params[i] = old - epsilon
        minus = loss_at()
        params[i] = old
        numeric_flat[i] = (plus - minus) / (2 * epsilon)

    errors, analytic, numeric = {}, {}, {}
    k = 0
    for layer in net.layers:
        for key, value in layer.params.items():
            part = net._slices[k]
            k += 1
            a, n = analytic_flat[part].reshape(value.shape), numeric_flat[part].reshape(value.shape)
            norm_a, norm_n = np.linalg.norm(a), np.linalg.norm(n)
            name = f"{layer.name}/{key}"
            both_zero = norm_a < atol and norm_n < atol
            errors[name] = 0.0 if both_zero else float(np.linalg.norm(a - n) / (norm_a + norm_n))
            analytic[name], numeric[name] = a, n
    for layer in dropouts:
        layer.fixed_mask = None
    return GradientCheckResult(errors, analytic, numeric)
