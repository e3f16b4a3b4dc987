"""SPEC conformance (session 58): a plot shown in a window from a script (E2 "saved to PNG or shown"), one Hopfield
image as Hopfield.recall returns it, bare `glassnet perceptron` and `glassnet som`, the lectures' names "unipolar
sigmoid" and "absolute error", and the SOM's topographic error as a count over n."""

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import activations, losses

SRC = str(Path(glassnet.__file__).parents[1])


def _run(program, tmp_path, backend):
    """``program`` in a fresh interpreter (a plain script), matplotlib's backend ``backend``; its standard output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([SRC, str(tmp_path)]), MPLBACKEND=backend)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(program)], capture_output=True, text=True,
                            timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout


# A backend with windows, as TkAgg or QtAgg is to pyplot, that records what it shows: "show <figure's title>" for
# each window shown, "mainloop" where plt.show() blocks until the windows are closed
WINDOWS = """
from matplotlib.backend_bases import FigureCanvasBase, FigureManagerBase, _Backend

shown = []


class Manager(FigureManagerBase):
    def show(self):
        shown.append("show " + self.canvas.figure.axes[0].get_title())


class Canvas(FigureCanvasBase):
    manager_class = Manager


@_Backend.export
class _Windows(_Backend):
    FigureCanvas = Canvas
    FigureManager = Manager

    @staticmethod
    def mainloop():
        shown.append("mainloop")
"""


def test_a_plot_shows_in_a_window_from_a_script_as_a_pyplot_figure_does(tmp_path):
    # E2 "saved to PNG or shown": fig.show() raised "Figure.show works only for figures managed by pyplot", and
    # plt.figure(fig) worked only from matplotlib 3.11 ("The passed figure is not managed by pyplot" before)
    pytest.importorskip("matplotlib")
    (tmp_path / "windows.py").write_text(WINDOWS)
    program = """
        import matplotlib.pyplot as plt
        import windows
        from glassnet import plots

        reference = plt.figure().add_subplot(title="pyplot's")  # the reference: pyplot's own figure, plt.show()
        plt.show()
        print(windows.shown)
        plt.close("all")
        windows.shown.clear()
        fig = plots.plot_history({"loss": [1.0, 0.5]})
        fig.axes[0].set_title("glassnet's")
        print(plt.get_fignums())  # the plot opened no pyplot figure
        plots.show(fig)
        print(windows.shown, plt.get_fignums(), type(fig.canvas).__name__)
        plt.close(fig)  # its window closed, it shows again
        windows.shown.clear()
        fig.show()
        plt.show()
        print(windows.shown, plt.get_fignums())
    """
    out = _run(program, tmp_path, "module://windows").splitlines()
    assert out[0] == "[\"show pyplot's\", 'mainloop']"
    assert out[1:] == ["[]", "[\"show glassnet's\", 'mainloop'] [1] Canvas",
                       "[\"show glassnet's\", \"show glassnet's\", 'mainloop'] [1]"]


def test_show_without_windows_warns_as_plt_show_does(monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from glassnet import plots

    monkeypatch.setenv("DISPLAY", ":0")  # (without it, on Linux, matplotlib says nothing: a server has no display)
    previous = plt.get_backend()
    plt.switch_backend("agg")
    try:
        plt.figure()
        with pytest.warns(UserWarning) as reference:
            plt.show()
        plt.close("all")
        fig = plots.plot_history({"loss": [1.0, 0.5]})
        with pytest.warns(UserWarning) as ours:
            plots.show(fig)
        assert [str(w.message) for w in ours] == [str(w.message) for w in reference] == [
            "FigureCanvasAgg is non-interactive, and thus cannot be shown"]
        with pytest.warns(UserWarning, match="non-interactive"):
            fig.show()
        monkeypatch.delenv("DISPLAY")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            plots.show(fig)
            fig.show()
        with pytest.raises(TypeError, match="show takes matplotlib Figures, such as a glassnet plot returns. "
                                            "Received: 3"):
            plots.show(fig, 3)
    finally:
        plt.close("all")
        plt.switch_backend(previous)


def test_show_in_jupyter_s_inline_backend_shows_the_plot_once(tmp_path):
    pytest.importorskip("matplotlib_inline")
    program = """
        import matplotlib.pyplot as plt
        from matplotlib_inline import backend_inline
        from glassnet import plots

        shown = []
        backend_inline.display = lambda fig, **kwargs: shown.append(fig)
        plt.ion()  # as IPython's %matplotlib inline
        fig = plots.plot_history({"loss": [1.0, 0.5]})
        plots.show(fig)
        backend_inline.flush_figures()  # the cell's end
        print(shown == [fig], plt.get_fignums())
    """
    assert _run(program, tmp_path, "module://matplotlib_inline.backend_inline") == "True []\n"


@pytest.fixture
def one_recall():
    """One stored 10×10 bitmap (H), a 10%-noisy copy and what Hopfield.recall returns for it, each (10, 10)."""
    from glassnet.classic import Hopfield, flip_bits, load_bitmaps

    patterns, _ = load_bitmaps("HTX")
    net = Hopfield(random_state=0).fit(patterns)
    noisy = flip_bits(patterns[0], 0.1, random_state=0)
    recalled, trace = net.recall(noisy, return_trace=True)
    return patterns[0], noisy, recalled, trace


def _drawn(fig):
    return [ax.get_images()[0].get_array() for ax in fig.axes[:3]], [ax.get_xlabel() for ax in fig.axes[1:3]]


def test_hopfield_recall_draws_one_image_given_its_shape_or_trace(one_recall):
    # plot_hopfield_recall(H, noisy, recalled) read each (10, 10) image as 10 patterns of 10 pixels and asked for
    # shape=, which then failed too ("shape=(10, 10) holds 100 pixels, but stored has N=10")
    pytest.importorskip("matplotlib")
    from glassnet import plots

    stored, noisy, recalled, trace = one_recall
    assert stored.shape == noisy.shape == recalled.shape == (10, 10)
    flipped = int(np.sum(noisy != stored))  # 10 of 100
    for fig in (plots.plot_hopfield_recall(stored, noisy, recalled, shape=(10, 10)),
                plots.plot_hopfield_recall(stored, noisy, recalled, trace=trace)):
        images, labels = _drawn(fig)
        for drawn, given in zip(images, (stored, noisy, recalled)):
            np.testing.assert_array_equal(drawn, given)
        assert labels == [f"{flipped} bits flipped", "exact"] and flipped == 10
    message = (r"stored of shape \(10, 10\) reads as 10 patterns of N=10 values. For one 10×10 image, pass "
               r"shape=\(10, 10\) \(or stored\[None\], of shape \(1, 10, 10\)\)")
    with pytest.raises(ValueError, match=message):
        plots.plot_hopfield_recall(stored, noisy, recalled)
    # p flat patterns stay p rows: 3 patterns of 100 values, and 2 of 6 with shape=(2, 3)
    assert len(plots.plot_hopfield_recall(*[np.tile(a.ravel(), (3, 1)) for a in (stored, noisy, recalled)]).axes) == 9
    P = np.array([[1, -1, 1, -1, 1, -1], [1, 1, 1, -1, -1, -1]])
    assert len(plots.plot_hopfield_recall(P, P, P, shape=(2, 3)).axes) == 6


def test_bare_perceptron_and_som_run_their_default_data(tmp_path, monkeypatch, capsys):
    # `glassnet perceptron` and `glassnet som` stopped at "the following arguments are required: DATA", and
    # som's help began "DATA is auto (...)", train's words, where DATA is optional
    from glassnet.cli import main

    monkeypatch.chdir(tmp_path)

    def out(*args):
        assert main(list(args)) == 0
        return capsys.readouterr().out

    bare = out("perceptron")
    assert bare == out("perceptron", "and")
    # the AND run of docs/cli.md (worked by hand: w = (-4, 3, 2) after 9 epochs)
    assert "    9  -4   3   2         0\nConverged after 9 epoch(s)" in bare
    som = ("--grid", "3x3", "--epochs", "1")
    bare = out("som", *som)
    assert bare == out("som", "digits", *som)
    assert bare.startswith("Self-organizing map 3×3 (rectangular) on 1797 samples of digits (64 features)")
    assert "(and, or, xor, nand, nor, xnor; default and)" in out("perceptron", "--help")
    assert "DATA (default digits) is auto (MNIST when found locally" in out("som", "--help")


def test_the_lectures_unipolar_sigmoid_and_absolute_error_are_names():
    # seed 000: the logistic "is sometimes called unipolar sigmoid function in contrast to its bipolar version";
    # seed 001: "Absolute error loss, L_1 error" C = 1/n Σ|y − ŷ|
    x = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]])
    unipolar = activations.get("unipolar_sigmoid")
    np.testing.assert_allclose(unipolar(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    bipolar = activations.get("bipolar_sigmoid")
    np.testing.assert_allclose(bipolar(x), 2 * unipolar(x) - 1, rtol=0, atol=1e-15)
    y, y_hat = np.array([[1.0], [0.0], [2.0], [-1.0]]), np.array([[0.5], [0.25], [2.0], [1.0]])
    assert losses.get("absolute_error")(y, y_hat) == pytest.approx((0.5 + 0.25 + 0 + 2) / 4, rel=1e-15)
    model = glassnet.models.Sequential([glassnet.layers.Dense(1, input_dim=1, activation="unipolar_sigmoid")])
    model.compile(optimizer="sgd", loss="absolute_error")
    assert np.isfinite(model.fit(x.T, (x.T > 0) * 1.0, epochs=1, verbose=0).history["loss"][0])


def test_topographic_error_is_the_count_of_separated_winners_over_n():
    # 1 − mean(adjacent) gave 0.030000000000000027 for 6 of 200 samples
    from glassnet.classic import SOM

    X = np.random.default_rng(0).random((200, 3))
    som = SOM(grid=(6, 6), epochs=5, random_state=0).fit(X)
    # the reference: each sample's two nearest neurons by a full sort, adjacent when 1 apart on the 6×6 grid
    order = np.argsort(((X[:, None, :] - som.weights_[None]) ** 2).sum(-1), axis=1, kind="stable")
    (r1, c1), (r2, c2) = divmod(order[:, 0], 6), divmod(order[:, 1], 6)
    separated = int(np.sum(np.abs(r1 - r2) + np.abs(c1 - c2) != 1))
    assert separated == 6
    assert som.topographic_error(X) == separated / len(X) and repr(som.topographic_error(X)) == "0.03"
