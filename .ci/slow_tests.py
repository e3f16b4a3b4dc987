"""Write tests/slow_tests.txt, the tests that CI's quick run leaves out, from a run's durations.

    python -m pytest -q -n auto --runslow --durations=0 --durations-min=0.5 | tee durations.txt
    python .ci/slow_tests.py durations.txt [--seconds 1.0]

A test is listed when its setup, call and teardown together took at least ``--seconds`` (under
``-n auto`` on a two-core machine), but for those in KEEP, which guard the README's commands, and
for the quickest case of a parametrized test whose every case is that long: each test function
keeps at least one case in the quick run.
``python -m pytest --runslow`` (or ``GLASSNET_SLOW=1``) runs them too; a test named on the command
line runs whether listed or not.
"""

import argparse
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

#: the README's main job and its MNIST block, the playground in a real browser (CI installs Chromium
#: for it) and drawn tests that draw fewer examples without --runslow: always in the quick run
KEEP = ("tests/test_cli.py::test_train_mnist_one_epoch", "tests/test_readme.py::",
        "tests/test_playground.py::test_the_page_trains_and_draws_in_a_headless_browser",
        # drawn tests that draw fewer examples in the quick run (conftest.examples)
        "tests/test_properties_fit.py::test_fit_equals_keras_fit_for_a_random_configuration",
        "tests/test_cli_fuzz.py::test_train_then_evaluate_and_predict_on_a_random_csv_file")
LIST = Path(__file__).resolve().parents[1] / "tests" / "slow_tests.txt"


def durations(lines):
    """``{node id: seconds}`` summed over setup, call and teardown from pytest's ``--durations`` lines."""
    found = Counter()
    for line in lines:
        match = re.match(r"\s*([\d.]+)s (?:call|setup|teardown)\s+(tests/\S.*?)\s*$", line)
        if match:
            found[match.group(2)] += float(match.group(1))
    return found


def collected():
    """The node ids of every test, as ``pytest --collect-only`` lists them."""
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "--runslow", "-p", "no:cacheprovider"],
                         cwd=LIST.parents[1], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line.startswith("tests/")]


def slow_tests(found, seconds, nodes):
    """``[(node id, seconds)]`` to list, from the durations ``found`` and every collected node id."""
    slow = {node: t for node, t in found.items() if t >= seconds and not node.startswith(KEEP)}
    cases = defaultdict(list)
    for node in nodes:
        cases[node.split("[")[0]].append(node)
    for function, ids in cases.items():
        if len(ids) > 1 and all(node in slow for node in ids):
            del slow[min(ids, key=slow.get)]
    return sorted(slow.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path, help="a pytest run's output with --durations=0")
    parser.add_argument("--seconds", type=float, default=1.0, help="list the tests at least this long (default 1.0)")
    args = parser.parse_args()
    found = durations(args.log.read_text().splitlines())
    if not found:
        parser.error(f"{args.log} holds no --durations lines")
    slow = slow_tests(found, args.seconds, collected())
    header = (f"# Left out of CI's quick run (python -m pytest -q -n auto); --runslow runs them. Written by .ci/slow_tests.py\n"
              f"# from a run's --durations: the {len(slow)} tests of at least {args.seconds:g} s, "
              f"{sum(t for _, t in slow):.0f} s in all.\n")
    LIST.write_text(header + "".join(f"{node}  # {t:.1f} s\n" for node, t in slow))
    print(f"{LIST}: {len(slow)} tests, {sum(t for _, t in slow):.0f} s of {sum(found.values()):.0f} s listed")


if __name__ == "__main__":
    main()
