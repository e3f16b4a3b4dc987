"""``optimizer.exclude_from_weight_decay(var_list, var_names)``, Keras's: the decoupled weight decay
``w ← w − η λ w`` leaves the variables of ``var_list`` and those whose name a pattern of ``var_names``
finds alone. Checked against Keras 3 in float64 and against the rule worked by hand."""

import copy
import pickle
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers

RNG = np.random.default_rng(7)
X = RNG.normal(size=(48, 5))
Y = RNG.integers(0, 3, 48)


def _models(keras):
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="tanh"),
                               keras.layers.BatchNormalization(), keras.layers.Dense(3, activation="softmax")])
    ours = glassnet.Sequential([layers.Input((5,)), layers.Dense(4, activation="tanh"), layers.BatchNormalization(),
                                layers.Dense(3, activation="softmax")], dtype="float64")
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def _fit_both(keras, make, exclude, frozen=None):
    """Each library's weights after 2 epochs of 16-row batches from the same start, with the optimizer
    ``make(module)`` and ``exclude(optimizer, model)`` naming the variables (``model``: that library's)."""
    results = []
    for model, module in zip(_models(keras), (keras.optimizers, optimizers), strict=True):
        if frozen is not None:
            model.layers[frozen].trainable = False
        optimizer = make(module)
        exclude(optimizer, model)
        model.compile(optimizer, "sparse_categorical_crossentropy")
        model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    return results


def _assert_same(theirs, ours):
    for want, got in zip(theirs, ours, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


NAMES = [["bias"], ["gamma", "beta"], ["ker"], ["^b"]]


@pytest.mark.parametrize("names", NAMES, ids=["|".join(n) for n in NAMES])
def test_var_names_leave_the_named_variables_undecayed_as_keras(keras64, names):
    theirs, ours = _fit_both(keras64, lambda m: m.AdamW(0.05, weight_decay=0.5),
                             lambda optimizer, model: optimizer.exclude_from_weight_decay(var_names=names))
    _assert_same(theirs, ours)
    plain, _ = _fit_both(keras64, lambda m: m.AdamW(0.05, weight_decay=0.5), lambda optimizer, model: None)
    assert max(np.abs(a - b).max() for a, b in zip(plain, ours)) > 1e-3  # (the exclusion changed the steps)


def test_var_list_leaves_those_variables_undecayed_as_keras(keras64):
    def exclude(optimizer, model):
        # Keras's variables, or glassnet's arrays: layer.kernel, and model.trainable_weights[i]
        variables = [model.layers[0].kernel, model.trainable_weights[-1]]
        optimizer.exclude_from_weight_decay(var_list=variables, var_names=["gamma"])

    _assert_same(*_fit_both(keras64, lambda m: m.SGD(0.1, momentum=0.9, weight_decay=0.3), exclude))


def test_a_frozen_layer_and_muon_follow_the_exclusion_as_keras(keras64):
    exclude = lambda optimizer, model: optimizer.exclude_from_weight_decay(var_names=["bias"])  # noqa: E731
    for frozen in (0, 1):  # the trained weights one run of the flat vector (stepped alone), or two
        _assert_same(*_fit_both(keras64, lambda m: m.Lion(0.01, weight_decay=0.4), exclude, frozen=frozen))
    _assert_same(*_fit_both(keras64, lambda m: m.Muon(0.02, weight_decay=0.4, adam_weight_decay=0.3), exclude))


def test_a_custom_loop_of_plain_arrays_excludes_by_identity():
    # w ← w − η λ w, then SGD's w ← w − η g: the excluded array takes the gradient step alone
    w1, w2 = np.ones(3), np.full((2, 2), 2.0)
    optimizer = optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[w2])
    g1, g2 = np.full(3, 0.2), np.full((2, 2), -1.0)
    optimizer.apply_gradients([(g1, w1), (g2, w2)])
    np.testing.assert_allclose(w1, 1.0 * (1 - 0.1 * 0.5) - 0.1 * 0.2)
    np.testing.assert_allclose(w2, 2.0 + 0.1)


def test_the_wrappers_pass_the_call_to_their_optimizers(keras64):
    exclude = lambda optimizer, model: optimizer.exclude_from_weight_decay(var_names=["bias"])  # noqa: E731
    _assert_same(*_fit_both(keras64, lambda m: m.AdamW(0.05, weight_decay=0.5) if m is keras64.optimizers else
                            optimizers.LossScaleOptimizer(m.AdamW(0.05, weight_decay=0.5), initial_scale=1.0), exclude))
    inner = [optimizers.AdamW(0.05, weight_decay=0.5), optimizers.SGD(0.1, weight_decay=0.5)]
    multi = optimizers.MultiOptimizer(optimizers.OptimizerMap(inner[0], {"dense_1": inner[1]}))
    multi.exclude_from_weight_decay(var_names=["bias"])
    assert all(opt._exclusions.names == ["bias"] for opt in inner)
    chosen = optimizers.MultiOptimizer(lambda variable: inner[0])
    with pytest.raises(ValueError, match="call exclude_from_weight_decay on each of them"):
        chosen.exclude_from_weight_decay(var_names=["bias"])


def test_a_copy_and_a_pickle_keep_the_exclusion_and_not_in_the_config():
    model = glassnet.Sequential([layers.Input((5,)), layers.Dense(3, activation="softmax")])
    optimizer = optimizers.AdamW(0.05, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_list=[model.layers[0].bias])
    model.compile(optimizer, "sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=1, verbose=0)
    twins = [copy.deepcopy(model), pickle.loads(pickle.dumps(model))]
    for m in (model, *twins):
        m.fit(X, Y, epochs=1, verbose=0, shuffle=False)
    for twin in twins:
        for got, want in zip(twin.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(got, want)
    assert "exclude" not in str(optimizer.get_config())  # as Keras: Keras's from_config would refuse the key


def test_bad_calls_are_refused_by_name():
    optimizer = optimizers.AdamW()
    with pytest.raises(TypeError, match="var_names must be a list of str"):
        optimizer.exclude_from_weight_decay(var_names="bias")  # (Keras excluded every name with b, i, a or s)
    with pytest.raises(TypeError, match="var_names must be a list of str"):
        optimizer.exclude_from_weight_decay(var_names=[3])
    with pytest.raises(ValueError, match=r"var_names must hold regular expressions: '\(bias' is not one"):
        optimizer.exclude_from_weight_decay(var_names=["(bias"])
    with pytest.raises(TypeError, match=r"var_list\[0\] must be an array"):
        optimizer.exclude_from_weight_decay(var_list=["bias"])
    with pytest.raises(TypeError, match="var_list must be a list of arrays"):
        optimizer.exclude_from_weight_decay(var_list=np.zeros(3))
    model = glassnet.Sequential([layers.Input((5,)), layers.Dense(3)])
    model.compile(optimizer, "mse")
    model.fit(X, np.zeros((48, 3)), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="only be configured before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])


def test_a_name_that_matches_no_variable_is_warned_about():
    model = glassnet.Sequential([layers.Input((5,)), layers.Dense(3)])
    optimizer = optimizers.AdamW()
    optimizer.exclude_from_weight_decay(var_names=["biases", "kernel"])
    model.compile(optimizer, "mse")
    with pytest.warns(UserWarning, match=r"var_names \['biases'\] match no variable this optimizer steps: .*'kernel', "
                                         r"'bias'"):
        model.fit(X, np.zeros((48, 3)), epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer = optimizers.AdamW()
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        model.compile(optimizer, "mse")
        model.fit(X, np.zeros((48, 3)), epochs=1, verbose=0)
