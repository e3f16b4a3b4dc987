"""``glassnet playground``: serve the browser playground (:mod:`glassnet.playground`)."""

import errno
import signal
import socket

from ._common import CommandError


class _Interrupted(BaseException):
    """Ctrl+C while the playground runs. uvicorn takes SIGINT for itself, stops the server, and raises
    the signal again for the program, which Python's handler makes a KeyboardInterrupt: uvicorn.run
    swallows that, and the command ended with status 0 and not a word. This one passes uvicorn by (as
    SIGTERM's does), and the command ends as any other on Ctrl+C: "interrupted", status 130."""


def _interrupt(signum, frame):
    raise _Interrupted


def _check_address(host, port):
    """Fail with one line, before the server starts, when ``host:port`` cannot be served."""
    from ..playground.app import host_problem, numeric_host

    problem = host_problem(host, cli=True)
    if problem:
        raise CommandError(problem)
    try:  # as serve() reads it: [::1] is ::1 (getaddrinfo takes no brackets)
        family, kind, proto, _, address = socket.getaddrinfo(numeric_host(host), port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise CommandError(f"--host {host!r} is not an address of this machine ({exc.strerror}).") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:  # a well-formed address of another machine
                raise CommandError(f"--host {host!r} is not an address of this machine ({exc.strerror}).") from None
            hint = " (another program may use the port: try --port N)" if exc.errno == errno.EADDRINUSE else ""
            raise CommandError(f"cannot serve on {host}:{port}: {exc.strerror or exc}{hint}.") from None


def cmd_playground(args):
    try:
        from ..playground.app import _require

        _require()
    except ImportError as exc:
        raise CommandError(str(exc)) from None
    _check_address(args.host, args.port)
    from ..playground import serve

    # only Python's own Ctrl+C handler is replaced: SIGINT ignored (nohup, `glassnet playground &`) stays so
    previous = signal.getsignal(signal.SIGINT)
    replace = previous is signal.default_int_handler
    if replace:
        try:
            signal.signal(signal.SIGINT, _interrupt)
        except ValueError:  # not the main thread: only it may set a handler
            replace = False
    try:
        serve(host=args.host, port=args.port, open_browser=not args.no_browser,
              sessions_per_client=args.sessions_per_client)
    except _Interrupted:
        raise KeyboardInterrupt from None
    finally:
        if replace:
            signal.signal(signal.SIGINT, previous)
    return 0
