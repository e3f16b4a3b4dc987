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
def mnist_dir():
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"genuine MNIST files not found in {MNIST_DIR} (../shared is absent)")
    return MNIST_DIR
