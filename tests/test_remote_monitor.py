"""RemoteMonitor: each epoch's logs POSTed as Keras's, against a local server (no network)."""

import json
import math
import socket
import threading
import urllib.parse
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from glassnet.callbacks import RemoteMonitor
from glassnet.layers import Dense
from glassnet.models import Sequential


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """urllib and requests both take a proxy from the environment: the local server is reached directly."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


class _Server:
    """A server on 127.0.0.1 that records each request and answers with the next of ``statuses``
    (200 once they run out)."""

    def __init__(self, statuses=()):
        self.requests, self.statuses = [], list(statuses)
        self.location = ""  # where a 307/308 sends the client: this server's /moved<path>, or another root
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = server.statuses.pop(0) if server.statuses else 200
                self.send_response(status)
                if status in (307, 308):  # moved: to /moved<path>
                    self.send_header("Location", f"{server.location}/moved{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _content_type(request):
    return {k.lower(): v for k, v in request["headers"].items()}["content-type"]


def _sent(request, field="data"):
    """The dict a request carried, as a server reads it (the form's field, or the JSON body)."""
    if _content_type(request) == "application/json":
        return json.loads(request["body"])
    form = urllib.parse.parse_qs(request["body"].decode(), strict_parsing=True)
    assert list(form) == [field] and len(form[field]) == 1
    return json.loads(form[field][0])


def _fit(callback, rng, epochs=3):
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(1)])
    model.compile(loss="mse", optimizer="sgd", metrics=["mae"])
    return model.fit(X, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0, callbacks=[callback])


@pytest.mark.parametrize("send_as_json", [False, True])
def test_each_epoch_posts_its_logs(rng, send_as_json):
    with _Server() as server:
        history = _fit(RemoteMonitor(root=server.root, path="/runs/7/", field="metrics", headers={"X-Token": "abc"},
                                     send_as_json=send_as_json), rng)
    assert len(server.requests) == 3
    for epoch, request in enumerate(server.requests):
        assert request["path"] == "/runs/7/"
        assert _content_type(request) == ("application/json" if send_as_json else "application/x-www-form-urlencoded")
        assert {k.lower(): v for k, v in request["headers"].items()}["x-token"] == "abc"
        sent = _sent(request, "metrics")
        assert list(sent) == ["epoch", "loss", "mae", "val_loss", "val_mae"]
        assert sent["epoch"] == epoch
        for key, values in history.history.items():
            assert sent[key] == values[epoch]  # (JSON's shortest repr of a float reads back exactly)


def test_the_users_content_type_replaces_the_default(rng):
    with _Server() as server:
        monitor = RemoteMonitor(root=server.root, headers={"content-type": "text/plain"}, send_as_json=True)
        monitor.on_epoch_end(0, {"loss": 0.5})
    assert _content_type(server.requests[0]) == "text/plain"
    assert json.loads(server.requests[0]["body"]) == {"epoch": 0, "loss": 0.5}


def test_numpy_values_go_as_numbers_and_lists():
    with _Server() as server:
        RemoteMonitor(root=server.root, send_as_json=True).on_epoch_end(
            4, {"loss": np.float32(0.1), "n": np.int64(3), "per_class": np.array([0.25, 0.5]), "zero_d": np.array(2.0)})
    assert json.loads(server.requests[0]["body"]) == {
        "epoch": 4, "loss": float(np.float32(0.1)), "n": 3, "per_class": [0.25, 0.5], "zero_d": 2.0}


@pytest.mark.parametrize("send_as_json", [False, True])
def test_the_wire_format_is_keras_s(rng, monkeypatch, send_as_json):
    """The same logs through Keras's RemoteMonitor (with ``requests``) and glassnet's: the same path,
    content type and body, byte for byte; and a Keras fit's bodies read as glassnet's do."""
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    pytest.importorskip("requests")
    logs = {"loss": np.float32(0.1), "accuracy": np.float64(1 / 3), "val_loss": 2.5, "learning_rate": 0.01,
            "big": 1e300, "n": np.int32(7)}
    with _Server() as server:
        for monitor in (keras.callbacks.RemoteMonitor(root=server.root, field="f w", headers={"X-A": "b"},
                                                      send_as_json=send_as_json),
                        RemoteMonitor(root=server.root, field="f w", headers={"X-A": "b"}, send_as_json=send_as_json)):
            monitor.on_epoch_end(2, dict(logs))
        keras_request, glassnet_request = server.requests
        assert glassnet_request["path"] == keras_request["path"] == "/publish/epoch/end/"
        assert _content_type(glassnet_request) == _content_type(keras_request)
        assert glassnet_request["body"] == keras_request["body"]

        server.requests.clear()
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="sgd", metrics=["mae"])
        X = rng.normal(size=(40, 3))
        model.fit(X, X.sum(axis=1), epochs=3, verbose=0, validation_split=0.25,
                  callbacks=[keras.callbacks.RemoteMonitor(root=server.root, send_as_json=send_as_json)])
        keras_bodies = [_sent(r) for r in server.requests]
        server.requests.clear()
        _fit(RemoteMonitor(root=server.root, send_as_json=send_as_json), rng)
        glassnet_bodies = [_sent(r) for r in server.requests]
    assert [b["epoch"] for b in keras_bodies] == [b["epoch"] for b in glassnet_bodies] == [0, 1, 2]
    for keras_body, glassnet_body in zip(keras_bodies, glassnet_bodies):
        assert sorted(keras_body) == sorted(glassnet_body)
        assert all(type(keras_body[k]) is type(glassnet_body[k]) for k in keras_body)


def test_nan_logs_go_in_a_form_as_keras_and_are_not_sent_as_json():
    with _Server() as server:
        RemoteMonitor(root=server.root).on_epoch_end(0, {"loss": math.nan})
        with pytest.warns(UserWarning, match="NaN or an infinity"):
            RemoteMonitor(root=server.root, send_as_json=True).on_epoch_end(0, {"loss": math.inf})
    assert len(server.requests) == 1
    assert server.requests[0]["body"] == b"data=%7B%22epoch%22%3A+0%2C+%22loss%22%3A+NaN%7D"


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_is_warned_of_once_and_training_goes_on(rng):
    root = f"http://127.0.0.1:{_closed_port()}"
    with pytest.warns(UserWarning, match=f"Could not reach RemoteMonitor root server at {root}") as caught:
        history = _fit(RemoteMonitor(root=root), rng, epochs=3)
    assert len(history.history["loss"]) == 3
    assert len([w for w in caught if "RemoteMonitor" in str(w.message)]) == 1


def test_a_server_that_does_not_answer_times_out(rng):
    with socket.socket() as s:  # listening, never accepting: the connection is made, no answer comes
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        with pytest.warns(UserWarning, match="Could not reach RemoteMonitor.*timed out"):
            history = _fit(RemoteMonitor(root=f"http://127.0.0.1:{s.getsockname()[1]}", timeout=0.2), rng, epochs=2)
    assert len(history.history["loss"]) == 2


def test_http_errors_warn_again_only_after_the_server_took_an_epoch(rng):
    with _Server(statuses=[500, 503, 200, 404]) as server:
        with pytest.warns(UserWarning) as caught:
            _fit(RemoteMonitor(root=server.root), rng, epochs=5)
    assert len(server.requests) == 5
    messages = [str(w.message) for w in caught if "RemoteMonitor" in str(w.message)]
    assert len(messages) == 2
    assert "HTTP 500" in messages[0] and "epoch 0" in messages[0]
    assert "HTTP 404" in messages[1] and "epoch 3" in messages[1]


def test_a_reachable_server_is_not_warned_of(rng):
    with _Server() as server, warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit(RemoteMonitor(root=server.root), rng, epochs=2)
    assert len(server.requests) == 2


@pytest.mark.parametrize("kwargs, error, match", [
    ({"root": 9000}, TypeError, "root must be a string"),
    ({"root": "localhost:9000"}, ValueError, "root must be an http"),
    ({"root": "ftp://host/"}, ValueError, "root must be an http"),
    ({"root": "http://"}, ValueError, "root must be an http"),
    ({"root": "http://[::1"}, ValueError, "root must be an http"),
    ({"path": None}, TypeError, "path must be a string"),
    ({"field": ""}, ValueError, "field must be a non-empty string"),
    ({"field": b"data"}, TypeError, "field must be a string"),
    ({"headers": [("X", "y")]}, TypeError, "headers must be a dict"),
    ({"headers": {"X": 1}}, TypeError, "headers must map str"),
    ({"headers": {"X": "a\r\nB: c"}}, ValueError, "headers holds"),
    ({"send_as_json": "yes"}, TypeError, "send_as_json must be True or False"),
    ({"timeout": 0}, ValueError, "timeout must be > 0"),
    ({"timeout": None}, TypeError, "timeout must be a number"),
    ({"timeout": math.inf}, ValueError, "timeout must be finite"),
])
def test_bad_arguments_are_refused_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        RemoteMonitor(**kwargs)


@pytest.mark.parametrize("status", [307, 308])
def test_a_307_or_308_redirect_is_followed_with_the_same_post(status, rng):
    # as requests (Keras's RemoteMonitor) follows them; urllib's own handler refuses to redirect a POST there
    with _Server(statuses=[status]) as server:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "Could not reach", no HTTP error
            _fit(RemoteMonitor(root=server.root, headers={"X-Run": "7"}), rng, epochs=2)
    first, moved, second = server.requests
    assert first["path"] == "/publish/epoch/end/" and moved["path"] == "/moved/publish/epoch/end/"
    assert moved["body"] == first["body"] and _sent(moved)["epoch"] == 0 and _sent(second)["epoch"] == 1
    assert {k.lower(): v for k, v in moved["headers"].items()}["x-run"] == "7"
    assert _content_type(moved) == "application/x-www-form-urlencoded"


def test_a_redirect_to_another_host_carries_no_authorization_header(rng):
    # 127.0.0.1 redirects to localhost (another host name): the credentials stay behind, as with requests
    with _Server() as target, _Server(statuses=[307]) as first:
        first.location = target.root.replace("127.0.0.1", "localhost")
        _fit(RemoteMonitor(root=first.root, headers={"Authorization": "Bearer s3cret", "X-Run": "7"}), rng, epochs=1)
    (moved,) = target.requests
    headers = {k.lower(): v for k, v in moved["headers"].items()}
    assert "authorization" not in headers and headers["x-run"] == "7" and _sent(moved)["epoch"] == 0
