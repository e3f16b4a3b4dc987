"""Keras code with only its imports changed (``import glassnet as keras``) runs, or
says clearly what glassnet offers instead."""

import numpy as np
import pytest

import glassnet
import glassnet as keras
from glassnet import layers


def test_sequential_input_and_input_layer_are_top_level_names_as_in_keras():
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3)])
    assert model.input_shape == (None, 8)
    assert keras.Sequential is glassnet.models.Sequential
    assert keras.Input is layers.Input and keras.InputLayer is layers.InputLayer
    for name in ("Sequential", "Input", "InputLayer"):
        assert name in glassnet.__all__ and name in dir(glassnet)
