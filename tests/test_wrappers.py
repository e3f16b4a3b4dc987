"""Keras 3's scikit-learn wrappers: glassnet.wrappers.SKLearnClassifier, SKLearnRegressor, SKLearnTransformer."""

import inspect

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import glassnet  # noqa: E402
from glassnet.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402
from test_keras_compat import real_keras  # noqa: E402,F401  (the fixture: Keras on JAX, or a skip)

SEEN = []


def dynamic_model(X, y, loss, layers=(10,)):
    """keras.io's example builder: an MLP sized by the data (the targets as the model trains on them)."""
    SEEN.append(y.shape)
    inputs = glassnet.Input(shape=(X.shape[1],))
    hidden = inputs
    for units in layers:
        hidden = glassnet.layers.Dense(units, activation="relu")(hidden)
    outputs = glassnet.layers.Dense(y.shape[1], activation="softmax" if loss.startswith("categorical") else None)(hidden)
    model = glassnet.Model(inputs, outputs)
    model.compile(loss=loss, optimizer=glassnet.optimizers.Adam(0.01))
    return model


@pytest.fixture
def blobs():
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0)
    return X.astype(np.float32), np.array(["ant", "bee", "cat"])[y]


def test_the_classifier_one_hot_encodes_the_labels_and_predicts_them(blobs):
    X, y = blobs
    SEEN.clear()
    est = SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy", "layers": [32]},
                            fit_kwargs={"epochs": 3, "verbose": 0})
    est.fit(X, y, epochs=40)  # fit's own arguments win over fit_kwargs
    assert SEEN == [(300, 3)] and list(est.classes_) == ["ant", "bee", "cat"]
    assert len(est.history_.epoch) == est.epoch_ == 40
    predicted = est.predict(X)
    assert predicted.shape == (300,) and set(predicted) <= set(est.classes_)
    np.testing.assert_array_equal(predicted, est.classes_[est.decision_function(X).argmax(axis=1)])
    assert est.score(X, y) > 0.85  # the training accuracy of a fitted MLP
    with pytest.raises(ValueError, match="Only binary and multiclass target types are supported. Target type: "
                                         "continuous"):
        est.fit(X, X[:, 0])
    with pytest.raises(ValueError, match="only one class"):
        est.fit(X, np.zeros(len(X)))


def test_a_compiled_model_is_cloned_at_each_fit(blobs):
    X, y = blobs
    model = dynamic_model(X, np.zeros((1, 3)), "categorical_crossentropy")
    before = model.get_weights()
    est = SKLearnClassifier(model=model, fit_kwargs={"epochs": 2, "verbose": 0}).fit(X, y)
    assert est.model_ is not model and est.model_.compiled
    for a, b in zip(model.get_weights(), before):  # the given model is left as it was
        np.testing.assert_array_equal(a, b)
    model.compiled = False
    with pytest.raises(RuntimeError, match="must be a compiled glassnet model"):
        SKLearnClassifier(model=glassnet.models.model_from_json(model.to_json())).fit(X, y)
    with pytest.raises(TypeError, match="model must be a compiled glassnet model or a function returning one"):
        SKLearnClassifier(model="mlp").fit(X, y)


def test_the_regressor_and_the_transformer_give_the_models_outputs():
    X, y = make_regression(n_samples=200, n_features=5, noise=0.1, random_state=0)
    X, y = X.astype(np.float32), (y / y.std()).astype(np.float32)
    reg = SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse", "layers": [16]},
                           fit_kwargs={"epochs": 60, "verbose": 0}).fit(X, y)
    predicted = reg.predict(X)
    assert predicted.shape == (200,)
    np.testing.assert_array_equal(predicted, reg.model_.predict(X)[:, 0])
    assert reg.score(X, y) > 0.9  # R² of a fitted linear-ish target
    with pytest.raises(ValueError, match="y should be a 1d array"):  # scikit-learn's check, as in Keras's
        SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"}).fit(X, np.c_[y, -y])
    tr = SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0})
    np.testing.assert_array_equal(tr.fit_transform(X, y), tr.model_.predict(X))


def test_the_wrappers_work_in_pipelines_searches_and_cross_validation(blobs):
    X, y = blobs
    est = SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy"},
                            fit_kwargs={"epochs": 10, "verbose": 0})
    scores = cross_val_score(make_pipeline(StandardScaler(), est), X, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.5).all()
    search = GridSearchCV(est, {"model_kwargs": [{"loss": "categorical_crossentropy", "layers": [4]},
                                                 {"loss": "categorical_crossentropy", "layers": [32]}]}, cv=2)
    search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 2 and np.isfinite(scores).all() and search.best_score_ == scores.max()
    assert search.best_estimator_.model_.layers[0].units == search.best_params_["model_kwargs"]["layers"][0]


@pytest.mark.usefixtures("real_keras")
def test_the_signatures_and_names_are_keras_s():
    import keras

    assert {name for name in dir(keras.wrappers) if not name.startswith("_")} <= set(glassnet.wrappers.__all__)
    for name in ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"):
        ours, theirs = getattr(glassnet.wrappers, name), getattr(keras.wrappers, name)
        assert inspect.signature(ours) == inspect.signature(theirs)
        assert [m for m in ("fit", "predict", "transform", "decision_function", "score") if hasattr(theirs, m)] == [
            m for m in ("fit", "predict", "transform", "decision_function", "score") if hasattr(ours, m)]
