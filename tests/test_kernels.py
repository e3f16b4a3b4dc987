"""jit_compile=True: the compiled optimizer steps give bit-for-bit the NumPy steps' weights."""

import importlib.machinery
import importlib.util
import os
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from glassnet import kernels, optimizers
from glassnet.layers import Dense, Dropout
from glassnet.models import Sequential, load_model
from glassnet.models import DivergenceWarning

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(0.1),
    "momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
    "nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(0.01),
    "adamw": lambda: optimizers.AdamW(0.01, weight_decay=0.01),
    "adam_schedule_clip": lambda: optimizers.Adam(optimizers.schedules.ExponentialDecay(0.01, 10, 0.5), clipnorm=1.0),
    # no compiled loop: these keep the NumPy rule under jit_compile=True
    "amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "rmsprop": lambda: optimizers.RMSprop(0.01, momentum=0.5),
}

@pytest.fixture(autouse=True)
def _layer_loops_on_small_arrays(monkeypatch):
    """The tests' small networks use the layer loops too (normally only from 2^14 activations)."""
    monkeypatch.setattr(kernels, "MIN_ACTIVATIONS", 0)


needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed (pip install glassnet[jit])")


def _data(seed=0, n=96):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 7)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    return X, y


def _trained(make_optimizer, jit_compile, dtype="float32", epochs=4):
    X, y = _data()
    model = Sequential([Dense(40, activation="relu", input_dim=7), Dropout(0.25), Dense(3, activation="softmax")],
                       seed=3, dtype=dtype)
    model.compile(optimizer=make_optimizer(), loss="sparse_categorical_crossentropy", jit_compile=jit_compile)
    model.fit(X.astype(dtype), y, batch_size=16, epochs=epochs, verbose=0)
    return model


@pytest.fixture(params=["ahead_of_time", "jit"])
def way(request, monkeypatch):
    """Each way of compiling the loops: the module built ahead of time (where this machine can
    build it), and numba's JIT in this process."""
    if request.param == "jit":
        request.getfixturevalue("jit_only")
    else:
        kernels.require()
        if kernels.describe().startswith("numba's JIT"):
            pytest.skip(f"no module built ahead of time here: {kernels.describe()}")
    return request.param


@needs_numba
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_step_gives_the_numpy_weights_bit_for_bit(name, dtype, way):
    numpy_model = _trained(OPTIMIZERS[name], False, dtype)
    jit_model = _trained(OPTIMIZERS[name], True, dtype)
    assert jit_model.jit_compile and jit_model.optimizer.jit_compile
    assert numpy_model._flat_params.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(jit_model._flat_params, numpy_model._flat_params)
    for key, value in numpy_model.optimizer.state.items():
        np.testing.assert_array_equal(jit_model.optimizer.state[key], value)
    assert jit_model.optimizer.iterations == numpy_model.optimizer.iterations == 4 * 6


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "adamw"])
def test_the_loops_match_the_numpy_rules_without_numba(name, monkeypatch):
    """The kernels' Python source (what numba compiles) against the NumPy rules, three steps."""
    monkeypatch.setattr(kernels, "get", lambda kernel: kernels._KERNELS[kernel])
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=300).astype(np.float32)
    grads = rng.normal(size=(3, 300)).astype(np.float32)
    results = []
    for jit in (False, True):
        opt = OPTIMIZERS[name]()
        opt.jit_compile = jit
        opt.build(300, np.float32)
        w = w0.copy()
        for g in grads:
            opt.apply(w, g.copy())
        results.append(w)
    np.testing.assert_array_equal(results[1], results[0])
    assert not np.array_equal(results[0], w0)


def test_the_adam_loop_is_the_formula_worked_by_hand(monkeypatch):
    """One Adam step from m = v = 0: m = (1 − β₁)g, v = (1 − β₂)g², w −= η·sqrt(1 − β₂)/(1 − β₁)·m/(sqrt(v) + ε)."""
    monkeypatch.setattr(kernels, "get", lambda kernel: kernels._KERNELS[kernel])
    opt = optimizers.Adam(0.1)
    opt.jit_compile = True
    opt.build(2, np.float64)
    w, g = np.array([1.0, -2.0]), np.array([0.5, -4.0])
    opt.apply(w, g)
    alpha = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    m, v = 0.1 * np.array([0.5, -4.0]), 0.001 * np.array([0.25, 16.0])
    np.testing.assert_allclose(opt.state["m"], m, rtol=1e-15)
    np.testing.assert_allclose(opt.state["v"], v, rtol=1e-15)
    np.testing.assert_allclose(w, [1.0, -2.0] - alpha * m / (np.sqrt(v) + 1e-7), rtol=1e-15)
    np.testing.assert_allclose(w, [0.9, -1.9], atol=1e-5)  # Adam's first step moves each weight by ≈ η


def test_jit_compile_argument_is_checked():
    model = Sequential([Dense(2, input_dim=3)])
    with pytest.raises(ValueError, match="jit_compile must be True, False or 'auto'"):
        model.compile(optimizer="adam", loss="mse", jit_compile="yes")
    with pytest.raises(TypeError, match="jit_compile must be True, False or 'auto'"):
        model.compile(optimizer="adam", loss="mse", jit_compile=None)
    model.compile(optimizer="adam", loss="mse")
    assert model.jit_compile is False
    model.compile(optimizer="adam", loss="mse", jit_compile="auto")
    assert model.jit_compile is kernels.available()


def test_jit_compile_without_numba_says_how_to_install_it(no_numba):
    model = Sequential([Dense(2, input_dim=3)])
    with pytest.raises(ImportError, match=r"pip install \"glassnet\[jit\]\""):
        model.compile(optimizer="adam", loss="mse", jit_compile=True)
    with pytest.raises(ImportError, match=r"pip install \"glassnet\[jit\]\""):
        model.compile(optimizer="adam", loss="mse", jit_compile=np.True_)
    model.compile(optimizer="adam", loss="mse", jit_compile="auto")  # falls back to NumPy
    assert model.jit_compile is False


@pytest.fixture
def jit_only(monkeypatch):
    """numba's JIT in this process: no module built ahead of time."""
    monkeypatch.setattr(kernels, "AHEAD_OF_TIME", False)
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_compiled", {})


@pytest.fixture
def broken_numba(monkeypatch):
    """numba installed but failing to import, as a numba built for another NumPy does (the
    module of the loops, whose name holds NumPy's version, is then built anew, which fails too)."""
    import builtins

    monkeypatch.setattr(kernels, "_ahead", {"module": None, "why": "the build failed"})
    monkeypatch.setattr(kernels, "_compiled", {})

    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == "numba" or name.startswith("numba."):
            raise ImportError("Numba needs NumPy 2.3 or less. Got NumPy 9.9.")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)


@needs_numba
def test_a_numba_that_fails_to_import_is_not_available(broken_numba, tmp_path):
    assert kernels.available() is False  # installed, but "auto" must not pick it
    model = Sequential([Dense(2, input_dim=3)])
    with pytest.raises(ImportError, match=r"failed to import \(Numba needs NumPy 2.3 or less"):
        model.compile(optimizer="adam", loss="mse", jit_compile=True)
    model.compile(optimizer="adam", loss="mse", jit_compile="auto")
    assert model.jit_compile is False
    # a model that asks for the kernels anyway fails before its first step changes a weight
    model.compile(optimizer=optimizers.AdamW(0.1, weight_decay=0.5), loss="mse")
    model.jit_compile = True
    before = model.get_weights()
    with pytest.raises(ImportError, match="failed to import"):
        model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0
    model.save(tmp_path / "jit.gn")  # saved as a jit model: loading it here falls back to NumPy
    assert load_model(tmp_path / "jit.gn").jit_compile is False


@needs_numba
def test_a_diverging_compiled_step_is_caught_and_the_weights_restored():
    X, y = _data()
    histories = []
    for jit in (False, True):
        model = Sequential([Dense(8, activation="relu", input_dim=7), Dense(1)], seed=0)
        model.compile(optimizer=optimizers.SGD(1e30), loss="mse", jit_compile=jit)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            histories.append(model.fit(X, y.astype(np.float32), epochs=3, batch_size=32, verbose=0))
        assert any(issubclass(w.category, DivergenceWarning) for w in caught)
        assert np.isfinite(model._flat_params).all()
        histories[-1] = (histories[-1].history["loss"] if histories[-1].history else [], model._flat_params.copy())
    assert histories[0][0] == histories[1][0]
    np.testing.assert_array_equal(histories[0][1], histories[1][1])


@needs_numba
def test_a_saved_jit_model_uses_the_compiled_step_again(tmp_path):
    model = _trained(OPTIMIZERS["adam"], True)
    model.save(tmp_path / "m.gn")
    loaded = load_model(tmp_path / "m.gn")
    assert loaded.jit_compile is True
    plain = _trained(OPTIMIZERS["adam"], False)
    plain.save(tmp_path / "p.gn")
    assert load_model(tmp_path / "p.gn").jit_compile is False
    X, y = _data(1)
    loaded.fit(X, y, batch_size=16, epochs=1, verbose=0)  # resumes with the compiled step
    assert loaded.optimizer.jit_compile and all(layer.jit_compile for layer in loaded.layers)
    model.fit(X, y, batch_size=16, epochs=1, verbose=0)
    np.testing.assert_array_equal(loaded._flat_params, model._flat_params)


@needs_numba
def test_fit_with_jit_compile_runs_the_compiled_loops(monkeypatch):
    used = []
    real_get = kernels.get
    monkeypatch.setattr(kernels, "get", lambda name: used.append(name) or real_get(name))
    _trained(OPTIMIZERS["adam"], True, epochs=1)
    assert {"adam", "bias_relu", "relu_backward", "dropout"} <= set(used)
    used.clear()
    _trained(OPTIMIZERS["adam"], False, epochs=1)
    assert used == []
    monkeypatch.setattr(kernels, "MIN_ACTIVATIONS", 1 << 14)  # the default: 16x40 activations keep NumPy
    _trained(OPTIMIZERS["adam"], True, epochs=1)
    assert set(used) == {"adam"}


@pytest.mark.parametrize("compiled", [False, pytest.param(True, marks=needs_numba)])
def test_the_layer_loops_match_numpy_on_special_values(compiled, way):
    """The ReLU and dropout loops (their Python source, and compiled) against NumPy, with NaN, ±inf and −0."""
    loop = kernels.get if compiled else kernels._KERNELS.__getitem__
    special = np.array([[np.nan, -np.inf, np.inf, -0.0, 0.0, 1e-45, -1e-45, 3.5, -2.0, 1e38]], dtype=np.float32)
    b = np.array([0.0, 1.0, -1.0, 0.0, -0.0, 0.0, 0.0, -3.5, 2.0, 1e38], dtype=np.float32)
    bits = np.array([0, 13106, 13107, 65535, 1, 40000, 13108, 7, 60000, 13107], dtype=np.uint16)
    scale = np.float32(1.25)
    with np.errstate(all="ignore"):  # inf · 0 and inf − inf, as in training
        Z, A = special.copy(), np.empty_like(special)
        loop("bias_relu")(Z, b, A)
        expected_Z = special + b
        np.testing.assert_array_equal(Z.view(np.uint32), expected_Z.view(np.uint32))
        np.testing.assert_array_equal(A.view(np.uint32), np.maximum(expected_Z, 0).view(np.uint32))

        dA = special[:, ::-1].copy()
        dZ = np.empty_like(dA)
        loop("relu_backward")(dA, special, dZ)
        np.testing.assert_array_equal(dZ.view(np.uint32), np.multiply(dA, special > 0).view(np.uint32))

        mask, Y = np.empty(10, np.float32), np.empty(10, np.float32)
        loop("dropout")(special[0], bits, np.uint16(13107), scale, mask, Y)
        expected_mask = np.multiply(bits >= 13107, scale)
        np.testing.assert_array_equal(mask, expected_mask)
        np.testing.assert_array_equal(Y.view(np.uint32), np.multiply(special[0], expected_mask).view(np.uint32))


@needs_numba
def test_kernels_compile_without_a_writable_cache(monkeypatch, jit_only):
    """numba refuses cache=True when it finds no writable cache folder; the loops are then compiled uncached."""
    import numba

    real_njit = numba.njit

    def njit(**options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'sgd': no locator available for file 'kernels.py'")
        return real_njit(**options)

    monkeypatch.setattr(numba, "njit", njit)
    monkeypatch.setattr(kernels, "_jitted", {})
    w, g = np.ones(4, np.float32), np.full(4, 2.0, np.float32)
    kernels.get("sgd")(w, g, np.float32(0.25))
    np.testing.assert_array_equal(w, 0.5)


@needs_numba
def test_float16_keeps_the_numpy_code_under_jit_compile(monkeypatch):
    used = []
    real_get = kernels.get
    monkeypatch.setattr(kernels, "get", lambda name: used.append(name) or real_get(name))
    with np.errstate(all="ignore"):
        jit_model = _trained(OPTIMIZERS["adam"], True, "float16", epochs=1)
        numpy_model = _trained(OPTIMIZERS["adam"], False, "float16", epochs=1)
    assert used == []
    np.testing.assert_array_equal(jit_model._flat_params, numpy_model._flat_params)


@needs_numba
def test_switching_jit_compile_off_after_compile_reaches_the_optimizer_and_layers(monkeypatch):
    used = []
    real_get = kernels.get
    monkeypatch.setattr(kernels, "get", lambda name: used.append(name) or real_get(name))
    X, y = _data()
    model = Sequential([Dense(40, activation="relu", input_dim=7), Dropout(0.25), Dense(3, activation="softmax")], seed=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=True)
    model.jit_compile = False
    model.fit(X, y, batch_size=16, epochs=1, verbose=0)
    assert used == [] and not model.optimizer.jit_compile


@pytest.mark.parametrize("name", ["nope", None, 3])
def test_an_unknown_kernel_is_a_value_error_listing_the_names(name):
    # a bare KeyError: 'nope' before (with or without numba: the name is checked first)
    with pytest.raises(ValueError, match=r"Unknown kernel .*Valid names: adam, bias_relu, .*sgd_momentum"):
        kernels.get(name)


@needs_numba
@pytest.mark.skipif(importlib.util.find_spec("scipy") is None, reason="SciPy is not installed")
def test_the_loops_do_not_load_scipy_linalg_and_numba_still_can():
    """numba would import scipy.linalg (15 MB of training's peak memory) for np.convolve's BLAS inner product;
    the kernels hide it for that one import: a fresh process trains without it, and numba's own np.dot,
    np.convolve and a later ``import scipy.linalg`` still work."""
    script = """if True:
        import sys
        import numpy as np
        from glassnet import kernels
        kernels.AHEAD_OF_TIME = False  # numba's JIT in this process
        w, g = np.ones(4, np.float32), np.full(4, 2.0, np.float32)
        kernels.get("sgd")(w, g, np.float32(0.25))
        assert w.tolist() == [0.5] * 4, w
        assert "scipy.linalg" not in sys.modules and "scipy.linalg.cython_blas" not in sys.modules
        import numba
        import scipy.linalg
        f = numba.njit(lambda a, b: (np.dot(a, b), np.convolve(a, b)))
        dot, conv = f(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
        assert dot == 32.0 and conv.tolist() == [4.0, 13.0, 28.0, 27.0, 18.0], (dot, conv)
        assert scipy.linalg.det(np.eye(2) * 3) == 9.0
        print("ok")
    """
    src = str(pathlib.Path(kernels.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def _src_env(**extra):
    src = str(pathlib.Path(kernels.__file__).parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])), **extra}


@needs_numba
def test_a_fresh_cache_builds_the_module_once_and_training_never_imports_numba(tmp_path):
    """The first process on a machine builds the loops' module (in a child process); it and every later
    process train with it, bit-for-bit as NumPy, without numba or LLVM in memory (110 MB of M1's peak)."""
    script = """if True:
        import sys
        import numpy as np
        from glassnet import kernels
        from glassnet.layers import Dense, Dropout
        from glassnet.models import Sequential
        kernels.MIN_ACTIVATIONS = 0  # the layer loops on this small network too
        rng = np.random.default_rng(0)
        X = rng.normal(size=(96, 7)).astype(np.float32)
        y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int)
        weights = []
        for jit in (True, False):
            model = Sequential([Dense(40, activation="relu", input_dim=7), Dropout(0.25),
                                Dense(2, activation="softmax")], seed=3)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=jit)
            model.fit(X, y, batch_size=16, epochs=3, verbose=0)
            weights.append(model._flat_params)
        assert np.array_equal(weights[0], weights[1])
        assert set(kernels._compiled) == {"adam", "bias_relu", "relu_backward", "dropout"}, kernels._compiled
        assert "numba" not in sys.modules and "llvmlite" not in sys.modules
        print(kernels.describe())
    """
    env = _src_env(XDG_CACHE_HOME=str(tmp_path))
    described = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        described.append(done.stdout.strip())
    folder = tmp_path / "glassnet" / "kernels"
    if described[0].startswith("numba's JIT"):  # this machine cannot link the module: say why
        reason = "".join(p.read_text()[-500:] for p in folder.glob("*.failed"))
        pytest.skip(f"the loops' module cannot be built here ({described[0]}): {reason}")
    modules = list(folder.iterdir())
    assert len(modules) == 1 and modules[0].name.startswith("glassnet_kernels_"), modules  # no build folder left
    assert described == [f"ahead of time: {modules[0]}"] * 2


@needs_numba
def test_the_module_built_ahead_of_time_takes_only_the_arrays_it_was_compiled_for(way):
    """Its functions would read any array as C-contiguous of their dtype: other arrays go to numba's
    dispatch (and compute what NumPy does), arrays of the wrong size are refused."""
    sgd = kernels.get("sgd")
    w = np.ones(8, np.float64)
    sgd(w[::2], np.full(4, 2.0), 0.25)  # strided: every other weight
    np.testing.assert_array_equal(w, [0.5, 1.0] * 4)
    w32 = np.ones(4, np.float32)
    sgd(w32, np.full(4, 2.0, np.float64), np.float32(0.25))  # a float64 gradient for float32 weights
    np.testing.assert_array_equal(w32, 0.5)
    Z, A = np.ones((2, 3), np.float32).T, np.empty((3, 2), np.float32)  # a transposed (Fortran-order) Z
    kernels.get("bias_relu")(Z, np.array([-2.0, 1.0], np.float32), A)
    np.testing.assert_array_equal(A, [[0.0, 2.0]] * 3)
    if way == "ahead_of_time":
        with pytest.raises(ValueError, match="argument 1 has shape"):
            sgd(np.ones(4), np.ones(3), 0.1)
        with pytest.raises(ValueError, match=r"argument 1 has shape \(4,\); expected \(3,\)"):
            kernels.get("bias_relu")(np.ones((2, 3)), np.ones(4), np.empty((2, 3)))


@needs_numba
def test_a_failed_build_falls_back_to_numba_and_is_not_tried_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_compiled", {})
    tries = []
    monkeypatch.setattr(kernels, "_build_in_child", lambda *args: tries.append(args) or "error: no C compiler")
    with pytest.warns(UserWarning, match=r"could not build its compiled loops ahead of time \(error: no C compiler; "
                                         r"the whole message is in .*\.failed\): numba compiles them in this process"):
        kernels.require()
    failed = list((tmp_path / "glassnet" / "kernels").glob("*.failed"))
    assert len(failed) == 1 and failed[0].read_text() == "error: no C compiler"
    assert kernels.describe() == f"numba's JIT in this process (building it failed; see {failed[0]})"
    w = np.ones(4, np.float32)
    kernels.get("sgd")(w, np.full(4, 2.0, np.float32), np.float32(0.25))  # numba's JIT does it
    np.testing.assert_array_equal(w, 0.5)
    monkeypatch.setattr(kernels, "_ahead", {})  # another process: not built again, nor warned
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kernels.require()
    assert len(tries) == 1 and "failed before" in kernels.describe()


@needs_numba
def test_a_module_that_does_not_load_is_not_built_again_by_every_process(tmp_path, monkeypatch):
    """A damaged file, or a cache on a folder mounted noexec: numba's JIT it is, and the reason is kept."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_compiled", {})
    folder = kernels.cache_dir()
    folder.mkdir(parents=True)
    damaged = folder / (kernels._module_name() + importlib.machinery.EXTENSION_SUFFIXES[0])
    damaged.write_bytes(b"not a shared library")
    kernels.require()
    assert not damaged.exists()
    assert "did not load" in kernels.describe()
    assert "was built but did not load" in next(folder.glob("*.failed")).read_text()
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_build_in_child", lambda *args: pytest.fail("built again"))
    kernels.require()
    assert "failed before" in kernels.describe()


@needs_numba
def test_a_cache_folder_that_cannot_be_made_says_so_and_numba_does_the_loops(tmp_path, monkeypatch):
    (tmp_path / "glassnet").write_text("a file where the folder would be")  # (a read-only folder stops no root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_compiled", {})
    with pytest.warns(UserWarning, match=r"cannot keep its compiled loops in .*\(\w+Error.*Set XDG_CACHE_HOME"):
        kernels.require()
    w = np.ones(4, np.float32)
    kernels.get("sgd")(w, np.full(4, 2.0, np.float32), np.float32(0.25))
    np.testing.assert_array_equal(w, 0.5)
    assert re.match(r"numba's JIT in this process \(\w+Error", kernels.describe())


class _SignSGD(optimizers.SGD):
    """A user's own rule on SGD: ``w ← w − η sign(g)``."""

    def update(self, w, g, lr, state, tmp):
        w -= lr * np.sign(g)


class _ClippedAdam(optimizers.Adam):
    """A user's Adam that clips each gradient entry first, then runs Adam's rule."""

    def update(self, w, g, lr, state, tmp):
        np.clip(g, -0.01, 0.01, out=g)
        super().update(w, g, lr, state, tmp)


class _HalfDropout(Dropout):
    """A user's own mask: the first half of the units always dropped."""

    def draw(self, X):
        mask = np.full(X.shape, 2.0, X.dtype)
        mask[:, : X.shape[1] // 2] = 0
        return mask


class _ShiftedDropout(Dropout):
    """A user's own way of applying the mask."""

    def apply(self, X, mask):
        return X * mask + 0.5


class _PlainSGD(optimizers.SGD):
    """A subclass with no rule of its own: the compiled loop stays."""


@pytest.fixture
def python_loops(monkeypatch):
    """jit_compile=True with the loops' Python source in place of numba's (which computes the same): runs
    without numba; counts the loops used."""
    used = []
    monkeypatch.setattr(kernels, "require", lambda: None)
    monkeypatch.setattr(kernels, "get", lambda name: used.append(name) or kernels._KERNELS[name])
    return used


@pytest.mark.parametrize("case, loop", [
    ("sign_sgd", "sgd"), ("clipped_adam", "adam"), ("half_dropout", "dropout"), ("shifted_dropout", "dropout")])
def test_a_subclass_with_its_own_rule_or_mask_runs_it_under_jit_compile(case, loop, python_loops):
    """The stock compiled loop stood in for a subclass's own update or mask: other weights, silently."""
    optimizer, layer = {
        "sign_sgd": (lambda: _SignSGD(0.05), Dropout),
        "clipped_adam": (lambda: _ClippedAdam(0.01), Dropout),
        "half_dropout": (lambda: optimizers.SGD(0.05), _HalfDropout),
        "shifted_dropout": (lambda: optimizers.SGD(0.05), _ShiftedDropout),
    }[case]
    X, y = _data()
    weights = []
    for jit in (False, True):
        model = Sequential([Dense(40, activation="relu", input_dim=7), layer(0.25, seed=1),
                            Dense(3, activation="softmax")], seed=3)
        model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy", jit_compile=jit)
        model.fit(X, y, batch_size=16, epochs=2, verbose=0)
        weights.append(model._flat_params.copy())
    np.testing.assert_array_equal(weights[1], weights[0])
    assert loop not in python_loops and "bias_relu" in python_loops  # (the other loops still ran)


def test_a_subclass_without_a_rule_of_its_own_keeps_the_compiled_loop(python_loops):
    X, y = _data()
    model = Sequential([Dense(40, activation="relu", input_dim=7), Dropout(0.25), Dense(3, activation="softmax")])
    model.compile(optimizer=_PlainSGD(0.05, momentum=0.5), loss="sparse_categorical_crossentropy", jit_compile=True)
    model.fit(X, y, batch_size=16, epochs=1, verbose=0)
    assert {"sgd_momentum", "dropout"} <= set(python_loops)


def test_jit_compile_set_by_hand_is_checked_and_a_saved_model_loads(tmp_path):
    """``model.jit_compile = "auto"`` was kept as it was: training used the loops, and the file it saved
    ("jit_compile": "auto") could not be loaded."""
    model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.jit_compile = "auto"
    assert model.jit_compile is kernels.available()  # resolved as compile(jit_compile="auto")
    model.fit(np.ones((8, 3), np.float32), np.ones((8, 1), np.float32), verbose=0)
    model.save(tmp_path / "auto.gn")
    assert load_model(tmp_path / "auto.gn").jit_compile is kernels.available()
    model.jit_compile = np.False_
    assert model.jit_compile is False
    for value, error in ((1, TypeError), ("yes", ValueError), (None, TypeError), ("True", ValueError)):
        with pytest.raises(error, match=r"jit_compile must be True, False or 'auto'\. Received: jit_compile="):
            model.jit_compile = value
        assert model.jit_compile is False
    config = model.get_compile_config()
    assert config["jit_compile"] is False


def test_jit_compile_set_by_hand_to_auto_falls_back_without_numba(no_numba):
    model = Sequential([Dense(2, input_dim=3)])
    model.compile(optimizer="sgd", loss="mse")
    model.jit_compile = "auto"  # (an ImportError at fit before: "auto" was read as True)
    assert model.jit_compile is False
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)


def test_a_model_pickled_with_jit_compile_as_an_attribute_unpickles():
    import pickle

    model = Sequential([Dense(2, input_dim=3)])
    model.compile(optimizer="sgd", loss="mse")
    state = model.__getstate__()
    for old, now in ((True, True), (False, False), ("auto", kernels.available())):
        state = {k: v for k, v in state.items() if k != "_jit_compile"}
        state["jit_compile"] = old  # as models pickled before it was a property hold it
        restored = Sequential.__new__(Sequential)
        restored.__setstate__(state)
        assert restored.jit_compile is now
    model.jit_compile = True
    assert pickle.loads(pickle.dumps(model)).jit_compile is True


@needs_numba
def test_a_failed_build_with_numba_failing_to_import_says_training_uses_numpy(tmp_path, monkeypatch):
    """The warning said "numba compiles them in this process instead" with an empty reason (the first line of
    the build's output), and describe() claimed numba's JIT, while "auto" trained with NumPy."""
    import builtins

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_compiled", {})
    error = "numpy.core.multiarray failed to import (numba built for another NumPy)"
    monkeypatch.setattr(kernels, "_build_in_child",
                        lambda *args: f"the build exited with 1:\n\nTraceback (most recent call last):\n  ...\n"
                                      f"ImportError: {error}\n")
    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == "numba" or name.startswith("numba."):
            raise ImportError(error)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    model = Sequential([Dense(2, input_dim=3)])
    with pytest.warns(UserWarning) as caught:
        model.compile(optimizer="adam", loss="mse", jit_compile="auto")
    assert model.jit_compile is False
    message = str(caught[0].message)
    assert "numba fails to import (ImportError: numpy.core.multiarray failed to import" in message
    assert "falls back to NumPy" in message and "compiles them in this process" not in message
    described = kernels.describe()
    assert described.startswith("none: numba fails to import (ImportError: numpy.core") and "JIT" not in described


@needs_numba
def test_a_failed_build_says_the_error_on_the_last_line_of_its_output(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kernels, "_ahead", {})
    monkeypatch.setattr(kernels, "_compiled", {})
    monkeypatch.setattr(kernels, "_build_in_child",
                        lambda *args: "the build exited with 1:\nsome output\nTraceback:\n  ...\nLinkerError: no cc\n\n")
    with pytest.warns(UserWarning, match=r"ahead of time \(the build exited with 1: LinkerError: no cc; the whole "
                                         r"message is in .*\): numba compiles them in this process"):
        kernels.require()
    assert kernels.describe().startswith("numba's JIT in this process (building it failed")
