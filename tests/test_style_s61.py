"""Session 61's clean-ups (checks merged into shared helpers): what the merged code does the same everywhere,
and the two places where it changed (the bool checks' cut repr, plot_decision_boundary's early length check)."""

import numpy as np
import pytest

import glassnet
from glassnet import activations, layers, losses, plots, preprocessing, regularizers
from glassnet.datasets import logic_gate
from glassnet.diagnostics import diagnose
from glassnet.gradcheck import check_gradients
from glassnet.models import Sequential
from glassnet.trace import trace

LONG = list(range(3000))  # its repr: 16,889 characters


def _model(compiled=True):
    model = Sequential([layers.Input((2,)), layers.Dense(3, activation="tanh"), layers.Dense(1)])
    if compiled:
        model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("call, name", [
    (lambda tmp: _model().save(tmp / "m.gn", overwrite=LONG), "overwrite"),
    (lambda tmp: glassnet.models.load_model(tmp / "m.gn", safe_mode=LONG), "safe_mode"),
    (lambda tmp: Sequential(trainable=LONG), "trainable"),
    (lambda tmp: setattr(_model(), "trainable", LONG), "trainable"),
    (lambda tmp: _model(compiled=False).compile(optimizer="sgd", loss="mse", run_eagerly=LONG), "run_eagerly"),
    (lambda tmp: _model().evaluate(np.ones((2, 2)), np.ones((2, 1)), verbose=0, return_dict=LONG), "return_dict"),
    (lambda tmp: layers.Dense(2, trainable=LONG), "trainable"),
    (lambda tmp: layers.GlobalAveragePooling1D(keepdims=LONG), "keepdims"),
    (lambda tmp: losses.BinaryCrossentropy(from_logits=LONG), "from_logits"),
    (lambda tmp: activations.GELU(approximate=LONG), "approximate"),
    (lambda tmp: trace(_model(), np.ones((2, 2)), np.ones((2, 1)), apply=LONG), "apply"),
])
def test_a_bad_flag_is_refused_with_its_value_cut_as_check_bool_cuts_it(call, name, tmp_path):
    # model.save(path, overwrite=list(range(3000))) printed the whole list: a 16,943-character TypeError
    with pytest.raises(TypeError, match=f"^{name} must be True or False. Received: {name}=") as info:
        call(tmp_path)
    assert len(str(info.value)) < 300


def test_plot_decision_boundary_refuses_a_length_mismatch_before_predicting_the_grid():
    pytest.importorskip("matplotlib")

    class Counting:
        calls = 0

        def predict(self, X):
            Counting.calls += 1
            return X[:, :1]

    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="X and y must have the same number of samples. Received 50 and 49"):
        plots.plot_decision_boundary(Counting(), X, np.zeros(49))
    assert Counting.calls == 0  # (the 200 x 200 grid was predicted and contoured first)


@pytest.mark.parametrize("make, reg_keys", [
    (lambda r: layers.Dense(3, kernel_regularizer=r, bias_regularizer=r), ("W", "b")),
    (lambda r: layers.BatchNormalization(gamma_regularizer=r, beta_regularizer=r), ("gamma", "beta")),
])
def test_dense_and_batch_norm_add_their_regularizers_value_only_while_trainable(make, reg_keys):
    layer = make(regularizers.L2(0.01))
    assert layer.weight_losses == [] and layer.adds_penalty  # not built yet
    layer.build((None, 4))
    rng = np.random.default_rng(1)
    for key in reg_keys:
        layer.params[key][...] = rng.normal(size=layer.params[key].shape)
    expected = [0.01 * float(np.sum(np.asarray(layer.params[key], dtype=np.float64) ** 2)) for key in reg_keys]
    np.testing.assert_allclose(layer.weight_losses, expected, rtol=1e-6)  # L2: 0.01 Σ w², worked by hand
    np.testing.assert_allclose(layer.regularization_penalty(), sum(expected), rtol=1e-6)
    layer.trainable = False
    assert layer.weight_losses == []  # a frozen layer's weights are constants (as Keras)
    assert make(None).adds_penalty is False and make(None).regularization_penalty() == 0.0


@pytest.mark.parametrize("make", [
    lambda dtype: preprocessing.to_categorical([0, 1, 2], dtype=dtype),
    lambda dtype: logic_gate("and", dtype=dtype),
])
def test_to_categorical_and_the_toy_datasets_check_their_dtype_alike(make):
    with pytest.raises(TypeError, match="^dtype must be a NumPy dtype such as 'float32'. Received: dtype='nope'"):
        make("nope")
    for bad, shown in (("U1", "str32"), ("M8[s]", "datetime64\\[s\\]"), (complex, "complex128"), (object, "object")):
        with pytest.raises(ValueError, match=f"^dtype must be a real number dtype .* Received: dtype={shown}$"):
            make(bad)
    for good in ("float32", "int8", bool, None):
        out = make(good)
        out = out[0] if isinstance(out, tuple) else out
        assert out.dtype == np.dtype(good if good is not None else glassnet.backend.floatx())


@pytest.mark.parametrize("call, who", [
    (lambda m: trace(m, np.ones((2, 2)), np.ones((2, 1))), "trace"),
    (lambda m: diagnose(m, np.ones((2, 2)), np.ones((2, 1))), "diagnose"),
    (lambda m: check_gradients(m, np.ones((2, 2)), np.ones((2, 1))), "check_gradients"),
])
def test_trace_diagnose_and_check_gradients_refuse_an_uncompiled_model_alike(call, who):
    with pytest.raises(ValueError, match=rf"^{who}\(\) needs a compiled model: call model.compile\(optimizer, loss\)"):
        call(_model(compiled=False))
    with pytest.raises(TypeError, match="^model must be a glassnet"):
        call("model")


def test_fit_and_train_on_batch_refuse_both_weightings_alike():
    model, X, y = _model(), np.ones((4, 2)), np.array([[0.0], [1.0], [0.0], [1.0]])
    for what, call in (("fit", lambda: model.fit(X, y, sample_weight=np.ones(4), class_weight={0: 1.0}, verbose=0)),
                       ("train_on_batch", lambda: model.train_on_batch(X, y, np.ones(4), class_weight={0: 1.0}))):
        with pytest.raises(ValueError, match=rf"^{what}\(\) takes class_weight or sample_weight, not both"):
            call()


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_scaler_and_estimators_word_a_column_count_and_an_empty_x_as_scikit_learn():
    scaler = preprocessing.StandardScaler().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="^X has 3 features, but StandardScaler is expecting 2 features as input."):
        scaler.transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"^X is empty \(shape \(0, 2\)\); at least one sample is required."):
        scaler.fit(np.ones((0, 2)))
    with pytest.raises(ValueError, match=r"^x is empty \(shape \(0, 2\)\); at least one sample is required."):
        glassnet._validation.check_array(np.ones((0, 2)))
    clf = glassnet.sklearn.MLPRegressor(hidden_layer_sizes=(2,), max_iter=2).fit(np.ones((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match="^X has 3 features, but MLPRegressor is expecting 2 features as input."):
        clf.predict(np.ones((2, 3)))

