"""The ``glassnet`` command line (SPEC E1).

Every command is a thin front end: it reads its arguments, loads data, and
calls the same library functions a Python user would (``Sequential.fit``,
``glassnet.trace.trace``, ``glassnet.descent.gradient_descent``,
``glassnet.classic``, ``glassnet.onnx.export``); no math lives here.

Errors a user can cause (bad arguments, missing files, malformed CSV, data
that does not fit the model) end the program with exit status 1 (2 for
argument errors) and one line on stderr; ``--debug`` adds the traceback.
Run ``glassnet --help`` and ``glassnet COMMAND --help``; docs/cli.md has
every command with an example.

The package, one concept a module: ``_parser`` builds the argparse parser
(value types in ``_types``); ``_data`` reads CSV files (with ``_csv``,
``_csv_rows``, ``_header``, ``_columns`` and ``_labels``) and the named data
sets; ``_common`` holds the user error and the helpers every command shares;
the commands live in ``train``, ``saved`` (evaluate, predict, info, export),
``explain``, ``descend``, ``classic`` (perceptron, hopfield, som) and ``bench``; this
module runs them and turns errors into one line.
"""

import contextlib
import errno
import os
import re
import shlex
import signal
import sys
import warnings
from pathlib import Path

import numpy as np

from .._io import SPELL_IN_ASCII
from ._common import PROG, CommandError
from ._data import load_dataset, read_csv
from ._parser import build_parser
from .train import build_model


def _one_line(exc):
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.strerror}: {exc.filename}"
    else:
        text = str(exc) or type(exc).__name__
    if not isinstance(exc, (CommandError, ValueError, TypeError, OSError, ImportError)):
        text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())


def _warning_printer(command):
    """``warnings.showwarning`` for the command line: one line named by the command, as its
    errors are ("glassnet train: warning: ..."; it said "glassnet: warning:" whatever the command)."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{command}: warning: {' '.join(str(message).split())}", file=sys.stderr)
    return show


def _dash_values(argv, parser):
    """``argv`` with the values that start with "-" made unambiguous for argparse, which
    takes any such word for an option (it lets through only plain negative numbers):
    ``--x0 -1,2`` becomes ``--x0=-1,2``, and descend's expression ``-cos(x)`` moves
    behind a ``--``."""
    sub = parser.subparsers.choices.get(argv[0]) if argv else None
    if sub is None or "--" in argv:
        return argv
    takes_value = {o for a in sub._actions for o in a.option_strings if a.nargs is None}  # (flags: nargs=0)
    known = {o for a in sub._actions for o in a.option_strings}
    out, moved = [argv[0]], []
    words = iter(argv[1:])
    for word in words:
        option = word.split("=", 1)[0]
        if word in takes_value:
            value = next(words, None)
            if value is None:
                out.append(word)
            elif value.startswith("-") and value.split("=", 1)[0] not in known:
                out.append(f"{word}={value}")
            else:
                out += [word, value]
        elif argv[0] == "descend" and word.startswith("-") and not word.startswith("--") and option not in known \
                and not _NUMBER.match(word):
            moved.append(word)  # an expression such as -cos(x) or -x**2
        else:
            out.append(word)
    return out + (["--"] + moved if moved else [])


#: what argparse itself lets through as a value starting with "-"
_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")


def _no_command_options_first(argv, parser):
    """``glassnet --epochs 3 train`` said "invalid choice: '3'": name the option and where it goes."""
    own = {o for a in parser._actions for o in a.option_strings}
    commands = parser.subparsers.choices
    first = next((i for i, word in enumerate(argv) if word in commands), None)
    if first is None:
        return
    at = next((i for i, w in enumerate(argv[:first]) if w.startswith("-") and w.split("=", 1)[0] not in own), None)
    if at is not None:
        option = argv[at].split("=", 1)[0]
        given = " ".join(argv[at : at + (2 if "=" not in argv[at] and at + 1 < first else 1)])
        parser.error(f"{option} is not an option of glassnet itself: put the options after the command, as in "
                     f"'glassnet {argv[first]} {given} ...'")


class _Terminated(BaseException):
    """SIGTERM (``kill``, a job scheduler's or a container's stop) while a command runs. By default
    it ended Python on the spot, where a save in progress left its ``.glassnet-*.tmp`` file beside
    the output; raised instead, it unwinds as Ctrl-C does (the atomic write removes its temporary
    file) and ends with Ctrl-C's one line and the conventional status 128 + 15. Not a
    KeyboardInterrupt: uvicorn, which stops the playground's server on SIGTERM and then raises
    the signal again for the program, takes a KeyboardInterrupt for Ctrl+C and swallows it."""


def _terminate(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not cut the clean-up short
    raise _Terminated


def _raise_on_sigterm():
    """Make SIGTERM raise :class:`_Terminated` while ``main`` runs; returns the handler to put back,
    or None where it stays as it is: a handler of the calling program's own, or SIGTERM ignored
    (as ``nohup`` would leave SIGINT), or no main thread (only it may set one). The library itself
    sets no handler: only the command line does, for as long as it runs."""
    if not hasattr(signal, "SIGTERM") or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return None
    try:
        return signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread
        return None


class StandardOutputError(Exception):
    """Standard output could not be written (a full disk): the message is the system's reason."""


class _StandardOutput:
    """``sys.stdout`` while a command runs: a write or flush that fails raises
    :class:`StandardOutputError`, so that the error names standard output ("[Errno 28] No space
    left on device" said not what was full); a reader that went away stays a BrokenPipeError."""

    def __init__(self, stream):
        self._stream = stream
        self.line_open = False  # the last text written ends mid-line (a progress bar's "\r...")

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def write(self, text):
        if text:
            self.line_open = not str(text).endswith("\n")
        with self._named():
            return self._stream.write(text)

    def flush(self):
        with self._named():
            self._stream.flush()

    @staticmethod
    @contextlib.contextmanager
    def _named():
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            if exc.errno is None:  # (io.UnsupportedOperation: no failed write)
                raise
            raise StandardOutputError(exc.strerror or str(exc)) from exc


class _ClosedStream:
    """Standard output closed by the shell (``glassnet predict ... >&-``), for which Python's
    ``sys.stdout`` is None: the first write said "AttributeError: 'NoneType' object has no
    attribute 'write'"; now it is :class:`StandardOutputError`'s one line."""

    encoding = "utf-8"

    def write(self, text):
        raise OSError(errno.EBADF, "it is closed")

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        raise ValueError("standard output is closed")


class _StandardError:
    """``sys.stderr`` while a command runs: a note, warning or error line that cannot be written (standard
    error on a full disk, ``2>/dev/full``, or closed, ``2>&-``) is lost and the command goes on, as
    ``warnings.showwarning`` does ("the file (probably stderr) is invalid"). A note on the data stopped
    a training that would have worked, with status 1, no model saved and no word (the error line failed
    too); every print to stderr, the commands' own and argparse's, goes through this one place."""

    def __init__(self, stream):
        self._stream = stream  # (None where Python had no stderr: print(file=None) wrote to stdout)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def write(self, text):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # (ValueError: a closed file)
            self._stream.write(text)
        return len(text)

    def flush(self):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self._stream.flush()


def _isatty(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def _discard_stdout():
    """Send what is left in standard output's buffer to the null device: Python writes it at exit,
    and a failure there printed "Exception ignored in: <_io.TextIOWrapper name='<stdout>'...>"."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _tolerate_narrow_output():
    """Spell what an output cannot encode in ASCII (η as eta, ← as <-, ─ as -; else '?'): the tables'
    η, ←, θ on a console or a file whose encoding is not UTF-8 (a Windows code page,
    PYTHONIOENCODING=ascii) ended the command with "'charmap' codec can't encode character"."""
    for stream in (sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "") not in ("utf8", "utf8sig") \
                and hasattr(stream, "reconfigure"):
            with contextlib.suppress(Exception):
                stream.reconfigure(errors=SPELL_IN_ASCII)


def main(argv=None):
    """Run the command line; returns the exit status (0 on success)."""
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    debug = "--debug" in argv
    command = PROG
    previous = warnings.showwarning
    warnings.showwarning = _warning_printer(command)
    args = None
    sigterm = _raise_on_sigterm()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = output = _StandardOutput(_ClosedStream() if stdout is None else stdout)
    sys.stderr = _StandardError(stderr)
    try:  # (Ctrl+C while the parser is built ended with a traceback)
        _tolerate_narrow_output()
        parser = build_parser()
        try:
            _no_command_options_first(argv, parser)
            args, extra = parser.parse_known_args(_dash_values(argv, parser))
            if extra:  # reported by the command they were given to, with its --help
                sub = parser.subparsers.choices.get(args.command) if args.command else None
                # (an output file is named by its option in every command: export's too, whose format it names)
                option = {".onnx": "--onnx", ".keras": "--keras"}.get(Path(extra[0]).suffix.lower()) \
                    if args.command == "export" and len(extra) == 1 else None
                hint = f": give the output with {option} {shlex.quote(extra[0])}" if option else ""
                (sub or parser).error(f"unrecognized arguments: {' '.join(extra)}{hint}")
        except SystemExit as exit_:  # --help and --version
            # argparse printed them itself: flushed here, a full disk or a closed pipe is reported as any
            # command's output is (at exit, Python printed "Exception ignored in: <_io.TextIOWrapper ...>")
            sys.stdout.flush()
            return int(exit_.code or 0)
        if args.command is None:  # a usage error, as argparse's for a missing argument (it exited 0)
            parser.print_help(sys.stderr)
            return 2
        command = f"{PROG} {args.command}"
        warnings.showwarning = _warning_printer(command)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # results show inf/nan themselves
            status = int(args.func(args) or 0)
        sys.stdout.flush()  # now, not at exit: a full disk or a closed pipe is then this command's to report
        return status
    except (KeyboardInterrupt, _Terminated) as stop:
        with contextlib.suppress(OSError, ValueError, StandardOutputError):
            sys.stdout.flush()
        note = ""
        if getattr(args, "command", None) == "train" and not getattr(args, "saved", False):
            note = f": the model was not saved to {args.out}"
        elif getattr(args, "command", None) == "train" and args.plot:  # (the model is safe: say so)
            note = f": the model was saved to {args.out}, the loss curve not to {args.plot}"
        # on a line of its own on a terminal: after the ^C it echoed, or a progress bar (an epoch line) on it cut
        # mid-line. Where stderr is no terminal (a log file, a pipe), no blank line comes before it
        terminated = isinstance(stop, _Terminated)
        cut = not terminated or (output.line_open and _isatty(output))
        lead = "\n" if cut and _isatty(sys.stderr) else ""
        print(f"{lead}{command}: {'terminated' if terminated else 'interrupted'}{note}", file=sys.stderr)
        return 128 + signal.SIGTERM if terminated else 130
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly.
        _discard_stdout()
        if getattr(args, "command", None) == "train" and not getattr(args, "saved", False):
            # the training stopped at its next line of output: `train | head` must not pass for a success
            print(f"{command}: error: its output was closed (broken pipe), so training stopped and the model was "
                  f"not saved to {args.out}; send the output to a file, or to a reader that reads it all.",
                  file=sys.stderr)
            return 1
        return 0
    except StandardOutputError as exc:
        _discard_stdout()
        note = ""
        if getattr(args, "command", None) == "train":  # (whether the model is safe is what a user asks first)
            note = f" (the model was saved to {args.out})" if getattr(args, "saved", False) else \
                f", so training stopped and the model was not saved to {args.out}"
        elif getattr(args, "written", None):  # export: its files were written before the line that says so
            note = f" ({' and '.join(args.written)} {'was' if len(args.written) == 1 else 'were'} written)"
        print(f"{command}: error: could not write to standard output: {exc}{note}", file=sys.stderr)
        return 1
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        status = exc.status if isinstance(exc, CommandError) else 1
        command = getattr(exc, "prog", None) or command
        hint = "" if debug or isinstance(exc, (CommandError, ValueError, TypeError, OSError, ImportError)) else \
            " (run with --debug for the traceback)"
        print(f"{command}: error: {_one_line(exc)}{hint}", file=sys.stderr)
        return status
    finally:
        warnings.showwarning = previous
        sys.stdout, sys.stderr = stdout, stderr
        if sigterm is not None:
            signal.signal(signal.SIGTERM, sigterm)


__all__ = ["main", "build_parser", "read_csv", "load_dataset", "build_model", "CommandError"]
