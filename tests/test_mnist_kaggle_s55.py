"""load_mnist finds the files as Kaggle's "MNIST Dataset" ships them: uncompressed, spelled
``train-images.idx3-ubyte`` (a dot), or each in a folder of its own name (they were not found, and the
error asked the user to copy the files they had)."""

import gzip
import pathlib
import shutil

import numpy as np
import pytest

from glassnet.datasets import load_mnist

SHARED_MNIST = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"
STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="needs the MNIST files in ../shared/data/mnist")
@pytest.mark.parametrize("layout", ["dotted", "nested", "nested dotted"])
def test_kaggle_s_names_and_folders_load_as_the_genuine_files(tmp_path, layout):
    for stem in STEMS:
        name = stem.replace("-idx", ".idx") if "dotted" in layout else stem
        target = tmp_path / name / name if "nested" in layout else tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(SHARED_MNIST / (stem + ".gz")) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    (X, y), (X_test, y_test) = load_mnist(path=tmp_path, download=False)
    (X0, y0), (X0_test, y0_test) = load_mnist(path=SHARED_MNIST, download=False)
    assert X.shape == (60000, 784) and X_test.shape == (10000, 784) and X.dtype == np.float32
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(X_test, X0_test)
    np.testing.assert_array_equal(y_test, y0_test)
