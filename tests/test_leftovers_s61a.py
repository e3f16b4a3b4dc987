"""Session 61 leftovers (code health): the zero-sample-weights warning of fit's and evaluate's streams said by one
helper, once a fit; an optimizer drops its own scratch vectors after a scikit-learn fit that is not continued;
the wrappers' mistyped keywords through ``_named_init`` with a hint of where the setting goes; ``Input``'s
dtype checked before Layer's, no message text parsed."""

import warnings

import numpy as np
import pytest

import glassnet as gn
import glassnet.sklearn as gs
from glassnet.wrappers import SKLearnClassifier, SKLearnRegressor

X, Y = np.split(np.random.default_rng(61).normal(size=(32, 4)), [3], axis=1)


def _model(units=1, activation=None, loss="mse"):
    """A linear regression of ``X`` by SGD, or (``units=2``, softmax) a classifier."""
    layers = [gn.layers.Input((3,)), gn.layers.Dense(units, activation=activation, kernel_initializer="ones")]
    model = gn.models.Sequential(layers)
    model.compile("sgd", loss)
    return model


def _zero_weighted(epochs=1):
    """A generator of ``epochs`` passes of 4 batches of 8 rows, every sample weighing 0."""
    return ((X[i:i + 8], Y[i:i + 8], np.zeros(8)) for _ in range(epochs) for i in range(0, 32, 8))


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught if "the weight 0" in str(w.message)], caught


# --- 1. the zero-weights warning: one helper, once a fit --------------------------------------------------------

def test_fit_on_a_zero_weighted_stream_with_zero_weighted_validation_warns_once_each():
    model = _model()
    before = model.get_weights()
    history, said, caught = _caught(lambda: model.fit(_zero_weighted(3), steps_per_epoch=4, epochs=3, verbose=0,
                                                      validation_data=_zero_weighted(3), validation_steps=4))
    assert said == [
        "The sample weights gave every sample of epoch 1's 4 batches the weight 0: its loss is 0 whatever the "
        "model, and it trained on nothing. Give some sample a nonzero weight.",
        "The sample weights gave every sample of validation_data's 4 batches the weight 0: its loss is 0 whatever "
        "the model. Give some sample a nonzero weight."]
    assert all(w.filename == __file__ for w in caught if "the weight 0" in str(w.message))  # the user's line
    assert history.history["loss"] == [0.0] * 3 and history.history["val_loss"] == [0.0] * 3
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    # a second fit of the same model warns again (once a fit, not once a model)
    _, said, _ = _caught(lambda: model.fit(_zero_weighted(), steps_per_epoch=4, epochs=1, verbose=0))
    assert len(said) == 1 and "epoch 1's 4 batches" in said[0]


def test_class_weight_is_named_and_evaluate_warns_once_a_call():
    model = _model(2, "softmax", "categorical_crossentropy")
    onehot = np.eye(2)[np.zeros(32, int)]
    stream = ((X[i:i + 8], onehot[i:i + 8]) for _ in range(2) for i in range(0, 32, 8))
    _, said, _ = _caught(lambda: model.fit(stream, steps_per_epoch=4, epochs=2, verbose=0, class_weight={0: 0, 1: 1}))
    assert said == ["class_weight gave every sample of epoch 1's 4 batches the weight 0: its loss is 0 whatever the "
                    "model, and it trained on nothing. Give some sample a nonzero weight."]
    model = _model()
    for _ in range(2):  # each evaluate says it
        loss, said, _ = _caught(lambda: model.evaluate(_zero_weighted(), verbose=0))
        assert loss == 0.0 and said == [
            "The sample weights gave every sample of x's 4 batches the weight 0: its loss is 0 whatever the model. "
            "Give some sample a nonzero weight."]


# --- 2. the optimizer drops its own scratch ---------------------------------------------------------------------

@pytest.mark.parametrize("solver, scratch", [({"optimizer": "nadam"}, "_tmp2"), ({"solver": "sgd"}, "_step")])
def test_a_fit_not_continued_drops_the_optimizer_scratch_and_resumes_bitwise(solver, scratch):
    rng = np.random.default_rng(1)
    Xc, yc = rng.normal(size=(120, 5)), rng.integers(0, 3, 120)
    settings = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0, batch_size=32, **solver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        released = gs.MLPClassifier(**settings).fit(Xc, yc)
        kept = gs.MLPClassifier(**settings, warm_start=True).fit(Xc, yc)
        assert scratch not in vars(released.model_.optimizer)  # (Nesterov SGD's _step, Nadam's _tmp2)
        assert scratch in vars(kept.model_.optimizer)
        assert "_tmp" in vars(released.model_.optimizer)  # (the gradient vector stays)
        for est in (released, kept):
            est.partial_fit(Xc[:50], yc[:50])
        for name, state in released.model_.optimizer.state.items():
            np.testing.assert_array_equal(state, kept.model_.optimizer.state[name])
        for a, b in zip(released.coefs_ + released.intercepts_, kept.coefs_ + kept.intercepts_):
            np.testing.assert_array_equal(a, b)
        released.set_params(warm_start=True).fit(Xc, yc)
        kept.fit(Xc, yc)
    for a, b in zip(released.coefs_ + released.intercepts_, kept.coefs_ + kept.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_an_optimizer_releases_only_its_scratch():
    opt = gn.optimizers.SGD(0.1, momentum=0.9, nesterov=True)
    model = gn.models.Sequential([gn.layers.Input((3,)), gn.layers.Dense(1)], seed=0)
    model.compile(opt, "mse")
    model.fit(X, Y, epochs=1, verbose=0)
    state = {k: v.copy() for k, v in opt.state.items()}
    assert "_step" in vars(opt)
    opt._release_scratch()
    assert "_step" not in vars(opt) and opt.iterations == 1 and state.keys() == opt.state.keys()
    model.fit(X, Y, epochs=1, verbose=0)  # (made again at the next step)
    assert "_step" in vars(opt) and opt.iterations == 2


# --- 3. the wrappers' keyword errors through _named_init ----------------------------------------------------------

def _build(X, y):
    model = gn.models.Sequential([gn.layers.Input((X.shape[1],)), gn.layers.Dense(y.shape[1])])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("cls, key, message", [
    (SKLearnClassifier, "epochs", "SKLearnClassifier.__init__() got an unexpected keyword argument 'epochs'. fit's "
                                  "settings go in fit_kwargs={'epochs': ...}."),
    (SKLearnRegressor, "warmstart", "SKLearnRegressor.__init__() got an unexpected keyword argument 'warmstart'. "
                                    "Did you mean 'warm_start'?"),
    (SKLearnClassifier, "model__units", "SKLearnClassifier.__init__() got an unexpected keyword argument "
                                        "'model__units'. A model-building function's arguments go in "
                                        "model_kwargs={'units': ...} (model is called as model(X=X, y=y, "
                                        "**model_kwargs)); the parameters are model, warm_start, model_kwargs, "
                                        "fit_kwargs."),
])
def test_a_wrapper_s_unknown_keyword_says_where_it_goes(cls, key, message):
    with pytest.raises(TypeError) as info:
        cls(_build, **{key: 1})
    assert str(info.value) == message


def test_a_wrapper_s_other_binding_errors_name_the_class_and_its_signature_stays():
    import inspect

    with pytest.raises(TypeError, match=r"^SKLearnRegressor\.__init__\(\) got multiple values for argument 'model'$"):
        SKLearnRegressor(_build, model=_build)
    assert list(inspect.signature(SKLearnClassifier.__init__).parameters) == [
        "self", "model", "warm_start", "model_kwargs", "fit_kwargs"]
    assert SKLearnClassifier(_build, fit_kwargs={"epochs": 2}).get_params()["fit_kwargs__epochs"] == 2


# --- 4. Input's dtype checked first, no message parsed ------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bfloat16", "complex128", 3])
def test_input_refuses_a_dtype_with_its_own_message(dtype):
    with pytest.raises(ValueError) as info:
        gn.layers.Input(shape=(2,), dtype=dtype)
    assert str(info.value).startswith("dtype must be one of float16, float32, float64 (the layers compute in one) "
                                      "or an integer or bool dtype (ids for an Embedding), as an Input takes.")
    assert str(info.value).endswith(f"Received: dtype={dtype!r}")


def test_input_s_other_errors_come_first_and_a_mixed_policy_warns_once():
    with pytest.raises(ValueError, match="input_shape"):  # (Layer's order: the shape before the dtype)
        gn.layers.Input(shape=(-1,), dtype="bfloat16")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = gn.layers.Input(shape=(3,), dtype="mixed_float16")
    assert len([w for w in caught if "mixed precision" in str(w.message)]) == 1
    assert layer.dtype == "float32" and layer.get_config()["dtype"] == "mixed_float16"
    assert gn.layers.Input(shape=(3,), dtype="int32").dtype == "int32"
    assert gn.layers.Input(shape=(3,), dtype="float64").dtype == "float64"
