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
file intact. Loading checks the format, the checksum, the number and shapes of the weights.

With the optimizer state restored, training resumes bit-identically (given the same batches:
``fit`` shuffles with tapegrad's random stream, which is not part of the file).
"""
import hashlib
import os
import tempfile
import warnings

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


def read_weights_file(filepath):
    """The verified entries of a weights file (format and checksum checked)."""
    with np.load(filepath, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    if "__format__" not in arrays or str(arrays["__format__"]) != FORMAT:
        raise ValueError(f"{filepath} is not a tapegrad weights file (expected format {FORMAT!r})")
    if "__checksum__" not in arrays or str(arrays["__checksum__"]) != _checksum(arrays):
        raise ValueError(f"{filepath}: checksum mismatch; the file is corrupted or was modified")
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
    for i, w in enumerate(weights):
        value = arrays[f"weights/{i}"]
        if tuple(value.shape) != tuple(w.shape):
            message = (f"Shape mismatch for weight {i} ('{w.path}', saved as '{saved_paths[i]}'): the file has "
                       f"{tuple(value.shape)}, the model {tuple(w.shape)}")
            if skip_mismatch:
                warnings.warn(message + "; skipped", stacklevel=3)
                continue
            raise ValueError(message)
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
        value = arrays[f"optimizer/{i}"]
        if tuple(value.shape) != tuple(np.shape(v._value)):
            warnings.warn(f"Skipping optimizer state from {filepath}: variable {i} has shape {tuple(value.shape)} "
                          f"in the file and {tuple(np.shape(v._value))} in the optimizer", stacklevel=3)
            return
    for i, v in enumerate(variables):
        v.assign(arrays[f"optimizer/{i}"].astype(v._value.dtype, copy=False))
