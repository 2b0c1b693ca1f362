"""Checkpoints lose nothing (issue 7, item 6).

- A process killed (SIGKILL) in the middle of ``save_weights`` of a large model leaves the
  previous checkpoint loadable and verified.
- A corrupted or truncated file is detected (checksum, archive structure) with a clear error, and
  the model is left unchanged.
- Loading never executes code (no pickle), never writes outside its target, and never allocates
  more than the file justifies (a header claiming a huge array is refused before allocation).
- Training resumed from a checkpoint in a fresh process continues bit-identically.
"""
import io
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from tapegrad import keras
from tapegrad.keras import saving

L = keras.layers
F = np.float32


def _model():
    return keras.Sequential([keras.Input((3,)), L.Dense(5, activation="relu"), L.BatchNormalization(), L.Dense(2)])


def _trained_model():
    model = _model()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.standard_normal((16, 3)).astype(F), rng.standard_normal((16, 2)).astype(F), batch_size=8,
              verbose=0)
    return model


def _assert_weights_equal(model, arrays):
    for w, a in zip(model.get_weights(), arrays):
        np.testing.assert_array_equal(w, a)


# -- a kill in the middle of a save -----------------------------------------------------------------

KILLED_SAVER = r'''
import sys
import numpy as np
from tapegrad import keras
path = sys.argv[1]
# ~48 MB of weights: writing them takes long enough to be caught in the middle.
model = keras.Sequential([keras.Input((2000,)), keras.layers.Dense(2000), keras.layers.Dense(2000),
                          keras.layers.Dense(2000)])
for w in model.weights:
    w.assign(np.full(w.shape, 1.0, np.float32))
model.save_weights(path)
print("saved 1", flush=True)
for w in model.weights:
    w.assign(np.full(w.shape, 2.0, np.float32))
sys.stdin.readline()      # the parent is watching the folder now
model.save_weights(path)  # killed in here
print("saved 2", flush=True)
'''


def _kill_mid_save(folder, path):
    """Start the saver, SIGKILL it while the second save's temporary file is being written.
    Returns the temporary file's size at the kill (None if the save finished first)."""
    p = subprocess.Popen([sys.executable, "-c", KILLED_SAVER, path], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "saved 1", p.stderr.read()
        p.stdin.write("go\n")
        p.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            temps = [e for e in os.scandir(folder) if e.name.endswith(".tmp")]
            sizes = [e.stat().st_size for e in temps] if temps else []
            if sizes and sizes[0] > 0:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
                return sizes[0]
            if p.poll() is not None:
                return None
        raise AssertionError("the second save never started")
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_sigkill_in_the_middle_of_a_save_leaves_the_previous_checkpoint(tmp_path):
    path = str(tmp_path / "big.weights.npz")
    for attempt in range(3):  # the kill must land while the temporary file is written
        for e in os.scandir(tmp_path):
            os.unlink(e.path)
        size_at_kill = _kill_mid_save(str(tmp_path), path)
        if size_at_kill is not None:
            break
    else:
        pytest.fail("three saves finished before the kill: the model is too small to be caught mid-save")
    temps = [e for e in os.scandir(tmp_path) if e.name.endswith(".tmp")]
    assert temps, "the kill landed after the rename: nothing was tested"
    full = os.path.getsize(path)
    assert temps[0].stat().st_size < full, "the temporary file is complete: the kill came too late"
    arrays = saving.read_weights_file(path)  # format and checksum verified
    model = keras.Sequential([keras.Input((2000,)), L.Dense(2000), L.Dense(2000), L.Dense(2000)])
    model.load_weights(path)
    for w in model.weights:
        assert np.all(w.numpy() == 1.0), "the checkpoint on disk is not the previous one"
    assert len(arrays) == 2 + 1 + len(model.weights)
    with pytest.raises(ValueError):  # the partial temporary file is itself detected as broken
        saving.read_weights_file(temps[0].path)



# -- temporary files interrupted saves leave -------------------------------------------------------

def test_the_next_save_removes_the_temporary_file_a_killed_save_left(tmp_path):
    """kill -9 mid-save leaves ``.big.weights.npz.<host>-<pid>.<random>.tmp``; the next save of the same
    target (here by another process: this one) removes it, since its writer is gone."""
    path = str(tmp_path / "big.weights.npz")
    for attempt in range(3):
        for e in os.scandir(tmp_path):
            os.unlink(e.path)
        if _kill_mid_save(str(tmp_path), path) is not None:
            break
    else:
        pytest.fail("three saves finished before the kill")
    temps = [e.name for e in os.scandir(tmp_path) if e.name.endswith(".tmp")]
    assert len(temps) == 1 and temps[0].startswith(".big.weights.npz." + saving._HOST + "-"), temps
    _model().save_weights(path)  # another model to the same target: the temporary file goes
    assert sorted(os.listdir(tmp_path)) == ["big.weights.npz"]


def _temp(folder, target, writer, age_s=0.0, rand="abc123_x"):
    name = f".{target}.{writer + '.' if writer else ''}{rand}.tmp"
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(b"partial")
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return name


def test_only_abandoned_temporaries_of_the_same_target_are_removed(tmp_path):
    """The rule (saving.remove_stale_temporaries): a temporary file of this target is removed when its
    writer (this host) is dead, or when it is untouched for an hour; one of a live writer (another
    process, another thread of this one, another host) stays, and so does anything not ours."""
    folder = str(tmp_path)
    target = "m.weights.npz"
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        host, me = saving._HOST, os.getpid()
        other_host = "0" * 8 if host != "0" * 8 else "1" * 8
        removed = {
            _temp(folder, target, f"{host}-{dead.pid}"),                         # killed writer
            _temp(folder, target, f"{host}-{live.pid}", age_s=7200, rand="old1"),  # pid reused long after
            _temp(folder, target, None, age_s=7200, rand="legacy1"),             # older tapegrad's name
            _temp(folder, target, f"{other_host}-{dead.pid}", age_s=7200, rand="far1"),
        }
        kept = {
            _temp(folder, target, f"{host}-{live.pid}"),                         # another process writing now
            _temp(folder, target, f"{host}-{me}", rand="thread1"),               # another thread of this one
            _temp(folder, target, f"{other_host}-{dead.pid}", rand="far2"),      # another host's writer
            _temp(folder, target, None, rand="legacy2"),                         # recent: maybe being written
            _temp(folder, "other.weights.npz", f"{host}-{dead.pid}"),           # another target
            _temp(folder, target + ".x.weights.npz", f"{host}-{dead.pid}"),     # a target whose name extends it
        }
        for name in ("notes.tmp", f".{target}.tmp", f".{target}.{host}-{dead.pid}.abc.tmp.bak"):
            open(os.path.join(folder, name), "w").close()
            kept.add(name)
        os.mkdir(os.path.join(folder, f".{target}.{host}-{dead.pid}.dir1.tmp"))  # not a file: not ours
        kept.add(f".{target}.{host}-{dead.pid}.dir1.tmp")
        _model().save_weights(os.path.join(folder, target))
        assert set(os.listdir(folder)) == kept | {target}
        assert removed.isdisjoint(os.listdir(folder))
    finally:
        live.stdin.close()
        live.wait()


WRITER = r"""
import sys
import numpy as np
from tapegrad import keras
model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256)])
for i in range(int(sys.argv[2])):
    for w in model.weights:
        w.assign(np.full(w.shape, float(i), np.float32))
    model.save_weights(sys.argv[1])
"""


def test_concurrent_writers_never_remove_each_others_temporary_files(tmp_path):
    """Three processes saving the same target at once: cleaning stale temporaries must not delete a
    live writer's file (its rename would fail with FileNotFoundError)."""
    path = str(tmp_path / "shared.weights.npz")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, path, "40"], stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    assert sorted(os.listdir(tmp_path)) == ["shared.weights.npz"]
    saving.read_weights_file(path)  # a complete, verified file

# -- corruption and truncation -----------------------------------------------------------------------

def _saved(tmp_path):
    path = str(tmp_path / "m.weights.npz")
    model = _trained_model()
    model.save_weights(path)
    return path, model


def _entry_data_offset(path, name):
    """Where the array bytes of entry ``name`` start in the file."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name + ".npy")
        with z.open(info) as f:
            np.lib.format.read_magic(f)
            np.lib.format.read_array_header_1_0(f)
            header = f.tell()
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len + header


def test_a_flipped_bit_in_a_weight_is_detected_and_nothing_is_loaded(tmp_path):
    path, _ = _saved(tmp_path)
    data = bytearray(open(path, "rb").read())
    data[_entry_data_offset(path, "weights/2") + 5] ^= 0x10  # inside BatchNormalization's gamma
    open(path, "wb").write(bytes(data))
    target = _model()
    before = target.get_weights()
    with pytest.raises(ValueError, match="Bad CRC-32 for file 'weights/2.npy'"):  # the archive's own CRC
        target.load_weights(path)
    _assert_weights_equal(target, before)
    # One bit of one float changed in a valid archive (CRCs fine): the SHA-256 over the entries.
    arrays = saving.weights_arrays(_trained_model())
    arrays["weights/2"] = arrays["weights/2"].copy()
    arrays["weights/2"].view(np.uint32)[0] ^= 1 << 4  # one bit of one float
    saving.atomic_write_npz(path, arrays)  # valid zip, stale __checksum__
    with pytest.raises(ValueError, match="checksum mismatch"):
        target.load_weights(path)
    _assert_weights_equal(target, before)


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_a_truncated_file_is_detected_with_a_clear_error(tmp_path, keep):
    path, _ = _saved(tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:int(len(data) * keep)])
    target = _model()
    before = target.get_weights()
    with pytest.raises(ValueError, match=r"m\.weights\.npz.*(truncated or damaged|not a tapegrad weights file)"):
        target.load_weights(path)
    _assert_weights_equal(target, before)


def test_a_shape_mismatch_changes_nothing(tmp_path):
    path, model = _saved(tmp_path)
    arrays = saving.read_weights_file(path)
    last = max(int(k.split("/")[1]) for k in arrays if k.startswith("weights/") and k[8:].isdigit())
    arrays[f"weights/{last}"] = np.zeros((7,), F)  # the last weight: every other would load first
    arrays["__checksum__"] = np.array(saving._checksum(arrays))
    saving.atomic_write_npz(path, arrays)
    target = _model()
    before = target.get_weights()
    with pytest.raises(ValueError, match="Shape mismatch"):
        target.load_weights(path)
    _assert_weights_equal(target, before)  # no weight was assigned before the mismatch was found


# -- crafted files: no code, no writes, no unbounded allocation ------------------------------------

class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))  # unpickling would create the marker file


def _checksummed(arrays):
    arrays = dict(arrays)
    arrays["__checksum__"] = np.array(saving._checksum(
        {k: v for k, v in arrays.items() if getattr(v, "dtype", None) is None or not v.dtype.hasobject}))
    return arrays


def test_an_object_array_is_refused_and_never_unpickled(tmp_path):
    path, _ = _saved(tmp_path)
    marker = tmp_path / "pwned"
    arrays = dict(np.load(path, allow_pickle=False))
    arrays["weights/0"] = np.array([_Payload(str(marker))], dtype=object)
    with open(path, "wb") as f:
        np.savez(f, **_checksummed(arrays))  # (np.savez pickles object arrays)
    with pytest.raises(ValueError, match="no pickle"):
        _model().load_weights(path)
    assert not marker.exists()


def _write_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries.items():
            z.writestr(name, data)


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["../escaped.npy", "/tmp/absolute.npy", "weights/../../x.npy", "weights/0.py",
                                  "__format__.npy/../../y.npy"])
def test_entry_names_are_checked_and_nothing_is_extracted(tmp_path, name):
    folder = tmp_path / "ckpt"
    folder.mkdir()
    path, _ = _saved(folder)
    entries = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            entries[info.filename] = z.read(info)
    entries[name] = _npy(np.zeros(3, F))
    _write_zip(path, entries)
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError, match="unexpected entry"):
        _model().load_weights(path)
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    assert not os.path.exists("/tmp/absolute.npy")


def _huge_header(claimed_shape, dtype="<f8"):
    """A .npy whose header claims ``claimed_shape`` but which holds 16 bytes of data."""
    header = {"descr": dtype, "fortran_order": False, "shape": claimed_shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + b"\0" * 16


@pytest.mark.parametrize("shape", [(10 ** 12,), (2 ** 28,), (1 << 20, 1 << 20)], ids=["8TB", "2GB", "8TB-2d"])
def test_a_header_claiming_a_huge_array_is_refused_before_allocating(tmp_path, shape):
    path, _ = _saved(tmp_path)
    entries = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            entries[info.filename] = z.read(info)
    entries["weights/0.npy"] = _huge_header(shape)
    _write_zip(path, entries)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="claims shape"):
            _model().load_weights(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2 ** 20, f"loading allocated {peak / 2 ** 20:.0f} MB for a {os.path.getsize(path)}-byte file"


def test_a_compressed_entry_is_refused(tmp_path):
    # A deflated entry can expand ~1000x (a zip bomb); save_weights never compresses.
    path, _ = _saved(tmp_path)
    entries = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            entries[info.filename] = z.read(info)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    with pytest.raises(ValueError, match="compressed"):
        _model().load_weights(path)


def test_numpy_load_of_the_same_bomb_would_allocate(tmp_path):
    """Why the reader checks headers itself: ``numpy.load`` allocates what the header claims
    (np.empty of the claimed shape) before finding out that the bytes are not there."""
    path = str(tmp_path / "bomb.npz")
    _write_zip(path, {"x.npy": _huge_header((2 ** 26,))})  # claims 512 MB, holds 16 bytes
    tracemalloc.start()
    try:
        with np.load(path, allow_pickle=False) as data:
            with pytest.raises(ValueError):
                data["x"]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak >= 2 ** 29


# -- resuming in a fresh process ---------------------------------------------------------------------

RESUME = r'''
import json, sys
import numpy as np
import tapegrad as tf
from tapegrad import keras
mode, path, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
tf.random.set_seed(0)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.BatchNormalization(), keras.layers.Dense(3)])
model.compile(keras.optimizers.Adam(0.01), "mse")
rng = np.random.default_rng(1)
batches = [(rng.standard_normal((8, 4)).astype(np.float32), rng.standard_normal((8, 3)).astype(np.float32))
           for _ in range(10)]
start = 0
if mode == "resume":
    model.load_weights(path)
    start = int(model.optimizer.iterations.numpy())
for step in range(start, start + steps):
    model.train_on_batch(*batches[step % len(batches)])
if mode == "first":
    model.save_weights(path)
print(json.dumps([w.tolist() for w in model.get_weights()] +
                 [np.asarray(v.numpy()).tolist() for v in model.optimizer.variables]))
'''


def _run(mode, path, steps):
    out = subprocess.run([sys.executable, "-c", RESUME, mode, path, str(steps)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_resuming_in_a_fresh_process_continues_bit_identically(tmp_path):
    path = str(tmp_path / "ckpt.weights.npz")
    straight = _run("straight", path, 12)
    _run("first", path, 5)
    resumed = _run("resume", path, 7)
    assert len(straight) == len(resumed)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(np.array(a, np.float32), np.array(b, np.float32))
