"""glassnet.wrappers with scikit-learn's model-selection tools (session 59): a 1-D two-class decision_function,
predict_proba for models of probabilities, one-unit binary models, sample_weight through metadata routing."""

import numpy as np
import pytest

pytest.importorskip("sklearn")
import sklearn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.metrics import average_precision_score, get_scorer, log_loss, roc_auc_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, TunedThresholdClassifierCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import glassnet  # noqa: E402
from glassnet import layers, losses, models  # noqa: E402
from glassnet.wrappers import SKLearnClassifier  # noqa: E402

FIT = {"epochs": 3, "shuffle": False, "verbose": 0}


def build(X, y, units=None, activation="softmax", loss="categorical_crossentropy"):
    """A seeded MLP with one output per class (``y`` one-hot), or ``units`` outputs."""
    model = models.Sequential([layers.Input((X.shape[1],)), layers.Dense(8, activation="relu"),
                               layers.Dense(units or y.shape[1], activation=activation)], seed=0)
    model.compile(optimizer=glassnet.optimizers.Adam(0.01), loss=loss)
    return model


@pytest.fixture
def binary():
    X, y = make_classification(n_samples=150, n_features=6, weights=[0.7], random_state=0)
    return X.astype(np.float32), np.array(["no", "yes"])[y]


def test_two_classes_give_one_score_that_scikit_learn_s_ranking_tools_read(binary):
    X, y = binary
    y = (y == "yes").astype(int)  # (the scorers' pos_label=1)
    clf = SKLearnClassifier(build, fit_kwargs=FIT).fit(X, y)
    scores, outputs = clf.decision_function(X), clf.model_.predict(X, verbose=0)
    assert scores.shape == (150,)  # Keras 3.15's: (150, 2), which roc_auc and calibration refuse
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])  # the sign is predict's
    np.testing.assert_allclose(scores, outputs[:, 1] / outputs.sum(axis=1) - 0.5, atol=1e-7)
    positive = y == 1
    assert get_scorer("roc_auc")(clf, X, y) == roc_auc_score(positive, outputs[:, 1])
    assert get_scorer("roc_auc")(clf, X, y) == roc_auc_score(positive, clf.predict_proba(X)[:, 1])
    assert get_scorer("average_precision")(clf, X, y) == pytest.approx(average_precision_score(positive, outputs[:, 1]))
    calibrated = CalibratedClassifierCV(SKLearnClassifier(build, fit_kwargs=FIT), cv=3).fit(X, y)
    assert calibrated.predict_proba(X).shape == (150, 2)
    tuned = TunedThresholdClassifierCV(SKLearnClassifier(build, fit_kwargs=FIT), cv=3).fit(X, y)
    assert 0 <= tuned.best_threshold_ <= 1  # on predict_proba's scale
    three = np.array(["a", "b", "c"])[np.arange(150) % 3]
    assert SKLearnClassifier(build, fit_kwargs=FIT).fit(X, three).decision_function(X).shape == (150, 3)


def test_predict_proba_is_a_softmax_model_s_outputs_and_log_loss_scores_it(binary):
    X, _ = binary
    y = np.arange(150) % 3
    clf = SKLearnClassifier(build, fit_kwargs=FIT).fit(X, y)
    P, outputs = clf.predict_proba(X), clf.model_.predict(X, verbose=0)
    assert P.shape == (150, 3) and P.dtype == np.float64
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(P, outputs, atol=1e-6)
    np.testing.assert_array_equal(P.argmax(axis=1), clf.predict(X))
    by_hand = -np.mean(np.log(outputs[np.arange(150), y]))  # the mean negative log-likelihood
    assert get_scorer("neg_log_loss")(clf, X, y) == pytest.approx(-by_hand, rel=1e-6)
    assert 0.5 < get_scorer("roc_auc_ovr")(clf, X, y) <= 1
    search = GridSearchCV(SKLearnClassifier(build, fit_kwargs=FIT), {"model_kwargs": [{"units": None}, {}]},
                          scoring="neg_log_loss", cv=2).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()  # were nan: no predict_proba


def test_one_sigmoid_unit_trains_on_the_positive_column(binary):
    X, y = binary
    clf = SKLearnClassifier(build, model_kwargs={"units": 1, "activation": "sigmoid", "loss": "binary_crossentropy"},
                            fit_kwargs=FIT).fit(X, y)  # was: "y must have shape (n_samples, 1)"
    reference = build(X, None, units=1, activation="sigmoid", loss="binary_crossentropy")
    reference.fit(X, (y == "yes").astype(np.float32), **FIT)
    p = reference.predict(X, verbose=0)[:, 0]
    np.testing.assert_allclose(clf.model_.predict(X, verbose=0)[:, 0], p, rtol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X), np.c_[1 - p, p], atol=1e-7)
    np.testing.assert_array_equal(clf.predict(X), np.where(p > 0.5, "yes", "no"))
    np.testing.assert_allclose(clf.decision_function(X), p - 0.5, atol=1e-7)
    assert get_scorer("neg_log_loss")(clf, X, y) == pytest.approx(-log_loss(y == "yes", p.astype(np.float64)),
                                                                  rel=1e-6)
    unbuilt = models.Sequential([layers.Dense(1, activation="sigmoid")])  # no Input: built at fit from X
    unbuilt.compile(optimizer="adam", loss="binary_crossentropy")
    assert SKLearnClassifier(unbuilt, fit_kwargs=FIT).fit(X, y).predict_proba(X).shape == (150, 2)
    with pytest.raises(ValueError, match="The model has 1 output unit\\(s\\), but y has 3 classes"):
        SKLearnClassifier(build, model_kwargs={"units": 1, "activation": "sigmoid"}, fit_kwargs=FIT).fit(
            X, np.arange(150) % 3)


def test_logits_give_log_odds_and_their_softmax(binary):
    X, y = binary
    logits = losses.CategoricalCrossentropy(from_logits=True)
    clf = SKLearnClassifier(build, model_kwargs={"activation": None, "loss": logits}, fit_kwargs=FIT)
    assert hasattr(clf, "predict_proba")  # unknown before fit, as scikit-learn's meta-estimators ask
    clf.fit(X, y)
    z = clf.model_.predict(X, verbose=0)
    scores = clf.decision_function(X)
    np.testing.assert_allclose(scores, z[:, 1] - z[:, 0], atol=1e-6)
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # the log-odds: sigmoid(score) = softmax's p1
    np.testing.assert_allclose(1 / (1 + np.exp(-scores)), softmax[:, 1], rtol=1e-5)
    # (s60) compiled from_logits=True: predict_proba is their softmax, as skorch's (tests/test_wrappers_s60.py)
    np.testing.assert_allclose(clf.predict_proba(X), softmax, rtol=1e-5)
    one = SKLearnClassifier(build, model_kwargs={"units": 1, "activation": None,
                                                 "loss": losses.BinaryCrossentropy(from_logits=True)},
                            fit_kwargs=FIT).fit(X, y)
    z = one.model_.predict(X, verbose=0)[:, 0]
    np.testing.assert_allclose(one.decision_function(X), z)  # a logit's cut is 0
    np.testing.assert_array_equal(one.predict(X), np.where(z > 0, "yes", "no"))


def test_predict_reads_outputs_that_sum_to_zero(binary):
    # OneHotEncoder.inverse_transform took such a row for "all zeros" and refused it
    X, y = binary
    model = models.Sequential([layers.Input((6,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss=losses.CategoricalCrossentropy(from_logits=True))
    clf = SKLearnClassifier(model, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    w = np.random.default_rng(0).normal(size=(6, 1)).astype(np.float32)
    clf.model_.set_weights([np.hstack([-w, w]), np.zeros(2, np.float32)])  # logits -s, s
    np.testing.assert_array_equal(clf.predict(X), np.where(X @ w[:, 0] > 0, "yes", "no"))


def test_scikit_learn_s_classifier_checks_pass():
    from sklearn.utils.estimator_checks import check_classifiers_train, check_decision_proba_consistency

    est = SKLearnClassifier(build, fit_kwargs={"epochs": 2, "verbose": 0})
    check_classifiers_train("SKLearnClassifier", est)  # binary decision (n,), its sign predict's; proba rows
    check_decision_proba_consistency("SKLearnClassifier", est)


def test_sample_weight_reaches_the_model_under_metadata_routing(binary):
    X, y = binary
    w = np.where(y == "yes", 5.0, 1.0)
    reference = build(X, np.zeros((1, 2)))
    reference.fit(X, np.c_[y == "no", y == "yes"].astype(np.float32), sample_weight=w, **FIT)
    unweighted = SKLearnClassifier(build, fit_kwargs=FIT).fit(X, y).model_.get_weights()
    with sklearn.config_context(enable_metadata_routing=True):
        est = SKLearnClassifier(build, fit_kwargs=FIT).set_fit_request(sample_weight=True).set_score_request(
            sample_weight=False)
        search = GridSearchCV(est, {"warm_start": [False]}, cv=KFold(2)).fit(X, y, sample_weight=w)
        piped = GridSearchCV(make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                                           clone(est).set_score_request(sample_weight=True)),
                             {"sklearnclassifier__warm_start": [False]}, cv=KFold(2)).fit(X, y, sample_weight=w)
        assert clone(est).get_metadata_routing().fit.requests == {"sample_weight": True}
    for ours, theirs, plain in zip(search.best_estimator_.model_.get_weights(), reference.get_weights(), unweighted):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
        assert not np.allclose(ours, plain)  # the weights changed the training
    assert np.isfinite(piped.best_score_)
    for ours, theirs in zip(SKLearnClassifier(build, fit_kwargs=FIT).fit(X, y, sample_weight=w).model_.get_weights(),
                            reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_a_sparse_loss_is_told_what_the_wrapper_trains_on(binary):
    X, y = binary
    with pytest.raises(ValueError, match="SKLearnClassifier trains the model on the labels one-hot, one column per "
                                         "class .*loss='categorical_crossentropy'"):
        SKLearnClassifier(build, model_kwargs={"loss": "sparse_categorical_crossentropy"}, fit_kwargs=FIT).fit(X, y)
