"""Session 57: the warnings that counted their ``stacklevel`` by hand name the user's line on every path, as
session 56's do (tests/test_warning_places_s56.py). A level counted for the direct call named glassnet's file
(wrappers.py, checkpoints.py, saving.py, models/__init__.py, layers/base.py, _registry.py, inference.py) or
scikit-learn's (pipeline.py) where another of glassnet's or scikit-learn's calls lies between: Keras's
scikit-learn wrappers, ModelCheckpoint, models.save_model, load_model, from_config, model_from_json, evaluate's
metrics, a Pipeline. Each case reaches its warning by such a path where one exists, else by the direct call."""

import inspect
import json
import re
import warnings
import zipfile

import numpy as np
import pytest

from glassnet import classic, initializers, layers, metrics, models
from glassnet import optimizers as O
from glassnet.callbacks import BackupAndRestore, ModelCheckpoint
from glassnet.diagnostics import DiagnosticWarning
from glassnet.layers import Dense, Input
from glassnet.models import DivergenceWarning, Model, OptimizerStateWarning, Sequential

X = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
Y = np.zeros((8, 1), "float32")


def _compiled(*hidden, optimizer="sgd"):
    model = Sequential([Input((4,)), *hidden, Dense(1, name="out")])
    model.compile(optimizer, "mse")
    return model


def _wrapped(model, **fit_kwargs):
    """Keras's SKLearnRegressor of ``model`` (fit_kwargs go to its fit): its fit calls model.fit."""
    pytest.importorskip("sklearn")
    from glassnet.wrappers import SKLearnRegressor

    return SKLearnRegressor(model, fit_kwargs={"verbose": 0, **fit_kwargs})


def _batches(n=2, targets=True):
    for _ in range(n):
        yield (X[:4], Y[:4]) if targets else X[:4]


class _Unregistered(Model):  # (its __init__ takes units, which get_config does not return)
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = Dense(units)

    def call(self, x):
        return self.dense(x)


class _Plain(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = Dense(1)

    def call(self, x):
        return self.dense(x)


def _built(model):
    model.compile("sgd", "mse")
    model(X)
    return model


def _trained(optimizer):
    model = Sequential([Input((4,)), Dense(3, name="a"), Dense(1, name="b")])
    model.compile(optimizer, "mse")
    model.fit(X, Y, verbose=0)
    return model


def _keras_files(tmp_path):
    """Adam's trained model exported to a.keras, and mix.keras: its state under an SGD-with-momentum config."""
    pytest.importorskip("h5py")
    _trained("adam").export(tmp_path / "a.keras", format="keras")
    _trained(O.SGD(0.1, momentum=0.9)).export(tmp_path / "s.keras", format="keras")
    with zipfile.ZipFile(tmp_path / "a.keras") as adam, zipfile.ZipFile(tmp_path / "s.keras") as sgd, \
            zipfile.ZipFile(tmp_path / "mix.keras", "w") as mix:
        for name in adam.namelist():
            mix.writestr(name, (sgd if name == "config.json" else adam).read(name))
    return tmp_path / "a.keras"


def _spec_of(layer, shape, **changes):
    spec = json.loads(Sequential([Input(shape), layer]).to_json())
    spec["config"]["layers"][-1]["config"].update(changes)
    return json.dumps(spec)


# -- each case makes its warning from a line of this file --------------------------------------------------------

def fit_validation_steps_by_a_wrapper(tmp_path):  # models/epochs.py, first_steps of validation arrays
    _wrapped(_compiled(), batch_size=4, validation_data=(X, Y), validation_steps=5).fit(X, Y[:, 0])


def fit_batch_size_of_a_stream(tmp_path):  # epochs.py, _stream_source
    _compiled().fit(_batches(), batch_size=4, verbose=0)


def fit_steps_per_epoch_past_a_pass_by_a_wrapper(tmp_path):  # epochs.py, _ArrayEpochs
    _wrapped(_compiled(), batch_size=4, steps_per_epoch=5).fit(X, Y[:, 0])


def fit_short_epoch_by_a_wrapper(tmp_path):  # epochs.py, _ArrayEpochs.batches
    x = np.concatenate([X, X[:4]])
    _wrapped(_compiled(), batch_size=4, steps_per_epoch=2, epochs=2).fit(x, np.zeros(12))


def fit_of_a_spent_generator(tmp_path):  # epochs.py, _StreamEpochs: no batch in an epoch
    _compiled().fit(_batches(2), epochs=2, verbose=0)


def fit_of_a_generator_short_in_its_last_epoch(tmp_path):
    _compiled().fit(_batches(3), steps_per_epoch=2, epochs=2, verbose=0)


def fit_of_a_py_dataset_short_of_steps_per_epoch(tmp_path):
    from glassnet.utils import PyDataset

    class Three(PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return X[:4], Y[:4]

    _compiled().fit(Three(), steps_per_epoch=2, epochs=2, verbose=0)


def fit_validation_batch_size_of_a_stream_by_a_wrapper(tmp_path):  # models/training.py, fit
    _wrapped(_compiled(), validation_data=_batches(), validation_batch_size=4).fit(X, Y[:, 0])


def fit_of_a_step_activation_by_a_wrapper(tmp_path):  # training.py, _warn_if_gradient_stops
    _wrapped(_compiled(Dense(3, activation="step"))).fit(X, Y[:, 0])


def fit_jit_compile_off_numpy_by_a_wrapper(tmp_path):  # training.py, _prepare_training
    pytest.importorskip("array_api_strict")
    from glassnet import backend

    with backend.namespace("array_api_strict"):
        model = Sequential([Input((4,)), Dense(1)])
        model.compile("sgd", "mse", jit_compile=True)
        _wrapped(model).fit(X, Y[:, 0])


def train_on_batch_diverging(tmp_path):  # training.py, train_on_batch
    _compiled(optimizer=O.SGD(1e30)).train_on_batch(X * 1e20, Y + 1e20)


def checkpoint_of_a_shared_sub_optimizer(tmp_path):  # models/keras_optimizer.py, state_groups
    pytest.importorskip("h5py")
    sgd = O.SGD(0.05, momentum=0.9)
    model = Sequential([Input((4,)), Dense(3, name="a"), Dense(1, name="b")])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The OptimizerMap key")
        model.compile(O.MultiOptimizer(O.OptimizerMap(O.Adam(0.01), {"a/.*": sgd, "b/.*": sgd})), "mse")
    model.fit(X, Y, verbose=0, callbacks=[ModelCheckpoint(tmp_path / "c.weights.h5", save_weights_only=True)])


def load_model_of_a_keras_file_of_another_optimizer_s_state(tmp_path):  # keras_optimizer.py, read_state
    _keras_files(tmp_path)
    models.load_model(tmp_path / "mix.keras")


def load_weights_of_a_keras_file_into_another_built_optimizer(tmp_path):  # read_weights_file_state -> read_state
    path = _keras_files(tmp_path)
    _trained(O.SGD(0.1, momentum=0.9)).load_weights(path)


def load_weights_of_a_keras_file_into_an_unbuilt_optimizer(tmp_path):  # read_weights_file_state
    path = _keras_files(tmp_path)
    model = Sequential([Input((4,)), Dense(3, name="a"), Dense(1, name="b")])
    model.compile("adam", "mse")
    model.load_weights(path)


def load_weights_of_a_keras_file_into_an_optimizer_of_another_size(tmp_path):
    path = _keras_files(tmp_path)
    model = Sequential([Input((4,)), Dense(3, name="a"), Dense(1, name="b")])
    model.compile(_one_trained().optimizer, "mse")  # (built for another model's 5 weights)
    model.load_weights(path)


def _one_trained():
    model = Sequential([Input((4,)), Dense(1)])
    model.compile("adam", "mse")
    model.fit(X, Y, verbose=0)
    return model


def save_model_of_a_nested_unregistered_subclass(tmp_path):  # models/subclassing.py, warn_saved
    model = Sequential([Input((4,)), _built(_Plain())])
    model.compile("sgd", "mse")
    models.save_model(model, tmp_path / "n.gn")


def save_model_of_a_subclass_without_config(tmp_path):
    models.save_model(_built(_Unregistered(1)), tmp_path / "u.gn")


def export_of_an_unregistered_subclass(tmp_path):
    pytest.importorskip("h5py")
    _built(_Plain()).export(tmp_path / "p.keras", format="keras")


def checkpoint_of_an_unregistered_subclass(tmp_path):
    _built(_Plain()).fit(X, Y, verbose=0, callbacks=[ModelCheckpoint(tmp_path / "p.gn")])


def evaluate_steps_past_the_rows(tmp_path):  # models/sequential.py, evaluate
    _compiled().evaluate(X, Y, batch_size=4, steps=5)


def predict_steps_past_the_rows(tmp_path):  # sequential.py, predict
    _compiled().predict(X, batch_size=4, steps=5)


def _dead():
    return _compiled(Dense(8, activation="relu", bias_initializer=initializers.Constant(-100.0)))


def diagnose_method(tmp_path):  # sequential.py, diagnose
    _dead().diagnose(X, Y)


def diagnose_function(tmp_path):  # diagnostics/probe.py, diagnose
    from glassnet.diagnostics import diagnose

    diagnose(_dead(), X, Y)


def diagnostics_callback_by_a_wrapper(tmp_path):  # diagnostics/callback.py, _report
    from glassnet.diagnostics import Diagnostics

    _wrapped(_dead(), epochs=2, callbacks=[Diagnostics(X, Y)]).fit(X, Y[:, 0])


def predict_steps_past_a_stream(tmp_path):  # models/inference.py, predict_stream
    _compiled().predict(_batches(2, targets=False), steps=5)


def validation_steps_past_a_stream_by_a_wrapper(tmp_path):  # inference.py, evaluate_stream
    _wrapped(_compiled(), validation_data=_batches(2), validation_steps=5).fit(X, Y[:, 0])


def evaluate_batch_size_of_a_stream(tmp_path):  # models/data_checks.py, _stream
    _compiled().evaluate(_batches(2), batch_size=4)


def clone_of_an_optimizer_without_config(tmp_path):  # models/__init__.py, _compile_like
    model = _compiled(optimizer=O.SGD())
    model.optimizer.get_config = lambda: {"no": "such setting"}
    models.clone_model(model)


def clone_of_a_subclass_without_config_by_a_wrapper(tmp_path):  # models/__init__.py, _clone
    _wrapped(_built(_Unregistered(1))).fit(X, Y[:, 0])


def model_from_json_of_an_unknown_loss(tmp_path):  # models/__init__.py, _compiled
    spec = json.loads(_compiled().to_json())
    spec["compile_config"]["loss"] = "no_such_loss"
    models.model_from_json(json.dumps(spec))


def backup_newer_unreadable_by_a_wrapper(tmp_path):  # models/checkpoints.py, BackupAndRestore
    def backup():
        return BackupAndRestore(tmp_path / "b", double_checkpoint=True, delete_checkpoint=False)

    model = _compiled()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[backup()])
    newest = max((tmp_path / "b").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    newest.write_bytes(b"broken")
    _wrapped(model, epochs=3, callbacks=[backup()]).fit(X, Y[:, 0])


def load_weights_skipping_a_mismatch(tmp_path):  # models/keras_weights.py, warn_skipped
    pytest.importorskip("h5py")
    _trained("adam").save_weights(tmp_path / "a.weights.h5")
    model = Sequential([Input((4,)), Dense(3, name="a"), Dense(2, name="b")])
    model.load_weights(tmp_path / "a.weights.h5", skip_mismatch=True)


def hopfield_past_its_capacity(tmp_path):  # classic/hopfield.py
    classic.Hopfield().fit(np.where(np.random.default_rng(0).random((6, 16)) < 0.5, -1, 1))


def hopfield_of_unstable_patterns(tmp_path):
    patterns = np.ones((3, 32), int)
    patterns[[0, 1, 2], [0, 1, 2]] = -1  # (within the capacity 4.4, but alike)
    classic.Hopfield().fit(patterns)


def hopfield_sync_recall_in_a_cycle(tmp_path):
    net = classic.Hopfield().fit([[1, -1, 1, -1, 1, -1, 1, -1]])
    net.recall([1, 1, 1, 1, -1, -1, -1, -1], mode="sync")


def _pipeline(estimator):  # (its fit calls the estimator's)
    pytest.importorskip("sklearn")
    from sklearn.pipeline import make_pipeline

    return make_pipeline(estimator)


def perceptron_not_separable_in_a_pipeline(tmp_path):  # classic/perceptron.py
    _pipeline(classic.Perceptron(max_epochs=3)).fit([[0, 0], [0, 1], [1, 0], [1, 1]] * 3, [0, 1, 1, 0] * 3)


def perceptron_not_separable_in_cross_val_score(tmp_path):  # (scikit-learn calls fit through joblib)
    pytest.importorskip("sklearn")
    from sklearn.model_selection import cross_val_score

    cross_val_score(classic.Perceptron(max_epochs=3), [[0, 0], [0, 1], [1, 0], [1, 1]] * 6, [0, 1, 1, 0] * 6, cv=2)


def adaline_of_sorted_labels_in_a_pipeline(tmp_path):  # classic/adaline.py
    x = np.random.default_rng(0).normal(size=(40, 3))
    _pipeline(classic.Adaline(shuffle=False, mode="online", max_epochs=2)).fit(x, np.repeat([0, 1], 20))


def perceptron_of_a_column_vector_in_a_pipeline(tmp_path):  # _estimator.py, check_classification_y
    _pipeline(classic.Perceptron(max_epochs=3)).fit(X, (X[:, :1] > 0).astype(int))


def adjusted_r2_in_evaluate(tmp_path):  # metrics/regression.py
    model = Sequential([Input((4,)), Dense(1)])
    model.compile("sgd", "mse", metrics=[metrics.R2Score(num_regressors=50)])
    model.evaluate(X, Y)


def from_config_of_a_none_initializer(tmp_path):  # initializers.py, get
    Dense.from_config({**Dense(2).get_config(), "bias_initializer": None})


def save_of_a_function_constraint(tmp_path):  # layers/_config.py, training_entries
    model = _compiled(Dense(2, kernel_constraint=lambda w: w))
    model.save(tmp_path / "c.gn")


def discretization_adapt_of_a_long_list(tmp_path):  # layers/discretization.py
    layers.Discretization(num_bins=4, epsilon=0.01).adapt(list(np.random.default_rng(0).normal(size=300)))


def model_from_json_of_leaky_relu_alpha(tmp_path):  # layers/activation.py
    models.model_from_json(_spec_of(layers.LeakyReLU(0.2), (4,), alpha=0.2))


def normalization_adapt_of_rows(tmp_path):  # layers/normalization.py
    layers.Normalization().adapt(iter(np.random.default_rng(0).normal(size=(5, 3))))


def model_from_json_of_embedding_input_length(tmp_path):  # layers/embedding.py
    models.model_from_json(_spec_of(layers.Embedding(5, 2), (3,), input_length=3))


def kfold_of_a_rare_class(tmp_path):  # preprocessing/splits.py
    from glassnet.preprocessing import kfold

    kfold(10, 3, stratify=[0] * 9 + [1])


def playground_overflow(tmp_path):  # playground/engine.py, _after_overflow
    from glassnet.playground.engine import Session

    session = Session({"problem": "regression", "dataset": "plane", "n_samples": 40, "layers": [],
                       "learning_rate": 10, "batch_size": 20})
    while session.diverged is None and session.epoch < 100:
        session.step(1)


CASES = {
    fit_validation_steps_by_a_wrapper: (UserWarning, "of validation_steps=5 batches"),
    fit_batch_size_of_a_stream: (UserWarning, "batch_size=4 is ignored"),
    fit_steps_per_epoch_past_a_pass_by_a_wrapper: (UserWarning, "is more than one pass over the data"),
    fit_short_epoch_by_a_wrapper: (UserWarning, "epoch 2 ends with its pass over the data"),
    fit_of_a_spent_generator: (UserWarning, "interrupting training at epoch 2"),
    fit_of_a_generator_short_in_its_last_epoch: (UserWarning, "interrupting training in epoch 2"),
    fit_of_a_py_dataset_short_of_steps_per_epoch: (UserWarning, "ends with its pass over x after 1 of"),
    fit_validation_batch_size_of_a_stream_by_a_wrapper: (UserWarning, "validation_batch_size is ignored"),
    fit_of_a_step_activation_by_a_wrapper: (UserWarning, "whose derivative is 0"),
    fit_jit_compile_off_numpy_by_a_wrapper: (UserWarning, "jit_compile=True compiles NumPy loops"),
    train_on_batch_diverging: (DivergenceWarning, "train_on_batch: the loss or its gradient"),
    checkpoint_of_a_shared_sub_optimizer: (OptimizerStateWarning, "serves several keys"),
    load_model_of_a_keras_file_of_another_optimizer_s_state: (OptimizerStateWarning, "in the Keras file .* is not read"),
    load_weights_of_a_keras_file_into_another_built_optimizer: (OptimizerStateWarning,
                                                                "in the weights file .* is not read: its optimizer/vars"),
    load_weights_of_a_keras_file_into_an_unbuilt_optimizer: (OptimizerStateWarning, "has not been built yet"),
    load_weights_of_a_keras_file_into_an_optimizer_of_another_size: (OptimizerStateWarning, "a layer added or removed"),
    save_model_of_a_nested_unregistered_subclass: (UserWarning, r"_Plain \(nested as"),
    save_model_of_a_subclass_without_config: (UserWarning, "_Unregistered is saved as the Sequential"),
    export_of_an_unregistered_subclass: (UserWarning, "keras.saving.load_model of the file needs the Keras class"),
    checkpoint_of_an_unregistered_subclass: (UserWarning, "_Plain is not registered: load_model gives"),
    evaluate_steps_past_the_rows: (UserWarning, "x gave 2 of steps=5 batches"),
    predict_steps_past_the_rows: (UserWarning, "x gave 2 of steps=5 batches"),
    diagnose_method: (DiagnosticWarning, "of the ReLU units of layer .* are dead"),
    diagnose_function: (DiagnosticWarning, "of the ReLU units of layer .* are dead"),
    diagnostics_callback_by_a_wrapper: (DiagnosticWarning, "of the ReLU units of layer .* are dead"),
    predict_steps_past_a_stream: (UserWarning, "gave 2 of steps=5 batches"),
    validation_steps_past_a_stream_by_a_wrapper: (UserWarning, "gave 2 of validation_steps=5 batches"),
    evaluate_batch_size_of_a_stream: (UserWarning, "batch_size=4 is ignored"),
    clone_of_an_optimizer_without_config: (UserWarning, "The clone is not compiled"),
    clone_of_a_subclass_without_config_by_a_wrapper: (UserWarning, "clone_model gives the Sequential"),
    model_from_json_of_an_unknown_loss: (UserWarning, "The model of json_string is made uncompiled"),
    backup_newer_unreadable_by_a_wrapper: (UserWarning, "the newer backup cannot be read"),
    load_weights_skipping_a_mismatch: (UserWarning, r"load_weights\(skip_mismatch=True\) skipped"),
    hopfield_past_its_capacity: (classic.CapacityWarning, "exceeds its capacity"),
    hopfield_of_unstable_patterns: (classic.UnstablePatternWarning, "are not fixed points"),
    hopfield_sync_recall_in_a_cycle: (classic.RecallCycleWarning, "fell into a 2-cycle"),
    perceptron_not_separable_in_a_pipeline: (classic.NotSeparableWarning, "Perceptron did not converge"),
    perceptron_not_separable_in_cross_val_score: (classic.NotSeparableWarning, "Perceptron did not converge"),
    adaline_of_sorted_labels_in_a_pipeline: (UserWarning, "y is sorted by class and shuffle=False"),
    perceptron_of_a_column_vector_in_a_pipeline: (UserWarning, "A column-vector y was passed"),
    adjusted_r2_in_evaluate: (UserWarning, "adjusted R2 score"),
    from_config_of_a_none_initializer: (UserWarning, "bias_initializer=None: the weights are drawn"),
    save_of_a_function_constraint: (UserWarning, "kernel_constraint .* is not saved"),
    discretization_adapt_of_a_long_list: (UserWarning, "read the 300 elements of a list"),
    model_from_json_of_leaky_relu_alpha: (UserWarning, "Argument `alpha` is deprecated"),
    normalization_adapt_of_rows: (UserWarning, "adapt's batch 0 is 1-D"),
    model_from_json_of_embedding_input_length: (UserWarning, "Argument `input_length` is deprecated"),
    kfold_of_a_rare_class: (UserWarning, "The least populated class in stratify"),
    playground_overflow: (DivergenceWarning, "the playground went back to epoch"),
}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_each_warning_names_the_users_line(case, tmp_path):
    category, pattern = CASES[case]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        case(tmp_path)
    said = [w for w in caught if issubclass(w.category, category) and re.search(pattern, str(w.message))]
    assert said, [str(w.message)[:80] for w in caught]
    lines, first = inspect.getsourcelines(case)
    assert [(w.filename, first <= w.lineno < first + len(lines)) for w in said] == [(__file__, True)] * len(said), [
        (w.filename, w.lineno) for w in said]
