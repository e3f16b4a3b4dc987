"""``glassnet.utils``, named as ``keras.utils``: normalize and clear_session (to_categorical and
set_random_seed are tested with preprocessing and the backend)."""

import io
import re
import sys

import numpy as np
import pytest

import glassnet
from glassnet import utils


def test_normalize_divides_by_the_norm_as_keras():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    # keras.utils.normalize (Keras 3.15) gives these, float32; an all-zero row stays zero
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0.0, 0.0], [0.70710677, 0.70710677]], rtol=1e-6)
    np.testing.assert_allclose(utils.normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0], [0.5, 0.5]], rtol=1e-6)
    assert utils.normalize(x).dtype == np.float32
    # along the columns (Keras's NumPy branch turns axis=0 into -1 and fails here): each column's norm is 1
    np.testing.assert_allclose(np.linalg.norm(utils.normalize(x, axis=0), axis=0), [1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(utils.normalize([[3, 4]]), [[0.6, 0.8]])


def test_normalize_huge_tiny_and_float16_values():
    # the squares overflowed (the row became [0, 0]) or underflowed (it was left as it was)
    x = np.array([[3e200, 4e200], [3e-200, 4e-200], [3.0, 4.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8]] * 3, rtol=1e-15)
    np.testing.assert_allclose(utils.normalize(x, order=np.inf), [[0.75, 1.0]] * 3)
    np.testing.assert_allclose(utils.normalize(np.array([[300, 400]], dtype=np.float16)), [[0.6, 0.8]], rtol=1e-3)
    np.testing.assert_array_equal(utils.normalize([[3.0, 0.0]], order=0), [[3.0, 0.0]])  # a count: nothing scaled
    # a large order is the max norm's limit, an int past int64 too: |x| / ||x||_p → |x| / max|x| as p → ∞
    np.testing.assert_allclose(utils.normalize([[3.0, 4.0]], order=10**300), [[0.75, 1.0]], rtol=1e-15)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"x": "abc"}, TypeError, "x must be an array-like of numbers"),
    ({"x": np.ones((2, 2)), "axis": 2}, ValueError, "axis must be between -2 and 1"),
    ({"x": np.ones((2, 2)), "order": "l2"}, TypeError, "order must be a number"),
    ({"x": np.float32(3.0)}, ValueError, "at least one axis"),
    ({"x": np.ones((2, 2)), "order": float("nan")}, ValueError, "order must be a number, not NaN"),  # all NaN
    # an int past int64 met NumPy's "Cannot cast ufunc 'reciprocal' input from dtype('O')"; past float, OverflowError
    ({"x": np.ones((2, 2)), "order": 10**400}, ValueError, "order must be a number within the float range"),
])
def test_normalize_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        utils.normalize(**kwargs)


def test_clear_session_exists_where_keras_has_it():
    assert utils.clear_session() is None
    assert glassnet.backend.clear_session(free_memory=False) is None
    with pytest.raises(TypeError, match="free_memory must be True or False"):
        utils.clear_session(free_memory="yes")


@pytest.mark.parametrize("sequences, kwargs", [
    ([[1, 2, 3], [4, 5], [6]], {}),
    ([[1, 2, 3], [4, 5], [6]], dict(maxlen=2)),
    ([[1, 2, 3], [4, 5], [6]], dict(padding="post", truncating="post")),
    ([[1, 2, 3], [4, 5], [6]], dict(maxlen=5, padding="post", value=-1)),
    ([[1, 2, 3], [], [6]], {}),
    ([[1.5, 2.0], [3.0]], {}),
    ([[1.5, 2.0], [3.0]], dict(dtype="float32", value=0.5)),
    ([[[1, 2], [3, 4]], [[5, 6]]], dict(maxlen=3)),
    ([np.arange(4), np.arange(7)], dict(maxlen=5, truncating="post")),
    ([], dict(maxlen=3)),
    ([["a", "b"], ["c"]], dict(dtype=object, value="?")),
])
def test_pad_sequences_gives_what_keras_gives(sequences, kwargs, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    expected = keras.utils.pad_sequences(sequences, **kwargs)
    out = utils.pad_sequences(sequences, **kwargs)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("value, dtype", [(np.nan, "int32"), (0.5, "int32"), (np.inf, "int64"), (-np.inf, "int16"),
                                          (2.5, "uint8"), (300, "uint8"), (-1, "uint8")])
def test_pad_sequences_refuses_a_value_its_integer_dtype_cannot_hold(value, dtype):
    # Keras's pad_sequences casts value=np.nan into int32 silently: -2147483648 where the padding was meant
    # (and 0.5 becomes 0, indistinguishable from a token 0)
    with pytest.raises(ValueError, match=rf"value={value!r} cannot be held by dtype={dtype}"):
        utils.pad_sequences([[1, 2], [3]], dtype=dtype, value=value)
    # a float dtype holds them; a whole number in the dtype's range stays allowed, float or int
    assert np.isnan(utils.pad_sequences([[1, 2], [3]], dtype="float32", value=np.nan)[1, 0])
    np.testing.assert_array_equal(utils.pad_sequences([[1, 2], [3]], value=2.0), [[1, 2], [2, 3]])
    assert utils.pad_sequences([[1]], maxlen=2, dtype="int64", value=2**63 - 1)[0, 0] == 2**63 - 1


def test_pad_sequences_by_hand_and_bad_arguments():
    # Keras's docstring example: cut to the last 2, padded in front
    np.testing.assert_array_equal(utils.pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2), [[2, 3], [4, 5], [0, 6]])
    assert utils.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)  # (Keras's fails to broadcast)
    for kwargs, error, match in [
        (dict(sequences=5), TypeError, "sequences must be a list of sequences"),
        (dict(sequences="abc"), TypeError, "sequences must be a list of sequences"),
        (dict(sequences=[5]), TypeError, r"sequences\[0\] must be a sequence"),
        (dict(sequences=[[1]], padding="mid"), ValueError, "padding must be 'pre' or 'post'. Received: padding='mid'"),
        (dict(sequences=[[1]], truncating=None), ValueError, "truncating must be 'pre' or 'post'"),
        (dict(sequences=[[1]], value="x"), ValueError, "dtype int32 cannot hold the text value='x': give dtype=object"),
        (dict(sequences=[[1]], maxlen=-1), ValueError, "maxlen must be >= 0"),
        (dict(sequences=[[1]], maxlen=2.5), TypeError, "maxlen"),
        (dict(sequences=[[1], [[1, 2]]]), ValueError, r"sequences\[1\] holds items of shape \(2,\)"),
        (dict(sequences=[["a"]]), ValueError, r"sequences\[0\] cannot be read as int32"),
        (dict(sequences=[[1]], dtype="nope"), TypeError, "dtype must be a NumPy dtype"),
    ]:
        with pytest.raises(error, match=match):
            utils.pad_sequences(**kwargs)


class _Terminal(io.StringIO):
    """Standard output that says it is a terminal (a bar is redrawn on its line)."""

    def isatty(self):
        return True


def test_interactive_logging_switch_is_keras_s_in_config_and_utils():
    # keras.config.disable_interactive_logging() in a Keras script for a server or CI raised AttributeError
    assert glassnet.config.is_interactive_logging_enabled() is True
    try:
        glassnet.config.disable_interactive_logging()
        assert glassnet.config.is_interactive_logging_enabled() is False
        assert utils.is_interactive_logging_enabled() is False  # (Keras names them in keras.utils too)
        utils.enable_interactive_logging()
        assert glassnet.config.is_interactive_logging_enabled() is True
    finally:
        glassnet.config.enable_interactive_logging()


def test_with_interactive_logging_disabled_fit_on_a_terminal_logs_epoch_lines_without_a_bar(caplog):
    # (session 55: the lines went to standard output; as Keras's, they now go to logging, see test_cli_s55.py)
    pytest.importorskip("tqdm")
    import logging
    from contextlib import redirect_stdout

    from glassnet.layers import Dense
    from glassnet.models import Sequential

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    printed = {}
    for enabled in (True, False):
        model = Sequential([Dense(1, input_dim=2)])
        model.compile(optimizer="sgd", loss="mse")
        out = _Terminal()
        caplog.clear()
        try:
            if not enabled:
                glassnet.config.disable_interactive_logging()
            with redirect_stdout(out), caplog.at_level(logging.INFO, logger="glassnet"):
                model.fit(X, y, epochs=2, batch_size=8, verbose=1)
        finally:
            glassnet.config.enable_interactive_logging()
        printed[enabled] = out.getvalue()
    assert "\r" in printed[True] and "%|" in printed[True]  # the tqdm bar, redrawn on its line
    assert printed[False] == ""  # nothing on the terminal: no bar, and the lines are logged
    lines = [r.getMessage() for r in caplog.records if r.name == "glassnet"]
    assert "\r" not in "".join(lines) and len(lines) == 4  # the lines of verbose=2, nothing else
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[1].startswith("5/5 - ") and "loss: " in lines[1]


def test_progbar_verbose_2_prints_keras_s_line_with_the_last_values(capsys):
    # keras.utils.Progbar (Keras 3.15) with these updates printed "4/4 - 0s - 17us/step - loss: 0.2500 - acc: 0.8000":
    # the last update gives the values shown (its _values then {'loss': [0.25, 1], 'acc': [0.8, 1]})
    bar = utils.Progbar(4, verbose=2, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.5)])
    bar.update(3, [("loss", 0.5), ("acc", 0.75)])
    assert capsys.readouterr().out == ""  # nothing before the end
    bar.add(1, [("loss", 0.25), ("acc", 0.8)])
    line = capsys.readouterr().out
    assert re.fullmatch(r"4/4 - 0s - \d+(s|ms|us)/step - loss: 0\.2500 - acc: 0\.8000\n", line), line
    utils.Progbar(None, verbose=2).update(6, [("loss", 1.0)], finalize=True)  # (Keras: no line without a target)
    utils.Progbar(3, verbose=0).update(3, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_progbar_verbose_1_redraws_running_means_on_a_terminal_and_prints_one_line_elsewhere(monkeypatch, capsys):
    # as Keras's: a value not in stateful_metrics is shown as its mean over the steps, weighted by the steps each
    # update covers ((1.0 × 1 + 0.5 × 2) / 3 = 0.6667 after steps 1 and 3)
    out = _Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    bar = utils.Progbar(4, verbose=1, interval=0, unit_name="batch")
    bar.update(1, [("loss", 1.0)])
    bar.update(3, [("loss", 0.5)])
    drawn = out.getvalue().split("\r")[1:]
    assert [d.split(" ")[0] for d in drawn] == ["1/4", "3/4"] and "\n" not in out.getvalue()
    assert drawn[0].rstrip().endswith("batch - loss: 1.0000") and drawn[1].rstrip().endswith("batch - loss: 0.6667")
    assert "━" * 15 + "─" * 5 in drawn[1]  # 3 of 4 steps: 15 of 20 characters
    bar.update(4, [("loss", 0.25)])
    assert out.getvalue().endswith("\n") and out.getvalue().split("\r")[-1].rstrip().endswith("loss: 0.2500")
    monkeypatch.undo()
    # a file or a pipe (pytest's capture): the last update's line only, not one line per update as Keras's
    bar = utils.Progbar(2, verbose=1, interval=0)
    bar.update(1, {"loss": 1.0})
    assert capsys.readouterr().out == ""
    bar.update(2, {"loss": 0.5})
    assert re.fullmatch(r"2/2 ━{20} 0s \d+(s|ms|us)/step - loss: 0\.5000\n", capsys.readouterr().out)


def test_progbar_refuses_bad_arguments():
    for kwargs, error, match in [
        (dict(target=-1), ValueError, "target must be a number of steps"),
        (dict(target=2.5), ValueError, "target must be a number of steps"),
        (dict(target=3, width=0), ValueError, "width must be a positive integer"),
        (dict(target=3, verbose=3), ValueError, "verbose"),
        (dict(target=3, interval=-1), ValueError, "interval must be a number of seconds"),
        (dict(target=3, unit_name=1), TypeError, "unit_name must be a string"),
        (dict(target=3, stateful_metrics="acc"), TypeError, "stateful_metrics must be a list of metric names"),
        (dict(target=3, stateful_metrics=["a"], stateless_metrics=["b"]), ValueError, "not both"),
    ]:
        with pytest.raises(error, match=match):
            utils.Progbar(**kwargs)
    with pytest.raises(ValueError, match="current must be the number of steps done"):
        utils.Progbar(3).update(-1)
