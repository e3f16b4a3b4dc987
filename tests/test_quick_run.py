"""CI's quick run (conftest.py): the tests listed in tests/slow_tests.txt are left out of a plain run,
run with --runslow or GLASSNET_SLOW=1, and run when named on the command line."""

import os
import subprocess
import sys

from conftest import REPO, SLOW_TESTS

SLOW = "tests/test_keras_optimizer.py::test_a_keras_checkpoint_resumes_in_glassnet_as_in_keras[nadam]"
FILE = SLOW.split("::")[0]


def collected(*args, slow_env=None):
    env = {k: v for k, v in os.environ.items() if k != "GLASSNET_SLOW"}
    if slow_env is not None:
        env["GLASSNET_SLOW"] = slow_env
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                            cwd=REPO, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def test_a_listed_test_is_left_out_unless_asked_for_or_named():
    listed = [line.split("#")[0].strip() for line in SLOW_TESTS.read_text().splitlines()]
    assert SLOW in listed  # (the test below needs one listed test; .ci/slow_tests.py may list another)
    plain = collected(FILE)
    assert SLOW not in plain and "deselected" in plain and "left out of this run" in plain
    # .ci/slow_tests.py keeps a case of each parametrized test in the quick run (the quickest)
    function = SLOW.split("[")[0]
    kept = [line for line in plain.splitlines() if line.startswith(function + "[")]
    assert kept and not set(kept) & set(listed)
    for args, slow_env in [((FILE,), "1"), ((SLOW, function), None)]:
        out = collected(*args, slow_env=slow_env)
        assert SLOW in out and "left out" not in out, args
    chosen = collected(FILE, "-m", "slow", "--runslow")
    assert SLOW in chosen and kept[0] not in chosen
