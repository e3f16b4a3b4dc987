"""Session 61's differential fuzzing of glassnet.sklearn against scikit-learn (float64): a diverged
early-stopping fit saves a file that loads, a fit that diverges in its first epoch has ``loss_`` NaN,
and a warm 'lbfgs' fit between stochastic ones keeps their stopping records, each as scikit-learn's."""

import json
import warnings
import zipfile

import numpy as np
import pytest

from glassnet.sklearn import MLPRegressor

sk_nn = pytest.importorskip("sklearn.neural_network")

_RECORDS = ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
            "best_validation_score_", "validation_loss_curve_", "_no_improvement_count")


def _quiet_fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _diverging_regression():
    """Early stopping, 'sgd' at a rate that overflows the outputs in the 4th epoch (validation score -inf)."""
    rng = np.random.default_rng(0)
    X = 30 * rng.normal(size=(60, 5))
    params = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.2, early_stopping=True,
                  max_iter=10, random_state=0)
    return X, X @ rng.normal(size=5), params


def _assert_same_records(back, est):
    for name in _RECORDS:
        assert hasattr(back, name) == hasattr(est, name), name
        np.testing.assert_array_equal(getattr(back, name, None), getattr(est, name, None), err_msg=name)


def test_a_diverged_early_stopping_fit_saves_a_file_that_loads(tmp_path):
    X, y, params = _diverging_regression()
    peer, ours = _quiet_fit(sk_nn.MLPRegressor(**params), X, y), _quiet_fit(MLPRegressor(**params), X, y)
    n = ours.n_iter_
    assert n == 4 and ours.validation_scores_[-1] == -np.inf and ours.validation_loss_curve_[-1] == np.inf
    # the same scores as scikit-learn's epochs before glassnet stopped at the divergence (-inf included)
    np.testing.assert_allclose(ours.validation_scores_, peer.validation_scores_[:n], rtol=1e-9)
    assert ours.best_validation_score_ == pytest.approx(peer.best_validation_score_, rel=1e-10)
    ours.save(tmp_path / "m.gn")  # load refused it: "validation_scores_ ... must be a list of numbers"
    back = MLPRegressor.load(tmp_path / "m.gn")
    _assert_same_records(back, ours)
    np.testing.assert_array_equal(back.predict(X), ours.predict(X))
    np.testing.assert_allclose(back.predict(X), peer.predict(X), rtol=1e-9)


def test_a_fit_that_diverges_in_its_first_epoch_has_loss_nan_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    X = 30 * rng.normal(size=(40, 2))
    y = X @ [1.0, -2.0]
    params = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=0.5, batch_size=2,
                  early_stopping=True, max_iter=5, random_state=0)
    peer, ours = _quiet_fit(sk_nn.MLPRegressor(**params), X, y), _quiet_fit(MLPRegressor(**params), X, y)
    assert np.isnan(peer.loss_)
    assert ours.n_iter_ == 0 and np.isnan(ours.loss_)  # (no loss_ at all before: AttributeError)
    np.testing.assert_allclose(ours.predict(X), peer.predict(X), rtol=1e-12)  # both: the initial weights
    ours.save(tmp_path / "m.gn")
    back = MLPRegressor.load(tmp_path / "m.gn")
    _assert_same_records(back, ours)


def _rewrite(path, edit):
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    meta = json.loads(members["sklearn.json"])
    edit(meta["fitted"])
    members["sklearn.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.parametrize("name, value", [
    ("loss_", float("nan")),  # NaN only where no epoch ended (n_iter_ 0): here n_iter_ is 4
    ("loss_", float("inf")),
    ("loss_curve_", [1.0, float("inf")]),
    ("validation_scores_", [1.0, 2.0, 3.0, float("inf")]),  # a score may fall to -inf, never rise to +inf
    ("validation_loss_curve_", [1.0, 2.0, 3.0, -np.inf]),
    ("best_validation_score_", float("nan")),
])
def test_load_still_refuses_non_finite_values_no_fit_leaves(tmp_path, name, value):
    X, y, params = _diverging_regression()
    _quiet_fit(MLPRegressor(**params), X, y).save(tmp_path / "m.gn")
    _rewrite(tmp_path / "m.gn", lambda fitted: fitted.__setitem__(name, value))
    with pytest.raises(ValueError, match=name):
        MLPRegressor.load(tmp_path / "m.gn")


@pytest.mark.parametrize("early_stopping, n", [(False, 30), (True, 40)])
def test_a_warm_lbfgs_fit_keeps_the_stochastic_fits_stopping_records(early_stopping, n):
    """scikit-learn's 'lbfgs' never touches best_loss_ / the validation scores: the next stochastic warm
    fit's tol and early-stopping rules go on from the first fit's (glassnet's started afresh)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + 0.1 * rng.normal(size=n)
    first = dict(hidden_layer_sizes=(3,), random_state=0, shuffle=False, warm_start=True,
                 max_iter=30 if early_stopping else 5, learning_rate_init=0.05 if early_stopping else 0.001,
                 early_stopping=early_stopping)
    third = dict(solver="adam", tol=0.05 if early_stopping else 0.1, n_iter_no_change=2)
    both = []
    for Est in (sk_nn.MLPRegressor, MLPRegressor):
        est = _quiet_fit(Est(**first), X, y)
        _quiet_fit(est.set_params(solver="lbfgs", tol=100.0), X, y)  # gtol 100: no iteration, the weights kept
        both.append(_quiet_fit(est.set_params(**third), X, y))
    peer, ours = both
    assert (ours.n_iter_, ours.t_) == (peer.n_iter_, peer.t_)
    for name in ("best_loss_", "best_validation_score_", "validation_scores_", "_no_improvement_count"):
        np.testing.assert_allclose(getattr(ours, name) if getattr(ours, name) is not None else np.nan,
                                   getattr(peer, name) if getattr(peer, name) is not None else np.nan,
                                   rtol=1e-10, err_msg=name)
    for a, b in zip(ours.coefs_ + ours.intercepts_, peer.coefs_ + peer.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
