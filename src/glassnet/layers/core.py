"""``keras.layers.core``'s names (Keras 2, as seed 001 imports them:
``from keras.layers.core import Dense, Dropout, Activation``), so that the
seed's line works after changing ``keras`` to ``glassnet``."""

from .activation import Activation
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten

__all__ = ["Dense", "Dropout", "Activation", "Flatten"]
