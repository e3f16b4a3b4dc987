"""Session 60 review fixes: the wrappers' get_params with a non-dict model_kwargs, a Model subclass overriding
glassnet's own forward (whole-model MC dropout), the Keras-callback hint (a user's subclass, Keras's built-ins),
the online LMS LossRiseWarning on a stable noisy run, and the transpose hint of set_weights."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.classic import delta_rule
from glassnet.models import Model, Sequential
from glassnet.models.callbacks import check_callbacks
from glassnet.models.divergence import LossRiseWarning


# --- F3: get_params/set_params take any value; fit checks it -------------------------------------

def _build(X, y, units=4):
    m = Sequential([layers.Input((X.shape[1],)), layers.Dense(units, activation="relu"),
                    layers.Dense(y.shape[1], activation="softmax")], seed=0)
    m.compile("adam", "categorical_crossentropy")
    return m


def test_get_params_leaves_a_non_dict_model_kwargs_to_fit():
    pytest.importorskip("sklearn")
    from sklearn.utils.estimator_checks import check_do_not_raise_errors_in_init_or_set_params, check_set_params

    from glassnet.wrappers import SKLearnClassifier

    est = SKLearnClassifier(_build, model_kwargs=5, fit_kwargs=0.5)
    params = est.get_params()  # (AttributeError: 'int' object has no attribute 'items')
    assert params["model_kwargs"] == 5 and params["fit_kwargs"] == 0.5
    assert est.set_params(fit_kwargs=[1]).fit_kwargs == [1]
    assert SKLearnClassifier(_build, model_kwargs={"units": 3}).get_params()["model_kwargs__units"] == 3
    for name in ("model_kwargs", "fit_kwargs"):
        with pytest.raises(TypeError, match=f"{name} must be a dict or None. Received: 7"):
            SKLearnClassifier(_build, **{name: 7}).fit(np.ones((4, 2)), [0, 1, 0, 1])
    good = SKLearnClassifier(_build, model_kwargs={"units": 8}, fit_kwargs={"epochs": 1, "verbose": 0})
    check_set_params("SKLearnClassifier", good)  # scikit-learn's checks that failed
    check_do_not_raise_errors_in_init_or_set_params("SKLearnClassifier", good)


# --- F4: glassnet's forward(X, training=False) may be overridden; PyTorch's forward(x) is refused ---

class _WholeModelMCDropout(Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(16, activation="relu")
        self.drop = layers.Dropout(0.5)
        self.out = layers.Dense(1)

    def call(self, x):
        return self.out(self.drop(self.hidden(x)))

    def forward(self, X, training=False):  # dropout in every pass, predict's too
        return super().forward(X, training=True)


def test_a_model_overriding_glassnets_forward_with_training_trains_and_predicts():
    X = np.random.default_rng(0).normal(size=(32, 3))
    m = _WholeModelMCDropout()  # (TypeError: defines forward, which is glassnet's own pass)
    m.compile("adam", "mse")
    m.fit(X, X[:, :1], epochs=2, verbose=0)
    draws = [m.predict(X, verbose=0) for _ in range(2)] + [np.asarray(m(X))]  # model(x) too: no pins passed
    assert not np.array_equal(draws[0], draws[1]) and not np.array_equal(draws[1], draws[2])


def test_a_pytorch_forward_without_training_is_refused():
    with pytest.raises(TypeError, match=r"Torchy defines forward.*Rename it call.*def forward\(self, X, training=False\)"):
        class Torchy(Model):  # refused as the class is made
            def call(self, x):
                return x

            def forward(self, x):
                return x


# --- F5: the Keras-callback hint reads the MRO; Keras's built-ins name glassnet's own ----------

_KerasCallback = type("Callback", (), {"__module__": "keras.src.callbacks.callback"})  # stand-ins: no keras import


def _refusal(cb):
    with pytest.raises(TypeError, match="callbacks must be glassnet.callbacks.Callback objects") as info:
        check_callbacks([cb])
    return str(info.value)


def test_a_users_keras_callback_subclass_gets_the_hint():
    class MyCallback(_KerasCallback):  # defined here (as in __main__), a keras.callbacks.Callback subclass
        def on_epoch_end(self, epoch, logs=None):
            pass

    text = _refusal(MyCallback())
    assert ("MyCallback is a Keras/TensorFlow callback (a subclass of keras.src.callbacks.callback.Callback)"
            in text)
    assert "subclass glassnet.callbacks.Callback with the same hooks" in text
    assert "Keras" not in _refusal(type("Mine", (), {})())


@pytest.mark.parametrize("name, module", [
    ("EarlyStopping", "keras.src.callbacks.early_stopping"), ("ModelCheckpoint", "keras.src.callbacks.model_checkpoint"),
    ("ReduceLROnPlateau", "keras.src.callbacks.reduce_lr_on_plateau"), ("CSVLogger", "keras.src.callbacks.csv_logger"),
    ("TensorBoard", "tf_keras.src.callbacks")])
def test_a_keras_built_in_callback_names_glassnets_own(name, module):
    assert hasattr(glassnet.callbacks, name)
    text = _refusal(type(name, (_KerasCallback,), {"__module__": module})())
    assert f"{name} is a Keras/TensorFlow callback ({module}), which glassnet's fit cannot run: use " \
           f"glassnet.callbacks.{name}(...) with the same arguments." in text
    assert "subclass" not in text
    # a Keras callback glassnet has no class for: write one
    assert "subclass glassnet.callbacks.Callback" in _refusal(type("OrbaxCheckpoint", (_KerasCallback,),
                                                                   {"__module__": module})())


# --- F7: online LMS warns on a 10-fold rise, not on a noisy wiggle ---------------------------------

def _at_the_optimum(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 3))
    t = X @ [1.0, -2, 0.5] + 0.3 * rng.normal(size=200)
    Xb = np.c_[np.ones(200), X]
    return X, t, np.linalg.lstsq(Xb, t, rcond=None)[0], 2 / (Xb**2).sum(1).max()


def test_a_stable_noisy_online_run_just_past_the_bound_does_not_warn():
    # from the least-squares weights at 1.2 x the sufficient bound, E rose 3 epochs running in these seeds
    # (38 of 1000) and stayed within 10-fold of its start (in all 1000); a 300-epoch run stays bounded
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossRiseWarning)
        for seed in (12, 22, 36, 41, 45):
            X, t, w, bound = _at_the_optimum(seed)
            E = delta_rule(X, t, activation="linear", learning_rate=1.2 * bound, epochs=6, weights=w, shuffle=True,
                           random_state=seed).errors
            assert (E[-3:] > 1.01 * E[-4:-1]).all() and E[-1] < 10 * E[0]


def test_a_divergent_online_run_still_warns():
    X, t, w, bound = _at_the_optimum(1)
    with pytest.warns(LossRiseWarning, match="too large and the weights diverge or swing far from the minimum"):
        E = delta_rule(X, t, activation="linear", learning_rate=3 * bound, epochs=6, weights=w, shuffle=True,
                       random_state=0).errors
    assert E[-1] > 1e6 * E[0]


# --- F9: the transpose hint names nn.Linear only for a Dense kernel ---------------------------------

def test_the_transpose_hint_names_nn_linear_only_for_a_kernel():
    m = Sequential([layers.Input((3,)), layers.Embedding(10, 4), layers.Flatten(), layers.Dense(2)])
    m.build()
    with pytest.raises(ValueError, match=r"\(10, 4\): the transpose \(pass weight\.T\)\.$"):
        m.layers[0].set_weights([np.zeros((4, 10))])
    with pytest.raises(ValueError, match=r"embeddings\) has shape \(4, 10\); expected \(10, 4\): the transpose "
                                         r"\(pass weight\.T\)\.$"):
        m.set_weights([np.zeros((4, 10)), np.zeros((12, 2)), np.zeros(2)])
    with pytest.raises(ValueError, match=r"dense/kernel\) .*: the transpose \(a PyTorch nn\.Linear\.weight is \(out, in\)"):
        m.set_weights([np.zeros((10, 4)), np.zeros((2, 12)), np.zeros(2)])
