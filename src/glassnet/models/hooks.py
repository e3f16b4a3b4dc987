"""The base of callbacks (SPEC B2): :class:`Callback`, the hooks the training loop calls, as
``keras.callbacks.Callback``, which of them a callback overrides (fit calls only those per batch),
and :class:`LambdaCallback`, a callback made of functions."""


class Callback:
    """The base of callbacks, as Keras's: override the hooks (``on_epoch_end(epoch, logs)``,
    ``on_train_batch_end(batch, logs)``, ...) or set them on an instance; ``self.model`` is
    the model being trained and ``self.params`` fit's settings (``epochs``, ``steps``, ``verbose``)."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Called by ``fit``, ``evaluate`` and ``predict`` before any hook: ``self.model`` is the model they run."""
        self.model = model

    def set_params(self, params):
        """Called after :meth:`set_model` with the run's settings: ``fit``'s ``epochs``, ``steps`` (batches per
        epoch; None for a generator of unknown length), ``verbose``, ``batch_size`` and ``do_validation``;
        ``evaluate``'s and ``predict``'s ``verbose``, ``epochs=1`` and ``steps``."""
        self.params = params

    def on_train_begin(self, logs=None):
        """Called at the beginning of ``fit``, before the first epoch. ``logs`` is empty (``{}``)."""

    def on_train_end(self, logs=None):
        """Called at the end of ``fit`` (not when it stops on an error or Ctrl-C), after ``use_ema`` put the
        average into the weights. ``logs``: the last epoch's, as :meth:`on_epoch_end` got them (``{}`` if none
        ended)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch of ``fit``; ``epoch`` is its index, from ``initial_epoch`` (0 by
        default). ``logs`` is empty."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch of ``fit``, after its validation. ``logs``: the epoch's ``loss`` (the
        mean over its samples of the batches' losses) and compiled metrics, and, when the epoch was validated, the
        validation's under ``val_`` names (``val_loss``, ``val_accuracy``); the keys sorted, as Keras's.
        Set ``self.model.stop_training = True`` to end training after this epoch."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training step of ``fit``; ``batch`` is the batch's index in its epoch, from 0.
        ``logs`` is empty. By default calls :meth:`on_batch_begin`, Keras's older name."""
        self.on_batch_begin(batch, logs=logs)  # as Keras: the older names still work

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training step of ``fit``. ``logs``: the epoch's running ``loss`` and compiled metrics
        up to this batch, as Keras's (only ``loss``, this batch's, when it is not finite). By default calls
        :meth:`on_batch_end`. ``fit`` computes these logs only when a callback overrides one of the two."""
        self.on_batch_end(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        """Keras's older name of :meth:`on_train_batch_begin` (training batches only), called by it."""

    def on_batch_end(self, batch, logs=None):
        """Keras's older name of :meth:`on_train_batch_end` (training batches only), called by it."""

    # evaluate (and fit's validation) and predict, as Keras
    def on_test_begin(self, logs=None):
        """Called at the beginning of ``evaluate(callbacks=...)`` and of each validation of ``fit`` (for the
        callbacks that override a test hook). ``logs`` is empty."""

    def on_test_end(self, logs=None):
        """Called at the end of an evaluation. ``logs``: its ``loss`` and metrics over all its batches, the
        figures ``evaluate`` returns (without ``val_``, in ``fit``'s validation too)."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of an evaluation; ``batch`` is its index, from 0. ``logs`` is empty."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of an evaluation. ``logs``: the running ``loss`` and metrics up to this
        batch, as Keras's."""

    def on_predict_begin(self, logs=None):
        """Called at the beginning of ``predict(callbacks=...)``. ``logs`` is empty."""

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``. ``logs`` is empty."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of ``predict``; ``batch`` is its index, from 0. ``logs`` is empty."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of ``predict``. ``logs``: ``{"outputs": A}``, the batch's outputs, an array
        of ``(rows, ...)``."""

    def _release(self):
        """Let go of what the callback holds open (a progress bar, a file) when training
        stops on an exception (Ctrl-C), where ``on_train_end`` is not called (as Keras)."""


_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def overrides(callback, hook):
    """Whether ``callback`` does something at ``hook`` (directly or through Keras's older
    alias), in its class or as a function set on the object itself."""
    hooks = (hook, _ALIASES[hook]) if hook in _ALIASES else (hook,)
    return any(h in vars(callback) or getattr(type(callback), h) is not getattr(Callback, h) for h in hooks)


_HOOKS = tuple(name for name in vars(Callback) if name.startswith("on_"))


class LambdaCallback(Callback):
    """A callback made of functions, as ``keras.callbacks.LambdaCallback``:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``,
    ``on_train_batch_begin(batch, logs)``, ``on_train_batch_end(batch, logs)`` (or Keras's
    older ``on_batch_begin``/``on_batch_end``), and by keyword any other hook
    (``on_test_end=...``, ``on_predict_batch_end=...``)."""

    HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
             "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
             "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
             "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, on_batch_begin=None, on_batch_end=None,
                 **hooks):
        super().__init__()
        unknown = sorted(set(hooks) - set(self.HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback has no hook {', '.join(unknown)}. Hooks: {', '.join(self.HOOKS)}.")
        given = dict(zip(self.HOOKS, (on_epoch_begin, on_epoch_end, on_train_begin, on_train_end,
                                      on_train_batch_begin, on_train_batch_end, on_batch_begin, on_batch_end)))
        given.update(hooks)
        for hook, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"{hook} must be a function or None. Received: {hook}={fn!r}")
            setattr(self, hook, fn)
