"""Session 61: ``optimizers.Rprop`` (torch.optim.Rprop's rule) and docs/matlab.md's recipes (a scipy BFGS
fit, MATLAB's goal/min_grad stop)."""

import warnings

import numpy as np
import pytest
from conftest import doc_block

import glassnet
from glassnet import layers, models, optimizers

X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_XOR = np.array([[0], [1], [1], [0]], dtype=float)


def _xor_model(optimizer, seed=0):
    model = models.Sequential([layers.Input((2,)), layers.Dense(3, activation="tanh"),
                               layers.Dense(1, activation="sigmoid")], dtype="float64")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    model.compile(optimizer=optimizer, loss="mse")
    return model


@pytest.mark.parametrize("settings", [{}, {"learning_rate": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}])
def test_rprop_equals_torch_bit_for_bit_over_40_full_batch_steps(settings):
    torch = pytest.importorskip("torch")
    model = _xor_model(optimizers.Rprop(**settings))
    w = model.get_weights()
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1),
                              torch.nn.Sigmoid()).double()
    with torch.no_grad():
        for param, value in zip(net.parameters(), [w[0].T, w[1], w[2].T, w[3]]):
            param.copy_(torch.tensor(value))
    torch_settings = {("lr" if k == "learning_rate" else k): v for k, v in settings.items()}
    opt = torch.optim.Rprop(net.parameters(), **torch_settings)
    xt, yt = torch.tensor(X_XOR), torch.tensor(Y_XOR)
    for _ in range(40):
        opt.zero_grad()
        torch.mean((net(xt) - yt) ** 2).backward()
        opt.step()
    model.fit(X_XOR, Y_XOR, epochs=40, batch_size=4, shuffle=False, verbose=0)
    theirs = [p.detach().numpy() for p in net.parameters()]
    for mine, expected in zip(model.get_weights(), [theirs[0].T, theirs[1], theirs[2].T, theirs[3]]):
        np.testing.assert_allclose(mine, expected, rtol=0, atol=1e-12)
    assert model.optimizer.iterations == 40


def test_rprop_by_hand_on_a_quadratic():
    # J = w², g = 2w, from w = 1 with Δ₀ = 0.5, etas (0.5, 1.2), step_sizes (1e-6, 0.55)
    opt, w = optimizers.Rprop(0.5, step_sizes=(1e-6, 0.55)), np.array([1.0])
    opt.apply(w, 2 * w.copy())   # g = 2, no previous gradient: Δ stays 0.5, w = 1 − 0.5
    assert w[0] == 0.5 and opt.state["step_size"][0] == 0.5
    opt.apply(w, 2 * w.copy())   # g = 1, same sign: Δ = 0.6 clamped to 0.55, w = 0.5 − 0.55
    assert w[0] == pytest.approx(-0.05, abs=1e-15) and opt.state["step_size"][0] == 0.55
    opt.apply(w, 2 * w.copy())   # g = −0.1, flipped: Δ = 0.275, no move, the gradient kept as 0
    assert w[0] == pytest.approx(-0.05, abs=1e-15) and opt.state["step_size"][0] == 0.275
    assert opt.state["prev"][0] == 0
    opt.apply(w, 2 * w.copy())   # g = −0.1 after a 0: Δ unchanged, w = −0.05 + 0.275
    assert w[0] == pytest.approx(0.225, abs=1e-15) and opt.state["step_size"][0] == 0.275


def test_rprop_step_sizes_are_clamped_below():
    opt, w = optimizers.Rprop(0.01, step_sizes=(0.004, 1.0)), np.array([0.0])
    for sign in (1, -1, 1, -1, 1, -1):  # each flip halves Δ: 0.005, then 0.0025 clamped to 0.004
        opt.apply(w, np.array([float(sign)]))
    assert opt.state["step_size"][0] == 0.004


def test_rprop_config_round_trip_and_name():
    opt = optimizers.Rprop(0.05, etas=(0.4, 1.3), step_sizes=(1e-5, 10), clipnorm=1.0)
    copy = optimizers.Rprop.from_config(opt.get_config())
    assert copy.get_config() == opt.get_config()
    assert copy.etas == (0.4, 1.3) and copy.step_sizes == (1e-5, 10.0) and copy.clipnorm == 1.0
    assert type(optimizers.get("rprop")) is optimizers.Rprop and optimizers.get("rprop").learning_rate == 0.01
    config = optimizers.serialize(opt)
    assert "module" not in config  # glassnet's own, not keras.optimizers.Rprop
    assert optimizers.deserialize(config).get_config() == opt.get_config()


def test_rprop_saved_model_resumes_bitwise(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 2)), rng.uniform(size=(12, 1))
    straight = _xor_model(optimizers.Rprop(0.02))
    straight.fit(x, y, epochs=10, batch_size=12, verbose=0)
    resumed = _xor_model(optimizers.Rprop(0.02))
    resumed.fit(x, y, epochs=5, batch_size=12, verbose=0)
    resumed.save(tmp_path / "m.gn")
    resumed = glassnet.models.load_model(tmp_path / "m.gn")
    assert type(resumed.optimizer) is optimizers.Rprop and resumed.optimizer.iterations == 5
    resumed.fit(x, y, epochs=5, batch_size=12, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_rprop_keras_export_is_refused_with_advice(tmp_path):
    model = _xor_model(optimizers.Rprop())
    with pytest.raises(ValueError, match="optimizer Rprop .glassnet's own: Keras has no Rprop."):
        model.export(tmp_path / "m.keras", format="keras")
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.parametrize("kwargs, match", [
    ({"etas": (1.2, 0.5)}, "etas must be a pair"),
    ({"etas": (0.5, 1.0)}, "etas must be a pair"),
    ({"etas": (0.0, 1.2)}, "etas must be a pair"),
    ({"etas": 0.5}, "etas must be a pair"),
    ({"etas": (0.5, 1.2, 2.0)}, "etas must be a pair"),
    ({"step_sizes": (50, 1e-6)}, "step_sizes must be a pair"),
    ({"step_sizes": (0, 50)}, "step_sizes must be a pair"),
    ({"step_sizes": (1.0, 1.0)}, "step_sizes must be a pair"),
    ({"learning_rate": -0.1}, "learning_rate must be >= 0"),
])
def test_rprop_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.Rprop(**kwargs)


def test_rprop_refuses_a_schedule():
    with pytest.raises(TypeError, match="learning_rate is Rprop's first step size"):
        optimizers.Rprop(glassnet.schedules.ExponentialDecay(0.1, 10, 0.5))


def test_matlab_doc_bfgs_recipe_solves_xor():
    names = doc_block("matlab.md", "scipy.optimize.minimize")
    assert names["result"].fun < 1e-3
    prediction = names["model"].predict(names["X"], verbose=0)
    assert (np.round(prediction) == names["y"]).all()
    # the recipe's gradient is the compiled loss's: finite differences agree
    theta = names["result"].x + 0.1
    loss, grad = names["loss_and_gradient"](theta)
    h, fd = 1e-6, np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        fd[i] = (names["loss_and_gradient"](theta + e)[0] - names["loss_and_gradient"](theta - e)[0]) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)


def test_matlab_doc_goal_callback_stops_at_the_first_epoch_below_goal():
    names = doc_block("matlab.md", "class GoalStop")
    model = _xor_model(optimizers.Rprop(0.05), seed=3)
    stop = names["GoalStop"](X_XOR, Y_XOR, goal=0.05)
    history = model.fit(X_XOR, Y_XOR, epochs=500, batch_size=4, verbose=0, callbacks=[stop])
    losses = history.history["loss"]
    first = next(i for i, loss in enumerate(losses) if loss <= 0.05)
    assert stop.stopped_epoch == first == len(losses) - 1 and first > 5
    # min_grad: all weights 0 is a stationary point of XOR's mse (tanh(0) = 0, and sigmoid(0) = 0.5 is y's mean)
    flat = _xor_model(optimizers.SGD(0.1))
    flat.set_weights([np.zeros_like(w) for w in flat.get_weights()])
    stop = names["GoalStop"](X_XOR, Y_XOR, goal=0.0, min_grad=1e-7)
    assert len(flat.fit(X_XOR, Y_XOR, epochs=50, batch_size=4, verbose=0, callbacks=[stop]).history["loss"]) == 1
    sloped = _xor_model(optimizers.SGD(0.1))
    stop = names["GoalStop"](X_XOR, Y_XOR, goal=0.0, min_grad=1e-7)
    assert len(sloped.fit(X_XOR, Y_XOR, epochs=20, batch_size=4, verbose=0, callbacks=[stop]).history["loss"]) == 20


def test_fit_warns_when_rprop_gets_mini_batches():
    # a full-batch method: fit's default 32-row batches flip the gradients' signs by noise, silently before
    X = np.random.default_rng(0).normal(size=(100, 3))
    y = X.sum(axis=1)
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizers.Rprop(), "mse")
    with pytest.warns(UserWarning, match=r"^Rprop is a full-batch method, but fit's batches hold 32 of the 100 "
                                         r"samples: .* Pass batch_size=100 \(all the training samples\)\.$"):
        model.fit(X, y, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, epochs=1, verbose=0, batch_size=100)
        model.compile(optimizers.Adam(), "mse")  # other optimizers: mini-batches as ever
        model.fit(X, y, epochs=1, verbose=0)


def test_the_command_line_gives_rprop_the_whole_training_set(tmp_path, monkeypatch, capsys):
    # glassnet train --optimizer rprop took the data set's 32-row batches (and fit's warning spoke of batch_size=)
    from test_leftovers_s61b import call

    r = call("train", "digits", "--optimizer", "rprop", "--epochs", 2, "--seed", 0, "--out", "m.gn", cwd=tmp_path,
             monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    assert "Rprop lr=0.001; batch 1293 (the whole training set: a step per epoch);" in r.stdout  # 1437 less 10 %
    assert "1/1 - " in r.stdout and "full-batch" not in r.stderr
    r = call("train", "digits", "--optimizer", "rprop", "--epochs", 1, "--batch-size", 64, "--seed", 0, "--out",
             "m.gn", cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("full-batch") == 1 and "--batch-size 64 gives it batches" in r.stderr
    assert "batch_size=" not in r.stderr  # (the Python API's words)
