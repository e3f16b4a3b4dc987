"""Keras code with only the imports changed: class names as strings, Keras's constructor
arguments, the function forms, keyword calls and custom Loss/Metric subclasses. Keras's
numbers are recorded here (computed with Keras 3.15 on JAX); no test imports Keras."""

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import activations, initializers, losses, metrics, optimizers, regularizers


@pytest.mark.parametrize("get, name, cls", [
    (metrics.get, "SparseCategoricalAccuracy", metrics.SparseCategoricalAccuracy),
    (metrics.get, "MeanSquaredError", metrics.MeanSquaredError),
    (metrics.get, "sparsecategoricalaccuracy", metrics.SparseCategoricalAccuracy),
    (losses.get, "CategoricalCrossentropy", losses.CategoricalCrossentropy),
    (losses.get, "MeanSquaredError", losses.MeanSquaredError),
    (activations.get, "LeakyReLU", activations.LeakyReLU),
    (optimizers.get, "RMSprop", optimizers.RMSprop),
    (initializers.get, "GlorotUniform", initializers.GlorotUniform),
    (regularizers.get, "L1L2", regularizers.L1L2),  # reached through a factory in the table: found all the same
])
def test_every_registry_takes_class_names_as_keras_get_does(get, name, cls):
    assert type(get(name)) is cls


@pytest.mark.parametrize("get, name", [
    (losses.get, "Loss"), (losses.get, "_Crossentropy"), (losses.get, "Crossentropy"),
    (metrics.get, "Metric"), (metrics.get, "SparseCategorical"), (activations.get, "Activation"),
])
def test_only_exact_class_names_are_read_and_the_error_says_class_names_work(get, name):
    with pytest.raises(ValueError, match=f"Unknown .*{name!r}.*Valid names: .*or a class name, such as"):
        get(name)


# -- Loss constructors: Keras's arguments ----------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda **kw: losses.MeanSquaredError(**kw), lambda **kw: losses.MeanAbsoluteError(**kw),
    lambda **kw: losses.Huber(**kw), lambda **kw: losses.Hinge(**kw),
    lambda **kw: losses.BinaryCrossentropy(**kw), lambda **kw: losses.CategoricalCrossentropy(**kw),
    lambda **kw: losses.SparseCategoricalCrossentropy(**kw), lambda **kw: losses.NegativeLogLikelihood(**kw),
    lambda **kw: losses.MaxMargin(**kw),
])
def test_losses_take_keras_s_arguments_and_refuse_the_others_by_name(make):
    loss = make(reduction="sum_over_batch_size", name="my_loss", dtype=None)
    assert loss.name == "my_loss"
    assert losses.deserialize(losses.serialize(loss)).name == "my_loss"  # kept in a model file
    assert "name" not in make().get_config()  # files of the default losses stay as they were
    assert make(reduction="sum").reduction == "sum"  # every reduction: tests/test_loss_reduction.py
    with pytest.raises(ValueError, match=r"Invalid value for argument `reduction`. Expected one of "
                                         r"'sum_over_batch_size', .*None. Received: reduction='total'"):
        make(reduction="total")
    with pytest.raises(ValueError, match="dtype must be None. Received: dtype='float32'"):
        make(dtype="float32")
    with pytest.raises(TypeError, match="name must be a string"):
        make(name=3)


def test_hinge_config_is_one_keras_reads_at_the_default_margin():
    # Keras 3.15's Hinge takes no margin: its from_config (and keras.losses.deserialize) of glassnet's config
    # {"margin": 1.0} raised "unexpected keyword argument 'margin'"; the margin, glassnet's, is written where
    # it is not Keras's 1, and read back
    assert "margin" not in losses.Hinge().get_config()
    assert "margin" not in losses.serialize(losses.Hinge(reduction="sum"))["config"]
    keras_config = {"name": "hinge", "reduction": "sum_over_batch_size"}  # keras.losses.Hinge().get_config()
    assert losses.Hinge.from_config(keras_config).margin == 1.0
    assert losses.Hinge(margin=2.0).get_config() == {"margin": 2.0}
    assert losses.deserialize(losses.serialize(losses.Hinge(margin=0.5))).margin == 0.5


def test_cross_entropies_take_keras_s_axis_arguments():
    assert losses.CategoricalCrossentropy(axis=-1).from_logits is False
    assert losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=None, axis=-1).from_logits
    assert losses.MeanSquaredError("sum_over_batch_size", "m").name == "m"  # Keras's positional order
    assert losses.CategoricalCrossentropy(True, 0.1, -1).label_smoothing == 0.1
    # Keras's docstrings write axis=1 for (n, k) arrays, the last axis there: taken (it was refused)
    for make in (losses.CategoricalCrossentropy, losses.BinaryCrossentropy, losses.SparseCategoricalCrossentropy):
        assert make(axis=1).axis == 1
    assert metrics.CosineSimilarity(axis=1).axis == 1
    with pytest.raises(TypeError, match="axis must be an integer"):
        losses.CategoricalCrossentropy(axis=1.0)
    with pytest.raises(TypeError, match="ignore_class must be an integer .* Received: ignore_class=0.5"):
        losses.SparseCategoricalCrossentropy(ignore_class=0.5)
    assert losses.CategoricalCrossentropy(epsilon=1e-12).epsilon == 1e-12  # glassnet's own clip, by keyword


class CustomMSE(losses.Loss):
    """keras.io's "Custom losses" example, with NumPy for keras.ops."""

    def __init__(self, regularization_factor=0.1, name="custom_mse"):
        super().__init__(name=name)
        self.regularization_factor = regularization_factor

    def call(self, y_true, y_pred):
        mse = np.mean(np.square(y_true - y_pred), axis=-1)
        reg = np.mean(np.square(0.5 - y_pred), axis=-1)
        return mse + self.regularization_factor * reg


class CustomMSEWithGradient(CustomMSE):
    def per_sample_gradient(self, Y, A):
        return (2 * (A - Y) + self.regularization_factor * 2 * (A - 0.5)) / A.shape[-1]


def test_a_loss_written_for_keras_computes_and_is_told_at_compile_what_training_needs(rng):
    from glassnet import check_gradients
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    Y, A = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    loss = CustomMSE()
    assert loss.name == "custom_mse"
    by_hand = np.mean(np.mean((Y - A) ** 2, axis=-1) + 0.1 * np.mean((0.5 - A) ** 2, axis=-1))
    assert loss(Y, A) == pytest.approx(by_hand, rel=1e-12)
    assert loss(y_true=Y, y_pred=A) == pytest.approx(by_hand, rel=1e-12)
    model = Sequential([Dense(3, input_dim=2)], dtype="float64")
    with pytest.raises(TypeError, match=r"CustomMSE defines Keras's call\(y_true, y_pred\) but not its gradient: "
                                        r"glassnet backpropagates by hand.*per_sample_gradient\(Y, A\)"):
        model.compile(optimizer="sgd", loss=CustomMSE())

    class NoGradient(losses.Loss):
        def per_sample(self, Y, A):
            return np.sum(A - Y, axis=-1)

    with pytest.raises(TypeError, match=r"NoGradient has no per_sample_gradient.*Subclass glassnet.losses.Loss"):
        model.compile(optimizer="sgd", loss=NoGradient)
    with pytest.raises(NotImplementedError, match="must define per_sample"):
        losses.Loss()(Y, A)
    model.compile(optimizer="sgd", loss=CustomMSEWithGradient())  # call + its gradient: trains
    X = rng.normal(size=(5, 2))
    assert check_gradients(model, X, Y).max_error < 1e-6
    assert model.evaluate(X, Y) == pytest.approx(CustomMSE()(Y, model.predict(X)), rel=1e-12)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
@pytest.mark.parametrize("values", [lambda Y, A: (Y - A) ** 2, lambda Y, A: np.sum((Y - A) ** 2)],
                         ids=["per element", "one number"])
def test_a_loss_whose_call_does_not_give_one_value_per_sample_is_told_so(values, reduction):
    # the per-row sum of (n, k) values was read as n per-sample losses: 27.5 for Keras's mean of
    # all elements 9.1667 (k = 3 times it), a raw NumPy error under reduction=None
    class Elementwise(losses.Loss):
        def call(self, y_true, y_pred):
            return values(y_true, y_pred)

    Y, A = np.arange(6.0).reshape(2, 3), np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"Elementwise.per_sample \(or Keras's call\) must return one loss per "
                                         r"sample, shape \(2,\).*Received shape \((2, 3)?\)"):
        Elementwise(reduction=reduction)(Y, A)


# -- keyword calls and Metric.__call__ -------------------------------------------------------

def test_losses_and_metrics_take_keras_s_keyword_names_and_metric_call_returns_the_result():
    yt, yp = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[0.2, 0.8], [0.6, 0.4]])
    by_hand = -np.mean(np.log([0.8, 0.6]))
    assert losses.CategoricalCrossentropy()(y_true=yt, y_pred=yp) == pytest.approx(by_hand, rel=1e-12)
    assert losses.MeanSquaredError()(y_true=yt, y_pred=yp, sample_weight=[1, 0]) == pytest.approx(0.04 / 2)
    assert losses.Hinge()(y_true=yt, y_pred=yp) == pytest.approx(losses.Hinge()(yt, yp))
    for m in (metrics.CategoricalAccuracy(), metrics.MeanSquaredError(), metrics.Precision(), metrics.AUC(),
              metrics.F1Score(), metrics.SparseTopKCategoricalAccuracy(k=1), metrics.get(lambda y, p: p - y)):
        m.update_state(y_true=yt, y_pred=yp, sample_weight=[1.0, 1.0])
    acc = metrics.CategoricalAccuracy()
    assert acc(yt, yp) == 1.0 and acc(yt, yp[:, ::-1], sample_weight=[1, 3]) == pytest.approx(2 / 6)  # streams
    assert metrics.SparseCategoricalAccuracy()(y_true=[1, 1], y_pred=yp) == 0.5


# -- a Metric subclass written for Keras -----------------------------------------------------

class CategoricalTruePositives(metrics.Metric):
    """keras.io's "Writing your own metrics" example, with NumPy for keras.ops."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.reshape(np.argmax(y_pred, axis=1), (-1, 1))
        values = np.asarray(y_true).astype("int32") == y_pred.astype("int32")
        values = values.astype("float32")
        if sample_weight is not None:
            values = values * np.asarray(sample_weight, "float32")[:, None]
        self.true_positives.assign_add(np.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class MeanError(metrics.Metric):
    """Two variables from Keras's older add_weight, the base's reset_state, a quotient as result."""

    def __init__(self, name="mean_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total_error = self.add_weight(name="total_error", initializer="zeros")
        self.samples = self.add_weight(name="samples", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total_error.assign_add(np.sum(np.asarray(y_pred)[:, 0] - np.ravel(y_true)))
        self.samples.assign_add(len(y_pred))

    def result(self):
        return self.total_error / self.samples


def test_a_metric_written_for_keras_works_alone_in_fit_and_evaluate_and_is_saved_by_name(rng, tmp_path):
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    ctp = CategoricalTruePositives(dtype="float32")
    assert ctp.dtype == "float32" and ctp.true_positives.dtype == np.float32 and ctp.variables == [ctp.true_positives]
    assert float(ctp([[0], [1]], [[0.9, 0.1], [0.8, 0.2]])) == 1.0
    assert float(ctp([[1]], [[0.1, 0.9]], sample_weight=[2.0])) == 3.0
    ctp.reset_state()
    assert float(ctp.result()) == 0.0 and ctp.true_positives.numpy() == 0.0
    assert f"{ctp.true_positives + 1:.1f}" == "1.0" and 2 * ctp.true_positives == 0.0
    with pytest.raises(ValueError, match="dtype must be a float dtype"):
        CategoricalTruePositives(dtype="int32")

    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=(60, 1))
    model = Sequential([Dense(3, "softmax", input_dim=4)], seed=0, dtype="float64")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[CategoricalTruePositives(), MeanError()])
    history = model.fit(X, y, epochs=2, batch_size=20, verbose=0)
    assert all(0 <= v <= 60 for v in history.history["categorical_true_positives"])  # reset each epoch
    logs = model.evaluate(X, y, batch_size=20, return_dict=True)
    P = model.predict(X)
    assert logs["categorical_true_positives"] == np.sum(P.argmax(axis=1) == y[:, 0])
    assert logs["mean_error"] == pytest.approx(np.mean(P[:, 0] - y[:, 0]), rel=1e-12)
    # saved by class name, as Keras saves them: loading needs the classes (custom_objects or the registry)
    model.save(tmp_path / "m.gn")
    with pytest.raises(ValueError, match="Unknown metric 'CategoricalTruePositives'.*must be registered or passed"):
        glassnet.models.load_model(tmp_path / "m.gn")
    loaded = glassnet.models.load_model(tmp_path / "m.gn", custom_objects={
        "CategoricalTruePositives": CategoricalTruePositives, "MeanError": MeanError})
    assert loaded.evaluate(X, y, batch_size=20, return_dict=True) == logs


# -- mape, msle, root_mean_squared_error, r2_score, loss names as metrics ----------------------
# The data of the Keras numbers below: np.random.default_rng(7), drawn in this order.

def _data():
    rng = np.random.default_rng(7)
    Yr, Ar = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    Yp, Ap = rng.uniform(0, 2, size=(6, 3)), rng.uniform(-0.2, 2, size=(6, 3))
    w = np.array([1.0, 0.5, 2.0, 0.0, 1.0, 3.0])
    P, Z = rng.dirichlet(np.ones(3), size=6), rng.normal(size=(6, 3))
    labels = rng.integers(0, 3, 6)
    Yb, Pb = rng.integers(0, 2, size=(6, 3)).astype(float), rng.uniform(0.01, 0.99, size=(6, 3))
    return dict(Yr=Yr, Ar=Ar, Yp=Yp, Ap=Ap, w=w, P=P, Z=Z, labels=labels, onehot=np.eye(3)[labels], Yb=Yb, Pb=Pb)


def _streamed(metric, Y, A, w=None):
    """Two batches, as fit feeds a metric."""
    metric.update_state(Y[:4], A[:4], None if w is None else w[:4])
    metric.update_state(Y[4:], A[4:], None if w is None else w[4:])
    return metric.result()


def test_mape_and_msle_losses_equal_keras():
    d = _data()
    # keras.losses.mean_absolute_percentage_error / mean_squared_logarithmic_error (Keras 3.15, JAX)
    keras_mape = [51918.389892578125, 126.57303810119629, 228.63259315490723, 63.77754807472229,
                  1615.1187896728516, 157.23923444747925]
    keras_msle = [0.021092889830470085, 0.1687580943107605, 0.2193765491247177, 0.13223445415496826,
                  0.5239778757095337, 0.26573464274406433]
    for name in ("mape", "mean_absolute_percentage_error", "MeanAbsolutePercentageError"):
        assert losses.get(name).per_sample(d["Yr"], d["Ar"]) == pytest.approx(keras_mape, rel=1e-6)
    for name in ("msle", "mean_squared_logarithmic_error", "MeanSquaredLogarithmicError"):
        assert losses.get(name).per_sample(d["Yp"], d["Ap"]) == pytest.approx(keras_msle, rel=1e-6)
    # keras.losses.MeanAbsolutePercentageError()(..., sample_weight=w), and MSLE's
    assert losses.get("mape")(d["Yr"], d["Ar"], sample_weight=d["w"]) == pytest.approx(9087.629681825638, rel=1e-6)
    assert losses.get("msle")(d["Yp"], d["Ap"], sample_weight=d["w"]) == pytest.approx(0.3109011398628354, rel=1e-6)


def test_regression_metrics_equal_keras_streamed_over_batches():
    d = _data()
    Yr, Ar, w = d["Yr"], d["Ar"], d["w"]
    # Keras 3.15 (JAX): the same two batches into keras.metrics.<Class>()
    assert _streamed(metrics.get("root_mean_squared_error"), Yr, Ar) == pytest.approx(1.2916667001542221, rel=1e-6)
    assert _streamed(metrics.RootMeanSquaredError(), Yr, Ar, w) == pytest.approx(1.5071980016464974, rel=1e-6)
    assert _streamed(metrics.get("mape"), Yr, Ar, w) == pytest.approx(7270.10374546051, rel=1e-6)
    assert _streamed(metrics.get("msle"), d["Yp"], d["Ap"], w) == pytest.approx(0.24872091189026832, rel=1e-6)
    assert metrics.get("mape").name == "mape" and metrics.get("MeanSquaredLogarithmicError").name == \
        "mean_squared_logarithmic_error"


def test_r2_score_is_keras_s_and_scikit_learn_s_over_the_whole_set():
    from sklearn.metrics import r2_score

    d = _data()
    Yr, Ar, w = d["Yr"], d["Ar"], d["w"]
    keras_r2 = {  # keras.metrics.R2Score(class_aggregation=...): unweighted, weighted (Keras 3.15, JAX)
        "uniform_average": (-4.610784530639648, -15.102865219116211),
        "variance_weighted_average": (-2.9540085533209877, -3.5751087007340026),
        None: ([-4.60509855495668, -1.3853476494365586, -7.841906525549312],
               [-8.509243922507274, -1.6621289928378165, -35.137221843438105]),
    }
    for aggregation, (plain, weighted) in keras_r2.items():
        assert _streamed(metrics.R2Score(aggregation), Yr, Ar) == pytest.approx(plain, rel=1e-6)
        assert _streamed(metrics.R2Score(aggregation), Yr, Ar, w) == pytest.approx(weighted, rel=1e-6)
    assert _streamed(metrics.R2Score(num_regressors=2), Yr, Ar) == pytest.approx(-5.358889134724935, rel=1e-6)
    assert _streamed(metrics.get("r2_score"), Yr, Ar) == pytest.approx(r2_score(Yr, Ar), rel=1e-12)
    assert _streamed(metrics.R2Score(), Yr, Ar, w) == pytest.approx(r2_score(Yr, Ar, sample_weight=w), rel=1e-12)
    assert _streamed(metrics.R2Score("variance_weighted_average"), Yr, Ar) == pytest.approx(
        r2_score(Yr, Ar, multioutput="variance_weighted"), rel=1e-12)
    with pytest.warns(UserWarning, match="More independent predictors than data points"):
        assert _streamed(metrics.R2Score(num_regressors=30), Yr, Ar) == pytest.approx(r2_score(Yr, Ar))
    with pytest.raises(ValueError, match="class_aggregation must be one of"):
        metrics.R2Score("mean")
    # an array was compared with the names: NumPy's "truth value ... is ambiguous" for two values, and
    # one name in an array was kept as that array
    for given in (np.array([1.0, 2.0]), np.array(["uniform_average"])):
        with pytest.raises(ValueError, match="class_aggregation must be one of"):
            metrics.R2Score(given)
    r2 = metrics.R2Score()
    r2.update_state(Yr, Ar)
    with pytest.raises(ValueError, match="R2Score has seen 3 output"):
        r2.update_state(Yr[:, :2], Ar[:, :2])


@pytest.mark.parametrize("aggregation", ["uniform_average", "variance_weighted_average", None])
def test_r2_score_of_no_data_is_nan_as_keras(aggregation):
    # Keras 3.15: NaN after an empty batch and after reset_state() ([nan, nan] per output for None), its
    # 0/0; glassnet gave 0.0, the score of a model no better than the mean
    r2 = metrics.R2Score(aggregation)
    assert np.isnan(r2.result())  # (Keras's unbuilt metric raises AttributeError here)
    r2.update_state(np.zeros((0, 2)), np.zeros((0, 2)))
    expected = [0.375, 0.7777777777777778] if aggregation is None else \
        {"uniform_average": 0.5763888888888888, "variance_weighted_average": 0.6538461538461539}[aggregation]
    for _ in range(2):
        assert np.all(np.isnan(r2.result())) and np.shape(r2.result()) == ((2,) if aggregation is None else ())
        r2.update_state(np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.5, 2.0], [2.0, 4.0]]))
        assert r2.result() == pytest.approx(expected, rel=1e-12)
        r2.reset_state()


def test_r2_score_of_targets_far_from_zero_or_constant_is_scikit_learn_s():
    # Σ y² − (Σ y)²/n of the targets themselves cancelled: at 1e8 + N(0, 1) the variance came out
    # as 0 (R² 0 for scikit-learn's 0.7259; other draws gave 0.935 for 0.743), and constant
    # targets 0.1 scored -6.4e17 instead of the documented 0
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(0)
    Y = 1e8 + rng.normal(size=(1000, 1))
    A = Y + 0.5 * rng.normal(size=(1000, 1))
    w = rng.uniform(size=1000)
    assert _streamed(metrics.R2Score(), Y, A) == pytest.approx(r2_score(Y, A), rel=1e-9)  # 0.7259022534866477
    assert _streamed(metrics.R2Score(), Y, A, w) == pytest.approx(r2_score(Y, A, sample_weight=w), rel=1e-9)
    Y, A = np.full((7, 1), 0.1), np.full((7, 1), 0.1) + rng.normal(size=(7, 1))
    assert _streamed(metrics.R2Score(), Y, A) == 0.0  # a constant target's variance is exactly 0
    assert _streamed(metrics.R2Score(), Y, A, w[:7]) == 0.0


def test_loss_names_are_metrics_as_in_keras():
    d = _data()
    w = d["w"]
    # keras.metrics.BinaryCrossentropy() and (from_logits=True, label_smoothing=0.1) weighted; likewise the others
    assert _streamed(metrics.get("binary_crossentropy"), d["Yb"], d["Pb"]) == pytest.approx(0.8180753986040751,
                                                                                            rel=1e-6)
    assert _streamed(metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), d["Yb"], d["Z"], w) == \
        pytest.approx(1.0063700954119363, rel=1e-6)
    assert _streamed(metrics.get("categorical_crossentropy"), d["onehot"], d["P"]) == pytest.approx(
        2.03138381945199, rel=1e-6)
    assert _streamed(metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), d["onehot"], d["Z"], w) \
        == pytest.approx(1.1795624871669181, rel=1e-6)
    assert _streamed(metrics.get("sparse_categorical_crossentropy"), d["labels"], d["P"]) == pytest.approx(
        2.03138381945199, rel=1e-6)
    assert _streamed(metrics.SparseCategoricalCrossentropy(from_logits=True), d["labels"], d["Z"], w) == \
        pytest.approx(1.1321026882795928, rel=1e-6)
    with pytest.raises(ValueError, match="integer labels 0..2"):
        metrics.SparseCategoricalCrossentropy()([3, 0], d["P"][:2])
    with pytest.raises(ValueError, match=r"axis=2 is out of range for outputs of shape \(4, 3\)"):
        metrics.CategoricalCrossentropy(axis=2)(d["onehot"][:4], d["P"][:4])
    with pytest.raises(TypeError, match="axis must be an integer.* Received: axis=array"):
        losses.BinaryCrossentropy(axis=np.array([-1, 0]))  # "The truth value of an array ... is ambiguous"


def test_a_loss_object_as_a_metric_is_logged_under_its_name_as_keras(rng):
    # TensorFlow's overfit tutorial: metrics=[losses.BinaryCrossentropy(from_logits=True,
    # name='binary_crossentropy')] with EarlyStopping(monitor='val_binary_crossentropy'); the metric
    # was logged as 'BinaryCrossentropy' (its class), and EarlyStopping said the name was not logged
    from glassnet import Input, Sequential, callbacks, layers
    x, y = rng.normal(size=(40, 3)), (rng.random((40, 1)) < 0.5).astype(float)
    model = Sequential([Input((3,)), layers.Dense(1)], seed=0)
    model.compile("sgd", losses.BinaryCrossentropy(from_logits=True),
                  metrics=[losses.BinaryCrossentropy(from_logits=True, name="binary_crossentropy"),
                           losses.Huber(name="hh"), losses.MeanSquaredError()])
    history = model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0,
                        callbacks=[callbacks.EarlyStopping(monitor="val_binary_crossentropy", patience=1)])
    # Keras 3.15's keys for these metrics: 'binary_crossentropy', 'hh', 'mean_squared_error'
    assert sorted(k for k in history.history if not k.startswith("val_")) == [
        "binary_crossentropy", "hh", "loss", "mean_squared_error"]
    z = model.predict(x, verbose=0)
    by_hand = np.mean(np.logaddexp(0, z) - y * z)  # binary cross-entropy of logits z
    assert model.evaluate(x, y, return_dict=True, verbose=0)["binary_crossentropy"] == pytest.approx(by_hand, rel=1e-5)


def test_new_metrics_in_fit_evaluate_and_a_model_file(rng, tmp_path):
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    X = rng.normal(size=(40, 3))
    y = X @ np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]]) + 3.0
    model = Sequential([Dense(2, input_dim=3)], seed=0, dtype="float64")
    model.compile(optimizer="adam", loss="msle", metrics=["RootMeanSquaredError", "r2_score", "mape", "msle"])
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    logs = model.evaluate(X, y, batch_size=8, return_dict=True)
    P = model.predict(X)
    # logged under the name given, as Keras logs it
    assert logs["RootMeanSquaredError"] == pytest.approx(np.sqrt(np.mean((y - P) ** 2)), rel=1e-12)
    assert logs["r2_score"] == pytest.approx(np.mean(1 - ((y - P) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)),
                                             rel=1e-12)
    assert logs["mape"] == pytest.approx(100 * np.mean(np.abs((y - P) / y)), rel=1e-12)
    assert logs["loss"] == pytest.approx(logs["msle"], rel=1e-12)
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").evaluate(X, y, batch_size=8, return_dict=True) == pytest.approx(logs)


# -- Keras's function forms ----------------------------------------------------------------

def test_loss_and_metric_functions_give_keras_s_per_sample_values():
    d = _data()
    onehot, P, Z, labels, Yb, Pb, Yr, Ar = (d[k] for k in ("onehot", "P", "Z", "labels", "Yb", "Pb", "Yr", "Ar"))
    # keras.losses.<function>(...) (Keras 3.15, JAX), the same arrays
    cce = [1.9923523345996297, 1.5355048787515309, 2.283275655644537, 0.449358041887807, 1.626613676888126,
           4.301198328940311]
    assert losses.categorical_crossentropy(onehot, P) == pytest.approx(cce, rel=1e-6)
    assert losses.categorical_crossentropy(onehot, Z, from_logits=True, label_smoothing=0.1) == pytest.approx(
        [1.5874691969307544, 1.682255809970948, 0.403938620461517, 1.1606726510198198, 3.0985649826255455,
         0.7779016941532029], rel=1e-6)
    assert losses.sparse_categorical_crossentropy(labels, P) == pytest.approx(cce, rel=1e-6)
    assert losses.sparse_categorical_crossentropy(labels[:, None], P) == pytest.approx(cce, rel=1e-6)
    assert losses.sparse_categorical_crossentropy(labels, Z, from_logits=True) == pytest.approx(
        [1.6316017473868782, 1.7371327377693015, 0.28152337177995407, 1.1426742974380137, 3.2343068421262933,
         0.7310828200464056], rel=1e-6)
    assert losses.binary_crossentropy(Yb, Pb) == pytest.approx(
        [0.9115900993347168, 0.2731107473373413, 1.2469208240509033, 0.34736520051956177, 1.6533513069152832,
         0.4761142134666443], rel=1e-6)
    assert losses.binary_crossentropy(Yb, Z, from_logits=True, label_smoothing=0.2) == pytest.approx(
        [0.7632595896720886, 0.6880545020103455, 1.221064805984497, 1.0707423686981201, 1.2872662544250488,
         0.8424336314201355], rel=1e-6)
    mse = [2.8664441108703613, 0.8950765132904053, 2.1467747688293457, 0.11861058324575424, 1.2603609561920166,
           2.7231502532958984]
    assert losses.mean_squared_error(Yr, Ar) == pytest.approx(mse, rel=1e-6)
    assert losses.mse(Yr, Ar) == pytest.approx(mse, rel=1e-6) and metrics.mean_squared_error is losses.mse
    assert losses.mae(Yr, Ar) == pytest.approx(
        [1.6861112117767334, 0.9103958010673523, 1.2161023616790771, 0.28790101408958435, 1.0125106573104858,
         1.4197242259979248], rel=1e-6)
    assert losses.huber(Yr, Ar, delta=0.5) == pytest.approx(
        [0.7180556058883667, 0.33019790053367615, 0.5101720690727234, 0.05906025692820549, 0.38162800669670105,
         0.588616132736206], rel=1e-6)
    assert losses.hinge(Yb, Z) == pytest.approx(  # 0/1 labels read as -1/+1, as Keras
        [1.1175516843795776, 0.8593276739120483, 1.8774726390838623, 1.4799593687057495, 1.970808982849121,
         1.3038510084152222], rel=1e-6)
    assert float(losses.mse(np.array([1.0, 2, 3]), np.array([1.0, 2, 4]))) == pytest.approx(1 / 3)  # one row
    # keras.metrics.<function>: per sample; binary_accuracy element by element (Keras 3)
    assert metrics.categorical_accuracy(onehot, P).tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert metrics.sparse_categorical_accuracy(labels, P).tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert metrics.sparse_categorical_accuracy(labels[:, None], P).tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert metrics.binary_accuracy(Yb, Pb).tolist() == [[1, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0],
                                                         [1, 1, 0]]
    assert metrics.binary_accuracy(Yb, Pb, threshold=0.7).tolist() == [[0, 0, 1], [1, 1, 1], [0, 0, 0], [1, 0, 1],
                                                                        [0, 0, 0], [1, 0, 1]]
    assert metrics.top_k_categorical_accuracy(onehot, P, k=2).tolist() == \
        metrics.sparse_top_k_categorical_accuracy(labels, P, k=2).tolist()
    # Keras's shapes (its squeeze_or_expand_to_same_rank expands a vector): y (n,) against p (n, 1), or
    # y (n, 1) against p (n,), gives (n, 1), where a (n,) was returned; the sparse top-k keeps labels' (n, 1)
    y, p = np.array([1.0, 0.0, 1.0]), np.array([[0.7], [0.6], [0.2]])
    assert metrics.binary_accuracy(y, p).tolist() == [[1.0], [0.0], [0.0]]  # Keras 3.15
    assert metrics.binary_accuracy(y[:, None], p[:, 0], threshold=0.65).tolist() == [[1.0], [1.0], [0.0]]
    assert metrics.binary_accuracy(y[:2].reshape(1, 2), p[:2].reshape(1, 2, 1)).shape == (1, 2)  # squeezed
    scores = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.7, 0.1], [0.25, 0.2, 0.3]])
    assert metrics.sparse_top_k_categorical_accuracy(np.array([[1], [2], [1], [0]]), scores, k=1).tolist() == \
        [[1.0], [1.0], [1.0], [0.0]]
    ids = np.argsort(-scores, axis=1)
    assert metrics.sparse_top_k_categorical_accuracy(np.array([[1], [2], [1], [0]]), ids, k=1,
                                                     from_sorted_ids=True).tolist() == [[1.0], [1.0], [1.0], [0.0]]
    with pytest.raises(TypeError, match="ignore_class must be an integer"):
        losses.sparse_categorical_crossentropy(labels, P, ignore_class="0")
    with pytest.raises(ValueError, match="axis=-3 is out of range"):
        losses.categorical_crossentropy(onehot, P, axis=-3)


def test_compiling_the_functions_trains_as_the_names_and_saves_their_names(rng, tmp_path):
    import json
    import zipfile

    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    X, y = rng.normal(size=(48, 4)), rng.integers(0, 3, size=48)
    Y = np.eye(3)[y]
    runs = []
    for loss, metric in ((losses.categorical_crossentropy, metrics.categorical_accuracy),
                         ("categorical_crossentropy", "categorical_accuracy")):
        model = Sequential([Dense(5, "relu", input_dim=4), Dense(3, "softmax")], seed=1, dtype="float64")
        model.compile(optimizer="adam", loss=loss, metrics=[metric, losses.mean_squared_error])
        runs.append((model, model.fit(X, Y, epochs=3, batch_size=16, verbose=0).history))
    (by_function, history), (by_name, expected) = runs
    assert history == expected  # exactly the same training: the registered loss, with its gradient
    assert np.array_equal(by_function.get_weights()[0], by_name.get_weights()[0])
    assert set(history) == {"loss", "categorical_accuracy", "mean_squared_error"}
    by_function.save(tmp_path / "m.gn")
    with zipfile.ZipFile(tmp_path / "m.gn") as zf:
        saved = json.loads(zf.read("model.json"))["compile"]
    assert saved["loss"]["class_name"] == "CategoricalCrossentropy"
    assert saved["metrics"] == ["categorical_accuracy", "mean_squared_error"]  # names, which get reads back
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.evaluate(X, Y, return_dict=True) == pytest.approx(by_function.evaluate(X, Y, return_dict=True))
    assert losses.serialize(losses.sparse_categorical_crossentropy)["class_name"] == "SparseCategoricalCrossentropy"
    assert metrics.serialize(metrics.sparse_categorical_accuracy) == "sparse_categorical_accuracy"
    sparse = Sequential([Dense(3, "softmax", input_dim=4)], seed=1)
    sparse.compile(optimizer="sgd", loss=losses.sparse_categorical_crossentropy,
                   metrics=[metrics.sparse_categorical_accuracy])
    logs = sparse.evaluate(X, y, return_dict=True)
    assert logs["sparse_categorical_accuracy"] == pytest.approx(np.mean(sparse.predict(X).argmax(1) == y))


@pytest.mark.parametrize("cls", [
    metrics.BinaryAccuracy, metrics.CategoricalAccuracy, metrics.TopKCategoricalAccuracy,
    metrics.Precision, metrics.Recall, metrics.F1Score, metrics.AUC, metrics.MeanSquaredError,
    metrics.RootMeanSquaredError, metrics.R2Score, metrics.CategoricalCrossentropy, metrics.TruePositives,
    metrics.FalseNegatives,
])
def test_built_in_metrics_take_keras_s_dtype_and_keep_it_in_their_config(cls):
    metric = cls(name="m", dtype="float32")
    assert metric.dtype == "float32" and cls.from_config(metric.get_config()).dtype == "float32"
    assert "dtype" not in cls().get_config()  # files of metrics without it stay as they were
    with pytest.raises(ValueError, match="dtype must be a float dtype"):
        cls(dtype="int8")


# -- TruePositives, FalsePositives, TrueNegatives, FalseNegatives ------------------------------

CONFUSION_TRUE = np.array([0, 1, 1, 0, 1, 0, 0, 1])
CONFUSION_PRED = np.array([0.6, 0.4, 0.9, 0.1, 0.5, 0.51, 0.2, 1.2])
CONFUSION_WEIGHTS = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 0.0, 2.0, 1.0])
#: keras.metrics.<cls>() on those: plain, with the sample weights, thresholds=[0.0, 0.5, 1.0] (evenly
#: spaced: the output 1.2 is clipped to 1), thresholds=[0.3, 0.55], and thresholds=0.45 on the rows reshaped (4, 2)
KERAS_CONFUSION = {
    "TruePositives": ("true_positives", 2.0, 1.5, [4.0, 2.0, 0.0], [4.0, 2.0], 3.0),
    "FalsePositives": ("false_positives", 2.0, 1.0, [4.0, 2.0, 0.0], [2.0, 1.0], 2.0),
    "TrueNegatives": ("true_negatives", 2.0, 3.0, [0.0, 2.0, 4.0], [2.0, 3.0], 2.0),
    "FalseNegatives": ("false_negatives", 2.0, 5.0, [0.0, 2.0, 4.0], [0.0, 2.0], 1.0),
}


@pytest.mark.parametrize("name", list(KERAS_CONFUSION))
def test_confusion_counts_equal_keras(name):
    cls = getattr(metrics, name)
    default_name, plain, weighted, even, two, wide = KERAS_CONFUSION[name]
    metric = cls()
    assert metric.name == default_name and metrics.get(name).name == default_name
    assert metric(CONFUSION_TRUE, CONFUSION_PRED) == plain
    metric.update_state(CONFUSION_TRUE, CONFUSION_PRED)  # streamed: the counts add up
    assert metric.result() == 2 * plain
    metric.reset_state()
    assert metric.result() == 0.0
    assert cls()(CONFUSION_TRUE, CONFUSION_PRED, sample_weight=CONFUSION_WEIGHTS) == weighted
    assert cls(thresholds=[0.0, 0.5, 1.0])(CONFUSION_TRUE, CONFUSION_PRED).tolist() == even
    assert cls(thresholds=(0.3, 0.55))(CONFUSION_TRUE, CONFUSION_PRED).tolist() == two
    assert cls(thresholds=[0.45])(CONFUSION_TRUE, CONFUSION_PRED) == cls(0.45)(CONFUSION_TRUE, CONFUSION_PRED)
    assert cls(thresholds=0.45)(CONFUSION_TRUE.reshape(4, 2), CONFUSION_PRED.reshape(4, 2)) == wide
    config = cls(thresholds=[0.3, 0.55], name="c").get_config()
    assert config == {"name": "c", "thresholds": [0.3, 0.55]}
    assert cls.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"thresholds must be <= 1\. Received: thresholds=1\.5"):
        cls(thresholds=1.5)
    with pytest.raises(ValueError, match=r"thresholds must be a number in \[0, 1\] or a non-empty list"):
        cls(thresholds=[])
    # a 0-d array is its number, as Keras 3.15 takes it (it raised Python's "len() of unsized object", then a TypeError)
    assert cls(thresholds=np.array(0.45))(CONFUSION_TRUE, CONFUSION_PRED) == cls(0.45)(CONFUSION_TRUE, CONFUSION_PRED)
    assert cls(thresholds=np.array([0.3, 0.55]))(CONFUSION_TRUE, CONFUSION_PRED).tolist() == two


NAN_TRUE, NAN_PRED = np.array([1, 0, 1, 1, 0, 1.0]), np.array([0.9, np.nan, 0.0, 1.0, 0.5, 0.7])


@pytest.mark.parametrize("make, expected", [
    (lambda: metrics.AUC(), 0.8125),
    (lambda: metrics.AUC(curve="PR"), 0.9256831385135206),
    (lambda: metrics.FalsePositives(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0]), [2.0, 1.0, 0.0, 0.0, 0.0]),
    (lambda: metrics.TruePositives(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0]), [3.0, 3.0, 3.0, 2.0, 0.0]),
    (lambda: metrics.Precision(thresholds=[0.0, 0.5, 1.0]), [0.6, 1.0, 0.0]),
    (lambda: metrics.FalsePositives(thresholds=[0.1, 0.5]), [1.0, 0.0]),  # not evenly spaced: above none
])
def test_a_nan_output_counts_above_the_first_evenly_spaced_threshold_as_keras(make, expected):
    # Keras 3.15 (JAX) counts evenly spaced thresholds through buckets: a NaN output's bucket, cast to int32,
    # is bucket 0, above the first threshold only; glassnet counted it above none (AUC 0.375 for 0.8125)
    result = make()(NAN_TRUE, NAN_PRED)
    assert np.asarray(result).tolist() == pytest.approx(expected, rel=1e-12)


def test_a_nan_output_in_the_top_k_and_the_x_at_y_metrics_as_keras():
    # Keras's top_k (JAX's) ranks NaN above every number: row 0's top output is its NaN, then counted as the
    # bucket metrics count it (glassnet took the 0.9 of a negative, a precision of 2/3 at the threshold 0)
    y, p = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.array([[np.nan, 0.9], [0.2, 0.6], [0.7, 0.4]])
    assert metrics.Precision(top_k=1)(y, p) == 1.0
    assert metrics.Precision(top_k=1, thresholds=[0.0, 0.5, 1.0])(y, p).tolist() == [1.0, 1.0, 0.0]
    y, p = np.array([1.0, 0.0, 1.0, 0.0]), np.array([np.nan, 0.0, 0.7, 0.0])  # the NaN positive: recall 1 at 0
    assert metrics.SpecificityAtSensitivity(1.0, num_thresholds=3)(y, p) == 1.0
    assert metrics.PrecisionAtRecall(1.0, num_thresholds=3)(y, p) == 1.0


# -- the losses in float64: values and gradients (Keras 3.15.1 on JAX 0.10.2, float64, jax.grad) -----------
# Keras 3.15's ops.mean computes float64 in float32 (result_type(float64, float32) is float32 there), so the
# numbers were recorded with jnp.mean in its place: the float64 Keras loss. Edge values: probabilities 0 and 1,
# logits of ±100, an output at 1e-3 against a target 0 (MAPE, Poisson), soft and unnormalised rows; weights
# (n, 1) with a 0. Each case: (class, arguments, (y, ŷ), values for "sum_over_batch_size", "sum",
# "mean_with_sample_weight", the per-sample values of reduction=None, and the gradient of the default one).
REAL = ([[0.5, -1.0], [2.0, 0.0], [0.0, 3.0]], [[0.4, 1.0], [-1.0, 0.25], [1e-3, 2.5]])
COUNT = ([[1.0, 0.0], [3.0, 2.0], [0.0, 1.0]], [[0.5, 1e-3], [2.0, 4.0], [0.0, 1.5]])
PROB = ([[1.0, 0.0], [0.3, 1.0], [0.0, 1.0]], [[1.0, 0.0], [0.2, 0.6], [0.9, 0.0]])
LOGIT = ([[1.0, 0.0], [0.3, 1.0], [0.0, 1.0]], [[100.0, -100.0], [0.5, -2.0], [3.0, 0.1]])
SIGNED = ([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]], [[0.3, 0.5], [-2.0, 1.5], [-0.5, 0.2]])
ONEHOT = ([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.8, 0.0]], [[1.0, 0.0, 0.0], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
CLOGIT = ([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.8, 0.0]], [[100.0, -100.0, 0.0], [0.5, 0.3, -2.0], [1.0, 1.0, 3.0]])
ERRORS = ([[0.0, 0.0], [1.0, -2.0], [0.0, 5.0]], [[800.0, -800.0], [1.5, -1.0], [0.0, 0.0]])  # cosh(800): inf
BITS = ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], SIGNED[1])  # 0/1 labels: read as SIGNED's -1/+1
KLD = ([[0.2, 0.8, 0.0], [1.0, 0.0, 0.0], [0.0, 0.3, 0.7]], [[1e-9, 1.5, 0.8], [0.9, 0.0, 0.1], [0.5, 0.3, 0.2]])
COSINE = ([[0.5, -1.0, 2.0], [2.0, 0.0, 1.0], [0.0, 3.0, 1.0]], [[0.4, 1.0, -1.0], [-1.0, 0.25, 3.0], [1e-3, 2.5, 0.0]])
# the strongest wrong output of row 0 is below 0 (counts as 0), row 1 has two equal ones (sharing the gradient)
CHINGE = ([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], [[0.3, -0.5, -0.2], [0.5, 0.5, 0.2], [0.1, 2.5, 0.8]])
LOSS_WEIGHTS = np.array([[0.5], [2.0], [0.0]])
KERAS_LOSSES_FLOAT64 = [
    ('MeanSquaredError', {}, REAL,
     [3.355, 10.065, 4.026],
     [1.0025, 9.0625, 0.0],
     [[-0.016666666666666663, 0.3333333333333333],
      [-2.0, 0.16666666666666666],
      [0.0, -0.0]]),
    ('MeanAbsoluteError', {}, REAL,
     [1.2583333333333333, 3.775, 1.51],
     [0.525, 3.25, 0.0],
     [[-0.08333333333333333, 0.08333333333333333],
      [-0.3333333333333333, 0.3333333333333333],
      [-0.0, -0.0]]),
    ('MeanAbsolutePercentageError', {}, REAL,
     [83333401.66666667, 250000205.0, 100000082.0],
     [55.00000000000001, 250000150.0, 0.0],
     [[-16.666666666666664, 8.333333333333332],
      [-16.666666666666664, 333333333.3333333],
      [-0.0, -0.0]]),
    ('MeanSquaredLogarithmicError', {}, COUNT,
     [0.12146476203628644, 0.3643942861088593, 0.14575771444354374],
     [0.02069049340279437, 0.34370379270606494, 0.0],
     [[-0.031964674716864545, 0.00016640032185953458],
      [-0.06392934943372906, 0.06811008316879873],
      [0.0, 0.0]]),
    ('Poisson', {}, COUNT,
     [0.48216876040679296, 1.4465062812203788, 0.5786025124881515],
     [0.2985367451399913, 1.1479695360803874, 0.0],
     [[-0.08333330000000667, 0.08333333333333333],
      [-0.166666641666668, 0.16666667083333322],
      [0.0, 0.0]]),
    ('Huber', {'delta': 0.5}, REAL,
     [0.5420833333333334, 1.62625, 0.6505],
     [0.22, 1.40625, 0.0],
     [[-0.008333333333333331, 0.041666666666666664],
      [-0.16666666666666666, 0.08333333333333333],
      [0.0, 0.0]]),
    ('LogCosh', {}, REAL,
     [0.8909189724142746, 2.672756917242824, 1.0691027668971296],
     [0.33249860904487777, 2.3402583081979462, 0.0],
     [[-0.008305666218746302, 0.08033563167298474],
      [-0.331684917895577, 0.08163955413456975],
      [0.0, 0.0]]),
    ('LogCosh', {}, ERRORS,
     [133.40244058238713, 400.20732174716136, 160.08292869886455],
     [399.65342640972005, 0.5538953374413047, 0.0],
     [[0.08333333333333333, -0.08333333333333333],
      [0.15403905242000326, 0.2538647186519216],
      [0.0, 0.0]]),
    ('KLDivergence', {}, KLD,  # outputs 1e-9 and 1.5 outside [1e-7, 1]: clipped, flat; targets 0 read as 1e-7
     [0.5241086089308914, 1.572325826792674, 0.6289303307170696],
     [1.361607558579133, 0.21071826821354112, 0.0],
     [[-0.0, -0.0, -2.0833333333333325e-08],
      [-0.7407407407407407, -0.0, -6.666666666666664e-07],
      [-0.0, -0.0, -0.0]]),
    ('CosineSimilarity', {}, COSINE,
     [0.04459225296715086, 0.13377675890145257, 0.05351070356058103],
     [0.41573970964154905, -0.2819629507400965, -0.0],
     [[-0.050409356327789236, -0.014664540022629596, -0.03482828255374529],
      [-0.1973156880955541, 0.002335096900539102, -0.06596648744022962],
      [-0.0, -0.0, -0.0]]),
    ('SquaredHinge', {}, SIGNED,
     [0.2283333333333333, 0.6849999999999999, 0.27399999999999997],
     [0.6849999999999999, 0.0, 0.0],
     [[-0.11666666666666665, 0.25],
      [0.0, -0.0],
      [-0.0, -0.0]]),
    ('SquaredHinge', {}, BITS,
     [0.2283333333333333, 0.6849999999999999, 0.27399999999999997],
     [0.6849999999999999, 0.0, 0.0],
     [[-0.11666666666666665, 0.25],
      [0.0, -0.0],
      [-0.0, -0.0]]),
    ('CategoricalHinge', {}, CHINGE,
     [0.9833333333333334, 2.95, 1.1800000000000002],
     [0.35, 2.6, 0.0],
     [[-0.16666666666666666, 0.0, 0.0],
      [0.3333333333333333, 0.3333333333333333, -0.6666666666666666],
      [0.0, 0.0, 0.0]]),
    ('Hinge', {}, SIGNED,
     [0.18333333333333335, 0.55, 0.22000000000000003],
     [0.55, 0.0, 0.0],
     [[-0.08333333333333333, 0.08333333333333333],
      [0.0, -0.0],
      [-0.0, -0.0]]),
    ('BinaryCrossentropy', {}, PROB,
     [0.38328584447205666, 1.14985753341617, 0.45994301336646803],
     [5.000000247368237e-08, 1.1498574834161674, 0.0],
     [[-0.0, 0.0],
      [-0.20833333333333331, -0.5555555555555556],
      [0.0, 0.0]]),
    ('BinaryCrossentropy', {'label_smoothing': 0.2}, PROB,
     [0.6839201987442856, 2.0517605962328567, 0.8207042384931427],
     [0.8059048275610772, 1.2458557686717795, 0.0],
     [[0.0, -0.0],
      [-0.2916666666666666, -0.4166666666666667],
      [0.0, 0.0]]),
    ('BinaryCrossentropy', {'from_logits': True}, LOGIT,
     [0.9836683317410264, 2.9510049952230792, 1.1804019980892317],
     [1.8600379880104178e-44, 2.9510049952230792, 0.0],
     [[-3.100063313350696e-45, 3.100063313350696e-45],
      [0.10748644373395153, -0.29359902599262744],
      [0.0, 0.0]]),
    ('BinaryCrossentropy', {'from_logits': True, 'label_smoothing': 0.1}, LOGIT,
     [1.7803349984076924, 5.341004995223077, 2.136401998089231],
     [2.4999999999999982, 2.841004995223079, 0.0],
     [[0.0041666666666666605, -0.004166666666666667],
      [0.10081977706728484, -0.2769323593259608],
      [0.0, 0.0]]),
    ('CategoricalCrossentropy', {}, ONEHOT,
     [1.0729586249560676, 3.218875874868203, 1.2875503499472811],
     [5.000000247368237e-08, 3.2188758248682006, 0.0],
     [[-0.0, -0.0, -0.0],
      [0.6666666666666666, 0.6666666666666666, -2.6666666666666665],
      [-0.0, -0.0, -0.0]]),
    ('CategoricalCrossentropy', {'label_smoothing': 0.1}, ONEHOT,
     [1.222676223522664, 3.668028670567992, 1.4672114682271968],
     [0.537269901698613, 3.130758768869379, 0.0],
     [[-0.0, -0.0, -0.0],
      [0.6222222222222222, 0.5925925925925926, -2.4444444444444446],
      [-0.0, -0.0, -0.0]]),
    ('CategoricalCrossentropy', {'from_logits': True}, CLOGIT,
     [2.0948554246880335, 6.284566274064101, 2.5138265096256402],
     [-0.0, 6.284566274064101, 0.0],
     [[0.0, 2.3064942112278957e-88, 6.200126626701392e-45],
      [0.3507266109667767, 0.2871506623213175, -0.6378772732880941],
      [-0.0, -0.0, -0.0]]),
    ('CategoricalCrossentropy', {'from_logits': True, 'label_smoothing': 0.3}, CLOGIT,
     [6.774855424688034, 20.3245662740641, 8.12982650962564],
     [15.0, 5.324566274064101, 0.0],
     [[0.033333333333333326, -0.016666666666666663, -0.016666666666666663],
      [0.28405994430011, 0.22048399565465077, -0.5045439399547607],
      [-0.0, -0.0, -0.0]]),
    # the focal losses (Keras's numbers with its default epsilon; label smoothing, class balancing, logits)
    ('BinaryFocalCrossentropy', {}, PROB,
     [0.05800276677868138, 0.17400830033604414, 0.06960332013441765],
     [0.0, 0.17400830033604414, 0.0],
     [[0.0, 0.0], [0.034671895111217904, -0.22510905522648644], [0.0, 0.0]]),
    # gamma 0: binary cross-entropy's numbers; Keras's jax.grad gives NaN at the outputs 0 and 1 of row 0
    # (its power(1 − p_t, γ − 1) = 0⁻¹ times 0), binary cross-entropy's gradient is 0 there
    ('BinaryFocalCrossentropy', {'gamma': 0.0}, PROB,
     [0.38328584447205666, 1.14985753341617, 0.45994301336646803],
     [5.000000247368237e-08, 1.1498574834161674, 0.0],
     [[-0.0, 0.0], [-0.20833333333333331, -0.5555555555555556], [0.0, 0.0]]),
    ('BinaryFocalCrossentropy', {'apply_class_balancing': True, 'alpha': 0.4, 'gamma': 1.5}, PROB,
     [0.044175157051712884, 0.13252547115513866, 0.05301018846205546],
     [0.0, 0.13252547115513866, 0.0],
     [[0.0, 0.0], [0.016191105132192872, -0.12083316784517534], [0.0, 0.0]]),
    ('BinaryFocalCrossentropy', {'label_smoothing': 0.2, 'gamma': 3.0}, PROB,
     [0.029149901075451776, 0.08744970322635533, 0.03497988129054213],
     [0.0008059048275610766, 0.08664379839879426, 0.0],
     [[-0.0032236193102969423, 0.0032236193101916714], [0.017039983729849082, -0.10867963563147898], [0.0, 0.0]]),
    ('BinaryFocalCrossentropy', {'from_logits': True}, LOGIT,
     [0.6328136957675665, 1.8984410873026996, 0.7593764349210799],
     [0.0, 1.8984410873026996, 0.0],
     [[0.0, 0.0], [0.06074575408055179, -0.3589045768161606], [0.0, 0.0]]),
    ('BinaryFocalCrossentropy', {'from_logits': True, 'apply_class_balancing': True, 'label_smoothing': 0.1}, LOGIT,
     [0.17951394957764302, 0.5385418487329291, 0.21541673949317164],
     [0.0005036905484719738, 0.5380381581844571, 0.0],
     [[-0.0, 1.6301773845711942e-46], [0.03234796757822958, -0.08367568521744592], [0.0, 0.0]]),
    ('CategoricalFocalCrossentropy', {}, ONEHOT,
     [0.17167337732630406, 0.5150201319789122, 0.20600805279156487],
     [1.2500000605261694e-22, 0.5150201319789122, 0.0],
     [[-0.0, -0.0, -0.0], [0.1925033553298187, 0.1925033553298187, -0.7700134213192747], [-0.0, -0.0, -0.0]]),
    # gamma 0, alpha 1: categorical cross-entropy's numbers
    ('CategoricalFocalCrossentropy', {'alpha': 1.0, 'gamma': 0.0}, ONEHOT,
     [1.0729586249560676, 3.218875874868203, 1.2875503499472811],
     [5.000000247368237e-08, 3.2188758248682006, 0.0],
     [[-0.0, -0.0, -0.0], [0.6666666666666666, 0.6666666666666666, -2.6666666666666665], [-0.0, -0.0, -0.0]]),
    ('CategoricalFocalCrossentropy', {'alpha': 0.5, 'gamma': 1.0, 'label_smoothing': 0.1}, ONEHOT,
     [0.5033312312378492, 1.5099936937135474, 0.603997477485419],
     [0.2686349006524816, 1.241358793061066, 0.0],
     [[-0.0, -0.0, -0.0], [0.35141633956276414, 0.33092568448388276, -1.374929375632734], [-0.0, -0.0, -0.0]]),
    # one alpha per class, as Keras takes a list
    ('CategoricalFocalCrossentropy', {'alpha': [0.2, 0.5, 0.9], 'gamma': 1.5}, ONEHOT,
     [0.6909720149314565, 2.0729160447943697, 0.8291664179177479],
     [3.162277814121064e-19, 2.0729160447943697, 0.0],
     [[-0.0, -0.0, -0.0], [0.6884395572792559, 0.6884395572792559, -2.753758229117023], [-0.0, -0.0, -0.0]]),
    ('CategoricalFocalCrossentropy', {'from_logits': True}, CLOGIT,
     [0.4794582994755159, 1.4383748984265476, 0.5753499593706191],
     [1.2500000605261694e-22, 1.4383748984265476, 0.0],
     [[-0.0, -0.0, -0.0], [0.10304085572982645, 0.08436271740948048, -0.18740357313930692], [-0.0, -0.0, -0.0]]),
    ('CategoricalFocalCrossentropy', {'from_logits': True, 'gamma': 3.0, 'label_smoothing': 0.3}, CLOGIT,
     [0.5050492803461921, 1.5151478410385764, 0.6060591364154305],
     [0.40295227038825276, 1.1121955706503235, 0.0],
     [[-0.0, -0.0, -0.0], [0.08965839917065412, 0.06901174588516673, -0.15867014505582083], [-0.0, -0.0, -0.0]]),
]


@pytest.mark.parametrize("cls, kwargs, data, values, per_sample, gradient", KERAS_LOSSES_FLOAT64,
                         ids=[f"{c[0]}{c[1] or ''}" for c in KERAS_LOSSES_FLOAT64])
def test_losses_and_their_gradients_equal_keras_in_float64(cls, kwargs, data, values, per_sample, gradient):
    Y, A = (np.array(v) for v in data)
    for reduction, expected in zip(("sum_over_batch_size", "sum", "mean_with_sample_weight"), values):
        loss = getattr(losses, cls)(reduction=reduction, **kwargs)
        assert loss(Y, A, sample_weight=LOSS_WEIGHTS) == pytest.approx(expected, rel=1e-12), reduction
    unreduced = getattr(losses, cls)(reduction=None, **kwargs)(Y, A, sample_weight=LOSS_WEIGHTS)
    # a column (3, 1), as Keras's for weights (n, 1) (its losses take the weights' trailing 1); glassnet's were (3,)
    np.testing.assert_allclose(unreduced, np.reshape(per_sample, (-1, 1)), rtol=1e-12, atol=1e-15, strict=True)
    dA = getattr(losses, cls)(**kwargs).gradient(Y, A, sample_weight=LOSS_WEIGHTS)
    np.testing.assert_allclose(dA, gradient, rtol=1e-10, atol=1e-15)


# Keras 3.15's F1Score (float64) on soft targets, streamed over two weighted batches: the result after
# each batch, per average. Keras adds 1e-7 to its denominators (docs/api.md): equal to 1e-6.
F1_SOFT_TRUE = (np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.0, 0.3, 0.7], [0.6, 0.4, 0.0]]),
                np.array([[0.05, 0.9, 0.05], [1.0, 0.0, 0.0]]))
F1_SOFT_PRED = (np.array([[0.8, 0.1, 0.1], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.3, 0.6, 0.1]]),
                np.array([[0.2, 0.2, 0.6], [0.6, 0.3, 0.1]]))
F1_SOFT_WEIGHTS = (np.array([1.0, 2.0, 0.5, 1.0]), np.array([3.0, 0.0]))
KERAS_F1_SOFT = {
    None: ([0.5306122, 0.262295, 0.6666665], [0.5148514, 0.1391304, 0.2380952]),
    "macro": (0.4865246, 0.297359), "micro": (0.4555555, 0.2933333), "weighted": (0.4250077, 0.2510642),
}


@pytest.mark.parametrize("average", list(KERAS_F1_SOFT))
def test_f1_score_counts_soft_targets_as_keras(average):
    # Keras counts a target y as y of a positive and 1 - y of a negative; glassnet read y > 0.5 as a
    # whole positive: 0.6667 for class 0 of the first batch, where Keras has 0.5306 (hand-worked: the
    # argmax predicts class 0 in rows 0 and 1: TP 0.9·1 + 0.2·2 = 1.3, FP 0.1·1 + 0.8·2 = 1.7, and
    # misses row 3: FN 0.6·1 = 0.6, so F1 = 2.6 / (2.6 + 1.7 + 0.6) = 0.5306)
    f1 = metrics.F1Score(average=average)
    for Y, A, w, expected in zip(F1_SOFT_TRUE, F1_SOFT_PRED, F1_SOFT_WEIGHTS, KERAS_F1_SOFT[average]):
        f1.update_state(Y, A, sample_weight=w)
        np.testing.assert_allclose(f1.result(), expected, rtol=1e-6)
    if average is None:  # hand-worked, exact
        assert metrics.F1Score(average=None)(F1_SOFT_TRUE[0], F1_SOFT_PRED[0], F1_SOFT_WEIGHTS[0])[0] == \
            pytest.approx(2.6 / 4.9, abs=1e-15)
    # above a threshold, unweighted (Keras: [0.7234042, 0.6285713, 0.7777776])
    np.testing.assert_allclose(metrics.F1Score(average=None, threshold=0.25)(F1_SOFT_TRUE[0], F1_SOFT_PRED[0]),
                               [0.7234042, 0.6285713, 0.7777776], rtol=1e-6)


# Keras 3.15's FBetaScore (float64, JAX_ENABLE_X64) over two weighted batches of one-hot targets:
# {(beta, threshold): {average: result}}. Keras adds 1e-7 to its denominators: equal to 1e-6.
FBETA_TRUE = (np.eye(3)[[0, 1, 2, 0, 1]], np.eye(3)[[2, 0, 1, 2]])
FBETA_PRED = (np.array([[.7, .2, .1], [.3, .4, .3], [.2, .5, .3], [.4, .45, .15], [.1, .8, .1]]),
              np.array([[.1, .3, .6], [.5, .4, .1], [.6, .3, .1], [.2, .2, .6]]))
FBETA_WEIGHTS = (np.array([1.0, 2.0, 0.5, 1.5, 1.0]), np.array([3.0, 1.0, 0.25, 2.0]))
KERAS_FBETA = {
    (0.5, None): {None: [0.7999998672, 0.645161216326, 0.980392053057], "micro": 0.816326439381,
                  "macro": 0.808517694473, "weighted": 0.839912628251},
    (0.5, 0.4): {None: [0.7999998672, 0.327868757861, 0.980392053057], "micro": 0.751173615456,
                 "macro": 0.702753543854, "weighted": 0.755732997101},
    (2.0, None): {None: [0.615384581538, 0.833333285108, 0.925925889918], "micro": 0.816326498985,
                  "macro": 0.791547954082, "weighted": 0.812634410226},
    (2.0, 0.4): {None: [0.615384581538, 0.312499971191, 0.925925889918], "micro": 0.675105452538,
                 "macro": 0.617936849594, "weighted": 0.674454144397},
}


@pytest.mark.parametrize("beta, threshold", list(KERAS_FBETA))
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_fbeta_score_equals_keras_over_weighted_batches(beta, threshold, average):
    fbeta = metrics.FBetaScore(average=average, beta=beta, threshold=threshold)
    for Y, A, w in zip(FBETA_TRUE, FBETA_PRED, FBETA_WEIGHTS):
        fbeta.update_state(Y, A, sample_weight=w)
    result = fbeta.result()
    np.testing.assert_allclose(result, KERAS_FBETA[beta, threshold][average], atol=1e-6)
    assert isinstance(result, np.ndarray) if average is None else isinstance(result, float)
    # hand-worked, exact: the argmax gives class 0 TP 1 + 1, FP 0.25 (batch 2, row 2), FN 1.5 (batch 1,
    # row 3), so F0.5 = 1.25·2 / (1.25·2 + 0.25·1.5 + 0.25) = 0.8
    if (beta, threshold, average) == (0.5, None, None):
        assert result[0] == pytest.approx(0.8, abs=1e-15)


def test_f1_score_is_the_fbeta_score_of_beta_one_with_its_own_config():
    for average in (None, "micro", "macro", "weighted"):
        f1, fbeta = metrics.F1Score(average=average), metrics.FBetaScore(average=average, beta=1)
        for Y, A, w in zip(FBETA_TRUE, FBETA_PRED, FBETA_WEIGHTS):
            f1.update_state(Y, A, sample_weight=w)
            fbeta.update_state(Y, A, sample_weight=w)
        np.testing.assert_array_equal(f1.result(), fbeta.result())
    assert isinstance(metrics.F1Score(), metrics.FBetaScore)
    # F1Score's config has no beta, as Keras's; FBetaScore's default average is Keras's None
    assert metrics.F1Score().get_config() == {"name": "f1_score", "average": "macro", "threshold": None}
    assert metrics.FBetaScore(beta=2).get_config() == {"name": "fbeta_score", "average": None, "beta": 2.0,
                                                       "threshold": None}
    assert metrics.get("fbeta_score").name == "fbeta_score" and type(metrics.get("FBetaScore")) is metrics.FBetaScore


@pytest.mark.parametrize("kwargs, error, match", [
    ({"beta": 0.0}, ValueError, r"beta must be > 0. Received: beta=0.0"),
    ({"beta": -1}, ValueError, r"beta must be > 0"),
    ({"beta": "2"}, TypeError, r"beta must be a number. Received: beta='2'"),
    ({"average": "samples"}, ValueError, r"average must be None, 'macro', 'micro' or 'weighted'. Received: "
                                         r"average='samples'"),
    ({"threshold": 1.5}, ValueError, r"threshold must be <= 1"),
])
def test_fbeta_score_refuses_bad_arguments_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        metrics.FBetaScore(**kwargs)


# IoU metrics: Keras 3.15's results (dtype="float64", JAX_ENABLE_X64; its result() is float32: equal to 1e-6;
# glassnet's default dtype is Keras's int32, which truncates these fractional weights: "mean_int32")
# over two weighted batches of labels; the 5 in IOU_TRUE[1] is out of range and not counted, as Keras
IOU_TRUE = (np.array([0, 1, 2, 1, 0, 2]), np.array([2, 2, 0, 1, 5]))
IOU_PRED = (np.array([0, 2, 2, 1, 1, 2]), np.array([2, 1, 0, 1, 0]))
IOU_WEIGHTS = (np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0]), np.array([0.25, 2.0, 1.0, 1.0, 4.0]))
IOU_SCORES = (np.array([[.6, .3, .1], [.2, .3, .5], [.1, .1, .8], [.2, .7, .1], [.3, .5, .2], [.3, .3, .4]]),
              np.array([[.1, .2, .7], [.1, .6, .3], [.5, .4, .1], [.3, .4, .3]]))  # argmax: IOU_PRED
IOU_ONE_HOT = (np.eye(3)[IOU_TRUE[0]], np.eye(3)[IOU_TRUE[1][:4]])
IOU_CASES = {  # name: (metric, batches as (y_true, y_pred, sample_weight), Keras's result)
    "mean": (lambda: metrics.MeanIoU(3, dtype="float64"), "labels", 0.49462366104125977),
    "iou_0_2": (lambda: metrics.IoU(3, [0, 2], dtype="float64"), "labels", 0.5752688050270081),
    "iou_1_3_ignore_0": (lambda: metrics.IoU(4, [1, 3], ignore_class=0, dtype="float64"), "labels",
                         0.38461533188819885),
    "mean_of_scores": (lambda: metrics.MeanIoU(3, sparse_y_pred=False, dtype="float64"), "scores",
                       0.49462366104125977),
    "one_hot_mean": (lambda: metrics.OneHotMeanIoU(3, dtype="float64"), "one_hot", 0.49462366104125977),
    "one_hot_mean_ignore_1": (lambda: metrics.OneHotMeanIoU(3, ignore_class=1, dtype="float64"), "one_hot",
                              0.43961355090141296),
    "one_hot_1_2_sparse_pred": (lambda: metrics.OneHotIoU(3, [1, 2], sparse_y_pred=True, dtype="float64"),
                                "one_hot_labels", 0.40860214829444885),
    # Keras's default dtype int32 truncates the weights (0.25 -> 0, 1.5 -> 1)
    "mean_int32": (lambda: metrics.MeanIoU(3, dtype="int32"), "labels", 0.4603174924850464),
    "mean_default": (lambda: metrics.MeanIoU(3), "labels", 0.4603174924850464),
}


def _iou_batches(kind):
    if kind == "labels":
        return zip(IOU_TRUE, IOU_PRED, IOU_WEIGHTS)
    pred = IOU_SCORES if kind in ("scores", "one_hot") else (IOU_PRED[0], IOU_PRED[1][:4])
    true = IOU_ONE_HOT if kind.startswith("one_hot") else (IOU_TRUE[0], IOU_TRUE[1][:4])
    return zip(true, pred, (IOU_WEIGHTS[0], IOU_WEIGHTS[1][:4]))


@pytest.mark.parametrize("case", list(IOU_CASES))
def test_iou_metrics_equal_keras_over_weighted_batches(case):
    make, kind, expected = IOU_CASES[case]
    metric = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (int32: "truncates the fractional sample weights")
        for Y, A, w in _iou_batches(kind):
            metric.update_state(Y, A, sample_weight=w)
    assert metric.result() == np.float32(expected)  # Keras's float32, to the bit


def test_mean_iou_hand_worked_and_segmentation_maps_as_keras():
    # unweighted, the out-of-range 5 left out: IoU 2/3, 2/5 and 3/5 (TP / (TP + FP + FN) per class), in Keras's
    # float32 with its 1e-7 added to each denominator (Keras 3.15: 0.5555555820465088)
    mean = metrics.MeanIoU(3)
    for Y, A in zip(IOU_TRUE, IOU_PRED):
        mean.update_state(Y, A)
    assert mean.result() == np.float32(0.5555555820465088) and mean.result().dtype == np.float32
    assert mean.result() == pytest.approx((2 / 3 + 2 / 5 + 3 / 5) / 3, abs=1e-7)
    assert mean.total_cm.tolist() == [[2, 1, 0], [0, 2, 1], [0, 1, 3]]  # rows: targets, columns: predictions
    mean.reset_state()
    assert mean.result() == 0.0 and not mean.total_cm.any()
    # a class that never occurs is left out of the mean (Keras 3.15: 0.48989900946617126 in float64; 0.45 in its
    # default int32, whose weight 0.5 counts 0)
    for dtype, expected in (("float64", 0.48989900946617126), (None, 0.45000001788139343)):
        absent = metrics.MeanIoU(4, dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (int32: "truncates the fractional sample weights")
            absent.update_state(IOU_TRUE[0], IOU_PRED[0], IOU_WEIGHTS[0])
        assert absent.result() == np.float32(expected)
    # label maps (n, h, w) with per-pixel weights, and per-sample weights (n,) spread over the pixels
    seg_true = np.array([[[0, 1, 2], [2, 2, 1]], [[1, 1, 0], [0, 2, 2]]])
    seg_pred = np.array([[[0, 1, 1], [2, 2, 1]], [[1, 0, 0], [0, 2, 1]]])
    seg_w = np.array([[[1, 2, 1], [.5, 1, 1]], [[3, 1, 1], [1, .25, 2]]])
    assert metrics.MeanIoU(3, dtype="float64")(seg_true, seg_pred, seg_w) == np.float32(0.5728070139884949)
    with pytest.warns(UserWarning, match="truncates the fractional sample weights"):
        assert metrics.MeanIoU(3)(seg_true, seg_pred, seg_w) == np.float32(0.5333333611488342)  # Keras's int32
    per_sample = metrics.MeanIoU(3, dtype="float64")(seg_true, seg_pred, np.array([2.0, 0.5]))
    assert per_sample == metrics.MeanIoU(3, dtype="float64")(seg_true, seg_pred,
                                                              np.repeat([2.0, 0.5], 6).reshape(2, 2, 3))


def test_binary_iou_equals_keras():
    # Keras 3.15 (float64): y_pred >= threshold is class 1
    Y, A = (np.array([0, 1, 1, 0, 1]), np.array([1, 0, 0, 1])), (np.array([.2, .6, .4, .5, .9]), np.array([.3, .1, .7, .8]))
    W = (IOU_WEIGHTS[0][:5], IOU_WEIGHTS[1][:4])
    for metric, expected in ((metrics.BinaryIoU(dtype="float64"), 0.5158620476722717),
                             (metrics.BinaryIoU(target_class_ids=[1], threshold=0.3, dtype="float64"), 0.6551723480224609),
                             (metrics.BinaryIoU(), 0.6333333253860474),  # Keras's default int32: 0.5 and 0.25 count 0
                             (metrics.BinaryIoU(target_class_ids=[1], threshold=0.3), 0.6666666269302368)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (int32: "truncates the fractional sample weights")
            for y, a, w in zip(Y, A, W):
                metric.update_state(y, a, sample_weight=w)
        assert metric.result() == np.float32(expected)
    # hand-worked, unweighted, one batch: predicted [0, 1, 0, 1, 1]: class 1 TP 2, FP 1, FN 1: 1/2; class 0 1/3
    # (in Keras's float32, with its 1e-7: 0.4999999403953552 and 0.4166666865348816)
    assert metrics.BinaryIoU(target_class_ids=[1])(Y[0], A[0]) == np.float32(0.4999999403953552)
    assert metrics.BinaryIoU()(Y[0], A[0]) == np.float32(0.4166666865348816)
    assert metrics.BinaryIoU()(Y[0], A[0]) == pytest.approx((1 / 3 + 1 / 2) / 2, abs=1e-7)


def test_iou_metrics_have_keras_s_names_and_configs():
    # Keras 3.15's get_config() of each, its default dtype int32 too
    assert metrics.IoU(3, (0, 2)).get_config() == {
        "name": "io_u", "dtype": "int32", "num_classes": 3, "target_class_ids": [0, 2], "ignore_class": None,
        "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}
    assert metrics.MeanIoU(3).get_config() == {"name": "mean_io_u", "dtype": "int32", "num_classes": 3,
                                               "ignore_class": None, "sparse_y_true": True, "sparse_y_pred": True,
                                               "axis": -1}
    assert metrics.BinaryIoU().get_config() == {"name": "binary_io_u", "dtype": "int32", "target_class_ids": [0, 1],
                                                "threshold": 0.5}
    assert metrics.OneHotIoU(3, [1], dtype="float32").get_config() == {
        "name": "one_hot_io_u", "dtype": "float32", "num_classes": 3, "target_class_ids": [1], "ignore_class": None,
        "sparse_y_pred": False, "axis": -1}
    assert metrics.OneHotMeanIoU(3).get_config() == {"name": "one_hot_mean_io_u", "dtype": "int32", "num_classes": 3,
                                                     "ignore_class": None, "sparse_y_pred": False, "axis": -1}
    for metric in (metrics.IoU(4, [1, 3], ignore_class=0), metrics.MeanIoU(3, sparse_y_pred=False),
                   metrics.BinaryIoU([1], 0.3), metrics.OneHotIoU(3, [0]), metrics.OneHotMeanIoU(5, name="m")):
        again = metrics.deserialize(metrics.serialize(metric))
        assert type(again) is type(metric) and again.get_config() == metric.get_config()


@pytest.mark.parametrize("make, error, match", [
    (lambda: metrics.MeanIoU(1), ValueError, r"num_classes must be >= 2. Received: num_classes=1"),
    (lambda: metrics.MeanIoU(2.0), TypeError, r"num_classes must be an integer"),
    (lambda: metrics.IoU(3, [0, 3]), ValueError, r"target_class_ids must be in the range \[0, 3\)"),
    (lambda: metrics.IoU(3, [-1]), ValueError, r"target_class_ids must be in the range \[0, 3\)"),
    (lambda: metrics.IoU(3, []), ValueError, r"target_class_ids must name at least one class"),
    (lambda: metrics.IoU(3, 1), TypeError, r"target_class_ids must be a list or tuple"),
    (lambda: metrics.BinaryIoU(target_class_ids=[2]), ValueError, r"target_class_ids must be in the range \[0, 2\)"),
    (lambda: metrics.MeanIoU(3, sparse_y_true="no"), TypeError, r"sparse_y_true must be True or False"),
    (lambda: metrics.MeanIoU(3, ignore_class=0.5), TypeError, r"ignore_class must be an integer"),
    (lambda: metrics.MeanIoU(3, dtype="bool"), ValueError, r"dtype must be a float dtype"),
    (lambda: metrics.BinaryIoU(threshold="high"), TypeError, r"threshold must be a number"),
])
def test_iou_metrics_refuse_bad_arguments_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_iou_metrics_refuse_scores_read_as_labels():
    # Keras truncates 0.7 to class 0 and counts nonsense; glassnet names the setting to change
    with pytest.raises(ValueError, match=r"y_pred must hold integer class labels with sparse_y_pred=True \(0.7 is not "
                                         r"one\); for scores or one-hot rows pass sparse_y_pred=False"):
        metrics.MeanIoU(3).update_state(np.array([0, 1]), np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]))
    with pytest.raises(ValueError, match=r"one class label per element.*Received 2 and 6 labels"):
        metrics.MeanIoU(3).update_state(np.array([0, 1]), np.array([[0, 1, 0], [1, 0, 0]]))
    with pytest.raises(ValueError, match=r"sample_weight must hold one weight per label \(2\) or per sample"):
        metrics.MeanIoU(3).update_state(np.array([0, 1]), np.array([0, 1]), np.ones(3))


def test_the_imbalanced_data_tutorial_s_metrics_in_fit_with_class_weight_equal_keras(tmp_path):
    # TensorFlow's "Classification on imbalanced data": tp/fp/tn/fn, precision, recall, AUC (ROC and PR)
    # under class_weight. Keras 3.15: Sequential([Input((3,)), Dense(1, "sigmoid")]) with the weights below,
    # SGD(0.1), fit(batch_size=4, epochs=2, shuffle=False, class_weight={0: 0.6, 1: 3.0}, validation_data=(X[:6], y[:6]))
    from glassnet.layers import Dense, Input
    from glassnet.models import Sequential, load_model

    X = np.round(np.random.default_rng(3).normal(size=(12, 3)), 2)
    y = np.array([0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0])
    model = Sequential([Input((3,)), Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[0.5], [-0.3], [0.8]]), np.array([-1.0])])
    model.compile(optimizer=optimizers.SGD(0.1), loss="binary_crossentropy", metrics=[
        metrics.TruePositives(name="tp"), metrics.FalsePositives(name="fp"), metrics.TrueNegatives(name="tn"),
        metrics.FalseNegatives(name="fn"), metrics.Precision(name="precision"), metrics.Recall(name="recall"),
        metrics.AUC(name="auc"), metrics.AUC(name="prc", curve="PR"), "FalsePositives"])
    history = model.fit(X, y, batch_size=4, epochs=2, shuffle=False, verbose=0, class_weight={0: 0.6, 1: 3.0},
                        validation_data=(X[:6], y[:6])).history
    keras = {"loss": [1.388566, 1.265234], "tp": [0.0, 0.0], "fp": [3.0, 2.0], "tn": [6.0, 7.0], "fn": [3.0, 3.0],
             "auc": [0.37037, 0.407407], "prc": [0.194366, 0.211738], "val_loss": [0.814035, 0.725282],
             "val_tp": [0.0, 0.0], "val_fp": [1.0, 1.0], "val_tn": [4.0, 4.0], "val_fn": [1.0, 1.0]}
    for key, values in keras.items():
        np.testing.assert_allclose(history[key], values, rtol=2e-6, atol=1e-6, err_msg=key)
    assert history["FalsePositives"] == history["fp"]  # logged under the string given, as Keras
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [0.19880099594593048, -0.3251020014286041,
                                                                 0.7181379795074463], rtol=1e-6)
    logs = model.evaluate(X, y, return_dict=True)
    assert (logs["tp"], logs["fp"], logs["tn"], logs["fn"]) == (0.0, 2.0, 7.0, 3.0)
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").evaluate(X, y, return_dict=True) == pytest.approx(logs)


# Keras 3.15's metrics of its other losses, Accuracy, Mean and Sum (float64, ops.mean as jnp.mean): the
# result after each of three batches, weighted ([1, 0, 2.5, 0.5], [3, 1, 0.25]), then unweighted
METRIC_P = [np.array([[0.307, 0.445, 0.247], [0.2, 0.046, 0.754], [0.003, 0.828, 0.169], [0.26, 0.469, 0.271]]),
            np.array([[0.233, 0.278, 0.488], [0.054, 0.767, 0.179], [0.267, 0.676, 0.057]]),
            np.array([[0.029, 0.595, 0.376], [0.688, 0.149, 0.163]])]
METRIC_T = [np.eye(3)[[0, 1, 1, 0]], np.eye(3)[[2, 0, 0]], np.eye(3)[[0, 2]]]
METRIC_R = [np.array([[1.06, -0.81, -0.03], [0.88, -0.58, -0.11], [0.11, 0.06, -1.23], [0.08, 1.36, -1.55]]),
            np.array([[0.86, 0.12, -0.64], [2.0, 0.76, -1.2], [0.07, 0.58, -0.19]]),
            np.array([[0.68, -0.07, 0.67], [1.44, -0.68, 0.2]])]
METRIC_BITS = [np.array([[1, 1, 1], [1, 0, 1], [0, 0, 0], [0, 0, 1]]), np.array([[0, 0, 1], [1, 0, 0], [1, 0, 0]]),
               np.array([[0, 1, 0], [1, 1, 0]])]
METRIC_LABELS = [np.array([[1, 1, 0], [1, 1, 1], [1, 1, 0], [0, 1, 0]]), np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1]]),
                 np.array([[1, 1, 1], [0, 0, 1]])]
METRIC_WEIGHTS = [np.array([1.0, 0.0, 2.5, 0.5]), np.array([3.0, 1.0, 0.25]), None]
KERAS_LOSS_METRICS = [
    ("KLDivergence", METRIC_T, METRIC_P, [0.581572248272012, 0.9366659273554904, 1.2762880349394259]),
    ("Poisson", [3 * t for t in METRIC_T], METRIC_P, [0.9148247117243968, 1.2698400557912053, 1.6094934236437548]),
    ("LogCoshError", METRIC_R, METRIC_P, [0.35841110373268115, 0.3446588482842293, 0.31051464775037535]),
    ("SquaredHinge", METRIC_BITS, METRIC_R, [1.4037916666666668, 1.743767676767677, 1.7618487804878051]),
    ("CategoricalHinge", METRIC_T, METRIC_R, [0.94125, 1.4112121212121211, 1.4509756097560975]),
    ("CosineSimilarity", METRIC_R, METRIC_P, [-0.08375366571447157, -0.027313337915518973, 0.08885545759678509]),
    ("Accuracy", METRIC_LABELS, [np.round(1.6 * p) for p in METRIC_P],
     [0.7083333333333333, 0.404040404040404, 0.4227642276422764]),
]


@pytest.mark.parametrize("cls, ys, ps, expected", KERAS_LOSS_METRICS, ids=[c[0] for c in KERAS_LOSS_METRICS])
def test_keras_s_other_metrics_stream_weighted_batches_as_keras(cls, ys, ps, expected):
    metric = getattr(metrics, cls)()
    for y, p, w, want in zip(ys, ps, METRIC_WEIGHTS, expected):
        metric.update_state(y, p, sample_weight=w)
        assert metric.result() == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert metric.name == {"LogCoshError": "logcosh", "KLDivergence": "kl_divergence", "Poisson": "poisson",
                           "SquaredHinge": "squared_hinge", "CategoricalHinge": "categorical_hinge",
                           "CosineSimilarity": "cosine_similarity", "Accuracy": "accuracy"}[cls]  # Keras's
    config = metric.get_config()
    assert type(metrics.deserialize(metrics.serialize(metric))) is type(metric)
    assert getattr(metrics, cls).from_config(config).get_config() == config
    metric.reset_state()
    assert metric.result() == 0.0


MEAN_BATCHES = [([[1.0, 2.0], [3.0, 5.0]], None), ([1.0, 2.0, 4.0], 2.0), ([[1.0, 2.0], [3.0, 5.0]], [[1.0, 0.0], [0.5, 2.0]]),
                ([[2.0], [7.0]], [0.5, 3.0]), (6.0, None)]


@pytest.mark.parametrize("cls, expected", [
    ("Mean", [2.75, 2.5416666666666665, 2.8550724637681157, 4.153153153153153, 4.333333333333333]),
    ("Sum", [11.0, 25.0, 37.5, 59.5, 65.5]),
])
def test_mean_and_sum_reduce_values_per_sample_as_keras(cls, expected):
    # hand-worked first two of Mean: rows (1, 2), (3, 5) count with their means 1.5 and 4: 2.75; one weight 2
    # for (1, 2, 4) weighs their mean 7/3 once with weight 2: (5.5 + 14/3) / 4 = 2.5417
    metric = getattr(metrics, cls)()
    for (values, weight), want in zip(MEAN_BATCHES, expected):
        metric.update_state(values, sample_weight=weight)
        assert metric.result() == pytest.approx(want, rel=1e-14)
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) does not fit values of shape \(2,\)"):
        metric.update_state([1.0, 2.0], sample_weight=[1.0, 2.0, 3.0])
    # called, as TensorFlow's "quickstart for experts" calls train_loss(loss) (glassnet's __call__ wanted
    # y_true and y_pred: "missing 1 required positional argument"): update_state's arguments, then the result
    called = getattr(metrics, cls)()
    for (values, weight), want in zip(MEAN_BATCHES, expected):
        assert (called(values, weight) if weight is not None else called(values)) == pytest.approx(want, rel=1e-14)
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    with pytest.raises(TypeError, match=f"metrics: {cls} takes values .*not targets and outputs"):
        Sequential([Dense(1, input_shape=(2,))]).compile("sgd", "mse", metrics=[metric])


# -- 1-D targets and outputs, and a number as sample_weight, in the mean metrics (Keras 3.15.1 on JAX, float64) ----
VECTOR_TRUE, VECTOR_TRUE_2 = np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])
VECTOR_PRED = np.array([0.2, 0.5, 0.3])


@pytest.mark.parametrize("cls, kwargs, expected", [
    # Keras's result after (VECTOR_TRUE_2, VECTOR_PRED), then after (VECTOR_TRUE, VECTOR_PRED) too
    ("CategoricalCrossentropy", {}, [1.6094379124341003, 1.1512925464970227]),
    ("KLDivergence", {}, [1.6094348785269688, 1.1512895584044278]),
    ("CategoricalHinge", {}, [1.3, 1.05]),
    ("CosineSimilarity", {}, [0.3244428422615251, 0.567774973957669]),
    ("CategoricalAccuracy", {}, [0.0, 0.5]),
    ("TopKCategoricalAccuracy", {"k": 2}, [0.0, 0.5]),
])
def test_a_vector_is_one_sample_of_the_row_metrics_as_keras(cls, kwargs, expected):
    # Keras's functions reduce the last axis, so a vector is one sample of 3 outputs, as glassnet's losses read
    # it; the metric read it as 3 samples of one output each: the cross-entropy of [0, 1, 0] and [.2, .5, .3]
    # was 3.3e-8 (each one-output row sums to 1), its categorical accuracy 1.0 whatever the vector
    metric = getattr(metrics, cls)(**kwargs)
    for y, want in zip((VECTOR_TRUE_2, VECTOR_TRUE), expected):
        metric.update_state(y, VECTOR_PRED)
        assert metric.result() == pytest.approx(want, rel=1e-12)
    function = {"CategoricalCrossentropy": losses.categorical_crossentropy, "KLDivergence": losses.kl_divergence,
                "CategoricalHinge": losses.categorical_hinge}.get(cls)
    if function is not None:  # the metric of one sample is the loss function's value of it
        assert getattr(metrics, cls)()(VECTOR_TRUE, VECTOR_PRED) == pytest.approx(
            float(function(VECTOR_TRUE, VECTOR_PRED)), rel=1e-12)


VECTOR_BATCHES = [(np.array([1.0, 0, 1, 1, 0, 1]), np.array([0.9, 0.2, 0.1, 0.8, 0.5, 0.7])),
                  (np.array([1.0, 0]), np.array([0.0, 1.0]))]


@pytest.mark.parametrize("cls, expected", [
    ("MeanSquaredError", 0.6033333333333334), ("MeanAbsoluteError", 0.6833333333333333),
    ("MeanSquaredLogarithmicError", 0.2898261300305593), ("BinaryCrossentropy", 8.38438572859233),
    ("Hinge", 1.0999999999999999), ("SquaredHinge", 1.6366666666666667), ("Poisson", 4.795170806484338),
    ("LogCoshError", 0.26430821018751427),
    # element-wise, as Keras's binary_accuracy and RMSE's squared error: each element counts
    ("BinaryAccuracy", 0.625), ("RootMeanSquaredError", 0.6363961030678927),
])
def test_one_dimensional_batches_of_unequal_size_average_as_keras(cls, expected):
    # a 1-D batch is one sample of the metrics that reduce each row (the batch of 6 and the batch of 2 count
    # alike, as in Keras: the mean squared error was (6·0.25 + 2·0.5) / 8 = 0.405); element by element where
    # Keras's function gives one value per element
    metric = getattr(metrics, cls)()
    for y, p in VECTOR_BATCHES:
        metric.update_state(y, p)
    assert metric.result() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weight", [np.array([3.0]), 3.0], ids=["one weight (1,)", "a number"])
def test_a_vector_takes_the_one_weight_of_its_one_sample_as_keras(weight):
    # (glassnet refused (1,): "one weight per sample (3,)"; (3,) weights are refused now, see
    # test_metrics_bad_input.py, as by Keras, whose broadcast fails, and by glassnet's losses)
    for cls, expected in (("CategoricalCrossentropy", 0.922219863528484), ("MeanSquaredError", 0.17666666666666664)):
        metric = getattr(metrics, cls)()
        metric.update_state(VECTOR_TRUE_2, VECTOR_PRED)
        metric.update_state(VECTOR_TRUE, VECTOR_PRED, sample_weight=weight)
        assert metric.result() == pytest.approx(expected, rel=1e-12)


SCALAR_LABELS = (np.array([0, 2, 1, 2]), np.array([1, 1]))
SCALAR_PRED = (np.array([[0.5, 0.2, 0.3], [0.1, 0.3, 0.6], [0.3, 0.3, 0.4], [0.7, 0.2, 0.1]]),
               np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]))
SCALAR_ONE_HOT = tuple(np.eye(3)[labels] for labels in SCALAR_LABELS)
SCALAR_REAL = (np.array([[0.5, 1.0, 2.0], [1.5, 0.0, 1.0], [2.0, 2.0, 0.5], [0.25, 1.0, 1.0]]),
               np.array([[1.0, 3.0, 0.5], [0.0, 2.0, 1.0]]))
SCALAR_BITS = (np.array([[1.0, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]]), np.array([[1.0, 1, 0], [0, 0, 1]]))
# for the accuracies: the first batch mostly wrong, the weighted one right
HITS_LABELS = (np.array([0, 2, 0, 2]), np.array([1, 1]))
HITS_ONE_HOT = tuple(np.eye(3)[labels] for labels in HITS_LABELS)
HITS_PRED = (np.array([[0.2, 0.7, 0.1], [0.1, 0.6, 0.3], [0.3, 0.4, 0.3], [0.7, 0.2, 0.1]]),
             np.array([[0.2, 0.7, 0.1], [0.3, 0.6, 0.1]]))
HITS_BITS = (np.array([[0.0, 1, 1], [1, 0, 0], [1, 0, 1], [0, 1, 1]]), np.array([[0.0, 1, 0], [0, 1, 0]]))


@pytest.mark.parametrize("cls, targets, outputs, expected", [
    ("MeanSquaredError", SCALAR_REAL, SCALAR_PRED, 1.3266666666666664),
    ("MeanAbsoluteError", SCALAR_REAL, SCALAR_PRED, 0.955128205128205),
    ("RootMeanSquaredError", SCALAR_REAL, SCALAR_PRED, 1.151810169544733),
    ("MeanSquaredLogarithmicError", SCALAR_REAL, SCALAR_PRED, 0.3501450816740586),
    ("MeanAbsolutePercentageError", tuple(t + 1 for t in SCALAR_REAL), SCALAR_PRED, 80.9508547008547),
    ("LogCoshError", SCALAR_REAL, SCALAR_PRED, 0.4869523261040818),
    ("Poisson", SCALAR_REAL, SCALAR_PRED, 1.783614686838091),
    ("CosineSimilarity", SCALAR_REAL, SCALAR_PRED, 0.6874365553169),
    ("KLDivergence", SCALAR_ONE_HOT, SCALAR_PRED, 1.0248186638101728),
    ("CategoricalCrossentropy", SCALAR_ONE_HOT, SCALAR_PRED, 1.0248215979964235),
    ("SparseCategoricalCrossentropy", SCALAR_LABELS, SCALAR_PRED, 1.0248215979964235),
    ("CategoricalHinge", SCALAR_ONE_HOT, SCALAR_PRED, 0.9923076923076923),
    ("CategoricalAccuracy", HITS_ONE_HOT, HITS_PRED, 0.38461538461538464),  # 2.5 / 6.5 (was 5 / 9)
    ("SparseCategoricalAccuracy", HITS_LABELS, HITS_PRED, 0.38461538461538464),
    ("TopKCategoricalAccuracy", HITS_ONE_HOT, HITS_PRED, 0.38461538461538464),
    ("SparseTopKCategoricalAccuracy", HITS_LABELS, HITS_PRED, 0.38461538461538464),
    ("BinaryAccuracy", HITS_BITS, HITS_PRED, 0.5897435897435896),
    ("Accuracy", HITS_BITS, tuple(np.round(p + 0.2) for p in HITS_PRED), 0.5384615384615384),
    ("BinaryCrossentropy", SCALAR_BITS, SCALAR_PRED, 0.8199716543818132),
    ("Hinge", SCALAR_BITS, SCALAR_PRED, 0.9794871794871794),
    ("SquaredHinge", SCALAR_BITS, SCALAR_PRED, 1.1112820512820514),
])
def test_a_number_as_sample_weight_weighs_the_batch_mean_once_as_keras(cls, targets, outputs, expected):
    # Keras's Mean reduces the values to the weight's rank: a batch given sample_weight=2.5 adds 2.5·mean to
    # the total and 2.5 to the count, as glassnet's Mean does; the metrics weighed each of its 2 samples by
    # 2.5 (5 in the count): the 2 rows counted as much as 5 unweighted ones
    kwargs = {"k": 1} if "TopK" in cls else {}
    metric = getattr(metrics, cls)(**kwargs)
    metric.update_state(targets[0], outputs[0])
    metric.update_state(targets[1], outputs[1], sample_weight=2.5)
    assert metric.result() == pytest.approx(expected, rel=1e-12)


def test_a_number_as_sample_weight_of_sequences_and_of_a_function_s_metric_as_keras():
    # sequences (n, m, k): the batch's mean once, as one sample of weight w (Keras 3.15.1 on JAX, float64)
    s1 = np.array([[[0.0, 1.0], [1.0, 1.0], [0.5, 0.0]], [[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]])
    q1 = np.array([[[0.5, 1.0], [0.0, 1.0], [0.5, 0.5]], [[1.0, 1.0], [0.0, 0.5], [1.0, 0.0]]])
    s2, q2 = np.array([[[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]]), np.array([[[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]])
    for first, expected in ((None, 0.6597222222222222), (0.5, 0.7754629629629629)):
        metric = metrics.MeanSquaredError()
        metric.update_state(s1, q1, sample_weight=first)
        metric.update_state(s2, q2, sample_weight=4.0)
        assert metric.result() == pytest.approx(expected, rel=1e-12)
    wrapped = metrics.MeanMetricWrapper(metrics.mean_absolute_error)
    wrapped.update_state(SCALAR_REAL[0], SCALAR_PRED[0])
    wrapped.update_state(SCALAR_REAL[1], SCALAR_PRED[1], sample_weight=2.5)
    assert wrapped.result() == pytest.approx(0.955128205128205, rel=1e-12)
    zero = metrics.MeanSquaredError()  # a weight 0 leaves the batch out
    zero.update_state(SCALAR_REAL[0], SCALAR_PRED[0])
    zero.update_state(SCALAR_REAL[1], SCALAR_PRED[1], sample_weight=0.0)
    assert zero.result() == pytest.approx(1.0985416666666665, rel=1e-12)


@pytest.mark.parametrize("name, cls", [
    ("kl_divergence", metrics.KLDivergence), ("poisson", metrics.Poisson), ("log_cosh_error", metrics.LogCoshError),
    ("squared_hinge", metrics.SquaredHinge), ("categorical_hinge", metrics.CategoricalHinge),
    ("cosine_similarity", metrics.CosineSimilarity), (metrics.kl_divergence, metrics.KLDivergence),
    (metrics.squared_hinge, metrics.SquaredHinge), (metrics.categorical_hinge, metrics.CategoricalHinge),
    (metrics.poisson, metrics.Poisson), (metrics.Accuracy(), metrics.Accuracy),
])
def test_the_new_metrics_in_compile_fit_and_a_model_file(name, cls, tmp_path):
    # metrics=["kl_divergence"] raised "Unknown metric"; each is logged by its string, as Keras logs it
    from glassnet.layers import Dense
    from glassnet.models import Sequential, load_model

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 2)), np.eye(3)[rng.integers(0, 3, 8)]
    model = Sequential([Dense(3, activation="softmax", input_shape=(2,))], dtype="float64")
    model.compile("sgd", "categorical_crossentropy", metrics=[name])
    model.fit(X, Y, epochs=1, verbose=0)
    logs = model.evaluate(X, Y, return_dict=True, verbose=0)
    key = name if isinstance(name, str) else cls().name
    assert list(logs) == sorted(["loss", key])  # as Keras 3 sorts its logs
    assert logs[key] == pytest.approx(cls()(Y, model.predict(X, verbose=0)), rel=1e-12)
    model.save(tmp_path / "m.gn")
    assert load_model(tmp_path / "m.gn").evaluate(X, Y, return_dict=True, verbose=0) == pytest.approx(logs)


# keras.metrics.<name>() of targets (6, 4) against outputs (6, 4, 1), and of (6, 4, 1) against (6, 4),
# unweighted and with weights (6,): Keras 3.15 (JAX) squeezes the trailing 1 and gives these
KERAS_SQUEEZED = {
    "Precision": (0.6428571343421936, 0.798823893070221), "Recall": (0.6428571343421936, 0.6560915112495422),
    "AUC": (0.46071431040763855, 0.6193152070045471), "TruePositives": (9.0, 5.33056640625),
    "FalseNegatives": (5.0, 2.794163942337036), "BinaryAccuracy": (0.5833333134651184, 0.6406915783882141),
    "MeanSquaredError": (0.33642861247062683, 0.2627168595790863),
}


@pytest.mark.parametrize("name", KERAS_SQUEEZED)
def test_outputs_with_a_trailing_one_are_squeezed_to_the_targets_as_keras(name):
    # glassnet refused them: "y_true and y_pred must have one row per sample"
    rng = np.random.default_rng(0)
    Y, A, w = (rng.random((6, 4)) > 0.5).astype(float), rng.random((6, 4, 1)), rng.random(6)
    for y, a in ((Y, A), (Y[..., None], A[..., 0])):
        for weights, expected in zip((None, w), KERAS_SQUEEZED[name]):
            metric = metrics.get(name)
            metric.update_state(y, a, weights)
            assert float(metric.result()) == pytest.approx(expected, rel=1e-6), (y.shape, weights is None)
    per_element = rng.random((6, 4))
    if name == "MeanSquaredError":  # one value per sample: Keras's broadcast refuses (6, 4) weights
        with pytest.raises(ValueError, match=r"sample_weight must hold one weight per sample \(6,\)"):
            metrics.get(name).update_state(Y, A, per_element)
    else:  # the confusion metrics and binary_accuracy weigh each element, as Keras: as rows of one output each
        metric, rows = metrics.get(name), metrics.get(name)
        metric.update_state(Y, A, per_element)
        rows.update_state(Y.reshape(-1, 1), A.reshape(-1, 1), per_element.reshape(-1))
        assert float(metric.result()) == pytest.approx(float(rows.result()), rel=1e-15)


# -- PearsonCorrelation and ConcordanceCorrelation (Keras 3.15's) ---------------------------------------------------

def _correlation_data():
    rng = np.random.default_rng(7)
    Y = rng.normal(size=(10, 5))
    A = 0.6 * Y + rng.normal(size=(10, 5)) + 0.3
    w = rng.random(10)
    S = rng.normal(size=(6, 3, 4))
    T = S + rng.normal(size=(6, 3, 4))
    return Y, A, w, S, T, rng.random((6, 3))


def _correlation_cases():
    """(label, axis, y, a, sample_weight, batch boundaries): the batches fed to update_state."""
    Y, A, w, S, T, ws = _correlation_data()
    return [("plain", -1, Y, A, None, (4, 7)), ("weighted", -1, Y, A, w, (4, 7)), ("axis0", 0, Y, A, None, (5,)),
            ("seq", -1, S, T, ws, (2, 4)), ("seq_axis1", 1, S, T, None, (3,))]  # seq: per-position weights (6, 3)


# keras.metrics.PearsonCorrelation/ConcordanceCorrelation(dtype="float64", axis=...) over those batches (Keras 3.15,
# JAX with JAX_ENABLE_X64, float64 arrays). Keras's ops.mean and ops.var compute in float32 even for float64
# input (its result_type("float64", "float32") is float32), so KERAS_CORRELATIONS_F64 are Keras's numbers with
# those two ops made float64 (its code otherwise unchanged), KERAS_CORRELATIONS Keras's numbers as they come.
KERAS_CORRELATIONS_F64 = {
    "PearsonCorrelation-plain": 0.5167697575964215,
    "PearsonCorrelation-weighted": 0.511951309316328,
    "PearsonCorrelation-axis0": 0.47474273017037516,
    "PearsonCorrelation-seq": 0.7034121364601377,
    "PearsonCorrelation-seq_axis1": 0.5260114063630925,
    "ConcordanceCorrelation-plain": 0.4245522936126048,
    "ConcordanceCorrelation-weighted": 0.4215339256890748,
    "ConcordanceCorrelation-axis0": 0.3183750286292017,
    "ConcordanceCorrelation-seq": 0.5633939444751638,
    "ConcordanceCorrelation-seq_axis1": 0.39302034059575114,
}
KERAS_CORRELATIONS = {
    "PearsonCorrelation-plain": 0.5167697733268142,
    "PearsonCorrelation-weighted": 0.511951325291391,
    "PearsonCorrelation-axis0": 0.47474273592233657,
    "PearsonCorrelation-seq": 0.7034121371735723,
    "PearsonCorrelation-seq_axis1": 0.5260114197929701,
    "ConcordanceCorrelation-plain": 0.4245523024350405,
    "ConcordanceCorrelation-weighted": 0.42153393551102625,
    "ConcordanceCorrelation-axis0": 0.3183750301599503,
    "ConcordanceCorrelation-seq": 0.5633939204043572,
    "ConcordanceCorrelation-seq_axis1": 0.3930203492442767,
}
#: keras.metrics.pearson_correlation / concordance_correlation(Y, A) of the first data set (float64 ops, as above)
KERAS_CORRELATION_ROWS = {
    "pearson_correlation": [
        -0.260333878426597, 0.6004342014354112, 0.9346221854416517, 0.69265443230199,
        0.3528921565564385, 0.836288812835533, 0.8880517878857677, 0.3280504133775082,
        0.7652070906920226, 0.02983037386449008,
    ],
    "concordance_correlation": [
        -0.18254250470857122, 0.42729623378838294, 0.8434365165231018, 0.5743439128464195,
        0.30826422161084077, 0.6391421551504691, 0.7239000310069041, 0.2660435934288031,
        0.621868289648237, 0.023770486831461005,
    ],
}


@pytest.mark.parametrize("cls", ["PearsonCorrelation", "ConcordanceCorrelation"])
def test_correlation_metrics_stream_over_batches_as_keras(cls):
    for label, axis, y, a, sample_weight, cuts in _correlation_cases():
        metric = getattr(metrics, cls)(axis=axis)
        for part in np.split(np.arange(len(y)), cuts):
            metric.update_state(y[part], a[part], None if sample_weight is None else sample_weight[part])
        assert metric.result() == pytest.approx(KERAS_CORRELATIONS_F64[f"{cls}-{label}"], abs=1e-10), label
        assert metric.result() == pytest.approx(KERAS_CORRELATIONS[f"{cls}-{label}"], abs=1e-7), label


@pytest.mark.parametrize("name", KERAS_CORRELATION_ROWS)
def test_correlation_functions_give_keras_s_value_per_row(name):
    Y, A = _correlation_data()[:2]
    np.testing.assert_allclose(getattr(metrics, name)(Y, A), KERAS_CORRELATION_ROWS[name], rtol=0, atol=1e-12)


def test_correlations_by_hand():
    y = np.array([[1.0, 2.0, 3.0, 4.0]])
    assert metrics.pearson_correlation(y, 3 * y + 1) == pytest.approx([1.0], abs=1e-15)
    assert metrics.pearson_correlation(y, -y) == pytest.approx([-1.0], abs=1e-15)
    # ρ_c = 2 cov / (σ_y² + σ_ŷ² + (ȳ − ŷ̄)² + 1e-7): y and y + 1 have cov = σ² = 1.25 and a shift of 1
    assert metrics.concordance_correlation(y, y + 1) == pytest.approx([2.5 / (2.5 + 1 + 1e-7)], abs=1e-15)
    assert np.isnan(metrics.pearson_correlation(np.ones((1, 3)), y[:, :3])[0])  # a constant row: NaN, as Keras
    # targets (n,) against outputs (n, 1) line up as Keras's: one value per row, NaN (one value has no spread)
    assert np.isnan(metrics.pearson_correlation([1.0, 2.0], [[1.0], [3.0]])).all()
    assert metrics.PearsonCorrelation()(np.array([y[0], -y[0]]), np.array([y[0], y[0]])) == pytest.approx(0.0)


def test_correlation_metrics_names_config_and_bad_arguments():
    for cls, name in ((metrics.PearsonCorrelation, "pearson_correlation"),
                      (metrics.ConcordanceCorrelation, "concordance_correlation")):
        assert cls().name == name and type(metrics.get(name)) is cls and type(metrics.get(cls.__name__)) is cls
        assert type(metrics.get(getattr(metrics, name))) is cls  # compile(metrics=[metrics.pearson_correlation])
        made = cls(name="r", axis=(0, 1))
        assert made.get_config() == {"name": "r", "axis": (0, 1)}
        again = cls.from_config(made.get_config())
        assert (type(again), again.name, again.axis) == (cls, "r", (0, 1))
        assert metrics.deserialize(metrics.serialize(cls(axis=0))).axis == 0
        with pytest.raises(TypeError, match="axis must be an integer or a tuple of integers. Received: axis='x'"):
            cls(axis="x")
        with pytest.raises(ValueError, match=r"axis=2 is out of range for y_pred of shape \(3, 2\)"):
            cls(axis=2).update_state(np.ones((3, 2)), np.ones((3, 2)))
        with pytest.raises(ValueError, match=r"y_true and y_pred must have one shape.*\(3, 2\) and \(3, 4\)"):
            cls().update_state(np.ones((3, 2)), np.ones((3, 4)))


def test_the_focal_losses_functions_are_metrics_functions_too():
    # keras.metrics exports binary_focal_crossentropy and categorical_focal_crossentropy (the losses' functions);
    # glassnet.metrics lacked them. Compiled, each is the mean of its per-sample values, as Keras's wrapper
    from glassnet.layers import Dense
    from glassnet.models import Sequential

    assert metrics.binary_focal_crossentropy is losses.binary_focal_crossentropy
    assert metrics.categorical_focal_crossentropy is losses.categorical_focal_crossentropy
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 2)), rng.integers(0, 2, (20, 1)).astype(float)
    model = Sequential([Dense(1, "sigmoid", input_dim=2)], seed=0)
    model.compile("sgd", "binary_crossentropy", metrics=[metrics.binary_focal_crossentropy])
    logs = model.evaluate(X, y, batch_size=20, return_dict=True)
    expected = np.mean(losses.binary_focal_crossentropy(y, model.predict(X)))
    assert logs["binary_focal_crossentropy"] == pytest.approx(expected, rel=1e-6)


def test_element_wise_metrics_take_per_element_weights_as_keras(keras_float64):
    # Keras 3.15's binary_accuracy, accuracy and RMSE's squared error are element-wise, so their Mean takes
    # weights (n, k) of the targets' shape: Σ_i mean_k(w v) / Σ_i mean_k(w); R2Score weighs each target;
    # (n, 1), (n,) and none as before. float64, streamed over two batches, to 1e-13
    keras, _ = keras_float64
    rng = np.random.default_rng(1)
    y, p, w = (rng.random((7, 3)) > 0.5).astype(float), rng.random((7, 3)), rng.random((7, 3))
    yr = rng.normal(size=(7, 3))
    data = {"BinaryAccuracy": (y, p), "Accuracy": (y, (p > 0.5).astype(float)), "RootMeanSquaredError": (yr, p),
            "R2Score": (yr, p)}
    floatx = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        for name, (yt, yp) in data.items():
            for weights in (w, w[:, :1], w[:, 0], None):
                ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
                for half in (slice(0, 4), slice(4, 7)):
                    sw = None if weights is None else weights[half]
                    ours.update_state(yt[half], yp[half], sample_weight=sw)
                    theirs.update_state(yt[half], yp[half], sample_weight=sw)
                assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-13, abs=1e-15), (name, weights)
        # a function's element-wise values (n, k) in MeanMetricWrapper: Keras's Mean takes (n, k) weights
        for weights in (w, w[:, :1], w[:, 0], 2.0):
            ours = metrics.MeanMetricWrapper(lambda t, q: (t - q) ** 2 * np.abs(t + 1))
            theirs = keras.metrics.MeanMetricWrapper(lambda t, q: (t - q) ** 2 * abs(t + 1))
            ours.update_state(yr, p, sample_weight=weights)
            theirs.update_state(yr, p, sample_weight=weights)
            assert ours.result() == pytest.approx(float(theirs.result()), rel=1e-13), np.shape(weights)
    finally:
        keras.config.set_floatx(floatx)


def test_per_element_weights_by_hand_and_refused_where_keras_refuses_them():
    # binary_accuracy of two rows of two outputs: hits [[1, 0], [1, 1]], weights [[1, 3], [2, 2]]:
    # Σ_i mean_k(w v) / Σ_i mean_k(w) = (0.5 + 2) / (2 + 2)
    y, p = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.9, 0.8], [0.1, 0.7]])
    w = np.array([[1.0, 3.0], [2.0, 2.0]])
    assert metrics.BinaryAccuracy()(y, p, sample_weight=w) == 2.5 / 4
    assert metrics.RootMeanSquaredError()(y, p, sample_weight=w) == pytest.approx(
        np.sqrt(np.sum(w * (p - y) ** 2) / np.sum(w)), rel=1e-15)
    # Keras's per-sample metrics (MSE, the cross-entropies, categorical accuracy, ...) refuse them
    for name in ("MeanSquaredError", "BinaryCrossentropy", "CategoricalAccuracy", "Hinge"):
        with pytest.raises(ValueError, match=r"sample_weight must hold one weight per sample \(2,\)"):
            metrics.get(name).update_state(y, p, sample_weight=w)
    with pytest.raises(ValueError, match=r"sample_weight of shape \(2, 3\) does not broadcast to the outputs"):
        metrics.BinaryAccuracy().update_state(y, p, sample_weight=np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(2, 2\) does not fit values of shape \(2,\)"):
        metrics.MeanMetricWrapper(lambda t, q: np.mean(t - q, axis=-1))(y, p, sample_weight=w)  # per sample
    with pytest.raises(ValueError, match=r"sample_weight of shape \(2, 3\) does not broadcast to the outputs"):
        metrics.R2Score().update_state(y, p, sample_weight=np.ones((2, 3)))


def test_fit_evaluate_and_losses_refuse_per_element_weights_by_name_as_keras_refuses_them():
    # Keras 3.15's losses reduce each sample to one value before weighing it, so weights (n, k) of (n, k)
    # targets fail to broadcast there ("Incompatible shapes ... (8,), (8, 3)"), in fit and evaluate too (and
    # weights (k, k) of k samples would broadcast across the wrong axis): glassnet refuses them, naming
    # sample_weight, in the losses, fit, evaluate and train_on_batch alike; the metrics take them (above)
    from glassnet import layers, models

    rng = np.random.default_rng(0)
    X, Y, w = rng.random((8, 4)), (rng.random((8, 3)) > 0.5).astype(float), rng.random((8, 3))
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", weighted_metrics=["binary_accuracy"])
    for call in (lambda: model.fit(X, Y, sample_weight=w, verbose=0), lambda: model.evaluate(X, Y, sample_weight=w),
                 lambda: model.train_on_batch(X, Y, sample_weight=w), lambda: model.test_on_batch(X, Y, w)):
        with pytest.raises(ValueError, match=r"sample_weight must be a 1-D array of shape \(n_samples,\)\. "
                                             r"Received an array of shape \(8, 3\)"):
            call()
    for loss in (losses.BinaryCrossentropy(), losses.MeanSquaredError()):
        for k in (8, 3):  # (3, 3): Keras's broadcast takes it across the outputs; refused
            with pytest.raises(ValueError, match=rf"sample_weight must hold one weight per sample \({k},\)"):
                loss(Y[:k], X[:k, :3], sample_weight=rng.random((k, 3)))
