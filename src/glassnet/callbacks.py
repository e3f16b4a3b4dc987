"""Callbacks, named as ``keras.callbacks`` (gathered in :mod:`glassnet.models.callbacks`, which names the module of each)."""

from .models.callbacks import (
    BackupAndRestore,
    CSVLogger,
    Callback,
    CallbackList,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ProgressBar,
    ReduceLROnPlateau,
    SwapEMAWeights,
    TerminateOnNaN,
)
from .models.remote_monitor import RemoteMonitor
from .models.tensorboard import TensorBoard

__all__ = [
    "Callback", "CallbackList", "History", "ProgressBar", "ProgbarLogger", "EarlyStopping", "ModelCheckpoint",
    "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "LambdaCallback",
    "BackupAndRestore", "SwapEMAWeights", "TensorBoard", "RemoteMonitor",
]
