"""The dtype of what the signed-label losses and the metric functions return when called directly: the
outputs' float dtype, as Keras 3 (float32 outputs gave float64 values and gradients for integer or bool
0/1 labels, and float64 accuracies and correlations); the metric objects still count in float64."""

import numpy as np
import pytest

import glassnet
import glassnet.losses as G
import glassnet.metrics as M

A32 = np.array([[0.2, -0.4, 1.3], [0.7, 0.1, -2.0], [-0.05, 0.9, 0.0], [1.5, -0.3, 0.4]], np.float32)
Y01 = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]])

# the per-sample loss and ∂J_i/∂ŷ of labels s ∈ {−1, 1}, in float64 (K = 3 outputs)
SIGNED = {
    "Hinge": (lambda s, a: np.maximum(1 - s * a, 0).mean(-1), lambda s, a: -s * (1 - s * a > 0) / 3),
    "SquaredHinge": (lambda s, a: (np.maximum(1 - s * a, 0) ** 2).mean(-1),
                     lambda s, a: -2 * s * np.maximum(1 - s * a, 0) / 3),
    "PerceptronLoss": (lambda s, a: np.maximum(-s * a, 0).mean(-1), lambda s, a: -s * (-s * a >= 0) / 3),
    "LogLoss": (lambda s, a: np.log1p(np.exp(-s * a)).mean(-1), lambda s, a: -s / (1 + np.exp(s * a)) / 3),
}
LABELS = {"int64": Y01, "int32": Y01.astype(np.int32), "bool": Y01.astype(bool), "float32": Y01.astype(np.float32),
          "signed int": 2 * Y01 - 1}


@pytest.mark.parametrize("labels", LABELS)
@pytest.mark.parametrize("name", SIGNED)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_signed_label_losses_compute_in_the_outputs_dtype_for_any_labels(name, labels, dtype):
    Y, A = LABELS[labels], A32.astype(dtype)
    s, a = 2.0 * Y01 - 1.0, A.astype(np.float64)
    formula, derivative = SIGNED[name]
    values = getattr(G, name)(reduction=None)(Y, A)
    gradient = getattr(G, name)().gradient(Y, A)
    assert values.dtype == dtype and gradient.dtype == dtype  # (int and bool labels gave float64)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(values, formula(s, a), rtol=tol, atol=tol)
    np.testing.assert_allclose(gradient, derivative(s, a) / len(A), rtol=tol, atol=tol)
    assert type(getattr(G, name)()(Y, A)) is float


@pytest.mark.parametrize("function", ["hinge", "squared_hinge"])
def test_keras_hinge_functions_return_float32_for_int_bool_and_list_labels(function):
    formula = SIGNED["Hinge" if function == "hinge" else "SquaredHinge"][0]
    for Y in (Y01, Y01.astype(bool), Y01.tolist()):
        values = getattr(G, function)(Y, A32)
        assert values.dtype == np.float32
        np.testing.assert_allclose(values, formula(2.0 * Y01 - 1.0, A32.astype(np.float64)), rtol=1e-6, atol=1e-7)


def test_signed_label_loss_of_torch_outputs_with_numpy_labels_is_float32():
    torch = pytest.importorskip("torch")
    values = G.Hinge(reduction=None)(Y01, torch.from_numpy(A32))
    gradient = G.LogLoss().gradient(torch.from_numpy(Y01), torch.from_numpy(A32))
    assert values.dtype == np.float32 and gradient.dtype == np.float32
    np.testing.assert_allclose(values, SIGNED["Hinge"][0](2.0 * Y01 - 1.0, A32.astype(np.float64)), rtol=1e-6)


def test_prepare_targets_of_integer_labels_gives_floatx_signed_labels():
    for Y in (Y01, Y01.astype(bool), 2 * Y01 - 1):
        prepared = G.Hinge().prepare_targets(Y, 3)
        assert prepared.dtype == np.float32  # (2.0·y − 1.0 of int labels was float64)
        np.testing.assert_array_equal(prepared, 2 * Y01 - 1)
    glassnet.config.set_floatx("float64")
    assert G.SquaredHinge().prepare_targets(Y01, 3).dtype == np.float64


def test_hinge_metrics_still_count_integer_labels_in_float64():
    # the metric reads the labels as the other losses' metrics read int64 labels: in float64 (unchanged)
    for metric, formula in ((M.Hinge(), SIGNED["Hinge"][0]), (M.SquaredHinge(), SIGNED["SquaredHinge"][0])):
        metric.update_state(Y01, A32)
        assert metric.result() == pytest.approx(formula(2.0 * Y01 - 1.0, A32.astype(np.float64)).mean(), rel=1e-15)


P32 = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.25, 0.35, 0.4], [0.3, 0.3, 0.4]], np.float32)
T32 = np.eye(3, dtype=np.float32)[[1, 0, 1, 2]]
LAB = np.array([1, 0, 1, 2])
HITS = np.array([1.0, 1.0, 0.0, 1.0])  # argmax of each row against its label
TOP2 = np.array([1.0, 1.0, 1.0, 1.0])


def _pearson64(y, p):
    y, p = y - y.mean(-1, keepdims=True), p - p.mean(-1, keepdims=True)
    return (y / y.std(-1, keepdims=True) * p / p.std(-1, keepdims=True)).mean(-1)


def _concordance64(y, p):
    ym, pm = y.mean(-1, keepdims=True), p.mean(-1, keepdims=True)
    norm = y.var(-1, keepdims=True) + p.var(-1, keepdims=True) + (ym - pm) ** 2
    return (2 * (y - pm) * (p - pm) / (norm + 1e-7)).mean(-1)


METRIC_FUNCTIONS = {
    "binary_accuracy": (lambda p: (T32, p), ((P32 > 0.5) == T32).astype(float)),
    "categorical_accuracy": (lambda p: (T32, p), HITS),
    "sparse_categorical_accuracy": (lambda p: (LAB, p), HITS),
    "top_k_categorical_accuracy": (lambda p: (T32, p, 2), TOP2),
    "sparse_top_k_categorical_accuracy": (lambda p: (LAB, p, 2), TOP2),
    "pearson_correlation": (lambda p: (T32, p), _pearson64(T32.astype(float), P32.astype(float))),
    "concordance_correlation": (lambda p: (T32, p), _concordance64(T32.astype(float), P32.astype(float))),
}


@pytest.mark.parametrize("name", METRIC_FUNCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_metric_functions_return_y_pred_s_float_dtype(name, dtype):
    args, expected = METRIC_FUNCTIONS[name]
    values = getattr(M, name)(*args(P32.astype(dtype)))
    # (float64 whatever y_pred's; the accuracies' are floatx's, as Keras casts them: tests/test_leftovers_s56.py)
    assert values.dtype == (dtype if "correlation" in name else np.float32)
    if dtype != np.float16:  # (float16 rounds the scores: other ties)
        np.testing.assert_allclose(values, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_metric_functions_of_integer_or_list_outputs_give_floatx():
    ints = np.array([[0, 1], [1, 0]])
    cases = [lambda: M.binary_accuracy(ints, ints), lambda: M.categorical_accuracy(ints, ints.tolist()),
             lambda: M.pearson_correlation([[1, 0, 2]], [[1, 0, 3]]),
             lambda: M.sparse_top_k_categorical_accuracy(LAB, np.argsort(-P32, axis=-1), k=2, from_sorted_ids=True)]
    assert [f().dtype for f in cases] == [np.float32] * 4
    np.testing.assert_array_equal(cases[3](), TOP2)
    glassnet.config.set_floatx("float64")
    assert [f().dtype for f in cases] == [np.float64] * 4


@pytest.mark.parametrize("cls, formula", [(M.PearsonCorrelation, _pearson64), (M.ConcordanceCorrelation, _concordance64)])
def test_correlation_metrics_still_count_in_float64(cls, formula):
    metric = cls()
    metric.update_state(T32, P32)
    # the mean of the float64 values, not of float32-rounded ones
    assert metric.result() == pytest.approx(formula(T32.astype(float), P32.astype(float)).mean(), rel=1e-15, abs=1e-16)
