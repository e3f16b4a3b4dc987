"""The browser playground (SPEC E3): ``glassnet playground`` serves it on this machine.

After playground.tensorflow.org, but every number on the page is computed by
glassnet: pick a 2-D data set, noise and train/test split, the input features
(x1, x2, x1², x2², x1x2, sin x1, sin x2), hidden layers and neurons,
activation, learning rate, L1/L2 penalty and batch size, classification or
regression; press play and watch the decision surface, each neuron's output
over the plane, the weights (line thickness and colour) and the training and
test loss curves.

:mod:`.engine` is the model side (no web code); :mod:`.app` the Starlette
application (the ``playground`` extra: starlette and uvicorn).
"""

from .engine import DEFAULTS, FEATURES, Session, check_config, options

__all__ = ["DEFAULTS", "FEATURES", "Session", "check_config", "options", "create_app", "serve", "start"]


def create_app(local_only=True, sessions_per_client=16):
    """The Starlette application (needs ``pip install "glassnet[playground]"``). ``local_only``:
    answer only this machine's pages (refuse other Host names and other sites' Origins);
    ``sessions_per_client``: serving the network, the sessions kept per client address (0: no cap)."""
    from .app import create_app as _create

    return _create(local_only=local_only, sessions_per_client=sessions_per_client)


def serve(host="127.0.0.1", port=8765, open_browser=True, sessions_per_client=16):
    """Serve the playground until interrupted (needs ``pip install "glassnet[playground]"``); in a notebook
    (a running event loop) a RuntimeError that points to :func:`start`. ``sessions_per_client``: as
    :func:`create_app`'s."""
    from .app import serve as _serve

    return _serve(host=host, port=port, open_browser=open_browser, sessions_per_client=sessions_per_client)


def start(port=8765):
    """Serve the playground on this machine in the background and return at once (needs ``pip install
    "glassnet[playground]"``), for a notebook, where :func:`serve` cannot run: after
    ``pg = glassnet.playground.start()``, a cell ending in ``pg`` shows the page; ``pg.url`` is its address,
    ``pg.stop()`` stops it."""
    from .app import start as _start

    return _start(port=port)
