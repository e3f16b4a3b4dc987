"""pandas in the Keras-style API (session 58): weights as a DataFrame, bool class_weight keys,
columns named in their messages, column names kept from fit."""

import warnings

import numpy as np
import pytest

from glassnet import layers, models, optimizers

pd = pytest.importorskip("pandas")


def _model(units=1, activation="sigmoid", loss="binary_crossentropy"):
    m = models.Sequential([layers.Input((3,)), layers.Dense(units, activation=activation)])
    m.compile(optimizer=optimizers.SGD(0.0), loss=loss)
    return m


def _data(n=20):
    X = np.random.default_rng(0).normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(float)


def test_sample_weight_one_column_dataframe_is_a_column_of_weights():
    # raised pandas' InvalidIndexError at w[:, 0]; Keras takes it
    X, y = _data()
    w = np.linspace(0.5, 2.0, 20)
    m = _model()
    want = m.evaluate(X, y, sample_weight=w, verbose=0)
    assert m.evaluate(X, y, sample_weight=pd.DataFrame({"w": w}), verbose=0) == pytest.approx(want, rel=1e-6)
    assert m.evaluate(X, y, sample_weight=pd.Series(w, index=np.arange(20) + 100), verbose=0) == pytest.approx(
        want, rel=1e-6)
    m.fit(X, y, sample_weight=pd.DataFrame({"w": w}), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="sample_weight"):
        m.fit(X, y, sample_weight=pd.DataFrame({"a": w, "b": w}), epochs=1, verbose=0)


def test_class_weight_bool_keys_weigh_classes_0_and_1():
    # were refused ("keys must be integers"); Keras 3.15 (jax, float64) takes them as 0/1: on this data and
    # these weights its first-epoch loss is 0.8537832 for np.bool_, bool and int keys alike, as by hand
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X[:, 0] > 0.5
    W = [np.arange(1, 4)[:, None] * 0.1, np.array([0.05])]
    z = 1 / (1 + np.exp(-(X @ W[0][:, 0] + 0.05)))
    hand = np.mean(np.where(y, 3.125, 0.6) * -(y * np.log(z) + (1 - y) * np.log(1 - z)))
    assert hand == pytest.approx(0.8537832, abs=1e-7)
    for cw in ({np.False_: 0.6, np.True_: 3.125}, {False: 0.6, True: 3.125}, {0: 0.6, 1: 3.125}):
        m = _model()
        m.set_weights(W)
        h = m.fit(X, y, class_weight=cw, epochs=1, batch_size=40, shuffle=False, verbose=0)
        assert h.history["loss"][0] == pytest.approx(hand, rel=1e-5)


def test_class_weight_balanced_names_the_recipe():
    X, y = _data()
    with pytest.raises(TypeError, match=r"compute_class_weight\('balanced'"):
        _model().fit(X, y, class_weight="balanced", verbose=0)


@pytest.mark.parametrize("column, message", [
    (pd.array([1, None] + [2] * 18, dtype="Int64"), r"x contains missing values \(pd.NA\).*column 'c' \(Int64\), 1 row "
                                                    r"\(first: row 1\)"),
    (pd.array([1.0] * 3 + [None] * 2 + [2.0] * 15, dtype="Float64"), r"missing values \(pd.NA\).*'c' \(Float64\), 2 rows"),
    (pd.array([True, None] + [False] * 18, dtype="boolean"), r"missing values \(pd.NA\).*'c' \(boolean\)"),
])
def test_missing_values_of_nullable_columns_named(column, message):
    # said "TypeError: x must contain numbers. Received an array of dtype object holding NAType <NA>"
    X, y = _data()
    df = pd.DataFrame(X[:, :2], columns=["a", "b"]).assign(c=column)
    with pytest.raises(ValueError, match=message):
        _model().fit(df, y, verbose=0)


def test_numbers_stored_as_text_named():
    X, y = _data()
    df = pd.DataFrame(X[:, :2], columns=["a", "b"]).assign(c=pd.Series(["1.5", "2"] * 10, dtype=object))
    with pytest.raises(TypeError, match=r"x's column 'c' .*numbers stored as text.*pd.to_numeric\(x\['c'\]\)"):
        _model().fit(df, y, verbose=0)


@pytest.mark.parametrize("column, what", [
    (pd.date_range("2020", periods=20), "dates"),
    (pd.date_range("2020", periods=20, tz="UTC"), "dates"),
    (pd.to_timedelta(np.arange(20), unit="D"), "durations"),
])
def test_date_and_duration_columns_named(column, what):
    X, y = _data()
    df = pd.DataFrame(X[:, :2], columns=["a", "b"]).assign(c=column)
    with pytest.raises(ValueError, match=rf"x's column 'c' \(.*\) holds {what}, not numbers"):
        _model().fit(df, y, verbose=0)


def _dummies_model():
    train = pd.DataFrame({"x": [.1, .5, .9, .3] * 10, "city": list("abca") * 10})
    Xtr = pd.get_dummies(train, dtype=float)  # x, city_a, city_b, city_c
    m = models.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1, activation="sigmoid")])
    m.compile(loss="binary_crossentropy")
    m.fit(Xtr, np.array([0, 1, 1, 0] * 10), epochs=1, verbose=0)
    return m, Xtr


def test_columns_in_another_order_refused():
    m, Xtr = _dummies_model()
    message = r"x's columns are those the model was fitted on, in another order.*x\[\['x', 'city_a', 'city_b', 'city_c'\]\]"
    with pytest.raises(ValueError, match=message):
        m.predict(Xtr[Xtr.columns[::-1]], verbose=0)
    with pytest.raises(ValueError, match="another order"):
        m.evaluate(Xtr[Xtr.columns[::-1]], np.zeros(40), verbose=0)


def test_other_column_names_warned_of_and_arrays_pass_quietly():
    m, Xtr = _dummies_model()
    Xte = pd.get_dummies(pd.DataFrame({"x": [.1, .5, .9], "city": list("abd")}), dtype=float)
    with pytest.warns(UserWarning, match=r"unseen at fit: \['city_d'\]; missing: \['city_c'\]") as record:
        m.predict(Xte, verbose=0)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.predict(Xtr, verbose=0)
        m.predict(Xtr.to_numpy(), verbose=0)
        m(Xtr)
        m.predict(pd.DataFrame(Xtr.to_numpy()), verbose=0)  # a frame without names: as an array


def test_duplicate_column_names_are_not_checked_by_name():
    # (review) fit's frame had columns a, a, b: reordered, the advice x[['a', 'a', 'b']] selects 5 columns
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["a", "a", "b"])
    model = models.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(frame, np.zeros(4), verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(frame[["b", "a"]], verbose=0)
