"""Edge-case arguments of compile/fit/evaluate/predict against what Keras 3.15 does with them
(recorded by tools/probe_keras_fit_edges.py into tests/data/keras_fit_edges.json), then the
behaviours a summary cannot show: that a generator trains as the same batches given as arrays,
that integer inputs train as their float cast, that the model after pop/add trains every layer."""
import json
import pathlib
import warnings

import numpy as np
import pytest

from tapegrad import keras
from tests.keras import fit_edge_calls as calls
from tests.keras.fit_edge_calls import LABELS, X, Y, generator

RECORD = json.loads((pathlib.Path(__file__).parent.parent / "data" / "keras_fit_edges.json").read_text())
L = keras.layers

# Words each tapegrad error must contain: the method or argument it is about.
MUST_SAY = {
    "fit_y_none": "`y`", "fit_lists": "`x`", "fit_y_list": "`y`", "fit_labels_flat_list": "`y`",
    "evaluate_lists": "Model.evaluate", "predict_list": "Model.predict", "train_on_batch_lists": "train_on_batch",
    "fit_x_string": "`x`", "fit_x_none": "`x`", "fit_x_dict_other_name": "inp",
    "predict_x_dict_other_name": "inp", "predict_generator_bare_x": "generator",
    "predict_batch_size_negative": "batch_size", "fit_batch_size_negative": "batch_size",
    "evaluate_batch_size_negative": "batch_size", "fit_batch_size_float": "batch_size",
    "fit_epochs_float": "epochs", "compile_metrics_string": "metrics",
    "compile_unknown_loss_then_fit": "mean_squared_error", "fit_x_scalar": "batch axis",
    "fit_validation_split_above_one": "validation_split", "fit_validation_split_one": "validation_split",
    "fit_validation_split_negative": "validation_split", "fit_validation_freq_zero": "validation_freq",
    "fit_class_weight_list": "class_weight",
}

# Keras outcomes tapegrad deliberately does not follow (tests/keras/fit_edge_calls.DIFFERENCES).
EXPECTED = {name: RECORD["cases"][name] for name in calls.CALLS}
for _name, (_ours, _why) in calls.DIFFERENCES.items():
    EXPECTED[_name] = {"outcome": "ok", "detail": _ours} if isinstance(_ours, dict) else {"outcome": _ours}


def test_record_covers_the_table():
    assert set(RECORD["cases"]) == set(calls.CALLS)
    assert set(calls.DIFFERENCES) <= set(calls.CALLS)
    assert set(MUST_SAY) <= set(calls.CALLS)


@pytest.mark.parametrize("name", list(calls.CALLS))
def test_behaves_as_keras(name):
    expected = EXPECTED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, detail = calls.outcome(keras, name)
    if expected["outcome"] == "ok":
        assert got == "ok", f"Keras accepts {name}; tapegrad raised {got}: {detail}"
        assert detail == expected["detail"]
    else:
        assert got == expected["outcome"], f"{name}: Keras raises {expected['outcome']}, tapegrad gave {got}: {detail}"
        if name in MUST_SAY:
            assert MUST_SAY[name] in detail, detail


def _model(seed=0, layers=None):
    model = keras.Sequential([keras.Input((3,), name="inp")] + (layers or [L.Dense(4, activation="tanh"), L.Dense(2)]))
    model.set_weights([(np.cos(np.arange(np.prod(w.shape)).reshape(w.shape) * 0.9 + seed) * 0.5).astype(np.float32)
                       for w in model.weights])
    model.compile(keras.optimizers.SGD(0.05, momentum=0.5), "mse")
    return model


def test_fit_y_none_leaves_the_weights_untouched():
    model = _model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="None values not supported"):
        model.fit(X, None, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_generator_trains_as_the_same_batches_given_as_arrays():
    def batches():
        while True:
            for start in range(0, len(X), 3):
                yield X[start:start + 3], Y[start:start + 3]
    a, b = _model(), _model()
    ha = a.fit(batches(), steps_per_epoch=3, epochs=2, verbose=0)
    hb = b.fit(X, Y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    assert ha.history == hb.history
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert a.evaluate(generator(X, Y), steps=1, verbose=0) == b.evaluate(X, Y, batch_size=len(X), verbose=0)
    np.testing.assert_array_equal(a.predict(generator(X, Y), steps=2, verbose=0), np.concatenate([a.predict(X, verbose=0)] * 2))


def test_a_finite_generator_stops_training_when_it_runs_out():
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit((b for b in [(X, Y)] * 3), epochs=5, verbose=0)
    assert len(history.history["loss"]) == 1 and int(model.optimizer.iterations) == 3


def test_generator_with_validation_data_generator():
    model = _model()
    history = model.fit(generator(X, Y), steps_per_epoch=2, epochs=2, validation_data=generator(X, Y),
                        validation_steps=1, verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"] and len(history.history["val_loss"]) == 2


@pytest.mark.parametrize("kind", ["int64", "int32", "bool"])
def test_integer_inputs_train_as_their_float_cast(kind):
    xi = (X * 3).round().astype(kind)
    a, b = _model(), _model()
    a.fit(xi, Y, batch_size=4, shuffle=False, verbose=0)
    b.fit(xi.astype(np.float32), Y, batch_size=4, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.predict(xi, verbose=0), a.predict(xi.astype(np.float32), verbose=0))
    np.testing.assert_array_equal(a.predict_on_batch(xi), a.predict_on_batch(xi.astype(np.float32)))


def test_integer_inputs_cast_for_an_unbuilt_sequential():
    model = keras.Sequential([L.Dense(2)])
    model.compile("sgd", "mse")
    history = model.fit(np.arange(24).reshape(8, 3) % 3, Y, verbose=0)
    assert np.isfinite(history.history["loss"]).all() and model.weights[0].dtype == "float32"


def test_integer_inputs_stay_integer_for_an_integer_input():
    model = keras.Sequential([keras.Input((4,), dtype="int32"), L.Embedding(10, 2), L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(np.arange(32).reshape(8, 4) % 10, np.ones((8, 1), np.float32), verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_a_dict_or_one_entry_list_of_inputs_is_the_input():
    model = _model()
    expected = model.predict(X, verbose=0)
    for x in ({"inp": X}, [X], (X,)):
        np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    np.testing.assert_array_equal(model.predict_on_batch({"inp": X}), expected)


def test_a_dict_of_inputs_for_a_two_input_model_is_matched_by_name():
    a, b = keras.Input((3,), name="a"), keras.Input((1,), name="b")
    model = keras.Model([a, b], L.Dense(2)(L.Concatenate()([a, b])))
    model.compile("sgd", "mse")
    xb = np.arange(N := len(X), dtype=np.float32).reshape(N, 1)
    np.testing.assert_array_equal(model.predict({"b": xb, "a": X}, verbose=0), model.predict([X, xb], verbose=0))
    with pytest.raises(ValueError, match=r"\['a', 'b'\]"):
        model.predict({"a": X, "c": xb}, verbose=0)


def test_epochs_zero_returns_an_empty_history():
    history = _model().fit(X, Y, epochs=0, verbose=0)
    assert isinstance(history, keras.callbacks.History) and history.history == {}


def test_a_single_callback_object_is_used():
    model = _model()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    history = model.fit(X, Y, epochs=5, callbacks=stop, verbose=0)
    assert len(history.history["loss"]) == 2  # min_delta no epoch reaches: stops after patience


def test_callbacks_of_the_wrong_type_are_named():
    with pytest.raises(TypeError, match=r"callbacks\[0\]"):
        _model().fit(X, Y, callbacks=["early"], verbose=0)
    with pytest.raises(TypeError, match="`callbacks`"):
        _model().fit(X, Y, callbacks=3, verbose=0)


@pytest.mark.parametrize("fit_first", [False, True])
def test_pop_then_add_trains_every_layer(fit_first):
    model = _model()
    if fit_first:
        model.fit(X, Y, verbose=0)
    model.pop()
    model.add(L.Dense(2, name="replacement"))
    before = [w.numpy().copy() for w in model.trainable_weights]
    history = model.fit(X, Y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all((b != w.numpy()).any() for b, w in zip(before, model.trainable_weights))


def test_compile_unknown_names_name_the_argument():
    model = _model()
    with pytest.raises(ValueError, match="`loss` argument.*mean_squared_error"):
        model.compile("sgd", "no_such_loss")
    with pytest.raises(ValueError, match="`metrics` argument.*accuracy"):
        model.compile("sgd", "mse", metrics=["no_such_metric"])
    with pytest.raises(ValueError, match="weighted_metrics"):
        model.compile("sgd", "mse", weighted_metrics="mae")


def test_validation_freq_as_a_list_of_epochs():
    history = _model().fit(X, Y, epochs=3, validation_split=0.25, validation_freq=[1, 3], verbose=0)
    assert len(history.history["loss"]) == 3 and len(history.history["val_loss"]) == 2


def test_predict_and_evaluate_steps_stop_at_the_end_of_the_data():
    model = _model()
    np.testing.assert_array_equal(model.predict(X, batch_size=3, steps=10, verbose=0), model.predict(X, verbose=0))
    assert model.predict(X, batch_size=3, steps=2, verbose=0).shape == (6, 2)


def test_class_weight_with_a_generator():
    model = keras.Sequential([keras.Input((3,)), L.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(generator(X, LABELS), steps_per_epoch=2, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
