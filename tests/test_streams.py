"""fit, evaluate and predict on streams of batches: generators, PyDatasets, data loaders.

The reference is the same model trained or evaluated on the same rows given as arrays:
a stream that gives the arrays' batches in their order must give the same weights, bit
for bit, and the same figures."""

import io
import math
import threading
import warnings

import numpy as np
import pytest

from glassnet.callbacks import Callback, ProgressBar
from glassnet.layers import Dense, Input, Normalization
from glassnet.models import Sequential
from glassnet.utils import PyDataset, Sequence

RNG = np.random.default_rng(7)
X = RNG.normal(size=(120, 4)).astype(np.float32)
Y = (X[:, 0] - X[:, 2] > 0).astype(np.int64)
W = RNG.uniform(0.5, 2.0, size=120).astype(np.float32)


def model(seed=0, metrics=("accuracy",)):
    m = Sequential([Input((4,)), Dense(8, activation="tanh"), Dense(2, activation="softmax")], seed=seed)
    m.compile("adam", "sparse_categorical_crossentropy", metrics=list(metrics))
    return m


def weights_equal(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


class Batches(PyDataset):
    """The arrays' batches of ``size`` rows, in order; records the indices asked for."""

    def __init__(self, size=32, x=X, y=Y, w=None, **kwargs):
        super().__init__(**kwargs)
        self.size, self.x, self.y, self.w = size, x, y, w
        self.asked, self.begins, self.ends = [], 0, 0

    def __len__(self):
        return math.ceil(len(self.x) / self.size)

    def __getitem__(self, i):
        self.asked.append(i)
        rows = slice(i * self.size, (i + 1) * self.size)
        return (self.x[rows], self.y[rows]) if self.w is None else (self.x[rows], self.y[rows], self.w[rows])

    def on_epoch_begin(self):
        self.begins += 1

    def on_epoch_end(self):
        self.ends += 1


def generator(size=30, repeat=True, x=X, y=Y):
    while True:
        for start in range(0, len(x), size):
            yield x[start:start + size], y[start:start + size]
        if not repeat:
            return


class Loader:
    """torch's DataLoader's shape: iterable anew, sized, not an array; yields lists."""

    def __init__(self, size=40):
        self.size, self.passes = size, 0

    def __iter__(self):
        self.passes += 1
        return ([xb, yb] for xb, yb in generator(self.size, repeat=False))

    def __len__(self):
        return math.ceil(len(X) / self.size)


Loader.__name__ = "DataLoader"


def test_a_pydataset_in_order_trains_as_the_arrays_do_bit_for_bit():
    arrays = model()
    expected = arrays.fit(X, Y, batch_size=32, epochs=3, shuffle=False, verbose=0).history
    data = Batches(32)
    streamed = model()
    history = streamed.fit(data, epochs=3, shuffle=False, verbose=0).history
    assert weights_equal(arrays, streamed)
    assert history == expected
    assert data.begins == data.ends == 3  # Keras's hooks, once per epoch
    assert data.asked == [0, 1, 2, 3] * 3  # each batch once a pass (the first builds the model, and trains)
    assert Sequence is PyDataset  # Keras 2's name


def test_shuffle_permutes_a_pydatasets_batches_each_epoch_from_the_models_seed():
    def order(seed):
        data = Batches(10)
        model(seed).fit(data, epochs=3, verbose=0)
        return [data.asked[12 * e: 12 * e + 12] for e in range(3)]

    epochs = order(0)
    assert all(sorted(e) == list(range(12)) for e in epochs)  # every batch once a pass
    assert epochs[0] != epochs[1] and epochs[0] != list(range(12))
    assert order(0) == epochs and order(1) != epochs


def test_workers_load_ahead_in_threads_and_keep_the_order():
    seen = set()

    class Threaded(Batches):
        def __getitem__(self, i):
            seen.add(threading.current_thread().name)
            return super().__getitem__(i)

    one, many = model(), model()
    one.fit(Batches(16), epochs=2, verbose=0)
    many.fit(Threaded(16, workers=3, max_queue_size=4), epochs=2, verbose=0)
    assert weights_equal(one, many)  # the same shuffled order, the same batches
    assert any(name.startswith("glassnet-pydataset") for name in seen)
    with pytest.raises(ValueError, match="use_multiprocessing=True is not supported"):
        model().fit(Batches(use_multiprocessing=True), verbose=0)
    with pytest.raises(ValueError, match="workers"):
        Batches(workers=0)


def test_steps_per_epoch_continues_a_generator_across_epochs():
    whole = model()
    whole.fit(X, Y, batch_size=30, epochs=1, shuffle=False, verbose=0)
    halves = model()
    history = halves.fit(generator(30), steps_per_epoch=2, epochs=2, verbose=0)
    assert weights_equal(whole, halves)  # 2 epochs of 2 batches: the 4 batches of one pass, in order
    assert len(history.history["loss"]) == 2 and history.params["steps"] == 2


def test_a_spent_generator_stops_training_with_keras_warning():
    m = model()
    with pytest.warns(UserWarning, match=r"ran out of data; interrupting training at epoch 2.*a generator is read once"):
        history = m.fit(generator(40, repeat=False), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1  # the one pass, then nothing: stopped, as Keras
    with pytest.warns(UserWarning, match=r"steps_per_epoch × epochs = 2 × 3 = 6 batches"):
        history = model().fit(generator(30, repeat=False), steps_per_epoch=2, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 2


def test_an_iterable_loader_is_read_anew_each_epoch_and_its_len_sizes_the_bar():
    data, buf = Loader(40), io.StringIO()
    arrays = model()
    arrays.fit(X, Y, batch_size=40, epochs=2, shuffle=False, verbose=0)
    streamed = model()
    history = streamed.fit(data, epochs=2, verbose=0, callbacks=[ProgressBar(verbose=2, stream=buf)])
    assert weights_equal(arrays, streamed) and data.passes == 2
    assert history.params["steps"] == 3 and history.params["batch_size"] is None
    assert buf.getvalue().count("3/3 - ") == 2


def test_a_generators_epoch_line_counts_the_batches_it_gave():
    buf = io.StringIO()
    model().fit(generator(50, repeat=False), epochs=1, verbose=0, callbacks=[ProgressBar(verbose=2, stream=buf)])
    assert "3/3 - " in buf.getvalue()  # 50 + 50 + 20 rows; the total was unknown until the end


def test_validation_data_from_a_stream_and_evaluate_and_predict_on_streams_match_the_arrays():
    m = model()
    history = m.fit(Batches(32), epochs=2, verbose=0, validation_data=generator(20), validation_steps=3)
    m2 = model()
    m2.fit(Batches(32), epochs=1, verbose=0)
    expected = m2.evaluate(X[:60], Y[:60], return_dict=True)  # the first validation: 3 batches of 20
    assert history.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-6)
    assert history.history["val_accuracy"][0] == pytest.approx(expected["accuracy"])

    loss, accuracy = m.evaluate(X, Y)
    assert m.evaluate(Batches(25)) == pytest.approx([loss, accuracy], rel=1e-6)
    assert m.evaluate(Loader(50), steps=2) == pytest.approx(m.evaluate(X[:100], Y[:100]), rel=1e-6)
    np.testing.assert_allclose(m.predict(Batches(25)), m.predict(X), rtol=1e-6)
    np.testing.assert_allclose(m.predict((xb for xb, _ in generator(50)), steps=2), m.predict(X[:100]), rtol=1e-6)
    np.testing.assert_allclose(m.predict(iter([X[:7], (X[7:9],)])), m.predict(X[:9]), rtol=1e-6)


def test_sample_and_class_weights_in_streams_weigh_as_with_arrays():
    arrays = model()
    arrays.fit(X, Y, sample_weight=W, batch_size=32, epochs=2, shuffle=False, verbose=0)
    streamed = model()
    streamed.fit(Batches(32, w=W), epochs=2, shuffle=False, verbose=0)
    assert weights_equal(arrays, streamed)

    arrays, streamed = model(), model()
    arrays.fit(X, Y, class_weight={0: 1.0, 1: 3.0}, batch_size=30, epochs=2, shuffle=False, verbose=0)
    streamed.fit(generator(30), class_weight={0: 1.0, 1: 3.0}, steps_per_epoch=4, epochs=2, verbose=0)
    assert weights_equal(arrays, streamed)
    with pytest.raises(ValueError, match="batch 1 of x has sample weights and fit\\(\\) was given class_weight"):
        model().fit(Batches(w=W), class_weight={0: 2.0}, verbose=0)


def test_integer_images_in_batches_train_as_their_floats():
    pixels = RNG.integers(0, 256, size=(64, 4), dtype=np.uint8)
    labels = Y[:64]
    floats, ints = model(), model()
    floats.fit(Batches(16, x=pixels.astype(np.float32), y=labels), epochs=1, shuffle=False, verbose=0)
    ints.fit(Batches(16, x=pixels, y=labels), epochs=1, shuffle=False, verbose=0)
    assert weights_equal(floats, ints)


def test_callbacks_stop_a_stream_mid_epoch_and_the_loading_threads_end():
    class StopAfter(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 2:
                self.model.stop_training = True

    data = Batches(8, workers=2, max_queue_size=3)
    before = threading.active_count()
    history = model().fit(data, epochs=5, verbose=0, callbacks=[StopAfter()])
    assert len(history.history["loss"]) == 1
    assert threading.active_count() == before


@pytest.mark.parametrize("call, message", [
    (lambda m: m.fit(Batches(), Y, verbose=0), "x is a PyDataset, whose batches hold the targets: pass y=None"),
    (lambda m: m.fit(generator(), sample_weight=W, verbose=0), "x is a generator, whose batches hold the sample "
                                                                "weights"),
    (lambda m: m.fit(Batches(), validation_split=0.2, verbose=0), "validation_split cuts arrays"),
    (lambda m: m.fit(X, Y, validation_steps=2, verbose=0), "validation_steps is for validation_data given as"),
    (lambda m: m.fit(iter([]), verbose=0), "x is an iterator that gave no batches"),
    (lambda m: m.fit(iter([X[:4]]), verbose=0), "batch 1 of x has no targets"),
    (lambda m: m.fit(iter([{"x": X, "y": Y}]), verbose=0), "batch 1 of x is a dict: glassnet models take one input"),
    (lambda m: m.fit(iter([(X, Y, W, W)]), verbose=0), r"must be \(x,\), \(x, y\) or \(x, y, sample_weight\)"),
    (lambda m: m.fit(iter([(X, Y), (X[:, :3], Y)]), verbose=0),
     "batch 2 of epoch 1 of x: x: the model expected 4 features, got 3"),
    (lambda m: m.fit(iter([(X, Y), (X, Y[:5])]), verbose=0), "batch 2 of epoch 1 of x: .*[Ii]nconsistent"),
    (lambda m: m.evaluate(Batches(), Y), "pass y=None"),
    (lambda m: m.predict(iter([])), "x gave no batches: an iterator is read once; if this one was read before"),
])
def test_bad_streams_and_arguments_are_named(call, message):
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)
    with pytest.raises((ValueError, TypeError), match=message):
        call(m)


def test_endless_pydatasets_need_steps_and_a_spent_validation_generator_is_named():
    class Endless(PyDataset):
        num_batches = None

        def __getitem__(self, i):
            return X[:10], Y[:10]

    with pytest.raises(ValueError, match="without end .* give steps_per_epoch"):
        model().fit(Endless(), verbose=0)
    history = model().fit(Endless(), steps_per_epoch=3, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.raises(ValueError, match="give steps"):
        model().predict(Endless())
    assert model().predict(Endless(), steps=2).shape == (20, 2)

    m = model()  # a generator read whole leaves nothing for a second validation: said before training
    with pytest.raises(ValueError, match="validation_data is a generator, read once, and fit validates 2 times"):
        m.fit(Batches(), epochs=2, verbose=0, validation_data=generator(40, repeat=False))
    assert m.optimizer.iterations == 0
    # once is fine, and so are epochs that do not validate
    m.fit(Batches(), epochs=3, validation_freq=[2], verbose=0, validation_data=generator(40, repeat=False))
    assert [len(v) for v in m.history.history.values()] == [3, 3, 1, 1]


def test_a_validation_generator_with_validation_steps_is_validated_on_its_first_batches_each_time():
    class Tests(Callback):
        begun = ended = 0

        def on_test_begin(self, logs=None):
            self.begun += 1

        def on_test_end(self, logs=None):
            self.ended += 1

    m, tests = model(), Tests()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (it ran out at the third validation, and training stopped there)
        history = m.fit(X, Y, batch_size=30, epochs=5, verbose=0, validation_steps=2, callbacks=[tests],
                        validation_data=generator(40, repeat=False))  # 3 batches: the first 2 kept
    assert tests.begun == tests.ended == 5
    assert len(history.history["loss"]) == len(history.history["val_loss"]) == 5
    # each validation's figures are those of the first two batches (rows 0-79), as Keras's documentation says
    np.testing.assert_allclose(history.history["val_loss"][-1], m.evaluate(X[:80], Y[:80], verbose=0)[0], rtol=1e-6)


def test_steps_beyond_the_data_warn_as_keras_and_validation_batch_size_with_a_stream_is_said_to_be_ignored():
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)
    for call in (lambda: m.predict(generator(40, repeat=False), steps=5, verbose=0),
                 lambda: m.evaluate(Batches(50), steps=5, verbose=0)):
        with pytest.warns(UserWarning, match=r"Your input ran out of data: x gave 3 of steps=5 batches\.") as caught:
            call()
        assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as many as asked: no warning
        assert m.predict(generator(40, repeat=False), steps=3, verbose=0).shape == (120, 2)
        m.evaluate(Batches(40), steps=3, verbose=0)
    with pytest.warns(UserWarning, match="validation_batch_size is ignored: validation_data gives its own batches"):
        m.fit(X, Y, epochs=1, verbose=0, validation_data=Batches(40), validation_batch_size=8)


def test_a_torch_style_dataset_of_samples_is_refused_with_the_loader_to_use():
    Dataset = type("Dataset", (), {"__getitem__": lambda self, i: (X[i], Y[i]), "__len__": lambda self: 120,
                                   "__module__": "torch.utils.data.dataset"})
    Samples = type("Samples", (Dataset,), {})
    with pytest.raises(TypeError, match=r"gives one sample at a time: wrap it in torch.utils.data.DataLoader"):
        model().fit(Samples(), verbose=0)


def test_functions_of_arrays_still_refuse_generators_saying_what_to_do():
    from glassnet.classic import Hopfield
    from glassnet.preprocessing import StandardScaler
    from glassnet.sklearn import MLPClassifier, MLPRegressor

    for estimator in (MLPClassifier(max_iter=5), MLPRegressor(max_iter=5)):
        with pytest.raises(TypeError, match="X must be an array of numbers .* not generators"):
            estimator.fit(generator(), Y)  # scikit-learn said "float() argument must be ..., not 'generator'"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (not converged)
            estimator.fit(X, Y)
        with pytest.raises(TypeError, match="X must be an array of numbers .* not generators"):
            estimator.predict(Batches())

    with pytest.raises(TypeError, match="X must be an array of numbers .* not generators, iterators or datasets"):
        StandardScaler().fit(generator())
    with pytest.raises(TypeError, match="not generators, iterators or datasets"):
        Hopfield().fit(Batches())
    with pytest.raises(TypeError, match="not generators, iterators or datasets"):
        model().train_on_batch(generator(), Y)


def test_normalization_adapts_on_a_pydataset():
    layer = Normalization()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer.adapt(Batches(50))
    np.testing.assert_allclose(layer.mean.ravel(), X.astype(np.float64).mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.variance.ravel(), X.astype(np.float64).var(axis=0), rtol=1e-5)


@pytest.mark.parametrize("batch", [lambda xb, yb: [xb, yb], lambda xb, yb: [xb]])
def test_normalization_adapts_on_a_data_loaders_lists(batch):
    # torch's DataLoader collates (x, y) samples into lists [x, y] ([x] from a TensorDataset of x alone), which
    # fit reads as (x, y): adapt failed on [x, y], and took [x] for one sample of shape x.shape (160 rows:
    # every batch of 32)
    x = RNG.normal(size=(160, 4))

    class Lists(Loader):
        def __iter__(self):
            return (batch(x[i:i + 32], Y[:32]) for i in range(0, 160, 32))

    layer = Normalization()
    layer.adapt(Lists())
    assert layer.input_shape == (4,)
    np.testing.assert_allclose(layer.mean.ravel(), x.mean(axis=0))
    np.testing.assert_allclose(layer.variance.ravel(), x.var(axis=0))
    layer = Normalization()
    layer.adapt(iter([[[1.0, 2.0], [3.0, 4.0]]]))  # a generator's list is still a list of samples
    np.testing.assert_allclose(layer.mean.ravel(), [2.0, 3.0])


def test_a_pydataset_without_len_or_num_batches_is_refused_as_keras_does_not_taken_as_endless():
    # Keras's PyDataset.num_batches raises NotImplementedError when neither is defined, in fit, evaluate
    # and predict alike; glassnet's said "a PyDataset without end (num_batches is None)" of a forgotten
    # __len__, and with steps_per_epoch trained on it as an endless one
    loaded = []

    class NoLength(PyDataset):
        def __getitem__(self, i):
            loaded.append(i)
            return X[:10], Y[:10]

    message = r"NoLength must define __len__\(self\) \(the number of batches in one pass\) or a num_batches property"
    m = model()
    for call in (lambda: m.fit(NoLength(), verbose=0), lambda: m.fit(NoLength(), steps_per_epoch=2, verbose=0),
                 lambda: m.evaluate(NoLength(), steps=2), lambda: m.predict(NoLength(), steps=2),
                 lambda: model().fit(X, Y, validation_data=NoLength(), validation_steps=1, verbose=0)):
        with pytest.raises(NotImplementedError, match=message):
            call()
    assert loaded == []  # refused before a batch was read


def test_a_keras_2_sequence_without_num_batches_is_sized_by_its_len():
    # Keras 2's Sequence has __len__ and __getitem__ only (num_batches came with Keras 3's PyDataset)
    Keras2Sequence = type("Sequence", (), {"__module__": "keras.utils.data_utils"})

    class Old(Keras2Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return X[i * 32:(i + 1) * 32], Y[i * 32:(i + 1) * 32]

    arrays, streamed = model(), model()
    arrays.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    history = streamed.fit(Old(), epochs=2, shuffle=False, verbose=0)
    assert weights_equal(arrays, streamed) and history.params["steps"] == 4
    assert streamed.predict(Old()).shape == (120, 2)


def test_on_epoch_begin_comes_before_the_epochs_first_batch_is_loaded():
    # as Keras: a dataset that sets up its epoch in on_epoch_begin (a curriculum, an augmentation's strength)
    # must see it before any batch of the epoch, the first one that fit peeks at to build the model too
    for workers in (1, 2):
        class Logged(Batches):
            def __getitem__(self, i):
                self.log.append(i)
                return super().__getitem__(i)

            def on_epoch_begin(self):
                self.log.append("begin")

            def on_epoch_end(self):
                self.log.append("end")

        data = Logged(40, workers=workers)
        data.log = []
        model().fit(data, epochs=2, shuffle=False, verbose=0)
        assert data.log == ["begin", 0, 1, 2, "end"] * 2


def test_a_run_resumed_by_backup_and_restore_shuffles_a_pydataset_as_the_uninterrupted_one(tmp_path):
    from glassnet.callbacks import BackupAndRestore

    class Interrupt(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    uninterrupted = model()
    uninterrupted.fit(Batches(10), epochs=4, verbose=0)
    with pytest.raises(KeyboardInterrupt):
        model().fit(Batches(10), epochs=4, verbose=0, callbacks=[BackupAndRestore(tmp_path), Interrupt()])
    data, resumed = Batches(10), model()
    resumed.fit(data, epochs=4, verbose=0, callbacks=[BackupAndRestore(tmp_path)])
    assert weights_equal(uninterrupted, resumed)  # the restored generator drew epochs 3 and 4's orders
    assert len(data.asked) == 2 * 12 + 1  # the order drawn before the restore was dropped after its first batch


def test_a_collections_abc_sequence_of_rows_is_still_an_array():
    import collections.abc

    class Rows(collections.abc.Sequence):  # NumPy converts it as the list of its rows
        def __init__(self, rows):
            self.rows = rows

        def __len__(self):
            return len(self.rows)

        def __getitem__(self, i):
            return self.rows[i]

    arrays, rows = model(), model()
    arrays.fit(X, Y, epochs=1, shuffle=False, verbose=0)
    rows.fit(Rows(X.tolist()), Y, epochs=1, shuffle=False, verbose=0)
    assert weights_equal(arrays, rows)
    np.testing.assert_array_equal(rows.predict(Rows(X.tolist())), rows.predict(X))


def test_validation_arrays_of_a_stream_fit_are_read_as_evaluate_reads_them():
    # a stream's batches have no batch_size: validation arrays are read in Keras's 32 rows, which a loss
    # whose value depends on the batches ("sum") and the test-batch hooks see (one 1024-row chunk before)
    from glassnet.losses import SparseCategoricalCrossentropy

    class Count(Callback):
        def on_test_begin(self, logs=None):
            self.batches = 0

        def on_test_batch_end(self, batch, logs=None):
            self.batches += 1

    m = Sequential([Input((4,)), Dense(2, activation="softmax")], seed=0)
    m.compile("sgd", SparseCategoricalCrossentropy(reduction="sum"))
    count = Count()
    history = m.fit(Batches(30), epochs=1, verbose=0, validation_data=(X, Y), callbacks=[count])
    assert history.history["val_loss"][0] == pytest.approx(m.evaluate(X, Y), rel=1e-6)
    assert count.batches == 4  # 120 rows in 32s


@pytest.mark.parametrize("call", [
    lambda m, data, cb: m.evaluate(data, callbacks=[cb]),
    lambda m, data, cb: m.predict(data, callbacks=[cb]),
    lambda m, data, cb: m.fit(X, Y, verbose=0, validation_data=data, callbacks=[cb]),
])
def test_an_error_in_evaluate_or_predict_ends_the_loading_threads_while_its_traceback_is_kept(call):
    # a notebook keeps the last traceback (sys.last_traceback), and with it the frames that held the
    # open pass: its threads and loaded batches stayed until the next error
    class Boom(Callback):
        def on_test_batch_end(self, batch, logs=None):
            raise RuntimeError("boom")

        on_predict_batch_end = on_test_batch_end

    m = model()
    m.fit(X, Y, verbose=0)
    before = threading.active_count()
    with pytest.raises(RuntimeError, match="boom") as kept:
        call(m, Batches(10, workers=3, max_queue_size=6), Boom())
    assert threading.active_count() == before
    assert kept.value is not None


@pytest.mark.parametrize("call", [
    lambda data: model().fit(data, verbose=0, validation_data=(X, Y[:5])),
    lambda data: model().fit(Batches(10, x=X[:, :3], workers=3), verbose=0),
    lambda data: model().fit(data, verbose=0, callbacks="early_stopping"),
])
def test_fit_refusing_its_arguments_ends_the_threads_that_loaded_a_pydatasets_first_batch(call):
    before = threading.active_count()
    with pytest.raises((ValueError, TypeError)) as kept:
        call(Batches(10, workers=3))
    assert threading.active_count() == before and kept.value is not None
    m, shared = model(), model()
    m.fit(X, Y, verbose=0)
    shared.compile(m.optimizer, "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="already trains another model") as kept:
        shared.fit(Batches(10, workers=3), verbose=0)
    assert threading.active_count() == before


def test_fit_ignores_batch_size_for_a_pydataset_with_a_warning_as_keras_ignores_it():
    # the Keras training guide fits its ExamplePyDataset(batch_size=32) with fit(..., batch_size=64):
    # Keras 3.15 runs it on the dataset's own batches, where glassnet raised a ValueError
    m = model()
    with pytest.warns(UserWarning, match="batch_size=64 is ignored: x is a PyDataset, which makes its own batches"):
        history = m.fit(Batches(), batch_size=64, epochs=1, verbose=0)
    reference = model().fit(Batches(), epochs=1, verbose=0)
    np.testing.assert_array_equal(history.history["loss"], reference.history["loss"])


def test_evaluate_and_predict_ignore_batch_size_for_a_stream_with_a_warning_as_fit():
    # Keras 3.15 ignores it for every stream; fit warned of it, evaluate and predict refused it
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)
    with pytest.warns(UserWarning, match="batch_size=8 is ignored: x is a PyDataset, which makes its own batches"):
        scores = m.evaluate(Batches(), batch_size=8)
    with pytest.warns(UserWarning, match="batch_size=8 is ignored") as caught:
        out = m.predict(Batches(), batch_size=8)
    assert caught[0].filename == __file__  # at the caller's line
    assert scores == m.evaluate(Batches())
    np.testing.assert_array_equal(out, m.predict(Batches()))
