"""Edge-case arguments of ``compile``/``fit``/``evaluate``/``predict`` and the ``*_on_batch`` methods:
the one table shared by ``tools/probe_keras_fit_edges.py`` (which runs it under Keras 3 and records
what Keras does) and ``tests/keras/test_fit_edges.py`` (which runs it in tapegrad and compares).

Every entry is ``name -> call(keras)``: ``keras`` is ``tensorflow.keras`` or ``tapegrad.keras``; the
call returns a summary of its result that does not depend on the random initial weights (the
keys and lengths of a History, the shape of ``predict``'s output, how many numbers ``evaluate``
returned), or raises. The record keeps the summary or the class of the exception.

``DIFFERENCES`` lists the cases where tapegrad deliberately does not do what Keras 3.15 does, each
with what tapegrad does instead and why (Keras crashes inside itself there, or raises from a
lower layer with a message that does not name the argument).
"""
import numpy as np

N = 8
X = np.linspace(-1.0, 1.0, N * 3).reshape(N, 3).astype(np.float32)
Y = np.cos(np.arange(N * 2)).reshape(N, 2).astype(np.float32)
LABELS = np.array([0, 1] * (N // 2))


def model(keras, loss="mse", metrics=None, compiled=True, activation=None):
    """Dense(2) on a 3-feature input named 'inp', compiled with SGD."""
    m = keras.Sequential([keras.Input((3,), name="inp"), keras.layers.Dense(2, activation=activation)])
    if compiled:
        m.compile("sgd", loss, metrics=metrics)
    return m


def classifier(keras, metrics=None):
    return model(keras, "sparse_categorical_crossentropy", metrics=metrics, activation="softmax")


def summary(result):
    """What a result looks like, independent of the weights' values."""
    if hasattr(result, "history") and isinstance(getattr(result, "history", None), dict):
        return {"history": {k: len(v) for k, v in sorted(result.history.items())}}
    if isinstance(result, (list, tuple)):
        return [summary(r) for r in result]
    if isinstance(result, dict):
        return {k: summary(v) for k, v in sorted(result.items())}
    if isinstance(result, (float, int, np.floating)):
        return "number"
    if hasattr(result, "shape"):
        return {"shape": [int(d) for d in result.shape]}
    return type(result).__name__


def generator(*arrays):
    while True:
        yield arrays[0] if len(arrays) == 1 else arrays


def _fit(keras, *args, model_fn=model, **kwargs):
    kwargs.setdefault("verbose", 0)
    return summary(model_fn(keras).fit(*args, **kwargs))


def _evaluate(keras, *args, model_fn=model, **kwargs):
    kwargs.setdefault("verbose", 0)
    return summary(model_fn(keras).evaluate(*args, **kwargs))


def _predict(keras, *args, **kwargs):
    kwargs.setdefault("verbose", 0)
    return summary(model(keras).predict(*args, **kwargs))


def _pop_add_fit(keras, fit_first):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    if fit_first:
        m.compile("sgd", "mse")
        m.fit(X, Y, verbose=0)
    m.pop()
    m.add(keras.layers.Dense(2, name="replacement"))
    if not fit_first:
        m.compile("sgd", "mse")  # else the optimizer compiled before pop/add trains on
    return summary(m.fit(X, Y, verbose=0))


def _int_fit(keras):
    m = model(keras)
    history = m.fit(X.round().astype(np.int64), Y.round().astype(np.int64), verbose=0)
    return [summary(history), sorted({getattr(w.dtype, 'name', w.dtype) for w in m.weights}),
            bool(np.isfinite(np.asarray(history.history["loss"])).all())]


CALLS = {
    # y missing for a loss that needs it (Keras: "None values not supported.")
    "fit_y_none": lambda k: _fit(k, X, None),
    "fit_y_none_sparse": lambda k: _fit(k, X, None, model_fn=classifier),
    "evaluate_y_none": lambda k: _evaluate(k, X, None),
    "train_on_batch_y_none": lambda k: summary(model(k).train_on_batch(X, None)),
    "test_on_batch_y_none": lambda k: summary(model(k).test_on_batch(X, None)),
    "fit_validation_data_x_only": lambda k: _fit(k, X, Y, validation_data=(X,)),
    "fit_validation_data_array": lambda k: _fit(k, X, Y, validation_data=X),
    "fit_x_none": lambda k: _fit(k, None, Y),
    # Python lists where arrays are expected
    "fit_lists": lambda k: _fit(k, X.tolist(), Y.tolist()),
    "fit_y_list": lambda k: _fit(k, X, Y.tolist()),
    "fit_labels_flat_list": lambda k: _fit(k, X, LABELS.tolist(), model_fn=classifier),
    "evaluate_lists": lambda k: _evaluate(k, X.tolist(), Y.tolist()),
    "predict_list": lambda k: _predict(k, X.tolist()),
    "train_on_batch_lists": lambda k: summary(model(k).train_on_batch(X.tolist(), Y.tolist())),
    "predict_on_batch_list": lambda k: summary(model(k).predict_on_batch(X.tolist())),
    "fit_x_string": lambda k: _fit(k, "abc", Y),
    # structures of arrays
    "fit_x_list_of_one_array": lambda k: _fit(k, [X], Y),
    "fit_x_tuple_of_one_array": lambda k: _fit(k, (X,), Y),
    "fit_x_dict_matching_input_name": lambda k: _fit(k, {"inp": X}, Y),
    "fit_x_dict_other_name": lambda k: _fit(k, {"other": X}, Y),
    "predict_x_dict_matching_input_name": lambda k: _predict(k, {"inp": X}),
    "predict_x_dict_other_name": lambda k: _predict(k, {"other": X}),
    # generators
    "fit_generator_steps": lambda k: _fit(k, generator(X, Y), steps_per_epoch=3, epochs=2),
    "fit_generator_with_sample_weight": lambda k: _fit(k, generator(X, Y, np.ones(N)), steps_per_epoch=2),
    "evaluate_generator_steps": lambda k: _evaluate(k, generator(X, Y), steps=3),
    "predict_generator_x_tuple": lambda k: _predict(k, generator(X, Y), steps=3),
    "predict_generator_bare_x": lambda k: _predict(k, generator(X), steps=3),
    # empty and bad batch sizes
    "predict_empty": lambda k: _predict(k, np.zeros((0, 3), np.float32)),
    "predict_on_batch_empty": lambda k: summary(model(k).predict_on_batch(np.zeros((0, 3), np.float32))),
    "evaluate_empty": lambda k: _evaluate(k, np.zeros((0, 3), np.float32), np.zeros((0, 2), np.float32)),
    "fit_empty": lambda k: _fit(k, np.zeros((0, 3), np.float32), np.zeros((0, 2), np.float32)),
    "predict_batch_size_negative": lambda k: _predict(k, X, batch_size=-1),
    "predict_batch_size_zero": lambda k: _predict(k, X, batch_size=0),
    "fit_batch_size_negative": lambda k: _fit(k, X, Y, batch_size=-1),
    "fit_batch_size_zero": lambda k: _fit(k, X, Y, batch_size=0),
    "evaluate_batch_size_negative": lambda k: _evaluate(k, X, Y, batch_size=-1),
    "fit_batch_size_float": lambda k: _fit(k, X, Y, batch_size=2.5),
    # dtypes
    "fit_integer_inputs_and_targets": _int_fit,
    "train_on_batch_integer_inputs": lambda k: summary(model(k).train_on_batch(X.astype(np.int32), Y.astype(np.int32))),
    "fit_bool_inputs": lambda k: _fit(k, X > 0, Y),
    "fit_integer_labels_sparse": lambda k: _fit(k, X, LABELS.astype(np.int64), model_fn=lambda k: classifier(k, ["accuracy"])),
    # epochs
    "fit_epochs_zero": lambda k: _fit(k, X, Y, epochs=0),
    "fit_epochs_negative": lambda k: _fit(k, X, Y, epochs=-1),
    "fit_epochs_float": lambda k: _fit(k, X, Y, epochs=2.5),
    "fit_initial_epoch_past_epochs": lambda k: _fit(k, X, Y, epochs=1, initial_epoch=3),
    # compile arguments
    "compile_metrics_string": lambda k: summary(model(k, metrics="mae")),
    "compile_metrics_list": lambda k: _fit(k, X, Y, model_fn=lambda k: model(k, metrics=["mae"])),
    "compile_unknown_loss_then_fit": lambda k: _fit(k, X, Y, model_fn=lambda k: model(k, loss="no_such_loss")),
    # callbacks
    "fit_single_callback": lambda k: _fit(k, X, Y, callbacks=k.callbacks.EarlyStopping(monitor="loss")),
    "evaluate_single_callback": lambda k: _evaluate(k, X, Y, callbacks=k.callbacks.History()),
    # Sequential surgery
    "pop_add_fit": lambda k: _pop_add_fit(k, False),
    "fit_pop_add_fit": lambda k: _pop_add_fit(k, True),
    # cardinality and shapes
    "fit_x_y_lengths_differ": lambda k: _fit(k, X, Y[:5]),
    "fit_sample_weight_length_differs": lambda k: _fit(k, X, Y, sample_weight=np.ones(5)),
    "fit_validation_data_four_items": lambda k: _fit(k, X, Y, validation_data=(X, Y, np.ones(N), np.ones(N))),
    "fit_wrong_feature_count": lambda k: _fit(k, np.ones((N, 4), np.float32), Y),
    "fit_x_rank_one": lambda k: _fit(k, np.ones(N, np.float32), Y),
    "fit_x_scalar": lambda k: _fit(k, np.float32(1.0), Y),
    # validation_split
    "fit_validation_split_above_one": lambda k: _fit(k, X, Y, validation_split=1.5),
    "fit_validation_split_one": lambda k: _fit(k, X, Y, validation_split=1.0),
    "fit_validation_split_negative": lambda k: _fit(k, X, Y, validation_split=-0.1),
    "fit_validation_split_quarter": lambda k: _fit(k, X, Y, validation_split=0.25),
    "fit_validation_freq_zero": lambda k: _fit(k, X, Y, validation_split=0.25, validation_freq=0),
    # class_weight
    "fit_class_weight": lambda k: _fit(k, X, LABELS, class_weight={0: 1.0, 1: 2.0}, model_fn=classifier),
    "fit_class_weight_missing_class": lambda k: _fit(k, X, LABELS, class_weight={0: 1.0}, model_fn=classifier),
    "fit_class_weight_list": lambda k: _fit(k, X, LABELS, class_weight=[1.0, 2.0], model_fn=classifier),
    "fit_class_weight_and_sample_weight": lambda k: _fit(k, X, LABELS, class_weight={0: 1.0, 1: 1.0},
                                                         sample_weight=np.ones(N), model_fn=classifier),
    # shuffle, steps with arrays, verbose
    "fit_shuffle_string": lambda k: _fit(k, X, Y, shuffle="yes"),
    "fit_shuffle_batch": lambda k: _fit(k, X, Y, shuffle="batch"),
    "fit_shuffle_none": lambda k: _fit(k, X, Y, shuffle=None),
    "fit_steps_per_epoch_arrays": lambda k: _fit(k, X, Y, steps_per_epoch=3, batch_size=2, epochs=2),
    "fit_steps_per_epoch_beyond_data": lambda k: _fit(k, X, Y, steps_per_epoch=10, batch_size=2, epochs=2),
    "fit_steps_per_epoch_zero": lambda k: _fit(k, X, Y, steps_per_epoch=0),
    "evaluate_steps_arrays": lambda k: _evaluate(k, X, Y, steps=2, batch_size=2),
    "predict_steps_arrays": lambda k: _predict(k, X, steps=2, batch_size=2),
    "predict_steps_beyond_data": lambda k: _predict(k, X, steps=10, batch_size=2),
    "fit_verbose_none": lambda k: _fit(k, X, Y, verbose=None),
    "fit_uncompiled": lambda k: _fit(k, X, Y, model_fn=lambda k: model(k, compiled=False)),
    "predict_uncompiled": lambda k: summary(model(k, compiled=False).predict(X, verbose=0)),
}


# name -> (what tapegrad does instead, why)
DIFFERENCES = {
    "predict_empty": ({"shape": [0, 2]}, "Keras 3.15 crashes inside predict (UnboundLocalError) on 0 rows; "
                                         "tapegrad returns the empty output, as predict_on_batch does in both"),
    "fit_x_scalar": ("ValueError", "Keras crashes inside itself (IndexError); tapegrad says x needs a batch axis"),
    "fit_validation_split_above_one": ("ValueError", "Keras splits at a negative index (8 samples at 1.5 split at "
                                                     "-4: half train, half validate): a silent wrong split"),
    "fit_validation_freq_zero": ("ValueError", "Keras crashes inside itself (ZeroDivisionError); tapegrad "
                                               "names validation_freq"),
    "fit_class_weight_list": ("ValueError", "Keras crashes inside itself (AttributeError: no .get); tapegrad "
                                            "says class_weight must be a dict"),
}


def call(keras, name):
    return CALLS[name](keras)


def outcome(keras, name):
    """``("ok", summary)`` or ``(exception class name, first line of its message)``."""
    try:
        return "ok", call(keras, name)
    except Exception as e:  # noqa: BLE001 - the class is the record
        text = str(e).strip()
        return type(e).__name__, text.splitlines()[0][:300] if text else ""
