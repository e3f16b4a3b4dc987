"""Smoke test of the benchmark harness (benchmarks/): one worker run and the driver's arithmetic.

The peers (PyTorch, Keras, scikit-learn) are never needed here.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, package_root

BENCHMARKS = REPO / "benchmarks"


@pytest.fixture(scope="module")
def run_module():
    spec = importlib.util.spec_from_file_location("benchmarks_run", BENCHMARKS / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_glassnet_worker_prints_one_complete_json_line(mnist_dir):
    command = [sys.executable, str(BENCHMARKS / "workers" / "glassnet_worker.py"), "--config", "M2",
               "--epochs", "1", "--limit", "10000", "--data", str(mnist_dir), "--seed", "3"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(package_root())})
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    assert len(lines) == 1
    result = json.loads(lines[0][len("BENCH_JSON "):])
    assert result["status"] == "ok"
    assert (result["library"], result["config"], result["seed"], result["limit"]) == ("glassnet", "M2", 3, 10000)
    assert result["batch_size"] == 32 and result["threads"] == 2
    assert len(result["epoch_seconds"]) == 1 and len(result["test_accuracy"]) == 1
    assert result["train_seconds"] == pytest.approx(result["epoch_seconds"][0])
    assert result["fit_seconds"] >= result["train_seconds"]
    # 784-32-10 with SGD 0.1 reaches about 89% after one pass over 10,000 images.
    assert 0.8 < result["final_accuracy"] <= 1.0
    # The float32 training and test images alone take 219.5 MB.
    assert result["peak_rss_mb"] >= result["data_rss_mb"] > 219.5
    assert result["versions"]["glassnet"] and result["versions"]["numpy"]
    blas = [entry for entry in result["blas"] if entry["user_api"] == "blas"]
    assert blas and all(entry["num_threads"] <= 2 for entry in blas)
    assert set(result["env"]) == {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}


def test_seconds_per_epoch_is_the_median_of_epochs_two_to_five(run_module):
    # Epoch 1 (warm-up, 9 s) and epoch 6 (100 s) are left out: median of 1, 2, 3, 4 = 2.5.
    assert run_module.per_epoch_seconds({"epoch_seconds": [9, 1, 2, 3, 4, 100]}) == 2.5
    assert run_module.per_epoch_seconds({"epoch_seconds": [7.0]}) == 7.0


def test_time_to_target_counts_training_seconds_until_the_first_epoch_at_98_percent(run_module):
    run = {"epoch_seconds": [1.5, 2.0, 3.0, 4.0], "test_accuracy": [0.95, 0.979, 0.9801, 0.99]}
    assert run_module.seconds_to_target(run) == pytest.approx(6.5)
    assert run_module.seconds_to_target({"epoch_seconds": [1.0], "test_accuracy": [0.97]}) is None


def test_summary_takes_medians_over_rounds_and_the_worst_seed(run_module):
    runs = [
        {"seed": s, "epochs": 5, "epoch_seconds": [9, t, t, t, t], "train_seconds": 9 + 4 * t, "fit_seconds": 20,
         "peak_rss_mb": rss, "test_accuracy": [0.9, 0.95, 0.97, 0.975, acc], "final_accuracy": acc}
        for s, t, rss, acc in [(0, 1.0, 300, 0.981), (1, 2.0, 310, 0.985), (2, 4.0, 305, 0.979)]
    ]
    row = run_module.summarize(runs)
    assert row["per_epoch"] == 2.0
    assert row["total"] == 17.0
    assert row["peak_rss_mb"] == 305
    assert row["acc5"] == 0.979
    assert row["to_target"] is None and row["to_target_hits"] == 2  # seed 2 never reached 98%
    assert row["per_epoch_range"] == (1.0, 4.0)
    # a seed repeated by a later round counts once in the mean accuracy
    row = run_module.summarize(runs + [dict(runs[0])])
    assert row["acc_mean"] == pytest.approx((0.981 + 0.985 + 0.979) / 3)


def test_table_shows_the_spread_of_the_runs_and_the_ratio_of_medians(run_module):
    def runs(times):
        return [{"seed": i, "epochs": 5, "epoch_seconds": [9, t, t, t, t], "train_seconds": 9 + 4 * t,
                 "fit_seconds": 20, "peak_rss_mb": 300, "test_accuracy": [0.98] * 5, "final_accuracy": 0.98}
                for i, t in enumerate(times)]
    table = {("unset", "M1", "glassnet"): run_module.summarize(runs([1.0, 2.0, 4.0])),
             ("unset", "M1", "torch"): run_module.summarize(runs([4.0, 4.1, 4.0]))}
    text = run_module.markdown_table(table, "unset", ["M1"], ["glassnet", "torch"])
    glassnet_row, torch_row = text.splitlines()[2:]
    assert "| 2.000 (1.000–4.000) |" in glassnet_row
    assert "| 4.000 |" in torch_row and "| 0.5× |" in torch_row  # within 5%: no range shown


def test_a_run_with_uneven_epochs_is_flagged_in_its_row(run_module):
    # one bout of contention inside a run (3.0, 2.2, 5.3, 4.2 s for a steady 0.02 s/epoch) must not pass unmarked
    def run(times):
        return {"seed": 0, "epochs": 5, "epoch_seconds": [9, *times], "train_seconds": 9 + sum(times),
                "fit_seconds": 20, "peak_rss_mb": 300, "test_accuracy": [0.98] * 5, "final_accuracy": 0.98}
    table = {("unset", "M2", "glassnet"): run_module.summarize([run([1.0, 1.02, 0.99, 1.0])]),
             ("unset", "M2", "torch"): run_module.summarize([run([3.0, 2.15, 5.32, 4.15])])}
    glassnet_row, torch_row = run_module.markdown_table(table, "unset", ["M2"], ["glassnet", "torch"]).splitlines()[2:]
    assert "uneven epochs" not in glassnet_row
    assert "uneven epochs within a run (slowest/fastest of epochs 2–5: 2.5×)" in torch_row


def test_probe_times_the_matrix_products_and_the_report_warns_when_the_host_slowed(run_module):
    args = run_module.parse_args(["--probe-steps", "20", "--threads", "1"])
    ms = run_module.probe("unset", args)
    # 411 MFLOP per step: even one slow core does it in well under a second, and no core in 0.1 ms
    assert 0.1 < ms < 1000
    assert run_module.probe("unset", run_module.parse_args(["--probe-steps", "0"])) is None
    steady = [{"probe_ms": 2.0}, {"probe_ms": 2.2}, {"status": "not installed"}]
    lines = run_module.probe_summary(steady)
    assert len(lines) == 1 and "2.00–2.20 ms per step, median 2.10 over 2 runs" in lines[0]
    lines = run_module.probe_summary(steady + [{"probe_ms": 4.0}])
    assert len(lines) == 2 and "the host's speed changed" in lines[1] and "2.00×" in lines[1]
    assert run_module.probe_summary([{"status": "failed"}]) == []


def test_unset_pass_removes_both_openblas_variables_and_pins_threads(run_module):
    env = run_module.worker_env("unset", 2)
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "2"
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(REPO / "src")


def test_bad_options_are_rejected(run_module):
    with pytest.raises(SystemExit):
        run_module.parse_args(["--configs", "M9"])
    with pytest.raises(SystemExit):
        run_module.parse_args(["--libs", "tensorflow"])
    args = run_module.parse_args(["--quick", "--configs", "M2,M0", "--libs", "glassnet"])
    assert (args.rounds, args.epochs, args.configs, args.libs) == (1, 2, ["M2", "M0"], ["glassnet"])


def test_a_run_without_mnist_stops_before_any_worker_saying_where_to_put_it(run_module, tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(run_module, "run_all", lambda *args: started.append(args))
    with pytest.raises(SystemExit, match=r"(?s)M1 and M2 train on MNIST\. MNIST files not found: .*copy the four files"):
        run_module.main(["--quick", "--configs", "M2", "--libs", "glassnet", "--data", str(tmp_path)])
    assert started == []
    run_module.check_mnist(run_module.parse_args(["--configs", "M0", "--data", str(tmp_path)]))  # M0 needs none


def test_peer_workers_load_mnist_with_glassnets_loader_without_importing_glassnet(mnist_dir):
    # The peers' memory must not include glassnet's own imports.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import _common; "
        "x, y = _common._light_mnist_module().load_mnist(sys.argv[2], kind='test', download=False); "
        "print(x.shape, x.dtype, float(x.max()), y.shape, int(y[:10].sum()), 'glassnet' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(BENCHMARKS / "workers"), str(mnist_dir)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(package_root())})
    assert proc.returncode == 0, proc.stderr
    # The first ten test labels are 7 2 1 0 4 1 4 9 5 9 (sum 42).
    assert proc.stdout.split() == ["(10000,", "784)", "float32", "1.0", "(10000,)", "42", "False"]


def test_the_ten_epoch_target_reads_epoch_ten_when_runs_train_longer(run_module):
    # with --epochs 15 the "after 10" line judged the 15-epoch accuracy against the 10-epoch limit
    run = {"epoch_seconds": [1.0] * 15, "test_accuracy": [0.97] * 9 + [0.981] + [0.99] * 5, "seed": 0,
           "train_seconds": 15.0, "fit_seconds": 15.0, "peak_rss_mb": 300, "epochs": 15, "final_accuracy": 0.99}
    row = run_module.summarize([run])
    assert row["acc10"] == 0.981 and row["acc_last"] == 0.99


def test_predict_benchmark_runs_and_prints_both_ratios():
    pytest.importorskip("sklearn")
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "bench_predict.py"), "--repeats", "1"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ratio") == 2 and "digits 1797 x 64" in proc.stdout


def test_classic_benchmark_runs_and_both_libraries_agree():
    pytest.importorskip("sklearn")
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "bench_classic.py"), "--repeats", "1", "--epochs", "3"],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if "ratio" in line]
    assert [line.split(":")[0] for line in lines] == ["Adaline online", "Perceptron"]
    for line in lines:  # the same rule on the same samples in the same order: the same training accuracy
        ours, theirs = re.findall(r"accuracy ([0-9.]+)", line)
        assert ours == theirs, line


def _m2_run(seed, accuracy, seconds=1.0, **extra):
    return {"seed": seed, "epochs": 5, "epoch_seconds": [9, seconds, seconds, seconds, seconds],
            "train_seconds": 9 + 4 * seconds, "fit_seconds": 20, "peak_rss_mb": 300,
            "test_accuracy": [0.9] * 4 + [accuracy], "final_accuracy": accuracy, "status": "ok",
            "variant": "unset", "config": "M2", **extra}


def test_accuracy_seeds_count_in_the_m2_accuracy_targets_only(run_module):
    # three rounds put glassnet 0.4 points below PyTorch; ten more seeds put it 0.1 below: both lines
    # are reported, each with its own verdict, and the untimed runs leave the speed columns alone
    rounds = [_m2_run(s, 0.960, library="glassnet") for s in range(3)] + \
        [_m2_run(s, 0.964, seconds=4.0, library="torch") for s in range(3)]
    extra = [_m2_run(s, 0.965, seconds=50.0, library="glassnet", accuracy_only=True) for s in range(3, 13)] + \
        [_m2_run(s, 0.962, seconds=50.0, library="torch", accuracy_only=True) for s in range(3, 13)]
    table = run_module.aggregate(rounds + extra, [("unset", "")], ["M2"], ["glassnet", "torch"])
    mine = table["unset", "M2", "glassnet"]
    assert mine["per_epoch"] == 1.0 and mine["runs"] == 3 and mine["seeds"] == [0, 1, 2]
    assert mine["acc_mean"] == pytest.approx(0.960)
    assert mine["acc_mean_all"] == pytest.approx((3 * 0.960 + 10 * 0.965) / 13)
    assert mine["seeds_all"] == list(range(13))
    lines = run_module.targets(table, "unset", ["M2"]).splitlines()
    assert "0.25× (limit 0.35×) ✓" in lines[0]
    assert "(means over seeds [0, 1, 2]): -0.40 points (not more than 0.3 below) ✗" in lines[1]
    gap = 100 * ((3 * 0.960 + 10 * 0.965) - (3 * 0.964 + 10 * 0.962)) / 13
    assert f"(means over 13 seeds (0–12), with --accuracy-seeds): {gap:+.2f} points" in lines[2]
    assert lines[2].endswith("✓")
    # without extra runs, the line is not printed
    table = run_module.aggregate(rounds, [("unset", "")], ["M2"], ["glassnet", "torch"])
    assert len(run_module.targets(table, "unset", ["M2"]).splitlines()) == 2


def test_accuracy_seeds_follow_the_rounds_seeds_and_default_to_ten(run_module):
    args = run_module.parse_args([])
    assert args.accuracy_seeds == 10 and run_module.extra_seeds(args) == list(range(3, 13))
    assert run_module.parse_args(["--quick"]).accuracy_seeds == 0
    assert run_module.parse_args(["--quick", "--accuracy-seeds", "2"]).accuracy_seeds == 2
    assert run_module.extra_seeds(run_module.parse_args(["--seeds", "5,1", "--accuracy-seeds", "3"])) == [6, 7, 8]
    with pytest.raises(SystemExit):
        run_module.parse_args(["--accuracy-seeds", "-1"])
    # M2 not chosen, or no extra seeds: no runs at all
    args = run_module.parse_args(["--configs", "M1"])
    assert run_module.accuracy_runs(args, [("unset", "")], {"glassnet": True}) == []


def test_stream_benchmark_trains_the_same_weights_from_arrays_and_streams(mnist_dir):
    # the script asserts that the PyDataset and the generator give the arrays' weights bit for bit
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "bench_streams.py"), "--epochs", "2", "--no-keras"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(package_root()), "GLASSNET_DATA": str(mnist_dir)})
    assert proc.returncode == 0, proc.stderr
    rows = re.findall(r"glassnet from (\w+) +([\d.]+) s +([\d.]+)x arrays", proc.stdout)
    assert [name for name, _, _ in rows] == ["arrays", "PyDataset", "generator"]
    assert all(float(seconds) > 0 for _, seconds, _ in rows)


def test_sklearn_benchmark_without_mnist_says_where_to_put_the_files(tmp_path):
    # docs/sklearn.md's `python benchmarks/bench_sklearn_m2.py` ended in a traceback when MNIST was absent
    pytest.importorskip("sklearn")
    result = subprocess.run([sys.executable, str(BENCHMARKS / "bench_sklearn_m2.py"), "--data", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stderr.startswith("MNIST files not found") and "GLASSNET_DATA" in result.stderr
