"""What training shows as it goes: :class:`ProgressBar` and Keras's :class:`ProgbarLogger` (a bar
or one line per epoch), Keras's :class:`Progbar` (``keras.utils.Progbar``, a bar a loop of one's own
updates), the formatting of logged values and step times, ``_say``, which prints a callback's line
without breaking a drawn bar (warnings shown while a bar is drawn clear it the same way), and
Keras's switch of interactive logging (:func:`disable_interactive_logging`: no bar redrawn on its
line, the lines of each epoch's end only, sent to the ``logging`` module)."""

import logging
import sys
import threading
import time
import warnings

import numpy as np

from .._io import writable
from .._validation import check_choice
from .hooks import Callback

_interactive_logging = True
#: where the progress lines go while interactive logging is off (Keras sends them to absl's logger)
logger = logging.getLogger("glassnet")


def enable_interactive_logging():
    """Draw progress bars again on a terminal or in a notebook (the default), as
    ``keras.config.enable_interactive_logging``."""
    global _interactive_logging
    _interactive_logging = True


def disable_interactive_logging():
    """No progress bar redrawn on its line (``\\r``), on a terminal either: ``fit``, ``evaluate``,
    ``predict`` and :class:`Progbar` give the lines of each epoch's end only, as ``verbose=2``, for
    a job whose output is a log (a server, CI), as ``keras.config.disable_interactive_logging``.

    Those lines (``Epoch 2/5``, each epoch's metrics, :class:`Progbar`'s line and the callbacks'
    messages, such as ``Epoch 3: early stopping``) then go to Python's :mod:`logging`, as records
    of level INFO of the logger named ``"glassnet"``, not to standard output: Keras sends them to
    ``absl.logging`` (``keras.src.utils.io_utils.print_msg``). As with Keras, they show only where
    logging is set up to show INFO records, e.g. ``logging.basicConfig(level=logging.INFO)``. A
    :class:`ProgressBar` given a ``stream`` still writes to it."""
    global _interactive_logging
    _interactive_logging = False


def is_interactive_logging_enabled():
    """Whether progress bars may be drawn (:func:`disable_interactive_logging`), as
    ``keras.config.is_interactive_logging_enabled``."""
    return _interactive_logging


def _shown(logs):
    """The values a progress line shows: loss and metrics, not per-layer
    diagnostics (keys such as ``grad_norm/dense``)."""
    return {k: v for k, v in (logs or {}).items() if "/" not in k and isinstance(v, (int, float, np.ndarray))}


def format_value(value):
    """A logged value with 4 decimals, or as ``2.5000e-04`` when it is at most 1e-3 in size, as
    Keras's progress bar writes it (a small loss or learning rate would read 0.0000 or 0.0003); a
    per-class array (F1Score(average=None)) as ``[a, b, c]``."""
    if isinstance(value, np.ndarray) and value.ndim:
        return "[" + ", ".join(format_value(v) for v in value.ravel()) + "]"
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_step_time(seconds):
    """The time per step as Keras's progress lines write it: whole seconds from 1 s (and 0), else
    milliseconds, else microseconds (``375us/step``, where ``0ms/step`` said nothing of a fast step)."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def _format_logs(logs):
    return " - ".join(f"{k}: {format_value(v)}" for k, v in _shown(logs).items())


def _say(text):
    """Print a callback's line (verbose=1). A progress bar drawn on standard output (tqdm) is cleared
    first and drawn again below it: the line would else be written after the bar's text, on its line
    ("Epoch 1/2:  50%|█   | 1/2 [...]Epoch 1: saving model to ..."); Keras starts such lines with a
    new line for the same reason."""
    tqdm = sys.modules.get("tqdm")
    if tqdm is None or not _interactive_logging:  # no bar was ever drawn, or none is drawn now
        _print(text)
        return
    with tqdm.tqdm.external_write_mode(file=sys.stdout):
        print(writable(text, sys.stdout))


def _print(text, stream=None):
    """Print a progress line to ``stream`` (None: standard output), or, with interactive logging off and
    no ``stream`` given, log it at INFO to the ``"glassnet"`` logger, as Keras's ``print_msg`` sends
    its lines to absl's (see :func:`disable_interactive_logging`)."""
    if stream is None and not _interactive_logging:
        logger.info(text)
    else:
        stream = sys.stdout if stream is None else stream
        print(writable(text, stream), file=stream, flush=True)


# A warning raised while a bar is drawn (fit's DivergenceWarning at a batch) was written after the bar's
# text, on its line ("Epoch 1/2:   0%|   | 0/2500 [...]/home/.../x.py:6: DivergenceWarning: ..."), and the
# bar's last clearing wiped only the line below. While a bar is drawn, warnings.showwarning clears the bars
# first and draws them again after, as _say does; the showwarning it wrapped is put back when the last bar
# closes (unless someone replaced the wrapper meanwhile: warnings.catch_warnings puts back its own).
_bars_lock = threading.Lock()
_bars = {"live": 0, "wrapper": None}


def _bar_opened():
    with _bars_lock:
        _bars["live"] += 1
        if _bars["live"] == 1:
            _bars["wrapper"] = warnings.showwarning = _clearing_bars(warnings.showwarning)


def _bar_closed():
    with _bars_lock:
        _bars["live"] -= 1
        wrapper = _bars["wrapper"]
        if _bars["live"] == 0:
            if warnings.showwarning is wrapper:
                warnings.showwarning = wrapper.__wrapped__
            _bars["wrapper"] = None


def _clearing_bars(showwarning):
    """``showwarning`` that clears the drawn tqdm bars before it writes and draws them again after."""

    def show(message, category, filename, lineno, file=None, line=None):
        tqdm = sys.modules.get("tqdm")
        if tqdm is None or not _bars["live"]:
            return showwarning(message, category, filename, lineno, file, line)
        with tqdm.tqdm.external_write_mode(file=sys.stderr if file is None else file):
            return showwarning(message, category, filename, lineno, file, line)

    show.__wrapped__ = showwarning
    return show


class ProgressBar(Callback):
    """Progress per epoch: a bar with loss/metrics and ETA while the epoch runs
    (``verbose=1``, tqdm when installed), replaced at its end by the epoch's line
    with every metric; one line per epoch only (``verbose=2``, or no tqdm). Standard
    output that is not a terminal or a notebook (``python train.py > log``) gets
    the epoch lines, as Keras's progress bar prints only each epoch's end there,
    instead of a bar redrawn ten times a second into the file; a ``stream``
    given explicitly gets what ``verbose`` asks for."""

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = int(check_choice(verbose, "verbose", (1, 2)))
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise TypeError(f"stream must be a text stream with a write() method, such as sys.stderr or an open "
                            f"file. Received: {type(stream).__name__}")
        self.stream = stream
        self._bar = None
        self._batches = 0
        self._batch_keys = {}

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self._release()  # (a bar left by hooks called by hand, without the epoch's end)
        self._t0 = time.perf_counter()
        self._batches = 0
        self._batch_keys = {}  # the keys the batches' logs showed, in their order
        # Keras's "Epoch 2/5" first, on a terminal too: above the bar, and above the epoch's callback lines
        # (ModelCheckpoint's "Epoch 2: saving model to ...", printed before the bar's end)
        self._epoch_line(epoch)
        if self.verbose == 1 and _interactive_logging and (self.stream is not None or _interactive(sys.stdout)):
            try:  # the text bar, in a notebook too: \r redraws as Keras's, where tqdm.auto's widget needs
                from tqdm import tqdm  # ipywidgets and left a "0%" stub per epoch in a saved notebook
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(
                    total=self.params.get("steps"),
                    unit="step",
                    file=self._out(),
                    leave=False,  # replaced at the epoch's end by its line, every metric on it
                    dynamic_ncols=True,
                    mininterval=0.1,
                )
                _bar_opened()

    def _epoch_line(self, epoch):
        """Keras's ``Epoch 2/5`` line, which it leaves out when ``fit`` runs one epoch."""
        epochs = self.params.get("epochs")
        if epochs is None or epochs > 1:
            _print(f"Epoch {epoch + 1}/{epochs}", self.stream)

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if logs and self.verbose == 1:
            for key in logs:
                self._batch_keys.setdefault(key)
        if self._bar is not None:
            self._bar.update(1)
            if logs:
                shown = {k: format_value(v) if isinstance(v, np.ndarray) else v for k, v in _shown(logs).items()}
                self._bar.set_postfix(shown, refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._t0
        self._release()  # the bar's postfix is cut at the terminal's width (val_ metrics lost on 80 columns)
        steps = self.params.get("steps")
        done = self._batches or steps or 1  # fewer when the epoch ended with its pass over the data
        steps = steps or done  # a generator's epochs are as long as they last
        logs = logs or {}
        if self.verbose == 1:  # Keras's bar lists the keys as its batches showed them first, then the others in
            # the logs' order: val_loss, then a learning_rate that a callback logged (verbose=2: the logs' order)
            logs = {**{k: logs[k] for k in self._batch_keys if k in logs}, **logs}
        _print(f"{done}/{steps} - {elapsed:.0f}s - {format_step_time(elapsed / done)} - {_format_logs(logs)}",
               self.stream)

    def on_train_end(self, logs=None):
        self._release()

    def _release(self):
        if self._bar is not None:
            bar, self._bar = self._bar, None
            try:
                bar.close()
            finally:
                _bar_closed()


class ProgbarLogger(ProgressBar):
    """Keras's name for the progress bar: ``ProgbarLogger()`` shows what fit's ``verbose`` asks
    for (1: the bar, 2: one line per epoch, 0: nothing), as Keras's, in place of fit's own."""

    def __init__(self):
        super().__init__()

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            super().on_epoch_begin(epoch, logs)

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose:
            super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose:
            super().on_epoch_end(epoch, logs)


class Progbar:
    """Keras's ``keras.utils.Progbar``: a progress bar that a loop of one's own updates.

    ``target``: the number of steps (None: unknown). ``update(current, values)`` after step ``current``
    (counted from 1), ``values`` a list of ``(name, value)`` pairs (or a dict): each shown as its mean
    over the steps so far, weighted by the steps each covers, as Keras's; a name in
    ``stateful_metrics`` as given (or, with ``stateless_metrics``, only the names it lists averaged).
    ``add(n, values)`` is ``update`` ``n`` steps further. The last
    update (``current >= target``, or ``finalize=True``) ends the line.

    ``verbose=1`` redraws ``12/50 ━━━━━────────── 3s 58ms/step - loss: 0.4321`` on its line on a
    terminal or in a notebook, at most every ``interval`` seconds; elsewhere (a file, a pipe) or with
    :func:`disable_interactive_logging` it prints the last update's line only (Keras's prints one
    line per update into a log). ``verbose=2`` prints ``50/50 - 3s - 58ms/step - loss: 0.4321`` at the
    end, as fit's epoch lines; ``verbose=0`` prints nothing. The time per step leaves out the first
    step (compilation, warming up), as Keras's. Written without Keras's terminal colours.
    ``width``: the bar's length in characters (20); ``unit_name``: the unit of the time per step
    (``58ms/step``; ``unit_name="batch"`` gives ``58ms/batch``)."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, stateless_metrics=None,
                 unit_name="step"):
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, np.integer)) or target < 0):
            raise ValueError(f"target must be a number of steps (an integer >= 0) or None when unknown. "
                             f"Received: target={target!r:.100}")
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"width must be a positive integer (characters of the bar). Received: width={width!r:.100}")
        self.verbose = int(check_choice(verbose, "verbose", (0, 1, 2)))
        if isinstance(interval, bool) or not isinstance(interval, (int, float, np.integer, np.floating)) \
                or not interval >= 0:
            raise ValueError(f"interval must be a number of seconds >= 0. Received: interval={interval!r:.100}")
        if not isinstance(unit_name, str):
            raise TypeError(f"unit_name must be a string such as 'step'. Received: unit_name={unit_name!r:.100}")
        for name, names in (("stateful_metrics", stateful_metrics), ("stateless_metrics", stateless_metrics)):
            if isinstance(names, str):
                raise TypeError(f"{name} must be a list of metric names, not one string. Received: {name}={names!r:.100}")
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Give stateful_metrics (the names shown as given; the others averaged) or "
                             "stateless_metrics (the names averaged; the others shown as given), not both.")
        self.target = None if target is None else int(target)
        self.width = int(width)
        self.interval = float(interval)
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic = _interactive_logging and _interactive(sys.stdout)
        self._values = {}  # name: [sum of value × steps, steps] (a stateful one: [value, 1])
        self._seen_so_far = 0
        self._start = time.perf_counter()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._width_drawn = 0

    def update(self, current, values=None, finalize=None):
        """Show step ``current`` (see the class); ``finalize`` None: whether ``current >= target``."""
        if isinstance(current, bool) or not isinstance(current, (int, np.integer)) or current < 0:
            raise ValueError(f"current must be the number of steps done (an integer >= 0). Received: current={current!r:.100}")
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        pairs = values.items() if isinstance(values, dict) else values or ()
        for name, value in pairs:
            stateful = (name not in self.stateless_metrics if self.stateful_metrics is None
                        else name in self.stateful_metrics)
            if stateful or finalize:  # (the last update gives the final values, as Keras)
                self._values[name] = [value, 1]
            else:
                steps = max(current - self._seen_so_far, 1)
                total = self._values.setdefault(name, [0.0, 0])
                total[0] += value * steps
                total[1] += steps
        self._seen_so_far = current
        now = time.perf_counter()
        per_step = self._step_time(current, now)
        if self.verbose == 1:
            if not finalize and (not self._dynamic or now - self._last_update < self.interval):
                return
            self._draw(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize and self.target:
            parts = [f"{current}/{self.target}", f"{now - self._start:.0f}s",
                     format_step_time(per_step).replace("/step", f"/{self.unit_name}")]
            _print(" - ".join(parts + self._shown_values()))
        self._last_update = now

    def add(self, n, values=None):
        """``update`` ``n`` steps further."""
        self.update(self._seen_so_far + n, values)

    def _draw(self, current, now, per_step, finalize):
        if self.target:
            filled = int(self.width * min(current / self.target, 1))
            digits = len(str(self.target))
            text = f"{current:{digits}d}/{self.target} " + "━" * filled + "─" * (self.width - filled)
            eta = per_step * (self.target - current)
            if finalize:
                text += f" {now - self._start:.0f}s"
            elif eta > 3600:
                text += f" {int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                text += f" {int(eta // 60)}:{int(eta % 60):02d}"
            else:
                text += f" {int(eta)}s"
        else:
            text = f"{current:7d}/Unknown {now - self._start:.0f}s"
        text = " - ".join([text + " " + format_step_time(per_step).replace("/step", f"/{self.unit_name}"),
                           *self._shown_values()])
        if self._dynamic:  # redrawn on its line, a shorter text covering the longer one before it
            text = "\r" + text.ljust(self._width_drawn)
            self._width_drawn = len(text) - 1
        elif not _interactive_logging:
            _print(text)
            return
        sys.stdout.write(writable(text, sys.stdout) + ("\n" if finalize or not self._dynamic else ""))
        sys.stdout.flush()

    def _shown_values(self):
        return [f"{name}: {format_value(float(np.mean(total)) / max(steps, 1))}"
                for name, (total, steps) in self._values.items()]

    def _step_time(self, current, now):
        """The time per step, the first step's left out once there are more (as Keras's)."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step


def _interactive(stream):
    """Whether ``stream`` shows a redrawn line: a terminal, or a notebook's output."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        pass
    return "ipykernel" in sys.modules
