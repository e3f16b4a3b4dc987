"""Property-based test (hypothesis) of ``Sequential.add``'s binding: an add binds the new layer into
the room the flat vectors keep past their end, and binds every layer again only when the room runs
out. Over random sequences of adds, pops and uses (predict, get_weights, set_weights, a kernel held,
fit, save, summary), a model behaves as its twin rebound wholly at each add and pop, as add used to do,
and every array held since the last rebinding is still the one the model trains; built by adds, a
model has the weights of the model built at once from the same layers and seed, and trains as it."""

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


def _rebind_all(model):
    """Bind every layer into new flat vectors, as each add and pop did before add bound in spare room."""
    model._layout = None  # (else the binding takes the layers back into the same arrays)
    model._bind_flat_buffers()


def _run(model, op, twin, held):
    """Apply ``op`` to ``model``; ``twin``: rebind all after an add or a pop. Returns what it shows."""
    kind, *args = op
    if kind in ("add", "pop", "fit"):
        if kind == "add":
            model.add(Dense(args[0], activation=args[1]))
        elif kind == "pop" and len(model.layers) > 1:
            model.pop()
        elif kind == "fit" and model.layers[-1].units != 2:
            model.add(Dense(2))
        if twin:
            _rebind_all(model)
        if kind != "fit":
            return None
        model.compile(optimizer="sgd", loss="mse")
        return model.fit(X, Y, epochs=1, batch_size=2, verbose=0, shuffle=False).history["loss"]
    if kind == "predict":
        return model.predict(X)
    if kind == "get_weights":
        return model.get_weights()
    if kind == "set_weights":
        model.set_weights([w * 0.5 for w in model.get_weights()])
        return None
    if kind == "kernel":
        # (the layer, the array, and the buffers it is a view of: live until the model outgrows them)
        held.append((model.layers[-1], model.layers[-1].kernel, model._flat_buffers[0]))
        return None
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
@example([("add", 2, "tanh"), ("kernel",), ("fit",)], 0)  # (a kernel held across an add, then trained)
@example([("add", 3, "relu"), ("pop",), ("set_weights",), ("add", 2, "linear"), ("summary",)], 1)
@example([("add", 3, "relu"), ("add", 1, "relu"), ("kernel",), ("pop",), ("add", 3, "tanh"), ("fit",)], 2)
def test_adds_into_spare_room_behave_as_adds_rebinding_every_layer(ops, seed):
    model, twin = Sequential([Input((3,)), Dense(2)], seed=seed), Sequential([Input((3,)), Dense(2)], seed=seed)
    held, held_twin = [], []
    for op in ops:
        a = _run(model, op, False, held)
        b = _run(twin, op, True, held_twin)
        if isinstance(a, list) and a and isinstance(a[0], np.ndarray):
            for u, v in zip(a, b, strict=True):
                np.testing.assert_array_equal(u, v)
        elif isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b
        # an array held is the one its layer trains, unless the model outgrew its buffers since
        for layer, kernel, buffer in held:
            if layer in model.layers and buffer is model._flat_buffers[0]:
                assert kernel is layer.kernel and np.shares_memory(kernel, model._flat_params)
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for layer in model.layers:  # every layer's weights are views of the flat vectors, which hold nothing else
        for w in layer.weights:
            assert np.shares_memory(w, model._flat_params)
    assert model._flat_params.shape[0] == model.count_params()


@FAST
@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from(["linear", "tanh"])), min_size=1, max_size=8),
       st.integers(0, 2**16))
def test_adds_give_the_model_built_at_once(specs, seed):
    at_once = Sequential([Input((3,)), *[Dense(u, activation=a) for u, a in specs]], seed=seed)
    added = Sequential([Input((3,))], seed=seed)
    for units, activation in specs:
        added.add(Dense(units, activation=activation))
    for a, b in zip(added.get_weights(), at_once.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    targets = np.linspace(0, 1, 4 * specs[-1][0]).reshape(4, -1)
    for model in (added, at_once):
        model.compile(optimizer="adam", loss="mse")
        model.fit(X, targets, epochs=2, batch_size=2, verbose=0, shuffle=False)
    assert added._flat_params.shape[0] == at_once._flat_params.shape[0] == at_once.count_params()
    for a, b in zip(added.optimizer.state.values(), at_once.optimizer.state.values(), strict=True):
        np.testing.assert_array_equal(a, b)  # (Adam's moments: sized by the parameters, not the room)
    np.testing.assert_array_equal(added.predict(X), at_once.predict(X))
