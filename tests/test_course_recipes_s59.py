"""Course assignments (session 59): docs/lectures.md's "Course assignments (Ng, CS231n)" recipes, each run
against NumPy code of the course's formula (Ng's Deep Learning Specialization, courses 1-2; CS231n
assignment 1), GradientCheckResult.difference() (Ng's gradient-checking figure) and the keep_prob hint."""

import numpy as np
import pytest

from conftest import doc_block

import glassnet
from glassnet.callbacks import LearningRateScheduler
from glassnet.initializers import VarianceScaling
from glassnet.layers import Dense, Dropout
from glassnet.optimizers import SGD
from glassnet.optimizers.schedules import InverseTimeDecay
from glassnet.regularizers import L2

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ng_backprop(P, X, Y, lambd=0.0, D=None, keep_prob=1.0, bug=False):
    """Ng's forward/backward of an L-layer net, relu hidden layers and a sigmoid output, one example per
    column (X: (n_x, m), W{l}: (n_l, n_{l-1})): the cost with his L2 term and the gradients, with his inverted
    dropout masks D (one per hidden layer) and his planted bug (the second layer's dW doubled)."""
    L, m = len(P) // 2, X.shape[1]
    A, cache = X, []
    for l in range(1, L + 1):
        Z = P[f"W{l}"] @ A + P[f"b{l}"]
        A_prev, A = A, (sigmoid(Z) if l == L else np.maximum(Z, 0))
        if D is not None and l < L:
            A = A * D[l - 1] / keep_prob
        cache.append((A_prev, Z, A))
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    cost += lambd / (2 * m) * sum(np.sum(P[f"W{l}"] ** 2) for l in range(1, L + 1))
    G, dZ = {}, A - Y
    for l in range(L, 0, -1):
        A_prev = cache[l - 1][0]
        G[f"W{l}"] = (dZ @ A_prev.T / m + lambd / m * P[f"W{l}"]) * (2 if bug and l == 2 else 1)
        G[f"b{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dA = P[f"W{l}"].T @ dZ
            if D is not None:
                dA = dA * D[l - 2] / keep_prob
            dZ = dA * (cache[l - 2][1] > 0)
    return cost, G


def ng_parameters(dims, rng, scale=None):
    return {k: v for l in range(1, len(dims)) for k, v in (
        (f"W{l}", rng.normal(size=(dims[l], dims[l - 1])) * (scale or np.sqrt(2 / dims[l - 1]))),
        (f"b{l}", 0.1 * rng.normal(size=(dims[l], 1))))}


def as_glassnet(P):
    L = len(P) // 2
    return [w for l in range(1, L + 1) for w in (P[f"W{l}"].T, P[f"b{l}"].ravel())]


def ng_model(dims, optimizer, regularizer=None):
    layers = [Dense(n, "relu", kernel_regularizer=regularizer) for n in dims[1:-1]]
    model = glassnet.Sequential([glassnet.Input((dims[0],)), *layers,
                                 Dense(dims[-1], "sigmoid", kernel_regularizer=regularizer)], dtype="float64")
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    return model


def gap(model, P):
    return max(np.abs(a - b).max() for a, b in zip(model.get_weights(), as_glassnet(P)))


def moons(m, rng):
    X = rng.normal(size=(m, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def ng_run(P, X, y, epochs, batch, rule, lr0, beta=0.9, decay=None, late=False, eps=1e-8):
    """Ng's model(): mini-batches in order, his update rule ("gd", "momentum", "adam"), his decay
    α₀/(1 + d·epoch), before each epoch's batches or, as his notebook's model(), after them (late)."""
    P = {k: v.copy() for k, v in P.items()}
    V = {k: np.zeros_like(v) for k, v in P.items()}
    S = {k: np.zeros_like(v) for k, v in P.items()}
    lr, t = lr0, 0
    for epoch in range(epochs):
        if decay is not None and not late:
            lr = lr0 / (1 + decay * epoch)
        for start in range(0, len(X), batch):
            _, G = ng_backprop(P, X[start:start + batch].T, y[None, start:start + batch])
            t += 1
            for k in P:
                if rule == "gd":
                    P[k] -= lr * G[k]
                elif rule == "momentum":
                    V[k] = beta * V[k] + (1 - beta) * G[k]
                    P[k] -= lr * V[k]
                else:  # update_parameters_with_adam: ε added to the corrected root
                    V[k] = 0.9 * V[k] + 0.1 * G[k]
                    S[k] = 0.999 * S[k] + 0.001 * G[k] ** 2
                    P[k] -= lr * (V[k] / (1 - 0.9**t)) / (np.sqrt(S[k] / (1 - 0.999**t)) + eps)
        if decay is not None and late:  # decay(learning_rate0, i, decay_rate) after epoch i's batches
            lr = lr0 / (1 + decay * epoch)
    return P


def test_ngs_momentum_is_sgd_at_a_scaled_rate_or_the_docs_subclass_under_a_schedule():
    NgMomentum = doc_block("lectures.md", "class NgMomentum")["NgMomentum"]
    rng = np.random.default_rng(0)
    X, y = moons(40, rng)
    P = ng_parameters([2, 5, 3, 1], rng)
    constant = ng_run(P, X, y, 3, 8, "momentum", 0.1)
    decayed = ng_run(P, X, y, 3, 8, "momentum", 0.1, decay=1.0)
    runs = {"SGD(α(1−β), β)": (SGD(0.1 * (1 - 0.9), momentum=0.9), constant),
            "NgMomentum(α, β)": (NgMomentum(0.1, momentum=0.9), constant),
            "NgMomentum(schedule, β)": (NgMomentum(InverseTimeDecay(0.1, 5, 1.0, staircase=True), momentum=0.9), decayed),
            "SGD(α, β)": (SGD(0.1, momentum=0.9), constant),
            "SGD(schedule·(1−β), β)": (SGD(InverseTimeDecay(0.01, 5, 1.0, staircase=True), momentum=0.9), decayed)}
    gaps = {}
    for name, (optimizer, reference) in runs.items():
        model = ng_model([2, 5, 3, 1], optimizer)
        model.set_weights(as_glassnet(P))
        model.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        gaps[name] = gap(model, reference)
    assert max(gaps["SGD(α(1−β), β)"], gaps["NgMomentum(α, β)"], gaps["NgMomentum(schedule, β)"]) < 1e-12, gaps
    assert gaps["SGD(α, β)"] > 1e-2 and gaps["SGD(schedule·(1−β), β)"] > 1e-5, gaps  # (the docs' two warnings)


def test_torch_adam_of_the_docs_with_epsilon_1e_8_takes_ngs_adam_steps():
    TorchAdam = doc_block("pytorch.md", "class TorchAdam")["TorchAdam"]
    rng = np.random.default_rng(1)
    X, y = moons(40, rng)
    P = ng_parameters([2, 5, 3, 1], rng, scale=0.01)  # small weights: tiny gradients, where ε's place shows
    reference = ng_run(P, X, y, 3, 8, "adam", 0.01)
    gaps = {}
    for name, cls in (("TorchAdam", TorchAdam), ("Adam", glassnet.optimizers.Adam)):
        model = ng_model([2, 5, 3, 1], cls(0.01, epsilon=1e-8))
        model.set_weights(as_glassnet(P))
        model.fit(X, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        gaps[name] = gap(model, reference)
    assert gaps["TorchAdam"] < 1e-12 and gaps["Adam"] > 1e-7, gaps


def test_ngs_lr_decay_is_inverse_time_decay_per_epoch_and_his_notebooks_run_a_scheduler_one_epoch_late():
    lr0, d, steps_per_epoch, interval = 0.1, 0.5, 5, 3
    per_epoch = InverseTimeDecay(lr0, steps_per_epoch, d, staircase=True)
    scheduled = InverseTimeDecay(lr0, steps_per_epoch * interval, d, staircase=True)  # his schedule_lr_decay
    for step in range(60):
        epoch = step // steps_per_epoch
        assert float(per_epoch(step)) == pytest.approx(lr0 / (1 + d * epoch), rel=1e-15, abs=0)
        assert float(scheduled(step)) == pytest.approx(lr0 / (1 + d * np.floor(epoch / interval)), rel=1e-15, abs=0)
    rng = np.random.default_rng(2)
    X, y = moons(40, rng)
    P = ng_parameters([2, 5, 1], rng)
    for late, optimizer, callbacks in (
            (False, SGD(per_epoch), []),
            (True, SGD(lr0), [LearningRateScheduler(lambda epoch, lr: lr0 / (1 + d * max(epoch - 1, 0)))])):
        model = ng_model([2, 5, 1], optimizer)
        model.set_weights(as_glassnet(P))
        model.fit(X, y, batch_size=8, epochs=4, shuffle=False, verbose=0, callbacks=callbacks)
        assert gap(model, ng_run(P, X, y, 4, 8, "gd", lr0, decay=d, late=late)) < 1e-13
        assert gap(model, ng_run(P, X, y, 4, 8, "gd", lr0, decay=d, late=not late)) > 1e-4  # (the two differ)


def test_ngs_l2_is_l2_of_lambda_over_2m_cost_and_step():
    rng = np.random.default_rng(3)
    X, y = moons(30, rng)
    P = ng_parameters([2, 6, 3, 1], rng)
    lambd, m = 0.7, len(X)
    cost, G = ng_backprop(P, X.T, y[None], lambd=lambd)
    model = ng_model([2, 6, 3, 1], SGD(0.3), L2(lambd / (2 * m)))
    model.set_weights(as_glassnet(P))
    assert model.evaluate(X, y, batch_size=m, verbose=0) == pytest.approx(cost, rel=1e-13)
    model.fit(X, y, batch_size=m, epochs=1, shuffle=False, verbose=0)
    assert gap(model, {k: v - 0.3 * G[k] for k, v in P.items()}) < 1e-14


def test_ngs_inverted_dropout_is_dropout_of_one_minus_keep_prob():
    keep_prob = 0.86
    layer = Dropout(rate=1 - keep_prob, seed=0)
    out = layer(np.ones((400, 500)), training=True)
    kept = out[out != 0]
    assert kept.size / out.size == pytest.approx(keep_prob, abs=4e-3)  # his D = rand < keep_prob
    np.testing.assert_allclose(kept, 1 / keep_prob, rtol=2e-5)  # his A·D/keep_prob (rate rounded to 2⁻¹⁶)
    # his backward_propagation_with_dropout, with his masks D
    rng = np.random.default_rng(4)
    X, y = moons(12, rng)
    P = ng_parameters([2, 6, 4, 1], rng)
    D = [(rng.random((6, 12)) < keep_prob).astype(float), (rng.random((4, 12)) < keep_prob).astype(float)]
    model = glassnet.Sequential([glassnet.Input((2,)), Dense(6, "relu"), Dropout(1 - keep_prob), Dense(4, "relu"),
                                 Dropout(1 - keep_prob), Dense(1, "sigmoid")], dtype="float64")
    model.compile(optimizer=SGD(0.1), loss="binary_crossentropy")
    model.set_weights(as_glassnet(P))
    for layer, mask in zip(model.layers[1::2], D):
        layer.fixed_mask = mask.T / keep_prob
    _, G = ng_backprop(P, X.T, y[None], D=D, keep_prob=keep_prob)
    for ours, theirs in zip(model.gradients(X, y), as_glassnet(G)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_keep_prob_is_refused_with_rate_one_minus_keep_prob():
    for make in (lambda: Dropout(keep_prob=0.8), lambda: Dropout(0.5, keep_prob=0.8)):
        with pytest.raises(TypeError, match=r"argument 'keep_prob'\. Its rate is the probability to drop an input, "
                                            r"rate = 1 − keep_prob: Dropout\(rate=0\.2\)\.$"):
            make()
    with pytest.raises(TypeError, match=r"GaussianDropout\(rate=1 - keep_prob\)\.$"):
        glassnet.layers.GaussianDropout(keep_prob="most")
    with pytest.raises(TypeError, match=r"Dropout\(rate=1 - keep_prob\)\.$"):  # (not 1 - True: "rate=0")
        Dropout(keep_prob=True)


def test_he_initialization_of_the_table_is_ngs_untruncated_randn():
    n_prev = 400
    his = VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=0)((n_prev, 500)) / np.sqrt(2 / n_prev)
    keras = glassnet.initializers.get("he_normal")((n_prev, 500)) / np.sqrt(2 / n_prev)
    assert np.std(his) == pytest.approx(1, abs=5e-3) and np.mean(np.abs(his) > 2) == pytest.approx(0.0455, abs=3e-3)
    assert np.abs(his).max() > 4 and np.abs(keras).max() < 2.28  # randn's tails; Keras's cut at 2σ'


class DoubledKernelGradient(Dense):
    """Ng's planted bug in gradient_check_n: dW2 = 1/m · dZ2 A1ᵀ · 2."""

    def backward_preactivation(self, dZ):
        dX = super().backward_preactivation(dZ)
        self.grads["W"] *= 2
        return dX


def ng_gradient_check(P, X, Y, epsilon=1e-7, bug=False):
    """Ng's gradient_check_n: one vector of all parameters, ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)."""
    keys = list(P)
    theta = np.concatenate([P[k].ravel() for k in keys])

    def cost(vector):
        parts = np.split(vector, np.cumsum([P[k].size for k in keys])[:-1])
        return ng_backprop({k: v.reshape(P[k].shape) for k, v in zip(keys, parts)}, X, Y)[0]
    numeric = np.array([(cost(theta + e) - cost(theta - e)) / (2 * epsilon) for e in np.eye(theta.size) * epsilon])
    G = ng_backprop(P, X, Y, bug=bug)[1]
    grad = np.concatenate([G[k].ravel() for k in keys])
    return np.linalg.norm(grad - numeric) / (np.linalg.norm(grad) + np.linalg.norm(numeric))


@pytest.mark.parametrize("bug", [False, True])
def test_gradient_check_difference_is_ngs_figure_over_all_parameters(bug):
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(3, 4)), np.array([1.0, 0.0, 1.0])  # his gradient_check_n_test_case's shapes
    P = ng_parameters([4, 5, 3, 1], rng)
    model = glassnet.Sequential([glassnet.Input((4,)), Dense(5, "relu"), (DoubledKernelGradient if bug else Dense)(3, "relu"),
                                 Dense(1, "sigmoid")], dtype="float64")
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.set_weights(as_glassnet(P))
    r = glassnet.check_gradients(model, X, y, epsilon=1e-7)
    a, n = (np.concatenate([v.ravel() for v in d.values()]) for d in (r.analytic, r.numeric))
    by_hand = np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))
    assert r.difference() == pytest.approx(by_hand, rel=1e-12)
    his = ng_gradient_check(P, X.T, y[None], bug=bug)
    if bug:  # his notebook's "There is a mistake in the backward propagation!" figure
        assert r.difference() == pytest.approx(his, rel=1e-6) and 0.02 < r.difference() < 1 / 3
    else:  # noise only: the table says 0, his figure is about 1e-9, below his 2e-7
        assert r.max_error == 0 and 0 < r.difference() < 2e-7 and his < 2e-7
        assert "difference() gives Ng's" in str(r)
    empty = glassnet.gradcheck.GradientCheckResult({}, {}, {})
    assert empty.difference() == 0.0


def cs231n_losses(W, X, y, reg):
    """CS231n's softmax_loss_vectorized and svm_loss_vectorized (Δ = 1), reg·ΣW², and their dW."""
    N = len(X)
    scores = X @ W
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    softmax = -np.log(p[np.arange(N), y]).mean() + reg * np.sum(W * W)
    dp = p.copy()
    dp[np.arange(N), y] -= 1
    margins = np.maximum(0, scores - scores[np.arange(N), y][:, None] + 1)
    margins[np.arange(N), y] = 0
    svm = margins.sum() / N + reg * np.sum(W * W)
    dm = (margins > 0).astype(float)
    dm[np.arange(N), y] = -dm.sum(1)
    return (softmax, X.T @ dp / N + 2 * reg * W), (svm, X.T @ dm / N + 2 * reg * W)


@pytest.mark.parametrize("half", [False, True])
def test_cs231n_softmax_and_svm_with_the_bias_trick(half):
    rng = np.random.default_rng(6)
    N, D, C, reg = 20, 6, 4, 0.3
    X = np.hstack([rng.normal(size=(N, D - 1)), np.ones((N, 1))])  # the bias trick
    y, W = rng.integers(0, C, N), 0.5 * rng.normal(size=(D, C))
    (softmax, dW_softmax), (svm, dW_svm) = cs231n_losses(W, X, y, reg / 2 if half else reg)  # fc_net's 0.5·reg
    glassnet_reg = L2(reg / 2) if half else L2(reg)
    for loss, target, (value, dW) in (
            (glassnet.losses.SparseCategoricalCrossentropy(from_logits=True), y, (softmax, dW_softmax)),
            ("multiclass_hinge", glassnet.utils.to_categorical(y, C), (svm, dW_svm))):
        model = glassnet.Sequential([glassnet.Input((D,)), Dense(C, use_bias=False, kernel_regularizer=glassnet_reg)],
                                    dtype="float64")
        model.compile(optimizer="sgd", loss=loss)
        model.set_weights([W])
        assert model.evaluate(X, target, batch_size=N, verbose=0) == pytest.approx(value, rel=1e-13)
        np.testing.assert_allclose(model.gradients(X, target)[0], dW, rtol=1e-12, atol=1e-15)
    model.compile(optimizer="sgd", loss="categorical_hinge")  # Keras's: the worst wrong class only
    assert abs(model.evaluate(X, glassnet.utils.to_categorical(y, C), batch_size=N, verbose=0) - svm) > 0.1
