"""Training diagnostics: dead ReLUs, saturation, vanishing gradients, learning rate (SPEC A11)."""

import json
import math
import warnings

import numpy as np
import pytest

from glassnet.datasets import make_circle
from glassnet.diagnostics import DiagnosticWarning, Diagnostics, diagnose
from glassnet.diagnostics.problems import _loss_problems, _problems
from glassnet.initializers import Constant
from glassnet.layers import Dense
from glassnet.models import Sequential
from glassnet.models import DivergenceWarning
from glassnet.optimizers import SGD, Adam


@pytest.fixture
def circle():
    X, y = make_circle(400, seed=1)
    return (X - X.mean(0)) / X.std(0), y


def relu_net(learning_rate, seed=0):
    model = Sequential([Dense(32, "relu", input_dim=2), Dense(32, "relu"), Dense(1, "sigmoid")], seed=seed)
    model.compile(SGD(learning_rate), "binary_crossentropy")
    return model


def numpy_relu_outputs(model, X):
    """Hidden-layer outputs recomputed from the weights, independently of glassnet's layers."""
    W1, b1, W2, b2 = (w.astype(np.float64) for w in model.get_weights()[:4])
    A1 = np.maximum(X @ W1 + b1, 0)
    return A1, np.maximum(A1 @ W2 + b2, 0)


def test_too_large_learning_rate_kills_relus_and_is_flagged(circle):
    X, y = circle
    model = relu_net(learning_rate=5.0)
    callback = Diagnostics(X, y)
    with pytest.warns(DiagnosticWarning, match="dead") as record:
        history = model.fit(X, y, epochs=10, batch_size=32, verbose=0, callbacks=[callback])
    messages = [str(w.message) for w in record if w.category is DiagnosticWarning]
    assert any("Lower the learning rate" in m and "20-40%" in m for m in messages)

    # The History holds one value per epoch for every measurement.
    for key in ("dead_relu/dense", "dead_relu/dense_1", "grad_norm/dense", "weight_norm/dense_2",
                "saturated/dense_2"):
        assert len(history.history[key]) == 10, key
    A1, A2 = numpy_relu_outputs(model, X[np.arange(256) * len(X) // 256])  # the callback's probe: 256 rows spread
    dead = [np.mean(np.all(A == 0, axis=0)) for A in (A1, A2)]
    assert max(dead) >= 0.2
    assert history.history["dead_relu/dense"][-1] == pytest.approx(dead[0])
    assert history.history["dead_relu/dense_1"][-1] == pytest.approx(dead[1])

    diagnosis = diagnose(model, X, y, warn=False, max_samples=256)
    assert [l.dead_fraction for l in diagnosis.layers[:2]] == pytest.approx(dead)
    assert any(kind == "dead_relu" for kind, _ in diagnosis.problems)
    assert "Lower the learning rate" in str(diagnosis)
    # Each problem is warned about once per layer, not every epoch.
    assert len(callback.problems) == len({(k, m.split("'")[1] if "'" in m else k) for _, k, m in callback.problems})


def test_deep_sigmoid_network_is_flagged_for_vanishing_gradients(circle):
    X, y = circle
    model = Sequential([Dense(16, "sigmoid", input_dim=2)] + [Dense(16, "sigmoid") for _ in range(7)]
                       + [Dense(1, "sigmoid")], seed=0)
    model.compile(SGD(0.1), "binary_crossentropy")
    model.fit(X, y, epochs=3, batch_size=32, verbose=0)
    with pytest.warns(DiagnosticWarning, match="Vanishing gradients") as record:
        diagnosis = diagnose(model, X, y)
    assert any("ReLU" in str(w.message) and "batch normalization" in str(w.message) for w in record)
    assert [k for k, _ in diagnosis.problems] == ["vanishing"]
    # RMS gradients against Sequential.gradients (inference mode, the probe's mode).
    grads = model.gradients(X, y, training=False)[0::2]
    rms = [np.linalg.norm(g) / np.sqrt(g.size) for g in grads]
    np.testing.assert_allclose([l.grad_rms for l in diagnosis.layers], rms, rtol=1e-5)
    assert rms[0] < rms[-1] / 100


def test_seed_004s_gradient_far_from_the_output_is_the_product_of_the_derivatives_on_the_way():
    """Seed 004: ∂E/∂w_32 ∝ φ'(net_0) φ'(net_1) φ'(net_2), so "the weights farthest away from the
    output can have very large, or very small, updates". A chain of three sigmoid neurons
    x → o_1 → o_2 → o_3 with E = ½ (y_t − o_3)², worked by the chain rule."""
    x, y_t, w = 0.8, 1.0, [1.5, -2.0, 0.7]
    net, o = [], x
    for wi in w:
        net.append(wi * o)
        o = 1 / (1 + math.exp(-net[-1]))
    outs = [1 / (1 + math.exp(-n)) for n in net]
    dphi = [s * (1 - s) for s in outs]  # φ'(net) = φ(1 − φ)
    dE_do = -(y_t - outs[2])
    by_hand = [dE_do * dphi[2] * w[2] * dphi[1] * w[1] * dphi[0] * x,  # the first weight: three φ'
               dE_do * dphi[2] * w[2] * dphi[1] * outs[0],
               dE_do * dphi[2] * outs[1]]  # the last weight: one φ'
    model = Sequential([Dense(1, "sigmoid", use_bias=False, input_dim=1), Dense(1, "sigmoid", use_bias=False),
                        Dense(1, "sigmoid", use_bias=False)], dtype="float64")
    model.compile(SGD(1.0), "squared_error")
    model.build()
    model.set_weights([np.array([[wi]]) for wi in w])
    grads = [g[0, 0] for g in model.gradients(np.array([[x]]), np.array([[y_t]]))]
    np.testing.assert_allclose(grads, by_hand, rtol=1e-12)
    # ten neurons of unit weights: ∂E/∂w_1 / ∂E/∂w_10 = φ'(net_1) ⋯ φ'(net_9) · x / o_9, and φ' ≤ ¼,
    # o_9 > ½ (every net input is positive), so the first weight moves at most 2x/4⁹ as much as the last
    deep = Sequential([Dense(1, "sigmoid", use_bias=False, kernel_initializer="ones", input_dim=1)]
                      + [Dense(1, "sigmoid", use_bias=False, kernel_initializer="ones") for _ in range(9)],
                      dtype="float64")
    deep.compile(SGD(1.0), "squared_error")
    grads = np.abs([g[0, 0] for g in deep.gradients(np.array([[x]]), np.array([[y_t]]))])
    assert 0 < grads[0] < grads[-1] * 2 * x / 4.0**9


def test_a_layer_no_gradient_reaches_is_not_called_1e300_times_smaller(rng):
    # the first layer's ReLUs are all dead, so its RMS gradient is exactly 0: the message divided
    # by max(0, 1e-300) and said "1.49e+300× smaller in 'dense' than in 'dense_2'"
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model = Sequential([Dense(4, "relu", input_dim=3), Dense(4, "relu"), Dense(1)], dtype="float64", seed=0)
    model.compile("sgd", "mse")
    model.build()
    weights = model.get_weights()
    weights[1][:], weights[3][:] = -100.0, 1.0  # layer 1 dead for every sample, layer 2 alive on its bias
    model.set_weights(weights)
    diagnosis = diagnose(model, X, y, warn=False)
    assert [l.grad_rms for l in diagnosis.layers][:2] == [0.0, 0.0] and diagnosis.layers[2].grad_rms > 0
    assert diagnosis.layers[0].dead_fraction == 1.0
    message = dict(diagnosis.problems)["vanishing"]
    assert "none at all in 'dense' (RMS 0)" in message and "e+" not in message
    # the model already uses ReLU: the advice is about its dead units, not "Use ReLU"
    assert "Use ReLU" not in message
    assert "the dead ReLU units of 'dense' pass back no gradient: Lower the learning rate" in message


def test_healthy_run_gets_no_warning(circle):
    X, y = circle
    model = Sequential([Dense(16, "relu", input_dim=2), Dense(16, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile(Adam(0.01), "binary_crossentropy", ["accuracy"])
    callback = Diagnostics(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagnosticWarning)
        history = model.fit(X, y, epochs=20, batch_size=32, verbose=0, callbacks=[callback])
        diagnosis = diagnose(model, X, y)
    assert history.history["accuracy"][-1] > 0.95
    assert diagnosis.healthy and callback.problems == []
    assert "No problems found" in str(diagnosis)
    json.dumps(diagnosis.to_dict(), allow_nan=False)


def test_saturated_sigmoid_units(rng):
    X = rng.normal(size=(64, 3)) * 1000.0  # unscaled inputs drive every sigmoid to 0 or 1
    y = rng.integers(0, 2, 64)
    model = Sequential([Dense(8, "sigmoid", input_dim=3), Dense(1, "sigmoid")], seed=0)
    model.compile("sgd", "binary_crossentropy")
    diagnosis = diagnose(model, X, y, warn=False)
    W, b = model.get_weights()[:2]
    A = 0.5 * (1 + np.tanh((X @ W + b) / 2))  # σ(z), written so it never overflows
    expected = np.mean(np.all((A < 0.01) | (A > 0.99), axis=0))
    assert diagnosis.layers[0].saturated_fraction == pytest.approx(expected)
    assert expected >= 0.5
    assert ("saturated" in [k for k, _ in diagnosis.problems]) and "Standardize the inputs" in str(diagnosis)


def test_a_solved_classifier_s_confident_sigmoid_output_is_not_saturation():
    # Seed 004's XOR net: with binary cross-entropy the output delta is a − y, so outputs
    # at 0 or 1 are right answers; the measurement stays in the History all the same.
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    model = Sequential([Dense(8, "tanh", input_dim=2), Dense(1, "sigmoid")], seed=1)
    model.compile(Adam(0.05), "binary_crossentropy", ["accuracy"])
    callback = Diagnostics(X, y, warn=False)
    history = model.fit(X, y, epochs=500, batch_size=4, verbose=0, callbacks=[callback])
    A = model.predict(X, verbose=0).ravel()
    assert history.history["accuracy"][-1] == 1.0
    assert np.all((A < 0.01) | (A > 0.99))  # every output saturated
    assert history.history["saturated/dense_1"][-1] == 1.0
    assert callback.problems == []
    assert diagnose(model, X, y, warn=False).healthy


def test_a_saturated_output_is_reported_under_the_squared_error(rng):
    X = rng.normal(size=(32, 2))
    W = np.array([[40.0], [0.0]])  # σ(40 x_1): every output within 1% of 0 or 1 but for |x_1| < 0.115
    kept = np.abs(X[:, 0]) > 0.2
    X, y = X[kept], (X[kept, 0] > 0).astype(float)
    kinds = {}
    for loss in ("mse", "binary_crossentropy"):
        model = Sequential([Dense(1, "sigmoid", input_dim=2)], seed=0)
        model.compile("sgd", loss)
        model.set_weights([W, np.zeros(1)])
        diagnosis = diagnose(model, X, y, warn=False)
        assert diagnosis.layers[0].saturated_fraction == 1.0
        kinds[loss] = [k for k, _ in diagnosis.problems]
    assert kinds == {"mse": ["saturated"], "binary_crossentropy": []}


# Seed 000's f(x) = x² tables, read as loss curves.
F_ETA_105 = [4, 4.84, 5.8564, 7.086244, 8.57435524, 10.3749698404, 12.553713506884]
F_ETA_02 = [4, 1.44, 0.5184, 0.186624, 0.06718464, 0.0241864704]


def test_loss_curves_like_the_seed_tables():
    kinds = lambda losses: [k for k, _, _ in _loss_problems(losses)]
    assert kinds(F_ETA_105) == ["loss_grows"]
    assert kinds(F_ETA_02) == []
    assert kinds([1.0, 1.6, 0.95, 1.7, 1.0, 1.6]) == ["loss_oscillates"]
    assert kinds([0.6931, 0.6930, 0.6932, 0.6930, 0.6931]) == []  # a flat, noisy loss is no oscillation
    assert kinds([1.0, float("nan")]) == ["diverged"]
    # A 2-cycle is an oscillation whichever phase the 10-epoch window starts in (the
    # window of [1, .5] * 5 + [1] starts at .5, and its lows never fall below it) ...
    assert kinds([1.0, 0.5] * 5) == kinds([1.0, 0.5] * 5 + [1.0]) == kinds([0.5, 1.0] * 5) == ["loss_oscillates"]
    # ... and a loss that zigzags down (lows 0.8 then 0.5) is still learning.
    assert kinds([1.0, 0.9, 0.95, 0.8, 0.85, 0.7, 0.75, 0.6, 0.65, 0.5]) == []
    assert "η = 1.05" in _loss_problems(F_ETA_105)[0][2]


def test_loss_curves_below_zero_are_read_as_those_above():
    # a custom Loss may be negative (a cosine similarity): "10% above its start" and "5% of its level"
    # were taken of a negative number, so a loss creeping up by 2% was "growing"
    kinds = lambda losses: [k for k, _, _ in _loss_problems(losses)]
    assert kinds([-0.9, -0.89, -0.895, -0.888, -0.887, -0.886, -0.885, -0.884, -0.883, -0.882]) == []
    assert kinds([-v for v in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)]) == ["loss_grows"]  # −1 → −0.5: every step worse
    assert kinds([-1.0, -2.0] * 5) == kinds([1.0, 2.0] * 5) == ["loss_oscillates"]
    assert kinds([-0.6931, -0.6930, -0.6932, -0.6930, -0.6931]) == []


def test_a_loss_that_explodes_and_stays_finite_is_flagged(rng):
    # SGD(1.0) on pixels of 0..255 with ReLU and mse: the loss jumps from 1.3e4 to 1.3e25 and stays there,
    # finite, so fit never stops; the curve neither "grows" (flat) nor oscillates, and no loss problem was named
    X = pixels(rng)
    y = rng.integers(0, 10, len(X)).astype(float)
    model = Sequential([Dense(32, "relu", input_dim=16), Dense(1)], seed=0)
    model.compile(SGD(1.0), "mse")
    callback = Diagnostics(X, y, warn=False)
    losses = model.fit(X, y, epochs=6, batch_size=len(X), verbose=0, callbacks=[callback]).history["loss"]
    assert all(np.isfinite(losses)) and losses[-1] > 1e20 * losses[0] and model.stop_reason is None
    assert ("loss_exploded", 1) in [(k, epoch) for epoch, k, _ in callback.problems]  # once it no longer falls
    message = dict(diagnose(model, X, y, warn=False).problems)["loss_exploded"]
    # a model that learned nothing: predicting 0 (mean y²) or the mean (var y), the larger
    untrained = max(np.mean(y ** 2), np.var(y))
    assert f"{losses[-1] / untrained:.2g} times the loss of a model that learned nothing ({untrained:.3g}, " \
           "predicting 0 for every sample)" in message
    assert message.endswith("The learning rate is far too large: lower it, e.g. from 1 to 0.1.")
    # the curve alone, with the numbers of the report: 2.4e27, then 3.1e27 every epoch
    kinds = lambda losses, start: [k for k, _, _ in _loss_problems(losses, untrained_loss=(start, "before"))]
    assert kinds([2.4e27, 3.1e27], 8.0) == kinds([2.4e27, 3.1e27, 3.1e27, 3.1e27], 8.0) == ["loss_exploded"]
    assert kinds([1e9, 1e8], 1.0) == []  # still falling 10× an epoch: no explosion yet
    assert kinds([3e5, 3.1e5], 1.0) == []  # 10⁵ times: bad, but no explosion


def test_a_start_far_above_the_mean_target_is_no_explosion(rng):
    # targets around 1000 that Adam(0.001) approaches slowly: the loss stays at 1e6 = mean(y²), a million
    # times var(y), from the first epoch on. Measured against the mean target alone this was "exploded"
    X = rng.normal(size=(256, 4))
    y = 1000 + X[:, 0]
    model = Sequential([Dense(16, "relu", input_dim=4), Dense(1)], seed=0)
    model.compile(Adam(0.001), "mse")
    callback = Diagnostics(X, y, warn=False)
    losses = model.fit(X, y, epochs=5, batch_size=32, verbose=0, callbacks=[callback]).history["loss"]
    assert min(losses) > 1e5 * np.var(y)
    assert callback.problems == [] and diagnose(model, X, y, warn=False).healthy


def test_divergence_is_reported(rng):
    X, y = rng.normal(size=(32, 2)), rng.normal(size=32)
    model = Sequential([Dense(8, input_dim=2), Dense(1)], seed=0)
    model.compile(SGD(1e3), "mse")
    with pytest.warns(DivergenceWarning):
        model.fit(X, y, epochs=50, batch_size=32, verbose=0)
    with pytest.warns(DiagnosticWarning, match="diverged"):
        diagnosis = diagnose(model, X, y)
    assert "lower it" in diagnosis.warnings[-1]


def test_the_callback_reports_a_divergence_that_stopped_fit(rng):
    # fit rolls the diverging batch back, so the logged loss and the weights are finite:
    # only the stop reason tells, and the callback reads it as diagnose does.
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    model = Sequential([Dense(8, "relu", input_shape=(3,)), Dense(1)], seed=0)
    model.compile(SGD(5.0), "mse")
    callback = Diagnostics(X, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        history = model.fit(X, y, epochs=20, batch_size=16, verbose=0, callbacks=[callback])
    # one message for one divergence: fit's warning, not also the callback's "Training diverged"
    assert [w.category for w in record] == [DivergenceWarning]
    assert model.stop_reason.startswith("Training diverged at epoch 1")
    assert history.history.get("loss", []) == []  # the diverging epoch was undone: no epoch end
    assert [(epoch, kind) for epoch, kind, _ in callback.problems] == [(0, "diverged")]
    assert [k for k, _ in callback.last.problems] == ["diverged"]
    assert [k for k, _ in diagnose(model, X, y, warn=False).problems] == ["diverged"]


def test_probe_changes_nothing(circle):
    X, y = circle
    model = relu_net(0.1)
    model.fit(X, y, epochs=1, verbose=0)
    before = model.get_weights()
    grads = model._flat_grads.copy()
    diagnose(model, X, y, warn=False)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(grads, model._flat_grads)


def test_bad_input(circle):
    X, y = circle
    with pytest.raises(TypeError, match="Sequential"):
        diagnose(object(), X, y)
    with pytest.raises(ValueError, match="compile"):
        diagnose(Sequential([Dense(1, input_dim=2)]), X, y)
    with pytest.raises(ValueError, match="max_samples"):
        diagnose(relu_net(0.1), X, y, max_samples=0)
    with pytest.raises(TypeError, match="max_samples must be a positive integer"):
        diagnose(relu_net(0.1), X, y, max_samples="5")
    assert diagnose(relu_net(0.1), X, y, warn=False, max_samples=np.int64(64)) is not None  # any integer type
    with pytest.raises(ValueError, match="max_samples"):  # at construction, not when fit starts
        Diagnostics(X, y, max_samples=0)
    with pytest.raises(ValueError, match="features"):
        relu_net(0.1).fit(X, y, epochs=1, verbose=0, callbacks=[Diagnostics(X[:, :1], y)])


def test_a_probe_loss_that_is_not_finite_is_a_divergence():
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    model = Sequential([Dense(2, input_dim=4), Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.full((4, 2), 1e30), np.zeros(2), np.full((2, 1), 1e30), np.zeros(1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = diagnose(model, np.ones((8, 4)), np.ones(8))
    assert [kind for kind, _ in result.problems] == ["diverged"]  # said "No problems found"


def test_the_warnings_point_at_the_callers_line():
    # model.diagnose(...) warned from sequential.py (its stacklevel counted one frame too few)
    from glassnet import initializers

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 2, size=(32, 1)).astype(float)
    model = Sequential([Dense(8, "relu", input_dim=4, bias_initializer=initializers.Constant(-100.0)),
                        Dense(1, "sigmoid")], seed=0)  # every ReLU dead
    model.compile("sgd", "binary_crossentropy")
    calls = [lambda: diagnose(model, X, y), lambda: model.diagnose(X, y),
             lambda: model.fit(X, y, epochs=1, verbose=0, callbacks=[Diagnostics(X, y)])]
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        found = [w for w in caught if issubclass(w.category, DiagnosticWarning)]
        assert found and {w.filename for w in found} == {__file__}


def pixels(rng, n=64, features=16):
    """MNIST-like unscaled inputs: integers 0..255, with 255 present."""
    X = rng.integers(0, 256, size=(n, features)).astype(float)
    X[5, 3] = 255.0
    return X


def test_warnings_name_unscaled_inputs_and_the_learning_rate(rng):
    # Pixels of 0..255 fed unscaled: the warnings said "lower the learning rate" only, and the
    # diagnosis never named the learning rate nor the inputs' scale, the cause to fix first.
    X = pixels(rng)
    y = rng.integers(0, 10, len(X))
    model = Sequential([Dense(32, "relu", input_dim=16), Dense(10, "softmax")], seed=0)
    model.compile(SGD(1.0), "sparse_categorical_crossentropy")
    callback = Diagnostics(X, y, warn=False)
    model.fit(X, y, epochs=3, batch_size=16, verbose=0, callbacks=[callback])
    diagnosis = diagnose(model, X, y, warn=False)
    kinds = [k for k, _ in diagnosis.problems]
    assert kinds[0] == "unscaled_inputs" and "dead_relu" in kinds  # the cause first, with what it caused
    message = dict(diagnosis.problems)
    assert "|x| reaches 255 in the probe batch" in message["unscaled_inputs"]
    assert "x / 255" in message["unscaled_inputs"] and "x /= x.std(axis=0)" in message["unscaled_inputs"]
    assert "Lower the learning rate, e.g. from 1 to 0.1 (seed 001" in message["dead_relu"]
    # the callback says it once, though every epoch finds it
    assert [k for _, k, _ in callback.problems].count("unscaled_inputs") == 1
    # the same inputs scaled as the note says (x / 255): no note, whatever else is found
    scaled = diagnose(model, X / 255, y, warn=False)
    assert "unscaled_inputs" not in [k for k, _ in scaled.problems]


def test_the_unscaled_inputs_note_comes_only_with_a_problem():
    assert _problems([], [], x_max=255.0) == []  # unscaled but healthy: nothing to say
    found = _problems([], [1.0, float("nan")], x_max=255.0, lr=0.5)
    assert [k for k, _, _ in found] == ["unscaled_inputs", "diverged"]
    assert found[1][2].endswith("lower it, e.g. from 0.5 to 0.05.")
    assert [k for k, _, _ in _problems([], [1.0, float("nan")], x_max=10.0)] == ["diverged"]  # |x| ≤ 10 is scaled
    oscillating = _loss_problems([1.0, 0.5] * 5, lr=0.2)[0][2]
    assert oscillating.endswith("Lower it, e.g. from 0.2 to between 0.1 and 0.02.")


def test_the_learning_rate_advice_is_said_once():
    # "The learning rate is far too large: lower it, e.g. by a factor of 10. The learning rate is 0.001
    # now: try 0.0001." said the same thing twice; one sentence names the rate and the one to try
    from glassnet.diagnostics import LayerDiagnosis

    dead = LayerDiagnosis(1, "dense", "relu", 4, 1.0, None, None, None, None)
    rms = [LayerDiagnosis(i, f"d{i}", "tanh", 4, None, None, 1.0, 1.0, g) for i, g in enumerate((1e3, 1.0, 1.0))]
    messages = {k: m for k, _, m in _problems([dead] + rms, [1.0, float("nan")], lr=0.001)}
    messages.update((k, m) for k, _, m in _loss_problems(F_ETA_105, lr=0.001) + _loss_problems([1.0, 0.5] * 5, lr=0.001))
    assert sorted(messages) == ["dead_relu", "diverged", "exploding", "loss_grows", "loss_oscillates"]
    assert messages["diverged"] == ("Training diverged: the loss became NaN or infinite. The learning rate is far "
                                    "too large: lower it, e.g. from 0.001 to 0.0001.")
    for kind, message in messages.items():
        assert message.count("0.001") == 1 and message.count("learning rate") <= 2, message
        assert "factor" not in message and "now: try" not in message, message
    assert messages["loss_oscillates"].endswith("from 0.001 to between 0.0005 and 0.0001.")
    # where the learning rate is not known, the factor is named instead, once
    unknown = _loss_problems([1.0, float("nan")])[0][2]
    assert unknown.endswith("lower it, e.g. by a factor of 10.") and unknown.count("factor") == 1


def test_a_divergence_on_unscaled_inputs_names_their_largest_value(rng):
    # one batch of 0..255 pixels per epoch, a linear model, SGD: the steps overflow
    X = pixels(rng)
    y = X.sum(axis=1)
    model = Sequential([Dense(8, input_dim=16), Dense(1)], seed=0)
    model.compile(SGD(1e-3), "mse")
    with pytest.warns(DivergenceWarning) as record:
        model.fit(X, y, epochs=20, batch_size=len(X), verbose=0)
    message = str(record[0].message)
    assert "Try a lower learning rate (currently 0.001), e.g. 0.0001." in message
    assert "|x| reaches 255 in this batch" in message and "x / 255" in message
    assert all(np.isfinite(w).all() for w in model.get_weights())
    with pytest.warns(DivergenceWarning, match=r"\|x\| reaches 255 in x"):
        for _ in range(20):  # fit kept the last weights of a finite loss: a few more steps overflow again
            model.train_on_batch(X, y)
    # scaled inputs that diverge for their learning rate alone: no word about scaling
    model.compile(SGD(1e6), "mse")
    with pytest.warns(DivergenceWarning) as record:
        model.fit(X / 255, y / 255, epochs=20, batch_size=len(X), verbose=0)
    assert "not scaled" not in str(record[0].message)


def test_exploding_gradients_name_the_initializer_that_causes_them(rng):
    # 20 layers, tanh started from N(0, 2²): the RMS gradient grows thousands of times from the output
    # back to the input; the advice said "use a smaller initialisation" without naming the one in use
    from glassnet import initializers

    X, y = rng.normal(size=(128, 8)), rng.normal(size=128)

    def net(init):
        model = Sequential([Dense(16, "tanh", input_dim=8, kernel_initializer=init)]
                           + [Dense(16, "tanh", kernel_initializer=init) for _ in range(18)]
                           + [Dense(1, kernel_initializer=init)], seed=0, dtype="float64")
        model.compile(SGD(0.1), "mse")
        return model

    model = net(initializers.RandomNormal(stddev=2.0))
    diagnosis = diagnose(model, X, y, warn=False)
    # the RMS gradients against a float64 NumPy backward pass of the same weights
    weights = model.get_weights()
    A, Z = [X], []
    for W, b in zip(weights[:-2:2], weights[1:-2:2]):
        Z.append(A[-1] @ W + b)
        A.append(np.tanh(Z[-1]))
    delta = 2 * (A[-1] @ weights[-2] + weights[-1] - y[:, None]) / len(X)  # mse: mean of (a − y)²
    rms = [np.linalg.norm(A[-1].T @ delta) / np.sqrt(weights[-2].size)]
    for i in range(len(Z) - 1, -1, -1):
        delta = (delta @ weights[2 * i + 2].T) * (1 - A[i + 1] ** 2)
        rms.insert(0, np.linalg.norm(A[i].T @ delta) / np.sqrt(weights[2 * i].size))
    np.testing.assert_allclose([l.grad_rms for l in diagnosis.layers], rms, rtol=1e-9)
    assert rms[0] > 100 * rms[-1]
    message = dict(diagnosis.problems)["exploding"]
    assert "The weights start from RandomNormal(mean=0.0, stddev=2.0, seed=None): " in message
    assert "kernel_initializer='glorot_uniform'" in message
    assert "Lower the learning rate, e.g. from 0.1 to 0.01, clip the gradients" in message
    # the advice works: Glorot's start has no exploding gradients
    assert "exploding" not in dict(diagnose(net("glorot_uniform"), X, y, warn=False).problems)


def test_the_probe_spreads_over_data_sorted_by_class():
    # 2000 rows sorted by class; each ReLU unit fires for one class only. A probe of the first 500 rows (all
    # class 0) called the class-1 unit dead; rows spread over the data see both units fire
    X = np.repeat([[-1.0], [1.0]], 1000, axis=0)
    y = np.repeat([0, 1], 1000)
    model = Sequential([Dense(2, "relu", input_dim=1), Dense(2, "softmax")], seed=0)
    model.compile(SGD(0.1), "sparse_categorical_crossentropy")
    model.build()
    model.layers[0].set_weights([np.array([[-1.0, 1.0]]), np.zeros(2)])
    for probe in (diagnose(model, X, y, warn=False, max_samples=500),
                  _fitted_callback(model, X, y, max_samples=500).last):
        assert probe.layers[0].dead_fraction == 0.0
    assert diagnose(model, X[:1000], y[:1000], warn=False).layers[0].dead_fraction == 0.5  # one class: one unit


def _fitted_callback(model, X, y, **kwargs):
    callback = Diagnostics(X, y, warn=False, **kwargs)
    model.fit(X[:10], y[:10], epochs=1, verbose=0, callbacks=[callback])
    return callback


def _relu_tower(init, depth=20, width=32):
    model = Sequential([Dense(width, "relu", input_dim=8, kernel_initializer=init)]
                       + [Dense(width, "relu", kernel_initializer=init) for _ in range(depth - 1)]
                       + [Dense(1, kernel_initializer=init)], seed=0, dtype="float64")
    model.compile(SGD(0.01), "mse")
    return model


def test_activations_that_explode_forward_are_flagged(rng):
    # 20 ReLU layers of 32 units from N(0, 0.6²): each layer multiplies the RMS output by about
    # 0.6·√16 ≈ 2.4, so the loss is ~1e15 and ∂J/∂W ~1e14 in every layer. The gradients grow
    # backwards as fast as the activations grow forwards, so the first-to-last gradient ratio stayed
    # near 1 and no "exploding" was reported (only some dead ReLUs)
    from glassnet import initializers

    X, y = rng.normal(size=(128, 8)), rng.normal(size=128)
    model = _relu_tower(initializers.RandomNormal(stddev=0.6))
    diagnosis = diagnose(model, X, y, warn=False)
    # float64 NumPy forward and backward pass of the same weights
    weights = model.get_weights()
    A = [X]
    for W, b in zip(weights[:-2:2], weights[1:-2:2]):
        A.append(np.maximum(A[-1] @ W + b, 0))
    out = A[-1] @ weights[-2] + weights[-1]
    delta = 2 * (out - y[:, None]) / len(X)
    grads = [A[-1].T @ delta]
    for i in range(len(A) - 2, -1, -1):
        delta = (delta @ weights[2 * i + 2].T) * (A[i + 1] > 0)
        grads.insert(0, A[i].T @ delta)
    output_rms = [np.sqrt(np.mean(a ** 2)) for a in A[1:] + [out]]
    ratios = [0.01 * np.linalg.norm(g) / np.linalg.norm(W) for g, W in zip(grads, weights[0::2])]
    np.testing.assert_allclose([l.output_rms for l in diagnosis.layers], output_rms, rtol=1e-9)
    np.testing.assert_allclose([l.update_ratio for l in diagnosis.layers], ratios, rtol=1e-9)
    rms = [np.linalg.norm(g) / np.sqrt(g.size) for g in grads]
    assert max(rms) / min(rms) < 100 and min(rms) > 1e10  # huge everywhere, hence no first-to-last ratio
    assert output_rms[-2] / output_rms[0] > 1e6 and min(ratios) > 1e9  # Karpathy: ~1e-3 is healthy
    message = dict(diagnosis.problems)["exploding"]
    assert message.startswith("Exploding activations: the RMS output grows layer by layer from the input to the "
                              f"output ({output_rms[0]:.2g} → {output_rms[1]:.2g} → ")
    assert f"{output_rms[-2] / output_rms[0]:.3g}× larger in 'dense_19' than in 'dense'" in message
    assert f"one SGD step would change the weights by up to {max(ratios):.2g} times their size" in message
    assert "The weights start from RandomNormal(mean=0.0, stddev=0.6, seed=None)" in message
    # the advice works: He's start keeps the RMS output, and nothing explodes
    healthy = diagnose(_relu_tower("he_normal"), X, y, warn=False)
    assert max(l.output_rms for l in healthy.layers[:-1]) < 10 * healthy.layers[0].output_rms
    assert "exploding" not in dict(healthy.problems)


@pytest.mark.parametrize("data, activation, init, optimizer", [
    ("circle", "relu", "he_normal", SGD(0.5)),
    ("circle", "tanh", "glorot_uniform", SGD(0.5)),
    ("digits", "relu", "he_normal", SGD(0.1)),
    ("digits", "tanh", "glorot_uniform", Adam(0.01)),
    ("digits", "relu", "glorot_uniform", Adam(0.01)),
])
def test_healthy_nets_do_not_explode(circle, data, activation, init, optimizer):
    # Glorot/He-initialised MLPs of 5 hidden layers: no exploding activations, no too large
    # steps, no exploded loss, before or during training
    from glassnet.datasets import load_digits

    X, y = circle if data == "circle" else load_digits()
    out = Dense(1, "sigmoid") if data == "circle" else Dense(10, "softmax")
    model = Sequential([Dense(32, activation, input_dim=X.shape[1], kernel_initializer=init)]
                       + [Dense(32, activation, kernel_initializer=init) for _ in range(4)] + [out], seed=0)
    model.compile(optimizer, "binary_crossentropy" if data == "circle" else "sparse_categorical_crossentropy")
    before = diagnose(model, X, y, warn=False)
    callback = Diagnostics(X, y, warn=False)
    history = model.fit(X, y, epochs=5, batch_size=32, verbose=0, callbacks=[callback])
    kinds = {k for k, _ in before.problems + diagnose(model, X, y, warn=False).problems}
    kinds |= {k for _, k, _ in callback.problems}
    assert not kinds & {"exploding", "large_updates", "loss_exploded"}
    assert len(history.history["output_rms/dense_4"]) == 5
    # the update/weight ratio is SGD's step η‖∂J/∂W‖/‖W‖: Adam's steps do not scale with ‖∂J/∂W‖
    assert ("update_ratio/dense" in history.history) == isinstance(optimizer, SGD)


def test_too_large_steps_are_flagged_after_training_only():
    # η‖∂J/∂W‖/‖W‖ above 1: one step is larger than the weights. Before training it is no problem:
    # weights started small (N(0, 0.01²)) make any first step large
    from glassnet.diagnostics import LayerDiagnosis

    layers = [LayerDiagnosis(1, "dense", "tanh", 4, None, None, 1.0, 1.0, 0.5, 0.5, 0.2),
              LayerDiagnosis(2, "dense_1", None, 1, None, None, 1.0, 1.0, 0.5, 0.5, 3.0)]
    assert _problems(layers, [], lr=20.0) == []
    found = _problems(layers, [0.7, 0.6], lr=20.0)
    assert [k for k, _, _ in found] == ["large_updates"]
    assert found[0][2] == ("The steps are too large: one SGD step changes the weights of layer 'dense_1' by 3 times "
                           "their size (η‖∂J/∂W‖/‖W‖), so each step overwrites what the last ones learned. Lower the "
                           "learning rate, e.g. from 20 to 2, or clip the gradients (optimizer clipnorm=1.0); about "
                           "1e-3 is a healthy update/weight ratio.")
    # a loss that diverged or exploded already says to lower the learning rate: said once
    assert [k for k, _, _ in _problems(layers, [0.7, float("nan")], lr=20.0)] == ["diverged"]
    layers[1].update_ratio = 0.9
    assert _problems(layers, [0.7, 0.6], lr=20.0) == []


def _deep_relu_net(depth, width, optimizer, seed=0):
    model = Sequential([Dense(width, "relu", input_dim=2, kernel_initializer="he_normal")]
                       + [Dense(width, "relu", kernel_initializer="he_normal") for _ in range(depth - 1)]
                       + [Dense(1, "sigmoid")], seed=seed)
    model.compile(optimizer, "binary_crossentropy")
    return model


def _numpy_dead_fractions(weights, X):
    """Share of each hidden layer's ReLU units that output 0 for every row of X, from the weights."""
    A, dead = X, []
    for W, b in zip(weights[:-2:2], weights[1:-2:2]):
        A = np.maximum(A @ W.astype(np.float64) + b, 0)
        dead.append(np.mean(np.all(A == 0, axis=0)))
    return dead


def test_relus_off_since_initialisation_are_no_learning_rate_problem(circle):
    # 10 He-initialised ReLU layers of 8 units on the 2-D circle: at the start 3/4 of a layer is off for
    # every sample (no step revives them), yet Adam(1e-3) trains it well. Every epoch warned "Lower the
    # learning rate" (from the first on), though the rate was fine and the loss fell fivefold
    X, y = circle
    model = _deep_relu_net(10, 8, Adam(1e-3))
    model.build()
    probe = X[np.arange(256) * len(X) // 256]  # the callback's probe
    at_start = _numpy_dead_fractions(model.get_weights(), probe)
    assert max(at_start) == 0.75  # what the old rule (20% dead) called a problem
    callback = Diagnostics(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagnosticWarning)
        history = model.fit(X, y, epochs=20, batch_size=32, verbose=0, callbacks=[callback])
        after = diagnose(model, X, y)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] / 4
    assert max(history.history["dead_relu/dense_8"]) >= 0.5  # still measured and kept, just not a warning
    assert callback.problems == [] and after.healthy


def test_relus_that_training_kills_are_flagged_with_the_seed_s_advice(circle):
    # the same kind of net at Adam(0.1): most units alive at the start die in the first epoch
    X, y = circle
    model = _deep_relu_net(5, 32, Adam(0.1))
    model.build()
    probe = X[np.arange(256) * len(X) // 256]
    at_start = _numpy_dead_fractions(model.get_weights(), probe)
    with pytest.warns(DiagnosticWarning, match="training killed them") as record:
        history = model.fit(X, y, epochs=3, batch_size=32, verbose=0, callbacks=[Diagnostics(X, y)])
    now = _numpy_dead_fractions(model.get_weights(), probe)
    np.testing.assert_allclose([history.history[f"dead_relu/{n}"][-1] for n in
                                ("dense", "dense_1", "dense_2", "dense_3", "dense_4")], now)
    messages = [str(w.message) for w in record]
    killed = [(now[i] - at_start[i]) / (1 - at_start[i]) for i in range(5)]
    assert max(killed) >= 0.6
    first = messages[0]
    layer = int(first.split("'")[1].removeprefix("dense").removeprefix("_") or 0)
    assert "were dead before it" in first and "Lower the learning rate, e.g. from 0.1 to 0.01" in first
    assert f"{100 * at_start[layer]:.0f}% were dead before it" in first and "(20-40%) dead neurons" in first


def test_dead_relus_are_a_problem_when_all_dead_killed_by_training_or_the_loss_stopped():
    from glassnet.diagnostics import DEAD_KILLED, LayerDiagnosis

    def kinds(dead, before=None, losses=()):
        layer = LayerDiagnosis(1, "dense", "relu", 8, dead, None, None, None, None)
        return [k for k, _, _ in _problems([layer], list(losses), dead_before={"dense": before})]

    falling = [0.7 * 0.9**k for k in range(12)]
    flat = [0.7] * 2 + [0.69, 0.695] * 5
    converged = [2.2 * 0.5**k for k in range(6)] + [0.03, 0.031, 0.029, 0.03, 0.031, 0.03, 0.03, 0.03, 0.03, 0.031]
    assert kinds(0.75, losses=falling) == []  # off since the start (not known) while the loss falls
    assert kinds(0.75, before=0.75, losses=falling) == []
    assert kinds(1.0, losses=falling) == kinds(1.0) == ["dead_relu"]  # a whole layer: nothing passes
    # of the units alive before training, 60% died: (0.6 - 0) / 1 and (0.7 - 0.25) / 0.75
    assert DEAD_KILLED == 0.6
    assert kinds(0.6, before=0.0, losses=falling) == kinds(0.7, before=0.25, losses=falling) == ["dead_relu"]
    assert kinds(0.5, before=0.0, losses=falling) == kinds(0.65, before=0.25, losses=falling) == []  # 50%, 53%
    assert kinds(0.25, losses=flat) == ["dead_relu"]  # the loss stopped where it started: 0.69 of 0.7
    assert kinds(0.25, losses=flat[:9]) == []  # fewer epochs than the window: not known
    assert kinds(0.25, losses=converged) == []  # flat, but at 0.03 of 2.2: training converged
    layer = LayerDiagnosis(1, "dense", "relu", 8, 0.25, None, None, None, None)
    assert "are dead (output 0 for every probe sample, so they do not learn), and the training loss stopped " \
           "falling in the last 10 epochs. Lower the learning rate" in _problems([layer], flat)[0][2]


HEALTHY = [("circle", depth, width, activation) for depth in (1, 2) for width in (8, 64) for activation in ("relu", "tanh")]
HEALTHY += [("digits", 1, 32, "sigmoid"), ("digits", 2, 32, "tanh"), ("digits", 2, 64, "relu")]


@pytest.mark.parametrize("data, depth, width, activation", HEALTHY)
def test_healthy_nets_get_no_problem_finding(circle, data, depth, width, activation):
    # small Glorot nets, Adam(0.01), trained to 97%+: 2 tanh layers of 64 on the circle were warned
    # "23% of the tanh units of layer 'dense_1' are saturated", units training made constant (±1 for every
    # sample) while the loss fell from 0.69 to 0.01
    from glassnet.datasets import load_digits

    X, y = circle if data == "circle" else load_digits()
    out = Dense(1, "sigmoid") if data == "circle" else Dense(10, "softmax")
    model = Sequential([Dense(width, activation, input_dim=X.shape[1])]
                       + [Dense(width, activation) for _ in range(depth - 1)] + [out], seed=0)
    model.compile(Adam(0.01), "binary_crossentropy" if data == "circle" else "sparse_categorical_crossentropy",
                  ["accuracy"])
    callback = Diagnostics(X, y, warn=False)
    history = model.fit(X, y, epochs=30 if data == "circle" else 10, batch_size=32, verbose=0, callbacks=[callback])
    diagnosis = diagnose(model, X, y, warn=False)
    assert history.history["accuracy"][-1] > 0.97
    assert diagnosis.problems == [] and callback.problems == []


def test_sigmoids_saturated_by_huge_biases_are_still_flagged_while_training(circle):
    # the fit criterion does not hide a stuck net: from biases of 20 every hidden unit is stuck at 1, g'(z) ≈ 2e-9,
    # and the loss stays at the 0.69 of guessing
    X, y = circle
    model = Sequential([Dense(16, "sigmoid", input_dim=2, bias_initializer=Constant(20.0)),
                        Dense(1, "sigmoid")], seed=0)
    model.compile(Adam(0.01), "binary_crossentropy")
    callback = Diagnostics(X, y, warn=False)
    model.fit(X, y, epochs=5, batch_size=32, verbose=0, callbacks=[callback])
    diagnosis = diagnose(model, X, y, warn=False)
    assert diagnosis.layers[0].saturated_fraction >= 0.5
    assert "saturated" in dict(diagnosis.problems) and (0, "saturated") in [(e, k) for e, k, _ in callback.problems]


def test_relus_dead_from_the_start_are_not_blamed_on_the_learning_rate(circle):
    # biases of -10: every unit of the first layer is off from the start (and so the second's). Both before
    # training (no optimizer step yet) and in the callback (which measured the start) this said "so they no
    # longer learn ... Lower the learning rate, e.g. from 0.01 to 0.001", though no step had killed them
    X, y = circle
    model = Sequential([Dense(32, "relu", input_dim=2, bias_initializer=Constant(-10.0)), Dense(32, "relu"),
                        Dense(1, "sigmoid")], seed=0)
    model.compile(Adam(0.01), "binary_crossentropy")
    before = diagnose(model, X, y, warn=False)
    callback = Diagnostics(X, y, warn=False)
    model.fit(X, y, epochs=2, batch_size=32, verbose=0, callbacks=[callback])
    for problems in (before.problems, [(k, m) for _, k, m in callback.problems]):
        assert [k for k, _ in problems] == ["dead_relu", "dead_relu"]
        for _, message in problems:
            assert message.startswith("100% of the ReLU units of layer 'dense")
            assert "so they do not learn): none passes a gradient back" in message
            assert "They are dead from the start, not killed by training" in message
            assert "he_normal" in message and "Lower the learning rate" not in message


@pytest.mark.parametrize("activation, bias, kind", [
    ("hard_sigmoid", 20.0, "saturated"), ("hard_tanh", -20.0, "saturated"), ("sparse_sigmoid", 20.0, "saturated"),
    ("softsign", 500.0, "saturated"), ("relu6", -10.0, "dead_relu")])
def test_keras_s_bounded_and_relu6_units_are_measured_as_sigmoid_and_relu_units(circle, activation, bias, kind):
    # only relu, sigmoid, tanh and bipolar_sigmoid were measured: a hard_tanh layer stuck at −1 (g'(z) = 0 exactly,
    # nothing learns) had no saturated fraction and no finding
    X, y = circle
    model = Sequential([Dense(16, activation, input_dim=2, bias_initializer=Constant(bias)), Dense(1, "sigmoid")],
                       seed=0)
    model.compile(Adam(0.01), "binary_crossentropy")
    diagnosis = diagnose(model, X, y, warn=False)
    measured = diagnosis.layers[0].dead_fraction if kind == "dead_relu" else diagnosis.layers[0].saturated_fraction
    assert measured == 1.0
    assert kind in dict(diagnosis.problems)
    assert activation in dict(diagnosis.problems)[kind] or kind == "dead_relu"
    healthy = Sequential([Dense(16, activation, input_dim=2), Dense(1, "sigmoid")], seed=0)
    healthy.compile(Adam(0.01), "binary_crossentropy")
    start = diagnose(healthy, X, y, warn=False).layers[0]
    assert (start.dead_fraction if kind == "dead_relu" else start.saturated_fraction) == 0.0


def test_a_wrapped_dense_s_dead_units_are_measured():
    # the table read each layer's outputs A: SpectralNormalization keeps them in its Dense, so its dead ReLU
    # units went unreported
    from glassnet import initializers, layers

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] > 0).astype(float)
    model = Sequential([layers.Input((4,)), layers.SpectralNormalization(layers.Dense(
        16, activation="relu", bias_initializer=initializers.Constant(-5.0))), layers.Dense(1, activation="sigmoid")],
        seed=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=2, verbose=0)
    kernel = model.layers[0].params["W"].copy()
    found = diagnose(model, X, y, warn=False)
    assert found.layers[0].dead_fraction == 1.0
    assert any("ReLU units of layer 'spectral_normalization' are dead" in message for message in found.warnings)
    np.testing.assert_array_equal(model.layers[0].params["W"], kernel)  # (the probe runs in inference mode)


def test_the_callback_measures_an_autoencoder_whose_encoder_predicts_in_a_callback():
    # a callback showing the codes (encoder.predict) took the shared layers to the encoder's vectors: the probe's
    # gradients went there, and the encoder's layers read grad_norm 0 with a "Vanishing gradients" warning
    from glassnet.layers import Input
    from glassnet.models.callbacks import LambdaCallback

    x = np.random.default_rng(0).normal(size=(64, 6))
    histories = []
    for look in (False, True):
        encoder = Sequential([Input((6,)), Dense(4, activation="relu"), Dense(2)], seed=1)
        decoder = Sequential([Input((2,)), Dense(4, activation="relu"), Dense(6)], seed=2)
        autoencoder = Sequential([encoder, decoder])
        autoencoder.compile("adam", "mse")
        callbacks = [LambdaCallback(on_epoch_end=lambda epoch, logs: encoder.predict(x, verbose=0))] if look else []
        with warnings.catch_warnings():
            warnings.simplefilter("error", DiagnosticWarning)
            histories.append(autoencoder.fit(x, x, epochs=2, verbose=0, shuffle=False,
                                              callbacks=[*callbacks, Diagnostics(x, x)]))
    alone, looked = (h.history for h in histories)
    assert min(alone["grad_norm/dense"]) > 0.01
    for key in alone:  # predicting changes no weight: the same measures
        np.testing.assert_allclose(looked[key], alone[key], rtol=1e-6)


@pytest.mark.parametrize("relu", [["relu"], [None, "ReLU"]], ids=["Dense(relu)", "Dense+ReLU"])
def test_a_unit_shared_by_every_position_is_dead_only_where_it_is_off_at_all_of_them(relu):
    # Dense on samples of several axes applies one kernel column (one unit) at every position. A ReLU layer
    # after it counted each (position, unit) as a unit: a unit off only at a padded position read as dead
    # (33% here, Dense(4, "relu") read 25%), though the other positions train it; and Dense(4) showed 12 units
    from glassnet import layers

    X = np.ones((5, 3, 2))
    X[:, 0] = 0  # position 0 is padding
    hidden = [layers.Dense(4, relu[0])] + [getattr(layers, name)() for name in relu[1:]]
    model = Sequential([layers.Input((3, 2)), *hidden, layers.Flatten(), layers.Dense(1)], dtype="float64")
    model.compile("sgd", "mse")
    # unit 0: off everywhere; unit 1: off at the padding only (its bias −1), on elsewhere; units 2, 3: on
    W, b = np.array([[-1.0, 1.0, 1.0, 1.0], [-1.0, 1.0, 1.0, 1.0]]), np.array([-1.0, -1.0, 1.0, 1.0])
    model.set_weights([W, b, np.ones((12, 1)), np.zeros(1)])
    found = diagnose(model, X, np.ones((5, 1)), warn=False).layers[len(hidden) - 1]
    A = np.maximum(X @ W + b, 0)  # (n, positions, units)
    assert np.all(A == 0, axis=(0, 1)).tolist() == [True, False, False, False]
    assert (found.units, found.dead_fraction) == (4, 0.25)
