"""Session 56 (hmist F1-F9, F13): students' common Keras-style mistakes, named with their fix.

F1 softmax on one output unit; F2 a categorical loss on one unit, and the sparse labels' range hints;
F7 probabilities given to a from_logits loss; F3 an exact-equality accuracy on probabilities or real
targets; F4 the shapes around the batch axis; F13 predict given targets, fit/evaluate without them;
F5 validation_split leaving a class out of training; F6 uint8 pixels into Dense unscaled;
F8 text in a DataFrame column or class names as y; F9 ragged lists.
"""

import re
import warnings

import numpy as np
import pytest

import glassnet as g
from glassnet import layers, losses, metrics
from glassnet._validation import check_array

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype("float32")
Y3 = ((X[:, 0] > 0).astype(int) + (X[:, 1] > 0)).astype("int64")  # 3 classes
YB = (X[:, 0] > 0).astype("int64")
YR = (X @ np.array([1.0, 2, -1, 0.5]) + 3).astype("float32")  # real-valued


def mlp(units, activation, inputs=4):
    return g.Sequential([g.Input((inputs,)), layers.Dense(8, activation="relu"),
                         layers.Dense(units, activation=activation)], seed=0)


def compiled(units, activation, loss, **kw):
    model = mlp(units, activation)
    model.compile(optimizer="adam", loss=loss, **kw)
    return model


def user_warnings(call):
    """The UserWarnings that ``call()`` gives (each recorded), for the checks that none fires."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def warned_once(match, call):
    """``call()`` warns exactly once with a UserWarning matching ``match``, at this file's line (the
    user's fit call, as the neighbouring warnings of models/training.py); returns its message."""
    with pytest.warns(UserWarning, match=match) as caught:
        call()
    ours = [w for w in caught if re.search(match, str(w.message))]
    assert len(ours) == 1, [str(w.message) for w in ours]
    assert ours[0].filename == __file__
    return str(ours[0].message)


# ---- F1: softmax on one output unit -------------------------------------------------------------------

ONE_UNIT = r"softmax to 1 unit: its output is always 1\.0.*Dense\(1, activation='sigmoid'\).*Dense\(2, activation='softmax'\)"


@pytest.mark.parametrize("loss, y", [("binary_crossentropy", YB), ("mse", YB.astype("float32")),
                                     (losses.BinaryCrossentropy(from_logits=True), YB), ("hinge", YB)])
def test_softmax_on_one_unit_warns_once_per_fit_whatever_the_loss(loss, y):
    model = compiled(1, "softmax", loss)
    warned_once(ONE_UNIT, lambda: model.fit(X, y, epochs=3, verbose=0))
    # the claim, by hand: a softmax over one unit is e^z / e^z = 1 whatever z
    assert np.unique(model.predict(X)).tolist() == [1.0]


def test_softmax_on_one_unit_targets_out_of_range_are_not_told_to_rescale():
    # y of a regression on [-1.8, 9.7]: "rescale/encode the targets" trained on the constant 1.0 once followed
    refused = r"^y has values from .* but rescaling them would not help\. The output layer applies " + ONE_UNIT
    with pytest.raises(ValueError, match=refused) as info:
        compiled(1, "softmax", "mse").fit(X, YR, verbose=0)
    assert "rescale/encode" not in str(info.value)
    # another activation keeps its advice
    with pytest.raises(ValueError, match="rescale/encode the targets"):
        compiled(1, "sigmoid", "mse").fit(X, YR, verbose=0)


@pytest.mark.parametrize("units, activation, loss, y", [
    (1, "sigmoid", "binary_crossentropy", YB), (2, "softmax", "sparse_categorical_crossentropy", YB),
    (3, "softmax", "categorical_crossentropy", np.eye(3)[Y3]), (1, None, "mse", YR),
    (3, None, losses.SparseCategoricalCrossentropy(from_logits=True), Y3),
])
def test_the_right_output_layers_warn_of_nothing(units, activation, loss, y):
    metric = ["mae"] if loss == "mse" else ["accuracy"]
    model = compiled(units, activation, loss, metrics=metric)
    assert user_warnings(lambda: model.fit(X, y, epochs=2, verbose=0, validation_split=0.25)) == []


# ---- F2: a categorical loss on one output unit; the sparse labels' range ------------------------------

ONE_CLASS = (r"^Loss '{}' needs one output unit per class; this model has 1, for which the loss is always 0\. For two "
             r"classes use Dense\(1, activation='sigmoid'\) with loss='binary_crossentropy' \(y of 0/1\), or "
             r"Dense\(k, activation='softmax'\)")


@pytest.mark.parametrize("y", [YB.reshape(-1, 1).astype("float32"), YB, np.ones((64, 1))],
                         ids=["column", "flat", "all-ones"])
def test_categorical_crossentropy_on_one_unit_is_refused(y):
    # all ones trained silently at loss 0.0 before; 0/1 labels got "Row 1 sums to 0 ... multi-label"
    with pytest.raises(ValueError, match=ONE_CLASS.format("categorical_crossentropy")):
        compiled(1, "sigmoid", "categorical_crossentropy").fit(X, y, verbose=0)


@pytest.mark.parametrize("y", [YB, np.zeros(64, dtype=int)], ids=["0/1", "all-zeros"])
def test_sparse_categorical_crossentropy_on_one_unit_is_refused(y):
    with pytest.raises(ValueError, match=ONE_CLASS.format("sparse_categorical_crossentropy")):
        compiled(1, "sigmoid", "sparse_categorical_crossentropy").fit(X, y, verbose=0)


def test_a_direct_call_on_one_unit_stays_keras_s():
    # (Keras's loss function, called alone, computes it: −log(1 − 1e-7))
    assert losses.SparseCategoricalCrossentropy()(np.array([[0], [0]]), np.ones((2, 1))) == pytest.approx(1e-7)


@pytest.mark.parametrize("units, y, hint", [
    (3, Y3 + 1, r"Received values from 1 to 3: the labels seem to start at 1, pass y - 1\.$"),
    (10, RNG.integers(0, 10, 64) + 1, r"Received values from 1 to 10: the labels seem to start at 1, pass y - 1\.$"),
    (2, Y3, r"Received values from 0 to 2: 3 classes \(0 to 2\) need 3 output units, "
            r"Dense\(3, activation='softmax'\)\.$"),
    (3, Y3 * 3, r"Received values from 0 to 6\.$"),  # neither
])
def test_sparse_label_range_hints(units, y, hint):
    with pytest.raises(ValueError, match=r"integer class labels in \[0, \d\] .*" + hint):
        compiled(units, "softmax", "sparse_categorical_crossentropy").fit(X, y, verbose=0)


# ---- F7: probabilities into a from_logits loss ---------------------------------------------------------

@pytest.mark.parametrize("units, activation, loss, y, own", [
    (3, "softmax", losses.SparseCategoricalCrossentropy(from_logits=True), Y3, "a softmax"),
    (3, "softmax", losses.CategoricalCrossentropy(from_logits=True), np.eye(3)[Y3], "a softmax"),
    (1, "sigmoid", losses.BinaryCrossentropy(from_logits=True), YB, "a sigmoid"),
])
def test_a_from_logits_loss_on_probabilities_warns(units, activation, loss, y, own):
    model = compiled(units, activation, loss)
    warned_once(rf"from_logits=True, so it applies {own} to the outputs itself, but the output layer already applies "
                rf"'{activation}'.*no activation \(activation=None\).*or drop from_logits=True",
                lambda: model.fit(X, y, epochs=3, verbose=0))


# ---- F3: exact-equality accuracy ------------------------------------------------------------------------

@pytest.mark.parametrize("units, activation, loss, y, fits", [
    (3, "softmax", "sparse_categorical_crossentropy", Y3, "SparseCategoricalAccuracy"),
    (3, "softmax", "categorical_crossentropy", np.eye(3)[Y3], "CategoricalAccuracy"),
    (1, "sigmoid", "binary_crossentropy", YB, "BinaryAccuracy"),
])
def test_accuracy_class_on_probabilities_warns_naming_the_metric_that_fits(units, activation, loss, y, fits):
    model = compiled(units, activation, loss, metrics=[metrics.Accuracy()])
    warned_once(rf"Accuracy\(\), which counts outputs exactly equal.*reads 0\. Use metrics=\['accuracy'\].*{fits}\(\)",
                lambda: model.fit(X, y, epochs=3, verbose=0))
    assert model.history.history["accuracy"][-1] == 0.0  # what it said: probabilities never equal 0/1
    fixed = compiled(units, activation, loss, metrics=["accuracy"])
    assert user_warnings(lambda: fixed.fit(X, y, epochs=3, verbose=0)) == []
    assert fixed.history.history["accuracy"][-1] > 0


@pytest.mark.parametrize("metric", ["accuracy", metrics.Accuracy()])
def test_accuracy_on_real_valued_regression_targets_warns_once_per_fit(metric):
    model = compiled(1, None, "mse", metrics=[metric])
    warned_once(r"counts outputs exactly equal to the targets.*real-valued, so it reads about 0\. For a regression "
                r"use metrics=\['mae'\], 'root_mean_squared_error' or 'r2_score'",
                lambda: model.fit(X, YR, epochs=3, verbose=0))
    # integer targets (counts, rounded values) are not warned of, nor mae
    for metric_list, y in (([metric], np.round(YR)), (["mae"], YR)):
        model = compiled(1, None, "mse", metrics=metric_list)
        assert user_warnings(lambda: model.fit(X, y, epochs=2, verbose=0)) == []


# ---- F4: shapes around the batch axis -------------------------------------------------------------------

IMAGES = RNG.integers(0, 256, size=(8, 28, 28)).astype("float32")


def test_one_sample_without_its_batch_axis_is_named():
    model = g.Sequential([g.Input((28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    with pytest.raises(ValueError, match=r"^x: the model expected \(28, 28\), got 28: x has shape \(28, 28\), where the "
                                         r"model takes \(n, 28, 28\)\. If x is one sample, give it its batch axis: "
                                         r"x\[np\.newaxis\]\."):
        model.predict(IMAGES[0])
    assert model.predict(IMAGES[0][np.newaxis]).shape == (1, 10)  # the fix it names


def test_the_number_of_samples_in_the_input_shape_is_named():
    model = g.Sequential([g.Input(shape=(64, 4)), layers.Dense(8), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"If it holds 64 samples, the Input's shape is one sample's, without the number "
                                         r"of samples: Input\(shape=\(4,\)\)\.$"):
        model.fit(X, Y3, verbose=0)
    with pytest.raises(ValueError, match=r"x has shape \(10, 4\), where the model takes \(n, 64, 4\)\. If x holds 10 "
                                         r"samples, the Input's shape is one sample's"):
        model.predict(X[:10])


def test_images_into_a_model_of_rows_are_told_to_flatten():
    model = g.Sequential([g.Input((784,)), layers.Dense(10, activation="softmax")])
    with pytest.raises(ValueError, match=r"^x must be a 2-D array of shape \(n_samples, 784\).*\(8, 28, 28\): flatten "
                                         r"each sample, x\.reshape\(len\(x\), -1\), or begin the model with "
                                         r"layers\.Flatten\(\) after Input\(shape=\(28, 28\)\)\.$"):
        model.predict(IMAGES)
    assert model.predict(IMAGES.reshape(len(IMAGES), -1)).shape == (8, 10)
    with pytest.raises(ValueError, match=r"^x must be a 2-D array of shape \(n_samples, n_features\)"):  # no flatten fits
        model.predict(IMAGES[:, :27])


# ---- F13: targets given to predict, or missing ----------------------------------------------------------

def test_predict_given_targets_says_its_second_argument_is_batch_size():
    model = mlp(3, "softmax")
    with pytest.raises(TypeError, match=r"^predict takes no targets \(its second argument is batch_size\)"):
        model.predict(X, Y3)
    with pytest.raises(TypeError, match="predict takes no targets"):
        model.predict(X, list(Y3))
    assert model.predict(X, 16).shape == (64, 3)


def test_fit_and_evaluate_without_targets_name_them():
    model = compiled(3, "softmax", "sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match=r"Received: y=None\. evaluate\(\) needs the targets that loss "
                                        r"'sparse_categorical_crossentropy' compares the outputs with: evaluate\(x, y\)\.$"):
        model.evaluate(X)
    autoencoder = compiled(4, None, "mse")  # outputs of the inputs' shape
    with pytest.raises(TypeError, match=r"fit\(\) needs the targets .*: fit\(x, y\); an autoencoder's targets are its "
                                        r"inputs: fit\(x, x\)\.$"):
        autoencoder.fit(X, epochs=1, verbose=0)


# ---- F5: validation_split on data sorted by class --------------------------------------------------------

ORDER = np.argsort(Y3, kind="stable")


@pytest.mark.parametrize("units, activation, loss, y", [
    (3, "softmax", "sparse_categorical_crossentropy", Y3[ORDER]),
    (3, "softmax", "categorical_crossentropy", np.eye(3)[Y3[ORDER]]),
])
def test_validation_split_holding_an_unseen_class_warns(units, activation, loss, y):
    # the reference: the classes of each side of Keras's cut (the last 30 % of the rows, before shuffling)
    cut = int(np.floor(64 * 0.7))
    unseen = sorted(set(Y3[ORDER][cut:]) - set(Y3[ORDER][:cut]))
    assert unseen == [2]
    model = compiled(units, activation, loss)
    warned_once(r"validation_split takes the last 30% of the rows, before any shuffling \(as Keras\): they hold class 2, "
                r"which the training rows never show\. Shuffle x and y together first: p = .*permutation",
                lambda: model.fit(X[ORDER], y, epochs=2, verbose=0, validation_split=0.3))


def test_validation_split_of_binary_labels_warns_of_a_class_only_validated():
    rare = (np.arange(64) >= 54).astype(int)  # the positives last: the 20 validation rows hold all 10 of them
    model = compiled(1, "sigmoid", "binary_crossentropy")
    warned_once(r"they hold class 1, which", lambda: model.fit(X, rare, verbose=0, validation_split=0.3))
    # shuffled (or a regression), nothing is said
    shuffled = compiled(1, "sigmoid", "binary_crossentropy")
    p = np.random.default_rng(0).permutation(64)  # (the recipe it gives)
    assert user_warnings(lambda: shuffled.fit(X[p], rare[p], verbose=0, validation_split=0.3)) == []
    regression = compiled(1, None, "mse")
    assert user_warnings(lambda: regression.fit(X, rare * 1.5, verbose=0, validation_split=0.3)) == []


# ---- F6: uint8 pixels into Dense --------------------------------------------------------------------------

PIXELS = RNG.integers(0, 256, size=(32, 8, 8)).astype("uint8")
LABELS = RNG.integers(0, 3, size=32)


def pixel_model(*first):
    model = g.Sequential([g.Input((8, 8)), *first, layers.Flatten(), layers.Dense(4, activation="relu"),
                          layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_uint8_pixels_into_dense_warn_once_per_fit():
    model = pixel_model()
    warned_once(r"x holds uint8 values up to 255 and goes into Dense layer .* unscaled.*x / 255.*"
                r"layers\.Rescaling\(1 / 255\)", lambda: model.fit(PIXELS, LABELS, epochs=3, verbose=0))


@pytest.mark.parametrize("x, first", [
    (PIXELS.astype("float32"), ()),  # float x: the user chose its scale
    (PIXELS, (layers.Rescaling(1 / 255),)),
    ((PIXELS > 127).astype("uint8"), ()),  # 0/1
])
def test_scaled_or_float_inputs_are_not_warned_of(x, first):
    model = pixel_model(*first)
    assert user_warnings(lambda: model.fit(x, LABELS, verbose=0)) == []


def test_uint8_token_ids_into_an_embedding_are_not_warned_of():
    ids = RNG.integers(0, 200, size=(32, 5)).astype("uint8")
    model = g.Sequential([g.Input((5,)), layers.Embedding(256, 4), layers.GlobalAveragePooling1D(),
                          layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert user_warnings(lambda: model.fit(ids, LABELS, verbose=0)) == []


# ---- F8: text where numbers are needed; F9: ragged lists ---------------------------------------------

def test_a_dataframe_text_column_is_named_with_the_fix():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X, columns=list("abcd"))
    df["city"] = ["Paris", "Rome"] * 32
    with pytest.raises(ValueError, match=r"^x's column 'city' \(.*\) is not numeric: it holds 'Paris'\. One-hot encode "
                                         r"it, x = pd\.get_dummies\(x, columns=\['city'\]\), or drop it, "
                                         r"x\.drop\(columns=\['city'\]\)\.$"):
        mlp(3, "softmax", inputs=5).predict(df)
    with pytest.raises(ValueError, match=r"^validation_data\[0\]'s column 'city'.*pd\.get_dummies\(x, "):
        compiled(3, "softmax", "sparse_categorical_crossentropy").fit(
            X, Y3, verbose=0, validation_data=(df.drop(columns=["a"]), Y3))
    assert mlp(3, "softmax").predict(df.drop(columns=["city"])).shape == (64, 3)
    # numbers stored as text still convert as scikit-learn's check_array converts them
    text = pd.DataFrame({"a": ["1.5", "2"], "b": [1, 2]})
    np.testing.assert_array_equal(check_array(text, objects="sklearn"), [[1.5, 1.0], [2.0, 2.0]])


@pytest.mark.parametrize("as_series", [False, True])
def test_class_names_as_y_are_told_to_encode(as_series):
    names = np.array(["cat", "dog", "eel"])[Y3]
    if as_series:
        names = pytest.importorskip("pandas").Series(names)
    with pytest.raises(TypeError, match=r"^y must contain numbers.*y holds class names: encode them as integers, "
                                        r"classes, y = np\.unique\(y, return_inverse=True\).*glassnet\.sklearn\."
                                        r"MLPClassifier takes the names"):
        compiled(3, "softmax", "sparse_categorical_crossentropy").fit(X, names, verbose=0)
    classes, y = np.unique(names, return_inverse=True)  # the recipe works
    assert classes.tolist() == ["cat", "dog", "eel"] and np.array_equal(y, Y3)


def test_ragged_rows_are_named():
    rows = [[1, 2, 3, 4]] * 30 + [[1, 2, 3]] * 34
    with pytest.raises(ValueError, match=r"^x could not be converted to an array: its rows differ in length \(row 0 has "
                                         r"4 values, row 30 has 3\); give every row the same length, e\.g\. pad the "
                                         r"sequences: glassnet\.utils\.pad_sequences\(x\)\.$"):
        compiled(3, "softmax", "sparse_categorical_crossentropy").fit(rows, Y3, verbose=0)
    with pytest.raises(ValueError, match=r"row 0 has 1 value, row 1 has 2\); give every row the same length\.$"):
        check_array([[0.5], [0.5, 1.0]])
