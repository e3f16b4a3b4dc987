"""Tests that pin what session 61's second mutation run found unpinned: EarlyStopping's |min_delta|, predict on a
stream that refills one buffer, weighted_metrics kept by a .gn file, every built-in layer's config round trip
(Dropout's seed, BatchNormalization's epsilon), the CLI's stratified CSV split, validation_split's floor cut and
the scikit-learn estimators' early-stopping tol rule. Expected values are worked by hand."""

import inspect
import math

import numpy as np
import pytest

import glassnet.layers as L
from glassnet.cli._data import load_dataset
from glassnet.cli._parser import build_parser
from glassnet.models import Sequential, load_model
from glassnet.models.hooks import Callback
from glassnet.models.stopping import EarlyStopping
from glassnet.regularizers import L1L2
from glassnet.utils import PyDataset


def _dense_model():
    model = Sequential([L.Input((3,)), L.Dense(1)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd")
    return model


def _stops(values, **kwargs):
    """Feed ``values`` as val_loss to EarlyStopping epoch by epoch, as fit calls it: (stopped_epoch, best)."""
    model = _dense_model()
    model.stop_training = False
    callback = EarlyStopping(**kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            break
    return callback.stopped_epoch, callback.best


# --- EarlyStopping: a negative min_delta is its absolute value, as Keras 3 -------------------------------------

def test_early_stopping_reads_a_negative_min_delta_as_its_absolute_value():
    values = [1.0, 0.95, 0.93, 0.92, 0.91]
    # by hand, |delta| = 0.1: no later value is below 1.0 - 0.1, so the first epoch stays the best and
    # patience 1 runs out at epoch index 1 (a signed -0.1 made every epoch within 0.1 an improvement: no stop)
    assert _stops(values, min_delta=0.1, patience=1) == (1, 1.0)
    assert _stops(values, min_delta=-0.1, patience=1) == (1, 1.0)
    assert EarlyStopping(min_delta=-0.1).min_delta == 0.1


# --- predict on a stream that yields one buffer, refilled, through a model whose output is its input ----------

@pytest.mark.parametrize("layer", [lambda: L.Activation("linear"), L.Flatten, L.Identity, lambda: L.Reshape((2,))],
                         ids=["Activation", "Flatten", "Identity", "Reshape"])
def test_predict_keeps_each_batch_when_a_stream_refills_one_buffer(layer):
    x = np.arange(24, dtype="float32").reshape(12, 2)
    model = Sequential([L.Input((2,)), layer()])
    buffer = np.empty((4, 2), "float32")

    def batches():
        for start in range(0, 12, 4):
            buffer[...] = x[start:start + 4]
            yield buffer

    class Refilled(PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            buffer[...] = x[4 * i:4 * i + 4]
            return buffer

    # an identity model: each row's prediction is the row itself (the last batch three times if kept as views)
    np.testing.assert_array_equal(model.predict(batches(), verbose=0), x)
    np.testing.assert_array_equal(model.predict(Refilled(), verbose=0), x)


# --- weighted_metrics survive a .gn file ---------------------------------------------------------------------

def test_weighted_metrics_survive_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    w = np.arange(10, dtype=float)
    model = Sequential([L.Input((3,)), L.Dense(1)], dtype="float64")
    model.compile(loss="mse", optimizer="sgd", weighted_metrics=["mae"])
    before = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    model.save(tmp_path / "m.gn")
    after = load_model(tmp_path / "m.gn").evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert sorted(after) == sorted(before) == ["loss", "mae"]
    for key in before:
        assert after[key] == pytest.approx(before[key], rel=1e-12)
    error = np.abs(y - model.predict(x, verbose=0))[:, 0]
    assert after["mae"] == pytest.approx((w * error).sum() / w.sum(), rel=1e-12)  # weighted by hand
    assert after["mae"] != pytest.approx(error.mean(), rel=1e-6)  # (not the unweighted mean)


# --- every built-in layer's config: the arguments given come back, and from_config keeps them -----------------

LAYERS = {  # each layer with arguments other than its defaults, where it has any
    "Activation": dict(activation="tanh"),
    "ActivityRegularization": dict(l1=0.01, l2=0.02),
    "AlphaDropout": dict(rate=0.2, seed=3),
    "BatchNormalization": dict(epsilon=0.01, momentum=0.9, center=False),
    "CategoryEncoding": dict(num_tokens=5, output_mode="one_hot"),
    "Dense": dict(units=4, activation="relu", use_bias=False, kernel_regularizer=L1L2(l1=0.01, l2=0.02)),
    "Discretization": dict(bin_boundaries=[0.0, 1.0, 2.0], output_mode="one_hot"),
    "Dropout": dict(rate=0.3, seed=3),
    "ELU": dict(alpha=0.5),
    "Embedding": dict(input_dim=10, output_dim=3, embeddings_regularizer=L1L2(l2=0.01)),
    "Flatten": dict(),
    "GaussianDropout": dict(rate=0.2, seed=3),
    "GaussianNoise": dict(stddev=0.3, seed=3),
    "GlobalAveragePooling1D": dict(keepdims=True),
    "GlobalMaxPooling1D": dict(keepdims=True),
    "GroupNormalization": dict(groups=2, epsilon=0.01, center=False),
    "Identity": dict(),
    "LayerNormalization": dict(epsilon=0.01, scale=False),
    "LeakyReLU": dict(negative_slope=0.1),
    "Normalization": dict(axis=-1, invert=True),
    "PReLU": dict(shared_axes=[1]),
    "Permute": dict(dims=(2, 1)),
    "RMSNormalization": dict(epsilon=0.01),
    "ReLU": dict(max_value=6.0, negative_slope=0.1, threshold=0.5),
    "Rescaling": dict(scale=0.5, offset=1.0),
    "Reshape": dict(target_shape=(2, 3)),
    "Softmax": dict(axis=1),
    "SpectralNormalization": dict(layer=L.Dense(3), power_iterations=2),
    "UnitNormalization": dict(axis=1),
}
NOT_STANDALONE = {"Layer", "InputLayer"}  # the base class; InputLayer is a model's, not a layer to rebuild


def _plain(value):
    """A config value comparable with ==: tuples as lists, arrays as lists, nested dicts and lists too."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    return value


def test_the_round_trip_list_names_every_built_in_layer():
    public = {cls.__name__ for name, cls in vars(L).items() if inspect.isclass(cls) and not name.startswith("_")}
    assert public - NOT_STANDALONE == set(LAYERS)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_layers_config_keeps_its_arguments_through_from_config(name):
    cls = getattr(L, name)
    layer = cls(**LAYERS[name])
    config = layer.get_config()
    for key, value in LAYERS[name].items():
        assert key in config, f"{name}.get_config() lacks {key}"
        if isinstance(value, str) and isinstance(config[key], dict):  # an activation, as its class
            assert config[key]["class_name"].lower() == value, key
        elif isinstance(value, (int, float, str, bool, list, tuple)):
            assert _plain(config[key]) == _plain(value), key
    rebuilt = cls.from_config(config)
    assert _plain(rebuilt.get_config()) == _plain(config)


def test_a_seeded_noise_layer_rebuilt_from_its_config_draws_what_the_original_draws():
    x = np.ones((4, 50), "float32")
    for cls in (L.Dropout, L.GaussianNoise, L.GaussianDropout):
        rebuilt = cls.from_config(cls(0.5, seed=3).get_config())
        np.testing.assert_array_equal(rebuilt(x, training=True), cls(0.5, seed=3)(x, training=True))
        assert not np.array_equal(rebuilt(x, training=True), x)  # (noise was drawn)


def test_batch_normalization_rebuilt_from_its_config_normalizes_with_its_epsilon():
    x = np.array([[0.0], [0.2]], "float64")  # batch variance 0.01: epsilon 0.01 halves it against the default
    layer = L.BatchNormalization(epsilon=0.01, dtype="float64")
    rebuilt = L.BatchNormalization.from_config(layer.get_config())
    out = np.asarray(rebuilt(x, training=True))
    np.testing.assert_allclose(out[:, 0], [-0.1 / math.sqrt(0.02), 0.1 / math.sqrt(0.02)], rtol=1e-6)


# --- the CLI's CSV train/test split is stratified --------------------------------------------------------------

def test_the_cli_csv_test_split_keeps_the_classes_proportions(tmp_path):
    labels = ["a"] * 90 + ["b"] * 10 + ["c"] * 5
    rng = np.random.default_rng(1)
    order = rng.permutation(len(labels))
    path = tmp_path / "classes.csv"
    rows = [f"{v:.4f},{labels[i]}" for v, i in zip(rng.normal(size=len(labels)), order)]
    path.write_text("x,label\n" + "\n".join(rows) + "\n")
    args = build_parser().parse_args(["train", str(path), "--test-split", "0.2"])
    data = load_dataset(args.dataset, args)
    classes = list(data.classes)
    counts = {c: int((data.y_test == classes.index(c)).sum()) for c in "abc"}
    # by hand: ceil(0.2 * 105) = 21 test rows; shares 18, 2, 1 exactly (90, 10, 5 times 21/105)
    assert counts == {"a": 18, "b": 2, "c": 1}
    train = {c: int((data.y_train == classes.index(c)).sum()) for c in "abc"}
    assert train == {"a": 72, "b": 8, "c": 4}


# --- validation_split's cut: floor(n (1 - split)) training rows, as Keras -------------------------------------

class _Rows(Callback):
    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_begin(self, logs=None):
        self.steps.append(self.params.get("steps"))


@pytest.mark.parametrize("n, split, trained", [(50, 0.15, 42), (10, 0.25, 7), (7, 0.5, 3)])
def test_validation_split_trains_on_floor_of_the_kept_share(n, split, trained):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(n, 3)), rng.normal(size=(n, 1))
    model, rows = _dense_model(), _Rows()
    history = model.fit(x, y, validation_split=split, batch_size=1, epochs=1, shuffle=False, verbose=0,
                        callbacks=[rows])
    assert rows.steps == [trained]  # one row a step: the training rows, floor(n (1 - split))
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[trained:], y[trained:], verbose=0),
                                                           rel=1e-12)


# --- the scikit-learn estimators' early stopping: a score must beat the best by tol ---------------------------

def test_sklearn_early_stopping_counts_scores_within_tol_of_the_best_as_no_improvement():
    from glassnet.sklearn import MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, 2.0, -1.0]
    # by hand, as scikit-learn's rule: an R^2 score never beats the best by tol=10, so from the second epoch on
    # each epoch counts as no improvement, and the count 3 > n_iter_no_change=2 stops at epoch 4
    est = MLPRegressor(hidden_layer_sizes=(4,), solver="sgd", early_stopping=True, tol=10.0, n_iter_no_change=2,
                       max_iter=30, random_state=0).fit(X, y)
    assert est.n_iter_ == 4
    assert len(est.validation_scores_) == 4
