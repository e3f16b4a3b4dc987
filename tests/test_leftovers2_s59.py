"""Session 59 leftovers: evaluate's warning for a stream of zero sample weights, the advice for a dataset
of single samples (timeseries_dataset_from_array(..., batch_size=None)), and clone_model's check of a
custom optimizer's config."""

import warnings

import numpy as np
import pytest

import glassnet as gn
from glassnet.utils import PyDataset, timeseries_dataset_from_array

_rng = np.random.default_rng(0)
X = _rng.normal(size=(32, 3))
Y = _rng.normal(size=(32, 1))


def _model():
    model = gn.models.Sequential([gn.layers.Input((3,)), gn.layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse")
    return model


class _Weighted(PyDataset):
    def __init__(self, weights):
        super().__init__()
        self.weights = weights

    def __len__(self):
        return 4

    def __getitem__(self, i):
        rows = slice(8 * i, 8 * i + 8)
        return X[rows], Y[rows], self.weights[rows]


def _zero_weight_warnings(caught):
    return [w for w in caught if "the weight 0" in str(w.message)]


@pytest.mark.parametrize("kind", ["generator", "PyDataset"])
def test_evaluate_of_a_stream_whose_sample_weights_are_all_0_warns(kind):
    zeros = np.zeros(32)
    data = (_Weighted(zeros) if kind == "PyDataset" else
            ((X[i:i + 8], Y[i:i + 8], zeros[i:i + 8]) for i in range(0, 32, 8)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = _model().evaluate(data, verbose=0)
    assert loss == 0.0  # as Keras: a weighted mean over no weight is 0 (the figure is kept, and said)
    (warning,) = _zero_weight_warnings(caught)
    assert "every sample of x's 4 batches the weight 0" in str(warning.message)
    assert warning.filename == __file__  # the user's line


def test_fit_validation_on_all_0_weights_warns_once_and_partial_weights_do_not():
    model = _model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(X, Y, epochs=3, verbose=0, validation_data=_Weighted(np.zeros(32)))
    assert history.history["val_loss"] == [0.0, 0.0, 0.0]
    (warning,) = _zero_weight_warnings(caught)  # once a fit, not once each validation
    assert "validation_data's 4 batches" in str(warning.message)

    w = np.where(np.arange(32) < 24, 0.0, 2.0)  # the last batch alone weighed: no warning, the figure unchanged
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = model.evaluate(_Weighted(w), verbose=0)
    assert not _zero_weight_warnings(caught)
    # by hand: each batch's sum of w·(y - ŷ)² over its 8 samples (Keras's sum_over_batch_size), averaged
    # over the 4 batches of 8
    err = w * (Y[:, 0] - model.predict(X, verbose=0)[:, 0]) ** 2
    assert loss == pytest.approx(err.reshape(4, 8).sum(axis=1).mean() / 8, rel=1e-5)


def _windows(batch_size):
    series = np.arange(100, dtype=float).reshape(50, 2)
    return timeseries_dataset_from_array(series, targets=series[5:, 0], sequence_length=5, batch_size=batch_size)


def _window_model(with_input=True):
    model = gn.models.Sequential(([gn.layers.Input((5, 2))] if with_input else [])
                                 + [gn.layers.Flatten(), gn.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_a_dataset_of_single_windows_is_said_to_need_a_batch_size(call):
    model = _window_model()
    with pytest.raises(ValueError) as info:
        getattr(model, call)(_windows(None), verbose=0)
    message = str(info.value)
    assert message.startswith("batch 1 of x: x has shape (5, 2), one sample of the model's input (n, 5, 2)")
    assert "yields single samples, not batches" in message and "batch_size=None" in message
    assert "give it a batch_size" in message
    assert "np.newaxis" not in message  # the advice for one array given without its batch axis is not this case


def test_a_dataset_of_single_windows_to_a_model_without_input_gets_the_advice_too():
    with pytest.raises(ValueError, match=r"a single value.* If the dataset yields single samples, not batches"):
        _window_model(with_input=False).fit(_windows(None), epochs=1, verbose=0)


def test_batched_windows_and_other_shape_errors_keep_their_messages():
    model = _window_model()
    model.fit(_windows(8), epochs=1, verbose=0)  # batched: trains
    assert model.predict(_windows(8), verbose=0).shape == (45, 1)  # min(50 - 5 + 1 windows, 45 targets), as Keras
    wrong = gn.models.Sequential([gn.layers.Input((5, 3)), gn.layers.Flatten(), gn.layers.Dense(1)])
    wrong.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"the model expected \(5, 3\), got \(5, 2\)") as info:
        wrong.fit(_windows(8), epochs=1, verbose=0)  # batches of the wrong sample shape: not single samples
    assert "single samples" not in str(info.value)


class _Scaled(gn.optimizers.SGD):
    """An optimizer with an argument of its own that its get_config may leave out."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor


class _ScaledWithConfig(_Scaled):
    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _compiled(optimizer):
    model = gn.models.Sequential([gn.layers.Input((3,)), gn.layers.Dense(1)])
    model.compile(optimizer, "mse")
    return model


def test_clone_model_refuses_a_custom_optimizer_config_that_drops_an_argument():
    with pytest.warns(UserWarning, match=r"The clone is not compiled: .*get_config\(\) does not return factor, so "
                                         r"the cloned optimizer would get __init__'s default \(factor=2\.0, not 5\.0\)"):
        clone = gn.models.clone_model(_compiled(_Scaled(factor=5.0, learning_rate=0.1)))
    assert not clone.compiled  # not compiled with factor=2.0, silently


def test_clone_model_keeps_a_custom_optimizer_whose_config_holds_its_arguments():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        given = gn.models.clone_model(_compiled(_ScaledWithConfig(factor=5.0, learning_rate=0.1)))
        default = gn.models.clone_model(_compiled(_Scaled(learning_rate=0.1)))  # the default: nothing lost
    assert type(given.optimizer) is _ScaledWithConfig and given.optimizer.factor == 5.0
    assert type(default.optimizer) is _Scaled and default.optimizer.factor == 2.0
    assert float(given.optimizer.learning_rate) == pytest.approx(0.1)
