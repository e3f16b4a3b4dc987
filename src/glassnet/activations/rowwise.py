"""The activations along the last axis, each output depending on its whole row: softmax and
log-softmax (along any axis), sparsemax and argmax (a row to a distribution) and GLU (a row halved)."""

import numpy as np

from .._validation import check_number
from ..backend import _FLOAT32, _FLOAT64, astype, get_namespace, numpy_dtype
from .base import Activation, _logistic, _Normalising


#: Softmax skips the shift by the row maximum when every logit lies in
#: [-SOFTMAX_SAFE, SOFTMAX_SAFE]: e^64 ≈ 6e27, so neither one term nor a sum of
#: up to 10^10 of them overflows float32, and e^-64 ≈ 2e-28 is still a normal
#: number. Outside that range (or with NaN) the shifted formula runs.
SOFTMAX_SAFE = 64.0


class Softmax(_Normalising):
    """Row-wise ``softmax(z)_i = e^{β z_i} / Σ_j e^{β z_j}`` (seed 000), ``β > 0`` (β = ``beta``). When a
    logit lies outside ±:data:`SOFTMAX_SAFE`, each row is shifted by its maximum
    first, so it never overflows; inside that range the formula is computed as it
    stands (equally accurate, and faster). As β → ∞ it tends to :class:`Argmax`.

    The Jacobian is ``β (diag(a) - a aᵀ)``, so ``dZ = β a ⊙ (dA - Σ_j dA_j a_j)``.
    ``axis`` (Keras's): the axis or axes each distribution lies along, the last by default.
    """

    name = "softmax"
    output_range = (0.0, 1.0)

    def __init__(self, beta=1.0, axis=-1):
        self.beta = check_number(beta, "beta", low=0, low_open=True)
        super().__init__(axis)

    def forward(self, Z, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._forward_moved(axes, Z, out)
        # NumPy logits of float32/64 (a training step's) need neither the namespace nor the float16 test
        plain = type(Z) is np.ndarray and (Z.dtype is _FLOAT32 or Z.dtype is _FLOAT64)
        xp = np if plain else get_namespace(Z)
        if not plain and numpy_dtype(Z) == np.float16:  # (torch's float16 too: its softmax of a logit of 15 was NaN)
            # e^z overflows float16 above z = 11 (and β z sooner): computed in float32
            A = astype(self.forward(astype(Z, "float32"), last=True), "float16")
            if out is None:
                return A
            out[...] = A
            return out
        if self.beta != 1.0 and 0 not in Z.shape:
            # shifted before the scaling: β z overflows for a large finite β (β = 1e308: inf - inf = NaN),
            # β (z - max z) ≤ 0 does not, and tends to Argmax as it should
            big = float(np.finfo(np.result_type(numpy_dtype(Z), np.float32)).max)  # (β = inf in float32: 0 · inf = NaN)
            # to -inf, whose e^z is the 0 it stands for; a row with +inf is NaN (inf - inf), as torch's, quietly
            with np.errstate(over="ignore", invalid="ignore"):
                Z = (Z - xp.max(Z, axis=-1, keepdims=True)) * min(self.beta, big)
        numpy = plain or isinstance(Z, np.ndarray)
        safe = True  # an empty array has nothing to overflow (and no maximum)
        shift = None  # (unsafe: each row's maximum)
        if 0 not in Z.shape and numpy:
            # NumPy's ufunc reductions called directly: Z.min() and Z.max() go through Python
            # wrappers (~2 µs each here), a few % of a small network's step. |z| ≤ SAFE for
            # all z is the same test (NaN fails both); |Z| goes into the output buffer,
            # which exp overwrites next (not when the output is Z itself: inference in place).
            # Two arrays that own their memory, as a training step's Z and A buffers, cannot
            # overlap: np.may_share_memory (0.2 µs) is asked only about views
            apart = out is not None and out is not Z and (
                out.base is None and Z.base is None or not np.may_share_memory(out, Z))
            scratch = np.abs(Z, out=out) if apart else np.abs(Z)
            safe = float(np.maximum.reduce(scratch, axis=None)) <= SOFTMAX_SAFE
        elif 0 not in Z.shape:  # other namespaces: decided on the device (float() of it waited for the
            # device twice a step); a shift of 0 where every logit is safe is NumPy's arithmetic exactly
            shift = xp.max(Z, axis=-1, keepdims=True)
            shift = xp.where(xp.max(xp.abs(Z)) <= SOFTMAX_SAFE, xp.zeros_like(shift), shift)
            safe = False
        if safe:
            # No logit can overflow e^z or make it subnormal: the formula as it
            # stands, without the row maxima (a slow reduction over short rows).
            E = xp.exp(Z, out=out)
        else:
            # a row with +inf is NaN (inf - inf), as torch's, and logits spanning more than the dtype's range give
            # −inf (then 0), without a warning
            with np.errstate(invalid="ignore", over="ignore"):
                E = xp.subtract(Z, xp.max(Z, axis=-1, keepdims=True) if shift is None else shift, out=out)
            xp.exp(E, out=E)
        E /= np.add.reduce(E, axis=-1, keepdims=True) if numpy else xp.sum(E, axis=-1, keepdims=True)
        return E

    def derivative(self, Z, A):
        """The Jacobian's diagonal only, ``∂a_i/∂z_i = β a_i (1 − a_i)``, elementwise: each output
        depends on the whole row, so this is not the gradient (:meth:`backward` applies the full
        Jacobian). The full one of a row ``a`` is ``β (np.diag(a) − np.outer(a, a))``."""
        return self.beta * A * (1 - A)

    def backward(self, Z, A, dA, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._backward_moved(axes, Z, A, dA)
        xp = get_namespace(Z)
        return self.beta * A * (dA - xp.sum(dA * A, axis=-1, keepdims=True))

    def get_config(self):
        return {"beta": self.beta, **super().get_config()}


class LogSoftmax(_Normalising):
    """``log softmax(z)_i = z_i - log Σ_j e^{z_j}`` (seed 004's LogSoftMax) along ``axis``;
    ``dZ = dA - softmax(z) Σ_j dA_j``."""

    name = "log_softmax"
    output_range = (-float("inf"), 0.0)

    def forward(self, Z, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._forward_moved(axes, Z, out)
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits have no maximum: an empty result, as torch
            return xp.zeros_like(Z)
        if numpy_dtype(Z) == np.float16:
            # computed in float32, as Softmax: float16's log Σ e^(z − max) of 1 + 2e-4 read 1, and the
            # largest logit's −2.06e-4 came out as 0
            return astype(self.forward(astype(Z, "float32"), last=True), "float16")
        # a row with +inf is NaN (inf - inf), as torch's, and logits spanning more than the dtype's range give −inf,
        # without a warning
        with np.errstate(invalid="ignore", over="ignore"):
            shifted = Z - xp.max(Z, axis=-1, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))

    def derivative(self, Z, A):
        xp = get_namespace(Z)
        return 1 - xp.exp(A)

    def backward(self, Z, A, dA, out=None, last=False):
        if not last and self.axis != -1 and (axes := self._moved_axes(Z)) is not None:
            return self._backward_moved(axes, Z, A, dA)
        xp = get_namespace(Z)
        return dA - xp.exp(A) * xp.sum(dA, axis=-1, keepdims=True)


class Sparsemax(Activation):
    """Row-wise Euclidean projection onto the probability simplex (Martins & Astudillo 2016),
    Keras's ``sparsemax(x, axis=-1)``: ``sparsemax(z)_i = max(z_i - τ, 0)`` with ``τ`` such that
    the row sums to 1. With the row sorted, ``z_(1) >= z_(2) >= ...``,
    ``τ = max_k (Σ_{j<=k} z_(j) - 1) / k`` (the maximum is at k = the support's size).

    Keras 3.15's own function (every backend) takes τ from the sum of the cumulative sums over the
    support, which is the same only when one output is non-zero: its ``sparsemax([0.5, 0.4])`` is
    ``[0.3, 0.2]`` (summing to 0.5), the projection's ``[0.55, 0.45]``. glassnet computes the
    projection, equal to Keras's where the support has one element.

    Jacobian ``diag(s) - s sᵀ/|S|``, ``s`` the support's indicator (``A > 0``):
    ``dZ = s ⊙ (dA - Σ_{j∈S} dA_j / |S|)``. A row with NaN or +inf, or all -inf, is NaN, as softmax's.
    """

    name = "sparsemax"
    elementwise = False
    along_last_axis = True
    keras_arguments = ("axis",)
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits: an empty result, as softmax's
            return xp.zeros_like(Z)
        n = Z.shape[-1]
        k = astype(xp.arange(1, n + 1), Z.dtype)
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf in a row with +inf (or all -inf), NaN:
            # a NaN row, quietly. The row is shifted by its largest z first (the projection does not change):
            # τ = z_(1) − 1 rounded to z_(1) where 1 is below z_(1)'s spacing (float16 from z = 2048, float32
            # from 1.7e7), and every output was 0
            Z = Z - xp.max(Z, axis=-1, keepdims=True)
            descending = -xp.sort(-Z, axis=-1)
            cumulative = xp.cumulative_sum(descending, axis=-1) if xp is not np else np.cumsum(descending, axis=-1)
            tau = xp.max((cumulative - 1.0) / k, axis=-1, keepdims=True)
            A = xp.maximum(Z - tau, xp.zeros_like(Z))
        # τ is finite for every row without NaN, +inf or only -inf; those rows are NaN, as softmax's
        return xp.where(xp.isfinite(tau), A, xp.full_like(A, float("nan")))

    def derivative(self, Z, A):
        # The diagonal of the Jacobian; backward uses the full product.
        xp = get_namespace(Z)
        S = astype(A > 0, Z.dtype)
        return S * (1.0 - 1.0 / xp.maximum(xp.sum(S, axis=-1, keepdims=True), xp.ones_like(S[..., :1])))

    def backward(self, Z, A, dA, out=None):
        xp = get_namespace(Z)
        S = astype(A > 0, Z.dtype)
        size = xp.maximum(xp.sum(S, axis=-1, keepdims=True), xp.ones_like(S[..., :1]))
        dZ = S * (dA - xp.sum(S * dA, axis=-1, keepdims=True) / size)
        # A NaN row (NaN in, or +inf) gets NaN gradients, not the 0 of an empty support
        return xp.where(xp.isnan(A), A, dZ)


class Argmax(Activation):
    """One-hot argmax that splits ties: ``argmax(4, 3, 2, 4) = (.5, 0, 0, .5)``
    (seed 000); a row with a NaN is all NaN, as softmax's. Piecewise constant, so its
    derivative is 0."""

    piecewise_constant = True
    along_last_axis = True
    name = "argmax"
    output_range = (0.0, 1.0)

    def forward(self, Z, out=None):
        xp = get_namespace(Z)
        if Z.shape[-1] == 0:  # rows without logits have no maximum: an empty result
            return xp.zeros_like(Z)
        top = xp.max(Z, axis=-1, keepdims=True)
        hits = astype(Z == top, Z.dtype)
        count = xp.sum(hits, axis=-1, keepdims=True)
        # a row with a NaN has no maximum (NaN == NaN is False): no hits, and the row stays
        # NaN, its max, as softmax's, without NumPy's 0/0 warning
        return xp.where(count > 0, hits / (count + astype(count == 0, Z.dtype)), top)

    def derivative(self, Z, A):
        return get_namespace(Z).zeros_like(Z)


class GLU(Activation):
    """Gated linear unit (Keras's ``glu(x, axis=-1)``): the last axis split in halves ``a, b``,
    ``glu(z) = a ⊙ σ(b)``, half as wide as ``z``. Backward:
    ``dZ = [dA ⊙ σ(b), dA ⊙ a ⊙ σ(b)(1 - σ(b))]``.

    It computes as Keras's function (``glassnet.activations.glu(x)``); a layer's activation keeps
    its width (``Dense(units)`` gives ``units`` outputs, which its weights, buffers and the loss
    assume), so ``Dense(..., activation="glu")`` and ``Activation("glu")`` are refused: see
    :meth:`layer_refusal`."""

    name = "glu"
    elementwise = False
    along_last_axis = True
    keras_arguments = ("axis",)

    def layer_refusal(self):
        return ("glu halves its input's last axis (Dense(2k, activation='glu') would output k), and glassnet's "
                "layers keep their width; compute it as the function glassnet.activations.glu(x)")

    def __call__(self, x, *args, **options):
        # checked here, where x has its own shape: forward sees glu(x, axis=0)'s axis moved last
        axis = args[0] if args else options.get("axis", -1)
        shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
        if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool) and -len(shape) <= axis < len(shape):
            n = shape[axis]
            if isinstance(n, (int, np.integer)) and n % 2:
                raise ValueError(f"glu splits the axis in two halves: its size must be even. Received size {n} "
                                 f"along axis {axis} (x of shape {shape}).")
        return super().__call__(x, *args, **options)

    def _halves(self, Z):
        n = Z.shape[-1]
        if n % 2:
            raise ValueError(f"glu splits the axis in two halves: its size must be even. Received size {n} "
                             f"(x of shape {tuple(Z.shape)}).")
        return Z[..., : n // 2], Z[..., n // 2:]

    def forward(self, Z, out=None):
        a, b = self._halves(Z)
        with np.errstate(invalid="ignore"):  # ±inf · σ(∓inf) = ±inf · 0: NaN, quietly (no limit)
            return a * _logistic(b)

    def derivative(self, Z, A):
        raise ValueError("glu has no elementwise derivative: each output depends on two inputs, and there are "
                         "half as many outputs as inputs; GLU.backward(Z, A, dA) is its Jacobian product.")

    def backward(self, Z, A, dA, out=None):
        xp = get_namespace(Z)
        a, b = self._halves(Z)
        S = _logistic(b)
        with np.errstate(invalid="ignore"):
            return xp.concat([dA * S, dA * a * (S * (1.0 - S))], axis=-1)
