"""What training shows as it goes: :class:`ProgressBar` and Keras's :class:`ProgbarLogger` (a bar
or one line per epoch), the formatting of logged values and step times, and ``_say``, which prints
a callback's line without breaking a drawn bar."""

import sys
import time

import numpy as np

from .._validation import check_choice
from .hooks import Callback


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
    if tqdm is None:  # no bar was ever drawn
        print(text)
        return
    with tqdm.tqdm.external_write_mode(file=sys.stdout):
        print(text)


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

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()
        self._batches = 0
        epochs = self.params.get("epochs")
        if self.verbose == 1 and (self.stream is not None or _interactive(sys.stdout)):
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(
                    total=self.params.get("steps"),
                    desc=None if epochs == 1 else f"Epoch {epoch + 1}/{epochs}",  # (as the epoch's line)
                    unit="step",
                    file=self._out(),
                    leave=False,  # replaced at the epoch's end by its line, every metric on it
                    dynamic_ncols=True,
                    mininterval=0.1,
                )
                return
        self._epoch_line(epoch)

    def _epoch_line(self, epoch):
        """Keras's ``Epoch 2/5`` line, which it leaves out when ``fit`` runs one epoch."""
        epochs = self.params.get("epochs")
        if epochs is None or epochs > 1:
            print(f"Epoch {epoch + 1}/{epochs}", file=self._out())

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._bar is not None:
            self._bar.update(1)
            if logs:
                shown = {k: format_value(v) if isinstance(v, np.ndarray) else v for k, v in _shown(logs).items()}
                self._bar.set_postfix(shown, refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._t0
        if self._bar is not None:
            # the bar's postfix is cut at the terminal's width (val_ metrics lost on 80 columns)
            self._bar.close()
            self._bar = None
            self._epoch_line(epoch)
        steps = self.params.get("steps")
        done = self._batches or steps or 1  # fewer when the epoch ended with its pass over the data
        steps = steps or done  # a generator's epochs are as long as they last
        logs = logs or {}
        if self.verbose == 1:  # Keras's bar lists the keys as its batches showed them first: the val_ ones after
            logs = {**{k: v for k, v in logs.items() if not k.startswith("val_")}, **logs}
        print(
            f"{done}/{steps} - {elapsed:.0f}s - {format_step_time(elapsed / done)} - {_format_logs(logs)}",
            file=self._out(),
        )

    def on_train_end(self, logs=None):
        self._release()

    def _release(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


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


def _interactive(stream):
    """Whether ``stream`` shows a redrawn line: a terminal, or a notebook's output."""
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        pass
    return "ipykernel" in sys.modules
