"""Callbacks, checkpoints, losses, metrics, ``to_categorical`` and the progress bar at their edges
(issue 16): Keras 3.15's behaviour where it has one (recorded by tools/probe_keras_callbacks.py in
tests/data/keras_callback_edges.json), otherwise an error naming the callback/loss/metric/function,
the argument, what it got and what it expects."""
import io
import json
import os
import pathlib
import re
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras import callbacks as cbm
from tapegrad.keras.utils import Progbar, to_categorical

F = np.float32
RECORD = json.loads((pathlib.Path(__file__).parent.parent / "data" / "keras_callback_edges.json").read_text())["cases"]
X = np.sin(np.arange(24).reshape(8, 3)).astype(F)
Y = np.cos(np.arange(8)).reshape(8, 1).astype(F)


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    return model


def _fit(callbacks, epochs=2):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = _model().fit(X, Y, epochs=epochs, verbose=0, callbacks=callbacks)
    return history, [w for w in caught if issubclass(w.category, UserWarning)]


def _checkpoint(tmp_path, name, **kwargs):
    kwargs.setdefault("save_weights_only", True)
    return cbm.ModelCheckpoint(str(tmp_path / name), **kwargs)


def _keras_saved(case):
    assert RECORD[case]["outcome"] == "ok"
    return RECORD[case]["result"]


# -- ModelCheckpoint ------------------------------------------------------------------------------

def test_checkpoint_creates_a_missing_folder_as_keras(tmp_path):
    path = tmp_path / "sub" / "dir" / "a.weights.npz"
    _fit([cbm.ModelCheckpoint(str(path), save_weights_only=True)], epochs=1)
    assert path.exists() == _keras_saved("checkpoint_missing_folder")
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("case, kwargs", [
    ("checkpoint_unknown_monitor_auto", {}),
    ("checkpoint_unknown_monitor_auto_best_only", {"save_best_only": True}),
])
def test_checkpoint_unknown_monitor_in_auto_mode_raises_as_keras(tmp_path, case, kwargs):
    assert RECORD[case]["outcome"] == "ValueError"
    with pytest.raises(ValueError, match=r"ModelCheckpoint.*monitor=val_foo.*logs hold: loss, mae"):
        _fit([_checkpoint(tmp_path, "b.weights.npz", monitor="val_foo", **kwargs)])


@pytest.mark.parametrize("case, kwargs", [
    ("checkpoint_unknown_monitor_min_best_only", {"monitor": "val_foo", "mode": "min"}),
    ("checkpoint_no_val_loss_best_only", {}),  # the default monitor, fit without validation data
])
def test_checkpoint_best_only_without_the_monitored_value_saves_and_warns_once(tmp_path, case, kwargs):
    path = tmp_path / "c.weights.npz"
    callback = cbm.ModelCheckpoint(str(path), save_best_only=True, save_weights_only=True, **kwargs)
    _, caught = _fit([callback], epochs=3)
    assert path.exists() == _keras_saved(case)  # Keras saves (it used to be skipped here, every epoch)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages  # Keras warns every epoch; once is enough
    assert callback.monitor in messages[0] and "available metrics are: loss, mae" in messages[0]


def test_checkpoint_best_only_first_value_is_an_improvement(tmp_path):
    path = tmp_path / "d.weights.npz"
    callback = cbm.ModelCheckpoint(str(path), monitor="loss", save_best_only=True, save_weights_only=True)
    _fit([callback], epochs=1)
    assert path.exists() and callback.best is not None and np.isfinite(callback.best)


@pytest.mark.parametrize("cls, case", [(cbm.ModelCheckpoint, "checkpoint_bad_mode"),
                                       (cbm.EarlyStopping, "earlystopping_bad_mode")])
def test_unknown_mode_warns_and_falls_back_to_auto_as_keras(tmp_path, cls, case):
    args = (str(tmp_path / "e.weights.npz"),) if cls is cbm.ModelCheckpoint else ()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        callback = cls(*args, mode="bogus", save_weights_only=True) if args else cls(mode="bogus")
    assert callback.mode == _keras_saved(case)
    assert sum("mode 'bogus' is unknown" in str(w.message) for w in caught) == RECORD[case]["warnings"]


@pytest.mark.parametrize("save_freq", [0, -2, True, 1.5, "batch"])
def test_checkpoint_save_freq_must_be_epoch_or_a_positive_int(tmp_path, save_freq):
    with pytest.raises(ValueError, match=r"save_freq"):
        _checkpoint(tmp_path, "f.weights.npz", save_freq=save_freq)


def test_checkpoint_batch_placeholder_counts_from_one_and_bad_placeholders_are_named(tmp_path):
    _fit([_checkpoint(tmp_path, "b{batch}.weights.npz", save_freq=1)], epochs=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b1.weights.npz"]  # 8 samples = 1 batch
    with pytest.raises(KeyError, match=r"Failed to format this callback filepath.*nope.*loss, mae"):
        _fit([_checkpoint(tmp_path, "{nope}.weights.npz")], epochs=1)


@pytest.mark.parametrize("filepath", [None, 3, b"m.weights.npz"])
def test_checkpoint_filepath_must_be_a_path(filepath):
    with pytest.raises(TypeError, match=r"ModelCheckpoint: 'filepath' must be a str or os.PathLike"):
        cbm.ModelCheckpoint(filepath, save_weights_only=True)


def test_checkpoint_to_a_directory_names_it(tmp_path):
    (tmp_path / "dir.weights.npz").mkdir()
    with pytest.raises(IsADirectoryError, match=r"dir\.weights\.npz"):
        _fit([_checkpoint(tmp_path, "dir.weights.npz")], epochs=1)


# -- EarlyStopping --------------------------------------------------------------------------------

def test_early_stopping_unknown_monitor_in_auto_mode_raises_as_keras():
    assert RECORD["earlystopping_unknown_monitor_auto"]["outcome"] == "ValueError"
    with pytest.raises(ValueError, match=r"EarlyStopping.*monitor=foo.*logs hold: loss, mae"):
        _fit([cbm.EarlyStopping(monitor="foo")])


def test_early_stopping_missing_monitor_in_min_mode_trains_on_and_warns_once():
    history, caught = _fit([cbm.EarlyStopping(monitor="foo", mode="min")], epochs=3)
    assert len(history.history["loss"]) == 3
    assert _keras_saved("earlystopping_unknown_monitor_min") == 2  # Keras, 2 epochs: no stop either
    assert len(caught) == 1 and "available metrics are: loss, mae" in str(caught[0].message)


def test_early_stopping_restores_the_best_weights():
    model = _model()
    seen = []
    record = cbm.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((logs["loss"], model.get_weights())))
    stop = cbm.EarlyStopping(monitor="loss", mode="max", patience=1, restore_best_weights=True)
    model.fit(X, Y, epochs=6, verbose=0, callbacks=[record, stop])
    best = max(range(len(seen)), key=lambda i: seen[i][0])  # mode="max": the largest loss is "best"
    for w, b in zip(model.get_weights(), seen[best][1]):
        np.testing.assert_array_equal(w, b)


@pytest.mark.parametrize("cls", [cbm.EarlyStopping, cbm.ModelCheckpoint])
def test_monitor_must_be_a_name(tmp_path, cls):
    args = (str(tmp_path / "g.weights.npz"),) if cls is cbm.ModelCheckpoint else ()
    with pytest.raises(TypeError, match=rf"{cls.__name__}: 'monitor' must be the name"):
        cls(*args, monitor=3)


# -- callbacks= shapes ------------------------------------------------------------------------------

def test_fit_accepts_a_single_callback_as_keras():
    history, _ = _fit(cbm.EarlyStopping(monitor="loss", patience=5), epochs=3)
    assert len(history.history["loss"]) == _keras_saved("fit_single_callback")


@pytest.mark.parametrize("given, expected", [
    (lambda: cbm.History(), "callbacklist_single_callback"),
    (lambda: (cbm.History(),), "fit_callbacks_tuple"),
])
def test_callback_list_accepts_one_callback_or_a_tuple(given, expected):
    assert len(cbm.CallbackList(given()).callbacks) == _keras_saved(expected)


@pytest.mark.parametrize("given, match", [
    (1, r"expected a keras.callbacks.Callback or a list of them, got 1 of type int"),
    ([cbm.History(), "x"], r"item 1 is 'x' of type str"),
    ({"a": cbm.History()}, r"got \{'a'"),
])
def test_anything_else_as_callbacks_is_a_type_error_naming_it(given, match):
    with pytest.raises(TypeError, match=match):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=given)


# -- to_categorical ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, args", [
    ("in_range", ([0, 2], 3)), ("whole_floats", ([0.0, 2.0], 3)), ("bools", ([True, False], 2)),
    ("empty", ([], 3)), ("column", ([[1], [0]], 2)),
])
def test_to_categorical_as_keras(name, args):
    assert to_categorical(*args).tolist() == _keras_saved(f"to_categorical_{name}")


@pytest.mark.parametrize("name, args, match", [
    # Keras: NumPy's IndexError
    ("too_large", ([0, 3], 3), r"to_categorical: class id 3 in 'x' is out of range; expected ids in \[0, 3\)"),
    # Keras: silently the last class
    ("negative", ([0, -1], 3), r"class id -1 in 'x' is out of range"),
    # Keras: silently truncated
    ("fractional", ([0.5, 1.7], 3), r"class ids must be whole numbers, got 0.5"),
    ("strings", (["a"], 3), r"'x' must hold integer class ids"),
])
def test_to_categorical_refuses_bad_ids(name, args, match):
    with pytest.raises(ValueError, match=match):
        to_categorical(*args)
    assert RECORD[f"to_categorical_{name}"]["outcome"] in ("ok", "IndexError", "ValueError")


@pytest.mark.parametrize("args, match", [
    (([], None), r"cannot infer 'num_classes' from an empty 'x'"),
    (([0], -1), r"'num_classes' must be a non-negative integer, got -1"),
    (([0], 2.5), r"'num_classes' must be a non-negative integer, got 2.5"),
    (([float("nan")], 2), r"whole numbers, got nan"),
    ((None, 2), r"'x' must hold integer class ids, got None"),
])
def test_to_categorical_bad_arguments_are_named(args, match):
    with pytest.raises(ValueError, match=match):
        to_categorical(*args)


# -- losses and metrics given bad inputs --------------------------------------------------------------

LOSSES = sorted((c for c in vars(keras.losses).values() if isinstance(c, type)
                 and issubclass(c, keras.losses.LossFunctionWrapper) and c is not keras.losses.LossFunctionWrapper),
                key=lambda c: c.__name__)
METRICS = sorted((c for c in vars(keras.metrics).values() if isinstance(c, type)
                  and issubclass(c, keras.metrics.MeanMetricWrapper) and c is not keras.metrics.MeanMetricWrapper),
                 key=lambda c: c.__name__)
# Metrics that compare argmaxes: Keras (and tapegrad) accept any two shapes whose argmaxes compare.
ARGMAX_METRICS = {"CategoricalAccuracy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy"}


def test_the_tables_hold_every_class():
    assert len(LOSSES) == 14 and len(METRICS) == 8


def _label(c):
    return f"{c.__module__.rsplit('.', 1)[-1]}.{c.__name__}"


# SparseCategoricalAccuracy of a rank-1 y_pred compares every label with one argmax, in Keras too.
MISMATCHES = [pytest.param(cls, t, p, id=f"{_label(cls)}-{t}-{p}")
              for cls in LOSSES + [c for c in METRICS if c.__name__ not in ARGMAX_METRICS]
              for t, p in [((4, 3), (4, 2)), ((4,), (5,)), ((6, 3), (4, 3))]
              if not (cls.__name__ == "SparseCategoricalAccuracy" and len(p) == 1)]


@pytest.mark.parametrize("cls, y_true, y_pred", MISMATCHES)
def test_mismatched_shapes_name_the_loss_or_metric_and_both_shapes(cls, y_true, y_pred):
    with pytest.raises(ValueError) as info:  # InvalidArgumentError (TF's class) is a ValueError
        cls()(np.zeros(y_true, F), np.zeros(y_pred, F))
    message = str(info.value)
    assert message.startswith(f"{cls.__name__} '"), message
    assert f"y_true of shape {y_true}" in message and f"y_pred of shape {y_pred}" in message, message
    assert "expected y_true" in message, message
    assert "operands could not be broadcast" not in message.split("(")[0]


@pytest.mark.parametrize("cls", LOSSES + METRICS, ids=_label)
@pytest.mark.parametrize("arg", ["y_true", "y_pred"])
def test_none_is_refused_not_turned_into_nan(cls, arg):
    args = {"y_true": np.zeros((4, 2), F), "y_pred": np.full((4, 2), 0.5, F)}
    args[arg] = None
    with pytest.raises(ValueError, match=rf"^{cls.__name__} '.*': '{arg}' is None"):
        cls()(**args)


@pytest.mark.parametrize("cls", LOSSES + METRICS, ids=_label)
def test_strings_are_refused_naming_the_argument(cls):
    with pytest.raises(ValueError, match=rf"^{cls.__name__} '.*': 'y_true' must hold numbers"):
        cls()(np.array([["a", "b"]]), np.zeros((1, 2), F))


@pytest.mark.parametrize("fn", [keras.losses.mean_squared_error, keras.losses.hinge, keras.losses.poisson,
                                keras.losses.binary_crossentropy, keras.losses.categorical_crossentropy,
                                keras.losses.sparse_categorical_crossentropy])
def test_loss_functions_refuse_none(fn):
    with pytest.raises(ValueError, match=rf"^{fn.__name__}: 'y_true' is None"):
        fn(None, np.zeros((2, 2), F))


@pytest.mark.parametrize("cls", [keras.losses.CategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy])
def test_crossentropies_of_scalars_raise_a_value_error_not_an_index_error(cls):
    with pytest.raises(ValueError, match=r"at least rank 1"):
        cls()(1.0, 0.5)


@pytest.mark.parametrize("make", [lambda: keras.metrics.Mean(), lambda: keras.metrics.Sum()])
def test_metric_sample_weight_that_does_not_fit_is_named(make):
    metric = make()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"sample_weight of shape \(3,\) does not fit the "
                                                             r"values of shape \(4,\)"):
        metric.update_state(np.ones(4, F), sample_weight=np.ones(3, F))
    assert float(metric.result()) == 0.0  # nothing was accumulated


def test_loss_sample_weight_that_does_not_fit_is_named():
    with pytest.raises(ValueError, match=r"MeanSquaredError 'mean_squared_error': sample_weight of shape \(3,\)"):
        keras.losses.MeanSquaredError()(np.ones((4, 2), F), np.ones((4, 2), F), sample_weight=np.ones(3, F))


def test_a_failed_update_leaves_the_metric_unchanged():
    metric = keras.metrics.MeanSquaredError()
    metric.update_state(np.ones((2, 2), F), np.zeros((2, 2), F))
    with pytest.raises(ValueError):
        metric.update_state(np.ones((2, 3), F), np.zeros((2, 2), F))
    assert float(metric.result()) == 1.0


# -- the progress bar on a terminal ----------------------------------------------------------------

class _FakeTTY(io.StringIO):
    def isatty(self):
        return True


def _draw(stream, target=4):
    bar = Progbar(target, file=stream, interval=0)
    for step in range(1, (target or 3) + 1):
        bar.update(step, {"loss": 0.5})
    if target is None:
        bar.update(3, {"loss": 0.5}, finalize=True)
    return stream.getvalue()


def test_progbar_on_a_terminal_uses_keras_escapes(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TAPEGRAD_PROGBAR_DYNAMIC", raising=False)
    out = _draw(_FakeTTY())
    assert sorted(set(re.findall(r"\x1b\[[0-9;]*m", out))) == _keras_saved("progbar_escapes")["tty"]
    first = out.split("\r")[1]
    assert first.startswith("\x1b[1m1/4\x1b[0m \x1b[32m" + "\u2501" * 5 + "\x1b[0m\x1b[37m" + "\u2501" * 15)
    assert "\x1b[1m0s\x1b[0m" in first and first.endswith(" - loss: 0.5000")
    last = out.split("\r")[-1]
    assert last.startswith("\x1b[1m4/4\x1b[0m \x1b[32m" + "\u2501" * 20 + "\x1b[0m \x1b[1m") and last.endswith("\n")


def test_progbar_plain_when_not_a_terminal_or_no_color(monkeypatch):
    monkeypatch.delenv("TAPEGRAD_PROGBAR_DYNAMIC", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain = _draw(io.StringIO())
    assert "\x1b" not in plain and plain.startswith("4/4 " + "\u2501" * 20 + " ")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b" not in _draw(_FakeTTY())


def test_progbar_pads_by_visible_width_not_by_escapes(monkeypatch):
    """A shorter line redrawn over a longer one is padded by what shows on screen, not the escapes."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = _FakeTTY()
    bar = Progbar(4, file=stream, interval=0)
    bar.update(1, {"loss": 0.5, "a_long_metric_name": 0.25})
    bar._values = {"loss": 0.5}
    bar.update(2)
    first, second = stream.getvalue().split("\r")[1:]
    strip = re.compile(r"\x1b\[[0-9;]*m")
    assert len(strip.sub("", second)) == len(strip.sub("", first))


def test_progbar_unknown_target_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = _draw(_FakeTTY(), target=None)
    assert "\x1b[1m3\x1b[0m" in out and out.endswith("\n")
