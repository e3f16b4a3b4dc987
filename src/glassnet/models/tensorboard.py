"""The ``TensorBoard`` callback: losses, metrics and weight histograms as TensorBoard event files.

It writes what ``keras.callbacks.TensorBoard`` writes, under the same tags, so that
``tensorboard --logdir logs`` shows a glassnet run beside a Keras one:

    log_dir/train        epoch_loss, epoch_<metric>, epoch_learning_rate (step: the epoch),
                         batch_loss, batch_<metric> with update_freq (step: the batch over the fit),
                         <weight path>/histogram with histogram_freq (sequential/dense/kernel/histogram),
                         epoch_steps_per_second, and the model's JSON as tag keras (step 0) with write_graph
    log_dir/validation   epoch_loss, epoch_<metric> of the validation data (step: the epoch),
                         evaluation_<name>_vs_iterations (step: the optimizer's step count)

The files are written by the ``tensorboard`` package's own writer and summary functions
(an optional extra: ``pip install "glassnet[tensorboard]"``), which need no TensorFlow.
"""

import errno
import os
import time
import warnings
from types import SimpleNamespace

import numpy as np

from .._validation import check_bool, check_non_negative_int, check_positive_int, is_one_of
from .callbacks import Callback

_NO_TENSORBOARD = 'The TensorBoard callback requires the tensorboard package: pip install "glassnet[tensorboard]"'


def _require_tensorboard():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram import summary_v2 as histogram
        from tensorboard.plugins.scalar import summary_v2 as scalar
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError:
        raise ImportError(f"{_NO_TENSORBOARD} (or pip install tensorboard).") from None
    return SimpleNamespace(event_pb2=event_pb2, summary_pb2=summary_pb2, scalar=scalar, histogram=histogram,
                           EventFileWriter=EventFileWriter, tensor_util=tensor_util)


class TensorBoard(Callback):
    """Write the training's losses and metrics for TensorBoard, as ``keras.callbacks.TensorBoard``
    (the tags are in the module docstring); view them with ``tensorboard --logdir logs``.

    ``update_freq``: ``"epoch"`` (default) writes once per epoch; ``"batch"`` or an integer n
    also writes the running batch loss and metrics every n batches. ``histogram_freq=n``
    writes a histogram of every weight array every n epochs (0: never).
    ``write_steps_per_second`` adds the training speed (per epoch, and per batch at the batches
    that ``update_freq`` writes). ``write_graph`` (default) writes ``model.to_json()`` at the start
    of each fit, as Keras's: TensorBoard's Graphs tab draws it as the "conceptual graph" of the layers.
    Keras's profiler, weight images and embeddings are not provided: a ``profile_batch`` is ignored
    with a warning (it only observes), ``embeddings_freq`` must stay 0, ``write_images`` False. A metric that is an array per
    class (``F1Score(average=None)``) is written as one scalar per class, ``<name>/<i>``."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        if not isinstance(log_dir, (str, os.PathLike)) or not os.fspath(log_dir):
            raise ValueError(f"log_dir must be the path of a folder. Received: log_dir={log_dir!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = check_non_negative_int(histogram_freq, "histogram_freq")
        self.write_graph = check_bool(write_graph, "write_graph")
        self.write_steps_per_second = check_bool(write_steps_per_second, "write_steps_per_second")
        if check_bool(write_images, "write_images"):
            raise ValueError("write_images is not provided; glassnet.plots.plot_weights draws a layer's weights "
                             "as images.")
        if not is_one_of(embeddings_freq, (0, None)) or embeddings_metadata is not None:
            raise ValueError("TensorBoard's embeddings are not provided: leave embeddings_freq at 0 and "
                             f"embeddings_metadata at None. Received: embeddings_freq={embeddings_freq!r:.100}, "
                             f"embeddings_metadata={embeddings_metadata!r:.100}")
        if not is_one_of(profile_batch, (0, None)):  # Géron's TensorBoard(run_logdir, profile_batch=(100, 200)):
            # it observes and changes nothing, so the notebook's cell runs, told what it does not get
            warnings.warn(f"profile_batch={profile_batch!r:.100} is ignored: TensorBoard's profiler (TensorFlow's "
                          "trace viewer) is not provided. The scalars and histograms are written as asked; time the "
                          "steps with a callback's on_train_batch_begin/end.", UserWarning, stacklevel=2)
        if isinstance(update_freq, str) and update_freq in ("epoch", "batch"):
            update_freq = 1 if update_freq == "batch" else update_freq
        else:
            try:
                update_freq = check_positive_int(update_freq, "update_freq")
            except (TypeError, ValueError) as error:
                raise type(error)("update_freq must be 'epoch', 'batch' or a positive number of batches. "
                                  f"Received: update_freq={update_freq!r}") from None
        self.update_freq = update_freq
        self._tb = _require_tensorboard()  # now, not after the first epoch
        if update_freq != "epoch" or self.write_steps_per_second:
            # fit calls batch hooks only where one is set: none per batch for once-per-epoch logs
            self.on_train_batch_begin = self._batch_begin
            self.on_train_batch_end = self._batch_end
        self._writers = {}
        self._in_fit = False  # evaluate() alone has no on_train_end to close the files
        self._global_batch = 0
        self._epoch_start = self._epoch_batches = None

    # -- writing -----------------------------------------------------------------------
    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = self._tb.EventFileWriter(os.path.join(self.log_dir, name))
        return self._writers[name]

    def _scalars(self, writer, prefix, logs, step):
        values = []
        for name, value in logs.items():
            array = np.asarray(value, dtype=np.float64)
            if array.ndim == 0:
                values.extend(self._tb.scalar.scalar_pb(prefix + name, array).value)
            else:  # a per-class metric: one scalar per class
                for i, v in enumerate(array.ravel()):
                    values.extend(self._tb.scalar.scalar_pb(f"{prefix}{name}/{i}", v).value)
        self._write(writer, values, step)

    def _histograms(self, epoch):
        values = []
        for layer in self.model.layers:
            for weight in layer.weights:  # tagged by the weight's path, as Keras's: sequential/dense/kernel/histogram
                tag = f"{weight.path.replace(':', '_')}/histogram"
                values.extend(self._tb.histogram.histogram_pb(tag, weight.numpy()).value)
        self._write("train", values, epoch)

    def _write(self, writer, values, step):
        """One event of summary ``values`` at ``step`` into the ``writer`` folder's file."""
        if values:
            summary = self._tb.summary_pb2.Summary(value=values)
            event = self._tb.event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
            self._writer(writer).add_event(event)

    def _close(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- hooks -------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_batch = 0
        self._in_fit = True
        # the training logs' folder now, so that a log_dir that cannot be written fails before the first epoch
        path = os.path.join(self.log_dir, "train")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as error:
            raise type(error)(error.errno, f"log_dir: cannot create the folder {path!r} for TensorBoard's logs "
                                           f"({error.strerror})") from None
        if not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, f"log_dir: the folder {path!r} is not writable")
        if self.write_graph:
            self._write_model_json()

    def _write_model_json(self):
        """``model.to_json()`` as Keras's ``keras_model_summary("keras", model, step=0)`` writes it: a string
        tensor of the graph plugin's ``graph_keras_model`` kind, which the Graphs tab draws."""
        try:
            text = self.model.to_json()
        except Exception as error:  # as Keras: a model that cannot be written as JSON does not stop the fit
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}", stacklevel=2)
            return
        pb2 = self._tb.summary_pb2
        metadata = pb2.SummaryMetadata(plugin_data=pb2.SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                                  content=b"1"))
        value = pb2.Summary.Value(tag="keras", metadata=metadata, tensor=self._tb.tensor_util.make_tensor_proto(text))
        self._write("train", [value], 0)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start, self._epoch_batches = time.perf_counter(), 0

    def _batch_begin(self, batch, logs=None):
        self._global_batch += 1
        self._epoch_batches += 1
        if self.write_steps_per_second:
            self._batch_start = time.perf_counter()

    def _batch_end(self, batch, logs=None):
        step = self._global_batch
        if self.update_freq == "epoch" or step % self.update_freq:  # as Keras: every batch summary, speed too
            return
        if self.write_steps_per_second:
            self._scalars("train", "batch_", {"steps_per_second": 1.0 / max(time.perf_counter() - self._batch_start,
                                                                              1e-9)}, step)
        self._scalars("train", "batch_", logs or {}, step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            train["learning_rate"] = optimizer.learning_rate
        if self.write_steps_per_second and self._epoch_start is not None:
            steps = self._epoch_batches or self.params.get("steps") or 0
            train["steps_per_second"] = steps / max(time.perf_counter() - self._epoch_start, 1e-9)
        self._scalars("train", "epoch_", train, epoch)
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if validation:
            self._scalars("validation", "epoch_", validation, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)
        for writer in self._writers.values():  # so that a running TensorBoard shows each epoch
            writer.flush()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if logs and optimizer is not None:
            self._scalars("validation", "evaluation_", {f"{k}_vs_iterations": v for k, v in logs.items()},
                          optimizer.iterations)
            self._writer("validation").flush()
        if not self._in_fit:  # model.evaluate(callbacks=[board]): each call left a writer thread and file open
            self._close()

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close()

    def _release(self):
        self._in_fit = False
        self._close()
