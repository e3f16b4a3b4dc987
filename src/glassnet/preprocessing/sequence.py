"""``keras.preprocessing.sequence``, where Keras keeps ``pad_sequences`` too (``from
keras.preprocessing.sequence import pad_sequences`` in tf.keras code): the same function as
:func:`glassnet.utils.pad_sequences`."""

from ..utils import pad_sequences

__all__ = ["pad_sequences"]
