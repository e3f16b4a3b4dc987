"""Plots render under Agg, show the right data and are saved atomically (SPEC E2)."""

import os
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image  # noqa: E402

from glassnet import plots  # noqa: E402
from glassnet.classic.bitmaps import load_bitmaps  # noqa: E402
from glassnet.classic.hopfield import Hopfield, flip_bits  # noqa: E402
from glassnet.classic.som import SOM  # noqa: E402
from glassnet.descent import compare_optimizers, gradient_descent  # noqa: E402
from glassnet.layers import Dense  # noqa: E402
from glassnet.models import Sequential  # noqa: E402


def assert_not_blank(path, min_variance=1e-3):
    """The PNG is an image whose pixels vary (a blank canvas has variance 0)."""
    image = matplotlib.image.imread(str(path))
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    rgb = image[..., :3]
    assert rgb.var() > min_variance
    # Not one flat colour with a few specks: many distinct pixel values.
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 20


@pytest.fixture
def circle_model(rng):
    X = rng.normal(size=(120, 2))
    y = (np.hypot(X[:, 0], X[:, 1]) < 1).astype(int)
    model = Sequential([Dense(8, "tanh", input_dim=2), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy", ["accuracy"])
    history = model.fit(X, y, epochs=5, batch_size=32, verbose=0, validation_split=0.25)
    return model, X, y, history


def test_history_curves(circle_model, tmp_path):
    _, _, _, history = circle_model
    fig = plots.plot_history(history, path=tmp_path / "history.png")
    assert_not_blank(tmp_path / "history.png")
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    train, val = axes[0].get_lines()
    np.testing.assert_allclose(train.get_ydata(), history.history["loss"])
    np.testing.assert_allclose(val.get_ydata(), history.history["val_loss"])
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4, 5])
    # A group of per-layer keys (as the Diagnostics callback writes them) in one panel.
    logs = {"loss": [1.0, 0.5], "grad_norm/dense": [1.0, 2.0], "grad_norm/dense_1": [3.0, 1.0]}
    fig = plots.plot_history(logs, metrics=["grad_norm"])
    assert [line.get_label() for line in fig.get_axes()[0].get_lines()] == ["dense", "dense_1"]
    assert fig.get_axes()[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="no 'f1'"):
        plots.plot_history(history, metrics=["f1"])


def test_decision_boundary_glassnet_and_predict_proba(circle_model, tmp_path):
    model, X, y, _ = circle_model
    fig = plots.plot_decision_boundary(model, X, y, resolution=60, path=tmp_path / "boundary.png")
    assert_not_blank(tmp_path / "boundary.png")
    ax = fig.get_axes()[0]
    lo, hi = ax.get_xlim()
    assert lo < X[:, 0].min() and hi > X[:, 0].max()

    class Threshold:  # scikit-learn's interface: P(class 1) = 1 when x1 > 0
        def predict_proba(self, Z):
            p = (Z[:, 0] > 0).astype(float)
            return np.column_stack([1 - p, p])

    labels = (X[:, 0] > 0).astype(int) * 2 - 1  # bipolar labels are accepted
    plots.plot_decision_boundary(Threshold(), X, labels, resolution=50, path=tmp_path / "sk.png")
    assert_not_blank(tmp_path / "sk.png")
    # Three classes: the most likely class's colour.
    three = Sequential([Dense(3, "softmax", input_dim=2)], seed=1)
    plots.plot_decision_boundary(three, X, np.eye(3)[np.arange(len(X)) % 3], resolution=40,
                                 path=tmp_path / "three.png")
    assert_not_blank(tmp_path / "three.png")
    with pytest.raises(ValueError, match="2 features"):
        plots.plot_decision_boundary(model, np.zeros((4, 3)))


def test_confusion_matrix_counts(rng, tmp_path):
    y_true = rng.integers(0, 4, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, rng.integers(0, 4, 200))
    fig = plots.plot_confusion_matrix(y_true, np.eye(4)[y_pred], labels="abcd", path=tmp_path / "cm.png")
    assert_not_blank(tmp_path / "cm.png")
    expected = np.zeros((4, 4), int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    texts = [int(t.get_text()) for t in fig.get_axes()[0].texts]
    np.testing.assert_array_equal(np.array(texts).reshape(4, 4), expected)
    np.testing.assert_array_equal(fig.get_axes()[0].images[0].get_array(), expected)
    assert f"{np.trace(expected) / 200:.3f}" in fig.get_axes()[0].get_title()


def test_normalized_confusion_matrix_colours_fractions_on_the_whole_scale_and_says_so():
    fig = plots.plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 0], normalize=True)  # every cell ½ of its row
    ax, colorbar = fig.axes
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.5, 0.5], [0.5, 0.5]])
    assert ax.images[0].get_clim() == (0, 1)  # was (0, 0.5): a coin toss coloured as dark as a perfect row
    assert colorbar.get_ylabel() == "fraction of the true class"
    assert plots.plot_confusion_matrix([0, 1], [0, 1]).axes[1].get_ylabel() == "samples"


def test_first_layer_weights_as_mnist_images(tmp_path):
    model = Sequential([Dense(12, "relu", input_dim=784), Dense(10, "softmax")], seed=0)
    model.build()
    fig = plots.plot_weights(model, path=tmp_path / "weights.png")
    assert_not_blank(tmp_path / "weights.png")
    images = [ax.images[0] for ax in fig.get_axes() if ax.images]
    assert len(images) == 12
    W = model.get_weights()[0]
    for j, image in enumerate(images):
        np.testing.assert_array_equal(image.get_array(), W[:, j].reshape(28, 28))
    with pytest.raises(ValueError, match="shape"):
        plots.plot_weights(np.zeros((10, 3)))


def test_weights_of_many_neurons_are_tiles_of_one_picture_on_a_symmetric_scale(rng):
    from matplotlib import colormaps

    W = rng.normal(size=(784, 512))
    W[3, 7] = -9.0  # the largest |w|: the scale runs from −9 to 9, 0 white in the middle
    fig = plots.plot_weights(W, max_units=512)
    # 512 Axes made a 30×30-inch figure, 2 MB as a PNG, that took two minutes to save
    assert fig.get_size_inches()[0] <= plots.MAX_WEIGHTS_WIDTH + 1
    image, = [ax for ax in fig.axes if ax.images]
    colorbar = fig.axes[-1]
    assert colorbar.get_ylabel() == "weight"
    assert colorbar.get_ylim() == (-9.0, 9.0)
    tiles = image.images[0].get_array()
    cols = 23  # ⌈√512⌉
    for j in (0, 7, 30, 511):
        r, c = divmod(j, cols)
        expected = colormaps["RdBu_r"]((W[:, j].reshape(28, 28) + 9) / 18)
        np.testing.assert_allclose(tiles[r * 29:r * 29 + 28, c * 29:c * 29 + 28], expected, atol=1e-6)
    np.testing.assert_array_equal(tiles[-1, -1], [1, 1, 1, 1])  # no neuron 529: white, not a tile
    few = plots.plot_weights(W[:, :32])
    assert len([ax for ax in few.axes if ax.images]) == 32  # (up to MAX_WEIGHT_AXES, an Axes each)
    assert {ax.images[0].get_clim() for ax in few.axes if ax.images} == {(-9.0, 9.0)}


def test_descent_paths(tmp_path):
    trace = gradient_descent(lambda x: x**2, 2.0, 1.05, steps=12, grad=lambda x: 2 * x)
    fig = plots.plot_descent(trace, f=lambda x: x**2, path=tmp_path / "descent.png")
    assert_not_blank(tmp_path / "descent.png")
    points = fig.get_axes()[0].get_lines()[0]
    np.testing.assert_allclose(points.get_xdata(), trace.x)  # 2, −2.2, 2.42, ... as in seed 000
    np.testing.assert_allclose(points.get_ydata()[:3], [4, 4.84, 5.8564])
    assert "diverges" in points.get_label()

    f2 = lambda v: v[0] ** 2 + 3 * v[1] ** 2
    paths = compare_optimizers(f2, np.array([2.0, 1.5]), steps=20)
    fig = plots.plot_descent(paths, f=f2, path=tmp_path / "descent2.svg")
    assert (tmp_path / "descent2.svg").read_text().lstrip().startswith("<?xml")
    labels = [line.get_label() for line in fig.get_axes()[0].get_lines()]
    assert labels == list(paths)
    plots.plot_descent(paths, path=tmp_path / "descent2.png")  # without f: the paths only
    assert_not_blank(tmp_path / "descent2.png")



def test_descent_in_two_dimensions_draws_one_unit_as_long_on_both_axes():
    f = lambda v: v[0] ** 2 + 10 * v[1] ** 2
    trace = gradient_descent(f, np.array([3.0, 1.0]), 0.08, steps=30, grad=lambda v: np.array([2 * v[0], 20 * v[1]]))
    fig = plots.plot_descent(trace, f=f)
    fig.canvas.draw()
    ax = fig.axes[0]
    origin, e1, e2 = ax.transData.transform([[0, 0], [1, 0], [0, 1]])
    # a unit of x1 was 1.4 times as long as one of x2: the step along −∇f = −(2·x1, 20·x2) from (3, 1)
    # did not cross the ellipses at right angles
    np.testing.assert_allclose(np.linalg.norm(e1 - origin), np.linalg.norm(e2 - origin), rtol=1e-6)
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"
    long = gradient_descent(lambda v: v[0] ** 2 + v[1] ** 2, np.array([100.0, 0.0]), 0.1, steps=5,
                            grad=lambda v: 2 * v)
    assert plots.plot_descent(long).axes[0].get_aspect() == "auto"  # a path 100 long and 0 high: not a sliver


def test_descent_path_that_overflows_is_drawn_up_to_where_it_leaves_the_scale(tmp_path):
    with np.errstate(over="ignore", invalid="ignore"):
        trace = gradient_descent(lambda x: x**2, 2.0, 3.0, steps=600, grad=lambda x: 2 * x)
        assert not np.isfinite(trace.fx[-1])  # f overflows first, then x
        fig = plots.plot_descent(trace, f=lambda x: x**2, path=tmp_path / "diverged.png")
    assert_not_blank(tmp_path / "diverged.png")
    points = fig.get_axes()[0].get_lines()[0]
    drawn = np.abs(points.get_ydata())
    assert 0 < len(drawn) < len(trace.x) and drawn.max() <= plots.LARGEST_DRAWN
    np.testing.assert_allclose(points.get_xdata()[:3], trace.x[:3])

def test_hopfield_recall(tmp_path):
    images, names = load_bitmaps("HTX")
    net = Hopfield(random_state=0).fit(images)
    noisy = flip_bits(images, 0.1, random_state=1)
    recalled, trace = net.recall(noisy, return_trace=True)
    fig = plots.plot_hopfield_recall(images, noisy, recalled, labels=names, trace=trace,
                                     path=tmp_path / "hopfield.png")
    assert_not_blank(tmp_path / "hopfield.png")
    shown = [ax.images[0].get_array() for ax in fig.get_axes() if ax.images]
    assert len(shown) == 9
    for i in range(3):
        np.testing.assert_array_equal(shown[3 * i], images[i])
        np.testing.assert_array_equal(shown[3 * i + 1], noisy[i])
        np.testing.assert_array_equal(shown[3 * i + 2], recalled[i])
    flat = plots.plot_hopfield_recall(images.reshape(3, -1), noisy.reshape(3, -1), recalled.reshape(3, -1))
    assert sum(1 for ax in flat.get_axes() if ax.images) == 9
    with pytest.raises(ValueError, match="same number"):
        plots.plot_hopfield_recall(images, noisy[:2], recalled)


def test_hopfield_recall_of_many_patterns_fits_a_slide():
    images, names = load_bitmaps()  # the 18 letters and digits
    noisy = flip_bits(images, 0.1, random_state=0)
    fig = plots.plot_hopfield_recall(images, noisy, images, labels=names)
    width, height = fig.get_size_inches()
    assert width <= plots.MAX_RECALL_WIDTH and height < width  # was 6 × 34.6 inches: one column of 18 rows
    shown = [ax for ax in fig.get_axes() if ax.images]
    assert len(shown) == 54
    for i in range(18):
        for j, expected in enumerate((images[i], noisy[i], images[i])):
            np.testing.assert_array_equal(shown[3 * i + j].images[0].get_array(), expected)
        assert shown[3 * i].get_ylabel() == names[i]
    assert [ax.get_title() for ax in shown if ax.get_title()] == ["stored", "noisy", "recalled"] * 3  # 3 blocks
    many = np.ones((plots.MAX_RECALL_ROWS, 4))
    width, height = plots.plot_hopfield_recall(many, many, many).get_size_inches()
    assert width <= plots.MAX_RECALL_WIDTH and height < 15


@pytest.mark.parametrize("topology", ["rectangular", "hexagonal"])
def test_som_u_matrix_and_component_planes(topology, rng, tmp_path):
    data = np.vstack([rng.normal(c, 0.3, (60, 3)) for c in ([0, 0, 0], [3, 0, 1], [0, 3, 2])])
    som = SOM(grid=(6, 7), topology=topology, epochs=3, random_state=0).fit(data)
    fig = plots.plot_som(som, feature_names=["a", "b", "c"], X=data, path=tmp_path / "som.png")
    assert_not_blank(tmp_path / "som.png")
    titles = [ax.get_title() for ax in fig.get_axes() if ax.get_title()]
    assert titles == ["U-matrix", "component plane: a", "component plane: b", "component plane: c"]
    colour_bars = [ax.get_ylabel() for ax in fig.get_axes() if ax.get_label() == "<colorbar>"]
    assert colour_bars == ["mean distance to the neighbours", "weight 1", "weight 2", "weight 3"]  # were blank
    hits = fig.get_axes()[0].collections[-1]
    assert not hits.get_clip_on()  # the marks of neurons on the map's edge were cut in half
    first = fig.get_axes()[0]
    values = first.images[0].get_array() if topology == "rectangular" else first.collections[0].get_array()
    np.testing.assert_allclose(np.asarray(values).ravel(), som.u_matrix().ravel())
    plots.plot_som(som, ["a", "b", "c"], data, False, tmp_path / "positional.png")  # path stays 5th
    assert_not_blank(tmp_path / "positional.png")
    titled = plots.plot_som(som, components=False, title="my map")
    assert [ax.get_title() for ax in titled.get_axes() if ax.get_title()] == ["my map"]
    with pytest.raises(TypeError, match="fitted"):
        plots.plot_som(SOM())
    # the fitted map is drawn, not the grid and topology set since (NumPy's reshape error, or squares for hexagons)
    som.set_params(grid=(2, 2), topology="hexagonal" if topology == "rectangular" else "rectangular")
    again = plots.plot_som(som, X=data, components=False).get_axes()[0]
    values = again.images[0].get_array() if topology == "rectangular" else again.collections[0].get_array()
    np.testing.assert_allclose(np.asarray(values).ravel(), som.u_matrix().ravel())


def test_som_of_many_features_draws_the_first_component_planes_only(rng):
    # an MNIST map (784 features) drew 785 panels into a 13 × 591-inch figure: 96 s
    som = SOM(grid=(3, 3), epochs=1, random_state=0).fit(rng.random((40, 50)))
    fig = plots.plot_som(som)
    titles = [ax.get_title() for ax in fig.get_axes() if ax.get_title()]
    assert len(titles) == 1 + plots.MAX_COMPONENT_PLANES == 17
    assert titles[1] == "component plane: x1" and titles[-1] == "component plane: x16\n(the first 16 of 50 features)"
    assert fig.get_size_inches()[1] < 20


def test_saving_is_atomic_and_checked(circle_model, tmp_path):
    _, _, _, history = circle_model
    target = tmp_path / "curves.png"
    target.write_bytes(b"old")
    plots.plot_history(history, path=target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.png"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    new = tmp_path / "new.png"
    plots.plot_history(history, path=new)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(ValueError, match="must end with one of"):
        plots.plot_history(history, path=tmp_path / "curves.jpg")
    assert not (tmp_path / "curves.jpg").exists()


def test_one_panel_plots_draw_into_the_axes_they_are_given(circle_model):
    import matplotlib.pyplot as plt

    model, X, y, history = circle_model
    trace = gradient_descent(lambda v: v[0] ** 2 + v[1] ** 2, np.array([1.0, 2.0]), 0.2, steps=5)
    calls = {
        "history": lambda ax: plots.plot_history(history, metrics="loss", ax=ax),
        "boundary": lambda ax: plots.plot_decision_boundary(model, X, y, resolution=20, ax=ax),
        "confusion": lambda ax: plots.plot_confusion_matrix([0, 1, 1, 0], [0, 1, 0, 0], ax=ax),
        "descent": lambda ax: plots.plot_descent(trace, ax=ax),  # these two had no ax=: TypeError
    }
    for draw in calls.values():  # on their own figures, without pyplot: no figure left open
        draw(None)
    plots.plot_history(history), plots.plot_weights(model, shape=(1, 2)), plots.plot_som(_fitted_som())
    assert plt.get_fignums() == []
    fig, axes = plt.subplots(1, 4)
    try:
        for ax, (name, draw) in zip(axes, calls.items()):
            assert draw(ax) is fig
        assert [ax.get_title() for ax in axes] == ["loss", "decision boundary", "confusion matrix (accuracy 0.750)",
                                                   "gradient descent: x ← x − η·∇f(x)"]
        np.testing.assert_allclose(axes[0].get_lines()[0].get_ydata(), history.history["loss"])
        assert axes[2].images and axes[3].get_lines()
        assert plt.get_fignums() == [fig.number]
        two = plt.figure().subplots(1, 2)
        assert [a.get_title() for a in plots.plot_history(history, ax=two).axes] == ["loss", "accuracy"]
        with pytest.raises(ValueError, match=r"ax must be one Axes per panel: 2 for \['loss', 'accuracy'\]"):
            plots.plot_history(history, ax=axes[0])
        plt.close(two[0].figure)
        for draw in calls.values():
            with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
                draw(fig)  # a Figure is no Axes ('Figure' object has no attribute 'collections')
    finally:
        plt.close(fig)


def test_missing_matplotlib_gives_install_hint(monkeypatch, circle_model):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "glassnet\[plots\]"'):
        plots.plot_history(circle_model[3])


def test_confusion_matrix_takes_signed_and_text_labels(tmp_path):
    from glassnet import plots

    fig = plots.plot_confusion_matrix([-1, 1, 1], [-1, 1, -1])  # the perceptron's ±1
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["-1", "1"]
    fig = plots.plot_confusion_matrix(["cat", "dog", "dog"], ["cat", "cat", "dog"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["cat", "dog"]
    with pytest.raises(ValueError, match="labels names 2 classes, but the data has 3"):
        plots.plot_confusion_matrix([0, 1, 2], [0, 1, 2], labels=["a", "b"])
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        plots.plot_confusion_matrix([0, 1], [0.0, np.nan])


def test_plot_mistakes_are_named():
    from glassnet import plots

    assert plots.plot_history({"val_loss": [1.0, 0.5]}) is not None  # only validation curves
    P = np.ones((4, 16))
    with pytest.raises(ValueError, match="labels must name each of the 4 pattern"):
        plots.plot_hopfield_recall(P, P, P, labels=["H"])
    with pytest.raises(ValueError, match="holds 25 pixels, but stored has N=12"):
        plots.plot_hopfield_recall(np.ones((1, 12)), np.ones((1, 12)), np.ones((1, 12)), shape=(5, 5))


def test_plot_history_of_a_fit_of_no_epochs_says_so(rng):
    # fit(epochs=0) returns a History of no epochs: it was refused as no History at all ("must be a History")
    model = Sequential([Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(rng.normal(size=(4, 2)), rng.normal(size=(4, 1)), epochs=0, verbose=0)
    with pytest.raises(ValueError, match=r"history holds no epochs: this History recorded none \(fit ran 0 epochs"):
        plots.plot_history(history)
    with pytest.raises(ValueError, match="must be a History or a non-empty dict of lists. Received: dict"):
        plots.plot_history({})  # (an empty dict is no History's)


def test_confusion_matrix_refuses_mixed_kinds_of_labels():
    with pytest.raises(ValueError, match="same kind of labels: received text and numbers"):
        plots.plot_confusion_matrix(["cat", "dog"], [0.2, 0.9])
    with pytest.raises(ValueError, match="signed labels"):
        plots.plot_confusion_matrix([-1, 1, 1], [-0.8, 0.3, 0.9])  # tanh outputs, not labels


def test_decision_boundary_text_labels_resolution_cap_and_save_check(tmp_path):
    X = np.random.default_rng(0).normal(size=(20, 2))

    class Threshold:  # an estimator with classes_ ["a", "b"]: P("b") = 1 when x1 > 0
        def predict_proba(self, Z):
            p = (Z[:, 0] > 0).astype(float)
            return np.column_stack([1 - p, p])

    y = np.array(["a", "b"] * 10)
    fig = plots.plot_decision_boundary(Threshold(), X, y, resolution=20)
    points = fig.get_axes()[0].collections[-1]
    np.testing.assert_array_equal(points.get_array(), [0, 1] * 10)  # sorted names: "a" -> 0, "b" -> 1
    with pytest.raises(ValueError, match="resolution must be at most 2000 .*Received: resolution=1000000"):
        plots.plot_decision_boundary(Threshold(), X, resolution=10**6)
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure. Received: fig=3"):
        plots.save_figure(3, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


# --- audit fixes ----------------------------------------------------------------------

def three_clusters(labels):
    rng = np.random.default_rng(0)
    idx = np.repeat([0, 1, 2], 20)
    X = np.array([[0, 0], [4, 0], [0, 4]])[idx] + rng.normal(0, 0.5, (60, 2))
    return X, np.asarray(labels)[idx], idx


def legend_names(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("names", [[0, 1, 2], ["setosa", "versicolor", "virginica"]])
def test_decision_boundary_multiclass_perceptron_reads_its_decision_function(names):
    from glassnet.classic import Perceptron

    X, y, idx = three_clusters(names)
    model = Perceptron(max_epochs=200).fit(X, y)
    fig = plots.plot_decision_boundary(model, X, y, resolution=40)
    assert len(fig.axes) == 1  # class regions, no "output" colour bar
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.collections[0].levels, [-0.5, 0.5, 1.5, 2.5])
    np.testing.assert_array_equal(ax.collections[-1].get_array(), idx)
    assert legend_names(ax) == [str(n) for n in names]


def test_decision_boundary_of_pairwise_decision_values_draws_the_predicted_classes():
    # SVC(decision_function_shape="ovo") scores pairs of classes: 6 columns for 4 classes, whose largest colored
    # 78 % of the plane otherwise than predict, and the legend named 6 classes
    svm = pytest.importorskip("sklearn.svm")
    from glassnet.plots.decision import _scores

    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [6, 0], [0, 6], [6, 6]])
    y = np.repeat(np.arange(4), 30)
    X = centres[y] + rng.normal(size=(120, 2))
    model = svm.SVC(decision_function_shape="ovo").fit(X, y)
    assert model.decision_function(X).shape == (120, 6)
    ax = plots.plot_decision_boundary(model, X, y, resolution=30).axes[0]
    np.testing.assert_array_equal(ax.collections[0].levels, [-0.5, 0.5, 1.5, 2.5, 3.5])
    assert legend_names(ax) == ["0", "1", "2", "3"]
    grid = rng.uniform(-3, 9, size=(500, 2))
    scores, _, _ = _scores(model, grid)
    np.testing.assert_array_equal(scores.argmax(axis=1), model.predict(grid))


def test_decision_boundary_colours_points_by_the_class_index_not_the_label_value():
    X, y, idx = three_clusters([1, 2, 3])

    class Nearest:  # an estimator with classes_ [1, 2, 3]
        classes_ = np.array([1, 2, 3])

        def predict_proba(self, Z):
            centres = np.array([[0, 0], [4, 0], [0, 4]])
            return np.eye(3)[np.argmin(((Z[:, None] - centres) ** 2).sum(-1), axis=1)]

    ax = plots.plot_decision_boundary(Nearest(), X, y, resolution=30).axes[0]
    np.testing.assert_array_equal(ax.collections[-1].get_array(), idx)  # class 1 has region 0's colour
    assert legend_names(ax) == ["1", "2", "3"]
    three = Sequential([Dense(3, "softmax", input_dim=2)], seed=1)  # no classes_: sorted values
    ax = plots.plot_decision_boundary(three, X, y, resolution=30).axes[0]
    np.testing.assert_array_equal(ax.collections[-1].get_array(), idx)
    assert legend_names(ax) == ["1", "2", "3"]


@pytest.mark.parametrize("k", [3, 12, 25])
def test_decision_boundary_gives_each_of_many_classes_its_own_colour_as_the_legend_says(k):
    from matplotlib.colors import to_rgba

    centres = 5 * np.column_stack([np.cos(2 * np.pi * np.arange(k) / k), np.sin(2 * np.pi * np.arange(k) / k)])

    class Nearest:
        classes_ = np.arange(k)

        def predict_proba(self, Z):
            return np.eye(k)[np.argmin(((Z[:, None] - centres) ** 2).sum(-1), axis=1)]

    ax = plots.plot_decision_boundary(Nearest(), centres, np.arange(k), resolution=80).axes[0]
    regions = [to_rgba(c[:3]) for c in ax.collections[0].get_facecolor()]  # one filled band per class
    points = ax.collections[-1]
    point_colours = [to_rgba(c[:3]) for c in points.cmap(points.norm(points.get_array()))]
    legend = [to_rgba(handle.get_color()) for handle in ax.get_legend().legend_handles]
    assert len(set(legend)) == k  # classes 9, 10, 11... were all tab10's last colour, the legend named others
    np.testing.assert_allclose(regions, legend)
    np.testing.assert_allclose(point_colours, legend)


def test_decision_boundary_legend_of_many_classes_sits_beside_the_plane_not_on_its_points():
    k = 10
    centres = 5 * np.column_stack([np.cos(2 * np.pi * np.arange(k) / k), np.sin(2 * np.pi * np.arange(k) / k)])
    names = np.array([f"a rather long class name {i}" for i in range(k)])

    class Nearest:
        classes_ = names

        def predict_proba(self, Z):
            return np.eye(k)[np.argmin(((Z[:, None] - centres) ** 2).sum(-1), axis=1)]

    fig = plots.plot_decision_boundary(Nearest(), centres, names, resolution=40)
    fig.canvas.draw()
    ax = fig.axes[0]
    legend, plane = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.x0 >= plane.x1  # it covered the points of the lower left classes
    assert fig.get_window_extent().x1 >= legend.x1  # and it is on the figure, not cut off
    assert plane.width >= 0.5 * fig.get_window_extent().width  # the plane kept its size


def test_decision_boundary_of_tanh_outputs_is_at_zero_on_a_centred_scale(rng):
    from matplotlib.colors import TwoSlopeNorm

    X = rng.normal(size=(50, 2))
    y = np.where(X[:, 0] > 0, 1, -1)
    model = Sequential([Dense(1, "tanh", input_dim=2)], seed=0)  # zero bias: the boundary crosses the origin
    fig = plots.plot_decision_boundary(model, X, y, resolution=30)
    mesh, boundary, points = fig.axes[0].collections
    np.testing.assert_array_equal(boundary.levels, [0.0])
    assert isinstance(mesh.norm, TwoSlopeNorm) and mesh.norm.vcenter == 0
    np.testing.assert_array_equal(points.get_array(), (y > 0).astype(int))


def test_decision_boundary_of_two_logits_is_where_they_are_equal(rng):
    from glassnet.losses import SparseCategoricalCrossentropy

    X = rng.uniform(-3, 3, (50, 2))
    y = (X[:, 0] > 1).astype(int)
    for loss in (SparseCategoricalCrossentropy(from_logits=True), "mse"):  # logits, and two linear outputs
        model = Sequential([Dense(2, input_dim=2)], seed=0)
        model.compile("sgd", loss)
        # z0 = x1, z1 = 2·x1 − 1: class 1 wins where z1 − z0 = x1 − 1 > 0 (z1 alone is 0 at x1 = 0.5)
        model.set_weights([np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([0.0, -1.0])])
        fig = plots.plot_decision_boundary(model, X, y, resolution=41)
        boundary = fig.axes[0].collections[1]
        np.testing.assert_array_equal(boundary.levels, [0.0])
        x1 = np.concatenate([path.vertices[:, 0] for path in boundary.get_paths()])
        np.testing.assert_allclose(x1, 1.0, atol=1e-6)
        np.testing.assert_array_equal(np.argmax(model.predict(np.array([[0.9, 0.0], [1.1, 0.0]])), axis=1), [0, 1])


@pytest.mark.parametrize("loss", ["hinge", "perceptron", "log_loss"])
def test_decision_boundary_of_a_margin_classifier_is_the_sign_of_its_linear_output(loss, rng):
    X = rng.uniform(-2, 2, (40, 2))
    y = np.where(X[:, 0] > 0.5, 1, -1)
    model = Sequential([Dense(1, input_dim=2)], seed=0)  # a linear output trained on ±1 labels: a classifier
    model.compile("sgd", loss)
    model.set_weights([np.array([[1.0], [0.0]]), np.array([-0.5])])  # ŷ = x1 − 0.5: the class is its sign
    ax = plots.plot_decision_boundary(model, X, y, resolution=41).axes[0]
    assert ax.get_title() == "decision boundary"  # was "model output (a regression)", without a boundary
    mesh, boundary, points = ax.collections
    np.testing.assert_array_equal(boundary.levels, [0.0])
    x1 = np.concatenate([path.vertices[:, 0] for path in boundary.get_paths()])
    np.testing.assert_allclose(x1, 0.5, atol=1e-6)
    np.testing.assert_array_equal(points.get_array(), (y > 0).astype(int))


def test_decision_boundary_of_a_regressor_draws_its_output_surface(rng):
    import warnings

    from glassnet.sklearn import MLPRegressor

    X = rng.uniform(-2, 2, (40, 2))
    y = 3 * X[:, 0] + X[:, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged: fine for a picture
        regressor = MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, y)
    for model in (regressor, Sequential([Dense(1, input_dim=2)], seed=0)):  # a linear output, no classes
        fig = plots.plot_decision_boundary(model, X, y, resolution=30)
        ax = fig.axes[0]
        mesh, points = ax.collections  # no 0.5 "boundary"
        assert ax.get_title() == "model output (a regression)"
        np.testing.assert_allclose(points.get_array(), y)  # coloured by y, on the surface's scale
        assert (points.norm.vmin, points.norm.vmax) == pytest.approx((mesh.levels[0], mesh.levels[-1]))
        assert mesh.levels[0] <= y.min() and mesh.levels[-1] >= y.max()


def test_decision_boundary_of_a_constant_regressor_and_bad_regression_targets(rng):
    class Mean:  # as scikit-learn's DummyRegressor on house prices: one value everywhere
        _estimator_type = "regressor"

        def predict(self, Z):
            return np.full(len(Z), 2.5e5)

    X = rng.normal(size=(10, 2))
    y = np.full(10, 2.5e5)
    ax = plots.plot_decision_boundary(Mean(), X, y, resolution=10).axes[0]  # was "Contour levels must be increasing"
    mesh, points = ax.collections
    assert np.all(np.diff(mesh.levels) > 0) and mesh.levels[0] == 2.5e5
    np.testing.assert_array_equal(points.get_array(), y)
    with pytest.raises(TypeError, match="y must contain numbers"):  # was "could not convert string to float"
        plots.plot_decision_boundary(Mean(), X, ["a"] * 10, resolution=10)
    with pytest.raises(ValueError, match="y contains NaN"):  # was drawn: points without a colour
        plots.plot_decision_boundary(Mean(), X, np.where(np.arange(10) == 3, np.nan, 1.0), resolution=10)


def test_confusion_matrix_labels_of_text_classes_set_their_order():
    y_true = ["virginica", "setosa", "versicolor", "setosa", "setosa"]
    y_pred = ["virginica", "setosa", "setosa", "setosa", "versicolor"]
    order = ["virginica", "versicolor", "setosa"]
    ax = plots.plot_confusion_matrix(y_true, y_pred, labels=order).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == order
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 0, 0], [0, 0, 1], [0, 1, 2]])
    with pytest.raises(ValueError, match="labels must list every class of the data; it lacks"):
        plots.plot_confusion_matrix(y_true, y_pred, labels=["a", "b", "c"])


def test_confusion_matrix_numeric_labels_that_list_the_classes_order_them_as_scikit_learn():
    # labels=[1, 2, 3, 4] for labels 1..3 were taken as names of indices 0..3: class 1 was drawn in row "2"
    y_true, y_pred = [1, 1, 2, 3, 3, 3], [1, 2, 2, 3, 3, 1]
    cases = [(y_true, y_pred, [1, 2, 3, 4], [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]]),
             (np.subtract(y_true, 1), np.subtract(y_pred, 1), [2, 1, 0], [[2, 0, 1], [0, 1, 0], [0, 1, 1]])]
    for t, p, labels, expected in cases:  # expected: sklearn.metrics.confusion_matrix(t, p, labels=labels)
        ax = plots.plot_confusion_matrix(t, p, labels=labels).axes[0]
        assert [tick.get_text() for tick in ax.get_yticklabels()] == [str(v) for v in labels]
        np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    ax = plots.plot_confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], labels=[10, 20, 30]).axes[0]  # names, not classes
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["10", "20", "30"]
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 1, 0], [0, 1, 0], [0, 0, 1]])


def test_confusion_matrix_of_labels_from_one_has_no_class_zero():
    ax = plots.plot_confusion_matrix([1, 2, 3, 3], [1, 2, 3, 2]).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    ax = plots.plot_confusion_matrix([1, 2, 3, 3], [1, 2, 3, 2], labels=["one", "two", "three"]).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["one", "two", "three"]
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 0, 0], [0, 1, 0], [0, 1, 1]])
    ax = plots.plot_confusion_matrix([1, 1, 2], [1, 2, 2], labels=["a", "b", "c"]).axes[0]  # labels cover 0..2
    assert ax.images[0].get_array().shape == (3, 3)


def test_confusion_matrix_rotates_long_class_names():
    names = [f"digit_{i}_long" for i in range(10)]
    ax = plots.plot_confusion_matrix(np.arange(10), np.arange(10), labels=names).axes[0]
    assert {(t.get_rotation(), t.get_horizontalalignment()) for t in ax.get_xticklabels()} == {(45, "right")}
    ax = plots.plot_confusion_matrix(["cat", "dog"], ["cat", "dog"]).axes[0]
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {0}


def test_descent_takes_f_as_an_expression_as_gradient_descent_does():
    # gradient_descent("x**2", ...) took the expression; plot_descent(trace, f="x**2") refused it
    trace = gradient_descent("x**2", 2.0, 0.2, steps=3)
    points, curve = plots.plot_descent(trace, f="x**2").axes[0].get_lines()
    np.testing.assert_allclose(points.get_ydata(), trace.x**2)
    np.testing.assert_allclose(curve.get_ydata(), curve.get_xdata() ** 2)
    trace = gradient_descent("x1**2 + 3*x2**2", [2.0, 1.5], 0.1, steps=5)
    levels = [next(c.levels for c in plots.plot_descent(trace, f=f).axes[0].collections if hasattr(c, "levels"))
              for f in ("x1^2 + 3*x2^2", lambda v: v[0] ** 2 + 3 * v[1] ** 2)]
    np.testing.assert_allclose(*levels)  # the same contour lines as the function's


def test_descent_in_one_dimension_from_an_array_of_one():
    trace = gradient_descent(lambda v: float(v[0] ** 2), np.array([2.0]), 0.1, steps=5)
    assert trace.x.shape == (6, 1)
    ax = plots.plot_descent(trace, f=lambda v: float(v[0] ** 2)).axes[0]
    points, curve = ax.get_lines()
    np.testing.assert_allclose(points.get_xdata(), trace.x[:, 0])
    np.testing.assert_allclose(curve.get_ydata(), curve.get_xdata() ** 2)
    assert ax.get_xlabel() == "x"


def test_descent_title_names_the_optimizer():
    plain = gradient_descent(lambda x: x**2, 2.0, 0.1, steps=5)
    momentum = gradient_descent(lambda x: x**2, 2.0, 0.1, steps=5, optimizer="momentum", momentum=0.9)
    assert plots.plot_descent(plain).axes[0].get_title() == "gradient descent: x ← x − η·∇f(x)"
    assert plots.plot_descent(momentum).axes[0].get_title().startswith("momentum: x ← x − Δ")
    paths = compare_optimizers(lambda v: v[0] ** 2 + 3 * v[1] ** 2, np.array([2.0, 1.5]), steps=5)
    fig = plots.plot_descent(paths)
    fig.canvas.draw()
    title = fig.axes[0].title.get_window_extent()
    figure = fig.get_window_extent()
    # "adagrad, adam, momentum, nesterov, rmsprop: x ← x − Δ (the optimizer's step)" ran off both sides
    assert figure.x0 <= title.x0 and title.x1 <= figure.x1
    assert fig.axes[0].get_title() == "x ← x − Δ (the step of each optimizer in the legend)"


def test_weights_of_one_unit_and_of_an_estimator(rng):
    import warnings

    from glassnet.sklearn import MLPClassifier

    one = Sequential([Dense(1, "sigmoid", input_dim=16)], seed=0)
    one.build()
    assert plots.plot_weights(one).get_size_inches()[0] >= 4  # room for the title
    X = rng.normal(size=(30, 16))
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="fit it first, or pass a weight array such as estimator.coefs_"):
        plots.plot_weights(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, (X[:, 0] > 0).astype(int))
    images = [ax.images[0].get_array() for ax in plots.plot_weights(clf).axes if ax.images]
    assert len(images) == 4
    np.testing.assert_array_equal(images[1], clf.coefs_[0][:, 1].reshape(4, 4))


def test_weights_of_a_fitted_scikit_learn_mlp(rng):
    import warnings

    neural_network = pytest.importorskip("sklearn.neural_network")
    X = rng.normal(size=(30, 16))
    clf = neural_network.MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, (X[:, 0] > 0).astype(int))
    # was "MLPClassifier has no network yet: fit it first" for a fitted one
    images = [ax.images[0].get_array() for ax in plots.plot_weights(clf).axes if ax.images]
    assert len(images) == 4
    np.testing.assert_array_equal(images[3], clf.coefs_[0][:, 3].reshape(4, 4))


def test_history_marks_divergence_and_counts_whole_epochs():
    ax = plots.plot_history({"loss": [1.0, 0.5, np.nan, np.inf]}).axes[0]
    marks = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(marks) == 1 and list(marks[0].get_xdata()) == [3, 3]
    assert [t.get_text().strip() for t in ax.texts] == ["diverged"]
    ax = plots.plot_history({"loss": [1e3, 1e6, np.nan, np.nan, np.nan, np.nan]}).axes[0]
    assert ax.get_xlim()[1] >= 6  # the axis stopped at epoch 2, as if training had ended there
    for loss in ([1.0, 0.5, np.nan], list(np.linspace(1, 0.5, 199)) + [np.nan]):  # NaN in the last epoch
        fig = plots.plot_history({"loss": loss})
        fig.canvas.draw()
        ax = fig.axes[0]
        word, frame = ax.texts[0].get_window_extent(), ax.get_window_extent()
        assert frame.x0 <= word.x0 and word.x1 <= frame.x1  # "diverged" ran out of the frame on the right
    ax = plots.plot_history({"loss": [1.0, 0.5]}).axes[0]
    assert not [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    ticks = ax.get_xticks()
    np.testing.assert_array_equal(ticks, np.round(ticks))


def test_history_labels_a_learning_rate_as_such_not_as_a_training_curve():
    fig = plots.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.6], "learning_rate": [0.1, 0.05]})
    labels = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes]
    assert labels == [["training", "validation"], ["learning rate η"]]  # was ["training"]: η is set, not measured


def test_history_of_values_spanning_decades_is_on_a_log_scale_and_ticks_need_no_offset():
    diverging = {"loss": [1e3, 1e4, 1e6, 1e9, np.nan], "val_loss": [1e3, 2e4, 3e6, np.inf, np.nan]}
    assert plots.plot_history(diverging).axes[0].get_yscale() == "log"  # linear: 1e3..1e6 lay flat on 0
    learning = {"loss": list(2.3 * 0.98 ** np.arange(100)), "accuracy": list(np.linspace(0.1, 0.99, 100))}
    assert [ax.get_yscale() for ax in plots.plot_history(learning).axes] == ["linear", "linear"]  # 2.3 → 0.31
    assert plots.plot_history({"loss": [1e3, 1.0, 0.0]}).axes[0].get_yscale() == "linear"  # a loss of 0 stays
    small = {"loss": [4e-4, 2e-4, 1e-4], "learning_rate": list(0.01 * 0.98 ** np.arange(200))}  # 4×, 56×
    assert [ax.get_yscale() for ax in plots.plot_history(small).axes] == ["linear", "linear"]
    assert plots.plot_history({"loss": [np.nan, np.nan]}).axes[0].get_yscale() == "linear"
    stuck = 2.302585 + 1e-6 * np.arange(10)  # a loss stuck at ln 10: ten classes, nothing learnt
    fig = plots.plot_history({"loss": list(stuck)})
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.yaxis.get_offset_text().get_text() == ""  # was "+2.302585" above ticks 0.000000..0.000009
    labels = [float(t.get_text().replace("−", "-")) for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(2.3025 < v < 2.3026 for v in labels)


def test_history_draws_each_value_at_the_epoch_it_was_measured(rng):
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Dense(1, "sigmoid", input_dim=2)], seed=0)
    model.compile("sgd", "binary_crossentropy")
    history = model.fit(X, y, epochs=6, validation_split=0.25, validation_freq=2, verbose=0)
    assert len(history.history["val_loss"]) == 3  # validated after epochs 2, 4 and 6 only (as Keras)
    train, val = plots.plot_history(history).axes[0].get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(val.get_xdata(), [2, 4, 6])
    np.testing.assert_allclose(val.get_ydata(), history.history["val_loss"])
    resumed = model.fit(X, y, initial_epoch=6, epochs=8, verbose=0)  # the progress bar says "Epoch 7/8"
    np.testing.assert_array_equal(plots.plot_history(resumed).axes[0].get_lines()[0].get_xdata(), [7, 8])
    again = model.fit(X, y, epochs=2, verbose=0, callbacks=[resumed])  # a History that two fits filled, each from 0
    np.testing.assert_array_equal(plots.plot_history(again).axes[0].get_lines()[0].get_xdata(), [1, 2, 3, 4])
    ax = plots.plot_history({"loss": [1.0, 2.0], "val_loss": [3.0]}).axes[0]  # a dict: from epoch 1
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[1, 2], [1]]


def test_history_of_a_per_class_metric_draws_a_curve_per_class(rng):
    from glassnet.metrics import F1Score

    X = rng.normal(size=(40, 2))
    model = Sequential([Dense(2, "softmax", input_dim=2)], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[F1Score(average=None)])
    history = model.fit(X, (X[:, 0] > 0).astype(int), epochs=3, verbose=0)  # f1_score: one array of 2 per epoch
    ax = plots.plot_history(history).axes[1]  # was "history must map names to lists of per-epoch values"
    assert ax.get_title() == "F1 score (f1_score)"
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training, class 0", "training, class 1"]
    for i, line in enumerate(lines):
        np.testing.assert_allclose(line.get_ydata(), [v[i] for v in history.history["f1_score"]])
    ax = plots.plot_history({"f1": [[0.5, 0.4], [np.nan, 0.6]]}).axes[0]
    assert [list(line.get_xdata()) for line in ax.get_lines() if line.get_linestyle() == ":"] == [[2, 2]]
    with pytest.raises(ValueError, match="history must map names to lists of per-epoch values"):
        plots.plot_history({"loss": np.ones((2, 2, 2))})


def test_history_keeps_gradient_norms_of_zero_in_sight():
    import warnings

    # dead ReLUs pass back no gradient: on a log scale the zeros vanished ("Data has no positive values")
    logs = {"loss": [1.0, 1.0, 1.0], "grad_norm/dense": [0.5, 0.0, 0.0], "grad_norm/dense_1": [0.2, 0.1, 0.1]}
    fig = plots.plot_history(logs, metrics=["grad_norm"])
    ax = fig.axes[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
    assert ax.get_yscale() == "linear"
    low, high = ax.get_ylim()
    assert low <= 0.0 < 0.5 <= high
    assert plots.plot_history({"grad_norm/dense": [0.5, np.nan]}, metrics=["grad_norm"]).axes[0].get_yscale() == "log"


def test_decision_boundary_drawn_twice_into_an_axes_keeps_one_colour_bar(rng):
    X = rng.normal(size=(20, 2))

    class Threshold:  # classes_ ["neg", "pos"]: P("pos") = 1 when x1 > 0
        classes_ = np.array(["neg", "pos"])

        def predict_proba(self, Z):
            p = (Z[:, 0] > 0).astype(float)
            return np.column_stack([1 - p, p])

    fig = plots.plot_decision_boundary(Threshold(), X, resolution=20)
    plots.plot_decision_boundary(Threshold(), X, resolution=20, ax=fig.axes[0])
    assert len(fig.axes) == 2
    assert fig.axes[1].get_ylabel() == "P(pos)"


def test_a_confusion_matrix_of_many_classes_is_coloured_not_annotated():
    # one stray label 200 made a 111-inch figure of 40,000 annotated cells (86 s to save)
    fig = plots.plot_confusion_matrix([0, 200], [0, 0])
    assert len(fig.axes[0].texts) == 0
    assert max(fig.get_size_inches()) < 20
    small = plots.plot_confusion_matrix(np.arange(plots.MAX_ANNOTATED_CLASSES), np.arange(plots.MAX_ANNOTATED_CLASSES))
    assert len(small.axes[0].texts) == plots.MAX_ANNOTATED_CLASSES**2


@pytest.mark.parametrize("call, error, match", [
    (lambda: plots.plot_history({"loss": None}), ValueError, "history must map names to lists"),
    (lambda: plots.plot_history({1: [1, 2]}), ValueError, "history must map names to lists"),
    (lambda: plots.plot_history({"loss": [1, 2]}, metrics=[]), ValueError, "metrics is empty"),
    (lambda: plots.plot_history({"loss": [1, 2]}, metrics=True), TypeError, "metrics must be a list of names"),
    (lambda: plots.plot_decision_boundary(_and_perceptron(), _AND_X, ax="x"), TypeError, "ax must be a matplotlib Axes"),
    (lambda: plots.plot_decision_boundary(_and_perceptron(), _AND_X, resolution=1), ValueError, "at least 2"),
    # the padded plane overflowed and the message said "X contains NaN values"
    (lambda: plots.plot_decision_boundary(_and_perceptron(), [[-1e308, 0], [1e308, 1]]), ValueError,
     "X spans too wide a range"),
    (lambda: plots.save_figure(plots.plot_history({"loss": [1, 2]}), "h.png", dpi=True), TypeError,
     "dpi must be a number"),
    (lambda: plots.plot_weights(np.ones((4, 2)), shape="abc"), ValueError, r"shape must be \(height, width\)"),
    (lambda: plots.plot_weights(np.ones((4, 2)), shape=(-2, -2)), ValueError, "shape must be a positive integer"),
    (lambda: plots.plot_weights(np.full((4, 2), 1e308)), ValueError, "too large for a colour scale"),
    # Hopfield recall: TypeError "can't multiply sequence", AttributeError 'energies', matplotlib's own errors
    (lambda: plots.plot_hopfield_recall(_P, _P, _P, shape="4x4"), ValueError, r"shape must be \(height, width\)"),
    (lambda: plots.plot_hopfield_recall(_P, _P, _P, shape=(4.0, 4.0)), TypeError, "shape must be a positive integer"),
    (lambda: plots.plot_hopfield_recall(_P, _P, _P, shape=(2, 2, 4)), ValueError, r"shape must be \(height, width\)"),
    (lambda: plots.plot_hopfield_recall(_P, _P, _P, labels=3), TypeError, "labels must be a list of 3 names"),
    (lambda: plots.plot_hopfield_recall(_P, _P, _P, labels="abc"), TypeError, "labels must be a list of 3 names"),
    (lambda: plots.plot_hopfield_recall(_P, _P, _P, trace=5), TypeError, "trace must be the HopfieldTrace"),
    (lambda: plots.plot_hopfield_recall(_P[:0], _P[:0], _P[:0]), ValueError, "stored is empty"),
    (lambda: plots.plot_hopfield_recall([["a"] * 16] * 3, _P, _P), TypeError, "stored must contain numbers"),
    (lambda: plots.plot_hopfield_recall(_P * np.nan, _P, _P), ValueError, "stored contains NaN"),
    (lambda: plots.plot_hopfield_recall(_P.reshape(3, 4, 4), _P, _P, shape=(2, 8)), ValueError, "does not match"),
    (lambda: plots.plot_hopfield_recall(*[np.ones((plots.MAX_RECALL_ROWS + 1, 4))] * 3), ValueError,
     "at most 50 patterns"),
    # SOM: "'int' object is not iterable"; a string was taken for a list of one-letter names
    (lambda: plots.plot_som(_fitted_som(), feature_names=3), TypeError, "feature_names must be a list of 2 names"),
    (lambda: plots.plot_som(_fitted_som(), feature_names="ab"), TypeError, "feature_names must be a list of 2"),
    (lambda: plots.plot_som(_fitted_som(), feature_names=["a"]), ValueError, "must name each of the 2 features"),
    (lambda: plots.plot_som(_fitted_som(), components="no"), TypeError, "components must be True or False"),
    # "The truth value of an array with more than one element is ambiguous"
    (lambda: plots.plot_som(_fitted_som(), title=np.ones(2)), TypeError, "title must be a string or None"),
    (lambda: plots.plot_decision_boundary(_and_perceptron(), _AND_X, title=np.ones(2)), TypeError,
     "title must be a string or None"),
    # "cannot reshape array of size 3 into shape (40000,newaxis)"
    (lambda: plots.plot_decision_boundary(_Returns(np.zeros(3)), _AND_X), ValueError,
     r"model.predict\(X\) must return one row per point: for 40000 points it returned an array of shape \(3,\)"),
    (lambda: plots.plot_decision_boundary(_Returns(np.zeros((40001, 2)), "predict_proba"), _AND_X), ValueError,
     r"model.predict_proba\(X\) must return one row per point"),
    # descent: "cannot reshape array of size 800", "'str' object is not callable"; None drew nothing
    (lambda: plots.plot_descent(_x_squared(), f=lambda x: np.array([x, x])), ValueError,
     "f must return one real number for each x"),
    (lambda: plots.plot_descent(_x_squared(), f=lambda x: None), ValueError, "it returned None"),
    (lambda: plots.plot_descent(_x_squared(), f=3), TypeError, "f must be a function of x, an expression such as"),
    (lambda: plots.plot_descent(_x_squared(), f="x**"), ValueError, "x\\*\\*"),  # parse's message, which quotes it
], ids=lambda v: getattr(v, "__name__", str(v))[:40])
def test_plot_arguments_are_named(call, error, match, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=match):
        call()


_AND_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
_P = np.where(np.arange(48).reshape(3, 16) % 3, 1.0, -1.0)


class _Returns:
    """A model whose ``method`` returns ``out`` whatever X is."""

    def __init__(self, out, method="predict"):
        setattr(self, method, lambda X: out)


def _fitted_som():
    return SOM(grid=(2, 2), epochs=2, random_state=0).fit(np.random.default_rng(0).random((20, 2)))


def _x_squared():
    return gradient_descent(lambda x: x**2, 2.0, 0.2, steps=3)


def _and_perceptron():
    from glassnet.classic import Perceptron

    return Perceptron().fit(_AND_X, [0, 0, 0, 1])


def test_plot_weights_takes_a_classic_perceptron_and_an_unbuilt_model_with_a_declared_input():
    # "Perceptron has no network yet: fit it first" for a fitted one; "is it built?" for Dense(input_dim=4)
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    fig = plots.plot_weights(_and_perceptron(), shape=(1, 2))
    assert fig.axes[0].images[0].get_array().shape == (1, 2)
    plots.plot_weights(Sequential([Dense(2, input_dim=4)]))


def test_decision_boundary_refuses_labels_of_more_classes_than_the_model_separates(rng):
    # a third class of y was drawn on the two-class colour scale, in class 1's colour
    X = rng.normal(size=(30, 2))
    binary = Sequential([Dense(1, "sigmoid", input_dim=2)], seed=0)
    three = Sequential([Dense(3, "softmax", input_dim=2)], seed=0)
    for model, y, k in ((binary, np.arange(30) % 3, 3), (binary, np.eye(3)[np.arange(30) % 3], 3),
                        (three, np.arange(30) % 4, 4), (three, np.eye(4)[np.arange(30) % 4], 4)):
        with pytest.raises(ValueError, match=f"y holds {k} classes, but the model's output separates {k - 1}"):
            plots.plot_decision_boundary(model, X, y)
    plots.plot_decision_boundary(binary, X, np.where(np.arange(30) % 2, 1, -1))  # ±1 labels: two classes
    plots.plot_decision_boundary(three, X, np.arange(30) % 3 + 5)  # any three labels


@pytest.mark.parametrize("y_true, y_pred, error, match", [
    (None, None, TypeError, "y_true must be an array-like of class labels"),  # drew [[1]], a class "None"
    ([], [], ValueError, "y_true is empty"),  # drew [[0]]
    ([3.7, -2.0, 10.5, 0.2], [0.1, 7.0, 2.0, 0.3], ValueError,
     r"y_true holds continuous values outside \[0, 1\] \(such as 3.7\)"),  # thresholded at 0.5: [[1, 1], [1, 1]]
    ([0, 1], [3.7, 0.2], ValueError, "y_pred holds continuous values"),
])
def test_confusion_matrix_refuses_nothing_and_regression_outputs(y_true, y_pred, error, match):
    with pytest.raises(error, match=match):
        plots.plot_confusion_matrix(y_true, y_pred)
    # probabilities of one column are still read at 0.5
    assert plots.plot_confusion_matrix([0, 1], [0.2, 0.9]).axes[0].images[0].get_array().tolist() == [[1, 0], [0, 1]]


def test_labels_and_history_values_of_the_wrong_type_are_named():
    # raw errors before: 'int' object is not iterable, could not convert string to float: 'a'
    for labels in (3, True, 2.5):
        with pytest.raises(TypeError, match=r"labels must be a sequence of class names.*Received: labels="):
            plots.plot_confusion_matrix([0, 1, 2], [0, 1, 1], labels=labels)
    assert plots.plot_confusion_matrix([0, 1, 2], [0, 1, 1], labels="abc") is not None  # one name per letter
    with pytest.raises(TypeError, match=r"history must map names to lists of per-epoch numbers. Received 'loss'"):
        plots.plot_history({"loss": ["a", "b"]})


def test_confusion_matrix_drawn_twice_into_an_axes_shows_one_colour_bar_and_the_new_counts():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        plots.plot_confusion_matrix([0, 1, 1, 0], [0, 1, 0, 0], ax=ax)
        plots.plot_confusion_matrix([0, 0, 0, 0], [1, 1, 1, 1], ax=ax)  # every sample of class 0 taken for 1
        assert len(fig.axes) == 2  # the Axes and one colour bar (was a second bar beside the first)
        assert fig.axes[1].get_ylim() == (0.0, 4.0)  # the new matrix's scale
        assert [t.get_text() for t in ax.texts] == ["0", "4", "0", "0"]  # the old counts showed through
    finally:
        plt.close(fig)
    assert plt.get_fignums() == []


def test_a_long_diverging_descent_keeps_its_start_readable_and_says_how_far_it_goes():
    import matplotlib.pyplot as plt

    square, slope = (lambda x: x**2), (lambda x: 2 * x)
    trace = gradient_descent(square, 2.0, 1.05, steps=200, grad=slope)  # x_k = 2·(−1.1)^k
    ax = plots.plot_descent(trace, f=square).axes[0]
    points = ax.get_lines()[0]
    shown = len(points.get_xdata())
    # drawn while the path spans at most 4 times its first step, 2 → −2.2 (4.2): |x_k| = 2·1.1^k ≤ 8.4, k ≤ 15
    assert shown == 16
    np.testing.assert_allclose(points.get_xdata(), 2 * (-1.1) ** np.arange(16))
    low, high = ax.get_xlim()
    assert -14 < low < -8.4 and 7.6 < high < 14  # was −4.6e8..4.9e8: the first 30 steps a blob at 0
    assert ax.get_ylim()[1] < 150  # was 2.5e17
    # |x_200| = 2·1.1^200 = 3.8e8, as the legend says (the brief's "1e8" scale)
    assert points.get_label() == f"η = 1.05 (diverges: |x| reaches {2 * 1.1**200:.2g} after 200 steps)"
    assert points.get_label().endswith("reaches 3.8e+08 after 200 steps)")
    leave, = [line for line in ax.get_lines() if line.get_linestyle() == ":"]  # off the edge along the next step
    np.testing.assert_allclose([leave.get_xdata()[0], leave.get_ydata()[0]], [2 * (-1.1) ** 15, 4 * 1.1**30])
    assert leave.get_xdata()[1] > high  # x_16 = +9.2: it leaves to the right
    # seed 000's tables, η ∈ {0.2, 0.4, 0.5, 1.0, 1.05}, 12 steps each: every iterate drawn, none cut
    tables = {eta: gradient_descent(square, 2.0, eta, steps=12, grad=slope) for eta in (0.2, 0.4, 0.5, 1.0, 1.05)}
    ax = plots.plot_descent(tables, f=square).axes[0]
    lines = ax.get_lines()
    for line, t in zip(lines, tables.values()):
        np.testing.assert_allclose(line.get_xdata(), t.x)
    assert not [line for line in lines if line.get_linestyle() == ":"]
    np.testing.assert_allclose(lines[4].get_xdata()[-1], 6.276856753442)  # the seed's last row at η = 1.05
    assert ax.get_xlim()[0] < -5.70623341222 and ax.get_xlim()[1] > 6.276856753442
    assert plt.get_fignums() == []


def test_descent_paths_mark_their_start_their_end_and_their_direction():
    f = lambda v: v[0] ** 2 + 10 * v[1] ** 2
    trace = gradient_descent(f, np.array([3.0, 1.0]), 0.08, steps=30, grad=lambda v: np.array([2 * v[0], 20 * v[1]]))
    ax = plots.plot_descent(trace, f=f).axes[0]
    start, end = ax.collections[:2]  # (the contour lines after them)
    assert start.get_offsets().tolist() == [[3.0, 1.0]]
    # x_k = (3·0.84^k, 1·(−0.6)^k): the end after 30 steps
    np.testing.assert_allclose(end.get_offsets(), [[3 * 0.84**30, (-0.6) ** 30]])
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == plots.ARROWS  # heads on the first steps: x0 → x1 → x2 → x3, not backwards
    for k, arrow in enumerate(arrows):
        np.testing.assert_allclose(arrow.xyann, [3 * 0.84**k, (-0.6) ** k])  # tail at x_k
        np.testing.assert_allclose(arrow.xy, [3 * 0.84 ** (k + 1), (-0.6) ** (k + 1)])  # head at x_(k+1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["η = 0.08 (converges)", "start x₀", "end"]
    # a path cut where it diverges off the view has a start but no end mark: its end is far outside
    run_away = gradient_descent(lambda x: x**2, 2.0, 1.05, steps=200, grad=lambda x: 2 * x)
    ax = plots.plot_descent(run_away).axes[0]
    assert [c.get_offsets().tolist() for c in ax.collections] == [[[2.0, 4.0]]]
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []


def test_history_panels_name_their_quantity_in_words_and_keep_the_key():
    logs = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.7], "binary_accuracy": [0.5, 0.8],
            "learning_rate": [0.1, 0.05], "mse": [0.3, 0.2], "grad_norm/dense": [1.0, 2.0]}
    fig = plots.plot_history(logs, metrics=["loss", "binary_accuracy", "learning_rate", "mse", "grad_norm"])
    # were titled "loss", "binary_accuracy", "learning_rate", "mse", "grad_norm", with no y label
    assert [ax.get_title() for ax in fig.axes] == [
        "loss", "binary accuracy (binary_accuracy)", "learning rate η (learning_rate)",
        "mean squared error (mse)", "gradient norm per layer (grad_norm)"]
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "loss", "binary accuracy", "learning rate η", "mean squared error", "gradient norm per layer"]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["training", "validation"]
    assert plots.plot_history({"val_loss": [1.0, 0.5]}).axes[0].get_ylabel() == "loss"  # validation only


def test_som_hit_marks_have_a_legend_of_their_sizes(rng):
    data = np.vstack([rng.normal(c, 0.3, (60, 3)) for c in ([0, 0, 0], [3, 0, 1], [0, 3, 2])])
    som = SOM(grid=(6, 7), epochs=3, random_state=0).fit(data)
    winners = np.argmin(((data[:, None, :] - som.weights_[None]) ** 2).sum(-1), axis=1)  # nearest neuron, by hand
    hits = np.bincount(winners, minlength=42)
    most = hits.max()
    ax = plots.plot_som(som, X=data, components=False).axes[0]
    marks = ax.collections[-1]
    np.testing.assert_allclose(np.sort(marks.get_sizes()), np.sort(60 * hits[hits > 0] / most))
    legend = ax.get_legend()  # the marks had no key: what does a big dot mean?
    assert legend.get_title().get_text() == "samples won"
    counts = [1, (most + 1) // 2, most]
    assert [t.get_text() for t in legend.get_texts()] == [str(c) for c in counts]
    # each key as large as a mark of its count (markersize in points, scatter sizes in points²)
    np.testing.assert_allclose([h.get_markersize() ** 2 for h in legend.legend_handles], [60 * c / most for c in counts])
    assert plots.plot_som(som, components=False).axes[0].get_legend() is None  # no X, no marks, no legend


def test_binary_decision_boundary_names_the_colours_of_its_points(rng):
    import matplotlib.pyplot as plt

    X = rng.normal(size=(30, 2))

    class Threshold:  # P(class 1) = 1 when x1 > 0
        def predict_proba(self, Z):
            p = (Z[:, 0] > 0).astype(float)
            return np.column_stack([1 - p, p])

    for y, names in ((np.where(X[:, 0] > 0, 1, -1), ["-1", "1"]), ((X[:, 0] > 0).astype(int), ["0", "1"]),
                     (np.where(X[:, 0] > 0, "pos", "neg"), ["neg", "pos"])):
        ax = plots.plot_decision_boundary(Threshold(), X, y, resolution=20).axes[0]
        points = ax.collections[-1]
        legend = ax.get_legend()  # only the colour bar told the points apart
        assert legend.get_title().get_text() == "class"
        assert [t.get_text() for t in legend.get_texts()] == names
        colours = [points.cmap(points.norm(i)) for i in (0, 1)]  # the points' colours of class 0 and 1
        np.testing.assert_allclose([h.get_color() for h in legend.legend_handles], colours)
        ax.figure.canvas.draw()
        drawn = points.get_facecolors()  # as drawn: class 1's points in the legend's second colour
        np.testing.assert_allclose(drawn[X[:, 0] > 0], np.tile(colours[1], ((X[:, 0] > 0).sum(), 1)))
        np.testing.assert_allclose(drawn[X[:, 0] <= 0], np.tile(colours[0], ((X[:, 0] <= 0).sum(), 1)))
    ax = plots.plot_decision_boundary(Threshold(), X, np.ones(30, int), resolution=20).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1"]  # only the classes the points hold
    assert plots.plot_decision_boundary(Threshold(), X, resolution=20).axes[0].get_legend() is None  # no y
    assert plt.get_fignums() == []


def test_a_long_one_dimensional_descent_draws_its_points_but_arrows_on_its_first_steps_only():
    # an arrow per step: 1,000 steps of η = 0.01 took 10 s to draw, arrows piled on each other at the minimum
    trace = gradient_descent(lambda x: x**2, 2.0, 0.01, steps=1000, grad=lambda x: 2 * x)  # x_k = 2·0.98^k
    ax = plots.plot_descent(trace, f=lambda x: x**2).axes[0]
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), 2 * 0.98 ** np.arange(1001))  # every iterate
    arrows = ax.texts
    assert len(arrows) == 30  # plots.MAX_ARROWS
    np.testing.assert_allclose([a.xyann[0] for a in arrows], 2 * 0.98 ** np.arange(30))  # from x_0 .. x_29
    np.testing.assert_allclose(arrows[-1].xy, [2 * 0.98**30, 4 * 0.98**60])  # to x_30
    seed = gradient_descent(lambda x: x**2, 2.0, 1.05, steps=12, grad=lambda x: 2 * x)
    assert len(plots.plot_descent(seed).axes[0].texts) == 12  # seed 000's table: every step an arrow


def test_paths_drawn_one_after_another_into_one_axes_take_distinct_colours():
    # plot_descent(b, ax=ax) after plot_descent(a) started again at C0: the two compared paths, and
    # their legend entries, had the same colour
    from matplotlib.colors import to_rgba

    f = lambda v: v[0] ** 2 + 3 * v[1] ** 2
    plain = gradient_descent(f, np.array([2.0, 1.5]), 0.1, steps=20)
    adam = gradient_descent(f, np.array([2.0, 1.5]), 0.1, steps=20, optimizer="adam")
    ax = plots.plot_descent(plain, f=f).axes[0]
    plots.plot_descent(adam, ax=ax)
    plots.plot_descent({"a": plain, "b": adam}, ax=ax)  # a dict goes on from the colours used
    paths = [line for line in ax.get_lines() if line.get_label() and not line.get_label().startswith("_")]
    assert len(paths) == 4
    colours = [to_rgba(line.get_color()) for line in paths]
    assert colours == [to_rgba(f"C{k}") for k in range(4)]
    # each path's start square in its line's colour; the legend as drawn
    starts = [c for c in ax.collections if c.get_offsets().tolist() == [[2.0, 1.5]]]
    assert [tuple(s.get_edgecolor()[0]) for s in starts] == colours
    handles = ax.get_legend().legend_handles[:4]
    assert [to_rgba(h.get_color()) for h in handles] == colours
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("name", ["adam", "rmsprop"])
def test_direction_arrows_sit_on_steps_long_enough_to_be_seen(name):
    # Adam's first steps are η long in each coordinate whatever the gradient: with η = 0.01 the arrow
    # heads on x0 → x1 → x2 → x3 (0.014 each) were drawn under the start's square
    f = lambda v: v[0] ** 2 + 10 * v[1] ** 2
    trace = gradient_descent(f, np.array([3.0, 1.0]), 0.01, steps=300, optimizer=name)
    ax = plots.plot_descent(trace, f=f).axes[0]
    assert ax.get_aspect() == 1.0  # equal scales: lengths in units of the longer side
    area = max(np.ptp(ax.get_xlim()), np.ptp(ax.get_ylim()))
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == plots.ARROWS
    x = trace.x
    index = lambda p: int(np.flatnonzero(np.all(np.isclose(x, p), axis=1))[0])  # which iterate
    tails, heads = [index(a.xyann) for a in arrows], [index(a.xy) for a in arrows]
    assert tails[0] == 0 and tails[1:] == heads[:-1]  # chained along the path from x0
    for k, j in zip(tails, heads):  # each to the first iterate 5% of the drawn area away (plots.ARROW_LENGTH)
        distance = np.linalg.norm(x[k + 1:j + 1] - x[k], axis=1) / area
        assert distance[-1] >= 0.05 > distance[:-1].max(initial=0)
    assert heads[0] > 3 and plots.ARROW_LENGTH == 0.05  # not x1
    if name == "adam":  # its first steps: η in each coordinate, (−0.01, −0.01)
        np.testing.assert_allclose(x[1:4] - x[:3], -0.01, rtol=1e-3)
    # long steps keep an arrow each: seed-size steps of plain descent, x0 → x1 → x2 → x3
    plain = gradient_descent(f, np.array([3.0, 1.0]), 0.08, steps=30)
    ax = plots.plot_descent(plain, f=f).axes[0]
    np.testing.assert_allclose([a.xyann for a in ax.texts], plain.x[:3])
    np.testing.assert_allclose([a.xy for a in ax.texts], plain.x[1:4])
    import matplotlib.pyplot as plt

    plt.close("all")


def test_the_package_keeps_every_name_of_the_single_module_and_loads_matplotlib_only_to_draw():
    # plots.py became a package (_figure, _classes, history, decision, confusion, weights, descent, hopfield,
    # som): every name a module of it defines (the plot functions, their limits such as MAX_RECALL_ROWS, the
    # private helpers) is still glassnet.plots.<name>, the same object, as in the single module
    import subprocess
    from pathlib import Path

    from conftest import names_kept

    modules = ("_figure", "_classes", "history", "decision", "confusion", "weights", "descent", "hopfield", "som")
    # (a module's own hook __getattr__ is skipped: history's makes its log locator's class for pickle)
    defined = names_kept(plots, "glassnet.plots", modules, skip=("__getattr__",))
    assert defined == 51  # (50 at the split, then the log locator's maker)
    assert sorted(p.stem for p in Path(plots.__file__).parent.glob("*.py")) == sorted(("__init__", *modules))
    # importing glassnet, or glassnet.plots with all its modules, does not load matplotlib: a plot does
    program = ("import sys, glassnet, glassnet.plots; print('matplotlib' in sys.modules)\n"
               "glassnet.plots.plot_history({'loss': [1.0, 0.5]}); print('matplotlib' in sys.modules)")
    src = str(Path(plots.__file__).parents[2])
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=src))
    assert result.stdout == "False\nTrue\n", result.stderr


def test_a_history_figure_on_a_log_scale_past_1e200_pickles_and_unpickles_in_a_new_process(tmp_path):
    # its tick locator was a class local to the plot's helper: "Can't pickle local object
    # '_log_scale.<locals>.QuietLogLocator'"; unpickled in a process that never plotted, as any figure
    import os
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    figure = plots.plot_history({"loss": [1e-30, 1e300]})
    path = tmp_path / "figure.pickle"
    path.write_bytes(pickle.dumps(figure))
    program = ("import pickle, sys, matplotlib; matplotlib.use('Agg'); figure = pickle.load(open(sys.argv[1], 'rb')); "
               "locator = figure.axes[0].yaxis.get_major_locator(); ticks = locator.tick_values(1e-30, 1e300); "
               "print(type(locator).__qualname__, len(ticks) > 5 and bool(abs(ticks).max() < 1e308))")
    src = str(Path(plots.__file__).parents[2])
    result = subprocess.run([sys.executable, "-c", program, str(path)], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=src))
    assert result.stdout == "QuietLogLocator True\n", result.stderr


def test_plot_model_draws_the_chain_as_keras_s_plot_model(tmp_path):
    # keras.io's functional-API guide calls keras.utils.plot_model(model, "my_first_model.png"): an
    # AttributeError here before; glassnet draws it with matplotlib (Keras needs pydot and Graphviz)
    import glassnet as keras

    inputs = keras.Input(shape=(784,), name="img")
    x = keras.layers.Dense(64, activation="relu")(inputs)
    model = keras.Model(inputs=inputs, outputs=keras.layers.Dense(10)(x), name="mnist_model")
    fig = keras.utils.plot_model(model, tmp_path / "model.png", show_shapes=True, show_layer_activations=True,
                                 show_trainable=True, show_layer_names=True)
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[0] == "img (InputLayer)\nOutput shape: (None, 784)"
    assert texts[1] == "dense (Dense)\nInput shape: (None, 784)   Output shape: (None, 64)\nActivation: relu\nTrainable: Y"
    assert texts[2].startswith("dense_1 (Dense)\nInput shape: (None, 64)   Output shape: (None, 10)")
    assert len(fig.axes[0].texts) == 3 + 2  # three boxes and the two arrows between them
    inner = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(3)], name="block")
    outer = keras.Sequential([keras.Input((5,)), inner, keras.layers.Dense(2)])
    boxes = lambda fig: [t.get_text().split("\n")[0] for t in fig.axes[0].texts if t.get_text()]  # noqa: E731
    assert boxes(keras.utils.plot_model(outer, None, show_layer_names=True)) == [
        "input_layer (InputLayer)", "block (Sequential)", "dense_2 (Dense)"]
    assert boxes(keras.utils.plot_model(outer, None, expand_nested=True)) == [  # (Keras's default: types only)
        "InputLayer", "Dense", "Dense", "Dense"]
    with pytest.raises(ValueError, match="rankdir must be 'TB'"):
        keras.utils.plot_model(model, None, rankdir="BT")
    with pytest.raises(TypeError, match="show_layer_range"):
        keras.utils.plot_model(model, None, show_layer_range=["dense", "dense_1"])
    with pytest.raises(TypeError, match="model must be a glassnet model"):
        keras.utils.plot_model("model", None)
    with pytest.raises(ValueError, match="to_file must end with one of"):
        keras.utils.plot_model(model, tmp_path / "model.dot")


def test_plot_model_shows_a_nested_model_s_shapes_with_one_batch_axis():
    import glassnet as keras

    inner = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6)], name="inner")
    outer = keras.Sequential([keras.Input((8,)), inner, keras.layers.Dense(1)], name="outer")
    texts = [t.get_text() for t in keras.utils.plot_model(outer, None, show_shapes=True, show_layer_names=True)
             .axes[0].texts if t.get_text()]
    # Keras 3.15's boxes: (None, 8) -> (None, 6), where glassnet drew (None, None, 8) -> (None, None, 6)
    assert texts == ["input_layer (InputLayer)\nOutput shape: (None, 8)",
                     "inner (Sequential)\nInput shape: (None, 8)   Output shape: (None, 6)",
                     "dense_1 (Dense)\nInput shape: (None, 6)   Output shape: (None, 1)"]



def test_plot_model_names_a_loaded_model_s_input_as_it_was_given(tmp_path):
    # the loaded model has no Input object until its .input is read: the box said input_layer, not pixels
    import glassnet as keras

    inputs = keras.Input((3,), name="pixels")
    keras.Model(inputs, keras.layers.Dense(1)(inputs)).save(tmp_path / "m.gn")
    loaded = keras.models.load_model(tmp_path / "m.gn")
    texts = [t.get_text() for t in keras.utils.plot_model(loaded, None, show_layer_names=True).axes[0].texts]
    assert texts[0] == "pixels (InputLayer)"

def test_plot_model_writes_to_file_in_the_format_its_extension_names(tmp_path, monkeypatch):
    import glassnet as keras
    from glassnet.plots import model as plot_module

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    # keras.utils.plot_model writes to_file in the format its extension names, and a name without one as a PNG
    for name, magic in [("model.jpg", b"\xff\xd8\xff"), ("model.JPEG", b"\xff\xd8\xff"),
                        ("model", b"\x89PNG\r\n\x1a\n"), ("model.svg", b"<?xml"), ("model.pdf", b"%PDF")]:
        keras.utils.plot_model(model, tmp_path / name)
        assert (tmp_path / name).read_bytes().startswith(magic), name
    # checked before anything is drawn, with the argument's own name
    monkeypatch.setattr(plot_module, "_new_figure", lambda figsize: pytest.fail("drew before checking to_file"))
    with pytest.raises(ValueError, match=r"to_file must end with one of \.png, \.svg, \.pdf, \.jpg, \.jpeg \(or "
                                         r"have no extension: PNG\)\. Received: to_file='.*model\.gif'"):
        keras.utils.plot_model(model, tmp_path / "model.gif")
    with pytest.raises(TypeError, match="to_file must be a file path"):
        keras.utils.plot_model(model, to_file=3)
    assert not (tmp_path / "model.gif").exists()
