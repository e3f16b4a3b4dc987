"""Toy data sets against the lectures' truth tables and playground.tensorflow.org's rules."""

import itertools
import re
import warnings

import numpy as np
import pytest

from glassnet.datasets import (
    CHEESE_FESTIVAL_RULES,
    cheese_festival,
    logic_gate,
    make_circle,
    make_gaussians,
    make_plane_separation,
    make_playground,
    make_spiral,
    make_xor,
)
from glassnet.utils import set_random_seed

MAKERS = [make_circle, make_xor, make_gaussians, make_spiral, make_plane_separation]


# ------------------------------------------------------------------ gates

# Seed 001's tables (x1, x2 in counting order).
BINARY_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]
TRUTH = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0],
         "nand": [1, 1, 1, 0], "nor": [1, 0, 0, 0], "xnor": [1, 0, 0, 1]}


@pytest.mark.parametrize("name", list(TRUTH))
def test_binary_gate_truth_tables(name):
    X, y = logic_gate(name)
    np.testing.assert_array_equal(X, BINARY_INPUTS)
    np.testing.assert_array_equal(y, TRUTH[name])
    assert X.dtype == np.float32 and y.dtype == np.int64 and y.shape == (4,)


def test_bipolar_xor_is_seed_003s_sign_table():
    X, y = logic_gate("xor", encoding="bipolar")
    np.testing.assert_array_equal(X, [[-1, -1], [-1, 1], [1, -1], [1, 1]])
    np.testing.assert_array_equal(y, [-1, 1, 1, -1])


def test_bipolar_and_or():
    np.testing.assert_array_equal(logic_gate("AND", encoding="bipolar")[1], [-1, -1, -1, 1])
    np.testing.assert_array_equal(logic_gate("or", encoding="bipolar")[1], [-1, 1, 1, 1])


def test_three_input_gates():
    X, y = logic_gate("xor", n_inputs=3)
    assert X.shape == (8, 3)
    np.testing.assert_array_equal(X[5], [1, 0, 1])
    np.testing.assert_array_equal(y, [0, 1, 1, 0, 1, 0, 0, 1])  # parity
    np.testing.assert_array_equal(logic_gate("and", n_inputs=3)[1], [0] * 7 + [1])


def test_gate_dtype_option():
    assert logic_gate("or", dtype="float64")[0].dtype == np.float64
    X, _ = logic_gate("xor", dtype=np.uint8)  # 0/1 inputs fit
    assert X.dtype == np.uint8 and X.max() == 1
    X, _ = logic_gate("xor", encoding="bipolar", dtype=np.int8)
    assert X.dtype == np.int8 and X.min() == -1


@pytest.mark.parametrize("dtype", ["U1", "S1", "datetime64[s]", object, "complex64"])
def test_gates_refuse_dtypes_that_are_no_real_numbers(dtype):
    # 'U1' gave the text '0' and '1', 'datetime64[s]' dates in 1970, object and complex were accepted
    with pytest.raises(ValueError, match=r"dtype must be a real number dtype \(float, int or bool\)"):
        logic_gate("xor", dtype=dtype)
    with pytest.raises(ValueError, match=r"dtype must be a real number dtype"):
        cheese_festival(dtype=dtype)


@pytest.mark.parametrize("dtype", [0, False, ""])
def test_gates_refuse_values_that_are_no_dtype_though_falsy(dtype):
    # `dtype or floatx()` read 0, False and '' as "not given": float32 arrays, without a word
    with pytest.raises(TypeError):
        np.dtype(dtype)  # no dtype for NumPy either
    message = re.escape(f"dtype must be a NumPy dtype such as 'float32'. Received: dtype={dtype!r}")
    with pytest.raises(TypeError, match=message):
        logic_gate("xor", dtype=dtype)
    with pytest.raises(TypeError, match=message):
        cheese_festival(dtype=dtype)
    assert logic_gate("xor", dtype=None)[0].dtype == np.float32  # None: floatx()


@pytest.mark.parametrize("dtype", [np.uint8, "uint16", bool])
def test_bipolar_gate_refuses_dtypes_that_cannot_hold_minus_one(dtype):
    # uint8 silently turned the -1 inputs into 255
    with pytest.raises(ValueError, match="dtype must be signed or float to hold the inputs -1 of encoding='bipolar'"):
        logic_gate("xor", encoding="bipolar", dtype=dtype)


@pytest.mark.parametrize("make", [make_circle, make_xor, make_gaussians, make_spiral, make_plane_separation])
@pytest.mark.parametrize("dtype", [np.uint8, "int32", "complex64", bool])
def test_two_d_sets_take_float_dtypes_only(make, dtype):
    # int32 truncated the coordinates (make_circle: [[0, 0], [-1, 0], ...]), complex64 was accepted
    with pytest.raises(ValueError, match="dtype must be one of float16, float32, float64. Received: dtype="):
        make(n_samples=4, seed=0, dtype=dtype)
    assert make(n_samples=4, seed=0, dtype="float16")[0].dtype == np.float16


def test_bad_gate_arguments():
    with pytest.raises(ValueError, match="Unknown logic gate 'xnand'.*and.*xor"):
        logic_gate("xnand")
    with pytest.raises(TypeError, match="name must be a gate name"):
        logic_gate(3)
    with pytest.raises(ValueError, match="encoding must be 'binary' or 'bipolar'.*'signed'"):
        logic_gate("xor", encoding="signed")
    with pytest.raises(ValueError, match="encoding must be 'binary' or 'bipolar'. Received: encoding=array"):
        make_circle(encoding=np.array(["binary", "bipolar"]))  # "The truth value of an array ... is ambiguous"
    with pytest.raises(ValueError, match="n_inputs must be a positive integer"):
        logic_gate("and", n_inputs=0)
    with pytest.raises(TypeError, match="dtype must be a NumPy dtype such as 'float32'. Received: dtype='nope'"):
        logic_gate("xor", dtype="nope")


# ---------------------------------------------------------- cheese festival


def test_cheese_festival_any_two_rule():
    X, y = cheese_festival()
    np.testing.assert_array_equal(X[3], [0, 1, 1])
    # Yes exactly when at least two of the three factors are yes (w = 1, 1, 1; threshold 2).
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 0, 1, 1, 1])


def test_cheese_festival_thirst_rule():
    X, y = cheese_festival("thirst")
    # w = (1, 1, 10), threshold 11: x3 must be yes, and one more factor.
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 0, 1, 0, 1])
    w, threshold = CHEESE_FESTIVAL_RULES["thirst"]
    b = -threshold  # the bias form y = [w.x + b >= 0]
    np.testing.assert_array_equal(y, (X @ np.array(w, dtype=np.float32) + b >= 0).astype(int))


def test_cheese_festival_custom_weights_and_errors():
    _, y = cheese_festival(weights=(0, 0, 1), threshold=1)
    np.testing.assert_array_equal(y, [0, 1] * 4)
    with pytest.raises(ValueError, match="Unknown cheese-festival rule 'beer'"):
        cheese_festival("beer")
    with pytest.raises(ValueError, match="weights must be three finite numbers"):
        cheese_festival(weights=(1, 1))
    with pytest.raises(TypeError, match=r"rule must be a rule name \(any_two, thirst\). Received: rule=\['any_two'\]"):
        cheese_festival(["any_two"])
    with pytest.raises(TypeError, match="weights must be numbers. Received: weights='abc'"):
        cheese_festival(weights="abc")
    with pytest.raises(ValueError, match="weights must be finite numbers. Received an integer beyond the float range"):
        cheese_festival(weights=(1, 10**400, 1))  # an OverflowError, "int too large to convert to float"


# ------------------------------------------------------------- 2-D sets


@pytest.mark.parametrize("maker", MAKERS)
def test_shapes_dtypes_and_reproducibility(maker):
    X, y = maker(n_samples=101, noise=0.2, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float32
    assert y.shape == (101,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}
    X2, y2 = maker(n_samples=101, noise=0.2, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = maker(n_samples=101, noise=0.2, seed=4)
    assert not np.array_equal(X, X3)


@pytest.mark.parametrize("maker", MAKERS)
def test_global_seed_reproduces_unseeded_calls(maker):
    set_random_seed(11)
    first = maker(n_samples=20)
    set_random_seed(11)
    second = maker(n_samples=20)
    np.testing.assert_array_equal(first[0], second[0])


@pytest.mark.parametrize("maker", MAKERS)
def test_bipolar_labels_and_shuffle(maker):
    X, y = maker(n_samples=50, seed=1, encoding="bipolar")
    assert set(np.unique(y)) == {-1, 1}
    Xb, yb = maker(n_samples=50, seed=1)
    np.testing.assert_array_equal(y, 2 * yb - 1)
    np.testing.assert_array_equal(X, Xb)


@pytest.mark.parametrize("maker", MAKERS)
def test_bad_arguments(maker):
    with pytest.raises(ValueError, match="n_samples must be a positive integer. Received: n_samples=0"):
        maker(n_samples=0)
    with pytest.raises(ValueError, match="noise must be >= 0.0. Received: noise=-0.1"):
        maker(noise=-0.1)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        maker(seed=-1)
    with pytest.raises(TypeError, match="shuffle must be True or False"):  # "no" shuffled, an array raised NumPy's error
        maker(shuffle="no")
    with pytest.raises(TypeError, match=rf"^{maker.__name__}\(\) got an unexpected keyword argument 'n_sample'"):
        maker(n_sample=10)


def test_noise_that_overflows_the_dtype_is_refused():
    with pytest.raises(ValueError, match="noise=1e\\+77 is too large: the points overflow float32"):
        make_gaussians(10, noise=1e77, seed=0)
    assert np.isfinite(make_gaussians(10, noise=1e77, seed=0, dtype="float64")[0]).all()


def test_circle_radii_and_clean_labels():
    X, y = make_circle(n_samples=1001, seed=0, shuffle=False)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.array_equal(y[:501], np.ones(501)) and np.array_equal(y[501:], np.zeros(500))
    assert r[y == 1].max() < 2.5 and r[y == 0].min() >= 3.5 and r.max() <= 5


def test_circle_noise_flips_labels_but_not_points():
    X, y = make_circle(n_samples=2000, noise=0.5, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    disagree = np.mean(y != (r < 2.5))
    assert 0.05 < disagree < 0.5
    assert r.max() <= 5  # points stay clean


def test_xor_quadrants_padding_and_labels():
    X, y = make_xor(n_samples=1000, seed=0)
    assert np.abs(X).min() >= 0.3 and np.abs(X).max() <= 5.3
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))
    _, y_noisy = make_xor(n_samples=1000, noise=0.5, seed=0)
    assert np.mean(y_noisy != y) > 0.05


@pytest.mark.parametrize("noise, variance", [(0.0, 0.5), (0.5, 4.0)])
def test_gaussians_centers_and_variance(noise, variance):
    X, y = make_gaussians(n_samples=40000, noise=noise, seed=0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.05)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.05)
    np.testing.assert_allclose(X[y == 1].var(axis=0), [variance] * 2, rtol=0.05)
    assert np.bincount(y).tolist() == [20000, 20000]


def test_spiral_follows_the_playground_formula():
    X, y = make_spiral(n_samples=10, seed=0, shuffle=False)
    i = np.arange(5)
    r = i / 5 * 5
    t = 1.75 * i / 5 * 2 * np.pi
    np.testing.assert_allclose(X[:5], np.column_stack([r * np.sin(t), r * np.cos(t)]), atol=1e-6)
    np.testing.assert_allclose(X[5:], -X[:5], atol=1e-6)  # Δt = π mirrors the spiral
    np.testing.assert_array_equal(y, [1] * 5 + [0] * 5)


def test_spiral_noise_is_bounded_uniform():
    clean, _ = make_spiral(n_samples=400, seed=0, shuffle=False)
    noisy, _ = make_spiral(n_samples=400, noise=0.3, seed=0, shuffle=False)
    shift = np.abs(noisy - clean)
    assert shift.max() <= 0.3 + 1e-6 and shift.max() > 0.25


def test_plane_separation_margin_and_labels():
    w, b = np.array([2.0, -1.0]), 0.5
    X, y = make_plane_separation(n_samples=500, weights=w, bias=b, margin=0.4, seed=0)
    distance = (X @ w + b) / np.linalg.norm(w)
    assert np.abs(distance).min() >= 0.4 - 1e-6
    np.testing.assert_array_equal(y, (distance >= 0).astype(int))
    assert np.abs(X).max() <= 5


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_plane_separation_margin_holds_for_tiny_and_huge_weights(scale):
    # |w| = sqrt(w·w) underflowed to 0 (every point kept: no margin, and a RuntimeWarning) or
    # overflowed to inf ("margin=0.4 leaves (almost) no room"); the line is the same at any scale
    w, b = np.array([2.0, -1.0]), 0.5
    X, y = make_plane_separation(n_samples=500, weights=w, bias=b, margin=0.4, seed=0, dtype="float64")
    X_scaled, y_scaled = make_plane_separation(n_samples=500, weights=w * scale, bias=b * scale, margin=0.4,
                                               seed=0, dtype="float64")
    np.testing.assert_array_equal(X_scaled, X)
    np.testing.assert_array_equal(y_scaled, y)

@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_plane_separation_weights_near_the_float64_limit(noise):
    # w·p overflowed for weights of 2**1023 (a RuntimeWarning) and the error blamed noise: "noise=0 is too
    # large: the points' sides of the line overflow"; (w, b)·2**1022 is the same line as (w, b), drawn alike
    w, b = np.array([2.0, -1.0]), 0.5
    X, y = make_plane_separation(n_samples=300, weights=w, bias=b, noise=noise, seed=1, dtype="float64")
    X_big, y_big = make_plane_separation(n_samples=300, weights=w * 2.0**1022, bias=b * 2.0**1022, noise=noise,
                                         seed=1, dtype="float64")
    np.testing.assert_array_equal(X_big, X)
    np.testing.assert_array_equal(y_big, y)
    assert len(make_plane_separation(50, weights=(1e308, 1e308), seed=0)[1]) == 50


@pytest.mark.filterwarnings("error")
def test_cheese_festival_weights_near_the_float64_limit():
    # x·w overflowed to inf (a RuntimeWarning) and decided by the infinity: with w = (1e308, 0.9e308, -1.79e308)
    # the row (1, 1, 1) sums to 1.1e307, below the threshold 5e307, but was a "yes"; 2**1020 times a rule is that rule
    _, y = cheese_festival(weights=(1e308, 0.9e308, -1.79e308), threshold=5e307)
    exact = [sum(x * w for x, w in zip(row, (10**308, 9 * 10**307, -179 * 10**306))) >= 5 * 10**307
             for row in itertools.product((0, 1), repeat=3)]  # Python ints: exact
    assert y.tolist() == [int(v) for v in exact]
    for rule, (w, t) in CHEESE_FESTIVAL_RULES.items():
        scaled = cheese_festival(weights=np.array(w) * 2.0**1020, threshold=t * 2.0**1020)[1]
        np.testing.assert_array_equal(scaled, cheese_festival(rule)[1])


def test_plane_separation_errors():
    with pytest.raises(ValueError, match="weights must be two finite numbers, not both zero"):
        make_plane_separation(weights=(0, 0))
    with pytest.raises(TypeError, match="weights must be numbers. Received: weights='ab'"):
        make_plane_separation(weights="ab")
    with pytest.raises(ValueError, match="weights must be finite numbers. Received an integer beyond the float range"):
        make_plane_separation(weights=(10**400, 1))  # an OverflowError, "int too large to convert to float"
    with pytest.raises(ValueError, match=r"margin=20.0 leaves .*no room .* for the line w=\(1, 1\), b=0; use"):
        make_plane_separation(margin=20.0, seed=0)  # (the line read "w=(np.float64(1.0), np.float64(1.0))")
    with pytest.raises(ValueError, match="margin must be >= 0.0"):
        make_plane_separation(margin=-1)


def test_make_playground_by_name():
    np.testing.assert_array_equal(make_playground("spiral", seed=5)[0], make_spiral(seed=5)[0])
    with pytest.raises(ValueError, match="Unknown playground data set 'moons'.*circle.*spiral"):
        make_playground("moons")
    with pytest.raises(TypeError, match=r"name must be a data set name \(circle, .*plane\). Received: name=None"):
        make_playground(None)


def test_gate_tables_are_capped_and_in_counting_order():
    X, y = logic_gate("and", n_inputs=4)
    np.testing.assert_array_equal(X, list(itertools.product((0, 1), repeat=4)))
    np.testing.assert_array_equal(y, X.all(axis=1))
    assert y.dtype == np.int64
    with pytest.raises(ValueError, match="n_inputs must be at most 20.*Received: n_inputs=30"):
        logic_gate("and", n_inputs=30)


@pytest.mark.parametrize("make", [make_circle, make_xor, make_gaussians, make_spiral, make_plane_separation])
@pytest.mark.parametrize("n", [10**19, 10**30])
def test_a_huge_n_samples_is_named_as_too_large_to_allocate(make, n):
    # make_gaussians: OverflowError / "negative dimensions are not allowed"; make_spiral:
    # "Maximum allowed size exceeded"; the others named n_samples already
    with pytest.raises(ValueError, match=f"n_samples={n} asks for an array too large to allocate"):
        make(n_samples=n)


@pytest.mark.parametrize("make", [make_circle, make_xor, make_plane_separation])
def test_a_label_noise_that_overflows_is_refused_like_a_point_noise(make):
    # the labels were read at points of inf (circle: all class 0, the plane: NaN sides), with NumPy's
    # overflow warnings; make_gaussians and make_spiral, whose noise moves the points, refused it already
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"noise=1e\+308 is too large: the points the labels are read at "
                                             "overflow float64 to infinity"):
            make(noise=1e308, seed=0)
        X, y = make(noise=1e300, seed=0)  # far beyond the square, finite: labels as the formula gives them
    assert np.isfinite(X).all() and set(np.unique(y)) <= {0, 1}
