"""Hopfield network: Hebbian storage, recall, energy, capacity, cycles (SPEC C4)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassnet._estimator import NotFittedError
from glassnet.classic import (
    CapacityWarning,
    Hopfield,
    RecallCycleWarning,
    UnstablePatternWarning,
    flip_bits,
    load_bitmaps,
    show_bitmap,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def hebb_reference(P):
    """W = (1/N) Σ_μ ξ^μ ξ^μᵀ with the diagonal set to zero, one outer product at a time."""
    N = P.shape[1]
    W = sum(np.outer(p, p) for p in P.astype(float)) / N
    return W - np.diag(np.diag(W))


def energy_reference(W, s):
    return -0.5 * sum(W[i, j] * s[i] * s[j] for i in range(len(s)) for j in range(len(s)))


@pytest.mark.filterwarnings("ignore::glassnet.classic.CapacityWarning")
def test_hebbian_weights_by_hand():
    # ξ1 = (1, −1, 1), ξ2 = (1, 1, −1): off-diagonal sums are 0, 0 and −2, divided by N = 3.
    net = Hopfield().fit([[1, -1, 1], [1, 1, -1]])
    expected = np.array([[0, 0, 0], [0, 0, -2], [0, -2, 0]]) / 3
    np.testing.assert_allclose(net.W_, expected)
    assert net.energy([1, -1, 1]) == pytest.approx(energy_reference(expected, [1, -1, 1]))


def test_weights_match_reference_on_bitmaps():
    P, names = load_bitmaps("HTX")
    net = Hopfield().fit(P)
    np.testing.assert_allclose(net.W_, hebb_reference(P.reshape(3, -1)))
    assert np.all(np.diag(net.W_) == 0)
    np.testing.assert_allclose(net.W_, net.W_.T)


def test_bundled_bitmaps():
    P, names = load_bitmaps()
    assert P.shape == (18, 10, 10) and set(np.unique(P)) == {-1, 1}
    assert names[:8] == list("ACEHLTXO") and names[8:] == list("0123456789")
    assert load_bitmaps("digits")[0].shape == (10, 10, 10)
    text = show_bitmap(load_bitmaps("T")[0][0])
    assert text.splitlines()[0] == "#" * 10 and text.splitlines()[2] == "....##...."
    with pytest.raises(ValueError, match="Unknown bitmap"):
        load_bitmaps("Z")


def test_recovers_three_10x10_patterns_from_10_percent_noise():
    P, _ = load_bitmaps("HTX")
    net = Hopfield(random_state=0).fit(P)
    for seed in range(20):
        noisy = flip_bits(P, 0.10, random_state=seed)
        assert (noisy != P).reshape(3, -1).sum(axis=1).tolist() == [10, 10, 10]
        recalled = net.recall(noisy, mode="async")
        assert recalled.shape == (3, 10, 10)
        np.testing.assert_array_equal(recalled, P)
    assert net.classify(recalled[0]) == "stored" and net.stored_index(recalled[2]) == 2
    names = ["H", "T", "X"]
    assert net.outcome(recalled[0], names, "H") == "recalled 'H' correctly"
    assert net.outcome(recalled[1], names, "H") == "recalled 'T' instead of 'H'"
    assert net.outcome(-recalled[0], names, "H") == "ended in an inverse state"


def test_async_energy_never_increases_at_any_update(rng):
    patterns = rng.choice([-1, 1], size=(5, 40))
    net = Hopfield(random_state=1).fit(patterns)
    W = hebb_reference(patterns)
    start = rng.choice([-1, 1], size=40)
    final, trace = net.recall(start, mode="async", return_trace=True)
    # One recorded state per single-neuron update, the start first.
    assert trace.states.shape == (1 + 40 * trace.n_sweeps, 1, 40)
    changes = (np.diff(trace.states[:, 0], axis=0) != 0).sum(axis=1)
    assert changes.max() == 1 and changes.sum() > 0
    E = np.array([energy_reference(W, s) for s in trace.states[:, 0]])
    np.testing.assert_allclose(trace.energies[:, 0], E, atol=1e-12)
    assert np.all(np.diff(E) <= 1e-12)
    assert E[-1] < E[0]
    assert trace.converged.all() and net.is_stable(final)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(p=st.integers(1, 6), N=st.integers(2, 24), seed=st.integers(0, 2**32 - 1),
       order=st.sampled_from(["random", "sequential"]))
def test_async_energy_never_increases_for_any_patterns_and_start(p, N, seed, order):
    # E(s) = −½ sᵀWs, W = Hebb with zero diagonal: flipping s_i to sgn(h_i) changes E by −2|h_i| ≤ 0.
    # Over capacity, repeated or correlated patterns and fields of 0 included
    rng = np.random.default_rng(seed)
    patterns = rng.choice([-1, 1], size=(p, N))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # capacity / unstable patterns: the point here
        net = Hopfield(order=order, random_state=seed).fit(patterns)
    start = rng.choice([-1, 1], size=N)
    final, trace = net.recall(start, mode="async", return_trace=True)
    W = hebb_reference(patterns)
    E = np.array([-0.5 * s @ W @ s for s in trace.states[:, 0].astype(float)])
    np.testing.assert_allclose(trace.energies[:, 0], E, atol=1e-12)
    assert np.all(np.diff(E) <= 1e-12)
    assert trace.converged[0] == net.is_stable(final)


def test_sync_two_cycle_is_detected_and_reported(rng):
    # One stored pattern ξ; start with half of ξ flipped. Then Σ_j ξ_j s_j = 0, so
    # h_i = −s_i/N and every neuron flips: s → −s → s → ... a 2-cycle.
    xi = rng.choice([-1, 1], size=100)
    net = Hopfield().fit(xi[None])
    start = xi.copy()
    start[50:] *= -1
    with pytest.warns(RecallCycleWarning, match="2-cycle"):
        final, trace = net.recall(start, mode="sync", return_trace=True)
    assert trace.cycle_length.tolist() == [2] and not trace.converged[0]
    np.testing.assert_array_equal(trace.states[1, 0], -start)
    np.testing.assert_array_equal(trace.states[2, 0], start)
    # The same start settles in asynchronous mode.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecallCycleWarning)
        settled = Hopfield(random_state=0).fit(xi[None]).recall(start, mode="async")
    assert abs(int(settled @ xi)) == 100


def test_capacity_warning_fires_above_0138_n(rng):
    N = 100
    assert issubclass(CapacityWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CapacityWarning)
        Hopfield().fit(rng.choice([-1, 1], size=(13, N)))  # 13 ≤ 13.8
    with pytest.warns(CapacityWarning, match="13.8"):
        Hopfield().fit(rng.choice([-1, 1], size=(14, N)))


def test_capacity_warning_says_how_many_stored_patterns_are_fixed_points():
    # N = 10, p = 2 > 1.38, orthogonal: ξ¹ = 1, ξ² = (1,1,1,1,1,−1,−1,−1,−1,−1). At bit i of ξ¹,
    # N·h_i = ξ¹_i(ξ¹·ξ¹ − 1) + ξ²_i(ξ²·ξ¹ − ξ²_i ξ¹_i) = 9 − 1 = 8 > 0, and so for ξ²: both are fixed
    # points, yet the warning said "recall will end in spurious states"
    P = np.ones((2, 10), dtype=int)
    P[1, 5:] = -1
    W = hebb_reference(P)
    assert all(np.array_equal(np.sign(W @ xi), xi) for xi in P)
    with pytest.warns(CapacityWarning, match=r"1\.4: recall may end in spurious states \(every stored pattern is "
                                             r"still a fixed point\)"):
        Hopfield().fit(P)
    # 30 random patterns in N = 100: most are not fixed points, counted with the reference weights
    R = np.random.default_rng(0).choice([-1, 1], size=(30, 100))
    W = hebb_reference(R)
    k = sum(not np.array_equal(np.where(W @ xi == 0, xi, np.sign(W @ xi)), xi) for xi in R)
    assert k > 15
    with pytest.warns(CapacityWarning, match=rf"13\.8: recall may end in spurious states \({k} of the 30 stored "
                                             r"patterns are not fixed points\)"):
        Hopfield().fit(R)


def test_stored_patterns_that_are_not_fixed_points_are_reported_within_capacity():
    # N = 22, p = 3 ≤ 0.138·22 = 3.04: no CapacityWarning. ξ¹ = all +1; ξ², ξ³ flip bit 14, 15.
    # At bit 14 of ξ², N·h = Σ_μ ξ^μ_14 (ξ^μ·ξ² − ξ^μ_14 ξ²_14) = (20 + 1) − (22 − 1) + (18 + 1) = 19 > 0,
    # but ξ²_14 = −1: ξ² (and likewise ξ³) is not a fixed point, while ξ¹ is. Nothing said so: the
    # digits (10 ≤ 13.8) store no pattern recall can end on, and the CLI just read "spurious state".
    P = np.ones((3, 22), dtype=int)
    P[1, 14] = P[2, 15] = -1
    W = hebb_reference(P)
    unstable = [k for k, xi in enumerate(P) if not np.array_equal(np.sign(W @ xi), xi)]
    assert unstable == [1, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CapacityWarning)
        with pytest.warns(UnstablePatternWarning, match=r"2 of the 3 stored patterns \(indices \[1, 2\]\) are not fixed"):
            net = Hopfield().fit(P)
    assert net.is_stable(P).tolist() == [True, False, False]
    digits = load_bitmaps("digits")[0]
    with pytest.warns(UnstablePatternWarning, match=r"10 of the 10 stored patterns"):
        Hopfield().fit(digits)
    with warnings.catch_warnings():  # stable patterns, or one pattern: nothing to say
        warnings.simplefilter("error", UnstablePatternWarning)
        Hopfield().fit(load_bitmaps("HTX")[0])
        Hopfield().fit(P[1:2])


def test_classify_finds_mixtures_a_block_at_a_time():
    # all C(p, 3)·8 candidate mixtures were held at once: C(30, 3)·8·N float64 values (2.6 GB at N = 10 000)
    import tracemalloc
    import warnings

    rng = np.random.default_rng(2)
    N = 400
    P = rng.choice([-1, 1], size=(30, N))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapacityWarning)
        net = Hopfield().fit(P)
    last = np.sign(-P[27] + P[28] - P[29]).astype(int)  # the last triple, with mixed signs
    first = np.sign(P[0] + P[1] + P[2]).astype(int)
    tracemalloc.start()
    try:
        assert net.classify(last) == "mixture" and net.classify(first) == "mixture"
        assert net.classify(rng.choice([-1, 1], size=N)) == "spurious"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30 * 2**20  # the float64 candidates alone were 104 MB here


def test_classify_names_every_state_of_a_small_network_as_brute_force_does():
    # the majority of three signed patterns, tried for every triple and sign: an independent reference for all
    # 2^N states of small networks (duplicate and inverse patterns among them)
    import itertools

    rng = np.random.default_rng(5)
    for N, p in [(5, 3), (7, 5), (8, 6), (9, 4)]:
        P = rng.choice([-1, 1], size=(p, N))
        P[-1] = -P[0] if N == 8 else P[-1]  # (a pattern and its inverse both stored)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = Hopfield().fit(P)
        mixtures = {tuple(np.sign(a * P[i] + b * P[j] + c * P[k]).astype(int))
                    for i, j, k in itertools.combinations(range(p), 3)
                    for a, b, c in itertools.product((-1, 1), repeat=3)}
        for state in itertools.product((-1, 1), repeat=N):
            s = np.array(state)
            want = ("stored" if (P == s).all(axis=1).any() else "inverse" if (P == -s).all(axis=1).any()
                    else "mixture" if state in mixtures else "spurious")
            assert net.classify(s) == want, (N, p, state)


def test_a_mixture_of_any_three_of_many_stored_patterns_is_a_mixture():
    # mixtures were looked for among C(p, 3)·8 candidates for p ≤ 30 only: with 31 patterns stored (far below the
    # capacity of N = 3000) sgn(ξ¹ + ξ² + ξ³) was "spurious"
    rng = np.random.default_rng(0)
    P = rng.choice([-1, 1], size=(200, 3000))
    net = Hopfield().fit(P)
    assert net.classify(np.sign(P[0] + P[1] + P[2])) == "mixture"
    assert net.classify(np.sign(P[150] - P[31] - P[199])) == "mixture"
    assert net.classify(rng.choice([-1, 1], size=3000)) == "spurious"


def test_patterns_and_recalled_states_are_integers_whose_overlaps_do_not_wrap():
    # patterns_ and recall's states were int8: ξ·ξ of N = 200 neurons gave −56, and Σ ξξᵀ wrapped
    rng = np.random.default_rng(0)
    P = rng.choice([-1, 1], size=(3, 200))
    net = Hopfield(random_state=0).fit(P)
    out = net.recall(P[0])
    assert out @ out == 200 and (net.patterns_ @ net.patterns_.T).diagonal().tolist() == [200] * 3
    np.testing.assert_array_equal(net.patterns_.T @ net.patterns_ - 3 * np.eye(200), 200 * net.W_)


def test_spurious_and_mixture_states():
    rng = np.random.default_rng(1)
    P = rng.choice([-1, 1], size=(3, 200))
    net = Hopfield(random_state=0).fit(P)
    mixture = np.sign(P.sum(axis=0)).astype(int)
    # The symmetric 3-mixture is a stable state that was never stored.
    assert net.is_stable(mixture) and net.classify(mixture) == "mixture"
    assert net.classify(-P[1]) == "inverse" and net.classify(P[2]) == "stored"
    assert net.stored_index(mixture) == -1
    # Overloaded (30 patterns on 100 neurons): recall from a random state ends in
    # a fixed point that is none of the stored patterns.
    rng = np.random.default_rng(3)
    with pytest.warns(CapacityWarning):
        over = Hopfield(random_state=0).fit(rng.choice([-1, 1], size=(30, 100)))
    final, trace = over.recall(rng.choice([-1, 1], size=100), return_trace=True)
    assert trace.converged[0] and over.is_stable(final)
    assert trace.kinds == ["spurious"] and np.abs(over.patterns_ @ final).max() < 100


def test_flip_bits_flips_exactly_the_fraction_per_pattern():
    P = np.ones((4, 10, 10), dtype=int)
    noisy = flip_bits(P, 0.25, random_state=0)
    assert ((noisy == -1).reshape(4, -1).sum(axis=1) == 25).all()
    # Positions are drawn over the whole 10×10 pattern, not row by row.
    # (row by row, each 10-pixel row would get round(2.5) = 2 flips, never 4 or more)
    assert (noisy == -1).sum(axis=2).max() > 3
    assert (P == 1).all()  # the input is untouched
    np.testing.assert_array_equal(flip_bits(P, 0.25, random_state=0), noisy)
    assert (flip_bits(np.ones(8), 0.5, random_state=1) == -1).sum() == 4


@pytest.mark.parametrize("fraction, n, flipped", [
    (0.25, 10, 3), (0.35, 10, 4), (0.15, 10, 2), (0.05, 10, 1), (0.45, 10, 5),  # halves go up
    (0.29, 50, 15),  # 0.29·50 = 14.499999999999998 in floats: the 14.5 it stands for
    (0.24, 10, 2), (0.26, 10, 3), (0.1, 100, 10), (0.0, 7, 0), (1.0, 7, 7), (0.5, 7, 4),
])
def test_flip_bits_rounds_fraction_times_n_half_up(fraction, n, flipped):
    # Python's round (halves to even) flipped 2 bits for 25 % of 10 but 4 for 35 %, none for 5 %,
    # and 14 for 29 % of 50. The rule, worked by hand: ⌊fraction·N + ½⌋ with fraction·N exact.
    noisy = flip_bits(np.ones((3, n)), fraction, random_state=0)
    np.testing.assert_array_equal((noisy == -1).sum(axis=1), flipped)


def test_reproducible_with_random_state(rng):
    P = rng.choice([-1, 1], size=(4, 50))
    start = rng.choice([-1, 1], size=50)
    a = Hopfield(random_state=7).fit(P).recall(start, return_trace=True)[1]
    b = Hopfield(random_state=7).fit(P).recall(start, return_trace=True)[1]
    np.testing.assert_array_equal(a.states, b.states)


def test_sequential_order_by_hand():
    # ξ = (1, 1, −1): W = [[0, 1, −1], [1, 0, −1], [−1, −1, 0]]/3. From s = (−1, 1, −1):
    # h_0 = (1 + 1)/3 > 0 -> s_0 = 1; then s is ξ and nothing changes.
    net = Hopfield(order="sequential").fit([[1, 1, -1]])
    final, trace = net.recall([-1, 1, -1], return_trace=True)
    np.testing.assert_array_equal(trace.states[1, 0], [1, 1, -1])
    np.testing.assert_array_equal(final, [1, 1, -1])
    assert trace.n_sweeps == 2  # the second sweep confirms the fixed point


@pytest.mark.parametrize(
    "patterns, match",
    [
        ([[0, 1, 1], [1, 0, 1]], "bipolar"),
        ([1, -1, 1], "shape"),
        ([[1, -1], [np.nan, 1]], "NaN"),
    ],
)
def test_bad_patterns(patterns, match):
    with pytest.raises(ValueError, match=match):
        Hopfield().fit(patterns)


def test_bad_recall_arguments():
    net = Hopfield().fit([[1, -1, 1, -1]])
    with pytest.raises(ValueError, match="mode"):
        net.recall([1, 1, 1, 1], mode="parallel")
    with pytest.raises(ValueError, match="shape"):
        net.recall([1, 1, 1])
    with pytest.raises(ValueError, match="bipolar"):
        net.recall([1, 0, 1, 1])
    with pytest.raises(NotFittedError, match="fit"):  # as the estimators: a ValueError and an AttributeError
        Hopfield().recall([1, 1])
    with pytest.raises(ValueError, match="order"):
        Hopfield(order="backwards").fit([[1, -1]])
    net = Hopfield().fit([[1, -1, 1, -1]])
    net.order = "backwards"  # set after fit: recall took it for "sequential"
    with pytest.raises(ValueError, match="order must be one of 'random', 'sequential'. Received: order='backwards'"):
        net.recall([1, -1, 1, 1])
    with pytest.raises(ValueError, match="fraction"):
        flip_bits([1, -1], 1.5)


def test_a_state_of_the_wrong_shape_is_told_the_shapes_in_plain_numbers():
    # it read "state must have shape (10, 10) or (n, *(10, 10))", Python's star syntax, and left out
    # the flat (100,) that recall also takes
    net = Hopfield().fit(load_bitmaps("HT")[0])
    with pytest.raises(ValueError, match=r"shape \(10, 10\), \(100,\), \(n, 10, 10\) or \(n, 100\) to match "
                                         r"the stored patterns\. Received shape \(3, 3\)\."):
        net.recall(np.ones((3, 3)))
    flat = Hopfield().fit([[1, -1, 1, -1]])
    with pytest.raises(ValueError, match=r"state must have shape \(4,\) or \(n, 4\) to match .* \(3,\)\."):
        flat.energy([1, 1, 1])


def test_flip_bits_needs_bipolar_patterns():
    from glassnet.classic.hopfield import flip_bits

    with pytest.raises(ValueError, match="pattern must be bipolar.*2\\*x - 1"):
        flip_bits([0, 1, 0], 0.5)  # a 0 cannot flip: [0, -1, 0] came back silently
    with pytest.raises(ValueError, match="empty"):
        flip_bits([], 0.5)
    assert int(np.sum(flip_bits([1, -1, 1, 1], 0.5, random_state=0) != [1, -1, 1, 1])) == 2


@pytest.mark.parametrize(
    "names, exc, match",
    [
        ("", ValueError, "names must select at least one bitmap. Received: names=''"),
        ([], ValueError, r"names must select at least one bitmap. Received: names=\[\]"),
        (123, TypeError, "names must be a string, an iterable of names or None. Received: names=123"),
        ([["A"]], ValueError, "Unknown bitmap name"),
    ],
)
def test_load_bitmaps_names_are_checked(names, exc, match):
    with pytest.raises(exc, match=match):
        load_bitmaps(names)


def test_show_bitmap_checks_pattern_and_shape():
    assert show_bitmap([1, -1, -1, 1], shape=(2, 2)) == "#.\n.#"
    with pytest.raises(ValueError, match=r"pattern has 12 values but shape=\(10, 10\) needs 100"):
        show_bitmap(np.ones(12))
    with pytest.raises(ValueError, match="pattern contains NaN"):
        show_bitmap(np.full(100, np.nan))
    with pytest.raises(TypeError, match=r"shape must be a pair \(rows, cols\). Received: shape=5"):
        show_bitmap(np.ones(100), shape=5)
    with pytest.raises(ValueError, match="shape must be a positive integer"):
        show_bitmap(np.ones(100), shape=(0, 100))


def test_a_field_of_exactly_zero_keeps_the_state():
    # N = 1000 (even): many fields Σ_j w_ij s_j are exactly 0, where sgn keeps s_i. Computed as
    # (Σ ξξᵀ / N) s they came out ±2e-16 and rounding chose the sign; the exact integer dynamics decide.
    rng = np.random.default_rng(1)
    P = np.where(rng.random((100, 1000)) < 0.5, -1, 1)  # 100 patterns, above capacity
    start = flip_bits(P[:20], 0.1, random_state=2)
    hebb = P.T @ P
    np.fill_diagonal(hebb, 0)
    assert (start @ hebb == 0).sum() > 0  # the case occurs

    def sgn_keep(h, s):
        return np.where(h > 0, 1, np.where(h < 0, -1, s))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CapacityWarning)
        net = Hopfield(order="sequential").fit(P)
    expected = sgn_keep(start @ hebb, start)  # one synchronous step, in integers
    np.testing.assert_array_equal(net.recall(start, mode="sync", max_iter=1), expected)
    S = start.copy()
    for i in range(1000):  # one sequential asynchronous sweep, in integers
        S[:, i] = sgn_keep(S @ hebb[:, i], S[:, i])
    np.testing.assert_array_equal(net.recall(start, mode="async", max_iter=1), S)


def test_a_replaced_weight_matrix_is_checked():
    # a (3, 3) W_ gave NumPy's matmul message, a str an AttributeError, a NaN W_ a recall of sgn(NaN)
    P = np.where(np.arange(32).reshape(2, 16) % 3, 1, -1)
    net = Hopfield(random_state=0).fit(P)
    hebb = net.W_
    for W, message in ((np.ones((3, 3)), r"W_ was replaced by an array of shape \(3, 3\).*a \(16, 16\) array"),
                       ("x", "W_ was replaced by str"), (np.full((16, 16), np.nan), "NaN or infinite")):
        net.W_ = W
        with pytest.raises(ValueError, match=message):
            net.recall(P[0])
    net.W_ = 2 * hebb  # a replacement of the right kind is used as it is: the same signs, twice the energy
    np.testing.assert_array_equal(net.recall(P[0]), P[0])
    assert net.energy(P[0]) == pytest.approx(2 * Hopfield().fit(P).energy(P[0]))


def test_is_stable_agrees_with_recall_on_fields_of_exactly_zero():
    # s·Σξξᵀ = (−4, 4, 0, 0, 4): the zero fields keep their neurons, so recall returns s unchanged;
    # is_stable judged W_ = Σξξᵀ/5, whose zeros came out as ±5.6e-17, and said False
    with pytest.warns(CapacityWarning):
        net = Hopfield().fit([[1, -1, -1, 1, -1], [1, -1, 1, -1, -1], [-1, 1, 1, -1, 1]])
    s = np.array([-1, 1, -1, 1, 1])
    hebb = sum(np.outer(x, x) for x in np.array([[1, -1, -1, 1, -1], [1, -1, 1, -1, -1], [-1, 1, 1, -1, 1]]))
    np.fill_diagonal(hebb, 0)
    np.testing.assert_array_equal(s @ hebb, [-4, 4, 0, 0, 4])
    assert net.is_stable(s)
    np.testing.assert_array_equal(net.recall(s), s)
    np.testing.assert_array_equal(net.recall(s, mode="sync"), s)


@pytest.mark.parametrize("bits", [np.ones((2, 4), dtype=bool), np.array([[True, False, True, False]])])
def test_booleans_are_refused_everywhere_as_flip_bits_refuses_them(bits):
    # fit and recall read an all-True array as all +1 (and refused one with a False as "values such
    # as [False]"), while flip_bits refused booleans outright
    message = r"must hold bipolar bits -1/\+1, not booleans; convert with np.where\((patterns|state|pattern), 1, -1\)"
    with pytest.raises(TypeError, match=message):
        Hopfield().fit(bits)
    net = Hopfield(random_state=0).fit([[1, -1, 1, -1]])
    for method in (net.recall, net.energy, net.is_stable, net.classify, net.stored_index):
        with pytest.raises(TypeError, match=message):
            method(bits[0])
    with pytest.raises(TypeError, match=message):
        flip_bits(bits, 0.25)


def test_one_state_recalls_as_in_a_batch_and_as_its_trace_shows():
    # one state takes a loop of Python numbers (the batch form's array operations made one recall 5.5x a plain
    # loop): the same updates in the same order, so the same final state as in a batch and in a traced recall
    rng = np.random.default_rng(4)
    P = rng.choice([-1, 1], size=(12, 200))
    noisy = [flip_bits(p, 0.2, random_state=k) for k, p in enumerate(P[:4])]
    for order in ("random", "sequential"):
        alone = [Hopfield(order=order, random_state=3).fit(P).recall(s) for s in noisy]
        batch = Hopfield(order=order, random_state=3).fit(P).recall(np.stack(noisy))
        traced = [Hopfield(order=order, random_state=3).fit(P).recall(s, return_trace=True)[0] for s in noisy]
        for k in range(4):
            np.testing.assert_array_equal(alone[k], traced[k])
        np.testing.assert_array_equal(alone[0], batch[0])  # (the same permutations: the first state of the batch)
        assert all(Hopfield(order=order, random_state=3).fit(P).is_stable(a) for a in alone)
    # a field of exactly 0 keeps the neuron: two stored patterns that differ in one neuron
    a = np.ones(4)
    b = a.copy()
    b[0] = -1
    net = Hopfield(order="sequential").fit(np.stack([a, b]))
    assert net.recall(b).tolist() == b.tolist() and net.recall(a).tolist() == a.tolist()


def test_repr_is_scikit_learn_s_as_the_other_classic_estimators():
    # it was <glassnet.classic.hopfield.Hopfield object at 0x...>; Perceptron, Adaline and SOM print
    # scikit-learn's repr: the settings given other than their defaults
    assert repr(Hopfield()) == "Hopfield()"
    assert repr(Hopfield(max_iter=5)) == "Hopfield(max_iter=5)"
    assert repr(Hopfield(order="sequential", random_state=3)) == "Hopfield(order='sequential', random_state=3)"
    assert repr(Hopfield(max_iter=100, order="random")) == "Hopfield()"  # the defaults, given or not
