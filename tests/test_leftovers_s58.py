"""Session 58 leftovers: hints for the classic estimators' parameter names, unscaled regression targets
in diagnose, and two fit/functional messages."""

import re

import pytest

from glassnet import classic

# each wrong synonym (scikit-learn's, Keras's, PyTorch's, a textbook's) and the name each estimator takes
_RIGHT = {
    classic.Perceptron: {"epochs": "max_epochs", "max_iter": "max_epochs", "n_iter": "max_epochs",
                         "eta0": "learning_rate", "eta": "learning_rate", "lr": "learning_rate", "seed": "random_state"},
    classic.Adaline: {"epochs": "max_epochs", "max_iter": "max_epochs", "n_iter": "max_epochs",
                      "eta0": "learning_rate", "eta": "learning_rate", "lr": "learning_rate", "seed": "random_state"},
    classic.SOM: {"max_epochs": "epochs", "max_iter": "epochs", "n_iter": "epochs",
                  "eta0": "learning_rate", "eta": "learning_rate", "lr": "learning_rate", "seed": "random_state"},
    classic.Hopfield: {"epochs": "max_iter", "max_epochs": "max_iter", "n_iter": "max_iter", "seed": "random_state"},
}


@pytest.mark.parametrize("cls, wrong, right", [(cls, w, r) for cls, names in _RIGHT.items() for w, r in names.items()],
                         ids=lambda v: getattr(v, "__name__", v))
def test_classic_estimator_names_the_parameter_a_synonym_means(cls, wrong, right):
    with pytest.raises(TypeError, match=rf"^{cls.__name__}\.__init__\(\) got an unexpected keyword argument "
                                        rf"'{wrong}'\. Did you mean '{right}'\?$"):
        cls(**{wrong: 5})
    est = cls(**{right: 5})  # the right name: stored unchanged, as before
    assert getattr(est, right) == 5 and est.get_params()[right] == 5


def test_classic_estimator_lists_its_parameters_when_nothing_is_close():
    with pytest.raises(TypeError, match=r"^Hopfield\.__init__\(\) got an unexpected keyword argument 'sweeps'\. "
                                        r"Valid parameters are: max_iter, order, random_state\.$"):
        classic.Hopfield(sweeps=3)
    with pytest.raises(TypeError, match=r"^Perceptron\.__init__\(\) takes from 1 to 5 positional arguments but 6 "
                                        r"were given$"):
        classic.Perceptron(1, 2, 3, 4, 5)


def _regression(y_scale, y_shift, epochs=5):
    import numpy as np

    from glassnet.layers import Dense
    from glassnet.models import Sequential
    from glassnet.optimizers import Adam

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X @ rng.normal(size=5)) * y_scale + y_shift
    model = Sequential([Dense(16, "relu", input_dim=5), Dense(1)], seed=0)
    model.compile(Adam(0.001), "mse")
    model.fit(X, y, epochs=epochs, batch_size=32, verbose=0)
    return model, X, y


def test_diagnose_names_unscaled_regression_targets_worse_than_their_mean():
    import numpy as np

    from glassnet.diagnostics import DiagnosticWarning, diagnose

    model, X, y = _regression(1e4, 1e5)  # targets ~1e5 ± 2e4: the F8 case of the report
    # the loss of predicting the mean is np.var(y), computed here independently
    expected = re.escape(f"The targets are not scaled (mean {y.mean():.3g}, standard deviation {y.std():.3g}), and "
                         f"the model does no better than predicting their mean for every sample (probe loss ")
    with pytest.warns(DiagnosticWarning, match=expected + r"\S+, the mean's " + re.escape(f"{np.var(y):.3g})")):
        diagnosis = diagnose(model, X, y)
    kinds = [kind for kind, _ in diagnosis.problems]
    assert kinds == ["unscaled_targets"]
    assert "(y - y_mean) / y_std" in diagnosis.warnings[0] and "predict(x) * y_std + y_mean" in diagnosis.warnings[0]
    # independently: the model's squared error is above that of predicting the mean, np.var(y)
    mse = float(np.mean((model.predict(X, verbose=0).ravel() - y) ** 2))
    assert mse > np.var(y) and np.isclose(diagnosis.loss, mse, rtol=1e-6)
    assert [k for k, _ in model.diagnose(X, y, warn=False).problems] == ["unscaled_targets"]


def test_diagnose_stays_quiet_on_scaled_or_fitted_targets():
    import numpy as np

    from glassnet.diagnostics import diagnose

    for scale, shift, epochs in ((1.0, 0.0, 5), (0.5, 3.0, 5), (300.0, 0.0, 0)):
        model, X, y = _regression(scale, shift, epochs)
        if epochs == 0:  # targets of std ~600 a linear model fits exactly: no worse than their mean, no problem
            w, *_ = np.linalg.lstsq(np.c_[X, np.ones(len(X))], y, rcond=None)
            model.layers[0].set_weights([np.eye(5, 16), np.zeros(16)])
            model.layers[1].set_weights([np.r_[w[:5], np.zeros(11)][:, None], w[5:]])
        assert "unscaled_targets" not in [k for k, _ in diagnose(model, X, y, warn=False).problems]


@pytest.mark.parametrize("pack", [tuple, list])
def test_data_and_targets_given_as_one_x_are_told_to_pass_two_arguments(pack):
    import numpy as np

    from glassnet.layers import Dense, Input
    from glassnet.models import Sequential

    X, Y = np.zeros((20, 3)), np.eye(2)[np.arange(20) % 2]
    model = Sequential([Input((3,)), Dense(2, "softmax")])
    model.compile("adam", "categorical_crossentropy")
    given = "(x, y)" if pack is tuple else "[x, y]"
    with pytest.raises(ValueError, match=re.escape("If they are the data and the targets, pass them as two arguments: "
                                                   f"fit(x, y), not fit({given}).")):
        model.fit(pack([X, Y]), verbose=0)
    with pytest.raises(ValueError, match=r"np\.hstack\(\[x1, x2\]\).*\(20, 3\)\]\.$"):  # three inputs: no such remark
        model.fit(pack([X, X, X]), Y, verbose=0)


def test_an_outputs_dict_in_a_keras_file_is_refused_without_the_inputs_remark():
    from glassnet.models.keras_reading import _endpoints

    with pytest.raises(ValueError) as info:
        _endpoints({"o": ["d", 0, 0]}, "output_layers")  # keras.Model(i, {"o": out})'s output_layers
    assert "outputs as a dict (keys ['o'])" in str(info.value) and "keyed by the name" not in str(info.value)
    assert "keras.Model(inputs, outputs['o'])" in str(info.value)
    with pytest.raises(ValueError, match=r"inputs as a dict .*but for one input keyed by the name given to it"):
        _endpoints({"x": ["input_layer", 0, 0]}, "input_layers")  # a key other than its Input's name
