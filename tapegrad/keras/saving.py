"""``save_weights`` / ``load_weights``: weights and optimizer state in a NumPy ``.npz`` file.

The format (``tapegrad.keras.weights/1``) is a plain ``.npz`` archive (a zip of ``.npy``
arrays), read back with ``numpy.load(..., allow_pickle=False)``: loading runs no code and
accepts no Python objects. Entries:

``__format__``         ``"tapegrad.keras.weights/1"``
``weights/<i>``        the i-th array of ``model.weights`` (Keras 3's order)
``weights/paths``      their variable paths (``sequential/dense/kernel`` ...), for checks and messages
``optimizer/<i>``      the i-th of ``model.optimizer.variables`` (iterations, slots ...), if it is built
``optimizer/paths``    their names; ``optimizer/class`` the optimizer's class name
``__checksum__``       SHA-256 of every other entry (name, dtype, shape, bytes, in sorted order)

Writing is atomic: the archive goes to a temporary file in the same folder, is flushed and
fsync'ed, then renamed over the target (``os.replace``); a crash mid-save leaves the previous
file intact (and a ``.<name>.<host>-<pid>.<random>.tmp`` file that is never read, and is removed by
the next save of the same target once its writer is gone: see ``remove_stale_temporaries``). Loading checks the format,
the checksum, the number and shapes of the weights, and changes nothing unless all of it checks.

Reading is bounded and inert (``read_weights_file``): the archive's entries must be the names
above, stored uncompressed, each a ``.npy`` whose header describes exactly the bytes the entry
holds (checked before anything is allocated, so a crafted header cannot claim a huge array), of a
plain numeric, bool or string dtype (no Python objects, so no pickle); nothing is ever extracted
to disk. A truncated or damaged file raises ``InvalidWeightsFileError`` (a ValueError; exported as
``keras.saving.InvalidWeightsFileError``) naming the file and what is wrong.

With the optimizer state restored, training resumes bit-identically (given the same batches:
``fit`` shuffles with tapegrad's random stream, which is not part of the file).
"""
import hashlib
import os
import re
import socket
import struct
import tempfile
import time
import warnings
import zipfile
import zlib

import numpy as np

FORMAT = "tapegrad.keras.weights/1"
SUFFIX = ".weights.npz"


def _checksum(arrays):
    h = hashlib.sha256()
    for key in sorted(arrays):
        if key == "__checksum__":
            continue
        a = np.ascontiguousarray(arrays[key])
        h.update(key.encode("utf-8"))
        h.update(a.dtype.str.encode("ascii"))
        h.update(repr(a.shape).encode("ascii"))
        h.update(a.tobytes())
    return h.hexdigest()


def _optimizer_variables(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return None, []
    return optimizer, list(getattr(optimizer, "variables", []) or [])


def _check_path(filepath, reading):
    """The path as a str, checked: the suffix, and that it names a file (reading) or a place in an
    existing folder where a file can go (writing), so errors name the target, not a temporary file."""
    if not isinstance(filepath, (str, bytes, os.PathLike)):
        raise TypeError(f"filepath must be a str or os.PathLike ending in `{SUFFIX}`, got {filepath!r} "
                        f"of type {type(filepath).__name__}")
    filepath = os.fsdecode(filepath)
    if not filepath.endswith(SUFFIX):
        raise ValueError(f"The filename must end in `{SUFFIX}`. Received: filepath={filepath}")
    if os.path.isdir(filepath):
        raise IsADirectoryError(f"filepath names a directory, not a weights file: {filepath}")
    if reading and not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath}")
    folder = os.path.dirname(os.path.abspath(filepath))
    if not reading and not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save weights to {filepath}: the folder {folder} does not exist")
    return filepath


def weights_arrays(model):
    """The ``{name: array}`` entries ``save_weights`` writes (checksum included)."""
    arrays = {"__format__": np.array(FORMAT)}
    weights = model.weights
    for i, w in enumerate(weights):
        arrays[f"weights/{i}"] = np.array(w._value, copy=True)
    arrays["weights/paths"] = np.array([getattr(w, "path", w.name) for w in weights], dtype=str)
    optimizer, variables = _optimizer_variables(model)
    if variables:
        for i, v in enumerate(variables):
            arrays[f"optimizer/{i}"] = np.array(np.asarray(v._value if hasattr(v, "_value") else v), copy=True)
        arrays["optimizer/paths"] = np.array([str(getattr(v, "path", getattr(v, "name", i)))
                                              for i, v in enumerate(variables)], dtype=str)
        arrays["optimizer/class"] = np.array(type(optimizer).__name__)
    arrays["__checksum__"] = np.array(_checksum(arrays))
    return arrays


# Temporary files are named ``.<target name>.<host>-<pid>.<random>.tmp``: the host (a short hash of
# its name) and process id of the writer make it possible to tell an abandoned temporary file (its
# writer was killed mid-save) from one another writer is filling right now.
_STALE_AFTER_S = 3600.0
_HOST = format(zlib.crc32(socket.gethostname().encode("utf-8", "replace")), "08x")


def _temp_prefix(filepath):
    return "." + os.path.basename(filepath) + "."


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # it exists (another user's), or we cannot tell: keep the file
        return True
    return True


def remove_stale_temporaries(filepath, now=None):
    """Delete the temporary files earlier, interrupted saves of ``filepath`` left next to it.

    Only files named as ``atomic_write_npz`` names this target's temporaries are considered, and one
    is removed when its writer cannot still be writing it: the process that created it (on this
    host) no longer exists, or the file has not been modified for an hour (a writer on another
    host, a process id reused since, or a name written by an older tapegrad without a writer id).
    A temporary file of a live writer (another process, or another thread of this one) is left
    alone. Returns the paths removed.
    """
    folder = os.path.dirname(os.path.abspath(filepath))
    prefix = _temp_prefix(filepath)
    pattern = re.compile(re.escape(prefix) + r"(?:([0-9a-f]{8})-(\d+)\.)?[a-z0-9_]+\.tmp")
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        host, pid = match.group(1), match.group(2)
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > _STALE_AFTER_S
            dead = host == _HOST and pid is not None and int(pid) != os.getpid() and not _pid_alive(int(pid))
            if old or dead:
                os.unlink(entry.path)
                removed.append(entry.path)
        except FileNotFoundError:  # another saver cleaned it (or its writer renamed it) meanwhile
            continue
        except OSError:  # cleaning is a courtesy: never make the save itself fail
            continue
    return removed


def atomic_write_npz(filepath, arrays):
    """Write ``arrays`` to ``filepath`` as .npz: temporary file, flush, fsync, rename.

    Before writing, temporary files of this target that interrupted saves left behind are removed
    (``remove_stale_temporaries``)."""
    folder = os.path.dirname(os.path.abspath(filepath))
    remove_stale_temporaries(filepath)
    fd, tmp = tempfile.mkstemp(prefix=f"{_temp_prefix(filepath)}{_HOST}-{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable (POSIX); not possible everywhere
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def save_weights(model, filepath, overwrite=True):
    filepath = _check_path(filepath, reading=False)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists; pass overwrite=True to replace it")
    atomic_write_npz(filepath, weights_arrays(model))


_ENTRY = re.compile(r"(__format__|__checksum__|weights/paths|weights/\d+|optimizer/paths|optimizer/class|"
                    r"optimizer/\d+)\.npy")


class InvalidWeightsFileError(ValueError):
    """A file given to ``load_weights`` (or ``read_weights_file``) is not a valid tapegrad weights
    file: not a ``.npz`` archive, truncated, damaged, of another format, failing its checksum, or
    holding entries the format does not allow. A ``ValueError``, so ``except ValueError`` catches it
    too; the model is never changed when it is raised."""


def _corrupt(filepath, what):
    return InvalidWeightsFileError(f"{filepath} is damaged or not a tapegrad weights file: {what}")


def _read_entry(archive, info, filepath):
    """One ``.npy`` entry, its header checked against the entry's real size before allocating."""
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise _corrupt(filepath, f"entry {info.filename!r} has .npy format version {version}")
        if dtype.hasobject or dtype.kind not in "biufcU":
            raise _corrupt(filepath, f"entry {info.filename!r} holds dtype {dtype}: only numbers, bools and "
                                     f"strings are loaded (never Python objects: no pickle, no code)")
        count = 1
        for d in shape:
            count *= int(d)
        nbytes = count * dtype.itemsize
        if f.tell() + nbytes != info.file_size:
            raise _corrupt(filepath, f"entry {info.filename!r} claims shape {tuple(shape)} of {dtype} "
                                     f"({nbytes} bytes) but holds {info.file_size - f.tell()} bytes")
        out = np.empty(shape, dtype, order="F" if fortran else "C")
        view = memoryview(out.reshape(-1, order="A")).cast("B") if nbytes else None
        if nbytes and f.readinto(view) != nbytes:
            raise _corrupt(filepath, f"entry {info.filename!r} is truncated")
        return out


def read_weights_file(filepath):
    """The verified entries of a weights file: names, sizes, dtypes, format and checksum checked.

    Bounded: the archive's entries are stored (not compressed), so together they fit in the file,
    and each array is allocated only after its header matched its entry's size.
    """
    try:
        archive_size = os.path.getsize(filepath)
        with zipfile.ZipFile(filepath) as archive:
            infos = archive.infolist()
            for info in infos:
                if not _ENTRY.fullmatch(info.filename):
                    raise _corrupt(filepath, f"unexpected entry {info.filename!r} (the entries are "
                                             f"__format__, __checksum__, weights/<i>, optimizer/<i> ...)")
                if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                    raise _corrupt(filepath, f"entry {info.filename!r} is compressed; save_weights stores "
                                             f"entries uncompressed")
            if sum(i.file_size for i in infos) > archive_size:
                raise _corrupt(filepath, "its entries claim more bytes than the file holds")
            arrays = {}
            for info in infos:
                name = info.filename[:-len(".npy")]
                if name in arrays:
                    raise _corrupt(filepath, f"entry {info.filename!r} appears twice")
                arrays[name] = _read_entry(archive, info, filepath)
    except InvalidWeightsFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error, ValueError) as e:
        raise _corrupt(filepath, f"the archive is truncated or damaged ({type(e).__name__}: {e})") from None
    if "__format__" not in arrays or arrays["__format__"].dtype.kind != "U" or str(arrays["__format__"]) != FORMAT:
        raise InvalidWeightsFileError(f"{filepath} is not a tapegrad weights file (expected format {FORMAT!r})")
    if "__checksum__" not in arrays or str(arrays["__checksum__"]) != _checksum(arrays):
        raise InvalidWeightsFileError(f"{filepath}: checksum mismatch; the file is corrupted or was modified")
    for name in ("weights/paths", "optimizer/paths"):
        if name in arrays and (arrays[name].dtype.kind != "U" or arrays[name].ndim != 1):
            raise _corrupt(filepath, f"entry {name!r} must be a 1-D array of strings")
    if "weights/paths" not in arrays:
        raise _corrupt(filepath, "entry 'weights/paths' is missing")
    return arrays


def load_weights(model, filepath, skip_mismatch=False):
    filepath = _check_path(filepath, reading=True)
    arrays = read_weights_file(filepath)
    saved_paths = [str(p) for p in arrays["weights/paths"]]
    weights = model.weights
    if len(saved_paths) != len(weights):
        raise ValueError(f"Weight count mismatch: {filepath} holds {len(saved_paths)} weights, model "
                         f"'{model.name}' has {len(weights)}. Saved: {saved_paths}; model: "
                         f"{[w.path for w in weights]}")
    updates = []
    for i, w in enumerate(weights):
        value = arrays.get(f"weights/{i}")
        if value is None:
            raise ValueError(f"{filepath}: weight {i} ('{saved_paths[i]}') is missing from the file")
        if tuple(value.shape) != tuple(w.shape):
            message = (f"Shape mismatch for weight {i} ('{w.path}', saved as '{saved_paths[i]}'): the file has "
                       f"{tuple(value.shape)}, the model {tuple(w.shape)}")
            if skip_mismatch:
                warnings.warn(message + "; skipped", stacklevel=3)
                continue
            raise ValueError(message)
        if value.dtype.kind not in "biuf":
            raise ValueError(f"{filepath}: weight {i} ('{saved_paths[i]}') has dtype {value.dtype}")
        updates.append((w, value))
    # Only now, with every check passed, change the model: a bad file leaves it as it was.
    for w, value in updates:
        w.assign(value.astype(w._value.dtype, copy=False))
    _load_optimizer(model, arrays, filepath)


def _load_optimizer(model, arrays, filepath):
    count = sum(1 for k in arrays if k.startswith("optimizer/") and k[len("optimizer/"):].isdigit())
    optimizer = getattr(model, "optimizer", None)
    if not count or optimizer is None:
        return
    if not getattr(optimizer, "built", False) and hasattr(optimizer, "build"):
        optimizer.build(model.trainable_variables)
    variables = list(getattr(optimizer, "variables", []) or [])
    if len(variables) != count:
        warnings.warn(f"Skipping variable loading for optimizer '{getattr(optimizer, 'name', type(optimizer).__name__)}', "
                      f"because it has {len(variables)} variables whereas the saved optimizer has {count} variables.",
                      stacklevel=3)
        return
    for i, v in enumerate(variables):
        value = arrays.get(f"optimizer/{i}")
        if value is None or value.dtype.kind not in "biuf":
            warnings.warn(f"Skipping optimizer state from {filepath}: variable {i} is missing or not numeric",
                          stacklevel=3)
            return
        if tuple(value.shape) != tuple(np.shape(v._value)):
            warnings.warn(f"Skipping optimizer state from {filepath}: variable {i} has shape {tuple(value.shape)} "
                          f"in the file and {tuple(np.shape(v._value))} in the optimizer", stacklevel=3)
            return
    for i, v in enumerate(variables):
        v.assign(arrays[f"optimizer/{i}"].astype(v._value.dtype, copy=False))
