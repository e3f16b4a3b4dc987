"""Atomic file writes shared by everything that saves (models, plots, data, CLI output).

The content goes to a new temporary file in the target's folder (so the final
rename stays on one file system), is flushed and fsynced, then moved over the
target with ``os.replace``. Readers see the old file or the new one, never a
half-written one; a failure leaves the old file and no temporary behind. The
temporary is created with ``open(..., "xb")``, so a new file gets the usual
permissions (umask), not the private mode of ``mkstemp``; a replaced file keeps its
own. A symbolic link is followed: the file it points to is replaced. A device or a named
pipe (``/dev/null``) is written into as it is, never replaced by a file.

``overwrite=False`` never replaces a file: the temporary file is hard-linked to the
target's name (``os.link`` fails where a file has that name, even one made during the
write), then removed.

:func:`writable` gives text an output can write (``η`` as ``eta`` where the encoding is ASCII).
"""

import codecs
import errno
import io
import os
import secrets
import stat
import unicodedata
import zipfile

import numpy as np

from ._validation import check_path


def atomic_write(path, write, verify=None, overwrite=True):
    """Call ``write(fileobj)`` on a binary temporary file, then replace ``path`` with it.

    ``verify(tmp_path)``, if given, runs on the complete temporary file before
    the replace; if it raises, ``path`` is left untouched. ``overwrite=False``:
    a file at ``path``, before the write or made during it, is left as it is and
    a :class:`FileExistsError` (:func:`exists_error`) raised.
    """
    path = check_path(path, "path")
    if not path or path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise ValueError(f"Cannot write {path!r}: give a file name (the path is empty or ends with a separator).")
    target = os.path.realpath(path)  # through a symbolic link: replace the file it points to, not the link
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        # Say which folder is missing, not which temporary file could not be made; or which file
        # stands where a folder should ("model.gn/x.gn": the folder 'model.gn' "did not exist")
        _check_no_file_in_the_way(path, folder)
        raise FileNotFoundError(f"Cannot write {path!r}: the folder {folder!r} does not exist.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot write {path!r}: it is a folder; give a file name.")
    if not overwrite and os.path.exists(path):
        raise exists_error(path)
    if os.path.exists(target) and (not os.access(target, os.W_OK) or not os.stat(target).st_mode & 0o222):
        # replacing works through the folder's permission, but a write-protected file says "keep me" (its mode
        # bits too: root, as in Docker and Colab, may write anything, and replaced a chmod 444 model)
        raise PermissionError(f"Cannot write {path!r}: the file is write-protected (chmod u+w to replace it).")
    if os.path.exists(path) and not os.path.isfile(path):
        # a device or a named pipe (/dev/null, /dev/stdout): written into, as the shell's ">" does, not
        # replaced by a regular file (as root, save("/dev/null") replaced the system's /dev/null)
        if verify is not None:
            raise ValueError(f"Cannot write {path!r}: it is not a regular file (a device or a named pipe), "
                             "where the content cannot be checked before it is written.")
        buffer = io.BytesIO()  # (a zip's offsets need a file that tells its position; /dev/null's is always 0)
        write(buffer)
        try:
            with open(path, "wb") as fh:  # (the path: /dev/stdout's real path may be no file, pipe:[123])
                fh.write(buffer.getvalue())
        except OSError as exc:  # (/dev/full: "No space left on device", naming no file)
            raise _naming(exc, path, path) from None
        return
    # short, so that any name the folder takes leaves room for it (".{name}.tmp" did not)
    tmp = os.path.join(folder, f".glassnet-{secrets.token_hex(6)}.tmp")
    try:
        try:
            fh = open(tmp, "xb")
        except OSError as exc:
            raise _naming(exc, tmp, path) from None
        try:  # (outside the with: closing flushes what is left, and a full disk refuses that again)
            with fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:  # a full disk: "No space left on device" named no file (the temporary's write)
            named = _naming(exc, tmp, path)
            if named is exc:
                raise
            raise named from None
        if verify is not None:
            verify(tmp)
        if not overwrite:
            _move_to_new_name(tmp, target, path)
            return
        if os.path.exists(target):  # the new file keeps the old one's permissions (a private 0600 stays so)
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        try:
            os.replace(tmp, target)
        except OSError as exc:  # e.g. a name too long for the folder
            raise _naming(exc, tmp, path) from None
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def exists_error(path):
    """The error of a write with ``overwrite=False`` to ``path``, where a file is."""
    return FileExistsError(f"{os.fspath(path)!r} exists and overwrite=False: it was left as it is; pass "
                           "overwrite=True to replace it.")


def check_replace(path, overwrite, is_own, kind):
    """``overwrite`` checked, by the rule of the writers that replace only their own kind of file
    by default (``glassnet.onnx.export``, an estimator's ``save``, ``export(format="keras")``), so that a
    slip of the name cannot destroy data or another model: None lets an empty file or one that
    ``is_own(path)`` accepts be replaced, True any file, False none. ``kind`` names the own kind in the
    error (a :class:`FileExistsError`). Returns the ``overwrite`` of :func:`atomic_write`."""
    if overwrite is not None and not isinstance(overwrite, (bool, np.bool_)):
        raise TypeError(f"overwrite must be None, True or False. Received: overwrite={overwrite!r:.60}")
    if overwrite is None and os.path.isfile(path) and os.path.getsize(path) and not is_own(path):
        raise FileExistsError(f"{os.fspath(path)!r} exists and is not {kind}: it was left as it is. Give another "
                              "file name, or pass overwrite=True to replace it.")
    if overwrite is False and os.path.exists(path):
        raise exists_error(path)
    return overwrite is not False


def zip_members(path):
    """The names in the zip archive ``path`` (an empty set for a file that is no zip archive)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return set(archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return set()


#: os.link's errors where the file system has no hard links (FAT, some network and FUSE file systems)
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


def _move_to_new_name(tmp, target, path):
    """Give the written ``tmp`` the name ``target`` unless a file has it, in one step: a check
    then ``os.replace`` replaced a file made in between. Without hard links, the name is claimed
    by creating an empty file exclusively (``O_EXCL``), which the content then replaces."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise exists_error(path) from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise _naming(exc, tmp, path) from None
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            raise exists_error(path) from None
        try:
            os.replace(tmp, target)
        except BaseException:
            os.remove(target)  # the empty file that claimed the name
            raise
        return
    os.remove(tmp)


#: the errors of writing to a file that name no file (its name was given to open, not to write)
_WRITE_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _naming(exc, tmp, path):
    """``exc`` about the user's ``path`` rather than the temporary file (whose name means nothing to them),
    or than no file at all (a write's ``[Errno 28] No space left on device``)."""
    unnamed = exc.filename is None and type(exc) is OSError and exc.errno in _WRITE_ERRORS
    if exc.filename != tmp and not unnamed:
        return exc
    return type(exc)(exc.errno, exc.strerror, path)


def _check_no_file_in_the_way(path, folder):
    """A :class:`NotADirectoryError` when a file stands where ``folder`` or a folder above it should be."""
    above = folder
    while above and not os.path.lexists(above):
        parent = os.path.dirname(above)
        if parent == above:
            return
        above = parent
    if above and os.path.exists(above) and not os.path.isdir(above):
        raise NotADirectoryError(f"Cannot write {path!r}: {above!r} is a file, not a folder.")


def read_npy_header(fh):
    """``(shape, fortran_order, dtype)`` of the ``.npy`` array that the binary stream ``fh`` starts with,
    read without its data (so that a forged shape allocates nothing); ``fh`` is left at the data's
    first byte. A bad magic string, version or header is a ``ValueError``. The callers check the dtype
    (``hasobject``: ``np.load``'s ``allow_pickle=False`` refusal) and read the data themselves."""
    try:
        version = np.lib.format.read_magic(fh)
        read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}[version]
        shape, fortran, dtype = read(fh)
    except Exception as exc:  # a bad magic, version or header (and a zip member's read error under it)
        raise ValueError(f"not a valid .npy array ({type(exc).__name__}: {exc})") from None
    return tuple(shape), fortran, dtype


def atomic_write_bytes(path, data, overwrite=True):
    atomic_write(path, lambda fh: fh.write(data), overwrite=overwrite)


def atomic_write_text(path, text, encoding="utf-8"):
    atomic_write(path, lambda fh: fh.write(text.encode(encoding)))


def unique_keys(pairs):
    """``json.loads(..., object_pairs_hook=unique_keys)``: an object whose keys repeat is refused
    (ValueError), where json keeps the last value without a word: a file that says
    ``"units": 3, ..., "units": 9`` is not one model description but two."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"the key {twice!r:.80} appears twice in one object")
    return obj


#: How the characters of glassnet's tables, bars and help read in ASCII, for an output whose encoding
#: cannot write them (LC_ALL=C, PYTHONIOENCODING=ascii, a Windows code page when redirected to a file).
ASCII_SPELLINGS = {"─": "-", "━": "=", "═": "=", "│": "|", "█": "#", "←": "<-", "→": "->", "⇒": "=>", "−": "-",
                   "–": "-", "—": "--", "·": "*", "⋅": "*", "×": "x", "⊙": "*", "÷": "/", "≤": "<=", "≥": ">=",
                   "≠": "!=", "≈": "~", "±": "+/-", "√": "sqrt", "∂": "d", "∇": "grad", "Σ": "sum", "ŷ": "y_hat",
                   "\u0302": "_hat", "ᵀ": "^T", "²": "^2", "³": "^3", "⟨": "<", "⟩": ">", "…": "...", "‖": "||",
                   "✓": "ok", "✗": "x", "µ": "u", "“": '"', "”": '"', "‘": "'", "’": "'"}


def ascii_spelling(char):
    """``char`` in ASCII: :data:`ASCII_SPELLINGS`, a Greek letter by its name (η: eta, Δ: Delta), a
    letter without its accent (é: e), else '?'."""
    if char in ASCII_SPELLINGS:
        return ASCII_SPELLINGS[char]
    words = unicodedata.name(char, "").split()
    if words[:1] == ["GREEK"] and words[2:3] == ["LETTER"] and len(words) > 3:
        return words[3].capitalize() if words[1] == "CAPITAL" else words[3].lower()
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return plain if plain.isascii() else "?"


def _spell_in_ascii(error):
    """The codec error handler :data:`SPELL_IN_ASCII`: what an encoding cannot write, spelled in ASCII."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    words = [ascii_spelling(char) for char in error.object[error.start:error.end]]
    spelled = ""
    for word, after in zip(words, [*words[1:], error.object[error.end:error.end + 1]]):
        apart = len(word) > 1 and word[-1].isalpha() and after[:1].isalpha()
        spelled += word + " " * apart  # (Δθ, αv, η∇f: Delta theta, alpha v, eta grad f; but ∂θ: dtheta)
    return spelled, error.end


#: ``errors=`` of a stream or ``str.encode`` that spells in ASCII what the encoding cannot write
SPELL_IN_ASCII = "glassnet-ascii"
codecs.register_error(SPELL_IN_ASCII, _spell_in_ascii)


def writable(text, stream):
    """``text`` as ``stream`` can write it: what its encoding cannot write spelled in ASCII (the
    summary's ``─``/``═`` as ``-``/``=``, a bar's ``━`` as ``=``), where writing it raised
    UnicodeEncodeError; Keras's summary and progress bar fall back to ASCII the same way."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):  # (io.StringIO: any text)
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, SPELL_IN_ASCII).decode(encoding)
    except LookupError:  # (an encoding Python does not know: the stream itself then fails)
        pass
    return text
