"""Property test: glassnet.sklearn's MLPClassifier/MLPRegressor train as scikit-learn's own, in float64.

A user who swaps ``from sklearn.neural_network import MLPClassifier`` for glassnet's expects the same
training where the options are the same. One drawn case (targets, hidden layers, activation, solver,
its settings, schedule, batch size, penalty, stopping rule, early stopping, sample weights) is fitted by
both from the same ``random_state`` (so the same initial weights) with ``shuffle=False``; the weights,
``loss_curve_``, ``n_iter_``, ``t_``, ``best_loss_``, the validation scores, the warnings, the
predictions, or the error raised, must agree. ``partial_fit`` sequences and ``warm_start`` refits too.
CI draws a fixed, derandomized set; ``GLASSNET_SKLEARN_EXAMPLES=2000`` draws more, at random, to hunt.
"""

import functools
import os
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning  # noqa: E402

from glassnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

HUNT = "GLASSNET_SKLEARN_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("GLASSNET_SKLEARN_EXAMPLES", 150))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=not HUNT, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: the warnings both libraries raise, compared by class (glassnet's text is tested in test_sklearn.py)
COMPARED_WARNINGS = (ConvergenceWarning, DataConversionWarning)

TARGETS = ["one_class", "binary", "multiclass", "multilabel", "strings", "spaced_ints", "column",
           "regression", "regression2", "regression_column", "regression_counts"]


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Tiny matrices: a multi-threaded BLAS would only wait for busy cores."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


# -- the drawn case ---------------------------------------------------------------------------------
@st.composite
def datasets(draw, kinds=TARGETS, n_min=4):
    """``(X, y, kind)``: float64 X of 1-4 features and targets of one kind (classes may be missing)."""
    kind = draw(st.sampled_from(kinds))
    n = draw(st.integers(n_min, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(n, draw(st.integers(1, 5)))) * draw(st.sampled_from([0.5, 1.0, 3.0, 30.0]))
    k = draw(st.integers(2, 4))
    if kind == "one_class":
        y = np.full(n, draw(st.sampled_from([0, 1, 5])))
    elif kind == "binary":
        y = rng.integers(0, 2, n)
    elif kind == "multiclass":
        y = rng.integers(0, k + 1, n)
    elif kind == "multilabel":
        y = rng.integers(0, 2, (n, k))
    elif kind == "strings":
        y = np.array(["cat", "dog", "emu", "fox"])[:k][rng.integers(0, k, n)]
    elif kind == "spaced_ints":
        y = np.array([-7, 3, 10, 100])[:k][rng.integers(0, k, n)]
    elif kind == "column":  # (n, 1) labels: both warn DataConversionWarning and ravel them
        y = rng.integers(0, k, (n, 1))
    elif kind == "regression":
        y = X @ rng.normal(size=X.shape[1]) + 0.1 * rng.normal(size=n)
    elif kind == "regression2":
        y = X @ rng.normal(size=(X.shape[1], k)) + 0.1 * rng.normal(size=(n, k))
    elif kind == "regression_column":
        y = (X @ rng.normal(size=X.shape[1]))[:, None]
    else:  # "regression_counts", for loss='poisson'
        y = rng.poisson(np.exp(0.3 * X[:, :1]), (n, draw(st.integers(1, 2)))).astype(float)
        y = y[:, 0] if y.shape[1] == 1 else y
    return X, y, kind


@st.composite
def hyperparameters(draw, solvers=("sgd", "adam", "lbfgs"), early_stopping=True):
    """scikit-learn's parameters for one fit, ``shuffle=False`` (glassnet draws its own permutations)."""
    solver = draw(st.sampled_from(solvers))
    params = dict(
        solver=solver, shuffle=False, random_state=draw(st.integers(0, 2**31 - 1)),
        hidden_layer_sizes=tuple(draw(st.lists(st.integers(1, 8), max_size=3))),
        activation=draw(st.sampled_from(["identity", "logistic", "tanh", "relu"])),
        alpha=draw(st.sampled_from([0.0, 1e-4, 0.1, 2.0])),
        max_iter=draw(st.integers(1, 10)),
        tol=draw(st.sampled_from([0.0, 1e-4, 1e-2, 0.3])),
    )
    if solver == "lbfgs":
        params["max_fun"] = draw(st.sampled_from([3, 15000]))
        return params
    params.update(
        batch_size=draw(st.one_of(st.just("auto"), st.integers(1, 45))),
        learning_rate_init=draw(st.sampled_from([1e-3, 0.01, 0.1, 0.3, 2.0])),
        n_iter_no_change=draw(st.integers(1, 4)),
    )
    if solver == "sgd":
        params.update(
            momentum=draw(st.sampled_from([0.0, 0.5, 0.9])), nesterovs_momentum=draw(st.booleans()),
            learning_rate=draw(st.sampled_from(["constant", "invscaling", "adaptive"])),
            power_t=draw(st.sampled_from([0.25, 0.5, 1.0])),
        )
    else:
        params.update(beta_1=draw(st.sampled_from([0.0, 0.5, 0.9])), beta_2=draw(st.sampled_from([0.9, 0.999])),
                      epsilon=draw(st.sampled_from([1e-8, 1e-3])))
    if early_stopping and draw(st.booleans()):
        params.update(early_stopping=True, validation_fraction=draw(st.sampled_from([0.1, 0.25, 0.5])))
    return params


def _classes(kind):
    """scikit-learn's estimator class and glassnet's for targets of ``kind``."""
    if kind == "regression_counts":
        return functools.partial(sk_nn.MLPRegressor, loss="poisson"), functools.partial(MLPRegressor, loss="poisson")
    if kind.startswith("regression"):
        return sk_nn.MLPRegressor, MLPRegressor
    return sk_nn.MLPClassifier, MLPClassifier


def _call(est, method, *args, **kwargs):
    """``(error or None, sorted compared warning classes)`` of ``getattr(est, method)(...)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            getattr(est, method)(*args, **kwargs)
            error = None
        except Exception as exc:  # noqa: BLE001 - compared with the peer's below
            error = exc
    names = sorted({w.category.__name__ for w in caught if issubclass(w.category, COMPARED_WARNINGS)})
    return error, names


def _same_outcome(peer_outcome, our_outcome):
    """Both succeeded with the same warnings, or both raised a ValueError; True if both succeeded."""
    (peer_error, peer_warnings), (our_error, our_warnings) = peer_outcome, our_outcome
    if isinstance(peer_error, ZeroDivisionError):  # on purpose (docs/sklearn.md): a mini-batch of zero weight
        assert isinstance(our_error, ValueError) and "sample_weight" in str(our_error), repr(our_error)
        return False
    if peer_error is not None:
        assert isinstance(peer_error, ValueError), repr(peer_error)
        assert isinstance(our_error, ValueError), f"scikit-learn raised {peer_error!r}, glassnet {our_error!r}"
        return False
    assert our_error is None, f"glassnet raised {our_error!r}, scikit-learn did not"
    assert our_warnings == peer_warnings
    return True


def _poisson_nan(peer, ours):
    """On purpose (docs/sklearn.md): where ŷ = e^z underflows to 0 for a count y = 0, scikit-learn's
    Poisson loss is NaN (``xlogy(0, 0/0)``), glassnet's the limit 0 (its L-BFGS goes on, scikit-learn's stops)."""
    def losses(est):
        return est.loss_curve_ if est.solver != "lbfgs" else [est.loss_]
    return peer.loss == "poisson" and np.isnan(losses(peer)).any() and not np.isnan(losses(ours)).any()


def _diverged(peer):
    """Whether scikit-learn's training went on past an epoch of non-finite loss."""
    return peer.solver != "lbfgs" and not np.isfinite(peer.loss_curve_).all()


def _train_both(peer, ours, method, *args, rtol=1e-10, **kwargs):
    """``method`` of both; True where both trained alike and their states are to be compared.

    On purpose (docs/sklearn.md), glassnet stops at the first mini-batch of non-finite loss, where
    scikit-learn trains on to ``max_iter`` and raises only if a weight ends non-finite: without early
    stopping glassnet raises its ValueError there; with it, both return the best validated weights
    (the initial ones if no score was finite), glassnet after fewer epochs."""
    peer_outcome, our_outcome = _call(peer, method, *args, **kwargs), _call(ours, method, *args, **kwargs)
    if peer_outcome[0] is None and our_outcome[0] is None and _poisson_nan(peer, ours):
        return False
    if isinstance(peer_outcome[0], ValueError) and our_outcome[0] is None and _diverged(peer) and peer.early_stopping:
        # scikit-learn's classifier scored the labels of NaN weights (decoded from NaN outputs) as its best
        # and restored them; glassnet had stopped before them, at the divergence, with finite weights
        assert "non-finite" in str(peer_outcome[0]) and "ConvergenceWarning" in our_outcome[1]
        assert all(np.isfinite(W).all() for W in ours.coefs_ + ours.intercepts_)
        return False
    if peer_outcome[0] is None and our_outcome[0] is None and peer.solver == "lbfgs" and ours.n_iter_ != peer.n_iter_:
        return True  # (max_iter's ConvergenceWarning follows n_iter_: _lbfgs_parted)
    if peer_outcome[0] is not None or not _diverged(peer):
        return _same_outcome(peer_outcome, our_outcome)
    our_error = our_outcome[0]
    if our_error is not None or not peer.early_stopping:
        assert isinstance(our_error, ValueError) and "non-finite" in str(our_error), repr(our_error)
        return False
    n = ours.n_iter_
    assert n <= peer.n_iter_ and not np.isfinite(peer.loss_curve_[n:]).all()
    _close(ours.loss_curve_, peer.loss_curve_[:n], "loss_curve_", rtol)
    _close(ours.validation_scores_, peer.validation_scores_[:n], "validation_scores_", 100 * rtol)
    _close(ours.best_validation_score_, peer.best_validation_score_, "best_validation_score_", 100 * rtol)
    _same_weights(ours, peer, rtol)
    return False


def _close(ours, theirs, what, rtol):
    """Equal to ``rtol`` of the array's largest value: over many steps (batch_size=1, momentum 0.9)
    rounding differences of 1e-16 grow to ~1e-10 of the weights' scale in both directions, which
    a weight near 0 would read as a large relative error."""
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    finite = theirs[np.isfinite(theirs)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * max(scale, 1e-2), err_msg=what)


def _same_weights(ours, peer, rtol):
    """``coefs_`` and ``intercepts_`` equal to ``rtol`` of the network's largest weight: rounding
    differences grow alike in every weight, and a weight near 0 would read them as a large relative error."""
    arrays = list(zip(ours.coefs_ + ours.intercepts_, peer.coefs_ + peer.intercepts_, strict=True))
    scale = max(float(np.abs(b[np.isfinite(b)]).max(initial=0.0)) for _, b in arrays)
    for i, (a, b) in enumerate(arrays):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(scale, 1e-2), err_msg=f"parameter array {i}")


def _same_state(ours, peer, X, y, rtol=1e-10):
    """Every fitted attribute scikit-learn has, and the predictions, equal to ``rtol``."""
    with warnings.catch_warnings():  # a large step can leave weights near 1e200: both warn of overflow
        warnings.simplefilter("ignore", RuntimeWarning)
        _compare(ours, peer, X, y, rtol)


def _lbfgs_parted(ours, peer, rtol):
    """Whether the two L-BFGS runs took another branch from rounding: where the loss stops falling its
    stopping test (relative reduction <= factr·eps) reads rounding (one iteration more or less), and
    its line search can accept another step (the hunt: 2 of ~1300 L-BFGS draws, weights 1e-3 apart
    with the data rounded to 8 digits agreeing to 1e-16). Then the losses must still agree to 1e-3."""
    if ours.n_iter_ == peer.n_iter_:
        try:
            _same_weights(ours, peer, rtol)
            return False
        except AssertionError:
            pass
    assert abs(ours.n_iter_ - peer.n_iter_) <= 1
    _close(ours.loss_, peer.loss_, "loss_", 1e-3)
    return True


def _compare(ours, peer, X, y, rtol):
    if peer.solver == "lbfgs" and _lbfgs_parted(ours, peer, rtol):
        return
    assert ours.n_iter_ == peer.n_iter_
    assert ours.n_outputs_ == peer.n_outputs_ and ours.n_layers_ == peer.n_layers_
    assert ours.out_activation_ == peer.out_activation_
    assert ours.n_features_in_ == peer.n_features_in_
    _same_weights(ours, peer, rtol)
    loss_rtol = rtol if rtol <= 1e-9 else 100 * rtol  # (large steps: a loss reads the outputs' rounding)
    _close(ours.loss_, peer.loss_, "loss_", loss_rtol)
    if peer.solver != "lbfgs":
        assert ours.t_ == peer.t_
        _close(ours.loss_curve_, peer.loss_curve_, "loss_curve_", loss_rtol)
        if peer.best_loss_ is None:
            assert ours.best_loss_ is None
        else:
            _close(ours.best_loss_, peer.best_loss_, "best_loss_", loss_rtol)
        if peer.validation_scores_ is None:
            assert ours.validation_scores_ is None
        else:
            # scores of the outputs, which take 100 rtol: through saturated units and inputs up to 100,
            # the weights' 1e-10 of rounding (in both libraries' sums) reach ~1e-9 of an output
            _close(ours.validation_scores_, peer.validation_scores_, "validation_scores_", 100 * rtol)
            _close(ours.best_validation_score_, peer.best_validation_score_, "best_validation_score_", 100 * rtol)
    rtol = 100 * rtol  # the outputs
    if hasattr(peer, "classes_"):
        np.testing.assert_array_equal(ours.classes_, peer.classes_)
        assert ours.classes_.dtype == peer.classes_.dtype
        P, Q = ours.predict_proba(X), peer.predict_proba(X)
        assert P.shape == Q.shape
        _close(P, Q, "predict_proba", rtol)
    ŷ, ŷ_peer = ours.predict(X), peer.predict(X)
    assert ŷ.shape == ŷ_peer.shape and ŷ.dtype == ŷ_peer.dtype
    if hasattr(peer, "classes_"):  # labels: equal where the peer's probabilities are not at a tie
        P = peer.predict_proba(X)
        decided = np.abs(P - 0.5).min(axis=1) > 1e-8 if P.shape[1] == 2 or ŷ.ndim == 2 else \
            np.sort(P, axis=1)[:, -1] - np.sort(P, axis=1)[:, -2] > 1e-8
        np.testing.assert_array_equal(ŷ[decided], ŷ_peer[decided])
    else:
        _close(ŷ, ŷ_peer, "predict", rtol)
        if np.isfinite(ŷ_peer).all():  # (r2_score refuses an infinite prediction)
            _close(ours.score(X, y), peer.score(X, y), "score", rtol)


def _tolerance(params):
    """1e-9 of the weights' scale (most draws agree to 1e-14; ten epochs of batch_size 1 reach 1e-10), but
    rounding differences grow where steps are large: L-BFGS's line search (1e-7 over its few iterations
    here, else :func:`_lbfgs_parted`), and learning_rate_init >= 0.3 (1e-4): with Adam's beta_1=0 (nearly
    sign steps) at batch_size 2 on inputs of scale 30, the same formulas summed in another order part from
    1e-16 after one epoch to 4e-12 after 3 and 4e-7 after 10 (at learning_rate_init=0.001, 2e-16 after 10).
    A formula that differs shows at the small rates, which the draws reach as often."""
    if params["solver"] == "lbfgs":
        return 1e-7
    return 1e-4 if params["learning_rate_init"] >= 0.3 else 1e-9


# -- fit -----------------------------------------------------------------------------------------
@PROPERTY
@given(data=datasets(), params=hyperparameters(), weighted=st.booleans(), seed=st.integers(0, 2**32 - 1),
       zeros=st.sampled_from([0.0, 0.0, 0.3]))
def test_fit_equals_scikit_learns_fit(data, params, weighted, seed, zeros):
    X, y, kind = data
    rng = np.random.default_rng(seed)
    sw = np.where(rng.random(len(X)) < zeros, 0.0, rng.uniform(0.2, 3.0, len(X))) if weighted else None
    Peer, Ours = _classes(kind)
    peer, ours = Peer(**params), Ours(**params)
    if _train_both(peer, ours, "fit", X, y, sample_weight=sw, rtol=_tolerance(params)):
        _same_state(ours, peer, X, y, _tolerance(params))


# -- warm_start ------------------------------------------------------------------------------------
@PROPERTY
@given(data=datasets(), params=hyperparameters(), then=hyperparameters(), weighted=st.booleans())
def test_warm_start_refit_equals_scikit_learns(data, params, then, weighted):
    """A second fit with ``warm_start=True`` and new solver settings (the network's shape and
    activation kept) continues from the first fit's weights, ``t_`` and stopping counters."""
    X, y, kind = data
    sw = np.linspace(0.5, 2.0, len(X)) if weighted else None
    Peer, Ours = _classes(kind)
    then = {key: value for key, value in then.items() if key not in ("hidden_layer_sizes", "activation")}
    peer, ours = Peer(**params, warm_start=True), Ours(**params, warm_start=True)
    if not _train_both(peer, ours, "fit", X, y, sample_weight=sw, rtol=_tolerance(params)):
        return
    if params["solver"] == "lbfgs" and then["solver"] != "lbfgs" or then.get("early_stopping") and not params.get(
            "early_stopping"):
        # scikit-learn's stochastic solvers read attributes that only a stochastic fit without early stopping
        # (resp. with it) makes: loss_curve_, best_loss_, validation_scores_ (AttributeError / TypeError there)
        return
    peer.set_params(**then)
    ours.set_params(**then)
    rtol = max(_tolerance(params), _tolerance(then))
    if _train_both(peer, ours, "fit", X, y, sample_weight=sw, rtol=rtol):
        _same_state(ours, peer, X, y, rtol)


# -- partial_fit -----------------------------------------------------------------------------------
@PROPERTY
@given(data=datasets(n_min=8), params=hyperparameters(solvers=("sgd", "adam"), early_stopping=False),
       cuts=st.lists(st.integers(1, 39), min_size=1, max_size=4), weighted=st.booleans())
def test_partial_fit_sequence_equals_scikit_learns(data, params, cuts, weighted):
    """``partial_fit`` on consecutive slices of the data (the first with ``classes=``, later ones
    missing classes), each one epoch, as scikit-learn's calls."""
    X, y, kind = data
    sw = np.linspace(0.5, 2.0, len(X)) if weighted else None
    Peer, Ours = _classes(kind)
    peer, ours = Peer(**params), Ours(**params)
    bounds = [0, *sorted({c for c in cuts if c < len(X)}), len(X)]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        part = slice(start, stop)
        kwargs = dict(sample_weight=None if sw is None else sw[part])
        if Peer is sk_nn.MLPClassifier and start == 0:
            kwargs["classes"] = np.unique(y) if kind != "multilabel" else None
        if not _train_both(peer, ours, "partial_fit", X[part], y[part], rtol=_tolerance(params), **kwargs):
            return
        assert ours.n_iter_ == peer.n_iter_ == 1
    _same_state(ours, peer, X, y, _tolerance(params))


# -- the estimator contract ------------------------------------------------------------------------
@settings(PROPERTY, max_examples=max(EXAMPLES // 4, 5))
@given(data=datasets(), params=hyperparameters())
def test_clone_pickle_and_params_keep_the_estimator(data, params):
    X, y, kind = data
    _, Ours = _classes(kind)
    ours = Ours(**params)
    assert clone(ours).get_params() == ours.get_params()
    error, _ = _call(ours, "fit", X, y)
    if error is not None:
        return
    copy = pickle.loads(pickle.dumps(ours))
    np.testing.assert_array_equal(copy.predict(X), ours.predict(X))
    for a, b in zip(copy.coefs_ + copy.intercepts_, ours.coefs_ + ours.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not hasattr(clone(ours), "coefs_")


# -- bad input: refused as scikit-learn refuses it, the parameter named ----------------------------
_X = np.random.default_rng(0).normal(size=(20, 3))
_y = np.arange(20) % 2

#: (case, estimator parameters, fit arguments or None for (_X, _y), what glassnet's message must name)
BAD_INPUT = [
    ("negative alpha", dict(alpha=-1.0), None, "alpha"),
    ("a hidden layer of 0 units", dict(hidden_layer_sizes=(3, 0)), None, "hidden_layer_sizes"),
    ("a negative layer size", dict(hidden_layer_sizes=-1), None, "hidden_layer_sizes"),
    ("a fractional layer size", dict(hidden_layer_sizes=(2.5,)), None, "hidden_layer_sizes"),
    ("unknown activation", dict(activation="foo"), None, "activation"),
    ("unknown solver", dict(solver="newton"), None, "solver"),
    ("unknown schedule", dict(learning_rate="foo"), None, "learning_rate"),
    ("zero learning rate", dict(learning_rate_init=0.0), None, "learning_rate_init"),
    ("momentum above 1", dict(momentum=1.5), None, "momentum"),
    ("batch of 0", dict(batch_size=0), None, "batch_size"),
    ("max_iter 0", dict(max_iter=0), None, "max_iter"),
    ("validation_fraction 1", dict(validation_fraction=1.0, early_stopping=True), None, "validation_fraction"),
    ("beta_1 of 1", dict(beta_1=1.0), None, "beta_1"),
    ("zero epsilon", dict(epsilon=0.0), None, "epsilon"),
    ("n_iter_no_change 0", dict(n_iter_no_change=0), None, "n_iter_no_change"),
    ("negative tol", dict(tol=-1.0), None, "tol"),
    ("negative power_t", dict(power_t=-1.0), None, "power_t"),
    ("max_fun 0", dict(solver="lbfgs", max_fun=0), None, "max_fun"),
    ("shuffle 'yes'", dict(shuffle="yes"), None, "shuffle"),
    ("NaN in X", {}, (np.where(np.eye(20, 3) > 0, np.nan, _X), _y), "NaN"),
    ("inf in X", {}, (np.where(np.eye(20, 3) > 0, np.inf, _X), _y), "infinity"),
    ("empty X", {}, (_X[:0], _y[:0]), "0 sample"),
    ("1-D X", {}, (_X[:, 0], _y), "2D array"),
    ("X and y of different lengths", {}, (_X, _y[:5]), "inconsistent numbers of samples"),
    ("continuous labels", {}, (_X, np.linspace(0, 1, 20)), "label type"),
    ("NaN label", {}, (_X, np.r_[np.nan, _y[1:]]), "NaN"),
    ("sample_weight of another length", {}, (_X, _y, np.ones(3)), "sample_weight"),
    ("NaN sample_weight", {}, (_X, _y, np.full(20, np.nan)), "sample_weight"),
    ("zero sample_weight", {}, (_X, _y, np.zeros(20)), "sample_weight"),
    ("validation set of one sample", dict(early_stopping=True), (_X[:4], _y[:4]), "test_size"),
]


@pytest.mark.parametrize("params, args, named", [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bad_input_is_refused_as_scikit_learn_refuses_it(params, args, named):
    """A ValueError (scikit-learn's InvalidParameterError for a parameter, which is also a TypeError)
    where scikit-learn's estimator raises one, its message naming the parameter or the input's fault."""
    args = (_X, _y) if args is None else args
    fit_args = dict(zip(("X", "y", "sample_weight"), args))
    # scikit-learn 1.7 refuses an all-zero sample_weight with a ZeroDivisionError ("Weights sum to zero, can't be
    # normalized"), later ones (1.9) with a ValueError: glassnet's is the ValueError on every version
    with pytest.raises((ValueError, TypeError, ZeroDivisionError)) as peer_error:
        sk_nn.MLPClassifier(max_iter=2, random_state=0, **params).fit(**fit_args)
    expected = ValueError if isinstance(peer_error.value, (ValueError, ZeroDivisionError)) else TypeError
    with pytest.raises(expected, match=named):
        MLPClassifier(max_iter=2, random_state=0, **params).fit(**fit_args)


@pytest.mark.parametrize("call, named", [
    (lambda est: est.predict(_X[:, :2]), "X has 2 features, but MLPClassifier is expecting 3"),
    (lambda est: est.predict_proba(np.where(np.eye(20, 3) > 0, np.nan, _X)), "NaN"),
    (lambda est: est.predict(_X[:0]), "0 sample"),
    (lambda est: est.partial_fit(_X, _y + 1), "classes not in"),
    (lambda est: est.set_params(warm_start=True).fit(_X, _y + 1), "warm_start"),
    (lambda est: est.set_params(warm_start=True).fit(_X[:, :2], _y), "X has 2 features"),
    (lambda est: est.set_params(early_stopping=True).partial_fit(_X, _y), "early_stopping"),
], ids=["features", "NaN", "empty", "new class", "warm_start new class", "warm_start features", "early_stopping"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_bad_input_after_fit_is_refused_as_scikit_learn_refuses_it(call, named):
    peer = sk_nn.MLPClassifier(max_iter=2, random_state=0).fit(_X, _y)
    ours = MLPClassifier(max_iter=2, random_state=0).fit(_X, _y)
    with pytest.raises(ValueError):
        call(peer)
    with pytest.raises(ValueError, match=named):
        call(ours)


# -- what the hunt found -------------------------------------------------------------------------------
_X_WIDE = np.array([3.77190663, -3.9631459, 19.21267951, 3.14700351, -16.07008119, 10.84785165, 39.12000135,
                    28.41242889, -21.11205707, -37.96264413, -18.69823388])[:, None]
_Y_WIDE = np.array([-0.07662534, -0.18566005, 0.6693917, 0.05682627, -0.71853774, 0.41666808, 1.65783542,
                    1.27842279, -0.8853299, -1.4321971, -0.83924229])


def test_early_stopping_without_a_finite_validation_score_keeps_the_initial_weights():
    """An early-stopping fit whose every validation score is NaN (outputs overflowed, weights near 1e180
    yet finite) returns scikit-learn's initial weights (its ``_best_coefs`` start as their copy);
    glassnet kept the last epoch's weights, whose every prediction was inf or NaN."""
    params = dict(solver="sgd", shuffle=False, random_state=1, hidden_layer_sizes=(1,), activation="identity",
                  max_iter=1, batch_size=2, learning_rate_init=0.1, momentum=0.0, early_stopping=True)
    peer, ours = sk_nn.MLPRegressor(**params), MLPRegressor(**params)
    assert _train_both(peer, ours, "fit", _X_WIDE, _Y_WIDE)
    assert np.isnan(peer.validation_scores_).all() and peer.best_validation_score_ == -np.inf
    _same_state(ours, peer, _X_WIDE, _Y_WIDE)
    assert np.isfinite(ours.predict(_X_WIDE)).all()


def test_early_stopping_that_diverges_before_a_finite_score_keeps_the_initial_weights():
    """The loss is NaN from the first mini-batch: scikit-learn trains on and returns its initial
    weights; glassnet stops there and returns them too (it raised "non-finite parameter weights")."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 3)) * 1e100, rng.normal(size=50)
    params = dict(solver="sgd", learning_rate_init=1.0, max_iter=5, random_state=0, early_stopping=True,
                  shuffle=False)
    peer, ours = sk_nn.MLPRegressor(**params), MLPRegressor(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert not _train_both(peer, ours, "fit", X, y)  # (compared: the weights, the scores before divergence)
        with pytest.warns(ConvergenceWarning, match="no validation score was finite, so the initial weights"):
            MLPRegressor(**params).fit(X, y)
    assert peer.n_iter_ == 5 and ours.n_iter_ == 1


def test_regressor_has_no_lbfgs_partial_fit_where_scikit_learns_has_one_by_mistake():
    """On purpose (docs/sklearn.md): scikit-learn 1.9's MLPRegressor passes its ``_check_solver``
    method uncalled to ``available_if``, so ``partial_fit`` exists for 'lbfgs' and runs a whole
    L-BFGS fit; glassnet's is absent as the classifier's (and as that check intends)."""
    assert hasattr(sk_nn.MLPRegressor(solver="lbfgs"), "partial_fit")
    assert not hasattr(sk_nn.MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")


def test_diverging_training_raises_where_scikit_learn_returns_huge_weights():
    """On purpose (docs/sklearn.md): glassnet stops at the first mini-batch of infinite loss and raises;
    scikit-learn trains on and returns finite weights near 1e262 with ``loss_ = inf``."""
    params = dict(solver="sgd", shuffle=False, random_state=1, hidden_layer_sizes=(1,), activation="identity",
                  max_iter=1, batch_size=1, learning_rate_init=0.01, momentum=0.0)
    peer = sk_nn.MLPRegressor(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer.fit(_X_WIDE, _Y_WIDE)
    assert peer.loss_ == np.inf and all(np.isfinite(W).all() for W in peer.coefs_)
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        MLPRegressor(**params).fit(_X_WIDE, _Y_WIDE)


def test_poisson_loss_of_a_zero_count_is_zero_where_the_prediction_underflows():
    """On purpose (docs/sklearn.md): ŷ = e^z is 0 in float64 below z = -745; for y = 0 the half deviance
    ``y log(y/ŷ) − y + ŷ`` tends to 0, which glassnet takes; scikit-learn computes ``xlogy(0, 0/0)`` = NaN
    (its L-BFGS then stops, "ABNORMAL"). The gradient ŷ − y = 0 is the same: so are the weights."""
    X, y = np.array([[1.0], [2.0]]), np.array([0.0, 1.0])
    params = dict(loss="poisson", hidden_layer_sizes=(), solver="sgd", alpha=0.0, random_state=0, shuffle=False)
    peer, ours = sk_nn.MLPRegressor(**params).partial_fit(X, y), MLPRegressor(**params).partial_fit(X, y)
    W, b = peer.coefs_[0][0, 0], peer.intercepts_[0][0]
    X_far = np.array([[(-800.0 - b) / W]])  # z = -800
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (scikit-learn's 0/0)
        peer.partial_fit(X_far, [0.0])
    ours.partial_fit(X_far, [0.0])
    assert np.isnan(peer.loss_) and ours.loss_ == 0.0
    _same_weights(ours, peer, 1e-12)


def test_early_stopping_scores_a_classifiers_labels_even_where_its_outputs_are_nan():
    """scikit-learn scores NaN only where the *predicted values* are not finite (a regressor's); a
    classifier's labels decoded from NaN probabilities are scored (argmax / ``p > 0.5``), as it always
    decodes them. glassnet checked the raw outputs: a NaN score, a best score and ``n_iter_`` of its own."""
    X, y = np.array([[10.36752576], [24.64854431], [9.91311229], [-39.09471695]]), np.zeros(4, dtype=int)
    params = dict(solver="sgd", shuffle=False, random_state=0, hidden_layer_sizes=(2, 1, 2), activation="identity",
                  alpha=0.0, max_iter=7, tol=0.0, learning_rate_init=2.0, n_iter_no_change=1, momentum=0.0,
                  early_stopping=True, validation_fraction=0.5)
    peer, ours = sk_nn.MLPClassifier(**params), MLPClassifier(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (both: the outputs overflow)
        if _train_both(peer, ours, "fit", X, y, rtol=_tolerance(params)):
            _same_state(ours, peer, X, y, _tolerance(params))
    assert ours.validation_scores_ == peer.validation_scores_ == [1.0] * 7
