"""TensorBoard's histogram tags and model graph as Keras 3.15 writes them, and model.summary() sent to the
"glassnet" logger once interactive logging is off (as Keras's print_summary through io_utils.print_msg)."""

import json
import logging

import numpy as np
import pytest

from glassnet.config import disable_interactive_logging, enable_interactive_logging
from glassnet.layers import BatchNormalization, Dense, Input
from glassnet.models import Sequential


def _model():
    m = Sequential([Input((4,)), Dense(3, name="d1"), BatchNormalization(name="bn"), Dense(2, name="d2")],
                   name="net", seed=0)
    m.compile(optimizer="adam", loss="mse")
    return m


def _fit(model, log_dir, **kwargs):
    from glassnet.callbacks import TensorBoard

    X = np.random.default_rng(0).normal(size=(16, 4))
    model.fit(X, X[:, :2], epochs=1, batch_size=8, verbose=0, callbacks=[TensorBoard(log_dir, **kwargs)])


def _accumulator(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    return accumulator


def test_histogram_tags_are_the_weights_keras_paths(tmp_path):
    pytest.importorskip("tensorboard")
    model = _model()
    _fit(model, tmp_path, histogram_freq=1)
    train = _accumulator(tmp_path / "train")
    tags = [t for t in train.Tags()["tensors"] if t.endswith("/histogram")]
    # Keras 3.15 _log_weights: f"{weight.path.replace(':', '_')}/histogram" for each layer's weights, in order
    assert tags == ["net/d1/kernel/histogram", "net/d1/bias/histogram", "net/bn/gamma/histogram",
                    "net/bn/beta/histogram", "net/bn/moving_mean/histogram", "net/bn/moving_variance/histogram",
                    "net/d2/kernel/histogram", "net/d2/bias/histogram"]
    from tensorboard.util import tensor_util

    (event,) = train.Tensors("net/d1/kernel/histogram")
    buckets = tensor_util.make_ndarray(event.tensor_proto)  # (left edge, right edge, count)
    kernel = model.get_layer("d1").get_weights()[0]
    assert event.step == 0 and buckets[:, 2].sum() == kernel.size
    np.testing.assert_allclose([buckets[0, 0], buckets[-1, 1]], [kernel.min(), kernel.max()], rtol=1e-6)


def test_write_graph_writes_the_model_json_for_the_graphs_tab(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.plugins.graph import keras_util
    from tensorboard.util import tensor_util

    model = _model()
    _fit(model, tmp_path / "on")
    train = _accumulator(tmp_path / "on" / "train")
    # Keras 3.15 keras_model_summary("keras", model, step=0): plugin graph_keras_model, content b"1"
    assert "keras" in train.Tags()["tensors"]
    plugin = train.SummaryMetadata("keras").plugin_data
    assert (plugin.plugin_name, plugin.content) == ("graph_keras_model", b"1")
    (event,) = train.Tensors("keras")
    text = tensor_util.make_ndarray(event.tensor_proto).item()
    assert event.step == 0 and json.loads(text) == json.loads(model.to_json())
    graph = keras_util.keras_model_to_graph_def(json.loads(text))  # what the Graphs tab draws
    assert [node.name for node in graph.node] == ["net/d1", "net/bn", "net/d2"]

    _fit(_model(), tmp_path / "off", write_graph=False)
    assert "keras" not in _accumulator(tmp_path / "off" / "train").Tags()["tensors"]


def test_a_model_that_cannot_be_written_as_json_warns_and_trains(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")
    model = _model()

    def refuse():
        raise TypeError("not serializable")

    monkeypatch.setattr(model, "to_json", refuse)
    with pytest.warns(UserWarning, match="failed to serialize as JSON.*not serializable"):
        _fit(model, tmp_path)
    train = _accumulator(tmp_path / "train")
    assert "keras" not in train.Tags()["tensors"] and "epoch_loss" in train.Tags()["tensors"]


def test_summary_goes_to_the_logger_once_interactive_logging_is_off(capsys, caplog):
    model = _model()
    table = []
    model.summary(print_fn=table.append)
    with caplog.at_level(logging.INFO, logger="glassnet"):
        model.summary()
        assert capsys.readouterr().out == table[0] and not caplog.records
        disable_interactive_logging()
        try:
            model.summary()
        finally:
            enable_interactive_logging()
    assert capsys.readouterr().out == ""
    (record,) = caplog.records
    assert (record.name, record.levelno, record.getMessage() + "\n") == ("glassnet", logging.INFO, table[0])
    model.summary(print_fn=table.append)  # a print_fn given is still called with the table
    assert table[1] == table[0]
