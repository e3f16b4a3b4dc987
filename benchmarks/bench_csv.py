"""Reading a CSV file for the command line: glassnet's reader against ``pandas.read_csv``.

The file is MNIST-like, written once into a temporary folder: ``--rows`` rows of 784
pixel columns (integers 0–255, four in five of them 0) and a label column, with a
header. Timed back to back in one process, best of ``--repeats``:

- ``glassnet (pandas)``: ``glassnet.cli.read_csv`` as installed (the body read by pandas's
  C parser when pandas is importable);
- ``glassnet (NumPy)``: the same with pandas hidden (the body read by ``numpy.loadtxt``);
- ``glassnet (cell by cell)``: the careful reader alone (every row through the csv module),
  which names the line of a bad cell and reads any file the C parsers refuse;
- ``pandas.read_csv``: the file as a data frame, for reference.

All glassnet readings must give the same arrays; the script checks that.

Usage::

    python benchmarks/bench_csv.py [--rows 30000] [--repeats 3]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def best(read, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = read()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import pandas as pd

    from glassnet.cli import _data

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(args.rows, 784)) * (rng.random((args.rows, 784)) < 0.2)
    labels = rng.integers(0, 10, size=args.rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mnist-like.csv"
        header = ",".join([f"p{k}" for k in range(784)] + ["label"])
        np.savetxt(path, np.column_stack([pixels, labels]), fmt="%d", delimiter=",", header=header, comments="")
        print(f"{path.name}: {args.rows} rows x 785 columns, {path.stat().st_size / 1e6:.1f} MB")
        pd.read_csv(path, nrows=10)  # pandas imported and warm for both
        rows = []
        t, fast = best(lambda: _data.read_csv(str(path)), args.repeats)
        rows.append(("glassnet (pandas)", t))
        sys.modules["pandas"], saved = None, sys.modules["pandas"]
        try:
            t, numpy_read = best(lambda: _data.read_csv(str(path)), args.repeats)
        finally:
            sys.modules["pandas"] = saved
        rows.append(("glassnet (NumPy)", t))
        head, _data.HEAD_ROWS = _data.HEAD_ROWS, 10**12
        try:
            t, careful = best(lambda: _data.read_csv(str(path)), args.repeats)
        finally:
            _data.HEAD_ROWS = head
        rows.append(("glassnet (cell by cell)", t))
        t, _ = best(lambda: pd.read_csv(path), args.repeats)
        rows.append(("pandas.read_csv", t))
    for other in (numpy_read, careful):
        assert np.array_equal(fast[0], other[0]) and np.array_equal(fast[1], other[1]), "readings differ"
    assert np.array_equal(fast[0], pixels) and np.array_equal(fast[1], labels)
    reference = rows[-1][1]
    print(f"{'reader':<26}{'seconds':>9}{'/ pandas':>10}")
    for name, t in rows:
        print(f"{name:<26}{t:>9.2f}{t / reference:>9.1f}x")


if __name__ == "__main__":
    main()
