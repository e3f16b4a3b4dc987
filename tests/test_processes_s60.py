"""glassnet in forked processes (a ``multiprocessing`` fork pool's workers) and the kernel build's child."""

import multiprocessing
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from glassnet import backend, kernels, threads, utils
from glassnet.layers import Dense, Input
from glassnet.models import Sequential

FORKS = hasattr(os, "register_at_fork") and "fork" in multiprocessing.get_all_start_methods()
needs_fork = pytest.mark.skipif(not FORKS, reason="no fork on this platform")
# (Python 3.12+ warns about a fork in a process with threads: these tests fork beside one on purpose)
quiet_fork = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")


def _in_forked_child(work, timeout=5):
    """``work()`` run in a child forked from this process, as a fork pool's worker: its result,
    ``"hung"`` if it did not answer within ``timeout`` seconds."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run():
        try:
            send.send(work())
        except Exception as exc:  # (shown in the test's failure)
            send.send(f"{type(exc).__name__}: {exc}")

    child = context.Process(target=run)
    child.start()
    answered = receive.poll(timeout)
    if not answered:
        child.kill()
    result = receive.recv() if answered else "hung"
    child.join()
    return result


def _model(seed=None):
    return Sequential([Input((4,)), Dense(3, activation="relu"), Dense(2)], seed=seed)


def _first_kernel():
    return _model().get_weights()[0]


def test_the_kernel_build_runs_in_its_build_folder_not_the_users(tmp_path, monkeypatch):
    # setuptools, in numba's build, imports ``dl``: a student's dl.py in the working folder ran in the child
    work = tmp_path / "work"
    work.mkdir()
    (work / "dl.py").write_text('open("RAN_IN_BUILD_CHILD", "w").write("x")\nraise FileNotFoundError("missing.npy")\n')
    monkeypatch.chdir(work)
    seen = {}
    real_run = subprocess.run

    def child(args, **kwargs):  # the build's child, its environment and folder, running `import dl` (no numba)
        seen.update(kwargs)
        code = "import glassnet.kernels\ntry:\n    import dl\nexcept ImportError:\n    pass\nprint('imported')"
        return real_run([sys.executable, "-c", code], **kwargs)

    monkeypatch.setattr(kernels.subprocess, "run", child)
    folder = tmp_path / "cache"
    folder.mkdir()
    why = kernels._build_in_child("glassnet_kernels_test", folder, folder / "module.so")
    assert not (work / "RAN_IN_BUILD_CHILD").exists()
    assert "exited with 0" in why and "imported" in why  # (no module made: glassnet imported, dl.py not run)
    assert os.path.dirname(seen["cwd"]) == str(folder) and os.path.basename(seen["cwd"]).startswith(".build-")


@needs_fork
def test_unseeded_models_differ_between_forked_workers(monkeypatch):
    monkeypatch.setitem(backend._state, "seedings", 0)  # (never seeded, whatever earlier tests did)
    monkeypatch.setitem(backend._state, "rng", np.random.default_rng())
    first, second = _in_forked_child(_first_kernel), _in_forked_child(_first_kernel)
    assert isinstance(first, np.ndarray) and isinstance(second, np.ndarray)
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, _first_kernel())


@needs_fork
def test_seeded_forked_workers_start_from_the_parents_state(monkeypatch):
    # documented: after set_random_seed, seed each worker (as NumPy and torch)
    monkeypatch.setitem(backend._state, "seedings", backend._state["seedings"])
    monkeypatch.setitem(backend._state, "rng", backend._state["rng"])
    utils.set_random_seed(7)
    first, second = _in_forked_child(_first_kernel), _in_forked_child(_first_kernel)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, _first_kernel())


@needs_fork
@quiet_fork
def test_a_child_forked_while_another_thread_holds_the_model_predicts_and_fits():
    model = _model(seed=0)
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 4), np.float32), np.zeros((8, 2), np.float32)
    model.fit(x, y, epochs=1, verbose=0)
    lock = threads.model_lock(model)
    held, release = threading.Event(), threading.Event()

    def hold():  # a fit's step in another thread, held for the fork
        with lock.fitting, lock.exclusive:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)

        def work():
            shape = model.predict(x, verbose=0).shape  # (hung on the held lock)
            model.fit(x, y, epochs=1, verbose=0)  # (refused: "already being fitted in another thread")
            return shape

        assert _in_forked_child(work) == (8, 2)
    finally:
        release.set()
        holder.join()


@needs_fork
@quiet_fork
def test_a_fork_inside_the_models_sections_and_a_limited_block_closes_them_in_the_child():
    # the forking thread goes on in the child (a fork in a fit's callback): its sections and block close there
    model = _model(seed=0)
    x = np.ones((8, 4), np.float32)
    lock = threads.model_lock(model)
    pid = None
    try:
        with lock.fitting, lock.exclusive, threads.limited(1):
            pid = os.fork()
        if pid == 0:
            with threads.limited(1), lock.fitting, lock.exclusive:
                pass
            ok = model.predict(x, verbose=0).shape == (8, 2) and threads._held["open"] == 0 and lock._fit == (None, 0)
            os._exit(0 if ok else 1)
    finally:
        if pid == 0:  # (the child never returns into pytest)
            os._exit(1)
    deadline = time.monotonic() + 5
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert done[0] == pid and os.waitstatus_to_exitcode(done[1]) == 0


@needs_fork
def test_a_child_forked_inside_a_limited_block_gets_blas_s_threads_back():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]

    def work():
        before = blas_threads()
        with threads.limited(1):  # (a fit's epoch in the child)
            inside = blas_threads()
        return before, inside, blas_threads()

    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        libraries = len(blas_threads())
        if not libraries:
            pytest.skip("threadpoolctl finds no BLAS library")
        with threads.limited(1):
            result = _in_forked_child(work)
        assert result == ([2] * libraries, [1] * libraries, [2] * libraries)  # (forked inside: [1], [1], [1])
