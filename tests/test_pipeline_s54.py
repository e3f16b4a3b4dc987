"""Session 54 data-pipeline fixes (hunt hpipe, findings 1-3), each against Keras 3.15's behaviour:

1. a generator that runs out inside the last (or only) epoch warns, once, at the caller's line;
2. a validation generator with ``validation_steps`` is validated on the same batches every time
   (its first ``validation_steps``, kept), as Keras's documentation promises;
3. ``evaluate``/``predict(steps=k)`` and ``fit(validation_steps=k)`` on arrays read the first k
   batches, as Keras 3 (the reference here: the same call on the explicit slice of rows).

The figures were also compared with Keras 3.15 (JAX) on a model with copied weights: equal to
float32 precision (report /tmp/s54/reports/fixpipe.md); these tests do not need Keras.
"""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from glassnet.callbacks import Callback
from glassnet.layers import Dense, Input
from glassnet.models import Sequential
from glassnet.utils import PyDataset

RNG = np.random.default_rng(54)
X = RNG.normal(size=(200, 5)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)


def model(seed=0):
    m = Sequential([Input((5,)), Dense(8, activation="tanh"), Dense(1, activation="sigmoid")], seed=seed)
    m.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    return m


def batches(size=32, repeat=False, pulled=None):
    """The arrays' batches of ``size`` rows in order (7 of 32), again and again with ``repeat``;
    ``pulled`` records the index of each batch given."""
    index = 0
    while True:
        for start in range(0, len(X), size):
            if pulled is not None:
                pulled.append(index)
            index += 1
            yield X[start:start + size], Y[start:start + size]
        if not repeat:
            return


def out_of_data(caught):
    return [w for w in caught if "ran out of data" in str(w.message)]


# -- 1. a generator spent inside the last epoch -------------------------------------------------------------

@pytest.mark.parametrize("steps_per_epoch, epochs, message", [
    (5, 2, "interrupting training in epoch 2, after 2 of steps_per_epoch=5 batches. x must give steps_per_epoch "
           "× epochs = 5 × 2 = 10 batches, and a generator is read once"),
    (10, 1, "interrupting training in epoch 1, after 7 of steps_per_epoch=10 batches"),
    (5, 3, "interrupting training at epoch 3"),  # (spent before the last epoch: said once, by the next epoch)
])
def test_a_generator_spent_inside_the_last_epoch_warns_once_at_the_callers_line(steps_per_epoch, epochs, message):
    m = model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = m.fit(batches(), steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=0)
    warned = out_of_data(caught)
    assert len(warned) == 1 and message in str(warned[0].message)
    assert warned[0].filename == __file__  # at the user's call, as glassnet's other fit warnings
    assert m.optimizer.iterations == 7  # every batch trained on, as Keras
    assert len(history.history["loss"]) == (1 if steps_per_epoch == 10 else 2)


def test_a_generator_that_lasts_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model().fit(batches(), steps_per_epoch=7, epochs=1, verbose=0)
        model().fit(batches(repeat=True), steps_per_epoch=5, epochs=3, verbose=0)


# -- 2. a validation generator with validation_steps ----------------------------------------------------------

def test_a_validation_generator_is_validated_on_its_first_batches_every_time():
    m, pulled = model(), []
    history = m.fit(batches(repeat=True), steps_per_epoch=3, epochs=3, verbose=0,
                    validation_data=batches(repeat=True, pulled=pulled), validation_steps=2)
    assert pulled == [0, 1]  # read once: the first validation's batches, kept (Keras read batches 0, 1 too)
    assert len(history.history["val_loss"]) == 3
    # the last validation's figures are those of the first two batches (64 rows) after the training
    loss, accuracy = m.evaluate(X[:64], Y[:64])
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)
    # the first one's too, after one epoch
    reference = model()
    reference.fit(batches(repeat=True), steps_per_epoch=3, epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(reference.evaluate(X[:64], Y[:64])[0], rel=1e-6)


def test_kept_validation_batches_are_copies_of_a_refilled_buffer_and_a_short_first_validation_warns_once():
    def refilled():  # one buffer, refilled for each batch (as a loader reusing its memory may do)
        xb, yb = np.empty((32, 5), np.float32), np.empty(32, np.float32)
        for start in range(0, len(X), 32):
            n = min(32, len(X) - start)
            xb[:n], yb[:n] = X[start:start + n], Y[start:start + n]
            yield xb[:n], yb[:n]
            xb[:] = np.nan  # what a later batch leaves in the buffer: never validated on

    m = model()
    history = m.fit(X, Y, epochs=3, verbose=0, validation_data=refilled(), validation_steps=2)
    assert np.isfinite(history.history["val_loss"]).all()
    assert history.history["val_loss"][-1] == pytest.approx(m.evaluate(X[:64], Y[:64])[0], rel=1e-6)

    m = model()
    with pytest.warns(UserWarning) as caught:  # a generator of one batch: kept, and validated on each time
        history = m.fit(X, Y, epochs=3, verbose=0, validation_data=iter([(X[:10], Y[:10])]), validation_steps=2)
    assert [str(w.message) for w in out_of_data(caught)] == [
        "Your input ran out of data: validation_data gave 1 of validation_steps=2 batches."]
    assert len(history.history["val_loss"]) == 3 and m.stop_reason is None
    assert history.history["val_loss"][-1] == pytest.approx(m.evaluate(X[:10], Y[:10])[0], rel=1e-6)


def test_a_validation_pydataset_is_still_read_anew_each_time():
    class Batches(PyDataset):
        asked = []

        def __len__(self):
            return 7

        def __getitem__(self, i):
            self.asked.append(i)
            return X[32 * i:32 * (i + 1)], Y[32 * i:32 * (i + 1)]

    data = Batches()
    model().fit(X, Y, epochs=3, verbose=0, validation_data=data, validation_steps=2)
    assert data.asked == [0, 1] * 3


# -- 3. steps and validation_steps with arrays ---------------------------------------------------------------

def test_evaluate_and_predict_with_steps_read_the_first_batches_of_arrays_as_keras():
    m = model()
    m.fit(X, Y, epochs=2, verbose=0)
    np.testing.assert_allclose(m.evaluate(X, Y, batch_size=32, steps=3), m.evaluate(X[:96], Y[:96]), rtol=1e-6)
    np.testing.assert_allclose(m.evaluate(X, Y, batch_size=50, steps=3), m.evaluate(X[:150], Y[:150]), rtol=1e-6)
    W = RNG.uniform(0.5, 2, size=200).astype(np.float32)
    np.testing.assert_allclose(m.evaluate(X, Y, sample_weight=W, batch_size=32, steps=2),
                               m.evaluate(X[:64], Y[:64], sample_weight=W[:64]), rtol=1e-6)
    np.testing.assert_allclose(m.evaluate(sp.csr_matrix(X), Y, batch_size=32, steps=2), m.evaluate(X[:64], Y[:64]),
                               rtol=1e-6)
    np.testing.assert_array_equal(m.predict(X, batch_size=32, steps=2), m.predict(X[:64]))
    assert m.predict(sp.csr_matrix(X), batch_size=16, steps=3).shape == (48, 1)
    # batch_size=None: Keras makes its steps batches of all the rows (ceil(200 / 3) = 67)
    np.testing.assert_allclose(m.evaluate(X, Y, steps=3), m.evaluate(X, Y), rtol=1e-6)
    np.testing.assert_array_equal(m.predict(X, steps=2), m.predict(X))

    class Batches(Callback):
        seen = []

        def on_test_batch_end(self, batch, logs=None):
            self.seen.append(batch)

        def set_params(self, params):
            self.params = params

    counter = Batches()
    m.evaluate(X, Y, batch_size=32, steps=3, callbacks=[counter])
    assert counter.seen == [0, 1, 2] and counter.params["steps"] == 3


def test_more_steps_than_the_arrays_hold_read_them_all_with_keras_warning():
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)
    with pytest.warns(UserWarning, match=r"Your input ran out of data: x gave 7 of steps=10 batches \(of 32 rows\)\.") \
            as caught:
        scores = m.evaluate(X, Y, batch_size=32, steps=10)
    assert caught[0].filename == __file__
    np.testing.assert_allclose(scores, m.evaluate(X, Y), rtol=1e-6)
    with pytest.warns(UserWarning, match="x gave 4 of steps=5 batches") as caught:
        out = m.predict(X, batch_size=64, steps=5)
    assert caught[0].filename == __file__
    np.testing.assert_array_equal(out, m.predict(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 7 batches, the last one short: all of them, as asked
        np.testing.assert_allclose(m.evaluate(X, Y, batch_size=32, steps=7), m.evaluate(X, Y), rtol=1e-6)


@pytest.mark.parametrize("kwargs, rows", [
    ({"batch_size": 16}, 48),  # 3 batches of fit's batch_size
    ({"batch_size": 16, "validation_batch_size": 10}, 30),  # of validation_batch_size
    ({}, 100),  # neither given: Keras's 3 batches of all the rows (of 34), as evaluate's steps (session 57)
])
def test_validation_steps_with_validation_arrays_validates_on_their_first_batches(kwargs, rows):
    Xt, Yt, Xv, Yv = X[:100], Y[:100], X[100:], Y[100:]
    m = model()
    history = m.fit(Xt, Yt, epochs=2, shuffle=False, verbose=0, validation_data=(Xv, Yv), validation_steps=3,
                    **kwargs)
    loss, accuracy = m.evaluate(Xv[:rows], Yv[:rows])
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-6)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)

    split = model()  # validation_split's rows, the last 100: the same
    history = split.fit(X, Y, epochs=2, shuffle=False, verbose=0, validation_split=0.5, validation_steps=3,
                        **kwargs)
    assert history.history["val_loss"][-1] == pytest.approx(split.evaluate(Xv[:rows], Yv[:rows])[0], rel=1e-6)


def test_validation_steps_with_test_batch_hooks_and_beyond_the_validation_rows():
    class Tests(Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_test_batch_end(self, batch, logs=None):
            self.batches.append(batch)

    tests = Tests()
    model().fit(X[:100], Y[:100], batch_size=16, epochs=2, verbose=0, validation_data=(X[100:], Y[100:]),
                validation_steps=3, callbacks=[tests])
    assert tests.batches == [0, 1, 2] * 2  # Keras's 3 batches of 16 rows at each validation

    m = model()
    with pytest.warns(UserWarning) as caught:
        history = m.fit(X[:100], Y[:100], batch_size=16, epochs=3, shuffle=False, verbose=0,
                        validation_data=(X[100:], Y[100:]), validation_steps=30)
    assert [str(w.message) for w in out_of_data(caught)] == [
        "Your input ran out of data: validation_data gave 7 of validation_steps=30 batches (of 16 rows)."]  # once
    assert out_of_data(caught)[0].filename == __file__
    assert history.history["val_loss"][-1] == pytest.approx(m.evaluate(X[100:], Y[100:])[0], rel=1e-6)


def test_steps_and_validation_steps_are_checked_and_named():
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)
    for bad, error in ((0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)):
        with pytest.raises(error, match=f"steps must be a positive integer. Received: steps={bad!r}"):
            m.evaluate(X, Y, steps=bad)
        with pytest.raises(error, match="steps must be a positive integer"):
            m.predict(X, steps=bad)
        for validation in ({"validation_data": (X, Y)}, {"validation_split": 0.5}):
            with pytest.raises(error, match=f"validation_steps must be a positive integer. Received: "
                                            f"validation_steps={bad!r}"):
                m.fit(X, Y, validation_steps=bad, verbose=0, **validation)
    with pytest.raises(ValueError, match="validation_steps is for validation_data given as arrays or a stream, or "
                                         "for validation_split: this fit validates on nothing"):
        m.fit(X, Y, validation_steps=2, verbose=0)
    assert math.isfinite(m.evaluate(X, Y)[0])
