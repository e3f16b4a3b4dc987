"""ONNX export of sparsemax on an empty batch: onnxruntime 1.21 to 1.30 (the newest for Python 3.10 is
1.23) died of a floating point exception (SIGFPE) in a ``TopK`` of no rows."""

import json
import subprocess
import sys

import numpy as np
import pytest

from glassnet.layers import Activation, Dense, Input
from glassnet.models import Sequential
from glassnet.onnx import export, to_onnx

onnx = pytest.importorskip("onnx", reason="ONNX export tests need onnx: pip install glassnet[onnx]")
ort = pytest.importorskip("onnxruntime", reason="ONNX export tests need onnxruntime: pip install glassnet[onnx]")

# run in a child process, so that a SIGFPE there fails the test instead of ending pytest: prints the dtype of
# the first output and the shape of each output for an empty batch
_RUN_EMPTY = """
import json, sys
import numpy as np
import onnxruntime as ort
path, shape, dtype = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
outputs = session.run(None, {"input": np.zeros((0, *shape), dtype)})
print(json.dumps([str(outputs[0].dtype), *(list(output.shape) for output in outputs)]))
"""

CASES = [((4,), "float32"), ((3, 4), "float64"), ((5,), "float16")]


def sparsemax_reference(Z):
    """The projection onto the simplex in float64, from the sorted row: τ = (Σ_{j<=k} z_(j) − 1)/k at
    the support's size k, the largest k with 1 + k z_(k) > Σ_{j<=k} z_(j) (Martins & Astudillo 2016)."""
    Z = np.asarray(Z, np.float64)
    s = -np.sort(-Z, axis=-1)
    cumulative = np.cumsum(s, axis=-1)
    k = np.arange(1, Z.shape[-1] + 1)
    support = np.sum(1 + k * s > cumulative, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, support - 1, axis=-1) - 1) / support
    return np.maximum(Z - tau, 0)


def sparsemax_model(shape, dtype):
    return Sequential([Input(shape), Activation("sparsemax")], dtype=dtype)


@pytest.mark.parametrize(("shape", "dtype"), CASES)
def test_sparsemax_runs_on_an_empty_batch_and_its_topk_gets_a_row(shape, dtype, tmp_path):
    # the crash needs an onnxruntime before 1.31; the graph itself is checked with any: each TopK's input
    # is made an output of the graph too, and must hold a row (its shape's leading dimensions not 0)
    proto = to_onnx(sparsemax_model(shape, dtype))
    topk_inputs = [node.input[0] for node in proto.graph.node if node.op_type == "TopK"]
    assert topk_inputs
    elem = proto.graph.input[0].type.tensor_type.elem_type
    proto.graph.output.extend(onnx.helper.make_tensor_value_info(name, elem, None) for name in topk_inputs)
    onnx.save(proto, str(tmp_path / "m.onnx"))
    proc = subprocess.run([sys.executable, "-c", _RUN_EMPTY, str(tmp_path / "m.onnx"), json.dumps(shape), dtype],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    out_dtype, out_shape, *topk_shapes = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out_dtype == dtype and out_shape == [0, *shape]
    for topk_shape in topk_shapes:
        assert np.prod(topk_shape[:-1]) >= 1 and topk_shape[-1] == shape[-1]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_dense_sparsemax_model_exports_as_predict_and_the_projection_compute(dtype, tmp_path, rng):
    model = Sequential([Input((6,)), Dense(5, activation="sparsemax")], dtype=dtype, seed=0)
    x = (3 * rng.normal(size=(33, 6))).astype(dtype)
    session = ort.InferenceSession(str(export(model, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
    out = session.run(None, {"input": x})[0]
    np.testing.assert_allclose(out, model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    W, b = (np.asarray(p, np.float64) for p in model.get_weights())
    np.testing.assert_allclose(out, sparsemax_reference(x.astype(np.float64) @ W + b), atol=1e-5)
    assert ((out > 0).sum(axis=1) < 5).any()  # some rows sparse, so τ is not the plain mean
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-6)


def test_hand_worked_rows_and_a_batch_of_sequences(tmp_path):
    # [1, 2, 3, 4] → [0, 0, 0, 1]; equal z → 1/n each; [0.5, 0.4, −1, −2]: τ = (0.9 − 1)/2 → [0.55, 0.45, 0, 0]
    rows = np.array([[1, 2, 3, 4], [0, 0, 0, 0], [0.5, 0.4, -1, -2]], np.float32)
    expected = np.array([[0, 0, 0, 1], [0.25] * 4, [0.55, 0.45, 0, 0]], np.float32)
    model = sparsemax_model((2, 3, 4), "float32")
    x = np.stack([np.stack([rows, rows[::-1]]), np.stack([rows[::-1], rows])])  # (2, 2, 3, 4)
    session = ort.InferenceSession(str(export(model, tmp_path / "m.onnx")), providers=["CPUExecutionProvider"])
    out = session.run(None, {"input": x})[0]
    np.testing.assert_allclose(out, np.stack([np.stack([expected, expected[::-1]]),
                                              np.stack([expected[::-1], expected])]), rtol=1e-6, atol=1e-7)
