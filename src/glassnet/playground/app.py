"""The playground's web application: a page and a small JSON API over :class:`.engine.Session`.

Routes::

    GET  /                             the playground (static/pages/playground.html in the shared shell)
    GET  /static/...                   the scripts and the style sheet
    GET  /api/options                  the menus and the defaults
    POST /api/sessions                 {settings} -> {id, config, points, state}
    POST /api/sessions/{id}/step       {"epochs": k} -> state after k more epochs
    DELETE /api/sessions/{id}
    GET  /descent, /backprop, /perceptron, /hopfield, /som    the lecture demos' pages
    POST /api/descend, /api/backprop, /api/perceptron, /api/hopfield, /api/som
                                       {settings} -> their results (:mod:`.demos`)

Bad settings answer 400 with ``{"error": "..."}`` naming the setting; an unknown
session answers 404. Sessions live in memory, at most :data:`MAX_SESSIONS`
(the oldest is dropped), each behind a lock, so one page's requests never
interleave. The server binds to 127.0.0.1 unless told otherwise.
"""

import collections
import secrets
import threading
from pathlib import Path

from . import demos
from .engine import Session, options

STATIC = Path(__file__).with_name("static")
MAX_SESSIONS = 32
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
{body}
<script src="/static/common.js"></script>
<script src="/static/{script}"></script>
</body>
</html>
"""


def render_page(path):
    """One page: the shared head, header and navigation around ``static/pages/<name>.html``."""
    name, title, lead, script, _ = PAGES[path]
    here = ' class="here"'
    nav = "".join(f'<a href="{p}"{here if p == path else ""}>{entry[4]}</a>' for p, entry in PAGES.items())
    body = (STATIC / "pages" / f"{name}.html").read_text(encoding="utf-8")
    return SHELL.format(title=title, name=name, lead=lead, nav=nav, body=body.rstrip(), script=script)


def _require():
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError("the playground needs starlette and uvicorn: pip install \"glassnet[playground]\"") from None


def create_app():
    _require()
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    sessions = collections.OrderedDict()
    registry_lock = threading.Lock()

    def error(status, message):
        return JSONResponse({"error": message}, status_code=status)

    async def body(request):
        try:
            data = await request.json()
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            return None
        return data

    def lookup(session_id):
        with registry_lock:
            entry = sessions.get(session_id)
            if entry is not None:
                sessions.move_to_end(session_id)
            return entry


    async def get_options(request):
        return JSONResponse(options())

    async def create(request):
        settings = await body(request)
        if settings is None:
            return error(400, "the request body must be a JSON object of settings")
        try:
            session = await run_in_threadpool(Session, settings)
        except BAD_SETTINGS as exc:
            return error(400, str(exc))
        session_id = secrets.token_hex(8)
        with registry_lock:
            sessions[session_id] = (session, threading.Lock())
            while len(sessions) > MAX_SESSIONS:
                sessions.popitem(last=False)
        payload = await run_in_threadpool(lambda: {"id": session_id, **session.describe(), "points": session.points(),
                                                    "state": session.state()})
        return JSONResponse(payload)

    async def step(request):
        entry = lookup(request.path_params["session_id"])
        if entry is None:
            return error(404, "no such session (it may have expired): start a new one")
        data = await body(request) if (await request.body()).strip() else {}  # no body: one epoch
        if not isinstance(data, dict):  # None: not JSON
            return error(400, "the request body must be a JSON object such as {\"epochs\": 1}")
        session, lock = entry
        def locked_step():
            with lock:
                return session.step(data.get("epochs", 1))

        try:
            state = await run_in_threadpool(locked_step)  # training never blocks the event loop
        except BAD_SETTINGS as exc:
            return error(400, str(exc))
        return JSONResponse(state)

    async def delete(request):
        with registry_lock:
            found = sessions.pop(request.path_params["session_id"], None)
        return JSONResponse({"deleted": found is not None}, status_code=200 if found else 404)

    def page(path):
        html = render_page(path)

        async def endpoint(request):
            return HTMLResponse(html)
        return endpoint

    def demo(function):
        async def endpoint(request):
            settings = await body(request)
            if settings is None:
                return error(400, "the request body must be a JSON object of settings")
            try:
                result = await run_in_threadpool(function, settings)
            except BAD_SETTINGS as exc:
                return error(400, str(exc))
            return JSONResponse(result)
        return endpoint

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
    return Starlette(routes=routes)


def serve(host="127.0.0.1", port=8765, open_browser=True):
    """Run the playground with uvicorn until Ctrl+C; opens the page in a browser."""
    _require()
    import uvicorn

    url = f"http://{host}:{port}/"
    if open_browser:
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    print(f"glassnet playground at {url} (Ctrl+C stops it)")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
