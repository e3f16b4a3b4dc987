"""SOM and Hopfield as students use them (s60 hunt hsomapp, F1-F7): the label map and its
classifier against MiniSom's recipe (reimplemented in NumPy), a map of given weights (epochs=0),
plot_som's one-row layout and prototypes, the Hopfield energy legend, classify on stacks."""

from collections import Counter

import numpy as np
import pytest

from glassnet.classic import SOM, Hopfield, load_bitmaps
from glassnet.datasets import load_digits


def _given_map(W, X, grid):
    """A map holding the weights W, untrained."""
    return SOM(grid=grid, init=np.asarray(W, dtype=float), epochs=0).fit(X)


# ---- F2: label_map ---------------------------------------------------------------
def test_label_map_by_hand():
    # neurons at 0, 10, 20 and 30 on a line; samples won: 0 ← {0, 1, 2}, 1 ← {9, 11}, 2 ← none, 3 ← {29}
    W = np.array([[0.0], [10.0], [20.0], [30.0]])
    X = np.array([[0.0], [1.0], [2.0], [9.0], [11.0], [29.0]])
    som = _given_map(W, X, (2, 2))
    y = np.array([3, 5, 5, 7, 2, 4])
    # neuron 0: 5 twice; neuron 1: 7 and 2 once each, 7 met first (MiniSom's Counter order); neuron 2: empty
    np.testing.assert_array_equal(som.label_map(X, y), [[5, 7], [-1, 4]])
    np.testing.assert_array_equal(som.label_map(X, y, fill=5), [[5, 7], [5, 4]])
    named = som.label_map(X, np.array(["c", "a", "a", "b", "z", "d"]))
    assert named.dtype == object and named.tolist() == [["a", "b"], [-1, "d"]]
    assert som.label_map(X, np.array(["c", "a", "a", "b", "z", "d"]), fill=None)[1, 0] is None
    with pytest.raises(ValueError, match="one label per sample"):
        som.label_map(X, y[:5])


def _minisom_recipe(winners_train, y_train, winners_test):
    """MiniSom's classifier example (labels_map, most_common, the global majority for a neuron
    without samples), in plain Python."""
    maps = {}
    for j, label in zip(winners_train.tolist(), y_train.tolist()):
        maps.setdefault(j, Counter())[label] += 1
    default = Counter(y_train.tolist()).most_common(1)[0][0]
    return np.array([maps[j].most_common(1)[0][0] if j in maps else default for j in winners_test.tolist()])


def test_label_map_classifier_matches_minisom_recipe_on_digits():
    X, y = load_digits()
    idx = np.random.default_rng(0).permutation(len(X))
    train, test = idx[:1300], idx[1300:]
    som = SOM(grid=(10, 10), epochs=10, random_state=0).fit(X[train])
    labels = som.label_map(X[train], y[train])
    won = som.winner_map(X[train]) > 0
    assert labels.shape == (10, 10) and (~won).any()  # digits leave a neuron empty: it reads -1, not 0
    np.testing.assert_array_equal(labels == -1, ~won)
    reference = _minisom_recipe(som.predict(X[train]), y[train], som.predict(X[test]))
    predicted = som.label_map(X[train], y[train], fill=np.bincount(y[train]).argmax()).ravel()[som.predict(X[test])]
    np.testing.assert_array_equal(predicted, reference)  # ties included (7 neurons tie here)
    assert np.mean(predicted == y[test]) > 0.9  # 0.9095 here, as MiniSom's recipe on these weights


# ---- F6: a map of given weights ---------------------------------------------------
@pytest.mark.parametrize("mode", ["online", "batch"])
def test_epochs_zero_keeps_given_weights(mode):
    rng = np.random.default_rng(0)
    X, W = rng.random((40, 3)), rng.random((6, 3))
    som = SOM(grid=(2, 3), init=W, epochs=0, mode=mode).fit(X, record_weights=True)
    np.testing.assert_array_equal(som.weights_, W)
    assert som.weights_ is not W and som.weights_history_.shape == (1, 6, 3)
    assert som.quantization_errors_ == [som.quantization_error(X)]
    D = np.linalg.norm(X[:, None] - W[None], axis=2)
    np.testing.assert_array_equal(som.predict(X), D.argmin(axis=1))
    with pytest.raises(ValueError, match="init= an array"):
        SOM(grid=(2, 3), epochs=0).fit(X)
    with pytest.raises(ValueError, match="positive integer"):
        SOM(grid=(2, 3), init=W, epochs=-1).fit(X)


# ---- F7: Hopfield classify / stored_index on stacks ----------------------------------
def test_hopfield_classify_and_stored_index_take_stacks():
    P, _ = load_bitmaps("HTXO")
    net = Hopfield(random_state=0).fit(P)
    starts = np.where(np.random.default_rng(0).random((30, 10, 10)) < 0.5, 1, -1)
    out = net.recall(starts)
    kinds = net.classify(out)
    assert kinds == [net.classify(s) for s in out] and {"stored", "inverse"} <= set(kinds)
    assert kinds == net.classify(out.reshape(30, 100))
    index = net.stored_index(out)
    assert index.shape == (30,)
    np.testing.assert_array_equal(index, [net.stored_index(s) for s in out])
    # by hand: the stored patterns in order, an inverse, one flipped bit
    probe = np.concatenate([P, -P[:1], P[:1]])
    probe[-1, 0, 0] *= -1
    np.testing.assert_array_equal(net.stored_index(probe), [0, 1, 2, 3, -1, -1])
    assert net.classify(probe)[:5] == ["stored"] * 4 + ["inverse"]
    # one state: the plain return types as before
    assert net.classify(P[2]) == "stored" and isinstance(net.stored_index(P[2]), int) and net.stored_index(P[2]) == 2


# ---- plots (F1, F3, F4) ---------------------------------------------------------
@pytest.fixture
def plt_agg():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from glassnet import plots

    return plots


def _outside(fig):
    """The texts (titles, legends) of the drawn figure that stick out of it, in pixels."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box, bad = fig.bbox, []
    for ax in fig.axes:
        for artist in (ax.title, ax.get_legend()):
            if artist is None or (hasattr(artist, "get_text") and not artist.get_text()):
                continue
            b = artist.get_window_extent(renderer)
            if b.x0 < box.x0 - 0.5 or b.y0 < box.y0 - 0.5 or b.x1 > box.x1 + 0.5 or b.y1 > box.y1 + 0.5:
                bad.append((type(artist).__name__, b.bounds))
    tight = fig.get_tightbbox(renderer)  # in inches: every drawn artist
    inside = fig.bbox_inches
    if tight.y1 > inside.y1 + 0.01 or tight.y0 < inside.y0 - 0.01:
        bad.append(("tight bbox", tight.bounds))
    return bad


@pytest.mark.parametrize("d", [1, 3])
def test_plot_som_one_row_with_hits_stays_inside(plt_agg, d, tmp_path):
    C = np.random.default_rng(0).random((200, d))
    som = SOM(grid=(6, 6), epochs=1, random_state=0).fit(C)
    assert _outside(plt_agg.plot_som(som, X=C)) == []  # titles 1.4-3.5 px above the top, the legend below the bottom
    import matplotlib.image

    plt_agg.plot_som(som, X=C, path=tmp_path / "som.png")
    image = matplotlib.image.imread(str(tmp_path / "som.png"))[..., :3]
    edges = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    assert edges.min() == 1.0  # the saved PNG's border is background: no title or legend cut by it


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_plot_som_prototypes(plt_agg, topology):
    X = np.random.default_rng(0).random((120, 6))
    som = SOM(grid=(3, 4), topology=topology, epochs=1, random_state=0).fit(X)
    fig = plt_agg.plot_som(som, X=X, image_shape=(2, 3))
    ax = fig.axes[1]
    assert len(fig.axes) == 3 and "prototypes" in ax.get_title()  # the U-matrix, its colour bar, the prototypes
    assert len(ax.images) == 12
    for j, image in enumerate(ax.images):
        np.testing.assert_array_equal(image.get_array(), som.weights_[j].reshape(2, 3))
        left, right, bottom, top = image.get_extent()
        row, col = som.coordinates_[j]
        assert (left + right) / 2 == pytest.approx(col) and (bottom + top) / 2 == pytest.approx(-row)
    if topology == "hexagonal":  # odd rows shifted right by ½
        assert np.mean(ax.images[4].get_extent()[:2]) == pytest.approx(0.5)
    assert _outside(fig) == []
    for bad in [(2, 2), (6,), "2x3", (2.0, 3.0)]:
        with pytest.raises(ValueError, match="image_shape"):
            plt_agg.plot_som(som, image_shape=bad)


def test_hopfield_energy_legend(plt_agg):
    from glassnet.classic import flip_bits

    P, names = load_bitmaps("HTXO")
    net = Hopfield(random_state=0).fit(P)
    noisy = flip_bits(P, 0.2, random_state=0)
    out, trace = net.recall(noisy, return_trace=True)
    fig = plt_agg.plot_hopfield_recall(P, noisy, out, labels=names, trace=trace)
    legend = fig.axes[-1].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(names)
    styles = [line.get_linestyle() for line in fig.axes[-1].get_lines()]
    assert len(set(styles)) == 4  # H and O, T and X end at equal energies: told apart by their dashes
    unlabelled = plt_agg.plot_hopfield_recall(P, noisy, out, trace=trace)
    assert [t.get_text() for t in unlabelled.axes[-1].get_legend().get_texts()] == [f"pattern {i}" for i in (1, 2, 3, 4)]
