"""save_weights / load_weights: the documented .npz format, integrity checks, atomic writes, and a
bit-identical resume of training with the optimizer state."""
import os

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras import saving

L = keras.layers
F = np.float32


def _model():
    return keras.Sequential([keras.Input((3,)), L.Dense(5, activation="relu"), L.BatchNormalization(),
                             L.Dense(2)])


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 3)).astype(F), rng.standard_normal((32, 2)).astype(F)


def test_round_trip_and_documented_format(tmp_path):
    path = str(tmp_path / "m.weights.npz")
    model = _model()
    model.save_weights(path)
    with np.load(path, allow_pickle=False) as data:  # plain arrays only: no pickle, no code
        files = set(data.files)
        assert str(data["__format__"]) == "tapegrad.keras.weights/1"
        assert list(data["weights/paths"]) == [w.path for w in model.weights]
        np.testing.assert_array_equal(data["weights/0"], model.weights[0].numpy())
    assert files == {"__format__", "__checksum__", "weights/paths"} | {f"weights/{i}" for i in range(8)}
    other = _model()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_tampered_file_is_rejected(tmp_path):
    path = str(tmp_path / "m.weights.npz")
    model = _model()
    model.save_weights(path)
    arrays = dict(np.load(path, allow_pickle=False))
    arrays["weights/0"] = arrays["weights/0"] + 1
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="checksum"):
        _model().load_weights(path)
    np.savez(path, x=np.zeros(2))
    with pytest.raises(ValueError, match="not a tapegrad weights file"):
        _model().load_weights(path)


def test_mismatches_are_errors(tmp_path):
    path = str(tmp_path / "m.weights.npz")
    _model().save_weights(path)
    smaller = keras.Sequential([keras.Input((3,)), L.Dense(5)])
    with pytest.raises(ValueError, match="Weight count mismatch"):
        smaller.load_weights(path)
    wider = keras.Sequential([keras.Input((4,)), L.Dense(5, activation="relu"), L.BatchNormalization(), L.Dense(2)])
    with pytest.raises(ValueError, match="Shape mismatch"):
        wider.load_weights(path)
    with pytest.warns(UserWarning, match="skipped"):
        wider.load_weights(path, skip_mismatch=True)
    with pytest.raises(ValueError, match=".weights.npz"):
        _model().save_weights(str(tmp_path / "m.h5"))
    with pytest.raises(FileExistsError):
        _model().save_weights(path, overwrite=False)


def test_a_crash_mid_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = str(tmp_path / "m.weights.npz")
    model = _model()
    model.save_weights(path)
    before = open(path, "rb").read()
    model.layers[0].kernel.assign(np.zeros((3, 5), F))

    def crash(file, **arrays):
        file.write(b"partial archive")
        raise OSError("disk full")

    monkeypatch.setattr(saving.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        model.save_weights(path)
    monkeypatch.undo()
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["m.weights.npz"]  # no temporary file left behind
    _model().load_weights(path)


def test_resume_with_optimizer_state_is_bit_identical(tmp_path):
    x, y = _data()
    path = str(tmp_path / "ckpt.weights.npz")

    def fresh():
        tf.random.set_seed(0)
        model = _model()
        model.compile(keras.optimizers.Adam(0.01), "mse")
        return model

    straight = fresh()
    straight.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    straight.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    first = fresh()
    first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save_weights(path)
    with np.load(path, allow_pickle=False) as data:
        assert str(data["optimizer/class"]) == "Adam"
        assert int(data["optimizer/0"]) == 8  # iterations
    resumed = fresh()  # a new model and a new, unbuilt optimizer
    resumed.load_weights(path)
    assert int(resumed.optimizer.iterations) == 8
    resumed.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(straight.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    no_state = fresh()
    no_state.set_weights(first.get_weights())
    no_state.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(straight.get_weights(), no_state.get_weights()))


def test_invalid_weights_file_error_is_public_and_a_value_error(tmp_path):
    assert issubclass(keras.saving.InvalidWeightsFileError, ValueError)
    assert keras.saving.InvalidWeightsFileError.__doc__
    path = tmp_path / "m.weights.npz"
    path.write_bytes(b"not a zip archive at all")
    with pytest.raises(keras.saving.InvalidWeightsFileError, match="truncated or damaged"):
        _model().load_weights(str(path))
    _model().save_weights(str(path))
    arrays = dict(np.load(path, allow_pickle=False))
    arrays["weights/0"] = arrays["weights/0"] + 1
    np.savez(path, **arrays)
    with pytest.raises(keras.saving.InvalidWeightsFileError, match="checksum"):
        _model().load_weights(str(path))
    np.savez(path, x=np.zeros(2))
    with pytest.raises(keras.saving.InvalidWeightsFileError):
        _model().load_weights(str(path))


@pytest.mark.parametrize("action, name, error, match", [
    ("load", "missing.weights.npz", FileNotFoundError, r"No weights file at .*missing\.weights\.npz"),
    ("save", "no/such/folder/m.weights.npz", FileNotFoundError,
     r"Cannot save weights to .*no/such/folder/m\.weights\.npz: the folder .* does not exist"),
    ("save", "dir.weights.npz", IsADirectoryError, r"names a directory, not a weights file: .*dir\.weights\.npz"),
    ("load", "dir.weights.npz", IsADirectoryError, r"names a directory"),
    ("load", "m.weights.h5", ValueError, r"must end in `\.weights\.npz`"),
])
def test_bad_paths_name_the_target_not_a_temporary_file(tmp_path, action, name, error, match):
    (tmp_path / "dir.weights.npz").mkdir()
    path = str(tmp_path / name)
    with pytest.raises(error, match=match) as info:
        getattr(_model(), f"{action}_weights")(path)
    assert ".tmp" not in str(info.value)


@pytest.mark.parametrize("path", [None, 3, ["m.weights.npz"]])
def test_a_path_that_is_not_a_path_is_a_type_error(path):
    with pytest.raises(TypeError, match=r"filepath must be a str or os.PathLike"):
        _model().save_weights(path)


def test_a_pathlike_and_bytes_path_work(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "p.weights.npz")
    model.load_weights(os.fsencode(str(tmp_path / "p.weights.npz")))
