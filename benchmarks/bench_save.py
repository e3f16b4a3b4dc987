"""Model files: ``model.save`` and ``load_model`` of a 20M-parameter model (784-4096-4096-10 with Adam's
state, 240 MB) against ``np.savez``/``np.load`` of the same arrays (the bytes written, without glassnet's
checks, atomic write and fsync), and ``torch.save``/``torch.load`` where PyTorch is installed; same
process, back to back, medians of ``--repeats`` rounds, and the ratios glassnet / peer.

Usage::

    python benchmarks/bench_save.py [--repeats 5] [--units 4096]
"""

import argparse
import os
import tempfile
import time
import warnings

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--units", type=int, default=4096, help="width of the two hidden layers (default 4096)")
    args = parser.parse_args()
    import glassnet
    from glassnet import layers

    model = glassnet.Sequential([layers.Input((784,)), layers.Dense(args.units, activation="relu"),
                                 layers.Dense(args.units, activation="relu"), layers.Dense(10)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.default_rng(0).random((64, 784), dtype=np.float32), np.zeros((64, 10), np.float32), verbose=0)
    arrays = model.get_weights() + [v for _, v in sorted(model.optimizer.get_state()[1].items())]
    try:
        import torch
    except ImportError:
        torch = None
    folder = tempfile.mkdtemp()
    path, npz, pt = (os.path.join(folder, name) for name in ("m.gn", "w.npz", "w.pt"))
    runs = {
        "glassnet save": lambda: model.save(path),
        "glassnet load": lambda: glassnet.models.load_model(path),
        "np.savez": lambda: np.savez(npz, *arrays),
        "np.load": lambda: [a for a in np.load(npz).values()],
    }
    if torch is not None:
        tensors = {f"w{i}": torch.from_numpy(a) for i, a in enumerate(arrays)}
        runs.update({"torch.save": lambda: torch.save(tensors, pt), "torch.load": lambda: torch.load(pt)})
    times = {name: [] for name in runs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(args.repeats):
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    median = {name: float(np.median(t)) for name, t in times.items()}
    print(f"{model.count_params():,} parameters + Adam's state: {os.path.getsize(path) / 1e6:.0f} MB file, "
          f"median of {args.repeats} rounds")
    for name, seconds in median.items():
        print(f"  {name:14s} {seconds:.3f} s")
    for peer in ("np", "torch"):
        if f"{peer}.load" in median:
            save = "np.savez" if peer == "np" else "torch.save"
            print(f"  glassnet / {peer}: save {median['glassnet save'] / median[save]:.2f}x, "
                  f"load {median['glassnet load'] / median[f'{peer}.load']:.2f}x")


if __name__ == "__main__":
    main()
