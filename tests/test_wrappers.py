"""Keras 3's scikit-learn wrappers: glassnet.wrappers.SKLearnClassifier, SKLearnRegressor, SKLearnTransformer."""

import copy
import dataclasses
import inspect

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
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
    tr = SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0})
    np.testing.assert_array_equal(tr.fit_transform(X, y), tr.model_.predict(X))


def test_the_regressor_and_the_transformer_take_a_2d_y(blobs):
    # as the docstring says (Keras 3.15 refuses a 2-D y: "y should be a 1d array"): several outputs, 2-D
    # predictions, and an autoencoder trained with fit(X, X)
    X, _ = make_regression(n_samples=200, n_features=5, random_state=0)
    X = (X / X.std()).astype(np.float32)
    Y = np.c_[X[:, 0] + X[:, 1], X[:, 2] - X[:, 3]]
    SEEN.clear()
    reg = SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse", "layers": [16]},
                           fit_kwargs={"epochs": 60, "verbose": 0}).fit(X, Y)
    assert SEEN == [(200, 2)] and reg.predict(X).shape == (200, 2)
    assert reg.score(X, Y) > 0.9  # R² averaged over the two outputs
    assert reg.fit(X, Y[:, :1]).predict(X).shape == (200, 1)  # 2-D, as y was
    assert reg.fit(X, Y[:, 0]).predict(X).shape == (200,)
    reg.fit(X, Y.astype(object))  # y_numeric: an object array of numbers is read as numbers
    auto = SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse", "layers": [3]},
                              fit_kwargs={"epochs": 5, "verbose": 0})
    assert auto.fit_transform(X, X).shape == (200, 5)
    with pytest.raises(ValueError, match="y should be a 1d array"):  # the classifier's labels: one column
        SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy"}).fit(
            blobs[0], np.c_[blobs[1], blobs[1]])


def test_the_tags_are_keras_s_and_scikit_learn_s_checks_pass():
    from sklearn.utils.estimator_checks import check_regressors_train, check_transformer_preserve_dtypes

    # Keras 3.15's: its wrappers score poorly after a few epochs and give float32 whatever X's dtype
    assert SKLearnRegressor(dynamic_model).__sklearn_tags__().regressor_tags.poor_score is True
    assert SKLearnTransformer(dynamic_model).__sklearn_tags__().transformer_tags.preserves_dtype == []
    assert SKLearnClassifier(dynamic_model).__sklearn_tags__().classifier_tags.poor_score is True
    fit_kwargs = {"epochs": 1, "verbose": 0}
    check_regressors_train("SKLearnRegressor", SKLearnRegressor(dynamic_model, model_kwargs={"loss": "mse"},
                                                                fit_kwargs=fit_kwargs))
    check_transformer_preserve_dtypes("SKLearnTransformer", SKLearnTransformer(
        dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs=fit_kwargs))


def linear_model():
    model = glassnet.Sequential([glassnet.layers.Input((3,)), glassnet.layers.Dense(1)], seed=0)
    model.compile(optimizer=glassnet.optimizers.SGD(0.05), loss="mse")
    return model


def test_warm_start_trains_on_from_the_previous_fit():
    # Keras's docstring: "the given model won't be cloned and the weights from the previous fit will be reused"
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], np.float32)
    model = linear_model()
    reference = copy.deepcopy(model)
    reference.fit(X, y, epochs=2, shuffle=False, verbose=0)  # SGD: two fits of one epoch are one fit of two
    est = SKLearnRegressor(model, warm_start=True, fit_kwargs={"epochs": 1, "shuffle": False, "verbose": 0})
    assert est.fit(X, y).model_ is model  # not cloned
    assert est.fit(X, y).model_ is model
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    copied = clone(est)  # a clone (a cross-validation fold) trains a copy of its own, not the model given
    assert copied.model is not model and copied.fit(X, y).model_ is copied.model
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    SEEN.clear()
    built = SKLearnRegressor(dynamic_model, warm_start=True, model_kwargs={"loss": "mse"},
                             fit_kwargs={"epochs": 1, "verbose": 0})
    first = built.fit(X, y).model_
    assert built.fit(X, y).model_ is first and SEEN == [(40, 1)]  # built once, then trained on
    cold = SKLearnRegressor(dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs={"epochs": 1, "verbose": 0})
    assert cold.fit(X, y).model_ is not cold.fit(X, y).model_  # warm_start=False: a new model at each fit
    labels = np.array(["a", "b"])[(X[:, 0] > 0).astype(int)]
    clf = SKLearnClassifier(dynamic_model, warm_start=True, model_kwargs={"loss": "categorical_crossentropy"},
                            fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, labels)
    with pytest.raises(ValueError, match="warm_start=True trains the previous fit's model on: y must have its "
                                         "classes. Previously: \\['a', 'b'\\]; y has \\['a', 'c'\\]"):
        clf.fit(X, np.where(labels == "b", "c", labels))


def test_a_model_whose_optimizer_cannot_be_cloned_gets_a_clear_error():
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    model = glassnet.Sequential([glassnet.layers.Input((3,)), glassnet.layers.Dense(1)])
    sgd, adam = glassnet.optimizers.SGD(0.01), glassnet.optimizers.Adam()
    model.compile(optimizer=glassnet.optimizers.MultiOptimizer(lambda v: sgd if "bias" in v.path else adam),
                  loss="mse")
    with pytest.raises(RuntimeError, match="The model given is compiled, but its optimizer, a MultiOptimizer, "
                                           "could not be cloned.*pass a function that builds and compiles it"):
        SKLearnRegressor(model, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, X[:, 0])
    # the model given itself trains (warm_start: not cloned)
    assert SKLearnRegressor(model, warm_start=True, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, X[:, 0]).model_ \
        is model


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
        assert dataclasses.asdict(ours(lambda X, y: None).__sklearn_tags__()) == dataclasses.asdict(
            theirs(lambda X, y: None).__sklearn_tags__())  # scikit-learn's checks then run as on Keras's
        assert [m for m in ("fit", "predict", "transform", "decision_function", "score") if hasattr(theirs, m)] == [
            m for m in ("fit", "predict", "transform", "decision_function", "score") if hasattr(ours, m)]
