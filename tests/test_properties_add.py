"""Property-based test (hypothesis) of ``Sequential.add``'s deferred binding: a model built by
``add`` binds its layers into its flat vectors when next used, not at each add. Over random
sequences of adds and uses (predict, get_weights, set_weights, a kernel held, fit, save, summary),
it behaves as its twin bound at each add, as every add used to do; with no use among the adds, it
has the weights of the model built at once from the same layers and seed."""

import io
import os
import tempfile
from contextlib import redirect_stdout

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from glassnet.layers import Dense, Input
from glassnet.models import Sequential, load_model

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
pytestmark = pytest.mark.filterwarnings("ignore:.*glassnet.s own format:UserWarning")
X = np.linspace(-1, 1, 12).reshape(4, 3)
Y = np.linspace(0, 1, 8).reshape(4, 2)
operation = st.one_of(
    st.tuples(st.just("add"), st.integers(1, 3), st.sampled_from(["linear", "tanh", "relu"])),
    st.tuples(st.sampled_from(["predict", "get_weights", "set_weights", "kernel", "fit", "save", "summary",
                               "count_params", "pop"])),
)


def _run(model, op, eager, held):
    """Apply ``op`` to ``model``; ``eager``: bind right after an add, as add used to. Returns what it shows."""
    kind, *args = op
    if kind == "add":
        model.add(Dense(args[0], activation=args[1]))
        if eager:
            model._bind_pending()
        return None
    if kind == "pop":
        if len(model.layers) > 1:
            model.pop()
            if eager:
                model._bind_pending()
        return None
    if kind == "predict":
        return model.predict(X)
    if kind == "get_weights":
        return model.get_weights()
    if kind == "set_weights":
        model.set_weights([w * 0.5 for w in model.get_weights()])
        return None
    if kind == "kernel":
        held.append(model.layers[-1].kernel)  # compared after the next uses: still the array the model trains
        return None
    if kind == "fit":
        model.add(Dense(2)) if model.layers[-1].units != 2 else None
        if eager:
            model._bind_pending()
        model.compile(optimizer="sgd", loss="mse")
        return model.fit(X, Y, epochs=1, batch_size=2, verbose=0, shuffle=False).history["loss"]
    if kind == "save":
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model.save(path)
            return load_model(path).predict(X)
    if kind == "count_params":
        return model.count_params()
    out = io.StringIO()
    with redirect_stdout(out):
        model.summary()
    return out.getvalue().split("\n", 1)[1]  # (after the model's name, which differs)


@FAST
@given(st.lists(operation, min_size=1, max_size=12), st.integers(0, 2**16))
@example([("add", 2, "tanh"), ("kernel",), ("fit",)], 0)  # (a kernel held before the binding)
@example([("add", 3, "relu"), ("pop",), ("set_weights",), ("add", 2, "linear"), ("summary",)], 1)
def test_adds_bound_when_used_behave_as_adds_bound_at_once(ops, seed):
    deferred, eager = Sequential([Input((3,)), Dense(2)], seed=seed), Sequential([Input((3,)), Dense(2)], seed=seed)
    held_deferred, held_eager = [], []
    for op in ops:
        a = _run(deferred, op, False, held_deferred)
        b = _run(eager, op, True, held_eager)
        if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            for u, v in zip(a, b, strict=True):
                np.testing.assert_array_equal(u, v)
        elif isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b
        for u, v in zip(held_deferred, held_eager, strict=True):
            np.testing.assert_array_equal(u, v)
    for a, b in zip(deferred.get_weights(), eager.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # every array held is still the model's own, live, as after a binding at each add
    for layer in deferred.layers:
        for w in layer.weights:
            assert np.shares_memory(w, deferred._flat_params)


@FAST
@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(["linear", "tanh"])), min_size=1, max_size=8),
       st.integers(0, 2**16))
def test_adds_then_a_use_give_the_model_built_at_once(specs, seed):
    at_once = Sequential([Input((3,)), *[Dense(u, activation=a) for u, a in specs]], seed=seed)
    added = Sequential([Input((3,))], seed=seed)
    for units, activation in specs:
        added.add(Dense(units, activation=activation))
    np.testing.assert_array_equal(added.predict(X), at_once.predict(X))
    for a, b in zip(added.get_weights(), at_once.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
