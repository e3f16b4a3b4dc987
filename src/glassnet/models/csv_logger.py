"""The callback :class:`CSVLogger`: one CSV row of logs per epoch."""

import csv
import os

import numpy as np

from .._validation import check_bool, check_path
from .hooks import Callback
from .monitoring import _not_validated


class CSVLogger(Callback):
    """Append one CSV row of logs per epoch (the header first) to the file ``filename``, its
    columns split by ``separator`` (one character); ``append=True`` keeps an earlier run's rows,
    else the file is started afresh (as Keras).

    The file is written in UTF-8 whatever the locale (Keras writes the locale's encoding, where a metric
    named ``précision`` ended fit after its first epoch under ``LC_ALL=C`` or a Windows code page).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = check_path(filename, "filename")
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"separator must be one character, such as ','. Received: separator={separator!r:.50}")
        self.separator = separator
        self.append = check_bool(append, "append")
        self._file = None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        # opened now, so that a path that cannot be written fails before training; but a file of an
        # earlier run is emptied only when the first row comes: a fit that fails to start (another
        # callback's mistake) or is stopped within its first epoch leaves it as it was
        self._file = open(self.filename, "a", newline="", encoding="utf-8")
        self._writer = None
        self._header_written = exists

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._writer is None:
            if not self.append:
                self._file.truncate(0)  # ("a": the rows then go to the new end)
            # sorted, as Keras; with validation_freq > 1 the first epoch has no val_* values yet: their columns
            # are added. fit says whether it validated the epoch (Keras looks for a val_* key, and a callback
            # that logs one of its own at every epoch lost the val_loss column)
            self._keys = sorted(logs)
            if _not_validated(self, logs):
                self._keys += [f"val_{k}" for k in self._keys
                               if k != "learning_rate" and not k.startswith("val_") and f"val_{k}" not in logs]
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self._keys], delimiter=self.separator)
            if not self._header_written:
                self._writer.writeheader()
        row = {k: logs.get(k, "NA") for k in self._keys}
        for k, v in row.items():
            if isinstance(v, np.ndarray) and v.ndim:  # one value per class, read back as "[a, b]" (Keras: '"[a, b]"')
                row[k] = f"[{', '.join(map(str, v.tolist()))}]"
        self._writer.writerow({"epoch": epoch, **row})
        self._file.flush()

    def on_train_end(self, logs=None):
        self._release()

    def _release(self):
        if self._file is not None:
            self._file.close()
            self._file = None
