"""glassnet in a Jupyter notebook (session 57): the text progress bar, plots shown without pyplot, the
playground's serve() refused and start() in the background, result objects shown as their tables, and
unbuilt weights that hasattr can ask about."""

import asyncio
import io
import os
import socket
import subprocess
import sys
import threading
import types
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet.layers import BatchNormalization, Dense, Embedding
from glassnet.models import Sequential

SRC = str(Path(glassnet.__file__).parents[1])


@pytest.fixture
def notebook(monkeypatch):
    """A notebook kernel as tqdm.auto sees it: ``ipykernel`` imported, and tqdm.auto's bar a widget (a class
    that refuses to be made here, so that a bar taken from tqdm.auto fails the test)."""
    pytest.importorskip("tqdm")

    class Widget:
        def __init__(self, *args, **kwargs):
            raise AssertionError("tqdm.auto's widget bar was used")

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=Widget))


def _xor_model():
    model = Sequential([Dense(4, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


XOR_X, XOR_Y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 4, dtype=float), np.array([0, 1, 1, 0] * 4)


def test_fit_in_a_notebook_draws_tqdm_s_text_bar_not_a_widget(notebook, capsys):
    # tqdm.auto's widget (ipywidgets) left a "0%" stub per epoch in a saved notebook, warned "IProgress not
    # found" without ipywidgets, and cost 7 ms of CPU per epoch; Keras redraws a text line with \r there
    import tqdm.std

    from glassnet.callbacks import ProgressBar

    bar = ProgressBar(stream=io.StringIO())
    bar.set_params({"epochs": 1, "steps": 2})
    bar.on_epoch_begin(0)
    assert type(bar._bar) is tqdm.std.tqdm
    bar.on_epoch_end(0, {"loss": 0.5})
    _xor_model().fit(XOR_X, XOR_Y, epochs=2, batch_size=8)  # standard output, not a terminal: a notebook's
    out = capsys.readouterr().out
    assert out.count("\r  0%|") == 2 and "Epoch 2/2\n" in out and out.endswith("\n")


def test_mnist_s_download_bar_is_the_text_bar_in_a_notebook_too(notebook):
    import tqdm.std

    from glassnet.datasets import mnist

    bar = mnist._progress_bar(1000, "Downloading x")
    try:
        assert type(bar) is tqdm.std.tqdm
    finally:
        bar.close()


def _run(program):
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=SRC))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_plot_shows_as_a_png_in_a_fresh_kernel_without_pyplot(tmp_path):
    # IPython's PNG formatter for Figure exists once matplotlib-inline's backend is loaded (pyplot imported):
    # before, a plot as a cell's last line showed only "<Figure size 900x340 with 2 Axes>"
    pytest.importorskip("matplotlib")
    pytest.importorskip("IPython")
    program = (
        "import sys, pickle\n"
        "from IPython.core.formatters import DisplayFormatter\n"
        "from glassnet import plots\n"
        "fig = plots.plot_history({'loss': [1.0, 0.5], 'val_loss': [1.2, 0.7]})\n"
        "data, _ = DisplayFormatter().format(fig)\n"
        "print(sorted(data), data['image/png'][:8] == b'\\x89PNG\\r\\n\\x1a\\n', data['text/plain'])\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
        f"open({str(tmp_path / 'fig.pickle')!r}, 'wb').write(pickle.dumps(fig))\n")
    assert _run(program) == ("['image/png', 'text/plain'] True <Figure size 450x340 with 1 Axes>\nFalse\n")
    # the figure pickles, and unpickles in a process that never plotted (the class is found by its name)
    program = (f"import pickle; fig = pickle.load(open({str(tmp_path / 'fig.pickle')!r}, 'rb')); "
               "print(type(fig).__module__, type(fig).__name__, len(fig._repr_png_()) > 1000)")
    assert _run(program) == "glassnet.plots._figure Figure True\n"


def test_a_plot_s_figure_saves_and_reads_as_matplotlib_s(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from glassnet import plots

    fig = plots.plot_history({"loss": [1.0, 0.5]}, path=tmp_path / "h.png")
    assert isinstance(fig, Figure) and repr(fig) == "<Figure size 450x340 with 1 Axes>"
    assert (tmp_path / "h.png").read_bytes()[:8] == fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_serve_inside_a_running_event_loop_says_why_before_printing_or_opening_anything(monkeypatch, capsys):
    # a notebook's cell runs in asyncio's loop: serve() printed the address, scheduled a browser tab on a
    # server that never started, then failed with uvicorn's "Cannot run the event loop while another loop is running"
    pytest.importorskip("uvicorn", reason="the playground extra (uvicorn) is not installed")
    import uvicorn

    from glassnet import playground

    timers = []
    monkeypatch.setattr(threading, "Timer", lambda *args, **kwargs: timers.append(args))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: pytest.fail("uvicorn.run was called"))

    async def cell():
        playground.serve(port=8123)

    with pytest.raises(RuntimeError, match=r"cannot run inside a running event loop, such as a Jupyter notebook's: "
                                           r"call glassnet.playground.start\(\)"):
        asyncio.run(cell())
    assert capsys.readouterr() == ("", "") and timers == []


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_serves_the_playground_in_the_background_until_stopped():
    pytest.importorskip("uvicorn", reason="the playground extra (uvicorn) is not installed")
    from glassnet import playground

    port = _free_port()
    served = playground.start(port=port)
    try:
        url = f"http://127.0.0.1:{port}/"
        assert served.url == url and served.running and repr(served) == f"<glassnet playground at {url}>"
        assert f'<iframe src="{url}"' in served._repr_html_()
        with urllib.request.urlopen(url + "api/options", timeout=10) as answer:
            assert answer.status == 200 and b"activation" in answer.read()
        with pytest.raises(RuntimeError, match=f"could not start at {url}.*is port {port} in use"):
            playground.start(port=port)
    finally:
        served.stop()
    assert not served.running and served._repr_html_() is None and repr(served).endswith("(stopped)>")
    again = playground.start(port=port)  # the port is free again (a bare bind could meet the closed TCP connection)
    again.stop()


def _results():
    """One of each result object that a notebook shows as a cell's last line."""
    from glassnet.classic import ThresholdUnit, perceptron_rule
    from glassnet.descent import gradient_descent

    model = _xor_model()
    return {
        "Trace": model.trace(XOR_X[:4], XOR_Y[:4]),
        "GradientCheckResult": glassnet.check_gradients(model, XOR_X[:4], XOR_Y[:4]),
        "Diagnosis": model.diagnose(XOR_X, XOR_Y),
        "DescentTrace": gradient_descent("x**2", 1.0, 0.1, steps=3),
        "TruthTable": ThresholdUnit([1, 1], threshold=2).truth_table(),
        "RuleHistory": perceptron_rule(XOR_X[:4], np.array([0, 0, 0, 1]), epochs=5),
    }


def test_result_objects_show_their_printed_tables_as_a_cell_s_result():
    # a cell ending in model.trace(x, y) showed 2,754 characters of "Trace(x=array(...), layers=[LayerTrace(..."
    pretty = pytest.importorskip("IPython.lib.pretty")
    for name, result in _results().items():
        assert pretty.pretty(result) == str(result), name
        assert repr(result).startswith(f"{name}("), name  # the dataclass fields, for debugging
    trace = _results()["Trace"]
    assert trace._repr_markdown_() == trace.to_markdown()


def test_a_rule_history_prints_one_line_per_epoch_as_worked_by_hand():
    # AND with the perceptron rule, step(0) = 1, eta = 0.1, online, w = (w0, w1, w2) from 0: epoch 1 fires on
    # (0, 0) (w0 -= 0.1) and not on (1, 1) (w += 0.1 (1, 1, 1)); E = 1/2 sum (t - y)^2 before each epoch's end
    from glassnet.classic import perceptron_rule

    AND = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    history = perceptron_rule(AND, np.array([0, 0, 0, 1]), epochs=5)
    assert str(history).splitlines() == ["epoch\tE\tmistakes\tw", "0\t1.5\t3\t(0, 0, 0)", "1\t1.5\t3\t(0, 0.1, 0.1)",
                                         "2\t1\t2\t(-0.1, 0.2, 0.1)", "3\t0.5\t1\t(-0.2, 0.2, 0.1)",
                                         "4\t1\t2\t(-0.2, 0.2, 0.2)", "5\t0\t0\t(-0.3, 0.2, 0.1)"]
    long = str(perceptron_rule(AND, np.array([0, 1, 1, 0]), epochs=40)).splitlines()
    assert len(long) == 22 and long[11] == "... 21 epochs left out (the arrays hold them all)"
    assert long[10].startswith("9\t") and long[12].startswith("31\t") and long[-1].startswith("40\t")


def test_an_unbuilt_layer_s_weights_and_model_s_n_outputs_are_attribute_errors_too():
    # hasattr(Dense(3), "kernel") raised ValueError (Keras: False), and Sequential([Dense(2)]).n_outputs a
    # TypeError "'NoneType' object is not iterable"
    for layer, name in ((Dense(3), "kernel"), (Dense(3), "bias"), (BatchNormalization(), "moving_mean"),
                        (Embedding(5, 2), "embeddings")):
        assert not hasattr(layer, name) and getattr(layer, name, None) is None
        with pytest.raises(ValueError, match=rf"{type(layer).__name__}.{name} exists once the layer is built"):
            getattr(layer, name)
    for model in (Sequential([Dense(2)]), Sequential()):
        assert not hasattr(model, "n_outputs")
        with pytest.raises(ValueError, match=r"Sequential.n_outputs exists once the model is built \(fit, predict"):
            model.n_outputs
    model = Sequential([Dense(2)])
    model.build((None, 3))
    assert model.n_outputs == 2
