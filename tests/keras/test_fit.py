"""compile/fit/evaluate/predict: against a hand-written GradientTape loop (bit-identical), against
numbers Keras 3.15 printed for the same model and data, and the callbacks."""
import os

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers
F = np.float32


def _data(n=20):
    x = np.sin(np.arange(n * 3).reshape(n, 3) * 0.7).astype(F)
    y = np.arange(n) * 7 % 3
    return x, y


def _model(dropout_seed=None):
    layers = [keras.Input((3,)), L.Dense(4, activation="relu"), L.BatchNormalization()]
    if dropout_seed is not None:
        layers.append(L.Dropout(0.25, seed=dropout_seed))
    layers.append(L.Dense(3, activation="softmax"))
    model = keras.Sequential(layers)
    model.set_weights([(np.cos(np.arange(np.prod(w.shape)).reshape(w.shape) * 0.9) * 0.5).astype(F)
                       if "moving_variance" not in w.path else np.ones(w.shape, F) for w in model.weights])
    return model


def _plain_model():
    model = keras.Sequential([keras.Input((3,)), L.Dense(4, activation="tanh"), L.Dense(3, activation="softmax")])
    model.set_weights([(np.cos(np.arange(np.prod(w.shape)).reshape(w.shape) * 0.9) * 0.5).astype(F)
                       for w in model.weights])
    return model


def test_fit_equals_a_hand_written_gradient_tape_loop():
    x, y = _data()
    a, b = _model(dropout_seed=3), _model(dropout_seed=3)
    a.compile(keras.optimizers.Adam(0.01), keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    history = a.fit(x, y, batch_size=6, epochs=3, shuffle=False, verbose=0)

    optimizer = keras.optimizers.Adam(0.01)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    epoch_losses = []
    for _ in range(3):
        total, count = F(0), F(0)
        for start in range(0, len(x), 6):
            xb, yb = x[start:start + 6], y[start:start + 6]
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, b(xb, training=True))
            grads = tape.gradient(loss, b.trainable_weights)
            optimizer.apply_gradients(zip(grads, b.trainable_weights))
            total, count = F(total + F(loss.numpy()) * F(len(xb))), F(count + F(len(xb)))
        epoch_losses.append(float(F(total / count)))

    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)  # bit-identical, BN moving statistics included
    assert history.history["loss"] == epoch_losses
    assert int(a.optimizer.iterations) == int(optimizer.iterations) == 12


# Keras 3.15 / TF 2.21 for _model() (no dropout), SGD(0.1, momentum=0.9), batch_size=4, epochs=3,
# shuffle=False, validation_split=0.25.
KERAS_HISTORY = {"accuracy": [0.3333333, 1.0, 0.9333333], "loss": [1.020358, 0.7858299, 0.5047458],
                 "val_accuracy": [0.4, 0.6, 1.0], "val_loss": [0.995368, 0.8560117, 0.5899342]}
KERAS_EVALUATE = [0.5558403134346008, 1.0]
KERAS_PREDICT = [[0.48574501276016235, 0.4386250078678131, 0.07563000172376633],
                 [0.3317349851131439, 0.525875985622406, 0.14238899946212769]]


def test_fit_matches_keras_numbers():
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, validation_split=0.25, verbose=0)
    assert list(history.history) == list(KERAS_HISTORY)
    for key, values in KERAS_HISTORY.items():
        np.testing.assert_allclose(history.history[key], values, rtol=2e-6, err_msg=key)
        assert all(type(v) is float for v in history.history[key])
    assert history.epoch == [0, 1, 2] and history.params == {"verbose": 0, "epochs": 3, "steps": 4}
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0, batch_size=6), KERAS_EVALUATE, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x[:2], verbose=0), KERAS_PREDICT, atol=1e-6)  # printed rounded
    assert model.history is history


def test_validation_split_holds_out_the_last_samples():
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    expected = model.evaluate(x[15:], y[15:], verbose=0)
    assert history.history["val_loss"] == [pytest.approx(expected, rel=1e-7)]


def test_shuffle_is_reproducible_with_a_seed_and_changes_the_order():
    x, y = _data()

    def run(seed, shuffle=True):
        tf.random.set_seed(seed)
        model = _model()
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=4, epochs=2, shuffle=shuffle, verbose=0)
        return model.get_weights()

    first, again, other, unshuffled = run(1), run(1), run(2), run(1, shuffle=False)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    assert any(not np.array_equal(a, b) for a, b in zip(first, unshuffled))


def test_metrics_resolution_and_evaluate_forms():
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, verbose=0)
    probs = model.predict(x, verbose=0)
    assert acc == pytest.approx(float(np.mean(probs.argmax(-1) == y)))
    assert type(model._compile_metrics.metrics[0]).__name__ == "SparseCategoricalAccuracy"
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(logs) == ["accuracy", "loss"] and logs["loss"] == loss
    onehot = np.eye(3, dtype=F)[y]
    model.compile(keras.optimizers.SGD(0.0), "categorical_crossentropy", metrics=["acc", "mae"])
    logs = model.evaluate(x, onehot, verbose=0, return_dict=True)
    assert list(logs) == ["acc", "loss", "mae"] and logs["acc"] == pytest.approx(acc)
    assert logs["mae"] == pytest.approx(float(np.abs(onehot - probs).mean()), rel=1e-6)
    assert type(model._compile_metrics.metrics[0]).__name__ == "CategoricalAccuracy"
    binary = keras.Sequential([keras.Input((3,)), L.Dense(1, activation="sigmoid")])
    binary.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    binary.evaluate(x, (y > 0).astype(F), verbose=0)
    assert type(binary._compile_metrics.metrics[0]).__name__ == "BinaryAccuracy"
    assert model.metrics_names == ["loss", "compile_metrics"]


def test_sample_weight_and_class_weight():
    x, y = _data()
    model = _plain_model()
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    per_sample = keras.losses.sparse_categorical_crossentropy(y, model(x)).numpy()
    sw = (y == 1).astype(F) * 2.0
    assert model.evaluate(x, y, sample_weight=sw, verbose=0, batch_size=20) == pytest.approx(
        float((per_sample * sw).sum() / 20), rel=1e-6)
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    history = model.fit(x, y, class_weight={0: 0.0, 1: 2.0, 2: 0.0}, batch_size=20, verbose=0)
    assert history.history["loss"][0] == pytest.approx(float((per_sample * sw).sum() / 20), rel=1e-6)


def test_train_on_batch_and_predict_on_batch():
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.get_weights()
    loss, acc = model.train_on_batch(x, y)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert 0 < loss and 0 <= acc <= 1
    assert model.predict_on_batch(x).shape == (20, 3)


def test_fit_requires_compile_and_a_loss():
    model = _model()
    with pytest.raises(ValueError, match="compile"):
        model.fit(*_data(), verbose=0)
    model.compile("sgd")
    with pytest.raises(ValueError, match="loss"):
        model.fit(*_data(), verbose=0)


def test_frozen_body_trains_only_the_head():
    x, y = _data()
    model = _model()
    for layer in model.layers[:-1]:
        layer.trainable = False
    frozen = [w.numpy().copy() for layer in model.layers[:-1] for w in layer.weights]
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=5, verbose=0)
    now = [w.numpy() for layer in model.layers[:-1] for w in layer.weights]
    for a, b in zip(frozen, now):  # frozen BatchNormalization: inference mode, statistics untouched
        np.testing.assert_array_equal(a, b)


# -- progress bar and callbacks -------------------------------------------------------------------------------

def test_progress_bar_output(capsys):
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=4, epochs=2, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    last = [line for line in out.splitlines() if line.startswith("4/4")]
    assert len(last) == 2 and "\u2501" * 20 in last[0]
    assert " - accuracy: " in last[0] and " - loss: " in last[0] and " - val_loss: " in last[0]
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, batch_size=4, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("5/5 - ") and "loss:" in lines[1]
    model.evaluate(x, y, verbose=1)
    assert capsys.readouterr().out.startswith("1/1 ")


def test_early_stopping_and_restore_best_weights():
    x, y = _data()
    model = _plain_model()
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=2)
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) == 3 and stop.stopped_epoch == 2

    model = _model()
    model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1, restore_best_weights=True)
    captured = []
    snap = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: captured.append(model.get_weights()))
    history = model.fit(x, y, epochs=20, batch_size=4, validation_split=0.25, verbose=0, callbacks=[snap, stop])
    assert stop.monitor_op is np.greater  # accuracy goes up
    best = int(np.argmax(history.history["val_accuracy"]))
    for a, b in zip(model.get_weights(), captured[best]):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="maximized or minimized"):
        bad = keras.callbacks.EarlyStopping(monitor="val_unknown")
        model.fit(x, y, epochs=1, validation_split=0.25, verbose=0, callbacks=[bad])


def test_model_checkpoint(tmp_path):
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    path = os.path.join(tmp_path, "ep{epoch:02d}.weights.npz")
    model.fit(x, y, epochs=3, verbose=0, validation_split=0.25,
              callbacks=[keras.callbacks.ModelCheckpoint(path, save_weights_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["ep01.weights.npz", "ep02.weights.npz", "ep03.weights.npz"]
    best = os.path.join(tmp_path, "best.weights.npz")
    checkpoint = keras.callbacks.ModelCheckpoint(best, monitor="val_loss", save_best_only=True, save_weights_only=True)
    history = model.fit(x, y, epochs=4, verbose=0, validation_split=0.25, callbacks=[checkpoint])
    assert checkpoint.best == min(history.history["val_loss"])
    restored = _model()
    restored.load_weights(best)
    assert all(np.array_equal(a, b) for a, b in zip(restored.get_weights(), model.get_weights())) == \
        (int(np.argmin(history.history["val_loss"])) == 3)
    with pytest.raises(ValueError, match=".weights.npz"):
        keras.callbacks.ModelCheckpoint(os.path.join(tmp_path, "model.keras"))


def test_callback_hooks_order():
    x, y = _data()
    model = _model()
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    calls = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(f"epoch_begin{epoch}")

        def on_train_batch_end(self, batch, logs=None):
            calls.append(f"batch{batch}")

        def on_epoch_end(self, epoch, logs=None):
            calls.append(f"epoch_end{epoch}:{sorted(logs)}")

        def on_train_end(self, logs=None):
            calls.append("train_end")

    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[Recorder()])
    assert calls == ["train_begin", "epoch_begin0", "batch0", "batch1", "epoch_end0:['loss']", "epoch_begin1",
                     "batch0", "batch1", "epoch_end1:['loss']", "train_end"]
