"""``glassnet playground``: serve the browser playground (:mod:`glassnet.playground`)."""

import errno
import socket

from ._common import CommandError


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

    serve(host=args.host, port=args.port, open_browser=not args.no_browser)
    return 0
