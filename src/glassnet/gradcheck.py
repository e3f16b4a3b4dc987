"""Finite-difference check of backpropagation (SPEC A9).

Compares every gradient of :meth:`Sequential.gradients` with central
differences ``(J(w + ε) − J(w − ε)) / 2ε`` computed in float64, and reports,
per parameter tensor, the relative error ``‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)``.

It is 0 where the difference is within the finite differences' own rounding
noise: each ``J`` is exact only to about ``u·|J|`` (``u`` = 2.2e-16), so each
estimate carries an error near ``u·|J|/ε``, and a tensor of ``m`` entries
``√m`` times that (:data:`NOISE_FACTOR` times it is allowed). Where ``J``
itself is computed with cancellation (``1 − p`` of a confident output, ``x − μ``
in batch normalization after a large offset) its rounding is far above
``u·|J|``; so each entry is also differenced with step ``2ε``, and a tensor
agrees when ``‖g − ĝ‖`` is within :data:`NOISE_FACTOR` times the norm of the two
estimates' spread (their truncation and rounding, measured; a wrong gradient
is off by about ``‖g‖`` and stays visible). Without this, a
correct tensor whose gradients are tiny (a saturated sigmoid's bias, ‖g‖ ≈
4e-6) showed a "relative error" of 1e-5 made of noise alone. It is also 0 when
both norms are below ``atol`` (a gradient that is exactly zero, such as a bias
feeding batch normalization). Dropout masks are frozen during the check and
batch normalization runs in training mode, exactly as in a training step; a
SpectralNormalization's kernel is normalized once, by the first training pass, and
then kept (its backward pass is a Dense's at that kernel).

At a kink (a ReLU's ``z`` exactly 0, as for seed 001's XOR input (0, 0) with zero
biases) the slopes left and right of ``w`` differ, and the central difference is
their mean, no derivative: there any value between the two one-sided slopes is a
subgradient, backpropagation's one-sided one included, and is accepted
(``at_kinks`` counts those entries). The analytic gradients are those of a second
backward pass, the buffer cleared before the first only, as ``fit`` leaves it: a
layer that adds into its gradients instead of setting them shows twice its gradient.

One known mismatch: a sigmoid or softmax output trained with cross-entropy uses
the fused ``δ = a − y``, while the loss clips probabilities to ``[ε, 1 − ε]``
(Keras's). Where an output saturates (|z| beyond ~16 in float64) the clipped loss
is flat and the check reports a large error although training is right; the
exact check there uses a linear output with ``from_logits=True``.

For a function of your own, ``f(x) -> number`` (a student's layer, loss or activation),
:func:`glassnet.descent.numerical_gradient` gives its gradient by finite differences in float64.
"""

import copy
from dataclasses import dataclass, field

import numpy as np

from . import backend
from ._validation import check_array, check_compiled_model, check_number, on_host

__all__ = ["check_gradients", "GradientCheckResult", "NOISE_FACTOR"]

#: differences up to this many times the estimated rounding noise count as agreement
NOISE_FACTOR = 10


@dataclass
class GradientCheckResult:
    """``errors``: ``{"layer/param": relative error}``; ``max_error``: the worst;
    ``within_noise``: the tensors whose difference is below the finite
    differences' rounding noise (their error is 0); ``at_kinks``: ``{"layer/param":
    count}`` of the entries at a kink (a ReLU's z exactly 0), where the numeric
    entry is the analytic one if it lies between the slopes left and right of w."""

    errors: dict
    analytic: dict
    numeric: dict
    within_noise: tuple = ()
    at_kinks: dict = field(default_factory=dict)

    @property
    def max_error(self):
        return max(self.errors.values(), default=0.0)

    def passed(self, tolerance=1e-6):
        """Whether every tensor's relative error is below ``tolerance`` (a positive number)."""
        return self.max_error < check_number(tolerance, "tolerance", low=0, low_open=True)

    def difference(self):
        """Ng's gradient-checking figure (Deep Learning Specialization, course 2): ``‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)``
        of all the analytic and numeric gradients at once, the noise included (``errors`` is per tensor and 0
        within the noise). A right gradient gives about 1e-9 at ``epsilon=1e-7`` (his threshold: 2e-7); one
        tensor's gradient doubled gives up to 1/3, by its share of the norm. CS231n's ``rel_error`` is entry by
        entry, the worst of a tensor: ``np.max(np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n)))``
        for ``a, n`` in ``zip(r.analytic.values(), r.numeric.values())``."""
        g, n = (np.concatenate([np.ravel(v) for v in d.values()] or [np.zeros(0)])
                for d in (self.analytic, self.numeric))
        norms = np.linalg.norm(g) + np.linalg.norm(n)
        return float(np.linalg.norm(g - n) / norms) if norms else 0.0

    def __str__(self):
        lines = [f"{'tensor':30s} relative error"]
        lines += [f"{name:30s} {err:.3e}" for name, err in self.errors.items()]
        if self.within_noise:
            lines.append("(0: the two gradients differ by less than the finite differences' rounding noise; "
                         "difference() gives Ng's ‖g − ĝ‖/(‖g‖ + ‖ĝ‖) of all of them, noise included)")
        if self.at_kinks:
            lines.append(f"({sum(self.at_kinks.values())} entries at a kink, such as a ReLU's z = 0, where the slopes "
                         "left and right of w differ: any value between them is a subgradient, and was accepted)")
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle):  # a notebook cell's result (IPython) shows the table, as print(); repr() keeps the fields
        p.text(str(self))


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
        A compiled model (its loss is used), built on first use as ``fit`` does (the weights
        ``fit`` would draw); its weights and state are otherwise not modified.
    X, y : array-like
        A small batch (every parameter costs two forward passes).
    epsilon : float
        The finite-difference step, in (0, 1e-2] (each entry is also differenced at ``2ε``,
        four forward passes per parameter, to measure the estimate's error).
    sample_weight : array-like of shape (n,), optional
        Weights of the rows in the loss, as ``fit``'s (both gradients are of the weighted loss).
    atol : float
        Tensors whose analytic and numeric gradient norms are both below this
        count as agreeing (error 0).

    Returns
    -------
    GradientCheckResult
    """
    if not hasattr(model, "layers") or not hasattr(model, "_prepare_xy"):  # check_compiled_model's test, with advice
        from .layers import Layer

        if isinstance(model, Layer):
            how = (" For one layer, put it in a model: Sequential([Input(shape), layer]), compiled with a loss "
                   "(a layer's own forward and backward: see docs/lectures.md, Grading with glassnet).")
        elif callable(model):
            how = (" For a function f(x) -> number, glassnet.descent.numerical_gradient(f, x) gives its gradient "
                   "by finite differences, to compare with yours.")
        else:
            how = ""
        raise TypeError(f"model must be a glassnet model (Sequential or Model).{how} Received: "
                        f"{type(model).__name__}")
    check_compiled_model(model, "check_gradients")
    model._check_namespace()
    # the step: above 1e-2 the difference quotient measures curvature, not the gradient
    epsilon = check_number(epsilon, "epsilon", low=0, high=1e-2, low_open=True)
    atol = check_number(atol, "atol", low=0)
    X = check_array(on_host(X), "X", ndim=2, dtype=np.float64, allow_nd=True)
    if not model.built:
        model.build((None, *X.shape[1:]))
    net = _float64_copy(model)
    X, Y, w = net._prepare_xy(X, y, sample_weight, names=("X", "y"), what="check_gradients")  # its argument is X
    X, Y, w = backend.to_namespace(X, Y, w)  # the check runs in the model's namespace

    # One training forward pass draws the dropout masks; then freeze them.
    net.forward(X, training=True)
    dropouts = [l for l in net.layers if hasattr(l, "fixed_mask")]
    for layer in dropouts:
        layer.fixed_mask = layer.mask
    # That pass also normalized each SpectralNormalization's kernel, in place, as a training step does
    # before its backward pass; the check is of that backward pass, at that kernel: keep it.
    spectral = [l for l in net.layers if hasattr(l, "fixed_kernel")]
    for layer in spectral:
        layer.fixed_kernel = True
    # Batch-norm running statistics must not drift during the check.
    saved_state = [{k: backend.copy(v) for k, v in l.state.items()} for l in net.layers]

    def loss_at():
        A = net.forward(X, training=True)
        for layer, state in zip(net.layers, saved_state):
            for k, v in state.items():
                layer.state[k][...] = v
        return net.compute_loss(y=Y, y_pred=A, sample_weight=w)

    # Two backward passes, the buffer cleared before the first only, as fit leaves it between steps: a layer
    # whose backward adds into its gradients (grads["W"] += ...) instead of setting them shows twice its gradient
    # (the check cleared the buffer and found nothing wrong, while fit trained on the sum of every step's)
    net._flat_grads[...] = 0
    for _ in range(2):
        A = net.forward(X, training=True)
        net.backward(Y, A, w)
    analytic_flat = backend.numpy_copy(net._flat_grads)

    params = net._flat_params
    at_w = loss_at()
    noise_per_entry = NOISE_FACTOR * np.finfo(np.float64).eps * abs(at_w) / epsilon
    numeric_flat = np.empty(params.shape[0])
    spread_flat = np.empty(params.shape[0])  # |difference at ε − difference at 2ε|: the estimate's own error
    kinks = np.zeros(params.shape[0], dtype=bool)
    for i in range(params.shape[0]):
        old = float(params[i])
        values = []
        for step in (epsilon, -epsilon, 2 * epsilon, -2 * epsilon):
            params[i] = old + step
            values.append(loss_at())
        params[i] = old
        numeric_flat[i] = (values[0] - values[1]) / (2 * epsilon)
        spread_flat[i] = abs(numeric_flat[i] - (values[2] - values[3]) / (4 * epsilon))
        # a kink at w itself (a ReLU's z exactly 0): the slopes left and right of w differ by far more than the
        # slopes beside them; any value between the two is a (sub)gradient, backpropagation's one-sided one too
        right, left = (values[0] - at_w) / epsilon, (at_w - values[1]) / epsilon
        bend = abs((values[2] - values[0]) / epsilon - right) + abs(left - (values[1] - values[3]) / epsilon)
        if abs(right - left) > 4 * bend + 2 * noise_per_entry:
            kinks[i] = True
            slack = bend + noise_per_entry  # (the one-sided slopes' own error: ε times the curvature beside w)
            low, high = min(left, right) - slack, max(left, right) + slack
            numeric_flat[i] = min(max(float(analytic_flat[i]), low), high)
            spread_flat[i] = 0.0

    errors, analytic, numeric, quiet, at_kinks = {}, {}, {}, [], {}
    k = 0
    for layer in net.layers:
        for key, value in layer.params.items():
            part = net._slices[k]
            k += 1
            a, n = analytic_flat[part].reshape(value.shape), numeric_flat[part].reshape(value.shape)
            norm_a, norm_n = np.linalg.norm(a), np.linalg.norm(n)
            name = f"{layer.name}/{key}"
            difference = np.linalg.norm(a - n)
            # entry by entry, each allowed its own spread or the tensor's median one (a spread is a noisy measure
            # of the noise, by chance small): the norm of the spreads let one entry whose 2ε step crossed a kink
            # excuse a whole tensor that was 20 % off
            spread = spread_flat[part]
            allowed = np.maximum(noise_per_entry, NOISE_FACTOR * np.maximum(spread, np.median(spread)))
            within_noise = bool(np.all(np.abs(a - n).reshape(-1) <= allowed))
            both_zero = norm_a < atol and norm_n < atol
            errors[name] = 0.0 if both_zero or within_noise else float(difference / (norm_a + norm_n))
            if within_noise and not both_zero:
                quiet.append(name)
            if kinks[part].any():
                at_kinks[name] = int(kinks[part].sum())
            analytic[name], numeric[name] = a, n
    for layer in dropouts:
        layer.fixed_mask = None
    for layer in spectral:
        layer.fixed_kernel = False
    return GradientCheckResult(errors, analytic, numeric, tuple(quiet), at_kinks)
