"""Property-based checks of the playground's HTTP API (SPEC E3), through Starlette's TestClient.

Drawn settings of every option the page offers train a session through ``POST /api/sessions``
and its steps; the answers are checked against an independent NumPy forward pass and loss on
the same weights and points, against a second session of the same seeds (bit for bit), and for
their shapes. The demo endpoints are checked against the library functions they wrap, called
directly; drawn hostile bodies must get a 4xx JSON answer naming the setting (never a 500 or a
traceback); the session registry is checked against a model of its limits, least-recently-used
drop and expiry on a fake clock; and the loopback checks against the ``ipaddress`` module.

A hunt of about 29,000 logged requests (and some 35,000 more Host/Origin and registry ones) ran while
writing these, each under 2.5 s (``GLASSNET_PLAYGROUND_EXAMPLES=30`` multiplies the examples, with random
draws, and ``GLASSNET_PLAYGROUND_LOG`` logs each request's time); here a fixed, derandomized sample keeps
the file fast.
"""

import ipaddress
import json
import math
import os
import re
import time
import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
pytest.importorskip("starlette", reason="the playground extra (starlette) is not installed")
try:
    import httpx2  # noqa: F401  (Starlette >= 1's TestClient; older ones take httpx)
except ImportError:
    pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx2 (or httpx)")

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from glassnet.models import DivergenceWarning  # noqa: E402
from glassnet.playground import FEATURES, Session, create_app  # noqa: E402
from glassnet.playground import app as app_module  # noqa: E402
from glassnet.playground import engine  # noqa: E402

#: (a drawn learning rate of 10 diverges: the page shows the message, the test checks the state)
pytestmark = pytest.mark.filterwarnings("ignore:Training diverged")
SCALE = int(os.environ.get("GLASSNET_PLAYGROUND_EXAMPLES", 1))
HUNT = "GLASSNET_PLAYGROUND_EXAMPLES" in os.environ
#: the longest one request may take in the hunt (which logs every request's time)
SLOW_SECONDS = 10.0


def examples(n):
    return settings(max_examples=n * SCALE, deadline=None, derandomize=not HUNT, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1:8765") as c:
        yield c


@pytest.fixture(scope="module")
def options(client):
    return client.get("/api/options").json()


def _timed(send, *args, **kwargs):
    start = time.perf_counter()
    response = send(*args, **kwargs)
    took = time.perf_counter() - start
    if HUNT:  # the hunt's count of requests and the slowest ones
        with open(os.environ.get("GLASSNET_PLAYGROUND_LOG", os.devnull), "a") as log:
            print(f"{took:.4f} {response.status_code} {args[0]} {str(kwargs.get('json', kwargs.get('content')))[:150]!r}",
                  file=log)
        assert took < SLOW_SECONDS, (args, took)  # (the hunt's limit: no timed assertion in the suite)
    return response


def _assert_answered(response, *, allow_ok=True):
    """A JSON answer: 200 (where ``allow_ok``) or a 4xx with an ``error``, never a 500 or a traceback."""
    assert response.status_code < 500, response.text[:500]
    assert "Traceback" not in response.text and 'File "' not in response.text
    body = response.json()
    if response.status_code >= 400:
        assert isinstance(body.get("error"), str) and body["error"], body
        assert len(response.content) < 2000  # a huge bad value is not echoed back whole
    else:
        assert allow_ok, body
    return body


# --- sessions: drawn settings of every option the page offers -------------------------------------

ACTIVATION = {
    "tanh": np.tanh, "relu": lambda Z: np.maximum(Z, 0), "sigmoid": lambda Z: 1 / (1 + np.exp(-Z)),
    "linear": lambda Z: Z, "leaky_relu": lambda Z: np.where(Z >= 0, Z, 0.01 * Z),
    "elu": lambda Z: np.where(Z > 0, Z, np.expm1(np.minimum(Z, 0))),
}
FEATURE_COLUMNS = {"x1": lambda x, y: x, "x2": lambda x, y: y, "x1^2": lambda x, y: x * x, "x2^2": lambda x, y: y * y,
                   "x1x2": lambda x, y: x * y, "sin(x1)": lambda x, y: np.sin(x), "sin(x2)": lambda x, y: np.sin(y)}


def _features(names, X):
    return np.column_stack([FEATURE_COLUMNS[f](X[:, 0], X[:, 1]) for f in names])


def _outputs(weights, biases, F, activation, classification):
    """Every layer's output, in NumPy float64 (the reference forward pass)."""
    outputs, A = [], F
    with np.errstate(all="ignore"):
        for k, (W, b) in enumerate(zip(weights, biases)):
            Z = A @ W + b
            last = k == len(weights) - 1
            A = (ACTIVATION["sigmoid"] if classification else ACTIVATION["linear"])(Z) if last else \
                ACTIVATION[activation](Z)
            outputs.append(A)
    return outputs


def _loss(P, y, classification):
    """The data loss (no penalty, as the page's curves): BCE with ŷ clipped to [1e-7, 1 − 1e-7], or ½·MSE
    (the TensorFlow Playground's mean of ½(ŷ − y)²)."""
    with np.errstate(all="ignore"):
        if classification:
            p = np.clip(P[:, 0], 1e-7, 1 - 1e-7)
            return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        return float(0.5 * np.mean((P[:, 0] - y) ** 2))


def _close(sent, exact, decimals):
    """Whether a sent (rounded, None for NaN/inf) value is ``exact`` rounded to ``decimals``."""
    exact = np.asarray(exact, dtype=np.float64)
    sent = np.asarray(sent, dtype=object)
    if sent.shape != exact.shape:
        return False
    missing = np.vectorize(lambda v: v is None, otypes=[bool])(sent) if sent.size else np.zeros(0, bool)
    if not np.array_equal(missing, ~np.isfinite(exact)):
        return False
    values = np.where(missing, 0.0, sent).astype(np.float64)
    target = np.where(missing, 0.0, exact)
    return bool(np.all(np.abs(values - target) <= 0.51 * 10.0 ** -decimals + 1e-12 * np.abs(target)))


@st.composite
def playground_settings(draw):
    """Settings the page can send (a random subset of the keys: the rest are the defaults)."""
    problem = draw(st.sampled_from(["classification", "regression"]))
    sets = engine.CLASSIFICATION_SETS if problem == "classification" else engine.REGRESSION_SETS
    every = {
        "problem": problem,
        "dataset": draw(st.sampled_from(sets)),
        "noise": draw(st.floats(0, 0.5)),
        "train_fraction": draw(st.floats(0.1, 0.9)),
        "n_samples": draw(st.integers(20, 400) | st.integers(20, 5000)),
        "features": draw(st.lists(st.sampled_from(list(FEATURES)), min_size=1, max_size=9)),
        "layers": draw(st.lists(st.integers(1, engine.MAX_NEURONS), max_size=engine.MAX_LAYERS)),
        "activation": draw(st.sampled_from(engine.ACTIVATIONS)),
        "learning_rate": draw(st.sampled_from([1e-5, 0.001, 0.03, 0.3, 1.0, 3.0, 10.0]) | st.floats(1e-5, 10.0)),
        "regularization": draw(st.sampled_from([None, "none", "l1", "l2"])),
        "regularization_rate": draw(st.sampled_from([0.0, 0.001, 0.03, 1.0, 10.0]) | st.floats(0, 10.0)),
        "batch_size": draw(st.integers(1, 30) | st.integers(1, 5000)),
        "seed": draw(st.integers(0, 2**32 - 1)),
        "weights_seed": draw(st.integers(0, 2**32 - 1)),
    }
    keep = draw(st.sets(st.sampled_from(sorted(every))))
    if "dataset" in keep or "problem" in keep:  # the page sends both: the default set, circle, is no regression set
        keep |= {"dataset", "problem"}
    return {key: every[key] for key in sorted(keep)}


def test_the_drawn_settings_are_those_the_page_offers(options):
    assert options["features"] == list(FEATURES) and options["activations"] == list(engine.ACTIVATIONS)
    assert options["classification_sets"] == list(engine.CLASSIFICATION_SETS)
    assert options["regression_sets"] == list(engine.REGRESSION_SETS)
    assert options["regularizations"] == ["none", "l1", "l2"]
    assert (options["max_layers"], options["max_neurons"]) == (engine.MAX_LAYERS, engine.MAX_NEURONS)
    assert options["defaults"] == engine.DEFAULTS


steps = st.lists(st.fixed_dictionaries({}, optional={
    "epochs": st.integers(1, 4), "learning_rate": st.sampled_from([0.01, 0.1, 1.0, 10.0]),
    "since": st.integers(0, 3)}), min_size=1, max_size=3)


def _check_state(state, twin, config):
    """The answer's shapes, numbers and losses against ``twin``, the same session trained in this process."""
    classification = config["problem"] == "classification"
    sizes = [len(config["features"]), *config["layers"], 1]
    assert [np.shape(W) for W in state["weights"]] == list(zip(sizes[:-1], sizes[1:]))
    assert [np.shape(b) for b in state["biases"]] == [(n,) for n in sizes[1:]]
    assert [len(layer) for layer in state["neurons"]] == sizes
    assert all(len(m) == engine.NEURON_GRID ** 2 for layer in state["neurons"] for m in layer)
    assert len(state["surface"]) == engine.GRID ** 2
    assert state["epoch"] == twin.epoch and len(state["train_loss"]) == len(state["test_loss"])
    assert state["since"] + len(state["train_loss"]) == twin.epoch + 1  # one point per epoch, the start too
    exact = twin.model.get_weights()
    Ws, bs = exact[0::2], exact[1::2]
    assert all(_close(sent, W, 4) for sent, W in zip(state["weights"], Ws))
    assert all(_close(sent, b, 4) for sent, b in zip(state["biases"], bs))
    # the last losses: an independent forward pass and loss on the same weights and points
    for X, y, curve in ((twin.X_train, twin.y_train, "train_loss"), (twin.X_test, twin.y_test, "test_loss")):
        P = _outputs(Ws, bs, _features(config["features"], X), config["activation"], classification)[-1]
        reference = _loss(P, y, classification)
        sent = state[curve][-1] if state[curve] else None
        if state["diverged"] is None:
            assert sent is not None and math.isfinite(reference), (curve, sent, reference)
        if sent is not None:
            assert abs(sent - reference) <= 1e-6 + 1e-9 * abs(reference), (curve, sent, reference)
    # the surface and every neuron's map: the same forward pass over the drawn grids
    axis = np.linspace(-engine.DOMAIN, engine.DOMAIN, engine.GRID)
    grid = np.stack(np.meshgrid(axis, axis[::-1]), axis=-1).reshape(-1, 2)
    surface = _outputs(Ws, bs, _features(config["features"], grid), config["activation"], classification)[-1]
    assert _close(state["surface"], surface[:, 0], 4)
    small = np.linspace(-engine.DOMAIN, engine.DOMAIN, engine.NEURON_GRID)
    small_grid = np.stack(np.meshgrid(small, small[::-1]), axis=-1).reshape(-1, 2)
    F = _features(config["features"], small_grid)
    for sent_layer, A in zip(state["neurons"], [F, *_outputs(Ws, bs, F, config["activation"], classification)]):
        assert all(_close(sent, A[:, j], 4) for j, sent in enumerate(sent_layer))
    if state["diverged"] is None:
        assert all(v is not None for v in state["train_loss"] + state["test_loss"])
        assert all(np.isfinite(W).all() for W in exact)
    else:
        assert "diverged" in state["diverged"]


@examples(40)
@given(settings_=playground_settings(), requests=steps)
def test_drawn_sessions_answer_their_own_numbers_bit_for_bit(client, settings_, requests):
    created = _timed(client.post, "/api/sessions", json=settings_)
    body = _assert_answered(created)
    config = body["config"]
    assert config == engine.check_config(settings_)
    sid = body["id"]
    same = client.post("/api/sessions", json=settings_).json()  # the same seeds: the same session, bit for bit
    assert same["id"] != sid and {**same, "id": sid} == body
    client.delete(f"/api/sessions/{same['id']}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        twin = Session(settings_)
        twin_created = {**twin.describe(), "points": twin.points(), "state": twin.state()}
        assert json.loads(json.dumps(twin_created)) == {k: v for k, v in body.items() if k != "id"}
        # the points sent are the session's, rounded
        assert _close([row[:2] for row in body["points"]["train"]], twin.X_train, 4)
        assert _close([row[2] for row in body["points"]["test"]], twin.y_test, 4)
        assert len(body["points"]["train"]) + len(body["points"]["test"]) == config["n_samples"]
        _check_state(body["state"], twin, config)
        for request in requests:
            response = _timed(client.post, f"/api/sessions/{sid}/step", json=request)
            answer = _assert_answered(response)
            try:
                expected = twin.step(request.get("epochs", 1), request.get("since", 0), request.get("learning_rate"))
            except ValueError as exc:  # too much work for one request, or a since past the curves
                assert response.status_code == 400 and answer == {"error": str(exc), "field": exc.field}
                continue
            assert response.status_code == 200, answer
            assert answer == json.loads(json.dumps(expected))  # bit for bit, as the same seeds give
            _check_state(answer, twin, {**config, "learning_rate": twin.model.optimizer.learning_rate})
    assert client.delete(f"/api/sessions/{sid}").json() == {"deleted": True}
    after = client.post(f"/api/sessions/{sid}/step", json={})
    assert after.status_code == 404 and after.json()["reason"] == "it was deleted"
    again = client.delete(f"/api/sessions/{sid}")
    assert again.status_code == 404 and again.json()["deleted"] is False


# --- the lecture demos: the library functions they wrap, called directly --------------------------

FORMULAS = ["x**2", "x^2 - 1", "x**4 - 3*x**2 + x", "sin(x)", "cos(3*x) + x**2/10", "exp(x)", "log(x)", "sqrt(x)",
            "abs(x)", "x**3", "1/x", "tanh(x)", "exp(-x**2)", "(x - 1)^2 + 0.5", "log(1 + x**2)", "x"]


def _as_sent(a, digits):
    a = np.asarray(a, dtype=np.float64)
    return np.array([float(f"{v:.{digits}g}") if np.isfinite(v) else None for v in a.ravel()], dtype=object
                    ).reshape(a.shape).tolist()


@examples(40)
@given(function=st.sampled_from(FORMULAS), x0=st.floats(-10, 10) | st.floats(-1e6, 1e6),
       eta=st.floats(1e-4, 2.0) | st.floats(1e-9, 1e3), steps_=st.integers(1, 200),
       optimizer=st.sampled_from(["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]))
def test_descend_is_the_librarys_gradient_descent(client, function, x0, eta, steps_, optimizer):
    from glassnet.descent import gradient_descent
    from glassnet.expr import parse

    settings_ = {"function": function, "x0": x0, "learning_rate": eta, "steps": steps_, "optimizer": optimizer}
    response = _timed(client.post, "/api/descend", json=settings_)
    body = _assert_answered(response)
    f = parse(function)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = gradient_descent(f, x0, eta, steps=steps_, grad=f.gradient, optimizer=optimizer)
    except (TypeError, ValueError, OverflowError) as exc:
        assert response.status_code == 400 and body["field"] in ("x0", "function") and body["error"] == str(exc)
        return
    assert response.status_code == 200, body
    assert body["rows"] == _as_sent(result.table(), 13) and body["columns"] == list(result.columns)
    assert body["verdict"] == result.verdict
    assert _close(body["path"]["x"], result.x, 10) and _close(body["path"]["y"], result.fx, 10)


@examples(40)
@given(x=st.lists(st.floats(-5, 5), min_size=2, max_size=2), eta=st.floats(1e-3, 10),
       activation=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
       weights=st.lists(st.floats(-3, 3), min_size=9, max_size=9), t=st.floats(0, 1))
def test_backprop_is_the_librarys_trace(client, x, eta, activation, weights, t):
    from glassnet.trace import trace, worked_example_model

    y = {"sigmoid": t, "tanh": 2 * t - 1, "relu": 3 * t, "linear": 10 * t - 5}[activation]
    shaped = {"W1": [weights[0:2], weights[2:4]], "b1": weights[4:6], "W2": [[weights[6]], [weights[7]]],
              "b2": [weights[8]]}
    settings_ = {"x": x, "y": y, "learning_rate": eta, "activation": activation, "weights": shaped}
    response = _timed(client.post, "/api/backprop", json=settings_)
    body = _assert_answered(response)
    assert response.status_code == 200, body
    model = worked_example_model(activation, eta, [np.array(shaped[k], dtype=np.float64) for k in shaped])
    X, Y = np.array([x]), np.array([[y]])
    expected = trace(model, X, Y, apply=True)
    assert body["trace"] == json.loads(json.dumps(expected.to_dict()))
    for key, W in zip(shaped, model.get_weights()):
        assert np.array_equal(np.array(body["next_weights"][key], dtype=np.float64), W)  # exactly, to 17 digits
    with np.errstate(all="ignore"):
        after = float(model.loss(Y, model.predict(X)))
    assert body["loss_after"] == (after if math.isfinite(after) else None)


@examples(40)
@given(dataset=st.sampled_from(["and", "or", "xor", "plane"]), n=st.integers(4, 200), seed=st.integers(0, 2**32 - 1),
       eta=st.floats(1e-6, 10), epochs=st.integers(1, 50))
def test_perceptron_is_the_librarys_rule(client, dataset, n, seed, eta, epochs):
    from glassnet.classic import perceptron_rule
    from glassnet.datasets import logic_gate, make_plane_separation

    settings_ = {"dataset": dataset, "n_samples": n, "seed": seed, "learning_rate": eta, "epochs": epochs}
    body = _assert_answered(_timed(client.post, "/api/perceptron", json=settings_), allow_ok=True)
    if dataset == "plane":
        X, t = make_plane_separation(n, seed=seed, weights=(1.0, 2.0), bias=0.5, encoding="bipolar", dtype=np.float64)
    else:
        X, t = logic_gate(dataset, encoding="bipolar", dtype=np.float64)
    history = perceptron_rule(X, t.astype(np.float64), activation="sign", learning_rate=eta, epochs=epochs,
                              mode="online", record_steps=True)
    assert _close(body["points"], np.column_stack([X, t]), 6)
    assert _close(body["steps"], history.steps, 10)
    assert body["mistakes_per_epoch"] == history.mistakes.astype(int).tolist()
    assert len(body["samples"]) == len(body["mistakes"]) == epochs * len(t)
    # a step is a mistake exactly where sgn(w·x) was not the presented sample's t
    Xb = np.column_stack([np.ones(len(t)), X])
    W = history.steps[:-1]
    net = np.einsum("ij,ij->i", W, Xb[body["samples"]])
    assert body["mistakes"] == (np.where(net >= 0, 1, -1) != t[body["samples"]]).tolist()


@examples(25)
@given(store=st.text(alphabet="ACEHLTXO0123456789", min_size=1, max_size=8), data=st.data(),
       noise=st.floats(0, 0.5), mode=st.sampled_from(["async", "sync"]), seed=st.integers(0, 2**32 - 1))
def test_hopfield_is_the_librarys_network(client, store, data, noise, mode, seed):
    from glassnet.classic import Hopfield, flip_bits, load_bitmaps

    names = list(dict.fromkeys(store))
    recall = data.draw(st.sampled_from(names))
    settings_ = {"store": store, "recall": recall.lower(), "noise": noise, "mode": mode, "seed": seed}
    body = _assert_answered(_timed(client.post, "/api/hopfield", json=settings_))
    images, names = load_bitmaps(names)
    patterns = images.reshape(len(images), -1)
    net = Hopfield(max_iter=30, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit(patterns)
        noisy = flip_bits(patterns[names.index(recall)], noise, random_state=seed)
        final, info = net.recall(noisy, mode=mode, return_trace=True)
    assert body["names"] == names and body["stored"] == patterns.astype(int).tolist()
    assert body["noisy"] == noisy.astype(int).tolist() and body["final"] == final.astype(int).tolist()
    assert body["outcome"] == net.outcome(final, names, recall) and body["sweeps"] == int(info.n_sweeps)
    states = info.states[:, 0]
    assert body["frames"] == states[body["frame_updates"]].astype(int).tolist()
    assert body["frame_updates"][0] == 0 and body["frame_updates"][-1] == len(states) - 1
    # the energy E = −½ sᵀWs of each frame, from the library's weights
    S = np.array(body["frames"], dtype=np.float64)
    energies = -0.5 * np.einsum("fi,ij,fj->f", S, net.W_, S)
    assert _close(body["energies"], energies, 6)


@examples(20)
@given(dataset=st.sampled_from(["square", "circle", "gaussians", "xor", "spiral"]), n=st.integers(10, 200),
       rows=st.integers(2, 8), cols=st.integers(2, 8), topology=st.sampled_from(["rectangular", "hexagonal"]),
       epochs=st.integers(1, 20), mode=st.sampled_from(["online", "batch"]), init=st.sampled_from(["random", "pca"]),
       seed=st.integers(0, 2**32 - 1))
def test_som_is_the_librarys_map(client, dataset, n, rows, cols, topology, epochs, mode, init, seed):
    from glassnet.classic import SOM
    from glassnet.datasets import PLAYGROUND

    settings_ = {"dataset": dataset, "n_samples": n, "rows": rows, "cols": cols, "topology": topology,
                 "epochs": epochs, "mode": mode, "init": init, "seed": seed}
    body = _assert_answered(_timed(client.post, "/api/som", json=settings_))
    if dataset == "square":
        X = np.random.default_rng(seed).uniform(-5, 5, (n, 2))
    else:
        X = PLAYGROUND[dataset](n_samples=n, seed=seed, dtype=np.float64)[0]
    m = SOM(grid=(rows, cols), topology=topology, epochs=epochs, mode=mode, init=init, random_state=seed)
    m.fit(X, record_weights=True)
    assert _close(body["points"], X, 4)
    assert _close(body["frames"], m.weights_history_, 4) and len(body["frames"]) == epochs + 1
    assert _close(body["quantization_errors"], m.quantization_errors_, 6)
    assert body["topographic_error"] == float(m.topographic_error(X))
    # each edge joins grid neighbours: rectangular ones are one row or one column apart
    for i, j in body["edges"]:
        assert 0 <= i < j < rows * cols
        if topology == "rectangular":
            assert abs(i // cols - j // cols) + abs(i % cols - j % cols) == 1


# --- hostile bodies: a 4xx JSON answer naming the setting, quickly ------------------------------

VALID = {
    "/api/sessions": {"layers": [2], "n_samples": 40},
    "/api/descend": {"function": "x**2", "x0": 2.0, "steps": 5},
    "/api/backprop": {},
    "/api/perceptron": {"epochs": 2},
    "/api/hopfield": {"store": "HT", "recall": "H"},
    "/api/som": {"n_samples": 50, "epochs": 2, "rows": 3, "cols": 3},
}
KEYS = {
    "/api/sessions": list(engine.DEFAULTS),
    "/api/descend": ["function", "x0", "learning_rate", "steps", "optimizer"],
    "/api/backprop": ["x", "y", "learning_rate", "weights", "activation"],
    "/api/perceptron": ["dataset", "n_samples", "seed", "learning_rate", "epochs"],
    "/api/hopfield": ["store", "recall", "noise", "mode", "seed"],
    "/api/som": ["dataset", "n_samples", "rows", "cols", "topology", "epochs", "mode", "init", "seed"],
}
#: a setting whose new value can make another one wrong: the error then names that one
DEPENDS = {("/api/sessions", "problem"): {"dataset"}, ("/api/hopfield", "store"): {"recall"},
           ("/api/som", "n_samples"): {"epochs"}, ("/api/som", "rows"): {"epochs"}, ("/api/som", "cols"): {"epochs"},
           ("/api/som", "mode"): {"epochs"}, ("/api/backprop", "activation"): {"y"},
           ("/api/descend", "function"): {"x0"}, ("/api/descend", "x0"): {"function"},
           ("/api/descend", "learning_rate"): {"function"}, ("/api/descend", "steps"): {"function"},
           ("/api/descend", "optimizer"): {"function"}}

HUGE = [10**400, -(10**400), 10**30, 2**63, 2**64, -(2**63), 1e308, -1e308, 5e-324, 2**32, 10**6, 5001, 101]
leaves = (st.none() | st.booleans() | st.integers() | st.sampled_from(HUGE)
          | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
          | st.sampled_from(["\ud800", "x" * 3000, "é", "🙂", "NaN", "1e400", "", " ", "none", "x**" * 200]))
hostile_values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                              | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=12)


def _dumps(value):
    """JSON as Python writes it: NaN, Infinity and -Infinity as those literals; lone surrogates escaped."""
    return json.dumps(value, allow_nan=True).encode()


@examples(150)
@given(path=st.sampled_from(sorted(VALID)), data=st.data())
def test_hostile_settings_get_a_4xx_naming_the_setting(client, path, data):
    key = data.draw(st.sampled_from(KEYS[path]))
    value = data.draw(hostile_values)
    settings_ = {**VALID[path], key: value}
    response = _timed(client.post, path, content=_dumps(settings_), headers={"content-type": "application/json"})
    body = _assert_answered(response)
    if response.status_code != 200:
        assert response.status_code == 400 and body.get("field") in {key} | DEPENDS.get((path, key), set()), body
    if path == "/api/sessions" and response.status_code == 200:
        client.delete(f"/api/sessions/{body['id']}")


@examples(40)
@given(path=st.sampled_from(sorted(VALID)), key=st.text(min_size=1, max_size=30), value=hostile_values)
def test_an_extra_setting_is_refused_by_name(client, path, key, value):
    response = _timed(client.post, path, content=_dumps({**VALID[path], key: value}),
                      headers={"content-type": "application/json"})
    body = _assert_answered(response)
    if key in KEYS[path]:
        return
    assert response.status_code == 400 and "unknown setting" in body["error"]


raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=100).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"", b"{", b"}", b"[]", b"null", b"0", b'"x"', b"NaN", b"{'a': 1}", b'{"a": 1,}',
                     b"\xff\xfe{\x00}\x00", b"\xef\xbb\xbf{}", b'{"seed": 1' + b"0" * 5000 + b"}",
                     b"[" * 100000 + b"]" * 100000, b"{" * 40000, b'{"a":' * 20000 + b"1" + b"}" * 20000,
                     b'{"seed": 1, "seed": 2}', b'{"\\u0000": 1}', b"\x00" * 50]),
    hostile_values.map(_dumps),
)


@examples(100)
@given(path=st.sampled_from([*sorted(VALID), "/api/sessions/0123456789abcdef/step"]), raw=raw_bodies,
       kind=st.sampled_from(["application/json", "application/JSON; charset=utf-8", "text/plain", "", None,
                             "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "json"]))
def test_any_body_gets_a_json_answer_quickly(client, path, raw, kind):
    headers = {} if kind is None else {"content-type": kind}
    response = _timed(client.post, path, content=raw, headers=headers)
    body = _assert_answered(response)
    json_kind = (kind or "").split(";")[0].strip().lower() == "application/json"
    if raw and not json_kind:
        assert response.status_code in (404, 415), body  # (an unknown session is 404 before its body is read)
    if len(raw) > app_module.MAX_BODY_BYTES and json_kind:
        assert response.status_code in (404, 413), body
    if path == "/api/sessions" and response.status_code == 200:
        client.delete(f"/api/sessions/{body['id']}")


@examples(60)
@given(data=st.data())
def test_hostile_steps_get_a_4xx_naming_the_setting(client, data):
    sid = client.post("/api/sessions", json={"layers": [2], "n_samples": 40}).json()["id"]
    key = data.draw(st.sampled_from(["epochs", "since", "learning_rate"]))
    value = data.draw(hostile_values)
    response = _timed(client.post, f"/api/sessions/{sid}/step", content=_dumps({key: value}),
                      headers={"content-type": "application/json"})
    body = _assert_answered(response)
    if response.status_code != 200:
        assert response.status_code == 400 and body["field"] == key, body
    client.delete(f"/api/sessions/{sid}")


# --- the registry: limits, least-recently-used drop and expiry, against a model ------------------

class _Clock:
    """``time`` for the application, whose monotonic clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


operations = st.lists(st.one_of(
    st.tuples(st.just("create")), st.tuples(st.just("step"), st.integers(0, 50)),
    st.tuples(st.just("delete"), st.integers(0, 50)), st.tuples(st.just("wait"), st.sampled_from([1, 600, 3599, 3601])),
), max_size=40)


@examples(25)
@given(ops=operations, capacity=st.integers(1, 4))
def test_the_session_registry_follows_its_documented_model(monkeypatch, ops, capacity):
    clock = _Clock()
    monkeypatch.setattr(app_module, "time", clock)
    monkeypatch.setattr(app_module, "MAX_SESSIONS", capacity)
    kept = {}  # id -> time of its last request, the least recent first (the model)
    why, ids = {}, []
    with TestClient(create_app(), base_url="http://127.0.0.1:8765") as c:
        for op in ops:
            def expire():
                for sid in [s for s, used in kept.items() if clock.now - used > app_module.IDLE_SECONDS]:
                    del kept[sid]
                    why[sid] = "it had no request for over 60 minutes"
            if op[0] == "wait":
                clock.now += op[1]
                continue
            if op[0] == "create":
                body = c.post("/api/sessions", json={"layers": [], "n_samples": 20}).json()
                expire()
                ids.append(body["id"])
                kept[body["id"]] = clock.now
                while len(kept) > capacity:
                    oldest = next(iter(kept))
                    del kept[oldest]
                    why[oldest] = (f"the server keeps the {capacity} sessions used most recently, and {capacity} "
                                   "others were used since")
                continue
            if not ids:
                continue
            sid = ids[op[1] % len(ids)]
            expire()
            response = c.post(f"/api/sessions/{sid}/step") if op[0] == "step" else c.delete(f"/api/sessions/{sid}")
            if sid in kept:
                assert response.status_code == 200, response.text
                del kept[sid]
                if op[0] == "step":
                    kept[sid] = clock.now  # used now: the most recent
                else:
                    why[sid] = "it was deleted"
            else:
                assert response.status_code == 404 and response.json()["reason"] == why[sid], (op, response.text)


@examples(10)
@given(settings_=st.lists(playground_settings(), min_size=2, max_size=6))
def test_concurrent_sessions_train_apart(client, settings_):
    """Sessions created and stepped from threads at once each answer what they would alone."""
    from concurrent.futures import ThreadPoolExecutor

    def run(config):
        body = client.post("/api/sessions", json=config).json()
        states = [client.post(f"/api/sessions/{body['id']}/step", json={"epochs": 2}) for _ in range(2)]
        client.delete(f"/api/sessions/{body['id']}")
        return states

    small = [{**s, "n_samples": min(s.get("n_samples", 500), 200), "batch_size": max(s.get("batch_size", 10), 10)}
             for s in settings_]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, small))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        for config, states in zip(small, results):
            twin = Session(config)
            for response in states:
                assert response.status_code == 200, response.text
                assert response.json() == json.loads(json.dumps(twin.step(2)))


@pytest.mark.parametrize("settings_, field, words", [
    ({"n_samples": 5001}, "n_samples", "between 20 and 5000"),
    ({"layers": [1] * (engine.MAX_LAYERS + 1)}, "layers", f"at most {engine.MAX_LAYERS} hidden-layer sizes"),
    ({"layers": [engine.MAX_NEURONS + 1]}, "layers", f"between 1 and {engine.MAX_NEURONS}"),
    ({"layers": [0]}, "layers", f"between 1 and {engine.MAX_NEURONS}"),
    ({"batch_size": 0}, "batch_size", "Batch size must be between 1 and 5000"),
])
def test_the_documented_limits_answer_400_naming_the_setting(client, settings_, field, words):
    response = client.post("/api/sessions", json=settings_)
    assert response.status_code == 400 and response.json()["field"] == field and words in response.json()["error"]


# --- Host and Origin: only loopback is served when local_only -------------------------------------

LOOPBACK_NETWORKS = [ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128", "::ffff:127.0.0.0/104")]


def _reference_loopback(host):
    """Loopback by membership of the ``ipaddress`` networks: 127.0.0.0/8, ::1, and 127.0.0.0/8 written as
    IPv4-mapped IPv6 addresses (::ffff:127.0.0.1; Python 3.13's ``is_loopback`` counts them too);
    ``localhost`` in any case."""
    name = host.strip("[]").lower()
    try:
        return any(ipaddress.ip_address(name) in net for net in LOOPBACK_NETWORKS
                   if net.version == ipaddress.ip_address(name).version)
    except ValueError:  # a name, not an address
        return name == "localhost"


addresses = st.one_of(
    st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(str),
    st.ip_addresses(network="127.0.0.0/8").map(str), st.just("::1"), st.just("0:0:0:0:0:0:0:1"),
    st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"), st.ip_addresses(network="127.0.0.0/8").map(lambda a: f"::ffff:{a}"),
    st.sampled_from(["0.0.0.0", "::", "127.0.0.1", "127.255.255.254", "::ffff:7f00:1", "::127.0.0.1", "128.0.0.1",
                     "126.255.255.255", "::2", "fe80::1", "::1%1"]),
)
names = st.sampled_from(["localhost", "LOCALHOST", "LocalHost", "localhost.", "localhost.localdomain", "local",
                         "localhost.evil.example", "evil.example", "127.0.0.1.nip.io", "0x7f000001", "2130706433",
                         "127.1", "0", "", "ⓛocalhost", "localhost\x00", "l\u0131ocalhost"])


@examples(300)
@given(host=addresses | names)
def test_loopback_and_address_helpers_agree_with_ipaddress(host):
    from glassnet.playground.app import host_problem, is_loopback, numeric_host

    assert is_loopback(host) == _reference_loopback(host)
    if ":" in host:
        assert is_loopback(f"[{host}]") == _reference_loopback(host)
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        ip = None
    if ip is not None:
        assert ipaddress.ip_address(numeric_host(host).split("%")[0]) == ip
        assert host_problem(host) is None
        if ip.version == 6:
            assert ipaddress.ip_address(numeric_host(f"[{host}]").split("%")[0]) == ip
            assert host_problem(f"[{host}]") is None
            assert "includes a port" in host_problem(f"[{host}]:8765")
            assert "unmatched bracket" in host_problem(f"[{host}")
        else:
            assert "includes a port" in host_problem(f"{host}:8765")


def _host_header(host, port):
    return (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")


@examples(200)
@given(host=addresses | names, port=st.none() | st.integers(1, 65535), origin=st.booleans())
def test_only_loopback_hosts_and_origins_are_served(client, host, port, origin):
    header = _host_header(host, port)
    try:
        header.encode("latin-1")
    except UnicodeEncodeError:
        return  # no HTTP client sends it
    if any(c in header for c in "\x00\r\n"):
        return
    # the page's own origin is its Host, port included (session 57): another port's page is another site
    headers = {"host": header, "origin": f"http://{header}"} if origin else {"host": header}
    if origin and "%" not in host:
        elsewhere = f"http://{_host_header(host, 1 + (port or 80) % 65535)}"
        other = client.get("/api/options", headers={"host": header, "origin": elsewhere})
        assert other.status_code == 403, _assert_answered(other)
    response = client.get("/api/options", headers=headers)
    body = _assert_answered(response)
    loopback = _reference_loopback(host.split("%")[0]) and host not in ("", "localhost.")
    if response.status_code == 200:
        assert _reference_loopback(host.split("%")[0]), (header, body)
    else:
        assert response.status_code == 403, body
        if "%" not in host and re.fullmatch(r"[\w.:]+", host) and host.strip(".") == host:
            assert not loopback, (header, body)
