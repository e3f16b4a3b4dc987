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
    """Collects nodes and constant tensors with unique names."""

    def __init__(self, onnx, dtype):
        self.onnx = onnx
        self.helper = onnx.helper
        self.dtype = np.dtype(dtype)
        self.nodes = []
        self.initializers = []
        self._count = 0

    def name(self, base):
        self._count += 1
        return f"{base}_{self._count}"

    def constant(self, value, base="const", dtype=None):
        array = np.asarray(to_numpy(value), dtype=dtype or self.dtype)  # weights of any namespace or device
        name = self.name(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op, inputs, base=None, **attributes):
        out = self.name(base or op.lower())
        self.nodes.append(self.helper.make_node(op, list(inputs), [out], name=out, **attributes))
        return out
