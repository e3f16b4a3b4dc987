"""SPEC F2: a grid search and a cross-validation of glassnet estimators run on a
Dask cluster through joblib give exactly what the local joblib backend gives."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
distributed = pytest.importorskip(
    "dask.distributed", reason="dask.distributed is not installed (pip install glassnet[dask])"
)
joblib = pytest.importorskip("joblib")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from glassnet.sklearn import MLPClassifier  # noqa: E402


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Two single-threaded workers on a shared two-core machine: keep BLAS single-threaded too."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


def _pipeline():
    return make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, random_state=0))


GRID = {"mlpclassifier__alpha": [1e-4, 1e-1], "mlpclassifier__learning_rate_init": [1e-3, 1e-2]}
CV = StratifiedKFold(3, shuffle=True, random_state=0)


def test_grid_search_on_dask_equals_local_backend(client, digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with joblib.parallel_config(backend="threading", n_jobs=2):
            local = GridSearchCV(_pipeline(), GRID, cv=CV).fit(X, y)
        with distributed.get_task_stream(client) as tasks:
            with joblib.parallel_config(backend="dask"):
                remote = GridSearchCV(_pipeline(), GRID, cv=CV, n_jobs=-1).fit(X, y)
    assert len(tasks.data) > 0  # the fits ran on the cluster's workers
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(remote.cv_results_["split0_test_score"], local.cv_results_["split0_test_score"])
    assert remote.best_score_ == local.best_score_ > 0.8


def test_cross_val_score_on_dask_equals_local_backend(client, digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = cross_val_score(_pipeline(), X, y, cv=CV, n_jobs=1)
        with joblib.parallel_config(backend="dask"):
            remote = cross_val_score(_pipeline(), X, y, cv=CV, n_jobs=-1)
    np.testing.assert_array_equal(remote, local)
