"""Classic networks and learning rules (SPEC C1–C6): perceptron, delta rule,
hand-wired threshold units, Hopfield, self-organizing map, autoencoder compression."""

from .adaline import Adaline
from .bitmaps import load_bitmaps, show_bitmap
from .compression import CompressionResult, compress_image
from .hopfield import CapacityWarning, Hopfield, RecallCycleWarning, UnstablePatternWarning, flip_bits
from .perceptron import NotSeparableWarning, Perceptron, RuleHistory, delta_rule, perceptron_rule, train_neuron
from .som import SOM
from .threshold import ThresholdNetwork, ThresholdUnit, TruthTable, xor_network

__all__ = [
    "Adaline",
    "CapacityWarning",
    "CompressionResult",
    "Hopfield",
    "RecallCycleWarning",
    "NotSeparableWarning",
    "Perceptron",
    "RuleHistory",
    "SOM",
    "ThresholdNetwork",
    "ThresholdUnit",
    "TruthTable",
    "UnstablePatternWarning",
    "compress_image",
    "delta_rule",
    "flip_bits",
    "load_bitmaps",
    "perceptron_rule",
    "show_bitmap",
    "train_neuron",
    "xor_network",
]
