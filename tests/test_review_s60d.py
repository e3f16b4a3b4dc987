"""Session 60's review (hrev3 F1-F5): diagnose's wrong-gradient check on a SpectralNormalization model, the kernel
build under a relative cache folder, a fork inside an inference pass, load_model's weights as given ones, and a copy
of the output returned by a forward override."""

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import initializers as I
from glassnet import kernels, losses, models
from glassnet import layers as L
from glassnet.diagnostics import DiagnosticWarning, diagnose
from glassnet.models import Sequential


def _problems(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticWarning)
        return dict(diagnose(model, X, y).problems)


def _tanh(z):
    return np.tanh(z)


_tanh.derivative = lambda z, a: 1 - a * a


def _tanh_wrong(z):
    return np.tanh(z)


_tanh_wrong.derivative = lambda z, a: 1 - a  # (tanh' is 1 − a²)


@pytest.mark.parametrize("activation", [_tanh, _tanh_wrong])
def test_the_wrong_gradient_check_moves_a_spectral_normalizations_kernel(activation):
    # F1: the kernel was put back before each pass, so the differences saw only the bias move: flagged (0.15)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5))
    y = (X[:, :1] > 0).astype(float)
    model = Sequential([L.Input((5,)), L.Dense(8, activation=activation), L.SpectralNormalization(L.Dense(4)),
                        L.Dense(1, "sigmoid")], dtype="float64", seed=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=3, verbose=0)
    found = _problems(model, X, y).get("wrong_gradient")
    errors = glassnet.check_gradients(model, X[:8], y[:8]).errors
    assert max(e for name, e in errors.items() if name.startswith("spectral")) < 1e-6  # (the reference)
    if activation is _tanh:
        assert found is None
    else:
        assert "in layer(s) 'dense' (relative error" in found and "spectral_normalization" not in found


@contextlib.contextmanager
def _relative_temporary_directory(dir=None, prefix=None, _made=tempfile.TemporaryDirectory):  # noqa: A002
    """TemporaryDirectory as Python 3.10 and 3.11 give it in a relative folder: a relative name."""
    with _made(dir=dir, prefix=prefix) as name:
        yield os.path.relpath(name)


def test_the_kernel_build_child_gets_an_absolute_folder_under_a_relative_cache(tmp_path, monkeypatch):
    # F2: under a relative XDG_CACHE_HOME the child (running in its build folder) wrote to build/build: no module
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", ".relcache")
    monkeypatch.setattr(kernels.tempfile, "TemporaryDirectory", _relative_temporary_directory)
    real_run, seen = subprocess.run, []

    def child(args, **kwargs):  # writes the module into its folder argument, as _build's numba does
        seen.append(args[-1])
        code = ("import os, sys, importlib.machinery\nname, folder = sys.argv[-2:]\n"
                "open(os.path.join(folder, name + importlib.machinery.EXTENSION_SUFFIXES[0]), 'w').write('x')")
        return real_run([sys.executable, "-c", code, *args[3:]], **kwargs)

    monkeypatch.setattr(kernels.subprocess, "run", child)
    folder = kernels.cache_dir()
    folder.mkdir(parents=True)
    assert not folder.is_absolute()
    assert kernels._build_in_child("glassnet_kernels_test", folder, folder / "module.so") is None
    assert os.path.isabs(seen[0]) and (folder / "module.so").read_text() == "x"


FORKS = hasattr(os, "register_at_fork") and "fork" in multiprocessing.get_all_start_methods()


@pytest.mark.skipif(not FORKS, reason="no fork on this platform")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_a_child_forked_inside_an_inference_pass_fits():
    # F3: the child's reader count fell to -1 as the pass closed, and its fit waited for readers for ever
    forked = []

    class Forking(Sequential):
        def forward(self, X, training=False, pins=None):
            out = super().forward(X, training, pins)
            if not training and not forked:
                forked.append(os.fork())
            return out

    X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    model = Forking([L.Input((4,)), L.Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model(X)  # (a shared section, the fork inside it)
    if forked[0] == 0:  # the child: exit 0 once fitted, killed by the alarm if it hangs
        code = 1
        try:
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(5)
            model.fit(X, X[:, :1], epochs=1, verbose=0)
            code = 0 if model._thread_lock._readers == 0 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(forked[0], 0)
    assert os.waitstatus_to_exitcode(status) == 0  # (-14: SIGALRM, it hung)
    assert model._thread_lock._readers == 0


def _bad_init():
    # Karpathy's bad initialisation (tests/test_karpathy_s60.py): both start checks fire on it
    model = Sequential([L.Input((3,), dtype="int64"),
                        L.Embedding(27, 10, embeddings_initializer=I.RandomNormal(stddev=1.0)), L.Flatten(),
                        L.Dense(200, "tanh", kernel_initializer=I.RandomNormal(stddev=1.0)),
                        L.Dense(27, kernel_initializer=I.RandomNormal(stddev=1.0))], dtype="float64", seed=1)
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("suffix", [".gn", ".keras"])
def test_a_trained_model_loaded_uncompiled_and_compiled_gets_no_start_warning(suffix, tmp_path):
    # F4: load_model(compile=False) + compile (fine-tuning) got 'saturated' and 'initial_loss' advice
    rng = np.random.default_rng(0)
    X, y = rng.integers(0, 27, size=(512, 3)), rng.integers(0, 27, size=512)
    model = _bad_init()
    assert {"saturated", "initial_loss"} <= set(_problems(model, X, y))
    model.fit(X, y, epochs=2, batch_size=64, verbose=0)
    path = str(tmp_path / ("m" + suffix))
    model.save(path) if suffix == ".gn" else model.export(path, format="keras")  # (a Keras file)
    loaded = models.load_model(path, compile=False)
    loaded.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    assert loaded.optimizer.iterations == 0
    assert not {"saturated", "initial_loss"} & set(_problems(loaded, X, y))


class _Dense2(Sequential):
    def __init__(self, **kwargs):
        super().__init__([L.Input((3,)), L.Dense(4, "tanh"), L.Dense(1)], **kwargs)


def test_a_forward_returning_a_copy_of_the_output_trains_as_the_plain_model():
    # F5: a copy (equal values, so the right gradients) was refused as "another array"
    class Copy(_Dense2):
        def forward(self, X, training=False, pins=None):
            return super().forward(X, training, pins).copy()

    class Scaled(_Dense2):
        def forward(self, X, training=False, pins=None):
            return 10 * super().forward(X, training, pins)

    X = np.random.default_rng(0).standard_normal((64, 3))
    trained = []
    for cls in (Copy, _Dense2):
        model = cls(seed=0)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(X, 2 * X[:, :1], epochs=3, batch_size=16, verbose=0)
        trained.append(model.get_weights())
    for a, b in zip(*trained):
        np.testing.assert_array_equal(a, b)
    model = Scaled(seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="Scaled.forward returns another array than its last layer's output"):
        model.fit(X, 2 * X[:, :1], epochs=1, verbose=0)
