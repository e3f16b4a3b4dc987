"""Hand-wired threshold units and networks (SPEC C3).

A threshold unit (seed 001) decides

    y = h(z),  z = x·w + b,  b = −threshold,
    h(z) = 1 if z ≥ 0 else 0        (step, inputs 0/1)
    h(z) = +1 if z ≥ 0 else −1      (sign, bipolar inputs ±1)

Seed 001's cheese festival ("go if any two of three factors hold") is
``ThresholdUnit([1, 1, 1], threshold=2)``; AND is ``ThresholdUnit([1, 1], bias=-2)``
with z = −2, −1, −1, 0. No single unit computes XOR; :func:`xor_network`
wires seed 003's two-layer network of sign units that does.
"""

from dataclasses import dataclass, field

import numpy as np

from .._validation import check_array, check_number
from .perceptron import net_input, zero_within_rounding

__all__ = ["ThresholdUnit", "ThresholdNetwork", "TruthTable", "xor_network"]


def _net(X, W, b):
    """z = x·w + b, a z within the rounding of its terms of 0 being 0: the unit fires at
    x·w = θ (seed 001's ≥), which decimal weights miss in binary floating point
    (0.3 + 0.6 − 0.9 = −1.1e-16 said "does not fire")."""
    return zero_within_rounding(net_input(X, W, b), X, W, b)

_ACTIVATIONS = {
    # h(0) = 1: the seed's "≥ threshold" decides "Yes" at equality.
    "step": (lambda Z: (Z >= 0).astype(np.float64), (0, 1)),
    "sign": (lambda Z: np.where(Z >= 0, 1.0, -1.0), (-1, 1)),
}


MAX_TABLE_INPUTS = 20  # a truth table of 2**20 rows (a million) at most


def _all_inputs(levels, n, name):
    """All 2**n combinations of the two levels, in counting order (the first input slowest).

    ``name`` is the argument that fixed n, for the message when the table would be too large."""
    if n > MAX_TABLE_INPUTS:
        raise ValueError(
            f"A truth table of {n} inputs has 2**{n} rows; at most {MAX_TABLE_INPUTS} inputs are supported. "
            f"Received {name} for {n} inputs."
        )
    bits = (np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1
    return np.where(bits == 1, levels[1], levels[0]).astype(np.float64)


def _activation(name):
    if not isinstance(name, str) or name not in _ACTIVATIONS:
        raise ValueError(f"activation must be 'step' or 'sign'. Received: activation={name!r}")
    return _ACTIVATIONS[name]


class _Thresholded:
    """The activation ``h`` with h(0) = ``at_zero``, for units and networks alike."""

    def _set_activation(self, activation, at_zero):
        self._h, self.levels = _activation(activation)
        self.at_zero = check_number(at_zero, "at_zero", low=self.levels[0], high=self.levels[1])
        self.activation = activation

    def h(self, Z):
        """The activation, with h(0) = ``at_zero``."""
        Y = self._h(Z)
        return Y if self.at_zero == 1 else np.where(Z == 0, self.at_zero, Y)


@dataclass
class TruthTable:
    """All input combinations with the net input z and the output y of each unit.

    Attributes
    ----------
    inputs : ndarray, shape (2**n, n)
        Rows in the seeds' order: (0, 0), (0, 1), (1, 0), (1, 1) for two inputs.
    z : ndarray, shape (2**n,) or (2**n, units)
        Net input x·w + b of the output unit(s).
    y : ndarray, same shape as z
        Output h(z).
    hidden : list of ndarray
        (z, y) of each hidden layer, for networks.
    """

    inputs: np.ndarray
    z: np.ndarray
    y: np.ndarray
    hidden: list = field(default_factory=list)

    @property
    def columns(self):
        n = self.inputs.shape[1]
        cols = [f"x_{i + 1}" for i in range(n)]
        for layer, (Zh, _) in enumerate(self.hidden, start=1):
            cols += [f"h{layer}_{j + 1}" for j in range(Zh.shape[1])]
        if self.z.ndim == 2:  # several output units: z_1, z_2, ..., y_1, y_2, ...
            units = range(1, self.z.shape[1] + 1)
            return cols + [f"z_{j}" for j in units] + [f"y_{j}" for j in units]
        return cols + ["z", "y"]

    def rows(self):
        """The table as a list of tuples, one per input combination, in :attr:`columns` order."""
        parts = [self.inputs] + [Yh for _, Yh in self.hidden] + [self.z.reshape(len(self.inputs), -1),
                                                                  self.y.reshape(len(self.inputs), -1)]
        return [tuple(float(v) for v in row) for row in np.hstack(parts)]

    def __str__(self):
        fmt = lambda v: str(int(v)) if float(v).is_integer() else f"{v:g}"
        lines = ["\t".join(self.columns)] + ["\t".join(fmt(v) for v in row) for row in self.rows()]
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle):  # a notebook cell's result (IPython) shows the table, as print(); repr() keeps the fields
        p.text(str(self))


class ThresholdUnit(_Thresholded):
    """One neuron with hand-set weights: y = h(x·w + b).

    Parameters
    ----------
    weights : array-like, shape (n_inputs,)
    threshold : float or None
        Fire when x·w ≥ threshold (so b = −threshold). Give this or ``bias``.
    bias : float or None
        b; the default (neither given) is b = 0.
    activation : {"step", "sign"}
        h(z) = [z ≥ 0] with 0/1 inputs, or sgn with sgn(0) = +1 and ±1 inputs.
    at_zero : float
        h(0), the output when x·w = threshold exactly, between the activation's two
        levels (as :class:`glassnet.activations.Step`'s): 1, the default, is seed 001's
        "≥ threshold"; ``at_zero=0`` is seed 002's step, "1 when value > 0, 0 otherwise"
        (AND as ``ThresholdUnit([1, 1], bias=-1, at_zero=0)``).
    """

    def __init__(self, weights, threshold=None, bias=None, activation="step", at_zero=1.0):
        w = check_array(weights, "weights", ndim=None, dtype=np.float64, allow_empty=True)
        if w.ndim != 1 or len(w) == 0:  # (check_array's message speaks of samples)
            raise ValueError(f"weights must be a 1-D list of one weight per input, such as [1, 1]. "
                             f"Received an array of shape {w.shape}.")
        if threshold is not None and bias is not None:
            raise ValueError(
                f"Give threshold or bias, not both (bias = −threshold). "
                f"Received: threshold={threshold!r}, bias={bias!r}"
            )
        if threshold is not None:
            b = -check_number(threshold, "threshold")
        else:
            b = 0.0 if bias is None else check_number(bias, "bias")
        self._set_activation(activation, at_zero)
        self.weights, self.bias = w, b

    @property
    def threshold(self):
        return -self.bias

    def _check_X(self, X):
        X = check_array(X, "X", ndim=None, dtype=np.float64)
        X2 = np.atleast_2d(X)
        if X2.ndim != 2 or X2.shape[1] != len(self.weights):
            raise ValueError(
                f"X must have {len(self.weights)} input(s) per row to match weights. Received shape {X.shape}."
            )
        return X2

    def net_input(self, X):
        """z = x·w + b, shape (n_samples,)."""
        return _net(self._check_X(X), self.weights, self.bias)

    def predict(self, X):
        """y = h(z), shape (n_samples,)."""
        return self.h(self.net_input(X))

    __call__ = predict

    def truth_table(self):
        """z and y for every combination of the inputs' two levels (0/1 for step, ±1 for sign)."""
        X = _all_inputs(self.levels, len(self.weights), "weights")
        Z = _net(X, self.weights, self.bias)
        return TruthTable(X, Z, self.h(Z))

    def __repr__(self):
        at_zero = "" if self.at_zero == 1 else f", at_zero={self.at_zero:g}"
        return (f"ThresholdUnit(weights={self.weights.tolist()}, bias={self.bias:g}, "
                f"activation={self.activation!r}{at_zero})")


class ThresholdNetwork(_Thresholded):
    """Layers of hand-wired threshold units: A^(l+1) = h(A^(l) W^(l) + b^(l)).

    Parameters
    ----------
    layers : list of (W, b)
        W of shape (n_in, n_out), b of shape (n_out,).
    activation : {"step", "sign"}
    at_zero : float
        h(0) of every unit, as :class:`ThresholdUnit`'s: 1 (the default) fires at
        z = 0, ``at_zero=0`` is seed 002's step ("1 when value > 0").
    """

    def __init__(self, layers, activation="sign", at_zero=1.0):
        self._set_activation(activation, at_zero)
        self.layers = []
        if not isinstance(layers, (list, tuple)) or len(layers) == 0:
            raise (TypeError if not isinstance(layers, (list, tuple)) else ValueError)(
                f"layers must be a non-empty list of (W, b) pairs. Received: layers={layers!r:.100}"
            )
        n_in = None
        for k, layer in enumerate(layers):
            if not isinstance(layer, (list, tuple)) or len(layer) != 2:
                raise ValueError(f"layers[{k}] must be a pair (W, b). Received: {layer!r:.100}")
            W, b = layer
            W = check_array(W, f"layers[{k}] weights", ndim=None, dtype=np.float64)
            b = check_array(b, f"layers[{k}] bias", ndim=None, dtype=np.float64)
            # (check_array's message for a wrong ndim speaks of samples and features)
            if W.ndim != 2 or b.ndim != 1 or b.shape != (W.shape[1],) or (n_in is not None and W.shape[0] != n_in):
                raise ValueError(
                    f"layers[{k}] has weights of shape {W.shape} and bias of shape {b.shape}; "
                    f"expected ({n_in if n_in is not None else 'n_in'}, n_out) and (n_out,)."
                )
            self.layers.append((W, b))
            n_in = W.shape[1]

    def __repr__(self):
        """As :class:`ThresholdUnit`'s: the layers' weights and biases (``ThresholdNetwork(layers=[([[1.0, -1.0],
        [-1.0, 1.0]], [-1.0, -1.0]), ...], activation='sign')``); for more than 64 numbers, the units per layer."""
        at_zero = "" if self.at_zero == 1 else f", at_zero={self.at_zero:g}"
        if sum(W.size + b.size for W, b in self.layers) <= 64:
            layers = "[" + ", ".join(f"({W.tolist()}, {b.tolist()})" for W, b in self.layers) + "]"
        else:
            units = [self.layers[0][0].shape[0], *(W.shape[1] for W, _ in self.layers)]
            layers = f"<{len(self.layers)} layers of {'-'.join(map(str, units))} units>"
        return f"ThresholdNetwork(layers={layers}, activation={self.activation!r}{at_zero})"

    def forward(self, X):
        """Return the (Z, A) pair of every layer; A of the last is the output.
        ``X`` is (n_samples, n_inputs), or one sample (n_inputs,) as for :class:`ThresholdUnit`."""
        X = check_array(X, "X", ndim=None, dtype=np.float64)
        A = np.atleast_2d(X)
        if A.ndim != 2 or A.shape[1] != self.layers[0][0].shape[0]:
            raise ValueError(
                f"X must have {self.layers[0][0].shape[0]} input(s) per row to match layers[0]. "
                f"Received shape {X.shape}."
            )
        out = []
        for W, b in self.layers:
            Z = _net(A, W, b)
            A = self.h(Z)
            out.append((Z, A))
        return out

    @classmethod
    def from_truth_table(cls, y, activation="step"):
        """A network with one hidden layer that computes any boolean function (seed 001:
        "Every boolean function can be represented by network with single hidden layer
        ... but might require exponential (in number of inputs) hidden units").

        ``y`` lists the output for every input in :meth:`truth_table`'s order ((0, 0),
        (0, 1), (1, 0), (1, 1) for two inputs), in the activation's levels (0/1 for step,
        ±1 for sign). Each hidden unit fires for one input ``m`` with output 1 and for no
        other: weights ±1 (+1 where ``m`` is on), bias ½ − (number of ones in ``m``) (step;
        z = ½ − the count of inputs that differ from ``m``) or 1 − n (sign; z = 1 − 2·that count).
        The output unit ORs them. So it needs as many hidden units as ``y`` has ones: up to
        2**n, 2**(n−1) for parity. (A function that is never 1 gets one unit that never fires.)
        No z is ever 0, so the result does not depend on the convention for h(0)."""
        h, levels = _activation(activation)
        Y = check_array(y, "y", ndim=1, dtype=np.float64)
        n = len(Y).bit_length() - 1
        if len(Y) < 2 or len(Y) != 2**n:
            raise ValueError(f"y must give one output per row of a truth table: 2**n values for n inputs "
                             f"(4 for two). Received {len(Y)} values.")
        if not np.isin(Y, levels).all():
            raise ValueError(f"y must hold the outputs {levels[0]} and {levels[1]} of {activation!r} units. "
                             f"Received the values {np.unique(Y).tolist()[:10]}.")
        step = activation == "step"
        M = _all_inputs(levels, n, "y")[Y == levels[1]]  # the inputs m whose output is 1
        W1 = np.where(M == levels[1], 1.0, -1.0).T
        b1 = 0.5 - M.sum(axis=1) if step else np.full(len(M), 1.0 - n)
        if len(M) == 0:  # never 1: one hidden unit that never fires
            W1, b1 = np.zeros((n, 1)), np.array([-0.5 if step else -1.0])
        k = W1.shape[1]
        b2 = np.array([-0.5 if step else k - 1.0])  # fire when one hidden unit fires
        return cls([(W1, b1), (np.ones((k, 1)), b2)], activation=activation)

    def predict(self, X):
        """Network output, shape (n_samples,) for one output unit."""
        A = self.forward(X)[-1][1]
        return A[:, 0] if A.shape[1] == 1 else A

    __call__ = predict

    def truth_table(self):
        """Outputs, with every hidden layer's z and y, for all input combinations."""
        X = _all_inputs(self.levels, self.layers[0][0].shape[0], "layers[0] weights")
        layers = self.forward(X)
        Z, Y = layers[-1]
        squeeze = (lambda M: M[:, 0]) if Z.shape[1] == 1 else (lambda M: M)
        return TruthTable(X, squeeze(Z), squeeze(Y), hidden=layers[:-1])


def xor_network():
    """Seed 003's two-layer sign network solving XOR in bipolar encoding.

    Hidden units fire for exactly one of the two mixed inputs,
    h1 = sgn(x1 − x2 − 1) for (+1, −1) and h2 = sgn(−x1 + x2 − 1) for (−1, +1);
    the output ORs them, y = sgn(h1 + h2 + 1). No z is ever 0, so the
    result does not depend on the convention for sgn(0).
    (The seed's matrix X repeats the row (−1, 1); the XOR points are the four
    corners (±1, ±1), labelled +1 where the signs differ.)
    """
    W1 = np.array([[1.0, -1.0], [-1.0, 1.0]])
    b1 = np.array([-1.0, -1.0])
    W2 = np.array([[1.0], [1.0]])
    b2 = np.array([1.0])
    return ThresholdNetwork([(W1, b1), (W2, b2)], activation="sign")
