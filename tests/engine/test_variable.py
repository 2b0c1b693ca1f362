"""Variable: identity, assignment (not differentiable), scatter updates, copy-on-write."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad import errors


def test_identity_and_reads():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0" and tf.Variable(1.0).name == "Variable:0"
    assert v.dtype == tf.float32 and v.shape == (2,) and v.trainable
    assert not tf.Variable(1.0, trainable=False).trainable
    assert tf.Variable(lambda: tf.ones([2])).shape == (2,)
    assert tf.Variable(np.ones(2), dtype=tf.float32).dtype == tf.float32
    assert tf.Variable(1).dtype == tf.int32
    r = v.read_value()
    assert isinstance(r, tf.Tensor) and r.numpy().tolist() == [1.0, 2.0]
    n = v.numpy()
    n[0] = 5.0
    assert v.numpy()[0] == 1.0
    assert repr(tf.Variable(1.0, name="x")) == "<tapegrad.Variable 'x:0' shape=() dtype=float32, numpy=1.0>"
    assert (v * 2).numpy().tolist() == [2.0, 4.0] and (2 * v).numpy().tolist() == [2.0, 4.0]
    assert (v @ tf.ones([2, 1]) if False else v[1]).numpy() == 2.0
    assert not isinstance(v, tf.Tensor)


def test_assignments():
    v = tf.Variable([1.0, 2.0])
    assert v.assign([3.0, 4.0]) is v and v.numpy().tolist() == [3.0, 4.0]
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    assert v.numpy().tolist() == [3.5, 4.5]
    with pytest.raises(ValueError, match="shape") as info:  # TF: ValueError from assign's shape check
        v.assign([1.0, 2.0, 3.0])
    assert not isinstance(info.value, errors.OpError)
    with pytest.raises(errors.InvalidArgumentError):  # (the kernel checks assign_add's shape)
        v.assign_add([1.0, 2.0, 3.0])
    with pytest.raises(errors.InvalidArgumentError):
        v.assign(tf.constant([1.0, 2.0], tf.float64))
    assert v.assign([1.0, 1.0], read_value=False) is None  # as TF: nothing to read back
    assert v.assign_add([1.0, 1.0], read_value=False) is None
    assert v.numpy().tolist() == [2.0, 2.0]


def test_scatter_updates():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    v.scatter_nd_update([[0, 0], [1, 1]], [10.0, 20.0])
    assert v.numpy().tolist() == [[10.0, 2.0, 3.0], [4.0, 20.0, 6.0]]
    v.scatter_nd_add([[0, 1], [0, 1]], [1.0, 1.0])  # duplicates accumulate
    v.scatter_nd_sub([[1]], [[1.0, 1.0, 1.0]])       # a whole row
    assert v.numpy().tolist() == [[10.0, 4.0, 3.0], [3.0, 19.0, 5.0]]
    with pytest.raises(errors.InvalidArgumentError) as e:
        v.scatter_nd_update([[2, 0]], [1.0])
    assert "out of bounds" in str(e.value)


def test_assignment_is_not_differentiable():
    x = tf.constant(3.0)
    v = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        v.assign(x * 2.0)
        y = v * 1.0
    assert tape.gradient(y, x) is None


def test_update_in_place_when_nothing_holds_the_buffer():
    v = tf.Variable(np.zeros(4, np.float32))
    address = v._value.ctypes.data  # (holding the array itself would share it)
    v.assign_add(np.ones(4, np.float32))
    v.assign(np.full(4, 2.0, np.float32))
    v.scatter_nd_add([[0]], [1.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v * v)
    tape.gradient(loss, v)
    del tape, loss  # the tape released what it saved: the next update is in place again
    v.assign_sub(np.ones(4, np.float32))
    assert v._value.ctypes.data == address and v.numpy().tolist() == [2.0, 1.0, 1.0, 1.0]


def test_copy_on_write_keeps_read_tensors_and_recorded_gradients_right():
    v = tf.Variable([1.0, 2.0])
    before = v.read_value()
    v.assign_add([1.0, 1.0])
    assert before.numpy().tolist() == [1.0, 2.0] and v.numpy().tolist() == [2.0, 3.0]
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(v * v)          # d/dv = 2 v, saved at v = [2, 3]
    g1 = tape.gradient(y, v).numpy()
    for update in (lambda: v.assign([10.0, 10.0]), lambda: v.assign_add([1.0, 1.0]),
                   lambda: v.assign_sub([1.0, 1.0]), lambda: v.scatter_nd_update([[0]], [7.0]),
                   lambda: v.scatter_nd_add([[1]], [7.0])):
        update()
        assert tape.gradient(y, v).numpy().tolist() == g1.tolist() == [4.0, 6.0]


def test_mutating_an_input_array_does_not_change_recorded_values():
    a = np.array([1.0, 2.0], np.float32)
    w = tf.Variable([3.0, 4.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * a)
    a[:] = 100.0
    assert tape.gradient(y, w).numpy().tolist() == [1.0, 2.0]
