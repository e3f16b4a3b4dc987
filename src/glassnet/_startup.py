"""Ctrl+C while the ``glassnet`` command line is still loading: one line, not an import's traceback.

``glassnet.cli.main`` reports an interruption as "glassnet: interrupted" (status 130); before it
runs, the package's imports take a few tenths of a second, and Ctrl+C there printed a traceback
through NumPy's internals. While the package is imported to run the command line (``python -m
glassnet`` or the ``glassnet`` script), an uncaught KeyboardInterrupt prints that line instead;
Python then ends the process by SIGINT, as it does after any uncaught KeyboardInterrupt (status
130 in a shell). A program that imports glassnet keeps its tracebacks.
"""

import os
import sys


def _for_the_command_line():
    """Whether this process runs the command line: ``python -m glassnet`` or ``-m glassnet.cli`` (while the package is
    imported, ``sys.argv[0]`` is "-m"), or the ``glassnet`` script."""
    if sys.argv[:1] == ["-m"]:
        argv = getattr(sys, "orig_argv", [])
        # "-m glassnet" is two words of the command line, "-mglassnet" one
        run = [word + argv[k + 1] if word == "-m" and k + 1 < len(argv) else word for k, word in enumerate(argv)]
        return "-mglassnet" in run or "-mglassnet.cli" in run
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return os.path.splitext(script)[0] in ("glassnet", "glassnet-script")


def _one_line_interrupt(previous):
    def hook(kind, value, traceback):
        if issubclass(kind, KeyboardInterrupt):
            # on a line of its own after the ^C a terminal echoed; no blank line in a log file or a pipe
            try:
                lead = "\n" if sys.stderr.isatty() else ""
            except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
                lead = ""
            print(f"{lead}glassnet: interrupted", file=sys.stderr)
        else:
            previous(kind, value, traceback)

    return hook


if _for_the_command_line():
    sys.excepthook = _one_line_interrupt(sys.excepthook)
