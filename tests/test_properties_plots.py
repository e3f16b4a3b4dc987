"""Property-based tests (hypothesis) of glassnet.plots and glassnet.diagnostics (SPEC E2, A11).

Plots get drawn inputs of every kind their docstrings accept, and the edge cases a student hits
(histories of 0 or 1 epoch, NaN/inf losses of a diverged run, constant values, values from 1e-300 to
1e300, negative losses, metric names with ``$`` or ``_``; classifiers of 1, 2 and k classes and
regressors over X with constant or huge columns; confusion matrices with labels missing from y_pred,
text labels, all-zero rows; weight matrices of any width, float16; 1-D and 2-D descent traces that
diverge; Hopfield patterns of any shape; SOMs of 1×1 and 1×n grids, square and hexagonal). Each call
returns a Figure that renders (``savefig``) without a warning, or raises a ValueError/TypeError, and
what is drawn is checked: the history's lines hold its values and the y-axis shows them all, the
confusion matrix's image is scikit-learn's ``confusion_matrix`` (row-normalized where asked), the
decision surface is the model's output on the grid.

Diagnostics run on drawn small models (Dense layers of relu, relu6, sigmoid, tanh, softsign or linear
units, Dropout, BatchNormalization, Activation) and data, in float64: the dead and saturated fractions
equal a NumPy hand count on the same probe rows, the gradient norms those of ``model.gradients``.

The CI run is derandomized and small; ``GLASSNET_PLOTS_EXAMPLES=2000`` runs a longer, random hunt.
"""

import math
import os
import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, note, settings, strategies as st  # noqa: E402

import glassnet  # noqa: E402
from glassnet import plots  # noqa: E402
from glassnet.diagnostics import diagnose  # noqa: E402
from glassnet.layers import Activation, BatchNormalization, Dense, Dropout  # noqa: E402
from glassnet.models import Sequential  # noqa: E402

EXAMPLES = int(os.environ.get("GLASSNET_PLOTS_EXAMPLES", 0))
HUNT = EXAMPLES > 0


def examples(ci):
    return settings(max_examples=EXAMPLES or ci, derandomize=not HUNT, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.function_scoped_fixture])


def rendered(make):
    """``make()``'s Figure, drawn to PNG bytes, or None where it raised a ValueError/TypeError; any
    warning (RuntimeWarning of NumPy, UserWarning of matplotlib) fails."""
    import io

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # matplotlib's notice when placing a legend at loc="best" took over a second: the host's load (the
        # suite beside another on two cores), not the figure (a mark on the test is undone by the line above)
        warnings.filterwarnings("ignore", 'Creating legend with loc="best" can be slow', UserWarning)
        try:
            fig = make()
        except (ValueError, TypeError) as error:
            note(f"refused: {error}")
            assert str(error), "an error without a message"
            return None
        if HUNT:
            fig.savefig(io.BytesIO(), format="png", dpi=20)
        else:  # the layout, mathtext, tick locators and limits, without the pixels: faster
            fig.draw_without_rendering()
    return fig


# --- plot_history ----------------------------------------------------------------------------

VALUES = st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, 1e-300, 1e300, 1e30, -1e30, 1e-30, 5e-324,
                                                         math.nan, math.inf, -math.inf, 2.5]))
NAMES = st.sampled_from(["accuracy", "mse", "learning_rate", "a_b", "cost$", "$x^2$", "$", "f1 score", "ü_é",
                         "r$^$", "100%", "{x}"])


@st.composite
def histories(draw):
    n = draw(st.integers(0, 6))
    constant = draw(st.booleans())
    series = lambda: [draw(VALUES)] * n if constant else draw(st.lists(VALUES, min_size=n, max_size=n))
    logs = {"loss": series()}
    if draw(st.booleans()):
        logs["val_loss"] = series()
    for name in draw(st.lists(NAMES, max_size=2, unique=True)):
        logs[name] = series()
        if draw(st.booleans()):
            logs[f"val_{name}"] = series()
    return logs


def _same(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@examples(40)
@given(histories())
def test_history_draws_every_value_in_view(logs):
    fig = rendered(lambda: plots.plot_history(logs))
    if fig is None:  # refused: only a history with no epoch at all
        assert all(len(v) == 0 for v in logs.values())
        return
    panels = [k for k in logs if not k.startswith("val_")]
    assert len(fig.axes) == len(panels)
    for ax, key in zip(fig.axes, sorted(panels, key=lambda k: k != "loss")):
        lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]  # (not "diverged")
        drawn = [k for k in (key, f"val_{key}") if len(logs.get(k, ())) > 0]
        assert len(lines) == len(drawn)
        for line, k in zip(lines, drawn):
            assert _same(line.get_ydata(), logs[k]), (k, line.get_ydata(), logs[k])
            np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(logs[k]) + 1))
        left, right = ax.get_xlim()
        for marker in ax.get_lines():  # every line in the frame: the curves and the "diverged" marker
            assert left <= np.min(marker.get_xdata()) and np.max(marker.get_xdata()) <= right
        finite = np.concatenate([np.asarray(logs[k], float) for k in drawn])
        finite = finite[np.isfinite(finite)]
        if finite.size:
            low, high = ax.get_ylim()
            assert low <= finite.min() and finite.max() <= high, (ax.get_ylim(), finite)
        assert not any("$" in t.get_text() and "\\$" not in t.get_text() for t in ax.texts + [ax.title])


def test_history_of_no_epoch_is_refused():
    with pytest.raises(ValueError, match="no epoch"):
        plots.plot_history({"loss": []})
    with pytest.raises(ValueError, match="no epoch"):
        plots.plot_history({"loss": [[], []]})  # a per-class metric of no class
    fig = plots.plot_history({"loss": [1.0, 0.5], "val_loss": []})  # validation not run yet: the training curve
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["training"]


def test_history_log_scale_over_six_hundred_decades_shows_its_values():
    """matplotlib pads a log axis by 5% of its decades: 1e-300..1e300 overflowed to inf, warned and
    left the axis at 1..10, where none of the values was drawn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.plot_history({"loss": [1e30, 1e-30, 1e300]})
    low, high = fig.axes[0].get_ylim()
    assert fig.axes[0].get_yscale() == "log" and low <= 1e-30 and 1e300 <= high < math.inf


def test_history_that_diverged_in_its_first_epoch_marks_it_in_the_frame():
    """NaN from epoch 1, finite later: the x axis started at the first finite value, so the "diverged"
    line and word were drawn left of the frame (and constrained layout collapsed the axes, warning)."""
    import io

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.plot_history({"loss": [math.nan, math.inf, 2.0, 3.0]})
        fig.savefig(io.BytesIO(), format="png")
    left, right = fig.axes[0].get_xlim()
    assert left < 1 and right > 4


def test_names_with_dollar_signs_are_drawn_as_text():
    """A metric, class or feature named with two $ was read as mathtext: "$x^$" failed in savefig with
    matplotlib's ParseException, "$x$" was drawn as an italic x."""
    import io

    fig = plots.plot_history({"loss": [1.0, 2.0], "$x^$": [1.0, 2.0]})
    fig.savefig(io.BytesIO(), format="png")
    assert fig.axes[1].get_ylabel() == r"\$x^\$"
    fig = plots.plot_confusion_matrix(["$a$", "b"], ["$a$", "$a$"])
    fig.savefig(io.BytesIO(), format="png")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [r"\$a\$", "b"]


# --- plot_confusion_matrix -------------------------------------------------------------------

@st.composite
def label_pairs(draw):
    n, k = draw(st.integers(1, 12)), draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["index", "text", "signed", "shifted", "one_hot", "probabilities"]))
    if kind in ("one_hot", "probabilities"):  # (one column is a column of labels)
        k = max(k, 2)
    t, p = (np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))) for _ in range(2))
    if kind == "text":
        names = np.array(["cat", "dog", "$x$", "é", "a b"])
        return names[t], names[p], kind
    if kind == "signed":
        return np.where(t > 0, 1, -1), np.where(p > 0, 1, -1), kind
    if kind == "shifted":
        return t + 3, p + 3, kind
    if kind == "one_hot":
        return np.eye(k)[t], np.eye(k)[p], kind
    if kind == "probabilities":
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        return t, rng.dirichlet(np.ones(max(k, 2)), n), kind
    return t, p, kind


@examples(30)
@given(label_pairs(), st.booleans(), st.booleans())
def test_confusion_matrix_is_sklearns(pair, normalize, with_labels):
    from sklearn.metrics import confusion_matrix

    t, p, kind = pair
    t_cls = np.argmax(t, 1) if t.ndim == 2 else t
    p_cls = np.argmax(p, 1) if p.ndim == 2 else p
    indices = kind in ("one_hot", "probabilities") or (kind == "index" and min(t_cls.min(), p_cls.min()) == 0)
    if indices:  # class indices 0..k-1 (documented); other integers: their sorted values
        classes = np.arange(max(t.shape[1] if t.ndim == 2 else 0, p.shape[1] if p.ndim == 2 else 0,
                                t_cls.max() + 1, p_cls.max() + 1))
    else:
        classes = np.unique(np.concatenate([t_cls, p_cls]))
    labels = list(classes[::-1]) if with_labels and not indices else None
    fig = rendered(lambda: plots.plot_confusion_matrix(t, p, labels=labels, normalize=normalize))
    assert fig is not None
    order = classes if labels is None else np.array(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "A single label was found"
        C = confusion_matrix(t_cls, p_cls, labels=order)
    if indices and C.shape[0] < len(order):
        C = np.pad(C, [(0, len(order) - C.shape[0])] * 2)
    expected = C / np.maximum(C.sum(1, keepdims=True), 1) if normalize else C
    shown = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(shown, expected, atol=1e-12)
    names = [tick.get_text().replace("\\$", "$") for tick in fig.axes[0].get_xticklabels()]
    assert names == [str(c) for c in order]


# --- plot_decision_boundary ------------------------------------------------------------------

class Recorder:
    """Records the arrays contourf gets (the colour grid) while a plot is drawn."""

    def __init__(self, monkeypatch):
        from matplotlib.axes import Axes

        self.calls = []
        original = Axes.contourf

        def contourf(ax, *args, **kwargs):
            self.calls.append(args)
            return original(ax, *args, **kwargs)

        monkeypatch.setattr(Axes, "contourf", contourf)


@st.composite
def planes(draw):
    n = draw(st.integers(1, 25))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(n, 2))
    for j in range(2):
        column = draw(st.sampled_from(["normal", "constant", "huge", "tiny"]))
        X[:, j] = {"normal": X[:, j], "constant": np.full(n, 3.0), "huge": X[:, j] * 1e30,
                   "tiny": X[:, j] * 1e-30}[column]
    return X, rng


@examples(15)
@given(planes(), st.sampled_from(["logistic", "tree", "perceptron", "linear", "seq_sigmoid", "seq_softmax",
                                  "seq_linear", "seq_tanh"]),
       st.integers(1, 4), st.sampled_from([2, 3, 17]))
def test_decision_surface_is_the_models_output(monkeypatch, plane, kind, k, resolution):
    from sklearn.linear_model import LinearRegression, LogisticRegression, Perceptron
    from sklearn.tree import DecisionTreeClassifier

    X, rng = plane
    y = rng.integers(0, k, len(X))
    Xs = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1)  # fitted on scaled data: a usable model
    if kind == "logistic":
        assume(len(np.unique(y)) > 1)
        model = LogisticRegression().fit(X, y)
    elif kind == "tree":
        model = DecisionTreeClassifier(max_depth=3).fit(X, y)
    elif kind == "perceptron":
        assume(len(np.unique(y)) > 1)
        model = Perceptron().fit(Xs, y)
    elif kind == "linear":
        y = Xs[:, 0] + 0.5 * Xs[:, 1]
        model = LinearRegression().fit(Xs, y)
    else:
        units = k if kind == "seq_softmax" else 1
        activation = kind.split("_")[1]
        model = Sequential([Dense(3, "tanh", input_dim=2), Dense(units, activation)], seed=int(rng.integers(100)))
        model.compile("sgd", "categorical_crossentropy" if kind == "seq_softmax" else "mse")
        if kind == "seq_softmax":
            assume(k > 1)
        else:
            y = (y > 0).astype(int)
            if activation == "linear":
                y = None
    recorder = Recorder(monkeypatch)
    fig = rendered(lambda: plots.plot_decision_boundary(model, X, y, resolution=resolution))
    if fig is None:
        return
    (g1, g2, Z), = [call[:3] for call in recorder.calls]
    assert g1.shape == (resolution, resolution)
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    if hasattr(model, "predict_proba"):
        S = model.predict_proba(grid)
    elif hasattr(model, "decision_function"):
        S = model.decision_function(grid)
    else:
        S = np.asarray(model.predict(grid), dtype=float)
    S = S.reshape(len(grid), -1)
    if S.shape[1] > 2:  # k classes: the most likely one's index
        np.testing.assert_array_equal(Z.ravel(), np.argmax(S, 1))
    else:
        np.testing.assert_allclose(Z.ravel(), S[:, -1], rtol=1e-6, atol=1e-12)
    low, high = fig.axes[0].get_xlim()
    assert low <= X[:, 0].min() and X[:, 0].max() <= high


# --- plot_weights, plot_descent, plot_hopfield_recall, plot_som --------------------------------

@examples(15)
@given(st.integers(1, 30), st.integers(1, 12), st.integers(0, 13), st.sampled_from([np.float16, np.float32, np.float64]),
       st.sampled_from([1.0, 0.0, 1e-30, 6e4]))
def test_weights_images_hold_the_columns(n_in, units, max_units, dtype, scale):
    rng = np.random.default_rng(n_in * 100 + units)
    W = (rng.normal(size=(n_in, units)) * scale).astype(dtype)
    side = math.isqrt(n_in)
    shape = None if side * side == n_in else (1, n_in)
    fig = rendered(lambda: plots.plot_weights(W, shape=shape, max_units=max_units))
    if max_units == 0 or not np.isfinite(W).all():  # (float16 holds up to 65504)
        assert fig is None
        return
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images) == min(units, max_units)
    for j, image in enumerate(images):
        np.testing.assert_array_equal(np.asarray(image).ravel(), W[:, j].astype(float))


@examples(15)
@given(st.sampled_from([1, 2]), st.sampled_from([0.01, 0.1, 0.9, 1.0, 1.05, 3.0]), st.integers(1, 400),
       st.sampled_from(["gd", "adam", "momentum"]), st.booleans())
def test_descent_draws_any_trace(dim, learning_rate, steps, optimizer, with_f):
    from glassnet.descent import gradient_descent

    f = (lambda x: float(np.sum(np.square(x)))) if dim == 2 else "x**2"
    x0 = np.array([1.0, -2.0]) if dim == 2 else 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the descent's own overflow warnings are not the plot's
        trace = gradient_descent(f, x0, learning_rate, steps=steps, optimizer=optimizer)
    fig = rendered(lambda: plots.plot_descent(trace, f=f if with_f else None))
    assert fig is not None
    path = fig.axes[0].get_lines()[0]
    x = np.asarray(trace.x, float).reshape(len(trace.x), -1)
    shown = len(path.get_xdata())
    assert 1 <= shown <= len(x)
    np.testing.assert_allclose(path.get_xdata(), x[:shown, 0])


def test_descent_does_not_leak_the_warnings_of_f_on_its_grid():
    """f is drawn on a grid the plot chooses, beyond the iterates: log(x) at x < 0 warned from inside
    plot_descent ("invalid value encountered in log")."""
    from glassnet.descent import gradient_descent

    trace = gradient_descent(lambda x: (x - 1) ** 2, 0.2, 0.3, steps=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.plot_descent(trace, f=lambda x: np.log(x) + (x - 1) ** 2)
    curve = [line for line in fig.axes[0].get_lines() if line.get_label() == "f(x)"][0]
    assert np.isnan(curve.get_ydata()[curve.get_xdata() <= 0]).all()


@examples(10)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.booleans(), st.booleans())
def test_hopfield_recall_shows_each_pattern(p, height, width, flat, labelled):
    rng = np.random.default_rng(p * 17 + height * 5 + width)
    S = rng.choice([-1.0, 1.0], size=(p, height, width))
    noisy, recalled = -S, S.copy()
    shape = (height, width) if flat and height != width else None
    args = [a.reshape(p, -1) for a in (S, noisy, recalled)] if flat else [S, noisy, recalled]
    labels = [f"${i}" for i in range(p)] if labelled else None
    fig = rendered(lambda: plots.plot_hopfield_recall(*args, shape=shape, labels=labels))
    assert fig is not None
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images) == 3 * p
    for i in range(p):
        for j, A in enumerate((S, noisy, recalled)):
            np.testing.assert_array_equal(images[3 * i + j], A[i])


@examples(8)
@given(st.sampled_from([(1, 1), (1, 4), (4, 1), (2, 3)]), st.sampled_from(["rectangular", "hexagonal"]),
       st.integers(1, 3), st.booleans(), st.integers(0, 4))
def test_som_maps_any_grid(grid, topology, features, components, n_names):
    from glassnet.classic.som import SOM

    rng = np.random.default_rng(sum(grid) + features)
    X = rng.normal(size=(12, features))
    som = SOM(grid=grid, topology=topology, epochs=2, random_state=0).fit(X)
    names = [f"f{i}$" for i in range(n_names)] if n_names else None
    fig = rendered(lambda: plots.plot_som(som, feature_names=names, X=X, components=components))
    if names is not None and len(names) != features:
        assert fig is None
        return
    assert fig is not None


# --- diagnostics -----------------------------------------------------------------------------

HAND = {
    "relu": lambda Z: np.maximum(Z, 0), "relu6": lambda Z: np.clip(Z, 0, 6),
    "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)), "tanh": np.tanh, "softsign": lambda Z: Z / (1 + np.abs(Z)),
    "linear": lambda Z: Z,
}
SATURATION = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0)}


@st.composite
def diagnosed_models(draw):
    glassnet.config.set_floatx("float64")  # (before the model is built)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    features, n = draw(st.integers(1, 3)), draw(st.integers(1, 20))
    layers, width = [], features
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["dense", "dense", "dense", "dropout", "batchnorm", "activation"]))
        if kind == "dense":
            width = draw(st.integers(1, 5))
            layers.append(Dense(width, draw(st.sampled_from(sorted(HAND)))))
        elif kind == "dropout":
            layers.append(Dropout(0.5))
        elif kind == "batchnorm":
            layers.append(BatchNormalization())
        else:
            layers.append(Activation(draw(st.sampled_from(sorted(HAND)))))
    layers.append(Dense(1, draw(st.sampled_from(["linear", "sigmoid"]))))
    model = Sequential([glassnet.layers.Input((features,)), *layers])
    # weights of drawn scale and bias: layers from all dead or saturated to all alive
    scale, shift = draw(st.sampled_from([0.3, 1.0, 5.0])), draw(st.sampled_from([0.0, -1.0, 2.0]))
    weights = []
    for w in model.get_weights():
        weights.append(rng.normal(scale=scale, size=w.shape) + (shift if w.ndim == 1 else 0))
    for i, layer in enumerate(model.layers):  # moving variances must be positive
        if isinstance(layer, BatchNormalization):
            start = sum(len(l.get_weights()) for l in model.layers[:i])
            weights[start + 3] = np.abs(weights[start + 3]) + 0.1
    model.set_weights(weights)
    model.compile("sgd", "mse")
    X = rng.normal(size=(n, features)) * draw(st.sampled_from([1.0, 3.0]))
    if draw(st.booleans()):
        X[:, 0] = 1.5  # a constant column
    y = rng.uniform(size=(n, 1))
    return model, X, y, draw(st.sampled_from([1024, 1, 3, 7]))


def hand_forward(model, X):
    """Each layer's (pre-activation or None, output) in float64 from the weights, in inference mode."""
    out, A = [], X
    for layer in model.layers:
        w = [np.asarray(v, np.float64) for v in layer.get_weights()]
        if isinstance(layer, Dense):
            Z = A @ w[0] + w[1]
            A = HAND[layer.activation.name](Z)
        elif isinstance(layer, BatchNormalization):
            gamma, beta, mean, var = w
            Z, A = None, gamma * (A - mean) / np.sqrt(var + layer.epsilon) + beta
        elif isinstance(layer, Activation):
            Z, A = A, HAND[layer.activation.name](A)
        else:  # Dropout: the identity in inference mode
            Z = None
        out.append((Z, A))
    return out


@examples(150)
@given(diagnosed_models())
def test_diagnose_counts_by_hand(case):
    glassnet.config.set_floatx("float64")
    model, X, y, max_samples = case
    rows = np.arange(max_samples) * len(X) // max_samples if len(X) > max_samples else np.arange(len(X))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = diagnose(model, X, y, max_samples=max_samples)
    assert not [w for w in caught if not issubclass(w.category, glassnet.diagnostics.DiagnosticWarning)]
    messages = [str(w.message) for w in caught]
    assert len(messages) == len(set(messages)) == len(result.problems)
    for kind, message in result.problems:
        if kind in ("dead_relu", "saturated"):
            assert any(f"'{l.name}'" in message for l in model.layers)
    probe = X[rows]
    grads = model.gradients(probe, y[rows], training=False)
    k = 0
    for layer, (Z, A), found in zip(model.layers, hand_forward(model, probe), result.layers):
        name = getattr(getattr(layer, "activation", None), "name", None)
        if name in ("relu", "relu6"):
            assume(not np.any(np.abs(Z) < 1e-9))  # a unit on the kink: float64 rounding decides
            assert found.dead_fraction == np.mean(np.all(Z <= 0, axis=0)), (layer.name, Z)
        else:
            assert found.dead_fraction is None
        if name in SATURATION:
            low, high = SATURATION[name]
            margin = 0.01 * (high - low)
            assume(not np.any(np.isclose(np.abs(A - (low + high) / 2), (high - low) / 2 - margin, rtol=1e-9)))
            stuck = (A <= low + margin) | (A >= high - margin)
            assert found.saturated_fraction == np.mean(np.all(stuck, axis=0))
        else:
            assert found.saturated_fraction is None
        count = len(layer.get_weights())
        if count:
            g = np.concatenate([np.ravel(v) for v in grads[k:k + count]])
            np.testing.assert_allclose(found.grad_norm, np.linalg.norm(g), rtol=1e-9, atol=1e-300, err_msg=layer.name)
        k += count
        if isinstance(layer, (Dense, Activation)):  # (Dropout and BatchNormalization keep no output)
            np.testing.assert_allclose(found.output_rms, np.sqrt(np.mean(A ** 2)), rtol=1e-9)


def test_diagnose_degenerate_inputs():
    model = Sequential([Dense(3, "relu", input_dim=2), Dense(1)], seed=0)
    with pytest.raises(ValueError, match="compile"):
        diagnose(model, np.ones((4, 2)), np.ones(4))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="NaN"):
        diagnose(model, np.array([[np.nan, 1.0]]), np.ones(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        one = diagnose(model, np.ones((1, 2)), np.ones(1), warn=False)
        constant = diagnose(model, np.ones((5, 2)), np.ones(5), warn=False)
    assert one.layers[0].dead_fraction == constant.layers[0].dead_fraction


# --- the bugs the hunt found, one example each -------------------------------------------------

def test_confusion_matrix_of_signed_labels_all_wrong_and_one_hot_classes_no_sample_has():
    # y_pred = [1, 1] for y_true = [-1, -1] was refused as "probabilities read as 0/1"
    fig = plots.plot_confusion_matrix([-1, -1], [1, 1])
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), [[0, 2], [0, 0]])
    with pytest.raises(ValueError, match="signed labels"):  # the 0/1 it guards against still is
        plots.plot_confusion_matrix([-1, 1, 1], [0, 1, 1])
    # one-hot rows of 3 classes, none of class 0: was a 2×2 matrix named "1", "2" (class 0 dropped)
    fig = plots.plot_confusion_matrix(np.eye(3)[[1, 2]], np.eye(3)[[1, 1]])
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), [[0, 0, 0], [0, 1, 0], [0, 1, 0]])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "1", "2"]


def test_decision_boundary_around_one_point_of_a_huge_column():
    """The margin was 10% of the span + 1e-9: nothing beside 1.3e29, so the y axis was singular
    (matplotlib's UserWarning) and the grid one value repeated."""
    from sklearn.tree import DecisionTreeClassifier

    X = np.array([[0.125, -1.3e29]])
    model = DecisionTreeClassifier().fit(X, [0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plots.plot_decision_boundary(model, X, [0], resolution=3)
        fig.draw_without_rendering()
    low, high = fig.axes[0].get_ylim()
    assert low < -1.3e29 < high and high - low > 1e28


def test_decision_boundary_refuses_a_title_matplotlib_cannot_draw(tmp_path):
    """title="$x^$" made the figure, then failed in savefig with matplotlib's ParseException."""
    from sklearn.linear_model import LogisticRegression

    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    model = LogisticRegression().fit(X, [0, 1])
    with pytest.raises(ValueError, match=r"title holds mathtext .*\\\$"):
        plots.plot_decision_boundary(model, X, title="$x^$", path=tmp_path / "b.png")
    assert not os.listdir(tmp_path)
    plots.plot_decision_boundary(model, X, title=r"$\eta$ = 0.1 costs $5", path=tmp_path / "b.png")
