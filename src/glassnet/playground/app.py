"""The playground's web application: a page and a small JSON API over :class:`.engine.Session`.

Routes::

    GET  /                             the playground (static/pages/playground.html in the shared shell)
    GET  /static/...                   the scripts and the style sheet
    GET  /api/options                  the menus and the defaults
    POST /api/sessions                 {settings} -> {id, config, points, state}
    POST /api/sessions/{id}/step       {"epochs": k, "since": m, "learning_rate": r} -> state after k more
                                       epochs (its loss curves from epoch m on: the points the page lacks),
                                       trained at rate r from now on (optional: the rate so far)
    DELETE /api/sessions/{id}
    GET  /descent, /backprop, /perceptron, /hopfield, /som    the lecture demos' pages
    POST /api/descend, /api/backprop, /api/perceptron, /api/hopfield, /api/som
                                       {settings} -> their results (:mod:`.demos`)

Bad settings answer 400 with ``{"error": "...", "field": "..."}``: the message names the setting as
its page labels it, ``field`` is the setting's key (the page outlines the field of that id); an unknown
session answers 404, an unknown route 404 and a wrong method 405, in JSON too.
Sessions live in memory, at most :data:`MAX_SESSIONS` on a loopback address and
:data:`MAX_NETWORK_SESSIONS` serving the network, there :data:`MAX_CLIENT_SESSIONS` per client
address (the least recently used is dropped), and one unused for :data:`IDLE_SECONDS` is dropped
too; a step of a dropped session answers 404 saying why (its ``reason``). Each session is behind a
lock, so one page's requests never interleave: a step sent while the session's previous one is still
training answers 409 at once. Training and the demos run in :data:`WORKER_THREADS` threads each, of
their own, so the page's files never wait for them, nor the playground's steps for a demo.

The server binds to 127.0.0.1 unless told otherwise, and then answers this machine's
pages only, as Jupyter does: a request whose ``Host`` is not a loopback name (a DNS
rebinding attack) or whose ``Origin`` is not the page's own (the ``Host``, port included) gets
403, and a POST with a body must send ``Content-Type: application/json`` (415 otherwise), which no
other site's page can send without the browser asking first. Bodies over :data:`MAX_BODY_BYTES` get 413.
"""

import asyncio
import collections
import functools
import ipaddress
import json
import logging
import os
import re
import secrets
import socket
import sys
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from ..models import DivergenceWarning
from ..threads import process_cpu_count
from . import demos
from .engine import Session, complete_settings, options

STATIC = Path(__file__).with_name("static")
#: The sessions kept (the least recently used is dropped first): a session holds about 0.1-0.3 MB
#: (its data, model and loss curves), at most 7 MB after engine.MAX_EPOCHS epochs. On a loopback
#: address one person's tabs; serving the network a lecture hall of students with a few tabs each:
#: typically under 100 MB, at most about 1.8 GB.
MAX_SESSIONS = 32
MAX_NETWORK_SESSIONS = 256
#: Serving the network, the sessions kept per client address (its least recently used is dropped
#: first), so that one script cannot push the whole class's sessions out; a loopback client (this
#: machine, or a proxy in front of the server) or one without an IP address has no cap of its own.
MAX_CLIENT_SESSIONS = 16
#: The threads that train the sessions, and as many again for the demos (a self-organizing map of 1-2 s
#: then never holds up the playground's steps of 10 ms). Pools of their own, not Starlette's 40 threads,
#: which also read the static files: 40 training requests in flight held a newcomer's scripts for 37-49 s.
#: The GIL makes more threads than cores no faster, and each holds a request's memory.
WORKER_THREADS = min(16, max(4, process_cpu_count() or 1))  # (a container's share, not the host's)
#: A session without a request for this long (a closed tab) is dropped, checked at each request.
IDLE_SECONDS = 3600
#: The dropped sessions whose ids are remembered, so that their pages are told why.
REMEMBERED_DROPS = 4096
#: The largest request body read: the settings are under 1 kB.
MAX_BODY_BYTES = 64 * 1024
#: what a bad setting raises: a 400 naming it (an int past float range, a formula nested too deep)
BAD_SETTINGS = (TypeError, ValueError, OverflowError, RecursionError)

#: The pages, in the navigation bar's order: path -> (body file, title, lead, script, menu label).
PAGES = {
    "/": ("playground", "glassnet playground",
          "A multilayer perceptron trained by glassnet on this machine, drawn as it learns.", "playground.js",
          "Playground"),
    "/descent": ("descent", "glassnet — gradient descent on f(x)",
                 "Seed 000's tables: minimise f from x0 with learning rate η, one step x ← x − η·f'(x) at a time.",
                 "demos.js", "Gradient descent"),
    "/backprop": ("backprop", "glassnet — one step of backpropagation",
                  "The classic 2-2-1 worked example: the blue path forward, the red path back, and the "
                  "update ΔW = −η ∂J/∂W.", "demos.js", "Backpropagation step"),
    "/perceptron": ("perceptron", "glassnet — the perceptron rule",
                    "Δw = η [t − sgn(w·x)] x for one sample at a time: the line w0 + w1 x1 + w2 x2 = 0 moves only on "
                    "mistakes.", "demos.js", "Perceptron rule"),
    "/hopfield": ("hopfield", "glassnet — Hopfield network recall",
                  "Hebb's rule stores 10×10 bitmaps; a noisy copy settles by s_i ← sgn(Σ_j w_ij s_j) while the energy "
                  "E = −½ sᵀWs falls.", "demos.js", "Hopfield"),
    "/som": ("som", "glassnet — a self-organizing map unfolding",
             "Kohonen's rule pulls the winning neuron and its grid neighbours towards each sample; the grid (lines) "
             "unfolds over the data (dots).", "demos.js", "Self-organizing map"),
}

SHELL = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/playground.css">
<link rel="icon" href="data:,">
</head>
<body data-demo="{name}">
<header>
  <h1>{title}</h1>
  <p>{lead}</p>
  <nav>{nav}</nav>
</header>
<noscript><p class="noscript">This page computes and draws with JavaScript: please enable it.</p></noscript>
{body}
<p id="announce" class="visually-hidden" aria-live="polite" aria-atomic="true"></p>
<script src="/static/common.js"></script>
<script src="/static/{script}"></script>
</body>
</html>
"""


def render_page(path):
    """One page: the shared head, header and navigation around ``static/pages/<name>.html``."""
    name, title, lead, script, _ = PAGES[path]
    here = ' class="here" aria-current="page"'
    nav = "".join(f'<a href="{p}"{here if p == path else ""}>{entry[4]}</a>' for p, entry in PAGES.items())
    body = (STATIC / "pages" / f"{name}.html").read_text(encoding="utf-8")
    return SHELL.format(title=title, name=name, lead=lead, nav=nav, body=body.rstrip(), script=script)


def is_loopback(host):
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine only:
    ``localhost``, 127.0.0.0/8 and ::1, also as an IPv4-mapped IPv6 address (``::ffff:127.0.0.1``,
    which Python before 3.13 did not count: ``--host ::ffff:127.0.0.1`` served this machine only
    but was taken for the network, with a warning and without the Host and Origin checks)."""
    host = (host or "").strip("[]").lower()
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or (ip.version == 6 and ip.ipv4_mapped is not None and ip.ipv4_mapped.is_loopback)


def _one_computer(client):
    """Whether a client address is one computer's, whose sessions are capped: an IP address, not a
    loopback one (this machine, or a proxy in front of the server, for everyone) nor none (a Unix socket)."""
    try:
        ipaddress.ip_address(client)
    except ValueError:
        return False
    return not is_loopback(client)


def numeric_host(host):
    """``host`` as the address the server binds to when it is an address in any form the socket
    library takes (``0`` -> ``0.0.0.0``, ``127.1`` -> ``127.0.0.1``, ``[::1]`` -> ``::1``); a
    name (``localhost``) is returned as it is."""
    try:
        return socket.getaddrinfo(host.strip("[]"), None, flags=socket.AI_NUMERICHOST)[0][4][0]
    except (OSError, UnicodeError, ValueError):  # a name, or not an address at all
        return host


def host_problem(host, cli=False):
    """Why ``host`` is no host, in the words of the command line (``cli``) or of :func:`serve`;
    None where it is one. ``127.0.0.1:8000`` (a URL's way) was looked up as a name, "not an
    address of this machine"; ``[::1`` was taken as ``::1`` (brackets are stripped)."""
    label = f"--host {host!r}" if cli else f"host={host!r}"
    split = re.fullmatch(r"\[([^\[\]]*)\]:(\d+)|([^:\[\]]+):(\d+)", host)
    if split:
        name, port = (split[1], split[2]) if split[1] is not None else (split[3], split[4])
        fix = f"--host {name} --port {port}" if cli else f"serve(host={name!r}, port={port})"
        return f"{label} includes a port: give it apart, {fix}."
    if ("[" in host or "]" in host) and not re.fullmatch(r"\[[^\[\]]*\]", host):
        return f"{label} has an unmatched bracket: give an IPv6 address as ::1 or [::1]."
    return None


def network_addresses(family=socket.AF_INET):
    """This machine's addresses that other machines reach it at (``family``: IPv4 or IPv6): the one
    its default route uses (a UDP socket "connected" to a private address, which sends nothing)
    and those of its host name, without loopback and link-local ones. ``[]`` when offline."""
    found = []
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect(("fd00::1" if family == socket.AF_INET6 else "10.255.255.255", 9))
            found.append(probe.getsockname()[0])
    except OSError:  # no route: offline
        pass
    try:
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, family)]
    except (OSError, UnicodeError):
        pass
    addresses = []
    for address in found:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not (ip.is_loopback or ip.is_link_local or ip.is_unspecified) and address not in addresses:
            addresses.append(address)
    return addresses


def _host_of(header):
    """The host name of a ``Host`` header: ``localhost:8765`` -> ``localhost``, ``[::1]:8765`` -> ``::1``."""
    try:
        parts = urlsplit(f"//{header}")
        parts.port  # noqa: B018  (raises for a port that is not a number: localhost:1.evil.example)
        return parts.hostname or ""
    except ValueError:  # a malformed header: no host
        return ""


def _same_origin(origin, host):
    """Whether an ``Origin`` header is the page's own address, the ``Host`` header's, port included (as
    Jupyter checks): ``http://localhost:9999`` (another program's page on this machine) is not
    ``localhost:8765``'s; False for ``null`` or a malformed one (``http://[::1`` made urlsplit raise, a 500)."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def url_of(host, port):
    """The page's address: an IPv6 address is bracketed (``http://[::1]:8765/``)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _in_event_loop():
    """Whether this thread runs an asyncio event loop (a Jupyter cell does), where uvicorn.run cannot start one."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _require():
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError("the playground needs starlette and uvicorn: pip install \"glassnet[playground]\"") from None


class _BadRequest(Exception):
    """A request refused before its settings are read: ``(status, message)``."""


def _integer(text):
    """A JSON integer as ``int``. Python reads integers of up to ``sys.get_int_max_str_digits()`` digits
    (4300): a longer one in a body said "use sys.set_int_max_str_digits() to increase the limit",
    advice for a Python programmer, not for the page's user. Far past float range, it is no setting's."""
    limit = sys.get_int_max_str_digits()
    digits = len(text.lstrip("-"))
    if limit and digits > limit:
        raise _BadRequest(400, f"the request body holds an integer of {digits:,} digits, longer than the "
                               f"{limit:,} read: no setting takes a number that large.")
    return int(text)


def create_app(local_only=True, sessions_per_client=MAX_CLIENT_SESSIONS):
    """The Starlette application. ``local_only`` (the default, for a server on a loopback
    address): refuse requests from other machines' names and other sites' pages (see above).
    ``sessions_per_client``: serving the network, the sessions kept per client address (0: no cap of
    its own, for a class that reaches the server through one address: a NAT, Docker Desktop's port)."""
    if isinstance(sessions_per_client, bool) or not isinstance(sessions_per_client, int) or sessions_per_client < 0:
        raise ValueError(f"sessions_per_client must be a non-negative integer (0: no cap). Received: "
                         f"sessions_per_client={sessions_per_client!r:.100}")
    _require()
    import anyio.to_thread
    from anyio.lowlevel import RunVar
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    # id -> [session, lock, time of its last request, client address], the least recently used first
    sessions = collections.OrderedDict()
    dropped = collections.OrderedDict()  # id -> why it was dropped
    capacity = MAX_SESSIONS if local_only else MAX_NETWORK_SESSIONS
    registry_lock = threading.Lock()
    pools = RunVar("glassnet playground pools")  # {"sessions": limiter, "demos": limiter} of each event loop
    in_flight = [0]  # requests in a worker thread now (what a Ctrl+C waits for: serve says how many)

    async def in_worker(pool, function, *args):
        """``function(*args)`` in one of the :data:`WORKER_THREADS` of ``pool`` ("sessions" or "demos"): the
        event loop (and the static files, in Starlette's own threads) goes on meanwhile. Each answer is
        encoded there too: a step's 55 kB of JSON took as much of the loop's time as its training took."""
        try:
            limiters = pools.get()
        except LookupError:  # the first request of this event loop (a limiter belongs to one loop)
            limiters = {name: anyio.CapacityLimiter(WORKER_THREADS) for name in ("sessions", "demos")}
            pools.set(limiters)
        in_flight[0] += 1
        try:
            return await anyio.to_thread.run_sync(functools.partial(function, *args), limiter=limiters[pool])
        finally:
            in_flight[0] -= 1

    def encoded(value):
        """The JSON answer of ``value``, encoded in the worker thread. A value JSON cannot hold (NaN) is
        the server's fault, a 500, not the settings' (the ValueError of a 400)."""
        try:
            return JSONResponse(value)
        except ValueError as exc:
            raise RuntimeError(f"the answer is not JSON: {exc}") from None

    def error(status, message, field=None):
        """The JSON of an error answer; ``field``: the setting at fault (the page outlines it)."""
        return JSONResponse({"error": message, **({"field": field} if field else {})}, status_code=status)

    class LocalOnly:
        """403 for a request that names another host or comes from another site's page."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] == "http":
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                host, origin = headers.get("host", ""), headers.get("origin")
                if not is_loopback(_host_of(host)):
                    response = error(403, f"this playground serves this machine only; the request was for "
                                          f"{host[:100]!r}. Open it as http://127.0.0.1 or http://localhost, or "
                                          "start it with --host 0.0.0.0 to serve the network.")
                    return await response(scope, receive, send)
                if origin is not None and not _same_origin(origin, host):  # "null" too
                    response = error(403, f"requests from another site's page ({origin[:100]}) are refused: only "
                                          f"this server's own page, http://{host[:100]}, may send them.")
                    return await response(scope, receive, send)
            await self.app(scope, receive, send)

    async def body(request):
        """The request's JSON value; raises :class:`_BadRequest` for another content type, a body
        over :data:`MAX_BODY_BYTES` or one that is not JSON."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise _BadRequest(415, f"the request body must be JSON, sent with Content-Type: application/json "
                                   f"(received {kind[:60] or 'none'!r}).")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise _BadRequest(413, f"the request body has {int(declared)} bytes; settings take at most {MAX_BODY_BYTES}.")
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise _BadRequest(413, f"the request body is over {MAX_BODY_BYTES} bytes; settings take less.")
        try:
            return json.loads(raw, parse_int=_integer)
        except RecursionError:
            raise _BadRequest(400, "the request body is JSON nested deeper than the parser goes.") from None
        except ValueError as exc:  # not JSON or not UTF-8
            raise _BadRequest(400, f"the request body is not valid JSON: {str(exc)[:200]}") from None

    async def settings_of(request):
        data = await body(request)
        if not isinstance(data, dict):
            raise _BadRequest(400, "the request body must be a JSON object of settings.")
        return data

    def drop(session_id, reason):
        """Forget a session (under ``registry_lock``), remembering why."""
        sessions.pop(session_id, None)
        dropped[session_id] = reason
        if len(dropped) > REMEMBERED_DROPS:
            dropped.popitem(last=False)

    def expire(now):
        """Drop the sessions idle for over :data:`IDLE_SECONDS` (under ``registry_lock``): the first ones."""
        while sessions and now - next(iter(sessions.values()))[2] > IDLE_SECONDS:
            drop(next(iter(sessions)), f"it had no request for over {IDLE_SECONDS / 60:g} minutes")

    def lookup(session_id):
        """The ``[session, lock, time of its last request, client]`` of an id, used now; None if it is not kept."""
        with registry_lock:
            now = time.monotonic()
            expire(now)
            entry = sessions.get(session_id)
            if entry is not None:
                sessions.move_to_end(session_id)
                entry[2] = now
            return entry

    def gone(session_id, **extra):
        """The 404 answer for a session that is not kept, saying why in ``reason`` (the page shows it)."""
        reason = dropped.get(session_id, "the server may have restarted since it was created")
        return JSONResponse({**extra, "error": f"no such session ({reason}): start a new one", "reason": reason},
                            status_code=404)


    async def get_options(request):
        return JSONResponse(options())

    async def create(request):
        try:
            settings = await settings_of(request)
            session = await in_worker("sessions", Session, settings)
        except _BadRequest as exc:
            return error(*exc.args)
        except BAD_SETTINGS as exc:
            return error(400, str(exc), getattr(exc, "field", None))
        session_id = secrets.token_hex(8)
        client = request.client.host if request.client else ""
        with registry_lock:
            now = time.monotonic()
            expire(now)
            sessions[session_id] = [session, threading.Lock(), now, client]
            own = [key for key, entry in sessions.items() if entry[3] == client]
            if not local_only and sessions_per_client and _one_computer(client) and len(own) > sessions_per_client:
                drop(own[0], f"the server keeps the {sessions_per_client} sessions each computer used most "
                             f"recently, and this one used {sessions_per_client} others since")
            while len(sessions) > capacity:
                drop(next(iter(sessions)), f"the server keeps the {capacity} sessions used most recently, and "
                                           f"{capacity} others were used since")
        return await in_worker("sessions", lambda: encoded({"id": session_id, **session.describe(),
                                                            "points": session.points(), "state": session.state()}))

    async def step(request):
        entry = lookup(request.path_params["session_id"])
        if entry is None:
            return gone(request.path_params["session_id"])
        session, lock = entry[:2]

        def one_step(data):
            settings = complete_settings(data, {"epochs": 1, "since": 0, "learning_rate": None}, "step")
            state = session.step(settings["epochs"], settings["since"], settings["learning_rate"])
            return state["diverged"], encoded(state)

        empty = request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers
        try:
            data = {} if empty else await settings_of(request)  # no body, or {}: one epoch
        except _BadRequest as exc:
            return error(*exc.args)
        # A second step of a session still training is refused, not queued: queued steps held the
        # server's worker threads, so 50 requests for one session kept every other page waiting.
        if not lock.acquire(blocking=False):
            return error(409, "this session is still training its previous step: wait for its answer, then step again")
        try:
            diverged_before = session.diverged
            diverged, response = await in_worker("sessions", one_step, data)  # training never blocks the loop
        except BAD_SETTINGS as exc:
            return error(400, str(exc), getattr(exc, "field", None))
        finally:
            lock.release()
        # one line per divergence (a new rate trains on after one); the page shows the whole message
        if diverged and diverged is not diverged_before:
            print(f"glassnet playground: session {request.path_params['session_id']}: "
                  f"{diverged.split(':')[0]} (the page says so).", file=sys.stderr)
        return response

    async def delete(request):
        if lookup(request.path_params["session_id"]) is None:  # an "error", as every other error answer has
            return gone(request.path_params["session_id"], deleted=False)
        with registry_lock:
            drop(request.path_params["session_id"], "it was deleted")
        return JSONResponse({"deleted": True})

    def page(path):
        html = render_page(path)

        async def endpoint(request):
            return HTMLResponse(html)
        return endpoint

    def demo(function):
        async def endpoint(request):
            try:
                settings = await settings_of(request)
                return await in_worker("demos", lambda: encoded(function(settings)))
            except _BadRequest as exc:
                return error(*exc.args)
            except BAD_SETTINGS as exc:
                return error(400, str(exc), getattr(exc, "field", None))
        return endpoint

    async def http_error(request, exc):  # 404 and 405 in JSON too, so the page shows them as errors
        return error(exc.status_code, f"{exc.detail}: {request.method} {request.url.path[:200]}")

    routes = [
        *(Route(path, page(path)) for path in PAGES),
        Route("/api/descend", demo(demos.descend), methods=["POST"]),
        Route("/api/backprop", demo(demos.backprop), methods=["POST"]),
        Route("/api/perceptron", demo(demos.perceptron), methods=["POST"]),
        Route("/api/hopfield", demo(demos.hopfield), methods=["POST"]),
        Route("/api/som", demo(demos.som), methods=["POST"]),
        Route("/api/options", get_options),
        Route("/api/sessions", create, methods=["POST"]),
        Route("/api/sessions/{session_id}/step", step, methods=["POST"]),
        Route("/api/sessions/{session_id}", delete, methods=["DELETE"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    application = Starlette(routes=routes, exception_handlers={HTTPException: http_error},
                            middleware=[Middleware(LocalOnly)] if local_only else [])
    application.state.in_flight = in_flight  # (serve's note at Ctrl+C)
    return application


#: Browsers for a text terminal: they cannot run the page's scripts, and one that Python's webbrowser
#: picks (no display, over ssh) took the server's own terminal over.
CONSOLE_BROWSERS = ("www-browser", "links", "links2", "elinks", "lynx", "w3m", "browsh")


def _browser():
    """The browser that opens the page, or None where Python's would not show it: on Linux without a
    display (no ``DISPLAY`` or ``WAYLAND_DISPLAY``, as over ssh; unless ``BROWSER`` names one) and
    wherever it is a console browser (:data:`CONSOLE_BROWSERS`). serve prints the page's address anyway."""
    import webbrowser

    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("BROWSER")
    if sys.platform.startswith("linux") and not display:
        return None
    try:
        browser = webbrowser.get()
    except webbrowser.Error:  # none at all
        return None
    command = str(getattr(browser, "name", "")).split()  # a GenericBrowser's command line, "w3m %s" from BROWSER
    return None if command and Path(command[0]).name in CONSOLE_BROWSERS else browser


class _QuietStop(logging.Filter):
    """uvicorn's log while :func:`serve` runs (its ``uvicorn.error`` logger, at INFO), cut to what a
    teacher's Ctrl+C needs. At the first one uvicorn waits for the requests in flight, seconds in a full
    lecture hall, and the terminal said nothing, so teachers pressed Ctrl+C again: this says it in one
    line. The second one cancels those requests: uvicorn logged about 45 lines of ``CancelledError``
    traceback for each, and Starlette's lifespan one more; they are dropped. Else WARNING and up pass.
    ``in_flight``: create_app's count of the requests in a worker thread."""

    def __init__(self, in_flight):
        super().__init__()
        self.in_flight = in_flight

    def filter(self, record):
        text = record.getMessage()
        # uvicorn's INFO lines at the first Ctrl+C (the second: the connections closed, their work still running)
        if text.startswith(("Waiting for connections to close", "Waiting for background tasks")):
            n = self.in_flight[0]
            waiting = f"{n} request{'s' if n != 1 else ''} in flight to finish" if n else "the open connections to close"
            print(f"Stopping: waiting for {waiting} (Ctrl+C again cancels them).", file=sys.stderr, flush=True)
            return False
        cancelled = record.exc_info is not None and isinstance(record.exc_info[1], asyncio.CancelledError)
        cancelled |= text.startswith("Traceback") and text.rstrip().endswith("CancelledError")  # the lifespan's
        return record.levelno >= logging.WARNING and not cancelled


def serve(host="127.0.0.1", port=8765, open_browser=True, sessions_per_client=MAX_CLIENT_SESSIONS):
    """Run the playground with uvicorn until Ctrl+C; opens the page in a browser. On a
    loopback ``host`` it answers this machine's pages only (see the module's notes);
    ``sessions_per_client``: :func:`create_app`'s."""
    problem = host_problem(host)
    if problem:
        raise ValueError(problem)
    _require()
    import uvicorn

    if _in_event_loop():  # (before the address is printed and the browser opened on a server that never starts)
        raise RuntimeError("serve() runs the playground until Ctrl+C and cannot run inside a running event loop, such "
                           "as a Jupyter notebook's: call glassnet.playground.start() there, which serves it in the "
                           "background, or run `glassnet playground` in a terminal.")
    address = numeric_host(host)  # "0" is 0.0.0.0 and "127.1" is 127.0.0.1 to the socket too
    local = is_loopback(address)
    # (made before the address is printed and the browser opened: a bad sessions_per_client ends here)
    application = create_app(local_only=local, sessions_per_client=sessions_per_client)
    everywhere = address in ("0.0.0.0", "::")
    # this machine's page: the loopback address of the family served ('::' may serve IPv6 only)
    url = url_of({"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address), port)
    browser = _browser() if open_browser else None
    if browser is not None:
        threading.Timer(1.0, browser.open, args=(url,)).start()
    print(f"glassnet playground at {url} (Ctrl+C stops it)")
    if everywhere:  # the address to give the room: 127.0.0.1 is each student's own machine
        found = network_addresses(socket.AF_INET6 if address == "::" else socket.AF_INET)
        if found:
            print(f"Other machines open {' or '.join(url_of(a, port) for a in found)}")
        else:
            print("No network address of this machine was found (is it connected to a network?): "
                  "other machines cannot reach it yet.")
    if not local:  # on stderr, as a warning: stdout may be piped away
        print(f"Warning: --host {host} serves every machine that can reach this one, without a password: "
              "anyone there can start training here. Leave --host out to serve this machine only.", file=sys.stderr)
    # Each session's DivergenceWarning (several lines, as often as students press Play at learning
    # rate 10) is the page's to show: the step logs one line instead (create_app). Shown again after.
    quiet = _QuietStop(application.state.in_flight)
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DivergenceWarning)
            # the address, not --host as given: uvicorn looks "[::1]" up as a name, and fails
            uvicorn.run(application, host=address, port=port, log_level="info", access_log=False)
    finally:
        logging.getLogger("uvicorn.error").removeFilter(quiet)


def start(port=8765):
    """Serve the playground on this machine (127.0.0.1) in a background thread and return at once, for a
    notebook, where :func:`serve` cannot run; the handle it returns shows the page as a cell's result."""
    _require()
    import uvicorn

    url = url_of("127.0.0.1", port)
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))

    def run():
        try:
            server.run()
        except SystemExit:  # uvicorn's, when it cannot start (a port in use): start() raises below instead
            pass

    thread = threading.Thread(target=run, name="glassnet playground", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    if not server.started:  # uvicorn logged why (a port in use) and ended its thread
        raise RuntimeError(f"The playground could not start at {url} (uvicorn's message above says why): "
                           f"is port {port} in use? Pass another port.")
    return Background(server, thread, url)


class Background:
    """The playground :func:`start` serves: ``url``, ``stop()``, and the page in an iframe as a notebook cell's
    result."""

    def __init__(self, server, thread, url):
        self.url, self._server, self._thread = url, server, thread

    @property
    def running(self):
        return self._thread.is_alive()

    def stop(self):
        """Stop the server; its port is free again once this returns."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __repr__(self):
        return f"<glassnet playground at {self.url}{'' if self.running else ' (stopped)'}>"

    def _repr_html_(self):
        if self.running:  # (stopped: the text above)
            return f'<iframe src="{self.url}" width="100%" height="820" style="border: 0"></iframe>'
        return None
