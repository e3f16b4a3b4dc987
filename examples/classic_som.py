"""Kohonen map of random RGB colours on a 10×10 hexagonal grid (seed 000, ssn7)."""

import numpy as np

from glassnet.classic import SOM

colours = np.random.default_rng(0).random((500, 3))
som = SOM(grid=(10, 10), topology="hexagonal", epochs=10, random_state=0).fit(colours)
print("quantization error, initial map then after each epoch:", np.round(som.quantization_errors_, 3))
print("topographic error:", round(som.topographic_error(colours), 4))
print("U-matrix (mean distance to neighbours):")
print(np.round(som.u_matrix(), 2))
print("winner of pure red, green, blue:", som.winner_coordinates(np.eye(3)).tolist())
