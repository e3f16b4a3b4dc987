"""Train the benchmark configurations with glassnet and its peers; print one table.

Each library runs in its own process (``benchmarks/workers/<library>_worker.py``)
pinned to the same number of threads and CPUs, interleaved in rounds (round 1:
every library once, round 2: again, ...), so slow drifts of a shared machine
hit every library alike. Every run prints one JSON line; this script collects
them and reports, per configuration and library:

- seconds per epoch: the median of epochs 2-5 of each run, then the median over rounds;
- total: training seconds of the whole run (M0: the whole ``fit`` call);
- test accuracy after 5 epochs and after the last one (min over the runs' seeds);
- time to 98%: training seconds until the test accuracy, measured after each
  epoch and not counted, first reaches 98% (median over runs);
- peak RSS of the process (the float32 data set alone is about 220 MB);
- the ratio glassnet / peer of the seconds per epoch (M0: of the whole fit).

M2's accuracy after its last epoch of plain SGD varies by about ±0.2 points from
seed to seed, so three rounds cannot tell whether two libraries are within 0.3
points of each other: after the rounds, glassnet, PyTorch and Keras train M2
on ``--accuracy-seeds`` more seeds (untimed; default 10), and the M2 accuracy
targets compare the means over all of them (the rounds' three seeds alone too).

Before every run, a probe times M1's eight matrix products (``gemm_floor.py``)
in the same environment: on a virtual machine whose host is shared, the speed
of a 2-thread BLAS can change by 2x for seconds to minutes, and the probe
column shows which runs met a slow host.

Everything runs twice: with ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` as the
environment sets them and with both removed from the workers' environment
(they change which OpenBLAS kernels NumPy uses); this script changes them for
its own child processes only. The results and a description of the machine go
to ``benchmarks/RESULTS.md``.

    python benchmarks/run.py                       # everything, 3 rounds (long)
    python benchmarks/run.py --quick               # 1 round, 2 epochs: a smoke run
    python benchmarks/run.py --configs M2 --libs glassnet,torch --blas unset
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKERS = HERE / "workers"
sys.path.insert(0, str(WORKERS))
from _common import CONFIGS, OPENBLAS_KERNEL_VARIABLES, THREAD_VARIABLES  # noqa: E402

LIBRARIES = ("glassnet", "glassnet-jit", "torch", "keras", "sklearn", "numpy")
#: glassnet as installed (NumPy only) and with jit_compile=True (numba), timed against the same peers
OURS = ("glassnet", "glassnet-jit")
#: the worker script and extra arguments of a library that is not simply <library>_worker.py
WORKER = {"glassnet-jit": ("glassnet", ["--jit-compile"])}
#: configurations a library does not run, and why (shown in the table)
SKIPS = {("glassnet-jit", "M0"): "not run: a 9-parameter fit gains nothing from compiled loops"}
#: Modules a library's worker needs (checked without importing them).
REQUIRES = {"glassnet": ("numpy",), "glassnet-jit": ("numpy", "numba"), "torch": ("torch",), "keras": ("keras", "jax"),
            "sklearn": ("sklearn",), "numpy": ("numpy",)}
LABELS = {"glassnet": "glassnet", "glassnet-jit": "glassnet jit_compile", "torch": "PyTorch", "keras": "Keras (JAX)",
          "sklearn": "scikit-learn", "numpy": "plain NumPy"}
TARGET_ACCURACY = 0.98
SKLEARN_M2 = HERE / "bench_sklearn_m2.py"
GEMM_FLOOR = HERE / "gemm_floor.py"
#: a spread of the probe above this (max / min) says the host's speed changed during the benchmark
PROBE_SPREAD_WARNING = 1.2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--configs", default="M1,M2,M0", help="comma-separated subset of M1,M2,M0 (default all)")
    parser.add_argument("--libs", default=",".join(LIBRARIES),
                        help=f"comma-separated subset of {','.join(LIBRARIES)} (default all)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs for M1 and M2 (default M1 10, M2 5; M0 always trains its 1000)")
    parser.add_argument("--seeds", default="0,1,2", help="seeds; round r uses the r-th, cycling (default 0,1,2)")
    parser.add_argument("--blas", choices=("both", "set", "unset"), default="both",
                        help="OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as set in the environment, unset, or both "
                        "(default both; when neither is set, 'both' runs once)")
    parser.add_argument("--threads", type=int, default=2, help="threads and CPUs per library (default 2)")
    parser.add_argument("--quick", action="store_true", help="1 round, 2 epochs: a smoke run of the harness")
    parser.add_argument("--limit", type=int, default=None, help="train on the first LIMIT samples (smoke runs)")
    parser.add_argument("--data", default=None, help="folder with the MNIST IDX files (default ../shared/data/mnist)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per worker run (default 1800)")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"), help="Markdown report (default benchmarks/RESULTS.md)")
    parser.add_argument("--json", default=None, help="also write every run's raw result to this JSON file")
    parser.add_argument("--accuracy-seeds", type=int, default=None,
                        help="M2 runs on this many further seeds for glassnet, PyTorch and Keras after the rounds, "
                        "untimed: the M2 accuracy targets compare the means over all seeds (default 10; 0: none; "
                        "--quick: 0 unless given)")
    parser.add_argument("--probe-steps", type=int, default=300,
                        help="steps of the GEMM probe timed before every run (default 300, about 1 s; 0: no probe)")
    args = parser.parse_args(argv)
    args.configs = _choices(parser, "--configs", args.configs, CONFIGS)
    args.libs = _choices(parser, "--libs", args.libs, LIBRARIES)
    try:
        args.seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds must be comma-separated integers. Received: {args.seeds!r}")
    if args.quick:
        args.rounds, args.epochs = 1, args.epochs or 2
    if args.accuracy_seeds is None:
        args.accuracy_seeds = 0 if args.quick else 10
    if args.accuracy_seeds < 0:
        parser.error(f"--accuracy-seeds must be 0 or more. Received: {args.accuracy_seeds}")
    for name in ("rounds", "epochs", "threads", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be a positive integer. Received: {value}")
    if args.probe_steps < 0:
        parser.error(f"--probe-steps must be 0 or more. Received: {args.probe_steps}")
    return args


def _choices(parser, option, text, valid):
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [c for c in chosen if c not in valid]
    if unknown or not chosen:
        parser.error(f"{option} takes a comma-separated subset of {', '.join(valid)}. Received: {text!r}")
    return chosen


# -- running the workers -------------------------------------------------------
def blas_variants(choice):
    """``[(name, description)]`` of the OpenBLAS settings to run."""
    settings = {v: os.environ.get(v) for v in OPENBLAS_KERNEL_VARIABLES}
    as_set = ", ".join(f"{k}={v}" for k, v in settings.items() if v is not None)
    if choice == "unset":
        return [("unset", "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset")], None
    if not as_set:
        note = "The environment sets neither OPENBLAS_CORETYPE nor OPENBLAS_L2_SIZE: the two passes would be the same; ran once."
        return [("unset", "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (the environment sets neither)")], note
    variants = [("set", f"as set: {as_set}")]
    if choice == "both":
        variants.append(("unset", "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"))
    return variants, None


def worker_env(variant, threads):
    env = dict(os.environ)
    if variant == "unset":
        for name in OPENBLAS_KERNEL_VARIABLES:
            env.pop(name, None)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    # Benchmark this working tree's glassnet, whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def installed(library):
    return all(importlib.util.find_spec(module) is not None for module in REQUIRES[library])


def run_worker(library, config, seed, epochs, variant, args):
    """One worker process; returns its result dict (``status`` ok, not installed, or failed)."""
    script, extra = WORKER.get(library, (library, []))
    command = [sys.executable, str(WORKERS / f"{script}_worker.py"), "--config", config, "--seed", str(seed),
               "--threads", str(args.threads), *extra]
    if epochs is not None:
        command += ["--epochs", str(epochs)]
    if args.limit is not None:
        command += ["--limit", str(args.limit)]
    if args.data is not None:
        command += ["--data", args.data]
    base = {"library": library, "config": config, "seed": seed}
    try:
        proc = subprocess.run(command, env=worker_env(variant, args.threads), capture_output=True, text=True,
                              timeout=args.timeout, cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return {**base, "status": "failed", "error": f"timed out after {args.timeout:g} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:][::-1]  # the exception first
        return {**base, "status": "failed", "error": f"exit {proc.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1][len("BENCH_JSON "):])


def probe(variant, args):
    """Milliseconds per step of M1's matrix products just now (``gemm_floor.py``), or None."""
    if not args.probe_steps:
        return None
    command = [sys.executable, str(GEMM_FLOOR), "--json", "--threads", str(args.threads),
               "--steps", str(args.probe_steps)]
    try:
        proc = subprocess.run(command, env=worker_env(variant, args.threads), capture_output=True, text=True,
                              timeout=120, cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return None
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    return json.loads(lines[-1][len("BENCH_JSON "):])["ms_per_step"] if proc.returncode == 0 and lines else None


def run_all(args, variants):
    results = []
    available = {lib: installed(lib) for lib in args.libs}
    for lib in args.libs:
        if not available[lib]:
            print(f"{LABELS[lib]}: not installed, skipped (pip install -r benchmarks/requirements.txt)",
                  file=sys.stderr)
    for r in range(args.rounds):
        seed = args.seeds[r % len(args.seeds)]
        for config in args.configs:
            epochs = None if config == "M0" else args.epochs
            for variant, _ in variants:
                for lib in args.libs:
                    if (lib, config) in SKIPS:
                        continue
                    if not available[lib]:
                        result = {"library": lib, "config": config, "seed": seed, "status": "not installed"}
                    else:
                        probe_ms = probe(variant, args)
                        result = run_worker(lib, config, seed, epochs, variant, args)
                        result["probe_ms"] = probe_ms
                    result.update(round=r + 1, variant=variant)
                    results.append(result)
                    print(f"[round {r + 1}/{args.rounds}] {config} {variant:5s} {lib:8s} seed {seed}: "
                          f"{_progress(result)}", file=sys.stderr, flush=True)
    results += accuracy_runs(args, variants, available)
    return results


#: the libraries whose M2 accuracies issue 3 compares (glassnet within 0.3 points of PyTorch's and Keras's)
ACCURACY_LIBS = ("glassnet", "glassnet-jit", "torch", "keras")


def extra_seeds(args):
    """The ``--accuracy-seeds`` seeds: the next integers after the rounds' seeds."""
    start = max(args.seeds) + 1
    return list(range(start, start + args.accuracy_seeds))


def accuracy_runs(args, variants, available):
    """M2 on the extra seeds for glassnet, PyTorch and Keras, in the last pass's environment, untimed
    (they leave the speed columns alone: their rows are marked ``accuracy_only``)."""
    if "M2" not in args.configs or not args.accuracy_seeds:
        return []
    variant = variants[-1][0]
    results = []
    for seed in extra_seeds(args):
        for lib in (lib for lib in ACCURACY_LIBS if lib in args.libs and available[lib]):
            result = run_worker(lib, "M2", seed, args.epochs, variant, args)
            result.update(round="acc", variant=variant, accuracy_only=True)
            results.append(result)
            print(f"[accuracy seeds] M2 {variant:5s} {lib:8s} seed {seed}: {_progress(result)}",
                  file=sys.stderr, flush=True)
    return results


def _progress(result):
    if result["status"] != "ok":
        return result["status"] + (f" ({result['error']})" if result.get("error") else "")
    probe_ms = f"; probe {result['probe_ms']:.2f} ms" if result.get("probe_ms") else ""
    if result["epoch_seconds"]:
        return (f"{per_epoch_seconds(result):.3f} s/epoch, {result['train_seconds']:.2f} s, "
                f"acc {100 * result['final_accuracy']:.2f}%, {result['peak_rss_mb']:.0f} MB{probe_ms}")
    return f"fit {result['fit_seconds']:.3f} s, acc {100 * result['final_accuracy']:.0f}%{probe_ms}"


# -- aggregating ---------------------------------------------------------------
def per_epoch_seconds(result):
    """Median of epochs 2-5 (the first one pays for warm-up and compilation)."""
    seconds = result["epoch_seconds"]
    return statistics.median(seconds[1:5] if len(seconds) > 1 else seconds)


#: epochs 2-5 of one run whose slowest is this many times its fastest were disturbed (another
#: process took the CPUs for a while): the row says so, whatever the rounds agree on
UNEVEN_EPOCHS = 1.5


def epoch_spread(result):
    """max / min of epochs 2-5 of one run (1.0 when there are fewer than two)."""
    seconds = result["epoch_seconds"][1:5]
    return max(seconds) / min(seconds) if len(seconds) > 1 and min(seconds) > 0 else 1.0


def seconds_to_target(result, target=TARGET_ACCURACY):
    """Training seconds until the test accuracy first reaches ``target``, or None."""
    elapsed = 0.0
    for seconds, accuracy in zip(result["epoch_seconds"], result["test_accuracy"]):
        elapsed += seconds
        if accuracy >= target:
            return elapsed
    return None


def mean_accuracy(runs):
    """The mean final test accuracy over the runs' seeds, each seed once however many runs repeated it."""
    seeds = {r["seed"] for r in runs}
    return statistics.fmean(statistics.fmean(r["final_accuracy"] for r in runs if r["seed"] == seed)
                            for seed in seeds)


def summarize(runs, accuracy_only=()):
    """One row of figures from the successful runs of one library, configuration and variant
    (``accuracy_only``: further runs of it that count in ``acc_mean_all`` only)."""
    clocked = bool(runs[0]["epoch_seconds"])
    row = {
        "runs": len(runs),
        "seeds": sorted({r["seed"] for r in runs}),
        "per_epoch": statistics.median(per_epoch_seconds(r) for r in runs) if clocked else None,
        "per_epoch_range": (min(per_epoch_seconds(r) for r in runs), max(per_epoch_seconds(r) for r in runs))
        if clocked else None,
        "total": statistics.median(r["train_seconds"] for r in runs),
        "fit": statistics.median(r["fit_seconds"] for r in runs),
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "data_rss_mb": runs[0].get("data_rss_mb"),
        "epochs": runs[0]["epochs"],
        "notes": runs[0].get("notes", ""),
        "uneven": max((epoch_spread(r) for r in runs), default=1.0) if clocked else 1.0,
        "acc_last": min(r["final_accuracy"] for r in runs),
        # each seed counts once, however many rounds repeated it
        "acc_mean": mean_accuracy(runs),
        "acc5": min(r["test_accuracy"][4] for r in runs) if clocked and runs[0]["epochs"] >= 5 else None,
        "acc10": min(r["test_accuracy"][9] for r in runs) if clocked and runs[0]["epochs"] >= 10 else None,
    }
    if accuracy_only:
        row["acc_mean_all"] = mean_accuracy([*runs, *accuracy_only])
        row["seeds_all"] = sorted({r["seed"] for r in [*runs, *accuracy_only]})
    if clocked:
        reached = [seconds_to_target(r) for r in runs]
        hits = [s for s in reached if s is not None]
        row["to_target"] = statistics.median(hits) if len(hits) == len(reached) else None
        row["to_target_hits"] = len(hits)
    return row


def aggregate(results, variants, configs, libs):
    table = {}
    for variant, _ in variants:
        for config in configs:
            for lib in libs:
                runs = [r for r in results
                        if r["variant"] == variant and r["config"] == config and r["library"] == lib]
                ok = [r for r in runs if r["status"] == "ok" and not r.get("accuracy_only")]
                extra = [r for r in runs if r["status"] == "ok" and r.get("accuracy_only")]
                runs = [r for r in runs if not r.get("accuracy_only")]
                if ok:
                    table[variant, config, lib] = summarize(ok, extra)
                elif runs:
                    table[variant, config, lib] = {"status": runs[0]["status"], "error": runs[0].get("error")}
    return table


def numpy_blas(results, variant):
    """How NumPy's BLAS presented itself (threadpoolctl) in a glassnet or NumPy worker of this pass."""
    for r in results:
        if r["variant"] == variant and r["status"] == "ok" and r["library"] in ("glassnet", "numpy"):
            for entry in r["blas"] if isinstance(r["blas"], list) else []:
                if entry.get("user_api") == "blas" and "numpy" in entry.get("library_dir", ""):
                    return entry
    return None


# -- reporting -----------------------------------------------------------------
def _fmt(value, spec, empty="—"):
    return empty if value is None else format(value, spec)


def _speed(row):
    """The time the ratio compares: seconds per epoch, or the whole fit for M0."""
    return row.get("per_epoch") or row.get("fit")


def markdown_table(table, variant, configs, libs):
    ours = [lib for lib in OURS if lib in libs]
    header = ("| config | library | s/epoch | total s | acc@5 % | acc@last % | to 98% s | peak RSS MB | "
              + " | ".join(f"{LABELS[o]}/peer" for o in ours) + " | notes |")
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    for config in configs:
        for lib in libs:
            row = table.get((variant, config, lib))
            if row is None:
                if (lib, config) in SKIPS:
                    lines.append(f"| {config} | {LABELS[lib]} | — |  |  |  |  |  | " + " | " * len(ours)
                                 + f"{SKIPS[lib, config]} |")
                continue
            if "status" in row:
                lines.append(f"| {config} | {LABELS[lib]} | {row['status']} |  |  |  |  |  | " + " | " * len(ours)
                             + f"{(row.get('error') or '')[:80]} |")
                continue
            ratios = []
            for o in ours:
                mine = table.get((variant, config, o))
                ok = lib not in OURS and mine and "status" not in mine and _speed(mine) and _speed(row)
                ratios.append(f"{_speed(mine) / _speed(row):.3g}×" if ok else "")
            to_target = ""
            if "to_target" in row and config == "M1":
                to_target = (_fmt(row["to_target"], ".1f") if row["to_target"] is not None
                             else f"{row['to_target_hits']}/{row['runs']} runs reached")
            last = f"{100 * row['acc_last']:.2f}" + (f" (ep {row['epochs']})" if row["per_epoch"] else "")
            per_epoch = _fmt(row["per_epoch"], ".3f")
            low, high = row.get("per_epoch_range") or (None, None)
            if row["runs"] > 1 and low is not None and high > 1.05 * low:
                per_epoch += f" ({low:.3f}–{high:.3f})"
            total = row["total"] if row["per_epoch"] else row["fit"]
            notes = row["notes"]
            if row.get("uneven", 1.0) > UNEVEN_EPOCHS:
                notes = (notes + "; " if notes else "") + (f"uneven epochs within a run (slowest/fastest of "
                                                           f"epochs 2–5: {row['uneven']:.1f}×): timing disturbed")
            lines.append(
                f"| {config} | {LABELS[lib]} | {per_epoch} | {total:.2f} | "
                f"{_fmt(row['acc5'] and 100 * row['acc5'], '.2f')} | {last} | {to_target} | "
                f"{row['peak_rss_mb']:.0f} | " + " | ".join(ratios) + f" | {notes} |")
    return "\n".join(lines)


def _seed_span(seeds):
    """'13 seeds (0–12)' for consecutive seeds, else the list."""
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 2:
        return f"{len(seeds)} seeds ({seeds[0]}–{seeds[-1]})"
    return f"seeds {seeds}"


def _check(value, ok):
    return "n/a (not measured)" if value is None else (f"{value} ✓" if ok else f"{value} ✗")


def targets(table, variant, configs, ours="glassnet"):
    """Issue 3's 'What it must show' items 1-4 for the configurations that ran, checked against this pass
    for ``ours`` (glassnet as installed, or with jit_compile=True)."""
    def row(config, lib):
        r = table.get((variant, config, lib))
        return r if r and "status" not in r else None

    def ratio(config, peer, limit):
        mine, theirs = row(config, ours), row(config, peer)
        if not mine or not theirs:
            return _check(None, False)
        value = _speed(mine) / _speed(theirs)
        return _check(f"{value:.3g}× (limit {limit}×)", value <= limit)

    lines = []
    g1 = row("M1", ours)
    if "M1" in configs:
        lines.append(f"1. M1 s/epoch vs PyTorch: {ratio('M1', 'torch', 0.35)}; vs Keras: {ratio('M1', 'keras', 1.0)}")
    if g1:
        acc5 = g1["acc5"]
        acc10 = g1["acc10"]  # after epoch 10 itself, also when a run trains longer
        lines.append(f"   accuracy (lowest over seeds {g1['seeds']}) after 5 epochs: "
                     f"{_check(acc5 and f'{100 * acc5:.2f}% (≥ 98.0%)', (acc5 or 0) >= 0.98)}; "
                     f"after 10: "
                     f"{_check(acc10 and f'{100 * acc10:.2f}% (≥ 98.3%)', (acc10 or 0) >= 0.983)}")
        t = g1.get("to_target")
        if t is None and g1.get("to_target_hits", 0) < g1["runs"]:
            reached = f"not reached by {g1['runs'] - g1['to_target_hits']} of {g1['runs']} runs in {g1['epochs']} epochs ✗"
        else:
            reached = _check(t and f"{t:.1f} s (≤ 6 s)", (t or 99) <= 6)
        lines.append(f"   training seconds to 98%: {reached}")
    if "M2" in configs:
        lines.append(f"2. M2 s/epoch vs PyTorch: {ratio('M2', 'torch', 0.35)}; vs Keras: {ratio('M2', 'keras', 0.5)}")
    g2 = row("M2", ours)
    for peer in ("torch", "keras"):
        p2 = row("M2", peer)
        if g2 and p2:
            gap = 100 * (g2["acc_mean"] - p2["acc_mean"])
            lines.append(f"   M2 accuracy {LABELS[ours]} − {LABELS[peer]} (means over seeds {g2['seeds']}): "
                         f"{_check(f'{gap:+.2f} points (not more than 0.3 below)', gap >= -0.3)}")
            if "acc_mean_all" in g2 and "acc_mean_all" in p2:
                gap = 100 * (g2["acc_mean_all"] - p2["acc_mean_all"])
                seeds = _seed_span(g2["seeds_all"]) if g2["seeds_all"] == p2["seeds_all"] else \
                    f"{_seed_span(g2['seeds_all'])} and {_seed_span(p2['seeds_all'])}"
                lines.append(f"   M2 accuracy {LABELS[ours]} − {LABELS[peer]} (means over {seeds}, with "
                             f"--accuracy-seeds): "
                             f"{_check(f'{gap:+.2f} points (not more than 0.3 below)', gap >= -0.3)}")
    if "M0" in configs and (ours, "M0") not in SKIPS:
        lines.append(f"3. M0 whole fit vs Keras: {ratio('M0', 'keras', 0.05)}; vs PyTorch: {ratio('M0', 'torch', 0.2)}")
    g0 = row("M0", ours)
    for peer in ("torch", "keras"):
        p0 = row("M0", peer)
        if g0 and p0:
            lines.append(f"   M0 accuracy (means over seeds) {LABELS[ours]} {100 * g0['acc_mean']:.0f}% vs {LABELS[peer]} "
                         f"{100 * p0['acc_mean']:.0f}%: {'✓' if g0['acc_mean'] >= p0['acc_mean'] else '✗'}")
    rss = g1 and g1["peak_rss_mb"]
    if "M1" in configs:
        lines.append(f"4. M1 peak RSS: {_check(rss and f'{rss:.0f} MB (≤ 350 MB)', (rss or 1e9) <= 350)}")
    return "\n".join(lines)


def machine_description():
    cpu = "unknown"
    flags = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        cpu = platform.processor() or "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    simd = ", ".join(f for f in ("avx2", "avx512f", "avx512_bf16", "amx_tile") if f in flags) or "none listed"
    return {"cpu": cpu, "simd": simd, "cores": os.cpu_count(), "memory": memory,
            "os": platform.platform(), "python": platform.python_version()}


def glassnet_revision():
    """The commit of the glassnet being measured, flagged when src/ has uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=str(REPO), check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], capture_output=True, text=True,
                               cwd=str(REPO), check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + (" with uncommitted changes in src/" if dirty else "")


def _versions(results):
    versions = {}
    for r in results:
        if r["status"] == "ok":
            for k, v in r["versions"].items():
                if k == "python":
                    continue
                versions.setdefault(k, v)
    return versions


def probe_summary(results):
    """Report lines on the GEMM probe: its range over the runs, and a warning when the host's speed moved."""
    probes = [r["probe_ms"] for r in results if r.get("probe_ms")]
    if not probes:
        return []
    low, high = min(probes), max(probes)
    lines = [f"- GEMM probe before each run (M1's eight matrix products, `gemm_floor.py`): "
             f"{low:.2f}–{high:.2f} ms per step, median {statistics.median(probes):.2f} over {len(probes)} runs"]
    if high > PROBE_SPREAD_WARNING * low:
        lines.append(f"- **the host's speed changed during the benchmark** (probe spread {high / low:.2f}×): "
                     "a run that met a slow phase is slower for reasons outside the library; the ranges in "
                     "the s/epoch column and the probe column under 'Every run' show which")
    return lines


def write_report(path, args, variants, note, results, table, started, loads, sklearn_m2):
    machine = machine_description()
    versions = _versions(results)
    out = ["# Benchmark results", "",
           f"Written by `benchmarks/run.py` on {started:%Y-%m-%d %H:%M} "
           f"({'quick smoke run: 1 round, ' + str(args.epochs) + ' epochs' if args.quick else f'{args.rounds} rounds'}).",
           f"Command: `python benchmarks/run.py {' '.join(sys.argv[1:])}`", "",
           "## Machine", "",
           f"- CPU: {machine['cpu']} ({machine['cores']} logical CPUs; {machine['simd']})",
           f"- memory: {machine['memory']}; OS: {machine['os']}",
           f"- load average (1 min) before / after: {loads[0]:.2f} / {loads[1]:.2f} "
           "(above ~0.5 the machine was shared and the timings are noisy)",
           f"- Python {machine['python']}; " + "; ".join(f"{k} {v}" for k, v in versions.items() if v),
           f"- glassnet measured at commit {glassnet_revision()}",
           *probe_summary(results), "",
           f"Each library ran in its own process, {args.threads} threads and {args.threads} CPUs each, "
           f"interleaved in {args.rounds} round(s); seeds {args.seeds[:args.rounds]}."
           + (f" Then, untimed, M2 alone on further {_seed_span(extra_seeds(args))} "
              "for glassnet, PyTorch and Keras (the `acc` rounds under 'Every run'): the M2 accuracy targets also "
              "compare the means over all seeds." if "M2" in args.configs and args.accuracy_seeds else ""), "",
           "## Configurations", ""]
    out += [f"- **{name}**: {CONFIGS[name]['description']}" for name in args.configs]
    out += ["", "Columns: s/epoch = median of epochs 2–5 of each run, then median over rounds (in brackets: the "
            "fastest and slowest run, where they differ by more than 5%); total = training "
            "seconds of the run (M0: the whole fit call); acc@5 and acc@last = test accuracy after 5 and after "
            "the last epoch, the lowest over the runs; to 98% = training seconds until the test accuracy "
            "(measured after each epoch, not counted) reached 98%; glassnet/peer = glassnet's s/epoch (M0: fit "
            "time) divided by the peer's: below 1 means glassnet is faster.", ""]
    if note:
        out += [note, ""]
    for variant, description in variants:
        blas = numpy_blas(results, variant)
        blas_text = ("NumPy's BLAS: " + ", ".join(f"{k} {blas[k]}" for k in
                                                  ("internal_api", "version", "architecture", "num_threads")
                                                  if k in blas)) if blas else "NumPy's BLAS: not recorded"
        out += [f"## OpenBLAS kernel variables {description}", "", blas_text, "",
                markdown_table(table, variant, args.configs, args.libs), ""]
        for ours in OURS:
            if ours in args.libs:
                out += [f"### Issue 3 targets (this pass), {LABELS[ours]}", "", targets(table, variant, args.configs, ours), ""]
    if sklearn_m2:
        out += ["## glassnet.sklearn.MLPClassifier vs scikit-learn (M2, `benchmarks/bench_sklearn_m2.py`)", "",
                "```", sklearn_m2.strip(), "```", ""]
    out += ["## Every run", "", "probe = ms per step of M1's eight matrix products, timed just before the run.", "",
            "| pass | round | config | library | seed | epoch seconds | test accuracy % "
            "| peak RSS MB | probe ms |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if r["status"] == "ok":
            epochs = " ".join(f"{s:.2f}" for s in r["epoch_seconds"]) or f"fit {r['fit_seconds']:.3f}"
            accs = " ".join(f"{100 * a:.2f}" for a in r["test_accuracy"])
            out.append(f"| {r['variant']} | {r['round']} | {r['config']} | {r['library']} | {r['seed']} | {epochs} "
                       f"| {accs} | {r['peak_rss_mb']:.0f} | {_fmt(r.get('probe_ms'), '.2f', '')} |")
        else:
            out.append(f"| {r['variant']} | {r['round']} | {r['config']} | {r['library']} | {r['seed']} | "
                       f"{r['status']} |  |  |")
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")


def run_sklearn_m2(args):
    """Output of ``bench_sklearn_m2.py`` (glassnet.sklearn vs scikit-learn on M2, OpenBLAS variables unset)."""
    if not SKLEARN_M2.exists() or "M2" not in args.configs or "sklearn" not in args.libs:
        return None
    variant = "unset"
    try:
        command = [sys.executable, str(SKLEARN_M2), "--threads", str(args.threads)]
        if args.data is not None:
            command += ["--data", args.data]
        if args.quick or args.limit is not None:  # a smoke run: one fit per library, on the same samples
            command += ["--repeats", "1", "--alpha", "0"]
            if args.limit is not None:
                command += ["--limit", str(args.limit)]
        proc = subprocess.run(command, env=worker_env(variant, args.threads),
                              capture_output=True, text=True, timeout=args.timeout, cwd=str(REPO))
    except subprocess.TimeoutExpired:
        return f"timed out after {args.timeout:g} s"
    return proc.stdout if proc.returncode == 0 else f"failed (exit {proc.returncode}): {proc.stderr[-500:]}"


def check_mnist(args):
    """Stop before any worker starts where M1 or M2 is asked for and MNIST is not found, with the
    loader's message (where to put the files): each worker failed in turn with it, for minutes."""
    if not {"M1", "M2"} & set(args.configs):
        return
    sys.path.insert(0, str(REPO / "src"))
    from glassnet.datasets import mnist

    shared = REPO.parent / "shared" / "data" / "mnist"  # the workers' default (workers/_common.py)
    path = Path(args.data) if args.data is not None else shared if (shared / "train-images-idx3-ubyte.gz").exists() \
        else None
    try:
        mnist._locate(path, mnist.MNIST_FILES, download=False, progress=False)
    except mnist.MNISTNotFoundError as error:
        sys.exit(f"benchmarks/run.py: M1 and M2 train on MNIST. {error}")


def main(argv=None):
    args = parse_args(argv)
    check_mnist(args)
    variants, note = blas_variants(args.blas)
    started = datetime.datetime.now()
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    results = run_all(args, variants)
    sklearn_m2 = run_sklearn_m2(args)
    loads = (load_before, os.getloadavg()[0])
    table = aggregate(results, variants, args.configs, args.libs)
    for variant, description in variants:
        print(f"\nOpenBLAS kernel variables {description}")
        blas = numpy_blas(results, variant)
        if blas:
            print(f"NumPy's BLAS: {blas.get('internal_api')} {blas.get('version')}, "
                  f"kernel {blas.get('architecture')}, {blas.get('num_threads')} threads")
        print(markdown_table(table, variant, args.configs, args.libs))
        for ours in OURS:
            if ours in args.libs:
                print(f"Issue 3 targets, {LABELS[ours]}:\n" + targets(table, variant, args.configs, ours))
    if note:
        print("\n" + note)
    if sklearn_m2:
        print("\nglassnet.sklearn vs scikit-learn (bench_sklearn_m2.py):\n" + sklearn_m2.strip())
    write_report(args.output, args, variants, note, results, table, started, loads, sklearn_m2)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"\n{len(results)} runs in {time.perf_counter() - t:.0f} s; report written to {args.output}")
    failed = [r for r in results if r["status"] == "failed"]
    sklearn_failed = bool(sklearn_m2) and sklearn_m2.startswith(("failed", "timed out"))
    return 1 if failed or sklearn_failed else 0


if __name__ == "__main__":
    sys.exit(main())
