"""The floor under any NumPy implementation of M1: its matrix products alone.

One M1 training step (784-512-512-10, batch 128) needs eight matrix products:
three forward (X·W1, A1·W2, A2·W3), and backward ∂J/∂W for each layer plus
∂J/∂X for the two upper ones (the first layer's input gradient is not needed).
This script times just those eight ``np.matmul`` calls, on warm buffers, and
scales them to an epoch of 469 steps. No library that calls NumPy's BLAS for
these products can train an epoch faster than this on the machine; the
benchmark compares that floor with the peers' seconds per epoch.

    python benchmarks/gemm_floor.py [--threads 2] [--steps 1000]
"""

import argparse
import json
import math
import time

import numpy as np

STEPS_PER_EPOCH = math.ceil(60000 / 128)


def main(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2, as the benchmark)")
    parser.add_argument("--steps", type=int, default=1000, help="timed steps (default 1000)")
    parser.add_argument("--json", action="store_true",
                        help="print one line 'BENCH_JSON {\"ms_per_step\": ...}' (run.py's probe of the host's speed)")
    args = parser.parse_args(argv)
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        raise SystemExit("needs threadpoolctl (pip install threadpoolctl) to set and report the BLAS threads")
    rng = np.random.default_rng(0)
    f = np.float32
    X = rng.random((128, 784), dtype=f)
    W = [rng.random(s, dtype=f) for s in ((784, 512), (512, 512), (512, 10))]
    A = [np.empty((128, n), f) for n in (512, 512, 10)]
    d = [rng.random((128, n), dtype=f) for n in (512, 512, 10)]
    grads = [np.empty_like(w) for w in W]
    dX = [np.empty((128, 512), f) for _ in range(2)]

    def step():
        np.matmul(X, W[0], out=A[0])
        np.matmul(A[0], W[1], out=A[1])
        np.matmul(A[1], W[2], out=A[2])
        np.matmul(A[1].T, d[2], out=grads[2])
        np.matmul(d[2], W[2].T, out=dX[1])
        np.matmul(A[0].T, d[1], out=grads[1])
        np.matmul(d[1], W[1].T, out=dX[0])
        np.matmul(X.T, d[0], out=grads[0])

    flops = 2 * 128 * (3 * (784 * 512 + 512 * 512 + 512 * 10) - 784 * 512)
    with threadpool_limits(args.threads, user_api="blas"):
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        for _ in range(50):
            step()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        seconds = (time.perf_counter() - start) / args.steps
    if args.json:
        print("BENCH_JSON " + json.dumps({"ms_per_step": seconds * 1e3, "threads": args.threads}))
        return
    for p in blas:
        print(f"BLAS: {p.get('internal_api')} {p.get('version')}, kernel {p.get('architecture')}, "
              f"{p.get('num_threads')} threads")
    print(f"M1's 8 matrix products per step ({flops / 1e6:.0f} MFLOP): {seconds * 1e3:.3f} ms "
          f"= {flops / seconds / 1e9:.0f} GFLOP/s")
    print(f"per epoch of {STEPS_PER_EPOCH} steps: {seconds * STEPS_PER_EPOCH:.3f} s (products only: no activations, "
          "loss or optimizer)")


if __name__ == "__main__":
    main()
