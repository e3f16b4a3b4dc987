"""docs/pytorch.md's recipes give PyTorch's numbers: each checked against torch in float64 on a 4-8-3 tanh
network whose weights are copied into a ``torch.nn.Sequential`` (transposed), the same batches of 8 rows
in order. Skipped without torch."""

import math

import numpy as np
import pytest

import glassnet
from glassnet import layers as L

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _float64():
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(32, 4)), RNG.integers(0, 3, 32)
BATCHES = [(X[s:s + 8], Y[s:s + 8]) for s in range(0, 32, 8)]


def logits_loss():
    return glassnet.losses.SparseCategoricalCrossentropy(from_logits=True)


def small_model(**dense):
    return glassnet.Sequential([glassnet.Input((4,)), L.Dense(8, activation="tanh", **dense), L.Dense(3, **dense)],
                               seed=0, dtype="float64")


def torch_copy(model):
    W1, b1, W2, b2 = model.get_weights()
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for linear, W, b in ((net[0], W1, b1), (net[2], W2, b2)):
            linear.weight.copy_(torch.tensor(W.T))
            linear.bias.copy_(torch.tensor(b))
    return net


def torch_weights(net):
    return [p.detach().numpy().T if p.ndim == 2 else p.detach().numpy() for p in net.parameters()]


def max_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(u) - np.asarray(v)))) for u, v in zip(a, b))


def torch_train(net, optimizer, epochs=3, loss=None, scheduler=None, before_epoch=None):
    loss = loss or torch.nn.CrossEntropyLoss()
    for epoch in range(epochs):
        if before_epoch is not None:
            before_epoch(epoch)
        for xb, yb in BATCHES:
            optimizer.zero_grad()
            loss(net(torch.tensor(xb)), torch.tensor(yb)).backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()


class TorchSGD(glassnet.optimizers.SGD):
    """docs/pytorch.md's: torch.optim.SGD's momentum, b ← μ b + g, w ← w − η b."""

    def update(self, w, g, lr, state, tmp):
        b = state["momentum"]
        b *= self.momentum
        b += g
        w -= lr * b


def test_the_torch_sgd_subclass_with_a_cosine_schedule_trains_as_torch_in_fit():
    steps = 12
    results = {}
    for name, cls in (("torch rule", TorchSGD), ("keras rule", glassnet.optimizers.SGD)):
        model = small_model()
        net = torch_copy(model)
        model.compile(optimizer=cls(glassnet.schedules.CosineDecay(0.5, decay_steps=steps), momentum=0.9),
                      loss=logits_loss())
        model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        optimizer = torch.optim.SGD(net.parameters(), 0.5, momentum=0.9)
        cosine = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
        torch_train(net, optimizer, scheduler=cosine)
        results[name] = max_difference(model.get_weights(), torch_weights(net))
    assert results["torch rule"] < 1e-12
    assert results["keras rule"] > 0.1  # the table's gap: Keras's velocity holds the rate


def test_l2_of_half_the_decay_and_renormalised_class_weights_give_torch_s_adam_and_weighted_mean():
    decay, class_weight = 0.1, np.array([1.0, 5.0, 0.5])
    R = glassnet.regularizers.L2(decay / 2)
    model = small_model(kernel_regularizer=R, bias_regularizer=R)
    net = torch_copy(model)
    model.compile(loss=logits_loss())
    optimizer = glassnet.optimizers.Adam(0.01, epsilon=0.0)
    for _ in range(3):
        for xb, yb in BATCHES:
            w = class_weight[yb]
            grads = model.gradients(xb, yb, sample_weight=w * len(w) / w.sum(), trainable_only=True, update_state=True)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
    torch_train(net, torch.optim.Adam(net.parameters(), 0.01, eps=0.0, weight_decay=decay),
                loss=torch.nn.CrossEntropyLoss(weight=torch.tensor(class_weight)))
    assert max_difference(model.get_weights(), torch_weights(net)) < 1e-12


def test_adam_weight_decay_is_torch_s_adamw_and_not_its_adam():
    found = {}
    for name, make in (("AdamW", torch.optim.AdamW), ("Adam", torch.optim.Adam)):
        model = small_model()
        net = torch_copy(model)
        model.compile(optimizer=glassnet.optimizers.Adam(0.01, epsilon=0.0, weight_decay=0.1), loss=logits_loss())
        model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        torch_train(net, make(net.parameters(), 0.01, eps=0.0, weight_decay=0.1))
        found[name] = max_difference(model.get_weights(), torch_weights(net))
    assert found["AdamW"] < 1e-12 and found["Adam"] > 1e-2


@pytest.mark.parametrize("ours, theirs", [
    (lambda: glassnet.optimizers.RMSprop(0.01, rho=0.99, epsilon=0.0),
     lambda p: torch.optim.RMSprop(p, 0.01, alpha=0.99, eps=0.0)),
    (lambda: glassnet.optimizers.Adagrad(0.1, initial_accumulator_value=0.0, epsilon=0.0),
     lambda p: torch.optim.Adagrad(p, 0.1, eps=0.0)),
    (lambda: glassnet.optimizers.SGD(0.1, global_clipnorm=0.5), None),
])
def test_the_table_s_epsilon_and_clipping_spellings_give_torch_s_numbers(ours, theirs):
    model = small_model()
    net = torch_copy(model)
    model.compile(optimizer=ours(), loss=logits_loss())
    model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    if theirs is not None:
        torch_train(net, theirs(net.parameters()))
        assert max_difference(model.get_weights(), torch_weights(net)) < 1e-12
        return
    optimizer = torch.optim.SGD(net.parameters(), 0.1)
    loss = torch.nn.CrossEntropyLoss()
    for _ in range(3):
        for xb, yb in BATCHES:
            optimizer.zero_grad()
            loss(net(torch.tensor(xb)), torch.tensor(yb)).backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 0.5)
            optimizer.step()
    assert max_difference(model.get_weights(), torch_weights(net)) < 1e-6  # (torch divides by the norm + 1e-6)


def test_batch_norm_with_keras_s_momentum_and_torch_s_epsilon_keeps_torch_s_running_mean():
    model = glassnet.Sequential([glassnet.Input((4,)), L.BatchNormalization(momentum=0.9, epsilon=1e-5)],
                                dtype="float64")
    bn = torch.nn.BatchNorm1d(4, momentum=0.1, eps=1e-5)
    for xb, _ in BATCHES:
        model(xb, training=True)
        bn(torch.tensor(xb))
    assert np.max(np.abs(model.layers[0].moving_mean - bn.running_mean.numpy())) < 1e-12
    # the unbiased running variance is PyTorch's alone (the table's note)
    assert np.max(np.abs(model.layers[0].moving_variance - bn.running_var.numpy())) > 1e-3


def test_input_gradients_equal_torch_s_x_grad_in_eval_and_train_mode():
    model = glassnet.Sequential([glassnet.Input((4,)), L.Dense(8, activation="tanh"), L.Dropout(0.5),
                                 L.Dense(8, use_bias=False), L.BatchNormalization(epsilon=1e-5), L.Activation("tanh"),
                                 L.Dense(3)], seed=0, dtype="float64")
    model.compile(optimizer="adam", loss=logits_loss())
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)  # moving statistics away from 0 and 1
    W1, b1, W2, gamma, beta, mean, var, W3, b3 = model.get_weights()
    bn = torch.nn.BatchNorm1d(8, eps=1e-5)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Dropout(0.5),
                              torch.nn.Linear(8, 8, bias=False), bn, torch.nn.Tanh(), torch.nn.Linear(8, 3))
    pairs = [(net[0].weight, W1.T), (net[0].bias, b1), (net[3].weight, W2.T), (bn.weight, gamma), (bn.bias, beta),
             (bn.running_mean, mean), (bn.running_var, var), (net[6].weight, W3.T), (net[6].bias, b3)]
    with torch.no_grad():
        for theirs, ours in pairs:
            theirs.copy_(torch.tensor(ours))
    net.eval()
    x = torch.tensor(X[:8], requires_grad=True)
    torch.nn.CrossEntropyLoss()(net(x), torch.tensor(Y[:8])).backward()
    assert np.max(np.abs(model.input_gradients(X[:8], Y[:8]) - x.grad.numpy())) < 1e-12
    # the training pass (batch statistics) without dropout
    net[2].p = 0.0
    model.layers[1].rate = 0.0
    net.train()
    x = torch.tensor(X[:8], requires_grad=True)
    torch.nn.CrossEntropyLoss()(net(x), torch.tensor(Y[:8])).backward()
    assert np.max(np.abs(model.input_gradients(X[:8], Y[:8], training=True) - x.grad.numpy())) < 1e-12


def test_freezing_in_on_epoch_end_trains_as_requires_grad_false_before_the_next_epoch():
    class Freeze(glassnet.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                self.model.layers[0].trainable = False

    model = small_model()
    net = torch_copy(model)
    model.compile(optimizer=glassnet.optimizers.SGD(0.1, momentum=0.9), loss=logits_loss())
    model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0, callbacks=[Freeze()])

    def freeze(epoch):
        if epoch == 1:
            for p in net[0].parameters():
                p.requires_grad_(False)

    torch_train(net, torch.optim.SGD(net.parameters(), 0.1, momentum=0.9), before_epoch=freeze)
    assert max_difference(model.get_weights(), torch_weights(net)) < 1e-12


def test_the_trainable_weights_count_torch_s_parameters():
    model = glassnet.Sequential([glassnet.Input((4,)), L.Dense(8), L.BatchNormalization(), L.Dense(3)])
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 3))
    assert sum(w.size for w in model.trainable_weights) == sum(p.numel() for p in net.parameters()) == 83
    assert model.count_params() == 83 + 16  # the moving statistics too, as Keras
