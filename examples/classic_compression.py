"""Compress MNIST digits through an 8×8 → k → 8×8 autoencoder (seed 000, ssn5).

Usage: python classic_compression.py [folder with the MNIST IDX files]
"""

import sys

from glassnet.classic import compress_image
from glassnet.datasets import MNISTNotFoundError, load_mnist

path = sys.argv[1] if len(sys.argv) > 1 else None
try:
    images, _ = load_mnist(path, kind="test", flatten=False, as_uint8=True)
except MNISTNotFoundError as error:
    sys.exit(str(error))  # where to put the files, not a traceback
for result in compress_image(images[:1000], k=(8, 16, 32), block_size=8, seed=0):
    print(result)
