"""The ``RemoteMonitor`` callback: each epoch's logs POSTed to an HTTP server, as Keras's.

At each epoch end it sends ``{"epoch": epoch, **logs}`` (the epoch counted from 0) to
``root + path``, on the wire exactly as ``keras.callbacks.RemoteMonitor`` does through
``requests``:

    send_as_json=False   Content-Type: application/x-www-form-urlencoded
                         body: field=<json.dumps of the dict>, form-encoded (spaces as '+')
    send_as_json=True    Content-Type: application/json
                         body: the dict as JSON (UTF-8)

NumPy scalars and arrays go as Python numbers and lists (``.item()``, ``.tolist()``; Keras's
``.item()`` fails on an array of per-class values, glassnet sends the list). It uses the standard
library's ``urllib.request``, with a ``timeout`` so that a server that does not answer cannot hold
training up for long. A server that cannot be reached, or that answers with an HTTP error, is a
warning, never an exception: training goes on, as Keras. Keras warns at every epoch that fails;
glassnet warns at the first of a run of failed epochs, and again only after the server has taken
an epoch's logs in between, so that a monitor left on without its server does not repeat the same
line every epoch. As Keras (where ``requests`` refuses them), logs holding NaN or an infinity are
not sent as JSON (which has no such numbers) but warned of; in a form they go as Python's
``json.dumps`` writes them (``NaN``, ``Infinity``), as Keras.
"""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .._validation import check_bool, check_number
from .callbacks import Callback
from .divergence import user_stacklevel


def _check_string(value, name, example):
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, such as {example!r}. Received: {name}={value!r:.100}")
    return value


def _check_root(root):
    _check_string(root, "root", "http://localhost:9000")
    try:
        parts = urllib.parse.urlsplit(root)
    except ValueError as error:  # (a malformed IPv6 address, a bad port)
        raise ValueError(f"root must be an http:// or https:// URL. Received: root={root!r:.100} ({error})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"root must be an http:// or https:// URL with a host, such as 'http://localhost:9000'. "
                         f"Received: root={root!r:.100}")
    return root


def _check_headers(headers):
    if headers is None:
        return None
    if not isinstance(headers, dict):
        raise TypeError(f"headers must be a dict of header names to values (str to str) or None. "
                        f"Received: headers={headers!r:.100}")
    for key, value in headers.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"headers must map str names to str values. Received: headers[{key!r:.50}]={value!r:.50}")
        if not key or any(c in key for c in ":\r\n") or any(c in value for c in "\r\n"):
            raise ValueError(f"headers holds a name or value HTTP cannot carry (empty, ':' in a name, a line break). "
                             f"Received: headers[{key!r:.50}]={value!r:.50}")
    return dict(headers)


class _KeepPostOnRedirect(urllib.request.HTTPRedirectHandler):
    """urllib's redirects, and a 307 or 308 answer to the POST followed with its body and headers,
    as ``requests`` (which Keras uses) follows them (an Authorization header only to the same host);
    urllib's own handler refuses those for a POST."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if code in (307, 308) and req.get_method() == "POST":
            kept = dict(req.header_items())
            if urllib.parse.urlsplit(newurl).hostname != urllib.parse.urlsplit(req.full_url).hostname:
                # another host: no credentials go there (requests drops Authorization too)
                kept = {k: v for k, v in kept.items() if k.lower() != "authorization"}
            return urllib.request.Request(newurl, data=req.data, headers=kept, method="POST",
                                          origin_req_host=req.origin_req_host, unverifiable=True)
        return super().redirect_request(req, fp, code, msg, headers, newurl)

    # Python 3.10's handler has no http_error_308 (3.11 added it, as this same alias): without it a 308
    # reached the user as an HTTP error, and the logs were lost
    http_error_308 = urllib.request.HTTPRedirectHandler.http_error_302


_OPENER = urllib.request.build_opener(_KeepPostOnRedirect)


def _plain(value):
    """A log value as JSON can hold it: a NumPy scalar as its Python number (Keras's ``.item()``), an
    array as nested lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class RemoteMonitor(Callback):
    """POST each epoch's logs to ``root + path``, as ``keras.callbacks.RemoteMonitor``.

    Parameters
    ----------
    root : str
        The server's http:// or https:// URL.
    path : str
        Appended to ``root`` to make the URL posted to.
    field : str
        The form field that holds the JSON of the logs (``send_as_json=False``).
    headers : dict of str to str, optional
        Extra HTTP headers sent with each request (a ``Content-Type`` here replaces the default).
    send_as_json : bool
        Send the logs as a JSON body (``application/json``) rather than in a form.
    timeout : float
        Seconds to wait for the server at each epoch before warning and going on (glassnet's;
        Keras waits as long as ``requests`` does, with no limit).
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False, timeout=5.0):
        super().__init__()
        self.root = _check_root(root)
        self.path = _check_string(path, "path", "/publish/epoch/end/")
        self.field = _check_string(field, "field", "data")
        if not field:
            raise ValueError("field must be a non-empty string, such as 'data'. Received: field=''")
        self.headers = _check_headers(headers)
        self.send_as_json = check_bool(send_as_json, "send_as_json")
        self.timeout = check_number(timeout, "timeout", low=0, low_open=True)
        self._failing = False  # whether the last epoch's logs failed to go (warned of once per run of failures)

    def on_train_begin(self, logs=None):
        self._failing = False

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch, **{k: _plain(v) for k, v in (logs or {}).items()}}
        url = self.root + self.path
        try:
            if self.send_as_json:
                body = json.dumps(send, allow_nan=False).encode()
                content_type = "application/json"
            else:
                body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
                content_type = "application/x-www-form-urlencoded"
        except ValueError:  # (JSON has no NaN or infinity; requests refuses them too, so Keras sends nothing)
            self._warn(f"RemoteMonitor did not send epoch {epoch}'s logs to {url}: they hold NaN or an infinity, "
                       f"which JSON cannot carry (send_as_json=False sends them as NaN/Infinity).")
            return
        headers = {"Content-Type": content_type}
        for key, value in (self.headers or {}).items():  # the user's Content-Type wins, as requests
            if key.lower() == "content-type":
                del headers["Content-Type"]
            headers[key] = value
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:  # reached, but refused: Keras ignores the status
            error.close()
            self._warn(f"RemoteMonitor: the server at {url} answered epoch {epoch}'s logs with HTTP "
                       f"{error.code} {error.reason}. Training goes on.")
        except (OSError, http.client.HTTPException) as error:  # (URLError, a timeout, a dropped connection)
            reason = getattr(error, "reason", None) or error
            self._warn(f"Could not reach RemoteMonitor root server at {self.root} ({reason}). Training goes on; "
                       f"the next epochs' logs are tried again, with no further warning until one gets through.")
        else:
            self._failing = False

    def _warn(self, message):
        if not self._failing:
            warnings.warn(message, stacklevel=user_stacklevel())  # (the user's fit line)
        self._failing = True
