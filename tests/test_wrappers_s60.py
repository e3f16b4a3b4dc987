"""Session 60, a skorch user's idioms: MLPClassifier's optimizer= with its momentum/betas and optimizer__
spellings, the wrappers' nested parameters (model_kwargs__units in a GridSearchCV), their mistyped arguments,
a model class passed as model, predict_proba on logits, and docs/pytorch.md's one-cycle schedule."""

import math
import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

import glassnet  # noqa: E402
from glassnet.sklearn import MLPClassifier, MLPRegressor  # noqa: E402
from glassnet.wrappers import SKLearnClassifier, SKLearnRegressor  # noqa: E402

from conftest import doc_block  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def _weights(est):
    return est.coefs_ + est.intercepts_


def _mlp(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (ConvergenceWarning of the few epochs)
        return MLPClassifier(hidden_layer_sizes=(5,), max_iter=4, random_state=0, **kwargs).fit(X, Y)


# -- MLPClassifier(optimizer=...) and its settings (F2) -----------------------------------------------------

@pytest.mark.parametrize("solver, settings", [("sgd", {}), ("adam", {}), ("sgd", {"momentum": 0.5}),
                                              ("sgd", {"momentum": 0.5, "nesterovs_momentum": False}),
                                              ("adam", {"beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-6})])
def test_optimizer_named_as_the_solver_trains_bitwise_as_the_solver(solver, settings):
    # optimizer='sgd' took only learning_rate_init: no momentum (solver='sgd' has 0.9, Nesterov's), and Adam's
    # epsilon was Keras's 1e-7, not scikit-learn's 1e-8
    plain, named = _mlp(solver=solver, **settings), _mlp(solver=solver, optimizer=solver, **settings)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(plain), _weights(named)))


def test_another_optimizer_takes_the_settings_set_away_from_the_default():
    nadam = _mlp(optimizer="nadam", beta_1=0.5).model_.optimizer
    assert (type(nadam).__name__, nadam.beta_1, nadam.beta_2, nadam.epsilon) == ("Nadam", 0.5, 0.999, 1e-7)
    rmsprop = _mlp(optimizer="rmsprop", momentum=0.5).model_.optimizer
    assert (rmsprop.momentum, rmsprop.epsilon) == (0.5, 1e-7)  # (epsilon left at RMSprop's own default)
    assert _mlp(optimizer="rmsprop").model_.optimizer.momentum == 0.0  # (scikit-learn's 0.9 is 'sgd''s)


def test_a_setting_the_named_optimizer_does_not_take_is_warned_of():
    with pytest.warns(UserWarning, match=r"^MLPRegressor's momentum=0\.5, beta_1=0\.8: not used by "
                                         r"optimizer='adagrad' \(Adagrad\), which takes no such setting\.$"):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=Warning, message=".*(iterations|converge).*")
            MLPRegressor(optimizer="adagrad", momentum=0.5, beta_1=0.8, max_iter=2).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*(iterations|converge).*")
        _mlp(optimizer="adagrad")  # at the defaults: nothing to say


# -- optimizer__ spellings (F7) -----------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", [None, "sgd"])
def test_set_params_of_optimizer_nested_names_the_estimators_own_settings(optimizer):
    with pytest.raises(ValueError, match=r"'optimizer__momentum' for MLPClassifier: optimizer is a name.*"
                                         r"momentum=.*beta_1="):
        MLPClassifier(optimizer=optimizer).set_params(optimizer__momentum=0.9)


def test_a_nested_keyword_suggests_its_last_part():
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'optimizer__momentum'\. Did you mean "
                                        r"'momentum'\?$"):
        MLPClassifier(optimizer__momentum=0.9)


# -- the wrappers' nested parameters (F3) -------------------------------------------------------------------

def build(X, y, units=4):
    model = glassnet.Sequential([glassnet.Input((X.shape[1],)), glassnet.layers.Dense(units, activation="relu"),
                                 glassnet.layers.Dense(y.shape[1], activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    return model


def _wrapper():
    return SKLearnClassifier(build, model_kwargs={"units": 4}, fit_kwargs={"epochs": 2, "verbose": 0})


def test_get_params_deep_lists_the_dicts_keys_and_clone_keeps_them():
    w = _wrapper()
    params = w.get_params()
    assert params["model_kwargs__units"] == 4 and params["fit_kwargs__epochs"] == 2
    assert set(w.get_params(deep=False)) == {"model", "warm_start", "model_kwargs", "fit_kwargs"}
    assert clone(w).get_params() == params


def test_set_params_sets_one_key_of_a_copy():
    kwargs = {"units": 4}
    w = SKLearnClassifier(build, model_kwargs=kwargs, fit_kwargs={"epochs": 2, "verbose": 0})
    w.set_params(model_kwargs__units=6, fit_kwargs__epochs=3)
    assert (w.model_kwargs, w.fit_kwargs, kwargs) == ({"units": 6}, {"epochs": 3, "verbose": 0}, {"units": 4})
    w.set_params(model__units=2, fit__batch_size=8)  # scikeras's spellings
    assert (w.model_kwargs, w.fit_kwargs) == ({"units": 2}, {"epochs": 3, "verbose": 0, "batch_size": 8})
    assert SKLearnRegressor(build).set_params(fit_kwargs__epochs=1).fit_kwargs == {"epochs": 1}


def test_grid_search_over_model_kwargs_and_fit_kwargs_keys():
    search = GridSearchCV(_wrapper(), {"model_kwargs__units": [2, 6], "fit_kwargs__epochs": [1, 2]}, cv=2).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert best.model_.layers[0].units == search.best_params_["model_kwargs__units"]
    assert len(best.history_.epoch) == search.best_params_["fit_kwargs__epochs"]


def test_model_kwargs_of_a_model_instance_are_refused():
    with pytest.raises(ValueError, match=r"'model__units': model is a model, not a function"):
        SKLearnClassifier(build(X, np.eye(2)[Y])).set_params(model__units=3)


# -- mistyped arguments (F4) and a model class (F6) ---------------------------------------------------------

@pytest.mark.parametrize("cls, key, hint", [
    (SKLearnClassifier, "epochs", r"fit's settings go in fit_kwargs=\{'epochs': \.\.\.\}\.$"),
    (SKLearnClassifier, "verbose", r"fit's settings go in fit_kwargs=\{'verbose': \.\.\.\}\.$"),
    (SKLearnRegressor, "model_kwarg", r"Did you mean 'model_kwargs'\?$"),
    (SKLearnClassifier, "units",
     r"A model-building function's arguments go in model_kwargs=\{'units': \.\.\.\} .*; the parameters are model, "),
    (SKLearnClassifier, "fit__epochs", r"fit's settings go in fit_kwargs=\{'epochs': \.\.\.\}\.$"),
])
def test_a_mistyped_argument_names_the_class_and_where_it_goes(cls, key, hint):
    with pytest.raises(TypeError, match=rf"^{cls.__name__}\.__init__\(\) got an unexpected keyword argument "
                                        rf"'{key}'\. " + hint):
        cls(build, **{key: 1})


def test_too_many_positional_arguments_name_the_class():
    with pytest.raises(TypeError, match=r"^SKLearnClassifier\.__init__\(\) takes"):
        SKLearnClassifier(build, False, None, None, 1)


class MyModule(glassnet.models.Model):
    def __init__(self, hidden=8):
        super().__init__()
        self.dense = glassnet.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


class Built(glassnet.Sequential):  # a class taking X and y, which compiles itself: still a model-building call
    def __init__(self, X, y, units=3):
        super().__init__([glassnet.Input((X.shape[1],)), glassnet.layers.Dense(y.shape[1], activation="softmax")])
        self.compile(loss="categorical_crossentropy", optimizer="adam")


def test_a_model_class_is_refused_with_what_to_pass():
    with pytest.raises(TypeError, match=r"^model is the class MyModule, which the wrapper would call as "
                                        r"model\(X=X, y=y, \*\*model_kwargs\) \(.*'X'.*\): pass a compiled instance"):
        SKLearnClassifier(MyModule, model_kwargs={"hidden": 4}).fit(X, Y)
    assert SKLearnClassifier(Built, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, Y).predict(X).shape == (40,)


# -- predict_proba of logits (F8) ---------------------------------------------------------------------------

def _logits_model(units, loss):
    model = glassnet.Sequential([glassnet.Input((4,)), glassnet.layers.Dense(units)], seed=0)
    model.compile(loss=loss, optimizer="adam")
    return SKLearnClassifier(model, fit_kwargs={"epochs": 2, "verbose": 0})


def test_predict_proba_of_logits_is_their_softmax():
    y3 = np.digitize(X[:, 0], [-0.5, 0.5])
    clf = _logits_model(3, glassnet.losses.CategoricalCrossentropy(from_logits=True)).fit(X, y3)
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P, softmax(clf.model_.predict(X, verbose=0).astype(np.float64), axis=1), rtol=1e-12)
    assert np.array_equal(P.argmax(axis=1), np.searchsorted(clf.classes_, clf.predict(X)))


def test_predict_proba_of_one_logit_is_its_sigmoid():
    clf = _logits_model(1, glassnet.losses.BinaryCrossentropy(from_logits=True)).fit(X, Y)
    z = clf.model_.predict(X, verbose=0)[:, 0].astype(np.float64)
    np.testing.assert_allclose(clf.predict_proba(X), np.column_stack([expit(-z), expit(z)]), rtol=1e-12)
    from glassnet.wrappers import _probabilities

    far = _probabilities(np.array([[60.0], [-60.0]]), logits=True)  # (1 − p would lose expit(−60))
    np.testing.assert_allclose(far, [[expit(-60), expit(60)], [expit(60), expit(-60)]], rtol=1e-12)


def test_predict_proba_of_other_scores_says_the_logits_route():
    clf = _logits_model(2, "mse").fit(X, Y)
    assert not hasattr(clf, "predict_proba")
    with pytest.raises(AttributeError) as info:
        clf.predict_proba(X)
    assert "CategoricalCrossentropy(from_logits=True)" in str(info.value.__cause__)


# -- docs/pytorch.md's one-cycle schedule (F10) -------------------------------------------------------------

def _one_cycle(k, max_lr, n, pct=0.3, div=25.0, final_div=1e4):
    """OneCycleLR's rate as PyTorch's docs write it: low + (max − low)(1 − cos πt)/2 up, then down to the end."""
    low, peak = max_lr / div, pct * n - 1
    if k <= peak:
        return low + (max_lr - low) * (1 - math.cos(math.pi * k / peak)) / 2
    end = low / final_div
    return end + (max_lr - end) * (1 + math.cos(math.pi * (k - peak) / (n - 1 - peak))) / 2


@pytest.mark.parametrize("max_lr, n, pct", [(0.1, 40, 0.3), (0.5, 37, 0.25)])
def test_one_cycle_recipe_is_the_closed_form(max_lr, n, pct):
    OneCycle = doc_block("pytorch.md", "class OneCycle")["OneCycle"]
    schedule = OneCycle(max_lr, n, pct_start=pct)
    np.testing.assert_allclose([schedule(k) for k in range(n)], [_one_cycle(k, max_lr, n, pct) for k in range(n)],
                               rtol=1e-13, atol=0)
    assert schedule(0) == pytest.approx(max_lr / 25) and schedule(n - 1) == pytest.approx(max_lr / 25 / 1e4)
    assert max(schedule(k) for k in range(n)) == pytest.approx(max_lr, rel=0.02)


def test_one_cycle_recipe_drives_fit_one_rate_per_batch():
    OneCycle = doc_block("pytorch.md", "class OneCycle")["OneCycle"]
    rates = []

    class Record(glassnet.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(float(self.model.optimizer.learning_rate))

    model = glassnet.Sequential([glassnet.Input((4,)), glassnet.layers.Dense(1)], seed=0)
    model.compile(optimizer=glassnet.optimizers.SGD(OneCycle(0.1, 20)), loss="mse")
    model.fit(X[:32], X[:32, :1], batch_size=8, epochs=5, shuffle=False, verbose=0, callbacks=[Record()])
    np.testing.assert_allclose(rates, [_one_cycle(k, 0.1, 20) for k in range(20)], rtol=1e-13)
