"""Shared fixtures: a seeded generator and the location of the genuine MNIST files."""

from pathlib import Path

import numpy as np
import pytest

import glassnet

REPO = Path(__file__).resolve().parents[1]
MNIST_DIR = REPO.parent / "shared" / "data" / "mnist"


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _reset_global_state():
    """Each test starts from the same global seed and precision."""
    glassnet.utils.set_random_seed(0)
    glassnet.config.set_floatx("float32")
    yield
    glassnet.config.set_floatx("float32")


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
