"""Review of session 60's checks (hrev2): the start checks skip trained weights given to a fresh model and read the
loss without compile's loss_weights; fit refuses a forward override that changes the output; model(x) of a subclass
whose forward takes no pins; a mean-reduced loss as a metric counts per sample."""

import math
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import initializers as I
from glassnet import layers as L
from glassnet import losses
from glassnet.diagnostics import Diagnostics, DiagnosticWarning
from glassnet.metrics import MeanMetricWrapper
from glassnet.models import Model, Sequential
from conftest import quiet_diagnose


def circles():
    """make_circles(400, noise=0.05, factor=0.5), standardized (hrev2's F1 data), drawn here without scikit-learn."""
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 400)
    y = np.arange(400) % 2
    X = np.c_[np.cos(t), np.sin(t)] * np.where(y, 0.5, 1.0)[:, None] + rng.normal(0, 0.05, (400, 2))
    return (X - X.mean(0)) / X.std(0), y.astype(float)


def circles_net():
    model = Sequential([L.Input((2,)), L.Dense(64, "tanh"), L.Dense(64, "tanh"), L.Dense(1, "sigmoid")],
                       dtype="float64", seed=2)
    model.compile(optimizer=glassnet.optimizers.Adam(0.01), loss="binary_crossentropy")
    return model


@pytest.fixture(scope="module")
def trained():
    X, y = circles()
    model = circles_net()
    model.fit(X, y, epochs=300, batch_size=400, verbose=0)
    return model, X, y


def test_trained_weights_in_a_fresh_compile_get_no_start_warning(trained, tmp_path):
    model, X, y = trained
    fresh = circles_net()
    fresh.set_weights(model.get_weights())
    diagnosis = quiet_diagnose(fresh, X, y)
    assert fresh.optimizer.iterations == 0 and diagnosis.loss < 0.05  # it fits: untrained only by the step count
    assert max(l.tail_fraction for l in diagnosis.layers[:-1]) >= 0.5  # what the start check warned about
    assert diagnosis.problems == []
    path = str(tmp_path / "c.weights.h5")
    model.save_weights(path)
    loaded = circles_net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the OptimizerStateWarning of an unbuilt optimizer)
        loaded.load_weights(path)
    assert quiet_diagnose(loaded, X, y).problems == []
    callback = Diagnostics(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagnosticWarning)
        loaded.fit(X, y, epochs=3, initial_epoch=2, batch_size=400, verbose=0, callbacks=[callback])
    assert callback.problems == []


def test_a_model_that_fits_under_a_replaced_optimizer_gets_no_start_warning(trained):
    model, X, y = trained
    again = circles_net()
    again.set_weights(model.get_weights())
    del again.__dict__["_weights_given"]  # (as if trained in this process: only the fit tells)
    diagnosis = quiet_diagnose(again, X, y)
    assert max(l.tail_fraction for l in diagnosis.layers[:-1]) >= 0.5  # what the start check would warn about
    assert diagnosis.problems == []


def test_a_bad_start_is_still_flagged_and_weights_given_by_set_weights_are_not_a_start():
    # Karpathy's bad init (tests/test_karpathy_s60.py): both start checks fire; given by set_weights, the same
    # weights are no initializers' draw, whose scale the advice is about
    rng = np.random.default_rng(0)
    X, y = rng.integers(0, 27, size=(512, 3)), rng.integers(0, 27, size=512)
    model = Sequential([L.Input((3,), dtype="int64"), L.Embedding(27, 10, embeddings_initializer=I.RandomNormal(stddev=1.0)),
                        L.Flatten(), L.Dense(200, "tanh", kernel_initializer=I.RandomNormal(stddev=1.0)),
                        L.Dense(27, kernel_initializer=I.RandomNormal(stddev=1.0))], dtype="float64", seed=1)
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    assert {"saturated", "initial_loss"} <= set(dict(quiet_diagnose(model, X, y).problems))
    model.set_weights(model.get_weights())
    assert not {"saturated", "initial_loss"} & set(dict(quiet_diagnose(model, X, y).problems))


def mnist_like(loss_weight, stddev=None):
    kernel = "glorot_uniform" if stddev is None else I.RandomNormal(stddev=stddev)
    model = Sequential([L.Input((20,)), L.Dense(64, "tanh"), L.Dense(10, "softmax", kernel_initializer=kernel)],
                       dtype="float64", seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", loss_weights=loss_weight)
    return model


def test_the_initial_loss_check_reads_the_loss_without_compiles_loss_weights():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 20)), rng.integers(0, 10, 300)
    plain, weighted = quiet_diagnose(mnist_like(None), X, y), quiet_diagnose(mnist_like(5.0), X, y)
    assert weighted.loss == pytest.approx(5 * plain.loss, rel=1e-12) and weighted.loss > 2 * math.log(10)
    assert weighted.problems == plain.problems == []
    # a start far above chance is still told, in the loss's own figure
    plain, weighted = quiet_diagnose(mnist_like(None, 5.0), X, y), quiet_diagnose(mnist_like(5.0, 5.0), X, y)
    assert plain.loss > 2 * math.log(10)
    assert f"The loss before training is {plain.loss:.4g}," in dict(weighted.problems)["initial_loss"]


class Dense2(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1, self.drop, self.d2 = L.Dense(8, "tanh"), L.Dropout(0.5), L.Dense(1)

    def call(self, x):
        return self.d2(self.drop(self.d1(x)))


def test_fit_refuses_a_forward_override_that_changes_the_output():
    class Scaled(Dense2):
        def forward(self, X, training=False):
            return 10.0 * super().forward(X, training)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    model = Scaled(seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r"Scaled.forward returns another array than its last layer's output.*"
                                        r"super\(\).forward\(X, training"):
        model.fit(X, 2 * X[:, :1], epochs=1, verbose=0)


def test_forward_overrides_that_return_the_layers_output_still_train():
    class MC(Dense2):  # docs/api.md's whole-model Monte-Carlo dropout
        def forward(self, X, training=False):
            return super().forward(X, training=True)

    class Halved(Dense2):  # a change of the inputs: the layers' gradients are right
        def forward(self, X, training=False):
            return super().forward(X / 2, training)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 3))
    for cls in (MC, Halved):
        model = cls(seed=0)
        model.compile(optimizer="sgd", loss="mse")
        history = model.fit(X, 2 * X[:, :1], epochs=3, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        assert history.history["loss"][-1] < history.history["loss"][0]  # it learns: the gradients are the loss's

    class Rows(Sequential):  # samples of several axes: the last Dense returns a view of its rows, shaped back
        def forward(self, X, training=False):
            return super().forward(X, training)

    model = Rows([L.Input((4, 3)), L.Dense(2, "tanh"), L.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    X = rng.standard_normal((16, 4, 3))
    assert np.isfinite(model.fit(X, X[..., :1], epochs=2, verbose=0).history["loss"]).all()


def test_model_call_of_a_subclass_whose_forward_takes_no_pins():
    class AlwaysOn(Model):  # hrev2's F4: a literal training=True in call, forward(self, X, training=False)
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d1, self.drop, self.d2 = L.Dense(8, "relu"), L.Dropout(0.5), L.Dense(1)

        def call(self, x):
            return self.d2(self.drop(self.d1(x), training=True))

        def forward(self, X, training=False):
            return super().forward(X, training)

    X = np.random.default_rng(0).standard_normal((20, 3))
    model = AlwaysOn(seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, X[:, :1], epochs=1, verbose=0)
    first, second = model(X), model(X)  # the literal holds: dropout on in every call, two masks
    assert first.shape == (20, 1) and not np.array_equal(first, second)


def test_a_forward_without_pins_is_told_when_the_model_needs_them():
    class Plain(Sequential):
        def forward(self, X, training=False):
            return super().forward(X, training)

    model = Plain([L.Input((3,)), L.Dense(4), L.Dropout(0.5), L.Dense(1)])
    model._pins = {model.layers[1]: True}  # (as a functional call given training=True records them)
    with pytest.raises(TypeError, match=r"Plain.forward takes no pins.*def forward\(self, X, training=False, "
                                        r"pins=None\)"):
        model(np.ones((2, 3)))


def test_a_mean_reduced_loss_as_a_metric_counts_per_sample():
    rng = np.random.default_rng(0)
    Y, A = rng.standard_normal((1000, 3)), rng.standard_normal((1000, 3))
    metric = MeanMetricWrapper(losses.MeanSquaredError())
    for start in range(0, 1000, 300):
        metric.update_state(Y[start:start + 300], A[start:start + 300])
    assert metric._one_number is False
    assert metric.result() == pytest.approx(np.mean((A - Y) ** 2), rel=1e-12)
    # weighted, Keras's figure: each batch's mean weighted by its weights' sum (a loss has no per-sample weights there)
    weighted, w = MeanMetricWrapper(losses.MeanSquaredError()), rng.uniform(0.5, 2, 1000)
    weighted.update_state(Y[:300], A[:300], w[:300])
    weighted.update_state(Y[300:], A[300:], w[300:])
    means = [np.mean((A[s] - Y[s]) ** 2) for s in (slice(0, 300), slice(300, None))]
    expected = (means[0] * w[:300].sum() + means[1] * w[300:].sum()) / w.sum()
    assert weighted.result() == pytest.approx(expected, rel=1e-12)
    # a function of the user's that returns one number is still one number
    rmse = MeanMetricWrapper(lambda y, p: np.sqrt(np.mean((y - p) ** 2)))
    rmse.update_state(Y, A)
    assert rmse._one_number is True


def test_evaluate_of_a_loss_metric_equals_the_loss_in_one_pass():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3000, 5)), rng.integers(0, 3, 3000)
    model = Sequential([L.Input((5,)), L.Dense(3, "softmax")], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=[losses.SparseCategoricalCrossentropy(name="sce")])
    calls = []
    cls = losses.SparseCategoricalCrossentropy
    original = cls.__call__
    cls.__call__ = lambda self, *a, **k: calls.append(1) or original(self, *a, **k)
    try:
        result = model.evaluate(X, y, verbose=0, return_dict=True)
    finally:
        cls.__call__ = original
    assert result["sce"] == pytest.approx(result["loss"], rel=1e-12)
    assert len(calls) < 10  # the loss and the metric on 1024-row chunks, not the metric on 94 batches of 32
