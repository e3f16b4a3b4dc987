"""Classic networks and learning rules (SPEC C1–C6): perceptron, delta rule,
hand-wired threshold units, Hopfield, self-organizing map, autoencoder compression."""

from .bitmaps import load_bitmaps, show_bitmap
from .hopfield import CapacityWarning, Hopfield, RecallCycleWarning, flip_bits
from .som import SOM
from .threshold import ThresholdNetwork, ThresholdUnit, TruthTable, xor_network

__all__ = [
    "CapacityWarning",
    "Hopfield",
    "RecallCycleWarning",
    "SOM",
    "ThresholdNetwork",
    "ThresholdUnit",
    "TruthTable",
    "flip_bits",
    "load_bitmaps",
    "show_bitmap",
    "xor_network",
]
