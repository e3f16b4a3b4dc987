"""Exam problems worked by hand (session 60): a Hopfield recall in a given neuron order, energies of 0
printed as 0, and a trace printed with an exam's 9 significant digits (Mazur's 2-2-2 example)."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from glassnet.classic import CapacityWarning, Hopfield
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.optimizers import SGD
from glassnet.trace import format_table, trace

# ξ1 = (1, 1, −1, −1), ξ2 = (1, −1, 1, −1); the probe (1, 1, 1, −1) is one bit from each.
XI = np.array([[1, 1, -1, -1], [1, -1, 1, -1]])
PROBE = np.array([1, 1, 1, -1])


def _fit(order):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapacityWarning)  # p = 2 > 0.138·4: expected for an exam-sized net
        return Hopfield(order=order).fit(XI)


def _recall_by_hand(order):
    """s_i ← sgn(Σ_j W_ij s_j), sgn(0) keeping s_i, with W = Σ ξξᵀ − pI (−2 on the anti-diagonal)."""
    W = XI.T @ XI - 2 * np.eye(4, dtype=int)
    s = PROBE.copy()
    for _ in range(3):  # sweeps until nothing changes (one suffices here)
        for i in order:
            h = W[i] @ s
            s[i] = 1 if h > 0 else -1 if h < 0 else s[i]
    return s


def test_hopfield_exam_order_decides_the_answer():
    # "update neurons 3, 1, 2, 4": neuron 3 sees h = −2 (from s_2 = 1) and flips to −1; then 1, 2, 4 keep: ξ1.
    # In the order 1, 2, 3, 4 neuron 2 sees h = −2 (from s_3 = 1) and flips first: ξ2.
    exam = np.array([3, 1, 2, 4]) - 1
    np.testing.assert_array_equal(_recall_by_hand(exam), XI[0])
    np.testing.assert_array_equal(_recall_by_hand(range(4)), XI[1])
    np.testing.assert_array_equal(_fit(exam).recall(PROBE), XI[0])
    np.testing.assert_array_equal(_fit([0, 1, 2, 3]).recall(PROBE), XI[1])
    permuted = _fit("sequential")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapacityWarning)
        permuted.fit(XI[:, exam])  # the workaround before: permute the neurons, recall sequentially, permute back
    np.testing.assert_array_equal(permuted.recall(PROBE[exam])[np.argsort(exam)], XI[0])
    # the traced recall (every update recorded) and a batch of states take the same order
    final, tr = _fit(exam).recall(PROBE, return_trace=True)
    np.testing.assert_array_equal(tr.states[1, 0], [1, 1, -1, -1])  # the first update is neuron 3
    np.testing.assert_array_equal(_fit(tuple(exam)).recall(np.stack([PROBE, XI[1]])), [XI[0], XI[1]])


def test_hopfield_order_array_round_trips():
    net = Hopfield(order=np.array([2, 0, 1, 3]))
    assert repr(net) == "Hopfield(order=array([2, 0, 1, 3]))"
    np.testing.assert_array_equal(net.get_params()["order"], [2, 0, 1, 3])
    np.testing.assert_array_equal(clone(net).get_params()["order"], [2, 0, 1, 3])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(_fit(net.order))).recall(PROBE), XI[0])
    assert np.array_equal(_fit("random").set_params(order=[2, 0, 1, 3]).recall(PROBE), XI[0])


@pytest.mark.parametrize("order, match", [
    ([3, 1, 2, 4], "permutation of range.*1-based: subtract 1"),
    ([0, 0, 1, 2], "permutation of range"),
    ([0, 1, 2], "N=4 neurons once.*3 indices"),
    ([0.0, 1.0, 2.0, 3.0], "integer neuron indices"),
    ([True, False, True, True], "integer neuron indices"),
    ([[0, 1], [2, 3]], "1-D array-like"),
    ("backwards", "one of 'random', 'sequential'. Received: order='backwards'. An array-like permutation"),
])
def test_hopfield_bad_order(order, match):
    with pytest.raises(ValueError, match=f"order.*{match}"):
        Hopfield(order=order).fit(XI)
    net = _fit("sequential")
    net.order = order  # set after fit: recall checks it against N too
    with pytest.raises(ValueError, match=f"order.*{match}"):
        net.recall(PROBE)


def test_hopfield_energy_of_zero_is_plus_zero():
    # E = −½ sᵀWs of the probe is 0: with W = Σ ξξᵀ − pI (−2 on the anti-diagonal),
    # sᵀWs = 2(−2·s1·s4 − 2·s2·s3) = 2(2 − 2) = 0, and −½ · 0 printed -0.
    net = _fit("sequential")
    W = (XI.T @ XI - 2 * np.eye(4)) / 4  # glassnet's W_ = (1/N)(Σ ξξᵀ − pI)
    np.testing.assert_array_equal(net.W_, W)
    assert -0.5 * PROBE @ W @ PROBE == 0
    e = net.energy(PROBE)
    assert e == 0 and np.copysign(1.0, e) == 1.0 and repr(e) == "0.0"
    _, tr = net.recall(PROBE, return_trace=True)
    assert "-0." not in str(tr.energies) and np.all(np.copysign(1.0, tr.energies[:2]) == 1.0)
    np.testing.assert_array_equal(net.energy(np.stack([PROBE, PROBE])), [0.0, 0.0])
    assert np.all(np.copysign(1.0, net.energy(np.stack([PROBE, PROBE]))) == 1.0)


def _mazur():
    """Mazur's 2-2-2 example: i = (.05, .10), w1..w8 = .15 ... .55, b1 = .35, b2 = .60, t = (.01, .99), η = .5."""
    W1, b1 = np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35])
    W2, b2 = np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60])
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    model = Sequential([Dense(2, "sigmoid", input_dim=2), Dense(2, "sigmoid")], dtype="float64")
    model.compile(optimizer=SGD(learning_rate=0.5), loss="squared_error")
    model.build()
    model.set_weights([W1, b1, W2, b2])
    # by hand: E = ½ Σ (t − o)², δ_o = (o − t) o (1 − o), w5' = w5 − η h1 δ_o1
    sig = lambda z: 1 / (1 + np.exp(-z))
    h = sig(x @ W1 + b1)
    o = sig(h @ W2 + b2)
    E = 0.5 * ((t - o) ** 2).sum()
    w5 = W2[0, 0] - 0.5 * h[0] * (o - t)[0] * o[0] * (1 - o[0])
    return model, x, t, E, w5


def test_trace_prints_an_exams_nine_digits():
    model, x, t, E, w5 = _mazur()
    assert f"{E:.9g}" == "0.298371109" and f"{w5:.8g}" == "0.35891648"  # the published answers
    step = trace(model, x, t)
    assert step.loss == pytest.approx(E, abs=1e-15)
    text, md = step.to_text(digits=9), step.to_markdown(digits=9)
    for out in (text, md):
        assert "J = 0.298371109;" in out and "0.35891648" in out
    assert "J = 0.298371;" in str(step) and "0.35891648" not in str(step)  # the default is unchanged
    assert str(step) == step.to_text() and step.to_markdown() == step._repr_markdown_()
    assert "0.298371" in step.to_markdown() and "0.298371109" not in step.to_markdown()
    assert "J = 0.3;" in step.to_text(digits=1)
    for bad, error in ((0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError), ("9", TypeError)):
        with pytest.raises(error, match="digits must be a positive integer"):
            step.to_text(digits=bad)
        with pytest.raises(error, match="digits must be a positive integer"):
            step.to_markdown(digits=bad)
    assert "J = 0.298371;" in str(step)  # a refused digits= leaves the default in place
    # the public table helper takes digits= too
    assert format_table(["E"], [[np.array([E])]], digits=9).endswith("[0.298371109]")
    assert format_table(["E"], [[np.array([E])]]).endswith("[0.298371]")
    with pytest.raises(ValueError, match="digits must be a positive integer"):
        format_table(["E"], [[np.array([E])]], digits=0)
