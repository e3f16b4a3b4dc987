"""Shared fixtures: a seeded generator and the location of the genuine MNIST files; the quick run
(CI's) and ``--runslow``."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

import glassnet

# The peer comparisons import Keras on its JAX backend (its default, TensorFlow, is not installed): set before
# any test module's `pytest.importorskip("keras")`, so that a module run alone compares too (it was skipped,
# "the comparison needs Keras", unless a module collected before it had set the variable)
os.environ.setdefault("KERAS_BACKEND", "jax")

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = REPO.parent / "shared" / "data" / "mnist"
SLOW_TESTS = Path(__file__).with_name("slow_tests.txt")
_SLOW_KEY, _LEFT_KEY = pytest.StashKey[set](), pytest.StashKey[int]()


def package_root():
    """The folder that holds the glassnet these tests import, for a subprocess's PYTHONPATH: the checkout's
    src/ for an editable install, the installed wheel's site-packages otherwise (``REPO / "src"`` made the
    subprocesses of a run against a wheel test the checkout instead)."""
    return Path(glassnet.__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true",
                     help="also run the long end-to-end tests listed in tests/slow_tests.txt, which a plain run "
                          "(CI's) leaves out; so does GLASSNET_SLOW=1")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a long end-to-end test (tests/slow_tests.txt); left out without --runslow")
    _RUN_SLOW[0] = _run_slow(config)


_RUN_SLOW = [False]  # set by pytest_configure, before the test modules are imported


def examples(full, quick):
    """``max_examples`` of a drawn (Hypothesis) test that the quick run keeps with fewer draws: ``full``
    with --runslow or GLASSNET_SLOW=1, else ``quick``."""
    return full if _RUN_SLOW[0] else quick


def _named(config):
    """The node ids named on the command line (``path::test``), relative to the root as pytest's."""
    named = []
    for arg in config.args:
        path, sep, rest = arg.partition("::")
        if sep:
            full = (Path(config.invocation_params.dir) / path).resolve()
            named.append(f"{full.relative_to(config.rootpath).as_posix()}::{rest}" if full.is_relative_to(config.rootpath)
                         else arg)
    return named


def _listed():
    return {line.split("#")[0].strip() for line in SLOW_TESTS.read_text().splitlines()} - {""}


def pytest_itemcollected(item):
    """Mark the tests listed in slow_tests.txt ``slow`` (so that ``-m slow`` chooses them)."""
    if _SLOW_KEY not in item.config.stash:
        item.config.stash[_SLOW_KEY] = _listed()
    if item.nodeid in item.config.stash[_SLOW_KEY]:
        item.add_marker(pytest.mark.slow)


@pytest.hookimpl(trylast=True)  # after -k and -m: the count said is of the tests they chose
def pytest_collection_modifyitems(config, items):
    """Leave the ``slow`` tests out (deselected) unless ``--runslow``, ``GLASSNET_SLOW`` or named on the
    command line: CI's run stays a few minutes long (.ci/slow_tests.py writes the list)."""
    if _run_slow(config):
        return
    named = _named(config)
    left = [item for item in items if item.get_closest_marker("slow") is not None
            and not any(item.nodeid == n or item.nodeid.startswith((n + "[", n + "::")) for n in named)]
    if left:
        config.hook.pytest_deselected(items=left)
        gone = set(map(id, left))
        items[:] = [item for item in items if id(item) not in gone]
        config.stash[_LEFT_KEY] = len(left)


def _run_slow(config):
    return config.getoption("--runslow") or os.environ.get("GLASSNET_SLOW", "") not in ("", "0")


def pytest_terminal_summary(terminalreporter, config):
    if _run_slow(config):
        return
    left = config.stash.get(_LEFT_KEY, None)  # (None under xdist's controller: its workers chose the tests)
    if left is None and config.pluginmanager.hasplugin("dsession") and len(_named(config)) < len(config.args):
        terminalreporter.write_line(f"The {len(_listed())} long end-to-end tests listed in tests/slow_tests.txt run only "
                                    "with --runslow or GLASSNET_SLOW=1")
    elif left:
        terminalreporter.write_line(f"{left} long end-to-end tests (tests/slow_tests.txt) were left out of this run: "
                                    "--runslow or GLASSNET_SLOW=1 runs them too")


def top_level_definitions(package, modules):
    """``(module, name)`` of each top-level definition (class, function, assigned name; not an import)
    of ``package``'s ``modules``: what a module split into a package must still offer by its old path."""
    import ast
    import importlib
    import inspect

    for module in (importlib.import_module(f"{package}.{name}") for name in modules):
        for node in ast.parse(inspect.getsource(module)).body:
            for name in [node.name] if hasattr(node, "name") else [t.id for t in getattr(node, "targets", [])]:
                yield module, name


def names_kept(old, package, modules, skip=()):
    """Assert that each top-level definition of ``package``'s ``modules`` (but the names in ``skip``) is
    the same object as ``old.<name>``, the path it had before a split; return how many there are."""
    defined = 0
    for module, name in top_level_definitions(package, modules):
        if name not in skip:
            assert getattr(old, name, None) is getattr(module, name), f"{module.__name__}.{name}"
            defined += 1
    return defined


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _reset_global_state():
    """Each test starts from the same global seed and precision, and its first unnamed model is "sequential"."""
    glassnet.utils.set_random_seed(0)
    glassnet.utils.clear_session(free_memory=False)
    glassnet.config.set_floatx("float32")
    glassnet.backend._state["policy"] = None  # no global dtype policy (glassnet.mixed_precision's)
    yield
    glassnet.config.set_floatx("float32")
    glassnet.backend._state["policy"] = None
    # and the peers' global precision, where a test imported them: JAX's x64 switch and Keras's floatx
    # left on by one test made later Keras comparisons in the same worker compute in float64
    jax, keras = sys.modules.get("jax"), sys.modules.get("keras")
    if jax is not None and hasattr(jax, "config") and jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", False)
    if keras is not None and hasattr(keras, "config") and keras.config.floatx() != "float32":
        keras.config.set_floatx("float32")
    # and its global dtype policy, which several tests set to float64 (left, a later Keras model's layers were
    # float64: test_summary_optimizer_params counted 8-byte parameters in a worker that had run them)
    if keras is not None and hasattr(keras, "config") and keras.config.dtype_policy().name != "float32":
        keras.config.set_dtype_policy("float32")


@pytest.fixture
def clean_registry():
    """The custom-object registry is left as it was: the classes a test registers are forgotten."""
    from glassnet import _custom_objects

    saved = dict(_custom_objects.GLOBAL_CUSTOM_OBJECTS), dict(_custom_objects.GLOBAL_CUSTOM_NAMES)
    yield
    for table, old in zip((_custom_objects.GLOBAL_CUSTOM_OBJECTS, _custom_objects.GLOBAL_CUSTOM_NAMES), saved):
        table.clear()
        table.update(old)


@pytest.fixture
def traced_peak():
    """``traced_peak(f, *args)``: the most bytes NumPy and Python held at once (tracemalloc)
    while ``f(*args)`` ran, beyond what they held before it."""
    import tracemalloc

    def peak(f, *args, **kwargs):
        tracemalloc.start()
        try:
            f(*args, **kwargs)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    return peak


@pytest.fixture
def mnist_dir():
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"genuine MNIST files not found in {MNIST_DIR} (../shared is absent)")
    return MNIST_DIR


@pytest.fixture
def no_numba(monkeypatch):
    """A Python in which ``import numba`` fails, as on a machine without the jit extra."""
    import builtins

    real_import = builtins.__import__

    def blocked(name, *args, **kwargs):
        if name == "numba" or name.startswith("numba."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", blocked)
    monkeypatch.setattr(glassnet.kernels, "available", lambda: False)
    # nor a module of the loops built ahead of time (whose name needs numba's version)
    monkeypatch.setattr(glassnet.kernels, "_ahead", {"module": None, "why": "numba is not installed"})
    monkeypatch.setattr(glassnet.kernels, "_compiled", {})


@pytest.fixture
def keras_float64(monkeypatch):
    """Keras 3.15 (JAX) computing float64 layers in float64, and ``reference(layer, X, dY)``:
    the Keras layer's output, ``∂(Σ Y ⊙ dY)/∂X`` and the gradients of its weights (jax.grad).

    Keras's ``result_type(float64, "float32")`` is float32, so its normalization layers take
    float64 statistics in float32 (~1e-7); here that promotion keeps float64, which leaves
    Keras's own formulas and makes ~1e-15 agreement checkable."""
    monkeypatch.setenv("KERAS_BACKEND", "jax")  # read on keras's import; its default, TensorFlow, is absent here
    keras = pytest.importorskip("keras", reason="the comparison needs Keras")
    jax = pytest.importorskip("jax")
    from keras.src import backend as keras_backend
    from keras.src.backend.common import dtypes as keras_dtypes

    promote = keras_dtypes.result_type

    def result_type(*dtypes):
        named = [keras_backend.standardize_dtype(getattr(d, "dtype", d)) for d in dtypes]
        return "float64" if "float64" in named else promote(*dtypes)

    monkeypatch.setattr(keras_dtypes, "result_type", result_type)
    monkeypatch.setattr(keras_backend, "result_type", result_type)

    def reference(layer, X, dY):
        weights = [jax.numpy.asarray(np.asarray(w)) for w in layer.weights]

        def loss(X, *weights):
            Y = layer.stateless_call(list(weights), [], jax.numpy.asarray(X))[0]
            return jax.numpy.sum(Y * dY), Y

        (_, Y), grads = jax.value_and_grad(loss, argnums=tuple(range(1 + len(weights))), has_aux=True)(X, *weights)
        return np.asarray(Y), np.asarray(grads[0]), [np.asarray(g) for g in grads[1:]]

    with jax.enable_x64(True):
        yield keras, reference


@pytest.fixture
def keras64(keras_float64):
    """Keras in float64 (``keras_float64``'s), its models, optimizers and losses too: floatx and the global
    dtype policy (which keeps the floatx of Keras's first use, float32 after other tests' Keras) set to
    float64, then put back."""
    keras, _ = keras_float64
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield keras
    keras.config.set_dtype_policy(policy)
    keras.config.set_floatx(floatx)


@pytest.fixture
def keras_x64(monkeypatch):
    """``(keras, jax)`` on Keras's JAX backend with ``jax_enable_x64`` on for the test, then as it was
    (left on, it changed later tests' Keras results: float32 layers compared in float64); Keras's floatx and
    global dtype policy, which a test may set to float64, are put back too (left, a later module's Keras
    summary counted 8-byte parameters: test_summary_optimizer_params after test_optimizers)."""
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    jax = pytest.importorskip("jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("the Keras comparison runs on Keras's JAX backend")
    previous = jax.config.jax_enable_x64
    floatx, policy = keras.config.floatx(), keras.config.dtype_policy()
    jax.config.update("jax_enable_x64", True)
    yield keras, jax
    keras.config.set_dtype_policy(policy)
    keras.config.set_floatx(floatx)
    jax.config.update("jax_enable_x64", previous)


def doc_block(page, marker):
    """The ```python block of docs/``page`` that contains ``marker``, run: the names it defines (the recipes of
    docs/lectures.md and docs/pytorch.md that tests check against the books' and courses' formulas)."""
    import re

    docs = Path(__file__).resolve().parents[1] / "docs"
    blocks = [code for code in re.findall(r"```python\n(.*?)```", (docs / page).read_text(), re.S) if marker in code]
    assert len(blocks) == 1, f"docs/{page} has {len(blocks)} blocks with {marker!r}"
    names = {}
    exec(compile(blocks[0], f"docs/{page}", "exec"), names)
    return names


def run_cli(*args, cwd, monkeypatch, capsys):
    """Run ``glassnet ARGS`` in this process, in ``cwd`` (``main`` called directly, for the many checks that need no
    fresh interpreter): a ``subprocess.CompletedProcess`` of the arguments, exit status and captured stdout/stderr,
    as a real run's."""
    import subprocess

    from glassnet.cli import main

    monkeypatch.chdir(cwd)
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, out, err)


def quiet_diagnose(model, X, y):
    """``glassnet.diagnostics.diagnose(model, X, y)`` with its DiagnosticWarnings silenced (the problems are read from
    the returned diagnosis)."""
    import warnings

    from glassnet.diagnostics import DiagnosticWarning, diagnose

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticWarning)
        return diagnose(model, X, y)
