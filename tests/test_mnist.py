"""MNIST loading: the genuine files, the search order, the download path and the offline error.

No test touches the network: downloads are served from ``file://`` mirrors
in a temporary folder or from a server on 127.0.0.1, and the cache folder is
redirected there too.
"""

import gzip
import hashlib
import importlib
import importlib.util
import io
import os
import re
import socketserver
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import glassnet.datasets.mnist as mnist
import glassnet
from glassnet.datasets import MNISTNotFoundError, load_mnist, write_idx

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
needs_mnist = pytest.mark.skipif(
    not (MNIST_DIR / "README.md").is_file(),
    reason=f"the genuine MNIST files are not at {MNIST_DIR}",
)
STEMS = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.fixture(autouse=True)
def isolated_locations(tmp_path, monkeypatch):
    """Cache in tmp_path, no GLASSNET_DATA, mirrors that cannot reach the network."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GLASSNET_DATA", raising=False)
    monkeypatch.setattr(mnist, "MIRRORS", [(tmp_path / "no-mirror").as_uri() + "/"])


def readme():
    """The checksum table and class counts, parsed from the data folder's README."""
    text = (MNIST_DIR / "README.md").read_text()
    table = {m[0]: (int(m[1]), m[2]) for m in re.findall(r"\| (\S+)\.gz \| (\d+) \| ([0-9a-f]{64}) \|", text)}
    counts = {k: [int(v) for v in re.search(k + r": ([\d ]+)", text)[1].split()] for k in ("train", "test")}
    return table, counts


# ------------------------------------------------------------- genuine files


@needs_mnist
def test_genuine_files_match_the_readme_checksums():
    table, _ = readme()
    assert sorted(table) == sorted(STEMS)
    for stem, (size, sha256) in table.items():
        content = gzip.decompress((MNIST_DIR / f"{stem}.gz").read_bytes())
        assert len(content) == size
        assert hashlib.sha256(content).hexdigest() == sha256
        assert mnist.MNIST_FILES[stem] == (size, sha256)


@needs_mnist
def test_full_load_shapes_dtypes_ranges_and_class_counts():
    _, counts = readme()
    (x_train, y_train), (x_test, y_test) = load_mnist(MNIST_DIR)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert np.bincount(y_train).tolist() == counts["train"]
    assert np.bincount(y_test).tolist() == counts["test"]


@needs_mnist
def test_pixels_equal_the_raw_idx_bytes():
    raw = gzip.decompress((MNIST_DIR / "t10k-images-idx3-ubyte.gz").read_bytes())
    assert struct.unpack(">IIII", raw[:16]) == (0x00000803, 10000, 28, 28)
    expected = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(10000, 28, 28)
    labels = np.frombuffer(gzip.decompress((MNIST_DIR / "t10k-labels-idx1-ubyte.gz").read_bytes()), np.uint8, offset=8)

    x, y = load_mnist(MNIST_DIR, kind="test", flatten=False, as_uint8=True)
    assert x.dtype == np.uint8 and x.shape == (10000, 28, 28)
    np.testing.assert_array_equal(x, expected)
    np.testing.assert_array_equal(y, labels)
    x_float, _ = load_mnist(MNIST_DIR, kind="t10k")
    np.testing.assert_array_equal(x_float, expected.reshape(10000, 784).astype(np.float32) / np.float32(255))


@needs_mnist
def test_glassnet_data_is_searched(monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(MNIST_DIR.parent))  # the folder holding mnist/
    _, y = load_mnist(kind="test", download=False)
    assert len(y) == 10000
    monkeypatch.setenv("GLASSNET_DATA", str(MNIST_DIR))  # or the folder itself
    assert len(load_mnist(kind="test", download=False)[1]) == 10000


@needs_mnist
def test_download_from_a_mirror_verifies_and_lands_in_the_cache(monkeypatch, capsys):
    monkeypatch.setattr(mnist, "MIRRORS", ["file:///nonexistent-mirror/", MNIST_DIR.as_uri() + "/"])
    x, y = load_mnist(kind="test", progress=True)
    cache = mnist.cache_dir()
    assert sorted(p.name for p in cache.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert "t10k-images-idx3-ubyte.gz" in capsys.readouterr().err  # the progress bar
    assert x.shape == (10000, 784) and len(y) == 10000
    # Downloaded once: later calls read the cache even with no mirror at all.
    monkeypatch.setattr(mnist, "MIRRORS", [])
    np.testing.assert_array_equal(load_mnist(kind="test", download=False)[1], y)


# --------------------------------------------------- crafted files, offline


def craft_set(folder, n=5, seed=0, compress=True):
    """A tiny MNIST-format test set; returns its {stem: (size, sha256)} table."""
    rng = np.random.default_rng(seed)
    images = struct.pack(">IIII", 0x803, n, 28, 28) + rng.integers(0, 256, n * 784, dtype=np.uint8).tobytes()
    labels = struct.pack(">II", 0x801, n) + rng.integers(0, 10, n, dtype=np.uint8).tobytes()
    folder.mkdir(parents=True, exist_ok=True)
    table = {}
    for stem, content in (("t10k-images-idx3-ubyte", images), ("t10k-labels-idx1-ubyte", labels)):
        name = stem + (".gz" if compress else "")
        (folder / name).write_bytes(gzip.compress(content) if compress else content)
        table[stem] = (len(content), hashlib.sha256(content).hexdigest())
    return table


def test_offline_error_says_where_to_put_the_files(tmp_path):
    with pytest.raises(MNISTNotFoundError) as info:
        load_mnist(download=False)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, OSError)
    assert "download=False" in message
    assert str(tmp_path / "cache" / "glassnet" / "mnist") in message
    for stem in STEMS:
        assert stem + ".gz" in message
    assert "GLASSNET_DATA" in message and "load_digits" in message


def test_unreachable_mirrors_give_the_offline_error_and_leave_nothing(tmp_path):
    with pytest.raises(MNISTNotFoundError, match=r"(?s)Downloading failed:.*no-mirror/train-images-idx3-ubyte.gz"):
        load_mnist()
    cache = tmp_path / "cache" / "glassnet"
    assert not cache.exists()  # no partial or temporary file, not even the empty folders


def test_download_with_checksum_mismatch_is_rejected(tmp_path, monkeypatch):
    craft_set(tmp_path / "mirror")  # MNIST-format but not the genuine content
    monkeypatch.setattr(mnist, "MIRRORS", [(tmp_path / "mirror").as_uri() + "/"])
    with pytest.raises(MNISTNotFoundError, match="checksum mismatch.*expected 7840016 bytes"):
        load_mnist(kind="test", progress=False)
    assert not (tmp_path / "cache" / "glassnet").exists()  # nothing written, no folder left


def test_download_without_tqdm_shows_a_text_bar(tmp_path, monkeypatch, capsys):
    table = craft_set(tmp_path / "mirror")
    monkeypatch.setattr(mnist, "MNIST_FILES", {**mnist.MNIST_FILES, **table})
    monkeypatch.setattr(mnist, "MIRRORS", [(tmp_path / "mirror").as_uri() + "/"])
    monkeypatch.setitem(__import__("sys").modules, "tqdm", None)  # import fails
    x, y = load_mnist(kind="test")
    assert x.shape == (5, 784)
    err = capsys.readouterr().err
    assert "Downloading t10k-images-idx3-ubyte.gz: 100%" in err


def test_explicit_path_uncompressed_files_and_download_target(tmp_path, monkeypatch):
    table = craft_set(tmp_path / "plain", compress=False)
    monkeypatch.setattr(mnist, "MNIST_FILES", {**mnist.MNIST_FILES, **table})
    x, y = load_mnist(tmp_path / "plain", kind="test", as_uint8=True)
    assert x.shape == (5, 784) and x.dtype == np.uint8 and y.dtype == np.int64
    # A missing file in an explicit path is downloaded into that path.
    craft_set(tmp_path / "mirror")
    monkeypatch.setattr(mnist, "MIRRORS", [(tmp_path / "mirror").as_uri() + "/"])
    load_mnist(tmp_path / "fresh", kind="test", progress=False)
    assert (tmp_path / "fresh" / "t10k-images-idx3-ubyte.gz").is_file()


def test_local_checksum_mismatch_and_verify_false(tmp_path):
    craft_set(tmp_path / "variant")
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz: SHA-256 .*verify=False"):
        load_mnist(tmp_path / "variant", kind="test")
    x, _ = load_mnist(tmp_path / "variant", kind="test", verify=False)
    assert x.shape == (5, 784) and 0.0 <= x.min() and x.max() <= 1.0


def test_mismatched_images_and_labels_are_rejected(tmp_path):
    folder = tmp_path / "odd"
    craft_set(folder)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(struct.pack(">II", 0x801, 4) + bytes(4)))
    with pytest.raises(ValueError, match=r"do not form an MNIST set.*\(5, 28, 28\).*\(4,\)"):
        load_mnist(folder, kind="test", verify=False)


def test_malformed_local_file_is_a_value_error_naming_it(tmp_path):
    folder = tmp_path / "bad"
    craft_set(folder)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03" + bytes(10)))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz: truncated IDX header"):
        load_mnist(folder, kind="test", verify=False)


def test_bad_kind():
    with pytest.raises(ValueError, match="kind must be None, 'train' or 'test'. Received: kind='validation'"):
        load_mnist(kind="validation")
    with pytest.raises(TypeError, match=r"kind must be None, 'train' or 'test'. Received: kind=\['train'\]"):
        load_mnist(kind=["train"])


def test_path_must_be_a_folder(tmp_path, monkeypatch):
    # Path(3) raised "expected str, bytes or os.PathLike object, not int"; "" searched the current
    # folder and downloaded into it; a file's name was taken as a folder to create
    monkeypatch.chdir(tmp_path)
    table = craft_set(tmp_path / "mirror")
    monkeypatch.setattr(mnist, "MNIST_FILES", {**mnist.MNIST_FILES, **table})
    monkeypatch.setattr(mnist, "MIRRORS", [(tmp_path / "mirror").as_uri() + "/"])
    with pytest.raises(TypeError, match=r"path must be None or a folder \(a str or pathlib.Path\). Received: path=3"):
        load_mnist(3, kind="test")
    with pytest.raises(ValueError, match="path must be the folder holding the MNIST files.*Received: path=''"):
        load_mnist("", kind="test", progress=False)
    assert not (tmp_path / "t10k-images-idx3-ubyte.gz").exists()
    file = tmp_path / "mirror" / "t10k-images-idx3-ubyte.gz"
    with pytest.raises(ValueError, match=r"path must be the folder.*t10k-images-idx3-ubyte.gz', a file"):
        load_mnist(file, kind="test", progress=False)
    assert len(load_mnist(os.fsencode(tmp_path / "mirror"), kind="test", download=False)[1]) == 5  # bytes, as read_idx

def test_cache_dir_respects_xdg_cache_home(tmp_path, monkeypatch):
    assert mnist.cache_dir() == tmp_path / "cache" / "glassnet" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert mnist.cache_dir() == Path.home() / ".cache" / "glassnet" / "mnist"


def test_tilde_is_expanded_in_path_glassnet_data_and_xdg_cache_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    craft_set(home / "mn")
    assert len(load_mnist("~/mn", kind="test", verify=False, download=False)[1]) == 5
    monkeypatch.setenv("GLASSNET_DATA", "~/mn")
    assert len(load_mnist(kind="test", verify=False, download=False)[1]) == 5
    monkeypatch.setenv("XDG_CACHE_HOME", "~/cache")
    assert mnist.cache_dir() == home / "cache" / "glassnet" / "mnist"
    # A download goes to the expanded folder, not to a literal ./~ one.
    table = craft_set(tmp_path / "mirror")
    monkeypatch.setattr(mnist, "MNIST_FILES", {**mnist.MNIST_FILES, **table})
    monkeypatch.setattr(mnist, "MIRRORS", [(tmp_path / "mirror").as_uri() + "/"])
    monkeypatch.setenv("GLASSNET_DATA", "~/fresh")
    load_mnist(kind="test", progress=False)
    assert (home / "fresh" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    assert not (tmp_path / "~").exists()


# ------------------------------------------------ a local HTTP mirror that misbehaves


@pytest.fixture
def bad_mirror(monkeypatch):
    """A server on 127.0.0.1 that answers every request with ``server.reply`` (bytes),
    or never answers when that is None; ``server.url`` is its mirror URL."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            server.connections += 1
            self.request.recv(65536)
            if server.reply is None:
                server.release.wait(5)
            else:
                self.request.sendall(server.reply)

    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.connections, server.reply, server.release = 0, b"", threading.Event()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


MALFORMED_HTTP = {
    "not HTTP (BadStatusLine)": b"SSH-2.0-OpenSSH\r\n\r\n",
    "chunk cut short (IncompleteRead)": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n\x1f\x8b" + b"x" * 100,
    "body cut short (IncompleteRead)": b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n\x1f\x8b" + b"x" * 100,
    "no answer (RemoteDisconnected)": b"",
}


@pytest.mark.parametrize("reply", MALFORMED_HTTP.values(), ids=MALFORMED_HTTP.keys())
def test_malformed_http_answer_tries_the_next_mirror_and_leaves_no_folder(tmp_path, monkeypatch, bad_mirror, reply):
    bad_mirror.reply = reply
    monkeypatch.setattr(mnist, "MIRRORS", [bad_mirror.url])
    with pytest.raises(MNISTNotFoundError, match=r"(?s)Downloading failed:.*127\.0\.0\.1.*GLASSNET_DATA"):
        load_mnist(kind="test", progress=False)
    assert not (tmp_path / "cache").exists()  # not even the empty folders
    table = craft_set(tmp_path / "mirror")
    monkeypatch.setattr(mnist, "MNIST_FILES", {**mnist.MNIST_FILES, **table})
    monkeypatch.setattr(mnist, "MIRRORS", [bad_mirror.url, (tmp_path / "mirror").as_uri() + "/"])
    x, _ = load_mnist(kind="test", progress=False)
    assert x.shape == (5, 784)


def test_a_timeout_ends_the_download_without_waiting_on_every_mirror(tmp_path, monkeypatch, bad_mirror):
    bad_mirror.reply = None  # a firewall that drops packets: nothing ever comes back
    monkeypatch.setattr(mnist, "_TIMEOUT", 0.5)
    monkeypatch.setattr(mnist, "MIRRORS", [bad_mirror.url + "a/", bad_mirror.url + "b/", bad_mirror.url + "c/"])
    start = time.monotonic()
    with pytest.raises(MNISTNotFoundError, match=r"(?s)a/train-images.*timed out.*no further mirror.*GLASSNET_DATA"):
        load_mnist(progress=False)
    assert time.monotonic() - start < 3
    assert bad_mirror.connections == 1
    assert not (tmp_path / "cache").exists()


def test_an_interrupted_download_leaves_no_folder(tmp_path, monkeypatch):
    def interrupted(url, out, progress, label):
        raise KeyboardInterrupt

    monkeypatch.setattr(mnist, "_fetch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_mnist(kind="test")
    assert not (tmp_path / "cache").exists()


def test_seed_001_mnist_network_as_drawn(mnist_dir):
    # seed 001, "Keras Network for MNIST Dataset": 784 inputs -> 32 relu -> 10 sigmoid units
    # (its output box says relu; sigmoid outputs with cross-entropy per unit are the drawing's
    # reading). 784·32 + 32 + 32·10 + 10 = 25,450 weights; two epochs on 10,000 images learn the digits.
    from glassnet.layers import Dense
    from glassnet.models import Sequential
    from glassnet.preprocessing import to_categorical

    (x, y), (xt, yt) = load_mnist(mnist_dir)
    X, Xt = x[:10000].reshape(-1, 784), xt[:2000].reshape(-1, 784)
    model = Sequential([Dense(32, activation="relu", input_dim=784), Dense(10, activation="sigmoid")], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["categorical_accuracy"])
    assert model.count_params() == 25_450
    model.fit(X, to_categorical(y[:10000]), batch_size=32, epochs=2, verbose=0)
    accuracy = model.evaluate(Xt, to_categorical(yt[:2000]), verbose=0)[1]
    assert accuracy > 0.85


def test_seed_001_one_hot_mnist_network_with_15_hidden_neurons(mnist_dir):
    # seed 001, "Example: One-Hot Encoding for MIST Digits Dataset": 28 × 28 = 784 inputs, a hidden
    # layer of n = 15 neurons and one output per digit '0' … '9' (Nielsen's network, whose book the
    # notes follow: sigmoid units, the quadratic cost ½‖y − a‖², mini-batches of 10, η = 3.0).
    # 784·15 + 15 + 15·10 + 10 = 11,935 weights; two epochs on 10,000 images (0.87 on 2,000 test images)
    from glassnet.layers import Dense
    from glassnet.models import Sequential
    from glassnet.optimizers import SGD
    from glassnet.preprocessing import to_categorical

    (x, y), (xt, yt) = load_mnist(mnist_dir, flatten=False)
    assert x.shape[1:] == (28, 28) and sorted(set(y)) == list(range(10))
    X, Xt = x[:10000].reshape(-1, 784), xt[:2000].reshape(-1, 784)
    model = Sequential([Dense(15, activation="sigmoid", input_dim=784), Dense(10, activation="sigmoid")], seed=0)
    model.compile(optimizer=SGD(learning_rate=3.0), loss="squared_error", metrics=["categorical_accuracy"])
    assert model.count_params() == 11_935
    model.fit(X, to_categorical(y[:10000]), batch_size=10, epochs=2, verbose=0)
    assert (model.predict(Xt, verbose=0).argmax(axis=1) == yt[:2000]).mean() > 0.8  # the digit: the largest output


@pytest.mark.parametrize("option", ["flatten", "as_uint8", "download", "verify", "progress"])
def test_boolean_options_take_true_or_false_only(option, tmp_path):
    with pytest.raises(TypeError, match=f"{option} must be True or False. Received: {option}='no'"):
        load_mnist(tmp_path, **{option: "no"})  # 'no' was True


# ------------------------------------------------------------- keras.datasets.mnist.load_data


@needs_mnist
def test_load_data_returns_what_keras_returns(monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(MNIST_DIR))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    # Keras 3.15's mnist.load_data(): uint8 (60000, 28, 28) / (60000,), (10000, 28, 28) / (10000,)
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == ((60000, 28, 28), (60000,),
                                                                          (10000, 28, 28), (10000,))
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert list(y_train[:5]) == [5, 0, 4, 1, 9] and x_train.max() == 255
    (x, y), _ = load_mnist(MNIST_DIR)
    np.testing.assert_array_equal(x_train.reshape(-1, 784) / np.float32(255), x)
    np.testing.assert_array_equal(y_train, y)
    (again, _), _ = mnist.load_data("mnist.npz")  # Keras's default argument searches the same places
    np.testing.assert_array_equal(again, x_train)


@needs_mnist
def test_load_data_reads_keras_own_npz_and_falls_back_to_it(tmp_path, monkeypatch):
    (x_train, y_train), (x_test, y_test) = load_mnist(MNIST_DIR, flatten=False, as_uint8=True)
    home = tmp_path / "home"
    (home / ".keras" / "datasets").mkdir(parents=True)
    keras_file = home / ".keras" / "datasets" / "mnist.npz"
    np.savez(keras_file, x_train=x_train, y_train=y_train.astype(np.uint8), x_test=x_test,
             y_test=y_test.astype(np.uint8))
    (a, b), (c, d) = mnist.load_data(keras_file)
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(d, y_test)
    # no IDX files anywhere and no network: Keras's earlier download is used, nothing is fetched
    monkeypatch.setenv("HOME", str(home))
    (a, b), _ = mnist.load_data()
    np.testing.assert_array_equal(b, y_train)


def test_load_data_errors_name_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.keras/datasets/mnist.npz of this machine's
    with pytest.raises(TypeError, match="path must be None, a folder of IDX files or a .npz file"):
        mnist.load_data(3)
    with pytest.raises(MNISTNotFoundError, match="does not exist"):
        mnist.load_data(tmp_path / "nothing.npz")
    np.savez(tmp_path / "other.npz", x_train=np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="is not Keras's mnist.npz"):
        mnist.load_data(tmp_path / "other.npz")
    with pytest.raises(MNISTNotFoundError, match="MNIST files not found"):  # offline, nothing cached
        mnist.load_data()


def _npy(array=None, shape=None, descr="|u1", fortran=False):
    """The bytes of an .npy file: ``array``'s, or only a header declaring ``shape``."""
    buffer = io.BytesIO()
    if array is not None:
        np.lib.format.write_array(buffer, array, allow_pickle=False)
    else:
        np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buffer.getvalue()


def _npz(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name + ".npy", data if isinstance(data, bytes) else _npy(data))
    return path


def test_load_data_reads_an_npz_arrays_header_before_its_data(tmp_path):
    # np.load allocated what a forged header declares: a raw MemoryError ("Unable to allocate 713. TiB")
    small = {"y_train": np.zeros(60000, np.uint8), "x_test": np.zeros((10000, 28, 28), np.uint8),
             "y_test": np.zeros(10000, np.uint8)}
    forged = _npz(tmp_path / "forged.npz", {"x_train": _npy(shape=(10**12, 28, 28)), **small})
    with pytest.raises(ValueError, match=r"forged.npz is not Keras's mnist.npz .*x_train.npy holds an array of "
                                         r"shape \(1000000000000, 28, 28\) and dtype uint8; expected \(60000, 28, 28\) "
                                         "uint8 images"):
        mnist.load_data(forged)
    # a deflated member of 100000 images of zeros (a 77 kB file) was inflated whole, 78 MB, before its
    # shape was refused (a 770 kB file of 10**6 images: 13 s and 800 MB)
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x_train.npy", "w", force_zip64=True) as member:
            member.write(_npy(shape=(100000, 28, 28)))
            for _ in range(10):
                member.write(bytes(10000 * 28 * 28))
        for name, array in small.items():
            archive.writestr(name + ".npy", _npy(array))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"x_train.npy holds an array of shape \(100000, 28, 28\)"):
            mnist.load_data(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
    # an object array, a wrong dtype, labels of floats, a member cut short or with bytes after its array
    for members, match in (
        ({"x_train": _npy(shape=(60000, 28, 28), descr="|O")}, r"dtype object; expected"),
        ({"x_train": np.zeros((60000, 28, 28), np.int16)}, r"dtype int16; expected \(60000, 28, 28\) uint8 images"),
        ({"x_train": np.zeros((60000, 28, 28), np.uint8), "y_train": np.zeros(60000)},
         r"y_train.npy holds an array of shape \(60000,\) and dtype float64; expected \(60000,\) integer labels"),
        ({"x_train": _npy(shape=(60000, 28, 28)) + bytes(100)}, "x_train.npy holds 100 bytes of data for the "
                                                                 r"47,040,000 of its \(60000, 28, 28\) uint8 array"),
        ({"x_train": np.zeros((60000, 28, 28), np.uint8), "y_train": _npy(np.zeros(60000, np.uint8)) + b"x"},
         r"y_train.npy holds 60,001\+ bytes of data for the 60,000"),
    ):
        with pytest.raises(ValueError, match=f"is not Keras's mnist.npz .*{match}"):
            mnist.load_data(_npz(tmp_path / "bad.npz", {**small, **members}))
    with pytest.raises(ValueError, match=r"mnist.npz \(arrays x_train, y_train, x_test, y_test\): it holds no x_train$"):
        mnist.load_data(_npz(tmp_path / "bad.npz", small))


def test_load_data_reads_an_npz_as_np_load_does(tmp_path):
    # compressed or not, Fortran-ordered, big-endian int64 labels, Keras's own member names: the same values
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, 997 * 28, dtype=np.uint8)  # (repeated: deflated in a moment)
    arrays = {"x_train": np.resize(pixels, (60000, 28, 28)), "y_train": rng.integers(0, 10, 60000),
              "x_test": np.resize(pixels[::-1], (10000, 28, 28)), "y_test": rng.integers(0, 10, 10000).astype(">i8")}
    plain = tmp_path / "plain.npz"
    np.savez(plain, **arrays)
    packed = tmp_path / "packed.npz"
    np.savez_compressed(packed, **{**arrays, "x_train": np.asfortranarray(arrays["x_train"])})
    for path in (plain, packed):
        (x_train, y_train), (x_test, y_test) = mnist.load_data(path)
        for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")):
            np.testing.assert_array_equal(got, arrays[key])
            assert got.dtype == np.uint8 and got.shape == arrays[key].shape and got.flags.writeable
        x_train[0, 0, 0] = 7  # writable, as np.load's arrays


def test_keras_datasets_glassnet_lacks_name_what_to_do(tmp_path):
    # Keras 2's reuters_mlp.py begins `from keras.datasets import reuters`: with glassnet it said only
    # "cannot import name 'reuters' from 'glassnet.datasets'"
    with pytest.raises(ModuleNotFoundError, match="No module named 'glassnet.datasets.reuters': glassnet's data sets "
                                                  "are MNIST .*keras.datasets.reuters.load_data\\(\\), which downloads"):
        from glassnet.datasets import reuters  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match="'glassnet.datasets.cifar10': glassnet's data sets"):
        importlib.import_module("glassnet.datasets.cifar10")
    with pytest.raises(AttributeError, match="'glassnet.datasets.imdb': glassnet's data sets"):
        glassnet.datasets.imdb.load_data()
    # hasattr and getattr with a default stay False and None (a ModuleNotFoundError raised through them)
    assert not hasattr(glassnet.datasets, "reuters") and getattr(glassnet.datasets, "imdb", None) is None
    assert not hasattr(glassnet.datasets, "no_such_set")
    with pytest.raises(ModuleNotFoundError, match="No module named 'glassnet.datasets.no_such_set'$"):
        importlib.import_module("glassnet.datasets.no_such_set")
    # the advice for Fashion-MNIST works: IDX files under MNIST's names that are not MNIST's
    with pytest.raises(AttributeError, match="load_mnist\\('folder of them', verify=False\\)"):
        glassnet.datasets.fashion_mnist
    rng = np.random.default_rng(0)
    for stem, n in [("train-images-idx3-ubyte", 6), ("train-labels-idx1-ubyte", 6),
                    ("t10k-images-idx3-ubyte", 4), ("t10k-labels-idx1-ubyte", 4)]:
        shape = (n, 28, 28) if "images" in stem else (n,)
        write_idx(tmp_path / stem, rng.integers(0, 10 if "labels" in stem else 256, shape).astype(np.uint8))
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path, verify=False)
    assert x_train.shape == (6, 784) and y_test.shape == (4,)


def test_keras_datasets_find_spec_asks_without_raising():
    # importlib.util.find_spec (pkgutil.get_loader, pytest's --pyargs, IDEs, `python -m`) raised the
    # ModuleNotFoundError meant for the import: asking now answers, and only loading refuses
    spec = importlib.util.find_spec("glassnet.datasets.reuters")
    assert spec is not None and spec.name == "glassnet.datasets.reuters"
    assert importlib.util.find_spec("glassnet.datasets.no_such_set") is None
    with pytest.raises(ModuleNotFoundError, match="'glassnet.datasets.reuters': glassnet's data sets"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    # the import still refuses with the advice, leaves nothing behind, and hasattr stays False
    with pytest.raises(ModuleNotFoundError, match="keras.datasets.reuters.load_data\\(\\)"):
        importlib.import_module("glassnet.datasets.reuters")
    assert "glassnet.datasets.reuters" not in sys.modules and not hasattr(glassnet.datasets, "reuters")
    run = subprocess.run([sys.executable, "-m", "glassnet.datasets.cifar10"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(Path(glassnet.__file__).parents[1])})
    assert run.returncode == 1 and "'glassnet.datasets.cifar10': glassnet's data sets are MNIST" in run.stderr


def test_a_download_failing_part_way_names_only_the_files_still_missing(tmp_path, monkeypatch):
    # the images came, the labels did not: the error listed the images as "not found" too, though they
    # were in the cache, complete and checked
    table = craft_set(tmp_path / "mirror")
    (tmp_path / "mirror" / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setattr(mnist, "MNIST_FILES", {**mnist.MNIST_FILES, **table})
    monkeypatch.setattr(mnist, "MIRRORS", [(tmp_path / "mirror").as_uri() + "/"])
    with pytest.raises(MNISTNotFoundError, match=r"^MNIST files not found: t10k-labels-idx1-ubyte.gz \(looked in"):
        load_mnist(kind="test", progress=False)
    assert [p.name for p in mnist.cache_dir().iterdir()] == ["t10k-images-idx3-ubyte.gz"]


def test_no_mirror_at_all_is_the_offline_error(monkeypatch):
    # MIRRORS = [] gave no reason, and the missing file was read as None: "TypeError: path must be a file path"
    monkeypatch.setattr(mnist, "MIRRORS", [])
    with pytest.raises(MNISTNotFoundError, match=r"(?s)Downloading failed:.*MIRRORS is empty.*GLASSNET_DATA"):
        load_mnist(kind="test", progress=False)
