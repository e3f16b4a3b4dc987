"""glassnet.sklearn, session 58: sparse X with 'lbfgs' stays sparse, the pickled estimator's size,
the multilabel y message, and the docs' claims on shuffle=True, RandomState objects and the
schedules, each against scikit-learn's MLP (float64, same random_state)."""

import copy
import pickle
import tracemalloc
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
sp = pytest.importorskip("scipy.sparse")

from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils import shuffle as sk_shuffle  # noqa: E402

from glassnet.sklearn import MLPClassifier  # noqa: E402


@pytest.fixture(autouse=True)
def _one_blas_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _largest_difference(a, b):
    return max(np.abs(p - q).max() for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_))


def _digits(n=None):
    X, y = load_digits(return_X_y=True)
    return X[:n] / 16, y[:n]


def test_lbfgs_trains_on_sparse_x_without_making_it_dense():
    # 300 x 20,000 at density 0.001: dense, 48 MB, which the old path allocated on top of the CSR
    X = sp.random(300, 20000, density=0.001, format="csr", random_state=0, dtype=np.float64)
    y = np.random.RandomState(0).randint(0, 3, 300)
    params = dict(solver="lbfgs", random_state=0, max_iter=20, hidden_layer_sizes=(2,))
    tracemalloc.start()
    try:
        ours = MLPClassifier(**params).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X.shape[0] * X.shape[1] * 8 / 2  # measured 13 MB, scikit-learn's 13 MB too
    dense = MLPClassifier(**params).fit(X.toarray(), y)
    peer = sk_nn.MLPClassifier(**params).fit(X, y)
    assert _largest_difference(ours, dense) < 1e-10  # measured 9e-13 (19 iterations)
    assert _largest_difference(ours, peer) < 1e-10  # measured 1.2e-12
    assert ours.n_iter_ == peer.n_iter_
    assert ours.loss_ == pytest.approx(peer.loss_, rel=1e-10)


def test_lbfgs_on_csc_and_coo_x_equals_csr():
    X = sp.random(120, 300, density=0.05, format="csr", random_state=1, dtype=np.float64)
    y = np.random.RandomState(1).randint(0, 2, 120)
    params = dict(solver="lbfgs", random_state=0, max_iter=10, hidden_layer_sizes=(4,))
    ours = MLPClassifier(**params).fit(X, y)
    for other in (X.tocsc(), X.tocoo()):
        assert _largest_difference(ours, MLPClassifier(**params).fit(other, y)) == 0


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_pickled_estimator_holds_the_weights_and_optimizer_state_once_and_trains_on_bitwise(solver):
    X, y = _digits()
    ours = MLPClassifier(solver=solver, max_iter=5, random_state=0).fit(X, y)
    weights = sum(a.nbytes for a in ours.coefs_ + ours.intercepts_)
    data = pickle.dumps(ours)
    # the weights, Adam's two moments (SGD's momentum) and small things: 3.08x ('adam'), 2.08x ('sgd');
    # before, 7.1x for both (flat vectors, gradients and the optimizer's scratch arrays pickled too)
    assert len(data) < {"adam": 3.5, "sgd": 2.5}[solver] * weights
    loaded, twin = pickle.loads(data), copy.deepcopy(ours)
    assert np.array_equal(loaded.predict_proba(X), ours.predict_proba(X))
    for est in (ours, loaded, twin):
        est.partial_fit(X, y)
    for est in (loaded, twin):
        assert all(np.array_equal(a, b) for a, b in zip(est.coefs_ + est.intercepts_, ours.coefs_ + ours.intercepts_))
        assert est.loss_curve_ == ours.loss_curve_ and est.t_ == ours.t_
    for est in (ours, loaded):
        est.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.coefs_ + loaded.intercepts_, ours.coefs_ + ours.intercepts_))


def test_pickled_estimator_with_an_attribute_pickle_cannot_take_keeps_the_plain_state():
    cloudpickle = pytest.importorskip("cloudpickle")
    X, y = load_iris(return_X_y=True)
    ours = MLPClassifier(max_iter=3, random_state=0).fit(X, y)
    ours.note_ = lambda: "kept"  # (standard pickle refuses it; cloudpickle, as Dask and loky use, takes it)
    loaded = pickle.loads(cloudpickle.dumps(ours))
    assert loaded.note_() == "kept"
    assert np.array_equal(loaded.predict_proba(X), ours.predict_proba(X))
    loaded.partial_fit(X, y)


@pytest.mark.parametrize("labels", ["-1/1", "0/2"])
def test_multilabel_y_of_other_values_is_refused_naming_the_indicator_reading(labels):
    X, Y = make_multilabel_classification(100, 6, n_classes=3, random_state=0)
    bad = np.where(Y, 1, -1) if labels == "-1/1" else 2 * Y
    message = r"2-D, which MLPClassifier reads as a multilabel indicator matrix of 0s and 1s.*\(y > 0\)\.astype\(int\)"
    with pytest.raises(ValueError, match=message):
        MLPClassifier(max_iter=2).fit(X, bad)
    est = MLPClassifier(max_iter=2, random_state=0).partial_fit(X, Y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=message):
        est.partial_fit(X, bad)
    fixed = MLPClassifier(max_iter=2, random_state=0).fit(X, (bad > 0).astype(int))
    assert _largest_difference(fixed, MLPClassifier(max_iter=2, random_state=0).fit(X, Y)) == 0


# -- docs/sklearn.md's claims ------------------------------------------------------------------
def test_shuffled_fit_with_one_batch_per_epoch_equals_scikit_learns():
    X, y = load_iris(return_X_y=True)  # 150 rows <= batch_size 'auto' (200): one batch per epoch
    ours = MLPClassifier(random_state=0, max_iter=30).fit(X, y)
    peer = sk_nn.MLPClassifier(random_state=0, max_iter=30).fit(X, y)
    assert _largest_difference(ours, peer) < 1e-13
    assert np.allclose(ours.loss_curve_, peer.loss_curve_, rtol=1e-13, atol=0)


def test_partial_fit_recipe_reproduces_scikit_learns_shuffled_mini_batches():
    X, y = _digits(500)  # 3 batches of (200, 200, 100) per epoch
    params = dict(hidden_layer_sizes=(20,), learning_rate_init=0.01)
    epochs = 8
    peer = sk_nn.MLPClassifier(random_state=0, max_iter=epochs, n_iter_no_change=10**9, **params).fit(X, y)

    # the recipe in docs/sklearn.md
    classes = np.unique(y)
    rs = np.random.RandomState(0)
    MLPClassifier(random_state=rs, shuffle=False, **params).partial_fit(X[:1], y[:1], classes=classes)
    ours = MLPClassifier(random_state=np.random.RandomState(0), shuffle=False, **params)
    order = np.arange(len(X))
    for _ in range(epochs):
        order = sk_shuffle(order, random_state=rs)
        ours.partial_fit(X[order], y[order], classes=classes)

    assert peer.n_iter_ == epochs and ours.t_ == peer.t_
    assert _largest_difference(ours, peer) < 1e-13  # measured 2.2e-16
    assert np.allclose(ours.loss_curve_, peer.loss_curve_, rtol=1e-13, atol=0)


def test_random_state_object_shared_by_two_fits():
    X, y = load_iris(return_X_y=True)
    for shuffle, second_equal in ((False, True), (True, False)):
        ours_rs, peer_rs = np.random.RandomState(0), np.random.RandomState(0)
        for fit_number in (1, 2):
            ours = MLPClassifier(random_state=ours_rs, shuffle=shuffle, max_iter=3).fit(X, y)
            peer = sk_nn.MLPClassifier(random_state=peer_rs, shuffle=shuffle, max_iter=3).fit(X, y)
            equal = _largest_difference(ours, peer) < 1e-13
            assert equal == (fit_number == 1 or second_equal), (shuffle, fit_number)


@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
def test_schedules_act_with_sgd_only_as_in_scikit_learn(schedule):
    X, y = _digits(300)
    params = dict(solver="adam", learning_rate=schedule, shuffle=False, max_iter=30, random_state=0,
                  hidden_layer_sizes=(10,), learning_rate_init=0.01, tol=0.1, n_iter_no_change=2)
    ours, peer = MLPClassifier(**params).fit(X, y), sk_nn.MLPClassifier(**params).fit(X, y)
    constant = MLPClassifier(**{**params, "learning_rate": "constant"}).fit(X, y)
    assert ours.n_iter_ == peer.n_iter_ == constant.n_iter_ == 6  # ('sgd' with 'adaptive': 22 epochs)
    assert _largest_difference(ours, peer) < 1e-13
    assert _largest_difference(ours, constant) == 0

