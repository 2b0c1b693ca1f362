"""Record Keras 3's behaviour at the edges of callbacks, checkpoints, ``to_categorical`` and the
progress bar, for tests/keras/test_callback_edges.py to check tapegrad against.

Run with a Python that has TensorFlow/Keras 3 (not the project's venv)::

    CUDA_VISIBLE_DEVICES= TF_CPP_MIN_LOG_LEVEL=3 /work/tfvenv/bin/python tools/probe_keras_callbacks.py

Each case records "ok" with a small result, or the class name of the exception Keras raised, and the
user warnings it gave. The result goes to ``tests/data/keras_callback_edges.json``.
"""
import io
import json
import os
import pathlib
import re
import sys
import tempfile
import warnings

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "keras_callback_edges.json"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def main():
    import numpy as np
    import keras

    folder = tempfile.mkdtemp()
    x = np.random.default_rng(0).random((8, 3)).astype("float32")
    y = np.random.default_rng(1).random((8, 1)).astype("float32")

    def model():
        m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        m.compile("sgd", "mse", metrics=["mae"])
        return m

    def run(fn):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = {"outcome": "ok", "result": fn()}
            except Exception as e:  # noqa: BLE001 - the class is the record
                result = {"outcome": type(e).__name__}
        result["warnings"] = sum(1 for w in caught if issubclass(w.category, UserWarning))
        return result

    def checkpoint(name, epochs=2, **kwargs):
        path = os.path.join(folder, name)
        model().fit(x, y, epochs=epochs, verbose=0,
                    callbacks=[keras.callbacks.ModelCheckpoint(path, save_weights_only=True, **kwargs)])
        return os.path.exists(path)

    cases = {
        "checkpoint_missing_folder": lambda: checkpoint("sub/dir/a.weights.h5", epochs=1),
        "checkpoint_unknown_monitor_auto": lambda: checkpoint("b.weights.h5", monitor="val_foo"),
        "checkpoint_unknown_monitor_auto_best_only": lambda: checkpoint("c.weights.h5", monitor="val_foo",
                                                                        save_best_only=True),
        "checkpoint_unknown_monitor_min_best_only": lambda: checkpoint("d.weights.h5", monitor="val_foo", mode="min",
                                                                       save_best_only=True),
        "checkpoint_no_val_loss_best_only": lambda: checkpoint("e.weights.h5", save_best_only=True),
        "checkpoint_bad_mode": lambda: keras.callbacks.ModelCheckpoint(os.path.join(folder, "f.keras"),
                                                                       mode="bogus").mode,
        "fit_single_callback": lambda: len(model().fit(x, y, epochs=3, verbose=0, callbacks=keras.callbacks.EarlyStopping(
            monitor="loss", patience=5)).history["loss"]),
        "callbacklist_single_callback": lambda: len(keras.callbacks.CallbackList(keras.callbacks.History()).callbacks),
        "fit_callbacks_tuple": lambda: len(model().fit(x, y, epochs=1, verbose=0,
                                                       callbacks=(keras.callbacks.History(),)).history["loss"]),
        "earlystopping_unknown_monitor_auto": lambda: model().fit(x, y, epochs=2, verbose=0, callbacks=[
            keras.callbacks.EarlyStopping(monitor="foo")]) and None,
        "earlystopping_unknown_monitor_min": lambda: len(model().fit(x, y, epochs=2, verbose=0, callbacks=[
            keras.callbacks.EarlyStopping(monitor="foo", mode="min")]).history["loss"]),
        "earlystopping_bad_mode": lambda: keras.callbacks.EarlyStopping(mode="bogus").mode,
    }
    tc = keras.utils.to_categorical
    for name, args in {"in_range": ([0, 2], 3), "too_large": ([0, 3], 3), "negative": ([0, -1], 3),
                       "fractional": ([0.5, 1.7], 3), "whole_floats": ([0.0, 2.0], 3), "bools": ([True, False], 2),
                       "strings": (["a"], 3), "empty": ([], 3), "column": ([[1], [0]], 2)}.items():
        cases[f"to_categorical_{name}"] = (lambda a: lambda: np.asarray(tc(*a)).tolist())(args)
    record = {name: run(fn) for name, fn in cases.items()}

    class FakeTTY(io.StringIO):
        def isatty(self):
            return True

    from keras.src.utils.progbar import Progbar
    streams = {}
    for label, stream in (("tty", FakeTTY()), ("pipe", io.StringIO())):
        saved, sys.stdout = sys.stdout, stream
        try:
            bar = Progbar(4, interval=0)
            for step in range(1, 5):
                bar.update(step, [("loss", 0.5)])
        finally:
            sys.stdout = saved
        streams[label] = sorted(set(re.findall(r"\x1b\[[0-9;]*m", stream.getvalue())))
    record["progbar_escapes"] = {"outcome": "ok", "result": streams, "warnings": 0,
                                 "note": "Keras 3 styles even when not a terminal (its _dynamic_display also "
                                         "holds whenever the 'posix' module is loaded); tapegrad styles on a "
                                         "terminal only"}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"keras": keras.__version__, "cases": record}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({len(record)} cases)")


if __name__ == "__main__":
    main()
