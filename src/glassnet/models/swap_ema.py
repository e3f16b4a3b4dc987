"""The callback :class:`SwapEMAWeights`: evaluate (and checkpoint) with the moving average of the
weights that an optimizer with ``use_ema=True`` keeps."""

from .._validation import check_bool
from .hooks import Callback


class SwapEMAWeights(Callback):
    """Keras's: evaluate with the moving average of the weights that an optimizer with
    ``use_ema=True`` keeps. Before fit's validation (and ``evaluate``/``predict`` given this
    callback) the average goes into the model and the trained weights into the optimizer's
    ``average`` slot; afterwards they are swapped back. With ``swap_on_epoch=True`` the
    average is in the model from each epoch's end to the next one's start, so that the
    callbacks after this one (``ModelCheckpoint``) see and save it. ``fit`` still ends with
    the average as the weights, as without this callback. Frozen layers keep theirs."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = check_bool(swap_on_epoch, "swap_on_epoch")

    def _in_model(self):
        return getattr(self.model.optimizer, "_average_in_model", False)

    def _swap(self):
        from .updates import swap_average

        optimizer = getattr(self.model, "optimizer", None)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights needs an optimizer with use_ema=True, which keeps the moving average "
                             f"of the weights. Received: {optimizer!r}")
        if "average" not in optimizer.state or not optimizer._iterations:
            raise ValueError("SwapEMAWeights: the optimizer has no moving average yet (it is made by the first "
                             "training step). Train before evaluating with it.")
        swap_average(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._in_model():
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._in_model():
            self._swap()

    def on_test_begin(self, logs=None):
        if not self._in_model():
            self._swap()
            self._swapped_for_test = True

    def on_test_end(self, logs=None):
        if getattr(self, "_swapped_for_test", False):
            self._swapped_for_test = False
            self._swap()

    on_predict_begin, on_predict_end = on_test_begin, on_test_end

    def _release(self):  # evaluate or predict stopped by an error or Ctrl-C: the trained weights go back
        self.on_test_end()
