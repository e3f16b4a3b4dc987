"""MNIST from local IDX files, downloaded once when absent; scikit-learn's 8×8 digits.

Where :func:`load_mnist` looks for the four files (each may be ``.gz`` or not, or as Kaggle names them):

1. ``path``, when given;
2. otherwise ``$GLASSNET_DATA/mnist`` and ``$GLASSNET_DATA`` (when set),
   then the cache folder ``$XDG_CACHE_HOME/glassnet/mnist``
   (``~/.cache/glassnet/mnist`` when ``XDG_CACHE_HOME`` is unset).

Missing files are downloaded once into ``path``, else ``$GLASSNET_DATA/mnist``,
else the cache folder, with a progress bar; the SHA-256 of each file's
*uncompressed* content is checked and the file written atomically. Offline, a
:class:`MNISTNotFoundError` says where to put the files; a mirror that times
out (10 s) ends the attempt, as the others would most likely time out too.
"""

import gzip
import http.client
import os
import sys
import urllib.request
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .._io import atomic_write, read_npy_header
from .._validation import check_bool
from .idx import _read_idx

#: The four MNIST files: name -> (uncompressed bytes, SHA-256 of the uncompressed content).
MNIST_FILES = {
    "train-images-idx3-ubyte": (47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}

#: Public mirrors of the gzipped IDX files, tried in order.
MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

_KINDS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_KINDS["t10k"] = _KINDS["test"]


class MNISTNotFoundError(FileNotFoundError):
    """The MNIST files are not on this machine and could not be downloaded."""


def cache_dir():
    """The download folder: ``$XDG_CACHE_HOME/glassnet/mnist`` or ``~/.cache/glassnet/mnist``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "glassnet" / "mnist"


def _search_dirs(path):
    """Folders to look in, and the one a download goes to."""
    if path is not None:
        return [path], path
    dirs, target = [], cache_dir()
    data_root = os.environ.get("GLASSNET_DATA")
    if data_root:
        data_root = Path(data_root).expanduser()  # "~/data" from a config file, unexpanded by a shell
        dirs += [data_root / "mnist", data_root]
        target = data_root / "mnist"
    return dirs + [cache_dir()], target


def _find(folder, stem):
    """``stem`` in ``folder``, gzipped or not; also as Kaggle's "MNIST Dataset" spells and nests it,
    ``train-images.idx3-ubyte`` and ``train-images-idx3-ubyte/train-images-idx3-ubyte`` (they were not
    found, and the error asked for files the user had)."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem + ".gz", stem, dotted, f"{stem}/{stem}", f"{dotted}/{dotted}"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_mnist(
    path=None,
    kind=None,
    *,
    flatten=True,
    as_uint8=False,
    download=True,
    verify=True,
    progress=True,
):
    """Load MNIST as ``keras.datasets.mnist.load_data`` does, ready for an MLP.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Folder holding the four IDX files (``.gz`` or not). Default: search
        ``$GLASSNET_DATA`` and the cache folder (see the module docstring).
        A leading ``~`` is expanded here and in both variables.
    kind : {None, "train", "test"}
        ``None`` returns both sets; ``"train"`` or ``"test"`` (alias
        ``"t10k"``) returns only that one and only needs its two files.
    flatten : bool
        Images as ``(n, 784)`` rows (default, what a Dense network takes) or
        as ``(n, 28, 28)``.
    as_uint8 : bool
        Keep the raw pixels 0..255 as uint8 instead of float32 ``x / 255`` in [0, 1].
    download : bool
        Download missing files; ``False`` fails at once when they are absent.
    verify : bool
        Check every file's size and the SHA-256 of its uncompressed content
        against :data:`MNIST_FILES` (about 30 ms for the training images).
        Downloads are always checked.
    progress : bool
        Show a download progress bar (tqdm when installed).

    Returns
    -------
    ((x_train, y_train), (x_test, y_test)), or ``(x, y)`` for one ``kind``
        ``x`` float32 in [0, 1] (or uint8) of shape ``(n, 784)`` (or
        ``(n, 28, 28)``); ``y`` int64 digits 0..9. n = 60000 train, 10000 test.

    Raises
    ------
    MNISTNotFoundError
        (a ``FileNotFoundError``) when the files are absent and cannot be
        downloaded; the message says where to put them.
    ValueError
        When a file is malformed or its checksum does not match, or ``path`` is
        empty or a file.
    """
    if kind is not None and not isinstance(kind, str):
        raise TypeError(f"kind must be None, 'train' or 'test'. Received: kind={kind!r:.100}")
    if kind is not None and kind not in _KINDS:
        raise ValueError(f"kind must be None, 'train' or 'test'. Received: kind={kind!r}")
    if path is not None:
        # Path() gave "expected str, bytes or os.PathLike object, not int", naming no argument;
        # "" was the current folder, where a download then went; a file was "not found"
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"path must be None or a folder (a str or pathlib.Path). Received: path={path!r:.100}")
        given, path = os.fsdecode(path), Path(os.fsdecode(path)).expanduser()
        if not given or path.is_file():
            raise ValueError(f"path must be the folder holding the MNIST files (None: search the usual places). "
                             f"Received: path={given!r:.400}{', a file' if given else ''}")
    flatten, as_uint8 = check_bool(flatten, "flatten"), check_bool(as_uint8, "as_uint8")
    download, verify = check_bool(download, "download"), check_bool(verify, "verify")
    progress = check_bool(progress, "progress")
    kinds = ("train", "test") if kind is None else (kind,)
    stems = [stem for k in kinds for stem in _KINDS[k]]
    files = _locate(path, stems, download, progress)
    sets = []
    for k in kinds:
        images_stem, labels_stem = _KINDS[k]
        x = _load_file(files[images_stem], images_stem, verify)
        y = _load_file(files[labels_stem], labels_stem, verify)
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(
                f"{files[images_stem]} and {files[labels_stem]} do not form an MNIST set: "
                f"images of shape {x.shape}, labels of shape {y.shape}."
            )
        if flatten:
            x = x.reshape(len(x), -1)
        if not as_uint8:
            x = np.divide(x, np.float32(255), dtype=np.float32)
        sets.append((x, y.astype(np.int64)))
    return sets[0] if kind is not None else tuple(sets)


def load_data(path=None):
    """``keras.datasets.mnist.load_data()``: ``(x_train, y_train), (x_test, y_test)`` as Keras
    returns them, uint8 images of shape ``(n, 28, 28)`` with values 0..255 and uint8 labels,
    so that Keras tutorials run with only their import changed (scale with ``x / 255`` and
    ``reshape(-1, 784)`` as they do; :func:`load_mnist` gives float32 rows at once).

    ``path``: ``None`` (or Keras's default ``"mnist.npz"``) looks for the IDX files as
    :func:`load_mnist` does and falls back to Keras's own download, ``~/.keras/datasets/mnist.npz``;
    a folder of IDX files; or a ``.npz`` file with Keras's four arrays (read without pickle).
    """
    if path is not None and not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path must be None, a folder of IDX files or a .npz file. Received: path={path!r:.100}")
    given = None if path is None else Path(os.fsdecode(path)).expanduser()
    keras_file = Path("~/.keras/datasets/mnist.npz").expanduser()
    if given is not None and given.suffix == ".npz":
        if given.is_file():
            return _keras_npz(given)
        if given.name == "mnist.npz" and given.parent == Path("."):  # Keras's default name: search as for None
            given = None
        else:
            raise MNISTNotFoundError(f"{given} does not exist: give Keras's mnist.npz file, a folder of the IDX "
                                     "files, or None to search the usual places.")
    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(given, flatten=False, as_uint8=True,
                                                          download=not keras_file.is_file() or given is not None)
    except MNISTNotFoundError:
        if given is None and keras_file.is_file():
            return _keras_npz(keras_file)
        raise
    return (x_train, y_train.astype(np.uint8)), (x_test, y_test.astype(np.uint8))


#: Keras's mnist.npz: its arrays' shapes
_KERAS_ARRAYS = {"x_train": (60000, 28, 28), "y_train": (60000,), "x_test": (10000, 28, 28), "y_test": (10000,)}


def _keras_npz(file):
    """Keras's ``mnist.npz``: x_train, y_train, x_test, y_test, checked for shapes and dtypes."""
    try:
        with zipfile.ZipFile(file) as zf:
            names = set(zf.namelist())
            missing = [key for key in _KERAS_ARRAYS if key + ".npy" not in names and key not in names]
            if missing:
                raise ValueError(f"it holds no {' and no '.join(missing)}")
            arrays = [_npz_array(zf, key + ".npy" if key + ".npy" in names else key, shape)
                      for key, shape in _KERAS_ARRAYS.items()]
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError,
            zlib.error) as exc:  # NotImplementedError: a compression zipfile lacks; RuntimeError: encrypted
        raise ValueError(f"{file} is not Keras's mnist.npz (arrays x_train, y_train, x_test, y_test): {exc}") from None
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train.astype(np.uint8)), (x_test, y_test.astype(np.uint8))


def _npz_array(zf, name, shape):
    """The member ``name`` of the .npz ``zf``, an array of ``shape``: uint8 images, or integer labels. Its
    ``.npy`` header is checked before any data is read (np.load allocated a forged shape, a raw MemoryError
    for 713 TiB), and a deflated member is inflated no further than that shape's bytes (a 770 kB file
    declaring 10**6 images took 13 s and 800 MB before its shape was refused)."""
    images = len(shape) == 3
    with zf.open(name) as fh:
        declared, fortran, dtype = read_npy_header(fh)
        if declared != shape or (dtype != np.uint8 if images else dtype.kind not in "iu"):
            raise ValueError(f"{name} holds an array of shape {declared} and dtype {dtype}; expected {shape} "
                             f"{'uint8 images' if images else 'integer labels'}")
        nbytes = int(np.prod(shape)) * dtype.itemsize
        data = fh.read(nbytes + 1)
    if len(data) != nbytes:  # cut short, or bytes after the array
        raise ValueError(f"{name} holds {len(data):,}{'+' if len(data) > nbytes else ''} bytes of data for the "
                         f"{nbytes:,} of its {shape} {dtype} array")
    # (a writable copy, as np.load's arrays: the bytes read are immutable)
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def _load_file(file, stem, verify):
    array, digest = _read_idx(file, sha256=verify)
    if verify and digest != MNIST_FILES[stem][1]:
        raise ValueError(
            f"{file}: SHA-256 of the uncompressed content is {digest}, expected "
            f"{MNIST_FILES[stem][1]}: the file is corrupt or not the genuine MNIST "
            f"{stem}. Delete it to download it again, or pass verify=False to read "
            f"an MNIST-format variant (e.g. Fashion-MNIST) under the same name."
        )
    return array


def _locate(path, stems, download, progress):
    """Return ``{stem: file}``, downloading the missing ones if allowed."""
    dirs, target = _search_dirs(path)
    for folder in dirs:
        found = {stem: _find(folder, stem) for stem in stems}
        if all(found.values()):
            return found
    found = {stem: _find(target, stem) for stem in stems}
    missing = [stem for stem, file in found.items() if file is None]
    if not download:
        raise _not_found(dirs, target, missing, "download=False was given.")
    errors = []
    for stem in missing:
        file, reasons = _download(stem, target, progress)
        if file is None:  # (no mirror at all gave no reason, and None was read as a file)
            errors = reasons or ["no mirror to try: glassnet.datasets.mnist.MIRRORS is empty"]
            break
        found[stem] = file
    if errors:  # the files downloaded before the failure are kept (complete and checked), not named missing
        still = [stem for stem in missing if found[stem] is None]
        raise _not_found(dirs, target, still, "Downloading failed:\n  " + "\n  ".join(errors))
    return found


def _not_found(dirs, target, missing, reason):
    names = "\n    ".join(stem + ".gz" for stem in MNIST_FILES)
    looked = ", ".join(str(d) for d in dirs)
    return MNISTNotFoundError(
        f"MNIST files not found: {', '.join(s + '.gz' for s in missing)} "
        f"(looked in: {looked}). {reason}\n"
        f"To use MNIST offline, copy the four files (gzip-compressed or not)\n    {names}\n"
        f"into {target}, or set the environment variable GLASSNET_DATA to the folder "
        f"holding them, or pass load_mnist(path='folder'). They are at any of: "
        f"{', '.join(MIRRORS)}. glassnet.datasets.load_digits() needs no download."
    )


# Seconds a mirror may take to connect or to send the next bytes. A timeout means,
# far more often than a dead mirror, that a firewall drops our packets: every mirror
# would time out in turn, so the first timeout ends the download (see _download).
_TIMEOUT = 10

# What a failed mirror raises: network and file errors (OSError, urllib's URLError
# included), malformed HTTP (BadStatusLine, IncompleteRead: not OSErrors), bad gzip
# data or a checksum mismatch (ValueError, EOFError, zlib.error).
_MIRROR_ERRORS = (OSError, http.client.HTTPException, ValueError, EOFError, zlib.error)


def _download(stem, target, progress):
    """Fetch ``stem.gz`` from the mirrors into ``target``; return ``(file, errors)``."""
    size, sha256 = MNIST_FILES[stem]
    errors = []
    created = [p for p in (target, *target.parents) if not p.exists()]
    final = target / (stem + ".gz")

    def verify(tmp):
        got_size, got_sha = _content_digest(tmp)
        if (got_size, got_sha) != (size, sha256):
            raise ValueError(
                f"checksum mismatch: content has {got_size} bytes, SHA-256 {got_sha}; "
                f"expected {size} bytes, {sha256}"
            )

    try:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return None, [f"cannot create {target}: {exc}"]
        for mirror in MIRRORS:
            url = mirror + stem + ".gz"
            try:
                atomic_write(final, lambda f, url=url: _fetch(url, f, progress, stem + ".gz"), verify=verify)
                return final, []
            except _MIRROR_ERRORS as exc:
                errors.append(f"{url}: {exc}")
                if _timed_out(exc):
                    errors.append("no further mirror tried: a timeout usually means no network access")
                    break
        return None, errors
    finally:
        # Whatever happened (offline, an error not caught above, Ctrl-C), leave no
        # empty folders behind; rmdir refuses a folder that holds anything.
        for folder in created:
            try:
                folder.rmdir()
            except OSError:
                break


def _timed_out(exc):
    """Whether a mirror timed out: raised as is, or wrapped by urllib in a URLError."""
    return isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)


def _fetch(url, out, progress, label):
    with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        bar = _progress_bar(total, label) if progress else None
        try:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()


def _content_digest(file):
    """Size and SHA-256 of the uncompressed content of a gzip file."""
    import hashlib

    digest, size = hashlib.sha256(), 0
    with gzip.open(file, "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _progress_bar(total, label):
    try:
        from tqdm import tqdm  # the text bar, in a notebook too (tqdm.auto's widget needs ipywidgets)
    except ImportError:
        return _TextBar(total, label)
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr)


class _TextBar:
    """A one-line progress display for when tqdm is not installed."""

    def __init__(self, total, label):
        self.total, self.label, self.done, self._shown = total, label, 0, -1

    def update(self, n):
        self.done += n
        # Redraw once per percent (or per MiB when the size is unknown).
        step = int(100 * self.done / self.total) if self.total else self.done >> 20
        if step != self._shown:
            self._shown = step
            where = f"{step:3d}%" if self.total else f"{self.done / 2**20:.0f} MiB"
            sys.stderr.write(f"\rDownloading {self.label}: {where}")
            sys.stderr.flush()

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


# ----------------------------------------------------------------- 8x8 digits

_DIGITS_FILE = Path(__file__).parent / "data" / "digits.csv.gz"


def load_digits(*, flatten=True, as_uint8=False, test=None, seed=None):
    """scikit-learn's bundled 8×8 handwritten digits, for fully offline use.

    1797 images (about 180 per digit), pixels are counts 0..16 of "on" pixels
    in 4×4 blocks of a 32×32 bitmap (the UCI optdigits test set). The file
    ships with glassnet (``datasets/data/digits.csv.gz``, BSD-licensed, from
    scikit-learn), so neither scikit-learn nor a network is needed.

    Parameters
    ----------
    flatten : bool
        ``(1797, 64)`` rows (default) or ``(1797, 8, 8)`` images.
    as_uint8 : bool
        Keep the raw values 0..16 as uint8 instead of float32 ``x / 16`` in [0, 1].
    test : float or int, optional
        Also split off a stratified test set of this fraction (or count) with
        :func:`glassnet.preprocessing.split`, and return
        ``((x_train, y_train), (x_test, y_test))``.
    seed : int, optional
        Seed of that split; only with ``test`` (the full set is never shuffled).

    Returns
    -------
    (x, y), or ((x_train, y_train), (x_test, y_test)) when ``test`` is given
        ``y`` int64 digits 0..9.
    """
    if test is None and seed is not None:
        raise ValueError(
            f"seed only seeds the split that test= asks for; load_digits() without test returns "
            f"the set in its file order. Received: seed={seed!r:.100} without test."
        )
    flatten, as_uint8 = check_bool(flatten, "flatten"), check_bool(as_uint8, "as_uint8")
    table = np.loadtxt(_DIGITS_FILE, delimiter=",", dtype=np.uint8, encoding="ascii")
    x, y = table[:, :-1], table[:, -1].astype(np.int64)
    if not flatten:
        x = x.reshape(-1, 8, 8)
    if not as_uint8:
        x = np.divide(x, np.float32(16), dtype=np.float32)
    else:
        x = np.ascontiguousarray(x)
    if test is None:
        return x, y
    from ..preprocessing import split

    parts = split(x, y, test=test, seed=seed, stratify=True)
    return parts.train, parts.test
