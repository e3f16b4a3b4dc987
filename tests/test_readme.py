"""The README's quickstart runs and prints what the README says, and its MNIST block runs after it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MNIST_DIR

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_block_runs_and_matches_its_comments(tmp_path):
    text = README.read_text()
    block = re.search(r"## Quickstart\n\n```python\n(.*?)```", text, re.S).group(1)
    result = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1.0"
    assert lines[1] == "[0.001 0.992 0.998 0.008]"
    assert (tmp_path / "xor.gn").exists()


def test_trace_and_gradient_check_block_runs_after_the_quickstart(tmp_path):
    text = README.read_text()
    quickstart = re.search(r"## Quickstart\n\n```python\n(.*?)```", text, re.S).group(1)
    inside = re.search(r"See inside one step.*?```python\n(.*?)```", text, re.S).group(1)
    result = subprocess.run([sys.executable, "-c", quickstart + inside], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Forward pass (blue path)" in out and "Backward pass (red path)" in out and "δ^(l+1)" in out
    errors = [float(line.split()[-1]) for line in out.splitlines() if re.match(r"dense(_1)?/[Wb]\s", line)]
    assert len(errors) == 4 and max(errors) < 1e-6  # as the README says


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one():
    text = README.read_text()
    commands = re.findall(r"```bash\n(.*?)\n```", text)
    assert commands[:2] == [
        'python -m pip install -e ".[cli]" && glassnet train',
        'python -m pip install -e ".[test]" && python -m pytest -q -n auto',
    ]
    ci = (README.parent / ".ci" / "run").read_text()
    assert commands[1] in ci


def test_mnist_block_runs_after_the_quickstart(tmp_path):
    # the "MNIST in a few lines" block (one epoch instead of five, to stay fast): it uses the quickstart's
    # imports and load_mnist's search through GLASSNET_DATA
    if not MNIST_DIR.is_dir():
        pytest.skip(f"the README's MNIST block needs the MNIST files in {MNIST_DIR}")
    text = README.read_text()
    quickstart = re.search(r"## Quickstart\n\n```python\n(.*?)```", text, re.S).group(1)
    block = re.search(r"MNIST in a few lines.*?```python\n(.*?)```", text, re.S).group(1)
    assert "epochs=5," in block
    script = quickstart + block.replace("epochs=5,", "epochs=1,") + "print(model.evaluate(x_test, y_test)[1])\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            timeout=600, env={**os.environ, "GLASSNET_DATA": str(MNIST_DIR)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert float(result.stdout.splitlines()[-1]) > 0.95  # one epoch; the README's five give ≈ 0.98
