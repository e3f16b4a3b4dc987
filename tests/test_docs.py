"""Every Python example in docs/*.md runs as printed.

A page's ```python blocks run in order in one fresh interpreter (a later block may use what an
earlier one defined), in an empty folder, with MNIST from ../shared when it is there. A block
preceded by ``<!-- docs-test: needs MODULE -->`` runs only where MODULE is installed; one preceded
by ``<!-- docs-test: skip: REASON -->`` is not run, and one preceded by ``<!-- docs-test: own script -->``
runs alone in an interpreter of its own, as the complete script it shows (a Dask example whose worker
processes import it). What a page says an example prints (PRINTED) is compared with what it prints, and
so is the output that docs/cli.md shows for its quick commands. README.md's blocks are checked, against
their printed output, by test_readme.py.
"""

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from glassnet.cli import main

from conftest import package_root

DOCS = Path(__file__).resolve().parents[1] / "docs"
MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
BLOCK = re.compile(r"(?:<!-- docs-test: (?P<marker>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S)
PAGES = sorted(path.name for path in DOCS.glob("*.md") if "```python" in path.read_text())


def python_blocks(text):
    """(marker or None, code, line) for each ```python block of a Markdown text."""
    return [(match["marker"], match["code"], text.count("\n", 0, match.start("code")) + 1)
            for match in BLOCK.finditer(text)]


def runnable(blocks, alone=False):
    """The blocks to run: skip markers drop theirs, needs markers keep theirs where the module is
    installed; ``alone``: the own-script blocks instead, which the others leave out."""
    kept = []
    for marker, code, line in blocks:
        if marker == "own script":
            if alone:
                kept.append((code, line))
        elif alone:
            continue
        elif marker is None:
            kept.append((code, line))
        elif marker.startswith("needs "):
            if importlib.util.find_spec(marker.removeprefix("needs ").strip()) is not None:
                kept.append((code, line))
        elif not marker.startswith("skip: "):
            raise ValueError(f"unknown docs-test marker {marker!r} at line {line}")
    return kept


def test_markers_are_read():
    text = ("```python\na = 1\n```\n<!-- docs-test: skip: no server -->\n```python\nb\n```\n"
            "<!-- docs-test: needs os -->\n```python\nc = a\n```\n"
            "<!-- docs-test: needs no_such_module_here -->\n```python\nd\n```\n")
    blocks = python_blocks(text)
    assert [marker for marker, _, _ in blocks] == [None, "skip: no server", "needs os", "needs no_such_module_here"]
    assert runnable(blocks) == [("a = 1\n", 2), ("c = a\n", 10)]
    alone = python_blocks("```python\na = 1\n```\n<!-- docs-test: own script -->\n```python\nb = 2\n```\n")
    assert runnable(alone) == [("a = 1\n", 2)] and runnable(alone, alone=True) == [("b = 2\n", 6)]
    with pytest.raises(ValueError, match="unknown docs-test marker"):
        runnable(python_blocks("<!-- docs-test: maybe -->\n```python\nx\n```\n"))


def run_blocks(page, blocks, folder):
    """Run ``blocks`` as one script in ``folder``; fails the test with the page's traceback."""
    calls_mnist = any("load_mnist(" in line.split("#")[0] for code, _ in blocks for line in code.splitlines())
    if calls_mnist and not MNIST.is_dir():
        pytest.skip(f"docs/{page} reads MNIST; {MNIST} is absent")
    # The script keeps every block on its line of the page, so a traceback's line number points into it.
    lines = []
    for code, line in blocks:
        lines.extend([""] * (line - 1 - len(lines)))
        lines.extend(code.splitlines())
    folder.mkdir(exist_ok=True)
    script = folder / f"{page}.py"
    script.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "MPLBACKEND": "Agg", "GLASSNET_DATA": str(MNIST)}
    result = subprocess.run([sys.executable, script.name], cwd=folder, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, f"docs/{page}:\n{result.stderr[-3000:]}"
    return result.stdout


# What a page says its examples print, word for word: each text must be on the page and in the output.
PRINTED = {
    "classic.md": ["8x8 blocks -> k=16: ratio 3.0625:1, PSNR 24.35 dB"],
    "data.md": ["0.93"],
    "lectures.md": ["J = 0.274811", "0.0826676"],
    "sklearn.md": ["J = 1.62771 = 1.61254 + 0.0151731"],
}


@pytest.mark.parametrize("page", PAGES)
def test_every_python_example_of_the_page_runs(page, tmp_path):
    text = (DOCS / page).read_text()
    blocks = python_blocks(text)
    assert runnable(blocks), f"docs/{page} has no example to run"
    out = run_blocks(page, runnable(blocks), tmp_path)
    for shown in PRINTED.get(page, []):
        assert shown in text, f"docs/{page} no longer shows {shown!r}: update PRINTED"
        assert shown in out, f"docs/{page} shows {shown!r}; its examples printed:\n{out[-3000:]}"
    for k, block in enumerate(runnable(blocks, alone=True)):
        run_blocks(page, [block], tmp_path / f"own{k}")


# The command lines of docs/cli.md whose shown output the test below compares (the quick ones; the
# others train a network or need its file). A page's "$ glassnet ..." line and the indented lines under it are one example.
CLI_EXAMPLE = re.compile(r"^    \$ glassnet (?P<args>.*)\n(?P<output>(?:    \S.*\n)*)", re.M)
QUICK_COMMANDS = ("explain", "descend", "perceptron", "hopfield", "som", "train data.csv")


def cli_examples():
    """(arguments, shown output lines) of each quick example of docs/cli.md."""
    examples = []
    for match in CLI_EXAMPLE.finditer((DOCS / "cli.md").read_text()):
        if match["args"].startswith(QUICK_COMMANDS):
            shown = [line[4:].rstrip() for line in match["output"].splitlines()]
            examples.append((match["args"], [line for line in shown if line != "..."]))
    return examples


def test_the_cli_page_has_its_quick_examples():
    assert [args.split()[0] for args, _ in cli_examples()] == ["train", "explain", "descend", "descend", "perceptron",
                                                               "hopfield", "som"]


@pytest.mark.parametrize(("args", "shown"), cli_examples(), ids=lambda value: value if isinstance(value, str) else "")
def test_cli_example_prints_what_the_page_shows(args, shown, tmp_path, monkeypatch, capsys):
    # the page's malformed CSV file: column 'b' holds an 'x' on line 3
    (tmp_path / "data.csv").write_text("a,b,label\n1,2,0\n3,x,1\n")
    monkeypatch.chdir(tmp_path)
    main(shlex.split(args))
    out, err = capsys.readouterr()
    printed = [line.rstrip() for line in (out + err).splitlines()]
    # every shown line is printed, in the page's order (a "..." on the page stands for lines left out)
    position = 0
    for line in shown:
        assert line in printed[position:], f"docs/cli.md shows {line!r} for 'glassnet {args}'; it printed:\n{out}{err}"
        position = printed.index(line, position) + 1


def _numbers_agree(printed, shown, rtol=1e-4):
    """Whether two lines are the same but for the last digits of their numbers (the BLAS build's)."""
    number = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
    if re.sub(number, "#", printed) != re.sub(number, "#", shown):
        return False
    pairs = zip(map(float, re.findall(number, printed)), map(float, re.findall(number, shown)))
    return all(abs(a - b) <= rtol * abs(b) for a, b in pairs)


def test_the_digits_model_s_evaluate_and_predict_show_what_they_print(tmp_path, monkeypatch, capsys):
    # The page's predict probabilities were another machine's, in their 6th digit (1.40028e-06 where
    # 1.40029e-06 is printed here, with one BLAS thread or two): OpenBLAS's kernels differ by CPU. The lines
    # are checked here, the text exactly and every number to a relative 1e-4 (the machines differed by
    # up to 7e-6; a change of the model, the data or the printing moves them far more).
    import numpy as np

    from glassnet.datasets import load_digits

    examples = {match["args"]: [line[4:].rstrip() for line in match["output"].splitlines() if line[4:] != "..."]
                for match in CLI_EXAMPLE.finditer((DOCS / "cli.md").read_text())}
    monkeypatch.chdir(tmp_path)
    (_, _), (x, y) = load_digits(test=0.2, seed=0)
    np.savetxt("inputs.csv", x[:3], delimiter=",", fmt="%g")  # as the page writes it
    assert main(["train", "digits", "--seed", "0", "--out", "model.gn", "--quiet"]) == 0
    capsys.readouterr()
    for args in ("evaluate model.gn digits --confusion", "predict model.gn inputs.csv"):
        shown = examples[args]
        assert main(shlex.split(args)) == 0
        printed = capsys.readouterr().out.splitlines()
        position = 0
        for line in shown:  # in the page's order; its "..." leaves lines out
            found = [k for k in range(position, len(printed)) if _numbers_agree(printed[k], line)]
            assert found, f"docs/cli.md shows {line!r} for 'glassnet {args}'; it printed:\n" + "\n".join(printed)
            position = found[0] + 1
    assert examples["predict model.gn inputs.csv"][1][:2] == "4," and y[:3].tolist() == [4, 0, 6]  # "a 4, a 0 and a 6"


def test_every_test_the_lecture_map_names_exists():
    # docs/lectures.md's "Checked by" column names tests as `tests/test_x.py::name` or `::name` (the file
    # of the last full name on the line); a renamed test, or a `::name` put after another file's, left
    # the map pointing at nothing
    repo = DOCS.parent
    missing = []
    for number, line in enumerate((DOCS / "lectures.md").read_text().splitlines(), 1):
        current = None
        for match in re.finditer(r"`(tests/test_\w+\.py)(?:::(\w+))?`|`::(\w+)`", line):
            current = match[1] or current
            name = match[2] or match[3]
            if current is None:
                missing.append((number, f"::{name} without a file before it"))
            elif not (repo / current).exists():
                missing.append((number, current))
            elif name and not re.search(rf"^def {name}\(", (repo / current).read_text(), re.M):
                missing.append((number, f"{current}::{name}"))
    assert not missing, missing


API_MODULES = ("layers", "optimizers", "losses", "metrics", "callbacks", "schedules", "regularizers",
               "initializers", "constraints", "activations", "utils", "preprocessing", "models", "classic", "datasets")


def test_help_of_every_public_class_is_its_own():
    """help(cls) shows a class's own docstring: one without would show its base's text, as
    help(initializers.Ones) said "All zeros" and help(regularizers.L2) described from_config."""
    import importlib
    import inspect

    from glassnet import initializers, metrics, regularizers

    missing = []
    for module_name in API_MODULES:
        module = importlib.import_module(f"glassnet.{module_name}")
        for name in dir(module):
            cls = getattr(module, name)
            if name.startswith("_") or not inspect.isclass(cls) or not cls.__module__.startswith("glassnet"):
                continue
            if not (cls.__dict__.get("__doc__") or "").strip():
                missing.append(f"glassnet.{module_name}.{name}")
    assert missing == []
    assert "zeros" not in inspect.getdoc(initializers.Ones).lower()
    assert "l2 · Σ W²" in inspect.getdoc(regularizers.L2) and "from_config" not in inspect.getdoc(regularizers.L1L2)
    assert "base of every metric" not in inspect.getdoc(metrics.MeanSquaredError)


def _documented_error_cases(tmp_path):
    from glassnet import onnx
    from glassnet.expr import parse
    from glassnet.models import load_model

    (tmp_path / "text.gn").write_text("not a model")
    return [(load_model, (tmp_path / "absent.gn",)), (load_model, (3,)), (load_model, (tmp_path / "text.gn",)),
            (parse, (3,)), (parse, ("x**",)), (onnx.to_onnx, ("x",)), (onnx.export, ("x", tmp_path / "m.onnx"))]


def test_docstrings_name_the_errors_their_functions_raise(tmp_path):
    """help() lists what a function raises: each error met here is named in its docstring
    (load_model's FileNotFoundError and TypeError, parse's and the ONNX export's TypeError were not)."""
    import inspect

    pytest.importorskip("onnx")
    for func, args in _documented_error_cases(tmp_path):
        with pytest.raises(Exception) as raised:
            func(*args)
        assert raised.type.__name__ in inspect.getdoc(func), (func.__qualname__, raised.type.__name__)


def test_the_cli_page_documents_every_option_of_each_command():
    """Each command's section of docs/cli.md names every option its --help lists."""
    import argparse

    from glassnet.cli import build_parser

    text = (DOCS / "cli.md").read_text()
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, re.S | re.M))
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    undocumented = {name: [option for action in parser._actions for option in action.option_strings
                           if option.startswith("--") and option not in ("--help", "--debug")
                           and not re.search(f"{option}(?![a-z-])", sections.get(name, ""))]
                    for name, parser in commands.items()}
    assert {name: options for name, options in undocumented.items() if options} == {}


def test_the_benchmarks_page_lists_every_option_of_run_py():
    """benchmarks/README.md's Options block names each option `run.py --help` lists (it lacked --data,
    --timeout and --accuracy-seeds)."""
    bench = DOCS.parent / "benchmarks"
    shown = subprocess.run([sys.executable, str(bench / "run.py"), "--help"], capture_output=True, text=True,
                           timeout=120, env={**os.environ, "PYTHONPATH": str(package_root())})
    assert shown.returncode == 0, shown.stderr
    options = set(re.findall(r"(--[a-z][a-z-]*)", shown.stdout)) - {"--help"}
    block = re.search(r"## Options\n\n```\n(.*?)```", (bench / "README.md").read_text(), re.S).group(1)
    listed = {line.split()[0] for line in block.splitlines() if line.startswith("--")}
    assert options - listed == set()
