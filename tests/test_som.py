"""Self-organizing map: hand-worked updates, colour map quality, grids (SPEC C5)."""

import warnings

import numpy as np
import pytest

from glassnet.classic import SOM
from glassnet.classic.som import decay, grid_coordinates


@pytest.fixture
def colours():
    return np.random.default_rng(0).random((500, 3))


def test_one_online_epoch_by_hand():
    # 1×3 map with weights (0, 0.5, 1), samples x = 1 then x = 0; α: 0.5 -> 0.25, σ: 1 -> 0.5.
    som = SOM(grid=(1, 3), init=[[0.0], [0.5], [1.0]], learning_rate=0.5, final_learning_rate=0.25,
              sigma=1.0, final_sigma=0.5, epochs=1, shuffle=False)
    som.fit([[1.0], [0.0]])
    e = np.exp
    # Step 1: winner 2, h = exp(−d²/2) = (e^−2, e^−½, 1), w += 0.5·h·(1 − w)
    w = np.array([0 + 0.5 * e(-2) * 1, 0.5 + 0.5 * e(-0.5) * 0.5, 1.0])
    # Step 2: winner 0 (w0 ≈ 0.068), h = exp(−d²/(2·0.25)) = (1, e^−2, e^−8), w += 0.25·h·(0 − w)
    w = w - 0.25 * np.array([1, e(-2), e(-8)]) * w
    np.testing.assert_allclose(som.weights_.ravel(), w, rtol=1e-12)


def test_a_learning_rate_above_1_overshoots_the_sample_and_warns():
    # The docstring promised a ValueError for rates that diverge; SOM(learning_rate=5) on 20 samples
    # returned without a word, α having decayed below 2 before the weights blew up.
    # One neuron at w = 0, one sample x = 1, h = 1: w ← 0 + α·(1 − 0) = α, past x, and for α = 3
    # 2 away from it where it started 1 away.
    for alpha in (1.5, 3.0):
        with pytest.warns(UserWarning, match=rf"learning_rate={alpha} is above 1: .*moves a neuron past the sample"):
            som = SOM(grid=(1, 1), init=[[0.0]], learning_rate=alpha, final_learning_rate=alpha, epochs=1).fit([[1.0]])
        assert som.weights_[0, 0] == alpha
    X = np.random.default_rng(0).normal(size=(150, 2))
    with pytest.warns(UserWarning, match="learning_rate=5 is above 1"):
        SOM(grid=(5, 5), learning_rate=5, random_state=0).fit(X[:20])  # decays below 2 in time: the map settles
    with pytest.warns(UserWarning, match="learning_rate=5 is above 1"), \
            pytest.raises(ValueError, match=r"weights diverged .*learning_rate=5 is too large"):
        SOM(grid=(5, 5), learning_rate=5, random_state=0).fit(X)  # 150 samples: they blow up first
    with pytest.warns(UserWarning, match="final_learning_rate=1.5 is above 1"):
        SOM(grid=(2, 2), learning_rate=0.5, final_learning_rate=1.5, epochs=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SOM(grid=(2, 2), learning_rate=1, epochs=1, random_state=0).fit(X)
        SOM(grid=(2, 2), learning_rate=5, mode="batch", epochs=1, random_state=0).fit(X)  # (α is not used)


def test_the_default_final_rate_and_radius_never_grow():
    # final_sigma and final_learning_rate defaulted to 1.0 and 0.01: SOM(sigma=0.5) "decayed" its
    # neighbourhood up to 1, so by the last steps a bubble reached the neighbours it never should
    som = SOM(grid=(1, 3), init=[[0.0], [0.5], [1.0]], neighborhood="bubble", sigma=0.5, epochs=1, shuffle=False)
    som.fit(np.zeros((20, 1)))  # every sample's winner is neuron 0, already at 0
    np.testing.assert_array_equal(som.weights_.ravel(), [0.0, 0.5, 1.0])  # σ = 0.5 throughout: no neighbour moves
    assert SOM(learning_rate=0.005)._check_params()["alpha"] == (0.005, 0.005)
    assert SOM(learning_rate=0.5, sigma=3.0)._check_params()["alpha"] == (0.5, 0.01)  # the defaults still decay
    assert SOM(sigma=3.0)._check_params()["sigma"] == (3.0, 1.0)
    assert SOM(sigma=0.5, final_sigma=2.0)._check_params()["sigma"] == (0.5, 2.0)  # growth, when asked for


def test_recorded_weights_are_each_epochs_and_change_nothing(colours):
    plain = SOM(grid=(4, 5), epochs=3, random_state=0).fit(colours)
    recorded = SOM(grid=(4, 5), epochs=3, random_state=0).fit(colours, record_weights=True)
    assert not hasattr(plain, "weights_history_")
    np.testing.assert_array_equal(recorded.weights_, plain.weights_)
    assert recorded.weights_history_.shape == (4, 20, 3)
    np.testing.assert_array_equal(recorded.weights_history_[-1], recorded.weights_)
    # Epoch by epoch, the recorded maps give the recorded quantization errors.
    for W, qe in zip(recorded.weights_history_, recorded.quantization_errors_):
        d = np.sqrt(((colours[:, None, :] - W[None]) ** 2).sum(axis=2)).min(axis=1).mean()
        assert d == pytest.approx(qe, rel=1e-12)


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_on_epoch_reports_each_epoch_and_changes_nothing(colours, mode):
    # an online map of MNIST runs minutes; fit had no hook to show its progress
    calls = []
    plain = SOM(grid=(3, 3), epochs=3, mode=mode, random_state=0).fit(colours)
    hooked = SOM(grid=(3, 3), epochs=3, mode=mode, random_state=0).fit(colours, on_epoch=lambda *a: calls.append(a))
    np.testing.assert_array_equal(hooked.weights_, plain.weights_)
    assert calls == [(e, 3, qe) for e, qe in zip([1, 2, 3], hooked.quantization_errors_[1:])]
    with pytest.raises(TypeError, match="on_epoch must be a function .* Received: on_epoch=1"):
        SOM(grid=(2, 2)).fit(colours, on_epoch=1)


def test_on_progress_reports_within_an_online_epoch_and_changes_nothing(colours, monkeypatch):
    # an online epoch of MNIST ran 10 s before on_epoch said anything
    from glassnet.classic import som as som_module

    monkeypatch.setattr(som_module, "PROGRESS_EVERY", 4)
    n, calls = len(colours), []
    plain = SOM(grid=(3, 3), epochs=2, random_state=0).fit(colours)
    hooked = SOM(grid=(3, 3), epochs=2, random_state=0).fit(colours, on_progress=lambda *a: calls.append(a))
    np.testing.assert_array_equal(hooked.weights_, plain.weights_)
    assert calls == [(e, done, n) for e in (1, 2) for done in range(4, n, 4)]
    with pytest.raises(TypeError, match="on_progress must be a function .* Received: on_progress=1"):
        SOM(grid=(2, 2)).fit(colours, on_progress=1)



@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_large_maps_compute_grid_distances_per_step_with_the_same_weights(colours, monkeypatch, topology):
    # the online loop keeps an M × M table of grid distances, 800 MB for a 100 × 100 map; past GRID_TABLE
    # neurons it computes each winner's row as it goes, which must give the same weights bit for bit
    from glassnet.classic import som as som_module

    table = SOM(grid=(4, 5), topology=topology, epochs=2, random_state=0).fit(colours[:200])
    monkeypatch.setattr(som_module, "GRID_TABLE", 19)
    per_step = SOM(grid=(4, 5), topology=topology, epochs=2, random_state=0).fit(colours[:200])
    np.testing.assert_array_equal(per_step.weights_, table.weights_)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_grid_neighbours_are_the_neurons_at_distance_1(topology):
    # the table that replaced the (M, M) grid distances: each neuron's neighbours, as the distances
    # between grid_coordinates give them, in ascending order, −1 where the grid ends
    from glassnet.classic.som import grid_neighbours

    for rows, cols in [(1, 1), (1, 5), (5, 1), (2, 2), (3, 4), (6, 5), (7, 7)]:
        C = grid_coordinates(rows, cols, topology)
        d = np.linalg.norm(C[:, None] - C[None], axis=2)
        table = grid_neighbours(rows, cols, topology)
        assert table.shape == (rows * cols, 6 if topology == "hexagonal" else 4)
        for j, row in enumerate(table):
            assert list(row[row >= 0]) == list(np.flatnonzero(np.isclose(d[j], 1.0))), (rows, cols, j)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("step", ["batch fit", "topographic_error", "u_matrix"])
def test_a_large_map_trains_and_reports_without_a_neurons_by_neurons_table(topology, step):
    # `glassnet som xor --grid 200x200` ran 120 s to 16 GB and then failed with MemoryError: the batch
    # neighbourhoods, topographic_error and u_matrix each built (M, M) grid distances, 12 GB for 40000
    # neurons. On a 70 × 70 map one such table is 192 MB; the samples' distances to the neurons are
    # 20 × 4900, under 1 MB.
    import tracemalloc

    X = np.random.default_rng(0).random((20, 3))
    som = SOM(grid=(70, 70), topology=topology, epochs=1, random_state=0)
    if step != "batch fit":
        som.fit(X)  # online: past GRID_TABLE neurons, it never held one
    tracemalloc.start()
    try:
        if step == "batch fit":
            som.set_params(mode="batch", epochs=2).fit(X)
            result = som.weights_
        else:
            result = getattr(som, step)(X) if step == "topographic_error" else som.u_matrix()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20
    assert np.isfinite(result).all()


def test_batch_neighbourhoods_taken_in_blocks_of_winners_give_the_same_map(colours, monkeypatch):
    # h(c, j) between the winners and every neuron is summed a block of winners at a time (BATCH_BLOCK
    # entries): one winner a block must give the weights of one block for all, to rounding
    from glassnet.classic import som as som_module

    whole = SOM(grid=(4, 6), topology="hexagonal", mode="batch", epochs=3, random_state=0).fit(colours)
    monkeypatch.setattr(som_module, "BATCH_BLOCK", 7)  # 7 // 24 neurons: one winner a block
    blocks = SOM(grid=(4, 6), topology="hexagonal", mode="batch", epochs=3, random_state=0).fit(colours)
    np.testing.assert_allclose(blocks.weights_, whole.weights_, rtol=1e-13, atol=1e-15)

def test_one_batch_epoch_by_hand():
    # Winners: x = 1 -> neuron 2, x = 0 -> neuron 0; w_j = Σ_i h_ij x_i / Σ_i h_ij, σ = 1.
    som = SOM(grid=(1, 3), init=[[0.0], [0.5], [1.0]], sigma=1.0, epochs=1, mode="batch")
    som.fit([[1.0], [0.0]])
    e = np.exp
    expected = [e(-2) / (e(-2) + 1), 0.5, 1 / (1 + e(-2))]
    np.testing.assert_allclose(som.weights_.ravel(), expected, rtol=1e-12)
    # U-matrix: mean distance to the grid neighbours' weights.
    w = np.array(expected)
    u = [abs(w[1] - w[0]), (abs(w[1] - w[0]) + abs(w[2] - w[1])) / 2, abs(w[2] - w[1])]
    np.testing.assert_allclose(som.u_matrix(), [u], rtol=1e-12)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble"])
def test_batch_epochs_follow_the_rule_sample_by_sample(colours, topology, neighborhood):
    # w_j = Σ_i h(c_i, j)·x_i / Σ_i h(c_i, j) with one h per sample, as the rule is written;
    # the map sums the samples neuron by neuron first (a 60000 x 100 matrix product less)
    som = SOM(grid=(4, 6), topology=topology, neighborhood=neighborhood, sigma=2.0, final_sigma=0.5, epochs=4,
              mode="batch", random_state=0, init="random").fit(colours, record_weights=True)
    C = grid_coordinates(4, 6, topology)
    for e, sigma in enumerate(decay(2.0, 0.5, np.arange(4) / 3, "exponential")):
        W = som.weights_history_[e]
        c = np.argmin(((colours[:, None, :] - W[None]) ** 2).sum(axis=2), axis=1)
        d2 = ((C[c][:, None, :] - C[None]) ** 2).sum(axis=2)  # (n, M) grid distances to each winner
        H = np.exp(-d2 / (2 * sigma**2)) if neighborhood == "gaussian" else (d2 <= sigma**2 + 1e-9).astype(float)
        mass = H.sum(axis=0)
        expected = np.where(mass[:, None] > 0, H.T @ colours / np.maximum(mass, 1e-300)[:, None], W)
        np.testing.assert_allclose(som.weights_history_[e + 1], expected, rtol=1e-12, atol=1e-14)


def test_bubble_neighbourhood_moves_only_neurons_within_sigma():
    som = SOM(grid=(1, 5), init=np.zeros((5, 1)), neighborhood="bubble", sigma=1.0, final_sigma=1.0,
              learning_rate=0.5, final_learning_rate=0.5, epochs=1, shuffle=False)
    som.fit([[1.0]])
    # All weights tie at distance 1; argmin picks neuron 0, so neurons 0 and 1 move by α·(1 − 0).
    np.testing.assert_allclose(som.weights_.ravel(), [0.5, 0.5, 0, 0, 0])


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("mode, epochs", [("online", 10), ("batch", 30)])
def test_colour_map_quality(colours, topology, mode, epochs):
    som = SOM(grid=(10, 10), topology=topology, mode=mode, epochs=epochs, random_state=0).fit(colours)
    qe = som.quantization_errors_
    assert len(qe) == epochs + 1
    assert qe[-1] < 0.6 * qe[0]
    # Falls over training: after the first epoch, halfway, and at the end.
    assert qe[-1] < qe[len(qe) // 2] < qe[1]
    assert som.quantization_error(colours) == pytest.approx(qe[-1])
    assert som.topographic_error(colours) < 0.1
    assert som.u_matrix().shape == (10, 10)
    assert som.winner_map(colours).sum() == 500


def test_predict_and_transform(colours):
    som = SOM(grid=(4, 6), random_state=0, epochs=2).fit(colours)
    D = som.transform(colours[:7])
    assert D.shape == (7, 24)
    reference = np.linalg.norm(colours[:7, None, :] - som.weights_[None], axis=2)
    np.testing.assert_allclose(D, reference, atol=1e-7)
    np.testing.assert_array_equal(som.predict(colours[:7]), reference.argmin(axis=1))
    rc = som.winner_coordinates(colours[:7])
    np.testing.assert_array_equal(rc[:, 0] * 6 + rc[:, 1], som.predict(colours[:7]))
    winners = som.weights_[som.predict(colours)]
    assert som.score(colours) == pytest.approx(-np.linalg.norm(colours - winners, axis=1).mean())


def test_distances_stay_exact_far_from_the_origin(colours):
    # ‖x‖² − 2x·w + ‖w‖² loses every digit for points near 10⁶ that differ by 10⁻²:
    # the quantization error read 0 and predict agreed with the true winner 20 % of the time
    X = 1e6 + 0.01 * colours[:100, :2]
    som = SOM(grid=(3, 3), random_state=0, epochs=5).fit(X)
    reference = np.linalg.norm(X[:, None, :] - som.weights_[None], axis=2)
    np.testing.assert_allclose(som.transform(X), reference, rtol=1e-6)
    np.testing.assert_array_equal(som.predict(X), reference.argmin(axis=1))
    assert som.quantization_error(X) == pytest.approx(reference.min(axis=1).mean(), rel=1e-6)
    assert som.quantization_error(X) > 1e-3


def test_topographic_error_against_explicit_neighbours(colours):
    som = SOM(grid=(5, 5), epochs=1, random_state=1).fit(colours)
    D = np.linalg.norm(colours[:, None, :] - som.weights_[None], axis=2)
    errors = 0
    for row in D:
        a, b = np.argsort(row)[:2]
        (ra, ca), (rb, cb) = divmod(a, 5), divmod(b, 5)
        errors += abs(ra - rb) + abs(ca - cb) != 1
    assert som.topographic_error(colours) == pytest.approx(errors / len(D))


def test_grid_geometry():
    rect = grid_coordinates(3, 3, "rectangular")
    hexa = grid_coordinates(3, 3, "hexagonal")
    for C, n_neighbours in [(rect, 4), (hexa, 6)]:
        d = np.linalg.norm(C[:, None] - C[None], axis=2)
        assert np.sum(np.isclose(d[4], 1.0)) == n_neighbours  # the centre neuron
        assert d[np.triu_indices(9, 1)].min() == pytest.approx(1.0)


def test_schedules_reach_their_end_values():
    u = np.array([0.0, 0.5, 1.0])
    for name in ("exponential", "linear", "inverse"):
        v = decay(0.5, 0.01, u, name)
        assert v[0] == pytest.approx(0.5) and v[-1] == pytest.approx(0.01)
        assert v[0] > v[1] > v[2]
    assert decay(0.5, 0.01, 0.5, "linear") == pytest.approx(0.255)
    assert decay(1.0, 0.01, 0.5, "exponential") == pytest.approx(0.1)


def test_pca_initialisation_spans_the_first_principal_axis():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 1)) * [5.0] @ [[0.6, 0.8]] + rng.normal(size=(400, 2)) * 0.1
    som = SOM(grid=(1, 5), epochs=1, learning_rate=1e-9, final_learning_rate=1e-9).fit(X)
    W = som.weights_ - X.mean(axis=0)
    # The five weights lie on the line through the mean along (0.6, 0.8), spaced evenly.
    cos = np.abs(W[[0, -1]] @ [0.6, 0.8]) / np.linalg.norm(W[[0, -1]], axis=1)
    assert np.all(cos > 0.999)
    np.testing.assert_allclose(np.diff(W @ [0.6, 0.8]).std(), 0, atol=1e-6)


@pytest.mark.parametrize("n, d", [(500, 6), (5, 12)])
def test_principal_axes_equal_the_svds_with_a_fixed_sign(n, d):
    # more samples than features: from the d × d scatter matrix (MNIST: 0.3 s, the SVD 13 s);
    # fewer: the SVD itself. Either way the SVD's values and axes, each axis signed so that
    # its largest component is positive (the SVD's own signs are LAPACK's choice).
    from glassnet.classic.som import _principal_axes

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)) * np.linspace(3, 0.5, d)
    Xc = X - X.mean(axis=0)
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    mean, scale, axes = _principal_axes(Xc, 2)
    np.testing.assert_allclose(mean, 0, atol=1e-12)
    np.testing.assert_allclose(scale, S[:2] / np.sqrt(n - 1), rtol=1e-10)
    for got, want in zip(axes, Vt[:2]):
        np.testing.assert_allclose(got, want * np.sign(want[np.argmax(np.abs(want))]), atol=1e-10)
        assert got[np.argmax(np.abs(got))] > 0


def test_reproducible_with_random_state(colours):
    a = SOM(grid=(5, 5), init="random", random_state=4, epochs=2).fit(colours).weights_
    b = SOM(grid=(5, 5), init="random", random_state=4, epochs=2).fit(colours).weights_
    c = SOM(grid=(5, 5), init="random", random_state=5, epochs=2).fit(colours).weights_
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    "params, exc, match",
    [
        ({"grid": (10,)}, ValueError, "grid"),
        ({"grid": (0, 3)}, ValueError, "grid"),
        ({"topology": "triangular"}, ValueError, "topology"),
        ({"neighborhood": "mexican"}, ValueError, "neighborhood"),
        ({"schedule": "cosine"}, ValueError, "schedule"),
        ({"mode": "minibatch"}, ValueError, "mode"),
        ({"init": "kmeans"}, ValueError, "init"),
        ({"init": np.zeros((3, 3))}, ValueError, "init"),
        ({"learning_rate": 0}, ValueError, "learning_rate"),
        ({"sigma": -1.0}, ValueError, "sigma"),
        ({"epochs": 1.5}, TypeError, "epochs"),
    ],
)
def test_bad_parameters(colours, params, exc, match):
    with pytest.raises(exc, match=match):
        SOM(**params).fit(colours)


def test_feature_count_checked(colours):
    som = SOM(grid=(3, 3), epochs=1).fit(colours)
    with pytest.raises(ValueError, match="3 features"):
        som.predict(colours[:, :2])


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_huge_inputs_raise_instead_of_nan_errors(mode):
    X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]) * 1e200  # squared distances overflow
    with pytest.raises(ValueError, match=r"X holds values too large for the map.*StandardScaler"):
        SOM(grid=(2, 2), epochs=2, mode=mode, random_state=0).fit(X)
    som = SOM(grid=(2, 2), epochs=2, mode=mode, random_state=0).fit(X / 1e200)
    with pytest.raises(ValueError, match="X holds values too large"):
        som.transform(X)


def test_grid_may_be_a_numpy_pair():
    X = np.random.default_rng(0).random((30, 3))
    a = SOM(grid=np.array([2, 3]), epochs=2, random_state=0).fit(X)
    b = SOM(grid=(2, 3), epochs=2, random_state=0).fit(X)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert a.u_matrix().shape == (2, 3)


@pytest.mark.parametrize("mode", ["online", "batch"])
def test_a_vanishing_sigma_updates_the_winner_alone(mode):
    # σ = 1e-200 squared to 0: h = e^(0/0) was NaN at the winner (online: "diverged",
    # batch: nothing updated, silently). As σ → 0, h is 1 at the winner and 0 elsewhere.
    X = np.random.default_rng(0).random((50, 3))
    tiny = SOM(grid=(3, 3), epochs=3, mode=mode, sigma=1e-200, final_sigma=1e-200, random_state=0).fit(X)
    small = SOM(grid=(3, 3), epochs=3, mode=mode, sigma=0.1, final_sigma=0.1, random_state=0).fit(X)
    np.testing.assert_allclose(tiny.weights_, small.weights_, atol=1e-12)  # e^(-1/0.02) is 2e-22
    assert tiny.quantization_errors_[-1] < tiny.quantization_errors_[0]


@pytest.mark.parametrize("grid, error, message", [
    ((3, 0), ValueError, r"grid\[1\] must be a positive integer. Received: grid\[1\]=0"),
    ((2.5, 3), TypeError, r"grid\[0\] must be a positive integer. Received: grid\[0\]=2.5"),
])
def test_a_bad_grid_side_is_named_by_its_index(grid, error, message):
    # "Received: grid=0" for grid=(3, 0) named a value the user never gave
    with pytest.raises(error, match=message):
        SOM(grid=grid).fit(np.ones((4, 2)))


def test_the_fitted_map_keeps_its_grid_when_grid_is_set_again():
    # winner_coordinates divided by the new grid's cols (silently wrong rows and columns);
    # winner_map and u_matrix raised NumPy's "cannot reshape array of size 12 into shape (2,2)"
    X = np.random.default_rng(0).random((50, 2))
    som = SOM(grid=(3, 4), epochs=1, random_state=0).fit(X)
    coords, hits, U = som.winner_coordinates(X), som.winner_map(X), som.u_matrix()
    som.set_params(grid=(2, 2))
    np.testing.assert_array_equal(som.winner_coordinates(X), coords)
    np.testing.assert_array_equal(som.winner_map(X), hits)
    np.testing.assert_array_equal(som.u_matrix(), U)
    assert som.grid_shape_ == (3, 4) and hits.shape == (3, 4)


def test_quantization_error_of_samples_on_their_neurons():
    # A batch map with σ → 0 leaves each neuron on the one sample it wins, so the error is 0;
    # one more sample (3, 4)·1e-9 off neuron 0 adds 5e-9. From ‖x‖² − 2x·w + ‖w‖², which
    # cancels where x ≈ w, the six samples on their neurons read 2.5e-9, not 0.
    X = np.array([[0.1, 0.7], [0.9, 0.2], [0.4, 0.4], [0.8, 0.9], [0.3, 0.1], [0.6, 0.5]])
    som = SOM(grid=(2, 3), mode="batch", init=X, sigma=1e-3, final_sigma=1e-3, epochs=2).fit(X)
    np.testing.assert_array_equal(som.weights_, X)
    assert som.quantization_errors_ == [0.0, 0.0, 0.0]
    assert som.quantization_error(X) == 0.0
    off = np.vstack([X, X[0] + [3e-9, 4e-9]])
    assert som.quantization_error(off) == pytest.approx(5e-9 / 7, rel=1e-6)



def test_transform_and_u_matrix_read_0_for_samples_and_neighbours_on_the_same_weights():
    # transform and u_matrix took every distance from ‖x‖² − 2x·w + ‖w‖², which cancels where
    # x ≈ w: som.transform(som.weights_) had 2.1e-8 on its diagonal (1.5e-8 for float32 data
    # offset by 1e4), and two neighbours on the same weights were 7.5e-9 apart in the U-matrix.
    # Reference: the distances in float64 from x − w.
    X = np.random.default_rng(0).normal(size=(500, 20))
    som = SOM(grid=(5, 5), random_state=0, epochs=2).fit(X)
    W = som.weights_
    D = som.transform(W)
    np.testing.assert_array_equal(np.diag(D), 0.0)
    np.testing.assert_allclose(D, np.linalg.norm(W[:, None, :] - W[None], axis=2), atol=1e-7)
    x = W[7] + np.r_[3e-9, 4e-9, np.zeros(18)]  # (3, 4)·1e-9 off neuron 7: 5e-9 from it
    assert som.transform(x[None])[0, 7] == pytest.approx(5e-9, rel=1e-6)
    far_X = (1e4 + X[:100]).astype(np.float32)
    far = SOM(grid=(3, 3), random_state=0, epochs=2).fit(far_X)
    np.testing.assert_array_equal(np.diag(far.transform(far.weights_)), 0.0)
    reference = np.linalg.norm(far_X.astype(np.float64)[:, None, :] - far.weights_[None], axis=2)
    np.testing.assert_allclose(far.transform(far_X), reference, rtol=1e-6)

    # neurons 0 and 1 on the same weights, neuron 2 elsewhere; σ → 0 keeps them there
    V = np.random.default_rng(4).random((2, 5))[[0, 0, 1]]
    line = SOM(grid=(1, 3), mode="batch", init=V, sigma=1e-3, final_sigma=1e-3, epochs=1).fit(V)
    np.testing.assert_array_equal(line.weights_, V)
    d12 = np.linalg.norm(V[1] - V[2])
    np.testing.assert_allclose(line.u_matrix(), [[0.0, d12 / 2, d12]], rtol=1e-12, atol=0)
    # on a fitted map: the mean distance to the grid neighbours, neighbour by neighbour
    A = som.adjacency()
    U = [np.mean([np.linalg.norm(W[i] - W[j]) for j in np.flatnonzero(A[i])]) for i in range(len(W))]
    np.testing.assert_allclose(som.u_matrix(), np.reshape(U, (5, 5)), rtol=1e-12)


def offset_row_neighbours(r, c, rows, cols, topology):
    """Grid neighbours of neuron (r, c), listed by hand: 4 on a rectangular grid; 6 on a hexagonal
    one whose odd rows are shifted right by ½, so that row r ± 1 holds (c − 1, c) for an even r
    and (c, c + 1) for an odd one."""
    cand = [(r, c - 1), (r, c + 1)]
    if topology == "rectangular":
        cand += [(r - 1, c), (r + 1, c)]
    else:
        shift = (c - 1, c) if r % 2 == 0 else (c, c + 1)
        cand += [(r + dr, cc) for dr in (-1, 1) for cc in shift]
    return [a * cols + b for a, b in cand if 0 <= a < rows and 0 <= b < cols]


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_adjacency_topographic_error_and_u_matrix_follow_the_offset_rows(colours, topology):
    rows, cols = 5, 7  # odd sides: the last row is even, the last column ends shifted rows
    som = SOM(grid=(rows, cols), topology=topology, epochs=2, random_state=0).fit(colours)
    W = som.weights_
    neighbours = [offset_row_neighbours(*divmod(j, cols), rows, cols, topology) for j in range(rows * cols)]
    A = np.zeros((rows * cols, rows * cols), dtype=bool)
    for j, nj in enumerate(neighbours):
        A[j, nj] = True
    np.testing.assert_array_equal(som.adjacency(), A)
    D = np.linalg.norm(colours[:, None, :] - W[None], axis=2)
    first, second = np.argsort(D, axis=1)[:, :2].T
    te = np.mean([b not in neighbours[a] for a, b in zip(first, second)])
    assert te > 0 and som.topographic_error(colours) == pytest.approx(te, abs=1e-12)
    U = [np.mean([np.linalg.norm(W[j] - W[k]) for k in nj]) for j, nj in enumerate(neighbours)]
    np.testing.assert_allclose(som.u_matrix(), np.reshape(U, (rows, cols)), rtol=1e-12)


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
@pytest.mark.parametrize("neighborhood", ["gaussian", "bubble"])
@pytest.mark.parametrize("schedule", ["exponential", "linear", "inverse"])
def test_online_epochs_follow_kohonens_rule_step_by_step(colours, topology, neighborhood, schedule):
    # A plain loop over the 3 × 20 steps t: u = t/(T − 1); α, σ from the schedule's formula;
    # winner argmin ‖x − w‖; h from the distance between grid positions (x = c + ½·(r mod 2),
    # y = r·√3/2 on a hexagonal grid); w ← w + α·h·(x − w)
    X, rows, cols, T = colours[:20], 3, 4, 60
    W = np.random.default_rng(1).random((rows * cols, 3))
    som = SOM(grid=(rows, cols), topology=topology, neighborhood=neighborhood, schedule=schedule, init=W,
              epochs=3, shuffle=False, learning_rate=0.7, final_learning_rate=0.05, sigma=2.5,
              final_sigma=0.6).fit(X)
    r, c = np.divmod(np.arange(rows * cols), cols)
    grid = (np.column_stack([c + 0.5 * (r % 2), r * np.sqrt(3) / 2]) if topology == "hexagonal"
            else np.column_stack([c, r]).astype(float))
    formula = {"exponential": lambda a, b, u: a * (b / a) ** u, "linear": lambda a, b, u: a + (b - a) * u,
               "inverse": lambda a, b, u: a / (1 + (a / b - 1) * u)}[schedule]
    for t in range(T):
        x, u = X[t % 20], t / (T - 1)
        alpha, sigma = formula(0.7, 0.05, u), formula(2.5, 0.6, u)
        d = np.linalg.norm(grid - grid[np.argmin(np.linalg.norm(W - x, axis=1))], axis=1)
        h = np.exp(-d**2 / (2 * sigma**2)) if neighborhood == "gaussian" else (d <= sigma).astype(float)
        W = W + alpha * h[:, None] * (x - W)
    np.testing.assert_allclose(som.weights_, W, rtol=1e-12, atol=1e-14)


def test_float32_data_train_as_their_float64_copy_in_chunks(monkeypatch):
    # A float64 copy of MNIST's 70000 × 784 float32 pixels took 4 s, the (n, d) temporaries of the
    # distances and the PCA init seconds more: float32 data now stay float32 and every pass goes
    # CHUNK rows at a time. Each float32 value is exact in float64, so online training (winners
    # from x − w, updates in float64) gives the float64 copy's weights bit for bit.
    from glassnet.classic import som as som_module

    monkeypatch.setattr(som_module, "CHUNK", 7)  # several chunks and a ragged last one
    X32 = np.random.default_rng(0).random((60, 5)).astype(np.float32)
    X64 = X32.astype(np.float64)
    a = SOM(grid=(3, 4), epochs=2, random_state=0).fit(X32)
    b = SOM(grid=(3, 4), epochs=2, random_state=0).fit(X64)
    assert a.weights_.dtype == np.float64
    np.testing.assert_array_equal(a.weights_, b.weights_)
    # winners in float32 (see docs/classic.md): the error as from float64 distances, to rounding
    np.testing.assert_allclose(a.quantization_errors_, b.quantization_errors_, rtol=1e-12)
    reference = np.linalg.norm(X64[:, None, :] - a.weights_[None], axis=2)
    np.testing.assert_array_equal(a.predict(X32), reference.argmin(axis=1))
    np.testing.assert_allclose(a.transform(X32), reference, rtol=1e-6)
    # 1e20 squares past float32's range: those distances are taken in float64
    big = SOM(grid=(2, 2), epochs=1, random_state=0).fit(X64 * 1e20)
    far = np.linalg.norm(X64[:, None, :] * 1e20 - big.weights_[None], axis=2)
    np.testing.assert_array_equal(big.predict((X32 * np.float32(1e20))), far.argmin(axis=1))


def test_topographic_error_takes_the_first_of_tied_neurons():
    # 1×3 map, weights 0, 1, 2 on one feature; x = 0.5 is as near to neuron 0 as to neuron 1, and
    # x = 1.5 to 1 and 2: best and second are neighbours either way. x = 1 has neuron 1 first and
    # 0 and 2 tied second: the first (0) is taken, a neighbour too. So the error is 0; with the
    # far neurons 0 and 2 taken as the best pair it would be 1/3.
    som = SOM(grid=(1, 3), init=[[0.0], [1.0], [2.0]], learning_rate=1e-12, final_learning_rate=1e-12,
              epochs=1, shuffle=False).fit([[0.5], [1.5], [1.0]])
    assert som.topographic_error([[0.5], [1.5], [1.0]]) == 0.0
    three = SOM(grid=(1, 4), init=[[0.0], [5.0], [1.0], [9.0]], learning_rate=1e-12, final_learning_rate=1e-12,
                sigma=1e-3, final_sigma=1e-3, epochs=1, shuffle=False).fit([[0.5]])
    assert three.topographic_error([[0.5]]) == 1.0  # neurons 0 and 2 (not grid neighbours) tie first


# --- glassnet som (the command line) ------------------------------------------------------------

def _no_training(monkeypatch):
    """Make SOM.fit fail at once, so that a command that trains despite its size says so in its error."""
    from glassnet.classic import SOM as Map

    monkeypatch.setattr(Map, "fit", lambda *args, **kwargs: pytest.fail("the map was trained"))


def test_som_command_refuses_a_map_whose_distances_outgrow_the_memory(tmp_path, monkeypatch, capsys):
    # --grid 200x200 on xor ran 120 s to 16 GB and then failed with MemoryError; a map whose 500 × M
    # distances outgrow the machine is refused before training, as train refuses huge --layers
    import glassnet.cli.classic as classic
    from test_cli import assert_one_line_error, call

    monkeypatch.setattr(classic, "_physical_memory", lambda: 16 * 2**30)
    _no_training(monkeypatch)
    result = call("som", "xor", "--grid", "1500x1500", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert_one_line_error(result)
    assert result.stderr == ("glassnet som: error: a 1500×1500 map of 500 samples holds the distance of every sample to "
                             "every neuron: about 34 GiB, more than this machine's 16 GiB of memory. Choose a smaller "
                             "--grid.\n")


def test_som_command_refuses_hours_of_work_before_training(tmp_path, monkeypatch, capsys):
    import glassnet.cli.classic as classic
    from test_cli import assert_one_line_error, call

    monkeypatch.setattr(classic, "_physical_memory", lambda: 16 * 2**30)
    _no_training(monkeypatch)
    result = call("som", "xor", "--grid", "100x100", "--epochs", "10000", cwd=tmp_path, monkeypatch=monkeypatch,
                  capsys=capsys)
    assert_one_line_error(result)
    # 500 samples × 10000 epochs × (10000 neurons × (2 + 40) + 10000 a step) units of 3 ns
    assert result.stderr == ("glassnet som: error: a 100×100 map trained 10000 epoch(s) on 500 samples of 2 features "
                             "would take about 1.8 hours on 2 cores; glassnet som takes runs of up to about an hour. "
                             "Choose a smaller --grid or fewer --epochs (or train glassnet.classic.SOM from Python).\n")


def test_som_command_reports_progress_every_5_s_not_every_epoch(tmp_path, monkeypatch, capsys):
    # --epochs 3000 on a 5 × 5 map wrote a line for each epoch after the first 2 s: 2913 lines, 56 a second
    import itertools

    import glassnet.cli.classic as classic
    from test_cli import call

    clock = (0.25 * k for k in itertools.count())  # each reading 0.25 s after the last: epoch e ends at e/4 s
    monkeypatch.setattr(classic, "time", type("Clock", (), {"monotonic": staticmethod(lambda: next(clock))}))
    result = call("som", "xor", "--samples", "20", "--grid", "2x2", "--epochs", "100", cwd=tmp_path,
                  monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    said = [int(line.split("/")[0].removeprefix("epoch ")) for line in result.stderr.splitlines()]
    assert said == [8, 28, 48, 68, 88, 100]  # from 2 s on, every 5 s, and the last epoch
