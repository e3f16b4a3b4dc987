"""The bundled 8x8 digits: content, options, and independence from scikit-learn."""

import subprocess
import sys

import numpy as np
import pytest

from glassnet.datasets import load_digits

# The first image of the UCI optdigits test set (a 0), as printed in its CSV.
FIRST_IMAGE = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0,
               0, 4, 12, 0, 0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0,
               0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0]
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_shapes_dtypes_scaling_and_counts():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X[0] * 16, FIRST_IMAGE)
    assert y[0] == 0 and y[1] == 1
    assert np.bincount(y).tolist() == CLASS_COUNTS


def test_raw_values_and_images():
    X, _ = load_digits(as_uint8=True, flatten=False)
    assert X.shape == (1797, 8, 8) and X.dtype == np.uint8 and X.max() == 16
    np.testing.assert_array_equal(X[0, 1], FIRST_IMAGE[8:16])


def test_stratified_train_test_split():
    (X_train, y_train), (X_test, y_test) = load_digits(test=0.25, seed=0)
    assert len(X_test) == 450 and len(X_train) == 1347  # ceil(0.25 * 1797) = 450
    expected = np.array(CLASS_COUNTS) * 450 / 1797
    assert np.abs(np.bincount(y_test) - expected).max() <= 1
    again = load_digits(test=0.25, seed=0)
    np.testing.assert_array_equal(again[1][0], X_test)
    X, _ = load_digits()
    # Train and test together are the whole set: no row lost or duplicated.
    rows = np.concatenate([X_train, X_test])
    assert np.array_equal(np.unique(rows, axis=0), np.unique(X, axis=0))
    assert len(rows) == len(X)


def test_seed_without_test_is_refused():
    # It used to be ignored: load_digits(seed=3) returned the unshuffled set
    with pytest.raises(ValueError, match="seed only seeds the split that test= asks for.*Received: seed=3 without test"):
        load_digits(seed=3)


def test_equals_scikit_learns_copy():
    datasets = pytest.importorskip("sklearn.datasets")
    reference = datasets.load_digits()
    X, y = load_digits(as_uint8=True)
    np.testing.assert_array_equal(X, reference.data)
    np.testing.assert_array_equal(y, reference.target)


def test_works_without_scikit_learn():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from glassnet.datasets import load_digits\n"
        "X, y = load_digits()\n"
        "loaded = {m.split('.')[0] for m in sys.modules if sys.modules[m]}\n"
        "raise SystemExit(0 if X.shape == (1797, 64) and 'sklearn' not in loaded else 1)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


@pytest.mark.parametrize("option", ["flatten", "as_uint8"])
def test_boolean_options_take_true_or_false_only(option):
    with pytest.raises(TypeError, match=f"{option} must be True or False. Received: {option}='yes'"):
        load_digits(**{option: "yes"})  # any truthy value was True, 'no' too
