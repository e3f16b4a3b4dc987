"""Training in float64 against PyTorch: the same network, initial weights and batches give
the same weights after several steps, to ~1e-10 (every activation, BatchNormalization,
LayerNormalization, Dropout(0), the regularizers and constraints, the losses and the
optimizers PyTorch also has).

Where Keras's definition differs from PyTorch's (where ε goes in Adam, RMSprop, Adagrad and
Adamax; Nadam's momentum schedule), glassnet follows Keras: PyTorch is run where the two
coincide (ε = 0; NAdam's momentum_decay = 1) and the rest is checked against Keras's formula
written out in NumPy (keras/src/optimizers/*.py, Keras 3.15)."""

import math

import numpy as np
import pytest

from glassnet import constraints, losses, optimizers, regularizers, schedules
from glassnet.layers import BatchNormalization, Dense, Dropout, LayerNormalization
from glassnet.models import Sequential

torch = pytest.importorskip("torch")
F = torch.nn.functional


@pytest.fixture(autouse=True)
def _float64_torch():
    """PyTorch's optimizers keep scalar state (NAdam's Π μ_t) in float32 unless float64 is the default."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(default)

ACTIVATIONS = {
    "linear": lambda z: z, "sigmoid": torch.sigmoid, "bipolar_sigmoid": lambda z: 2 * torch.sigmoid(z) - 1,
    "tanh": torch.tanh, "relu": torch.relu, "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "ramp": lambda z: torch.clamp(z, -1, 1), "softplus": F.softplus, "elu": F.elu, "selu": F.selu,
    "gelu": F.gelu, "silu": F.silu, "mish": F.mish, "relu6": F.relu6,
    # (not F.hardsigmoid, F.hardswish: their backward multiplies by 1/6 rounded to float32)
    "hard_sigmoid": lambda z: F.relu6(z + 3) / 6, "hard_silu": lambda z: z * F.relu6(z + 3) / 6,
    "exponential": torch.exp, "softsign": F.softsign,
    "softmax": lambda z: torch.softmax(z, -1), "log_softmax": lambda z: torch.log_softmax(z, -1),
}


def _data(n_out=3, steps=4, batch=8):
    rng = np.random.default_rng(1)
    return rng.standard_normal((steps, batch, 4)), rng.standard_normal((steps, batch, n_out))


def _model(activation, middle=(), out_activation="linear", n_out=3, **dense):
    """Dense(5, activation) → middle layers → Dense(n_out), float64, with weights off their
    initial values (a BatchNormalization's γ = 1, β = 0 would hide a wrong γ or β gradient)."""
    layers = [Dense(5, activation=activation, input_dim=4, **dense), *middle,
              Dense(n_out, activation=out_activation, **dense)]
    model = Sequential(layers, dtype="float64", seed=3)
    rng = np.random.default_rng(2)
    model.set_weights([w + 0.3 * rng.standard_normal(w.shape) if w.ndim == 2 or i % 4 < 2 else w
                       for i, w in enumerate(model.get_weights())])
    return model


def _torch_forward(model, params, x, training=True):
    """The model's forward pass in torch, from the trainable tensors ``params`` in layer order."""
    it = iter(params)
    for layer in model.layers:
        if isinstance(layer, Dense):
            x = ACTIVATIONS[layer.activation.name](x @ next(it) + next(it))
        elif isinstance(layer, BatchNormalization):
            gamma, beta = next(it), next(it)
            if training:
                x = F.batch_norm(x, None, None, gamma, beta, training=True, eps=layer.epsilon)
            else:
                mean, var = (torch.tensor(w) for w in layer.get_weights()[2:])
                x = (x - mean) / torch.sqrt(var + layer.epsilon) * gamma + beta
        elif isinstance(layer, LayerNormalization):
            x = F.layer_norm(x, x.shape[-1:], next(it), next(it), eps=layer.epsilon)
    return x


def _trainable(model):
    return [w for layer in model.layers for w in layer.get_weights()[:2]]


def _train_both(model, optimizer, torch_optimizer, loss, torch_loss, X, Y, penalty=None, after_step=None,
                clip=None):
    model.compile(optimizer=optimizer, loss=loss)
    params = [torch.tensor(w, requires_grad=True) for w in _trainable(model)]
    opt = torch_optimizer(params)
    for x, y in zip(X, Y):
        model.train_on_batch(x, y)
        opt.zero_grad()
        value = torch_loss(_torch_forward(model, params, torch.tensor(x)), torch.tensor(y))
        if penalty is not None:
            value = value + penalty(params)
        value.backward()
        if clip is not None:
            clip(params)
        opt.step()
        if after_step is not None:
            with torch.no_grad():
                after_step(params)
    return [p.detach().numpy() for p in params]


def _assert_same(model, expected, atol=1e-10):
    for got, want in zip(_trainable(model), expected):
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_trains_as_torch(activation):
    X, Y = _data()
    model = _model(activation)
    want = _train_both(model, optimizers.SGD(0.05), lambda p: torch.optim.SGD(p, lr=0.05), "mse",
                       F.mse_loss, 0.5 * X, Y)
    _assert_same(model, want)


@pytest.mark.parametrize("middle", ["batchnorm", "layernorm", "dropout0", "all"])
def test_normalization_and_dropout_layers_train_as_torch(middle):
    make = {"batchnorm": lambda: [BatchNormalization()], "layernorm": lambda: [LayerNormalization()],
            "dropout0": lambda: [Dropout(0.0)],
            "all": lambda: [BatchNormalization(epsilon=1e-5), Dropout(0.0), LayerNormalization(epsilon=1e-4)]}
    X, Y = _data()
    model = _model("tanh", make[middle]())
    want = _train_both(model, optimizers.SGD(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                       "mse", F.mse_loss, X, Y)
    _assert_same(model, want)
    # inference: BatchNormalization's moving statistics (Keras's: m ← 0.99·m + 0.01·batch mean, the
    # biased variance likewise)
    x = torch.tensor(X[0])
    expected = _torch_forward(model, [torch.tensor(w) for w in _trainable(model)], x, training=False)
    np.testing.assert_allclose(model.predict(X[0], verbose=0), expected.numpy(), rtol=0, atol=1e-12)


def test_batchnorm_moving_statistics_and_dropout_in_inference_as_keras():
    X, Y = _data()
    model = _model("tanh", [BatchNormalization(momentum=0.9), Dropout(0.5, seed=1)])
    model.compile(optimizer=optimizers.AdamW(0.05, weight_decay=0.5), loss="mse")  # (decays no statistic)
    mean, var = model.layers[1].get_weights()[2:]
    for x, y in zip(X, Y):
        W, b = model.layers[0].get_weights()
        h = np.tanh(x @ W + b)  # the batch's statistics, before the step
        mean, var = 0.9 * mean + 0.1 * h.mean(0), 0.9 * var + 0.1 * h.var(0)
        model.train_on_batch(x, y)
    np.testing.assert_allclose(model.layers[1].get_weights()[2:], [mean, var], rtol=0, atol=1e-14)
    # inference: the moving statistics, and Dropout(0.5) passes its input through unscaled
    params = [torch.tensor(w) for w in _trainable(model)]
    expected = _torch_forward(model, params, torch.tensor(X[0]), training=False).numpy()
    np.testing.assert_allclose(model.predict(X[0], verbose=0), expected, rtol=0, atol=1e-12)
    assert model.evaluate(X[0], Y[0], verbose=0) == pytest.approx(np.mean((expected - Y[0]) ** 2), rel=1e-12)


def _hinge(p, y):
    return torch.clamp(1 - (2 * y - 1) * p, min=0).mean()


def _onehot(y):
    return np.eye(y.shape[-1])[y.argmax(-1)]


# loss: (glassnet's, output activation, torch's, targets from standard normal y)
LOSSES = {
    "mse": ("mse", "linear", F.mse_loss, lambda y: y),
    "mae": ("mae", "linear", F.l1_loss, lambda y: y),
    "huber": ("huber", "linear", F.huber_loss, lambda y: 2 * y),
    "huber_delta": (lambda: losses.Huber(delta=0.3), "linear", lambda p, y: F.huber_loss(p, y, delta=0.3),
                    lambda y: y),
    "msle": ("msle", "softplus", lambda p, y: ((torch.log1p(p) - torch.log1p(y)) ** 2).mean(), np.abs),
    "poisson": ("poisson", "exponential", lambda p, y: F.poisson_nll_loss(p, y, log_input=False, eps=1e-7),
                lambda y: np.round(np.exp(y))),  # Keras's: ŷ − y log(ŷ + 1e-7), counts y
    "mape": ("mape", "linear", lambda p, y: 100 * ((p - y).abs() / y.abs()).mean(), lambda y: y),
    "binary_crossentropy": ("binary_crossentropy", "sigmoid", F.binary_cross_entropy, lambda y: 1.0 * (y > 0)),
    "binary_crossentropy_logits": (lambda: losses.BinaryCrossentropy(from_logits=True), "linear",
                                   F.binary_cross_entropy_with_logits, lambda y: 1.0 * (y > 0)),
    "binary_crossentropy_smoothing": (lambda: losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
                                      "linear", lambda p, y: F.binary_cross_entropy_with_logits(p, 0.8 * y + 0.1),
                                      lambda y: 1.0 * (y > 0)),
    "categorical_crossentropy": ("categorical_crossentropy", "softmax",
                                 lambda p, y: -(y * torch.log(p)).sum(-1).mean(), _onehot),
    "categorical_crossentropy_logits": (lambda: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
                                        "linear", lambda p, y: F.cross_entropy(p, y, label_smoothing=0.1), _onehot),
    "sparse_categorical_crossentropy": (lambda: losses.SparseCategoricalCrossentropy(from_logits=True), "linear",
                                        lambda p, y: F.cross_entropy(p, y[:, 0].long()),
                                        lambda y: y.argmax(-1)[..., None] * 1.0),
    "sparse_categorical_crossentropy_ignore_class": (
        lambda: losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1), "linear",
        lambda p, y: F.cross_entropy(p, y[:, 0].long(), ignore_index=1),  # the mean over the rows not ignored
        lambda y: y.argmax(-1)[..., None] * 1.0),
    "sparse_categorical_crossentropy_probabilities": (
        "sparse_categorical_crossentropy", "softmax", lambda p, y: F.nll_loss(torch.log(p), y[:, 0].long()),
        lambda y: y.argmax(-1)[..., None] * 1.0),
    "categorical_crossentropy_smoothing": (
        lambda: losses.CategoricalCrossentropy(label_smoothing=0.2), "softmax",
        lambda p, y: -((0.8 * y + 0.2 / 3) * torch.log(p)).sum(-1).mean(), _onehot),
    "hinge": ("hinge", "linear", _hinge, lambda y: 1.0 * (y > 0)),
    "hinge_margin": (lambda: losses.Hinge(margin=0.5), "linear",
                     lambda p, y: torch.clamp(0.5 - (2 * y - 1) * p, min=0).mean(), lambda y: 1.0 * (y > 0)),
    "log_loss": ("log_loss", "linear", lambda p, y: F.softplus(-(2 * y - 1) * p).mean(), lambda y: 1.0 * (y > 0)),
    "perceptron": ("perceptron", "linear", lambda p, y: torch.clamp(-(2 * y - 1) * p, min=0).mean(),
                   lambda y: 1.0 * (y > 0)),
    "squared_error": ("squared_error", "linear", lambda p, y: 0.5 * ((p - y) ** 2).sum(-1).mean(), lambda y: y),
    "nll": ("nll", "log_softmax", lambda p, y: F.nll_loss(p, y.argmax(-1)), _onehot),
    # PyTorch's multi_margin_loss divides the sum over the wrong classes by the number of classes
    "multiclass_hinge": ("multiclass_hinge", "linear", lambda p, y: 3 * F.multi_margin_loss(p, y.argmax(-1)),
                         _onehot),
    "max_margin": ("max_margin", "linear", lambda p, y: torch.clamp(
        (p - 1e9 * y).max(-1).values + 1 - (p * y).sum(-1), min=0).mean(), _onehot),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_trains_as_torch(name):
    loss, out_activation, torch_loss, targets = LOSSES[name]
    X, Y = _data()
    model = _model("tanh", out_activation=out_activation)
    lr = 0.001 if name == "mape" else 0.1  # (MAPE's gradients are percentages)
    want = _train_both(model, optimizers.SGD(lr), lambda p: torch.optim.SGD(p, lr=lr),
                       loss() if callable(loss) else loss, torch_loss, X, targets(Y))
    _assert_same(model, want)


def test_regularizers_train_as_torch():
    X, Y = _data()
    model = _model("tanh", kernel_regularizer=regularizers.L1L2(l1=0.01, l2=0.02),
                   bias_regularizer=regularizers.L2(0.05))

    def penalty(p):  # Keras's: l1·Σ|w| + l2·Σw², added to the batch's mean loss
        return sum(0.01 * w.abs().sum() + 0.02 * (w**2).sum() for w in p[::2]) + sum(0.05 * (b**2).sum() for b in p[1::2])

    want = _train_both(model, optimizers.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1), "mse", F.mse_loss, X, Y,
                       penalty=penalty)
    _assert_same(model, want)


def _norms(w, axis=0):
    return torch.sqrt((w**2).sum(axis, keepdim=True))


# Keras's constraints (keras/src/constraints/constraints.py), ε = 1e-7, applied after each step
CONSTRAINTS = {
    "max_norm": (lambda: constraints.MaxNorm(0.8), lambda w: w * (torch.clamp(_norms(w), 0, 0.8) / (1e-7 + _norms(w)))),
    "min_max_norm": (lambda: constraints.MinMaxNorm(0.9, 1.1, rate=0.5),
                     lambda w: w * ((0.5 * torch.clamp(_norms(w), 0.9, 1.1) + 0.5 * _norms(w)) / (1e-7 + _norms(w)))),
    "non_neg": (constraints.NonNeg, lambda w: w * (w >= 0)),
    "unit_norm": (lambda: constraints.UnitNorm(axis=1), lambda w: w / (1e-7 + _norms(w, 1))),
}


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_constraints_train_as_torch(name):
    make, project = CONSTRAINTS[name]
    X, Y = _data()
    model = _model("tanh", kernel_constraint=make(), bias_constraint=constraints.NonNeg())

    def after_step(params):
        for w in params[::2]:
            w.copy_(project(w))
        for b in params[1::2]:
            b.clamp_(min=0)

    want = _train_both(model, optimizers.SGD(0.1, momentum=0.5), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5),
                       "mse", F.mse_loss, X, Y, after_step=after_step)
    _assert_same(model, want)


def _sgd(lr, **kw):
    return lambda p: torch.optim.SGD(p, lr=lr, **kw)


# the optimizers where Keras's and PyTorch's rules are the same: (glassnet's, torch's);
# ε = 0 where the two put it in different places (Keras: sqrt(v̂) + ε with ε scaled by the
# bias correction in Adam; sqrt(v + ε) in RMSprop and Adagrad; u + ε in Adamax)
TORCH_RULES = {
    "sgd": (lambda: optimizers.SGD(0.1), _sgd(0.1)),
    "momentum": (lambda: optimizers.SGD(0.1, momentum=0.9), _sgd(0.1, momentum=0.9)),
    "nesterov": (lambda: optimizers.SGD(0.1, momentum=0.8, nesterov=True), _sgd(0.1, momentum=0.8, nesterov=True)),
    # without momentum, Keras's decoupled decay w ← w − ηλw equals PyTorch's L2 gradient λw
    "sgd_weight_decay": (lambda: optimizers.SGD(0.1, weight_decay=0.3), _sgd(0.1, weight_decay=0.3)),
    "adam": (lambda: optimizers.Adam(0.05, beta_1=0.8, beta_2=0.95, epsilon=0.0),
             lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.95), eps=0.0)),
    "amsgrad": (lambda: optimizers.Adam(0.05, epsilon=0.0, amsgrad=True),
                lambda p: torch.optim.Adam(p, lr=0.05, eps=0.0, amsgrad=True)),
    # decoupled in both: w ← w(1 − ηλ), then Adam's step
    "adamw": (lambda: optimizers.AdamW(0.05, weight_decay=0.2, epsilon=0.0),
              lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.2, eps=0.0)),
    "adamw_amsgrad": (lambda: optimizers.AdamW(0.05, weight_decay=0.2, epsilon=0.0, amsgrad=True),
                      lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.2, eps=0.0, amsgrad=True)),
    "rmsprop": (lambda: optimizers.RMSprop(0.01, rho=0.8, epsilon=0.0),
                lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.8, eps=0.0)),
    "rmsprop_momentum": (lambda: optimizers.RMSprop(0.01, momentum=0.7, epsilon=0.0),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.7, alpha=0.9, eps=0.0)),
    "rmsprop_centered": (lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, epsilon=0.0),
                         lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, alpha=0.9, centered=True, eps=0.0)),
    "adagrad": (lambda: optimizers.Adagrad(0.1, epsilon=0.0),
                lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0)),
    "adadelta": (lambda: optimizers.Adadelta(1.0, rho=0.9, epsilon=1e-6),  # ε inside both square roots in both
                 lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6)),
    "adamax": (lambda: optimizers.Adamax(0.05, beta_2=0.99, epsilon=0.0),
               lambda p: torch.optim.Adamax(p, lr=0.05, betas=(0.9, 0.99), eps=0.0)),
    # PyTorch's schedule is μ_t = β₁(1 − ½·0.96^(t·ψ)); Keras's is ψ = 1
    "nadam": (lambda: optimizers.Nadam(0.05, beta_1=0.85),
              lambda p: torch.optim.NAdam(p, lr=0.05, betas=(0.85, 0.999), eps=1e-7, momentum_decay=1.0)),
}


@pytest.mark.parametrize("name", sorted(TORCH_RULES))
def test_every_optimizer_trains_as_torch(name):
    make, torch_optimizer = TORCH_RULES[name]
    X, Y = _data(steps=6)
    model = _model("tanh", [BatchNormalization()])
    want = _train_both(model, make(), torch_optimizer, "mse", F.mse_loss, X, Y)
    _assert_same(model, want)


def _keras_clip(norm, limit):
    return limit / max(norm, limit)  # Keras's clip_by_norm and clip_by_global_norm (no ε, as PyTorch's 1e-6)


# clipping: PyTorch's norms and clip_grad_value_, Keras's scale limit / max(norm, limit)
CLIPS = {
    "clipnorm": (dict(clipnorm=0.3), lambda p: [g.mul_(_keras_clip(torch.linalg.vector_norm(g).item(), 0.3))
                                                 for g in (q.grad for q in p)]),
    "global_clipnorm": (dict(global_clipnorm=0.5), lambda p: torch._foreach_mul_(
        [q.grad for q in p], _keras_clip(torch.nn.utils.get_total_norm([q.grad for q in p]).item(), 0.5))),
    "clipvalue": (dict(clipvalue=0.05), lambda p: torch.nn.utils.clip_grad_value_(p, 0.05)),
}


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_gradient_clipping_trains_as_torch(name):
    options, clip = CLIPS[name]
    X, Y = _data(steps=6)
    model = _model("tanh")
    want = _train_both(model, optimizers.SGD(0.1, momentum=0.9, **options), _sgd(0.1, momentum=0.9), "mse",
                       F.mse_loss, 3 * X, 3 * Y, clip=clip)
    _assert_same(model, want)


class _KerasReference:
    """Keras 3's optimizers written out in NumPy (keras/src/optimizers/*.py, update_step),
    with its base optimizer's order (base_optimizer.py, apply): clip the gradients, decay
    the weights w ← w − w·λ·η, then the rule, per variable; η = schedule(iterations).
    Works on PyTorch's tensors and gradients in place, as a torch optimizer."""

    def __init__(self, params, rule, learning_rate, weight_decay=None, clipnorm=None, **options):
        self.params, self.rule, self.lr, self.wd, self.clipnorm = params, rule, learning_rate, weight_decay, clipnorm
        self.options, self.t = options, 0
        self.state = [{} for _ in params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        lr = self.lr(self.t) if callable(self.lr) else self.lr
        for p, state in zip(self.params, self.state):
            w, g = p.detach().numpy(), p.grad.numpy().copy()  # w: a view, updated in place
            if self.clipnorm:
                g = g * self.clipnorm / max(np.sqrt(np.sum(g * g)), self.clipnorm)
            if self.wd:
                w -= w * self.wd * lr
            w += getattr(self, self.rule)(g, lr, state, self.t + 1, **self.options)
        self.t += 1

    @staticmethod
    def sgd(g, lr, s, t, momentum=0.0, nesterov=False):
        if not momentum:
            return -lr * g
        s["m"] = momentum * s.get("m", 0.0) - lr * g
        return momentum * s["m"] - lr * g if nesterov else s["m"]

    @staticmethod
    def adam(g, lr, s, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - beta_1)
        s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - beta_2)
        v = s["v_hat"] = np.maximum(s.get("v_hat", 0.0), s["v"]) if amsgrad else s["v"]
        return -s["m"] * alpha / (np.sqrt(v) + epsilon)

    @staticmethod
    def rmsprop(g, lr, s, t, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
        denominator = s["v"] + epsilon
        if centered:
            s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
            denominator = s["v"] - s["a"] ** 2 + epsilon
        increment = lr * g / np.sqrt(denominator)
        if momentum:
            increment = s["m"] = momentum * s.get("m", 0.0) + increment
        return -increment

    @staticmethod
    def adagrad(g, lr, s, t, initial_accumulator_value=0.1, epsilon=1e-7):
        s["acc"] = s.get("acc", initial_accumulator_value) + g * g
        return -lr * g / np.sqrt(s["acc"] + epsilon)

    @staticmethod
    def adadelta(g, lr, s, t, rho=0.95, epsilon=1e-7):
        s["g2"] = rho * s.get("g2", 0.0) + (1 - rho) * g * g
        delta = -np.sqrt(s.get("d2", 0.0) + epsilon) * g / np.sqrt(s["g2"] + epsilon)
        s["d2"] = rho * s.get("d2", 0.0) + (1 - rho) * delta * delta
        return lr * delta

    @staticmethod
    def adamax(g, lr, s, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - beta_1)
        s["u"] = np.maximum(beta_2 * s.get("u", 0.0), np.abs(g))
        return -lr * s["m"] / ((1 - beta_1**t) * (s["u"] + epsilon))

    @staticmethod
    def nadam(g, lr, s, t, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        u_t, u_t_1 = beta_1 * (1 - 0.5 * 0.96**t), beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product_t = math.prod(beta_1 * (1 - 0.5 * 0.96**k) for k in range(1, t + 1))
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - beta_1)
        s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - beta_2)
        m_hat = u_t_1 * s["m"] / (1 - u_product_t * u_t_1) + (1 - u_t) * g / (1 - u_product_t)
        return -m_hat * lr / (np.sqrt(s["v"] / (1 - beta_2**t)) + epsilon)


# Keras's own settings, where PyTorch differs: ε as Keras places it (large, so that its place
# matters), decoupled weight decay with momentum, clipnorm per variable, a schedule
KERAS_RULES = {
    "sgd_momentum_weight_decay": (lambda: optimizers.SGD(0.1, momentum=0.9, weight_decay=0.3),
                                  ("sgd", 0.1, dict(weight_decay=0.3, momentum=0.9))),
    "nesterov_clipnorm": (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True, clipnorm=0.2),
                          ("sgd", 0.1, dict(clipnorm=0.2, momentum=0.9, nesterov=True))),
    "adam": (lambda: optimizers.Adam(0.05, epsilon=0.01), ("adam", 0.05, dict(epsilon=0.01))),
    "adam_weight_decay_amsgrad": (lambda: optimizers.Adam(0.05, epsilon=0.01, amsgrad=True, weight_decay=0.1),
                                  ("adam", 0.05, dict(epsilon=0.01, amsgrad=True, weight_decay=0.1))),
    "adamw_clipnorm": (lambda: optimizers.AdamW(0.05, epsilon=0.01, clipnorm=0.1),
                       ("adam", 0.05, dict(epsilon=0.01, weight_decay=0.004, clipnorm=0.1))),
    "rmsprop": (lambda: optimizers.RMSprop(0.01, epsilon=0.01, weight_decay=0.1),
                ("rmsprop", 0.01, dict(epsilon=0.01, weight_decay=0.1))),
    "rmsprop_centered_momentum": (lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, epsilon=0.01),
                                  ("rmsprop", 0.01, dict(momentum=0.5, centered=True, epsilon=0.01))),
    "adagrad": (lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.2, epsilon=0.01, weight_decay=0.1),
                ("adagrad", 0.1, dict(initial_accumulator_value=0.2, epsilon=0.01, weight_decay=0.1))),
    "adadelta": (lambda: optimizers.Adadelta(1.0, epsilon=1e-3, weight_decay=0.1),
                 ("adadelta", 1.0, dict(epsilon=1e-3, weight_decay=0.1))),
    "adamax": (lambda: optimizers.Adamax(0.05, epsilon=0.01, weight_decay=0.1),
               ("adamax", 0.05, dict(epsilon=0.01, weight_decay=0.1))),
    "nadam": (lambda: optimizers.Nadam(0.05, epsilon=0.01, weight_decay=0.1, clipnorm=0.2),
              ("nadam", 0.05, dict(epsilon=0.01, weight_decay=0.1, clipnorm=0.2))),
    # the decay uses the step's scheduled rate, as the rule (Keras: w − w·λ·η_t); momentum holds η_t·g
    "sgd_momentum_schedule_weight_decay": (
        lambda: optimizers.SGD(schedules.ExponentialDecay(0.1, 2, 0.5), momentum=0.9, weight_decay=0.4),
        ("sgd", lambda t: 0.1 * 0.5 ** (t / 2), dict(momentum=0.9, weight_decay=0.4))),
    "adamw_schedule": (lambda: optimizers.AdamW(schedules.PiecewiseConstantDecay([2, 4], [0.05, 0.02, 0.01]),
                                                weight_decay=0.3, epsilon=0.01),
                       ("adam", lambda t: 0.05 if t <= 2 else 0.02 if t <= 4 else 0.01,
                        dict(weight_decay=0.3, epsilon=0.01))),
    "adam_schedule": (lambda: optimizers.Adam(schedules.CosineDecay(0.05, 4, warmup_target=0.1, warmup_steps=2)),
                      ("adam", lambda t: ([0.05, 0.075] + [0.1 * 0.5 * (1 + math.cos(math.pi * k / 4))
                                                           for k in range(5)])[t], {})),
}


@pytest.mark.parametrize("name", sorted(KERAS_RULES))
def test_optimizers_follow_keras_where_torch_differs(name):
    make, (rule, lr, options) = KERAS_RULES[name]
    X, Y = _data(steps=7)
    model = _model("tanh", [BatchNormalization(), LayerNormalization()])  # (clipnorm: per variable, γ and β too)
    want = _train_both(model, make(), lambda p: _KerasReference(p, rule, lr, **options), "mse", F.mse_loss, X, Y)
    _assert_same(model, want)
