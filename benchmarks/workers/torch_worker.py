"""Benchmark worker: PyTorch, a hand-written training loop.

The loop is the fast idiom (one ``randperm`` per epoch, batches gathered by
index from tensors that share the NumPy arrays' memory) rather than a
``DataLoader``, whose per-sample collation would slow PyTorch down. Weights
use PyTorch's default initialisation except for M0, which uses seed 001's.
Adam gets Keras's epsilon (1e-7) like every library here.
"""

import time

from _common import (ADAM, CONFIGS, EpochClock, glassnet_version, load_data, parse_args, peak_rss_mb,
                     pin_threads, report, report_missing, xor_data,
                     xor_weights)

args = parse_args("torch")
pin_threads(args.threads)

import numpy as np  # noqa: E402

try:
    import torch
    from torch import nn
except ImportError as error:
    report_missing("torch", args, error)
    raise SystemExit(0)


def build(cfg, n_in, n_out):
    layers, width = [], n_in
    for units in cfg["hidden"]:
        layers += [nn.Linear(width, units), nn.ReLU() if cfg["activation"] == "relu" else nn.Sigmoid()]
        if cfg["dropout"]:
            layers.append(nn.Dropout(cfg["dropout"]))
        width = units
    layers.append(nn.Linear(width, n_out))
    model = nn.Sequential(*layers)
    if cfg["optimizer"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg["learning_rate"],
                                     betas=(ADAM["beta_1"], ADAM["beta_2"]), eps=ADAM["epsilon"])
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=cfg["learning_rate"], momentum=0.0)
    return model, optimizer


def run_xor(cfg):
    X, y = (torch.from_numpy(a) for a in xor_data())
    model, optimizer = build(cfg, 2, 1)
    model.append(nn.Sigmoid())
    W1, b1, W2, b2 = xor_weights(args.seed)  # the same start in every library
    with torch.no_grad():  # torch keeps (out, in) weight matrices
        model[0].weight.copy_(torch.from_numpy(W1.T.copy()))
        model[0].bias.copy_(torch.from_numpy(b1))
        model[2].weight.copy_(torch.from_numpy(W2.T.copy()))
        model[2].bias.copy_(torch.from_numpy(b2))
    loss_fn = nn.MSELoss()
    t = time.perf_counter()
    for _ in range(args.epochs):  # one batch of 4 per epoch
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
    fit_seconds = time.perf_counter() - t
    with torch.no_grad():
        accuracy = ((model(X) > 0.5).float() == y).float().mean().item()
    return fit_seconds, accuracy


def main():
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = CONFIGS[args.config]
    versions = {"torch": torch.__version__, "glassnet": glassnet_version()}
    if args.config == "M0":
        fit_seconds, accuracy = run_xor(cfg)
        report("torch", args, versions, fit_seconds, final_accuracy=accuracy)
        return
    x_train, y_train, x_test, y_test = load_data(args)
    data_rss = peak_rss_mb()
    X, Y = torch.from_numpy(x_train), torch.from_numpy(y_train)
    X_test = torch.from_numpy(x_test)
    model, optimizer = build(cfg, X.shape[1], 10)
    loss_fn = nn.CrossEntropyLoss()  # softmax + categorical cross-entropy on logits
    n, batch_size = X.shape[0], cfg["batch_size"]
    clock = EpochClock()

    def accuracy():
        model.eval()
        with torch.no_grad():
            predicted = model(X_test).argmax(dim=1).numpy()
        model.train()
        return np.mean(predicted == y_test)

    t = time.perf_counter()
    for _ in range(args.epochs):
        clock.start()
        order = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), Y[idx])
            loss.backward()
            optimizer.step()
        clock.stop(accuracy)
    fit_seconds = time.perf_counter() - t
    report("torch", args, versions, fit_seconds, clock=clock, data_rss_mb=data_rss,
           notes="hand-written loop, randperm + index batches")


main()
