"""Session 56 (hmist cases 04 and 65): two more students' mistakes, named with their fix.

04: sigmoid on k > 1 output units with a categorical cross-entropy trains (the loss divides each row
by its sum, as Keras's) but predict's rows are not the classes' probabilities: fit warns once.
65: one-hot targets of labels 1..k (to_categorical(y) with k + 1 columns for k units): the shape
error says that column 0 is all zeros and to pass to_categorical(y - 1).
"""

import warnings

import numpy as np
import pytest

import glassnet as g
from glassnet import layers, losses
from glassnet.preprocessing import to_categorical

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype("float32")
Y3 = ((X[:, 0] > 0).astype(int) + (X[:, 1] > 0)).astype("int64")  # 3 classes, 0..2


def compiled(units, activation, loss, last=None):
    stack = [g.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(units, activation=activation)]
    model = g.Sequential(stack + ([last] if last else []), seed=0)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def fit_warnings(model, y, epochs=3):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y, epochs=epochs, batch_size=16, verbose=0)
    return [w for w in caught if issubclass(w.category, UserWarning)]


SIGMOID_ROWS = "applies a sigmoid to each of its"


@pytest.mark.parametrize("loss, y", [
    ("sparse_categorical_crossentropy", Y3),
    ("categorical_crossentropy", to_categorical(Y3, 3)),
    (losses.CategoricalFocalCrossentropy(), to_categorical(Y3, 3)),
])
def test_sigmoid_on_several_units_with_a_categorical_loss_warns_once_in_fit(loss, y):
    caught = fit_warnings(compiled(3, "sigmoid", loss), y)
    ours = [w for w in caught if SIGMOID_ROWS in str(w.message)]
    assert len(ours) == 1, [str(w.message) for w in caught]
    text = str(ours[0].message)
    assert "3 units" in text and "does not sum to 1" in text
    assert "activation='softmax'" in text and "loss='binary_crossentropy'" in text
    assert ours[0].filename == __file__  # the user's line, not glassnet's


def test_sigmoid_as_its_own_activation_layer_warns_too():
    model = compiled(3, None, "sparse_categorical_crossentropy", last=layers.Activation("sigmoid"))
    assert any(SIGMOID_ROWS in str(w.message) for w in fit_warnings(model, Y3, epochs=1))


def test_what_the_warning_says_holds():
    """The loss reads each sigmoid row divided by its sum (hand-worked, as Keras's), while predict's
    rows do not sum to 1."""
    model = compiled(3, "sigmoid", "sparse_categorical_crossentropy")
    fit_warnings(model, Y3, epochs=1)
    P = model.predict(X, verbose=0).astype("float64")
    assert np.abs(P.sum(axis=1) - 1).max() > 0.1
    by_hand = -np.log(np.clip(P / P.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)[np.arange(len(X)), Y3]).mean()
    assert model.evaluate(X, Y3, verbose=0)[0] == pytest.approx(by_hand, rel=1e-5)


@pytest.mark.parametrize("units, activation, loss, y", [
    (3, "softmax", "sparse_categorical_crossentropy", Y3),
    (3, "softmax", "categorical_crossentropy", to_categorical(Y3, 3)),
    (3, "sigmoid", "binary_crossentropy", to_categorical(Y3, 3)),  # several labels per sample
    (1, "sigmoid", "binary_crossentropy", (Y3 > 0).astype("float32")),
    (3, None, losses.SparseCategoricalCrossentropy(from_logits=True), Y3),
])
def test_the_right_pairs_give_no_warning(units, activation, loss, y):
    assert [str(w.message) for w in fit_warnings(compiled(units, activation, loss), y, epochs=1)] == []


def test_labels_from_1_one_hot_name_the_shift():
    labels = Y3 + 1  # 1..3
    Y = to_categorical(labels)  # 4 columns, column 0 all zeros
    assert Y.shape == (64, 4) and not Y[:, 0].any()
    model = compiled(3, "softmax", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Received shape \(64, 4\)\. Column 0 is all zeros: the labels seem to "
                                         r"start at 1; pass to_categorical\(y - 1\)"):
        model.fit(X, Y, epochs=1, verbose=0)
    model.fit(X, to_categorical(labels - 1), epochs=1, verbose=0)  # the fix trains


def test_one_column_too_many_with_class_0_used_gives_no_shift_hint():
    Y = to_categorical(np.where(Y3 == 2, 3, Y3))  # classes 0, 1, 3: column 0 used, 4 columns
    model = compiled(3, "softmax", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Received shape \(64, 4\)\.$"):
        model.fit(X, Y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"Received shape \(64, 5\)\.$"):  # two too many: not this mistake
        model.fit(X, to_categorical(Y3 + 2), epochs=1, verbose=0)


def test_the_command_line_says_its_own_option_for_sigmoid_outputs_of_several_classes(tmp_path, monkeypatch, capsys):
    # the library's warning names activation='softmax', which the command line cannot take: it says its option
    from test_cli import call

    result = call("train", "digits", "--epochs", "1", "--output-activation", "sigmoid", "--out", tmp_path / "m.gn",
                  cwd=tmp_path, monkeypatch=monkeypatch, capsys=capsys)
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "warning" in line.lower() or "Warning" in line]
    assert len(said) == 1 and said[0].startswith("glassnet train: warning: --output-activation sigmoid gives each of "
                                                 "the 10 output units its own probability"), result.stderr
    assert "activation='softmax'" not in result.stderr and "Leave --output-activation out" in said[0]
