"""The playground's web application: a page and a small JSON API over :class:`.engine.Session`.

Routes::

    GET  /                             the page (static/index.html)
    GET  /static/...                   its script and style sheet
    GET  /api/options                  the menus and the defaults
    POST /api/sessions                 {settings} -> {id, config, points, state}
    POST /api/sessions/{id}/step       {"epochs": k} -> state after k more epochs
    DELETE /api/sessions/{id}
    GET  /descent, /backprop, /perceptron          the lecture demos' pages
    POST /api/descend, /api/backprop, /api/perceptron   {settings} -> their results (:mod:`.demos`)

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


def _require():
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError("the playground needs starlette and uvicorn: pip install glassnet[playground]") from None


def create_app():
    _require()
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import FileResponse, JSONResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    sessions = collections.OrderedDict()
    registry_lock = threading.Lock()

    def error(status, message):
        return JSONResponse({"error": message}, status_code=status)

    async def body(request):
        try:
            data = await request.json()
        except ValueError:
            return None
        return data

    def lookup(session_id):
        with registry_lock:
            entry = sessions.get(session_id)
            if entry is not None:
                sessions.move_to_end(session_id)
            return entry

    async def index(request):
        return FileResponse(STATIC / "index.html")

    async def get_options(request):
        return JSONResponse(options())

    async def create(request):
        settings = await body(request)
        if settings is None:
            return error(400, "the request body must be a JSON object of settings")
        try:
            session = await run_in_threadpool(Session, settings)
        except (TypeError, ValueError) as exc:
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
        data = await body(request)
        if data is not None and not isinstance(data, dict):
            return error(400, "the request body must be a JSON object such as {\"epochs\": 1}")
        session, lock = entry
        def locked_step():
            with lock:
                return session.step((data or {}).get("epochs", 1))

        try:
            state = await run_in_threadpool(locked_step)  # training never blocks the event loop
        except (TypeError, ValueError) as exc:
            return error(400, str(exc))
        return JSONResponse(state)

    async def delete(request):
        with registry_lock:
            found = sessions.pop(request.path_params["session_id"], None)
        return JSONResponse({"deleted": found is not None}, status_code=200 if found else 404)

    def page(name):
        async def endpoint(request):
            return FileResponse(STATIC / f"{name}.html")
        return endpoint

    def demo(function):
        async def endpoint(request):
            settings = await body(request)
            if settings is None:
                return error(400, "the request body must be a JSON object of settings")
            try:
                result = await run_in_threadpool(function, settings)
            except (TypeError, ValueError) as exc:
                return error(400, str(exc))
            return JSONResponse(result)
        return endpoint

    routes = [
        Route("/", index),
        Route("/descent", page("descent")),
        Route("/backprop", page("backprop")),
        Route("/perceptron", page("perceptron")),
        Route("/api/descend", demo(demos.descend), methods=["POST"]),
        Route("/api/backprop", demo(demos.backprop), methods=["POST"]),
        Route("/api/perceptron", demo(demos.perceptron), methods=["POST"]),
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
