"""Session 59 leftovers: Hopfield's capacity as docs/classic.md states it, did-you-mean for the
single-neuron rule functions, a DataFrame's NaN named by column, Keras's names of the threshold
arguments."""

import re
import warnings

import numpy as np
import pytest

from glassnet import metrics
from glassnet.classic import Hopfield, delta_rule, flip_bits, perceptron_rule

pd = pytest.importorskip("pandas")


def test_hopfield_random_patterns_table_of_docs_classic():
    # docs/classic.md's rows for N = 100: stored random patterns that are fixed points, found by hand from
    # Hebb's sum (sgn(Σ_j≠i ξ_j ξ^μ_j ξ^μ_i) = ξ_i or a field of 0), and exact recalls from 10 % flipped bits.
    N, rows = 100, {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the CapacityWarning at p = 14 > 13.8, UnstablePatternWarnings)
        for p in (5, 10, 14):
            fixed, all_fixed, exact, wrong = [], 0, [], []
            for s in range(20):
                P = np.random.default_rng(1000 * N + s).choice([-1, 1], size=(p, N))
                hebb = P.T @ P
                np.fill_diagonal(hebb, 0)
                h = P @ hebb
                stable = np.all((np.sign(h) == P) | (h == 0), axis=1)
                net = Hopfield(random_state=s).fit(P)
                np.testing.assert_array_equal(net.is_stable(P), stable)
                out = net.recall(flip_bits(P, 0.1, random_state=s), mode="async")
                fixed.append(stable.mean())
                all_fixed += stable.all()
                exact.append(np.all(out == P, axis=1).mean())
                wrong.append((out != P).mean())
            rows[p] = (round(np.mean(fixed), 3), all_fixed, round(np.mean(exact), 2), round(np.mean(wrong), 3))
    assert rows == {5: (1.0, 20, 1.0, 0.0), 10: (0.985, 17, 0.95, 0.002), 14: (0.793, 3, 0.69, 0.026)}


@pytest.mark.parametrize("rule", [perceptron_rule, delta_rule])
@pytest.mark.parametrize("wrong, right", [("max_iter", "epochs"), ("n_epochs", "epochs"), ("eta0", "learning_rate"),
                                          ("lr", "learning_rate"), ("learning_rte", "learning_rate"),
                                          ("seed", "random_state"), ("shufle", "shuffle")])
def test_rule_functions_suggest_the_meant_keyword(rule, wrong, right):
    # as the estimators' __init__ (Perceptron(max_iter=5) suggests max_epochs); was train_neuron()'s bare message
    X, t = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0.0, 0, 0, 1])
    with pytest.raises(TypeError, match=rf"^{rule.__name__}\(\) got an unexpected keyword argument "
                                        rf"'{wrong}'\. Did you mean '{right}'\?$"):
        rule(X, t, **{wrong: 1})


def test_rule_functions_list_their_keywords_for_an_unknown_one():
    X, t = np.array([[0.0, 0], [1, 1]]), np.array([0.0, 1])
    with pytest.raises(TypeError, match=r"^perceptron_rule\(\) got an unexpected keyword argument 'rule'\. Valid "
                                        r"parameters are: X, t, activation, learning_rate, epochs, mode, weights, "
                                        r"shuffle, random_state, record_steps, use_bias\.$"):
        perceptron_rule(X, t, rule="delta")  # (the function is the rule)
    # the keywords passed on still work
    history = perceptron_rule(X, t, epochs=3, shuffle=True, random_state=0, use_bias=True)
    assert history.final_weights.shape == (3,)


def _sequential(n_features):
    from glassnet.layers import Dense, Input
    from glassnet.models import Sequential

    model = Sequential([Input((n_features,)), Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def test_dataframe_nan_names_its_columns_and_rows():
    df = pd.DataFrame({"age": [1.0, 2, 3, 4, 5, 6], "height": [1.0, np.nan, 3, np.nan, 5, 6],
                       "n": [1, 2, 3, 4, 5, 6], "w": [np.nan, 1, 1, 1, 1, 1.0]})
    y = np.array([0, 1, 0, 1, 0, 1])
    # by hand (pandas): the columns holding NaN, the rows with one
    assert list(df.columns[df.isna().any()]) == ["height", "w"]
    assert np.flatnonzero(df.isna().any(axis=1)).tolist() == [0, 1, 3]
    model = _sequential(4)
    expected = ("x contains NaN values; remove or impute them first: columns 'height', 'w' (2 of 4), 3 rows "
                "(first: row 0), e.g. x.dropna() or x.fillna(...).")
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        model.fit(df, y, verbose=0)
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        model.predict(df, verbose=0)
    # a frame whose rows were dropped: row 2 (df.iloc[2]) is df.loc[3]
    with pytest.raises(ValueError, match=re.escape("first: column 'height', 1 row (first: row 2, index 3), e.g. x.")):
        model.fit(df.drop(columns="w").drop(index=1).assign(w=1.0), y[1:], verbose=0)
    with pytest.raises(ValueError, match=re.escape("3 rows (first: row 0, index 'a'), e.g. x.dropna()")):
        model.fit(df.set_axis(list("abcdef")), y, verbose=0)
    with pytest.raises(ValueError, match=re.escape("inf values; remove or impute them first: columns 'height', 'w' "
                                                   "(2 of 4), 3 rows (first: row 0).")):
        model.fit(df.replace(np.nan, np.inf), y, verbose=0)
    # an array has no columns to name: the message as before
    with pytest.raises(ValueError, match=r"^x contains NaN values; remove or impute them first\.$"):
        model.fit(df.to_numpy(), y, verbose=0)


def test_dataframe_nan_in_many_columns_names_the_first_five():
    df = pd.DataFrame(np.arange(80.0).reshape(10, 8), columns=[f"c{i}" for i in range(8)])
    df.iloc[3:5, 1:8] = np.nan
    with pytest.raises(ValueError, match=re.escape("columns 'c1', 'c2', 'c3', 'c4', 'c5', ... (7 of 8), 2 rows "
                                                   "(first: row 3)")):
        _sequential(8).fit(df, np.zeros(10, dtype=int), verbose=0)


def test_dataframe_nan_under_a_multiindex_shows_plain_labels():
    # pandas gives a MultiIndex's labels as tuples of NumPy scalars: ('x', np.int64(1)) was printed
    cols = pd.MultiIndex.from_tuples([("x", 1), ("y", 2), ("z", 3)])
    rows = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1), ("b", 2)])
    df = pd.DataFrame(np.ones((4, 3)), columns=cols, index=rows)
    df.iloc[2, 0] = df.iloc[3, 2] = np.nan
    assert repr(df.columns[0]) == "('x', np.int64(1))"  # (what pandas hands over)
    with pytest.raises(ValueError, match=re.escape("columns ('x', 1), ('z', 3) (2 of 3), 2 rows (first: row 2, index "
                                                   "('b', 1)), e.g. x.dropna()")):
        _sequential(3).fit(df, np.zeros(4, dtype=int), verbose=0)


class _PolarsLike:
    """What check_array sees of a polars DataFrame (polars 2.2: columns, dtypes and to_numpy, no pandas iloc)."""
    __module__ = "polars.dataframe.frame"

    def __init__(self, values):
        self.values, self.columns = np.asarray(values), [f"c{j}" for j in range(np.shape(values)[1])]
        self.dtypes = ["Float64"] * len(self.columns)  # (polars's dtypes have no NumPy kind)

    def __array__(self, dtype=None, copy=None):
        return self.values

    def to_numpy(self):
        return self.values


def test_a_polars_frame_is_refused_naming_to_numpy():
    # it failed with "AttributeError: 'DataFrame' object has no attribute 'iloc'" (as here with real polars 2.2)
    x, y = np.arange(8.0).reshape(4, 2), np.zeros(4, dtype=int)
    model = _sequential(2)
    for call in (lambda: model.fit(_PolarsLike(x), y, verbose=0), lambda: model.predict(_PolarsLike(x), verbose=0)):
        with pytest.raises(TypeError, match=r"^x is a polars _PolarsLike, which glassnet does not read: pass "
                                            r"x\.to_numpy\(\), or x\.to_pandas\(\) to keep its column names\.$"):
            call()
    model.fit(_PolarsLike(x).to_numpy(), y, verbose=0)  # what it says works
    model.fit(pd.DataFrame(x), y, verbose=0)  # (pandas's frames as before)


# Keras 3.15's names of the threshold arguments (inspect.signature of keras.metrics.<name>.__init__)
KERAS_THRESHOLD_ARGUMENTS = {
    "BinaryAccuracy": ["threshold"], "BinaryIoU": ["threshold"], "FBetaScore": ["threshold"], "F1Score": ["threshold"],
    "Precision": ["thresholds"], "Recall": ["thresholds"], "TruePositives": ["thresholds"],
    "FalsePositives": ["thresholds"], "TrueNegatives": ["thresholds"], "FalseNegatives": ["thresholds"],
    "AUC": ["num_thresholds", "thresholds"], "PrecisionAtRecall": ["num_thresholds"],
    "RecallAtPrecision": ["num_thresholds"], "SensitivityAtSpecificity": ["num_thresholds"],
    "SpecificityAtSensitivity": ["num_thresholds"],
}


@pytest.mark.parametrize("name, keras_names", sorted(KERAS_THRESHOLD_ARGUMENTS.items()))
def test_threshold_arguments_carry_keras_names(name, keras_names):
    import inspect

    params = inspect.signature(getattr(metrics, name)).parameters
    # Keras's names, positional where Keras's are; Precision and Recall also take `threshold`, glassnet's older name
    extra = ["threshold"] if name in ("Precision", "Recall") else []
    assert [p for p in params if "threshold" in p] == keras_names + extra


@pytest.mark.parametrize("cls", [metrics.TruePositives, metrics.FalsePositives, metrics.TrueNegatives,
                                 metrics.FalseNegatives])
def test_confusion_counts_suggest_thresholds_for_threshold(cls):
    # Precision(threshold=0.3) is taken (an alias); the four counts, as Keras's, take only `thresholds`: the error
    # named the private base class (_ConfusionCount.__init__()) and suggested nothing
    with pytest.raises(TypeError, match=rf"^{cls.__name__}\.__init__\(\) got an unexpected keyword argument "
                                        r"'threshold'\. Did you mean 'thresholds'\?$"):
        cls(threshold=0.3)


def test_recall_names_itself_for_an_unknown_keyword():
    with pytest.raises(TypeError, match=r"^Recall\.__init__\(\) got an unexpected keyword argument 'tresholds'\. "
                                        r"Did you mean 'thresholds'\?$"):
        metrics.Recall(tresholds=0.3)
    assert metrics.Recall(threshold=0.3).thresholds == 0.3  # the alias still works
