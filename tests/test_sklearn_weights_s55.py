"""glassnet.sklearn with negative sample weights, as scikit-learn's MLP takes them.

scikit-learn 1.9's ``MLPClassifier``/``MLPRegressor`` check ``sample_weight`` with
``_check_sample_weight(sample_weight, X)``, without ``ensure_non_negative``: negative weights
train silently, every loss is ``np.average(..., weights=w)`` (``Σ w_i L_i / Σ w_i``, the sum as
it is, negative too) and the gradients and the penalty ``α/(2 Σ w_i) ‖W‖²`` divide by the same
``Σ w_i``. Weights that are all 0 are refused ("at least one non-zero number"); a set or batch whose
weights sum to exactly 0 raises ``ZeroDivisionError`` ("Weights sum to zero"), for which glassnet
raises a ValueError naming it. scikit-learn's estimators (float64, same random_state) are the reference.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402
from test_sklearn import early_stopping_rows  # noqa: E402 (the rows MLPRegressor(random_state=4) holds out)

from glassnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

N = 230  # batch sizes 40 and 50 leave a short last batch


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small matrices on shared cores (as tests/test_sklearn.py)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


def _data():
    Xc, yc = make_classification(n_samples=N, n_features=6, n_informative=4, n_classes=3, random_state=0)
    Xb, yb = make_classification(n_samples=N, n_features=6, random_state=1)
    Xm, Ym = make_multilabel_classification(n_samples=N, n_features=6, n_classes=3, random_state=0)
    Xr, Yr = make_regression(n_samples=N, n_features=6, n_targets=2, random_state=0)
    counts = np.random.default_rng(1).poisson(np.exp(0.3 * Xr[:, :2] @ [1.0, -0.5]))[:, None] * [1.0, 2.0]
    return {"multiclass": (Xc, yc), "binary": (Xb, yb), "multilabel": (Xm, Ym), "regression": (Xr, Yr[:, 0] / 100),
            "regression2": (Xr, Yr / 100), "counts2": (Xr, counts)}


DATA = _data()
#: a fifth of the weights negative, positive sum
SIGNED = np.random.default_rng(5).uniform(-0.6, 2.0, N)
#: integers in ±[1, 3] whose sum over the set is exactly 0, while no batch of 40 sums to 0 (80, 88, 58, -79, ...)
_HALF = np.random.default_rng(2).integers(1, 4, N // 2).astype(float)
ZERO_SUM = np.r_[_HALF, -_HALF[::-1]]

# (data set, hyperparameters, weights); shuffle=False: glassnet draws its own shuffles
CASES = [
    ("multiclass", dict(solver="sgd", batch_size=40, alpha=0.01, learning_rate_init=0.01), SIGNED),
    ("multiclass", dict(solver="sgd", batch_size=40, nesterovs_momentum=False, learning_rate="invscaling",
                        learning_rate_init=0.1), SIGNED),
    ("multiclass", dict(solver="adam", batch_size=300, alpha=0.1), SIGNED),  # one full batch
    ("binary", dict(solver="adam", batch_size=64, alpha=0.1, activation="logistic"), SIGNED),
    ("multilabel", dict(solver="adam", batch_size=50, alpha=0.01), SIGNED),
    ("regression", dict(solver="sgd", batch_size=50, learning_rate_init=0.01), SIGNED),
    ("regression2", dict(solver="adam", batch_size=50, alpha=0.05), SIGNED),
    ("counts2", dict(loss="poisson", solver="adam", batch_size=40, alpha=0.05, learning_rate_init=0.01), SIGNED),
    ("multiclass", dict(solver="adam", batch_size=40, early_stopping=True), SIGNED),
    ("regression", dict(solver="sgd", batch_size=40, early_stopping=True, learning_rate_init=0.01), SIGNED),
    # every weight -1: the loss is the plain mean, but the penalty's factor α/(2 Σ_b w_i) is negative
    ("multiclass", dict(solver="sgd", batch_size=40, alpha=0.01, learning_rate_init=0.01), -np.ones(N)),
    ("regression", dict(solver="adam", batch_size=50, alpha=0.1), -2.5),  # a number, as scikit-learn's
    # Σ w_i = 0 over the set: each mini-batch divides by its own nonzero sum
    ("multiclass", dict(solver="sgd", batch_size=40, alpha=0.01, learning_rate_init=0.001), ZERO_SUM),
    ("multiclass", dict(solver="lbfgs", alpha=0.01), SIGNED),
    ("regression", dict(solver="lbfgs", alpha=0.01), -np.linspace(0.5, 2.0, N)),  # a negative Σ w_i
]


def _pair(name, **params):
    regression = name.startswith(("regression", "counts"))
    return ((sk_nn.MLPRegressor if regression else sk_nn.MLPClassifier)(**params),
            (MLPRegressor if regression else MLPClassifier)(**params))


@pytest.mark.parametrize("name, params, sw", CASES)
def test_negative_sample_weights_train_as_scikit_learns(name, params, sw):
    """Same start, same objective Σ w_i L_i / Σ w_i + α/(2 Σ w_i) ‖W‖² on each batch: scikit-learn's
    weights, loss curve and early-stopping scores to rounding error."""
    X, y = DATA[name]
    params = dict(params, random_state=3, shuffle=False, hidden_layer_sizes=(10,),
                  max_iter=20 if params["solver"] == "lbfgs" else 10)
    peer, ours = _pair(name, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # batch_size=300 clipped, by both
        peer.fit(X, y, sample_weight=sw)
        ours.fit(X, y, sample_weight=sw)
    assert ours.n_iter_ == peer.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, peer.coefs_ + peer.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    if params["solver"] == "lbfgs":
        assert ours.loss_ == pytest.approx(peer.loss_, rel=1e-10)
    else:
        np.testing.assert_allclose(ours.loss_curve_, peer.loss_curve_, rtol=1e-12)
    if params.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, peer.validation_scores_, rtol=1e-12)
    np.testing.assert_allclose(ours.predict(X), peer.predict(X), rtol=1e-10, atol=1e-12)


def test_lbfgs_loss_divides_by_the_signed_weight_sum():
    """loss_ of an 'lbfgs' fit is Σ w_i L_i / Σ w_i + α/(2 Σ w_i) ‖W‖² at the fitted weights, by
    scikit-learn's log_loss (which takes signed weights) and the penalty worked by hand: Σ w_i, not n."""
    X, y = DATA["multiclass"]
    clf = MLPClassifier(solver="lbfgs", alpha=0.5, hidden_layer_sizes=(5,), max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=SIGNED)
    P = clf.predict_proba(X)
    expected = log_loss(y, P, sample_weight=SIGNED) + 0.25 * sum((W**2).sum() for W in clf.coefs_) / SIGNED.sum()
    assert clf.loss_ == pytest.approx(expected, rel=1e-9)
    assert expected != pytest.approx(log_loss(y, P, sample_weight=SIGNED)
                                     + 0.25 * sum((W**2).sum() for W in clf.coefs_) / N, rel=1e-3)


@pytest.mark.parametrize("name", ["multiclass", "regression2"])
def test_partial_fit_takes_negative_weights_as_scikit_learns(name):
    X, y = DATA[name]
    params = dict(solver="sgd", batch_size=40, alpha=0.01, learning_rate_init=0.01, random_state=3, shuffle=False,
                  hidden_layer_sizes=(10,))
    peer, ours = _pair(name, **params)
    for part in (slice(0, 100), slice(100, N)):
        kwargs = {"classes": [0, 1, 2]} if name == "multiclass" and part.start == 0 else {}
        peer.partial_fit(X[part], y[part], sample_weight=SIGNED[part], **kwargs)
        ours.partial_fit(X[part], y[part], sample_weight=SIGNED[part], **kwargs)
    for a, b in zip(ours.coefs_ + ours.intercepts_, peer.coefs_ + peer.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_, peer.loss_curve_, rtol=1e-12)


def test_trace_shows_scikit_learns_step_with_negative_weights():
    """A traced batch whose Σ w_i is negative: the loss, the (negative) penalty and the update are
    those of scikit-learn's partial_fit on it."""
    X, y = DATA["multiclass"]
    params = dict(solver="sgd", momentum=0.0, alpha=0.05, random_state=3, shuffle=False, max_iter=3,
                  hidden_layer_sizes=(4,), batch_size=7, learning_rate_init=0.05)
    peer, ours = _pair("multiclass", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        peer.fit(X, y)
        ours.fit(X, y)
    Xb, yb, sw = X[:7], y[:7], np.array([1.0, -2.0, 0.5, -1.0, 0.0, -0.25, 0.5])  # Σ w_i = -1.25
    trace = ours.trace(Xb, yb, sample_weight=sw)
    before = [a.copy() for a in peer.coefs_ + peer.intercepts_]
    peer.partial_fit(Xb, yb, sample_weight=sw)
    assert trace.loss == pytest.approx(peer.loss_, rel=1e-9)
    assert trace.penalty == pytest.approx(0.5 * 0.05 * sum((W**2).sum() for W in before[:2]) / -1.25, rel=1e-9)
    steps = [trace.layers[i].updates[k] for k in ("W", "b") for i in range(2)]
    for step, b, a in zip(steps, before, peer.coefs_ + peer.intercepts_, strict=True):
        np.testing.assert_allclose(step, a - b, rtol=1e-7, atol=1e-12)


# -- what both refuse ------------------------------------------------------------------------------
@pytest.mark.parametrize("Est, Peer", [(MLPClassifier, sk_nn.MLPClassifier), (MLPRegressor, sk_nn.MLPRegressor)])
def test_all_zero_weights_are_refused_as_scikit_learn_refuses_them(Est, Peer):
    X, y = DATA["multiclass"]
    with pytest.raises(ValueError, match="at least one non-zero number"):
        Peer().fit(X, y, sample_weight=np.zeros(N))
    with pytest.raises(ValueError, match="sample_weight must hold at least one nonzero weight"):
        Est().fit(X, y, sample_weight=np.zeros(N))


def test_weights_summing_to_zero_on_lbfgs_set_are_refused_before_the_network_changes():
    """scikit-learn's L-BFGS divides by Σ w_i = 0 (ZeroDivisionError); glassnet names it, and a
    warm-started estimator keeps its fitted network."""
    X, y = DATA["multiclass"]
    with pytest.raises(ZeroDivisionError):
        sk_nn.MLPClassifier(solver="lbfgs", max_iter=5).fit(X, y, sample_weight=ZERO_SUM)
    clf = MLPClassifier(solver="lbfgs", max_iter=5, hidden_layer_sizes=(4,), random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    fitted = [W.copy() for W in clf.coefs_]
    with pytest.raises(ValueError, match=r"sample_weight sums to zero on the training set \(L-BFGS's one batch\)"):
        clf.fit(X, y, sample_weight=ZERO_SUM)
    for a, b in zip(clf.coefs_, fitted, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_mini_batch_of_signed_weights_summing_to_zero_is_named():
    """Weights ±1 whose first batch of 10 sums to 0: scikit-learn's ZeroDivisionError, glassnet's ValueError."""
    X, y = DATA["regression"]
    sw = np.where(np.arange(N) % 2, -1.0, 1.0)
    sw[10:] = 1.0
    with pytest.raises(ZeroDivisionError):
        sk_nn.MLPRegressor(batch_size=10, shuffle=False, max_iter=2).fit(X, y, sample_weight=sw)
    with pytest.raises(ValueError, match="sample_weight sums to zero on a mini-batch of 10 samples"):
        MLPRegressor(batch_size=10, shuffle=False, max_iter=2).fit(X, y, sample_weight=sw)


def test_an_early_stopping_set_whose_weights_sum_to_zero_is_named_before_training():
    """scikit-learn scores the held-out set with weights summing to 0 after the first epoch
    (ZeroDivisionError in r2_score); glassnet names it before an epoch runs."""
    X, y = DATA["regression"]
    held_out = early_stopping_rows(N)
    sw = np.ones(N)
    sw[held_out[0]] = -(len(held_out) - 1.0)  # the held-out weights sum to 0, the training ones do not
    params = dict(hidden_layer_sizes=(3,), max_iter=2, early_stopping=True, random_state=4)
    with pytest.raises(ZeroDivisionError):
        sk_nn.MLPRegressor(**params).fit(X, y, sample_weight=sw)
    reg = MLPRegressor(**params)
    with pytest.raises(ValueError, match="sample_weight sums to zero on the early-stopping validation set"):
        reg.fit(X, y, sample_weight=sw)
    assert not hasattr(reg, "loss_")  # refused before an epoch ran


def test_trace_refuses_a_batch_whose_weights_sum_to_zero():
    X, y = DATA["regression"]
    reg = MLPRegressor(hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    with pytest.raises(ValueError, match="sample_weight sums to zero on the traced batch of 4 samples"):
        reg.trace(X[:4], y[:4], sample_weight=[1.0, -1.0, 2.0, -2.0])
