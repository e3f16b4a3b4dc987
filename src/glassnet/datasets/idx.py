"""Read and write IDX files, the format MNIST is distributed in.

An IDX file is a big-endian header followed by the raw array::

    bytes 0-1   0x00 0x00
    byte  2     type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                0x0D float32, 0x0E float64)
    byte  3     number of dimensions d
    4*d bytes   the dimensions, each a big-endian uint32
    then        prod(dims) values of that type, big-endian, C order

So MNIST's images start with magic ``0x00000803`` (uint8, 3 dims: n, 28, 28)
and its labels with ``0x00000801`` (uint8, 1 dim: n). Files may be
gzip-compressed (recognised by their content, not their name).
"""

import gzip
import hashlib
import io
import itertools
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .._io import atomic_write
from .._validation import check_path, sized_by

#: IDX type code -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 22  # read 4 MiB at a time: memory grows only with bytes that exist


def read_idx(path):
    """Read an IDX or gzip-compressed IDX file into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Compression is detected from the content (gzip magic
        ``1f 8b``), so ``.gz`` and plain files both work under any name. A pipe
        (bash's ``<(zcat f.gz)``, ``/dev/stdin``) is read whole first.

    Returns
    -------
    ndarray
        Native byte order, writable, shape taken from the header (MNIST images:
        ``(n, 28, 28)`` uint8; labels: ``(n,)`` uint8).

    Raises
    ------
    ValueError
        If the file is not IDX (bad magic bytes), declares an unknown type code
        or zero dimensions, is truncated, or holds more bytes than its header
        declares. The message names the file.
    FileNotFoundError
        If ``path`` does not exist.
    """
    return _read_idx(path)[0]


def _read_idx(path, sha256=False):
    """Return ``(array, hex digest of the uncompressed content or None)``."""
    path = Path(check_path(path, "path"))
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give the path of an IDX file.")
    digest = hashlib.sha256() if sha256 else None
    with open(path, "rb") as raw:
        if raw.seekable():
            size = os.fstat(raw.fileno()).st_size
        else:  # a pipe (bash's <(zcat f.gz), /dev/stdin) has no size and cannot seek back: read whole
            raw = io.BytesIO(raw.read())  # ("io.UnsupportedOperation: File or stream is not seekable")
            size = len(raw.getbuffer())
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        try:
            array = _parse(stream, path, digest, size)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            # gzip raises EOFError when cut short and BadGzipFile/zlib.error
            # when corrupt; both mean the file is malformed, not missing.
            raise ValueError(f"{path}: corrupt or truncated gzip data ({exc}).") from None
        finally:
            if compressed:
                stream.close()
    return array, (digest.hexdigest() if digest is not None else None)


def _parse(stream, path, digest, size):
    header = stream.read(4)
    if len(header) < 4 or header[:2] != b"\x00\x00":
        raise ValueError(
            f"{path}: not an IDX file: bad magic number {header.hex() or '(empty)'}; "
            f"expected 0x0000, a type code and the number of dimensions "
            f"(MNIST images start with 00000803, labels with 00000801)."
        )
    code, ndim = header[2], header[3]
    if code not in IDX_DTYPES:
        valid = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X}; valid codes: {valid}.")
    if ndim == 0:
        raise ValueError(f"{path}: the IDX header declares 0 dimensions; at least 1 is required.")
    dims_bytes = stream.read(4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions declared but only "
            f"{len(dims_bytes)} of their {4 * ndim} bytes are present."
        )
    dims = struct.unpack(f">{ndim}I", dims_bytes)
    if ndim > 64:
        raise ValueError(f"{path}: the header declares {ndim} dimensions; NumPy arrays have at most 64.")
    dtype = IDX_DTYPES[code]
    nbytes = math.prod(dims) * dtype.itemsize  # Python ints: no overflow
    if digest is not None:
        digest.update(header)
        digest.update(dims_bytes)

    # A size the file cannot hold (deflate expands at most ~1032:1) is refused
    # before anything is allocated.
    limit = size * (1100 if isinstance(stream, gzip.GzipFile) else 1)
    if nbytes > limit:
        if isinstance(stream, gzip.GzipFile):  # counted up to 4 MiB: the rest would have to be decompressed
            have = len(stream.read(_CHUNK))
            have = f"at least {have}" if have == _CHUNK else f"only {have}"
        else:  # (a count of the first 4 MiB said "only 4194304" of a 10 MB file)
            have = f"only {size - 4 - 4 * ndim}"
        raise ValueError(
            f"{path}: truncated IDX file: header declares shape {dims} of {dtype.name} "
            f"({nbytes} data bytes) but {have} are present."
        )
    # Compressed, the declared size is only a claim until the bytes decompress: the buffer
    # starts at 16 MB and doubles as data arrives (a 1 MB file claiming 1 GB allocated 1 GB).
    # Uncompressed, the file's size was checked above: one buffer of the declared size.
    buf = bytearray(min(nbytes, 1 << 24) if isinstance(stream, gzip.GzipFile) else nbytes)
    view = memoryview(buf)
    filled = 0
    while filled < nbytes:
        if filled == len(buf):
            view.release()
            buf.extend(bytes(min(len(buf), nbytes - len(buf))))
            view = memoryview(buf)
        got = stream.readinto(view[filled : min(filled + _CHUNK, len(buf))])
        if not got:
            break
        if digest is not None:
            digest.update(view[filled : filled + got])
        filled += got
    view.release()
    if filled < nbytes:
        raise ValueError(
            f"{path}: truncated IDX file: header declares shape {dims} of {dtype.name} "
            f"({nbytes} data bytes) but only {filled} are present."
        )
    extra = len(stream.read(_CHUNK))
    if extra:
        raise ValueError(
            f"{path}: wrong size: the file holds {'at least ' if extra == _CHUNK else ''}"
            f"{extra} more bytes than its header declares (shape {dims} of {dtype.name}, "
            f"{nbytes} data bytes)."
        )
    with sized_by(f"{path}: the header's shape {dims}"):  # (0, 2³²−1, 2³²−1): no data, no such array
        array = np.frombuffer(buf, dtype=dtype).reshape(dims)
    if dtype.itemsize > 1:
        # Swap the bytes in place (the bytearray is ours) instead of copying.
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


def write_idx(path, array, compress=None):
    """Write ``array`` as an IDX file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
    array : array-like
        Of dtype uint8, int8, int16, int32, float32 or float64, at least 1-D.
        A list of Python ints (int64 to NumPy) is stored as int32 when its
        values fit; convert an int64 array yourself, e.g. ``a.astype(np.int32)``.
    compress : bool or None
        gzip the file; ``None`` compresses when the name ends with ``.gz``.

    The bytes go to a temporary file in the same folder, which is flushed,
    fsynced and then renamed over ``path`` (``os.replace``), so a reader never
    sees a half-written file.
    """
    try:
        given, array = array, np.asarray(array)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"array could not be converted to an array: {exc}") from None
    if not isinstance(given, np.ndarray) and array.dtype.kind == "i" and array.dtype.itemsize > 4:
        # IDX's widest integer is int32; a list of small ints should not need a cast
        low, high = np.iinfo(np.int32).min, np.iinfo(np.int32).max
        if array.size == 0 or (low <= array.min() and array.max() <= high):
            array = array.astype(np.int32)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        valid = ", ".join(sorted(d.name for d in _CODES))
        wide = array.dtype.kind in "iu" and array.size and not (
            np.iinfo(np.int32).min <= array.min() and array.max() <= np.iinfo(np.int32).max)
        advice = ("its values lie beyond int32's range, IDX's widest integer: store them as float64 "
                  "(array.astype(np.float64), exact up to 2**53)" if wide
                  else "convert it first (e.g. array.astype(np.int32) when its values fit)")
        raise ValueError(f"array must have one of the IDX dtypes {valid}. Received dtype {array.dtype}; {advice}.")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"array must have 1 to 255 dimensions. Received shape {array.shape}.")
    if max(array.shape) >= 2**32:
        raise ValueError(f"IDX stores each dimension in 32 bits: every size must be below 2**32. "
                         f"Received shape {array.shape}.")
    if compress is not None and not isinstance(compress, (bool, np.bool_)):
        raise TypeError(f"compress must be True, False or None (from the file name). Received: compress={compress!r:.100}")
    # checked as a string: Path() named no argument for None, refused bytes, and dropped the
    # trailing "/" of "out/", so a file "out" was written where atomic_write refuses a folder name
    path = check_path(path, "path")
    if compress is None:
        compress = Path(path).suffix == ".gz"
    header = struct.pack(f">BBBB{array.ndim}I", 0, 0, _CODES[native], array.ndim, *array.shape)
    big_endian = IDX_DTYPES[_CODES[native]]
    step = max(1, _CHUNK // max(1, array[:1].nbytes))  # rows of about 4 MiB: no big-endian copy of it all

    def write(fh):
        chunks = itertools.chain([header], (np.ascontiguousarray(array[start:start + step], dtype=big_endian)
                                            .reshape(-1).view(np.uint8) for start in range(0, len(array), step)))
        if not compress:
            fh.writelines(chunks)
            return
        # the bytes of gzip.compress(header + data, mtime=0), compressed a chunk at a time
        fh.write(gzip.compress(b"", mtime=0)[:10])  # (its gzip header, the same whatever the data)
        deflate, crc, size = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS), 0, 0
        for chunk in chunks:
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            fh.write(deflate.compress(chunk))
        fh.write(deflate.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF))

    atomic_write(path, write)
    return Path(path)


