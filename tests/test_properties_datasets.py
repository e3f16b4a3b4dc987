"""Property-based tests (hypothesis) of glassnet.datasets and of glassnet's atomic file writes.

- The IDX reader against a reference parser written here from the format's description (magic
  0x0000, a type code, the number of dimensions, big-endian uint32 dimensions, big-endian data):
  drawn type codes, 1 to 4 dimensions (0 included), plain and gzip files, and the same files damaged
  (cut short, bytes appended, magic/type code/ndim/dimensions overwritten, the gzip stream cut or
  flipped). Where the reference reads the content the reader returns the same array bit for bit; where
  it does not, the reader raises a ValueError naming the file, without allocating more than the file
  can hold. ``write_idx`` writes exactly the reference's bytes.
- ``load_mnist``'s search order (path; ``$GLASSNET_DATA/mnist``, ``$GLASSNET_DATA``, the cache) and
  its downloads from a local HTTP mirror on 127.0.0.1 that answers, cuts files short, resets the
  connection, answers 404 or serves something else: the arrays come from the folder the documented
  order names, or a MNISTNotFoundError says what to do, and no partial or temporary file is left.
- The toy makers: drawn arguments, good and bad; the labels checked against the geometry.
- ``_io.atomic_write`` and its callers: a write that fails part-way leaves the old file and nothing else.

``HUNT=n`` in the environment runs n examples per property instead of the CI's few.
"""

import contextlib
import errno
import gzip
import hashlib
import http.server
import os
import struct
import tempfile
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet.datasets.mnist as mnist
from glassnet import _io
from glassnet.datasets import (
    MNISTNotFoundError,
    load_mnist,
    make_circle,
    make_gaussians,
    make_plane_separation,
    make_spiral,
    make_xor,
    read_idx,
    write_idx,
)

HUNT = int(os.environ.get("HUNT", "0"))


def _settings(examples):
    return settings(max_examples=HUNT or examples, derandomize=not HUNT, deadline=None,
                    suppress_health_check=list(HealthCheck))


# ------------------------------------------------------------------ IDX: a reference from the format

#: type code -> (struct format character, item size), from the format's description
REFERENCE_TYPES = {0x08: ("B", 1), 0x09: ("b", 1), 0x0B: ("h", 2), 0x0C: ("i", 4), 0x0D: ("f", 4), 0x0E: ("d", 8)}
NUMPY_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.int16, 0x0C: np.int32, 0x0D: np.float32, 0x0E: np.float64}


def reference_parse(content):
    """``(dims, code, data bytes in big-endian order)`` of IDX ``content``, or None where it is no
    valid IDX file: a byte-by-byte reading of the format, no NumPy."""
    if len(content) < 4 or content[0] != 0 or content[1] != 0:
        return None
    code, ndim = content[2], content[3]
    if code not in REFERENCE_TYPES or ndim == 0 or ndim > 64:  # (NumPy holds 64 dimensions at most)
        return None
    if len(content) < 4 + 4 * ndim:
        return None
    dims = tuple(int.from_bytes(content[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    size = 1
    for d in dims:
        size *= d
    data = content[4 + 4 * ndim:]
    if len(data) != size * REFERENCE_TYPES[code][1]:
        return None
    if size == 0:
        try:  # (0, 2**32-1, 2**32-1): an empty shape that NumPy cannot describe
            np.empty(dims, NUMPY_TYPES[code])
        except ValueError:
            return None
    return dims, code, data


def reference_values(dims, code, data):
    """The values of a parsed file, read with struct (big-endian), as a flat list."""
    fmt, size = REFERENCE_TYPES[code]
    return list(struct.unpack(f">{len(data) // size}{fmt}", data))


def reference_encode(dims, code, data):
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims) + data


@st.composite
def idx_contents(draw):
    code = draw(st.sampled_from(sorted(REFERENCE_TYPES)))
    ndim = draw(st.integers(1, 4))
    dims = tuple(draw(st.lists(st.integers(0, 5), min_size=ndim, max_size=ndim)))
    size = int(np.prod(dims)) * REFERENCE_TYPES[code][1]
    data = draw(st.binary(min_size=size, max_size=size))  # any bits: NaN payloads, -0.0, subnormals
    return dims, code, data


def assert_same_array(array, dims, code, data):
    assert array.shape == dims
    assert array.dtype == np.dtype(NUMPY_TYPES[code]) and array.dtype.isnative
    assert array.flags.writeable and array.flags.c_contiguous
    big = array.astype(array.dtype.newbyteorder(">"))
    assert big.tobytes() == data  # bit for bit
    if array.dtype.kind in "iu":
        assert array.ravel().tolist() == reference_values(dims, code, data)


def write(folder, name, content, compress):
    path = Path(folder) / name
    path.write_bytes(gzip.compress(content, mtime=0) if compress else content)
    return path


@_settings(300)
@given(idx_contents(), st.booleans(), st.sampled_from(["f.idx", "f.idx.gz", "f"]))
def test_reader_equals_the_reference_on_valid_files(content, compress, name):
    dims, code, data = content
    with tempfile.TemporaryDirectory() as folder:
        path = write(folder, name, reference_encode(dims, code, data), compress)
        assert_same_array(read_idx(path), dims, code, data)
        assert_same_array(read_idx(str(path).encode()), dims, code, data)  # bytes paths, as open() takes


@_settings(120)
@given(idx_contents(), st.booleans(), st.sampled_from(["a.idx", "a.idx.gz"]), st.sampled_from([None, True, False]))
def test_writer_writes_the_reference_bytes_and_reads_back_bit_for_bit(content, big_endian, name, compress):
    dims, code, data = content
    array = np.frombuffer(data, dtype=np.dtype(NUMPY_TYPES[code]).newbyteorder(">")).reshape(dims)
    if not big_endian:
        array = array.astype(array.dtype.newbyteorder("="))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        old = b"an earlier file"
        path.write_bytes(old)
        assert write_idx(path, array, compress=compress) == path
        written = path.read_bytes()
        gz = compress if compress is not None else name.endswith(".gz")
        assert written[:2] == b"\x1f\x8b" if gz else written[:2] == b"\x00\x00"
        assert (gzip.decompress(written) if gz else written) == reference_encode(dims, code, data)
        assert_same_array(read_idx(path), dims, code, data)
        assert os.listdir(folder) == [name]  # no temporary file left


# damages of a valid file: (kind, a drawn integer), applied to the IDX content or to its gzip stream
DAMAGES = ["cut", "append", "magic", "code", "ndim", "dim", "gz_cut", "gz_flip", "gz_append"]


def damage(raw, kind, k, value):
    """``raw`` (the bytes on disk) with damage ``kind`` at position ``k``."""
    if kind in ("cut", "gz_cut"):
        return raw[: k % max(1, len(raw))]
    if kind in ("append", "gz_append"):
        return raw + bytes([value % 256]) * (1 + k % 9)
    if kind == "gz_flip":
        flipped = bytearray(raw)
        flipped[k % len(raw)] ^= 1 << (value % 8)
        return bytes(flipped)
    content = bytearray(raw)
    if kind == "magic":
        content[k % 2] = 1 + value % 255
    elif kind == "code":
        content[2] = value % 256
    elif kind == "ndim":
        content[3] = value % 256
    elif kind == "dim":  # one dimension's bytes overwritten: sizes the data do not match, up to 2**32 - 1
        i = 4 + 4 * (k % content[3])
        content[i:i + 4] = (value % 2**32).to_bytes(4, "big")
    return bytes(content)


@contextlib.contextmanager
def allocation_limit(limit):
    """Fails when Python/NumPy allocate more than ``limit`` bytes at a time in the block."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit, f"peak allocation {peak} bytes"


@_settings(600)
@given(idx_contents(), st.booleans(), st.sampled_from(DAMAGES), st.integers(0, 2**16),
       st.one_of(st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 255, 2**31, 2**32 - 1])))
def test_damaged_files_read_as_the_reference_or_raise_a_value_error_naming_the_file(content, compress, kind, k, value):
    dims, code, data = content
    plain = reference_encode(dims, code, data)
    if kind.startswith("gz_"):
        compress = True
        raw = damage(gzip.compress(plain, mtime=0), kind, k, value)
        try:
            decompressed = gzip.decompress(raw)
        except (OSError, EOFError, ValueError):  # zlib.error is no OSError
            decompressed = None
        except Exception as exc:  # zlib.error
            assert type(exc).__name__ == "error"
            decompressed = None
    else:
        decompressed = damage(plain, kind, k, value)
        raw = gzip.compress(decompressed, mtime=0) if compress else decompressed
    expected = None if decompressed is None else reference_parse(decompressed)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.idx"
        path.write_bytes(raw)
        # the reader may hold the data once and the file once, never what a header merely claims
        with allocation_limit(8 * 2**20 + 4 * len(plain)):
            try:
                array = read_idx(path)
            except ValueError as exc:
                assert str(path) in str(exc)
                assert expected is None, f"refused a valid file: {exc}"
                return
        assert expected is not None, f"read an invalid file as {array.shape} {array.dtype}"
        assert_same_array(array, *expected)


@pytest.mark.parametrize("ndim", [65, 128, 255])
def test_more_dimensions_than_numpy_holds_are_refused_naming_the_file(tmp_path, ndim):
    path = write(tmp_path, "many.idx", bytes([0, 0, 8, ndim]) + (1).to_bytes(4, "big") * ndim + b"\x07", False)
    with pytest.raises(ValueError, match=rf"many.idx: the header declares {ndim} dimensions; NumPy .* at most 64"):
        read_idx(path)


@_settings(100)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.text(max_size=3), max_size=2),
                 st.just(object()), st.just(np.array(["x"]))))
def test_a_path_of_the_wrong_type_is_a_type_error_naming_it(path):
    with pytest.raises(TypeError, match=r"^path must be a file path"):
        read_idx(path)
    with pytest.raises(TypeError, match=r"^path must be a file path"):
        write_idx(path, np.zeros(3, np.uint8))


def test_a_folder_an_empty_file_and_a_missing_file(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder; give the path of an IDX file"):
        read_idx(tmp_path)
    empty = write(tmp_path, "empty.idx", b"", False)
    with pytest.raises(ValueError, match=r"empty.idx: not an IDX file: bad magic number \(empty\)"):
        read_idx(empty)
    with pytest.raises(FileNotFoundError, match="nope.idx"):
        read_idx(tmp_path / "nope.idx")


# ------------------------------------------------------------------ load_mnist: search order, downloads

TEST_STEMS = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
TRAIN_STEMS = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
STEMS = TRAIN_STEMS + TEST_STEMS
LOCATIONS = ["path", "data/mnist", "data", "cache"]
N_IMAGES = 3


def crafted(stem, seed):
    """The uncompressed IDX content of a tiny MNIST-format file, different for each seed."""
    rng = np.random.default_rng([seed, STEMS.index(stem)])
    if "images" in stem:
        return struct.pack(">IIII", 0x803, N_IMAGES, 28, 28) + rng.integers(0, 256, N_IMAGES * 784, np.uint8).tobytes()
    return struct.pack(">II", 0x801, N_IMAGES) + rng.integers(0, 10, N_IMAGES, np.uint8).tobytes()


MIRROR_SEED = 99
MIRROR_TABLE = {stem: (len(crafted(stem, MIRROR_SEED)), hashlib.sha256(crafted(stem, MIRROR_SEED)).hexdigest())
                for stem in STEMS}


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files`` (name -> bytes) as ``server.mode`` says: "ok", "cut" (half the body of
    the length announced, then the connection closes), "reset" (closed before any answer), "404",
    "html" (a captive portal's page), "other" (a gzip of other content), "partial" (the images only),
    "slow" (half, then the rest once ``server.go`` is set)."""

    def do_GET(self):
        server = self.server
        body = server.files.get(self.path.rsplit("/", 1)[-1])
        mode = server.mode
        if mode == "reset":
            self.close_connection = True
            self.request.close()
            return
        if body is None or mode == "404" or (mode == "partial" and "labels" in self.path):
            self.send_error(404)
            return
        if mode == "html":
            body = b"<html>Please log in to use this network.</html>"
        elif mode == "other":
            body = gzip.compress(crafted(self.path.rsplit("/", 1)[-1][:-3], 7))
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        half = len(body) // 2
        self.wfile.write(body[:half])
        self.wfile.flush()
        if mode == "cut":
            self.close_connection = True
            return
        if mode == "slow":
            server.sent_half.set()
            server.go.wait(10)
        self.wfile.write(body[half:])

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def mirror():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MirrorHandler)
    server.daemon_threads = True
    server.files = {stem + ".gz": gzip.compress(crafted(stem, MIRROR_SEED)) for stem in STEMS}
    server.mode, server.go, server.sent_half = "ok", threading.Event(), threading.Event()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/mnist/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.go.set()
    server.shutdown()
    server.server_close()


@contextlib.contextmanager
def mnist_world(root, mirror_urls, data_set):
    """Cache in ``root/cache``, ``$GLASSNET_DATA`` = ``root/data`` (or unset), the mirror's checksums."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
        if data_set:
            mp.setenv("GLASSNET_DATA", str(root / "data"))
        else:
            mp.delenv("GLASSNET_DATA", raising=False)
        for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
            mp.delenv(name, raising=False)
        mp.setattr(mnist, "MIRRORS", mirror_urls)
        mp.setattr(mnist, "MNIST_FILES", MIRROR_TABLE)
        yield


def folder_of(root, location):
    return {"path": root / "given", "data/mnist": root / "data" / "mnist", "data": root / "data",
            "cache": root / "cache" / "glassnet" / "mnist"}[location]


def listing(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def expected_sources(present, kind, use_path, data_set):
    """The documented search: ``{stem: location or "mirror"}`` and the download target."""
    needed = STEMS if kind is None else (TRAIN_STEMS if kind == "train" else TEST_STEMS)
    if use_path:
        dirs, target = ["path"], "path"
    else:
        dirs = (["data/mnist", "data"] if data_set else []) + ["cache"]
        target = "data/mnist" if data_set else "cache"
    for location in dirs:
        if all(present[location][stem] for stem in needed):
            return {stem: location for stem in needed}, target
    return {stem: target if present[target][stem] else "mirror" for stem in needed}, target


presence = st.fixed_dictionaries({stem: st.sampled_from([None, "gz", "plain"]) for stem in STEMS})


@_settings(120)
@given(st.fixed_dictionaries({location: presence for location in LOCATIONS}),
       st.sampled_from([None, "train", "test"]), st.booleans(), st.booleans(), st.booleans(),
       st.sampled_from(["ok", "ok", "cut", "reset", "404", "html", "other", "partial", "offline", "no mirror"]))
def test_load_mnist_reads_the_documented_folder_or_fails_leaving_nothing(mirror, present, kind, use_path, data_set,
                                                                         as_uint8, mode):
    if not data_set:
        present = {**present, "data/mnist": dict.fromkeys(STEMS), "data": dict.fromkeys(STEMS)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for seed, location in enumerate(LOCATIONS):
            for stem, form in present[location].items():
                if form is not None:
                    folder_of(root, location).mkdir(parents=True, exist_ok=True)
                    write(folder_of(root, location), stem + (".gz" if form == "gz" else ""), crafted(stem, seed), form == "gz")
        sources, target = expected_sources(present, kind, use_path, data_set)
        before = listing(root)
        mirror.mode = mode
        urls = {"offline": [(root / "no-mirror").as_uri() + "/"], "no mirror": []}.get(mode, [mirror.url])
        with mnist_world(root, urls, data_set):
            try:
                result = load_mnist(folder_of(root, "path") if use_path else None, kind, as_uint8=as_uint8,
                                    verify=False, progress=False)
            except MNISTNotFoundError as exc:
                assert mode != "ok" and "mirror" in sources.values()
                message = str(exc)
                missing = [stem for stem, source in sources.items() if source == "mirror"]
                # the mirror in mode "partial" serves the images: those before the first labels file are kept
                kept = missing[:next(i for i, s in enumerate(missing) if "labels" in s)] if mode == "partial" else []
                assert all(stem + ".gz" in message for stem in missing if stem not in kept)
                assert all(stem + ".gz" not in message.split("(looked in")[0] for stem in kept)
                assert str(folder_of(root, target)) in message and "GLASSNET_DATA" in message
                assert "load_mnist(path=" in message and "Downloading failed" in message
                kept = {f"{folder_of(root, target).relative_to(root)}/{stem}.gz" for stem in kept}
                new_folders = {str(p) for p in Path(next(iter(kept))).parents if str(p) != "."} if kept else set()
                assert listing(root) == sorted(set(before) | kept | new_folders)  # no partial file, no temporary file
                if kept:
                    assert all(gzip.decompress((root / k).read_bytes()) == crafted(Path(k).name[:-3], MIRROR_SEED)
                               for k in kept)
                return
        from_mirror = [stem for stem, source in sources.items() if source == "mirror"]
        assert not from_mirror or mode == "ok" or (mode == "partial" and all("images" in s for s in from_mirror))
        kinds = ["train", "test"] if kind is None else [kind]
        sets = [result] if kind is not None else list(result)
        for k, (x, y) in zip(kinds, sets):
            images, labels = (TRAIN_STEMS if k == "train" else TEST_STEMS)
            seed = {location: i for i, location in enumerate(LOCATIONS)} | {"mirror": MIRROR_SEED}
            raw_x = np.frombuffer(crafted(images, seed[sources[images]])[16:], np.uint8).reshape(N_IMAGES, 784)
            raw_y = np.frombuffer(crafted(labels, seed[sources[labels]])[8:], np.uint8)
            assert y.dtype == np.int64 and y.tolist() == raw_y.tolist()
            if as_uint8:
                assert x.dtype == np.uint8 and np.array_equal(x, raw_x)
            else:
                assert x.dtype == np.float32 and x.shape == (N_IMAGES, 784)
                np.testing.assert_array_equal(x, (raw_x / 255.0).astype(np.float32))
                assert 0.0 <= x.min() and x.max() <= 1.0
        downloaded = sorted(f"{folder_of(root, target).relative_to(root)}/{stem}.gz"
                            for stem, source in sources.items() if source == "mirror")
        assert listing(root) == sorted(set(before) | set(downloaded) | (
            {str(p) for p in Path(folder_of(root, target).relative_to(root)).parents if str(p) != "."}
            | {str(folder_of(root, target).relative_to(root))} if downloaded else set()))


def test_a_second_load_during_a_download_never_reads_the_half_written_file(mirror, tmp_path):
    # the download writes a temporary file renamed when complete and checked: a second load meanwhile
    # finds no file (and says so), never half of one
    mirror.mode, mirror.go, mirror.sent_half = "slow", threading.Event(), threading.Event()
    with mnist_world(tmp_path, [mirror.url], False):
        outcome = {}
        first = threading.Thread(target=lambda: outcome.setdefault("first", load_mnist(kind="test", progress=False)))
        first.start()
        try:
            assert mirror.sent_half.wait(10)
            cache = folder_of(tmp_path, "cache")
            assert [p.name for p in cache.iterdir() if not p.name.startswith(".glassnet-")] == []
            with pytest.raises(MNISTNotFoundError, match="t10k-images-idx3-ubyte.gz.*download=False"):
                load_mnist(kind="test", download=False)
        finally:
            mirror.go.set()
            first.join(20)
        x, y = load_mnist(kind="test", download=False, as_uint8=True)
        np.testing.assert_array_equal(outcome["first"][1], y)
        assert y.tolist() == list(crafted(TEST_STEMS[1], MIRROR_SEED)[8:])
        assert sorted(p.name for p in cache.iterdir()) == [stem + ".gz" for stem in TEST_STEMS]


def test_a_cached_file_with_a_wrong_checksum_is_refused_naming_it_and_kept(tmp_path, mirror):
    # documented: verify=True refuses it (ValueError) and says to delete it to download it again
    mirror.mode = "ok"
    cache = folder_of(tmp_path, "cache")
    cache.mkdir(parents=True)
    for stem in TEST_STEMS:
        write(cache, stem + ".gz", crafted(stem, 5), True)
    kept = (cache / (TEST_STEMS[0] + ".gz")).read_bytes()
    with mnist_world(tmp_path, [mirror.url], False):
        with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz: SHA-256 .* Delete it to download it again"):
            load_mnist(kind="test")
        assert (cache / (TEST_STEMS[0] + ".gz")).read_bytes() == kept
        (cache / (TEST_STEMS[0] + ".gz")).unlink()
        (cache / (TEST_STEMS[1] + ".gz")).unlink()
        x, y = load_mnist(kind="test", progress=False)  # downloaded again, checked
        assert y.tolist() == list(crafted(TEST_STEMS[1], MIRROR_SEED)[8:])


# ------------------------------------------------------------------ the toy makers

MAKERS = [make_circle, make_xor, make_gaussians, make_spiral, make_plane_separation]

bad_n_samples = st.one_of(st.integers(max_value=0), st.integers(2**63 - 1, 2**80), st.floats(), st.booleans(),
                          st.just("5"), st.just(np.float64(5)), st.just(np.uint64(2**64 - 1)), st.just([5]))
bad_noise = st.one_of(st.floats(max_value=-1e-300), st.sampled_from([np.nan, np.inf, -np.inf, np.float32(np.nan)]),
                      st.just("0.1"), st.just(True), st.just(np.array([0.1])), st.just(1j), st.just(10**400))
bad_seed = st.one_of(st.integers(max_value=-1), st.floats(), st.just(True), st.just("0"),
                     st.just(np.random.default_rng(0)), st.just(np.random.RandomState(0)))


@_settings(200)
@given(st.sampled_from(MAKERS), st.sampled_from(["n_samples", "noise", "seed"]), st.data())
def test_toy_makers_refuse_bad_arguments_with_a_typed_error_naming_them(maker, argument, data):
    value = data.draw({"n_samples": bad_n_samples, "noise": bad_noise, "seed": bad_seed}[argument])
    with pytest.raises((TypeError, ValueError)) as info:
        maker(**{argument: value})
    assert f"{argument}=" in str(info.value) or f"{argument} must" in str(info.value)
    numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if argument != "seed" and not numeric:  # a value of the wrong kind: a TypeError
        assert info.type is TypeError, info.value


@_settings(200)
@given(st.sampled_from(MAKERS), st.integers(1, 300), st.floats(0, 2), st.integers(0, 2**64),
       st.booleans(), st.sampled_from(["binary", "bipolar"]), st.sampled_from([None, "float64", "float16"]))
def test_toy_makers_shapes_labels_and_seeds(maker, n, noise, seed, shuffle, encoding, dtype):
    X, y = maker(n, noise=noise, seed=seed, shuffle=shuffle, encoding=encoding, dtype=dtype)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert X.dtype == np.dtype(dtype or "float32") and y.dtype == np.int64
    assert np.isfinite(X).all()
    assert set(np.unique(y)) <= ({0, 1} if encoding == "binary" else {-1, 1})
    X2, y2 = maker(n, noise=noise, seed=seed, shuffle=shuffle, encoding=encoding, dtype=dtype)
    assert X.tobytes() == X2.tobytes() and y.tobytes() == y2.tobytes()  # same seed, same data
    X3, y3 = maker(n, noise=noise, seed=np.uint64(seed % 2**64), shuffle=shuffle, encoding=encoding, dtype=dtype)
    if seed < 2**64:
        assert X.tobytes() == X3.tobytes()  # a NumPy integer seed is that integer


@_settings(200)
@given(st.sampled_from(MAKERS), st.integers(1, 300), st.integers(0, 2**32))
def test_toy_labels_follow_the_geometry_without_noise(maker, n, seed):
    X, y = maker(n, seed=seed, dtype="float64")
    x1, x2 = X.T
    if maker is make_circle:  # class 1 inside r < 2.5, class 0 in the ring 3.5 <= r < 5
        r = np.hypot(x1, x2)
        assert np.all((r < 2.5) == (y == 1)) and np.all(r[y == 0] >= 3.5 - 1e-12) and r.max() < 5 + 1e-12
    elif maker is make_xor:  # class 1 where x1 x2 >= 0, points 0.3 away from the axes
        assert np.all((x1 * x2 >= 0) == (y == 1)) and np.abs(X).min() >= 0.3 and np.abs(X).max() <= 5.3
    elif maker is make_plane_separation:  # w = (1, 1), b = 0, margin 0.5
        side = (x1 + x2) / np.sqrt(2)
        assert np.all((side >= 0) == (y == 1)) and np.abs(side).min() >= 0.5 - 1e-12
    if maker is not make_xor and maker is not make_plane_separation:  # half each, the odd one to class 1
        assert np.sum(y == 1) == n - n // 2


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("n_samples", [2**64, np.uint64(2**64 - 1)])
def test_a_count_past_int64_is_a_value_error_naming_n_samples(maker, n_samples):
    # make_spiral's np.arange(2**63) raised NumPy's bare "OverflowError: Python int too large to convert to C long"
    with pytest.raises(ValueError, match=r"^n_samples=.*asks for an array too large to allocate"):
        maker(n_samples)


# ------------------------------------------------------------------ atomic writes and their callers

FAILURES = [None, "write", "interrupt", "fsync", "verify", "rename"]


class Interrupted(BaseException):
    """What Ctrl-C raises in the middle of a write (KeyboardInterrupt), as a BaseException of the test's own."""


@contextlib.contextmanager
def failing(failure):
    """The file system's last steps made to fail: fsync (a full disk) or the rename/link."""
    with pytest.MonkeyPatch.context() as mp:
        if failure == "fsync":
            def fsync(fd):
                raise OSError(errno.ENOSPC, "No space left on device")
            mp.setattr(os, "fsync", fsync)
        elif failure == "rename":
            def rename(src, dst, **kwargs):
                raise OSError(errno.EIO, "Input/output error", src)
            mp.setattr(os, "replace", rename)
            mp.setattr(os, "link", rename)
        yield


@_settings(200)
@given(st.one_of(st.none(), st.binary(max_size=64)), st.lists(st.binary(min_size=1, max_size=64), max_size=4),
       st.sampled_from(FAILURES), st.integers(0, 4), st.booleans(), st.booleans())
def test_a_failed_atomic_write_leaves_the_old_file_and_nothing_else(old, chunks, failure, at, overwrite, link):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "model.gn"
        if old is not None:
            path.write_bytes(old)
        if link:  # through a symbolic link: the file it points to is the one replaced
            (folder / "link.gn").symlink_to(path)
        before = listing(folder)
        fails = failure is not None and (failure not in ("write", "interrupt") or at < len(chunks))

        def write(fh):
            for i, chunk in enumerate(chunks):
                if i == at and failure == "write":
                    raise OSError(errno.ENOSPC, "No space left on device")
                if i == at and failure == "interrupt":
                    raise Interrupted
                fh.write(chunk)

        def verify(tmp_path):
            assert Path(tmp_path).read_bytes() == b"".join(chunks)  # the whole content, before the rename
            if failure == "verify":
                raise ValueError("not what was meant")

        try:
            with failing(failure):
                _io.atomic_write(folder / ("link.gn" if link else "model.gn"), write, verify, overwrite=overwrite)
        except FileExistsError as exc:
            assert not overwrite and old is not None and "overwrite=False" in str(exc)
        except (OSError, ValueError, Interrupted) as exc:
            assert fails
            assert ".glassnet-" not in str(exc)  # the user's name in the message, not the temporary file's
            if failure == "rename":
                assert "link.gn" in str(exc) if link else "model.gn" in str(exc)
        else:
            assert not fails and (overwrite or old is None)
            assert path.read_bytes() == b"".join(chunks)
            assert listing(folder) == sorted(set(before) | {"model.gn"})
            return
        assert listing(folder) == before  # no temporary file
        assert (path.read_bytes() if old is not None else None) == old


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@_settings(60)
@given(st.sampled_from(["fsync", "rename"]), st.sampled_from(["idx", "model", "estimator"]), st.booleans())
def test_callers_keep_the_old_file_when_the_write_fails(failure, caller, overwrite):
    from glassnet.models import Sequential, load_model
    from glassnet.layers import Dense

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if caller == "idx":
            path = folder / "x.idx"
            write_idx(path, np.arange(6, dtype=np.int32))
            save = lambda: write_idx(path, np.zeros(9, np.uint8))  # noqa: E731
        elif caller == "model":
            path = folder / "m.gn"
            model = Sequential([Dense(2)])
            model.build((None, 3))
            model.save(path)
            save = lambda: model.save(path, overwrite=overwrite)  # noqa: E731
        else:
            from glassnet.sklearn import MLPClassifier

            path = folder / "e.gn"
            estimator = MLPClassifier(hidden_layer_sizes=(2,), max_iter=2).fit(np.eye(4), [0, 1, 0, 1])
            estimator.save(path)
            save = lambda: estimator.save(path, overwrite=True)  # noqa: E731
        old, before = path.read_bytes(), listing(folder)
        with failing(failure), pytest.raises(OSError) as info:
            save()
        assert path.read_bytes() == old and listing(folder) == before
        assert ".glassnet-" not in str(info.value)
        if caller == "model":
            assert load_model(path).get_weights()[0].shape == (3, 2)
