"""A None gradient comes with its cause, named (issue: "why is my gradient None?")."""
import warnings

import pytest

import tapegrad as tf


def test_constant_not_watched():
    x = tf.constant(2.0)
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = w * x
    assert tape.gradient(y, x) is None
    assert "not watched" in tape.why_none(x) and "tape.watch" in tape.why_none(x)


def test_non_trainable_variable():
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * 3.0
    assert tape.gradient(y, v) is None
    assert "not trainable" in tape.why_none(v)


def test_watch_accessed_variables_false():
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * 3.0
    assert tape.gradient(y, v) is None
    assert "watch_accessed_variables=False" in tape.why_none(v)


def test_integer_source():
    i = tf.Variable(3)
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = w * tf.cast(i, tf.float32)
    assert tape.gradient(y, [w, i])[1] is None
    assert "dtype int32" in tape.why_none(i)


def test_target_does_not_depend_on_source():
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = a * 2.0
        _ = b * 3.0
    assert tape.gradient(y, [a, b])[1] is None
    assert "does not depend" in tape.why_none(b)
    assert tape.why_none(a) is None


def test_variable_never_read_under_the_tape():
    a = tf.Variable(1.0)
    b = tf.Variable(2.0)
    early = b * 3.0
    with tf.GradientTape() as tape:
        y = a * early
    assert tape.gradient(y, b) is None
    assert "never read while the tape was recording" in tape.why_none(b)


def test_value_left_the_library_through_numpy_and_float():
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        h = tf.tanh(w)
        y = tf.reduce_sum(tf.constant(h.numpy()) * 2.0)
    assert tape.gradient(y, w) is None
    assert "numpy()" in tape.why_none(w) and "tanh" in tape.why_none(w)
    with tf.GradientTape() as tape:
        y = tf.constant(float(tf.reduce_sum(w))) * 2.0
    assert tape.gradient(y, w) is None
    assert "float()" in tape.why_none(w)


def test_non_differentiable_operation_is_named():
    w = tf.Variable([1.5, 2.5])
    with tf.GradientTape() as tape:
        y = tf.cast(tf.cast(w * 2.0, tf.int32), tf.float32)
    assert tape.gradient(y, w) is None
    assert "non-differentiable" in tape.why_none(w) and "cast" in tape.why_none(w)
    v = tf.Variable([0.0, 0.0])
    with tf.GradientTape() as tape:
        v.assign(w * 2.0)
        y = tf.reduce_sum(v.read_value() * 1.0)
    assert tape.gradient(y, w) is None
    assert "assign to variable" in tape.why_none(w)


def test_target_computed_outside_the_recording():
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            y = w * 2.0
    assert tape.gradient(y, w) is None
    assert "stop_recording()" in tape.why_none(w)
    x = tf.constant(1.0)
    early = x * 2.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        _ = x * 3.0
    assert tape.gradient(early, x) is None
    assert "target was not recorded by this tape" in tape.why_none(x)


def test_warning_mode_and_thread_level_lookup():
    v = tf.Variable(2.0, trainable=False)
    tf.debugging.warn_on_none_gradients(True)
    try:
        with tf.GradientTape() as tape:
            y = v * 3.0
        with pytest.warns(UserWarning, match="not trainable"):
            tape.gradient(y, v)
    finally:
        tf.debugging.warn_on_none_gradients(False)
    assert "not trainable" in tf.debugging.why_none(v)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape() as tape:
            y = v * 3.0
        tape.gradient(y, v)  # no warning when the mode is off
