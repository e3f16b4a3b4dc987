"""Unusual but legitimate array kinds (session 54, hunt hexotic findings 1-5): losses called directly on NumPy
masked arrays, pandas objects and np.matrix; float16 targets against wider outputs; split/kfold on torch tensors
that require grad; 0-d arrays where a number is checked."""

import numpy as np
import numpy.ma as ma
import pytest

import glassnet as gn
from glassnet import backend, losses, metrics

pd = pytest.importorskip("pandas")
pytestmark = pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")

Y = np.eye(3)[[0, 1, 2, 1]]
P = np.array([[.7, .2, .1], [.1, .8, .1], [.2, .2, .6], [.3, .4, .3]])
LABELS = np.array([0, 1, 2, 1])

# (loss, targets for P): every loss family, through Loss.__call__ and the fast paths of MSE and CCE
LOSSES = [
    (losses.MeanSquaredError(), Y),
    (losses.MeanAbsoluteError(), Y),
    (losses.MeanAbsolutePercentageError(), Y),
    (losses.MeanSquaredLogarithmicError(), Y),
    (losses.CosineSimilarity(), Y),
    (losses.Huber(), Y),
    (losses.LogCosh(), Y),
    (losses.Poisson(), Y),
    (losses.KLDivergence(), Y),
    (losses.BinaryCrossentropy(), Y),
    (losses.CategoricalCrossentropy(), Y),
    (losses.CategoricalCrossentropy(label_smoothing=0.1), Y),
    (losses.SparseCategoricalCrossentropy(), LABELS),
    (losses.CategoricalFocalCrossentropy(), Y),
    (losses.Hinge(), Y),
    (losses.SquaredHinge(), Y),
    (losses.CategoricalHinge(), Y),
    (losses.Dice(), Y),
]
IDS = [f"{type(loss).__name__}{i}" for i, (loss, _) in enumerate(LOSSES)]


# -- 1. masked arrays: their data, as np.asarray, Keras and glassnet's metrics read them --------------------------

@pytest.mark.parametrize("loss, T", LOSSES, ids=IDS)
def test_masked_outputs_and_targets_read_as_their_data(loss, T):
    expected = loss(T, P)
    mask = np.zeros(P.shape, dtype=bool)
    mask[2, 0] = True
    for given in (ma.masked_array(P), ma.masked_array(P, mask=mask)):  # (cross-entropy gave -1.0 for both)
        assert loss(T, given) == pytest.approx(expected, rel=1e-12)
        np.testing.assert_allclose(loss.gradient(T, given), loss.gradient(T, P), rtol=1e-12)
    assert loss(ma.masked_array(T, mask=np.zeros(np.shape(T), dtype=bool)), P) == pytest.approx(expected, rel=1e-12)


def test_masked_entries_count_with_their_data_as_the_metric():
    X = np.array([[1., 2.], [3., 4.], [100., 6.]])
    M = ma.masked_array(X, mask=[[0, 0], [0, 0], [1, 0]])
    assert losses.MeanSquaredError()(np.ones((3, 2)), M) == 1640.0  # was 1673.17: neither value
    assert float(metrics.MeanSquaredError()(np.ones((3, 2)), M)) == 1640.0
    np.testing.assert_allclose(losses.mean_squared_error(np.ones((3, 2)), M), losses.mean_squared_error(np.ones((3, 2)), X))
    T = ma.masked_array([[1., 0.], [0., 1.], [0., 1.]], mask=[[0, 0], [0, 0], [1, 0]])  # 0/1 read as -1/+1
    for loss in (losses.Hinge(), losses.SquaredHinge()):  # (a masked 0 stayed 0: masked arithmetic keeps it)
        assert loss(T, X / 100) == loss(T.data, X / 100)
        np.testing.assert_array_equal(loss.gradient(T, X / 100), loss.gradient(T.data, X / 100))


def test_circle_loss_reads_masked_labels_and_embeddings_as_their_data():
    rng = np.random.default_rng(0)
    E = rng.normal(size=(6, 3))
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, 2, 2])
    loss = losses.Circle()
    expected = loss(labels, E)
    assert loss(ma.masked_array(labels, mask=[0, 1, 0, 0, 0, 0]), ma.masked_array(E)) == pytest.approx(expected)
    assert loss(pd.Series(labels), pd.DataFrame(E)) == pytest.approx(expected)


# -- 2. pandas DataFrame/Series and np.matrix: plain arrays, as models and metrics read them -----------------------

@pytest.mark.parametrize("loss, T", LOSSES, ids=IDS)
def test_pandas_and_matrix_inputs_give_the_plain_values(loss, T):
    expected = loss(T, P)
    t_frame = pd.Series(T) if T.ndim == 1 else pd.DataFrame(T, index=[7, 5, 3, 1])
    for t, p in ((t_frame, pd.DataFrame(P, index=[9, 8, 6, 4])), (T, pd.DataFrame(P)), (t_frame, P),
                 (T if T.ndim == 1 else np.matrix(T), np.matrix(P))):
        assert loss(t, p) == pytest.approx(expected, rel=1e-12)
        np.testing.assert_allclose(loss.gradient(t, p), loss.gradient(T, P), rtol=1e-12)


def test_series_labels_and_columns():
    # a pandas Series of labels is a common y_true: loss(df["label"], model(x)); its .get is no CuPy array's
    assert losses.SparseCategoricalCrossentropy()(pd.Series(LABELS), P) == pytest.approx(0.5017337127232719)
    assert losses.MeanSquaredError()(pd.Series(Y[:, 0]), pd.Series(P[:, 0])) == pytest.approx(0.0575)
    nullable = pd.DataFrame(Y.astype(int)).astype("Int64")
    for loss in (losses.LogCosh(), losses.KLDivergence(), losses.MeanSquaredError()):
        assert loss(nullable, P) == pytest.approx(loss(Y, P), rel=1e-12)


def test_loss_functions_take_dataframes_and_matrices():
    expected = losses.mean_squared_error(Y, P)
    np.testing.assert_allclose(losses.mean_squared_error(pd.DataFrame(Y), pd.DataFrame(P)), expected)
    np.testing.assert_allclose(losses.mean_squared_error(np.matrix(Y), np.matrix(P)), expected)
    np.testing.assert_allclose(losses.categorical_crossentropy(np.matrix(Y), pd.DataFrame(P)),
                               losses.categorical_crossentropy(Y, P))
    result = losses.mean_squared_error(np.matrix(Y), np.matrix(P))
    assert type(result) is np.ndarray and result.shape == (4,)


def test_to_numpy_takes_pandas_objects_for_their_values():
    np.testing.assert_array_equal(backend.to_numpy(pd.Series([1.0, 2.0], index=[5, 6])), [1.0, 2.0])
    np.testing.assert_array_equal(backend.to_numpy(pd.DataFrame(P)), P)


# -- 3. float16 targets against wider outputs: in the outputs' dtype, as Keras casts y_true ------------------------

@pytest.mark.parametrize("name", ["MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity",
                                  "KLDivergence", "Poisson", "LogCosh", "MeanSquaredError", "CategoricalCrossentropy"])
@pytest.mark.parametrize("out", [np.float32, np.float64])
def test_half_targets_are_computed_in_the_outputs_dtype(name, out):
    rng = np.random.default_rng(1)
    soft = rng.dirichlet(np.ones(4), size=50).astype(np.float16)
    T = np.concatenate([soft, np.eye(4)[rng.integers(0, 4, 20)].astype(np.float16)])
    A = rng.dirichlet(np.ones(4), size=70).astype(out)
    loss = getattr(losses, name)()
    assert loss(T, A) == loss(T.astype(out), A)  # bit for bit: Y cast to A's dtype first
    np.testing.assert_array_equal(loss.gradient(T, A), loss.gradient(T.astype(out), A))
    metric = getattr(metrics, {"LogCosh": "LogCoshError"}.get(name, name))
    assert float(metric()(T, A)) == float(metric()(T.astype(out), A))


def test_mape_of_half_one_hot_targets_is_keras_value():
    # 1e-7 rounded to float16's 1.19e-7 made it 104857612.5, 16% off
    assert losses.MeanAbsolutePercentageError()(Y.astype(np.float16), P) == pytest.approx(125000012.5, rel=1e-9)
    assert float(metrics.MeanAbsolutePercentageError()(Y.astype(np.float16), P)) == pytest.approx(125000012.5, rel=1e-9)


def test_wider_targets_of_float32_outputs_are_read_in_their_own_precision():
    # float64 targets of float32 outputs stay float64 (Keras rounds them to float32): glassnet.sklearn's L-BFGS
    # reads targets from 2**28 so, as scikit-learn, where rounded ones hid every change of the outputs
    T, A = np.full((4, 1), 2.0**28 + 1), np.zeros((4, 1), np.float32)
    loss = losses.MeanSquaredError()
    assert loss(T, A) == (2.0**28 + 1) ** 2 != loss(T.astype(np.float32), A)


# -- 4. split / kfold on torch tensors that require grad ------------------------------------------------------------

def test_split_and_stratified_kfold_take_tensors_that_require_grad():
    torch = pytest.importorskip("torch")
    X = np.arange(16.).reshape(8, 2)
    labels = np.array([0., 0, 0, 0, 1, 1, 1, 1])
    got = gn.preprocessing.split(torch.tensor(X, requires_grad=True), torch.tensor(labels, requires_grad=True),
                                 validation=0.5, seed=0, stratify=True)
    expected = gn.preprocessing.split(X, labels, validation=0.5, seed=0, stratify=True)
    for part, want in zip(got, expected):
        np.testing.assert_array_equal(part[0], want[0])
        np.testing.assert_array_equal(part[1], want[1])
    folds = gn.preprocessing.kfold(8, k=2, seed=0, stratify=torch.tensor(labels, requires_grad=True))
    for (train, val), (want_train, want_val) in zip(folds, gn.preprocessing.kfold(8, k=2, seed=0, stratify=labels)):
        np.testing.assert_array_equal(train, want_train)
        np.testing.assert_array_equal(val, want_val)


# -- 5. 0-d arrays where a number is checked (Keras takes them, as glassnet's optimizers did) -----------------------

def test_dropout_rate_takes_a_0d_array():
    layer = gn.layers.Dropout(np.array(0.5))
    assert layer.rate == 0.5 and type(layer.rate) is float
    assert layer.get_config()["rate"] == 0.5
    assert gn.layers.Dropout(np.array(0.25, dtype=np.float32)).rate == 0.25
    with pytest.raises(TypeError, match="rate must be a number"):
        gn.layers.Dropout(np.array(True))
    with pytest.raises(TypeError, match="rate must be a number"):
        gn.layers.Dropout(np.array([0.5]))
    with pytest.raises(ValueError, match="rate must be < 1"):
        gn.layers.Dropout(np.array(1.0))


def _trained(**options):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    model = gn.Sequential([gn.Input((3,)), gn.layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse")
    history = model.fit(X, y, verbose=0, shuffle=False, **options)
    return history, model.get_weights()


def test_fit_takes_0d_epochs_and_batch_size():
    history, weights = _trained(epochs=np.array(3), batch_size=np.array(4, dtype=np.int32))
    want_history, want = _trained(epochs=3, batch_size=4)
    assert history.epoch == want_history.epoch == [0, 1, 2]
    for got, expected in zip(weights, want):
        np.testing.assert_array_equal(got, expected)
    with pytest.raises(TypeError, match="epochs must be a non-negative integer"):
        _trained(epochs=np.array(True))
    with pytest.raises(TypeError, match="batch_size must be a positive integer"):
        _trained(batch_size=np.array(2.5))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        _trained(batch_size=np.array(0))


def test_shared_scalar_checks_unwrap_0d_arrays_only():
    from glassnet._validation import check_int, check_non_negative_int, check_number, check_positive_int

    assert check_number(np.array(0.5), "x") == 0.5
    assert check_int(np.array(-1), "axis") == -1
    assert check_positive_int(np.array(2, dtype=np.uint8), "n") == 2
    assert check_non_negative_int(np.array(0), "n") == 0
    for check in (check_number, check_int, check_positive_int, check_non_negative_int):
        for bad in (np.array(True), np.array([1]), np.array(1 + 0j), np.array("1")):
            with pytest.raises(TypeError, match="x must be"):
                check(bad, "x")
