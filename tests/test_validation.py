"""Bad input: one test per case, each a clear ValueError/TypeError naming the argument."""

import importlib.util
import re
import warnings

import numpy as np
import pytest

import glassnet
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential


@pytest.fixture
def model():
    m = Sequential([Dense(4, activation="relu", input_dim=4), Dense(1, activation="sigmoid")])
    m.compile(loss="binary_crossentropy", optimizer="adam")
    return m


X = np.ones((6, 4))
y = np.array([0, 1, 0, 1, 1, 0])


def test_nan_in_x(model):
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        model.fit(bad, y, verbose=0)


def test_finite_check_is_exact_when_the_sum_overflows():
    # The check first sums the values; a sum that overflows must not be
    # taken for an inf in the data, and a NaN beside huge values is still found.
    from glassnet._validation import _all_finite

    huge = np.full(1000, 3e38, dtype=np.float32)  # finite, but their sum is inf
    assert _all_finite(huge)
    huge[-1] = np.nan
    assert not _all_finite(huge)
    cancel = np.array([np.inf, -np.inf, 1.0])  # the sum is NaN either way
    assert not _all_finite(cancel)
    assert _all_finite(np.arange(12.0).reshape(3, 4))


def test_inf_in_y():
    m = Sequential([Dense(1, input_dim=4)])
    m.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match="y contains inf"):
        m.fit(X, np.array([0, 1, np.inf, 1, 1, 0]), verbose=0)


def test_x_1d(model):
    with pytest.raises(ValueError, match=r"x must be a 2-D array.*shape \(4,\).*reshape"):
        model.fit(np.ones(4), y[:1], verbose=0)


def test_x_3d(model):
    with pytest.raises(ValueError, match=r"x must be a 2-D array.*\(6, 2, 2\)"):
        model.fit(np.ones((6, 2, 2)), y, verbose=0)


def test_empty_x(model):
    with pytest.raises(ValueError, match="x is empty"):
        model.fit(np.ones((0, 4)), np.ones(0), verbose=0)


def test_lengths_differ(model):
    with pytest.raises(ValueError, match="Inconsistent numbers of samples: x has 6, y has 5"):
        model.fit(X, y[:5], verbose=0)


def test_wrong_feature_count_at_predict(model):
    model.fit(X, y, verbose=0)
    with pytest.raises(ValueError, match="expected 4 features, got 3"):
        model.predict(np.ones((2, 3)))


def test_labels_0_to_9_on_one_sigmoid_unit(model):
    with pytest.raises(ValueError, match=r"y must lie in \[0, 1\].*binary_crossentropy.*9"):
        model.fit(np.ones((10, 4)), np.arange(10), verbose=0)
    mse = Sequential([Dense(1, activation="sigmoid", input_dim=4)])
    mse.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"y has values from 0 to 9.*Sigmoid.*\[0.0, 1.0\]"):
        mse.fit(np.ones((10, 4)), np.arange(10), verbose=0)


def test_integer_labels_with_categorical_crossentropy_suggest_the_sparse_loss():
    m = Sequential([Dense(3, activation="softmax", input_dim=4)])
    m.compile(loss="categorical_crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        m.fit(X, np.array([0, 1, 2, 0, 1, 2]), verbose=0)


def test_sparse_labels_out_of_range():
    m = Sequential([Dense(3, activation="softmax", input_dim=4)])
    m.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    with pytest.raises(ValueError, match=r"integer class labels in \[0, 2\]"):
        m.fit(X, np.array([0, 1, 2, 3, 1, 2]), verbose=0)


@pytest.mark.parametrize("units", [0, -3])
def test_non_positive_units(units):
    with pytest.raises(ValueError, match=f"units must be a positive integer. Received: units={units}"):
        Dense(units)


def test_non_integer_units():
    with pytest.raises(TypeError, match="units must be a positive integer"):
        Dense(2.5)


@pytest.mark.parametrize("argument, value, must", [
    ("batch_size", 0, "a positive integer"), ("batch_size", -1, "a positive integer"),
    ("epochs", -1, "a non-negative integer"),
])
def test_non_positive_epochs_and_batch_size(model, argument, value, must):
    with pytest.raises(ValueError, match=f"{argument} must be {must}. Received: {argument}={value}"):
        model.fit(X, y, verbose=0, **{argument: value})


def test_zero_epochs_train_nothing_and_return_an_empty_history(model):
    before = [w.copy() for w in model.get_weights()] if model.built else None
    history = model.fit(X, y, epochs=0, verbose=1)  # as Keras 3: no error, no epoch
    assert history.history == {} and history.epoch == []
    if before is not None:
        for a, b in zip(before, model.get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss": "cross_entropy"}, "Unknown loss 'cross_entropy'. Valid names: .*binary_crossentropy"),
        ({"loss": "mse", "optimizer": "adamaxx"}, "Unknown optimizer 'adamaxx'. Valid names: .*adam"),
        ({"loss": "mse", "metrics": ["acuracy"]}, "Unknown metric 'acuracy'. Valid names: .*accuracy"),
    ],
)
def test_unknown_names(kwargs, match):
    m = Sequential([Dense(1, input_dim=4)])
    with pytest.raises(ValueError, match=match):
        m.compile(**kwargs)


def test_unknown_activation_and_initializer():
    with pytest.raises(ValueError, match="Unknown activation 'sigmod'"):
        Dense(2, activation="sigmod")
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        Dense(2, kernel_initializer="glorot")


def test_fit_before_compile():
    m = Sequential([Dense(1, input_dim=4)])
    with pytest.raises(ValueError, match=r"must call compile\(\) before fit\(\)"):
        m.fit(X, y, verbose=0)
    for call in ("evaluate", "train_on_batch", "gradients"):
        with pytest.raises(ValueError, match=rf"must call compile\(\) before {call}\(\)"):
            getattr(m, call)(X, y)


def test_a_column_of_sample_weights_counts_as_one_weight_per_sample():
    m = Sequential([Dense(1, input_dim=4)], dtype="float64")
    m.compile(loss="mse", optimizer="sgd")
    w = np.linspace(0.5, 2.0, len(X))
    assert m.evaluate(X, y, sample_weight=w[:, None]) == m.evaluate(X, y, sample_weight=w)
    with pytest.raises(ValueError, match=r"sample_weight must be a 1-D array of shape \(n_samples,\)\. Received"):
        m.evaluate(X, y, sample_weight=np.ones((len(X), 2)))


def test_strings_in_x(model):
    with pytest.raises(TypeError, match="x must contain numbers"):
        model.fit(np.array([["a", "b", "c", "d"]]), [1], verbose=0)


def test_bad_dropout_rate_and_validation_split(model):
    with pytest.raises(ValueError, match="rate must be < 1"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="validation_split=0.9 leaves 6 of 6"):  # nothing left to train on
        model.fit(X, y, validation_split=0.9, verbose=0)


def test_bad_dtype():
    with pytest.raises(ValueError, match="dtype must be one of"):
        Sequential(dtype="int32")


def test_add_rejects_non_layers():
    with pytest.raises(TypeError, match=r"A model's layers \(Sequential\(\[\.\.\.\]\), add\(\)\) must be "
                                        r"glassnet.layers.Layer objects"):
        Sequential().add("dense")


def test_set_weights_checks_shapes(model):
    model.build((4,))
    weights = model.get_weights()
    weights[0] = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"weights\[0\] \(\S+\) has shape \(3, 4\); expected \(4, 4\)"):
        model.set_weights(weights)


def test_declared_input_size_is_enforced_at_fit_and_predict():
    m = Sequential([Dense(1, input_dim=2)])
    m.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match="expected 2 features, got 3"):
        m.fit(np.ones((4, 3)), np.ones(4), verbose=0)
    with pytest.raises(ValueError, match="expected 2 features, got 3"):
        Sequential([Dense(1, input_dim=2)]).predict(np.ones((4, 3)))


def test_callbacks_and_metrics_of_the_wrong_type(model):
    with pytest.raises(TypeError, match="callbacks must be a list"):
        model.fit(X, y, callbacks=5, verbose=0)
    with pytest.raises(TypeError, match=r"metrics must be a name, a Metric, a function fn\(y_true, y_pred\) or a list"):
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=5)


def test_saving_into_a_missing_folder_names_the_folder(model, tmp_path):
    model.fit(X, y, epochs=1, verbose=0)
    missing = tmp_path / "no_such_folder"
    with pytest.raises(FileNotFoundError, match="the folder .*no_such_folder.* does not exist"):
        model.save(missing / "m.gn")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        model.save(tmp_path)
    assert list(tmp_path.iterdir()) == []  # no temporary left behind


def test_subpackages_load_on_first_use():
    import subprocess
    import sys

    code = ("import glassnet; x, y = glassnet.datasets.load_digits(); "
            "print(x.shape, glassnet.preprocessing.StandardScaler.__name__, glassnet.classic.Perceptron.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["(1797,", "64)", "StandardScaler", "Perceptron"]


def test_set_namespace_refuses_what_is_not_a_namespace_and_names_missing_packages(monkeypatch):
    import sys
    import types

    from glassnet import backend

    backend.set_namespace(np)
    backend.set_namespace("numpy")
    assert backend.get_namespace() is np
    with pytest.raises(ValueError, match=r"Array-API namespace; array_api_strict has no matmul"):
        backend.set_namespace(types.ModuleType("array_api_strict"))
    with pytest.raises(ValueError, match="Received: 'jax'"):
        backend.set_namespace("jax")
    monkeypatch.setitem(sys.modules, "array_api_compat.cupy", None)  # as when CuPy is not installed
    with pytest.raises(ImportError, match=r"set_namespace\('cupy'\) needs array_api_compat") as info:
        backend.set_namespace("cupy")
    assert 'pip install "glassnet[array-api]" cupy' in str(info.value)
    assert backend.get_namespace() is np
    model = Sequential([Dense(2, input_dim=3)], seed=0)
    assert model.predict(np.ones((1, 3), np.float32)).shape == (1, 2)


def test_complex_sparse_and_out_of_range_inputs_are_refused_by_name(model):
    import scipy.sparse

    X = np.random.default_rng(0).normal(size=(4, 4))
    with pytest.raises(ValueError, match="x holds complex numbers"):  # the imaginary part was dropped
        model.predict(X + 1j * X)
    with pytest.raises(TypeError, match=r"x must hold real numbers.*complex128"):  # sparse is taken, complex is not
        model.predict(scipy.sparse.csr_matrix(X + 1j * X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow warning from the cast
        with pytest.raises(ValueError, match="beyond the range of float32"):  # said "contains inf"
            model.predict(np.full((2, 4), 1e39))


def test_scalar_targets_and_missing_validation_targets_are_named(model):
    X = np.ones((4, 4))
    with pytest.raises(ValueError, match="y must be an array with one entry per sample"):
        model.fit(X, np.array(1), verbose=0)
    with pytest.raises(TypeError, match=r"validation_data\[1\] must hold the validation targets"):
        model.fit(X, np.arange(4) % 2, validation_data=(X, None), verbose=0)


@pytest.mark.parametrize("n, split, n_val", [(53, 0.3, 16), (99, 0.1, 10), (101, 0.2, 21), (5, 0.1, 1)])
def test_validation_split_holds_out_as_many_samples_as_keras(n, split, n_val):
    # Keras: train on x[:floor(n (1 - split))], validate on the rest
    seen = {}
    m = Sequential([Dense(1, input_dim=2)])
    m.compile(optimizer="sgd", loss="mse")

    class Steps(glassnet.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["train"] = self.params["steps"]

    m.fit(np.ones((n, 2)), np.ones(n), batch_size=1, epochs=1, verbose=0, validation_split=split, callbacks=[Steps()])
    assert seen["train"] == n - n_val


@pytest.mark.parametrize("kwargs, error, match", [
    ({"verbose": 7}, ValueError, "verbose must be 0, 1, 2 or 'auto'"),
    ({"verbose": np.array([0, 1])}, ValueError, "verbose must be 0, 1, 2 or 'auto'"),
    ({"return_dict": "yes"}, TypeError, "return_dict must be True or False"),
])
def test_evaluate_options_are_checked(model, kwargs, error, match):
    with pytest.raises(error, match=match):
        model.evaluate(np.ones((4, 4)), np.arange(4) % 2, **kwargs)


@pytest.mark.parametrize("shuffle, error", [("yes", ValueError), ("Batch", ValueError), (1.5, TypeError),
                                            (None, TypeError)])
def test_fit_shuffle_must_be_a_bool_or_batch(model, shuffle, error):
    with pytest.raises(error, match="shuffle must be True, False or 'batch'"):
        model.fit(np.ones((4, 4)), np.arange(4) % 2, shuffle=shuffle, verbose=0)


def test_evaluate_and_predict_report_with_verbose(model, capsys):
    X, y = np.ones((40, 4)), np.arange(40) % 2
    result = model.evaluate(X, y, batch_size=10, verbose=1)
    line = capsys.readouterr().out.strip()
    assert line.startswith("4/4 - ") and f"loss: {result:.4f}" in line
    model.predict(X, verbose=2)
    assert capsys.readouterr().out.startswith("2/2 - ")  # Keras's batches of 32 (it computes in larger ones)
    model.predict(X)
    assert capsys.readouterr().out == ""


def test_a_layer_dtype_other_than_the_models_is_refused():
    # the float64 request was ignored, then the saved file could not be loaded
    from glassnet.layers import BatchNormalization, Input

    with pytest.raises(ValueError, match="has dtype 'float64' but the model computes in 'float32'"):
        Sequential([Input(shape=(3,)), Dense(4, dtype="float64"), Dense(1)], dtype="float32")
    with pytest.raises(ValueError, match="one dtype"):
        Sequential([Input(shape=(3,)), Dense(4, dtype="float32"), BatchNormalization(dtype="float64")])
    # a model given no dtype computes in the one its layers name (tests/test_nested_models.py)
    assert Sequential([Input(shape=(3,)), Dense(4, dtype="float64"), Dense(1)]).dtype == "float64"
    model = Sequential([Input(shape=(3,)), Dense(4, dtype="float64"), Dense(1)], dtype="float64")
    assert model.predict(np.ones((1, 3))).dtype == np.float64


def test_a_single_layer_instead_of_a_list_is_named():
    with pytest.raises(TypeError, match=r"write Sequential\(\[Dense\(...\)\]\)"):
        Sequential(Dense(2))


def test_check_number_names_an_integer_past_float_range():
    from glassnet._validation import check_number

    with pytest.raises(ValueError, match="learning_rate must be finite"):  # OverflowError before
        check_number(10**400, "learning_rate")


def test_every_plot_without_matplotlib_names_the_extra(monkeypatch):
    import sys

    from glassnet import plots
    from glassnet.classic import Perceptron

    # as when matplotlib is not installed (another test may have imported it)
    for name in [m for m in sys.modules if m.split(".")[0] in ("matplotlib", "mpl_toolkits")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    X, y = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 0, 0, 1])
    calls = {
        "plot_history": lambda: plots.plot_history({"loss": [1.0, 0.5]}),
        "plot_decision_boundary": lambda: plots.plot_decision_boundary(Perceptron().fit(X, y), X, y),
        "plot_confusion_matrix": lambda: plots.plot_confusion_matrix(y, y),
        "plot_weights": lambda: plots.plot_weights(np.ones((4, 2)), shape=(2, 2)),
    }
    for name, call in calls.items():
        with pytest.raises(ImportError, match=r'glassnet.plots requires matplotlib: pip install "glassnet\[plots\]"'):
            call()


def test_the_package_lists_no_submodule_it_cannot_import(monkeypatch):
    import inspect
    import sys

    # as when scikit-learn is not installed (and glassnet.sklearn was never imported)
    for name in [m for m in sys.modules if m.split(".")[0] == "sklearn" or m.startswith("glassnet.sklearn")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    if "sklearn" in vars(glassnet):
        monkeypatch.delattr(glassnet, "sklearn")
    assert "sklearn" not in dir(glassnet)
    assert "datasets" in dir(glassnet) and "onnx" in dir(glassnet)
    names = dict(inspect.getmembers(glassnet))  # what help(glassnet) and pydoc walk
    assert "models" in names and "sklearn" not in names
    with pytest.raises(ImportError, match=r'pip install "glassnet\[sklearn\]"'):
        glassnet.sklearn  # noqa: B018


def _fit_model():
    m = Sequential([Dense(1, input_dim=2)])
    m.compile(optimizer="sgd", loss="mse")
    return m


X2, y2 = np.ones((4, 2)), np.ones(4)


_FIRST_FUZZ = [
    (lambda: _fit_model().fit(X2, [[1], [1, 2], [1], [1]], verbose=0), ValueError, "y could not be converted"),
    (lambda: _fit_model().evaluate(X2, [[1], [1, 2], [1], [1]], verbose=0), ValueError, "y could not be converted"),
    (lambda: _fit_model().fit(X2, y2, validation_data=(X2[:2], [[1], [1, 2]]), verbose=0), ValueError,
     r"validation_data\[1\] could not be converted"),
    # (negative weights are taken now, as Keras's signed weights: NaN ones are the bad ones)
    (lambda: _fit_model().fit(X2, y2, validation_data=(X2[:2], y2[:2], [np.nan, 1.0]), verbose=0), ValueError,
     r"validation_data\[2\] contains NaN"),
    (lambda: _fit_model().fit(X2, {"a": 1}, verbose=0), TypeError, "y given as a dict must map this model.s one output"),
    # a float32 model: 1e300 would become inf (evaluate returned inf, train_on_batch nan)
    (lambda: _fit_model().evaluate(X2, np.full(4, 1e300), verbose=0), ValueError, "y holds values beyond the range"),
    (lambda: _fit_model().train_on_batch(X2, np.full(4, 1e300)), ValueError, "y holds values beyond the range"),
    (lambda: Sequential([Dense(1, input_dim=2)]).compile(optimizer=None, loss="mse"), ValueError,
     "optimizer is required"),
    (lambda: Dense(2, kernel_initializer="glorot"), ValueError, "Unknown initializer 'glorot'"),
    (lambda: Dense(2, use_bias="False"), TypeError, "use_bias must be True or False"),
    (lambda: glassnet.callbacks.EarlyStopping(restore_best_weights="yes"), TypeError, "restore_best_weights"),
    (lambda: glassnet.callbacks.ModelCheckpoint("m.gn", save_best_only="no"), TypeError, "save_best_only"),
    (lambda: glassnet.callbacks.CSVLogger("log.csv", append="no"), TypeError, "append must be True or False"),
    (lambda: glassnet.callbacks.ProgressBar(stream="out.txt"), TypeError, "stream must be a text stream"),
    (lambda: glassnet.preprocessing.StandardScaler(with_mean="no").fit(X2), TypeError, "with_mean"),
    (lambda: glassnet.preprocessing.split(np.arange(10), shuffle="abc"), TypeError, "shuffle must be True or False"),
    (lambda: glassnet.classic.SOM(grid=(2, 2), shuffle="no").fit(np.random.rand(8, 2)), TypeError, "shuffle"),
    (lambda: glassnet.metrics.confusion_matrix([np.inf, 1], [0, 1]), ValueError, "y_true must hold integer class"),
    (lambda: glassnet.schedules.PiecewiseConstantDecay([float("nan")], [1.0, 2.0]), ValueError, "boundaries must be finite"),
    (lambda: glassnet.schedules.PiecewiseConstantDecay(5, [1.0, 2.0]), TypeError, "boundaries must be a list"),
    (lambda: glassnet.check_gradients(None, X2, y2), TypeError, "model must be a glassnet model"),
    (lambda: glassnet.models.model_from_json("[" * 100_000 + "]" * 100_000), ValueError, "json_string must be"),
    (lambda: glassnet.models.model_from_json(None), TypeError, "json_string must be the text of Sequential.to_json"),
    (lambda: glassnet.layers.Input(shape=3.0), TypeError, "input_shape must be a tuple of positive integers"),
    (lambda: Sequential([Dense(1)]).build({"a": 1}), TypeError, "input_shape must be a tuple"),
    (lambda: _fit_model().set_weights(None), TypeError, "list of weight arrays"),
    # a loss or metric called directly: a missing weight gave NaN (a negative one, -0.5, is Keras's too: taken)
    (lambda: glassnet.losses.MeanSquaredError()([[1.0], [0.0]], [[0.0], [0.0]], sample_weight=[np.inf, 1.0]),
     ValueError, "sample_weight must hold finite weights"),
    (lambda: glassnet.metrics.BinaryAccuracy().update_state([[1.0]], [[0.9]], sample_weight=[np.nan]), ValueError,
     "sample_weight must hold finite weights"),
]


def test_shapes_given_as_numpy_ints_and_growing_schedules():
    assert Dense(2, input_shape=np.int64(3)).input_shape == (3,)
    model = Sequential([Dense(1)])
    model.build(3)  # one feature count, as input_dim
    assert model.input_shape == (None, 3)
    # a rate above 1 overflows to inf (the run then diverges, and says so) instead of raising OverflowError
    assert glassnet.schedules.ExponentialDecay(0.1, 1, 2.0)(10**6) == np.inf
    assert glassnet.schedules.ExponentialDecay(0.1, 10, 0.5)(20) == pytest.approx(0.025)


# A second fuzz's findings: each raised a NumPy error that named nothing (MemoryError,
# IndexError, UFuncTypeError), returned garbage (nan, inf, a wrong shape), hung, or
# blamed the wrong argument.
_SECOND_FUZZ = [
    # sizes no machine can allocate: NumPy's MemoryError / "Maximum allowed dimension exceeded"
    (lambda: Sequential([glassnet.layers.Input((4,)), Dense(10**12)]).build(), ValueError,
     r"Layer 'dense\w*' \(Dense, units=1000000000000\) for inputs of shape \(4,\) needs more memory"),
    (lambda: Sequential([glassnet.layers.Input((4,)), Dense(10**30)]).build(), ValueError,
     r"units=10{30}\) .* asks for an array too large"),
    (lambda: glassnet.datasets.make_xor(n_samples=10**12), ValueError, "n_samples=1000000000000 needs more memory"),
    (lambda: glassnet.datasets.make_spiral(n_samples=10**14), ValueError, "n_samples=100000000000000 needs more"),
    (lambda: glassnet.classic.SOM(grid=(10**6, 10**6)).fit(np.random.rand(10, 2)), ValueError,
     r"grid=\(1000000, 1000000\) and epochs=10 with 10 samples needs more memory"),
    (lambda: glassnet.preprocessing.kfold(10**13), ValueError, "n=10000000000000 needs more memory"),
    (lambda: glassnet.metrics.confusion_matrix([0, 1], [1, 0], num_classes=10**9), ValueError,
     "num_classes=1000000000 needs more memory"),
    (lambda: glassnet.metrics.confusion_matrix([0, 10**10], [1, 0]), ValueError, "Labels up to 10000000000"),
    # the public functions called on what is not an array of numbers (IndexError, UFuncTypeError)
    (lambda: glassnet.activations.softmax(1.0), ValueError, "x must have at least one dimension"),
    (lambda: glassnet.activations.relu("ab"), TypeError, "x must be an array-like of numbers"),
    (lambda: glassnet.regularizers.L2(0.1)("ab"), TypeError, "x must be an array-like of numbers"),
    (lambda: glassnet.metrics.MeanSquaredError().update_state(["a"], ["b"]), TypeError, "y_true must contain numbers"),
    (lambda: glassnet.metrics.MeanSquaredError().update_state([[1.0]], [["x"]]), TypeError, "y_pred must contain"),
    (lambda: glassnet.losses.MeanSquaredError()([[1.0]], [["b"]]), TypeError, "y_pred must contain numbers"),
    (lambda: glassnet.preprocessing.from_categorical(np.eye(3), axis=5), ValueError, "axis must be between -2 and 1"),
    (lambda: glassnet.preprocessing.split([[1, 2], [3]], test=0.5), ValueError, "X could not be converted"),
    # a callable activation that changes the shape: predict returned (2,) for a 3-unit layer
    (lambda: Sequential([Dense(3, input_dim=2, activation=lambda z: z.sum(axis=1))]).predict(np.ones((2, 2))),
     ValueError, r"must return an array of its input's shape \(2, 3\)"),
    # descent: x0 unnamed, x=None gave nan, digits=0 a decimal-module message, steps unbounded (hung)
    (lambda: glassnet.descent.gradient_descent(lambda x: x * x, "abc", 0.1), TypeError, "x0 must be an array-like"),
    (lambda: glassnet.descent.numerical_gradient(lambda x: x * x, None), TypeError, "x must be an array-like"),
    (lambda: glassnet.descent.decimal_text(1.5, digits=0), ValueError, "digits must be between 1 and 1000"),
    (lambda: glassnet.descent.gradient_descent(lambda x: x * x, 1.0, 0.1, steps=10**12), ValueError,
     "steps must be at most 1,000,000"),
    (lambda: glassnet.diagnostics.diagnose(_fit_model(), X2, y2, losses="ab"), TypeError, "losses must be an array"),
    # a divergent SOM blamed X ("X holds values too large for the map")
    (lambda: glassnet.classic.SOM(grid=(3, 3), learning_rate=1e12, random_state=0).fit(np.random.rand(10, 2)),
     ValueError, r"weights diverged .* learning_rate=1000000000000.0 is too large"),
    # a scaled value past float64's range was returned as inf
    (lambda: glassnet.preprocessing.StandardScaler().fit([[0.0], [1.0]]).transform([[1e308]]), ValueError,
     "X holds values that transform takes beyond the range of float64"),
    (lambda: glassnet.preprocessing.MinMaxScaler().fit([[0.0], [1e-300]]).transform([[1e10]]), ValueError,
     "beyond the range of float64"),
    # paths: Python's "expected str, bytes or os.PathLike object, not NoneType"
    (lambda: _fit_model().save(None), TypeError, "filepath must be a file path"),
    (lambda: glassnet.models.load_model(None), TypeError, "filepath must be a file path"),
    (lambda: glassnet.models.load_model(""), ValueError, "filepath is an empty path"),
    (lambda: _fit_model().save_weights(3, overwrite=False), TypeError, "filepath must be a file path"),
]


def test_the_checks_added_after_the_second_fuzz_keep_what_worked():
    assert glassnet.activations.softmax([0.0, 0.0]).tolist() == [0.5, 0.5]  # 1-D: one row
    assert glassnet.activations.relu([1, -2]).tolist() == [1, 0]
    assert glassnet.regularizers.L2(0.5)([[1.0, 2.0]]) == 2.5
    # NaN outputs (a diverged model) still give a metric and a loss, not an error
    metric = glassnet.metrics.MeanSquaredError()
    metric.update_state([[1.0]], [[np.nan]])
    assert np.isnan(metric.result())
    assert np.isnan(glassnet.losses.MeanSquaredError()([[1.0]], [[np.nan]]))
    # a divergent descent still ends in a verdict, its gradients NaN, not an error
    trace = glassnet.descent.gradient_descent(lambda x: x**4, 3.0, 10.0, steps=40)
    assert "diverge" in trace.verdict
    assert np.isnan(glassnet.descent.numerical_gradient(lambda x: float(x**2), np.nan))
    assert np.isnan(glassnet.diagnostics.diagnose(_fit_model(), X2, y2, losses=[1.0, np.nan], warn=False).losses[1])
    # split still cuts samples of any dtype, NaN included (impute after splitting, not before)
    train, _, test = glassnet.preprocessing.split(np.array([[np.nan], [1.0], [2.0], [3.0]]), test=0.25, seed=0)
    assert len(train[0]) == 3 and len(test[0]) == 1
    assert len(glassnet.preprocessing.split(np.array(["a", "b", "c", "d"]), test=0.5)[2][0]) == 2
    # SOM learning rates above 1 that still converge are not refused
    glassnet.classic.SOM(grid=(3, 3), learning_rate=3.0, random_state=0).fit(np.random.rand(20, 2))


def _hopfield():
    return glassnet.classic.Hopfield().fit([[1, -1, 1, -1], [1, 1, -1, -1]])


def _idx_with_a_zero_dimension(tmp_path):
    import struct

    path = tmp_path / "z.idx"  # 24 bytes: shape (0, 2³²−1, 2³²−1, 2³²−1), no data
    path.write_bytes(struct.pack(">BBBB4I", 0, 0, 0x0E, 4, 0, 2**32 - 1, 2**32 - 1, 2**32 - 1))
    return path


# A third fuzz, of the classic networks, plots, expressions, gradient check, IDX and ONNX:
# each case raised an unnamed error (IndexError, KeyError, ZeroDivisionError, "truth value
# of an array is ambiguous", MemoryError) or returned a wrong or silent result.
_THIRD_FUZZ = [
    # overflowing net inputs: ThresholdUnit said 1 where z = 1e400 − 2e400 < 0; Perceptron gave -inf
    (lambda: glassnet.classic.ThresholdUnit([1e200, -1e200]).predict([[1e200, 2e200]]), ValueError,
     "X holds values too large for the net input"),
    (lambda: glassnet.classic.Perceptron().fit([[0, 1], [1, 0], [0, 0], [1, 1]], [0, 1, 0, 0])
     .decision_function([[1e308, 1e308]]), ValueError, "X holds values too large for the net input"),
    # choices given as arrays: "The truth value of an array ... is ambiguous"
    (lambda: glassnet.classic.SOM(topology=np.array(["a", "b"])).fit(np.random.rand(8, 2)), ValueError,
     "topology must be one of"),
    (lambda: glassnet.classic.train_neuron(X2, y2, rule=np.array([1.0, 2.0])), ValueError, "rule must be one of"),
    (lambda: glassnet.classic.Adaline(mode=np.array([1.0, 2.0])).fit(X2, [0, 1, 0, 1]), ValueError, "mode must be"),
    (lambda: _hopfield().recall([1, 1, 1, 1], mode=np.array([1.0, 2.0])), ValueError, "mode must be one of"),
    (lambda: _hopfield().recall([1, 1, 1, 1], return_trace="no"), TypeError, "return_trace must be True or False"),
    (lambda: glassnet.classic.ThresholdUnit([1, 1], activation=[[1, 2], [3]]), ValueError, "activation must be"),
    (lambda: glassnet.diagnostics.diagnose(_fit_model(), X2, y2, warn=np.array([1.0, 2.0])), TypeError, "warn"),
    # Hopfield: names unchecked (IndexError, KeyError), booleans and ragged patterns, N² memory
    (lambda: _hopfield().outcome(np.array([1, 1, -1, -1]), ["H"], "H"), ValueError, "names must hold one name"),
    (lambda: _hopfield().outcome(np.array([1, 1, -1, -1]), {"a": 1}, "H"), ValueError, "names must hold"),
    (lambda: glassnet.classic.flip_bits(np.array([True, True]), 1.0), TypeError, "not booleans"),
    (lambda: glassnet.classic.flip_bits([[1, -1], [1]], 0.5), ValueError, "pattern could not be converted"),
    (lambda: glassnet.classic.Hopfield().fit(np.ones((1, 10**6), dtype=np.int8)), ValueError,
     r"Patterns of N=1000000 units \(an N × N weight matrix\) needs more memory"),
    # a divergent SOM named learning_rate when final_learning_rate grew; epochs sized the arrays
    (lambda: glassnet.classic.SOM(grid=(3, 3), epochs=3, learning_rate=0.5, final_learning_rate=50, random_state=0)
     .fit(np.random.rand(50, 3)), ValueError, "final_learning_rate=50 is too large"),
    (lambda: glassnet.classic.SOM(grid=(2, 2), epochs=10**12).fit(np.random.rand(50, 3)), ValueError,
     "epochs=1000000000000 with 50 samples needs more memory"),
    # the delta rule with f' = 0 returned the starting weights, silently
    (lambda: glassnet.classic.delta_rule(X2, y2, activation="step"), ValueError, "f'\\(net\\), which is 0 for step"),
    (lambda: glassnet.classic.delta_rule(X2, y2, activation="softmax"), ValueError, "softmax over a single output"),
    # compression: a block larger than the image took seconds and GBs, or a bare MemoryError
    (lambda: glassnet.classic.compress_image(np.random.rand(16, 16), k=2, block_size=3000), ValueError,
     "block_size must be at most the image's larger side, 16"),
    (lambda: glassnet.classic.compression.blocks_to_image(np.ones((3, 4)), (1, 4, 4), 0), ValueError, "block_size"),
    (lambda: glassnet.classic.compression.image_to_blocks(np.ones(4), 2), ValueError, r"images must have shape"),
    # expressions: 1e400 read as inf; None evaluated to nan; NumPy ints in exact points
    (lambda: glassnet.expr.parse("1e400*x"), ValueError, "The number 1e400 in the expression is beyond"),
    (lambda: glassnet.expr.parse("x**2")(None), TypeError, "x must be an array-like of numbers"),
    (lambda: glassnet.expr.parse("x1**2+x2")([10**400, 1]), TypeError, "x must contain numbers"),
    (lambda: glassnet.expr.parse("x**2")(10**400), ValueError, "x is beyond float64's range"),
    (lambda: glassnet.expr.parse("x1**2+x2").exact_value_and_gradient([float("inf"), 0.2]), ValueError,
     r"point\[0\] must be a finite number"),
    (lambda: glassnet.expr.parse("x**2").exact_value_and_gradient(None), TypeError, "point must be a sequence"),
    # check_gradients: epsilon=0 was a ZeroDivisionError, nan a nan error, 1e300 a bogus failure
    (lambda: glassnet.check_gradients(_fit_model(), X2, y2, epsilon=0), ValueError, "epsilon must be > 0"),
    (lambda: glassnet.check_gradients(_fit_model(), X2, y2, epsilon=1e300), ValueError, "epsilon must be <= 0.01"),
    (lambda: glassnet.check_gradients(_fit_model(), X2, y2, atol=float("nan")), ValueError, "atol must be finite"),
    (lambda: glassnet.check_gradients(_fit_model(), [["a", "b"]], [1]), TypeError, "X must contain numbers"),
    # IDX: a zero dimension beside huge ones, and paths
    (lambda: glassnet.datasets.read_idx(None), TypeError, "path must be a file path"),
    (lambda: glassnet.datasets.write_idx("w.idx", [[1], [1, 2]]), ValueError, "array could not be converted"),
    # plots: normalize as an array
    pytest.param(lambda: glassnet.plots.plot_confusion_matrix([0, 1], [0, 1], normalize=np.array([1, 2])), TypeError,
                 "normalize must be True or False",
                 marks=pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")),
    (lambda: glassnet.metrics.AUC(multi_label="False"), TypeError, "multi_label must be True or False"),
    # psnr of empty images was nan with NumPy's "Mean of empty slice"; text said "could not convert string"
    (lambda: glassnet.classic.compression.psnr([], []), ValueError, "original is empty"),
    (lambda: glassnet.classic.compression.psnr(["a"], ["b"]), TypeError, "original must contain numbers"),
    (lambda: glassnet.classic.compression.psnr([1.0], [np.nan]), ValueError, "reconstruction contains NaN"),
    (lambda: glassnet.classic.compression.psnr([1.0], [0.5], max_value=0), ValueError, "max_value must be > 0"),
    # format_table's header of numbers: "object of type 'int' has no len()"
    (lambda: glassnet.trace.format_table([1, 2], [["a", "b"]]), TypeError, "header must be a list of column names"),
    (lambda: glassnet.trace.format_table("ab", [["a", "b"]]), TypeError, "header must be a list of column names"),
    (lambda: glassnet.trace.format_table(["a"], 5), TypeError, "rows must be a list of rows"),
]


@pytest.mark.parametrize("call, error, match", _FIRST_FUZZ + _SECOND_FUZZ + _THIRD_FUZZ,
                         ids=lambda v: getattr(v, "__name__", str(v))[:40])
def test_bad_values_found_by_fuzzing_the_public_api_are_named(call, error, match, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=match):
        call()


def test_an_idx_header_with_a_zero_dimension_beside_huge_ones_names_the_file(tmp_path):
    path = _idx_with_a_zero_dimension(tmp_path)
    with pytest.raises(ValueError, match=r"z.idx: the header's shape \(0, 4294967295"):
        glassnet.datasets.read_idx(path)


def test_onnx_refuses_a_model_past_protobufs_2_gib_by_name(monkeypatch):
    pytest.importorskip("onnx")
    import glassnet.onnx as gonnx

    model = Sequential([Dense(3, input_dim=4)])
    model.build()
    monkeypatch.setattr(gonnx, "_PROTOBUF_LIMIT", 60)  # 15 float32 weights: 60 bytes
    with pytest.raises(ValueError, match=r"an ONNX file holds at most 2 GiB"):
        gonnx.to_onnx(model)
    monkeypatch.setattr(gonnx, "_PROTOBUF_LIMIT", 61)
    gonnx.to_onnx(model)


def test_sample_weights_of_any_host_type_get_the_same_checks():
    # A pandas Series has a .shape, so it skipped the checks: negative and NaN weights passed,
    # strings raised NumPy's own error; complex weights passed with only a ComplexWarning.
    pd = pytest.importorskip("pandas")
    loss, metric = glassnet.losses.MeanSquaredError(), glassnet.metrics.BinaryAccuracy()
    Y, A = [[1.0], [0.0]], [[0.0], [0.0]]
    assert loss(Y, A, sample_weight=pd.Series([3.0, 1.0])) == loss(Y, A, sample_weight=np.array([3.0, 1.0])) == 1.5
    for bad in (pd.Series([np.inf, 1.0]), pd.Series([np.nan, 1.0])):
        with pytest.raises(ValueError, match="sample_weight must hold finite weights"):
            loss(Y, A, sample_weight=bad)
        with pytest.raises(ValueError, match="sample_weight must hold finite weights"):
            metric.update_state(Y, A, sample_weight=bad)
    # negative ones are taken, as Keras's (signed weights), from a Series as from an array: (-1 · 1) / 2
    assert loss(Y, A, sample_weight=pd.Series([-1.0, 1.0])) == loss(Y, A, sample_weight=np.array([-1.0, 1.0])) == -0.5
    with pytest.raises(TypeError, match="sample_weight must hold numbers. Received dtype object"):
        loss(Y, A, sample_weight=pd.Series(["a", "b"]))
    for complex_weights in (np.array([1 + 1j, 1.0]), pd.Series([1 + 0j, 1.0])):
        with pytest.raises(TypeError, match="sample_weight must hold real numbers. Received dtype complex128"):
            loss(Y, A, sample_weight=complex_weights)


@pytest.mark.parametrize("values, error, message", [
    (np.array([[1, 2]], dtype="m8[s]"), TypeError, "x must contain numbers. Received an array of dtype timedelta64"),
    (np.array([[1 + 2j]]), ValueError, "x holds complex numbers"),
    (np.array([["a"]]), TypeError, "x must contain numbers. Received an array of dtype <U1"),
    (np.array([[None]]), TypeError, "x must contain numbers. Received an array of dtype object"),
])
def test_arrays_of_other_kinds_than_numbers_are_refused_whether_numpy_arrays_or_lists(values, error, message):
    # NumPy arrays take a shorter path than lists (one batch of a stream at a time): both say the same
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(optimizer="sgd", loss="mse")
    for given in (values, values.tolist()):
        if given is not values and values.dtype.kind == "m":
            continue  # a list of timedeltas is a list of Python objects
        with pytest.raises(error, match=message):
            model.predict(given)


def test_object_arrays_of_numbers_are_taken_and_complex_data_is_refused_as_scikit_learn_does():
    # An object array of numbers (pandas' .values of mixed columns; check_estimator's
    # check_dtype_object) was refused as "x must contain numbers. Received an array of dtype
    # object"; complex data said "x holds complex numbers" without scikit-learn's "Complex data
    # not supported" (check_complex_data), and complex numbers held as objects were not named.
    from sklearn.utils import check_array as sklearn_check_array

    from glassnet._validation import check_array

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(6, 2))
    mixed = np.array([[1, np.float32(0.5)], [True, 2**40]], dtype=object)
    for given in (X.astype(object), mixed):
        got = check_array(given)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, sklearn_check_array(given))
    assert check_array(mixed, dtype=np.float32).dtype == np.float32
    model = Sequential([Dense(1, input_dim=2)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_array_equal(model.predict(X.astype(object), verbose=0), model.predict(X, verbose=0))
    for complex_data in (X + 1j, (X + 1j).tolist(), np.array([[1.0, 2 + 1j]], dtype=object)):
        with pytest.raises(ValueError, match="Complex data not supported: x holds complex numbers"):
            check_array(complex_data)
        with pytest.raises(ValueError, match="Complex data not supported"):
            model.predict(complex_data, verbose=0)
    # anything but numbers held as objects is still refused, naming what it holds
    for held, shown in ((None, "NoneType None"), ("1.5", "str '1.5'"), ({"foo": "bar"}, "dict {'foo': 'bar'}")):
        bad = np.array([[1.0, 0.0]], dtype=object)
        bad[0, 1] = held
        with pytest.raises(TypeError, match=re.escape(f"x must contain numbers. Received an array of dtype object "
                                                      f"holding {shown}")):
            check_array(bad)


def test_weights_that_are_all_zero_are_refused_where_fit_or_evaluate_would_work_on_nothing():
    # Keras trains on nothing and reports a loss of 0 whatever the model (scikit-learn and
    # glassnet.sklearn refuse them): fit ran an epoch without a change and evaluate said 0.0
    model = Sequential([Dense(2, input_dim=2)], dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    model.set_weights([np.eye(2), np.zeros(2)])  # outputs = inputs
    Xs = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    Ys = Xs + [[1.0, 0.0], [0.0, 0.0], [0.0, 2.0], [0.0, 0.0]]  # per-sample mse: 0.5, 0, 2, 0
    zeros, ones = np.zeros(4), np.ones(4)
    for kwargs, name in ((dict(sample_weight=zeros), "sample_weight"),
                         (dict(class_weight={0: 0, 1: 0}), "class_weight"),
                         (dict(sample_weight=[0, 0, 0, 1], validation_split=0.25), "sample_weight"),
                         (dict(validation_data=(Xs, Ys, zeros)), r"validation_data\[2\]")):
        with pytest.raises(ValueError, match=f"{name} gives every sample the weight 0"):
            model.fit(Xs, Ys, verbose=0, **kwargs)
    with pytest.raises(ValueError, match="sample_weight gives every sample the weight 0: the loss would be 0"):
        model.evaluate(Xs, Ys, sample_weight=zeros)
    np.testing.assert_array_equal(model.get_weights()[0], np.eye(2))  # nothing ran
    # one positive weight is enough, and weighs what it should: (1 · 2) / 4 samples
    assert model.evaluate(Xs, Ys, sample_weight=[0, 0, 1, 0]) == pytest.approx(0.5, abs=1e-12)
    assert model.evaluate(Xs, Ys, sample_weight=ones) == pytest.approx(2.5 / 4, abs=1e-12)
    # one batch of zero weights is Keras's (a padded or masked batch): train_on_batch still takes it
    assert model.train_on_batch(Xs, Ys, sample_weight=zeros) == 0.0
    np.testing.assert_array_equal(model.get_weights()[0], np.eye(2))


@pytest.mark.parametrize("weights", [
    np.full((4, 4), 1 + 2j),  # the imaginary parts were dropped (NumPy's ComplexWarning only): 1.0 loaded
    np.full((4, 4), "1.5"),  # text was read as the number it spells
    [[1.0, 2.0, None, 0.0]] * 4,  # None loaded as NaN
    np.ones((4, 4), dtype="M8[s]"),  # dates as their counts of seconds
])
def test_set_weights_refuses_what_is_no_real_number(model, weights):
    model.build((4,))
    before = model.get_weights()
    with pytest.raises(TypeError, match=r"set_weights: weights\[0\] \(\S+/kernel\) must be an array of real numbers"):
        model.set_weights([weights, *before[1:]])
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)
    # what stays: numbers of any real kind, NaN on purpose, an object array of numbers (pandas' .values)
    for good in (np.full((4, 4), 2, dtype=np.int8), np.full((4, 4), np.nan), np.full((4, 4), 0.5, dtype=object)):
        model.set_weights([good, *before[1:]])
        np.testing.assert_array_equal(model.get_weights()[0], np.asarray(good, dtype=np.float32))


def test_a_variable_length_sample_size_is_refused_with_what_to_do():
    # keras.Input(shape=(None,)) of the debugging tips' sequences said "input_shape must be a positive integer.
    # Received: input_shape=None", as if the whole shape were None
    for make in (lambda: glassnet.Input(shape=(None,)), lambda: glassnet.layers.Dense(3, input_shape=(None, 4))):
        with pytest.raises(ValueError, match=r"input_shape must give every size of a sample: .*no size None .*pad "
                                             r"or cut the samples to one length.*Received: input_shape=\(None,"):
            make()
    with pytest.raises(TypeError, match="input_shape must be a positive integer. Received: input_shape=2.5"):
        glassnet.Input(shape=(2.5,))


def test_targets_beyond_the_output_range_are_scored_in_validation_and_evaluate_but_not_trained_on():
    # TensorFlow's anomaly-detection autoencoder (sigmoid outputs, mae) validates on test data scaled by the
    # training data's min and max, a little outside [0, 1]: fit refused it ("validation_data[1] has values from
    # -0.04 ..., but the output activation Sigmoid only produces values in [0.0, 1.0]") where Keras scores it
    rng = np.random.default_rng(0)
    train = rng.uniform(0.0, 1.0, size=(32, 6))
    test = rng.uniform(-0.1, 1.1, size=(16, 6))
    model = Sequential([Dense(3, activation="relu", input_dim=6), Dense(6, activation="sigmoid")], dtype="float64",
                       seed=0)
    model.compile(optimizer="adam", loss="mae")
    history = model.fit(train, train, epochs=1, batch_size=32, validation_data=(test, test), verbose=0)
    by_hand = np.mean(np.abs(model.predict(test, verbose=0) - test))  # the weights after the one step
    assert history.history["val_loss"][0] == pytest.approx(by_hand, rel=1e-12)
    assert model.evaluate(test, test, verbose=0) == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError, match=r"y has values from -0\.0.* Sigmoid only produces values in \[0\.0, 1\.0\]"):
        model.fit(test, test, verbose=0)  # training toward them is still refused
    bce = Sequential([Dense(1, activation="sigmoid", input_dim=6)])
    bce.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match="validation_data"):  # a probability target is still checked
        bce.fit(train, np.ones(32), validation_data=(test, np.full(16, 1.5)), verbose=0)


def test_the_finiteness_check_reads_a_column_slice_without_copying_it():
    """fit(data[:, :-1], data[:, -1]) copied the whole feature view to test it for NaN (a flattening of a
    strided view is a copy: 188 MB for MNIST's features); it is read as it is, and a NaN or inf in it,
    or values whose sum overflows, are still told apart."""
    import tracemalloc

    from glassnet._validation import _all_finite

    data = np.random.default_rng(0).random((2000, 513), dtype=np.float32)
    view = data[:, :-1]
    tracemalloc.start()
    try:
        assert _all_finite(view)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < view.nbytes / 20
    data[1500, 7] = np.nan
    assert not _all_finite(data[:, :-1]) and _all_finite(data[:, 8:]) and _all_finite(data[1::2, :-1])
    huge = np.full((50, 9), 3e38, dtype=np.float32)  # finite, but their float32 sum is inf
    assert _all_finite(huge[:, :-1]) and not _all_finite(np.where(huge == huge, huge * 2, 0)[:, :-1])
