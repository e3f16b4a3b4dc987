"""fit's warning on outputs that are not what a cross-entropy expects: hard_sigmoid, sparse_sigmoid and
sparsemax give probabilities (it said they gave none); what they do to the loss is said instead."""

import warnings

import numpy as np
import pytest

from glassnet.layers import Dense, Input
from glassnet.models import Sequential


def _fit_warnings(activation, loss, units):
    rng = np.random.default_rng(0)
    X = rng.random((16, 3), dtype=np.float32)
    Y = np.eye(units)[rng.integers(0, units, 16)] if units > 1 else rng.integers(0, 2, (16, 1))
    model = Sequential([Input((3,)), Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, Y, epochs=1, verbose=0)
    return [str(w.message) for w in caught if "output layer's activation" in str(w.message)]


@pytest.mark.parametrize("activation", ["hard_sigmoid", "sparse_sigmoid"])
def test_bounded_sigmoids_under_binary_crossentropy_are_called_probabilities_that_reach_0_and_1(activation):
    [message] = _fit_warnings(activation, "binary_crossentropy", 1)
    assert "expects probabilities" not in message
    assert f"'{activation}' gives probabilities that reach exactly 0 and 1" in message
    assert "activation='sigmoid'" in message and "from_logits=True" in message


def test_sparsemax_under_categorical_crossentropy_is_called_probabilities_with_exact_zeros():
    [message] = _fit_warnings("sparsemax", "categorical_crossentropy", 4)
    assert "'sparsemax' gives probabilities that reach exact zeros" in message
    assert "activation='softmax'" in message


@pytest.mark.parametrize("activation, loss, units", [("relu", "categorical_crossentropy", 4),
                                                     ("hard_sigmoid", "categorical_crossentropy", 4),
                                                     ("linear", "binary_crossentropy", 1)])
def test_outputs_that_are_no_probabilities_still_get_the_expects_probabilities_warning(activation, loss, units):
    # hard_sigmoid's units do not sum to 1: no distribution for the categorical cross-entropy
    [message] = _fit_warnings(activation, loss, units)
    assert f"activation is '{activation}', but loss '{loss}' expects probabilities" in message
