"""glassnet where the interpreter's flags or the environment are unusual (session 58): an output whose
encoding is narrower than UTF-8 (``LC_ALL=C``, ``PYTHONIOENCODING=ascii``, a Windows code page when the
output is redirected), ``-X warn_default_encoding``, ``python -OO`` (no docstrings), a container's CPU share."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from glassnet import layers, models
from glassnet._io import SPELL_IN_ASCII, writable
from glassnet.utils import Progbar

from conftest import package_root

REPO = Path(__file__).resolve().parents[1]


def python(*args, cwd=None, env=None):
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(package_root()), os.environ.get("PYTHONPATH", "")]))
    environment.update(env or {})
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=300)


def narrow_stdout(monkeypatch, encoding):
    """Standard output as a file of ``encoding`` (errors="strict", as Python opens it)."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    monkeypatch.setattr(sys, "stdout", stream)
    return stream


def written(stream):
    stream.flush()
    return stream.buffer.getvalue().decode(stream.encoding)


# ------------------------------------------------------------------ the ASCII spelling


@pytest.mark.parametrize("text, ascii_text", [
    ("x ← x − η·f'(x)", "x <- x - eta*f'(x)"),
    ("δ^(l+1) = ∂J/∂z^(l+1), ŷ = a^(3)", "delta^(l+1) = dJ/dz^(l+1), y_hat = a^(3)"),
    ("θ + Δθ, ΔW^(l)", "theta + Delta theta, Delta W^(l)"),  # (a name then a letter: apart)
    ("∂J/∂θ", "dJ/dtheta"),
    ("v ← αv − η∇f", "v <- alpha v - eta grad f"),
    ("5/5 ━━━───", "5/5 ===---"),
    ("y≥0, 3×4, café ½", "y>=0, 3x4, cafe ?"),
])
def test_unwritable_characters_are_spelled_in_ascii(text, ascii_text):
    assert text.encode("ascii", SPELL_IN_ASCII).decode("ascii") == ascii_text


def test_only_what_the_encoding_cannot_write_is_spelled():
    cp1252 = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")  # (Windows: has · × é, not η ←)
    assert writable("x ← x − η·f'(x), 3×4, café", cp1252) == "x <- x - eta·f'(x), 3×4, café"
    assert writable("η ─", io.StringIO()) == "η ─"
    assert writable("η ─", io.TextIOWrapper(io.BytesIO(), encoding="utf-8")) == "η ─"


# ------------------------------------------------------------------ summary and Progbar on a narrow output


def _model():
    return models.Sequential([layers.Input((2,)), layers.Dense(3), layers.Dense(1, name="sortie_é")])


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_summary_on_a_narrow_stdout_draws_its_rules_in_ascii(monkeypatch, encoding):
    # print raised UnicodeEncodeError at the table's ─ and ═ (Keras 3 draws ASCII boxes there)
    shown, model = [], _model()
    model.summary(print_fn=shown.append)
    stream = narrow_stdout(monkeypatch, encoding)
    model.summary()
    expected = shown[0].replace("─", "-").replace("═", "=")
    if encoding == "ascii":
        expected = expected.replace("sortie_é", "sortie_e")
    assert written(stream) == expected
    assert re.search(r"^-{30,}$", expected, re.M) and re.search(r"^={30,}$", expected, re.M)


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_progbar_on_a_narrow_stdout_draws_its_bar_in_ascii(monkeypatch, encoding):
    stream = narrow_stdout(monkeypatch, encoding)
    bar = Progbar(4, width=8, interval=0)
    for step in range(4):
        bar.update(step + 1, [("loss", 0.5)])
    assert re.fullmatch(r"4/4 ======== \d+s \S+/step - loss: 0\.5000\n", written(stream))


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_progress_lines_on_a_narrow_stdout(monkeypatch, encoding):
    # fit's lines (and Progbar's without a target) go through the same print; a metric named in Greek
    from glassnet.models.progress import _print

    stream = narrow_stdout(monkeypatch, encoding)
    _print("1/1 - 0s - loss: 0.5 - η: 0.1")
    assert written(stream) == "1/1 - 0s - loss: 0.5 - eta: 0.1\n"


def test_a_script_printing_a_summary_and_a_bar_runs_under_an_ascii_locale(tmp_path):
    program = ("from glassnet import layers, models; from glassnet.utils import Progbar\n"
               "models.Sequential([layers.Input((2,)), layers.Dense(1)]).summary()\n"
               "bar = Progbar(2)\nbar.update(1); bar.update(2)\n")
    result = python("-c", program, cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "Total params: 3" in result.stdout and "2/2 ====================" in result.stdout


# ------------------------------------------------------------------ the command line on a narrow output


def test_the_command_line_spells_its_formulas_in_ascii_on_a_narrow_stdout(tmp_path):
    # errors="replace" wrote "x ? x ? ??f'(x)" and the info table's rules as lines of ????
    narrow = {"PYTHONIOENCODING": "ascii"}
    descend = python("-m", "glassnet", "descend", "x**2", cwd=tmp_path, env=narrow)
    assert descend.returncode == 0, descend.stderr
    assert descend.stdout.splitlines()[:2] == [
        "f(x) = x**2;  x0 = 2;  eta = 0.2;  12 steps of x <- x - eta*f'(x)",
        "x\tf(x)\tf'(x)\teta*f'(x)\tx - eta*f'(x)\tEta"]
    model = models.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.save(tmp_path / "m.gn")
    info = python("-m", "glassnet", "info", "m.gn", cwd=tmp_path, env=narrow)
    assert info.returncode == 0, info.stderr
    assert "?" not in info.stdout and re.search(r"^={20,}$", info.stdout, re.M)
    explain = python("-m", "glassnet", "explain", cwd=tmp_path, env=narrow)
    assert explain.returncode == 0, explain.stderr
    assert "?" not in explain.stdout and "delta^(l+1) = dJ/dz^(l+1)" in explain.stdout


# ------------------------------------------------------------------ -X warn_default_encoding


def test_load_digits_names_its_file_encoding(tmp_path):
    program = "import glassnet.datasets as d; x, y = d.load_digits(as_uint8=True); print(x.shape, y.shape, x.sum())"
    result = python("-X", "warn_default_encoding", "-W", "error::EncodingWarning", "-c", program, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from sklearn.datasets import load_digits  # the same UCI table, read by scikit-learn

    assert result.stdout == f"(1797, 64) (1797,) {int(load_digits().data.sum())}\n"


# ------------------------------------------------------------------ python -OO (no docstrings)

SCRIPTS = sorted([*REPO.glob("examples/*.py"), *REPO.glob("benchmarks/*.py")])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scripts_read_their_docstring_only_where_python_keeps_it(script):
    # python -OO drops docstrings: __doc__.split(...) raised AttributeError on None
    assert not re.search(r"\b__doc__\.", script.read_text(encoding="utf-8")), "use (__doc__ or '')"


@pytest.mark.parametrize("script", ["examples/classic_compression.py", "benchmarks/bench_save.py"])
def test_a_script_shows_its_help_under_python_OO(script, tmp_path):
    optimized = python("-OO", REPO / script, "--help", cwd=tmp_path)
    assert optimized.returncode == 0, optimized.stderr
    assert optimized.stdout.startswith("usage:")


# ------------------------------------------------------------------ a container's CPU share

CPU_SHARE = """
import os
os.cpu_count = lambda: 64  # the host's cores
os.sched_getaffinity = lambda pid: {0, 1}  # the process's (a container's, taskset's)
if hasattr(os, "process_cpu_count"):
    os.process_cpu_count = lambda: 2
import glassnet.playground.app as app
from glassnet import threads
print(threads.process_cpu_count(), app.WORKER_THREADS)
"""


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity") and not hasattr(os, "process_cpu_count"),
                    reason="no CPU affinity here")
def test_playground_workers_follow_the_process_cpu_share_not_the_host(tmp_path):
    result = python("-c", CPU_SHARE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "4"]  # min(16, max(4, 2)); the host's 64 gave 16

