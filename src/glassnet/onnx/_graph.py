"""The onnx package, imported on demand, and the graph a model's nodes are collected in."""

import numpy as np

from ..backend import to_numpy


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "ONNX export requires the onnx package: pip install \"glassnet[onnx]\" (or pip install onnx)."
        ) from None
    return onnx


class _Graph:
    """Collects nodes and constant tensors with unique names.

    onnxruntime's NoopElimination removes ``x + c``, ``x − c``, ``x · c`` and ``x / c`` for a one-element
    constant ``c`` that it reads as 0 (Add, Sub) or 1 (Mul, Div) after rounding it to float32: in a float64
    graph it dropped ELU's α = 1 + 3e-8 and an ε = 1e-46 (NaN for a constant row). :meth:`node` writes such
    a node in an exact form that the pass leaves: ``c − (−x)``, ``(−c) − (−x)``, ``(x · c/2) · 2`` and
    ``(x / 2c) · 2`` (scaling by 2 is exact but in the subnormals)."""

    #: the constant each arithmetic op leaves x unchanged with, as NoopElimination tests it
    _IDENTITY = {"Add": 0.0, "Sub": 0.0, "Mul": 1.0, "Div": 1.0}

    def __init__(self, onnx, dtype):
        self.onnx = onnx
        self.helper = onnx.helper
        self.dtype = np.dtype(dtype)
        self.nodes = []
        self.initializers = []
        self._count = 0
        self._float64_scalars = {}  # name -> value of each one-element float64 constant

    def name(self, base):
        self._count += 1
        return f"{base}_{self._count}"

    def constant(self, value, base="const", dtype=None):
        # weights of any namespace or device; a number past the dtype's range is ±inf, as predict rounds it
        # (float32 ELU(alpha=1e39)), without NumPy's overflow notice
        with np.errstate(over="ignore"):
            array = np.asarray(to_numpy(value), dtype=dtype or self.dtype)
        name = self.name(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        if array.dtype == np.float64 and array.size == 1:
            self._float64_scalars[name] = float(array.reshape(-1)[0])
        return name

    def node(self, op, inputs, base=None, **attributes):
        inputs = list(inputs)
        out = self.name(base or op.lower())
        constant = self._eliminated_constant(op, inputs)
        if constant is not None:  # the exact forms of the class docstring
            c = self._float64_scalars[inputs[constant]]
            X = inputs[1 - constant]
            if op in ("Add", "Sub"):
                # c + x = c − (−x) and x − c = (−c) − (−x): a Sub with the constant first is never removed
                negated = self._append("Neg", [X])
                first = inputs[constant] if op == "Add" else self.constant(-c, "minus_c", np.float64)
                return self._append("Sub", [first, negated], out)
            half = self._append(op, [X, self.constant(c / 2 if op == "Mul" else 2 * c, "c", np.float64)])
            return self._append("Mul", [half, self.constant(2.0, "two", np.float64)], out)
        return self._append(op, inputs, out, **attributes)

    def used_initializers(self):
        """The constants some node reads: a node written in its exact form leaves its constant unread
        (onnxruntime warns of an unused initializer)."""
        read = {name for node in self.nodes for name in node.input}
        return [tensor for tensor in self.initializers if tensor.name in read]

    def _append(self, op, inputs, out=None, **attributes):
        out = out or self.name(op.lower())
        self.nodes.append(self.helper.make_node(op, list(inputs), [out], name=out, **attributes))
        return out

    def _eliminated_constant(self, op, inputs):
        """The index of the input onnxruntime would take for the identity of ``op`` though it is not,
        or None: the only one-element float64 constant input (the second for Sub and Div), rounding to the
        identity in float32."""
        identity = self._IDENTITY.get(op)
        if identity is None or len(inputs) != 2:
            return None
        constants = [i for i, name in enumerate(inputs) if name in self._float64_scalars]
        if len(constants) != 1 or (op in ("Sub", "Div") and constants != [1]):
            return None
        c = self._float64_scalars[inputs[constants[0]]]
        with np.errstate(over="ignore"):  # (a float64 past float32's range rounds to inf: no identity)
            rounded = np.float32(c)
        return constants[0] if rounded == identity and c != identity else None
