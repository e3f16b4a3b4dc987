"""Compress MNIST digits through an 8×8 → k → 8×8 autoencoder (seed 000, ssn5).

Usage: python classic_compression.py [folder with the MNIST IDX files]
"""

import argparse
import sys

from glassnet.classic import compress_image
from glassnet.datasets import MNISTNotFoundError, load_mnist

parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
parser.add_argument("folder", nargs="?", default=None,
                    help="folder with the MNIST IDX files, only read (default: where load_mnist looks: "
                         "$GLASSNET_DATA, the cache, ../shared/data/mnist; downloaded into the cache when absent)")
path = parser.parse_args().folder
try:
    # a folder given is only read (a typo is not made a download folder)
    images, _ = load_mnist(path, kind="test", flatten=False, as_uint8=True, download=path is None)
except MNISTNotFoundError as error:
    sys.exit(str(error))  # where to put the files, not a traceback
for result in compress_image(images[:1000], k=(8, 16, 32), block_size=8, seed=0):
    print(result)
