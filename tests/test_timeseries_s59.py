"""Time series (session 59): utils.timeseries_dataset_from_array, train --test-last, Cropping1D's advice."""

import itertools

import numpy as np
import pytest

import glassnet as gn
from glassnet.cli import main
from glassnet.cli._data import load_dataset
from glassnet.cli._parser import build_parser
from glassnet.utils import timeseries_dataset_from_array


def reference_windows(data, targets, sequence_length, sequence_stride=1, sampling_rate=1, batch_size=128,
                      shuffle=False, seed=None, start_index=None, end_index=None):
    """Keras 3.15's windows, written from its TF path's source (/tmp/s59/hts/ts_ref.py): a list of batches."""
    data = np.asarray(data)
    start = 0 if start_index is None else start_index
    end = len(data) if end_index is None else end_index
    n = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        n = min(n, len(targets))
    pos = np.arange(0, n, sequence_stride)
    if shuffle:
        np.random.RandomState(seed).shuffle(pos)
    idx = start + pos[:, None] + np.arange(sequence_length) * sampling_rate
    X = data[idx]
    y = None if targets is None else np.asarray(targets)[start + pos]
    if batch_size is None:  # Keras yields single windows
        return list(X) if y is None else list(zip(X, y))
    return [X[i:i + batch_size] if y is None else (X[i:i + batch_size], y[i:i + batch_size])
            for i in range(0, len(pos), batch_size)]


def _equal(expected, got):
    assert len(got) == len(expected)
    for a, b in zip(expected, got):
        if isinstance(a, tuple):
            assert isinstance(b, tuple) and len(b) == 2
            np.testing.assert_array_equal(b[0], a[0])
            np.testing.assert_array_equal(b[1], a[1])
        else:
            np.testing.assert_array_equal(b, a)


DATA = np.arange(120, dtype="float64").reshape(60, 2) ** 1.5  # distinct values: a wrong index shows
GRID = list(itertools.product([1, 4, 7], [1, 3], [1, 2, 3], [None, 5, 128], [None, 4], [None, 41],
                              ["none", "offset", "same"]))


def _targets(kind, length, rate):
    if kind == "none":
        return None
    return DATA[length * rate:, 0] if kind == "offset" else DATA[:, 1] * 10  # the tutorial's form, or aligned


def test_windows_equal_the_reference_over_a_grid():
    compared = refused = 0
    for length, stride, rate, batch, start, end, kind in GRID:
        targets = _targets(kind, length, rate)
        args = (DATA, targets, length, stride, rate, batch)
        try:
            expected = reference_windows(*args, start_index=start, end_index=end)
        except IndexError:  # targets too short for start_index: Keras's tf.gather fails, glassnet says why
            with pytest.raises(ValueError, match="targets has .* too few for start_index"):
                timeseries_dataset_from_array(*args, start_index=start, end_index=end)
            refused += 1
            continue
        got = timeseries_dataset_from_array(*args, start_index=start, end_index=end)
        _equal(expected, list(got))
        assert len(got) == len(list(got))
        compared += 1
    assert (compared, refused) == (603, 45)


def test_keras_docstring_examples():
    steps = np.arange(99)  # Example 1: length 10, rate 2, stride 3
    windows = np.concatenate(list(timeseries_dataset_from_array(steps, None, 10, sequence_stride=3,
                                                                sampling_rate=2)))
    np.testing.assert_array_equal(windows[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(windows[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(windows[-1], np.arange(78, 98, 2))
    assert windows.dtype == steps.dtype  # Keras keeps the data's dtype
    data = np.sin(np.arange(50.0))  # Example 2: the next step after 10
    x, y = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)[0]
    np.testing.assert_array_equal(x[0], data[:10])
    assert y[0] == data[10] and x.shape == (31, 10) and y.shape == (31,)


def test_keras_grain_path_equal():
    pytest.importorskip("grain")  # Keras's own version needs TensorFlow or grain
    keras = pytest.importorskip("keras")
    for length, stride, rate, batch, start, end, kind in GRID[::7]:
        targets = _targets(kind, length, rate)
        if kind == "offset" and start:
            continue
        args = (DATA, targets, length, stride, rate, batch)
        theirs = keras.utils.timeseries_dataset_from_array(*args, start_index=start, end_index=end, format="grain")
        theirs = [tuple(np.asarray(p) for p in item) if isinstance(item, tuple) else np.asarray(item)
                  for item in theirs]
        ours = list(timeseries_dataset_from_array(*args, start_index=start, end_index=end))
        assert len(ours) == len(theirs)
        for a, b in zip(theirs, ours):
            for p, q in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
                np.testing.assert_allclose(q, p, rtol=1e-6)  # (Keras's grain batches are float32)


def test_shuffle_is_the_seeded_order_and_reshuffles_after_each_epoch():
    targets = np.arange(60) * 10.0
    ds = timeseries_dataset_from_array(DATA, targets, 4, batch_size=8, shuffle=True, seed=3)
    first = list(ds)
    _equal(reference_windows(DATA, targets, 4, batch_size=8, shuffle=True, seed=3), first)
    _equal(first, list(timeseries_dataset_from_array(DATA, targets, 4, batch_size=8, shuffle=True, seed=3)))
    ds.on_epoch_end()
    second = list(ds)
    x1, x2 = (np.concatenate([b[0] for b in part]) for part in (first, second))
    y2 = np.concatenate([b[1] for b in second])
    assert not np.array_equal(x1, x2)  # a new order ...
    np.testing.assert_array_equal(np.sort(x1, axis=0), np.sort(x2, axis=0))  # ... of the same windows
    np.testing.assert_array_equal(x2[:, 0], DATA[(y2 / 10).astype(int)])  # each with its own target


def test_unbatched_and_lazy():
    ds = timeseries_dataset_from_array(DATA, None, 3, batch_size=None)
    assert len(ds) == 58 and ds[0].shape == (3, 2)
    np.testing.assert_array_equal(ds[57], DATA[57:])
    with pytest.raises(IndexError, match="out of range"):
        ds[58]
    big = np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10**7, 4), strides=(0, 0), writeable=False)
    x = timeseries_dataset_from_array(big, None, 500, batch_size=2)[0]  # 2e10 values, were they all gathered
    assert x.shape == (2, 500, 4)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"sequence_length": 0}, ValueError, "sequence_length must be >= 1"),
    ({"sequence_length": 2.0}, TypeError, "sequence_length must be an integer"),
    ({"sequence_stride": 0}, ValueError, "sequence_stride must be between 1 and 59"),
    ({"sequence_stride": 60}, ValueError, "sequence_stride must be between 1 and 59"),
    ({"sampling_rate": 0}, ValueError, "sampling_rate must be between 1 and 59"),
    ({"sampling_rate": 60}, ValueError, "sampling_rate must be between 1 and 59"),
    ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
    ({"shuffle": "yes"}, TypeError, "shuffle"),
    ({"seed": -1}, ValueError, "seed must be between 0"),
    ({"start_index": -1}, ValueError, "start_index must be between 0 and 59"),
    ({"start_index": 60}, ValueError, "start_index must be between 0 and 59"),
    ({"end_index": 60}, ValueError, "end_index must be between 1 and 59"),  # Keras's bound: below len(data)
    ({"end_index": 0}, ValueError, "end_index must be between 1 and 59"),
    ({"start_index": 10, "end_index": 10}, ValueError, "end_index must be higher than start_index"),
    ({"sequence_length": 30, "sampling_rate": 3}, ValueError, "No window fits: .* spans 88 steps"),
    ({"targets": 5.0}, ValueError, "targets must be an array"),
    ({"targets": []}, ValueError, "targets is empty"),
    ({"data": 5.0}, ValueError, "data must be an array"),
])
def test_argument_errors(kwargs, error, match):
    args = {"data": DATA, "targets": None, "sequence_length": 4, **kwargs}
    with pytest.raises(error, match=match):
        timeseries_dataset_from_array(**args)


def test_fit_evaluate_predict_on_a_sine():
    series = np.sin(2 * np.pi * np.arange(400) / 25).astype("float32")[:, None]
    length = 8
    train = timeseries_dataset_from_array(series[:-length], series[length:], length, batch_size=32, shuffle=True,
                                          seed=1)
    model = gn.models.Sequential([gn.layers.Input((length, 1)), gn.layers.Flatten(), gn.layers.Dense(1)], seed=0)
    model.compile(optimizer=gn.optimizers.Adam(0.01), loss="mse")
    loss = model.fit(train, epochs=10, verbose=0).history["loss"]
    assert loss[-1] < 1e-3 * loss[0]  # a sine's next step is linear in its last two
    ordered = timeseries_dataset_from_array(series[:-length], series[length:], length)
    x, y = (np.concatenate(part) for part in zip(*reference_windows(series[:-length], series[length:], length)))
    assert model.evaluate(ordered, verbose=0) == pytest.approx(model.evaluate(x, y, batch_size=128, verbose=0))
    windows_only = timeseries_dataset_from_array(series[:-length], None, length)
    np.testing.assert_array_equal(model.predict(windows_only, verbose=0), model.predict(x, verbose=0))


def test_train_test_last_holds_out_the_last_rows(tmp_path, capsys):
    rows = np.arange(50, dtype=float)
    path = tmp_path / "series.csv"
    np.savetxt(path, np.column_stack([rows, rows / 2 + 0.25]), delimiter=",", header="t,y", comments="", fmt="%g")
    parts = {}
    for flag in (["--test-last"], []):
        args = build_parser().parse_args(["train", str(path), *flag])
        data = load_dataset(args.dataset, args)
        parts[tuple(flag)] = data.x_train[:, 0], data.x_test[:, 0]
    x, xt = parts[("--test-last",)]
    np.testing.assert_array_equal(xt, rows[40:])  # the last 20 %, in order
    np.testing.assert_array_equal(x, rows[:40])  # (so --validation-split's last rows are the next latest)
    assert not np.array_equal(np.sort(parts[()][1]), rows[40:])  # the default: drawn at random
    assert main(["train", str(path), "--test-last", "--epochs", "1", "--seed", "0", "--quiet",
                 "--out", str(tmp_path / "m.gn")]) in (0, None)
    assert "Test MSE" in capsys.readouterr().out
    assert main(["train", "digits", "--test-last"]) == 1
    assert "--test-last does not apply to digits" in capsys.readouterr().err


def test_cropping1d_and_lambda_say_to_slice_the_windows():
    with pytest.raises(AttributeError, match=r"Slice the windows before fit .* X\[:, a:X.shape\[1\] - b, :\]"):
        gn.layers.Cropping1D
    with pytest.raises(AttributeError, match=r"x\[:, -1:, :\] .* slice the arrays before fit"):
        gn.layers.Lambda


def test_end_index_0_is_refused_where_keras_yields_no_windows():
    # Keras 3.15 reads end_index=0 with `if end_index:` (no checks) and then as the end 0, not as "to the end"
    # (`if end_index is None`): no window. glassnet refuses it, as it refuses a series too short for one window
    assert reference_windows(DATA, None, 4, end_index=0) == []
    assert len(reference_windows(DATA, None, 4, end_index=None)[0]) == 57  # (None: to the end)
    with pytest.raises(ValueError, match="end_index must be between 1 and 59. Received: end_index=0"):
        timeseries_dataset_from_array(DATA, None, 4, end_index=0)
