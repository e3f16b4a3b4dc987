"""The playground as a classroom server (session 57): its own training threads, answers encoded off the
event loop, a quiet Ctrl+C, no console browser, sessions per client and the Origin's port."""

import asyncio
import json
import inspect
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from test_playground import test_client

pytest.importorskip("uvicorn", reason="the playground extra (uvicorn) is not installed")


def test_static_files_and_sessions_are_served_while_every_demo_thread_is_busy(monkeypatch):
    # training, sessions and demos ran in Starlette's 40 threads, which also read the static files: with
    # 45 demos in flight a newcomer's /static/common.js waited 37-49 s (a blank, unstyled page)
    from glassnet.playground import app, demos

    running, most, release, lock = [0], [0], threading.Event(), threading.Lock()

    def slow_som(settings):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(timeout=5)
        with lock:
            running[0] -= 1
        return {"slept": True}

    monkeypatch.setattr(demos, "som", slow_som)
    answers = []
    with test_client() as client:
        threads = [threading.Thread(target=lambda: answers.append(client.post("/api/som", json={})))
                   for _ in range(45)]
        try:
            for thread in threads:
                thread.start()
            for _ in range(200):  # until the threads are full and the other requests wait for one
                if running[0] >= app.WORKER_THREADS:
                    break
                time.sleep(0.02)
            time.sleep(0.2)
            start = time.perf_counter()
            script = client.get("/static/common.js")
            waited = time.perf_counter() - start
            options = client.get("/api/options")
            start = time.perf_counter()  # the playground's sessions have threads of their own too
            created = client.post("/api/sessions", json={"n_samples": 100})
            stepped = client.post(f"/api/sessions/{created.json()['id']}/step")
            session_waited = time.perf_counter() - start
        finally:
            release.set()
            for thread in threads:
                thread.join(timeout=30)
    assert script.status_code == 200 and options.status_code == 200
    assert waited < 1, f"/static/common.js waited {waited:.1f} s behind the demos"
    assert stepped.json()["epoch"] == 1 and session_waited < 3, f"a new session waited {session_waited:.1f} s"
    assert most[0] == app.WORKER_THREADS  # never more at once
    assert len(answers) == 45 and all(a.status_code == 200 and a.json() == {"slept": True} for a in answers)


def test_answers_are_encoded_in_the_worker_thread_as_the_same_json(monkeypatch):
    # a step's 55 kB of JSON was encoded on the event loop: as much of its time as training took in a thread
    from starlette.responses import JSONResponse

    from glassnet.playground.app import _in_event_loop

    encoded_on_loop = []
    render = JSONResponse.render

    def spying_render(self, content):
        encoded_on_loop.append(_in_event_loop())
        return render(self, content)

    monkeypatch.setattr(JSONResponse, "render", spying_render)
    with test_client() as client:
        created = client.post("/api/sessions", json={})
        step = client.post(f"/api/sessions/{created.json()['id']}/step", json={"epochs": 2})
        demo = client.post("/api/perceptron", json={})
        assert encoded_on_loop == [False, False, False]
        client.get("/api/options")  # (small: encoded where it is made)
        assert encoded_on_loop[-1] is True
    for response in (created, step, demo):
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        # byte for byte what Starlette's JSONResponse made on the loop: compact, UTF-8, no NaN
        body = json.dumps(response.json(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        assert response.content == body.encode("utf-8")
    assert step.json()["epoch"] == 2 and len(step.json()["surface"]) > 1000


def test_an_answer_json_cannot_hold_is_a_server_error_not_a_bad_setting(monkeypatch):
    from glassnet.playground import demos

    monkeypatch.setattr(demos, "hopfield", lambda settings: {"energy": float("nan")})
    with test_client() as client:
        client._transport.raise_server_exceptions = False  # (Starlette's TestClient re-raises by default)
        assert client.post("/api/hopfield", json={}).status_code == 500


def _record(message, level=logging.ERROR, error=None, args=()):
    exc_info = (type(error), error, None) if error is not None else None
    return logging.LogRecord("uvicorn.error", level, __file__, 1, message, args, exc_info)


def test_ctrl_c_twice_drops_the_cancelled_requests_tracebacks_and_keeps_real_errors(capsys):
    # a second Ctrl+C while students trained printed ~45 lines of CancelledError traceback per request
    from glassnet.playground.app import _QuietStop

    quiet = _QuietStop([0])
    assert not quiet.filter(_record("Exception in ASGI application\n", error=asyncio.CancelledError()))
    lifespan = "Traceback (most recent call last):\n  File ...\n    await getter\nasyncio.exceptions.CancelledError\n"
    assert not quiet.filter(_record(lifespan))  # Starlette's lifespan logs its traceback as text
    assert quiet.filter(_record("Exception in ASGI application\n", error=ValueError("a real bug")))
    assert quiet.filter(_record("Invalid HTTP request received.", level=logging.WARNING))
    for line in ("Started server process [%d]", "Application startup complete.", "Shutting down"):
        assert not quiet.filter(_record(line, level=logging.INFO, args=(4242,) if "%d" in line else ()))
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("in_flight, said", [(3, "waiting for 3 requests in flight to finish"),
                                             (1, "waiting for 1 request in flight to finish"),
                                             (0, "waiting for the open connections to close")])
def test_the_first_ctrl_c_says_what_the_server_waits_for(in_flight, said, capsys):
    # uvicorn waited for the requests in flight without a word (its INFO line), and teachers pressed Ctrl+C again
    from glassnet.playground.app import _QuietStop

    record = _record("Waiting for connections to close. (CTRL+C to force quit)", level=logging.INFO)
    assert not _QuietStop([in_flight]).filter(record)
    assert capsys.readouterr() == ("", f"Stopping: {said} (Ctrl+C again cancels them).\n")
    # uvicorn's other wait, for the work of closed tabs' requests (review: it was dropped, seconds without a word)
    record = _record("Waiting for background tasks to complete. (CTRL+C to force quit)", level=logging.INFO)
    assert not _QuietStop([in_flight]).filter(record)
    assert capsys.readouterr() == ("", f"Stopping: {said} (Ctrl+C again cancels them).\n")


def test_serve_logs_through_the_filter_while_it_runs(monkeypatch, capsys):
    import uvicorn

    from glassnet.playground import app

    seen = {}

    def run(application, **kwargs):
        seen.update(kwargs, filters=list(logging.getLogger("uvicorn.error").filters))

    monkeypatch.setattr(uvicorn, "run", run)
    app.serve(port=8123, open_browser=False)
    assert [type(f) for f in seen["filters"]] == [app._QuietStop]
    assert seen["log_level"] == "info" and seen["access_log"] is False  # (the filter lets WARNING and up through)
    assert not any(isinstance(f, app._QuietStop) for f in logging.getLogger("uvicorn.error").filters)


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT as a terminal's Ctrl+C does")
def test_ctrl_c_twice_while_a_request_runs_prints_two_lines_and_status_130(tmp_path):
    from test_cli import _default_signals, _free_port, package_root

    port = _free_port()
    (tmp_path / "serve.py").write_text(
        "import pathlib, sys, time\n"
        "from glassnet.playground import demos\n"
        "def slow_som(settings):\n"
        "    pathlib.Path('started').touch()\n"
        "    time.sleep(3)\n"
        "    return {}\n"
        "demos.som = slow_som\n"
        "from glassnet.cli import main\n"
        f"sys.exit(main(['playground', '--no-browser', '--port', '{port}']))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(package_root()), os.environ.get("PYTHONPATH", "")]))
    server = subprocess.Popen([sys.executable, "serve.py"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, preexec_fn=_default_signals)
    err = []
    reader = threading.Thread(target=lambda: err.extend(server.stderr), daemon=True)
    reader.start()

    def som():
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/som", data=b"{}",
                                         headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=30).read()
        except OSError:  # cancelled: a 500, or the connection closed
            pass

    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/options", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        client = threading.Thread(target=som, daemon=True)
        client.start()
        for _ in range(200):
            if (tmp_path / "started").exists():
                break
            time.sleep(0.02)
        server.send_signal(signal.SIGINT)
        for _ in range(200):
            if any(line.startswith("Stopping") for line in err):
                break
            time.sleep(0.02)
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        reader.join(timeout=10)
    finally:
        server.kill()
    assert err == ["Stopping: waiting for 1 request in flight to finish (Ctrl+C again cancels them).\n",
                   "glassnet playground: interrupted\n"]
    assert server.returncode == 130


def test_no_browser_is_opened_where_it_could_not_show_the_page(monkeypatch, capsys):
    # ssh into a lab machine with w3m installed: Python's webbrowser started it in the server's terminal,
    # where it cannot run the page's scripts and fought uvicorn for the screen
    import webbrowser

    import uvicorn

    from glassnet.playground import app

    timers = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: None)
    monkeypatch.setattr(threading, "Timer", lambda delay, function, args: timers.append((function, args)) or
                        type("Timer", (), {"start": lambda self: None})())
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(webbrowser, "get", lambda: webbrowser.GenericBrowser("firefox"))
    app.serve(port=8123)  # no display: no browser at all
    assert timers == [] and "glassnet playground at http://127.0.0.1:8123/" in capsys.readouterr().out
    monkeypatch.setenv("DISPLAY", ":0")
    for console in ("w3m", "/usr/bin/lynx", "links", "www-browser", "elinks"):
        monkeypatch.setattr(webbrowser, "get", lambda: webbrowser.GenericBrowser(console))
        app.serve(port=8123)
        assert timers == [], console
    monkeypatch.setenv("BROWSER", "w3m %s")  # a console browser BROWSER names: not opened either
    monkeypatch.setattr(webbrowser, "get", lambda: webbrowser.GenericBrowser("w3m %s"))
    app.serve(port=8123)
    assert timers == []
    firefox = webbrowser.GenericBrowser("firefox")
    monkeypatch.setattr(webbrowser, "get", lambda: firefox)
    app.serve(port=8123)
    assert timers == [(firefox.open, ("http://127.0.0.1:8123/",))]


def test_one_client_cannot_evict_the_other_students_sessions():
    # a script that created 256 sessions in 6 s pushed every student's session out
    from starlette.testclient import TestClient

    from glassnet.playground import app, create_app

    assert app.MAX_CLIENT_SESSIONS == 16  # as docs/playground.md says
    application = create_app(local_only=False)
    student = TestClient(application, client=("192.0.2.7", 50001))
    script = TestClient(application, client=("192.0.2.66", 50002))
    teacher = TestClient(application, client=("127.0.0.1", 50003))  # this machine, or a proxy for everyone
    kept = student.post("/api/sessions", json={}).json()["id"]
    own = [script.post("/api/sessions", json={"seed": k}).json()["id"] for k in range(17)]
    assert student.post(f"/api/sessions/{kept}/step").status_code == 200
    first = script.post(f"/api/sessions/{own[0]}/step")
    assert first.status_code == 404 and first.json()["reason"] == (
        "the server keeps the 16 sessions each computer used most recently, and this one used 16 others since")
    assert all(script.post(f"/api/sessions/{s}/step").status_code == 200 for s in own[1:])
    # its own least recently used goes first: one stepped again is kept
    assert script.post(f"/api/sessions/{own[1]}/step").status_code == 200
    script.post("/api/sessions", json={})
    assert script.post(f"/api/sessions/{own[2]}/step").status_code == 404
    assert script.post(f"/api/sessions/{own[1]}/step").status_code == 200
    mine = [teacher.post("/api/sessions", json={}).json()["id"] for _ in range(20)]
    assert all(teacher.post(f"/api/sessions/{s}/step").status_code == 200 for s in mine)
    with test_client(base_url="http://127.0.0.1:8123") as local:  # one person's machine: the 32 of MAX_SESSIONS
        ids = [local.post("/api/sessions", json={"seed": k}).json()["id"] for k in range(20)]
        assert local.post(f"/api/sessions/{ids[0]}/step").status_code == 200


def test_another_port_on_this_machine_is_another_site():
    # Origin http://localhost:9999 (a dev server's or a notebook's page) could drive the API on port 8123
    with test_client(base_url="http://127.0.0.1:8123") as client:
        for host, origin in [("localhost:8123", "http://localhost:9999"), ("127.0.0.1:8123", "http://127.0.0.1:9999"),
                             ("127.0.0.1:8123", "http://127.0.0.1"), ("127.0.0.1:8123", "http://localhost:8123"),
                             ("[::1]:8123", "http://[::1]:9999")]:
            response = client.post("/api/sessions", json={}, headers={"host": host, "origin": origin})
            assert response.status_code == 403, (host, origin)
            assert f"only this server's own page, http://{host}, may send them" in response.json()["error"]
        for host in ("127.0.0.1:8123", "localhost:8123", "[::1]:8123", "LOCALHOST:8123"):
            response = client.post("/api/sessions", json={}, headers={"host": host, "origin": f"http://{host.lower()}"})
            assert response.status_code == 200, host
        assert client.get("/api/options", headers={"host": "localhost:8123"}).status_code == 200  # no Origin: a GET


def test_sessions_per_client_0_lets_a_class_behind_one_address_keep_its_sessions(monkeypatch, capsys):
    # (review, session 57) Docker Desktop's published port or a campus NAT shows the whole class as one address:
    # the 17th student's session dropped the first's; glassnet playground --sessions-per-client 0 lifts the cap
    import uvicorn
    from starlette.testclient import TestClient

    from glassnet.cli import main
    from glassnet.playground import app as app_module
    from glassnet.playground import create_app

    natted = TestClient(create_app(local_only=False, sessions_per_client=0), client=("172.17.0.1", 50001))
    ids = [natted.post("/api/sessions", json={"seed": k}).json()["id"] for k in range(20)]
    assert all(natted.post(f"/api/sessions/{s}/step").status_code == 200 for s in ids)
    two = TestClient(create_app(local_only=False, sessions_per_client=2), client=("192.0.2.7", 50002))
    ids = [two.post("/api/sessions", json={"seed": k}).json()["id"] for k in range(3)]
    assert [two.post(f"/api/sessions/{s}/step").status_code for s in ids] == [404, 200, 200]
    for bad in (-1, 1.5, True, "16"):
        with pytest.raises(ValueError, match="sessions_per_client must be a non-negative integer"):
            create_app(local_only=False, sessions_per_client=bad)
    opened = []
    monkeypatch.setattr(app_module, "_browser", lambda: opened.append(1))
    with pytest.raises(ValueError, match="sessions_per_client"):  # before the address is printed or a browser opened
        app_module.serve(sessions_per_client=-1)
    assert capsys.readouterr().out == "" and opened == []
    # the defaults of the public wrappers and of the command are the module's one figure
    from glassnet import playground
    from glassnet.cli._parser import build_parser

    for function in (playground.create_app, playground.serve, app_module.serve):
        assert inspect.signature(function).parameters["sessions_per_client"].default == app_module.MAX_CLIENT_SESSIONS
    assert build_parser().parse_args(["playground"]).sessions_per_client == app_module.MAX_CLIENT_SESSIONS
    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kwargs: seen.update(app=application))
    made = []
    original = app_module.create_app
    monkeypatch.setattr(app_module, "create_app", lambda **kwargs: made.append(kwargs) or original(**kwargs))
    assert main(["playground", "--host", "127.0.0.1", "--port", "8790", "--no-browser", "--sessions-per-client",
                 "0"]) == 0
    assert made == [{"local_only": True, "sessions_per_client": 0}] and "app" in seen
    assert main(["playground", "--sessions-per-client", "-1", "--no-browser"]) == 2
    assert "--sessions-per-client" in capsys.readouterr().err
