"""IDX reading/writing against hand-packed bytes, and every kind of malformed file."""

import gzip
import os
import re
import struct
import threading

import numpy as np
import pytest

from glassnet.datasets import read_idx, write_idx


def idx_bytes(code, dims, data_bytes):
    """An IDX file built by hand: 0x0000, type code, ndim, big-endian dims, data."""
    return struct.pack(f">HBB{len(dims)}I", 0, code, len(dims), *dims) + data_bytes


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_reads_hand_packed_uint8_images(tmp_path):
    pixels = bytes(range(24))  # 2 images of 3 x 4
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(idx_bytes(0x08, (2, 3, 4), pixels))
    array = read_idx(path)
    assert array.dtype == np.uint8
    assert array.shape == (2, 3, 4)
    assert array[1, 2, 3] == 23 and array[0, 1, 0] == 4
    assert array.flags.writeable


@pytest.mark.parametrize(
    "code, fmt, values, dtype",
    [
        (0x09, "b", [-128, 0, 127], np.int8),
        (0x0B, "h", [-2, 300, -32768], np.int16),
        (0x0C, "i", [-7, 2**31 - 1, 65536], np.int32),
        (0x0D, "f", [1.5, -0.25, 3e38], np.float32),
        (0x0E, "d", [np.pi, -1e300, 0.0], np.float64),
    ],
)
def test_reads_every_type_code_big_endian(tmp_path, code, fmt, values, dtype):
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(code, (3,), struct.pack(f">3{fmt}", *values)))
    array = read_idx(path)
    assert array.dtype == np.dtype(dtype)  # native byte order
    assert array.dtype.isnative
    np.testing.assert_array_equal(array, np.array(values, dtype=dtype))


def test_gzip_detected_by_content_not_name(tmp_path):
    content = idx_bytes(0x08, (5,), bytes([9, 8, 7, 6, 5]))
    for name in ("labels.gz", "labels-without-suffix"):
        (tmp_path / name).write_bytes(gzip.compress(content))
        np.testing.assert_array_equal(read_idx(tmp_path / name), [9, 8, 7, 6, 5])


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
def test_write_then_read_round_trip(tmp_path, rng, dtype, name):
    array = (rng.standard_normal((4, 3, 2)) * 50).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == array.dtype
    np.testing.assert_array_equal(back, array)
    assert (tmp_path / name).read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\x00\x00")


def test_write_produces_the_hand_packed_bytes(tmp_path):
    write_idx(tmp_path / "a.idx", np.array([[1, -2], [3, 4]], dtype=np.int16))
    expected = idx_bytes(0x0B, (2, 2), struct.pack(">4h", 1, -2, 3, 4))
    assert (tmp_path / "a.idx").read_bytes() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["a.idx"]  # no temporary file left


def test_write_rejects_dtypes_idx_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match=r"IDX dtypes.*int64; convert it first \(e.g. array.astype\(np.int32\)"):
        write_idx(tmp_path / "a.idx", np.arange(3, dtype=np.int64))
    # (values beyond int32 were told to convert "when its values fit")
    with pytest.raises(ValueError, match=r"Received dtype int64; its values lie beyond int32's range.*float64"):
        write_idx(tmp_path / "a.idx", [0, 2**31])  # does not fit in int32
    assert not list(tmp_path.iterdir())


def test_write_accepts_a_list_of_python_ints(tmp_path):
    write_idx(tmp_path / "a.idx", [[1, 2, 3], [-4, 5, 2**31 - 1]])
    back = read_idx(tmp_path / "a.idx")
    assert back.dtype == np.int32
    np.testing.assert_array_equal(back, [[1, 2, 3], [-4, 5, 2**31 - 1]])
    write_idx(tmp_path / "b.idx", [0.5, 1.5])  # Python floats: float64, as before
    assert read_idx(tmp_path / "b.idx").dtype == np.float64


def malformed_cases():
    good = idx_bytes(0x08, (2, 3), bytes(6))
    return {
        "bad magic": (b"\x01\x00\x08\x02" + good[4:], "bad magic number 01000802"),
        "empty file": (b"", r"bad magic number \(empty\)"),
        "not idx": (b"PK\x03\x04 a zip, not idx", "bad magic"),
        "unknown dtype": (good[:2] + b"\x0a" + good[3:], "unknown IDX type code 0x0A"),
        "zero dims": (b"\x00\x00\x08\x00", "0 dimensions"),
        "truncated header": (good[:9], "truncated IDX header"),
        "truncated data": (good[:-1], r"truncated IDX file.*\(2, 3\).*6 data bytes.*only 5"),
        "extra bytes": (good + b"\x00\x00", "wrong size.*2 more bytes"),
        "truncated gzip": (gzip.compress(good + bytes(1000))[:20], "corrupt or truncated gzip"),
        "corrupt gzip": (b"\x1f\x8b" + bytes(30), "corrupt or truncated gzip"),
    }


@pytest.mark.parametrize("case", list(malformed_cases()))
def test_malformed_files_raise_value_error_naming_the_file(tmp_path, case):
    content, message = malformed_cases()[case]
    path = tmp_path / f"{case.replace(' ', '-')}.idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*" + message):
        read_idx(path)


def test_truncated_gzipped_data_is_reported_as_truncated(tmp_path):
    # A complete gzip stream whose IDX content is short: the IDX check speaks.
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (10, 10), bytes(50))))
    with pytest.raises(ValueError, match="truncated IDX file.*100 data bytes.*only 50"):
        read_idx(path)


def test_huge_declared_size_fails_without_allocating_it(tmp_path):
    path = tmp_path / "huge.idx"
    path.write_bytes(idx_bytes(0x0E, (2**32 - 1, 2**32 - 1, 2**32 - 1), bytes(64)))
    with pytest.raises(ValueError, match="truncated IDX file.*only 64"):
        read_idx(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.idx")


def test_a_gzip_header_claiming_more_than_its_data_allocates_only_what_arrives(tmp_path):
    import tracemalloc

    # 1 MB of incompressible data behind a header that claims 1000 MB
    payload = np.random.default_rng(0).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    path = tmp_path / "liar.gz"
    path.write_bytes(gzip.compress(idx_bytes(0x08, (1000, 1 << 20), payload)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="truncated IDX file"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20  # it allocated the whole claim (1 GB) before


def test_dimension_limits_are_named(tmp_path):
    path = tmp_path / "many.idx"
    path.write_bytes(idx_bytes(0x08, (1,) * 70, bytes(1)))
    with pytest.raises(ValueError, match="many.idx: the header declares 70 dimensions"):
        read_idx(path)
    wide = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(2**32,), strides=(0,))
    with pytest.raises(ValueError, match="below 2\\*\\*32"):
        write_idx(tmp_path / "wide.idx", wide)


def test_compress_must_be_a_bool_or_none(tmp_path):
    with pytest.raises(TypeError, match="compress must be True, False or None.*Received: compress='no'"):
        write_idx(tmp_path / "a.idx", np.arange(3, dtype=np.uint8), compress="no")
    assert not (tmp_path / "a.idx").exists()
    write_idx(tmp_path / "b.idx", np.arange(3, dtype=np.uint8), compress=np.bool_(True))
    assert (tmp_path / "b.idx").read_bytes()[:2] == b"\x1f\x8b"


def test_write_checks_path_as_read_does(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = np.arange(3, dtype=np.uint8)
    with pytest.raises(TypeError, match=r"path must be a file path .*Received: path=None"):
        write_idx(None, data)  # was pathlib's "expected str, bytes or os.PathLike object, not NoneType"
    # pathlib dropped the "/", so a file "out" was written for a folder name
    with pytest.raises(ValueError, match="Cannot write 'out/': give a file name"):
        write_idx("out/", data)
    assert not (tmp_path / "out").exists()
    written = write_idx(b"a.idx.gz", data)  # bytes, as read_idx takes them
    assert written.name == "a.idx.gz" and (tmp_path / "a.idx.gz").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(b"a.idx.gz"), data)


@pytest.mark.parametrize("compress", [False, True])
def test_a_size_the_file_cannot_hold_reports_the_bytes_present(tmp_path, compress):
    # the count read only the first 4 MiB: "only 4194304 are present" of a file holding 5,000,000; a gzip
    # file is counted no further than that (the rest would have to be decompressed): "at least"
    data = bytes(5 * 10**6) if compress else np.random.default_rng(0).integers(0, 256, 5 * 10**6, np.uint8).tobytes()
    content = idx_bytes(0x08, [4 * 10**9 if compress else 10**7], data)
    path = tmp_path / "cut.idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    have = "at least 4194304" if compress else "only 5000000"
    with pytest.raises(ValueError, match=rf"cut.idx: truncated IDX file: .* data bytes\) but {have} are present"):
        read_idx(path)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd (a pipe by name)")
@pytest.mark.parametrize("compress", [False, True])
def test_a_pipe_is_read_as_a_file(compress):
    # bash's read_idx <(zcat f.gz) passes /dev/fd/63, a pipe: "io.UnsupportedOperation: File or stream is
    # not seekable", naming no file
    content = idx_bytes(0x0B, [2, 3], struct.pack(">6h", 1, -2, 3, -4, 5, -300))
    read_fd, write_fd = os.pipe()
    writer = threading.Thread(target=lambda: (os.write(write_fd, gzip.compress(content) if compress else content),
                                              os.close(write_fd)))
    writer.start()
    try:
        array = read_idx(f"/dev/fd/{read_fd}")
    finally:
        writer.join()
        os.close(read_fd)
    np.testing.assert_array_equal(array, [[1, -2, 3], [-4, 5, -300]])


@pytest.mark.parametrize("compress", [False, True])
def test_write_idx_writes_in_chunks_the_same_bytes(tmp_path, compress):
    # header + a big-endian copy + their concatenation (+ gzip.compress of it): 3x the array's size held at once
    import tracemalloc

    a = np.random.default_rng(0).normal(size=(6000, 28, 28)).astype(np.float32)  # 19 MB, native byte order
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    tracemalloc.start()
    try:
        write_idx(path, a)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    payload = struct.pack(">BBBBIII", 0, 0, 0x0D, 3, *a.shape) + a.astype(">f4").tobytes()
    assert path.read_bytes() == (gzip.compress(payload, mtime=0) if compress else payload)
    assert peak < a.nbytes, peak / a.nbytes  # chunks of 4 MiB
