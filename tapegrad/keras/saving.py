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
file intact (and a ``.<name>.<random>.tmp`` file that is never read). Loading checks the format,
the checksum, the number and shapes of the weights, and changes nothing unless all of it checks.

Reading is bounded and inert (``read_weights_file``): the archive's entries must be the names
above, stored uncompressed, each a ``.npy`` whose header describes exactly the bytes the entry
holds (checked before anything is allocated, so a crafted header cannot claim a huge array), of a
plain numeric, bool or string dtype (no Python objects, so no pickle); nothing is ever extracted
to disk. A truncated or damaged file raises ValueError naming the file and what is wrong.

With the optimizer state restored, training resumes bit-identically (given the same batches:
``fit`` shuffles with tapegrad's random stream, which is not part of the file).
"""
import hashlib
import os
import re
import struct
import tempfile
import warnings
import zipfile

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


def _check_path(filepath):
    filepath = os.fspath(filepath)
    if not filepath.endswith(SUFFIX):
        raise ValueError(f"The filename must end in `{SUFFIX}`. Received: filepath={filepath}")
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


def atomic_write_npz(filepath, arrays):
    """Write ``arrays`` to ``filepath`` as .npz: temporary file, flush, fsync, rename."""
    folder = os.path.dirname(os.path.abspath(filepath))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(filepath) + ".", suffix=".tmp", dir=folder)
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
    filepath = _check_path(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists; pass overwrite=True to replace it")
    atomic_write_npz(filepath, weights_arrays(model))


_ENTRY = re.compile(r"(__format__|__checksum__|weights/paths|weights/\d+|optimizer/paths|optimizer/class|"
                    r"optimizer/\d+)\.npy")


class _InvalidFile(ValueError):
    pass


def _corrupt(filepath, what):
    return _InvalidFile(f"{filepath} is damaged or not a tapegrad weights file: {what}")


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
    except _InvalidFile:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error, ValueError) as e:
        raise _corrupt(filepath, f"the archive is truncated or damaged ({type(e).__name__}: {e})") from None
    if "__format__" not in arrays or arrays["__format__"].dtype.kind != "U" or str(arrays["__format__"]) != FORMAT:
        raise ValueError(f"{filepath} is not a tapegrad weights file (expected format {FORMAT!r})")
    if "__checksum__" not in arrays or str(arrays["__checksum__"]) != _checksum(arrays):
        raise ValueError(f"{filepath}: checksum mismatch; the file is corrupted or was modified")
    for name in ("weights/paths", "optimizer/paths"):
        if name in arrays and (arrays[name].dtype.kind != "U" or arrays[name].ndim != 1):
            raise _corrupt(filepath, f"entry {name!r} must be a 1-D array of strings")
    if "weights/paths" not in arrays:
        raise _corrupt(filepath, "entry 'weights/paths' is missing")
    return arrays


def load_weights(model, filepath, skip_mismatch=False):
    filepath = _check_path(filepath)
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
