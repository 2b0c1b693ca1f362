"""GradientTape: watching, persistence, structure of results, unconnected and integer sources."""
import logging

import numpy as np
import pytest

import tapegrad as tf


def test_trainable_variables_are_watched_automatically_nontrainable_only_when_asked():
    a = tf.Variable(2.0)
    b = tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        y = a * b
    assert [g if g is None else float(g) for g in tape.gradient(y, [a, b])] == [3.0, None]
    with tf.GradientTape() as tape:
        tape.watch(b)
        y = a * b
    assert [float(g) for g in tape.gradient(y, [a, b])] == [3.0, 2.0]
    # TF lists watched variables in creation order, not in the order they were watched.
    assert [v is w for v, w in zip(tape.watched_variables(), (a, b))] == [True, True]


def test_watch_accessed_variables_false():
    a = tf.Variable(2.0)
    c = tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(c)
        y = a * c
    assert tape.gradient(y, a) is None and float(tape.gradient(y, c) if False else 0.0) == 0.0
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(c)
        y = a * c
    assert float(tape.gradient(y, c)) == 2.0
    assert tape.watched_variables() == (c,)


def test_watch_tensors_and_nested_structures():
    x = tf.constant(1.0)
    y = tf.constant(2.0)
    z = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch({"a": [x, (y,)], "b": z})
        out = x * y * z
    g = tape.gradient(out, {"p": x, "q": [y, (z,)]})
    assert float(g["p"]) == 6.0 and float(g["q"][0]) == 3.0 and float(g["q"][1][0]) == 2.0
    assert isinstance(g["q"][1], tuple)


def test_unwatched_constant_gives_none_and_zero_on_request():
    x = tf.constant([1.0, 2.0])
    w = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        y = w * x
    assert tape.gradient(y, x) is None
    z = tape.gradient(y, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert z.numpy().tolist() == [0.0, 0.0] and z.dtype == tf.float32
    assert tape.gradient(y, x, unconnected_gradients="zero").shape == (2,)


def test_integer_sources_give_none(caplog):
    i = tf.constant(3)
    iv = tf.Variable(2)
    with caplog.at_level(logging.WARNING, logger="tapegrad"):
        with tf.GradientTape() as tape:
            tape.watch(i)
            y = tf.cast(i * iv, tf.float32) * 2.0
    assert "must be floating" in caplog.text
    assert tape.gradient(y, [i, iv]) == [None, None]


def test_non_persistent_tape_answers_once():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, x)


def test_persistent_tape_answers_many_times():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = x * x * x
    assert float(tape.gradient(y, x)) == 4.0 and float(tape.gradient(z, x)) == 12.0
    assert float(tape.gradient(y, x)) == 4.0


def test_non_scalar_and_list_targets_are_summed():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = 3.0 * x
    assert tape.gradient(y, x).numpy().tolist() == [2.0, 4.0]
    assert tape.gradient([y, z], x).numpy().tolist() == [5.0, 7.0]
    assert tape.gradient({"a": y, "b": y}, x).numpy().tolist() == [4.0, 8.0]


def test_output_gradients_weight_the_targets():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([10.0, 0.5]))
    assert g.numpy().tolist() == [20.0, 2.0]


def test_variable_target_as_tensorflow():
    v = tf.Variable(2.0)
    w = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        pass
    assert float(tape.gradient(v, v)) == 1.0 and tape.gradient(v, w) is None


def test_sources_must_be_tensors():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * 2.0
    with pytest.raises(ValueError, match="source"):
        tape.gradient(y, [x, 3.0])
    with pytest.raises(ValueError):
        tape.watch(3.0)


def test_stop_recording_and_reset():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x
        w = x * 3.0
    assert float(tape.gradient(y, x)) == 4.0 and tape.gradient(z, x) is None
    assert float(tape.gradient(w, x)) == 3.0
    with tf.GradientTape() as tape:
        y = x * x
        tape.reset()
        y2 = x * 5.0
    assert float(tape.gradient(y2, x)) == 5.0
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        tape.reset()
    assert tape.gradient(y, x) is None
    with pytest.raises(ValueError):
        with tape.stop_recording():
            pass


def test_gradient_inside_the_context_and_tape_entered_twice():
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        g = tape.gradient(y, x)
        with pytest.raises(ValueError):
            tape.__enter__()
    assert float(g) == 6.0


def test_stop_gradient():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * tf.stop_gradient(x)
    assert float(tape.gradient(y, x)) == 3.0


def test_gradient_of_intermediate_tensor_and_source_that_is_target():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        h = x * 3.0
        tape.watch(h)
        y = h * h
    assert float(tape.gradient(y, h)) == 12.0
    assert float(tape.gradient(y, x)) == 36.0
    assert float(tape.gradient(h, h)) == 1.0


def test_broadcast_gradients_keep_the_source_shape():
    w = tf.Variable([0.3])
    b = tf.Variable([[1.0, 2.0, 3.0]])
    x = tf.constant([[1.0], [2.0], [3.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * x + b)
    gw, gb = tape.gradient(y, [w, b])
    assert gw.shape == (1,) and float(gw[0]) == 18.0 and gb.shape == (1, 3) and gb.numpy().tolist() == [[3.0] * 3]


def test_deep_graph_needs_no_recursion():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x
        for _ in range(20000):
            y = y + 0.0
    assert float(tape.gradient(y, x)) == 1.0
